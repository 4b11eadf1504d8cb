"""A young person's routes from 14 to 25: which branch points apply, and with what probabilities.

The route engine (:mod:`pathways._routes`) knows no cohort. This module reads the
``branches`` of the rule data (``cohorts/data/<area>/routes.yaml``) and builds, for
one young person, the :class:`~pathways._routes.RouteGraph` of every route they
could take:

* a branch point is on the person's routes when its ``applies_when`` condition
  holds for them (cohort, primary need, EHC plan setting, care status …) and its
  ``at`` date can be worked out; branch points come in date order, and those on
  the same day in rule-file order;
* at each branch point the first probability table that fits is used: its
  ``when`` condition holds for the person and, if it has ``after``, the route so
  far passed one of those options. So the same branch point can have different
  probabilities (and even different options) on different routes;
* an option already recorded in the person's file (an option event on or before
  the as-of date, for example ``adult-care-eligible``) is *known*: that branch
  point then has that option only, with probability 1.

The graph starts at the ``age-14`` milestone and ends at ``age-25``. Each option
is a node; when a later table looks back (``after``) to an earlier option, the
nodes in between are kept apart by the options they must remember, so the
graph stays a DAG whose routes are exactly the sequences of options. Nothing is
enumerated: the engine computes the number of routes, the probability of every
node and outcome, and the most likely routes by dynamic programming.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from pathways import (
    Branch,
    Context,
    PathwayGraph,
    ProbabilityTable,
    RouteAnalysis,
    RouteEdge,
    RouteGraph,
    RouteNode,
    RuleDataError,
    age_on,
)

from ._pathway import check_person, load_pathway, person_context, resolve_settings
from ._person import Person

#: The stable milestones a route starts and ends at.
START_MILESTONE = "age-14"
END_MILESTONE = "age-25"

_CondFn = Callable[[Context], bool]
_DateFn = Callable[[Context], date | None]


@dataclass(frozen=True, slots=True)
class RouteStep:
    """What one node of a person's route graph stands for.

    Attributes:
        node: the route-graph node id (an option id, suffixed with ``@`` and the
            earlier options it remembers when a later table looks back to them).
        option: the option id, or the milestone id for the start and the end.
        branch: the branch id, or None for the start and the end.
        label: plain-English name of the step.
        date: when the young person reaches the step.
        age: their age in whole years on that date.
        known: True when the option is recorded in the person's file.
    """

    node: str
    option: str
    branch: str | None
    label: str
    date: dt.date
    age: int
    known: bool = False


@dataclass(frozen=True, slots=True)
class BranchPoint:
    """A branch point on the young person's routes.

    Attributes:
        branch: the branch rule.
        date: when the young person reaches it.
        age: their age in whole years then.
        tables: the positions (in ``branch.probabilities``) of the tables used on
            some route; empty when the option is known.
        known: the recorded option, or None.
        recorded: (event type, date) of the record that makes it known, or None.
    """

    branch: Branch
    date: dt.date
    age: int
    tables: tuple[int, ...]
    known: str | None = None
    recorded: tuple[str, dt.date] | None = None

    def used_tables(self) -> tuple[ProbabilityTable, ...]:
        """The probability tables behind this branch point, in rule order."""
        return tuple(self.branch.probabilities[i] for i in self.tables)


@dataclass(frozen=True, slots=True)
class PersonRoutes:
    """One young person's route graph, with what each node means and where the numbers come from.

    Attributes:
        person_id: the person's id.
        as_of: the date the routes were worked out on (records after it are ignored).
        area: the area whose rule data was used.
        graph: the route graph (probabilities bound).
        steps: node id -> :class:`RouteStep`.
        branch_points: the branch points on the person's routes, in route order.
    """

    person_id: str
    as_of: date
    area: str
    graph: RouteGraph
    steps: Mapping[str, RouteStep]
    branch_points: tuple[BranchPoint, ...]

    def analyse(self, top: int = 10) -> RouteAnalysis:
        """Route count, node and outcome probabilities and the ``top`` most likely routes."""
        return self.graph.analyse(top=top)

    def option_probabilities(self, analysis: RouteAnalysis | None = None) -> dict[str, dict[str, float]]:
        """Branch id -> option id -> the probability that a route takes that option.

        Every branch point on the person's routes is reached by every route, so each
        branch's options sum to 1 (up to rounding). Options in rule order.
        """
        reach = analysis.node_probabilities if analysis is not None else _reach(self.graph)
        totals: dict[str, dict[str, list[float]]] = {
            point.branch.id: {option.id: [] for option in point.branch.options} for point in self.branch_points
        }
        for node_id, step in self.steps.items():
            if step.branch is not None:
                totals[step.branch][step.option].append(reach[node_id])
        out: dict[str, dict[str, float]] = {}
        for branch_id, options in totals.items():
            out[branch_id] = {option: math.fsum(values) for option, values in options.items() if values}
        return out


@lru_cache(maxsize=4096)
def _reach(graph: RouteGraph) -> Mapping[str, float]:
    """The probability of reaching each node of a route graph.

    Route graphs are shared between young people with the same branch points,
    ages and recorded options (:func:`_build` is cached), so their analysis is
    too: a population run works it out once per distinct graph. A graph is
    immutable and hashed by identity, and the cache holds it, so a key cannot
    be reused by another graph.
    """
    return MappingProxyType(graph.analyse(top=0).node_probabilities)


# ---------------------------------------------------------------- compiled once per pathway


@dataclass(frozen=True, slots=True)
class _BranchPlan:
    branch: Branch
    position: int
    applies: _CondFn | None
    at: _DateFn
    tables: tuple[tuple[_CondFn | None, frozenset[str]], ...]
    looks_back_to: frozenset[str]
    option_events: tuple[tuple[str, str], ...]  # (event type, option id)
    option_position: Mapping[str, int]


@lru_cache(maxsize=64)
def _plans(pathway: PathwayGraph) -> tuple[_BranchPlan, ...]:
    compiled = pathway.compiled
    branch_of = {
        option.id: branch.id for branch in pathway.rules.branches.values() for option in branch.options
    }
    plans = []
    for position, branch in enumerate(pathway.rules.branches.values()):
        tables = tuple(
            (None if t.when is None else compiled.condition(t.when), frozenset(t.after))
            for t in branch.probabilities
        )
        plans.append(
            _BranchPlan(
                branch=branch,
                position=position,
                applies=None if branch.applies_when is None else compiled.condition(branch.applies_when),
                at=compiled.date(branch.at),
                tables=tables,
                looks_back_to=frozenset(branch_of[o] for t in branch.probabilities for o in t.after),
                option_events=tuple((e, o.id) for o in branch.options for e in o.events),
                option_position=MappingProxyType({o.id: i for i, o in enumerate(branch.options)}),
            )
        )
    return tuple(plans)


# ---------------------------------------------------------------- one young person


def person_routes(
    person: Person,
    *,
    as_of: date,
    area: str = "england",
    pathway: PathwayGraph | None = None,
    settings: Mapping[str, str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    source: str = "<person>",
) -> PersonRoutes:
    """A young person's route graph from 14 to 25.

    Args:
        person: the young person.
        as_of: the date to work on: care status, facts and recorded options as on it.
        area: ``england`` or a local overlay (``leicester``, ``peterborough``).
        pathway: a pathway already loaded (for example with reforms applied).
        settings: overrides of named settings (for example the leap-day policy).
        parameters: replacement parameters, keyed by id.
        source: the file name to put in error messages.

    Raises:
        InputError: the person cannot be evaluated (see :func:`cohorts.check_person`).
        RuleDataError: a probability table looks back to a branch point this young
            person reaches later.

    >>> from datetime import date
    >>> from cohorts import Person
    >>> routes = person_routes(Person(id="x", date_of_birth=date(2012, 3, 1)), as_of=date(2026, 11, 23))
    >>> routes.graph.count_routes(), round(routes.graph.probability_sum(), 12)
    (15, 1.0)
    """
    pathway = pathway or load_pathway(area)
    resolved = resolve_settings(pathway, settings)
    check_person(pathway, person, as_of, source=source)
    params = pathway.rules.parameters if parameters is None else {**pathway.rules.parameters, **parameters}
    ctx, _ = person_context(pathway, person, as_of, resolved, params)
    return routes_for_context(pathway, ctx, person_id=person.id)


def _milestone(pathway: PathwayGraph, ctx: Context, milestone_id: str) -> tuple[str, date]:
    node = pathway.rules.nodes.get(milestone_id)
    when = pathway.compiled.milestone_date(ctx, milestone_id) if node is not None and node.date else None
    if node is None or when is None:
        raise RuleDataError(f"routes need the milestone '{milestone_id}', which this pathway lacks",
                            id=milestone_id)
    return node.label, when


def _recorded_option(plan: _BranchPlan, ctx: Context) -> tuple[str, str, date] | None:
    """The latest recorded option event of a branch (ties: the later option in rule order)."""
    best: tuple[date, int, str, str] | None = None
    for event_type, option in plan.option_events:
        dates = ctx.events.get(event_type)
        if dates:
            candidate = (dates[-1], plan.option_position[option], option, event_type)
            if best is None or candidate > best:
                best = candidate
    return None if best is None else (best[2], best[3], best[0])


@dataclass(frozen=True, slots=True)
class _PointKey:
    """What decides a branch point's part of the graph: the graph is cached on these."""

    position: int
    age: int
    fits: tuple[bool, ...]
    known: str | None


@dataclass(frozen=True, slots=True)
class _Built:
    graph: RouteGraph
    nodes: tuple[tuple[str, str, str | None, str, int], ...]  # node, option, branch, label, point
    tables: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=4096)
def _build(pathway: PathwayGraph, ends: tuple[str, int, str, int], keys: tuple[_PointKey, ...]) -> _Built:
    """The route graph for one signature (pure: every young person with it shares the graph)."""
    plans = _plans(pathway)
    # remember[k]: the branches whose option must be remembered after branch point k.
    remember: list[frozenset[str]] = [frozenset()] * len(keys)
    wanted: set[str] = set()
    for k in reversed(range(len(keys))):
        remember[k] = frozenset(wanted)
        wanted |= plans[keys[k].position].looks_back_to
    start_label, start_age, end_label, end_age = ends
    nodes = [RouteNode(START_MILESTONE, start_label, start_age)]
    info: list[tuple[str, str, str | None, str, int]] = [(START_MILESTONE, START_MILESTONE, None, start_label, -1)]
    edges: list[RouteEdge] = []
    frontier: dict[str, tuple[tuple[str, str], ...]] = {START_MILESTONE: ()}
    used_tables: list[tuple[int, ...]] = []
    for k, key in enumerate(keys):
        plan = plans[key.position]
        branch = plan.branch
        used: set[int] = set()
        next_frontier: dict[str, tuple[tuple[str, str], ...]] = {}
        for node_id, memory in frontier.items():
            if key.known is not None:
                values: Mapping[str, float] = {key.known: 1.0}
            else:
                taken = {option for _, option in memory}
                index = next(
                    i for i, (fit, (_, after)) in enumerate(zip(key.fits, plan.tables, strict=True))
                    if fit and (not after or not after.isdisjoint(taken))
                )
                used.add(index)
                values = branch.probabilities[index].values
            carried = tuple(pair for pair in memory if pair[0] in remember[k])
            suffix = "@" + "+".join(option for _, option in carried) if carried else ""
            for option_id in sorted(values, key=plan.option_position.__getitem__):
                kept = (*carried, (branch.id, option_id)) if branch.id in remember[k] else carried
                child = option_id + suffix
                if child not in next_frontier:
                    option = branch.option(option_id)
                    nodes.append(RouteNode(child, option.label, key.age,
                                           outcomes={str(area): state for area, state in option.outcomes.items()}))
                    info.append((child, option_id, branch.id, option.label, k))
                    next_frontier[child] = kept
                edges.append(RouteEdge(node_id, child, values[option_id]))
        frontier = next_frontier
        used_tables.append(tuple(sorted(used)))
    nodes.append(RouteNode(END_MILESTONE, end_label, end_age))
    info.append((END_MILESTONE, END_MILESTONE, None, end_label, len(keys)))
    edges.extend(RouteEdge(node_id, END_MILESTONE, 1.0) for node_id in frontier)
    return _Built(RouteGraph.from_edges(START_MILESTONE, nodes, edges), tuple(info), tuple(used_tables))


def routes_for_context(pathway: PathwayGraph, ctx: Context, *, person_id: str) -> PersonRoutes:
    """The route graph for a person already turned into an evaluation context.

    This is the part of :func:`person_routes` after the person file is checked;
    population runs call it with the context they already have. The graph itself
    depends only on which branch points apply, in which order, which tables fit,
    the ages and any recorded options, so it is built once for each such
    signature and shared.
    """
    plans = _plans(pathway)
    policy = ctx.leap_day_policy
    dob = ctx.date_of_birth

    points: list[tuple[date, int, _BranchPlan]] = []
    for plan in plans:
        if plan.applies is not None and not plan.applies(ctx):
            continue
        when = plan.at(ctx)
        if when is not None:
            points.append((when, plan.position, plan))
    points.sort(key=lambda item: (item[0], item[1]))
    order = {plan.branch.id: k for k, (_, _, plan) in enumerate(points)}
    for k, (when, _, plan) in enumerate(points):
        for earlier in sorted(plan.looks_back_to):
            if order.get(earlier, -1) > k:
                raise RuleDataError(
                    f"a probability table looks back ('after') to branch '{earlier}', which this young "
                    f"person reaches after this one ({when.isoformat()})",
                    id=plan.branch.id,
                )
    start_label, start_date = _milestone(pathway, ctx, START_MILESTONE)
    end_label, end_date = _milestone(pathway, ctx, END_MILESTONE)
    keys: list[_PointKey] = []
    recorded_by_point: list[tuple[str, str, date] | None] = []
    for when, _, plan in points:
        recorded = _recorded_option(plan, ctx)
        recorded_by_point.append(recorded)
        keys.append(_PointKey(
            position=plan.position,
            age=age_on(dob, when, policy),
            fits=tuple(when_fn is None or bool(when_fn(ctx)) for when_fn, _ in plan.tables),
            known=None if recorded is None else recorded[0],
        ))
    ends = (start_label, age_on(dob, start_date, policy), end_label, age_on(dob, end_date, policy))
    built = _build(pathway, ends, tuple(keys))

    dates = [start_date, *(when for when, _, _ in points), end_date]
    ages = [ends[1], *(key.age for key in keys), ends[3]]
    steps = {
        node: RouteStep(node, option, branch, label, dates[point + 1], ages[point + 1],
                        known=branch is not None and keys[point].known is not None)
        for node, option, branch, label, point in built.nodes
    }
    branch_points = tuple(
        BranchPoint(
            branch=plan.branch, date=when, age=key.age, tables=tables,
            known=key.known, recorded=None if recorded is None else (recorded[1], recorded[2]),
        )
        for (when, _, plan), key, tables, recorded in zip(points, keys, built.tables, recorded_by_point, strict=True)
    )
    return PersonRoutes(
        person_id=person_id,
        as_of=ctx.as_of,
        area=pathway.area,
        graph=built.graph,
        steps=MappingProxyType(steps),
        branch_points=branch_points,
    )

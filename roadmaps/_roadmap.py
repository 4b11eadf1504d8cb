"""Person → roadmap: the dated timeline to 25, with statuses and gaps.

The pathway is compiled once (:class:`_Plan`, cached per pathway); each young
person then costs one pass over the compiled nodes and gap rules.

Statuses, relative to the as-of date (events after the as-of date are ignored):

* a deadline (a node with ``completed_by``) is **done** when a completing event
  is recorded (on or after ``completed_from`` when given); otherwise
  **overdue** once the deadline has passed (on the date for ``before``, the day
  after for ``by``), **due** from its window start, and **upcoming** before;
* a point in time (a birthday, a service start or end) is **done** once
  reached and **upcoming** before;
* a review whose date moves with each recorded event is **overdue** once
  passed, otherwise **upcoming** (or **due** inside its window).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any

from cohorts import Person, check_person, load_pathway, person_context, resolve_settings
from pathways import (
    CompiledRules,
    Context,
    DateOutOfRangeError,
    GapRule,
    InputError,
    Node,
    Parameter,
    PathwayGraph,
    Reference,
    add_days,
    add_months,
    age_years_months,
    dated,
    describe_condition,
    describe_date,
    value_on,
    weakest_status,
)
from roadmaps.rule_ids import (
    CARE_LEAVER_SUPPORT_AGE,
    DEFAULT_AREA,
    LEAP_DAY_POLICY,
    LEAVING_CARE_COUNT_FROM_AGE,
)

from ._moves import roadmap_across_moves
from .model import (
    CareLeaverStatus,
    CareStatusPeriod,
    Citation,
    Entry,
    Gap,
    Roadmap,
    RuleRef,
    ServiceSpan,
)

DateFn = Callable[[Context], date | None]
CondFn = Callable[[Context], bool]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True, slots=True)
class _NodePlan:
    node: Node
    applies: CondFn | None
    date: DateFn
    window_start: DateFn | None
    completed_from: DateFn | None
    completed_before: DateFn | None
    not_applicable: CondFn | None
    until: DateFn | None
    rule: RuleRef
    explain: tuple[str, ...]
    owner_label: str
    birthday_based: bool


@dataclass(frozen=True, slots=True)
class _ServiceLine:
    """The fixed text of a service's start or end line on the timeline."""

    id: str
    title: str
    description: str
    explanation: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _ServicePlan:
    node: Node
    applies: CondFn | None
    starts: DateFn | None
    ends: DateFn | None
    successors: tuple[str, ...]
    rule: RuleRef
    start_line: _ServiceLine
    end_line: _ServiceLine


@dataclass(frozen=True, slots=True)
class _GapPlan:
    gap: GapRule
    applies: CondFn | None
    due: DateFn | None
    until: DateFn | None
    event_from: DateFn | None
    event_before: DateFn | None
    rule: RuleRef
    owner_label: str
    explain: tuple[str, ...]
    catalogue: str | None
    lead: Parameter | None


@dataclass(frozen=True, slots=True)
class _Scoped:
    """The parts of a plan in scope for one combination of cohorts."""

    nodes: tuple[_NodePlan, ...]
    services: tuple[_ServicePlan, ...]
    gaps: tuple[_GapPlan, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    nodes: tuple[_NodePlan, ...]
    services: tuple[_ServicePlan, ...]
    gaps: tuple[_GapPlan, ...]
    phases: Mapping[str, str | None]
    default_settings: Mapping[str, str]
    scoped: dict[tuple[frozenset[str], frozenset[str] | None], _Scoped] = field(
        default_factory=dict
    )

    def in_scope(self, cohorts: frozenset[str], only: frozenset[str] | None) -> _Scoped:
        """The nodes, services and gap rules that apply to members of ``cohorts``.

        Worked out once per combination (there are few) rather than per person.
        """
        key = (cohorts, only)
        found = self.scoped.get(key)
        if found is None:
            found = self.scoped[key] = _Scoped(
                nodes=tuple(p for p in self.nodes if _in_scope(p.node.cohorts, cohorts, only)),
                services=tuple(p for p in self.services if _in_scope(p.node.cohorts, cohorts, only)),
                gaps=tuple(p for p in self.gaps if _in_scope(p.gap.cohorts, cohorts, only)),
            )
        return found


def _rule_ref(
    pathway: PathwayGraph, rule_id: str, status: str, refs: tuple[Reference, ...], param_ids: tuple[str, ...],
    milestone_ids: tuple[str, ...] = (),
) -> RuleRef:
    """Citations of the rule and its parameters; the status is the weakest of everything behind it."""
    params = [pathway.rules.parameters[p] for p in param_ids]
    milestones = [pathway.rules.nodes[m] for m in milestone_ids]
    statuses = [status, *(p.status for p in params), *(m.status for m in milestones)]
    citations: dict[Citation, None] = {}
    for ref in (*refs, *(r for p in params for r in p.references)):
        citations[ref] = None
    return RuleRef(id=rule_id, status=weakest_status(*statuses), citations=tuple(citations))


@lru_cache(maxsize=64)
def _plan(pathway: PathwayGraph) -> _Plan:
    """Everything about the pathway that is the same for every young person, worked out once."""
    nodes: list[_NodePlan] = []
    services: list[_ServicePlan] = []
    for node in pathway.nodes():
        if node.kind == "service":
            services.append(_service_plan(pathway, node))
        elif node.date is not None:
            nodes.append(_node_plan(pathway, node))
    gaps = tuple(_gap_plan(pathway, gap) for gap in pathway.gap_rules())
    phases = {p.node.id: p.node.phase for p in services}
    return _Plan(tuple(nodes), tuple(services), gaps, phases, resolve_settings(pathway))


def _service_plan(pathway: PathwayGraph, node: Node) -> _ServicePlan:
    compiled = pathway.compiled
    behind = compiled.parameters_behind(node.starts, node.ends)
    successors = pathway.handover_successors(node.id)
    handover = (
        " Handed over to: " + ", ".join(successors) + "."
        if successors
        else " No adult service takes over in this area."
    )
    return _ServicePlan(
        node=node,
        applies=compiled.condition(node.applies_when) if node.applies_when else None,
        starts=compiled.date(node.starts) if node.starts else None,
        ends=compiled.date(node.ends) if node.ends else None,
        successors=successors,
        rule=_rule_ref(pathway, node.id, node.status, node.references, behind),
        start_line=_service_line(node, "start", node.description),
        end_line=_service_line(node, "end", (node.description + handover).strip()),
    )


def _node_plan(pathway: PathwayGraph, node: Node) -> _NodePlan:
    compiled = pathway.compiled
    params = pathway.rules.parameters
    assert node.date is not None  # only dated nodes are planned
    behind = compiled.parameters_behind(node.date, node.window_start)
    depends = compiled.milestones_behind(node.date)
    source = pathway.rules.source(node.id)
    explain = [f"Rule {node.id} ({source}), status {node.status}."]
    explain.append(f"Date: {describe_date(node.date, params)}.")
    if node.applies_when is not None:
        explain.append(f"Applies when {describe_condition(node.applies_when, params)}.")
    if node.completed_by:
        explain.append(f"Done when a {' or '.join(node.completed_by)} event is recorded.")
    if node.not_applicable_when is not None:
        explain.append(f"Not applicable when {describe_condition(node.not_applicable_when, params)}.")
    owner = pathway.rules.nodes[node.owner].label if node.owner else _agency_owner(node.agency)
    return _NodePlan(
        node=node,
        applies=compiled.condition(node.applies_when) if node.applies_when else None,
        date=partial(_milestone_date, compiled, node.id),
        window_start=compiled.date(node.window_start) if node.window_start else None,
        completed_from=compiled.date(node.completed_from) if node.completed_from else None,
        completed_before=compiled.date(node.completed_before) if node.completed_before else None,
        not_applicable=compiled.condition(node.not_applicable_when) if node.not_applicable_when else None,
        until=compiled.date(node.until) if node.until else None,
        rule=_rule_ref(pathway, node.id, node.status, node.references, behind, depends),
        explain=tuple(explain),
        owner_label=owner,
        birthday_based=any(params[p].unit in ("years", "year-group") for p in behind)
        or node.date.operator == "compulsory_school_age_end",
    )


def _gap_plan(pathway: PathwayGraph, gap: GapRule) -> _GapPlan:
    compiled = pathway.compiled
    params = pathway.rules.parameters
    behind = compiled.parameters_behind(gap.due, gap.until, gap.applies_when)
    depends = compiled.milestones_behind(gap.due, gap.until, gap.applies_when)
    if gap.lead_months:
        behind = (*behind, gap.lead_months)
    source = pathway.rules.source(gap.id)
    explain = [f"Gap rule {gap.id} ({source}), status {gap.status}."]
    if gap.applies_when is not None:
        explain.append(f"Applies when {describe_condition(gap.applies_when, params)}.")
    if gap.due is not None:
        explain.append(f"Fires {'after' if gap.strictly_after else 'on or after'} {describe_date(gap.due, params)}.")
    if gap.missing_event is not None:
        explain.append(f"Unless a {' or '.join(gap.missing_event.types)} event is recorded.")
    missing = gap.missing_event
    return _GapPlan(
        gap=gap,
        applies=compiled.condition(gap.applies_when) if gap.applies_when else None,
        due=compiled.date(gap.due) if gap.due else None,
        until=compiled.date(gap.until) if gap.until else None,
        event_from=compiled.date(missing.on_or_after) if missing and missing.on_or_after else None,
        event_before=compiled.date(missing.before) if missing and missing.before else None,
        rule=_rule_ref(pathway, gap.id, gap.status, gap.references, behind, depends),
        owner_label=pathway.rules.nodes[gap.owner].label if gap.owner else _agency_owner(gap.agency),
        explain=tuple(explain),
        catalogue=", ".join(gap.catalogue) or None,
        lead=params[gap.lead_months or ""] if gap.kind == "handover" else None,
    )


def _service_line(node: Node, verb: str, description: str) -> _ServiceLine:
    """The text of a service's ``start`` or ``end`` line (only the date and age vary)."""
    return _ServiceLine(
        id=f"{node.id}-{verb}",
        title=f"{node.label} {verb}s",
        description=description,
        explanation=(f"Service {node.id} ({node.phase}) {verb}s on this date.",),
    )


def _milestone_date(compiled: CompiledRules, milestone_id: str, ctx: Context) -> date | None:
    """A node's date through the context's memo, shared with the rules that refer to it."""
    return compiled.milestone_date(ctx, milestone_id)


def _agency_owner(agency: str) -> str:
    return {
        "education": "Local authority (education)",
        "health": "NHS",
        "social-care": "Local authority (social care)",
        "other": "Young person and family",
    }[agency]


def _in_scope(cohorts: tuple[str, ...], person_cohorts: frozenset[str], only: frozenset[str] | None) -> bool:
    """Cohort-scoped rules apply to members; ``only`` restricts to some cohorts."""
    if cohorts and not person_cohorts.intersection(cohorts):
        return False
    return not (only is not None and cohorts and not only.intersection(cohorts))


def _event_in(ctx: Context, types: tuple[str, ...], start: date | None, before: date | None) -> date | None:
    found: date | None = None
    for event_type in types:
        for day in ctx.events.get(event_type, ()):
            if (start is None or day >= start) and (before is None or day < before):
                found = day if found is None or day > found else found
    return found


def _node_status(plan: _NodePlan, ctx: Context, when: date, window: date | None) -> tuple[str, date | None]:
    node = plan.node
    as_of = ctx.as_of
    if node.completed_by:
        start = plan.completed_from(ctx) if plan.completed_from else None
        before = plan.completed_before(ctx) if plan.completed_before else None
        done = _event_in(ctx, node.completed_by, start, before)
        if done is not None:
            return "done", done
        if plan.not_applicable is not None and plan.not_applicable(ctx):
            return "not-applicable", None
        late = as_of >= when if node.deadline == "before" else as_of > when
        if late:
            return "overdue", None
        if window is not None and as_of >= window:
            return "due", None
        return "upcoming", None
    if node.deadline is not None:  # a review whose date moves with each event
        late = as_of >= when if node.deadline == "before" else as_of > when
        if late:
            return "overdue", None
        if window is not None and as_of >= window:
            return "due", None
        return "upcoming", None
    return ("done" if when <= as_of else "upcoming"), None


def _entries(
    plan: _Plan, ctx: Context, only: frozenset[str] | None, alternatives: list[tuple[str, Context]]
) -> list[Entry]:
    out: list[Entry] = []
    for p in plan.in_scope(ctx.cohorts, only).nodes:
        node = p.node
        if p.applies is not None and not p.applies(ctx):
            continue
        when = p.date(ctx)
        if when is None:
            continue
        if node.in_force_from is not None and when < node.in_force_from:
            continue
        if p.until is not None:
            limit = p.until(ctx)
            if limit is not None and when >= limit:
                continue
        window = p.window_start(ctx) if p.window_start else None
        status, done_on = _node_status(p, ctx, when, window)
        recorded = not (node.completed_by and status in ("due", "overdue") and not ctx.records_any(node.completed_by))
        years, months = age_years_months(ctx.date_of_birth, when, ctx.leap_day_policy)
        rule = p.rule
        explain = p.explain
        if done_on is not None:
            explain = (*explain, f"Done: event recorded on {done_on.isoformat()}.")
        elif node.completed_by and status == "overdue":
            explain = (
                *explain,
                f"No {' or '.join(node.completed_by)} event recorded by {ctx.as_of.isoformat()}.",
            )
        for setting_id, alt in alternatives:
            other = p.date(alt) if p.birthday_based else None
            if other is not None and other != when:
                rule = RuleRef(rule.id, "ambiguous", rule.citations)
                explain = (
                    *explain,
                    f"The setting {setting_id} decides this date: {ctx.settings[setting_id]} gives "
                    f"{when.isoformat()}; {alt.settings[setting_id]} would give {other.isoformat()}.",
                )
        out.append(
            Entry(
                id=node.id,
                kind=node.kind,
                date=when,
                age_years=years,
                age_months=months,
                title=node.label,
                description=node.description,
                agency=node.agency,
                owner=p.owner_label,
                owner_id=node.owner,
                status=status,  # type: ignore[arg-type]
                rule=rule,
                cohorts=node.cohorts,
                window_start=window,
                done_on=done_on,
                pfa_area=node.pfa_area,
                explanation=explain,
                recorded=recorded,
            )
        )
    return out


def _services(
    plan: _Plan, ctx: Context, only: frozenset[str] | None
) -> tuple[list[ServiceSpan], list[Entry]]:
    spans: list[ServiceSpan] = []
    entries: list[Entry] = []
    as_of = ctx.as_of
    for p in plan.in_scope(ctx.cohorts, only).services:
        node = p.node
        if p.applies is not None and not p.applies(ctx):
            continue
        begins = p.starts(ctx) if p.starts else None
        ends = p.ends(ctx) if p.ends else None
        if begins is not None and ends is not None and ends < begins:
            continue
        spans.append(
            ServiceSpan(
                id=node.id, label=node.label, agency=node.agency, start=begins, end=ends,
                successors=p.successors, rule=p.rule, cohorts=node.cohorts,
                beyond_statutory=node.beyond_statutory,
            )
        )
        for kind, when, line in (("service-start", begins, p.start_line), ("service-end", ends, p.end_line)):
            if when is None:
                continue
            years, months = age_years_months(ctx.date_of_birth, when, ctx.leap_day_policy)
            entries.append(
                Entry(
                    id=line.id,
                    kind=kind,
                    date=when,
                    age_years=years,
                    age_months=months,
                    title=line.title,
                    description=line.description,
                    agency=node.agency,
                    owner=node.label,
                    owner_id=node.id,
                    status="done" if when <= as_of else "upcoming",
                    rule=p.rule,
                    cohorts=node.cohorts,
                    explanation=line.explanation,
                )
            )
    return spans, entries


def _gaps(
    plan: _Plan, pathway: PathwayGraph, ctx: Context, only: frozenset[str] | None,
    spans: list[ServiceSpan],
) -> tuple[list[Gap], list[Gap]]:
    """The gaps that fire, and those that would fire but need events the input never records."""
    out: list[Gap] = []
    not_recorded: list[Gap] = []
    as_of = ctx.as_of
    for p in plan.in_scope(ctx.cohorts, only).gaps:
        gap = p.gap
        if gap.kind == "handover":
            out.extend(_handover_gaps(p, plan, pathway, ctx, spans))
            continue
        if p.applies is not None and not p.applies(ctx):
            continue
        due = p.due(ctx) if p.due else None
        if p.due is not None:
            if due is None:
                continue
            if (as_of <= due) if gap.strictly_after else (as_of < due):
                continue
        if p.until is not None:
            limit = p.until(ctx)
            if limit is not None and as_of >= limit:
                continue
        unrecorded = False
        if gap.missing_event is not None:
            start = p.event_from(ctx) if p.event_from else None
            before = p.event_before(ctx) if p.event_before else None
            if _event_in(ctx, gap.missing_event.types, start, before) is not None:
                continue
            unrecorded = not ctx.records_any(gap.missing_event.types)
        explain = p.explain
        since = _first_late_day(due, strictly_after=gap.strictly_after)
        if due is not None and since is not None:
            explain = (
                *explain,
                f"Due {due.isoformat()}; overdue since {since.isoformat()}; as of {as_of.isoformat()}.",
            )
        (not_recorded if unrecorded else out).append(
            Gap(
                rule=gap.id, severity=gap.severity, title=gap.title, message=gap.message,
                action=gap.action, duty=p.rule, owner=p.owner_label, agency=gap.agency,
                since=since, days_overdue=_days_open(since, as_of),
                milestone=gap.milestone, catalogue=p.catalogue,
                explanation=explain, family_message=gap.family_message,
            )
        )
    return out, not_recorded


def _first_late_day(due: date | None, *, strictly_after: bool) -> date | None:
    """The first day a duty gap is open: the day after ``due`` when the rule fires
    strictly after it (``due`` is then the last lawful day), otherwise ``due`` itself.

    >>> _first_late_day(date(2026, 5, 25), strictly_after=True)
    datetime.date(2026, 5, 26)
    >>> _first_late_day(date(2026, 5, 25), strictly_after=False)
    datetime.date(2026, 5, 25)
    """
    if due is None:
        return None
    return add_days(due, 1) if strictly_after else due


def _days_open(since: date | None, as_of: date) -> int | None:
    """How many days a gap has been open on the as-of date, its first day counted as 1.

    A duty whose last lawful day was yesterday is 1 day overdue today.

    >>> _days_open(date(2026, 5, 26), date(2026, 5, 26)), _days_open(None, date(2026, 5, 26))
    (1, None)
    """
    return None if since is None else (as_of - since).days + 1


def _shift_months(anchor: date, sign: int, months: object) -> date:
    return add_months(anchor, sign * int(str(months)))


def _handover_gaps(
    p: _GapPlan, plan: _Plan, pathway: PathwayGraph, ctx: Context, spans: list[ServiceSpan]
) -> list[Gap]:
    """One gap per children's service that ends with no adult service after it."""
    gap = p.gap
    out: list[Gap] = []
    lead = p.lead
    assert lead is not None, "a handover gap rule is planned with its lead time"
    phase = gap.phase or "children"
    for span in spans:
        if span.end is None or span.successors or plan.phases[span.id] != phase:
            continue
        end = span.end
        opens = dated(lead, partial(_shift_months, end, 1))
        closes = dated(lead, partial(_shift_months, end, -1))
        if opens is None or closes is None or not (opens <= ctx.as_of <= closes):
            continue
        explain = (*p.explain, f"{span.id} ends {end.isoformat()} and has no hands-over-to successor in area {pathway.area}.")
        out.append(
            Gap(
                rule=gap.id, severity=gap.severity, title=gap.title,
                message=gap.message.format(service=span.label, date=end.isoformat()),
                action=gap.action, duty=p.rule, owner=span.label, agency=span.agency,
                since=opens, days_overdue=_days_open(opens, ctx.as_of), milestone=span.id,
                catalogue=p.catalogue, explanation=explain,
                family_message=(gap.family_message or "").format(service=span.label, date=end.isoformat()) or None,
            )
        )
    return out


def _ambiguous_for(pathway: PathwayGraph, settings: Mapping[str, str], dob: date) -> list[tuple[str, str]]:
    """Ambiguous date settings that can change this person's dates, with the other choice.

    The leap-day policy matters only for a 29 February birth; the 1 September reading of
    compulsory school age only for a birthday on the first day of the school year.
    """
    affected = {LEAP_DAY_POLICY: (dob.month, dob.day) == (2, 29)}
    first_september = pathway.rules.first_september_setting
    if first_september is not None:
        affected[first_september] = (dob.month, dob.day) == pathway.rules.calendar.school_year_start
    out: list[tuple[str, str]] = []
    for setting_id, matters in affected.items():
        setting = pathway.rules.settings.get(setting_id)
        if matters and setting is not None:
            out.extend((setting_id, choice) for choice in setting.choices if choice != settings[setting_id])
    return out


def generate_roadmap(
    person: Person,
    *,
    as_of: date,
    area: str = DEFAULT_AREA,
    settings: Mapping[str, str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    pathway: PathwayGraph | None = None,
    cohorts: tuple[str, ...] | None = None,
    source: str = "<person>",
) -> Roadmap:
    """A young person's dated roadmap to 25.

    Args:
        person: the young person (see :class:`cohorts.Person`).
        as_of: the date the roadmap is drawn up on; later events are ignored.
        area: ``england`` or a local overlay (``leicester``, ``peterborough``).
        settings: overrides of named settings, e.g. ``{"leap-day-policy": "feb28"}``.
        parameters: replacement parameters (used by reforms), keyed by id.
        pathway: a pathway already loaded (saves the cache look-up).
        cohorts: only include entries of these cohorts (shared entries always show).
        source: the file name to put in error messages.

    Raises:
        InputError: the person cannot be evaluated (for example a date of birth
            after the as-of date, an unknown event type, or dates so near the
            year 9999 that the roadmap would run past 9999-12-31).
    """
    pathway = pathway or load_pathway(area)
    plan = _plan(pathway)
    resolved = resolve_settings(pathway, settings) if settings else dict(plan.default_settings)
    check_person(pathway, person, as_of, source=source)
    params = pathway.rules.parameters if parameters is None else {**pathway.rules.parameters, **parameters}
    only = frozenset(cohorts) if cohorts is not None else None
    try:
        if person.moves:
            return roadmap_across_moves(
                person, as_of, pathway, load_pathway,
                lambda area_pathway: _draw_in_area(area_pathway, person, as_of, settings, parameters, only),
            )
        return _draw(plan, pathway, person, as_of, resolved, params, only)
    except DateOutOfRangeError:
        end_age = int(value_on(params[CARE_LEAVER_SUPPORT_AGE], as_of))
        raise InputError(
            f"field '{_field_past_the_end(person, end_age)}' is too late: the roadmap runs past "
            f"the last date this library can represent ({date.max.isoformat()})",
            file=source,
        ) from None


def _draw_in_area(
    pathway: PathwayGraph,
    person: Person,
    as_of: date,
    settings: Mapping[str, str] | None,
    parameters: Mapping[str, Any] | None,
    only: frozenset[str] | None,
) -> Roadmap:
    """The roadmap under one area's rules, with that area's own setting defaults and parameters."""
    plan = _plan(pathway)
    resolved = resolve_settings(pathway, settings) if settings else dict(plan.default_settings)
    params = pathway.rules.parameters if parameters is None else {**pathway.rules.parameters, **parameters}
    return _draw(plan, pathway, person, as_of, resolved, params, only)


def _field_past_the_end(person: Person, end_age: int) -> str:
    """The field whose date takes a roadmap past the last date :class:`datetime.date` holds.

    The roadmap runs to the ``end_age`` birthday, and its other dates follow the
    record's own dates (the plan, care episodes, events, services): the field
    with the latest of these is named, the date of birth counting as the
    ``end_age`` birthday (on a tie, the date of birth).
    """
    dob = person.date_of_birth
    found: list[tuple[tuple[int, int, int], str]] = [
        ((dob.year + end_age, dob.month, dob.day), "date_of_birth")
    ]
    dated_fields: list[tuple[date | None, str]] = []
    if person.ehcp is not None:
        ehcp = person.ehcp
        dated_fields += [
            (ehcp.issued, "ehcp.issued"), (ehcp.setting_end, "ehcp.setting_end"),
            (ehcp.next_transfer.date if ehcp.next_transfer else None, "ehcp.next_transfer.date"),
            (ehcp.ceased, "ehcp.ceased"), (ehcp.cease_notice, "ehcp.cease_notice"),
            (ehcp.appeal_decided, "ehcp.appeal_decided"),
        ]
    for index, episode in enumerate(person.care_episodes):
        dated_fields += [
            (episode.start, f"care_episodes[{index}].start"),
            (episode.end, f"care_episodes[{index}].end"),
        ]
    dated_fields += [(event.date, f"events[{index}].date") for index, event in enumerate(person.events)]
    dated_fields += [
        (use.planned_end, f"services[{index}].planned_end") for index, use in enumerate(person.services)
    ]
    found += [((day.year, day.month, day.day), name) for day, name in dated_fields if day is not None]
    return max(found, key=lambda item: item[0])[1]


def _draw(
    plan: _Plan,
    pathway: PathwayGraph,
    person: Person,
    as_of: date,
    resolved: dict[str, str],
    params: Mapping[str, Any],
    only: frozenset[str] | None,
) -> Roadmap:
    """The roadmap of a checked young person (see :func:`generate_roadmap`)."""
    ctx, status = person_context(pathway, person, as_of, resolved, params)
    dob = person.date_of_birth
    alternatives = [
        (setting_id, person_context(pathway, person, as_of, {**resolved, setting_id: other}, params)[0])
        for setting_id, other in _ambiguous_for(pathway, resolved, dob)
    ]

    start_age = int(value_on(params[LEAVING_CARE_COUNT_FROM_AGE], as_of))
    start = min(as_of, ctx.birthday(start_age))
    entries = _entries(plan, ctx, only, alternatives)
    spans, service_entries = _services(plan, ctx, only)
    entries.extend(service_entries)
    entries.sort(key=lambda e: (e.date, e.kind.startswith("service"), e.id))
    gaps, not_recorded = _gaps(plan, pathway, ctx, only, spans)
    for found in (gaps, not_recorded):
        found.sort(key=lambda g: (SEVERITY_ORDER[g.severity], g.since or as_of, g.rule, g.milestone or ""))
    end_age = int(value_on(params[CARE_LEAVER_SUPPORT_AGE], as_of))
    end = max([ctx.birthday(end_age), *(e.date for e in entries)])
    care = None
    if status.looked_after_from_14 or status.currently_looked_after or status.qualifying_from:
        care = CareLeaverStatus(
            status_on_as_of=status.status_on(as_of),
            weeks_looked_after_since_14=round(status.days_looked_after_since_14 / 7, 1),
            eligible_from=status.eligible_from,
            relevant_from=status.relevant_from,
            former_relevant_from=status.former_relevant_from,
            qualifying_from=status.qualifying_from,
            returned_to_care_on=status.returned_to_care_on,
            periods=tuple(CareStatusPeriod(p.start, p.status, p.reason) for p in status.periods),
        )
    return Roadmap(
        person_id=person.id,
        as_of=as_of,
        area=pathway.area,
        settings=resolved,
        date_of_birth=dob,
        cohorts=tuple(sorted(ctx.cohorts)),
        start=start,
        end=end,
        entries=tuple(entries),
        gaps=tuple(gaps),
        services=tuple(spans),
        care_status=care,
        not_recorded=tuple(not_recorded),
    )

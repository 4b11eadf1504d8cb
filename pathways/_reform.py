"""Reforms: rule changes as data, applied to a copy of the pathway, never to the baseline.

A reform file (YAML) or :class:`Reform` object has a name, a description,
references and an ordered list of changes::

    name: Transitions assessment by 16
    description: Set a national deadline for the Care Act transitions assessment, before 16.
    references: [{title: "Transitions Strategy action 17.2", seed: 003_8c5f617de2ef01a9.txt}]
    changes:
      - parameter: transition-assessment-age
        value: 16
        from: 2027-09-01          # optional; default: applies at all dates

Other changes: ``add_node``, ``remove_node``, ``add_edge``, ``remove_edge``,
``add_gap``, ``remove_gap``, ``set_probability`` (a route branch option) and
``apply_overlay`` (another area's local overlay). An optional ``areas`` list
limits a reform to the pathways of those areas (``areas: [leicester]`` for
"what if Leicester adopted Peterborough's offer"): on any other area's pathway
the reform changes nothing, so in a population comparison young people of
other areas keep their baseline roadmaps. Reforms compose in order; a
reform that names an unknown id or leaves the graph invalid is rejected with
the same message ``pathways check`` gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from ._errors import GraphError, RuleDataError
from ._graph import PathwayGraph
from ._loader import (
    RuleSet,
    Source,
    _apply_overrides,
    _Collector,
    _read_rule_file,
    _validate,
    area_ids,
    display_path,
    finish_rules,
    replace_branch_tables,
)
from ._models import Edge, Frozen, GapRule, Node, Parameter, ReferenceFields
from ._read import read_text_file
from ._yaml import load_yaml_text

CHANGE_OPERATORS = (
    "parameter", "add_node", "remove_node", "add_edge", "remove_edge",
    "add_gap", "remove_gap", "set_probability", "apply_overlay",
)  # fmt: skip


class ReformReference(ReferenceFields):
    """A reference for a reform: a document, a provision or a seed file.

    Looser than rule data's :class:`~pathways.Reference`: a proposal may cite a
    seed document as a whole, without a quote, and a title alone will do.
    """

    @model_validator(mode="after")
    def _something(self) -> ReformReference:
        if not (self.title or self.instrument or self.url or self.seed):
            raise ValueError("a reference needs a title, an instrument, a url or a seed file")
        return self


class EdgeRef(Frozen):
    from_: str = Field(alias="from")
    to: str
    kind: str


class ProbabilityChange(Frozen):
    """A change to a route branch's probabilities (``set_probability``).

    Either one option (``option`` and ``value``): in every table of the branch
    that lists the option, it takes ``value`` and the other options are scaled so
    the table still sums to 1. Or every option at once (``values``), replacing the
    branch's default (``otherwise``) table, as ``pathways calibrate`` writes. The
    changed tables take ``source`` (``reform`` unless given), the ``rationale``
    and, when given, ``reviewed_on`` and ``prior_cases``.
    """

    branch: str
    option: str | None = None
    value: float | None = Field(default=None, ge=0, le=1)
    values: dict[str, float] | None = None
    source: Literal["reform", "calibrated"] = "reform"
    rationale: str | None = None
    reviewed_on: dt.date | None = None
    prior_cases: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> ProbabilityChange:
        single = self.option is not None or self.value is not None
        if single == (self.values is not None):
            raise ValueError("set_probability needs either 'option' and 'value', or 'values'")
        if single and (self.option is None or self.value is None):
            raise ValueError("set_probability needs both 'option' and 'value'")
        return self


class Change(Frozen):
    """One change. Exactly one operator; ``value`` and ``from`` go with ``parameter``."""

    parameter: str | None = None
    value: int | float | str | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    add_node: Node | None = None
    remove_node: str | None = None
    add_edge: Edge | None = None
    remove_edge: EdgeRef | None = None
    add_gap: GapRule | None = None
    remove_gap: str | None = None
    set_probability: ProbabilityChange | None = None
    apply_overlay: str | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Change:
        ops = [name for name in CHANGE_OPERATORS if getattr(self, name) is not None]
        if len(ops) != 1:
            raise ValueError(f"a change needs exactly one of {', '.join(CHANGE_OPERATORS)}")
        if (self.parameter is None) != (self.value is None):
            raise ValueError("'parameter' needs 'value' (and 'value' goes only with 'parameter')")
        if self.from_ is not None and self.parameter is None:
            raise ValueError("'from' goes only with 'parameter'")
        return self

    @property
    def operator(self) -> str:
        return next(name for name in CHANGE_OPERATORS if getattr(self, name) is not None)


class Reform(Frozen):
    """A named, cited set of ordered changes to the pathway.

    ``areas``, when given, limits the reform to those areas' pathways
    (:meth:`applies_to`); by default it applies to every pathway.
    """

    name: str = Field(min_length=1)
    description: str = ""
    references: tuple[ReformReference, ...] = ()
    changes: tuple[Change, ...] = Field(min_length=1)
    areas: tuple[str, ...] = ()
    _file: str | None = PrivateAttr(default=None)
    _lines: tuple[int, ...] = PrivateAttr(default=())


    def applies_to(self, area: str) -> bool:
        """Whether the reform changes the pathway of ``area``."""
        return not self.areas or area in self.areas


def load_reform(path: str | Path) -> Reform:
    """Read and validate a reform file.

    Raises:
        RuleDataError: the file is malformed, has unknown keys or a bad change.
    """
    path = Path(path)
    text = read_text_file(path, what="reform file", error=RuleDataError)
    data = load_yaml_text(text, source=str(path))
    if not isinstance(data, dict):
        raise RuleDataError("a reform file must be a mapping (name, description, references, changes)", file=str(path))
    reform: Reform = _validate(Reform, data, file=str(path))
    reform._lines = tuple(getattr(data.get("changes"), "item_lines", ()))
    reform._file = str(path)
    return reform


def _where(reform: Reform, index: int) -> Source:
    lines = reform._lines
    return Source(reform._file or f"reform '{reform.name}'", lines[index] if index < len(lines) else None)


def _fail(problem: str, src: Source, rule_id: str | None) -> GraphError:
    return GraphError(problem, file=src.file, line=src.line, id=rule_id)


def _set_parameter(c: _Collector, change: Change, src: Source) -> None:
    base = c.parameters.get(change.parameter or "")
    if base is None:
        raise _fail(f"unknown parameter '{change.parameter}'", src, change.parameter)
    start = change.from_
    if start is None:
        values = {min(base.values): change.value}
    else:
        values = {d: v for d, v in base.values.items() if d < start}
        if not values:  # keep the old value in force before the reform starts
            values[min(base.values)] = next(iter(base.values.values()))
        values[start] = change.value
    try:
        c.parameters[base.id] = Parameter.model_validate(
            {**base.model_dump(by_alias=True, exclude={"values"}), "values": values}
        )
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise _fail(f"parameter '{base.id}': {message}", src, base.id) from None
    c.sources[base.id] = src


def _apply_change(c: _Collector, rules: RuleSet, change: Change, src: Source) -> None:
    op = change.operator
    if op == "parameter":
        _set_parameter(c, change, src)
    elif op == "add_node":
        node = change.add_node
        assert node is not None
        if node.id in c.nodes:
            raise _fail("add_node: a node with this id already exists", src, node.id)
        c.nodes[node.id] = node
        c.sources[node.id] = src
    elif op == "remove_node":
        node_id = change.remove_node or ""
        if node_id not in c.nodes:
            raise _fail("remove_node: unknown node", src, node_id)
        del c.nodes[node_id]
        c.edges = [(e, s) for e, s in c.edges if node_id not in (e.from_, e.to)]
    elif op == "add_edge":
        edge = change.add_edge
        assert edge is not None
        if any((e.from_, e.to, e.kind) == (edge.from_, edge.to, edge.kind) for e, _ in c.edges):
            raise _fail(f"add_edge: {edge.from_} -> {edge.to} ({edge.kind}) already exists", src, edge.from_)
        c.edges.append((edge, src))
    elif op == "remove_edge":
        ref = change.remove_edge
        assert ref is not None
        kept = [(e, s) for e, s in c.edges if (e.from_, e.to, e.kind) != (ref.from_, ref.to, ref.kind)]
        if len(kept) == len(c.edges):
            raise _fail(f"remove_edge: no edge {ref.from_} -> {ref.to} ({ref.kind})", src, ref.from_)
        c.edges = kept
    elif op == "add_gap":
        gap = change.add_gap
        assert gap is not None
        if gap.id in c.gaps:
            raise _fail("add_gap: a gap rule with this id already exists", src, gap.id)
        c.gaps[gap.id] = gap
        c.sources[gap.id] = src
    elif op == "remove_gap":
        if (change.remove_gap or "") not in c.gaps:
            raise _fail("remove_gap: unknown gap rule", src, change.remove_gap)
        del c.gaps[change.remove_gap or ""]
    elif op == "set_probability":
        assert change.set_probability is not None
        _set_probability(c, change.set_probability, src)
    elif op == "apply_overlay":
        _apply_overlay(c, rules, change.apply_overlay or "", src)


def _set_probability(c: _Collector, change: ProbabilityChange, src: Source) -> None:
    branch = c.branches.get(change.branch)
    if branch is None:
        known = ", ".join(sorted(c.branches)) or "none"
        raise _fail(f"set_probability: unknown branch (known: {known})", src, change.branch)
    options = [o.id for o in branch.options]
    stamp: dict[str, Any] = {"source": change.source}
    stamp["rationale"] = change.rationale or f"set by a reform ({src})"
    if change.reviewed_on is not None:
        stamp["reviewed_on"] = change.reviewed_on
    if change.prior_cases is not None:
        stamp["prior_cases"] = change.prior_cases
    tables = [t.model_dump(by_alias=True, exclude_none=True) for t in branch.probabilities]
    if change.values is not None:
        unknown = sorted(set(change.values) - set(options))
        if unknown:
            raise _fail(f"set_probability: '{unknown[0]}' is not an option (options: {', '.join(options)})",
                        src, change.branch)
        tables[-1] = {**tables[-1], **stamp, "values": dict(change.values)}
    else:
        option, value = change.option or "", float(change.value or 0.0)
        if option not in options:
            raise _fail(f"set_probability: '{option}' is not an option (options: {', '.join(options)})",
                        src, change.branch)
        listed = [i for i, t in enumerate(tables) if option in t["values"]]
        if not listed:
            raise _fail(f"set_probability: no probability table lists option '{option}'", src, change.branch)
        for index in listed:
            old = tables[index]["values"]
            rest = 1.0 - old[option]
            if rest <= 0.0 and value < 1.0:
                raise _fail(f"set_probability: option '{option}' has probability 1 in probabilities[{index}], "
                            "so the other options cannot be scaled up; give every option with 'values'",
                            src, change.branch)
            scale = (1.0 - value) / rest if rest > 0.0 else 0.0
            new = {k: (value if k == option else v * scale) for k, v in old.items()}
            tables[index] = {**tables[index], **stamp, "values": new}
    try:
        c.branches[branch.id] = replace_branch_tables(branch, tables, src)
    except RuleDataError as exc:
        raise _fail(f"set_probability: {exc.message}", src, change.branch) from None
    c.sources[f"probabilities:{branch.id}"] = src


def _apply_overlay(c: _Collector, rules: RuleSet, area: str, src: Source) -> None:
    if rules.data_root is None:
        raise _fail("apply_overlay: this pathway was not loaded from a rule-data directory", src, area)
    folder = rules.data_root / area
    if not (folder / "area.yaml").is_file():
        raise _fail(f"apply_overlay: unknown area '{area}'", src, area)
    if area in rules.chain:
        raise _fail(f"apply_overlay: '{area}' is already part of this pathway", src, area)
    c.overrides = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name != "area.yaml":
            display = display_path(path, rules.data_root)
            parsed, raw = _read_rule_file(path, display)
            try:
                c.add_file(parsed, raw, display)
            except RuleDataError as exc:
                raise _fail(f"apply_overlay '{area}': {exc.message}", Source(exc.file or display, exc.line), exc.id) from None
    _apply_overrides(c)


def apply_reforms(rules: RuleSet, reforms: Sequence[Reform]) -> RuleSet:
    """A new rule set with the reforms applied in order (``rules`` is not changed).

    Raises:
        GraphError: a change names an unknown id, or the result is invalid
            (dangling references, cycles), with the reform file and line.
    """
    _check_areas(rules, reforms)
    reforms = [r for r in reforms if r.applies_to(rules.area)]
    if not reforms:
        return rules
    c = _Collector.from_rules(rules)
    for reform in reforms:
        for index, change in enumerate(reform.changes):
            _apply_change(c, rules, change, _where(reform, index))
    areas = list(rules.areas.values())
    try:
        return finish_rules(
            c, facts=rules.facts, area=rules.areas[rules.area], chain=areas, calendar=rules.calendar,
            overridden=rules.overridden, data_root=rules.data_root,
            reforms=(*rules.reforms, *(r.name for r in reforms)),
        )
    except GraphError as exc:
        names = ", ".join(r.name for r in reforms)
        raise GraphError(f"reform '{names}' leaves the pathway invalid: {exc.message}",
                         file=exc.file, line=exc.line, id=exc.id) from None


def _check_areas(rules: RuleSet, reforms: Sequence[Reform]) -> None:
    """Every area a reform is limited to must have rule data."""
    known = set(rules.areas) | set(area_ids(rules.data_root) if rules.data_root else ())
    for reform in reforms:
        for area in reform.areas:
            if area not in known:
                raise GraphError(
                    f"reform '{reform.name}': unknown area '{area}' in areas "
                    f"(choose from {', '.join(sorted(known))})",
                    file=reform._file, id=area,
                )


def reformed_pathway(pathway: PathwayGraph, reforms: Sequence[Reform]) -> PathwayGraph:
    """The pathway with reforms applied (the baseline graph is untouched).

    Returns the same pathway object when no reform applies to its area.
    """
    rules = apply_reforms(pathway.rules, reforms)
    return pathway if rules is pathway.rules else PathwayGraph(rules)


def diff_rules(before: RuleSet, after: RuleSet) -> dict[str, Any]:
    """A structural diff: nodes, edges, parameters and gap rules added, removed or changed."""

    def keyed(mapping: Any) -> dict[str, Any]:
        return {k: v.model_dump(mode="json", by_alias=True) for k, v in mapping.items()}

    out: dict[str, Any] = {}
    for section in ("nodes", "parameters", "gaps"):
        a, b = keyed(getattr(before, section)), keyed(getattr(after, section))
        out[section] = {
            "added": sorted(set(b) - set(a)),
            "removed": sorted(set(a) - set(b)),
            "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
        }
    edges_a = {(e.from_, e.to, e.kind) for e in before.edges}
    edges_b = {(e.from_, e.to, e.kind) for e in after.edges}
    out["edges"] = {
        "added": [{"from": f, "to": t, "kind": k} for f, t, k in sorted(edges_b - edges_a)],
        "removed": [{"from": f, "to": t, "kind": k} for f, t, k in sorted(edges_a - edges_b)],
    }
    return out

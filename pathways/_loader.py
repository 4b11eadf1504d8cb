"""The strict rule-data loader: YAML files → a validated, resolved :class:`RuleSet`.

An area is a directory holding ``area.yaml`` and any number of rule files. An
area that ``extends`` another (a local overlay on the England baseline) is
loaded on top of it: it may add parameters, settings, nodes, edges and gap
rules, and change baseline values only through ``overrides`` that say where
they go beyond the statutory floor.

Every problem is a :class:`RuleDataError` or :class:`GraphError` naming the
file, the line and the id: unknown keys, duplicate keys, duplicate ids,
dangling references, and cycles where cycles are not allowed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import BaseModel, ValidationError

from ._dates import FIRST_SEPTEMBER_READINGS, SchoolCalendar
from ._errors import GraphError, RuleDataError, excerpt
from ._models import (
    CYCLIC_EDGE_KINDS,
    Area,
    Branch,
    BranchOverride,
    CalendarRoles,
    Cohort,
    Condition,
    DateExpr,
    Edge,
    EventType,
    GapRule,
    Node,
    Override,
    Parameter,
    RuleFile,
    Setting,
    Unit,
)
from ._read import read_text_file
from ._yaml import line_of, load_yaml_text

#: The unit of the parameter that plays each calendar role (a key of ``calendar`` in ``area.yaml``).
CALENDAR_UNITS: Mapping[str, Unit] = {
    "school_year_start": "month-day",
    "fe_year_end": "month-day",
    "school_leaving_month": "month",
    "school_leaving_weekday": "weekday",
    "year_group_age_offset": "years",
}
#: The unit of the parameter that plays ``review_interval`` in ``area.yaml``.
REVIEW_INTERVAL_UNIT: Unit = "months"

FactTypes = Mapping[str, str]  # fact name -> "bool" | "date" | "text"


@dataclass(frozen=True)
class Source:
    """Where a rule was defined."""

    file: str
    line: int | None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RuleSet:
    """All rule data of one area (baseline plus overlay), validated and resolved."""

    area: str
    label: str
    reviewed_on: Any
    chain: tuple[str, ...]
    calendar: SchoolCalendar
    parameters: Mapping[str, Parameter]
    settings: Mapping[str, Setting]
    cohorts: Mapping[str, Cohort]
    events: Mapping[str, EventType]
    nodes: Mapping[str, Node]
    edges: tuple[Edge, ...]
    gaps: Mapping[str, GapRule]
    overridden: Mapping[str, Override]
    sources: Mapping[str, Source]
    areas: Mapping[str, Area] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    facts: Mapping[str, str] = field(default_factory=dict)
    data_root: Path | None = None
    edge_sources: tuple[Source, ...] = ()
    reforms: tuple[str, ...] = ()
    branches: Mapping[str, Branch] = field(default_factory=dict)

    def source(self, rule_id: str) -> Source | None:
        return self.sources.get(rule_id)

    @property
    def first_september_setting(self) -> str | None:
        """The setting that chooses the end of compulsory school age for a 16th birthday
        on the first day of the school year (``calendar.first_september_birthday`` of the
        baseline's ``area.yaml``, checked at load time), or None for the ``cohort`` reading."""
        calendar = self.areas[self.chain[0]].calendar
        return None if calendar is None else calendar.first_september_birthday

    @property
    def review_interval(self) -> str | None:
        """The parameter (in months) after which an area's ``reviewed_on`` is out of date
        (``review_interval`` of the baseline's ``area.yaml``, checked at load time)."""
        return self.areas[self.chain[0]].review_interval

    def branch_source(self, branch_id: str) -> Source | None:
        """Where a route branch was defined (its probabilities may come from an overlay)."""
        return self.sources.get(f"branch:{branch_id}")


def display_path(path: Path, data_root: Path) -> str:
    """How a rule file is named in messages and explanations, the same on every machine.

    Relative to the folder above the rule-data directory's parent, so the shipped
    data reads ``cohorts/data/england/send.yaml`` wherever the package is installed.
    """
    base = data_root.resolve().parent.parent
    try:
        return str(path.resolve().relative_to(base))
    except ValueError:
        return str(path)


def area_ids(data_root: Path) -> tuple[str, ...]:
    """The areas available under a rule-data directory (folders with an ``area.yaml``)."""
    return tuple(sorted(p.parent.name for p in data_root.glob("*/area.yaml")))


def _validate(model: type[BaseModel], data: Any, *, file: str, loc: tuple[int | str, ...] = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        err_loc = tuple(err["loc"])
        full = loc + err_loc
        line = line_of(data, err_loc) if data is not None else None
        item_id = data.get("id") if isinstance(data, dict) else None
        if item_id is None and isinstance(data, dict) and err_loc and isinstance(err_loc[0], str):
            section = data.get(err_loc[0])
            if isinstance(section, list) and len(err_loc) > 1 and isinstance(err_loc[1], int):
                item = section[err_loc[1]] if err_loc[1] < len(section) else None
                item_id = item.get("id") if isinstance(item, dict) else None
        where = ".".join(str(p) for p in full)
        kind = err["type"]
        if kind == "extra_forbidden":
            problem = f"unknown key {excerpt(full[-1])}"
        elif kind == "missing":
            problem = f"missing key {excerpt(full[-1])}"
        else:
            problem = f"{where}: {err['msg'].removeprefix('Value error, ')}"
        raise RuleDataError(problem, file=file, line=line, id=item_id) from None


def _read_rule_file(path: Path, display: str) -> tuple[RuleFile, Any]:
    text = read_text_file(path, what="rule-data file", error=RuleDataError, source=display)
    data = load_yaml_text(text, source=display)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RuleDataError("a rule file must be a mapping of sections", file=display)
    return _validate(RuleFile, data, file=display), data


@dataclass(frozen=True)
class _AreaFile:
    """An area's ``area.yaml``: the validated metadata, the parsed YAML (for line numbers) and its name."""

    area: Area
    data: Any
    file: str

    def line(self, *loc: str) -> int | None:
        return line_of(self.data, loc)


def _read_area(directory: Path, data_root: Path) -> _AreaFile:
    path = directory / "area.yaml"
    display = display_path(path, data_root)
    if not path.is_file():
        raise RuleDataError("no area.yaml in this rule-data directory", file=str(directory))
    text = read_text_file(path, what="rule-data file", error=RuleDataError, source=display)
    data = load_yaml_text(text, source=display)
    area: Area = _validate(Area, data, file=display)
    return _AreaFile(area, data, display)


class _Collector:
    """Accumulates rule records from files, rejecting duplicate ids."""

    def __init__(self) -> None:
        self.parameters: dict[str, Parameter] = {}
        self.settings: dict[str, Setting] = {}
        self.cohorts: dict[str, Cohort] = {}
        self.events: dict[str, EventType] = {}
        self.nodes: dict[str, Node] = {}
        self.edges: list[tuple[Edge, Source]] = []
        self.gaps: dict[str, GapRule] = {}
        self.overrides: list[tuple[Override, Source]] = []
        self.sources: dict[str, Source] = {}
        self.files: list[str] = []
        self.branches: dict[str, Branch] = {}
        self.branch_overrides: list[tuple[BranchOverride, Source]] = []

    @classmethod
    def from_rules(cls, rules: RuleSet) -> _Collector:
        """A mutable copy of a rule set's collections (the rule set itself is untouched)."""
        c = cls()
        c.parameters = dict(rules.parameters)
        c.settings = dict(rules.settings)
        c.cohorts = dict(rules.cohorts)
        c.events = dict(rules.events)
        c.nodes = dict(rules.nodes)
        sources = rules.edge_sources or tuple(Source("<unknown>", None) for _ in rules.edges)
        c.edges = list(zip(rules.edges, sources, strict=True))
        c.gaps = dict(rules.gaps)
        c.sources = dict(rules.sources)
        c.files = list(rules.files)
        c.branches = dict(rules.branches)
        return c

    def add_file(self, rules: RuleFile, raw: Any, display: str) -> None:
        self.files.append(display)
        sections: tuple[tuple[str, dict[str, Any]], ...] = (
            ("parameters", self.parameters),
            ("settings", self.settings),
            ("cohorts", self.cohorts),
            ("events", self.events),
            ("nodes", self.nodes),
            ("gaps", self.gaps),
            ("branches", self.branches),
        )
        for name, target in sections:
            lines = getattr(raw.get(name), "item_lines", None) or []
            for index, item in enumerate(getattr(rules, name)):
                source = Source(display, lines[index] if index < len(lines) else None)
                # Event types are a vocabulary of their own: an event 'pathway-plan'
                # completes the plan node 'pathway-plan'. So are route branches.
                key = {"events": "event:", "branches": "branch:"}.get(name, "") + item.id
                if key in self.sources:
                    raise RuleDataError(
                        f"duplicate id (first defined at {self.sources[key]})",
                        file=source.file, line=source.line, id=item.id,
                    )
                if name == "nodes" and rules.cohort and not item.cohorts:
                    item = item.model_copy(update={"cohorts": (rules.cohort,)})
                if name == "gaps" and rules.cohort and not item.cohorts:
                    item = item.model_copy(update={"cohorts": (rules.cohort,)})
                target[item.id] = item
                self.sources[key] = source
        for section, sink in (("edges", self.edges), ("overrides", self.overrides)):
            lines = getattr(raw.get(section), "item_lines", None) or []
            for index, item in enumerate(getattr(rules, section)):
                sink.append((item, Source(display, lines[index] if index < len(lines) else None)))
        lines = getattr(raw.get("branch_overrides"), "item_lines", None) or []
        for index, override in enumerate(rules.branch_overrides):
            self.branch_overrides.append((override, Source(display, lines[index] if index < len(lines) else None)))


def _check_roles(files: list[_AreaFile], c: _Collector) -> CalendarRoles:
    """Check the rules the baseline names for the engine's roles; return its calendar roles.

    The baseline's ``area.yaml`` must name a parameter of the right unit for
    every calendar role, and may name a setting for ``first_september_birthday``
    (with exactly the choices of :data:`FIRST_SEPTEMBER_READINGS`) and a
    parameter in months for ``review_interval``. Overlays name none.
    """
    for meta in files[1:]:
        for key in ("calendar", "review_interval"):
            if getattr(meta.area, key) is not None:
                raise RuleDataError(f"only the baseline area sets '{key}'", file=meta.file,
                                    line=meta.line(key), id=meta.area.id)
    baseline = files[0]
    roles = baseline.area.calendar
    if roles is None:
        raise RuleDataError("the baseline area needs a 'calendar'", file=baseline.file, id=baseline.area.id)

    def check_parameter(param_id: str, unit: Unit, *loc: str) -> None:
        where = ".".join(loc)
        param = c.parameters.get(param_id)
        if param is None:
            problem = f"{where} names unknown parameter '{param_id}'"
        elif param.unit != unit:
            problem = f"{where} names parameter '{param_id}' in {param.unit}; it must be in {unit}"
        else:
            return
        raise RuleDataError(problem, file=baseline.file, line=baseline.line(*loc), id=baseline.area.id)

    for key, unit in CALENDAR_UNITS.items():
        check_parameter(getattr(roles, key), unit, "calendar", key)
    if baseline.area.review_interval is not None:
        check_parameter(baseline.area.review_interval, REVIEW_INTERVAL_UNIT, "review_interval")
    setting_id = roles.first_september_birthday
    if setting_id is not None:
        setting = c.settings.get(setting_id)
        wanted = ", ".join(FIRST_SEPTEMBER_READINGS)
        if setting is None or set(setting.choices) != set(FIRST_SEPTEMBER_READINGS):
            problem = (f"names unknown setting '{setting_id}'" if setting is None
                       else f"names setting '{setting_id}', whose choices are not {wanted}")
            raise RuleDataError(f"calendar.first_september_birthday {problem}", file=baseline.file,
                                line=baseline.line("calendar", "first_september_birthday"),
                                id=baseline.area.id)
    return roles


def _calendar(roles: CalendarRoles, params: Mapping[str, Parameter], file: str) -> SchoolCalendar:
    """The calendar constants: the latest value of each parameter the roles name."""
    values = {key: next(reversed(params[getattr(roles, key)].values.values())) for key in CALENDAR_UNITS}

    def month_day(key: str) -> tuple[int, int]:
        try:
            month, day = (int(part) for part in str(values[key]).split("-"))
        except ValueError:
            raise RuleDataError(f"calendar '{key}' must be MM-DD", file=file,
                                id=getattr(roles, key)) from None
        return month, day

    return SchoolCalendar(
        school_year_start=month_day("school_year_start"),
        fe_year_end=month_day("fe_year_end"),
        school_leaving_month=int(values["school_leaving_month"]),
        school_leaving_weekday=str(values["school_leaving_weekday"]).lower(),
        year_group_age_offset=int(values["year_group_age_offset"]),
    )


# ---------------------------------------------------------------- reference resolution


def iter_date_refs(expr: DateExpr) -> Iterator[tuple[str, str]]:
    """Every (kind, id) a date expression refers to."""
    for key in ("birthday", "day_before_birthday", "year_group_start", "year_group_end",
                "month_day_on_or_after", "month_day_in_year_of",
                *("add_years", "add_months", "add_weeks", "add_days")):  # fmt: skip
        value = getattr(expr, key)
        if value is not None:
            yield "parameter", value
    if expr.fact is not None:
        yield "date-fact", expr.fact
    if expr.event is not None:
        yield "event", expr.event
    for event in expr.events or ():
        yield "event", event
    if expr.milestone is not None:
        yield "milestone", expr.milestone
    for child in (expr.fe_year_end_containing, expr.of):
        if child is not None:
            yield from iter_date_refs(child)
    for child in (*(expr.earliest or ()), *(expr.latest or ())):
        yield from iter_date_refs(child)
    for case in expr.cases or ():
        if case.when is not None:
            yield from iter_condition_refs(case.when)
        yield from iter_date_refs(case.date)


def iter_condition_refs(cond: Condition) -> Iterator[tuple[str, str]]:
    """Every (kind, id) a condition refers to."""
    for child in (*(cond.all_ or ()), *(cond.any_ or ())):
        yield from iter_condition_refs(child)
    if cond.not_ is not None:
        yield from iter_condition_refs(cond.not_)
    if cond.fact is not None:
        yield "fact", cond.fact
    if cond.trigger is not None:
        yield "trigger", cond.trigger
    if cond.cohort is not None:
        yield "cohort", cond.cohort
    if cond.receives is not None:
        yield "service", cond.receives
    if cond.setting is not None:
        yield "setting", cond.setting
    if cond.event is not None:
        yield "event", cond.event
    for expr in (cond.date, cond.before, cond.on_or_before, cond.after, cond.on_or_after):
        if expr is not None:
            yield from iter_date_refs(expr)


def _refs_of_node(node: Node) -> Iterator[tuple[str, str]]:
    for cond in (node.when, node.applies_when, node.not_applicable_when):
        if cond is not None:
            yield from iter_condition_refs(cond)
    for expr in (node.date, node.window_start, node.completed_from, node.completed_before, node.until, node.starts, node.ends):
        if expr is not None:
            yield from iter_date_refs(expr)
    for event in node.completed_by:
        yield "event", event
    if node.owner is not None:
        yield "service", node.owner
    for cohort in node.cohorts:
        yield "cohort", cohort


def _refs_of_gap(gap: GapRule) -> Iterator[tuple[str, str]]:
    if gap.applies_when is not None:
        yield from iter_condition_refs(gap.applies_when)
    for expr in (gap.due, gap.until):
        if expr is not None:
            yield from iter_date_refs(expr)
    if gap.missing_event is not None:
        for event in gap.missing_event.types:
            yield "event", event
        for expr in (gap.missing_event.on_or_after, gap.missing_event.before):
            if expr is not None:
                yield from iter_date_refs(expr)
    if gap.owner is not None:
        yield "service", gap.owner
    if gap.milestone is not None:
        yield "milestone", gap.milestone
    if gap.lead_months is not None:
        yield "parameter", gap.lead_months
    for cohort in gap.cohorts:
        yield "cohort", cohort


def _resolve(kind: str, ref: str, c: _Collector, facts: FactTypes) -> str | None:
    """Return a problem description, or None if the reference resolves."""
    if kind == "parameter":
        return None if ref in c.parameters else f"unknown parameter '{ref}'"
    if kind == "setting":
        return None if ref in c.settings else f"unknown setting '{ref}'"
    if kind == "cohort":
        return None if ref in c.cohorts else f"unknown cohort '{ref}'"
    if kind == "event":
        return None if ref in c.events else f"unknown event type '{ref}'"
    if kind == "fact":
        return None if ref in facts else f"unknown fact '{ref}'"
    if kind == "date-fact":
        if ref not in facts:
            return f"unknown fact '{ref}'"
        return None if facts[ref] == "date" else f"fact '{ref}' is not a date"
    node = c.nodes.get(ref)
    if kind == "milestone":
        ok = node is not None and node.kind in ("milestone", "assessment", "plan")
        return None if ok else f"unknown milestone '{ref}'"
    if kind == "trigger":
        return None if node is not None and node.kind == "trigger" else f"unknown trigger '{ref}'"
    if kind == "service":
        return None if node is not None and node.kind == "service" else f"unknown service '{ref}'"
    return f"unknown reference kind {kind}"  # pragma: no cover - programming error


def _check_references(c: _Collector, facts: FactTypes) -> None:
    def fail(problem: str, rule_id: str) -> None:
        src = c.sources.get(rule_id)
        raise GraphError(problem, file=src.file if src else None, line=src.line if src else None, id=rule_id)

    for node in c.nodes.values():
        for kind, ref in _refs_of_node(node):
            if problem := _resolve(kind, ref, c, facts):
                fail(f"dangling reference: {problem}", node.id)
    for gap in c.gaps.values():
        for kind, ref in _refs_of_gap(gap):
            if problem := _resolve(kind, ref, c, facts):
                fail(f"dangling reference: {problem}", gap.id)
    for cohort in c.cohorts.values():
        for kind, ref in iter_condition_refs(cohort.member_when):
            if problem := _resolve(kind, ref, c, facts):
                fail(f"dangling reference: {problem}", cohort.id)
    for edge, src in c.edges:
        for end in (edge.from_, edge.to):
            if end not in c.nodes:
                raise GraphError(
                    f"dangling reference: edge {edge.from_} -> {edge.to} names unknown node '{end}'",
                    file=src.file, line=src.line, id=end,
                )


def _check_cycles(c: _Collector) -> None:
    """Edges (except 'reviews'), milestone dates and trigger definitions must be acyclic."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    for edge, src in c.edges:
        if edge.kind not in CYCLIC_EDGE_KINDS:
            graph.add_edge(edge.from_, edge.to, source=src)
    _raise_on_cycle(graph, c, "edges")
    depends: nx.DiGraph[str] = nx.DiGraph()
    for node in c.nodes.values():
        for kind, ref in _refs_of_node(node):
            if kind in ("milestone", "trigger"):
                depends.add_edge(node.id, ref)
    for cohort in c.cohorts.values():
        for kind, ref in iter_condition_refs(cohort.member_when):
            if kind in ("trigger", "cohort"):
                depends.add_edge(cohort.id, ref)
    for node in c.nodes.values():
        for kind, ref in _refs_of_node(node):
            if kind == "cohort" and node.kind == "trigger":
                depends.add_edge(node.id, ref)
    _raise_on_cycle(depends, c, "date or condition definitions")


def _raise_on_cycle(graph: nx.DiGraph[str], c: _Collector, what: str) -> None:
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    first = cycle[0][0]
    path = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
    src = c.sources.get(first)
    raise GraphError(
        f"cycle in {what}: {path}", file=src.file if src else None, line=src.line if src else None, id=first
    )


def _apply_overrides(c: _Collector) -> dict[str, Override]:
    applied: dict[str, Override] = {}
    for override, src in c.overrides:
        if override.parameter is not None:
            base = c.parameters.get(override.parameter)
            if base is None:
                raise GraphError(f"override names unknown parameter '{override.parameter}'",
                                 file=src.file, line=src.line, id=override.parameter)
            try:
                c.parameters[base.id] = Parameter.model_validate(
                    {
                        **base.model_dump(
                            by_alias=True, exclude={"values", "references", "status", "note", "beyond_statutory"}
                        ),
                        "values": override.values,
                        "references": [r.model_dump() for r in override.references]
                        or [r.model_dump() for r in base.references],
                        "status": override.status,
                        "note": override.note or base.note,
                        "beyond_statutory": override.beyond_statutory,
                    }
                )
            except ValidationError as exc:
                message = exc.errors()[0]["msg"].removeprefix("Value error, ")
                raise RuleDataError(f"override: {message}", file=src.file, line=src.line, id=base.id) from None
            c.sources[base.id] = src
            applied[base.id] = override
        else:
            setting_id = override.setting or ""
            base_setting = c.settings.get(setting_id)
            if base_setting is None:
                raise GraphError(f"override names unknown setting '{setting_id}'", file=src.file, line=src.line, id=setting_id)
            if override.default not in base_setting.choices:
                raise RuleDataError(f"default must be one of {base_setting.choices}", file=src.file, line=src.line, id=setting_id)
            c.settings[setting_id] = base_setting.model_copy(update={"default": override.default})
            applied[setting_id] = override
    _apply_branch_overrides(c)
    return applied


def replace_branch_tables(branch: Branch, tables: list[dict[str, Any]], src: Source) -> Branch:
    """The branch with new probability tables, validated afresh (errors name ``src``)."""
    data = {**branch.model_dump(by_alias=True, exclude={"probabilities"}), "probabilities": tables}
    try:
        return Branch.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        problem = err["msg"].removeprefix("Value error, ")
        raise RuleDataError(f"{where}: {problem}" if where else problem,
                            file=src.file, line=src.line, id=branch.id) from None


def _apply_branch_overrides(c: _Collector) -> None:
    """Replace baseline branches' probability tables with an overlay's (local figures)."""
    for override, src in c.branch_overrides:
        base = c.branches.get(override.branch)
        if base is None:
            raise GraphError(f"branch override names unknown branch '{override.branch}'",
                             file=src.file, line=src.line, id=override.branch)
        tables = [t.model_dump(by_alias=True, exclude_none=True) for t in override.probabilities]
        c.branches[base.id] = replace_branch_tables(base, tables, src)
        c.sources[f"probabilities:{base.id}"] = src
    c.branch_overrides = []


def _check_branches(c: _Collector, facts: FactTypes) -> None:
    """Route branches: references resolve, option ids are unique, ``after`` looks back.

    An option id names one option of one branch across the whole pathway, and an
    event type records at most one option, so a case log maps to options without
    ambiguity. A table's ``after`` options must belong to branches defined before
    this one (in load order), which is also how branches reached on the same day
    are ordered on a route.
    """
    owner: dict[str, str] = {}
    recorded_by: dict[str, str] = {}
    for branch in c.branches.values():
        src = c.sources.get(f"branch:{branch.id}")
        tables_src = c.sources.get(f"probabilities:{branch.id}", src)

        def fail(problem: str, where: Source | None, branch_id: str = branch.id) -> None:
            raise GraphError(problem, file=where.file if where else None,
                             line=where.line if where else None, id=branch_id)

        refs = [*iter_date_refs(branch.at)]
        if branch.applies_when is not None:
            refs += iter_condition_refs(branch.applies_when)
        refs += [("event", event) for event in branch.requires]
        for kind, ref in refs:
            if problem := _resolve(kind, ref, c, facts):
                fail(f"dangling reference: {problem}", src)
        for option in branch.options:
            if option.id in owner:
                raise RuleDataError(f"option '{option.id}' is already an option of branch '{owner[option.id]}'",
                                    file=src.file if src else None, line=src.line if src else None, id=branch.id)
            for event in option.events:
                if event not in c.events:
                    fail(f"dangling reference: option '{option.id}' names unknown event type '{event}'", src)
                if event in recorded_by:
                    fail(f"event type '{event}' already records option '{recorded_by[event]}'", src)
                if event in branch.requires:
                    fail(f"event type '{event}' is both an option event and a required step", src)
                recorded_by[event] = option.id
        for index, table in enumerate(branch.probabilities):
            if table.when is not None:
                for kind, ref in iter_condition_refs(table.when):
                    if problem := _resolve(kind, ref, c, facts):
                        fail(f"dangling reference in probabilities[{index}]: {problem}", tables_src)
            for option_id in table.after:
                if option_id in (o.id for o in branch.options):
                    fail(f"probabilities[{index}] 'after' names '{option_id}', an option of this same branch",
                         tables_src)
                if option_id not in owner:
                    fail(f"dangling reference in probabilities[{index}]: 'after' names '{option_id}', which is "
                         "not an option of a branch defined before this one", tables_src)
        for option in branch.options:
            owner[option.id] = branch.id


def load_rules(data_root: str | Path, area: str, *, facts: FactTypes) -> RuleSet:
    """Load and validate the rule data of ``area`` (with the areas it extends).

    Args:
        data_root: a directory holding one folder per area.
        area: the area id, e.g. ``england`` or ``leicester``.
        facts: the fact vocabulary (name -> bool | date | text) conditions may use.

    Raises:
        RuleDataError: a file is malformed, has unknown or duplicate keys, or a
            duplicate id.
        GraphError: a reference dangles or a forbidden cycle exists.
    """
    root = Path(data_root)
    chain: list[_AreaFile] = []
    seen: set[str] = set()
    current: str | None = area
    while current is not None:
        if current in seen:
            raise GraphError(f"areas extend each other in a cycle at '{current}'", id=current)
        seen.add(current)
        directory = root / current
        if not directory.is_dir():
            known = ", ".join(area_ids(root)) or "none"
            raise RuleDataError(f"unknown area '{current}' (known areas: {known})", file=str(root))
        meta = _read_area(directory, root)
        if meta.area.id != current:
            raise RuleDataError(f"area id '{meta.area.id}' does not match its folder '{current}'",
                                file=str(directory / "area.yaml"), id=meta.area.id)
        chain.append(meta)
        current = meta.area.extends
    chain.reverse()

    collector = _Collector()
    for meta in chain:
        for path in sorted((root / meta.area.id).glob("*.yaml")):
            if path.name == "area.yaml":
                continue
            display = display_path(path, root)
            rules, raw = _read_rule_file(path, display)
            collector.add_file(rules, raw, display)

    overridden = _apply_overrides(collector)
    roles = _check_roles(chain, collector)
    calendar = _calendar(roles, collector.parameters, chain[0].file)
    areas = [meta.area for meta in chain]
    return finish_rules(
        collector, facts=facts, area=areas[-1], chain=areas, calendar=calendar,
        overridden=overridden, data_root=root,
    )


def finish_rules(
    collector: _Collector,
    *,
    facts: FactTypes,
    area: Area,
    chain: list[Area],
    calendar: SchoolCalendar,
    overridden: Mapping[str, Override],
    data_root: Path | None,
    reforms: tuple[str, ...] = (),
) -> RuleSet:
    """Check references and cycles, then freeze the collections into a :class:`RuleSet`."""
    _check_references(collector, facts)
    _check_cycles(collector)
    _check_branches(collector, facts)
    return RuleSet(
        area=area.id,
        label=area.label,
        reviewed_on=area.reviewed_on,
        chain=tuple(a.id for a in chain),
        calendar=calendar,
        parameters=dict(collector.parameters),
        settings=dict(collector.settings),
        cohorts=dict(collector.cohorts),
        events=dict(collector.events),
        nodes=dict(collector.nodes),
        edges=tuple(edge for edge, _ in collector.edges),
        gaps=dict(collector.gaps),
        overridden=dict(overridden),
        sources=dict(collector.sources),
        areas={a.id: a for a in chain},
        files=tuple(collector.files),
        facts=dict(facts),
        data_root=data_root,
        edge_sources=tuple(src for _, src in collector.edges),
        reforms=reforms,
        branches=dict(collector.branches),
    )

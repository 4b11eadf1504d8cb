"""Typed rule data: the pydantic models every rule-data file is validated against.

All models are frozen and forbid unknown keys. Collections are tuples. A rule
file holds any of these sections (see docs/rule-data.md)::

    parameters, settings, cohorts, events, nodes, edges, gaps, overrides,
    branches, branch_overrides

Ids are kebab-case. Every parameter, node, edge with a condition, and gap rule
carries ``references`` and a ``status``; ``pathways check`` warns about any
that have none.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Status = Literal["verified", "unverified", "ambiguous", "local"]
#: Weakest last: a roadmap line takes the weakest status of the rules behind it.
STATUS_ORDER: tuple[Status, ...] = ("verified", "local", "unverified", "ambiguous")
NodeKind = Literal["service", "trigger", "milestone", "assessment", "plan"]
NODE_KINDS: tuple[NodeKind, ...] = ("service", "trigger", "milestone", "assessment", "plan")
EdgeKind = Literal["triggers", "starts", "requires", "hands-over-to", "reviews"]
#: Edge kinds that may form cycles (a plan that is reviewed again and again).
CYCLIC_EDGE_KINDS: frozenset[str] = frozenset({"reviews"})
#: The agency a node or gap belongs to (lanes of the timeline, colours of the map).
Agency = Literal["education", "health", "social-care", "other"]
AGENCIES: tuple[Agency, ...] = ("education", "health", "social-care", "other")
PfaArea = Literal["employment", "independent-living", "community", "health"]
#: How serious a gap is, most serious first.
Severity = Literal["high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low")
Unit = Literal[
    "years", "months", "weeks", "days", "year-group", "month-day", "month", "weekday",
    "count", "probability", "text",
]

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"id {value!r} must be kebab-case (lower-case words joined by '-')")
    return value


class ReferenceFields(Frozen):
    """The fields of a citation; :class:`Reference` and reform references check them differently."""

    title: str | None = None
    instrument: str | None = None
    provision: str | None = None
    url: str | None = None
    seed: str | None = None
    quote: str | None = None

    def short(self) -> str:
        """A one-line citation, e.g. ``Care Act 2014 s.58`` or ``seed 003_…txt``.

        >>> Reference(instrument="Care Act 2014", provision="s.58").short()
        'Care Act 2014 s.58'
        """
        if self.instrument:
            return f"{self.instrument} {self.provision}".strip() if self.provision else self.instrument
        if self.seed:
            return f"{self.title + ', ' if self.title else ''}seed {self.seed}"
        return self.title or self.url or ""


class Reference(ReferenceFields):
    """A citation in rule data: a statutory provision or a seed document (with a quote)."""

    @model_validator(mode="after")
    def _has_source(self) -> Reference:
        if not (self.instrument or self.seed or self.url):
            raise ValueError("a reference needs an instrument, a url or a seed file")
        if self.seed and not self.quote:
            raise ValueError("a seed reference needs the quote it relies on")
        return self


class Cited(Frozen):
    references: tuple[Reference, ...] = ()
    status: Status = "verified"
    note: str | None = None
    beyond_statutory: str | None = None


# ---------------------------------------------------------------- conditions and dates


class DateExpr(Frozen):
    """A date computed for a person. Exactly one operator, then optional shifts.

    Operators: ``birthday``/``day_before_birthday`` (a parameter in years),
    ``year_group_start``/``year_group_end`` (a parameter naming a year group),
    ``compulsory_school_age_end``, ``fe_year_end_containing`` (a date),
    ``month_day_on_or_after`` (a month-day parameter, with ``of``),
    ``month_day_in_year_of`` (that month-day in the calendar year of ``of``), ``fact`` (a
    date fact of the person), ``event`` (the latest recorded event of a type),
    ``milestone`` (another milestone's date), ``earliest``/``latest`` (of the
    dates that exist), ``cases`` (the first case whose condition holds),
    ``as_of`` (the date the roadmap is drawn up on, for conditions such as
    "a duty that lapses at 18 no longer applies").
    Shifts, each naming a parameter: ``add_years``, ``add_months``,
    ``add_weeks``, ``add_days``.
    """

    birthday: str | None = None
    day_before_birthday: str | None = None
    year_group_start: str | None = None
    year_group_end: str | None = None
    compulsory_school_age_end: bool | None = None
    fe_year_end_containing: DateExpr | None = None
    month_day_on_or_after: str | None = None
    month_day_in_year_of: str | None = None
    of: DateExpr | None = None
    fact: str | None = None
    event: str | None = None
    events: tuple[str, ...] | None = None
    milestone: str | None = None
    earliest: tuple[DateExpr, ...] | None = None
    latest: tuple[DateExpr, ...] | None = None
    cases: tuple[Case, ...] | None = None
    as_of: bool | None = None
    add_years: str | None = None
    add_months: str | None = None
    add_weeks: str | None = None
    add_days: str | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> DateExpr:
        ops = [
            name
            for name in DATE_OPERATORS
            if getattr(self, name) is not None
        ]
        if len(ops) != 1:
            raise ValueError(
                f"a date needs exactly one of {', '.join(DATE_OPERATORS)}"
                + (f" (got {', '.join(ops)})" if ops else "")
            )
        month_day = self.month_day_on_or_after is not None or self.month_day_in_year_of is not None
        if month_day != (self.of is not None):
            raise ValueError("month_day_on_or_after and month_day_in_year_of go together with of")
        return self

    @property
    def operator(self) -> str:
        return next(name for name in DATE_OPERATORS if getattr(self, name) is not None)


DATE_OPERATORS = (
    "birthday", "day_before_birthday", "year_group_start", "year_group_end",
    "compulsory_school_age_end", "fe_year_end_containing", "month_day_on_or_after",
    "month_day_in_year_of", "fact", "event", "events", "milestone", "earliest", "latest", "cases", "as_of",
)  # fmt: skip
DATE_SHIFTS = ("add_years", "add_months", "add_weeks", "add_days")


class Condition(Frozen):
    """A test on a person. Exactly one operator.

    ``all``/``any``/``not``; ``fact`` with ``equals`` or ``in`` (or alone for a
    true/false fact); ``trigger`` (another trigger's condition); ``cohort``;
    ``receives`` (a service the person receives); ``setting`` with ``equals``;
    ``event`` (an event of this type is recorded); ``date`` compared with
    ``before``/``on_or_before``/``after``/``on_or_after``.
    """

    all_: tuple[Condition, ...] | None = Field(default=None, alias="all")
    any_: tuple[Condition, ...] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    fact: str | None = None
    trigger: str | None = None
    cohort: str | None = None
    receives: str | None = None
    setting: str | None = None
    event: str | None = None
    date: DateExpr | None = None
    equals: str | int | bool | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    before: DateExpr | None = None
    on_or_before: DateExpr | None = None
    after: DateExpr | None = None
    on_or_after: DateExpr | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        ops = [name for name in CONDITION_OPERATORS if getattr(self, name) is not None]
        if len(ops) != 1:
            names = ", ".join(n.rstrip("_") for n in CONDITION_OPERATORS)
            raise ValueError(f"a condition needs exactly one of {names}")
        comparisons = [n for n in DATE_COMPARISONS if getattr(self, n) is not None]
        if (self.date is not None) != (len(comparisons) == 1) or len(comparisons) > 1:
            raise ValueError("'date' needs exactly one of before, on_or_before, after, on_or_after")
        if self.setting is not None and self.equals is None:
            raise ValueError("'setting' needs 'equals'")
        if self.equals is not None and self.in_ is not None:
            raise ValueError("use 'equals' or 'in', not both")
        return self

    @property
    def operator(self) -> str:
        return next(name for name in CONDITION_OPERATORS if getattr(self, name) is not None)


CONDITION_OPERATORS = (
    "all_", "any_", "not_", "fact", "trigger", "cohort", "receives", "setting", "event", "date",
)  # fmt: skip
DATE_COMPARISONS = ("before", "on_or_before", "after", "on_or_after")


class Case(Frozen):
    """One branch of ``cases``: a condition (or ``otherwise: true``) and a date."""

    when: Condition | None = None
    otherwise: bool | None = None
    date: DateExpr

    @model_validator(mode="after")
    def _when_or_otherwise(self) -> Case:
        if (self.when is None) == (self.otherwise is None):
            raise ValueError("a case needs either 'when' or 'otherwise: true'")
        return self


# ---------------------------------------------------------------- rule-data records


class Parameter(Cited):
    """A cited value (an age, a duration, a calendar constant) keyed by effective date."""

    id: str
    label: str
    unit: Unit
    values: dict[dt.date, int | float | str]
    overridable: bool = False
    bounds: tuple[float, float] | None = None

    _id = field_validator("id")(_check_id)

    @field_validator("values")
    @classmethod
    def _not_empty(cls, values: dict[dt.date, Any]) -> dict[dt.date, Any]:
        if not values:
            raise ValueError("a parameter needs at least one dated value")
        return dict(sorted(values.items()))

    @model_validator(mode="after")
    def _within_bounds(self) -> Parameter:
        if self.bounds is not None:
            low, high = self.bounds
            if low > high:
                raise ValueError(f"bounds [{low:g}, {high:g}]: the first must not be above the second")
        elif self.overridable:
            raise ValueError("an overridable parameter needs bounds: [lowest, highest] for --set")
        for value in self.values.values():
            problem = self.out_of_bounds(value)
            if problem is not None:
                raise ValueError(f"value {problem}")
        return self

    def out_of_bounds(self, value: object) -> str | None:
        """Why ``value`` is outside :attr:`bounds` (for a message), or None when it is inside.

        >>> p = Parameter(id="age", label="An age", unit="years", values={"2020-01-01": 17},
        ...               bounds=(0, 25), references=[{"url": "https://example.org"}])
        >>> p.out_of_bounds(-1)
        'must be from 0 to 25 years (got -1)'
        """
        if self.bounds is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        low, high = self.bounds
        if low <= value <= high:
            return None
        return f"must be from {low:g} to {high:g} {self.unit} (got {value:g})"


class Setting(Cited):
    """A named choice where the law is ambiguous or unverified, with a documented default."""

    id: str
    label: str
    choices: tuple[str, ...]
    default: str
    explain: dict[str, str] = Field(default_factory=dict)

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> Setting:
        if self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of {self.choices}")
        return self


class Cohort(Cited):
    """One of the cohorts, with the condition that makes a young person a member."""

    id: str
    label: str
    member_when: Condition

    _id = field_validator("id")(_check_id)


class EventType(Frozen):
    """A kind of recorded event a person file may contain."""

    id: str
    label: str
    description: str = ""

    _id = field_validator("id")(_check_id)


class Node(Cited):
    """A node of the pathway graph: a service, trigger, milestone, assessment or plan."""

    id: str
    kind: NodeKind
    label: str
    description: str = ""
    family_text: str | None = None
    agency: Agency = "other"
    owner: str | None = None
    cohorts: tuple[str, ...] = ()
    stable: bool = False
    catalogue: tuple[str, ...] = ()
    pfa_area: PfaArea | None = None
    # triggers
    when: Condition | None = None
    # milestones, assessments and plans
    applies_when: Condition | None = None
    date: DateExpr | None = None
    window_start: DateExpr | None = None
    completed_from: DateExpr | None = None
    completed_before: DateExpr | None = None
    not_applicable_when: Condition | None = None
    until: DateExpr | None = None
    deadline: Literal["before", "by"] | None = None
    completed_by: tuple[str, ...] = ()
    in_force_from: dt.date | None = None
    # services
    phase: Literal["children", "adult", "all-age"] | None = None
    starts: DateExpr | None = None
    ends: DateExpr | None = None

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Node:
        if self.kind == "trigger" and self.when is None:
            raise ValueError("a trigger needs 'when' (the condition it tests)")
        if self.kind in ("milestone", "assessment", "plan") and self.date is None:
            raise ValueError(f"a {self.kind} needs 'date'")
        if self.kind == "service" and self.phase is None:
            raise ValueError("a service needs 'phase' (children, adult or all-age)")
        if self.kind != "service" and (self.starts or self.ends or self.phase):
            raise ValueError("'starts', 'ends' and 'phase' are for services only")
        if self.completed_by and self.deadline is None:
            raise ValueError("'completed_by' needs 'deadline' (before or by)")
        return self


class Edge(Cited):
    """A directed relation: what triggers, starts, requires or hands over to what."""

    from_: str = Field(alias="from")
    to: str
    kind: EdgeKind
    label: str | None = None
    status: Status = "verified"


class MissingEvent(Frozen):
    """The gap needs no event of these types, optionally within a window."""

    types: tuple[str, ...]
    on_or_after: DateExpr | None = None
    before: DateExpr | None = None


class GapRule(Cited):
    """A named gap: a duty that is late or missing, or support that ends with nothing after it.

    It fires when ``applies_when`` holds, the as-of date has reached ``due``
    (strictly after it when ``strictly_after``), the as-of date is before
    ``until`` (when given), and no event in ``missing_event`` is recorded. The
    ``handover`` kind instead fires once per children's service the young person
    has that ends with no adult successor, within ``lead_months`` either side of
    the end (NICE NG43: support from 6 months before to 6 months after transfer).
    """

    id: str
    kind: Literal["duty", "handover"] = "duty"
    title: str
    catalogue: tuple[str, ...] = ()
    severity: Severity
    message: str
    family_message: str | None = None
    action: str
    owner: str | None = None
    agency: Agency = "other"
    cohorts: tuple[str, ...] = ()
    milestone: str | None = None
    applies_when: Condition | None = None
    due: DateExpr | None = None
    strictly_after: bool = False
    until: DateExpr | None = None
    missing_event: MissingEvent | None = None
    lead_months: str | None = None
    phase: Literal["children", "adult", "all-age"] | None = None

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _kind_fields(self) -> GapRule:
        if self.kind == "handover" and self.lead_months is None:
            raise ValueError("a handover gap needs 'lead_months'")
        return self


class Override(Cited):
    """An overlay's change to a baseline parameter or setting default."""

    parameter: str | None = None
    setting: str | None = None
    values: dict[dt.date, int | float | str] | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _target(self) -> Override:
        if (self.parameter is None) == (self.setting is None):
            raise ValueError("an override names exactly one 'parameter' or 'setting'")
        if self.parameter is not None and not self.values:
            raise ValueError("a parameter override needs 'values'")
        if self.setting is not None and self.default is None:
            raise ValueError("a setting override needs 'default'")
        if not self.beyond_statutory and self.status == "local":
            raise ValueError("a local override must say how it goes 'beyond_statutory'")
        return self


class CalendarRoles(Frozen):
    """Which of the baseline's rules play the school calendar's roles (``calendar`` in ``area.yaml``).

    The engine knows no rule id: the baseline names, for each role the date
    functions need, the parameter that plays it (and, for
    ``first_september_birthday``, the setting). The loader checks each at load
    time: the rule exists and has the unit (or choices) the role needs.
    """

    school_year_start: str
    fe_year_end: str
    school_leaving_month: str
    school_leaving_weekday: str
    year_group_age_offset: str
    #: A setting with the choices ``cohort`` and ``term``: the end of compulsory
    #: school age for a 16th birthday on the first day of the school year.
    #: Without one, the ``cohort`` reading applies.
    first_september_birthday: str | None = None


class Area(Frozen):
    """An area's metadata (``area.yaml``): the baseline has no ``extends``.

    Only the baseline gives ``calendar`` (required there) and ``review_interval``
    (the parameter, in months, after which ``pathways check`` calls an area's
    ``reviewed_on`` out of date; without one, no area goes stale).
    """

    id: str
    label: str
    extends: str | None = None
    reviewed_on: dt.date
    calendar: CalendarRoles | None = None
    review_interval: str | None = None
    description: str = ""
    references: tuple[Reference, ...] = ()

    _id = field_validator("id")(_check_id)


# ---------------------------------------------------------------- route branches (issue 3)

#: Where a branch probability comes from. ``seed`` is a figure in a seed document
#: (cite it with a quote); ``expert-prior`` a labelled estimate (say whose, and why,
#: in ``rationale``); ``calibrated`` an estimate from an event log (``pathways
#: calibrate``); ``reform`` a value set by a reform.
ProbabilitySource = Literal["seed", "expert-prior", "calibrated", "reform"]
PROBABILITY_SOURCES: tuple[ProbabilitySource, ...] = ("seed", "expert-prior", "calibrated", "reform")
#: How far a table's probabilities may stray from summing to 1 (floating-point allowance).
BRANCH_SUM_TOLERANCE = 1e-9


class ProbabilityTable(Frozen):
    """The option probabilities of a branch for the young people one situation describes.

    A branch lists its tables in order; the first that fits the young person is
    used, and the last must be ``otherwise: true``. A table fits when its
    ``when`` condition holds for the person and, if ``after`` is given, the route
    so far passed one of the ``after`` options (of earlier branches). The options
    a table lists are the options open in that situation, and their probabilities
    must sum to 1.
    """

    when: Condition | None = None
    after: tuple[str, ...] = ()
    otherwise: bool | None = None
    situation: str | None = None
    values: dict[str, float]
    source: ProbabilitySource
    rationale: str | None = None
    references: tuple[Reference, ...] = ()
    reviewed_on: dt.date
    prior_cases: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _valid_table(self) -> ProbabilityTable:
        if self.otherwise is not None:
            if self.otherwise is not True:
                raise ValueError("'otherwise' can only be true")
            if self.when is not None or self.after:
                raise ValueError("an 'otherwise' table takes no 'when' or 'after'")
        elif self.when is None and not self.after:
            raise ValueError("a probability table needs 'when', 'after' or 'otherwise: true'")
        if not self.values:
            raise ValueError("a probability table needs at least one option in 'values'")
        for option, value in self.values.items():
            if not (0.0 <= value <= 1.0):  # also rejects NaN
                raise ValueError(f"option '{option}' has probability {value!r}, expected a number in [0, 1]")
        total = math.fsum(self.values.values())
        if abs(total - 1.0) > BRANCH_SUM_TOLERANCE:
            raise ValueError(
                f"probabilities sum to {total!r}, expected 1 (within {BRANCH_SUM_TOLERANCE}): "
                + ", ".join(f"{option}={value}" for option, value in self.values.items())
            )
        if self.source == "seed" and not any(ref.seed for ref in self.references):
            raise ValueError("a 'seed' probability needs a seed reference with the quote it relies on")
        if self.source != "seed" and not (self.rationale and self.rationale.strip()):
            raise ValueError(f"a '{self.source}' probability needs a 'rationale' saying whose estimate it is and why")
        return self

    @property
    def is_default(self) -> bool:
        """True for the ``otherwise`` table, the values for young people in general."""
        return self.otherwise is True


class BranchOption(Frozen):
    """One way a branch can go, with the outcome states it sets and how a case log records it."""

    id: str
    label: str
    family_text: str
    outcomes: dict[PfaArea, str] = Field(default_factory=dict)
    events: tuple[str, ...] = ()

    _id = field_validator("id")(_check_id)

    @field_validator("outcomes")
    @classmethod
    def _states_are_ids(cls, outcomes: dict[str, str]) -> dict[str, str]:
        for state in outcomes.values():
            _check_id(state)
        return outcomes


class Branch(Cited):
    """A branch point on the routes from 14 to 25: where a journey can go more than one way.

    ``at`` is when the branch point is usually reached (a date worked out for the
    person); ``applies_when`` says which young people meet it. ``requires`` lists
    event types a case log must record before an option event (conformance).
    """

    id: str
    label: str
    question: str | None = None
    at: DateExpr
    applies_when: Condition | None = None
    options: tuple[BranchOption, ...]
    probabilities: tuple[ProbabilityTable, ...]
    requires: tuple[str, ...] = ()

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _options_and_tables(self) -> Branch:
        ids = [option.id for option in self.options]
        if len(ids) < 2:
            raise ValueError("a branch needs at least two options")
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"option '{repeated[0]}' is listed twice")
        _check_tables(self.probabilities, frozenset(ids))
        return self

    def option(self, option_id: str) -> BranchOption:
        """The option with this id (KeyError if none)."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    @property
    def default_table(self) -> ProbabilityTable:
        """The ``otherwise`` table: the values for young people in general."""
        return self.probabilities[-1]


def _check_tables(tables: tuple[ProbabilityTable, ...], options: frozenset[str]) -> None:
    if not tables:
        raise ValueError("a branch needs at least one probability table ('probabilities')")
    for index, table in enumerate(tables):
        unknown = sorted(set(table.values) - options)
        if unknown:
            raise ValueError(
                f"probabilities[{index}] names '{unknown[0]}', which is not an option of this branch "
                f"(options: {', '.join(sorted(options))})"
            )
        if table.is_default != (index == len(tables) - 1):
            raise ValueError("the last probability table, and only the last, must be 'otherwise: true'")


class BranchOverride(Frozen):
    """An overlay's replacement for a baseline branch's probability tables (local figures)."""

    branch: str
    probabilities: tuple[ProbabilityTable, ...]
    note: str | None = None


class RuleFile(Frozen):
    """One rule-data YAML file: any of the sections below."""

    cohort: str | None = None
    description: str | None = None
    parameters: tuple[Parameter, ...] = ()
    settings: tuple[Setting, ...] = ()
    cohorts: tuple[Cohort, ...] = ()
    events: tuple[EventType, ...] = ()
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    gaps: tuple[GapRule, ...] = ()
    overrides: tuple[Override, ...] = ()
    branches: tuple[Branch, ...] = ()
    branch_overrides: tuple[BranchOverride, ...] = ()


DateExpr.model_rebuild()
Condition.model_rebuild()
Case.model_rebuild()

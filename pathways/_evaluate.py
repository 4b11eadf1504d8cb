"""Rule evaluation: date expressions and conditions compiled once, evaluated per person.

:class:`CompiledRules` turns every date expression and condition of a
:class:`~pathways._loader.RuleSet` into a Python closure when the pathway is
loaded, so evaluating a young person does no parsing and no id look-ups by
string. A :class:`Context` holds one person's facts, events and settings and
memoises milestone dates and trigger results.

Dated parameters follow the *in force on the date* rule: a value keyed by an
effective date applies to a computed date that falls on or after that
effective date; a date that a new value brings forward to before the value
came into force falls due the day it comes into force (see docs/rule-data.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import _dates as dates
from ._dates import LeapDayPolicy, SchoolCalendar
from ._loader import RuleSet, iter_condition_refs, iter_date_refs
from ._models import STATUS_ORDER, Condition, DateExpr, Parameter

DateFn = Callable[["Context"], date | None]
CondFn = Callable[["Context"], bool]


@dataclass(slots=True)
class Context:
    """One young person's inputs, as the rules see them."""

    date_of_birth: date
    as_of: date
    leap_day_policy: LeapDayPolicy
    settings: Mapping[str, str]
    calendar: SchoolCalendar
    facts: Mapping[str, Any]
    events: Mapping[str, tuple[date, ...]]
    received: Mapping[str, date | None]
    year_group_offset: int = 0
    cohorts: frozenset[str] = frozenset()
    #: The event types the input records at all (None: every type). A duty whose completing
    #: events the input never records cannot be checked: it is "not recorded", not missing.
    recorded_events: frozenset[str] | None = None
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)
    birthdays: dict[int, date] = field(default_factory=dict)

    def birthday(self, years: int) -> date:
        """The date the young person attains ``years`` (remembered: rules ask for the
        same few birthdays many times)."""
        found = self.birthdays.get(years)
        if found is None:
            found = self.birthdays[years] = dates.birthday(
                self.date_of_birth, years, self.leap_day_policy
            )
        return found

    def records_any(self, types: tuple[str, ...]) -> bool:
        """Whether the input records events of at least one of these types."""
        return self.recorded_events is None or not self.recorded_events.isdisjoint(types)

    def latest_event(self, *types: str) -> date | None:
        found = [self.events[t][-1] for t in types if self.events.get(t)]
        return max(found) if found else None


def dated(param: Parameter, fn: Callable[[Any], date | None]) -> date | None:
    """Apply ``fn`` to a dated parameter by the in-force-on-the-date rule.

    Each value gives a date; a value counts only for dates while it is in
    force: a date before a later value's start moves to that start, a date on
    or after the next value's start is dropped. The first value is in force
    for every date before the second (as :func:`value_on` reads it), so its
    dates are never moved. The earliest date that counts wins.
    """
    values = param.values
    if len(values) == 1:
        for value in values.values():
            return fn(value)
    items = list(values.items())
    best: date | None = None
    for index, (start, value) in enumerate(items):
        end = items[index + 1][0] if index + 1 < len(items) else None
        candidate = fn(value)
        if candidate is None:
            continue
        if index > 0:
            candidate = max(candidate, start)
        if (end is None or candidate < end) and (best is None or candidate < best):
            best = candidate
    return best


def value_on(param: Parameter, on: date) -> Any:
    """The value of a parameter in force on a date (the first value before any)."""
    current = next(iter(param.values.values()))
    for start, value in param.values.items():
        if start <= on:
            current = value
    return current


class CompiledRules:
    """Closures for every date and condition in a rule set."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._milestone_fns: dict[str, DateFn] = {}
        self._trigger_fns: dict[str, CondFn] = {}
        for node in rules.nodes.values():
            if node.kind == "trigger" and node.when is not None:
                self._trigger_fns[node.id] = self.condition(node.when)
        for node in rules.nodes.values():
            if node.date is not None:
                self._milestone_fns[node.id] = self.date(node.date)
        self.cohort_fns: dict[str, CondFn] = {
            cohort.id: self.condition(cohort.member_when) for cohort in rules.cohorts.values()
        }

    # ------------------------------------------------------------ dates

    def milestone_date(self, ctx: Context, milestone_id: str) -> date | None:
        key = "m:" + milestone_id
        if key not in ctx.memo:
            ctx.memo[key] = self._milestone_fns[milestone_id](ctx)
        result: date | None = ctx.memo[key]
        return result

    def date(self, expr: DateExpr) -> DateFn:
        """Compile a date expression."""
        base = self._date_operator(expr)
        for shift in ("add_years", "add_months", "add_weeks", "add_days"):
            param_id = getattr(expr, shift)
            if param_id is not None:
                base = self._shift(base, shift, self.rules.parameters[param_id])
        return base

    def _shift(self, inner: DateFn, shift: str, param: Parameter) -> DateFn:
        add: Callable[[date, int], date] = {
            "add_years": lambda d, n: dates.add_months(d, 12 * n),
            "add_months": dates.add_months,
            "add_weeks": dates.add_weeks,
            "add_days": dates.add_days,
        }[shift]

        def shifted(ctx: Context) -> date | None:
            anchor = inner(ctx)
            if anchor is None:
                return None
            return dated(ctx.parameters[param.id], lambda v: add(anchor, int(v)))

        return shifted

    def _date_operator(self, expr: DateExpr) -> DateFn:
        op = expr.operator
        if op in ("birthday", "day_before_birthday"):
            return self._birthday(expr)
        if op in ("year_group_start", "year_group_end"):
            return self._year_group(expr, op)
        if op == "compulsory_school_age_end":
            return self._compulsory_school_age_end()
        if op == "fe_year_end_containing":
            return self._fe_year_end(expr)
        if op == "month_day_on_or_after":
            return self._month_day_on_or_after(expr)
        if op == "month_day_in_year_of":
            return self._month_day_in_year_of(expr)
        if op == "fact":
            name = expr.fact or ""
            return lambda ctx: ctx.facts.get(name)
        if op in ("event", "events"):
            types = (expr.event,) if expr.event else tuple(expr.events or ())
            return lambda ctx: ctx.latest_event(*types)
        if op == "milestone":
            milestone_id = expr.milestone or ""
            return lambda ctx: self.milestone_date(ctx, milestone_id)
        if op in ("earliest", "latest"):
            return self._pick(expr, op)
        if op == "as_of":
            return lambda ctx: ctx.as_of
        if op == "cases":
            return self._cases(expr)
        raise AssertionError(f"unhandled date operator {op}")  # pragma: no cover

    def _birthday(self, expr: DateExpr) -> DateFn:
        """``birthday``, or ``day_before_birthday``: the day before it."""
        if expr.birthday is not None:
            param_id = expr.birthday

            def birthday_fn(ctx: Context) -> date | None:
                return dated(ctx.parameters[param_id], lambda v: ctx.birthday(int(v)))

            return birthday_fn
        param_id = expr.day_before_birthday or ""

        def day_before_fn(ctx: Context) -> date | None:
            return dated(
                ctx.parameters[param_id], lambda v: dates.add_days(ctx.birthday(int(v)), -1)
            )

        return day_before_fn

    def _year_group(self, expr: DateExpr, op: str) -> DateFn:
        """The first or last day of the young person's Year N."""
        param_id = getattr(expr, op)
        fn = dates.year_group_start if op == "year_group_start" else dates.year_group_end

        def year_fn(ctx: Context) -> date | None:
            return dated(
                ctx.parameters[param_id],
                lambda v: fn(
                    ctx.date_of_birth, int(v), ctx.calendar,
                    offset=ctx.year_group_offset, leap_day_policy=ctx.leap_day_policy,
                ),
            )

        return year_fn

    def _compulsory_school_age_end(self) -> DateFn:
        """The end of compulsory school age, under the reading the first-September setting chooses."""
        setting_id = self.rules.first_september_setting

        def csa_fn(ctx: Context) -> date | None:
            term = setting_id is not None and ctx.settings.get(setting_id) == "term"
            return dates.compulsory_school_age_end(
                ctx.date_of_birth, ctx.calendar, leap_day_policy=ctx.leap_day_policy,
                first_september="term" if term else "cohort",
            )

        return csa_fn

    def _fe_year_end(self, expr: DateExpr) -> DateFn:
        """The end of the further-education year containing another date."""
        inner = self.date(expr.fe_year_end_containing)  # type: ignore[arg-type]

        def fe_fn(ctx: Context) -> date | None:
            anchor = inner(ctx)
            return None if anchor is None else dates.fe_year_end_containing(anchor, ctx.calendar)

        return fe_fn

    def _month_day_on_or_after(self, expr: DateExpr) -> DateFn:
        """The first date on or after another date that falls on a month-day parameter."""
        inner = self.date(expr.of)  # type: ignore[arg-type]
        param_id = expr.month_day_on_or_after or ""

        def month_day_fn(ctx: Context) -> date | None:
            anchor = inner(ctx)
            if anchor is None:
                return None
            month, day = (int(p) for p in str(value_on(ctx.parameters[param_id], anchor)).split("-"))
            candidate = date(anchor.year, month, day)
            return candidate if candidate >= anchor else dates.make_date(anchor.year + 1, month, day)

        return month_day_fn

    def _month_day_in_year_of(self, expr: DateExpr) -> DateFn:
        """A month-day parameter in the calendar year of another date ("31 March in the year of the move")."""
        inner = self.date(expr.of)  # type: ignore[arg-type]
        param_id = expr.month_day_in_year_of or ""

        def in_year_fn(ctx: Context) -> date | None:
            anchor = inner(ctx)
            if anchor is None:
                return None
            month, day = (int(p) for p in str(value_on(ctx.parameters[param_id], anchor)).split("-"))
            return dates.make_date(anchor.year, month, day)

        return in_year_fn

    def _pick(self, expr: DateExpr, op: str) -> DateFn:
        """The earliest or latest of the dates that exist."""
        parts = [self.date(child) for child in getattr(expr, op)]
        earliest = op == "earliest"

        def pick_fn(ctx: Context) -> date | None:
            # (a loop, not min() or max() over a list: a roadmap picks hundreds of times)
            best: date | None = None
            for part in parts:
                found = part(ctx)
                if found is not None and (
                    best is None or (found < best if earliest else found > best)
                ):
                    best = found
            return best

        return pick_fn

    def _cases(self, expr: DateExpr) -> DateFn:
        """The date of the first case whose condition holds (or that is ``otherwise``)."""
        compiled = [
            (None if case.when is None else self.condition(case.when), self.date(case.date))
            for case in expr.cases or ()
        ]

        def cases_fn(ctx: Context) -> date | None:
            for when, then in compiled:
                if when is None or when(ctx):
                    return then(ctx)
            return None

        return cases_fn

    # ------------------------------------------------------------ conditions

    def trigger(self, ctx: Context, trigger_id: str) -> bool:
        key = "t:" + trigger_id
        if key not in ctx.memo:
            ctx.memo[key] = self._trigger_fns[trigger_id](ctx)
        return bool(ctx.memo[key])

    def condition(self, cond: Condition) -> CondFn:
        """Compile a condition."""
        op = cond.operator
        if op == "all_":
            return _all_of([self.condition(c) for c in cond.all_ or ()])
        if op == "any_":
            return _any_of([self.condition(c) for c in cond.any_ or ()])
        if op == "not_":
            inner = self.condition(cond.not_)  # type: ignore[arg-type]
            return lambda ctx: not inner(ctx)
        if op == "fact":
            name = cond.fact or ""
            if cond.equals is not None:
                wanted = cond.equals
                return lambda ctx: ctx.facts.get(name) == wanted
            if cond.in_ is not None:
                options = frozenset(cond.in_)
                return lambda ctx: ctx.facts.get(name) in options
            return lambda ctx: bool(ctx.facts.get(name))
        if op == "trigger":
            trigger_id = cond.trigger or ""
            return lambda ctx: self.trigger(ctx, trigger_id)
        if op == "cohort":
            cohort_id = cond.cohort or ""
            return lambda ctx: cohort_id in ctx.cohorts
        if op == "receives":
            service_id = cond.receives or ""
            return lambda ctx: service_id in ctx.received
        if op == "setting":
            setting_id, wanted = cond.setting or "", str(cond.equals)
            return lambda ctx: ctx.settings.get(setting_id) == wanted
        if op == "event":
            event_type = cond.event or ""
            return lambda ctx: bool(ctx.events.get(event_type))
        if op == "date":
            left = self.date(cond.date)  # type: ignore[arg-type]
            for name in ("before", "on_or_before", "after", "on_or_after"):
                other = getattr(cond, name)
                if other is not None:
                    right = self.date(other)
                    compare: Callable[[date, date], bool] = {
                        "before": date.__lt__,
                        "on_or_before": date.__le__,
                        "after": date.__gt__,
                        "on_or_after": date.__ge__,
                    }[name]

                    def compare_fn(ctx: Context, right: DateFn = right, compare: Any = compare) -> bool:
                        a, b = left(ctx), right(ctx)
                        return a is not None and b is not None and bool(compare(a, b))

                    return compare_fn
        raise AssertionError(f"unhandled condition operator {op}")  # pragma: no cover

    # ------------------------------------------------------------ provenance

    def milestones_behind(self, *exprs: DateExpr | Condition | None, _seen: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """The milestone ids a date or condition depends on, directly or through other milestones."""
        found: dict[str, None] = {}
        for expr in exprs:
            if expr is None:
                continue
            refs = iter_date_refs(expr) if isinstance(expr, DateExpr) else iter_condition_refs(expr)
            for kind, ref in refs:
                if kind == "milestone" and ref not in _seen:
                    found[ref] = None
                    node = self.rules.nodes[ref]
                    for m in self.milestones_behind(node.date, _seen=_seen | {ref}):
                        found[m] = None
        return tuple(found)

    def parameters_behind(self, *exprs: DateExpr | Condition | None, _seen: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """The parameter ids a date or condition depends on (through milestones too)."""
        found: dict[str, None] = {}
        for expr in exprs:
            if expr is None:
                continue
            refs = iter_date_refs(expr) if isinstance(expr, DateExpr) else iter_condition_refs(expr)
            for kind, ref in refs:
                if kind == "parameter":
                    found[ref] = None
                elif kind == "milestone" and ref not in _seen:
                    node = self.rules.nodes[ref]
                    for p in self.parameters_behind(node.date, _seen=_seen | {ref}):
                        found[p] = None
        return tuple(found)


def weakest_status(*statuses: str) -> str:
    """The weakest of several statuses (verified < local < unverified < ambiguous)."""
    return max(statuses, key=STATUS_ORDER.index) if statuses else "verified"


def _all_of(parts: list[CondFn]) -> CondFn:
    """True when every part holds, stopping at the first that does not (a loop rather
    than all() over a generator, which cost more than the parts on a roadmap)."""

    def all_fn(ctx: Context) -> bool:
        for part in parts:  # noqa: SIM110 (the loop is the point: see above)
            if not part(ctx):
                return False
        return True

    return all_fn


def _any_of(parts: list[CondFn]) -> CondFn:
    """True when some part holds, stopping at the first that does."""

    def any_fn(ctx: Context) -> bool:
        for part in parts:  # noqa: SIM110 (as _all_of)
            if part(ctx):
                return True
        return False

    return any_fn

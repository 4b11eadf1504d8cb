"""Plain-English descriptions of date expressions and conditions, for explanations.

Every roadmap line can explain itself: which rule produced it, how its date is
worked out and why it applies. These strings are built once per pathway.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._models import Condition, DateExpr, Node, Parameter


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _values(param: Parameter) -> str:
    items = list(param.values.items())
    if len(items) == 1:
        return str(items[0][1])
    return ", ".join(f"{v} from {d.isoformat()}" for d, v in items)


def describe_date(expr: DateExpr, params: Mapping[str, Parameter]) -> str:
    """Describe how a date is worked out, naming the parameters and their values."""

    def p(param_id: str) -> str:
        param = params[param_id]
        return f"{param_id} = {_values(param)}"

    def age(param_id: str) -> str:
        param = params[param_id]
        value = next(iter(param.values.values()))
        label = f"{_ordinal(int(value))} birthday" if len(param.values) == 1 else "birthday"
        return f"{label} ({p(param_id)})"

    op = expr.operator
    if op == "birthday":
        text = age(expr.birthday or "")
    elif op == "day_before_birthday":
        text = f"the day before the {age(expr.day_before_birthday or '')}"
    elif op == "year_group_start":
        text = f"1st day of Year group ({p(expr.year_group_start or '')})"
    elif op == "year_group_end":
        text = f"last day of Year group ({p(expr.year_group_end or '')})"
    elif op == "compulsory_school_age_end":
        text = "end of compulsory school age (Education Act 1996 s.8(3))"
    elif op == "fe_year_end_containing":
        inner = describe_date(expr.fe_year_end_containing, params)  # type: ignore[arg-type]
        text = f"end of the further-education year containing {inner}"
    elif op == "month_day_on_or_after":
        inner = describe_date(expr.of, params)  # type: ignore[arg-type]
        text = f"the next {p(expr.month_day_on_or_after or '')} on or after {inner}"
    elif op == "month_day_in_year_of":
        inner = describe_date(expr.of, params)  # type: ignore[arg-type]
        text = f"the {p(expr.month_day_in_year_of or '')} in the calendar year of {inner}"
    elif op == "fact":
        text = f"the recorded {expr.fact}"
    elif op in ("event", "events"):
        types = [expr.event] if expr.event else list(expr.events or ())
        text = f"the latest {' or '.join(str(t) for t in types)} event"
    elif op == "milestone":
        text = f"the {expr.milestone} date"
    elif op == "as_of":
        text = "the as-of date"
    elif op in ("earliest", "latest"):
        parts = [describe_date(child, params) for child in getattr(expr, op)]
        text = f"the {'earlier' if op == 'earliest' else 'later'} of " + " and ".join(parts)
    else:  # cases
        parts = []
        for case in expr.cases or ():
            when = "otherwise" if case.when is None else f"if {describe_condition(case.when, params)}"
            parts.append(f"{when}: {describe_date(case.date, params)}")
        text = "; ".join(parts)
    for shift, unit in (("add_years", "years"), ("add_months", "months"), ("add_weeks", "weeks"), ("add_days", "days")):
        param_id = getattr(expr, shift)
        if param_id is not None:
            text += f", plus {unit} ({p(param_id)})"
    return text


def describe_condition(cond: Condition, params: Mapping[str, Parameter] | None = None) -> str:
    """Describe a condition in words (``params`` names values in date comparisons)."""
    params = params or {}
    op = cond.operator
    if op == "all_":
        return " and ".join(describe_condition(c, params) for c in cond.all_ or ())
    if op == "any_":
        return "(" + " or ".join(describe_condition(c, params) for c in cond.any_ or ()) + ")"
    if op == "not_":
        return f"not ({describe_condition(cond.not_, params)})"  # type: ignore[arg-type]
    if op == "fact":
        if cond.equals is not None:
            return f"{cond.fact} is {cond.equals}"
        if cond.in_ is not None:
            return f"{cond.fact} is one of {', '.join(cond.in_)}"
        return f"{cond.fact} is true"
    if op == "trigger":
        return f"trigger {cond.trigger} holds"
    if op == "cohort":
        return f"in the {cond.cohort} cohort"
    if op == "receives":
        return f"receives {cond.receives}"
    if op == "setting":
        return f"setting {cond.setting} is {cond.equals}"
    if op == "event":
        return f"a {cond.event} event is recorded"
    for name, words in (("before", "before"), ("on_or_before", "on or before"), ("after", "after"), ("on_or_after", "on or after")):
        other = getattr(cond, name)
        if other is not None:
            left = describe_date(cond.date, params) if cond.date is not None else "?"
            return f"{left} is {words} {describe_date(other, params)}"
    return op  # pragma: no cover


def describe_node_date(node: Node, params: Mapping[str, Parameter]) -> str:
    """One line: how this node's date is worked out."""
    return describe_date(node.date, params) if node.date is not None else ""

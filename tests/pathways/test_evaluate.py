"""Date expressions compiled by the evaluator (pathways/_evaluate.py)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from cohorts import EhcPlan, Person, PhaseTransfer, load_pathway, person_context, resolve_settings
from pathways import describe_date
from pathways._models import DateExpr


def _evaluate(expr: dict[str, object], transfer: date) -> date | None:
    pathway = load_pathway("england")
    person = Person(
        id="x", date_of_birth=date(2016, 5, 10),
        ehcp=EhcPlan(issued=date(2024, 3, 1), setting="school",
                     next_transfer=PhaseTransfer(date=transfer, kind="other-phase")),
    )
    ctx, _ = person_context(pathway, person, date(2026, 11, 23), resolve_settings(pathway))
    return pathway.compiled.date(DateExpr.model_validate(expr))(ctx)


@pytest.mark.parametrize(
    ("transfer", "expected"),
    [(date(2027, 9, 1), date(2027, 2, 15)), (date(2027, 1, 4), date(2027, 2, 15)), (date(2028, 2, 15), date(2028, 2, 15))],
)
def test_month_day_in_year_of_is_that_day_of_the_calendar_year(transfer: date, expected: date) -> None:
    expr = {"month_day_in_year_of": "phase-transfer-other-deadline", "of": {"fact": "ehcp_next_transfer_date"}}
    assert _evaluate(expr, transfer) == expected


def test_month_day_in_year_of_with_a_shift_gives_the_last_day_before() -> None:
    expr = {
        "month_day_in_year_of": "phase-transfer-post16-deadline",
        "of": {"fact": "ehcp_next_transfer_date"},
        "add_days": "before-date-last-day",
    }
    assert _evaluate(expr, date(2027, 9, 6)) == date(2027, 3, 30)


def test_month_day_in_year_of_needs_of() -> None:
    with pytest.raises(ValidationError, match="go together with of"):
        DateExpr.model_validate({"month_day_in_year_of": "phase-transfer-other-deadline"})
    with pytest.raises(ValidationError, match="exactly one of"):
        DateExpr.model_validate(
            {"month_day_in_year_of": "a", "month_day_on_or_after": "b", "of": {"fact": "ehcp_issued"}}
        )


def test_month_day_in_year_of_is_described() -> None:
    params = load_pathway("england").rules.parameters
    expr = DateExpr.model_validate(
        {"month_day_in_year_of": "phase-transfer-other-deadline", "of": {"fact": "ehcp_next_transfer_date"}}
    )
    assert describe_date(expr, params) == (
        "the phase-transfer-other-deadline = 02-15 in the calendar year of the recorded ehcp_next_transfer_date"
    )

"""A published population result displays in notebooks and converts to pandas."""

from __future__ import annotations

from datetime import date

import pytest

from roadmaps.population._tally import PersonSummary, aggregate

AS_OF = date(2026, 1, 1)


def _result():  # type: ignore[no-untyped-def]
    many = PersonSummary(AS_OF, "england", ("send",), "16-17", gaps=(("late-transition-planning", 40),),
                         entries=(("age-18", date(2027, 5, 1), "upcoming"),))  # fmt: skip
    few = PersonSummary(AS_OF, "england", ("send",), "16-17", gaps=(("pathway-plan-missing", None),),
                        entries=(("age-18", date(2028, 5, 1), "upcoming"),))  # fmt: skip
    return aggregate([many] * 12 + [few] * 2, as_of=AS_OF,
                     gap_rules=("late-transition-planning", "pathway-plan-missing"))  # fmt: skip


def test_html_shows_published_values_only() -> None:
    page = _result()._repr_html_()
    assert "<strong>14</strong> young people" in page
    assert "<td>12</td>" in page and "&lt;5" in page and "<td>2</td>" not in page
    assert page.count("<rect") == 1  # a bar for the shown count, none for the hidden one
    assert "http" not in page and "<script" not in page


def test_frames() -> None:
    pytest.importorskip("pandas")
    result = _result()
    gaps = result.to_pandas()
    assert gaps["rule"].tolist() == ["late-transition-planning", "pathway-plan-missing"]
    assert gaps["young_people"].tolist() == [12, "<5"]
    assert gaps["share"].iloc[0] == 12 / 14 and gaps["share"].isna().iloc[1]
    forecast = result.forecast_frame()
    assert list(forecast.columns) == ["year", "milestone", "young_people"]
    row = forecast[(forecast["year"] == "2027") & (forecast["milestone"] == "age-18")]
    assert row["young_people"].tolist() == [12]

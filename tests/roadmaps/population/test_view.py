"""A published population result displays in notebooks and converts to pandas."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from roadmaps.population._input import Accounting
from roadmaps.population._report import report_html
from roadmaps.population._tally import PersonSummary, aggregate
from roadmaps.population._view import make_table
from roadmaps.render import template_environment

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


def test_the_table_macro_writes_one_escaped_line() -> None:
    table = make_table("A 'caption'", ["rule", "note", "n"], [["a<b", None, 3], ["c", "d", "<5"]], text_columns=2)
    macros = template_environment("roadmaps.population").get_template("macros.html").module
    assert str(macros.table(table)) == (  # type: ignore[attr-defined]
        '<div class="scroll"><table><caption>A &#x27;caption&#x27;</caption><thead><tr>'
        '<th scope="col">rule</th><th scope="col">note</th><th scope="col">n</th></tr></thead><tbody>'
        '<tr><th scope="row">a&lt;b</th><td></td><td class="n">3</td></tr>'
        '<tr><th scope="row">c</th><td>d</td><td class="n">&lt;5</td></tr>'
        "</tbody></table></div>"
    )


def test_the_report_page_is_escaped_and_carries_the_nonce_it_is_given() -> None:
    result = dataclasses.replace(_result(), notes=("it's <b>",))
    labels = {"late-transition-planning": 'Late "planning"'}
    page = report_html(result, Accounting(), "england", labels)
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</main>\n</body>\n</html>\n")
    assert "<style>\n" in page and "nonce" not in page
    assert "<li>it&#x27;s &lt;b&gt;</li>" in page and "Late &quot;planning&quot;" in page
    served = report_html(result, Accounting(), "england", labels, nonce="n0nce")
    assert served == page.replace("<style>", '<style nonce="n0nce">', 1)

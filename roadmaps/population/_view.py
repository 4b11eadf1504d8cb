"""Notebook views of a published population result: HTML (``_repr_html_``) and pandas frames.

Only published values are shown (after disclosure control): a hidden count
shows its placeholder and draws no bar. The HTML is a fragment with inline
SVG bars and no external resources.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._tally import PopulationResult

_BAR = "#1d4f91"  # the population report's bar colour (3:1 on white, WCAG 2.2 AA non-text)
_BAR_WIDTH = 160


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _bar(value: object, largest: int) -> str:
    if not isinstance(value, int) or value <= 0 or largest <= 0:
        return ""
    width = max(1, round(_BAR_WIDTH * value / largest))
    return (
        f'<svg width="{_BAR_WIDTH}" height="12" aria-hidden="true">'
        f'<rect width="{width}" height="12" fill="{_BAR}"></rect></svg>'
    )


def population_html(result: PopulationResult) -> str:
    """A compact HTML view: young people, gaps with shares and bars, and the forecast."""
    gaps = sorted(result.gaps.items())
    largest = max((v for _, v in gaps if isinstance(v, int)), default=0)
    parts = [
        "<div>",
        f"<p>Population as of {_esc(result.as_of.isoformat())}: "
        f"<strong>{_esc(result.young_people)}</strong> young people. Counts from 1 to "
        f"{result.suppression.settings.threshold - 1} show as "
        f"<code>{_esc(result.suppression.settings.placeholder)}</code>.</p>",
        "<table><caption>Young people with each gap</caption><thead><tr>"
        '<th scope="col">gap rule</th><th scope="col">young people</th>'
        '<th scope="col">share</th><th scope="col"></th></tr></thead><tbody>',
    ]
    for rule, value in gaps:
        share = result.gap_shares.get(rule)
        parts.append(
            f'<tr><th scope="row">{_esc(rule)}</th><td>{_esc(value)}</td>'
            f"<td>{'' if share is None else f'{100 * share:.1f}%'}</td>"
            f"<td>{_bar(value, largest)}</td></tr>"
        )
    parts.append("</tbody></table>")
    years = list(result.forecast)
    milestones = list(result.forecast[years[0]]) if years else []
    parts.append(
        "<table><caption>Young people reaching each milestone, by year</caption><thead><tr>"
        '<th scope="col">year</th>'
        + "".join(f'<th scope="col">{_esc(m)}</th>' for m in milestones)
        + "</tr></thead><tbody>"
    )
    for year in years:
        row = result.forecast[year]
        parts.append(
            f'<tr><th scope="row">{_esc(year)}</th>'
            + "".join(f"<td>{_esc(row[m])}</td>" for m in milestones)
            + "</tr>"
        )
    parts.append("</tbody></table></div>")
    return "".join(parts)


def gaps_frame(result: PopulationResult) -> Any:
    """Gap rule, young people and share as a pandas DataFrame (needs the pandas extra)."""
    from pathways import to_frame

    return to_frame(
        (
            {"rule": rule, "young_people": value, "share": result.gap_shares.get(rule)}
            for rule, value in sorted(result.gaps.items())
        ),
        columns=["rule", "young_people", "share"],
    )


def forecast_frame(result: PopulationResult) -> Any:
    """Year, milestone and young people as a pandas DataFrame (tidy: one row per pair)."""
    from pathways import to_frame

    return to_frame(
        (
            {"year": year, "milestone": milestone, "young_people": value}
            for year, row in result.forecast.items()
            for milestone, value in row.items()
        ),
        columns=["year", "milestone", "young_people"],
    )

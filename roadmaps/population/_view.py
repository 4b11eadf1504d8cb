"""HTML and pandas views of published results, and the HTML pieces the reports are built from.

Notebooks show a population result or a comparison with ``_repr_html_``
(:func:`population_html`, :func:`scenario_html_fragment`,
:func:`run_html_fragment`); the reports (:mod:`roadmaps.population._report`,
:mod:`roadmaps.population._compare_report`) build their pages from the same
pieces: the colours, :func:`escape`, :func:`html_table`,
:func:`delta_chart_svg` and :func:`scenario_sections`.

Only published values are shown (after disclosure control): a hidden count
shows its placeholder and draws no bar. The HTML has inline SVG bars and no
external resources.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._compare import ComparisonRun, ScenarioResult
    from ._disclosure import Published
    from ._tally import PopulationResult

# Colours of the pages (WCAG 2.2 AA: text 4.5:1, bars 3:1 on white; a test checks).
PAGE_BACKGROUND = "#ffffff"
PAGE_TEXT = "#1a1a1a"
PAGE_MUTED = "#4f4f4f"
PAGE_SURFACE = "#f1f3f5"
PAGE_BORDER = "#6e6e6e"
BAR = "#1d4f91"
# Bar colours of the difference chart (3:1 on white). The sign is also printed next to each
# bar, so colour is never the only cue.
MORE = "#a4262c"
FEWER = "#1d4f91"

_BAR_WIDTH = 160  # the bars of the notebook view of a population result


def escape(value: object) -> str:
    """A value as HTML text, quotes included; None is empty.

    >>> escape('<5 "x"'), escape(None), escape(3)
    ('&lt;5 &quot;x&quot;', '', '3')
    """
    return html.escape("" if value is None else str(value), quote=True)


def html_table(
    caption: str, header: Sequence[str], rows: Iterable[Sequence[object]], *, text_columns: int = 1
) -> str:
    """A table whose first column labels the rows and whose first ``text_columns`` are text."""
    out = ['<div class="scroll"><table>', f"<caption>{escape(caption)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col">{escape(h)}</th>' for h in header]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, value in enumerate(row):
            if i == 0:
                out.append(f'<th scope="row">{escape(value)}</th>')
            elif i < text_columns:
                out.append(f"<td>{escape(value)}</td>")
            else:
                out.append(f'<td class="n">{escape(value)}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


# --- a population result -------------------------------------------------------------------


def _bar(value: object, largest: int) -> str:
    if not isinstance(value, int) or value <= 0 or largest <= 0:
        return ""
    width = max(1, round(_BAR_WIDTH * value / largest))
    return (
        f'<svg width="{_BAR_WIDTH}" height="12" aria-hidden="true">'
        f'<rect width="{width}" height="12" fill="{BAR}"></rect></svg>'
    )


def population_html(result: PopulationResult) -> str:
    """A compact HTML view: young people, gaps with shares and bars, and the forecast."""
    gaps = sorted(result.gaps.items())
    largest = max((v for _, v in gaps if isinstance(v, int)), default=0)
    parts = [
        "<div>",
        f"<p>Population as of {escape(result.as_of.isoformat())}: "
        f"<strong>{escape(result.young_people)}</strong> young people. Counts from 1 to "
        f"{result.suppression.settings.threshold - 1} show as "
        f"<code>{escape(result.suppression.settings.placeholder)}</code>.</p>",
        "<table><caption>Young people with each gap</caption><thead><tr>"
        '<th scope="col">gap rule</th><th scope="col">young people</th>'
        '<th scope="col">share</th><th scope="col"></th></tr></thead><tbody>',
    ]
    for rule, value in gaps:
        share = result.gap_shares.get(rule)
        parts.append(
            f'<tr><th scope="row">{escape(rule)}</th><td>{escape(value)}</td>'
            f"<td>{'' if share is None else f'{100 * share:.1f}%'}</td>"
            f"<td>{_bar(value, largest)}</td></tr>"
        )
    parts.append("</tbody></table>")
    years = list(result.forecast)
    milestones = list(result.forecast[years[0]]) if years else []
    parts.append(
        "<table><caption>Young people reaching each milestone, by year</caption><thead><tr>"
        '<th scope="col">year</th>'
        + "".join(f'<th scope="col">{escape(m)}</th>' for m in milestones)
        + "</tr></thead><tbody>"
    )
    for year in years:
        row = result.forecast[year]
        parts.append(
            f'<tr><th scope="row">{escape(year)}</th>'
            + "".join(f"<td>{escape(row[m])}</td>" for m in milestones)
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


# --- a comparison ---------------------------------------------------------------------------


def delta_chart_svg(
    title: str, bars: Sequence[tuple[str, Published]], *, half_span: int = 160
) -> str:
    """A diverging bar chart of differences: more to the right, fewer to the left.

    A hidden difference shows its placeholder and no bar; every bar carries its
    signed number, so the chart reads without colour.

    >>> "<svg" in delta_chart_svg("t", [("a", 3), ("b", -2), ("c", "<5")])
    True
    """
    longest = max((len(label) for label, _ in bars), default=4)
    label_width = min(16 + 7 * min(longest, 60), 440)
    value_width = 56
    width = label_width + 2 * half_span + 2 * value_width
    row_height = 22
    top = 8
    height = top * 2 + row_height * max(1, len(bars))
    axis = label_width + value_width + half_span
    numbers = [abs(v) for _, v in bars if isinstance(v, int)]
    largest = max(numbers, default=0) or 1
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * row_height
        text_y = y + row_height // 2 + 5
        short = label if len(label) <= 60 else label[:59] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y}" text-anchor="end" font-size="13" '
            f'fill="{PAGE_TEXT}">{escape(short)}</text>'
        )
        if isinstance(value, int) and value != 0:
            length = max(1, round(half_span * abs(value) / largest))
            x = axis if value > 0 else axis - length
            colour = MORE if value > 0 else FEWER
            parts.append(
                f'<rect x="{x}" y="{y + 3}" width="{length}" height="{row_height - 6}" '
                f'fill="{colour}"></rect>'
            )
            text_x, anchor = (
                (axis + length + 6, "start") if value > 0 else (axis - length - 6, "end")
            )
            text = f"{value:+d}"
        else:
            text_x, anchor, text = axis + 6, "start", str(value)
        parts.append(
            f'<text x="{text_x}" y="{text_y}" text-anchor="{anchor}" font-size="13" '
            f'fill="{PAGE_TEXT}">{escape(text)}</text>'
        )
    parts.append(
        f'<line x1="{axis}" y1="{top}" x2="{axis}" y2="{height - top}" stroke="{PAGE_BORDER}"></line>'
    )
    parts.append("</svg>")
    return "".join(parts)


def moved_columns(scenario: ScenarioResult) -> list[str]:
    """The move labels in which someone's milestone moves, in the bins' order.

    Every milestone's bins have the same labels in the same order
    (:data:`roadmaps.population._compare.MOVE_LABELS`).
    """
    moves = list(scenario.milestone_moves.values())
    labels = moves[0].bins if moves else {}
    return [label for label in labels if any(m.bins[label] != 0 for m in moves)]


def median_text(value: float | None) -> str:
    """A median move in days with its sign: ``+3``, ``-1.5``; empty when hidden."""
    if value is None:
        return ""
    return f"{value:+.0f}" if value == int(value) else f"{value:+.1f}"


def scenario_sections(scenario: ScenarioResult, baseline: PopulationResult) -> list[str]:
    """One scenario's people changed, gap-change chart and tables, and milestone moves."""
    labels = scenario.labels
    body = [
        f"<p>Young people whose roadmap changes: <strong>{escape(scenario.people_changed)}</strong>"
        f" of {escape(baseline.young_people)}.</p>",
        "<figure>",
        delta_chart_svg(
            "Change in young people with each gap",
            [(labels.get(c.rule, c.rule), c.delta) for c in scenario.gaps.values()],
        ),
        "<figcaption>Change in young people with each gap (after minus before; the table "
        "has the same numbers).</figcaption></figure>",
        html_table(
            "Gaps before and after",
            ["gap", "rule id", "before", "after", "difference", "gained", "lost"],
            (
                [
                    labels.get(c.rule, c.rule),
                    c.rule,
                    c.baseline,
                    c.reform,
                    c.delta,
                    c.gained,
                    c.lost,
                ]
                for c in scenario.gaps.values()
            ),
            text_columns=2,
        ),
    ]
    if scenario.milestone_moves:
        columns = moved_columns(scenario)
        body.append(
            html_table(
                "Milestones that move (days: negative is earlier)",
                ["milestone", "young people", "median days", *columns],
                (
                    [
                        labels.get(e, e),
                        m.total,
                        median_text(m.median_days),
                        *(m.bins[c] for c in columns),
                    ]
                    for e, m in scenario.milestone_moves.items()
                ),
            )
        )
    else:
        body.append("<p>No milestone moves for anyone.</p>")
    return body


def scenario_html_fragment(scenario: ScenarioResult) -> str:
    """A compact HTML view of one scenario's comparison (Jupyter ``_repr_html_``)."""
    return "".join(
        [
            f"<div><h4>{escape(scenario.name)}</h4>",
            *scenario_sections(scenario, scenario.result),
            "</div>",
        ]
    )


def run_html_fragment(run: ComparisonRun) -> str:
    """A compact HTML view of every scenario of a run (Jupyter ``_repr_html_``)."""
    parts = [
        f"<div><p>Comparison as of {escape(run.as_of.isoformat())} ({escape(run.area)} rules), "
        f"{escape(run.baseline.young_people)} young people.</p>",
        html_table(
            "Young people whose roadmap changes, by scenario",
            ["scenario", "young people changed"],
            ([s.name, s.people_changed] for s in run.scenarios),
        ),
    ]
    for scenario in run.scenarios:
        parts.append(f"<h4>{escape(scenario.name)}</h4>")
        parts += scenario_sections(scenario, run.baseline)
    parts.append("</div>")
    return "".join(parts)

"""HTML and pandas views of published results, and what the report pages show.

All the HTML is Jinja2 templates in ``roadmaps/population/templates/``,
rendered by :func:`render` in the environment :func:`roadmaps.render.template_environment`
gives (values escaped as :func:`html.escape` does, ``{% oneline %}`` markup):

- the report pages, ``report.html`` (:mod:`roadmaps.population._report`) and
  ``compare.html`` (:mod:`roadmaps.population._compare_report`), both laid out
  by ``page.html`` with the style ``report.css``;
- the notebook views (``_repr_html_``), ``notebook_population.html``,
  ``notebook_scenario.html`` and ``notebook_comparison.html``
  (:func:`population_html`, :func:`scenario_html_fragment`,
  :func:`run_html_fragment`);
- the parts they share, in ``macros.html``: a table, a bar chart, and one
  scenario's sections.

Python works out what they show: the rows of a :class:`Table`, the geometry
of a :class:`Chart` (:func:`bar_chart`, :func:`delta_chart`), one scenario's
:class:`ScenarioView`.

Only published values are shown (after disclosure control): a hidden count
shows its placeholder and draws no bar. The HTML has inline SVG bars and no
external resources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from roadmaps.render import template_environment

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
_LABEL_CHARS = 60  # longest chart label before it is shortened (the table has the full text)
_ROW_HEIGHT = 22  # of a chart
_TOP = 8  # margin above and below a chart's bars


# --- rendering -----------------------------------------------------------------------------


def render(name: str, /, **context: Any) -> str:
    """Render the template ``name`` of ``roadmaps/population/templates/`` with ``context``."""
    return template_environment("roadmaps.population").get_template(name).render(context)


def render_page(name: str, /, *, title: str, nonce: str | None, **context: Any) -> str:
    """Render a report page (a template that extends ``page.html``) with the page's colours.

    ``nonce`` is a Content-Security-Policy nonce for the page's ``<style>``
    (a web app serving the page gives it; None leaves the tag bare).
    """
    colours = {
        "background": PAGE_BACKGROUND,
        "text": PAGE_TEXT,
        "muted": PAGE_MUTED,
        "surface": PAGE_SURFACE,
        "border": PAGE_BORDER,
    }
    return render(name, title=title, nonce=nonce, colours=colours, **context)


# --- tables and charts ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """A table, as the ``table`` macro writes it.

    Its first column labels the rows; the first ``text_columns`` are text, the
    others numbers (right-aligned).
    """

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    text_columns: int


def make_table(
    caption: str, header: Sequence[str], rows: Iterable[Sequence[object]], *, text_columns: int = 1
) -> Table:
    """A table for the ``table`` macro; an empty cell is None or ``""``.

    >>> make_table("t", ["a", "b"], [["x", None]]).rows
    (('x', ''),)
    """
    cells = tuple(tuple("" if value is None else value for value in row) for row in rows)
    return Table(caption, tuple(header), cells, text_columns)


@dataclass(frozen=True, slots=True)
class ChartBar:
    """A row of a chart: its label, its bar (none when ``length`` is 0) and its number.

    ``anchor`` is the number's ``text-anchor`` (None: the default, after the bar).
    """

    label: str
    y: int
    text_y: int
    x: int
    length: int
    colour: str
    value_x: int
    anchor: str | None
    value: object


@dataclass(frozen=True, slots=True)
class Chart:
    """A horizontal bar chart as the ``chart`` macro draws it in SVG."""

    title: str
    width: int
    height: int
    label_x: int
    axis: int
    top: int
    bottom: int
    bar_height: int
    bars: tuple[ChartBar, ...]
    text_colour: str = PAGE_TEXT
    border_colour: str = PAGE_BORDER


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def _label_width(bars: Sequence[tuple[str, Published]]) -> int:
    longest = max((len(label) for label, _ in bars), default=4)
    return min(16 + 7 * min(longest, _LABEL_CHARS), 440)


def bar_chart(title: str, bars: Sequence[tuple[str, Published]], *, bar_span: int = 300) -> Chart:
    """A horizontal bar chart; a hidden count shows its placeholder and no bar.

    >>> chart = bar_chart("t", [("a", 3), ("b", "<5")])
    >>> [(bar.length, bar.value) for bar in chart.bars]
    [(300, 3), (0, '<5')]
    """
    label_width = _label_width(bars)
    height = _TOP * 2 + _ROW_HEIGHT * max(1, len(bars))
    numbers = [v for _, v in bars if isinstance(v, int)]
    largest = max(numbers, default=0) or 1
    rows = []
    for i, (label, value) in enumerate(bars):
        y = _TOP + i * _ROW_HEIGHT
        length = 0
        if isinstance(value, int) and value > 0:
            length = max(1, round(bar_span * value / largest))
        rows.append(
            ChartBar(
                label=_short(label),
                y=y + 3,
                text_y=y + _ROW_HEIGHT // 2 + 5,
                x=label_width,
                length=length,
                colour=BAR,
                value_x=label_width + length + 6,
                anchor=None,
                value=value,
            )
        )
    return Chart(
        title=title,
        width=label_width + bar_span + 48,
        height=height,
        label_x=label_width - 8,
        axis=label_width,
        top=_TOP,
        bottom=height - _TOP,
        bar_height=_ROW_HEIGHT - 6,
        bars=tuple(rows),
    )


# --- a population result -------------------------------------------------------------------


def population_html(result: PopulationResult) -> str:
    """A compact HTML view: young people, gaps with shares and bars, and the forecast."""
    gaps = sorted(result.gaps.items())
    largest = max((v for _, v in gaps if isinstance(v, int)), default=0)
    rows = []
    for rule, value in gaps:
        share = result.gap_shares.get(rule)
        width = 0
        if isinstance(value, int) and value > 0 and largest > 0:
            width = max(1, round(_BAR_WIDTH * value / largest))
        rows.append(
            {
                "rule": rule,
                "value": value,
                "share": "" if share is None else f"{100 * share:.1f}%",
                "width": width,
            }
        )
    years = list(result.forecast)
    milestones = list(result.forecast[years[0]]) if years else []
    return render(
        "notebook_population.html",
        as_of=result.as_of.isoformat(),
        young_people=result.young_people,
        threshold=result.suppression.settings.threshold,
        placeholder=result.suppression.settings.placeholder,
        gaps=rows,
        bar_width=_BAR_WIDTH,
        bar_colour=BAR,
        milestones=milestones,
        forecast=[(year, [result.forecast[year][m] for m in milestones]) for year in years],
    )


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


def delta_chart(
    title: str, bars: Sequence[tuple[str, Published]], *, half_span: int = 160
) -> Chart:
    """A diverging bar chart of differences: more to the right, fewer to the left.

    A hidden difference shows its placeholder and no bar; every bar carries its
    signed number, so the chart reads without colour.

    >>> chart = delta_chart("t", [("a", 3), ("b", -2), ("c", "<5")])
    >>> [(bar.length, bar.value, bar.anchor) for bar in chart.bars]
    [(160, '+3', 'start'), (107, '-2', 'end'), (0, '<5', 'start')]
    """
    label_width = _label_width(bars)
    value_width = 56
    height = _TOP * 2 + _ROW_HEIGHT * max(1, len(bars))
    axis = label_width + value_width + half_span
    numbers = [abs(v) for _, v in bars if isinstance(v, int)]
    largest = max(numbers, default=0) or 1
    rows = []
    for i, (label, value) in enumerate(bars):
        y = _TOP + i * _ROW_HEIGHT
        length, x, colour = 0, axis, MORE
        text_x, anchor, text = axis + 6, "start", str(value)
        if isinstance(value, int) and value != 0:
            length = max(1, round(half_span * abs(value) / largest))
            x, colour = (axis, MORE) if value > 0 else (axis - length, FEWER)
            text_x, anchor = (
                (axis + length + 6, "start") if value > 0 else (axis - length - 6, "end")
            )
            text = f"{value:+d}"
        rows.append(
            ChartBar(
                label=_short(label),
                y=y + 3,
                text_y=y + _ROW_HEIGHT // 2 + 5,
                x=x,
                length=length,
                colour=colour,
                value_x=text_x,
                anchor=anchor,
                value=text,
            )
        )
    return Chart(
        title=title,
        width=label_width + 2 * half_span + 2 * value_width,
        height=height,
        label_x=label_width - 8,
        axis=axis,
        top=_TOP,
        bottom=height - _TOP,
        bar_height=_ROW_HEIGHT - 6,
        bars=tuple(rows),
    )


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


@dataclass(frozen=True, slots=True)
class ScenarioView:
    """What the ``scenario_sections`` macro shows of one scenario.

    The young people whose roadmap changes, the gap changes as a chart and a
    table, and the milestones that move (None: none move).
    """

    name: str
    people_changed: Published
    young_people: Published
    chart: Chart
    gaps: Table
    moves: Table | None


def scenario_view(scenario: ScenarioResult, baseline: PopulationResult) -> ScenarioView:
    """One scenario's people changed, gap-change chart and table, and milestone moves."""
    labels = scenario.labels
    moves = None
    if scenario.milestone_moves:
        columns = moved_columns(scenario)
        moves = make_table(
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
    return ScenarioView(
        name=scenario.name,
        people_changed=scenario.people_changed,
        young_people=baseline.young_people,
        chart=delta_chart(
            "Change in young people with each gap",
            [(labels.get(c.rule, c.rule), c.delta) for c in scenario.gaps.values()],
        ),
        gaps=make_table(
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
        moves=moves,
    )


def scenario_html_fragment(scenario: ScenarioResult) -> str:
    """A compact HTML view of one scenario's comparison (Jupyter ``_repr_html_``)."""
    return render("notebook_scenario.html", scenario=scenario_view(scenario, scenario.result))


def run_html_fragment(run: ComparisonRun) -> str:
    """A compact HTML view of every scenario of a run (Jupyter ``_repr_html_``)."""
    return render(
        "notebook_comparison.html",
        as_of=run.as_of.isoformat(),
        area=run.area,
        young_people=run.baseline.young_people,
        changed=make_table(
            "Young people whose roadmap changes, by scenario",
            ["scenario", "young people changed"],
            ([s.name, s.people_changed] for s in run.scenarios),
        ),
        scenarios=[scenario_view(scenario, run.baseline) for scenario in run.scenarios],
    )

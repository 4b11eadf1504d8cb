"""The outputs of a population run: summary.json, tidy CSV tables, rejected.csv and a report.

A run (:func:`roadmaps.population._run.run_population_files`) writes nothing:
:func:`write_population_report` writes the outputs of its result afterwards,
and :func:`check_out_dir` checks the folder before a long run. Everything goes
into one output folder:

``summary.json``
    the machine-readable totals: ``as_of``, ``rows_in``, ``rows_processed``,
    ``rows_rejected``, ``gaps`` (rule id -> young people), ``not_recorded``
    (rule id -> young people for whom the rule cannot be checked because their
    source never records the events it needs), ``forecast``
    (year -> milestone id -> young people), ``suppression`` (threshold,
    method, placeholder, what was hidden, and ``rounding`` when counts are
    rounded) and more.
``tables/*.csv``
    one tidy (long-format) CSV per table, with ``all`` for a total row or column.
``rejected.csv``
    every rejected row: ``file,line,reason`` (no values from the row).
``report.md`` and ``report.html``
    the same tables for people, in Markdown and as one self-contained page
    (inline style and inline SVG charts; nothing is fetched). The page is the
    Jinja2 template ``roadmaps/population/templates/report.html``.
``import-report.json`` and ``import-report.md``
    for a run straight from a statutory return (:func:`~roadmaps.population.run_imported`):
    what the import read, kept and rejected (files, lines and reasons only),
    and from the SEN2 return the share of new EHC plans issued within 20 weeks
    and how many young people were linked, through disclosure control.

Every count in ``summary.json``, the tables and the report has been through
disclosure control (:mod:`roadmaps.population._disclosure`); none of them holds an id, a
date of birth or any other field of one record. The row counts (``rows_in``
and so on) are exact: they count rows of the input files, and prove that no
row was lost.

The outputs replace the folder as a group: they are written into a fresh
folder beside it, which is then swapped in whole, so a failure, a stop or a
kill while writing leaves the folder all old or all new, never a mix
(:mod:`roadmaps.population._files`). The folder then holds exactly these
files; one holding anything else is refused. The same input gives
byte-identical files (sorted keys, fixed order, no timestamps).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathways import InputError

from ._disclosure import DisclosureSettings, Published, suppress_count
from ._files import check_output_folder, replace_folder, stop_on_signals
from ._import_common import REPORT_JSON as IMPORT_REPORT_JSON
from ._import_common import REPORT_MD as IMPORT_REPORT_MD
from ._input import Accounting, write_rejected_csv
from ._run import PopulationRun, rule_labels
from ._tally import (
    ALL,
    FORECAST_MILESTONES,
    PopulationResult,
    PublishedTable,
)
from ._view import Chart, Table, bar_chart, make_table, render_page

SUMMARY_FILE = "summary.json"
REJECTED_FILE = "rejected.csv"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
TABLES_DIR = "tables"

_SHARE_DIGITS = 4


# --- summary.json -------------------------------------------------------------------------


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, _SHARE_DIGITS)


def rejected_by_reason(
    accounting: Accounting, settings: DisclosureSettings
) -> dict[str, Published]:
    """Rejected rows by reason, most frequent first, with small counts shown as ``<5``.

    The exact list is ``rejected.csv``; the report and ``summary.json`` keep to
    the rule that no published count is from 1 to 4.
    """
    counts = accounting.rejections.counts_by_reason()
    return {reason: suppress_count(n, settings) for reason, n in counts.items()}


def expected_eligible_dict(result: PopulationResult) -> dict[str, Any] | None:
    """Year -> expected, low and high eligible for adult social care (None without routes)."""
    if result.expected_eligible is None:
        return None
    return {
        year: {"expected": e.expected, "low": e.low, "high": e.high}
        for year, e in result.expected_eligible.items()
    }


def rounding_dict(settings: DisclosureSettings) -> dict[str, str]:
    """``{"rounding": "base5"}`` when counts are rounded; nothing when they are not."""
    return {} if settings.rounding == "none" else {"rounding": settings.rounding}


def rounding_text(settings: DisclosureSettings) -> str:
    """The sentence that says how counts are rounded ("" when they are not)."""
    base = settings.rounding_base
    if base == 1:
        return ""
    return (
        f" Every count that is shown is rounded to the nearest multiple of {base}, on its own, "
        "so totals may not equal the sum of their parts."
    )


def summary_dict(result: PopulationResult, accounting: Accounting, area: str) -> dict[str, Any]:
    """The content of ``summary.json`` (see the module docstring for the keys)."""
    suppression = result.suppression
    return {
        "as_of": result.as_of.isoformat(),
        "area": area,
        **accounting.as_dict(),
        "rows_in_by_file": dict(sorted(accounting.rows_in_by_file.items())),
        "rows_rejected_by_reason": rejected_by_reason(accounting, suppression.settings),
        "young_people": result.young_people,
        "gaps": dict(sorted(result.gaps.items())),
        "gap_shares": {rule: _share(v) for rule, v in sorted(result.gap_shares.items())},
        "not_recorded": dict(sorted(result.not_recorded.items())),
        "forecast": result.forecast,
        "expected_eligible_for_adult_social_care": expected_eligible_dict(result),
        "suppression": {
            "threshold": suppression.settings.threshold,
            "method": suppression.settings.method,
            "placeholder": suppression.settings.placeholder,
            "values_published": suppression.values,
            "hidden_small": suppression.primary,
            "hidden_secondary": suppression.secondary,
            **rounding_dict(suppression.settings),
        },
        "tables": [f"{TABLES_DIR}/{name}.csv" for name in result.tables]
        + [f"{TABLES_DIR}/gaps.csv", f"{TABLES_DIR}/forecast.csv"],
        "notes": list(result.notes),
    }


def summary_json(result: PopulationResult, accounting: Accounting, area: str) -> str:
    """``summary.json`` as text: sorted keys, two-space indent, a final newline."""
    return json.dumps(summary_dict(result, accounting, area), indent=2, sort_keys=True) + "\n"


# --- tidy tables --------------------------------------------------------------------------


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def _format_share(value: float | None) -> str:
    return "" if value is None else f"{value:.{_SHARE_DIGITS}f}"


def table_csv(table: PublishedTable, as_of: str) -> str:
    """One table in long format: ``as_of, <row>, <column>, count[, share]``, totals as ``all``."""
    t = table
    header = ["as_of", table.row_dimension, table.column_dimension, "count"]
    if table.shares is not None:
        header.append("share_of_young_people")

    def line(row: str, column: str, value: Published, share: float | None) -> list[object]:
        cells: list[object] = [as_of, row, column, value]
        if table.shares is not None:
            cells.append(_format_share(share))
        return cells

    rows: list[list[object]] = []
    for r in t.rows:
        shares = table.shares.get(r, {}) if table.shares else {}
        for c in t.columns:
            rows.append(line(r, c, t.cells[r][c], shares.get(c)))
        rows.append(line(r, ALL, t.row_totals[r], shares.get(ALL)))
    if t.column_totals is not None and t.grand_total is not None:
        for c in t.columns:
            rows.append(line(ALL, c, t.column_totals[c], None))
        rows.append(line(ALL, ALL, t.grand_total, None))
    return _csv_text(header, rows)


def headline_tables(result: PopulationResult) -> dict[str, str]:
    """``gaps.csv`` (rule, young people, share) and ``forecast.csv`` (milestone, year, count)."""
    as_of = result.as_of.isoformat()
    gaps = _csv_text(
        ["as_of", "gap_rule", "young_people", "share_of_young_people"],
        (
            [as_of, rule, n, _format_share(result.gap_shares[rule])]
            for rule, n in sorted(result.gaps.items())
        ),
    )
    forecast = _csv_text(
        ["as_of", "milestone", "year", "young_people"],
        (
            [as_of, milestone, year, result.forecast[year][milestone]]
            for milestone in FORECAST_MILESTONES
            for year in result.forecast
        ),
    )
    return {"gaps": gaps, "forecast": forecast}


# --- Markdown -----------------------------------------------------------------------------


def _md_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|")


def _md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    return lines


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _wide(
    table: PublishedTable, label: Callable[[str], str]
) -> tuple[list[str], list[list[object]]]:
    t = table
    header = [t.row_dimension.replace("_", " "), *t.columns, "total"]
    rows: list[list[object]] = [
        [label(r), *(t.cells[r][c] for c in t.columns), t.row_totals[r]] for r in t.rows
    ]
    if t.column_totals is not None:
        rows.append(["total", *(t.column_totals[c] for c in t.columns), t.grand_total])
    return header, rows


_EXPECTED_BLURB = (
    "For the young people whose adult care and health decisions fall due in each year, the "
    "sum of their route probabilities of being found eligible for adult social care, with a "
    "95% interval. Most of those probabilities are expert estimates: this is a planning "
    "figure for the group, not a prediction for any one young person."
)

_NOT_RECORDED_BLURB = (
    "Young people for whom a duty cannot be checked because the source of their record "
    "never collects the events that complete it (for example the SSDA903 return holds no "
    "pathway plans). They are not counted as gaps above: the data cannot say either way."
)
_NOTHING_UNRECORDED = "None: the input records every event the gap rules need."

_SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "gaps-by-cohort-overlap",
        "Gaps by cohort overlap",
        "Young people with each gap, by the cohorts they belong to (for example "
        "care-leavers+send: a care leaver with an EHC plan).",
    ),
    (
        "gaps-by-age-band",
        "Gaps by age band",
        "Young people with each gap, by their age on the as-of date.",
    ),
    ("gaps-by-area", "Gaps by area", "Young people with each gap, by area."),
    (
        "gaps-by-days-overdue",
        "How long gaps have been open",
        "Young people with each gap, by the number of days since the duty fell due "
        "(no-due-date: a missing step with no single due date).",
    ),
    (
        "gaps-by-as-of-year",
        "Gaps by as-of year",
        "Young people with each gap, by the year of the as-of date (one column for one run).",
    ),
    (
        "milestone-status",
        "Where young people are on their roadmaps",
        "Young people whose roadmap has each entry, by its status on the as-of date.",
    ),
    (
        "people-by-cohort-overlap-and-area",
        "Young people by cohort overlap",
        "Everyone counted, by the cohorts they belong to and area.",
    ),
    (
        "people-by-age-band-and-area",
        "Young people by age band",
        "Everyone counted, by age on the as-of date and area.",
    ),
)


def report_markdown(
    result: PopulationResult, accounting: Accounting, area: str, labels: Mapping[str, str]
) -> str:
    """The readable report in Markdown."""
    placeholder = result.suppression.settings.placeholder
    threshold = result.suppression.settings.threshold
    lines = [
        "# Transition pathways: population report",
        "",
        f"As of **{result.as_of.isoformat()}**. Rules: **{area}** "
        "(and each young person's own area, where the rule data has one).",
        "",
        f"- Young people counted: **{result.young_people}**",
        f"- Rows read: {accounting.rows_in} = {accounting.rows_processed} processed + "
        f"{accounting.rows_rejected} rejected (listed in `{REJECTED_FILE}`)",
        "",
        f"Counts from 1 to {threshold - 1} are shown as `{placeholder}`, and some larger "
        f"counts too, so that no hidden count can be worked out from a total.{rounding_text(result.suppression.settings)} "
        "Shares are worked out only from counts that are shown. See docs/disclosure-control.md.",
        "",
        "## Gaps",
        "",
        "Young people with each gap, and their share of everyone counted. "
        "A young person can have more than one gap.",
        "",
    ]
    lines += _md_table(
        ["gap", "rule id", "young people", "share"],
        (
            [labels.get(rule, rule), rule, n, _percent(result.gap_shares[rule])]
            for rule, n in sorted(result.gaps.items())
        ),
    )
    lines += _not_recorded_markdown(result, labels)
    lines += [
        "",
        "## Forecast",
        "",
        "Young people reaching each milestone in each of the next ten calendar years, "
        "from the dates on their roadmaps as known today (no one moving in or out).",
        "",
    ]
    lines += _md_table(
        ["year", *FORECAST_MILESTONES],
        ([year, *(row[m] for m in FORECAST_MILESTONES)] for year, row in result.forecast.items()),
    )
    lines.append("")
    if result.expected_eligible is not None:
        lines += ["### Expected number eligible for adult social care", "", _EXPECTED_BLURB, ""]
        lines += _md_table(
            ["year", "expected", "95% interval"],
            (
                [year, e.expected, f"{e.low} to {e.high}"]
                for year, e in result.expected_eligible.items()
            ),
        )
        lines.append("")
    for name, title, blurb in _SECTIONS:
        table = result.tables[name]
        lines += [f"## {title}", "", blurb, ""]
        header, rows = _wide(table, lambda r: labels.get(r, r))
        lines += _md_table(header, rows)
        lines.append("")
    reasons = rejected_by_reason(accounting, result.suppression.settings)
    lines += ["## Rejected rows", ""]
    if reasons:
        lines += [
            f"Every rejected row is listed in `{REJECTED_FILE}` with its file and line "
            "(the counts here follow disclosure control; the list is exact).",
            "",
        ]
        lines += _md_table(["reason", "rows"], ([r, n] for r, n in reasons.items()))
    else:
        lines.append("No row was rejected.")
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in result.notes]
    lines.append("")
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _TableSection:
    """A section of the page for one table of :data:`_SECTIONS` (and its chart, if any)."""

    title: str
    blurb: str
    chart: Chart | None
    table: Table


def report_html(
    result: PopulationResult,
    accounting: Accounting,
    area: str,
    labels: Mapping[str, str],
    *,
    nonce: str | None = None,
) -> str:
    """The readable report as one self-contained HTML page (no external resources).

    The page is the template ``report.html`` (``roadmaps/population/templates/``).

    Args:
        result: the published totals of the run.
        accounting: the run's row accounting.
        area: the rules of the run.
        labels: plain-English titles of the gap rules and milestones, by id.
        nonce: a Content-Security-Policy nonce for the page's ``<style>``, when
            a web app serves the page (default: none).
    """
    settings = result.suppression.settings
    gap_rows = sorted(result.gaps.items())
    reasons = rejected_by_reason(accounting, settings)
    return render_page(
        "report.html",
        title=f"Population report as of {result.as_of.isoformat()}",
        nonce=nonce,
        as_of=result.as_of.isoformat(),
        area=area,
        young_people=result.young_people,
        accounting=accounting,
        rejected_file=REJECTED_FILE,
        threshold=settings.threshold,
        placeholder=settings.placeholder,
        rounding_note=rounding_text(settings),
        gaps_chart=bar_chart(
            "Young people with each gap", [(labels.get(r, r), n) for r, n in gap_rows]
        ),
        gaps_table=make_table(
            "Young people with each gap",
            ["gap", "rule id", "young people", "share"],
            ([labels.get(r, r), r, n, _percent(result.gap_shares[r])] for r, n in gap_rows),
            text_columns=2,
        ),
        not_recorded_blurb=_NOT_RECORDED_BLURB,
        nothing_unrecorded=_NOTHING_UNRECORDED,
        not_recorded_table=make_table(
            "Young people for whom each duty cannot be checked",
            ["duty that cannot be checked", "rule id", "young people"],
            ([labels.get(r, r), r, n] for r, n in rows),
            text_columns=2,
        )
        if (rows := _not_recorded_rows(result))
        else None,
        **_forecast_view(result, labels),
        sections=_table_sections(result, labels),
        rejected_table=make_table("Rejected rows by reason", ["reason", "rows"], reasons.items())
        if reasons
        else None,
        notes=result.notes,
    )


def _not_recorded_markdown(result: PopulationResult, labels: Mapping[str, str]) -> list[str]:
    """The not-recorded section in Markdown (from its heading to its table)."""
    lines = ["", "## Not recorded", "", _NOT_RECORDED_BLURB, ""]
    rows = _not_recorded_rows(result)
    if not rows:
        return [*lines, _NOTHING_UNRECORDED]
    return lines + _md_table(
        ["duty that cannot be checked", "rule id", "young people"],
        ([labels.get(rule, rule), rule, n] for rule, n in rows),
    )


def _not_recorded_rows(result: PopulationResult) -> list[tuple[str, Published]]:
    """(rule, young people) for the rules that are not recorded for anyone (hidden counts too)."""
    return [(rule, n) for rule, n in sorted(result.not_recorded.items()) if n != 0]


def _forecast_view(result: PopulationResult, labels: Mapping[str, str]) -> dict[str, Any]:
    """The forecast section: a chart per milestone and the table.

    With route probabilities, the expected number eligible for adult social
    care follows.
    """
    charts = []
    for milestone in FORECAST_MILESTONES:
        bars = [(year, row[milestone]) for year, row in result.forecast.items()]
        title = f"{labels.get(milestone, milestone)} ({milestone}) by year"
        charts.append(bar_chart(title, bars, bar_span=200))
    expected = None
    if result.expected_eligible is not None:
        expected = make_table(
            "Expected number eligible for adult social care",
            ["year", "expected", "95% interval"],
            (
                [year, e.expected, f"{e.low} to {e.high}"]
                for year, e in result.expected_eligible.items()
            ),
        )
    return {
        "forecast_charts": charts,
        "forecast_table": make_table(
            "Young people reaching each milestone, by year",
            ["year", *FORECAST_MILESTONES],
            (
                [year, *(row[m] for m in FORECAST_MILESTONES)]
                for year, row in result.forecast.items()
            ),
        ),
        "expected_blurb": _EXPECTED_BLURB,
        "expected_table": expected,
    }


def _table_sections(result: PopulationResult, labels: Mapping[str, str]) -> list[_TableSection]:
    """One section per table of :data:`_SECTIONS` (with a chart of the cohort overlaps)."""
    sections = []
    for name, title, blurb in _SECTIONS:
        table = result.tables[name]
        header, rows = _wide(table, lambda r: labels.get(r, r))
        chart = None
        if name == "people-by-cohort-overlap-and-area":
            chart = bar_chart(
                "Young people by cohort overlap", [(r, table.row_totals[r]) for r in table.rows]
            )
        sections.append(_TableSection(title, blurb, chart, make_table(title, header, rows)))
    return sections


# --- writing ------------------------------------------------------------------------------


OUTPUT_NAMES = frozenset(
    {SUMMARY_FILE, REPORT_MD, REPORT_HTML, REJECTED_FILE, TABLES_DIR,
     # what a comparison writes (roadmaps.population._compare_report)
     "compare.json", "compare.md", "compare.html", "local-only"}
)  # fmt: skip
"""The names a population run or a comparison writes at the top of its output folder."""


def check_out_dir(out_dir: str | Path) -> Path:
    """Check, without creating anything, that the output folder can be made and written.

    The outputs replace the whole folder (:func:`write_files_atomically`), so
    it must be new, empty, or hold earlier outputs only, and the folder it is
    in must be writable.

    Raises:
        InputError: it is a file, holds other files, or it (or the folder it
            would be made in) cannot be written.
    """
    path = Path(out_dir)
    check_output_folder(path.resolve() if path.is_symlink() else path, OUTPUT_NAMES)
    existing = path.absolute().parent
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise InputError("the output folder cannot be made here", file=str(path))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError("the output folder cannot be written", file=str(path))
    return path


def prepare_out_dir(out_dir: str | Path) -> Path:
    """Check the output folder (:func:`check_out_dir`); the outputs make it when they are written.

    Raises:
        InputError: it is a file, holds other files, or cannot be written.
    """
    return check_out_dir(out_dir)


def write_population_report(run: PopulationRun, out_dir: str | Path) -> tuple[Path, ...]:
    """Write every output of a run into ``out_dir``, atomically; return the paths written.

    Raises:
        InputError: the folder cannot be written (nothing is left half-written).
    """
    out = prepare_out_dir(out_dir)
    result, accounting = run.result, run.accounting
    area = run.area
    labels = rule_labels(area)
    as_of = result.as_of.isoformat()
    texts: dict[str, str] = {SUMMARY_FILE: summary_json(result, accounting, area)}
    for name, table in result.tables.items():
        texts[f"{TABLES_DIR}/{name}.csv"] = table_csv(table, as_of)
    for name, text in headline_tables(result).items():
        texts[f"{TABLES_DIR}/{name}.csv"] = text
    texts[REPORT_MD] = report_markdown(result, accounting, area, labels)
    texts[REPORT_HTML] = report_html(result, accounting, area, labels)
    if run.import_report is not None:
        # Published beside the population report: its counts of young people (the SEN2 measure,
        # the linking counts) go through the same disclosure control as the report's.
        controlled = result.suppression.settings
        texts[IMPORT_REPORT_JSON] = run.import_report.to_json(controlled)
        texts[IMPORT_REPORT_MD] = run.import_report.to_markdown(controlled)

    def rejected(path: Path) -> None:
        written = write_rejected_csv(path, accounting.rejections)
        if written != accounting.rows_rejected:  # pragma: no cover - a bug, not a user error
            raise RuntimeError("rejected.csv does not match rows_rejected")

    return write_files_atomically(out, texts, [(REJECTED_FILE, rejected)])


#: The folder of outputs that name young people (by id): made readable by its owner only.
LOCAL_DIR = "local-only"


@stop_on_signals()
def write_files_atomically(
    out: Path, texts: Mapping[str, str], writers: Iterable[tuple[str, Callable[[Path], None]]] = ()
) -> tuple[Path, ...]:
    """Write each text (relative path -> text) and run each ``(relative path, writer)``
    into a fresh folder beside ``out``, then swap that folder in whole.

    ``out`` then holds exactly these files. A failure, SIGTERM or a kill while
    writing leaves ``out`` as it was: all old or all new, never a mix
    (:func:`roadmaps.population._files.replace_folder`).

    Returns:
        the paths written, sorted.

    Raises:
        InputError: a file cannot be written, or ``out`` holds other files;
            nothing is changed.
    """
    writers = list(writers)
    relatives = [*texts, *(relative for relative, _ in writers)]

    def build(folder: Path) -> None:
        for relative, text in texts.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            private = Path(relative).parts[0] == LOCAL_DIR
            if private:  # lists young people by id: for the owner's eyes only
                target.parent.chmod(0o700)
            mode = 0o600 if private else 0o666  # 0o666: the umask decides, as open() does
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with open(descriptor, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        for relative, writer in writers:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            writer(target)

    replace_folder(Path(out), build, OUTPUT_NAMES)
    return tuple(sorted(Path(out) / relative for relative in relatives))

"""The outputs of a population comparison: compare.json, tidy tables and a readable report.

Everything goes into one output folder:

``compare.json``
    the machine-readable comparison. Keys: ``reforms`` (names, in order),
    ``baseline`` and ``reform`` (each with ``young_people``, ``gaps``,
    ``gap_shares``, ``forecast`` and ``expected_eligible_for_adult_social_care``),
    ``delta`` (``gaps``, ``forecast`` and ``expected_eligible_for_adult_social_care``:
    reform minus baseline), ``gained`` and ``lost`` (``gaps``: young people who
    gain or lose each rule), ``people_changed``, ``milestone_moves`` (per
    milestone: ``young_people``, ``median_days`` and ``moves`` by bin),
    ``graph_diff`` (per area: nodes, edges, parameters and gap rules added,
    removed or changed), the row accounting and ``suppression``.
``tables/gap-changes.csv``, ``tables/milestone-moves.csv``, ``tables/forecast-changes.csv``
    the same figures as tidy CSV.
``compare.md`` and ``compare.html``
    the report for people (the page is self-contained: inline style and SVG;
    it is the Jinja2 template ``roadmaps/population/templates/compare.html``).
``rejected.csv``
    every rejected row (``file,line,reason``), as in a population run.
``local-only/people-changed.csv``
    the young people whose roadmap changes, by id, with the gaps they gain or
    lose and the milestones that move: for the analyst's own checks, **not for
    publication** (it is the only file with identifiers; leave it out with
    ``--no-people-list``).

Every count outside ``local-only/`` has been through disclosure control.
The files replace the folder as a group (all old or all new, never a mix; see
``roadmaps.population._report``) and the same input gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._compare import ComparisonRun, ScenarioResult
from ._disclosure import DisclosureSettings
from ._input import write_rejected_csv
from ._report import (
    LOCAL_DIR,
    REJECTED_FILE,
    TABLES_DIR,
    _csv_text,
    _md_table,
    _share,
    expected_eligible_dict,
    prepare_out_dir,
    rejected_by_reason,
    rounding_dict,
    rounding_text,
    write_files_atomically,
)
from ._tally import FORECAST_MILESTONES, PopulationResult
from ._view import make_table, median_text, moved_columns, render_page, scenario_view

COMPARE_JSON = "compare.json"
COMPARE_MD = "compare.md"
COMPARE_HTML = "compare.html"
PEOPLE_CHANGED = f"{LOCAL_DIR}/people-changed.csv"


# --- compare.json -------------------------------------------------------------------------


def _side(result: PopulationResult) -> dict[str, Any]:
    return {
        "young_people": result.young_people,
        "gaps": dict(sorted(result.gaps.items())),
        "gap_shares": {rule: _share(v) for rule, v in sorted(result.gap_shares.items())},
        "forecast": result.forecast,
        "expected_eligible_for_adult_social_care": expected_eligible_dict(result),
    }


def compare_dict(run: ComparisonRun) -> dict[str, Any]:
    """The content of ``compare.json`` for a run with one scenario."""
    scenario = _single(run)
    settings = run.settings
    out: dict[str, Any] = {
        "as_of": run.as_of.isoformat(),
        "area": run.area,
        "scenario": scenario.name,
        "reforms": list(scenario.reforms),
        "descriptions": list(scenario.descriptions),
        "baseline": _side(run.baseline),
        "reform": _side(scenario.result),
        "delta": {
            "gaps": {rule: c.delta for rule, c in sorted(scenario.gaps.items())},
            "forecast": scenario.forecast_delta,
            "expected_eligible_for_adult_social_care": scenario.expected_eligible_delta,
        },
        "gained": {"gaps": {rule: c.gained for rule, c in sorted(scenario.gaps.items())}},
        "lost": {"gaps": {rule: c.lost for rule, c in sorted(scenario.gaps.items())}},
        "people_changed": scenario.people_changed,
        "milestone_moves": {
            entry_id: {"young_people": m.total, "median_days": m.median_days, "moves": m.bins}
            for entry_id, m in scenario.milestone_moves.items()
        },
        "graph_diff": scenario.graph_diff,
        "suppression": {
            "threshold": settings.threshold,
            "method": settings.method,
            "placeholder": settings.placeholder,
            **rounding_dict(settings),
        },
        "notes": list(run.baseline.notes),
    }
    if run.accounting is not None:
        accounting = run.accounting
        out.update(accounting.as_dict())
        out["rows_in_by_file"] = dict(sorted(accounting.rows_in_by_file.items()))
        out["rows_rejected_by_reason"] = rejected_by_reason(accounting, settings)
    return out


def compare_json(run: ComparisonRun) -> str:
    """``compare.json`` as text: sorted keys, two-space indent, a final newline."""
    return json.dumps(compare_dict(run), indent=2, sort_keys=True) + "\n"


def _single(run: ComparisonRun) -> ScenarioResult:
    if len(run.scenarios) != 1:
        raise ValueError(
            f"a comparison report covers one scenario (this run has {len(run.scenarios)}): "
            "use run.only(index)"
        )
    return run.scenarios[0]


# --- tidy tables --------------------------------------------------------------------------


def comparison_tables(run: ComparisonRun) -> dict[str, str]:
    """``gap-changes``, ``milestone-moves`` and ``forecast-changes`` as CSV text."""
    scenario = _single(run)
    as_of = run.as_of.isoformat()
    gaps = _csv_text(
        ["as_of", "gap_rule", "baseline", "reform", "delta", "gained", "lost"],
        (
            [as_of, c.rule, c.baseline, c.reform, c.delta, c.gained, c.lost]
            for c in scenario.gaps.values()
        ),
    )
    moves = _csv_text(
        ["as_of", "milestone", "move", "young_people"],
        (
            [as_of, entry_id, label, value]
            for entry_id, m in scenario.milestone_moves.items()
            for label, value in (*m.bins.items(), ("all", m.total))
        ),
    )
    forecast = _csv_text(
        ["as_of", "milestone", "year", "baseline", "reform", "delta"],
        (
            [
                as_of,
                milestone,
                year,
                run.baseline.forecast[year][milestone],
                scenario.result.forecast[year][milestone],
                scenario.forecast_delta[year][milestone],
            ]
            for milestone in FORECAST_MILESTONES
            for year in scenario.forecast_delta
        ),
    )
    return {"gap-changes": gaps, "milestone-moves": moves, "forecast-changes": forecast}


def people_changed_csv(run: ComparisonRun) -> str:
    """The local list: one row per young person whose roadmap changes (has ids: not for publication)."""
    return _csv_text(
        ["id", "people_csv_line", "gaps_gained", "gaps_lost", "milestones_changed"],
        (
            [
                person.id,
                person.line,
                ";".join(person.change.gained),
                ";".join(person.change.lost),
                ";".join(
                    f"{entry}:{label}" if days is None else f"{entry}:{days:+d}"
                    for entry, label, days in person.change.moves
                ),
            ]
            for person in run.changed_people
        ),
    )


# --- report ---------------------------------------------------------------------------------


_HOW_TO_READ = (
    "Every young person's roadmap is worked out twice from the same record: under today's "
    "rules (the baseline) and under the reform. 'Before' and 'after' count young people with "
    "each gap; the difference is after minus before, so a negative number means fewer young "
    "people with that gap. 'Gained' and 'lost' count young people who have the gap only "
    "under the reform, or only today. A milestone 'moves' when its date changes; 'new' means "
    "it appears only under the reform, 'removed' that it no longer applies."
)


def _graph_diff_lines(diff: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(area, what, ids) lines of the structural diff, only where something changed."""
    out: list[tuple[str, str, str]] = []
    for area, sections in diff.items():
        for section, kinds in sections.items():
            for kind, items in kinds.items():
                if not items:
                    continue
                if section == "edges":
                    text = ", ".join(f"{e['from']} → {e['to']} ({e['kind']})" for e in items)
                else:
                    text = ", ".join(items)
                out.append((area, f"{section} {kind}", text))
    return out


def report_markdown(run: ComparisonRun) -> str:
    """The readable report in Markdown."""
    scenario = _single(run)
    labels = scenario.labels
    lines = [
        f"# Reform comparison: {scenario.name}",
        "",
        f"As of {run.as_of.isoformat()}. Rules: {run.area}.",
        "",
    ]
    for name, description in zip(scenario.reforms, scenario.descriptions, strict=True):
        lines.append(f"* **{name}**: {description}" if description else f"* **{name}**")
    lines += [
        "",
        f"Young people counted: {run.baseline.young_people}. "
        f"Young people whose roadmap changes: **{scenario.people_changed}**.",
    ]
    if run.accounting is not None:
        a = run.accounting
        lines.append(
            f"Rows read: {a.rows_in} = {a.rows_processed} processed + {a.rows_rejected} "
            f"rejected (listed in `{REJECTED_FILE}`)."
        )
    lines += ["", "## How to read this", "", _HOW_TO_READ, "", "## Gaps before and after", ""]
    lines += _md_table(
        ["gap", "rule id", "before", "after", "difference", "gained", "lost"],
        (
            [labels.get(c.rule, c.rule), c.rule, c.baseline, c.reform, c.delta, c.gained, c.lost]
            for c in scenario.gaps.values()
        ),
    )
    lines += ["", "## Milestones that move", ""]
    if scenario.milestone_moves:
        columns = moved_columns(scenario)
        lines += _md_table(
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
    else:
        lines.append("No milestone moves for anyone.")
    lines += ["", "## Forecast: difference by year", ""]
    lines += _md_table(
        ["year", *FORECAST_MILESTONES],
        (
            [year, *(row[m] for m in FORECAST_MILESTONES)]
            for year, row in scenario.forecast_delta.items()
        ),
    )
    lines += ["", "## What the reform changes in the pathway", ""]
    diff_lines = _graph_diff_lines(scenario.graph_diff)
    if diff_lines:
        lines += _md_table(["area", "change", "ids"], diff_lines)
    else:
        lines.append("The reform changes nothing in the pathway's structure.")
    settings = run.settings
    lines += [
        "",
        "## Disclosure control",
        "",
        _disclosure_text(settings).replace(_PLACEHOLDER, f"`{settings.placeholder}`"),
        "",
    ]
    return "\n".join(lines)


_PLACEHOLDER = "\0"  # where the placeholder goes, formatted for Markdown or HTML


def _disclosure_text(settings: DisclosureSettings) -> str:
    """How the report's counts and differences are protected, in plain words."""
    return (
        f"Counts from 1 to {settings.threshold - 1} are shown as {_PLACEHOLDER}, and "
        "some larger counts too, so that no hidden count can be worked out."
        f"{rounding_text(settings)} A difference is shown only when both of its counts are "
        f"shown (or when they are equal) and it is not itself from 1 to {settings.threshold - 1} "
        "in size; when a difference is hidden, so is the reform's count it comes from."
    )


def report_html(run: ComparisonRun, *, nonce: str | None = None) -> str:
    """The readable report as one self-contained HTML page.

    The page is the template ``compare.html`` (``roadmaps/population/templates/``);
    ``nonce`` is a Content-Security-Policy nonce for its ``<style>``, when a web
    app serves the page (default: none).
    """
    scenario = _single(run)
    diff_lines = _graph_diff_lines(scenario.graph_diff)
    return render_page(
        "compare.html",
        title=f"Reform comparison: {scenario.name}",
        nonce=nonce,
        disclosure_before=_disclosure_text(run.settings).split(_PLACEHOLDER)[0],
        disclosure_after=_disclosure_text(run.settings).split(_PLACEHOLDER)[1],
        scenario=scenario_view(scenario, run.baseline),
        as_of=run.as_of.isoformat(),
        area=run.area,
        reforms=list(zip(scenario.reforms, scenario.descriptions, strict=True)),
        accounting=run.accounting,
        rejected_file=REJECTED_FILE,
        how_to_read=_HOW_TO_READ,
        forecast_table=make_table(
            "Difference in young people reaching each milestone, by year",
            ["year", *FORECAST_MILESTONES],
            (
                [year, *(row[m] for m in FORECAST_MILESTONES)]
                for year, row in scenario.forecast_delta.items()
            ),
        ),
        changes_table=(
            make_table("Structural changes", ["area", "change", "ids"], diff_lines, text_columns=3)
            if diff_lines
            else None
        ),
        threshold=run.settings.threshold,
        placeholder=run.settings.placeholder,
    )


# --- writing ----------------------------------------------------------------------------------


def write_comparison_report(
    run: ComparisonRun, out_dir: str | Path, *, people_list: bool = True
) -> tuple[Path, ...]:
    """Write every output of a one-scenario comparison into ``out_dir``; return the paths.

    Raises:
        InputError: the folder cannot be written (nothing is left half-written).
    """
    _single(run)
    out = prepare_out_dir(out_dir)
    texts = {
        COMPARE_JSON: compare_json(run),
        COMPARE_MD: report_markdown(run),
        COMPARE_HTML: report_html(run),
    }
    for name, text in comparison_tables(run).items():
        texts[f"{TABLES_DIR}/{name}.csv"] = text
    if people_list:
        texts[PEOPLE_CHANGED] = people_changed_csv(run)
    writers: list[tuple[str, Callable[[Path], None]]] = []
    accounting = run.accounting
    if accounting is not None:
        rejections = accounting.rejections

        def rejected(path: Path) -> None:
            write_rejected_csv(path, rejections)

        writers.append((REJECTED_FILE, rejected))
    return write_files_atomically(out, texts, writers)

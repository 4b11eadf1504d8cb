"""Calibrating route probabilities from an anonymised event log (``pathways calibrate``, issue 3).

The log is a CSV with the columns ``id,type,date``, one row per event, as a case
system exports it (the same shape as a population's ``events.csv``). Each
branch option is recorded by the event types its rule data lists (for example
``post16-destination-fe``); :func:`pathways._stats.count_branch_events` counts,
for each branch, the option each case took, and reports journeys that do not
fit the pathway (an option recorded before a required step, a step skipped,
two options) as conformance findings, which are kept, never dropped.

Each branch is then calibrated against its **default** probability table (the
``otherwise`` values for young people in general): the log does not say which
situation a case was in. The default values become a Dirichlet prior worth
``prior_cases`` young people (the table's own weight, else the parameter
``route-expert-prior-cases``), and each option is reported with the expert
value, the posterior mean, a credible interval, the number of cases and whether
the expert value lies outside the interval. The intervals of one branch hold
*jointly* with probability ``route-calibration-level``: with K options, each
option's interval is taken at level ``1 - (1 - level) / K`` (Bonferroni).

Nothing in the report identifies a young person: case ids are used only to
group events, findings are counted by branch, kind and pattern with their
dates removed, and rejected rows are counted by reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pathways import (
    Branch,
    BranchCalibration,
    BranchEvents,
    InputError,
    PathwayGraph,
    calibrate_branch,
    count_branch_events,
    value_on,
)
from roadmaps.rule_ids import ROUTE_CALIBRATION_LEVEL, ROUTE_EXPERT_PRIOR_CASES

from ._input import Accounting, _CsvFile, _date_problem

#: Parameters (rule data) behind the calibration.
PRIOR_CASES_PARAMETER = ROUTE_EXPERT_PRIOR_CASES
LEVEL_PARAMETER = ROUTE_CALIBRATION_LEVEL
REQUIRED_COLUMNS = ("id", "type", "date")
_DATE_IN_TEXT = re.compile(r" on \d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class EventLog:
    """An event log read from CSV.

    Attributes:
        file: the file's base name (the report never names the full path).
        cases: case id -> its (event type, date) events, in file order.
        rows_in: data rows read.
        rows_used: rows that went into a case.
        rejected: reason -> number of rows rejected for it (no values from the rows).
    """

    file: str
    cases: Mapping[str, list[tuple[str, date]]] = field(repr=False)
    rows_in: int
    rows_used: int
    rejected: Mapping[str, int]


def read_event_log(path: str | Path, known_types: frozenset[str] | set[str]) -> EventLog:
    """Read an ``id,type,date`` CSV, rejecting bad rows with a reason rather than failing.

    Column names are matched ignoring case and cells are trimmed, as for a
    population's ``events.csv``. A row is rejected for an empty id or type, an
    event type outside ``known_types``, a date that is not ``YYYY-MM-DD``, or the
    wrong number of columns. Every row is either used or rejected.

    Raises:
        InputError: the file cannot be read, is not UTF-8, or lacks a required column.
    """
    path = Path(path)
    accounting = Accounting()
    log = accounting.rejections
    cases: dict[str, list[tuple[str, date]]] = {}
    with ExitStack() as stack:
        reader = _CsvFile(path, REQUIRED_COLUMNS, stack)
        index = reader.index
        for line, cells in reader.rows(log, accounting):
            case, event_type, when = cells[index["id"]], cells[index["type"]], cells[index["date"]]
            if not case:
                log.add(reader.name, line, "id is empty")
            elif not event_type:
                log.add(reader.name, line, "type is empty")
            elif event_type not in known_types:
                log.add(reader.name, line, "unknown event type")
            elif problem := _date_problem(when):
                log.add(reader.name, line, f"date {problem}")
            else:
                cases.setdefault(case, []).append((event_type, date.fromisoformat(when)))
                accounting.rows_processed += 1
    accounting.check()
    return EventLog(
        file=path.name,
        cases=cases,
        rows_in=accounting.rows_in,
        rows_used=accounting.rows_processed,
        rejected=log.counts_by_reason(),
    )


@dataclass(frozen=True, slots=True)
class BranchReport:
    """The calibration of one branch, with the labels the report needs."""

    branch: Branch
    calibration: BranchCalibration
    joint_level: float
    excluded: int
    expert_source: str


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """Everything ``pathways calibrate`` writes: estimates, findings and row accounting."""

    log: EventLog
    area: str
    as_of: date
    level: float
    branches: tuple[BranchReport, ...]
    findings: tuple[tuple[str, str, str, int], ...]  # (branch, kind, pattern, cases)
    findings_total: int


def _branch_events(branch: Branch) -> BranchEvents | None:
    options = {option.id: frozenset(option.events) for option in branch.options if option.events}
    if not options:
        return None
    return BranchEvents(branch.id, options, requires=branch.requires)


def calibrate_event_log(
    path: str | Path,
    *,
    pathway: PathwayGraph,
    as_of: date,
    level: float | None = None,
    prior_cases: float | None = None,
    count_nonconforming: bool = True,
) -> CalibrationReport:
    """Calibrate every branch of ``pathway`` from the event log at ``path``.

    Args:
        path: the ``id,type,date`` CSV.
        pathway: the pathway whose branches and default probabilities are calibrated.
        as_of: the date the report is made (parameters in force then; stamped on the YAML).
        level: the joint credible level (default: the ``route-calibration-level`` parameter).
        prior_cases: override every table's prior weight (default: rule data).
        count_nonconforming: whether a case with a conformance finding at a branch still
            counts there (with its earliest option).

    Raises:
        InputError: the log is unusable, the level is not strictly between 0 and 1, or no
            branch has an event type.
    """
    rules = pathway.rules
    if level is None:
        level = float(value_on(rules.parameters[LEVEL_PARAMETER], as_of))
    if not 0.0 < level < 1.0:
        raise InputError(f"the credible level must be strictly between 0 and 1 (got {level})", id="--level")
    if prior_cases is not None and not prior_cases > 0:
        raise InputError(f"the prior weight must be a positive number (got {prior_cases})", id="--prior-cases")
    default_weight = float(value_on(rules.parameters[PRIOR_CASES_PARAMETER], as_of))
    log = read_event_log(path, frozenset(rules.events))
    described = {b.id: e for b in rules.branches.values() if (e := _branch_events(b)) is not None}
    if not described:
        raise InputError("no route branch in this pathway names the event types that record its options")
    counted = count_branch_events(log.cases, described.values(), count_nonconforming=count_nonconforming)
    reports = []
    for branch_id in described:
        branch = rules.branches[branch_id]
        table = branch.default_table
        expert = {option.id: float(table.values.get(option.id, 0.0)) for option in branch.options}
        counts = {option: n for option, n in counted.counts[branch_id].items() if option in expert}
        weight = prior_cases if prior_cases is not None else (table.prior_cases or default_weight)
        option_level = 1.0 - (1.0 - level) / len(expert)
        calibration = calibrate_branch(branch_id, expert, counts, prior_strength=weight, level=option_level)
        reports.append(BranchReport(branch, calibration, level, counted.excluded[branch_id], table.source))
    patterns: Counter[tuple[str, str, str]] = Counter(
        (finding.branch, finding.kind, _DATE_IN_TEXT.sub("", finding.detail)) for finding in counted.findings
    )
    return CalibrationReport(
        log=log,
        area=pathway.area,
        as_of=as_of,
        level=level,
        branches=tuple(reports),
        findings=tuple((b, k, p, n) for (b, k, p), n in sorted(patterns.items())),
        findings_total=len(counted.findings),
    )


# ---------------------------------------------------------------- outputs


def report_json(report: CalibrationReport) -> dict[str, Any]:
    """The report as plain data (no case ids, no event dates)."""
    return {
        "event_log": report.log.file,
        "area": report.area,
        "as_of": report.as_of.isoformat(),
        "level": report.level,
        "rows": {
            "rows_in": report.log.rows_in,
            "rows_used": report.log.rows_used,
            "rows_rejected": report.log.rows_in - report.log.rows_used,
        },
        "rejected_by_reason": dict(report.log.rejected),
        "cases": len(report.log.cases),
        "branches": [
            {
                "branch": r.branch.id,
                "label": r.branch.label,
                "compared_with": r.branch.default_table.situation or "the default values",
                "expert_source": r.expert_source,
                "prior_cases": r.calibration.prior_strength,
                "cases": r.calibration.cases,
                "excluded": r.excluded,
                "joint_level": r.joint_level,
                "option_level": r.calibration.level,
                "expert_outside": r.calibration.expert_outside,
                "options": [
                    {
                        "option": o.option,
                        "label": r.branch.option(o.option).label,
                        "expert": o.expert,
                        "estimate": o.estimate,
                        "lower": o.lower,
                        "upper": o.upper,
                        "cases": o.count,
                        "expert_outside": o.expert_outside,
                    }
                    for o in r.calibration.options
                ],
            }
            for r in report.branches
        ],
        "findings_total": report.findings_total,
        "findings": [
            {"branch": b, "kind": k, "detail": p, "cases": n} for b, k, p, n in report.findings
        ],
    }


def render_report_json(report: CalibrationReport) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_report_markdown(report: CalibrationReport) -> str:
    """The report for a strategy lead: does what happens match the experts' numbers?"""
    data = report_json(report)
    rows = data["rows"]
    out = [
        f"# Route probabilities calibrated from `{data['event_log']}`",
        "",
        f"Area **{report.area}**, as of {data['as_of']}. {data['cases']:,} cases; {rows['rows_in']:,} rows read, "
        f"{rows['rows_used']:,} used, {rows['rows_rejected']:,} rejected.",
        "",
        "Each branch is compared with its default values (for young people in general). The expert "
        "values count as a prior worth `prior cases` young people; the estimate is the posterior mean. "
        f"The intervals of a branch hold together with probability {report.level:g}.",
        "",
    ]
    flagged = [b for b in data["branches"] if b["expert_outside"]]
    out += [f"**Expert values outside the interval:** {', '.join(b['branch'] for b in flagged) or 'none'}.", ""]
    for b in data["branches"]:
        mark = " (expert value outside the interval)" if b["expert_outside"] else ""
        out += [
            f"## {_md(b['label'])} (`{b['branch']}`){mark}",
            "",
            f"{b['cases']:,} cases ({b['excluded']:,} left out as non-conforming); compared with: "
            f"{_md(b['compared_with'])} ({b['expert_source']}, worth {b['prior_cases']:g} cases).",
            "",
            "| Option | Expert | Estimate | Interval | Cases | Expert outside |",
            "|---|---|---|---|---|---|",
        ]
        for o in b["options"]:
            out.append(
                f"| {_md(o['label'])} (`{o['option']}`) | {o['expert']:.3f} | {o['estimate']:.3f} "
                f"| {o['lower']:.3f} to {o['upper']:.3f} | {o['cases']:,} | {'yes' if o['expert_outside'] else 'no'} |"
            )
        out.append("")
    out += [f"## Journeys that do not fit the pathway ({data['findings_total']:,} findings)", ""]
    if data["findings"]:
        out += ["| Branch | Kind | What | Cases |", "|---|---|---|---|"]
        out += [f"| `{f['branch']}` | {f['kind']} | {_md(f['detail'])} | {f['cases']:,} |" for f in data["findings"]]
    else:
        out.append("None.")
    out += ["", "## Rejected rows", ""]
    if data["rejected_by_reason"]:
        out += ["| Reason | Rows |", "|---|---|"]
        out += [f"| {_md(reason)} | {n:,} |" for reason, n in data["rejected_by_reason"].items()]
    else:
        out.append("None.")
    return "\n".join(out) + "\n"


def render_reform_yaml(report: CalibrationReport) -> str:
    """A reform file setting each calibrated branch's default values to the estimates.

    Use it with ``pathways routes … --reform FILE`` or ``pathways roadmap … --routes
    --reform FILE``. Only branches with at least one case are changed. Options the
    default table did not list and no case took are left out.

    Raises:
        InputError: no case reached any branch, so there is nothing to set.
    """
    changes = []
    for r in report.branches:
        if r.calibration.cases == 0:
            continue
        values = {
            o.option: o.estimate for o in r.calibration.options if o.expert > 0.0 or o.count > 0
        }
        changes.append({
            "set_probability": {
                "branch": r.branch.id,
                "values": values,
                "source": "calibrated",
                "rationale": (
                    f"Posterior mean from {r.calibration.cases} cases in {report.log.file}, with the "
                    f"previous default values ({r.expert_source}) as a prior worth "
                    f"{r.calibration.prior_strength:g} cases."
                ),
                "reviewed_on": report.as_of.isoformat(),
                "prior_cases": r.calibration.prior_strength + r.calibration.cases,
            }
        })
    if not changes:
        raise InputError("no case in the event log reached a route branch, so there is nothing to calibrate",
                         file=report.log.file)
    reform = {
        "name": f"Route probabilities calibrated from {report.log.file}",
        "description": (
            f"Default route probabilities for {report.area} updated from {len(report.log.cases)} cases "
            f"in {report.log.file} on {report.as_of.isoformat()} (pathways calibrate)."
        ),
        "references": [{"title": f"Calibration report for {report.log.file}, {report.as_of.isoformat()}"}],
        "changes": changes,
    }
    return yaml.safe_dump(reform, sort_keys=False, allow_unicode=True, width=100)


# ---------------------------------------------------------------- simulated logs (for tests and demos)


def simulate_event_log(
    pathway: PathwayGraph,
    probabilities: Mapping[str, Mapping[str, float]],
    *,
    cases: int,
    seed: int,
    start: date = date(2020, 1, 1),
) -> list[tuple[str, str, date]]:
    """An event log of ``cases`` made-up journeys drawn from known probabilities.

    Each case passes every branch named in ``probabilities``, in rule order, a
    month apart; at each it takes an option drawn from the given probabilities,
    recorded by the option's first event type, one day after the branch's
    required steps. Ids are ``sim-00001`` and so on. The same seed gives the same log.

    Returns:
        (id, type, date) rows, case by case.
    """
    import random
    from datetime import timedelta

    rng = random.Random(seed)
    rows: list[tuple[str, str, date]] = []
    branches = [b for b in pathway.rules.branches.values() if b.id in probabilities]
    for number in range(1, cases + 1):
        case = f"sim-{number:05d}"
        for position, branch in enumerate(branches):
            when = start + timedelta(days=30 * position)
            rows.extend((case, required, when) for required in branch.requires)
            options = list(probabilities[branch.id].items())
            option_id = rng.choices([o for o, _ in options], weights=[p for _, p in options])[0]
            rows.append((case, branch.option(option_id).events[0], when + timedelta(days=1)))
    return rows


def write_event_log(path: str | Path, rows: list[tuple[str, str, date]]) -> None:
    """Write (id, type, date) rows as an ``id,type,date`` CSV."""
    import csv

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(REQUIRED_COLUMNS)
        writer.writerows((case, event_type, when.isoformat()) for case, event_type, when in rows)

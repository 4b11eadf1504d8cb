"""``pathways calibrate``: route probabilities checked against an anonymised event log."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from roadmaps.rule_ids import DEFAULT_AREA

from ._common import parse_date, write_output

NAME = "calibrate"
HELP = "check route probabilities against an anonymised event log (id,type,date)"
_REPORT_SUFFIXES = (".md", ".json", ".yaml", ".yml")


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"'{text}' must be strictly between 0 and 1")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value > 0.0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' must be a positive number")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("events_csv", metavar="EVENTS_CSV", help="anonymised event log: columns id,type,date")
    p.add_argument("--area", default=DEFAULT_AREA, help="england (default), leicester or peterborough")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="where to write: FILE.md (report), FILE.json (report) and FILE.yaml "
                        "(updated probabilities, usable with --reform)")
    p.add_argument("--as-of", type=parse_date, default=None, help="date of the report (default: today)")
    p.add_argument("--level", type=_probability, default=None,
                   help="joint credible level of each branch's intervals (default: rule data, 0.95)")
    p.add_argument("--prior-cases", type=_positive, default=None, metavar="N",
                   help="weight every expert value as N cases (default: rule data)")
    p.add_argument("--exclude-nonconforming", action="store_true",
                   help="leave a case out of a branch's counts when its journey does not fit there")


def report_paths(out: str) -> tuple[Path, Path, Path]:
    """The Markdown, JSON and YAML paths for ``--out`` (a known suffix on it is dropped).

    >>> [p.name for p in report_paths("out/calibration.json")]
    ['calibration.md', 'calibration.json', 'calibration.yaml']
    """
    base = Path(out)
    if base.suffix.lower() in _REPORT_SUFFIXES:
        base = base.with_suffix("")
    return (base.with_name(base.name + ".md"), base.with_name(base.name + ".json"),
            base.with_name(base.name + ".yaml"))


def run(args: argparse.Namespace) -> int:
    """Estimate each branch's probabilities from an event log, against the current values."""
    from cohorts import load_pathway
    from roadmaps.population import (
        calibrate_event_log,
        render_reform_yaml,
        render_report_json,
        render_report_markdown,
    )

    pathway = load_pathway(args.area)
    report = calibrate_event_log(
        args.events_csv, pathway=pathway, as_of=args.as_of or date.today(), level=args.level,
        prior_cases=args.prior_cases, count_nonconforming=not args.exclude_nonconforming,
    )
    texts = (render_report_markdown(report), render_report_json(report), render_reform_yaml(report))
    paths = report_paths(args.out)
    for path, text in zip(paths, texts, strict=True):
        write_output(text, str(path))
    outside = sum(1 for b in report.branches if b.calibration.expert_outside)
    print(f"calibrated {len(report.branches)} branches from {len(report.log.cases)} cases: "
          f"{outside} with expert values outside the interval, {report.findings_total} conformance findings, "
          f"{report.log.rows_in - report.log.rows_used} rows rejected")
    for path in paths:
        print(f"wrote {path}")
    return 0

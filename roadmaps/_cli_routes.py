"""``pathways routes`` and ``pathways calibrate``, and ``pathways roadmap --routes`` (issue 3).

Importing this module registers the two sub-commands and the roadmap option
with :mod:`roadmaps._cli`. As everywhere in the command line, a user error is
one ``error:`` line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from ._cli import (
    COMMANDS,
    ROADMAP_HOOKS,
    _add_person_options,
    load_roadmap_inputs,
    parse_date,
    split_overrides,
    write_output,
)

#: How many routes ``pathways routes`` lists, and ``pathways roadmap --routes`` shows.
DEFAULT_TOP = 10
DEFAULT_ROADMAP_TOP = 5
_REPORT_SUFFIXES = (".md", ".json", ".yaml", ".yml")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be 0 or more")
    return value


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


def _with_reforms(pathway: Any, paths: list[str] | None) -> Any:
    if not paths:
        return pathway
    from pathways._reform import load_reform, reformed_pathway

    return reformed_pathway(pathway, [load_reform(path) for path in paths])


# ---------------------------------------------------------------- pathways routes


def _add_routes_arguments(p: argparse.ArgumentParser) -> None:
    _add_person_options(p)
    p.add_argument("--top", type=_count, default=DEFAULT_TOP, metavar="K",
                   help=f"how many of the most likely routes to list (default {DEFAULT_TOP})")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--reform", action="append", metavar="REFORM.yaml",
                   help="use the probabilities (or rules) of this reform, e.g. a calibration (repeatable)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def cmd_routes(args: argparse.Namespace) -> int:
    """Every route from 14 to 25 for one young person, with how likely each is."""
    from cohorts._routes import person_routes

    from ._routes_view import (
        render_routes_json,
        render_routes_markdown,
        render_routes_text,
        routes_view,
    )

    person, pathway, as_of, settings, params = load_roadmap_inputs(args)
    pathway = _with_reforms(pathway, args.reform)
    routes = person_routes(
        person, as_of=as_of, pathway=pathway, settings=settings,  # type: ignore[arg-type]
        parameters=params or None, source=args.person_file,
    )
    view = routes_view(routes, top=args.top)
    renderers = {"text": render_routes_text, "markdown": render_routes_markdown, "json": render_routes_json}
    write_output(renderers[args.format](view), args.output)
    return 0


# ---------------------------------------------------------------- pathways calibrate


def _add_calibrate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("events_csv", metavar="EVENTS_CSV", help="anonymised event log: columns id,type,date")
    p.add_argument("--area", default="england", help="england (default), leicester or peterborough")
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


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Estimate each branch's probabilities from an event log, against the current values."""
    from cohorts import load_pathway

    from ._calibrate import (
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


# ---------------------------------------------------------------- pathways roadmap --routes


def _add_roadmap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--routes", action="store_true",
                   help="add the likely routes from 14 to 25, worded for a family (JSON: a 'routes' object)")
    p.add_argument("--routes-top", type=_count, default=DEFAULT_ROADMAP_TOP, metavar="K",
                   help=f"with --routes: how many of the most likely routes to show (default {DEFAULT_ROADMAP_TOP})")


def add_routes_to_roadmap(roadmap: Any, args: argparse.Namespace, person: Any, pathway: Any) -> None:
    """Put the ``routes`` object (:func:`roadmaps._routes_view.routes_view`) into ``roadmap.extras``."""
    if not getattr(args, "routes", False):
        return
    from cohorts._routes import person_routes

    from ._routes_view import routes_view

    _, params = split_overrides(getattr(args, "overrides", []) or [], pathway)
    routes = person_routes(
        person, as_of=roadmap.as_of, pathway=pathway, settings=roadmap.settings,
        parameters=params or None, source=getattr(args, "person_file", "<person>"),
    )
    roadmap.extras["routes"] = routes_view(routes, top=args.routes_top)


COMMANDS.append(("routes", "every route from 14 to 25 for a young person, with how likely each is",
                 _add_routes_arguments, cmd_routes))
COMMANDS.append(("calibrate", "check route probabilities against an anonymised event log (id,type,date)",
                 _add_calibrate_arguments, cmd_calibrate))
ROADMAP_HOOKS.append((_add_roadmap_options, add_routes_to_roadmap))

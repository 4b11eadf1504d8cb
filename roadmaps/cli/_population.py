"""``pathways population``: gaps and forecasts for a whole population (issue 4).

``pathways population PEOPLE_CSV [--episodes EPISODES_CSV] [--events EVENTS_CSV]
[--as-of YYYY-MM-DD] [--area AREA] [--workers N] --out DIR`` runs every young
person through the roadmap generator and writes ``summary.json``, the tables,
``rejected.csv`` and the report into ``DIR``.

``pathways population --ssda903 FILE [--ssda903 FILE ...] [--sen2 FILE.xml ...]
[--cin FILE.xml ...] --out DIR`` does the same straight from the statutory
returns (issue 14): they are imported in memory (as ``pathways import`` would,
the SSDA903 and CIN census joined by the child's id, the SEN2 return by the
unique pupil number) and the import report is written into ``DIR`` too, its
counts of young people through disclosure control; no personal data is
written anywhere. It exits 0 when the run
completes, even with rejected rows, and 2 (one ``error:`` line, nothing
written) for unusable arguments or files. The row accounting goes to stdout;
a progress bar goes to stderr only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from pathways import InputError
from roadmaps.rule_ids import DEFAULT_AREA, LEAP_DAY_POLICY

from ._common import integer, parse_date
from ._import import add_care_needs_option, print_import

MAX_WORKERS = 256  # processes; more only exhausts the machine
MAX_THRESHOLD = 1_000_000  # a threshold above any population hides every count
NAME = "population"
HELP = "gap counts and forecasts for a whole population, with disclosure control"

if TYPE_CHECKING:
    from roadmaps.population import Accounting, ImportResult


def add_population_inputs(p: argparse.ArgumentParser, *, people_optional: bool = False) -> None:
    """The arguments shared by ``population`` and ``compare``: the files, dates and disclosure."""
    p.add_argument("people_csv", metavar="PEOPLE_CSV", nargs="?" if people_optional else None,
                   help="people.csv: one row per young person")  # fmt: skip
    p.add_argument("--episodes", metavar="EPISODES_CSV", help="episodes.csv: looked-after episodes")
    p.add_argument("--events", metavar="EVENTS_CSV", help="events.csv: recorded events")
    p.add_argument(
        "--as-of", type=parse_date, default=None, help="date of the run (default: today)"
    )
    p.add_argument(
        "--area",
        default=DEFAULT_AREA,
        help="rules for young people with no area column value (default: england)",
    )
    p.add_argument(
        "--workers", type=integer, default=None, help="processes to use (default: all processors)"
    )
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the outputs")
    p.add_argument(
        "--threshold",
        type=integer,
        default=None,
        help="disclosure control: counts below this are hidden (default: 5)",
    )
    p.add_argument(
        "--suppression",
        choices=("primary+secondary", "primary"),
        default=None,
        help="disclosure control method (default: primary+secondary)",
    )
    p.add_argument(
        "--rounding",
        choices=("none", "base3", "base5", "base10"),
        default=None,
        help="disclosure control: round every published count to the nearest multiple of "
        "3, 5 or 10, which limits what subtracting two reports reveals (default: none)",
    )
    p.add_argument(
        "--leap-day",
        choices=("mar1", "feb28"),
        default=None,
        help="birthday of someone born on 29 February in other years (default: mar1)",
    )
    p.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (default: auto, only on a terminal)",
    )


def population_options(args: argparse.Namespace) -> dict[str, Any]:
    """Checked keyword arguments from :func:`add_population_inputs`'s options.

    Raises:
        InputError: ``--workers`` or ``--threshold`` below 1 or above their caps.
    """
    from roadmaps.population import DisclosureSettings

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1 (got {args.workers})", id="--workers")
    if args.workers is not None and args.workers > MAX_WORKERS:
        raise InputError(f"--workers must be at most {MAX_WORKERS} (got {args.workers:,})", id="--workers")
    if args.threshold is not None and args.threshold < 1:
        raise InputError(f"--threshold must be at least 1 (got {args.threshold})", id="--threshold")
    if args.threshold is not None and args.threshold > MAX_THRESHOLD:
        raise InputError(
            f"--threshold must be at most {MAX_THRESHOLD:,} (got {args.threshold:,})", id="--threshold"
        )
    options: dict[str, object] = {}
    if args.threshold is not None:
        options["threshold"] = args.threshold
    if args.suppression is not None:
        options["method"] = args.suppression
    if args.rounding is not None:
        options["rounding"] = args.rounding
    return {
        "as_of": args.as_of or date.today(),
        "area": args.area,
        "workers": args.workers,
        "settings": DisclosureSettings(**options),
        "roadmap_settings": {LEAP_DAY_POLICY: args.leap_day} if args.leap_day else None,
        "progress": {"auto": None, "always": True, "never": False}[args.progress],
    }


def print_accounting(accounting: Accounting) -> None:
    """The row accounting line on stdout."""
    print(
        f"rows_in={accounting.rows_in} rows_processed={accounting.rows_processed} "
        f"rows_rejected={accounting.rows_rejected} "
        "(rows_in = rows_processed + rows_rejected: checked)"
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_population_inputs(p, people_optional=True)
    p.add_argument("--ssda903", action="append", default=[], metavar="FILE",
                   help="instead of PEOPLE_CSV: an SSDA903 file (CSV table or XML), imported in "
                   "memory; repeat for each table and year")  # fmt: skip
    p.add_argument("--sen2", action="append", default=[], metavar="FILE.xml",
                   help="instead of PEOPLE_CSV: a SEN2 XML file (EHC plans), imported in memory "
                   "and linked to the other returns by UPN; repeat for each year")  # fmt: skip
    p.add_argument("--cin", action="append", default=[], metavar="FILE.xml",
                   help="instead of PEOPLE_CSV: a CIN census XML file, imported in memory")  # fmt: skip
    add_care_needs_option(p)
    p.add_argument(
        "--dask",
        metavar="SCHEDULER",
        default=None,
        help="run on Dask: 'local' for a local cluster or a scheduler address "
        "(needs the pathways[dask] extra)",
    )


def run(args: argparse.Namespace) -> int:
    from roadmaps.population import (
        check_out_dir,
        run_imported,
        run_population_files,
        write_population_report,
    )

    options = population_options(args)
    imported = _imported(args)
    check_out_dir(args.out)  # fail before a long run, not after it
    client = None
    if args.dask is not None:
        from roadmaps.population import connect

        client = connect(args.dask, workers=args.workers)
    try:
        if imported is not None:
            run = run_imported(imported, dask_client=client, **options)
        else:
            run = run_population_files(
                args.people_csv, args.episodes, args.events, dask_client=client, **options
            )
    finally:
        if client is not None:
            client.close()
    written = write_population_report(run, args.out)
    if imported is not None:
        print_import(imported)
    print_accounting(run.accounting)
    print(f"wrote {len(written)} files to {args.out}: summary.json, report.html, report.md, "
          "rejected.csv and tables/")  # fmt: skip
    return 0


def _imported(args: argparse.Namespace) -> ImportResult | None:
    """The returns of ``--ssda903``, ``--sen2`` and ``--cin`` imported in memory, or None without them.

    Raises:
        InputError: both PEOPLE_CSV and returns are given, or neither.
    """
    from roadmaps.population import import_cin, import_sen2, import_ssda903, merge_imports

    if not (args.ssda903 or args.sen2 or args.cin):
        if args.people_csv is None:
            raise InputError("give PEOPLE_CSV, or the returns with --ssda903, --sen2 or --cin")
        return None
    if args.people_csv is not None or args.episodes or args.events:
        raise InputError("give either PEOPLE_CSV (with --episodes and --events) or the returns "
                         "(--ssda903, --sen2, --cin), not both")  # fmt: skip
    results = []
    if args.ssda903:
        results.append(import_ssda903(files=args.ssda903))
    if args.sen2:
        results.append(import_sen2(*args.sen2))
    if args.cin:
        results.append(import_cin(*args.cin, care_needs_likely=args.care_needs_likely))
    return merge_imports(results)

"""``pathways population``: gaps and forecasts for a whole population (issue 4).

``pathways population PEOPLE_CSV [--episodes EPISODES_CSV] [--events EVENTS_CSV]
[--as-of YYYY-MM-DD] [--area AREA] [--workers N] --out DIR`` runs every young
person through the roadmap generator and writes ``summary.json``, the tables,
``rejected.csv`` and the report into ``DIR``. It exits 0 when the run
completes, even with rejected rows, and 2 (one ``error:`` line, nothing
written) for unusable arguments or files. The row accounting goes to stdout;
a progress bar goes to stderr only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from pathways import InputError

from ._common import integer, parse_date

MAX_WORKERS = 256  # processes; more only exhausts the machine
MAX_THRESHOLD = 1_000_000  # a threshold above any population hides every count
NAME = "population"
HELP = "gap counts and forecasts for a whole population, with disclosure control"

if TYPE_CHECKING:
    from roadmaps.population import Accounting


def add_population_inputs(p: argparse.ArgumentParser) -> None:
    """The arguments shared by ``population`` and ``compare``: the files, dates and disclosure."""
    p.add_argument("people_csv", metavar="PEOPLE_CSV", help="people.csv: one row per young person")
    p.add_argument("--episodes", metavar="EPISODES_CSV", help="episodes.csv: looked-after episodes")
    p.add_argument("--events", metavar="EVENTS_CSV", help="events.csv: recorded events")
    p.add_argument(
        "--as-of", type=parse_date, default=None, help="date of the run (default: today)"
    )
    p.add_argument(
        "--area",
        default="england",
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
    return {
        "as_of": args.as_of or date.today(),
        "area": args.area,
        "workers": args.workers,
        "settings": DisclosureSettings(**options),
        "roadmap_settings": {"leap-day-policy": args.leap_day} if args.leap_day else None,
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
    add_population_inputs(p)
    p.add_argument(
        "--dask",
        metavar="SCHEDULER",
        default=None,
        help="run on Dask: 'local' for a local cluster or a scheduler address "
        "(needs the pathways[dask] extra)",
    )


def run(args: argparse.Namespace) -> int:
    from roadmaps.population import check_out_dir, run_population_files, write_population_report

    options = population_options(args)
    check_out_dir(args.out)  # fail before a long run, not after it
    client = None
    if args.dask is not None:
        from roadmaps.population import connect

        client = connect(args.dask, workers=args.workers)
    try:
        run = run_population_files(
            args.people_csv, args.episodes, args.events, dask_client=client, **options
        )
    finally:
        if client is not None:
            client.close()
    written = write_population_report(run, args.out)
    print_accounting(run.accounting)
    print(f"wrote {len(written)} files to {args.out}: summary.json, report.html, report.md, "
          "rejected.csv and tables/")  # fmt: skip
    return 0

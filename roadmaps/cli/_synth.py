"""``pathways synth --n N --seed S --out DIR``: a synthetic population (the three CSV files)."""

from __future__ import annotations

import argparse
from datetime import date

from pathways import InputError

from ._common import integer, parse_date

MAX_PEOPLE = 10_000_000  # about 2 GB of CSV: beyond any local authority's population
NAME = "synth"
HELP = "write a synthetic population (people.csv, episodes.csv, events.csv)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=integer, required=True, help="how many young people")
    p.add_argument("--seed", type=integer, required=True, help="random seed: same seed, same files")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the three CSV files")
    p.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        help="as-of date of the population (default: today)",
    )
    p.add_argument(
        "--bad-fraction",
        type=float,
        default=0.0,
        help="share of rows broken on purpose, to test rejection (default: 0)",
    )


def run(args: argparse.Namespace) -> int:
    from cohorts import synthesise

    if args.n < 0:
        raise InputError(f"--n must be at least 0 (got {args.n})", id="--n")
    if args.n > MAX_PEOPLE:
        raise InputError(f"--n must be at most {MAX_PEOPLE:,} (got {args.n:,})", id="--n")
    if not 0 <= args.bad_fraction <= 1:
        raise InputError(
            f"--bad-fraction must be between 0 and 1 (got {args.bad_fraction})", id="--bad-fraction"
        )
    try:
        result = synthesise(
            args.n,
            seed=args.seed,
            out_dir=args.out,
            as_of=args.as_of or date.today(),
            bad_fraction=args.bad_fraction,
        )
    except OSError as exc:
        raise InputError(f"cannot write the files ({exc.strerror})", file=args.out) from None
    print(
        f"wrote {result.people} young people to {args.out}: people.csv ({result.people_rows} rows), "
        f"episodes.csv ({result.episode_rows} rows), events.csv ({result.event_rows} rows); "
        f"{result.expected_rejected} rows should be rejected"
    )
    return 0

"""``pathways check``: validate the rule data and lint the pathway structure."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from pathways import InputError

from ._common import parse_date

NAME = "check"
HELP = "validate rule data and lint the pathway structure"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("rules_dir", metavar="RULES_DIR", nargs="?", help="rule-data directory (default: the shipped data)")
    p.add_argument("--as-of", type=parse_date, default=None, help="date for the review-age check (default: today)")
    p.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")


def run(args: argparse.Namespace) -> int:
    from cohorts import DATA_ROOT, FACT_TYPES
    from pathways import area_ids, check_pathway, load_pathway

    root = Path(args.rules_dir) if args.rules_dir else DATA_ROOT
    if not root.is_dir():
        raise InputError("not a rule-data directory", file=str(root))
    areas = area_ids(root)
    if not areas:
        raise InputError("no area folders with an area.yaml", file=str(root))
    today = args.as_of or date.today()
    seen: set[str] = set()
    lines: list[str] = []  # printed only once every area has loaded: an error leaves stdout empty
    for area in areas:
        graph = load_pathway(root, area, facts=FACT_TYPES)
        found = [f.one_line() for f in check_pathway(graph, today=today)]
        for line in found:
            if line not in seen:
                seen.add(line)
                lines.append(f"{area}: {line}")
    total = len(lines)
    print("\n".join([*lines, f"checked {len(areas)} areas ({', '.join(areas)}): 0 errors, {total} warnings"]))
    return 1 if args.strict and total else 0

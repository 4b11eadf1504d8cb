"""``pathways scenarios``: run scenario files (person, as-of date, expected milestones and gaps)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pathways import InputError

NAME = "scenarios"
HELP = "run scenario files (person, as-of date, expected milestones and gaps)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("targets", metavar="FILE_OR_DIR", nargs="+", help="scenario YAML files or folders of them")


def run(args: argparse.Namespace) -> int:
    from roadmaps import run_scenario, scenario_files

    failed = 0
    files = [f for target in args.targets for f in scenario_files(Path(target))]
    if not files:
        raise InputError("no scenario files found", file=" ".join(args.targets))
    for path in files:
        if not path.is_file():
            raise InputError("no such scenario file", file=str(path))
        result = run_scenario(path)
        print(f"{'PASS' if result.passed else 'FAIL'}  {path}  {result.name}")
        for failure in result.failures:
            print(f"      {failure}")
        failed += not result.passed
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0

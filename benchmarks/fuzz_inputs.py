"""Fuzzing person files and population CSVs at length (issue 13). A script: it prints, it does not assert.

    python benchmarks/fuzz_inputs.py                      # 10,000 person files, 2,500 population sets
    python benchmarks/fuzz_inputs.py --person 500 --population 100 --seed 7

Each case runs the real command in-process (``pathways roadmap`` on one person
file, ``pathways population`` on one set of CSV files, with one worker) on
inputs from ``tests/fuzz_strategies.py``: well-formed records with hostile
values, hand-typed YAML and JSON, alias bombs, deep nesting, huge numbers and
fields, wrong encodings, mutated and random bytes. The bad-input rule: exit 0
or 2, never a traceback; on 2 one ``error:`` line of at most 300 characters;
every run within 5 seconds. Prints, per kind of input: the cases, the exit
codes, the tracebacks, the other breaks of the rule, the runs over 5 s, the
slowest run and the longest error line. The figures go in docs/hardening.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# After the packages: tests/ mirrors them (tests/cohorts/ …), and first it would hide them.
sys.path.append(str(ROOT / "tests"))

from fuzz_strategies import (  # noqa: E402 - found through the path set just above
    MAX_SECONDS,
    Outcome,
    person_files,
    population_files,
    run_person_file,
    run_population,
)
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


class Tally:
    """The figures of one kind of input."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cases = 0
        self.codes: Counter[int] = Counter()
        self.tracebacks: list[str] = []
        self.rule_breaks: list[str] = []
        self.over_time = 0
        self.slowest = 0.0
        self.longest_error = 0
        self.started = time.perf_counter()

    def record(self, run: Callable[[], Outcome]) -> None:
        self.cases += 1
        started = time.perf_counter()
        try:
            outcome = run()
        except AssertionError as exc:  # the rule is broken (exit code, stderr or time)
            seconds = time.perf_counter() - started
            self.slowest = max(self.slowest, seconds)
            if seconds > MAX_SECONDS:
                self.over_time += 1
            else:
                self.rule_breaks.append(str(exc)[:300])
            return
        except Exception:  # a traceback: a bug
            self.tracebacks.append(traceback.format_exc(limit=-4))
            return
        self.codes[outcome.code] += 1
        self.slowest = max(self.slowest, outcome.seconds)
        self.longest_error = max(self.longest_error, len(outcome.error))

    def report(self) -> str:
        codes = ", ".join(f"exit {code}: {n:,}" for code, n in sorted(self.codes.items()))
        lines = [
            f"{self.name}: {self.cases:,} cases in {time.perf_counter() - self.started:.0f} s ({codes})",
            f"  tracebacks: {len(self.tracebacks)}; other breaks of the rule: {len(self.rule_breaks)}; "
            f"runs over {MAX_SECONDS:g} s: {self.over_time}",
            f"  slowest run: {self.slowest:.2f} s; longest error line: {self.longest_error} characters",
        ]
        lines += [f"  traceback:\n{text}" for text in self.tracebacks[:3]]
        lines += [f"  rule broken: {text}" for text in self.rule_breaks[:3]]
        return "\n".join(lines)


def run_cases(strategy: st.SearchStrategy[Any], count: int, run: Callable[[Any], Outcome], tally: Tally, at: int) -> None:
    """Run ``count`` cases, in batches: hypothesis remembers every case of a run, which for
    10,000 cases of a few thousand random bytes each grows to gigabytes."""
    for batch, start in enumerate(range(0, count, _BATCH)):

        @seed(at * 1_000_003 + batch)
        @settings(
            max_examples=min(_BATCH, count - start),
            database=None,
            deadline=None,
            phases=[Phase.generate],  # every case counts; nothing is shrunk
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def case(value: Any) -> None:
            tally.record(lambda: run(value))

        case()


_BATCH = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--person", type=int, default=10_000, help="person files to try (default 10,000)")
    parser.add_argument("--population", type=int, default=2_500, help="population sets to try (default 2,500)")
    parser.add_argument("--seed", type=int, default=13, help="random seed (default 13)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pathways-fuzz-") as name:
        folder = Path(name)
        people = Tally("person files (pathways roadmap)")
        if args.person:
            run_cases(person_files(), args.person, lambda case: run_person_file(*case, folder), people, args.seed)
            print(people.report(), flush=True)
        population = Tally("population CSVs (pathways population)")
        if args.population:
            run_cases(population_files(), args.population, lambda files: run_population(files, folder),
                      population, args.seed)  # fmt: skip
            print(population.report(), flush=True)
    total = people.cases + population.cases
    tracebacks = len(people.tracebacks) + len(population.tracebacks)
    over = people.over_time + population.over_time
    longest = max(people.longest_error, population.longest_error)
    print(f"all: {total:,} cases, {tracebacks} tracebacks, {over} runs over {MAX_SECONDS:g} s, "
          f"longest error line {longest} characters")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Baseline versus reform over a synthetic population (issue 5). A script, not a test: it prints.

    python benchmarks/bench_compare.py                  # 100k young people, one reform, then three
    python benchmarks/bench_compare.py --size 20000     # a quick run

It writes a synthetic population (``cohorts._synth``, not timed), then in a
fresh interpreter runs the full ``pathways compare`` path (read and check the
three CSV files, a baseline roadmap and a reform roadmap per young person on
``--workers`` processes, add up, disclosure control, write every output) and
prints the wall time (target: at most 30 s for baseline + one reform on 100k
young people on a 2-core machine) and the peak memory of the process tree.

It then compares three reforms at once (each young person's baseline roadmap
is made once and reused for the three) and prints the time each extra reform
adds, which is less than a second baseline would cost.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_population import _Sampler  # noqa: E402  (the process-tree memory sampler)

AS_OF = date(2026, 11, 23)
REFORMS = ROOT / "examples" / "reforms"
ONE = ("transition-assessment-by-16.yaml",)
THREE = (
    "transition-assessment-by-16.yaml",
    "personal-adviser-automatic-to-25.yaml",
    "post-19-health-transition-service.yaml",
)


def child(folder: Path, workers: int, reforms: list[str]) -> None:
    """Run one comparison in this (fresh) interpreter and print the figures as JSON."""
    from pathways._reform import load_reform
    from roadmaps.population._compare import Scenario, compare_population_files
    from roadmaps.population._compare_report import write_comparison_report

    scenarios = [Scenario((load_reform(REFORMS / name),)) for name in reforms]
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    run = compare_population_files(
        folder / "people.csv",
        folder / "episodes.csv",
        folder / "events.csv",
        scenarios=scenarios,
        as_of=AS_OF,
        workers=workers,
        progress=False,
    )
    for index in range(len(run.scenarios)):
        write_comparison_report(run.only(index), folder / f"out-{index}")
    elapsed = time.perf_counter() - started
    peak = sampler.stop()
    assert run.accounting is not None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "people": run.accounting.people,
                "seconds": elapsed,
                "peak_tree_bytes": peak,
                "worker_cpu_seconds": usage.ru_utime + usage.ru_stime,
                "people_changed": [s.people_changed for s in run.scenarios],
            }
        )
    )


def _run(folder: Path, workers: int, reforms: tuple[str, ...]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), "--workers", str(workers), *reforms],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("reforms", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.workers, args.reforms)
        return
    from cohorts._synth import synthesise

    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        folder = Path(tmp)
        synthesise(args.size, seed=args.seed, out_dir=folder, as_of=AS_OF)
        one = _run(folder, args.workers, ONE)
        three = _run(folder, args.workers, THREE)
    mb = 1024 * 1024
    print(f"compare, {args.size:,} synthetic young people, {args.workers} workers, as of {AS_OF}")
    print(
        f"  baseline + 1 reform : {one['seconds']:6.1f} s  "
        f"({one['people'] / one['seconds']:,.0f} young people/s; target <= 30 s at 100k)  "
        f"peak memory {one['peak_tree_bytes'] / mb:,.0f} MB"
    )
    extra = (three["seconds"] - one["seconds"]) / (len(THREE) - 1)
    print(
        f"  baseline + 3 reforms: {three['seconds']:6.1f} s  "
        f"(the baseline is made once: each extra reform adds {extra:.1f} s)  "
        f"peak memory {three['peak_tree_bytes'] / mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()

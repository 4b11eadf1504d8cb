"""Population run throughput and peak memory (issue 4). A script, not a test: it prints.

    python benchmarks/bench_population.py                      # 10k, 100k and 1M (minutes)
    python benchmarks/bench_population.py --sizes 10000        # a quick run
    python benchmarks/bench_population.py --sizes 5000 --profile   # where the time goes

For each size it writes a synthetic population (``cohorts._synth``, not timed),
then runs the full population run (read and check the three CSV files, one
roadmap per young person on ``--workers`` processes, add up, disclosure
control, write every output) in a fresh interpreter, and prints:

* the throughput in young people per second (target: at least 5,000 on a
  2-core machine, scaling linearly);
* the peak memory: the largest sum of the resident memory of the run's
  process and its workers, sampled every 50 ms from ``/proc`` (target: at most
  500 MB at 1M), with ``getrusage`` peaks of the parent (``RUSAGE_SELF``) and
  of the largest worker (``RUSAGE_CHILDREN``) for comparison.

``--profile`` runs one worker in-process under cProfile and prints the
functions that take the most time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 1, 1)
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    """Resident memory of one process in bytes (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                out += [int(p) for p in handle.read().split()]
        except OSError:
            continue
    return out


def _tree_rss(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss(current)
        stack += _children(current)
    return total


class _Sampler(threading.Thread):
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        pid = os.getpid()
        while not self._stop_event.is_set():
            self.peak = max(self.peak, _tree_rss(pid))
            self._stop_event.wait(0.05)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, _tree_rss(os.getpid()))
        return self.peak


def child(folder: Path, workers: int) -> None:
    """Run one population in this (fresh) interpreter and print the figures as JSON."""
    from roadmaps.population import run_population_files, write_population_report

    own = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = own.ru_utime + own.ru_stime  # imports, before the run
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    run = run_population_files(
        folder / "people.csv",
        folder / "episodes.csv",
        folder / "events.csv",
        as_of=AS_OF,
        workers=workers,
        progress=False,
    )
    write_population_report(run, folder / "out")
    elapsed = time.perf_counter() - started
    peak = sampler.stop()
    kib = 1024  # ru_maxrss is in KiB on Linux
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    parent_cpu = own.ru_utime + own.ru_stime - cpu_before
    cpu = parent_cpu + workers_usage.ru_utime + workers_usage.ru_stime
    print(
        json.dumps(
            {
                "people": run.accounting.people,
                "rows": run.accounting.rows_in,
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "parent_cpu_seconds": parent_cpu,
                "peak_tree_bytes": peak,
                "maxrss_self_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib,
                "maxrss_children_bytes": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                * kib,
            }
        )
    )


def measure(size: int, workers: int, seed: int) -> dict[str, float]:
    """Synthesise ``size`` young people (not timed) and run them in a fresh interpreter."""
    from cohorts._synth import synthesise

    with tempfile.TemporaryDirectory(prefix="bench-population-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        synthesise(size, seed=seed, out_dir=folder, as_of=AS_OF)
        synth_seconds = time.perf_counter() - started
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(folder), "--workers", str(workers)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        figures["synth_seconds"] = synth_seconds
        return figures


def profile(size: int, seed: int) -> None:
    """Where the time goes: one process, cProfile, the top functions by own time."""
    from cohorts._synth import synthesise
    from roadmaps.population import run_population_files, write_population_report

    with tempfile.TemporaryDirectory(prefix="bench-population-") as tmp:
        folder = Path(tmp)
        synthesise(size, seed=seed, out_dir=folder, as_of=AS_OF)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        run = run_population_files(
            folder / "people.csv",
            folder / "episodes.csv",
            folder / "events.csv",
            as_of=AS_OF,
            workers=1,
            progress=False,
        )
        write_population_report(run, folder / "out")
        profiler.disable()
        elapsed = time.perf_counter() - started
    print(f"\nprofile of {size:,} young people on one process ({elapsed:.1f} s under cProfile):")
    for sort in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(sort).print_stats(18)
        print("\n".join(line for line in text.getvalue().splitlines() if line.strip())[:6000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated sizes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile one size in-process")
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.workers)
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    if args.profile:
        profile(sizes[0], args.seed)
        return
    cores = min(args.workers + 1, os.cpu_count() or 1)
    print(f"population run, --workers {args.workers}, {os.cpu_count()} processors, "
          f"load average before: {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'young people':>13} {'rows':>10} {'seconds':>8} {'people/s':>9} {'CPU ms/yp':>9} "
          f"{'parent %':>8} {'idle-core/s':>11} {'peak MB':>8} {'parent MB':>9} "
          f"{'worker MB':>9}")  # fmt: skip
    rates = []
    for size in sizes:
        f = measure(size, args.workers, args.seed)
        rate = f["people"] / f["seconds"]
        rates.append(rate)
        cpu_ms = 1000 * f["cpu_seconds"] / f["people"]
        parent_share = f["parent_cpu_seconds"] / f["cpu_seconds"]
        # What the CPU time allows when every core is free for this run: a figure
        # that other jobs on a shared machine do not distort.
        idle_rate = f["people"] * cores / f["cpu_seconds"]
        print(
            f"{int(f['people']):>13,} {int(f['rows']):>10,} {f['seconds']:>8.1f} {rate:>9,.0f} "
            f"{cpu_ms:>9.2f} {parent_share:>8.0%} {idle_rate:>11,.0f} "
            f"{f['peak_tree_bytes'] / 1e6:>8.0f} {f['maxrss_self_bytes'] / 1e6:>9.0f} "
            f"{f['maxrss_children_bytes'] / 1e6:>9.0f}",
            flush=True,
        )
    print("targets: >= 5,000 young people/s; linear scaling; peak <= 500 MB at 1,000,000")
    print("CPU ms/yp: CPU time of the run and its workers per young person; parent %: the share")
    print("of it in the run's own process (reading, sorting, joining, adding up, writing);")
    print("idle-core/s: the throughput that CPU time allows on otherwise idle cores (other jobs")
    print("slow people/s)")
    if len(rates) > 1:
        print(
            f"scaling: the largest size runs at {rates[-1] / rates[0]:.0%} of the smallest's rate"
        )


if __name__ == "__main__":
    main()

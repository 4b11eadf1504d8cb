"""Core performance figures (issue 2). A script, not a test: it prints, it does not assert.

    python benchmarks/bench_core.py

Prints the median time for one roadmap once the pathway is loaded (target <= 2 ms),
the time to load and validate all rule data (target <= 300 ms), and the CLI cold
start for one roadmap (target <= 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "people" / "yp-001-in-care-with-ehcp.yaml"


def load_all_rule_data() -> float:
    """Fresh interpreter: time loading + validating + compiling every area (imports excluded)."""
    code = (
        "import time\n"
        "from cohorts import DATA_ROOT, FACT_TYPES, available_areas\n"
        "from pathways import load_pathway\n"
        "t = time.perf_counter()\n"
        "for area in available_areas():\n"
        "    load_pathway(DATA_ROOT, area, facts=FACT_TYPES)\n"
        "print(time.perf_counter() - t)\n"
    )
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]
    return statistics.median(runs)


def one_roadmap() -> tuple[float, float]:
    from cohorts import load_pathway, load_person
    from roadmaps import generate_roadmap

    person = load_person(EXAMPLE)
    results = {}
    for area in ("england", "leicester"):
        pathway = load_pathway(area)
        generate_roadmap(person, as_of=date(2026, 11, 23), pathway=pathway)  # warm the compiled plan
        times = []
        for _ in range(2000):
            t = time.perf_counter()
            generate_roadmap(person, as_of=date(2026, 11, 23), pathway=pathway)
            times.append(time.perf_counter() - t)
        results[area] = statistics.median(times)
    return results["england"], results["leicester"]


def cli_cold_start() -> float:
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "roadmaps.cli", "roadmap", str(EXAMPLE), "--as-of", "2026-11-23"],
                       check=True, capture_output=True)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0]).parse_args()
    england, leicester = one_roadmap()
    print(f"one roadmap, pathway loaded (median of 2000): england {england * 1000:.2f} ms, "
          f"leicester {leicester * 1000:.2f} ms   (target <= 2 ms)")
    print(f"load and validate all rule data (3 areas, median of 5): {load_all_rule_data() * 1000:.0f} ms   "
          f"(target <= 300 ms)")
    print(f"CLI cold start, one roadmap (median of 5): {cli_cold_start() * 1000:.0f} ms   (target <= 1000 ms)")


if __name__ == "__main__":
    main()

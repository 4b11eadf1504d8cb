"""Routes for one real young person (issue 3: target <= 5 ms). A script: it prints, it asserts nothing.

    python benchmarks/bench_routes_person.py

Uses the example person (in care, with an EHC plan and likely care needs) in
Leicester, whose routes have six branch points and about 1,500 distinct routes.
With the pathway loaded, it times:

* the whole answer of ``pathways routes``: person -> route graph -> exact route
  count, node and outcome probabilities and the top 10 routes, with the graph
  shared by young people in the same situation already built (*warm*, the
  population case);
* the same with the graph built from scratch (*cold*, the first young person in a
  situation);
* the parts: the graph alone, and the analysis alone.

Medians and minima of 201 runs; the minimum shows the cost on a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cohorts import load_pathway, load_person
from cohorts._routes import _build, person_routes
from roadmaps.render._routes_view import routes_view

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "people" / "yp-001-in-care-with-ehcp.yaml"
AS_OF = date(2026, 11, 23)
AREA = "leicester"
RUNS = 201


def timed(action: Callable[[], object]) -> tuple[float, float]:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> None:
    argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0]).parse_args()
    pathway = load_pathway(AREA)
    person = load_person(EXAMPLE)
    routes = person_routes(person, as_of=AS_OF, pathway=pathway)
    analysis = routes.analyse(top=10)
    print(f"Python {sys.version.split()[0]}; {RUNS} runs; target <= 5 ms")
    print(f"person {person.id} in {AREA}, as of {AS_OF}: {len(routes.branch_points)} branch points, "
          f"{len(routes.graph.nodes())} nodes, {len(routes.graph.edges())} edges")
    print(f"  distinct routes (exact):  {analysis.total_routes:,}; probability_sum {analysis.probability_sum!r}")

    def warm() -> None:
        person_routes(person, as_of=AS_OF, pathway=pathway).analyse(top=10)

    def cold() -> None:
        _build.cache_clear()
        person_routes(person, as_of=AS_OF, pathway=pathway).analyse(top=10)

    rows = [
        ("routes + analysis (warm)", warm),
        ("routes + analysis (cold)", cold),
        ("routes + JSON view (warm)", lambda: routes_view(person_routes(person, as_of=AS_OF, pathway=pathway))),
        ("person -> graph (warm)", lambda: person_routes(person, as_of=AS_OF, pathway=pathway)),
        ("analysis alone (top 10)", lambda: routes.graph.analyse(top=10)),
    ]
    for label, action in rows:
        median, best = timed(action)
        print(f"  {label:<28} median {median:6.2f} ms   min {best:6.2f} ms")


if __name__ == "__main__":
    main()

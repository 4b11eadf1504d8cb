"""Benchmark of the route engine on generated layered graphs (issue 3: target <= 50 ms).

Builds a start node and then ``layers`` layers of ``width`` nodes, each node linked to
every node of the next layer with random (normalised) probabilities, so the graph
has ``width ** layers`` distinct routes. Some nodes set outcome states in four areas.
Prints the exact route count, the median time for the exact outcome probabilities
plus the top 10 routes, and the probability sum. It prints figures; it asserts nothing.

Run: ``python benchmarks/bench_routes.py``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pathways._routes import RouteEdge, RouteGraph, RouteNode

AREAS = ("employment", "independent-living", "community-inclusion", "good-health")
STATES = ("state-1", "state-2", "state-3", "state-4")
RUNS = 21


def layered_graph(layers: int, width: int, seed: int) -> RouteGraph:
    """A fully connected layered graph with ``width ** layers`` routes."""
    rng = random.Random(seed)
    names = [[f"layer-{layer:03d}-node-{i}" for i in range(width)] for layer in range(layers)]
    nodes = [RouteNode("start", "Start")]
    for layer in names:
        for name in layer:
            outcomes = {area: rng.choice(STATES) for area in AREAS if rng.random() < 0.3}
            nodes.append(RouteNode(name, name, outcomes=outcomes))
    edges: list[RouteEdge] = []
    for source, targets in [("start", names[0])] + [
        (source, names[layer + 1]) for layer in range(layers - 1) for source in names[layer]
    ]:
        weights = [rng.random() + 0.05 for _ in targets]
        total = sum(weights)
        edges += [RouteEdge(source, t, w / total) for t, w in zip(targets, weights, strict=True)]
    return RouteGraph.from_edges("start", nodes, edges)


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def report(layers: int, width: int) -> None:
    began = time.perf_counter()
    graph = layered_graph(layers, width, seed=layers * 1000 + width)
    build_ms = (time.perf_counter() - began) * 1000
    routes = graph.count_routes()
    print(f"layered graph: {layers} layers x {width} nodes, {len(graph.edges())} edges")
    print(f"  distinct routes (exact):        {routes} (~{float(routes):.2e})")
    print(f"  build and check the graph:      {build_ms:8.2f} ms (once)")

    def outcomes_and_top_10() -> None:
        graph.outcome_probabilities()
        graph.top_routes(10)

    print(f"  outcome probabilities + top 10: {median_ms(outcomes_and_top_10):8.2f} ms (median)")
    print(f"    outcome probabilities alone:  {median_ms(graph.outcome_probabilities):8.2f} ms")
    print(f"    top 10 routes alone:          {median_ms(lambda: graph.top_routes(10)):8.2f} ms")
    print(f"  count routes:                   {median_ms(graph.count_routes):8.2f} ms")
    print(f"  full analyse(top=10):           {median_ms(lambda: graph.analyse(10)):8.2f} ms")
    best = graph.top_routes(10)
    print(f"  probability_sum:                {graph.probability_sum()!r}")
    print(f"  most likely route:              p = {best[0].probability:.3e}")
    print(f"  10th most likely route:         p = {best[-1].probability:.3e}")
    employment = graph.outcome_probabilities(["employment"])["employment"]
    shares = ", ".join(f"{state} {p:.3f}" for state, p in employment.states.items())
    print(f"  employment at the end:          {shares}, unset {employment.unset:.3f}")


def main() -> None:
    argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0]).parse_args()
    print(f"Python {sys.version.split()[0]}; medians of {RUNS} runs; target <= 50 ms")
    report(layers=20, width=5)
    report(layers=40, width=10)


if __name__ == "__main__":
    main()

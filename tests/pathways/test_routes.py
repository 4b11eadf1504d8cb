"""Property and example tests for the route engine (issue 3, items 1 to 3).

Every exact computation is checked against brute-force enumeration of the routes
on small generated graphs; the enumeration lives here only, never in the engine.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways._errors import GraphError, InputError
from pathways._routes import RouteEdge, RouteGraph, RouteNode, RouteTemplate

AREAS = ("employment", "independent-living", "community", "health")
STATES = ("state-a", "state-b", "state-c")


# ------------------------------------------------------------------ strategies


@dataclass(frozen=True)
class GeneratedGraph:
    """The plain inputs of a generated route graph."""

    start: str
    nodes: tuple[RouteNode, ...]
    edges: tuple[tuple[str, str, float], ...]

    def build(self) -> RouteGraph:
        return RouteGraph.from_edges(self.start, self.nodes, self.edges)


@st.composite
def layered_route_graphs(
    draw: st.DrawFn, max_layers: int = 4, max_width: int = 3, max_children: int = 4
) -> GeneratedGraph:
    """Random layered DAGs: one start node, then layers whose nodes link to later layers.

    Probabilities come from small integer weights (0 to 3) normalised per branch,
    so equal probabilities, exact ties between routes and edges of probability 0
    all occur often. Node names are shuffled so that id order differs from layer
    order, which exercises the tie-breaking. Some nodes set outcome states, and
    a node's age is 14 plus its layer (ages play no part in the computations).
    """
    layer_count = draw(st.integers(min_value=0, max_value=max_layers))
    widths = [1] + [draw(st.integers(min_value=1, max_value=max_width)) for _ in range(layer_count)]
    total = sum(widths)
    names = draw(st.permutations([f"n{i:02d}" for i in range(total)]))
    layers: list[list[str]] = []
    position = 0
    for width in widths:
        layers.append(list(names[position : position + width]))
        position += width
    children: dict[str, set[str]] = {name: set() for name in names}
    for index, layer in enumerate(layers[:-1]):
        later = [name for following in layers[index + 1 :] for name in following]
        for name in layer:
            chosen = draw(
                st.lists(
                    st.sampled_from(later), unique=True, max_size=min(len(later), max_children)
                )
            )
            children[name].update(chosen)
    for index, layer in enumerate(layers[1:], start=1):
        earlier = [name for preceding in layers[:index] for name in preceding]
        for name in layer:
            if not any(name in children[parent] for parent in earlier):
                children[draw(st.sampled_from(earlier))].add(name)
    edges: list[tuple[str, str, float]] = []
    for name in names:
        targets = sorted(children[name])
        if not targets:
            continue
        weights = draw(
            st.lists(
                st.integers(min_value=0, max_value=3),
                min_size=len(targets),
                max_size=len(targets),
            )
        )
        if sum(weights) == 0:
            weights[draw(st.integers(min_value=0, max_value=len(targets) - 1))] = 1
        edges.extend(
            (name, target, weight / sum(weights))
            for target, weight in zip(targets, weights, strict=True)
        )
    settings_of = draw(
        st.lists(
            st.tuples(st.sampled_from(names), st.sampled_from(AREAS), st.sampled_from(STATES)),
            max_size=total,
        )
    )
    outcomes: dict[str, dict[str, str]] = {name: {} for name in names}
    for name, area, state in settings_of:
        outcomes[name][area] = state
    layer_of = {name: index for index, layer in enumerate(layers) for name in layer}
    nodes = tuple(
        RouteNode(name, f"Node {name}", age=14.0 + layer_of[name], outcomes=outcomes[name])
        for name in names
    )
    return GeneratedGraph(start=layers[0][0], nodes=nodes, edges=tuple(edges))


# ------------------------------------------------------------------ brute force


def enumerate_routes(generated: GeneratedGraph) -> Iterator[tuple[tuple[str, ...], Fraction]]:
    """Every route with its exact probability (Fraction of the float edge probabilities)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for source, target, probability in generated.edges:
        out.setdefault(source, []).append((target, probability))
    stack: list[tuple[tuple[str, ...], Fraction]] = [((generated.start,), Fraction(1))]
    while stack:
        path, probability = stack.pop()
        steps = out.get(path[-1], [])
        if not steps:
            yield path, probability
        for target, step in steps:
            stack.append(((*path, target), probability * Fraction(step)))


def final_state(generated: GeneratedGraph, path: tuple[str, ...], area: str) -> str | None:
    by_id = {node.id: node for node in generated.nodes}
    state = None
    for node_id in path:
        state = by_id[node_id].outcomes.get(area, state)
    return state


small_graphs = layered_route_graphs()
SMALL = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ properties


@QUICK
@given(small_graphs)
def test_probability_sum_is_one(generated: GeneratedGraph) -> None:
    graph = generated.build()
    assert abs(graph.probability_sum() - 1.0) <= 1e-9
    analysis = graph.analyse(top=3)
    assert abs(analysis.probability_sum - 1.0) <= 1e-9


@QUICK
@given(small_graphs)
def test_every_branch_sums_to_one(generated: GeneratedGraph) -> None:
    graph = generated.build()
    branches = graph.branch_probabilities()
    assert set(branches) == set(graph.template.branches())
    for options in branches.values():
        assert len(options) > 1
        assert abs(math.fsum(options.values()) - 1.0) <= 1e-9
    for node in graph.nodes():
        steps = graph.successors(node.id)
        if len(steps) == 1:
            assert steps[0].probability == 1.0


@QUICK
@given(small_graphs, st.data())
def test_a_branch_that_does_not_sum_to_one_is_rejected(
    generated: GeneratedGraph, data: st.DataObject
) -> None:
    graph = generated.build()
    branches = graph.branch_probabilities()
    if not branches:
        return
    branch = data.draw(st.sampled_from(sorted(branches)))
    option = data.draw(st.sampled_from(sorted(branches[branch])))
    change = data.draw(st.sampled_from([-0.2, -1e-6, 1e-6, 0.2]))
    altered = {name: dict(options) for name, options in branches.items()}
    altered[branch][option] = min(1.0, max(0.0, altered[branch][option] + change))
    if abs(math.fsum(altered[branch].values()) - 1.0) <= 1e-9:
        return  # clamping undid the change
    with pytest.raises(GraphError) as error:
        graph.template.with_probabilities(altered)
    assert error.value.id == branch
    assert branch in str(error.value)


@QUICK
@given(small_graphs)
def test_route_count_equals_enumeration(generated: GeneratedGraph) -> None:
    graph = generated.build()
    routes = list(enumerate_routes(generated))
    assert graph.count_routes() == len(routes)
    assert len({path for path, _ in routes}) == len(routes)


@SMALL
@given(small_graphs, st.integers(min_value=1, max_value=12))
def test_top_k_equals_enumeration_including_ties(generated: GeneratedGraph, k: int) -> None:
    graph = generated.build()
    possible = [(path, p) for path, p in enumerate_routes(generated) if p > 0]
    expected = sorted(possible, key=lambda route: (-route[1], route[0]))[:k]
    routes = graph.top_routes(k)
    assert [route.ids for route in routes] == [path for path, _ in expected]
    assert [route.probability for route in routes] == [float(p) for _, p in expected]
    for route, (_, exact) in zip(routes, expected, strict=True):
        assert math.isclose(route.log_probability, math.log(exact), rel_tol=1e-12, abs_tol=1e-12)
    probabilities = [route.probability for route in routes]
    assert probabilities == sorted(probabilities, reverse=True)


@SMALL
@given(small_graphs)
def test_node_terminal_and_route_probabilities_equal_enumeration(
    generated: GeneratedGraph,
) -> None:
    graph = generated.build()
    routes = list(enumerate_routes(generated))
    through: dict[str, Fraction] = {}
    ending: dict[str, Fraction] = {}
    for path, probability in routes:
        for node_id in path:
            through[node_id] = through.get(node_id, Fraction(0)) + probability
        ending[path[-1]] = ending.get(path[-1], Fraction(0)) + probability
        assert graph.route_probability(path) == float(probability)
    for node_id, probability in graph.node_probabilities().items():
        assert math.isclose(probability, through[node_id], abs_tol=1e-12)
    terminals = graph.terminal_probabilities()
    assert set(terminals) == set(ending)
    for node_id, probability in terminals.items():
        assert math.isclose(probability, ending[node_id], abs_tol=1e-12)


@SMALL
@given(small_graphs)
def test_outcome_probabilities_equal_enumeration(generated: GeneratedGraph) -> None:
    graph = generated.build()
    routes = list(enumerate_routes(generated))
    outcomes = graph.outcome_probabilities()
    assert tuple(outcomes) == graph.areas()
    for area in AREAS:
        expected: dict[str | None, Fraction] = {}
        for path, probability in routes:
            state = final_state(generated, path, area)
            expected[state] = expected.get(state, Fraction(0)) + probability
        result = graph.outcome_probabilities([area])[area]
        # Every state some node sets is listed, with 0 when it is always overridden.
        set_somewhere = {node.outcomes[area] for node in generated.nodes if area in node.outcomes}
        assert set(result.states) == set_somewhere
        assert list(result.states) == sorted(set_somewhere)
        for state, probability in result.states.items():
            assert math.isclose(probability, expected.get(state, Fraction(0)), abs_tol=1e-12)
        assert math.isclose(result.unset, expected.get(None, Fraction(0)), abs_tol=1e-12)
        total = math.fsum([*result.states.values(), result.unset])
        assert abs(total - 1.0) <= 1e-9


@settings(max_examples=40, deadline=None)
@given(small_graphs, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(
    generated: GeneratedGraph, rng: random.Random
) -> None:
    graph = generated.build()
    nodes, edges = list(generated.nodes), list(generated.edges)
    rng.shuffle(nodes)
    rng.shuffle(edges)
    mirrored = RouteGraph.from_edges(None, nodes, edges)
    assert mirrored.start == graph.start
    assert mirrored.top_routes(20) == graph.top_routes(20)
    assert mirrored.analyse(5) == graph.analyse(5)
    assert mirrored.edges() == graph.edges()


# ------------------------------------------------------------------ examples


def _nodes(*ids: str, **outcomes: dict[str, str]) -> list[RouteNode]:
    return [
        RouteNode(node_id, node_id.title(), outcomes=outcomes.get(node_id, {})) for node_id in ids
    ]


def test_exact_ties_are_broken_by_node_ids() -> None:
    # s -> (b | a), each 0.5, then both -> t: two routes of probability 0.5 exactly.
    graph = RouteGraph.from_edges(
        "s",
        _nodes("s", "a", "b", "t"),
        [("s", "b", 0.5), ("s", "a", 0.5), ("a", "t", 1.0), ("b", "t", 1.0)],
    )
    assert [route.ids for route in graph.top_routes(5)] == [("s", "a", "t"), ("s", "b", "t")]


def test_ties_between_different_step_orders_are_exact() -> None:
    # 0.1 * 0.3 and 0.3 * 0.1 are the same product exactly, although the float
    # products and log sums may differ in the last bit; the order must still be by id.
    graph = RouteGraph.from_edges(
        "s",
        _nodes("s", "x", "y", "p", "q", "r", "t"),
        [
            ("s", "y", 0.1),
            ("s", "x", 0.3),
            ("s", "t", 0.6),
            ("y", "p", 0.3),
            ("y", "r", 0.7),
            ("x", "q", 0.1),
            ("x", "r", 0.9),
            ("p", "t", 1.0),
            ("q", "t", 1.0),
            ("r", "t", 1.0),
        ],
    )
    routes = graph.top_routes(10)
    ids = [route.ids for route in routes]
    assert ids.index(("s", "x", "q", "t")) + 1 == ids.index(("s", "y", "p", "t"))
    assert routes[-1].probability == routes[-2].probability


def test_zero_probability_routes_are_counted_but_not_listed() -> None:
    graph = RouteGraph.from_edges("s", _nodes("s", "a", "b"), [("s", "a", 1.0), ("s", "b", 0.0)])
    assert graph.count_routes() == 2
    assert [route.ids for route in graph.top_routes(5)] == [("s", "a")]
    assert graph.terminal_probabilities() == {"a": 1.0, "b": 0.0}


def test_single_node_graph() -> None:
    graph = RouteGraph.from_edges("only", _nodes("only"), [])
    assert graph.count_routes() == 1
    assert graph.probability_sum() == 1.0
    (route,) = graph.top_routes(3)
    assert route.ids == ("only",)
    assert route.probability == 1.0
    assert graph.top_routes(0) == ()


def layered(layers: int, width: int, probability_of: float | None = None) -> RouteGraph:
    """A start node, then ``layers`` layers of ``width`` nodes, each linked to all the next."""
    names = [[f"l{layer:04d}-{i}" for i in range(width)] for layer in range(layers)]
    nodes = [RouteNode("start", "Start")]
    nodes += [RouteNode(name, name) for layer in names for name in layer]
    p = 1.0 / width if probability_of is None else probability_of
    edges = [RouteEdge("start", name, p) for name in names[0]]
    for current, following in itertools.pairwise(names):
        edges += [RouteEdge(a, b, p) for a in current for b in following]
    return RouteGraph.from_edges("start", nodes, edges)


def test_astronomical_route_count_is_exact() -> None:
    graph = layered(30, 10)
    assert graph.count_routes() == 10**30
    assert abs(graph.probability_sum() - 1.0) <= 1e-9


def test_deep_graph_does_not_underflow() -> None:
    graph = layered(700, 3)
    routes = graph.top_routes(3)
    assert len(routes) == 3
    assert routes[0].probability == 0.0  # 3 ** -700 is below the smallest float
    assert math.isclose(routes[0].log_probability, -700 * math.log(3), rel_tol=1e-12)
    # All routes tie exactly, so they come in id order.
    assert [route.ids for route in routes] == sorted(route.ids for route in routes)
    assert routes[0].ids[-2:] == ("l0698-0", "l0699-0")
    assert graph.count_routes() == 3**700


def test_last_state_set_wins() -> None:
    graph = RouteGraph.from_edges(
        "s",
        _nodes(
            "s",
            "college",
            "job",
            "end",
            college={"employment": "in-education"},
            job={"employment": "paid-work"},
            end={"health": "well"},
        ),
        [
            ("s", "college", 0.6),
            ("s", "job", 0.4),
            ("college", "job", 0.5),
            ("college", "end", 0.5),
        ],
        # end is reached from job too
    )
    assert graph.count_routes() == 3
    employment = graph.outcome_probabilities()["employment"]
    assert math.isclose(employment.states["in-education"], 0.3)
    assert math.isclose(employment.states["paid-work"], 0.7)
    assert employment.unset == 0.0
    health = graph.outcome_probabilities()["health"]
    assert math.isclose(health.states["well"], 0.3)
    assert math.isclose(health.unset, 0.7)


# ------------------------------------------------------------------ person-dependent binding


def test_template_binds_person_dependent_probabilities() -> None:
    template = RouteTemplate.from_edges(
        "s",
        _nodes("s", "eligible", "signposted", "t"),
        [("s", "eligible"), ("s", "signposted"), ("eligible", "t"), ("signposted", "t")],
    )
    assert template.branches() == {"s": ("eligible", "signposted")}
    first = template.with_probabilities({"s": {"eligible": 0.8, "signposted": 0.2}})
    second = template.with_probabilities({"s": {"eligible": 0.5, "signposted": 0.5}})
    assert first.top_routes(1)[0].ids == ("s", "eligible", "t")
    assert first.node_probabilities()["eligible"] == 0.8
    assert second.node_probabilities()["eligible"] == 0.5
    assert first.template is second.template


@pytest.mark.parametrize(
    ("probabilities", "message"),
    [
        ({}, "no probabilities given"),
        ({"s": {"eligible": 1.0}}, "no probability given for option"),
        ({"s": {"eligible": 0.5, "signposted": 0.25, "other": 0.25}}, "not an option"),
        ({"s": {"eligible": 0.8, "signposted": 0.2}, "t": {"x": 1.0}}, "terminal"),
        ({"s": {"eligible": 0.8, "signposted": 0.2}, "nowhere": {"x": 1.0}}, "no such node"),
        ({"s": {"eligible": 0.8, "signposted": 0.2}, "eligible": {"t": 0.5}}, "only step"),
    ],
)
def test_binding_errors(probabilities: dict[str, dict[str, float]], message: str) -> None:
    template = RouteTemplate.from_edges(
        "s",
        _nodes("s", "eligible", "signposted", "t"),
        [("s", "eligible"), ("s", "signposted"), ("eligible", "t"), ("signposted", "t")],
    )
    with pytest.raises(GraphError, match=message):
        template.with_probabilities(probabilities)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("start", "ids", "edges", "bad_id", "message"),
    [
        ("s", ("s", "a", "b"), [("s", "a", 0.5), ("s", "b", 0.4)], "s", "sum to"),
        ("s", ("s", "a", "b"), [("s", "a", 1.2), ("s", "b", -0.2)], "s", r"in \[0, 1\]"),
        ("s", ("s", "a", "b"), [("s", "a", math.nan), ("s", "b", 0.5)], "s", r"in \[0, 1\]"),
        ("s", ("s", "a"), [("s", "a", 0.9)], "s", "only step"),
        ("s", ("s", "a", "b"), [("s", "a", 1.0), ("a", "b", 1.0), ("b", "a", 1.0)], "a", "cycle"),
        ("s", ("s", "a"), [("s", "a", 1.0), ("a", "a", 1.0)], "a", "cycle"),
        ("s", ("s", "a"), [("s", "a", 0.5), ("s", "z", 0.5)], "s", "not a node"),
        ("s", ("s", "a"), [("s", "a", 1.0), ("s", "a", 1.0)], "s", "twice"),
        ("s", ("s", "a", "b"), [("s", "a", 1.0)], "b", "more than one start"),
        (None, ("s", "a", "b"), [("s", "a", 1.0)], "b", "exactly one start"),
        ("a", ("s", "a"), [("s", "a", 1.0)], "a", "incoming"),
        ("x", ("s", "a"), [("s", "a", 1.0)], "x", "not a node"),
        ("s", ("s", "s"), [], "s", "twice"),
    ],
)
def test_invalid_graphs_are_rejected(
    start: str | None,
    ids: tuple[str, ...],
    edges: list[tuple[str, str, float]],
    bad_id: str,
    message: str,
) -> None:
    with pytest.raises(GraphError, match=message) as error:
        RouteGraph.from_edges(start, _nodes(*ids), edges)
    assert error.value.id == bad_id


def test_empty_graph_is_rejected() -> None:
    with pytest.raises(GraphError, match="no nodes"):
        RouteGraph.from_edges(None, [], [])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "", "label": "x"}, "non-empty"),
        ({"id": "a", "label": ""}, "label"),
        ({"id": "a", "label": "A", "age": -1}, "age"),
        ({"id": "a", "label": "A", "age": math.inf}, "age"),
        ({"id": "a", "label": "A", "outcomes": {"employment": ""}}, "outcome"),
    ],
)
def test_invalid_nodes_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(GraphError, match=message):
        RouteNode(**kwargs)  # type: ignore[arg-type]


def test_nodes_are_frozen() -> None:
    node = RouteNode("a", "A", age=16, outcomes={"employment": "paid-work"})
    assert node.age == 16.0
    with pytest.raises(AttributeError):
        node.label = "B"  # type: ignore[misc]
    with pytest.raises(TypeError):
        node.outcomes["employment"] = "none"  # type: ignore[index]


def test_route_probability_rejects_non_routes() -> None:
    graph = RouteGraph.from_edges("s", _nodes("s", "a", "b"), [("s", "a", 0.5), ("s", "b", 0.5)])
    assert graph.route_probability(["s", "a"]) == 0.5
    for bad in (["a"], ["s"], ["s", "b", "a"], ["s", "zz"]):
        with pytest.raises(InputError):
            graph.route_probability(bad)
    with pytest.raises(InputError):
        graph.top_routes(-1)


def test_to_networkx_is_a_copy() -> None:
    graph = RouteGraph.from_edges("s", _nodes("s", "a", "b"), [("s", "a", 0.25), ("s", "b", 0.75)])
    copy = graph.to_networkx()
    assert copy.edges["s", "b"]["probability"] == 0.75
    copy.edges["s", "b"]["probability"] = 0.0
    copy.add_edge("a", "b")
    assert graph.branch_probabilities() == {"s": {"a": 0.25, "b": 0.75}}
    assert graph.count_routes() == 2

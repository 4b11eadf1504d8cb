"""Routes through a probabilistic pathway: exact probabilities by dynamic programming (issue 3).

A route graph is a directed acyclic graph with one start node. A node with more
than one outgoing edge is a *branch*: its outgoing probabilities sum to 1. A node
with one outgoing edge passes all its probability on, and a node with none is a
*terminal* (an outcome at the end of the pathway). A *route* is a path from the
start to a terminal; its probability is the product of the edge probabilities.

Everything is computed over the graph, never by listing routes, because the
number of routes grows exponentially with the number of branches
(docs/routes-engine.md explains each algorithm):

* the probability of reaching each node: one forward pass in topological order;
* the number of routes: one backward pass, exact Python integers;
* the k most likely routes: each node keeps its k best route suffixes, merged
  lazily from its children's lists with a heap (the dynamic programme for k best
  paths in a DAG; Eppstein, "Finding the k shortest paths", SIAM J. Comput. 28(2),
  1998, treats the general case), in O(E + V k log(out-degree));
* the probability of each outcome state in each area (for example the Preparing
  for Adulthood areas): the state a route ends with in an area is the last state
  set on it, and one backward pass per area gives the probability, from each
  node, of meeting no later node that sets that area.

Route probabilities for the k-best search are exact: a float probability is a
dyadic rational, so each route suffix is held as an integer numerator over a
power-of-two denominator shared by all suffixes of a node. Routes are therefore
ordered by their exact probability, and exact ties by the sequence of node ids,
so the output is identical on every run and on every machine, with no underflow
however deep the graph.

The engine is generic: it knows no cohort, age or statute. The cohort layer
chooses which probabilities apply to a person and binds them to a
:class:`RouteTemplate` with :meth:`RouteTemplate.with_probabilities`.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx

from ._errors import GraphError, InputError
from ._stats import PROBABILITY_TOLERANCE

_LOG_TWO = math.log(2.0)


def _freeze_outcomes(outcomes: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(sorted(outcomes.items())))


@dataclass(frozen=True, slots=True)
class RouteNode:
    """A point on a route: a service, decision or outcome.

    Attributes:
        id: the node id, unique within its graph.
        label: plain-English name.
        age: the age (in years) at which the point is usually reached, or None.
        outcomes: area -> outcome state that reaching this node sets, for example
            ``{"employment": "paid-work"}``. A route's state in an area is the last
            state set along it.

    >>> RouteNode("job", "Paid work", outcomes={"employment": "paid-work"}).outcomes["employment"]
    'paid-work'
    """

    id: str
    label: str
    age: float | None = None
    outcomes: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise GraphError(f"a node id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.label, str) or not self.label:
            raise GraphError("a node needs a non-empty label", id=self.id)
        if self.age is not None:
            if isinstance(self.age, bool) or not isinstance(self.age, int | float):
                raise GraphError(f"age must be a number or None, got {self.age!r}", id=self.id)
            if not math.isfinite(self.age) or self.age < 0:
                raise GraphError(f"age must be finite and >= 0, got {self.age!r}", id=self.id)
            object.__setattr__(self, "age", float(self.age))
        for area, state in self.outcomes.items():
            if not (isinstance(area, str) and area and isinstance(state, str) and state):
                raise GraphError(
                    f"outcome {area!r}: {state!r} must map an area to a state, both "
                    "non-empty strings",
                    id=self.id,
                )
        object.__setattr__(self, "outcomes", _freeze_outcomes(self.outcomes))


@dataclass(frozen=True, slots=True)
class RouteEdge:
    """A step from one node to another, taken with ``probability`` once at ``source``.

    Attributes:
        source: the id of the node the step leaves.
        target: the id of the node it reaches.
        probability: the probability of taking this step from ``source``, in [0, 1].
    """

    source: str
    target: str
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class Route:
    """One route from the start to a terminal.

    Attributes:
        steps: the nodes in order, start first.
        probability: the product of the edge probabilities (may underflow to 0.0
            for a very deep graph; ``log_probability`` does not).
        log_probability: its natural logarithm.
    """

    steps: tuple[RouteNode, ...]
    probability: float
    log_probability: float

    @property
    def ids(self) -> tuple[str, ...]:
        """The node ids along the route."""
        return tuple(step.id for step in self.steps)


@dataclass(frozen=True, slots=True)
class AreaOutcomes:
    """The distribution of the final outcome state in one area.

    Attributes:
        area: the area, for example ``"employment"``.
        states: state -> probability that a route ends in that state, by state name.
        unset: the probability of a route on which no node sets this area.
    """

    area: str
    states: Mapping[str, float] = field(hash=False)
    unset: float


@dataclass(frozen=True, slots=True)
class RouteAnalysis:
    """Everything :meth:`RouteGraph.analyse` computes in one pass.

    Attributes:
        total_routes: the exact number of distinct start-to-terminal routes.
        probability_sum: the sum of the terminal probabilities (1 up to rounding).
        node_probabilities: node id -> probability of reaching it, in topological order.
        terminal_probabilities: terminal id -> probability of ending there.
        routes: the most likely routes, most likely first.
        outcomes: area -> :class:`AreaOutcomes`, by area name.
    """

    total_routes: int
    probability_sum: float
    node_probabilities: Mapping[str, float] = field(hash=False)
    terminal_probabilities: Mapping[str, float] = field(hash=False)
    routes: tuple[Route, ...]
    outcomes: Mapping[str, AreaOutcomes] = field(hash=False)


class RouteTemplate:
    """The shape of a route graph, with the branch probabilities still open.

    Build one with :meth:`from_edges`; the structure is checked once (no dangling
    ends, no cycle, exactly one start node) and then reused for every person by
    :meth:`with_probabilities`. Nodes are kept in topological order, ties broken
    by id, and each node's successors in id order.
    """

    __slots__ = ("_children", "_ids", "_index", "_nodes", "_parents", "_start")

    _ids: tuple[str, ...]
    _index: Mapping[str, int]
    _nodes: tuple[RouteNode, ...]
    _children: tuple[tuple[int, ...], ...]
    _parents: tuple[tuple[int, ...], ...]
    _start: int

    @classmethod
    def from_edges(
        cls,
        start: str | None,
        nodes: Iterable[RouteNode],
        edges: Iterable[tuple[str, str]],
    ) -> RouteTemplate:
        """Check and build the structure.

        Args:
            start: the start node id, or None to take the only node with no incoming edge.
            nodes: every node.
            edges: (source id, target id) pairs.

        Raises:
            GraphError: a duplicate node or edge, an edge end that is not a node, a
                cycle, or not exactly one start node.
        """
        template = cls.__new__(cls)
        node_list = list(nodes)
        index: dict[str, int] = {}
        for node in node_list:
            if not isinstance(node, RouteNode):
                raise GraphError(f"expected a RouteNode, got {node!r}")
            if node.id in index:
                raise GraphError("node defined twice", id=node.id)
            index[node.id] = len(index)
        if not node_list:
            raise GraphError("a route graph needs a start node, and there are no nodes")
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(index)
        for source, target in edges:
            for end in (source, target):
                if end not in index:
                    raise GraphError(
                        f"edge {source!r} -> {target!r} refers to {end!r}, which is not a node",
                        id=source if isinstance(source, str) else None,
                    )
            if graph.has_edge(source, target):
                raise GraphError(f"edge {source!r} -> {target!r} given twice", id=source)
            graph.add_edge(source, target)
        if not nx.is_directed_acyclic_graph(graph):
            cycle = [u for u, _ in nx.find_cycle(graph)]
            raise GraphError(
                f"routes must not loop, but {' -> '.join([*cycle, cycle[0]])} is a cycle",
                id=cycle[0],
            )
        sources = sorted(node for node, degree in graph.in_degree() if degree == 0)
        if start is None:
            if len(sources) != 1:
                raise GraphError(
                    "expected exactly one start node (a node with no incoming edge), found "
                    f"{len(sources)}: {', '.join(sources)}",
                    id=sources[0] if sources else None,
                )
            start = sources[0]
        if start not in index:
            raise GraphError("the start node is not a node of the graph", id=start)
        if graph.in_degree(start) > 0:
            raise GraphError("the start node has incoming edges", id=start)
        others = [node for node in sources if node != start]
        if others:
            raise GraphError(
                f"more than one start node: {', '.join(others)} cannot be reached from {start!r}",
                id=others[0],
            )
        order = tuple(nx.lexicographical_topological_sort(graph))
        position = {node: i for i, node in enumerate(order)}
        by_id = {node.id: node for node in node_list}
        template._ids = order
        template._index = MappingProxyType(position)
        template._nodes = tuple(by_id[node] for node in order)
        template._children = tuple(
            tuple(position[c] for c in sorted(graph.successors(node))) for node in order
        )
        template._parents = tuple(
            tuple(position[p] for p in sorted(graph.predecessors(node))) for node in order
        )
        template._start = position[start]
        return template

    def __repr__(self) -> str:
        edges = sum(len(children) for children in self._children)
        return f"RouteTemplate(start={self.start!r}, nodes={len(self._ids)}, edges={edges})"

    def _position(self, node_id: str) -> int:
        try:
            return self._index[node_id]
        except KeyError:
            raise GraphError("no such node in the route graph", id=node_id) from None

    @property
    def start(self) -> str:
        """The start node id."""
        return self._ids[self._start]

    def node(self, node_id: str) -> RouteNode:
        """The node with this id (GraphError if none)."""
        return self._nodes[self._position(node_id)]

    def nodes(self) -> tuple[RouteNode, ...]:
        """Every node, in topological order (ties by id)."""
        return self._nodes

    def successors(self, node_id: str) -> tuple[str, ...]:
        """The ids of the nodes one step on from ``node_id``, in id order."""
        return tuple(self._ids[c] for c in self._children[self._position(node_id)])

    def predecessors(self, node_id: str) -> tuple[str, ...]:
        """The ids of the nodes one step before ``node_id``, in id order."""
        return tuple(self._ids[p] for p in self._parents[self._position(node_id)])

    def branches(self) -> dict[str, tuple[str, ...]]:
        """Branch id -> its option (successor) ids, for every node with more than one successor."""
        return {
            self._ids[v]: tuple(self._ids[c] for c in children)
            for v, children in enumerate(self._children)
            if len(children) > 1
        }

    def terminals(self) -> tuple[str, ...]:
        """The ids of the nodes with no successor, in topological order."""
        return tuple(self._ids[v] for v, children in enumerate(self._children) if not children)

    def areas(self) -> tuple[str, ...]:
        """Every area in which some node sets an outcome state, by name."""
        return tuple(sorted({area for node in self._nodes for area in node.outcomes}))

    def count_routes(self) -> int:
        """The exact number of distinct start-to-terminal routes, by a backward pass.

        ``routes(terminal) = 1`` and ``routes(v) = sum of routes(c)`` over the
        successors ``c`` of ``v``; the answer is ``routes(start)``. Python integers
        are exact however large. Routes through edges of probability 0 count too:
        the number describes the shape of the pathway.
        """
        counts = [0] * len(self._ids)
        for v in reversed(range(len(self._ids))):
            children = self._children[v]
            counts[v] = sum(counts[c] for c in children) if children else 1
        return counts[self._start]

    def with_probabilities(self, probabilities: Mapping[str, Mapping[str, float]]) -> RouteGraph:
        """Bind probabilities to the branches, giving a concrete :class:`RouteGraph`.

        This is how probabilities that depend on a person are applied: the caller
        picks, for each branch, the option probabilities that fit the person, and
        the structure is not checked again.

        Args:
            probabilities: branch id -> (option id -> probability). Every branch
                must be given, with exactly its options. A node with one successor
                may be given too, and then its probability must be 1.

        Raises:
            GraphError: a missing or unknown branch or option, a probability outside
                [0, 1], or a branch whose probabilities do not sum to 1 within 1e-9.
        """
        return RouteGraph(self, probabilities)

    def to_networkx(self) -> nx.DiGraph[str]:
        """A copy of the structure as a networkx DiGraph (node attributes: label, age, outcomes)."""
        graph: nx.DiGraph[str] = nx.DiGraph()
        for node in self._nodes:
            graph.add_node(node.id, label=node.label, age=node.age, outcomes=dict(node.outcomes))
        for v, children in enumerate(self._children):
            for c in children:
                graph.add_edge(self._ids[v], self._ids[c])
        return graph


def _check_probability(source: str, target: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GraphError(f"edge {source!r} -> {target!r} has a non-numeric probability", id=source)
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise GraphError(
            f"edge {source!r} -> {target!r} has probability {value!r}, expected a number in [0, 1]",
            id=source,
        )
    return float(value)


class RouteGraph:
    """A route graph with a probability on every edge.

    Build one with :meth:`from_edges`, or bind probabilities to a
    :class:`RouteTemplate` with :meth:`RouteTemplate.with_probabilities`. The graph
    is immutable; every query recomputes from the structure.

    >>> nodes = [RouteNode("start", "Year 9"), RouteNode("college", "FE college"),
    ...          RouteNode("work", "Paid work", outcomes={"employment": "paid-work"})]
    >>> graph = RouteGraph.from_edges("start", nodes, [
    ...     ("start", "college", 0.75), ("start", "work", 0.25), ("college", "work", 1.0)])
    >>> graph.count_routes(), graph.probability_sum()
    (2, 1.0)
    >>> [(route.ids, route.probability) for route in graph.top_routes(1)]
    [(('start', 'college', 'work'), 0.75)]
    >>> graph.outcome_probabilities()["employment"].states["paid-work"]
    1.0
    """

    __slots__ = ("_parent_edges", "_probabilities", "_template")

    _template: RouteTemplate
    _probabilities: tuple[tuple[float, ...], ...]
    _parent_edges: tuple[tuple[tuple[int, float], ...], ...]

    def __init__(
        self, template: RouteTemplate, probabilities: Mapping[str, Mapping[str, float]]
    ) -> None:
        """Bind ``probabilities`` to ``template``; see :meth:`RouteTemplate.with_probabilities`."""
        ids = template._ids
        for node_id in probabilities:
            v = template._position(node_id)
            if not template._children[v]:
                raise GraphError("a terminal node has no options to give probabilities", id=node_id)
        table: list[tuple[float, ...]] = []
        for v, children in enumerate(template._children):
            node_id = ids[v]
            if not children:
                table.append(())
                continue
            given = probabilities.get(node_id)
            options = [ids[c] for c in children]
            if given is None:
                if len(children) > 1:
                    raise GraphError("no probabilities given for this branch", id=node_id)
                given = {options[0]: 1.0}
            unknown = sorted(set(given) - set(options))
            if unknown:
                raise GraphError(
                    f"{', '.join(unknown)} is not an option here (options: {', '.join(options)})",
                    id=node_id,
                )
            missing = [option for option in options if option not in given]
            if missing:
                raise GraphError(
                    f"no probability given for option(s) {', '.join(missing)}", id=node_id
                )
            row = tuple(_check_probability(node_id, option, given[option]) for option in options)
            total = math.fsum(row)
            if abs(total - 1.0) > PROBABILITY_TOLERANCE:
                what = (
                    f"branch probabilities sum to {total!r}"
                    if len(row) > 1
                    else f"the only step has probability {total!r}"
                )
                raise GraphError(
                    f"{what}, expected 1 (within {PROBABILITY_TOLERANCE})",
                    id=node_id,
                )
            table.append(row)
        parent_edges: list[list[tuple[int, float]]] = [[] for _ in ids]
        for v, children in enumerate(template._children):
            for c, probability in zip(children, table[v], strict=True):
                parent_edges[c].append((v, probability))
        self._template = template
        self._probabilities = tuple(table)
        self._parent_edges = tuple(tuple(sorted(edges)) for edges in parent_edges)

    @classmethod
    def from_edges(
        cls,
        start: str | None,
        nodes: Iterable[RouteNode],
        edges: Iterable[RouteEdge | tuple[str, str, float]],
    ) -> RouteGraph:
        """Check and build a route graph from plain Python values.

        Args:
            start: the start node id, or None to take the only node with no incoming edge.
            nodes: every node.
            edges: :class:`RouteEdge` objects or (source, target, probability) triples.
                A branch's probabilities must sum to 1 within 1e-9; the one edge out of
                a non-branch node must have probability 1 (within 1e-9).

        Raises:
            GraphError: any structural error of :meth:`RouteTemplate.from_edges`, or a
                probability error of :meth:`RouteTemplate.with_probabilities`.
        """
        edge_list = [edge if isinstance(edge, RouteEdge) else RouteEdge(*edge) for edge in edges]
        template = RouteTemplate.from_edges(
            start, nodes, [(edge.source, edge.target) for edge in edge_list]
        )
        probabilities: dict[str, dict[str, float]] = {}
        for edge in edge_list:
            probabilities.setdefault(edge.source, {})[edge.target] = edge.probability
        return cls(template, probabilities)

    def __repr__(self) -> str:
        return repr(self._template).replace("RouteTemplate", "RouteGraph", 1)

    # ---------------------------------------------------------------- structure

    @property
    def template(self) -> RouteTemplate:
        """The structure, for binding other probabilities."""
        return self._template

    @property
    def start(self) -> str:
        """The start node id."""
        return self._template.start

    def node(self, node_id: str) -> RouteNode:
        """The node with this id (GraphError if none)."""
        return self._template.node(node_id)

    def nodes(self) -> tuple[RouteNode, ...]:
        """Every node, in topological order (ties by id)."""
        return self._template.nodes()

    def terminals(self) -> tuple[str, ...]:
        """The ids of the terminal nodes, in topological order."""
        return self._template.terminals()

    def areas(self) -> tuple[str, ...]:
        """Every area in which some node sets an outcome state, by name."""
        return self._template.areas()

    def successors(self, node_id: str) -> tuple[RouteEdge, ...]:
        """The edges out of ``node_id``, in target id order."""
        t = self._template
        v = t._position(node_id)
        return tuple(
            RouteEdge(node_id, t._ids[c], p)
            for c, p in zip(t._children[v], self._probabilities[v], strict=True)
        )

    def edges(self) -> tuple[RouteEdge, ...]:
        """Every edge, by source in topological order and then by target id."""
        return tuple(edge for node in self._template._ids for edge in self.successors(node))

    def branch_probabilities(self) -> dict[str, dict[str, float]]:
        """Branch id -> (option id -> probability), for every node with more than one successor."""
        t = self._template
        return {
            t._ids[v]: {t._ids[c]: p for c, p in zip(children, self._probabilities[v], strict=True)}
            for v, children in enumerate(t._children)
            if len(children) > 1
        }

    def to_networkx(self) -> nx.DiGraph[str]:
        """A copy as a networkx DiGraph, with a ``probability`` attribute on each edge."""
        graph = self._template.to_networkx()
        for edge in self.edges():
            graph.edges[edge.source, edge.target]["probability"] = edge.probability
        return graph

    # ---------------------------------------------------------------- computations

    def count_routes(self) -> int:
        """The exact number of distinct routes; see :meth:`RouteTemplate.count_routes`."""
        return self._template.count_routes()

    def _reach(self) -> list[float]:
        """Forward pass: ``reach(start) = 1``, ``reach(v) = sum of reach(u) * p(u, v)``."""
        t = self._template
        reach = [0.0] * len(t._ids)
        reach[t._start] = 1.0
        for v, parents in enumerate(self._parent_edges):
            if parents:
                reach[v] = math.fsum(reach[u] * p for u, p in parents)
        return reach

    def node_probabilities(self) -> dict[str, float]:
        """Node id -> the probability that a route passes through it, in topological order."""
        return dict(zip(self._template._ids, self._reach(), strict=True))

    def _terminal_probabilities(self, reach: Sequence[float]) -> dict[str, float]:
        t = self._template
        return {t._ids[v]: reach[v] for v, children in enumerate(t._children) if not children}

    def terminal_probabilities(self) -> dict[str, float]:
        """Terminal id -> the probability of ending there, in topological order."""
        return self._terminal_probabilities(self._reach())

    def probability_sum(self) -> float:
        """The sum of all route probabilities: the terminal probabilities added with math.fsum.

        It is 1 up to floating-point rounding (and up to 1e-9 per branch on a route,
        the tolerance the branch check allows).
        """
        return math.fsum(self.terminal_probabilities().values())

    def top_routes(self, k: int) -> tuple[Route, ...]:
        """The ``k`` most likely routes, most likely first, by an exact k-best dynamic programme.

        Nodes are taken in reverse topological order. A terminal's only suffix is
        itself; any other node merges its children's sorted suffix lists with a
        heap, pushing a child's next suffix only when its current one is taken
        (a lazy k-way merge), and keeps the first ``k``. Every route is a best
        suffix of each of its nodes' lists, so the start node's list is the answer.
        Cost: O(E + V k log(out-degree)) big-integer operations.

        Probabilities are compared exactly (see the module docstring); routes of
        equal probability come in order of their node id sequences. Routes of
        probability 0 are never returned, so fewer than ``k`` may come back.

        Raises:
            InputError: ``k`` is not a whole number >= 0.
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise InputError(f"the number of routes must be a whole number >= 0, got {k!r}")
        t = self._template
        ids = t._ids
        size = len(ids)
        if k == 0:
            return ()
        # Each suffix is (numerator, child, rank in the child's list); the probability
        # is numerator / 2 ** scale[node], the same scale for every suffix of a node.
        scale = [0] * size
        best: list[list[tuple[int, int, int]]] = [[] for _ in range(size)]
        for v in reversed(range(size)):
            children = t._children[v]
            if not children:
                best[v] = [(1, -1, 0)]
                continue
            options = []
            top = 0
            for c, probability in zip(children, self._probabilities[v], strict=True):
                if probability > 0.0:
                    numerator, denominator = probability.as_integer_ratio()
                    shift = denominator.bit_length() - 1
                    options.append((c, numerator, shift))
                    top = max(top, shift + scale[c])
            scale[v] = top
            heap = []
            for c, numerator, shift in options:
                multiplier = numerator << (top - shift - scale[c])
                heap.append((-multiplier * best[c][0][0], ids[c], 0, c, multiplier))
            heapq.heapify(heap)
            kept: list[tuple[int, int, int]] = []
            while heap and len(kept) < k:
                negative, child_id, rank, c, multiplier = heapq.heappop(heap)
                kept.append((-negative, c, rank))
                rank += 1
                if rank < len(best[c]):
                    heapq.heappush(
                        heap, (-multiplier * best[c][rank][0], child_id, rank, c, multiplier)
                    )
            best[v] = kept
        start = t._start
        denominator = 1 << scale[start]
        log_denominator = scale[start] * _LOG_TWO
        routes = []
        for numerator, child, rank in best[start]:
            path = [start]
            while child >= 0:
                path.append(child)
                _, child, rank = best[child][rank]
            routes.append(
                Route(
                    steps=tuple(t._nodes[v] for v in path),
                    probability=numerator / denominator,
                    log_probability=math.log(numerator) - log_denominator,
                )
            )
        return tuple(routes)

    def route_probability(self, route: Sequence[str]) -> float:
        """The exact probability of one route, given as node ids from the start to a terminal.

        Useful for tracing a real journey (a case study) through the pathway.

        Raises:
            InputError: the ids do not form a route of this graph.
        """
        t = self._template
        if not route or route[0] != t.start:
            raise InputError(f"a route must begin at the start node {t.start!r}")
        numerator, shift = 1, 0
        for source, target in itertools.pairwise(route):
            v = t._index.get(source)
            c = t._index.get(target)
            if v is None or c is None or c not in t._children[v]:
                raise InputError(f"there is no step from {source!r} to {target!r}", id=source)
            part, denominator = self._probabilities[v][t._children[v].index(c)].as_integer_ratio()
            numerator *= part
            shift += denominator.bit_length() - 1
        if t._children[t._position(route[-1])]:
            raise InputError("a route must end at a terminal node", id=route[-1])
        return numerator / (1 << shift)

    def _outcomes(self, reach: Sequence[float], areas: Iterable[str]) -> dict[str, AreaOutcomes]:
        t = self._template
        size = len(t._ids)
        result = {}
        for area in sorted(set(areas)):
            setter = [node.outcomes.get(area) for node in t._nodes]
            # clear[v]: the probability, once at v, of ending with no later node setting `area`.
            clear = [1.0] * size
            for v in reversed(range(size)):
                children = t._children[v]
                if children:
                    clear[v] = math.fsum(
                        p * clear[c]
                        for c, p in zip(children, self._probabilities[v], strict=True)
                        if setter[c] is None
                    )
            totals: dict[str, list[float]] = {}
            for v, state in enumerate(setter):
                if state is not None:
                    totals.setdefault(state, []).append(reach[v] * clear[v])
            start = t._start
            result[area] = AreaOutcomes(
                area=area,
                states=MappingProxyType(
                    {state: math.fsum(totals[state]) for state in sorted(totals)}
                ),
                unset=0.0 if setter[start] is not None else clear[start],
            )
        return result

    def outcome_probabilities(self, areas: Iterable[str] | None = None) -> dict[str, AreaOutcomes]:
        """Area -> the distribution of the state a route ends with in that area.

        A route's state in an area is the state set by the last node on it that sets
        the area. So ``P(state s) = sum over nodes v setting s of reach(v) * clear(v)``,
        where ``clear(v)``, the probability of meeting no later node that sets the
        area, comes from one backward pass per area. Areas are marginal: each is
        computed on its own.

        Args:
            areas: the areas wanted; by default every area some node sets. An area no
                node sets comes back with all its probability ``unset``.
        """
        wanted = self._template.areas() if areas is None else areas
        return self._outcomes(self._reach(), wanted)

    def analyse(self, top: int = 10, areas: Iterable[str] | None = None) -> RouteAnalysis:
        """Run every computation once, sharing the forward pass.

        Args:
            top: how many of the most likely routes to list.
            areas: the outcome areas wanted (default: all).
        """
        reach = self._reach()
        terminals = self._terminal_probabilities(reach)
        wanted = self._template.areas() if areas is None else areas
        return RouteAnalysis(
            total_routes=self.count_routes(),
            probability_sum=math.fsum(terminals.values()),
            node_probabilities=MappingProxyType(dict(zip(self._template._ids, reach, strict=True))),
            terminal_probabilities=MappingProxyType(terminals),
            routes=self.top_routes(top),
            outcomes=MappingProxyType(self._outcomes(reach, wanted)),
        )

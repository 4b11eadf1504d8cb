"""The pathway graph: a typed wrapper around a private networkx DiGraph.

networkx hands out mutable attribute dicts, so the graph is never exposed
directly; :meth:`PathwayGraph.to_networkx` returns a copy for notebooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import networkx as nx

from ._errors import GraphError
from ._evaluate import CompiledRules
from ._loader import FactTypes, RuleSet, load_rules
from ._models import Edge, GapRule, Node, Parameter


class PathwayGraph:
    """Services, triggers, milestones, assessments and plans, and the edges between them.

    Build one with :func:`load_pathway`; it is immutable and safe to share
    between young people (and between threads).
    """

    def __init__(self, rules: RuleSet) -> None:
        self._rules = rules
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for node in rules.nodes.values():
            graph.add_node(node.id)
        for edge in rules.edges:
            graph.add_edge(edge.from_, edge.to, key=edge.kind)
        self._graph = graph
        self.compiled = CompiledRules(rules)

    # ------------------------------------------------------------ rule data

    @property
    def rules(self) -> RuleSet:
        """The validated rule data behind the graph."""
        return self._rules

    @property
    def area(self) -> str:
        return self._rules.area

    def node(self, node_id: str) -> Node:
        """The node with this id.

        Raises:
            GraphError: no such node.
        """
        try:
            return self._rules.nodes[node_id]
        except KeyError:
            raise GraphError("no such node in the pathway", id=node_id) from None

    def service(self, service_id: str) -> Node:
        """The service with this id."""
        node = self.node(service_id)
        if node.kind != "service":
            raise GraphError(f"'{service_id}' is a {node.kind}, not a service", id=service_id)
        return node

    def parameter(self, parameter_id: str) -> Parameter:
        try:
            return self._rules.parameters[parameter_id]
        except KeyError:
            raise GraphError("no such parameter", id=parameter_id) from None

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        """All nodes (of one kind), in id order."""
        for node_id in sorted(self._rules.nodes):
            node = self._rules.nodes[node_id]
            if kind is None or node.kind == kind:
                yield node

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        """All edges (of one kind), in file order."""
        return (e for e in self._rules.edges if kind is None or e.kind == kind)

    def gap_rules(self) -> Iterator[GapRule]:
        """All gap rules, in id order."""
        return (self._rules.gaps[k] for k in sorted(self._rules.gaps))

    # ------------------------------------------------------------ structure

    def successors(self, node_id: str, kind: str | None = None) -> tuple[str, ...]:
        """Ids the node points to (by one edge kind), sorted."""
        self.node(node_id)
        return tuple(
            sorted({v for _, v, k in self._graph.out_edges(node_id, keys=True) if kind is None or k == kind})
        )

    def predecessors(self, node_id: str, kind: str | None = None) -> tuple[str, ...]:
        """Ids pointing to the node (by one edge kind), sorted."""
        self.node(node_id)
        return tuple(
            sorted({u for u, _, k in self._graph.in_edges(node_id, keys=True) if kind is None or k == kind})
        )

    def handover_successors(self, service_id: str) -> tuple[str, ...]:
        """The services a service hands over to."""
        return self.successors(service_id, "hands-over-to")

    @cached_property
    def roots(self) -> tuple[str, ...]:
        """Where the pathway starts: triggers, and milestones that apply to everyone."""
        return tuple(
            n.id
            for n in self.nodes()
            if n.kind == "trigger" or (n.kind == "milestone" and n.applies_when is None and not self.predecessors(n.id))
        )

    def reachable(self) -> frozenset[str]:
        """Every node reachable from a root."""
        seen: set[str] = set()
        for root in self.roots:
            seen.add(root)
            seen.update(nx.descendants(self._graph, root))
        return frozenset(seen)

    def to_networkx(self) -> nx.MultiDiGraph[str]:
        """A copy of the graph with node and edge attributes, for notebook users."""
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for node in self.nodes():
            graph.add_node(node.id, kind=node.kind, label=node.label, agency=node.agency,
                           status=node.status, cohorts=node.cohorts)
        for edge in self._rules.edges:
            graph.add_edge(edge.from_, edge.to, key=edge.kind, kind=edge.kind, label=edge.label)
        return graph

    def to_dot(self, **options: object) -> str:
        """The pathway as Graphviz DOT text (see :func:`pathways._dot.to_dot`)."""
        from ._dot import to_dot

        return to_dot(self, **options)  # type: ignore[arg-type]

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: the pathway map as SVG when Graphviz is installed."""
        from html import escape

        from ._dot import graphviz_available, render_dot

        summary = (f"<p>Pathway <b>{escape(self._rules.label)}</b>: {len(self._rules.nodes)} nodes, "
                   f"{len(self._rules.edges)} edges, {len(self._rules.gaps)} gap rules.</p>")
        if graphviz_available():
            return summary + render_dot(self.to_dot(), "svg").decode("utf-8")
        return summary + "<p>Install the Graphviz program to see the pathway map.</p>"

    def __repr__(self) -> str:
        return f"<PathwayGraph area={self.area!r} nodes={len(self._rules.nodes)} edges={len(self._rules.edges)}>"


def load_pathway(data_root: str | Path, area: str, *, facts: FactTypes) -> PathwayGraph:
    """Load, validate and compile the pathway of an area.

    Args:
        data_root: directory with one folder per area (``england``, ``leicester``, …).
        area: the area to load; overlays load their baseline first.
        facts: the fact vocabulary (name -> ``bool``, ``date`` or ``text``).
    """
    return PathwayGraph(load_rules(data_root, area, facts=facts))

"""The pathway as Graphviz DOT text (no binary needed), and SVG/PNG when Graphviz is installed.

Nodes are coloured by agency and lined up left to right by the age they
belong to, with handovers drawn bold. Structural gaps found by ``check`` are
outlined in red with a warning symbol; a person's own route can be highlighted.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable

from ._errors import PathwaysError
from ._graph import PathwayGraph
from ._models import DateExpr, Node

SHAPES = {"service": "box", "trigger": "diamond", "milestone": "ellipse", "assessment": "hexagon", "plan": "note"}
# Fill colours; black text on each meets WCAG AA contrast (checked in tests).
AGENCY_FILL = {"education": "#cfe2ff", "health": "#d1f0d8", "social-care": "#fde2c8", "other": "#e9e9ef"}
EDGE_STYLE = {
    "triggers": 'style="solid", color="#444444"',
    "starts": 'style="dashed", color="#444444"',
    "requires": 'style="dotted", color="#444444"',
    "hands-over-to": 'style="bold", color="#1d3557", penwidth=2.5',
    "reviews": 'style="dashed", color="#888888", constraint=false',
}
GAP_COLOUR = "#b00020"
INSTALL_HINT = "the Graphviz program 'dot' is not installed; install it with: apt-get install -y graphviz"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _nominal_age(graph: PathwayGraph, node: Node) -> float | None:
    """The age a node belongs to, for ordering: the first age parameter its dates name."""
    exprs: list[DateExpr] = [e for e in (node.date, node.starts, node.ends) if e is not None]
    for param_id in graph.compiled.parameters_behind(*exprs):
        param = graph.rules.parameters[param_id]
        if param.unit == "years":
            return float(next(reversed(param.values.values())))
        if param.unit == "year-group":
            return float(next(reversed(param.values.values()))) + 4.5
    return None


def to_dot(
    graph: PathwayGraph,
    *,
    cohort: str | None = None,
    warnings: Iterable[str] = (),
    highlight: Iterable[str] = (),
    title: str | None = None,
) -> str:
    """The pathway (or one cohort's part of it) as DOT text.

    Args:
        cohort: keep only nodes of this cohort (and shared nodes).
        warnings: node ids with structural gaps, outlined in red.
        highlight: node ids on a young person's own route, drawn thicker.
    """
    warn, mark = set(warnings), set(highlight)
    nodes = [n for n in graph.nodes() if cohort is None or not n.cohorts or cohort in n.cohorts]
    keep = {n.id for n in nodes}
    label = title or f"Transition pathway: {graph.rules.label}" + (f", {cohort}" if cohort else "")
    lines = [
        "digraph pathway {",
        f"  graph [rankdir=LR, fontname=\"Helvetica\", label={_quote(label)}, labelloc=t, fontsize=20, newrank=true];",
        '  node [fontname="Helvetica", fontsize=11, style="filled", color="#333333"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    ages: dict[float, list[str]] = {}
    for node in nodes:
        age = _nominal_age(graph, node)
        if age is not None:
            ages.setdefault(age, []).append(node.id)
        text = node.label if node.id not in warn else f"⚠ {node.label}"
        attrs = [
            f"label={_quote(text)}",
            f"shape={SHAPES[node.kind]}",
            f'fillcolor="{AGENCY_FILL[node.agency]}"',
            f"tooltip={_quote(node.id)}",
        ]
        if node.id in warn:
            attrs += [f'color="{GAP_COLOUR}"', "penwidth=3", 'fontcolor="#000000"']
        if node.id in mark:
            attrs += ["penwidth=3", 'style="filled,bold"']
        elif mark:
            attrs += ['fontcolor="#555555"']
        lines.append(f"  {_quote(node.id)} [{', '.join(attrs)}];")
    axis = sorted(ages)
    if axis:
        lines.append('  node [shape=plaintext, style="", fontsize=14];')
        for age in axis:
            lines.append(f"  {_quote(f'axis-{age:g}')} [label={_quote(f'age {age:g}' if age == int(age) else f'Year {age - 4.5:g}')}];")
        chain = " -> ".join(_quote(f"axis-{age:g}") for age in axis)
        if len(axis) > 1:
            lines.append(f"  {chain} [style=invis];")
        for age in axis:
            members = " ".join(_quote(i) for i in [f"axis-{age:g}", *sorted(ages[age])])
            lines.append(f"  {{ rank=same; {members} }}")
    for edge in graph.edges():
        if edge.from_ in keep and edge.to in keep:
            style = EDGE_STYLE[edge.kind]
            extra = ", penwidth=3" if edge.from_ in mark and edge.to in mark else ""
            lines.append(f"  {_quote(edge.from_)} -> {_quote(edge.to)} [{style}, tooltip={_quote(edge.kind)}{extra}];")
    lines.append("  subgraph cluster_legend {")
    lines.append('    label="Key"; fontsize=12; color="#999999";')
    for agency, fill in AGENCY_FILL.items():
        lines.append(f'    {_quote("legend-" + agency)} [label={_quote(agency)}, shape=box, style=filled, fillcolor="{fill}"];')
    lines.append(f'    "legend-gap" [label="⚠ structural gap", shape=box, style=filled, fillcolor="#ffffff", color="{GAP_COLOUR}", penwidth=3];')
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def render_dot(dot: str, fmt: str) -> bytes:
    """Render DOT to ``svg`` or ``png`` with the Graphviz program.

    Raises:
        PathwaysError: the Graphviz program is not installed (with the install command).
    """
    if not graphviz_available():
        raise PathwaysError(INSTALL_HINT)
    import graphviz  # the Python package; imported late to keep start-up fast

    rendered: bytes = graphviz.Source(dot).pipe(format=fmt)
    return rendered

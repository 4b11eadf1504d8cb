"""HTML fragments for Jupyter (``_repr_html_``): compact, escaped, no external resources."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roadmaps import Roadmap

_STYLE = (
    "<style>.pw-t{border-collapse:collapse;font:13px/1.4 sans-serif}.pw-t th,.pw-t td"
    "{border:1px solid #bbb;padding:2px 6px;text-align:left}.pw-overdue{font-weight:bold;color:#a00000}</style>"
)


def table(headers: list[str], rows: list[list[Any]], *, status_column: int | None = None) -> str:
    """A small escaped HTML table."""
    head = "".join(f"<th scope='col'>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            cls = " class='pw-overdue'" if status_column == index and value == "overdue" else ""
            cells.append(f"<td{cls}>{escape('' if value is None else str(value))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"{_STYLE}<table class='pw-t'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def roadmap_html(roadmap: Roadmap) -> str:
    """The timeline SVG (when the SVG renderer is available), the gaps and the dated entries."""
    parts = [f"<h3>Roadmap for {escape(roadmap.person_id)} as of {roadmap.as_of.isoformat()} ({escape(roadmap.area)})</h3>"]
    from ._svg import render_svg

    parts.append(render_svg(roadmap))
    parts.append(f"<h4>Gaps ({len(roadmap.gaps)})</h4>")
    parts.append(table(["severity", "rule", "since", "message", "action"],
                       [[g.severity, g.rule, g.since, g.message, g.action] for g in roadmap.gaps]))
    parts.append("<h4>Timeline</h4>")
    parts.append(table(["date", "age", "status", "what", "who", "rule"],
                       [[e.date, f"{e.age_years}y {e.age_months}m", e.status, e.title, e.owner,
                         f"{e.rule.id} ({e.rule.status})"] for e in roadmap.entries], status_column=2))
    return "".join(parts)

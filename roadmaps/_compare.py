"""Baseline versus reform for one young person: what moves, what opens, what closes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from html import escape
from typing import Any

from .model import Roadmap


@dataclass(frozen=True, slots=True)
class MilestoneMove:
    id: str
    before: str | None  # ISO date, None when the entry is new under the reform
    after: str | None  # ISO date, None when the entry disappears
    days: int | None
    status_before: str | None
    status_after: str | None


@dataclass(frozen=True, slots=True)
class RoadmapDiff:
    """Differences between a baseline roadmap and the same person's roadmap under reforms."""

    reforms: tuple[str, ...]
    moved: tuple[MilestoneMove, ...]
    gaps_opened: tuple[str, ...]
    gaps_closed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.moved or self.gaps_opened or self.gaps_closed)

    def to_pandas(self) -> Any:
        """The changed entries as a pandas DataFrame (needs the pandas extra)."""
        from pathways import to_frame

        return to_frame(
            (dataclasses.asdict(m) for m in self.moved),
            columns=["id", "before", "after", "days", "status_before", "status_after"],
        )

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: what moved, and the gaps opened and closed."""
        rows = "".join(
            f"<tr><th scope=\"row\">{escape(m.id)}</th><td>{escape(m.before or 'none')}</td>"
            f"<td>{escape(m.after or 'none')}</td><td>{'' if m.days is None else f'{m.days:+d}'}</td>"
            f"<td>{escape(m.status_before or '')} → {escape(m.status_after or '')}</td></tr>"
            for m in self.moved
        )
        table = (
            "<table><caption>Entries that change</caption><thead><tr><th scope=\"col\">entry</th>"
            "<th scope=\"col\">before</th><th scope=\"col\">after</th><th scope=\"col\">days</th>"
            f"<th scope=\"col\">status</th></tr></thead><tbody>{rows}</tbody></table>"
            if self.moved
            else "<p>No entry changes.</p>"
        )
        gaps = "".join(
            f"<li>{sign} {escape(rule)}</li>"
            for sign, rules in (("gap opened:", self.gaps_opened), ("gap closed:", self.gaps_closed))
            for rule in rules
        )
        title = escape(", ".join(self.reforms))
        return f"<div><p>Changes under reform: <b>{title}</b></p>{table}<ul>{gaps}</ul></div>"

    def as_json(self) -> dict[str, Any]:
        return {
            "reforms": list(self.reforms),
            "milestones_changed": [
                {"id": m.id, "before": m.before, "after": m.after, "days": m.days,
                 "status_before": m.status_before, "status_after": m.status_after}
                for m in self.moved
            ],
            "gaps_opened": list(self.gaps_opened),
            "gaps_closed": list(self.gaps_closed),
        }


def compare_roadmaps(baseline: Roadmap, reform: Roadmap, reforms: tuple[str, ...]) -> RoadmapDiff:
    """Entries whose date or status changed, and gap rules that opened or closed."""
    before = {e.id: e for e in baseline.entries}
    after = {e.id: e for e in reform.entries}
    moved: list[MilestoneMove] = []
    for entry_id in sorted(set(before) | set(after)):
        a, b = before.get(entry_id), after.get(entry_id)
        if a is not None and b is not None and (a.date, a.status) == (b.date, b.status):
            continue
        moved.append(
            MilestoneMove(
                id=entry_id,
                before=a.date.isoformat() if a else None,
                after=b.date.isoformat() if b else None,
                days=(b.date - a.date).days if a and b else None,
                status_before=a.status if a else None,
                status_after=b.status if b else None,
            )
        )
    gaps_before = {(g.rule, g.milestone) for g in baseline.gaps}
    gaps_after = {(g.rule, g.milestone) for g in reform.gaps}
    return RoadmapDiff(
        reforms=reforms,
        moved=tuple(moved),
        gaps_opened=tuple(sorted(r for r, _ in gaps_after - gaps_before)),
        gaps_closed=tuple(sorted(r for r, _ in gaps_before - gaps_after)),
    )


def render_diff_text(diff: RoadmapDiff) -> str:
    lines = ["", f"Changes under reform: {', '.join(diff.reforms)}", "-" * 22]
    if not diff.changed:
        lines.append("No change for this young person.")
    for m in diff.moved:
        if m.before and m.after:
            shift = f" ({m.days:+d} days)" if m.days else ""
            status = f", {m.status_before} -> {m.status_after}" if m.status_before != m.status_after else ""
            lines.append(f"* {m.id}: {m.before} -> {m.after}{shift}{status}")
        elif m.after:
            lines.append(f"+ {m.id}: new on {m.after} ({m.status_after})")
        else:
            lines.append(f"- {m.id}: no longer applies (was {m.before})")
    lines += [f"+ gap opened: {g}" for g in diff.gaps_opened]
    lines += [f"- gap closed: {g}" for g in diff.gaps_closed]
    return "\n".join(lines) + "\n"

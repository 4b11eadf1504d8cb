"""Text, Markdown and JSON renderings of a roadmap (HTML and SVG live in their own modules)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from roadmaps.model import Citation, Entry, Gap, Roadmap, RuleRef

STATUS_WORDS = {
    "done": "done",
    "due": "due now",
    "overdue": "OVERDUE",
    "upcoming": "coming up",
    "not-applicable": "not applicable",
}
#: Shown instead of "due now" or "OVERDUE" when the input never records the events that would complete a line.
NOT_RECORDED = "not recorded"
AGENCY_WORDS = {"education": "Education", "health": "Health", "social-care": "Social care", "other": "Other"}


def format_date(day: date) -> str:
    """``10 January 2027`` (no leading zero, as GOV.UK style writes dates)."""
    return f"{day.day} {day:%B %Y}"


def age_label(entry: Entry) -> str:
    if entry.age_months == 0:
        return f"{entry.age_years}"
    return f"{entry.age_years}y {entry.age_months}m"


# ---------------------------------------------------------------- JSON


def _citation_json(c: Citation) -> dict[str, Any]:
    return {k: v for k, v in (
        ("title", c.title), ("instrument", c.instrument), ("provision", c.provision),
        ("url", c.url), ("seed", c.seed), ("quote", c.quote),
    ) if v is not None}


def _rule_json(rule: RuleRef) -> dict[str, Any]:
    return {"id": rule.id, "status": rule.status, "citation": rule.cite(),
            "references": [_citation_json(c) for c in rule.citations]}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def entry_json(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "date": e.date.isoformat(),
        "status": e.status,
        "kind": e.kind,
        "title": e.title,
        "description": e.description,
        "age": {"years": e.age_years, "months": e.age_months},
        "window_start": _iso(e.window_start),
        "done_on": _iso(e.done_on),
        "agency": e.agency,
        "owner": e.owner,
        "owner_id": e.owner_id,
        "pfa_area": e.pfa_area,
        "cohorts": list(e.cohorts),
        "rule": e.rule.id,
        "rule_status": e.rule.status,
        "citation": e.rule.cite(),
        "references": [_citation_json(c) for c in e.rule.citations],
        "explanation": list(e.explanation),
        "recorded": e.recorded,
    }


def gap_json(g: Gap) -> dict[str, Any]:
    return {
        "rule": g.rule,
        "severity": g.severity,
        "title": g.title,
        "message": g.message,
        "family_message": g.family_message,
        "action": g.action,
        "since": _iso(g.since),
        "days_overdue": g.days_overdue,
        "milestone": g.milestone,
        "catalogue": g.catalogue,
        "owner": g.owner,
        "agency": g.agency,
        "duty": _rule_json(g.duty),
        "explanation": list(g.explanation),
    }


def roadmap_json(roadmap: Roadmap) -> dict[str, Any]:
    """The roadmap as the JSON object of the core issue's interface (plus additions)."""
    milestones = [entry_json(e) for e in roadmap.entries if not e.kind.startswith("service")]
    care = roadmap.care_status
    out: dict[str, Any] = {
        "person_id": roadmap.person_id,
        "as_of": roadmap.as_of.isoformat(),
        "area": roadmap.area,
        "settings": dict(roadmap.settings),
        "milestones": milestones,
        "gaps": [gap_json(g) for g in roadmap.gaps],
        # Gap rules that would fire but need events the input never records: unknown, not missing.
        "not_recorded": [gap_json(g) for g in roadmap.not_recorded],
        # A young person who moves: the area whose rules apply from each date (null: from birth).
        "areas": [
            {"from": None if start == date.min else start.isoformat(), "area": area} for start, area in roadmap.areas
        ],
        "date_of_birth": roadmap.date_of_birth.isoformat(),
        "cohorts": list(roadmap.cohorts),
        "start": roadmap.start.isoformat(),
        "end": roadmap.end.isoformat(),
        "services": [
            {
                "id": s.id, "label": s.label, "agency": s.agency, "start": _iso(s.start), "end": _iso(s.end),
                "successors": list(s.successors), "rule": s.rule.id, "rule_status": s.rule.status,
                "citation": s.rule.cite(), "beyond_statutory": s.beyond_statutory,
            }
            for s in roadmap.services
        ],
        "timeline": [entry_json(e) for e in roadmap.entries if e.kind.startswith("service")],
        "care_leaver_status": None if care is None else {
            "status_on_as_of": care.status_on_as_of,
            "weeks_looked_after_since_14": care.weeks_looked_after_since_14,
            "eligible_from": _iso(care.eligible_from),
            "relevant_from": _iso(care.relevant_from),
            "former_relevant_from": _iso(care.former_relevant_from),
            "qualifying_from": _iso(care.qualifying_from),
            "returned_to_care_on": _iso(care.returned_to_care_on),
            "periods": [
                {"from": p.start.isoformat(), "status": p.status, "reason": p.reason} for p in care.periods
            ],
        },
    }
    if roadmap.reform is not None:
        out["reform"] = roadmap.reform.as_json()
    if roadmap.routes is not None:
        out["routes"] = roadmap.routes
    return out


def render_json(roadmap: Roadmap) -> str:
    return json.dumps(roadmap_json(roadmap), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- text


def _settings_line(roadmap: Roadmap) -> str:
    return ", ".join(f"{k}={v}" for k, v in roadmap.settings.items())


def status_word(e: Entry) -> str:
    """The status of a line in words ("not recorded" when its events are never recorded)."""
    return STATUS_WORDS[e.status] if e.recorded else NOT_RECORDED


def _short_cite(rule: RuleRef, most: int = 2) -> str:
    """The first citations of a rule, for one line of text (JSON and HTML carry them all)."""
    seen = [c for c in dict.fromkeys(c.short() for c in rule.citations) if c]
    return "; ".join(seen[:most]) + ("; …" if len(seen) > most else "")


def render_text(roadmap: Roadmap, *, explain: bool = False) -> str:
    """A plain-text roadmap for the terminal or a case note."""
    lines = [
        f"Roadmap for {roadmap.person_id}, as of {format_date(roadmap.as_of)} ({roadmap.area})",
        f"Born {format_date(roadmap.date_of_birth)}. Cohorts: {', '.join(roadmap.cohorts) or 'none'}.",
        f"Settings: {_settings_line(roadmap)}",
        "",
        "Timeline",
        "--------",
    ]
    width = max((len(status_word(e)) for e in roadmap.entries), default=8)
    for e in roadmap.entries:
        lines.append(f"{e.date.isoformat()}  age {age_label(e):<7} {status_word(e):<{width}}  {e.title}")
        lines.append(f"{'':26}{'':{width}}{AGENCY_WORDS[e.agency]}: {e.owner}. Rule {e.rule.id} [{e.rule.status}]: {_short_cite(e.rule)}")
        if explain:
            lines.extend(f"{'':26}{'':{width}}- {x}" for x in e.explanation)
    lines += ["", f"Gaps ({len(roadmap.gaps)})", "----"]
    if not roadmap.gaps:
        lines.append("No gaps found.")
    for g in roadmap.gaps:
        since = f" overdue since {format_date(g.since)}" if g.since else ""
        lines.append(f"[{g.severity.upper()}] {g.rule}{since}: {g.message}")
        lines.append(f"    What to do: {g.action}")
        lines.append(f"    Owner: {g.owner}. Duty: {_short_cite(g.duty)} [{g.duty.status}]")
        if explain:
            lines.extend(f"    - {x}" for x in g.explanation)
    if roadmap.not_recorded:
        lines += ["", f"Not recorded ({len(roadmap.not_recorded)})", "------------",
                  "The record holds no events of these kinds, so these duties cannot be checked:"]
        lines.extend(f"- {g.rule}: {g.title}" for g in roadmap.not_recorded)
    text = "\n".join(lines) + "\n"
    if roadmap.routes is not None:
        from ._routes_view import render_routes_text

        text += "\n" + render_routes_text(roadmap.routes, sources=False)
    return text


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(roadmap: Roadmap) -> str:
    """A Markdown roadmap that reads well in a case-system note or on GitHub."""
    out = [
        f"# Roadmap for {roadmap.person_id}",
        "",
        f"As of **{format_date(roadmap.as_of)}** · area **{roadmap.area}** · "
        f"born {format_date(roadmap.date_of_birth)} · cohorts: {', '.join(roadmap.cohorts) or 'none'}",
        "",
    ]
    if roadmap.gaps:
        out += ["## Gaps to act on", "", "| Severity | Gap | Overdue since | What to do | Owner | Duty |", "|---|---|---|---|---|---|"]
        for g in roadmap.gaps:
            since = format_date(g.since) if g.since else ""
            out.append(
                f"| {g.severity} | **{_md(g.title)}** (`{g.rule}`): {_md(g.message)} | {since} | {_md(g.action)} "
                f"| {_md(g.owner)} | {_md(g.duty.cite())} ({g.duty.status}) |"
            )
        out.append("")
    else:
        out += ["## Gaps to act on", "", "No gaps found.", ""]
    out += ["## Timeline", "", "| Date | Age | Status | What happens | Who | Rule |", "|---|---|---|---|---|---|"]
    for e in roadmap.entries:
        status = status_word(e)
        status = f"**{status}**" if e.status == "overdue" and e.recorded else status
        out.append(
            f"| {format_date(e.date)} | {age_label(e)} | {status} | {_md(e.title)} | {_md(e.owner)} "
            f"| `{e.rule.id}` ({e.rule.status}) {_md(e.rule.cite())} |"
        )
    if roadmap.not_recorded:
        out += ["", "## Not recorded", "",
                "The record holds no events of these kinds, so these duties cannot be checked:", ""]
        out += [f"- **{_md(g.title)}** (`{g.rule}`)" for g in roadmap.not_recorded]
    out += ["", f"Settings: {_settings_line(roadmap)}.", ""]
    text = "\n".join(out)
    if roadmap.routes is not None:
        from ._routes_view import render_routes_markdown

        text += "\n" + render_routes_markdown(roadmap.routes, heading_level=2)
    return text

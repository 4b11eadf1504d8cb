"""The roadmap as one self-contained HTML page, for a practitioner or for a family.

The page holds its own CSS and the timeline SVG inline. It makes no request to
anywhere: no scripts, no fonts, no stylesheets, no images, and no URL in any
attribute (citation addresses are printed as plain text without their scheme).
It prints on A4, and every colour comes from :mod:`roadmaps.render.palette`, whose
pairs are checked against WCAG 2.2 AA.

The practitioner page (the default) carries rule ids, citations and rule
statuses. The family page is easy-read: short sentences, "you" and "your",
status words in plain English, no rule ids, what changes at 18 and the carers'
assessments (text from ``roadmaps/render/data/family_text.yaml``). Both end with a
glossary of every acronym used on the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from importlib.resources import files
from string import Template
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from pathways import RuleDataError, birthday, load_yaml_text
from roadmaps import Citation, Entry, Roadmap, RuleRef, ServiceSpan, Severity, Status

from . import palette as pal
from ._glossary import glossary_for
from ._svg import (
    AGENCY_NAMES,
    AUDIENCES,
    PFA_AREAS,
    STATUS_WORDS,
    Audience,
    _markup,
    _pfa_key,
    leap_day_policy,
    long_date,
    short_date,
)

FAMILY_TEXT_FILE = "family_text.yaml"

_STATUS_GLYPHS: dict[Status, str] = {
    "done": "✓",
    "due": "◆",
    "overdue": "!",
    "upcoming": "○",
    "not-applicable": "\u2013",  # en dash
}

_PRACTITIONER_HEADINGS = {
    "gaps": "Gaps and what to do",
    "timeline": "Timeline",
    "dates": "Dated entries",
    "services": "Services and handovers",
    "routes": "Likely routes",
    "glossary": "Glossary",
}

_RULE_STATUS_NOTE = (
    "Rule status: verified (the rule's text was checked), unverified (to be checked "
    "against the law), ambiguous (sources conflict; a setting chooses), local (a local "
    "policy, which may go beyond the statutory floor)."
)


# --- family text ----------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reference(_Model):
    """A source behind a statement: a provision of an instrument, a page, or a seed."""

    title: str | None = None
    instrument: str | None = None
    provision: str | None = None
    url: str | None = None
    seed: str | None = None
    quote: str | None = None


class FamilyItem(_Model):
    """One easy-read point, with its source."""

    id: str
    heading: str
    text: tuple[str, ...]
    status: Literal["verified-primary", "verified-secondary", "unverified"]
    references: tuple[Reference, ...]
    age: int | None = None


class _Section(_Model):
    lead: tuple[str, ...]
    items: tuple[FamilyItem, ...]


class _Routes(_Model):
    lead: tuple[str, ...]
    outcomes_lead: str
    caveat: str


class FamilyText(_Model):
    """The family page's fixed text (``roadmaps/render/data/family_text.yaml``)."""

    headings: dict[str, str]
    intro: tuple[str, ...]
    status_words: dict[Status, str]
    severity_words: dict[Severity, str]
    routes: _Routes
    at_18: _Section
    carers: _Section


@cache
def load_family_text() -> FamilyText:
    """The easy-read text shipped with the package.

    Raises:
        RuleDataError: the file is malformed, has an unknown key, or an item has
            no reference.
    """
    source = f"roadmaps/render/data/{FAMILY_TEXT_FILE}"
    text = (files("roadmaps.render") / "data" / FAMILY_TEXT_FILE).read_text(encoding="utf-8")
    data = load_yaml_text(text, source=source)
    try:
        parsed = FamilyText.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RuleDataError(f"{where}: {first['msg']}", file=source) from None
    for item in (*parsed.at_18.items, *parsed.carers.items):
        if not item.references:
            raise RuleDataError("an item must cite at least one reference", file=source, id=item.id)
    return parsed


# --- small helpers ----------------------------------------------------------------------


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _time(on: date, text: str | None = None) -> str:
    return f'<time datetime="{on.isoformat()}">{_esc(text or long_date(on))}</time>'


def plain_url(url: str) -> str:
    """A web address as plain text without its scheme, so that the page holds no
    link a browser or a checker could take for a resource to fetch.

    >>> plain_url("https://www.gov.uk/pip")
    'www.gov.uk/pip'
    """
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            return url[len(scheme) :]
    return url


def _citation_text(citation: Citation | Reference) -> str:
    if citation.instrument:
        text = f"{citation.instrument} {citation.provision or ''}".strip()
    elif citation.seed:
        text = f"{citation.title + ', ' if citation.title else ''}seed {citation.seed}"
    else:
        text = citation.title or ""
    if citation.url and not citation.instrument and not citation.seed:
        text = f"{text} ({plain_url(citation.url)})" if text else plain_url(citation.url)
    return text


def _citations(rule: RuleRef) -> str:
    """The rule's citations as HTML, each source once.

    A law is cited by instrument and provision. A seed document is cited by its
    number (``seed 003``), with the full file name in a tooltip. A web page is
    cited by its title, with its address as plain text that the printed copy
    leaves out, so that a typical roadmap still prints on three pages.
    """
    seen: set[str] = set()
    parts: list[str] = []
    for citation in rule.citations:
        if citation.instrument:
            key = f"{citation.instrument} {citation.provision or ''}".strip()
            markup = _esc(key)
        elif citation.seed:
            key = f"seed:{citation.seed}"
            number = citation.seed.split("_", 1)[0]
            markup = f'<span title="{_esc(citation.seed)}">seed {_esc(number)}</span>'
        elif citation.url:
            key = f"url:{citation.url}"
            address = f'<span class="no-print"> ({_esc(plain_url(citation.url))})</span>'
            markup = (
                (_esc(citation.title) + address)
                if citation.title
                else _esc(plain_url(citation.url))
            )
        else:
            key = citation.title or ""
            markup = _esc(key)
        if key and key not in seen:
            seen.add(key)
            parts.append(markup)
    if len(parts) <= _PRINTED_CITATIONS:
        return "; ".join(parts)
    # The printed copy keeps the first citations; the screen shows them all.
    shown = "; ".join(parts[:_PRINTED_CITATIONS])
    return f'{shown}<span class="no-print">; {"; ".join(parts[_PRINTED_CITATIONS:])}</span>'


#: Citations per rule on the printed practitioner copy (all of them are on screen and in JSON).
_PRINTED_CITATIONS = 2


def _frequency(probability: float) -> str:
    """A probability in natural frequencies, as a family reads it.

    >>> _frequency(0.79), _frequency(0.064), _frequency(0.004), _frequency(0.97)
    ('about 8 in 10', 'about 6 in 100', 'fewer than 1 in 100', 'almost all')
    """
    if probability >= 0.95:
        return "almost all"
    if probability >= 0.095:  # rounds to at least 1 in 10
        return f"about {round(probability * 10)} in 10"
    hundreds = round(probability * 100)
    if hundreds >= 1:
        return f"about {hundreds} in 100"
    return "fewer than 1 in 100"


def _percent(probability: float) -> str:
    value = probability * 100
    return f"{value:.0f}%" if value >= 1 or value == 0 else f"{value:.1f}%"


def _humanise(identifier: str) -> str:
    text = identifier.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _status_badge(status: Status, audience: Audience, words: Mapping[Status, str]) -> str:
    glyph = _STATUS_GLYPHS[status]
    return (
        f'<span class="badge status-{status}"><span aria-hidden="true">{_esc(glyph)}</span> '
        f"{_esc(words[status])}</span>"
    )


def _age_text(entry: Entry, audience: Audience) -> str:
    if audience == "family" or entry.age_months == 0:
        return str(entry.age_years)
    return f"{entry.age_years}y {entry.age_months}m"


# Elements that run on inside a line of text; every other element starts a new block.
# (A span may be styled as a block, so it counts as a break.)
_INLINE_TAGS = ("a", "abbr", "b", "code", "em", "i", "small", "strong", "time")
_HIDDEN = re.compile(r"<(style|script)[\s>].*?</\1\s*>", re.DOTALL)
_INLINE_TAG = re.compile(r"</?(?:" + "|".join(_INLINE_TAGS) + r")(?=[\s/>])[^>]*>")
_BLOCK_TAG = re.compile(r"</?[A-Za-z][^>]*>|<![^>]*>")


def visible_text(markup: str) -> str:
    """The text of an HTML or SVG page or fragment, without tags, styles or attributes.

    Inline elements (``<code>``, ``<time>``, …) run on; any other tag separates words.

    >>> visible_text('<p>An <abbr>EHC</abbr>P in <time>2027</time></p><p>&amp; then</p>')
    'An EHCP in 2027 & then'
    """
    return " ".join(_text_of(markup).split())


def _text_of(markup: str) -> str:
    """:func:`visible_text` before its spaces are tidied: what the glossary searches.

    A few regular-expression passes rather than an HTML parser, several times
    faster. They give the parser's text for the markup this module and
    :mod:`roadmaps.render._svg` make: every text and attribute value is escaped, so a
    ``<`` always opens a tag and a ``>`` always closes one
    (``tests/roadmaps/render/test_html.py`` checks it against
    :class:`html.parser.HTMLParser` on the example pages).
    """
    text = _HIDDEN.sub(" ", markup)
    text = _INLINE_TAG.sub("", text)
    return html.unescape(_BLOCK_TAG.sub(" ", text))


# --- sections ---------------------------------------------------------------------------


def _header(roadmap: Roadmap, audience: Audience) -> str:
    if audience == "family":
        return (
            "<header>"
            "<h1>Your roadmap to adult life</h1>"
            f'<p class="lead">For {_esc(roadmap.person_id)}. '
            f"This roadmap was made on {_time(roadmap.as_of)}.</p>"
            f"<p>It shows what should happen from {_time(roadmap.start)} "
            f"to {_time(roadmap.end)}, when you turn 25.</p>"
            "</header>"
        )
    rows = [
        ("Person", _esc(roadmap.person_id)),
        ("Date of birth", _time(roadmap.date_of_birth)),
        ("As of", _time(roadmap.as_of)),
        ("Covers", f"{_time(roadmap.start)} to {_time(roadmap.end)}"),
        ("Area", _esc(_humanise(roadmap.area))),
        ("Cohorts", ", ".join(f"<code>{_esc(c)}</code>" for c in roadmap.cohorts) or "none"),
    ]
    care = roadmap.care_status
    if care is not None:
        since = next(
            (
                (name, when)
                for name, when in (
                    ("eligible", care.eligible_from),
                    ("relevant", care.relevant_from),
                    ("former relevant", care.former_relevant_from),
                    ("qualifying", care.qualifying_from),
                )
                if when is not None
            ),
            None,
        )
        text = _esc(care.status_on_as_of or "not a care leaver")
        if since is not None:
            text = f"{_esc(since[0])} from {_time(since[1])}"
            if care.status_on_as_of and care.status_on_as_of != since[0]:
                text += f"; {_esc(care.status_on_as_of)} now"
        text += f"; {care.weeks_looked_after_since_14:g} weeks looked after since 14"
        rows.append(("Care-leaver status", text))
    if roadmap.settings:
        settings = "; ".join(f"{k}: {v}" for k, v in sorted(roadmap.settings.items()))
        rows.append(("Settings", f"<code>{_esc(settings)}</code>"))
    facts = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in rows)
    return (
        "<header>"
        f"<h1>Transition roadmap to 25: {_esc(roadmap.person_id)}</h1>"
        f'<dl class="facts">{facts}</dl>'
        "</header>"
    )


def _nav(sections: Sequence[tuple[str, str]], audience: Audience) -> str:
    label = "On this page" if audience == "practitioner" else "What is in this roadmap"
    links = "".join(f'<li><a href="#{key}">{_esc(title)}</a></li>' for key, title in sections)
    return f'<nav class="no-print" aria-label="{label}"><ul>{links}</ul></nav>'


def _gaps_section(roadmap: Roadmap, audience: Audience, heading: str, text: FamilyText) -> str:
    order = {"high": 0, "medium": 1, "low": 2}
    gaps = sorted(roadmap.gaps, key=lambda g: (order[g.severity], g.since or date.max, g.rule))
    parts = [f'<section id="gaps" aria-labelledby="gaps-h"><h2 id="gaps-h">{_esc(heading)}</h2>']
    if not gaps:
        none = "No gaps were found." if audience == "practitioner" else "Nothing is missing."
        parts.append(f"<p>{none}</p></section>")
        return "".join(parts)
    if audience == "family":
        parts.append('<ul class="gap-cards">')
        for gap in gaps:
            since = f"<p>Late since {_time(gap.since)}.</p>" if gap.since else ""
            parts.append(
                f'<li class="gap-card severity-{gap.severity}">'
                f'<h3><span class="symbol" aria-hidden="true">⚠</span> {_esc(gap.title)}'
                f' <span class="badge severity-{gap.severity}">'
                f"{_esc(text.severity_words[gap.severity])}</span></h3>"
                f"<p>{_esc(gap.message)}</p>{since}"
                f"<p><strong>What to do:</strong> {_esc(gap.action)}</p>"
                f"<p><strong>Who can help:</strong> {_esc(gap.owner)}</p>"
                "</li>"
            )
        parts.append("</ul></section>")
        return "".join(parts)
    parts.append(
        '<table class="gaps"><colgroup><col style="width: 10%"><col style="width: 30%">'
        '<col style="width: 28%"><col style="width: 32%"></colgroup><thead><tr>'
        '<th scope="col">Severity</th><th scope="col">Gap</th>'
        '<th scope="col">What to do, and who</th><th scope="col">Rule and duty</th>'
        "</tr></thead><tbody>"
    )
    for gap in gaps:
        since = ""
        if gap.since:
            since = f"Overdue since {_time(gap.since)}"
            if gap.days_overdue:
                since += f" ({gap.days_overdue} {'day' if gap.days_overdue == 1 else 'days'})"
            since = f'<span class="detail">{since}.</span>'
        catalogue = f" ({_esc(gap.catalogue)})" if gap.catalogue else ""
        agency = AGENCY_NAMES["practitioner"][gap.agency]
        parts.append(
            f'<tr class="severity-{gap.severity}">'
            f'<td><span class="badge severity-{gap.severity}">'
            f'<span aria-hidden="true">⚠</span> {_esc(gap.severity)}</span></td>'
            f'<th scope="row"><span class="gap-title">{_esc(gap.title)}</span>'
            f'<span class="detail">{_esc(gap.message)}</span>{since}</th>'
            f"<td>{_esc(gap.action)}"
            f'<span class="detail">Owner: {_esc(gap.owner)} ({_esc(agency)})</span></td>'
            f"<td><code>{_esc(gap.rule)}</code>{catalogue}"
            f'<span class="detail">Duty: <code>{_esc(gap.duty.id)}</code> '
            f"({_esc(gap.duty.status)}) {_citations(gap.duty)}</span></td>"
            "</tr>"
        )
    parts.append("</tbody></table></section>")
    return "".join(parts)


def _timeline_section(roadmap: Roadmap, audience: Audience, heading: str) -> str:
    svg = _markup(roadmap, lanes="agency", audience=audience, standalone=False)
    caption = (
        "Each mark is a dated entry; its shape and word give its status. Bars are services, "
        "arrows are handovers, triangles are gaps, the dashed line is the as-of date."
        if audience == "practitioner"
        else "Each mark is something that should happen. The shape shows if it is done, "
        "coming up or late. A triangle means something to sort out. The dashed line is "
        "the date of this roadmap. All the dates are also in the list below."
    )
    return (
        f'<section id="timeline" aria-labelledby="timeline-h"><h2 id="timeline-h">'
        f"{_esc(heading)}</h2><figure>{svg}<figcaption>{_esc(caption)}</figcaption></figure>"
        "</section>"
    )


def _when(entry: Entry) -> str:
    if entry.window_start is not None:
        return f"{_time(entry.window_start)} to {_time(entry.date)}"
    return _time(entry.date)


def _dates_section(roadmap: Roadmap, audience: Audience, heading: str, text: FamilyText) -> str:
    words = STATUS_WORDS["practitioner"] if audience == "practitioner" else text.status_words
    head = (
        '<th scope="col">Date</th><th scope="col">Age</th><th scope="col">'
        + ("Entry" if audience == "practitioner" else "What happens")
        + '</th><th scope="col">Who</th><th scope="col">Status</th>'
    )
    if audience == "practitioner":
        head += '<th scope="col">Rule and citation</th>'
    widths = (13, 6, 24, 13, 12, 32) if audience == "practitioner" else (18, 6, 42, 16, 18)
    cols = "".join(f'<col style="width: {w}%">' for w in widths)
    parts = [
        f'<section id="dates" aria-labelledby="dates-h"><h2 id="dates-h">{_esc(heading)}</h2>',
        f'<table class="entries {audience}"><colgroup>{cols}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>",
    ]
    for entry in sorted(roadmap.entries, key=lambda e: (e.date, e.id)):
        status = _status_badge(entry.status, audience, words)
        if entry.done_on is not None and entry.status == "done":
            status += (
                f'<span class="detail">on {_time(entry.done_on, short_date(entry.done_on))}</span>'
            )
        # The practitioner's printed copy leaves out the family-worded descriptions and
        # the agency (the picture's lanes show it) so that a typical roadmap fits 3 pages.
        detail = "detail no-print" if audience == "practitioner" else "detail"
        description = (
            f'<span class="{detail}">{_esc(entry.description)}</span>' if entry.description else ""
        )
        who = _esc(entry.owner)
        if audience == "practitioner":
            agency = AGENCY_NAMES["practitioner"][entry.agency]
            who += f'<span class="{detail}">{_esc(agency)}</span>'
        # Service starts and ends are also in the services table, so print them once.
        service_row = " service-row" if entry.kind.startswith("service") else ""
        row = (
            f'<tr class="status-row-{entry.status}{service_row}">'
            f"<td>{_when(entry)}</td>"
            f"<td>{_esc(_age_text(entry, audience))}</td>"
            f'<th scope="row">{_esc(entry.title)}{description}</th>'
            f"<td>{who}</td>"
            f"<td>{status}</td>"
        )
        if audience == "practitioner":
            cite = _citations(entry.rule)
            row += (
                f"<td><code>{_esc(entry.rule.id)}</code> "
                f'<span class="rule-status rule-{_esc(entry.rule.status)}">'
                f"{_esc(entry.rule.status)}</span>"
                + (f' <span class="cite">{cite}</span>' if cite else "")
                + "</td>"
            )
        parts.append(row + "</tr>")
    parts.append("</tbody></table>")
    if audience == "practitioner":
        parts.append(f'<p class="note">{_esc(_RULE_STATUS_NOTE)}</p>')
    parts.append("</section>")
    return "".join(parts)


def _services_section(roadmap: Roadmap, audience: Audience, heading: str) -> str:
    labels = {s.id: s.label for s in roadmap.services}

    def then(service: ServiceSpan) -> str:
        return ", ".join(_esc(labels.get(s, _humanise(s))) for s in service.successors) or "—"

    def span_date(on: date | None, missing: str) -> str:
        return _time(on) if on else missing

    parts = [
        f'<section id="services" aria-labelledby="services-h"><h2 id="services-h">'
        f"{_esc(heading)}</h2>",
        '<table class="services"><colgroup><col style="width: 30%"><col style="width: 14%">'
        '<col style="width: 16%"><col style="width: 16%"><col style="width: 24%"></colgroup>'
        '<thead><tr><th scope="col">'
        + ("Service" if audience == "practitioner" else "Who helps")
        + '</th><th scope="col">'
        + ("Agency" if audience == "practitioner" else "Part of")
        + '</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">'
        + ("Hands over to" if audience == "practitioner" else "Then")
        + "</th></tr></thead><tbody>",
    ]
    open_end = "no end date" if audience == "practitioner" else "carries on"
    for service in sorted(roadmap.services, key=lambda s: (s.start or date.min, s.id)):
        note = (
            f'<span class="detail">Beyond the statutory floor: {_esc(service.beyond_statutory)}'
            "</span>"
            if service.beyond_statutory and audience == "practitioner"
            else ""
        )
        parts.append(
            f'<tr><th scope="row">{_esc(service.label)}{note}</th>'
            f"<td>{_esc(AGENCY_NAMES[audience][service.agency])}</td>"
            f"<td>{span_date(service.start, 'before this roadmap')}</td>"
            f"<td>{span_date(service.end, open_end)}</td>"
            f"<td>{then(service)}</td></tr>"
        )
    parts.append("</tbody></table></section>")
    return "".join(parts)


def _area_name(area: str, audience: Audience) -> str:
    key = _pfa_key(area)
    for pfa_key, practitioner_name, family_name in PFA_AREAS:
        if pfa_key == key and key != "other":
            return practitioner_name if audience == "practitioner" else family_name
    return _humanise(area)


def _route_steps(steps: Sequence[Mapping[str, Any]]) -> str:
    items = []
    for step in steps:
        label = _esc(step.get("label") or _humanise(str(step.get("id", ""))))
        age = step.get("age")
        items.append(f"<li>{label}" + (f" (at {_esc(age)})" if age is not None else "") + "</li>")
    return f'<ol class="steps">{"".join(items)}</ol>'


def _routes_section(
    routes: Mapping[str, Any], audience: Audience, heading: str, text: FamilyText
) -> str:
    route_list: Sequence[Mapping[str, Any]] = routes.get("routes") or ()
    outcomes: Mapping[str, Mapping[str, float]] = routes.get("outcomes") or {}
    parts = [
        f'<section id="routes" aria-labelledby="routes-h"><h2 id="routes-h">{_esc(heading)}</h2>'
    ]
    if audience == "family":
        parts.extend(f"<p>{_esc(line)}</p>" for line in text.routes.lead)
        parts.append('<ul class="routes">')
        for route in route_list:
            share = _frequency(float(route.get("probability", 0.0)))
            parts.append(
                f"<li><p><strong>{_esc(share[:1].upper() + share[1:])} young people in this "
                f"situation</strong> go this way:</p>{_route_steps(route.get('steps') or ())}</li>"
            )
        parts.append("</ul>")
        if outcomes:
            parts.append(f'<h3>{_esc(text.routes.outcomes_lead)}</h3><ul class="outcomes">')
            for area, states in outcomes.items():
                described = "; ".join(
                    f"{_frequency(float(p))}: {_esc(_humanise(state).lower())}"
                    for state, p in sorted(states.items(), key=lambda kv: (-kv[1], kv[0]))
                )
                parts.append(
                    f"<li><strong>{_esc(_area_name(area, audience))}:</strong> {described}.</li>"
                )
            parts.append("</ul>")
        parts.append(f'<p class="note">{_esc(text.routes.caveat)}</p></section>')
        return "".join(parts)
    total = routes.get("total_routes")
    summary = []
    if total is not None:
        summary.append(f"{_esc(total)} distinct routes in all")
    if routes.get("probability_sum") is not None:
        summary.append(f"probabilities sum to {float(routes['probability_sum']):.6g}")
    if summary:
        parts.append(f"<p>{'; '.join(summary)}.</p>")
    parts.append(
        '<table class="routes"><thead><tr><th scope="col">Probability</th>'
        '<th scope="col">Route (age at each step)</th></tr></thead><tbody>'
    )
    for route in route_list:
        probability = float(route.get("probability", 0.0))
        parts.append(
            f'<tr><th scope="row">{_percent(probability)}'
            f'<span class="detail">{_esc(_frequency(probability))} in this situation</span></th>'
            f"<td>{_route_steps(route.get('steps') or ())}</td></tr>"
        )
    parts.append("</tbody></table>")
    if outcomes:
        parts.append(
            '<table class="outcomes"><caption>Outcomes at 25 by Preparing for Adulthood area'
            '</caption><thead><tr><th scope="col">Area</th><th scope="col">Outcome</th>'
            "</tr></thead><tbody>"
        )
        for area, states in outcomes.items():
            described = "; ".join(
                f"{_esc(_humanise(state))} {_percent(float(p))}"
                for state, p in sorted(states.items(), key=lambda kv: (-kv[1], kv[0]))
            )
            parts.append(
                f'<tr><th scope="row">{_esc(_area_name(area, audience))}</th>'
                f"<td>{described}</td></tr>"
            )
        parts.append("</tbody></table>")
    sources = routes.get("sources") or ()
    if sources:
        rendered = []
        for source in sources:
            if isinstance(source, Mapping):
                source_text = "; ".join(
                    plain_url(str(v)) for v in source.values() if v not in (None, "")
                )
            else:
                source_text = plain_url(str(source))
            rendered.append(_esc(source_text))
        parts.append(f'<p class="note">Sources: {"; ".join(rendered)}.</p>')
    parts.append(
        '<p class="note">These probabilities are expert estimates and local figures for young '
        "people in a similar situation, not predictions about this young person.</p></section>"
    )
    return "".join(parts)


def _fact_items(items: Sequence[FamilyItem], roadmap: Roadmap) -> str:
    leap = leap_day_policy(roadmap)
    parts = []
    for item in items:
        when = ""
        if item.age is not None:
            on = birthday(roadmap.date_of_birth, item.age, leap)
            verb = "turned" if on <= roadmap.as_of else "turn"
            when = f'<p class="when">You {verb} {item.age} on {_time(on)}.</p>'
        # Names of laws and pages, without their web addresses: short enough to read.
        sources = "; ".join(
            _esc(ref.instrument + (f" {ref.provision}" if ref.provision else ""))
            if ref.instrument
            else _esc(ref.title or plain_url(ref.url or ""))
            for ref in item.references
        )

        parts.append(
            f'<section class="fact" aria-labelledby="fact-{_esc(item.id)}">'
            f'<h3 id="fact-{_esc(item.id)}">{_esc(item.heading)}</h3>{when}{_sentences(item.text)}'
            f'<p class="source">Where this comes from: {sources}</p></section>'
        )
    return "".join(parts)


def _sentences(lines: Sequence[str]) -> str:
    """Easy-read lines: one sentence a line on screen, run together when printed."""
    return (
        "<p>" + " ".join(f'<span class="sentence">{_esc(line)}</span>' for line in lines) + "</p>"
    )


def _family_sections(roadmap: Roadmap, text: FamilyText) -> tuple[str, str, str]:
    intro = (
        f'<section id="intro" aria-labelledby="intro-h"><h2 id="intro-h">'
        f"{_esc(text.headings['intro'])}</h2>{_sentences(text.intro)}</section>"
    )
    at_18 = (
        f'<section id="at-18" aria-labelledby="at-18-h"><h2 id="at-18-h">'
        f"{_esc(text.headings['at_18'])}</h2>{_sentences(text.at_18.lead)}"
        f'<div class="facts-grid">{_fact_items(text.at_18.items, roadmap)}</div></section>'
    )
    carers = (
        f'<section id="carers" aria-labelledby="carers-h"><h2 id="carers-h">'
        f"{_esc(text.headings['carers'])}</h2>{_sentences(text.carers.lead)}"
        f'<div class="facts-grid">{_fact_items(text.carers.items, roadmap)}</div></section>'
    )
    return intro, at_18, carers


def _glossary_section(body_text: str, audience: Audience, heading: str) -> str:
    terms, missing = glossary_for(body_text)
    parts = [
        f'<section id="glossary" aria-labelledby="glossary-h"><h2 id="glossary-h">'
        f"{_esc(heading)}</h2>"
    ]
    if not terms and not missing:
        parts.append("<p>This page uses no abbreviations.</p></section>")
        return "".join(parts)
    # A practitioner needs the expansion; a family also needs to know what it means.
    parts.append(f'<dl class="glossary {audience}">')
    for term in terms:
        meaning = f". {_esc(term.meaning)}" if audience == "family" else ""
        parts.append(
            f"<div><dt><abbr>{_esc(term.term)}</abbr></dt><dd><strong>"
            f"{_esc(term.expansion)}</strong>{meaning}</dd></div>"
        )
    unexplained = (
        "Not in the glossary yet."
        if audience == "practitioner"
        else "We do not have an explanation for this yet. Please ask the person who gave you "
        "this roadmap."
    )
    for acronym in missing:
        parts.append(f"<div><dt>{_esc(acronym)}</dt><dd>{_esc(unexplained)}</dd></div>")
    parts.append("</dl></section>")
    return "".join(parts)


# --- the page ---------------------------------------------------------------------------

_CSS = Template(
    """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { background: $background; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 28px 40px; color: $text;
  background: $background; font: 16px/1.45 'Liberation Sans', Arial, Helvetica, sans-serif; }
h1 { font-size: 1.75rem; margin: 0 0 .4rem; }
h2 { font-size: 1.3rem; margin: 1.8rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid $border; }
h3 { font-size: 1.05rem; margin: .2rem 0 .3rem; }
p { margin: .3rem 0; }
code { font-family: 'Liberation Mono', 'DejaVu Sans Mono', monospace; font-size: .88em; }
.lead { font-size: 1.1rem; }
dl.facts { columns: 3 17rem; column-gap: 1.5rem; margin: .4rem 0 0; }
dl.facts div { display: flex; gap: .5rem; break-inside: avoid; margin-bottom: .15rem; }
dl.facts dt { font-weight: bold; white-space: nowrap; }
dl.facts dd { margin: 0; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; padding: 0;
  margin: .8rem 0 0; }
nav a { color: $link; }
figure { margin: 0; }
figure svg.timeline { width: 100%; height: auto; display: block; }
figcaption { color: $muted; font-size: .9rem; margin-top: .3rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
table.entries, table.gaps, table.services { table-layout: fixed; }
td code, th code, .detail { overflow-wrap: anywhere; }
caption { text-align: left; font-weight: bold; padding: .6rem 0 .3rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid $border; }
thead th { background: $surface; border-bottom: 2px solid $text; }
tbody th { font-weight: bold; }
tbody tr:nth-child(even) { background: $surface; }
.detail { display: block; font-weight: normal; color: $muted; font-size: .9em; }
.badge { display: inline-block; white-space: nowrap; padding: .05rem .45rem;
  border-radius: .8rem; color: $on_colour; font-weight: bold; font-size: .88em; }
$status_css
$severity_css
tr.status-row-overdue > td:first-child { box-shadow: inset 5px 0 0 $overdue; font-weight: bold; }
tr.status-row-overdue th { color: $overdue; }
.rule-status, .cite { font-size: .85em; color: $muted; }
.cite { overflow-wrap: anywhere; }
table.gaps .gap-title { color: $gap; display: block; }
ul.gap-cards { list-style: none; padding: 0; margin: 0; display: grid; gap: .6rem; }
.gap-card { background: $gap_tint; border-left: 6px solid $gap; padding: .5rem .8rem; }
.gap-card h3 { color: $gap; }
.gap-card .badge { margin-left: .3rem; vertical-align: middle; }
.symbol { font-size: 1.1em; }
.facts-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(19rem, 1fr));
  gap: .4rem 1.6rem; }
.fact { padding: .2rem 0; }
.when { font-weight: bold; }
.sentence { display: block; margin-bottom: .25rem; }
.source, .note { color: $muted; font-size: .85rem; }
ol.steps { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; }
ol.steps li + li::before { content: "→"; padding: 0 .4rem; color: $muted; }
ul.routes { padding-left: 1.2rem; }
ul.routes li { margin-bottom: .4rem; }
dl.glossary { columns: 2 22rem; column-gap: 2rem; margin: 0; }
dl.glossary.practitioner { columns: 3 14rem; }
dl.glossary div { break-inside: avoid; margin-bottom: .35rem; }
dl.glossary dt { font-weight: bold; display: inline; }
dl.glossary dt::after { content: " "; }
dl.glossary dd { display: inline; margin: 0; }
abbr { text-decoration: none; }
footer { margin-top: 2rem; color: $muted; font-size: .85rem; border-top: 1px solid $border;
  padding-top: .5rem; }
@page { size: A4; margin: 15mm; }
@media print {
  html, body { background: $background; }
  body { max-width: none; padding: 0; font-size: 9pt; line-height: 1.3; }
  h1 { font-size: 15pt; }
  h2 { font-size: 12pt; margin: .6rem 0 .3rem; break-after: avoid; page-break-after: avoid; }
  h3 { font-size: 10pt; break-after: avoid; }
  .no-print { display: none !important; }
  tr.service-row { display: none; }
  table { font-size: 8pt; }
  table.entries.practitioner, table.gaps, table.services { font-size: 7.5pt; }
  th, td { padding: .06rem .25rem; line-height: 1.18; }
  .badge { padding: 0 .3rem; }
  thead { display: table-header-group; }
  tr, .gap-card, .fact, figure, dl.glossary div { break-inside: avoid; page-break-inside: avoid; }
  ul.gap-cards { display: block; }
  .gap-card { padding: .15rem .5rem; margin-bottom: .3rem; }
  .gap-card p { margin: .05rem 0; }
  .facts-grid { grid-template-columns: 1fr 1fr; gap: .2rem 1rem; }
  .fact p { margin: .05rem 0; }
  .sentence { display: inline; margin: 0; }
  figcaption { font-size: 7.5pt; margin-top: 0; }
  .detail { font-size: 7.5pt; }
  dl.glossary { columns: 2; font-size: 8pt; }
  dl.glossary.practitioner { columns: 4; font-size: 7.5pt; }
  footer { margin-top: .5rem; padding-top: .2rem; font-size: 7.5pt; }
  dl.facts { columns: 3; column-gap: .8rem; font-size: 8pt; }
  dl.glossary div { margin-bottom: .1rem; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
)


def _css() -> str:
    status_css = "\n".join(
        f".badge.status-{status} {{ background: {colour}; }}"
        for status, colour in pal.STATUS_COLOURS.items()
    )
    severity_css = "\n".join(
        f".badge.severity-{severity} {{ background: {colour}; }}"
        for severity, colour in pal.SEVERITY_COLOURS.items()
    )
    return _CSS.substitute(
        background=pal.BACKGROUND,
        text=pal.TEXT,
        muted=pal.TEXT_MUTED,
        surface=pal.SURFACE,
        border=pal.BORDER,
        link=pal.STATUS_COLOURS["upcoming"],
        on_colour=pal.ON_COLOUR,
        overdue=pal.STATUS_COLOURS["overdue"],
        gap=pal.GAP,
        gap_tint=pal.GAP_TINT,
        status_css=status_css,
        severity_css=severity_css,
    ).strip()


def render_html(
    roadmap: Roadmap,
    *,
    audience: Audience = "practitioner",
    routes: Mapping[str, Any] | None = None,
) -> str:
    """The roadmap as one self-contained HTML page.

    Args:
        roadmap: the roadmap to show.
        audience: ``"practitioner"`` (rule ids, citations and rule statuses) or
            ``"family"`` (easy-read, with what changes at 18 and the carers'
            assessments).
        routes: the likely-routes section (``pathways routes --format json``:
            ``routes``, ``outcomes``, ``total_routes``, ``probability_sum``,
            ``sources``); shown when given (default: the roadmap's own
            ``routes``, if any).

    Returns:
        An HTML5 document with inline CSS and SVG and no external references.

    Raises:
        ValueError: ``audience`` is not one of the known values.
        RuleDataError: the packaged family text or glossary is malformed.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")
    if routes is None:
        routes = roadmap.routes
    text = load_family_text()
    headings = _PRACTITIONER_HEADINGS if audience == "practitioner" else text.headings
    sections: list[tuple[str, str, str]] = []  # id, heading, markup
    if audience == "family":
        intro, at_18, carers = _family_sections(roadmap, text)
        sections.append(("intro", headings["intro"], intro))
    # The picture comes first: printed, it fills most of the first page.
    sections.append(
        (
            "timeline",
            headings["timeline"],
            _timeline_section(roadmap, audience, headings["timeline"]),
        )
    )
    sections.append(
        ("gaps", headings["gaps"], _gaps_section(roadmap, audience, headings["gaps"], text))
    )
    sections.append(
        ("dates", headings["dates"], _dates_section(roadmap, audience, headings["dates"], text))
    )
    if roadmap.services:
        sections.append(
            (
                "services",
                headings["services"],
                _services_section(roadmap, audience, headings["services"]),
            )
        )
    if routes:
        sections.append(
            (
                "routes",
                headings["routes"],
                _routes_section(routes, audience, headings["routes"], text),
            )
        )
    if audience == "family":
        sections.append(("at-18", headings["at_18"], at_18))
        sections.append(("carers", headings["carers"], carers))

    header = _header(roadmap, audience)
    footer = (
        "<footer><p>"
        + (
            f"Made by transition-pathways for {_esc(roadmap.person_id)} on "
            f"{_time(roadmap.as_of)}. Dates follow the rules in force at the snapshot of the "
            "rule data; check them before relying on them."
            if audience == "practitioner"
            else f"This roadmap was made on {_time(roadmap.as_of)}. Dates can change. "
            "Ask the people who help you if something is not clear."
        )
        + "</p></footer>"
    )
    page_title = (
        f"Transition roadmap: {roadmap.person_id} ({long_date(roadmap.as_of)})"
        if audience == "practitioner"
        else f"Your roadmap to adult life ({long_date(roadmap.as_of)})"
    )
    body_text = _text_of(
        " ".join([page_title, header, *(markup for _, _, markup in sections), footer])
    )
    glossary = _glossary_section(body_text, audience, headings["glossary"])
    sections.append(("glossary", headings["glossary"], glossary))
    nav = _nav([(key, title) for key, title, _ in sections], audience)
    body = "\n".join(markup for _, _, markup in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(page_title)}</title>\n<style>\n{_css()}\n</style>\n</head>\n<body>\n"
        f"{header}\n{nav}\n<main>\n{body}\n</main>\n{footer}\n</body>\n</html>\n"
    )

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

The markup is in Jinja2 templates (``roadmaps/render/templates/``, one for each
part of the page). This module works out what they show: dates already written
out, rows already sorted, words already chosen for the audience.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any, Literal, TypeVar

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, ValidationError

from pathways import ReferenceFields, RuleDataError, birthday, load_yaml_text
from roadmaps.model import CareLeaverStatus, Entry, Roadmap, RuleRef, Severity, Status

from . import palette as pal
from ._glossary import acronyms_in, glossary_of, load_glossary
from ._svg import (
    AGENCY_NAMES,
    AUDIENCES,
    PFA_AREAS,
    STATUS_WORDS,
    Audience,
    _drawing,
    _pfa_key,
    leap_day_policy,
    long_date,
    short_date,
)
from ._templates import call_macro, render, render_macro

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

#: Citations per rule on the printed practitioner copy (all of them are on screen and in JSON).
_PRINTED_CITATIONS = 2


# --- family text ----------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FamilyItem(_Model):
    """One easy-read point, with its source."""

    id: str
    heading: str
    text: tuple[str, ...]
    status: Literal["verified-primary", "verified-secondary", "unverified"]
    references: tuple[ReferenceFields, ...]  # the rule data's citation fields
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


def _age_text(entry: Entry, audience: Audience) -> str:
    if audience == "family" or entry.age_months == 0:
        return str(entry.age_years)
    return f"{entry.age_years}y {entry.age_months}m"


def _area_name(area: str, audience: Audience) -> str:
    key = _pfa_key(area)
    for pfa_key, practitioner_name, family_name in PFA_AREAS:
        if pfa_key == key and key != "other":
            return practitioner_name if audience == "practitioner" else family_name
    return _humanise(area)


# Elements that run on inside a line of text; every other element starts a new block.
# (A span may be styled as a block, so it counts as a break.)
_INLINE_TAGS = ("a", "abbr", "b", "code", "em", "i", "small", "strong", "time")
_HIDDEN = re.compile(r"<(style|script)[\s>].*?</\1\s*>", re.DOTALL)
_INLINE_TAG = re.compile(r"</?(?:" + "|".join(_INLINE_TAGS) + r")(?=[\s/>])[^>]*>")
# Any other tag, comment or declaration: a "<" only ever opens one (see _text_of).
_BLOCK_TAG = re.compile(r"<[^>]*>")


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
    faster. They give the parser's text for the markup the templates and
    :mod:`roadmaps.render._svg` make: every text and attribute value is escaped, so a
    ``<`` always opens a tag and a ``>`` always closes one
    (``tests/roadmaps/render/test_html.py`` checks it against
    :class:`html.parser.HTMLParser` on the example pages).
    """
    hidden = "<style" in markup or "<script" in markup  # two quick scans save a slow one
    text = _HIDDEN.sub(" ", markup) if hidden else markup
    text = _INLINE_TAG.sub("", text)
    return html.unescape(_BLOCK_TAG.sub(" ", text))


# --- what the templates show ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Moment:
    """A date for ``<time>``: machine-readable, and as the reader reads it."""

    iso: str
    text: str


@dataclass(frozen=True, slots=True)
class _Source:
    """One source of a rule: a law, a seed document (by its number), or a page.

    ``seed`` is the seed document's file name; ``address`` a page's address, shown
    after its title on screen.
    """

    text: str
    seed: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class _Citations:
    """A rule's sources, each once: those on the printed copy, and the rest.

    :func:`_citations` fills in ``markup`` (the ``citations`` macro's) and the
    ``acronyms`` of its text, once for each rule.
    """

    printed: tuple[_Source, ...]
    more: tuple[_Source, ...]
    markup: str = field(default="", compare=False)
    acronyms: frozenset[str] = field(default=frozenset(), compare=False)

    def __html__(self) -> str:
        """Printed in a template: the ``citations`` macro's markup."""
        return self.markup or render_macro("citations", self)


_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


def _per_object(function: Callable[[_Key], _Value]) -> Callable[[_Key], _Value]:
    """``function`` remembered for the very object it is given (kept meanwhile, so that
    its id is not reused), a few thousand at most. For a compiled rule's
    :class:`RuleRef`, used page after page: hashing one hashes each of its citations,
    and a page looks up dozens."""
    seen: dict[int, tuple[_Key, _Value]] = {}

    def remembered(key: _Key) -> _Value:
        hit = seen.get(id(key))
        if hit is not None and hit[0] is key:
            return hit[1]
        value = function(key)
        if len(seen) >= 4096:
            seen.clear()
        seen[id(key)] = (key, value)
        return value

    return remembered


@_per_object
@lru_cache(maxsize=4096)
def _citations(rule: RuleRef) -> _Citations:
    """The rule's sources, each once.

    A law is cited by instrument and provision. A seed document is cited by its
    number (``seed 003``), with the full file name in a tooltip. A web page is
    cited by its title, with its address as plain text that the printed copy
    leaves out, so that a typical roadmap still prints on three pages.
    """
    seen: set[str] = set()
    sources: list[_Source] = []
    for citation in rule.citations:
        if citation.instrument:
            key = f"{citation.instrument} {citation.provision or ''}".strip()
            source = _Source(key)
        elif citation.seed:
            key = f"seed:{citation.seed}"
            source = _Source(citation.seed.split("_", 1)[0], seed=citation.seed)
        elif citation.url:
            key = f"url:{citation.url}"
            address = plain_url(citation.url)
            source = (
                _Source(citation.title, address=address) if citation.title else _Source(address)
            )
        else:
            key = citation.title or ""
            source = _Source(key)
        if key and key not in seen:
            seen.add(key)
            sources.append(source)
    cited = _Citations(tuple(sources[:_PRINTED_CITATIONS]), tuple(sources[_PRINTED_CITATIONS:]))
    markup = render_macro("citations", cited)
    return replace(cited, markup=markup, acronyms=_markup_acronyms(markup))


@dataclass(frozen=True, slots=True)
class _PageSection:
    """A section of the page: its id (the nav's anchor), heading and markup.

    ``acronyms`` are those of its text (:func:`acronyms_in` of :func:`visible_text`),
    where the section knows them from what it drew; otherwise the glossary searches
    its markup.
    """

    id: str
    heading: str
    markup: Markup
    acronyms: frozenset[str] | None = None


# --- what the glossary searches ----------------------------------------------------------
#
# A page's glossary lists the acronyms of its text. Searching the markup of the big
# sections (the picture, the table of dates) took a sixth of a web page's time, so they say
# what text they drew: the picture collects its texts as it draws them, and a row of dates,
# of gaps or of services is words from the rule data, the same page after page (their
# acronyms found once for those words), and its dates, age and status, searched each time.
# Only the header, the footer and the sections that do not say (the routes, a family's
# sections) have their markup searched. tests/roadmaps/render/test_html.py checks that the
# glossary is the one a search of the whole page's text gives.


def _markup_acronyms(markup: str) -> frozenset[str]:
    """The acronyms of the text of ``markup`` (made once, for markup that is kept)."""
    return frozenset(acronyms_in(_text_of(markup)))


@lru_cache(maxsize=64)
def _frame_acronyms(template: str, audience: Audience, heading: str, empty: str) -> frozenset[str]:
    """The acronyms of a section's own words (heading, column heads, caption, note), drawn
    with ``empty`` (its rows, or its picture) left out. Nothing about a young person."""
    markup = render(template, audience=audience, heading=heading, **{empty: ""})
    return _markup_acronyms(markup)


# --- sections ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Care:
    """The care-leaver status: since when, which status now, weeks looked after."""

    status: str
    since_status: str | None
    since: _Drawn | None
    now: str | None
    weeks: str


def _care(care: CareLeaverStatus) -> _Care:
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
    now = care.status_on_as_of
    return _Care(
        status=now or "not a care leaver",
        since_status=since[0] if since else None,
        since=_time(since[1]) if since else None,
        now=now if since and now and now != since[0] else None,
        weeks=f"{care.weeks_looked_after_since_14:g}",
    )


def _header(roadmap: Roadmap, audience: Audience) -> Markup:
    settings = "; ".join(f"{k}: {v}" for k, v in sorted(roadmap.settings.items()))
    return render(
        "header.html",
        audience=audience,
        person_id=roadmap.person_id,
        date_of_birth=_time(roadmap.date_of_birth),
        as_of=_time(roadmap.as_of),
        start=_time(roadmap.start),
        end=_time(roadmap.end),
        area=_humanise(roadmap.area),
        cohorts=roadmap.cohorts,
        care=_care(roadmap.care_status) if roadmap.care_status is not None else None,
        settings=settings,
    )


def _footer(roadmap: Roadmap, audience: Audience) -> Markup:
    return render(
        "footer.html", audience=audience, person_id=roadmap.person_id, as_of=_time(roadmap.as_of)
    )


def _timeline_section(
    roadmap: Roadmap, audience: Audience, heading: str
) -> tuple[Markup, frozenset[str]]:
    """The section of the picture, and the acronyms of its text."""
    svg, texts, words = _drawing(roadmap, lanes="agency", audience=audience, standalone=False)
    markup = render("timeline.html", audience=audience, heading=heading, svg=Markup(svg))
    found = set(_frame_acronyms("timeline.html", audience, heading, "svg"))
    for word in set(words):
        found |= _words_acronyms(word)
    return markup, frozenset(found.union(acronyms_in("\n".join(texts))))


@dataclass(slots=True)  # (not frozen: quicker to make, as _EntryRow)
class _GapRow:
    """A gap: a row of the practitioner's table, or a family's card."""

    severity: Severity
    severity_word: str
    title: str
    message: str
    since: _Drawn | None
    days_overdue: int | None
    action: str
    owner: str
    agency: str
    rule: str
    catalogue: str | None
    duty_id: str
    duty_status: str
    duty_citations: _Citations


def _gaps_section(
    roadmap: Roadmap, audience: Audience, heading: str, text: FamilyText
) -> tuple[Markup, frozenset[str]]:
    """The gaps (a table, or a family's cards), and the acronyms of their text."""
    order = {"high": 0, "medium": 1, "low": 2}
    gaps = sorted(roadmap.gaps, key=lambda g: (order[g.severity], g.since or date.max, g.rule))
    rows = [
        _GapRow(
            severity=gap.severity,
            severity_word=text.severity_words[gap.severity],
            title=gap.title,
            message=gap.message,
            since=_maybe_time(gap.since),
            days_overdue=gap.days_overdue,
            action=gap.action,
            owner=gap.owner,
            agency=AGENCY_NAMES["practitioner"][gap.agency],
            rule=gap.rule,
            catalogue=gap.catalogue,
            duty_id=gap.duty.id,
            duty_status=gap.duty.status,
            duty_citations=_citations(gap.duty),
        )
        for gap in gaps
    ]
    unknown = [{"title": gap.title, "rule": gap.rule} for gap in roadmap.not_recorded]
    markup = render(
        "gaps.html", audience=audience, heading=heading, gaps=rows, not_recorded=unknown
    )
    return markup, _gaps_acronyms(rows, unknown, audience, heading)


def _gaps_acronyms(
    rows: Sequence[_GapRow],
    unknown: Sequence[Mapping[str, str]],
    audience: Audience,
    heading: str,
) -> frozenset[str]:
    """The acronyms of the text of ``gaps.html``: its frame's, and each value it prints.

    A gap's words are the rule data's, the same page after page, and its date brings its
    own (none); the rows' fixed words, such as "Overdue since", have none either.
    """
    practitioner = audience == "practitioner"
    found = set(_gaps_frame_acronyms(audience, heading, bool(rows), bool(unknown)))
    for row in rows:
        if practitioner:
            found |= _words_acronyms(
                row.severity,
                row.title,
                row.message,
                row.action,
                row.owner,
                row.agency,
                row.rule,
                row.catalogue or "",
                row.duty_id,
                row.duty_status,
            )
            found |= row.duty_citations.acronyms
        else:
            found |= _words_acronyms(
                row.title, row.severity_word, row.message, row.action, row.owner
            )
        if row.since is not None:
            found |= row.since.acronyms
    for gap in unknown:
        found |= _words_acronyms(gap["title"], gap["rule"] if practitioner else "")
    return frozenset(found)


@lru_cache(maxsize=16)
def _gaps_frame_acronyms(
    audience: Audience, heading: str, any_gaps: bool, any_unknown: bool
) -> frozenset[str]:
    """The acronyms of ``gaps.html`` drawn with blank rows: its heading, column heads and
    notes, and a row's fixed words. Nothing about a young person."""
    blank = _GapRow(
        severity="low",
        severity_word="",
        title="",
        message="",
        since=None,
        days_overdue=None,
        action="",
        owner="",
        agency="",
        rule="",
        catalogue=None,
        duty_id="",
        duty_status="",
        duty_citations=_Citations((), ()),
    )
    markup = render(
        "gaps.html",
        audience=audience,
        heading=heading,
        gaps=[blank] if any_gaps else [],
        not_recorded=[{"title": "", "rule": ""}] if any_unknown else [],
    )
    return _markup_acronyms(markup)


@lru_cache(maxsize=4096)
def _words_acronyms(*words: str) -> frozenset[str]:
    """The acronyms of words from the rule data, each a block of text of its own."""
    return frozenset(acronyms_in("\n".join(words)))


@dataclass(frozen=True, slots=True)
class _Badge:
    """A status, with its symbol and its word for the audience (:func:`_badge` fills in
    the ``status_badge`` macro's ``markup``)."""

    status: Status
    glyph: str
    word: str
    markup: str = field(default="", compare=False)

    def __html__(self) -> str:
        """Printed in a template: the ``status_badge`` macro's markup."""
        return self.markup or render_macro("status_badge", self)


@dataclass(frozen=True, slots=True)
class _Drawn:
    """Markup made once for the same words (a macro's), and the acronyms of its text."""

    markup: Markup
    acronyms: frozenset[str]

    def __html__(self) -> str:
        return self.markup


def _drawn(macro: str, value: object) -> _Drawn:
    """The ``macro`` of ``macros.html`` for ``value``, which holds only words from the rule
    data, or a date: nothing about a young person."""
    markup = Markup(call_macro(macro, value))
    return _Drawn(markup, _markup_acronyms(markup))


@lru_cache(maxsize=16384)  # a page shows about a hundred dates, most on earlier pages too
def _time(on: date, short: bool = False) -> _Drawn:
    """A date's ``<time>`` (the ``time`` macro's), made once for each date and kept (the
    date alone, nothing about whose it is); printed, it is that markup as it is."""
    return _drawn("time", _Moment(on.isoformat(), short_date(on) if short else long_date(on)))


def _maybe_time(on: date | None) -> _Drawn | None:
    return _time(on) if on is not None else None


@lru_cache(maxsize=4096)
def _entry_words(title: str, description: str, owner: str, agency: str | None) -> _Drawn:
    """A row's what and who (``agency`` in the practitioner's version only), made once."""
    detail = "detail" if agency is None else "detail no-print"
    return _drawn("entry_words", _EntryWords(title, description, detail, owner, agency))


@_per_object
@lru_cache(maxsize=4096)
def _rule_cell(rule: RuleRef) -> _Drawn:
    """A row's rule, its status and its citations, made once for each rule."""
    citations = Markup(_citations(rule).markup)
    return _drawn("rule_cell", _RuleCell(rule.id, rule.status, citations))


@lru_cache(maxsize=256)
def _badge(status: Status, word: str) -> _Badge:
    """A status badge, made once for each status and word."""
    badge = _Badge(status, _STATUS_GLYPHS[status], word)
    return replace(badge, markup=render_macro("status_badge", badge))


@dataclass(frozen=True, slots=True)
class _EntryWords:
    """A dated entry's words from the rule data: the ``entry_words`` macro's value."""

    title: str
    description: str
    detail: str
    owner: str
    agency: str | None  # the practitioner's version only


@dataclass(frozen=True, slots=True)
class _RuleCell:
    """A dated entry's rule, its status and its citations' markup (``rule_cell``)."""

    rule_id: str
    rule_status: str
    citations: Markup


@dataclass(slots=True)  # (not frozen: a page makes dozens, and a frozen one is slower to make)
class _EntryRow:
    """A dated entry: a row of the table of dates."""

    status: Status
    is_service: bool
    start: _Drawn | None  # a window's start
    on: _Drawn
    age: str
    words: _Drawn
    badge: _Badge
    done_on: _Drawn | None
    rule: _Drawn | None  # the practitioner's version only


def _entry_row(entry: Entry, audience: Audience, words: Mapping[Status, str]) -> _EntryRow:
    done = entry.done_on is not None and entry.status == "done"
    practitioner = audience == "practitioner"
    rule = _rule_cell(entry.rule) if practitioner else None
    return _EntryRow(
        status=entry.status,
        is_service=entry.kind.startswith("service"),
        start=_time(entry.window_start) if entry.window_start is not None else None,
        on=_time(entry.date),
        age=_age_text(entry, audience),
        words=_entry_words(
            entry.title,
            entry.description,
            entry.owner,
            AGENCY_NAMES["practitioner"][entry.agency] if practitioner else None,
        ),
        badge=_badge(entry.status, words[entry.status]),
        done_on=_time(entry.done_on, short=True) if done and entry.done_on is not None else None,
        rule=rule,
    )


def _dates_section(
    roadmap: Roadmap, audience: Audience, heading: str, text: FamilyText
) -> tuple[Markup, frozenset[str]]:
    """The table of dates, and the acronyms of its text."""
    words = STATUS_WORDS["practitioner"] if audience == "practitioner" else text.status_words
    rows = [
        _entry_row(entry, audience, words)
        for entry in sorted(roadmap.entries, key=lambda e: (e.date, e.id))
    ]
    markup = render("dates.html", audience=audience, heading=heading, entries=rows)
    return markup, _dates_acronyms(rows, audience, heading)


def _dates_acronyms(rows: Sequence[_EntryRow], audience: Audience, heading: str) -> frozenset[str]:
    """The acronyms of the text of ``dates.html``: each cell is a block of its own."""
    found = set(_frame_acronyms("dates.html", audience, heading, "entries"))
    dated: list[str] = []  # the row's own dates, age and status, searched each time
    for row in rows:
        found |= row.on.acronyms
        if row.start is not None:
            found |= row.start.acronyms
        found |= row.words.acronyms
        if row.rule is not None:
            found |= row.rule.acronyms
        if row.done_on is not None:
            found |= row.done_on.acronyms
        dated += (row.age, row.badge.glyph, row.badge.word)
    return frozenset(found.union(acronyms_in("\n".join(dated))))


@dataclass(slots=True)  # (not frozen: quicker to make, as _EntryRow)
class _ServiceRow:
    """A service: a row of the services table."""

    label: str
    beyond_statutory: str | None
    agency: str
    start: _Drawn | None
    end: _Drawn | None
    then: str


def _services_section(
    roadmap: Roadmap, audience: Audience, heading: str
) -> tuple[Markup, frozenset[str]]:
    """The services table, and the acronyms of its text."""
    labels = {s.id: s.label for s in roadmap.services}
    rows = [
        _ServiceRow(
            label=service.label,
            beyond_statutory=service.beyond_statutory,
            agency=AGENCY_NAMES[audience][service.agency],
            start=_maybe_time(service.start),
            end=_maybe_time(service.end),
            then=", ".join(labels.get(s, _humanise(s)) for s in service.successors) or "—",
        )
        for service in sorted(roadmap.services, key=lambda s: (s.start or date.min, s.id))
    ]
    markup = render("services.html", audience=audience, heading=heading, services=rows)
    return markup, _services_acronyms(rows, audience, heading)


def _services_acronyms(
    rows: Sequence[_ServiceRow], audience: Audience, heading: str
) -> frozenset[str]:
    """The acronyms of the text of ``services.html``: as :func:`_gaps_acronyms`."""
    found = set(_frame_acronyms("services.html", audience, heading, "services"))
    for row in rows:
        beyond = (row.beyond_statutory or "") if audience == "practitioner" else ""
        found |= _words_acronyms(row.label, beyond, row.agency, row.then)
        for moment in (row.start, row.end):
            if moment is not None:
                found |= moment.acronyms
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class _Step:
    """A step of a route, with the age it comes at (if known)."""

    label: str
    age: Any


@dataclass(frozen=True, slots=True)
class _Route:
    """A route: how likely, as a percentage and in natural frequencies, and its steps."""

    percent: str
    frequency: str
    steps: tuple[_Step, ...]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A Preparing for Adulthood area, with how likely each state is at 25."""

    area: str
    described: str


def _route(route: Mapping[str, Any], audience: Audience) -> _Route:
    probability = float(route.get("probability", 0.0))
    frequency = _frequency(probability)
    if audience == "family":  # it starts the family's sentence
        frequency = frequency[:1].upper() + frequency[1:]
    steps = tuple(
        _Step(step.get("label") or _humanise(str(step.get("id", ""))), step.get("age"))
        for step in route.get("steps") or ()
    )
    return _Route(_percent(probability), frequency, steps)


def _outcome(area: str, states: Mapping[str, float], audience: Audience) -> _Outcome:
    likeliest = sorted(states.items(), key=lambda kv: (-kv[1], kv[0]))
    if audience == "family":
        described = "; ".join(
            f"{_frequency(float(p))}: {_humanise(state).lower()}" for state, p in likeliest
        )
    else:
        described = "; ".join(f"{_humanise(state)} {_percent(float(p))}" for state, p in likeliest)
    return _Outcome(_area_name(area, audience), described)


def _routes_summary(routes: Mapping[str, Any]) -> str:
    summary = []
    if routes.get("total_routes") is not None:
        summary.append(f"{routes['total_routes']} distinct routes in all")
    if routes.get("probability_sum") is not None:
        summary.append(f"probabilities sum to {float(routes['probability_sum']):.6g}")
    return "; ".join(summary)


def _routes_sources(routes: Mapping[str, Any]) -> str | None:
    sources = routes.get("sources") or ()
    if not sources:
        return None
    texts = []
    for source in sources:
        if isinstance(source, Mapping):
            texts.append(
                "; ".join(plain_url(str(v)) for v in source.values() if v not in (None, ""))
            )
        else:
            texts.append(plain_url(str(source)))
    return "; ".join(texts)


def _routes_section(
    routes: Mapping[str, Any], audience: Audience, heading: str, text: FamilyText
) -> Markup:
    outcomes: Mapping[str, Mapping[str, float]] = routes.get("outcomes") or {}
    return render(
        "routes.html",
        audience=audience,
        heading=heading,
        text=text.routes,
        routes=[_route(route, audience) for route in routes.get("routes") or ()],
        outcomes=[_outcome(area, states, audience) for area, states in outcomes.items()],
        summary=_routes_summary(routes),
        sources=_routes_sources(routes),
    )


@dataclass(frozen=True, slots=True)
class _Fact:
    """An easy-read point, with the young person's own date when it has an age."""

    id: str
    heading: str
    text: tuple[str, ...]
    sources: str
    age: int | None
    verb: str
    birthday: _Drawn | None


def _facts(items: Sequence[FamilyItem], roadmap: Roadmap) -> list[_Fact]:
    leap = leap_day_policy(roadmap)
    facts = []
    for item in items:
        on = birthday(roadmap.date_of_birth, item.age, leap) if item.age is not None else None
        # Names of laws and pages, without their web addresses: short enough to read.
        sources = "; ".join(
            ref.instrument + (f" {ref.provision}" if ref.provision else "")
            if ref.instrument
            else ref.title or plain_url(ref.url or "")
            for ref in item.references
        )
        facts.append(
            _Fact(
                id=item.id,
                heading=item.heading,
                text=item.text,
                sources=sources,
                age=item.age,
                verb="turned" if on is not None and on <= roadmap.as_of else "turn",
                birthday=_maybe_time(on),
            )
        )
    return facts


def _family_sections(roadmap: Roadmap, text: FamilyText) -> tuple[Markup, Markup, Markup]:
    """The family page's introduction, what changes at 18, and help for carers."""
    intro = render(
        "family_section.html",
        id="intro",
        heading=text.headings["intro"],
        lead=text.intro,
        facts=None,
    )
    at_18, carers = (
        render(
            "family_section.html",
            id=key.replace("_", "-"),
            heading=text.headings[key],
            lead=section.lead,
            facts=_facts(section.items, roadmap),
        )
        for key, section in (("at_18", text.at_18), ("carers", text.carers))
    )
    return intro, at_18, carers


def _glossary_section(acronyms: set[str], audience: Audience, heading: str) -> Markup:
    terms, missing = glossary_of(acronyms)
    if not missing:  # the usual case: the section is the glossary's own text, drawn once
        return _glossary_markup(tuple(term.term for term in terms), audience, heading)
    return render("glossary.html", audience=audience, heading=heading, terms=terms, missing=missing)


@lru_cache(maxsize=1024)
def _glossary_markup(names: tuple[str, ...], audience: Audience, heading: str) -> Markup:
    """The glossary section of these terms (all in the glossary), made once for each set."""
    known = load_glossary()
    terms = [known[name] for name in names]
    return render("glossary.html", audience=audience, heading=heading, terms=terms, missing=())


# --- the page ---------------------------------------------------------------------------


@cache
def _page_css() -> Markup:
    """The page's style sheet (``roadmap.css`` with the palette's colours), made once:
    it is the same on every page, and drawing it was a page's largest template."""
    return render("roadmap.css", **_palette())


def _palette() -> dict[str, Any]:
    """The colours the CSS uses, by the names ``roadmap.css`` gives them."""
    return {
        "colours": {
            "background": pal.BACKGROUND,
            "text": pal.TEXT,
            "muted": pal.TEXT_MUTED,
            "surface": pal.SURFACE,
            "border": pal.BORDER,
            "link": pal.STATUS_COLOURS["upcoming"],
            "on_colour": pal.ON_COLOUR,
            "overdue": pal.STATUS_COLOURS["overdue"],
            "gap": pal.GAP,
            "gap_tint": pal.GAP_TINT,
        },
        "status_colours": list(pal.STATUS_COLOURS.items()),
        "severity_colours": list(pal.SEVERITY_COLOURS.items()),
    }


def _sections(
    roadmap: Roadmap,
    audience: Audience,
    routes: Mapping[str, Any] | None,
    text: FamilyText,
) -> list[_PageSection]:
    """The page's sections in order, before the glossary."""
    headings = _PRACTITIONER_HEADINGS if audience == "practitioner" else text.headings
    sections: list[_PageSection] = []
    if audience == "family":
        intro, at_18, carers = _family_sections(roadmap, text)
        sections.append(_PageSection("intro", headings["intro"], intro))
    # The picture comes first: printed, it fills most of the first page.
    timeline, found = _timeline_section(roadmap, audience, headings["timeline"])
    sections.append(_PageSection("timeline", headings["timeline"], timeline, found))
    gaps, found = _gaps_section(roadmap, audience, headings["gaps"], text)
    sections.append(_PageSection("gaps", headings["gaps"], gaps, found))
    dates, found = _dates_section(roadmap, audience, headings["dates"], text)
    sections.append(_PageSection("dates", headings["dates"], dates, found))
    if roadmap.services:
        services, found = _services_section(roadmap, audience, headings["services"])
        sections.append(_PageSection("services", headings["services"], services, found))
    if routes:
        likely = _routes_section(routes, audience, headings["routes"], text)
        sections.append(_PageSection("routes", headings["routes"], likely))
    if audience == "family":
        sections.append(_PageSection("at-18", headings["at_18"], at_18))
        sections.append(_PageSection("carers", headings["carers"], carers))
    return sections


def render_html(
    roadmap: Roadmap,
    *,
    audience: Audience = "practitioner",
    routes: Mapping[str, Any] | None = None,
    nonce: str | None = None,
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
        nonce: a Content-Security-Policy nonce for the page's ``<style>``, when
            a web app serves the page (default: none).

    Returns:
        An HTML5 document with inline CSS and SVG and no external references.

    Raises:
        ValueError: ``audience`` is not one of the known values.
        RuleDataError: the packaged family text or glossary is malformed.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")
    text = load_family_text()
    sections = _sections(roadmap, audience, roadmap.routes if routes is None else routes, text)
    header = _header(roadmap, audience)
    footer = _footer(roadmap, audience)
    title = (
        f"Transition roadmap: {roadmap.person_id} ({long_date(roadmap.as_of)})"
        if audience == "practitioner"
        else f"Your roadmap to adult life ({long_date(roadmap.as_of)})"
    )
    # The glossary explains every acronym in the text above it (the nav repeats headings).
    searched = [title, header, *(s.markup for s in sections if s.acronyms is None), footer]
    found = set(acronyms_in(_text_of(" ".join(searched))))
    for section in sections:
        found |= section.acronyms or frozenset()
    heading = (_PRACTITIONER_HEADINGS if audience == "practitioner" else text.headings)["glossary"]
    glossary = _glossary_section(found, audience, heading)
    sections.append(_PageSection("glossary", heading, glossary))
    # A plain string, as before: a caller's edits to it must not be escaped as Markup's are.
    return str(
        render(
            "page.html",
            audience=audience,
            title=title,
            nonce=nonce,
            header=header,
            sections=sections,
            footer=footer,
            css=_page_css(),
        )
    )

"""The personal timeline picture, drawn directly as SVG (no Graphviz needed).

The picture has an age axis with calendar years under it, one lane per agency
(or per Preparing for Adulthood area), the services as bars with handover
arrows to their successors, one mark per roadmap entry, the gaps as warning
triangles, and a dashed "as of" line. Meaning never rests on colour alone:
each status has its own shape and word, each gap a triangle with "!" and a
label, and overdue marks a thick outline, an "!" and a bold "Late" label.

The output is deterministic: marks are placed in a fixed order, coordinates
are printed to one decimal place, and ids are fixed strings.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

from pathways import LEAP_DAY_POLICIES, LeapDayPolicy, age_on, birthday
from roadmaps.model import AGENCIES, Agency, Entry, Gap, Roadmap, ServiceSpan, Status
from roadmaps.rule_ids import AGE_18, LEAP_DAY_POLICY

from . import palette as pal

Audience = Literal["practitioner", "family"]
LaneMode = Literal["agency", "pfa"]

AUDIENCES: tuple[Audience, ...] = ("practitioner", "family")
LANE_MODES: tuple[LaneMode, ...] = ("agency", "pfa")

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

FONT_FAMILY = "'Liberation Sans', Arial, Helvetica, sans-serif"

AGENCY_NAMES: dict[Audience, dict[Agency, str]] = {
    "practitioner": {
        "education": "Education",
        "health": "Health",
        "social-care": "Social care",
        "other": "Other",
    },
    "family": {
        "education": "School, college and work",
        "health": "Health",
        "social-care": "Care and support",
        "other": "Money, the law and other things",
    },
}

# Preparing for Adulthood areas (seed-catalogue.md section 8), then a lane for the rest.
PFA_AREAS: tuple[tuple[str, str, str], ...] = (
    ("employment", "Education and employment", "Learning and work"),
    ("independent-living", "Independent living", "Where you live and your independence"),
    ("community", "Friends, relationships and community", "Friends and community"),
    ("health", "Good health", "Health"),
    ("other", "Across all areas", "Other things"),
)

STATUS_WORDS: dict[Audience, dict[Status, str]] = {
    "practitioner": {
        "done": "Done",
        "due": "Due",
        "overdue": "Overdue",
        "upcoming": "Upcoming",
        "not-applicable": "Not applicable",
    },
    "family": {
        "done": "Done",
        "due": "Due now",
        "overdue": "Late",
        "upcoming": "Coming up",
        "not-applicable": "Does not apply to you",
    },
}

# Layout, in SVG user units (the picture scales to its container).
_WIDTH = 1000.0
_LEFT = 138.0  # the column of lane names
_RIGHT = 22.0
_AXIS_TOP = 26.0
_AGE_ROW = 46.0
_YEAR_ROW = 63.0
_LANES_TOP = 72.0
_FONT = 12.5
_SMALL = 11.0
_MARK_ROW = 17.0
_LABEL_GAP = 12.0
_BAR_HEIGHT = 16.0
_BAR_ROW = 21.0
_LABEL_CHARS = 34
_SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def long_date(on: date) -> str:
    """A date as a family reads it: ``10 January 2027``.

    >>> long_date(date(2027, 1, 10))
    '10 January 2027'
    """
    return f"{on.day} {_MONTHS[on.month - 1]} {on.year}"


def short_date(on: date) -> str:
    """A compact date for the picture: ``10 Jan 2027``.

    >>> short_date(date(2027, 1, 10))
    '10 Jan 2027'
    """
    return f"{on.day} {_MONTHS[on.month - 1][:3]} {on.year}"


def leap_day_policy(roadmap: Roadmap) -> LeapDayPolicy:
    """The leap-day policy the roadmap was made with (``mar1`` unless set), for birthdays."""
    for key in (LEAP_DAY_POLICY, "leap_day_policy"):
        value = roadmap.settings.get(key)
        for policy in LEAP_DAY_POLICIES:
            if value == policy:
                return policy
    return "mar1"


class _Numbers(dict[float, str]):
    """Coordinates written before, and how: a picture writes about 500, most of them on
    earlier pictures too (sizes, rows, the axis), and formatting one costs four look-ups.
    A coordinate written before is found without a Python call at all."""

    def __missing__(self, value: float) -> str:
        if len(self) >= 16384:  # (bounded: positions along the axis vary)
            self.clear()
        text = self[value] = _format_num(value)
        return text


#: A coordinate with one decimal place and no trailing ``.0`` (stable output).
_num: Callable[[float], str] = _Numbers().__getitem__


def _format_num(value: float) -> str:
    text = f"{value:.1f}"
    if text[-1] != "0":
        return text
    text = text[:-2]
    return "0" if text == "-0" else text


#: A character :func:`html.escape` replaces: most text has none, and finding that out
#: costs half as much as the escape's five replacements.
_SPECIAL = re.compile("[&<>\"']")


def _esc(text: str) -> str:
    """:func:`html.escape` (quotes too), faster for text with nothing to escape."""
    return html.escape(text) if _SPECIAL.search(text) else text


@lru_cache(maxsize=4096)  # labels come from the rule data: the same few, page after page
def _text_width(text: str, size: float, bold: bool = False) -> float:
    """An estimate of the drawn width of ``text`` in a sans-serif font of Arial's metrics."""
    units = 0.0
    for ch in text:
        if ch in "iljtf.,:;'|!()[] ":
            units += 0.3
        elif ch in "mwMW":
            units += 0.86
        elif ch.isupper():
            units += 0.68
        elif ch.isdigit():
            units += 0.56
        else:
            units += 0.54
    return units * size * (1.08 if bold else 1.0)


def _shorten(text: str, limit: int = _LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,:;-") + "…"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


class _Scale:
    """Dates to x positions, clamped to the axis."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.x0, self.x1 = _LEFT + 8, _WIDTH - _RIGHT
        self._days = max((end - start).days, 1)
        self._width = self.x1 - self.x0

    def x(self, on: date) -> float:
        fraction = (on - self.start).days / self._days
        if fraction <= 0.0:  # (tests, not min() and max(): a picture places a hundred dates)
            fraction = 0.0
        elif fraction > 1.0:
            fraction = 1.0
        return self.x0 + fraction * self._width


@dataclass
class _Rows:
    """First-fit placement of labels into rows so that none overlap."""

    gap: float = 8.0
    rows: list[list[tuple[float, float]]] = field(default_factory=list)

    def place(self, options: Sequence[tuple[float, float]]) -> tuple[int, int]:
        """The (row, option) of the first row where one of the extents fits."""
        gap = self.gap
        for row_index, row in enumerate(self.rows):
            for option_index, (a, b) in enumerate(options):
                high = b + gap
                for c, d in row:  # (a loop, not all(): a page places dozens)
                    if not (high <= c or a >= d + gap):
                        break
                else:
                    row.append((a, b))
                    return row_index, option_index
        self.rows.append([options[0]])
        return len(self.rows) - 1, 0


@dataclass
class _Lane:
    key: str
    name: str
    colour: str
    tint: str
    entries: list[Entry] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    services: list[ServiceSpan] = field(default_factory=list)


def _pfa_key(area: str | None) -> str:
    """The PfA lane an entry's ``pfa_area`` belongs to, forgiving about spelling."""
    text = (area or "").lower()
    if any(word in text for word in ("employ", "education", "work")):
        return "employment"
    if any(word in text for word in ("independ", "living", "housing", "home")):
        return "independent-living"
    if any(word in text for word in ("friend", "communit", "relationship")):
        return "community"
    if "health" in text:
        return "health"
    return "other"


def _build_lanes(roadmap: Roadmap, lanes: LaneMode, audience: Audience) -> list[_Lane]:
    entries = sorted(roadmap.entries, key=lambda e: (e.date, e.id))
    gaps = list(roadmap.gaps)
    if lanes == "agency":
        by_agency = {
            agency: _Lane(
                agency,
                AGENCY_NAMES[audience][agency],
                pal.AGENCY_COLOURS[agency],
                pal.AGENCY_TINTS[agency],
            )
            for agency in AGENCIES
        }
        for entry in entries:
            by_agency[entry.agency].entries.append(entry)
        for gap in gaps:
            by_agency[gap.agency].gaps.append(gap)
        for service in roadmap.services:
            by_agency[service.agency].services.append(service)
        return [lane for lane in by_agency.values() if lane.entries or lane.gaps or lane.services]
    result: list[_Lane] = []
    if roadmap.services:
        services = _Lane(
            "services",
            "Services" if audience == "practitioner" else "Who helps you",
            pal.TEXT_MUTED,
            pal.SURFACE,
        )
        services.services.extend(roadmap.services)
        result.append(services)
    by_area: dict[str, _Lane] = {}
    for (key, practitioner_name, family_name), (colour, tint) in zip(
        PFA_AREAS, pal.PFA_COLOURS, strict=True
    ):
        name = practitioner_name if audience == "practitioner" else family_name
        by_area[key] = _Lane(key, name, colour, tint)
    area_of_entry = {entry.id: _pfa_key(entry.pfa_area) for entry in entries}
    for entry in entries:
        by_area[area_of_entry[entry.id]].entries.append(entry)
    for gap in gaps:
        by_area[area_of_entry.get(gap.milestone or "", "other")].gaps.append(gap)
    result.extend(lane for lane in by_area.values() if lane.entries or lane.gaps)
    return result


def _axis_end(roadmap: Roadmap) -> date:
    """The roadmap's end, stretched to show any entry that falls after it (an EHC
    plan may run to the end of the college year after the 25th birthday)."""
    dates = [roadmap.end, *(e.date for e in roadmap.entries)]
    return max(dates)


def _gap_date(roadmap: Roadmap, gap: Gap) -> date:
    if gap.since is not None:
        return gap.since
    entry = roadmap.milestone(gap.milestone) if gap.milestone else None
    return entry.date if entry is not None else roadmap.as_of


class _Svg:
    """Collects SVG elements in drawing order, and the text they show.

    Every text of the picture goes through :meth:`text` or :meth:`title` (:meth:`add`
    is for elements with no text), unescaped, so that the page's glossary reads it there
    rather than searching the markup. ``words`` are texts of a bounded few (labels from
    the rule data, the axis's years and ages, the key), whose acronyms the page finds
    once for each; ``texts`` are the rest (the picture's title, with the case reference,
    and its description), searched each time. A tooltip of rule-data words and dates
    names its ``words`` instead of its text: its dates, its age and its fixed words have
    no acronyms (``tests/roadmaps/render/test_html.py`` checks the glossary against a
    search of the whole page).
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.texts: list[str] = []
        self.words: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def title(self, content: str, words: tuple[str, ...]) -> None:
        """A tooltip: the ``<title>`` of the group it is in, with the ``words`` from the
        rule data that bring all of its acronyms."""
        self.words += words
        self.parts.append(f"<title>{_esc(content)}</title>")

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float = _FONT,
        fill: str = pal.TEXT,
        anchor: str = "start",
        bold: bool = False,
        halo: str | None = None,
        extra: str = "",
    ) -> None:
        attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{fill}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if bold:
            attrs += ' font-weight="bold"'
        if halo:
            attrs += f' stroke="{halo}" stroke-width="3.5" paint-order="stroke"'
        if extra:
            attrs += " " + extra
        self.words.append(content)
        self.parts.append(f"<text {attrs}>{_esc(content)}</text>")


# Each status has its own shape, named in the mark's class so a test can check they differ.
STATUS_SHAPES: dict[Status, str] = {
    "done": "tick",
    "due": "diamond",
    "overdue": "alert",
    "upcoming": "ring",
    "not-applicable": "dashed-ring",
}


def _status_marker(svg: _Svg, status: Status, x: float, y: float) -> None:
    """The mark of an entry: a shape per status, so colour is never the only cue."""
    colour = pal.STATUS_COLOURS[status]
    svg.add(f'<g class="marker shape-{STATUS_SHAPES[status]}">')
    if status == "done":
        svg.add(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="7" fill="{colour}"/>')
        svg.add(
            f'<path d="M{_num(x - 3.5)} {_num(y)} l2.5 2.7 l4.6 -5.4" fill="none" '
            f'stroke="{pal.ON_COLOUR}" stroke-width="2" stroke-linecap="round"/>'
        )
    elif status == "due":
        points = (
            f"{_num(x)},{_num(y - 8)} {_num(x + 8)},{_num(y)} "
            f"{_num(x)},{_num(y + 8)} {_num(x - 8)},{_num(y)}"
        )
        svg.add(f'<polygon points="{points}" fill="{colour}"/>')
    elif status == "overdue":
        svg.add(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="8.5" fill="{colour}" '
            f'stroke="{pal.TEXT}" stroke-width="3"/>'
        )
        svg.text(x, y + 4.2, "!", size=12, fill=pal.ON_COLOUR, anchor="middle", bold=True)
    elif status == "upcoming":
        svg.add(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="6" fill="{pal.ON_COLOUR}" '
            f'stroke="{colour}" stroke-width="2.5"/>'
        )
    else:
        svg.add(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="5" fill="{pal.ON_COLOUR}" '
            f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="2 2"/>'
        )
    svg.add("</g>")


def _gap_marker(svg: _Svg, x: float, y: float) -> None:
    """A warning triangle with "!": the gap symbol."""
    points = (
        f"{_num(x)},{_num(y - 9)} {_num(x + 9.5)},{_num(y + 7.5)} {_num(x - 9.5)},{_num(y + 7.5)}"
    )
    svg.add(f'<polygon points="{points}" fill="{pal.GAP}" stroke-linejoin="round"/>')
    svg.text(x, y + 5.5, "!", size=11, fill=pal.ON_COLOUR, anchor="middle", bold=True)


@dataclass(slots=True)
class _Mark:
    """One mark to place in a lane: an entry or a gap."""

    x: float
    window_x: float | None
    text: str
    bold: bool
    entry: Entry | None = None
    gap: Gap | None = None


@dataclass(slots=True)
class _Placed:
    mark: _Mark
    row: int
    anchor: str  # "start": the label runs right of the mark; "end": left of it


def _place_marks(marks: Sequence[_Mark], scale: _Scale) -> tuple[list[_Placed], int]:
    """Put each mark, with its label beside it, in the first row where it overlaps nothing.

    A label may sit right or left of its mark; a window (from ... to) always runs
    left of its mark, so its label goes right.
    """
    rows = _Rows()
    placed: list[_Placed] = []
    middle = (scale.x0 + scale.x1) / 2
    for mark in marks:
        x, window_x = mark.x, mark.window_x
        width = _text_width(mark.text, _FONT, mark.bold)
        start = x - 9  # (tests rather than min(): a page places dozens)
        if window_x is not None and window_x < start:
            start = window_x
        right = (start, x + _LABEL_GAP + width)
        left = (x - _LABEL_GAP - width, x + 9)
        candidates = (right,) if window_x is not None else (right, left)
        options = [o for o in candidates if o[0] >= _LEFT + 2 and o[1] <= _WIDTH - 4]
        if not options:
            options = [candidates[-1] if x > middle else candidates[0]]
        row, option = rows.place(options)
        placed.append(_Placed(mark, row, "start" if options[option] == right else "end"))
    return placed, len(rows.rows)


def _entry_label(entry: Entry, audience: Audience) -> tuple[str, bool]:
    title = _shorten(entry.title)
    if entry.status == "overdue":
        word = STATUS_WORDS[audience]["overdue"]
        return f"{word}: {_shorten(entry.title, _LABEL_CHARS)}", True
    return title, False


def _entry_tooltip(entry: Entry, audience: Audience) -> str:
    when = long_date(entry.date)
    if entry.window_start is not None:
        when = f"between {long_date(entry.window_start)} and {when}"
    status = STATUS_WORDS[audience][entry.status]
    return f"{entry.title}: {when} (age {entry.age_years}). {status}."


def _gap_label(gap: Gap, audience: Audience) -> str:
    prefix = "Gap" if audience == "practitioner" else "To sort out"
    return f"{prefix}: {_shorten(gap.title, _LABEL_CHARS)}"


def _service_label(service: ServiceSpan, audience: Audience) -> str:
    label = service.label
    if service.end is None:
        label += " (no end date)" if audience == "practitioner" else " (carries on)"
    return label


def _draw_mark(
    svg: _Svg, item: _Placed, y: float, lane: _Lane, audience: Audience, roadmap: Roadmap
) -> None:
    mark = item.mark
    x = mark.x
    text_x = x + _LABEL_GAP if item.anchor == "start" else x - _LABEL_GAP
    if mark.entry is not None:
        entry = mark.entry
        colour = pal.STATUS_COLOURS[entry.status]
        svg.add(f'<g class="milestone" data-id="{_esc(entry.id)}" data-status="{entry.status}">')
        svg.title(
            _entry_tooltip(entry, audience), (entry.title, STATUS_WORDS[audience][entry.status])
        )
        if mark.window_x is not None:
            wx = mark.window_x
            svg.add(
                f'<path d="M{_num(wx)} {_num(y - 5)} v10 M{_num(wx)} {_num(y)} H{_num(x)}" '
                f'stroke="{colour}" stroke-width="3" fill="none"/>'
            )
        _status_marker(svg, entry.status, x, y)
        fill = pal.TEXT
        if entry.status == "overdue":
            fill = colour
        elif entry.status == "not-applicable":
            fill = pal.TEXT_MUTED
        svg.text(
            text_x,
            y + 4.3,
            mark.text,
            fill=fill,
            anchor=item.anchor,
            bold=mark.bold,
            halo=lane.tint,
        )
        svg.add("</g>")
        return
    gap = mark.gap
    assert gap is not None
    svg.add(f'<g class="gap" data-rule="{_esc(gap.rule)}" data-severity="{gap.severity}">')
    tip = f"{gap.title}. {gap.message}"
    if audience == "practitioner":
        tip += f" Severity: {gap.severity}. Rule: {gap.rule}."
    svg.title(
        tip,
        (gap.title, gap.message, gap.rule)
        if audience == "practitioner"
        else (gap.title, gap.message),
    )
    _gap_marker(svg, x, y)
    svg.text(
        text_x, y + 4.3, mark.text, fill=pal.GAP, anchor=item.anchor, bold=True, halo=lane.tint
    )
    svg.add("</g>")


def _pack_services(
    services: Sequence[ServiceSpan], scale: _Scale, audience: Audience
) -> dict[str, tuple[int, bool]]:
    """Row of each service bar in its lane, and whether its label fits inside the bar.

    A successor goes on its predecessor's row when it fits there, so that a
    handover reads left to right along one line.
    """
    rows: list[float] = []  # right-most extent used in each row
    layout: dict[str, tuple[int, bool]] = {}
    predecessor = {succ: s.id for s in services for succ in s.successors}
    for service in sorted(services, key=lambda s: (s.start or date.min, s.id)):
        x0 = scale.x(service.start) if service.start else scale.x0
        x1 = scale.x(service.end) if service.end else scale.x1
        width = _text_width(_service_label(service, audience), _SMALL, bold=True)
        inside = width + 10 <= x1 - x0
        extent_end = (x1 if inside else x1 + 6 + width) + 4
        order = list(range(len(rows)))
        before = layout.get(predecessor.get(service.id, ""))
        if before is not None:
            order.remove(before[0])
            order.insert(0, before[0])
        for index in order:
            if x0 >= rows[index] - 4.5:
                rows[index] = extent_end
                layout[service.id] = (index, inside)
                break
        else:
            rows.append(extent_end)
            layout[service.id] = (len(rows) - 1, inside)
    return layout


def _legend(svg: _Svg, y: float, audience: Audience) -> float:
    """Draw the key; return the y below it."""
    parts, words, below = _drawn_legend(y, audience)
    svg.parts += parts
    svg.words += words
    return below


@lru_cache(maxsize=64)
def _drawn_legend(y: float, audience: Audience) -> tuple[tuple[str, ...], tuple[str, ...], float]:
    """The key at ``y`` (the same on every picture with as many lanes), drawn once."""
    svg = _Svg()
    below = _draw_legend(svg, y, audience)
    return tuple(svg.parts), tuple(svg.words), below


def _draw_legend(svg: _Svg, y: float, audience: Audience) -> float:
    words = STATUS_WORDS[audience]
    items: list[tuple[str, str]] = [(status, words[status]) for status in pal.STATUS_COLOURS]
    if audience == "practitioner":
        items += [
            ("gap", "Gap (missing or late duty)"),
            ("bar", "Service, start to end"),
            ("arrow", "Handover to next service"),
            ("window", "Window (from … to)"),
            ("asof", "As-of date"),
        ]
    else:
        items += [
            ("gap", "Something to sort out"),
            ("bar", "A service and how long it lasts"),
            ("arrow", "Moving to the next service"),
            ("window", "Time to do it"),
            ("asof", "The date of this roadmap"),
        ]
    svg.add('<g class="legend">')
    heading = "Key" if audience == "practitioner" else "What the marks mean:"
    svg.text(12, y + 4, heading, bold=True)
    left = max(_LEFT, 12 + _text_width(heading, _FONT, bold=True) + 16)
    x, row_y = left, y
    for kind, label in items:
        width = 30 + _text_width(label, _SMALL) + 18
        if x + width > _WIDTH - _RIGHT:
            x, row_y = left, row_y + 22
        cx = x + 10
        status = next((s for s in pal.STATUS_COLOURS if s == kind), None)
        if status is not None:
            _status_marker(svg, status, cx, row_y)
        elif kind == "gap":
            _gap_marker(svg, cx, row_y)
        elif kind == "bar":
            svg.add(
                f'<rect x="{_num(x)}" y="{_num(row_y - 6)}" width="22" height="12" rx="3" '
                f'fill="{pal.AGENCY_COLOURS["education"]}"/>'
            )
        elif kind == "arrow":
            svg.add(
                f'<path d="M{_num(x)} {_num(row_y)} h18" stroke="{pal.HANDOVER}" '
                f'stroke-width="1.8" fill="none" marker-end="url(#rt-arrow)"/>'
            )
        elif kind == "window":
            svg.add(
                f'<path d="M{_num(x)} {_num(row_y - 5)} v10 M{_num(x)} {_num(row_y)} h22" '
                f'stroke="{pal.STATUS_COLOURS["upcoming"]}" stroke-width="3" fill="none"/>'
            )
        else:
            svg.add(
                f'<path d="M{_num(cx)} {_num(row_y - 9)} v18" stroke="{pal.AS_OF}" '
                f'stroke-width="2" stroke-dasharray="5 3"/>'
            )
        svg.text(x + 28, row_y + 4, label, size=_SMALL)
        x += width
    svg.add("</g>")
    return row_y + 16


def _describe(roadmap: Roadmap, lanes: list[_Lane], audience: Audience, end: date) -> str:
    """The long text alternative for screen readers."""
    counts: dict[Status, int] = {}
    for entry in roadmap.entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    words = STATUS_WORDS[audience]
    status_text = ", ".join(
        f"{counts[s]} {words[s].lower()}" for s in pal.STATUS_COLOURS if counts.get(s)
    )
    overdue = [
        e.title
        for e in sorted(roadmap.entries, key=lambda e: (e.date, e.id))
        if e.status == "overdue"
    ]
    if audience == "practitioner":
        parts = [
            f"Timeline from {long_date(roadmap.start)} to {long_date(end)}, with ages and "
            f"calendar years, as of {long_date(roadmap.as_of)}.",
            f"Lanes: {', '.join(lane.name for lane in lanes)}.",
            f"{len(roadmap.entries)} entries: {status_text}.",
        ]
        if overdue:
            parts.append(f"Overdue: {'; '.join(overdue)}.")
        if roadmap.gaps:
            parts.append(
                f"{len(roadmap.gaps)} gaps: "
                + "; ".join(f"{g.title} ({g.severity})" for g in roadmap.gaps)
                + "."
            )
        if roadmap.services:
            parts.append(f"{len(roadmap.services)} services shown as bars, with handovers.")
    else:
        parts = [
            f"A picture of your roadmap from {long_date(roadmap.start)} to {long_date(end)}.",
            f"This roadmap is dated {long_date(roadmap.as_of)}.",
            f"It has {len(roadmap.entries)} dates: {status_text}.",
        ]
        if overdue:
            parts.append(f"Late: {'; '.join(overdue)}.")
        if roadmap.gaps:
            parts.append("Things to sort out: " + "; ".join(g.title for g in roadmap.gaps) + ".")
    return " ".join(parts)


#: Where a service bar was drawn, for the handover arrows: x0, x1, top, bottom.
_BarBox = tuple[float, float, float, float]


def _markup(
    roadmap: Roadmap,
    *,
    lanes: LaneMode = "agency",
    audience: Audience = "practitioner",
    standalone: bool = True,
) -> str:
    return _drawing(roadmap, lanes=lanes, audience=audience, standalone=standalone)[0]


def _drawing(
    roadmap: Roadmap,
    *,
    lanes: LaneMode = "agency",
    audience: Audience = "practitioner",
    standalone: bool = True,
) -> tuple[str, list[str], list[str]]:
    """The picture's markup, and the texts and words it shows (see :class:`_Svg`)."""
    if lanes not in LANE_MODES:
        raise ValueError(f"lanes must be one of {', '.join(LANE_MODES)}, got {lanes!r}")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")
    end = _axis_end(roadmap)
    scale = _Scale(roadmap.start, end)
    lane_list = _build_lanes(roadmap, lanes, audience)

    # Lanes first (backgrounds, then contents), so the axis lines are drawn over them.
    body, content = _Svg(), _Svg()
    bars: dict[str, _BarBox] = {}
    y = _LANES_TOP
    for lane in lane_list:
        y = _draw_lane(body, content, bars, lane, y, roadmap, scale, audience)
    lanes_bottom = y

    # Year and age lines behind the marks.
    grid = _Svg()
    _draw_years(grid, roadmap, scale, end, lanes_bottom)
    _draw_ages(grid, roadmap, scale, end, lanes_bottom)
    ax = scale.x(roadmap.as_of)
    adult = roadmap.milestone(AGE_18)
    if adult is not None and roadmap.start <= adult.date <= end:
        _draw_age_18(grid, scale.x(adult.date), ax, lanes_bottom, audience)

    arrows = _Svg()
    _draw_handovers(arrows, roadmap, bars)
    overlay = _Svg()
    adult_x = scale.x(adult.date) if adult is not None else None
    _draw_as_of(overlay, roadmap, ax, adult_x, lanes_bottom, audience)
    legend = _Svg()
    height = _legend(legend, lanes_bottom + 22, audience) + 6

    head = _document_head(roadmap, lane_list, audience, end, height, standalone)
    layers = (head, body, grid, content, arrows, overlay, legend)
    parts: list[str] = []
    texts: list[str] = []
    words: list[str] = []
    for layer in layers:  # (extend, not a generator: a picture has some 450 parts)
        parts += layer.parts
        texts += layer.texts
        words += layer.words
    parts.append("</svg>")
    return "\n".join(parts) + "\n", texts, words


def _draw_lane(
    body: _Svg,
    content: _Svg,
    bars: dict[str, _BarBox],
    lane: _Lane,
    top: float,
    roadmap: Roadmap,
    scale: _Scale,
    audience: Audience,
) -> float:
    """Draw one lane from ``top``; return the y below it.

    Its background and name go on ``body``, its services and marks on ``content``,
    and each service bar's box into ``bars``.
    """
    y = top + (14 if lane.services else 6)
    y = _draw_services(content, bars, lane, y, scale, audience)

    marks = [
        _Mark(
            scale.x(entry.date),
            scale.x(entry.window_start) if entry.window_start else None,
            *_entry_label(entry, audience),
            entry=entry,
        )
        for entry in lane.entries
    ] + [
        _Mark(scale.x(_gap_date(roadmap, gap)), None, _gap_label(gap, audience), True, gap=gap)
        for gap in lane.gaps
    ]
    marks.sort(key=lambda m: (m.x, m.gap is not None, m.entry.id if m.entry else m.gap.rule))  # type: ignore[union-attr]
    placed, rows = _place_marks(marks, scale)
    for item in placed:
        row_y = y + 10 + item.row * _MARK_ROW
        _draw_mark(content, item, row_y, lane, audience, roadmap)
    y += 10 + rows * _MARK_ROW
    y = max(y + 4, top + 18 + 15 * len(_wrap(lane.name, 17)))
    body.add(
        f'<rect class="lane" x="0" y="{_num(top)}" width="{_num(_WIDTH)}" '
        f'height="{_num(y - top)}" fill="{lane.tint}"/>'
    )
    for index, line in enumerate(_wrap(lane.name, 17)):
        body.text(12, top + 20 + index * 15, line, fill=lane.colour, bold=True, size=13)
    return y


def _draw_services(
    svg: _Svg,
    bars: dict[str, _BarBox],
    lane: _Lane,
    y: float,
    scale: _Scale,
    audience: Audience,
) -> float:
    """Draw a lane's service bars in rows from ``y``; return the y below them."""
    layout = _pack_services(lane.services, scale, audience)
    service_rows = 1 + max((row for row, _ in layout.values()), default=-1)
    for service in sorted(lane.services, key=lambda s: (s.start or date.min, s.id)):
        row, inside = layout[service.id]
        bar_top = y + row * _BAR_ROW
        x0 = scale.x(service.start) if service.start else scale.x0
        x1 = scale.x(service.end) if service.end else scale.x1
        x1 = max(x1, x0 + 3)
        colour = pal.AGENCY_COLOURS[service.agency]
        bars[service.id] = (x0, x1, bar_top, bar_top + _BAR_HEIGHT)
        start = long_date(service.start) if service.start else "before this roadmap"
        finish = long_date(service.end) if service.end else "no end date"
        svg.add(f'<g class="service" data-id="{_esc(service.id)}">')
        svg.title(f"{service.label}: {start} to {finish}", (service.label,))
        svg.add(
            f'<rect x="{_num(x0)}" y="{_num(bar_top)}" width="{_num(x1 - x0)}" '
            f'height="{_num(_BAR_HEIGHT)}" rx="3" fill="{colour}"/>'
        )
        label = _service_label(service, audience)
        if inside:
            svg.text(x0 + 5, bar_top + 11.8, label, size=_SMALL, fill=pal.ON_COLOUR, bold=True)
        else:
            svg.text(
                x1 + 5,
                bar_top + 11.8,
                label,
                size=_SMALL,
                fill=pal.TEXT,
                bold=True,
                halo=lane.tint,
            )
        svg.add("</g>")
    return y + service_rows * _BAR_ROW + (4 if service_rows else 0)


def _draw_years(svg: _Svg, roadmap: Roadmap, scale: _Scale, end: date, bottom: float) -> None:
    """A line at each New Year's Day down to ``bottom``, and each year's number on the axis."""
    first_year = roadmap.start.year + (0 if roadmap.start.month == roadmap.start.day == 1 else 1)
    for year in range(first_year, end.year + 1):
        x = scale.x(date(year, 1, 1))
        svg.add(
            f'<path d="M{_num(x)} {_num(_YEAR_ROW - 12)} V{_num(bottom)}" '
            f'stroke="{pal.GRID}" stroke-width="1"/>'
        )
    for year in range(roadmap.start.year, end.year + 1):
        a = max(date(year, 1, 1), roadmap.start)
        b = min(date(year, 12, 31), end)
        if (b - a).days < 120:
            continue
        svg.text(
            (scale.x(a) + scale.x(b)) / 2,
            _YEAR_ROW,
            str(year),
            size=_SMALL,
            fill=pal.TEXT_MUTED,
            anchor="middle",
        )


def _draw_ages(svg: _Svg, roadmap: Roadmap, scale: _Scale, end: date, bottom: float) -> None:
    """A dotted line at each birthday with the age over it, the axis names and the axis line."""
    leap = leap_day_policy(roadmap)
    age = max(age_on(roadmap.date_of_birth, roadmap.start, leap), 0)
    while (on := birthday(roadmap.date_of_birth, age, leap)) <= end:
        if on >= roadmap.start:
            x = scale.x(on)
            svg.add(
                f'<path d="M{_num(x)} {_num(_AGE_ROW + 4)} V{_num(bottom)}" '
                f'stroke="{pal.BORDER}" stroke-width="0.8" stroke-dasharray="1 3"/>'
            )
            svg.text(x, _AGE_ROW, str(age), anchor="middle", bold=True, size=13)
        age += 1
    svg.text(12, _AGE_ROW, "Age", bold=True, size=13)
    svg.text(12, _YEAR_ROW, "Year", size=_SMALL, fill=pal.TEXT_MUTED)
    svg.add(
        f'<path d="M{_num(scale.x0)} {_num(_YEAR_ROW + 5)} H{_num(scale.x1)}" '
        f'stroke="{pal.BORDER}" stroke-width="1"/>'
    )


def _draw_age_18(svg: _Svg, x: float, ax: float, bottom: float, audience: Audience) -> None:
    """The 18th birthday line at ``x``, labelled on the side away from the as-of line at ``ax``."""
    svg.add(
        f'<path class="age-18" d="M{_num(x)} {_num(_AGE_ROW + 4)} V{_num(bottom)}" '
        f'stroke="{pal.AGE_18}" stroke-width="2"/>'
    )
    label = "18: adult in law" if audience == "practitioner" else "18: you are an adult"
    after = ax < x or (ax == x and x - _text_width(label, _SMALL) < _LEFT)
    svg.text(
        x + 5 if after else x - 5,
        _AXIS_TOP - 2,
        label,
        size=_SMALL,
        anchor="start" if after else "end",
        halo=pal.BACKGROUND,
    )


def _draw_handovers(svg: _Svg, roadmap: Roadmap, bars: Mapping[str, _BarBox]) -> None:
    """Handovers: an arrow from the end of each drawn service to the start of each successor."""
    for service in roadmap.services:
        if service.id not in bars:
            continue
        for successor in service.successors:
            if successor not in bars:
                continue
            d = _handover_path(bars[service.id], bars[successor])
            svg.add(
                f'<path class="handover" data-from="{_esc(service.id)}" '
                f'data-to="{_esc(successor)}" d="{d}" fill="none" stroke="{pal.HANDOVER}" '
                f'stroke-width="1.6" marker-end="url(#rt-arrow)"/>'
            )


def _handover_path(source: _BarBox, target: _BarBox) -> str:
    """The path of a handover arrow from the ``source`` bar to the ``target`` bar."""
    _, sx1, stop, sbottom = source
    tx0, _, ttop, tbottom = target
    tx = tx0 + 6
    if abs(ttop - stop) < 1:  # same row: a hump over the join
        return (
            f"M{_num(sx1 - 6)} {_num(stop)} C{_num(sx1 - 6)} {_num(stop - 9)} "
            f"{_num(tx)} {_num(stop - 9)} {_num(tx)} {_num(ttop - 1)}"
        )
    down = ttop > stop
    if tx < sx1 - 6:  # the successor starts first: hand over where it starts
        sy, ty = (sbottom, ttop - 1) if down else (stop, tbottom + 1)
        return f"M{_num(tx)} {_num(sy)} V{_num(ty)}"
    sy = (stop + sbottom) / 2
    ty = ttop - 1 if down else tbottom + 1
    bend = ty - 14 if down else ty + 14
    return (
        f"M{_num(sx1)} {_num(sy)} C{_num(sx1 + 14)} {_num(sy)} "
        f"{_num(tx)} {_num(bend)} {_num(tx)} {_num(ty)}"
    )


def _draw_as_of(
    svg: _Svg,
    roadmap: Roadmap,
    ax: float,
    adult_x: float | None,
    bottom: float,
    audience: Audience,
) -> None:
    """The as-of line at ``ax``, labelled at the top on the side away from 18 (at ``adult_x``)."""
    svg.add(
        f'<path class="as-of" d="M{_num(ax)} {_num(_AXIS_TOP + 2)} V{_num(bottom)}" '
        f'stroke="{pal.AS_OF}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    as_of_text = (
        f"As of {short_date(roadmap.as_of)}"
        if audience == "practitioner"
        else f"You are here: {short_date(roadmap.as_of)}"
    )
    width = _text_width(as_of_text, _FONT, bold=True)
    before = adult_x is None or ax <= adult_x
    if before and ax - 5 - width < _LEFT:
        before = False
    elif not before and ax + 5 + width > _WIDTH:
        before = True
    svg.text(
        ax - 5 if before else ax + 5,
        _AXIS_TOP - 2,
        as_of_text,
        anchor="end" if before else "start",
        bold=True,
        halo=pal.BACKGROUND,
    )


def _document_head(
    roadmap: Roadmap,
    lane_list: list[_Lane],
    audience: Audience,
    end: date,
    height: float,
    standalone: bool,
) -> _Svg:
    """The ``<svg>`` tag, the title and description, the arrow marker and the background."""
    title = (
        f"Timeline for {roadmap.person_id}, as of {long_date(roadmap.as_of)}"
        if audience == "practitioner"
        else f"Your timeline to age 25, dated {long_date(roadmap.as_of)}"
    )
    # Inline in HTML the namespace is implied; leaving it out keeps the page free of URLs.
    namespace = f' xmlns="{_SVG_NAMESPACE}"' if standalone else ""
    head = (
        f"<svg{namespace} "
        f'class="timeline" viewBox="0 0 {_num(_WIDTH)} {_num(height)}" width="{_num(_WIDTH)}" '
        f'height="{_num(height)}" role="img" aria-labelledby="rt-title rt-desc" '
        f'font-family="{_esc(FONT_FAMILY)}">'
    )
    defs = (
        '<defs><marker id="rt-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0 0 L10 5 L0 10 z" fill="{pal.HANDOVER}"/></marker></defs>'
    )
    description = _describe(roadmap, lane_list, audience, end)
    svg = _Svg()
    svg.add(head)
    svg.add(f'<title id="rt-title">{_esc(title)}</title>')
    svg.add(f'<desc id="rt-desc">{_esc(description)}</desc>')
    svg.texts += (title, description)
    svg.add(defs)
    svg.add(
        f'<rect x="0" y="0" width="{_num(_WIDTH)}" height="{_num(height)}" fill="{pal.BACKGROUND}"/>'
    )
    return svg


def render_svg(
    roadmap: Roadmap, *, lanes: LaneMode = "agency", audience: Audience = "practitioner"
) -> str:
    """The roadmap's timeline as a standalone SVG document.

    Args:
        roadmap: the roadmap to draw.
        lanes: ``"agency"`` for one lane per agency (education, health, social
            care, other), or ``"pfa"`` for one lane per Preparing for Adulthood
            area, with the services in a lane of their own.
        audience: ``"practitioner"`` or ``"family"`` (plain words, no rule ids).

    Returns:
        SVG text with a ``<title>`` and ``<desc>`` for screen readers and one
        ``<g class="milestone">`` per entry.

    Raises:
        ValueError: ``lanes`` or ``audience`` is not one of the known values.
    """
    return _markup(roadmap, lanes=lanes, audience=audience, standalone=True)

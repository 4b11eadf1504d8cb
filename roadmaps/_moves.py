"""A roadmap for a young person who moves between areas: each area's rules for its own period.

The person file lists moves (``moves: [{date, area}]``). The roadmap is drawn
once per area the young person lives in, and the dated lines are taken from the
area in force on each line's date. Everything about the as-of date (the gaps,
the lines "not recorded", the cohorts and the services) comes from the area the
young person lives in on the as-of date; a local service of an earlier or later
area is kept for the part of its span inside that area's period.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta

from cohorts import Person
from pathways import PathwayGraph

from .model import Roadmap, ServiceSpan


def area_periods(person: Person, starting_area: str) -> list[tuple[date, date, str]]:
    """The areas the young person lives in: ``[(from, until, area)]``, ``until`` exclusive."""
    starts = [(date.min, starting_area), *((m.date, m.area) for m in person.moves)]
    ends = [start for start, _ in starts[1:]] + [date.max]
    return [(start, end, area) for (start, area), end in zip(starts, ends, strict=True) if start < end]


def _clipped(span: ServiceSpan, start: date, until: date) -> ServiceSpan | None:
    """A service's span cut to an area's period, or None when it lies outside."""
    last = until - timedelta(days=1) if until != date.max else None
    begins = span.start if span.start is None or span.start >= start else start
    ends = span.end if last is None or (span.end is not None and span.end <= last) else last
    if (begins is not None and last is not None and begins > last) or (ends is not None and ends < start):
        return None
    return dataclasses.replace(span, start=begins, end=ends)


def roadmap_across_moves(
    person: Person,
    as_of: date,
    pathway: PathwayGraph,
    pathway_of: Callable[[str], PathwayGraph],
    draw: Callable[[PathwayGraph], Roadmap],
) -> Roadmap:
    """Splice the roadmaps of each area the young person lives in (see the module docstring).

    ``pathway`` is the starting area's pathway (reforms already applied); the other
    areas come from ``pathway_of``.
    """
    periods = area_periods(person, pathway.area)
    drawn: dict[str, Roadmap] = {}
    for _, _, area in periods:
        if area not in drawn:
            drawn[area] = draw(pathway if area == pathway.area else pathway_of(area))
    current = drawn[person.area_on(as_of, pathway.area)]
    entries = [
        e for start, until, area in periods for e in drawn[area].entries if start <= e.date < until
    ]
    entries.sort(key=lambda e: (e.date, e.kind.startswith("service"), e.id))
    services = list(current.services)
    known = {s.id for s in services}
    for start, until, area in periods:
        for span in drawn[area].services:
            if span.id not in known and (kept := _clipped(span, start, until)) is not None:
                services.append(kept)
                known.add(span.id)
    return dataclasses.replace(
        current, entries=tuple(entries), services=tuple(services), start=min(r.start for r in drawn.values()),
        end=max(r.end for r in drawn.values()), areas=tuple((start, area) for start, _, area in periods),
    )

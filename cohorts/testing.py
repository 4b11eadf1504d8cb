"""Hypothesis strategies for synthetic young people, shipped so users can property-test rules.

Requires the ``test`` extra (hypothesis)::

    from hypothesis import given
    from .testing import people, as_of_dates

    @given(people(), as_of_dates())
    def test_my_rule(person, as_of): ...
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from ._person import EHCP_SETTINGS, CareEpisode, EhcPlan, Event, Person

#: Event types every England pathway understands.
EVENT_TYPES = (
    "transition-planning", "ehcp-annual-review", "transition-assessment", "pathway-needs-assessment",
    "pathway-plan", "pathway-plan-review", "personal-adviser-appointed", "adult-care-decision",
    "chc-checklist", "chc-decision", "carer-assessment", "annual-health-check",
    "legal-changes-discussed", "ehc-assessment-request", "adult-health-referral",
    "adult-needs-assessment", "chc-flagged",
)  # fmt: skip

EDGE_BIRTHDAYS = (
    date(2008, 2, 29), date(2012, 2, 29), date(2009, 8, 31), date(2009, 9, 1),
    date(2010, 7, 31), date(2010, 8, 1), date(2011, 1, 1), date(2010, 12, 31),
)  # fmt: skip


def dates_of_birth(
    min_value: date = date(2000, 1, 1), max_value: date = date(2014, 12, 31)
) -> st.SearchStrategy[date]:
    """Dates of birth, with the edge dates (29 Feb, 31 Aug, 1 Sep, 31 Jul, 1 Aug) often."""
    return st.one_of(st.sampled_from(EDGE_BIRTHDAYS), st.dates(min_value=min_value, max_value=max_value))


def as_of_dates() -> st.SearchStrategy[date]:
    return st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def people(draw: st.DrawFn, *, date_of_birth: st.SearchStrategy[date] | None = None) -> Person:
    """A synthetic young person: any mix of EHC plan, care episodes, care needs and events."""
    dob = draw(date_of_birth or dates_of_birth())
    horizon = date(2031, 12, 31)
    ehcp = None
    if draw(st.booleans()):
        issued = draw(st.dates(min_value=dob + timedelta(days=730), max_value=dob + timedelta(days=6500)))
        setting = draw(st.sampled_from(EHCP_SETTINGS))
        end = draw(st.none() | st.dates(min_value=issued, max_value=dob + timedelta(days=26 * 365)))
        ehcp = EhcPlan(issued=issued, setting=setting, setting_end=end)
    episodes: list[CareEpisode] = []
    cursor = dob + timedelta(days=draw(st.integers(365, 17 * 365)))
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 900))
        open_ended = draw(st.booleans()) and not episodes
        end = None if open_ended else cursor + timedelta(days=length)
        episodes.append(CareEpisode(start=cursor, end=end))
        if end is None:
            break
        cursor = end + timedelta(days=draw(st.integers(0, 400)))
    events = [
        Event(type=draw(st.sampled_from(EVENT_TYPES)),
              date=draw(st.dates(min_value=dob + timedelta(days=3650), max_value=horizon)))
        for _ in range(draw(st.integers(0, 8)))
    ]
    return Person(
        id=f"h-{draw(st.integers(0, 10**6))}",
        date_of_birth=dob,
        ehcp=ehcp,
        care_episodes=tuple(episodes),
        care_needs_likely=draw(st.booleans()),
        continuing_care=draw(st.booleans()),
        events=tuple(sorted(events, key=lambda e: (e.date, e.type))),
        primary_need=draw(st.sampled_from((None, "ASD", "SLD", "SEMH", "SLCN"))),
    )

"""Care-leaver status from looked-after episodes (statute.md section 3)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cohorts import CareEpisode, care_status

RULES = {"count_from_age": 14, "eligible_age": 16, "majority_age": 18, "eligible_weeks": 13}
DOB = date(2009, 3, 1)  # 14th: 2023-03-01, 16th: 2025-03-01, 18th: 2027-03-01


def status(*episodes: tuple[date, date | None], as_of: date = date(2026, 11, 23)):  # type: ignore[no-untyped-def]
    return care_status(DOB, tuple(CareEpisode(start=s, end=e) for s, e in episodes), as_of, **RULES)


def test_in_care_since_8_is_eligible_on_the_16th_birthday() -> None:
    s = status((date(2017, 5, 1), None))
    assert s.eligible_from == date(2025, 3, 1)
    assert s.former_relevant_from == date(2027, 3, 1)
    assert s.relevant_from is None
    assert s.looked_after_on_18th_birthday


def test_time_counts_only_from_the_14th_birthday() -> None:
    # In care 1 Jan 2023 to 1 Apr 2023: only 31 days after the 14th birthday count.
    s = status((date(2023, 1, 1), date(2023, 4, 1)), (date(2025, 6, 1), None))
    # 31 days + 60 more days: the 91st day is 31 Jul 2025.
    assert s.eligible_from == date(2025, 7, 30)


def test_episodes_add_up() -> None:
    s = status((date(2023, 6, 1), date(2023, 7, 1)), (date(2024, 1, 1), date(2024, 2, 1)), (date(2025, 5, 1), None))
    # 30 + 31 = 61 days before; 30 more from 1 May 2025 -> 30 May 2025.
    assert s.eligible_from == date(2025, 5, 30)
    assert s.days_looked_after_since_14 > 91


def test_thirteen_weeks_not_reached_makes_a_qualifying_care_leaver() -> None:
    s = status((date(2025, 5, 1), date(2025, 6, 15)))
    assert s.eligible_from is None
    assert s.qualifying_from == date(2025, 6, 15)
    assert s.looked_after_16_to_18


def test_left_care_at_17_after_eligibility_is_a_relevant_child() -> None:
    s = status((date(2024, 1, 1), date(2026, 6, 1)))
    assert s.eligible_from == date(2025, 3, 1)
    assert s.relevant_from == date(2026, 6, 1)
    assert s.former_relevant_from == date(2027, 3, 1)
    assert not s.looked_after_on_18th_birthday


def test_care_that_ended_before_16_gives_no_entitlement() -> None:
    s = status((date(2023, 4, 1), date(2024, 12, 1)))
    assert s.eligible_from is None and s.qualifying_from is None
    assert s.looked_after_from_14


def test_currently_looked_after_depends_on_the_as_of_date() -> None:
    episode = (date(2024, 1, 1), date(2026, 6, 1))
    assert status(episode, as_of=date(2026, 5, 31)).currently_looked_after
    assert not status(episode, as_of=date(2026, 6, 1)).currently_looked_after


@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 400)), max_size=4))
def test_eligibility_matches_a_day_by_day_count(spans: list[tuple[int, int]]) -> None:
    start0 = date(2021, 1, 1)
    episodes = tuple((start0 + timedelta(days=a), start0 + timedelta(days=a + n)) for a, n in spans)
    s = status(*episodes)
    in_care = {e[0] + timedelta(days=i) for e in episodes for i in range((e[1] - e[0]).days)}
    fourteenth, sixteenth, eighteenth = date(2023, 3, 1), date(2025, 3, 1), date(2027, 3, 1)
    expected = None
    counted = 0
    day = fourteenth
    while day < eighteenth:
        if day in in_care:
            counted += 1
            if counted >= 91 and day >= sixteenth:
                expected = day
                break
        day += timedelta(days=1)
    assert s.eligible_from == expected

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
    # 31 days + 60 more days: the 91st day is 30 Jul 2025, so the 13 weeks are complete on 31 Jul.
    assert s.eligible_from == date(2025, 7, 31)


def test_episodes_add_up() -> None:
    s = status((date(2023, 6, 1), date(2023, 7, 1)), (date(2024, 1, 1), date(2024, 2, 1)), (date(2025, 5, 1), None))
    # 30 + 31 = 61 days before; the 91st day is 30 May 2025, so eligible from 31 May.
    assert s.eligible_from == date(2025, 5, 31)
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
    # Eligible on the first day from 16 that is looked after with 91 whole days already behind it.
    expected = None
    counted = 0
    day = fourteenth
    while day < eighteenth:
        if day in in_care:
            if counted >= 91 and day >= sixteenth:
                expected = day
                break
            counted += 1
        day += timedelta(days=1)
    assert s.eligible_from == expected


def episode(start: date, end: date | None = None, **codes: str) -> CareEpisode:
    return CareEpisode(start=start, end=end, **codes)


def status_of(*episodes: CareEpisode, as_of: date = date(2026, 11, 23), **options: object):  # type: ignore[no-untyped-def]
    return care_status(DOB, episodes, as_of, **RULES, **options)  # type: ignore[arg-type]


def test_the_91st_day_can_be_counted_by_the_setting() -> None:
    # Looked after from 1 Sep 2025 (aged 16): eligible on 1 Dec by default, on 30 Nov on the other reading.
    after = status_of(episode(date(2025, 9, 1)))
    on = status_of(episode(date(2025, 9, 1)), thirteen_weeks_counting="on-91st-day")
    assert (after.eligible_from, on.eligible_from) == (date(2025, 12, 1), date(2025, 11, 30))


def test_a_relevant_child_back_in_care_is_eligible_again() -> None:
    s = status_of(episode(date(2024, 1, 1), date(2025, 9, 1), reason_ended="E6"), episode(date(2026, 3, 2)))
    assert s.status_on(date(2025, 12, 1)) == "relevant"
    assert s.status_on(date(2026, 11, 23)) == "eligible"
    assert s.returned_to_care_on == date(2026, 3, 2)
    assert s.left_care_on is None  # the open episode is projected to 18
    assert s.former_relevant_from == date(2027, 3, 1)


def test_short_breaks_never_make_an_eligible_child() -> None:
    breaks = [episode(date(2025, 4, 1) + timedelta(days=14 * i), date(2025, 4, 8) + timedelta(days=14 * i),
                      legal_status="V3") for i in range(20)]  # 140 days of short breaks after 16
    s = status_of(*breaks)
    assert s.eligible_from is None and s.relevant_from is None
    assert not s.looked_after_from_14 and s.short_breaks
    assert s.status_on(date(2026, 11, 23)) is None


def test_adoption_after_six_months_placed_is_not_a_relevant_child() -> None:
    s = status_of(episode(date(2023, 5, 1), date(2025, 4, 1), placement="U4", reason_ended="X1"),
                  episode(date(2025, 4, 1), date(2025, 11, 20), placement="A5", reason_ended="E11"))
    assert s.eligible_from == date(2025, 3, 1)
    assert s.relevant_from is None
    assert s.qualifying_from == date(2025, 11, 20)
    assert s.former_relevant_from is None


def test_returned_home_is_relevant_for_six_months_then_qualifying() -> None:
    s = status_of(episode(date(2024, 1, 1), date(2025, 6, 10), reason_ended="returned-home"))
    assert s.relevant_from == date(2025, 6, 10)
    assert s.relevant_ended_on == date(2025, 12, 10)
    assert s.status_on(date(2025, 12, 9)) == "relevant"
    assert s.status_on(date(2025, 12, 10)) == "qualifying"
    assert s.former_relevant_from is None  # not a relevant child at 18 (s.23C(1)(a))


def test_back_in_care_before_six_months_at_home_keeps_relevant_status() -> None:
    s = status_of(episode(date(2024, 1, 1), date(2025, 6, 10), reason_ended="E4A"),
                  episode(date(2025, 9, 1), date(2026, 1, 5), reason_ended="E6"))
    assert [p.status for p in s.periods] == ["looked-after", "eligible", "relevant", "eligible", "relevant",
                                             "former-relevant"]
    assert s.relevant_ended_on is None


def test_special_guardianship_before_16_qualifies_from_16() -> None:
    s = status_of(episode(date(2016, 1, 1), date(2021, 6, 1), reason_ended="E45"))
    assert s.qualifying_from == date(2025, 3, 1)  # s.24(1A): from 16
    assert s.status_on(date(2024, 1, 1)) is None
    assert s.special_guardianship


def test_placement_at_18_is_the_kind_of_the_episode_open_then() -> None:
    assert status_of(episode(date(2020, 1, 1), placement="K2")).placement_at_18 == "childrens-home"
    assert status_of(episode(date(2020, 1, 1), placement="foster")).placement_at_18 == "foster"
    assert status_of(episode(date(2020, 1, 1))).placement_at_18 is None

"""Date arithmetic against statute.md section 0, with worked examples and properties."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohorts import load_pathway
from pathways import (
    InputError,
    add_days,
    add_months,
    add_weeks,
    age_on,
    age_years_months,
    birthday,
    compulsory_school_age_end,
    fe_year_end_containing,
    school_leaving_date,
    school_year_start,
    year_group_end,
    year_group_start,
)
from pathways._dates import DateOutOfRangeError

CAL = load_pathway("england").rules.calendar


def test_calendar_comes_from_rule_data() -> None:
    assert CAL.school_year_start == (9, 1)
    assert CAL.fe_year_end == (7, 31)
    assert (CAL.school_leaving_month, CAL.school_leaving_weekday) == (6, "friday")
    assert CAL.year_group_age_offset == 5


@pytest.mark.parametrize(
    ("dob", "years", "policy", "expected"),
    [
        (date(2009, 1, 10), 18, "mar1", date(2027, 1, 10)),
        (date(2008, 2, 29), 18, "mar1", date(2026, 3, 1)),
        (date(2008, 2, 29), 18, "feb28", date(2026, 2, 28)),
        (date(2008, 2, 29), 16, "mar1", date(2024, 2, 29)),  # 2024 is a leap year
        (date(2008, 2, 29), 16, "feb28", date(2024, 2, 29)),
        (date(2000, 2, 29), 100, "mar1", date(2100, 3, 1)),  # 2100 is not a leap year
    ],
)
def test_birthday_under_leap_day_policy(dob: date, years: int, policy: str, expected: date) -> None:
    assert birthday(dob, years, policy) == expected  # type: ignore[arg-type]


def test_age_is_attained_at_the_start_of_the_birthday() -> None:
    dob = date(2009, 1, 10)
    assert age_on(dob, date(2027, 1, 9)) == 17
    assert age_on(dob, date(2027, 1, 10)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28), "feb28") == 18


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(0, 40), st.sampled_from(["mar1", "feb28"]))
def test_age_is_exact_for_every_date_of_birth(dob: date, years: int, policy: str) -> None:
    day = birthday(dob, years, policy)  # type: ignore[arg-type]
    assert age_on(dob, day, policy) == years  # type: ignore[arg-type]
    assert age_on(dob, day - timedelta(days=1), policy) == years - 1 if years else True  # type: ignore[arg-type]
    # A brute-force definition: count the birthdays that have started.
    brute = sum(1 for n in range(1, years + 2) if birthday(dob, n, policy) <= day)  # type: ignore[arg-type]
    assert brute == years
    if not (dob.month == 2 and dob.day == 29):
        assert (day.month, day.day) == (dob.month, dob.day)
    elif calendar.isleap(day.year):
        assert (day.month, day.day) == (2, 29)
    else:
        assert (day.month, day.day) == ((3, 1) if policy == "mar1" else (2, 28))


def test_age_years_months() -> None:
    assert age_years_months(date(2009, 1, 10), date(2026, 7, 9)) == (17, 5)
    assert age_years_months(date(2009, 1, 10), date(2026, 7, 10)) == (17, 6)
    assert age_years_months(date(2009, 1, 31), date(2009, 2, 28)) == (0, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 8, 31), 3, date(2027, 11, 30)),  # statute.md 0.4 example
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 1, 10), -6, date(2025, 7, 10)),
    ],
)
def test_months_by_corresponding_date(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_weeks_are_seven_day_blocks() -> None:
    assert add_weeks(date(2026, 1, 1), 20) == date(2026, 5, 21)
    assert add_weeks(date(2026, 12, 24), 1) == date(2026, 12, 31)  # no bank-holiday adjustment


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        (date(2011, 8, 31), date(2024, 9, 1)),  # Bromley: 01/09/2010-31/08/2011 are Year 9 in 2024/25
        (date(2010, 9, 1), date(2024, 9, 1)),
        (date(2011, 9, 1), date(2025, 9, 1)),
        (date(2009, 1, 10), date(2022, 9, 1)),
    ],
)
def test_year_9_start(dob: date, expected: date) -> None:
    assert year_group_start(dob, 9, CAL) == expected
    assert year_group_end(dob, 9, CAL) == date(expected.year + 1, 8, 31)


def test_year_group_offset_for_a_child_taught_out_of_year() -> None:
    assert year_group_start(date(2011, 8, 31), 9, CAL, offset=-1) == date(2025, 9, 1)
    assert year_group_start(date(2011, 8, 31), 11, CAL) == date(2026, 9, 1)


def test_school_year_start() -> None:
    assert school_year_start(date(2026, 8, 31), CAL) == date(2025, 9, 1)
    assert school_year_start(date(2026, 9, 1), CAL) == date(2026, 9, 1)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2020, date(2020, 6, 26)), (2024, date(2024, 6, 28)), (2025, date(2025, 6, 27)), (2028, date(2028, 6, 30))],
)
def test_school_leaving_date_is_last_friday_in_june(year: int, expected: date) -> None:
    assert school_leaving_date(year, CAL) == expected
    assert expected.weekday() == 4


@pytest.mark.parametrize(
    ("dob", "first_september", "expected"),
    [
        (date(2004, 7, 1), "cohort", date(2020, 6, 26)),   # (a) birthday after the leaving date, before Sept
        (date(2004, 6, 26), "cohort", date(2020, 6, 26)),  # (b) birthday on the leaving date
        (date(2004, 9, 2), "cohort", date(2021, 6, 25)),   # (c) next leaving date
        (date(2005, 1, 10), "cohort", date(2021, 6, 25)),  # (c) same calendar year
        (date(2011, 8, 31), "cohort", date(2027, 6, 25)),  # ends before the 16th birthday
        (date(2011, 9, 1), "cohort", date(2028, 6, 30)),   # 1 September, cohort reading
        (date(2011, 9, 1), "term", date(2027, 6, 25)),     # 1 September, term reading
    ],
)
def test_compulsory_school_age_end(dob: date, first_september: str, expected: date) -> None:
    assert compulsory_school_age_end(dob, CAL, first_september=first_september) == expected  # type: ignore[arg-type]


@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2020, 12, 31)))
def test_compulsory_school_age_ends_in_the_school_year_of_the_16th_birthday(dob: date) -> None:
    end = compulsory_school_age_end(dob, CAL)
    sixteenth = birthday(dob, 16)
    assert end.weekday() == 4 and end.month == 6
    assert school_year_start(end, CAL) == school_year_start(sixteenth, CAL)  # Year 11
    assert end >= sixteenth - timedelta(days=70)


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2034, 1, 10), date(2034, 7, 31)), (date(2034, 7, 31), date(2034, 7, 31)),
     (date(2034, 8, 1), date(2035, 7, 31)), (date(2034, 12, 31), date(2035, 7, 31))],
)
def test_fe_year_end_is_31_july(day: date, expected: date) -> None:
    assert fe_year_end_containing(day, CAL) == expected


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)), st.integers(-400, 400))
def test_add_months_agrees_with_dateutil(start: date, months: int) -> None:
    from dateutil.relativedelta import relativedelta

    assert add_months(start, months) == start + relativedelta(months=months)


@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2015, 12, 31)),
       st.dates(min_value=date(2010, 1, 1), max_value=date(2045, 12, 31)), st.sampled_from(["mar1", "feb28"]))
def test_age_in_years_and_months_matches_a_month_by_month_count(dob: date, on: date, policy: str) -> None:
    if on < dob:
        return
    years, months = age_years_months(dob, on, policy)  # type: ignore[arg-type]
    last = birthday(dob, years, policy)  # type: ignore[arg-type]
    count = 0
    while count < 12 and add_months(last, count + 1) <= on:
        count += 1
    assert (years, months) == (age_on(dob, on, policy), count)  # type: ignore[arg-type]


def test_doctests_with_the_calendar_from_rule_data() -> None:
    import doctest

    from pathways import _dates

    result = doctest.testmod(_dates, extraglobs={"CAL": CAL})
    assert result.attempted >= 15 and result.failed == 0


@pytest.mark.parametrize(
    ("dob", "on", "expected"),
    [
        # A month is complete on the last day of a shorter month (the corresponding-date rule).
        (date(2004, 1, 31), date(2021, 2, 28), (17, 1)),
        (date(2004, 1, 31), date(2021, 2, 27), (17, 0)),
        (date(2004, 1, 30), date(2024, 2, 29), (20, 1)),
        (date(2004, 1, 30), date(2024, 2, 28), (20, 0)),
        (date(2004, 3, 31), date(2021, 4, 30), (17, 1)),
        (date(2004, 3, 31), date(2021, 5, 30), (17, 1)),
        (date(2004, 3, 31), date(2021, 5, 31), (17, 2)),
        (date(2004, 2, 29), date(2021, 3, 28), (17, 0)),
        (date(2004, 2, 29), date(2021, 3, 31), (17, 0)),
    ],
)
def test_age_in_years_and_months_at_month_ends(dob: date, on: date, expected: tuple[int, int]) -> None:
    assert age_years_months(dob, on) == expected


@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2015, 12, 31)),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2045, 12, 31)), st.sampled_from(["mar1", "feb28"]))
def test_age_agrees_with_counting_birthdays(dob: date, on: date, policy: str) -> None:
    years = 0
    while birthday(dob, years + 1, policy) <= on:  # type: ignore[arg-type]
        years += 1
    assert age_on(dob, on, policy) == (years if on >= dob else -1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "compute",
    [
        lambda: birthday(date(9990, 1, 1), 25),
        lambda: birthday(date(9996, 2, 29), 5),
        lambda: add_months(date(9999, 12, 1), 1),
        lambda: add_months(date(1, 1, 31), -1),
        lambda: add_weeks(date(9999, 12, 30), 1),
        lambda: add_days(date.max, 1),
        lambda: add_days(date.min, -1),
        lambda: fe_year_end_containing(date(9999, 8, 1), CAL),
        lambda: school_year_start(date(1, 8, 31), CAL),
        lambda: year_group_end(date(9984, 9, 1), 11, CAL),
        lambda: compulsory_school_age_end(date(9983, 9, 2), CAL),
    ],
)
def test_a_date_past_9999_is_an_input_error_not_a_crash(compute: object) -> None:
    with pytest.raises(DateOutOfRangeError, match=r"outside the dates this library can represent \(0001-01-01 to 9999-12-31\)"):
        compute()  # type: ignore[operator]
    assert issubclass(DateOutOfRangeError, InputError)


def test_the_last_representable_dates_are_still_computed() -> None:
    assert birthday(date(9974, 12, 31), 25) == date(9999, 12, 31)
    assert add_months(date(9999, 11, 30), 1) == date(9999, 12, 30)
    assert add_days(date(9999, 12, 30), 1) == date.max
    assert fe_year_end_containing(date(9999, 7, 31), CAL) == date(9999, 7, 31)

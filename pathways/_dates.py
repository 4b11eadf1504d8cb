"""The one place for date arithmetic (statute.md section 0).

Every function here follows a cited rule and takes its calendar constants
(the day the school year starts, the end of the further-education year, the
school leaving date) from a :class:`SchoolCalendar` loaded from rule data, so
no statutory date is buried in Python. No module of the library imports
``dateutil``: :func:`add_months` computes the corresponding date directly (the
test suite checks it against ``relativedelta``).

The doctests use ``CAL``, the England calendar loaded from rule data (the
test suite runs them with it).

All dates are :class:`datetime.date`; a person attains an age at the start of
the birthday (Family Law Reform Act 1969 s.9), so "on or after the birthday"
is the test for having reached an age. A date after 9999-12-31 (or before
0001-01-01) cannot be represented: every function here raises
:class:`DateOutOfRangeError`, an :class:`~pathways.InputError`, when its result
would fall outside that range, so a record with dates near the year 9999 is a
user error, never a crash.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Literal

from ._errors import InputError

LeapDayPolicy = Literal["mar1", "feb28"]
LEAP_DAY_POLICIES: tuple[LeapDayPolicy, ...] = ("mar1", "feb28")
#: The readings of a 16th birthday on the first day of the school year (see
#: :func:`compulsory_school_age_end`); the setting that chooses one has these choices.
FirstSeptemberReading = Literal["cohort", "term"]
FIRST_SEPTEMBER_READINGS: tuple[FirstSeptemberReading, ...] = ("cohort", "term")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DateOutOfRangeError(InputError):
    """A date rule gave a date outside what :class:`datetime.date` holds (0001-01-01 to 9999-12-31).

    Raised by the functions of this module instead of Python's plain
    ``ValueError`` or ``OverflowError``; :func:`roadmaps.generate_roadmap`
    re-raises it naming the field of the record that takes the roadmap there.
    """

    def __init__(self) -> None:
        super().__init__(
            "a date falls outside the dates this library can represent "
            f"({date.min.isoformat()} to {date.max.isoformat()})"
        )


def make_date(year: int, month: int, day: int) -> date:
    """``date(year, month, day)`` for a valid month and day, or :class:`DateOutOfRangeError`."""
    if not MINYEAR <= year <= MAXYEAR:
        raise DateOutOfRangeError
    return date(year, month, day)


def _plus_days(start: date, days: int) -> date:
    """``start + timedelta(days=days)``, or :class:`DateOutOfRangeError`."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        raise DateOutOfRangeError from None


@dataclass(frozen=True, slots=True)
class SchoolCalendar:
    """Calendar constants, all loaded from cited rule data.

    Attributes:
        school_year_start: (month, day) on which the school (cohort) year starts
            (statute.md 0.6: 1 September).
        fe_year_end: (month, day) on which the further-education academic year
            ends (SEND Regulations 2014 reg 46, statute.md 0.8: 31 July).
        school_leaving_month: month of the school leaving date (statute.md 0.7: June).
        school_leaving_weekday: weekday of the school leaving date, the last such
            weekday of the month (statute.md 0.7: Friday).
        year_group_age_offset: Year N is the school year in which the child
            attains age N + offset (Education Act 1996 s.512ZB(4C): Year 1 attain 6).
    """

    school_year_start: tuple[int, int]
    fe_year_end: tuple[int, int]
    school_leaving_month: int
    school_leaving_weekday: str
    year_group_age_offset: int


def birthday(date_of_birth: date, years: int, leap_day_policy: LeapDayPolicy = "mar1") -> date:
    """The date on which a person attains ``years`` (statute.md 0.2, 0.3).

    An age is attained at the commencement of the anniversary (FLRA 1969 s.9).
    For a 29 February birth in a common year the anniversary is 1 March under
    ``mar1`` (the default) or 28 February under ``feb28``: no statute settles it.

    >>> birthday(date(2008, 2, 29), 18)
    datetime.date(2026, 3, 1)
    >>> birthday(date(2008, 2, 29), 18, "feb28")
    datetime.date(2026, 2, 28)
    >>> birthday(date(2008, 2, 29), 16)
    datetime.date(2024, 2, 29)
    """
    if leap_day_policy not in LEAP_DAY_POLICIES:
        raise ValueError(f"unknown leap-day policy {leap_day_policy!r}")
    year = date_of_birth.year + years
    month, day = date_of_birth.month, date_of_birth.day
    if month == 2 and day == 29 and not _calendar.isleap(year):
        return make_date(year, 3, 1) if leap_day_policy == "mar1" else make_date(year, 2, 28)
    return make_date(year, month, day)


def age_on(date_of_birth: date, on: date, leap_day_policy: LeapDayPolicy = "mar1") -> int:
    """Whole years attained on ``on`` (statute.md 0.2): the birthday itself counts.

    >>> age_on(date(2009, 1, 10), date(2027, 1, 10))
    18
    >>> age_on(date(2009, 1, 10), date(2027, 1, 9))
    17
    """
    years = on.year - date_of_birth.year
    if years <= 0:
        return 0 if on >= date_of_birth else -1
    month, day = date_of_birth.month, date_of_birth.day
    if month == 2 and day == 29:
        # The anniversary in a common year depends on the leap-day policy.
        return years - 1 if birthday(date_of_birth, years, leap_day_policy) > on else years
    # Any other birthday falls on the same month and day every year.
    return years - 1 if (month, day) > (on.month, on.day) else years


def age_years_months(
    date_of_birth: date, on: date, leap_day_policy: LeapDayPolicy = "mar1"
) -> tuple[int, int]:
    """Age on ``on`` as (years, whole months since the last birthday).

    Months follow the corresponding-date rule from the last birthday.

    >>> age_years_months(date(2009, 1, 10), date(2026, 7, 9))
    (17, 5)
    """
    years = age_on(date_of_birth, on, leap_day_policy)
    if years < 0:
        return years, 0
    if date_of_birth.month == 2 and date_of_birth.day == 29:
        last = birthday(date_of_birth, years, leap_day_policy)
        months = (on.year - last.year) * 12 + on.month - last.month
        if months > 0 and add_months(last, months) > on:
            months -= 1
        return years, months
    # The last birthday fell on the day and month of birth. Counting whole months from
    # it lands on that day of ``on``'s month, or on the month's last day when the month
    # is shorter (``add_months``), so the last month is incomplete exactly when ``on``
    # is before that day and is not the month's last day.
    months = (on.year - date_of_birth.year - years) * 12 + on.month - date_of_birth.month
    if (
        months > 0
        and date_of_birth.day > on.day
        and (on.day < 28 or on.day < _calendar.monthrange(on.year, on.month)[1])
    ):
        months -= 1
    return years, months


def add_months(start: date, months: int) -> date:
    """Add calendar months by the corresponding-date rule (statute.md 0.4).

    The same day of the target month, or its last day when that day does not
    exist (Dodds v Walker [1981]; UNVERIFIED in statute.md). This is exactly
    ``start + relativedelta(months=months)``, computed directly because it runs
    thousands of times per population batch (a test checks the two agree).

    >>> add_months(date(2027, 8, 31), 3)
    datetime.date(2027, 11, 30)
    >>> add_months(date(2027, 8, 31), 6)
    datetime.date(2028, 2, 29)
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not MINYEAR <= year <= MAXYEAR:
        raise DateOutOfRangeError
    day = min(start.day, _calendar.monthrange(year, month)[1]) if start.day > 28 else start.day
    return date(year, month, day)


def add_weeks(start: date, weeks: int) -> date:
    """Add weeks as 7-day blocks, with no adjustment for holidays (statute.md 0.5).

    >>> add_weeks(date(2026, 1, 1), 20)
    datetime.date(2026, 5, 21)
    """
    return _plus_days(start, 7 * weeks)


def add_days(start: date, days: int) -> date:
    """Add calendar days."""
    return _plus_days(start, days)


def school_year_start(on: date, cal: SchoolCalendar) -> date:
    """The first day of the school (cohort) year containing ``on`` (statute.md 0.6).

    >>> school_year_start(date(2026, 8, 31), CAL)
    datetime.date(2025, 9, 1)
    """
    month, day = cal.school_year_start
    start = date(on.year, month, day)
    return start if on >= start else make_date(on.year - 1, month, day)


def school_year_end(on: date, cal: SchoolCalendar) -> date:
    """The last day of the school year containing ``on``."""
    start = school_year_start(on, cal)
    return make_date(start.year + 1, start.month, start.day) - timedelta(days=1)


def year_group_start(
    date_of_birth: date,
    year_group: int,
    cal: SchoolCalendar,
    *,
    offset: int = 0,
    leap_day_policy: LeapDayPolicy = "mar1",
) -> date:
    """The first day of Year N for a child (statute.md 0.6).

    Year N is the school year in which the child attains age N + 5
    (Education Act 1996 s.512ZB(4C)). ``offset`` moves a child taught out of
    their year group: -1 for a child a year behind their cohort (for example a
    deferred summer-born), +1 for a year ahead.

    >>> year_group_start(date(2011, 8, 31), 9, CAL)
    datetime.date(2024, 9, 1)
    >>> year_group_start(date(2010, 9, 1), 9, CAL)
    datetime.date(2024, 9, 1)
    >>> year_group_start(date(2011, 8, 31), 9, CAL, offset=-1)
    datetime.date(2025, 9, 1)
    """
    age = year_group + cal.year_group_age_offset
    attained = birthday(date_of_birth, age, leap_day_policy)
    start = school_year_start(attained, cal)
    return make_date(start.year - offset, start.month, start.day)


def year_group_end(
    date_of_birth: date,
    year_group: int,
    cal: SchoolCalendar,
    *,
    offset: int = 0,
    leap_day_policy: LeapDayPolicy = "mar1",
) -> date:
    """The last day of Year N (the 31 August after it starts)."""
    start = year_group_start(
        date_of_birth, year_group, cal, offset=offset, leap_day_policy=leap_day_policy
    )
    return school_year_end(start, cal)


def school_leaving_date(year: int, cal: SchoolCalendar) -> date:
    """The school leaving date of a calendar year: the last Friday in June (statute.md 0.7).

    >>> school_leaving_date(2020, CAL)
    datetime.date(2020, 6, 26)
    """
    weekday = WEEKDAYS.index(cal.school_leaving_weekday)
    month = cal.school_leaving_month
    if not MINYEAR <= year <= MAXYEAR:
        raise DateOutOfRangeError
    last = date(year, month, _calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def compulsory_school_age_end(
    date_of_birth: date,
    cal: SchoolCalendar,
    *,
    leap_day_policy: LeapDayPolicy = "mar1",
    first_september: FirstSeptemberReading = "cohort",
) -> date:
    """The last day of compulsory school age (Education Act 1996 s.8(3); statute.md 0.7).

    With L the school leaving date in the year of the 16th birthday:
    (a) a birthday after L and before the next school year begins ends CSA on L;
    (b) a birthday on L ends CSA on L;
    (c) otherwise CSA ends on the first school leaving date after the birthday.

    A 1 September birthday is AMBIGUOUS: under ``cohort`` (the default) the
    school year begins on 1 September, so rule (c) applies and CSA ends the next
    June; under ``term`` the school year begins with the autumn term, after 1
    September, so rule (a) applies and CSA ends the June before.

    >>> compulsory_school_age_end(date(2004, 7, 1), CAL)
    datetime.date(2020, 6, 26)
    >>> compulsory_school_age_end(date(2004, 9, 2), CAL)
    datetime.date(2021, 6, 25)
    """
    sixteenth = birthday(date_of_birth, 16, leap_day_policy)
    leaving = school_leaving_date(sixteenth.year, cal)
    if sixteenth <= leaving:
        return leaving  # rules (b) and (c): the first leaving date on or after the birthday
    next_year_start = date(sixteenth.year, *cal.school_year_start)
    before_next_year = sixteenth < next_year_start or (
        first_september == "term" and sixteenth == next_year_start
    )
    if before_next_year:
        return leaving  # rule (a): CSA ends before the 16th birthday
    return school_leaving_date(sixteenth.year + 1, cal)


def fe_year_end_containing(on: date, cal: SchoolCalendar) -> date:
    """The end of the further-education academic year that contains ``on`` (reg 46; 0.8).

    >>> fe_year_end_containing(date(2034, 7, 31), CAL)
    datetime.date(2034, 7, 31)
    >>> fe_year_end_containing(date(2034, 8, 1), CAL)
    datetime.date(2035, 7, 31)
    """
    month, day = cal.fe_year_end
    end = date(on.year, month, day)
    return end if on <= end else make_date(on.year + 1, month, day)


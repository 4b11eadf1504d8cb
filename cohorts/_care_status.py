"""Care-leaver status from looked-after episodes (statute.md section 3).

Time looked after counts from the 14th birthday; episodes add up. An episode is
looked after on the days ``start <= day < end`` (``end`` is the date it ceased);
an open episode is assumed to continue, so future dates are projections.

* eligible child (CA 1989 Sch 2 para 19B; CPPCR reg 40): aged 16 or 17, looked
  after, having been looked after for 13 weeks in periods that began after 14
  and ended after 16. Eligible from the first day, on or after the 16th
  birthday and on or after the day the 13 weeks are reached, on which the
  child is looked after.
* relevant child (s.23A): was eligible, then left care before 18.
* former relevant child (s.23C(1)): from 18, having been relevant, or looked
  after and eligible at 18.
* qualifying care leaver (s.24): looked after at some time after 16, before 18,
  and not eligible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pathways import LeapDayPolicy, birthday

from ._person import CareEpisode


@dataclass(frozen=True, slots=True)
class CareStatus:
    """Care-leaver dates for one young person (None where the status never arises)."""

    looked_after_from_14: bool
    currently_looked_after: bool
    days_looked_after_since_14: int
    eligible_from: date | None
    relevant_from: date | None
    former_relevant_from: date | None
    qualifying_from: date | None
    left_care_on: date | None
    looked_after_on_18th_birthday: bool
    looked_after_16_to_18: bool

    def status_on(self, on: date, eighteenth: date) -> str | None:
        """The care-leaver status on a date."""
        if self.former_relevant_from and on >= self.former_relevant_from:
            return "former-relevant"
        if self.relevant_from and on >= self.relevant_from:
            return "relevant"
        if self.eligible_from and on >= self.eligible_from:
            return "eligible"
        if self.qualifying_from and on >= self.qualifying_from:
            return "qualifying"
        if self.currently_looked_after and on < eighteenth:
            return "looked-after"
        return None


def _clip(episodes: tuple[CareEpisode, ...], horizon: date) -> list[tuple[date, date]]:
    """Half-open [start, end) intervals, open episodes running to ``horizon``, merged."""
    spans = sorted((ep.start, ep.end or horizon) for ep in episodes)
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _looked_after_on(spans: list[tuple[date, date]], day: date) -> bool:
    return any(start <= day < end for start, end in spans)


def care_status(
    date_of_birth: date,
    episodes: tuple[CareEpisode, ...],
    as_of: date,
    *,
    count_from_age: int,
    eligible_age: int,
    majority_age: int,
    eligible_weeks: int,
    leap_day_policy: LeapDayPolicy = "mar1",
) -> CareStatus:
    """Work out care-leaver status and its dates from looked-after episodes.

    The ages and the 13-week period come from rule data (the caller passes the
    parameter values), so this function holds no statutory literal.
    """
    fourteenth = birthday(date_of_birth, count_from_age, leap_day_policy)
    sixteenth = birthday(date_of_birth, eligible_age, leap_day_policy)
    eighteenth = birthday(date_of_birth, majority_age, leap_day_policy)
    spans = _clip(episodes, eighteenth)  # nobody is looked after from 18
    spans = [(s, min(e, eighteenth)) for s, e in spans if s < eighteenth]
    currently = any(ep.end is None or ep.end > as_of for ep in episodes if ep.start <= as_of) and as_of < eighteenth

    # Days looked after from 14, and the day the prescribed period is reached.
    needed = 7 * eligible_weeks
    total = 0
    reached: date | None = None
    for start, end in spans:
        start = max(start, fourteenth)
        if end <= start:
            continue
        length = (end - start).days
        if reached is None and total + length >= needed:
            reached = start + timedelta(days=needed - total - 1)
        total += length
    counted_to_date = sum(
        max(0, (min(end, as_of) - max(start, fourteenth)).days) for start, end in spans
    )

    eligible_from: date | None = None
    if reached is not None:
        earliest = max(sixteenth, reached)
        for start, end in spans:
            day = max(start, earliest)
            if day < end and day < eighteenth:
                eligible_from = day
                break

    left_care_on: date | None = None
    relevant_from: date | None = None
    looked_after_at_18 = _looked_after_on(spans, eighteenth - timedelta(days=1)) and any(
        ep.end is None or ep.end >= eighteenth for ep in episodes
    )
    if eligible_from is not None:
        # The first day after eligibility on which the child stops being looked after.
        for _, end in spans:
            if eligible_from < end < eighteenth:
                left_care_on = end
                break
        if left_care_on is not None:
            relevant_from = left_care_on
    former_relevant_from = eighteenth if eligible_from is not None else None

    qualifying_from: date | None = None
    if eligible_from is None:
        after_16 = [(s, e) for s, e in spans if e > sixteenth]
        if after_16:
            last_end = after_16[-1][1]
            qualifying_from = last_end if last_end <= eighteenth else eighteenth
    if eligible_from is None and relevant_from is None and spans and spans[-1][1] < eighteenth:
        left_care_on = spans[-1][1]

    looked_after_16_to_18 = any(s < eighteenth and e > sixteenth for s, e in spans)
    return CareStatus(
        looked_after_from_14=any(e > fourteenth for _, e in spans),
        currently_looked_after=currently,
        days_looked_after_since_14=counted_to_date,
        eligible_from=eligible_from,
        relevant_from=relevant_from,
        former_relevant_from=former_relevant_from,
        qualifying_from=qualifying_from,
        left_care_on=left_care_on,
        looked_after_on_18th_birthday=looked_after_at_18,
        looked_after_16_to_18=looked_after_16_to_18,
    )

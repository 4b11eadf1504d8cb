"""Care-leaver status from looked-after episodes (statute.md section 3).

Time looked after counts from the 14th birthday; episodes add up. An episode is
looked after on the days ``start <= day < end`` (``end`` is the date it ceased);
an open episode is assumed to continue, so future dates are projections.

Status changes over time, so it is worked out as a list of periods:

* **looked after**: in care, not (yet) an eligible child.
* **eligible child** (CA 1989 Sch 2 para 19B; CPPCR 2010 reg 40): aged 16 or 17,
  looked after, having been looked after for 13 weeks in periods that began
  after 14 and ended after 16. The 13 weeks are complete once the 91st day has
  ended, so a child looked after from 1 September is eligible from 1 December
  (the setting ``thirteen-weeks-counting`` can count the 91st day itself). Days
  in a pre-planned series of short breaks (SSDA903 legal status V3 or V4) do not
  count: a child to whom CPPCR reg 48 applies "is not an eligible child"
  (reg 40(2)).
* **relevant child** (s.23A(2)): aged 16 or 17, *not* looked after, and an
  eligible child immediately before last ceasing to be looked after. A relevant
  child who comes back into care is an eligible child again; leaving again makes
  them relevant again.
* A child who leaves care to live with a parent or someone with parental
  responsibility (returned home, adopted, special guardianship, a child
  arrangements order) stops being a relevant child once they have lived there
  for a continuous period of 6 months (Care Leavers (England) Regulations 2010
  reg 3), counted from the start of a placement with parents or prospective
  adopters that ran straight into the exit. They are then a qualifying care
  leaver (s.24(1B)), not a former relevant child.
* **former relevant child** (s.23C(1)): from 18, having been a relevant child
  (and still one at 18), or looked after at 18 and eligible.
* **qualifying care leaver** (s.24): looked after at some time after 16 while a
  child, and no longer, without being a former relevant child; or (s.24(1A))
  under a special guardianship order made when they were looked after, from 16.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from pathways import LeapDayPolicy, add_months, birthday

from ._care_codes import care_codes
from ._person import CareEpisode

#: Reasons an episode ended that mean living with a parent or someone with parental
#: responsibility (Care Leavers (England) Regulations 2010 reg 3: the six-month rule).
HOME_REASONS = frozenset({"returned-home", "adopted", "special-guardianship", "child-arrangements-order"})
#: Placements that are already living with a parent or someone with parental responsibility.
HOME_PLACEMENTS = frozenset({"with-parents", "placed-for-adoption"})
#: Values of the setting ``thirteen-weeks-counting``.
AFTER_LAST_DAY = "after-91st-day"


@dataclass(frozen=True, slots=True)
class StatusPeriod:
    """Care-leaver status from ``start`` until the next period starts."""

    start: date
    status: str | None  # looked-after | eligible | relevant | former-relevant | qualifying | None
    reason: str


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
    periods: tuple[StatusPeriod, ...] = ()
    returned_to_care_on: date | None = None
    relevant_ended_on: date | None = None
    placement_at_18: str | None = None
    special_guardianship: bool = False
    short_breaks: bool = False

    def status_on(self, on: date) -> str | None:
        """The care-leaver status on a date (None before any status or after leaving before 16)."""
        current: str | None = None
        for period in self.periods:
            if period.start > on:
                break
            current = period.status
        return current

    def period_on(self, on: date) -> StatusPeriod | None:
        """The status period in force on a date, if any."""
        found = None
        for period in self.periods:
            if period.start > on:
                break
            found = period
        return found


@dataclass(frozen=True, slots=True)
class _Span:
    """Merged looked-after days ``[start, end)``, with how the last episode in it ended."""

    start: date
    end: date
    reason: str | None  # the kind of the reason the span ended (None: unknown or still open)
    home_from: date | None  # start of a placement with parents or adopters running into the exit
    placement: str | None  # placement kind of the last episode


def _spans(episodes: tuple[CareEpisode, ...], horizon: date) -> list[_Span]:
    """Counted episodes as merged spans; open episodes run to ``horizon``; short breaks left out."""
    codes = care_codes()
    counted = sorted(
        (ep for ep in episodes if not codes.is_short_break(ep.legal_status)),
        key=lambda ep: (ep.start, ep.end or horizon),
    )
    spans: list[_Span] = []
    for ep in counted:
        end = min(ep.end or horizon, horizon)
        if end <= ep.start:
            continue
        placement = codes.placement_kind(ep.placement)
        home = ep.start if placement in HOME_PLACEMENTS else None
        reason = codes.reason_kind(ep.reason_ended) if ep.end is not None and ep.end <= horizon else None
        if spans and ep.start <= spans[-1].end:
            last = spans[-1]
            if end <= last.end:
                continue  # wholly inside the span already recorded
            home = (last.home_from or home) if home is not None else None
            spans[-1] = _Span(last.start, end, reason, home, placement)
        else:
            spans.append(_Span(ep.start, end, reason, home, placement))
    return spans


def _thirteen_weeks_reached(
    spans: list[_Span], fourteenth: date, needed: int, after_last_day: bool
) -> date | None:
    """The first day on which the prescribed period has been looked after (None if never)."""
    total = 0
    for span in spans:
        start = max(span.start, fourteenth)
        if span.end <= start:
            continue
        length = (span.end - start).days
        if total + length >= needed:
            last_day = start + timedelta(days=needed - total - 1)
            return last_day + timedelta(days=1) if after_last_day else last_day
        total += length
    return None


@dataclass
class _Walk:
    """The periods found so far while walking through the spans."""

    periods: list[StatusPeriod]

    def add(self, start: date, status: str | None, reason: str) -> None:
        if self.periods and self.periods[-1].status == status:
            return
        if self.periods and self.periods[-1].start == start:
            self.periods[-1] = StatusPeriod(start, status, reason)
        else:
            self.periods.append(StatusPeriod(start, status, reason))

    def status(self) -> str | None:
        return self.periods[-1].status if self.periods else None


def _after_exit(
    walk: _Walk, span: _Span, next_start: date, ages: tuple[date, date], home_months: int
) -> None:
    """Status from the day a span ends until the next span starts (or the 18th birthday)."""
    sixteenth, eighteenth = ages
    exit_day = span.end
    if exit_day >= eighteenth:
        return
    if walk.status() == "eligible":
        home_reason = ("lived at home for 6 months, so not a relevant child (Care Leavers (England) "
                       "Regulations 2010 reg 3; Children Act 1989 s.24(1B))")
        ends = add_months(span.home_from or exit_day, home_months) if span.reason in HOME_REASONS else None
        if ends is not None and ends <= exit_day:
            walk.add(exit_day, "qualifying", home_reason)  # the six months were over before care ended
            return
        walk.add(exit_day, "relevant", "left care as an eligible child (Children Act 1989 s.23A(2))")
        if ends is not None and ends < next_start and ends < eighteenth:
            walk.add(ends, "qualifying", home_reason)
        return
    if exit_day > sixteenth:
        walk.add(exit_day, "qualifying", "looked after after 16 and no longer (Children Act 1989 s.24(1B))")
    elif span.reason == "special-guardianship":
        walk.add(exit_day, None, "left care before 16 under a special guardianship order")
        walk.add(sixteenth, "qualifying",
                 "special guardianship order made while looked after (Children Act 1989 s.24(1A))")
    else:
        walk.add(exit_day, None, "left care before 16")


def _status_periods(
    spans: list[_Span], reached: date | None, ages: tuple[date, date, date], home_months: int
) -> list[StatusPeriod]:
    """Walk through the spans and the gaps between them, from the first day looked after to 18."""
    _, sixteenth, eighteenth = ages
    eligible_start = max(sixteenth, reached) if reached is not None else None
    walk = _Walk([])
    for index, span in enumerate(spans):
        if span.start >= eighteenth:
            break
        returning = walk.status() in {"relevant", "qualifying"}
        if eligible_start is not None and span.start >= eligible_start:
            walk.add(span.start, "eligible", "back in care: an eligible child again (Children Act 1989 "
                     "s.23A(2)(a), Sch 2 para 19B)" if returning else "looked after for 13 weeks since 14, aged 16 "
                     "(Children Act 1989 Sch 2 para 19B; CPPCR 2010 reg 40)")
        else:
            walk.add(span.start, "looked-after", "looked after")
            if eligible_start is not None and span.start < eligible_start < span.end:
                walk.add(eligible_start, "eligible", "looked after for 13 weeks since 14, aged 16 "
                         "(Children Act 1989 Sch 2 para 19B; CPPCR 2010 reg 40)")
        next_start = spans[index + 1].start if index + 1 < len(spans) else eighteenth
        _after_exit(walk, span, next_start, (sixteenth, eighteenth), home_months)
    if walk.periods and eighteenth > walk.periods[0].start:
        _at_eighteen(walk, eighteenth)
    return walk.periods


def _at_eighteen(walk: _Walk, eighteenth: date) -> None:
    """Status from the 18th birthday (Children Act 1989 ss.23C(1) and 24)."""
    before = walk.status()
    if before in {"eligible", "relevant"}:
        walk.add(eighteenth, "former-relevant", "a relevant child, or looked after and eligible, at 18 "
                 "(Children Act 1989 s.23C(1))")
    elif before == "looked-after":
        walk.add(eighteenth, "qualifying", "looked after at 18 without being an eligible child "
                 "(Children Act 1989 s.24(1B))")


def care_status(
    date_of_birth: date,
    episodes: tuple[CareEpisode, ...],
    as_of: date,
    *,
    count_from_age: int,
    eligible_age: int,
    majority_age: int,
    eligible_weeks: int,
    home_months: int = 6,
    thirteen_weeks_counting: str = AFTER_LAST_DAY,
    leap_day_policy: LeapDayPolicy = "mar1",
) -> CareStatus:
    """Work out care-leaver status and its dates from looked-after episodes.

    The ages, the 13-week period and the six months at home come from rule data
    (the caller passes the parameter values), so this function holds no
    statutory literal.

    >>> from cohorts import CareEpisode
    >>> status = care_status(date(2010, 1, 15), (CareEpisode(start=date(2026, 9, 1)),), date(2026, 12, 6),
    ...                      count_from_age=14, eligible_age=16, majority_age=18, eligible_weeks=13)
    >>> status.eligible_from, status.status_on(date(2026, 11, 30)), status.status_on(date(2026, 12, 1))
    (datetime.date(2026, 12, 1), 'looked-after', 'eligible')
    """
    fourteenth = birthday(date_of_birth, count_from_age, leap_day_policy)
    sixteenth = birthday(date_of_birth, eligible_age, leap_day_policy)
    eighteenth = birthday(date_of_birth, majority_age, leap_day_policy)
    codes = care_codes()
    all_spans = _spans(episodes, eighteenth)  # nobody is looked after from 18
    spans = [s for s in all_spans if s.start < eighteenth]
    reached = _thirteen_weeks_reached(spans, fourteenth, 7 * eligible_weeks,
                                      thirteen_weeks_counting == AFTER_LAST_DAY)
    periods = _status_periods(spans, reached, (fourteenth, sixteenth, eighteenth), home_months)

    def first(status: str) -> date | None:
        return next((p.start for p in periods if p.status == status), None)

    relevant_starts = [p.start for p in periods if p.status == "relevant"]
    returned = next((p.start for p in reversed(periods) if p.status == "eligible" and p.reason.startswith("back")), None)
    relevant_ended = next(
        (p.start for prev, p in itertools.pairwise(periods)
         if prev.status == "relevant" and p.status == "qualifying"), None)
    currently = as_of < eighteenth and any(s.start <= as_of < s.end for s in spans)
    last_exit = spans[-1].end if spans and spans[-1].end < eighteenth else None
    at_18 = next((s for s in spans if s.start < eighteenth <= s.end), None)
    return CareStatus(
        looked_after_from_14=any(s.end > fourteenth for s in spans),
        currently_looked_after=currently,
        days_looked_after_since_14=sum(max(0, (min(s.end, as_of) - max(s.start, fourteenth)).days) for s in spans),
        eligible_from=first("eligible"),
        relevant_from=relevant_starts[-1] if relevant_starts else None,
        former_relevant_from=first("former-relevant"),
        qualifying_from=None if first("former-relevant") else first("qualifying"),
        left_care_on=last_exit,
        looked_after_on_18th_birthday=at_18 is not None,
        looked_after_16_to_18=any(s.start < eighteenth and s.end > sixteenth for s in spans),
        periods=tuple(periods),
        returned_to_care_on=returned,
        relevant_ended_on=relevant_ended,
        placement_at_18=at_18.placement if at_18 is not None else None,
        special_guardianship=any(s.reason == "special-guardianship" for s in spans),
        short_breaks=any(codes.is_short_break(ep.legal_status) for ep in episodes),
    )


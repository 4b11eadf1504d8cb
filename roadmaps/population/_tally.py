"""Population aggregation and forecast over per-person summaries, with disclosure control.

A population run (``roadmaps.population._run``) turns each young person's
roadmap into a small :class:`PersonSummary`: their area, cohorts, age band,
gap rules, and the ids, dates and statuses of their roadmap entries. Nothing
else of the record travels: no id, no date of birth. This module adds those
summaries up (:class:`PopulationTally`, which can be merged, so the sum can be
split over processes or a Dask cluster) and publishes the totals
(:func:`aggregate`) as tables in which every count has gone through
disclosure control (:mod:`roadmaps.population._disclosure`).

What is published (issue 4), every count through disclosure control:

* **young people** by cohort overlap and area, by age band and area, and by
  as-of year and area (the denominators of the shares);
* **gaps**: young people with each gap rule, by rule and cohort overlap, age
  band, area, as-of year or days overdue (a distribution in bins). A
  young person is counted once per rule, however many times the rule fired
  for them (the handover rule fires once per service), with the largest
  number of days overdue;
* **not recorded**: young people for whom a gap rule cannot be checked because
  the source of their record never collects the events that would complete the
  duty (``recorded_events``; for example the SSDA903 return holds no pathway
  plans), by rule and area. They are not counted as gaps;
* **milestone status**: young people whose roadmap has each entry, by status
  (done, due, overdue, upcoming);
* **forecast**: for each of the 10 calendar years after the as-of year, young
  people reaching each of :data:`FORECAST_MILESTONES`, by area, taken from the
  dates of their roadmap entries;
* **shares**: the share of young people with each gap, overall and within
  each group, built only from published counts (:func:`roadmaps.population._disclosure.share`).

**Which totals are published.** In the people tables (grids) every row and
column adds up to a published total. In the gap, status and forecast tables
only the rows do: each row is protected on its own with its total (young
people with a gap rule, with an entry, or reaching a milestone in a year),
because a sum down a column would add up different things.

**Linked tables.** The five gap tables show the same row totals (young people
with each rule) and the three people tables the same area totals. A total
hidden in one table is hidden in every table that shows it, and each table is
suppressed again around it until nothing changes, so a total hidden in one
table can never be read from another.

>>> from datetime import date
>>> s = PersonSummary(as_of=date(2026, 1, 1), area="england", cohorts=("send",),
...                   age_band="16-17", gaps=(("late-transition-planning", 400),),
...                   entries=(("age-18", date(2027, 5, 1), "upcoming"),))
>>> result = aggregate([s] * 6, as_of=date(2026, 1, 1))
>>> result.gaps, result.forecast["2027"]["age-18"], result.forecast["2028"]["age-18"]
({'late-transition-planning': 6}, 6, 0)
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from roadmaps.rule_ids import (
    ADULT_REASSESSMENT,
    AGE_14,
    AGE_18,
    CARE_LEAVER_END,
    DEFAULT_AREA,
    EHCP_LATEST_END,
    TRANSITION_ASSESSMENT,
)

from ._disclosure import (
    DEFAULT_SETTINGS,
    DisclosureSettings,
    Published,
    protect,
    share,
)

FORECAST_MILESTONES: tuple[str, ...] = (
    AGE_14,
    TRANSITION_ASSESSMENT,
    AGE_18,
    ADULT_REASSESSMENT,
    CARE_LEAVER_END,
    EHCP_LATEST_END,
)
"""The roadmap milestones counted in the forecast, in report order (issue 4)."""

FORECAST_YEARS = 10
"""How many calendar years after the as-of year the forecast covers."""

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under-14", 0, 13),
    ("14-15", 14, 15),
    ("16-17", 16, 17),
    ("18-20", 18, 20),
    ("21-24", 21, 24),
    ("25-and-over", 25, None),
)
"""Age bands for reporting (label, first age, last age or None): the phases of the pathway.

Reporting categories, not rules: 14 is when transition planning starts at the
latest, 16 and 18 the ages at which the leaving-care and adult duties begin,
21 and 25 the ends of the care-leaver and EHC plan support.
"""

DAYS_OVERDUE_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-90", 31, 90),
    ("91-180", 91, 180),
    ("181-365", 181, 365),
    ("over-365", 366, None),
)
"""Bins of the days-overdue distribution (label, first day, last day or None)."""

NO_DUE_DATE = "no-due-date"
"""The days-overdue column of a gap that has no due date (it is not late, it is missing)."""

NO_COHORT = "none"
"""The cohort-overlap label of a young person in none of the three cohorts."""

ALL = "all"
"""The label of a total row or column in the tidy tables."""

MILESTONE_STATUSES: tuple[str, ...] = ("done", "due", "overdue", "upcoming", "not-applicable")
"""Entry statuses in report order (``not-applicable`` is shown only when it occurs)."""

_ZERO = Fraction(0)
_INTERVAL_Z = 1.959963984540054  # two-sided 95% normal quantile for the expected-eligible interval


def age_band(age: int) -> str:
    """The reporting band of an age in whole years.

    >>> age_band(13), age_band(17), age_band(25)
    ('under-14', '16-17', '25-and-over')
    """
    for label, first, last in AGE_BANDS:
        if age >= first and (last is None or age <= last):
            return label
    return AGE_BANDS[0][0]


def days_overdue_bin(days: int | None) -> str:
    """The days-overdue bin of a gap (:data:`NO_DUE_DATE` when it has no due date).

    >>> days_overdue_bin(0), days_overdue_bin(31), days_overdue_bin(400), days_overdue_bin(None)
    ('0-30', '31-90', 'over-365', 'no-due-date')
    """
    if days is None:
        return NO_DUE_DATE
    for label, first, last in DAYS_OVERDUE_BINS:
        if days >= first and (last is None or days <= last):
            return label
    return DAYS_OVERDUE_BINS[0][0]  # a gap fires on or after its due date, so days >= 0


def cohort_overlap(cohorts: Iterable[str]) -> str:
    """The overlap label of a set of cohorts: their ids, sorted, joined with ``+``.

    >>> cohort_overlap(["send", "care-leavers"]), cohort_overlap([])
    ('care-leavers+send', 'none')
    """
    ids = sorted(set(cohorts))
    return "+".join(ids) if ids else NO_COHORT


# --- the per-person summary ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """What one young person's roadmap contributes to the population totals.

    Small and picklable, so that worker processes can send it back cheaply. It
    holds no id and no date of birth; its entry dates never leave the
    aggregation except as counts by calendar year.

    Attributes:
        as_of: the date the roadmap was drawn up on.
        area: the area the young person is reported under.
        cohorts: the cohort ids the young person belongs to, sorted.
        age_band: the :func:`age_band` of their age on ``as_of``.
        gaps: (gap rule id, days overdue or None), one per rule, sorted by rule;
            days overdue is the largest when the rule fired more than once.
        entries: (entry id, date, status) for every entry of the roadmap, once
            per id, sorted by id.
        asc_eligible_probability: the route probability of being eligible for
            adult social care, when route probabilities exist for the person
            (issue 3); None otherwise.
        not_recorded: the gap rules that would fire but need events the
            source of the record never collects ("not recorded"), sorted.
    """

    as_of: date
    area: str
    cohorts: tuple[str, ...]
    age_band: str
    gaps: tuple[tuple[str, int | None], ...] = ()
    entries: tuple[tuple[str, date, str], ...] = ()
    asc_eligible_probability: float | None = None
    not_recorded: tuple[str, ...] = ()

    @property
    def overlap(self) -> str:
        """The cohort-overlap label (see :func:`cohort_overlap`)."""
        return cohort_overlap(self.cohorts)


# --- adding up ---------------------------------------------------------------------------


@dataclass
class PopulationTally:
    """Raw (unpublished) counts over a population, built one :class:`PersonSummary` at a time.

    Tallies of parts of a population can be merged (:meth:`merge`), so the
    counting can be split over processes. The raw counts are never published:
    :func:`aggregate` (or :meth:`publish`) puts them through disclosure control.
    The forecast counts dates in the ten years after ``forecast_from``'s year.
    """

    forecast_from: date
    people: int = 0
    people_overlap_area: Counter[tuple[str, str]] = field(default_factory=Counter)
    people_band_area: Counter[tuple[str, str]] = field(default_factory=Counter)
    people_year_area: Counter[tuple[str, str]] = field(default_factory=Counter)
    gap_overlap: Counter[tuple[str, str]] = field(default_factory=Counter)
    gap_band: Counter[tuple[str, str]] = field(default_factory=Counter)
    gap_area: Counter[tuple[str, str]] = field(default_factory=Counter)
    gap_year: Counter[tuple[str, str]] = field(default_factory=Counter)
    gap_days: Counter[tuple[str, str]] = field(default_factory=Counter)
    status: Counter[tuple[str, str]] = field(default_factory=Counter)
    not_recorded_area: Counter[tuple[str, str]] = field(default_factory=Counter)
    forecast: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    asc_people: Counter[str] = field(default_factory=Counter)
    # Exact sums (a float is a dyadic rational), so the result never depends on the order
    # in which young people or chunks are added up.
    asc_expected: dict[str, Fraction] = field(default_factory=dict)
    asc_variance: dict[str, Fraction] = field(default_factory=dict)

    def add(self, summary: PersonSummary) -> None:
        """Count one young person."""
        area = summary.area
        overlap = summary.overlap
        band = summary.age_band
        year = str(summary.as_of.year)
        self.people += 1
        self.people_overlap_area[overlap, area] += 1
        self.people_band_area[band, area] += 1
        self.people_year_area[year, area] += 1
        for rule, days in summary.gaps:
            self.gap_overlap[rule, overlap] += 1
            self.gap_band[rule, band] += 1
            self.gap_area[rule, area] += 1
            self.gap_year[rule, year] += 1
            self.gap_days[rule, days_overdue_bin(days)] += 1
        for rule in summary.not_recorded:
            self.not_recorded_area[rule, area] += 1
        first = self.forecast_from.year + 1
        last = first + FORECAST_YEARS - 1
        forecast = FORECAST_MILESTONES
        for entry_id, when, status in summary.entries:
            self.status[entry_id, status] += 1
            if entry_id in forecast and first <= when.year <= last:
                self.forecast[entry_id, str(when.year), area] += 1
                if (
                    entry_id == ADULT_REASSESSMENT
                    and summary.asc_eligible_probability is not None
                ):
                    p = Fraction(summary.asc_eligible_probability)
                    key = str(when.year)
                    self.asc_people[key] += 1
                    self.asc_expected[key] = self.asc_expected.get(key, _ZERO) + p
                    self.asc_variance[key] = self.asc_variance.get(key, _ZERO) + p * (1 - p)

    def add_all(self, summaries: Iterable[PersonSummary]) -> PopulationTally:
        """Count every summary; returns self."""
        for summary in summaries:
            self.add(summary)
        return self

    def merge(self, other: PopulationTally) -> PopulationTally:
        """Add another tally (of other young people, same forecast year) into this one."""
        if other.forecast_from.year != self.forecast_from.year:
            raise ValueError("cannot merge tallies with different forecast years")
        self.people += other.people
        for name in _COUNTERS:
            getattr(self, name).update(getattr(other, name))
        for name in ("asc_expected", "asc_variance"):
            mine: dict[str, Fraction] = getattr(self, name)
            for key, value in getattr(other, name).items():
                mine[key] = mine.get(key, _ZERO) + value
        return self

    def publish(
        self,
        settings: DisclosureSettings = DEFAULT_SETTINGS,
        *,
        gap_rules: Sequence[str] = (),
        entry_ids: Sequence[str] = (),
    ) -> PopulationResult:
        """The published totals (see :func:`aggregate`)."""
        return _publish(self, settings, gap_rules=gap_rules, entry_ids=entry_ids)


_COUNTERS = (
    "people_overlap_area",
    "people_band_area",
    "people_year_area",
    "gap_overlap",
    "gap_band",
    "gap_area",
    "gap_year",
    "gap_days",
    "status",
    "not_recorded_area",
    "forecast",
    "asc_people",
)


# --- published results ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedTable:
    """A two-way table after disclosure control, ready to write.

    Two kinds: in a *grid* (young people by group and area) every row and
    every column adds up to a published total, and the totals to a grand
    total. In a table of *rows* (gaps, statuses, forecasts) only the rows add
    up: its columns would add up different things (gaps of different rules),
    so ``column_totals`` and ``grand_total`` are None and each row is
    protected as a one-way table with its own total.

    Attributes:
        name: the file stem, e.g. ``gaps-by-cohort-overlap``.
        title: a plain-English title.
        row_dimension: what the rows are, e.g. ``gap_rule`` (a CSV column name).
        column_dimension: what the columns are, e.g. ``cohort_overlap``.
        value: what a cell counts, in plain English.
        rows: the row labels in order.
        columns: the column labels in order.
        cells: ``cells[row][column]``, a count or the placeholder.
        row_totals: ``row_totals[row]``.
        column_totals: ``column_totals[column]``, or None for a table of rows.
        grand_total: the sum of every cell, or None for a table of rows.
        shares: for the gap tables, the share of the young people of the
            column's group with each gap (and, under :data:`ALL`, of all young
            people), from published counts only; None for other tables.
    """

    name: str
    title: str
    row_dimension: str
    column_dimension: str
    value: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[str, dict[str, Published]]
    row_totals: dict[str, Published]
    column_totals: dict[str, Published] | None
    grand_total: Published | None
    shares: dict[str, dict[str, float | None]] | None = None


@dataclass(frozen=True, slots=True)
class SuppressionSummary:
    """How many published values disclosure control changed.

    Attributes:
        settings: the threshold, method and placeholder used.
        values: published counts in the tables (cells and totals).
        primary: counts hidden because they are small (1 to threshold - 1).
        secondary: larger counts hidden so that a small one cannot be worked out.
    """

    settings: DisclosureSettings
    values: int
    primary: int
    secondary: int


@dataclass(frozen=True, slots=True)
class ExpectedEligible:
    """Expected young people eligible for adult social care in one forecast year.

    ``expected`` is the sum of the route probabilities of the young people whose
    adult reassessment falls in the year; ``low`` and ``high`` a 95% interval
    (normal approximation to the Poisson-binomial). All three are the
    placeholder when fewer than ``threshold`` young people contribute.
    """

    expected: float | str
    low: float | str
    high: float | str


@dataclass(frozen=True, slots=True)
class PopulationResult:
    """The published totals of a population run: no id, date of birth or record-level field.

    Attributes:
        as_of: the as-of date of the run (the forecast starts the year after).
        young_people: young people counted (published under disclosure control).
        gaps: gap rule id -> young people with that gap (the row totals of
            the gap tables).
        gap_shares: gap rule id -> share of all young people with it, or None
            when either count is suppressed.
        forecast: year -> milestone id -> young people reaching it that year
            (the row totals of the forecast tables).
        expected_eligible: year -> expected number eligible for adult social
            care; None when no route probabilities were available.
        tables: every published table, by name, in report order.
        suppression: what disclosure control did.
        notes: plain-English notes on what the figures cover.
        not_recorded: gap rule id -> young people for whom the rule cannot be
            checked because their source never records the events it needs
            (the row totals of the ``not-recorded-by-area`` table).
    """

    as_of: date
    young_people: Published
    gaps: dict[str, Published]
    gap_shares: dict[str, float | None]
    forecast: dict[str, dict[str, Published]]
    expected_eligible: dict[str, ExpectedEligible] | None
    tables: dict[str, PublishedTable]
    suppression: SuppressionSummary
    notes: tuple[str, ...] = ()
    not_recorded: dict[str, Published] = field(default_factory=dict)

    def to_pandas(self) -> Any:
        """The gap counts as a pandas DataFrame: rule, young people, share (needs pandas)."""
        from ._view import gaps_frame

        return gaps_frame(self)

    def forecast_frame(self) -> Any:
        """The forecast as a tidy pandas DataFrame: year, milestone, young people."""
        from ._view import forecast_frame

        return forecast_frame(self)

    def _repr_html_(self) -> str:
        from ._view import population_html

        return population_html(self)


def aggregate(
    summaries: Iterable[PersonSummary],
    *,
    as_of: date,
    settings: DisclosureSettings = DEFAULT_SETTINGS,
    gap_rules: Sequence[str] = (),
    entry_ids: Sequence[str] = (),
) -> PopulationResult:
    """Add up per-person summaries and publish the totals under disclosure control.

    Args:
        summaries: one per young person (any order: the result does not depend on it).
        as_of: the as-of date of the run; the forecast covers the ten calendar
            years after its year.
        settings: the disclosure-control threshold, method and placeholder.
        gap_rules: gap rule ids to list even when no young person has them
            (shown as 0); rules that occur are always listed.
        entry_ids: roadmap entry ids to list in the status table even when absent.

    Returns:
        the published totals; every count is a number or the placeholder.
    """
    tally = PopulationTally(as_of).add_all(summaries)
    return tally.publish(settings, gap_rules=gap_rules, entry_ids=entry_ids)


# --- publishing -------------------------------------------------------------------------


def differencing_note(settings: DisclosureSettings) -> str:
    """What protects these figures against subtracting two reports, in plain words.

    >>> differencing_note(DisclosureSettings()).startswith("Two reports")
    True
    """
    base = settings.rounding_base
    if base == 1:
        return (
            "Two reports on populations that differ by a few young people (for example "
            "this month's and last month's) can be subtracted to show those young people's "
            "gaps: hiding small counts does not stop this. Rounding counts (the rounding "
            "setting) makes it much harder."
        )
    return (
        f"Every count is rounded to the nearest multiple of {base}, on its own, so totals "
        "may not equal the sum of their parts. Subtracting two reports on populations that "
        "differ by one young person then shows a change only where a count crosses a "
        f"rounding boundary (about 1 time in {base}): a change that does show is real, and "
        "a count that appears or disappears at the threshold still gives someone away."
    )


GRID = "grid"
ROWS = "rows"


@dataclass(frozen=True, slots=True)
class _RawTable:
    name: str
    title: str
    row_dimension: str
    column_dimension: str
    value: str
    kind: str  # GRID or ROWS
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    row_link: str | None = None  # family of tables whose members show the same row totals
    column_link: str | None = None
    grand_link: str | None = None


def _ordered(seen: Iterable[str], order: Sequence[str]) -> tuple[str, ...]:
    """``order`` first (those present), then any others sorted."""
    present = set(seen)
    head = [label for label in order if label in present]
    return (*head, *sorted(present - set(head)))


def _publish(
    tally: PopulationTally,
    settings: DisclosureSettings,
    *,
    gap_rules: Sequence[str],
    entry_ids: Sequence[str],
) -> PopulationResult:
    labels = _Labels.of(tally, gap_rules, entry_ids)
    raw = [
        *_people_tables(tally, labels),
        *_gap_tables(tally, labels),
        _not_recorded_table(tally, labels),
        *_entry_tables(tally, labels),
    ]
    published, counts = _suppress_linked(raw, settings)
    total_people = _add_gap_shares(published)
    gaps = dict(published["gaps-by-cohort-overlap"].row_totals)
    forecast_years = labels.forecast_years
    forecast = {
        y: {m: published[f"forecast-{m}"].row_totals[y] for m in FORECAST_MILESTONES}
        for y in forecast_years
    }
    notes = [
        "A young person is counted once for each gap rule they have, and can have several.",
        f"The forecast counts the dates of roadmap entries in {forecast_years[0]} to "
        f"{forecast_years[-1]}, as known on the as-of date; it assumes no one moves in or out.",
        differencing_note(settings),
    ]
    expected = _expected_eligible(tally, forecast_years, settings)
    if expected is None:
        notes.append(
            "Expected numbers eligible for adult social care are not shown: no route "
            "probabilities were available for this run."
        )
    return PopulationResult(
        as_of=tally.forecast_from,
        young_people=total_people,
        gaps=gaps,
        gap_shares={r: share(gaps[r], total_people) for r in labels.rules},
        forecast=forecast,
        expected_eligible=expected,
        tables=published,
        suppression=SuppressionSummary(settings, *counts),
        notes=tuple(notes),
        not_recorded=dict(published["not-recorded-by-area"].row_totals),
    )


@dataclass(frozen=True, slots=True)
class _Labels:
    """The row and column labels of the published tables, in report order."""

    areas: tuple[str, ...]
    overlaps: tuple[str, ...]
    bands: tuple[str, ...]
    years: tuple[str, ...]
    rules: tuple[str, ...]
    day_bins: tuple[str, ...]
    entries: tuple[str, ...]
    statuses: tuple[str, ...]
    forecast_years: tuple[str, ...]
    forecast_areas: tuple[str, ...]

    @classmethod
    def of(
        cls, tally: PopulationTally, gap_rules: Sequence[str], entry_ids: Sequence[str]
    ) -> _Labels:
        """The labels that occur in the tally, with every gap rule and entry asked for."""
        areas = tuple(sorted({a for _, a in tally.people_overlap_area}))
        first_year = tally.forecast_from.year + 1
        return cls(
            areas=areas,
            overlaps=tuple(sorted({o for o, _ in tally.people_overlap_area})),
            bands=_ordered({b for b, _ in tally.people_band_area}, [b for b, _, _ in AGE_BANDS]),
            years=tuple(sorted({y for y, _ in tally.people_year_area})),
            rules=tuple(
                sorted(
                    {r for r, _ in tally.gap_overlap}
                    | {r for r, _ in tally.not_recorded_area}
                    | set(gap_rules)
                )
            ),
            day_bins=(*(label for label, _, _ in DAYS_OVERDUE_BINS), NO_DUE_DATE),
            entries=tuple(sorted({e for e, _ in tally.status} | set(entry_ids))),
            statuses=_ordered(
                {s for _, s in tally.status} | set(MILESTONE_STATUSES[:4]), MILESTONE_STATUSES
            ),
            forecast_years=tuple(str(first_year + k) for k in range(FORECAST_YEARS)),
            forecast_areas=areas or (DEFAULT_AREA,),
        )


def _raw_table(
    name: str,
    title: str,
    dimensions: tuple[str, str],
    value: str,
    kind: str,
    counter: Mapping[tuple[str, str], int],
    rows: Sequence[str],
    columns: Sequence[str],
    **links: str,
) -> _RawTable:
    """A table of raw counts: ``counter[row, column]`` for every row and column (0 if absent)."""
    counts = {r: {c: counter.get((r, c), 0) for c in columns} for r in rows}
    return _RawTable(
        name, title, *dimensions, value, kind, tuple(rows), tuple(columns), counts, **links
    )


def _people_tables(tally: PopulationTally, labels: _Labels) -> list[_RawTable]:
    """The three grids of young people by area: the denominators of the shares."""
    return [
        _raw_table(name, title, (dimension, "area"), "young people", GRID, counter, rows,
                   labels.areas, column_link="people-by-area", grand_link="people")
        for name, title, dimension, counter, rows in (
            ("people-by-cohort-overlap-and-area", "Young people by cohort overlap and area",
             "cohort_overlap", tally.people_overlap_area, labels.overlaps),
            ("people-by-age-band-and-area", "Young people by age band on the as-of date and area",
             "age_band", tally.people_band_area, labels.bands),
            ("people-by-as-of-year-and-area", "Young people by as-of year and area",
             "as_of_year", tally.people_year_area, labels.years),
        )
    ]  # fmt: skip


def _gap_tables(tally: PopulationTally, labels: _Labels) -> list[_RawTable]:
    """The five tables of young people with each gap rule, which share their row totals."""
    return [
        _raw_table(name, title, ("gap_rule", dimension), "young people with the gap", ROWS,
                   counter, labels.rules, columns, row_link="gaps-by-rule")
        for name, title, dimension, counter, columns in (
            ("gaps-by-cohort-overlap", "Gaps by rule and cohort overlap", "cohort_overlap",
             tally.gap_overlap, labels.overlaps),
            ("gaps-by-age-band", "Gaps by rule and age band", "age_band", tally.gap_band,
             labels.bands),
            ("gaps-by-area", "Gaps by rule and area", "area", tally.gap_area, labels.areas),
            ("gaps-by-as-of-year", "Gaps by rule and as-of year", "as_of_year", tally.gap_year,
             labels.years),
            ("gaps-by-days-overdue", "Gaps by rule and days overdue", "days_overdue",
             tally.gap_days, labels.day_bins),
        )
    ]  # fmt: skip


def _not_recorded_table(tally: PopulationTally, labels: _Labels) -> _RawTable:
    """Young people with each rule "not recorded", by area (its own row totals, no links)."""
    return _raw_table(
        "not-recorded-by-area",
        "Duties that cannot be checked because the source never records their events, by area",
        ("gap_rule", "area"),
        "young people for whom the rule is not recorded",
        ROWS,
        tally.not_recorded_area,
        labels.rules,
        labels.areas,
    )


def _entry_tables(tally: PopulationTally, labels: _Labels) -> list[_RawTable]:
    """The status of each roadmap entry, and the forecast of each milestone by year and area."""
    tables = [
        _raw_table("milestone-status", "Roadmap entries by status on the as-of date",
                   ("entry", "status"), "young people whose roadmap has the entry", ROWS,
                   tally.status, labels.entries, labels.statuses)
    ]  # fmt: skip
    for milestone in FORECAST_MILESTONES:
        counter = Counter({(y, a): n for (m, y, a), n in tally.forecast.items() if m == milestone})
        tables.append(
            _raw_table(f"forecast-{milestone}", f"Young people reaching {milestone}, by year and area",
                       ("year", "area"), "young people reaching the milestone", ROWS, counter,
                       labels.forecast_years, labels.forecast_areas)
        )  # fmt: skip
    return tables


def _add_gap_shares(published: dict[str, PublishedTable]) -> Published:
    """Add their shares to the gap tables, from the published people totals; return the total.

    The share of a cell is over the young people of its column's group (its
    cohort overlap, age band, area or as-of year), and the share of a row total
    over everyone counted.
    """
    overlap_table = published["people-by-cohort-overlap-and-area"]
    total_people = overlap_table.grand_total
    assert total_people is not None  # a grid
    denominators: dict[str, Mapping[str, Published]] = {
        "cohort_overlap": overlap_table.row_totals,
        "age_band": published["people-by-age-band-and-area"].row_totals,
        "area": overlap_table.column_totals or {},
        "as_of_year": published["people-by-as-of-year-and-area"].row_totals,
    }
    for name, t in published.items():
        if not name.startswith("gaps-by-"):
            continue
        groups = denominators.get(t.column_dimension)
        shares = {
            r: {
                **{
                    c: None if groups is None else share(t.cells[r][c], groups.get(c, 0))
                    for c in t.columns
                },
                ALL: share(t.row_totals[r], total_people),
            }
            for r in t.rows
        }
        published[name] = dataclasses.replace(t, shares=shares)
    return total_people


def _expected_eligible(
    tally: PopulationTally, years: Sequence[str], settings: DisclosureSettings
) -> dict[str, ExpectedEligible] | None:
    if not tally.asc_people:
        return None
    out: dict[str, ExpectedEligible] = {}
    hidden = settings.placeholder
    for year in years:
        n = tally.asc_people.get(year, 0)
        if settings.is_small(n):
            out[year] = ExpectedEligible(hidden, hidden, hidden)
            continue
        mean = float(tally.asc_expected.get(year, _ZERO))
        half = _INTERVAL_Z * math.sqrt(tally.asc_variance.get(year, _ZERO))
        low, high = max(0.0, mean - half), min(float(n), mean + half)
        base = settings.rounding_base
        if base > 1:  # rounded like the counts, so that two runs differ as little
            mean, low, high = (math.floor(x / base + 0.5) * base for x in (mean, low, high))
        out[year] = ExpectedEligible(round(mean, 1), round(low, 1), round(high, 1))
    return out


# --- linked suppression ------------------------------------------------------------------


def _suppress_linked(
    tables: Sequence[_RawTable], settings: DisclosureSettings
) -> tuple[dict[str, PublishedTable], tuple[int, int, int]]:
    """Suppress each table, hiding a shared total everywhere it is hidden anywhere.

    Tables of one family show the same totals (young people with a gap rule
    in each gap table; young people in an area in each people table). A total
    that one table hides (a small one, or one that secondary suppression
    needs) is hidden in every member, and those are suppressed again around
    it, until nothing changes. Hiding only ever grows, so this ends.

    Returns:
        the published tables by name (in the given order) and the counts
        (values published, hidden as small, hidden as secondary).
    """
    forced: dict[str, set[tuple[str, str]]] = {t.name: set() for t in tables}
    while True:
        results: dict[str, tuple[PublishedTable, list[int], list[bool]]] = {}
        hidden_links: set[tuple[str, str]] = set()
        for t in tables:
            results[t.name] = _suppress_table(t, forced[t.name], settings)
            hidden_links.update(_hidden_shared(t, results[t.name][0]))
        changed = False
        for t in tables:
            want = _forced_for(t, hidden_links)
            if want != forced[t.name]:
                forced[t.name] = want
                changed = True
        if changed:
            continue
        total = primary = secondary = 0
        for _, values, hidden in results.values():
            small = sum(1 for v in values if settings.is_small(v))
            total += len(values)
            primary += small
            secondary += sum(hidden) - small
        return {name: r[0] for name, r in results.items()}, (total, primary, secondary)


def _hidden_shared(t: _RawTable, result: PublishedTable) -> Iterable[tuple[str, str]]:
    if t.row_link:
        for r, v in result.row_totals.items():
            if isinstance(v, str):
                yield t.row_link, r
    if t.column_link and result.column_totals is not None:
        for c, v in result.column_totals.items():
            if isinstance(v, str):
                yield t.column_link, c
    if t.grand_link and isinstance(result.grand_total, str):
        yield t.grand_link, ALL


def _forced_for(t: _RawTable, hidden_links: set[tuple[str, str]]) -> set[tuple[str, str]]:
    want: set[tuple[str, str]] = set()
    if t.row_link:
        want |= {("row", r) for r in t.rows if (t.row_link, r) in hidden_links}
    if t.column_link:
        want |= {("column", c) for c in t.columns if (t.column_link, c) in hidden_links}
    if t.grand_link and (t.grand_link, ALL) in hidden_links:
        want.add(("grand", ALL))
    return want


def table_equations(
    n_rows: int, n_columns: int, kind: str
) -> tuple[int, list[tuple[int, tuple[int, ...]]]]:
    """The sums a table publishes, over its values laid out flat.

    Layout: the cells row by row, then the row totals, then (for a grid) the
    column totals and the grand total. Returns the number of values and the
    equations as (index of the total, indexes of the parts): the layout and
    the equations of :func:`roadmaps.population._disclosure.suppress_table_2d` for a grid.

    >>> table_equations(1, 2, "rows")
    (3, [(2, (0, 1))])
    """
    row_total_at = n_rows * n_columns
    equations = [
        (row_total_at + i, tuple(i * n_columns + j for j in range(n_columns)))
        for i in range(n_rows)
    ]
    if kind == ROWS:
        return row_total_at + n_rows, equations
    column_total_at = row_total_at + n_rows
    grand_at = column_total_at + n_columns
    for j in range(n_columns):
        equations.append((column_total_at + j, tuple(i * n_columns + j for i in range(n_rows))))
    equations.append((grand_at, tuple(range(row_total_at, column_total_at))))
    equations.append((grand_at, tuple(range(column_total_at, grand_at))))
    return grand_at + 1, equations


def _suppress_table(
    t: _RawTable, forced: set[tuple[str, str]], settings: DisclosureSettings
) -> tuple[PublishedTable, list[int], list[bool]]:
    """Primary and secondary suppression of one table, with some totals hidden from the start.

    A grid follows :func:`roadmaps.population._disclosure.suppress_table_2d` exactly (a
    test checks that they agree when nothing is forced); a table of rows is
    protected row by row, like :func:`roadmaps.population._disclosure.suppress_table_1d`.
    A forced total is treated like a small count: hidden, then protected.
    """
    rows, columns = t.rows, t.columns
    n_rows, n_cols = len(rows), len(columns)
    values = [t.counts[r][c] for r in rows for c in columns]
    values += [sum(values[i * n_cols : (i + 1) * n_cols]) for i in range(n_rows)]
    row_total_at = n_rows * n_cols
    column_total_at = row_total_at + n_rows
    grand_at = column_total_at + n_cols
    if t.kind == GRID:
        values += [sum(values[i * n_cols + j] for i in range(n_rows)) for j in range(n_cols)]
        values.append(sum(values[row_total_at:column_total_at]))
    hidden = [settings.is_small(v) for v in values]
    for kind, label in forced:
        if kind == "row":
            hidden[row_total_at + rows.index(label)] = True
        elif kind == "column":
            hidden[column_total_at + columns.index(label)] = True
        else:
            hidden[grand_at] = True
    if settings.method != "primary":
        if t.kind == GRID:
            _, equations = table_equations(n_rows, n_cols, GRID)
            protect(values, equations, row_total_at, hidden, settings.threshold)
        else:
            for i in range(n_rows):
                # Each row on its own: its cells, then its total (the 1-D layout).
                index = [*range(i * n_cols, (i + 1) * n_cols), row_total_at + i]
                sub_values = [values[k] for k in index]
                sub_hidden = [hidden[k] for k in index]
                protect(
                    sub_values, [(n_cols, tuple(range(n_cols)))], n_cols, sub_hidden,
                    settings.threshold,
                )
                for k, h in zip(index, sub_hidden, strict=True):
                    hidden[k] = h
    out = [settings.publish(v, h) for v, h in zip(values, hidden, strict=True)]
    published = PublishedTable(
        name=t.name,
        title=t.title,
        row_dimension=t.row_dimension,
        column_dimension=t.column_dimension,
        value=t.value,
        rows=rows,
        columns=columns,
        cells={
            r: {c: out[i * n_cols + j] for j, c in enumerate(columns)} for i, r in enumerate(rows)
        },
        row_totals={r: out[row_total_at + i] for i, r in enumerate(rows)},
        column_totals=(
            {c: out[column_total_at + j] for j, c in enumerate(columns)} if t.kind == GRID else None
        ),
        grand_total=out[grand_at] if t.kind == GRID else None,
    )
    return published, values, hidden

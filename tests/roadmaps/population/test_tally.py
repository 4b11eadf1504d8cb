"""Population aggregation: the counts are right, and nothing small or recoverable is published."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmaps.population._disclosure import (
    DisclosureSettings,
    determined_cells,
    narrowed_cells,
    round_count,
    suppress_table_2d,
)
from roadmaps.population._tally import (
    ALL,
    FORECAST_MILESTONES,
    GRID,
    NO_DUE_DATE,
    ROWS,
    PersonSummary,
    PopulationResult,
    PopulationTally,
    PublishedTable,
    _RawTable,
    _suppress_table,
    age_band,
    aggregate,
    cohort_overlap,
    days_overdue_bin,
    table_equations,
)

AS_OF = date(2026, 1, 1)
UNSUPPRESSED = DisclosureSettings(threshold=1)
RULES = ("late-transition-planning", "pathway-plan-missing", "transition-assessment-overdue")
COHORTS = ("adult-social-care", "care-leavers", "send")


def summary(
    *,
    area: str = "leicester",
    cohorts: tuple[str, ...] = ("send",),
    band: str = "16-17",
    gaps: tuple[tuple[str, int | None], ...] = (),
    entries: tuple[tuple[str, date, str], ...] = (),
    probability: float | None = None,
) -> PersonSummary:
    return PersonSummary(
        as_of=AS_OF,
        area=area,
        cohorts=cohorts,
        age_band=band,
        gaps=gaps,
        entries=entries,
        asc_eligible_probability=probability,
    )


# --- labels ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, "under-14"), (13, "under-14"), (14, "14-15"), (15, "14-15"), (16, "16-17"),
     (18, "18-20"), (20, "18-20"), (21, "21-24"), (24, "21-24"), (25, "25-and-over"),
     (30, "25-and-over")],
)  # fmt: skip
def test_age_bands(age: int, band: str) -> None:
    assert age_band(age) == band


@pytest.mark.parametrize(
    ("days", "label"),
    [(0, "0-30"), (30, "0-30"), (31, "31-90"), (90, "31-90"), (91, "91-180"), (180, "91-180"),
     (181, "181-365"), (365, "181-365"), (366, "over-365"), (5000, "over-365"),
     (None, NO_DUE_DATE)],
)  # fmt: skip
def test_days_overdue_bins(days: int | None, label: str) -> None:
    assert days_overdue_bin(days) == label


def test_cohort_overlap_labels_are_sorted_and_deduplicated() -> None:
    assert cohort_overlap(("send", "care-leavers", "send")) == "care-leavers+send"
    assert cohort_overlap(()) == "none"


# --- the counts --------------------------------------------------------------------------


def test_counts_by_rule_group_status_and_forecast() -> None:
    people = [
        summary(
            area="leicester",
            cohorts=("care-leavers", "send"),
            band="16-17",
            gaps=(("late-transition-planning", 40), ("pathway-plan-missing", None)),
            entries=(
                ("age-18", date(2027, 6, 1), "upcoming"),
                ("transition-planning", date(2022, 8, 31), "overdue"),
            ),
        ),
        summary(
            area="peterborough",
            cohorts=("send",),
            band="18-20",
            gaps=(("late-transition-planning", 400),),
            entries=(
                ("age-18", date(2025, 3, 1), "done"),
                ("ehcp-latest-end", date(2036, 7, 31), "upcoming"),
            ),
        ),
        summary(
            area="leicester",
            cohorts=(),
            band="14-15",
            entries=(("age-18", date(2027, 2, 2), "upcoming"),),
        ),
    ]
    result = aggregate(people, as_of=AS_OF, settings=UNSUPPRESSED, gap_rules=RULES)
    assert result.young_people == 3
    assert result.gaps == {
        "late-transition-planning": 2,
        "pathway-plan-missing": 1,
        "transition-assessment-overdue": 0,
    }
    assert result.gap_shares["late-transition-planning"] == pytest.approx(2 / 3)
    overlap = result.tables["gaps-by-cohort-overlap"]
    assert overlap.cells["late-transition-planning"] == {
        "care-leavers+send": 1,
        "none": 0,
        "send": 1,
    }
    assert overlap.column_totals is None and overlap.grand_total is None  # rows only
    assert overlap.shares is not None
    assert overlap.shares["late-transition-planning"]["send"] == 1.0  # 1 of 1 in send only
    days = result.tables["gaps-by-days-overdue"]
    assert days.cells["late-transition-planning"]["0-30"] == 0
    assert days.cells["late-transition-planning"]["31-90"] == 1
    assert days.cells["late-transition-planning"]["over-365"] == 1
    assert days.cells["pathway-plan-missing"][NO_DUE_DATE] == 1
    area = result.tables["gaps-by-area"]
    assert area.cells["late-transition-planning"] == {"leicester": 1, "peterborough": 1}
    status = result.tables["milestone-status"]
    assert status.cells["age-18"] == {"done": 1, "due": 0, "overdue": 0, "upcoming": 2}
    assert status.row_totals["transition-planning"] == 1
    # The forecast: the ten years after the as-of year, from the entries' dates.
    assert list(result.forecast) == [str(y) for y in range(2027, 2037)]
    assert result.forecast["2027"]["age-18"] == 2
    assert result.forecast["2036"]["ehcp-latest-end"] == 1
    assert sum(row["age-18"] for row in result.forecast.values()) == 2  # 2025 is before
    people_grid = result.tables["people-by-cohort-overlap-and-area"]
    assert people_grid.column_totals == {"leicester": 2, "peterborough": 1}
    assert people_grid.grand_total == 3


def test_not_recorded_is_counted_by_rule_and_area_apart_from_the_gaps() -> None:
    """A duty whose events the source never records is counted as "not recorded", not a gap,
    and the count goes through disclosure control like the others."""
    people = [
        PersonSummary(AS_OF, "england", ("care-leavers",), "18-20", not_recorded=("pathway-plan-missing",))
        for _ in range(6)
    ] + [
        PersonSummary(AS_OF, "leicester", ("care-leavers",), "18-20", not_recorded=("pathway-plan-missing",)),
        summary(gaps=(("late-transition-planning", 3),)),
    ]
    result = aggregate(people, as_of=AS_OF, gap_rules=RULES)
    assert result.not_recorded["pathway-plan-missing"] == 7
    assert result.not_recorded["late-transition-planning"] == 0
    assert result.gaps["pathway-plan-missing"] == 0
    table = result.tables["not-recorded-by-area"]
    # The 1 is small, so the 6 is hidden too: it would give the 1 away from the total of 7.
    assert table.cells["pathway-plan-missing"] == {"england": "<5", "leicester": "<5"}
    assert aggregate(people, as_of=AS_OF, gap_rules=RULES, settings=UNSUPPRESSED).tables[
        "not-recorded-by-area"
    ].cells["pathway-plan-missing"] == {"england": 6, "leicester": 1}


def test_forecast_window_is_the_ten_calendar_years_after_the_as_of_year() -> None:
    entries = tuple(("age-18", date(year, 12, 31), "upcoming") for year in (2026, 2027, 2036, 2037))
    people = [summary(entries=(entry,)) for entry in entries for _ in range(5)]  # 5 people per date
    result = aggregate(people, as_of=AS_OF)
    counts = {year: row["age-18"] for year, row in result.forecast.items()}
    assert counts["2027"] == 5 and counts["2036"] == 5
    assert sum(v for v in counts.values() if isinstance(v, int)) == 10  # 2026 and 2037 left out


def test_result_does_not_depend_on_order_and_tallies_merge() -> None:
    rng = random.Random(7)
    people = [random_summary(rng) for _ in range(300)]
    whole = aggregate(people, as_of=AS_OF)
    shuffled = people[:]
    rng.shuffle(shuffled)
    assert aggregate(shuffled, as_of=AS_OF) == whole
    left = PopulationTally(AS_OF).add_all(people[:120])
    right = PopulationTally(AS_OF).add_all(people[120:])
    assert left.merge(right).publish() == whole
    with pytest.raises(ValueError, match="forecast years"):
        PopulationTally(AS_OF).merge(PopulationTally(date(2030, 1, 1)))


def test_expected_eligible_needs_route_probabilities() -> None:
    entry = (("adult-reassessment", date(2028, 5, 1), "upcoming"),)
    without = aggregate([summary(entries=entry)] * 6, as_of=AS_OF)
    assert without.expected_eligible is None
    assert any("route probabilities" in note for note in without.notes)
    with_p = aggregate([summary(entries=entry, probability=0.8)] * 10, as_of=AS_OF)
    assert with_p.expected_eligible is not None
    year = with_p.expected_eligible["2028"]
    assert year.expected == 8.0
    assert isinstance(year.low, float) and isinstance(year.high, float)
    assert 0 <= year.low < 8.0 < year.high <= 10
    few = aggregate([summary(entries=entry, probability=0.8)] * 3, as_of=AS_OF)
    assert few.expected_eligible is not None and few.expected_eligible["2028"].expected == "<5"


def test_primary_only_method_hides_only_small_counts() -> None:
    people = [summary(gaps=(("pathway-plan-missing", 10),))] * 3 + [
        summary(area="peterborough", gaps=(("pathway-plan-missing", 10),))
    ] * 7
    result = aggregate(people, as_of=AS_OF, settings=DisclosureSettings(method="primary"))
    cells = result.tables["gaps-by-area"].cells["pathway-plan-missing"]
    assert cells == {"leicester": "<5", "peterborough": 7}  # 7 is left: primary only
    protected = aggregate(people, as_of=AS_OF).tables["gaps-by-area"]
    assert protected.cells["pathway-plan-missing"] == {"leicester": "<5", "peterborough": "<5"}
    assert protected.row_totals["pathway-plan-missing"] == 10


# --- the suppression algorithm ----------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.one_of(st.integers(0, 6), st.integers(0, 40)), min_size=1, max_size=4),
             min_size=1, max_size=4),
    st.sampled_from([3, 5]),
)  # fmt: skip
def test_grid_suppression_is_that_of_the_disclosure_module(
    grid: list[list[int]], threshold: int
) -> None:
    width = max(len(row) for row in grid)
    rows = tuple(f"r{i}" for i in range(len(grid)))
    columns = tuple(f"c{j}" for j in range(width))
    counts = {r: {c: (row + [0] * width)[j] for j, c in enumerate(columns)}
              for r, row in zip(rows, grid, strict=True)}  # fmt: skip
    disclosure = DisclosureSettings(threshold=threshold)
    expected = suppress_table_2d(counts, disclosure, columns=columns)
    raw = _RawTable("t", "t", "r", "c", "n", GRID, rows, columns, counts)
    got, _, _ = _suppress_table(raw, set(), disclosure)
    assert got.cells == expected.cells
    assert got.row_totals == expected.row_totals
    assert got.column_totals == expected.column_totals
    assert got.grand_total == expected.grand_total


def random_summary(rng: random.Random) -> PersonSummary:
    cohorts = tuple(c for c in COHORTS if rng.random() < 0.4)
    gaps = tuple(
        (rule, rng.choice([None, rng.randint(0, 800)])) for rule in RULES if rng.random() < 0.3
    )
    entries = []
    for milestone in FORECAST_MILESTONES[:4]:
        if rng.random() < 0.7:
            when = AS_OF + timedelta(days=rng.randint(-800, 4000))
            status = "done" if when <= AS_OF else rng.choice(["upcoming", "due"])
            entries.append((milestone, when, status))
    return summary(
        area=rng.choice(["leicester", "peterborough", "england"]),
        cohorts=cohorts,
        band=rng.choice(["14-15", "16-17", "18-20"]),
        gaps=gaps,
        entries=tuple(sorted(entries)),
    )


@st.composite
def populations(draw: st.DrawFn) -> list[PersonSummary]:
    """Small populations, where small counts (and so suppression) are common."""
    seed = draw(st.integers(0, 2**32 - 1))
    size = draw(st.integers(0, 60))
    rng = random.Random(seed)
    return [random_summary(rng) for _ in range(size)]


def _published_numbers(result: PopulationResult) -> list[object]:
    values: list[object] = [result.young_people, *result.gaps.values()]
    for row in result.forecast.values():
        values += row.values()
    for t in result.tables.values():
        values += t.row_totals.values()
        for cells in t.cells.values():
            values += cells.values()
        if t.column_totals is not None:
            values += [*t.column_totals.values(), t.grand_total]
    return values


def _check_no_hidden_value_is_determined(t: PublishedTable) -> None:
    """Each table on its own: no hidden value follows from its published sums."""
    kind = GRID if t.column_totals is not None else ROWS
    n_values, equations = table_equations(len(t.rows), len(t.columns), kind)
    flat: list[object] = [t.cells[r][c] for r in t.rows for c in t.columns]
    flat += [t.row_totals[r] for r in t.rows]
    if t.column_totals is not None:
        flat += [t.column_totals[c] for c in t.columns] + [t.grand_total]
    assert len(flat) == n_values
    hidden = [isinstance(v, str) for v in flat]
    # The published numbers are consistent: an equation with nothing hidden adds up.
    for total, parts in equations:
        if not hidden[total] and not any(hidden[p] for p in parts):
            assert flat[total] == sum(flat[p] for p in parts)  # type: ignore[misc]
    # Zeros are never hidden, so a hidden value is at least 1; if the hidden
    # parts of an equation with a published total must all be 1, they leak.
    for total, parts in equations:
        hidden_parts = [p for p in parts if hidden[p]]
        if not hidden[total] and hidden_parts:
            published = sum(flat[p] for p in parts if not hidden[p])  # type: ignore[misc]
            assert flat[total] - published != len(hidden_parts), t.name  # type: ignore[operator]
    assert determined_cells(equations, hidden, n_values) == [], t.name


def _flat(t: PublishedTable) -> list[object]:
    flat: list[object] = [t.cells[r][c] for r in t.rows for c in t.columns]
    flat += [t.row_totals[r] for r in t.rows]
    if t.column_totals is not None:
        flat += [t.column_totals[c] for c in t.columns] + [t.grand_total]
    return flat


def _check_no_hidden_value_is_narrowed(t: PublishedTable, raw: PublishedTable, threshold: int) -> None:
    """Each table on its own: an attacker who solves it keeps at least ``threshold`` possible
    values for every hidden value (issue 13)."""
    kind = GRID if t.column_totals is not None else ROWS
    _, equations = table_equations(len(t.rows), len(t.columns), kind)
    truth = [v for v in _flat(raw) if isinstance(v, int)]
    hidden = [isinstance(v, str) for v in _flat(t)]
    assert len(truth) == len(hidden)
    assert narrowed_cells(truth, equations, hidden, threshold) == [], t.name


class _JointSystem:
    """The published sums of several tables as one system, with shared totals as one unknown."""

    def __init__(self) -> None:
        self.index: dict[tuple[object, ...], int] = {}
        self.hidden: list[bool] = []
        self.equations: list[tuple[int, tuple[int, ...]]] = []
        self.shared: dict[tuple[object, ...], set[object]] = {}

    def var(self, key: tuple[object, ...], value: object) -> int:
        self.shared.setdefault(key, set()).add(value)
        if key not in self.index:
            self.index[key] = len(self.hidden)
            self.hidden.append(isinstance(value, str))
        return self.index[key]

    def add(self, t: PublishedTable, shared_rows: bool) -> None:
        row_key = {r: ("row", r) if shared_rows else (t.name, "row", r) for r in t.rows}
        for r in t.rows:
            parts = tuple(self.var((t.name, r, c), t.cells[r][c]) for c in t.columns)
            self.equations.append((self.var(row_key[r], t.row_totals[r]), parts))
        if t.column_totals is not None:
            for c in t.columns:
                parts = tuple(self.var((t.name, r, c), t.cells[r][c]) for r in t.rows)
                self.equations.append((self.var(("column", c), t.column_totals[c]), parts))
            grand = self.var(("grand",), t.grand_total)
            rows = tuple(self.index[row_key[r]] for r in t.rows)
            self.equations.append((grand, rows))
            self.equations.append((grand, tuple(self.index[("column", c)] for c in t.columns)))


def _check_linked_families(result: PopulationResult) -> None:
    """A total shown by several tables is hidden in all of them or shows the same number in all,
    and the joint system of a family's tables determines no hidden value."""
    for prefix, shared_rows in (("gaps-by-", True), ("people-by-", False)):
        system = _JointSystem()
        for name, t in result.tables.items():
            if name.startswith(prefix):
                system.add(t, shared_rows)
        for key, values in system.shared.items():
            assert len(values) == 1, f"{key} differs between tables: {values}"
        assert determined_cells(system.equations, system.hidden, len(system.hidden)) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations(), st.sampled_from([3, 5]))
def test_suppression_holds_on_published_outputs(
    people: list[PersonSummary], threshold: int
) -> None:
    disclosure = DisclosureSettings(threshold=threshold)
    result = aggregate(people, as_of=AS_OF, settings=disclosure, gap_rules=RULES)
    for value in _published_numbers(result):
        assert value == disclosure.placeholder or (
            isinstance(value, int) and not 0 < value < threshold
        ), value
    for t in result.tables.values():
        _check_no_hidden_value_is_determined(t)
        if t.shares is not None:  # rates only from published counts
            for r in t.rows:
                for c in (*t.columns, ALL):
                    count = t.row_totals[r] if c == ALL else t.cells[r][c]
                    if isinstance(count, str):
                        assert t.shares[r][c] is None
    _check_linked_families(result)
    assert result.gaps == result.tables["gaps-by-area"].row_totals
    for rule, value in result.gaps.items():
        if isinstance(value, str) or isinstance(result.young_people, str):
            assert result.gap_shares[rule] is None
    # What was hidden is exactly what the tables show as hidden.
    raw = aggregate(people, as_of=AS_OF, settings=UNSUPPRESSED, gap_rules=RULES)
    for name, t in result.tables.items():
        _check_no_hidden_value_is_narrowed(t, raw.tables[name], threshold)
    assert result.suppression.values == raw.suppression.values
    shown_hidden = sum(
        1 for t in result.tables.values() for v in _table_values(t) if isinstance(v, str)
    )
    assert result.suppression.primary + result.suppression.secondary == shown_hidden


def _table_values(t: PublishedTable) -> list[object]:
    values: list[object] = [v for cells in t.cells.values() for v in cells.values()]
    values += t.row_totals.values()
    if t.column_totals is not None:
        values += [*t.column_totals.values(), t.grand_total]
    return values


def test_a_total_hidden_in_one_gap_table_is_hidden_in_all() -> None:
    # Five young people with the same gap, each in a different cohort overlap:
    # by overlap the row is all ones, so its total must go; by area it is 5.
    overlaps = [(), ("send",), ("care-leavers",), ("adult-social-care",), ("send", "care-leavers")]
    people = [
        summary(cohorts=cohorts, area="leicester", gaps=(("pathway-plan-missing", 10),))
        for cohorts in overlaps
    ] + [summary(cohorts=("send",), area="leicester")] * 20
    result = aggregate(people, as_of=AS_OF)
    by_overlap = result.tables["gaps-by-cohort-overlap"]
    assert by_overlap.row_totals["pathway-plan-missing"] == "<5"
    by_area = result.tables["gaps-by-area"]
    assert by_area.row_totals["pathway-plan-missing"] == "<5"  # 5 on its own, but linked
    assert by_area.cells["pathway-plan-missing"]["leicester"] == "<5"
    assert result.gaps["pathway-plan-missing"] == "<5"
    _check_linked_families(result)


def test_no_record_level_field_in_a_summary() -> None:
    fields = set(PersonSummary.__dataclass_fields__)
    assert not fields & {"id", "person_id", "date_of_birth"}


def test_an_empty_population_publishes_zeros() -> None:
    result = aggregate([], as_of=AS_OF, gap_rules=RULES)
    assert result.young_people == 0
    assert result.gaps == dict.fromkeys(RULES, 0)
    assert all(v == 0 for row in result.forecast.values() for v in row.values())
    assert all(share is None for share in result.gap_shares.values())


# --- differencing: two runs on N and N + 1 young people (issue 13, point 7b) -------------


def _run_with(extra: list[PersonSummary], disclosure: DisclosureSettings) -> PopulationResult:
    rules = ("late-transition-planning", "pathway-plan-missing", "transition-assessment-overdue")
    people = [
        summary(gaps=tuple((rule, 40) for k, rule in enumerate(rules) if i < (40, 31, 20)[k]))
        for i in range(60)
    ]
    return aggregate(people + extra, as_of=AS_OF, settings=disclosure, gap_rules=RULES)


def test_rounding_keeps_an_added_young_person_s_gaps_from_showing() -> None:
    newcomer = summary(gaps=(("late-transition-planning", 40), ("pathway-plan-missing", 40)))
    plain = DisclosureSettings()
    before, after = _run_with([], plain), _run_with([newcomer], plain)
    revealed = {rule for rule in RULES if after.gaps[rule] != before.gaps[rule]}
    assert revealed == {"late-transition-planning", "pathway-plan-missing"}  # every gap shows
    rounded = DisclosureSettings(rounding="base5")
    before, after = _run_with([], rounded), _run_with([newcomer], rounded)
    assert before.gaps == after.gaps == {
        "late-transition-planning": 40, "pathway-plan-missing": 30,
        "transition-assessment-overdue": 20,
    }  # fmt: skip
    assert before.tables == after.tables  # nothing at all tells the two runs apart
    assert before.young_people == after.young_people == 60
    assert any("rounded to the nearest multiple of 5" in note for note in after.notes)


@given(st.integers(0, 500), st.sampled_from([3, 5, 10]))
def test_one_more_young_person_moves_a_rounded_count_only_across_a_boundary(
    count: int, base: int
) -> None:
    rounded, one_more = round_count(count, base), round_count(count + 1, base)
    assert rounded % base == 0 and abs(rounded - count) <= base // 2
    # The count changes its published value only when it sits just below a halfway point:
    # one time in `base`, so an unchanged figure says nothing about the added young person.
    assert (one_more != rounded) == ((count + 1) % base == (base + 1) // 2)


def test_rounding_applies_to_every_published_count() -> None:
    rng = random.Random(5)
    people = [random_summary(rng) for _ in range(300)]
    rounded = DisclosureSettings(rounding="base5")
    result = aggregate(people, as_of=AS_OF, settings=rounded, gap_rules=RULES)
    numbers = [v for v in _published_numbers(result) if isinstance(v, int)]
    assert numbers and all(v % 5 == 0 for v in numbers)
    hidden = aggregate(people, as_of=AS_OF, gap_rules=RULES)
    for name, t in result.tables.items():  # the same cells hidden as without rounding
        assert [isinstance(v, str) for v in _flat(t)] == [
            isinstance(v, str) for v in _flat(hidden.tables[name])
        ]

"""Disclosure control: no small count is published and no hidden cell can be worked out."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from roadmaps.population._disclosure import (
    DisclosureSettings,
    Published,
    SuppressedTable2D,
    _Network,
    determined_cells,
    feasible_ranges,
    is_suppressed,
    narrowed_cells,
    share,
    suppress_count,
    suppress_table_1d,
    suppress_table_2d,
)
from roadmaps.population._tally import table_equations

DEFAULT = DisclosureSettings()

# Counts skewed towards the small ones, where suppression has work to do.
counts = st.one_of(st.integers(0, 6), st.integers(0, 60))
thresholds = st.sampled_from([3, 5, 10])


# --- settings and single counts ----------------------------------------------------------


def test_default_settings_follow_official_statistics_practice() -> None:
    assert DEFAULT.threshold == 5
    assert DEFAULT.method == "primary+secondary"
    assert DEFAULT.placeholder == "<5"
    assert DisclosureSettings(threshold=10).placeholder == "<10"
    assert DisclosureSettings(placeholder="[c]").placeholder == "[c]"


def test_settings_are_frozen_and_strict() -> None:
    with pytest.raises(ValidationError):
        DisclosureSettings(rounding="base7")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        DisclosureSettings(threshold=0)
    with pytest.raises(ValidationError):
        DisclosureSettings(method="tertiary")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        DisclosureSettings(colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        DEFAULT.threshold = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("count", "published"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (1000, 1000)]
)
def test_suppress_count(count: int, published: Published) -> None:
    assert suppress_count(count) == published


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_counts_must_be_whole_numbers(bad: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        suppress_count(bad)  # type: ignore[arg-type]


def test_rounding_is_off_unless_chosen_and_rounds_every_shown_count() -> None:
    assert DEFAULT.rounding == "none" and DEFAULT.rounding_base == 1
    base5 = DisclosureSettings(rounding="base5")
    assert [suppress_count(n, base5) for n in (0, 3, 5, 7, 8, 1002)] == [0, "<5", 5, 5, 10, 1000]
    table = suppress_table_1d({"a": 3, "b": 11, "c": 22, "d": 48}, base5)
    assert table.cells == {"a": "<5", "b": "<5", "c": 20, "d": 50}
    assert table.total == 85  # 84, rounded on its own: the parts need not add up


def test_share_uses_published_counts_only() -> None:
    assert share(10, 40) == 0.25
    assert share("<5", 40) is None
    assert share(10, "<5") is None
    assert share(0, 0) is None
    assert share(0, 12) == 0.0
    assert is_suppressed("<5") and not is_suppressed(0)


# --- one-way tables ----------------------------------------------------------------------


def test_1d_hides_a_second_cell_so_the_total_gives_nothing_away() -> None:
    table = suppress_table_1d({"a": 3, "b": 10, "c": 20})
    assert table.cells == {"a": "<5", "b": "<5", "c": 20}
    assert table.total == 33


def test_1d_ties_go_to_the_first_cell() -> None:
    table = suppress_table_1d({"a": 9, "b": 2, "c": 9})
    assert table.cells == {"a": "<5", "b": "<5", "c": 9}


def test_1d_zeros_are_published_and_never_hidden() -> None:
    table = suppress_table_1d({"a": 0, "b": 3, "c": 0, "d": 7})
    assert table.cells == {"a": 0, "b": "<5", "c": 0, "d": "<5"}
    assert table.total == 10


def test_1d_hides_the_total_when_no_other_cell_can_protect() -> None:
    table = suppress_table_1d({"a": 0, "b": 3, "c": 0})
    assert table.cells == {"a": 0, "b": "<5", "c": 0}
    assert table.total == "<5"  # 3 is itself small
    table = suppress_table_1d({"a": 2, "b": 0, "c": 40, "d": 0})
    assert table.cells == {"a": "<5", "b": 0, "c": "<5", "d": 0}
    assert table.total == 42


def test_1d_two_hidden_ones_are_not_enough() -> None:
    # 1 + 1 = 2 with zeros never hidden would give both away: hide one more.
    table = suppress_table_1d({"a": 1, "b": 1, "c": 50, "d": 60})
    assert table.cells == {"a": "<5", "b": "<5", "c": "<5", "d": 60}


def test_primary_method_hides_only_small_counts() -> None:
    primary = DisclosureSettings(method="primary")
    table = suppress_table_1d({"a": 3, "b": 10, "c": 20}, primary)
    assert table.cells == {"a": "<5", "b": 10, "c": 20}
    assert table.total == 33


def test_empty_table() -> None:
    table = suppress_table_1d({})
    assert table.cells == {} and table.total == 0


# --- two-way tables ----------------------------------------------------------------------


def test_2d_example() -> None:
    table = suppress_table_2d(
        {
            "14-15": {"gap-a": 2, "gap-b": 30, "gap-c": 40},
            "16-17": {"gap-a": 20, "gap-b": 31, "gap-c": 50},
        }
    )
    assert table.cells == {
        "14-15": {"gap-a": "<5", "gap-b": "<5", "gap-c": 40},
        "16-17": {"gap-a": "<5", "gap-b": "<5", "gap-c": 50},
    }
    assert table.row_totals == {"14-15": 72, "16-17": 101}
    assert table.column_totals == {"gap-a": 22, "gap-b": 61, "gap-c": 90}
    assert table.grand_total == 173
    _assert_protected(table, DEFAULT)


def test_2d_missing_cells_count_as_zero_and_columns_can_be_given() -> None:
    table = suppress_table_2d({"x": {"a": 10}, "y": {"b": 12}}, columns=["b", "a"])
    assert table.columns == ("b", "a")
    assert table.cells == {"x": {"b": 0, "a": 10}, "y": {"b": 12, "a": 0}}
    with pytest.raises(ValueError, match="not listed"):
        suppress_table_2d({"x": {"a": 1, "z": 2}}, columns=["a"])


def test_2d_breaks_a_cell_that_rows_and_columns_together_pin_down() -> None:
    # Two blocks of small cells joined by one cell: each row and column has two
    # or more hidden cells, yet the joining cell follows from the equations.
    counts = {
        "r1": {"c1": 1, "c2": 2, "c3": 0, "c4": 0, "c5": 50},
        "r2": {"c1": 2, "c2": 1, "c3": 3, "c4": 0, "c5": 50},
        "r3": {"c1": 0, "c2": 0, "c3": 2, "c4": 1, "c5": 50},
        "r4": {"c1": 0, "c2": 0, "c3": 1, "c4": 2, "c5": 50},
        "r5": {"c1": 60, "c2": 60, "c3": 60, "c4": 60, "c5": 60},
    }
    table = suppress_table_2d(counts)
    _assert_protected(table, DEFAULT)


# --- properties ----------------------------------------------------------------------------


@st.composite
def two_way_tables(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    return {f"r{i}": {f"c{j}": draw(counts) for j in range(n_cols)} for i in range(n_rows)}


@given(st.lists(counts, max_size=8), thresholds)
@settings(max_examples=200, deadline=None)
def test_1d_properties(values: list[int], threshold: int) -> None:
    config = DisclosureSettings(threshold=threshold)
    table = suppress_table_1d({f"k{i}": v for i, v in enumerate(values)}, config)
    published = [*table.cells.values(), table.total]
    assert not any(isinstance(v, int) and 0 < v < threshold for v in published)
    hidden = [isinstance(v, str) for v in published]
    full = [*values, sum(values)]
    equations = [(len(values), tuple(range(len(values))))]
    assert _recoverable(full, hidden, equations) == []
    assert table == suppress_table_1d({f"k{i}": v for i, v in enumerate(values)}, config)


@given(two_way_tables(), thresholds)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_2d_properties(counts: dict[str, dict[str, int]], threshold: int) -> None:
    config = DisclosureSettings(threshold=threshold)
    table = suppress_table_2d(counts, config)
    _assert_protected(table, config, counts)
    assert table == suppress_table_2d(counts, config)  # deterministic


@given(two_way_tables())
@settings(max_examples=50, deadline=None)
def test_2d_primary_only_hides_small_counts(counts: dict[str, dict[str, int]]) -> None:
    table = suppress_table_2d(counts, DisclosureSettings(method="primary"))
    for row, cells in counts.items():
        for column, value in cells.items():
            assert table.cells[row][column] == suppress_count(value)


# --- the independent checker -----------------------------------------------------------


def _flatten(
    table: SuppressedTable2D[str, str], counts: dict[str, dict[str, int]] | None
) -> tuple[list[int] | None, list[bool], list[tuple[int, tuple[int, ...]]]]:
    """The table as a flat list (cells, row totals, column totals, grand total) with equations."""
    rows, columns = table.rows, table.columns
    published: list[Published] = [table.cells[r][c] for r in rows for c in columns]
    published += [table.row_totals[r] for r in rows]
    published += [table.column_totals[c] for c in columns]
    published.append(table.grand_total)
    truth = None
    if counts is not None:
        cells = [counts[r].get(c, 0) for r in rows for c in columns]
        row_totals = [sum(counts[r].get(c, 0) for c in columns) for r in rows]
        column_totals = [sum(counts[r].get(c, 0) for r in rows) for c in columns]
        truth = cells + row_totals + column_totals + [sum(row_totals)]
        for value, shown in zip(truth, published, strict=True):
            assert shown == value or isinstance(shown, str)
    n_rows, n_cols = len(rows), len(columns)
    row_at, column_at = n_rows * n_cols, n_rows * n_cols + n_rows
    grand_at = column_at + n_cols
    equations = [(row_at + i, tuple(i * n_cols + j for j in range(n_cols))) for i in range(n_rows)]
    equations += [
        (column_at + j, tuple(i * n_cols + j for i in range(n_rows))) for j in range(n_cols)
    ]
    equations.append((grand_at, tuple(range(row_at, column_at))))
    equations.append((grand_at, tuple(range(column_at, grand_at))))
    return truth, [isinstance(v, str) for v in published], equations


def _assert_protected(
    table: SuppressedTable2D[str, str],
    config: DisclosureSettings,
    counts: dict[str, dict[str, int]] | None = None,
) -> None:
    truth, hidden, equations = _flatten(table, counts)
    published = [*(v for r in table.rows for v in table.cells[r].values())]
    published += [*table.row_totals.values(), *table.column_totals.values(), table.grand_total]
    # (a) no small count is published
    assert not any(isinstance(v, int) and 0 < v < config.threshold for v in published)
    # (b) no row or column has exactly one hidden member
    for total, parts in equations:
        assert sum(hidden[i] for i in (total, *parts)) != 1
    # (b, stronger) no hidden cell can be worked out from the published values
    if truth is not None:
        assert _recoverable(truth, hidden, equations) == []
    assert _linearly_determined(hidden, equations) == []


def _recoverable(
    values: list[int], hidden: list[bool], equations: list[tuple[int, tuple[int, ...]]]
) -> list[int]:
    """Hidden cells an attacker gets from one equation at a time.

    Knowing the method, an attacker knows hidden cells are at least 1 (zeros are
    published). From "total = sum of parts" with the total published, the hidden
    parts add up to total - published parts; one hidden part is then known, and
    so are several whose sum equals their number (all ones). With the total
    hidden and every part published, the total is their sum.
    """
    found = []
    for total, parts in equations:
        hidden_parts = [p for p in parts if hidden[p]]
        if hidden[total]:
            if not hidden_parts:
                found.append(total)
            continue
        remainder = values[total] - sum(values[p] for p in parts if not hidden[p])
        if len(hidden_parts) == 1 or (hidden_parts and remainder == len(hidden_parts)):
            found += hidden_parts
    return sorted(set(found))


def _rank(rows: list[list[Fraction]]) -> int:
    matrix = [row[:] for row in rows]
    rank = 0
    n_cols = len(matrix[0]) if matrix else 0
    for col in range(n_cols):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col] != 0:
                factor = matrix[r][col] / matrix[rank][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def _linearly_determined(
    hidden: list[bool], equations: list[tuple[int, tuple[int, ...]]]
) -> list[int]:
    """Hidden cells fixed by all the equations together: adding the cell's unit
    vector to the system of equations (in the hidden cells) leaves its rank unchanged."""
    unknowns = [i for i, h in enumerate(hidden) if h]
    position = {cell: k for k, cell in enumerate(unknowns)}
    system = []
    for total, parts in equations:
        row = [Fraction(0)] * len(unknowns)
        for cell, sign in ((total, 1), *((p, -1) for p in parts)):
            if hidden[cell]:
                row[position[cell]] += sign
        system.append(row)
    base = _rank(system)
    determined = []
    for cell, k in position.items():
        unit = [Fraction(int(i == k)) for i in range(len(unknowns))]
        if _rank([*system, unit]) == base:
            determined.append(cell)
    return determined


# --- the attacker: solving the published table (issue 13) ---------------------------------
#
# An attacker who knows the method knows every published value, the sums, and that a hidden
# value is a whole number of at least 1 (zeros are published). The solver below is written
# independently of the library's flow-network bounds: it searches whole-number tables by
# bounds propagation and branching, and so checks them.

Equations = list[tuple[int, tuple[int, ...]]]


def _propagate(domains: list[list[int]], equations: Equations) -> bool:
    """Tighten [low, high] of every value until no sum can tighten it more; False if empty."""
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            low_sum = sum(domains[p][0] for p in parts)
            high_sum = sum(domains[p][1] for p in parts)
            tightened = [(total, low_sum, high_sum)]
            t_low, t_high = domains[total]
            for p in parts:
                p_low, p_high = domains[p]
                tightened.append(
                    (p, t_low - (high_sum - p_high), t_high - (low_sum - p_low))
                )
            for index, low, high in tightened:
                old_low, old_high = domains[index]
                new_low, new_high = max(old_low, low), min(old_high, high)
                if new_low > new_high:
                    return False
                if (new_low, new_high) != (old_low, old_high):
                    domains[index] = [new_low, new_high]
                    changed = True
    return True


def _solvable(domains: list[list[int]], equations: Equations) -> bool:
    """Whether whole numbers within ``domains`` satisfy every sum (propagate, then split)."""
    domains = [d[:] for d in domains]
    if not _propagate(domains, equations):
        return False
    open_ = [i for i, (low, high) in enumerate(domains) if low < high]
    if not open_:
        return True
    i = min(open_, key=lambda k: domains[k][1] - domains[k][0])
    low, high = domains[i]
    middle = (low + high) // 2
    for part in ([low, middle], [middle + 1, high]):
        trial = [d[:] for d in domains]
        trial[i] = part
        if _solvable(trial, equations):
            return True
    return False


def attacker_values(
    truth: list[int], hidden: list[bool], equations: Equations, cell: int, radius: int
) -> set[int]:
    """The values of hidden ``cell`` within ``radius`` of the truth that fit the published table."""
    ceiling = 3 * sum(truth) + 10 * radius + 10  # far above any value a nearby table needs
    domains = [[1, ceiling] if h else [v, v] for v, h in zip(truth, hidden, strict=True)]
    fits = set()
    for value in range(max(1, truth[cell] - radius), truth[cell] + radius + 1):
        trial = [d[:] for d in domains]
        trial[cell] = [value, value]
        if _solvable(trial, equations):
            fits.add(value)
    return fits


def assert_attacker_cannot_narrow(
    truth: list[int], hidden: list[bool], equations: Equations, threshold: int
) -> None:
    """Every hidden value keeps at least ``threshold`` possible values (issue 13, point 7a)."""
    for cell, is_hidden in enumerate(hidden):
        if is_hidden:
            fits = attacker_values(truth, hidden, equations, cell, threshold - 1)
            assert truth[cell] in fits
            assert len(fits) >= threshold, (cell, truth[cell], sorted(fits))


def _grid_truth(counts: dict[str, dict[str, int]], table: SuppressedTable2D[str, str]) -> list[int]:
    rows, columns = table.rows, table.columns
    cells = [counts[r].get(c, 0) for r in rows for c in columns]
    row_totals = [sum(counts[r].get(c, 0) for c in columns) for r in rows]
    column_totals = [sum(counts[r].get(c, 0) for r in rows) for c in columns]
    return cells + row_totals + column_totals + [sum(row_totals)]


def _grid_hidden(table: SuppressedTable2D[str, str]) -> list[bool]:
    published: list[Published] = [table.cells[r][c] for r in table.rows for c in table.columns]
    published += [*table.row_totals.values(), *table.column_totals.values(), table.grand_total]
    return [isinstance(v, str) for v in published]


def test_the_whole_table_that_row_totals_gave_away_is_now_protected() -> None:
    # Before issue 13 this table was published with 7 values hidden, and every one of them
    # followed from the rest: the grand total leaves 3 for rows r0 and r2, each hidden value is
    # at least 1 and row r0 has two hidden cells, so r0 = 2 (1 and 1) and r2 = 1; then 8 and 5.
    counts = {"r0": {"c0": 1, "c1": 1}, "r1": {"c0": 8, "c1": 5}, "r2": {"c0": 1, "c1": 0}}
    table = suppress_table_2d(counts)
    truth, hidden = _grid_truth(counts, table), _grid_hidden(table)
    _, equations = table_equations(3, 2, "grid")
    assert_attacker_cannot_narrow(truth, hidden, equations, 5)
    assert all((high is None or high - low >= 4) for low, high in
               feasible_ranges(truth, equations, hidden).values())  # fmt: skip


def test_two_small_cells_are_not_left_narrowed_to_two_values() -> None:
    # 1 and 2 hidden beside a published total: they add up to 3, so each is 1 or 2.
    table = suppress_table_1d({"a": 1, "b": 2, "c": 50, "d": 60})
    assert table.cells == {"a": "<5", "b": "<5", "c": "<5", "d": 60}
    assert table.total == 113


@given(st.lists(counts, max_size=6), thresholds)
@settings(max_examples=120, deadline=None)
def test_an_attacker_cannot_narrow_a_hidden_value_of_a_1d_table(
    values: list[int], threshold: int
) -> None:
    config = DisclosureSettings(threshold=threshold)
    table = suppress_table_1d({f"k{i}": v for i, v in enumerate(values)}, config)
    truth = [*values, sum(values)]
    hidden = [isinstance(v, str) for v in (*table.cells.values(), table.total)]
    assert_attacker_cannot_narrow(truth, hidden, [(len(values), tuple(range(len(values))))], threshold)


@st.composite
def small_grids(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    n_rows = draw(st.integers(1, 4))
    n_cols = draw(st.integers(1, 4))
    cell = st.one_of(st.integers(0, 6), st.integers(0, 30))
    return {f"r{i}": {f"c{j}": draw(cell) for j in range(n_cols)} for i in range(n_rows)}


@given(small_grids(), thresholds)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_an_attacker_cannot_narrow_a_hidden_value_of_a_2d_table(
    counts: dict[str, dict[str, int]], threshold: int
) -> None:
    config = DisclosureSettings(threshold=threshold)
    table = suppress_table_2d(counts, config)
    truth, hidden = _grid_truth(counts, table), _grid_hidden(table)
    _, equations = table_equations(len(table.rows), len(table.columns), "grid")
    assert_attacker_cannot_narrow(truth, hidden, equations, threshold)


@st.composite
def masked_tables(draw: st.DrawFn) -> tuple[list[int], list[bool], Equations]:
    """A small grid or table of rows with any values hidden (zeros stay published)."""
    kind = draw(st.sampled_from(["grid", "rows"]))
    n_rows, n_cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    _, equations = table_equations(n_rows, n_cols, kind)
    cells = [draw(st.integers(0, 9)) for _ in range(n_rows * n_cols)]
    truth = cells + [sum(cells[i * n_cols : (i + 1) * n_cols]) for i in range(n_rows)]
    if kind == "grid":
        truth += [sum(cells[i * n_cols + j] for i in range(n_rows)) for j in range(n_cols)]
        truth.append(sum(cells))
    hidden = [v > 0 and draw(st.booleans()) for v in truth]
    return truth, hidden, equations


@given(masked_tables())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_feasible_ranges_are_exactly_what_an_attacker_finds(
    table: tuple[list[int], list[bool], Equations],
) -> None:
    truth, hidden, equations = table
    radius = 6
    ranges = feasible_ranges(truth, equations, hidden)
    assert set(ranges) == {i for i, h in enumerate(hidden) if h}
    for cell, (low, high) in ranges.items():
        window = range(max(1, truth[cell] - radius), truth[cell] + radius + 1)
        expected = {v for v in window if low <= v and (high is None or v <= high)}
        assert attacker_values(truth, hidden, equations, cell, radius) == expected, cell
    width = {c: (radius if high is None else high - low) for c, (low, high) in ranges.items()}
    for threshold in (2, 3, 5):
        assert narrowed_cells(truth, equations, hidden, threshold) == sorted(
            c for c, w in width.items() if w < threshold - 1
        )


@given(masked_tables())
@settings(max_examples=200, deadline=None)
def test_the_fast_determined_check_agrees_with_linear_algebra(
    table: tuple[list[int], list[bool], Equations],
) -> None:
    truth, hidden, equations = table
    network = _Network(truth, equations, hidden)
    assert network.determined() == sorted(determined_cells(equations, hidden, len(truth)))

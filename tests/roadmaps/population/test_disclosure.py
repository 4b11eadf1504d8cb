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
    is_suppressed,
    share,
    suppress_count,
    suppress_table_1d,
    suppress_table_2d,
)

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

"""Disclosure control for published counts: primary and secondary suppression.

Population reports go to boards and are often published, so a small count
must never let a reader pick out a child. The rules follow common practice in
official statistics: the Department for Education (DfE) and the Office for
National Statistics (ONS) publish counts of 1 to 4 as ``<5`` (the threshold
is 5) and keep a true zero as ``0``, and they add *secondary* suppression so
that a hidden cell cannot be worked out by subtracting the published cells of
its row or column from the published total.

What is suppressed, in order:

1. **Primary.** Every count (cells and totals alike) from 1 to ``threshold - 1``.
2. **Secondary** (method ``"primary+secondary"``, the default). A table is a
   set of equations "total = sum of parts". An equation lets a reader recover
   a hidden cell when

   * exactly one of its members (parts or total) is hidden, or
   * its total is published and every hidden part must be 1 (the hidden parts
     add up to as many as there are hidden parts: zeros are never hidden, so
     each hidden part is at least 1).

   Such an equation gets one more hidden cell: the smallest non-zero published
   part (ties go to the first by position); the total only when no part is
   left. This repeats until no equation leaks. Finally the table is checked as
   a whole system of equations (rows and columns together can pin down a cell
   that no single row or column does); any cell the system still determines
   gets a neighbour hidden the same way, and the loop runs again.

Rates and shares are built from published counts only (:func:`share`).

>>> settings = DisclosureSettings()
>>> suppress_count(3, settings)
'<5'
>>> table = suppress_table_1d({"a": 3, "b": 10, "c": 20}, settings)
>>> table.cells, table.total
({'a': '<5', 'b': '<5', 'c': 20}, 33)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

SuppressionMethod = Literal["primary+secondary", "primary"]
Published = int | str
"""A published count: the number itself, or the placeholder (``"<5"``) when suppressed."""

R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)
K = TypeVar("K", bound=Hashable)


class DisclosureSettings(BaseModel):
    """How counts are protected before they are published.

    Attributes:
        threshold: counts from 1 to ``threshold - 1`` are hidden; 0 is shown.
            Default 5, the common practice of DfE and ONS official statistics.
        method: ``"primary+secondary"`` (default) also hides the cells needed
            to stop a hidden cell being recovered from totals; ``"primary"``
            hides only the small counts themselves.
        placeholder: the text shown instead of a hidden count; by default
            ``"<threshold"``, e.g. ``"<5"``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: int = Field(default=5, ge=1)
    method: SuppressionMethod = "primary+secondary"
    placeholder: str = ""

    @model_validator(mode="after")
    def _default_placeholder(self) -> DisclosureSettings:
        if not self.placeholder:
            # Frozen model: set the derived default once, at validation time.
            object.__setattr__(self, "placeholder", f"<{self.threshold}")
        return self

    def is_small(self, count: int) -> bool:
        """True for a count that primary suppression hides (1 to threshold - 1)."""
        return 0 < count < self.threshold


DEFAULT_SETTINGS = DisclosureSettings()


def _check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"a count must be a whole number of at least 0 (got {count!r})")
    return count


def suppress_count(count: int, settings: DisclosureSettings = DEFAULT_SETTINGS) -> Published:
    """Primary suppression of one count that is published on its own.

    >>> suppress_count(0), suppress_count(4), suppress_count(5)
    (0, '<5', 5)
    """
    _check_count(count)
    return settings.placeholder if settings.is_small(count) else count


def is_suppressed(value: Published) -> bool:
    """True when a published value is a placeholder rather than a count."""
    return isinstance(value, str)


def share(numerator: Published, denominator: Published) -> float | None:
    """The share ``numerator / denominator`` built only from published counts.

    Returns None when either count is suppressed or the denominator is 0: a
    rate from a hidden count could give the count away.

    >>> share(10, 40), share("<5", 40), share(3, 0)
    (0.25, None, None)
    """
    if isinstance(numerator, str) or isinstance(denominator, str) or denominator == 0:
        return None
    return numerator / denominator


@dataclass(frozen=True, slots=True)
class SuppressedTable1D(Generic[K]):
    """A one-way table after suppression: ``cells`` in input order and their ``total``."""

    cells: dict[K, Published]
    total: Published


@dataclass(frozen=True, slots=True)
class SuppressedTable2D(Generic[R, C]):
    """A two-way table after suppression, with its margins.

    Attributes:
        rows: row labels in order.
        columns: column labels in order.
        cells: ``cells[row][column]``.
        row_totals: ``row_totals[row]`` (the sum across the columns).
        column_totals: ``column_totals[column]`` (the sum down the rows).
        grand_total: the sum of every cell.
    """

    rows: tuple[R, ...]
    columns: tuple[C, ...]
    cells: dict[R, dict[C, Published]]
    row_totals: dict[R, Published]
    column_totals: dict[C, Published]
    grand_total: Published


def suppress_table_1d(
    counts: Mapping[K, int], settings: DisclosureSettings = DEFAULT_SETTINGS
) -> SuppressedTable1D[K]:
    """Suppress a one-way table whose total is the sum of its cells.

    Use this only for additive tables (each young person in exactly one cell).
    For counts that overlap, such as gap counts where one young person can have
    several gaps, there is no total to subtract from: use :func:`suppress_count`.

    >>> suppress_table_1d({"a": 0, "b": 2, "c": 9}).cells
    {'a': 0, 'b': '<5', 'c': '<5'}
    """
    labels = list(counts)
    values = [_check_count(counts[k]) for k in labels]
    values.append(sum(values))
    total_index = len(labels)
    equations = [(total_index, tuple(range(len(labels))))]
    hidden = _suppress(values, equations, total_index, settings)
    out = [settings.placeholder if h else v for v, h in zip(values, hidden, strict=True)]
    return SuppressedTable1D(cells=dict(zip(labels, out, strict=False)), total=out[total_index])


def suppress_table_2d(
    counts: Mapping[R, Mapping[C, int]],
    settings: DisclosureSettings = DEFAULT_SETTINGS,
    *,
    columns: Sequence[C] | None = None,
) -> SuppressedTable2D[R, C]:
    """Suppress a two-way table with row totals, column totals and a grand total.

    Args:
        counts: ``counts[row][column]``; a missing cell counts as 0. Rows keep
            the mapping's order, which also breaks ties, so pass them sorted
            for a result that does not depend on how they were collected.
        settings: the threshold, method and placeholder.
        columns: the column labels in order; by default every column seen,
            in order of first appearance.

    >>> t = suppress_table_2d({"x": {"a": 2, "b": 10}, "y": {"a": 8, "b": 12}})
    >>> t.cells
    {'x': {'a': '<5', 'b': '<5'}, 'y': {'a': '<5', 'b': '<5'}}
    >>> t.row_totals, t.column_totals, t.grand_total
    ({'x': 12, 'y': 20}, {'a': 10, 'b': 22}, 32)
    """
    rows = tuple(counts)
    if columns is None:
        seen: dict[C, None] = {}
        for row in rows:
            seen.update(dict.fromkeys(counts[row]))
        columns = tuple(seen)
    else:
        columns = tuple(columns)
        for row in rows:
            unknown = set(counts[row]) - set(columns)
            if unknown:
                raise ValueError(
                    f"row {row!r} has columns not listed: {sorted(map(repr, unknown))}"
                )
    n_rows, n_cols = len(rows), len(columns)
    # Layout of the flat value list: the cells row by row, then the row
    # totals, then the column totals, then the grand total.
    values = [_check_count(counts[r].get(c, 0)) for r in rows for c in columns]
    row_total_at = len(values)
    values += [sum(values[i * n_cols : (i + 1) * n_cols]) for i in range(n_rows)]
    column_total_at = len(values)
    values += [sum(values[i * n_cols + j] for i in range(n_rows)) for j in range(n_cols)]
    grand_at = len(values)
    values.append(sum(values[row_total_at:column_total_at]))

    equations: list[tuple[int, tuple[int, ...]]] = []
    for i in range(n_rows):
        equations.append((row_total_at + i, tuple(i * n_cols + j for j in range(n_cols))))
    for j in range(n_cols):
        equations.append((column_total_at + j, tuple(i * n_cols + j for i in range(n_rows))))
    equations.append((grand_at, tuple(range(row_total_at, column_total_at))))
    equations.append((grand_at, tuple(range(column_total_at, grand_at))))

    hidden = _suppress(values, equations, row_total_at, settings)
    out = [settings.placeholder if h else v for v, h in zip(values, hidden, strict=True)]
    return SuppressedTable2D(
        rows=rows,
        columns=columns,
        cells={
            r: {c: out[i * n_cols + j] for j, c in enumerate(columns)} for i, r in enumerate(rows)
        },
        row_totals={r: out[row_total_at + i] for i, r in enumerate(rows)},
        column_totals={c: out[column_total_at + j] for j, c in enumerate(columns)},
        grand_total=out[grand_at],
    )


# --- the algorithm -----------------------------------------------------------------


def _suppress(
    values: list[int],
    equations: list[tuple[int, tuple[int, ...]]],
    first_total: int,
    settings: DisclosureSettings,
) -> list[bool]:
    """The hidden mask for ``values`` under ``equations`` (total index, part indexes).

    Indexes below ``first_total`` are interior cells, the rest are totals,
    which are hidden only when nothing else will do.
    """
    hidden = [settings.is_small(v) for v in values]
    if settings.method == "primary":
        return hidden
    while True:
        _close_equations(values, equations, first_total, hidden)
        determined = determined_cells(equations, hidden, len(values))
        if not determined:
            return hidden
        cell = min(determined)
        neighbours = {
            i for total, parts in equations if cell in (total, *parts) for i in (total, *parts)
        }
        choice = _smallest_published(values, hidden, neighbours, first_total)
        if choice is None:  # every neighbour is hidden or zero: widen to the whole table
            choice = _smallest_published(values, hidden, range(len(values)), first_total)
        if choice is None:  # pragma: no cover - every non-zero value is hidden; cannot happen
            return hidden
        hidden[choice] = True


def _close_equations(
    values: list[int],
    equations: list[tuple[int, tuple[int, ...]]],
    first_total: int,
    hidden: list[bool],
) -> None:
    """Hide cells until no single equation leaks a hidden cell (see module docs)."""
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            if not _equation_leaks(values, total, parts, hidden):
                continue
            choice = _smallest_published(values, hidden, parts, first_total)
            if choice is None and not hidden[total]:
                choice = total
            if choice is None:
                choice = _smallest_published(values, hidden, range(len(values)), first_total)
            if choice is not None:
                hidden[choice] = True
                changed = True


def _equation_leaks(
    values: list[int], total: int, parts: tuple[int, ...], hidden: list[bool]
) -> bool:
    hidden_parts = [p for p in parts if hidden[p]]
    n_hidden = len(hidden_parts) + hidden[total]
    if n_hidden == 1:
        return True
    # Zeros are never hidden, so each hidden part is at least 1: with the total
    # published, hidden parts that add up to their own number must all be 1.
    return not hidden[total] and n_hidden >= 2 and sum(values[p] for p in hidden_parts) == n_hidden


def _smallest_published(
    values: list[int], hidden: list[bool], candidates: Iterable[int], first_total: int
) -> int | None:
    """The published non-zero candidate to hide next: interior cells before totals,
    then the smallest value, then the first position."""
    best: tuple[bool, int, int] | None = None
    for i in candidates:
        if hidden[i] or values[i] == 0:
            continue
        key = (i >= first_total, values[i], i)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def determined_cells(
    equations: Sequence[tuple[int, Sequence[int]]], hidden: Sequence[bool], n_values: int
) -> list[int]:
    """Hidden cells whose exact value follows from the published values.

    Each equation says ``value[total] - sum(value[parts]) = 0``. Moving the
    published values to the right-hand side leaves a linear system in the
    hidden values; a hidden cell is determined when its unit vector lies in
    the row space of that system, i.e. every solution gives it the same value.
    Found by exact (rational) Gaussian elimination: a pivot column whose
    reduced row has no entry in a free column.

    >>> determined_cells([(2, (0, 1))], [True, False, False], 3)
    [0]
    >>> determined_cells([(2, (0, 1))], [True, True, False], 3)
    []
    """
    unknowns = [i for i in range(n_values) if hidden[i]]
    if not unknowns:
        return []
    column = {cell: k for k, cell in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for total, parts in equations:
        row = [Fraction(0)] * len(unknowns)
        if hidden[total]:
            row[column[total]] += 1
        for p in parts:
            if hidden[p]:
                row[column[p]] -= 1
        if any(row):
            matrix.append(row)
    pivots: list[int] = []
    rank = 0
    for col in range(len(unknowns)):
        pivot_row = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot_row is None:
            continue
        matrix[rank], matrix[pivot_row] = matrix[pivot_row], matrix[rank]
        lead = matrix[rank][col]
        matrix[rank] = [x / lead for x in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(col)
        rank += 1
    pivot_set = set(pivots)
    free = [c for c in range(len(unknowns)) if c not in pivot_set]
    return [unknowns[col] for r, col in enumerate(pivots) if all(matrix[r][f] == 0 for f in free)]

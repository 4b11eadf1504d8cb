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
   left. This repeats until no equation leaks. Then the table is checked as
   a whole system of equations (rows and columns together can pin down a cell
   that no single row or column does); any cell the system still determines
   gets a neighbour hidden the same way, and the loop runs again.
3. **Ranges** (issue 13). Equations are not all an attacker has: a hidden
   value is a whole number of at least 1. Solving the table with that (the
   attacker's bounds, :func:`feasible_ranges`), every hidden value must keep
   at least ``threshold`` possible values: its highest minus its lowest is at
   least ``threshold - 1``, or it has no upper bound (:func:`narrowed_cells`).
   While one does not, one more value that shares a sum with it is hidden:
   the smallest non-zero published one that widens it enough on its own
   (interior cells before totals), else the smallest. Hiding a value only
   widens the others, so this ends. The bounds are exact and fast: the sums of
   a table form a flow network, where a range is two maximum flows.

What this does not cover: an attacker who knows more than the published
table (for example the counts of another table that bound these, or which
value the rule above would have picked), and two publications that differ by
a few young people (see ``rounding``).

Rates and shares are built from published counts only (:func:`share`).

>>> settings = DisclosureSettings()
>>> suppress_count(3, settings)
'<5'
>>> table = suppress_table_1d({"a": 3, "b": 10, "c": 20}, settings)
>>> table.cells, table.total
({'a': '<5', 'b': '<5', 'c': 20}, 33)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

SuppressionMethod = Literal["primary+secondary", "primary"]
Rounding = Literal["none", "base3", "base5", "base10"]
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
        rounding: ``"none"`` (default) publishes counts as they are;
            ``"base5"`` (or ``"base3"``, ``"base10"``) rounds every published
            count to the nearest multiple of 5 (3, 10), halves upwards, after
            suppression (:func:`round_count`). Each count is rounded on its
            own, totals included, so a table need not add up. It limits what
            two publications that differ by a few young people reveal
            (see docs/disclosure-control.md).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: int = Field(default=5, ge=1)
    method: SuppressionMethod = "primary+secondary"
    placeholder: str = ""
    rounding: Rounding = "none"

    @model_validator(mode="after")
    def _default_placeholder(self) -> DisclosureSettings:
        if not self.placeholder:
            # Frozen model: set the derived default once, at validation time.
            object.__setattr__(self, "placeholder", f"<{self.threshold}")
        return self

    def is_small(self, count: int) -> bool:
        """True for a count that primary suppression hides (1 to threshold - 1)."""
        return 0 < count < self.threshold

    @property
    def rounding_base(self) -> int:
        """The base published counts are rounded to (1: not rounded).

        >>> DisclosureSettings().rounding_base, DisclosureSettings(rounding="base5").rounding_base
        (1, 5)
        """
        return 1 if self.rounding == "none" else int(self.rounding.removeprefix("base"))

    def publish(self, count: int, hidden: bool) -> Published:
        """How a count is published: the placeholder when hidden, else the (rounded) count.

        >>> DisclosureSettings(rounding="base5").publish(12, False)
        10
        """
        return self.placeholder if hidden else round_count(count, self.rounding_base)


DEFAULT_SETTINGS = DisclosureSettings()


def round_count(count: int, base: int) -> int:
    """``count`` to the nearest multiple of ``base``, halves upwards (base 1: unchanged).

    Every published count is rounded on its own, so a rounded total need not
    equal the sum of its rounded parts. With base 5, a count that grows by one
    changes its rounded value only from 2 to 3 more than a multiple of 5.

    >>> [round_count(n, 5) for n in (0, 2, 3, 7, 8, 12, 13)]
    [0, 0, 5, 5, 10, 10, 15]
    >>> round_count(15, 10), round_count(14, 10), round_count(7, 1)
    (20, 10, 7)
    """
    return (count + base // 2) // base * base


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
    return settings.publish(count, settings.is_small(count))


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
    out = [settings.publish(v, h) for v, h in zip(values, hidden, strict=True)]
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
    out = [settings.publish(v, h) for v, h in zip(values, hidden, strict=True)]
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
    protect(values, equations, first_total, hidden, settings.threshold)
    return hidden


def protect(
    values: Sequence[int],
    equations: Sequence[tuple[int, tuple[int, ...]]],
    first_total: int,
    hidden: list[bool],
    threshold: int,
) -> None:
    """Secondary suppression around the values already hidden, in place (see module docs).

    First the rules that stop a reader solving a sum (one equation at a time,
    then the whole system), then the range rule: while an attacker could
    narrow a hidden value to fewer than ``threshold`` possible values
    (:func:`narrowed_cells`), one more value near it is hidden.
    """
    network = _Network(values, equations, hidden)
    while True:
        _close_equations(values, equations, first_total, hidden)
        network.update(hidden)
        determined = network.determined()
        if not determined:
            break
        cell = determined[0]
        choice = _smallest_published(values, hidden, _neighbours(equations, cell), first_total)
        if choice is None:  # every neighbour is hidden or zero: widen to the whole table
            choice = _smallest_published(values, hidden, range(len(values)), first_total)
        if choice is None:  # pragma: no cover - every non-zero value is hidden; cannot happen
            return
        hidden[choice] = True
    width = threshold - 1
    if width < 1:
        return
    # Hiding a value only ever widens the others' ranges, so a value found wide
    # enough stays so: only the narrow ones, and each newly hidden one, are checked again.
    narrow = deque(c for c, h in enumerate(hidden) if h and network.width(c, width) < width)
    while narrow:
        cell = narrow.popleft()
        if network.width(cell, width) >= width:
            continue
        choice = _widening_choice(network, cell, width, first_total)
        if choice is None:  # pragma: no cover - every non-zero value is hidden: all unbounded
            return
        hidden[choice] = True
        network.hide(choice)
        narrow.appendleft(cell)
        narrow.append(choice)


def _neighbours(equations: Sequence[tuple[int, Sequence[int]]], cell: int) -> set[int]:
    """Every value that shares an equation with ``cell``."""
    return {i for total, parts in equations if cell in (total, *parts) for i in (total, *parts)}


def _widening_choice(network: _Network, cell: int, width: int, first_total: int) -> int | None:
    """The published value to hide so that ``cell``'s range widens.

    The candidates are the published non-zero values that share an equation
    with ``cell`` (interior cells before totals, smallest first, then by
    position); the first that alone gives ``cell`` a wide enough range is
    chosen, otherwise the first candidate (and the loop goes on). With no
    candidate left, the whole table is searched the same way.
    """
    values, hidden = network.values, network.hidden
    for pool in (_neighbours(network.equations, cell), range(len(values))):
        candidates = sorted(
            (i >= first_total, values[i], i) for i in pool if not hidden[i] and values[i] != 0
        )
        for _, _, i in candidates:
            network.hide(i)
            wide = network.width(cell, width) >= width
            network.unhide(i)
            if wide:
                return i
        if candidates:
            return candidates[0][2]
    return None


def _close_equations(
    values: Sequence[int],
    equations: Sequence[tuple[int, tuple[int, ...]]],
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
    values: Sequence[int], total: int, parts: tuple[int, ...], hidden: list[bool]
) -> bool:
    hidden_parts = [p for p in parts if hidden[p]]
    n_hidden = len(hidden_parts) + hidden[total]
    if n_hidden == 1:
        return True
    # Zeros are never hidden, so each hidden part is at least 1: with the total
    # published, hidden parts that add up to their own number must all be 1.
    return not hidden[total] and n_hidden >= 2 and sum(values[p] for p in hidden_parts) == n_hidden


def _smallest_published(
    values: Sequence[int], hidden: list[bool], candidates: Iterable[int], first_total: int
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


# --- how far an attacker can narrow a hidden value ---------------------------------------


def feasible_ranges(
    values: Sequence[int],
    equations: Sequence[tuple[int, Sequence[int]]],
    hidden: Sequence[bool],
) -> dict[int, tuple[int, int | None]]:
    """The range an attacker can work out for each hidden value: (lowest, highest or None).

    The attacker knows every published value, the sums (``equations``), that
    a hidden value is a whole number of at least 1 (zeros are never hidden),
    and nothing else. The range is exact: every whole number in it fits the
    published table. None for the highest means the value has no upper bound.

    >>> feasible_ranges([3, 10, 13], [(2, (0, 1))], [True, True, False])
    {0: (1, 12), 1: (1, 12)}
    >>> feasible_ranges([3, 10, 13], [(2, (0, 1))], [True, False, True])
    {0: (1, None), 2: (11, None)}
    """
    network = _Network(values, equations, hidden)
    ranges: dict[int, tuple[int, int | None]] = {}
    for cell, is_hidden in enumerate(hidden):
        if is_hidden:
            up, down = network.slack(cell, None)
            ranges[cell] = (values[cell] - down, None if up is None else values[cell] + up)
    return ranges


def narrowed_cells(
    values: Sequence[int],
    equations: Sequence[tuple[int, Sequence[int]]],
    hidden: Sequence[bool],
    threshold: int,
) -> list[int]:
    """Hidden values whose :func:`feasible_ranges` holds fewer than ``threshold`` numbers.

    This is the protection criterion of secondary suppression: every hidden
    value must keep at least ``threshold`` possible values (its highest minus
    its lowest at least ``threshold - 1``, or no upper bound).

    >>> narrowed_cells([2, 1, 3, 50], [(3, (0, 1, 2))], [True, True, False, False], 5)
    [0, 1]
    >>> narrowed_cells([2, 5, 3, 10], [(3, (0, 1, 2))], [True, True, False, False], 5)
    []
    """
    network = _Network(values, equations, hidden)
    width = threshold - 1
    return [c for c, h in enumerate(hidden) if h and network.width(c, width) < width]


class _Network:
    """The sums of a table as a flow network, to bound hidden values exactly.

    Each sum "total = parts" is a node where what flows in equals what flows
    out; each value is an arc between the two sums it belongs to (or between
    its one sum and an *outside* node). In the tables published here every
    value belongs to at most two sums, and the sums can be signed so that each
    value flows out of one and into the other (a row sum and a column sum of
    a grid have opposite signs): a grid is the network source -> rows ->
    columns -> sink, with the grand total flowing back.

    A published value is a fixed flow. A hidden value can change, but stays
    at least 1. Raising a hidden value by some amount means sending that
    amount back from its head to its tail through the other hidden arcs: up
    any arc without limit, or down an arc by as much as it has above 1. So
    the most a hidden value can rise (or fall) is a maximum flow, and because
    the network has integer bounds, every whole number in between is
    possible (the attacker's integer problem has the same answer as the
    linear one).

    The network keeps its own copy of which values are hidden (:meth:`hide`,
    :meth:`unhide`).
    """

    def __init__(
        self,
        values: Sequence[int],
        equations: Sequence[tuple[int, Sequence[int]]],
        hidden: Sequence[bool],
    ) -> None:
        self.values = values
        self.lowest = [_lowest(v) for v in values]
        self.equations = equations
        self.hidden = list(hidden)
        memberships: list[list[tuple[int, int]]] = [[] for _ in values]
        for k, (total, parts) in enumerate(equations):
            memberships[total].append((k, 1))
            for p in parts:
                memberships[p].append((k, -1))
        sign = self._signs(len(equations), memberships)
        outside = len(equations)
        self.ends: list[tuple[int, int] | None] = []
        for member in memberships:
            if not member:
                self.ends.append(None)
                continue
            heads = [k for k, role in member if sign[k] * role == 1]
            tails = [k for k, role in member if sign[k] * role == -1]
            self.ends.append((tails[0] if tails else outside, heads[0] if heads else outside))
        # For each node, the hidden values (arcs) that touch it.
        self.adjacency: list[list[int]] = [[] for _ in range(outside + 1)]
        for cell, is_hidden in enumerate(self.hidden):
            if is_hidden:
                self._link(cell)

    @staticmethod
    def _signs(n_equations: int, memberships: Sequence[Sequence[tuple[int, int]]]) -> list[int]:
        """A sign per sum such that a value in two sums flows out of one and into the other."""
        links: list[list[tuple[int, int]]] = [[] for _ in range(n_equations)]
        for member in memberships:
            if len(member) > 2:
                raise ValueError("a value belongs to more than two sums: not a table of counts")
            if len(member) == 2:
                (k1, r1), (k2, r2) = member
                links[k1].append((k2, -r1 * r2))
                links[k2].append((k1, -r1 * r2))
        sign = [0] * n_equations
        for start in range(n_equations):
            if sign[start]:
                continue
            sign[start] = 1
            stack = [start]
            while stack:
                k = stack.pop()
                for other, relation in links[k]:
                    want = sign[k] * relation
                    if sign[other] == 0:
                        sign[other] = want
                        stack.append(other)
                    elif sign[other] != want:
                        raise ValueError("the sums do not form a network: not a table of counts")
        return sign

    def _link(self, cell: int) -> None:
        ends = self.ends[cell]
        if ends is not None:
            self.adjacency[ends[0]].append(cell)
            if ends[1] != ends[0]:
                self.adjacency[ends[1]].append(cell)

    def update(self, hidden: Sequence[bool]) -> None:
        """Hide every value that ``hidden`` hides (values are only ever hidden, never shown)."""
        for cell, is_hidden in enumerate(hidden):
            if is_hidden:
                self.hide(cell)

    def determined(self) -> list[int]:
        """Hidden values that the sums alone fix, in order (the same as :func:`determined_cells`).

        The differences between two solutions of the sums form a circulation
        on the hidden arcs, so a hidden value is fixed exactly when its arc
        lies on no cycle of hidden arcs: when it is a *bridge* of that graph
        (Tarjan's bridge-finding, which takes time linear in the table).
        """
        adjacency, ends = self.adjacency, self.ends
        order = [-1] * len(adjacency)
        low = [0] * len(adjacency)
        counter = 0
        bridges: list[int] = []
        for root, arcs in enumerate(adjacency):
            if order[root] != -1 or not arcs:
                continue
            order[root] = low[root] = counter
            counter += 1
            stack: list[tuple[int, int, Iterator[int]]] = [(root, -1, iter(arcs))]
            while stack:
                node, via, pending = stack[-1]
                for cell in pending:
                    if cell == via:
                        continue
                    tail, head = ends[cell]  # type: ignore[misc]
                    other = head if tail == node else tail
                    if order[other] == -1:
                        order[other] = low[other] = counter
                        counter += 1
                        stack.append((other, cell, iter(adjacency[other])))
                        break
                    low[node] = min(low[node], order[other])
                else:
                    stack.pop()
                    if stack:
                        parent = stack[-1][0]
                        low[parent] = min(low[parent], low[node])
                        if low[node] > order[parent]:
                            bridges.append(via)
        return sorted(bridges)

    def hide(self, cell: int) -> None:
        """Treat ``cell`` as hidden from now on."""
        if not self.hidden[cell]:
            self.hidden[cell] = True
            self._link(cell)

    def unhide(self, cell: int) -> None:
        """Treat ``cell`` as published again."""
        if self.hidden[cell]:
            self.hidden[cell] = False
            ends = self.ends[cell]
            if ends is not None:
                for node in set(ends):
                    self.adjacency[node].remove(cell)

    def width(self, cell: int, cap: int) -> int:
        """The width of hidden ``cell``'s range (highest minus lowest), counted up to ``cap``."""
        up, down = self.slack(cell, cap)
        assert up is not None  # capped
        return up + down

    def slack(self, cell: int, cap: int | None) -> tuple[int | None, int]:
        """How far hidden ``cell`` can rise (None: without limit) and fall; with a ``cap``,
        the two together only up to it."""
        value = self.values[cell]
        room = value - _lowest(value)
        ends = self.ends[cell]
        if ends is None:  # in no sum: anything from 1 up
            return (None, room) if cap is None else (cap, 0)
        tail, head = ends
        up = self._max_flow(head, tail, cell, cap)
        if cap is not None:
            assert up is not None  # a capped flow is a number
            if up >= cap:
                return up, 0
            room = min(room, cap - up)
        down = self._max_flow(tail, head, cell, room)
        return up, room if down is None else down

    def _max_flow(self, source: int, sink: int, skip: int, cap: int | None) -> int | None:
        """The most that can be sent from ``source`` to ``sink`` through the hidden arcs
        other than ``skip``, up to ``cap`` (None: no cap; the answer None means no limit)."""
        if cap == 0:
            return 0
        values = self.values
        change: dict[int, int] = {}
        flow = 0
        while cap is None or flow < cap:
            path = self._augmenting_path(source, sink, skip, change)
            if path is None:
                return flow
            bottleneck: int | None = None
            for cell, forward in path:
                if not forward:
                    room = values[cell] + change.get(cell, 0) - self.lowest[cell]
                    bottleneck = room if bottleneck is None else min(bottleneck, room)
            if bottleneck is None:  # every arc goes forward: no limit
                return cap
            if cap is not None:
                bottleneck = min(bottleneck, cap - flow)
            for cell, forward in path:
                change[cell] = change.get(cell, 0) + (bottleneck if forward else -bottleneck)
            flow += bottleneck
        return flow

    def _augmenting_path(
        self, source: int, sink: int, skip: int, change: Mapping[int, int]
    ) -> list[tuple[int, bool]] | None:
        """A shortest path with room from ``source`` to ``sink``: (arc, forward?) pairs."""
        values, lowest, ends, adjacency = self.values, self.lowest, self.ends, self.adjacency
        came_from: dict[int, tuple[int, int, bool]] = {source: (source, -1, True)}
        queue = [source]
        for node in queue:
            for cell in adjacency[node]:
                if cell == skip:
                    continue
                tail, head = ends[cell]  # type: ignore[misc]
                if tail == node:
                    if head in came_from:
                        continue
                    came_from[head] = (node, cell, True)
                    queue.append(head)
                    reached = head
                elif tail not in came_from and values[cell] + change.get(cell, 0) > lowest[cell]:
                    came_from[tail] = (node, cell, False)
                    queue.append(tail)
                    reached = tail
                else:
                    continue
                if reached == sink:
                    path: list[tuple[int, bool]] = []
                    while reached != source:
                        reached, arc, forward = came_from[reached]
                        path.append((arc, forward))
                    return path
        return None


def _lowest(value: int) -> int:
    """The least a hidden value can be: 1, since zeros are published (0 for a hidden 0)."""
    return min(value, 1)

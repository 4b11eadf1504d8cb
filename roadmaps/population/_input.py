"""Reading a population from the three CSV files that case systems export, as a stream.

The files (issue 4):

``people.csv``
    one row per young person: ``id, date_of_birth, ehcp_issued, ehcp_setting,
    ehcp_setting_end, care_needs_likely, continuing_care``, optionally
    ``primary_need``, ``year_group_offset``, ``ehcp_ceased`` and
    ``ehcp_cease_reason`` (fields of the person file), ``upn`` (kept by an
    import to link returns; not read), and any other columns such as ``area``,
    which are passed on as *extras*.
``episodes.csv``
    one row per looked-after episode: ``id, start, end``, optionally
    ``legal_status``, ``placement`` and ``reason_ended`` (the SSDA903 codes LS,
    PLACE and REC, or for placement and reason the plain words of
    ``cohorts/data/ssda903.yaml``; see docs/data-sources.md).
``events.csv``
    one row per recorded event: ``id, type, date``.

``people.csv`` may also have a ``recorded_events`` column: the event types the
source of the row records at all (``all``, ``none``, or event types separated
by spaces or semicolons). An empty cell keeps the default: every type when an
events file is given, none otherwise. A duty whose completing events the source
never records is then "not recorded", not a gap (``pathways import`` writes
``none`` for the SSDA903 and CIN census, which hold no pathway-plan or
assessment dates, and the request and review types the SEN2 return holds).

An empty cell means "absent". Dates are ``YYYY-MM-DD``. Yes/no cells accept
true/false, yes/no, y/n and 1/0 in any case, and an empty cell means no. An
empty ``ehcp_issued`` means no EHC (Education, Health and Care) plan, and then
``ehcp_setting`` and ``ehcp_setting_end`` must be empty too, and so must
``ehcp_ceased`` (the first day without the plan, not before ``ehcp_issued``)
and ``ehcp_cease_reason`` (one of the person file's cease reasons, only with
``ehcp_ceased``). Column names are matched ignoring case, and cells are
trimmed of surrounding spaces. A completely empty line is not a row. Files may
start with a byte-order mark (as spreadsheet programs write them).

**No row is lost.** Every data row of the three files is either *processed*
(it went into a young person's record) or *rejected* into the
:class:`RejectionLog` with its file, its physical line number (the header is
line 1) and a short reason. A reason never repeats a value from the row, so
``rejected.csv`` can be shared. Hence, over the data rows of all three files::

    rows_in == rows_processed + rows_rejected

What is rejected, and why:

* a people row: wrong number of columns, an empty id or date of birth, a date
  that is not ``YYYY-MM-DD`` or not a real date, an unknown EHC plan setting or
  cease reason, a bad yes/no value, a setting or cessation without an EHC plan
  (or the reverse), a plan ceased before it was issued, a date of birth after
  the as-of date, or a repeated id. For a repeated id the first
  *acceptable* row (by line) is used and every later one is rejected as a
  duplicate; a row rejected for its own faults does not claim the id.
* an episode or event row: wrong number of columns, an empty or bad field, an
  episode that ends before it starts, an unknown legal status, placement or
  reason ended (the reason names the column), a reason ended without an end
  date, an event type outside
  ``known_event_types``, an id that is not in ``people.csv`` at all, or an id
  whose people rows were all rejected ("person row rejected"). A bad episode
  or event row is rejected on its own: the young person is still processed
  with their other rows.

**Sizes.** A row longer than :data:`MAX_ROW_CHARS` characters and an id longer
than :data:`cohorts.MAX_TEXT_CHARS` are rejected rows, as is a field longer
than the :mod:`csv` field limit (131,072 characters: "malformed CSV row"). A young person with more
than :data:`cohorts.MAX_EVENTS` events or :data:`cohorts.MAX_CARE_EPISODES`
care episodes is rejected with all their rows. Whole numbers are ASCII digits
(``'١٢'`` is not 12).

A file that cannot be read, is not UTF-8, has a line longer than
:data:`MAX_LINE_CHARS` characters (``/dev/zero``, a binary file), or lacks a
required column is *unusable*: :class:`pathways.InputError` (the command line
exits 2).

**Streaming.** The files need not be sorted. Each file is read once, in
chunks; each chunk is sorted by id and, when there is more than one chunk,
written to a private temporary folder (``0700``, files ``0600``, every block
encrypted with a key held only in memory) that is deleted at the end, or
when the reader is closed early, fails or is stopped. The sorted
chunks are merged (``heapq.merge``) and the three sorted streams are joined by
id, so memory depends on the chunk size, not on the size of the input. Young
people come out in order of id (text order), with their episodes sorted by
start and their events by date.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import multiprocessing
import operator
import os
import pickle
import re
import shutil
import sys
import time
from array import array
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, NamedTuple, TextIO, TypeVar

from pydantic import ValidationError

from cohorts import (
    CEASE_REASONS,
    EHCP_SETTINGS,
    MAX_CARE_EPISODES,
    MAX_EVENTS,
    MAX_TEXT_CHARS,
    Person,
    care_codes,
    person_from_mapping,
)
from pathways import InputError

from ._files import SpillCipher, open_private, private_spill_folder, reset_stop_signals

T = TypeVar("T")
R = TypeVar("R")

PEOPLE_COLUMNS: tuple[str, ...] = (
    "id",
    "date_of_birth",
    "ehcp_issued",
    "ehcp_setting",
    "ehcp_setting_end",
    "care_needs_likely",
    "continuing_care",
)
"""Required columns of ``people.csv``."""
PEOPLE_PERSON_COLUMNS: tuple[str, ...] = (
    "primary_need",
    "year_group_offset",
    "recorded_events",
    "ehcp_ceased",
    "ehcp_cease_reason",
)
"""Optional columns of ``people.csv`` that are fields of the person file."""
PEOPLE_LINK_COLUMNS: tuple[str, ...] = ("upn",)
"""Optional columns of ``people.csv`` that link a row to other records and are not read:
``upn``, the unique pupil number an import keeps to link returns (never passed on)."""
EPISODE_COLUMNS: tuple[str, ...] = ("id", "start", "end")
EPISODE_CODE_COLUMNS: tuple[str, ...] = ("legal_status", "placement", "reason_ended")
"""Optional columns of ``episodes.csv``: the SSDA903 codes of a care episode."""
EVENT_COLUMNS: tuple[str, ...] = ("id", "type", "date")

_YES_NO = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
    "": False,
}
_SETTINGS = frozenset(EHCP_SETTINGS)
_CEASE_REASONS = frozenset(CEASE_REASONS)
MAX_LINE_CHARS = 1_000_000
"""The longest physical line of a CSV file; a longer one makes the file unusable."""
MAX_ROW_CHARS = 10_000
"""The longest row (all its cells together); a longer row is rejected."""
_MAX_COLUMNS_SHOWN = 100  # "found more than 100 columns": reasons stay few and short
_WHOLE_NUMBER = re.compile(r"[-+]?[0-9]{1,9}")
_CHUNK_ROWS = 100_000  # rows sorted in memory at a time, per file
_BLOCK_ROWS = 2_000  # at most this many rows per pickled block of a chunk file
_BLOCKS_PER_CHUNK = 32  # at least this many blocks per chunk: merging reads one block per chunk
_MAX_CHUNK_FILES = 64  # more chunk files than this are merged into one


# --- accounting ------------------------------------------------------------------------


class Rejection(NamedTuple):
    """One rejected row: the file's base name, the 1-based physical line, and why."""

    file: str
    line: int
    reason: str


_LINE_BITS = 40
_REASON_BITS = 16


class RejectionLog:
    """Every rejected row, kept compactly (8 bytes a row) and listed in file and line order.

    Files are listed in the order they were first seen (people, episodes,
    events when read by :func:`iter_people`), then by line.

    >>> log = RejectionLog()
    >>> log.add("people.csv", 7, "duplicate id")
    >>> log.add("people.csv", 3, "date_of_birth is empty")
    >>> [tuple(r) for r in log]
    [('people.csv', 3, 'date_of_birth is empty'), ('people.csv', 7, 'duplicate id')]
    """

    def __init__(self) -> None:
        self._files: list[str] = []
        self._file_index: dict[str, int] = {}
        self._reasons: list[str] = []
        self._reason_index: dict[str, int] = {}
        self._packed = array("Q")

    def register_file(self, file: str) -> None:
        """Fix the position of ``file`` in the listing before any of its rows is rejected."""
        if file not in self._file_index:
            if len(self._files) >= 1 << (64 - _LINE_BITS - _REASON_BITS):
                raise ValueError("too many files in one rejection log")
            self._file_index[file] = len(self._files)
            self._files.append(file)

    def add(self, file: str, line: int, reason: str) -> None:
        """Record that ``line`` of ``file`` was rejected for ``reason`` (no personal values)."""
        self.register_file(file)
        reason_id = self._reason_index.get(reason)
        if reason_id is None:
            if len(self._reasons) >= 1 << _REASON_BITS:
                raise ValueError("too many distinct rejection reasons")
            reason_id = self._reason_index[reason] = len(self._reasons)
            self._reasons.append(reason)
        if not 0 < line < 1 << _LINE_BITS:
            raise ValueError(f"line number out of range: {line}")
        self._packed.append(
            (self._file_index[file] << (_LINE_BITS + _REASON_BITS))
            | (line << _REASON_BITS)
            | reason_id
        )

    def __len__(self) -> int:
        return len(self._packed)

    def __iter__(self) -> Iterator[Rejection]:
        line_mask = (1 << _LINE_BITS) - 1
        reason_mask = (1 << _REASON_BITS) - 1
        for packed in sorted(self._packed):
            yield Rejection(
                self._files[packed >> (_LINE_BITS + _REASON_BITS)],
                (packed >> _REASON_BITS) & line_mask,
                self._reasons[packed & reason_mask],
            )

    def counts_by_reason(self) -> dict[str, int]:
        """How many rows were rejected for each reason, most frequent first."""
        mask = (1 << _REASON_BITS) - 1
        counts = [0] * len(self._reasons)
        for packed in self._packed:
            counts[packed & mask] += 1
        pairs = sorted(zip(self._reasons, counts, strict=True), key=lambda p: (-p[1], p[0]))
        return {reason: n for reason, n in pairs if n}

    def write_csv(self, path: str | Path) -> None:
        """Write ``rejected.csv`` (columns ``file,line,reason``) in file and line order."""
        write_rejected_csv(path, self)


def write_rejected_csv(path: str | Path, rejections: Iterable[Rejection]) -> int:
    """Write rejections to a CSV with exactly the columns ``file,line,reason``.

    Returns:
        the number of rows written (not counting the header).
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(Rejection._fields)
        for rejection in rejections:
            writer.writerow(rejection)
            count += 1
    return count


class Accounting:
    """Row counts for one population input, over the data rows of **all three** files.

    ``rows_in`` counts every data row read (headers and empty lines are not
    rows); ``rows_processed`` counts the rows that went into a young person
    who was handed on; ``rows_rejected`` is the length of ``rejections``.
    Once the input has been read to the end, ``rows_in == rows_processed +
    rows_rejected`` (see :meth:`check`).

    Attributes:
        rows_in_by_file: data rows read, by file base name.
        people: young people handed on.
    """

    def __init__(self) -> None:
        self.rows_in = 0
        self.rows_processed = 0
        self.people = 0
        self.rows_in_by_file: dict[str, int] = {}
        self.rejections = RejectionLog()

    @property
    def rows_rejected(self) -> int:
        return len(self.rejections)

    @property
    def balanced(self) -> bool:
        """True when every row read is either processed or rejected."""
        return self.rows_in == self.rows_processed + self.rows_rejected

    def check(self) -> None:
        """Raise RuntimeError (a bug, not a user error) when rows went missing."""
        if not self.balanced:
            raise RuntimeError(
                f"rows do not add up: rows_in={self.rows_in}, rows_processed="
                f"{self.rows_processed}, rows_rejected={self.rows_rejected}"
            )

    def as_dict(self) -> dict[str, int]:
        """The three totals, as they go into ``summary.json``."""
        return {
            "rows_in": self.rows_in,
            "rows_processed": self.rows_processed,
            "rows_rejected": self.rows_rejected,
        }


# --- records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One young person as read from the files, before the pydantic model is built.

    Attributes:
        data: the person in the person-file shape (dates as ``YYYY-MM-DD``
            text), already checked as strictly as :class:`Person` checks it.
        extras: other non-empty cells of ``people.csv`` by column name (e.g. ``area``).
        line: the line of the person's row in ``people.csv``.
        episode_lines: the lines of the young person's rows in ``episodes.csv``
            that went into ``data``, in line order.
        event_lines: the lines of their rows in ``events.csv``, likewise.

    The lines let a population run reject every row of a young person whom
    the roadmap generator refuses, so that no row is lost.

    Plain data pickles about eight times faster than a :class:`Person`, so a
    population run can send these to worker processes and build the model
    there with :meth:`to_person`.
    """

    data: dict[str, Any]
    extras: dict[str, str]
    line: int
    episode_lines: tuple[int, ...] = ()
    event_lines: tuple[int, ...] = ()

    def to_person(self) -> Person:
        """Validate into a :class:`Person` (raises :class:`InputError` if invalid)."""
        return person_from_mapping(self.data, source=f"people.csv:{self.line}")


# --- cell checks -----------------------------------------------------------------------


def _date_problem(text: str) -> str | None:
    """None for a valid ``YYYY-MM-DD`` date, else what is wrong with it."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return None
        digits = text[:4] + text[5:7] + text[8:]
        if digits.isascii() and digits.isdigit():
            return "is not a real calendar date"
    return "is not a date in the form YYYY-MM-DD"


# --- reading one file ------------------------------------------------------------------


def capped_lines(handle: TextIO, path: Path) -> Iterator[str]:
    """The lines of an open text file, refusing one longer than :data:`MAX_LINE_CHARS`.

    Reading line by line with a cap keeps memory small whatever the file
    (``/dev/zero`` has no line ends at all).

    Raises:
        InputError: a line is too long (the file is not a CSV file).
    """
    readline = handle.readline
    number = 0
    while line := readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise InputError(
                f"the line is longer than {MAX_LINE_CHARS:,} characters (is this a CSV file?)",
                file=str(path),
                line=number,
            )
        yield line


class _CsvFile:
    """An open CSV with its header checked; iterate for (line, cells)."""

    def __init__(self, path: Path, required: tuple[str, ...], stack: ExitStack) -> None:
        self.path = path
        self.name = path.name
        try:
            handle: TextIO = stack.enter_context(
                open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - owned by the stack
            )
        except OSError as exc:
            raise InputError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
        self._handle = handle
        self._reader = csv.reader(capped_lines(handle, path))
        try:
            header = next(self._reader, None)
        except UnicodeDecodeError:
            raise InputError("the file is not UTF-8 text", file=str(path)) from None
        except csv.Error as exc:
            raise InputError(f"cannot read the header ({exc})", file=str(path), line=1) from None
        if header is None:
            raise InputError("the file is empty; expected a header row", file=str(path))
        self.columns = [cell.strip().lower() for cell in header]
        seen: set[str] = set()
        for column in self.columns:
            if column in seen:
                raise InputError(f"column '{column}' appears twice in the header", file=str(path))
            seen.add(column)
        for column in required:
            if column not in seen:
                raise InputError(f"missing required column '{column}'", file=str(path))
        self.index = {column: i for i, column in enumerate(self.columns)}
        self.header_end = self._reader.line_num

    def rows(
        self,
        log: RejectionLog,
        accounting: Accounting,
        misfit: Callable[[int, list[str]], None] | None = None,
    ) -> Iterator[tuple[int, list[str]]]:
        """Yield (first physical line, trimmed cells) for every data row with the right width.

        Counts each row into ``accounting``; rows of the wrong width (also
        passed to ``misfit``) or that the CSV parser refuses are rejected here.
        """
        reader = self._reader
        width = len(self.columns)
        name = self.name
        previous_end = self.header_end
        count = 0
        try:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error:  # also a field longer than the csv module's field limit
                    count += 1
                    log.add(name, previous_end + 1, "malformed CSV row")
                    previous_end = reader.line_num
                    continue
                line = previous_end + 1
                previous_end = reader.line_num
                if not row:
                    continue
                count += 1
                if len(row) != width:
                    if len(row) == 1 and not row[0].strip():
                        count -= 1  # a line of spaces only: not a row
                        continue
                    found = len(row) if len(row) <= _MAX_COLUMNS_SHOWN else f"more than {_MAX_COLUMNS_SHOWN}"
                    log.add(name, line, f"wrong number of columns (expected {width}, found {found})")
                    if misfit is not None:
                        misfit(line, row)
                    continue
                if sum(map(len, row)) > MAX_ROW_CHARS:
                    log.add(name, line, f"row is longer than {MAX_ROW_CHARS} characters")
                    if misfit is not None:
                        misfit(line, row)
                    continue
                yield line, list(map(str.strip, row))
        except UnicodeDecodeError:
            raise InputError(
                "the file is not UTF-8 text", file=str(self.path), line=previous_end + 1
            ) from None
        finally:
            accounting.rows_in += count
            accounting.rows_in_by_file[name] = accounting.rows_in_by_file.get(name, 0) + count


# --- external sort ---------------------------------------------------------------------


class _ExternalSorter:
    """Sort tuples whose first two items (id, line) are unique, spilling to disk in chunks.

    Memory holds one chunk being filled plus, while merging, one block from each
    chunk file. A block is a small fraction of a chunk, and the chunk files are
    merged into one whenever there are ``_MAX_CHUNK_FILES`` of them, so memory
    stays bounded however long the input.

    The rows are personal data, so what is spilled is kept private: a folder of
    its own (``0700``), files readable by their owner only (``0600``), every
    block encrypted with a key held only in memory, and the folder removed when
    ``stack`` closes (see :mod:`roadmaps.population._files`).
    """

    def __init__(self, stack: ExitStack, chunk_rows: int) -> None:
        self._stack = stack
        self._chunk_rows = chunk_rows
        self._block_rows = max(1, min(_BLOCK_ROWS, chunk_rows // _BLOCKS_PER_CHUNK))
        self._buffer: list[tuple[Any, ...]] = []
        self._chunk_paths: list[str] = []
        self._directory: str | None = None
        self._files_made = 0
        self._cipher = SpillCipher()

    def add(self, item: tuple[Any, ...]) -> None:
        self._buffer.append(item)
        if len(self._buffer) >= self._chunk_rows:
            self._spill()

    def _new_path(self) -> str:
        if self._directory is None:
            directory = private_spill_folder()
            self._stack.callback(shutil.rmtree, directory, ignore_errors=True)
            self._directory = directory
        self._files_made += 1
        return os.path.join(self._directory, f"chunk-{self._files_made:06d}.bin")

    def _write(self, items: Iterable[tuple[Any, ...]]) -> str:
        path = self._new_path()
        seal = self._cipher.seal
        with open_private(path) as out:
            for block in batched(items, self._block_rows):
                out.write(seal(pickle.dumps(block, pickle.HIGHEST_PROTOCOL)))
        return path

    def _spill(self) -> None:
        self._buffer.sort()
        self._chunk_paths.append(self._write(self._buffer))
        self._buffer = []
        if len(self._chunk_paths) >= _MAX_CHUNK_FILES:
            with ExitStack() as inputs:
                streams = [
                    _read_blocks(inputs.enter_context(open(path, "rb")), self._cipher)
                    for path in self._chunk_paths
                ]
                merged = self._write(heapq.merge(*streams))
            for path in self._chunk_paths:
                os.remove(path)
            self._chunk_paths = [merged]

    def sorted_items(self) -> Iterator[tuple[Any, ...]]:
        self._buffer.sort()
        if not self._chunk_paths:
            return iter(self._buffer)
        streams: list[Iterable[tuple[Any, ...]]] = [self._buffer]
        for path in self._chunk_paths:
            handle = self._stack.enter_context(open(path, "rb"))  # noqa: SIM115 - owned by the stack
            streams.append(_read_blocks(handle, self._cipher))
        return heapq.merge(*streams)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """The items in lists of ``size`` (the last one may be shorter), read lazily.

    Like :func:`itertools.batched`, which needs Python 3.12 (this library
    supports 3.11), but with lists.

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]

    Raises:
        ValueError: ``size`` is below 1.
    """
    if size < 1:
        raise ValueError(f"chunk_size must be at least 1 (got {size})")
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _read_blocks(handle: IO[bytes], cipher: SpillCipher) -> Iterator[tuple[Any, ...]]:
    while (plain := cipher.read(handle)) is not None:
        yield from pickle.loads(plain)  # verified first: only what this process wrote


class _Cursor:
    """A sorted stream of (id, line, ...) tuples with a look-ahead item."""

    __slots__ = ("_items", "head")

    def __init__(self, items: Iterator[tuple[Any, ...]]) -> None:
        self._items = items
        self.head: tuple[Any, ...] | None = next(items, None)

    def take_until(
        self,
        key: str,
        orphan: Callable[[tuple[Any, ...]], None],
        limit: int | None = None,
        overflow: Callable[[tuple[Any, ...]], None] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Pass items with an id below ``key`` to ``orphan``; return the items with id ``key``.

        Past ``limit`` items with id ``key``, the rest go to ``overflow`` instead of
        the list (so one young person with millions of rows cannot fill memory); the
        list then holds ``limit + 1`` items.
        """
        head = self.head
        items = self._items
        while head is not None and head[0] < key:
            orphan(head)
            head = next(items, None)
        taken: list[tuple[Any, ...]] = []
        while head is not None and head[0] == key:
            if limit is not None and overflow is not None and len(taken) > limit:
                overflow(head)
            else:
                taken.append(head)
            head = next(items, None)
        self.head = head
        return taken

    def drain(self, orphan: Callable[[tuple[Any, ...]], None]) -> None:
        head = self.head
        while head is not None:
            orphan(head)
            head = next(self._items, None)
        self.head = None


# --- the reader ------------------------------------------------------------------------


_REASON_NOT_IN_PEOPLE = "id not in people file"
_REASON_LONG_ID = f"id is longer than {MAX_TEXT_CHARS} characters"
_REASON_TOO_MANY_EPISODES = f"more than {MAX_CARE_EPISODES} care episodes for one young person"
_REASON_TOO_MANY_EVENTS = f"more than {MAX_EVENTS} events for one young person"
_REASON_PERSON_REJECTED = "person row rejected"
_REASON_DUPLICATE = "duplicate id (an earlier row has the same id)"


def iter_person_rows(
    people_path: str | Path,
    episodes_path: str | Path | None = None,
    events_path: str | Path | None = None,
    *,
    as_of: date,
    accounting: Accounting,
    known_event_types: frozenset[str] | None = None,
    chunk_rows: int = _CHUNK_ROWS,
) -> Generator[PersonRow, None, None]:
    """Stream the young people of the three files as checked plain records.

    Args:
        people_path: ``people.csv``.
        episodes_path: ``episodes.csv``, or None when there is none.
        events_path: ``events.csv``, or None when there is none.
        as_of: the as-of date; a date of birth after it is rejected.
        accounting: receives the row counts and rejections (complete once the
            iterator is exhausted).
        known_event_types: the event vocabulary; an event row of another type
            is rejected. None accepts any non-empty type.
        chunk_rows: rows sorted in memory at a time (memory versus temporary files).

    Returns:
        a generator; closing it early closes the files and deletes the
        temporary directory.

    Raises:
        InputError: a file cannot be read or lacks a required column (raised
            by this call, before any reading), or a file is not UTF-8 (raised
            while iterating).
    """
    return _open_population(
        people_path,
        episodes_path,
        events_path,
        as_of=as_of,
        accounting=accounting,
        known_event_types=known_event_types,
        chunk_rows=chunk_rows,
        build=None,
    )


def iter_people(
    people_path: str | Path,
    episodes_path: str | Path | None = None,
    events_path: str | Path | None = None,
    *,
    as_of: date,
    accounting: Accounting,
    known_event_types: frozenset[str] | None = None,
    chunk_rows: int = _CHUNK_ROWS,
) -> Generator[Person, None, None]:
    """Stream the young people of the three files as validated :class:`Person` models.

    The same as :func:`iter_person_rows` (see there for the arguments), but
    each record is validated into a :class:`Person` here; one that fails
    (which the row checks should already prevent) is rejected like a bad
    people row, with its episodes and events. The ``extras`` columns (such as
    ``area``) are not part of a :class:`Person`: use :func:`iter_person_rows`
    to keep them.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "people.csv"
    ...     _ = path.write_text(
    ...         "id,date_of_birth,ehcp_issued,ehcp_setting,ehcp_setting_end,"
    ...         "care_needs_likely,continuing_care\\n"
    ...         "yp-2,2009-01-10,2016-05-01,school,,yes,no\\n"
    ...         "yp-1,2031-01-01,,,,,\\n"
    ...     )
    ...     counts = Accounting()
    ...     people = list(iter_people(path, as_of=date(2026, 1, 1), accounting=counts))
    >>> [(p.id, p.ehcp.setting) for p in people]
    [('yp-2', 'school')]
    >>> counts.as_dict()
    {'rows_in': 2, 'rows_processed': 1, 'rows_rejected': 1}
    >>> list(counts.rejections)
    [Rejection(file='people.csv', line=3, reason='date_of_birth is after the as-of date')]
    """
    return _open_population(
        people_path,
        episodes_path,
        events_path,
        as_of=as_of,
        accounting=accounting,
        known_event_types=known_event_types,
        chunk_rows=chunk_rows,
        build=_validated_person,
    )


def _validated_person(row: PersonRow) -> Person:
    return Person.model_validate(row.data)


def _open_population(
    people_path: str | Path,
    episodes_path: str | Path | None,
    events_path: str | Path | None,
    *,
    as_of: date,
    accounting: Accounting,
    known_event_types: frozenset[str] | None,
    chunk_rows: int,
    build: Callable[[PersonRow], Any] | None,
) -> Generator[Any, None, None]:
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1 (got {chunk_rows})")
    people = Path(people_path)
    episodes = None if episodes_path is None else Path(episodes_path)
    events = None if events_path is None else Path(events_path)
    # Check every header now, so that an unusable file fails before any work is done.
    with ExitStack() as stack:
        _CsvFile(people, PEOPLE_COLUMNS, stack)
        if episodes is not None:
            _CsvFile(episodes, EPISODE_COLUMNS, stack)
        if events is not None:
            _CsvFile(events, EVENT_COLUMNS, stack)
    names = [p.name for p in (people, episodes, events) if p is not None]
    if len(set(names)) != len(names):
        raise InputError("the input files must have different names", file=str(people))
    return _generate(
        people,
        episodes,
        events,
        as_of=as_of,
        accounting=accounting,
        known_event_types=known_event_types,
        chunk_rows=chunk_rows,
        build=build,
    )


def _generate(
    people_path: Path,
    episodes_path: Path | None,
    events_path: Path | None,
    *,
    as_of: date,
    accounting: Accounting,
    known_event_types: frozenset[str] | None,
    chunk_rows: int,
    build: Callable[[PersonRow], Any] | None,
) -> Generator[Any, None, None]:
    log = accounting.rejections
    for path in (people_path, episodes_path, events_path):
        if path is not None:
            log.register_file(path.name)
    with ExitStack() as stack:
        people, extra_names = _sort_people(
            people_path, as_of, accounting, stack, chunk_rows, known_event_types
        )
        episodes = (
            _sort_episodes(episodes_path, accounting, stack, chunk_rows)
            if episodes_path is not None
            else iter(())
        )
        events = (
            _sort_events(events_path, known_event_types, accounting, stack, chunk_rows)
            if events_path is not None
            else iter(())
        )
        yield from _join(
            people,
            _Cursor(episodes),
            _Cursor(events),
            extra_names,
            people_path.name,
            "" if episodes_path is None else episodes_path.name,
            "" if events_path is None else events_path.name,
            accounting,
            build,
        )


def _sort_people(
    path: Path,
    as_of: date,
    accounting: Accounting,
    stack: ExitStack,
    chunk_rows: int,
    known_event_types: frozenset[str] | None = None,
) -> tuple[Iterator[tuple[Any, ...]], tuple[str, ...]]:
    """Check each people row and sort them by (id, line).

    A rejected row keeps its place with no record (when it has an id), so that
    its episodes and events are rejected as "person row rejected".

    Returns:
        the sorted (id, line, record or None) items and the extra column names.
    """
    source = _CsvFile(path, PEOPLE_COLUMNS, stack)
    log = accounting.rejections
    name = source.name
    columns = _PeopleColumns.of(source)
    i_id = columns.id
    as_of_text = as_of.isoformat()
    sorter = _ExternalSorter(stack, chunk_rows)

    def misfit(line: int, row: list[str]) -> None:
        if len(row) > i_id and row[i_id].strip():
            sorter.add((row[i_id].strip(), line, None))

    for line, cells in source.rows(log, accounting, misfit):
        person_id = cells[i_id]
        record = columns.record(cells, as_of_text, known_event_types)
        if isinstance(record, str):
            log.add(name, line, record)
            if person_id:
                sorter.add((person_id, line, None))
        else:
            sorter.add((person_id, line, record))
    return sorter.sorted_items(), columns.extra_names


@dataclass(frozen=True, slots=True)
class _PeopleColumns:
    """Where each field is in the rows of one ``people.csv``, and how to check a row.

    Attributes:
        id ... continuing_care: the index of each required column
            (:data:`PEOPLE_COLUMNS`).
        primary_need, year_group_offset: the index of each optional person
            column, or None when the file does not have it.
        extra_names: the other columns (such as ``area``), in file order.
        extra_values: the cells of the other columns of a row, as a tuple.
    """

    id: int
    date_of_birth: int
    ehcp_issued: int
    ehcp_setting: int
    ehcp_setting_end: int
    care_needs_likely: int
    continuing_care: int
    primary_need: int | None
    year_group_offset: int | None
    recorded_events: int | None
    ehcp_ceased: int | None
    ehcp_cease_reason: int | None
    extra_names: tuple[str, ...]
    extra_values: Callable[[list[str]], tuple[str, ...]]

    @classmethod
    def of(cls, source: _CsvFile) -> _PeopleColumns:
        """The columns of an open ``people.csv`` (its header already checked)."""
        index = source.index
        known = set(PEOPLE_COLUMNS) | set(PEOPLE_PERSON_COLUMNS) | set(PEOPLE_LINK_COLUMNS)
        extras = [(column, i) for i, column in enumerate(source.columns) if column not in known]
        return cls(
            id=index["id"],
            date_of_birth=index["date_of_birth"],
            ehcp_issued=index["ehcp_issued"],
            ehcp_setting=index["ehcp_setting"],
            ehcp_setting_end=index["ehcp_setting_end"],
            care_needs_likely=index["care_needs_likely"],
            continuing_care=index["continuing_care"],
            primary_need=index.get("primary_need"),
            year_group_offset=index.get("year_group_offset"),
            recorded_events=index.get("recorded_events"),
            ehcp_ceased=index.get("ehcp_ceased"),
            ehcp_cease_reason=index.get("ehcp_cease_reason"),
            extra_names=tuple(column for column, _ in extras),
            extra_values=_tuple_getter([i for _, i in extras]),
        )

    def record(
        self, cells: list[str], as_of_text: str, known_event_types: frozenset[str] | None = None
    ) -> tuple[Any, ...] | str:
        """The checked record of a row (the fields :func:`_person_row` reads), or why not."""
        dob = cells[self.date_of_birth]
        issued, setting = cells[self.ehcp_issued], cells[self.ehcp_setting]
        setting_end = cells[self.ehcp_setting_end]
        ceased = cells[self.ehcp_ceased] if self.ehcp_ceased is not None else ""
        cease_reason = cells[self.ehcp_cease_reason] if self.ehcp_cease_reason is not None else ""
        reason = (
            _identity_problem(cells[self.id], dob, as_of_text)
            or _ehcp_problem(issued, setting, setting_end)
            or _cessation_problem(issued, ceased, cease_reason)
        )
        if reason is not None:
            return reason
        likely = _YES_NO.get(cells[self.care_needs_likely].lower())
        if likely is None:
            return "care_needs_likely is not a yes/no value"
        continuing = _YES_NO.get(cells[self.continuing_care].lower())
        if continuing is None:
            return "continuing_care is not a yes/no value"
        offset = 0
        if self.year_group_offset is not None and cells[self.year_group_offset]:
            text = cells[self.year_group_offset]
            if not _WHOLE_NUMBER.fullmatch(text):  # int() would take '١٢' and choke on 5,000 digits
                return "year_group_offset is not a whole number"
            offset = int(text)
        need = cells[self.primary_need] if self.primary_need is not None else ""
        if len(need) > MAX_TEXT_CHARS:
            return f"primary_need is longer than {MAX_TEXT_CHARS} characters"
        recorded: str | tuple[str, ...] | None = None
        if self.recorded_events is not None and cells[self.recorded_events]:
            recorded = _recorded_events(cells[self.recorded_events], known_event_types)
            if recorded is None:
                return "recorded_events names an unknown event type"
        extras = self.extra_values(cells)
        plan = (issued, setting, setting_end, ceased, cease_reason)
        return (dob, plan, likely, continuing, need, offset, recorded, extras)


def _recorded_events(
    text: str, known_event_types: frozenset[str] | None
) -> str | tuple[str, ...] | None:
    """``all``, the event types of a ``recorded_events`` cell (``none``: no type), or None if unknown.

    >>> _recorded_events("none", None), _recorded_events("ALL", None)
    ((), 'all')
    >>> _recorded_events("pathway-plan; pathway-plan-review", frozenset({"pathway-plan"})) is None
    True
    """
    lowered = text.strip().lower()
    if lowered == "all":
        return "all"
    if lowered == "none":
        return ()
    types = tuple(sorted(set(lowered.replace(";", " ").split())))
    if known_event_types is not None and not set(types) <= known_event_types:
        return None
    return types


def _identity_problem(person_id: str, dob: str, as_of_text: str) -> str | None:
    """Why a people row's id or date of birth is unusable, or None."""
    if not person_id:
        return "id is empty"
    if len(person_id) > MAX_TEXT_CHARS:
        return _REASON_LONG_ID
    if not dob:
        return "date_of_birth is empty"
    if (problem := _date_problem(dob)) is not None:
        return f"date_of_birth {problem}"
    if dob > as_of_text:
        return "date_of_birth is after the as-of date"
    return None


def _ehcp_problem(issued: str, setting: str, setting_end: str) -> str | None:
    """Why a people row's EHC plan cells do not fit together, or None."""
    if issued:
        if (problem := _date_problem(issued)) is not None:
            return f"ehcp_issued {problem}"
        if not setting:
            return "ehcp_setting is empty but ehcp_issued is given"
        if setting not in _SETTINGS:
            return "ehcp_setting is not a known setting"
        if setting_end and (problem := _date_problem(setting_end)) is not None:
            return f"ehcp_setting_end {problem}"
    elif setting:
        return "ehcp_setting is given but ehcp_issued is empty"
    elif setting_end:
        return "ehcp_setting_end is given but ehcp_issued is empty"
    return None


def _cessation_problem(issued: str, ceased: str, cease_reason: str) -> str | None:
    """Why a people row's cessation cells do not fit its EHC plan, or None (issued is checked)."""
    if ceased:
        if not issued:
            return "ehcp_ceased is given but ehcp_issued is empty"
        if (problem := _date_problem(ceased)) is not None:
            return f"ehcp_ceased {problem}"
        if ceased < issued:
            return "ehcp_ceased is before ehcp_issued"
    if cease_reason:
        if not ceased:
            return "ehcp_cease_reason is given but ehcp_ceased is empty"
        if cease_reason not in _CEASE_REASONS:
            return "ehcp_cease_reason is not a known reason"
    return None


def _sort_episodes(
    path: Path, accounting: Accounting, stack: ExitStack, chunk_rows: int
) -> Iterator[tuple[Any, ...]]:
    source = _CsvFile(path, EPISODE_COLUMNS, stack)
    log = accounting.rejections
    name = source.name
    i_id, i_start, i_end = (source.index[c] for c in EPISODE_COLUMNS)
    codes = _EpisodeCodes.of(source)
    sorter = _ExternalSorter(stack, chunk_rows)
    for line, cells in source.rows(log, accounting):
        person_id, start, end = cells[i_id], cells[i_start], cells[i_end]
        if not person_id:
            log.add(name, line, "id is empty")
        elif len(person_id) > MAX_TEXT_CHARS:
            log.add(name, line, _REASON_LONG_ID)
        elif not start:
            log.add(name, line, "start is empty")
        elif (problem := _date_problem(start)) is not None:
            log.add(name, line, f"start {problem}")
        elif end and (problem := _date_problem(end)) is not None:
            log.add(name, line, f"end {problem}")
        elif end and end < start:
            log.add(name, line, "episode ends before it starts")
        elif isinstance(found := codes.read(cells, bool(end)), str):
            log.add(name, line, found)
        else:
            sorter.add((person_id, line, start, end, *found))
    return sorter.sorted_items()


@dataclass(frozen=True, slots=True)
class _EpisodeCodes:
    """The optional code columns of one ``episodes.csv`` (None where the file lacks one)."""

    legal_status: int | None
    placement: int | None
    reason_ended: int | None

    @classmethod
    def of(cls, source: _CsvFile) -> _EpisodeCodes:
        index = source.index
        return cls(*(index.get(column) for column in EPISODE_CODE_COLUMNS))

    def read(self, cells: list[str], ended: bool) -> tuple[str, str, str] | str:
        """The (legal status, placement, reason ended) of a row, "" when absent, or why not.

        Codes are matched ignoring case and written in capitals (``v3`` -> ``V3``);
        the plain words of placement and reason (``foster``) in lower case.
        """
        codes = care_codes()
        legal = _code(cells, self.legal_status, codes.legal_status, None)
        if legal is None:
            return "legal_status is not a known SSDA903 legal status code (LS)"
        placement = _code(cells, self.placement, codes.placement, codes.placement_kinds)
        if placement is None:
            return "placement is not a known SSDA903 placement code (PLACE) or placement kind"
        reason = _code(cells, self.reason_ended, codes.reason_ended, codes.reason_kinds)
        if reason is None:
            return "reason_ended is not a known SSDA903 reason code (REC) or reason kind"
        if reason and not ended:
            return "reason_ended is given but end is empty"
        return legal, placement, reason


def _code(
    cells: list[str],
    index: int | None,
    codes: Mapping[str, str],
    words: Mapping[str, str] | None,
) -> str | None:
    """The code in a cell, normalised: "" when empty or the column is absent, None when unknown."""
    if index is None or not (text := cells[index]):
        return ""
    if (upper := text.upper()) in codes:
        return upper
    if words is not None and (lower := text.lower()) in words:
        return lower
    return None


def _sort_events(
    path: Path,
    known_event_types: frozenset[str] | None,
    accounting: Accounting,
    stack: ExitStack,
    chunk_rows: int,
) -> Iterator[tuple[Any, ...]]:
    source = _CsvFile(path, EVENT_COLUMNS, stack)
    log = accounting.rejections
    name = source.name
    i_id, i_type, i_date = (source.index[c] for c in EVENT_COLUMNS)
    sorter = _ExternalSorter(stack, chunk_rows)
    for line, cells in source.rows(log, accounting):
        person_id, kind, when = cells[i_id], cells[i_type], cells[i_date]
        if not person_id:
            log.add(name, line, "id is empty")
        elif len(person_id) > MAX_TEXT_CHARS:
            log.add(name, line, _REASON_LONG_ID)
        elif not kind:
            log.add(name, line, "type is empty")
        elif known_event_types is not None and kind not in known_event_types:
            log.add(name, line, "unknown event type")
        elif not when:
            log.add(name, line, "date is empty")
        elif (problem := _date_problem(when)) is not None:
            log.add(name, line, f"date {problem}")
        else:
            sorter.add((person_id, line, kind, when))
    return sorter.sorted_items()


def _join(
    people: Iterator[tuple[Any, ...]],
    episodes: _Cursor,
    events: _Cursor,
    extra_names: tuple[str, ...],
    people_name: str,
    episodes_name: str,
    events_name: str,
    accounting: Accounting,
    build: Callable[[PersonRow], Any] | None,
) -> Generator[Any, None, None]:
    log = accounting.rejections

    def orphan_episode(item: tuple[Any, ...]) -> None:
        log.add(episodes_name, item[1], _REASON_NOT_IN_PEOPLE)

    def orphan_event(item: tuple[Any, ...]) -> None:
        log.add(events_name, item[1], _REASON_NOT_IN_PEOPLE)

    def episode_overflow(item: tuple[Any, ...]) -> None:
        log.add(episodes_name, item[1], _REASON_PERSON_REJECTED)

    def event_overflow(item: tuple[Any, ...]) -> None:
        log.add(events_name, item[1], _REASON_PERSON_REJECTED)

    for person_id, group in itertools.groupby(people, key=_first):
        used: tuple[Any, ...] | None = None
        for item in group:
            if item[2] is None:
                continue  # rejected on its own; already logged
            if used is None:
                used = item
            else:
                log.add(people_name, item[1], _REASON_DUPLICATE)
        its_episodes = episodes.take_until(person_id, orphan_episode, MAX_CARE_EPISODES, episode_overflow)
        its_events = events.take_until(person_id, orphan_event, MAX_EVENTS, event_overflow)
        too_many = (
            _REASON_TOO_MANY_EPISODES if len(its_episodes) > MAX_CARE_EPISODES
            else _REASON_TOO_MANY_EVENTS if len(its_events) > MAX_EVENTS
            else None
        )  # fmt: skip
        if used is not None and too_many is not None:
            log.add(people_name, used[1], too_many)
            used = None
        if used is None:
            _reject_rows(log, episodes_name, its_episodes, events_name, its_events)
            continue
        row = _person_row(person_id, used, its_episodes, its_events, extra_names, bool(events_name))
        if build is None:
            result: Any = row
        else:
            try:
                result = build(row)
            except ValidationError as exc:
                log.add(people_name, used[1], _reason_from_validation(exc))
                _reject_rows(log, episodes_name, its_episodes, events_name, its_events)
                continue
        accounting.rows_processed += 1 + len(its_episodes) + len(its_events)
        accounting.people += 1
        yield result
    episodes.drain(orphan_episode)
    events.drain(orphan_event)


def _tuple_getter(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """A fast ``lambda cells: tuple(cells[i] for i in indexes)``."""
    if not indexes:
        return lambda cells: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda cells: (cells[only],)
    return operator.itemgetter(*indexes)


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def _reject_rows(
    log: RejectionLog,
    episodes_name: str,
    episodes: list[tuple[Any, ...]],
    events_name: str,
    events: list[tuple[Any, ...]],
) -> None:
    for item in episodes:
        log.add(episodes_name, item[1], _REASON_PERSON_REJECTED)
    for item in events:
        log.add(events_name, item[1], _REASON_PERSON_REJECTED)


def _reason_from_validation(exc: ValidationError) -> str:
    """A reason that names the failing field but repeats none of its value."""
    errors = exc.errors()
    if not errors:
        return "the record is not a valid person"
    path = ".".join(str(part) for part in errors[0]["loc"])
    return f"field '{path}' is not valid"


def _episode(start: str, end: str, legal: str, placement: str, reason: str) -> dict[str, Any]:
    """A care episode in the person-file shape (the code fields only when given)."""
    episode: dict[str, Any] = {"start": start, "end": end or None}
    if legal:
        episode["legal_status"] = legal
    if placement:
        episode["placement"] = placement
    if reason:
        episode["reason_ended"] = reason
    return episode


def _person_row(
    person_id: str,
    used: tuple[Any, ...],
    episodes: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]],
    extra_names: tuple[str, ...],
    events_file: bool,
) -> PersonRow:
    dob, plan, likely, continuing, need, offset, recorded, extra_values = used[2]
    issued, setting, setting_end, ceased, cease_reason = plan
    data: dict[str, Any] = {
        "id": person_id,
        "date_of_birth": dob,
        "care_needs_likely": likely,
        "continuing_care": continuing,
    }
    if issued:
        data["ehcp"] = {"issued": issued, "setting": setting, "setting_end": setting_end or None}
        if ceased:
            data["ehcp"]["ceased"] = ceased
        if cease_reason:
            data["ehcp"]["cease_reason"] = cease_reason
    if episodes:
        # Sort by value, not by line, so that a shuffled file gives the same person.
        data["care_episodes"] = [
            _episode(*item[2:]) for item in sorted(episodes, key=lambda item: item[2:])
        ]
    if events:
        ordered = sorted((item[3], item[2]) for item in events)
        data["events"] = [{"type": kind, "date": when} for when, kind in ordered]
    if recorded is not None:
        # The source says which event types it records (pathway import writes "none").
        data["recorded_events"] = recorded if recorded == "all" else list(recorded)
    elif events_file:
        # The population's events file is the source of every event: a person with none in it
        # has none of any type, which is a gap, not "not recorded".
        data["recorded_events"] = "all"
    if need:
        data["primary_need"] = need
    if offset:
        data["year_group_offset"] = offset
    extras = {k: v for k, v in zip(extra_names, extra_values, strict=True) if v}
    return PersonRow(
        data=data,
        extras=extras,
        line=used[1],
        episode_lines=tuple(item[1] for item in episodes),
        event_lines=tuple(item[1] for item in events),
    )


# --- running a function over a population ------------------------------------------------


class ProgressBar:
    """A one-line progress bar on a terminal; nothing at all when not shown.

    Args:
        total: the number expected, when known (shows a bar and a percentage).
        stream: where to draw; default ``sys.stderr``.
        show: None draws only when ``stream`` is a terminal.
        unit: what is counted, in plain words.
    """

    _WIDTH = 30
    _INTERVAL = 0.2  # seconds between redraws

    def __init__(
        self,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        show: bool | None = None,
        unit: str = "young people",
    ) -> None:
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        self.show = _is_terminal(self.stream) if show is None else show
        self.unit = unit
        self.done = 0
        self._started = time.monotonic()
        self._last_draw = 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.show:
            now = time.monotonic()
            if now - self._last_draw >= self._INTERVAL:
                self._last_draw = now
                self._draw(now)

    def close(self) -> None:
        if self.show:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._started, 1e-9)
        rate = f"{self.done / elapsed:,.0f}/s"
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * self._WIDTH)
            bar = "#" * filled + "." * (self._WIDTH - filled)
            text = f"[{bar}] {fraction:4.0%} {self.done:,}/{self.total:,} {self.unit} {rate}"
        else:
            text = f"{self.done:,} {self.unit} {rate}"
        self.stream.write("\r" + text)
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_worker_function: Callable[[Any], Any] | None = None


def _install_worker_function(function: Callable[[Any], Any]) -> None:
    global _worker_function
    _worker_function = function
    reset_stop_signals()  # a forked worker is stopped by its parent, not by a handler of its own


def _run_chunk(chunk: list[Any]) -> list[Any]:
    function = _worker_function
    assert function is not None, "worker started without its function"
    return [function(item) for item in chunk]


def map_population(
    items: Iterable[T],
    per_person: Callable[[T], R],
    *,
    workers: int,
    chunk_size: int = 1_000,
    total: int | None = None,
    progress: bool | None = None,
    mp_context: str | None = None,
) -> Generator[R, None, None]:
    """Apply ``per_person`` to every item, in order, on ``workers`` processes.

    Items are sent to the workers in chunks of ``chunk_size``; at most a few
    chunks per worker are in flight, so memory stays flat however long the
    input. Results come back in input order. ``per_person`` is sent to each
    worker once, so it must be picklable (a module-level function, or a
    :func:`functools.partial` of one); items and results must be picklable too
    (a :class:`PersonRow` pickles much faster than a :class:`Person`).

    Args:
        items: the young people (or any picklable items), read lazily.
        per_person: the function to apply.
        workers: processes to use; 1 runs in this process with no pickling.
        chunk_size: items per task.
        total: the expected count, for the progress bar.
        progress: draw a progress bar on stderr; None (default) draws it only
            when stderr is a terminal.
        mp_context: a :mod:`multiprocessing` start method; None for the default.

    >>> list(map_population(range(5), abs, workers=1, progress=False))
    [0, 1, 2, 3, 4]
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1 (got {chunk_size})")
    bar = ProgressBar(total, show=progress)
    try:
        if workers == 1:
            for chunk in batched(items, chunk_size):
                yield from map(per_person, chunk)
                bar.update(len(chunk))
            return
        context = multiprocessing.get_context(mp_context)
        with context.Pool(
            workers, initializer=_install_worker_function, initargs=(per_person,)
        ) as pool:
            pending: deque[Any] = deque()
            for chunk in batched(items, chunk_size):
                pending.append(pool.apply_async(_run_chunk, (chunk,)))
                if len(pending) >= 3 * workers:
                    results = pending.popleft().get()
                    bar.update(len(results))
                    yield from results
            while pending:
                results = pending.popleft().get()
                bar.update(len(results))
                yield from results
            pool.close()
            pool.join()
    finally:
        bar.close()

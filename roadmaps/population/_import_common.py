"""What the readers of the statutory returns share: sources, dates, safe XML, the report, the output.

``pathways import`` turns a return a council already holds (the SSDA903 in
:mod:`roadmaps.population._import_ssda903`, the SEN2 return in
:mod:`roadmaps.population._import_sen2`, the Children in Need census in
:mod:`roadmaps.population._import_cin`) into the project's own three files,
``people.csv``, ``episodes.csv`` and ``events.csv``, plus an import report.
:func:`merge_imports` joins several (by the child's id, and the SEN2 return by
the unique pupil number). A reader works in three steps:

1. read each source (a CSV file, a pandas DataFrame or an XML file) row by
   row, as :class:`SourceRow`, counting every row into an :class:`ImportLog`;
2. check and combine the rows into :class:`ImportedPerson`,
   :class:`ImportedEpisode` and :class:`ImportedEvent` records, marking each source row *kept* (it went
   into the output, possibly merged with the same row of another year's
   return) or *rejected* (with its file, line and a reason that repeats no
   value from the row), and each DfE check that failed;
3. return an :class:`ImportResult`, which can write the folder
   (:meth:`ImportResult.write`), become person records for a population run,
   or become pandas DataFrames.

**No row is lost**: for every source file, rows read = rows kept + rows
rejected, and :meth:`ImportLog.finish` checks that every row read was given
exactly one outcome.

**Safe XML.** Returns are parsed with expat, refusing any document type
declaration (so no entity can be declared, expanded or fetched: the
"billion laughs" and external-entity attacks need one). Elements are handed
over one record at a time, so memory does not grow with the file.

**Output.** The folder is written whole or not at all: the files are built in
a new folder next to it (made with permissions 0700, so only the user can read
the personal data in it) and renamed into place; an earlier import's folder
is replaced only after the new one is complete. Nothing is written anywhere
else (no temporary files elsewhere).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
import xml.parsers.expat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cohorts import CEASE_REASONS, EHCP_SETTINGS, Person, person_from_mapping
from pathways import InputError, Reference, RuleDataError, load_yaml_text

from ._disclosure import DisclosureSettings, Published, share, suppress_count, suppress_table_1d
from ._input import EPISODE_CODE_COLUMNS, EPISODE_COLUMNS, EVENT_COLUMNS, PEOPLE_COLUMNS, PersonRow

DATA_FILE = Path(__file__).parent / "data" / "returns.yaml"
SEN2_SOURCE = "sen2"
CESSATION_COLUMNS = ("ehcp_ceased", "ehcp_cease_reason")
REPORT_JSON = "import-report.json"
REPORT_MD = "import-report.md"
PEOPLE_FILE = "people.csv"
EPISODES_FILE = "episodes.csv"
EVENTS_FILE = "events.csv"
_XML_CHUNK = 1 << 16
_XML_MAX_DEPTH = 64
_MD_ROWS = 200  # rejected rows listed in import-report.md (the JSON lists them all)

# --- the code lists and checks (data/returns.yaml) -------------------------------------------


class _Ssda903Codes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tables: dict[str, tuple[str, ...]]
    used_columns: dict[str, tuple[str, ...]]
    unused_tables: dict[str, tuple[str, ...]]
    new_episode_reasons: dict[str, str]
    continuing_reasons: tuple[str, ...]
    in_touch: dict[str, str]
    activity: tuple[str, ...]
    accommodation: tuple[str, ...]
    checks: dict[str, str]


class _CinCodes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    disability: dict[str, str]
    checks: dict[str, str]


class _Sen2Setting(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    setting: str

    @model_validator(mode="after")
    def _known_setting(self) -> _Sen2Setting:
        if self.setting not in EHCP_SETTINGS:
            raise ValueError(f"unknown EHC plan setting '{self.setting}' "
                             f"(expected one of {', '.join(EHCP_SETTINGS)})")  # fmt: skip
        return self


class _Sen2CeaseReason(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    cease_reason: str

    @model_validator(mode="after")
    def _known_reason(self) -> _Sen2CeaseReason:
        if self.cease_reason not in CEASE_REASONS:
            raise ValueError(f"unknown cease reason '{self.cease_reason}' "
                             f"(expected one of {', '.join(CEASE_REASONS)})")  # fmt: skip
        return self


class _Sen2EndedWithoutPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request: tuple[str, ...]
    assessment: tuple[str, ...]


class _Sen2Codes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    settings: dict[str, _Sen2Setting]
    identified_settings: dict[str, str]
    work_based_learning: dict[str, _Sen2Setting]
    cease_reasons: dict[str, _Sen2CeaseReason]
    died_reason: str
    request_outcomes: dict[str, str]
    assessment_outcomes: dict[str, str]
    ended_without_plan: _Sen2EndedWithoutPlan
    historical: str
    assessed_elsewhere: str
    within_weeks: int


class ReturnCodes(BaseModel):
    """The code lists and DfE checks of ``data/returns.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    references: tuple[Reference, ...]
    ssda903: _Ssda903Codes
    cin: _CinCodes
    sen2: _Sen2Codes

    def check_message(self, check: str) -> str:
        """The DfE message of a check by its rule number (SSDA903 or CIN)."""
        return self.ssda903.checks.get(check) or self.cin.checks.get(check) or ""


@cache
def return_codes() -> ReturnCodes:
    """The shipped code lists of the returns (loaded once).

    Raises:
        RuleDataError: the file is malformed.
    """
    data = load_yaml_text(DATA_FILE.read_text(encoding="utf-8"), source=str(DATA_FILE))
    try:
        return ReturnCodes.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise RuleDataError(f"{where}: {first['msg']}", file=str(DATA_FILE)) from None


# --- dates ---------------------------------------------------------------------------------


def parse_return_date(text: str) -> date | None:
    """A date as the returns write it: ``dd/mm/yyyy`` (the SSDA903) or ``yyyy-mm-dd`` (ISO).

    Day and month may have one digit (``1/4/2024``, as spreadsheets save them).
    None when the text is not a real date in either form.

    >>> parse_return_date("01/04/2024"), parse_return_date("2024-04-01"), parse_return_date("1/4/2024")
    (datetime.date(2024, 4, 1), datetime.date(2024, 4, 1), datetime.date(2024, 4, 1))
    >>> parse_return_date("31/02/2024") is None, parse_return_date("04/01/24") is None
    (True, True)
    """
    if len(text) == 10 and text[2] == "/" and text[5] == "/":  # the usual dd/mm/yyyy, quickly
        digits = text[:2] + text[3:5] + text[6:]
        if not (digits.isascii() and digits.isdigit()):
            return None
        try:
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        except ValueError:
            return None
    parts = text.split("/")
    if len(parts) == 3:
        day, month, year = parts
        if not (len(year) == 4 and 1 <= len(day) <= 2 and 1 <= len(month) <= 2):
            return None
        if not all(p.isascii() and p.isdigit() for p in parts):
            return None
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


# --- tabular sources -------------------------------------------------------------------------


class SourceRow(NamedTuple):
    """One data row of a source: its line (the header is line 1) and its cells by column.

    ``cells`` is None when the row cannot be read at all (a malformed CSV row
    or the wrong number of columns); ``problem`` then says why.
    """

    line: int
    cells: dict[str, str] | None
    problem: str = ""


@dataclass(frozen=True)
class TableSource:
    """A table to read: a CSV file or a DataFrame, with its upper-cased column names.

    Attributes:
        name: the name the report uses: the file's path as given, or the DataFrame's name.
        columns: the column names, trimmed and upper-cased, in order.
        rows: a function returning the rows, each read once.
    """

    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[SourceRow]]


def csv_source(path: str | Path) -> TableSource:
    """A CSV file as a table (its header read now; its rows read when iterated).

    Raises:
        InputError: the file cannot be read, is not UTF-8, is empty, or repeats a column.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text (save it as 'CSV UTF-8')", file=str(path)) from None
    except csv.Error as exc:
        raise InputError(f"cannot read the header ({exc})", file=str(path), line=1) from None
    if not header:
        raise InputError("the file is empty; expected a header row", file=str(path))
    columns = _columns(header, str(path))
    return TableSource(str(path), columns, lambda: _csv_rows(path, columns))


def _columns(header: Iterable[object], source: str) -> tuple[str, ...]:
    columns = tuple(str(cell).strip().upper() for cell in header)
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise InputError(f"column '{column}' appears twice in the header", file=source)
        seen.add(column)
    return columns


def _csv_rows(path: Path, columns: tuple[str, ...]) -> Iterator[SourceRow]:
    width = len(columns)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            previous_end = reader.line_num
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error:
                    yield SourceRow(previous_end + 1, None, "malformed CSV row")
                    previous_end = reader.line_num
                    continue
                line, previous_end = previous_end + 1, reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # an empty line is not a row
                if len(row) != width:
                    problem = f"wrong number of columns (expected {width}, found {len(row)})"
                    yield SourceRow(line, None, problem)
                    continue
                yield SourceRow(line, dict(zip(columns, (c.strip() for c in row), strict=True)))
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text (save it as 'CSV UTF-8')", file=str(path)) from None


def is_frame(value: object) -> bool:
    """Whether a value looks like a pandas DataFrame (pandas is not imported for this)."""
    return hasattr(value, "columns") and hasattr(value, "itertuples")


def frame_source(frame: Any, name: str) -> TableSource:
    """A pandas DataFrame as a table, named ``name`` in the report.

    Its rows are numbered as a CSV's would be: row position + 2.

    Empty cells (None, NaN, NaT) read as empty; dates and timestamps as ISO
    dates; whole numbers stored as floats (as pandas stores an id column with
    gaps) without the ``.0``.
    """
    columns = _columns(frame.columns, name)

    def rows() -> Iterator[SourceRow]:
        for position, values in enumerate(frame.itertuples(index=False, name=None)):
            cells = dict(zip(columns, (_cell_text(v) for v in values), strict=True))
            yield SourceRow(position + 2, cells)

    return TableSource(name, columns, rows)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return "" if text in {"NaT", "nan", "<NA>"} else text


# --- safe XML --------------------------------------------------------------------------------


@dataclass(slots=True)
class XmlElement:
    """An element of a return: its tag (without namespace prefix), text, line and children."""

    tag: str
    line: int
    text: str = ""
    children: list[XmlElement] = field(default_factory=list)

    def find(self, tag: str) -> XmlElement | None:
        """The first child with this tag."""
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[XmlElement]:
        """Every child with this tag, in document order."""
        return [c for c in self.children if c.tag == tag]

    def text_of(self, tag: str) -> str:
        """The trimmed text of the first child with this tag ("" when absent)."""
        child = self.find(tag)
        return "" if child is None else child.text.strip()

    def leaves(self) -> dict[str, str]:
        """The trimmed texts of the children that have no children, by tag (the first wins)."""
        out: dict[str, str] = {}
        for child in self.children:
            if not child.children:
                out.setdefault(child.tag, child.text.strip())
        return out


class _Refused(Exception):
    """Raised inside an expat handler to stop parsing a hostile or wrong document."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def iter_xml_records(
    path: str | Path, *, root: str, records: Iterable[tuple[str, ...]]
) -> Iterator[XmlElement]:
    """The elements at the given paths of an XML return, each whole, in document order.

    Args:
        path: the XML file.
        root: the tag the document element must have (e.g. ``EXPSSDA903``).
        records: element paths below the root, e.g. ``("Children", "Child")``.

    Raises:
        InputError: the file cannot be read, is not well-formed XML, has a
            document type declaration (refused: a return never needs one, and
            entities are how XML attacks work), nests too deeply, or has
            another root element. One line, with the file and line.
    """
    path = Path(path)
    wanted = {(root, *p) for p in records}
    builder = _XmlBuilder(root, wanted)
    parser = builder.parser()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_XML_CHUNK):
                parser.Parse(chunk, False)
                yield from builder.drain()
            parser.Parse(b"", True)
            yield from builder.drain()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
    except _Refused as exc:
        raise InputError(exc.message, file=str(path), line=exc.line) from None
    except xml.parsers.expat.ExpatError as exc:
        message = xml.parsers.expat.ErrorString(exc.code)
        raise InputError(f"malformed XML: {message}", file=str(path), line=exc.lineno) from None


class _XmlBuilder:
    """Builds the wanted elements from expat's events and hands them over as they close."""

    def __init__(self, root: str, wanted: set[tuple[str, ...]]) -> None:
        self.root = root
        self.wanted = wanted
        self.path: list[str] = []
        self.stack: list[XmlElement | None] = []  # None outside a wanted element
        self.texts: list[list[str]] = []
        self.done: list[XmlElement] = []
        self._parser: Any = None

    def parser(self) -> Any:
        parser = xml.parsers.expat.ParserCreate()
        parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.buffer_text = True
        self._parser = parser
        return parser

    def _line(self) -> int:
        return int(self._parser.CurrentLineNumber)

    def _doctype(self, *_: object) -> None:
        raise _Refused("the XML has a document type declaration (DOCTYPE), which a return never "
                       "needs; refused for safety", self._line())  # fmt: skip

    def _entity(self, *_: object) -> None:
        raise _Refused("the XML declares an entity; refused for safety", self._line())

    def _external(self, *_: object) -> int:
        raise _Refused("the XML refers to an external entity; refused for safety", self._line())

    def _start(self, name: str, _attributes: object) -> None:
        tag = name.rsplit(":", 1)[-1]
        if not self.path and tag != self.root:
            raise _Refused(f"the root element is <{tag}>; expected <{self.root}>", self._line())
        if len(self.path) >= _XML_MAX_DEPTH:
            raise _Refused(f"elements are nested more than {_XML_MAX_DEPTH} deep", self._line())
        self.path.append(tag)
        parent = self.stack[-1] if self.stack else None
        element: XmlElement | None = None
        if parent is not None or tuple(self.path) in self.wanted:
            element = XmlElement(tag, self._line())
            if parent is not None:
                parent.children.append(element)
        self.stack.append(element)
        self.texts.append([])

    def _end(self, _name: str) -> None:
        element = self.stack.pop()
        text = self.texts.pop()
        if element is not None:
            element.text = "".join(text)
            if not self.stack or self.stack[-1] is None:
                self.done.append(element)
        self.path.pop()

    def _text(self, data: str) -> None:
        if self.stack and self.stack[-1] is not None:
            self.texts[-1].append(data)

    def drain(self) -> Iterator[XmlElement]:
        done, self.done = self.done, []
        yield from done


# --- the records an import produces ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedPlan:
    """An EHC plan as an import writes it to ``people.csv`` (the person file's ``EhcPlan``).

    Attributes:
        issued: the day the final plan was issued.
        setting: the setting, one of the person file's EHC plan settings.
        setting_end: the day the young person left that setting, if they have.
        ceased: the first day without the plan, if it ceased.
        cease_reason: the person file's reason it ceased ("" when not ceased or not given).
    """

    issued: date
    setting: str
    setting_end: date | None = None
    ceased: date | None = None
    cease_reason: str = ""


@dataclass(frozen=True, slots=True)
class ImportedPerson:
    """A young person as an import writes them to ``people.csv``.

    Attributes:
        id: the child's identifier in the return (CHILD, LAchildID; for the SEN2
            return, which has none, an id the import gives).
        date_of_birth: the date of birth.
        care_needs_likely: whether to count them in the adult-social-care cohort.
        disability: the CIN disability codes (None when the source has none).
        upn: the unique pupil number, when the return gives a valid one: how
            returns are linked (:func:`merge_imports`). Never in a report.
        ehcp: the EHC plan (from the SEN2 return).
        recorded_events: the event types the young person's sources record
            (none for the SSDA903 and CIN census).
    """

    id: str
    date_of_birth: date
    care_needs_likely: bool = False
    disability: tuple[str, ...] | None = None
    upn: str | None = None
    ehcp: ImportedPlan | None = None
    recorded_events: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedEpisode:
    """A looked-after episode as an import writes it to ``episodes.csv`` ("" = absent)."""

    id: str
    start: date
    end: date | None
    legal_status: str = ""
    placement: str = ""
    reason_ended: str = ""


@dataclass(frozen=True, slots=True)
class ImportedEvent:
    """An event as an import writes it to ``events.csv``."""

    id: str
    type: str
    date: date


_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # the DfE check letters: no I, O or S


def valid_upn(text: str) -> str | None:
    """The unique pupil number (UPN) in a cell, upper-cased, or None when it is not a valid one.

    A UPN is a check letter and twelve more characters: eleven digits and a
    digit or, in a temporary UPN, a letter. The check letter is the remainder
    of the sum of each later character's value times its position (2 to 13)
    divided by 23, as a letter of ``ABCDEFGHJKLMNPQRTUVWXYZ``; a letter in the
    last place has its position in that list as its value (DfE, "Unique pupil
    numbers (UPNs): guidance", the check letter algorithm). The placeholders
    ``UN1`` to ``UN5`` (the SSDA903's "UPN not known" codes) are not UPNs.

    >>> valid_upn("h999000200011"), valid_upn("A999000200011"), valid_upn("UN3")
    ('H999000200011', None, None)
    """
    upn = text.strip().upper()
    if len(upn) != 13 or not upn.isascii() or not upn[1:12].isdigit():
        return None
    values = [int(c) for c in upn[1:12]]
    last = upn[12]
    if last.isdigit():
        values.append(int(last))
    elif last in _UPN_LETTERS:
        values.append(_UPN_LETTERS.index(last))
    else:
        return None
    total = sum(value * position for position, value in enumerate(values, start=2))
    return upn if _UPN_LETTERS[total % len(_UPN_LETTERS)] == upn[0] else None


# --- the report ------------------------------------------------------------------------------


class ImportRejection(NamedTuple):
    """A rejected source row: file, line, why (no value from the row) and the DfE checks failed."""

    file: str
    line: int
    reason: str
    checks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileCount:
    """Rows of one source file: read = kept + rejected."""

    file: str
    table: str
    rows_read: int
    rows_kept: int
    rows_rejected: int


@dataclass(frozen=True, slots=True)
class CheckCount:
    """A DfE validation check that failed on some rows.

    Attributes:
        check: the DfE rule number (as the DfE and the d2i validators number it).
        message: the DfE message.
        rows_rejected: rows rejected because of it.
        rows_flagged: rows kept (as they are, or repaired) although it failed.
        rows: (file, line, "rejected" or "kept") for each row.
    """

    check: str
    message: str
    rows_rejected: int
    rows_flagged: int
    rows: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True, slots=True)
class RepairCount:
    """A named rule that repaired or merged rows (see docs/data-sources.md)."""

    rule: str
    description: str
    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class PlanTimeliness:
    """The SEN2 headline measure for one calendar year: new EHC plans issued within 20 weeks.

    A new plan is one issued in the year after an assessment by this local
    authority (not a historical record, not transferred in, not assessed by
    another authority). Plans whose assessment has ``Week20`` = 1 (an exception
    to the time limit applies, SEND Regulations 2014 reg 13(3)) are left out of
    both counts, as in the DfE's figure "excluding exceptions".

    Attributes:
        year: the calendar year the plans were issued in.
        weeks: the time limit in weeks (a plan issued on day ``weeks * 7``
            after the request was received is within it).
        new_plans: new plans issued in the year, exceptions left out.
        within: those issued within the time limit.
        exceptions: new plans left out because an exception applies.
    """

    year: int
    weeks: int
    new_plans: int
    within: int
    exceptions: int

    @property
    def later(self) -> int:
        """New plans issued after the time limit."""
        return self.new_plans - self.within

    def counts(self, settings: DisclosureSettings | None = None) -> dict[str, Any]:
        """The counts and the share within, exact or (with ``settings``) through disclosure control.

        Under disclosure control ``within`` and ``later`` are a table with the
        new plans as its total (secondary suppression stops a hidden cell being
        worked out from the others), the share is built from published counts
        only, and ``exceptions`` is suppressed on its own.
        """
        if settings is None:
            within: Published = self.within
            later: Published = self.later
            total: Published = self.new_plans
            exceptions: Published = self.exceptions
        else:
            table = suppress_table_1d({"within": self.within, "later": self.later}, settings)
            within, later, total = table.cells["within"], table.cells["later"], table.total
            exceptions = suppress_count(self.exceptions, settings)
        ratio = share(within, total)
        return {
            "calendar_year": self.year,
            "weeks": self.weeks,
            "new_plans_excluding_exceptions": total,
            "within_weeks": within,
            "later": later,
            "share_within": None if ratio is None else round(ratio, 4),
            "exceptions_left_out": exceptions,
        }


@dataclass(frozen=True)
class ImportReport:
    """What an import read, kept, rejected, repaired and which DfE checks failed.

    No value from any row appears in it (only files, lines, reasons and rule
    numbers), so it can be shared like ``rejected.csv``.

    Attributes:
        source: ``ssda903`` or ``cin`` (or both, joined with ``+``).
        files: rows per source file (read = kept + rejected), in the order read.
        rejections: every rejected row, in file and line order.
        checks: the DfE checks that failed, by rule number.
        repairs: the named rules that repaired or merged rows.
        written: rows written to ``people.csv``, ``episodes.csv`` and ``events.csv``.
        notes: plain-English notes on what the output can and cannot show.
        timeliness: the SEN2 headline measure, one per calendar year of new plans.
        linked: when returns were joined by UPN: young people ``in_both``,
            ``only_sen2`` and ``only_other``.
    """

    source: str
    files: tuple[FileCount, ...]
    rejections: tuple[ImportRejection, ...]
    checks: tuple[CheckCount, ...]
    repairs: tuple[RepairCount, ...]
    written: Mapping[str, int]
    notes: tuple[str, ...] = ()
    timeliness: tuple[PlanTimeliness, ...] = ()
    linked: Mapping[str, int] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_kept(self) -> int:
        return sum(f.rows_kept for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def failed_checks(self) -> dict[str, int]:
        """DfE rule number -> rows on which it failed (rejected or kept)."""
        return {c.check: c.rows_rejected + c.rows_flagged for c in self.checks}

    def to_dict(self, settings: DisclosureSettings | None = None) -> dict[str, Any]:
        """The report as plain data (``import-report.json``).

        Args:
            settings: put the counts of young people (the SEN2 measure and the
                linking counts) through disclosure control, for a report that
                is published; None (the default) gives them exact, for the
                local import folder. Row counts are always exact.
        """
        data = self._rows_dict()
        if self.timeliness:
            data["new_plan_timeliness"] = {
                "disclosure_control": _control_text(settings),
                "years": [t.counts(settings) for t in self.timeliness],
            }
        if self.linked:
            data["linked_by_upn"] = {key: n if settings is None else suppress_count(n, settings)
                                     for key, n in self.linked.items()}  # fmt: skip
        return data

    def _rows_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_rejected": self.rows_rejected,
            "files": [
                {"file": f.file, "table": f.table, "rows_read": f.rows_read,
                 "rows_kept": f.rows_kept, "rows_rejected": f.rows_rejected}
                for f in self.files
            ],
            "written": dict(self.written),
            "dfe_checks_failed": [
                {"check": c.check, "message": c.message, "rows_rejected": c.rows_rejected,
                 "rows_kept": c.rows_flagged,
                 "rows": [{"file": f, "line": n, "outcome": o} for f, n, o in c.rows]}
                for c in self.checks
            ],
            "repairs": [
                {"rule": r.rule, "description": r.description, "rows": len(r.rows),
                 "lines": [{"file": f, "line": n} for f, n in r.rows]}
                for r in self.repairs
            ],
            "rejected": [
                {"file": r.file, "line": r.line, "reason": r.reason, "dfe_checks": list(r.checks)}
                for r in self.rejections
            ],
            "notes": list(self.notes),
        }  # fmt: skip

    def to_json(self, settings: DisclosureSettings | None = None) -> str:
        """``import-report.json``: sorted keys, two-space indent, a final newline.

        ``settings``: disclosure control for a published copy (see :meth:`to_dict`).
        """
        return json.dumps(self.to_dict(settings), indent=2, sort_keys=True) + "\n"

    def to_markdown(self, settings: DisclosureSettings | None = None) -> str:
        """``import-report.md``: the same for people to read (``settings`` as for :meth:`to_dict`)."""
        return _report_markdown(self, settings)


def _control_text(settings: DisclosureSettings | None) -> str:
    if settings is None:
        return ("none: exact counts, because this report is a local file beside people.csv; put "
                "them through disclosure control before publishing them (pathways population "
                "--sen2 does)")  # fmt: skip
    return (f"counts of 1 to {settings.threshold - 1} are shown as '{settings.placeholder}', with "
            "secondary suppression; the share only from published counts")  # fmt: skip


def _md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def _timeliness_markdown(report: ImportReport, settings: DisclosureSettings | None) -> list[str]:
    """The SEN2 headline measure and the linking counts, when the report has them."""
    lines: list[str] = []
    if report.timeliness:
        weeks = report.timeliness[0].weeks
        lines += ["", f"## New EHC plans issued within {weeks} weeks (the SEN2 headline measure)", ""]
        rows = []
        for t in report.timeliness:
            c = t.counts(settings)
            ratio = "" if c["share_within"] is None else f"{c['share_within']:.1%}"
            rows.append([c["calendar_year"], c["new_plans_excluding_exceptions"], c["within_weeks"],
                         c["later"], ratio, c["exceptions_left_out"]])  # fmt: skip
        lines += _md_table(["year issued", "new plans (excluding exceptions)",
                            f"within {weeks} weeks", "later", "share within",
                            "exceptions (left out)"], rows)  # fmt: skip
        lines += ["", f"Disclosure control: {_control_text(settings)}."]
    if report.linked:
        lines += ["", "## Linked by UPN", ""]
        counts = {k: n if settings is None else suppress_count(n, settings) for k, n in report.linked.items()}
        lines += _md_table(["in both", "only in the SEN2 return", "only in the other returns"],
                           [[counts.get("in_both", 0), counts.get("only_sen2", 0),
                             counts.get("only_other", 0)]])  # fmt: skip
    return lines


def _report_markdown(report: ImportReport, settings: DisclosureSettings | None = None) -> str:
    lines = [
        f"# Import report: {report.source}",
        "",
        f"Rows read: **{report.rows_read}** = {report.rows_kept} kept + "
        f"{report.rows_rejected} rejected.",
        "",
        f"Written: {', '.join(f'{name} ({n} rows)' for name, n in report.written.items())}.",
        "",
        "## Files",
        "",
        *_md_table(["file", "table", "read", "kept", "rejected"],
                   ([f.file, f.table, f.rows_read, f.rows_kept, f.rows_rejected] for f in report.files)),
        "",
        "## DfE checks that failed",
        "",
    ]  # fmt: skip
    if report.checks:
        lines += _md_table(
            ["DfE rule", "message", "rows rejected", "rows kept"],
            ([c.check, c.message, c.rows_rejected, c.rows_flagged] for c in report.checks),
        )
    else:
        lines.append("None.")
    lines += ["", "## Repairs and merges (named rules, see docs/data-sources.md)", ""]
    if report.repairs:
        lines += _md_table(["rule", "what it did", "rows"],
                           ([r.rule, r.description, len(r.rows)] for r in report.repairs))
    else:
        lines.append("None.")
    lines += ["", "## Rejected rows", ""]
    if report.rejections:
        shown = report.rejections[:_MD_ROWS]
        lines += _md_table(["file", "line", "reason", "DfE rule"],
                           ([r.file, r.line, r.reason, " ".join(r.checks)] for r in shown))
        if len(report.rejections) > len(shown):
            lines += ["", f"… and {len(report.rejections) - len(shown)} more in `{REPORT_JSON}`."]
    else:
        lines.append("No row was rejected.")
    lines += _timeliness_markdown(report, settings)
    lines += ["", "## Notes", "", *(f"- {note}" for note in report.notes), ""]
    return "\n".join(lines)


# --- the log an import fills -------------------------------------------------------------------

_PENDING, _KEPT, _REJECTED = 0, 1, 2


class RowRef(NamedTuple):
    """A row read: its file, its line (for the report) and its number in the file (unique even
    when an XML file puts several records on one line)."""

    file: str
    line: int
    number: int


class ImportLog:
    """Every row read, and what became of it: kept or rejected, checks failed, repairs.

    >>> log = ImportLog("ssda903")
    >>> log.register("episodes.csv", "episodes")
    >>> first, second = log.read("episodes.csv", 2), log.read("episodes.csv", 3)
    >>> log.keep(first); log.reject(second, "DECOM is empty", "141")
    >>> report = log.finish({"people.csv": 0})
    >>> report.rows_read, report.rows_kept, report.rows_rejected, report.failed_checks()
    (2, 1, 1, {'141': 1})
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._tables: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._outcome: dict[RowRef, int] = {}
        self._reasons: dict[RowRef, tuple[str, tuple[str, ...]]] = {}
        self._flags: dict[str, dict[RowRef, None]] = {}
        self._repairs: dict[str, dict[RowRef, None]] = {}
        self._repair_text: dict[str, str] = {}
        self.notes: list[str] = []

    def register(self, file: str, table: str) -> None:
        """Note a source file before its rows are read (so that an empty one is listed too).

        Raises:
            InputError: the same file is given twice.
        """
        if file in self._tables:
            raise InputError("the file is given twice", file=file)
        self._tables[file] = table
        self._counts[file] = 0

    def read(self, file: str, line: int) -> RowRef:
        """Count a row read (its outcome is decided later); returns its reference."""
        self._counts[file] += 1
        ref = RowRef(file, line, self._counts[file])
        self._outcome[ref] = _PENDING
        return ref

    def keep(self, ref: RowRef) -> None:
        """The row went into the output (or was merged with a copy that did)."""
        self._outcome[ref] = _KEPT

    def reject(self, ref: RowRef, reason: str, *checks: str) -> None:
        """The row is left out, for this reason (no value from the row), failing these checks."""
        self._outcome[ref] = _REJECTED
        self._reasons[ref] = (reason, checks)

    def flag(self, check: str, ref: RowRef) -> None:
        """A DfE check failed on a row that is kept."""
        self._flags.setdefault(check, {})[ref] = None

    def repair(self, rule: str, description: str, ref: RowRef) -> None:
        """A named rule repaired or merged a row."""
        self._repair_text.setdefault(rule, description)
        self._repairs.setdefault(rule, {})[ref] = None

    def outcome_kept(self, ref: RowRef) -> bool:
        return self._outcome.get(ref) == _KEPT

    def finish(self, written: Mapping[str, int]) -> ImportReport:
        """The report; every row read must have an outcome (a bug otherwise)."""
        pending = sum(1 for v in self._outcome.values() if v == _PENDING)
        if pending:
            raise RuntimeError(f"{pending} rows were read but neither kept nor rejected")
        order = {name: i for i, name in enumerate(self._tables)}
        counts = {name: [0, 0, 0] for name in self._tables}
        for ref, outcome in self._outcome.items():
            counts[ref.file][0] += 1
            counts[ref.file][outcome] += 1
        files = tuple(FileCount(n, self._tables[n], *counts[n]) for n in self._tables)

        def by_place(ref: RowRef) -> tuple[int, int]:
            return order[ref.file], ref.number

        rejections = tuple(
            ImportRejection(ref.file, ref.line, *self._reasons[ref])
            for ref in sorted(self._reasons, key=by_place)
            if self._outcome[ref] == _REJECTED
        )
        return ImportReport(
            source=self.source,
            files=files,
            rejections=rejections,
            checks=self._check_counts(by_place),
            repairs=self._repair_counts(by_place),
            written=dict(written),
            notes=tuple(self.notes),
        )

    def _repair_counts(self, by_place: Callable[[RowRef], Any]) -> tuple[RepairCount, ...]:
        """The repairs of the rows that were kept in the end (a row left out later is not listed)."""
        out = []
        for rule, rows in sorted(self._repairs.items()):
            kept = sorted((ref for ref in rows if self._outcome.get(ref) == _KEPT), key=by_place)
            if kept:
                out.append(RepairCount(rule, self._repair_text[rule],
                                       tuple((r.file, r.line) for r in kept)))  # fmt: skip
        return tuple(out)

    def _check_counts(self, by_place: Callable[[RowRef], Any]) -> tuple[CheckCount, ...]:
        rows: dict[str, dict[RowRef, str]] = {}
        for ref, (_, checks) in self._reasons.items():
            if self._outcome[ref] == _REJECTED:
                for check in checks:
                    rows.setdefault(check, {})[ref] = "rejected"
        for check, flagged in self._flags.items():
            for ref in flagged:
                if self._outcome.get(ref) == _KEPT:
                    rows.setdefault(check, {}).setdefault(ref, "kept")
        codes = return_codes()
        out = []
        for check in sorted(rows, key=_check_order):
            found = rows[check]
            places = sorted(found, key=by_place)
            rejected = sum(1 for v in found.values() if v == "rejected")
            out.append(CheckCount(check, codes.check_message(check), rejected, len(found) - rejected,
                                  tuple((r.file, r.line, found[r]) for r in places)))  # fmt: skip
        return tuple(out)


def _check_order(check: str) -> tuple[int, int, str]:
    digits = "".join(c for c in check if c.isdigit())
    return (0 if check[:1].isdigit() else 1, int(digits) if digits else 0, check)


# --- the result and its outputs ----------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """The project's records made from a return, and the import report.

    Attributes:
        people: the young people, in order of id.
        episodes: their looked-after episodes, by id and start.
        report: what was read, kept, rejected and repaired.
        events: their recorded events (from the SEN2 return), by id, date and type.
    """

    people: tuple[ImportedPerson, ...]
    episodes: tuple[ImportedEpisode, ...]
    report: ImportReport
    events: tuple[ImportedEvent, ...] = ()

    def _with_disability(self) -> bool:
        return any(p.disability is not None for p in self.people)

    def _with_plans(self) -> bool:
        return any(p.ehcp is not None for p in self.people)

    def _with_upn(self) -> bool:
        """The UPN is written where it is the link: when the SEN2 return (whose young people have
        no other identifier) is among the sources."""
        return SEN2_SOURCE in self.report.source.split("+")

    def people_rows(self) -> Iterator[list[str]]:
        """The rows of ``people.csv`` (header first)."""
        disability, plans, upn = self._with_disability(), self._with_plans(), self._with_upn()
        yield [*PEOPLE_COLUMNS, "recorded_events",
               *(CESSATION_COLUMNS if plans else ()), *(["upn"] if upn else []),
               *(["disability"] if disability else [])]  # fmt: skip
        for p in self.people:
            plan = p.ehcp
            row = [p.id, p.date_of_birth.isoformat(), *_plan_cells(plan),
                   "true" if p.care_needs_likely else "false", "false",
                   " ".join(p.recorded_events) or "none"]  # fmt: skip
            if plans:
                row += [_iso(plan.ceased), plan.cease_reason] if plan is not None else ["", ""]
            if upn:
                row.append(p.upn or "")
            if disability:
                row.append(" ".join(p.disability or ()))
            yield row

    def episode_rows(self) -> Iterator[list[str]]:
        """The rows of ``episodes.csv`` (header first)."""
        yield [*EPISODE_COLUMNS, *EPISODE_CODE_COLUMNS]
        for e in self.episodes:
            end = "" if e.end is None else e.end.isoformat()
            yield [e.id, e.start.isoformat(), end, e.legal_status, e.placement, e.reason_ended]

    def event_rows(self) -> Iterator[list[str]]:
        """The rows of ``events.csv`` (header first): none from the SSDA903 and CIN census."""
        yield list(EVENT_COLUMNS)
        for e in self.events:
            yield [e.id, e.type, e.date.isoformat()]

    def csv_texts(self) -> dict[str, str]:
        """``people.csv``, ``episodes.csv`` and ``events.csv`` as text."""
        return {
            PEOPLE_FILE: _csv_text(self.people_rows()),
            EPISODES_FILE: _csv_text(self.episode_rows()),
            EVENTS_FILE: _csv_text(self.event_rows()),
        }

    def write(self, out_dir: str | Path) -> tuple[Path, ...]:
        """Write the three CSV files and the report into ``out_dir``, all or nothing.

        Raises:
            InputError: the folder is a file, holds other files (it is replaced
                only when it is an earlier import's folder), or cannot be written.
        """
        texts = {
            **self.csv_texts(),
            REPORT_JSON: self.report.to_json(),
            REPORT_MD: self.report.to_markdown(),
        }
        return write_folder_atomically(out_dir, texts)

    def person_rows(self) -> list[PersonRow]:
        """The young people as a population run reads them from the written files.

        Line numbers are those of the files :meth:`write` writes (``people.csv``
        and ``episodes.csv``, the header on line 1).
        """
        by_id: dict[str, list[tuple[int, ImportedEpisode]]] = {}
        for line, episode in enumerate(self.episodes, start=2):
            by_id.setdefault(episode.id, []).append((line, episode))
        events: dict[str, list[tuple[int, ImportedEvent]]] = {}
        for line, event in enumerate(self.events, start=2):
            events.setdefault(event.id, []).append((line, event))
        rows = []
        for line, person in enumerate(self.people, start=2):
            episodes = by_id.get(person.id, [])
            its_events = events.get(person.id, [])
            data: dict[str, Any] = {
                "id": person.id,
                "date_of_birth": person.date_of_birth.isoformat(),
                "care_needs_likely": person.care_needs_likely,
                "continuing_care": False,
            }
            if person.ehcp is not None:
                data["ehcp"] = _plan_data(person.ehcp)
            if episodes:
                data["care_episodes"] = [_episode_data(e) for _, e in episodes]
            if its_events:
                ordered = sorted((e.date, e.type) for _, e in its_events)
                data["events"] = [{"type": kind, "date": when.isoformat()} for when, kind in ordered]
            data["recorded_events"] = list(person.recorded_events)
            rows.append(PersonRow(data, {}, line, tuple(n for n, _ in episodes),
                                  tuple(n for n, _ in its_events)))  # fmt: skip
        return rows

    def to_people(self) -> list[Person]:
        """The young people as validated :class:`~cohorts.Person` records (for notebooks)."""
        return [person_from_mapping(row.data, source=f"{PEOPLE_FILE}:{row.line}")
                for row in self.person_rows()]  # fmt: skip

    def to_frames(self) -> dict[str, Any]:
        """``people``, ``episodes`` and ``events`` as pandas DataFrames (needs pandas).

        The cells are as written to the CSV files (text; empty for absent).
        """
        import pandas as pd

        frames = {}
        for name, rows in (("people", self.people_rows()), ("episodes", self.episode_rows()),
                           ("events", self.event_rows())):  # fmt: skip
            header, *body = list(rows)
            frames[name] = pd.DataFrame(body, columns=header, dtype="string")
        return frames


def _iso(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def _plan_cells(plan: ImportedPlan | None) -> list[str]:
    """The ``ehcp_issued``, ``ehcp_setting`` and ``ehcp_setting_end`` cells."""
    if plan is None:
        return ["", "", ""]
    return [plan.issued.isoformat(), plan.setting, _iso(plan.setting_end)]


def _plan_data(plan: ImportedPlan) -> dict[str, Any]:
    """The plan as the population reader makes it from ``people.csv`` (the same keys)."""
    data: dict[str, Any] = {"issued": plan.issued.isoformat(), "setting": plan.setting,
                            "setting_end": None if plan.setting_end is None else plan.setting_end.isoformat()}  # fmt: skip
    if plan.ceased is not None:
        data["ceased"] = plan.ceased.isoformat()
    if plan.cease_reason:
        data["cease_reason"] = plan.cease_reason
    return data


def _episode_data(e: ImportedEpisode) -> dict[str, Any]:
    data: dict[str, Any] = {"start": e.start.isoformat(), "end": None if e.end is None else e.end.isoformat()}
    for key in EPISODE_CODE_COLUMNS:
        value = getattr(e, key)
        if value:
            data[key] = value
    return data


def _csv_text(rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def write_folder_atomically(out_dir: str | Path, texts: Mapping[str, str]) -> tuple[Path, ...]:
    """Write files into a folder that is all new or all old, never a mix.

    The files are written into a new folder beside ``out_dir`` (permissions
    0700: the data is personal) and renamed into place. An existing
    ``out_dir`` is replaced only when it is empty or an earlier import's
    output (it has ``import-report.json``): a folder of other files is refused.

    Raises:
        InputError: the folder is a file, holds other files, or cannot be written.
    """
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise InputError("the output folder is a file", file=str(out))
        if any(out.iterdir()) and not (out / REPORT_JSON).is_file():
            raise InputError("the output folder holds other files; give a new or empty folder "
                             "(an earlier import's folder is replaced)", file=str(out))  # fmt: skip
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    except OSError as exc:
        raise InputError(f"cannot make the output folder ({exc.strerror})", file=str(out)) from None
    try:
        for name, text in texts.items():
            with open(building / name, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        _swap_into_place(building, out.absolute())
    except OSError as exc:
        shutil.rmtree(building, ignore_errors=True)
        raise InputError(f"cannot write the output folder ({exc.strerror})", file=str(out)) from None
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return tuple(sorted(out / name for name in texts))


def _swap_into_place(building: Path, out: Path) -> None:
    """Rename ``building`` to ``out``; an old ``out`` is moved aside first and removed after."""
    if not out.exists():
        os.rename(building, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)  # only the unique name is wanted
    os.rename(out, old)
    try:
        os.rename(building, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def merge_imports(results: Sequence[ImportResult]) -> ImportResult:
    """Join imports of different returns into one population, each young person once.

    The SSDA903 and the CIN census are joined by the child's id (CHILD and
    LAchildID, the same identifier in most case systems). The SEN2 return has
    no such id: its young people are joined to the others by their unique pupil
    number (UPN), when both records have a valid one (a placeholder such as
    ``UN1`` to ``UN5``, or a UPN whose check letter is wrong, links nothing; a
    UPN shared by two young people of the other returns links neither). A young
    person in several returns is one person: their care episodes, the EHC plan
    and events, the disability codes of the return that has them,
    ``care_needs_likely`` if any says so, the event types any of the returns
    records, and the date of birth of the first return given (the SEN2 after
    the others); a disagreement is noted in the report. The report says how
    many young people were linked, and how many are in only one return.

    Raises:
        InputError: two SEN2 imports are given (give every year's SEN2 file to
            one import, which links them by UPN), or a SEN2 young person's id is
            also an id in another return.
    """
    if len(results) == 1:
        return results[0]
    by_upn = [r for r in results if r.report.source == SEN2_SOURCE]
    if len(by_upn) > 1:
        raise InputError("two SEN2 imports cannot be joined: give every SEN2 file to one import "
                         "(it links the years by UPN)")  # fmt: skip
    by_id = [r for r in results if r.report.source != SEN2_SOURCE]
    join = _Join()
    for result in by_id:
        join.add_by_id(result)
    notes = [note for r in by_id for note in r.report.notes]
    if len(by_id) > 1:
        notes.append(f"{join.linked_by_id()} young people are in more than one return (linked "
                     "by the child's id).")  # fmt: skip
    linked: dict[str, int] = {}
    events: list[ImportedEvent] = []
    if by_upn:
        linked = join.add_by_upn(by_upn[0])
        events = [ImportedEvent(join.renamed.get(e.id, e.id), e.type, e.date) for e in by_upn[0].events]
        notes += [*by_upn[0].report.notes, _linked_note(linked, join.ambiguous)]
    if join.differing:
        notes.append(f"{join.differing} of them have different dates of birth in the returns: the "
                     "date in the return given first (the SEN2 return after the others) is "
                     "used.")  # fmt: skip
    ordered = [*by_id, *by_upn]
    merged = tuple(join.people[k] for k in sorted(join.people))
    episodes = sorted((e for r in ordered for e in r.episodes), key=lambda e: (e.id, e.start))
    events.sort(key=lambda e: (e.id, e.date, e.type))
    report = ImportReport(
        source="+".join(r.report.source for r in ordered),
        files=tuple(f for r in ordered for f in r.report.files),
        rejections=tuple(x for r in ordered for x in r.report.rejections),
        checks=tuple(c for r in ordered for c in r.report.checks),
        repairs=tuple(x for r in ordered for x in r.report.repairs),
        written={PEOPLE_FILE: len(merged), EPISODES_FILE: len(episodes), EVENTS_FILE: len(events)},
        notes=tuple(notes),
        timeliness=tuple(t for r in ordered for t in r.report.timeliness),
        linked=linked,
    )
    return ImportResult(merged, tuple(episodes), report, tuple(events))


def _linked_note(linked: Mapping[str, int], ambiguous: int) -> str:
    note = (f"Linked by UPN (unique pupil number): {linked['in_both']} young people are in both "
            f"the SEN2 return and the other returns, {linked['only_other']} only in the other "
            f"returns and {linked['only_sen2']} only in the SEN2 return. A young person without "
            "a valid UPN in both (none, a placeholder such as UN1 to UN5, or a wrong check letter) "
            "cannot be linked.")  # fmt: skip
    if ambiguous:
        note += (f" {ambiguous} UPNs are shared by more than one young person of the other "
                 "returns, so they link no one.")  # fmt: skip
    return note


class _Join:
    """The young people of several imports, joined by id and then by UPN."""

    def __init__(self) -> None:
        self.people: dict[str, ImportedPerson] = {}
        self.found_in: dict[str, int] = {}
        self.differing = 0
        self.renamed: dict[str, str] = {}  # a SEN2 id -> the id of the young person it joined
        self.ambiguous = 0

    def linked_by_id(self) -> int:
        return sum(1 for n in self.found_in.values() if n > 1)

    def _combine(self, before: ImportedPerson, p: ImportedPerson) -> ImportedPerson:
        self.differing += before.date_of_birth != p.date_of_birth
        return ImportedPerson(
            before.id,
            before.date_of_birth,
            before.care_needs_likely or p.care_needs_likely,
            before.disability if before.disability is not None else p.disability,
            before.upn or p.upn,
            before.ehcp if before.ehcp is not None else p.ehcp,
            tuple(sorted(set(before.recorded_events) | set(p.recorded_events))),
        )

    def add_by_id(self, result: ImportResult) -> None:
        for p in result.people:
            self.found_in[p.id] = self.found_in.get(p.id, 0) + 1
            before = self.people.get(p.id)
            self.people[p.id] = p if before is None else self._combine(before, p)

    def add_by_upn(self, result: ImportResult) -> dict[str, int]:
        """Join the SEN2 young people by UPN; the counts in both and in only one."""
        owners: dict[str, list[str]] = {}
        for p in self.people.values():
            if p.upn is not None:
                owners.setdefault(p.upn, []).append(p.id)
        self.ambiguous = sum(1 for ids in owners.values() if len(ids) > 1)
        others = len(self.people)
        in_both = 0
        for p in result.people:
            ids = owners.get(p.upn, []) if p.upn is not None else []
            if len(ids) == 1:
                self.people[ids[0]] = self._combine(self.people[ids[0]], p)
                self.renamed[p.id] = ids[0]
                in_both += 1
            elif p.id in self.people:
                raise InputError(f"the SEN2 young person '{p.id}' has the same id as a young "
                                 "person of another return")  # fmt: skip
            else:
                self.people[p.id] = p
        return {"in_both": in_both, "only_sen2": len(result.people) - in_both,
                "only_other": others - in_both}  # fmt: skip

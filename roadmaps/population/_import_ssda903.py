"""Reading the SSDA903 return (children looked after) into the project's files.

The SSDA903 is the return every council in England sends the Department for
Education (DfE) each year about the children it looks after. It comes as CSV
tables (``Header``, ``Episodes``, ``OC3``, ``UASC`` and others, recognised
by their columns, as the sector's validators do) or as one XML file per year
(``<EXPSSDA903><CHILD><HEADER/><EPISODE/>…``). Dates are ``dd/mm/yyyy`` (ISO
``yyyy-mm-dd`` is accepted too). See docs/data-sources.md for every field used.

What is read:

* **Header**: ``CHILD`` (the id), ``DOB`` (the date of birth) and ``UPN``
  (the unique pupil number, kept only to link the SEN2 return's young people,
  :func:`~roadmaps.population.merge_imports`). Sex, ethnicity and the mother
  fields are not read: nothing uses them.
* **Episodes**: ``DECOM`` and ``DEC`` (start and end), ``LS``, ``PLACE`` and
  ``REC`` (legal status, placement, reason ended: they decide care-leaver
  status), and ``RNE`` for the continuity checks only.
* **OC3** (care leavers' outcomes): ``IN_TOUCH`` (a young person who has
  died is left out); the activity and accommodation codes are checked only.
* **UASC**: checked only.

**Several years.** Give each year's files (oldest first); a child's episodes
from all of them become one history. Named rules (docs/data-sources.md):

``child-in-several-returns``
    a child's header in several years is one young person; a date of birth
    that differs (DfE 203) is taken from the file given last, and the other
    rows are rejected.
``episode-in-several-returns``
    the same episode (same child, same start date) in several years' files
    is written once: a copy with an end date wins over an open one (a later
    return closes what an earlier one left open), then the copy in the file
    given last. A copy that disagrees otherwise is flagged DfE 503.
``duplicate-episode-row``
    the same row twice in one file: the later one is rejected (DfE 501).
``episode-inside-another``
    an episode that starts and ends within another (or starts on the same
    day and ends sooner) is rejected: the other covers its days (DfE 501).
``close-open-episode``
    an episode left open while a later one starts (DfE 142) is closed on the
    day the later one starts, with its reason ended unknown: the child was
    looked after throughout, and the later episode says how.
``trim-overlapped-episode``
    an episode that ends after the next one starts (DfE 501) is ended on
    the day the next one starts, with its reason ended unknown.
``died``
    a child whose last episode ended with REC ``E2`` (died), or whose OC3
    ``IN_TOUCH`` is ``DIED``, is left out with all their rows: no duty
    remains.

Nothing is merged silently: every repair and merge is in the import report,
with the file and line of each row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cohorts import care_codes
from pathways import InputError

from ._import_common import (
    ImportedEpisode,
    ImportedPerson,
    ImportLog,
    ImportResult,
    RowRef,
    TableSource,
    csv_source,
    frame_source,
    is_frame,
    iter_xml_records,
    parse_return_date,
    return_codes,
    valid_upn,
)

SOURCE = "ssda903"
XML_ROOT = "EXPSSDA903"
_DIED = "E2"
_LAST_ONLY = frozenset({"E2", "E15"})  # DfE 437: nothing may follow these
_CONTINUES = "X1"
_REPAIRS = {
    "child-in-several-returns": "a child's header in several years' files: one young person",
    "episode-in-several-returns": "the same episode in several years' files: written once",
    "close-open-episode": "an open episode followed by another: closed the day the next starts",
    "trim-overlapped-episode": "an episode ending after the next starts: ended the day it starts",
}

Source = Any  # a CSV path, or a pandas DataFrame


@dataclass(frozen=True, slots=True)
class _Row:
    """Where a source row is: its source's position among the sources (later wins) and the row."""

    order: int
    ref: RowRef

    @property
    def file(self) -> str:
        return self.ref.file

    @property
    def line(self) -> int:
        return self.ref.line


@dataclass(frozen=True, slots=True)
class _Header:
    row: _Row
    child: str
    date_of_birth: date
    upn: str | None = None


@dataclass(slots=True)
class _Episode:
    row: _Row
    child: str
    start: date
    end: date | None
    new_reason: str
    legal_status: str
    placement: str
    reason_ended: str
    copies: list[_Row] = dataclasses.field(default_factory=list)  # the same episode in other years

    def rows(self) -> list[_Row]:
        """This row and the copies merged into it."""
        return [self.row, *self.copies]

    def content(self) -> tuple[Any, ...]:
        return (self.start, self.end, self.legal_status, self.placement, self.reason_ended)


@dataclass(frozen=True, slots=True)
class _Leaver:
    """A row of the OC3 or UASC table (or the OC3 fields of an XML header)."""

    row: _Row
    child: str
    died: bool


@dataclass
class _Read:
    """Every checked row of every source, before they are put together."""

    headers: list[_Header] = dataclasses.field(default_factory=list)
    episodes: list[_Episode] = dataclasses.field(default_factory=list)
    oc3: list[_Leaver] = dataclasses.field(default_factory=list)
    uasc: list[_Leaver] = dataclasses.field(default_factory=list)
    xml_died: set[str] = dataclasses.field(default_factory=set)


# --- the public entry point -------------------------------------------------------------------


def import_ssda903(
    header: Source | Sequence[Source] | None = None,
    episodes: Source | Sequence[Source] | None = None,
    *,
    oc3: Source | Sequence[Source] | None = None,
    uasc: Source | Sequence[Source] | None = None,
    files: Iterable[str | Path] = (),
) -> ImportResult:
    """Read SSDA903 tables (CSV files or pandas DataFrames) or XML files into the project's records.

    Args:
        header: the Header table: a CSV path or a DataFrame, or a list of them
            (one per year, oldest first).
        episodes: the Episodes table, likewise.
        oc3: the OC3 table (care leavers), likewise (optional).
        uasc: the UASC table, likewise (optional).
        files: more files, each recognised by its columns (a CSV) or its root
            element (an XML file, ``EXPSSDA903``); tables the import does not
            use are noted and not read. Give the years oldest first.

    Returns:
        the young people and their episodes, and the import report (every row
        read is kept or rejected, with the DfE checks that failed).

    Raises:
        InputError: a file cannot be read, an XML file is malformed or
            hostile, a table lacks a column the import needs, a CSV is not an
            SSDA903 table, or no Header table is given.

    Example (with pandas)::

        result = import_ssda903(header=pd.read_csv("header.csv", dtype=str),
                                episodes=pd.read_csv("episodes.csv", dtype=str))
        result.report.failed_checks()   # {'142': 1, '501': 1}
    """
    log = ImportLog(SOURCE)
    tables, xml_files = _sources(header, episodes, oc3, uasc, files, log)
    if not any(kind == "header" for kind, _, _ in tables) and not xml_files:
        raise InputError("no SSDA903 Header table was given (the table with CHILD, SEX, DOB, …)")
    read = _Read()
    for kind, order, source in tables:
        _read_table(kind, order, source, read, log)
    for order, path in xml_files:
        _read_xml(order, path, read, log)
    return _assemble(read, log)


def _as_list(value: Source | Sequence[Source] | None) -> list[Source]:
    if value is None:
        return []
    if isinstance(value, str | Path) or is_frame(value):
        return [value]
    return list(value)


def _sources(
    header: Source | Sequence[Source] | None,
    episodes: Source | Sequence[Source] | None,
    oc3: Source | Sequence[Source] | None,
    uasc: Source | Sequence[Source] | None,
    files: Iterable[str | Path],
    log: ImportLog,
) -> tuple[list[tuple[str, int, TableSource]], list[tuple[int, Path]]]:
    """Every source in the order given, each with its kind; registered in the log."""
    codes = return_codes().ssda903
    tables: list[tuple[str, int, TableSource]] = []
    xml_files: list[tuple[int, Path]] = []
    order = 0
    for kind, given in (("header", header), ("episodes", episodes), ("oc3", oc3), ("uasc", uasc)):
        for index, item in enumerate(_as_list(given), start=1):
            source = frame_source(item, f"{kind} DataFrame {index}") if is_frame(item) else csv_source(item)
            missing = [c for c in codes.used_columns[kind] if c not in source.columns]
            if missing:
                raise InputError(f"the SSDA903 {kind} table has no column '{missing[0]}'", file=source.name)
            tables.append((kind, order, source))
            log.register(source.name, kind)
            order += 1
    for path in map(Path, files):
        if path.suffix.lower() == ".xml":
            xml_files.append((order, path))
            log.register(str(path), "xml")
        else:
            source = csv_source(path)
            table = _table_kind(source)
            if table is None:
                log.notes.append(f"{source.name} is an SSDA903 table the import does not use: "
                                 "not read.")  # fmt: skip
                continue
            tables.append((table, order, source))
            log.register(source.name, table)
        order += 1
    return tables, xml_files


def _table_kind(source: TableSource) -> str | None:
    """Which table a CSV is, by its columns; None for a table the import does not read.

    Raises:
        InputError: the columns match no SSDA903 table, or more than one.
    """
    codes = return_codes().ssda903
    columns = set(source.columns)
    found = [kind for kind, wanted in codes.tables.items() if set(wanted) <= columns]
    if len(found) > 1:
        raise InputError(f"the columns match more than one SSDA903 table ({', '.join(found)})",
                         file=source.name)  # fmt: skip
    if found:
        return found[0]
    if any(set(wanted) <= columns for wanted in codes.unused_tables.values()):
        return None
    closest = max(codes.tables, key=lambda kind: len(columns & set(codes.tables[kind])))
    missing = ", ".join(c for c in codes.tables[closest] if c not in columns)
    raise InputError("not an SSDA903 table the import reads: its columns match none of Header, "
                     f"Episodes, OC3 or UASC (the closest, {closest}, also needs {missing}; see "
                     "docs/data-sources.md)", file=source.name)  # fmt: skip


# --- reading the rows ---------------------------------------------------------------------------


def _read_table(kind: str, order: int, source: TableSource, read: _Read, log: ImportLog) -> None:
    for row in source.rows():
        place = _Row(order, log.read(source.name, row.line))
        if row.cells is None:
            log.reject(place.ref, row.problem)
            continue
        if kind == "header":
            _header_row(place, row.cells, read, log)
        elif kind == "episodes":
            _episode_row(place, row.cells, read, log)
        else:
            _leaver_row(kind, place, row.cells, read, log)


def _header_row(place: _Row, cells: dict[str, str], read: _Read, log: ImportLog) -> None:
    child = cells.get("CHILD", "")
    text = cells.get("DOB", "")
    born = parse_return_date(text)
    if not child:
        log.reject(place.ref, "CHILD is empty")
    elif born is None:
        problem = "is empty" if not text else "is not a date (dd/mm/yyyy or yyyy-mm-dd)"
        log.reject(place.ref, f"DOB {problem}", "102")
    else:
        read.headers.append(_Header(place, child, born, valid_upn(cells.get("UPN", ""))))


def _episode_row(place: _Row, cells: dict[str, str], read: _Read, log: ImportLog) -> None:
    checked = _episode_dates(cells)
    if isinstance(checked, list):
        log.reject(place.ref, *checked)
        return
    start, end = checked
    codes = care_codes()
    legal, placement, reason = cells["LS"].upper(), cells["PLACE"].upper(), cells["REC"].upper()
    if legal not in codes.legal_status:
        log.reject(place.ref, "LS is not a known legal status code", "144")
    elif placement not in codes.placement:
        log.reject(place.ref, "PLACE is not a known placement code", "146")
    elif reason and reason not in codes.reason_ended:
        log.reject(place.ref, "REC is not a known reason-ceased code", "149")
    elif reason and end is None:
        log.reject(place.ref, "REC is given but DEC is empty", "148")
    else:
        new_reason = cells.get("RNE", "").upper()
        if new_reason and new_reason not in return_codes().ssda903.new_episode_reasons:
            log.flag("143", place.ref)
        if end is not None and not reason:
            log.flag("148", place.ref)  # kept: the reason it ended is unknown
        read.episodes.append(
            _Episode(place, cells["CHILD"], start, end, new_reason, legal, placement, reason)
        )


def _episode_dates(cells: dict[str, str]) -> tuple[date, date | None] | list[str]:
    """(start, end) of an episode row, or why it is rejected: [reason, DfE checks...]."""
    if not cells.get("CHILD"):
        return ["CHILD is empty"]
    start = parse_return_date(cells["DECOM"])
    if start is None:
        if not cells["DECOM"]:
            return ["DECOM is empty"]
        return ["DECOM is not a date (dd/mm/yyyy or yyyy-mm-dd)", "141"]
    end = parse_return_date(cells["DEC"]) if cells["DEC"] else None
    if cells["DEC"] and end is None:
        return ["DEC is not a date (dd/mm/yyyy or yyyy-mm-dd)", "147"]
    if end is not None and end < start:
        return ["DEC is before DECOM", "356"]
    return start, end


def _leaver_row(kind: str, place: _Row, cells: dict[str, str], read: _Read, log: ImportLog) -> None:
    child = cells.get("CHILD", "")
    if not child:
        log.reject(place.ref, "CHILD is empty")
        return
    codes = return_codes().ssda903
    if kind == "uasc":
        text = cells.get("DUC", "")
        if text and parse_return_date(text) is None:
            log.reject(place.ref, "DUC is not a date (dd/mm/yyyy or yyyy-mm-dd)", "104")
        else:
            read.uasc.append(_Leaver(place, child, False))
        return
    in_touch = cells["IN_TOUCH"].upper()
    if in_touch not in codes.in_touch:
        log.reject(place.ref, "IN_TOUCH is not a known code", "131")
    elif (activity := cells.get("ACTIV", "")) and activity.upper() not in codes.activity:
        log.reject(place.ref, "ACTIV is not a known code", "132")
    elif (home := cells.get("ACCOM", "")) and home.upper() not in codes.accommodation:
        log.reject(place.ref, "ACCOM is not a known code", "133")
    else:
        read.oc3.append(_Leaver(place, child, in_touch == "DIED"))


def _read_xml(order: int, path: Path, read: _Read, log: ImportLog) -> None:
    """One XML return: a header row for each CHILD, an episode row for each EPISODE."""
    name = str(path)
    for child in iter_xml_records(path, root=XML_ROOT, records=[("CHILD",)]):
        header = child.find("HEADER")
        line = header.line if header is not None else child.line
        ref = log.read(name, line)
        fields = header.leaves() if header is not None else {}
        child_id = fields.get("CHILDID", "")
        if header is None:
            log.reject(ref, "CHILD has no HEADER")
        else:
            cells = {"CHILD": child_id, "DOB": fields.get("DOB", ""), "UPN": fields.get("UPN", "")}
            _header_row(_Row(order, ref), cells, read, log)
            if fields.get("IN_TOUCH", "").upper() == "DIED" and child_id:
                read.xml_died.add(child_id)
        for element in child.findall("EPISODE"):
            place = _Row(order, log.read(name, element.line))
            cells = {k: element.text_of(k) for k in ("DECOM", "RNE", "LS", "DEC", "REC")}
            cells["PLACE"] = element.text_of("PL") or element.text_of("PLACE")
            cells["CHILD"] = child_id
            if header is None:
                log.reject(place.ref, "CHILD has no HEADER")
            else:
                _episode_row(place, cells, read, log)


# --- putting the rows together ------------------------------------------------------------------


def _assemble(read: _Read, log: ImportLog) -> ImportResult:
    born = _resolve_headers(read.headers, log)
    by_child = _episodes_by_child(read.episodes, born, log)
    died = {c for c, eps in by_child.items() if eps and eps[-1].reason_ended == _DIED}
    died |= {r.child for r in read.oc3 if r.died} | (read.xml_died & set(born))
    oc3_children = _leavers(read.oc3, born, "OC3", ("INT06", "INT34"), log)
    _leavers(read.uasc, born, "UASC", ("INT09", "INT36"), log)
    people: list[ImportedPerson] = []
    episodes: list[ImportedEpisode] = []
    for child in sorted(born):
        if child in died:
            _leave_out_died(child, read, log)
            continue
        people.append(ImportedPerson(child, born[child].date_of_birth, upn=born[child].upn))
        for ep in by_child.get(child, []):
            episodes.append(ImportedEpisode(child, ep.start, ep.end, ep.legal_status,
                                            ep.placement, ep.reason_ended))  # fmt: skip
    _notes(log, people, by_child, oc3_children - died, read)
    report = log.finish({"people.csv": len(people), "episodes.csv": len(episodes), "events.csv": 0})
    return ImportResult(tuple(people), tuple(episodes), report)


def _resolve_headers(headers: list[_Header], log: ImportLog) -> dict[str, _Header]:
    """One header per child: the first in each file (INT32), the file given last (DfE 203)."""
    first_in_file: dict[tuple[str, str], _Header] = {}
    for h in headers:
        key = (h.row.file, h.child)
        if key in first_in_file:
            log.reject(h.row.ref, "CHILD appears again in the same header file "
                       "(an earlier row has it)", "INT32")  # fmt: skip
        else:
            first_in_file[key] = h
    chosen: dict[str, _Header] = {}
    for h in sorted(first_in_file.values(), key=lambda h: (h.row.order, h.row.line)):
        chosen[h.child] = h  # the file given last wins
    for h in first_in_file.values():
        winner = chosen[h.child]
        if h is winner:
            log.keep(h.row.ref)
        elif h.date_of_birth == winner.date_of_birth:
            log.keep(h.row.ref)
            log.repair("child-in-several-returns", _REPAIRS["child-in-several-returns"],
                       h.row.ref)  # fmt: skip
        else:
            log.reject(h.row.ref, "DOB differs from the child's header in a file "
                       "given later (that one is used)", "203")  # fmt: skip
    return chosen


def _episodes_by_child(
    episodes: list[_Episode], born: dict[str, _Header], log: ImportLog
) -> dict[str, list[_Episode]]:
    """Each child's episodes as one history: de-duplicated, ordered, overlaps repaired."""
    grouped: dict[str, list[_Episode]] = {}
    for ep in episodes:
        header = born.get(ep.child)
        if header is None:
            log.reject(ep.row.ref, "CHILD is not in any header file", "INT03")
        elif ep.start < header.date_of_birth:
            log.reject(ep.row.ref, "DECOM is before the child's date of birth", "302")
        else:
            grouped.setdefault(ep.child, []).append(ep)
    return {child: _history(eps, log) for child, eps in grouped.items()}


def _history(episodes: list[_Episode], log: ImportLog) -> list[_Episode]:
    """One child's episodes stitched into one history by the named rules (module docstring)."""
    ordered = _one_copy_each(episodes, log)
    _continuity_flags(ordered, log)
    out: list[_Episode] = []
    for ep in ordered:
        prev = out[-1] if out else None
        if prev is not None and prev.end is None:
            log.flag("142", prev.row.ref)
            log.repair("close-open-episode", _REPAIRS["close-open-episode"], prev.row.ref)
            prev.end, prev.reason_ended = ep.start, ""
        elif prev is not None and prev.end is not None and ep.start < prev.end:
            log.flag("501", ep.row.ref)
            if ep.end is not None and ep.end <= prev.end:
                for row in ep.rows():
                    log.reject(row.ref, "the episode lies inside an earlier one "
                               "(episode-inside-another)", "501")  # fmt: skip
                continue
            log.repair("trim-overlapped-episode", _REPAIRS["trim-overlapped-episode"],
                       prev.row.ref)  # fmt: skip
            prev.end, prev.reason_ended = ep.start, ""
        for row in ep.rows():
            log.keep(row.ref)
        out.append(ep)
    return out


def _one_copy_each(episodes: list[_Episode], log: ImportLog) -> list[_Episode]:
    """One episode per start date, sorted by start (rules ``duplicate-episode-row``,
    ``episode-inside-another`` for the same start in one file, ``episode-in-several-returns``)."""
    by_start: dict[date, list[_Episode]] = {}
    for ep in episodes:
        by_start.setdefault(ep.start, []).append(ep)
    out = []
    for start in sorted(by_start):
        copies = sorted(by_start[start], key=lambda e: (e.row.order, e.row.line))
        per_file: dict[str, _Episode] = {}
        for ep in copies:
            earlier = per_file.get(ep.row.file)
            if earlier is None:
                per_file[ep.row.file] = ep
            elif earlier.content() == ep.content():
                log.reject(ep.row.ref, "the same episode appears again in this file "
                           "(duplicate-episode-row)", "501")  # fmt: skip
            else:
                shorter, per_file[ep.row.file] = sorted((earlier, ep), key=_end_key)
                log.reject(shorter.row.ref, "another episode in this file starts "
                           "the same day and ends later (episode-inside-another)", "501")  # fmt: skip
        out.append(_latest_copy(list(per_file.values()), log))
    return out


def _end_key(ep: _Episode) -> tuple[date, int, int]:
    return (ep.end or date.max, ep.row.order, ep.row.line)


def _latest_copy(copies: list[_Episode], log: ImportLog) -> _Episode:
    """The copy used of an episode in several returns: closed before open, then the file given last."""
    winner = max(copies, key=lambda e: (e.end is not None, e.row.order, e.row.line))
    for ep in copies:
        if ep is winner:
            continue
        winner.copies.append(ep.row)
        log.repair("episode-in-several-returns", _REPAIRS["episode-in-several-returns"],
                   ep.row.ref)  # fmt: skip
        same_codes = (ep.legal_status, ep.placement) == (winner.legal_status, winner.placement)
        same_end = ep.end is None or (ep.end, ep.reason_ended) == (winner.end, winner.reason_ended)
        if not (same_codes and same_end):
            log.flag("503", ep.row.ref)
    return winner


def _continuity_flags(ordered: list[_Episode], log: ImportLog) -> None:
    """DfE 433, 431, 388 and 437 on one child's episodes, as the return gave them (flags only)."""
    continuing = set(return_codes().ssda903.continuing_reasons)
    for index, ep in enumerate(ordered):
        prev = ordered[index - 1] if index else None
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if prev is not None and ep.new_reason in continuing and prev.end != ep.start:
            log.flag("433", ep.row.ref)
        if prev is not None and ep.new_reason == "S" and prev.end == ep.start:
            log.flag("431", ep.row.ref)
        if ep.reason_ended == _CONTINUES and (following is None or following.start != ep.end):
            log.flag("388", ep.row.ref)
        if ep.reason_ended in _LAST_ONLY and following is not None:
            log.flag("437", ep.row.ref)


def _leavers(
    rows: list[_Leaver], born: dict[str, _Header], table: str, checks: tuple[str, str], log: ImportLog
) -> set[str]:
    """Check OC3 or UASC rows against the headers; the children kept."""
    seen: set[tuple[str, str]] = set()
    kept: set[str] = set()
    for r in sorted(rows, key=lambda r: (r.row.order, r.row.line)):
        if r.child not in born:
            log.reject(r.row.ref, "CHILD is not in any header file", checks[0])
        elif (r.row.file, r.child) in seen:
            log.reject(r.row.ref, f"CHILD appears again in the same {table} file "
                       "(an earlier row has it)", checks[1])  # fmt: skip
        else:
            seen.add((r.row.file, r.child))
            kept.add(r.child)
            log.keep(r.row.ref)
    return kept


def _leave_out_died(child: str, read: _Read, log: ImportLog) -> None:
    """Reject every kept row of a child who died (rule ``died``)."""
    reason = "the child died (REC E2, or OC3 IN_TOUCH DIED): left out (died)"
    rows: Iterator[_Row] = (
        item.row
        for group in (read.headers, read.episodes, read.oc3, read.uasc)
        for item in group
        if item.child == child
    )
    for row in rows:
        if log.outcome_kept(row.ref):
            log.reject(row.ref, reason)


def _notes(
    log: ImportLog,
    people: list[ImportedPerson],
    by_child: dict[str, list[_Episode]],
    oc3_children: set[str],
    read: _Read,
) -> None:
    codes = care_codes()
    without = sum(1 for c in oc3_children if not by_child.get(c))
    only_breaks = sum(
        1 for p in people
        if by_child.get(p.id) and all(codes.is_short_break(e.legal_status) for e in by_child[p.id])
    )  # fmt: skip
    log.notes += [
        "The SSDA903 return holds no assessments, plans or reviews, so people.csv says "
        "recorded_events 'none': a population run counts the duties that need them as "
        "'not recorded', not as gaps.",
        f"{only_breaks} young people were only ever looked after in short breaks (legal status "
        "V3 or V4): they are not eligible children (CPPCR 2010 reg 48).",
        "Only CHILD, DOB and UPN are read from the header (the UPN only to link the SEN2 "
        "return); sex, ethnicity and the mother fields are not written anywhere.",
    ]
    if without:
        log.notes.append(
            f"{without} care leavers in the OC3 table have no episodes in the files given: their "
            "care-leaver status cannot be worked out. Add the episodes files of the years they "
            "were looked after."
        )
    if read.uasc:
        log.notes.append("The UASC table is checked but not used: the duties to unaccompanied "
                         "asylum-seeking care leavers are worked out like anyone's.")  # fmt: skip

"""Reading the Children in Need (CIN) census into the project's files: disability, for adult care.

The CIN census is the XML return (``<Message><Header/><Children><Child>…``)
every council sends the DfE each year about the children in need it worked
with. The SSDA903 says who is looked after; the CIN census adds what it lacks:
which children are **disabled** (``Disabilities/Disability``: ``MOB``,
``HAND``, ``PC``, ``INC``, ``COMM``, ``LD``, ``HEAR``, ``VIS``, ``BEH``,
``CON``, ``AUT``, ``DDA``, or ``NONE``). See docs/data-sources.md.

What is read, for each ``Child`` (one row of the report):

* ``LAchildID`` (the id) and ``PersonBirthDate`` (the date of birth). An unborn
  child (only ``ExpectedPersonBirthDate``) and a child who has died
  (``PersonDeathDate``) are left out: neither is a young person to plan for.
* ``Disability`` codes, written to a ``disability`` column of ``people.csv``.
* ``UPN`` (the unique pupil number), kept only to link the SEN2 return's young
  people (:func:`~roadmaps.population.merge_imports`).

**Disability and the adult-care cohort.** A disability recorded in the CIN
census is not the Care Act test (Care Act 2014 s.58: a child "likely to have
needs for care and support after becoming 18"), which is a judgement. But it
is the record councils screen for transition to adult care, so by default
(``care_needs_likely="from-disability"``) a child with any disability code
other than ``NONE`` is written with ``care_needs_likely`` true, which puts them
in the adult-social-care cohort: an upper bound for planning, said so in the
report. ``care_needs_likely="no"`` writes false for everyone and keeps the
codes in the ``disability`` column for the analyst to decide.

Referrals, assessments, plans and child protection are not read: they are
children's social care duties, not the transition duties this library checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pathways import InputError

from ._import_common import (
    ImportedPerson,
    ImportLog,
    ImportResult,
    RowRef,
    XmlElement,
    iter_xml_records,
    parse_return_date,
    return_codes,
    valid_upn,
)

SOURCE = "cin"
XML_ROOT = "Message"
NO_DISABILITY = "NONE"
CareNeedsFrom = Literal["from-disability", "no"]


@dataclass(frozen=True, slots=True)
class _Child:
    order: int
    ref: RowRef
    id: str
    date_of_birth: date
    disability: tuple[str, ...] | None
    upn: str | None


def import_cin(
    *paths: str | Path, care_needs_likely: CareNeedsFrom = "from-disability"
) -> ImportResult:
    """Read CIN census XML files (one per year, oldest first) into the project's records.

    Args:
        paths: the XML files.
        care_needs_likely: ``"from-disability"`` (the default) marks a child with
            any disability other than ``NONE`` as likely to have care needs at 18
            (the adult-social-care cohort); ``"no"`` marks no one.

    Returns:
        the young people (no episodes, no events) and the import report.

    Raises:
        InputError: no file, a file that cannot be read, is malformed or hostile
            XML, is not a CIN census, or is given twice.
    """
    if not paths:
        raise InputError("no CIN census file was given")
    if care_needs_likely not in ("from-disability", "no"):
        raise InputError(f"care_needs_likely must be 'from-disability' or 'no' (got {care_needs_likely!r})")
    log = ImportLog(SOURCE)
    children: list[_Child] = []
    for order, path in enumerate(map(Path, paths)):
        log.register(str(path), "cin")
        children += _read_file(order, path, log)
    chosen = _resolve(children, log)
    people = tuple(
        ImportedPerson(
            c.id,
            c.date_of_birth,
            care_needs_likely=care_needs_likely == "from-disability" and _disabled(c.disability),
            disability=c.disability or (),
            upn=c.upn,
        )
        for c in sorted(chosen.values(), key=lambda c: c.id)
    )
    _notes(log, people, care_needs_likely)
    report = log.finish({"people.csv": len(people), "episodes.csv": 0, "events.csv": 0})
    return ImportResult(people, (), report)


def _disabled(codes: tuple[str, ...] | None) -> bool:
    return any(code != NO_DISABILITY for code in codes or ())


def _read_file(order: int, path: Path, log: ImportLog) -> list[_Child]:
    name = str(path)
    out: list[_Child] = []
    records = iter_xml_records(path, root=XML_ROOT, records=[("Header",), ("Children", "Child")])
    for element in records:
        if element.tag == "Header":
            collection = element.find("CollectionDetails")
            kind = collection.text_of("Collection") if collection is not None else ""
            if kind and kind.upper() != "CIN":
                raise InputError(f"not a CIN census (its Collection is '{kind}')", file=name)
            continue
        child = _child(order, log.read(name, element.line), element, log)
        if child is not None:
            out.append(child)
    return out


def _child(order: int, ref: RowRef, element: XmlElement, log: ImportLog) -> _Child | None:
    """The checked child of a ``Child`` element, or None (rejected in the log)."""
    ids = element.find("ChildIdentifiers")
    fields = ids.leaves() if ids is not None else {}
    child_id = fields.get("LAchildID", "")
    born_text = fields.get("PersonBirthDate", "")
    born = parse_return_date(born_text)
    if not child_id:
        log.reject(ref, "LAchildID is empty", "8500")
    elif not born_text:
        if fields.get("ExpectedPersonBirthDate"):
            log.reject(ref, "an unborn child (only an expected date of birth): left out")
        else:
            log.reject(ref, "PersonBirthDate is empty", "8525Q")
    elif born is None:
        log.reject(ref, "PersonBirthDate is not a date (yyyy-mm-dd)")
    elif fields.get("PersonDeathDate"):
        log.reject(ref, "the child died (PersonDeathDate): left out (died)")
    else:
        disability = _disability(element)
        if isinstance(disability, str):
            log.reject(ref, disability, "8540")
            return None
        if disability is None:
            log.flag("8540", ref)
        return _Child(order, ref, child_id, born, disability, valid_upn(fields.get("UPN", "")))
    return None


def _disability(element: XmlElement) -> tuple[str, ...] | str | None:
    """The sorted disability codes of a child, None when none is recorded, or why they are bad."""
    traits = element.find("ChildCharacteristics")
    group = traits.find("Disabilities") if traits is not None else None
    if group is None:
        return None
    codes = [d.text.strip().upper() for d in group.findall("Disability") if d.text.strip()]
    if not codes:
        return None
    known = return_codes().cin.disability
    if any(code not in known for code in codes):
        return "Disability is not a known CIN disability code"
    if NO_DISABILITY in codes and len(set(codes)) > 1:
        return "Disability says NONE and names a disability"
    return tuple(sorted(set(codes)))


def _resolve(children: Iterable[_Child], log: ImportLog) -> dict[str, _Child]:
    """One record per child: the first in each file (8510), then the file given last."""
    first_in_file: dict[tuple[str, str], _Child] = {}
    for c in children:
        if (c.ref.file, c.id) in first_in_file:
            log.reject(c.ref, "LAchildID appears again in the same file (an earlier "
                       "Child has it)", "8510")  # fmt: skip
        else:
            first_in_file[c.ref.file, c.id] = c
    chosen: dict[str, _Child] = {}
    for c in sorted(first_in_file.values(), key=lambda c: (c.order, c.ref.number)):
        chosen[c.id] = c
    for c in first_in_file.values():
        winner = chosen[c.id]
        if c is winner:
            log.keep(c.ref)
        elif c.date_of_birth == winner.date_of_birth:
            log.keep(c.ref)
            log.repair("child-in-several-returns", "a child in several years' files: one young "
                       "person, with the disabilities of the file given last", c.ref)  # fmt: skip
        else:
            log.reject(c.ref, "PersonBirthDate differs from the child's record in a "
                       "file given later (that one is used)")  # fmt: skip
    return chosen


def _notes(log: ImportLog, people: tuple[ImportedPerson, ...], mode: CareNeedsFrom) -> None:
    disabled = sum(1 for p in people if _disabled(p.disability))
    unrecorded = sum(1 for p in people if not p.disability)
    log.notes.append(
        f"{disabled} children have a disability recorded (a code other than NONE); "
        f"{unrecorded} have none recorded at all. The codes are in the 'disability' column."
    )
    if mode == "from-disability":
        log.notes.append(
            "care_needs_likely is true for the children with a disability recorded, which puts "
            "them in the adult-social-care cohort: a disability is not the Care Act test of "
            "likely needs at 18, so read the cohort as an upper bound (docs/data-sources.md)."
        )
    else:
        log.notes.append("care_needs_likely is false for everyone (as asked).")
    log.notes.append(
        "The CIN census holds no transition assessments or plans, so people.csv says "
        "recorded_events 'none': a population run counts those duties as 'not recorded'."
    )

"""Reading the SEN2 return (EHC plans, person level, 2023 onwards) into the project's files.

The SEN2 is the XML return (``<Message><Header/><Persons><Person>…``) every
council in England sends the Department for Education (DfE) each January about
the Education, Health and Care (EHC) plans it maintains and the requests for
EHC needs assessments it received in the calendar year before. Each ``Person``
holds ``Requests`` (one element per request), each request its
``Assessment``, the assessment the ``NamedPlan`` it led to (with the settings
named in the plan, ``PlanDetail``), and the request ``ActivePlans`` for a plan
still maintained (the settings attended, ``PlacementDetail``, and the last
annual review). See docs/data-sources.md for every field used.

No public SEN2 schema was found: the element names are those of three
independent public readers of real returns. Where they disagree on the case of
a name, both are read: ``SENsetting`` and ``SENSetting``, ``PlanWBP`` and
``PlanWPB``, ``WBP`` and ``WPB``.

What is written, for each young person (a ``Person``, or the same UPN in
several years' files):

* ``people.csv``: the date of birth, the **EHC plan** (the plan issued last:
  its start, its setting, the day the young person left it, and the day and
  reason it ceased), the UPN (for linking; never in a report), and
  ``recorded_events``: the event types the return records.
* ``events.csv``: an ``ehc-assessment-request`` on each request's
  ``ReceivedDate`` (except a request refused or withdrawn: the roadmap would
  wait for a plan that will not come), and an ``ehcp-annual-review`` on each
  ``ReviewMeeting``.

The **setting** comes from the placement attended (rank 1, not left), else
from the setting named in the plan: a ``SENsetting`` code by the table in
``data/returns.yaml`` (``EHE`` elective home education, ``NEET``, ``NIEC``
and ``NIEO`` none, the others other); a school by its URN, a college or
training provider by its UKPRN; a supported internship or apprenticeship by
the work-based learning flag (``PlanWBP``, ``WBP``).

**The headline measure**, for each return's calendar year: of the new plans
issued in the year (not historical, not transferred in, not assessed by
another authority), how many were issued within 20 weeks of the request
(``StartDate`` - ``ReceivedDate`` at most 140 days), plans with ``Week20`` = 1
(an exception to the time limit applies) left out of both counts
(:class:`~roadmaps.population._import_common.PlanTimeliness`).

Named rules (docs/data-sources.md):

``person-in-several-returns``
    the same UPN (or, without one, unique learner number) in several years'
    files is one young person: their requests and reviews from all, the date
    of birth of the file given last (a file that disagrees is rejected).
``latest-plan``
    a young person with several plans: the plan issued last is written.
``died``
    a young person whose plan ceased because they died (``CeaseReason`` 8) is
    left out with all their rows: no duty remains.

Rows: each ``Person`` and each ``Requests`` element is one row of the report,
kept or rejected with a reason. No list of SEN2 validation rules was found in
public, so the reasons name the element and carry no DfE rule number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pathways import InputError

from ._import_common import (
    SEN2_SOURCE,
    ImportedEvent,
    ImportedPerson,
    ImportedPlan,
    ImportLog,
    ImportResult,
    PlanTimeliness,
    RowRef,
    XmlElement,
    iter_xml_records,
    parse_return_date,
    return_codes,
    valid_upn,
)

XML_ROOT = "Message"
REQUEST_EVENT = "ehc-assessment-request"
REVIEW_EVENT = "ehcp-annual-review"
_YES = "1"
_NO_FLAGS = frozenset({"", "0"})
_ULN_DIGITS = 10
_DAYS_IN_WEEK = 7
_REPAIRS = {
    "person-in-several-returns": "the same young person (by UPN or unique learner number) in "
    "several years' files: one young person, with the requests and reviews of all",
    "latest-plan": "a young person with several EHC plans: the plan issued last is written",
}
_DIED = "the young person died (CeaseReason 8): left out (died)"


@dataclass(frozen=True, slots=True)
class _File:
    """A SEN2 file: its position among the files given (later wins) and the year it reports."""

    order: int
    name: str
    year: int | None  # the calendar year of its requests and new plans (the census Year - 1)


@dataclass(frozen=True, slots=True)
class _Plan:
    start: date
    setting: str
    setting_end: date | None
    ceased: date | None
    cease_reason: str  # the person file's reason ("" when none)
    died: bool
    exception: bool  # Week20 = 1
    days: int | None  # from the request received to the plan issued
    new: bool  # a new plan by this authority, for the headline measure


@dataclass(frozen=True, slots=True)
class _Request:
    ref: RowRef
    received: date | None
    ended_without_plan: bool
    plans: tuple[_Plan, ...]
    review: date | None
    unknown_work_flag: bool


@dataclass(slots=True)
class _Person:
    ref: RowRef
    file: _File
    date_of_birth: date
    key: str | None  # "upn:…" or "uln:…": the same young person in other files
    upn: str | None
    requests: list[_Request] = dataclasses.field(default_factory=list)

    def refs(self) -> Iterator[RowRef]:
        """This row and the rows of its kept requests."""
        yield self.ref
        for request in self.requests:
            yield request.ref


class _Rejected(Exception):
    """A row cannot be used: why (naming the element, no value from the row)."""


# --- the public entry point -------------------------------------------------------------------


def import_sen2(*paths: str | Path) -> ImportResult:
    """Read SEN2 XML files (one per year, oldest first) into the project's records.

    Args:
        paths: the XML files.

    Returns:
        the young people with their EHC plans, their request and review events,
        and the import report, with the share of new plans issued within 20
        weeks for each return's calendar year (exact counts: the report is a
        local file; see :meth:`ImportReport.to_json
        <roadmaps.population.ImportReport.to_json>` for a published copy).

    Raises:
        InputError: no file, a file that cannot be read, is malformed or hostile
            XML, is not a SEN2 return, or is given twice.

    Example::

        result = import_sen2("sen2_2025.xml")
        result.report.timeliness[0].counts()   # {'calendar_year': 2024, 'within_weeks': 2, …}
    """
    if not paths:
        raise InputError("no SEN2 file was given")
    log = ImportLog(SEN2_SOURCE)
    people: list[_Person] = []
    files: list[_File] = []
    for order, path in enumerate(map(Path, paths)):
        log.register(str(path), "sen2")
        file, read = _read_file(order, path, log)
        files.append(file)
        people += read
    groups = _group(people, log)
    return _assemble(groups, files, log)


# --- reading ------------------------------------------------------------------------------------


def _read_file(order: int, path: Path, log: ImportLog) -> tuple[_File, list[_Person]]:
    name = str(path)
    year: int | None = None
    out: list[_Person] = []
    records = iter_xml_records(path, root=XML_ROOT, records=[("Header",), ("Persons", "Person")])
    for element in records:
        if element.tag == "Header":
            year = _header_year(element, name)
            continue
        person = _person(element, _File(order, name, year), log)
        if person is not None:
            out.append(person)
    # Persons read before a late Header still report its year.
    file = _File(order, name, year)
    for person in out:
        person.file = file
    return file, out


def _header_year(header: XmlElement, name: str) -> int | None:
    """The calendar year the return reports on: the census ``Year`` (or reference date) less one.

    Raises:
        InputError: the return is another collection (a CIN census, say).
    """
    details = header.find("CollectionDetails")
    if details is None:
        return None
    kind = details.text_of("Collection")
    if kind and kind.upper() != "SEN2":
        raise InputError(f"not a SEN2 return (its Collection is '{kind}')", file=name)
    year = details.text_of("Year")
    if len(year) == 4 and year.isascii() and year.isdigit():
        return int(year) - 1
    reference = parse_return_date(details.text_of("ReferenceDate"))
    return None if reference is None else reference.year - 1


def _person(element: XmlElement, file: _File, log: ImportLog) -> _Person | None:
    """The checked young person of a ``Person`` element with their requests, or None (rejected)."""
    ref = log.read(file.name, element.line)
    request_rows = [(log.read(file.name, r.line), r) for r in element.findall("Requests")]
    fields = element.leaves()
    born_text = fields.get("PersonBirthDate", "")
    born = parse_return_date(born_text)
    problem = ""
    if not born_text:
        problem = "PersonBirthDate is empty"
    elif born is None:
        problem = "PersonBirthDate is not a date (yyyy-mm-dd)"
    elif not request_rows:
        problem = "the Person has no Requests"
    if problem or born is None:
        log.reject(ref, problem)
        for request_ref, _ in request_rows:
            log.reject(request_ref, "its Person is rejected")
        return None
    upn = valid_upn(fields.get("UPN", ""))
    uln = fields.get("UniqueLearnerNumber", "")
    key = f"upn:{upn}" if upn else (f"uln:{uln}" if len(uln) == _ULN_DIGITS and uln.isdigit() else None)
    person = _Person(ref, file, born, key, upn)
    for request_ref, request in request_rows:
        try:
            person.requests.append(_request(request_ref, request, born))
        except _Rejected as exc:
            log.reject(request_ref, str(exc))
    if not person.requests:
        log.reject(ref, "no Requests of the Person could be read (each is rejected)")
        return None
    return person


def _date(element: XmlElement, tag: str) -> date | None:
    """An optional date child; raises _Rejected when it is given and not a date."""
    text = element.text_of(tag)
    if not text:
        return None
    found = parse_return_date(text)
    if found is None:
        raise _Rejected(f"{tag} is not a date (yyyy-mm-dd)")
    return found


def _text(element: XmlElement, *tags: str) -> str:
    """The text of the first of these (alias) tags that is given, upper-cased."""
    for tag in tags:
        if text := element.text_of(tag):
            return text.upper()
    return ""


def _request(ref: RowRef, element: XmlElement, born: date) -> _Request:
    """The checked request of a ``Requests`` element.

    Raises:
        _Rejected: a field is not a date or not a known code, or the dates are out of order.
    """
    codes = return_codes().sen2
    received = _date(element, "ReceivedDate")
    if received is not None and received < born:
        raise _Rejected("ReceivedDate is before the PersonBirthDate")
    outcome = _text(element, "RequestOutcome")
    if outcome and outcome not in codes.request_outcomes:
        raise _Rejected("RequestOutcome is not a known code")
    active = element.find("ActivePlans")
    review = _date(active, "ReviewMeeting") if active is not None else None
    transferred = active is not None and _text(active, "TransferLA") not in _NO_FLAGS
    plans: list[_Plan] = []
    unknown_flag = False
    assessments = element.findall("Assessment")
    outcomes = {_text(a, "AssessmentOutcome") for a in assessments}
    if outcomes - {""} - set(codes.assessment_outcomes):
        raise _Rejected("AssessmentOutcome is not a known code")
    for assessment in assessments:
        for named in assessment.findall("NamedPlan"):
            plan, flag = _plan(named, assessment, active, received)
            is_new = (outcome != codes.historical and not transferred and received is not None
                      and _text(assessment, "AssessmentOutcome") not in
                      {codes.historical, codes.assessed_elsewhere})  # fmt: skip
            plans.append(dataclasses.replace(plan, new=is_new))
            unknown_flag |= flag
    if not received and not plans:
        raise _Rejected("ReceivedDate is empty (and the request has no plan)")
    ended = not plans and (
        outcome in codes.ended_without_plan.request
        or bool(outcomes & set(codes.ended_without_plan.assessment))
    )
    return _Request(ref, received, ended, tuple(plans), review, unknown_flag)


def _plan(
    named: XmlElement, assessment: XmlElement, active: XmlElement | None, received: date | None
) -> tuple[_Plan, bool]:
    """A ``NamedPlan`` checked, with its setting; and whether its work-based flag is an unknown code.

    Raises:
        _Rejected: a date or code is bad, or the dates are out of order.
    """
    codes = return_codes().sen2
    week20 = assessment.text_of("Week20")
    if week20 not in {"", "0", _YES}:
        raise _Rejected("Week20 is not 0 or 1")
    start = _date(named, "StartDate")
    if start is None:
        raise _Rejected("NamedPlan StartDate is empty")
    if received is not None and start < received:
        raise _Rejected("NamedPlan StartDate is before the request's ReceivedDate")
    ceased = _date(named, "CeaseDate")
    if ceased is not None and ceased < start:
        raise _Rejected("CeaseDate is before StartDate")
    reason = named.text_of("CeaseReason")
    if reason and ceased is None:
        raise _Rejected("CeaseReason is given but CeaseDate is empty")
    if reason and reason not in codes.cease_reasons and reason != codes.died_reason:
        raise _Rejected("CeaseReason is not a known code")
    plan_flag = _text(named, "PlanWBP", "PlanWPB")
    setting, setting_end, unknown_flag = _setting(named, active, plan_flag)
    known = codes.cease_reasons.get(reason)
    return _Plan(
        start=start,
        setting=setting,
        setting_end=setting_end,
        ceased=ceased,
        cease_reason=known.cease_reason if known is not None else "",
        died=reason == codes.died_reason,
        exception=week20 == _YES,
        days=None if received is None else (start - received).days,
        new=False,
    ), unknown_flag


def _setting(
    named: XmlElement, active: XmlElement | None, plan_flag: str
) -> tuple[str, date | None, bool]:
    """The plan's setting, the day it was left, and whether a work-based flag was an unknown code.

    The placement attended (``ActivePlans/PlacementDetail``) when there is one:
    of rank 1 (or any rank when none is 1), the one not left, else the one left
    last; otherwise the setting named in the plan (``PlanDetail`` of rank 1).
    """
    placements = active.findall("PlacementDetail") if active is not None else []
    if placements:
        first = [p for p in placements if p.text_of("PlacementRank") in {"", "1"}] or placements
        spans = [(_date(p, "EntryDate"), _date(p, "LeavingDate"), p) for p in first]
        current = [s for s in spans if s[1] is None]
        chosen = max(current or spans, key=lambda s: (s[1] or date.max, s[0] or date.min))
        setting, unknown = _detail_setting(chosen[2], _text(chosen[2], "WBP", "WPB") or plan_flag)
        return setting, chosen[1], unknown
    details = named.findall("PlanDetail")
    if not details:
        setting, unknown = _flag_setting(plan_flag)
        return setting or "other", None, unknown
    ranked = [d for d in details if d.text_of("PlacementRank") in {"", "1"}] or details
    setting, unknown = _detail_setting(ranked[0], plan_flag)
    return setting, None, unknown


def _flag_setting(flag: str) -> tuple[str, bool]:
    """The setting a work-based learning flag says ("" when it says none), and whether it is an
    unknown code (the flag is set but does not say which kind)."""
    if flag in _NO_FLAGS:
        return "", False
    kind = return_codes().sen2.work_based_learning.get(flag)
    return (kind.setting, False) if kind is not None else ("", True)


def _detail_setting(detail: XmlElement, flag: str) -> tuple[str, bool]:
    """The setting of a ``PlanDetail`` or ``PlacementDetail`` (see the module docstring).

    Raises:
        _Rejected: the SENsetting code is not known.
    """
    codes = return_codes().sen2
    by_flag, unknown = _flag_setting(flag)
    if by_flag:
        return by_flag, False
    code = _text(detail, "SENsetting", "SENSetting")
    if code:
        named = codes.settings.get(code)
        if named is None:
            raise _Rejected("SENsetting is not a known code")
        return named.setting, unknown
    for identifier, setting in codes.identified_settings.items():
        if detail.text_of(identifier):
            return setting, unknown
    return "other", unknown


# --- putting the rows together ------------------------------------------------------------------


def _group(people: list[_Person], log: ImportLog) -> list[list[_Person]]:
    """The young people: each a list of their ``Person`` records, the file given last first.

    One record per UPN (or ULN) in each file; across files, the record of the
    file given last, and the others of the same date of birth with it (rule
    ``person-in-several-returns``).
    """
    seen: set[tuple[str, str]] = set()
    by_key: dict[str, list[_Person]] = {}
    groups: list[list[_Person]] = []
    for p in people:
        if p.key is None:
            groups.append([p])
        elif (p.file.name, p.key) in seen:
            _reject_all(p, "the same UPN or unique learner number is on an earlier Person in "
                        "this file", log)  # fmt: skip
        else:
            seen.add((p.file.name, p.key))
            if p.key not in by_key:
                by_key[p.key] = []
                groups.append(by_key[p.key])
            by_key[p.key].append(p)
    out = []
    for group in groups:
        group.sort(key=lambda p: (p.file.order, p.ref.number), reverse=True)
        latest = group[0]
        kept = [latest]
        for p in group[1:]:
            if p.date_of_birth == latest.date_of_birth:
                kept.append(p)
                log.repair("person-in-several-returns", _REPAIRS["person-in-several-returns"], p.ref)
            else:
                _reject_all(p, "PersonBirthDate differs from the young person's record in a file "
                            "given later (that one is used)", log)  # fmt: skip
        out.append(kept)
    return out


def _reject_all(person: _Person, reason: str, log: ImportLog) -> None:
    for ref in person.refs():
        log.reject(ref, reason)


@dataclass
class _Tally:
    """What the notes count."""

    events_left_out: int = 0
    unknown_flags: int = 0
    several_plans: int = 0
    without_plan: int = 0
    reviews: bool = False


def _assemble(groups: list[list[_Person]], files: list[_File], log: ImportLog) -> ImportResult:
    tally = _Tally()
    tally.reviews = any(r.review for g in groups for p in g for r in p.requests)
    recorded = tuple(sorted({REQUEST_EVENT, *([REVIEW_EVENT] if tally.reviews else [])}))
    people: list[ImportedPerson] = []
    events: list[ImportedEvent] = []
    counted: list[tuple[int, _File, _Plan]] = []  # (young person, file, plan) for the measure
    for group in groups:
        plan = _latest_plan(group, log)
        if plan is not None and plan.died:
            for p in group:
                _reject_all(p, _DIED, log)
            continue
        person_id = f"SEN2-{len(people) + 1:06d}"
        for p in group:
            for ref in p.refs():
                log.keep(ref)
        people.append(_imported(person_id, group[0], plan, recorded))
        events += _events(person_id, group, tally)
        counted += [(len(people), p.file, x) for p in group for r in p.requests for x in r.plans]
        tally.unknown_flags += any(r.unknown_work_flag for p in group for r in p.requests)
        tally.several_plans += len({x.start for p in group for r in p.requests for x in r.plans}) > 1
        tally.without_plan += plan is None
    timeliness = _timeliness(counted, files)
    _notes(log, tally, files)
    report = log.finish({"people.csv": len(people), "episodes.csv": 0, "events.csv": len(events)})
    report = dataclasses.replace(report, timeliness=timeliness)
    return ImportResult(tuple(people), (), report, tuple(events))


def _latest_plan(group: list[_Person], log: ImportLog) -> _Plan | None:
    """The plan issued last (the copy in the file given last); rule ``latest-plan``."""
    plans = [(x.start, p.file.order, r.ref.number, x, r.ref)
             for p in group for r in p.requests for x in r.plans]  # fmt: skip
    if not plans:
        return None
    latest = max(plans, key=lambda item: item[:3])
    for start, _, _, _, ref in plans:
        if start != latest[0]:
            log.repair("latest-plan", _REPAIRS["latest-plan"], ref)
    return latest[3]


def _imported(
    person_id: str, latest: _Person, plan: _Plan | None, recorded: tuple[str, ...]
) -> ImportedPerson:
    ehcp = None
    if plan is not None:
        ehcp = ImportedPlan(plan.start, plan.setting, plan.setting_end, plan.ceased, plan.cease_reason)
    return ImportedPerson(person_id, latest.date_of_birth, upn=latest.upn, ehcp=ehcp,
                          recorded_events=recorded)  # fmt: skip


def _events(person_id: str, group: list[_Person], tally: _Tally) -> list[ImportedEvent]:
    """The request and review events of a young person, each (type, date) once, in date order."""
    found: set[tuple[date, str]] = set()
    for p in group:
        for r in p.requests:
            if r.received is not None and r.ended_without_plan:
                tally.events_left_out += 1
            elif r.received is not None:
                found.add((r.received, REQUEST_EVENT))
            if r.review is not None:
                found.add((r.review, REVIEW_EVENT))
    return [ImportedEvent(person_id, kind, when) for when, kind in sorted(found)]


def _timeliness(counted: Iterable[tuple[int, _File, _Plan]], files: list[_File]) -> tuple[PlanTimeliness, ...]:
    """The headline measure for each calendar year a file reports on (each plan counted once)."""
    weeks = return_codes().sen2.within_weeks
    years = sorted({f.year for f in files if f.year is not None})
    plans = {(n, x.start): x for n, f, x in counted if x.new and x.start.year == f.year}
    out = []
    for year in years:
        these = [x for (_, start), x in plans.items() if start.year == year]
        usual = [x for x in these if not x.exception]
        within = sum(1 for x in usual if x.days is not None and x.days <= weeks * _DAYS_IN_WEEK)
        out.append(PlanTimeliness(year, weeks, len(usual), within, len(these) - len(usual)))
    return tuple(out)


def _notes(log: ImportLog, tally: _Tally, files: list[_File]) -> None:
    log.notes += [
        "The SEN2 return has no identifier for a young person: each is given an id "
        "(SEN2-000001, …) in the order they first appear, and their unique pupil number (UPN), "
        "when valid, is in the upn column of people.csv to link other records. Names, sex, "
        "ethnicity, postcode and special educational needs are not read.",
        f"recorded_events is '{REQUEST_EVENT}"
        + (f" {REVIEW_EVENT}'" if tally.reviews else "' (the return has no ReviewMeeting dates)")
        + ": a population run counts the duties that need other events as 'not recorded'.",
        "The setting is read from the placement attended, else from the setting named in the "
        "plan: a URN is taken as a school and a UKPRN as further education (docs/data-sources.md).",
    ]
    if tally.events_left_out:
        log.notes.append(
            "Requests refused or withdrawn without a plan (RequestOutcome or AssessmentOutcome N "
            f"or W): {tally.events_left_out}. They are not written as events: no plan is due "
            "from them, so the roadmap must not wait for one."
        )
    if tally.several_plans:
        log.notes.append(f"Young people with more than one EHC plan in the returns: "
                         f"{tally.several_plans}. The plan issued last is written (rule "
                         "latest-plan).")  # fmt: skip
    if tally.unknown_flags:
        log.notes.append(
            f"Young people with a work-based learning flag (PlanWBP or WBP) whose code does not "
            f"say apprenticeship or supported internship: {tally.unknown_flags}. Their setting "
            "is that of the school or college (check the code list in data/returns.yaml)."
        )
    if any(f.year is None for f in files):
        log.notes.append("A file has no census Year (CollectionDetails/Year or ReferenceDate): "
                         "its new plans are not in the 20-week figures.")  # fmt: skip

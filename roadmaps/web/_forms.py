"""The web form for one young person: form values ↔ :class:`~cohorts.Person`, with checks.

The form covers every field of the person file (``docs/person-file.md``),
the additions included (the EHC plan's next phase transfer and cessation, the
SSDA903 codes of care episodes, leaving care after 21, the starting area, moves
and the events the record's source collects), plus the as-of date: opening a
person file and saving it again gives the same person.
It follows the GOV.UK Design System's patterns for forms, dates and errors, the
convention UK public-service users know:

* a date is three boxes (day, month, year) in a fieldset with a legend;
* each error is a plain-English sentence that says what to do ("Enter a real
  date of birth"), shown next to its field and, as a link to the field, in a
  summary at the top;
* what was entered is kept, exactly as typed.

The form accepts what the person file accepts (so a saved file always reopens
and regenerates), plus one extra check the brief asks for: a date of birth
must be today or in the past.

This module knows no web framework: it reads a mapping of form values (for
example Flask's ``request.form``) and returns plain data the templates show.

>>> form = PersonForm.blank(date(2026, 11, 23))
>>> form.as_of.year
'2026'
>>> checked = validate_form(form, today=date(2026, 11, 23))
>>> checked.request is None and checked.form.errors[0].message
'Enter a case reference'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import yaml

from cohorts import (
    CEASE_REASONS,
    EHCP_SETTINGS,
    PHASE_TRANSFER_KINDS,
    CareEpisode,
    Person,
    available_areas,
    care_codes,
    load_pathway,
    person_from_mapping,
    person_from_text,
    person_to_mapping,
)
from pathways import PathwaysError, load_json_text

#: Most rows of each kind the form takes (it keeps a request's size bounded).
MAX_ROWS = 60
#: Blank rows a new form starts with.
BLANK_ROWS = {"episodes": 1, "events": 3, "services": 1, "moves": 0}
#: Longest case reference and primary need accepted.
MAX_TEXT = 200
#: The years a date on the form may have.
FIRST_YEAR, LAST_YEAR = 1900, 2099
#: Longest value of the "events the record's source collects" select (a file's list, as JSON).
MAX_RECORDED_EVENTS_TEXT = 4000
#: Accepted extensions of a person file.
PERSON_FILE_SUFFIXES = (".yaml", ".yml", ".json")

_YEAR_GROUP_OFFSET = re.compile(r"[+-]?\d{1,2}")
_DIGITS = re.compile(r"\d{1,4}")
_ROW_ACTION = re.compile(r"(add|remove)-(episode|event|service|move)(?:-(\d{1,3}))?")

#: Plain-English names of the EHC plan settings, in the person file's order.
SETTING_LABELS: dict[str, str] = {
    "school": "School (including a school sixth form)",
    "further-education": "Further-education college",
    "apprenticeship": "Apprenticeship",
    "higher-education": "University (higher education)",
    "employment": "Paid work",
    "none": "Not in education, employment or training",
    "supported-internship": "Supported internship",
    "elective-home-education": "Educated at home (elective home education)",
    "neet": "Not in education, employment or training (NEET, as recorded in the SEN2 return)",
    "other": "Other education or training",
}
assert tuple(SETTING_LABELS) == EHCP_SETTINGS, "keep SETTING_LABELS in step with EHCP_SETTINGS"

#: Plain-English names of the kinds of the EHC plan's next phase transfer (SEND Regulations
#: 2014 reg 18), in the person file's order.
PHASE_TRANSFER_LABELS: dict[str, str] = {
    "secondary-to-post-16": "From secondary school (or its sixth form) to a post-16 school or college",
    "other-phase": "From early years, infant, primary or middle school to the next phase",
    "post-16-to-post-16": "From one post-16 school or college to another",
}
assert tuple(PHASE_TRANSFER_LABELS) == PHASE_TRANSFER_KINDS, "keep PHASE_TRANSFER_LABELS in step"

#: Plain-English names of the reasons an EHC plan was ceased, in the person file's order.
CEASE_REASON_LABELS: dict[str, str] = {
    "higher-education": "Started higher education (university)",
    "employment": "Took up paid work (not an apprenticeship)",
    "left-education": "Left education or training",
    "no-longer-needed": "Special educational provision through a plan is no longer necessary",
    "moved-area": "The local authority is no longer responsible after a move (for example out of "
    "England)",
    "age-25": "Turned 25",
    "other": "Another reason",
}
assert tuple(CEASE_REASON_LABELS) == CEASE_REASONS, "keep CEASE_REASON_LABELS in step"

#: Plain-English names of the placement kinds of ``cohorts/data/ssda903.yaml``.
PLACEMENT_LABELS: dict[str, str] = {
    "foster": "Foster care",
    "childrens-home": "Children's home",
    "with-parents": "With parents or others with parental responsibility",
    "placed-for-adoption": "Placed for adoption",
    "supported-accommodation": "Supported or semi-independent accommodation",
    "independent-living": "Independent living",
    "residential": "Residential care home, school, health care or employment",
    "custody": "Young offender institution or prison",
    "temporary": "Temporary move",
    "other": "Other placement",
}

#: Plain-English names of the kinds of reason a care episode ended (``ssda903.yaml``).
REASON_LABELS: dict[str, str] = {
    "continues": "A new care episode began the same day",
    "adopted": "Adopted",
    "special-guardianship": "Special guardianship order",
    "returned-home": "Returned home to parents or relatives",
    "child-arrangements-order": "Residence or child arrangements order",
    "other-authority": "Care taken over by another local authority",
    "staying-put": "18 or over and stayed with their carers (including Staying Put)",
    "left-care": "Left care for another reason (for example independent living or remand ended)",
    "died": "Died",
}

#: What the record's source collects (``recorded_events``), besides a file's own list.
RECORDED_EVENTS_LABELS: dict[str, str] = {
    "": "Not stated: every type if any event is entered, otherwise none",
    "all": "Every type of event",
    "none": "No types of event",
}

#: Primary-need codes offered as suggestions (DfE SEN2 / school census); any text is accepted.
PRIMARY_NEED_SUGGESTIONS: tuple[tuple[str, str], ...] = (
    ("ASD", "Autistic spectrum disorder"),
    ("MLD", "Moderate learning difficulty"),
    ("SLD", "Severe learning difficulty"),
    ("PMLD", "Profound and multiple learning difficulty"),
    ("SEMH", "Social, emotional and mental health"),
    ("SLCN", "Speech, language and communication needs"),
    ("SPLD", "Specific learning difficulty"),
    ("HI", "Hearing impairment"),
    ("VI", "Vision impairment"),
    ("MSI", "Multi-sensory impairment"),
    ("PD", "Physical disability"),
    ("OTH", "Other difficulty or disability"),
)


# --- raw form values ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateInput:
    """A date as typed into three boxes; every part is kept as text."""

    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def of(cls, value: date | None) -> DateInput:
        if value is None:
            return cls()
        return cls(str(value.day), str(value.month), str(value.year))

    @classmethod
    def read(cls, values: Mapping[str, str], name: str) -> DateInput:
        return cls(*(_text(values, f"{name}-{part}", 10) for part in ("day", "month", "year")))

    def is_blank(self) -> bool:
        return not (self.day or self.month or self.year)

    def items(self, name: str) -> dict[str, str]:
        return {f"{name}-day": self.day, f"{name}-month": self.month, f"{name}-year": self.year}


#: The optional SSDA903 fields of a care episode, in the order of the page.
EPISODE_CODES = ("legal_status", "placement", "reason_ended")


@dataclass(frozen=True, slots=True)
class EpisodeRow:
    """A care episode as typed: its dates and, optionally, its SSDA903 codes or plain kinds."""

    start: DateInput = DateInput()
    end: DateInput = DateInput()
    legal_status: str = ""
    placement: str = ""
    reason_ended: str = ""

    @classmethod
    def of(cls, episode: CareEpisode) -> EpisodeRow:
        return cls(
            DateInput.of(episode.start),
            DateInput.of(episode.end),
            episode.legal_status or "",
            episode.placement or "",
            episode.reason_ended or "",
        )

    @classmethod
    def read(cls, values: Mapping[str, str], n: int) -> EpisodeRow:
        return cls(
            DateInput.read(values, f"episode-{n}-start"),
            DateInput.read(values, f"episode-{n}-end"),
            *(_text(values, f"episode-{n}-{name}", 40) for name in EPISODE_CODES),
        )

    def items(self, n: int) -> dict[str, str]:
        out = self.start.items(f"episode-{n}-start") | self.end.items(f"episode-{n}-end")
        for name in EPISODE_CODES:
            out[f"episode-{n}-{name}"] = getattr(self, name)
        return out

    def is_blank(self) -> bool:
        codes = (self.legal_status, self.placement, self.reason_ended)
        return self.start.is_blank() and self.end.is_blank() and not any(codes)


@dataclass(frozen=True, slots=True)
class EventRow:
    type: str = ""
    date: DateInput = DateInput()

    def is_blank(self) -> bool:
        return not self.type and self.date.is_blank()


@dataclass(frozen=True, slots=True)
class ServiceRow:
    service: str = ""
    planned_end: DateInput = DateInput()

    def is_blank(self) -> bool:
        return not self.service and self.planned_end.is_blank()


@dataclass(frozen=True, slots=True)
class MoveRow:
    """A move to another area: the date and the area moved to."""

    date: DateInput = DateInput()
    area: str = ""

    def is_blank(self) -> bool:
        return not self.area and self.date.is_blank()


#: The dates of the leaving-care block, in the order of the page.
LEAVING_CARE_DATES = (
    "education_or_training_until",
    "returned_to_education_on",
    "adviser_requested_on",
)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One error: the field group it belongs to, the input to link to, and the message.

    ``group`` names the error message's element (``{group}-error``); ``target``
    is the id of the input the summary links to; ``parts`` are the date parts
    to mark (empty for a whole field).
    """

    group: str
    target: str
    message: str
    parts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonForm:
    """Everything on the form, as typed, with the errors found (if checked).

    The ``ehcp_…`` fields after ``ehcp_setting_end`` are the plan's next phase
    transfer (its date and kind) and its cessation; ``ehcp_appeal_pending`` is
    ``"yes"`` or ``""`` (a checkbox). ``area`` is the local area whose rules the
    roadmap follows (the starting area when there are moves); ``record_area`` is
    ``"yes"`` when the person file keeps it as its ``area``. ``recorded_events``
    is ``""``, ``"all"``, ``"none"`` or a file's own list of event types as JSON.
    """

    person_id: str = ""
    date_of_birth: DateInput = DateInput()
    has_ehcp: str = ""  # "yes" | "no" | ""
    ehcp_issued: DateInput = DateInput()
    ehcp_setting: str = ""
    ehcp_setting_end: DateInput = DateInput()
    ehcp_next_transfer_date: DateInput = DateInput()
    ehcp_next_transfer_kind: str = ""
    ehcp_ceased: DateInput = DateInput()
    ehcp_cease_reason: str = ""
    ehcp_cease_notice: DateInput = DateInput()
    ehcp_appeal_pending: str = ""  # "yes" | ""
    ehcp_appeal_decided: DateInput = DateInput()
    episodes: tuple[EpisodeRow, ...] = ()
    education_or_training_until: DateInput = DateInput()
    returned_to_education_on: DateInput = DateInput()
    adviser_requested_on: DateInput = DateInput()
    events: tuple[EventRow, ...] = ()
    recorded_events: str = ""
    services: tuple[ServiceRow, ...] = ()
    care_needs_likely: str = ""
    continuing_care: str = ""
    primary_need: str = ""
    year_group_offset: str = "0"
    area: str = "england"
    record_area: str = ""  # "yes" | ""
    moves: tuple[MoveRow, ...] = ()
    as_of: DateInput = DateInput()
    errors: tuple[FieldError, ...] = ()

    @classmethod
    def blank(cls, today: date) -> PersonForm:
        """A new form: the as-of date is today, with a few blank rows of each kind."""
        return cls(
            episodes=(EpisodeRow(),) * BLANK_ROWS["episodes"],
            events=(EventRow(),) * BLANK_ROWS["events"],
            services=(ServiceRow(),) * BLANK_ROWS["services"],
            moves=(MoveRow(),) * BLANK_ROWS["moves"],
            as_of=DateInput.of(today),
        )

    @classmethod
    def from_person(cls, person: Person, *, as_of: date, area: str | None = None) -> PersonForm:
        """The form filled in from a person (a saved file), with a blank row after the
        episodes, the events and the services.

        ``area`` is the roadmap's area; without it, the person file's own area, else England.
        """
        ehcp = person.ehcp
        transfer = ehcp.next_transfer if ehcp else None
        leaving = person.leaving_care
        return cls(
            person_id=person.id,
            date_of_birth=DateInput.of(person.date_of_birth),
            has_ehcp="yes" if ehcp else "no",
            ehcp_issued=DateInput.of(ehcp.issued if ehcp else None),
            ehcp_setting=ehcp.setting if ehcp else "",
            ehcp_setting_end=DateInput.of(ehcp.setting_end if ehcp else None),
            ehcp_next_transfer_date=DateInput.of(transfer.date if transfer else None),
            ehcp_next_transfer_kind=transfer.kind if transfer else "",
            ehcp_ceased=DateInput.of(ehcp.ceased if ehcp else None),
            ehcp_cease_reason=(ehcp.cease_reason or "") if ehcp else "",
            ehcp_cease_notice=DateInput.of(ehcp.cease_notice if ehcp else None),
            ehcp_appeal_pending="yes" if ehcp and ehcp.appeal_pending else "",
            ehcp_appeal_decided=DateInput.of(ehcp.appeal_decided if ehcp else None),
            episodes=(*(EpisodeRow.of(e) for e in person.care_episodes), EpisodeRow()),
            education_or_training_until=DateInput.of(
                leaving.education_or_training_until if leaving else None
            ),
            returned_to_education_on=DateInput.of(
                leaving.returned_to_education_on if leaving else None
            ),
            adviser_requested_on=DateInput.of(leaving.adviser_requested_on if leaving else None),
            events=(*(EventRow(e.type, DateInput.of(e.date)) for e in person.events), EventRow()),
            recorded_events=_recorded_events_value(person.recorded_events),
            services=(
                *(ServiceRow(s.service, DateInput.of(s.planned_end)) for s in person.services),
                ServiceRow(),
            ),
            care_needs_likely="yes" if person.care_needs_likely else "no",
            continuing_care="yes" if person.continuing_care else "no",
            primary_need=person.primary_need or "",
            year_group_offset=str(person.year_group_offset),
            area=area or person.area or "england",
            record_area="yes" if person.area is not None else "",
            moves=tuple(MoveRow(DateInput.of(m.date), m.area) for m in person.moves),
            as_of=DateInput.of(as_of),
        )

    @classmethod
    def read(cls, values: Mapping[str, str]) -> PersonForm:
        """The form as submitted (rows numbered from 1; at most :data:`MAX_ROWS` of each)."""

        def rows(kind: str) -> range:
            count = _count(values, f"{kind}-count")
            return range(1, count + 1)

        return cls(
            person_id=_text(values, "person_id", MAX_TEXT + 50),
            date_of_birth=DateInput.read(values, "date_of_birth"),
            has_ehcp=_choice(values, "has_ehcp", ("yes", "no")),
            ehcp_issued=DateInput.read(values, "ehcp_issued"),
            ehcp_setting=_text(values, "ehcp_setting", 40),
            ehcp_setting_end=DateInput.read(values, "ehcp_setting_end"),
            ehcp_next_transfer_date=DateInput.read(values, "ehcp_next_transfer_date"),
            ehcp_next_transfer_kind=_text(values, "ehcp_next_transfer_kind", 40),
            ehcp_ceased=DateInput.read(values, "ehcp_ceased"),
            ehcp_cease_reason=_text(values, "ehcp_cease_reason", 40),
            ehcp_cease_notice=DateInput.read(values, "ehcp_cease_notice"),
            ehcp_appeal_pending=_choice(values, "ehcp_appeal_pending", ("yes",)),
            ehcp_appeal_decided=DateInput.read(values, "ehcp_appeal_decided"),
            episodes=tuple(EpisodeRow.read(values, n) for n in rows("episode")),
            education_or_training_until=DateInput.read(values, "education_or_training_until"),
            returned_to_education_on=DateInput.read(values, "returned_to_education_on"),
            adviser_requested_on=DateInput.read(values, "adviser_requested_on"),
            events=tuple(
                EventRow(
                    _text(values, f"event-{n}-type", 80), DateInput.read(values, f"event-{n}-date")
                )
                for n in rows("event")
            ),
            recorded_events=_text(values, "recorded_events", MAX_RECORDED_EVENTS_TEXT),
            services=tuple(
                ServiceRow(
                    _text(values, f"service-{n}-service", 80),
                    DateInput.read(values, f"service-{n}-planned_end"),
                )
                for n in rows("service")
            ),
            care_needs_likely=_choice(values, "care_needs_likely", ("yes", "no")),
            continuing_care=_choice(values, "continuing_care", ("yes", "no")),
            primary_need=_text(values, "primary_need", MAX_TEXT + 50),
            year_group_offset=_text(values, "year_group_offset", 10),
            area=_text(values, "area", 40),
            record_area=_choice(values, "record_area", ("yes",)),
            moves=tuple(
                MoveRow(
                    DateInput.read(values, f"move-{n}-date"), _text(values, f"move-{n}-area", 40)
                )
                for n in rows("move")
            ),
            as_of=DateInput.read(values, "as_of"),
        )

    def values(self) -> dict[str, str]:
        """Every input's value by name: what a browser would send for this form."""
        out: dict[str, str] = {"person_id": self.person_id}
        out |= self.date_of_birth.items("date_of_birth")
        out["has_ehcp"] = self.has_ehcp
        out |= self.ehcp_issued.items("ehcp_issued")
        out["ehcp_setting"] = self.ehcp_setting
        out |= self.ehcp_setting_end.items("ehcp_setting_end")
        out |= self.ehcp_next_transfer_date.items("ehcp_next_transfer_date")
        out["ehcp_next_transfer_kind"] = self.ehcp_next_transfer_kind
        out |= self.ehcp_ceased.items("ehcp_ceased")
        out["ehcp_cease_reason"] = self.ehcp_cease_reason
        out |= self.ehcp_cease_notice.items("ehcp_cease_notice")
        out["ehcp_appeal_pending"] = self.ehcp_appeal_pending
        out |= self.ehcp_appeal_decided.items("ehcp_appeal_decided")
        out["episode-count"] = str(len(self.episodes))
        for n, episode in enumerate(self.episodes, 1):
            out |= episode.items(n)
        for name in LEAVING_CARE_DATES:
            out |= getattr(self, name).items(name)
        out["event-count"] = str(len(self.events))
        for n, event in enumerate(self.events, 1):
            out[f"event-{n}-type"] = event.type
            out |= event.date.items(f"event-{n}-date")
        out["recorded_events"] = self.recorded_events
        out["service-count"] = str(len(self.services))
        for n, service in enumerate(self.services, 1):
            out[f"service-{n}-service"] = service.service
            out |= service.planned_end.items(f"service-{n}-planned_end")
        out["care_needs_likely"] = self.care_needs_likely
        out["continuing_care"] = self.continuing_care
        out["primary_need"] = self.primary_need
        out["year_group_offset"] = self.year_group_offset
        out["area"] = self.area
        out["record_area"] = self.record_area
        out["move-count"] = str(len(self.moves))
        for n, move in enumerate(self.moves, 1):
            out |= move.date.items(f"move-{n}-date")
            out[f"move-{n}-area"] = move.area
        out |= self.as_of.items("as_of")
        return {key: value for key, value in out.items() if value != ""}

    def error_for(self, group: str) -> FieldError | None:
        """The error of one field group, if any (the first, when there are several)."""
        return next((e for e in self.errors if e.group == group), None)

    def invalid(self, group: str, part: str = "") -> bool:
        """Whether an input should be marked as in error (a date part, or a whole field)."""
        error = self.error_for(group)
        if error is None:
            return False
        return not part or not error.parts or part in error.parts


def _text(values: Mapping[str, str], name: str, limit: int) -> str:
    # (``in`` first: Werkzeug's form answers get() for a missing field by raising and
    # catching an HTTP error, and a form leaves most fields out)
    value = values.get(name) if name in values else None
    return str(value or "").strip()[:limit]


def _choice(values: Mapping[str, str], name: str, choices: Sequence[str]) -> str:
    value = _text(values, name, 10)
    return value if value in choices else ""


def _count(values: Mapping[str, str], name: str) -> int:
    text = _text(values, name, 4)
    return min(int(text), MAX_ROWS) if text.isdigit() else 0


def _recorded_events_value(recorded: tuple[str, ...] | str | None) -> str:
    """The value of the "events the record's source collects" select for a person's field."""
    if recorded is None:
        return ""
    if recorded == "all":
        return "all"
    if not recorded:
        return "none"
    return json.dumps(list(recorded), separators=(",", ":"), ensure_ascii=False)


# --- adding and removing rows ------------------------------------------------------------


def apply_row_action(form: PersonForm, action: str) -> PersonForm | None:
    """Add or remove a row (the form's "Add another …" and "Remove" buttons).

    Works without JavaScript: the button submits the whole form and the page is
    drawn again with one row more or less, keeping every value.

    Returns:
        the changed form, or None when ``action`` is not a row action.

    >>> form = apply_row_action(PersonForm(), "add-episode")
    >>> len(form.episodes)
    1
    >>> len(apply_row_action(form, "remove-episode-1").episodes)
    0
    """
    match = _ROW_ACTION.fullmatch(action)
    if match is None:
        return None
    verb, kind, number = match.groups()

    def changed(rows: tuple[Any, ...], blank: object) -> tuple[Any, ...]:
        if verb == "add":
            return (*rows, blank) if len(rows) < MAX_ROWS else rows
        if number is not None and 1 <= int(number) <= len(rows):
            return rows[: int(number) - 1] + rows[int(number) :]
        return rows

    if kind == "episode":
        return replace(form, errors=(), episodes=changed(form.episodes, EpisodeRow()))
    if kind == "event":
        return replace(form, errors=(), events=changed(form.events, EventRow()))
    if kind == "move":
        return replace(form, errors=(), moves=changed(form.moves, MoveRow()))
    return replace(form, errors=(), services=changed(form.services, ServiceRow()))


# --- checking -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoadmapRequest:
    """A checked request: who, on which date, under which area's rules."""

    person: Person
    as_of: date
    area: str


@dataclass(frozen=True, slots=True)
class CheckedForm:
    """The form with its errors, and the request when there are none."""

    form: PersonForm
    request: RoadmapRequest | None


@dataclass
class FieldChecker:
    errors: list[FieldError] = field(default_factory=list)

    def add(
        self, group: str, message: str, *, target: str | None = None, parts: tuple[str, ...] = ()
    ) -> None:
        self.errors.append(FieldError(group, target or group, message, parts))

    def date(self, value: DateInput, group: str, noun: str, *, required: bool) -> date | None:
        """Check a three-part date, GOV.UK style; None (with an error added) when unusable."""
        subject = noun[0].upper() + noun[1:]
        parts = {"day": value.day, "month": value.month, "year": value.year}
        missing = [name for name, text in parts.items() if not text]
        if len(missing) == 3:
            if required:
                self.add(
                    group,
                    f"Enter the {noun}",
                    target=f"{group}-day",
                    parts=("day", "month", "year"),
                )
            return None
        if missing:
            self.add(
                group,
                f"{subject} must include a {' and '.join(missing)}",
                target=f"{group}-{missing[0]}",
                parts=tuple(missing),
            )
            return None
        wrong = tuple(name for name, text in parts.items() if not _DIGITS.fullmatch(text))
        if wrong:
            self.add(group, f"Enter a real {noun}", target=f"{group}-{wrong[0]}", parts=wrong)
            return None
        if len(value.year) != 4:
            self.add(
                group,
                f"The year of the {noun} must include 4 numbers",
                target=f"{group}-year",
                parts=("year",),
            )
            return None
        try:
            typed = date(int(value.year), int(value.month), int(value.day))
        except ValueError:
            bad_month = not 1 <= int(value.month) <= 12
            self.add(
                group,
                f"Enter a real {noun}",
                target=f"{group}-{'month' if bad_month else 'day'}",
                parts=("month",) if bad_month else ("day", "month", "year"),
            )
            return None
        if not FIRST_YEAR <= typed.year <= LAST_YEAR:
            # Dates that far out are typing mistakes, and some date sums overflow on them.
            self.add(
                group,
                f"{subject} must be between {FIRST_YEAR} and {LAST_YEAR}",
                target=f"{group}-year",
                parts=("year",),
            )
            return None
        return typed


@dataclass(frozen=True, slots=True)
class Choices:
    """What the selects offer: the areas, event types and services of the rule data, and the
    SSDA903 legal statuses, placement kinds and reasons of ``cohorts/data/ssda903.yaml``.

    ``placement_codes`` and ``reason_codes`` hold every code with its meaning: a
    care episode row offers the plain kinds, plus the row's own code when a person
    file gave one.
    """

    areas: tuple[tuple[str, str], ...]
    event_types: tuple[tuple[str, str], ...]
    services: tuple[tuple[str, str], ...]
    services_by_area: Mapping[str, frozenset[str]]
    legal_statuses: tuple[tuple[str, str], ...]
    placements: tuple[tuple[str, str], ...]
    reasons: tuple[tuple[str, str], ...]
    placement_codes: Mapping[str, str]
    reason_codes: Mapping[str, str]

    def label(self, kind: str, value: str) -> str:
        options = {"area": self.areas, "event": self.event_types, "service": self.services}[kind]
        return dict(options).get(value, value)

    def placement_options(self, value: str) -> tuple[tuple[str, str], ...]:
        """The placement kinds, and ``value`` when it is an SSDA903 code (from a file)."""
        return _with_file_code(self.placements, self.placement_codes, value)

    def reason_options(self, value: str) -> tuple[tuple[str, str], ...]:
        """The kinds of reason an episode ended, and ``value`` when it is an SSDA903 code."""
        return _with_file_code(self.reasons, self.reason_codes, value)

    def recorded_events_options(self, value: str) -> tuple[tuple[str, str], ...]:
        """What the record's source may collect, and ``value`` when it is a file's own list."""
        options = tuple(RECORDED_EVENTS_LABELS.items())
        listed = _listed_event_types(value)
        if listed:
            names = ", ".join(self.label("event", kind) for kind in listed)
            options += ((value, f"Only these types: {names}"),)
        return options


def _with_file_code(
    kinds: tuple[tuple[str, str], ...], codes: Mapping[str, str], value: str
) -> tuple[tuple[str, str], ...]:
    if value in codes:
        return (*kinds, (value, f"SSDA903 code {value}: {codes[value]}"))
    return kinds


def _listed_event_types(value: str) -> tuple[str, ...] | None:
    """The event types of a ``recorded_events`` list sent as JSON; None if it is not one."""
    if not value.startswith("["):
        return None
    try:
        listed = json.loads(value)
    except (json.JSONDecodeError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        return None
    if not isinstance(listed, list) or not all(isinstance(kind, str) for kind in listed):
        return None
    return tuple(listed)


_choices_cache: dict[tuple[str, ...], Choices] = {}


def form_choices() -> Choices:
    """The options of the form's selects, from the shipped rule data (cached)."""
    areas = available_areas()
    cached = _choices_cache.get(areas)
    if cached is not None:
        return cached
    event_types: dict[str, str] = {}
    services: dict[str, str] = {}
    by_area: dict[str, frozenset[str]] = {}
    labels: dict[str, str] = {}
    for area in areas:
        pathway = load_pathway(area)
        labels[area] = pathway.rules.label  # area.yaml's label
        for event_id, event in pathway.rules.events.items():
            event_types.setdefault(event_id, event.label)
        ids = {n.id: n.label for n in pathway.rules.nodes.values() if n.kind == "service"}
        for node_id, label in ids.items():
            services.setdefault(node_id, label)
        by_area[area] = frozenset(ids)
    codes = care_codes()
    choices = Choices(
        areas=tuple((a, labels[a]) for a in areas),
        event_types=tuple(sorted(event_types.items(), key=lambda item: item[1].lower())),
        services=tuple(sorted(services.items(), key=lambda item: item[1].lower())),
        services_by_area=by_area,
        legal_statuses=tuple(
            (code, f"{code}: {text}") for code, text in codes.legal_status.items()
        ),
        placements=_kind_options(codes.placement_kinds, PLACEMENT_LABELS),
        reasons=_kind_options(codes.reason_kinds, REASON_LABELS),
        placement_codes=codes.placement,
        reason_codes=codes.reason_ended,
    )
    _choices_cache[areas] = choices
    return choices


def _kind_options(
    kinds: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """The plain kinds of a code list (the words that are their own kind), with their labels."""
    words = [word for word, kind in kinds.items() if word == kind]
    return tuple((word, labels.get(word, word.replace("-", " ").capitalize())) for word in words)


def validate_form(form: PersonForm, *, today: date, choices: Choices | None = None) -> CheckedForm:
    """Check every field; return the form with its errors, and the request if it is valid.

    The errors come in the order of the page, each next to its field and in the summary.
    """
    choices = choices or form_choices()
    check = FieldChecker()
    if not form.person_id:
        check.add("person_id", "Enter a case reference")
    elif len(form.person_id) > MAX_TEXT:
        check.add("person_id", f"Case reference must be {MAX_TEXT} characters or fewer")
    dob = _checked_date_of_birth(form, check, today)
    data: dict[str, Any] = {"id": form.person_id, "date_of_birth": dob}
    data |= _checked_about(form, check)
    ehcp = _checked_ehcp(form, check)
    if ehcp is not None:
        data["ehcp"] = ehcp
    episodes = _checked_episodes(form, check, dob)
    if episodes:
        data["care_episodes"] = episodes
    leaving_care = _checked_leaving_care(form, check)
    if leaving_care:
        data["leaving_care"] = leaving_care
    events = _checked_events(form, check, choices)
    if events:
        data["events"] = events
    recorded_events = _checked_recorded_events(form, check, choices)
    if recorded_events is not None:
        data["recorded_events"] = recorded_events
    area = form.area if form.area in dict(choices.areas) else ""
    services = _checked_services(form, check, choices, area)
    if services:
        data["services"] = services
    data |= _checked_care_needs(form, check)
    if not area:
        check.add("area", "Select the local area")
    elif form.record_area == "yes":
        data["area"] = area
    moves = _checked_moves(form, check, choices)
    if moves:
        data["moves"] = moves
    as_of_checked = check.date(form.as_of, "as_of", "roadmap date", required=True)

    if check.errors:
        return CheckedForm(replace(form, errors=tuple(check.errors)), None)
    assert as_of_checked is not None
    try:
        person = person_from_mapping(data, source="the form")
    except PathwaysError as exc:  # a rule the checks above missed: still a plain message
        check.add("person_id", f"The details could not be used: {exc.one_line()}")
        return CheckedForm(replace(form, errors=tuple(check.errors)), None)
    # (As read, a form has no errors yet: replace() of its many fields costs more than the check.)
    checked = form if not form.errors else replace(form, errors=())
    return CheckedForm(checked, RoadmapRequest(person, as_of_checked, area))


def _checked_date_of_birth(form: PersonForm, check: FieldChecker, today: date) -> date | None:
    """The date of birth, if it is a real date no later than today and the roadmap date."""
    as_of = _peek_as_of(form)
    dob = check.date(form.date_of_birth, "date_of_birth", "date of birth", required=True)
    if dob is None:
        return None
    if dob > today:
        check.add(
            "date_of_birth",
            "Date of birth must be today or in the past",
            target="date_of_birth-day",
        )
        return None
    if as_of is not None and dob > as_of:
        check.add(
            "date_of_birth",
            "Date of birth must be on or before the roadmap date",
            target="date_of_birth-day",
        )
        return None
    return dob


def _checked_ehcp(form: PersonForm, check: FieldChecker) -> dict[str, Any] | None:
    """The EHC plan's part of the person file; None without a plan (or an answer)."""
    if not form.has_ehcp:
        check.add(
            "has_ehcp", "Select yes if the young person has an EHC plan", target="has_ehcp-yes"
        )
        return None
    if form.has_ehcp != "yes":
        return None
    issued = check.date(
        form.ehcp_issued, "ehcp_issued", "date the EHC plan was issued", required=True
    )
    if form.ehcp_setting not in SETTING_LABELS:
        check.add("ehcp_setting", "Select where the young person is now")
    setting_end = check.date(
        form.ehcp_setting_end,
        "ehcp_setting_end",
        "planned end of the course or apprenticeship",
        required=False,
    )
    ehcp: dict[str, Any] = {"issued": issued, "setting": form.ehcp_setting}
    if setting_end is not None:
        ehcp["setting_end"] = setting_end
    ehcp |= _checked_next_transfer(form, check)
    ehcp |= _checked_cessation(form, check, issued)
    return ehcp


def _checked_next_transfer(form: PersonForm, check: FieldChecker) -> dict[str, Any]:
    """The plan's ``next_transfer`` when its date and kind are given; empty when neither is."""
    kind = form.ehcp_next_transfer_kind
    blank_date = form.ehcp_next_transfer_date.is_blank()
    on = check.date(
        form.ehcp_next_transfer_date,
        "ehcp_next_transfer_date",
        "date of the next move to another school or college",
        required=False,
    )
    if blank_date and kind:
        check.add(
            "ehcp_next_transfer_date",
            "Enter the date of the next move to another school or college, "
            "or leave the kind of move blank",
            target="ehcp_next_transfer_date-day",
            parts=("day", "month", "year"),
        )
    if kind and kind not in PHASE_TRANSFER_LABELS:
        # The select offers only the known kinds: anything else was sent by a changed page.
        check.add("ehcp_next_transfer_kind", "Select the kind of move from the list")
    elif not kind and not blank_date:
        check.add(
            "ehcp_next_transfer_kind",
            "Select the kind of move, or leave the date of the next move blank",
        )
    if on is None or kind not in PHASE_TRANSFER_LABELS:
        return {}
    return {"next_transfer": {"date": on, "kind": kind}}


def _checked_cessation(
    form: PersonForm, check: FieldChecker, issued: date | None
) -> dict[str, Any]:
    """The plan's cessation fields given (all optional), in the person file's shape.

    The two rules of the person file are checked here, next to their fields, in the
    order of the page: a plan cannot cease before it was issued, and an appeal cannot
    be both pending and decided.
    """
    data: dict[str, Any] = {}
    ceased = check.date(form.ehcp_ceased, "ehcp_ceased", "date the plan ceased", required=False)
    if ceased is not None and issued is not None and ceased < issued:
        check.add(
            "ehcp_ceased",
            "The date the plan ceased must be on or after the date it was issued",
            target="ehcp_ceased-day",
        )
    data["ceased"] = ceased
    reason = form.ehcp_cease_reason
    if reason and reason not in CEASE_REASON_LABELS:
        # The select offers only the known reasons: anything else was sent by a changed page.
        check.add("ehcp_cease_reason", "Select the reason the plan was ceased from the list")
    data["cease_reason"] = reason if reason in CEASE_REASON_LABELS else None
    data["cease_notice"] = check.date(
        form.ehcp_cease_notice,
        "ehcp_cease_notice",
        "date the decision to cease the plan was notified",
        required=False,
    )
    pending = form.ehcp_appeal_pending == "yes"
    decided = check.date(
        form.ehcp_appeal_decided,
        "ehcp_appeal_decided",
        "date the appeal was decided",
        required=False,
    )
    if pending and decided is not None:
        check.add(
            "ehcp_appeal_decided",
            "Leave the date the appeal was decided blank, or untick that the appeal is waiting "
            "to be decided",
            target="ehcp_appeal_decided-day",
        )
    data["appeal_pending"] = pending or None
    data["appeal_decided"] = decided
    return {key: value for key, value in data.items() if value is not None}


def _checked_episodes(
    form: PersonForm, check: FieldChecker, dob: date | None
) -> list[dict[str, Any]]:
    """The care episodes of the rows filled in (blank rows are left out)."""
    episodes: list[dict[str, Any]] = []
    for n, row in enumerate(form.episodes, 1):
        if row.is_blank():
            continue
        start = check.date(
            row.start, f"episode-{n}-start", f"start date of care episode {n}", required=True
        )
        end = check.date(
            row.end, f"episode-{n}-end", f"end date of care episode {n}", required=False
        )
        if start is not None and dob is not None and start < dob:
            check.add(
                f"episode-{n}-start",
                f"Care episode {n} must start on or after the date of birth",
                target=f"episode-{n}-start-day",
            )
        if start is not None and end is not None and end < start:
            check.add(
                f"episode-{n}-end",
                f"Care episode {n} must end after it starts",
                target=f"episode-{n}-end-day",
            )
        elif row.reason_ended and row.end.is_blank():
            check.add(
                f"episode-{n}-end",
                f"Enter the end date of care episode {n}, or leave the reason it ended blank",
                target=f"episode-{n}-end-day",
                parts=("day", "month", "year"),
            )
        episode: dict[str, Any] = {"start": start, "end": end}
        episode |= _checked_episode_codes(row, n, check)
        episodes.append(episode)
    return episodes


def _checked_episode_codes(row: EpisodeRow, n: int, check: FieldChecker) -> dict[str, str]:
    """The legal status, placement and reason ended of care episode ``n``, when given and known.

    The selects offer only known values; anything else was sent by hand or by a changed page.
    """
    codes = care_codes()
    known: dict[str, tuple[Mapping[str, str], str]] = {
        "legal_status": (codes.legal_status, f"the legal status of care episode {n}"),
        "placement": (codes.placement_kinds, f"the placement of care episode {n}"),
        "reason_ended": (codes.reason_kinds, f"the reason care episode {n} ended"),
    }
    checked: dict[str, str] = {}
    for name in EPISODE_CODES:
        value: str = getattr(row, name)
        allowed, noun = known[name]
        if value and value not in allowed:
            check.add(f"episode-{n}-{name}", f"Select {noun} from the list")
        elif value:
            checked[name] = value
    return checked


def _checked_leaving_care(form: PersonForm, check: FieldChecker) -> dict[str, date]:
    """The leaving-care dates given (all optional); empty when none is."""
    nouns = {
        "education_or_training_until": "end of the education or training in the pathway plan",
        "returned_to_education_on": "date they said they are returning to education or training",
        "adviser_requested_on": "date they asked for a personal adviser",
    }
    checked: dict[str, date] = {}
    for name in LEAVING_CARE_DATES:
        on = check.date(getattr(form, name), name, nouns[name], required=False)
        if on is not None:
            checked[name] = on
    return checked


def _checked_events(
    form: PersonForm, check: FieldChecker, choices: Choices
) -> list[dict[str, Any]]:
    """The events of the rows filled in, each of a type the rules know."""
    known_events = dict(choices.event_types)
    events: list[dict[str, Any]] = []
    for n, row in enumerate(form.events, 1):
        if row.is_blank():
            continue
        if not row.type:
            check.add(f"event-{n}-type", f"Select the type of event {n}")
        elif row.type not in known_events:
            check.add(
                f"event-{n}-type",
                f"Event {n} has a type the rules do not know ('{row.type}'): "
                "select a type from the list",
            )
        on = check.date(row.date, f"event-{n}-date", f"date of event {n}", required=True)
        events.append({"type": row.type, "date": on})
    return events


def _checked_recorded_events(
    form: PersonForm, check: FieldChecker, choices: Choices
) -> str | list[str] | None:
    """The ``recorded_events`` field: None when not stated, ``"all"``, or a list of event types."""
    value = form.recorded_events
    if value in ("", "all"):
        return value or None
    if value == "none":
        return []
    listed = _listed_event_types(value)
    if listed is None:
        check.add("recorded_events", "Select which events the record's source collects")
        return None
    known = dict(choices.event_types)
    unknown = next((kind for kind in listed if kind not in known), None)
    if unknown is not None:
        check.add(
            "recorded_events",
            f"The record's source is said to collect an event type the rules do not know "
            f"('{unknown}'): select another answer",
        )
        return None
    return list(listed)


def _checked_services(
    form: PersonForm, check: FieldChecker, choices: Choices, area: str
) -> list[dict[str, Any]]:
    """The services of the rows filled in, each one the rules of ``area`` know (if it is known)."""
    services: list[dict[str, Any]] = []
    for n, row in enumerate(form.services, 1):
        if row.is_blank():
            continue
        _check_service_choice(row.service, n, check, choices, area)
        planned_end = check.date(
            row.planned_end,
            f"service-{n}-planned_end",
            f"planned end of service row {n}",
            required=False,
        )
        service: dict[str, Any] = {"service": row.service}
        if planned_end is not None:
            service["planned_end"] = planned_end
        services.append(service)
    return services


def _check_service_choice(
    service: str, n: int, check: FieldChecker, choices: Choices, area: str
) -> None:
    """Check the service of service row ``n``: chosen, known, and in the local area's rules."""
    if not service:
        check.add(f"service-{n}-service", f"Select the service in service row {n}")
    elif service not in dict(choices.services):
        check.add(
            f"service-{n}-service",
            f"Service row {n} has a service the rules do not know "
            f"('{service}'): select one from the list",
        )
    elif area and service not in choices.services_by_area.get(area, frozenset()):
        offered = [
            choices.label("area", a)
            for a, ids in choices.services_by_area.items()
            if service in ids
        ]
        check.add(
            f"service-{n}-service",
            f"{choices.label('service', service)} is only in the rules "
            f"for {' and '.join(offered)}: change the local area or remove service "
            f"row {n}",
        )


def _checked_about(form: PersonForm, check: FieldChecker) -> dict[str, Any]:
    """The primary need and the year group offset."""
    data: dict[str, Any] = {}
    if len(form.primary_need) > MAX_TEXT:
        check.add("primary_need", f"Primary need must be {MAX_TEXT} characters or fewer")
    if form.primary_need:
        data["primary_need"] = form.primary_need
    offset = form.year_group_offset or "0"
    if not _YEAR_GROUP_OFFSET.fullmatch(offset):
        check.add("year_group_offset", "Year group offset must be a whole number, like -1, 0 or 1")
    else:
        data["year_group_offset"] = int(offset)
    return data


def _checked_care_needs(form: PersonForm, check: FieldChecker) -> dict[str, Any]:
    """Likely care needs after 18 and children's continuing care."""
    data: dict[str, Any] = {}
    if not form.care_needs_likely:
        check.add(
            "care_needs_likely",
            "Select yes if the young person is likely to have care and support needs after 18",
            target="care_needs_likely-yes",
        )
    data["care_needs_likely"] = form.care_needs_likely == "yes"
    if not form.continuing_care:
        check.add(
            "continuing_care",
            "Select yes if the young person receives children's continuing care",
            target="continuing_care-yes",
        )
    data["continuing_care"] = form.continuing_care == "yes"
    return data


def _checked_moves(form: PersonForm, check: FieldChecker, choices: Choices) -> list[dict[str, Any]]:
    """The moves of the rows filled in, each to a known area and after the move before it."""
    moves: list[dict[str, Any]] = []
    previous: date | None = None
    for n, row in enumerate(form.moves, 1):
        if row.is_blank():
            continue
        on = check.date(row.date, f"move-{n}-date", f"date of move {n}", required=True)
        if on is not None and previous is not None and on <= previous:
            check.add(
                f"move-{n}-date",
                f"Move {n} must be after the move before it: enter the moves in date order",
                target=f"move-{n}-date-day",
            )
        previous = on or previous
        if not row.area:
            check.add(f"move-{n}-area", f"Select the area of move {n}")
        elif row.area not in dict(choices.areas):
            check.add(
                f"move-{n}-area",
                f"Move {n} is to an area the rules do not know ('{row.area}'): "
                "select one from the list",
            )
        moves.append({"date": on, "area": row.area})
    return moves


def _peek_as_of(form: PersonForm) -> date | None:
    """The as-of date if it is valid, to compare the date of birth with (checked later)."""
    try:
        return date(int(form.as_of.year), int(form.as_of.month), int(form.as_of.day))
    except ValueError:
        return None


# --- person files --------------------------------------------------------------------------


class PersonFileError(ValueError):
    """A person file (uploaded, or carried in a page) that cannot be used; the message is for people."""


def person_file_text(person: Person, file_format: str) -> str:
    """The person file as YAML or JSON text, in the shape of ``docs/person-file.md``.

    Reading the text back (:func:`read_person_file`) gives the same person.
    """
    mapping = person_to_mapping(person)
    if file_format == "json":
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    if file_format != "yaml":
        raise ValueError(f"file_format must be 'yaml' or 'json', got {file_format!r}")
    return yaml.safe_dump(
        _yaml_dates(mapping), sort_keys=False, allow_unicode=True, default_flow_style=False
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_KEYS = frozenset(
    {"date_of_birth", "issued", "setting_end", "start", "end", "date", "planned_end"}
    | {"ceased", "cease_notice", "appeal_decided"}
    | set(LEAVING_CARE_DATES)
)


def _yaml_dates(value: Any, key: str = "") -> Any:
    """Dates written as YAML dates (2009-01-10), not quoted strings, as people write them."""
    if isinstance(value, dict):
        return {k: _yaml_dates(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_dates(v) for v in value]
    if key in _DATE_KEYS and isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return date.fromisoformat(value)
    return value


def read_person_file(filename: str, content: bytes) -> Person:
    """Read an uploaded person file (YAML, or JSON when the name ends in .json).

    Raises:
        PersonFileError: the message says what is wrong in plain English.
    """
    name = filename.lower()
    if not name.endswith(PERSON_FILE_SUFFIXES):
        raise PersonFileError(
            "The selected file must be a YAML or JSON person file (ending .yaml, .yml or .json)"
        )
    if not content.strip():
        raise PersonFileError("The selected file is empty")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PersonFileError("The selected file must be text saved as UTF-8") from None
    try:
        person = person_from_text(
            text,
            source="the selected file",
            suffix=".json" if name.endswith(".json") else ".yaml",
        )
    except PathwaysError as exc:
        raise PersonFileError(
            f"The selected file is not a usable person file: {_plain(exc.one_line())}"
        ) from None
    return person


def _plain(message: str) -> str:
    """The reader's error without the file's stand-in name: ``line 3: …`` or the problem."""
    rest = message.removeprefix("the selected file")
    line, colon, problem = rest.removeprefix(":").partition(": ")
    if colon and line.isdigit():
        return f"line {line}: {problem}"
    return rest.removeprefix(":").strip()


def carried_request(values: Mapping[str, str], areas: Sequence[str]) -> RoadmapRequest:
    """The request carried in a result page's hidden fields (the server keeps nothing).

    Raises:
        PersonFileError: the data was changed or is incomplete.
    """
    try:
        data = load_json_text(values.get("person") or "", source="the page")
    except PathwaysError:
        raise PersonFileError("The page did not send the young person's details") from None
    try:
        person = person_from_mapping(data, source="the page")
        as_of = date.fromisoformat(values.get("as_of") or "")
    except (PathwaysError, ValueError) as exc:
        raise PersonFileError(f"The details sent with the page are not valid ({exc})") from None
    area = values.get("area") or ""
    if area not in areas:
        raise PersonFileError("The details sent with the page name an unknown local area")
    return RoadmapRequest(person, as_of, area)


def carried_fields(request: RoadmapRequest) -> dict[str, str]:
    """The hidden fields that carry a request from page to page."""
    return {
        "person": json.dumps(
            person_to_mapping(request.person), separators=(",", ":"), ensure_ascii=False
        ),
        "as_of": request.as_of.isoformat(),
        "area": request.area,
    }


def download_name(person: Person, suffix: str) -> str:
    """A safe file name for a download, from the case reference.

    >>> download_name(Person(id="YP 001/ä", date_of_birth=date(2009, 1, 10)), "yaml")
    'YP-001.yaml'
    """
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", person.id).strip("-")[:60] or "person"
    return f"{stem}.{suffix}"

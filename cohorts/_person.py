"""A young person's record: the person file of the core issue (YAML or JSON).

The field names are an interface other tools rely on; keep them and only add.
Validation here is structural (types, impossible dates, episode order). Checks
that need rule data (known event types, known service ids) and the as-of date
are made by :func:`check_person` against a loaded pathway.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pathways import (
    InputError,
    decode_text,
    excerpt,
    load_json_text,
    load_yaml_text,
    read_text_file,
)

from ._care_codes import care_codes

MAX_PERSON_FILE_BYTES = 1_000_000
"""The largest person file read, in bytes (about 20,000 events written one a line)."""
MAX_EVENTS = 10_000
"""The most events one young person may have (a person file, or rows of ``events.csv``)."""
MAX_CARE_EPISODES = 1_000
"""The most care episodes one young person may have (a person file, or rows of ``episodes.csv``)."""
MAX_TEXT_CHARS = 200
"""The longest text field of a person (an id, a code, an event type, a service id)."""
_MAX_SHORT_LISTS = 100  # services and recorded event types: a few dozen exist at most

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` text (or a date): no timestamps, no numbers read as dates."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
ShortText = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


def _at_most(limit: int, what: str) -> Any:
    """A before-validator refusing a list longer than ``limit`` before its items are checked."""

    def check(value: Any) -> Any:
        if isinstance(value, (list, tuple)) and len(value) > limit:
            raise ValueError(f"has {len(value):,} {what}; at most {limit:,} are accepted")
        return value

    return BeforeValidator(check)


EhcpSetting = Literal[
    "school", "further-education", "apprenticeship", "higher-education", "employment", "none",
    # Additions (issue 12), in the SEN2 return's terms:
    "supported-internship", "elective-home-education", "neet", "other",
]
EHCP_SETTINGS: tuple[str, ...] = EhcpSetting.__args__  # type: ignore[attr-defined]
CeaseReason = Literal[
    "higher-education", "employment", "left-education", "no-longer-needed", "moved-area", "age-25", "other"
]
CEASE_REASONS: tuple[str, ...] = CeaseReason.__args__  # type: ignore[attr-defined]
PhaseTransferKind = Literal["secondary-to-post-16", "other-phase", "post-16-to-post-16"]
PHASE_TRANSFER_KINDS: tuple[str, ...] = PhaseTransferKind.__args__  # type: ignore[attr-defined]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class PhaseTransfer(_Record):
    """The next move to another school or college, for which the plan must be amended.

    ``kind`` says which deadline of SEND Regulations 2014 reg 18 applies:
    ``secondary-to-post-16`` (before 31 March of the year of the move),
    ``other-phase`` (before 15 February: early years to school, infant to junior,
    primary to middle or secondary, middle to secondary) or ``post-16-to-post-16``
    (at least 5 months before the move).
    """

    date: date
    kind: PhaseTransferKind


class EhcPlan(_Record):
    """An Education, Health and Care plan.

    The cessation fields record a local authority's decision to stop maintaining
    the plan (Children and Families Act 2014 s.45; SEND Regulations 2014 regs
    29-31): ``ceased`` is the first day without a plan, ``cease_notice`` the day the
    decision was notified (with the right of appeal), ``appeal_pending`` that an
    appeal against it is waiting to be decided, ``appeal_decided`` the day an appeal
    was decided (record ``ceased`` only if the decision stood).
    """

    issued: IsoDate
    setting: EhcpSetting
    setting_end: IsoDate | None = None
    # Additions to the interface (all optional):
    next_transfer: PhaseTransfer | None = None
    ceased: date | None = None
    cease_reason: CeaseReason | None = None
    cease_notice: date | None = None
    appeal_pending: bool = False
    appeal_decided: date | None = None

    @model_validator(mode="after")
    def _cessation_in_order(self) -> EhcPlan:
        if self.appeal_pending and self.appeal_decided is not None:
            raise ValueError("an appeal cannot be both pending (appeal_pending) and decided (appeal_decided)")
        if self.ceased is not None and self.ceased < self.issued:
            raise ValueError(f"the plan ceased ({self.ceased}) before it was issued ({self.issued})")
        return self

    @property
    def ended_on(self) -> date | None:
        """The day the plan stopped being maintained, or ``None`` while it is maintained.

        A plan is kept while an appeal against ceasing it is pending (Children and
        Families Act 2014 s.45; Explanatory Notes para 247); after a dismissed appeal it
        ends on the later of ``ceased`` and ``appeal_decided``.
        """
        if self.ceased is None or self.appeal_pending:
            return None
        if self.appeal_decided is not None and self.appeal_decided > self.ceased:
            return self.appeal_decided
        return self.ceased


class CareEpisode(_Record):
    """A period looked after by a local authority.

    ``end`` is the date the episode ceased (the child is looked after on the days
    ``start <= day < end``), the convention of the SSDA903 return where the next
    episode starts on the day the last one ceased. ``None`` means still looked after.

    ``legal_status``, ``placement`` and ``reason_ended`` are optional additions:
    the SSDA903 codes (LS, PLACE, REC), or for placement and reason the plain
    words of ``cohorts/data/ssda903.yaml`` (``foster``, ``returned-home``, …).
    """

    start: IsoDate
    end: IsoDate | None = None
    legal_status: ShortText | None = None
    placement: ShortText | None = None
    reason_ended: ShortText | None = None

    @field_validator("legal_status", "placement", "reason_ended", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) and _looks_like_code(value) else value

    @model_validator(mode="after")
    def _known_codes(self) -> CareEpisode:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"care episode ends ({self.end}) before it starts ({self.start})")
        codes = care_codes()
        if self.legal_status is not None and self.legal_status not in codes.legal_status:
            raise ValueError(
                f"unknown legal status {excerpt(self.legal_status)} (an SSDA903 LS code such as C2, V2 or V3)"
            )
        if self.placement is not None and codes.placement_kind(self.placement) is None:
            kinds = ", ".join(sorted(set(codes.placement_kinds.values())))
            raise ValueError(f"unknown placement {excerpt(self.placement)} (an SSDA903 PLACE code, or one of {kinds})")
        if self.reason_ended is not None and codes.reason_kind(self.reason_ended) is None:
            kinds = ", ".join(sorted(set(codes.reason_kinds.values())))
            raise ValueError(
                f"unknown reason ended {excerpt(self.reason_ended)} (an SSDA903 REC code, or one of {kinds})"
            )
        if self.reason_ended is not None and self.end is None:
            raise ValueError("a care episode with reason_ended needs an end date")
        return self


def _looks_like_code(value: str) -> bool:
    """An SSDA903 code (``v3``, ``e4a``) rather than a plain word (``foster``)."""
    text = value.strip()
    return 2 <= len(text) <= 3 and text[0].isalpha() and text[1:].isalnum() and any(c.isdigit() for c in text)


class LeavingCare(_Record):
    """What decides whether leaving-care duties continue after 21 (Children Act 1989).

    * ``education_or_training_until``: the pathway plan sets out a programme of
      education or training running to this date (s.23C(7) past 21; s.23CA after 21).
    * ``returned_to_education_on``: after 21 the young person told the local
      authority they are pursuing, or want to pursue, education or training (s.23CA).
    * ``adviser_requested_on``: between 21 and 25 the young person asked for
      advice and support with a personal adviser (s.23CZB).
    """

    education_or_training_until: IsoDate | None = None
    returned_to_education_on: IsoDate | None = None
    adviser_requested_on: IsoDate | None = None


class Event(_Record):
    """Something that has already happened: an assessment, plan, review, referral or decision."""

    type: Text
    date: IsoDate


class ServiceUse(_Record):
    """A service the young person receives now (optional; an addition to the interface)."""

    service: Text
    planned_end: IsoDate | None = None


class AreaMove(_Record):
    """A move to another local authority's area on a date (SEND Regulations 2014 reg 15 for EHC plans)."""

    date: date
    area: str = Field(min_length=1)


class Person(_Record):
    """One young person. See docs/person-file.md for every field."""

    id: Text
    date_of_birth: IsoDate
    ehcp: EhcPlan | None = None
    care_episodes: Annotated[tuple[CareEpisode, ...], _at_most(MAX_CARE_EPISODES, "care episodes")] = ()
    care_needs_likely: bool = False
    continuing_care: bool = False
    events: Annotated[tuple[Event, ...], _at_most(MAX_EVENTS, "events")] = ()
    # Additions to the interface (all optional):
    primary_need: ShortText | None = None
    year_group_offset: int = 0
    services: Annotated[tuple[ServiceUse, ...], _at_most(_MAX_SHORT_LISTS, "services")] = ()
    leaving_care: LeavingCare | None = None
    area: ShortText | None = None
    # Moves to other areas, in date order: the roadmap uses each area's rules for its period.
    moves: tuple[AreaMove, ...] = ()
    # The event types the source of this record collects ("all", or a list). Default: every
    # type when any event is recorded, none when the record has no events at all.
    recorded_events: (
        Annotated[tuple[ShortText, ...], _at_most(_MAX_SHORT_LISTS, "event types")] | Literal["all"] | None
    ) = None

    @model_validator(mode="after")
    def _moves_in_order(self) -> Person:
        days = [move.date for move in self.moves]
        if days != sorted(set(days)):
            raise ValueError("moves must be in date order, one per date")
        return self

    def area_on(self, day: date, starting_area: str) -> str:
        """The area the young person lives in on a day (``starting_area`` before the first move)."""
        area = starting_area
        for move in self.moves:
            if move.date > day:
                break
            area = move.area
        return area

    def recorded_event_types(self) -> frozenset[str] | None:
        """The event types this record can tell us about (None: every type)."""
        if self.recorded_events == "all":
            return None
        if self.recorded_events is not None:
            return frozenset(self.recorded_events)
        return None if self.events else frozenset()

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # A whole number is an id written without quotes in JSON (YAML keeps ids as written).
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _friendly(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    if kind.startswith("date") or kind == "date_from_datetime_parsing":
        return f"is not a valid date (got {excerpt(error.get('input'))}; expected YYYY-MM-DD)"
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected']} (got {excerpt(error.get('input'))})"
    msg: str = error["msg"]
    return msg.removeprefix("Value error, ")


def person_from_mapping(data: Any, *, source: str = "<person>") -> Person:
    """Validate a parsed person record, raising a one-line :class:`InputError`."""
    if not isinstance(data, dict):
        raise InputError("a person file must be a mapping of fields", file=source)
    try:
        return Person.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"field '{_field_path(first['loc'])}' {_friendly(dict(first))}", file=source
        ) from None


def load_person(path: str | Path) -> Person:
    """Read a person file (YAML, or JSON when it ends in .json).

    Raises:
        InputError: the file is missing, larger than :data:`MAX_PERSON_FILE_BYTES`,
            not UTF-8, malformed, or a field is invalid. The message names the file
            and the field.
    """
    path = Path(path)
    text = read_text_file(path, what="person file", max_bytes=MAX_PERSON_FILE_BYTES)
    return person_from_text(text, source=str(path), suffix=path.suffix)


def person_from_text(content: str | bytes, *, source: str, suffix: str = ".yaml") -> Person:
    """Read a person file's content: JSON when ``suffix`` is ``.json``, else YAML.

    Bytes are decoded as UTF-8. This is :func:`load_person` without the file,
    for content that comes from elsewhere (an upload, a form).

    Raises:
        InputError: the content is larger than :data:`MAX_PERSON_FILE_BYTES`, not
            UTF-8, malformed, or a field is invalid; the message names ``source``.
    """
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "surrogatepass"))
    if size > MAX_PERSON_FILE_BYTES:
        raise InputError(f"the person file is larger than {MAX_PERSON_FILE_BYTES:,} bytes", file=source)
    text = decode_text(content, source=source) if isinstance(content, bytes) else content
    if suffix.lower() == ".json":
        data = load_json_text(text, source=source)
    else:
        data = load_yaml_text(text, source=source, error=InputError)
    return person_from_mapping(data, source=source)


def person_to_mapping(person: Person) -> dict[str, Any]:
    """The person as plain data in the person-file shape (dates as ISO strings)."""
    data = person.model_dump(mode="json", exclude_defaults=True)
    data["id"] = person.id
    data["date_of_birth"] = person.date_of_birth.isoformat()
    return data

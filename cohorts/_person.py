"""A young person's record: the person file of the core issue (YAML or JSON).

The field names are an interface other tools rely on; keep them and only add.
Validation here is structural (types, impossible dates, episode order). Checks
that need rule data (known event types, known service ids) and the as-of date
are made by :func:`check_person` against a loaded pathway.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pathways import InputError, load_yaml_text

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

    issued: date
    setting: EhcpSetting
    setting_end: date | None = None
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
    """

    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> CareEpisode:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"care episode ends ({self.end}) before it starts ({self.start})")
        return self


class Event(_Record):
    """Something that has already happened: an assessment, plan, review, referral or decision."""

    type: str = Field(min_length=1)
    date: date


class ServiceUse(_Record):
    """A service the young person receives now (optional; an addition to the interface)."""

    service: str = Field(min_length=1)
    planned_end: date | None = None


class Person(_Record):
    """One young person. See docs/person-file.md for every field."""

    id: str = Field(min_length=1)
    date_of_birth: date
    ehcp: EhcPlan | None = None
    care_episodes: tuple[CareEpisode, ...] = ()
    care_needs_likely: bool = False
    continuing_care: bool = False
    events: tuple[Event, ...] = ()
    # Additions to the interface (all optional):
    primary_need: str | None = None
    year_group_offset: int = 0
    services: tuple[ServiceUse, ...] = ()

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


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
        return f"is not a valid date (got {error.get('input')!r}; expected YYYY-MM-DD)"
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected']} (got {error.get('input')!r})"
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
        InputError: the file is missing, malformed, or a field is invalid. The
            message names the file and the field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the person file ({exc.strerror})", file=str(path)) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    else:
        data = load_yaml_text(text, source=str(path), error=InputError)
    return person_from_mapping(data, source=str(path))


def person_to_mapping(person: Person) -> dict[str, Any]:
    """The person as plain data in the person-file shape (dates as ISO strings)."""
    data = person.model_dump(mode="json", exclude_defaults=True)
    data["id"] = person.id
    data["date_of_birth"] = person.date_of_birth.isoformat()
    return data

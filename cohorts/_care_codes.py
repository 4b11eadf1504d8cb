"""SSDA903 codes for care episodes: legal status, placement and reason ended (``data/ssda903.yaml``).

A person file's care episode may give its legal status, placement and the reason
it ended as the codes of the SSDA903 return (``V3``, ``U4``, ``E45``) or, for
placement and reason, as plain words (``foster``, ``special-guardianship``).
This module loads the code lists once and says what a code means for
care-leaver status: a short break, a foster placement, an adoption.

>>> codes = care_codes()
>>> codes.placement_kind("U4"), codes.placement_kind("foster"), codes.reason_kind("E45")
('foster', 'foster', 'special-guardianship')
>>> codes.is_short_break("V3"), codes.is_short_break("C2")
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pathways import Reference, RuleDataError, load_yaml_text

DATA_FILE = Path(__file__).parent / "data" / "ssda903.yaml"


class _CodeFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    references: tuple[Reference, ...]
    legal_status: dict[str, str]
    short_break_legal_status: tuple[str, ...]
    placement: dict[str, str]
    placement_kinds: dict[str, tuple[str, ...]]
    reason_ended: dict[str, str]
    reason_kinds: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class CareCodes:
    """The SSDA903 code lists and what each code is (see ``cohorts/data/ssda903.yaml``)."""

    legal_status: Mapping[str, str]
    short_break_legal_status: frozenset[str]
    placement: Mapping[str, str]
    reason_ended: Mapping[str, str]
    placement_kinds: Mapping[str, str]  # code or plain word -> kind
    reason_kinds: Mapping[str, str]  # code or plain word -> kind

    def is_short_break(self, legal_status: str | None) -> bool:
        """Whether a legal status is a pre-planned series of short breaks (CPPCR 2010 reg 48)."""
        return legal_status in self.short_break_legal_status

    def placement_kind(self, placement: str | None) -> str | None:
        """The kind of a placement code or word (``foster``, ``childrens-home``, …), or None."""
        return None if placement is None else self.placement_kinds.get(placement)

    def reason_kind(self, reason: str | None) -> str | None:
        """The kind of a reason-ended code or word (``adopted``, ``returned-home``, …), or None."""
        return None if reason is None else self.reason_kinds.get(reason)


def _kinds(groups: Mapping[str, tuple[str, ...]], codes: Mapping[str, str], what: str) -> dict[str, str]:
    kinds = {kind: kind for kind in groups}
    for kind, members in groups.items():
        for code in members:
            if code not in codes:
                raise RuleDataError(f"{what} kind '{kind}' lists unknown code '{code}'", file=str(DATA_FILE))
            kinds[code] = kind
    return kinds


@cache
def care_codes() -> CareCodes:
    """The shipped SSDA903 code lists (loaded once).

    Raises:
        RuleDataError: the code file is malformed.
    """
    data = load_yaml_text(DATA_FILE.read_text(encoding="utf-8"), source=str(DATA_FILE), error=RuleDataError)
    try:
        parsed = _CodeFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleDataError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", file=str(DATA_FILE)) from None
    return CareCodes(
        legal_status=parsed.legal_status,
        short_break_legal_status=frozenset(parsed.short_break_legal_status),
        placement=parsed.placement,
        reason_ended=parsed.reason_ended,
        placement_kinds=_kinds(parsed.placement_kinds, parsed.placement, "placement"),
        reason_kinds=_kinds(parsed.reason_kinds, parsed.reason_ended, "reason"),
    )

"""The roadmap as plain data: what every renderer (text, Markdown, JSON, HTML, SVG) reads.

A public module so the wings (``roadmaps.render``, ``roadmaps.population``, …) can
read the model without going through the ``roadmaps`` facade, which re-exports
the renderers (that would be an import cycle).

These are frozen dataclasses rather than pydantic models: a population run
builds millions of them, and they are produced by the library, never parsed
from users, so they need no validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

# The rule data's agency and severity vocabularies, re-exported by roadmaps.
from pathways import AGENCIES as AGENCIES
from pathways import Agency as Agency

# A roadmap line cites the rule data's own references (one model of the citation fields).
from pathways import ReferenceFields as Citation
from pathways import Severity as Severity

if TYPE_CHECKING:
    from ._compare import RoadmapDiff

__all__ = [
    "AGENCIES",
    "Agency",
    "CareLeaverStatus",
    "CareStatusPeriod",
    "Citation",
    "Entry",
    "Gap",
    "Roadmap",
    "RuleRef",
    "STATUSES",
    "ServiceSpan",
    "Severity",
    "Status",
]

Status = Literal["done", "due", "overdue", "upcoming", "not-applicable"]
STATUSES: tuple[Status, ...] = ("done", "due", "overdue", "upcoming", "not-applicable")


@dataclass(frozen=True, slots=True)
class RuleRef:
    """The rule behind a roadmap line: its id, status and citations."""

    id: str
    status: str  # verified | unverified | ambiguous | local
    citations: tuple[Citation, ...] = ()

    def cite(self) -> str:
        """The citations in one line, each named once."""
        seen = dict.fromkeys(c.short() for c in self.citations)
        return "; ".join(s for s in seen if s)


@dataclass(frozen=True, slots=True)
class Entry:
    """One dated line of the timeline.

    ``date`` is the date the entry falls on (a birthday, a deadline, the date a
    service starts or ends). ``window_start`` is set when the entry is a window
    ("between window_start and date"). ``done_on`` is the date of the recorded
    event that completed it.
    """

    id: str
    kind: str  # milestone | deadline | assessment | plan | review | service-start | service-end
    date: date
    age_years: int
    age_months: int
    title: str
    description: str
    agency: Agency
    owner: str
    owner_id: str | None
    status: Status
    rule: RuleRef
    cohorts: tuple[str, ...]
    window_start: dt.date | None = None
    done_on: dt.date | None = None
    pfa_area: str | None = None
    explanation: tuple[str, ...] = ()
    #: False when the line waits on events the input never records: "not recorded", not missing.
    recorded: bool = True


@dataclass(frozen=True, slots=True)
class Gap:
    """A named gap rule that fired for this young person."""

    rule: str
    severity: Severity
    title: str
    message: str
    action: str
    duty: RuleRef
    owner: str
    agency: Agency
    since: date | None = None
    days_overdue: int | None = None
    milestone: str | None = None
    catalogue: str | None = None
    explanation: tuple[str, ...] = ()
    family_message: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceSpan:
    """A service the young person may receive, with when it starts and ends for them."""

    id: str
    label: str
    agency: Agency
    start: date | None
    end: date | None
    successors: tuple[str, ...]
    rule: RuleRef
    cohorts: tuple[str, ...]
    beyond_statutory: str | None = None


@dataclass(frozen=True, slots=True)
class CareStatusPeriod:
    """Care-leaver status from ``start`` until the next period, and why."""

    start: date
    status: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class CareLeaverStatus:
    """Care-leaver status dates worked out from the care episodes (statute.md section 3)."""

    status_on_as_of: str | None  # eligible | relevant | former-relevant | qualifying | looked-after | None
    weeks_looked_after_since_14: float
    eligible_from: date | None = None
    relevant_from: date | None = None
    former_relevant_from: date | None = None
    qualifying_from: date | None = None
    returned_to_care_on: date | None = None
    periods: tuple[CareStatusPeriod, ...] = ()


@dataclass(frozen=True, slots=True)
class Roadmap:
    """A young person's dated roadmap to 25, with gaps and the settings used.

    Frozen: to add the reform differences or the routes, make a new one with
    :func:`dataclasses.replace`.
    """

    person_id: str
    as_of: date
    area: str
    settings: Mapping[str, str]
    date_of_birth: date
    cohorts: tuple[str, ...]
    start: date
    end: date
    entries: tuple[Entry, ...]
    gaps: tuple[Gap, ...]
    services: tuple[ServiceSpan, ...] = ()
    care_status: CareLeaverStatus | None = None
    #: Gap rules that would fire but need events the input never records (not counted as gaps).
    not_recorded: tuple[Gap, ...] = ()
    #: For a young person who moves: each area and the date its rules apply from (first: date.min).
    areas: tuple[tuple[date, str], ...] = ()
    #: The differences a reform makes, when the roadmap was drawn under one (``roadmap --reform``).
    reform: RoadmapDiff | None = None
    #: The likely routes from 14 to 25, as the ``pathways routes`` JSON object (``roadmap --routes``).
    routes: Mapping[str, Any] | None = None

    def milestone(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return next((e for e in self.entries if e.id == entry_id), None)

    # ------------------------------------------------------------ notebooks

    def to_pandas(self) -> Any:
        """The timeline as a pandas DataFrame (one row per entry); needs the pandas extra."""
        from pathways import to_frame

        return to_frame(
            {
                "id": e.id, "date": e.date, "age_years": e.age_years, "age_months": e.age_months,
                "status": e.status, "kind": e.kind, "title": e.title, "agency": e.agency, "owner": e.owner,
                "rule": e.rule.id, "rule_status": e.rule.status, "citation": e.rule.cite(),
            }
            for e in self.entries
        )

    def gaps_to_pandas(self) -> Any:
        """The gaps as a pandas DataFrame; needs the pandas extra."""
        from pathways import to_frame

        return to_frame(
            ({"rule": g.rule, "severity": g.severity, "since": g.since, "days_overdue": g.days_overdue,
              "message": g.message, "action": g.action, "owner": g.owner, "duty": g.duty.cite()}
             for g in self.gaps),
            columns=["rule", "severity", "since", "days_overdue", "message", "action", "owner", "duty"],
        )

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: the timeline picture, the gaps and the dated list."""
        from roadmaps.render import roadmap_html

        return roadmap_html(self)

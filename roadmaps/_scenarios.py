"""Scenario files: a person, an as-of date and the milestones and gaps expected.

Scenarios pin the behaviour of the rules, as OpenFisca's YAML tests do. pytest
collects them from ``tests/scenarios/``; users can run their own with
``pathways scenarios FILE_OR_DIR``. Format::

    name: In care with an EHC plan
    person: {id: s1, date_of_birth: 2009-01-10, ...}   # or person_file: path
    as_of: 2026-11-23
    area: england                 # optional
    settings: {leap-day-policy: feb28}   # optional
    reforms: [../reforms/by-16.yaml]     # optional: reform files, applied in order
    cohorts: [send]               # optional: expected cohorts, exactly
    expect:
      milestones:
        age-18: 2027-01-10                      # the date
        transition-assessment: {date: 2026-01-10, status: done}
      absent: [leaving-care-eligible]           # milestones that must not appear
      gaps: [pathway-plan-missing]              # the exact set of gap rule ids
      gaps_include: [...]                       # or: at least these
      gaps_exclude: [...]                       #     and none of these
      gaps_since:                               # the first late day of these gaps
        ehc-assessment-late: 2026-05-26
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cohorts import Person, load_pathway, load_person, person_from_mapping
from pathways import InputError, load_reform, load_yaml_text, read_text_file, reformed_pathway
from roadmaps.rule_ids import DEFAULT_AREA

from ._roadmap import generate_roadmap


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExpectedMilestone(_Strict):
    date: dt.date | None = None
    status: str | None = None
    rule_status: str | None = None


class Expectations(_Strict):
    milestones: dict[str, dt.date | ExpectedMilestone] = Field(default_factory=dict)
    absent: tuple[str, ...] = ()
    gaps: tuple[str, ...] | None = None
    gaps_include: tuple[str, ...] = ()
    gaps_exclude: tuple[str, ...] = ()
    care_status: str | None = None  # the care-leaver status on the as-of date ("none": no status)
    not_recorded: tuple[str, ...] | None = None  # gap rules that need events the record never holds
    gaps_since: dict[str, dt.date] = Field(default_factory=dict)


class Scenario(_Strict):
    name: str
    person: dict[str, Any] | None = None
    person_file: str | None = None
    as_of: dt.date
    area: str = DEFAULT_AREA
    settings: dict[str, str] = Field(default_factory=dict)
    reforms: tuple[str, ...] = ()
    cohorts: tuple[str, ...] | None = None
    expect: Expectations


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    file: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def load_scenario(path: Path) -> Scenario:
    data = load_yaml_text(read_text_file(path, what="scenario file"), source=str(path), error=InputError)
    try:
        return Scenario.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError, reported in one line
        first = str(exc).splitlines()
        raise InputError(f"invalid scenario: {' '.join(first[1:3]).strip()}", file=str(path)) from None


def _person(scenario: Scenario, path: Path) -> Person:
    if scenario.person_file:
        return load_person((path.parent / scenario.person_file).resolve())
    return person_from_mapping(scenario.person, source=str(path))


def run_scenario(path: Path) -> ScenarioResult:
    """Run one scenario file and list every expectation that failed."""
    scenario = load_scenario(path)
    person = _person(scenario, path)
    pathway = load_pathway(scenario.area)
    if scenario.reforms:
        reforms = [load_reform(path.parent / name) for name in scenario.reforms]
        pathway = reformed_pathway(pathway, reforms)
    roadmap = generate_roadmap(
        person, as_of=scenario.as_of, settings=scenario.settings, pathway=pathway, source=str(path),
    )
    failures: list[str] = []
    found = {e.id: e for e in roadmap.entries}
    for milestone_id, expected in scenario.expect.milestones.items():
        entry = found.get(milestone_id)
        if entry is None:
            failures.append(f"milestone {milestone_id}: missing")
            continue
        want = expected if isinstance(expected, ExpectedMilestone) else ExpectedMilestone(date=expected)
        if want.date is not None and entry.date != want.date:
            failures.append(f"milestone {milestone_id}: date {entry.date} != expected {want.date}")
        if want.status is not None and entry.status != want.status:
            failures.append(f"milestone {milestone_id}: status {entry.status} != expected {want.status}")
        if want.rule_status is not None and entry.rule.status != want.rule_status:
            failures.append(f"milestone {milestone_id}: rule status {entry.rule.status} != expected {want.rule_status}")
    for milestone_id in scenario.expect.absent:
        if milestone_id in found:
            failures.append(f"milestone {milestone_id}: present but expected absent")
    fired = {g.rule for g in roadmap.gaps}
    if scenario.expect.gaps is not None and fired != set(scenario.expect.gaps):
        failures.append(f"gaps {sorted(fired)} != expected {sorted(scenario.expect.gaps)}")
    for rule in scenario.expect.gaps_include:
        if rule not in fired:
            failures.append(f"gap {rule}: expected but not found")
    for rule in scenario.expect.gaps_exclude:
        if rule in fired:
            failures.append(f"gap {rule}: found but not expected")
    unknown = {g.rule for g in roadmap.not_recorded}
    if scenario.expect.not_recorded is not None and unknown != set(scenario.expect.not_recorded):
        failures.append(f"not recorded {sorted(unknown)} != expected {sorted(scenario.expect.not_recorded)}")
    if scenario.expect.care_status is not None:
        status = (roadmap.care_status.status_on_as_of if roadmap.care_status else None) or "none"
        if status != scenario.expect.care_status:
            failures.append(f"care status {status} != expected {scenario.expect.care_status}")
    for rule, since in scenario.expect.gaps_since.items():
        found_since = sorted({g.since for g in roadmap.gaps if g.rule == rule and g.since is not None})
        if not found_since:
            failures.append(f"gap {rule}: expected since {since} but the gap did not fire with a date")
        elif since not in found_since:
            failures.append(f"gap {rule}: since {', '.join(map(str, found_since))} != expected {since}")
    if scenario.cohorts is not None and set(roadmap.cohorts) != set(scenario.cohorts):
        failures.append(f"cohorts {list(roadmap.cohorts)} != expected {sorted(scenario.cohorts)}")
    return ScenarioResult(scenario.name, str(path), tuple(failures))


def scenario_files(target: Path) -> list[Path]:
    if target.is_dir():
        return sorted(target.glob("*.yaml"))
    return [target]

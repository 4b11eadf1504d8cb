"""The shipped rule data, the fact vocabulary, and a person's evaluation context.

The rule data lives in ``cohorts/data/<area>/`` and ships inside the wheel.
Facts are what the rules may test about a young person; they are derived here
from the person file, so the engine never sees the raw record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from pathways import (
    LEAP_DAY_POLICIES,
    Context,
    InputError,
    LeapDayPolicy,
    PathwayGraph,
    area_ids,
    excerpt,
    value_on,
)
from pathways import (
    load_pathway as _load_pathway,
)

from ._care_status import CareStatus, care_status
from ._person import Person

DATA_ROOT = Path(str(files("cohorts") / "data"))

#: What rules may test about a young person: name -> bool | date | text.
FACT_TYPES: Mapping[str, str] = {
    "has_ehcp": "bool",
    "ehcp_issued": "date",
    "ehcp_setting": "text",
    "ehcp_setting_end": "date",
    "ehcp_next_transfer_date": "date",
    "ehcp_next_transfer_kind": "text",
    "ehcp_ceased": "date",
    "ehcp_cease_reason": "text",
    "ehcp_cease_notice": "date",
    "ehcp_cease_decision": "date",
    "ehcp_appeal_pending": "bool",
    "ehcp_ended": "bool",
    "care_needs_likely": "bool",
    "continuing_care": "bool",
    "looked_after_from_14": "bool",
    "currently_looked_after": "bool",
    "eligible_child": "bool",
    "relevant_child": "bool",
    "former_relevant_child": "bool",
    "qualifying_care_leaver": "bool",
    "looked_after_on_18th_birthday": "bool",
    "looked_after_16_to_18": "bool",
    "leaving_care_eligible_from": "date",
    "relevant_from": "date",
    "former_relevant_from": "date",
    "qualifying_from": "date",
    "left_care_on": "date",
    "care_status": "text",
    "moved_area_on": "date",
    "returned_to_care_on": "date",
    "relevant_ended_on": "date",
    "placement_at_18": "text",
    "special_guardianship": "bool",
    "short_breaks": "bool",
    "education_or_training_until": "date",
    "returned_to_education_on": "date",
    "adviser_requested_on": "date",
    "primary_need": "text",
    "learning_disability": "bool",
    "autism": "bool",
    "therapy_planned_end": "date",
}

#: Primary-need codes (DfE SEN2 / school census) that mean a learning disability or autism.
LEARNING_DISABILITY_NEEDS = frozenset({"MLD", "SLD", "PMLD", "learning-disability"})
AUTISM_NEEDS = frozenset({"ASD", "autism"})


def available_areas(data_root: Path | None = None) -> tuple[str, ...]:
    """The areas with rule data (``england``, ``leicester``, ``peterborough``)."""
    return _areas(Path(data_root) if data_root is not None else DATA_ROOT)


@lru_cache(maxsize=16)
def _areas(data_root: Path) -> tuple[str, ...]:
    # One directory scan per data root and process: population runs ask once per person.
    return area_ids(data_root)


@lru_cache(maxsize=16)
def _cached(data_root: Path, area: str) -> PathwayGraph:
    return _load_pathway(data_root, area, facts=FACT_TYPES)


def load_pathway(area: str = "england", data_root: str | Path | None = None) -> PathwayGraph:
    """The compiled pathway of an area (cached: load once, use for every person).

    Raises:
        InputError: the area is unknown.
    """
    root = Path(data_root) if data_root is not None else DATA_ROOT
    known = _areas(root)
    if area not in known:
        raise InputError(f"unknown area {excerpt(area)} (choose from {', '.join(known)})", id="--area")
    return _cached(root, area)


def _parameter(pathway: PathwayGraph, parameter_id: str, on: date) -> int:
    return int(value_on(pathway.rules.parameters[parameter_id], on))


def person_care_status(
    pathway: PathwayGraph,
    person: Person,
    as_of: date,
    leap_day_policy: LeapDayPolicy,
    settings: Mapping[str, str] | None = None,
) -> CareStatus:
    """Care-leaver status from the episodes, with ages, weeks and months from rule data."""
    counting = (settings or {}).get("thirteen-weeks-counting") or pathway.rules.settings[
        "thirteen-weeks-counting"
    ].default
    return care_status(
        person.date_of_birth,
        person.care_episodes,
        as_of,
        count_from_age=_parameter(pathway, "leaving-care-count-from-age", as_of),
        eligible_age=_parameter(pathway, "eligible-child-age", as_of),
        majority_age=_parameter(pathway, "age-of-majority", as_of),
        eligible_weeks=_parameter(pathway, "eligible-child-weeks", as_of),
        home_months=_parameter(pathway, "relevant-child-home-months", as_of),
        thirteen_weeks_counting=counting,
        leap_day_policy=leap_day_policy,
    )


def person_facts(person: Person, status: CareStatus, as_of: date) -> dict[str, Any]:
    """The fact values for one young person (``as_of``: the date the roadmap is drawn up on)."""
    ehcp = person.ehcp
    transfer = ehcp.next_transfer if ehcp else None
    ended = ehcp.ended_on if ehcp else None
    need = person.primary_need
    leaving = person.leaving_care
    therapy = next((s for s in person.services if s.service == "childrens-therapies"), None)
    return {
        "has_ehcp": ehcp is not None,
        "ehcp_issued": ehcp.issued if ehcp else None,
        "ehcp_setting": ehcp.setting if ehcp else None,
        "ehcp_setting_end": ehcp.setting_end if ehcp else None,
        "ehcp_next_transfer_date": transfer.date if transfer else None,
        "ehcp_next_transfer_kind": transfer.kind if transfer else None,
        "ehcp_ceased": ended,
        "ehcp_cease_reason": ehcp.cease_reason if ehcp else None,
        "ehcp_cease_notice": ehcp.cease_notice if ehcp else None,
        "ehcp_cease_decision": (ehcp.cease_notice or ehcp.ceased) if ehcp else None,
        "ehcp_appeal_pending": ehcp.appeal_pending if ehcp else False,
        "ehcp_ended": ended is not None and as_of is not None and ended <= as_of,
        "care_needs_likely": person.care_needs_likely,
        "continuing_care": person.continuing_care,
        "looked_after_from_14": status.looked_after_from_14,
        "currently_looked_after": status.currently_looked_after,
        "eligible_child": status.eligible_from is not None,
        "relevant_child": status.relevant_from is not None,
        "former_relevant_child": status.former_relevant_from is not None,
        "qualifying_care_leaver": status.qualifying_from is not None,
        "looked_after_on_18th_birthday": status.looked_after_on_18th_birthday,
        "looked_after_16_to_18": status.looked_after_16_to_18,
        "leaving_care_eligible_from": status.eligible_from,
        "relevant_from": status.relevant_from,
        "former_relevant_from": status.former_relevant_from,
        "qualifying_from": status.qualifying_from,
        "left_care_on": status.left_care_on,
        "care_status": status.status_on(as_of),
        "moved_area_on": max((m.date for m in person.moves if m.date <= as_of), default=None),
        "returned_to_care_on": status.returned_to_care_on,
        "relevant_ended_on": status.relevant_ended_on,
        "placement_at_18": status.placement_at_18,
        "special_guardianship": status.special_guardianship,
        "short_breaks": status.short_breaks,
        "education_or_training_until": leaving.education_or_training_until if leaving else None,
        "returned_to_education_on": leaving.returned_to_education_on if leaving else None,
        "adviser_requested_on": leaving.adviser_requested_on if leaving else None,
        "primary_need": need,
        "learning_disability": need in LEARNING_DISABILITY_NEEDS,
        "autism": need in AUTISM_NEEDS,
        "therapy_planned_end": therapy.planned_end if therapy else None,
    }


def resolve_settings(pathway: PathwayGraph, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every setting with its value: the rule-data default unless overridden.

    Raises:
        InputError: an unknown setting or a value that is not one of its choices.
    """
    settings = {s.id: s.default for s in pathway.rules.settings.values()}
    for key, value in (overrides or {}).items():
        setting = pathway.rules.settings.get(key)
        if setting is None:
            raise InputError(f"unknown setting {excerpt(key)} (known: {', '.join(sorted(settings))})", id=key)
        if value not in setting.choices:
            raise InputError(
                f"setting '{key}' must be one of {', '.join(setting.choices)} (got {excerpt(value)})", id=key
            )
        settings[key] = value
    return dict(sorted(settings.items()))


def check_person(pathway: PathwayGraph, person: Person, as_of: date, *, source: str = "<person>") -> None:
    """Checks that need rule data and the as-of date.

    Raises:
        InputError: a date of birth after the as-of date, an unknown event type,
            an unknown service, or a care episode starting before the date of birth.
            (An episode starting after the as-of date is accepted and projected.)
    """
    if person.date_of_birth > as_of:
        raise InputError(
            f"field 'date_of_birth' is after the as-of date {as_of.isoformat()}", file=source
        )
    recorded = () if person.recorded_events in (None, "all") else person.recorded_events
    for index, kind in enumerate(recorded or ()):
        if kind not in pathway.rules.events:
            raise InputError(
                f"field 'recorded_events[{index}]' is an unknown event type {excerpt(kind)}", file=source
            )
    for index, event in enumerate(person.events):
        if event.type not in pathway.rules.events:
            known = _some(sorted(pathway.rules.events))
            raise InputError(
                f"field 'events[{index}].type' is an unknown event type {excerpt(event.type)} (known: {known})",
                file=source,
            )
    for index, use in enumerate(person.services):
        node = pathway.rules.nodes.get(use.service)
        if node is None or node.kind != "service":
            raise InputError(
                f"field 'services[{index}].service' is an unknown service {excerpt(use.service)}", file=source
            )
    for index, episode in enumerate(person.care_episodes):
        if episode.start < person.date_of_birth:
            raise InputError(f"field 'care_episodes[{index}].start' is before the date of birth", file=source)


def _some(names: list[str], limit: int = 100) -> str:
    """``a, b, c``, cut with ``…`` after about ``limit`` characters so that a message stays short.

    >>> _some(["alpha", "beta", "gamma"], limit=12)
    'alpha, beta, …'
    """
    shown: list[str] = []
    length = 0
    for name in names:
        length += len(name) + 2
        if length > limit + 2:
            return ", ".join([*shown, "…"])
        shown.append(name)
    return ", ".join(shown)


def person_context(
    pathway: PathwayGraph,
    person: Person,
    as_of: date,
    settings: Mapping[str, str],
    parameters: Mapping[str, Any] | None = None,
) -> tuple[Context, CareStatus]:
    """Everything the rules need to evaluate one young person on a date."""
    policy = settings.get("leap-day-policy", "mar1")
    if policy not in LEAP_DAY_POLICIES:  # guarded by resolve_settings; keeps mypy exact
        raise InputError(f"unknown leap-day policy '{policy}'", id="leap-day-policy")
    leap: LeapDayPolicy = "feb28" if policy == "feb28" else "mar1"
    status = person_care_status(pathway, person, as_of, leap, settings)
    events: dict[str, list[date]] = {}
    for event in person.events:
        if event.date <= as_of:
            events.setdefault(event.type, []).append(event.date)
    ctx = Context(
        date_of_birth=person.date_of_birth,
        as_of=as_of,
        leap_day_policy=leap,
        settings=settings,
        calendar=pathway.rules.calendar,
        facts=person_facts(person, status, as_of),
        events={k: tuple(sorted(v)) for k, v in events.items()},
        received={s.service: s.planned_end for s in person.services},
        year_group_offset=person.year_group_offset,
        recorded_events=person.recorded_event_types(),
        parameters=parameters if parameters is not None else pathway.rules.parameters,
    )
    ctx.cohorts = frozenset(cid for cid, fn in pathway.compiled.cohort_fns.items() if fn(ctx))
    return ctx, status

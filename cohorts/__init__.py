"""The three cohorts as cited rule data (England baseline plus local overlays).

Looked-after children and care leavers, young people with SEND and EHC plans,
and young adults with care needs entering Adult Social Care. This package
holds their rule data, cohort membership, care-leaver status and the
population layer.
"""

from ._care_codes import CareCodes, care_codes
from ._care_status import CareStatus, care_status
from ._pathway import (
    DATA_ROOT,
    FACT_TYPES,
    available_areas,
    check_person,
    load_pathway,
    person_care_status,
    person_context,
    person_facts,
    resolve_settings,
)
from ._person import (
    CEASE_REASONS,
    EHCP_SETTINGS,
    MAX_CARE_EPISODES,
    MAX_EVENTS,
    MAX_PERSON_FILE_BYTES,
    MAX_TEXT_CHARS,
    PHASE_TRANSFER_KINDS,
    AreaMove,
    CareEpisode,
    EhcPlan,
    Event,
    Person,
    PhaseTransfer,
    ServiceUse,
    load_person,
    person_from_mapping,
    person_from_text,
    person_to_mapping,
)
from ._routes import PersonRoutes, person_routes
from ._synth import SynthResult, synthesise

__all__ = [
    "AreaMove",
    "CEASE_REASONS",
    "CareCodes",
    "CareEpisode",
    "CareStatus",
    "DATA_ROOT",
    "EHCP_SETTINGS",
    "EhcPlan",
    "Event",
    "FACT_TYPES",
    "MAX_CARE_EPISODES",
    "MAX_EVENTS",
    "MAX_PERSON_FILE_BYTES",
    "MAX_TEXT_CHARS",
    "PHASE_TRANSFER_KINDS",
    "Person",
    "PersonRoutes",
    "PhaseTransfer",
    "ServiceUse",
    "SynthResult",
    "available_areas",
    "care_codes",
    "care_status",
    "check_person",
    "load_pathway",
    "load_person",
    "person_care_status",
    "person_context",
    "person_facts",
    "person_from_mapping",
    "person_from_text",
    "person_routes",
    "person_to_mapping",
    "resolve_settings",
    "synthesise",
]

"""The shipped hypothesis strategies draw from the rule data, not from a copy of it."""

from __future__ import annotations

from cohorts import load_pathway
from cohorts.testing import EVENT_TYPES


def test_event_types_are_the_events_declared_beside_the_calendar() -> None:
    rules = load_pathway("england").rules
    declared = tuple(
        event for event in rules.events
        if (source := rules.source(f"event:{event}")) is not None and source.file.endswith("calendar.yaml")
    )
    assert len(declared) >= 15
    assert declared == EVENT_TYPES

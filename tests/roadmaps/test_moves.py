"""A young person who moves between areas: each area's rules for its own period (SEND Regs reg 15)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cohorts import load_pathway, person_from_mapping
from pathways import InputError
from roadmaps import generate_roadmap, render_json
from roadmaps._moves import area_periods

PERSON = {
    "id": "m1", "date_of_birth": "2011-02-10", "area": "leicester", "primary_need": "ASD",
    "ehcp": {"issued": "2019-05-01", "setting": "school"},
    "moves": [{"date": "2026-07-20", "area": "peterborough"}],
    "events": [{"type": "ehcp-annual-review", "date": "2026-03-02"}],
}


def test_periods_run_from_birth_to_each_move() -> None:
    person = person_from_mapping(PERSON)
    assert area_periods(person, "leicester") == [
        (date.min, date(2026, 7, 20), "leicester"), (date(2026, 7, 20), date.max, "peterborough"),
    ]
    assert person.area_on(date(2026, 7, 19), "leicester") == "leicester"
    assert person.area_on(date(2026, 7, 20), "leicester") == "peterborough"


def test_lines_come_from_the_area_in_force_on_their_date() -> None:
    person = person_from_mapping(PERSON)
    roadmap = generate_roadmap(person, as_of=date(2026, 11, 23), pathway=load_pathway("leicester"))
    assert roadmap.area == "peterborough"
    ids = {e.id for e in roadmap.entries}
    assert "individual-roadmap" in ids  # Leicester's rule at 14, before the move
    # Leicester's specialist autism team (from 14) is kept only for the Leicester period.
    team = next(s for s in roadmap.services if s.id == "specialist-autism-team")
    assert team.end == date(2026, 7, 19)
    data = json.loads(render_json(roadmap))
    assert data["areas"] == [{"from": None, "area": "leicester"}, {"from": "2026-07-20", "area": "peterborough"}]


def test_moves_out_of_order_are_refused() -> None:
    bad = {**PERSON, "moves": [{"date": "2026-07-20", "area": "peterborough"}, {"date": "2025-01-01", "area": "england"}]}
    with pytest.raises(InputError, match="moves must be in date order"):
        person_from_mapping(bad)


def test_a_person_who_never_moves_has_no_area_list() -> None:
    person = person_from_mapping({k: v for k, v in PERSON.items() if k != "moves"})
    assert generate_roadmap(person, as_of=date(2026, 11, 23), pathway=load_pathway("leicester")).areas == ()

"""Adult Social Care and continuing-care rules (issue 12 points 8, 10 and 12(e)).

* The Care Act s.58 child's needs assessment and the s.60 child's carer's assessment exist
  only before 18; from 18 the duties are s.9 and s.10. The s.58/s.60 lines lapse at 18
  (never "overdue" afterwards) and the s.9/s.10 lines and gaps take over.
* s.58 sets no age: England gives a window (Year 9 to the day before the 18th birthday) and
  no earlier deadline gap; Leicester's "before 17" is a local override.
* The flag to the ICB at 14 is an action, done by a recorded event, not by the date passing.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from cohorts import Event, Person, load_pathway
from cohorts.testing import as_of_dates, people
from pathways import DateExpr, describe_date, load_reform, reformed_pathway
from roadmaps import Roadmap
from roadmaps import generate_roadmap as _generate_roadmap


def generate_roadmap(person: Person, **options: object) -> Roadmap:
    """These people come from a source that records events: a missing event is a gap, not "not recorded"."""
    if person.recorded_events is None:
        person = person.model_copy(update={"recorded_events": "all"})
    return _generate_roadmap(person, **options)  # type: ignore[arg-type]

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOB = date(2008, 3, 10)  # 18 on 2026-03-10
PLANNED_IN_YEAR_9 = Event(type="transition-planning", date=date(2021, 10, 1))


def _person(*events: Event, **fields: object) -> Person:
    return Person(
        id="t", date_of_birth=fields.pop("date_of_birth", DOB), care_needs_likely=True,  # type: ignore[arg-type]
        events=(PLANNED_IN_YEAR_9, *events), **fields,  # type: ignore[arg-type]
    )


def _status(roadmap: Roadmap, line: str) -> str | None:
    entry = roadmap.milestone(line)
    return None if entry is None else entry.status


def _gaps(roadmap: Roadmap) -> set[str]:
    return {gap.rule for gap in roadmap.gaps}


def test_the_as_of_date_operator_describes_itself() -> None:
    pathway = load_pathway()
    assert describe_date(DateExpr(as_of=True), pathway.rules.parameters) == "the as-of date"


@pytest.mark.parametrize("as_of", [date(2021, 9, 1), date(2024, 3, 10), date(2025, 3, 10), date(2026, 3, 9)])
def test_before_18_the_england_transition_assessment_is_due_never_overdue(as_of: date) -> None:
    roadmap = generate_roadmap(_person(), as_of=as_of)
    entry = roadmap.milestone("transition-assessment")
    assert entry is not None
    assert entry.date == date(2026, 3, 10)  # the 18th birthday: the window ends the day before
    assert entry.window_start == date(2021, 9, 1)  # the start of Year 9
    assert entry.status == "due"
    assert entry.rule.status == "verified"
    assert not _gaps(roadmap) & {"transition-assessment-overdue", "carer-assessment-missing"}
    assert roadmap.milestone("adult-needs-assessment") is None  # shown only from 18


def test_at_18_the_s58_and_s60_lines_lapse_and_the_s9_and_s10_lines_take_over() -> None:
    roadmap = generate_roadmap(_person(), as_of=date(2026, 3, 10))
    assert _status(roadmap, "transition-assessment") == "not-applicable"
    assert _status(roadmap, "carer-assessment") == "not-applicable"
    assert _status(roadmap, "adult-needs-assessment") == "due"  # deadline "by" the 18th birthday
    assert _status(roadmap, "adult-carer-assessment") == "due"
    assert "adult-needs-assessment-missing" not in _gaps(roadmap)  # fires from the next day
    later = generate_roadmap(_person(), as_of=date(2026, 3, 11))
    assert _status(later, "adult-needs-assessment") == "overdue"
    assert {"adult-needs-assessment-missing", "adult-carer-assessment-missing"} <= _gaps(later)
    assert not _gaps(later) & {"transition-assessment-overdue", "carer-assessment-missing"}


def test_a_transition_assessment_recorded_after_18_is_not_a_s58_assessment() -> None:
    roadmap = generate_roadmap(
        _person(Event(type="transition-assessment", date=date(2026, 5, 1))), as_of=date(2026, 11, 23)
    )
    assert _status(roadmap, "transition-assessment") == "not-applicable"
    assert _status(roadmap, "adult-needs-assessment") == "overdue"


def test_an_assessment_before_18_removes_the_adult_lines_and_gaps() -> None:
    person = _person(
        Event(type="transition-assessment", date=date(2025, 6, 1)),
        Event(type="carer-assessment", date=date(2025, 6, 1)),
    )
    roadmap = generate_roadmap(person, as_of=date(2026, 11, 23))
    assert _status(roadmap, "transition-assessment") == "done"
    assert _status(roadmap, "carer-assessment") == "done"
    assert roadmap.milestone("adult-needs-assessment") is None
    assert roadmap.milestone("adult-carer-assessment") is None
    assert not _gaps(roadmap) & {"adult-needs-assessment-missing", "adult-carer-assessment-missing"}


def test_an_adult_assessment_after_18_completes_the_s9_and_s10_lines() -> None:
    person = _person(
        Event(type="adult-needs-assessment", date=date(2026, 4, 15)),
        Event(type="carer-assessment", date=date(2026, 4, 20)),
    )
    roadmap = generate_roadmap(person, as_of=date(2026, 11, 23))
    assert _status(roadmap, "adult-needs-assessment") == "done"
    assert _status(roadmap, "adult-carer-assessment") == "done"
    assert not _gaps(roadmap) & {"adult-needs-assessment-missing", "adult-carer-assessment-missing"}


def test_leicester_keeps_its_local_target_of_17_until_18() -> None:
    leicester = load_pathway("leicester")
    at_17 = generate_roadmap(_person(), as_of=date(2025, 3, 10), pathway=leicester)
    entry = at_17.milestone("transition-assessment")
    assert entry is not None and entry.date == date(2025, 3, 10) and entry.status == "overdue"
    assert entry.rule.status == "local"
    assert {"transition-assessment-overdue", "carer-assessment-missing"} <= _gaps(at_17)
    at_18 = generate_roadmap(_person(), as_of=date(2026, 3, 10), pathway=leicester)
    assert _status(at_18, "transition-assessment") == "not-applicable"
    assert not _gaps(at_18) & {"transition-assessment-overdue", "carer-assessment-missing"}


def test_peterborough_follows_the_national_window() -> None:
    roadmap = generate_roadmap(_person(), as_of=date(2025, 6, 1), area="peterborough")
    entry = roadmap.milestone("transition-assessment")
    assert entry is not None and entry.date == date(2026, 3, 10) and entry.status == "due"


def test_the_by_16_reform_sets_a_deadline_that_still_lapses_at_18() -> None:
    reform = load_reform("examples/reforms/transition-assessment-by-16.yaml")
    pathway = reformed_pathway(load_pathway(), [reform])
    person = _person(date_of_birth=date(2011, 3, 15))
    at_17 = generate_roadmap(person, as_of=date(2028, 6, 1), pathway=pathway)
    assert "transition-assessment-overdue" in _gaps(at_17)  # due 2027-09-01 under the reform
    at_18 = generate_roadmap(person, as_of=date(2029, 6, 1), pathway=pathway)
    assert "transition-assessment-overdue" not in _gaps(at_18)
    assert "adult-needs-assessment-missing" in _gaps(at_18)


@PROPERTY
@given(people(), as_of_dates())
def test_england_never_flags_a_transition_assessment_deadline(person: Person, as_of: date) -> None:
    if person.date_of_birth > as_of:
        return
    roadmap = generate_roadmap(person, as_of=as_of)
    assert not _gaps(roadmap) & {"transition-assessment-overdue", "carer-assessment-missing"}
    assert _status(roadmap, "transition-assessment") != "overdue"
    assert _status(roadmap, "carer-assessment") != "overdue"


@PROPERTY
@given(people(), as_of_dates())
def test_no_child_duty_gap_after_18_and_no_adult_duty_line_before(person: Person, as_of: date) -> None:
    if person.date_of_birth > as_of:
        return
    roadmap = generate_roadmap(person, as_of=as_of, area="leicester")
    eighteenth = roadmap.milestone("age-18")
    assert eighteenth is not None
    if as_of >= eighteenth.date:
        assert not _gaps(roadmap) & {"transition-assessment-overdue", "carer-assessment-missing"}
    else:
        assert roadmap.milestone("adult-needs-assessment") is None
        assert roadmap.milestone("adult-carer-assessment") is None
        assert not _gaps(roadmap) & {"adult-needs-assessment-missing", "adult-carer-assessment-missing"}


# ---------------------------------------------------------------- the flag to the ICB at 14

CONTINUING_CARE = date(2011, 2, 1)  # 14 on 2025-02-01, 15 on 2026-02-01, 17 on 2028-02-01


def _continuing_care(*events: Event) -> Person:
    return Person(id="c", date_of_birth=CONTINUING_CARE, continuing_care=True, events=events)


def test_the_flag_to_the_icb_is_not_done_because_the_birthday_passed() -> None:
    at_14 = generate_roadmap(_continuing_care(), as_of=date(2025, 6, 1))
    entry = at_14.milestone("chc-notify")
    assert entry is not None and entry.kind == "plan"
    assert entry.status == "due" and entry.window_start == date(2025, 2, 1) and entry.date == date(2026, 2, 1)
    assert "chc-flag-overdue" not in _gaps(at_14)
    at_15 = generate_roadmap(_continuing_care(), as_of=date(2026, 2, 1))
    assert _status(at_15, "chc-notify") == "overdue"
    assert "chc-flag-overdue" in _gaps(at_15)
    at_17 = generate_roadmap(_continuing_care(), as_of=date(2028, 2, 1))
    assert "chc-flag-overdue" not in _gaps(at_17)  # the checklist gap says more from 17
    assert "chc-checklist-missing" in _gaps(at_17)


def test_a_recorded_flag_or_adult_screening_completes_the_flag() -> None:
    flagged = generate_roadmap(_continuing_care(Event(type="chc-flagged", date=date(2025, 3, 1))), as_of=date(2026, 6, 1))
    entry = flagged.milestone("chc-notify")
    assert entry is not None and entry.status == "done" and entry.done_on == date(2025, 3, 1)
    assert "chc-flag-overdue" not in _gaps(flagged)
    screened = generate_roadmap(_continuing_care(Event(type="chc-checklist", date=date(2026, 3, 1))), as_of=date(2026, 6, 1))
    assert _status(screened, "chc-notify") == "not-applicable"
    assert "chc-flag-overdue" not in _gaps(screened)

"""The roadmap generator: unit tests and hypothesis properties."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts import CareEpisode, EhcPlan, Event, Person, load_pathway, load_person
from cohorts.testing import as_of_dates, people
from pathways import InputError
from roadmaps import generate_roadmap, render_json

EXAMPLE = "examples/people/yp-001-in-care-with-ehcp.yaml"
AS_OF = date(2026, 11, 23)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_entry_carries_date_age_title_owner_status_rule_and_citation() -> None:
    roadmap = generate_roadmap(load_person(EXAMPLE), as_of=AS_OF)
    assert roadmap.entries
    for entry in roadmap.entries:
        assert entry.title and entry.owner and entry.agency
        assert entry.status in ("done", "due", "overdue", "upcoming", "not-applicable")
        assert entry.rule.citations and entry.rule.cite()
        assert entry.rule.status in ("verified", "unverified", "ambiguous", "local")
        assert entry.explanation
    for gap in roadmap.gaps:
        assert gap.duty.citations and gap.action and gap.message and gap.explanation


def test_roadmap_starts_at_14_or_the_as_of_date_and_ends_at_25() -> None:
    person = load_person(EXAMPLE)
    roadmap = generate_roadmap(person, as_of=AS_OF)
    assert roadmap.start == date(2023, 1, 10)
    assert roadmap.end == date(2034, 7, 31)  # the EHC plan can run past the 25th birthday
    early = generate_roadmap(person, as_of=date(2022, 6, 1))
    assert early.start == date(2022, 6, 1)


def test_events_after_the_as_of_date_are_ignored() -> None:
    person = load_person(EXAMPLE)
    before = generate_roadmap(person, as_of=date(2026, 1, 4)).milestone("transition-assessment")
    after = generate_roadmap(person, as_of=date(2026, 1, 5)).milestone("transition-assessment")
    assert before is not None and before.status == "due"
    assert after is not None and after.status == "done" and after.done_on == date(2026, 1, 5)


def test_an_event_drives_the_milestone_it_triggers() -> None:
    person = load_person(EXAMPLE)
    review = generate_roadmap(person, as_of=AS_OF).milestone("ehcp-annual-review")
    assert review is not None and review.date == date(2026, 3, 16)  # 12 months starting with the 17 Mar 2025 review
    later = person.model_copy(update={"events": (*person.events, Event(type="ehcp-annual-review", date=date(2026, 4, 1)))})
    review = generate_roadmap(later, as_of=AS_OF).milestone("ehcp-annual-review")
    assert review is not None and review.date == date(2027, 3, 31) and review.status == "upcoming"


def test_a_setting_override_changes_the_date() -> None:
    person = Person(id="x", date_of_birth=date(2008, 2, 29), care_needs_likely=True)
    mar1 = generate_roadmap(person, as_of=AS_OF).milestone("age-18")
    feb28 = generate_roadmap(person, as_of=AS_OF, settings={"leap-day-policy": "feb28"}).milestone("age-18")
    assert (mar1 and mar1.date, feb28 and feb28.date) == (date(2026, 3, 1), date(2026, 2, 28))
    assert mar1 is not None and "feb28 would give 2026-02-28" in " ".join(mar1.explanation)


def test_bad_settings_and_future_dates_of_birth_are_input_errors() -> None:
    person = load_person(EXAMPLE)
    with pytest.raises(InputError, match="leap-day-policy"):
        generate_roadmap(person, as_of=AS_OF, settings={"leap-day-policy": "never"})
    with pytest.raises(InputError, match="after the as-of date"):
        generate_roadmap(person, as_of=date(2008, 1, 1))


def test_json_has_the_interface_keys() -> None:
    import json

    data = json.loads(render_json(generate_roadmap(load_person(EXAMPLE), as_of=AS_OF)))
    assert {"person_id", "as_of", "area", "settings", "milestones", "gaps"} <= set(data)
    assert data["settings"]["leap-day-policy"] == "mar1"
    milestone = data["milestones"][0]
    assert {"id", "date", "status"} <= set(milestone)
    assert {"rule", "severity", "message"} <= set(data["gaps"][0])


# ---------------------------------------------------------------- properties


@PROPERTY
@given(people(), as_of_dates())
def test_every_milestone_date_is_on_or_after_the_date_of_birth(person: Person, as_of: date) -> None:
    if person.date_of_birth > as_of:
        return
    roadmap = generate_roadmap(person, as_of=as_of)
    assert all(e.date >= person.date_of_birth for e in roadmap.entries)
    assert all(e.age_years >= 0 for e in roadmap.entries)


@PROPERTY
@given(people(), as_of_dates())
def test_output_is_deterministic(person: Person, as_of: date) -> None:
    if person.date_of_birth > as_of:
        return
    first = render_json(generate_roadmap(person, as_of=as_of))
    assert render_json(generate_roadmap(person, as_of=as_of)) == first


@PROPERTY
@given(people(), as_of_dates(), st.integers(1, 2000))
def test_moving_the_as_of_date_forward_never_undoes_a_done_entry(person: Person, as_of: date, days: int) -> None:
    if person.date_of_birth > as_of:
        return
    earlier = generate_roadmap(person, as_of=as_of)
    later = {e.id: e for e in generate_roadmap(person, as_of=as_of + timedelta(days=days)).entries}
    for entry in earlier.entries:
        if entry.status == "done":
            assert entry.id in later, entry.id
            assert later[entry.id].status == "done", entry.id


@PROPERTY
@given(people(), as_of_dates())
def test_merged_roadmap_contains_each_cohorts_entries(person: Person, as_of: date) -> None:
    if person.date_of_birth > as_of:
        return
    merged = generate_roadmap(person, as_of=as_of)
    keys = {(e.id, e.date, e.status) for e in merged.entries}
    assert len({e.id for e in merged.entries}) == len(merged.entries)  # no duplicates
    for cohort in merged.cohorts:
        alone = generate_roadmap(person, as_of=as_of, cohorts=(cohort,))
        assert {(e.id, e.date, e.status) for e in alone.entries} <= keys
        assert {g.rule for g in alone.gaps} <= {g.rule for g in merged.gaps}


def test_roadmap_of_two_cohorts_merges_without_duplicates() -> None:
    person = load_person(EXAMPLE)
    merged = generate_roadmap(person, as_of=AS_OF)
    send = generate_roadmap(person, as_of=AS_OF, cohorts=("send",))
    care = generate_roadmap(person, as_of=AS_OF, cohorts=("care-leavers",))
    assert {e.id for e in send.entries} | {e.id for e in care.entries} <= {e.id for e in merged.entries}
    assert "leaving-care-eligible" in {e.id for e in care.entries} - {e.id for e in send.entries}
    assert "ehcp-latest-end" in {e.id for e in send.entries} - {e.id for e in care.entries}


def test_the_pathway_is_compiled_once() -> None:
    assert load_pathway("england") is load_pathway("england")


def test_roadmap_is_frozen() -> None:
    roadmap = generate_roadmap(load_person(EXAMPLE), as_of=AS_OF)
    with pytest.raises(AttributeError):
        roadmap.entries[0].date = date(2000, 1, 1)  # type: ignore[misc]
    assert replace(roadmap.entries[0]).date == roadmap.entries[0].date


# --- dates near the year 9999 ------------------------------------------------------------

PAST_THE_END = "the roadmap runs past the last date this library can represent (9999-12-31)"


@pytest.mark.parametrize(
    ("person", "as_of", "field"),
    [
        (Person(id="x", date_of_birth=date(9990, 1, 1)), date(9995, 1, 1), "date_of_birth"),
        (Person(id="x", date_of_birth=date(9975, 1, 1)), date(9999, 12, 31), "date_of_birth"),
        (
            Person(id="x", date_of_birth=date(2010, 1, 1), ehcp=EhcPlan(issued=date(9999, 6, 1), setting="school")),
            date(2026, 1, 1),
            "ehcp.issued",
        ),
        (
            Person(id="x", date_of_birth=date(9960, 1, 1), ehcp=EhcPlan(issued=date(9980, 1, 1), setting="school"),
                   events=(Event(type="ehcp-annual-review", date=date(9999, 6, 1)),)),
            date(9999, 12, 31),
            "events[0].date",
        ),
    ],
)
def test_a_roadmap_past_9999_is_an_input_error_naming_the_field(person: Person, as_of: date, field: str) -> None:
    with pytest.raises(InputError) as caught:
        generate_roadmap(person, as_of=as_of, source="yp.yaml")
    assert str(caught.value) == f"yp.yaml: field '{field}' is too late: {PAST_THE_END}"


def test_a_roadmap_ending_on_the_last_date_is_drawn() -> None:
    roadmap = generate_roadmap(Person(id="x", date_of_birth=date(9974, 1, 1)), as_of=date(9990, 1, 1))
    assert roadmap.end == date(9999, 1, 1)


@st.composite
def _people_near_the_end_of_time(draw: st.DrawFn) -> tuple[Person, date]:
    """Young people whose dates reach into the last years :class:`datetime.date` holds."""
    dob = draw(st.dates(min_value=date(9950, 1, 1), max_value=date(9999, 12, 31)))
    as_of = draw(st.dates(min_value=dob, max_value=date.max))
    ehcp = None
    if draw(st.booleans()):
        ehcp = EhcPlan(issued=draw(st.dates(min_value=dob, max_value=date.max)), setting="school")
    episodes = tuple(
        CareEpisode(start=draw(st.dates(min_value=dob, max_value=date.max))) for _ in range(draw(st.integers(0, 1)))
    )
    events = tuple(
        Event(type=draw(st.sampled_from(("transition-planning", "transition-assessment", "pathway-plan"))),
              date=draw(st.dates(min_value=dob, max_value=as_of)))
        for _ in range(draw(st.integers(0, 3)))
    )
    person = Person(
        id="x", date_of_birth=dob, ehcp=ehcp, care_episodes=episodes, events=events,
        care_needs_likely=draw(st.booleans()), continuing_care=draw(st.booleans()),
    )
    return person, as_of


@PROPERTY
@given(_people_near_the_end_of_time(), st.sampled_from(("england", "leicester", "peterborough")))
def test_dates_near_9999_give_a_roadmap_or_an_input_error(case: tuple[Person, date], area: str) -> None:
    person, as_of = case
    try:
        roadmap = generate_roadmap(person, as_of=as_of, area=area)
    except InputError as error:
        assert PAST_THE_END in str(error) and "\n" not in str(error)
    else:
        assert roadmap.end <= date.max


def test_the_command_line_reports_a_roadmap_past_9999_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "person.yaml"
    path.write_text("id: t1\ndate_of_birth: 9990-01-01\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "roadmaps.cli", "roadmap", str(path), "--as-of", "9995-01-01"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: {path}: field 'date_of_birth' is too late: {PAST_THE_END}\n"


def test_duties_a_record_cannot_show_are_not_recorded_not_missing() -> None:
    from cohorts import person_from_mapping
    from roadmaps import render_json, render_text

    base = {"id": "nr", "date_of_birth": "2009-03-01", "care_episodes": [{"start": "2025-09-01", "end": None}]}
    unknown = generate_roadmap(person_from_mapping(base), as_of=date(2026, 11, 23))
    known = generate_roadmap(person_from_mapping({**base, "recorded_events": "all"}), as_of=date(2026, 11, 23))
    assert {g.rule for g in unknown.not_recorded} == {g.rule for g in known.gaps} != set()
    assert unknown.gaps == () and known.not_recorded == ()
    data = json.loads(render_json(unknown))
    assert [g["rule"] for g in data["not_recorded"]] == [g.rule for g in unknown.not_recorded]
    assessment = next(m for m in data["milestones"] if m["id"] == "pathway-needs-assessment")
    assert assessment["status"] == "overdue" and assessment["recorded"] is False
    assert "Not recorded (3)" in render_text(unknown) and "not recorded" in render_text(unknown)
    assert "Not recorded" not in render_text(known)
    from roadmaps import render_html

    assert "pathway-plan-missing</code>)</li>" in render_html(unknown)
    assert "Things we cannot check" in render_html(unknown, audience="family")
    assert "Not recorded" not in render_html(known)


# --- when a gap opens: "overdue since" the first late day --------------------------------


def _gap(person: Person, as_of: date, rule: str) -> tuple[date | None, int | None] | None:
    found = [g for g in generate_roadmap(person, as_of=as_of).gaps if g.rule == rule]
    return (found[0].since, found[0].days_overdue) if found else None


def test_a_gap_after_a_by_deadline_is_overdue_since_the_day_after_the_last_lawful_day() -> None:
    person = load_person(EXAMPLE)  # eligible 10 Jan 2025: pathway plan by 10 Apr 2025 (a "by" deadline)
    assert _gap(person, date(2025, 4, 10), "pathway-plan-missing") is None  # the last lawful day
    assert _gap(person, date(2025, 4, 11), "pathway-plan-missing") == (date(2025, 4, 11), 1)
    assert _gap(person, date(2025, 4, 20), "pathway-plan-missing") == (date(2025, 4, 11), 10)


def test_a_gap_due_on_its_date_is_overdue_since_that_date() -> None:
    # Leicester's local target: the transition assessment before the 17th birthday (a "before" deadline).
    person = Person(id="x", date_of_birth=date(2009, 6, 1), care_needs_likely=True, recorded_events="all")

    def gap(as_of: date) -> tuple[date | None, int | None] | None:
        found = [g for g in generate_roadmap(person, as_of=as_of, area="leicester").gaps
                 if g.rule == "transition-assessment-overdue"]
        return (found[0].since, found[0].days_overdue) if found else None

    assert gap(date(2026, 5, 31)) is None
    assert gap(date(2026, 6, 1)) == (date(2026, 6, 1), 1)


def test_the_text_formats_word_a_gap_as_overdue_since_its_first_late_day() -> None:
    from roadmaps import render_markdown, render_text

    roadmap = generate_roadmap(load_person(EXAMPLE), as_of=AS_OF)
    assert "[HIGH] pathway-plan-missing overdue since 11 April 2025:" in render_text(roadmap)
    assert "| Overdue since |" in render_markdown(roadmap)

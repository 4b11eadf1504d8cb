"""The SEND and EHC plan rule data (cohorts/data/england/send.yaml and the SEND parts of
common.yaml), checked through the roadmaps they produce (issue 12)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cohorts import EhcPlan, Event, Person, PhaseTransfer, person_from_mapping
from pathways import InputError
from roadmaps import Roadmap, generate_roadmap

REQUEST = date(2026, 1, 5)  # a Monday


def _roadmap(person: Person, as_of: date, **settings: str) -> Roadmap:
    return generate_roadmap(person, as_of=as_of, settings=settings or None)


def _gaps(roadmap: Roadmap) -> dict[str, date | None]:
    return {g.rule: g.since for g in roadmap.gaps}


def _line(roadmap: Roadmap, line_id: str) -> tuple[date, str] | None:
    entry = roadmap.milestone(line_id)
    return None if entry is None else (entry.date, entry.status)


# --- point 4: "within N weeks" and "12 months starting with" --------------------------------


def _waiting(request: date = REQUEST) -> Person:
    return Person(
        id="w", date_of_birth=date(2014, 3, 12), events=(Event(type="ehc-assessment-request", date=request),)
    )


@pytest.mark.parametrize(
    ("counting", "last_lawful_day"),
    [("exclude-event-day", date(2026, 5, 25)), ("include-event-day", date(2026, 5, 24))],
)
def test_the_20_week_gap_opens_the_day_after_the_last_lawful_day(counting: str, last_lawful_day: date) -> None:
    person = _waiting()
    on_time = _roadmap(person, last_lawful_day, **{"within-period-counting": counting})
    late = _roadmap(person, last_lawful_day + timedelta(days=1), **{"within-period-counting": counting})
    assert "ehc-assessment-late" not in _gaps(on_time)
    assert _gaps(late)["ehc-assessment-late"] == last_lawful_day + timedelta(days=1)


def test_the_default_counting_excludes_the_day_the_request_was_received() -> None:
    roadmap = _roadmap(_waiting(), date(2026, 5, 26))
    assert roadmap.settings["within-period-counting"] == "exclude-event-day"
    assert REQUEST + timedelta(days=140) == date(2026, 5, 25)
    assert [g.days_overdue for g in roadmap.gaps if g.rule == "ehc-assessment-late"] == [1]


def test_a_plan_issued_on_the_last_lawful_day_is_in_time() -> None:
    person = Person(
        id="w", date_of_birth=date(2014, 3, 12), ehcp=EhcPlan(issued=date(2026, 5, 25), setting="school"),
        events=(Event(type="ehc-assessment-request", date=REQUEST),),
    )
    assert "ehc-assessment-late" not in _gaps(_roadmap(person, date(2026, 9, 1)))


def test_the_annual_review_is_due_by_the_last_day_of_the_12_months_starting_with_the_issue() -> None:
    person = Person(id="r", date_of_birth=date(2012, 10, 5), ehcp=EhcPlan(issued=date(2026, 3, 10), setting="school"))
    assert _line(_roadmap(person, date(2027, 3, 9)), "ehcp-annual-review") == (date(2027, 3, 9), "upcoming")
    assert "ehcp-annual-review-overdue" not in _gaps(_roadmap(person, date(2027, 3, 9)))
    late = _roadmap(person, date(2027, 3, 10))
    assert _line(late, "ehcp-annual-review") == (date(2027, 3, 9), "overdue")
    assert _gaps(late)["ehcp-annual-review-overdue"] == date(2027, 3, 10)


def test_the_annual_review_counts_from_the_last_review() -> None:
    person = Person(
        id="r", date_of_birth=date(2012, 10, 5), ehcp=EhcPlan(issued=date(2020, 3, 10), setting="school"),
        events=(Event(type="ehcp-annual-review", date=date(2026, 2, 28)),),
    )
    # 12 months starting with 28 February 2026 end on 27 February 2027.
    assert _line(_roadmap(person, date(2026, 11, 23)), "ehcp-annual-review") == (date(2027, 2, 27), "upcoming")


# --- point 11: phase transfer (SEND Regulations 2014 reg 18) -----------------------------


def _year_11_pupil(*events: Event, transfer: PhaseTransfer | None = None) -> Person:
    return Person(
        id="p", date_of_birth=date(2010, 10, 3), events=events,
        ehcp=EhcPlan(issued=date(2018, 6, 1), setting="school", next_transfer=transfer),
    )


def test_a_review_alone_does_not_meet_the_phase_transfer_duty() -> None:
    reviewed = _year_11_pupil(Event(type="ehcp-annual-review", date=date(2027, 1, 15)))
    assert _line(_roadmap(reviewed, date(2027, 3, 30)), "phase-transfer-review") == (date(2027, 3, 30), "due")
    late = _roadmap(reviewed, date(2027, 3, 31))
    assert _line(late, "phase-transfer-review") == (date(2027, 3, 30), "overdue")
    assert _gaps(late)["phase-transfer-review-late"] == date(2027, 3, 31)


def test_an_amended_plan_issued_before_31_march_meets_it() -> None:
    amended = _year_11_pupil(Event(type="ehcp-amended", date=date(2027, 3, 30)))
    roadmap = _roadmap(amended, date(2027, 6, 1))
    assert _line(roadmap, "phase-transfer-review") == (date(2027, 3, 30), "done")
    assert "phase-transfer-review-late" not in _gaps(roadmap)
    on_the_day = _year_11_pupil(Event(type="ehcp-amended", date=date(2027, 3, 31)))
    assert "phase-transfer-review-late" in _gaps(_roadmap(on_the_day, date(2027, 6, 1)))


def test_a_recorded_move_from_a_school_sixth_form_sets_the_year_of_the_deadline() -> None:
    person = _year_11_pupil(transfer=PhaseTransfer(date=date(2029, 9, 3), kind="secondary-to-post-16"))
    roadmap = _roadmap(person, date(2028, 11, 1))
    assert _line(roadmap, "phase-transfer-review") == (date(2029, 3, 30), "due")
    entry = roadmap.milestone("phase-transfer-review")
    assert entry is not None and entry.window_start == date(2028, 9, 3)  # 12 months before the move


def test_a_recorded_post_16_move_in_year_11_or_later_replaces_the_year_11_line() -> None:
    person = Person(
        id="p", date_of_birth=date(2010, 10, 3),
        ehcp=EhcPlan(issued=date(2018, 6, 1), setting="school",
                     next_transfer=PhaseTransfer(date=date(2027, 1, 11), kind="post-16-to-post-16")),
    )
    roadmap = _roadmap(person, date(2026, 11, 23))
    assert roadmap.milestone("phase-transfer-review") is None
    assert _line(roadmap, "next-transfer-amended-plan") == (date(2026, 8, 11), "overdue")


def test_the_next_transfer_kind_must_be_one_of_the_three() -> None:
    with pytest.raises(InputError, match=r"ehcp\.next_transfer\.kind' must be one of"):
        person_from_mapping(
            {"id": "p", "date_of_birth": "2010-10-03",
             "ehcp": {"issued": "2018-06-01", "setting": "school", "next_transfer": {"date": "2027-09-01", "kind": "year-7"}}}
        )


# --- point 5: the plan's end (CFA 2014 ss.45-46, SEND Regulations reg 46) -----------------


def _plan(setting: str, setting_end: date | None = None, dob: date = date(2007, 5, 20)) -> Person:
    return Person(
        id="e", date_of_birth=dob,
        ehcp=EhcPlan.model_validate({"issued": date(2015, 1, 1), "setting": setting, "setting_end": setting_end}),
    )


@pytest.mark.parametrize(
    ("setting", "setting_end", "latest_end"),
    [
        ("further-education", None, date(2032, 7, 31)),            # 31 July ending the FE year of the 25th birthday
        ("school", date(2026, 7, 20), date(2032, 7, 31)),
        ("apprenticeship", date(2028, 6, 30), date(2032, 5, 19)),   # ends before 25: the day before the 25th birthday
        ("apprenticeship", date(2032, 9, 1), date(2032, 9, 1)),     # ends after 25: the training's end
        ("apprenticeship", date(2034, 1, 1), date(2033, 5, 19)),    # but never past the day before the 26th birthday
        ("apprenticeship", None, date(2033, 5, 19)),
    ],
)
def test_the_latest_end_uses_reg_46_only_after_25(setting: str, setting_end: date | None, latest_end: date) -> None:
    roadmap = _roadmap(_plan(setting, setting_end), date(2026, 11, 23))
    assert _line(roadmap, "ehcp-latest-end") == (latest_end, "upcoming")
    assert (roadmap.milestone("ehcp-ends-at-25") is not None) == (latest_end >= date(2032, 5, 20))


def test_a_course_that_ends_before_25_is_a_review_point_not_the_plans_end() -> None:
    roadmap = _roadmap(_plan("apprenticeship", date(2028, 6, 30)), date(2026, 11, 23))
    assert _line(roadmap, "ehcp-setting-end-review") == (date(2028, 6, 30), "upcoming")
    service = next(s for s in roadmap.services if s.id == "send-service")
    assert service.end == date(2032, 5, 19)
    review = roadmap.milestone("ehcp-annual-review")
    assert review is not None and review.date < date(2032, 5, 19)


def test_no_review_point_for_a_course_ending_after_25() -> None:
    roadmap = _roadmap(_plan("apprenticeship", date(2032, 9, 1)), date(2026, 11, 23))
    assert roadmap.milestone("ehcp-setting-end-review") is None

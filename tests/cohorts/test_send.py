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
    # These people come from a source that records events: a missing event is a gap, not "not recorded".
    if person.recorded_events is None:
        person = person.model_copy(update={"recorded_events": "all"})
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


# --- point 6: ceasing a plan (CFA 2014 s.45; SEND Regulations 2014 regs 29-31) -------------


def _ceased(setting: str = "higher-education", **fields: object) -> Person:
    return Person(
        id="c", date_of_birth=date(2006, 2, 10),
        ehcp=EhcPlan.model_validate({"issued": date(2014, 6, 1), "setting": setting, **fields}),
        events=(Event(type="ehcp-annual-review", date=date(2025, 9, 15)),),
    )


def test_a_ceased_plan_ends_on_the_later_of_ceased_and_a_dismissed_appeal() -> None:
    plan = EhcPlan(issued=date(2014, 6, 1), setting="school", ceased=date(2026, 10, 1))
    assert plan.ended_on == date(2026, 10, 1)
    kept = EhcPlan(issued=date(2014, 6, 1), setting="school", ceased=date(2026, 10, 1), appeal_pending=True)
    assert kept.ended_on is None
    dismissed = EhcPlan(issued=date(2014, 6, 1), setting="school", ceased=date(2026, 10, 1),
                        appeal_decided=date(2027, 2, 3))
    assert dismissed.ended_on == date(2027, 2, 3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"appeal_pending": True, "appeal_decided": "2027-01-01"}, "cannot be both pending"),
        ({"ceased": "2010-01-01"}, r"ceased \(2010-01-01\) before it was issued"),
        ({"cease_reason": "bored"}, r"ehcp\.cease_reason' must be one of"),
    ],
)
def test_cessation_fields_are_checked(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        person_from_mapping(
            {"id": "c", "date_of_birth": "2006-02-10", "ehcp": {"issued": "2014-06-01", "setting": "school", **fields}}
        )


def test_old_person_files_still_load_without_the_new_fields() -> None:
    person = person_from_mapping({"id": "o", "date_of_birth": "2009-01-10", "ehcp": {"issued": "2016-05-01", "setting": "school"}})
    assert person.ehcp is not None and person.ehcp.ceased is None and not person.ehcp.appeal_pending


def test_higher_education_shows_a_cease_review_instead_of_the_annual_review() -> None:
    roadmap = _roadmap(_ceased(), date(2026, 6, 1))
    assert _line(roadmap, "ehcp-cease-review") == (date(2026, 9, 14), "upcoming")
    assert roadmap.milestone("ehcp-annual-review") is None
    assert roadmap.milestone("ehcp-ends-at-25") is None
    entry = roadmap.milestone("ehcp-cease-review")
    assert entry is not None and entry.rule.status == "unverified"  # the Code's words were read second-hand


def test_employment_and_an_apprenticeship_differ() -> None:
    work = _roadmap(_ceased("employment"), date(2026, 6, 1))
    apprentice = _roadmap(_ceased("apprenticeship"), date(2026, 6, 1))
    assert work.milestone("ehcp-cease-review") is not None and work.milestone("ehcp-annual-review") is None
    assert apprentice.milestone("ehcp-cease-review") is None and apprentice.milestone("ehcp-annual-review") is not None


def test_after_the_plan_ceases_no_review_line_and_no_review_gap() -> None:
    person = _ceased(ceased=date(2026, 10, 1), cease_reason="higher-education")
    before = _roadmap(person, date(2026, 9, 20))  # the review was due by 14 Sep 2026
    assert "ehcp-annual-review-overdue" in _gaps(before)
    after = _roadmap(person, date(2026, 10, 1))
    assert after.milestone("ehcp-cease-review") is None and after.milestone("ehcp-annual-review") is None
    assert "ehcp-annual-review-overdue" not in _gaps(after)
    assert _line(after, "ehcp-ceased") == (date(2026, 10, 1), "done")


def test_a_pending_appeal_keeps_the_plan() -> None:
    person = _ceased(ceased=date(2026, 10, 1), cease_notice=date(2026, 8, 15), appeal_pending=True)
    roadmap = _roadmap(person, date(2026, 11, 23))
    assert roadmap.milestone("ehcp-ceased") is None
    assert _line(roadmap, "ehcp-kept-pending-appeal") == (date(2026, 8, 15), "done")
    assert _line(roadmap, "ehcp-annual-review") == (date(2026, 9, 14), "overdue")


def _left_college_at_19(*reviews: date) -> Person:
    return Person(
        id="l", date_of_birth=date(2006, 4, 1),
        ehcp=EhcPlan(issued=date(2013, 1, 1), setting="neet", ceased=date(2026, 3, 1), cease_reason="left-education"),
        events=tuple(Event(type="ehcp-annual-review", date=d) for d in reviews),
    )


def test_ceasing_at_18_or_over_after_leaving_education_needs_a_review_after_18() -> None:
    no_review = _roadmap(_left_college_at_19(date(2024, 1, 10)), date(2026, 11, 23))
    assert _gaps(no_review)["ehcp-ceased-without-review"] == date(2026, 3, 1)
    reviewed = _roadmap(_left_college_at_19(date(2024, 1, 10), date(2026, 1, 20)), date(2026, 11, 23))
    assert "ehcp-ceased-without-review" not in _gaps(reviewed)
    assert "ehcp-ceased-under-18" not in _gaps(no_review)


def test_ceasing_under_18_as_no_longer_needed_is_allowed() -> None:
    person = Person(
        id="n", date_of_birth=date(2009, 5, 1),
        ehcp=EhcPlan(issued=date(2016, 1, 20), setting="school", ceased=date(2026, 7, 1), cease_reason="no-longer-needed"),
    )
    assert "ehcp-ceased-under-18" not in _gaps(_roadmap(person, date(2026, 11, 23)))


@pytest.mark.parametrize(
    ("setting", "neet_gap"),
    [("neet", True), ("none", True), ("supported-internship", False), ("elective-home-education", False), ("other", False)],
)
def test_the_new_settings(setting: str, neet_gap: bool) -> None:
    person = Person(id="s", date_of_birth=date(2008, 3, 10), ehcp=EhcPlan.model_validate({"issued": date(2014, 1, 1), "setting": setting}))
    roadmap = _roadmap(person, date(2026, 11, 23))
    assert ("not-in-education-employment-or-training" in _gaps(roadmap)) == neet_gap
    assert roadmap.milestone("ehcp-annual-review") is not None


# --- point 7: Year 9 transition planning with and without an EHC plan ----------------------


def test_without_a_plan_the_year_9_gap_is_nice_guidance_owned_by_social_care() -> None:
    person = Person(id="n", date_of_birth=date(2011, 6, 1), care_needs_likely=True)
    gap = next(g for g in _roadmap(person, date(2026, 11, 23)).gaps if g.rule == "late-transition-planning-no-ehcp")
    assert gap.owner == "Children's social care for disabled children (section 17)"
    assert gap.agency == "social-care"
    cited = gap.duty.cite()
    assert "NICE quality standard QS140" in cited and "Regulations 2014" not in cited


def test_with_a_plan_the_year_9_gap_cites_the_send_regulations_and_the_send_service() -> None:
    person = Person(id="s", date_of_birth=date(2011, 6, 1), care_needs_likely=True,
                    ehcp=EhcPlan(issued=date(2018, 1, 1), setting="school"))
    roadmap = _roadmap(person, date(2026, 11, 23))
    rules = {g.rule: g for g in roadmap.gaps}
    assert "late-transition-planning-no-ehcp" not in rules
    assert rules["late-transition-planning"].owner == "Local authority SEND service (EHC plan)"
    assert "reg 21(6)" in rules["late-transition-planning"].duty.cite()
    assert roadmap.milestone("health-social-care-transition-planning") is None


@pytest.mark.parametrize(
    ("issued", "due"),
    [(date(2019, 1, 1), date(2025, 8, 31)), (date(2025, 3, 1), date(2025, 8, 31)), (date(2026, 1, 20), date(2026, 1, 20))],
)
def test_year_9_planning_is_never_due_before_the_plan_existed(issued: date, due: date) -> None:
    person = Person(id="y", date_of_birth=date(2011, 3, 15), ehcp=EhcPlan(issued=issued, setting="school"))
    roadmap = _roadmap(person, date(2026, 11, 23))
    assert _line(roadmap, "transition-planning") == (due, "overdue")
    assert _gaps(roadmap)["late-transition-planning"] == due + timedelta(days=1)


def test_planning_recorded_on_the_day_a_late_plan_is_issued_is_in_time() -> None:
    person = Person(id="y", date_of_birth=date(2011, 3, 15), ehcp=EhcPlan(issued=date(2026, 1, 20), setting="school"),
                    events=(Event(type="transition-planning", date=date(2026, 1, 20)),))
    roadmap = _roadmap(person, date(2026, 11, 23))
    assert _line(roadmap, "transition-planning") == (date(2026, 1, 20), "done")
    assert "late-transition-planning" not in _gaps(roadmap)

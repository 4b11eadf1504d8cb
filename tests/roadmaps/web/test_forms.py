"""The person form of the web app (issue 7), with Flask's test client.

Every form field valid and invalid, the error summary, and adding or removing rows
without JavaScript.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from web_helpers import carried, example_values, form_fields, post_form

from cohorts import care_codes
from roadmaps.web._forms import (
    MAX_ROWS,
    PLACEMENT_LABELS,
    REASON_LABELS,
    PersonForm,
    apply_row_action,
)

# --- the form, blank ---------------------------------------------------------------------

EVERY_FIELD = (
    "person_id", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year",
    "primary_need", "year_group_offset", "has_ehcp", "ehcp_issued-day", "ehcp_issued-month",
    "ehcp_issued-year", "ehcp_setting", "ehcp_setting_end-day", "ehcp_setting_end-month",
    "ehcp_setting_end-year", "ehcp_next_transfer_date-day", "ehcp_next_transfer_date-year",
    "ehcp_next_transfer_kind", "ehcp_ceased-day", "ehcp_ceased-month", "ehcp_ceased-year",
    "ehcp_cease_reason", "ehcp_cease_notice-day", "ehcp_cease_notice-year",
    "ehcp_appeal_pending", "ehcp_appeal_decided-month", "ehcp_appeal_decided-year",
    "episode-1-start-day", "episode-1-end-year",
    "episode-1-legal_status", "episode-1-placement", "episode-1-reason_ended",
    "education_or_training_until-day", "returned_to_education_on-month",
    "adviser_requested_on-year", "event-1-type", "event-1-date-day", "recorded_events",
    "service-1-service", "service-1-planned_end-year", "care_needs_likely", "continuing_care",
    "area", "record_area", "move-count", "as_of-day", "as_of-month", "as_of-year",
)  # fmt: skip


def test_blank_form_has_every_person_file_field(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in EVERY_FIELD:
        assert f'name="{name}"' in page, name
    fields = form_fields(page, "/")
    assert (fields["as_of-day"], fields["as_of-month"], fields["as_of-year"]) == (
        "23",
        "11",
        "2026",
    )
    assert fields["area"] == "england"
    assert "has_ehcp" not in fields  # radios are not pre-selected
    assert "record_area" not in fields  # nor are the checkboxes
    assert "ehcp_appeal_pending" not in fields
    assert (fields["ehcp_next_transfer_kind"], fields["ehcp_cease_reason"]) == ("", "")
    assert (fields["recorded_events"], fields["move-count"]) == ("", "0")


def test_every_input_has_a_label_and_dates_have_a_legend(client: Any) -> None:
    page = client.get("/").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
    assert len(ids) > 30
    for input_id in ids:
        assert f'<label for="{input_id}"' in page or f'for="{input_id}"' in page, input_id
    for group in (
        "date_of_birth",
        "ehcp_issued",
        "ehcp_next_transfer_date",
        "ehcp_ceased",
        "ehcp_cease_notice",
        "ehcp_appeal_decided",
        "as_of",
        "episode-1-start",
        "event-1-date",
        "education_or_training_until",
        "returned_to_education_on",
        "adviser_requested_on",
    ):
        fieldset = re.search(
            rf"<fieldset[^>]*>\s*<legend[^>]*>[^<]+</legend>(?:(?!</fieldset>).)*"
            rf'id="{group}-day"',
            page,
            re.S,
        )
        assert fieldset is not None, group


def test_enter_key_makes_the_roadmap_not_remove_a_row(client: Any) -> None:
    """A browser's Enter key presses the first submit button of the form."""
    page = client.get("/").get_data(as_text=True)
    form = page[page.index('<form method="post" action="/"') :]
    first = re.search(r'<button type="submit"[^>]*>', form)
    assert first is not None and 'value="generate"' in first.group(0)


# --- valid fields ----------------------------------------------------------------------------


def _person_sent(page: str) -> dict[str, Any]:
    return dict(json.loads(carried(page)["person"]))


def _typed(group: str, day_month_year: str) -> dict[str, str]:
    """The three boxes of a date as typed, from "day month year" (a box may be "-": blank)."""
    parts = [part.replace("-", "") for part in day_month_year.split()]
    return {
        f"{group}-{name}": part for name, part in zip(("day", "month", "year"), parts, strict=True)
    }


_EXAMPLE_PLAN = {
    "issued": "2016-05-01",
    "setting": "further-education",
    "setting_end": "2027-07-31",
}


@pytest.mark.parametrize(
    ("changes", "expect"),
    [
        ({}, {"id": "yp-001", "date_of_birth": "2009-01-10"}),
        ({"person_id": "  Case 42  "}, {"id": "Case 42"}),
        ({"date_of_birth-day": "07", "date_of_birth-month": "03"}, {"date_of_birth": "2009-03-07"}),
        (
            {"date_of_birth-day": "29", "date_of_birth-month": "2", "date_of_birth-year": "2008"},
            {"date_of_birth": "2008-02-29"},
        ),
        ({"has_ehcp": "no"}, {"ehcp": None}),
        (
            {"ehcp_setting": "apprenticeship"},
            {
                "ehcp": {
                    "issued": "2016-05-01",
                    "setting": "apprenticeship",
                    "setting_end": "2027-07-31",
                }
            },
        ),
        (
            {"ehcp_setting_end-day": "", "ehcp_setting_end-month": "", "ehcp_setting_end-year": ""},
            {"ehcp": {"issued": "2016-05-01", "setting": "further-education"}},
        ),
        (
            {
                **_typed("ehcp_next_transfer_date", "1 9 2026"),
                "ehcp_next_transfer_kind": "post-16-to-post-16",
            },
            {
                "ehcp": _EXAMPLE_PLAN
                | {"next_transfer": {"date": "2026-09-01", "kind": "post-16-to-post-16"}}
            },
        ),
        (
            {
                **_typed("ehcp_ceased", "1 10 2026"),
                "ehcp_cease_reason": "left-education",
                **_typed("ehcp_cease_notice", "15 8 2026"),
                **_typed("ehcp_appeal_decided", "20 9 2026"),
            },
            {
                "ehcp": _EXAMPLE_PLAN
                | {
                    "ceased": "2026-10-01",
                    "cease_reason": "left-education",
                    "cease_notice": "2026-08-15",
                    "appeal_decided": "2026-09-20",
                }
            },
        ),
        (
            {**_typed("ehcp_cease_notice", "15 8 2026"), "ehcp_appeal_pending": "yes"},
            {"ehcp": _EXAMPLE_PLAN | {"cease_notice": "2026-08-15", "appeal_pending": True}},
        ),
        ({"ehcp_appeal_pending": "on"}, {"ehcp": _EXAMPLE_PLAN}),  # only "yes" ticks it
        ({**_typed("ehcp_ceased", "1 5 2016")}, {"ehcp": _EXAMPLE_PLAN | {"ceased": "2016-05-01"}}),
        (
            {"episode-1-end-day": "1", "episode-1-end-month": "6", "episode-1-end-year": "2025"},
            {"care_episodes": [{"start": "2023-10-01", "end": "2025-06-01"}]},
        ),
        (
            {"episode-1-start-day": "", "episode-1-start-month": "", "episode-1-start-year": ""},
            {"care_episodes": None},
        ),
        (
            {
                "event-8-type": "pathway-plan",
                "event-8-date-day": "1",
                "event-8-date-month": "4",
                "event-8-date-year": "2025",
                "event-count": "8",
            },
            {"events_contain": ["pathway-plan", "2025-04-01"]},
        ),
        (
            {
                "service-1-service": "childrens-therapies",
                "service-1-planned_end-day": "31",
                "service-1-planned_end-month": "8",
                "service-1-planned_end-year": "2027",
            },
            {"services": [{"service": "childrens-therapies", "planned_end": "2027-08-31"}]},
        ),
        ({"service-1-service": ""}, {"services": None}),
        ({"care_needs_likely": "no"}, {"care_needs_likely": None}),
        ({"continuing_care": "yes"}, {"continuing_care": True}),
        ({"primary_need": "MLD"}, {"primary_need": "MLD"}),
        ({"primary_need": ""}, {"primary_need": None}),
        ({"year_group_offset": "-1"}, {"year_group_offset": -1}),
        ({"year_group_offset": "+1"}, {"year_group_offset": 1}),
        ({"year_group_offset": ""}, {"year_group_offset": None}),
        (
            {"episode-1-legal_status": "V2", "episode-1-placement": "childrens-home"},
            {
                "care_episodes": [
                    {"start": "2023-10-01", "legal_status": "V2", "placement": "childrens-home"}
                ]
            },
        ),
        (
            {
                "episode-1-end-day": "1",
                "episode-1-end-month": "6",
                "episode-1-end-year": "2025",
                "episode-1-reason_ended": "returned-home",
                "episode-1-placement": "U4",
            },
            {
                "care_episodes": [
                    {
                        "start": "2023-10-01",
                        "end": "2025-06-01",
                        "placement": "U4",
                        "reason_ended": "returned-home",
                    }
                ]
            },
        ),
        (
            {
                "adviser_requested_on-day": "1",
                "adviser_requested_on-month": "9",
                "adviser_requested_on-year": "2026",
            },
            {"leaving_care": {"adviser_requested_on": "2026-09-01"}},
        ),
        ({"education_or_training_until-year": ""}, {"leaving_care": None}),
        ({"area": "leicester", "record_area": "yes"}, {"area": "leicester"}),
        ({"area": "leicester"}, {"area": None}),
        ({"record_area": "on"}, {"area": None}),
        (
            {
                "move-count": "2",
                "move-1-date-day": "1",
                "move-1-date-month": "6",
                "move-1-date-year": "2026",
                "move-1-area": "peterborough",
            },
            {"moves": [{"date": "2026-06-01", "area": "peterborough"}]},
        ),
        ({"move-count": "1"}, {"moves": None}),
        ({"recorded_events": "all"}, {"recorded_events": "all"}),
        ({"recorded_events": "none"}, {"recorded_events": []}),
        ({"recorded_events": '["pathway-plan"]'}, {"recorded_events": ["pathway-plan"]}),
        ({"recorded_events": ""}, {"recorded_events": None}),
    ],
)
def test_valid_field_values_make_a_roadmap(
    client: Any, changes: dict[str, str], expect: dict[str, Any]
) -> None:
    response = post_form(client, example_values(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, re.findall(r'class="error-message">(.*?)</p>', page)
    assert "Transition roadmap" in page
    sent = _person_sent(page)
    for key, value in expect.items():
        if key == "events_contain":
            assert {"type": value[0], "date": value[1]} in sent["events"]
        elif value is None:
            assert key not in sent
        else:
            assert sent[key] == value


@pytest.mark.parametrize("area", ["england", "leicester", "peterborough"])
def test_each_area_and_an_as_of_date_in_the_past(client: Any, area: str) -> None:
    values = example_values(
        area=area, **{"as_of-day": "1", "as_of-month": "9", "as_of-year": "2025"}
    )
    response = post_form(client, values)
    assert response.status_code == 200
    fields = carried(response.get_data(as_text=True))
    assert (fields["area"], fields["as_of"]) == (area, "2025-09-01")


def test_a_local_service_is_accepted_in_its_own_area(client: Any) -> None:
    values = example_values(
        area="peterborough", **{"service-1-service": "childrens-community-nursing"}
    )
    assert post_form(client, values).status_code == 200


def test_ehc_plan_fields_are_ignored_when_the_answer_is_no(client: Any) -> None:
    values = example_values(
        has_ehcp="no",
        ehcp_setting="",
        ehcp_cease_reason="nowhere",
        ehcp_appeal_pending="yes",
        **{"ehcp_issued-day": "99", "ehcp_ceased-month": "13"},
        **_typed("ehcp_appeal_decided", "1 1 2026"),
    )
    response = post_form(client, values)
    assert response.status_code == 200
    assert "ehcp" not in _person_sent(response.get_data(as_text=True))


# --- invalid fields --------------------------------------------------------------------------

INVALID = [
    # (changes, error group, linked input, message)
    ({"person_id": ""}, "person_id", "person_id", "Enter a case reference"),
    (
        {"person_id": "x" * 201},
        "person_id",
        "person_id",
        "Case reference must be 200 characters or fewer",
    ),
    (
        {"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""},
        "date_of_birth",
        "date_of_birth-day",
        "Enter the date of birth",
    ),
    (
        {"date_of_birth-month": ""},
        "date_of_birth",
        "date_of_birth-month",
        "Date of birth must include a month",
    ),
    (
        {"date_of_birth-day": "", "date_of_birth-year": ""},
        "date_of_birth",
        "date_of_birth-day",
        "Date of birth must include a day and year",
    ),
    (
        {"date_of_birth-day": "30", "date_of_birth-month": "2"},
        "date_of_birth",
        "date_of_birth-day",
        "Enter a real date of birth",
    ),
    (
        {"date_of_birth-month": "13"},
        "date_of_birth",
        "date_of_birth-month",
        "Enter a real date of birth",
    ),
    (
        {"date_of_birth-day": "tenth"},
        "date_of_birth",
        "date_of_birth-day",
        "Enter a real date of birth",
    ),
    (
        {"date_of_birth-year": "09"},
        "date_of_birth",
        "date_of_birth-year",
        "The year of the date of birth must include 4 numbers",
    ),
    (
        {"date_of_birth-year": "2027"},
        "date_of_birth",
        "date_of_birth-day",
        "Date of birth must be today or in the past",
    ),
    (
        {"as_of-year": "2008"},
        "date_of_birth",
        "date_of_birth-day",
        "Date of birth must be on or before the roadmap date",
    ),
    (
        {"ehcp_issued-year": "9999"},
        "ehcp_issued",
        "ehcp_issued-year",
        "Date the EHC plan was issued must be between 1900 and 2099",
    ),
    (
        {"has_ehcp": ""},
        "has_ehcp",
        "has_ehcp-yes",
        "Select yes if the young person has an EHC plan",
    ),
    (
        {"ehcp_issued-day": "", "ehcp_issued-month": "", "ehcp_issued-year": ""},
        "ehcp_issued",
        "ehcp_issued-day",
        "Enter the date the EHC plan was issued",
    ),
    ({"ehcp_setting": ""}, "ehcp_setting", "ehcp_setting", "Select where the young person is now"),
    (
        {"ehcp_setting": "college"},
        "ehcp_setting",
        "ehcp_setting",
        "Select where the young person is now",
    ),
    (
        {"ehcp_setting_end-day": "31", "ehcp_setting_end-month": "6"},
        "ehcp_setting_end",
        "ehcp_setting_end-day",
        "Enter a real planned end of the course or apprenticeship",
    ),
    (
        {"ehcp_next_transfer_kind": "other-phase"},
        "ehcp_next_transfer_date",
        "ehcp_next_transfer_date-day",
        "Enter the date of the next move to another school or college, "
        "or leave the kind of move blank",
    ),
    (
        {**_typed("ehcp_next_transfer_date", "1 9 -"), "ehcp_next_transfer_kind": "other-phase"},
        "ehcp_next_transfer_date",
        "ehcp_next_transfer_date-year",
        "Date of the next move to another school or college must include a year",
    ),
    (
        _typed("ehcp_next_transfer_date", "1 9 2027"),
        "ehcp_next_transfer_kind",
        "ehcp_next_transfer_kind",
        "Select the kind of move, or leave the date of the next move blank",
    ),
    (
        {**_typed("ehcp_next_transfer_date", "1 9 2027"), "ehcp_next_transfer_kind": "sideways"},
        "ehcp_next_transfer_kind",
        "ehcp_next_transfer_kind",
        "Select the kind of move from the list",
    ),
    (
        _typed("ehcp_ceased", "31 4 2026"),
        "ehcp_ceased",
        "ehcp_ceased-day",
        "Enter a real date the plan ceased",
    ),
    (
        _typed("ehcp_ceased", "30 4 2016"),
        "ehcp_ceased",
        "ehcp_ceased-day",
        "The date the plan ceased must be on or after the date it was issued",
    ),
    (
        {"ehcp_cease_reason": "bored"},
        "ehcp_cease_reason",
        "ehcp_cease_reason",
        "Select the reason the plan was ceased from the list",
    ),
    (
        _typed("ehcp_cease_notice", "15 - 2026"),
        "ehcp_cease_notice",
        "ehcp_cease_notice-month",
        "Date the decision to cease the plan was notified must include a month",
    ),
    (
        _typed("ehcp_appeal_decided", "1 1 20266"),
        "ehcp_appeal_decided",
        "ehcp_appeal_decided-year",
        "Enter a real date the appeal was decided",
    ),
    (
        {"ehcp_appeal_pending": "yes", **_typed("ehcp_appeal_decided", "1 9 2026")},
        "ehcp_appeal_decided",
        "ehcp_appeal_decided-day",
        "Leave the date the appeal was decided blank, or untick that the appeal is waiting "
        "to be decided",
    ),
    (
        {
            "episode-1-start-day": "",
            "episode-1-start-month": "",
            "episode-1-start-year": "",
            "episode-1-end-day": "1",
            "episode-1-end-month": "1",
            "episode-1-end-year": "2024",
        },
        "episode-1-start",
        "episode-1-start-day",
        "Enter the start date of care episode 1",
    ),
    (
        {
            "episode-count": "2",
            "episode-2-start-day": "1",
            "episode-2-start-month": "5",
            "episode-2-start-year": "2024",
            "episode-2-end-day": "1",
            "episode-2-end-month": "4",
            "episode-2-end-year": "2024",
        },
        "episode-2-end",
        "episode-2-end-day",
        "Care episode 2 must end after it starts",
    ),
    (
        {"episode-1-start-year": "2008"},
        "episode-1-start",
        "episode-1-start-day",
        "Care episode 1 must start on or after the date of birth",
    ),
    (
        {"episode-1-end-day": "31", "episode-1-end-month": "4", "episode-1-end-year": "2025"},
        "episode-1-end",
        "episode-1-end-day",
        "Enter a real end date of care episode 1",
    ),
    ({"event-1-type": ""}, "event-1-type", "event-1-type", "Select the type of event 1"),
    (
        {"event-2-date-day": "", "event-2-date-month": "", "event-2-date-year": ""},
        "event-2-date",
        "event-2-date-day",
        "Enter the date of event 2",
    ),
    (
        {"event-1-type": "party"},
        "event-1-type",
        "event-1-type",
        "Event 1 has a type the rules do not know ('party'): select a type from the list",
    ),
    (
        {
            "service-1-service": "",
            "service-1-planned_end-day": "1",
            "service-1-planned_end-month": "1",
            "service-1-planned_end-year": "2027",
        },
        "service-1-service",
        "service-1-service",
        "Select the service in service row 1",
    ),
    (
        {"service-1-service": "nowhere"},
        "service-1-service",
        "service-1-service",
        "Service row 1 has a service the rules do not know ('nowhere'): select one from the list",
    ),
    (
        {"service-1-service": "childrens-community-nursing"},
        "service-1-service",
        "service-1-service",
        "Children's community nursing (to 18) is only in the rules for Peterborough: change the "
        "local area or remove service row 1",
    ),
    (
        {"service-1-planned_end-day": "1", "service-1-planned_end-year": "2027"},
        "service-1-planned_end",
        "service-1-planned_end-month",
        "Planned end of service row 1 must include a month",
    ),
    (
        {"care_needs_likely": ""},
        "care_needs_likely",
        "care_needs_likely-yes",
        "Select yes if the young person is likely to have care and support needs after 18",
    ),
    (
        {"continuing_care": "maybe"},
        "continuing_care",
        "continuing_care-yes",
        "Select yes if the young person receives children's continuing care",
    ),
    (
        {"primary_need": "x" * 201},
        "primary_need",
        "primary_need",
        "Primary need must be 200 characters or fewer",
    ),
    (
        {"year_group_offset": "one"},
        "year_group_offset",
        "year_group_offset",
        "Year group offset must be a whole number, like -1, 0 or 1",
    ),
    (
        {"episode-1-reason_ended": "adopted"},
        "episode-1-end",
        "episode-1-end-day",
        "Enter the end date of care episode 1, or leave the reason it ended blank",
    ),
    (
        {"episode-1-legal_status": "ZZ"},
        "episode-1-legal_status",
        "episode-1-legal_status",
        "Select the legal status of care episode 1 from the list",
    ),
    (
        {"episode-1-placement": "castle"},
        "episode-1-placement",
        "episode-1-placement",
        "Select the placement of care episode 1 from the list",
    ),
    (
        {
            "episode-1-end-day": "1",
            "episode-1-end-month": "6",
            "episode-1-end-year": "2025",
            "episode-1-reason_ended": "E99",
        },
        "episode-1-reason_ended",
        "episode-1-reason_ended",
        "Select the reason care episode 1 ended from the list",
    ),
    (
        {
            "returned_to_education_on-day": "31",
            "returned_to_education_on-month": "2",
            "returned_to_education_on-year": "2026",
        },
        "returned_to_education_on",
        "returned_to_education_on-day",
        "Enter a real date they said they are returning to education or training",
    ),
    (
        {"education_or_training_until-month": "7", "education_or_training_until-year": "2027"},
        "education_or_training_until",
        "education_or_training_until-day",
        "End of the education or training in the pathway plan must include a day",
    ),
    (
        {"recorded_events": "some"},
        "recorded_events",
        "recorded_events",
        "Select which events the record's source collects",
    ),
    (
        {"recorded_events": '["party"]'},
        "recorded_events",
        "recorded_events",
        "The record's source is said to collect an event type the rules do not know ('party'): "
        "select another answer",
    ),
    ({"area": "atlantis"}, "area", "area", "Select the local area"),
    (
        {"move-count": "1", "move-1-area": "leicester"},
        "move-1-date",
        "move-1-date-day",
        "Enter the date of move 1",
    ),
    (
        {
            "move-count": "1",
            "move-1-date-day": "1",
            "move-1-date-month": "1",
            "move-1-date-year": "2026",
        },
        "move-1-area",
        "move-1-area",
        "Select the area of move 1",
    ),
    (
        {
            "move-count": "1",
            "move-1-date-day": "1",
            "move-1-date-month": "1",
            "move-1-date-year": "2026",
            "move-1-area": "atlantis",
        },
        "move-1-area",
        "move-1-area",
        "Move 1 is to an area the rules do not know ('atlantis'): select one from the list",
    ),
    (
        {
            "move-count": "2",
            "move-1-date-day": "1",
            "move-1-date-month": "6",
            "move-1-date-year": "2026",
            "move-1-area": "leicester",
            "move-2-date-day": "1",
            "move-2-date-month": "6",
            "move-2-date-year": "2026",
            "move-2-area": "england",
        },
        "move-2-date",
        "move-2-date-day",
        "Move 2 must be after the move before it: enter the moves in date order",
    ),
    (
        {"as_of-day": "", "as_of-month": "", "as_of-year": ""},
        "as_of",
        "as_of-day",
        "Enter the roadmap date",
    ),
    ({"as_of-day": "31", "as_of-month": "11"}, "as_of", "as_of-day", "Enter a real roadmap date"),
]


@pytest.mark.parametrize(
    ("changes", "group", "target", "message"), INVALID, ids=[case[3][:40] for case in INVALID]
)
def test_invalid_field_shows_the_error_next_to_it_and_in_the_summary(
    client: Any, changes: dict[str, str], group: str, target: str, message: str
) -> None:
    values = example_values(**changes)
    response = post_form(client, values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("There is a problem") == 1
    assert "<title>Error: " in page
    escaped = message.replace("'", "&#39;")
    start = page.index('class="error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert f'<a href="#{target}">{escaped}</a>' in summary
    assert (
        f'<p id="{group}-error" class="error-message"><span class="visually-hidden">Error:'
        f"</span> {escaped}</p>"
    ) in page
    assert f'id="{target}"' in page  # the summary link has somewhere to go
    # What was entered is kept, exactly as typed.
    kept = form_fields(page, "/")
    for name, value in changes.items():
        if name.endswith("-count") or name in ("has_ehcp", "care_needs_likely", "continuing_care"):
            continue
        selects = ("ehcp_setting", "ehcp_next_transfer_kind", "ehcp_cease_reason", "area")
        if name in (*selects, "recorded_events") or name.endswith(
            ("-service", "-type", "-area", "-legal_status", "-placement", "-reason_ended")
        ):
            assert kept.get(name, "") == value, name  # an unknown value stays selected
        else:
            assert kept.get(name, "") == value.strip()[:250], name


def test_an_error_marks_the_inputs_and_describes_the_group(client: Any) -> None:
    page = post_form(client, example_values(**{"date_of_birth-month": ""})).get_data(as_text=True)
    assert re.search(
        r'<fieldset role="group" aria-describedby="date_of_birth-hint date_of_birth-error">', page
    )
    month = re.search(r'<input[^>]*id="date_of_birth-month"[^>]*>', page)
    day = re.search(r'<input[^>]*id="date_of_birth-day"[^>]*>', page)
    assert (
        month is not None and 'aria-invalid="true"' in month.group(0) and "error" in month.group(0)
    )
    assert day is not None and 'aria-invalid="true"' not in day.group(0)
    assert 'class="error-summary" role="alert"' in page and "autofocus" in page


def test_several_errors_are_listed_in_page_order(client: Any) -> None:
    values = example_values(person_id="", area="atlantis", **{"date_of_birth-day": "32"})
    page = post_form(client, values).get_data(as_text=True)
    links = re.findall(r'<li><a href="#([^"]+)">', page)
    assert links == ["person_id", "date_of_birth-day", "area"]


def test_errors_of_every_section_are_listed_in_page_order(client: Any) -> None:
    values = example_values(
        year_group_offset="one",
        recorded_events="some",
        continuing_care="",
        area="atlantis",
        **{
            "ehcp_setting": "",
            **_typed("ehcp_next_transfer_date", "1 9 2027"),
            "ehcp_cease_reason": "bored",
            "ehcp_appeal_pending": "yes",
            **_typed("ehcp_appeal_decided", "1 9 2026"),
            "episode-1-placement": "castle",
            "adviser_requested_on-day": "40",
            "adviser_requested_on-month": "1",
            "adviser_requested_on-year": "2026",
            "event-1-type": "",
            "service-1-service": "nowhere",
            "move-count": "1",
            "move-1-area": "atlantis",
            "as_of-day": "",
        },
    )
    response = post_form(client, values)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    links = re.findall(r'<li><a href="#([^"]+)">', page)
    assert links == [
        "year_group_offset",
        "ehcp_setting",
        "ehcp_next_transfer_kind",
        "ehcp_cease_reason",
        "ehcp_appeal_decided-day",
        "episode-1-placement",
        "adviser_requested_on-day",
        "event-1-type",
        "recorded_events",
        "service-1-service",
        "continuing_care-yes",
        "area",
        "move-1-date-day",
        "move-1-area",
        "as_of-day",
    ]
    summary_end = page.index("</ul>")
    places = [page.index(f'id="{target}"', summary_end) for target in links]
    assert places == sorted(places), links


def test_episode_selects_offer_the_codes_and_keep_a_files_own_code(client: Any) -> None:
    values = example_values(
        **{"episode-1-placement": "K2", "episode-1-legal_status": "C2", "episode-count": "2"}
    )
    page = post_form(client, values, action="add-episode").get_data(as_text=True)
    row1 = page[page.index('id="episode-1-legal_status"') : page.index("Care episode 2")]
    assert '<option value="C2" selected>C2: Full care order</option>' in row1
    assert '<option value="K2" selected>SSDA903 code K2: Children&#39;s home' in row1
    assert '<option value="foster">Foster care</option>' in row1
    assert "not recognised" not in page
    row2 = page[page.index("Care episode 2") :]
    assert 'value="K2"' not in row2  # a file's code is offered only in its own row
    kept = form_fields(page, "/")
    assert (kept["episode-1-placement"], kept["episode-2-placement"]) == ("K2", "")


def test_every_placement_and_reason_kind_has_a_plain_label() -> None:
    codes = care_codes()
    assert set(PLACEMENT_LABELS) == {k for k, kind in codes.placement_kinds.items() if k == kind}
    assert set(REASON_LABELS) == {k for k, kind in codes.reason_kinds.items() if k == kind}


@pytest.mark.parametrize(
    "tamper",
    [
        {"episode-1-legal_status": "x" * 5000},
        {"episode-1-placement": "<script>"},
        {"recorded_events": "[" * 3000},
        {"recorded_events": "[1, 2]"},
        {"recorded_events": '{"all": true}'},
        {"move-count": "99999", "move-1-area": "leicester"},
        {"move-count": "1", "move-1-date-year": "99999999999"},
        {"record_area": "yes", "area": "../etc"},
        {"ehcp_next_transfer_kind": "<script>", **_typed("ehcp_next_transfer_date", "1 9 2027")},
        {"ehcp_cease_reason": "x" * 5000},
        {"ehcp_appeal_pending": "yes" * 2000, "ehcp_cease_reason": "[" * 3000},
        _typed("ehcp_ceased", "1 1 99999999999"),
        {"ehcp_appeal_pending": "yes", **_typed("ehcp_appeal_decided", "0 0 0")},
        _typed("ehcp_ceased", "1 1 1066"),
    ],
)
def test_tampered_values_of_the_additions_give_a_form_with_errors(
    client: Any, tamper: dict[str, str]
) -> None:
    response = post_form(client, example_values(**tamper))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "Traceback" not in page


# --- rows: add and remove without JavaScript ---------------------------------------------------


def test_add_another_row_keeps_every_value(client: Any) -> None:
    values = example_values()
    response = post_form(client, values, action="add-episode")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" not in page
    kept = form_fields(page, "/")
    assert kept["episode-count"] == str(int(values["episode-count"]) + 1)
    assert {k: v for k, v in kept.items() if v and k not in ("episode-count", "csrf_token")} == {
        k: v for k, v in values.items() if k != "episode-count"
    }
    assert "Care episode 3" in page
    assert 'getElementById("episode-3-start-day")' in page  # the keyboard moves to the new row


def test_remove_a_row_renumbers_the_rest(client: Any) -> None:
    values = example_values()
    page = post_form(client, values, action="remove-event-2").get_data(as_text=True)
    kept = form_fields(page, "/")
    assert kept["event-count"] == str(int(values["event-count"]) - 1)
    assert values["event-2-date-year"] != values["event-3-date-year"]
    for part in ("type", "date-day", "date-month", "date-year"):
        assert kept[f"event-1-{part}"] == values[f"event-1-{part}"]
        assert kept[f"event-2-{part}"] == values[f"event-3-{part}"]


def test_add_and_remove_a_move(client: Any) -> None:
    page = post_form(client, example_values(), action="add-move").get_data(as_text=True)
    assert "Move 1" in page and 'getElementById("move-1-date-day")' in page
    assert re.search(
        r"<fieldset[^>]*>\s*<legend[^>]*>Date of the move</legend>(?:(?!</fieldset>).)*"
        r'id="move-1-date-day"',
        page,
        re.S,
    )
    assert '<label class="label" for="move-1-area">Area moved to</label>' in page
    assert "Add another move" in page
    kept = form_fields(page, "/")
    kept |= {"move-1-date-day": "1", "move-1-date-month": "6", "move-1-date-year": "2026"}
    page = post_form(client, {**kept, "move-1-area": "leicester"}, action="remove-move-1").text
    assert form_fields(page, "/")["move-count"] == "0" and "Add a move" in page
    assert 'getElementById("add-move")' in page


def test_rows_are_capped() -> None:
    form = PersonForm()
    for _ in range(MAX_ROWS + 5):
        form = apply_row_action(form, "add-service") or form
    assert len(form.services) == MAX_ROWS
    assert apply_row_action(form, "remove-service-999") is not None
    assert apply_row_action(form, "explode") is None
    many = {"service-count": "9999"}
    assert len(PersonForm.read(many).services) == MAX_ROWS

"""The practitioner's web app at the HTTP level (issue 7), with Flask's test client.

Every form field valid and invalid; saving and reopening a person file; upload
limits; the security headers on every route; CSRF; no traceback on a forced
error; nothing personal in the logs; and nothing written to disk during a
request (a watch on the working directory and the temporary directory, plus an
audit hook that sees every file opened for writing by this process).
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.parse
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from cohorts import Person, load_person
from cohorts.testing import people
from roadmaps import generate_roadmap, render_json
from roadmaps.cli import main as cli_main
from roadmaps.cli._serve import DEFAULT_THREADS, _is_loopback, default_workers
from roadmaps.render import palette as pal
from roadmaps.render._html import render_html
from roadmaps.web._app import (
    APP_CSS,
    BAR_CSS,
    CSRF_COOKIE,
    FOCUS,
    WebLimits,
    _Turns,
    create_app,
    csrf_token_valid,
    new_csrf_token,
    serve_in_thread,
    stop_server,
    web_contrast_pairs,
)
from roadmaps.web._forms import (
    MAX_ROWS,
    PersonForm,
    apply_row_action,
    person_file_text,
    read_person_file,
    validate_form,
)

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "people" / "yp-001-in-care-with-ehcp.yaml"
TODAY = date(2026, 11, 23)
SECRET = b"a-test-secret-that-is-long-enough-0123456789"


# --- helpers ----------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The fields a browser would send for each form on a page (buttons left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), {}))
        elif not self.forms:
            return
        fields = self.forms[-1][1]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    fields[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first_option, self._selected = a.get("name"), None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                fields[self._select] = value
            if "selected" in a and not self._selected:
                fields[self._select] = value
                self._selected = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_fields(page: str, action: str) -> dict[str, str]:
    """The fields of the first form posting to ``action``."""
    parser = _Forms()
    parser.feed(page)
    for form_action, fields in parser.forms:
        if form_action == action:
            return dict(fields)
    raise AssertionError(f"no form posting to {action}")


def post_files(client: Any, path: str, data: dict[str, Any]) -> Any:
    """Post a multipart form (files as (stream, name) pairs), encoded here in memory.

    Werkzeug's test client would otherwise write big bodies to a temporary file on
    the test's side, which the disk watch below would see.
    """
    values: MultiDict[str, Any] = MultiDict()
    for name, value in data.items():
        if isinstance(value, tuple):
            stream, filename = value
            values.add(
                name,
                FileStorage(
                    stream, filename=filename, name=name, content_type="application/octet-stream"
                ),
            )
        else:
            values.add(name, value)
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def csrf(client: Any) -> str:
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def example_values(**changes: str) -> dict[str, str]:
    form = PersonForm.from_person(load_person(EXAMPLE), as_of=TODAY)
    values = form.values()
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def post_form(client: Any, values: dict[str, str], action: str = "generate") -> Any:
    return client.post("/", data={**values, "csrf_token": csrf(client), "action": action})


def carried(page: str) -> dict[str, str]:
    return form_fields(page, "/roadmap")


@pytest.fixture
def app() -> Any:
    return create_app(secret=SECRET, today=lambda: TODAY)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


# --- the form, blank ---------------------------------------------------------------------

EVERY_FIELD = (
    "person_id", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year",
    "primary_need", "year_group_offset", "has_ehcp", "ehcp_issued-day", "ehcp_issued-month",
    "ehcp_issued-year", "ehcp_setting", "ehcp_setting_end-day", "ehcp_setting_end-month",
    "ehcp_setting_end-year", "episode-1-start-day", "episode-1-end-year", "event-1-type",
    "event-1-date-day", "service-1-service", "service-1-planned_end-year",
    "care_needs_likely", "continuing_care", "area", "as_of-day", "as_of-month", "as_of-year",
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


def test_every_input_has_a_label_and_dates_have_a_legend(client: Any) -> None:
    page = client.get("/").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
    assert len(ids) > 30
    for input_id in ids:
        assert f'<label for="{input_id}"' in page or f'for="{input_id}"' in page, input_id
    for group in ("date_of_birth", "ehcp_issued", "as_of", "episode-1-start", "event-1-date"):
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
    values = example_values(has_ehcp="no", ehcp_setting="", **{"ehcp_issued-day": "99"})
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
    ({"area": "atlantis"}, "area", "area", "Select the local area"),
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
        if name in ("ehcp_setting", "area") or name.endswith(("-service", "-type")):
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


def test_rows_are_capped() -> None:
    form = PersonForm()
    for _ in range(MAX_ROWS + 5):
        form = apply_row_action(form, "add-service") or form
    assert len(form.services) == MAX_ROWS
    assert apply_row_action(form, "remove-service-999") is not None
    assert apply_row_action(form, "explode") is None
    many = {"service-count": "9999"}
    assert len(PersonForm.read(many).services) == MAX_ROWS


# --- the result, saving and reopening ------------------------------------------------------------


def test_result_page_is_the_html_roadmap_of_the_same_generator(client: Any) -> None:
    response = post_form(client, example_values())
    page = response.get_data(as_text=True)
    person = load_person(EXAMPLE)
    roadmap = generate_roadmap(person, as_of=TODAY, area="england")
    expected = render_html(roadmap)
    main = expected[expected.index("<main>") + len("<main>") : expected.index("</main>")]
    assert main in page
    for entry in roadmap.entries:
        assert f'datetime="{entry.date.isoformat()}"' in page
    assert roadmap.gaps and all(gap.rule in page for gap in roadmap.gaps)
    for label in (
        "Show the family version",
        "Download person file (YAML)",
        "Download person file (JSON)",
        "Download roadmap (JSON)",
        "Print",
        "Change the details",
    ):
        assert label in page
    assert 'id="page-main"' in page and 'href="#page-main"' in page


def test_family_and_practitioner_switch(client: Any) -> None:
    page = post_form(client, example_values()).get_data(as_text=True)
    fields = carried(page)
    family = client.post("/roadmap", data={**fields, "audience": "family"})
    assert family.status_code == 200
    text = family.get_data(as_text=True)
    assert "Your roadmap" in text and "Show the practitioner version" in text
    back = client.post("/roadmap", data={**carried(text), "audience": "practitioner"})
    assert "Transition roadmap to 25" in back.get_data(as_text=True)
    assert client.post("/roadmap", data={**fields, "audience": "board"}).status_code == 400


def test_save_and_reopen_a_person_file_round_trips_exactly(client: Any) -> None:
    token = csrf(client)
    original = load_person(EXAMPLE)
    opened = post_files(
        client,
        "/open",
        {"csrf_token": token, "person_file": (io.BytesIO(EXAMPLE.read_bytes()), EXAMPLE.name)},
    )
    assert opened.status_code == 200
    opened_page = opened.get_data(as_text=True)
    assert f"Opened <strong>{EXAMPLE.name}</strong>" in opened_page
    filled = form_fields(opened_page, "/")
    result = client.post("/", data={**filled, "action": "generate"})
    assert result.status_code == 200
    fields = carried(result.get_data(as_text=True))
    for file_format in ("yaml", "json"):
        saved = client.post("/download/person", data={**fields, "format": file_format})
        assert saved.status_code == 200
        assert (
            saved.headers["Content-Disposition"] == f'attachment; filename="yp-001.{file_format}"'
        )
        assert saved.headers["Cache-Control"] == "no-store"
        assert read_person_file(f"yp-001.{file_format}", saved.data) == original
        reopened = post_files(
            client,
            "/open",
            {"csrf_token": token, "person_file": (io.BytesIO(saved.data), f"yp-001.{file_format}")},
        )
        assert form_fields(reopened.get_data(as_text=True), "/") == filled
    yaml_text = client.post("/download/person", data={**fields, "format": "yaml"}).get_data(
        as_text=True
    )
    assert "date_of_birth: 2009-01-10\n" in yaml_text  # dates as people write them, not quoted
    assert client.post("/download/person", data={**fields, "format": "xml"}).status_code == 400


def test_download_the_json_roadmap(client: Any) -> None:
    fields = carried(post_form(client, example_values()).get_data(as_text=True))
    response = client.post("/download/roadmap", data=fields)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="yp-001-roadmap-2026-11-23.json"'
    )
    expected = render_json(generate_roadmap(load_person(EXAMPLE), as_of=TODAY, area="england"))
    assert response.get_data(as_text=True) == expected


def test_change_the_details_returns_the_filled_form(client: Any) -> None:
    values = example_values(
        area="leicester", **{"as_of-day": "2", "as_of-month": "2", "as_of-year": "2026"}
    )
    fields = carried(post_form(client, values).get_data(as_text=True))
    page = client.post("/edit", data=fields).get_data(as_text=True)
    kept = form_fields(page, "/")
    assert kept["area"] == "leicester" and kept["as_of-day"] == "2"
    assert kept["person_id"] == "yp-001" and kept["has_ehcp"] == "yes"


@pytest.mark.parametrize(
    "tamper",
    [
        {"person": "{not json"},
        {"person": '{"id": "x"}'},
        {"as_of": "2026-02-30"},
        {"area": "atlantis"},
        {"person": '{"id": "x", "date_of_birth": "2030-01-01"}'},
    ],
)
def test_tampered_page_data_is_refused(client: Any, tamper: dict[str, str]) -> None:
    fields = carried(post_form(client, example_values()).get_data(as_text=True))
    for path in ("/roadmap", "/download/roadmap"):
        response = client.post(path, data={**fields, **tamper})
        assert response.status_code == 400
        assert "Traceback" not in response.get_data(as_text=True)


def test_file_name_of_a_download_is_safe(client: Any) -> None:
    values = example_values(person_id='../../etc/"passwd" ä')
    fields = carried(post_form(client, values).get_data(as_text=True))
    response = client.post("/download/person", data={**fields, "format": "json"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="etc-passwd.json"'


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # The form does not show the EHC plan's next transfer or cessation fields yet (issue 12).
    person=people(ehcp_additions=False),
    as_of=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    area=st.sampled_from(["england", "leicester", "peterborough"]),
)
def test_form_accepts_every_person_file_it_is_given(person: Person, as_of: date, area: str) -> None:
    """A saved file always reopens: person → form → person is the identity."""
    as_of = max(as_of, person.date_of_birth)
    form = PersonForm.read(PersonForm.from_person(person, as_of=as_of, area=area).values())
    checked = validate_form(form, today=max(as_of, TODAY))
    assert checked.form.errors == ()
    assert checked.request is not None
    assert checked.request.person == person
    assert (checked.request.as_of, checked.request.area) == (as_of, area)
    for file_format in ("yaml", "json"):
        text = person_file_text(person, file_format)
        assert read_person_file(f"p.{file_format}", text.encode()) == person


# --- opening a file: content checks ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("person.txt", b"id: x\n", "The selected file must be a YAML or JSON person file"),
        ("person.yaml", b"  \n", "The selected file is empty"),
        (
            "person.yaml",
            "id: caf\u00e9\n".encode("latin-1"),
            "The selected file must be text saved as UTF-8",
        ),
        ("person.yaml", b"id: [x\n", "The selected file is not a usable person file"),
        ("person.json", b'{"id": ', "The selected file is not valid JSON (line 1"),
        (
            "person.yaml",
            b"id: x\ndate_of_birth: 2009-02-30\n",
            "The selected file is not a usable person file: field &#39;date_of_birth&#39; is not a valid date",
        ),
        (
            "person.yaml",
            b"id: x\ndate_of_birth: 2009-01-01\nfoo: 1\n",
            "field &#39;foo&#39; unknown field",
        ),
        ("person.yaml", b"- a list\n", "a person file must be a mapping of fields"),
    ],
)
def test_open_refuses_files_it_cannot_use(
    client: Any, name: str, content: bytes, message: str
) -> None:
    response = post_files(
        client, "/open", {"csrf_token": csrf(client), "person_file": (io.BytesIO(content), name)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert '<a href="#person_file">' in page and 'id="person_file-error"' in page
    assert "Traceback" not in page


def test_open_without_a_file(client: Any) -> None:
    response = post_files(client, "/open", {"csrf_token": csrf(client)})
    assert response.status_code == 422
    assert "Select a person file" in response.get_data(as_text=True)


def test_an_opened_file_with_an_unknown_event_type_keeps_it_and_says_so(client: Any) -> None:
    content = b"id: x\ndate_of_birth: 2009-01-01\nevents:\n  - {type: party, date: 2025-01-01}\n"
    opened = post_files(
        client,
        "/open",
        {"csrf_token": csrf(client), "person_file": (io.BytesIO(content), "x.yaml")},
    )
    fields = form_fields(opened.get_data(as_text=True), "/")
    assert fields["event-1-type"] == "party"
    page = client.post("/", data={**fields, "has_ehcp": "no", "action": "generate"}).get_data(
        as_text=True
    )
    assert "Event 1 has a type the rules do not know (&#39;party&#39;)" in page


# --- upload limits ------------------------------------------------------------------------------


def test_a_person_file_over_the_limit_gets_413_and_a_friendly_page(client: Any) -> None:
    big = b"id: x\n" + b"#" * (600 * 1024)
    response = post_files(
        client, "/open", {"csrf_token": csrf(client), "person_file": (io.BytesIO(big), "big.yaml")}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The file or form is too big" in page and "512 KB" in page
    assert "Traceback" not in page and "Request Entity Too Large" not in page
    assert "Content-Security-Policy" in response.headers


def test_population_files_over_the_limit_get_413(app: Any) -> None:
    client = app.test_client()
    big = b"id,date_of_birth\n" + b"p,2009-01-01\n" * (4 * 1024 * 1024 // 13 + 10)
    response = post_files(
        client,
        "/population",
        {"csrf_token": csrf(client), "people_file": (io.BytesIO(big), "people.csv")},
    )
    assert response.status_code == 413
    assert "4 MB" in response.get_data(as_text=True)


def test_too_many_form_fields_get_413(client: Any) -> None:
    data = {"csrf_token": csrf(client), **{f"x{n}": "1" for n in range(2000)}}
    response = client.post("/open", data=data, content_type="multipart/form-data")
    assert response.status_code == 413


# --- the population report --------------------------------------------------------------------


@pytest.fixture(scope="module")
def population_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from cohorts._synth import synthesise

    folder = tmp_path_factory.mktemp("population")
    synthesise(300, seed=7, out_dir=folder, as_of=TODAY, bad_fraction=0.02)
    return {
        name: (folder / f"{name}.csv").read_bytes() for name in ("people", "episodes", "events")
    }


def _population_post(client: Any, files: dict[str, bytes], **extra: str) -> Any:
    data: dict[str, Any] = {
        "csrf_token": csrf(client),
        "area": "england",
        "as_of-day": "23",
        "as_of-month": "11",
        "as_of-year": "2026",
        **extra,
    }
    for name, content in files.items():
        data[f"{name}_file"] = (io.BytesIO(content), f"{name}.csv")
    return post_files(client, "/population", data)


def test_population_report_from_three_csv_files(
    client: Any, population_files: dict[str, bytes]
) -> None:
    form = client.get("/population").get_data(as_text=True)
    assert 'data-processing="processing"' in form and 'role="status"' in form  # the progress notice
    response = _population_post(client, population_files)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "population report" in page and "Make another report" in page
    assert re.search(r"Read \d+ rows: \d+ used and \d+ rejected", page)
    assert "syn-0000001" not in page  # no one's id on the page


def test_population_people_file_only(client: Any, population_files: dict[str, bytes]) -> None:
    response = _population_post(client, {"people": population_files["people"]})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Select the people file (people.csv)"),
        ({"people": b"\xff\xfe\x00bad"}, "The people file must be saved as UTF-8 text"),
        ({"people": b""}, "The people file is empty"),
        ({"people": b"name,age\nx,1\n"}, "The people file cannot be used: missing required column"),
        (
            {"people": b"HEADER", "events": b"id,type\n"},
            "The events file cannot be used: missing required column &#39;date&#39;",
        ),
    ],
)
def test_population_upload_checks(
    client: Any, population_files: dict[str, bytes], files: dict[str, bytes], message: str
) -> None:
    header = population_files["people"].split(b"\n")[0] + b"\n"
    files = {name: header if content == b"HEADER" else content for name, content in files.items()}
    response = _population_post(client, files)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "/proc/" not in page and "Traceback" not in page


def test_population_wrong_extension_and_row_limit(population_files: dict[str, bytes]) -> None:
    app = create_app(secret=SECRET, today=lambda: TODAY, limits=WebLimits(population_rows=50))
    client = app.test_client()
    data = {
        "csrf_token": csrf(client),
        "area": "england",
        "as_of-day": "23",
        "as_of-month": "11",
        "as_of-year": "2026",
        "people_file": (io.BytesIO(b"id\n"), "people.xlsx"),
    }
    assert "must be a CSV file" in post_files(client, "/population", data).get_data(as_text=True)
    page = _population_post(client, {"people": population_files["people"]}).get_data(as_text=True)
    assert "has more than 50 rows" in page


def test_population_bad_date_and_area(client: Any, population_files: dict[str, bytes]) -> None:
    page = _population_post(
        client,
        {"people": population_files["people"]},
        area="x",
        **{"as_of-day": "31", "as_of-month": "2"},
    ).get_data(as_text=True)
    assert "Select the local area" in page and "Enter a real date of the report" in page


# --- security headers, CSRF, errors ---------------------------------------------------------------


def _every_route(client: Any, population_files: dict[str, bytes]) -> list[tuple[str, Any]]:
    token = csrf(client)
    result = post_form(client, example_values())
    fields = carried(result.get_data(as_text=True))
    person = (io.BytesIO(EXAMPLE.read_bytes()), EXAMPLE.name)
    return [
        ("GET /", client.get("/")),
        ("POST / (roadmap)", result),
        ("POST / (errors)", post_form(client, example_values(person_id=""))),
        ("POST / (add row)", post_form(client, example_values(), action="add-event")),
        ("POST /roadmap", client.post("/roadmap", data={**fields, "audience": "family"})),
        ("POST /edit", client.post("/edit", data=fields)),
        (
            "POST /download/person",
            client.post("/download/person", data={**fields, "format": "yaml"}),
        ),
        ("POST /download/roadmap", client.post("/download/roadmap", data=fields)),
        ("GET /open", client.get("/open")),
        ("POST /open", post_files(client, "/open", {"csrf_token": token, "person_file": person})),
        ("GET /population", client.get("/population")),
        ("POST /population", _population_post(client, population_files)),
        ("GET /health", client.get("/health")),
        ("GET /favicon.ico", client.get("/favicon.ico")),
        ("404", client.get("/no/such/page")),
        ("405", client.get("/roadmap")),
        ("400 CSRF", client.post("/", data={"person_id": "x"})),
        (
            "413",
            post_files(
                client,
                "/open",
                {"csrf_token": token, "person_file": (io.BytesIO(b"#" * 600_000), "x.yaml")},
            ),
        ),
    ]


def test_security_headers_on_every_route(client: Any, population_files: dict[str, bytes]) -> None:
    for name, response in _every_route(client, population_files):
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        for directive in (
            "default-src 'none'",
            "img-src 'self' data:",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ):
            assert directive in policy, (name, directive)
        nonce = re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]+)'", policy)
        assert nonce is not None, name
        assert f"script-src 'nonce-{nonce.group(1)}'" in policy, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert headers["Cache-Control"] == "no-store", name
        assert headers["X-Frame-Options"] == "DENY", name
        assert "Server" not in headers
        if headers.get("Content-Type", "").startswith("text/html"):
            page = response.get_data(as_text=True)
            # No external assets; every style and script block carries this response's nonce.
            assert not re.search(r'(?:src|href|action)="(?:https?:)?//', page), name
            assert '<link rel="stylesheet"' not in page
            for tag in re.findall(r"<(?:style|script)\b[^>]*>", page):
                assert f'nonce="{nonce.group(1)}"' in tag, (name, tag)
            assert "Traceback" not in page


def test_style_attributes_of_the_roadmap_are_allowed_by_hash(client: Any) -> None:
    import base64
    import hashlib

    response = post_form(client, example_values())
    page = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    values = set(re.findall(r'\sstyle="([^"]*)"', page))
    assert values, "the roadmap page is expected to use a few style attributes"
    assert "'unsafe-hashes'" in policy
    for value in values:
        digest = base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_csrf_cookie_is_strict_and_http_only(client: Any) -> None:
    response = client.get("/")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Max-Age" not in cookie and "Expires" not in cookie  # gone when the browser closes
    assert "Set-Cookie" not in client.get("/open").headers  # reused while it is valid


POST_ROUTES = [
    "/",
    "/roadmap",
    "/edit",
    "/download/person",
    "/download/roadmap",
    "/open",
    "/population",
]


@pytest.mark.parametrize("path", POST_ROUTES)
def test_csrf_missing_or_wrong_token_is_refused(client: Any, path: str) -> None:
    token = csrf(client)
    fields = carried(post_form(client, example_values()).get_data(as_text=True))
    fields.pop("csrf_token")
    for data in (
        fields,
        {**fields, "csrf_token": "x"},
        {**fields, "csrf_token": new_csrf_token(b"another-secret-of-enough-length-000")},
        {**fields, "csrf_token": token + "x"},
    ):
        response = client.post(path, data=data)
        assert response.status_code == 400, data.get("csrf_token")
        page = response.get_data(as_text=True)
        assert "did not come from this site" in page
    assert client.post(path, data={**fields, "csrf_token": token}).status_code != 400 or path in (
        "/open",
        "/population",
    )


def test_csrf_token_without_cookie_is_refused(app: Any) -> None:
    token = csrf(app.test_client())
    stranger = app.test_client()  # another browser: no cookie
    response = stranger.post("/", data={**example_values(), "csrf_token": token})
    assert response.status_code == 400


def test_csrf_tokens_are_signed() -> None:
    token = new_csrf_token(SECRET)
    assert csrf_token_valid(SECRET, token)
    assert not csrf_token_valid(b"other-secret-other-secret-other-secret", token)
    assert not csrf_token_valid(SECRET, token.replace(".", ""))
    assert not csrf_token_valid(SECRET, None)


def test_secret_from_the_environment_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_WEB_SECRET", "s" * 40)
    first, second = create_app().test_client(), create_app()
    token = csrf(first)
    # a second process with the same secret accepts the first one's cookie and token
    client = second.test_client()
    client.set_cookie(CSRF_COOKIE, token)
    assert client.post("/", data={**example_values(), "csrf_token": token}).status_code == 200
    monkeypatch.setenv("PATHWAYS_WEB_SECRET", "short")
    with pytest.raises(ValueError, match="at least 32"):
        create_app()


def test_a_forced_error_shows_no_traceback_and_logs_nothing_personal(
    app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    leak = "leaked SECRET-CASE-7 born 2009-01-10"

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError(leak)

    monkeypatch.setattr("roadmaps.web._app.render_html", broken)
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        response = post_form(client, example_values(person_id="SECRET-CASE-7"))
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    for leak in ("Traceback", "RuntimeError", "SECRET-CASE-7", "2009-01-10", "broken"):
        assert leak not in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "internal error RuntimeError on /" in logged  # where, for the developer
    assert "SECRET-CASE-7" not in logged and "2009-01-10" not in logged


def test_access_log_has_no_query_string_form_value_or_id(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(secret=SECRET, today=lambda: TODAY, access_log=True)
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        client.get("/?id=SECRET-CASE-9")
        post_form(client, example_values(person_id="SECRET-CASE-9"))
        client.get("/SECRET-CASE-9")
    lines = [r.getMessage() for r in caplog.records if r.name == "roadmaps.web.access"]
    assert "GET / 200" in lines[0]
    assert any(line.startswith("POST / 200") for line in lines)
    assert any(line.startswith("GET (no route) 404") for line in lines)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "SECRET-CASE-9" not in text and "2009" not in text and "?" not in text


def test_custom_404_and_405_pages(client: Any) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    wrong = client.get("/download/person")
    assert wrong.status_code == 405 and "cannot be used that way" in wrong.get_data(as_text=True)


def test_no_server_side_session() -> None:
    app = create_app(secret=SECRET)
    assert app.config.get("SECRET_KEY") is None  # flask.session cannot be used
    assert app.static_folder is None


# --- nothing written to disk ------------------------------------------------------------------------


class _WriteWatch:
    """Records files and folders this process creates or opens for writing, while active."""

    EVENTS = (
        "os.mkdir",
        "os.rename",
        "os.replace",
        "os.link",
        "os.symlink",
        "os.truncate",
        "tempfile.mkstemp",
        "tempfile.mkdtemp",
        "shutil.copyfile",
        "os.remove",
    )
    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def __init__(self) -> None:
        self.active = False
        self.seen: list[tuple[str, str]] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = (*args, None, None)[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & self.WRITE_FLAGS
            )
            if writing:
                self.seen.append((event, str(path)))
        elif event in self.EVENTS:
            self.seen.append((event, str(args[0]) if args else ""))


_WATCH = _WriteWatch()
sys.addaudithook(_WATCH)


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A fresh working directory and temporary directory (nothing else writes there)."""
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    assert tempfile.gettempdir() == str(tmp)
    yield cwd, tmp


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_nothing_is_written_to_disk_during_requests(
    app: Any, watched: tuple[Path, Path], population_files: dict[str, bytes]
) -> None:
    cwd, tmp = watched
    client = app.test_client()
    # a population file over 500 KB, the size at which Werkzeug would spool an upload to disk
    people = population_files["people"]
    header, _, rows = people.partition(b"\n")
    big_people = header + b"\n" + rows * (600_000 // len(rows) + 1)
    _WATCH.seen.clear()
    _WATCH.active = True
    try:
        responses = _every_route(client, population_files)
        responses.append(
            (
                "big population",
                _population_post(
                    client, {"people": big_people, "events": population_files["events"]}
                ),
            )
        )
        responses.append(
            (
                "person upload",
                post_files(
                    client,
                    "/open",
                    {
                        "csrf_token": csrf(client),
                        "person_file": (
                            io.BytesIO(EXAMPLE.read_bytes() + b"#" * 400_000),
                            "x.yaml",
                        ),
                    },
                ),
            )
        )
    finally:
        _WATCH.active = False
    assert responses[-2][1].status_code in (200, 422)
    assert _tree(cwd) == set()
    assert _tree(tmp) == set()
    assert _WATCH.seen == []


def test_the_real_server_keeps_big_requests_in_memory(
    watched: tuple[Path, Path], population_files: dict[str, bytes]
) -> None:
    """Waitress buffers bodies over 512 KB in temporary files unless told otherwise."""
    cwd, tmp = watched
    app = create_app(secret=SECRET, today=lambda: TODAY)
    server, thread = serve_in_thread(app, threads=2)
    try:
        port = server.effective_port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        boundary = "pathwaysboundary"
        people = population_files["people"]
        header, _, rows = people.partition(b"\n")
        big = header + b"\n" + rows * (1_500_000 // len(rows) + 1)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token.group(1)}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="area"\r\n\r\nengland\r\n',
            *(
                f'--{boundary}\r\nContent-Disposition: form-data; name="as_of-{k}"\r\n\r\n{v}\r\n'
                for k, v in (("day", "23"), ("month", "11"), ("year", "2026"))
            ),
        ]
        body = (
            "".join(parts).encode()
            + (
                f'--{boundary}\r\nContent-Disposition: form-data; name="people_file"; '
                f'filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + big
            + (f"\r\n--{boundary}--\r\n").encode()
        )
        _WATCH.seen.clear()
        _WATCH.active = True
        try:
            connection.request(
                "POST",
                "/population",
                body=body,
                headers={
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Cookie": cookie,
                },
            )
            response = connection.getresponse()
            report = response.read()
        finally:
            _WATCH.active = False
        assert response.status == 200
        assert b"population report" in report
        assert response.getheader("Server") is None
        connection.close()
    finally:
        stop_server(server, thread)
    assert _tree(cwd) == set() and _tree(tmp) == set()
    assert _WATCH.seen == []


# --- colours, packaging, the command ---------------------------------------------------------------


def test_palette_of_the_app_meets_wcag_aa() -> None:
    failures = [
        f"{p.name}: {pal.contrast_ratio(p.foreground, p.background):.2f} < {p.minimum}"
        for p in web_contrast_pairs()
        if pal.contrast_ratio(p.foreground, p.background) < p.minimum
    ]
    assert failures == []


def test_app_styles_use_only_checked_colours() -> None:
    allowed = pal.all_colours() | {FOCUS.lower()}
    used = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", APP_CSS + BAR_CSS)}
    assert used and used <= allowed, used - allowed
    checked = {c.lower() for p in web_contrast_pairs() for c in (p.foreground, p.background)}
    assert used <= checked | {pal.BACKGROUND}, used - checked


def test_web_extra_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    web = " ".join(extras["web"]).lower()
    assert "flask" in web and "jinja2" in web and "waitress" in web
    test = " ".join(extras["test"]).lower()
    assert "transition-pathways[web]" in test and "playwright" in test


def test_templates_are_inside_the_package() -> None:
    folder = ROOT / "roadmaps" / "web" / "templates"
    for name in (
        "base.html",
        "macros.html",
        "form.html",
        "open.html",
        "population.html",
        "error.html",
        "roadmap_bar.html",
        "population_bar.html",
    ):
        assert (folder / name).is_file(), name


def test_serve_command_is_registered_and_binds_to_loopback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["serve", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--host" in out and "127.0.0.1" in out and "--port" in out
    from roadmaps.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert "--workers" in out and (args.workers, args.threads) == (None, DEFAULT_THREADS)
    if hasattr(os, "sched_getaffinity"):
        assert default_workers() == len(os.sched_getaffinity(0))
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("example.org")


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--port", "70000"]) == 2
    assert "--port must be between 0 and 65535" in capsys.readouterr().err
    assert cli_main(["serve", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


# --- serving from worker processes ----------------------------------------------------------

needs_fork = pytest.mark.skipif(
    not hasattr(os, "fork") or not Path("/proc/self/fd").is_dir(),
    reason="worker processes need fork; the checks read /proc",
)


class _Serve:
    """``pathways serve --port 0`` in its own process group, as a council would run it."""

    def __init__(self, *options: str) -> None:
        command = "import sys; from roadmaps.cli import main; sys.exit(main())"
        self.process = subprocess.Popen(
            [sys.executable, "-c", command, "serve", "--port", "0", *options],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.announcement = self.lines.get(timeout=60)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.announcement)
        assert found is not None, self.announcement
        self.port = int(found.group(1))

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def workers(self, expected: int) -> list[int]:
        """The ids of the server's worker processes (from /proc), once all have started."""
        deadline = time.monotonic() + 30
        while True:
            children = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rpartition(")")[2].split()
                except OSError:  # the process has just ended
                    continue
                if int(fields[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
            if len(children) >= expected or time.monotonic() > deadline:
                return sorted(children)
            time.sleep(0.05)

    def stop(self, how: int = signal.SIGTERM, *, group: bool = False) -> int:
        if group:
            os.killpg(self.process.pid, how)
        else:
            self.process.send_signal(how)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        """Whatever happened in the test, leave no process and no open pipe behind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self.process.stderr is not None
        self.process.stderr.close()


def _sockets(pid: int) -> int:
    """How many sockets a process has open: its listening socket and its connections."""
    return sum(
        1 for fd in Path(f"/proc/{pid}/fd").iterdir() if os.readlink(fd).startswith("socket:")
    )


def _roadmap_body(token: str) -> str:
    return urllib.parse.urlencode({**example_values(), "csrf_token": token, "action": "generate"})


@needs_fork
def test_worker_processes_share_the_secret_and_the_connections() -> None:
    server = _Serve("--workers", "2", "--threads", "2")
    connections: list[http.client.HTTPConnection] = []
    try:
        assert "(2 worker processes;" in server.announcement
        workers = server.workers(2)
        assert len(workers) == 2
        connections = [
            http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(6)
        ]
        for connection in connections:
            started = time.monotonic()
            connection.request("GET", "/health")
            assert connection.getresponse().read() == b"ok\n"
            # Taken at once by the least busy worker, which need not wait to wake up.
            assert time.monotonic() - started < 0.5
        connections[0].request("GET", "/")
        response = connections[0].getresponse()
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        assert token is not None and cookie
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        for connection in connections:  # each connection stays with one worker
            connection.request("POST", "/", body=_roadmap_body(token.group(1)), headers=headers)
            response = connection.getresponse()
            assert response.status == 200, "a token made by one worker is good in every worker"
            assert b"Transition roadmap" in response.read()
        # Each new connection went to the worker with the fewest: 3 and 3, not 6 and 0.
        assert sorted(_sockets(pid) - 1 for pid in workers) == [3, 3]
        # A worker that dies takes the server down, for the service manager to restart.
        os.kill(workers[0], signal.SIGKILL)
        assert server.process.wait(timeout=30) == 1
        assert not Path(f"/proc/{workers[1]}").exists()
        assert any("a worker process stopped unexpectedly" in line for line in server.stderr)
    finally:
        for connection in connections:
            connection.close()
        server.kill()


@needs_fork
@pytest.mark.parametrize("group", [False, True], ids=["SIGTERM to the server", "Ctrl+C"])
def test_worker_processes_stop_cleanly(group: bool) -> None:
    server = _Serve("--workers", "2")
    try:
        workers = server.workers(2)
        assert len(workers) == 2
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/health")
        assert connection.getresponse().read() == b"ok\n"
        connection.close()
        assert server.stop(signal.SIGINT if group else signal.SIGTERM, group=group) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
        assert not any("Traceback" in line for line in server.stderr), server.stderr
    finally:
        server.kill()


def test_turns_give_each_connection_to_the_least_busy_worker() -> None:
    turns = _Turns(3)
    try:
        assert turns.my_turn(0, 0) and turns.my_turn(1, 0)
        assert not turns.my_turn(0, 1), "another worker has fewer"
        assert turns.my_turn(2, 0)
        turns.my_turn(1, 1)
        turns.my_turn(2, 1)
        assert turns.my_turn(0, 1), "all equal: everyone may accept"
        turns.nudge_others(0)
        assert os.read(turns.nudges(1), 16) == os.read(turns.nudges(2), 16) == b"\0"
        os.set_blocking(turns.nudges(0), False)
        with pytest.raises(BlockingIOError):
            os.read(turns.nudges(0), 16)  # no nudge to itself
    finally:
        turns.close()

"""The pages after the form (issue 7), with Flask's test client.

The roadmap page and its family version, saving and reopening a person file, the
downloads, and the colours of the app.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import (
    ADDITIONS_YAML,
    EXAMPLE,
    TODAY,
    carried,
    csrf,
    example_values,
    form_fields,
    post_files,
    post_form,
)

from cohorts import CEASE_REASONS, AreaMove, CareEpisode, Person, care_codes, load_person
from cohorts.testing import EVENT_TYPES, people
from roadmaps import generate_roadmap, render_json
from roadmaps.render import palette as pal
from roadmaps.render._html import render_html
from roadmaps.web._app import APP_CSS, BAR_CSS, FOCUS, web_contrast_pairs
from roadmaps.web._forms import PersonForm, person_file_text, read_person_file, validate_form

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
        refilled = form_fields(reopened.get_data(as_text=True), "/")
        # Each page has its own form token (it carries the time the page was made).
        assert refilled.pop("csrf_token") and {**refilled, "csrf_token": ""} == {
            **filled,
            "csrf_token": "",
        }
    yaml_text = client.post("/download/person", data={**fields, "format": "yaml"}).get_data(
        as_text=True
    )
    assert "date_of_birth: 2009-01-10\n" in yaml_text  # dates as people write them, not quoted
    assert client.post("/download/person", data={**fields, "format": "xml"}).status_code == 400


@pytest.mark.parametrize("appeal", ["decided", "pending"])
@pytest.mark.parametrize("opened_format", ["yaml", "json"])
def test_a_person_file_with_every_addition_round_trips_exactly(
    client: Any, opened_format: str, appeal: str
) -> None:
    """The EHC plan's next transfer and cessation, SSDA903 codes, leaving care, area, moves
    and recorded events survive open → save."""
    text = ADDITIONS_YAML
    if appeal == "pending":
        text = text.replace("  appeal_decided: 2025-10-20\n", "  appeal_pending: true\n")
    original = read_person_file("additions.yaml", text.encode())
    assert original.ehcp is not None and original.ehcp.appeal_pending == (appeal == "pending")
    content = person_file_text(original, opened_format).encode()
    token = csrf(client)
    name = f"additions.{opened_format}"
    opened = post_files(
        client, "/open", {"csrf_token": token, "person_file": (io.BytesIO(content), name)}
    )
    assert opened.status_code == 200
    filled = form_fields(opened.get_data(as_text=True), "/")
    assert filled["area"] == "leicester" and filled["record_area"] == "yes"
    assert (filled["episode-1-placement"], filled["episode-3-legal_status"]) == ("U4", "V3")
    assert filled["move-count"] == "2" and filled["move-2-area"] == "england"
    assert filled["adviser_requested_on-year"] == "2026"
    assert (filled["ehcp_next_transfer_kind"], filled["ehcp_next_transfer_date-day"]) == (
        "post-16-to-post-16",
        "2",
    )
    assert (filled["ehcp_ceased-month"], filled["ehcp_cease_reason"]) == ("9", "left-education")
    assert filled["ehcp_cease_notice-day"] == "16"
    if appeal == "pending":
        assert (filled["ehcp_appeal_pending"], filled["ehcp_appeal_decided-day"]) == ("yes", "")
    else:
        assert "ehcp_appeal_pending" not in filled and filled["ehcp_appeal_decided-day"] == "20"
    result = client.post("/", data={**filled, "action": "generate"})
    assert result.status_code == 200, re.findall(r'class="error-message">(.*?)</p>', result.text)
    fields = carried(result.get_data(as_text=True))
    assert fields["area"] == "leicester"
    for file_format in ("yaml", "json"):
        saved = client.post("/download/person", data={**fields, "format": file_format})
        assert saved.status_code == 200
        assert read_person_file(f"p.{file_format}", saved.data) == original
        if file_format == "yaml":  # dates written as YAML dates, as people write them
            assert b"  ceased: 2025-09-01\n" in saved.data
            assert b"  cease_notice: 2025-06-16\n" in saved.data
            assert b"    date: 2024-09-02\n" in saved.data
        reopened = post_files(
            client,
            "/open",
            {"csrf_token": token, "person_file": (io.BytesIO(saved.data), f"p.{file_format}")},
        )
        assert _without_token(form_fields(reopened.get_data(as_text=True), "/")) == _without_token(
            filled
        )
    # Change the details: the form comes back with every addition.
    edited = client.post("/edit", data=fields).get_data(as_text=True)
    assert _without_token(form_fields(edited, "/")) == _without_token(filled)


def _without_token(fields: dict[str, str]) -> dict[str, str]:
    """The form's values without its CSRF token, which carries the second the page was made."""
    return {k: v for k, v in fields.items() if k != "csrf_token"}


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
        {"person": '{"id": "x", "id": "y", "date_of_birth": "2009-01-01"}'},
        {"as_of": "2026-02-30"},
        {"area": "atlantis"},
        {"person": '{"id": "x", "date_of_birth": "2030-01-01"}'},
        {"person": '{"id": "x", "date_of_birth": "2009-01-01", "moves": [{"area": "leicester"}]}'},
    ],
)
def test_tampered_page_data_is_refused(client: Any, tamper: dict[str, str]) -> None:
    fields = carried(post_form(client, example_values()).get_data(as_text=True))
    for path in ("/roadmap", "/download/roadmap"):
        response = client.post(path, data={**fields, **tamper})
        assert response.status_code == 400
        assert "Traceback" not in response.get_data(as_text=True)


def test_page_data_nested_too_deeply_is_refused_not_a_server_error(client: Any) -> None:
    """json.loads raises RecursionError on "[[[[…": a 400 page, not a 500."""
    fields = carried(post_form(client, example_values()).get_data(as_text=True))
    for path in ("/roadmap", "/download/roadmap", "/download/person", "/edit"):
        response = client.post(path, data={**fields, "person": "[" * 5000})
        assert response.status_code == 400, path


def test_file_name_of_a_download_is_safe(client: Any) -> None:
    values = example_values(person_id='../../etc/"passwd" ä')
    fields = carried(post_form(client, values).get_data(as_text=True))
    response = client.post("/download/person", data={**fields, "format": "json"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="etc-passwd.json"'


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    person=people(),
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


@st.composite
def people_with_additions(draw: st.DrawFn) -> Person:
    """A synthetic young person with every optional addition of the person file as well."""
    person = draw(people())
    codes = care_codes()
    placements = sorted(codes.placement_kinds)
    reasons = sorted(codes.reason_kinds)
    episodes = tuple(
        CareEpisode(
            start=e.start,
            end=e.end,
            legal_status=draw(st.none() | st.sampled_from(sorted(codes.legal_status))),
            placement=draw(st.none() | st.sampled_from(placements)),
            reason_ended=None if e.end is None else draw(st.none() | st.sampled_from(reasons)),
        )
        for e in person.care_episodes
    )
    areas = st.sampled_from(["england", "leicester", "peterborough"])
    dates = st.dates(min_value=person.date_of_birth, max_value=date(2040, 12, 31))
    move_dates = draw(st.lists(dates, max_size=3, unique=True))
    names = ("education_or_training_until", "returned_to_education_on", "adviser_requested_on")
    some_dates = st.fixed_dictionaries({}, optional=dict.fromkeys(names, dates))
    leaving_care = draw(st.none() | some_dates.filter(bool))
    recorded = st.lists(st.sampled_from(EVENT_TYPES), max_size=4).map(tuple)
    ehcp = person.model_dump()["ehcp"]
    if ehcp is not None and not ehcp["appeal_pending"]:
        # people() leaves out a decided appeal, and a notice or reason with no cessation.
        ehcp["appeal_decided"] = draw(st.none() | dates)
        ehcp["cease_notice"] = ehcp["cease_notice"] or draw(st.none() | dates)
        ehcp["cease_reason"] = ehcp["cease_reason"] or draw(
            st.none() | st.sampled_from(CEASE_REASONS)
        )
    return Person.model_validate(
        person.model_dump()
        | {
            "ehcp": ehcp,
            "care_episodes": episodes,
            "leaving_care": leaving_care,
            "area": draw(st.none() | areas),
            "moves": tuple(AreaMove(date=on, area=draw(areas)) for on in sorted(move_dates)),
            "recorded_events": draw(st.none() | st.just("all") | recorded),
        }
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    person=people_with_additions(),
    as_of=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    area=st.sampled_from(["england", "leicester", "peterborough"]),
)
def test_form_keeps_every_addition_of_a_person_file(person: Person, as_of: date, area: str) -> None:
    """person → form → person is the identity with the additions too; the file's area is kept."""
    as_of = max(as_of, person.date_of_birth)
    form = PersonForm.from_person(person, as_of=as_of)
    assert form.area == (person.area or "england")
    checked = validate_form(PersonForm.read(form.values()), today=max(as_of, TODAY))
    assert checked.form.errors == ()
    assert checked.request is not None
    assert checked.request.person == person
    assert checked.request.area == (person.area or "england")
    for file_format in ("yaml", "json"):
        text = person_file_text(person, file_format)
        assert read_person_file(f"p.{file_format}", text.encode()) == person
    # The roadmap's area (from the page) wins over the file's, and is saved if the file had one.
    form = PersonForm.from_person(person, as_of=as_of, area=area)
    checked = validate_form(PersonForm.read(form.values()), today=max(as_of, TODAY))
    assert checked.request is not None
    assert checked.request.person.area == (area if person.area else None)


# --- colours ----------------------------------------------------------------------------------


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


def test_roadmap_bar_addresses_follow_the_address_the_app_is_served_under(client: Any) -> None:
    """Behind a proxy that mounts the app at /pathways (SCRIPT_NAME), the bar's actions
    point there; the same app reached at its root still points at the root."""
    values = {**example_values(), "csrf_token": csrf(client), "action": "generate"}
    for root in ("/pathways", "", "/other/place", ""):
        page = client.post("/", data=values, environ_overrides={"SCRIPT_NAME": root}).get_data(
            as_text=True
        )
        bar = page[page.index('<div class="web-bar"') : page.index("</form>")]
        actions = re.findall(r'(?:action|formaction|href)="([^"#]+)"', bar)
        assert sorted(set(actions)) == sorted(
            f"{root}{path}"
            for path in ("/roadmap", "/download/person", "/download/roadmap", "/edit", "/")
        ), root

"""Uploads to the web app (issue 7), with Flask's test client.

Opening a person file, the population report from CSV files, and the size limits that
answer 413 with a friendly page.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from web_helpers import SECRET, TODAY, _population_post, csrf, form_fields, post_files

from roadmaps.web._app import WebLimits, create_app

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
        (
            "person.json",
            b'{"id": ',
            "The selected file is not a usable person file: line 1: malformed JSON",
        ),
        (
            "person.json",
            b'{"id": "a", "id": "b"}',
            "The selected file is not a usable person file: duplicate key &#39;id&#39;",
        ),
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
        ("person.json", b"[" * 5000, "usable person file: nested more than"),
        ("person.yaml", b"[" * 5000, "The selected file is not a usable person file"),
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
    assert "has more than 50 lines" in page


def test_population_bad_date_and_area(client: Any, population_files: dict[str, bytes]) -> None:
    page = _population_post(
        client,
        {"people": population_files["people"]},
        area="x",
        **{"as_of-day": "31", "as_of-month": "2"},
    ).get_data(as_text=True)
    assert "Select the local area" in page and "Enter a real date of the report" in page

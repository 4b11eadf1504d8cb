"""Helpers shared by the web app's tests: paths, dates, a form reader and request helpers.

The fixtures are in ``conftest.py`` beside this module.
"""

from __future__ import annotations

import io
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from cohorts import load_person
from roadmaps.web._forms import PersonForm

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "people" / "yp-001-in-care-with-ehcp.yaml"
TODAY = date(2026, 11, 23)

#: A person file with every optional addition (test data; invented): the EHC plan's next phase
#: transfer and cessation (after an appeal decided), SSDA903 codes and plain kinds on the care
#: episodes, leaving care after 21, a starting area, a move and the event types the record's
#: source collects.
ADDITIONS_YAML = """\
id: yp-additions
date_of_birth: 2005-01-10
ehcp:
  issued: 2016-05-01
  setting: further-education
  setting_end: 2025-07-31
  next_transfer: {date: 2024-09-02, kind: post-16-to-post-16}
  ceased: 2025-09-01
  cease_reason: left-education
  cease_notice: 2025-06-16
  appeal_decided: 2025-10-20
care_episodes:
  - {start: 2019-10-01, end: 2020-03-01, legal_status: V2, placement: U4, reason_ended: X1}
  - {start: 2020-03-01, end: 2023-01-10, legal_status: C2, placement: foster, reason_ended: E17}
  - {start: 2023-02-01, end: 2023-02-08, legal_status: v3, placement: temporary}
care_needs_likely: true
events:
  - {type: pathway-plan, date: 2022-03-01}
leaving_care:
  education_or_training_until: 2027-07-31
  returned_to_education_on: 2026-02-02
  adviser_requested_on: 2026-09-01
area: leicester
moves:
  - {date: 2025-06-01, area: peterborough}
  - {date: 2026-04-01, area: england}
recorded_events: [pathway-plan, personal-adviser-appointed]
"""
SECRET = b"a-test-secret-that-is-long-enough-0123456789"


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

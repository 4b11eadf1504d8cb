"""The web app in a real browser: headless Chromium from Debian, driven by Playwright (issue 7).

The single-process server runs on a free loopback port in a background thread.
The browser fills the form for a young person in care with an EHC plan, finds
the roadmap's milestones and gaps on the page, downloads the person file,
enters an impossible date and sees the error next to the field, and checks
accessibility: every input has a label, the form can be used with the keyboard
alone (skip link, visible focus, every input and the submit button reached by
Tab, the error summary's links move the focus), and the colours meet WCAG 2.2 AA.

Playwright's own browser download is never used: it launches
``/usr/bin/chromium`` (``apt-get install -y chromium``). Without Chromium or the
``playwright`` package the tests are skipped on a workstation, but they fail
when the ``CI`` environment variable is set, so CI can never pass them
silently. Screenshots are kept in ``test-artifacts/`` (git-ignored).

Run this file as a script to remake the README picture ``docs/images/web-app.png``::

    python tests/roadmaps/web/test_web_browser.py
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cohorts import CareEpisode, EhcPlan, Event, Person
from roadmaps import generate_roadmap
from roadmaps.render import palette as pal
from roadmaps.web import serve_in_thread, stop_server
from roadmaps.web._app import FOCUS, create_app, web_contrast_pairs
from roadmaps.web._forms import read_person_file

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
README_PICTURE = ROOT / "docs" / "images" / "web-app.png"
TODAY = date(2026, 11, 23)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: The young person the browser types in: in care since 14, with an EHC plan.
PERSON = Person(
    id="yp-web-001",
    date_of_birth=date(2009, 1, 10),
    ehcp=EhcPlan(issued=date(2016, 5, 1), setting="further-education"),
    care_episodes=(CareEpisode(start=date(2023, 10, 1)),),
    care_needs_likely=True,
    continuing_care=False,
    events=(
        Event(type="ehcp-annual-review", date=date(2025, 3, 17)),
        Event(type="personal-adviser-appointed", date=date(2025, 2, 10)),
    ),
)


def _browser_missing() -> str | None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI must install it")
        pytest.skip(missing)
    server, thread = serve_in_thread(create_app(today=lambda: TODAY))
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        stop_server(server, thread)


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    try:
        yield page
    finally:
        context.close()
    # A Content-Security-Policy violation or a script error shows up on the console.
    serious = [p for p in problems if "Failed to load resource" not in p]
    assert serious == []


def _fill_date(page: Any, group: str, on: date) -> None:
    page.fill(f"#{group}-day", str(on.day))
    page.fill(f"#{group}-month", str(on.month))
    page.fill(f"#{group}-year", str(on.year))


def _fill_person(page: Any, base_url: str) -> None:
    """Type the young person into the form, as a practitioner would."""
    page.goto(base_url + "/")
    page.fill("#person_id", PERSON.id)
    _fill_date(page, "date_of_birth", PERSON.date_of_birth)
    page.check("#has_ehcp-yes")
    assert PERSON.ehcp is not None
    _fill_date(page, "ehcp_issued", PERSON.ehcp.issued)
    page.select_option("#ehcp_setting", PERSON.ehcp.setting)
    _fill_date(page, "episode-1-start", PERSON.care_episodes[0].start)
    for number, event in enumerate(PERSON.events, 1):
        page.select_option(f"#event-{number}-type", event.type)
        _fill_date(page, f"event-{number}-date", event.date)
    page.check("#care_needs_likely-yes")
    page.check("#continuing_care-no")
    assert page.input_value("#as_of-year") == str(TODAY.year)  # today, filled in already


def test_form_to_roadmap_with_milestones_and_gaps(page: Any, base_url: str, tmp_path: Path) -> None:
    _fill_person(page, base_url)
    page.click("#generate")
    page.wait_for_selector("text=Transition roadmap to 25")
    roadmap = generate_roadmap(PERSON, as_of=TODAY, area="england")
    assert {"age-18", "leaving-care-eligible", "transition-assessment"} <= {
        e.id for e in roadmap.entries
    }
    for entry in roadmap.entries:
        assert page.locator(f'time[datetime="{entry.date.isoformat()}"]').count() > 0, entry.id
    assert roadmap.gaps
    gaps_text = page.locator("#gaps").inner_text()
    for gap in roadmap.gaps:
        assert gap.title in gaps_text, gap.rule
    assert page.locator("svg.timeline").count() == 1
    # The script (allowed by nonce) shows the print button and hides the no-script hint.
    assert page.is_visible("button[data-print]")
    assert not page.is_visible("[data-print-hint]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-app-roadmap.png"), full_page=True)

    # Save the person file: a POST that carries the details back; the server kept nothing.
    with page.expect_download() as download_info:
        page.click("text=Download person file (YAML)")
    saved = tmp_path / "saved.yaml"
    download_info.value.save_as(saved)
    assert download_info.value.suggested_filename == "yp-web-001.yaml"
    assert read_person_file("saved.yaml", saved.read_bytes()) == PERSON

    page.click("text=Show the family version")
    page.wait_for_selector("text=Show the practitioner version")
    assert "Your roadmap" in page.title()


def test_impossible_date_shows_the_error_next_to_the_field(page: Any, base_url: str) -> None:
    _fill_person(page, base_url)
    page.fill("#date_of_birth-day", "30")
    page.fill("#date_of_birth-month", "2")
    page.click("#generate")
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Error: ")
    # The summary has the focus when the page opens, so a screen reader reads it first.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    message = page.locator("fieldset:has(#date_of_birth-day) #date_of_birth-error")
    assert message.count() == 1 and message.is_visible()
    assert " ".join(message.inner_text().split()) == "Error: Enter a real date of birth"
    # Next to the field: just above the day box, in the same column.
    box, day = message.bounding_box(), page.locator("#date_of_birth-day").bounding_box()
    assert 0 < day["y"] - (box["y"] + box["height"]) < 60 and abs(day["x"] - box["x"]) < 30
    # What was typed is kept.
    assert (page.input_value("#date_of_birth-day"), page.input_value("#date_of_birth-month")) == (
        "30",
        "2",
    )
    assert page.input_value("#person_id") == PERSON.id
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-app-error.png"))
    # The summary link moves the keyboard focus to the field.
    page.click(".error-summary >> text=Enter a real date of birth")
    assert page.evaluate("document.activeElement.id") == "date_of_birth-day"


_UNLABELLED = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden')
  .filter(el => el.labels.length === 0 || !el.labels[0].innerText.trim())
  .map(el => el.id || el.name)
"""

_DATES_WITHOUT_LEGEND = """
() => Array.from(document.querySelectorAll('input[id$="-day"]'))
  .filter(el => { const f = el.closest('fieldset'); const l = f && f.querySelector('legend');
                  return !l || !l.innerText.trim(); })
  .map(el => el.id)
"""

_FOCUSABLE_IN_FORM = """
() => Array.from(document.querySelectorAll(
    'form[action="/"] input:not([type=hidden]), form[action="/"] select, form[action="/"] button'))
  .filter(el => !el.disabled && !el.hidden && el.offsetParent !== null)
  .map(el => el.type === 'radio' ? 'radio:' + el.name : el.id || el.name + ':' + el.value)
"""

_ACTIVE = """
() => { const el = document.activeElement;
        return el.type === 'radio' ? 'radio:' + el.name : el.id || el.name + ':' + el.value; }
"""

_COLOURS = """
(selector) => {
  const el = document.querySelector(selector);
  let bg = null, node = el;
  while (node && node.nodeType === 1) {
    const c = getComputedStyle(node).backgroundColor;
    if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; }
    node = node.parentElement;
  }
  return [getComputedStyle(el).color, bg || 'rgb(255, 255, 255)'];
}
"""


def _hex(rgb: str) -> str:
    red, green, blue = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def _contrast(page: Any, selector: str) -> float:
    foreground, background = page.evaluate(_COLOURS, selector)
    return pal.contrast_ratio(_hex(foreground), _hex(background))


def test_accessibility_labels_keyboard_focus_and_contrast(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    # Every input has a label; every date has a fieldset with a legend.
    assert page.evaluate(_UNLABELLED) == []
    assert page.evaluate(_DATES_WITHOUT_LEGEND) == []

    # Keyboard alone: the first Tab reaches the skip link, which jumps to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    skip = page.evaluate(_COLOURS, ".skip-link:focus")
    assert _hex(skip[1]) == FOCUS  # the focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Tabbing on reaches every input (each radio group once) and the submit button.
    wanted = set(page.evaluate(_FOCUSABLE_IN_FORM))
    assert "generate" in wanted and "date_of_birth-day" in wanted and "radio:has_ehcp" in wanted
    reached: set[str] = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        reached.add(page.evaluate(_ACTIVE))
        if "generate" in reached:
            break
    assert wanted - reached == set()

    # A focused input and a focused button show the focus colour.
    page.focus("#person_id")
    assert _hex(page.evaluate("getComputedStyle(document.activeElement).outlineColor")) == FOCUS
    page.focus("#add-event")
    assert _hex(page.evaluate("getComputedStyle(document.activeElement).backgroundColor")) == FOCUS

    # The keyboard's Enter submits the form with "make the roadmap" (never "remove a row").
    page.focus("#person_id")
    page.keyboard.type("yp-keys")
    rows = page.locator("fieldset.row").count()
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert page.locator("fieldset.row").count() == rows
    assert page.input_value("#person_id") == "yp-keys"

    # Contrast: the app's palette (computed with the palette helpers) meets WCAG 2.2 AA ...
    for pair in (*web_contrast_pairs(), *pal.contrast_pairs()):
        assert pal.contrast_ratio(pair.foreground, pair.background) >= pair.minimum, pair.name
    # ... and so do the colours the browser actually drew.
    for selector in (
        "h1",
        ".label",
        ".hint",
        ".error-message",
        ".error-summary a",
        "#generate",
        ".button.secondary",
        ".site-header a",
        "legend",
    ):
        assert _contrast(page, selector) >= pal.AA_TEXT, selector


def test_added_move_row_and_episode_codes_are_labelled(page: Any, base_url: str) -> None:
    """The rows of the additions (moves, SSDA903 codes) keep the labels and legends."""
    page.goto(base_url + "/")
    page.click("#add-move")
    page.wait_for_selector("#move-1-date-day")
    assert page.evaluate("document.activeElement.id") == "move-1-date-day"
    assert page.evaluate(_UNLABELLED) == []
    assert page.evaluate(_DATES_WITHOUT_LEGEND) == []
    page.select_option("#episode-1-placement", "foster")
    page.select_option("#move-1-area", "leicester")
    page.click("#add-move")
    page.wait_for_selector("#move-2-date-day")
    assert page.input_value("#episode-1-placement") == "foster"
    assert page.input_value("#move-1-area") == "leicester"


def test_ehc_plan_cessation_and_next_transfer_round_trip(
    page: Any, base_url: str, tmp_path: Path
) -> None:
    """The EHC plan's next transfer and cessation: labelled, checked next to the field, saved."""
    assert PERSON.ehcp is not None
    plan = PERSON.ehcp.model_dump() | {
        "next_transfer": {"date": date(2027, 9, 1), "kind": "post-16-to-post-16"},
        "ceased": date(2026, 10, 1),
        "cease_reason": "left-education",
        "cease_notice": date(2026, 8, 17),
        "appeal_decided": date(2026, 9, 21),
    }
    person = PERSON.model_validate(PERSON.model_dump() | {"ehcp": plan})
    _fill_person(page, base_url)
    assert page.evaluate(_UNLABELLED) == []
    assert page.evaluate(_DATES_WITHOUT_LEGEND) == []
    _fill_date(page, "ehcp_next_transfer_date", date(2027, 9, 1))
    page.select_option("#ehcp_next_transfer_kind", "post-16-to-post-16")
    _fill_date(page, "ehcp_ceased", date(2026, 10, 1))
    page.select_option("#ehcp_cease_reason", "left-education")
    _fill_date(page, "ehcp_cease_notice", date(2026, 8, 17))
    page.check("#ehcp_appeal_pending")
    _fill_date(page, "ehcp_appeal_decided", date(2026, 9, 21))
    page.click("#generate")
    page.wait_for_selector(".error-summary")
    message = page.locator("fieldset:has(#ehcp_appeal_decided-day) #ehcp_appeal_decided-error")
    assert message.count() == 1 and message.is_visible()
    assert page.is_checked("#ehcp_appeal_pending")  # what was entered is kept
    assert page.input_value("#ehcp_cease_reason") == "left-education"
    page.click(".error-summary a[href='#ehcp_appeal_decided-day']")
    assert page.evaluate("document.activeElement.id") == "ehcp_appeal_decided-day"

    page.uncheck("#ehcp_appeal_pending")
    page.click("#generate")
    page.wait_for_selector("text=Transition roadmap to 25")
    assert page.locator('time[datetime="2026-10-01"]').count() > 0  # the plan ceased
    with page.expect_download() as download_info:
        page.click("text=Download person file (YAML)")
    saved = tmp_path / "saved.yaml"
    download_info.value.save_as(saved)
    assert read_person_file("saved.yaml", saved.read_bytes()) == person


def _readme_picture() -> None:  # pragma: no cover - run by hand
    """Remake docs/images/web-app.png: the top of a roadmap page in the app."""
    from playwright.sync_api import sync_playwright

    server, thread = serve_in_thread(create_app(today=lambda: TODAY))
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = chromium.new_page(viewport={"width": 1100, "height": 760})
            _fill_person(page, base)
            page.click("#generate")
            page.wait_for_selector("text=Transition roadmap to 25")
            README_PICTURE.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(README_PICTURE))
            chromium.close()
    finally:
        stop_server(server, thread)
    print(f"wrote {README_PICTURE} ({README_PICTURE.stat().st_size // 1024} KB)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_readme_picture())

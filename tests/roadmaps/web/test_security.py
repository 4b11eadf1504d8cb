"""The web app's defences (issue 7), with Flask's test client and the real server.

The security headers on every route; CSRF; no traceback on a forced error; nothing
personal in the logs; and nothing written to disk during a request (a watch on the
working directory and the temporary directory, plus an audit hook that sees every file
opened for writing by this process).
"""

from __future__ import annotations

import http.client
import io
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from web_helpers import (
    EXAMPLE,
    SECRET,
    TODAY,
    _population_post,
    carried,
    csrf,
    example_values,
    post_files,
    post_form,
)

from roadmaps.web import serve_in_thread, stop_server
from roadmaps.web._app import (
    CSRF_COOKIE,
    FORM_MAX_AGE,
    _style_attributes,
    create_app,
    csrf_token_valid,
    form_token_age,
    new_csrf_token,
)

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


_STYLE_PIECES = ['style="', " ", "\t", "\n", "\x1c", "\u2003", '"', "x", "&amp;", "data-", "=", ">"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_STYLE_PIECES), max_size=30).map("".join))
def test_style_attributes_are_those_a_regular_expression_finds(document: str) -> None:
    # adopt_page searches the page for its style attributes with str.find, several times
    # faster than this pattern: the same values, whatever the text around them.
    import html

    pattern = r'style="(?<=\sstyle=")([^"]*)"'
    assert _style_attributes(document) == {html.unescape(v) for v in re.findall(pattern, document)}


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


class _Clock:
    """A clock the test moves on by hand (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_page_expires_two_hours_after_it_was_made() -> None:
    """Issue 13: a form token never expired; now it carries the signed time of its page."""
    clock = _Clock()
    app = create_app(secret=SECRET, today=lambda: TODAY, clock=clock)
    client = app.test_client()
    token = csrf(client)
    clock.now += FORM_MAX_AGE  # two hours on: still good
    assert client.post("/", data={**example_values(), "csrf_token": token}).status_code == 200
    clock.now += 1
    response = client.post("/", data={**example_values(), "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<h1>This page has expired</h1>" in page
    assert "only be sent for 2 hours after the page was opened" in page
    assert "Nothing you entered was kept" in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "SECRET" not in page and "2009" not in page
    # The browser's cookie stays; a page opened now has a new token that works.
    fresh = csrf(client)
    assert fresh != token
    assert client.post("/", data={**example_values(), "csrf_token": fresh}).status_code == 200


def test_form_expiry_is_a_setting_and_tokens_cannot_be_backdated_or_moved() -> None:
    clock = _Clock()
    app = create_app(secret=SECRET, today=lambda: TODAY, clock=clock, form_max_age=30 * 60)
    client = app.test_client()
    token = csrf(client)
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None
    clock.now += 30 * 60 + 1
    page = client.post("/", data={**example_values(), "csrf_token": token}).get_data(as_text=True)
    assert "for 30 minutes after the page was opened" in page
    issued, mac = token.split(".")
    for forged in (f"{int(clock.now)}.{mac}", f"{issued}0.{mac}", f"²{issued[1:]}.{mac}"):
        response = client.post("/", data={**example_values(), "csrf_token": forged})
        assert response.status_code == 400
        assert "did not come from this site" in response.get_data(as_text=True), forged
    # The token is bound to this browser's cookie: another browser's cookie refuses it.
    other = app.test_client()
    csrf(other)
    other_cookie = other.get_cookie(CSRF_COOKIE)
    assert other_cookie is not None and other_cookie.value != cookie.value
    fresh = csrf(client)
    response = other.post("/", data={**example_values(), "csrf_token": fresh})
    assert response.status_code == 400
    assert form_token_age(SECRET, cookie.value, fresh, clock.now) == 0
    assert form_token_age(SECRET, other_cookie.value, fresh, clock.now) is None
    with pytest.raises(ValueError, match="at least 1 second"):
        create_app(secret=SECRET, form_max_age=0)


def test_secret_from_the_environment_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_WEB_SECRET", "s" * 40)
    first, second = create_app().test_client(), create_app()
    token = csrf(first)
    cookie = first.get_cookie(CSRF_COOKIE)
    assert cookie is not None
    # a second process with the same secret accepts the first one's cookie and token
    client = second.test_client()
    client.set_cookie(CSRF_COOKIE, cookie.value)
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


def _cr_only_people(population_files: dict[str, bytes], lines: int) -> bytes:
    """A people file with old Mac line breaks (``\r`` only): its header and one-cell rows.

    Each row has an id but too few columns: the population run still sorts it (to
    reject its episodes and events with it), which is what would spill to disk.
    """
    header = population_files["people"].split(b"\n")[0].rstrip(b"\r")
    rows = b"".join(b"p%d\r" % n for n in range(lines - 1))
    return header + b"\r" + rows


def test_a_cr_only_upload_over_the_line_cap_is_refused_and_nothing_is_written(
    app: Any, watched: tuple[Path, Path], population_files: dict[str, bytes]
) -> None:
    """Issue 13: the cap counted only ``\n``, so 150,000 ``\r`` rows passed and spilled to disk."""
    cwd, tmp = watched
    client = app.test_client()
    over = _cr_only_people(population_files, 150_000)
    at_cap = _cr_only_people(population_files, 100_000)
    assert over.count(b"\n") == 0 and len(over) < 4 * 1024 * 1024
    _WATCH.seen.clear()
    _WATCH.active = True
    try:
        refused = _population_post(client, {"people": over})
        accepted = _population_post(client, {"people": at_cap})
    finally:
        _WATCH.active = False
    assert refused.status_code == 422
    assert "has more than 100,000 lines" in refused.get_data(as_text=True)
    assert accepted.status_code == 200, "at the cap the run stays in memory"
    assert "Read 99999 rows: 0 used and 99999 rejected" in accepted.get_data(as_text=True)
    assert _tree(cwd) == set() and _tree(tmp) == set()
    assert _WATCH.seen == []


def test_the_real_server_keeps_big_requests_in_memory(
    watched: tuple[Path, Path], population_files: dict[str, bytes]
) -> None:
    """The single-process server (tests, Windows) hands big bodies to the app unspooled."""
    cwd, tmp = watched
    app = create_app(secret=SECRET, today=lambda: TODAY)
    server, thread = serve_in_thread(app)
    try:
        port = server.port
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

"""The practitioner's web app: enter a young person, see the roadmap, print it (issue 7).

``pathways serve`` runs :func:`create_app` with gunicorn, in one worker process
per processor core (``roadmaps/web/_serving.py``).
Pages are drawn on the server and work without JavaScript; the little script
there is (print button, focus moves, a "processing" notice) only enhances
them and runs under the Content-Security-Policy by nonce.

Routes (every ``POST`` carries a CSRF token):

===========================  ===================================================================
``GET  /``                   the person form, blank (as-of date today)
``POST /``                   add or remove a row, or check the form and show the roadmap
``POST /roadmap``            the roadmap again, for the other audience (practitioner/family)
``POST /edit``               back to the form, filled in, to change and regenerate
``POST /download/person``    the person file, YAML or JSON
``POST /download/roadmap``   the roadmap as JSON (``pathways roadmap --format json``)
``GET|POST /open``           open a saved person file into the form
``GET|POST /population``     strategy leads: three CSV files in, the population report out
``GET  /health``             ``ok``, for the reverse proxy's health check
===========================  ===================================================================

**Nothing is stored.** There is no database, no server-side session and no file:
a roadmap page carries the young person's details in hidden fields, and each
later action (switch audience, download, edit) posts them back and checks them
again. Uploads are read into memory (never spooled to a temporary file), and
the population CSVs are handed to the population run as in-memory files
(``memfd``; a temporary folder removed before the response on systems
without it). No form value is logged; the optional access log has the method,
the route and the status only. Sign-in belongs to the council's reverse proxy
(``docs/web-app.md``).

**One code path.** A roadmap here is :func:`roadmaps.generate_roadmap`, drawn by
:func:`roadmaps.render._html.render_html`, exactly as ``pathways roadmap --format html``.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import functools
import hashlib
import hmac
import html
import io
import logging
import os
import re
import secrets
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import IO, Any

from flask import Flask, Response, current_app, g, render_template, request, url_for
from flask import Request as FlaskRequest
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from cohorts import available_areas
from pathways import PathwaysError
from roadmaps import generate_roadmap
from roadmaps.render import palette as pal
from roadmaps.render import render_html, render_json
from roadmaps.rule_ids import DEFAULT_AREA

from ._forms import (
    CEASE_REASON_LABELS,
    PHASE_TRANSFER_LABELS,
    PRIMARY_NEED_SUGGESTIONS,
    SETTING_LABELS,
    Choices,
    DateInput,
    FieldChecker,
    FieldError,
    PersonFileError,
    PersonForm,
    RoadmapRequest,
    apply_row_action,
    carried_fields,
    carried_request,
    download_name,
    form_choices,
    person_file_text,
    read_person_file,
    validate_form,
)

LOG = logging.getLogger("roadmaps.web")
ACCESS_LOG = logging.getLogger("roadmaps.web.access")

#: The environment variable with the CSRF signing secret (share it between processes).
SECRET_ENV = "PATHWAYS_WEB_SECRET"
CSRF_COOKIE = "pathways_csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True, slots=True)
class WebLimits:
    """Size limits of requests (bytes) and uploads.

    Attributes:
        form: any request but the population upload: the person form, a person
            file, a result page's actions.
        population: the three population CSV files together.
        population_rows: most lines in any one population CSV, its header
            included, whichever line breaks it uses (:func:`count_lines`: a
            lone carriage return ends a CSV row too). A row takes at least one
            line, so a file has fewer rows than this. The population reader
            sorts up to 100,000 rows of a file in memory and would spill more
            to temporary files, which the web app must never write: the
            default stays below that.
    """

    form: int = 512 * 1024
    population: int = 4 * 1024 * 1024
    population_rows: int = 100_000


# --- colours and styles -----------------------------------------------------------------

#: The keyboard focus colour (with a dark underline, the GOV.UK focus style).
FOCUS = "#ffdd00"
ERROR = pal.STATUS_COLOURS["overdue"]
LINK = pal.STATUS_COLOURS["upcoming"]
BUTTON = pal.STATUS_COLOURS["done"]


def web_contrast_pairs() -> tuple[pal.ContrastPair, ...]:
    """Every foreground/background pair the app's own pages draw, with its WCAG 2.2 AA minimum.

    The roadmap and population pages have their own checked palettes; these are the
    form, the error messages, the buttons, the links and the focus style.
    """
    text, graphic = pal.AA_TEXT, pal.AA_GRAPHIC
    pairs = [
        ("text", pal.TEXT, pal.BACKGROUND, text),
        ("hint text", pal.TEXT_MUTED, pal.BACKGROUND, text),
        ("error text", ERROR, pal.BACKGROUND, text),
        ("link", LINK, pal.BACKGROUND, text),
        ("link on header", LINK, pal.SURFACE, text),
        ("text on header", pal.TEXT, pal.SURFACE, text),
        ("hint text on row panel", pal.TEXT_MUTED, pal.SURFACE, text),
        ("primary button text", pal.ON_COLOUR, BUTTON, text),
        ("secondary button text", pal.TEXT, pal.SURFACE, text),
        ("focused text", pal.TEXT, FOCUS, text),
        ("focused link", pal.TEXT, FOCUS, text),
        ("input border", pal.TEXT, pal.BACKGROUND, graphic),
        ("error border", ERROR, pal.BACKGROUND, graphic),
        ("secondary button edge", pal.BORDER, pal.BACKGROUND, graphic),
        ("focus underline on background", pal.TEXT, pal.BACKGROUND, graphic),
        ("focus underline on focus colour", pal.TEXT, FOCUS, graphic),
        ("primary button on background", BUTTON, pal.BACKGROUND, graphic),
        ("row panel edge", pal.BORDER, pal.SURFACE, graphic),
    ]
    return tuple(pal.ContrastPair(name, fg, bg, minimum) for name, fg, bg, minimum in pairs)


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; color: TEXT; background: BACKGROUND;
  font: 19px/1.4 'Liberation Sans', Arial, Helvetica, sans-serif; }
.width { max-width: 960px; margin: 0 auto; padding: 0 20px; }
a { color: LINK; text-decoration-thickness: max(1px, .0625rem); text-underline-offset: .15em; }
a:hover { text-decoration-thickness: max(3px, .1875rem); }
:focus { outline: 3px solid transparent; }
a:focus-visible, .skip-link:focus { outline: 3px solid transparent; color: TEXT; background: FOCUS;
  box-shadow: 0 -2px FOCUS, 0 4px TEXT; text-decoration: none; }
input:focus-visible, select:focus-visible, button:focus-visible, main:focus-visible,
.error-summary:focus { outline: 3px solid FOCUS; outline-offset: 0; box-shadow: inset 0 0 0 2px TEXT; }
input[type=radio]:focus-visible { outline: 3px solid TEXT; box-shadow: 0 0 0 6px FOCUS; }
.error-summary:focus { box-shadow: none; outline: 3px solid FOCUS; }
main:focus { outline: none; }
.skip-link { position: absolute; left: -9999px; top: 0; padding: 10px 15px; }
.skip-link:focus { position: static; display: inline-block; margin: 4px 0; }
.visually-hidden { position: absolute !important; width: 1px !important; height: 1px !important;
  margin: 0 !important; padding: 0 !important; overflow: hidden !important;
  clip: rect(0 0 0 0) !important; clip-path: inset(50%) !important; border: 0 !important;
  white-space: nowrap !important; }
.site-header { background: SURFACE; border-bottom: 4px solid LINK; margin-bottom: 30px; }
.site-header .width { display: flex; flex-wrap: wrap; align-items: baseline; gap: 10px 30px;
  padding-top: 12px; padding-bottom: 12px; }
.site-name { font-weight: bold; font-size: 1.2rem; color: TEXT; text-decoration: none; }
.site-header ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 6px 20px; font-size: .9em; }
.site-footer { margin-top: 50px; padding-top: 15px; padding-bottom: 30px;
  border-top: 1px solid BORDER; font-size: .85rem; color: MUTED; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 20px; }
h2 { font-size: 1.45rem; margin: 45px 0 15px; }
p { margin: 0 0 15px; }
.lead { font-size: 1.15em; }
.hint { display: block; color: MUTED; margin: 0 0 10px; }
.form-group { margin-bottom: 25px; }
.form-group-error { border-left: 5px solid ERROR; padding-left: 15px; }
.label, legend { display: block; font-weight: bold; margin-bottom: 5px; }
legend { padding: 0; max-width: 100%; }
legend.heading { font-size: 1.45rem; margin-bottom: 15px; }
fieldset { margin: 0; padding: 0; border: 0; min-width: 0; }
input[type=text], select { font: inherit; font-size: 1em; border: 2px solid TEXT;
  border-radius: 0; background: BACKGROUND; color: TEXT; height: 2.2em; padding: 4px 6px;
  max-width: 100%; }
input[type=text] { width: 100%; }
input[type=file] { font: inherit; font-size: 1em; max-width: 100%; padding: 4px 0; }
input.error, select.error { border-color: ERROR; border-width: 4px; }
input.width-2 { width: 3.6em; }
input.width-4 { width: 5.4em; }
input.width-20 { max-width: 24em; }
input.width-10 { max-width: 12em; }
select { min-width: 14em; }
.date-input { display: flex; flex-wrap: wrap; gap: 0 20px; }
.date-input .item { margin-bottom: 0; }
.date-input label { display: block; font-weight: normal; margin-bottom: 4px; }
.radios { display: flex; gap: 10px 30px; flex-wrap: wrap; }
.radios .item { display: flex; align-items: center; gap: 8px; }
.radios input { width: 1.6em; height: 1.6em; margin: 0; accent-color: TEXT; }
.error-message { display: block; color: ERROR; font-weight: bold; margin: 0 0 10px; }
.error-summary { border: 5px solid ERROR; padding: 15px 20px; margin-bottom: 30px; }
.error-summary h2 { margin: 0 0 15px; font-size: 1.45rem; }
.error-summary ul { margin: 0; padding: 0; list-style: none; }
.error-summary li { margin-bottom: 5px; }
.error-summary a { color: ERROR; font-weight: bold; }
.error-summary a:focus-visible { color: TEXT; }
.notice { border-left: 5px solid LINK; padding: 10px 15px; background: SURFACE; }
.row { border: 1px solid BORDER; background: SURFACE; padding: 15px 15px 0; margin-bottom: 15px; }
.row legend.row-title { font-size: 1.1rem; float: left; width: 100%; margin-bottom: 10px; }
.row-fields { clear: both; display: flex; flex-wrap: wrap; align-items: flex-start; gap: 0 40px; }
.row-fields .form-group { margin-bottom: 15px; }
.row .button { margin-bottom: 15px; }
.row select { max-width: 20em; }
.row .hint { color: MUTED; }
.button { font: inherit; font-size: 1em; line-height: 1.2; display: inline-block;
  padding: 9px 14px 7px; margin: 0 10px 15px 0; border: 2px solid transparent; border-radius: 0;
  color: ON_COLOUR; background: BUTTON; box-shadow: 0 2px 0 TEXT; cursor: pointer;
  text-decoration: none; }
.button.secondary { color: TEXT; background: SURFACE; border-color: BORDER; }
.button:focus-visible { outline: 3px solid transparent; color: TEXT; background: FOCUS;
  border-color: FOCUS; box-shadow: 0 2px 0 TEXT; }
.button-group { display: flex; flex-wrap: wrap; align-items: center; margin-top: 10px; }
.processing[hidden] { display: none; }
.processing { font-weight: bold; }
dl.summary { margin: 0 0 20px; }
dl.summary div { display: flex; gap: 10px; }
dl.summary dt { font-weight: bold; min-width: 10em; }
dl.summary dd { margin: 0; }
@media print { .site-header, .site-footer, .skip-link, .button { display: none; } }
"""

# Styles of the bar added above the roadmap and population pages (their own CSS styles the rest).
_BAR_CSS = """
.web-skip { position: absolute; left: -9999px; top: 0; padding: 8px 12px; }
.web-skip:focus { position: static; display: inline-block; background: FOCUS; color: TEXT;
  outline: 3px solid transparent; box-shadow: 0 4px TEXT; }
.web-bar { border: 1px solid BORDER; background: SURFACE; padding: 10px 12px 2px; margin: 0 0 18px;
  font: 15px/1.4 'Liberation Sans', Arial, Helvetica, sans-serif; color: TEXT; }
.web-bar p { margin: 0 0 8px; }
.web-bar form { display: flex; flex-wrap: wrap; align-items: center; gap: 0 8px; margin: 0; }
.web-bar .web-button { font: inherit; padding: 6px 10px 5px; margin: 0 0 8px; cursor: pointer;
  border: 2px solid BORDER; border-radius: 0; background: BACKGROUND; color: TEXT; }
.web-bar .web-button.primary { background: BUTTON; border-color: BUTTON; color: ON_COLOUR; }
.web-bar a { color: LINK; margin: 0 8px 8px 0; }
.web-bar .web-button:focus-visible, .web-bar a:focus-visible { outline: 3px solid transparent;
  background: FOCUS; color: TEXT; border-color: FOCUS; box-shadow: 0 3px 0 TEXT; }
main:focus { outline: none; }
@media print { .web-bar, .web-skip { display: none; } }
"""


def _fill(css: str) -> str:
    colours = {
        "BACKGROUND": pal.BACKGROUND,
        "TEXT": pal.TEXT,
        "MUTED": pal.TEXT_MUTED,
        "SURFACE": pal.SURFACE,
        "BORDER": pal.BORDER,
        "ON_COLOUR": pal.ON_COLOUR,
        "FOCUS": FOCUS,
        "ERROR": ERROR,
        "LINK": LINK,
        "BUTTON": BUTTON,
    }
    return re.sub(r"\b(" + "|".join(colours) + r")\b", lambda m: colours[m.group(1)], css).strip()


APP_CSS = _fill(_CSS)
BAR_CSS = _fill(_BAR_CSS)

# The only script: it enhances pages that work without it.
APP_SCRIPT = """
(function () {
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () { window.print(); });
  });
  document.querySelectorAll('[data-print-hint]').forEach(function (hint) { hint.hidden = true; });
  document.querySelectorAll('.error-summary a[href^="#"]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      var input = document.getElementById(link.getAttribute('href').slice(1));
      if (!input) { return; }
      event.preventDefault();
      var group = input.closest('fieldset') || input.closest('.form-group');
      (group || input).scrollIntoView();
      input.focus({preventScroll: true});
    });
  });
  document.querySelectorAll('form[data-processing]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var notice = document.getElementById(form.getAttribute('data-processing'));
      if (notice) { notice.hidden = false; }
      form.querySelectorAll('button[type=submit]').forEach(function (b) {
        b.setAttribute('aria-disabled', 'true');
        b.addEventListener('click', function (e) { e.preventDefault(); });
      });
    });
  });
})();
""".strip()


# --- requests kept in memory --------------------------------------------------------------


class _MemoryRequest(FlaskRequest):
    """A request whose uploaded files stay in memory (Werkzeug spools big ones to disk)."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


@contextlib.contextmanager
def memory_files(contents: Mapping[str, bytes]) -> Iterator[dict[str, Path]]:
    """Paths to the given bytes that only exist in memory, for code that opens files by name.

    On Linux each file is a ``memfd`` (anonymous memory) reached at
    ``/proc/self/fd/N``; elsewhere a temporary folder, removed when the block ends.
    """
    if hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir():
        fds: list[int] = []
        try:
            paths: dict[str, Path] = {}
            for name, data in contents.items():
                fd = os.memfd_create(f"pathways-{name}", os.MFD_CLOEXEC)
                fds.append(fd)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                paths[name] = Path(f"/proc/self/fd/{fd}")
            yield paths
        finally:
            for fd in fds:
                os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="pathways-web-") as folder:  # pragma: no cover
        paths = {}
        for name, data in contents.items():
            path = Path(folder) / f"{name}.csv"
            path.write_bytes(data)
            paths[name] = path
        yield paths


# --- CSRF: a signed double-submit token with a time -----------------------------------

#: How long the forms of a page can be sent, in seconds from when the page was made: the
#: default of :func:`create_app`'s ``form_max_age`` (``pathways serve --form-expiry``).
FORM_MAX_AGE = 2 * 60 * 60
#: How far a page's time may be ahead of this server's clock (another server's clock).
_CLOCK_SKEW = 60


class CsrfError(BadRequest):
    title = "Sorry, there is a problem with the page"
    description = (
        "This form could not be accepted because it was out of date or did not come from "
        "this site. Go back, reload the page and try again."
    )


class FormExpired(CsrfError):
    title = "This page has expired"
    description = (
        "For your security, the forms of a page can only be sent for {hours} after the "
        "page was opened. Nothing you entered was kept. Start again from the form, or open "
        "the person file you saved."
    )


def _sign(secret: bytes, message: str) -> str:
    mac = hmac.new(secret, message.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def new_csrf_token(secret: bytes) -> str:
    """The cookie's token: a random value with its HMAC (it lives until the browser closes)."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_sign(secret, nonce)}"


def csrf_token_valid(secret: bytes, token: str | None) -> bool:
    """Whether a cookie's token was made by this app (with this secret)."""
    if not token or token.count(".") != 1 or not token.isascii():
        return False
    nonce, mac = token.split(".")
    return hmac.compare_digest(_sign(secret, nonce), mac)


def new_form_token(secret: bytes, cookie: str, now: float) -> str:
    """The hidden field's token of a page made at ``now`` (seconds since the epoch).

    The time, signed together with the browser's cookie token: a page's forms
    can only be sent from the browser that opened it, and only for a while.
    """
    issued = str(int(now))
    return f"{issued}.{_sign(secret, f'{issued}.{cookie}')}"


def form_token_age(secret: bytes, cookie: str | None, sent: str | None, now: float) -> float | None:
    """Seconds since the page that sent ``sent`` was made; None if it is not ``cookie``'s token."""
    if not cookie or not sent or sent.count(".") != 1 or not sent.isascii():
        return None
    issued, mac = sent.split(".")
    if not issued.isdigit() or len(issued) > 12:
        return None
    if not hmac.compare_digest(_sign(secret, f"{issued}.{cookie}"), mac):
        return None
    return now - int(issued)


# --- the app ------------------------------------------------------------------------------


def _secret_from_environment() -> bytes:
    configured = os.environ.get(SECRET_ENV, "")
    if configured:
        if len(configured) < 32:
            raise ValueError(f"{SECRET_ENV} must be at least 32 characters")
        return configured.encode("utf-8")
    return secrets.token_bytes(32)  # one per process: tokens die with it, nothing to keep


def create_app(
    *,
    secret: bytes | None = None,
    today: Callable[[], date] = date.today,
    limits: WebLimits = WebLimits(),
    access_log: bool = False,
    form_max_age: int = FORM_MAX_AGE,
    clock: Callable[[], float] = time.time,
    pages_at_once: int = 1,
) -> Flask:
    """The web app (a Flask app; ``pathways serve`` serves it with gunicorn).

    Args:
        secret: the key that signs CSRF tokens; default ``$PATHWAYS_WEB_SECRET``,
            or random for this process.
        today: the date a new form starts with and dates of birth are checked against.
        limits: request and upload size limits.
        access_log: log one line per request (method, route, status, time) on
            the ``roadmaps.web.access`` logger. Never a query string, form value or id.
        form_max_age: seconds for which a page's forms can be sent after the
            page was made; later, "This page has expired".
        clock: the time now, in seconds since the epoch (for the forms' age).
        pages_at_once: requests a worker process works on at once, once each
            has been read in full; the others wait their turn, first come first
            served. Python runs one thread of a process at a time: threads that
            take turns at it draw no more pages, make each page slower and make
            the waits uneven. Sending a page to a slow client, and reading a
            request from one, happen outside this limit; so does a population
            upload's run, which is long.
    """
    if form_max_age < 1:
        raise ValueError(f"form_max_age must be at least 1 second (got {form_max_age})")
    if pages_at_once < 1:
        raise ValueError(f"pages_at_once must be at least 1 (got {pages_at_once})")
    app = Flask(__name__.rpartition(".")[0], static_folder=None)
    app.request_class = _MemoryRequest
    app.config.update(
        MAX_CONTENT_LENGTH=max(limits.form, limits.population),
        MAX_FORM_MEMORY_SIZE=limits.form,
        MAX_FORM_PARTS=1500,
        TRAP_BAD_REQUEST_ERRORS=False,
        PROPAGATE_EXCEPTIONS=False,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    signing_key = secret if secret is not None else _secret_from_environment()
    areas = available_areas()
    choices = form_choices()
    app.log_exception = _quiet_log_exception  # type: ignore[method-assign]

    forms = _FormTokens(signing_key, form_max_age, clock)
    _register_security(app, forms, limits, access_log)
    _register_turns(app, pages_at_once)
    _register_form_check(app, forms)
    _register_template_globals(app, forms, limits, choices)
    _register_error_pages(app, limits, form_max_age)
    _register_person_routes(app, today, choices)
    _register_roadmap_routes(app, areas)
    _register_open_routes(app, today, limits)
    _register_population_routes(app, today, limits)
    _register_service_routes(app)
    return app


def _quiet_log_exception(exc_info: Any) -> None:
    """Log where a bug happened, never its message (it could hold a young person's details)."""
    kind, _, tb = exc_info
    frames = "".join(traceback.format_tb(tb)[-6:])
    LOG.error("internal error %s on %s\n%s", getattr(kind, "__name__", kind), _route(), frames)


@dataclass(frozen=True, slots=True)
class _FormTokens:
    """The app's CSRF secret, how long a page's forms last, and the clock."""

    secret: bytes
    max_age: int
    clock: Callable[[], float]

    def check(self, cookie: str | None, sent: str | None) -> None:
        """Raise :class:`CsrfError`, or :class:`FormExpired`, unless ``sent`` may be accepted."""
        age = form_token_age(self.secret, cookie, sent, self.clock())
        if age is None or age < -_CLOCK_SKEW:
            raise CsrfError()
        if age > self.max_age:
            raise FormExpired()


def _register_security(app: Flask, forms: _FormTokens, limits: WebLimits, access_log: bool) -> None:
    """Check each request's size limit and CSRF token; give each response its security headers.

    Every request gets a fresh nonce for its page's style and script; a response sets the
    CSRF cookie when its page minted a new token, and is logged if ``access_log``.
    """

    @app.before_request
    def start() -> None:
        g.started = time.perf_counter()
        g.nonce = secrets.token_urlsafe(18)
        g.style_hashes = ()
        cookie = request.cookies.get(CSRF_COOKIE)
        g.csrf_token = cookie if csrf_token_valid(forms.secret, cookie) else None
        request.max_content_length = (
            limits.population if request.endpoint == "population" else limits.form
        )
        if request.method == "POST" and request.endpoint not in _OUTSIDE_TURNS:
            # The body, read now as it is (the size limit applies as it is read) and parsed
            # once the request has its turn (_register_turns): a client slow to send it
            # holds no turn, and the turn covers the parsing.
            _read_body()

    @app.after_request
    def secure(response: Response) -> Response:
        nonce = g.get("nonce") or secrets.token_urlsafe(18)
        hashes = "".join(f" '{h}'" for h in g.get("style_hashes", ()))
        style = f"style-src 'self' 'nonce-{nonce}'" + (
            f" 'unsafe-hashes'{hashes}" if hashes else ""
        )
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; {style}; script-src 'nonce-{nonce}'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = (
            "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        if g.get("set_csrf_cookie"):
            response.set_cookie(
                CSRF_COOKIE,
                str(g.csrf_token),
                httponly=True,
                samesite="Strict",
                secure=request.is_secure,
                path="/",
            )
        if access_log:
            elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
            ACCESS_LOG.info(
                "%s %s %d %.0fms", request.method, _route(), response.status_code, elapsed
            )
        return response


def _read_body() -> None:
    """Read the request's body into memory, refused (413) past its size limit.

    Werkzeug refuses a body with a declared length over the limit before reading it;
    one sent in chunks is read up to the limit, and reading on past it is refused
    there, as Werkzeug's form parser does (``get_data`` alone stops at the limit).
    """
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit:
        request.stream.read(1)


def _register_form_check(app: Flask, forms: _FormTokens) -> None:
    """Check a form's CSRF token (after ``_register_turns``: parsing the form is work)."""

    @app.before_request
    def check_form() -> None:
        if request.method == "POST":
            # Reading the form reads the body if it is not read yet (the population
            # upload's): the size limits apply here.
            forms.check(g.csrf_token, request.form.get(CSRF_FIELD))


def _register_turns(app: Flask, pages_at_once: int) -> None:
    """Let ``pages_at_once`` requests of this process be worked on at once (``create_app``).

    A request takes its turn once it has been read in full (``start`` reads the
    body) and before anything is made of it (the form parsed, its CSRF token
    checked), and gives it back when Flask is done with it, before the server
    sends the page.
    """
    turns = _Turns(pages_at_once)
    app.extensions[_TURNS] = turns

    @app.before_request
    def take_turn() -> None:
        if request.endpoint not in _OUTSIDE_TURNS:
            turns.take()
            g.has_turn = True

    @app.teardown_request
    def give_back_turn(_error: BaseException | None) -> None:
        if g.pop("has_turn", False):
            turns.give()


class _Turns:
    """At most ``n`` holders at once, served strictly in the order they asked.

    (A :class:`threading.Semaphore` lets a newcomer take a free place before a
    thread that was waiting for it wakes up: some requests then wait far longer
    than others.) A turn given back goes straight to the longest waiter.
    """

    def __init__(self, n: int) -> None:
        self._lock = threading.Lock()
        self._n = n
        self._free = n
        self._waiting: collections.deque[threading.Lock] = collections.deque()
        #: Called when a request has its turn, before its work (:func:`use_event_loop`):
        #: under an event loop, the requests that have arrived meanwhile are read and
        #: queue behind it.
        self.on_turn: Callable[[], object] | None = None
        #: Called when the last turn is given back with nobody waiting (:func:`use_event_loop`).
        self.on_idle: Callable[[], object] | None = None

    def busy(self) -> bool:
        """Whether a request holds a turn or waits for one."""
        return self._free < self._n or bool(self._waiting)

    def take(self) -> None:
        with self._lock:
            ticket = None
            if self._free:
                self._free -= 1
            else:
                ticket = threading.Lock()
                ticket.acquire()
                self._waiting.append(ticket)
        if ticket is not None:
            ticket.acquire()  # until give() hands this waiter the turn
        if self.on_turn is not None:  # (outside the lock: it may switch to another greenlet)
            self.on_turn()

    def give(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
                return
            self._free += 1
            idle = self._free == self._n
        if idle and self.on_idle is not None:
            self.on_idle()


#: Endpoints that do not wait for a turn: the population upload's run takes seconds,
#: and would hold up every page behind it; the health check is for monitors.
_OUTSIDE_TURNS = frozenset({"population", "health"})

#: ``app.extensions`` keys: the app's turns, and how it runs long work (``use_event_loop``).
_TURNS = "pathways.turns"
_RUN_BLOCKING = "pathways.run_blocking"


def use_event_loop(
    app: Flask,
    *,
    let_others_queue: Callable[[], object],
    run_blocking: Callable[[Callable[[], Any]], Any],
    when_idle: Callable[[], object] | None = None,
) -> Callable[[], bool]:
    """Fit the app to a server that serves every connection from one thread (gevent).

    There, a request runs until it waits for the network, and the requests that
    arrive meanwhile are read only when it does: one whose next request was
    already in would take a free turn again and again ahead of them. So a request
    given its turn first calls ``let_others_queue`` (wait until every request
    already sent has been read and queued behind it), and each turn goes to the
    longest waiter. (Waiting before joining the queue instead put every request
    that came during a run of turns into the queue at once at its end, in no
    order: in a load test some pages then took 0.3 and others 1.8 times the
    usual wait.) A population upload's run, which takes seconds of processor
    time, goes to ``run_blocking`` (a real thread), so that the worker's other
    pages go on meanwhile. ``when_idle`` is called when the last turn is given
    back with no request waiting.

    Returns:
        a function that says whether a request holds a turn or waits for one.
    """
    turns = app.extensions.get(_TURNS)
    app.extensions[_RUN_BLOCKING] = run_blocking
    if not isinstance(turns, _Turns):
        return lambda: False
    turns.on_turn = let_others_queue
    turns.on_idle = when_idle
    return turns.busy


def _run_blocking(work: Callable[[], Any]) -> Any:
    """Run long work: here, or where :func:`use_event_loop` says."""
    run: Callable[[Callable[[], Any]], Any] = current_app.extensions.get(
        _RUN_BLOCKING, lambda job: job()
    )
    return run(work)


def _register_template_globals(
    app: Flask, forms: _FormTokens, limits: WebLimits, choices: Choices
) -> None:
    """What every template can use: the nonce, the CSRF token, the styles, script and choices."""

    def csrf_token() -> str:
        """The page's form token (and a new cookie token if the browser has none)."""
        if g.get("csrf_token") is None:
            g.csrf_token = new_csrf_token(forms.secret)
            g.set_csrf_cookie = True
        if g.get("form_token") is None:
            g.form_token = new_form_token(forms.secret, str(g.csrf_token), forms.clock())
        return str(g.form_token)

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {
            "nonce": g.get("nonce", ""),
            "csrf_token": csrf_token,
            "csrf_field": CSRF_FIELD,
            "app_css": APP_CSS,
            "app_script": APP_SCRIPT,
            "choices": choices,
            "setting_labels": SETTING_LABELS,
            "phase_transfer_labels": PHASE_TRANSFER_LABELS,
            "cease_reason_labels": CEASE_REASON_LABELS,
            "primary_needs": PRIMARY_NEED_SUGGESTIONS,
            "limits": limits,
        }


def _register_error_pages(app: Flask, limits: WebLimits, form_max_age: int) -> None:
    """Error pages: no traceback, no detail that could hold personal data."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        title, message = _ERROR_TEXT.get(code, ("Something went wrong", _ERROR_TEXT[400][1]))
        if isinstance(error, CsrfError):
            title = error.title
            message = str(error.description).format(hours=_duration(form_max_age))
        elif code == 413:
            message = message.format(form=_size(limits.form), population=_size(limits.population))
        return render_template("error.html", title=title, message=message, code=code), code

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        title, message = _ERROR_TEXT[500]
        return render_template("error.html", title=title, message=message, code=500), 500


def _register_person_routes(app: Flask, today: Callable[[], date], choices: Choices) -> None:
    """The person form: ``GET /`` blank, ``POST /`` to add or remove a row or see the roadmap."""

    @app.get("/")
    def person_form() -> str:
        return _form_page(PersonForm.blank(today()))

    @app.post("/")
    def person_form_post() -> Response | tuple[str, int] | str:
        form = PersonForm.read(request.form)
        action = request.form.get("action", "generate")
        changed = apply_row_action(form, action)
        if changed is not None:
            return _form_page(changed, focus=_focus_after(action, changed))
        checked = validate_form(form, today=today(), choices=choices)
        if checked.request is None:
            return _form_page(checked.form), 422
        try:
            roadmap = generate_roadmap(
                checked.request.person, as_of=checked.request.as_of, area=checked.request.area
            )
        except PathwaysError as exc:  # a check the form missed: still shown on the form
            error = FieldError(
                "person_id", "person_id", f"The roadmap could not be drawn up: {exc.message}"
            )
            return _form_page(replace(checked.form, errors=(error,))), 422
        return _roadmap_page(checked.request, "practitioner", roadmap)


def _register_roadmap_routes(app: Flask, areas: Sequence[str]) -> None:
    """A roadmap page's actions, each on the details it carries in hidden fields.

    ``POST /roadmap`` (the other audience), ``/edit``, ``/download/person`` and
    ``/download/roadmap``.
    """

    def _carried() -> RoadmapRequest:
        try:
            return carried_request(request.form, areas)
        except PersonFileError:
            raise BadRequest() from None

    @app.post("/roadmap")
    def roadmap() -> Response:
        audience = request.form.get("audience", "practitioner")
        if audience not in ("practitioner", "family"):
            raise BadRequest()
        return _roadmap_page(_carried(), audience)

    @app.post("/edit")
    def edit() -> str:
        carried = _carried()
        return _form_page(
            PersonForm.from_person(carried.person, as_of=carried.as_of, area=carried.area)
        )

    @app.post("/download/person")
    def download_person() -> Response:
        carried = _carried()
        file_format = request.form.get("format", "yaml")
        if file_format not in ("yaml", "json"):
            raise BadRequest()
        mimetype = "application/json" if file_format == "json" else "application/yaml"
        return _download(
            person_file_text(carried.person, file_format),
            download_name(carried.person, file_format),
            mimetype,
        )

    @app.post("/download/roadmap")
    def download_roadmap() -> Response:
        carried = _carried()
        roadmap = _generate(carried)
        name = download_name(carried.person, "json").removesuffix(".json")
        return _download(
            render_json(roadmap),
            f"{name}-roadmap-{carried.as_of.isoformat()}.json",
            "application/json",
        )


def _register_open_routes(app: Flask, today: Callable[[], date], limits: WebLimits) -> None:
    """``GET|POST /open``: open a saved person file into the form."""

    @app.get("/open")
    def open_file() -> str:
        return render_template("open.html", error=None)

    @app.post("/open")
    def open_file_post() -> tuple[str, int] | str:
        upload = request.files.get("person_file")
        if upload is None or not upload.filename:
            return _open_error("Select a person file")
        content = upload.stream.read(limits.form + 1)
        try:
            person = read_person_file(upload.filename, content)
        except PersonFileError as exc:
            return _open_error(str(exc))
        form = PersonForm.from_person(person, as_of=today())
        return _form_page(form, opened=upload.filename)


def _register_population_routes(app: Flask, today: Callable[[], date], limits: WebLimits) -> None:
    """``GET|POST /population``: for strategy leads, three CSV files in, the report out."""

    @app.get("/population")
    def population_form() -> str:
        return _population_form(as_of=DateInput.of(today()), area=DEFAULT_AREA, errors=())

    @app.post("/population")
    def population() -> Response | tuple[str, int]:
        return _population(limits, today())


def _register_service_routes(app: Flask) -> None:
    """``/favicon.ico`` and ``/health``, for browsers and the reverse proxy."""

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)  # no icon; saves a 404 on every roadmap page

    @app.get("/health")
    def health() -> Response:
        return Response("ok\n", mimetype="text/plain")


_ERROR_TEXT: dict[int, tuple[str, str]] = {
    400: (
        "Sorry, there is a problem with the page",
        "The page sent something this service could not use. Go back and try again, or "
        "start again from the form.",
    ),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: (
        "Sorry, there is a problem with the page",
        "This page cannot be used that way. Start again from the form.",
    ),
    413: (
        "The file or form is too big",
        "What you sent is bigger than this service accepts. A person file can be up to "
        "{form}; the population files up to {population} together. For a bigger "
        "population, use the pathways population command.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Something went wrong on our side. Nothing you entered was kept. Try again later, "
        "or tell your system administrator the time it happened.",
    ),
}


def _duration(seconds: int) -> str:
    """A time in words: ``2 hours``, ``1 hour``, ``30 minutes``."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour" + ("s" if hours != 1 else "")
    minutes = max(1, seconds // 60)
    return f"{minutes} minute" + ("s" if minutes != 1 else "")


def _size(limit: int) -> str:
    """A byte count in words: ``512 KB``, ``4 MB``."""
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _route() -> str:
    """The route of the request for logs: its pattern, never a query string or a typed path."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


def _focus_after(action: str, form: PersonForm) -> str | None:
    """After adding a row, move the keyboard to its first box; after removing, to the add button."""
    kind = action.split("-")[1]
    if action.startswith("add-"):
        count = len(getattr(form, kind + "s"))
        first = {
            "episode": f"episode-{count}-start-day",
            "event": f"event-{count}-type",
            "service": f"service-{count}-service",
            "move": f"move-{count}-date-day",
        }
        return first[kind]
    return f"add-{kind}"


def _form_page(form: PersonForm, *, focus: str | None = None, opened: str | None = None) -> str:
    return render_template("form.html", form=form, focus=focus, opened=opened)


def _open_error(message: str) -> tuple[str, int]:
    error = FieldError("person_file", "person_file", message)
    return render_template("open.html", error=error), 422


def _generate(carried: RoadmapRequest) -> Any:
    try:
        return generate_roadmap(carried.person, as_of=carried.as_of, area=carried.area)
    except PathwaysError:
        raise BadRequest() from None


def _download(text: str, filename: str, mimetype: str) -> Response:
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_STYLE_OPENING = 'style="'
_BODY_TAG = re.compile(r"<body([^>]*)>")


def _style_attributes(document: str) -> set[str]:
    """The values of the document's ``style`` attributes, unescaped.

    A literal search, several times faster than a regular expression over a page:
    an attribute is ``style="`` after white space, and ends at the next ``"``
    (attribute values are escaped).
    """
    values: set[str] = set()
    find = document.find
    at = find(_STYLE_OPENING)
    while at >= 0:
        start = at + len(_STYLE_OPENING)
        end = find('"', start)
        if end < 0:
            break
        if at and document[at - 1].isspace():
            values.add(document[start:end])
            start = end + 1
        at = find(_STYLE_OPENING, start)
    return {html.unescape(v) for v in values}


@functools.lru_cache(maxsize=1024)  # a page's are the templates' column widths
def _style_hash(value: str) -> str:
    """A style attribute's value as a Content-Security-Policy hash source."""
    return "sha256-" + base64.b64encode(hashlib.sha256(value.encode("utf-8")).digest()).decode(
        "ascii"
    )


def adopt_page(document: str, *, bar: str, head: str = "") -> str:
    """Put a self-contained page (the roadmap, the population report) into the app.

    The page is rendered with this response's nonce on its ``<style>`` already.
    Its style attributes are allowed by hash (recorded for the
    Content-Security-Policy header), the app's style and script are added with
    the nonce, and the app's bar (actions, skip link) goes at the top of its body.
    The page is read once and put together once (it is some 80 kB).
    """
    nonce = g.nonce
    g.style_hashes = tuple(_style_hash(v) for v in sorted(_style_attributes(document)))
    edits: list[tuple[int, int, str]] = []  # (start, end, new text) of the page's slices
    head_end = document.find("</head>")
    if head_end >= 0:
        style = f'<style nonce="{nonce}">\n{BAR_CSS}\n</style>\n{head}'
        edits.append((head_end, head_end, style))
    body_end = document.rfind("</body>")
    if body_end > head_end:
        edits.append((body_end, body_end, f'<script nonce="{nonce}">\n{APP_SCRIPT}\n</script>\n'))
    body = _BODY_TAG.search(document)
    if body is not None:
        edits.append((body.end(), body.end(), f"\n{bar}"))
    main = document.find("<main>")
    if main >= 0:
        edits.append((main, main + len("<main>"), '<main id="page-main" tabindex="-1">'))
    pieces: list[str] = []
    done = 0
    for start, end, text in sorted(edits, key=lambda edit: edit[0]):
        pieces += (document[done:start], text)
        done = end
    pieces.append(document[done:])
    return "".join(pieces)


#: The roadmap bar's actions, by endpoint.
_BAR_ACTIONS = ("roadmap", "download_person", "download_roadmap", "edit", "person_form")


def _bar_urls() -> Mapping[str, str]:
    """The addresses of the roadmap bar's actions, worked out once for each address the
    app is served under (``request.script_root``): five calls of ``url_for`` cost more
    than the rest of the bar."""
    known: dict[str, Mapping[str, str]] = current_app.extensions.setdefault("pathways.bar_urls", {})
    urls = known.get(request.script_root)
    if urls is None:
        if len(known) >= 16:  # (bounded: the root comes with the request)
            known.clear()
        urls = known[request.script_root] = {name: url_for(name) for name in _BAR_ACTIONS}
    return urls


def _roadmap_page(carried: RoadmapRequest, audience: str, roadmap: Any = None) -> Response:
    roadmap = roadmap if roadmap is not None else _generate(carried)
    page = render_html(roadmap, audience=audience, nonce=g.nonce)  # type: ignore[arg-type]
    bar = render_template(
        "roadmap_bar.html",
        carried=carried_fields(carried),
        audience=audience,
        other="family" if audience == "practitioner" else "practitioner",
        urls=_bar_urls(),
    )
    return Response(adopt_page(page, bar=bar), mimetype="text/html")


def _population_form(*, as_of: DateInput, area: str, errors: tuple[FieldError, ...]) -> str:
    return render_template(
        "population.html",
        as_of=as_of,
        area=area,
        errors=errors,
        error_for={e.group: e for e in errors},
    )


_POPULATION_FILES = (
    ("people_file", "people", "people"),
    ("episodes_file", "episodes", "care episodes"),
    ("events_file", "events", "events"),
)


def _population(limits: WebLimits, today: date) -> Response | tuple[str, int]:
    as_of_input = DateInput.read(request.form, "as_of")
    area = request.form.get("area", "")
    check = FieldChecker()
    contents: dict[str, bytes] = {}
    for field_name, key, label in _POPULATION_FILES:
        upload = request.files.get(field_name)
        if upload is None or not upload.filename:
            if key == "people":
                check.add(field_name, "Select the people file (people.csv)")
            continue
        data = upload.stream.read()
        problem = _csv_problem(upload.filename, data, label, limits.population_rows)
        if problem:
            check.add(field_name, problem)
        else:
            contents[key] = data
    if area not in dict(form_choices().areas):
        check.add("area", "Select the local area")
    as_of = check.date(as_of_input, "as_of", "date of the report", required=True)
    if check.errors or as_of is None:
        return _population_form(as_of=as_of_input, area=area, errors=tuple(check.errors)), 422

    from roadmaps.population import report_html, rule_labels, run_population_files

    with memory_files(contents) as paths:
        names = {str(path): key for key, path in paths.items()}
        try:
            run = _run_blocking(
                functools.partial(
                    run_population_files,
                    paths["people"],
                    paths.get("episodes"),
                    paths.get("events"),
                    as_of=as_of,
                    area=area,
                    workers=1,
                    progress=False,
                )
            )
        except PathwaysError as exc:
            key = names.get(str(exc.file or ""), "")
            field_name = next((f for f, k, _ in _POPULATION_FILES if k == key), "people_file")
            label = next((lbl for f, k, lbl in _POPULATION_FILES if k == key), "people")
            where = f" (line {exc.line})" if exc.line else ""
            check.add(field_name, f"The {label} file cannot be used{where}: {exc.message}")
            return _population_form(as_of=as_of_input, area=area, errors=tuple(check.errors)), 422
    page = _run_blocking(
        functools.partial(
            report_html, run.result, run.accounting, run.area, rule_labels(run.area), nonce=g.nonce
        )
    )
    bar = render_template("population_bar.html", accounting=run.accounting)
    return Response(adopt_page(page, bar=bar), mimetype="text/html")


def _csv_problem(filename: str, data: bytes, label: str, max_rows: int) -> str | None:
    if not filename.lower().endswith(".csv"):
        return f"The {label} file must be a CSV file (ending .csv)"
    if not data.strip():
        return f"The {label} file is empty"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return f"The {label} file must be saved as UTF-8 text (in Excel: CSV UTF-8)"
    if count_lines(data) > max_rows:
        return (
            f"The {label} file has more than {max_rows:,} lines: use the pathways "
            "population command for a population this size"
        )
    return None


def count_lines(data: bytes) -> int:
    r"""The lines of a text file, whichever line breaks it uses (``\n``, ``\r\n``, ``\r``).

    A last line without a line break counts too. The CSV reader ends a row at
    any of these breaks, so no file has more rows than lines.

    >>> count_lines(b"id\r1\r2\r"), count_lines(b"id\r\n1\r\n2"), count_lines(b"id\n1\n")
    (3, 3, 2)
    """
    breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    unterminated = bool(data) and data[-1:] not in (b"\n", b"\r")
    return breaks + unterminated

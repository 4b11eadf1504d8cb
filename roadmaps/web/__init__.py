"""The practitioner's web app: a form, the roadmap page, print, and saved person files.

Nothing is stored on the server; sign-in belongs to the council's reverse proxy
(docs/web-app.md). Needs the ``web`` extra. ``pathways serve`` serves it with
gunicorn (:func:`serve`), or from one process where gunicorn cannot run
(:func:`make_server`).
"""

from ._app import WebLimits, create_app
from ._serving import (
    ServerSettings,
    listen_sockets,
    make_server,
    serve,
    serve_in_thread,
    stop_server,
)

__all__ = [
    "ServerSettings",
    "WebLimits",
    "create_app",
    "listen_sockets",
    "make_server",
    "serve",
    "serve_in_thread",
    "stop_server",
]

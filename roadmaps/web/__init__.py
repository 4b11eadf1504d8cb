"""The practitioner's web app: a form, the roadmap page, print, and saved person files.

Nothing is stored on the server; sign-in belongs to the council's reverse proxy
(docs/web-app.md). Needs the ``web`` extra.
"""

from ._app import (
    WebLimits,
    create_app,
    listen_sockets,
    make_server,
    serve_in_thread,
    serve_workers,
    stop_server,
)

__all__ = [
    "WebLimits",
    "create_app",
    "listen_sockets",
    "make_server",
    "serve_in_thread",
    "serve_workers",
    "stop_server",
]

"""The ``serve`` sub-command: the practitioner's web app, served by gunicorn (issues 7 and 13).

``pathways serve [--host 127.0.0.1] [--port 8000]`` binds to loopback by
default. Put the council's reverse proxy (sign-in, TLS, slow clients) in front
of it; see ``docs/web-app.md``. It needs the ``web`` extra: ``pip install
'transition-pathways[web]'``.

It serves from one gunicorn worker process per processor core (``--workers``),
all on the listening sockets bound here, each serving its connections from one
thread and an event loop (gevent; ``--worker threads``: up to ``--threads``
connections at once, each in a thread). Where gunicorn cannot run (Windows), one
process serves.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import logging
import sys

from pathways import InputError

NAME = "serve"
HELP = "the practitioner's web app (needs the web extra)"

#: Connections each worker process serves at once (``ServerSettings.threads``).
DEFAULT_THREADS = 256
#: How a worker serves its connections (``ServerSettings.worker``).
WORKER_KINDS = ("events", "threads")
#: Minutes for which a page's forms can be sent (``create_app``'s ``form_max_age``).
DEFAULT_FORM_EXPIRY = 120


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes, sharing the port (default: one per processor core; "
        "1 where gunicorn cannot run, as on Windows)",
    )
    p.add_argument(
        "--worker",
        choices=WORKER_KINDS,
        default=None,
        help="how each worker process serves its connections: 'events', one thread and an "
        "event loop (gevent), or 'threads', a thread per connection being served (default: "
        "events where gevent is installed)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help="with --worker threads: connections each worker process serves at once, slow "
        f"ones included (default: {DEFAULT_THREADS})",
    )
    p.add_argument(
        "--pages-at-once",
        type=int,
        metavar="N",
        default=1,
        help="requests each worker process works on at once, once read; the others wait "
        "their turn, first come first served (default: 1)",
    )
    p.add_argument(
        "--form-expiry",
        type=int,
        metavar="MINUTES",
        default=DEFAULT_FORM_EXPIRY,
        help="minutes for which a page's forms can be sent after it was opened "
        f"(default: {DEFAULT_FORM_EXPIRY})",
    )
    p.add_argument(
        "--trusted-proxy",
        metavar="ADDRESS",
        default=None,
        help="the reverse proxy's IP address (or network), whose X-Forwarded-Proto header is "
        "believed (default: none)",
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per request: method, route, status and time "
        "(never a query string, form value or id)",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_workers() -> int:
    """One worker process per processor core this process may use (1 without gunicorn)."""
    from roadmaps.web import ServerSettings

    return ServerSettings().worker_count()


def _check(args: argparse.Namespace) -> None:
    """Refuse an option out of range, with a one-line error."""
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be between 0 and 65535 (got {args.port})", id="--port")
    if args.threads < 1:
        raise InputError(f"--threads must be at least 1 (got {args.threads})", id="--threads")
    if args.pages_at_once < 1:
        raise InputError(
            f"--pages-at-once must be at least 1 (got {args.pages_at_once})", id="--pages-at-once"
        )
    if args.form_expiry < 1:
        raise InputError(
            f"--form-expiry must be at least 1 minute (got {args.form_expiry})", id="--form-expiry"
        )
    if args.trusted_proxy is not None:
        try:
            ipaddress.ip_network(args.trusted_proxy)
        except ValueError:
            raise InputError(
                "--trusted-proxy must be an IP address or network, such as 127.0.0.1 or "
                f"10.0.0.0/24 (got {args.trusted_proxy[:60]!r})",
                id="--trusted-proxy",
            ) from None
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1 (got {args.workers})", id="--workers")
    if args.worker == "events" and importlib.util.find_spec("gevent") is None:
        raise InputError(
            "--worker events needs gevent: pip install 'transition-pathways[web]'", id="--worker"
        )


def run(args: argparse.Namespace) -> int:
    try:
        from roadmaps.web import ServerSettings, create_app, serve
    except ModuleNotFoundError as exc:
        raise InputError(
            f"the web app needs the 'web' extra ({exc.name} is missing): "
            "pip install 'transition-pathways[web]'"
        ) from None
    _check(args)
    settings = ServerSettings(
        workers=args.workers,
        worker=args.worker,
        threads=args.threads,
        trusted_proxy=args.trusted_proxy,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}, not only this machine: put a reverse proxy with "
            "sign-in and TLS in front (see docs/web-app.md)",
            file=sys.stderr,
        )
    # Made once, before any worker starts: every worker shares its CSRF secret.
    app = create_app(
        access_log=args.access_log,
        form_max_age=args.form_expiry * 60,
        pages_at_once=args.pages_at_once,
    )

    def announce(port: int, workers: int) -> None:
        _announce(args.host, port, workers)

    try:
        return serve(app, settings, host=args.host, port=args.port, announce=announce)
    except ValueError as exc:  # workers above 1 where gunicorn cannot run
        raise InputError(str(exc), id="--workers") from None
    except OSError as exc:
        raise InputError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None


def _announce(host: str, port: int, workers: int) -> None:
    processes = "1 process" if workers == 1 else f"{workers} worker processes"
    shown = f"[{host}]" if ":" in host else host
    print(
        f"pathways web app on http://{shown}:{port}/ ({processes}; Ctrl+C to stop)",
        file=sys.stderr,
        flush=True,
    )

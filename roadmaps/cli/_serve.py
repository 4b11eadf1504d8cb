"""The ``serve`` sub-command: the practitioner's web app on waitress (issue 7).

``pathways serve [--host 127.0.0.1] [--port 8000]`` binds to loopback by
default. Put the council's reverse proxy (sign-in, TLS) in front of it; see
``docs/web-app.md``. It needs the ``web`` extra: ``pip install
'transition-pathways[web]'``.

It serves from one worker process per processor core (``--workers``), each a
waitress server with ``--threads`` threads, all on one listening socket.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys

from pathways import InputError

NAME = "serve"
HELP = "the practitioner's web app (needs the web extra)"

#: Threads in each worker process. Four keep the time a roadmap page takes steady under
#: load; with more, Python passes its interpreter lock among more threads and the slowest
#: pages wait longer (docs/web-app.md, "Load").
DEFAULT_THREADS = 4


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
        "1 on systems without fork)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"threads in each worker process (default: {DEFAULT_THREADS})",
    )
    p.add_argument(
        "--trusted-proxy",
        metavar="ADDRESS",
        default=None,
        help="the reverse proxy's address, whose X-Forwarded-For/-Proto/-Host "
        "headers are believed (default: none)",
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
    """One worker process per processor core this process may use (1 without ``fork``)."""
    from roadmaps.population import default_workers as processors

    return processors() if hasattr(os, "fork") else 1


def run(args: argparse.Namespace) -> int:
    try:
        from roadmaps.web import create_app, listen_sockets, make_server, serve_workers
    except ModuleNotFoundError as exc:
        raise InputError(
            f"the web app needs the 'web' extra ({exc.name} is missing): "
            "pip install 'transition-pathways[web]'"
        ) from None
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be between 0 and 65535 (got {args.port})", id="--port")
    if args.threads < 1:
        raise InputError(f"--threads must be at least 1 (got {args.threads})", id="--threads")
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})", id="--workers")
    if workers > 1 and not hasattr(os, "fork"):
        raise InputError("--workers above 1 needs a system with fork (not Windows)", id="--workers")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # queue depth says nothing useful
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}, not only this machine: put a reverse proxy with "
            "sign-in and TLS in front (see docs/web-app.md)",
            file=sys.stderr,
        )
    # Made once, before any worker starts: every worker shares its CSRF secret.
    app = create_app(access_log=args.access_log)
    if workers > 1:
        try:
            sockets = listen_sockets(args.host, args.port)
        except OSError as exc:
            raise InputError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None
        _announce(args.host, sockets[0].getsockname()[1], workers)
        return serve_workers(
            app, sockets, workers=workers, threads=args.threads, trusted_proxy=args.trusted_proxy
        )
    try:
        server = make_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            trusted_proxy=args.trusted_proxy,
        )
    except OSError as exc:
        raise InputError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None
    _announce(args.host, server.effective_port, workers)
    # systemd and container runtimes stop a service with SIGTERM: finish the requests in hand.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()  # returns after Ctrl+C or SIGTERM, once running requests are done
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def _announce(host: str, port: int, workers: int) -> None:
    processes = "1 process" if workers == 1 else f"{workers} worker processes"
    print(
        f"pathways web app on http://{host}:{port}/ ({processes}; Ctrl+C to stop)",
        file=sys.stderr,
        flush=True,
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt

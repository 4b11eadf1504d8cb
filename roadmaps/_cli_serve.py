"""The ``serve`` sub-command: the practitioner's web app on waitress (issue 7).

``pathways serve [--host 127.0.0.1] [--port 8000]`` binds to loopback by
default. Put the council's reverse proxy (sign-in, TLS) in front of it; see
``docs/web-app.md``. It needs the ``web`` extra: ``pip install
'transition-pathways[web]'``.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import sys

from pathways import InputError

from ._cli import COMMANDS


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--threads", type=int, default=8, help="worker threads (default: 8)")
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


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from ._web import create_app, make_server
    except ModuleNotFoundError as exc:
        raise InputError(
            f"the web app needs the 'web' extra ({exc.name} is missing): "
            "pip install 'transition-pathways[web]'"
        ) from None
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be between 0 and 65535 (got {args.port})", id="--port")
    if args.threads < 1:
        raise InputError(f"--threads must be at least 1 (got {args.threads})", id="--threads")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # queue depth says nothing useful
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}, not only this machine: put a reverse proxy with "
            "sign-in and TLS in front (see docs/web-app.md)",
            file=sys.stderr,
        )
    app = create_app(access_log=args.access_log)
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
    print(
        f"pathways web app on http://{args.host}:{server.effective_port}/ (Ctrl+C to stop)",
        file=sys.stderr,
        flush=True,
    )
    # systemd and container runtimes stop a service with SIGTERM: finish the requests in hand.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()  # returns after Ctrl+C or SIGTERM, once running requests are done
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


COMMANDS.append(
    ("serve", "the practitioner's web app (needs the web extra)", _add_arguments, cmd_serve)
)

"""Slow and idle clients against the web app on loopback (issue 13): not a test, it prints figures.

It starts ``pathways serve`` (its defaults unless told otherwise) on a free
loopback port and, for each kind of slow client in turn, keeps ``--slow``
connections of that kind open (opening a new one whenever the server closes
one, as an attacker would), while ``--clients`` practitioners fetch the form and
post it again and again with a pause (``--think``), reading each roadmap page.
It prints, for each kind, how many slow connections were open, how long the
first practitioner's page took once they were, the latencies of the pages, and
the errors (any status but 200, a page without the roadmap, a connection error
or a page that took over 10 s). It stops by itself: every phase lasts
``--duration`` seconds after the slow connections are opened.

The kinds of slow client:

- ``idle``: connects and sends nothing;
- ``partial``: sends the first line of a request and one header, then nothing;
- ``slow-body``: sends a whole request head announcing a 100 KB form, then one
  byte of it every two seconds;
- ``slow-reader``: asks for the form page and never reads the answer.

Targets: the practitioners' pages p95 <= 200 ms and no errors, with 300 slow
connections open.

    python benchmarks/bench_web_slow_clients.py                   # every kind, 300 each
    python benchmarks/bench_web_slow_clients.py --kinds idle --slow 1000
    python benchmarks/bench_web_slow_clients.py --threads 64      # pathways serve --threads 64
    python benchmarks/bench_web_slow_clients.py --nginx           # through nginx, if installed
    python benchmarks/bench_web_slow_clients.py --nginx /opt/nginx/sbin/nginx

``--nginx`` puts nginx in front (the proxy settings of docs/web-app.md that
matter here: buffering of requests and pages, client timeouts), with its
configuration, logs and temporary files in a private folder removed at the
end, and sends every connection, slow or not, to nginx instead.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_web_load import free_port, percentile, person_form, start_server  # noqa: E402

from roadmaps.cli._serve import DEFAULT_THREADS, WORKER_KINDS, default_workers  # noqa: E402

KINDS = ("idle", "partial", "slow-body", "slow-reader")
#: A page that takes longer than this is counted as an error (the practitioner gave up).
GIVE_UP = 10.0

NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log crit;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 8m;
    client_body_buffer_size 8m;
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 10s;
    keepalive_timeout 15s;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_buffers 64 16k;
            proxy_max_temp_file_size 0;
        }}
    }}
}}
"""


@dataclass
class Pages:
    """What the practitioners saw."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, elapsed: float, problem: str | None) -> None:
        with self.lock:
            self.latencies.append(elapsed)
            if problem is None and elapsed > GIVE_UP:
                problem = f"a page took {elapsed:.0f} s"
            if problem:
                self.errors.append(problem)


def open_slow(kind: str, port: int) -> socket.socket:
    """One slow connection of the given kind."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if kind == "partial":
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    elif kind == "slow-body":
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        )
    elif kind == "slow-reader":
        # A small receive buffer, never read: the page stays in the server's hands.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    sock.setblocking(False)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


class SlowClients:
    """Keeps ``count`` slow connections of one kind open until stopped."""

    def __init__(self, kind: str, count: int, port: int) -> None:
        self.kind, self.count, self.port = kind, count, port
        self.sockets: list[socket.socket] = []
        self.reopened = 0
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep_open, daemon=True)

    def start(self) -> None:
        for _ in range(self.count):
            self._open_one()
        self._thread.start()

    def _open_one(self) -> None:
        try:
            self.sockets.append(open_slow(self.kind, self.port))
        except OSError:
            self.refused += 1

    def _keep_open(self) -> None:
        tick = 0
        while not self._stop.wait(0.5):
            tick += 1
            for sock in list(self.sockets):
                if self.kind == "slow-body" and tick % 4 == 0:
                    with contextlib.suppress(OSError):
                        sock.send(b"x")  # a byte every two seconds
                if closed_by_server(sock):
                    self.sockets.remove(sock)
                    sock.close()
                    self.reopened += 1
                    self._open_one()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()
        self.sockets.clear()


def practitioner(number: int, port: int, stop_at: float, think: float, pages: Pages) -> None:
    """Fetch the form, then post it and read the roadmap until ``stop_at``."""
    rng = random.Random(number)
    connection: http.client.HTTPConnection | None = None
    token = cookie = ""
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        problem = None
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP + 5)
                connection.request("GET", "/")
                response = connection.getresponse()
                page = response.read().decode("utf-8")
                found = re.search(r'name="csrf_token" value="([^"]+)"', page)
                cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
                if response.status != 200 or found is None or not cookie:
                    raise http.client.HTTPException(f"form: status {response.status}")
                token = found.group(1)
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            connection.request("POST", "/", body=person_form(rng, token), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or b"Transition roadmap" not in body:
                problem = f"status {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            if connection is not None:
                connection.close()
            connection = None
        pages.add(time.perf_counter() - started, problem)
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))
    if connection is not None:
        connection.close()


def first_page(port: int) -> float:
    """Seconds until a new practitioner's form page arrives (GIVE_UP + 5 at most)."""
    started = time.perf_counter()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP + 5)
        connection.request("GET", "/")
        connection.getresponse().read()
        connection.close()
    except (OSError, http.client.HTTPException):
        return float("inf")
    return time.perf_counter() - started


def phase(kind: str | None, args: argparse.Namespace, port: int) -> None:
    slow = SlowClients(kind, args.slow, port) if kind else None
    opened = time.monotonic()
    if slow:
        slow.start()
        time.sleep(1)  # the server has them all
    wait = first_page(port) if slow else 0.0
    pages = Pages()
    stop_at = time.monotonic() + args.duration
    threads = [
        threading.Thread(target=practitioner, args=(n, port, stop_at, args.think, pages))
        for n in range(args.clients)
    ]
    for each in threads:
        each.start()
    for each in threads:
        each.join(timeout=args.duration + GIVE_UP + 30)
    held = len(slow.sockets) if slow else 0
    if slow:
        slow.stop()
    ms = sorted(v * 1000 for v in pages.latencies) or [float("nan")]
    name = f"{args.slow} {kind}" if kind else "no slow clients"
    print(f"  {name}:")
    if slow:
        print(
            f"    slow connections: {held} open at the end, {slow.reopened} reopened after the "
            f"server closed them, {slow.refused} refused, in {time.monotonic() - opened:.0f} s"
        )
        shown = "over 15 s" if wait == float("inf") else f"{wait * 1000:.0f} ms"
        print(f"    a new practitioner's first page, once they were open: {shown}")
    print(
        f"    practitioners' pages: {len(pages.latencies)}, p50 {statistics.median(ms):.0f} ms, "
        f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms; errors {len(pages.errors)}"
        + (f" (first: {pages.errors[0]})" if pages.errors else "")
    )
    met = percentile(ms, 0.95) <= 200 and not pages.errors
    print(f"    target p95 <= 200 ms and 0 errors: {'met' if met else 'NOT met'}")


def start_nginx(program: str, upstream: int, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port, upstream=upstream))
    process = subprocess.Popen(
        [program, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("nginx did not start within 15 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated (default: all)")
    parser.add_argument("--slow", type=int, default=300, help="slow connections (default 300)")
    parser.add_argument("--clients", type=int, default=10, help="practitioners (default 10)")
    parser.add_argument("--think", type=float, default=0.5, help="their mean pause, s (0.5)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds a phase (10)")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument(
        "--worker",
        choices=WORKER_KINDS,
        default=None,
        help="how each worker serves its connections (default: as pathways serve)",
    )
    parser.add_argument(
        "--nginx",
        nargs="?",
        const="nginx",
        metavar="PATH",
        help="put nginx in front (the nginx program: default the one on the PATH)",
    )
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(
            f"unknown kinds: {', '.join(sorted(unknown))} (choose from {', '.join(KINDS)})"
        )
    nginx_program = shutil.which(args.nginx) if args.nginx else None
    if args.nginx and nginx_program is None:
        parser.error(f"--nginx: no nginx program at {args.nginx} (Debian: apt-get install nginx)")

    server_port = free_port()
    server = start_server(server_port, args.workers, args.threads, args.worker)
    nginx = None
    folder = Path(tempfile.mkdtemp(prefix="pathways-bench-nginx-"))  # private: 0700
    try:
        port = server_port
        if nginx_program:
            nginx, port = start_nginx(nginx_program, server_port, folder)
        front = "through nginx, " if args.nginx else ""
        print(
            f"slow clients: pathways serve --workers {args.workers} --threads {args.threads}"
            + (f" --worker {args.worker}" if args.worker else "")
            + f" ({front}loopback); {args.clients} practitioners pausing {args.think:g} s on average, "
            f"{args.duration:g} s a phase; machine: {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        warm_up = Pages()  # each worker loads the rule data and templates on its first pages
        practitioner(0, port, time.monotonic() + 3, 0.05, warm_up)
        for kind in [None, *kinds]:
            phase(kind, args, port)
            time.sleep(2)  # the server closes what is left of the phase before
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

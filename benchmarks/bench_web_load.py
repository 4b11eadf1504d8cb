"""A bounded load test of the web app on loopback (issues 7 and 13): not a test, it prints figures.

It starts ``pathways serve`` (gunicorn, with its default worker processes and
threads unless told otherwise) in a subprocess on a free loopback port, then
runs 50 concurrent clients for 30 seconds. Each client
fetches the form once (for its CSRF cookie and token), then posts the form of a
young person in care with an EHC plan again and again, each time with another
date of birth, and reads the whole roadmap page. By default it is a closed
loop with no pause: each client posts again as soon as its page has arrived,
so 50 requests are always in the server, the hardest case. It stops by itself
and prints the configuration it ran, p50/p95/p99 latency, the throughput and
the error count (any status but 200, or a page without the roadmap, or a
connection error).

Targets (issues 7 and 13): p95 ≤ 200 ms and zero errors on a 2-core machine.
``benchmarks/bench_web_slow_clients.py`` measures the same pages with slow and
idle clients holding connections open.

    python benchmarks/bench_web_load.py                 # 50 clients, 30 s, no pause
    python benchmarks/bench_web_load.py --clients 10 --duration 5
    python benchmarks/bench_web_load.py --think 1.0     # each client pauses 1 s on average
    python benchmarks/bench_web_load.py --workers 1     # one server process
    python benchmarks/bench_web_load.py --profile 300   # where one roadmap request's time goes

The clients run in this process (a thread each, posting over a plain socket, which
opens a new connection whenever the server has closed the last: the default server
closes each after its page, so that the next request joins the queue both workers
take from; ``--worker threads`` keeps them open), the server in its own processes, so
they do not share an interpreter lock; on a
2-core machine they do share the cores, so other work on the machine (the
script prints the load average) slows the server down. ``--profile`` runs no
server: it posts the form that many times through Flask's test client under
cProfile, and prints the time per request and the functions that take most.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import os
import pstats
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roadmaps.cli._serve import DEFAULT_THREADS, WORKER_KINDS, default_workers  # noqa: E402

AS_OF = date(2026, 11, 23)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    port: int, workers: int, threads: int, worker: str | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from roadmaps.cli import main; sys.exit(main())",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            *(["--worker", worker] if worker else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(port, server)
    return server


def wait_until_up(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Wait until the server on ``port`` answers ``/health``; stop it and the script if not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the server did not start within {seconds:g} s")


def processor_seconds(pids: list[int]) -> float:
    """The processor time (user and system) the given processes have used so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def server_processes(server: subprocess.Popen[bytes]) -> list[int]:
    """The server process and its worker processes."""
    pids = [server.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == server.pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # a process that has just ended
    return pids


def machine_busy_seconds() -> float:
    """Processor time every process on the machine has used so far (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """Processor seconds so far: the server's, this process's (the clients'), the machine's."""

    server: float
    clients: float
    machine: float

    @classmethod
    def now(cls, pids: list[int]) -> Usage:
        return cls(processor_seconds(pids), time.process_time(), machine_busy_seconds())


def person_form(rng: random.Random, token: str) -> str:
    """The form of a young person in care with an EHC plan (another birthday each time).

    Written out rather than through ``urllib.parse.urlencode`` (the same text, a tenth
    of the time): the clients share the server's two cores, and every millisecond
    they spend is one the server does not get.
    """
    dob = date(2008, 9, 1) + timedelta(days=rng.randrange(0, 3 * 365))
    care_start = dob + timedelta(days=14 * 365 + rng.randrange(0, 300))
    issued = dob + timedelta(days=7 * 365)
    review = dob + timedelta(days=14 * 365 + 100)
    return (
        f"csrf_token={urllib.parse.quote_plus(token)}&action=generate"
        f"&person_id=load-{rng.randrange(10**6):06d}"
        f"&date_of_birth-day={dob.day}&date_of_birth-month={dob.month}"
        f"&date_of_birth-year={dob.year}&has_ehcp=yes"
        f"&ehcp_issued-day={issued.day}&ehcp_issued-month={issued.month}"
        f"&ehcp_issued-year={issued.year}&ehcp_setting=further-education&episode-count=1"
        f"&episode-1-start-day={care_start.day}&episode-1-start-month={care_start.month}"
        f"&episode-1-start-year={care_start.year}&event-count=2&event-1-type=ehcp-annual-review"
        f"&event-1-date-day={review.day}&event-1-date-month={review.month}"
        f"&event-1-date-year={review.year}&event-2-type=personal-adviser-appointed"
        "&event-2-date-day=10&event-2-date-month=2&event-2-date-year=2025&service-count=1"
        "&service-1-service=camhs&care_needs_likely=yes&continuing_care=no&primary_need=ASD"
        f"&year_group_offset=0&area=england&as_of-day={AS_OF.day}&as_of-month={AS_OF.month}"
        f"&as_of-year={AS_OF.year}"
    )


@dataclass
class Results:
    by_client: dict[int, list[float]] = field(default_factory=dict)
    finished: list[float] = field(default_factory=list)  # when each page arrived (monotonic)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(number: int, port: int, stop_at: float, think: float, results: Results) -> None:
    """One client: fetch the form once, then post it until ``stop_at`` (see :class:`Poster`)."""
    rng = random.Random(number)
    try:
        cookie, token = fetch_form(port)
    except (OSError, RuntimeError, http.client.HTTPException) as exc:
        with results.lock:
            results.errors.append(f"client {number}: {exc}")
        return
    poster = Poster(port, cookie)
    if think:  # clients start at random moments, as people do, not all in the same millisecond
        time.sleep(rng.uniform(0, think))
    while time.monotonic() < stop_at:
        body = person_form(rng, token).encode("ascii")
        started = time.perf_counter()
        try:
            status, page = poster.post(body)
            elapsed = time.perf_counter() - started
            ok = status == 200 and b"Transition roadmap" in page
            problem = None if ok else f"status {status}"
        except (OSError, ValueError) as exc:
            elapsed = time.perf_counter() - started
            problem = f"{type(exc).__name__}: {exc}"
            poster.close()
        with results.lock:
            results.by_client.setdefault(number, []).append(elapsed)
            results.finished.append(time.monotonic())
            if problem:
                results.errors.append(problem)
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
    poster.close()


def fetch_form(port: int) -> tuple[str, str]:
    """The CSRF cookie (``name=value``) and form token a client gets with the form."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        text = response.read().decode("utf-8")
    finally:
        connection.close()
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    if response.status != 200 or not cookie or found is None:
        raise RuntimeError(f"form: status {response.status}")
    return cookie, found.group(1)


class Poster:
    """Posts forms to ``/`` on loopback and reads each whole response.

    HTTP/1.1 over a plain socket rather than :mod:`http.client`, whose header
    parsing (the :mod:`email` package) took two thirds of the clients' processor
    time: the clients share the server's cores. A new connection is opened
    whenever the server closed the last (the default server closes each after its
    page; ``--worker threads`` keeps them open), as :mod:`http.client` does.
    The time measured runs from the connection (when one is opened) to the last
    byte of the page, as before.
    """

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.head = (
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Cookie: {cookie}\r\n"
        ).encode("latin-1")
        self.sock: socket.socket | None = None
        self.buffer = bytearray(1 << 18)

    def post(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of the response to posting ``body``.

        Raises:
            OSError: the connection failed or timed out.
            ValueError: the response is not HTTP/1.1 with a Content-Length.
        """
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.sendall(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        buffer, view, got, head_end = self.buffer, memoryview(self.buffer), 0, -1
        while head_end < 0:
            got += self._receive(view, got)
            head_end = buffer.find(b"\r\n\r\n", 0, got)
        head = bytes(buffer[:head_end]).lower()
        length = re.search(rb"\r\ncontent-length: *(\d+)", head)
        if not head.startswith(b"http/1.1 ") or length is None:
            raise ValueError(f"unexpected response head {head[:40]!r}")
        total = head_end + 4 + int(length.group(1))
        if total > len(buffer):
            raise ValueError(f"a page of {total} bytes")
        while got < total:
            got += self._receive(view, got)
        if b"\r\nconnection: close" in head:
            self.close()
        return int(head[9:12]), bytes(buffer[head_end + 4 : total])

    def _receive(self, view: memoryview, at: int) -> int:
        assert self.sock is not None
        count = self.sock.recv_into(view[at:])
        if not count:
            raise ConnectionResetError("the server closed the connection mid-response")
        return count

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def pages_per_second(finished: list[float], started: float, duration: float) -> list[int]:
    """How many pages arrived in each whole second of the run, sorted (slowest first)."""
    counts = [0] * int(duration)
    for moment in finished:
        second = int(moment - started)
        if 0 <= second < len(counts):
            counts[second] += 1
    return sorted(counts)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def profile(requests: int) -> None:
    """Post the form ``requests`` times through Flask's test client under cProfile."""
    from roadmaps.web._app import create_app

    app = create_app(secret=b"profile-secret-" * 3)
    client = app.test_client()
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert found is not None
    rng = random.Random(0)
    bodies = [person_form(rng, found.group(1)) for _ in range(requests + 20)]

    def post(body: str) -> None:
        response = client.post("/", data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.status_code

    for body in bodies[:20]:  # templates compiled, rule data loaded
        post(body)
    started = time.process_time()
    for body in bodies[20:]:
        post(body)
    per_request = (time.process_time() - started) / requests * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies[20:]:
        post(body)
    profiler.disable()
    print(f"one roadmap request: {per_request:.2f} ms of processor time (test client, no profiler)")
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(
        r"roadmaps|cohorts", 30
    )
    print(report.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"server worker processes (default {default_workers()}, as pathways serve)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"connections each worker serves at once (default {DEFAULT_THREADS}, as pathways serve)",
    )
    parser.add_argument(
        "--worker",
        choices=WORKER_KINDS,
        default=None,
        help="how each worker serves its connections (default: as pathways serve)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause between one client's requests, seconds (default 0: closed loop)",
    )
    parser.add_argument(
        "--profile", type=int, metavar="N", help="profile N requests in-process instead"
    )
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return 0

    load_before = os.getloadavg()[0]
    port = free_port()
    server = start_server(port, args.workers, args.threads, args.worker)
    try:
        pids = server_processes(server)
        deadline = time.monotonic() + 10
        while len(pids) < 1 + args.workers and time.monotonic() < deadline:
            time.sleep(0.1)  # /health answers as soon as one worker is up
            pids = server_processes(server)
        results = Results()
        stop_at = time.monotonic() + args.duration
        started = time.monotonic()
        usage_before = Usage.now(pids)
        clients = [
            threading.Thread(target=client, args=(n, port, stop_at, args.think, results))
            for n in range(args.clients)
        ]
        for each in clients:
            each.start()
        for each in clients:
            each.join(timeout=args.duration + 60)
        wall = time.monotonic() - started
        usage_after = Usage.now(pids)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

    latencies = [v for waits in results.by_client.values() for v in waits]
    if not latencies:
        print(f"no request completed; errors: {results.errors[:5]}")
        return 1
    ms = [v * 1000 for v in latencies]
    pause = (
        f"pause {args.think:g} s on average between a client's requests"
        if args.think
        else "closed loop, no pause between a client's requests"
    )
    print(f"web load test: {args.clients} clients for {args.duration:g} s, {pause}")
    print(
        f"  server: pathways serve --workers {args.workers} --threads {args.threads}"
        + (f" --worker {args.worker}" if args.worker else "")
        + " "
        f"(loopback); machine: {os.cpu_count()} CPUs"
    )
    print(f"  requests: {len(ms)} roadmaps in {wall:.1f} s ({len(ms) / wall:.1f} per second)")
    print(
        f"  latency: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms"
    )
    means = sorted(statistics.mean(v) * 1000 for v in results.by_client.values() if v)
    if len(means) > 1:
        # With --worker threads, a kept-alive connection stays with the worker that took
        # it: a gap here is one worker holding more clients than another (docs/web-app.md).
        print(
            f"  each client's mean wait: fastest {means[0]:.0f} ms, "
            f"median {statistics.median(means):.0f} ms, slowest {means[-1]:.0f} ms"
        )
    per_second = pages_per_second(results.finished, started, args.duration)
    if len(per_second) > 2:
        # The machine's own speed varies (other virtual machines on the host): a slow
        # stretch raises the p95 of the whole run.
        print(
            f"  roadmaps in each whole second: slowest {per_second[0]}, "
            f"median {statistics.median(per_second):.0f}, fastest {per_second[-1]}"
        )
    print(
        f"  errors: {len(results.errors)}"
        + (f" (first: {results.errors[0]})" if results.errors else "")
    )
    server_time = usage_after.server - usage_before.server
    client_time = usage_after.clients - usage_before.clients
    others = max(0.0, usage_after.machine - usage_before.machine - server_time - client_time)
    print(
        f"  processor time: server {server_time:.1f} s, clients {client_time:.1f} s, "
        f"other processes {others:.1f} s, of {wall * (os.cpu_count() or 1):.1f} s "
        f"({(server_time / len(ms)) * 1000:.1f} ms of server time and "
        f"{(client_time / len(ms)) * 1000:.2f} ms of client time per roadmap)"
    )
    print(
        f"  machine load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(other work on the machine slows the server down)"
    )
    target = percentile(ms, 0.95) <= 200 and not results.errors
    print(f"  target p95 <= 200 ms and 0 errors: {'met' if target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serving the web app (issues 7 and 13).

The extra and the templates it ships with, the ``pathways serve`` command, and
gunicorn's worker processes as ``pathways serve`` runs them: the shared secret, a
worker restarted, stopping, limits answered with the app's own page, nothing on disk.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from web_helpers import ROOT, example_values

from roadmaps.cli import main as cli_main
from roadmaps.cli._serve import DEFAULT_THREADS, _is_loopback, default_workers
from roadmaps.web import ServerSettings, create_app, listen_sockets, serve_in_thread, stop_server
from roadmaps.web._app import _Turns, use_event_loop
from roadmaps.web._serving import ConnectionBalance, balanced_worker_class

# --- packaging and the command ------------------------------------------------------------------


def test_web_extra_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    web = " ".join(extras["web"]).lower()
    assert "flask" in web and "jinja2" in web and "gunicorn" in web and "waitress" not in web
    assert "sys_platform != 'win32'" in web  # gunicorn needs fork
    assert "gevent" in web  # the default worker
    test = " ".join(extras["test"]).lower()
    assert "transition-pathways[web]" in test and "playwright" in test


def test_templates_are_inside_the_package() -> None:
    folder = ROOT / "roadmaps" / "web" / "templates"
    for name in (
        "base.html",
        "macros.html",
        "form.html",
        "open.html",
        "population.html",
        "error.html",
        "roadmap_bar.html",
        "population_bar.html",
    ):
        assert (folder / name).is_file(), name


def test_serve_command_is_registered_and_binds_to_loopback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["serve", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--host" in out and "127.0.0.1" in out and "--port" in out
    from roadmaps.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert "--workers" in out and (args.workers, args.threads) == (None, DEFAULT_THREADS)
    if hasattr(os, "sched_getaffinity"):
        assert default_workers() == len(os.sched_getaffinity(0))
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("example.org")


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--port", "70000"]) == 2
    assert "--port must be between 0 and 65535" in capsys.readouterr().err
    assert cli_main(["serve", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
    assert cli_main(["serve", "--form-expiry", "0"]) == 2
    assert "--form-expiry must be at least 1 minute" in capsys.readouterr().err
    assert cli_main(["serve", "--pages-at-once", "0"]) == 2
    assert "--pages-at-once must be at least 1" in capsys.readouterr().err
    assert cli_main(["serve", "--trusted-proxy", "proxy.example"]) == 2
    assert "--trusted-proxy must be an IP address or network" in capsys.readouterr().err


def test_turns_are_taken_in_the_order_asked_and_never_by_more_than_allowed() -> None:
    """A page in hand is drawn before the requests that came after it (no barging)."""
    turns = _Turns(2)
    turns.take()
    turns.take()
    order: list[int] = []
    holding = [2]
    most = [2]
    lock = threading.Lock()

    def request(number: int) -> None:
        turns.take()
        with lock:
            order.append(number)
            holding[0] += 1
            most[0] = max(most[0], holding[0])
        time.sleep(0.001)
        with lock:
            holding[0] -= 1
        turns.give()

    waiting = []
    for number in range(6):
        thread = threading.Thread(target=request, args=(number,))
        thread.start()
        waiting.append(thread)
        deadline = time.monotonic() + 5
        while len(turns._waiting) < number + 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # each asks only once the one before it is queued
    assert order == []  # both turns are held
    with lock:
        holding[0] -= 1
    turns.give()
    for thread in waiting:
        thread.join(timeout=5)
    assert order == list(range(6)) and most[0] <= 2
    turns.give()
    turns.take()
    turns.take()  # both turns came back: taking two does not wait


def test_a_body_still_being_sent_holds_no_turn() -> None:
    """The body is read before the request takes its turn, and parsed after it."""
    app = create_app(secret=b"s" * 32, pages_at_once=1)
    server, thread = serve_in_thread(app)
    try:
        slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\ncsrf_token=abc&"
        )
        time.sleep(0.2)  # its thread is reading the body now
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200 and b"csrf_token" in response.read()
        assert time.monotonic() - started < 5
        slow.sendall(b"x" * 985)  # the rest: then it is parsed, and refused (no valid token)
        assert slow.recv(64).startswith(b"HTTP/1.1 400")
        slow.close()
    finally:
        stop_server(server, thread)


def test_the_app_refuses_no_turns() -> None:
    with pytest.raises(ValueError, match="pages_at_once must be at least 1"):
        create_app(secret=b"s" * 32, pages_at_once=0)


def test_gunicorn_settings_bound_every_connection_and_write_nothing() -> None:
    sockets = listen_sockets("localhost", 0)
    try:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(ports) == 1, "every address of a name gets the same free port"
        options = ServerSettings(workers=2, trusted_proxy="127.0.0.1").gunicorn_options(sockets)
        assert options["bind"] == [f"fd://{sock.fileno()}" for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert options["worker_class"] == "gthread" and options["workers"] == 2
    assert options["threads"] == DEFAULT_THREADS and options["worker_connections"] == 1000
    assert (options["keepalive"], options["timeout"], options["graceful_timeout"]) == (5, 30, 30)
    assert options["limit_request_line"] == 4094 and options["limit_request_fields"] == 100
    assert options["forwarded_allow_ips"] == "127.0.0.1"
    assert ServerSettings(workers=1).gunicorn_options([])["forwarded_allow_ips"] == ""
    assert options["control_socket_disable"] is True and options["accesslog"] is None
    if Path("/dev/shm").is_dir():
        assert options["worker_tmp_dir"] == "/dev/shm"


# --- serving from gunicorn's worker processes ------------------------------------------------

needs_gunicorn = pytest.mark.skipif(
    not hasattr(os, "fork") or not Path("/proc/self/fd").is_dir(),
    reason="gunicorn needs fork; the checks read /proc",
)


class _Serve:
    """``pathways serve --port 0`` in its own process group, as a council would run it.

    Its working directory, home and temporary folders are fresh ones, to see that
    nothing is written there.
    """

    def __init__(self, folder: Path, *options: str, without_gunicorn: bool = False) -> None:
        self.folders = {name: folder / name for name in ("cwd", "home", "tmp")}
        for each in self.folders.values():
            each.mkdir()
        command = "import sys; from roadmaps.cli import main; sys.exit(main())"
        if without_gunicorn:  # as on Windows, where gunicorn cannot run
            command = "import sys; sys.modules['gunicorn'] = None; " + command
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "HOME": str(self.folders["home"]),
            "TMPDIR": str(self.folders["tmp"]),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", command, "serve", "--port", "0", *options],
            cwd=self.folders["cwd"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.announcement = self.lines.get(timeout=60)
            while "pathways web app on" not in self.announcement:
                self.announcement = self.lines.get(timeout=60)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.announcement)
            assert found is not None, self.announcement
        except BaseException:
            self.kill()  # the test's finally never sees a server that failed to start
            raise
        self.port = int(found.group(1))

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def written(self) -> set[str]:
        """What is in the server's working directory, home and temporary folders."""
        return {str(p) for folder in self.folders.values() for p in folder.rglob("*")}

    def workers(self, expected: int, *, other_than: tuple[int, ...] = ()) -> list[int]:
        """The ids of the server's worker processes (from /proc), once ``expected`` have started."""
        deadline = time.monotonic() + 30
        while True:
            children = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rpartition(")")[2].split()
                except OSError:  # the process has just ended
                    continue
                pid = int(stat.parent.name)
                if (
                    int(fields[1]) == self.process.pid
                    and fields[0] != "Z"
                    and pid not in other_than
                ):
                    children.append(pid)
            if len(children) >= expected or time.monotonic() > deadline:
                return sorted(children)
            time.sleep(0.05)

    def stop(self, how: int = signal.SIGTERM, *, group: bool = False) -> int:
        if group:
            os.killpg(self.process.pid, how)
        else:
            self.process.send_signal(how)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """Whatever happened in the test, leave no process and no open pipe behind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self.process.stderr is not None
        self.process.stderr.close()


def _roadmap_body(token: str) -> str:
    return urllib.parse.urlencode({**example_values(), "csrf_token": token, "action": "generate"})


def _form(connection: http.client.HTTPConnection) -> tuple[str, str]:
    """The form's CSRF token and the cookie, from ``GET /``."""
    connection.request("GET", "/")
    response = connection.getresponse()
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    assert token is not None and cookie
    return token.group(1), cookie


@needs_gunicorn
@pytest.mark.parametrize(
    ("worker", "worker_class"),
    [("events", "OneQueueWorker"), ("threads", "BalancedThreadWorker")],
)
def test_worker_processes_share_the_secret_and_a_dead_one_is_replaced(
    tmp_path: Path, worker: str, worker_class: str
) -> None:
    server = _Serve(tmp_path, "--workers", "2", "--worker", worker, "--threads", "4")
    connections: list[http.client.HTTPConnection] = []
    try:
        assert "(2 worker processes;" in server.announcement
        workers = server.workers(2)
        assert len(workers) == 2
        connections = [
            http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(6)
        ]
        token, cookie = _form(connections[0])
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        for connection in connections:
            connection.request("POST", "/", body=_roadmap_body(token), headers=headers)
            response = connection.getresponse()
            assert response.status == 200, "a token made by one worker is good in every worker"
            assert b"Transition roadmap" in response.read()
            assert response.getheader("Server") == "gunicorn"  # its name, no version
            # The event worker closes each connection: the next request joins the queue
            # both workers take from (the threaded one keeps it open).
            closes = response.getheader("Connection") == "close"
            assert closes == (worker == "events")
        # gunicorn starts a new worker for one that dies; the server goes on.
        os.kill(workers[0], signal.SIGKILL)
        replaced = server.workers(2, other_than=(workers[0],))
        assert len(replaced) == 2 and workers[0] not in replaced
        assert server.process.poll() is None
        fresh = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connections.append(fresh)
        for _ in range(4):
            fresh.request("POST", "/", body=_roadmap_body(token), headers=headers)
            assert fresh.getresponse().read().count(b"Transition roadmap") >= 1
        assert server.stop() == 0
        assert server.written() == set(), "nothing on disk: no control socket, no temporary file"
        assert any(f"Using worker: {worker_class}" in line for line in server.stderr)
    finally:
        for connection in connections:
            connection.close()
        server.kill()


@needs_gunicorn
def test_a_population_upload_and_a_roadmap_at_once_under_the_default_worker(
    tmp_path: Path, population_files: dict[str, bytes]
) -> None:
    """The default worker (one thread, an event loop) runs the upload in a real thread
    (``use_event_loop``): the report comes back whole, and so does a roadmap asked for
    while it is made, with nothing printed but the server's own log lines."""
    server = _Serve(tmp_path, "--workers", "1")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        token, cookie = _form(connection)
        boundary = "pathwaysboundary"
        fields = {"csrf_token": token, "area": "england", "as_of-day": "23"}
        fields |= {"as_of-month": "11", "as_of-year": "2026"}
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        )
        for name, content in population_files.items():
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}_file"; '
                    f'filename="{name}.csv"\r\nContent-Type: text/csv\r\n\r\n'
                ).encode()
                + content
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie}
        connection.request("POST", "/population", body=body, headers=headers)
        page = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        page.request("POST", "/", body=_roadmap_body(token), headers=form_headers)
        roadmap = page.getresponse()
        assert roadmap.status == 200 and b"Transition roadmap" in roadmap.read()
        report = connection.getresponse()
        text = report.read().decode()
        assert report.status == 200, text[:300]
        assert "Make another report" in text
        assert re.search(r"Read \d+ rows: \d+ used and \d+ rejected", text)
        page.close()
        connection.close()
        assert server.stop() == 0
        assert not any("Traceback" in line for line in server.stderr), server.stderr
    finally:
        server.kill()


@needs_gunicorn
@pytest.mark.parametrize("group", [False, True], ids=["SIGTERM to the server", "Ctrl+C"])
def test_worker_processes_stop_cleanly(tmp_path: Path, group: bool) -> None:
    server = _Serve(tmp_path, "--workers", "2")
    try:
        workers = server.workers(2)
        assert len(workers) == 2
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/health")
        assert connection.getresponse().read() == b"ok\n"
        connection.close()
        assert server.stop(signal.SIGINT if group else signal.SIGTERM, group=group) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
        assert not any("Traceback" in line for line in server.stderr), server.stderr
    finally:
        server.kill()


@needs_gunicorn
def test_oversized_requests_get_the_app_page_with_its_security_headers(tmp_path: Path) -> None:
    """Issue 13: waitress refused big bodies itself, with no security headers.

    gunicorn passes the body to the app, which refuses it by its declared length
    before reading any of it, with its own page and headers; a body sent in chunks
    (no declared length) is refused once it passes the limit.
    """
    server = _Serve(tmp_path, "--workers", "1")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        token, cookie = _form(connection)
        connection.close()
        boundary = "pathwaysboundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="person_file"; '
                'filename="x.yaml"\r\nContent-Type: application/yaml\r\n\r\n'
            ).encode()
            + b"#" * 600_000
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie}
        for chunked in (False, True):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            if chunked:
                pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
                connection.request("POST", "/open", body=pieces, headers=headers)
            else:
                connection.request("POST", "/open", body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode()
            connection.close()
            assert response.status == 413, chunked
            assert "The file or form is too big" in page
            assert "A person file can be up to 512 KB" in page
            policy = response.getheader("Content-Security-Policy") or ""
            assert policy.startswith("default-src 'none'"), chunked
            assert response.getheader("X-Content-Type-Options") == "nosniff"
            assert response.getheader("Cache-Control") == "no-store"
            assert response.getheader("X-Frame-Options") == "DENY"
        assert server.stop() == 0
        assert server.written() == set()
    finally:
        server.kill()


@needs_gunicorn
def test_without_gunicorn_one_process_serves(tmp_path: Path) -> None:
    server = _Serve(tmp_path, without_gunicorn=True)
    try:
        assert "(1 process;" in server.announcement
        assert any(
            "serving from one process (gunicorn is not installed)" in line for line in server.stderr
        )
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        token, cookie = _form(connection)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        connection.request("POST", "/", body=_roadmap_body(token), headers=headers)
        response = connection.getresponse()
        assert response.status == 200 and b"Transition roadmap" in response.read()
        assert response.getheader("Server") is None
        connection.close()
        assert server.stop(signal.SIGINT) == 0
        assert not any("Traceback" in line for line in server.stderr), server.stderr
        assert server.written() == set()
    finally:
        server.kill()
    command = "import sys; sys.modules['gunicorn'] = None; from roadmaps.cli import main; sys.exit(main())"
    refused = subprocess.run(
        [sys.executable, "-c", command, "serve", "--port", "0", "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ")
    assert "more than one worker process needs gunicorn" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1


def test_the_single_process_server_believes_https_from_the_trusted_proxy_only() -> None:
    from roadmaps.web._serving import _trusting

    def scheme(environ: dict[str, str], start_response: object) -> str:
        return environ["wsgi.url_scheme"]

    def seen(trusted: str | None, remote: str, proto: str = "https") -> str:
        environ = {"wsgi.url_scheme": "http", "REMOTE_ADDR": remote}
        environ["HTTP_X_FORWARDED_PROTO"] = proto
        return str(_trusting(scheme, trusted)(environ, None))

    assert seen("127.0.0.1", "127.0.0.1") == "https"
    assert seen("10.0.0.0/24", "10.0.0.7") == "https"
    assert seen("127.0.0.1", "192.0.2.1") == "http"
    assert seen(None, "127.0.0.1") == "http"
    assert seen("127.0.0.1", "127.0.0.1", proto="http") == "http"
    assert seen("127.0.0.1", "not an address") == "http"


# --- the connections in service, spread over the workers ---------------------------------------


class _FakeWorker:
    pass


class _FakeArbiter:
    def __init__(self) -> None:
        self.WORKERS: dict[int, object] = {}


def _started(balance: ConnectionBalance, arbiter: _FakeArbiter, pid: int) -> Any:
    worker = _FakeWorker()
    balance.pre_fork(arbiter, worker)
    arbiter.WORKERS[pid] = worker
    return worker


def test_connection_balance_gives_each_worker_a_slot_and_frees_a_dead_ones() -> None:
    balance, arbiter = ConnectionBalance(2), _FakeArbiter()
    first, second = _started(balance, arbiter, 100), _started(balance, arbiter, 101)
    extra = _started(balance, arbiter, 102)  # a third worker (gunicorn's TTIN): not counted
    assert (first.balance_slot, second.balance_slot, extra.balance_slot) == (0, 1, None)
    assert balance.may_accept(extra, 50)
    assert balance.may_accept(first, 1)
    assert not balance.may_accept(first, 2)  # the second is starting: it holds none yet
    assert balance.may_accept(second, 1)
    assert not balance.may_accept(second, 5)  # 5 against 2
    balance.child_exit(arbiter, second)  # it died: its count goes with it
    del arbiter.WORKERS[101]
    assert balance.may_accept(first, 9)
    replacement = _started(balance, arbiter, 103)
    assert replacement.balance_slot == 1
    assert not balance.may_accept(first, 9)  # the new one starts with none
    assert balance.may_accept(replacement, 0)


def test_a_worker_over_its_share_takes_no_new_connection() -> None:
    balance, arbiter = ConnectionBalance(2, margin=1), _FakeArbiter()
    busy, quiet = _started(balance, arbiter, 100), _started(balance, arbiter, 101)
    balance.may_accept(busy, 20)  # each writes down its count when it asks
    assert balance.may_accept(quiet, 19)
    assert balance.may_accept(busy, 20)  # within the margin
    assert not balance.may_accept(busy, 21)  # over it: the other takes the next one
    assert balance.may_accept(quiet, 19)  # the least busy always may
    assert balance.may_accept(quiet, 21) and balance.may_accept(busy, 21)


def test_the_balanced_worker_counts_only_connections_in_service() -> None:
    pytest.importorskip("gunicorn")
    balance, arbiter = ConnectionBalance(2), _FakeArbiter()
    worker_class = balanced_worker_class(balance)
    assert worker_class != "gthread", "the installed gunicorn's threaded worker has changed"
    worker = worker_class.__new__(worker_class)
    worker.worker_connections = 1000
    worker.keepalived_conns, worker.pending_conns = [None] * 280, [None] * 10
    worker.nr_conns = 312  # 22 in service; the idle ones wait in the poller
    for pid, each in ((100, worker), (101, _FakeWorker())):
        balance.pre_fork(arbiter, each)
        arbiter.WORKERS[pid] = each
    other = arbiter.WORKERS[101]
    assert worker.worker_connections == 312  # 22 in service against a worker still starting
    assert balance.may_accept(other, 20)  # the other, with 20, may take more
    assert worker.worker_connections == 312  # 22 against 20: takes none until the other catches up
    assert balance.may_accept(other, 21)
    assert worker.worker_connections == 1000


def test_a_worker_not_taking_connections_looks_again_soon(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gunicorn")
    from gunicorn.workers.gthread import ThreadWorker

    balance = ConnectionBalance(2, recheck=0.02)
    worker_class = balanced_worker_class(balance)
    worker = worker_class.__new__(worker_class)
    waits: list[float] = []
    monkeypatch.setattr(
        ThreadWorker, "wait_for_and_dispatch_events", lambda self, timeout: waits.append(timeout)
    )
    worker._accepting = True
    worker.wait_for_and_dispatch_events(1.0)  # taking connections: gunicorn's own second
    worker._accepting = False
    worker.wait_for_and_dispatch_events(1.0)
    assert waits == [1.0, 0.02]


def test_turns_let_the_others_queue_when_told() -> None:
    turns = _Turns(1)
    calls: list[str] = []
    turns.take()
    turns.give()
    assert calls == []  # by default a request works as soon as it has its turn
    turns.on_turn = lambda: calls.append("others queue")
    turns.take()
    assert calls == ["others queue"]
    turns.give()


# Requests as greenlets, each waiting for its socket, under gevent as the default worker
# runs them: a request's "page" is the time between its turn and giving it back, during
# which other requests arrive (bytes written to their sockets) unread until it yields.
_ORDER_UNDER_GEVENT = """
import os, socket, sys
from gevent import monkey; monkey.patch_all()
import gevent
from roadmaps.web._app import _Turns
turns = _Turns(1)
turns.on_turn = gevent.idle  # as use_event_loop sets it for the gevent worker
order = []
sockets = {name: socket.socketpair() for name in sys.argv[1].split()}
def arrive(name):
    os.write(sockets[name][1].fileno(), b"x")
def request(name, during=None):
    sockets[name][0].recv(1)  # waits for the request
    turns.take()
    order.append(name)
    if during:
        arrive(during)
    turns.give()
    gevent.sleep(0)  # the page goes out
def busy_client():  # its next request is in as soon as its page has gone
    for page in ("X1", "X2", "X3"):
        turns.take()
        order.append(page)
        if page == "X1":
            arrive("B"); arrive("C")
        turns.give()
if sys.argv[2] == "queued":
    for name in ("Q1", "Q2", "Q3"):
        arrive(name)
    greenlets = [gevent.spawn(request, "Q1", "B"), gevent.spawn(request, "Q2"),
                 gevent.spawn(request, "Q3", "C"), gevent.spawn(request, "B"),
                 gevent.spawn(request, "C")]
else:
    greenlets = [gevent.spawn(request, "B"), gevent.spawn(request, "C"), gevent.spawn(busy_client)]
gevent.joinall(greenlets, timeout=10)
print(" ".join(order))
"""


def _under_gevent(script: str, *args: str) -> list[str]:
    """What ``script`` prints, run in a process of its own (gevent patches the process)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    return done.stdout.split()


def _order_under_gevent(names: str, scenario: str) -> list[str]:
    return _under_gevent(_ORDER_UNDER_GEVENT, names, scenario)


def test_turns_follow_arrival_under_gevent() -> None:
    pytest.importorskip("gevent")
    # B arrives during Q1's page and C during Q3's: B is served first (waiting for
    # gevent.idle before queueing put both in at once, C first).
    assert _order_under_gevent("Q1 Q2 Q3 B C", "queued") == ["Q1", "Q2", "Q3", "B", "C"]
    # B and C arrive during X1's page; X's next requests are in at once: X's third waits
    # behind them (with no wait at all, X took every turn first).
    order = _order_under_gevent("B C", "busy")
    assert len(order) == 5 and order.index("X3") > max(order.index("B"), order.index("C"))


def test_use_event_loop_sends_the_population_run_to_the_thread_runner(
    population_files: dict[str, bytes],
) -> None:
    from web_helpers import _population_post

    app = create_app(secret=b"s" * 32, today=lambda: date(2026, 11, 23))
    ran: list[str] = []

    def in_a_thread(work: Any) -> Any:
        ran.append(getattr(work, "func", work).__name__)
        return work()

    use_event_loop(app, let_others_queue=lambda: None, run_blocking=in_a_thread)
    turns = app.extensions["pathways.turns"]
    assert turns.on_turn is not None
    response = _population_post(app.test_client(), population_files)
    assert response.status_code == 200
    assert ran == ["run_population_files", "report_html"]


def test_the_worker_kind_is_checked() -> None:
    import roadmaps.cli._serve as serve_command
    from roadmaps.web._serving import WORKER_KINDS

    assert serve_command.WORKER_KINDS == WORKER_KINDS  # the command's choices, without the extra
    assert ServerSettings(worker="threads").worker_kind() == "threads"
    assert ServerSettings().worker_kind() in ("events", "threads")
    with pytest.raises(ValueError, match="worker must be one of events, threads"):
        ServerSettings(worker="fibres").worker_kind()


def test_turns_say_when_busy_and_call_when_idle() -> None:
    turns = _Turns(1)
    idle: list[str] = []
    turns.on_idle = lambda: idle.append("idle")
    assert not turns.busy()
    turns.take()
    assert turns.busy()
    waiter = threading.Thread(target=turns.take)
    waiter.start()
    while not turns._waiting:
        time.sleep(0.001)
    turns.give()  # to the waiter: still busy, not idle
    waiter.join(timeout=5)
    assert turns.busy() and idle == []
    turns.give()
    assert not turns.busy() and idle == ["idle"]


def test_the_event_worker_takes_a_connection_only_when_it_has_nothing_to_draw() -> None:
    pytest.importorskip("gevent")
    from roadmaps.web._serving import one_queue_worker_class

    worker_class = one_queue_worker_class()
    worker = worker_class.__new__(worker_class)

    class _Listener:
        def __init__(self) -> None:
            self.accepting = False

        def full(self) -> bool:
            return False

        def start_accepting(self) -> None:
            self.accepting = True

    listener = _Listener()
    worker.servers = [listener]
    worker.alive = True
    drawing = [True]
    worker.busy = lambda: drawing[0]
    worker.take_more()
    assert not listener.accepting  # a page in hand: the other worker takes the next one
    drawing[0] = False
    worker.alive = False
    worker.take_more()
    assert not listener.accepting  # stopping: its listeners are closed
    worker.alive = True
    worker.take_more()
    assert listener.accepting


_ONE_AT_A_TIME = """
import socket
from gevent import monkey; monkey.patch_all()
import gevent
from roadmaps.web._serving import one_at_a_time_server_class
taken = []
server = one_at_a_time_server_class()(("127.0.0.1", 0), lambda sock, address: taken.append(sock))
server.start()
clients = [socket.create_connection(server.address) for _ in range(3)]
gevent.sleep(0.3)
first = len(taken)
server.start_accepting()  # as the worker does once it has no page to draw
gevent.sleep(0.3)
print(first, len(taken))
"""


def test_the_event_worker_listener_takes_one_connection_until_told() -> None:
    pytest.importorskip("gevent")
    # Three waiting: one taken, then one more.
    assert _under_gevent(_ONE_AT_A_TIME) == ["1", "2"]


def test_serve_refuses_the_event_worker_without_gevent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import roadmaps.cli._serve as serve_command

    real = importlib.util.find_spec
    monkeypatch.setattr(
        serve_command.importlib.util,
        "find_spec",
        lambda name, *args: None if name == "gevent" else real(name, *args),
    )
    assert cli_main(["serve", "--worker", "events"]) == 2
    assert "--worker events needs gevent" in capsys.readouterr().err

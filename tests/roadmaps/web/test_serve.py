"""Serving the web app (issue 7).

The extra and the templates it ships with, the ``pathways serve`` command, worker
processes, and the turns that give each connection to the least busy worker.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
from pathlib import Path

import pytest
from web_helpers import ROOT, example_values

from roadmaps.cli import main as cli_main
from roadmaps.cli._serve import DEFAULT_THREADS, _is_loopback, default_workers
from roadmaps.web._app import _Turns

# --- packaging and the command ------------------------------------------------------------------


def test_web_extra_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    web = " ".join(extras["web"]).lower()
    assert "flask" in web and "jinja2" in web and "waitress" in web
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


# --- serving from worker processes ----------------------------------------------------------

needs_fork = pytest.mark.skipif(
    not hasattr(os, "fork") or not Path("/proc/self/fd").is_dir(),
    reason="worker processes need fork; the checks read /proc",
)


class _Serve:
    """``pathways serve --port 0`` in its own process group, as a council would run it."""

    def __init__(self, *options: str) -> None:
        command = "import sys; from roadmaps.cli import main; sys.exit(main())"
        self.process = subprocess.Popen(
            [sys.executable, "-c", command, "serve", "--port", "0", *options],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.announcement = self.lines.get(timeout=60)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.announcement)
        assert found is not None, self.announcement
        self.port = int(found.group(1))

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def workers(self, expected: int) -> list[int]:
        """The ids of the server's worker processes (from /proc), once all have started."""
        deadline = time.monotonic() + 30
        while True:
            children = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rpartition(")")[2].split()
                except OSError:  # the process has just ended
                    continue
                if int(fields[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
            if len(children) >= expected or time.monotonic() > deadline:
                return sorted(children)
            time.sleep(0.05)

    def stop(self, how: int = signal.SIGTERM, *, group: bool = False) -> int:
        if group:
            os.killpg(self.process.pid, how)
        else:
            self.process.send_signal(how)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        """Whatever happened in the test, leave no process and no open pipe behind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self.process.stderr is not None
        self.process.stderr.close()


def _sockets(pid: int) -> int:
    """How many sockets a process has open: its listening socket and its connections."""
    return sum(
        1 for fd in Path(f"/proc/{pid}/fd").iterdir() if os.readlink(fd).startswith("socket:")
    )


def _roadmap_body(token: str) -> str:
    return urllib.parse.urlencode({**example_values(), "csrf_token": token, "action": "generate"})


@needs_fork
def test_worker_processes_share_the_secret_and_the_connections() -> None:
    server = _Serve("--workers", "2", "--threads", "2")
    connections: list[http.client.HTTPConnection] = []
    try:
        assert "(2 worker processes;" in server.announcement
        workers = server.workers(2)
        assert len(workers) == 2
        connections = [
            http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(6)
        ]
        for connection in connections:
            started = time.monotonic()
            connection.request("GET", "/health")
            assert connection.getresponse().read() == b"ok\n"
            # Taken at once by the least busy worker, which need not wait to wake up.
            assert time.monotonic() - started < 0.5
        connections[0].request("GET", "/")
        response = connections[0].getresponse()
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        assert token is not None and cookie
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        for connection in connections:  # each connection stays with one worker
            connection.request("POST", "/", body=_roadmap_body(token.group(1)), headers=headers)
            response = connection.getresponse()
            assert response.status == 200, "a token made by one worker is good in every worker"
            assert b"Transition roadmap" in response.read()
        # Each new connection went to the worker with the fewest: 3 and 3, not 6 and 0.
        assert sorted(_sockets(pid) - 1 for pid in workers) == [3, 3]
        # A worker that dies takes the server down, for the service manager to restart.
        os.kill(workers[0], signal.SIGKILL)
        assert server.process.wait(timeout=30) == 1
        assert not Path(f"/proc/{workers[1]}").exists()
        assert any("a worker process stopped unexpectedly" in line for line in server.stderr)
    finally:
        for connection in connections:
            connection.close()
        server.kill()


@needs_fork
@pytest.mark.parametrize("group", [False, True], ids=["SIGTERM to the server", "Ctrl+C"])
def test_worker_processes_stop_cleanly(group: bool) -> None:
    server = _Serve("--workers", "2")
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


def test_turns_give_each_connection_to_the_least_busy_worker() -> None:
    turns = _Turns(3)
    try:
        assert turns.my_turn(0, 0) and turns.my_turn(1, 0)
        assert not turns.my_turn(0, 1), "another worker has fewer"
        assert turns.my_turn(2, 0)
        turns.my_turn(1, 1)
        turns.my_turn(2, 1)
        assert turns.my_turn(0, 1), "all equal: everyone may accept"
        turns.nudge_others(0)
        assert os.read(turns.nudges(1), 16) == os.read(turns.nudges(2), 16) == b"\0"
        os.set_blocking(turns.nudges(0), False)
        with pytest.raises(BlockingIOError):
            os.read(turns.nudges(0), 16)  # no nudge to itself
    finally:
        turns.close()

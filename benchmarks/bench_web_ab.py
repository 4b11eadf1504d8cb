"""Two web servers side by side under the same load (issue 13): not a test, it prints figures.

The project's machine is a shared virtual machine whose speed moves by a third
within a minute, so two load runs one after the other (``bench_web_load.py``)
cannot tell apart changes worth a few per cent. This runs two ``pathways serve``
at once, each with its own code checkout or settings, with ``--clients`` clients
each (closed loop, no pause, as ``bench_web_load.py``), so that both meet the
same slow and fast stretches; it prints, for each, the roadmaps a second, p50
and p95, the errors and the processor time per roadmap, which is what a change to
the server or the page moves. Each round runs the two in the other order, and the
last line gives B's processor time per roadmap as a share of A's, round by round.

A side is written ``key=value,...`` with the keys ``root`` (a checkout of this
repository: its code is served), ``worker`` (``events`` or ``threads``), ``workers``,
``threads`` and ``pages`` (``pathways serve --pages-at-once``); anything not given
is ``pathways serve``'s default and this checkout.

    python benchmarks/bench_web_ab.py --a threads=4 --b threads=256
    python benchmarks/bench_web_ab.py --a root=/path/to/old/checkout --b "" --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_web_load import (  # noqa: E402
    Results,
    client,
    free_port,
    percentile,
    processor_seconds,
    server_processes,
    wait_until_up,
)

from roadmaps.cli._serve import WORKER_KINDS  # noqa: E402

_OPTIONS = {"workers": "--workers", "threads": "--threads", "pages": "--pages-at-once"}


@dataclass(frozen=True)
class Side:
    """One server: the checkout whose code it serves and its ``pathways serve`` options."""

    label: str
    root: Path
    options: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, name: str) -> Side:
        root, options = ROOT, []
        for item in filter(None, (part.strip() for part in text.split(","))):
            key, _, value = item.partition("=")
            if key == "root":
                root = Path(value).resolve()
                if not (root / "roadmaps" / "cli").is_dir():
                    raise SystemExit(f"--{name}: {root} is not a checkout of this repository")
            elif key in _OPTIONS and value.isdigit():
                options += [_OPTIONS[key], value]
            elif key == "worker" and value in WORKER_KINDS:
                options += ["--worker", value]
            else:
                raise SystemExit(
                    f"--{name}: {item!r} is not root=PATH, worker=events|threads, workers=N, "
                    "threads=N or pages=N"
                )
        return cls(text or "defaults", root, tuple(options))

    def start(self, port: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONPATH": str(self.root)}
        command = "import sys; from roadmaps.cli import main; sys.exit(main())"
        return subprocess.Popen(
            [sys.executable, "-c", command, "serve", "--port", str(port), *self.options],
            cwd=self.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@dataclass(frozen=True)
class Figures:
    per_second: float
    p50: float
    p95: float
    errors: int
    cpu_ms: float


def one_round(sides: list[Side], clients: int, duration: float) -> list[Figures]:
    """Both servers at once, ``clients`` clients each, for ``duration`` seconds."""
    ports = [free_port() for _ in sides]
    servers = [side.start(port) for side, port in zip(sides, ports, strict=True)]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_until_up(port, server, seconds=60)
        time.sleep(2)  # every worker up (/health answers as soon as one is)
        pids = [server_processes(server) for server in servers]
        results = [Results() for _ in sides]
        before = [processor_seconds(p) for p in pids]
        stop_at = time.monotonic() + duration
        threads = [
            threading.Thread(target=client, args=(n, port, stop_at, 0.0, result))
            for port, result in zip(ports, results, strict=True)
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=duration + 60)
        after = [processor_seconds(p) for p in pids]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    figures = []
    for result, start, end in zip(results, before, after, strict=True):
        ms = [v * 1000 for waits in result.by_client.values() for v in waits] or [0.0]
        count = sum(len(waits) for waits in result.by_client.values())
        figures.append(
            Figures(
                per_second=count / duration,
                p50=statistics.median(ms),
                p95=percentile(ms, 0.95),
                errors=len(result.errors),
                cpu_ms=(end - start) / max(count, 1) * 1000,
            )
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", default="", help="side A: key=value,... (default: this checkout)")
    parser.add_argument("--b", default="", help="side B: key=value,... (default: this checkout)")
    parser.add_argument("--clients", type=int, default=25, help="clients per server (default 25)")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds a round (default 12)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds, each in both orders (default 3)"
    )
    args = parser.parse_args()
    a, b = Side.parse(args.a, "a"), Side.parse(args.b, "b")
    print(
        f"two servers at once, {args.clients} clients each, closed loop, {args.duration:g} s a "
        f"round; machine: {os.cpu_count()} CPUs\n  A: {a.label}\n  B: {b.label}"
    )
    shares = []
    for number in range(args.rounds):
        for a_first in (True, False):
            order = [a, b] if a_first else [b, a]
            got = one_round(order, args.clients, args.duration)
            fig_a, fig_b = (got[0], got[1]) if a_first else (got[1], got[0])
            for name, f in (("A", fig_a), ("B", fig_b)):
                print(
                    f"  round {number + 1} {name}: {f.per_second:.0f} roadmaps a second, "
                    f"p50 {f.p50:.0f} ms, p95 {f.p95:.0f} ms, errors {f.errors}, "
                    f"{f.cpu_ms:.2f} ms of processor time a roadmap"
                )
            shares.append(fig_b.cpu_ms / fig_a.cpu_ms)
    print(
        "  B's processor time a roadmap, as a share of A's: "
        + ", ".join(f"{share:.2f}" for share in shares)
        + f" (median {statistics.median(shares):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

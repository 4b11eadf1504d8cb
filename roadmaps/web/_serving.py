"""Serving the web app: gunicorn's worker processes, or one process where there is no fork.

``pathways serve`` binds its listening sockets here (:func:`listen_sockets`),
then hands them to gunicorn (:func:`serve_workers`): a master process that
starts one worker process per processor core, restarts a worker that dies or
hangs, and stops them all on SIGTERM once the requests in hand are done. Each
worker is gunicorn's gevent worker (:func:`one_queue_worker_class`): one thread
and an event loop, each connection a greenlet that costs a few kilobytes while it
waits for the network; each response closes its connection, and a worker takes
a new one only when it has nothing to draw, so both take from one queue.
``ServerSettings(worker="threads")`` gives gunicorn's ``gthread`` worker instead
(:func:`balanced_worker_class`): a thread pool for the connections being served,
and a poller that holds idle kept-alive connections without a thread; its
workers keep even shares of the connections (:class:`ConnectionBalance`).
gunicorn runs on Linux and macOS; on Windows, which has no ``fork``,
:func:`make_server` serves from one process instead.

Nothing is written to disk: gunicorn's control socket is off, and the
heartbeat file each worker keeps (empty, unlinked as soon as it is made) is
made in memory (``/dev/shm``) where there is such a folder.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import ipaddress
import logging
import mmap
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler
from werkzeug.serving import make_server as make_werkzeug_server

LOG = logging.getLogger("roadmaps.web")

#: How a worker can serve its connections (``pathways serve --worker``).
WORKER_KINDS = ("events", "threads")

#: Connections the kernel queues for a listening socket before a worker takes them.
BACKLOG = 2048


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How gunicorn serves the app (``pathways serve``'s options and its fixed settings).

    Attributes:
        workers: worker processes; None: one per processor core this process
            may use (1 where gunicorn cannot run).
        worker: how each worker serves its connections (:data:`WORKER_KINDS`):
            ``"events"``, one thread and an event loop (gevent), each connection
            costing a few kilobytes while it waits; or ``"threads"``, a thread for
            each connection being served (``threads`` of them). None: ``"events"``
            where gevent is installed, ``"threads"`` otherwise.
        threads: with ``worker="threads"``, connections each worker serves at
            once, each in a thread of its own, from the request's first byte to
            the response's last: a page being drawn, or a slow client sending a
            request or reading a page.
            Python runs one thread of a process at a time, so more threads do
            not draw more pages; they let slow clients wait without holding up
            the others.
        connections: most connections a worker holds open, these and idle
            kept-alive ones together; past it, new connections wait in the
            kernel's queue.
        keepalive: seconds an idle kept-alive connection, or a new one that
            has sent nothing, is kept before it is closed.
        timeout: seconds after which gunicorn restarts a worker that has stopped
            answering its master (stuck).
        graceful_timeout: seconds a stopping worker has to finish the requests in hand.
        trusted_proxy: the reverse proxy's IP address or network: only from it
            is ``X-Forwarded-Proto`` believed (the page was served over HTTPS).
    """

    workers: int | None = None
    worker: str | None = None
    threads: int = 256
    connections: int = 1000
    keepalive: int = 5
    timeout: int = 30
    graceful_timeout: int = 30
    trusted_proxy: str | None = None

    def worker_kind(self) -> str:
        """How each worker serves its connections: ``worker``, or its default."""
        if self.worker is not None:
            if self.worker not in WORKER_KINDS:
                raise ValueError(
                    f"worker must be one of {', '.join(WORKER_KINDS)}, got {self.worker!r}"
                )
            return self.worker
        return "events" if importlib.util.find_spec("gevent") is not None else "threads"

    def worker_count(self) -> int:
        """The worker processes: ``workers``, or its default."""
        if self.workers is not None:
            return self.workers
        from roadmaps.population import default_workers

        return default_workers() if gunicorn_available() else 1

    def gunicorn_options(self, sockets: Iterable[socket.socket]) -> dict[str, Any]:
        """gunicorn's settings (https://gunicorn.org/reference/settings/)."""
        options: dict[str, Any] = {
            "bind": [f"fd://{sock.fileno()}" for sock in sockets],
            "backlog": BACKLOG,
            "workers": self.worker_count(),
            "worker_class": "gthread",
            "threads": self.threads,
            "worker_connections": self.connections,
            "keepalive": self.keepalive,
            "timeout": self.timeout,
            "graceful_timeout": self.graceful_timeout,
            # A request line, header count and header size past these is refused (400,
            # 414 or 431) before the app sees it. The body's size is the app's business.
            "limit_request_line": 4094,
            "limit_request_fields": 100,
            "limit_request_field_size": 8190,
            "forwarded_allow_ips": self.trusted_proxy or "",
            "proxy_allow_ips": "",
            # gunicorn writes no access log (the app's own, --access-log, has no query
            # string); its error log, on stderr, has starts, stops and worker restarts.
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "control_socket_disable": True,  # a socket file in the home folder otherwise
            "proc_name": "pathways-web",
        }
        if Path("/dev/shm").is_dir():
            options["worker_tmp_dir"] = "/dev/shm"
        return options


class ConnectionBalance:
    """Keeps the connections spread evenly over gunicorn's worker processes.

    A browser (or a benchmark's client) sends request after request on one
    kept-alive connection, and the connection stays with the worker that took
    it. With 50 busy clients, one worker could hold 31 and the other 19, and the
    first one's pages then took half as long again. So each worker writes down
    how many connections it holds, in a few bytes of memory the workers share
    (no file), and takes a new connection only while it holds at most ``margin``
    more than the least busy worker (:meth:`may_accept`). The least busy one
    always takes it; one that stops taking connections looks again every
    ``recheck`` seconds, as the others' counts change without telling it, so a
    new connection waits no longer than that for a worker. A worker still
    starting counts as holding none.

    The threaded worker (:func:`balanced_worker_class`) counts the connections in
    service in a thread, not the idle ones waiting in gunicorn's poller. No
    connection is closed to move it (gunicorn's lingering close would hold up a
    worker for seconds on a client that never reads). The gevent worker needs no
    balance (:func:`one_queue_worker_class`).
    """

    def __init__(self, workers: int, *, margin: int = 1, recheck: float = 0.02) -> None:
        self.slots = max(1, workers)
        self.margin = margin
        self.recheck = recheck
        self._memory = mmap.mmap(-1, 8 * self.slots)  # anonymous, shared with forked workers
        self._counts = memoryview(self._memory).cast("q")
        for slot in range(self.slots):
            self._counts[slot] = -1  # no worker in this slot

    def pre_fork(self, server: Any, worker: Any) -> None:
        """gunicorn's ``pre_fork`` hook (in the master): give the new worker a free slot."""
        taken = {getattr(w, "balance_slot", None) for w in server.WORKERS.values()}
        free = [slot for slot in range(self.slots) if slot not in taken]
        worker.balance_slot = free[0] if free else None  # more workers than slots: not counted
        if free:
            # Nothing yet: the others take no more than their share meanwhile, so the
            # clients that connect while it starts wait for it rather than all going to
            # one worker (and staying there, on kept-alive connections).
            self._counts[free[0]] = 0

    def child_exit(self, server: Any, worker: Any) -> None:
        """gunicorn's ``child_exit`` hook (in the master): a dead worker's count goes."""
        slot = getattr(worker, "balance_slot", None)
        if slot is not None:
            self._counts[slot] = -1

    def may_accept(self, worker: Any, in_service: int) -> bool:
        """Record that ``worker`` has ``in_service`` connections in service; may it take more?"""
        slot = getattr(worker, "balance_slot", None)
        if slot is None:
            return True
        self._counts[slot] = in_service
        others = [count for index, count in enumerate(self._counts) if index != slot and count >= 0]
        return not others or in_service <= min(others) + self.margin

    def hooks(self) -> dict[str, Callable[..., None]]:
        """The gunicorn settings of these hooks."""
        return {"pre_fork": self.pre_fork, "child_exit": self.child_exit}


def balanced_worker_class(balance: ConnectionBalance) -> Any:
    """gunicorn's threaded worker that takes new connections only as ``balance`` allows.

    Its loop takes connections while ``nr_conns < worker_connections``, asking at
    each turn; here that limit is the configured one when the worker is within its
    share, and no more than it already holds when it is over. A turn comes at each
    event (a request done, a connection readable), or after a second with none;
    a worker that is not taking connections takes a turn every
    ``balance.recheck`` seconds instead, as the others' counts change without
    telling it. Returns ``"gthread"`` (gunicorn's own) where the installed
    gunicorn's worker is not the one this was written for.
    """
    from gunicorn.workers.gthread import ThreadWorker

    if not all(
        hasattr(ThreadWorker, name)
        for name in ("set_accept_enabled", "wait_for_and_dispatch_events")
    ):  # before gunicorn 27
        return "gthread"

    class BalancedThreadWorker(ThreadWorker):  # type: ignore[misc]
        @property
        def worker_connections(self) -> int:
            configured: int = self._configured_connections
            # The poller holds the idle ones (kept alive, or not yet sending) without a thread.
            waiting = len(getattr(self, "keepalived_conns", ())) + len(
                getattr(self, "pending_conns", ())
            )
            held: int = self.nr_conns
            if balance.may_accept(self, held - waiting):
                return configured
            return min(configured, held)

        @worker_connections.setter
        def worker_connections(self, value: int) -> None:
            self._configured_connections = value

        def wait_for_and_dispatch_events(self, timeout: float) -> None:
            if not getattr(self, "_accepting", True):
                timeout = min(timeout, balance.recheck)
            super().wait_for_and_dispatch_events(timeout)

    return BalancedThreadWorker


#: How long the worker that took a connection waits for its request before it takes
#: another: 0, until the connection's greenlet first waits for the network (a request
#: that has all arrived is read, and takes its turn, before that; a slow client's
#: connection stops the worker for no longer).
REQUEST_GRACE = 0.0


def close_after_response(worker: Any, req: Any) -> None:
    """gunicorn's ``pre_request`` hook for :func:`one_queue_worker_class`: the response
    closes its connection, so that the client's next request joins the queue both
    workers take from rather than staying with this one."""
    req.must_close = True


def one_at_a_time_server_class() -> Any:
    """gevent's ``StreamServer``, taking one connection, then no more until told to
    (``start_accepting``)."""
    from gevent.server import StreamServer

    class OneAtATime(StreamServer):  # type: ignore[misc]
        max_accept = 1  # (gevent's own accepts up to 100 connections at each turn)

        def do_handle(self, *args: Any) -> None:
            self.stop_accepting()
            super().do_handle(*args)

    return OneAtATime


def one_queue_worker_class(grace: float = REQUEST_GRACE) -> Any:
    """gunicorn's gevent worker, taking a new connection only when it has nothing to draw.

    One thread serves every connection, each a greenlet that waits for the network
    without holding a thread (a slow client costs a few kilobytes). Each response
    closes its connection (:func:`close_after_response`), and a worker takes one new
    connection at a time: the next at once if nothing has arrived on it yet (an idle
    client), else once it has no request waiting for or holding a turn, once that
    connection has ended, or after ``grace`` seconds. The kernel's queue of new
    connections is then the one queue both workers take from, in order; a worker
    that runs slower for a moment takes fewer (kept alive, a connection stayed with
    its worker, whose clients then waited longer). The app's turns and population
    uploads: :func:`use_event_loop`.
    """
    import gevent
    from gevent.pool import Pool
    from gunicorn.workers.ggevent import GeventWorker

    from ._app import use_event_loop

    OneAtATime = one_at_a_time_server_class()

    class OneQueueWorker(GeventWorker):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.servers: list[Any] = []
            #: Whether a request holds or waits for a turn (the app's, once run() has it).
            self.busy: Callable[[], bool] = lambda: False

        def init_process(self) -> None:
            # gevent's patching takes a moment before gunicorn sets this worker's signal
            # handlers: a stop signal then would reach the master's handler, copied into
            # this process, and be lost (the master waiting its graceful timeout for it).
            # Until then, any of them stops the worker as soon as it has started.
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
                signal.signal(sig, self.handle_exit)
            super().init_process()

        def run(self) -> None:
            if isinstance(self.wsgi, Flask):
                self.busy = use_event_loop(
                    self.wsgi,
                    let_others_queue=gevent.idle,
                    run_blocking=lambda work: gevent.get_hub().threadpool.apply(work),
                    when_idle=self.take_more,
                )
            pool = Pool(self.worker_connections)
            for sock in self.sockets:
                sock.setblocking(1)
                server = OneAtATime(sock, handle=partial(self.serve, sock), spawn=pool)
                server.start()
                self.servers.append(server)
            notified = 0.0
            while self.alive:
                if time.monotonic() - notified >= 1.0:
                    self.notify()  # the master's heartbeat; exits if the master has gone
                    notified = time.monotonic()
                self.take_more()  # (should a wake-up have been missed)
                gevent.sleep(0.02)
            _finish(self, pool)

        def serve(self, sock: Any, client: Any, address: Any) -> None:
            if not _bytes_waiting(client):
                self.take_more()  # no request on it yet: an idle client holds nothing up
            later = gevent.spawn_later(grace, self.take_more)
            try:
                self.handle(sock, client, address)
            finally:
                later.kill(block=False)
                self.take_more()

        def take_more(self) -> None:
            """Take the next connection, unless a request waits for or holds a turn, or it stops."""
            if self.busy() or not self.alive:
                return
            for server in self.servers:
                if not server.full():
                    server.start_accepting()

    return OneQueueWorker


def _bytes_waiting(connection: Any) -> int:
    """How many bytes have arrived on ``connection`` and are not yet read (0 if unknown)."""
    import fcntl
    import struct
    import termios

    try:
        found = fcntl.ioctl(connection.fileno(), termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return 0
    return int(struct.unpack("i", found)[0])


def _finish(worker: Any, pool: Any) -> None:
    """As gunicorn's gevent worker stops: no new connections; those in hand have the
    graceful timeout to finish, then are closed."""
    import gevent

    for server in worker.servers:
        server.close()
    deadline = time.monotonic() + worker.cfg.graceful_timeout
    while pool.free_count() != pool.size and time.monotonic() < deadline:
        worker.notify()
        gevent.sleep(0.1)
    if pool.free_count() != pool.size:
        worker.log.warning("Worker graceful timeout (pid:%s)", worker.pid)
        pool.kill(timeout=1)


def gunicorn_available() -> bool:
    """Whether gunicorn can run here (it needs ``fork``: not on Windows)."""
    if not hasattr(os, "fork"):
        return False
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:
        return False
    return True


def listen_sockets(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for ``host`` and ``port``, one for each of its addresses.

    A name may have more than one (``localhost``: 127.0.0.1 and ::1). Port 0
    picks a free port, the same for every address.

    Raises:
        OSError: an address cannot be bound (in use, not on this machine).
    """
    addresses = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )
    bound: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(addresses):
            sock = socket.socket(family, kind, proto)
            bound.append(sock)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if port == 0 and len(bound) > 1:  # the port the first address was given
                address = (address[0], bound[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(BACKLOG)
    except OSError:
        for sock in bound:
            sock.close()
        raise
    return bound


def serve(
    app: Flask,
    settings: ServerSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    announce: Callable[[int, int], None] | None = None,
) -> int:
    """Serve the app on ``host`` and ``port`` until it is stopped (``pathways serve``).

    With gunicorn's worker processes (:func:`serve_workers`), or, where gunicorn
    cannot run (Windows), from this one process (:func:`make_server`), with a
    warning that this is for trying the app out.

    Args:
        announce: called with the port (``port=0`` picks a free one) and the
            number of processes once the app is listening.

    Returns:
        the exit status: 0 once stopped by a signal.

    Raises:
        OSError: the address cannot be bound.
        ValueError: more than one worker where gunicorn cannot run.
    """
    workers = settings.worker_count()
    if gunicorn_available():
        sockets = listen_sockets(host, port)
        if announce is not None:
            announce(sockets[0].getsockname()[1], workers)
        return serve_workers(app, sockets, settings)
    if workers > 1:
        raise ValueError(
            "more than one worker process needs gunicorn, on a system with fork (not Windows)"
        )
    LOG.warning(single_process_note())
    server = make_server(app, host=host, port=port, trusted_proxy=settings.trusted_proxy)
    if announce is not None:
        announce(server.port, 1)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def serve_workers(app: Flask, sockets: Sequence[socket.socket], settings: ServerSettings) -> int:
    """Serve the app with gunicorn from the listening ``sockets`` until it is stopped.

    The workers are forked from this process after the app is made, so they
    share its CSRF secret (a form from one is accepted by another) and nothing
    else: no worker keeps anything between requests. SIGTERM (how systemd
    stops a service) lets the workers finish the requests in hand, SIGINT
    (``Ctrl+C``) stops them at once; a worker that dies or hangs is restarted.
    Needs gunicorn and ``os.fork`` (not Windows).

    Returns:
        the exit status: 0 after a stop signal, gunicorn's own otherwise (3 if
        a worker could not start).
    """
    from gunicorn.app.base import BaseApplication

    class PathwaysGunicorn(BaseApplication):  # type: ignore[misc]
        """gunicorn run from Python: the settings given, no command line, no config file."""

        def load_config(self) -> None:
            for key, value in settings.gunicorn_options(sockets).items():
                self.cfg.set(key, value)
            if settings.worker_kind() == "events":
                self.cfg.set("worker_class", one_queue_worker_class())
                self.cfg.set("pre_request", close_after_response)
            else:
                balance = ConnectionBalance(settings.worker_count())
                self.cfg.set("worker_class", balanced_worker_class(balance))
                for key, hook in balance.hooks().items():
                    self.cfg.set(key, hook)

        def load(self) -> Flask:
            return app

    warm_up()
    master = os.getpid()
    try:
        PathwaysGunicorn().run()  # closes the sockets when it stops
    except SystemExit as stop:
        if os.getpid() != master:
            # A worker process ending: straight out of the process, as gunicorn means,
            # without the interpreter's clean-up, which under gevent's patched locks
            # prints "Exception ignored" from logging (as multiprocessing's children do).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(stop.code if isinstance(stop.code, int) else 1)
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def warm_up() -> None:
    """Load what every page needs once, in the process the workers are forked from.

    The rule data of every area, the family text and glossary, and the compiled
    page templates are then shared by the workers rather than loaded by each at
    its first page; and :func:`gc.freeze` takes them out of the garbage
    collector's sweeps, which otherwise stopped a worker for about 60 ms every
    few hundred pages to look through them (a page's own objects are still
    collected). The young person drawn is made up here, and nothing of the
    pages is kept.
    """
    from cohorts import available_areas, person_from_mapping
    from roadmaps import generate_roadmap
    from roadmaps.render import render_html

    as_of = date.today()
    person = person_from_mapping(
        {
            "id": "warm-up",
            "date_of_birth": as_of.replace(year=as_of.year - 16, day=1).isoformat(),
            "ehcp": {
                "issued": as_of.replace(year=as_of.year - 6, day=1).isoformat(),
                "setting": "school",
            },
            "care_episodes": [{"start": as_of.replace(year=as_of.year - 2, day=1).isoformat()}],
        },
        source="warm-up",
    )
    for area in available_areas():
        roadmap = generate_roadmap(person, as_of=as_of, area=area)
        for audience in ("practitioner", "family"):
            render_html(roadmap, audience=audience)
    gc.collect()
    gc.freeze()


# --- one process: Windows, tests and notebooks ----------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler, logging no request line (it could hold a query string).

    A connection that sends nothing for 30 seconds is closed (``socketserver``'s
    timeout), so an idle client does not keep a thread for ever.
    """

    timeout = 30

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() != "server":  # no server name or version
            super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_error(self, format: str, *args: Any) -> None:
        LOG.warning("web server: a request could not be read")


def make_server(
    app: Flask,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    trusted_proxy: str | None = None,
) -> BaseWSGIServer:
    """A server for the app in this one process (call ``.serve_forever()``).

    Werkzeug's threaded server: a thread for each connection, each closed after
    30 seconds without a byte. It is what ``pathways serve`` uses where gunicorn
    cannot run (Windows), and :func:`serve_in_thread` for tests and notebooks.
    ``server.port`` is the port it listens on (``port=0`` picks a free one).

    Args:
        trusted_proxy: the reverse proxy's address: only from it is
            ``X-Forwarded-Proto`` believed.

    Raises:
        OSError: the address cannot be bound.
    """
    return make_werkzeug_server(
        host,
        port,
        _trusting(app.wsgi_app, trusted_proxy),
        threaded=True,
        request_handler=_QuietHandler,
    )


def _trusting(wsgi_app: Callable[..., Any], trusted_proxy: str | None) -> Callable[..., Any]:
    """The app, told a request came over HTTPS only if the trusted proxy says so."""
    network = ipaddress.ip_network(trusted_proxy) if trusted_proxy else None

    def from_proxy(address: str) -> bool:
        try:
            return network is not None and ipaddress.ip_address(address) in network
        except ValueError:
            return False

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        proto = environ.pop("HTTP_X_FORWARDED_PROTO", "")
        if proto == "https" and from_proxy(environ.get("REMOTE_ADDR", "")):
            environ["wsgi.url_scheme"] = "https"
        return wsgi_app(environ, start_response)

    return app


def serve_in_thread(
    app: Flask, *, host: str = "127.0.0.1", port: int = 0
) -> tuple[BaseWSGIServer, threading.Thread]:
    """Start the app in a background thread of this process (for tests and notebooks).

    Returns the server (``server.port`` is the port) and its thread; stop them
    with :func:`stop_server`.
    """
    server = make_server(app, host=host, port=port)
    thread = threading.Thread(target=server.serve_forever, name="pathways-web", daemon=True)
    thread.start()
    return server, thread


def stop_server(server: BaseWSGIServer, thread: threading.Thread, timeout: float = 10) -> None:
    """Stop a server from :func:`serve_in_thread` and close its socket."""
    server.shutdown()
    thread.join(timeout=timeout)
    with contextlib.suppress(OSError):
        server.server_close()


def single_process_note() -> str:
    """What :func:`serve` says when it serves from one process, and why."""
    reason = "this system has no fork" if not hasattr(os, "fork") else "gunicorn is not installed"
    return (
        f"serving from one process ({reason}): fine to try the app out; for a "
        "council's server, use Linux with gunicorn (see docs/web-app.md)"
    )

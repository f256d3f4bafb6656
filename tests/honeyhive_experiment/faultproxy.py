"""A fault-injecting HTTP/1.1 reverse proxy on a loopback port, for fault tests.

    with FaultProxy(backend.url, rate=0.2, seed=7) as proxy:
        client = HoneyHiveClient(proxy.url, api_key)   # every request now has a 20 % chance to fail

It is a real TCP server (``http.server.ThreadingHTTPServer``, one thread per connection, keep-alive)
that forwards each request to ``upstream`` with httpx and relays the answer. A seeded
``random.Random`` decides, request by request, whether to fail it (probability ``rate``); the kinds of
fault are dealt round-robin from ``kinds``, so every kind happens as soon as there are that many
faults, whatever the thread interleaving. Two families:

* **before forwarding** — the backend never sees the request: an HTTP 500, an HTTP 503, an HTTP 429
  with ``Retry-After``, or a connection reset (the socket is closed with ``SO_LINGER`` 0 after the
  request was read, so the client gets an RST instead of a response);
* **after forwarding** — the backend processed (and committed) the request, but the client gets an
  HTTP 500 or a connection reset instead of the backend's answer. A client that retries re-sends a
  write the backend already applied: this is what exercises idempotency.

``should_fault(method, path)`` restricts which requests may be failed (default: all). Every injected
fault is recorded in :attr:`FaultProxy.injected` (kind, method, path) and counted in
:attr:`FaultProxy.counts`.

Beyond single requests, the backend can go away for good (:meth:`FaultProxy.outage_at`: from the n-th request
of a route on, so it happens mid-run without a timer; or from the first request of all, at start), in one of three
ways (:class:`Outage`):

* **dead** — a killed process: the listening socket is closed (a new connection is refused) and a request on a
  connection already open is reset;
* **hang** — a process that accepts connections and reads requests but never answers (each request's handler
  waits until the proxy stops, then closes the connection without a word);
* **black hole** — packets dropped on the way: ``connect()`` never completes, and open connections never answer.
  The machine's network is closed, so no unroutable address can play it: the proxy stops accepting, shrinks
  its listening socket's backlog to the minimum (``listen(0)``) and fills it with connections of its own that
  it never accepts. Linux drops a SYN to a listener whose accept queue is full, so the client's ``connect()``
  retransmits its SYN until its own connect timeout, exactly as against a black hole.

:attr:`FaultProxy.outage_began` is when the outage began (``time.monotonic()``), and
:attr:`FaultProxy.outage_started` an event set then.

Beyond faults, it can play an older or newer server: ``missing(method, path)`` makes a route answer 404 as a
server without it would (never forwarded), ``page(method, path)`` answers a web page (200, ``text/html``: a sign-in
portal, a web server at the wrong URL; never forwarded), ``emptied(method, path)`` forwards the request and answers
204 without a body, typed ``text/html`` (Flask's default for ``return "", 204``), ``rewrite(method, path, body)``
changes a forwarded answer's JSON body, and ``rewrite_request(method, path, body)`` a request's before it is
forwarded (a backend that reads it otherwise). ``answer(method, path)`` answers ``(status, JSON body)`` instead of
forwarding (``None``: forwarded), and ``trickle(method, path)`` sends an answer's body (forwarded, ``page``'s or
``answer``'s) ``(size, every)``: ``size`` bytes every ``every`` seconds, each piece in time for a read timeout, the
whole late.
:attr:`FaultProxy.routes` counts every request by ``"METHOD /path"`` (without the query).
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

from honeyhive_experiment.connection import tls_for


class Fault(StrEnum):
    HTTP_500 = "500 before forwarding"
    HTTP_503 = "503 before forwarding"
    HTTP_429 = "429 + Retry-After before forwarding"
    RESET = "connection reset before forwarding"
    HTTP_500_AFTER = "500 after forwarding"
    RESET_AFTER = "connection reset after forwarding"

    @property
    def after_forwarding(self) -> bool:
        return self in (Fault.HTTP_500_AFTER, Fault.RESET_AFTER)


ALL_FAULTS: tuple[Fault, ...] = tuple(Fault)


class Outage(StrEnum):
    """How the backend goes away for good (see the module's docstring)."""

    DEAD = "dead"
    HANG = "hang"
    BLACK_HOLE = "black hole"


# hop-by-hop headers (RFC 9110 §7.6.1) and the ones the proxy recomputes
_SKIPPED_REQUEST_HEADERS = frozenset({"host", "connection", "keep-alive", "content-length", "transfer-encoding", "te"})
_SKIPPED_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "content-length", "transfer-encoding", "content-encoding", "date", "server"}
)


@dataclass(frozen=True, slots=True)
class Injected:
    fault: Fault
    method: str
    path: str


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops SYNs under a burst of new connections (1 s retransmits)
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients expect
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this they stall ~40 ms on delayed ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._proxy()

    def do_POST(self) -> None:
        self._proxy()

    def do_PUT(self) -> None:
        self._proxy()

    def do_DELETE(self) -> None:
        self._proxy()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _proxy(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        if proxy.record(self.command, self.path):
            self._reply(404, {"Content-Type": "application/json"}, b'{"error":"Cannot ' + self.command.encode() + b'"}')
            return
        trickle = proxy.trickle(self.command, self.path)
        if proxy.page(self.command, self.path.split("?", 1)[0]):
            page = b"<!doctype html><title>Sign in</title>"
            self._reply(200, {"Content-Type": "text/html; charset=utf-8"}, page, trickle)
            return
        if (answered := proxy.answer(self.command, self.path)) is not None:
            self._reply(answered[0], {"Content-Type": "application/json"}, json.dumps(answered[1]).encode(), trickle)
            return
        if self._gone():
            return
        fault = proxy.draw(self.command, self.path)
        if fault is Fault.RESET:
            self._reset()
            return
        if fault in (Fault.HTTP_500, Fault.HTTP_503, Fault.HTTP_429):
            status = {Fault.HTTP_500: 500, Fault.HTTP_503: 503, Fault.HTTP_429: 429}[fault]
            extra = {"Retry-After": proxy.retry_after} if fault is Fault.HTTP_429 else {}
            self._reply(status, {"Content-Type": "application/json", **extra}, b'{"error":"injected fault"}')
            return
        if proxy.rewrite_request is not None and "json" in (self.headers.get("Content-Type") or ""):
            body = json.dumps(proxy.rewrite_request(self.command, self.path, json.loads(body))).encode()
        try:
            upstream = proxy.forward(self.command, self.path, self.headers.items(), body)
        except httpx.HTTPError:
            self._reply(502, {"Content-Type": "application/json"}, b'{"error":"upstream unreachable"}')
            return
        if self._gone():  # the backend went away while this request was with it: the answer is lost
            return
        if fault is Fault.RESET_AFTER:
            self._reset()
            return
        if fault is Fault.HTTP_500_AFTER:
            self._reply(500, {"Content-Type": "application/json"}, b'{"error":"injected fault after forwarding"}')
            return
        if proxy.emptied(self.command, self.path.split("?", 1)[0]):
            self._reply(204, {"Content-Type": "text/html; charset=utf-8"}, b"")
            return
        headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _SKIPPED_RESPONSE_HEADERS}
        content = upstream.content
        json_answer = "json" in upstream.headers.get("content-type", "")
        if proxy.rewrite is not None and upstream.status_code == 200 and json_answer:  # OTLP answers are protobuf
            content = json.dumps(proxy.rewrite(self.command, self.path, json.loads(content))).encode()
        self._reply(upstream.status_code, headers, content, trickle)

    def _reply(
        self, status: int, headers: dict[str, str], body: bytes, trickle: tuple[int, float] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        size, every = trickle or (len(body) or 1, 0.0)
        for start in range(0, len(body), size):
            if start:
                threading.Event().wait(every)  # real time: a client's deadline is on the wall clock
            try:
                self.wfile.write(body[start : start + size])
            except OSError:  # the client gave up on a trickle
                self.close_connection = True
                return

    def _gone(self) -> bool:
        """Whether the backend is gone for this request; if so it was reset or left unanswered."""
        outage = self.server.proxy.affected()
        if outage is None:
            return False
        if outage is Outage.DEAD:
            self._reset()
        else:  # hang, black hole: no answer until the proxy stops, then the connection closes without one
            self.server.proxy.released.wait()
            self.close_connection = True
        return True

    def _reset(self) -> None:
        """Abort the connection with an RST: linger on, timeout 0, close."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket's file descriptor closes with its last user
        self.connection.close()


class FaultProxy:
    """A reverse proxy to ``upstream`` that fails a seeded-random share of requests."""

    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.2,
        seed: int = 0,
        kinds: Sequence[Fault] = ALL_FAULTS,
        retry_after: str = "0",
        should_fault: Callable[[str, str], bool] | None = None,
        missing: Callable[[str, str], bool] | None = None,
        page: Callable[[str, str], bool] | None = None,
        emptied: Callable[[str, str], bool] | None = None,
        rewrite: Callable[[str, str, Any], Any] | None = None,
        rewrite_request: Callable[[str, str, Any], Any] | None = None,
        answer: Callable[[str, str], tuple[int, Any] | None] | None = None,
        trickle: Callable[[str, str], tuple[int, float] | None] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        if not kinds:
            raise ValueError("kinds must not be empty")
        self.upstream = upstream.rstrip("/")
        self.rate = rate
        self.kinds = tuple(kinds)
        self.retry_after = retry_after
        self.should_fault = should_fault or (lambda method, path: True)
        self.missing = missing or (lambda method, path: False)
        self.page = page or (lambda method, path: False)
        self.emptied = emptied or (lambda method, path: False)
        self.rewrite = rewrite
        self.rewrite_request = rewrite_request
        self.answer = answer or (lambda method, path: None)
        self.trickle = trickle or (lambda method, path: None)
        self.routes: Counter[str] = Counter()
        self.injected: list[Injected] = []
        self.forwarded = 0
        self.requests = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.outage: Outage | None = None  # the outage in progress
        self.outage_began: float | None = None
        self.outage_started = threading.Event()
        self.released = threading.Event()  # set when the proxy stops: hung requests end
        self._planned: tuple[Outage, str | None, int] | None = None
        self._plugs: list[socket.socket] = []  # a black hole's own connections, filling the backlog
        self._http = httpx.Client(
            base_url=self.upstream, timeout=120, headers={"Accept-Encoding": "identity"}, verify=tls_for(self.upstream)
        )
        self._server = _Server((host, 0), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def counts(self) -> Counter[Fault]:
        with self._lock:
            return Counter(i.fault for i in self.injected)

    def record(self, method: str, path: str) -> bool:
        """Count the request by route; whether to answer it 404 (a route this server does not have). The request
        that makes a planned outage due begins it."""
        route = path.split("?", 1)[0]
        key = f"{method} {route}"
        with self._lock:
            self.routes[key] += 1
            planned = self._planned
            due = planned is not None and planned[1] in (None, key) and self.routes[key] >= planned[2]
        if due:
            self._begin_outage()
        return self.missing(method, route)

    def outage_at(self, kind: Outage, *, route: str | None, count: int = 1) -> None:
        """Make the backend go away (``kind``) when the ``count``-th request of ``route`` (``"METHOD /path"``; None:
        any route) arrives, that request included."""
        with self._lock:
            self._planned = (kind, route, count)

    def _begin_outage(self) -> None:
        with self._lock:
            if self._planned is None or self.outage is not None:
                return
            kind = self._planned[0]
            self.outage, self.outage_began = kind, time.monotonic()
        if kind is not Outage.HANG:
            self._server.shutdown()  # accept nothing more (serve_forever runs on its own thread)
        if kind is Outage.DEAD:
            self._server.socket.close()  # a new connection is refused
        elif kind is Outage.BLACK_HOLE:
            self._plug()
        self.outage_started.set()

    def _plug(self) -> None:
        """Fill the listening socket's accept queue so that the kernel drops every further SYN."""
        self._server.socket.listen(0)
        host, port = self._server.server_address[:2]
        for _ in range(16):  # the queue holds one or two connections (by kernel); one that does not complete ends it
            plug = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            plug.settimeout(0.25)
            self._plugs.append(plug)
            try:
                plug.connect((str(host), port))
            except OSError:
                return
        raise RuntimeError("the listening socket's backlog never filled up: connect() would not hang")

    def affected(self) -> Outage | None:
        """The outage every request now suffers, if any."""
        with self._lock:
            return self.outage

    def draw(self, method: str, path: str) -> Fault | None:
        """Whether to fail this request, and how (called once per request, in arrival order)."""
        eligible = self.should_fault(method, path)  # outside the lock: a test's hook may hold this request
        with self._lock:
            self.requests += 1
            if not eligible or self._rng.random() >= self.rate:
                return None
            fault = self.kinds[len(self.injected) % len(self.kinds)]
            self.injected.append(Injected(fault, method, path))
            return fault

    def forward(self, method: str, path: str, headers: Sequence[tuple[str, str]], body: bytes) -> httpx.Response:
        kept = [(k, v) for k, v in headers if k.lower() not in _SKIPPED_REQUEST_HEADERS]
        response = self._http.request(method, path, headers=kept, content=body)
        with self._lock:
            self.forwarded += 1
        return response

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        for plug in self._plugs:
            plug.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._http.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

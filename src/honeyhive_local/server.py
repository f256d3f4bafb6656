"""Run the local backend on a loopback port in a background thread (dry runs and tests).

    with LocalBackend(api_key="local-key") as backend:
        httpx.get(f"{backend.url}/v1/runs", headers={"Authorization": f"Bearer {backend.api_key}"})

The socket is bound before the thread starts, so ``url`` is usable as soon as ``start()`` returns
and an ephemeral port (0) never races with another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from honeyhive_local.app import create_app
from honeyhive_local.jsonvalues import DEFAULT_MAX_BODY_BYTES
from honeyhive_local.store import Store

DEFAULT_API_KEY = "hh-local-key"


class _Server(uvicorn.Server):
    """uvicorn's server, stopped at once from another thread (:meth:`stop_soon`). uvicorn looks at ``should_exit``
    every 0.1 s, then pauses 0.1 s before it waits for the connections it asked to close: ~150 ms a stop, paid at
    the end of every dry run and by every test's backend and fake GitHub. This one sleeps until it is told to stop
    (waking every second to refresh the ``Date`` header, as uvicorn does), and a stop waits only as long as the
    connections take to close."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        ticks = 0
        while not await self.on_tick(ticks):  # True once should_exit is
            ticks += 10  # a second apart: every tick refreshes the Date header, as uvicorn's every tenth does
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def stop_soon(self) -> None:
        """Stop serving, from any thread: the loop wakes now (or sees ``should_exit`` as it starts)."""
        self.should_exit = True
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # its loop has already ended
                self._loop.call_soon_threadsafe(self._wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # accept nothing more
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # an idle connection closes now, one sending a response once it is sent
        while self.server_state.connections or self.server_state.tasks:
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


class ServerThread:
    """An ASGI app served by uvicorn on an already-bound socket, in a daemon thread.

    The socket is bound in ``__init__``, so ``url`` is known (and an ephemeral port is taken) before
    the thread starts. Used by :class:`LocalBackend` and by the tests' fake servers.
    """

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        # IPPROTO_TCP explicitly: uvicorn only turns on TCP_NODELAY for sockets whose proto says TCP, and
        # without it every small response waits ~40 ms on the client's delayed ACK
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        # log_config=None: uvicorn's own dictConfig would replace the process's logging of its loggers (handlers bound
        # to the sys.stderr of that moment; a ValueError when sys.stdout is None): a library's server logs as the
        # program that embeds it says, through the root logger
        config = uvicorn.Config(
            app, log_level=log_level, log_config=None, access_log=False, lifespan="off", timeout_keep_alive=30
        )
        self._server = _Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0, name: str = "asgi-server") -> None:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=name, daemon=True
        )
        deadline = time.monotonic() + timeout
        try:
            self._thread.start()
            while not self._server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start on {self.url}")
                time.sleep(0.005)
        except BaseException:  # it did not start, or Ctrl-C while it was starting: no thread or socket is left behind
            self.stop(timeout)
            raise

    def stop(self, timeout: float = 10.0) -> None:
        self._server.stop_soon()
        if self._thread is not None and self._thread.ident is not None:  # started: a thread never started is not joined
            self._thread.join(timeout)
            self._thread = None
        self._socket.close()


class LocalBackend:
    """A running ``honeyhive_local`` server; a context manager that stops it on exit."""

    def __init__(
        self,
        db: str = ":memory:",
        api_key: str = DEFAULT_API_KEY,
        *,
        extra_api_keys: tuple[str, ...] = (),
        ingest_delay: float = 0.0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.api_key = api_key
        self.api_keys = (api_key, *extra_api_keys)
        self.db = db
        self.ingest_delay = ingest_delay
        self.max_body_bytes = max_body_bytes
        self.store = Store(db)
        self.app = create_app(self.store, self.api_keys, ingest_delay, max_body_bytes)
        self._server = ServerThread(self.app, host=host, port=port, log_level=log_level)
        self.host = host
        self.port = self._server.port

    @property
    def url(self) -> str:
        return self._server.url

    def start(self, timeout: float = 10.0) -> LocalBackend:
        try:
            self._server.start(timeout, name="honeyhive-local")
        except BaseException:  # its server stopped itself: nor is the store left open
            self.store.close()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.stop(timeout)
        self.store.close()

    def __enter__(self) -> LocalBackend:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

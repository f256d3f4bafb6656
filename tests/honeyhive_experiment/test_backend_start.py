"""An embedded backend that does not start, or is interrupted while it starts (Ctrl-C), leaves nothing behind: no
server thread, no bound socket, no open store. Ctrl-C there used to leak all three: ``backend.connect`` started it
outside the block that stops it, and ``ServerThread.start`` left its thread and socket on every way out but success.

The interrupt is a real one: the main thread's SIGINT handler, triggered as the server's thread begins (before its
server can start, since that thread waits until the main thread has taken the interrupt)."""

from __future__ import annotations

import _thread
import signal
import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest

from honeyhive_experiment import evaluate
from honeyhive_experiment.connection import API_KEY_VARIABLES
from honeyhive_local import LocalBackend
from honeyhive_local.server import ServerThread

pytestmark = pytest.mark.integration


@contextmanager
def ctrl_c_as_started(thread_name: str) -> Iterator[None]:
    """A Ctrl-C in the main thread as the thread ``thread_name`` begins, which goes on once it was taken."""
    taken = threading.Event()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        taken.set()
        raise KeyboardInterrupt

    def first_call(frame: FrameType, event: str, arg: Any) -> None:
        sys.settrace(None)  # a thread's first call only
        if threading.current_thread().name == thread_name:
            _thread.interrupt_main(signal.SIGINT)
            taken.wait()

    previous = signal.signal(signal.SIGINT, on_sigint)
    threading.settrace(first_call)
    try:
        yield
    finally:
        threading.settrace(None)
        signal.signal(signal.SIGINT, previous)


def port_free(port: int) -> bool:
    with socket.socket() as probe:  # no SO_REUSEADDR: any socket still bound to the port refuses it
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_ctrl_c_while_a_local_backend_starts_stops_its_thread_and_closes_its_socket_and_store() -> None:
    backend = LocalBackend()
    before = set(threading.enumerate())
    try:
        with ctrl_c_as_started("honeyhive-local"), pytest.raises(KeyboardInterrupt):
            backend.start()
        assert [t.name for t in set(threading.enumerate()) - before] == []
        assert port_free(backend.port)
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            backend.store.counters("p")
    finally:
        backend.stop()  # the old code's leftovers


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # uvicorn's sys.exit in it
def test_a_server_that_does_not_start_closes_its_socket() -> None:
    server = ServerThread("tests.no_such_module:app")  # uvicorn cannot import it: its thread ends
    try:
        with pytest.raises(RuntimeError, match="did not start"):
            server.start(name="failing-app")
        assert port_free(server.port)
    finally:
        server.stop()


def test_a_thread_the_os_would_not_start_is_the_error_said_and_its_socket_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No thread to start (the OS refuses one, or Ctrl-C before it exists): that error propagates, not the cleanup's
    own ("cannot join thread before it is started")."""

    def refused(thread: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    server = ServerThread("tests.no_such_module:app")
    monkeypatch.setattr(threading.Thread, "start", refused)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        server.start(name="never-started")
    monkeypatch.undo()
    assert port_free(server.port)


def test_ctrl_c_while_evaluates_embedded_backend_starts_leaves_no_server_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in API_KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    before = set(threading.enumerate())
    with ctrl_c_as_started("honeyhive-local"), pytest.raises(KeyboardInterrupt):
        evaluate(lambda datapoint: {}, [{"inputs": {}}], print_results=False)
    assert [t.name for t in set(threading.enumerate()) - before if t.name == "honeyhive-local"] == []

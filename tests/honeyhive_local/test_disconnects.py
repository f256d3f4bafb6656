"""A client that goes away before its request body arrived: one line in the server's log, not a traceback.

Issue 21: reading the body raised ``ClientDisconnect``, which Starlette's error middleware re-raised and
uvicorn logged as "Exception in ASGI application" with a 40-line traceback, once per dropped client.
"""

from __future__ import annotations

import logging
import socket
import threading

import httpx
import pytest

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration


class _Records(logging.Handler):
    """Keeps what the server logs, and says when the first record came."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.first = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.first.set()


def test_a_client_gone_mid_body_is_one_log_line(backend: LocalBackend, client: httpx.Client) -> None:
    log = logging.getLogger("uvicorn.error")  # LocalBackend's log_level applies to it (warning here)
    records = _Records()
    log.addHandler(records)
    try:
        with socket.create_connection((backend.host, backend.port)) as sock:
            sock.sendall(
                b"POST /v1/runs HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + API_KEY.encode() + b"\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + b'{"name": "never finished'
            )
        assert records.first.wait(10), "the server logged nothing about the client that left"
        assert client.get("/v1/runs").status_code == 200  # and it keeps serving
    finally:
        log.removeHandler(records)

    [record] = records.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None, "a traceback was logged"
    assert record.getMessage() == "client disconnected before sending the whole body of POST /v1/runs"
    assert client.get("/v1/runs").json()["evaluations"] == []

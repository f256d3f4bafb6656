"""Where the HoneyHive connection comes from: the caller's arguments, else the official SDK's environment variables.

    api key        api_key=           else HH_API_KEY, HONEYHIVE_API_KEY                  else an ArgumentError
    server URL     server_url=        else HH_API_URL, HONEYHIVE_SERVER_URL, HH_SERVER_URL else HoneyHive's (dp1)
    ingestion key  ingestion_api_key= else HH_INGESTION_API_KEY                            else the api key

The public entry points that stand in for the SDK's (:func:`~honeyhive_experiment.evaluate` and
``HoneyHiveClient()`` built with keywords) take these defaults the way ``honeyhive.evaluate`` does, so a script
written for the SDK keeps working. This is the one module besides ``cli.py`` that reads ``os.environ``, and only
these names, only for a value the caller did not pass (tests/test_architecture.py holds it to one line).

The connection's other parameters live here too: :class:`RetryPolicy`, :class:`Timeouts` and the TLS setting
per URL; :mod:`honeyhive_experiment.client` uses them, and knows the routes.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from honeyhive_experiment.errors import ArgumentError

DEFAULT_SERVER_URL = "https://api.dp1.us.honeyhive.ai"
API_KEY_VARIABLES = ("HH_API_KEY", "HONEYHIVE_API_KEY")
SERVER_URL_VARIABLES = ("HH_API_URL", "HONEYHIVE_SERVER_URL", "HH_SERVER_URL")
INGESTION_KEY_VARIABLES = ("HH_INGESTION_API_KEY",)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    initial_wait: float = 0.2
    max_wait: float = 10.0
    circuit: int = 3
    """Requests in a row that find no backend (each after its retries) before the client stops trying (0: never)."""


class Circuit:
    """A breaker for a backend that stopped answering. Once ``threshold`` requests in a row found no backend at
    all (connection refused or reset, timeouts — each after its own retries), the client sends nothing more and
    every request fails at once: a run of thousands of datapoints then ends in seconds, not in thousands of
    retry schedules. Any answer from the backend (even an error status) resets the count while it is closed; once
    open it stays open for the client's life (nothing is sent that could close it). Thread-safe."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.opened = threading.Event()  # set for good: once open, nothing is sent that could close it
        self._streak = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.opened.is_set()

    def failed(self) -> None:
        with self._lock:
            self._streak += 1
            if self.threshold > 0 and self._streak >= self.threshold:
                self.opened.set()

    def answered(self) -> None:
        if self._streak:
            with self._lock:
                self._streak = 0


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    long_read: float = 120.0  # summary and comparison are computed on request


def tls_for(base_url: str) -> ssl.SSLContext | bool:
    """Certificate verification as usual, except that a plain ``http://`` backend (the local one) does not
    load the CA bundle it will never use (~50 ms of CPU in every process, every job of a sharded run):
    it gets a context that trusts nothing, so nothing could ever be accepted unverified either."""
    if base_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return True


def process_environment() -> Mapping[str, str]:
    """The process environment: read only when a caller passed no mapping of its own."""
    return os.environ


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = (environ.get(name) or "").strip()
        if value:
            return value
    return None


def find_api_key(api_key: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The API key as given, else from ``environ`` (the process environment when ``None``); ``None`` when there
    is none (the caller decides: an error, or the embedded local backend)."""
    return (api_key or "").strip() or _first(process_environment() if environ is None else environ, API_KEY_VARIABLES)


def find_ingestion_key(ingestion_api_key: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The official SDK's ingestion key (sessions, events and traces are sent with it; runs and results with the
    API key): as given, else ``HH_INGESTION_API_KEY``; ``None`` when there is none (the API key sends them)."""
    env = process_environment() if environ is None else environ
    return (ingestion_api_key or "").strip() or _first(env, INGESTION_KEY_VARIABLES)


def resolve_connection(
    server_url: str | None, api_key: str | None, environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """``(server_url, api_key)``: each as given, else from ``environ`` (the process environment when ``None``).

    Raises :class:`ArgumentError` naming ``api_key`` when no key is found, ``server_url`` when it is not an
    http(s) URL."""
    env = process_environment() if environ is None else environ
    url = (server_url or "").strip() or _first(env, SERVER_URL_VARIABLES) or DEFAULT_SERVER_URL
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest.strip("/") or any(c.isspace() for c in rest):
        raise ArgumentError("server_url", f"expected an http(s) URL, got {url!r}")
    key = find_api_key(api_key, env)
    if not key:
        raise ArgumentError(
            "api_key", f"no HoneyHive API key: pass api_key=... or set {' or '.join(API_KEY_VARIABLES)}"
        )
    return url.rstrip("/"), key

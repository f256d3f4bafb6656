"""Shared fixtures: a real ``honeyhive_local`` server on a loopback port and clients for it (httpx's, ours), a copy
of the quickstart to run the program on, and the built wheel in a fresh virtual environment."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from hypothesis import settings

from honeyhive_experiment import HoneyHiveClient
from honeyhive_experiment.connection import tls_for
from honeyhive_local import LocalBackend
from tests.fresh_venv import build_wheel, once, venv_with
from tests.quickstart import copy_quickstart

# In CI (CI=true, as CI services set it) the property tests draw the same examples on every run, so a red build
# is one anyone can reproduce and never a roll of the dice on a clean clone; elsewhere they draw new ones each run
# and go on exploring (a counterexample found there becomes a test row).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATAPLANE_SPEC = SHARED / "honeyhive" / "dataplane.yaml"
API_KEY = "test-key-project-a"
OTHER_API_KEY = "test-key-project-b"


@pytest.fixture
def backend() -> Iterator[LocalBackend]:
    """A fresh in-memory backend with two projects (two keys)."""
    with LocalBackend(":memory:", API_KEY, extra_api_keys=(OTHER_API_KEY,)) as running:
        yield running


@pytest.fixture
def client(backend: LocalBackend) -> Iterator[httpx.Client]:
    """An httpx client authenticated as project A. Plain HTTP: ``tls_for`` spares it loading the CA bundle (~50 ms)."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=backend.url, headers=headers, timeout=30, verify=tls_for(backend.url)) as c:
        yield c


def ok(response: httpx.Response) -> Any:
    """The body of a 200 answer; any other fails the test naming the request and the answer."""
    assert response.status_code == 200, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def stored_run(client: httpx.Client, run_id: str) -> dict[str, Any]:
    """The run as the backend holds it (``GET /v1/runs/{run_id}``'s ``evaluation``)."""
    run: dict[str, Any] = ok(client.get(f"/v1/runs/{run_id}"))["evaluation"]
    return run


def run_events(client: httpx.Client, run_id: str, event_type: str | None = None) -> list[dict[str, Any]]:
    """Every event the backend stored for ``run_id`` (of ``event_type`` if given), read back as HoneyHive's export
    reads them: one page."""
    flt = [{"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"}]
    if event_type is not None:
        flt.append({"field": "event_type", "operator": "is", "value": event_type, "type": "string"})
    response = client.post("/v1/events/export", json={"filters": flt, "limit": 1000, "page": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalEvents"] == len(body["events"])
    events: list[dict[str, Any]] = body["events"]
    return events


@pytest.fixture
def hh(backend: LocalBackend) -> Iterator[HoneyHiveClient]:
    """The package's own client for the backend, as project A: what a run is given (``evaluate(client=hh)``)."""
    with HoneyHiveClient(backend.url, API_KEY) as c:
        yield c


@pytest.fixture
def sdk_env(backend: LocalBackend, monkeypatch: pytest.MonkeyPatch) -> LocalBackend:
    """The backend, named by HoneyHive's own variables (``HH_API_URL``, ``HH_API_KEY``) as a script using the SDK
    finds it, and none of the others that would override or add to them."""
    monkeypatch.setenv("HH_API_URL", backend.url)
    monkeypatch.setenv("HH_API_KEY", API_KEY)
    for name in ("HH_PROJECT", "HONEYHIVE_SERVER_URL", "HH_SERVER_URL", "HONEYHIVE_API_KEY", "HH_OTLP_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    return backend


@pytest.fixture
def other_client(backend: LocalBackend) -> Iterator[httpx.Client]:
    """An httpx client authenticated as project B."""
    headers = {"Authorization": f"Bearer {OTHER_API_KEY}"}
    with httpx.Client(base_url=backend.url, headers=headers, timeout=30, verify=tls_for(backend.url)) as c:
        yield c


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A copy of examples/quickstart at ``tmp_path / "repo"`` (``tests/quickstart.py``)."""
    return copy_quickstart(tmp_path / "repo")


@pytest.fixture(scope="session")
def dataplane_spec_path() -> Path:
    if not DATAPLANE_SPEC.is_file():
        pytest.skip(f"HoneyHive's OpenAPI description is not here ({DATAPLANE_SPEC}); contract tests need ../shared")
    return DATAPLANE_SPEC


def _wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return once(tmp_path_factory, "wheel", lambda folder: build_wheel(folder / "source", folder / "dist"))


def _installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = _wheel(tmp_path_factory)
    return once(tmp_path_factory, "installed", lambda folder: venv_with(made, folder / "venv"))


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built as the Dockerfile builds it (tests/fresh_venv.py), once per test run (all workers)."""
    return _wheel(tmp_path_factory)


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its dependencies, once per test run (all workers); returns
    its python. Tests that install into it take a ``fresh_venv.layered_venv`` on top instead of changing it."""
    return _installed(tmp_path_factory)


@pytest.fixture(scope="session", autouse=True)
def _installed_early(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """When a collected test takes ``installed`` (or ``wheel``), the wheel and its environment are made in a thread
    from the first test on, beside the tests, not when that test comes: the other worker waited for them idle (its
    ``installed`` blocks on the lock ``once`` holds), and those tests are the last collected. A failure here leaves
    nothing made (``once``): the fixture makes them again, and fails as it would have."""
    needed = {"installed", "wheel"}
    if not any(needed & set(getattr(item, "fixturenames", ())) for item in request.session.items):
        yield
        return
    thread = threading.Thread(target=_quietly, args=(_installed, tmp_path_factory), name="installed-early")
    thread.start()
    yield
    thread.join()


def _quietly(make: Callable[[pytest.TempPathFactory], Path], tmp_path_factory: pytest.TempPathFactory) -> None:
    with contextlib.suppress(BaseException):
        make(tmp_path_factory)


class NetworkForbidden(RuntimeError):
    """Raised in place of a lookup of, or a connection to, a host that is not this machine's: tests are hermetic."""


_REAL_GETADDRINFO: Final = socket.getaddrinfo
_REAL_CONNECT: Final = socket.socket.connect
_REAL_CONNECT_EX: Final = socket.socket.connect_ex
_current_test = ["(no test)"]  # the node id of the test running in this process
_reached: list[str] = []  # what it tried to reach; the guard raises, and the test fails even if the code caught it


def _loopback(host: object) -> bool:
    if host is None:
        return True
    name = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]").lower()
    if name in ("", "localhost") or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _refuse(host: object, port: object) -> None:
    if not _loopback(host):
        what = f"{_current_test[0]} tried to reach {host}:{port}"
        _reached.append(what)
        raise NetworkForbidden(
            f"tests must not reach the network: {what}; give it tests/fakes/github_server.py, honeyhive_local"
            " or a loopback URL (tests/conftest.py)"
        )


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    _refuse(host, port)
    return _REAL_GETADDRINFO(host, port, *args, **kwargs)


def _guarded_connect(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        _refuse(address[0], address[1])
    _REAL_CONNECT(sock, address)


def _guarded_connect_ex(sock: socket.socket, address: Any) -> int:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        _refuse(address[0], address[1])
    return _REAL_CONNECT_EX(sock, address)


def pytest_configure(config: pytest.Config) -> None:
    """No test reaches a host other than this machine (api.github.com, HoneyHive, pypi.org): in this process a
    lookup of or a connection to one raises :class:`NetworkForbidden` at once, naming the test and the host.
    Subprocesses are kept off the network by their environment (``tests/fakes/actions_runner.py``)."""
    socket.getaddrinfo = _guarded_getaddrinfo
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign, assignment]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _current_test[0] = item.nodeid


@pytest.fixture(autouse=True)
def _hermetic() -> Iterator[None]:
    """Fails the test that tried to reach the network, even where the code under test caught the error."""
    yield
    reached, _reached[:] = list(_reached), []
    if reached:
        pytest.fail("tests must not reach the network: " + "; ".join(dict.fromkeys(reached)), pytrace=False)


@pytest.fixture(autouse=True)
def _forget_learned_secrets() -> Iterator[None]:
    """A run in this process teaches every redactor the secrets its code put into the environment (redact.learn), for
    the process's life: a test's must not make another test's redactor hide its values."""
    from honeyhive_experiment.report import redact

    learned = set(redact._LEARNED)
    yield
    redact._LEARNED.intersection_update(learned)


LAYERS = ("unit", "integration", "e2e", "image", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test belongs to exactly one layer (see tests/README.md), so ``-m unit`` and friends select all."""
    unmarked = [item.nodeid for item in items if sum(1 for layer in LAYERS if item.get_closest_marker(layer)) != 1]
    if unmarked:
        raise pytest.UsageError(
            "tests without exactly one layer marker (pytestmark = pytest.mark.unit | integration | e2e | image |"
            " browser): " + ", ".join(unmarked[:10])
        )


_SESSION_START = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the files the browser tests left for CI to keep (the report's first screen), written this session."""
    from tests.browser.chromium import ARTIFACTS

    written = sorted(p for p in ARTIFACTS.glob("*") if p.is_file() and p.stat().st_mtime >= _SESSION_START - 1)
    if written:
        terminalreporter.write_sep("-", "artifacts")
        for path in written:
            terminalreporter.write_line(f"kept: {path}")

"""Shared fixtures: a real ``honeyhive_local`` server on a loopback port and clients for it (httpx's, ours), a copy
of the quickstart to run the program on, and the built wheel in a fresh virtual environment."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def run_events(client: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    """Every event the backend stored for ``run_id`` (read back as HoneyHive's export reads them: one page)."""
    flt = [{"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"}]
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


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built as the Dockerfile builds it (tests/fresh_venv.py), once per test run (all workers)."""
    return once(tmp_path_factory, "wheel", lambda folder: build_wheel(folder / "source", folder / "dist"))


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its dependencies, once per test run (all workers); returns
    its python. Tests that install into it take a ``fresh_venv.layered_venv`` on top instead of changing it."""
    return once(tmp_path_factory, "installed", lambda folder: venv_with(wheel, folder / "venv"))


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

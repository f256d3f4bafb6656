"""A backend that dies mid-run: the client's circuit opens after a few requests in a row find no backend, the
runner stops scheduling datapoints, and the run ends with BackendUnreachable (an error verdict) instead of
retrying every remaining datapoint's requests — whatever the dataset's size."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from honeyhive_experiment import BackendUnreachable, HoneyHiveClient, RetryPolicy, evaluate, external_dataset
from honeyhive_experiment.connection import Circuit
from honeyhive_local import LocalBackend

from .faultproxy import Fault, FaultProxy

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("size", [300, 3000])
def test_a_backend_killed_mid_run_stops_the_run_early(size: int, caplog: pytest.LogCaptureFixture) -> None:
    """The backend 'dies' after 20 datapoints: from then on every connection is reset (a real TCP proxy)."""
    calls = 0
    dead = threading.Event()
    lock = threading.Lock()

    def app(datapoint: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        with lock:
            calls += 1
            if calls == 20:
                dead.set()
        return {"n": datapoint["inputs"]["n"]}

    records = [{"inputs": {"n": i}} for i in range(size)]
    retry = RetryPolicy(attempts=3, initial_wait=0.05, max_wait=0.2, circuit=3)
    with (
        LocalBackend() as backend,
        FaultProxy(backend.url, rate=1.0, kinds=(Fault.RESET,), should_fault=lambda m, p: dead.is_set()) as proxy,
        HoneyHiveClient(proxy.url, backend.api_key, retry=retry) as client,
        caplog.at_level(logging.ERROR),
    ):
        with pytest.raises(BackendUnreachable, match="the backend stopped answering"):
            evaluate(app, external_dataset(records), client=client, max_workers=8, timeout=30)
        assert client.unreachable
    assert calls < 100, f"{calls} of {size} datapoints ran after the backend was gone"
    assert any("could not mark run" in r.getMessage() for r in caplog.records), "the log says what was not recorded"


@pytest.mark.parametrize(
    ("events", "threshold", "opened"),
    [
        ("fff", 3, True),
        ("ff", 3, False),
        ("ffaff", 3, False),  # an answer resets the count
        ("ffaff" + "f", 3, True),
        ("ffffff", 0, False),  # 0: never opens
        ("f", 1, True),
    ],
)
def test_the_circuit(events: str, threshold: int, opened: bool) -> None:
    circuit = Circuit(threshold)
    for event in events:
        circuit.failed() if event == "f" else circuit.answered()
    assert circuit.open is opened
    assert circuit.opened.is_set() is opened

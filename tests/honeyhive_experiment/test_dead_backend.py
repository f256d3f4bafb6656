"""A backend that dies mid-run: the client's circuit opens after a few requests in a row find no backend (or when
the backend left every request unanswered for the circuit's deadline), the runner stops scheduling datapoints,
and the run ends with BackendUnreachable (an error verdict) instead of retrying every remaining datapoint's
requests — whatever the dataset's size. The run's final status is still tried, once. The whole job's time when
the backend goes away is ``tests/test_backend_gone_e2e.py``'s."""

from __future__ import annotations

import logging
import math
import re
import threading
import uuid
from typing import Any

import httpx
import pytest

from honeyhive_experiment import BackendUnreachable, HoneyHiveClient, RetryPolicy, Timeouts, evaluate, external_dataset
from honeyhive_experiment.connection import Circuit
from honeyhive_experiment.tracing import DatapointIds, TraceSink
from honeyhive_local import LocalBackend

from .faultproxy import Fault, FaultProxy, Outage

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
        with pytest.raises(BackendUnreachable, match="stopped answering"):
            evaluate(app, external_dataset(records), client=client, max_workers=8, timeout=30)
        assert client.unreachable
    assert calls < 100, f"{calls} of {size} datapoints ran after the backend was gone"
    assert any("could not mark run" in r.getMessage() for r in caplog.records), "the log says what was not recorded"


@pytest.mark.parametrize("fault", [Fault.HTTP_503, Fault.HTTP_429])
def test_a_backend_answering_only_errors_stops_the_run_early(fault: Fault) -> None:
    """Every session start answered 503 (or 429), after its retries: each answer lifted the deadline and reset the
    streak, so the run retried every datapoint's request (64 rows: 384 requests, 29 s; 50k rows: ~5 h) and ended
    as a FAIL of datapoints "not recorded" instead of the error of a backend that cannot take the run."""
    records = [{"inputs": {"n": i}} for i in range(64)]
    retry = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.02, circuit=3)
    with (
        LocalBackend() as backend,
        FaultProxy(backend.url, rate=1.0, kinds=(fault,), should_fault=lambda m, p: p == "/v1/sessions") as proxy,
        HoneyHiveClient(proxy.url, backend.api_key, retry=retry) as client,
    ):
        status = 503 if fault is Fault.HTTP_503 else 429  # said as it is: the backend answers, only that
        said = rf"the backend at \S+ answered only HTTP {status} \(every retry too\) after \d+ of 64 datapoint"
        with pytest.raises(BackendUnreachable, match=said):
            evaluate(lambda datapoint: {"n": 1}, external_dataset(records), client=client, max_workers=8)
        assert client.unreachable
    # the streak of 3 plus what the 8 workers had in flight, each with its 3 attempts: not every datapoint's
    assert proxy.routes["POST /v1/sessions"] <= (3 + 8) * 3


@pytest.mark.parametrize(
    ("events", "threshold", "opened", "opened_on"),
    [
        ("fff", 3, True, None),
        ("ff", 3, False, None),
        ("ffaff", 3, False, None),  # an answer resets the count
        ("ffaff" + "f", 3, True, None),
        ("ffffff", 0, False, None),  # 0: never opens
        ("f", 1, True, None),
        ("555", 3, False, None),  # an error answer (5xx, 429) lifts the deadline, and is no failure by itself...
        ("f5ff", 3, True, None),  # ...nor ends the streak: a request that gets only those, after its retries, fails
        ("f4ff", 3, False, None),  # a 4xx refuses one request: the backend is there
        ("5F5F5F", 3, True, 503),  # requests that got only 503 opened it: it answers, but only that
        ("5FfF", 3, True, 503),  # the failure that opens it says how the backend went
        ("5F5Ff", 3, True, None),
        ("fffF", 3, True, None),  # open, it stays as it opened
    ],
)
def test_the_circuit(events: str, threshold: int, opened: bool, opened_on: int | None) -> None:
    """``f``: a request found no backend, after its retries; ``F``: one got only HTTP 503; ``a``/``4``/``5``: an
    answer 200, 400, 503."""
    circuit = Circuit(threshold)
    for event in events:
        if event in "fF":
            circuit.failed(503 if event == "F" else None)
        else:
            circuit.answered({"a": 200, "4": 400, "5": 503}[event])
    assert circuit.open is opened
    assert circuit.opened.is_set() is opened
    assert circuit.opened_on == opened_on


def test_the_run_is_marked_failed_where_the_backend_still_takes_it(caplog: pytest.LogCaptureFixture) -> None:
    """Once the backend 'dies' every connection is reset but the run's status update: the circuit opens and nothing
    else is sent, but the run's final status — the client's last word — still is, so the run does not stay running."""
    dead = threading.Event()

    def app(datapoint: dict[str, Any]) -> dict[str, Any]:
        if datapoint["inputs"]["n"] == 10:
            dead.set()
        return {"n": datapoint["inputs"]["n"]}

    def gone(method: str, path: str) -> bool:
        return dead.is_set() and not (method == "PUT" and path.startswith("/v1/runs/"))

    run_id = str(uuid.uuid4())
    records = [{"inputs": {"n": i}} for i in range(300)]
    retry = RetryPolicy(attempts=3, initial_wait=0.05, max_wait=0.2, circuit=3)
    with (
        LocalBackend() as backend,
        FaultProxy(backend.url, rate=1.0, kinds=(Fault.RESET,), should_fault=gone) as proxy,
        HoneyHiveClient(proxy.url, backend.api_key, retry=retry) as client,
        caplog.at_level(logging.ERROR),
    ):
        with pytest.raises(BackendUnreachable, match="stopped answering"):
            evaluate(app, external_dataset(records), client=client, run_id=run_id, max_workers=4, timeout=30)
        assert client.unreachable
        answer = httpx.get(f"{backend.url}/v1/runs/{run_id}", headers={"Authorization": f"Bearer {backend.api_key}"})
    assert answer.json()["evaluation"]["status"] == "failed"
    assert not any("could not mark run" in r.getMessage() for r in caplog.records)


def test_span_exports_are_held_to_the_clients_deadline() -> None:
    """The OTLP exporter's requests wait no longer than the client's circuit allows, and are not retried past it
    (the exporter's own retries would wait out its 30 s timeout, and the sink's retry it again)."""
    timeouts = Timeouts(silence=0.5)
    with (
        LocalBackend() as backend,
        FaultProxy(backend.url, rate=0.0) as proxy,
        HoneyHiveClient(proxy.url, backend.api_key, timeouts=timeouts) as client,
    ):
        proxy.outage_at(Outage.HANG, route="POST /opentelemetry/v1/traces")
        sink = TraceSink.otlp(client.traces_endpoint, client.auth_headers(), circuit=client.circuit)
        tracer = sink.tracer(DatapointIds("session-1", "run-1", None, "dp-1"))
        with tracer.start_as_current_span("answer", "chain"):
            pass
        export = tracer.export()
        sink.shutdown()
        assert client.unreachable  # the silence lasted the deadline: the backend is gone for this client
        with pytest.raises(BackendUnreachable, match="not sent"):
            client.get_run(str(uuid.uuid4()))
    assert not export
    assert "stopped answering" in str(export.reason)


# a request (with its retries) waits: "+" starts, "-" ends; "a" an answer, "f" a request that found no backend
DEADLINE_ROWS = [
    ("nothing waits", [], 40.0, False, math.inf),
    ("one request unanswered for a while", [(0, "+"), (25, "?")], 40.0, False, 15.0),
    ("unanswered for the whole deadline", [(0, "+"), (40, "?")], 40.0, True, 0.0),
    ("an answer lifts it", [(0, "+"), (39, "a"), (39, "-"), (60, "?")], 40.0, False, math.inf),
    ("a request after an answer starts anew", [(0, "+"), (39, "a"), (39, "-"), (60, "+"), (99, "?")], 40.0, False, 1.0),
    ("time nobody waited does not count", [(0, "+"), (30, "f"), (30, "-"), (500, "+"), (509, "?")], 40.0, False, 1.0),
    ("then the silence resumes", [(0, "+"), (30, "-"), (500, "+"), (510, "?")], 40.0, True, 0.0),
    ("a failure past the deadline opens it", [(0, "+"), (40, "f")], 40.0, True, 0.0),
    ("others still waiting after an answer", [(0, "+"), (5, "+"), (10, "a"), (10, "-"), (49, "?")], 40.0, False, 1.0),
    ("and their deadline runs from the answer", [(0, "+"), (5, "+"), (10, "a"), (10, "-"), (50, "?")], 40.0, True, 0.0),
    ("no deadline", [(0, "+"), (10_000, "?")], math.inf, False, math.inf),
]


@pytest.mark.parametrize(
    ("steps", "silence", "opened", "left"), [row[1:] for row in DEADLINE_ROWS], ids=[row[0] for row in DEADLINE_ROWS]
)
def test_the_circuits_deadline(steps: list[tuple[float, str]], silence: float, opened: bool, left: float) -> None:
    now = [0.0]
    circuit = Circuit(0, silence, clock=lambda: now[0])
    waits = []
    for at, step in steps:
        now[0] = at
        if step == "+":
            waits.append(circuit.waiting())
            waits[-1].__enter__()
        elif step == "-":
            waits.pop(0).__exit__(None, None, None)
        elif step == "a":
            circuit.answered(200)
        elif step == "f":
            circuit.failed()
    assert circuit.time_left() == left
    assert circuit.open is opened


def test_a_long_read_timing_out_leaves_the_backend_time_for_its_retry() -> None:
    """audit65 F7a: ``long_read`` was ``silence`` (40 s both): a summary read that timed out had spent the circuit's
    whole deadline, so it was never asked again and the backend counted as gone ("stopped answering") over one slow
    summary. The default deadline outlasts a long read."""
    timeouts, now = Timeouts(), [0.0]
    circuit = Circuit(RetryPolicy().circuit, timeouts.silence, clock=lambda: now[0])
    with circuit.waiting():
        now[0] = timeouts.long_read  # the read timed out, unanswered
        assert circuit.time_left() > 0  # a retry is sent
    assert not circuit.open


@pytest.mark.parametrize("workers", [1, 16])
@pytest.mark.parametrize("route", [None, "POST /v1/sessions"], ids=["at start", "mid-run"])
@pytest.mark.parametrize("kind", list(Outage), ids=[kind.name.lower() for kind in Outage])
def test_a_backend_gone_ends_the_run_at_the_deadline(kind: Outage, route: str | None, workers: int) -> None:
    """However the backend goes away — killed, hung or black-holed — at start (its first request) or mid-run (the
    fifth datapoint's session), with one worker or many: the run ends with BackendUnreachable naming the backend once
    every request has waited out the client's deadline (or, killed, found no backend), the client sends nothing more
    mid-run, and the sessions recorded before the outage stay in the backend. (A short deadline here; the action's
    own is what the e2e test runs.)"""
    run_id = str(uuid.uuid4())
    records = [{"inputs": {"n": i}} for i in range(300)]
    retry = RetryPolicy(initial_wait=0.05, max_wait=0.2)
    timeouts = Timeouts(connect=0.5, read=0.5, long_read=0.5, silence=1.0, last_word=0.5)
    with (
        LocalBackend() as backend,
        FaultProxy(backend.url, rate=0.0) as proxy,
        HoneyHiveClient(proxy.url, backend.api_key, retry=retry, timeouts=timeouts) as client,
        HoneyHiveClient(backend.url, backend.api_key) as direct,
    ):
        proxy.outage_at(kind, route=route, count=5 if route else 1)
        with pytest.raises(BackendUnreachable, match=proxy.url) as raised:
            evaluate(
                lambda datapoint: {"n": datapoint["inputs"]["n"]},
                external_dataset(records),
                client=client,
                run_id=run_id,
                max_workers=workers,
                timeout=30,
            )
        held = direct.count_sessions(run_id)
        if route is None:  # the run's creation found no backend: nothing was recorded
            assert held == 0
            return
        assert client.unreachable
        sent = sum(proxy.routes.values())
        with pytest.raises(BackendUnreachable, match="not sent"):
            client.get_run(run_id)
        assert sum(proxy.routes.values()) == sent, "nothing is sent once the backend is gone"
    assert held >= 4, "the sessions started before the outage are kept"
    kept = re.search(rf"run {run_id} stops here, keeping the (\d+) it recorded", str(raised.value))
    assert kept is not None, str(raised.value)
    assert int(kept.group(1)) <= held

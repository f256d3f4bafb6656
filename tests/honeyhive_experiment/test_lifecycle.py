"""A run's lifecycle: never left ``pending`` or ``running``, whatever stops ``evaluate``.

* an exception after the run exists (here: the ``progress`` callback raises ``SystemExit``; an ``Exception`` of
  the callback costs only its own later calls, as test_sdk_api's progress test shows) → ``evaluate`` raises it and
  the run is ``failed``;
* an interrupt (``KeyboardInterrupt`` from the callback) → re-raised, the run is ``cancelled``;
* the caller's ``cancel`` event (set from the callback) → ``ExperimentCancelled``, the run is
  ``cancelled``, the datapoints not yet started are ``skipped`` and have no session.

In each case the run's ``event_ids`` must name every session the backend holds for the run.

Determinism without sleeps: datapoint 0 returns at once; the others signal that they are inside the
function and then wait for a gate. The callback, called when datapoint 0 is done, waits (bounded)
until the others are inside, then opens the gate and stops the run — so which datapoints started is
known in advance.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from honeyhive_experiment import (
    ExperimentCancelled,
    HoneyHiveClient,
    OutcomeStatus,
    PreparedDataset,
    Progress,
    evaluate,
    external_dataset,
)
from honeyhive_experiment.errors import ApiError
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY, stored_run

pytestmark = pytest.mark.integration

HANDSHAKE_TIMEOUT = 5.0  # a bound on a wait for an event, never a pause


class Choreography:
    """Datapoint 0 is fast; every other datapoint reports in and then waits for the gate."""

    def __init__(self, expected_inside: int) -> None:
        self.expected_inside = expected_inside
        self.gate = threading.Event()
        self._inside = 0
        self._all_inside = threading.Event()
        self._lock = threading.Lock()

    def function(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def staged_app(datapoint: dict[str, Any]) -> dict[str, Any]:
            index = datapoint["inputs"]["i"]
            if index > 0:
                with self._lock:
                    self._inside += 1
                    if self._inside == self.expected_inside:
                        self._all_inside.set()
                assert self.gate.wait(HANDSHAKE_TIMEOUT), "the gate was never opened"
            return {"i": index}

        return staged_app

    def wait_until_all_inside(self) -> None:
        assert self._all_inside.wait(HANDSHAKE_TIMEOUT), f"only {self._inside} datapoints got inside"


def records(n: int) -> list[dict[str, Any]]:
    return [{"inputs": {"i": i}} for i in range(n)]


def backend_sessions(hh: HoneyHiveClient, run_id: str) -> dict[str, str]:
    """session id → datapoint id, for every session the backend holds for the run."""
    events = hh.iter_run_events(run_id)
    return {e["session_id"]: e["metadata"]["datapoint_id"] for e in events if e["event_type"] == "session"}


def stop_from_progress(hh: HoneyHiveClient, run_id: str, stop: BaseException) -> tuple[PreparedDataset, list[Progress]]:
    """Three datapoints on three workers; when datapoint 0 is done (1 and 2 are inside the function),
    the progress callback opens the gate and raises ``stop``; ``evaluate`` must re-raise it."""
    dataset = external_dataset(records(3))
    stage = Choreography(expected_inside=2)
    calls: list[Progress] = []

    def stopping_progress(progress: Progress) -> None:
        calls.append(progress)
        stage.wait_until_all_inside()
        stage.gate.set()
        raise stop

    with pytest.raises(type(stop)) as raised:
        evaluate(
            stage.function(),
            dataset,
            client=hh,
            name=f"lifecycle-{type(stop).__name__}",
            run_id=run_id,
            max_workers=3,
            timeout=HANDSHAKE_TIMEOUT,
            progress=stopping_progress,
        )
    assert raised.value is stop
    assert len(calls) == 1
    return dataset, calls


STOPS: list[tuple[str, Callable[[], BaseException], str]] = [
    ("exception", lambda: SystemExit("progress display exited"), "failed"),
    ("interrupt", KeyboardInterrupt, "cancelled"),
]


@pytest.mark.parametrize(("make_stop", "status"), [(m, s) for _, m, s in STOPS], ids=[i for i, _, _ in STOPS])
def test_an_exception_leaves_the_run_failed_and_an_interrupt_cancelled(
    hh: HoneyHiveClient, client: httpx.Client, make_stop: Callable[[], BaseException], status: str
) -> None:
    run_id = str(uuid.uuid4())
    dataset, _ = stop_from_progress(hh, run_id, make_stop())

    run = stored_run(client, run_id)
    assert run["status"] == status
    assert run["metadata"]["offline_dataset_id"] == dataset.dataset_id  # the full metadata is resent
    assert run["name"] == f"lifecycle-{type(make_stop()).__name__}"


@pytest.mark.parametrize(("make_stop", "status"), [(m, s) for _, m, s in STOPS], ids=[i for i, _, _ in STOPS])
def test_a_stopped_run_names_every_session_it_has(
    hh: HoneyHiveClient, client: httpx.Client, make_stop: Callable[[], BaseException], status: str
) -> None:
    run_id = str(uuid.uuid4())
    dataset, _ = stop_from_progress(hh, run_id, make_stop())

    # all three datapoints had started when the run was stopped, so all three have a session ...
    sessions = backend_sessions(hh, run_id)
    assert sorted(sessions.values()) == sorted(dp.id for dp in dataset.datapoints)
    # ... and the run's event_ids must name every one of them, not only datapoint 0's
    run = stored_run(client, run_id)
    assert run["status"] == status
    assert sorted(run["event_ids"]) == sorted(sessions)


def test_the_cancel_event_leaves_the_run_cancelled_and_skips_the_rest(
    hh: HoneyHiveClient, client: httpx.Client
) -> None:
    # one worker: 0 runs, 1 is inside the function when the callback cancels, 2..4 never start
    dataset = external_dataset(records(5))
    stage = Choreography(expected_inside=1)
    cancel = threading.Event()

    def cancel_after_first(progress: Progress) -> None:
        if progress.done == 1:
            stage.wait_until_all_inside()
            cancel.set()
            stage.gate.set()

    run_id = str(uuid.uuid4())
    with pytest.raises(ExperimentCancelled) as raised:
        evaluate(
            stage.function(),
            dataset,
            client=hh,
            name="lifecycle-cancelled",
            run_id=run_id,
            max_workers=1,
            timeout=HANDSHAKE_TIMEOUT,
            progress=cancel_after_first,
            cancel=cancel,
        )

    assert raised.value.run_id == run_id
    outcomes = raised.value.outcomes
    assert [o.datapoint_id for o in outcomes] == [dp.id for dp in dataset.datapoints]
    assert outcomes[0].status is OutcomeStatus.OK
    # datapoint 1 was inside the function when the run was cancelled: it either finished or was
    # abandoned, but it has a session either way
    assert outcomes[1].status in (OutcomeStatus.OK, OutcomeStatus.CANCELLED)
    assert [o.status for o in outcomes[2:]] == [OutcomeStatus.SKIPPED] * 3
    assert all(o.error == "cancelled" for o in outcomes[2:])

    run = stored_run(client, run_id)
    assert run["status"] == "cancelled"
    expected_sessions = sorted(o.session_id for o in outcomes[:2])
    assert sorted(run["event_ids"]) == expected_sessions
    sessions = backend_sessions(hh, run_id)
    assert sorted(sessions) == expected_sessions  # skipped datapoints never started a session
    assert sorted(sessions.values()) == sorted(dp.id for dp in dataset.datapoints[:2])


def test_a_cancel_event_set_before_the_call_creates_no_run(hh: HoneyHiveClient) -> None:
    """``cancel=`` already set: the run was created, every datapoint skipped and the run marked cancelled. Now
    nothing is sent: ExperimentCancelled naming no run, nothing called."""
    cancel = threading.Event()
    cancel.set()
    called: list[object] = []

    with pytest.raises(ExperimentCancelled) as raised:
        evaluate(called.append, records(3), client=hh, cancel=cancel, print_results=False)

    assert (raised.value.run_id, raised.value.outcomes, called) == (None, [], [])
    assert str(raised.value) == "the run was cancelled while preparing the run, before it was created"
    assert hh.list_runs()["evaluations"] == []


def test_a_finished_run_is_completed(hh: HoneyHiveClient, client: httpx.Client) -> None:
    dataset = external_dataset(records(3))
    stage = Choreography(expected_inside=2)
    stage.gate.set()
    result = evaluate(stage.function(), dataset, client=hh, name="lifecycle-completed", max_workers=3, timeout=1.0)
    run = stored_run(client, result.run_id)
    assert run["status"] == "completed"
    assert sorted(run["event_ids"]) == sorted(backend_sessions(hh, result.run_id))
    assert len(run["event_ids"]) == 3


def test_datapoints_a_cancel_abandons_are_not_told_done_and_are_named_once(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled while datapoints 1 and 2 are inside the function: the progress told them done and clean, "3/3
    datapoints (0 failed, 0 errored)" (audit80 F7), and the run said "2 LLM call(s) outside any datapoint's context ...
    counted as one call whether it had made one or not" beside "2 function or evaluator call(s) abandoned", of calls
    never made (F6). Now the progress stops at the cancel, and the datapoints are named once."""
    dataset = external_dataset(records(3))
    stage = Choreography(expected_inside=2)
    cancel = threading.Event()
    told: list[Progress] = []

    def cancel_after_first(progress: Progress) -> None:
        told.append(progress)
        stage.wait_until_all_inside()
        cancel.set()  # the gate stays shut: 1 and 2 are abandoned

    try:
        with pytest.raises(ExperimentCancelled) as raised:
            evaluate(stage.function(), dataset, client=hh, max_workers=3, progress=cancel_after_first, cancel=cancel)
    finally:
        stage.gate.set()

    assert [o.status for o in raised.value.outcomes][1:] == [OutcomeStatus.CANCELLED] * 2
    assert [p.done for p in told] == [1]
    [said] = [m for m in caplog.messages if "LLM call" in m or "abandoned by" in m]
    assert "whether it had made one" not in said
    ids = ", ".join(dp.id for dp in dataset.datapoints[1:])
    assert said.startswith(f"2 datapoint(s) were cancelled ({ids})"), said


class _RefusedSecondCreate(httpx.BaseTransport):
    """A service refusing a second create of a run id (400 "already exists": honeyhive-api.md promises no repeated
    create is the same run) in front of the backend; ``lost``: the first create's answer is lost once stored."""

    def __init__(self, lost: bool) -> None:
        self.real, self.lost, self.created = httpx.HTTPTransport(), lost, set[str]()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if (request.method, request.url.path) != ("POST", "/v1/runs"):
            return self.real.handle_request(request)
        run_id = httpx.Response(200, content=request.read()).json()["run_id"]
        if run_id in self.created or not self.lost:
            return httpx.Response(400, json={"error": f"run {run_id} already exists"})
        response = self.real.handle_request(request)
        response.read()
        self.created.add(run_id)
        raise httpx.ReadError("connection reset after the run was stored")


@pytest.mark.parametrize("lost", [True, False], ids=["answer-lost", "refused"])
def test_a_create_refused_as_there_already_goes_on_with_the_run_a_lost_answer_made(
    backend: LocalBackend, client: httpx.Client, lost: bool
) -> None:
    """The first create's answer lost after the run was stored, the retry refused with 400 "already exists": the run
    ended ``error`` and HoneyHive's run stayed ``running`` for good (audit84 F3). The run there, of this name, is this
    one: it goes on and completes. A refusal with no run behind it is still the error."""
    run_id = str(uuid.uuid4())
    with HoneyHiveClient(backend.url, API_KEY, transport=_RefusedSecondCreate(lost), sleep=lambda s: None) as hh:
        if not lost:
            with pytest.raises(ApiError, match="already exists"):
                evaluate(lambda dp: {"a": 1}, records(1), client=hh, name="once", run_id=run_id, print_results=False)
            assert client.get(f"/v1/runs/{run_id}").status_code == 404
            return
        result = evaluate(lambda dp: {"a": 1}, records(1), client=hh, name="once", run_id=run_id, print_results=False)
    assert (result.run_id, stored_run(client, run_id)["status"]) == (run_id, "completed")

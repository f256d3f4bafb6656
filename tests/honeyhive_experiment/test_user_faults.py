"""User-code faults cost their datapoint (or their metric) only; the run completes and counts are right.

One run over six datapoints, each provoking one behaviour of the user's code:

* ``ok`` / ``ok-too`` — a normal answer;
* ``raise`` — the function raises;
* ``hang`` — the function waits on a ``threading.Event`` nobody sets, past ``timeout=TIMEOUT``;
* ``text`` — the function returns a ``str`` instead of a dict;
* ``bad-eval`` — the function is fine, but the ``fragile`` evaluator raises on it.

Expected by hand, with passing ranges ``quality >= 0.5`` and ``fragile >= 1``: the backend fails
exactly the raising and the hanging datapoints; the ``str`` one passes (its outputs are recorded as
``{"result": ...}`` with a warning); the evaluator that raised loses only its own metric.
"""

from __future__ import annotations

import asyncio
import contextvars
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from honeyhive_experiment import (
    HoneyHiveClient,
    OutcomeStatus,
    Progress,
    evaluate,
    external_dataset,
)
from honeyhive_experiment.coroutines import run_coroutine
from honeyhive_experiment.errors import ExperimentCancelled
from honeyhive_experiment.runner import _Clock, _TimedOut
from honeyhive_experiment.verdict import did

pytestmark = pytest.mark.integration

KINDS = ["ok", "raise", "hang", "text", "bad-eval", "ok-too"]
RECORDS: list[dict[str, Any]] = [{"inputs": {"kind": kind}, "ground_truth": {"answer": kind}} for kind in KINDS]
# a broken timeout makes the tests fail after this long instead of hanging forever
SAFETY_BOUND = 10.0
# Long enough that a datapoint that returns at once never meets it on a loaded machine (at 0.5 s the evaluator
# datapoint timed out once, at 0.81 s, with eight test processes on two cores); the hang still waits it out.
TIMEOUT = 2.0
PASSING_RANGES: dict[str, dict[str, float]] = {"quality": {"min": 0.5}, "fragile": {"min": 1}}


def make_app(never_set: threading.Event) -> Callable[[dict[str, Any]], Any]:
    def faulty_app(datapoint: dict[str, Any]) -> Any:
        kind = datapoint["inputs"]["kind"]
        if kind == "raise":
            raise RuntimeError("user bug")
        if kind == "hang":
            never_set.wait(SAFETY_BOUND)  # never set: only the runner's timeout gets the run past this
            return {"answer": "too late"}
        if kind == "text":
            return "plain text"
        return {"answer": kind}

    return faulty_app


def quality(outputs: Any, inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> float:
    return 1.0 if isinstance(outputs, dict) else 0.5


def fragile(outputs: Any, inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> bool:
    if inputs["kind"] == "bad-eval":
        raise ValueError("evaluator bug")
    return True


@pytest.fixture
def never_set() -> Iterator[threading.Event]:
    """The event the hanging function waits on; released after the test so its thread can end."""
    event = threading.Event()
    yield event
    event.set()


def test_faults_are_recorded_and_the_run_completes_with_the_right_counts(
    hh: HoneyHiveClient, client: httpx.Client, never_set: threading.Event
) -> None:
    dataset = external_dataset(RECORDS)
    ids = {kind: dp.id for kind, dp in zip(KINDS, dataset.datapoints, strict=True)}
    reports: list[Progress] = []

    result = evaluate(
        make_app(never_set),
        dataset,
        client=hh,
        evaluators=[quality, fragile],
        name="user-faults",
        max_workers=6,
        timeout=TIMEOUT,
        passing_ranges=PASSING_RANGES,
        progress=reports.append,
        ingestion_timeout=10.0,
    )

    # the hung call is still blocked, on a daemon thread that cannot keep the process alive at exit (which reads as
    # no daemon while it runs the function, for its threads' default: test_abandoned_calls.py's process shows it)
    stuck = [t for t in threading.enumerate() if t.name == "honeyhive-call" and t.is_alive()]
    assert stuck, "the hanging call should still be blocked on its event"

    outcome = {kind: o for kind, o in zip(KINDS, result.outcomes, strict=True)}
    assert [o.datapoint_id for o in result.outcomes] == [ids[k] for k in KINDS]

    assert outcome["raise"].status is OutcomeStatus.FUNCTION_ERROR
    assert outcome["raise"].error == "RuntimeError: user bug"
    assert outcome["raise"].metrics == {}

    assert outcome["hang"].status is OutcomeStatus.TIMEOUT
    assert outcome["hang"].error == f"did not return within {TIMEOUT:g} s"
    assert outcome["hang"].metrics == {}

    assert outcome["text"].status is OutcomeStatus.OK
    assert outcome["text"].outputs == "plain text"
    assert outcome["text"].metrics == {"quality": 0.5, "fragile": True}
    assert len(outcome["text"].warnings) == 1
    assert "str, not a dict" in outcome["text"].warnings[0]

    bad = outcome["bad-eval"]
    assert bad.status is OutcomeStatus.OK
    assert bad.metrics == {"quality": 1.0}  # only the raising evaluator's metric is lost
    assert [(f.evaluator, f.error) for f in bad.evaluator_failures] == [("fragile", "ValueError: evaluator bug")]

    for kind in ("ok", "ok-too"):
        assert outcome[kind].status is OutcomeStatus.OK
        assert outcome[kind].metrics == {"quality": 1.0, "fragile": True}
        assert outcome[kind].warnings == ()
        assert outcome[kind].evaluator_failures == ()
    assert {o.index for o in result.outcomes if o.failed} == {KINDS.index("raise"), KINDS.index("hang")}

    # progress counted every datapoint, the two whose function failed and the one whose evaluator raised
    assert len(reports) == len(KINDS)
    assert (reports[-1].done, reports[-1].errored, reports[-1].total) == (6, 3, 6)

    # the run completed, with a session for every datapoint (the failed ones too)
    stored = client.get(f"/v1/runs/{result.run_id}").json()["evaluation"]
    assert stored["status"] == "completed"
    assert sorted(stored["event_ids"]) == sorted(o.session_id for o in result.outcomes)

    # the backend: failed = the raising and the hanging datapoints; the str one is not failed
    summary = result.summary
    assert sorted(summary.failed) == sorted([ids["raise"], ids["hang"]])
    assert sorted(summary.passed) == sorted(ids[k] for k in ("ok", "text", "bad-eval", "ok-too"))
    assert summary.success is False
    quality_detail = summary.metric("quality")
    assert quality_detail is not None
    assert quality_detail.aggregate == pytest.approx((1.0 + 0.5 + 1.0 + 1.0) / 4)
    fragile_detail = summary.metric("fragile")
    assert fragile_detail is not None
    assert fragile_detail.values == [True, True, True]  # ok, text, ok-too — not bad-eval
    assert fragile_detail.datapoints is not None
    assert sorted(fragile_detail.datapoints.passed) == sorted(ids[k] for k in ("ok", "text", "ok-too"))

    # what the backend stored for the faulty datapoints
    events = {(e["metadata"]["datapoint_id"], e["event_type"]): e for e in hh.iter_run_events(result.run_id)}
    assert events[ids["raise"], "chain"]["error"] == "RuntimeError: user bug"
    assert events[ids["hang"], "chain"]["error"] == f"did not return within {TIMEOUT:g} s"
    assert events[ids["raise"], "session"]["metadata"]["error"] == "RuntimeError: user bug"
    assert events[ids["text"], "session"]["outputs"] == {"result": "plain text"}
    assert events[ids["text"], "chain"]["outputs"] == {"result": "plain text"}
    assert events[ids["text"], "chain"]["error"] is None
    assert events[ids["bad-eval"], "chain"]["metrics"] == {"quality": 1.0}


def make_async_app(cancelled: threading.Event) -> Callable[[dict[str, Any]], Any]:
    async def async_hang(datapoint: dict[str, Any]) -> dict[str, Any]:
        if datapoint["inputs"]["kind"] == "hang":
            try:
                await asyncio.sleep(SAFETY_BOUND)  # far past the timeout: the runner must cancel it
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return {"answer": datapoint["inputs"]["kind"]}

    return async_hang


def test_an_async_function_past_the_timeout_is_cancelled_and_recorded(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    dataset = external_dataset(RECORDS[:3])  # ok, raise (not raised by this app), hang
    cancelled = threading.Event()
    result = evaluate(
        make_async_app(cancelled),
        dataset,
        client=hh,
        evaluators=[quality],
        name="async-hang",
        max_workers=4,
        timeout=TIMEOUT,
        ingestion_timeout=10.0,
    )
    assert [o.status for o in result.outcomes] == [OutcomeStatus.OK, OutcomeStatus.OK, OutcomeStatus.TIMEOUT]
    assert result.outcomes[2].error == f"did not return within {TIMEOUT:g} s"
    assert result.summary.failed == [dataset.datapoints[2].id]
    assert sorted(result.summary.passed) == sorted(dp.id for dp in dataset.datapoints[:2])
    # the coroutine was cancelled, not left running on its thread
    assert cancelled.wait(2.0), "the timed-out coroutine never saw CancelledError"
    assert "blocks the event loop" not in caplog.text  # it awaits: the loop was never held


# An async function that blocks (a sync client inside it): the one event loop runs such coroutines one at a time, so
# six of them take six calls' time. Each is well within TIMEOUT; six in a row are well past it.
BLOCKING_CALL = 0.6


async def blocking_async_app(datapoint: dict[str, Any]) -> dict[str, Any]:
    threading.Event().wait(BLOCKING_CALL)  # a sync call inside async code: holds the loop, awaits nothing
    return {"answer": datapoint["inputs"]["kind"]}


async def awaits_then_blocks_app(datapoint: dict[str, Any]) -> dict[str, Any]:
    await asyncio.sleep(0)  # every datapoint's coroutine starts, then each waits for the others' blocking calls
    return await blocking_async_app(datapoint)


@pytest.mark.parametrize("app", [blocking_async_app, awaits_then_blocks_app], ids=["blocks", "awaits-then-blocks"])
def test_an_async_function_that_blocks_the_loop_is_not_timed_out_for_its_wait_behind_the_others(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture, app: Callable[[dict[str, Any]], Any]
) -> None:
    assert BLOCKING_CALL * 2 < TIMEOUT < BLOCKING_CALL * len(RECORDS) - 1.0  # the margins this test relies on
    result = evaluate(
        app,
        external_dataset(RECORDS),
        client=hh,
        name="async-blocks",
        max_workers=len(RECORDS),
        timeout=TIMEOUT,
        ingestion_timeout=10.0,
        print_results=False,
    )
    # the datapoints waited their turn on the loop (up to five calls' time): only their own call counts
    assert [(o.status, o.error) for o in result.outcomes] == [(OutcomeStatus.OK, None)] * len(RECORDS)
    said = [r.getMessage() for r in caplog.records if "blocks the event loop" in r.getMessage()]
    assert len(said) == 1, said  # what the user needs to know: once per run
    assert "its datapoints run one at a time, not max_workers at a time" in said[0]


def test_an_async_function_that_blocks_the_loop_for_good_times_out_and_so_does_the_one_waiting_behind_it(
    hh: HoneyHiveClient, never_set: threading.Event
) -> None:
    ran: list[str] = []

    async def stuck_app(datapoint: dict[str, Any]) -> dict[str, Any]:
        ran.append(datapoint["inputs"]["kind"])
        if datapoint["inputs"]["kind"] == "hang":
            never_set.wait(SAFETY_BOUND)  # blocks the loop: no cancellation reaches it, only the runner's timeout
        return {"answer": datapoint["inputs"]["kind"]}

    dataset = external_dataset([RECORDS[2], RECORDS[0]])  # hang, then ok: one worker, so ok waits behind hang
    result = evaluate(
        stuck_app, dataset, client=hh, name="async-stuck", max_workers=1, timeout=TIMEOUT, ingestion_timeout=10.0
    )
    hang, waiting = result.outcomes
    assert (hang.status, hang.error) == (OutcomeStatus.TIMEOUT, f"did not return within {TIMEOUT:g} s")
    assert waiting.status is OutcomeStatus.TIMEOUT  # the run ends: waiting for the loop is not waiting for ever
    assert waiting.error == (
        f"did not return within {TIMEOUT:g} s waiting for the event loop (held longer than that by async code that"
        " blocks it)"
    )
    assert sorted(result.summary.failed) == sorted(dp.id for dp in dataset.datapoints)
    never_set.set()  # the loop goes on: the datapoint given up on is not run behind the run's back
    run_coroutine(asyncio.sleep(0))  # queued on the loop after it
    assert ran == ["hang"]


MINE, OTHER = object(), object()  # the tasks running a datapoint's coroutine, this one's and another's


def _clock(
    stopped: float | None = None, timeout: float | None = 2.0, task: object = None, ended: float | None = None
) -> _Clock:
    deadline = None if timeout is None else 10.0 + timeout  # started at 10.0
    return _Clock(timeout, deadline, stopped, task, 10.0, ended=ended)


@pytest.mark.parametrize(
    ("clock", "now", "holding", "left"),
    [
        (_clock(timeout=None), 99.0, (1.0, OTHER), None),  # no timeout: only the cancel ends the wait
        (_clock(), 11.5, None, 0.5),  # a sync function's: the time left
        (_clock(), 12.5, None, -0.5),  # past its deadline: timed out
        (_clock(), 12.5, (10.0, OTHER), -0.5),  # a sync function's time is all its own, whatever the loop does
        (_clock(ended=11.0), 90.0, None, 1.0),  # returned: its clock stopped then (looked at late: a slow session)
        (_clock(ended=12.5), 90.0, None, -0.5),  # returned past its deadline: timed out, whenever it is looked at
        (_clock(task=MINE), 11.5, None, 0.5),  # an async one's, running
        (_clock(task=MINE), 12.5, (10.0, MINE), -0.5),  # holding the loop itself: its own time
        (_clock(task=MINE), 12.5, (11.0, OTHER), 1.0),  # suspended while another holds the loop: not its time
        (_clock(task=MINE), 11.5, (9.8, OTHER), 2.0),  # ... counted from its own start, not the hold's
        (_clock(task=MINE), 11.5, (10.0, None), 2.0),  # held by a callback, not a task: not its time either
        (_clock(task=MINE), 12.5, (10.4, OTHER), "waiting for the event loop"),  # held beyond a timeout: given up
        (_clock(stopped=10.5), 90.0, None, None),  # waiting for the loop to start it: no time of its own spent
        (_clock(stopped=11.0, task=MINE), 90.0, None, None),  # returned, its result not handed back yet
        (_clock(stopped=10.5), 90.0, (88.1, OTHER), None),  # the loop held, but by less than a timeout: it will come
        (_clock(stopped=10.5), 10.6, (8.5, OTHER), "waiting for the event loop"),  # held beyond a timeout: given up
    ],
)
def test_a_datapoints_clock_counts_its_own_time_not_its_wait_for_the_loop(
    clock: _Clock, now: float, holding: tuple[float, object] | None, left: float | str | None
) -> None:
    if isinstance(left, str):
        with pytest.raises(_TimedOut, match=left):
            clock.left(now, holding)
    else:
        assert clock.left(now, holding) == left


def test_a_datapoints_clock_credits_a_hold_by_another_once() -> None:
    clock = _clock(task=MINE)
    assert clock.left(11.0, (10.5, OTHER)) == 1.5  # 0.5 s of the other's hold credited
    assert clock.left(11.5, (10.5, OTHER)) == 1.5  # the same hold, 0.5 s on: credited from where it was
    assert clock.left(12.0, None) == 1.0  # the loop free again: its clock runs


def test_a_datapoints_clock_goes_on_from_where_it_stopped_when_its_coroutine_runs() -> None:
    clock = _clock(stopped=10.5)  # 1.5 s left when its coroutine started waiting for the loop
    assert clock.restart(30.0) == 1.5
    assert (clock.deadline, clock.stopped) == (31.5, None)
    assert clock.left(31.0, None) == 0.5
    assert clock.restart(31.0) == 0.5  # running: goes on as it was
    returned = _clock(ended=11.0)  # a sync function that returned with 1 s left: its evaluators go on from there
    assert (returned.restart(30.0), returned.deadline, returned.ended) == (1.0, 31.0, None)
    assert _clock(timeout=None).restart(30.0) is None


def raises_its_own_timeout(datapoint: dict[str, Any]) -> Any:
    raise TimeoutError("read timed out")  # a socket's, say: the function's error, not the runner's timeout


async def raises_its_own_timeout_async(datapoint: dict[str, Any]) -> Any:
    raise TimeoutError("read timed out")


@pytest.mark.parametrize("function", [raises_its_own_timeout, raises_its_own_timeout_async], ids=["sync", "async"])
def test_a_timeout_error_the_function_raises_itself_is_its_error_not_the_runners_timeout(
    hh: HoneyHiveClient, function: Callable[[dict[str, Any]], Any]
) -> None:
    result = evaluate(
        function, external_dataset(RECORDS[:1]), client=hh, name="own-timeout", timeout=30, ingestion_timeout=10.0
    )
    [outcome] = result.outcomes
    assert outcome.status is OutcomeStatus.FUNCTION_ERROR
    assert outcome.error == "TimeoutError: read timed out"


HANGING_SCRIPT = """
import threading
from honeyhive_experiment import HoneyHiveClient, OutcomeStatus, evaluate, external_dataset
from honeyhive_local import LocalBackend

never = threading.Event()

def stuck(datapoint):
    never.wait()

with LocalBackend(":memory:", "k") as backend, HoneyHiveClient(backend.url, "k") as client:
    result = evaluate(stuck, external_dataset([{"inputs": {"x": 1}}]), client=client, timeout=0.3,
                      ingestion_timeout=10.0, print_results=False)
    print(result.outcomes[0].status.value, flush=True)
"""


def test_a_call_still_hanging_does_not_keep_the_process_from_exiting() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", HANGING_SCRIPT], capture_output=True, text=True, timeout=30, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "timeout"


class _Halt(BaseException):
    """Not an Exception: what ``pytest.fail`` or trio's cancellation raise are BaseExceptions too."""


async def _cancelled_or_halted(datapoint: dict[str, Any]) -> Any:
    kind = datapoint["inputs"]["kind"]
    if kind == "cancelled":
        raise asyncio.CancelledError  # an inner task's cancellation, surfacing from the user's await
    if kind == "halt":
        raise _Halt("stop here")
    if kind == "interrupt":  # the user's own: no signal reaches a worker thread (it stopped the whole run, exit 130)
        raise KeyboardInterrupt("from the user's code")
    return {"answer": kind}


def _cancelled_evaluator(outputs: Any, inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> bool:
    if inputs["kind"] == "ok":
        raise asyncio.CancelledError
    return True


def test_a_base_exception_from_user_code_costs_its_datapoint_not_the_run(hh: HoneyHiveClient) -> None:
    kinds = ["cancelled", "halt", "interrupt", "ok", "ok-too"]
    result = evaluate(
        _cancelled_or_halted,
        external_dataset([{"inputs": {"kind": kind}} for kind in kinds]),
        client=hh,
        evaluators=[_cancelled_evaluator],
        name="base-exceptions",
        ingestion_timeout=10.0,
    )
    outcome = {kind: o for kind, o in zip(kinds, result.outcomes, strict=True)}
    assert outcome["cancelled"].status is OutcomeStatus.FUNCTION_ERROR
    assert outcome["cancelled"].error == "CancelledError: "
    assert (outcome["halt"].status, outcome["halt"].error) == (OutcomeStatus.FUNCTION_ERROR, "_Halt: stop here")
    interrupt = (OutcomeStatus.FUNCTION_ERROR, "KeyboardInterrupt: from the user's code")
    assert (outcome["interrupt"].status, outcome["interrupt"].error) == interrupt
    assert outcome["ok"].status is OutcomeStatus.OK
    assert [f.evaluator for f in outcome["ok"].evaluator_failures] == ["_cancelled_evaluator"]
    assert outcome["ok-too"].metrics == {"_cancelled_evaluator": True}


class HangingJudges:
    """LLM judges whose call never returns on the ``hang`` datapoint (a sync one and an async one), until the test
    releases them at its end; ``returned``: one got past its hang before that (the run waited for it)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.hanging = threading.Event()
        self.returned = threading.Event()

    def judge(self, outputs: Any, inputs: dict[str, Any], ground_truth: Any = None) -> float:
        if inputs["kind"] == "hang":
            self.hanging.set()
            if not self.release.wait(SAFETY_BOUND):
                self.returned.set()
        return 1.0

    async def async_judge(self, outputs: Any, inputs: dict[str, Any], ground_truth: Any = None) -> float:
        if inputs["kind"] == "hang":
            self.hanging.set()
            for _ in range(int(SAFETY_BOUND / 0.05)):
                if self.release.is_set():
                    return 1.0
                await asyncio.sleep(0.05)
            self.returned.set()
        return 1.0


@pytest.fixture
def judges() -> Iterator[HangingJudges]:
    hanging = HangingJudges()
    yield hanging
    hanging.release.set()


def _answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"answer": datapoint["inputs"]["kind"]}


@pytest.mark.parametrize("hanging", ["judge", "async_judge"])
def test_a_hanging_evaluator_costs_its_metric_on_its_datapoint_within_the_timeout(
    hh: HoneyHiveClient, judges: HangingJudges, hanging: str
) -> None:
    dataset = external_dataset(RECORDS[:3])  # ok, raise (not raised by this app), hang
    evaluators = [quality, getattr(judges, hanging)]
    result = evaluate(
        _answer, dataset, client=hh, evaluators=evaluators, name="hanging-judge", timeout=0.5, ingestion_timeout=10.0
    )
    assert not judges.returned.is_set(), "the run waited for the hanging evaluator"
    assert [o.status for o in result.outcomes] == [OutcomeStatus.OK] * 3
    ok, _, hung = result.outcomes
    assert dict(ok.metrics) == {"quality": 1.0, hanging: 1.0}
    assert hung.outputs == {"answer": "hang"}
    assert dict(hung.metrics) == {"quality": 1.0}  # the evaluator that answered keeps its metric
    spent = "TimeoutError: the datapoint's timeout (0.5 s) ran out before it returned"
    assert [(f.evaluator, f.error) for f in hung.evaluator_failures] == [(hanging, spent)]
    assert not result.success


async def async_quality(outputs: Any, inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> float:
    return quality(outputs, inputs)


@pytest.mark.parametrize("after", [quality, async_quality])
def test_an_evaluator_after_one_that_used_up_the_timeout_was_not_called_and_is_not_said_to_have_raised(
    hh: HoneyHiveClient, judges: HangingJudges, after: Callable[..., Any]
) -> None:
    """The hanging evaluator uses up the datapoint's timeout: the one after it (sync, or async: awaited after the sync
    ones) never starts. It was said to have raised ("evaluator quality raised ... TimeoutError: the datapoint's
    timeout ran out before it returned"); it was not called, and the run still does not pass on it."""
    result = evaluate(
        _answer,
        external_dataset(RECORDS[2:3]),  # hang
        client=hh,
        evaluators=[judges.judge, after],
        name="not-called-judge",
        timeout=0.5,
        ingestion_timeout=10.0,
    )
    [hung] = result.outcomes
    assert dict(hung.metrics) == {}
    spent = "TimeoutError: the datapoint's timeout (0.5 s) ran out before it returned"
    not_called = "NotCalled: the datapoint's timeout (0.5 s) ran out before its turn"
    assert [(f.evaluator, f.error) for f in hung.evaluator_failures] == [("judge", spent), (after.__name__, not_called)]
    assert [did(f.error) for f in hung.evaluator_failures] == [" raised", " was not called"]
    assert not result.success


def test_a_run_cancelled_while_an_evaluator_hangs_ends_without_it(hh: HoneyHiveClient, judges: HangingJudges) -> None:
    cancel = threading.Event()
    threading.Thread(target=lambda: judges.hanging.wait(SAFETY_BOUND) and cancel.set(), daemon=True).start()
    with pytest.raises(ExperimentCancelled) as cancelled:  # no timeout: only the cancel ends the hang's datapoint
        evaluate(
            _answer,
            external_dataset(RECORDS[2:3]),
            client=hh,
            evaluators=[judges.judge],
            name="cancel-judge",
            cancel=cancel,
            ingestion_timeout=10.0,
        )
    assert not judges.returned.is_set(), "the cancelled run waited for the hanging evaluator"
    [outcome] = cancelled.value.outcomes
    assert (outcome.status, outcome.error) == (OutcomeStatus.CANCELLED, "cancelled while the evaluators were running")


_VERDICT: contextvars.ContextVar[float] = contextvars.ContextVar("verdict")


def _judged(outputs: Any, inputs: dict[str, Any], ground_truth: Any = None) -> float:
    _VERDICT.set(len(inputs["kind"]))  # one call of a judge, its result kept for the evaluators after it
    return 1.0


def _seen(outputs: Any, inputs: dict[str, Any], ground_truth: Any = None) -> float:
    return _VERDICT.get(-1.0)


def test_a_datapoints_evaluators_share_their_context_variables_as_before_the_timeout_covered_them(
    hh: HoneyHiveClient,
) -> None:
    """Each evaluator runs on a thread the runner may abandon; they still run in one context, one after another,
    as they did on the worker's thread (each in a fresh copy, the later ones saw nothing)."""
    result = evaluate(
        _answer,
        external_dataset(RECORDS[:2]),
        client=hh,
        evaluators=[_judged, _seen],
        name="shared-context",
        timeout=30.0,
        ingestion_timeout=10.0,
    )
    assert [o.metrics["_seen"] for o in result.outcomes] == [float(len(r["inputs"]["kind"])) for r in RECORDS[:2]]

"""The user's function in each calling convention, through a real run against ``honeyhive_local``.

Older HoneyHive code defines ``function(inputs, ground_truths)``; current code ``function(datapoint)``, with
``tracer=`` when it takes one. Each convention runs the same calculator over three datapoints (one without
ground truth) and must give the backend the same outputs, metrics and pass/fail; the function must see exactly
the arguments of its convention. A signature no convention fits fails before any run is created.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from honeyhive_experiment import (
    DatapointTracer,
    ExperimentResult,
    HoneyHiveClient,
    OutcomeStatus,
    evaluate,
    external_dataset,
)
from honeyhive_experiment.errors import EvaluatorSignatureError

pytestmark = pytest.mark.integration

# datapoint 1 is answered wrongly by the calculator; datapoint 2 has no ground truth
RECORDS: list[dict[str, Any]] = [
    {"inputs": {"a": 1, "b": 2}, "ground_truth": {"sum": 3}},
    {"inputs": {"a": 2, "b": 2}, "ground_truth": {"sum": 4}},
    {"inputs": {"a": 5, "b": 5}},
]
ANSWERS = [3, 5, 10]  # a + b, except that 2 + 2 is 5
PASSING_RANGES = {"exact_match": {"min": 1}}


def add(inputs: dict[str, Any]) -> dict[str, Any]:
    total = inputs["a"] + inputs["b"]
    return {"sum": 5 if (inputs["a"], inputs["b"]) == (2, 2) else total}


def exact_match(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> Any:
    return None if ground_truth is None else outputs["sum"] == ground_truth["sum"]


class Seen:
    """What the function was called with, by the datapoint's ``a`` (calls come from several threads)."""

    def __init__(self) -> None:
        self.calls: dict[int, tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    def add(self, key: int, *arguments: Any) -> None:
        with self._lock:
            self.calls[key] = arguments


def older(seen: Seen) -> Callable[..., Any]:
    def calculator(inputs: dict[str, Any], ground_truths: dict[str, Any] | None) -> dict[str, Any]:
        seen.add(inputs["a"], inputs, ground_truths)
        return add(inputs)

    return calculator


def older_async(seen: Seen) -> Callable[..., Any]:
    async def calculator(inputs: dict[str, Any], ground_truths: dict[str, Any] | None) -> dict[str, Any]:
        seen.add(inputs["a"], inputs, ground_truths)
        return add(inputs)

    return calculator


def older_traced(seen: Seen) -> Callable[..., Any]:
    def calculator(
        inputs: dict[str, Any], ground_truths: dict[str, Any] | None, tracer: DatapointTracer
    ) -> dict[str, Any]:
        seen.add(inputs["a"], inputs, ground_truths)
        with tracer.start_as_current_span("lookup", "tool", inputs=inputs):
            return add(inputs)

    return calculator


def record(seen: Seen) -> Callable[..., Any]:
    def calculator(datapoint: dict[str, Any]) -> dict[str, Any]:
        seen.add(datapoint["inputs"]["a"], datapoint)
        return add(datapoint["inputs"])

    return calculator


def record_traced(seen: Seen) -> Callable[..., Any]:
    async def calculator(datapoint: dict[str, Any], tracer: DatapointTracer) -> dict[str, Any]:
        seen.add(datapoint["inputs"]["a"], datapoint)
        with tracer.start_as_current_span("lookup", "tool", inputs=datapoint["inputs"]):
            return add(datapoint["inputs"])

    return calculator


def record_wrapped(seen: Seen) -> Callable[..., Any]:
    async def app(datapoint: dict[str, Any]) -> dict[str, Any]:
        seen.add(datapoint["inputs"]["a"], datapoint)
        return add(datapoint["inputs"])

    return lambda datapoint: app(datapoint)  # sync, returning the async app's coroutine: awaited, as its outputs


OLDER_CALLS = {1: ({"a": 1, "b": 2}, {"sum": 3}), 2: ({"a": 2, "b": 2}, {"sum": 4}), 5: ({"a": 5, "b": 5}, None)}

# (case id, make the function, what it is called with by datapoint, whether it opened a child "tool" span)
CASES: list[tuple[str, Callable[[Seen], Callable[..., Any]], str, bool]] = [
    ("older", older, "older", False),
    ("older-async", older_async, "older", False),
    ("older-with-tracer", older_traced, "older", True),
    ("record", record, "record", False),
    ("record-async-with-tracer", record_traced, "record", True),
    ("record-sync-returning-a-coroutine", record_wrapped, "record", False),
]


def run(hh: HoneyHiveClient, function: Callable[..., Any], name: str) -> ExperimentResult:
    return evaluate(
        function,
        external_dataset(RECORDS),
        client=hh,
        evaluators=[exact_match],
        name=name,
        max_workers=3,
        timeout=5.0,
        passing_ranges=PASSING_RANGES,
        ingestion_timeout=10.0,
    )


@pytest.mark.parametrize(("make", "style", "traced"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_convention_gets_its_arguments_and_the_same_result(
    hh: HoneyHiveClient, make: Callable[[Seen], Callable[..., Any]], style: str, traced: bool
) -> None:
    seen = Seen()
    result = run(hh, make(seen), f"convention-{style}")
    ids = [o.datapoint_id for o in result.outcomes]

    if style == "older":
        assert seen.calls == OLDER_CALLS
    else:  # the whole record, as the dataset holds it
        assert seen.calls == {r["inputs"]["a"]: (r,) for r in RECORDS}

    assert [o.status for o in result.outcomes] == [OutcomeStatus.OK] * 3
    assert [o.outputs for o in result.outcomes] == [{"sum": s} for s in ANSWERS]
    assert [dict(o.metrics) for o in result.outcomes] == [{"exact_match": True}, {"exact_match": False}, {}]
    assert result.summary.failed == [ids[1]]
    assert sorted(result.summary.passed) == sorted([ids[0], ids[2]])

    events = list(hh.iter_run_events(result.run_id))
    assert sorted(e["outputs"]["sum"] for e in events if e["event_type"] == "chain") == sorted(ANSWERS)
    tools = [e for e in events if e["event_type"] == "tool"]
    assert len(tools) == (3 if traced else 0)


def _three(inputs: Any, ground_truths: Any, context: Any) -> Any:
    return {}


def _streamed(inputs: Any) -> Any:
    yield add(inputs)


class _Calculator:
    def __init__(self, style: Any) -> None:  # called with the datapoint, it would make an instance
        self.style = style

    def __call__(self, inputs: Any) -> Any:
        return add(inputs)


@pytest.mark.parametrize(
    ("function", "error"),
    [
        (_three, "requires 3 positional arguments"),
        (_streamed, "is a generator function: its body never runs"),  # else its generator would be the output
        (_Calculator, "is a class: name an instance of it"),  # else an instance would be
        (_Calculator.__call__, "is a method read from the class"),  # else its self would get the datapoint
    ],
)
def test_a_function_no_convention_fits_fails_before_a_run_is_created(
    hh: HoneyHiveClient, client: httpx.Client, function: Callable[..., Any], error: str
) -> None:
    with pytest.raises(EvaluatorSignatureError, match=error):
        run(hh, function, "never-created")
    runs = client.get("/v1/runs", params={"name": "never-created"}).json()
    assert runs["evaluations"] == []

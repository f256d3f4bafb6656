"""Two ``evaluate()`` runs at once in one process, on two threads, each count their own datapoints' unfinished LLM
calls (audit61 #4). Run A's datapoint times out with its call still running (the server holds it) while run B runs:
B said the call as one of its own datapoints' unfinished calls and recorded it on its first session; now only A does.
Against the local backend, with an instrumentor handed the run's tracer provider, whose call span the function opens
as an instrumentation would."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest

from honeyhive_experiment import HoneyHiveClient, evaluate
from honeyhive_experiment.models.outcomes import DatapointOutcome

pytestmark = pytest.mark.integration

CALL = {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini"}  # as OpenLLMetry opens a chat call's span


class Instrumentor:
    """An instrumentor keeping the run's provider: the function opens its call's span through it."""

    is_instrumented_by_opentelemetry = False

    def __init__(self) -> None:
        self.provider: Any = None

    def instrument(self, tracer_provider: Any = None) -> None:
        self.provider = tracer_provider

    def uninstrument(self) -> None:
        pass


def first_recorded(outcomes: Sequence[DatapointOutcome]) -> DatapointOutcome:
    return next(o for o in outcomes if o.recorded)


def test_a_datapoints_call_left_running_is_its_own_runs_unfinished_call_only(hh: HoneyHiveClient) -> None:
    b_running, b_go, answered = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, Sequence[DatapointOutcome]] = {}
    instrumentor = Instrumentor()

    def fb(datapoint: dict[str, Any]) -> str:
        b_running.set()
        assert b_go.wait(60)  # B's count runs until A is over
        return "b"

    def fa(datapoint: dict[str, Any]) -> str:
        span = instrumentor.provider.get_tracer("opentelemetry.instrumentation.openai").start_span(
            "chat", attributes=CALL
        )
        answered.wait(60)  # the server holds the call past the timeout: the datapoint is recorded with it running
        span.end()
        return "a"

    def run_b() -> None:
        results["B"] = evaluate(fb, [{"inputs": {"n": 1}}], client=hh, name="run-B", print_results=False).outcomes

    b = threading.Thread(target=run_b)
    b.start()
    try:
        assert b_running.wait(60)
        a = evaluate(
            fa,
            [{"inputs": {"n": 1}}],
            client=hh,
            name="run-A",
            timeout=0.5,
            instrumentors=[instrumentor],
            print_results=False,
        )
        b_go.set()
        b.join(60)
    finally:
        b_go.set()
        answered.set()
    assert (first_recorded(a.outcomes).unfinished, first_recorded(results["B"]).unfinished) == (1, 0)

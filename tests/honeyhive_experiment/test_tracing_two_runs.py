"""Two runs at once in one process (two ``evaluate()`` calls on two threads) each count their own datapoints'
unfinished LLM calls (audit61 #4): a call a recorded datapoint of one run left running, or opened after it was
recorded, went into every count running then, so the other run said it too, as its own datapoints' unfinished work,
and recorded it on its first session. A call made outside every datapoint is still in both counts: no run owns it.

Made deterministic as in test_calls_open_at_the_end.py: the datapoint is recorded (its calls read, its spans
exported) with its call still open, or the call opens in its context after, and each count is read then."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import context
from opentelemetry.sdk.trace import TracerProvider

from honeyhive_experiment.tracing import DatapointIds, Outside, TraceSink, counting_outside, routed_provider

pytestmark = pytest.mark.unit

CALL = {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini"}  # as OpenLLMetry opens a chat call's span
SCOPE = "opentelemetry.instrumentation.openai"


@pytest.fixture
def provider() -> Iterator[TracerProvider]:
    with routed_provider() as routed:  # an instrumentation's provider (``instrument:``)
        yield routed


def counted(outside: Outside) -> tuple[int, int]:
    """(calls outside every datapoint, the datapoints' unfinished calls), as the runner reads them."""
    return outside.calls, outside.unfinished_calls


@pytest.mark.parametrize("when", ["running-when-recorded", "opened-after"])
def test_a_recorded_datapoints_unfinished_call_is_its_own_runs_only(provider: TracerProvider, when: str) -> None:
    """Run A's datapoint leaves a call running (or opens one after it was recorded) while run B runs: B's count had it
    as one of its own datapoints' unfinished calls, (0, 1), and B said and recorded it."""
    with counting_outside() as a, counting_outside() as b:
        a.runs.add("run-A")
        b.runs.add("run-B")
        tracer = TraceSink.nowhere().tracer(DatapointIds("session-a1", "run-A", None, "a1"))
        with tracer.start_as_current_span("answer", "chain"):
            carried = context.get_current()
            held = None if when == "opened-after" else provider.get_tracer(SCOPE).start_span("chat", attributes=CALL)
        assert tracer.llm_calls() == ([], [])
        assert tracer.export()  # recorded: held still runs
        if held is None:
            held = provider.get_tracer(SCOPE).start_span("chat", context=carried, attributes=CALL)
        outside = provider.get_tracer(SCOPE).start_span("chat", context=context.Context(), attributes=CALL)
        outside.end()  # a call in no datapoint's context: in both counts
        read = counted(a), counted(b)
        held.end()
        ended = counted(a), counted(b)
    assert read == ended == ((1, 1), (1, 0))


def test_a_count_that_names_no_run_takes_every_runs(provider: TracerProvider) -> None:
    with counting_outside() as anyone:
        tracer = TraceSink.nowhere().tracer(DatapointIds("session-a2", "run-A", None, "a2"))
        with tracer.start_as_current_span("answer", "chain"):
            provider.get_tracer(SCOPE).start_span("chat", attributes=CALL)
        assert tracer.llm_calls() == ([], [])
        assert tracer.export()
        assert counted(anyone) == (0, 1)

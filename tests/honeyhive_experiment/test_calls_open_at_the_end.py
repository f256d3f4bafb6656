"""The LLM calls a run counts in no metric include those still open when it reads its count (the run's end).

Seen under load in test_efficiency_cli.py (2 of 4 counted): a datapoint timed out before its function opened its
held call (a sync function's second call, an async call the timeout's cancel reached only after the call's span had
opened), so the call opened after its datapoint was recorded and the server still held it at the run's end. A span
opened in no running datapoint is counted when it ends (``_Routes.on_end``); one still open when the count is read was
in no count: not in its datapoint's metrics, not its unfinished work, not outside, unsaid, and a cost gate judged the
run's cost as whole. One running when its datapoint was recorded is counted however long it runs
(``tracing._still_running``): the same call, opened a moment later, must count too.

Made deterministic here: the datapoint is recorded first (its calls read, its spans exported), then the call opens in
its context (as the thread it left, or its cancelled coroutine, does) or in none (a thread started at import), and the
count is read while the call is still open.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from opentelemetry import context
from opentelemetry.sdk.trace import TracerProvider

from honeyhive_experiment.tracing import DatapointIds, Outside, TraceSink, counting_outside, routed_provider

pytestmark = pytest.mark.unit

CALL = {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini"}  # as OpenLLMetry opens a chat call's span


@pytest.fixture
def provider() -> Iterator[TracerProvider]:
    with routed_provider() as routed:  # an instrumentation's provider (``instrument:``)
        yield routed


def recorded_datapoint(sink: TraceSink) -> context.Context:
    """A datapoint run and recorded as the runner does (its calls read, its spans exported); its context, which a
    thread it left running, or its cancelled coroutine, still carries."""
    tracer = sink.tracer(DatapointIds("session-q03", "run-1", None, "q03"))
    with tracer.start_as_current_span("answer", "chain"):
        carried = context.get_current()
    assert tracer.llm_calls() == ([], [])
    assert tracer.export()
    return carried


def test_a_call_a_recorded_datapoints_code_opens_and_is_still_running_at_the_end_is_its_unfinished_work(
    provider: TracerProvider,
) -> None:
    with counting_outside() as outside:
        carried = recorded_datapoint(TraceSink.nowhere())
        held = provider.get_tracer("opentelemetry.instrumentation.openai").start_span(
            "openai.chat", context=carried, attributes=CALL
        )
        read = counted(outside)  # the run reads its count now: the server still holds the call
    held.end()  # answered after the run: too late for any count
    assert read == (0, 1)


def test_a_call_that_names_its_model_after_its_datapoint_is_recorded_is_its_unfinished_work(
    provider: TracerProvider,
) -> None:
    """OpenLLMetry opens a chat call's span with only its operation and names the model a moment later: a datapoint
    recorded in between (its timeout) kept the running call as it read then, no call, and it was in no count."""
    with counting_outside() as outside:
        tracer = TraceSink.nowhere().tracer(DatapointIds("session-q04", "run-1", None, "q04"))
        with tracer.start_as_current_span("answer", "chain"):
            held = provider.get_tracer("opentelemetry.instrumentation.openai").start_span(
                "openai.chat", attributes={"gen_ai.operation.name": "chat"}
            )
        assert tracer.llm_calls() == ([], [])  # recorded: its call just opened
        assert tracer.export()
        held.set_attributes(CALL)
        read = counted(outside)
    held.end()
    assert read == (0, 1)


def test_a_call_opened_outside_every_datapoint_and_still_running_at_the_end_is_counted_outside(
    provider: TracerProvider,
) -> None:
    with counting_outside() as outside:
        held = provider.get_tracer("opentelemetry.instrumentation.openai").start_span(
            "openai.chat", context=context.Context(), attributes=CALL
        )
        read = counted(outside)
    held.end()
    assert read == (1, 0)


def test_a_call_still_open_is_counted_once_when_it_ends_before_the_count_is_read(provider: TracerProvider) -> None:
    """The one that ended is counted by its end, as before: not twice."""
    with counting_outside() as outside:
        carried = recorded_datapoint(TraceSink.nowhere())
        provider.get_tracer("opentelemetry.instrumentation.openai").start_span(
            "openai.chat", context=carried, attributes=CALL
        ).end()
        assert counted(outside) == (0, 1)


def test_a_call_dropped_without_ending_is_counted_and_not_held(provider: TracerProvider) -> None:
    """A stream never read to its end whose instrumentation does not end its span when the stream is collected: the
    span is dropped open. The count read it as it started (a call: it names its model), and held it, its prompt and
    all, till the run's end (26 MB for 2,000 such calls with 10 kB prompts)."""
    with counting_outside() as outside:
        tracer = provider.get_tracer("opentelemetry.instrumentation.openai_v2")
        span = tracer.start_span("chat gpt-4o-mini", context=context.Context(), attributes=CALL)
        span.set_attribute("gen_ai.prompt.0.content", "a long prompt " * 1000)
        dropped = weakref.ref(span)
        del span
        gc.collect()
        assert dropped() is None
        assert counted(outside) == (1, 0)


@pytest.mark.parametrize("recorded", [False, True], ids=["running-when-recorded", "opened-after"])
def test_two_calls_of_two_instrumentations_still_open_side_by_side_are_two(
    provider: TracerProvider, recorded: bool
) -> None:
    """Two calls to one model, each traced by one instrumentation (the openai-v2 one, OpenLLMetry's), beside each other
    in a datapoint, still open when the count is read: an open span's end is unknown, so neither's time is known to be
    within the other's, and they are not one call traced twice (which, in flight, is one span inside the other's)."""
    sink = TraceSink.nowhere()
    with counting_outside() as outside:
        tracer = sink.tracer(DatapointIds("session-q04", "run-1", None, "q04"))
        with tracer.start_as_current_span("answer", "chain"):
            carried = context.get_current()
            if recorded:
                assert tracer.llm_calls() == ([], [])
            for scope in ("opentelemetry.instrumentation.openai_v2", "opentelemetry.instrumentation.openai"):
                provider.get_tracer(scope).start_span("chat", context=carried, attributes=CALL)
            if not recorded:
                assert tracer.llm_calls() == ([], [])
        assert tracer.export()
        assert counted(outside) == (0, 2)


def test_a_call_opened_at_import_and_still_running_at_the_end_is_a_setup_cost(provider: TracerProvider) -> None:
    """A warm-up call the import starts and the server still holds when the run reads its count: made at import, a
    setup cost (``import_llm_calls``), not a call outside every datapoint nor a datapoint's unfinished work."""
    with counting_outside(importing=True) as outside:
        held = provider.get_tracer("opentelemetry.instrumentation.openai").start_span(
            "openai.chat", context=context.Context(), attributes=CALL
        )
        outside.imported()
        read = counted(outside), len(outside.setup_calls)
    held.end()
    assert read == ((0, 0), 1)


def counted(outside: Outside) -> tuple[int, int]:
    """What the runner reads of the count after the datapoints: (calls outside every datapoint, the datapoints'
    unfinished calls)."""
    return outside.calls, outside.unfinished_calls

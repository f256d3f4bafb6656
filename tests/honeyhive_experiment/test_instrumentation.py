"""LLM calls captured per datapoint (issue 23, item 1): the real openai client, instrumented by the real OpenLLMetry
and OpenInference instrumentations, calls tests/fakes/openai_server.py from 40 datapoints on 32 workers, in the
function and in an LLM-judge evaluator; every call's span must land in its own datapoint's session (none lost,
none attributed to another) and become that datapoint's metrics, the judge's apart.

Both ways in: ``evaluate(instrumentors=[...])`` (the instrumentor is given the run's own tracer provider) and the
experiment file's ``instrument:`` (instrumentation.switched_on: the global provider routes each span by the
datapoint in its context). The fake server's usage depends on the prompt, so a span in the wrong session shows as
wrong token counts. Spans are read where they are exported (``InMemorySpanExporter``, the tests' seam)."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import openai
import pytest
from openinference.instrumentation.openai import OpenAIInstrumentor as OpenInferenceInstrumentor
from opentelemetry import trace
from opentelemetry.instrumentation.openai import OpenAIInstrumentor as OpenLLMetryInstrumentor
from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from honeyhive_experiment import ExperimentResult, HoneyHiveClient, TraceSink, evaluate
from honeyhive_experiment.experiment import APP_FLUSH_S
from honeyhive_experiment.instrumentation import Instrumentation, switched_on
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration

ROWS = 40
WORKERS = 32
INSTRUMENTORS: dict[str, Callable[[], Any]] = {
    "openllmetry": OpenLLMetryInstrumentor,
    "openinference": OpenInferenceInstrumentor,
}
SCOPES = {
    "openllmetry": "opentelemetry.instrumentation.openai",
    "openinference": "openinference.instrumentation.openai",
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


def rows(tag: str) -> list[dict[str, Any]]:
    """Questions of different lengths (so different token counts), each with a marker of its own (``[tag-7]``) that
    its prompts carry."""
    return [{"id": f"q{i}", "inputs": {"question": f"[{tag}-{i}] " + "why " * i}} for i in range(ROWS)]


def app(server: FakeOpenAI, *, own_span: bool) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The function (one call; with ``own_span`` also a span of its own with GenAI attributes, opened through
    OpenTelemetry's global API) and an LLM judge (one call)."""
    client = openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)

    def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
        question = datapoint["inputs"]["question"]
        messages = [{"role": "user", "content": f"please answer {question}"}]
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
        if own_span:
            attributes = {"gen_ai.request.model": "my-ft-model", "gen_ai.usage.input_tokens": 1000}
            with trace.get_tracer("user-app").start_as_current_span("my own call", attributes=attributes):
                pass
        return {"answer": reply.choices[0].message.content}

    def judge(outputs: dict[str, Any], inputs: dict[str, Any]) -> float:
        messages = [{"role": "user", "content": f"judge {inputs['question']}: {outputs['answer']}"}]
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
        return 1.0

    return answer, judge


@pytest.mark.parametrize("library", sorted(INSTRUMENTORS))
@pytest.mark.parametrize("way", ["instrumentors", "instrument"])
def test_32_workers_every_call_in_its_own_datapoint(
    server: FakeOpenAI, hh: HoneyHiveClient, library: str, way: str
) -> None:
    tag = f"{library}-{way}"
    data = rows(tag)
    answer, judge = app(server, own_span=way == "instrument")
    instrumentor = INSTRUMENTORS[library]()
    exporter = InMemorySpanExporter()
    switch: AbstractContextManager[object] = nullcontext()
    if way == "instrument":
        switch = switched_on([Instrumentation("openai", library, instrumentor, ("experiment.yml", ("instrument", 0)))])
    with switch:
        result = evaluate(
            answer,
            data,
            client=hh,
            sink=TraceSink(exporter),
            evaluators=[judge],
            instrumentors=[instrumentor] if way == "instrumentors" else None,
            max_workers=WORKERS,
            print_results=False,
        )
    assert not instrumentor.is_instrumented_by_opentelemetry  # switched off after the run

    calls = server.calls_about(f"[{tag}-")
    assert len(calls) == 2 * ROWS
    llm_spans = [s for s in exporter.get_finished_spans() if s.instrumentation_scope.name.startswith(SCOPES[library])]
    assert len(llm_spans) == 2 * ROWS, "a call's span was lost"
    for outcome in result.outcomes:
        question = data[int(outcome.datapoint_id.rsplit("q", 1)[1])]["inputs"]["question"]
        marker = question.split()[0] + " "
        [own] = [c for c in server.calls_about(marker) if c.prompt.startswith("please")]
        [judged] = [c for c in server.calls_about(marker) if c.prompt.startswith("judge")]
        metrics = dict(outcome.metrics)
        expected = {
            "llm_calls": 1,
            "input_tokens": own.prompt_tokens,
            "output_tokens": own.completion_tokens,
            "judge_llm_calls": 1,
            "judge_input_tokens": judged.prompt_tokens,
            "judge_output_tokens": judged.completion_tokens,
        }
        if way == "instrument":  # the function's own GenAI span counts too (an unpriced model)
            expected.update(llm_calls=2, input_tokens=own.prompt_tokens + 1000)
            assert dict(outcome.unpriced) == {"unpriced_llm_calls": {"my-ft-model": 1}}
        else:
            assert dict(outcome.unpriced) == {}
        assert {name: metrics.get(name) for name in expected} == expected, outcome.datapoint_id
        assert metrics["cost_usd"] == pytest.approx((own.prompt_tokens * 0.15 + own.completion_tokens * 0.6) / 1e6)
        assert metrics["judge"] == 1.0
        assert metrics["duration_ms"] > 0
    markers = {o.session_id: f"[{tag}-{o.datapoint_id.rsplit('q', 1)[1]}] " for o in result.outcomes}
    for span in llm_spans:  # and each span is in the session of the datapoint whose question it carries
        attributes = dict(span.attributes or {})
        assert markers[str(attributes["honeyhive.session_id"])] in " ".join(map(str, attributes.values()))


def _priced_run(
    server: FakeOpenAI, hh: HoneyHiveClient, tag: str, instrumentors: list[Any], caplog: pytest.LogCaptureFixture
) -> tuple[list[tuple[dict[str, Any], Any]], list[str], ExperimentResult]:
    """Three datapoints, one OpenAI call each, run with ``instrumentors`` and a passing range on ``cost_usd``: each
    datapoint's metrics beside the call the server answered for it, what the run warned about instrumentors, and
    the result."""
    data = [{"inputs": {"question": f"[{tag}-{i}] " + "why " * i}} for i in range(3)]
    answer, _ = app(server, own_span=False)
    with caplog.at_level("WARNING", logger="honeyhive_experiment"):
        result = evaluate(
            answer,
            data,
            client=hh,
            instrumentors=instrumentors,
            max_workers=3,
            passing_ranges={"cost_usd": {"max": 0.01}},
            print_results=False,
        )
    called = []
    for outcome in result.outcomes:
        [call] = server.calls_about(data[outcome.index]["inputs"]["question"].split()[0] + " ")
        called.append((dict(outcome.metrics), call))
    warned = [r.getMessage() for r in caplog.records if "instrumented before" in r.getMessage()]
    return called, warned, result


@pytest.mark.parametrize(
    ("form", "given"),
    [
        pytest.param("class", lambda: OpenLLMetryInstrumentor, id="the class (SDK 1.7: a class is a factory)"),
        pytest.param("instance", lambda: OpenLLMetryInstrumentor(), id="an instance"),
        pytest.param("function", lambda: lambda: OpenLLMetryInstrumentor(), id="a function making one"),
    ],
)
def test_an_instrumentor_its_class_or_a_function_making_it_records_each_call_its_tokens_and_cost(
    server: FakeOpenAI, hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture, form: str, given: Callable[[], Any]
) -> None:
    """``instrumentors=[OpenAIInstrumentor]``, the class as the factory: its ``instrument`` is found on the class
    too, so it was taken for an instrumentor and never instrumented; the run recorded 0 calls and $0 (a cost gate
    read it as an improvement) and warned that "ABCMeta was instrumented before the run"."""
    called, warned, result = _priced_run(server, hh, form, [given()], caplog)
    assert len(called) == 3
    assert (result.success, result.notes) == (True, ())
    for metrics, call in called:
        assert (metrics.get("llm_calls"), metrics.get("input_tokens"), metrics.get("output_tokens")) == (
            1,
            call.prompt_tokens,
            call.completion_tokens,
        )
        assert metrics["cost_usd"] == pytest.approx((call.prompt_tokens * 0.15 + call.completion_tokens * 0.6) / 1e6)
        assert metrics["cost_usd"] > 0
    assert warned == []
    assert not OpenLLMetryInstrumentor().is_instrumented_by_opentelemetry  # switched off after the run


def test_an_instrumentor_the_user_instrumented_before_the_run_is_named_and_left_as_it_was(
    server: FakeOpenAI, hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Instrumented by the user's own setup with their own provider: the run leaves it (its spans go to that
    provider) and says so, naming the instrumentor, even when it is given as its class (the same instance: an
    instrumentor is one per class), in the log, the result and its printed table. The run cannot tell whether that
    provider is the global one (whose spans it routes, audit87 F1) or not, so it records what it saw: 0 calls at $0
    here (audit85 F3, left), beside the warning."""
    theirs = SdkTracerProvider()
    exporter = InMemorySpanExporter()
    theirs.add_span_processor(SimpleSpanProcessor(exporter))
    OpenLLMetryInstrumentor().instrument(tracer_provider=theirs)
    try:
        called, warned, result = _priced_run(server, hh, "before", [OpenLLMetryInstrumentor], caplog)
        assert OpenLLMetryInstrumentor().is_instrumented_by_opentelemetry  # not uninstrumented under the user
    finally:
        OpenLLMetryInstrumentor().uninstrument()
        theirs.shutdown()
    said = (
        "OpenAIInstrumentor was instrumented before the run, which left it as it was: its spans go where it was told"
        " (to the run only by the global tracer provider), so the efficiency metrics may leave its LLM calls out;"
        " uninstrument it before the run"
    )
    assert len(exporter.get_finished_spans()) == len(called) == 3
    assert warned == [said]
    assert result.notes == (said,)
    printed = io.StringIO()
    result.print_table(printed)
    assert f"Warning: {said}" in printed.getvalue()


def test_the_users_own_genai_spans_count_and_an_evaluators_metric_of_the_same_name_wins(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """No instrumentation: the function reports a call itself, on a span of its ``tracer`` with GenAI attributes;
    an evaluator also produces ``llm_calls``, which replaces the built-in one (said once per run, not per
    datapoint)."""

    def answer(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
        with tracer.start_as_current_span("my call", "model") as span:
            span.set_attribute("gen_ai.system", "openai")
            span.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            span.set_attribute("gen_ai.usage.input_tokens", 100 * datapoint["inputs"]["n"])
            span.set_attribute("gen_ai.usage.output_tokens", 10)
        return {"answer": "ok"}

    def llm_calls(outputs: dict[str, Any], inputs: dict[str, Any]) -> int:
        return 7

    records = [{"inputs": {"n": n}} for n in range(1, 9)]
    with caplog.at_level("WARNING", logger="honeyhive_experiment.runner"):
        result = evaluate(answer, records, client=hh, evaluators=[llm_calls], max_workers=4, print_results=False)

    for outcome in result.outcomes:
        n = records[outcome.index]["inputs"]["n"]
        assert outcome.metrics["input_tokens"] == 100 * n
        assert outcome.metrics["cost_usd"] == pytest.approx((100 * n * 0.15 + 10 * 0.6) / 1e6)
        assert outcome.metrics["llm_calls"] == 7  # the evaluator's
    replaced = [r.getMessage() for r in caplog.records if "replaces the built-in" in r.getMessage()]
    assert replaced == ["an evaluator's metric replaces the built-in llm_calls (the evaluator's is kept)"]


SDK_TRACER_APP = """
import json, sys
from honeyhive import HoneyHiveTracer
from opentelemetry import trace
from opentelemetry.instrumentation.openai import OpenAIInstrumentor
from honeyhive_experiment import evaluate

url, key = sys.argv[1], sys.argv[2]
# the app is traced with the official SDK: its provider becomes the global one, and its span processor stamps
# every span with the SDK tracer's own session id
HoneyHiveTracer.init(api_key=key, server_url=url, session_name="the app's own session")

def answer(datapoint):
    n = datapoint["inputs"]["n"]
    attributes = {"gen_ai.request.model": "my-ft-model", "gen_ai.usage.input_tokens": 10 * n}
    with trace.get_tracer("the-app").start_as_current_span("my own call", attributes=attributes):
        pass
    return {"n": n}

records = [{"inputs": {"n": n}} for n in range(1, 9)]
result = evaluate(answer, records, api_key=key, server_url=url, max_workers=4, print_results=False,
                  instrumentors=[OpenAIInstrumentor()])
print(json.dumps([[records[o.index]["inputs"]["n"], dict(o.metrics)] for o in result.outcomes]))
"""


def test_an_app_traced_with_the_official_sdk_keeps_its_spans_in_the_datapoints_session(
    backend: LocalBackend, tmp_path: Path
) -> None:
    """A HoneyHive user's app often calls ``HoneyHiveTracer.init()``: the SDK's provider is then OpenTelemetry's
    global one and stamps each span with its own session id. Inside a datapoint the datapoint's session wins, so
    the app's own GenAI spans still count. In a process of its own: the SDK's tracer is process-global."""
    script = tmp_path / "app.py"
    script.write_text(SDK_TRACER_APP)
    done = subprocess.run(
        [sys.executable, str(script), backend.url, API_KEY], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(outcomes) == 8
    for n, metrics in outcomes:
        assert (metrics.get("llm_calls"), metrics.get("input_tokens")) == (1, 10 * n)


SDK_TRACE_APP = """
import json, sys
from honeyhive import HoneyHiveTracer, trace
from honeyhive_experiment import evaluate

url, key = sys.argv[1], sys.argv[2]
HoneyHiveTracer.init(api_key=key, server_url=url, session_name="the app's own session", disable_batch=True)

@trace(event_type="tool")
def lookup(n):
    return 2 * n

def answer(datapoint):
    return {"n": lookup(datapoint["inputs"]["n"])}

result = evaluate(answer, [{"inputs": {"n": n}} for n in range(6)], api_key=key, server_url=url, max_workers=3,
                  print_results=False)
print(json.dumps([result.run_id, [o.session_id for o in result.outcomes]]))
"""


def test_an_apps_sdk_trace_spans_land_in_the_datapoints_session(backend: LocalBackend, tmp_path: Path) -> None:
    """The official SDK's ``@trace`` on the app's own functions, with no ``instrument:``: the SDK's span processor
    takes the session from the datapoint's baggage (its own names), so each call is in its datapoint's session
    on the backend, as under the SDK's ``evaluate()``, not in the app tracer's session."""
    script = tmp_path / "app.py"
    script.write_text(SDK_TRACE_APP)
    done = subprocess.run(
        [sys.executable, str(script), backend.url, API_KEY], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    run_id, sessions = json.loads(done.stdout.strip().splitlines()[-1])
    with HoneyHiveClient(backend.url, API_KEY) as client:
        events = [e for e in client.iter_run_events(run_id) if e.get("event_name") == "__main__.lookup"]
    assert sorted(e["session_id"] for e in events) == sorted(sessions)


SDK_BATCHED_APP = """
import json, sys
from honeyhive import HoneyHiveTracer, enrich_span, trace
from honeyhive_experiment import evaluate

url, key = sys.argv[1], sys.argv[2]
HoneyHiveTracer.init(api_key=key, server_url=url, source="dev")  # the SDK's default: batched export

@trace
def retrieve(q):
    enrich_span(metrics={"n_docs": len(q)})
    return q

def app(datapoint):
    return {"answer": retrieve(datapoint["inputs"]["q"])}

result = evaluate(app, [{"inputs": {"q": "a"}}, {"inputs": {"q": "bbbbbbbbbb"}}], api_key=key, server_url=url,
                  passing_ranges={"n_docs": {"max": 5}}, print_results=False)
print(json.dumps([[d.metric_name for d in result.metrics.details], len(result.failed), result.broken]))
"""


def test_an_apps_batched_sdk_spans_are_in_honeyhive_before_the_run_is_judged(
    backend: LocalBackend, tmp_path: Path
) -> None:
    """``HoneyHiveTracer.init()`` batches its export (every 5 s, here never by the clock): the metrics its
    ``enrich_span`` put on an ``@trace`` span reached HoneyHive after the run was judged without them ("its evaluator
    returned nothing"). The app's tracer providers are flushed once its datapoints are done."""
    metrics, failed, broken = _script(tmp_path, SDK_BATCHED_APP, backend.url, API_KEY)
    assert (metrics, failed, broken) == (["n_docs"], 1, [])


SDK_GLOBAL_TRACE_APP = """
import json, sys
from honeyhive import enrich_span, trace
from honeyhive import evaluate as sdk_evaluate
from honeyhive_experiment import HoneyHiveClient, evaluate

url, key = sys.argv[1], sys.argv[2]

@trace(event_type="tool")
def retrieve(q):
    enrich_span(metrics={"latency_ok": 1})
    return q

@trace(event_type="model")
def generate(q):
    enrich_span(metrics={"latency_ok": 0})  # the slow step
    return q.upper()

def app(datapoint):
    return {"answer": generate(retrieve(datapoint["inputs"]["q"]))}

def sessions(run_id):  # each datapoint's events: (type, name, metrics, inside the datapoint's chain event)
    with HoneyHiveClient(url, key) as client:
        events = [e for e in client.iter_run_events(run_id) if e["event_type"] != "session"]
    chains = {e["session_id"]: e["event_id"] for e in events if e["event_type"] == "chain"}
    return {
        session: sorted([e["event_type"], e["event_name"], e["metrics"], e["parent_id"] == chains[session]]
                        for e in events if e["session_id"] == session)
        for session in chains
    }

dataset = [{"inputs": {"q": q}} for q in "ab"]
# ours first: the SDK's evaluate() leaves its tracer behind as the SDK's default one
ours = evaluate(app, dataset, api_key=key, server_url=url, max_workers=2, print_results=False)
sdk = sdk_evaluate(function=app, dataset=dataset, api_key=key, server_url=url, max_workers=2, print_results=False)
print(json.dumps([sessions(ours.run_id), sorted(o.session_id for o in ours.outcomes), sessions(sdk.run_id)]))
"""


def test_the_sdks_global_trace_without_a_tracer_of_the_apps_records_each_step_as_under_the_sdk(
    backend: LocalBackend, tmp_path: Path
) -> None:
    """An SDK 1.x app uses ``from honeyhive import trace, enrich_span`` and no ``HoneyHiveTracer.init()``: the SDK's
    ``evaluate()`` makes the tracer its ``@trace`` finds. Under ours the SDK found none ("No tracer available for
    @trace decorator"): the steps were no events, and both ``enrich_span`` calls landed on the datapoint's chain span,
    where the second overwrote the first (``latency_ok`` 1 lost). Each step is now its own event in its datapoint's
    session, with its own metric, as under the SDK's ``evaluate()``."""
    ours, our_sessions, sdk = _script(tmp_path, SDK_GLOBAL_TRACE_APP, backend.url, API_KEY)
    steps = [
        ["chain", "app", {}, False],  # the enrich_span calls no longer land here
        ["model", "__main__.generate", {"latency_ok": 0}, True],
        ["tool", "__main__.retrieve", {"latency_ok": 1}, True],
    ]
    assert sorted(ours) == our_sessions
    assert list(ours.values()) == list(sdk.values()) == [steps, steps]


SDK_GLOBAL_ENRICH_SESSION_APP = """
import json, sys
from opentelemetry import baggage
from honeyhive import enrich_session
from honeyhive import evaluate as sdk_evaluate
from honeyhive_experiment import HoneyHiveClient, evaluate

url, key = sys.argv[1], sys.argv[2]

def app(datapoint):  # the SDK 1.x global takes the session id (required) and metadata
    q = datapoint["inputs"]["q"]
    enrich_session(baggage.get_baggage("session_id"), metadata={"q": q})
    enrich_session(session_id=baggage.get_baggage("session_id"), metadata={"length": len(q)})
    return {"answer": q}

def sessions(run_id):  # the metadata the app set on each datapoint's session: its session or chain event (ours)
    with HoneyHiveClient(url, key) as client:
        events = [e for e in client.iter_run_events(run_id) if e["event_type"] in ("session", "chain")]
    found = {e["session_id"]: [None, None] for e in events}
    for e in events:
        for i, name in enumerate(("q", "length")):
            found[e["session_id"]][i] = e["metadata"].get(name, found[e["session_id"]][i])
    return sorted(found.values())

dataset = [{"inputs": {"q": q}} for q in ("a", "bb", "ccc")]
# ours first: the SDK's evaluate() leaves its tracer behind as the SDK's default one
ours = evaluate(app, dataset, api_key=key, server_url=url, max_workers=2, print_results=False)
sdk = sdk_evaluate(function=app, dataset=dataset, api_key=key, server_url=url, max_workers=2, print_results=False)
print(json.dumps([sessions(ours.run_id), sessions(sdk.run_id)]))
"""


def test_the_sdks_global_enrich_session_without_a_tracer_of_the_apps_fills_the_datapoints_session_as_under_the_sdk(
    backend: LocalBackend, tmp_path: Path
) -> None:
    """An SDK 1.x app calls the global ``enrich_session(session_id, metadata=...)`` and no ``HoneyHiveTracer.init()``:
    the SDK's ``evaluate()`` makes the tracer it finds (the SDK's default), which adds the metadata to that session.
    Under ours the SDK found none ("No tracer available for session enrichment") and the metadata was lost."""
    ours, sdk = _script(tmp_path, SDK_GLOBAL_ENRICH_SESSION_APP, backend.url, API_KEY)
    assert ours == sdk == [["a", 1], ["bb", 2], ["ccc", 3]]


DEAD_COLLECTOR_APP = """
import json, sys
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from honeyhive_experiment import evaluate

url, key, dead = sys.argv[1:]
attempts, flushes = [], []

class Dead(OTLPSpanExporter):  # the app's own collector, which is down
    def export(self, spans):
        attempts.append(len(spans))
        return super().export(spans)

class Counted(SpanProcessor):
    def force_flush(self, timeout_millis=30000):
        flushes.append(timeout_millis)
        return True

provider = TracerProvider()
provider.add_span_processor(Counted())
provider.add_span_processor(BatchSpanProcessor(Dead(endpoint=dead, timeout=0.25)))  # each export's wait
trace.set_tracer_provider(provider)

def app(datapoint, tracer):
    with trace.get_tracer("app").start_as_current_span("retrieve"):
        if datapoint["inputs"]["q"] == "flush":
            tracer.flush(timeout_millis=1500)
    return {"answer": datapoint["inputs"]["q"]}

records = [{"inputs": {"q": q}} for q in ("a", "b", "c", "flush", "d", "e")]
evaluate(app, records, api_key=key, server_url=url, max_workers=1, print_results=False)
print(json.dumps([attempts, flushes]))
"""


def test_an_apps_dead_collector_costs_one_bounded_wait_a_run_not_one_a_datapoint(
    backend: LocalBackend, tmp_path: Path
) -> None:
    """Each datapoint's export flushed the app's own providers and waited for their exporter (30 s at most, each):
    an app whose collector was down made a 6-datapoint run take 31 s instead of 9. The run flushes them once, when
    its datapoints are done, within APP_FLUSH_S; the app's own ``tracer.flush(timeout_millis)`` within that."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/v1/traces"
    attempts, flushes = _script(tmp_path, DEAD_COLLECTOR_APP, backend.url, API_KEY, dead)
    assert attempts == [3, 3]  # the app's tracer.flush() (a, b, c), then the run's (flush, d, e)
    assert len(flushes) == 2
    assert 0 < flushes[0] <= 1500
    assert 0 < flushes[1] <= APP_FLUSH_S * 1000


STUCK_COLLECTOR_APP = """
import json, logging, sys, threading
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from honeyhive_experiment import evaluate

url, key = sys.argv[1:]
released, warned = threading.Event(), []

class Stuck(SpanProcessor):  # the app's exporter, its collector slow: a flush ends when the script ends
    def force_flush(self, timeout_millis=30000):
        return released.wait()

class Warnings(logging.Handler):
    def emit(self, record):
        warned.append(record.getMessage())

provider = TracerProvider()
provider.add_span_processor(Stuck())
trace.set_tracer_provider(provider)
logging.getLogger("honeyhive_experiment").addHandler(Warnings(logging.WARNING))
threads = []
for _ in range(3):
    evaluate(lambda datapoint: {}, [{"inputs": {}}], api_key=key, server_url=url, ingestion_timeout=0.25,
             print_results=False)
    threads.append(sum(t.name == "honeyhive-app-flush" for t in threading.enumerate()))
released.set()
print(json.dumps([threads, [w for w in warned if "tracer provider" in w]]))
"""


def test_an_app_flush_that_does_not_end_is_said_and_not_started_again_each_run(
    backend: LocalBackend, tmp_path: Path
) -> None:
    """A flush of the app's providers past its time was silent (the run judged without the spans' metrics), and
    evaluate() in a loop started one more flush thread each run while the previous one still ran."""
    threads, warned = _script(tmp_path, STUCK_COLLECTOR_APP, backend.url, API_KEY)
    assert threads == [1, 1, 1]
    said = "the app's tracer provider did not send its spans within 0.25 s: metrics it records (enrich_span) may be"
    assert warned == [f"{said} missing from this run's result"] * 3


def _script(tmp_path: Path, source: str, *args: str) -> Any:
    """The last line ``source`` prints, as JSON, run in a process of its own (OpenTelemetry takes one global tracer
    provider a process) whose batch processors export only when flushed."""
    script = tmp_path / "app.py"
    script.write_text(source)
    env = {**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "600000"}
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_one_async_client_serves_an_async_function_and_an_async_judge_on_every_worker(
    server: FakeOpenAI, hh: HoneyHiveClient
) -> None:
    """``openai.AsyncOpenAI()`` made once, the usual way, shared by an async function and an async LLM judge: each
    call had a loop of its own (asyncio.run), so the client's connections met a closed loop ('Event loop is closed')
    or another worker's ('bound to a different event loop'), and the judge raised on the datapoints."""
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)

    async def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
        messages = [{"role": "user", "content": f"please answer {datapoint['inputs']['question']}"}]
        reply = await client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
        return {"answer": reply.choices[0].message.content}

    async def judge(outputs: dict[str, Any], inputs: dict[str, Any]) -> float:
        messages = [{"role": "user", "content": f"grade {outputs['answer']}"}]
        await client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
        return 1.0

    result = evaluate(
        answer,
        dataset=rows("async"),
        client=hh,
        evaluators=[judge],
        name="one-async-client",
        max_workers=8,
        print_results=False,
    )

    assert [o.error for o in result.outcomes if o.error] == []
    assert [f.error for o in result.outcomes for f in o.evaluator_failures] == []
    assert all(o.metrics.get("judge") == 1.0 for o in result.outcomes)

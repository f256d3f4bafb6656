"""Wide datapoints (issue 21, item 7): no datapoint is lost to OpenTelemetry's attribute limits, and a datapoint
the backend refuses is named with the backend's reason.

OpenTelemetry keeps at most 128 attributes per span by default and evicts the oldest: a datapoint with ~125
input fields (or an evaluator returning a dict as wide) lost ``honeyhive.session_id``, HoneyHive dropped every
such span, the run waited and blamed ingestion, and each eviction logged a warning. Through ``evaluate()`` and
``honeyhive_local``, as a user runs it: every wide datapoint is in the backend's summary with its 200 inputs and
its evaluator's 200 metrics, and nothing is logged. A backend that refuses a datapoint's spans (a 4xx, or an
OTLP partial success) costs that datapoint, named with the backend's reason, in one line per run.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from honeyhive_experiment import DatapointTracer, HoneyHiveClient, OutcomeStatus, TraceSink, evaluate
from honeyhive_experiment.tracing import DatapointIds
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY, run_events
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy

pytestmark = pytest.mark.integration

WIDTH = 200
INPUTS = [{f"field_{j:03}": f"value {i}.{j}" for j in range(WIDTH)} for i in range(6)]


def echo(datapoint: dict[str, Any], tracer: DatapointTracer) -> dict[str, Any]:
    """Also opens a wide span of its own through the datapoint's tracer."""
    inputs = datapoint["inputs"]
    with tracer.start_as_current_span("lookup", "tool", inputs=inputs):
        tracer.enrich_span(outputs={key.upper(): value for key, value in inputs.items()})
    return {"first": inputs["field_000"], "count": len(inputs)}


def wide(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: Any = None) -> dict[str, Any]:
    """A 200-key dict: a score, an explanation and 198 more metrics (``wide_k002`` …)."""
    scores: dict[str, Any] = {"score": 1.0, "explanation": "all there"}
    scores.update({f"k{k:03}": k for k in range(2, WIDTH)})
    return scores


WIDE_METRICS = {"wide": 1.0, "wide_explanation": "all there", **{f"wide_k{k:03}": k for k in range(2, WIDTH)}}


def test_datapoints_with_200_inputs_and_200_metrics_are_all_recorded(
    hh: HoneyHiveClient, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    result = evaluate(
        echo,
        [{"inputs": inputs} for inputs in INPUTS],
        client=hh,
        evaluators=[wide],
        name="wide",
        max_workers=3,
        ingestion_timeout=10.0,
        print_results=False,
    )

    assert [o.status for o in result.outcomes] == [OutcomeStatus.OK] * len(INPUTS)
    assert all(o.exported for o in result.outcomes)
    # the backend's summary: every datapoint, every metric
    summary = result.summary
    assert sorted(summary.datapoints.column("datapoint_id")) == sorted(o.datapoint_id for o in result.outcomes)
    assert set(summary.metrics.list_metrics()) >= {name for name in WIDE_METRICS if name != "wide_explanation"}
    for row in summary.datapoints:
        assert {m.name: m.value for m in row.metrics if m.name.startswith("wide")}.keys() >= (
            WIDE_METRICS.keys() - {"wide_explanation"}
        )

    # the backend's events: each datapoint's spans in its session, all 200 inputs and metrics readable
    events = run_events(client, result.run_id)
    for outcome in result.outcomes:
        mine = {e["event_type"] + ":" + e["event_name"]: e for e in events if e["session_id"] == outcome.session_id}
        assert set(mine) == {"session:wide", "chain:echo", "tool:lookup"}
        chain, lookup = mine["chain:echo"], mine["tool:lookup"]
        inputs = INPUTS[outcome.index]
        assert chain["inputs"] == inputs
        assert chain["metrics"] == WIDE_METRICS
        assert chain["outputs"] == {"first": inputs["field_000"], "count": WIDTH}
        assert chain["metadata"]["datapoint_id"] == lookup["metadata"]["datapoint_id"] == outcome.datapoint_id
        assert lookup["inputs"] == inputs
        assert lookup["outputs"] == {key.upper(): value for key, value in inputs.items()}

    # no warning flood (OpenTelemetry logged one line per evicted attribute), and nothing else to warn about
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_the_span_attribute_limit_of_the_environment_does_not_apply_to_the_experiments_spans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A limit meant for the user's own telemetry would cut the experiment's data: the sink's spans have none."""
    monkeypatch.setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "16")
    monkeypatch.setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", "16")
    monkeypatch.setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "8")
    exporter = InMemorySpanExporter()
    sink = TraceSink(exporter)
    tracer = sink.tracer(DatapointIds("session-1", "run-1", "dataset-1", "datapoint-1"))
    with tracer.start_as_current_span("chain", "chain", inputs=INPUTS[0]) as span:
        tracer.enrich_span(metrics={f"m{k}": k for k in range(WIDTH)}, span=span)
        with sink.provider.get_tracer("user-code").start_as_current_span("user") as user_span:
            user_span.set_attributes({f"a{k}": "a long value" for k in range(WIDTH)})
    assert tracer.export()
    chain, user = sorted(exporter.get_finished_spans(), key=lambda s: s.name)
    for span in (chain, user):
        assert span.attributes is not None
        assert span.attributes["honeyhive.session_id"] == "session-1"
        assert span.attributes["honeyhive_metadata.datapoint_id"] == "datapoint-1"
        assert span.dropped_attributes == 0
    assert chain.attributes is not None
    assert user.attributes is not None
    assert chain.attributes["honeyhive_inputs.field_199"] == "value 0.199"
    assert len(chain.attributes) == 6 + 2 * WIDTH + 1  # ids, 200 inputs, 200 metrics, dataset id
    assert user.attributes["a199"] == "a long value"
    sink.shutdown()


def too_deep_for_one(datapoint: dict[str, Any]) -> dict[str, Any]:
    """The second datapoint's span has an output nested deeper than the backend takes (honeyhive_local: 64 levels),
    set as a raw attribute (outputs the function returns are cut to a depth any backend takes)."""
    n = datapoint["inputs"]["n"]
    if n == 1:
        trace.get_current_span().set_attribute("honeyhive_outputs." + "deeper." * 80 + "leaf", 1)
    return {"answer": n}


def test_a_refused_datapoint_is_named_with_the_backends_reason_in_one_line(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    result = evaluate(
        too_deep_for_one,
        [{"inputs": {"n": n}} for n in range(4)],
        client=hh,
        name="refused",
        max_workers=2,
        ingestion_timeout=10.0,  # the refused datapoint is not waited for: no IngestionTimeout
        print_results=False,
    )
    refused = result.outcomes[1]
    assert [o.status for o in result.outcomes] == [
        OutcomeStatus.OK,
        OutcomeStatus.BACKEND_ERROR,
        OutcomeStatus.OK,
        OutcomeStatus.OK,
    ]
    assert not refused.recorded
    assert not refused.exported
    assert refused.error is not None
    assert refused.error.startswith(f"HoneyHive refused the spans of datapoint {refused.datapoint_id}: HTTP 400: ")
    assert refused.error.endswith("JSON nested deeper than 64 levels"), refused.error
    assert [(e.datapoint_id, e.error) for e in result.errors] == [
        (refused.datapoint_id, f"BackendError: {refused.error}")
    ]

    # one line for the run (no line per request from the OTLP exporter, no retries of a refusal)
    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        ("honeyhive_experiment.runner", f"the spans of 1 of 4 datapoint(s) are not in HoneyHive: {refused.error}")
    ]


def test_spans_lost_to_a_failing_backend_are_said_once_per_run(
    backend: LocalBackend, caplog: pytest.LogCaptureFixture
) -> None:
    """Every export answered 500 (retried, then given up): the datapoints are not recorded, as when the backend
    refuses their spans (they were left scored, their outputs and metrics in no span), and their outcomes say why,
    in one line for the run instead of one per request."""
    caplog.set_level(logging.WARNING)
    traces = "/opentelemetry/v1/traces"
    with (
        FaultProxy(backend.url, rate=1.0, kinds=(Fault.HTTP_500,), should_fault=lambda m, p: p == traces) as proxy,
        HoneyHiveClient(proxy.url, API_KEY) as hh,
    ):
        result = evaluate(
            too_deep_for_one,
            [{"inputs": {"n": n}} for n in (0, 2, 3)],
            client=hh,
            name="lost",
            max_workers=3,
            ingestion_timeout=10.0,
            print_results=False,
        )
    assert [o.status for o in result.outcomes] == [OutcomeStatus.BACKEND_ERROR] * 3
    assert [o.exported for o in result.outcomes] == [False] * 3
    for outcome in result.outcomes:
        error = f"HoneyHive did not take the spans of datapoint {outcome.datapoint_id}: HTTP 500: injected fault"
        assert outcome.error == error
    assert not result.success
    assert len(result.unrecorded) == 3
    first = result.outcomes[0].datapoint_id
    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        (
            "honeyhive_experiment.runner",
            f"the spans of 3 of 3 datapoint(s) are not in HoneyHive: HoneyHive did not take the spans of datapoint"
            f" {first}: HTTP 500: injected fault",
        )
    ]


class PartialSuccessCollector:
    """An OTLP/HTTP collector that takes every export and answers with a partial success rejecting
    ``rejected`` span(s) (OTLP spec: HTTP 200 with ``partial_success``)."""

    def __init__(self, rejected: int, message: str) -> None:
        answer = ExportTraceServiceResponse()
        if rejected:
            answer.partial_success.rejected_spans = rejected
            answer.partial_success.error_message = message
        body = answer.SerializeToString()
        self.requests = 0
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                collector.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/opentelemetry/v1/traces"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    ("rejected", "expected"),
    [
        (0, None),
        (2, "2 span(s) rejected: spans without honeyhive.session_id"),
    ],
    ids=["all-taken", "partial-success"],
)
def test_an_otlp_partial_success_is_a_refusal(rejected: int, expected: str | None) -> None:
    collector = PartialSuccessCollector(rejected, "spans without honeyhive.session_id")
    sink = TraceSink.otlp(collector.url, {})
    try:
        tracer = sink.tracer(DatapointIds("session-1", "run-1", None, "datapoint-1"))
        with tracer.start_as_current_span("chain", "chain"), tracer.start_as_current_span("child"):
            pass
        export = tracer.export()
    finally:
        sink.shutdown()
        collector.close()
    assert bool(export) is (expected is None)
    assert export.reason == expected
    assert export.refused is (expected is not None)
    assert collector.requests == 1  # a refusal is not sent again

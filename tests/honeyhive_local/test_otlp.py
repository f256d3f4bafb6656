"""OTLP/HTTP ingestion: real OpenTelemetry exporter, hand-written OTLP/JSON, drops, re-sends, ingestion delay.

Spans carry HoneyHive's flattened attributes (honeyhive-api.md §6); the backend folds them back into the
event's nested ``inputs``/``outputs``/``metrics``/``metadata``/``config`` and links children to parents.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource as ProtoResource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.trace import StatusCode

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.honeyhive_local.otlp import (
    TRACES,
    export_events,
    honeyhive_chain_attributes,
    otel_pipeline,
    otlp_json_body,
    otlp_json_span,
)

pytestmark = pytest.mark.integration

JSON_HEADERS = {"Content-Type": "application/json"}
PROTOBUF_HEADERS = {"Content-Type": "application/x-protobuf"}


# ----------------------------------------------------------------------------- helpers


EXPECTED_INPUTS = {
    "query": "what is 2+2?",
    "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "what is 2+2?"}],
    "tags": ["math", "easy"],
    "history": [f"turn-{i}" for i in range(12)],
}
EXPECTED_OUTPUTS = {"answer": "4", "usage": {"total_tokens": 12}}
EXPECTED_METRICS = {"accuracy": 0.75, "exact_match": True}
EXPECTED_CONFIG = {"model": "gpt-4o-mini", "params": {"temperature": 0.25}}


def child_attributes(session_id: str, run_id: str, datapoint_id: str, dataset_id: str) -> dict[str, Any]:
    """A span of user code under the chain span: the SDK's baggage gives it the same ids."""
    return {
        "honeyhive.session_id": session_id,
        "honeyhive_metadata.run_id": run_id,
        "honeyhive_metadata.datapoint_id": datapoint_id,
        "honeyhive_metadata.dataset_id": dataset_id,
        "honeyhive_event_type": "model",
        "honeyhive_event_name": "llm_call",
        "honeyhive_outputs.content": "4",
    }


def _create_run(client: httpx.Client, run_id: str) -> None:
    response = client.post("/v1/runs", json={"run_id": run_id, "name": f"otlp-{run_id[:8]}", "status": "running"})
    assert response.status_code == 200, response.text


def _by_name(events: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    named = {str(e["event_name"]): e for e in events}
    assert len(named) == len(events), f"event names repeat: {[e['event_name'] for e in events]}"
    return named


# ----------------------------------------------------------------------------- the real exporter


def test_real_exporter_spans_become_nested_linked_events(backend: LocalBackend, client: httpx.Client) -> None:
    run_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    _create_run(client, run_id)
    with (
        otel_pipeline(backend) as (tracer, _),
        tracer.start_as_current_span(
            "answer_question", attributes=honeyhive_chain_attributes(session_id, run_id, "dp-1", "ds-1")
        ),
        tracer.start_as_current_span(
            "llm_call", attributes=child_attributes(session_id, run_id, "dp-1", "ds-1")
        ) as child,
    ):
        child.set_status(StatusCode.ERROR, "rate limited")

    events = _by_name(export_events(client, run_id))
    assert set(events) == {"answer_question", "llm_call"}
    chain, model = events["answer_question"], events["llm_call"]

    assert chain["event_type"] == "chain"
    assert chain["session_id"] == session_id
    assert chain["source"] == "evaluation"
    assert chain["inputs"] == EXPECTED_INPUTS
    assert chain["outputs"] == EXPECTED_OUTPUTS
    assert chain["metrics"] == EXPECTED_METRICS
    assert chain["metadata"] == {"run_id": run_id, "datapoint_id": "dp-1", "dataset_id": "ds-1"}
    assert chain["config"] == EXPECTED_CONFIG
    assert chain["error"] is None
    assert chain["parent_id"] == session_id  # a root span hangs off its session
    assert chain["duration"] >= 0

    assert model["event_type"] == "model"
    assert model["session_id"] == session_id
    assert model["parent_id"] == chain["event_id"]
    assert model["event_id"] != chain["event_id"]
    assert model["error"] == "rate limited"
    assert model["outputs"] == {"content": "4"}
    assert model["metadata"] == chain["metadata"]

    summary = client.get(f"/v1/runs/{run_id}/summary")
    assert summary.status_code == 200, summary.text
    details = {d["metric_name"]: d for d in summary.json()["metrics"]["details"]}
    assert set(details) == {"accuracy", "exact_match"}
    assert details["accuracy"]["aggregate"] == pytest.approx(0.75)
    assert details["accuracy"]["event_name"] == "answer_question"
    assert [d["datapoint_id"] for d in summary.json()["datapoints"]] == ["dp-1"]


def test_span_without_session_id_is_dropped_and_counted(backend: LocalBackend, client: httpx.Client) -> None:
    session_id = str(uuid.uuid4())
    before = client.get("/_local/stats").json()["counters"].get("dropped_spans", 0)
    with otel_pipeline(backend) as (tracer, memory):
        with tracer.start_as_current_span("kept", attributes={"honeyhive.session_id": session_id}):
            pass
        with tracer.start_as_current_span("orphan", attributes={"honeyhive_event_type": "tool"}):
            pass
        assert len(memory.get_finished_spans()) == 2

    names = [e["event_name"] for e in export_events(client)]
    assert names == ["kept"]
    stats = client.get("/_local/stats")
    assert stats.status_code == 200, stats.text
    assert stats.json()["counters"]["dropped_spans"] == before + 1

    # the exporter is told, in OTLP's own terms (partial success), how many spans were rejected
    orphan = otlp_json_span(trace_id="1" * 32, span_id="2" * 16, name="orphan", attributes={"x": 1})
    response = client.post(TRACES, content=otlp_json_body([orphan]), headers=JSON_HEADERS)
    assert response.status_code == 200, response.text
    assert int(response.json()["partialSuccess"]["rejectedSpans"]) == 1
    assert client.get("/_local/stats").json()["counters"]["dropped_spans"] == before + 2


def test_the_same_span_exported_twice_is_one_event(backend: LocalBackend, client: httpx.Client) -> None:
    run_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    _create_run(client, run_id)
    exporter = OTLPSpanExporter(
        endpoint=f"{backend.url}{TRACES}", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    )
    with otel_pipeline(backend) as (tracer, memory):
        with (
            tracer.start_as_current_span(
                "answer_question", attributes=honeyhive_chain_attributes(session_id, run_id, "dp-1", "ds-1")
            ),
            tracer.start_as_current_span("llm_call", attributes=child_attributes(session_id, run_id, "dp-1", "ds-1")),
        ):
            pass
        first = export_events(client, run_id)
        assert len(first) == 2
        # an exporter retry: the very same spans again
        assert exporter.export(memory.get_finished_spans()) == SpanExportResult.SUCCESS
    exporter.shutdown()

    again = export_events(client, run_id)
    assert sorted(e["event_id"] for e in again) == sorted(e["event_id"] for e in first)
    assert _by_name(again)["answer_question"]["inputs"] == EXPECTED_INPUTS
    assert _by_name(again)["answer_question"]["metrics"] == EXPECTED_METRICS
    metrics = client.get(f"/v1/runs/{run_id}/metrics")
    assert metrics.status_code == 200, metrics.text
    assert metrics.json()["totalEvents"] == 1  # one scored event, not two
    summary = client.get(f"/v1/runs/{run_id}/summary").json()
    assert [d["values"] for d in summary["metrics"]["details"] if d["metric_name"] == "accuracy"] == [[0.75]]


# ----------------------------------------------------------------------------- OTLP/JSON by hand


def _proto_value(value: Any) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, str):
        return AnyValue(string_value=value)
    return AnyValue(array_value=ArrayValue(values=[_proto_value(v) for v in value]))


def _proto_span(
    trace_id: str, span_id: str, name: str, attributes: Mapping[str, Any], parent: str | None, error: str | None
) -> Span:
    return Span(
        trace_id=bytes.fromhex(trace_id),
        span_id=bytes.fromhex(span_id),
        parent_span_id=bytes.fromhex(parent) if parent else b"",
        name=name,
        kind=Span.SPAN_KIND_INTERNAL,
        start_time_unix_nano=1_700_000_000_000_000_000,
        end_time_unix_nano=1_700_000_000_250_000_000,
        attributes=[KeyValue(key=k, value=_proto_value(v)) for k, v in attributes.items()],
        status=Status(code=Status.STATUS_CODE_ERROR, message=error) if error else Status(),
    )


def test_hand_written_otlp_json_is_ingested_like_protobuf(client: httpx.Client, other_client: httpx.Client) -> None:
    run_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    trace_id, root_id, child_id = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "eee19b7ec3c1b173"
    chain_attrs = honeyhive_chain_attributes(session_id, run_id, "dp-7", "ds-7")
    model_attrs = child_attributes(session_id, run_id, "dp-7", "ds-7")

    body = otlp_json_body(
        [
            otlp_json_span(trace_id=trace_id, span_id=root_id, name="answer_question", attributes=chain_attrs),
            otlp_json_span(
                trace_id=trace_id,
                span_id=child_id,
                parent_span_id=root_id,
                name="llm_call",
                attributes=model_attrs,
                status_code=2,
                status_message="rate limited",
            ),
        ],
        resource={"service.name": "hand-written"},
    )
    as_json = client.post(TRACES, content=body, headers=JSON_HEADERS)
    assert as_json.status_code == 200, as_json.text
    assert as_json.headers["content-type"].startswith("application/json")
    assert "rejectedSpans" not in json.dumps(as_json.json())

    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=ProtoResource(attributes=[KeyValue(key="service.name", value=_proto_value("hand-written"))]),
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(name="tests.honeyhive_local"),
                        spans=[
                            _proto_span(trace_id, root_id, "answer_question", chain_attrs, None, None),
                            _proto_span(trace_id, child_id, "llm_call", model_attrs, root_id, "rate limited"),
                        ],
                    )
                ],
            )
        ]
    )
    as_protobuf = other_client.post(TRACES, content=request.SerializeToString(), headers=PROTOBUF_HEADERS)
    assert as_protobuf.status_code == 200, as_protobuf.text
    ExportTraceServiceResponse.FromString(as_protobuf.content)  # a protobuf answer to a protobuf request

    from_json = _by_name(export_events(client, run_id))
    from_protobuf = _by_name(export_events(other_client, run_id))
    assert set(from_json) == {"answer_question", "llm_call"}
    chain, model = from_json["answer_question"], from_json["llm_call"]
    assert chain["inputs"] == EXPECTED_INPUTS
    assert chain["outputs"] == EXPECTED_OUTPUTS
    assert chain["metrics"] == EXPECTED_METRICS
    assert chain["config"] == EXPECTED_CONFIG
    assert chain["metadata"] == {"run_id": run_id, "datapoint_id": "dp-7", "dataset_id": "ds-7"}
    assert chain["start_time"] == pytest.approx(1_700_000_000_000.0)
    assert chain["duration"] == pytest.approx(250.0)
    assert model["parent_id"] == chain["event_id"]
    assert model["error"] == "rate limited"

    def without_project(event: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in event.items() if k != "project_id"}

    for name in ("answer_question", "llm_call"):
        assert without_project(from_json[name]) == without_project(from_protobuf[name])


def test_resent_otlp_json_does_not_duplicate(client: httpx.Client) -> None:
    session_id = str(uuid.uuid4())
    span = otlp_json_span(
        trace_id="ab" * 16,
        span_id="cd" * 8,
        name="tool_call",
        attributes={"honeyhive.session_id": session_id, "honeyhive_event_type": "tool", "honeyhive_inputs.q": "x"},
    )
    for _ in range(3):
        response = client.post(TRACES, content=otlp_json_body([span]), headers=JSON_HEADERS)
        assert response.status_code == 200, response.text
    matching = [e for e in export_events(client) if e["session_id"] == session_id]
    assert len(matching) == 1
    assert matching[0]["inputs"] == {"q": "x"}


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("00", {"odd": {"00": "v"}}),  # not a canonical index: an object key
        ("\u00b2", {"odd": {"\u00b2": "v"}}),  # superscript two: str.isdigit() is True, int() fails
        ("\u0663", {"odd": {"\u0663": "v"}}),  # Arabic-Indic three: a digit, but not an ASCII index
        ("1", {"odd": {"1": "v"}}),  # index 1 without index 0: not a list
    ],
    ids=["zero-padded", "superscript", "arabic-digit", "sparse-index"],
)
def test_odd_attribute_keys_stay_object_keys(client: httpx.Client, segment: str, expected: dict[str, Any]) -> None:
    """Only ASCII 0..n-1 make a list; any other key segment stays a key, and the export is never lost (500)."""
    session_id = str(uuid.uuid4())
    span = otlp_json_span(
        trace_id="ef" * 16,
        span_id="01" * 8,
        name="odd",
        attributes={
            "honeyhive.session_id": session_id,
            f"honeyhive_inputs.odd.{segment}": "v",
            "honeyhive_inputs.list.0": "first",
        },
    )
    response = client.post(TRACES, content=otlp_json_body([span]), headers=JSON_HEADERS)
    assert response.status_code == 200, response.text
    [event] = [e for e in export_events(client) if e["session_id"] == session_id]
    assert event["inputs"] == {**expected, "list": ["first"]}


def test_non_finite_metric_does_not_break_reads(backend: LocalBackend, client: httpx.Client) -> None:
    """OTLP doubles may be NaN/Infinity; storing one must not turn every later read of the run into a 500."""
    run_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    _create_run(client, run_id)
    attributes = {
        "honeyhive.session_id": session_id,
        "honeyhive_event_type": "chain",
        "honeyhive_metadata.run_id": run_id,
        "honeyhive_metadata.datapoint_id": "dp-nan",
        "honeyhive_metrics.accuracy": 1.0,
        "honeyhive_metrics.score": float("nan"),
        "honeyhive_metrics.latency": float("inf"),
    }
    with otel_pipeline(backend) as (tracer, _), tracer.start_as_current_span("scored", attributes=attributes):
        pass

    exported = client.post("/v1/events/export", json={"filters": [], "limit": 100})
    assert exported.status_code == 200, f"export after a NaN metric: {exported.status_code} {exported.text}"
    [event] = [e for e in exported.json()["events"] if e["session_id"] == session_id]
    assert event["metrics"]["accuracy"] == 1.0
    summary = client.get(f"/v1/runs/{run_id}/summary")
    assert summary.status_code == 200, f"summary after a NaN metric: {summary.status_code} {summary.text}"
    assert [d["metric_name"] for d in summary.json()["metrics"]["details"]] == ["accuracy"]


# ----------------------------------------------------------------------------- ingestion delay


def test_ingestion_delay_hides_events_until_due() -> None:
    delay = 1.0
    with (
        LocalBackend(":memory:", API_KEY, ingest_delay=delay) as backend,
        httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client,
    ):
        run_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
        _create_run(client, run_id)
        span = otlp_json_span(
            trace_id="12" * 16,
            span_id="34" * 8,
            name="answer_question",
            attributes=honeyhive_chain_attributes(session_id, run_id, "dp-late", "ds-late"),
        )
        sent_at = time.monotonic()
        response = client.post(TRACES, content=otlp_json_body([span]), headers=JSON_HEADERS)
        assert response.status_code == 200, response.text

        # right after ingestion: accepted, but not yet in export, summary or metrics
        assert export_events(client, run_id) == []
        summary = client.get(f"/v1/runs/{run_id}/summary").json()
        assert summary["datapoints"] == []
        assert summary["metrics"]["details"] == []
        assert client.get(f"/v1/runs/{run_id}/metrics").json()["totalEvents"] == 0
        assert time.monotonic() - sent_at < delay, "the invisibility checks took longer than the delay itself"

        deadline = time.monotonic() + 10 * delay
        events: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            events = export_events(client, run_id)
            if events:
                break
            time.sleep(0.05)
        assert [e["event_name"] for e in events] == ["answer_question"], "never became visible"
        summary = client.get(f"/v1/runs/{run_id}/summary").json()
        assert [d["datapoint_id"] for d in summary["datapoints"]] == ["dp-late"]
        assert client.get(f"/v1/runs/{run_id}/metrics").json()["totalEvents"] == 1

"""OTLP/HTTP for the local backend's tests: spans written by hand in OTLP/JSON (``otlp_json_span``, ``otlp_json_body``),
the real OpenTelemetry exporter into a backend (``otel_pipeline``), the attributes the SDK puts on a datapoint's chain
span (``honeyhive_chain_attributes``), and the events a backend holds (``export_events``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

TRACES = "/opentelemetry/v1/traces"


def _json_value(value: Any) -> dict[str, Any]:
    """An OTLP/JSON AnyValue (int64 as a decimal string, as the OTLP spec's JSON mapping says)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [_json_value(v) for v in value]}}
    raise TypeError(f"unsupported attribute value {value!r}")


def otlp_json_span(
    *,
    trace_id: str,
    span_id: str,
    name: str,
    attributes: Mapping[str, Any],
    parent_span_id: str | None = None,
    start_ns: int = 1_700_000_000_000_000_000,
    end_ns: int = 1_700_000_000_250_000_000,
    status_code: int = 0,
    status_message: str = "",
) -> dict[str, Any]:
    """One span in OTLP/JSON: lowerCamelCase fields, hex trace/span ids, nanosecond times as strings."""
    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(end_ns),
        "attributes": [{"key": k, "value": _json_value(v)} for k, v in attributes.items()],
        "status": {"code": status_code, "message": status_message} if status_code else {},
    }
    if parent_span_id:
        span["parentSpanId"] = parent_span_id
    return span


def otlp_json_body(spans: Sequence[Mapping[str, Any]], resource: Mapping[str, Any] | None = None) -> bytes:
    """A whole ``ExportTraceServiceRequest`` in OTLP/JSON."""
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": k, "value": _json_value(v)} for k, v in (resource or {}).items()]},
                "scopeSpans": [{"scope": {"name": "tests.honeyhive_local"}, "spans": list(spans)}],
            }
        ]
    }
    return json.dumps(body).encode()


def export_events(client: httpx.Client, run_id: str | None = None) -> list[dict[str, Any]]:
    """Every visible event of the client's project (of one run if given), via ``POST /v1/events/export``."""
    body: dict[str, Any] = {"limit": 7500}
    if run_id is not None:
        body["filters"] = [{"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"}]
    response = client.post("/v1/events/export", json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["totalEvents"] == len(payload["events"])
    events: list[dict[str, Any]] = payload["events"]
    return events


def honeyhive_chain_attributes(session_id: str, run_id: str, datapoint_id: str, dataset_id: str) -> dict[str, Any]:
    """What the SDK puts on the chain span around the user function (flattened buckets)."""
    attributes: dict[str, Any] = {
        "honeyhive.session_id": session_id,
        "honeyhive.project": "tests",
        "honeyhive.source": "evaluation",
        "honeyhive_event_type": "chain",
        "honeyhive_event_name": "answer_question",
        "honeyhive_inputs.query": "what is 2+2?",
        "honeyhive_inputs.messages.0.role": "system",
        "honeyhive_inputs.messages.0.content": "be brief",
        "honeyhive_inputs.messages.1.role": "user",
        "honeyhive_inputs.messages.1.content": "what is 2+2?",
        "honeyhive_inputs.tags": ["math", "easy"],
        "honeyhive_outputs.answer": "4",
        "honeyhive_outputs.usage.total_tokens": 12,
        "honeyhive_metrics.accuracy": 0.75,
        "honeyhive_metrics.exact_match": True,
        "honeyhive_metadata.run_id": run_id,
        "honeyhive_metadata.datapoint_id": datapoint_id,
        "honeyhive_metadata.dataset_id": dataset_id,
        "honeyhive_config.model": "gpt-4o-mini",
        "honeyhive_config.params.temperature": 0.25,
    }
    # twelve list items: index 10 and 11 must come after 9, not after 1
    for i in range(12):
        attributes[f"honeyhive_inputs.history.{i}"] = f"turn-{i}"
    return attributes


@contextmanager
def otel_pipeline(backend: LocalBackend, api_key: str = API_KEY) -> Iterator[tuple[Tracer, InMemorySpanExporter]]:
    """A TracerProvider exporting every span through the real OTLP/HTTP exporter (and into memory)."""
    exporter = OTLPSpanExporter(
        endpoint=f"{backend.url}{TRACES}", headers={"Authorization": f"Bearer {api_key}"}, timeout=10
    )
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "honeyhive-local-tests"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield provider.get_tracer("tests.honeyhive_local"), memory
    finally:
        provider.shutdown()

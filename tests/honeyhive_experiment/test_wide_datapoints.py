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
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from honeyhive_experiment import DatapointTracer, HoneyHiveClient, OutcomeStatus, TraceSink, evaluate
from honeyhive_experiment.tracing import DatapointIds
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

WIDTH = 200
INPUTS = [{f"field_{j:03}": f"value {i}.{j}" for j in range(WIDTH)} for i in range(6)]


@pytest.fixture
def hh(backend: LocalBackend) -> Iterator[HoneyHiveClient]:
    with HoneyHiveClient(backend.url, API_KEY) as c:
        yield c


def run_events(client: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    flt = [{"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"}]
    response = client.post("/v1/events/export", json={"filters": flt, "limit": 1000, "page": 1})
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


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
    assert sorted(summary.datapoints.datapoint_ids()) == sorted(o.datapoint_id for o in result.outcomes)
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
    assert tracer.flush()
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

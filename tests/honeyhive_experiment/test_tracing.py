"""Tracing: every span of a datapoint carries its session and run/dataset/datapoint ids.

Two views of the same contract (honeyhive-api.md §6):

* through the backend — ``evaluate`` with its real OTLP/HTTP exporter, then ``POST /v1/events/export``
  filtered on ``metadata.run_id``: every stored event of the run, including a child span the user's
  function opens with ``tracer.start_as_current_span``, is in its datapoint's session and carries the
  run, dataset and datapoint ids;
* at the span level — the real client and backend for sessions, with only the span exporter swapped
  for OpenTelemetry's ``InMemorySpanExporter``: names, parent/child links, attributes and status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from honeyhive_experiment import (
    DatapointTracer,
    HoneyHiveClient,
    OutcomeStatus,
    TraceSink,
    evaluate,
    external_dataset,
)
from tests.conftest import run_events

pytestmark = pytest.mark.integration

RECORDS: list[dict[str, Any]] = [
    {
        "inputs": {"question": f"q{i}", "context": {"lang": "en", "n": i}, "tags": ["x", "y"], "fail": i == 2},
        "ground_truth": {"answer": f"a{i}"},
    }
    for i in range(4)
]


def answer_question(datapoint: dict[str, Any], tracer: DatapointTracer) -> dict[str, Any]:
    """Opens a child span through the datapoint's tracer and a grandchild through plain OpenTelemetry."""
    question = datapoint["inputs"]["question"]
    with tracer.start_as_current_span("retrieve", "tool", inputs={"query": question}):
        tracer.enrich_span(outputs={"docs": ["d1", "d2"]}, metadata={"retriever": "bm25"})
        with tracer.sink.provider.get_tracer("user-code").start_as_current_span("rerank"):
            pass
    if datapoint["inputs"]["fail"]:
        raise ValueError(f"cannot answer {question}")
    return {"answer": "a" + question[1:], "details": {"confidence": 0.5}}


def exact(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> bool:
    return bool(outputs["answer"] == (ground_truth or {}).get("answer"))


def graded(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> dict[str, Any]:
    return {"score": 0.75, "explanation": "close enough"}


# --------------------------------------------------------------------------------------------------
# through the backend


def test_every_stored_event_carries_its_session_and_the_run_dataset_datapoint_ids(
    hh: HoneyHiveClient, client: httpx.Client
) -> None:
    dataset = external_dataset(RECORDS)
    result = evaluate(
        answer_question,
        dataset,
        client=hh,
        evaluators=[exact, graded],
        name="tracing-e2e",
        max_workers=4,
        timeout=1.0,
        ingestion_timeout=10.0,
    )
    assert [o.status for o in result.outcomes] == [
        OutcomeStatus.OK,
        OutcomeStatus.OK,
        OutcomeStatus.FUNCTION_ERROR,
        OutcomeStatus.OK,
    ]

    events = run_events(client, result.run_id)
    # per datapoint: its session, the chain span, the child span and the grandchild span
    assert len(events) == 4 * len(RECORDS)
    by_session: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_session.setdefault(event["session_id"], []).append(event)
    assert set(by_session) == {o.session_id for o in result.outcomes}

    for outcome in result.outcomes:
        group = {e["event_type"] + ":" + e["event_name"]: e for e in by_session[outcome.session_id]}
        assert set(group) == {"session:tracing-e2e", "chain:answer_question", "tool:retrieve", "tool:rerank"}
        for event in group.values():
            assert event["session_id"] == outcome.session_id
            assert event["source"] == "evaluation"
            assert event["metadata"]["run_id"] == result.run_id
            assert event["metadata"]["dataset_id"] == dataset.dataset_id
            assert event["metadata"]["datapoint_id"] == outcome.datapoint_id
        session, chain = group["session:tracing-e2e"], group["chain:answer_question"]
        child, grandchild = group["tool:retrieve"], group["tool:rerank"]
        assert session["event_id"] == outcome.session_id
        assert chain["parent_id"] == outcome.session_id
        assert child["parent_id"] == chain["event_id"]
        assert grandchild["parent_id"] == child["event_id"]
        assert child["inputs"] == {"query": RECORDS[outcome.index]["inputs"]["question"]}
        assert child["outputs"] == {"docs": ["d1", "d2"]}
        assert child["metadata"]["retriever"] == "bm25"
        assert chain["inputs"] == RECORDS[outcome.index]["inputs"]
        if outcome.status is OutcomeStatus.OK:
            assert chain["error"] is None
            assert chain["metrics"] == {"exact": True, "graded": 0.75, "graded_explanation": "close enough"}
            assert chain["outputs"] == {"answer": f"a{outcome.index}", "details": {"confidence": 0.5}}
            assert session["outputs"] == chain["outputs"]
        else:
            assert chain["error"] == "ValueError: cannot answer q2"
            assert chain["metrics"] == {}
        assert child["metrics"] == {}
        assert session["feedback"] == {"ground_truth": RECORDS[outcome.index]["ground_truth"]}

    # the same events through the client's paging helper
    assert sorted(e["event_id"] for e in hh.iter_run_events(result.run_id)) == sorted(e["event_id"] for e in events)


# --------------------------------------------------------------------------------------------------
# at the span level


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def bucket(span: ReadableSpan, prefix: str) -> dict[str, Any]:
    return {k[len(prefix) + 1 :]: v for k, v in attrs(span).items() if k.startswith(prefix + ".")}


def spans_by_session(spans: Sequence[ReadableSpan]) -> dict[str, dict[str, ReadableSpan]]:
    grouped: dict[str, dict[str, ReadableSpan]] = {}
    for span in spans:
        session_id = attrs(span).get("honeyhive.session_id")
        assert isinstance(session_id, str), f"span {span.name} has no honeyhive.session_id"
        names = grouped.setdefault(session_id, {})
        assert span.name not in names, f"two {span.name} spans in session {session_id}"
        names[span.name] = span
    return grouped


def ids_of(span: ReadableSpan) -> Mapping[str, Any]:
    a = attrs(span)
    return {
        "honeyhive.session_id": a.get("honeyhive.session_id"),
        "honeyhive.source": a.get("honeyhive.source"),
        "honeyhive_metadata.run_id": a.get("honeyhive_metadata.run_id"),
        "honeyhive_metadata.dataset_id": a.get("honeyhive_metadata.dataset_id"),
        "honeyhive_metadata.datapoint_id": a.get("honeyhive_metadata.datapoint_id"),
    }


@pytest.mark.parametrize("timeout", [1.0, None], ids=["call-thread", "worker-thread"])
def test_spans_names_parents_and_attributes(hh: HoneyHiveClient, timeout: float | None) -> None:
    exporter = InMemorySpanExporter()
    dataset = external_dataset(RECORDS)
    result = evaluate(
        answer_question,
        dataset,
        client=hh,
        sink=TraceSink(exporter),
        evaluators=[exact, graded],
        run_id="11111111-2222-4333-8444-555555555555",
        name="tracing-unit",
        max_workers=4,
        timeout=timeout,
        ingestion_timeout=10.0,
    )
    run_id = result.run_id
    assert run_id == "11111111-2222-4333-8444-555555555555"

    grouped = spans_by_session(exporter.get_finished_spans())
    assert set(grouped) == {o.session_id for o in result.outcomes}

    for outcome in result.outcomes:
        spans = grouped[outcome.session_id]
        assert set(spans) == {"answer_question", "retrieve", "rerank"}
        chain, child, grandchild = spans["answer_question"], spans["retrieve"], spans["rerank"]
        expected_ids = {
            "honeyhive.session_id": outcome.session_id,
            "honeyhive.source": "evaluation",
            "honeyhive_metadata.run_id": run_id,
            "honeyhive_metadata.dataset_id": dataset.dataset_id,
            "honeyhive_metadata.datapoint_id": outcome.datapoint_id,
        }
        for span in (chain, child, grandchild):
            assert ids_of(span) == expected_ids, span.name

        # parent/child: the chain span is the root; the user's spans hang below it, in one trace
        assert chain.parent is None
        assert child.parent is not None
        assert child.parent.span_id == chain.context.span_id
        assert grandchild.parent is not None
        assert grandchild.parent.span_id == child.context.span_id
        assert chain.context.trace_id == child.context.trace_id == grandchild.context.trace_id

        a = attrs(chain)
        assert a["honeyhive_event_type"] == "chain"
        assert a["honeyhive_event_name"] == "answer_question"
        inputs = RECORDS[outcome.index]["inputs"]
        assert bucket(chain, "honeyhive_inputs") == {
            "question": inputs["question"],
            "context.lang": "en",
            "context.n": outcome.index,
            "tags.0": "x",
            "tags.1": "y",
            "fail": inputs["fail"],
        }
        assert attrs(child)["honeyhive_event_type"] == "tool"
        assert attrs(child)["honeyhive_event_name"] == "retrieve"
        assert bucket(child, "honeyhive_inputs") == {"query": inputs["question"]}
        assert bucket(child, "honeyhive_outputs") == {"docs.0": "d1", "docs.1": "d2"}
        assert bucket(child, "honeyhive_metrics") == {}  # evaluator metrics go on the chain span only
        assert child.status.status_code is StatusCode.UNSET

        if outcome.status is OutcomeStatus.OK:
            assert bucket(chain, "honeyhive_outputs") == {
                "answer": f"a{outcome.index}",
                "details.confidence": 0.5,
            }
            assert bucket(chain, "honeyhive_metrics") == {
                "exact": True,
                "graded": 0.75,
                "graded_explanation": "close enough",
            }
            assert "honeyhive_error" not in a
            assert chain.status.status_code is StatusCode.UNSET
        else:
            assert outcome.index == 2
            assert outcome.error == "ValueError: cannot answer q2"
            assert a["honeyhive_error"] == "ValueError: cannot answer q2"
            assert chain.status.status_code is StatusCode.ERROR
            assert chain.status.description == "ValueError: cannot answer q2"
            assert bucket(chain, "honeyhive_outputs") == {}
            assert bucket(chain, "honeyhive_metrics") == {}

    # the engine reported the same metrics it put on the spans
    assert [dict(o.metrics) for o in result.outcomes] == [
        {"exact": True, "graded": 0.75, "graded_explanation": "close enough"},
        {"exact": True, "graded": 0.75, "graded_explanation": "close enough"},
        {},
        {"exact": True, "graded": 0.75, "graded_explanation": "close enough"},
    ]


def test_enrich_span_says_whether_the_span_took_it_as_the_sdks_does(hh: HoneyHiveClient) -> None:
    """True on the function's span; False on a span that has ended, which keeps nothing."""
    took: list[bool] = []

    def enriching(datapoint: dict[str, Any], tracer: DatapointTracer) -> dict[str, Any]:
        took.append(tracer.enrich_span(metrics={"m": 1}))
        with tracer.start_as_current_span("retrieve", "tool") as ended:
            pass
        took.append(tracer.enrich_span(metrics={"m": 2}, span=ended))
        return {}

    evaluate(enriching, RECORDS[:1], client=hh, sink=TraceSink(InMemorySpanExporter()), print_results=False)
    assert took == [True, False]

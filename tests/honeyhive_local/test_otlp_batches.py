"""A big OTLP export is stored in batches (issue 14 (2)); what it stores is what small exports store.

The store commits a big export in transactions of ``EVENT_BATCH`` events so other clients are not held
up; these checks send the same spans once as one export that crosses several batch boundaries and once
as many small exports, into two projects, and compare everything readable: the events, the summary
and the metrics. The spans are shaped to exercise what crosses a batch: sessions whose run id arrives
only on a later span (earlier events must join the run), and spans re-sent within the export (merged,
not duplicated).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest

from honeyhive_local.store import EVENT_BATCH
from tests.honeyhive_local.otlp import export_events, otlp_json_body, otlp_json_span

pytestmark = pytest.mark.integration

OTLP = "/opentelemetry/v1/traces"
JSON = {"Content-Type": "application/json"}
SPANS = 2 * EVENT_BATCH + 150


def _spans(run_id: str) -> list[dict[str, Any]]:
    trace_id = uuid.uuid4().hex
    sessions = [str(uuid.uuid4()) for _ in range(3)]
    spans = []
    for i in range(SPANS):
        session = sessions[i % 3]
        attributes: dict[str, Any] = {
            "honeyhive.session_id": session,
            "honeyhive_event_type": "chain" if i % 5 == 0 else "tool",
            "honeyhive_inputs.step": i,
            "honeyhive_metadata.datapoint_id": f"dp-{i % 3}",
        }
        if i % 5 == 0:
            attributes["honeyhive_metrics.accuracy"] = (i % 7) / 7
        # sessions 1 and 2 learn their run only late in the export, from a span past the first batch
        if i % 3 == 0 or i >= EVENT_BATCH + 30:
            attributes["honeyhive_metadata.run_id"] = run_id
        spans.append(
            otlp_json_span(trace_id=trace_id, span_id=f"{i + 1:016x}", name=f"step-{i % 4}", attributes=attributes)
        )
    # re-sent spans within the same export: an early one again in a later batch, with more outputs
    again = dict(spans[1])
    again["attributes"] = [*spans[1]["attributes"], {"key": "honeyhive_outputs.late", "value": {"stringValue": "x"}}]
    return [*spans, again, spans[EVENT_BATCH + 2]]


def _comparable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "project_id"} for e in events]


def _readable(client: httpx.Client, run_id: str) -> dict[str, Any]:
    summary = client.get(f"/v1/runs/{run_id}/summary")
    metrics = client.get(f"/v1/runs/{run_id}/metrics")
    assert summary.status_code == 200, summary.text
    assert metrics.status_code == 200, metrics.text
    body = summary.json()
    body.pop("run_object")
    return {"events": _comparable(export_events(client)), "summary": body, "metrics": metrics.json()}


def _post(client: httpx.Client, spans: Sequence[Mapping[str, Any]]) -> None:
    response = client.post(OTLP, content=otlp_json_body(spans), headers=JSON)
    assert response.status_code == 200, response.text


def test_one_big_export_stores_what_small_exports_store(client: httpx.Client, other_client: httpx.Client) -> None:
    run_id = str(uuid.uuid4())
    spans = _spans(run_id)
    for c in (client, other_client):
        assert c.post("/v1/runs", json={"run_id": run_id, "name": "big"}).status_code == 200

    _post(client, spans)  # one export, several batches
    for start in range(0, len(spans), 40):  # many exports, each well inside one batch
        _post(other_client, spans[start : start + 40])

    big, small = _readable(client, run_id), _readable(other_client, run_id)
    assert len(big["events"]) == SPANS  # re-sent spans merged, not duplicated
    # every session's events joined the run, also those stored in a batch before the run id arrived
    assert len(big["summary"]["datapoints"]) == 3
    assert sum(len(d["metrics"]) for d in big["summary"]["datapoints"]) == len(range(0, SPANS, 5))
    assert big == small
    resent = next(e for e in big["events"] if e["inputs"].get("step") == 1)
    assert resent["outputs"] == {"late": "x"}
    assert {d["datapoint_id"] for d in big["summary"]["datapoints"]} == {"dp-0", "dp-1", "dp-2"}

"""Trials of a metric recorded more than once per datapoint, through ``evaluate()`` and the embedded backend over
loopback: identical trials are judged as one run is (audit66 F1; the rules' unit tests are in test_results.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from honeyhive_experiment import evaluate
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY, ok
from tests.honeyhive_local.test_results import compared, detail

pytestmark = pytest.mark.integration


def test_trials_of_a_metric_recorded_twice_judge_as_one_run_end_to_end(
    backend: LocalBackend, client: httpx.Client
) -> None:
    """audit66 F1 through ``evaluate()`` and the backend over loopback: the same app run with K = 1 and K = 2
    enriches two ``retrieve`` spans of datapoint a with recall 0.2 and 0.8 (b's one with 1.0). K = 2 reduced a to
    0.5: passed, ``success`` True, the average 0.75 and +12.5% against the K = 1 run, which failed a on its 0.2."""

    def app(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
        for recall in datapoint["inputs"]["docs"]:
            with tracer.start_as_current_span("retrieve", event_type="tool"):
                tracer.enrich_span(metrics={"recall": recall})
        return {"ok": True}

    rows = [{"id": "a", "inputs": {"docs": [0.2, 0.8]}}, {"id": "b", "inputs": {"docs": [1.0]}}]
    results = [
        evaluate(
            app,
            rows,
            api_key=API_KEY,
            server_url=backend.url,
            trials=k,
            print_results=False,
            passing_ranges={"recall": {"min": 0.5}},
        )
        for k in (1, 2)
    ]
    summaries = [ok(client.get(f"/v1/runs/{result.run_id}/summary")) for result in results]
    assert [(s["passed"], s["failed"]) for s in summaries] == [(["EXT-b"], ["EXT-a"])] * 2
    assert [result.success for result in results] == [False, False]
    assert [detail(s, "recall", "retrieve")["aggregate"] for s in summaries] == [pytest.approx(2 / 3)] * 2
    assert summaries[1]["trials"] == 2
    once, twice = (result.run_id for result in results)
    recall = compared(ok(client.get(f"/v1/runs/{twice}/compare/{once}")), "recall", "retrieve")
    assert (recall["difference"], recall["improved"], recall["degraded"]) == (0.0, [], [])
    assert sorted(recall["same"]) == ["EXT-a", "EXT-b"]

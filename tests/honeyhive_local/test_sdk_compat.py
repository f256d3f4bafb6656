"""The official ``honeyhive`` SDK (1.7.0, from PyPI) runs ``evaluate()`` unchanged against honeyhive_local.

Two runs of the same function name over the same external dataset of 12 datapoints, two evaluators,
passing ranges; then the SDK's ``get_run_result`` and ``compare_runs`` must return exactly the numbers
computed by hand below from the test's own data. Only the environment (``HH_API_URL``/``HH_API_KEY``)
is wired; everything else is real: the SDK's HTTP calls, its OTLP exporter, our server and store.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

honeyhive = pytest.importorskip("honeyhive", reason="the official SDK is a test-only dependency")
from honeyhive.experiments import compare_runs, evaluate, get_run_result  # noqa: E402
from honeyhive.experiments.utils import generate_external_datapoint_id  # noqa: E402

QUESTIONS = [f"what is {i} + {i}?" for i in range(12)]
DATASET = [{"inputs": {"question": q, "n": i}, "ground_truth": {"answer": str(2 * i)}} for i, q in enumerate(QUESTIONS)]
# run A answers 0..7 right and 8..11 wrong; run B fixes 8 and 9 and breaks 0
WRONG_A = {8, 9, 10, 11}
WRONG_B = {0, 10, 11}


def make_app(wrong: set[int]) -> Any:
    def qa_app(datapoint: dict[str, Any]) -> dict[str, Any]:  # the same name in both runs, so metrics pair
        n = datapoint["inputs"]["n"]
        return {"answer": str(2 * n + (1 if n in wrong else 0))}

    return qa_app


def exact_match(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    return bool(outputs["answer"] == ground_truth["answer"])


def closeness(
    outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None
) -> dict[str, Any]:
    # 1.0 when right, 0.5 when one off; dict return → metrics closeness, closeness_explanation
    gap = abs(int(outputs["answer"]) - int((ground_truth or {})["answer"]))
    return {"score": 1.0 if gap == 0 else 0.5, "explanation": f"off by {gap}"}


def _sdk_run(wrong: set[int], name: str) -> Any:
    return evaluate(
        make_app(wrong),
        dataset=DATASET,
        evaluators=[exact_match, closeness],
        name=name,
        max_workers=4,
        print_results=False,
    )


def test_sdk_evaluate_result_and_compare_match_hand_computed_numbers(
    sdk_env: LocalBackend, client: httpx.Client
) -> None:
    ids = [generate_external_datapoint_id(dp, i) for i, dp in enumerate(DATASET)]
    run_a = _sdk_run(WRONG_A, "sdk-run-a")
    run_b = _sdk_run(WRONG_B, "sdk-run-b")

    # evaluate() itself completed the runs and linked one session per datapoint
    for run in (run_a, run_b):
        stored = client.get(f"/v1/runs/{run.run_id}").json()["evaluation"]
        assert stored["status"] == "completed"
        assert len(stored["event_ids"]) == 12
        assert stored["metadata"]["offline_dataset_id"].startswith("EXT-")
        assert "dataset_id" not in stored or stored["dataset_id"] is None

    # passing ranges are the backend's business: exact_match must be true, closeness at least 0.75
    for run in (run_a, run_b):
        response = client.put(
            f"/v1/runs/{run.run_id}",
            json={"passing_ranges": {"exact_match": {"min": 1}, "closeness": {"min": 0.75}}},
        )
        assert response.status_code == 200, response.text

    sdk_client = honeyhive.HoneyHive(api_key=API_KEY, server_url=sdk_env.url)
    result = get_run_result(sdk_client, run_b.run_id)
    # by hand: run B is wrong on 0, 10, 11 → exact_match 9/12 = 0.75; closeness (9×1.0 + 3×0.5)/12 = 0.875
    assert result.success is False
    assert sorted(result.failed) == sorted(ids[i] for i in (0, 10, 11))
    assert sorted(result.passed) == sorted(ids[i] for i in range(12) if i not in (0, 10, 11))
    exact = result.metrics.get_metric("exact_match")
    close = result.metrics.get_metric("closeness")
    exact = exact if isinstance(exact, dict) else exact.model_dump()
    close = close if isinstance(close, dict) else close.model_dump()
    assert exact["aggregate"] == pytest.approx(0.75)
    assert close["aggregate"] == pytest.approx(0.875)
    assert sorted(close["values"]) == sorted([1.0] * 9 + [0.5] * 3)
    assert len(result.datapoints) == 12
    assert sum(1 for dp in result.datapoints if dp.passed) == 9

    max_result = get_run_result(sdk_client, run_a.run_id, aggregate_function="min")
    close_a = max_result.metrics.get_metric("closeness")
    close_a = close_a if isinstance(close_a, dict) else close_a.model_dump()
    assert close_a["aggregate"] == pytest.approx(0.5)  # run A has wrong answers: min closeness 0.5

    comparison = compare_runs(sdk_client, new_run_id=run_b.run_id, old_run_id=run_a.run_id)
    # by hand: common = all 12; exact_match improved on 8, 9 (False → True), degraded on 0, same on 9 others
    assert comparison.common_datapoints == 12
    delta = comparison.get_metric_delta("exact_match")
    assert delta is not None
    assert delta["old_aggregate"] == pytest.approx(8 / 12)
    assert delta["new_aggregate"] == pytest.approx(9 / 12)
    assert delta["improved_count"] == 2
    assert delta["degraded_count"] == 1
    assert delta["same_count"] == 9
    assert sorted(delta["improved"]) == sorted([ids[8], ids[9]])
    assert delta["degraded"] == [ids[0]]
    close_delta = comparison.get_metric_delta("closeness")
    assert close_delta is not None
    assert close_delta["old_aggregate"] == pytest.approx((8 * 1.0 + 4 * 0.5) / 12)
    assert close_delta["new_aggregate"] == pytest.approx(0.875)
    assert close_delta["improved_count"] == 2
    assert close_delta["degraded_count"] == 1


def test_sdk_evaluate_on_a_managed_dataset(sdk_env: LocalBackend, client: httpx.Client) -> None:
    dataset_id = client.post("/v1/datasets", json={"name": "managed-qa"}).json()["result"]["insertedId"]
    for dp in DATASET[:5]:
        created = client.post("/v1/datapoints", json={**dp, "linked_datasets": [dataset_id]})
        assert created.status_code == 200, created.text
    run = evaluate(
        make_app(set()),
        dataset_id=dataset_id,
        evaluators=[exact_match],
        name="sdk-managed",
        max_workers=2,
        print_results=False,
    )
    assert run.success is True
    assert len(run.passed) == 5
    assert run.failed == []
    stored = client.get(f"/v1/runs/{run.run_id}").json()["evaluation"]
    assert stored["dataset_id"] == dataset_id
    assert stored["dataset_name"] == "managed-qa"

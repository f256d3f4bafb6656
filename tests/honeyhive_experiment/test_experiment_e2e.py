"""``evaluate()`` end to end against ``honeyhive_local`` over HTTP, checked against hand-computed numbers.

Everything is real: our ``HoneyHiveClient`` over a loopback socket, the real OTLP/HTTP exporter
(``evaluate`` builds its own sink), the backend's store and its summary/compare engine. The expected
values below are computed by hand from the test's own data — never by the engine:

* a calculator over 8 datapoints, wrong by a known offset on known datapoints;
* ``exact_match`` (bool) and ``closeness`` (``{"score": 1 / (1 + |gap|), "explanation": ...}``);
* passing ranges ``exact_match >= 1`` and ``closeness >= 0.4``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment import (
    ExperimentResult,
    HoneyHiveClient,
    OutcomeStatus,
    PreparedDataset,
    compare_runs,
    evaluate,
    external_dataset,
    get_run_result,
    managed_dataset,
)
from honeyhive_experiment.config import DatasetConfig, ExperimentConfig
from honeyhive_experiment.flow import Job, prepare_dataset
from honeyhive_experiment.settings import Settings
from honeyhive_local import LocalBackend
from honeyhive_local.app import Project
from tests.conftest import API_KEY, run_events

pytestmark = pytest.mark.e2e

RECORDS: list[dict[str, Any]] = [{"inputs": {"a": i, "b": 10 * i}, "ground_truth": {"sum": 11 * i}} for i in range(8)]
PASSING_RANGES: dict[str, dict[str, float]] = {"exact_match": {"min": 1}, "closeness": {"min": 0.4}}
# the "old" calculator is off by 1 on datapoint 2 and by 3 on datapoint 5
OLD_OFFSETS = {2: 1, 5: 3}
# the "new" one fixes 2, gets closer on 5 (off by 1) and breaks 6 (off by 2)
NEW_OFFSETS = {5: 1, 6: 2}


def sdk_ext_id(text: str) -> str:
    """honeyhive-api.md §5, written out independently of ``honeyhive_experiment.external``."""
    return "EXT-" + hashlib.sha256(text.encode()).hexdigest()[:16]


EXPECTED_DATASET_ID = sdk_ext_id(json.dumps(RECORDS, sort_keys=True))
EXPECTED_IDS = [sdk_ext_id(json.dumps(r, sort_keys=True) + str(i)) for i, r in enumerate(RECORDS)]


def make_calculator(offsets: Mapping[int, int]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def calculator(datapoint: dict[str, Any]) -> dict[str, Any]:  # same name in every run: metrics pair
        inputs = datapoint["inputs"]
        return {"sum": inputs["a"] + inputs["b"] + offsets.get(inputs["a"], 0)}

    return calculator


def exact_match(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    return bool(outputs["sum"] == ground_truth["sum"])


def closeness(
    outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None
) -> dict[str, Any]:
    gap = abs(outputs["sum"] - (ground_truth or {})["sum"])
    return {"score": 1 / (1 + gap), "explanation": f"off by {gap}"}


def expected_closeness(offsets: Mapping[int, int], n: int) -> list[float]:
    return [1 / (1 + abs(offsets.get(i, 0))) for i in range(n)]


def run(hh: HoneyHiveClient, dataset: PreparedDataset, offsets: Mapping[int, int], name: str) -> ExperimentResult:
    return evaluate(
        make_calculator(offsets),
        dataset,
        client=hh,
        evaluators=[exact_match, closeness],
        name=name,
        max_workers=4,
        timeout=1.0,
        passing_ranges=PASSING_RANGES,
        ingestion_timeout=10.0,
    )


def check_summary(result: ExperimentResult, ids: list[str], offsets: Mapping[int, int]) -> None:
    """The backend's summary equals what the offsets give by hand."""
    n = len(ids)
    closeness_values = expected_closeness(offsets, n)
    exact_values = [i not in offsets for i in range(n)]
    failing = {i for i in range(n) if not exact_values[i] or closeness_values[i] < 0.4}
    summary = result.summary

    assert summary.status == "completed"
    assert summary.success is False
    assert sorted(summary.failed) == sorted(ids[i] for i in failing)
    assert sorted(summary.passed) == sorted(ids[i] for i in range(n) if i not in failing)
    assert sorted(summary.datapoint_ids) == sorted(ids)

    exact = summary.metric("exact_match", "calculator")
    assert exact is not None
    assert exact.event_type == "chain"
    assert exact.aggregate == pytest.approx(sum(exact_values) / n)
    assert sorted(exact.values) == sorted(exact_values)
    assert exact.datapoints is not None
    assert sorted(exact.datapoints.failed) == sorted(ids[i] for i in offsets)

    close = summary.metric("closeness", "calculator")
    assert close is not None
    assert close.aggregate == pytest.approx(sum(closeness_values) / n)
    assert sorted(close.values) == pytest.approx(sorted(closeness_values))
    assert close.datapoints is not None
    assert sorted(close.datapoints.failed) == sorted(ids[i] for i in range(n) if closeness_values[i] < 0.4)
    # the explanation is a string metric: never aggregated, never a detail
    assert summary.metric("closeness_explanation") is None
    assert {d.metric_name for d in summary.metrics.details} == {"exact_match", "closeness"}


def check_outcomes(result: ExperimentResult, ids: list[str], offsets: Mapping[int, int]) -> None:
    assert [o.datapoint_id for o in result.outcomes] == ids  # input order, not completion order
    assert [o.index for o in result.outcomes] == list(range(len(ids)))
    for i, outcome in enumerate(result.outcomes):
        assert outcome.status is OutcomeStatus.OK
        gap = offsets.get(i, 0)
        assert outcome.metrics == {
            "exact_match": gap == 0,
            "closeness": pytest.approx(1 / (1 + gap)),
            "closeness_explanation": f"off by {gap}",
        }
        assert outcome.evaluator_failures == ()
        assert outcome.warnings == ()


def check_stored_run(client: httpx.Client, result: ExperimentResult, ids: list[str]) -> dict[str, Any]:
    """The run ends ``completed`` with exactly one session per datapoint as its ``event_ids``."""
    response = client.get(f"/v1/runs/{result.run_id}")
    assert response.status_code == 200, response.text
    stored: dict[str, Any] = response.json()["evaluation"]
    assert stored["status"] == "completed"
    assert stored["name"] == result.name
    assert len(stored["event_ids"]) == len(ids)
    assert sorted(stored["event_ids"]) == sorted(o.session_id for o in result.outcomes)
    assert stored["metadata"]["datapoint_count"] == len(ids)  # the run object the spec describes has no id list

    sessions = run_events(client, result.run_id, "session")
    assert sorted(e["session_id"] for e in sessions) == sorted(stored["event_ids"])
    assert sorted(e["metadata"]["datapoint_id"] for e in sessions) == sorted(ids)
    assert all(e["source"] == "evaluation" for e in sessions)
    return stored


def test_external_dataset_end_to_end(hh: HoneyHiveClient, client: httpx.Client) -> None:
    dataset = external_dataset(RECORDS)
    assert dataset.dataset_id == EXPECTED_DATASET_ID
    assert [dp.id for dp in dataset.datapoints] == EXPECTED_IDS

    result = run(hh, dataset, OLD_OFFSETS, "e2e-external")

    assert result.dataset_id == EXPECTED_DATASET_ID
    check_outcomes(result, EXPECTED_IDS, OLD_OFFSETS)
    check_summary(result, EXPECTED_IDS, OLD_OFFSETS)
    stored = check_stored_run(client, result, EXPECTED_IDS)
    # an EXT- id never goes out as dataset_id; it rides in metadata.offline_dataset_id
    assert stored.get("dataset_id") is None
    assert stored["metadata"]["offline_dataset_id"] == EXPECTED_DATASET_ID

    # the summary read back later is the same backend result
    again = get_run_result(hh, result.run_id)
    assert sorted(again.failed) == sorted(result.summary.failed)
    assert again.metric("closeness", "calculator") == result.summary.metric("closeness", "calculator")
    lowest = get_run_result(hh, result.run_id, aggregate_function="min").metric("closeness", "calculator")
    assert lowest is not None
    assert lowest.aggregate == pytest.approx(0.25)  # off by 3 on datapoint 5


def create_managed_dataset(client: httpx.Client, name: str, records: list[dict[str, Any]]) -> tuple[str, list[str]]:
    created = client.post("/v1/datasets", json={"name": name, "description": "seeded by the e2e test"})
    assert created.status_code == 200, created.text
    dataset_id: str = created.json()["result"]["insertedId"]
    ids = []
    for record in records:
        response = client.post("/v1/datapoints", json={**record, "linked_datasets": [dataset_id]})
        assert response.status_code == 200, response.text
        ids.append(response.json()["result"]["insertedId"])
    return dataset_id, ids


def test_managed_dataset_end_to_end(hh: HoneyHiveClient, client: httpx.Client) -> None:
    records = RECORDS[:6]
    dataset_id, ids = create_managed_dataset(client, "e2e-managed", records)

    by_name = managed_dataset(hh, name="e2e-managed")
    dataset = managed_dataset(hh, dataset_id=dataset_id)
    assert dataset.external is False
    assert dataset.dataset_id == by_name.dataset_id == dataset_id
    assert [dp.id for dp in dataset.datapoints] == ids == [dp.id for dp in by_name.datapoints]
    assert [dict(dp.record)["inputs"] for dp in dataset.datapoints] == [r["inputs"] for r in records]
    assert [dp.ground_truth for dp in dataset.datapoints] == [r["ground_truth"] for r in records]

    result = run(hh, dataset, OLD_OFFSETS, "e2e-managed-run")

    assert result.dataset_id == dataset_id
    check_outcomes(result, ids, OLD_OFFSETS)
    check_summary(result, ids, OLD_OFFSETS)
    stored = check_stored_run(client, result, ids)
    assert stored["dataset_id"] == dataset_id
    assert stored["dataset_name"] == "e2e-managed"
    assert "offline_dataset_id" not in stored["metadata"]
    # the sessions carry the managed ids
    assert {e["metadata"]["dataset_id"] for e in run_events(client, result.run_id, "session")} == {dataset_id}


def test_evaluate_of_a_managed_dataset_listing_a_datapoint_honeyhive_does_not_return_is_no_success(
    backend: LocalBackend, hh: HoneyHiveClient, client: httpx.Client
) -> None:
    """``evaluate(dataset_id=...)`` of a dataset that lists a datapoint the backend does not return (deleted but still
    listed): it was dropped with a log line, and the result was a success over the others. It is a row not recorded,
    trial by trial, and the run's ``datapoint_count`` counts it."""
    _, ids = create_managed_dataset(client, "source", RECORDS[:2])
    gone = "f" * 24
    project = Project.for_key(API_KEY).project_id
    dataset_id = str(backend.store.create_dataset(project, "one-gone", None, [ids[0], gone, ids[1]])["id"])

    result = evaluate(
        make_calculator({}), dataset_id=dataset_id, client=hh, evaluators=[exact_match], trials=2, print_results=False
    )
    assert [(o.datapoint_id, o.status) for o in result.outcomes if not o.recorded] == [
        (gone, OutcomeStatus.BACKEND_ERROR),
        (gone, OutcomeStatus.BACKEND_ERROR),
    ]
    said = f"HoneyHive's dataset one-gone ({dataset_id}) lists datapoint {gone}, which HoneyHive did not return"
    assert result.unrecorded == {gone: f"{said}, so it was not evaluated"}
    assert result.success is False
    assert sorted(result.passed) == sorted(ids)
    assert hh.get_run(result.run_id)["metadata"]["datapoint_count"] == 3


def test_the_experiment_file_names_a_managed_dataset_by_its_id_or_its_name(
    hh: HoneyHiveClient, client: httpx.Client, tmp_path: Path
) -> None:
    dataset_id, ids = create_managed_dataset(client, "named-in-the-file", RECORDS[:2])
    settings = Settings(working_directory=tmp_path)
    for named in (DatasetConfig(id=dataset_id), DatasetConfig(name="named-in-the-file")):
        config = ExperimentConfig(name="managed", function="app:answer", dataset=named)
        prepared = prepare_dataset(Job(settings, config, hh, datetime.now(UTC)))
        assert prepared.external is False
        assert prepared.dataset_id == dataset_id
        assert [dp.id for dp in prepared.datapoints] == ids


def test_comparison_of_two_runs_shows_exactly_the_improved_and_degraded_datapoints(hh: HoneyHiveClient) -> None:
    dataset = external_dataset(RECORDS)
    old = run(hh, dataset, OLD_OFFSETS, "e2e-old")
    new = run(hh, dataset, NEW_OFFSETS, "e2e-new")
    check_summary(new, EXPECTED_IDS, NEW_OFFSETS)

    comparison = compare_runs(hh, new.run_id, old.run_id, new_result=new.summary, old_result=old.summary)

    ids = EXPECTED_IDS
    assert comparison.new_run_id == new.run_id
    assert comparison.old_run_id == old.run_id
    assert sorted(comparison.common_datapoints) == sorted(ids)
    assert comparison.new_only_datapoints == []
    assert comparison.old_only_datapoints == []

    # exact_match: 2 goes False → True, 6 goes True → False, 5 stays False, the rest stay True
    exact = comparison.delta("exact_match", "calculator")
    assert exact is not None
    assert exact.improved == [ids[2]]
    assert exact.degraded == [ids[6]]
    assert sorted(exact.same or []) == sorted(ids[i] for i in (0, 1, 3, 4, 5, 7))
    assert (exact.improved_count, exact.degraded_count, exact.same_count) == (1, 1, 6)
    assert exact.old_aggregate == pytest.approx(6 / 8)
    assert exact.new_aggregate == pytest.approx(6 / 8)
    assert exact.difference == pytest.approx(0.0)

    # closeness: 2 goes 0.5 → 1, 5 goes 0.25 → 0.5 (improved); 6 goes 1 → 1/3 (degraded)
    close = comparison.delta("closeness", "calculator")
    assert close is not None
    assert sorted(close.improved or []) == sorted([ids[2], ids[5]])
    assert close.degraded == [ids[6]]
    assert sorted(close.same or []) == sorted(ids[i] for i in (0, 1, 3, 4, 7))
    old_mean = sum(expected_closeness(OLD_OFFSETS, 8)) / 8
    new_mean = sum(expected_closeness(NEW_OFFSETS, 8)) / 8
    assert close.old_aggregate == pytest.approx(old_mean)
    assert close.new_aggregate == pytest.approx(new_mean)
    assert close.difference == pytest.approx(new_mean - old_mean)
    assert close.percentage_change == pytest.approx((new_mean - old_mean) / old_mean * 100)

    assert {(d.metric_name, d.event_name) for d in comparison.metrics} == {
        ("exact_match", "calculator"),
        ("closeness", "calculator"),
    }

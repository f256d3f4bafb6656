"""``honeyhive_experiment.models`` parses what the backend returns, and carries it unchanged.

The main tests read real bodies from ``honeyhive_local`` over a real socket (``/summary``, ``/result``,
``/compare``, ``/compare-with``); hand-written bodies cover the legacy and spec-only shapes of
``honeyhive-api.md`` §3 and unknown fields. Nothing here recomputes a number: every expectation is
either copied from the body the backend sent or is a literal of a hand-written body.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from honeyhive_experiment.models import (
    AggregatedMetrics,
    DatapointResult,
    DatapointResults,
    ExperimentResultSummary,
    ExperimentRun,
    ExperimentRunStatus,
    MetricDelta,
    MetricDetail,
    RunComparisonResult,
)
from honeyhive_experiment.models.outcomes import (
    NO_UNPRICED,
    NONE_UNDER_KEY,
    DatapointOutcome,
    OutcomeStatus,
    and_more,
    excerpt,
    timeout_error,
)
from honeyhive_experiment.models.summary import MetricDatapoints

pytestmark = pytest.mark.integration

DATASET = "EXT-0123456789abcdef"
OLD_VALUES: dict[str, dict[str, Any]] = {
    "EXT-a": {"accuracy": 0.5, "exact": True},
    "EXT-b": {"accuracy": 1.0, "exact": False},
    "EXT-c": {"accuracy": 0.2},
}
NEW_VALUES: dict[str, dict[str, Any]] = {
    "EXT-a": {"accuracy": 0.7, "exact": True},
    "EXT-b": {"accuracy": 0.5, "exact": True},
    "EXT-d": {"accuracy": 0.9, "accuracy_explanation": "a string: never a metric value"},
}

# --------------------------------------------------------------------------------------------------
# a real run on the local backend: one session per datapoint, one chain event carrying the metrics
# --------------------------------------------------------------------------------------------------


def make_run(
    client: httpx.Client,
    name: str,
    values: Mapping[str, Mapping[str, Any]],
    *,
    passing_ranges: Mapping[str, Any] | None = None,
    link_datapoints: bool = True,
) -> str:
    run_id = str(uuid.uuid4())
    body: dict[str, Any] = {
        "run_id": run_id,
        "name": name,
        "status": "running",
        "metadata": {"offline_dataset_id": DATASET},
        "passing_ranges": dict(passing_ranges or {}),
    }
    if link_datapoints:
        body["datapoint_ids"] = list(values)
    client.post("/v1/runs", json=body).raise_for_status()
    sessions = []
    for datapoint_id, metrics in values.items():
        ids = {"run_id": run_id, "dataset_id": DATASET, "datapoint_id": datapoint_id}
        started = client.post(
            "/session/start",
            json={"session": {"session_name": name, "source": "evaluation", "inputs": {}, "metadata": ids}},
        )
        started.raise_for_status()
        session_id = started.json()["session_id"]
        sessions.append(session_id)
        event = {
            "event_type": "chain",
            "event_name": "answer",
            "session_id": session_id,
            "parent_id": session_id,
            "inputs": {"datapoint": datapoint_id},
            "metrics": dict(metrics),
            "metadata": ids,
        }
        client.post("/v1/events", json=event).raise_for_status()
    done = {"status": "completed", "event_ids": sessions, "metadata": {"offline_dataset_id": DATASET}}
    client.put(f"/v1/runs/{run_id}", json=done).raise_for_status()
    return run_id


@pytest.fixture
def runs(client: httpx.Client) -> tuple[str, str]:
    """(old run id, new run id); the new run has a passing range on accuracy (min 0.6)."""
    old = make_run(client, "old", OLD_VALUES)
    new = make_run(client, "new", NEW_VALUES, passing_ranges={"accuracy": {"min": 0.6}})
    return old, new


def get_json(client: httpx.Client, path: str, **params: str) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --------------------------------------------------------------------------------------------------
# real bodies
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["summary", "result"])
def test_summary_body_of_the_local_backend_is_carried_unchanged(
    client: httpx.Client, runs: tuple[str, str], route: str
) -> None:
    _, new = runs
    body = get_json(client, f"/v1/runs/{new}/{route}")

    summary = ExperimentResultSummary.from_wire(body)

    assert summary.run_id == new  # from run_object: the wire body has no run_id
    assert summary.status is ExperimentRunStatus.COMPLETED
    assert summary.success is body["success"] is False
    assert summary.error is None
    assert summary.passed == body["passed"] == ["EXT-a", "EXT-d"]
    assert summary.failed == body["failed"] == ["EXT-b"]
    assert summary.metrics.aggregation_function == "average"
    assert len(summary.metrics.details) == len(body["metrics"]["details"]) == 2
    for wire in body["metrics"]["details"]:
        detail = summary.metric(wire["metric_name"], wire["event_name"])
        assert detail is not None
        assert detail.key == (wire["metric_name"], wire["event_name"])
        assert detail.metric_type == wire["metric_type"] == "CLIENT_SIDE"
        assert detail.event_type == wire["event_type"]
        assert detail.aggregate == wire["aggregate"]
        assert detail.values == wire["values"]
        assert [type(v) for v in detail.values] == [type(v) for v in wire["values"]]  # booleans stay booleans
        assert detail.datapoints is not None
        assert detail.datapoints.passed == wire["datapoints"]["passed"]
        assert detail.datapoints.failed == wire["datapoints"]["failed"]
        if "passing_range" in wire:
            assert detail.passing_range is not None
            assert detail.passing_range.min == wire["passing_range"].get("min")
            assert detail.passing_range.max == wire["passing_range"].get("max")
        else:
            assert detail.passing_range is None
    accuracy = summary.metric("accuracy")
    assert accuracy is not None
    assert accuracy.passing_range is not None
    assert accuracy.passing_range.min == 0.6
    assert summary.metric("accuracy_explanation") is None  # strings are not metric values

    assert [d.datapoint_id for d in summary.datapoints] == [d["datapoint_id"] for d in body["datapoints"]]
    for parsed, wire in zip(summary.datapoints, body["datapoints"], strict=True):
        assert parsed.session_id == wire["session_id"]
        assert parsed.key == wire["datapoint_id"]
        assert parsed.passed is wire["passed"]
        assert [(m.name, m.event_name, m.event_type, m.value, m.passed) for m in parsed.metrics] == [
            (m["name"], m["event_name"], m["event_type"], m["value"], m["passed"]) for m in wire["metrics"]
        ]
    assert summary.datapoint_ids == ["EXT-a", "EXT-b", "EXT-d"]
    assert [(e.event_name, e.event_type) for e in summary.event_details] == [
        (e["event_name"], e["event_type"]) for e in body["event_details"]
    ]

    run = summary.run_object
    assert run is not None
    assert run.run_id == new
    assert run.id == body["run_object"]["id"] != new
    assert run.name == "new"
    assert run.status is ExperimentRunStatus.COMPLETED
    assert run.dataset_id is None
    assert run.offline_dataset_id == run.effective_dataset_id == DATASET
    assert run.event_ids == body["run_object"]["event_ids"]
    assert run.datapoint_ids is None  # the run was created with them; the spec's run object has none
    assert run.created_at == body["run_object"]["created_at"]
    assert run.is_active is True
    assert run.model_extra == {}  # every field of the spec's run object is parsed


def test_summary_carries_the_requested_aggregate_function(client: httpx.Client, runs: tuple[str, str]) -> None:
    _, new = runs
    body = get_json(client, f"/v1/runs/{new}/summary", aggregate_function="max")
    summary = ExperimentResultSummary.from_wire(body, run_id=new)
    assert summary.metrics.aggregation_function == "max"
    accuracy = summary.metric("accuracy", "answer")
    assert accuracy is not None
    assert accuracy.aggregate == body["metrics"]["details"][0]["aggregate"] == 0.9


@pytest.mark.parametrize("route", ["compare", "compare-with"])
def test_compare_body_of_the_local_backend_is_carried_unchanged(
    client: httpx.Client, runs: tuple[str, str], route: str
) -> None:
    old, new = runs
    body = get_json(client, f"/v1/runs/{new}/{route}/{old}")

    comparison = RunComparisonResult.from_wire(body)

    assert comparison.new_run_id == new
    assert comparison.old_run_id == old
    assert comparison.common_datapoints == body["commonDatapoints"] == ["EXT-a", "EXT-b"]
    # the spec's run objects have no datapoint_ids: which datapoints one run alone has is not known from the body
    assert comparison.new_only_datapoints is comparison.old_only_datapoints is None
    # a service whose run objects carry them gives each run's ids
    sent = {**body, "new_run": {**body["new_run"], "datapoint_ids": list(NEW_VALUES)}}
    sent["old_run"] = {**body["old_run"], "datapoint_ids": list(OLD_VALUES)}
    both = RunComparisonResult.from_wire(sent)
    assert (both.new_only_datapoints, both.old_only_datapoints) == (["EXT-d"], ["EXT-c"])
    assert list(comparison.deltas) == [(m["metric_name"], m["event_name"]) for m in body["metrics"]]
    for wire in body["metrics"]:
        delta = comparison.delta(wire["metric_name"], wire["event_name"])
        assert delta is not None
        for field, value in wire.items():
            assert getattr(delta, field) == value, field
    accuracy = comparison.delta("accuracy")
    assert accuracy is not None
    assert accuracy.improved == ["EXT-a"]
    assert accuracy.degraded == ["EXT-b"]
    assert [(e.event_name, e.event_type, e.presence) for e in comparison.event_details] == [
        (e["event_name"], e["event_type"], e["presence"]) for e in body["event_details"]
    ]
    assert comparison.old_run is not None
    assert comparison.old_run.run_id == old
    assert comparison.new_run is not None
    assert comparison.new_run.run_id == new


def test_new_only_and_old_only_come_from_the_summaries_datapoint_lists(client: httpx.Client) -> None:
    old = make_run(client, "old", OLD_VALUES, link_datapoints=False)
    new = make_run(client, "new", NEW_VALUES, link_datapoints=False)
    body = get_json(client, f"/v1/runs/{new}/compare/{old}")

    unknown = RunComparisonResult.from_wire(body)
    assert "datapoint_ids" not in body["new_run"]  # nor would a run created with them say (the spec's run object)
    assert unknown.new_only_datapoints is None
    assert unknown.old_only_datapoints is None

    old_summary = ExperimentResultSummary.from_wire(get_json(client, f"/v1/runs/{old}/summary"))
    new_summary = ExperimentResultSummary.from_wire(get_json(client, f"/v1/runs/{new}/summary"))
    known = RunComparisonResult.from_wire(
        body, new_datapoint_ids=new_summary.datapoint_ids, old_datapoint_ids=old_summary.datapoint_ids
    )
    assert known.common_datapoints == ["EXT-a", "EXT-b"]
    assert known.new_only_datapoints == ["EXT-d"]
    assert known.old_only_datapoints == ["EXT-c"]


def test_run_object_of_get_run_parses(client: httpx.Client, runs: tuple[str, str]) -> None:
    old, _ = runs
    wire = get_json(client, f"/v1/runs/{old}")["evaluation"]
    run = ExperimentRun.model_validate(wire)
    assert run.run_id == old
    assert run.status is ExperimentRunStatus.COMPLETED
    assert run.metadata == {"offline_dataset_id": DATASET}


def test_models_round_trip_through_their_own_dump(client: httpx.Client, runs: tuple[str, str]) -> None:
    old, new = runs
    summary = ExperimentResultSummary.from_wire(get_json(client, f"/v1/runs/{new}/summary"))
    comparison = RunComparisonResult.from_wire(get_json(client, f"/v1/runs/{new}/compare/{old}"))
    assert ExperimentResultSummary.model_validate(summary.model_dump()) == summary
    assert ExperimentResultSummary.model_validate_json(summary.model_dump_json()) == summary
    assert RunComparisonResult.model_validate(comparison.model_dump()) == comparison
    assert RunComparisonResult.model_validate_json(comparison.model_dump_json()) == comparison


# --------------------------------------------------------------------------------------------------
# hand-written bodies: spec-only, legacy, odd
# --------------------------------------------------------------------------------------------------

RUN_OBJECT: dict[str, Any] = {
    "id": "66aa00000000000000000001",
    "run_id": "run-new",
    "metadata": {},
    "results": {},
    "event_ids": ["s1"],
    "configuration": {},
    "is_active": True,
    "created_at": "2025-01-01T00:00:00.000Z",
    "scope_type": "project",
    "scope_id": "p1",
}

SUMMARY: dict[str, Any] = {
    "status": "completed",
    "success": True,
    "passed": ["dp1"],
    "failed": [],
    "metrics": {
        "aggregation_function": "average",
        "details": [
            {
                "metric_name": "accuracy",
                "metric_type": "PYTHON",
                "event_name": "answer",
                "event_type": "chain",
                "aggregate": 0.75,
                "values": [0.5, 1],
                "passing_range": {"min": 0.5},
                "datapoints": {"passed": ["dp1"], "failed": []},
            }
        ],
    },
    "datapoints": [
        {
            "datapoint_id": "dp1",
            "session_id": "s1",
            "passed": True,
            "metrics": [
                {"name": "accuracy", "event_name": "answer", "event_type": "chain", "value": 1, "passed": True}
            ],
        }
    ],
    "event_details": [{"event_name": "answer", "event_type": "chain"}],
    "run_object": RUN_OBJECT,
}

COMPARISON: dict[str, Any] = {
    "commonDatapoints": ["dp1", "dp2"],
    "metrics": [
        {
            "metric_name": "accuracy",
            "metric_type": "PYTHON",
            "event_name": "answer",
            "event_type": "chain",
            "old_aggregate": 0.5,
            "new_aggregate": 0.75,
            "difference": 0.25,
            "percentage_change": 50.0,
            "found_count": 2,
            "improved_count": 1,
            "degraded_count": 0,
            "same_count": 1,
            "improved": ["dp1"],
            "degraded": [],
            "same": ["dp2"],
            "old_values": [0.5, 0.5],
            "new_values": [1, 0.5],
        }
    ],
    "event_details": [{"event_name": "answer", "event_type": "chain", "presence": "both"}],
    "old_run": {**RUN_OBJECT, "run_id": "run-old", "datapoint_ids": ["dp1", "dp2", "dp3"]},
    "new_run": {**RUN_OBJECT, "datapoint_ids": ["dp1", "dp2", "dp4", "dp4"]},
}


def test_legacy_metrics_keyed_by_metric_name() -> None:
    body = {
        **SUMMARY,
        "metrics": {
            "aggregation_function": "median",
            "accuracy": {"aggregate": 0.8, "values": [1, 0.6], "event_name": "answer", "metric_type": "PYTHON"},
            "latency": 120,
            "cached": True,
            "note": "not a metric",
        },
    }
    metrics = ExperimentResultSummary.from_wire(body).metrics
    assert metrics.aggregation_function == "median"
    assert [d.metric_name for d in metrics.details] == ["accuracy", "latency", "cached"]
    accuracy = metrics.metric("accuracy")
    assert accuracy is not None
    assert (accuracy.aggregate, accuracy.values, accuracy.event_name) == (0.8, [1, 0.6], "answer")
    latency = metrics.metric("latency")
    assert latency is not None
    assert latency.aggregate == 120
    assert latency.event_name is None
    assert latency.values == []
    assert latency.datapoints is None  # not reported: not invented
    cached = metrics.metric("cached")
    assert cached is not None
    assert cached.aggregate == 1.0
    assert metrics.model_extra == {  # what was sent stays readable as sent
        "accuracy": {"aggregate": 0.8, "values": [1, 0.6], "event_name": "answer", "metric_type": "PYTHON"},
        "latency": 120,
        "cached": True,
        "note": "not a metric",
    }


@pytest.mark.parametrize(
    ("metrics", "names"),
    [
        (None, []),
        ({}, []),
        ({"aggregation_function": "average"}, []),
        ({"aggregation_function": "average", "details": None}, []),
        ({"details": [None, {"metric_name": "m"}]}, ["m"]),
        ([{"metric_name": "m", "aggregate": 1}], ["m"]),
        ({"details": {"m": {"aggregate": 1}}}, ["m"]),
    ],
)
def test_metrics_shapes(metrics: Any, names: list[str]) -> None:
    body = {**SUMMARY, "metrics": metrics}
    summary = ExperimentResultSummary.from_wire(body)
    assert [d.metric_name for d in summary.metrics.details] == names
    assert AggregatedMetrics.model_validate(metrics).details == summary.metrics.details


def test_summary_without_metrics_key() -> None:
    body = {k: v for k, v in SUMMARY.items() if k != "metrics"}
    assert ExperimentResultSummary.from_wire(body).metrics.details == []


def test_run_object_missing_needs_the_run_id_from_the_caller() -> None:
    body = {k: v for k, v in SUMMARY.items() if k != "run_object"}
    with pytest.raises(ValidationError, match="run_id"):
        ExperimentResultSummary.from_wire(body)
    summary = ExperimentResultSummary.from_wire(body, run_id="run-x")
    assert summary.run_id == "run-x"
    assert summary.run_object is None


def test_caller_run_id_wins_over_run_object() -> None:
    assert ExperimentResultSummary.from_wire(SUMMARY, run_id="asked-for").run_id == "asked-for"


def test_datapoint_without_passed_and_legacy_metric_mapping() -> None:
    body = {
        **SUMMARY,
        "datapoints": [
            {"datapoint_id": None, "session_id": "s9", "metrics": {"accuracy": 0.5, "accuracy_explanation": "close"}},
            {"datapoint_id": "dp2", "session_id": "s2", "passed": False, "metrics": None},
            {"datapoint_id": "dp3", "session_id": "s3", "metrics": {"m": {"value": True, "passed": False}}},
        ],
    }
    first, second, third = ExperimentResultSummary.from_wire(body).datapoints
    assert first.passed is None  # not reported: not invented
    assert first.key == "s9"
    assert [(m.name, m.value, m.passed) for m in first.metrics] == [
        ("accuracy", 0.5, None),
        ("accuracy_explanation", "close", None),
    ]
    assert second.passed is False
    assert second.metrics == []
    assert [(m.name, m.value, m.passed) for m in third.metrics] == [("m", True, False)]
    assert ExperimentResultSummary.from_wire(body).datapoint_ids == ["dp2", "dp3"]


@pytest.mark.parametrize(
    "odd",
    [{"name": "other", "value": {"score": 14}}, {"name": "other", "value": [1]}, "other", 1, {"value": 1}, None],
    ids=["object-value", "list-value", "bare-name", "number", "no-name", "null"],
)
def test_a_row_metric_the_api_allows_but_that_is_no_metric_is_left_out(odd: Any) -> None:
    """``DatapointResult.metrics`` is ``items: {}`` in the API: one item that was an object-valued metric (another
    tool's, in the same project) or a bare name made the summary of every run pydantic's error dump (audit84 F2)."""
    body = copy.deepcopy(SUMMARY)
    kept = body["datapoints"][0]["metrics"]
    body["datapoints"][0]["metrics"] = [odd, *kept]
    summary = ExperimentResultSummary.from_json_chunks([json.dumps(body).encode()], run_id="r")
    assert [m.model_dump() for m in summary.datapoints[0].metrics] == [
        m.model_dump() for m in ExperimentResultSummary.from_wire(SUMMARY).datapoints[0].metrics
    ]


def test_rows_the_top_level_lists_leave_out_are_passed_or_failed_as_each_row_says() -> None:
    """The API requires ``passed``/``failed`` as lists and each row's ``passed``, not that the lists name every row:
    empty lists beside failing rows read as "no datapoints evaluated" (a PASS). A row without ``datapoint_id`` goes by
    its ``session_id``, a datapoint with several rows fails if one does, a row saying neither (or without a key) stays
    out, and what the lists do say stands."""
    rows = [
        {"datapoint_id": "dp1", "session_id": "s1", "passed": False, "metrics": []},  # listed as passed: stands
        {"datapoint_id": None, "session_id": "s2", "passed": False, "metrics": []},
        {"datapoint_id": "dp3", "session_id": "s3", "passed": True, "metrics": []},
        {"datapoint_id": "dp4", "session_id": "s4", "passed": True, "metrics": []},
        {"datapoint_id": "dp4", "session_id": "s5", "passed": False, "metrics": []},
        {"datapoint_id": "dp6", "session_id": "s6", "passed": None, "metrics": []},
        {"datapoint_id": None, "session_id": None, "passed": False, "metrics": []},
    ]
    summary = ExperimentResultSummary.from_wire({**SUMMARY, "passed": ["dp1"], "failed": [], "datapoints": rows})
    assert (summary.passed, summary.failed) == (["dp1", "dp3"], ["s2", "dp4"])
    assert ExperimentResultSummary.model_validate(summary.model_dump()) == summary
    listed = ExperimentResultSummary.from_wire({**SUMMARY, "passed": [], "failed": ["dp1"], "datapoints": rows[:1]})
    assert (listed.passed, listed.failed) == ([], ["dp1"])


@pytest.mark.parametrize(
    ("passed", "failed", "rows", "expected"),
    [
        # a row per trial, each listed, as a backend that does not reduce trials sends (audit65 F4: 3 + 1 datapoints)
        (["a", "a", "b"], ["b"], [("a", True), ("a", True), ("b", True), ("b", False)], (["a"], ["b"])),
        (["a", "a"], [], [("a", True), ("a", False)], ([], ["a"])),  # a failed row fails it: never greener
        (["a"], [], [("a", False)], (["a"], [])),  # one row: what the lists say stands, as before
        (["a"], ["a"], [], ([], ["a"])),  # named in both lists: failed
        (["a", "b", "a"], ["c", "c"], [], (["a", "b"], ["c"])),
        ([], [], [("b", True), ("a", False), ("b", False), ("a", True)], ([], ["a", "b"])),  # in the rows' order
    ],
)
def test_a_datapoint_several_rows_or_entries_name_is_counted_once_failed_when_any_failed(
    passed: list[str], failed: list[str], rows: list[tuple[str, bool]], expected: tuple[list[str], list[str]]
) -> None:
    listed = [{"datapoint_id": k, "session_id": f"s{i}", "passed": ok, "metrics": []} for i, (k, ok) in enumerate(rows)]
    summary = ExperimentResultSummary.from_wire({**SUMMARY, "passed": passed, "failed": failed, "datapoints": listed})
    assert (summary.passed, summary.failed) == expected
    if not rows:  # a metric's lists alike
        metric = MetricDatapoints.model_validate({"passed": passed, "failed": failed})
        assert (metric.passed, metric.failed) == expected


def test_a_summary_saying_nothing_of_trials_with_several_rows_of_a_datapoint_did_not_reduce_them() -> None:
    rows = [{"datapoint_id": k, "session_id": f"s{i}", "passed": True, "metrics": []} for i, k in enumerate("aabb")]
    unreduced = ExperimentResultSummary.from_wire({**SUMMARY, "passed": ["a", "b"], "datapoints": rows})
    said = unreduced.unreduced(2)
    assert said is not None
    assert said.startswith("HoneyHive's summary did not reduce the 2 trials of each datapoint (4 rows for 2 datap")
    assert unreduced.unreduced(1) is None  # the run ran one trial: nothing to reduce
    assert ExperimentResultSummary.from_wire({**SUMMARY, "datapoints": rows, "trials": 2}).unreduced(2) is None
    assert ExperimentResultSummary.from_wire({**SUMMARY, "datapoints": rows[::2]}).unreduced(2) is None


def test_null_lists_read_as_empty_and_null_ids_are_dropped() -> None:
    body = {**SUMMARY, "passed": ["dp1", None], "failed": None, "datapoints": None, "event_details": None}
    summary = ExperimentResultSummary.from_wire(body)
    assert summary.passed == ["dp1"]
    assert summary.failed == []
    assert summary.datapoints == []
    assert summary.event_details == []


def test_status_values() -> None:
    assert {s.value for s in ExperimentRunStatus} == {"pending", "running", "completed", "failed", "cancelled"}
    for status in ExperimentRunStatus:
        parsed = ExperimentResultSummary.from_wire({**SUMMARY, "status": status.value}).status
        assert parsed is status
    unknown = ExperimentResultSummary.from_wire({**SUMMARY, "status": "queued"})
    assert unknown.status == "queued"
    assert not isinstance(unknown.status, ExperimentRunStatus)
    assert ExperimentResultSummary.from_wire({k: v for k, v in SUMMARY.items() if k != "status"}).status is None
    assert ExperimentRun.model_validate({"run_id": "r", "status": None}).status is None


def test_success_missing_is_false() -> None:
    body = {k: v for k, v in SUMMARY.items() if k != "success"}
    assert ExperimentResultSummary.from_wire(body).success is False


def test_run_object_with_only_run_id_and_odd_values() -> None:
    run = ExperimentRun.model_validate(
        {"run_id": "r1", "metadata": None, "event_ids": None, "created_at": 1735689600000, "dataset_id": "ds1"}
    )
    assert run.metadata == {}
    assert run.event_ids == []
    assert run.datapoint_ids is None
    assert run.created_at == "1735689600000"
    assert run.offline_dataset_id is None
    assert run.effective_dataset_id == "ds1"


def test_no_client_side_aggregation() -> None:
    """Numbers that do not add up are the backend's business: carried as sent, never recomputed."""
    summary = ExperimentResultSummary.from_wire(
        {
            **SUMMARY,
            "success": True,
            "passed": [],
            "failed": ["dp1"],
            "metrics": {"details": [{"metric_name": "m", "aggregate": 42, "values": [1, 2]}]},
        }
    )
    m = summary.metric("m")
    assert m is not None
    assert (m.aggregate, m.values) == (42, [1, 2])
    assert summary.success is True
    assert summary.failed == ["dp1"]

    comparison = RunComparisonResult.from_wire(
        {
            "commonDatapoints": ["dp1"],
            "metrics": [
                {
                    "metric_name": "m",
                    "old_aggregate": 1,
                    "new_aggregate": 3,
                    "difference": 7,
                    "percentage_change": None,
                    "improved_count": 5,
                    "improved": ["dp1"],
                }
            ],
        },
        new_run_id="n",
        old_run_id="o",
    )
    delta = comparison.delta("m")
    assert delta is not None
    assert (delta.old_aggregate, delta.new_aggregate, delta.difference) == (1, 3, 7)
    assert delta.percentage_change is None
    assert delta.improved_count == 5
    assert delta.found_count is None
    assert delta.degraded is None


def test_spec_only_comparison_metric_has_the_undocumented_fields_as_none() -> None:
    body = {
        **COMPARISON,
        "metrics": [
            {
                "metric_name": "accuracy",
                "metric_type": "PYTHON",
                "old_aggregate": 0.5,
                "new_aggregate": 0.5,
                "difference": 0,
                "percentage_change": 0,
            }
        ],
    }
    comparison = RunComparisonResult.from_wire(body)
    delta = comparison.delta("accuracy")
    assert delta is not None
    assert delta.key == ("accuracy", None)
    assert comparison.deltas == {("accuracy", None): delta}
    assert comparison.delta("accuracy", "answer") is None
    for field in ("found_count", "improved_count", "degraded_count", "same_count"):
        assert getattr(delta, field) is None
    for field in ("improved", "degraded", "same", "old_values", "new_values", "event_name", "event_type"):
        assert getattr(delta, field) is None


def test_comparison_ids_and_only_lists() -> None:
    comparison = RunComparisonResult.from_wire(COMPARISON)
    assert (comparison.new_run_id, comparison.old_run_id) == ("run-new", "run-old")
    assert comparison.common_datapoints == ["dp1", "dp2"]
    assert comparison.new_only_datapoints == ["dp4"]  # in order, no repeats
    assert comparison.old_only_datapoints == ["dp3"]

    given_lists = RunComparisonResult.from_wire(
        COMPARISON, new_datapoint_ids=["dp2", "dp1"], old_datapoint_ids=["dp9", "dp1", "dp8"]
    )
    assert given_lists.new_only_datapoints == []
    assert given_lists.old_only_datapoints == ["dp9", "dp8"]

    bare = {k: v for k, v in COMPARISON.items() if k not in ("old_run", "new_run")}
    with pytest.raises(ValidationError, match="new_run_id"):
        RunComparisonResult.from_wire(bare)
    parsed = RunComparisonResult.from_wire(bare, new_run_id="n", old_run_id="o")
    assert (parsed.new_run_id, parsed.old_run_id) == ("n", "o")
    assert parsed.new_only_datapoints is None
    assert parsed.old_only_datapoints is None

    assert RunComparisonResult.from_wire({**bare, "commonDatapoints": None}, new_run_id="n", old_run_id="o") == (
        RunComparisonResult(new_run_id="n", old_run_id="o", metrics=parsed.metrics, event_details=parsed.event_details)
    )


def test_legacy_comparison_metrics_keyed_by_name() -> None:
    body = {**COMPARISON, "metrics": {"accuracy": {"old_aggregate": 1, "new_aggregate": 2}, "gone": None}}
    comparison = RunComparisonResult.from_wire(body)
    assert [d.metric_name for d in comparison.metrics] == ["accuracy"]
    delta = comparison.delta("accuracy")
    assert delta is not None
    assert (delta.old_aggregate, delta.new_aggregate, delta.difference) == (1, 2, None)


def test_same_metric_on_two_events_is_two_deltas() -> None:
    metric = COMPARISON["metrics"][0]
    body = {
        **COMPARISON,
        "metrics": [
            {**metric, "event_name": "retrieve", "event_type": "tool", "new_aggregate": 0.1},
            {**metric, "event_name": "answer", "event_type": "chain", "new_aggregate": 0.9},
        ],
    }
    comparison = RunComparisonResult.from_wire(body)
    assert set(comparison.deltas) == {("accuracy", "retrieve"), ("accuracy", "answer")}
    retrieve = comparison.delta("accuracy", "retrieve")
    answer = comparison.delta("accuracy", "answer")
    assert retrieve is not None
    assert answer is not None
    assert (retrieve.new_aggregate, answer.new_aggregate) == (0.1, 0.9)
    with pytest.raises(ValueError, match="several events"):
        comparison.delta("accuracy")
    assert comparison.delta("missing") is None

    detail = SUMMARY["metrics"]["details"][0]
    summary = ExperimentResultSummary.from_wire(
        {**SUMMARY, "metrics": {"details": [{**detail, "event_name": "a"}, {**detail, "event_name": "b"}]}}
    )
    with pytest.raises(ValueError, match="pass event_name"):
        summary.metric("accuracy")
    b = summary.metric("accuracy", "b")
    assert b is not None
    assert b.event_name == "b"


@pytest.mark.parametrize(
    ("body", "lower", "better", "worse"),
    [
        ({"improved": ["a"], "degraded": ["b", "c"]}, False, ["a"], ["b", "c"]),
        ({"improved": ["a"], "degraded": ["b", "c"]}, True, ["b", "c"], ["a"]),  # lower is better: a rose, b and c fell
        ({"improved": None, "degraded": ["b"]}, False, [], ["b"]),  # a list the backend did not send is empty
        ({"improved": ["a"]}, True, [], ["a"]),
        ({}, False, [], []),
    ],
    ids=["higher", "lower", "null-improved", "lower-no-degraded", "no-lists"],
)
def test_which_datapoints_moved_which_way_follows_the_metrics_direction(
    body: dict[str, Any], lower: bool, better: list[str], worse: list[str]
) -> None:
    delta = MetricDelta.model_validate({"metric_name": "m", **body})
    assert delta.moved(lower=lower) == (better, worse)


def test_models_are_frozen() -> None:
    summary = ExperimentResultSummary.from_wire(SUMMARY)
    with pytest.raises(ValidationError, match="frozen"):
        summary.success = False  # type: ignore[misc]
    detail = summary.metric("accuracy")
    assert detail is not None
    with pytest.raises(ValidationError, match="frozen"):
        detail.aggregate = 1.0  # type: ignore[misc]


def test_hand_written_bodies_round_trip() -> None:
    for model, body in ((ExperimentResultSummary, SUMMARY), (RunComparisonResult, COMPARISON)):
        parsed = model.from_wire(body)
        assert model.model_validate(parsed.model_dump()) == parsed
        assert model.model_validate_json(parsed.model_dump_json()) == parsed


# --------------------------------------------------------------------------------------------------
# unknown fields anywhere: kept, and they change nothing that is known
# --------------------------------------------------------------------------------------------------


def declared(value: Any) -> Any:
    """A model as plain data of its declared fields only (unknown fields left out), recursively."""
    if isinstance(value, BaseModel):
        return {name: declared(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list | DatapointResults):
        return [declared(v) for v in value]
    if isinstance(value, dict):
        return {k: declared(v) for k, v in value.items()}
    return value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
extras = st.dictionaries(st.text(max_size=8).map(lambda s: "x_" + s), json_values, max_size=3)


@settings(max_examples=60, deadline=None)
@given(top=extras, detail=extras, datapoint=extras, metric=extras, run=extras, delta=extras, details=extras)
def test_unknown_fields_are_kept_and_change_nothing_known(
    top: dict[str, Any],
    detail: dict[str, Any],
    datapoint: dict[str, Any],
    metric: dict[str, Any],
    run: dict[str, Any],
    delta: dict[str, Any],
    details: dict[str, Any],
) -> None:
    noisy = copy.deepcopy(SUMMARY)
    noisy.update(top)
    noisy["metrics"].update(details)
    noisy["metrics"]["details"][0].update(detail)
    noisy["datapoints"][0].update(datapoint)
    noisy["datapoints"][0]["metrics"][0].update(metric)
    noisy["run_object"] = {**noisy["run_object"], **run}
    summary = ExperimentResultSummary.from_wire(noisy)
    assert declared(summary) == declared(ExperimentResultSummary.from_wire(SUMMARY))
    assert summary.model_extra == top
    assert summary.metrics.model_extra == details
    first_detail = summary.metrics.details[0]
    assert isinstance(first_detail, MetricDetail)
    assert first_detail.model_extra == detail
    first = summary.datapoints[0]
    assert isinstance(first, DatapointResult)
    assert first.model_extra == datapoint
    assert first.metrics[0].model_extra == metric
    assert summary.run_object is not None
    assert summary.run_object.model_extra == run

    noisy_comparison = copy.deepcopy(COMPARISON)
    noisy_comparison.update(top)
    noisy_comparison["metrics"][0].update(delta)
    comparison = RunComparisonResult.from_wire(noisy_comparison)
    assert declared(comparison) == declared(RunComparisonResult.from_wire(COMPARISON))
    assert comparison.model_extra == top
    parsed_delta = comparison.metrics[0]
    assert isinstance(parsed_delta, MetricDelta)
    assert parsed_delta.model_extra == delta


@pytest.mark.parametrize(
    ("metadata", "status", "error"),
    [
        pytest.param({"datapoint_id": "d"}, OutcomeStatus.OK, None, id="ok"),
        pytest.param({"error": timeout_error(0.5)}, OutcomeStatus.TIMEOUT, "did not return within 0.5 s", id="timeout"),
        pytest.param({"error": "timed out after 5 s"}, OutcomeStatus.TIMEOUT, None, id="an-older-runs-timeout"),
        pytest.param({"error": "TimeoutError: slow API"}, OutcomeStatus.FUNCTION_ERROR, None, id="raised-timeout"),
        pytest.param({"error": "ValueError: x"}, OutcomeStatus.FUNCTION_ERROR, "ValueError: x", id="raised"),
    ],
)
def test_an_outcome_read_back_from_its_session_keeps_a_timeout_apart_from_an_error(
    metadata: dict[str, Any], status: OutcomeStatus, error: str | None
) -> None:
    """A job that did not run the datapoints (report, publish) tells the runner's timeout from a raise."""
    outcome = DatapointOutcome.from_session(0, "s", metadata)
    assert outcome.status is status
    assert outcome.datapoint_id == metadata.get("datapoint_id", "s")
    if error is not None:
        assert outcome.error == error


def test_an_outcome_read_back_from_its_session_keeps_its_calls_without_a_cost() -> None:
    """The report and publish jobs say what the job that ran the datapoint recorded: unpriced, usage-less and
    failed calls and those given up on, per model; a value that is no count is not read."""
    metadata = {
        "unpriced_llm_calls": {"my-ft-model": 2},
        "judge_no_usage_llm_calls": {"gpt-4o-mini": 1},
        "failed_llm_calls": {"gpt-4o-mini": 1, "bad": "3", "flag": True, "negative": -1},
        "no_usage_llm_calls": "not a mapping",
        "judge_failed_llm_calls": {},
        "given_up_llm_calls": [{"model": "gpt-4o", "calls": 3}],
    }
    outcome = DatapointOutcome.from_session(0, "s", metadata)
    assert outcome.unpriced == {
        "unpriced_llm_calls": {"my-ft-model": 2},
        "judge_no_usage_llm_calls": {"gpt-4o-mini": 1},
        "failed_llm_calls": {"gpt-4o-mini": 1},
        "given_up_llm_calls": {"gpt-4o": 3},
    }
    assert DatapointOutcome.from_session(0, "s", {}).unpriced is NO_UNPRICED


@pytest.mark.parametrize(
    ("recorded", "outside"),
    [(3, 3), (0, 0), (None, 0), ("3", 0), (True, 0), (-2, 0), (1.0, 0), ([3], 0)],
)
def test_an_outcome_read_back_from_its_session_keeps_its_jobs_calls_outside_every_datapoint(
    recorded: object, outside: int
) -> None:
    """A whole count only (outside_llm_calls: the job wrote it on one of its sessions)."""
    assert DatapointOutcome.from_session(0, "s", {"outside_llm_calls": recorded}).outside == outside


@pytest.mark.parametrize(
    ("recorded", "outside", "unfinished"),
    [
        ({"outside_llm_calls": 5, "unfinished_llm_calls": 2}, 3, 2),
        ({"outside_llm_calls": 4, "unfinished_llm_calls": 4}, 0, 4),
        ({"outside_llm_calls": 2, "unfinished_llm_calls": 9}, 0, 2),  # never more than the calls in no metric
        ({"outside_llm_calls": 3}, 3, 0),  # a run recorded before they were told apart: all outside
        ({"outside_llm_calls": 3, "unfinished_llm_calls": "2"}, 3, 0),
        ({"outside_llm_calls": 3, "unfinished_llm_calls": True}, 3, 0),
        ({"unfinished_llm_calls": 2}, 0, 0),
    ],
)
def test_an_outcome_read_back_tells_the_datapoints_unfinished_calls_from_those_outside_every_datapoint(
    recorded: dict[str, object], outside: int, unfinished: int
) -> None:
    """outside_llm_calls counts every call in no metric (as a job that does not know unfinished_llm_calls reads it);
    unfinished_llm_calls, how many of them were the datapoints' own, still running when their datapoint was
    recorded."""
    read = DatapointOutcome.from_session(0, "s", recorded)
    assert (read.outside, read.unfinished) == (outside, unfinished)


WHOLE = {"import_llm_calls": 3, "import_input_tokens": 12, "import_output_tokens": 15, "import_cost_usd": 1.08e-05}


@pytest.mark.parametrize(
    ("recorded", "imported"),
    [
        (WHOLE, WHOLE),
        ({**WHOLE, "outside_llm_calls": 1, "cost_usd": 9.0}, WHOLE),  # apart from the outside ones, and the metrics
        ({"import_llm_calls": 2, "import_input_tokens": "12", "import_cost_usd": True}, {"import_llm_calls": 2}),
        ({"import_llm_calls": 2, "import_cost_usd": -1.0}, {"import_llm_calls": 2}),
        ({"import_llm_calls": 0, "import_cost_usd": 0.5}, {}),
        ({"import_llm_calls": 2.0, "import_cost_usd": 0.5}, {}),
        ({"import_llm_calls": True}, {}),
        ({"import_cost_usd": 0.5}, {}),
        ({}, {}),
    ],
)
def test_an_outcome_read_back_from_its_session_keeps_its_jobs_calls_at_import(
    recorded: dict[str, object], imported: dict[str, object]
) -> None:
    """The calls its job's import made (a whole count, then their tokens and cost where they are amounts): apart from
    the calls outside every datapoint, so a job reading the run back judges as its job did."""
    assert DatapointOutcome.from_session(0, "s", recorded).imported == imported


def test_an_outcome_read_back_from_its_session_keeps_every_error_of_an_evaluator_and_reads_an_older_runs_one() -> None:
    """Each evaluator's errors, a list (two metrics of one dict not finite), or an older run's one string each."""
    raised = {"evaluator_errors": {"judge": ["NonFinite: judge", "NonFinite: judge_confidence"], "tone": "KeyError: x"}}
    assert [(f.evaluator, f.error) for f in DatapointOutcome.from_session(0, "s", raised).evaluator_failures] == [
        ("judge", "NonFinite: judge"),
        ("judge", "NonFinite: judge_confidence"),
        ("tone", "KeyError: x"),
    ]
    assert DatapointOutcome.from_session(0, "s", {"evaluator_errors": None, "error": None}).status is OutcomeStatus.OK


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param(
            {"error": "", "evaluator_errors": 0, "unpriced_llm_calls": 0, "replaced_metrics": 0}, id="nothing-now"
        ),
        pytest.param({"error": None, "evaluator_errors": None, "unpriced_llm_calls": None}, id="nothing-earlier"),
        pytest.param({"evaluator_errors": [], "failed_llm_calls": [], "no_usage_llm_calls": {}}, id="empty"),
    ],
)
def test_an_outcome_read_back_from_a_session_with_nothing_to_say_has_no_error(metadata: dict[str, Any]) -> None:
    """What a clean attempt writes over a failed one's ("" and 0: a null may keep the stored value), and what an
    earlier version wrote (null)."""
    outcome = DatapointOutcome.from_session(0, "s", metadata)
    assert (outcome.status, outcome.error, outcome.evaluator_failures, outcome.unpriced, outcome.replaced) == (
        OutcomeStatus.OK,
        None,
        (),
        NO_UNPRICED,
        (),
    )


def test_an_outcome_read_back_from_its_session_reads_the_lists_a_run_writes() -> None:
    """Lists, not objects: a re-run's replace a failed attempt's whole under a deep merge of metadata too."""
    metadata = {
        "evaluator_errors": [
            {"evaluator": "judge", "error": "NonFinite: judge"},
            {"evaluator": "judge", "error": "NonFinite: judge_confidence"},
            {"evaluator": "tone"},
            "not an entry",
        ],
        "unpriced_llm_calls": [{"model": "my-ft-model", "calls": 2}, {"model": "x", "calls": "2"}, {"calls": 1}],
        "replaced_metrics": ["cost_usd"],  # an evaluator's cost_usd: the unpriced calls are not left out of it
        "none_metrics": ["judge_bonus"],  # a dict's key that was None: a name it gives, for the report job too
    }
    outcome = DatapointOutcome.from_session(0, "s", metadata)
    assert outcome.replaced == ("cost_usd",)
    assert outcome.no_metric == {"judge_bonus": NONE_UNDER_KEY}
    assert [(f.evaluator, f.error) for f in outcome.evaluator_failures] == [
        ("judge", "NonFinite: judge"),
        ("judge", "NonFinite: judge_confidence"),
    ]
    assert outcome.unpriced == {"unpriced_llm_calls": {"my-ft-model": 2}}


EXCERPTS = [
    # (rule, text, limit, shown)
    ("at most the limit: whole", "x" * 40, 40, "x" * 40),
    ("empty: whole", "", 40, ""),
    ("one word over the limit: none of it", "x" * 41, 40, "…"),
    (
        "a URL's credentials: none of them, whole or not",
        "https://Zq8xK2mV9pL4wR7tY3nB6cD1qqXYZ123@github.com/o/r",
        40,
        "…",
    ),
    ("a key after a word: the word", "x AIzaSyZq8xK2mV9pL4wR7tY3nB6cD1qqXYZ123a", 40, "x…"),
    (
        "words: those whole within the limit",
        "the quick brown fox jumps over the lazy dog",
        40,
        "the quick brown fox jumps over the lazy…",
    ),
    ("a word ending at the limit: kept", "x" * 40 + " y", 40, "x" * 40 + "…"),
    ("a word ending one past the limit: dropped", "a " + "x" * 39 + " y", 40, "a…"),
    ("whitespace between words: one space", "a\n\tb " + "x" * 40, 40, "a b…"),
    ("another limit", "abc defg", 5, "abc…"),
    ("a short one's line breaks: a space (the message stays one line)", " a\r\n::error::b ", 40, "a ::error::b"),
]


@pytest.mark.parametrize(("rule", "text", "limit", "shown"), EXCERPTS, ids=[case[0] for case in EXCERPTS])
def test_an_excerpt_shows_whole_words_only(rule: str, text: str, limit: int, shown: str) -> None:
    """A message quotes the user's value by whole words: a secret cut short would match none of the report's
    redaction patterns, so a part of one is never shown."""
    assert excerpt(text, limit) == shown


@pytest.mark.parametrize(
    ("items", "most", "sep", "said"),
    [
        (["a", "b", "c", "d", "e"], 3, ", ", "a, b, c and 2 more"),
        (["a; x", "b", "c", "d"], 2, "; ", "a; x; b; and 2 more"),  # items that hold commas: the last one apart too
        (["first", "second"], 1, "; ", "first; and 1 more"),
        (["a", "b", "c"], 3, ", ", "a, b, c"),
        ([f"d{i}" for i in range(1003)], 2, ", ", "d0, d1 and 1,001 more"),
        ([], 3, ", ", ""),
    ],
)
def test_a_list_cut_after_its_first_items_says_how_many_more(items: list[str], most: int, sep: str, said: str) -> None:
    """One way to say it (it was written five ways: " and 2 more", "; and 2 more", " (and 2 more)", "(and 1 more
    problems)")."""
    assert and_more(items, most, sep) == said


@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_the_summarys_json_schema_is_made(mode: str) -> None:
    """It raised KeyError: '#/$defs/DatapointResult' (a reference to a definition pydantic did not make)."""
    from honeyhive_experiment.models import ExperimentResultSummary

    schema = ExperimentResultSummary.model_json_schema(mode=mode)  # type: ignore[arg-type]
    assert schema["properties"]["datapoints"]["type"] == "array"

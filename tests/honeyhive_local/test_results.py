"""Unit tests of the pure result functions in ``honeyhive_local.results``.

Every expected number below is a literal worked out by hand (the working is in the comments),
following the rules in ``honeyhive-api.md`` §3 and the module docstring of ``results.py``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import pytest

from honeyhive_local.results import (
    AGGREGATE_FUNCTIONS,
    EventRecord,
    aggregate,
    compare,
    percentile,
    summarize,
    value_passes,
)

pytestmark = pytest.mark.unit

SESSION_NAME = "experiment-session"
FUNCTION_NAME = "my_function"

# --------------------------------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------------------------------


def session_event(datapoint_id: str | None, session_id: str | None = None) -> EventRecord:
    """The session event of one datapoint's session (its event id is the session id)."""
    sid = session_id or f"s-{datapoint_id}"
    return EventRecord(
        event_id=sid,
        session_id=sid,
        event_type="session",
        event_name=SESSION_NAME,
        datapoint_id=datapoint_id,
    )


def chain_event(
    session_id: str,
    metrics: Mapping[str, Any] | None = None,
    *,
    name: str = FUNCTION_NAME,
    event_id: str | None = None,
    parent_id: str | None = "<session>",
    error: str | None = None,
    event_type: str = "chain",
) -> EventRecord:
    """A chain event (by default the root one, whose parent is the session event)."""
    return EventRecord(
        event_id=event_id or f"{session_id}-{name}",
        session_id=session_id,
        event_type=event_type,
        event_name=name,
        parent_id=session_id if parent_id == "<session>" else parent_id,
        error=error,
        metrics=dict(metrics or {}),
    )


def datapoint(
    datapoint_id: str,
    metrics: Mapping[str, Any] | None = None,
    *,
    name: str = FUNCTION_NAME,
    error: str | None = None,
) -> list[EventRecord]:
    """One datapoint's session: a session event plus a root chain event carrying ``metrics``."""
    sid = f"s-{datapoint_id}"
    return [session_event(datapoint_id, sid), chain_event(sid, metrics, name=name, error=error)]


def run(datapoints: Mapping[str, Mapping[str, Any]], *, name: str = FUNCTION_NAME) -> list[EventRecord]:
    """A run: ``{datapoint_id: {metric: value}}`` → session + chain events for each datapoint."""
    events: list[EventRecord] = []
    for dp, metrics in datapoints.items():
        events.extend(datapoint(dp, metrics, name=name))
    return events


def detail(body: Mapping[str, Any], metric_name: str, event_name: str = FUNCTION_NAME) -> dict[str, Any]:
    """The one metric detail of a summary for ``(metric_name, event_name)``."""
    details: list[dict[str, Any]] = body["metrics"]["details"]
    found = [d for d in details if d["metric_name"] == metric_name and d["event_name"] == event_name]
    assert len(found) == 1, body["metrics"]["details"]
    return found[0]


def compared(body: Mapping[str, Any], metric_name: str, event_name: str = FUNCTION_NAME) -> dict[str, Any]:
    """The one metric entry of a comparison for ``(metric_name, event_name)``."""
    found: list[dict[str, Any]] = [
        m for m in body["metrics"] if m["metric_name"] == metric_name and m["event_name"] == event_name
    ]
    assert len(found) == 1, body["metrics"]
    return found[0]


def datapoint_row(body: Mapping[str, Any], datapoint_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [d for d in body["datapoints"] if d["datapoint_id"] == datapoint_id]
    assert len(found) == 1, body["datapoints"]
    return found[0]


# --------------------------------------------------------------------------------------------------
# EventRecord
# --------------------------------------------------------------------------------------------------


def test_event_record_defaults() -> None:
    event = EventRecord(event_id="e", session_id="s", event_type="chain", event_name="f")
    assert event.datapoint_id is None
    assert event.parent_id is None
    assert event.error is None
    assert dict(event.metrics) == {}


def test_event_record_default_metrics_are_not_shared() -> None:
    a = EventRecord(event_id="a", session_id="s", event_type="chain", event_name="f")
    b = EventRecord(event_id="b", session_id="s", event_type="chain", event_name="f")
    assert a.metrics is not b.metrics


def test_event_record_is_frozen() -> None:
    event = EventRecord(event_id="e", session_id="s", event_type="chain", event_name="f")
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.error = "boom"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------
# aggregate: every function on a concrete list
# --------------------------------------------------------------------------------------------------

# [3, 1, 4, 1, 5, 9, 2, 6]: n = 8, sorted = [1, 1, 2, 3, 4, 5, 6, 9], sum = 31.
#   average = 31 / 8 = 3.875
#   median: position 7 * 0.5  = 3.5  → 3 + 0.5  * (4 - 3) = 3.5
#   p90:    position 7 * 0.9  = 6.3  → 6 + 0.3  * (9 - 6) = 6.9
#   p95:    position 7 * 0.95 = 6.65 → 6 + 0.65 * (9 - 6) = 7.95
#   p99:    position 7 * 0.99 = 6.93 → 6 + 0.93 * (9 - 6) = 8.79
CONCRETE = [3, 1, 4, 1, 5, 9, 2, 6]


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("average", 3.875),
        ("min", 1.0),
        ("max", 9.0),
        ("median", 3.5),
        ("p90", 6.9),
        ("p95", 7.95),
        ("p99", 8.79),
        ("sum", 31.0),
        ("count", 8.0),
    ],
)
def test_aggregate_every_function_on_a_concrete_list(function: str, expected: float) -> None:
    assert aggregate(CONCRETE, function) == pytest.approx(expected)


def test_aggregate_defaults_to_average() -> None:
    # (1 + 2) / 2 = 1.5
    assert aggregate([1, 2]) == pytest.approx(1.5)


def test_aggregate_does_not_need_sorted_input() -> None:
    # sorted [1, 2, 3, 4, 5]: median = position 2 → 3; min 1, max 5
    values = [5, 3, 1, 4, 2]
    assert aggregate(values, "median") == pytest.approx(3.0)
    assert aggregate(values, "min") == pytest.approx(1.0)
    assert aggregate(values, "max") == pytest.approx(5.0)


def test_median_of_even_length_list_interpolates() -> None:
    # [1, 2, 3, 4]: position 3 * 0.5 = 1.5 → 2 + 0.5 * (3 - 2) = 2.5
    assert aggregate([4, 1, 3, 2], "median") == pytest.approx(2.5)


def test_median_of_odd_length_list_is_the_middle_value() -> None:
    # sorted [1, 3, 7]: position 2 * 0.5 = 1 → 3
    assert aggregate([7, 1, 3], "median") == pytest.approx(3.0)


def test_p90_of_one_to_ten_is_9_1() -> None:
    # [1..10]: position 9 * 0.9 = 8.1 → 9 + 0.1 * (10 - 9) = 9.1
    assert aggregate(list(range(1, 11)), "p90") == pytest.approx(9.1)


@pytest.mark.parametrize(
    ("values", "function", "expected"),
    [
        # [10, 20]: position 1 * 0.95 = 0.95 → 10 + 0.95 * 10 = 19.5
        ([10, 20], "p95", 19.5),
        # [10, 20]: position 1 * 0.99 = 0.99 → 10 + 0.99 * 10 = 19.9
        ([10, 20], "p99", 19.9),
        # [1, 2, 3]: position 2 * 0.95 = 1.9 → 2 + 0.9 * 1 = 2.9
        ([3, 1, 2], "p95", 2.9),
        # [1, 2, 3]: position 2 * 0.99 = 1.98 → 2 + 0.98 * 1 = 2.98
        ([3, 1, 2], "p99", 2.98),
        # [1, 2, 3, 4, 5]: position 4 * 0.95 = 3.8 → 4 + 0.8 * 1 = 4.8
        ([1, 2, 3, 4, 5], "p95", 4.8),
        # [1, 2, 3, 4, 5]: position 4 * 0.99 = 3.96 → 4 + 0.96 * 1 = 4.96
        ([1, 2, 3, 4, 5], "p99", 4.96),
        # [0, 100]: position 0.9 → 0 + 0.9 * 100 = 90
        ([100, 0], "p90", 90.0),
    ],
)
def test_high_percentiles_on_small_lists(values: list[float], function: str, expected: float) -> None:
    assert aggregate(values, function) == pytest.approx(expected)


@pytest.mark.parametrize("function", ["average", "min", "max", "median", "p90", "p95", "p99"])
def test_aggregate_of_no_values_is_none(function: str) -> None:
    assert aggregate([], function) is None


def test_count_and_sum_of_no_values_are_zero() -> None:
    count = aggregate([], "count")
    total = aggregate([], "sum")
    assert count == 0
    assert total == 0
    assert count is not None
    assert total is not None


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("average", 4.5),
        ("min", 4.5),
        ("max", 4.5),
        ("median", 4.5),
        ("p90", 4.5),
        ("p95", 4.5),
        ("p99", 4.5),
        ("sum", 4.5),
        ("count", 1.0),
    ],
)
def test_aggregate_of_one_value(function: str, expected: float) -> None:
    assert aggregate([4.5], function) == pytest.approx(expected)


# [True, False, True] as [1, 0, 1]: sum 2, average 2/3, sorted [0, 1, 1]:
#   median position 1 → 1; p90 position 1.8 → 1 + 0.8 * 0 = 1
@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("average", 2 / 3),
        ("min", 0.0),
        ("max", 1.0),
        ("median", 1.0),
        ("p90", 1.0),
        ("sum", 2.0),
        ("count", 3.0),
    ],
)
def test_booleans_count_as_one_and_zero(function: str, expected: float) -> None:
    assert aggregate([True, False, True], function) == pytest.approx(expected)


def test_boolean_median_interpolates_between_zero_and_one() -> None:
    # [False, True] = [0, 1]: position 0.5 → 0.5
    assert aggregate([True, False], "median") == pytest.approx(0.5)


def test_booleans_and_numbers_mix() -> None:
    # [True, 2, 0.5] = [1, 2, 0.5]: sum 3.5, average 3.5 / 3
    assert aggregate([True, 2, 0.5], "sum") == pytest.approx(3.5)
    assert aggregate([True, 2, 0.5], "average") == pytest.approx(3.5 / 3)


@pytest.mark.parametrize(
    ("values", "function", "expected"),
    [
        # all equal: every statistic is the value
        ([2, 2, 2, 2], "median", 2.0),
        ([2, 2, 2, 2], "p99", 2.0),
        ([2, 2, 2, 2], "average", 2.0),
        # sorted [1, 2, 2, 3]: position 1.5 → 2 + 0.5 * 0 = 2
        ([2, 3, 1, 2], "median", 2.0),
        # sorted [1, 5, 5, 5]: position 3 * 0.9 = 2.7 → 5 + 0.7 * 0 = 5
        ([5, 5, 1, 5], "p90", 5.0),
        # sorted [1, 1, 5]: min is 1 (counted once as the value), count 3
        ([1, 5, 1], "min", 1.0),
        ([1, 5, 1], "count", 3.0),
    ],
)
def test_aggregate_with_ties(values: list[float], function: str, expected: float) -> None:
    assert aggregate(values, function) == pytest.approx(expected)


@pytest.mark.parametrize("function", ["mean", "p50", "avg", "", "AVERAGE"])
def test_unknown_aggregate_function_raises(function: str) -> None:
    with pytest.raises(ValueError, match="unknown aggregate function"):
        aggregate([1, 2, 3], function)


def test_unknown_aggregate_function_raises_even_without_values() -> None:
    with pytest.raises(ValueError, match="unknown aggregate function"):
        aggregate([], "mean")


# --------------------------------------------------------------------------------------------------
# percentile (sorted, non-empty input)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sorted_values", "q", "expected"),
    [
        # [1..10], q 0.9: position 8.1 → 9.1
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9, 9.1),
        # [1, 2, 3, 4], q 0.5: position 1.5 → 2.5
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        # [10, 20, 30], q 0.5: position 1 (exact rank) → 20
        ([10.0, 20.0, 30.0], 0.5, 20.0),
        # [10, 20, 30], q 0.25: position 0.5 → 15
        ([10.0, 20.0, 30.0], 0.25, 15.0),
        # q 0 → the smallest, q 1 → the largest
        ([10.0, 20.0, 30.0], 0.0, 10.0),
        ([10.0, 20.0, 30.0], 1.0, 30.0),
        # one value: position 0 for every q
        ([7.0], 0.99, 7.0),
        # negative values: [-4, -2], q 0.5: position 0.5 → -4 + 0.5 * 2 = -3
        ([-4.0, -2.0], 0.5, -3.0),
    ],
)
def test_percentile_linear_interpolation(sorted_values: list[float], q: float, expected: float) -> None:
    assert percentile(sorted_values, q) == pytest.approx(expected)


# --------------------------------------------------------------------------------------------------
# value_passes
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "passing_range", "expected"),
    [
        # min only
        (0.7, {"min": 0.5}, True),
        (0.4, {"min": 0.5}, False),
        (0.5, {"min": 0.5}, True),  # inclusive
        (1e9, {"min": 0.5}, True),
        # max only
        (150, {"max": 200}, True),
        (201, {"max": 200}, False),
        (200, {"max": 200}, True),  # inclusive
        (-1e9, {"max": 200}, True),
        # both
        (0.5, {"min": 0.2, "max": 0.8}, True),
        (0.2, {"min": 0.2, "max": 0.8}, True),  # inclusive low
        (0.8, {"min": 0.2, "max": 0.8}, True),  # inclusive high
        (0.1, {"min": 0.2, "max": 0.8}, False),
        (0.9, {"min": 0.2, "max": 0.8}, False),
        # a degenerate range [3, 3]
        (3, {"min": 3, "max": 3}, True),
        (2.999, {"min": 3, "max": 3}, False),
        # negative bounds
        (-5, {"min": -10, "max": -1}, True),
        (0, {"min": -10, "max": -1}, False),
        # an explicit None bound is no bound
        (-100, {"min": None, "max": 0}, True),
        (100, {"min": 0, "max": None}, True),
        # integers a double cannot hold, compared exactly, not as the float they round to (2**53 + 1 → 2**53)
        (2**53 + 1, {"max": 2**53}, False),
        (2**53 + 1, {"max": float(2**53)}, False),
        (2**53 + 3, {"min": 2**53 + 4}, False),  # 2**53 + 3 rounds up to 2**53 + 4
        (2**53 + 1, {"min": 2**53 + 1, "max": 2**53 + 1}, True),
    ],
)
def test_value_passes_numbers(value: float, passing_range: dict[str, Any], expected: bool) -> None:
    assert value_passes(value, passing_range) is expected


@pytest.mark.parametrize(
    ("value", "passing_range", "expected"),
    [
        (True, {"min": 1}, True),  # 1 >= 1
        (False, {"min": 1}, False),  # 0 < 1
        (True, {"max": 0}, False),  # 1 > 0
        (False, {"max": 0}, True),  # 0 <= 0
        (True, {"min": 0.5, "max": 1}, True),  # 0.5 <= 1 <= 1
        (False, {"min": 0.5, "max": 1}, False),  # 0 < 0.5
        (False, {"min": 0, "max": 0}, True),  # 0 <= 0 <= 0
        (True, {"min": 0, "max": 0.99}, False),  # 1 > 0.99
    ],
)
def test_value_passes_booleans_as_one_and_zero(value: bool, passing_range: dict[str, Any], expected: bool) -> None:
    assert value_passes(value, passing_range) is expected


@pytest.mark.parametrize("value", [0, -1e12, 1e12, True, False, 0.5])
@pytest.mark.parametrize("passing_range", [None, {}])
def test_value_passes_without_range(value: float, passing_range: dict[str, Any] | None) -> None:
    assert value_passes(value, passing_range) is True


# --------------------------------------------------------------------------------------------------
# summarize
# --------------------------------------------------------------------------------------------------

RANGES: dict[str, dict[str, Any]] = {"accuracy": {"min": 0.5}, "latency": {"max": 200}}


def three_datapoints() -> list[EventRecord]:
    # dp1 passes both; dp2 fails accuracy (0.4 < 0.5); dp3 fails latency (300 > 200)
    return run(
        {
            "dp1": {"accuracy": 0.9, "latency": 120},
            "dp2": {"accuracy": 0.4, "latency": 80},
            "dp3": {"accuracy": 0.8, "latency": 300},
        }
    )


def test_summarize_passed_and_failed_datapoints() -> None:
    body = summarize(three_datapoints(), RANGES)
    assert sorted(body["passed"]) == ["dp1"]
    assert sorted(body["failed"]) == ["dp2", "dp3"]
    assert body["success"] is False
    assert "error" not in body


def test_summarize_per_metric_datapoints_and_aggregates() -> None:
    body = summarize(three_datapoints(), RANGES)
    assert [(d["metric_name"], d["event_name"]) for d in body["metrics"]["details"]] == [
        ("accuracy", FUNCTION_NAME),
        ("latency", FUNCTION_NAME),
    ]

    accuracy = detail(body, "accuracy")
    # (0.9 + 0.4 + 0.8) / 3 = 2.1 / 3 = 0.7
    assert accuracy["aggregate"] == pytest.approx(0.7)
    assert accuracy["values"] == [0.9, 0.4, 0.8]
    assert sorted(accuracy["datapoints"]["passed"]) == ["dp1", "dp3"]
    assert sorted(accuracy["datapoints"]["failed"]) == ["dp2"]
    assert accuracy["passing_range"] == {"min": 0.5}
    assert accuracy["event_type"] == "chain"

    latency = detail(body, "latency")
    # (120 + 80 + 300) / 3 = 500 / 3 = 166.666…
    assert latency["aggregate"] == pytest.approx(500 / 3)
    assert latency["values"] == [120, 80, 300]
    assert sorted(latency["datapoints"]["passed"]) == ["dp1", "dp2"]
    assert sorted(latency["datapoints"]["failed"]) == ["dp3"]
    assert latency["passing_range"] == {"max": 200}


def test_summarize_datapoint_rows() -> None:
    body = summarize(three_datapoints(), RANGES)
    assert len(body["datapoints"]) == 3

    dp1 = datapoint_row(body, "dp1")
    assert dp1["session_id"] == "s-dp1"
    assert dp1["passed"] is True
    assert sorted(dp1["metrics"], key=lambda m: m["name"]) == [
        {"name": "accuracy", "event_name": FUNCTION_NAME, "event_type": "chain", "value": 0.9, "passed": True},
        {"name": "latency", "event_name": FUNCTION_NAME, "event_type": "chain", "value": 120, "passed": True},
    ]

    dp2 = datapoint_row(body, "dp2")
    assert dp2["passed"] is False
    assert {m["name"]: m["passed"] for m in dp2["metrics"]} == {"accuracy": False, "latency": True}

    dp3 = datapoint_row(body, "dp3")
    assert dp3["passed"] is False
    assert {m["name"]: m["passed"] for m in dp3["metrics"]} == {"accuracy": True, "latency": False}


def test_summarize_success_when_every_datapoint_passes() -> None:
    events = run({"dp1": {"accuracy": 0.9}, "dp2": {"accuracy": 0.5}})  # 0.5 is on the inclusive bound
    body = summarize(events, {"accuracy": {"min": 0.5}})
    assert body["success"] is True
    assert sorted(body["passed"]) == ["dp1", "dp2"]
    assert body["failed"] == []
    assert "error" not in body


def test_summarize_metrics_without_range_never_fail() -> None:
    # "tokens" has no range, however large or small; "accuracy" passes everywhere
    events = run({"dp1": {"accuracy": 0.9, "tokens": 1_000_000}, "dp2": {"accuracy": 0.6, "tokens": -5}})
    body = summarize(events, {"accuracy": {"min": 0.5}})
    assert body["success"] is True
    assert sorted(body["passed"]) == ["dp1", "dp2"]
    assert body["failed"] == []
    tokens = detail(body, "tokens")
    assert sorted(tokens["datapoints"]["passed"]) == ["dp1", "dp2"]
    assert tokens["datapoints"]["failed"] == []
    assert "passing_range" not in tokens
    # (1_000_000 + -5) / 2 = 499_997.5
    assert tokens["aggregate"] == pytest.approx(499_997.5)


def test_summarize_without_any_ranges_passes_everything() -> None:
    events = run({"dp1": {"accuracy": 0.0}, "dp2": {"correct": False}})
    no_ranges: tuple[dict[str, dict[str, Any]] | None, ...] = (None, {})
    for ranges in no_ranges:
        body = summarize(events, ranges)
        assert body["success"] is True
        assert sorted(body["passed"]) == ["dp1", "dp2"]
        assert body["failed"] == []


def test_summarize_aggregates_per_metric_and_event_name() -> None:
    # the same metric name "score" on two events: the root chain "pipeline" and a child tool "retriever"
    events: list[EventRecord] = []
    for dp, chain_score, tool_score in (("dp1", 1.0, 0.25), ("dp2", 0.5, 0.75)):
        sid = f"s-{dp}"
        events.append(session_event(dp, sid))
        events.append(chain_event(sid, {"score": chain_score}, name="pipeline", event_id=f"{sid}-root"))
        events.append(
            chain_event(sid, {"score": tool_score}, name="retriever", event_type="tool", parent_id=f"{sid}-root")
        )
    body = summarize(events, {"score": {"min": 0.5}})

    assert [(d["metric_name"], d["event_name"]) for d in body["metrics"]["details"]] == [
        ("score", "pipeline"),
        ("score", "retriever"),
    ]
    pipeline = detail(body, "score", "pipeline")
    # (1.0 + 0.5) / 2 = 0.75, both >= 0.5
    assert pipeline["aggregate"] == pytest.approx(0.75)
    assert pipeline["values"] == [1.0, 0.5]
    assert pipeline["event_type"] == "chain"
    assert sorted(pipeline["datapoints"]["passed"]) == ["dp1", "dp2"]
    assert pipeline["datapoints"]["failed"] == []

    retriever = detail(body, "score", "retriever")
    # (0.25 + 0.75) / 2 = 0.5; dp1's 0.25 < 0.5 fails
    assert retriever["aggregate"] == pytest.approx(0.5)
    assert retriever["values"] == [0.25, 0.75]
    assert retriever["event_type"] == "tool"
    assert retriever["datapoints"]["passed"] == ["dp2"]
    assert retriever["datapoints"]["failed"] == ["dp1"]

    # the range is per metric name, so dp1 fails through its retriever score
    assert body["passed"] == ["dp2"]
    assert body["failed"] == ["dp1"]


@pytest.mark.parametrize("root_parent", ["<session>", None])
def test_summarize_root_chain_error_fails_the_datapoint(root_parent: str | None) -> None:
    sid = "s-dp1"
    events = [
        session_event("dp1", sid),
        chain_event(sid, {"accuracy": 0.9}, parent_id=root_parent, error="ZeroDivisionError: division by zero"),
        *datapoint("dp2", {"accuracy": 0.9}),
    ]
    body = summarize(events, {"accuracy": {"min": 0.5}})
    assert body["failed"] == ["dp1"]
    assert body["passed"] == ["dp2"]
    assert body["success"] is False
    dp1 = datapoint_row(body, "dp1")
    assert dp1["passed"] is False
    # the metric value itself is within range
    assert [m["passed"] for m in dp1["metrics"]] == [True]


def test_summarize_root_chain_error_fails_even_without_metrics() -> None:
    sid = "s-dp1"
    events = [session_event("dp1", sid), chain_event(sid, {}, error="boom")]
    body = summarize(events)
    assert body["failed"] == ["dp1"]
    assert body["passed"] == []
    assert body["success"] is False


def test_summarize_child_chain_error_does_not_fail_the_datapoint() -> None:
    sid = "s-dp1"
    events = [
        session_event("dp1", sid),
        chain_event(sid, {"accuracy": 0.9}, event_id="root"),
        chain_event(sid, {}, name="inner_step", event_id="child", parent_id="root", error="handled retry"),
    ]
    body = summarize(events, {"accuracy": {"min": 0.5}})
    assert body["passed"] == ["dp1"]
    assert body["failed"] == []
    assert body["success"] is True
    assert datapoint_row(body, "dp1")["passed"] is True


@pytest.mark.parametrize("event_type", ["tool", "model"])
def test_summarize_error_on_a_root_event_that_is_not_a_chain_does_not_fail(event_type: str) -> None:
    # only the function's own root chain event decides whether the function errored
    sid = "s-dp1"
    events = [
        session_event("dp1", sid),
        chain_event(sid, {"accuracy": 0.9}),
        chain_event(sid, {}, name="side_call", event_type=event_type, error="rate limited"),
    ]
    body = summarize(events, {"accuracy": {"min": 0.5}})
    assert body["passed"] == ["dp1"]
    assert body["failed"] == []
    assert body["success"] is True


def test_summarize_ignores_strings_none_and_non_finite_values() -> None:
    events = run(
        {
            "dp1": {
                "accuracy": 0.9,
                "label": "good",
                "missing": None,
                "nan": math.nan,
                "inf": math.inf,
                "neg_inf": -math.inf,
            },
            "dp2": {"accuracy": "n/a"},
        }
    )
    # ranges that every ignored value would fail if it were counted
    ranges = {name: {"min": 1, "max": 0} for name in ("label", "missing", "nan", "inf", "neg_inf")}
    body = summarize(events, {**ranges, "accuracy": {"min": 0.5}})

    assert [d["metric_name"] for d in body["metrics"]["details"]] == ["accuracy"]
    accuracy = detail(body, "accuracy")
    assert accuracy["values"] == [0.9]
    assert accuracy["aggregate"] == pytest.approx(0.9)
    assert accuracy["datapoints"] == {"passed": ["dp1"], "failed": []}
    assert [m["name"] for m in datapoint_row(body, "dp1")["metrics"]] == ["accuracy"]
    assert datapoint_row(body, "dp2")["metrics"] == []
    assert sorted(body["passed"]) == ["dp1", "dp2"]
    assert body["success"] is True


def test_summarize_boolean_metric_against_range() -> None:
    events = run({"dp1": {"correct": True}, "dp2": {"correct": False}, "dp3": {"correct": True}})
    body = summarize(events, {"correct": {"min": 1}})
    correct = detail(body, "correct")
    # [1, 0, 1] → 2 / 3
    assert correct["aggregate"] == pytest.approx(2 / 3)
    assert correct["values"] == [True, False, True]
    assert sorted(correct["datapoints"]["passed"]) == ["dp1", "dp3"]
    assert correct["datapoints"]["failed"] == ["dp2"]
    assert body["failed"] == ["dp2"]


def test_summarize_without_events_is_not_a_success() -> None:
    body = summarize([])
    assert body["success"] is False
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["passed"] == []
    assert body["failed"] == []
    assert body["datapoints"] == []
    assert body["metrics"]["details"] == []
    assert body["event_details"] == []


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        # values [0.9, 0.4, 0.8]
        ("average", 0.7),
        ("min", 0.4),
        ("max", 0.9),
        ("median", 0.8),  # sorted [0.4, 0.8, 0.9], position 1
        ("sum", 2.1),
        ("count", 3.0),
    ],
)
def test_summarize_echoes_and_applies_the_aggregation_function(function: str, expected: float) -> None:
    body = summarize(three_datapoints(), RANGES, aggregate_function=function)
    assert body["metrics"]["aggregation_function"] == function
    assert detail(body, "accuracy")["aggregate"] == pytest.approx(expected)


def test_summarize_default_aggregation_function_is_average() -> None:
    body = summarize(three_datapoints())
    assert body["metrics"]["aggregation_function"] == "average"
    # latency (120 + 80 + 300) / 3
    assert detail(body, "latency")["aggregate"] == pytest.approx(500 / 3)


def test_summarize_unknown_aggregation_function_raises() -> None:
    with pytest.raises(ValueError, match="unknown aggregate function"):
        summarize(three_datapoints(), aggregate_function="mean")


def test_summarize_event_details() -> None:
    sid = "s-dp1"
    events = [
        session_event("dp1", sid),
        chain_event(sid, {"accuracy": 0.9}, event_id="root"),
        chain_event(sid, {}, name="search", event_type="tool", parent_id="root"),
        chain_event(sid, {}, name="answer", event_type="model", parent_id="root"),
        *datapoint("dp2", {"accuracy": 0.9}),  # repeats (session, chain): listed once
    ]
    body = summarize(events)
    pairs = [(d["event_name"], d["event_type"]) for d in body["event_details"]]
    assert sorted(pairs) == [
        ("answer", "model"),
        (SESSION_NAME, "session"),
        (FUNCTION_NAME, "chain"),
        ("search", "tool"),
    ]
    assert all(set(d) == {"event_name", "event_type"} for d in body["event_details"])


def test_summarize_status_is_echoed() -> None:
    assert summarize(three_datapoints())["status"] == "completed"
    assert summarize(three_datapoints(), status="running")["status"] == "running"


# --------------------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------------------


def test_compare_improved_degraded_same() -> None:
    # old [0.5, 1.0, 0.0, 0.5] → sum 2.0, average 0.5
    # new [1.0, 0.75, 0.0, 0.75] → sum 2.5, average 0.625
    # dp1 0.5→1.0 improved; dp2 1.0→0.75 degraded; dp3 0.0→0.0 same; dp4 0.5→0.75 improved
    # difference 0.625 - 0.5 = 0.125; percentage_change 0.125 / 0.5 * 100 = 25
    old = run({"dp1": {"acc": 0.5}, "dp2": {"acc": 1.0}, "dp3": {"acc": 0.0}, "dp4": {"acc": 0.5}})
    new = run({"dp1": {"acc": 1.0}, "dp2": {"acc": 0.75}, "dp3": {"acc": 0.0}, "dp4": {"acc": 0.75}})
    body = compare(old, new)

    assert sorted(body["commonDatapoints"]) == ["dp1", "dp2", "dp3", "dp4"]
    assert len(body["metrics"]) == 1
    acc = compared(body, "acc")
    assert acc["event_type"] == "chain"
    assert acc["old_aggregate"] == pytest.approx(0.5)
    assert acc["new_aggregate"] == pytest.approx(0.625)
    assert acc["difference"] == pytest.approx(0.125)
    assert acc["percentage_change"] == pytest.approx(25.0)
    assert sorted(acc["improved"]) == ["dp1", "dp4"]
    assert acc["degraded"] == ["dp2"]
    assert acc["same"] == ["dp3"]
    assert acc["improved_count"] == 2
    assert acc["degraded_count"] == 1
    assert acc["same_count"] == 1
    assert acc["found_count"] == 4
    assert acc["old_values"] == [0.5, 1.0, 0.0, 0.5]
    assert acc["new_values"] == [1.0, 0.75, 0.0, 0.75]


def test_compare_booleans_true_is_greater_than_false() -> None:
    # dp1 False→True improved; dp2 True→False degraded; dp3 True→True same; dp4 False→False same
    # old [0, 1, 1, 0] average 0.5; new [1, 0, 1, 0] average 0.5; difference 0; change 0 / 0.5 * 100 = 0
    old = run({"dp1": {"ok": False}, "dp2": {"ok": True}, "dp3": {"ok": True}, "dp4": {"ok": False}})
    new = run({"dp1": {"ok": True}, "dp2": {"ok": False}, "dp3": {"ok": True}, "dp4": {"ok": False}})
    ok = compared(compare(old, new), "ok")
    assert ok["improved"] == ["dp1"]
    assert ok["degraded"] == ["dp2"]
    assert sorted(ok["same"]) == ["dp3", "dp4"]
    assert (ok["improved_count"], ok["degraded_count"], ok["same_count"], ok["found_count"]) == (1, 1, 2, 4)
    assert ok["old_aggregate"] == pytest.approx(0.5)
    assert ok["new_aggregate"] == pytest.approx(0.5)
    assert ok["difference"] == pytest.approx(0.0)
    assert ok["percentage_change"] == pytest.approx(0.0)


def test_compare_old_aggregate_zero_has_no_percentage_change() -> None:
    # old [0.0, 0.0] average 0; new [0.5, 1.0] average 0.75; difference 0.75; change undefined
    old = run({"dp1": {"acc": 0.0}, "dp2": {"acc": 0.0}})
    new = run({"dp1": {"acc": 0.5}, "dp2": {"acc": 1.0}})
    acc = compared(compare(old, new), "acc")
    assert acc["old_aggregate"] == 0
    assert acc["new_aggregate"] == pytest.approx(0.75)
    assert acc["difference"] == pytest.approx(0.75)
    assert acc["percentage_change"] is None
    assert sorted(acc["improved"]) == ["dp1", "dp2"]


def test_compare_old_zero_from_booleans_has_no_percentage_change() -> None:
    # old [False] = 0; new [True] = 1; difference 1; change undefined
    acc = compared(compare(run({"dp1": {"ok": False}}), run({"dp1": {"ok": True}})), "ok")
    assert acc["old_aggregate"] == 0
    assert acc["difference"] == pytest.approx(1.0)
    assert acc["percentage_change"] is None


@pytest.mark.parametrize(
    ("old_value", "new_value", "difference", "change"),
    [
        # -2 → -1: difference +1, 1 / |-2| * 100 = +50 (an improvement reads positive)
        (-2.0, -1.0, 1.0, 50.0),
        # -2 → -3: difference -1, -1 / |-2| * 100 = -50
        (-2.0, -3.0, -1.0, -50.0),
        # -4 → 2: difference 6, 6 / 4 * 100 = 150
        (-4.0, 2.0, 6.0, 150.0),
        # 2 → 1: difference -1, -1 / 2 * 100 = -50
        (2.0, 1.0, -1.0, -50.0),
        # 4 → 5: difference 1, 1 / 4 * 100 = 25
        (4.0, 5.0, 1.0, 25.0),
    ],
)
def test_compare_percentage_change_sign(old_value: float, new_value: float, difference: float, change: float) -> None:
    m = compared(compare(run({"dp1": {"m": old_value}}), run({"dp1": {"m": new_value}})), "m")
    assert m["old_aggregate"] == pytest.approx(old_value)
    assert m["new_aggregate"] == pytest.approx(new_value)
    assert m["difference"] == pytest.approx(difference)
    assert m["percentage_change"] == pytest.approx(change)


def test_compare_metric_only_in_new_run() -> None:
    old = run({"dp1": {"acc": 0.5}})
    new = run({"dp1": {"acc": 0.5, "latency": 100}})
    body = compare(old, new)
    assert [(m["metric_name"], m["event_name"]) for m in body["metrics"]] == [
        ("acc", FUNCTION_NAME),
        ("latency", FUNCTION_NAME),
    ]
    latency = compared(body, "latency")
    assert latency["old_aggregate"] is None
    assert latency["new_aggregate"] == pytest.approx(100.0)
    assert latency["difference"] is None
    assert latency["percentage_change"] is None
    assert (latency["found_count"], latency["improved_count"], latency["degraded_count"], latency["same_count"]) == (
        0,
        0,
        0,
        0,
    )
    assert latency["improved"] == []
    assert latency["degraded"] == []
    assert latency["same"] == []
    assert latency["old_values"] == []
    assert latency["new_values"] == [100]
    # the shared metric still compares
    assert compared(body, "acc")["same"] == ["dp1"]


def test_compare_metric_only_in_old_run() -> None:
    old = run({"dp1": {"acc": 0.5, "legacy": 3}})
    new = run({"dp1": {"acc": 0.5}})
    legacy = compared(compare(old, new), "legacy")
    assert legacy["old_aggregate"] == pytest.approx(3.0)
    assert legacy["new_aggregate"] is None
    assert legacy["difference"] is None
    assert legacy["percentage_change"] is None
    assert (legacy["found_count"], legacy["improved_count"], legacy["degraded_count"], legacy["same_count"]) == (
        0,
        0,
        0,
        0,
    )
    assert legacy["old_values"] == [3]
    assert legacy["new_values"] == []


def test_compare_datapoints_in_only_one_run_are_not_compared() -> None:
    # common: dp1 (0.5 → 0.5, same). dp2 only old, dp3 only new (its 1.0 would be an "improvement").
    # aggregates use each run's own values: old [0.5, 0.5] → 0.5; new [0.5, 1.0] → 0.75
    # difference 0.25; change 0.25 / 0.5 * 100 = 50
    old = run({"dp1": {"acc": 0.5}, "dp2": {"acc": 0.5}})
    new = run({"dp1": {"acc": 0.5}, "dp3": {"acc": 1.0}})
    body = compare(old, new)
    assert body["commonDatapoints"] == ["dp1"]
    acc = compared(body, "acc")
    assert acc["improved"] == []
    assert acc["degraded"] == []
    assert acc["same"] == ["dp1"]
    assert (acc["found_count"], acc["improved_count"], acc["degraded_count"], acc["same_count"]) == (1, 0, 0, 1)
    assert acc["old_aggregate"] == pytest.approx(0.5)
    assert acc["new_aggregate"] == pytest.approx(0.75)
    assert acc["difference"] == pytest.approx(0.25)
    assert acc["percentage_change"] == pytest.approx(50.0)


def test_compare_common_datapoint_missing_the_metric_on_one_side_is_not_counted() -> None:
    # dp1 has "acc" in both; dp2 is common but has "acc" only in the new run
    old = run({"dp1": {"acc": 0.5}, "dp2": {"other": 1}})
    new = run({"dp1": {"acc": 0.25}, "dp2": {"acc": 1.0, "other": 1}})
    body = compare(old, new)
    assert sorted(body["commonDatapoints"]) == ["dp1", "dp2"]
    acc = compared(body, "acc")
    assert acc["degraded"] == ["dp1"]
    assert acc["improved"] == []
    assert acc["same"] == []
    assert acc["found_count"] == 1


def test_compare_no_common_datapoints() -> None:
    body = compare(run({"dp1": {"acc": 0.5}}), run({"dp2": {"acc": 1.0}}))
    assert body["commonDatapoints"] == []
    acc = compared(body, "acc")
    assert (acc["found_count"], acc["improved"], acc["degraded"], acc["same"]) == (0, [], [], [])
    # the aggregates are still each run's own: 0.5 → 1.0, difference 0.5, change 100
    assert acc["difference"] == pytest.approx(0.5)
    assert acc["percentage_change"] == pytest.approx(100.0)


def test_compare_pairs_metrics_on_metric_and_event_name() -> None:
    old = run({"dp1": {"acc": 0.5}}, name="pipeline_v1")
    new = run({"dp1": {"acc": 0.75}}, name="pipeline_v2")
    body = compare(old, new)
    assert body["commonDatapoints"] == ["dp1"]
    assert sorted((m["metric_name"], m["event_name"]) for m in body["metrics"]) == [
        ("acc", "pipeline_v1"),
        ("acc", "pipeline_v2"),
    ]
    v1 = compared(body, "acc", "pipeline_v1")
    assert v1["old_aggregate"] == pytest.approx(0.5)
    assert v1["new_aggregate"] is None
    assert v1["difference"] is None
    assert v1["percentage_change"] is None
    assert (v1["found_count"], v1["improved"], v1["degraded"], v1["same"]) == (0, [], [], [])

    v2 = compared(body, "acc", "pipeline_v2")
    assert v2["old_aggregate"] is None
    assert v2["new_aggregate"] == pytest.approx(0.75)
    assert v2["difference"] is None
    assert v2["percentage_change"] is None
    assert (v2["found_count"], v2["improved"], v2["degraded"], v2["same"]) == (0, [], [], [])

    presence = {(d["event_name"], d["event_type"]): d["presence"] for d in body["event_details"]}
    assert presence == {
        (SESSION_NAME, "session"): "both",
        ("pipeline_v1", "chain"): "old",
        ("pipeline_v2", "chain"): "new",
    }


def test_compare_datapoint_value_is_the_mean_of_its_values() -> None:
    # old dp1 has two "acc" values on the same event: mean (0.25 + 0.75) / 2 = 0.5
    # new dp1 0.5 → same; new dp2 1.0 vs old dp2 mean (1.0 + 0.5) / 2 = 0.75 → improved
    old: list[EventRecord] = []
    for dp, first, second in (("dp1", 0.25, 0.75), ("dp2", 1.0, 0.5)):
        sid = f"s-{dp}"
        old.append(session_event(dp, sid))
        old.append(chain_event(sid, {"acc": first}, event_id=f"{sid}-a"))
        old.append(chain_event(sid, {"acc": second}, event_id=f"{sid}-b"))
    new = run({"dp1": {"acc": 0.5}, "dp2": {"acc": 1.0}})
    acc = compared(compare(old, new), "acc")
    assert acc["same"] == ["dp1"]
    assert acc["improved"] == ["dp2"]
    assert acc["degraded"] == []
    # old aggregate over all four values: (0.25 + 0.75 + 1.0 + 0.5) / 4 = 0.625; new (0.5 + 1.0) / 2 = 0.75
    assert acc["old_values"] == [0.25, 0.75, 1.0, 0.5]
    assert acc["old_aggregate"] == pytest.approx(0.625)
    assert acc["new_aggregate"] == pytest.approx(0.75)
    assert acc["difference"] == pytest.approx(0.125)
    # 0.125 / 0.625 * 100 = 20
    assert acc["percentage_change"] == pytest.approx(20.0)


def test_compare_values_equal_but_for_float_noise_are_the_same() -> None:
    """An evaluator's arithmetic gave 0.1 + 0.2 in the baseline and 0.3 now (5.55e-17 apart): every one of 22
    datapoints degraded, and a ``max_degraded: 0`` gate failed on all of them ("0 / 22 worse")."""
    ids = [f"dp{i}" for i in range(22)]
    old = run({dp: {"score": 0.1 + 0.2} for dp in ids})
    new = run({dp: {"score": 0.3} for dp in ids})
    for before, after in ((old, new), (new, old)):
        score = compared(compare(before, after), "score")
        assert (score["improved_count"], score["degraded_count"], score["same_count"]) == (0, 0, 22)
        assert (score["improved"], score["degraded"], score["same"]) == ([], [], ids)


@pytest.mark.parametrize(
    ("old_value", "new_value", "counted"),
    [
        (0.1 + 0.2, 0.3, "same"),  # 5.55e-17 apart: float noise
        (0.3, 0.1 + 0.2, "same"),
        (1e-13, 0.0, "same"),  # near 0: within abs_tol 1e-12
        (-1e-13, 1e-13, "same"),
        (1e-11, 0.0, "degraded"),  # beyond abs_tol
        (0.0, 1e-11, "improved"),
        (1e6, 1e6 + 1e-4, "same"),  # 1e-10 of the value: within rel_tol 1e-9
        (1e6, 1e6 + 1e-2, "improved"),  # 1e-8 of the value: a change
        (0.5, 0.5000001, "improved"),
        (0.5000001, 0.5, "degraded"),
        (True, False, "degraded"),
        (3, 3, "same"),
    ],
)
def test_compare_counts_a_datapoint_the_same_within_float_noise_only(
    old_value: float, new_value: float, counted: str
) -> None:
    acc = compared(compare(run({"dp1": {"acc": old_value}}), run({"dp1": {"acc": new_value}})), "acc")
    assert {"improved": acc["improved"], "degraded": acc["degraded"], "same": acc["same"]}[counted] == ["dp1"]
    assert acc["improved_count"] + acc["degraded_count"] + acc["same_count"] == 1


BILLIONS = 5_000_000_000  # tokens: 5 more on it are a billionth of it, within the float tolerance


@pytest.mark.parametrize(
    ("old_value", "new_value", "counted"),
    [
        # whole numbers below 2**53: a double holds them and their difference exactly, so any difference is a change
        (BILLIONS, BILLIONS + 5, "improved"),  # 1e-9 of the value: counted the same under rel_tol 1e-9
        (BILLIONS + 5, BILLIONS, "degraded"),
        (BILLIONS, BILLIONS + 1, "improved"),
        (-BILLIONS, -BILLIONS - 5, "degraded"),
        (float(BILLIONS), BILLIONS + 5, "improved"),  # a whole float (5e9 sent as 5000000000.0) is a whole number
        (2**53 - 2, 2**53 - 1, "improved"),  # the largest whole numbers below 2**53
        (10**12, 10**12 + 999, "improved"),  # 9.99e-10 of the value
        (BILLIONS, BILLIONS, "same"),
        (BILLIONS, float(BILLIONS), "same"),
        (0, -0.0, "same"),
        (True, True, "same"),
        # not both whole below 2**53: the float tolerance still applies
        (2**53, 2**53 + 2, "same"),  # at 2**53 a double's neighbours are 2 apart: not held exactly, rounding
        (BILLIONS, BILLIONS + 0.5, "same"),  # 1e-10 of the value, and 5000000000.5 is no whole number
        (3, 3.0000000000000004, "same"),  # 0.1 * 30 in float arithmetic, against 3
        (1e6, 1e6 + 1e-4, "same"),
    ],
)
def test_compare_counts_whole_numbers_the_same_only_when_equal(
    old_value: float, new_value: float, counted: str
) -> None:
    """5,000,000,005 tokens against 5,000,000,000 was "same" (``math.isclose`` with ``rel_tol=1e-9``), so a
    ``max_degraded: 0`` gate on a token count could not see 5 more tokens on a 5e9 datapoint; the client's verdict
    already compares whole aggregates exactly (``verdict._whole``), and the backend's per-datapoint rule now does."""
    tokens = compared(compare(run({"dp1": {"tokens": old_value}}), run({"dp1": {"tokens": new_value}})), "tokens")
    counts = {"improved": tokens["improved"], "degraded": tokens["degraded"], "same": tokens["same"]}
    assert counts == {bucket: ["dp1"] if bucket == counted else [] for bucket in counts}
    assert (tokens["improved_count"], tokens["degraded_count"], tokens["same_count"]) == tuple(
        len(counts[bucket]) for bucket in ("improved", "degraded", "same")
    )


@pytest.mark.parametrize("not_a_value", [None, "5000000005", math.nan, math.inf, -math.inf, [BILLIONS + 5]])
def test_a_whole_number_beside_values_that_are_not_metric_values(not_a_value: Any) -> None:
    """Only numbers and booleans are compared: dp2's value that is no metric value (None, a string, NaN, an
    infinity, a list) is counted nowhere, beside dp1's 5 more tokens on 5e9, which are a change."""
    old = run({"dp1": {"tokens": BILLIONS}, "dp2": {"tokens": BILLIONS + 5}})
    new = run({"dp1": {"tokens": BILLIONS + 5}, "dp2": {"tokens": not_a_value}})
    tokens = compared(compare(old, new), "tokens")
    assert (tokens["improved"], tokens["degraded"], tokens["same"], tokens["found_count"]) == (["dp1"], [], [], 1)
    assert tokens["new_values"] == [BILLIONS + 5]
    assert tokens["difference"] == 2.5  # new 5e9 + 5; old (5e9 + 5e9 + 5) / 2 = 5e9 + 2.5


def test_trial_means_of_whole_numbers_compare_exactly() -> None:
    """With trials a datapoint's value is the mean of its trials': 5e9 and 5e9 + 10 have the mean 5e9 + 5, a whole
    number, against 5e9 in the baseline: improved (it was the same)."""
    old = trials("dp1", {"tokens": BILLIONS}, {"tokens": BILLIONS})
    new = trials("dp1", {"tokens": BILLIONS}, {"tokens": BILLIONS + 10})
    tokens = compared(compare(old, new), "tokens")
    assert (tokens["old_values"], tokens["new_values"]) == ([BILLIONS], [BILLIONS + 5])
    assert (tokens["improved"], tokens["degraded"], tokens["same"]) == (["dp1"], [], [])


def test_compare_ignores_non_metric_values() -> None:
    # strings, None and NaN are not values: only "acc" is compared; dp2's "acc" is a string in the new run
    old = run({"dp1": {"acc": 0.5, "label": "a"}, "dp2": {"acc": 0.5}})
    new = run({"dp1": {"acc": 1.0, "label": "b", "nan": math.nan}, "dp2": {"acc": "error"}})
    body = compare(old, new)
    assert [m["metric_name"] for m in body["metrics"]] == ["acc"]
    acc = compared(body, "acc")
    assert acc["improved"] == ["dp1"]
    assert acc["found_count"] == 1
    assert acc["new_values"] == [1.0]
    # old (0.5 + 0.5) / 2 = 0.5; new 1.0
    assert acc["difference"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("function", "old_agg", "new_agg"),
    [
        # old [1, 3, 8], new [2, 2, 2]
        ("sum", 12.0, 6.0),
        ("max", 8.0, 2.0),
        ("min", 1.0, 2.0),
        ("median", 3.0, 2.0),
        ("count", 3.0, 3.0),
    ],
)
def test_compare_applies_the_aggregation_function(function: str, old_agg: float, new_agg: float) -> None:
    old = run({"dp1": {"m": 1}, "dp2": {"m": 3}, "dp3": {"m": 8}})
    new = run({"dp1": {"m": 2}, "dp2": {"m": 2}, "dp3": {"m": 2}})
    m = compared(compare(old, new, aggregate_function=function), "m")
    assert m["old_aggregate"] == pytest.approx(old_agg)
    assert m["new_aggregate"] == pytest.approx(new_agg)
    assert m["difference"] == pytest.approx(new_agg - old_agg)
    # per-datapoint: dp1 1→2 improved, dp2 3→2 degraded, dp3 8→2 degraded, whatever the function
    assert m["improved"] == ["dp1"]
    assert sorted(m["degraded"]) == ["dp2", "dp3"]


def test_compare_unknown_aggregation_function_raises() -> None:
    with pytest.raises(ValueError, match="unknown aggregate function"):
        compare(run({"dp1": {"m": 1}}), run({"dp1": {"m": 1}}), aggregate_function="mean")


def test_compare_event_details_presence() -> None:
    old_sid, new_sid = "s-old", "s-new"
    old = [
        session_event("dp1", old_sid),
        chain_event(old_sid, {"acc": 0.5}, event_id="old-root"),
        chain_event(old_sid, {}, name="legacy_search", event_type="tool", parent_id="old-root"),
    ]
    new = [
        session_event("dp1", new_sid),
        chain_event(new_sid, {"acc": 0.5}, event_id="new-root"),
        chain_event(new_sid, {}, name="vector_search", event_type="tool", parent_id="new-root"),
        # same name as the old run's chain but a different type: a different event
        chain_event(new_sid, {}, name="legacy_search", event_type="model", parent_id="new-root"),
    ]
    body = compare(old, new)
    assert len(body["event_details"]) == 5
    presence = {(d["event_name"], d["event_type"]): d["presence"] for d in body["event_details"]}
    assert presence == {
        (SESSION_NAME, "session"): "both",
        (FUNCTION_NAME, "chain"): "both",
        ("legacy_search", "tool"): "old",
        ("legacy_search", "model"): "new",
        ("vector_search", "tool"): "new",
    }


def test_compare_empty_runs() -> None:
    body = compare([], [])
    assert body == {"commonDatapoints": [], "metrics": [], "event_details": []}


# --------------------------------------------------------------------------------------------------
# trials: each datapoint's trials reduced first (means), then datapoints aggregated
# --------------------------------------------------------------------------------------------------


def trials(datapoint_id: str, *per_trial: Mapping[str, Any] | None, errored: Sequence[int] = ()) -> list[EventRecord]:
    """A datapoint run once per ``per_trial`` entry: a session (``metadata.trial`` = its index) and a root chain
    event with that trial's metrics (``None``: the function raised on it, as ``errored`` says too)."""
    events: list[EventRecord] = []
    for trial, metrics in enumerate(per_trial):
        sid = f"s-{datapoint_id}-{trial}"
        events.append(dataclasses.replace(session_event(datapoint_id, sid), trial=trial))
        error = "RuntimeError: boom" if metrics is None or trial in errored else None
        events.append(chain_event(sid, metrics, error=error))
    return events


def trial_run() -> list[EventRecord]:
    # dp1: 0.0 / 1.0 / 0.5 → mean 0.5 (fails min 0.6), trials pass F T F: flaky; dp2: 1.0 three times: passes, steady
    return [
        *trials("dp1", {"accuracy": 0.0}, {"accuracy": 1.0}, {"accuracy": 0.5}),
        *trials("dp2", {"accuracy": 1.0}, {"accuracy": 1.0}, {"accuracy": 1.0}),
    ]


def test_trial_means_equal_but_for_float_noise_compare_the_same() -> None:
    # dp1: mean of 0.1 and 0.2 is 0.15000000000000002, against 0.15 from two trials of 0.15: the same
    old = trials("dp1", {"acc": 0.1}, {"acc": 0.2})
    new = trials("dp1", {"acc": 0.15}, {"acc": 0.15})
    acc = compared(compare(old, new), "acc")
    assert (acc["old_values"], acc["new_values"]) == ([0.15000000000000002], [0.15])
    assert (acc["improved"], acc["degraded"], acc["same"]) == ([], [], ["dp1"])


def test_trials_are_reduced_to_a_mean_per_datapoint_before_aggregating() -> None:
    body = summarize(trial_run(), {"accuracy": {"min": 0.6}})
    assert (body["passed"], body["failed"], body["flaky"], body["trials"]) == (["dp2"], ["dp1"], ["dp1"], 3)
    accuracy = detail(body, "accuracy")
    assert accuracy["values"] == [0.5, 1.0]  # one value per datapoint: the mean of its trials
    assert accuracy["aggregate"] == 0.75
    assert accuracy["datapoints"] == {"passed": ["dp2"], "failed": ["dp1"]}
    assert accuracy["spread"] == pytest.approx((math.sqrt(1 / 6) + 0.0) / 2)  # std of 0, 1, 0.5 is sqrt(1/6)
    row = datapoint_row(body, "dp1")
    assert (row["session_id"], row["trials"], row["trials_passed"], row["passed"]) == ("s-dp1-0", 3, 1, False)
    assert row["metrics"] == [
        {"name": "accuracy", "event_name": FUNCTION_NAME, "event_type": "chain", "value": 0.5, "passed": False}
    ]


@pytest.mark.parametrize(
    ("per_trial", "errored", "passed", "flaky", "trials_passed"),
    [
        ([{"a": 1.0}, {"a": 1.0}], (), True, False, 2),
        ([{"a": 1.0}, {"a": 0.0}], (), False, True, 1),  # mean 0.5 < 0.6: fails; its trials disagree
        ([{"a": 1.0}, {"a": 0.4}], (), True, True, 1),  # mean 0.7 passes, though one trial failed: still flaky
        ([{"a": 1.0}, None], (), False, True, 1),  # a trial whose function raised: the datapoint fails
        ([{"a": 1.0}, {"a": 1.0}], (1,), False, True, 1),  # raised after scoring: an error all the same
        ([None, None], (), False, False, 0),  # every trial raised: failed, and not flaky
        ([{"a": True}, {"a": False}, {"a": True}], (), True, True, 2),  # booleans: a pass rate of 2/3
    ],
)
def test_a_datapoints_pass_fail_and_flakiness_over_its_trials(
    per_trial: list[dict[str, Any] | None], errored: tuple[int, ...], passed: bool, flaky: bool, trials_passed: int
) -> None:
    body = summarize(trials("dp", *per_trial, errored=errored), {"a": {"min": 0.6}})
    row = datapoint_row(body, "dp")
    assert (row["passed"], "dp" in body["flaky"], row["trials_passed"]) == (passed, flaky, trials_passed)


def test_a_metric_only_some_trials_produced_is_the_mean_of_those() -> None:
    body = summarize(trials("dp", {"a": 0.2, "b": 1.0}, {"a": 0.4}), None)
    assert (detail(body, "a")["values"], detail(body, "b")["values"]) == ([pytest.approx(0.3)], [1.0])
    assert detail(body, "b")["spread"] == 0.0


def test_without_trials_the_summary_is_unchanged() -> None:
    events = run({"dp1": {"accuracy": 0.9}, "dp2": {"accuracy": 0.4}})
    body = summarize(events, RANGES)
    assert "trials" not in body
    assert "flaky" not in body
    assert "spread" not in detail(body, "accuracy")


def two_values_of_a(sid: str) -> list[EventRecord]:
    """A session's function called twice: two chain events, each with a value of ``a`` (0.2, then 0.8)."""
    return [
        chain_event(sid, {"a": 0.2, "ok": True, "n": 120}, event_id=f"{sid}-1"),
        chain_event(sid, {"a": 0.8}, event_id=f"{sid}-2"),
    ]


def test_without_trials_every_value_stands_alone() -> None:
    # Not the trials path with K = 1 (which would reduce dp1's a to 0.5 and pass it): each value is its own row and
    # its own check (0.2 < 0.5 fails dp1), values are listed in arrival order (dp2's event came first) and kept as
    # sent (True, 120: not 1.0, 120.0)
    events = [
        session_event("dp1", "s-dp1"),
        session_event("dp2", "s-dp2"),
        chain_event("s-dp2", {"a": 0.6}),
        *two_values_of_a("s-dp1"),
    ]
    body = summarize(events, {"a": {"min": 0.5}})
    assert (body["passed"], body["failed"]) == (["dp2"], ["dp1"])
    assert detail(body, "a")["values"] == [0.6, 0.2, 0.8]
    assert detail(body, "a")["datapoints"] == {"passed": ["dp2"], "failed": ["dp1"]}
    rows = datapoint_row(body, "dp1")["metrics"]
    assert [(m["name"], m["value"], m["passed"]) for m in rows] == [
        ("a", 0.2, False),
        ("ok", True, True),
        ("n", 120, True),
        ("a", 0.8, True),
    ]
    assert [type(m["value"]) for m in rows] == [float, bool, int, float]
    assert [type(v) for v in detail(body, "ok")["values"] + detail(body, "n")["values"]] == [bool, int]
    assert set(datapoint_row(body, "dp1")) == {"datapoint_id", "session_id", "passed", "metrics"}


def test_with_trials_a_datapoints_values_are_reduced_rank_by_rank() -> None:
    # the same session as trial 0, with a trial 1 of 0.5: dp1's a is reduced to its longest trial's two values, the
    # mean of each trial's smallest, (0.2 + 0.5) / 2 = 0.35, and of each one's largest, (0.8 + 0.5) / 2 = 0.65; each
    # is a row and a check of its own (0.35 < 0.5 fails dp1), and a value. ok and n, of trial 0 alone, are as sent
    # (true, 120). Trial 0 fails on its 0.2 as K = 1 would, trial 1 passes: flaky. (It was the mean of each trial's
    # mean, 0.5, which passed.)
    events = [
        dataclasses.replace(session_event("dp1", "s-dp1-0"), trial=0),
        *two_values_of_a("s-dp1-0"),
        dataclasses.replace(session_event("dp1", "s-dp1-1"), trial=1),
        chain_event("s-dp1-1", {"a": 0.5}),
        *trials("dp2", {"a": 0.6}, {"a": 0.6}),
    ]
    body = summarize(events, {"a": {"min": 0.5}})
    assert (body["passed"], body["failed"], body["flaky"]) == (["dp2"], ["dp1"], ["dp1"])
    assert detail(body, "a")["values"] == [pytest.approx(0.35), pytest.approx(0.65), 0.6]
    assert detail(body, "a")["datapoints"] == {"passed": ["dp2"], "failed": ["dp1"]}
    row = datapoint_row(body, "dp1")
    assert (row["trials"], row["trials_passed"]) == (2, 1)
    assert [(m["name"], m["value"], m["passed"]) for m in row["metrics"]] == [
        ("a", pytest.approx(0.35), False),
        ("a", pytest.approx(0.65), True),
        ("ok", 1.0, True),
        ("n", 120.0, True),
    ]
    assert [type(m["value"]) for m in row["metrics"]] == [float, float, bool, int]


def test_with_trials_one_metric_under_two_event_types_is_one_metric_as_compare_counts_it() -> None:
    # a metric is (metric name, event name): the same span name as a chain and as a tool gives one metric, so with
    # trials a datapoint's values of it are reduced together (trial 0: 0.2 and 0.8, trial 1: 0.3; dp1 is
    # (0.2 + 0.3) / 2 = 0.25 < 0.5, failed, and (0.8 + 0.3) / 2 = 0.55), listed once, as compare counts it; the rows'
    # event type is the one the metric was first seen with
    events = []
    for trial, values in enumerate(((0.2, 0.8), (0.3,))):
        sid = f"s-dp1-{trial}"
        events.append(dataclasses.replace(session_event("dp1", sid), trial=trial))
        for n, (value, event_type) in enumerate(zip(values, ("chain", "tool"), strict=False)):
            events.append(chain_event(sid, {"a": value}, event_id=f"{sid}-{n}", event_type=event_type))
    body = summarize(events, {"a": {"min": 0.5}})
    assert (body["passed"], body["failed"]) == ([], ["dp1"])
    a = detail(body, "a")
    assert (a["values"], a["event_type"]) == ([pytest.approx(0.25), pytest.approx(0.55)], "chain")
    assert a["datapoints"] == {"passed": [], "failed": ["dp1"]}
    rows = datapoint_row(body, "dp1")["metrics"]
    assert [(m["name"], m["event_type"], m["passed"]) for m in rows] == [("a", "chain", False), ("a", "chain", True)]
    assert [m["value"] for m in rows] == a["values"]
    assert compared(compare(events, events), "a")["new_values"] == a["values"]


def test_a_comparison_with_trials_counts_datapoints_on_their_means() -> None:
    old = [*trials("dp1", {"a": 0.5}), *trials("dp2", {"a": 0.5}), *trials("dp3", {"a": 0.5})]
    new = [
        *trials("dp1", {"a": 0.9}, {"a": 0.9}, {"a": 0.0}),  # mean 0.6: improved
        *trials("dp2", {"a": 0.0}, {"a": 0.0}, {"a": 0.6}),  # mean 0.2: degraded
        *trials("dp3", {"a": 0.5}, {"a": 0.5}, {"a": 0.5}),  # same
    ]
    body = compare(old, new)
    a = compared(body, "a")
    assert (a["improved"], a["degraded"], a["same"]) == (["dp1"], ["dp2"], ["dp3"])
    assert a["new_values"] == [pytest.approx(0.6), pytest.approx(0.2), 0.5]  # one per datapoint
    assert a["new_aggregate"] == pytest.approx(1.3 / 3)
    assert a["old_values"] == [0.5, 0.5, 0.5]


def test_a_comparison_with_trials_counts_a_datapoint_on_the_values_it_reports() -> None:
    # trial 0 has three values (0, 0, 1), trial 1 one (0.5): dp1's values are (0 + 0.5) / 2, (0 + 0.5) / 2 and
    # (1 + 0.5) / 2, whose mean (1/3 + 0.5) / 2 = 0.42 > 0.4 is improved, as its new values say; pooling the four
    # values instead, (0 + 0 + 1 + 0.5) / 4 = 0.375, called it degraded
    old = [*trials("dp1", {"a": 0.4}, {"a": 0.4})]
    new = [
        dataclasses.replace(session_event("dp1", "s-0"), trial=0),
        chain_event("s-0", {"a": 0.0}, event_id="e1"),
        chain_event("s-0", {"a": 0.0}, event_id="e2"),
        chain_event("s-0", {"a": 1.0}, event_id="e3"),
        dataclasses.replace(session_event("dp1", "s-1"), trial=1),
        chain_event("s-1", {"a": 0.5}),
    ]
    a = compared(compare(old, new), "a")
    assert a["new_values"] == [0.25, 0.25, 0.75]
    assert a["new_aggregate"] == pytest.approx((1 / 3 + 0.5) / 2)
    assert (a["improved"], a["degraded"], a["same"]) == (["dp1"], [], [])


@pytest.mark.parametrize(
    ("values", "spread"),
    [
        ((1e200, 0.0), 5e199),
        ((1.7e308, -1.7e308), 1.7e308),  # each square, or their sum, overflowed: the spread was said as 0.0
        ((1.7e308, -1.7e308, -1.7e308), 1.7e308 / 3 * math.sqrt(8)),  # a deviation of 2.27e308 itself overflowed
    ],
)
def test_trials_far_apart_have_a_finite_spread(values: tuple[float, ...], spread: float) -> None:
    body = summarize(trials("dp", *({"a": v} for v in values)), None)
    assert detail(body, "a")["spread"] == pytest.approx(spread)


@pytest.mark.parametrize("value", [0.1, 0.2, 0.4, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("k", [2, 3, 6, 9])
def test_identical_trials_have_their_value_as_mean_exactly(value: float, k: int) -> None:
    # fsum / n gave 0.6999999999999998 for three 0.7s: failed at min 0.7, "degraded" against a baseline of 0.7
    events = trials("dp", *[{"a": value}] * k)
    body = summarize(events, {"a": {"min": value, "max": value}})
    assert (body["passed"], detail(body, "a")["values"], detail(body, "a")["spread"]) == (["dp"], [value], 0.0)
    a = compared(compare([*trials("dp", {"a": value})], events), "a")
    assert (a["improved"], a["degraded"], a["same"]) == ([], [], ["dp"])


def repeated(values_of_a: Mapping[str, Sequence[Any]], k: int) -> list[EventRecord]:
    """Each datapoint's function run ``k`` times alike (``k = 1``: without trials), each run recording the
    datapoint's values of ``a``, one chain event each (two spans of one name, each enriched with it)."""
    events: list[EventRecord] = []
    for dp, values in values_of_a.items():
        for trial in range(k):
            sid = f"s-{dp}-{trial}"
            events.append(dataclasses.replace(session_event(dp, sid), trial=trial if k > 1 else None))
            events.extend(chain_event(sid, {"a": v}, event_id=f"{sid}-{n}") for n, v in enumerate(values))
    return events


def trials_of_one(per_trial: tuple[list[Any], ...]) -> list[Any]:
    """The events of datapoint ``dp`` run once per trial, trial ``i`` recording metric ``a`` once per value of
    ``per_trial[i]``."""
    events: list[Any] = []
    for trial, values in enumerate(per_trial):
        sid = f"s-dp-{trial}"
        events.append(dataclasses.replace(session_event("dp", sid), trial=trial))
        events.extend(chain_event(sid, {"a": v}, event_id=f"{sid}-{n}") for n, v in enumerate(values))
    return events


@pytest.mark.parametrize(
    ("per_trial", "reduced"),
    [
        (([0.2], [0.4]), [0.3]),  # one value per trial: their mean, as before
        (([0.8, 0.2], [0.2, 0.8]), [0.2, 0.8]),  # alike (in any order): one trial's values
        (([0.2, 0.8], [0.5]), [0.35, 0.65]),  # the shorter trial's one value is at every rank
        (([0.0, 0.5, 1.0], [0.2, 0.4]), [0.1, 0.45, 0.7]),  # ranks 0, 1, 2 of 3 are ranks 0, 1, 1 of 2
        (([True, False], [True, True]), [0.5, 1.0]),
    ],
)
def test_a_datapoints_trials_are_reduced_to_as_many_values_as_its_longest(
    per_trial: tuple[list[Any], ...], reduced: list[float]
) -> None:
    events = trials_of_one(per_trial)
    assert detail(summarize(events, None), "a")["values"] == [pytest.approx(v) for v in reduced]


@pytest.mark.parametrize("function", AGGREGATE_FUNCTIONS)
@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize(
    ("values_of_a", "passing_range"),
    [
        # audit66 F1: with trials dp1 was reduced to the mean 0.5 and passed, the average moved 0.667 → 0.75
        ({"dp1": [0.2, 0.8], "dp2": [1.0]}, {"min": 0.5}),
        ({"dp1": [0.9, 0.1, 0.5], "dp2": [0.3], "dp3": [0.7, 0.7]}, {"min": 0.2, "max": 0.8}),
        ({"dp1": [0.4, 0.9], "dp2": [0.6, 0.1, 0.7]}, {"max": 0.8}),
        ({"dp1": [True, False, True], "dp2": [False], "dp3": [True, True]}, {"min": 0.5}),
        ({"dp1": [0.1, 0.2, 0.7], "dp2": [0.3, 0.3]}, {"min": 0.1, "max": 0.7}),
    ],
)
def test_identical_trials_of_several_values_summarise_and_compare_as_one_run(
    values_of_a: dict[str, list[Any]], passing_range: dict[str, float], k: int, function: str
) -> None:
    # Trials only average noise away: K alike give K = 1's pass/fail, rows, values and aggregate, and no change
    once, alike = repeated(values_of_a, 1), repeated(values_of_a, k)
    expected, got = summarize(once, {"a": passing_range}, function), summarize(alike, {"a": passing_range}, function)
    assert (got["passed"], got["failed"], got["flaky"]) == (expected["passed"], expected["failed"], [])
    assert detail(got, "a")["aggregate"] == detail(expected, "a")["aggregate"]
    assert detail(got, "a")["datapoints"] == detail(expected, "a")["datapoints"]
    assert sorted(detail(got, "a")["values"]) == sorted(detail(expected, "a")["values"])
    for dp in values_of_a:
        once_row, row = datapoint_row(expected, dp), datapoint_row(got, dp)
        assert sorted((m["value"], m["passed"]) for m in row["metrics"]) == sorted(
            (m["value"], m["passed"]) for m in once_row["metrics"]
        )
        assert row["trials_passed"] == (k if once_row["passed"] else 0)
    for old, new in ((once, alike), (alike, once)):
        a = compared(compare(old, new, function), "a")
        assert (a["difference"], a["improved"], a["degraded"], a["same"]) == (0.0, [], [], list(values_of_a))


BIG = 2**53  # past it a double does not hold every integer: 2**53 + 1 is sent as an int, rounded to 2**53 as a float


@pytest.mark.parametrize(
    ("per_trial", "passing_range", "rows"),
    [
        # alike: K = 1's row exactly, the value as sent and checked as it is (audit68 F4: reduced to the float 2**53,
        # it passed max 2**53, where K = 1 fails, and trials_passed said 0 of the passed datapoint)
        (([BIG + 1], [BIG + 1]), {"max": BIG}, [(BIG + 1, False)]),
        (([BIG + 1], [BIG + 1], [BIG + 1]), {"min": BIG + 1}, [(BIG + 1, True)]),
        (([True], [True]), {"min": 1}, [(True, True)]),
        (([7, BIG + 3], [BIG + 3, 7]), {"max": BIG + 2}, [(7, True), (BIG + 3, False)]),
        # means of integers exact: BIG + 1/2 is above max BIG (its float, BIG, is not); BIG + 2 sent as an int
        (([BIG], [BIG + 1]), {"max": BIG}, [(float(BIG), False)]),
        (([BIG + 1], [BIG + 3]), {"max": BIG + 2}, [(BIG + 2, True)]),
        (([BIG + 1], [BIG + 3]), {"max": BIG + 1}, [(BIG + 2, False)]),
        (([1], [2]), {"min": 1.5}, [(1.5, True)]),
        (([True], [False]), {"min": 0.5}, [(0.5, True)]),
        (([0.5], [1]), {"min": 0.75}, [(0.75, True)]),  # a float among them: the float mean, as before
        # a mean of integers against a float bound as written (audit71 #1: 4 of 5 trials true is 4/5, below the double
        # 0.8, so it failed min 0.8 while its row showed 0.8; before b53-trials it passed)
        (([True], [True], [True], [True], [False]), {"min": 0.8}, [(0.8, True)]),
        (([True], [True], [True], [True], [False]), {"max": 0.8}, [(0.8, True)]),
        (([1], [0], [0], [0], [0]), {"min": 0.2, "max": 0.2}, [(0.2, True)]),
        (([True], [True], [True], [False], [False]), {"min": 0.6000000000000001}, [(0.6, False)]),
        (([1], [2]), {"max": math.inf, "min": -math.inf}, [(1.5, True)]),
    ],
)
def test_trials_of_integers_are_reduced_exactly(
    per_trial: tuple[list[Any], ...], passing_range: dict[str, Any], rows: list[tuple[Any, bool]]
) -> None:
    events = trials_of_one(per_trial)
    body = summarize(events, {"a": passing_range})
    row = datapoint_row(body, "dp")
    assert [(m["value"], type(m["value"]), m["passed"]) for m in row["metrics"]] == [
        (value, type(value), passed) for value, passed in rows
    ]
    passed = all(ok for _, ok in rows)
    assert (row["passed"], body["passed" if passed else "failed"]) == (passed, ["dp"])
    assert detail(body, "a")["values"] == [value for value, _ in rows]
    if len({tuple(sorted(values)) for values in per_trial}) == 1:  # alike: as K = 1; its trials pass or fail as it
        once = summarize(events[: 1 + len(per_trial[0])], {"a": passing_range})
        assert row["metrics"] == datapoint_row(once, "dp")["metrics"]
        assert row["trials_passed"] == (len(per_trial) if passed else 0)


@pytest.mark.parametrize(
    ("values", "function", "expected"),
    [
        ([1e308, 1e308, -1e308], "sum", 1e308),  # an intermediate sum beyond a double; the sum is not (was None)
        ([1e308, 1e308, -1e308], "average", 1e308 / 3),
        ([1e308, 1e308], "sum", None),  # the sum itself beyond a double
        ([1e308, 1e308, math.inf], "sum", None),  # an infinity, and an intermediate sum beyond a double
        ([1e308, 1e308], "average", 1e308),
        ([0.1, 0.2, 0.4], "average", float(sum(map(Fraction, (0.1, 0.2, 0.4))) / 3)),  # correctly rounded
    ],
)
def test_sums_and_means_of_large_values_are_exact(values: list[float], function: str, expected: float | None) -> None:
    assert aggregate(values, function) == expected

"""``results.check_ranges_applied``: a summary that passed a datapoint whose value lies outside the run's passing
range was not judged by that range (the contract leaves pass/fail to the backend and need not echo the range), so
it cannot decide the check: an error naming the datapoint, never a pass (audit65 F1)."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_experiment.errors import ExperimentError
from honeyhive_experiment.models import ExperimentResultSummary, MetricDetail
from honeyhive_experiment.results import check_ranges_applied

pytestmark = pytest.mark.unit


def _summary(rows: list[tuple[str, bool | None, Any]], *, listed: list[str] | None = None) -> ExperimentResultSummary:
    """Rows of ``(id, passed, recall value)``; ``listed``: the top-level passed list (else the rows passed)."""
    passed = [i for i, ok, _ in rows if ok] if listed is None else listed
    return ExperimentResultSummary.model_validate(
        {
            "run_id": "run-1",
            "status": "completed",
            "success": True,
            "passed": passed,
            "failed": [i for i, ok, _ in rows if ok is False],
            "metrics": {"details": []},
            "datapoints": [
                {"datapoint_id": i, "session_id": f"s-{i}", "passed": ok, "metrics": [{"name": "recall", "value": v}]}
                for i, ok, v in rows
            ],
        }
    )


@pytest.mark.parametrize(
    ("rows", "bounds", "listed", "refused"),
    [
        # the backend's pass agrees with the range, or says nothing either way: judged as it says
        ([("a", True, 0.7), ("b", False, 0.2)], {"min": 0.5}, None, None),
        ([("a", True, 0.5)], {"min": 0.5}, None, None),  # on the bound: inside
        ([("a", True, 0.1 + 0.2)], {"max": 0.3}, None, None),  # float noise over a bound: inside
        ([("a", True, True)], {"min": 1}, None, None),  # a bool as 1
        ([("a", True, "PASS")], {"min": 0.5}, None, None),  # a string: no value the range applies to
        ([("a", True, None)], {"min": 0.5}, None, None),
        ([("a", True, 0.2)], None, None, None),  # no range on the metric
        ([("a", False, 0.2)], {"min": 0.5}, None, None),  # failed by it: applied
        ([("a", None, 0.2)], {"min": 0.5}, [], None),  # no pass said, and not in the passed list
        # passed outside its range: not judged by it
        ([("a", True, 0.2)], {"min": 0.5}, None, "datapoint a, whose recall is 0.2, outside its range (≥ 0.5)"),
        ([("a", True, 7)], {"max": 5}, None, "datapoint a, whose recall is 7, outside its range (≤ 5)"),
        ([("a", True, False)], {"min": 1}, None, "datapoint a, whose recall is 0, outside its range (≥ 1)"),
        (
            [("a", None, 2.5)],
            {"min": 0, "max": 1},
            ["a"],
            "datapoint a, whose recall is 2.5, outside its range (0 – 1)",
        ),
        (  # the bound as it reads in the report's table (format_range), not rounded to 6 digits (0.123457)
            [("a", True, 0.1)],
            {"min": 0.1234567},
            None,
            "datapoint a, whose recall is 0.1, outside its range (≥ 0.1234567)",
        ),
        (
            [("a", True, 0.1), ("b", True, 0.2)],
            {"min": 0.5},
            None,
            "recall is 0.1, outside its range (≥ 0.5) (and 1 more",
        ),
        ([("a", True, 10**400)], {"min": 0.5}, None, None),  # past the largest float, inside
        ([("a", True, 10**400)], {"max": 1}, None, "datapoint a, whose recall is a large integer, outside its range"),
        # the value never rounded onto its side of the bound it broke (audit75 F6)
        (
            [("a", True, 0.1234566)],
            {"min": 0.1234567},
            None,
            "whose recall is 0.123, outside its range (≥ 0.1234567)",
        ),
        ([("a", True, 100000.2)], {"max": 100000.1}, None, "whose recall is 100000.2, outside its range (≤ 100000.1)"),
        ([("a", True, 2**53 + 1)], {"max": 2**53}, None, None),  # one past 2**53: within float noise of it
    ],
)
def test_a_pass_outside_the_runs_range_is_refused(
    rows: list[tuple[str, bool | None, Any]],
    bounds: dict[str, float] | None,
    listed: list[str] | None,
    refused: str | None,
) -> None:
    summary = _summary(rows, listed=listed)
    ranges = {"recall": bounds} if bounds else {}
    if refused is None:
        check_ranges_applied(summary, ranges, "run-1")
        return
    with pytest.raises(ExperimentError) as raised:
        check_ranges_applied(summary, ranges, "run-1")
    assert refused in str(raised.value)
    assert "run-1" in str(raised.value)
    assert raised.value.run_id == "run-1"
    assert "did not judge the run by the passing ranges" in str(raised.value)


def test_the_range_the_backend_reports_is_the_one_its_pass_is_held_to() -> None:
    """``view`` judges a run by the ranges the backend reports for it, whatever the file says now (audit68 F1: a
    file's ``max: 1`` made a run recorded under ``max: 1000`` an error): the reported range wins; without one, the
    given (the run's) range stands."""
    reported = _summary([("a", True, 18)])
    detail = {"metric_name": "recall", "aggregate": 18, "passing_range": {"max": 1000}}
    reported.metrics.details.append(MetricDetail.model_validate(detail))
    check_ranges_applied(reported, {"recall": {"max": 1}}, "run-1")
    with pytest.raises(ExperimentError, match="whose recall is 18, outside its range"):
        check_ranges_applied(_summary([("a", True, 18)]), {"recall": {"max": 1}}, "run-1")

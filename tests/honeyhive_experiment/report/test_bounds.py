"""A number shown beside the bound it is judged against reads on the side of it that it is on, in every output
(audit F2-F4): a failed datapoint's value never rounded into the passing range it failed, a range's bound never
rounded to another, a change never rounded onto or inside a gate it crossed, nor past one it held, and with trials
a boolean metric's datapoint in percent as its aggregate and range are."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_experiment.config import MetricConfig, PassingRangeConfig
from honeyhive_experiment.report import build_report, render_html
from honeyhive_experiment.verdict import Decision, Verdict
from tests.honeyhive_experiment.report.scenarios import (
    base_input,
    datapoint,
    detail,
    render_comment,
    render_terminal,
    report_json,
    summary_of,
)

pytestmark = pytest.mark.unit

IDS = ["EXT-a", "EXT-b", "EXT-c"]
FAILED = Decision(Verdict.FAIL, ("2 datapoint(s) failed their passing ranges or errored",))


def ranged() -> Any:
    """score failed min 0.5 with 0.4996 (.2f), rate failed min 0.8 with 0.7996 (.0%), tiny passed min 0.004."""
    body = {
        "status": "completed",
        "success": False,
        "passed": ["EXT-c"],
        "failed": ["EXT-a", "EXT-b"],
        "metrics": {
            "aggregation_function": "average",
            "details": [
                detail("score", 0.6, [0.4996, 0.7, 0.6], failed=["EXT-a"], passing_range={"min": 0.5}, ids=IDS),
                detail("rate", 0.9, [0.9, 0.7996, 1.0], failed=["EXT-b"], passing_range={"min": 0.8}, ids=IDS),
                detail("tiny", 0.0045, [0.0045, 0.0045, 0.0045], passing_range={"min": 0.004}, ids=IDS),
            ],
        },
        "datapoints": [
            datapoint("EXT-a", False, {"score": 0.4996, "rate": 0.9, "tiny": 0.0045}, failing=["score"]),
            datapoint("EXT-b", False, {"score": 0.7, "rate": 0.7996, "tiny": 0.0045}, failing=["rate"]),
            datapoint("EXT-c", True, {"score": 0.6, "rate": 1.0, "tiny": 0.0045}),
        ],
    }
    metrics = {
        "score": MetricConfig(format=".2f"),
        "rate": MetricConfig(format=".0%"),
        "tiny": MetricConfig(format=".2f"),
    }
    ranges = {
        "score": PassingRangeConfig(min=0.5),
        "rate": PassingRangeConfig(min=0.8),
        "tiny": PassingRangeConfig(min=0.004),
    }
    return base_input(summary=summary_of(body), metrics=metrics, passing_ranges=ranges, decision=FAILED)


def test_a_failed_value_is_never_rounded_into_the_range_it_failed() -> None:
    judged = ranged()
    failing = [m["text"] for d in report_json(judged)["datapoints"]["failed"] for m in d["failing_metrics"]]
    assert failing == ["score = 0.4996", "rate = 79.96%"]  # not 0.50 beside ≥ 0.50, 80% beside ≥ 80%
    terminal = render_terminal(judged)
    assert "score = 0.4996" in terminal
    assert "rate = 79.96%" in terminal
    assert "score = 0.4996" in render_comment(judged).text
    ranges = {m.name: m.range_text for m in build_report(judged).metrics}
    assert ranges == {"score": "≥ 0.50", "rate": "≥ 80%", "tiny": "≥ 0.004"}  # not ≥ 0.00, another bound


def test_the_html_tables_value_and_histogram_bin_read_on_their_side_of_the_range() -> None:
    page = render_html(build_report(ranged()))
    assert "0.4996 to " in page  # the lowest bin's edge: not "0.50 to 0.52: 1" beside "passing range min: 0.50"
    assert "passing range min: 0.004" in page

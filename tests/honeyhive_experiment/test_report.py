"""``honeyhive_experiment.report``: the comment, the job summary, the terminal table and ``report.json``.

Inputs are built from hand-written wire bodies shaped like ``honeyhive_local``'s answers and parsed with
the models' ``from_wire``; every number in them is a literal "as the backend reported it", and every
expectation is either one of those literals or a golden file. Golden files live in ``golden/``; after an
intended change regenerate them and review the diff::

    UPDATE_GOLDEN=1 python -m pytest tests/honeyhive_experiment/test_report.py
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.config import CommentConfig, Direction, MetricConfig
from honeyhive_experiment.models import ExperimentResultSummary, RunComparisonResult
from honeyhive_experiment.report import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT_BYTES,
    BaselineInfo,
    RedactingFilter,
    Redactor,
    ReportInput,
    TemplateError,
    TrendPoint,
    comment_metadata,
    format_delta,
    format_number,
    format_percentage_change,
    humanize_age,
    marker,
    md_escape,
    parse_comment_metadata,
    render_comment,
    render_summary,
    render_terminal,
    report_json,
    report_json_schema,
    report_json_schema_text,
)
from honeyhive_experiment.runner import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.verdict import Decision, Verdict

GOLDEN = Path(__file__).parent / "golden"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "src" / "honeyhive_experiment" / "schemas" / "report.schema.json"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
RUN_ID = "3f6c1a2e-5b7d-4e8f-9a01-23456789abcd"
BASELINE_ID = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
HEAD_SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8"
APP = "https://app.honeyhive.ai"
IDS = [f"EXT-q{i}" for i in range(1, 7)]

METRICS = {
    "accuracy": MetricConfig(label="Accuracy", format=".3f", key=True),
    "latency_ms": MetricConfig(direction=Direction.LOWER, label="Latency (ms)", format=",.0f", key=True),
    "cost_usd": MetricConfig(direction=Direction.LOWER),
}


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.is_file(), f"{path} is missing: run with UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), "golden", "rendered"))
        pytest.fail(f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept):\n{diff}")


# ------------------------------------------------------------------------------------------------------------
# wire bodies, shaped like honeyhive_local's /summary and /compare answers (numbers are literals)
# ------------------------------------------------------------------------------------------------------------


def run_object(run_id: str, name: str, datapoint_ids: Sequence[str], *, commit: str, created_at: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "id": f"internal-{run_id[:8]}",
        "name": name,
        "status": "completed",
        "metadata": {"offline_dataset_id": "EXT-5f1e2d3c4b5a6978", "commit": commit, "branch": "main"},
        "results": {},
        "configuration": {},
        "event_ids": [],
        "datapoint_ids": list(datapoint_ids),
        "passing_ranges": {"accuracy": {"min": 0.5}},
        "dataset_id": None,
        "dataset_name": None,
        "is_active": True,
        "created_at": created_at,
        "updated_at": created_at,
    }


def detail(
    name: str,
    aggregate: float | None,
    values: Sequence[Any],
    *,
    failed: Sequence[str] = (),
    passing_range: Mapping[str, float] | None = None,
    ids: Sequence[str] = IDS,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metric_name": name,
        "metric_type": "CLIENT_SIDE",
        "event_name": "answer",
        "event_type": "chain",
        "aggregate": aggregate,
        "values": list(values),
        "datapoints": {"passed": [i for i in ids if i not in failed], "failed": list(failed)},
    }
    if passing_range is not None:
        body["passing_range"] = dict(passing_range)
    return body


def datapoint(
    datapoint_id: str, passed: bool, metrics: Mapping[str, Any], failing: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "datapoint_id": datapoint_id,
        "session_id": f"sess-{datapoint_id}",
        "passed": passed,
        "metrics": [
            {"name": n, "event_name": "answer", "event_type": "chain", "value": v, "passed": n not in failing}
            for n, v in metrics.items()
        ],
    }


def delta(
    name: str,
    old: float | None,
    new: float | None,
    difference: float | None,
    change: float | None,
    improved: int,
    degraded: int,
    same: int,
    *,
    old_values: Sequence[Any] | None = None,
    new_values: Sequence[Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metric_name": name,
        "metric_type": "CLIENT_SIDE",
        "event_name": "answer",
        "event_type": "chain",
        "old_aggregate": old,
        "new_aggregate": new,
        "difference": difference,
        "percentage_change": change,
        "found_count": improved + degraded + same,
        "improved_count": improved,
        "degraded_count": degraded,
        "same_count": same,
        "improved": [f"EXT-i{k}" for k in range(improved)],
        "degraded": [f"EXT-d{k}" for k in range(degraded)],
        "same": [f"EXT-s{k}" for k in range(same)],
    }
    if old_values is not None:
        body["old_values"] = list(old_values)
    if new_values is not None:
        body["new_values"] = list(new_values)
    return body


PASS_SUMMARY_BODY: dict[str, Any] = {
    "status": "completed",
    "success": True,
    "passed": IDS,
    "failed": [],
    "metrics": {
        "aggregation_function": "average",
        "details": [
            detail("accuracy", 0.8467, [0.9, 0.8, 0.85, 0.95, 0.7, 0.88], passing_range={"min": 0.5}),
            detail("cost_usd", 0.0021, [0.002, 0.0022, 0.0019, 0.0023, 0.002, 0.0021]),
            detail("exact_match", 0.8333, [True, True, False, True, True, True]),
            detail("faithfulness", 0.91, [0.9, 0.95, 0.88, 0.92, 0.9, 0.91]),
            detail("latency_ms", 1166.67, [1200, 900, 1500, 1100, 1300, 1000]),
        ],
    },
    "datapoints": [
        datapoint(i, True, {"accuracy": a, "latency_ms": ms})
        for i, a, ms in zip(IDS, [0.9, 0.8, 0.85, 0.95, 0.7, 0.88], [1200, 900, 1500, 1100, 1300, 1000], strict=True)
    ],
    "event_details": [{"event_name": "answer", "event_type": "chain"}],
    "run_object": run_object(RUN_ID, "support-bot #42", IDS, commit=HEAD_SHA, created_at="2025-03-04T11:50:00Z"),
}

PASS_COMPARE_BODY: dict[str, Any] = {
    "commonDatapoints": IDS,
    "metrics": [
        delta("accuracy", 0.8123, 0.8467, 0.0344, 4.2349, 3, 1, 2),
        delta("cost_usd", 0.0019, 0.0021, 0.0002, 10.5263, 4, 2, 0),
        delta(
            "exact_match",
            0.8333,
            0.8333,
            0.0,
            0.0,
            0,
            0,
            6,
            old_values=[True, True, True, False, True, True],
            new_values=[True, True, False, True, True, True],
        ),
        delta("faithfulness", None, 0.91, None, None, 0, 0, 0),
        delta("latency_ms", 1320.25, 1166.67, -153.58, -11.6326, 1, 5, 0),
    ],
    "event_details": [{"event_name": "answer", "event_type": "chain", "presence": "both"}],
}

FAIL_IDS_OLD = ["EXT-q1", "EXT-q2", "EXT-q3", "EXT-q4", "EXT-q7", "EXT-q8"]
FAIL_SUMMARY_BODY: dict[str, Any] = {
    "status": "completed",
    "success": False,
    "passed": ["EXT-q1", "EXT-q3", "EXT-q4", "EXT-q6"],
    "failed": ["EXT-q2", "EXT-q5"],
    "metrics": {
        "aggregation_function": "average",
        "details": [
            detail(
                "accuracy",
                0.7133,
                [0.9, 0.2, 0.85, 0.95, 0.68],
                failed=["EXT-q2"],
                passing_range={"min": 0.5},
                ids=["EXT-q1", "EXT-q2", "EXT-q3", "EXT-q4", "EXT-q6"],
            ),
            detail("latency_ms", 1480.5, [1500, 1900, 1200, 1400, 1402.5]),
        ],
    },
    "datapoints": [
        datapoint("EXT-q1", True, {"accuracy": 0.9, "latency_ms": 1500}),
        datapoint("EXT-q2", False, {"accuracy": 0.2, "latency_ms": 1900}, failing=["accuracy"]),
        datapoint("EXT-q3", True, {"accuracy": 0.85, "latency_ms": 1200}),
        datapoint("EXT-q4", True, {"accuracy": 0.95, "latency_ms": 1400}),
        datapoint("EXT-q5", False, {}),
        datapoint("EXT-q6", True, {"accuracy": 0.68, "latency_ms": 1402.5}),
    ],
    "event_details": [{"event_name": "answer", "event_type": "chain"}],
    "run_object": run_object(RUN_ID, "support-bot #42", IDS, commit=HEAD_SHA, created_at="2025-03-04T11:50:00Z"),
}

FAIL_COMPARE_BODY: dict[str, Any] = {
    "commonDatapoints": ["EXT-q1", "EXT-q2", "EXT-q3", "EXT-q4"],
    "metrics": [
        delta("accuracy", 0.8123, 0.7133, -0.099, -12.1876, 0, 3, 1),
        delta("latency_ms", 1320.25, 1480.5, 160.25, 12.1378, 3, 1, 0),
    ],
    "event_details": [{"event_name": "answer", "event_type": "chain", "presence": "both"}],
    "old_run": run_object(BASELINE_ID, "main", FAIL_IDS_OLD, commit="1a2b3c4d5e6f", created_at="2025-03-01T10:00:00Z"),
    "new_run": run_object(RUN_ID, "support-bot #42", IDS, commit=HEAD_SHA, created_at="2025-03-04T11:50:00Z"),
}


def summary_of(body: Mapping[str, Any]) -> ExperimentResultSummary:
    return ExperimentResultSummary.from_wire(body, run_id=RUN_ID)


def comparison_of(body: Mapping[str, Any], summary: ExperimentResultSummary) -> RunComparisonResult:
    return RunComparisonResult.from_wire(
        body, new_run_id=RUN_ID, old_run_id=BASELINE_ID, new_datapoint_ids=summary.datapoint_ids
    )


def baseline_info(**changes: Any) -> BaselineInfo:
    info = BaselineInfo(
        run_id=BASELINE_ID,
        name="main",
        url=f"{APP}/runs/{BASELINE_ID}",
        commit_sha="1a2b3c4d5e6f7a8b9c0d",
        branch="main",
        created_at=NOW - timedelta(days=3, hours=2),
    )
    return dataclasses.replace(info, **changes)


def base_input(**changes: Any) -> ReportInput:
    data = ReportInput(
        experiment="support-bot",
        decision=Decision(Verdict.PASS, ("every datapoint passed",)),
        run_id=RUN_ID,
        run_url=f"{APP}/runs/{RUN_ID}",
        head_sha=HEAD_SHA,
        pr_number=42,
        metrics=METRICS,
        generated_at=NOW,
        tool_version="2.0.0",
    )
    return dataclasses.replace(data, **changes)


def pass_input() -> ReportInput:
    summary = summary_of(PASS_SUMMARY_BODY)
    return base_input(
        summary=summary,
        comparison=comparison_of(PASS_COMPARE_BODY, summary),
        baseline=baseline_info(),
        trend=[
            TrendPoint("main@4e5f6a7", "r-1", {"accuracy": 0.79, "latency_ms": 1400.0}),
            TrendPoint("main@8b9c0d1", "r-2", {"accuracy": 0.805, "latency_ms": None}),
            TrendPoint("main@1a2b3c4", BASELINE_ID, {"accuracy": 0.8123, "latency_ms": 1320.25}),
        ],
    )


def fail_input() -> ReportInput:
    summary = summary_of(FAIL_SUMMARY_BODY)
    return base_input(
        decision=Decision(
            Verdict.FAIL,
            (
                "2 datapoint(s) failed their passing ranges or errored",
                "accuracy got worse by 0.099 (gate: at most 0.05)",
            ),
            ("accuracy got worse by 0.099 (gate: at most 0.05)",),
        ),
        summary=summary,
        comparison=comparison_of(FAIL_COMPARE_BODY, summary),
        baseline=baseline_info(),
        outcomes=[
            DatapointOutcome(
                index=1,
                datapoint_id="EXT-q2",
                session_id="sess-EXT-q2",
                status=OutcomeStatus.OK,
                outputs={"answer": "The capital of Peru is *Lima* | source: `wiki`"},
            ),
            DatapointOutcome(
                index=4,
                datapoint_id="EXT-q5",
                session_id="sess-EXT-q5",
                status=OutcomeStatus.FUNCTION_ERROR,
                error="RateLimitError: 429 Too Many Requests\n  retry after 20s",
            ),
            DatapointOutcome(
                index=5,
                datapoint_id="EXT-q6",
                session_id="sess-EXT-q6",
                status=OutcomeStatus.OK,
                outputs={"answer": "Tokyo"},
                evaluator_failures=(EvaluatorFailure("similarity", "ZeroDivisionError: division by zero"),),
            ),
        ],
        inputs_by_datapoint={"EXT-q2": {"question": "What is the capital of Peru?"}},
        notes=("EXT-q7 and EXT-q8 are in the baseline but not in this run's dataset",),
    )


def neutral_input() -> ReportInput:
    return base_input(
        decision=Decision(Verdict.NEUTRAL, ("pull request from a fork: the HoneyHive api-key is not available",)),
        run_id=None,
        run_url=None,
    )


def error_input() -> ReportInput:
    return base_input(
        decision=Decision(Verdict.ERROR, ("the run was not ingested in time",)),
        error=(
            "IngestionTimeout: run 3f6c1a2e was not fully ingested within 120 s\n"
            "  4 of 6 datapoints visible; last seen: EXT-q4 <sessions pending>"
        ),
    )


def no_baseline_input() -> ReportInput:
    return base_input(
        decision=Decision(Verdict.NEUTRAL, ("no baseline run to compare with yet",)),
        summary=summary_of(PASS_SUMMARY_BODY),
        dry_run=True,
    )


SCENARIOS = {
    "pass": pass_input,
    "fail": fail_input,
    "neutral": neutral_input,
    "error": error_input,
    "no_baseline": no_baseline_input,
}


def table_rows(text: str, header_start: str) -> list[str]:
    """The lines of the Markdown table whose header line starts with ``header_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def cells(row: str) -> list[str]:
    """A table row split on unescaped pipes (GFM's rule), without the outer ones."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


# ------------------------------------------------------------------------------------------------------------
# golden files
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_comment_matches_golden_file(scenario: str) -> None:
    rendered = render_comment(SCENARIOS[scenario]())
    assert rendered.truncated_steps == ()
    assert_golden(f"{scenario}.md", rendered.text)


def test_summary_and_terminal_match_golden_files() -> None:
    data = fail_input()
    assert_golden("fail_summary.md", render_summary(data))
    assert_golden("fail_terminal.txt", render_terminal(data))
    assert_golden("pass_terminal.txt", render_terminal(pass_input()))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_comment_starts_with_the_marker_and_the_metadata(scenario: str) -> None:
    data = SCENARIOS[scenario]()
    lines = render_comment(data).text.splitlines()
    assert lines[0] == marker("support-bot")
    assert lines[1] == comment_metadata(HEAD_SHA, data.run_id)


def test_the_verdict_line_says_the_verdict_in_words_and_emoji_with_the_backends_counts() -> None:
    assert "✅ **Passed** · 6 of 6 datapoints passed" in render_comment(pass_input()).text
    assert "❌ **Failed** · 4 of 6 datapoints passed, 2 failed" in render_comment(fail_input()).text
    assert "⚪ **Neutral** · nothing was evaluated" in render_comment(neutral_input()).text
    assert "⚠️ **Error** · the experiment could not be evaluated" in render_comment(error_input()).text


def test_links_name_the_run_and_the_baseline_with_its_commit_and_age() -> None:
    text = render_comment(pass_input()).text
    assert f"[HoneyHive run]({APP}/runs/{RUN_ID})" in text
    assert f"baseline [main]({APP}/runs/{BASELINE_ID}) (commit 1a2b3c4 on main, 3 days ago)" in text
    assert "compared on **6 of 6** datapoints" in text


def test_no_baseline_explains_how_a_baseline_is_created() -> None:
    text = render_comment(no_baseline_input()).text
    assert "**No baseline yet.**" in text
    assert "default branch" in text
    assert "docs/workflows/" in text
    assert "passing" in text
    assert "| Metric | This PR | Passing range | Status |" in text  # this run's own numbers only


def test_error_comment_says_what_went_wrong_and_what_to_check() -> None:
    text = render_comment(error_input()).text
    assert "```text\nIngestionTimeout: run 3f6c1a2e was not fully ingested within 120 s\n" in text
    assert "**What to check**" in text
    assert "| Metric |" not in text


def test_an_error_without_an_error_message_shows_the_reasons() -> None:
    data = dataclasses.replace(error_input(), error=None)
    assert "```text\nthe run was not ingested in time\n```" in render_comment(data).text


def test_neutral_comment_for_a_fork_explains_instead_of_failing() -> None:
    text = render_comment(neutral_input()).text
    assert "forks do not receive the repository's secrets" in text
    assert "pull request from a fork" in text


def test_dry_run_is_said_in_the_footer() -> None:
    assert "dry run: nothing was posted" in render_comment(no_baseline_input()).text
    assert "dry run" not in render_comment(pass_input()).text
    assert "dry run: nothing was posted" in render_terminal(no_baseline_input())


def test_a_low_overlap_is_warned_about() -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    comparison = comparison_of(PASS_COMPARE_BODY, summary)
    texts = {
        (shared, total): render_comment(
            base_input(
                summary=summary,
                comparison=comparison,
                baseline=baseline_info(shared_datapoints=shared, total_datapoints=total),
            )
        ).text
        for shared, total in [(12, 50), (44, 50), (46, 50), (50, 50)]
    }
    assert "only 12 of 50 datapoints in common (24%)" in texts[(12, 50)]
    assert "only 44 of 50 datapoints in common (88%)" in texts[(44, 50)]
    assert "compared on **12 of 50** datapoints" in texts[(12, 50)]
    assert "in common" not in texts[(46, 50)]
    assert "in common" not in texts[(50, 50)]


def test_overlap_defaults_to_the_backends_common_datapoints_and_this_runs_datapoints() -> None:
    text = render_comment(fail_input()).text
    assert "compared on **4 of 6** datapoints" in text
    assert "only 4 of 6 datapoints in common (67%)" in text


def test_the_age_is_computed_from_generated_at() -> None:
    data = dataclasses.replace(pass_input(), generated_at=NOW + timedelta(days=30))
    assert "(commit 1a2b3c4 on main, 1 month ago)" in render_comment(data).text


# ------------------------------------------------------------------------------------------------------------
# the table: direction-aware, formatted, the backend's numbers
# ------------------------------------------------------------------------------------------------------------


def metric_row(text: str, label: str) -> list[str]:
    rows = table_rows(text, "| Metric |")
    return next(cells(row) for row in rows if cells(row)[0] == label)


@pytest.mark.parametrize(
    ("direction", "difference", "change", "improved", "degraded", "status", "counts"),
    [
        # the backend calls a larger value "improved"; for lower-is-better that is the worse side
        (Direction.LOWER, -153.58, -11.6326, 1, 5, "🟢 better", "5 / 1"),
        (Direction.LOWER, 153.58, 11.6326, 5, 1, "🔴 worse", "1 / 5"),
        (Direction.HIGHER, -153.58, -11.6326, 1, 5, "🔴 worse", "1 / 5"),
        (Direction.HIGHER, 153.58, 11.6326, 5, 1, "🟢 better", "5 / 1"),
    ],
)
def test_status_and_improved_degraded_are_direction_aware(
    direction: Direction, difference: float, change: float, improved: int, degraded: int, status: str, counts: str
) -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    body = {
        "commonDatapoints": IDS,
        "metrics": [delta("latency_ms", 1320.25, 1166.67, difference, change, improved, degraded, 0)],
    }
    data = base_input(
        summary=summary,
        comparison=comparison_of(body, summary),
        baseline=baseline_info(),
        metrics={"latency_ms": MetricConfig(direction=direction, label="Latency (ms)", format=",.0f")},
    )
    row = metric_row(render_comment(data).text, "Latency (ms)")
    assert row[3] == ("-154" if difference < 0 else "+154")
    assert row[5] == counts
    assert row[6] == status
    json_row = report_json(data)["metrics"][0]
    assert (json_row["improved_count"], json_row["degraded_count"]) == (improved, degraded)  # the backend's
    assert json_row["change"] == status.split()[1]


def test_numbers_are_the_backends_even_when_they_do_not_add_up() -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    # a deliberately inconsistent body: 2.0 - 1.0 is not 5.0, and 42% is nobody's arithmetic
    body = {"commonDatapoints": IDS, "metrics": [delta("accuracy", 1.0, 2.0, 5.0, 42.0, 7, 8, 9)]}
    data = base_input(summary=summary, comparison=comparison_of(body, summary), metrics={})
    row = metric_row(render_comment(data).text, "accuracy")
    assert row[1:6] == ["1", "2", "+5", "+42.0%", "7 / 8"]
    metric = report_json(data)["metrics"][0]
    assert (metric["baseline"], metric["value"], metric["difference"], metric["percentage_change"]) == (
        1.0,
        2.0,
        5.0,
        42.0,
    )


def test_a_missing_difference_is_shown_as_unknown_not_computed() -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    body = {"commonDatapoints": IDS, "metrics": [delta("accuracy", 1.0, 2.0, None, None, 0, 0, 0)]}
    data = base_input(summary=summary, comparison=comparison_of(body, summary), metrics={})
    row = metric_row(render_comment(data).text, "accuracy")
    assert row[3:5] == ["—", "—"]
    assert row[6] == "—"


def test_boolean_metrics_show_as_percentages_and_their_deltas_in_points() -> None:
    text = render_comment(pass_input()).text
    assert metric_row(text, "exact\\_match")[1:7] == ["83.3%", "83.3%", "0.0 pp", "0.0%", "0 / 0", "⚪ same"]


def test_metric_format_specs_and_labels_are_used() -> None:
    text = render_comment(pass_input()).text
    assert metric_row(text, "Accuracy")[1:4] == ["0.812", "0.847", "+0.034"]
    assert metric_row(text, "Latency (ms)")[1:4] == ["1,320", "1,167", "-154"]
    assert metric_row(text, "cost\\_usd")[1:4] == ["0.0019", "0.0021", "+0.0002"]
    assert metric_row(text, "faithfulness")[1:7] == ["—", "0.91", "—", "—", "0 / 0", "🆕 new"]


def test_key_metrics_come_first_then_configured_ones_then_the_rest() -> None:
    rows = table_rows(render_comment(pass_input()).text, "| Metric |")[2:]
    assert [cells(row)[0] for row in rows] == [
        "Accuracy",
        "Latency (ms)",
        "cost\\_usd",
        "exact\\_match",
        "faithfulness",
    ]


def test_a_metric_on_two_events_is_labelled_with_the_event() -> None:
    body = dict(PASS_SUMMARY_BODY)
    body["metrics"] = {
        "aggregation_function": "average",
        "details": [
            detail("accuracy", 0.8, [0.8]),
            {**detail("accuracy", 0.6, [0.6]), "event_name": "retrieve"},
        ],
    }
    data = base_input(decision=Decision(Verdict.NEUTRAL, ()), summary=summary_of(body), metrics={})
    labels = [cells(row)[0] for row in table_rows(render_comment(data).text, "| Metric |")[2:]]
    assert labels == ["accuracy (answer)", "accuracy (retrieve)"]


@pytest.mark.parametrize(
    ("value", "spec", "percent", "expected"),
    [
        (None, None, False, "—"),
        (0, None, False, "0"),
        (42.0, None, False, "42"),
        (0.8467, None, False, "0.847"),
        (12.345, None, False, "12.3"),
        (123.45, None, False, "123"),
        (999.4, None, False, "999"),
        (999.6, None, False, "1,000"),
        (1234567.8, None, False, "1,234,568"),
        (0.000123, None, False, "0.000123"),
        (0.0000123, None, False, "1.23e-05"),
        (-0.5, None, False, "-0.5"),
        (0.8333, None, True, "83.3%"),
        (0.8333, ".2f", True, "0.83"),
        (1234.5678, ",.1f", False, "1,234.6"),
        (0.5, "d", False, "0.5"),  # an integer spec cannot show a fraction: the default instead
        (float("inf"), None, False, "inf"),
    ],
)
def test_format_number(value: float | None, spec: str | None, percent: bool, expected: str) -> None:
    assert format_number(value, spec, percent=percent) == expected


@pytest.mark.parametrize(
    ("value", "spec", "percent", "expected"),
    [
        (None, None, False, "—"),
        (0.0344, ".3f", False, "+0.034"),
        (-153.58, ",.0f", False, "-154"),
        (-0.04, None, True, "-4.0 pp"),
        (0.0004, ".2f", False, "0.00"),  # too small for the format: no sign, counts as "same"
        (0.0, None, False, "0"),
        (0.05, ".1%", False, "+5.0 pp"),
    ],
)
def test_format_delta(value: float | None, spec: str | None, percent: bool, expected: str) -> None:
    assert format_delta(value, spec, percent=percent) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "—"), (4.2349, "+4.2%"), (-11.6326, "-11.6%"), (0.01, "0.0%"), (12345.6, "+12,345.6%")],
)
def test_format_percentage_change(value: float | None, expected: str) -> None:
    assert format_percentage_change(value) == expected


@pytest.mark.parametrize(
    ("delta_", "expected"),
    [
        (timedelta(seconds=30), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(hours=5, minutes=59), "5 hours ago"),
        (timedelta(days=3, hours=2), "3 days ago"),
        (timedelta(days=45), "1 month ago"),
        (timedelta(days=800), "2 years ago"),
        (timedelta(days=-1), "just now"),  # a clock ahead of ours
    ],
)
def test_humanize_age(delta_: timedelta, expected: str) -> None:
    assert humanize_age(NOW - delta_, NOW) == expected


def test_humanize_age_takes_naive_datetimes_as_utc() -> None:
    assert humanize_age(datetime(2025, 3, 1, 12, 0), NOW) == "3 days ago"


def test_the_trend_shows_key_metrics_over_the_baseline_runs_and_this_run() -> None:
    text = render_comment(pass_input()).text
    rows = table_rows(text, "| Metric | Trend |")
    assert cells(rows[0]) == ["Metric", "Trend", "main@4e5f6a7", "main@8b9c0d1", "main@1a2b3c4", "this run"]
    assert cells(rows[2]) == ["Accuracy", "▁▃▄█", "0.790", "0.805", "0.812", "0.847"]
    assert cells(rows[3]) == ["Latency (ms)", "█·▆▁", "1,400", "—", "1,320", "1,167"]


def test_no_trend_without_key_metrics() -> None:
    data = dataclasses.replace(pass_input(), metrics={"accuracy": MetricConfig()})
    assert "| Metric | Trend |" not in render_comment(data).text


# ------------------------------------------------------------------------------------------------------------
# failed and errored datapoints
# ------------------------------------------------------------------------------------------------------------


def test_failed_and_errored_datapoints_are_listed_in_collapsible_sections() -> None:
    text = render_comment(fail_input()).text
    assert "<summary>❌ 1 failed datapoint (and 1 that errored, below)</summary>" in text
    failed = table_rows(text, "| Datapoint | Failing metrics |")
    assert cells(failed[2]) == [
        "EXT-q2",
        "Accuracy = 0.200",
        '{"question": "What is the capital of Peru?"}',
        '{"answer": "The capital of Peru is \\*Lima\\* \\| source: \\`wiki\\`"}',
    ]
    errored = table_rows(text, "| Datapoint | What happened |")
    assert [cells(row) for row in errored[2:]] == [
        ["EXT-q5", "function raised", "RateLimitError: 429 Too Many Requests retry after 20s"],
        ["EXT-q6", "evaluator similarity raised", "ZeroDivisionError: division by zero"],
    ]


def test_previews_are_truncated() -> None:
    data = fail_input()
    long_output = dataclasses.replace(data.outcomes[0], outputs={"answer": "x" * 5000})
    data = dataclasses.replace(data, outcomes=[long_output, *data.outcomes[1:]])
    row = cells(table_rows(render_comment(data).text, "| Datapoint | Failing metrics |")[2])
    assert len(row[3]) == 200
    assert row[3].endswith("…")


def test_at_most_max_datapoints_rows_are_listed() -> None:
    ids = [f"EXT-f{i:03d}" for i in range(30)]
    body = {**PASS_SUMMARY_BODY, "success": False, "passed": [], "failed": ids, "datapoints": []}
    data = base_input(
        decision=Decision(Verdict.FAIL, ("30 failed",)),
        summary=summary_of(body),
        comment=CommentConfig(max_datapoints=7),
    )
    text = render_comment(data).text
    assert len(table_rows(text, "| Datapoint | Failing metrics |")) == 2 + 7
    assert "Showing 7 of 30; all of them are in the job summary." in text
    assert len(table_rows(render_summary(data), "| Datapoint | Failing metrics |")) == 2 + 30
    assert len(report_json(data)["datapoints"]["failed"]) == 30


# ------------------------------------------------------------------------------------------------------------
# the size budget
# ------------------------------------------------------------------------------------------------------------

BIG_N, BIG_M = 5000, 300
LONG_NAME = "llm_judge_answer_relevance_and_groundedness_rubric_v2_scored_by_gpt_4o_mini_{:03d}"


def many(n_datapoints: int, worse: Sequence[str], better: Sequence[str] = (), key: str | None = None) -> ReportInput:
    """``n_datapoints`` failing datapoints; ``worse`` metrics failing their range and worse than the
    baseline, ``better`` ones better and without a range. Long outputs and inputs for every datapoint."""
    ids = [f"EXT-{i:06d}" for i in range(n_datapoints)]
    details = [
        {
            "metric_name": name,
            "event_name": "answer",
            "event_type": "chain",
            "aggregate": 0.41,
            "passing_range": {"min": 0.9},
            "datapoints": {"passed": [], "failed": ids},
        }
        for name in worse
    ]
    details = [{"metric_name": name, "event_name": "answer", "aggregate": 0.63} for name in better] + details
    deltas = [
        {
            "metric_name": name,
            "event_name": "answer",
            "old_aggregate": 0.52,
            "new_aggregate": 0.41,
            "difference": -0.11,
            "percentage_change": -21.1538,
            "improved_count": 1200,
            "degraded_count": 3100,
            "same_count": 700,
        }
        for name in worse
    ]
    deltas = [
        {
            "metric_name": name,
            "event_name": "answer",
            "old_aggregate": 0.52,
            "new_aggregate": 0.63,
            "difference": 0.11,
            "percentage_change": 21.1538,
        }
        for name in better
    ] + deltas
    datapoints = [
        {
            "datapoint_id": i,
            "session_id": f"sess-{i}",
            "passed": False,
            "metrics": [{"name": n, "event_name": "answer", "value": 0.41, "passed": False} for n in worse[:8]],
        }
        for i in ids
    ]
    summary = ExperimentResultSummary.from_wire(
        {
            "status": "completed",
            "success": False,
            "passed": [],
            "failed": ids,
            "metrics": {"aggregation_function": "average", "details": details},
            "datapoints": datapoints,
        },
        run_id=RUN_ID,
    )
    comparison = RunComparisonResult.from_wire(
        {"commonDatapoints": ids, "metrics": deltas}, new_run_id=RUN_ID, old_run_id=BASELINE_ID
    )
    outcomes = [
        DatapointOutcome(
            index=k, datapoint_id=i, session_id=f"sess-{i}", status=OutcomeStatus.OK, outputs={"answer": "o" * 400}
        )
        for k, i in enumerate(ids)
    ]
    return base_input(
        decision=Decision(Verdict.FAIL, (f"{n_datapoints} datapoint(s) failed their passing ranges or errored",)),
        summary=summary,
        comparison=comparison,
        baseline=baseline_info(),
        outcomes=outcomes,
        inputs_by_datapoint={i: {"question": "q" * 400} for i in ids},
        metrics={key: MetricConfig(key=True)} if key else {},
        trend=[TrendPoint("main@1a2b3c4", BASELINE_ID, {key: 0.52})] if key else [],
    )


@pytest.fixture(scope="module")
def big_input() -> ReportInput:
    """5,000 failing datapoints × 300 metrics, with long metric names and long outputs."""
    names = [LONG_NAME.format(j) for j in range(BIG_M)]
    return many(BIG_N, names, key=names[-1])


@pytest.mark.parametrize("max_datapoints", [20, BIG_N])
def test_5000_failing_datapoints_by_300_metrics_stay_under_the_limit_and_say_so(
    big_input: ReportInput, max_datapoints: int
) -> None:
    data = dataclasses.replace(big_input, comment=CommentConfig(max_datapoints=max_datapoints))
    rendered = render_comment(data)
    assert len(rendered.text) <= COMMENT_LIMIT
    assert rendered.truncated_steps == ("datapoint_rows",)
    assert "This comment was shortened to stay under GitHub's 65,000-character limit" in rendered.text
    assert "(at most 5 datapoints listed per section)" in rendered.text
    assert "The full report is in the job summary and report.json." in rendered.text
    assert len(table_rows(rendered.text, "| Metric |")) == 2 + BIG_M
    assert len(table_rows(rendered.text, "| Datapoint | Failing metrics |")) == 2 + 5
    assert f"Showing 5 of {BIG_N}; all of them are in the job summary." in rendered.text
    assert rendered.text.startswith(marker("support-bot") + "\n" + comment_metadata(HEAD_SHA, RUN_ID) + "\n")
    assert rendered.text.endswith("</sub>\n")


def test_too_many_metrics_are_cut_keeping_key_failing_and_worse_ones_first() -> None:
    # 1,000 metrics: 300 worse and failing, 700 better ones without a range (listed first by the backend)
    worse = [LONG_NAME.format(j) for j in range(300)]
    better = [f"extra_metric_{k:04d}_" + "x" * 60 for k in range(700)]
    data = many(50, worse, better, key=worse[-1])
    rendered = render_comment(data)
    assert len(rendered.text) <= COMMENT_LIMIT
    assert rendered.truncated_steps == ("datapoint_rows", "details", "metric_rows")
    hidden = re.search(r"… and (\d+) more metrics in the job summary\.", rendered.text)
    assert hidden is not None
    shown = [cells(row) for row in table_rows(rendered.text, "| Metric |")[2:]]
    assert len(shown) + int(hidden.group(1)) == 1000
    assert f"{len(shown):,} of 1,000 metrics shown" in rendered.text
    assert "<details>" not in rendered.text
    # the key metric first; every failing and worse one kept; the rest filled with the first better ones
    assert shown[0][0].endswith("299")
    statuses = [row[6] for row in shown]
    assert statuses.count("🔴 worse · ❌ 50 failing") == 300
    assert statuses.count("🟢 better") == len(shown) - 300 > 0
    assert shown[1][0].startswith("extra\\_metric\\_0000")


def test_the_big_job_summary_stays_under_1_mib_and_says_so(big_input: ReportInput) -> None:
    text = render_summary(big_input)
    assert len(text.encode("utf-8")) <= SUMMARY_LIMIT_BYTES
    assert "This job summary was shortened to stay under GitHub's 1 MiB limit" in text
    assert len(table_rows(text, "| Metric |")) == 2 + BIG_M  # every metric
    listed = len(table_rows(text, "| Datapoint | Failing metrics |")) - 2
    assert 0 < listed < BIG_N
    assert f"Showing {listed} of {BIG_N}; all of them are in report.json." in text


def test_the_big_report_json_has_everything_and_is_valid(big_input: ReportInput) -> None:
    doc = report_json(big_input)
    jsonschema.Draft202012Validator(report_json_schema()).validate(doc)
    assert len(doc["metrics"]) == BIG_M
    assert len(doc["datapoints"]["failed"]) == BIG_N
    assert doc["counts"] == {"passed": 0, "failed": BIG_N, "errored": 0, "total": BIG_N}


def test_fewer_datapoint_rows_is_the_first_step() -> None:
    ids = [f"EXT-f{i:03d}" for i in range(200)]
    body = {**PASS_SUMMARY_BODY, "success": False, "passed": [], "failed": ids, "datapoints": []}
    data = base_input(
        decision=Decision(Verdict.FAIL, ("200 failed",)),
        summary=summary_of(body),
        outcomes=[
            DatapointOutcome(index=k, datapoint_id=i, session_id=f"s-{i}", status=OutcomeStatus.OK, outputs="a" * 300)
            for k, i in enumerate(ids)
        ],
        inputs_by_datapoint={i: {"q": "b" * 300} for i in ids},
        comment=CommentConfig(max_datapoints=200),
    )
    rendered = render_comment(data)
    assert rendered.truncated_steps == ("datapoint_rows",)
    assert len(rendered.text) <= COMMENT_LIMIT
    assert len(table_rows(rendered.text, "| Datapoint | Failing metrics |")) == 2 + 5
    assert "at most 5 datapoints listed per section" in rendered.text
    assert len(table_rows(rendered.text, "| Metric |")) == 2 + 5  # every metric still there


def test_summary_only_is_the_last_step_of_the_built_in_template() -> None:
    # notes of ampersands: each "&" is written as "&amp;", so twenty of them overflow with no metric at all
    data = dataclasses.replace(
        neutral_input(),
        decision=Decision(Verdict.NEUTRAL, tuple("&" * 300 for _ in range(20))),
        notes=tuple("&" * 500 for _ in range(20)),
    )
    rendered = render_comment(data)
    assert rendered.truncated_steps == ("datapoint_rows", "details", "summary_only")
    assert len(rendered.text) <= COMMENT_LIMIT
    assert "only the summary shown" in rendered.text
    assert "**Notes**" not in rendered.text


def test_a_custom_template_that_ignores_the_budget_is_cut_keeping_the_marker(tmp_path: Path) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text("{{ marker }}\n{% for i in range(100000) %}word {% endfor %}\n", encoding="utf-8")
    rendered = render_comment(pass_input(), template_path=template)
    assert rendered.truncated_steps[-1] == "hard_truncate"
    assert len(rendered.text) <= COMMENT_LIMIT
    assert rendered.text.startswith(marker("support-bot") + "\n")
    assert "Cut at 65,000 characters" in rendered.text


# ------------------------------------------------------------------------------------------------------------
# redaction
# ------------------------------------------------------------------------------------------------------------

API_KEY = "hh-test-4f7c2a9e1b3d5f60"  # the api-key input: no pattern knows it, only its value
GITHUB_TOKEN = "v1.3b9d5e7f1a2c4e6f8a0b"  # the github-token input
OPENAI_KEY = "sk-proj-Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd"
GITHUB_PAT = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
BEARER = "s3cr3tB34r3rT0k3nV4lu3xyz"
HH_KEY = "hh_0123456789abcdefXYZ"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
PLANTED = (API_KEY, GITHUB_TOKEN, OPENAI_KEY, GITHUB_PAT, BEARER, HH_KEY, AWS_KEY)


def leaks(text: str) -> list[str]:
    """Any planted secret, or a recognisable piece of one (its first or last 8 characters)."""
    found = []
    for secret in PLANTED:
        for piece in (secret, secret[:8], secret[-8:]):
            if piece in text:
                found.append(piece)
    return found


def secret_input() -> ReportInput:
    data = fail_input()
    summary_body = json.loads(json.dumps(FAIL_SUMMARY_BODY))
    summary_body["error"] = f"evaluator called with Authorization: Bearer {BEARER}"
    summary_body["metrics"]["details"].append(detail(f"leak_{OPENAI_KEY}", 0.5, [0.5]))
    summary_body["failed"].append(f"EXT-{AWS_KEY}")
    summary_body["datapoints"].append(
        datapoint(f"EXT-{AWS_KEY}", False, {f"leak_{OPENAI_KEY}": 0.1}, [f"leak_{OPENAI_KEY}"])
    )
    summary = summary_of(summary_body)
    # a secret right where a 200-character preview is cut: 12 of its characters would be left, too few for
    # the sk- pattern to recognise after the cut, so only redaction before truncation protects it
    padding = "x" * (187 - len('{"answer": "') - len(" key="))
    leaky_output = {"answer": f"{padding} key={OPENAI_KEY}", "debug": {"api_key": API_KEY, "headers": [GITHUB_PAT]}}
    assert json.dumps(leaky_output).index(OPENAI_KEY) == 187
    outcomes = [
        DatapointOutcome(
            index=1, datapoint_id="EXT-q2", session_id="sess-EXT-q2", status=OutcomeStatus.OK, outputs=leaky_output
        ),
        DatapointOutcome(
            index=4,
            datapoint_id="EXT-q5",
            session_id="sess-EXT-q5",
            status=OutcomeStatus.FUNCTION_ERROR,
            error=f"HTTPError 401 for https://api.example.com/v1?token={GITHUB_TOKEN}\nheaders: Bearer {BEARER}",
        ),
        DatapointOutcome(
            index=5,
            datapoint_id=f"EXT-{AWS_KEY}",
            session_id="sess-aws",
            status=OutcomeStatus.OK,
            outputs=f"uses {HH_KEY}",
            evaluator_failures=(EvaluatorFailure("judge", f"openai.AuthenticationError: bad key {OPENAI_KEY}"),),
        ),
    ]
    return dataclasses.replace(
        data,
        experiment="support-bot",
        summary=summary,
        comparison=comparison_of(FAIL_COMPARE_BODY, summary),
        baseline=baseline_info(name=f"main {GITHUB_PAT}", url=f"{APP}/runs/{BASELINE_ID}?api_key={API_KEY}"),
        outcomes=outcomes,
        inputs_by_datapoint={
            "EXT-q2": {"question": f"my key is {API_KEY}", "password": "hunter2hunter2"},
            f"EXT-{AWS_KEY}": {"q": GITHUB_PAT},
        },
        notes=(f"token {GITHUB_TOKEN} expires soon", f"HH_API_KEY={HH_KEY}"),
        decision=Decision(Verdict.FAIL, (f"backend said: Bearer {BEARER}",)),
        run_url=f"{APP}/runs/{RUN_ID}?t={GITHUB_TOKEN}",
        trend=[TrendPoint(f"main {OPENAI_KEY}", RUN_ID, {"accuracy": 0.8})],
        comment=CommentConfig(title=f"support-bot {AWS_KEY}"),
    )


def test_planted_secrets_never_appear_in_any_output() -> None:
    data = secret_input()
    secrets = (API_KEY, GITHUB_TOKEN)
    outputs = {
        "comment": render_comment(data, secrets=secrets).text,
        "summary": render_summary(data, secrets=secrets),
        "terminal": render_terminal(data, secrets=secrets),
        "report.json": json.dumps(report_json(data, secrets=secrets)),
    }
    for name, text in outputs.items():
        assert leaks(text) == [], f"{name} leaks"
        assert "***" in text, f"{name} shows no redaction at all: the planted strings are missing"
    assert "hunter2hunter2" not in outputs["report.json"]  # under a "password" key
    assert "EXT-\\*\\*\\*" in outputs["comment"]  # the datapoint is still listed, its secret part redacted
    assert "Bearer \\*\\*\\*" in outputs["comment"]


def test_without_the_input_values_only_patterns_are_redacted() -> None:
    text = render_comment(secret_input()).text
    assert API_KEY in text or GITHUB_TOKEN in text  # shows the secrets= argument is what protects them
    assert OPENAI_KEY not in text
    assert GITHUB_PAT not in text


def test_secrets_in_a_custom_template_are_redacted_too(tmp_path: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text(f"{{{{ marker }}}}\nliteral {OPENAI_KEY} and {API_KEY}\n", encoding="utf-8")
    text = render_comment(pass_input(), secrets=[API_KEY], template_path=template).text
    assert leaks(text) == []
    assert "literal *** and ***" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {OPENAI_KEY}.", "key ***."),
        (f"leak_{OPENAI_KEY}", "leak_***"),
        (GITHUB_PAT, "***"),
        ("gho_" + "a" * 36, "***"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "***"),
        (f"Authorization: Bearer {BEARER}", "Authorization: Bearer ***"),
        ("authorization: basic dXNlcjpwYXNzd29yZA==", "authorization: basic ***"),
        (HH_KEY, "***"),
        (AWS_KEY, "***"),
        ("xoxb-1234567890-abcdefghij", "***"),
        ("AIza" + "B" * 35, "***"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl", "***"),
        ("https://user:pa55word@example.com/x", "https://user:***@example.com/x"),
        ('{"api_key": "abcdef123456"}', '{"api_key": "***"}'),
        ("X-API-Key: abcdef123456", "X-API-Key: ***"),
        ("password=hunter22", "password=***"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "***"),
        # not secrets: left alone
        ("task-force-assessment-2024-final", "task-force-assessment-2024-final"),
        ("max_tokens=1024 and 512 tokens", "max_tokens=1024 and 512 tokens"),
        ("the basic idea", "the basic idea"),
    ],
)
def test_redactor_patterns(text: str, expected: str) -> None:
    assert Redactor().redact(text) == expected


def test_redactor_replaces_exact_values_but_not_short_ones() -> None:
    redactor = Redactor([API_KEY, "abc", None, f"  {GITHUB_TOKEN}\n"])
    assert redactor.redact(f"a {API_KEY} b abc {GITHUB_TOKEN}") == "a *** b abc ***"


def test_redact_value_replaces_values_under_secret_looking_keys() -> None:
    value = {
        "api_key": "short",
        "nested": [{"Authorization": "anything"}, {"password": 1234}],
        "text": f"see {GITHUB_PAT}",
        "max_tokens": 1024,
        "flag": True,
    }
    assert Redactor().redact_value(value) == {
        "api_key": "***",
        "nested": [{"Authorization": "***"}, {"password": "***"}],
        "text": "see ***",
        "max_tokens": 1024,
        "flag": True,
    }


def test_redacting_filter_scrubs_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter(Redactor([API_KEY])))
    log = logging.getLogger("honeyhive_experiment.test_report")
    with caplog.at_level(logging.DEBUG, logger=log.name):
        log.warning("calling with key %s and %r", API_KEY, {"auth": f"Bearer {BEARER}"})
        log.info(f"direct {GITHUB_PAT}")
        log.error("bad format %d", f"{OPENAI_KEY}")  # the arguments do not fit the format
        try:
            raise ValueError(f"rejected {HH_KEY} / {API_KEY}")
        except ValueError:
            log.exception("request failed")
    assert leaks(caplog.text) == []
    assert "calling with key *** and {'auth': 'Bearer ***'}" in caplog.text
    assert "ValueError: rejected *** / ***" in caplog.text


# ------------------------------------------------------------------------------------------------------------
# escaping
# ------------------------------------------------------------------------------------------------------------

NASTY = "</details><script>alert(1)</script> a|b @octocat ```js\nfetch()``` [x](javascript:alert(1)) #12 _*~"


def nasty_input() -> ReportInput:
    data = fail_input()
    body = json.loads(json.dumps(FAIL_SUMMARY_BODY))
    body["failed"] = [f"EXT-{NASTY}", "EXT-q5"]
    body["datapoints"][1]["datapoint_id"] = f"EXT-{NASTY}"
    body["metrics"]["details"].append(detail(f"acc|{NASTY}", 0.5, [0.5]))
    summary = summary_of(body)
    outcomes = [
        DatapointOutcome(
            index=1, datapoint_id=f"EXT-{NASTY}", session_id="s-1", status=OutcomeStatus.OK, outputs=NASTY
        ),
        DatapointOutcome(
            index=4, datapoint_id="EXT-q5", session_id="s-5", status=OutcomeStatus.FUNCTION_ERROR, error=NASTY
        ),
    ]
    return dataclasses.replace(
        data,
        summary=summary,
        comparison=comparison_of(FAIL_COMPARE_BODY, summary),
        baseline=baseline_info(name=NASTY, branch=NASTY, url="javascript:alert(1)"),
        outcomes=outcomes,
        inputs_by_datapoint={f"EXT-{NASTY}": {"question": NASTY}},
        notes=(NASTY,),
        decision=Decision(Verdict.FAIL, (NASTY,)),
        comment=CommentConfig(title=NASTY.replace("\n", " ")),
        trend=[TrendPoint(NASTY, None, {"accuracy": 0.8})],
    )


def test_user_and_backend_strings_cannot_break_out_or_mention_anyone() -> None:
    text = render_comment(nasty_input()).text
    assert "<script" not in text
    assert re.search(r"(?<!\\)\]\(javascript", text) is None  # shown as text, never a link
    assert "(javascript:alert(1))" not in text.replace("\\[x\\](javascript:alert(1))", "")
    assert "@octocat" not in text
    assert "@\u200doctocat" in text
    assert "#12" not in text
    assert text.count("<details>") == text.count("</details>") == 3
    assert "```" not in text
    for header in (
        "| Metric |",
        "| Datapoint | Failing metrics |",
        "| Datapoint | What happened |",
        "| Metric | Trend |",
    ):
        rows = table_rows(text, header)
        assert len({len(cells(row)) for row in rows}) == 1, f"a row of {header!r} has a different number of cells"


def test_escaped_comment_renders_as_intended_markdown() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    rendered = md.render(render_comment(nasty_input()).text)
    assert "<script" not in rendered
    assert rendered.count("<details>") == rendered.count("</details>") == 3
    assert 'href="javascript' not in rendered
    for table in re.findall(r"<table>.*?</table>", rendered, re.S):
        counts = {row.count("<td") + row.count("<th") for row in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(counts) == 1


_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("\n\r\t\u200b\u202eé€😀")
)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_md_escape_renders_back_to_the_text_in_a_paragraph_and_a_table_cell(text: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    escaped = str(md_escape(text))
    assert "\n" not in escaped
    assert "<" not in escaped
    assert re.search(r"(?<![A-Za-z0-9])@[A-Za-z0-9]", escaped) is None
    expected = re.sub(r"\s*[\r\n]+\s*", " ", text).replace("\t", " ").replace("\u200b", "").replace("\u202e", "")
    paragraph = md.render(f"x {escaped}")
    assert paragraph.startswith("<p>")
    shown = html.unescape(paragraph.removeprefix("<p>").removesuffix("</p>\n")).replace("\u200d", "")
    assert shown == f"x {expected}".rstrip(" ")
    table = md.render(f"| a | b |\n|---|---|\n| x | {escaped} |\n")
    assert table.count("<td") == 2


def test_md_escape_passes_markup_through_and_empties_none() -> None:
    assert md_escape(None) == ""
    assert md_escape(md_escape("a_b")) == "a\\_b"
    assert md_escape("plain text 1.5") == "plain text 1.5"


# ------------------------------------------------------------------------------------------------------------
# custom templates
# ------------------------------------------------------------------------------------------------------------


def test_a_custom_template_with_the_marker_is_used_with_escaping_and_metadata(tmp_path: Path) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text("{{ marker }}\n## {{ title }}\n{{ verdict.emoji }} {{ headline }}\n", encoding="utf-8")
    data = dataclasses.replace(pass_input(), comment=CommentConfig(title="<b>bot</b> @team"))
    text = render_comment(data, template_path=template).text
    assert text == (
        f"{marker('support-bot')}\n{comment_metadata(HEAD_SHA, RUN_ID)}\n"
        "## &lt;b&gt;bot&lt;/b&gt; @\u200dteam\n✅ 6 of 6 datapoints passed\n"
    )


def test_a_custom_template_can_extend_the_built_in_one(tmp_path: Path) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text(
        '{% extends "builtin/comment.md.j2" %}\n{% block footer %}\n\nAsk #ml-evals.\n{% endblock %}\n',
        encoding="utf-8",
    )
    text = render_comment(pass_input(), template_path=template).text
    assert "| Metric | Baseline |" in text
    assert text.endswith("Ask #ml-evals.\n")
    assert "<sub>honeyhive-experiment" not in text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("## {{ title }}\n", "does not contain the marker"),
        ("{{ marker }}\n{% if %}\n", "invalid template"),
        ("{{ marker }}\n{{ no_such_variable }}\n", "rendering failed: UndefinedError"),
        ("{{ marker }}\n{{ 1 / 0 }}\n", "rendering failed: ZeroDivisionError"),
        ("{{ marker }}\n{{ ''.__class__.__mro__ }}\n", "rendering failed"),  # the sandbox
        ('{{ marker }}\n{% include "missing.j2" %}\n', "template not found: missing.j2"),
    ],
)
def test_a_broken_custom_template_is_one_named_error(tmp_path: Path, source: str, message: str) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render_comment(pass_input(), template_path=template)
    assert caught.value.path == str(template)
    assert str(caught.value).startswith(str(template))
    assert message in str(caught.value)


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text("{{ marker }}\nfine\n{% for x in %}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render_comment(pass_input(), template_path=template)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{template}:3: invalid template")


def test_a_missing_or_unreadable_custom_template_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="template file not found"):
        render_comment(pass_input(), template_path=tmp_path / "nope.j2")
    binary = tmp_path / "binary.j2"
    binary.write_bytes(b"\xff\xfe{{ marker }}")
    with pytest.raises(TemplateError, match="not valid UTF-8"):
        render_comment(pass_input(), template_path=binary)


# ------------------------------------------------------------------------------------------------------------
# markers
# ------------------------------------------------------------------------------------------------------------


def test_the_marker_is_a_hidden_comment_keyed_by_the_experiment() -> None:
    assert re.fullmatch(r"<!-- honeyhive-experiment:v1 key=[0-9a-f]{16} -->", marker("support-bot"))
    assert marker("support-bot") == marker("support-bot")
    assert marker("support-bot") != marker("support-bot-2")


def test_comment_metadata_round_trips() -> None:
    body = f"{marker('x')}\n{comment_metadata(HEAD_SHA, RUN_ID)}\n### x\n"
    assert parse_comment_metadata(body) == {"head": HEAD_SHA, "run": RUN_ID}
    assert parse_comment_metadata(comment_metadata(None, RUN_ID)) == {"run": RUN_ID}
    assert parse_comment_metadata("no metadata here") == {}


def test_comment_metadata_cannot_close_the_html_comment() -> None:
    meta = comment_metadata("abc --> <script>", "run id--><b>")
    assert meta.count("-->") == 1
    assert meta.endswith(" -->")
    assert "<script" not in meta
    assert parse_comment_metadata(meta) == {"head": "abc-script", "run": "runid-b"}


# ------------------------------------------------------------------------------------------------------------
# report.json and its schema
# ------------------------------------------------------------------------------------------------------------


def test_committed_schema_file_equals_the_generated_schema() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == report_json_schema_text(), (
        "schemas/report.schema.json is stale; regenerate it as report_json_schema_text's docstring says"
    )
    jsonschema.Draft202012Validator.check_schema(json.loads(committed))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_report_json_validates_against_the_schema(scenario: str) -> None:
    doc = report_json(SCENARIOS[scenario]())
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))).validate(doc)
    assert doc["version"] == 1
    assert doc["verdict"] == scenario.replace("no_baseline", "neutral")


def test_the_schema_rejects_a_report_that_drifts() -> None:
    doc = report_json(pass_input())
    validator = jsonschema.Draft202012Validator(report_json_schema())
    assert not validator.is_valid({**doc, "version": 2})
    assert not validator.is_valid({**doc, "unexpected": True})
    assert not validator.is_valid({**doc, "metrics": [{**doc["metrics"][0], "value": "0.8"}]})


def test_report_json_carries_the_backends_numbers_and_the_runs_facts() -> None:
    doc = report_json(fail_input())
    assert doc["counts"] == {"passed": 4, "failed": 2, "errored": 1, "total": 6}
    assert doc["run"] == {"id": RUN_ID, "url": f"{APP}/runs/{RUN_ID}", "head_sha": HEAD_SHA, "pr_number": 42}
    assert doc["gate_failures"] == ["accuracy got worse by 0.099 (gate: at most 0.05)"]
    assert doc["baseline"]["shared_datapoints"] == 4
    assert doc["baseline"]["total_datapoints"] == 6
    assert doc["baseline"]["created_at"] == "2025-03-01T10:00:00Z"
    assert doc["comparison"] == {"common_datapoints": 4, "new_only_datapoints": 2, "old_only_datapoints": 2}
    latency = next(m for m in doc["metrics"] if m["name"] == "latency_ms")
    assert latency == {
        "name": "latency_ms",
        "event_name": "answer",
        "label": "Latency (ms)",
        "direction": "lower",
        "key": True,
        "baseline": 1320.25,
        "value": 1480.5,
        "difference": 160.25,
        "percentage_change": 12.1378,
        "improved_count": 3,
        "degraded_count": 1,
        "same_count": 0,
        "better_count": 1,
        "worse_count": 3,
        "change": "worse",
        "failing_datapoints": 0,
        "passing_range": None,
    }
    assert doc["datapoints"]["failed"] == [
        {
            "id": "EXT-q2",
            "failing_metrics": [{"name": "accuracy", "event_name": "answer", "value": 0.2}],
            "inputs": '{"question": "What is the capital of Peru?"}',
            "outputs": '{"answer": "The capital of Peru is *Lima* | source: `wiki`"}',
        }
    ]
    assert [e["status"] for e in doc["datapoints"]["errored"]] == ["function_error", "evaluator_error"]
    assert doc["datapoints"]["errored"][1]["evaluator"] == "similarity"


# ------------------------------------------------------------------------------------------------------------
# terminal
# ------------------------------------------------------------------------------------------------------------


def test_terminal_output_is_plain_text() -> None:
    data = dataclasses.replace(
        nasty_input(),
        notes=("\x1b[31mred\x1b[0m and a bell\x07",),
    )
    text = render_terminal(data)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "<details>" not in text
    assert "**" not in text
    assert "\\|" not in text  # no Markdown escaping in plain text
    assert "a|b" in text


def test_terminal_table_aligns_columns() -> None:
    lines = render_terminal(pass_input()).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Metric"))
    table = lines[header : header + 2 + 5]
    assert set(table[1]) <= {"-", " "}
    # the right-aligned "This run" column ends at the same offset on every row
    end = table[0].index("This run") + len("This run")
    assert all(row[end - 1] != " " for row in table[2:])

"""The report's inputs for the tests, shared by every module of this package.

Inputs are built from hand-written wire bodies shaped like ``honeyhive_local``'s answers and parsed with
the models' ``from_wire``; every number in them is a literal "as the backend reported it", and every
expectation is either one of those literals or a golden file.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, quote_plus

import markupsafe

from honeyhive_experiment import report
from honeyhive_experiment.config import CommentConfig, Direction, MetricConfig
from honeyhive_experiment.judgement import BaselineInfo, Judgement, TrendPoint
from honeyhive_experiment.models import ExperimentResultSummary, RunComparisonResult
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report import Rendered, build_report
from honeyhive_experiment.verdict import Decision, Facts, Verdict, assess_comparison, crashes, decide

# ------------------------------------------------------------------------------------------------------------
# a judgement's report, built once, in each of its outputs (what delivery.compose does)
# ------------------------------------------------------------------------------------------------------------


def render_comment(data: Judgement, *, secrets: Sequence[str | None] = (), template_path: Any = None) -> Rendered:
    built = build_report(data, secrets=secrets)
    rows = data.comment.max_datapoints
    return report.render_comment(
        built, config_file=DEFAULT_CONFIG_PATH, template_path=template_path, max_datapoints=rows, secrets=secrets
    )


def render_summary(data: Judgement, *, secrets: Sequence[str | None] = ()) -> str:
    return report.render_summary(build_report(data, secrets=secrets))


def render_terminal(data: Judgement, *, secrets: Sequence[str | None] = ()) -> str:
    return report.render_terminal(build_report(data, secrets=secrets), max_datapoints=data.comment.max_datapoints)


def report_json(data: Judgement, *, secrets: Sequence[str | None] = ()) -> dict[str, Any]:
    return report.report_json(build_report(data, secrets=secrets))


NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
RUN_ID = "3f6c1a2e-5b7d-4e8f-9a01-23456789abcd"
BASELINE_ID = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
HEAD_SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8"
APP = "https://app.honeyhive.ai"
IDS = [f"EXT-q{i}" for i in range(1, 7)]

METRICS = {
    "accuracy": MetricConfig(label="Accuracy", format=".3f", key=True),
    "latency_ms": MetricConfig(direction=Direction.LOWER, label="Latency (ms)", format=",.0f", key=True),
    "spend_usd": MetricConfig(direction=Direction.LOWER),
}


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
            detail("spend_usd", 0.0021, [0.002, 0.0022, 0.0019, 0.0023, 0.002, 0.0021]),
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
        delta("spend_usd", 0.0019, 0.0021, 0.0002, 10.5263, 4, 2, 0),
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


def all_passed(
    details: Sequence[dict[str, Any]], values: Mapping[str, Any], ids: Sequence[str]
) -> ExperimentResultSummary:
    """A completed run whose datapoints ``ids`` all passed, each with the metric ``values``; its metrics' ``details``
    (:func:`detail`)."""
    metrics = {"aggregation_function": "average", "details": list(details)}
    datapoints = [datapoint(i, True, dict(values)) for i in ids]
    return summary_of(
        {
            "status": "completed",
            "success": True,
            "passed": list(ids),
            "failed": [],
            "metrics": metrics,
            "datapoints": datapoints,
        }
    )


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


def base_input(**changes: Any) -> Judgement:
    data = Judgement(
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


def decided(
    summary: ExperimentResultSummary, outcomes: Sequence[DatapointOutcome] = (), new_errors: Sequence[str] = ()
) -> Decision:
    """The verdict's decision on ``summary`` alone (no baseline, no gate): its reasons for the failed datapoints are
    the verdict's words, never a copy of them left behind when they change (those outside their passing ranges
    counted; the function's errors among ``outcomes`` named, ``new_errors``, not in the baseline, apart)."""
    return decide(summary, None, facts=Facts(crashed=crashes(outcomes, {})), new_errors=new_errors)


def pass_input() -> Judgement:
    summary = summary_of(PASS_SUMMARY_BODY)
    comparison = comparison_of(PASS_COMPARE_BODY, summary)
    return base_input(
        summary=summary,
        comparison=comparison,
        assessment=assess_comparison(comparison, METRICS, alpha=0.05, new_result=summary),  # as the flow tests them
        baseline=baseline_info(),
        trend=[
            TrendPoint("main@4e5f6a7", "r-1", {"accuracy": 0.79, "latency_ms": 1400.0}),
            TrendPoint("main@8b9c0d1", "r-2", {"accuracy": 0.805, "latency_ms": None}),
            TrendPoint("main@1a2b3c4", BASELINE_ID, {"accuracy": 0.8123, "latency_ms": 1320.25}),
        ],
    )


GATE = "accuracy got worse by 0.099 (gate: at most 0.05)"


def fail_input() -> Judgement:
    """EXT-q2 fails its passing range; EXT-q5 raised, not in the baseline; accuracy crossed its gate."""
    summary = summary_of(FAIL_SUMMARY_BODY)
    comparison = comparison_of(FAIL_COMPARE_BODY, summary)
    outcomes = [
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
    ]
    return base_input(
        decision=Decision(Verdict.FAIL, (*decided(summary, outcomes, ["EXT-q5"]).reasons, GATE), (GATE,)),
        summary=summary,
        comparison=comparison,
        assessment=assess_comparison(comparison, METRICS, alpha=0.05, new_result=summary),
        baseline=baseline_info(),
        id_scheme="own",  # the rows carry their own ids, so 2 new and 2 gone is named as a change of ids
        outcomes=outcomes,
        inputs_by_datapoint={"EXT-q2": {"question": "What is the capital of Peru?"}},
        notes=("EXT-q7 and EXT-q8 are in the baseline but not in this run's dataset",),
    )


def neutral_input() -> Judgement:
    return base_input(
        decision=Decision(Verdict.NEUTRAL, ("pull request from a fork: the HoneyHive api-key is not available",)),
        run_id=None,
        run_url=None,
    )


def error_input() -> Judgement:
    return base_input(
        decision=Decision(Verdict.ERROR, ("the run was not ingested in time",)),
        error_kind="ingestion",
        error=(
            "IngestionTimeout: run 3f6c1a2e was not fully ingested within 120 s\n"
            "  4 of 6 datapoints visible; last seen: EXT-q4 <sessions pending>"
        ),
    )


def no_baseline_input() -> Judgement:
    return base_input(
        decision=Decision(Verdict.NEUTRAL, ("no baseline run to compare with yet",)),
        summary=summary_of(PASS_SUMMARY_BODY),
        dry_run=True,
    )


def comparisons_off_input() -> Judgement:
    """``baseline: {strategy: none}``: nothing is compared, so the run's own result is the verdict."""
    return base_input(summary=summary_of(PASS_SUMMARY_BODY), comparisons_off=True, dry_run=True)


SCENARIOS = {
    "pass": pass_input,
    "fail": fail_input,
    "neutral": neutral_input,
    "error": error_input,
    "no_baseline": no_baseline_input,
}


JOB_LOG = "the job log, which has the full error (re-run the job with debug logging for your code's tracebacks)"
"""The last item of an error verdict's "What to check", whatever the error."""


def what_to_check(text: str) -> list[str]:
    """The items of an error comment's "What to check" list, in order."""
    after = text.split("**What to check**\n\n", 1)[1]
    items = []
    for line in after.splitlines():
        if not line.startswith("- "):
            break
        items.append(line[2:])
    return items


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
# big inputs (the size budget) and hostile strings (escaping)
# ------------------------------------------------------------------------------------------------------------


BIG_N, BIG_M = 5000, 300
LONG_NAME = "llm_judge_answer_relevance_and_groundedness_rubric_v2_scored_by_gpt_4o_mini_{:03d}"


def many(n_datapoints: int, worse: Sequence[str], better: Sequence[str] = (), key: str | None = None) -> Judgement:
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
            "improved_count": 3100,
            "degraded_count": 1200,
            "same_count": 700,
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
    shown = {key: MetricConfig(key=True)} if key else {}
    return base_input(
        decision=decided(summary),
        summary=summary,
        comparison=comparison,
        assessment=assess_comparison(comparison, shown, alpha=0.05),  # the sign test on the counts, as the flow's
        baseline=baseline_info(),
        outcomes=outcomes,
        inputs_by_datapoint={i: {"question": "q" * 400} for i in ids},
        metrics=shown,
        trend=[TrendPoint("main@1a2b3c4", BASELINE_ID, {key: 0.52})] if key else [],
    )


NASTY = "</details><script>alert(1)</script> a|b @octocat ```js\nfetch()``` [x](javascript:alert(1)) #12 _*~"


def nasty_input() -> Judgement:
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


# ------------------------------------------------------------------------------------------------------------
# significance: one metric significantly worse, one within noise, one with too few changes to tell
# ------------------------------------------------------------------------------------------------------------

SIG_IDS = [f"EXT-s{i}" for i in range(1, 21)]


def significance_input() -> Judgement:
    """A run of 20 datapoints judged the way the flow judges it (assess_comparison and assess_gates, then decide)
    against a baseline in which two of them failed: accuracy drops on 15 of 20 (worse past its 5% gate, one-sided
    p < 0.001), faithfulness changes 5 up / 6 down (within noise), cost 2 worse / 1 better (too few to tell)."""
    from honeyhive_experiment.config import GateRule
    from honeyhive_experiment.verdict import assess_comparison, assess_gates, decide

    body = {
        "status": "completed",
        "success": True,
        "passed": SIG_IDS,
        "failed": [],
        "metrics": {
            "aggregation_function": "average",
            "details": [
                detail("accuracy", 0.8, [0.8] * 20, passing_range={"min": 0.5}, ids=SIG_IDS),
                detail("faithfulness", 0.89, [0.89] * 20, ids=SIG_IDS),
                detail("spend_usd", 0.0021, [0.0021] * 20, ids=SIG_IDS),
            ],
        },
        "datapoints": [datapoint(i, True, {"accuracy": 0.8}) for i in SIG_IDS],
        "event_details": [{"event_name": "answer", "event_type": "chain"}],
        "run_object": run_object(
            RUN_ID, "support-bot #42", SIG_IDS, commit=HEAD_SHA, created_at="2025-03-04T11:50:00Z"
        ),
    }
    old_body = {**body, "passed": SIG_IDS[2:], "failed": SIG_IDS[:2], "success": False}
    compare = {
        "commonDatapoints": SIG_IDS,
        "metrics": [
            delta("accuracy", 0.9, 0.8, -0.1, -11.1111, 1, 15, 4),
            delta("faithfulness", 0.9, 0.89, -0.01, -1.1111, 5, 6, 9),
            delta("spend_usd", 0.002, 0.0021, 0.0001, 5.0, 2, 1, 17),
        ],
        "event_details": [{"event_name": "answer", "event_type": "chain", "presence": "both"}],
    }
    summary = summary_of(body)
    comparison = comparison_of(compare, summary)
    assessment = assess_comparison(comparison, METRICS, alpha=0.05, old_result=summary_of(old_body), new_result=summary)
    gates = {"accuracy": GateRule(max_drop_pct=5)}
    gated = assess_gates(comparison, gates, METRICS, alpha=0.05)
    # this experiment records no latency_ms: its metrics: entry would name no metric, a reason of its own
    shown = {name: config for name, config in METRICS.items() if name != "latency_ms"}
    decision = decide(summary, comparison, gates=gates, presentation=shown, ranged=["accuracy"], gate_assessment=gated)
    return base_input(
        decision=decision,
        summary=summary,
        comparison=comparison,
        baseline=baseline_info(total_datapoints=20),
        assessment=assessment,
        gate_assessment=gated,
        gates=gates,
        baseline_failed=frozenset(SIG_IDS[:2]),
        baseline_errored=frozenset(),
        inputs_by_datapoint={"EXT-d0": {"question": "What is the capital of Peru?"}},
    )


# ------------------------------------------------------------------------------------------------------------
# a secret in the shapes programs print it in (the redaction tests, and test_secret_shapes.py end to end)
# ------------------------------------------------------------------------------------------------------------


def encodings(secret: str) -> dict[str, str]:
    """The forms of ``secret`` a program prints or returns, by name."""
    raw = secret.encode()
    return {
        "base64": base64.b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64 url-safe": base64.urlsafe_b64encode(raw).decode(),
        "base64 url-safe unpadded": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "base64 at offset 1": base64.b64encode(b"a" + raw + b"!").decode(),
        "base64 at offset 2": base64.b64encode(b"ab" + raw + b"!!").decode(),
        "base64 at offset 0 after a group": base64.b64encode(b"abc" + raw + b"!").decode(),
        "base64 of user:secret": base64.b64encode(b"user:" + raw).decode(),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "percent-encoded": quote(secret, safe=""),
        "percent-encoded, / kept": quote(secret),
        "quote_plus": quote_plus(secret),
        "percent-encoded in lower case": re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
        "JSON string": json.dumps(secret),
        "JSON with \\/": json.dumps(secret).replace("/", "\\/"),
        "JSON in JSON": json.dumps({"headers": {"x-key": secret}}),
        "HTML-escaped": html.escape(secret),  # &amp; &lt; &gt; &quot; &#x27;
        "HTML-escaped by Jinja": str(markupsafe.escape(secret)),  # &#34; &#39;
        "HTML numeric": "".join(c if c.isalnum() or c in "-_.~" else f"&#{ord(c)};" for c in secret),
        "HTML numeric hex": "".join(c if c.isalnum() or c in "-_.~" else f"&#x{ord(c):X};" for c in secret),
        "repr": repr(secret),  # \' when it holds both quotes, \\ for a backslash
        # no character as itself (audit 51, F2)
        "hex with spaces": raw.hex(" "),
        "HEX with colons": raw.hex(":").upper(),
        "each byte as \\xXX": "".join(f"\\x{byte:02x}" for byte in raw),
        "each byte as %XX": "".join(f"%{byte:02X}" for byte in raw),
        "each character as \\uXXXX": "".join(f"\\u{ord(c):04x}" for c in secret),
        "each character as &#N;": "".join(f"&#{ord(c)};" for c in secret),
        "each character as &#xX;": "".join(f"&#x{ord(c):X};" for c in secret),
        # HTML takes an X in either case and any number of leading zeros (audit52 L6)
        "each character as &#XX;": "".join(f"&#X{ord(c):X};" for c in secret),
        "each character as &#000N;": "".join(f"&#{ord(c):04};" for c in secret),
    }


def recognisable(form: str) -> list[str]:
    """Pieces of an encoded form that would give it away: itself and its middle (a replaced base64 core may leave
    the 2-3 characters at its ends that also depend on the bytes around the secret)."""
    return [form, form[4:-4]]

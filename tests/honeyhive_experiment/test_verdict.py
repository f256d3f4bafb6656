"""The decision core, as tables: what the backend reported → verdict, reasons, warnings, gates.

Inputs are hand-written wire bodies shaped like ``honeyhive_local``'s ``/summary`` and ``/compare`` answers;
every expectation is a literal. Each row names the rule it holds, so a mutant that survives names a missing row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from honeyhive_experiment.config import Direction, GateRule, MetricConfig, VerdictConfig
from honeyhive_experiment.models import ExperimentResultSummary, RunComparisonResult
from honeyhive_experiment.runner import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.significance import Change
from honeyhive_experiment.verdict import (
    PASS_FAIL,
    Decision,
    EvaluatorErrors,
    Verdict,
    assess_comparison,
    decide,
    evaluator_errors,
    exit_code,
    unchecked_metrics,
)

pytestmark = pytest.mark.unit

IDS = [f"EXT-{i}" for i in range(12)]


def summary(
    passed: Sequence[str] = IDS,
    failed: Sequence[str] = (),
    *,
    metrics: dict[str, Sequence[str] | None] | None = None,
    success: bool | None = None,
    error: str | None = None,
) -> ExperimentResultSummary:
    """A summary whose metric ``name`` has values on the given ids (``None``: a legacy body without id lists)."""
    details = []
    for name, ids in (metrics if metrics is not None else {"accuracy": [*passed, *failed]}).items():
        detail: dict[str, Any] = {
            "metric_name": name,
            "event_name": "answer",
            "aggregate": 0.9,
            "values": [0.9] * (len(ids) if ids is not None else len(passed) + len(failed)),
        }
        if ids is not None:
            detail["datapoints"] = {"passed": list(ids), "failed": []}
        details.append(detail)
    body: dict[str, Any] = {
        "status": "completed",
        "success": (not failed) if success is None else success,
        "passed": list(passed),
        "failed": list(failed),
        "metrics": {"aggregation_function": "average", "details": details},
        "datapoints": [],
    }
    if error is not None:
        body["error"] = error
    return ExperimentResultSummary.from_wire(body, run_id="run-new")


def comparison(*deltas: dict[str, Any]) -> RunComparisonResult:
    return RunComparisonResult.from_wire(
        {"commonDatapoints": IDS, "metrics": list(deltas)}, new_run_id="run-new", old_run_id="run-old"
    )


def delta(
    name: str = "accuracy",
    *,
    difference: float = -0.08,
    pct: float = -8.0,
    improved: int = 4,
    degraded: int = 5,
    counts: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metric_name": name,
        "event_name": "answer",
        "old_aggregate": 1.0,
        "new_aggregate": 1.0 + difference,
        "difference": difference,
        "percentage_change": pct,
    }
    if counts:
        body |= {
            "improved_count": improved,
            "degraded_count": degraded,
            "same_count": 0,
            "improved": IDS[:improved],
            "degraded": IDS[improved : improved + degraded],
        }
    return body


def judge(
    result: ExperimentResultSummary,
    compared: RunComparisonResult | None = None,
    *,
    gates: dict[str, GateRule] | None = None,
    presentation: dict[str, MetricConfig] | None = None,
    ranged: Sequence[str] = (),
    errors: dict[str, EvaluatorErrors] | None = None,
    policy: VerdictConfig | None = None,
    old: ExperimentResultSummary | None = None,
) -> Decision:
    assessment = (
        assess_comparison(
            compared,
            presentation or {},
            alpha=(policy or VerdictConfig()).alpha,
            old_result=old,
            new_result=result if old is not None else None,
        )
        if compared is not None
        else {}
    )
    return decide(
        result,
        compared,
        gates=gates,
        presentation=presentation,
        ranged=ranged,
        errors=errors,
        policy=policy,
        assessment=assessment,
    )


# ------------------------------------------------------------------------------------------- the verdict table

RAISED = {"accuracy": EvaluatorErrors(12, "ValueError: no judge")}
GATE_PCT = {"accuracy": GateRule(max_drop_pct=5)}

CASES: list[tuple[str, Decision, Verdict, Sequence[str]]] = [
    # (rule, decision, verdict, words every reason list must contain, in order)
    ("all passed, no baseline: neutral", judge(summary()), Verdict.NEUTRAL, ["no baseline"]),
    ("all passed, baseline, no gate: pass", judge(summary(), comparison(delta())), Verdict.PASS, ["every datapoint"]),
    ("a failed datapoint fails", judge(summary(IDS[1:], IDS[:1])), Verdict.FAIL, ["1 datapoint(s) failed"]),
    (
        "success false without failed ids fails with the backend's error",
        judge(summary(success=False, error="the summary could not be computed")),
        Verdict.FAIL,
        ["could not be computed"],
    ),
    (
        "success false without an error says so",
        judge(summary(success=False)),
        Verdict.FAIL,
        ["not successful"],
    ),
    (
        "a ranged metric with no values at all fails, naming the evaluator's error",
        judge(summary(metrics={}), ranged=["accuracy"], errors=RAISED),
        Verdict.FAIL,
        ["accuracy has a passing range but no value on 12", "evaluator accuracy raised on 12", "ValueError: no judge"],
    ),
    (
        "a ranged metric missing on some passed datapoints fails even with a baseline",
        judge(summary(metrics={"accuracy": IDS[:10]}), comparison(delta()), ranged=["accuracy"]),
        Verdict.FAIL,
        ["no value on 2", "returned nothing"],
    ),
    (
        "a gated metric with no values fails",
        judge(summary(metrics={}), comparison(), gates=GATE_PCT),
        Verdict.FAIL,
        ["accuracy has a gate but no value on 12"],
    ),
    (
        "a sub-metric of a dict evaluator is blamed on that evaluator",
        judge(summary(metrics={}), ranged=["accuracy_score"], errors=RAISED),
        Verdict.FAIL,
        ["evaluator accuracy raised"],
    ),
    (
        "a legacy body without id lists is judged by its value count",
        judge(summary(metrics={"accuracy": None}), ranged=["accuracy"]),
        Verdict.NEUTRAL,
        ["no baseline"],
    ),
    (
        "failed datapoints within allow_failed do not fail",
        judge(summary(IDS[2:], IDS[:2]), comparison(delta()), policy=VerdictConfig(allow_failed=2)),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "one more than allow_failed fails",
        judge(summary(IDS[3:], IDS[:3]), comparison(delta()), policy=VerdictConfig(allow_failed=2)),
        Verdict.FAIL,
        ["3 datapoint(s) failed"],
    ),
    (
        "a percentage tolerance counts the run's datapoints (25% of 12 = 3)",
        judge(summary(IDS[3:], IDS[:3]), comparison(delta()), policy=VerdictConfig(allow_failed="25%")),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "an 8% drop past a 5% gate but within noise (4 better, 5 worse) passes",
        judge(summary(), comparison(delta()), gates=GATE_PCT),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "the same 8% drop with 12 of 12 datapoints degraded fails",
        judge(summary(), comparison(delta(improved=0, degraded=12)), gates=GATE_PCT),
        Verdict.FAIL,
        ["accuracy got worse by 8.0% (gate: at most 5%)", "significant (p < 0.001)"],
    ),
    (
        "a gate that opts out of significance fails on noise",
        judge(summary(), comparison(delta()), gates={"accuracy": GateRule(max_drop_pct=5, significant=False)}),
        Verdict.FAIL,
        ["got worse by 8.0%", "significant: false"],
    ),
    (
        "without per-datapoint counts a gate fails on its bound and says why",
        judge(summary(), comparison(delta(counts=False)), gates=GATE_PCT),
        Verdict.FAIL,
        ["got worse by 8.0%", "significance unknown"],
    ),
    (
        "a drop within the gate passes",
        judge(summary(), comparison(delta(difference=-0.04, pct=-4.0, improved=0, degraded=12)), gates=GATE_PCT),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "max_drop in the metric's units",
        judge(
            summary(),
            comparison(delta(improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop=0.05)},
        ),
        Verdict.FAIL,
        ["accuracy got worse by 0.08 (gate: at most 0.05)"],
    ),
    (
        "max_degraded counts the backend's degraded datapoints",
        judge(summary(), comparison(delta(improved=0, degraded=12)), gates={"accuracy": GateRule(max_degraded=11)}),
        Verdict.FAIL,
        ["degraded on 12 datapoints (gate: at most 11)"],
    ),
    (
        "max_degraded not exceeded passes",
        judge(summary(), comparison(delta(improved=0, degraded=12)), gates={"accuracy": GateRule(max_degraded=12)}),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "lower is better: a rise is the drop, and improved counts are the degraded ones",
        judge(
            summary(metrics={"latency": IDS}),
            comparison(delta("latency", difference=8.0, pct=8.0, improved=12, degraded=0)),
            gates={"latency": GateRule(max_drop_pct=5, max_degraded=3)},
            presentation={"latency": MetricConfig(direction=Direction.LOWER)},
        ),
        Verdict.FAIL,
        ["latency got worse by 8.0%", "latency degraded on 12 datapoints"],
    ),
    (
        "lower is better: a fall is an improvement, whatever its size",
        judge(
            summary(metrics={"latency": IDS}),
            comparison(delta("latency", difference=-8.0, pct=-8.0, improved=0, degraded=12)),
            gates={"latency": GateRule(max_drop_pct=5, max_degraded=3)},
            presentation={"latency": MetricConfig(direction=Direction.LOWER)},
        ),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "a gate on a metric the comparison lacks fails (no value), not silently passes",
        judge(summary(), comparison(delta()), gates={"recall": GateRule(max_drop=0.1)}),
        Verdict.FAIL,
        ["recall has a gate but no value on 12"],
    ),
]


@pytest.mark.parametrize(("rule", "decision", "verdict", "words"), CASES, ids=[c[0] for c in CASES])
def test_the_verdict_table(rule: str, decision: Decision, verdict: Verdict, words: Sequence[str]) -> None:
    assert decision.verdict is verdict, decision
    said = " | ".join(decision.reasons)
    position = 0
    for word in words:
        found = said.find(word, position)
        assert found >= 0, f"{word!r} not in {said!r} (after position {position})"
        position = found


def test_gate_failures_are_also_listed_as_gate_failures_and_name_their_metric() -> None:
    decision = judge(summary(), comparison(delta(improved=0, degraded=12)), gates=GATE_PCT)
    assert decision.gate_failures == decision.reasons
    assert decision.gates_hit == ("accuracy",)
    assert judge(summary(), comparison(delta()), gates=GATE_PCT).gates_hit == ()


def test_a_gate_within_noise_is_a_warning_not_a_failure() -> None:
    decision = judge(summary(), comparison(delta()), gates=GATE_PCT)
    assert decision.warnings == ("accuracy got worse by 8.0% (gate: at most 5%), but within noise (p = 1): not failed",)


def test_a_tolerated_failure_is_said() -> None:
    decision = judge(summary(IDS[2:], IDS[:2]), comparison(delta()), policy=VerdictConfig(allow_failed=2))
    assert decision.warnings == ("2 of 12 datapoint(s) failed, within the tolerance (verdict.allow_failed: 2)",)


def test_an_evaluator_error_on_an_unjudged_metric_is_a_warning() -> None:
    errors = {"tone": EvaluatorErrors(3, "KeyError: 'answer'")}
    decision = judge(summary(), comparison(delta()), errors=errors)
    assert decision.verdict is Verdict.PASS
    assert decision.warnings == ("evaluator tone raised on 3 datapoint(s): KeyError: 'answer'",)


def test_an_evaluator_blamed_for_a_missing_metric_is_not_warned_about_twice() -> None:
    decision = judge(summary(metrics={}), ranged=["accuracy"], errors=RAISED)
    assert decision.warnings == ()


# ------------------------------------------------------------------------------------------ unchecked metrics

UNCHECKED = [
    ("all there", summary(), ["accuracy"], {}),
    ("no detail at all", summary(metrics={}), ["accuracy"], {"accuracy": 12}),
    ("some missing", summary(metrics={"accuracy": IDS[:9]}), ["accuracy"], {"accuracy": 3}),
    (
        "only datapoints the backend passed count",
        summary(IDS[:6], IDS[6:], metrics={"accuracy": IDS[:5]}),
        ["accuracy"],
        {"accuracy": 1},
    ),
    ("a metric named twice counts once", summary(metrics={}), ["accuracy", "accuracy"], {"accuracy": 12}),
    ("legacy: values counted", summary(metrics={"accuracy": None}), ["accuracy"], {}),
    ("nothing judged", summary(metrics={}), [], {}),
]


@pytest.mark.parametrize(("rule", "result", "metrics", "expected"), UNCHECKED, ids=[c[0] for c in UNCHECKED])
def test_unchecked_metrics(
    rule: str, result: ExperimentResultSummary, metrics: list[str], expected: dict[str, int]
) -> None:
    assert unchecked_metrics(result, metrics) == expected


def test_unchecked_metrics_of_a_legacy_body_with_too_few_values() -> None:
    body = summary(metrics={"accuracy": None})
    short = ExperimentResultSummary.from_wire(
        {
            **body.model_dump(),
            "metrics": {"details": [{"metric_name": "accuracy", "aggregate": 1.0, "values": [1.0] * 7}]},
        },
        run_id="r",
    )
    assert unchecked_metrics(short, ["accuracy"]) == {"accuracy": 5}


def test_evaluator_errors_counts_each_evaluator_and_keeps_its_first_error() -> None:
    def outcome(index: int, *failures: tuple[str, str]) -> DatapointOutcome:
        return DatapointOutcome(
            index,
            f"dp{index}",
            f"s{index}",
            OutcomeStatus.OK,
            evaluator_failures=tuple(EvaluatorFailure(name, error) for name, error in failures),
        )

    outcomes = [outcome(0, ("a", "E1"), ("b", "F1")), outcome(1), outcome(2, ("a", "E2"))]
    assert evaluator_errors(outcomes) == {"a": EvaluatorErrors(2, "E1"), "b": EvaluatorErrors(1, "F1")}
    assert evaluator_errors([]) == {}


# ------------------------------------------------------------------------------------------------- assessment


def test_assess_comparison_is_direction_aware_and_holm_corrected() -> None:
    compared = comparison(
        delta("accuracy", improved=0, degraded=12),
        delta("latency", difference=3.0, pct=3.0, improved=12, degraded=0),
        delta("cost", improved=2, degraded=2),
    )
    found = assess_comparison(compared, {"latency": MetricConfig(direction=Direction.LOWER)}, alpha=0.05)
    assert (found[("accuracy", "answer")].better, found[("accuracy", "answer")].worse) == (0, 12)
    assert (found[("latency", "answer")].better, found[("latency", "answer")].worse) == (0, 12)
    assert found[("accuracy", "answer")].change is Change.WORSE
    assert found[("cost", "answer")].change is Change.TOO_FEW
    # Holm over 3 tests: the smallest raw p is multiplied by 3
    raw = found[("accuracy", "answer")].p_value
    assert found[("accuracy", "answer")].p_adjusted == pytest.approx(min(1.0, 3 * raw))
    assert PASS_FAIL not in found


def test_pass_fail_flips_are_a_mcnemar_row() -> None:
    old = summary(IDS[:10], IDS[10:])
    new = summary(IDS[2:], IDS[:2])  # 2 went pass→fail, 2 fail→pass
    found = assess_comparison(comparison(), {}, alpha=0.05, old_result=old, new_result=new)
    assert (found[PASS_FAIL].better, found[PASS_FAIL].worse) == (2, 2)
    assert found[PASS_FAIL].change is Change.TOO_FEW


def test_metrics_without_counts_are_not_assessed() -> None:
    assert assess_comparison(comparison(delta(counts=False)), {}, alpha=0.05) == {}


@pytest.mark.parametrize(
    ("verdict", "fail_on_error", "code"),
    [
        (Verdict.PASS, True, 0),
        (Verdict.NEUTRAL, True, 0),
        (Verdict.FAIL, True, 1),
        (Verdict.FAIL, False, 1),
        (Verdict.ERROR, True, 2),
        (Verdict.ERROR, False, 0),
    ],
)
def test_exit_codes(verdict: Verdict, fail_on_error: bool, code: int) -> None:
    assert exit_code(verdict, fail_on_error=fail_on_error) == code


def test_verdict_words_and_emoji() -> None:
    assert [v.emoji for v in Verdict] == ["✅", "❌", "⚪", "⚠️"]

"""The decision core, as tables: what the backend reported → verdict, reasons, warnings, gates.

Inputs are hand-written wire bodies shaped like ``honeyhive_local``'s ``/summary`` and ``/compare`` answers;
every expectation is a literal. Each row names the rule it holds, so a mutant that survives names a missing row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from honeyhive_experiment.config import Direction, GateRule, MetricConfig, VerdictConfig
from honeyhive_experiment.models import ExperimentResultSummary, RunComparisonResult
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus
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
    pct: float | None = -8.0,
    improved: int = 4,
    degraded: int = 5,
    counts: bool = True,
    event: str = "answer",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metric_name": name,
        "event_name": event,
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

CASES: list[tuple[str, Callable[[], Decision], Verdict, Sequence[str]]] = [
    # (rule, decision, verdict, words every reason list must contain, in order). The decision is made when the
    # test runs, not when the table is built: mutation testing (benchmarks/mutation.py) swaps the code under test
    # after this module was imported, and a decision made at import time would never see the mutant.
    ("all passed, no baseline: neutral", lambda: judge(summary()), Verdict.NEUTRAL, ["no baseline"]),
    (
        "all passed, baseline, no gate: pass",
        lambda: judge(summary(), comparison(delta())),
        Verdict.PASS,
        ["every datapoint"],
    ),
    ("a failed datapoint fails", lambda: judge(summary(IDS[1:], IDS[:1])), Verdict.FAIL, ["1 datapoint(s) failed"]),
    (
        "success false without failed ids fails with the backend's error",
        lambda: judge(summary(success=False, error="the summary could not be computed")),
        Verdict.FAIL,
        ["could not be computed"],
    ),
    (
        "success false without an error says so",
        lambda: judge(summary(success=False)),
        Verdict.FAIL,
        ["not successful"],
    ),
    (
        "a ranged metric with no values at all fails, naming the evaluator's error",
        lambda: judge(summary(metrics={}), ranged=["accuracy"], errors=RAISED),
        Verdict.FAIL,
        ["accuracy has a passing range but no value on 12", "evaluator accuracy raised on 12", "ValueError: no judge"],
    ),
    (
        "a ranged metric missing on some passed datapoints fails even with a baseline",
        lambda: judge(summary(metrics={"accuracy": IDS[:10]}), comparison(delta()), ranged=["accuracy"]),
        Verdict.FAIL,
        ["no value on 2", "returned nothing"],
    ),
    (
        "a gated metric with no values fails",
        lambda: judge(summary(metrics={}), comparison(), gates=GATE_PCT),
        Verdict.FAIL,
        ["accuracy has a gate but no value on 12"],
    ),
    (
        "a sub-metric of a dict evaluator is blamed on that evaluator",
        lambda: judge(summary(metrics={}), ranged=["accuracy_score"], errors=RAISED),
        Verdict.FAIL,
        ["evaluator accuracy raised"],
    ),
    (
        "a legacy body without id lists is judged by its value count",
        lambda: judge(summary(metrics={"accuracy": None}), ranged=["accuracy"]),
        Verdict.NEUTRAL,
        ["no baseline"],
    ),
    (
        "failed datapoints within allow_failed do not fail",
        lambda: judge(summary(IDS[2:], IDS[:2]), comparison(delta()), policy=VerdictConfig(allow_failed=2)),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "one more than allow_failed fails",
        lambda: judge(summary(IDS[3:], IDS[:3]), comparison(delta()), policy=VerdictConfig(allow_failed=2)),
        Verdict.FAIL,
        ["3 datapoint(s) failed"],
    ),
    (
        "a percentage tolerance counts the run's datapoints (25% of 12 = 3)",
        lambda: judge(summary(IDS[3:], IDS[:3]), comparison(delta()), policy=VerdictConfig(allow_failed="25%")),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "an 8% drop past a 5% gate but within noise (4 better, 5 worse) passes",
        lambda: judge(summary(), comparison(delta()), gates=GATE_PCT),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "the same 8% drop with 12 of 12 datapoints degraded fails",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=12)), gates=GATE_PCT),
        Verdict.FAIL,
        ["accuracy got worse by 8.0% (gate: at most 5%)", "significant (p < 0.001)"],
    ),
    (
        "a gate that opts out of significance fails on noise",
        lambda: judge(summary(), comparison(delta()), gates={"accuracy": GateRule(max_drop_pct=5, significant=False)}),
        Verdict.FAIL,
        ["got worse by 8.0%", "significant: false"],
    ),
    (
        "without per-datapoint counts a gate fails on its bound and says why",
        lambda: judge(summary(), comparison(delta(counts=False)), gates=GATE_PCT),
        Verdict.FAIL,
        ["got worse by 8.0%", "significance unknown"],
    ),
    (
        "a drop within the gate passes",
        lambda: judge(
            summary(), comparison(delta(difference=-0.04, pct=-4.0, improved=0, degraded=12)), gates=GATE_PCT
        ),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "max_drop in the metric's units",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop=0.05)},
        ),
        Verdict.FAIL,
        ["accuracy got worse by 0.08 (gate: at most 0.05)"],
    ),
    (
        "max_degraded counts the backend's degraded datapoints",
        lambda: judge(
            summary(), comparison(delta(improved=0, degraded=12)), gates={"accuracy": GateRule(max_degraded=11)}
        ),
        Verdict.FAIL,
        ["degraded on 12 datapoints (gate: at most 11)"],
    ),
    (
        "max_degraded not exceeded passes",
        lambda: judge(
            summary(), comparison(delta(improved=0, degraded=12)), gates={"accuracy": GateRule(max_degraded=12)}
        ),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "lower is better: a rise is the drop, and improved counts are the degraded ones",
        lambda: judge(
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
        lambda: judge(
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
        lambda: judge(summary(), comparison(delta()), gates={"recall": GateRule(max_drop=0.1)}),
        Verdict.FAIL,
        ["recall has a gate but no value on 12"],
    ),
    (
        "a drop exactly at max_drop passes (the bound is allowed)",
        lambda: judge(
            summary(),
            comparison(delta(difference=-0.05, improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop=0.05)},
        ),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "a drop exactly at max_drop_pct passes (the bound is allowed)",
        lambda: judge(summary(), comparison(delta(pct=-5.0, improved=0, degraded=12)), gates=GATE_PCT),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "no percentage change (the baseline's aggregate was 0): max_drop_pct cannot be hit",
        lambda: judge(summary(), comparison(delta(pct=None, improved=0, degraded=12)), gates=GATE_PCT),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "lower is better: max_drop is checked on the rise",
        lambda: judge(
            summary(metrics={"latency": IDS}),
            comparison(delta("latency", difference=8.0, pct=8.0, improved=12, degraded=0)),
            gates={"latency": GateRule(max_drop=5)},
            presentation={"latency": MetricConfig(direction=Direction.LOWER)},
        ),
        Verdict.FAIL,
        ["latency got worse by 8 (gate: at most 5)"],
    ),
    (
        "a metric on two events: a hit on the second event fails even when the first is within the gate",
        lambda: judge(
            summary(),
            comparison(
                delta(difference=-0.01, pct=-1.0, improved=0, degraded=12),
                delta(event="retrieval", improved=0, degraded=12),
            ),
            gates=GATE_PCT,
        ),
        Verdict.FAIL,
        ["accuracy got worse by 8.0% (gate: at most 5%)"],
    ),
]


@pytest.mark.parametrize(("rule", "decide_it", "verdict", "words"), CASES, ids=[c[0] for c in CASES])
def test_the_verdict_table(
    rule: str, decide_it: Callable[[], Decision], verdict: Verdict, words: Sequence[str]
) -> None:
    decision = decide_it()
    assert decision.verdict is verdict, decision
    said = " | ".join(decision.reasons)
    position = 0
    for word in words:
        found = said.find(word, position)
        assert found >= 0, f"{word!r} not in {said!r} (after position {position})"
        position = found


TONE = {"tone": EvaluatorErrors(3, "KeyError: 'answer'")}
TONE_WARNING = "evaluator tone raised on 3 datapoint(s): KeyError: 'answer'"

EXACT: list[tuple[str, Callable[[], Decision], Verdict, tuple[str, ...], tuple[str, ...]]] = [
    # (rule, decision, verdict, every reason, every warning): whole sentences, and warnings on every way out
    (
        "no baseline: neutral, and an evaluator's error is still said",
        lambda: judge(summary(), errors=TONE),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (TONE_WARNING,),
    ),
    (
        "pass, and an evaluator's error is still said",
        lambda: judge(summary(), comparison(delta()), errors=TONE),
        Verdict.PASS,
        ("every datapoint passed",),
        (TONE_WARNING,),
    ),
    (
        "the backend's failure without an error message, and an evaluator's error is still said",
        lambda: judge(summary(success=False), errors=TONE),
        Verdict.FAIL,
        ("the backend reported the run as not successful",),
        (TONE_WARNING,),
    ),
    (
        "a failed datapoint",
        lambda: judge(summary(IDS[1:], IDS[:1])),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges or errored",),
        (),
    ),
    (
        "a ranged metric missing where its evaluator raised nothing",
        lambda: judge(summary(metrics={"accuracy": IDS[:10]}), ranged=["accuracy"]),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 2 of the datapoints the backend passed: its evaluator"
            " returned nothing for them",
        ),
        (),
    ),
    (
        "a gated metric missing, blamed on its evaluator",
        lambda: judge(summary(metrics={}), comparison(), gates=GATE_PCT, errors=RAISED),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 12 of the datapoints the backend passed: evaluator accuracy raised"
            " on 12 datapoint(s) (ValueError: no judge)",
        ),
        (),
    ),
    (
        "the longest evaluator name the metric starts with is blamed; the other evaluator is a warning",
        lambda: judge(
            summary(metrics={}),
            ranged=["tone_judge_score"],
            errors={"tone": EvaluatorErrors(3, "KeyError: 'answer'"), "tone_judge": EvaluatorErrors(2, "E: x")},
        ),
        Verdict.FAIL,
        (
            "tone_judge_score has a passing range but no value on 12 of the datapoints the backend passed:"
            " evaluator tone_judge raised on 2 datapoint(s) (E: x)",
        ),
        (TONE_WARNING,),
    ),
    (
        "a gate hit, and an evaluator's error is still said",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=12)), gates=GATE_PCT, errors=TONE),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%); significant (p < 0.001)",),
        (TONE_WARNING,),
    ),
]


@pytest.mark.parametrize(("rule", "decide_it", "verdict", "reasons", "warnings"), EXACT, ids=[c[0] for c in EXACT])
def test_the_whole_decision(
    rule: str,
    decide_it: Callable[[], Decision],
    verdict: Verdict,
    reasons: tuple[str, ...],
    warnings: tuple[str, ...],
) -> None:
    decision = decide_it()
    assert (decision.verdict, decision.reasons, decision.warnings) == (verdict, reasons, warnings)


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


LEGACY: list[tuple[str, Sequence[str], Sequence[str], int, dict[str, int]]] = [
    # (rule, passed, failed, values the metric has, missing): a body without id lists is judged by its value count
    ("too few values", IDS, [], 7, {"accuracy": 5}),
    ("failed datapoints count among the datapoints", IDS[:8], IDS[8:], 7, {"accuracy": 5}),
    ("a value for every datapoint", IDS[:8], IDS[8:], 12, {}),
    ("never more than the datapoints the backend passed", IDS[:3], IDS[3:], 2, {"accuracy": 3}),
]


@pytest.mark.parametrize(("rule", "passed", "failed", "values", "expected"), LEGACY, ids=[c[0] for c in LEGACY])
def test_unchecked_metrics_of_a_legacy_body(
    rule: str, passed: Sequence[str], failed: Sequence[str], values: int, expected: dict[str, int]
) -> None:
    body = summary(passed, failed, metrics={"accuracy": None})
    legacy = ExperimentResultSummary.from_wire(
        {
            **body.model_dump(),
            "metrics": {"details": [{"metric_name": "accuracy", "aggregate": 1.0, "values": [1.0] * values}]},
        },
        run_id="r",
    )
    assert unchecked_metrics(legacy, ["accuracy"]) == expected


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


COUNTS: list[tuple[str, dict[str, Any], tuple[int, int] | None]] = [
    # (rule, what the backend sent of improved/degraded, (better, worse) assessed, or None: not assessed)
    ("the counts", {"improved_count": 1, "degraded_count": 9}, (1, 9)),
    ("the id lists when there are no counts", {"improved": IDS[:2], "degraded": IDS[2:9]}, (2, 7)),
    (
        "the counts over the id lists",
        {"improved_count": 1, "degraded_count": 9, "improved": IDS[:2], "degraded": IDS[2:9]},
        (1, 9),
    ),
    ("a count on one side, a list on the other", {"improved_count": 3, "degraded": IDS[:5]}, (3, 5)),
    ("a list on one side, a count on the other", {"improved": IDS[:4], "degraded_count": 6}, (4, 6)),
    ("nothing on the degraded side: not assessed", {"improved_count": 3, "improved": IDS[:3]}, None),
    ("nothing on the improved side: not assessed", {"degraded_count": 3, "degraded": IDS[:3]}, None),
]


@pytest.mark.parametrize(("rule", "sent", "expected"), COUNTS, ids=[c[0] for c in COUNTS])
def test_where_the_improved_and_degraded_counts_come_from(
    rule: str, sent: dict[str, Any], expected: tuple[int, int] | None
) -> None:
    found = assess_comparison(comparison(delta(counts=False) | sent), {}, alpha=0.05)
    assessed = found.get(("accuracy", "answer"))
    assert (None if assessed is None else (assessed.better, assessed.worse)) == expected


def test_assess_comparison_uses_the_given_alpha() -> None:
    compared = comparison(delta(improved=0, degraded=7))  # the smallest two-sided p for n = 7 is 2 / 2**7 = 0.0156
    assert assess_comparison(compared, {}, alpha=0.05)[("accuracy", "answer")].change is Change.WORSE
    assert assess_comparison(compared, {}, alpha=0.01)[("accuracy", "answer")].change is Change.TOO_FEW


def test_one_runs_result_alone_has_no_pass_fail_row() -> None:
    compared = comparison(delta(improved=0, degraded=12))
    for old, new in ((summary(), None), (None, summary())):
        assert list(assess_comparison(compared, {}, alpha=0.05, old_result=old, new_result=new)) == [
            ("accuracy", "answer")
        ]


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


def test_an_error_fails_the_check_unless_told_otherwise() -> None:
    assert exit_code(Verdict.ERROR) == 2


def test_verdict_words_and_emoji() -> None:
    assert [v.emoji for v in Verdict] == ["✅", "❌", "⚪", "⚠️"]


@pytest.mark.parametrize(
    ("unrecorded", "verdict"),
    [((), Verdict.PASS), (("ApiError: session not started",), Verdict.FAIL)],
    ids=["all-recorded", "one-refused"],
)
def test_a_row_the_backend_never_recorded_fails(unrecorded: tuple[str, ...], verdict: Verdict) -> None:
    decision = decide(summary(), comparison(delta()), unrecorded=unrecorded)
    assert decision.verdict is verdict
    if unrecorded:
        assert decision.reasons == (
            "1 datapoint(s) of the dataset were not recorded by the backend, so they were never judged"
            " (ApiError: session not started)",
        )

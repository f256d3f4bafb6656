"""The decision core, as tables: what the backend reported → verdict, reasons, warnings, gates.

Inputs are hand-written wire bodies shaped like ``honeyhive_local``'s ``/summary`` and ``/compare`` answers;
every expectation is a literal. Each row names the rule it holds, so a mutant that survives names a missing row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Container, Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.config import Direction, GateRule, MetricConfig, VerdictConfig
from honeyhive_experiment.efficiency import NO_VALUE, OUTSIDE
from honeyhive_experiment.models import ExperimentResultSummary, RunComparisonResult
from honeyhive_experiment.models.outcomes import (
    DICT_OF_METRICS,
    NONE_UNDER_KEY,
    NOT_CALLED,
    RETURNED_NONE,
    DatapointOutcome,
    EvaluatorFailure,
    OutcomeStatus,
    timeout_error,
)
from honeyhive_experiment.significance import Change, describe
from honeyhive_experiment.verdict import (
    PASS_FAIL,
    Crashes,
    Decision,
    EvaluatorErrors,
    Facts,
    Verdict,
    assess_comparison,
    assess_gates,
    boolean_metrics,
    broken,
    crashes,
    decide,
    did,
    evaluator_errors,
    evaluator_warnings,
    exit_code,
    facts,
    is_boolean,
    left_out_text,
    lost_trials,
    no_values,
    partly_missing,
    returned_none,
    string_values,
    unchecked_metrics,
    unrecorded,
)

pytestmark = pytest.mark.unit

IDS = [f"EXT-{i}" for i in range(12)]
EVALUATED = ("accuracy",)
SKIP = ", and a passing range or gate needs a value on every datapoint: return one there, or take the range or gate off"
"""The metrics this job's evaluators gave (:attr:`Facts.produced`): the tables' evaluator's."""


def summary(
    passed: Sequence[str] = IDS,
    failed: Sequence[str] = (),
    *,
    metrics: dict[str, Sequence[str] | None] | None = None,
    success: bool | None = None,
    error: str | None = None,
    value: bool | float = 0.9,
    aggregation: str | None = "average",
    aggregate: float = 0.9,
) -> ExperimentResultSummary:
    """A summary whose metric ``name`` has values (each ``value``, aggregated by ``aggregation`` to ``aggregate``) on
    the given ids (``None``: a legacy body without id lists)."""
    details = []
    for name, ids in (metrics if metrics is not None else {"accuracy": [*passed, *failed]}).items():
        detail: dict[str, Any] = {
            "metric_name": name,
            "event_name": "answer",
            "aggregate": aggregate,
            "values": [value] * (len(ids) if ids is not None else len(passed) + len(failed)),
        }
        if ids is not None:
            detail["datapoints"] = {"passed": list(ids), "failed": []}
        details.append(detail)
    body: dict[str, Any] = {
        "status": "completed",
        "success": (not failed) if success is None else success,
        "passed": list(passed),
        "failed": list(failed),
        "metrics": {"aggregation_function": aggregation, "details": details},
        "datapoints": [],
    }
    if error is not None:
        body["error"] = error
    return ExperimentResultSummary.from_wire(body, run_id="run-new")


def comparison(*deltas: dict[str, Any], common: Sequence[str] = IDS) -> RunComparisonResult:
    return RunComparisonResult.from_wire(
        {"commonDatapoints": list(common), "metrics": list(deltas)}, new_run_id="run-new", old_run_id="run-old"
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
    old: float = 1.0,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metric_name": name,
        "event_name": event,
        "old_aggregate": old,
        "new_aggregate": old + difference,
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


def only(side: str, name: str = "accuracy", event: str = "answer") -> dict[str, Any]:
    """A comparison row of a metric only one run has on that event (``side``: ``"old"`` or ``"new"``)."""
    return {"metric_name": name, "event_name": event, f"{side}_aggregate": 0.5}


def reshuffled(
    *deltas: dict[str, Any], new: int, gone: int, common: Sequence[str] = IDS[:3], left: int = 0
) -> RunComparisonResult:
    """A comparison that paired ``common`` (each row's ``found_count``: every one has its metric in both runs), ``new``
    datapoints only in this run and ``gone`` only in the baseline (ids moved, when both), and left out ``left`` that
    both runs have."""
    rows = [{"found_count": len(common)} | row for row in deltas]
    both = [f"LEFT-{i}" for i in range(left)]
    ids = {
        "new_only_datapoints": [f"NEW-{i}" for i in range(new)] + both,
        "old_only_datapoints": [f"OLD-{i}" for i in range(gone)] + both,
    }
    return comparison(*rows, common=common).model_copy(update=ids)


MOVED = (
    "{metric}'s max_degraded could not be fully checked (gate: at most 2): {worse} of the 3 datapoints the"
    " comparison paired got worse, but it paired only 3 of this run's {total}, and up to {new} of the {new} new in this"
    " run may be datapoints gone from the baseline (9) under new ids (see the note on the comparison): it counts only"
    " paired ones"
)


GATE_0 = GateRule(max_degraded=0)
REUSED = (
    "accuracy's max_degraded could not be fully checked (gate: at most {bound}): {worse} of the 12 datapoints the"
    " comparison paired got worse, but {reused} of the 12 it paired hold other inputs than in the baseline (ids reused"
    " or renumbered?): one that got worse may count as the same"
)
REUSED_DROP = (
    "accuracy's {bounds} could not be checked: {reused} of the 12 datapoints both runs have hold other inputs than in"
    " the baseline (ids reused or renumbered?), so its change compares different questions"
)


def judge(
    result: ExperimentResultSummary,
    compared: RunComparisonResult | None = None,
    *,
    gates: dict[str, GateRule] | None = None,
    presentation: dict[str, MetricConfig] | None = None,
    ranged: Sequence[str] = (),
    errors: dict[str, EvaluatorErrors] | None = None,
    policy: VerdictConfig | None = None,
    new_errors: Sequence[str] = (),
    crashed: Crashes | None = None,
    compare: bool = True,
    strings: dict[str, str] | None = None,
    booleans: frozenset[str] = frozenset(),
    left_out: dict[str, tuple[dict[str, int], dict[str, int]]] | None = None,
    partly: dict[str, dict[str, tuple[int, int]]] | None = None,
    unpaired: int = 0,
    baseline: ExperimentResultSummary | None = None,
    produced: Sequence[str] = ("accuracy",),
    id_scheme: str | None = None,
    other_inputs: int = 0,
) -> Decision:
    """:func:`decide` on these facts, the gates assessed on ``compared``; ``produced``: the metrics this job's
    evaluators gave (by default the tables' evaluator's, ``accuracy``); ``id_scheme``: how the datapoints got their ids
    (``DatasetIdentity.scheme``); ``other_inputs``: how many paired datapoints hold other inputs than in the
    baseline."""
    alpha = (policy or VerdictConfig()).alpha
    gated = assess_gates(compared, gates or {}, presentation or {}, alpha=alpha) if compared is not None else {}
    seen = Facts(
        errors=errors or {},
        crashed=crashed or {},
        strings=strings or {},
        partly=partly or {},
        booleans=booleans,
        produced=produced,
    )
    return decide(
        result,
        compared,
        gates=gates,
        presentation=presentation,
        ranged=ranged,
        facts=seen,
        policy=policy,
        gate_assessment=gated,
        new_errors=new_errors,
        compare=compare,
        left_out=left_out,
        unpaired=unpaired,
        baseline=baseline,
        id_scheme=id_scheme,
        other_inputs=other_inputs,
    )


# ------------------------------------------------------------------------------------------- the verdict table

RAISED = {"accuracy": EvaluatorErrors(12, "ValueError: no judge")}
GATE_PCT = {"accuracy": GateRule(max_drop_pct=5)}
WORSE_BY_5 = "accuracy got worse by 5 (gate: at most 0)"
WORSE_BY_1 = "accuracy got worse by 1 (gate: at most 0)"
NOISE_AWARE = {"accuracy": GateRule(max_drop_pct=5, significant=True)}
# audit70 #1: a PR that replaced every dataset row failed (harder rows, same code) or passed (easier rows, broken
# code) a max_drop gate on aggregates of different datapoints
APART = (
    "{}'s gate could not be checked: the two runs share no datapoint, so its change is between aggregates of different"
    " datapoints"
)
TOLERANT = VerdictConfig(allow_evaluator_errors=3)
NO_BASELINE_VALUE = "accuracy's gate could not be checked: the baseline has no value for it"
COST_GATE = GateRule(max_worse_pct=10)
LOWER = MetricConfig(direction=Direction.LOWER)
UNSHOWN = ": the backend's summary lacks the values this run recorded on {}: lost, or not summarised yet when the wait"
UNSHOWN_EACH = UNSHOWN.format("each of them (EXT-10 and 1 more)") + " for it ended"
UNSHOWN_ONE = UNSHOWN.format("each of them (EXT-9)") + " for it ended"
UNCHECKED_ON = (
    "input_tokens has a gate but no value on {} of the datapoints the backend passed: their LLM calls had no price or"
    " token usage, or they made none the run could see, so it was not checked there"
)


def left(old: int = 0, new: int = 0, why: str = "to unpriced model m") -> tuple[dict[str, int], dict[str, int]]:
    """The calls an efficiency metric's values leave out, ``(the baseline's, this run's)``, all for one ``why``."""
    return ({why: old} if old else {}, {why: new} if new else {})


LOST = {  # datapoints the backend never recorded, each with why (their sessions exist: it passed them)
    "EXT-10": "HoneyHive did not take the spans of datapoint EXT-10: HTTP 500: injected",
    "EXT-11": "HoneyHive did not take the spans of datapoint EXT-11: HTTP 500: injected",
}
LOST_TRIALS = {  # with trials, datapoints the backend lost some trials of: how many, and the first one's why
    "EXT-3": (2, "ApiError: session not started"),
    "EXT-7": (1, "ApiError: spans refused"),
}

CASES: list[tuple[str, Callable[[], Decision], Verdict, Sequence[str]]] = [
    # (rule, decision, verdict, words every reason list must contain, in order). The decision is made when the
    # test runs, not when the table is built: mutation testing (benchmarks/mutation.py) swaps the code under test
    # after this module was imported, and a decision made at import time would never see the mutant.
    ("all passed, no baseline: neutral", lambda: judge(summary()), Verdict.NEUTRAL, ["no baseline"]),
    ("comparing is the default", lambda: decide(summary(), None), Verdict.NEUTRAL, ["no baseline"]),
    (
        "all passed, comparisons off (baseline.strategy none): pass, from the backend's result alone",
        lambda: judge(summary(), compare=False),
        Verdict.PASS,
        ["every datapoint passed"],
    ),
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
        ["10 of 12 datapoints passed"],
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
        ["9 of 12 datapoints passed"],
    ),
    (
        "a gate is a threshold: an 8% drop past a 5% gate fails whatever the noise, its p-value said",
        lambda: judge(summary(), comparison(delta()), gates=GATE_PCT),
        Verdict.FAIL,
        ["accuracy got worse by 8.0% (gate: at most 5%)", "5 of 12 worse, p = 0.5"],
    ),
    (
        "significant: true: the same drop within noise (4 better, 5 worse) passes",
        lambda: judge(summary(), comparison(delta()), gates=NOISE_AWARE),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "significant: true: the same 8% drop with 12 of 12 datapoints degraded fails",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=12)), gates=NOISE_AWARE),
        Verdict.FAIL,
        ["accuracy got worse by 8.0% (gate: at most 5%)", "12 of 12 worse, p < 0.001"],
    ),
    (
        "significant: true: 5 unanimous changes are significant one-sided (p = 0.031)",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=5)), gates=NOISE_AWARE),
        Verdict.FAIL,
        ["5 of 12 worse, p = 0.031"],
    ),
    (
        "significant: true: 4 unanimous changes are too few (p = 0.0625)",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=4)), gates=NOISE_AWARE),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "by default 4 unanimous changes past the gate fail, the p-value and the test's limit said",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=4)), gates=GATE_PCT),
        Verdict.FAIL,
        ["4 of 12 worse, p = 0.062, too few changes to tell (needs ≥ 5)"],
    ),
    (
        "significant: true: an ungated metric does not dilute the gate (Holm over the gated metrics only)",
        lambda: judge(
            summary(metrics={"accuracy": IDS, "judge": IDS}),
            comparison(delta(improved=0, degraded=5), delta("judge", improved=3, degraded=3)),
            gates=NOISE_AWARE,
        ),
        Verdict.FAIL,
        ["5 of 12 worse, p = 0.031"],
    ),
    (
        "significant: true: two gated metrics share the correction",
        lambda: judge(
            summary(metrics={"accuracy": IDS, "recall": IDS}),
            comparison(delta(improved=0, degraded=5), delta("recall", improved=0, degraded=5)),
            gates={**NOISE_AWARE, "recall": GateRule(max_drop_pct=5, significant=True)},
        ),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "a gate that says significant: false fails on noise",
        lambda: judge(summary(), comparison(delta()), gates={"accuracy": GateRule(max_drop_pct=5, significant=False)}),
        Verdict.FAIL,
        ["got worse by 8.0%", "p = 0.5"],
    ),
    (
        "without per-datapoint counts a gate fails on its bound and says why",
        lambda: judge(summary(), comparison(delta(counts=False)), gates=GATE_PCT),
        Verdict.FAIL,
        ["got worse by 8.0%", "significance unknown"],
    ),
    (
        "significant: true without per-datapoint counts fails too (significance cannot be told)",
        lambda: judge(summary(), comparison(delta(counts=False)), gates=NOISE_AWARE),
        Verdict.FAIL,
        ["got worse by 8.0%", "significance unknown"],
    ),
    (
        "an evaluator raising on every datapoint fails without a range or gate",
        lambda: judge(summary(), comparison(delta()), errors={"tone": EvaluatorErrors(12, "KeyError: 'x'", 12)}),
        Verdict.FAIL,
        ["evaluator tone raised on every datapoint (12 of 12): KeyError: 'x'"],
    ),
    (
        "an evaluator raising on every datapoint fails even within allow_evaluator_errors",
        lambda: judge(
            summary(),
            comparison(delta()),
            errors={"tone": EvaluatorErrors(3, "KeyError: 'x'", 3)},
            policy=VerdictConfig(allow_evaluator_errors="100%"),
        ),
        Verdict.FAIL,
        ["raised on every datapoint (3 of 3)"],
    ),
    (
        "an evaluator raising on some datapoints fails by default",
        lambda: judge(summary(), comparison(delta()), errors={"tone": EvaluatorErrors(1, "KeyError: 'x'", 12)}),
        Verdict.FAIL,
        ["evaluator tone raised on 1 datapoint(s) (KeyError: 'x')", "allow_evaluator_errors"],
    ),
    (
        "an evaluator raising within allow_evaluator_errors passes",
        lambda: judge(summary(), comparison(delta()), errors={"tone": EvaluatorErrors(3, "E: x", 12)}, policy=TOLERANT),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "one more than allow_evaluator_errors fails",
        lambda: judge(summary(), comparison(delta()), errors={"tone": EvaluatorErrors(4, "E: x", 12)}, policy=TOLERANT),
        Verdict.FAIL,
        ["evaluator tone raised on 4 datapoint(s)"],
    ),
    (
        "a percentage of evaluator errors counts the datapoints it ran on (25% of 12 = 3)",
        lambda: judge(
            summary(),
            comparison(delta()),
            errors={"tone": EvaluatorErrors(3, "E: x", 12)},
            policy=VerdictConfig(allow_evaluator_errors="25%"),
        ),
        Verdict.PASS,
        ["every datapoint"],
    ),
    (
        "a new crash fails whatever allow_failed tolerates",
        lambda: judge(
            summary(IDS[2:], IDS[:2]),
            comparison(delta()),
            policy=VerdictConfig(allow_failed="30%"),
            new_errors=IDS[:2],
        ),
        Verdict.FAIL,
        ["2 datapoint(s) newly errored", "allow_failed does not tolerate that", "on 2 (EXT-0, EXT-1)"],
    ),
    (
        "old crashes within allow_failed pass",
        lambda: judge(summary(IDS[2:], IDS[:2]), comparison(delta()), policy=VerdictConfig(allow_failed="30%")),
        Verdict.PASS,
        ["10 of 12 datapoints passed; the others failed within verdict.allow_failed"],
    ),
    (
        "many new crashes are named up to five",
        lambda: judge(summary(), comparison(delta()), new_errors=IDS[:7]),
        Verdict.FAIL,
        ["7 datapoint(s) newly errored", "EXT-4 and 2 more"],
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
        # both were green: a bound the backend sent nothing to judge by passed (an aggregate past the largest float)
        "no percentage change of a baseline not 0: max_drop_pct could not be checked, which fails",
        lambda: judge(summary(), comparison(delta(pct=None, improved=0, degraded=12)), gates=GATE_PCT),
        Verdict.FAIL,
        ["max_drop_pct could not be checked (gate: at most 5%): the backend sent no percentage change for accuracy"],
    ),
    (
        "no difference (the backend sent none): max_drop could not be checked, which fails",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=12) | {"difference": None}),
            gates={"accuracy": GateRule(max_drop=0.05)},
        ),
        Verdict.FAIL,
        ["accuracy's max_drop could not be checked (gate: at most 0.05): the backend sent no difference for accuracy"],
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
    # a drop past its gate said rounded to the gate ("got worse by 5.0% (gate: at most 5%)") reads as within it
    (
        "a drop past its gate is said with the digits that tell it from the gate",
        lambda: judge(summary(), comparison(delta(pct=-5.04, improved=0, degraded=12)), gates=GATE_PCT),
        Verdict.FAIL,
        ["accuracy got worse by 5.04% (gate: at most 5%)"],
    ),
    (
        "as many as it takes",
        lambda: judge(
            summary(),
            comparison(delta(difference=-0.10000001, improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop=0.1)},
        ),
        Verdict.FAIL,
        ["accuracy got worse by 0.10000001 (gate: at most 0.1)"],
    ),
    (
        "the gate too, when it has more digits than shown",
        lambda: judge(
            summary(),
            comparison(delta(difference=-0.12345675, improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop=0.1234567)},
        ),
        Verdict.FAIL,
        ["accuracy got worse by 0.1234568 (gate: at most 0.1234567)"],
    ),
    (
        "and no more",
        lambda: judge(
            summary(),
            comparison(delta(pct=-0.0412, improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop_pct=0.04)},
        ),
        Verdict.FAIL,
        ["accuracy got worse by 0.041% (gate: at most 0.04%)"],
    ),
    (
        "a tiny change past a gate of 0 is said as it is",
        lambda: judge(
            summary(),
            comparison(delta(pct=-1.2e-6, improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop_pct=0)},
        ),
        Verdict.FAIL,
        ["accuracy got worse by 1e-06% (gate: at most 0%)"],
    ),
    # at the bound, but for float rounding: holds (18/20 to 17/20 is a drop of 0.050000000000000044); past it by more
    # than a billionth of the numbers the change was computed from: fails, however close
    *(
        (
            f"{rule}: {'fails' if fails else 'holds'}",
            lambda difference=difference, pct=pct, old=old, gate=gate, lower=lower: judge(
                summary(metrics={"accuracy": IDS}),
                comparison(
                    delta(difference=difference, pct=pct, old=old or 0.0, improved=0, degraded=12)
                    | ({"old_aggregate": None} if old is None else {})
                ),
                gates={"accuracy": gate},
                presentation={"accuracy": MetricConfig(direction=Direction.LOWER if lower else Direction.HIGHER)},
            ),
            Verdict.FAIL if fails else Verdict.PASS,
            [said] if fails else ["every datapoint"],
        )
        for rule, difference, pct, old, gate, lower, fails, said in [
            ("90% to 85%, max_drop 0.05", -0.050000000000000044, None, 0.9, GateRule(max_drop=0.05), False, False, ""),
            (
                "0.61 to 0.59, max_drop 0.02",
                -0.020000000000000018,
                None,
                0.61,
                GateRule(max_drop=0.02),
                False,
                False,
                "",
            ),
            (
                "0.0500001 worse, max_drop 0.05",
                -0.0500001,
                None,
                0.9,
                GateRule(max_drop=0.05),
                False,
                True,
                "accuracy got worse by 0.0500001 (gate: at most 0.05)",
            ),
            (
                "1,000,000 to 999,999.95 (rounded as large as they are), max_drop 0.05",
                -0.05000000004656613,
                None,
                1e6,
                GateRule(max_drop=0.05),
                False,
                False,
                "",
            ),
            (
                "1,000,000 to 999,999.948, max_drop 0.05",
                -0.052,
                None,
                1e6,
                GateRule(max_drop=0.05),
                False,
                True,
                "accuracy got worse by 0.052 (gate: at most 0.05)",
            ),
            (
                "a negative baseline's size: -1,000,000 to -1,000,000.05, max_drop 0.05",
                -0.05000000004656613,
                None,
                -1e6,
                GateRule(max_drop=0.05),
                False,
                False,
                "",
            ),
            (
                "no baseline aggregate sent: judged past float noise of 0",
                -2e-12,
                None,
                None,
                GateRule(max_drop=0),
                False,
                True,
                "accuracy got worse by 2e-12 (gate: at most 0)",
            ),
            # float noise above an aggregate of 0 (abs(0.3 - (0.1 + 0.2))) crossed nothing only when the baseline was
            # not 0: a false red (late audit of session 39)
            (
                "float noise above 0, max_worse 0",
                5.551115123125783e-17,
                None,
                0.0,
                GateRule(max_drop=0),
                True,
                False,
                "",
            ),
            ("1e-12 above 0, max_worse 0", 1e-12, None, 0.0, GateRule(max_drop=0), True, False, ""),
            # whole numbers (a sum of tokens) below 2**53 differ exactly: no rounding to allow for (a billionth of 5e9
            # tokens held 5 more)
            ("5e9 tokens, 5 more, max_worse 0", 5.0, None, 5e9, GateRule(max_drop=0), True, True, WORSE_BY_5),
            ("5e9 tokens, 2.5 more: a fraction is rounded", 2.5, None, 5e9, GateRule(max_drop=0), True, False, ""),
            ("5e9 + 0.5, 5 more: a fraction is rounded", 5.0, None, 5e9 + 0.5, GateRule(max_drop=0), True, False, ""),
            ("2**53, 2 more: past exact whole floats", 2.0, None, float(2**53), GateRule(max_drop=0), True, False, ""),
            ("2**53 - 1, 1 more: exact", 1.0, None, float(2**53 - 1), GateRule(max_drop=0), True, True, WORSE_BY_1),
            (
                "float noise above 0, max_worse_pct 5: no percentage of 0",
                5.551115123125783e-17,
                None,
                0.0,
                GateRule(max_drop_pct=5),
                True,
                False,
                "",
            ),
            (
                "a real worsening from 0, max_worse_pct 5",
                0.001,
                None,
                0.0,
                GateRule(max_drop_pct=5),
                True,
                True,
                "accuracy got worse by 0.001 from 0 (gate: at most 5%, of 0: none)",
            ),
            (
                "2e-12 above 0, max_worse_pct 5: past float noise of 0, not of 1",
                2e-12,
                None,
                0.0,
                GateRule(max_drop_pct=5),
                True,
                True,
                "accuracy got worse by 2e-12 from 0 (gate: at most 5%, of 0: none)",
            ),
            (
                "2e-12 above 0, max_worse 0",
                2e-12,
                None,
                0.0,
                GateRule(max_drop=0),
                True,
                True,
                "accuracy got worse by 2e-12 (gate: at most 0)",
            ),
            (
                "0.3 to 0.315 lower is better, max_worse_pct 5",
                0.015000000000000013,
                5.000000000000004,
                0.3,
                GateRule(max_drop_pct=5),
                True,
                False,
                "",
            ),
            (
                "5.000001% worse, max_drop_pct 5",
                -0.05000001,
                -5.000001,
                1.0,
                GateRule(max_drop_pct=5),
                False,
                True,
                "accuracy got worse by 5.000001% (gate: at most 5%)",
            ),
            (
                "a float's noise past a gate of 0%",
                -1.3877787807814457e-16,
                -1.3877787807814457e-14,
                1.0,
                GateRule(max_drop_pct=0),
                False,
                False,
                "",
            ),
            (
                "a percentage is rounded as large as the whole: 1.6e-7% past 0%",
                -1.6e-9,
                -1.6e-7,
                1.0,
                GateRule(max_drop_pct=0),
                False,
                True,
                "accuracy got worse by 2e-07% (gate: at most 0%)",
            ),
            (
                "or as the bound, when larger: 500.0000004%, max_worse_pct 500",
                5.000000004,
                500.0000004,
                1.0,
                GateRule(max_drop_pct=500),
                True,
                False,
                "",
            ),
            ("no change at a gate of 0 holds", 0.0, None, 0.0, GateRule(max_drop=0), False, False, ""),
        ]
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


def test_broken_says_new_crashes_alone_unless_told_they_may_be_old_ones_under_new_ids() -> None:
    """:func:`broken` without ``moved`` (what decide works out of the comparison: :func:`_old_crashes`) adds nothing."""
    reasons, _ = broken(summary(), facts=Facts(), policy=VerdictConfig(), new_errors=["NEW-0"])
    assert reasons == [f"1 datapoint(s) {NEWLY} a function error on 1 (NEW-0)"]


TONE = {"tone": EvaluatorErrors(3, "KeyError: 'answer'", 12)}
BOOLEAN_GATE = (
    "gate.accuracy: max_drop: 5 can never be crossed: accuracy is a boolean metric, whose aggregate lies between 0 and"
    " 1 (a pass rate of 85% is 0.85), so this gate never fails; for 5 pp (percentage points, as the report shows its"
    " change) write max_drop: 0.05"
)
PERCENT = {"accuracy": MetricConfig(format=".0%")}
DROP = {"accuracy": GateRule(max_drop=0.05)}
PERCENT_GATE = (
    "gate.accuracy: max_drop: 5 can never be crossed: accuracy is shown as a percentage (format '.0%') of values"
    " between 0 and 1, whose aggregate lies between 0 and 1 too (85% is 0.85), so this gate never fails; for 5 pp"
    " (percentage points, as the report shows its change) write max_drop: 0.05"
)
TONE_EVERYWHERE = {"tone": EvaluatorErrors(12, "KeyError: 'answer'", 12)}
TONE_WARNING = "evaluator tone raised on 3 datapoint(s): KeyError: 'answer'"
CRASHED = {  # the function's errors as crashes() groups them: three rows of a file, and a timeout of a row without one
    "KeyError at app.py:61": ("'price_table'", {"EXT-0": "q.jsonl:1", "EXT-1": "q.jsonl:2", "EXT-5": "q.jsonl:6"}),
    "timeout": ("did not return within 10 s", {"EXT-2": "EXT-2"}),
}
CRASHED_IDS = ["EXT-0", "EXT-1", "EXT-2", "EXT-5"]
KEY_ERRORS = "KeyError at app.py:61 on 3 (q.jsonl:1, :2, :6): 'price_table'"
TIMEOUTS = "timeout on 1 (EXT-2): did not return within 10 s"
NEWLY = "newly errored (not in the baseline; verdict.allow_failed does not tolerate that):"
OLD_CRASHES = (
    "{} of them new in this run, and up to {} of the {} new in this run may be datapoints gone from the baseline ({})"
    " under new ids ({}): they may be old crashes under new ids"
)
NOTE = "see the note on the comparison"
BY_POSITION = (
    "a row without an id gets one from its position: give every row an id field, or set dataset.datapoint_ids: content"
)
MANY_KINDS = {  # beyond the three kinds said, and a kind beyond the five rows said; rows of files apart kept whole
    "E0 at a.py:1": ("", {i: f"{'ab'[n % 2]}.jsonl:{n + 1}" for n, i in enumerate(IDS[:7])}),
    "E1 at a.py:2": ("m", {"EXT-7": "c:d.jsonl:8", "EXT-8": "c:d.jsonl:9"}),  # a file whose name has a colon
    "E2 at a.py:3": ("m", {"EXT-9": "b.jsonl:10"}),
    "E3 at a.py:4": ("m", {"EXT-10": "b.jsonl:11"}),
}
RENAMED = (
    "accuracy's gate could not be checked: the function's event was 'answer' in the baseline and 'respond' now:"
    " HoneyHive pairs metrics by the function's name; keep the name, or compare against a run with the new name"
    " (baseline-run-id)"
)
CLASH = "MetricNameCollision: evaluators 'a' and 'a_b' both produce the metric 'a_b' (the value of 'a' is kept)"
CLASHED = "evaluators 'a' and 'a_b' both produce the metric 'a_b' (the value of 'a' is kept)"
NO_TRUTH_SAID = "no ground_truth, which the evaluator's third parameter requires: declare ground_truth=None to run it"
NO_TRUTH = f"MissingGroundTruth: {NO_TRUTH_SAID}"
MIXED = EvaluatorErrors(12, NO_TRUTH, 12, ((6, NO_TRUTH), (6, "ValueError: garbage")))
NAN_SAID = "metric 'judge' is nan; only finite numbers are metrics"
NAN = f"NonFiniteMetric: {NAN_SAID}"

PAST = " (an aggregate past the largest float?)"
NO_PCT = (
    "accuracy's max_drop_pct could not be checked (gate: at most 5%): the backend sent no percentage change for"
    f" accuracy{PAST}"
)
NO_DIFFERENCE = (
    "accuracy's max_drop could not be checked (gate: at most 0.05): the backend sent no difference for accuracy"
)
NO_COUNTS = (
    "accuracy's max_degraded could not be checked (gate: at most 1): the backend sent no per-datapoint counts for"
    " accuracy"
)
NO_PAIR = (
    "accuracy's max_degraded could not be checked (gate: at most {bound}): no datapoint has it in both runs (of the"
    " {shared} they share), and it counts those that got worse"
)
LAGGED = (
    "accuracy's max_degraded could not be checked (gate: at most 0): no datapoint has it in both runs (of the"
    " {paired} the comparison paired), and it counts those that got worse; HoneyHive's comparison left out {left}"
    " both runs scored (it had not compared them when ingestion.timeout ran out: raise it if HoneyHive needs more"
    " time)"
)
FULLY = (
    "{metric}'s max_degraded could not be fully checked (gate: at most {bound}): {worse} of the {paired} the"
    " comparison paired got worse, but HoneyHive's comparison left out {left} both runs scored (it had not compared"
    " them when ingestion.timeout ran out: raise it if HoneyHive needs more time)"
)
UNCOUNTED = (  # the runs' summaries list the metric on more datapoints in both than the comparison paired
    "{metric}'s max_degraded could not be fully checked (gate: at most {bound}): {worse} of the {paired} the"
    " comparison paired got worse, but HoneyHive's comparison did not count {more} in both runs (it had not compared"
    " them when ingestion.timeout ran out: raise it if HoneyHive needs more time)"
)
UNPRICED = (
    "cost_usd has a gate but no value on {n} of the datapoints the backend passed: their LLM calls had no price or"
    " token usage, or they made none the run could see, so it was not checked there"
)
PCT100 = (
    "gate.accuracy: max_drop_pct: 100 can never be crossed: accuracy is a boolean metric, whose aggregate cannot go"
    " below 0, so it drops by 100% at most (to 0), which the bound allows: this gate never fails; write a bound below"
    " 100 (max_drop_pct: 50 fails when it halves), or max_drop in its units for percentage points (max_drop: 0.1 for"
    " 10 pp)"
)
HOLM_Q = "quality degraded on 5 datapoints (gate: at most 0): 5 of 12 worse, p = "


def overflowed(side: str, **sent: Any) -> dict[str, Any]:
    """A comparison row of accuracy whose ``side`` run's sum is past the largest float: its aggregate, the difference
    and the percentage change are null, its values are there (12 of each run, 4 of them unchanged)."""
    row = delta(improved=0, degraded=8) | {"difference": None, "percentage_change": None, f"{side}_aggregate": None}
    return row | {"old_values": [1.0] * 12, "new_values": [-1e308] * 12} | sent


def holm(quality: GateRule, cheapness: GateRule) -> Decision:
    """The auditor's case: quality dropped on 5 of 12 datapoints (p = 0.031 alone), cheapness improved on all 12."""
    compared = comparison(
        delta("quality", difference=-5 / 12, pct=-500 / 12, improved=0, degraded=5),
        delta("cheapness", difference=0.1, pct=10.0, improved=12, degraded=0),
    )
    ran = summary(metrics={"quality": IDS, "cheapness": IDS})
    return judge(ran, compared, gates={"quality": quality, "cheapness": cheapness})


CALLED = IDS[:6]
"""The datapoints that made an LLM call: the only ones an older version recorded a cost on (audit74 F1)."""
RISE = {"difference": 0.089, "pct": 8.9, "improved": 6, "degraded": 0}  # a cost: the 6 paired datapoints cost more
DILUTED = (
    "{}'s {} could not be checked: compared on 6 of the 12 shared datapoints that hold it in either run, so its"
    " aggregates are of different datapoints; {}"
)
HELD_WORSE = "they held it, but {} of the compared ones got worse (0 better)"
NOT_EVERY = "they crossed it, but not every compared one got worse ({} worse, {} better)"


def covered(
    gate: GateRule,
    sent: dict[str, Any],
    *,
    metric: str = "cost_usd",
    this: Sequence[str] = IDS,
    old: Sequence[str] = CALLED,
    found: int = 6,
    **kwargs: Any,
) -> Decision:
    """:func:`judge` of a gate on ``metric`` (cost_usd: lower is better) between a baseline with values on the ``old``
    datapoints and this run with them on ``this`` (its summaries' id lists), the comparison of the 12 shared pairing
    ``found`` (its found_count), its row's numbers ``sent`` (:func:`delta`); ``kwargs``: :func:`judge`'s."""
    return judge(
        kwargs.pop("result", summary(metrics={metric: this})),
        comparison(delta(metric, **sent) | {"found_count": found}),
        gates={metric: gate},
        presentation={"cost_usd": LOWER},
        baseline=summary(metrics={metric: old}),
        **kwargs,
    )


def on_two_events(everywhere: Sequence[str], some: Sequence[str]) -> ExperimentResultSummary:
    """A summary with cost_usd on two events: ``root`` on the ``everywhere`` datapoints, ``answer`` on ``some``."""
    base = summary(metrics={"cost_usd": some})
    root = base.metrics.details[0].model_copy(update={"event_name": "root"})
    root = root.model_copy(update={"datapoints": root.datapoints.model_copy(update={"passed": list(everywhere)})})
    return base.model_copy(
        update={"metrics": base.metrics.model_copy(update={"details": [root, *base.metrics.details]})}
    )


EXACT: list[tuple[str, Callable[[], Decision], Verdict, tuple[str, ...], tuple[str, ...]]] = [
    # (rule, decision, verdict, every reason, every warning): whole sentences, and warnings on every way out
    (
        "no baseline: neutral, and a tolerated evaluator's error is still said",
        lambda: judge(summary(), errors=TONE, policy=TOLERANT),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (TONE_WARNING,),
    ),
    # baseline.strategy none: no baseline is coming, so the run's own result is the verdict (every run was neutral)
    (
        "comparisons off: pass, and a tolerated evaluator's error is still said",
        lambda: judge(summary(), errors=TONE, policy=TOLERANT, compare=False),
        Verdict.PASS,
        ("every datapoint passed",),
        (TONE_WARNING,),
    ),
    (
        "comparisons off: failures within allow_failed pass, saying so",
        lambda: judge(summary(IDS[1:], IDS[:1]), policy=VerdictConfig(allow_failed=1), compare=False),
        Verdict.PASS,
        ("11 of 12 datapoints passed; the others failed within verdict.allow_failed",),
        ("1 of 12 datapoint(s) failed, within the tolerance (verdict.allow_failed: 1)",),
    ),
    (
        "comparisons off: a failed datapoint fails",
        lambda: judge(summary(IDS[1:], IDS[:1]), compare=False),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
        (),
    ),
    (
        "comparisons off: a ranged metric without values fails",
        lambda: judge(summary(metrics={}), ranged=["accuracy"], errors=RAISED, compare=False),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 12 of the datapoints the backend passed: evaluator accuracy"
            " raised on 12 datapoint(s) (ValueError: no judge)",
        ),
        (),
    ),
    (  # the experiment file refuses a gate with strategy none; a gate that slips through is never a silent pass
        "comparisons off: a gate is never checked, and says so",
        lambda: judge(summary(), gates=GATE_PCT, compare=False),
        Verdict.NEUTRAL,
        ("accuracy's gate could not be checked: comparisons are switched off (baseline.strategy: none)",),
        (),
    ),
    (  # --baseline names a run for one invocation: it is compared with, the strategy notwithstanding
        "comparisons off, but a baseline named: compared as always",
        lambda: judge(summary(), comparison(delta()), compare=False),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "comparisons off, a baseline named, a gate it has no value for: the baseline is what lacks it",
        lambda: judge(summary(), comparison(delta("other")), gates=GATE_PCT, compare=False),
        Verdict.NEUTRAL,
        ("accuracy's gate could not be checked: the baseline has no value for it",),
        (),
    ),
    (
        "pass, and a tolerated evaluator's error is still said",
        lambda: judge(summary(), comparison(delta()), errors=TONE, policy=TOLERANT),
        Verdict.PASS,
        ("every datapoint passed",),
        (TONE_WARNING,),
    ),
    (
        "the backend's failure without an error message, and a tolerated evaluator's error is still said",
        lambda: judge(summary(success=False), errors=TONE, policy=TOLERANT),
        Verdict.FAIL,
        ("the backend reported the run as not successful",),
        (TONE_WARNING,),
    ),
    (
        "a failed datapoint",
        lambda: judge(summary(IDS[1:], IDS[:1])),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
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
    # audit65 F3: a summary without values this run's outcomes hold (lost, or not summarised yet) blamed the evaluator
    (
        "a ranged metric missing where the outcomes hold values: the backend's summary lacks them, not the evaluator",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:10]}),
            None,
            ranged=["accuracy"],
            facts=Facts(valued={"accuracy": set(IDS)}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (f"accuracy has a passing range but no value on 2 of the datapoints the backend passed{UNSHOWN_EACH}",),
        (),
    ),
    (
        "each metric the summary lost is said, not only the first",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:10], "recall": IDS[:10]}),
            None,
            ranged=["accuracy", "recall"],
            facts=Facts(valued={"accuracy": set(IDS), "recall": set(IDS)}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            f"accuracy has a passing range but no value on 2 of the datapoints the backend passed{UNSHOWN_EACH}",
            f"recall has a passing range but no value on 2 of the datapoints the backend passed{UNSHOWN_EACH}",
        ),
        (),
    ),
    (
        "the outcomes hold none there: its evaluator returned nothing",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:10]}),
            None,
            ranged=["accuracy"],
            facts=Facts(valued={"accuracy": set(IDS[:10])}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 2 of the datapoints the backend passed: its evaluator"
            f" returned nothing for them (EXT-10, EXT-11){SKIP}",  # audit80 F2: which, and what to do
        ),
        (),
    ),
    (
        "some do: the backend's on those, one named, the evaluator's on the others",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:9]}),
            None,
            ranged=["accuracy"],
            facts=Facts(valued={"accuracy": {*IDS[:9], "EXT-11", "EXT-10"}}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 3 of the datapoints the backend passed: the backend's"
            " summary lacks the values this run recorded on 2 of them (EXT-10 and 1 more): lost, or not summarised"
            f" yet when the wait for it ended; on the other 1: its evaluator returned nothing for them (EXT-9){SKIP}",
        ),
        (),
    ),
    (
        "a summary without the metric at all, some held by the outcomes: the others are its evaluator's, not nothing's",
        lambda: decide(
            summary(metrics={}), None, ranged=["accuracy"], facts=Facts(valued={"accuracy": {"EXT-3"}}, produced=())
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 12 of the datapoints the backend passed: the backend's"
            " summary lacks the values this run recorded on 1 of them (EXT-3): lost, or not summarised yet when the"
            " wait for it ended; on the other 11: its evaluator returned nothing for them (EXT-0, EXT-1, EXT-2, EXT-4,"
            f" EXT-5, …){SKIP}",
        ),
        (),
    ),
    (
        "a judged metric the outcomes hold no value of (facts name every judged one): still nothing recorded it",
        lambda: decide(
            summary(metrics={"latency": IDS}),
            None,
            ranged=["latency_ms"],
            facts=Facts(valued={"latency_ms": set()}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "latency_ms has a passing range but no value on 12 of the datapoints the backend passed: no evaluator and"
            " no span recorded it in this run, which recorded latency: did you mean that?",
        ),
        (),
    ),
    (
        "an evaluator raised on some, the outcomes hold the value on one: the others returned nothing",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:9]}),
            None,
            ranged=["accuracy"],
            facts=Facts(
                errors={"accuracy": EvaluatorErrors(1, "ValueError: no judge", 12)},
                valued={"accuracy": set(IDS[:10])},
                produced=EVALUATED,
            ),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 3 of the datapoints the backend passed: the backend's"
            " summary lacks the values this run recorded on 1 of them (EXT-9): lost, or not summarised yet when the"
            " wait for it ended; on the other 2: evaluator accuracy raised on 1 datapoint(s) (ValueError: no judge);"
            " returned nothing on 1",
        ),
        (),
    ),
    (
        "only datapoints the backend passed and recorded: a failed one's or a never recorded one's value is no loss",
        lambda: decide(
            summary(IDS[:11], IDS[11:], metrics={"accuracy": IDS[:9]}),
            None,
            ranged=["accuracy"],
            facts=Facts(unrecorded={"EXT-10": "HTTP 503"}, valued={"accuracy": set(IDS)}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            f"accuracy has a passing range but no value on 1 of the datapoints the backend passed{UNSHOWN_ONE}",
            "1 datapoint(s) of the dataset were not recorded by the backend, so they were never judged (HTTP 503)",
            "1 datapoint(s) failed their passing ranges",
        ),
        (),
    ),
    (
        "a legacy body counts its values only: which datapoints lack one is not known, nor whose doing it is",
        lambda: decide(
            legacy_summary(IDS, [], 10),
            None,
            ranged=["accuracy"],
            facts=Facts(valued={"accuracy": set(IDS)}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 2 of the datapoints the backend passed: its evaluator"
            f" returned nothing for them{SKIP}",
        ),
        (),
    ),
    (
        "the run's own efficiency values the summary lacks: the backend's, a reason (not 'the run saw no call')",
        lambda: decide(
            summary(metrics={"accuracy": IDS}),
            None,
            ranged=["cost_usd"],
            facts=Facts(valued={"cost_usd": set(IDS)}, produced=(*EVALUATED, "cost_usd")),
        ),
        Verdict.FAIL,
        (
            "cost_usd has a passing range but no value on 12 of the datapoints the backend passed: the backend's"
            " summary lacks the values this run recorded on each of them (EXT-0 and 11 more): lost, or not"
            " summarised yet when the wait for it ended",
        ),
        (),
    ),
    (
        "some of them lacking: a reason too, not the warning of datapoints without a call, which the others are",
        lambda: decide(
            summary(metrics={"cost_usd": IDS[:9]}),
            None,
            ranged=["cost_usd"],
            facts=Facts(valued={"cost_usd": set(IDS[:10])}, produced=("cost_usd",)),
        ),
        Verdict.FAIL,
        (
            "cost_usd has a passing range but no value on 3 of the datapoints the backend passed: the backend's"
            " summary lacks the values this run recorded on 1 of them (EXT-9): lost, or not summarised yet when the"
            " wait for it ended; on the other 2: their LLM calls had no price or token usage, or they made none the"
            " run could see, so it was not checked there",
        ),
        (),
    ),
    # a metric nothing recorded was blamed on "its evaluator" too: a span's (other_metrics) of another name, or an
    # evaluate() range on a metric no evaluator is named after
    (
        "a ranged metric nothing recorded names what the run recorded closest to it",
        lambda: judge(summary(metrics={"latency": IDS, "other": IDS}), ranged=["latency_ms"]),
        Verdict.FAIL,
        (
            "latency_ms has a passing range but no value on 12 of the datapoints the backend passed: no evaluator and"
            " no span recorded it in this run, which recorded latency: did you mean that?",
        ),
        (),
    ),
    (
        "nothing close: what it recorded, the first ten",
        lambda: judge(summary(metrics={f"m{i:02}": IDS for i in range(11)}), ranged=["emm"]),
        Verdict.FAIL,
        (
            "emm has a passing range but no value on 12 of the datapoints the backend passed: no evaluator and no span"
            " recorded it in this run, which recorded: m00, m01, m02, m03, m04, m05, m06, m07, m08, m09, ...",
        ),
        (),
    ),
    # an evaluator that returned None on every datapoint (a forgotten return) was "no evaluator", though configured
    (
        "a ranged metric whose evaluator returned None on every datapoint: that evaluator is named",
        lambda: decide(
            summary(metrics={"other": IDS}), None, ranged=["accuracy"], facts=Facts(none_everywhere=["accuracy"])
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 12 of the datapoints the backend passed: its evaluator"
            " 'accuracy' returned None on every datapoint it ran on (a forgotten return?)",
        ),
        (),
    ),
    (
        "its metric of a dict: the evaluator it starts with, the longest, even when nothing else was recorded",
        lambda: decide(
            summary(metrics={}), None, ranged=["rubric_grounded"], facts=Facts(none_everywhere=["rubric", "rub"])
        ),
        Verdict.FAIL,
        (
            "rubric_grounded has a passing range but no value on 12 of the datapoints the backend passed: its"
            " evaluator 'rubric' returned None on every datapoint it ran on (a forgotten return?)",
        ),
        (),
    ),
    (
        "another evaluator's None: still nothing recorded it",
        lambda: decide(
            summary(metrics={"latency": IDS}), None, ranged=["latency_ms"], facts=Facts(none_everywhere=["tone"])
        ),
        Verdict.FAIL,
        (
            "latency_ms has a passing range but no value on 12 of the datapoints the backend passed: no evaluator and"
            " no span recorded it in this run, which recorded latency: did you mean that?",
        ),
        (),
    ),
    (
        "values on some datapoints: it returned nothing on the others, whatever the Nones",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:10]}),
            None,
            ranged=["accuracy"],
            facts=Facts(none_everywhere=["accuracy"], produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 2 of the datapoints the backend passed: its evaluator"
            " returned nothing for them",
        ),
        (),
    ),
    (
        "ten recorded, none close: all of them",
        lambda: judge(summary(metrics={f"m{i}": IDS for i in range(10)}), ranged=["emm"]),
        Verdict.FAIL,
        (
            "emm has a passing range but no value on 12 of the datapoints the backend passed: no evaluator and no span"
            " recorded it in this run, which recorded: m0, m1, m2, m3, m4, m5, m6, m7, m8, m9",
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
        (NO_BASELINE_VALUE,),  # the comparison has no row of it: a gate not checked, whatever else fails, says so
    ),
    (
        "the longest evaluator name the metric starts with is blamed; the other evaluator is a warning",
        lambda: judge(
            summary(metrics={}),
            ranged=["tone_judge_score"],
            errors={"tone": EvaluatorErrors(3, "KeyError: 'answer'"), "tone_judge": EvaluatorErrors(2, "E: x")},
            policy=TOLERANT,
        ),
        Verdict.FAIL,
        (
            "tone_judge_score has a passing range but no value on 12 of the datapoints the backend passed:"
            " evaluator tone_judge raised on 2 datapoint(s) (E: x); returned nothing on 10",
        ),
        (TONE_WARNING,),
    ),
    (
        "a gate hit, and a tolerated evaluator's error is still said",
        lambda: judge(
            summary(), comparison(delta(improved=0, degraded=12)), gates=GATE_PCT, errors=TONE, policy=TOLERANT
        ),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%): 12 of 12 worse, p < 0.001",),
        (TONE_WARNING,),
    ),
    (
        "a gate without per-datapoint counts says so, whole",
        lambda: judge(summary(), comparison(delta(counts=False)), gates=GATE_PCT),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "five new crashes are all named",
        lambda: judge(summary(), comparison(delta()), new_errors=IDS[:5]),
        Verdict.FAIL,
        (f"5 datapoint(s) {NEWLY} a function error on 5 (EXT-0, EXT-1, EXT-2, EXT-3, EXT-4)",),
        (),
    ),
    (
        "six new crashes: five named and one more",
        lambda: judge(summary(), comparison(delta()), new_errors=IDS[:6]),
        Verdict.FAIL,
        (f"6 datapoint(s) {NEWLY} a function error on 6 (EXT-0, EXT-1, EXT-2, EXT-3, EXT-4 and 1 more)",),
        (),
    ),
    (
        "the function's errors without a baseline: by exception and line, with their rows",
        lambda: judge(summary(IDS[6:], CRASHED_IDS), crashed=CRASHED),
        Verdict.FAIL,
        (f"4 datapoint(s) errored: {KEY_ERRORS}; {TIMEOUTS}",),
        (),
    ),
    (
        "the function's errors beside failed ranges, without a baseline: each said with its count",
        lambda: judge(summary(IDS[7:], [*CRASHED_IDS, "EXT-6", "EXT-4"]), crashed=CRASHED),
        Verdict.FAIL,
        ("2 datapoint(s) failed their passing ranges", f"4 datapoint(s) errored: {KEY_ERRORS}; {TIMEOUTS}"),
        (),
    ),
    (
        "one kind of error",
        lambda: judge(
            summary(IDS[6:], ["EXT-0", "EXT-1", "EXT-5"]), crashed={k: v for k, v in CRASHED.items() if k != "timeout"}
        ),
        Verdict.FAIL,
        (f"3 datapoint(s) errored: {KEY_ERRORS}",),
        (),
    ),
    (
        "new crashes with a baseline: said once, by exception and line, whatever allow_failed tolerates",
        lambda: judge(
            summary(IDS[6:], CRASHED_IDS),
            comparison(delta()),
            new_errors=CRASHED_IDS,
            crashed=CRASHED,
            policy=VerdictConfig(allow_failed=1),
        ),
        Verdict.FAIL,
        (f"4 datapoint(s) {NEWLY} {KEY_ERRORS}; {TIMEOUTS}",),
        (),
    ),
    (
        "new and old crashes and failed ranges with a baseline: each said apart",
        lambda: judge(
            summary(IDS[7:], [*CRASHED_IDS, "EXT-6"]), comparison(delta()), new_errors=["EXT-2"], crashed=CRASHED
        ),
        Verdict.FAIL,
        (
            f"1 datapoint(s) {NEWLY} {TIMEOUTS}",
            "1 datapoint(s) failed their passing ranges",
            f"3 datapoint(s) errored, as in the baseline: {KEY_ERRORS}",
        ),
        (),
    ),
    (
        "old crashes within allow_failed: a warning, counted",
        lambda: judge(
            summary(IDS[6:], CRASHED_IDS), comparison(delta()), crashed=CRASHED, policy=VerdictConfig(allow_failed=4)
        ),
        Verdict.PASS,
        ("6 of 10 datapoints passed; the others failed within verdict.allow_failed",),
        ("4 of 10 datapoint(s) failed, within the tolerance (verdict.allow_failed: 4)",),
    ),
    (
        "three kinds of error are all said; a new crash no kind holds (only its span has the error) by its id",
        lambda: judge(
            summary(IDS[6:], [*CRASHED_IDS, "EXT-9"]),
            comparison(delta()),
            new_errors=[*CRASHED_IDS, "EXT-9"],
            crashed=CRASHED,
        ),
        Verdict.FAIL,
        (f"5 datapoint(s) {NEWLY} {KEY_ERRORS}; {TIMEOUTS}; a function error on 1 (EXT-9)",),
        (),
    ),
    # audit50 #4: rows without ids get them from their positions: a row inserted mid-file renumbers the rows after
    # it, and an old crash among them read as a new one; still red (allow_failed never hides a new one), but said
    (
        "ids from position: new crashes on new ids may be old ones under them, and say so with the cause",
        lambda: judge(
            summary(), reshuffled(delta(), new=8, gone=9), new_errors=["EXT-0", "NEW-0", "NEW-1"], id_scheme="sdk"
        ),
        Verdict.FAIL,
        (
            f"3 datapoint(s) {NEWLY} a function error on 3 (EXT-0, NEW-0, NEW-1);"
            f" {OLD_CRASHES.format(2, 8, 8, 9, NOTE)}",
        ),
        (),
    ),
    (
        "ids from position, one row of 12 moved: the cause said is the position",
        lambda: judge(
            summary(), reshuffled(delta(), new=1, gone=1, common=IDS[:11]), new_errors=["NEW-0"], id_scheme="sdk"
        ),
        Verdict.FAIL,
        (f"1 datapoint(s) {NEWLY} a function error on 1 (NEW-0); {OLD_CRASHES.format(1, 1, 1, 1, BY_POSITION)}",),
        (),
    ),
    (
        "a new crash and no comparison: nothing to tell moved ids by",
        lambda: judge(summary(), new_errors=["NEW-0"], id_scheme="sdk"),
        Verdict.FAIL,
        (f"1 datapoint(s) {NEWLY} a function error on 1 (NEW-0)",),
        (),
    ),
    *(
        (
            f"{why}: a new crash is new",
            lambda kept=kept, scheme=scheme, crashed=crashed: judge(
                summary(), reshuffled(delta(), **kept), new_errors=[crashed], id_scheme=scheme
            ),
            Verdict.FAIL,
            (f"1 datapoint(s) {NEWLY} a function error on 1 ({crashed})",),
            (),
        )
        for why, kept, scheme, crashed in [
            ("ids from position, on an id both runs have: the same row", {"new": 8, "gone": 9}, "sdk", "EXT-0"),
            ("ids from position, on one the comparison left out", {"new": 8, "gone": 9, "left": 1}, "sdk", "LEFT-0"),
            ("ids from position, rows only added", {"new": 2, "gone": 0}, "sdk", "NEW-0"),
            ("own ids, 2 added and 1 removed", {"new": 2, "gone": 1, "common": IDS[:11]}, "own", "NEW-0"),
            ("HoneyHive's datapoints", {"new": 8, "gone": 9}, None, "NEW-0"),
        ]
    ),
    (
        "many kinds of error: three said, and how many more on how many datapoints",
        lambda: judge(summary(IDS[11:], IDS[:11]), crashed=MANY_KINDS),
        Verdict.FAIL,
        (
            "11 datapoint(s) errored: E0 at a.py:1 on 7 (a.jsonl:1, b.jsonl:2, a.jsonl:3, b.jsonl:4, a.jsonl:5 and 2"
            " more); E1 at a.py:2 on 2 (c:d.jsonl:8, :9): m; E2 at a.py:3 on 1 (b.jsonl:10): m; 1 other kind(s) on 1",
        ),
        (),
    ),
    (
        "an evaluator blamed for a missing metric does not hide the next evaluator's errors",
        lambda: judge(
            summary(metrics={}),
            ranged=["accuracy"],
            errors={"accuracy": EvaluatorErrors(12, "ValueError: no judge"), "tone": TONE["tone"]},
            policy=TOLERANT,
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 12 of the datapoints the backend passed: evaluator accuracy"
            " raised on 12 datapoint(s) (ValueError: no judge)",
        ),
        (TONE_WARNING,),
    ),
    (
        "an untolerated evaluator error is a reason, not a warning",
        lambda: judge(summary(), comparison(delta()), errors=TONE),
        Verdict.FAIL,
        (
            "evaluator tone raised on 3 datapoint(s) (KeyError: 'answer'); verdict.allow_evaluator_errors tolerates"
            " a count or a share of them",
        ),
        (),
    ),
    (  # the README's recommended cost gate failed every run with one datapoint that made no LLM call
        "an efficiency metric the run measures, missing where no call was seen, is a warning: nothing failed",
        lambda: judge(
            summary(metrics={"cost_usd": IDS[:10]}),
            comparison(delta("cost_usd", difference=0, pct=0.0)),
            gates={"cost_usd": COST_GATE},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "cost_usd has a gate but no value on 2 of the datapoints the backend passed: their LLM calls had no"
            " price or token usage, or they made none the run could see, so it was not checked there",
        ),
    ),
    (
        "a ranged efficiency metric, the same",
        lambda: judge(summary(metrics={"cost_usd": IDS[:10]}), ranged=["cost_usd"]),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (
            "cost_usd has a passing range but no value on 2 of the datapoints the backend passed: their LLM calls had"
            " no price or token usage, or they made none the run could see, so it was not checked there",
        ),
    ),
    (
        "a quality metric missing after it still fails the check",
        lambda: judge(summary(metrics={"cost_usd": IDS[:10]}), ranged=["cost_usd", "accuracy"]),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 12 of the datapoints the backend passed: no evaluator and"
            " no span recorded it in this run, which recorded: cost_usd",
        ),
        (
            "cost_usd has a passing range but no value on 2 of the datapoints the backend passed: their LLM calls had"
            " no price or token usage, or they made none the run could see, so it was not checked there",
        ),
    ),
    (
        "an evaluator of that name that raised is blamed as any evaluator is",
        lambda: judge(
            summary(metrics={"cost_usd": IDS[:10]}),
            gates={"cost_usd": COST_GATE},
            errors={"cost_usd": EvaluatorErrors(2, "ValueError: no price", 12)},
        ),
        Verdict.FAIL,
        (
            "cost_usd has a gate but no value on 2 of the datapoints the backend passed: evaluator cost_usd raised"
            " on 2 datapoint(s) (ValueError: no price)",
        ),
        (),
    ),
    (  # the gate was left out of the reasons (and report.json's gate_failures) until the datapoints were fixed
        "a gate crossed beside failed datapoints is said with them",
        lambda: judge(summary(IDS[:8], IDS[8:]), comparison(delta(improved=0, degraded=6)), gates=GATE_PCT),
        Verdict.FAIL,
        (
            "4 datapoint(s) failed their passing ranges",
            "accuracy got worse by 8.0% (gate: at most 5%): 6 of 12 worse, p = 0.016",
        ),
        (),
    ),
    (  # a new evaluator with a gate, or a baseline whose evaluator broke: the gate was skipped and the check passed
        "a gate the baseline has no value for cannot be checked: neutral, saying which",
        lambda: judge(
            summary(metrics={"accuracy": IDS, "recall": IDS}),
            comparison(delta(), {"metric_name": "recall", "new_aggregate": 0.5}),
            gates={"accuracy": GateRule(max_drop_pct=10), "recall": GateRule(max_drop_pct=5)},
            errors=TONE,
            policy=TOLERANT,
        ),
        Verdict.NEUTRAL,
        ("recall's gate could not be checked: the baseline has no value for it",),
        (TONE_WARNING,),
    ),
    (  # a rate of hallucinations at 0 in the baseline: the backend sends no percentage of 0, and the gate was skipped
        "a percentage gate on a metric that got worse from 0 fails: no percentage of 0 bounds it",
        lambda: judge(
            summary(metrics={"lat": IDS}),
            comparison(delta("lat", difference=0.25, pct=None, old=0, counts=False)),
            gates={"lat": GateRule(max_drop_pct=5)},
            presentation={"lat": MetricConfig(direction=Direction.LOWER)},
        ),
        Verdict.FAIL,
        ("lat got worse by 0.25 from 0 (gate: at most 5%, of 0: none): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "one that got better from 0, or stayed at 0, passes",
        lambda: judge(
            summary(metrics={"lat": IDS, "score": IDS}),
            comparison(delta("lat", difference=0, pct=None, old=0), delta("score", difference=0.5, pct=None, old=0)),
            gates={"lat": GateRule(max_drop_pct=5), "score": GateRule(max_drop_pct=5)},
            presentation={"lat": MetricConfig(direction=Direction.LOWER)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    # the backend may send the improved/degraded id lists without their counts (the report counts the lists): the gate
    # read only the counts, so max_degraded: 2 with 6 degraded ids passed
    (
        "max_degraded counts the degraded ids when the backend sends no count",
        lambda: judge(
            summary(),
            comparison(delta(counts=False) | {"improved": IDS[:3], "degraded": IDS[3:9]}),
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.FAIL,
        ("accuracy degraded on 6 datapoints (gate: at most 2): 6 of 12 worse, p = 0.25",),
        (),
    ),
    (
        "one datapoint degraded is said in the singular",
        lambda: judge(
            summary(),
            comparison(delta(counts=False) | {"improved": IDS[:3], "degraded": IDS[3:4]}),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.FAIL,
        (
            "accuracy degraded on 1 datapoint (gate: at most 0): 1 of 12 worse, p = 0.94, too few changes to tell"
            " (needs ≥ 5)",
        ),
        (),
    ),
    (
        "lower is better: the improved ids are the degraded ones, without counts too",
        lambda: judge(
            summary(metrics={"latency": IDS}),
            comparison(
                delta("latency", difference=8.0, pct=8.0, counts=False) | {"improved": IDS[:6], "degraded": IDS[6:9]}
            ),
            gates={"latency": GateRule(max_degraded=5)},
            presentation={"latency": LOWER},
        ),
        Verdict.FAIL,
        ("latency degraded on 6 datapoints (gate: at most 5): 6 of 12 worse, p = 0.25",),
        (),
    ),
    # the PR replaced every dataset row: max_degraded counts the datapoints both runs have, of which there were none,
    # and the check passed a gate it never checked
    (
        "max_degraded on runs that share no datapoint could not be checked: neutral, saying why",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0), common=()),
            gates={"accuracy": GateRule(max_degraded=0)},
            errors=TONE,
            policy=TOLERANT,
        ),
        Verdict.NEUTRAL,
        (
            "accuracy's max_degraded could not be checked: the two runs share no datapoint, and it counts the shared"
            " ones that got worse",
        ),
        (TONE_WARNING,),
    ),
    (
        "the aggregates' bounds could not be checked either: each gate says so, or that the baseline has no value",
        lambda: judge(
            summary(metrics={"accuracy": IDS, "recall": IDS, "tone": IDS}),
            comparison(
                delta(improved=0, degraded=0),
                delta("recall", improved=0, degraded=0),
                {"metric_name": "tone", "new_aggregate": 0.5},
                common=(),
            ),
            gates={
                "accuracy": GateRule(max_drop_pct=10),
                "recall": GateRule(max_drop=0.1, max_degraded=3),
                "tone": GateRule(max_degraded=0),
            },
        ),
        Verdict.NEUTRAL,
        (
            APART.format("accuracy"),
            APART.format("recall"),
            "tone's gate could not be checked: the baseline has no value for it",
        ),
        (),
    ),
    # audit50 d1: a row removed mid-file renumbered the rows after it (ids from position): 3 of 11 paired, and
    # max_degraded: 2 passed on those 3 though 4 of the others had got worse
    (
        "ids moved: a max_degraded that held on the few paired could not be fully checked: neutral",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (MOVED.format(metric="accuracy", worse=0, total=11, new=8),),
        (),
    ),
    (
        "as many as could be the gone ones under new ids (2 new of 5) do not cross it: it holds",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=2, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "at the bound on those paired, one more would cross it: not fully checked",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=2), new=1, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (MOVED.format(metric="accuracy", worse=2, total=4, new=1),),
        (),
    ),
    (
        "ids moved, lower is better: the improved count is the worse one",
        lambda: judge(
            summary(metrics={"latency": IDS}),
            reshuffled(delta("latency", difference=1.0, pct=1.0, improved=1, degraded=0), new=2, gone=9),
            id_scheme="sdk",
            gates={"latency": GateRule(max_degraded=2)},
            presentation={"latency": LOWER},
        ),
        Verdict.NEUTRAL,
        (MOVED.format(metric="latency", worse=1, total=5, new=2),),
        (),
    ),
    (
        "crossed on the paired ones: failed as any crossing, nothing more said",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=3), new=8, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.FAIL,
        (
            "accuracy degraded on 3 datapoints (gate: at most 2): 3 of 3 worse, p = 0.12, too few changes to tell"
            " (needs ≥ 5)",
        ),
        (),
    ),
    (
        "rows only added: every datapoint it can count is paired, and it held",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=0),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "content ids, 9 of 10 paired: an edited row's new id does not make it unchecked",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=1, gone=1, common=IDS[:9]),
            id_scheme="content",
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    # audit53 F1: rows with their own ids, 1 removed and 2 added (11 of 13 paired): no id moved, yet the gate most
    # set (max_degraded: 0, none worse) was called not fully checked; so with content ids, or HoneyHive's
    *(
        (
            f"{scheme} ids, 1 removed and 2 added below 90% paired: nothing moved, max_degraded: 0 holds",
            lambda scheme=scheme: judge(
                summary(),
                reshuffled(delta(improved=0, degraded=0), new=2, gone=1, common=IDS[:11]),
                id_scheme=scheme,
                gates={"accuracy": GateRule(max_degraded=0)},
            ),
            Verdict.PASS,
            ("every datapoint passed",),
            (),
        )
        for scheme in ("own", "content", None)
    ),
    (
        "own ids renamed (8 new, 9 gone of 11): they moved, not fully checked",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=9),
            id_scheme="own",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (MOVED.format(metric="accuracy", worse=0, total=11, new=8),),
        (),
    ),
    (
        "HoneyHive's datapoints (no file) do not move, however many are new and gone",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=9),
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    # audit53 F2: 50 rows without ids, one inserted before row 47: rows 47-50 got new ids, and 46 of 51 paired
    # (over 90%) passed max_degraded: 2 though those 4 had got worse; ids from position move however few
    (
        "ids from position, 46 of 51 paired: the 4 gone may be 4 of the 5 new, past the bound: not fully checked",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=5, gone=4, common=[f"P-{i}" for i in range(46)]),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (
            "accuracy's max_degraded could not be fully checked (gate: at most 2): 0 of the 46 datapoints the"
            " comparison paired got worse, but it paired only 46 of this run's 51, and up to 4 of the 5 new in this"
            " run may be datapoints gone from the baseline (4) under new ids (a row without an id gets one from its"
            " position: give every row an id field, or set dataset.datapoint_ids: content): it counts only paired ones",
        ),
        (),
    ),
    (
        "ids from position, 1 worse and 1 that may have moved: within max_degraded: 2, it holds",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=1), new=2, gone=1, common=IDS),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    # audit53 F4: a bound as large as the datapoints paired was also said never to fail, beside "could not be
    # fully checked": only the latter is true of the datapoints that may have moved
    (
        "a bound that may be crossed by moved datapoints is not said never to fail",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=3)},
        ),
        Verdict.NEUTRAL,
        (MOVED.replace("at most 2", "at most 3").format(metric="accuracy", worse=0, total=11, new=8),),
        (),
    ),
    (
        "a metric the baseline has no value of says that alone",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0) | {"old_aggregate": None}, new=8, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (NO_BASELINE_VALUE,),
        (),
    ),
    (
        "without found_count, the datapoints it paired are those the runs share",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0) | {"found_count": None, "same_count": 3}, new=8, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (MOVED.format(metric="accuracy", worse=0, total=11, new=8),),
        (),
    ),
    (
        "each of its rows is judged: one that holds whatever the others are does not hide the next",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0, event="first"), delta(improved=0, degraded=1), new=2, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (MOVED.format(metric="accuracy", worse=1, total=5, new=2),),
        (),
    ),
    (
        "a gate without max_degraded has nothing to say of it",
        lambda: judge(
            summary(),
            reshuffled(delta(difference=0.0, pct=0.0, improved=0, degraded=0), new=8, gone=9),
            id_scheme="sdk",
            gates=GATE_PCT,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "the datapoints both runs have that the comparison left out are this run's too",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=9, left=2),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.NEUTRAL,
        (MOVED.format(metric="accuracy", worse=0, total=13, new=8),),
        (),
    ),
    (
        "failed for another reason: a warning",
        lambda: judge(
            summary(IDS[1:], IDS[:1]),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
        ),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
        (MOVED.format(metric="accuracy", worse=0, total=11, new=8),),
    ),
    # audit76 F1: rows numbered by position, one inserted at the top and numbered again: every paired id named
    # another question, and a regression passed max_degraded: 0 and max_drop: 0 on those pairs
    (
        "3 of the 12 paired hold other inputs (25%: ids reused or renumbered): max_degraded not fully checked",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=0, gone=0, common=IDS),
            gates={"accuracy": GATE_0},
            other_inputs=3,
        ),
        Verdict.NEUTRAL,
        (REUSED.format(bound=0, worse=0, reused=3),),
        (),
    ),
    (
        "2 of the 12 paired hold other inputs (under 25%): rows edited under their ids, it holds",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=0, gone=0, common=IDS),
            gates={"accuracy": GATE_0},
            other_inputs=2,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "one row of 3 paired edited under its id (33%): one is an edit, never ids reused: it holds",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=0, gone=0, common=IDS[:3]),
            gates={"accuracy": GATE_0},
            other_inputs=1,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "2 of 3 paired: ids reused, however few",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=0, gone=0, common=IDS[:3]),
            gates={"accuracy": GATE_0},
            other_inputs=2,
        ),
        Verdict.NEUTRAL,
        (REUSED.format(bound=0, worse=0, reused=2).replace("of the 12", "of the 3"),),
        (),
    ),
    (
        "1 worse and 3 reused, max_degraded: 3: they may cross it, not fully checked",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=1), new=0, gone=0, common=IDS),
            gates={"accuracy": GateRule(max_degraded=3)},
            other_inputs=3,
        ),
        Verdict.NEUTRAL,
        (REUSED.format(bound=3, worse=1, reused=3),),
        (),
    ),
    (
        "1 worse and 3 reused, max_degraded: 4: they cannot cross it, it holds",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=1), new=0, gone=0, common=IDS),
            gates={"accuracy": GateRule(max_degraded=4)},
            other_inputs=3,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "crossed on the paired ones, ids reused or not: failed as any crossing",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=1), new=0, gone=0, common=IDS),
            gates={"accuracy": GATE_0},
            other_inputs=3,
        ),
        Verdict.FAIL,
        (
            "accuracy degraded on 1 datapoint (gate: at most 0): 1 of 12 worse, p = 0.5, too few changes to tell"
            " (needs ≥ 5)",
        ),
        (),
    ),
    (
        "ids reused: max_drop compares different questions, its crossing is not judged",
        lambda: judge(summary(), comparison(delta()), gates={"accuracy": GateRule(max_drop=0.05)}, other_inputs=3),
        Verdict.NEUTRAL,
        (REUSED_DROP.format(bounds="max_drop", reused=3),),
        (),
    ),
    (
        "ids reused: nor is max_drop_pct's hold",
        lambda: judge(
            summary(),
            comparison(delta(difference=0.0, pct=0.0)),
            gates={"accuracy": GateRule(max_drop=0.05, max_drop_pct=5)},
            other_inputs=3,
        ),
        Verdict.NEUTRAL,
        (REUSED_DROP.format(bounds="max_drop and max_drop_pct", reused=3),),
        (),
    ),
    (
        "rows edited under their ids (2 of 12): max_drop judged as usual",
        lambda: judge(summary(), comparison(delta()), gates={"accuracy": GateRule(max_drop=0.05)}, other_inputs=2),
        Verdict.FAIL,
        ("accuracy got worse by 0.08 (gate: at most 0.05): 5 of 12 worse, p = 0.5",),
        (),
    ),
    (
        "new ids that may be gone ones and paired ones reused: both said",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=8, gone=9),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
            other_inputs=2,
        ),
        Verdict.NEUTRAL,
        (
            MOVED.format(metric="accuracy", worse=0, total=11, new=8)
            + "; and 2 of the 3 it paired hold other inputs than in the baseline (ids reused or renumbered?): one that"
            " got worse may count as the same",
        ),
        (),
    ),
    (  # audit50 f4: a crash failed the check, and the gates it could not check were said nowhere
        "failed for another reason, the gates that could not be checked are warnings",
        lambda: judge(
            summary(IDS[1:], IDS[:1], metrics={"accuracy": IDS, "recall": IDS, "tone": IDS}),
            comparison(
                delta(improved=0, degraded=0),
                delta("recall", improved=0, degraded=0),
                {"metric_name": "tone", "new_aggregate": 0.5},
                common=(),
            ),
            gates={
                "accuracy": GateRule(max_drop_pct=10),
                "recall": GateRule(max_drop=0.1, max_degraded=3),
                "tone": GateRule(max_degraded=0),
            },
        ),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
        (
            APART.format("accuracy"),
            APART.format("recall"),
            "tone's gate could not be checked: the baseline has no value for it",
        ),
    ),
    (
        "past them too: a drop between different datapoints is the dataset's as much as the code's",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0), common=()),
            gates={"accuracy": GateRule(max_drop_pct=5, max_degraded=0)},
        ),
        Verdict.NEUTRAL,
        (APART.format("accuracy"),),
        (),
    ),
    (
        "sharing one datapoint, the aggregates' bounds judge as usual",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=0), common=IDS[:1]), gates=GATE_PCT),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%): 0 of 1 worse, p = 1, too few changes to tell (needs ≥ 5)",),
        (),
    ),
    (  # audit71 #5: an empty commonDatapoints beside counts that pair datapoints silenced a crossed max_degraded
        "no common datapoint but the metric's counts pair some: its bounds judge as they say",
        lambda: judge(
            summary(),
            comparison(delta(difference=-0.5, pct=-50.0, improved=0, degraded=5), common=()),
            gates={"accuracy": GateRule(max_drop=0.05, max_degraded=0)},
        ),
        Verdict.FAIL,
        (
            "accuracy got worse by 0.5 (gate: at most 0.05): significance unknown: no datapoint has a value in both"
            " runs",
            "accuracy degraded on 5 datapoints (gate: at most 0): significance unknown: no datapoint has a value in"
            " both runs",
        ),
        (),
    ),
    (  # it was neutral ("share no datapoint"): _gates_unchecked's copy of the rule lacked audit71 #5's exceptions
        "no common datapoint, some left out: max_degraded with room for every one of them holds, as max_drop is judged",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0), common=()),
            gates={"accuracy": GateRule(max_degraded=3)},
            unpaired=3,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # audit75 F1: passed unchecked once decide's "share no datapoint" rule left the lagging case to _unknown
        "no common datapoint, some left out, no counts sent: max_degraded was never checked",
        lambda: judge(
            summary(),
            comparison(delta(counts=False, difference=0.0, pct=0.0), common=()),
            gates={"accuracy": GateRule(max_degraded=0)},
            unpaired=1,
        ),
        Verdict.FAIL,
        (
            "accuracy's max_degraded could not be checked (gate: at most 0): the backend sent no per-datapoint counts"
            " for accuracy",
        ),
        (),
    ),
    (
        "no common datapoint, but the runs' summaries share some the comparison left out: judged as it says",
        lambda: judge(
            summary(),
            comparison(delta(difference=-0.5, pct=-50.0, improved=0, degraded=0), common=()),
            gates={"accuracy": GateRule(max_drop=0.05)},
            unpaired=3,
        ),
        Verdict.FAIL,
        (
            "accuracy got worse by 0.5 (gate: at most 0.05): significance unknown: no datapoint the comparison paired"
            " has a value in both runs; the comparison left out 3 datapoints both runs scored",
        ),
        (),
    ),
    (
        "a max_drop that the runs sharing none would pass is not checked either",
        lambda: judge(
            summary(), comparison(delta(improved=0, degraded=0), common=()), gates={"accuracy": GateRule(max_drop=0.5)}
        ),
        Verdict.NEUTRAL,
        (APART.format("accuracy"),),
        (),
    ),
    (
        "nor one on a metric whose values leave calls out: the efficiency reason is said",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=0, pct=0.0, improved=0, degraded=0), common=()),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(0, 4)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: this run's value excludes 4 LLM calls (4 to unpriced model m):"
            " with them this run's value is higher, and could be past the gate (or significantly worse)",
        ),
        (),
    ),
    (
        "so is a noise-aware one: a test that could count nothing does not call the drop noise either",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=0), common=()), gates=NOISE_AWARE),
        Verdict.NEUTRAL,
        (APART.format("accuracy"),),
        (),
    ),
    # audit74 F1: the baseline (an older version's) has cost_usd on the 6 of 12 shared datapoints that made a call,
    # this run on all 12 (0 on the others): a 2.18x cost on those 6 read +8.9% between the aggregates, and passed
    # max_worse_pct: 10 while the row said "worse on those 6". The runs have a metric on different shared datapoints:
    # its bounds on the aggregates are not judged on them, past or not
    (
        "the runs have the metric on different shared datapoints: a bound on aggregates within it is not passed",
        lambda: covered(COST_GATE, RISE),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
        (),
    ),
    (  # audit77 F1: a baseline whose function crashed on one datapoint made every later run neutral on these bounds
        "a crossing the compared datapoints bear out fails: they got worse too",
        lambda: covered(GateRule(max_worse=0.05), RISE | {"difference": 0.2, "pct": 20.0}),
        Verdict.FAIL,
        ("cost_usd got worse by 0.2 (gate: at most 0.05): 6 of 6 worse, p = 0.016",),
        (),
    ),
    (
        "and a bound held that they bear out passes: no more of them worse than better",
        lambda: covered(COST_GATE, RISE | {"improved": 0, "degraded": 6, "difference": -0.05, "pct": -5.0}),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "nor one crossed they do not bear out failed: the aggregates' change is the coverage's as much as the code's",
        lambda: covered(
            GateRule(max_worse=0.05), RISE | {"difference": 0.2, "pct": 20.0, "improved": 2, "degraded": 3}
        ),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse", NOT_EVERY.format(2, 3)),),
        (),
    ),
    (
        "nor one whose compared datapoints' counts were not sent",
        lambda: covered(GateRule(max_worse=0.05), {"difference": 0.2, "pct": 20.0, "counts": False}),
        Verdict.NEUTRAL,
        (
            "cost_usd's max_worse could not be checked: compared on 6 of the 12 shared datapoints that hold it in"
            " either run, so its aggregates are of different datapoints; they crossed it, and no counts were sent to"
            " tell the compared ones'",
        ),
        (),
    ),
    (
        "a higher-is-better metric's (an evaluator that returned None in the baseline) says each of its bounds",
        lambda: covered(GateRule(max_drop=0.05, max_drop_pct=5), {"improved": 3, "degraded": 0}, metric="accuracy"),
        Verdict.NEUTRAL,
        (DILUTED.format("accuracy", "max_drop and max_drop_pct", NOT_EVERY.format(0, 3)),),
        (),
    ),
    (
        "beside another failure it is a warning",
        lambda: covered(COST_GATE, RISE, result=summary(IDS[1:], IDS[:1], metrics={"cost_usd": IDS})),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
    ),
    (
        "its max_degraded counts the paired datapoints: judged, and failed when crossed",
        lambda: covered(GateRule(max_worse_pct=10, max_degraded=2), RISE),
        Verdict.FAIL,
        ("cost_usd degraded on 6 datapoints (gate: at most 2): 6 of 6 worse, p = 0.016",),
        (),
    ),
    (
        "held, its bounds on the aggregates are still not checked",
        lambda: covered(GateRule(max_worse_pct=10, max_degraded=2), RISE | {"improved": 1}),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(1)),),
        (),
    ),
    (
        "a noise-aware one stays noise-aware",
        lambda: covered(GateRule(max_worse_pct=10, max_degraded=0, significant=True), RISE | {"improved": 3}),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(3)),),
        (
            "cost_usd degraded on 3 datapoints (gate: at most 0): 3 of 6 worse, p = 0.12, too few changes to tell"
            " (needs ≥ 5), not significant, so not failed (significant: true)",
        ),
    ),
    (
        "a max_degraded alone judges as usual: held, passed",
        lambda: covered(GateRule(max_degraded=2), RISE | {"improved": 1}),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "neither run has it on the others (their calls had no usage, in both runs): the same datapoints, judged",
        lambda: covered(GateRule(max_worse=0.05), RISE | {"difference": 0.2, "pct": 20.0}, this=CALLED),
        Verdict.FAIL,
        ("cost_usd got worse by 0.2 (gate: at most 0.05): 6 of 6 worse, p = 0.016",),
        (
            "cost_usd has a gate but no value on 6 of the datapoints the backend passed: their LLM calls had no price"
            " or token usage, or they made none the run could see, so it was not checked there",
        ),
    ),
    (  # audit77 F2: the id lists of both events were merged, so the answer row read as 6 paired of 12
        "a metric on two events: each row is held to its own event's datapoints",
        lambda: judge(
            on_two_events(IDS, CALLED),
            comparison(
                delta("cost_usd", event="root", difference=0.0, pct=0.0, improved=0, degraded=0) | {"found_count": 12},
                delta("cost_usd", **RISE) | {"found_count": 6},
            ),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            baseline=on_two_events(IDS, CALLED),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # audit78 F2: the diluted answer row blanked the root row's clear crossing (neutral, exit 0)
        "a metric's event that crossed its bound undiluted fails it, whatever another event's dilution",
        lambda: judge(
            on_two_events(IDS, CALLED),
            comparison(
                delta("cost_usd", event="root", difference=0.5, pct=50.0, improved=12, degraded=0),
                delta("cost_usd", **RISE | {"improved": 3}) | {"found_count": 3},
            ),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            baseline=on_two_events(IDS, CALLED[:3]),
        ),
        Verdict.FAIL,
        ("cost_usd got worse by 50.0% (gate: at most 10%): 12 of 12 worse, p < 0.001",),
        (),
    ),
    (  # audit78 F3: without found_count or a same count the dilution went unseen, and +8.9% passed
        "the runs' id lists tell a dilution without the comparison's count of paired datapoints",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison({k: v for k, v in delta("cost_usd", **RISE).items() if k != "same_count"}),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            baseline=summary(metrics={"cost_usd": CALLED}),
        ),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
        (),
    ),
    (  # audit78 F1: a crossing beside compared datapoints that did not move is the coverage's
        "nor a crossing beside compared datapoints none of which got worse",
        lambda: covered(GateRule(max_worse=0.05), RISE | {"difference": 0.2, "pct": 20.0, "improved": 0}),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse", NOT_EVERY.format(0, 0)),),
        (),
    ),
    # mutation: each rule of _diluted and _moved held by a row of its own
    (
        "an undiluted event that held its bound leaves another event's dilution said",
        lambda: judge(
            on_two_events(IDS, CALLED),
            comparison(
                delta("cost_usd", event="root", difference=0.0, pct=0.0, improved=0, degraded=0),
                delta("cost_usd", **RISE | {"improved": 3}),
            ),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            baseline=on_two_events(IDS, CALLED[:3]),
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's max_worse_pct could not be checked: compared on 3 of the 6 shared datapoints that hold it in"
            " either run, so its aggregates are of different datapoints; they held it, but 3 of the compared ones got"
            " worse (0 better)",
        ),
        (),
    ),
    (
        "a gate without bounds on the aggregate before it is passed over",
        lambda: judge(
            summary(metrics={"accuracy": IDS, "cost_usd": IDS}),
            comparison(delta("accuracy"), delta("cost_usd", **RISE)),
            gates={"accuracy": GateRule(max_degraded=9), "cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            baseline=summary(metrics={"accuracy": IDS, "cost_usd": CALLED}),
        ),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
        (),
    ),
    (
        "ids reused: every gated metric's bounds are said",
        lambda: judge(
            summary(metrics={"accuracy": IDS, "recall": IDS}),
            comparison(delta(), delta("recall")),
            gates={"accuracy": GateRule(max_drop=0.05), "recall": GateRule(max_drop=0.05)},
            other_inputs=3,
        ),
        Verdict.NEUTRAL,
        (
            REUSED_DROP.format(bounds="max_drop", reused=3),
            REUSED_DROP.format(bounds="max_drop", reused=3).replace("accuracy", "recall"),
        ),
        (),
    ),
    (
        "a crossing from a baseline of 0 is a crossing",
        lambda: covered(
            GateRule(max_worse_pct=10), {"old": 0.0, "difference": 0.01, "pct": None, "improved": 6, "degraded": 0}
        ),
        Verdict.FAIL,
        ("cost_usd got worse by 0.01 from 0 (gate: at most 10%, of 0: none): 6 of 6 worse, p = 0.016",),
        (),
    ),
    (
        "this run holding the metric on fewer datapoints than the baseline is diluted too",
        lambda: covered(COST_GATE, RISE, this=CALLED, old=IDS),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
        (
            "cost_usd has a gate but no value on 6 of the datapoints the backend passed: their LLM calls had no price"
            " or token usage, or they made none the run could see, so it was not checked there",
        ),
    ),
    (
        "one compared datapoint worse and none better bears a crossing out",
        lambda: covered(GateRule(max_worse=0.05), RISE | {"difference": 0.2, "pct": 20.0, "improved": 1}),
        Verdict.FAIL,
        ("cost_usd got worse by 0.2 (gate: at most 0.05): 1 of 6 worse, p = 0.5, too few changes to tell (needs ≥ 5)",),
        (),
    ),
    (
        "one count of the two not sent: no counts to tell",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(
                {k: v for k, v in delta("cost_usd", **RISE).items() if not k.startswith("degraded")}
                | {"found_count": 6}
            ),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            baseline=summary(metrics={"cost_usd": CALLED}),
        ),
        Verdict.NEUTRAL,
        (
            DILUTED.format(
                "cost_usd", "max_worse_pct", "they held it, and no counts were sent to tell the compared ones'"
            ),
        ),
        (),
    ),
    (
        "as many paired reused as new ids that may have moved: both said",
        lambda: judge(
            summary(),
            reshuffled(delta(improved=0, degraded=0), new=3, gone=3),
            id_scheme="sdk",
            gates={"accuracy": GateRule(max_degraded=2)},
            other_inputs=3,
        ),
        Verdict.NEUTRAL,
        (
            "accuracy's max_degraded could not be fully checked (gate: at most 2): 0 of the 3 datapoints the"
            " comparison paired got worse, but it paired only 3 of this run's 6, and up to 3 of the 3 new in this run"
            " may be datapoints gone from the baseline (3) under new ids (see the note on the comparison): it counts"
            " only paired ones; and 3 of the 3 it paired hold other inputs than in the baseline (ids reused or"
            " renumbered?): one that got worse may count as the same",
        ),
        (),
    ),
    (
        "a diluted gate's max_degraded is judged without its bounds on the aggregates, which crossed",
        lambda: covered(
            GateRule(max_worse=0.05, max_degraded=5),
            RISE | {"difference": 0.2, "pct": 20.0, "improved": 2, "degraded": 3},
        ),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse", NOT_EVERY.format(2, 3)),),
        (),
    ),
    (
        "rows only added are none of theirs: every shared one paired, judged",
        lambda: covered(
            COST_GATE,
            RISE | {"difference": 0.2, "pct": 20.0},
            result=summary([*IDS, "NEW-0"], metrics={"cost_usd": [*IDS, "NEW-0"]}),
            old=IDS,
            found=12,
        ),
        Verdict.FAIL,
        ("cost_usd got worse by 20.0% (gate: at most 10%): 6 of 12 worse, p = 0.016",),
        (),
    ),
    (
        "without the comparison's count of paired datapoints, as sent",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", **RISE | {"difference": 0.2, "pct": 20.0})),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            baseline=summary(metrics={"cost_usd": CALLED}),
        ),
        Verdict.FAIL,
        ("cost_usd got worse by 20.0% (gate: at most 10%): 6 of 12 worse, p = 0.016",),
        (),
    ),
    (
        "values leaving calls out are judged by those calls",
        lambda: covered(COST_GATE, RISE | {"difference": 0.2, "pct": 20.0}, left_out={"cost_usd": left(0, 4)}),
        Verdict.FAIL,
        (
            "cost_usd got worse by 20.0% (gate: at most 10%): 6 of 6 worse, p = 0.016; this run's value excludes 4"
            " LLM calls (4 to unpriced model m): with them it is worse still",
        ),
        (),
    ),
    # audit78 F4: a gate whose values leave calls out skipped the dilution rule, and audit74 F1's 2.18x cost passed
    # (neutral with nothing left out): on the datapoints' own calls (both runs made one outside every datapoint), and
    # where only the baseline's leaves calls out, a bound not crossed "holds". Neither tells a diluted aggregate
    (
        "values judged on the datapoints' own calls are held to the datapoints they are of",
        lambda: covered(COST_GATE, RISE, left_out={"cost_usd": left(1, 1, OUTSIDE)}),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
        (),  # nothing judged on them: no "judged on the datapoints' own calls"
    ),
    (
        "as is a baseline's value that leaves a call outside every datapoint out",
        lambda: covered(COST_GATE, RISE, left_out={"cost_usd": left(1, 0, OUTSIDE)}),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
        (),
    ),
    (
        "or calls to an unpriced model",
        lambda: covered(COST_GATE, RISE, left_out={"cost_usd": left(2, 0)}),
        Verdict.NEUTRAL,
        (DILUTED.format("cost_usd", "max_worse_pct", HELD_WORSE.format(6)),),
        (),
    ),
    (
        "its max_degraded judged on the datapoints' own calls says so",
        lambda: covered(GateRule(max_worse_pct=10, max_degraded=5), RISE, left_out={"cost_usd": left(1, 1, OUTSIDE)}),
        Verdict.FAIL,
        ("cost_usd degraded on 6 datapoints (gate: at most 5): 6 of 6 worse, p = 0.016",),
        (
            "cost_usd judged on the datapoints' own calls: both runs made 1 LLM call outside any datapoint, counted in"
            " neither",
        ),
    ),
    (
        "values that could not be checked for the calls they leave out say that alone, as before",
        lambda: covered(COST_GATE, RISE, left_out={"cost_usd": left(2, 1)}),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: the baseline's value excludes 2 LLM calls (2 to unpriced model m)"
            " and this run's value excludes 1 LLM call (1 to unpriced model m): with them the change could be larger"
            " or smaller",
        ),
        (),
    ),
    (
        "not diluted: a baseline's value leaving calls out holds a bound not crossed, as before",
        lambda: covered(COST_GATE, RISE, old=IDS, found=12, left_out={"cost_usd": left(2, 0)}),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "and both runs' alike judge on the datapoints' own calls a crossing the counts do not bear out",
        lambda: covered(
            COST_GATE,
            RISE | {"difference": 0.2, "pct": 20.0, "improved": 2, "degraded": 3},
            old=IDS,
            found=12,
            left_out={"cost_usd": left(1, 1, OUTSIDE)},
        ),
        Verdict.FAIL,
        ("cost_usd got worse by 20.0% (gate: at most 10%): 2 of 12 worse, p = 0.81",),
        (
            "cost_usd judged on the datapoints' own calls: both runs made 1 LLM call outside any datapoint, counted in"
            " neither",
        ),
    ),
    # this run's datapoints without a value (their calls all streamed without usage) are judged at 0 beside a baseline
    # that has them: not diluted by those, it fails a gate crossed even so, though one of them got better
    (
        "this run's datapoints without a value are taken at 0, not as a dilution",
        lambda: covered(
            COST_GATE,
            {"difference": 0.02, "pct": 200.0, "improved": 9, "degraded": 2, "old": 0.01},
            this=IDS[1:],
            old=IDS,
            found=11,
            left_out={"cost_usd": left(0, 1, "to m without token usage" + NO_VALUE)},
        ),
        Verdict.FAIL,
        (
            "cost_usd got worse by 200.0% (gate: at most 10%): 9 of 11 worse, p = 0.033; this run's value excludes 1"
            " LLM call (1 to m without token usage on datapoints left without a value): past the gate even were those"
            " datapoints 0",
        ),
        (UNPRICED.format(n=1),),
    ),
    (
        "but beside a baseline that lacks some it is diluted all the same",
        lambda: covered(
            COST_GATE,
            {"difference": 0.02, "pct": 200.0, "improved": 9, "degraded": 2, "old": 0.01},
            this=IDS[1:],
            old=IDS[2:],
            found=10,
            left_out={"cost_usd": left(0, 1, "to m without token usage" + NO_VALUE)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: this run's value excludes 1 LLM call (1 to m without token usage on"
            " datapoints left without a value): with them the change could be larger or smaller",
        ),
        (UNPRICED.format(n=1),),
    ),
    (  # 3 worse, EXT-0 in 1 of its 2 trials: at 0 it could be better, 2 worse; the diluted +50% at 0 fails nothing
        "a diluted gate's max_degraded alone is judged at 0",
        lambda: covered(
            GateRule(max_worse_pct=10, max_degraded=2),
            {"difference": 0.02, "pct": 200.0, "improved": 3, "degraded": 2, "old": 0.01},
            left_out={"cost_usd": left(0, 1, "to m without token usage" + NO_VALUE)},
            partly={"cost_usd": {"EXT-0": (1, 2)}},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: this run's value excludes 1 LLM call (1 to m without token usage on"
            " datapoints left without a value): with them the change could be larger or smaller",
        ),
        (
            "cost_usd has a gate but no value on 1 of the datapoints the backend passed (in 1 of its 2 trials): their"
            " LLM calls had no price or token usage, or they made none the run could see, so it was not checked there",
        ),
    ),
    (
        "a baseline whose values the comparison has no aggregate of says that alone",
        lambda: judge(
            summary(),
            comparison(
                delta() | {"old_aggregate": None, "difference": None, "percentage_change": None, "found_count": 0}
            ),
            gates=GATE_PCT,
            baseline=summary(metrics={"accuracy": CALLED}),
        ),
        Verdict.NEUTRAL,
        (NO_BASELINE_VALUE,),
        (),
    ),
    (
        "a noise-aware gate within noise is a warning with its test",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=4)), gates=NOISE_AWARE),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 4 of 12 worse, p = 0.062, too few changes to tell"
            " (needs ≥ 5), not significant, so not failed (significant: true)",
        ),
    ),
    # the test counts the datapoints the backend compared the metric on (its found_count), not every shared one: with
    # the baseline lacking the metric on 20 of 40 shared rows, 6 of 20 worse was said "6 of 40 worse"
    (
        "the gate's test says of how many datapoints the metric was compared on",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=6) | {"found_count": 20}, common=[f"EXT-{i}" for i in range(40)]),
            gates=GATE_PCT,
        ),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%): 6 of 20 worse, p = 0.016",),
        (),
    ),
    # a comparison still lagging when ingestion.timeout ran out left out datapoints both runs scored: the 8 of 40
    # that fell 1 -> 0 were in no count and no difference, "0 of 32 worse, p = 1, too few changes" excused the gate
    (
        "a noise-aware gate is not excused on a comparison that left out datapoints both runs scored",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=4)), gates=NOISE_AWARE, unpaired=8),
        Verdict.FAIL,
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 4 of 12 worse; significance unknown: the comparison left"
            " out 8 datapoints both runs scored",
        ),
        (),
    ),
    (
        "one datapoint left out is said as one",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=4)), gates=NOISE_AWARE, unpaired=1),
        Verdict.FAIL,
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 4 of 12 worse; significance unknown: the comparison left"
            " out 1 datapoint both runs scored",
        ),
        (),
    ),
    (
        "a plain gate crossed on such a comparison says its significance is unknown, not the partial test's p",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=9)), gates=GATE_PCT, unpaired=3),
        Verdict.FAIL,
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 9 of 12 worse; significance unknown: the comparison left"
            " out 3 datapoints both runs scored",
        ),
        (),
    ),
    (
        "a gate not crossed holds on such a comparison (its aggregates are the summaries', over every datapoint)",
        lambda: judge(summary(), comparison(delta(difference=-0.01, pct=-1.0)), gates=NOISE_AWARE, unpaired=8),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # the datapoints it left out may have the metric in both runs: "no datapoint has a value in both" is not known
        "a gate crossed on such a comparison that paired no datapoint of the metric says it lagged",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 0}, common=IDS[:3]),
            gates=GATE_PCT,
            unpaired=9,
        ),
        Verdict.FAIL,
        (
            "accuracy got worse by 8.0% (gate: at most 5%): significance unknown: no datapoint the comparison paired"
            " has a value in both runs; the comparison left out 9 datapoints both runs scored",
        ),
        (),
    ),
    (
        "a noise-aware gate whose metric no shared datapoint has in both runs fails: its test counted nothing",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=0) | {"found_count": 0}), gates=NOISE_AWARE),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%): significance unknown: no datapoint has a value in both runs",),
        (),
    ),
    (  # p = 0.01003 was said "p = 0.01, not significant" at alpha 0.01
        "the gate's p-value is never rounded onto alpha's other side",
        lambda: judge(
            summary(),
            comparison(delta(improved=9, degraded=23), common=[f"EXT-{i}" for i in range(40)]),
            gates=NOISE_AWARE,
            policy=VerdictConfig(alpha=0.01),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 23 of 40 worse, p = 0.01003, not significant, so not"
            " failed (significant: true)",
        ),
    ),
    # a boolean metric's aggregate is a pass rate between 0 and 1 (the report shows 0.85 as 85%): an absolute bound
    # of 5 meant as 5 percentage points could never be crossed, and the check would be green for ever
    (
        "an absolute gate of 1 or more on a boolean metric can never fail: the check fails, on the first run already",
        lambda: judge(summary(value=True), gates={"accuracy": GateRule(max_drop=5)}),
        Verdict.FAIL,
        (BOOLEAN_GATE,),
        (),
    ),
    (
        "it is said beside a gate the run crossed, which it does not hide",
        lambda: judge(
            summary(value=True),
            comparison(delta(difference=-0.15, pct=-15.0, improved=0, degraded=12)),
            gates={"accuracy": GateRule(max_drop=5, max_drop_pct=5)},
        ),
        Verdict.FAIL,
        (BOOLEAN_GATE, "accuracy got worse by 15.0% (gate: at most 5%): 12 of 12 worse, p < 0.001"),
        (),
    ),
    (
        "a bound of exactly 1 cannot be crossed either; a lower-is-better metric's is max_worse; a legacy body's"
        " aggregate (none named) is an average",
        lambda: judge(
            summary(value=False, aggregation=None),
            gates={"accuracy": GateRule(max_worse=1)},
            presentation={"accuracy": MetricConfig(direction=Direction.LOWER)},
        ),
        Verdict.FAIL,
        (
            "gate.accuracy: max_worse: 1 can never be crossed: accuracy is a boolean metric, whose aggregate lies"
            " between 0 and 1 (a pass rate of 85% is 0.85), so this gate never fails; for 1 pp (percentage points, as"
            " the report shows its change) write max_worse: 0.01",
        ),
        (),
    ),
    # with trials the backend's values are each datapoint's mean over its trials (floats): the check was green
    (
        "with trials the evaluators' own booleans tell a boolean metric whose values the backend sent as means",
        lambda: judge(summary(value=0.5), gates={"accuracy": GateRule(max_drop=5)}, booleans=frozenset({"accuracy"})),
        Verdict.FAIL,
        (BOOLEAN_GATE,),
        (),
    ),
    (
        "another metric's booleans do not make a number boolean",
        lambda: judge(summary(value=0.5), gates={"accuracy": GateRule(max_drop=5)}, booleans=frozenset({"tone"})),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a bound below 1 on a boolean metric is in its units (0.05 is 5 points): it stands",
        lambda: judge(summary(value=True), gates={"accuracy": GateRule(max_drop=0.99)}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a relative or a count bound on a boolean metric stands",
        lambda: judge(summary(value=True), gates={"accuracy": GateRule(max_drop_pct=5, max_degraded=1)}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a sum of booleans can grow past 1: an absolute gate on it stands",
        lambda: judge(summary(value=True, aggregation="sum"), gates={"accuracy": GateRule(max_drop=5)}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "so can a count of them",
        lambda: judge(summary(value=True, aggregation="count"), gates={"accuracy": GateRule(max_drop=5)}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a number may be a percentage of 0 to 100, which nothing tells: its absolute gate stands",
        lambda: judge(summary(value=85.0), gates={"accuracy": GateRule(max_drop=5)}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    # a metric formatted as a percentage shows 0.76 as 76% and its change in points (-24 pp): max_drop: 5 meant as 5
    # points on values of 0 to 1 could never be crossed (the quickstart's keyword_recall passed a 24-point drop)
    (
        "an absolute gate of 1 or more on a percentage-formatted metric of values between 0 and 1 can never fail",
        lambda: judge(summary(value=0.76), gates={"accuracy": GateRule(max_drop=5)}, presentation=PERCENT),
        Verdict.FAIL,
        (PERCENT_GATE,),
        (),
    ),
    (
        "values of exactly 1 are between 0 and 1; a legacy body's aggregate (none named) is an average",
        lambda: judge(
            summary(value=1.0, aggregation=None), gates={"accuracy": GateRule(max_drop=5)}, presentation=PERCENT
        ),
        Verdict.FAIL,
        (PERCENT_GATE,),
        (),
    ),
    (
        "so are values of exactly 0, and a lower-is-better one's bound is max_worse",
        lambda: judge(
            summary(value=0),
            gates={"accuracy": GateRule(max_worse=1)},
            presentation={"accuracy": MetricConfig(direction=Direction.LOWER, format=".1%")},
        ),
        Verdict.FAIL,
        (
            "gate.accuracy: max_worse: 1 can never be crossed: accuracy is shown as a percentage (format '.1%') of"
            " values between 0 and 1, whose aggregate lies between 0 and 1 too (85% is 0.85), so this gate never"
            " fails; for 1 pp (percentage points, as the report shows its change) write max_worse: 0.01",
        ),
        (),
    ),
    (
        "a percentage format on values past 1 (150% is 1.5): the run's values tell that its absolute gate stands",
        lambda: judge(summary(value=1.5), gates={"accuracy": GateRule(max_drop=5)}, presentation=PERCENT),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "so do values below 0",
        lambda: judge(summary(value=-0.1), gates={"accuracy": GateRule(max_drop=5)}, presentation=PERCENT),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "values between 0 and 1 in another format are no percentage: their gate stands",
        lambda: judge(
            summary(value=0.76),
            gates={"accuracy": GateRule(max_drop=5)},
            presentation={"accuracy": MetricConfig(format=".2f")},
        ),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a sum of shares can grow past 1: its absolute gate stands",
        lambda: judge(
            summary(value=0.76, aggregation="sum"), gates={"accuracy": GateRule(max_drop=5)}, presentation=PERCENT
        ),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a percentage metric without values is said once, as a missing value",
        lambda: judge(summary(metrics={}), gates={"accuracy": GateRule(max_drop=5)}, presentation=PERCENT),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 12 of the datapoints the backend passed: no evaluator and no span"
            " recorded it, nor any other metric, in this run",
        ),
        (),
    ),
    # a misspelt metrics: key (perf_latncy for a dict evaluator's perf_latency) passed the run's check on the
    # evaluators' names, applied its direction to nothing, and a latency that doubled under max_worse_pct: 10 passed
    # as "better" (audit 46a): a key that names no metric either run recorded fails, with the closest recorded name
    (
        "a metrics: key no run recorded fails, naming the closest name this run recorded; the others are judged on",
        lambda: judge(summary(), presentation={"accuracy": MetricConfig(format=".3f"), "acuracy": LOWER}),
        Verdict.FAIL,
        (
            "metrics.acuracy (direction) applies to no metric: no evaluator and no span recorded it in this run,"
            " which recorded accuracy: did you mean that?",
        ),
        (),
    ),
    (
        "a metrics: key neither run recorded fails, naming what it sets and both runs",
        lambda: judge(
            summary(),
            comparison(delta()),
            presentation={"acuracy": MetricConfig(direction=Direction.LOWER, format=".0%")},
        ),
        Verdict.FAIL,
        (
            "metrics.acuracy (direction, format) applies to no metric: no evaluator and no span recorded it in this"
            " run or its baseline, which recorded accuracy: did you mean that?",
        ),
        (),
    ),
    (
        "a metrics: key that sets nothing, with no metric recorded like it, lists what this run recorded",
        lambda: judge(summary(metrics={"tone": IDS, "accuracy": IDS}), presentation={"latency": MetricConfig()}),
        Verdict.FAIL,
        (
            "metrics.latency applies to no metric: no evaluator and no span recorded it in this run, which recorded:"
            " tone, accuracy",
        ),
        (),
    ),
    (
        "a metrics: key only the baseline recorded is a metric",
        lambda: judge(
            summary(), comparison(delta()), presentation={"tone": LOWER}, baseline=summary(metrics={"tone": IDS})
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a metrics: key only the comparison's rows name is a metric",
        lambda: judge(summary(), comparison(delta(), only("old", "tone")), presentation={"tone": LOWER}),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a metrics: key only this run's outcomes hold (a string, which the summary leaves out) is a metric",
        lambda: decide(summary(), None, presentation={"verdict": LOWER}, facts=Facts(produced=("verdict",))),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a metrics: key on a built-in efficiency metric nothing recorded is said elsewhere",
        lambda: judge(summary(), presentation={"input_tokens": LOWER}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a metrics: key with a passing range and no value is said once, as a missing value",
        lambda: judge(summary(), ranged=["acuracy"], presentation={"acuracy": LOWER}),
        Verdict.FAIL,
        (
            "acuracy has a passing range but no value on 12 of the datapoints the backend passed: no evaluator and no"
            " span recorded it in this run, which recorded accuracy: did you mean that?",
        ),
        (),
    ),
    (
        "a metrics: key whose evaluator raised is said as its error; the others are judged on",
        lambda: decide(
            summary(),
            None,
            presentation={"tone_latency": LOWER, "acuracy": LOWER},
            facts=Facts(errors=TONE_EVERYWHERE),
        ),
        Verdict.FAIL,
        (
            "evaluator tone raised on every datapoint (12 of 12): KeyError: 'answer'",
            "metrics.acuracy (direction) applies to no metric: no evaluator and no span recorded it in this run,"
            " which recorded accuracy: did you mean that?",
        ),
        (),
    ),
    (
        "a metrics: key is not judged by runs that recorded no metric at all (every datapoint crashed)",
        lambda: judge(summary(IDS[1:], IDS[:1], metrics={}), presentation={"acuracy": LOWER}, produced=()),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
        (),
    ),
    (  # audit 48a: "which recorded judge: did you mean that?" pointed a gate at the wrong metric
        "a gate on a dict's key that was None everywhere says so, with no other name to mean",
        lambda: decide(
            summary(),
            None,
            gates={"judge_bonus": GateRule(max_drop=0.1)},
            facts=Facts(produced=("accuracy", "judge_bonus"), none_keys=("judge_bonus",)),
        ),
        Verdict.FAIL,
        (
            "judge_bonus has a gate but no value on 12 of the datapoints the backend passed: its evaluator's dict held"
            " None under it on every one, so it was never a number to judge",
        ),
        (),
    ),
    (  # audit82 F8: "did you mean judge_close" hid that a dict of several metrics records its keys, not its name
        "a gate on a dict evaluator's own name says its keys are the metrics, naming five of them",
        lambda: decide(
            summary(metrics={f"judge_{k}": IDS for k in "abcdef"}),
            None,
            gates={"judge": GateRule(max_drop=0.1)},
            facts=Facts(produced=("accuracy",), dicts=("judge",)),
        ),
        Verdict.FAIL,
        (
            "judge has a gate but no value on 12 of the datapoints the backend passed: its evaluator returned a dict"
            " without 'score', so its keys are its metrics (judge_a, judge_b, judge_c, judge_d, judge_e, …),"
            " not judge: judge one of them, or return judge's value as 'score'",
        ),
        (),
    ),
    (  # audit 47: a span's metric recorded only sometimes (a retry count, in other_metrics) is a metric
        "a metrics: key of a metric this run recorded on some datapoints only is no typo",
        lambda: judge(summary(metrics={"accuracy": IDS, "retries": IDS[:2]}), presentation={"retries": LOWER}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (  # audit54 #1: in other_metrics too (the flow said so, and it was never told): a latency that doubled, "better"
        "a metrics: key neither run recorded fails whatever other_metrics says, naming the name the function recorded",
        lambda: judge(
            summary(metrics={"latency_ms": IDS}),
            comparison(delta("latency_ms", difference=95.7, pct=95.7, improved=12, degraded=0, old=100)),
            presentation={"latency_msec": LOWER},
            produced=(),
        ),
        Verdict.FAIL,
        (
            "metrics.latency_msec (direction) applies to no metric: no evaluator and no span recorded it in this run"
            " or its baseline, which recorded latency_ms: did you mean that?",
        ),
        (),
    ),
    (  # audit 47: a span's latency recorded before every datapoint's function raised named the file's keys typos
        "a metrics: key is not judged when this run's function raised on every datapoint, whatever spans recorded",
        lambda: decide(summary(IDS[1:], IDS[:1]), None, presentation={"acuracy": LOWER}, facts=Facts(evaluated=False)),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
        (),
    ),
    (
        "a metrics: key whose evaluator returned None on every datapoint is said as its warning; the others are judged",
        lambda: decide(
            summary(),
            None,
            presentation={"tone_latency": LOWER, "acuracy": LOWER},
            facts=Facts(none_everywhere=("tone",)),
        ),
        Verdict.FAIL,
        (
            "metrics.acuracy (direction) applies to no metric: no evaluator and no span recorded it in this run,"
            " which recorded accuracy: did you mean that?",
        ),
        (),
    ),
    # the backend pairs metrics on (metric_name, event_name), the event named after the function: a renamed function
    # (a class instance, a decorator without functools.wraps) paired nothing, the gate was never evaluated, and a
    # 50% regression passed
    (
        "a gate whose metric both runs have on differently named events was never checked: fail, naming both",
        lambda: judge(summary(), comparison(only("old"), only("new", event="respond")), gates=GATE_PCT),
        Verdict.FAIL,
        (RENAMED,),
        (),
    ),
    (
        "every unpaired event is named, on either side",
        lambda: judge(
            summary(),
            comparison(only("old"), only("old", event="draft"), only("new", event="respond"), only("new", event="r2")),
            gates=GATE_PCT,
        ),
        Verdict.FAIL,
        (
            "accuracy's gate could not be checked: the function's event was 'answer', 'draft' in the baseline and"
            " 'respond', 'r2' now: HoneyHive pairs metrics by the function's name; keep the name, or compare against"
            " a run with the new name (baseline-run-id)",
        ),
        (),
    ),
    (
        "a row both runs have is checked as always, whatever other events went unpaired",
        lambda: judge(
            summary(),
            comparison(delta(difference=0, pct=0.0), only("old", event="draft"), only("new", event="respond")),
            gates=GATE_PCT,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "an ungated metric unpaired is not a gate's business",
        lambda: judge(
            summary(),
            comparison(delta(difference=0, pct=0.0), only("old", "tone"), only("new", "tone", "respond")),
            gates=GATE_PCT,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "only the baseline has it: this run has no value, which is said once, as a missing value",
        lambda: judge(summary(metrics={}), comparison(only("old")), gates=GATE_PCT),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 12 of the datapoints the backend passed: no evaluator and no span"
            " recorded it, nor any other metric, in this run",
        ),
        (),
    ),
    # a cost gate with a model genai-prices lacks (or streaming without usage): cost_usd on no datapoint, a warning
    # blaming "no LLM call" while every datapoint made one, and a pass
    (
        "a gated cost with no value on any datapoint, where the calls were seen: fails, they could not be priced",
        lambda: judge(
            summary(metrics={"llm_calls": IDS, "accuracy": IDS}),
            comparison(delta(), delta("llm_calls", difference=0, pct=0.0), only("old", "cost_usd")),
            gates={"cost_usd": COST_GATE},
        ),
        Verdict.FAIL,
        (
            "cost_usd has a gate but no value on any of the 12 datapoints the backend passed: its LLM calls could not"
            " be priced or reported no token usage (see the note under the Efficiency table)",
        ),
        (),
    ),
    # a cost that leaves out the calls to a model without a price: a second, unpriced model added to every datapoint
    # read "0.0% same" and passed; pricing it then read as +333.7% against a baseline that left it out, and failed
    (
        "a gate on a cost this run's values leave calls out of could not be checked: neutral, saying how many",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=0, pct=0.0, improved=0, degraded=0)),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(0, 12)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: this run's value excludes 12 LLM calls (12 to unpriced model m):"
            " with them this run's value is higher, and could be past the gate (or significantly worse)",
        ),
        (),
    ),
    (
        "the baseline's, past the gate: not failed, could not be checked",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=3.3, pct=333.7, improved=12, degraded=0)),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(1, 0, "to gpt-4o without token usage")},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: the baseline's value excludes 1 LLM call (1 to gpt-4o without token"
            " usage): with them the baseline's value is higher, and the change could be within the gate",
        ),
        (),
    ),
    (
        "both runs', and another gate that holds: in the gates' order, only the unjudged one said",
        lambda: judge(
            summary(metrics={"input_tokens": IDS, "cost_usd": IDS}),
            comparison(
                delta("input_tokens", difference=0, pct=0.0, improved=0, degraded=0),
                delta("cost_usd", difference=0, pct=0.0, improved=0, degraded=0),
            ),
            gates={"input_tokens": COST_GATE, "cost_usd": COST_GATE},
            left_out={"cost_usd": left(1234, 5), "judge_cost_usd": left(3, 3)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: the baseline's value excludes 1,234 LLM calls (1,234 to unpriced"
            " model m) and this run's value excludes 5 LLM calls (5 to unpriced model m): with them the change could"
            " be larger or smaller",
        ),
        (),
    ),
    # one call outside every datapoint in each run (an import-time call, a library's background thread): the
    # baseline's count read back from its run made every efficiency gate "could not be checked", a cost that rose 97%
    # on 28 of 30 datapoints neutral
    (
        "both runs' values leave out only as many calls outside every datapoint: judged on the datapoints' own calls,"
        " past the gate: failed, with a warning saying so (not 'worse still')",
        lambda: judge(
            summary(metrics={"input_tokens": IDS, "cost_usd": IDS}),
            comparison(
                delta("input_tokens", difference=500, pct=50.0, improved=12, degraded=0),
                delta("cost_usd", difference=3, pct=50.0, improved=12, degraded=0),
            ),
            gates={"input_tokens": COST_GATE, "cost_usd": COST_GATE},
            presentation={"input_tokens": LOWER, "cost_usd": LOWER},
            left_out={"input_tokens": left(1, 1, OUTSIDE), "cost_usd": left(1, 1, OUTSIDE)},
        ),
        Verdict.FAIL,
        (
            "input_tokens got worse by 50.0% (gate: at most 10%): 12 of 12 worse, p < 0.001",
            "cost_usd got worse by 50.0% (gate: at most 10%): 12 of 12 worse, p < 0.001",
        ),
        (
            "input_tokens judged on the datapoints' own calls: both runs made 1 LLM call outside any datapoint,"
            " counted in neither",
            "cost_usd judged on the datapoints' own calls: both runs made 1 LLM call outside any datapoint, counted in"
            " neither",
        ),
    ),
    (
        "within the gate: passed, with the warning",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=0, pct=0.0, improved=0, degraded=0)),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(1234, 1234, OUTSIDE)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "cost_usd judged on the datapoints' own calls: both runs made 1,234 LLM calls outside any datapoint,"
            " counted in neither",
        ),
    ),
    (
        "as many outside, but the baseline's also left calls out inside its datapoints: could not be checked",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=3, pct=50.0, improved=12, degraded=0)),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": ({OUTSIDE: 1, "to unpriced model m": 2}, {OUTSIDE: 1})},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: the baseline's value excludes 3 LLM calls (1 outside any"
            " datapoint, 2 to unpriced model m) and this run's value excludes 1 LLM call (1 outside any datapoint):"
            " with them the change could be larger or smaller",
        ),
        (),
    ),
    (
        "both runs' inside their datapoints, as many: could not be checked",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=3, pct=50.0, improved=12, degraded=0)),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": ({OUTSIDE: 1, "to unpriced model m": 2}, {OUTSIDE: 1, "to unpriced model m": 2})},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: the baseline's value excludes 3 LLM calls (1 outside any"
            " datapoint, 2 to unpriced model m) and this run's value excludes 3 LLM calls (1 outside any datapoint, 2"
            " to unpriced model m): with them the change could be larger or smaller",
        ),
        (),
    ),
    (
        "outside every datapoint in both, not as many: could not be checked",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=3, pct=50.0, improved=12, degraded=0)),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(1, 2, OUTSIDE)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: the baseline's value excludes 1 LLM call (1 outside any datapoint)"
            " and this run's value excludes 2 LLM calls (2 outside any datapoint): with them the change could be"
            " larger or smaller",
        ),
        (),
    ),
    (
        "without a baseline, no gate judged: no warning",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            gates={"cost_usd": COST_GATE},
            left_out={"cost_usd": left(1, 1, OUTSIDE)},
        ),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a gate on a value that leaves nothing out is judged; only this run's leaving calls out, past the gate: failed"
        " too, saying what it leaves out (with them it is worse still)",
        lambda: judge(
            summary(metrics={"input_tokens": IDS, "cost_usd": IDS}),
            comparison(
                delta("input_tokens", difference=500, pct=50.0, improved=12, degraded=0),
                delta("cost_usd", difference=3, pct=50.0, improved=12, degraded=0),
            ),
            gates={"input_tokens": COST_GATE, "cost_usd": COST_GATE},
            presentation={"input_tokens": LOWER, "cost_usd": LOWER},
            left_out={"input_tokens": left(), "cost_usd": ({}, {"to unpriced model m": 1, "outside any datapoint": 2})},
        ),
        Verdict.FAIL,
        (
            "input_tokens got worse by 50.0% (gate: at most 10%): 12 of 12 worse, p < 0.001",
            "cost_usd got worse by 50.0% (gate: at most 10%): 12 of 12 worse, p < 0.001; this run's value excludes 3"
            " LLM calls (1 to unpriced model m, 2 outside any datapoint): with them it is worse still",
        ),
        (),
    ),
    # calls that were all of their datapoints' (streams without usage): those have no value, and the mean is the
    # others', no lower bound (audit 55): the same spend failed "+46.2% ... worse still", a real rise passed at -13.2%
    (
        "only this run's value leaves whole datapoints out (their every call), past the gate but not were they 0:"
        " not failed, could not be checked either way",
        lambda: judge(
            summary(metrics={"input_tokens": IDS[6:]}),  # the 6 others' mean, 28.5: all 12's is at least 14.25
            comparison(delta("input_tokens", difference=9, pct=46.2, improved=0, degraded=0, old=19.5)),
            gates={"input_tokens": COST_GATE},
            presentation={"input_tokens": LOWER},
            left_out={"input_tokens": left(0, 6, "to m without token usage" + NO_VALUE)},
        ),
        Verdict.NEUTRAL,
        (
            "input_tokens's gate could not be checked: this run's value excludes 6 LLM calls (6 to m without token"
            " usage on datapoints left without a value): with them the change could be larger or smaller",
        ),
        (UNCHECKED_ON.format(6),),
    ),
    (  # the same run as it was before 4d12cc5 judged it, one datapoint streamed (audit57 F1: neutral, a false green)
        "only this run's value leaves whole datapoints out, past the gate even were they 0: failed",
        lambda: judge(
            summary(metrics={"input_tokens": IDS[1:]}),  # the 11 others' mean, 84: all 12's is at least 77
            comparison(
                delta("input_tokens", difference=64.5, pct=330.8, improved=11, degraded=0, old=19.5)
                | {"found_count": 11}
            ),
            gates={"input_tokens": COST_GATE},
            presentation={"input_tokens": LOWER},
            left_out={"input_tokens": left(0, 1, "to m without token usage" + NO_VALUE)},
        ),
        Verdict.FAIL,
        (
            "input_tokens got worse by 330.8% (gate: at most 10%): 11 of 11 worse, p < 0.001; this run's value excludes"
            " 1 LLM call (1 to m without token usage on datapoints left without a value): past the gate even were"
            " those datapoints 0",
        ),
        (UNCHECKED_ON.format(1),),
    ),
    (
        "only the baseline's leaves whole datapoints out, within the gate: not held, could not be checked either way",
        lambda: judge(
            summary(metrics={"input_tokens": IDS}),
            comparison(delta("input_tokens", difference=-3.75, pct=-13.2, improved=0, degraded=6)),
            gates={"input_tokens": COST_GATE},
            presentation={"input_tokens": LOWER},
            left_out={"input_tokens": ({"to m without token usage" + NO_VALUE: 6, "to unpriced model m": 1}, {})},
        ),
        Verdict.NEUTRAL,
        (
            "input_tokens's gate could not be checked: the baseline's value excludes 7 LLM calls (6 to m without token"
            " usage on datapoints left without a value, 1 to unpriced model m): with them the change could be larger"
            " or smaller",
        ),
        (),
    ),
    (
        "a value leaving calls out without a gate on it changes nothing",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=3, pct=50.0, improved=12, degraded=0)),
            left_out={"cost_usd": left(2, 2)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a baseline without a value is said as such, not as calls left out",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(only("new", "cost_usd")),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(0, 4)},
        ),
        Verdict.NEUTRAL,
        ("cost_usd's gate could not be checked: the baseline has no value for it",),
        (),
    ),
    (
        "nor is its max_degraded on runs that share no datapoint said twice",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=0, pct=0.0, improved=0, degraded=0), common=()),
            gates={"cost_usd": GateRule(max_degraded=0)},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(0, 4)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: this run's value excludes 4 LLM calls (4 to unpriced model m):"
            " with them this run's value is higher, and could be past the gate (or significantly worse)",
        ),
        (),
    ),
    (
        "another reason fails the check all the same, and the gate judged by nothing says so",
        lambda: judge(
            summary(IDS[:8], IDS[8:], metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=0, pct=0.0, improved=0, degraded=0)),
            gates={"cost_usd": COST_GATE},
            left_out={"cost_usd": left(0, 4)},
        ),
        Verdict.FAIL,
        ("4 datapoint(s) failed their passing ranges",),
        (
            "cost_usd's gate could not be checked: this run's value excludes 4 LLM calls (4 to unpriced model m):"
            " with them the change could be larger or smaller",
        ),
    ),
    (
        "the same without a baseline, and without calls seen: the gate could never be checked, fail",
        lambda: judge(summary(metrics={"accuracy": IDS}), gates={"cost_usd": COST_GATE}),
        Verdict.FAIL,
        (
            "cost_usd has a gate but no value on any of the 12 datapoints the backend passed: the run saw no LLM call"
            " that reported it",
        ),
        (),
    ),
    (
        "tokens no call reported are not a price",
        lambda: judge(summary(metrics={"llm_calls": IDS}), gates={"input_tokens": COST_GATE}),
        Verdict.FAIL,
        (
            "input_tokens has a gate but no value on any of the 12 datapoints the backend passed: the run saw no LLM"
            " call that reported it",
        ),
        (),
    ),
    (
        "the judge's cost goes with the judge's calls, a range as a gate",
        lambda: judge(summary(metrics={"judge_llm_calls": IDS}), ranged=["judge_cost_usd"]),
        Verdict.FAIL,
        (
            "judge_cost_usd has a passing range but no value on any of the 12 datapoints the backend passed: its LLM"
            " calls could not be priced or reported no token usage (see the note under the Efficiency table)",
        ),
        (),
    ),
    (
        "the function's calls do not price the judge's",
        lambda: judge(summary(metrics={"llm_calls": IDS}), ranged=["judge_cost_usd"]),
        Verdict.FAIL,
        (
            "judge_cost_usd has a passing range but no value on any of the 12 datapoints the backend passed: the run"
            " saw no LLM call that reported it",
        ),
        (),
    ),
    # the backend keeps only numbers and booleans: a range on a label ("PASS") blamed the evaluator for nothing
    (
        "a ranged metric whose evaluator returned strings says so",
        lambda: judge(summary(metrics={}), ranged=["verdict"], strings={"verdict": "PASS"}),
        Verdict.FAIL,
        (
            "verdict has a passing range but no value on 12 of the datapoints the backend passed: its evaluator"
            " returned a string ('PASS'); a passing range needs a number or a bool",
        ),
        (),
    ),
    (
        "a gated one too, its string cut to its whole words within 40 characters",
        lambda: judge(summary(metrics={}), comparison(), gates=GATE_PCT, strings={"accuracy": "good " * 20}),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 12 of the datapoints the backend passed: its evaluator returned a"
            " string ('good good good good good good good good…'); a gate needs a number or a bool",
        ),
        (NO_BASELINE_VALUE,),
    ),
    (
        "a string read back from HoneyHive, its text not held (a job that cannot redact it), is named without it",
        lambda: judge(summary(metrics={}), ranged=["verdict"], strings={"verdict": ""}),
        Verdict.FAIL,
        (
            "verdict has a passing range but no value on 12 of the datapoints the backend passed: its evaluator"
            " returned a string; a passing range needs a number or a bool",
        ),
        (),
    ),
    (
        "an evaluator that raised is blamed before its strings",
        lambda: judge(summary(metrics={}), ranged=["accuracy"], errors=RAISED, strings={"accuracy": "PASS"}),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 12 of the datapoints the backend passed: evaluator accuracy"
            " raised on 12 datapoint(s) (ValueError: no judge)",
        ),
        (),
    ),
    # evaluator a returning {"b": ...} beside an evaluator named a_b: nothing raised, the names clash
    (
        "two evaluators producing one metric name on every datapoint: fails, saying so, not 'raised'",
        lambda: judge(summary(), comparison(delta()), errors={"a_b": EvaluatorErrors(12, CLASH, 12)}),
        Verdict.FAIL,
        (f"{CLASHED} on every datapoint (12 of 12): rename one of them",),
        (),
    ),
    (
        "on more datapoints than allow_evaluator_errors tolerates",
        lambda: judge(summary(), comparison(delta()), errors={"a_b": EvaluatorErrors(4, CLASH, 12)}, policy=TOLERANT),
        Verdict.FAIL,
        (
            f"{CLASHED} on 4 datapoint(s) (rename one of them); verdict.allow_evaluator_errors tolerates a count or a"
            " share of them",
        ),
        (),
    ),
    (
        "within it: a warning",
        lambda: judge(summary(), comparison(delta()), errors={"a_b": EvaluatorErrors(3, CLASH, 12)}, policy=TOLERANT),
        Verdict.PASS,
        ("every datapoint passed",),
        (f"{CLASHED} on 3 datapoint(s): rename one of them",),
    ),
    # an evaluator requiring ground_truth on datapoints without one: counted, and said as not called, not 'raised'
    (
        "not called on a ranged metric's datapoints",
        lambda: judge(summary(metrics={}), ranged=["judge"], errors={"judge": EvaluatorErrors(12, NO_TRUTH, 12)}),
        Verdict.FAIL,
        (
            "judge has a passing range but no value on 12 of the datapoints the backend passed: evaluator judge was"
            f" not called on 12 datapoint(s) ({NO_TRUTH_SAID})",
        ),
        (),
    ),
    (
        "not called on more datapoints than allow_evaluator_errors tolerates",
        lambda: judge(summary(), comparison(delta()), errors={"judge": EvaluatorErrors(1, NO_TRUTH, 12)}),
        Verdict.FAIL,
        (
            f"evaluator judge was not called on 1 datapoint(s) ({NO_TRUTH_SAID}); verdict.allow_evaluator_errors"
            " tolerates a count or a share of them",
        ),
        (),
    ),
    # not called on some datapoints, raised on others: each kind said with its count (all were "not called")
    (
        "not called on some datapoints and raised on the others: every datapoint, each kind on how many",
        lambda: judge(summary(), comparison(delta()), errors={"judge": MIXED}),
        Verdict.FAIL,
        (
            f"evaluator judge errored on every datapoint (12 of 12): was not called on 6 ({NO_TRUTH_SAID}); raised"
            " on 6 (ValueError: garbage)",
        ),
        (),
    ),
    (
        "a ranged metric's evaluator with both kinds is blamed with both",
        lambda: judge(summary(metrics={}), ranged=["judge"], errors={"judge": MIXED}),
        Verdict.FAIL,
        (
            "judge has a passing range but no value on 12 of the datapoints the backend passed: evaluator judge"
            f" errored on 12 datapoint(s) (was not called on 6 ({NO_TRUTH_SAID}); raised on 6 (ValueError: garbage))",
        ),
        (),
    ),
    (
        "a collision beside a raise, tolerated: a warning naming both",
        lambda: judge(
            summary(),
            comparison(delta()),
            errors={"a_b": EvaluatorErrors(3, CLASH, 12, ((2, CLASH), (1, "KeyError: 'x'")))},
            policy=TOLERANT,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (f"evaluator a_b errored on 3 datapoint(s): {CLASHED} on 2 (rename one of them); raised on 1 (KeyError: 'x')",),
    ),
    (
        "a NaN beside a raise, tolerated: it returned an invalid metric, it did not raise",
        lambda: judge(
            summary(),
            comparison(delta()),
            errors={"judge": EvaluatorErrors(3, "E: x", 12, ((2, "E: x"), (1, NAN)))},
            policy=TOLERANT,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "evaluator judge errored on 3 datapoint(s): raised on 2 (E: x); returned an invalid metric on 1"
            f" ({NAN_SAID})",
        ),
    ),
    (
        "only NaNs, on a ranged metric: it returned an invalid metric, and why",
        lambda: judge(summary(metrics={}), ranged=["judge"], errors={"judge": EvaluatorErrors(12, NAN, 12)}),
        Verdict.FAIL,
        (
            "judge has a passing range but no value on 12 of the datapoints the backend passed: evaluator judge"
            f" returned an invalid metric on 12 datapoint(s) ({NAN_SAID})",
        ),
        (),
    ),
    # an evaluator raising on some datapoints and returning None on others: the None ones went unsaid
    (
        "an evaluator blamed for some of a metric's missing values: the others, where it returned nothing, are said",
        lambda: judge(
            summary(metrics={"judge": IDS[:3]}), ranged=["judge"], errors={"judge": EvaluatorErrors(6, "E: x", 12)}
        ),
        Verdict.FAIL,
        (
            "judge has a passing range but no value on 9 of the datapoints the backend passed: evaluator judge raised"
            " on 6 datapoint(s) (E: x); returned nothing on 3",
        ),
        (),
    ),
    (
        "or a string",
        lambda: judge(
            summary(metrics={"judge": IDS[:3]}),
            ranged=["judge"],
            errors={"judge": EvaluatorErrors(6, "E: x", 12, ((3, "E: x"), (3, NAN)))},
            strings={"judge": ""},
        ),
        Verdict.FAIL,
        (
            "judge has a passing range but no value on 9 of the datapoints the backend passed: evaluator judge errored"
            f" on 6 datapoint(s) (raised on 3 (E: x); returned an invalid metric on 3 ({NAN_SAID})); returned a string"
            " on 3",
        ),
        (),
    ),
    # the gate's bound and the change were said in the metric's units (0.05) beside a Δ in points (-8 pp)
    (
        "max_drop on a metric formatted as a percentage is said in percentage points, as the report's change is",
        lambda: judge(summary(), comparison(delta(counts=False)), gates=DROP, presentation=PERCENT),
        Verdict.FAIL,
        ("accuracy got worse by 8 pp (gate: at most 5 pp): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "on a boolean metric (a pass rate) too",
        lambda: judge(summary(value=True), comparison(delta(counts=False)), gates=DROP),
        Verdict.FAIL,
        ("accuracy got worse by 8 pp (gate: at most 5 pp): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "a boolean metric told by its own values (trials' means reach the backend), with no aggregation named",
        lambda: judge(
            summary(aggregation=None), comparison(delta(counts=False)), gates=DROP, booleans=frozenset({"accuracy"})
        ),
        Verdict.FAIL,
        ("accuracy got worse by 8 pp (gate: at most 5 pp): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "a boolean metric summed is a count: its own units",
        lambda: judge(summary(value=True, aggregation="sum"), comparison(delta(counts=False)), gates=DROP),
        Verdict.FAIL,
        ("accuracy got worse by 0.08 (gate: at most 0.05): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "a boolean metric with a format that is no percentage: its own units",
        lambda: judge(
            summary(value=True),
            comparison(delta(counts=False)),
            gates=DROP,
            presentation={"accuracy": MetricConfig(format=".2f")},
        ),
        Verdict.FAIL,
        ("accuracy got worse by 0.08 (gate: at most 0.05): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "in points, with the digits that tell the change from the bound, and no float noise (0.07 is 7 pp)",
        lambda: judge(
            summary(),
            comparison(delta(difference=-0.0704, counts=False)),
            gates={"accuracy": GateRule(max_drop=0.07)},
            presentation=PERCENT,
        ),
        Verdict.FAIL,
        ("accuracy got worse by 7.04 pp (gate: at most 7 pp): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "to a tenth of a point, as a percentage change is",
        lambda: judge(
            summary(), comparison(delta(difference=-0.136364, counts=False)), gates=DROP, presentation=PERCENT
        ),
        Verdict.FAIL,
        ("accuracy got worse by 13.6 pp (gate: at most 5 pp): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "ten points are 10 pp",
        lambda: judge(summary(), comparison(delta(difference=-0.1, counts=False)), gates=DROP, presentation=PERCENT),
        Verdict.FAIL,
        ("accuracy got worse by 10 pp (gate: at most 5 pp): significance unknown: no per-datapoint counts",),
        (),
    ),
    (
        "a rate in percent that got worse from 0: in points",
        lambda: judge(
            summary(metrics={"lat": IDS}, value=True),
            comparison(delta("lat", difference=0.25, pct=None, old=0, counts=False)),
            gates={"lat": GateRule(max_drop_pct=5)},
            presentation={"lat": MetricConfig(direction=Direction.LOWER)},
        ),
        Verdict.FAIL,
        (
            "lat got worse by 25 pp from 0 (gate: at most 5%, of 0: none): significance unknown: no per-datapoint"
            " counts",
        ),
        (),
    ),
    (
        "a gated metric without values is not taken for a boolean one",
        lambda: judge(summary(metrics={"accuracy": []}, value=True), gates={"accuracy": GateRule(max_drop=5)}),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 12 of the datapoints the backend passed: its evaluator returned"
            " nothing for them",
        ),
        (),
    ),
    (  # the backend passes a session it holds no span of: its missing values were blamed on the evaluator
        "a ranged metric missing only where the backend never recorded the datapoint is said as unrecorded, once",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:10]}), None, ranged=["accuracy"], facts=Facts(unrecorded=LOST)
        ),
        Verdict.FAIL,
        (
            "2 datapoint(s) of the dataset were not recorded by the backend, so they were never judged (HoneyHive did"
            " not take the spans of datapoint EXT-10: HTTP 500: injected)",
        ),
        (),
    ),
    (
        "a ranged metric missing elsewhere too is still blamed there",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:9]}),
            None,
            ranged=["accuracy"],
            facts=Facts(unrecorded=LOST, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 1 of the datapoints the backend passed: its evaluator"
            " returned nothing for them",
            "2 datapoint(s) of the dataset were not recorded by the backend, so they were never judged (HoneyHive did"
            " not take the spans of datapoint EXT-10: HTTP 500: injected)",
        ),
        (),
    ),
    (
        "an efficiency metric missing on every datapoint the backend recorded is a reason, not a warning",
        lambda: decide(summary(metrics={"cost_usd": []}), None, ranged=["cost_usd"], facts=Facts(unrecorded=LOST)),
        Verdict.FAIL,
        (
            "cost_usd has a passing range but no value on any of the 10 datapoints the backend passed: the run saw"
            " no LLM call that reported it",
            "2 datapoint(s) of the dataset were not recorded by the backend, so they were never judged (HoneyHive did"
            " not take the spans of datapoint EXT-10: HTTP 500: injected)",
        ),
        (),
    ),
    (  # they said "never judged", and the report's counts judged them: passed by the backend on their other trials
        "with trials, datapoints that lost some of their trials are judged on the others, and still fail, said apart",
        lambda: decide(
            summary(metrics={"accuracy": IDS}), None, ranged=["accuracy"], facts=Facts(lost_trials=LOST_TRIALS)
        ),
        Verdict.FAIL,
        (
            "2 datapoint(s) lost 3 of their trials at the backend (ApiError: session not started): their values leave"
            " those out",
        ),
        (),
    ),
    (
        "with trials, a datapoint none of whose trials was recorded is never judged; one that lost some is, after it",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:10]}),
            None,
            ranged=["accuracy"],
            facts=Facts(unrecorded=LOST, lost_trials={"EXT-4": (1, "ApiError: spans refused")}),
        ),
        Verdict.FAIL,
        (
            "2 datapoint(s) of the dataset were not recorded by the backend, so they were never judged (HoneyHive did"
            " not take the spans of datapoint EXT-10: HTTP 500: injected)",
            "1 datapoint(s) lost 1 of their trials at the backend (ApiError: spans refused): their values leave those"
            " out",
        ),
        (),
    ),
    # --------------------------------------------------------------- Holm: a gate's family is the gates of its kind
    (  # the auditor's case: the plain gate on a metric that improved everywhere turned the failing gate green
        "a plain gate does not dilute a noise-aware one: quality's p is Holm-adjusted among the significant gates",
        lambda: holm(GateRule(max_degraded=0, significant=True), GateRule(max_drop_pct=50)),
        Verdict.FAIL,
        (f"{HOLM_Q}0.031",),
        (),
    ),
    (
        "two noise-aware gates are one family: the other's test still adjusts quality's (Holm over them)",
        lambda: holm(GateRule(max_degraded=0, significant=True), GateRule(max_drop_pct=50, significant=True)),
        Verdict.PASS,
        ("every datapoint passed",),
        (f"{HOLM_Q}0.062, not significant, so not failed (significant: true)",),
    ),
    (
        "a plain gate's p, said beside it, is adjusted among the plain gates: a noise-aware gate does not dilute it",
        lambda: holm(GateRule(max_degraded=0), GateRule(max_drop_pct=50, significant=True)),
        Verdict.FAIL,
        (f"{HOLM_Q}0.031",),
        (),
    ),
    (
        "two plain gates are one family, as before",
        lambda: holm(GateRule(max_degraded=0), GateRule(max_drop_pct=50)),
        Verdict.FAIL,
        (f"{HOLM_Q}0.062",),
        (),
    ),
    # ---------------------------------------------------- a bound the backend sent nothing to judge by is never passed
    (  # 4 of 12 datapoints at -1.7976931348623157e308: the mean is finite, its percentage of 1.0 is not (null)
        "no percentage change of a baseline not 0 (past the largest float): max_drop_pct could not be checked, fails",
        lambda: judge(
            summary(), comparison(delta(difference=-6e307, pct=None, improved=0, degraded=4)), gates=GATE_PCT
        ),
        Verdict.FAIL,
        (NO_PCT,),
        (),
    ),
    (
        "a noise-aware gate too: nothing was tested, nothing is excused",
        lambda: judge(summary(), comparison(delta(pct=None, improved=0, degraded=1)), gates=NOISE_AWARE),
        Verdict.FAIL,
        (NO_PCT,),
        (),
    ),
    (  # the sum overflowed: this run's row read "no values in this run" and the gate passed
        "this run's aggregate past the largest float (null), its values there: every bound on the aggregate fails",
        lambda: judge(
            summary(), comparison(overflowed("new")), gates={"accuracy": GateRule(max_drop=0.05, max_drop_pct=5)}
        ),
        Verdict.FAIL,
        (f"{NO_DIFFERENCE}{PAST}", NO_PCT),
        (),
    ),
    (
        "the baseline's past it fails the same, not neutral for a baseline without a value",
        lambda: judge(summary(), comparison(overflowed("old")), gates={"accuracy": GateRule(max_drop=0.05)}),
        Verdict.FAIL,
        (f"{NO_DIFFERENCE}{PAST}",),
        (),
    ),
    (
        "a datapoint the backend paired (found_count) says both runs have values, whatever else it sent",
        lambda: judge(
            summary(),
            comparison(overflowed("new", old_values=None, new_values=None, found_count=12)),
            gates={"accuracy": GateRule(max_drop=0.05)},
        ),
        Verdict.FAIL,
        (f"{NO_DIFFERENCE}{PAST}",),
        (),
    ),
    (
        "a run with no values either (found_count 0, none listed) has nothing to judge: its own reason says so",
        lambda: judge(
            summary(),
            comparison(overflowed("new", new_values=[], found_count=0)),
            gates={"accuracy": GateRule(max_drop=0.05)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a metric new in this run stays neutral: the baseline has no value for it",
        lambda: judge(summary(), comparison(only("new")), gates=GATE_PCT),
        Verdict.NEUTRAL,
        ("accuracy's gate could not be checked: the baseline has no value for it",),
        (),
    ),
    (
        "a metric gone from this run fails as one without values, once",
        lambda: judge(summary(metrics={}), comparison(only("old")), gates=GATE_PCT),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 12 of the datapoints the backend passed: no evaluator and no span"
            " recorded it, nor any other metric, in this run",
        ),
        (),
    ),
    (
        "lower is better: the bounds are said by their max_worse names; a pass rate's max_drop in points",
        lambda: judge(
            summary(value=True),
            comparison(overflowed("new")),
            gates={"accuracy": GateRule(max_worse=0.05, max_worse_pct=5)},
            presentation={"accuracy": LOWER},
        ),
        Verdict.FAIL,
        (
            f"accuracy's max_worse could not be checked (gate: at most 5 pp): the backend sent no difference for"
            f" accuracy{PAST}",
            f"accuracy's max_worse_pct could not be checked (gate: at most 5%): the backend sent no percentage change"
            f" for accuracy{PAST}",
        ),
        (),
    ),
    (
        "a baseline of 0 has no percentage: max_drop_pct without the difference that judges it then fails",
        lambda: judge(summary(), comparison(delta(old=0, pct=None) | {"difference": None}), gates=GATE_PCT),
        Verdict.FAIL,
        (
            f"accuracy's max_drop_pct could not be checked (gate: at most 5%): the backend sent no difference for"
            f" accuracy{PAST}",
        ),
        (),
    ),
    (
        "with the difference it is judged by it, and one that got no worse holds",
        lambda: judge(summary(), comparison(delta(old=0, pct=None, difference=0.0)), gates=GATE_PCT),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "max_degraded without the backend's counts: could not be checked, fails",
        lambda: judge(summary(), comparison(delta(counts=False)), gates={"accuracy": GateRule(max_degraded=1)}),
        Verdict.FAIL,
        (NO_COUNTS,),
        (),
    ),
    (
        "the count of worse datapoints of a higher-is-better metric is the degraded one",
        lambda: judge(
            summary(),
            comparison(delta(counts=False) | {"improved_count": 0}),
            gates={"accuracy": GateRule(max_degraded=1)},
        ),
        Verdict.FAIL,
        (NO_COUNTS,),
        (),
    ),
    (
        "of a lower-is-better one the improved one",
        lambda: judge(
            summary(),
            comparison(delta(counts=False) | {"degraded_count": 0}),
            gates={"accuracy": GateRule(max_degraded=1)},
            presentation={"accuracy": LOWER},
        ),
        Verdict.FAIL,
        (NO_COUNTS,),
        (),
    ),
    (
        "a datapoint the backend paired tells the runs have one in common, though the comparison listed none",
        lambda: judge(
            summary(),
            comparison(delta(counts=False) | {"found_count": 1}, common=()),
            gates={"accuracy": GateRule(max_degraded=1)},
        ),
        Verdict.FAIL,
        (NO_COUNTS,),
        (),
    ),
    (
        "one datapoint in common is some",
        lambda: judge(
            summary(), comparison(delta(counts=False), common=IDS[:1]), gates={"accuracy": GateRule(max_degraded=1)}
        ),
        Verdict.FAIL,
        (NO_COUNTS,),
        (),
    ),
    (  # what it did before: it counts the shared datapoints that got worse, and there are none
        "without counts and no datapoint in common, max_degraded stays neutral",
        lambda: judge(
            summary(), comparison(delta(counts=False), common=()), gates={"accuracy": GateRule(max_degraded=1)}
        ),
        Verdict.NEUTRAL,
        (
            "accuracy's max_degraded could not be checked: the two runs share no datapoint, and it counts the shared"
            " ones that got worse",
        ),
        (),
    ),
    # the runs share datapoints, but the baseline had the metric on others only (its evaluator raised on the shared
    # ones; the PR dropped the rows it had it on): the backend paired none, counted 0 degraded, and max_degraded: 0
    # passed a bound it never checked (found_count 0 read as "no datapoint in common")
    (
        "max_degraded whose counts pair no datapoint of those the runs share could not be checked: fails",
        lambda: judge(
            summary(),
            comparison(delta(counts=False) | {"found_count": 0}),
            gates={"accuracy": GateRule(max_degraded=1)},
        ),
        Verdict.FAIL,
        (NO_PAIR.format(bound=1, shared=12),),
        (),
    ),
    (
        "found_count 0 beside counts of 0 is the same",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 0}, common=IDS[:3]),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.FAIL,
        (NO_PAIR.format(bound=0, shared=3),),
        (),
    ),
    # HoneyHive's compare answered before it had compared every datapoint (flow: ingestion.timeout ran out): the
    # datapoints it left out may have the metric in both runs, so the failure says it lagged, not only "they share"
    (
        "a comparison that left out datapoints both runs scored says so: it lagged, and they may have it in both",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 0}, common=IDS[:3]),
            gates={"accuracy": GateRule(max_degraded=0)},
            unpaired=9,
        ),
        Verdict.FAIL,
        (LAGGED.format(paired=3, left="9 datapoints"),),
        (),
    ),
    (
        "of one left out, and of many paired",
        lambda: judge(
            summary(),
            comparison(
                delta(counts=False) | {"improved": [], "degraded": [], "same": []},
                common=[f"d{i}" for i in range(1200)],
            ),
            gates={"accuracy": GateRule(max_degraded=0)},
            unpaired=1,
        ),
        Verdict.FAIL,
        (LAGGED.format(paired="1,200", left="1 datapoint"),),
        (),
    ),
    # ... and one that paired some: 8 of 40 fell 1 -> 0 and were the 8 it left out, "0 of 32 worse" passed
    # max_degraded: 0 (exit 0, PASS, only a coverage warning): held on those paired is not held on those left out
    (
        "max_degraded held on the datapoints the comparison paired, while it left out some both runs scored: fails",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"same_count": 4}, common=IDS[:4]),
            gates={"accuracy": GateRule(max_degraded=0)},
            unpaired=8,
        ),
        Verdict.FAIL,
        (FULLY.format(metric="accuracy", bound=0, worse=0, paired=4, left="8 datapoints"),),
        (),
    ),
    (  # significant: true excuses a crossing within noise; a bound not known to hold is not a crossing to excuse
        "so does a noise-aware one",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"same_count": 4}, common=IDS[:4]),
            gates={"accuracy": GateRule(max_degraded=0, significant=True)},
            unpaired=8,
        ),
        Verdict.FAIL,
        (FULLY.format(metric="accuracy", bound=0, worse=0, paired=4, left="8 datapoints"),),
        (),
    ),
    (
        "within the bound but for fewer than those left out: one left out, the backend's found_count, thousands",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=1200) | {"found_count": 1500}, common=[f"d{i}" for i in range(2000)]),
            gates={"accuracy": GateRule(max_degraded=1200)},
            unpaired=1,
        ),
        Verdict.FAIL,
        (FULLY.format(metric="accuracy", bound="1200", worse="1,200", paired="1,500", left="1 datapoint"),),
        (),
    ),
    (
        "lower is better: the improved count is the worse one",
        lambda: judge(
            summary(metrics={"latency": IDS}),
            comparison(delta("latency", improved=2, degraded=0), common=IDS[:10]),
            gates={"latency": GateRule(max_degraded=3)},
            presentation={"latency": LOWER},
            unpaired=2,
        ),
        Verdict.FAIL,
        (FULLY.format(metric="latency", bound=3, worse=2, paired=10, left="2 datapoints"),),
        (),
    ),
    (  # the counts 1 and 4 of 8: fail on those paired, as before, with the test's word on the ones left out
        "crossed on those paired: the failure it is, not one of not fully checked",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=2)),
            gates={"accuracy": GateRule(max_degraded=1)},
            unpaired=4,
        ),
        Verdict.FAIL,
        (
            "accuracy degraded on 2 datapoints (gate: at most 1): 2 of 12 worse; significance unknown: the comparison"
            " left out 4 datapoints both runs scored",
        ),
        (),
    ),
    (  # even if every one left out got worse, 1 + 4 is within 5 (this run has it on 8 outside those paired)
        "room in the bound for every one left out: it holds",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=1), common=IDS[:4]),
            gates={"accuracy": GateRule(max_degraded=5)},
            unpaired=4,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # the comparison paired none of those both runs scored: "share no datapoint" (neutral) was not so
        "a comparison that paired none of those both runs scored, without found_count: not fully checked",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0), common=[]),
            gates={"accuracy": GateRule(max_degraded=0)},
            unpaired=12,
        ),
        Verdict.FAIL,
        (FULLY.format(metric="accuracy", bound=0, worse=0, paired=0, left="12 datapoints"),),
        (),
    ),
    (  # an efficiency metric's gate only warns of datapoints without a value (no price): those left out had none
        "the datapoints left out that this run has no value of the metric on cannot be the worse ones: it holds",
        lambda: judge(
            summary(metrics={"cost_usd": IDS[:4]}),
            comparison(delta("cost_usd", improved=0, degraded=0) | {"same_count": 4}, common=IDS[:4]),
            gates={"cost_usd": GateRule(max_degraded=0)},
            presentation={"cost_usd": LOWER},
            unpaired=8,
            baseline=summary(metrics={"cost_usd": IDS}),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNPRICED.format(n=8),),
    ),
    (  # audit 45b: the baseline had no value on the 8 left out, this run 1.0 everywhere: none could be worse
        "nor those the baseline has no value of the metric on: it holds",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"same_count": 4}, common=IDS[:4]),
            gates={"accuracy": GateRule(max_degraded=0)},
            unpaired=8,
            baseline=summary(metrics={"accuracy": IDS[:4]}),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "both runs have it on 2 more than the 4 paired, and the bound allows 1",
        lambda: judge(
            summary(metrics={"cost_usd": IDS[:6]}),
            comparison(delta("cost_usd", improved=0, degraded=0) | {"same_count": 4}, common=IDS[:4]),
            gates={"cost_usd": GateRule(max_degraded=1)},
            presentation={"cost_usd": LOWER},
            unpaired=8,
            baseline=summary(metrics={"cost_usd": IDS}),
        ),
        Verdict.FAIL,
        (UNCOUNTED.format(metric="cost_usd", bound=1, worse=0, paired=4, more="2 more datapoints that have it"),),
        (UNPRICED.format(n=6),),
    ),
    (  # audit 45b: commonDatapoints whole, the metric's counts lagging: 0 of 8 worse passed, 4 more have it in both
        "the comparison's common datapoints whole but its counts of the metric short of those both runs have it on",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 8}),
            gates={"accuracy": GateRule(max_degraded=0)},
            baseline=summary(),
        ),
        Verdict.FAIL,
        (UNCOUNTED.format(metric="accuracy", bound=0, worse=0, paired=8, more="4 more datapoints that have it"),),
        (),
    ),
    (
        "one more than it counted, said so",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 11}),
            gates={"accuracy": GateRule(max_degraded=0)},
            baseline=summary(),
        ),
        Verdict.FAIL,
        (UNCOUNTED.format(metric="accuracy", bound=0, worse=0, paired=11, more="1 more datapoint that has it"),),
        (),
    ),
    (  # counted every datapoint both runs have it on: held is held
        "counts of every datapoint both runs have it on: it holds",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 12}),
            gates={"accuracy": GateRule(max_degraded=0)},
            baseline=summary(),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # a summary without the backend's id lists cannot say which datapoints have it: all of those left out may
        "without the summary's id lists, every one left out may have it",
        lambda: judge(
            summary(metrics={"accuracy": None}),
            comparison(delta(improved=0, degraded=0) | {"same_count": 12}),
            gates={"accuracy": GateRule(max_degraded=2)},
            unpaired=3,
        ),
        Verdict.FAIL,
        (FULLY.format(metric="accuracy", bound=2, worse=0, paired=12, left="3 datapoints"),),
        (),
    ),
    (  # counts beside no baseline value: nothing to hold the gate against, whatever was left out
        "a baseline without the metric is not judged on counts, lagging or not",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"old_aggregate": None}),
            gates={"accuracy": GateRule(max_degraded=0)},
            unpaired=3,
        ),
        Verdict.NEUTRAL,
        ("accuracy's gate could not be checked: the baseline has no value for it",),
        (),
    ),
    (
        "found_count not sent: improved, degraded and same all 0 pair none",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0)),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.FAIL,
        (NO_PAIR.format(bound=0, shared=12),),
        (),
    ),
    (
        "the lists alone say so too",
        lambda: judge(
            summary(),
            comparison(
                delta(counts=False) | {"improved": [], "degraded": [], "same": []},
                common=[f"d{i}" for i in range(1200)],
            ),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.FAIL,
        (NO_PAIR.format(bound=0, shared="1,200"),),
        (),
    ),
    (
        "some the same: paired, none worse, it holds",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"same_count": 1}),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "found_count is the backend's word when sent: 1 paired holds beside counts of 0",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 1}),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "without a same count, 0 improved and 0 degraded could be every datapoint the same: it holds, as before",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"same_count": None}),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "nor without an improved one (the count of better datapoints of a higher-is-better metric)",
        lambda: judge(
            summary(),
            comparison(delta(counts=False) | {"degraded_count": 0, "same_count": 0}),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a noise-aware max_degraded fails too: nothing was counted, nothing is excused",
        lambda: judge(
            summary(),
            comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0) | {"found_count": 0}),
            gates={"accuracy": GateRule(max_degraded=0, significant=True)},
        ),
        Verdict.FAIL,
        (NO_PAIR.format(bound=0, shared=12),),
        (),
    ),
    (
        "its aggregate's bound is judged beside it: crossed, both fail, the crossing first",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=0) | {"found_count": 0}),
            gates={"accuracy": GateRule(max_drop_pct=5, max_degraded=0)},
        ),
        Verdict.FAIL,
        (
            "accuracy got worse by 8.0% (gate: at most 5%): significance unknown: no datapoint has a value in both"
            " runs",
            NO_PAIR.format(bound=0, shared=12),
        ),
        (),
    ),
    (
        "a metric new in this run paired none and stays neutral: the baseline has no value for it",
        lambda: judge(
            summary(),
            comparison(only("new") | {"found_count": 0, "improved_count": 0, "degraded_count": 0, "same_count": 0}),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.NEUTRAL,
        ("accuracy's gate could not be checked: the baseline has no value for it",),
        (),
    ),
    (
        "a metric gone from this run fails as one without values, not as unpaired",
        lambda: judge(
            summary(metrics={}),
            comparison(only("old") | {"found_count": 0, "improved_count": 0, "degraded_count": 0, "same_count": 0}),
            gates={"accuracy": GateRule(max_degraded=0)},
        ),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 12 of the datapoints the backend passed: no evaluator and no span"
            " recorded it, nor any other metric, in this run",
        ),
        (),
    ),
    (  # values that leave calls out on both sides could not be checked (neutral) on the numbers; here none was sent
        "a bound without its number fails whatever calls an efficiency metric's values leave out, said as it is",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", pct=None)),
            gates={"cost_usd": COST_GATE},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(2, 3)},
        ),
        Verdict.FAIL,
        (
            "cost_usd's max_worse_pct could not be checked (gate: at most 10%): the backend sent no percentage change"
            f" for cost_usd{PAST}",
        ),
        (),
    ),
    # ---------------------------------------------- max_drop_pct of 100 on an aggregate that cannot go below 0
    (  # a pass rate from 100% to 0% is -100%, at the bound: the check was green on a total collapse
        "max_drop_pct: 100 on a boolean metric can never fail: the check fails, on the first run already",
        lambda: judge(summary(value=True), gates={"accuracy": GateRule(max_drop_pct=100)}),
        Verdict.FAIL,
        (PCT100,),
        (),
    ),
    (
        "past 100 neither, whatever the aggregate function: a sum of booleans cannot go below 0",
        lambda: judge(summary(value=True, aggregation="sum"), gates={"accuracy": GateRule(max_drop_pct=250)}),
        Verdict.FAIL,
        (PCT100.replace("max_drop_pct: 100 can", "max_drop_pct: 250 can"),),
        (),
    ),
    (
        "a bound below 100 can be crossed",
        lambda: judge(summary(value=True), gates={"accuracy": GateRule(max_drop_pct=99.9)}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a lower-is-better one's max_worse_pct of 100 can: worse is up, with no ceiling",
        lambda: judge(
            summary(value=True), gates={"accuracy": GateRule(max_worse_pct=100)}, presentation={"accuracy": LOWER}
        ),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "a percentage-formatted metric of values of 0 or more (past 1 too) can never drop past 100% either",
        lambda: judge(summary(value=0), gates={"accuracy": GateRule(max_drop_pct=100)}, presentation=PERCENT),
        Verdict.FAIL,
        (
            "gate.accuracy: max_drop_pct: 100 can never be crossed: accuracy is shown as a percentage (format '.0%')"
            " of values ≥ 0, whose aggregate cannot go below 0, so it drops by 100% at most (to 0), which the bound"
            " allows: this gate never fails; write a bound below 100 (max_drop_pct: 50 fails when it halves), or"
            " max_drop in its units for percentage points (max_drop: 0.1 for 10 pp)",
        ),
        (),
    ),
    (
        "a percentage of values below 0 (a signed change) keeps its bound",
        lambda: judge(summary(value=-0.1), gates={"accuracy": GateRule(max_drop_pct=100)}, presentation=PERCENT),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
    ),
    (
        "so does a number without a percentage format, whatever its values: its scale is not known",
        lambda: judge(summary(value=0.5), gates={"accuracy": GateRule(max_drop_pct=100)}),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (),
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


# A cost or token value that leaves LLM calls out is a lower bound of the whole (lower is better): this run's alone
# past its gate is failed, the baseline's alone within it holds, anything else could not be checked. Each gate kind ×
# whose value leaves calls out × crossed or not. A PR adding two calls per datapoint to an unpriced model and three
# priced ones read +200% against max_worse_pct: 10 and was neutral.
BY_PCT, BY_DROP, BY_DEGRADED = GateRule(max_worse_pct=10), GateRule(max_drop=0.01), GateRule(max_degraded=2)
SIGNIFICANT = GateRule(max_worse_pct=10, significant=True)
CROSSED = {"difference": 0.02, "pct": 200.0, "improved": 12, "degraded": 0, "old": 0.01}  # 12 of 12 worse
WITHIN = {"difference": 0.0005, "pct": 5.0, "improved": 1, "degraded": 0, "old": 0.01}
NOISY = {"difference": 0.02, "pct": 200.0, "improved": 3, "degraded": 2, "old": 0.01}  # past it, not significant
FROM_ZERO = {"difference": 0.01, "pct": None, "improved": 12, "degraded": 0, "old": 0.0}
THIS, BASELINE, BOTH = left(0, 6), left(6, 0), left(6, 6)
ALIKE, UNALIKE = left(6, 6, OUTSIDE), left(6, 5, OUTSIDE)  # both runs' outside every datapoint: as many, or not
# all of some datapoints' calls (streams without usage): those have no value, the mean is the others', no lower bound;
# this run's of 6 or 1 of the 12 datapoints (the test lists the others as having the metric)
WHOLE_THIS, WHOLE_BASELINE = left(0, 6, "to m without token usage" + NO_VALUE), left(6, 0, "to m" + NO_VALUE)
ONE_WHOLE = left(0, 1, "to m without token usage" + NO_VALUE)
# on the 6 with a value: 3 times the baseline's, each worse (at 0 the others, the whole's +50%); the same spend
HALF_CROSSED = {"difference": 0.02, "pct": 200.0, "improved": 6, "degraded": 0, "old": 0.01}
SAME_SPEND = {"difference": 0.005, "pct": 50.0, "improved": 1, "degraded": 1, "old": 0.01}  # at 0: -25%
CROSSED_11 = {"difference": 0.02, "pct": 200.0, "improved": 11, "degraded": 0, "old": 0.01}  # at 0: +175%, 11 worse
DIRECTION = [
    (BY_PCT, CROSSED, THIS, Verdict.FAIL),
    (BY_PCT, WITHIN, THIS, Verdict.NEUTRAL),
    (BY_PCT, CROSSED, BASELINE, Verdict.NEUTRAL),
    (BY_PCT, WITHIN, BASELINE, Verdict.PASS),
    (BY_PCT, CROSSED, BOTH, Verdict.NEUTRAL),
    (BY_PCT, WITHIN, BOTH, Verdict.NEUTRAL),
    (BY_PCT, FROM_ZERO, THIS, Verdict.FAIL),
    (BY_PCT, FROM_ZERO, BASELINE, Verdict.NEUTRAL),
    (BY_DROP, CROSSED, THIS, Verdict.FAIL),
    (BY_DROP, WITHIN, THIS, Verdict.NEUTRAL),
    (BY_DROP, CROSSED, BASELINE, Verdict.NEUTRAL),
    (BY_DROP, WITHIN, BASELINE, Verdict.PASS),
    (BY_DROP, CROSSED, BOTH, Verdict.NEUTRAL),
    (BY_DROP, WITHIN, BOTH, Verdict.NEUTRAL),
    (BY_DEGRADED, CROSSED, THIS, Verdict.FAIL),
    (BY_DEGRADED, WITHIN, THIS, Verdict.NEUTRAL),
    (BY_DEGRADED, CROSSED, BASELINE, Verdict.NEUTRAL),
    (BY_DEGRADED, WITHIN, BASELINE, Verdict.PASS),
    (BY_DEGRADED, CROSSED, BOTH, Verdict.NEUTRAL),
    (BY_DEGRADED, WITHIN, BOTH, Verdict.NEUTRAL),
    (SIGNIFICANT, CROSSED, THIS, Verdict.FAIL),  # more worse datapoints with them: significant still
    (SIGNIFICANT, NOISY, THIS, Verdict.NEUTRAL),  # with them it could be significant
    (SIGNIFICANT, WITHIN, THIS, Verdict.NEUTRAL),
    (SIGNIFICANT, CROSSED, BASELINE, Verdict.NEUTRAL),
    (SIGNIFICANT, NOISY, BASELINE, Verdict.NEUTRAL),  # past the bound: with them it could be within it
    (SIGNIFICANT, WITHIN, BASELINE, Verdict.PASS),
    (SIGNIFICANT, CROSSED, BOTH, Verdict.NEUTRAL),
    (SIGNIFICANT, NOISY, BOTH, Verdict.NEUTRAL),
    (SIGNIFICANT, WITHIN, BOTH, Verdict.NEUTRAL),
    # as many outside every datapoint in both: judged on the values shown, as if neither left anything out
    (BY_PCT, CROSSED, ALIKE, Verdict.FAIL),
    (BY_PCT, WITHIN, ALIKE, Verdict.PASS),
    (BY_PCT, FROM_ZERO, ALIKE, Verdict.FAIL),
    (BY_DROP, CROSSED, ALIKE, Verdict.FAIL),
    (BY_DROP, WITHIN, ALIKE, Verdict.PASS),
    (BY_DEGRADED, CROSSED, ALIKE, Verdict.FAIL),
    (BY_DEGRADED, WITHIN, ALIKE, Verdict.PASS),
    (SIGNIFICANT, CROSSED, ALIKE, Verdict.FAIL),
    (SIGNIFICANT, NOISY, ALIKE, Verdict.PASS),  # past the bound, not significant: a warning
    (SIGNIFICANT, WITHIN, ALIKE, Verdict.PASS),
    (BY_PCT, CROSSED, UNALIKE, Verdict.NEUTRAL),
    (BY_PCT, WITHIN, UNALIKE, Verdict.NEUTRAL),
    (SIGNIFICANT, CROSSED, UNALIKE, Verdict.NEUTRAL),
    # whole datapoints without a value in one run: either way (audit 55: a false red, and a false green), but that
    # this run's crossing the gate even were those datapoints 0 fails (audit57 F1: neutral at +330.8%, a false green)
    (BY_PCT, SAME_SPEND, WHOLE_THIS, Verdict.NEUTRAL),
    (BY_PCT, HALF_CROSSED, WHOLE_THIS, Verdict.FAIL),  # +50% at 0
    (BY_DROP, HALF_CROSSED, WHOLE_THIS, Verdict.NEUTRAL),  # 0.005 worse at 0, within 0.01
    (BY_DROP, CROSSED_11, ONE_WHOLE, Verdict.FAIL),  # 0.0175 worse at 0
    (BY_PCT, FROM_ZERO, ONE_WHOLE, Verdict.FAIL),
    (BY_PCT, WITHIN, WHOLE_BASELINE, Verdict.NEUTRAL),
    (BY_DEGRADED, SAME_SPEND, WHOLE_THIS, Verdict.NEUTRAL),
    (BY_DEGRADED, HALF_CROSSED, WHOLE_THIS, Verdict.FAIL),  # each counted stays worse
    (BY_DEGRADED, WITHIN, WHOLE_BASELINE, Verdict.NEUTRAL),
    (SIGNIFICANT, HALF_CROSSED, WHOLE_THIS, Verdict.NEUTRAL),  # 6 worse, and the 6 others better: p = 0.61
    (SIGNIFICANT, CROSSED_11, ONE_WHOLE, Verdict.FAIL),  # 11 worse, 1 better: p = 0.003
    (SIGNIFICANT, WITHIN, WHOLE_BASELINE, Verdict.NEUTRAL),
]


@pytest.mark.parametrize(("gate", "change", "calls", "verdict"), DIRECTION)
def test_a_value_leaving_calls_out_is_a_lower_bound(
    gate: GateRule, change: dict[str, Any], calls: tuple[dict[str, int], dict[str, int]], verdict: Verdict
) -> None:
    valueless = sum(n for why, n in calls[1].items() if why.endswith(NO_VALUE))  # one call each
    decision = judge(
        summary(metrics={"cost_usd": IDS[valueless:]}),
        comparison(delta("cost_usd", **change)),
        gates={"cost_usd": gate},
        presentation={"cost_usd": LOWER},
        left_out={"cost_usd": calls},
    )
    assert decision.verdict is verdict
    assert decision.gates_hit == (("cost_usd",) if verdict is Verdict.FAIL else ())
    unchecked = [reason for reason in decision.reasons if reason.startswith("cost_usd's gate could not be checked")]
    assert len(unchecked) == (verdict is Verdict.NEUTRAL)


def test_a_gate_crossed_at_zero_is_judged_after_one_whose_metric_the_backend_lists_no_ids_for() -> None:
    """Each gated row is judged on its own: a metric without id lists (a legacy body: how many have it is not known)
    is passed over, and the next one still fails when crossed even at zero (a ``break`` for that ``continue`` judged
    none after it: verdict mutation, session 52)."""
    decision = judge(
        summary(metrics={"cost_usd": None, "input_tokens": IDS[6:]}),  # rows in name order: cost_usd's first
        comparison(delta("input_tokens", **HALF_CROSSED), delta("cost_usd", **HALF_CROSSED)),
        gates={"input_tokens": BY_PCT, "cost_usd": BY_PCT},
        presentation={"input_tokens": LOWER, "cost_usd": LOWER},
        left_out={"input_tokens": WHOLE_THIS, "cost_usd": WHOLE_THIS},
    )
    assert decision.verdict is Verdict.FAIL
    assert decision.gates_hit == ("input_tokens",)


SEVEN = {"difference": 0.02, "pct": 200.0, "improved": 7, "degraded": 0, "old": 0.01}  # 7 worse of the 11 valued


@pytest.mark.parametrize(
    ("change", "ids", "unpaired", "rival", "verdict"),
    [
        (HALF_CROSSED, IDS[6:], 0, False, Verdict.NEUTRAL),  # 6 worse, and the 6 without a value better: p = 0.61
        (HALF_CROSSED, IDS[6:], 2, False, Verdict.FAIL),  # datapoints left out of the comparison: crossed, failed
        (HALF_CROSSED | {"counts": False}, IDS[6:], 0, False, Verdict.FAIL),  # no counts, no test: crossed, failed
        (SEVEN, IDS[1:], 0, False, Verdict.FAIL),  # 7 worse, 1 better: p = 0.035
        (SEVEN, IDS[1:], 0, True, Verdict.NEUTRAL),  # beside another significant gate's p = 0.5: 0.07 after Holm
        (SEVEN, IDS[1:], 0, 9 / 256, Verdict.FAIL),  # α = 9/256, the p of 7 worse and 1 better: significant at α
    ],
)
def test_a_noise_aware_gate_without_whole_datapoints_fails_when_significant_were_they_all_better(
    change: dict[str, Any], ids: list[str], unpaired: int, rival: bool | float, verdict: Verdict
) -> None:
    gates = {"cost_usd": SIGNIFICANT, **({"input_tokens": SIGNIFICANT} if rival is True else {})}
    policy = VerdictConfig(alpha=rival) if isinstance(rival, float) else None
    decision = judge(
        summary(metrics={"cost_usd": ids, "input_tokens": IDS}),
        comparison(delta("cost_usd", **change), delta("input_tokens", **WITHIN)),
        gates=gates,
        presentation={"cost_usd": LOWER, "input_tokens": LOWER},
        left_out={"cost_usd": left(0, 12 - len(ids), "to m without token usage" + NO_VALUE)},
        unpaired=unpaired,
        policy=policy,
    )
    assert decision.verdict is verdict
    assert decision.gates_hit == (("cost_usd",) if verdict is Verdict.FAIL else ())


@pytest.mark.parametrize(
    ("metrics", "compared", "partly", "verdict"),
    [
        # 20% more on the 11 with a value: exactly 10% with the twelfth at 0, which the gate allows
        ({"cost_usd": IDS[1:]}, [delta("cost_usd", difference=0.2, pct=20.0, improved=11, degraded=0)], {}, "neutral"),
        # no id lists of its own (only another event's, or a legacy body's), before a gate with them: each judged
        ({"cost_usd": IDS[1:]}, [delta("cost_usd", event="other", **CROSSED_11)], {}, "neutral"),
        (
            {"input_tokens": None, "cost_usd": IDS[1:]},
            [delta("input_tokens"), delta("cost_usd", **CROSSED_11)],
            {},
            "fail",
        ),
        (
            {"cost_usd": IDS[1:]},
            [{"metric_name": "cost_usd", "event_name": "answer", "new_aggregate": 0.03}],
            {},
            "neutral",
        ),
        # with trials, some trials of a datapoint without a value: its mean is at least half theirs (+37.5% at 0)
        ({"cost_usd": IDS[1:]}, [delta("cost_usd", **CROSSED_11)], {"cost_usd": {"EXT-3": (1, 2)}}, "fail"),
    ],
    ids=["at-the-bound", "another-event", "after-a-legacy-one", "no-baseline-value", "in-some-trials"],
)
def test_a_gate_is_failed_at_0_only_on_what_tells_how_many_datapoints_have_its_metric(
    metrics: dict[str, list[str] | None], compared: list[dict[str, Any]], partly: Any, verdict: str
) -> None:
    gates = {metric: BY_PCT for metric in metrics}
    decision = judge(
        summary(metrics=metrics),
        comparison(*compared),
        gates=gates,
        presentation=dict.fromkeys(metrics, LOWER),
        left_out=dict.fromkeys(metrics, ONE_WHOLE),
        partly=partly,
    )
    assert decision.verdict == verdict, decision


@pytest.mark.parametrize(
    ("passed", "gate", "change", "verdict"),
    [
        (IDS, BY_PCT, SAME_SPEND, Verdict.NEUTRAL),  # +50% on the 6 with a value, -25% with the 6 others at 0
        (IDS, BY_PCT, HALF_CROSSED, Verdict.FAIL),  # +50% at 0
        (IDS, SIGNIFICANT, CROSSED_11, Verdict.FAIL),  # 11 worse, 1 better: p = 0.003
        # the run's lists empty beside the metric's: not said how many datapoints it has (not 6 of 6: at 0 +50%)
        ([], BY_PCT, SAME_SPEND, Verdict.NEUTRAL),
        ([], BY_PCT, HALF_CROSSED, Verdict.NEUTRAL),
        ([], SIGNIFICANT, CROSSED_11, Verdict.NEUTRAL),
        # or naming only some of the metric's: not 6 of 6
        (IDS[7:], BY_PCT, SAME_SPEND, Verdict.NEUTRAL),
    ],
    ids=["said-same-spend", "said-crossed", "said-significant", "empty", "empty-crossed", "empty-significant", "some"],
)
def test_a_gate_is_failed_at_0_only_when_the_runs_lists_name_every_datapoint_with_its_metric(
    passed: list[str], gate: GateRule, change: dict[str, Any], verdict: Verdict
) -> None:
    have = IDS[1:] if change is CROSSED_11 else IDS[6:]
    decision = judge(
        summary(passed, metrics={"cost_usd": have}),
        comparison(delta("cost_usd", **change)),
        gates={"cost_usd": gate},
        presentation={"cost_usd": LOWER},
        left_out={"cost_usd": left(0, 12 - len(have), "to m without token usage" + NO_VALUE)},
    )
    assert decision.verdict is verdict, decision.reasons


BY_DEGRADED_8 = GateRule(max_degraded=8)


@pytest.mark.parametrize(
    ("gate", "partly", "verdict"),
    [
        # 12 of 12 worse, +200% (0.01 to 0.03); with trials, EXT-0's mean is that of the 1 of its 2 trials with a
        # value: were the other 0, its mean is at least half that, so the whole's is too (+50%)
        (BY_PCT, {"EXT-0": (1, 2)}, Verdict.FAIL),
        (BY_PCT, {"EXT-0": (2, 3)}, Verdict.NEUTRAL),  # a third: 0.01, not past the gate
        (GateRule(max_drop=0.004), {"EXT-0": (1, 2)}, Verdict.FAIL),  # 0.005 worse
        (BY_DROP, {"EXT-0": (1, 2)}, Verdict.NEUTRAL),  # within 0.01
        # each counted worse but those: were their other trials 0, those could be better
        (BY_DEGRADED_8, {f"EXT-{i}": (1, 2) for i in range(3)}, Verdict.FAIL),  # 9 worse at least
        (BY_DEGRADED_8, {f"EXT-{i}": (1, 2) for i in range(4)}, Verdict.NEUTRAL),  # 8
        (GateRule(max_degraded=0), {i: (1, 2) for i in IDS}, Verdict.NEUTRAL),  # none for sure
        (SIGNIFICANT, {"EXT-0": (1, 2)}, Verdict.FAIL),  # 11 worse, 1 better: p = 0.003
        (SIGNIFICANT, {f"EXT-{i}": (1, 2) for i in range(4)}, Verdict.NEUTRAL),  # 8 worse, 4 better: p = 0.19
    ],
    ids=[
        "pct",
        "pct-a-third",
        "drop",
        "drop-within",
        "degraded-9",
        "degraded-8",
        "degraded-none",
        "significant",
        "significant-8-of-12",
    ],
)
def test_a_gate_whose_metric_some_trials_lack_is_judged_with_those_trials_at_0(
    gate: GateRule, partly: dict[str, tuple[int, int]], verdict: Verdict
) -> None:
    """With trials, a datapoint whose metric some trials lack (their every call streamed without usage) has the mean
    of the others: as a datapoint without a value, the gate fails when crossed even were those trials 0, and could
    not be checked otherwise; never passes."""
    decision = judge(
        summary(metrics={"cost_usd": IDS}),
        comparison(delta("cost_usd", **CROSSED)),
        gates={"cost_usd": gate},
        presentation={"cost_usd": LOWER},
        left_out={"cost_usd": left(0, sum(n for n, _ in partly.values()), "to m without token usage" + NO_VALUE)},
        partly={"cost_usd": partly},
    )
    assert decision.verdict is verdict, decision.reasons
    assert decision.gates_hit == (("cost_usd",) if verdict is Verdict.FAIL else ())
    said = [w for w in decision.warnings if w.startswith("cost_usd has a gate but no value on")]
    assert said, decision.warnings
    assert " trials)" in said[0]  # "(in 1 of its 2 trials)", "(in some of their trials)"


@pytest.mark.parametrize(
    ("aggregation", "ids", "verdict"),
    [
        ("average", IDS[6:], Verdict.NEUTRAL),  # +50% on the 6 with a value, -25% with the 6 others at 0
        (None, IDS[6:], Verdict.NEUTRAL),  # the backend's default: the mean
        ("average", IDS[1:], Verdict.FAIL),  # 11 of 12: +37.5% at 0
        ("sum", IDS[6:], Verdict.FAIL),  # a sum, a max, a count of more datapoints are no less
        ("max", IDS[6:], Verdict.FAIL),
        ("count", IDS[6:], Verdict.FAIL),
        ("min", IDS[1:], Verdict.NEUTRAL),  # a min, a median of more can be less: no bound at all
        ("median", IDS[1:], Verdict.NEUTRAL),
        ("average", None, Verdict.NEUTRAL),  # no id lists (a legacy body): how many have it is not known
    ],
)
def test_a_mean_without_whole_datapoints_is_judged_with_them_at_0_by_the_aggregate_function(
    aggregation: str | None, ids: list[str] | None, verdict: Verdict
) -> None:
    decision = judge(
        summary(metrics={"cost_usd": ids}, aggregation=aggregation),
        comparison(delta("cost_usd", **SAME_SPEND)),
        gates={"cost_usd": BY_PCT},
        presentation={"cost_usd": LOWER},
        left_out={"cost_usd": ONE_WHOLE},
    )
    assert decision.verdict is verdict


@pytest.mark.parametrize(
    ("gates", "presentation", "verdict"),
    [
        # Holm's correction takes every noise-aware gate's test: another's baseline leaving calls out could make it
        # either way
        (
            {"cost_usd": SIGNIFICANT, "input_tokens": SIGNIFICANT},
            {"cost_usd": LOWER, "input_tokens": LOWER},
            Verdict.NEUTRAL,
        ),
        # a plain gate's test is in another family: it adjusts no noise-aware gate's p (this was neutral: green)
        ({"cost_usd": SIGNIFICANT, "input_tokens": BY_PCT}, {"cost_usd": LOWER, "input_tokens": LOWER}, Verdict.FAIL),
        ({"cost_usd": BY_PCT, "input_tokens": BY_PCT}, {"cost_usd": LOWER, "input_tokens": LOWER}, Verdict.FAIL),
        ({"cost_usd": SIGNIFICANT}, {"cost_usd": LOWER}, Verdict.FAIL),  # the other one's without a gate: no matter
    ],
)
def test_this_runs_calls_left_out_fail_a_gate_only_when_that_is_sound(
    gates: dict[str, GateRule], presentation: dict[str, MetricConfig], verdict: Verdict
) -> None:
    decision = judge(
        summary(metrics={"cost_usd": IDS, "input_tokens": IDS}),
        comparison(delta("cost_usd", **CROSSED), delta("input_tokens", **WITHIN)),
        gates=gates,
        presentation=presentation,
        left_out={"cost_usd": THIS, "input_tokens": BASELINE},
    )
    assert decision.verdict is verdict


@pytest.mark.parametrize(
    ("other", "verdict"),
    [
        (ALIKE, Verdict.FAIL),  # judged as if neither left anything out: not a partial baseline
        (UNALIKE, Verdict.NEUTRAL),
        (({OUTSIDE: 6, "to unpriced model m": 1}, {OUTSIDE: 6, "to unpriced model m": 1}), Verdict.NEUTRAL),
        (WHOLE_THIS, Verdict.NEUTRAL),  # this run's test of it on fewer datapoints: its p could be either way too
    ],
)
def test_another_gates_calls_outside_every_datapoint_as_many_in_both_runs_keep_holm_sound(
    other: tuple[dict[str, int], dict[str, int]], verdict: Verdict
) -> None:
    decision = judge(
        summary(metrics={"cost_usd": IDS, "input_tokens": IDS}),
        comparison(delta("cost_usd", **CROSSED), delta("input_tokens", **WITHIN)),
        gates={"cost_usd": SIGNIFICANT, "input_tokens": SIGNIFICANT},
        presentation={"cost_usd": LOWER, "input_tokens": LOWER},
        left_out={"cost_usd": THIS, "input_tokens": other},
    )
    assert decision.verdict is verdict


@pytest.mark.parametrize(
    ("calls", "tokens", "cost", "verdict", "hit", "unchecked"),
    [
        # each gate by its own calls, whichever comes first: one judged does not end the others'
        (
            {"judge_cost_usd": THIS, "cost_usd": THIS},
            WITHIN,
            WITHIN,
            Verdict.NEUTRAL,
            (),
            ["cost_usd"],
        ),  # judge's: no gate
        ({"input_tokens": THIS, "cost_usd": BASELINE}, CROSSED, CROSSED, Verdict.FAIL, ("input_tokens",), []),
        ({"input_tokens": BASELINE, "cost_usd": THIS}, WITHIN, WITHIN, Verdict.NEUTRAL, (), ["cost_usd"]),
        ({"cost_usd": left(), "input_tokens": left()}, WITHIN, WITHIN, Verdict.PASS, (), []),  # none left out: judged
    ],
)
def test_each_gate_is_judged_by_the_calls_its_own_values_leave_out(
    calls: dict[str, tuple[dict[str, int], dict[str, int]]],
    tokens: dict[str, Any],
    cost: dict[str, Any],
    verdict: Verdict,
    hit: tuple[str, ...],
    unchecked: list[str],
) -> None:
    decision = judge(
        summary(metrics={"cost_usd": IDS, "input_tokens": IDS}),
        comparison(delta("input_tokens", **tokens), delta("cost_usd", **cost)),
        gates={"cost_usd": BY_PCT, "input_tokens": BY_PCT},
        presentation={"cost_usd": LOWER, "input_tokens": LOWER},
        left_out=calls,
    )
    assert (decision.verdict, decision.gates_hit) == (verdict, hit)
    said = [reason.split("'s gate could not be checked")[0] for reason in decision.reasons if "could not" in reason]
    assert said == unchecked


def test_without_a_baseline_calls_left_out_change_nothing() -> None:
    decision = judge(summary(metrics={"cost_usd": IDS}), gates={"cost_usd": BY_PCT}, left_out={"cost_usd": THIS})
    assert (decision.verdict, decision.reasons) == (Verdict.NEUTRAL, ("no baseline run to compare with yet",))


# A passing range's max on an efficiency metric is judged by the backend on each datapoint's value; one that leaves out
# calls of the datapoint's own (no price, no token usage) is a lower bound, so a max the backend passed is not known
# to hold there (audit67 F1: r01 recorded $5.1e-06 under a max of $1e-05, and cost $1.11e-05; the run passed). The
# rule of a gate's lower bound: could not be checked, neutral when nothing else fails, else a warning beside the
# failure. A datapoint the backend failed is past the max already; a min is judged as the backend judged it.
SOME = IDS[:4]  # the datapoints whose value leaves calls out
RANGE_UNCHECKED = (
    "cost_usd's passing range could not be checked on {on} of the {of} datapoints the backend passed: their value"
    " excludes {calls}: with them it could be past its max"
)
NO_USAGE_4 = RANGE_UNCHECKED.format(on=4, of=12, calls="4 LLM calls (4 to m without token usage)")
NO_USAGE_ALL_4 = RANGE_UNCHECKED.format(
    on=4, of=12, calls="4 LLM calls (4 to m without token usage on datapoints left without a value)"
)
UNFINISHED_2 = RANGE_UNCHECKED.format(
    on=12, of=12, calls="2 LLM calls (2 of the datapoints' own, unfinished when recorded)"
)
NO_VALUE_ON_4 = (
    "cost_usd has a passing range but no value on 4 of the datapoints the backend passed: their LLM calls had no price"
    " or token usage, or they made none the run could see, so it was not checked there"
)
EVERYWHERE = "evaluator accuracy raised on every datapoint (12 of 12): ValueError: no judge"
FAILED_4 = "4 datapoint(s) failed their passing ranges"


def _ranged_run(
    left: str,
    *,
    failed: bool = False,
    bound: str = "max",
    other: bool = False,
    trials: int = 1,
    baseline: bool | None = None,
) -> Decision:
    """:func:`decide` on :func:`facts` of 12 datapoints' outcomes (``trials`` each) with a passing range on
    ``cost_usd`` (its ``bound``), compared with a ``baseline`` (``None``: comparisons switched off, ``baseline.strategy:
    none``; ``False``: none yet; ``True``: one, the accuracy alike in both): the backend failed :data:`SOME`
    (``failed``), whose last trial's value leaves out a call without token usage (``left``: ``some``; ``all``: its
    only call, so it has no value; ``none``; ``nocall``: it made none, and has no value), or the job made calls
    outside every datapoint (``outside``), or some unfinished when their datapoint was recorded (``unfinished``);
    ``other``: an evaluator raised everywhere."""
    outcomes = []
    for i, datapoint in enumerate(IDS):
        for trial in range(trials):
            last = datapoint in SOME and trial == trials - 1
            mine = last and left in ("some", "all")
            outcomes.append(
                DatapointOutcome(
                    i,
                    datapoint,
                    f"s{i}-{trial}",
                    OutcomeStatus.OK,
                    metrics={} if last and left in ("all", "nocall") else {"cost_usd": 0.001},
                    evaluator_failures=(EvaluatorFailure("accuracy", "ValueError: no judge"),) if other else (),
                    trial=trial,
                    unpriced={"no_usage_llm_calls": {"m": 1}} if mine else {},
                    outside=3 if i == 0 and left == "outside" else 0,
                    unfinished=2 if i == 0 and left == "unfinished" else 0,
                )
            )
    valued = [i for i in IDS if not (i in SOME and left in ("all", "nocall") and trials == 1)]
    bad = SOME if failed else []
    result = summary([i for i in IDS if i not in bad], bad, metrics={"cost_usd": valued})
    seen = facts(outcomes, ["cost_usd"], capped=["cost_usd"] if bound == "max" else [])
    compared = comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0)) if baseline else None
    return decide(result, compared, ranged=["cost_usd"], facts=seen, compare=baseline is not None)


RANGED_RUNS = [
    # (rule, left, backend failed SOME, bound, something else fails, verdict, reasons, warnings)
    ("passed, calls left out, max: neutral", "some", False, "max", False, Verdict.NEUTRAL, (NO_USAGE_4,), ()),
    ("... beside a failure: a warning", "some", False, "max", True, Verdict.FAIL, (EVERYWHERE,), (NO_USAGE_4,)),
    (
        "passed, calls left out, min: as it was",
        "some",
        False,
        "min",
        False,
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    ("... beside a failure", "some", False, "min", True, Verdict.FAIL, (EVERYWHERE,), ()),
    ("passed, none left out, max", "none", False, "max", False, Verdict.PASS, ("every datapoint passed",), ()),
    ("... beside a failure", "none", False, "max", True, Verdict.FAIL, (EVERYWHERE,), ()),
    ("passed, none left out, min", "none", False, "min", False, Verdict.PASS, ("every datapoint passed",), ()),
    ("... beside a failure", "none", False, "min", True, Verdict.FAIL, (EVERYWHERE,), ()),
    ("failed, calls left out, max: past it", "some", True, "max", False, Verdict.FAIL, (FAILED_4,), ()),
    ("... beside a failure", "some", True, "max", True, Verdict.FAIL, (EVERYWHERE, FAILED_4), ()),
    ("failed, calls left out, min", "some", True, "min", False, Verdict.FAIL, (FAILED_4,), ()),
    ("... beside a failure", "some", True, "min", True, Verdict.FAIL, (EVERYWHERE, FAILED_4), ()),
    ("failed, none left out, max", "none", True, "max", False, Verdict.FAIL, (FAILED_4,), ()),
    ("... beside a failure", "none", True, "max", True, Verdict.FAIL, (EVERYWHERE, FAILED_4), ()),
    ("failed, none left out, min", "none", True, "min", False, Verdict.FAIL, (FAILED_4,), ()),
    ("... beside a failure", "none", True, "min", True, Verdict.FAIL, (EVERYWHERE, FAILED_4), ()),
    # all of a datapoint's calls left out: no value, the same (it was a warning alone, which stays)
    ("no value, max", "all", False, "max", False, Verdict.NEUTRAL, (NO_USAGE_ALL_4,), (NO_VALUE_ON_4,)),
    ("... beside a failure", "all", False, "max", True, Verdict.FAIL, (EVERYWHERE,), (NO_VALUE_ON_4, NO_USAGE_ALL_4)),
    (
        "no value, min: a warning, as it was",
        "all",
        False,
        "min",
        False,
        Verdict.PASS,
        ("every datapoint passed",),
        (NO_VALUE_ON_4,),
    ),
    (
        "no call made, no value: a warning, as it was",
        "nocall",
        False,
        "max",
        False,
        Verdict.PASS,
        ("every datapoint passed",),
        (NO_VALUE_ON_4,),
    ),
    # calls outside every datapoint are no datapoint's; unfinished ones are some datapoint's, not known which
    ("outside every datapoint, max", "outside", False, "max", False, Verdict.PASS, ("every datapoint passed",), ()),
    ("unfinished, max", "unfinished", False, "max", False, Verdict.NEUTRAL, (UNFINISHED_2,), ()),
    ("unfinished, min", "unfinished", False, "min", False, Verdict.PASS, ("every datapoint passed",), ()),
    (
        "unfinished beside a failed datapoint",
        "unfinished",
        True,
        "max",
        False,
        Verdict.FAIL,
        (FAILED_4,),
        (RANGE_UNCHECKED.format(on=8, of=8, calls="2 LLM calls (2 of the datapoints' own, unfinished when recorded)"),),
    ),
]


@pytest.mark.parametrize(
    ("left", "failed", "bound", "other", "verdict", "reasons", "warnings"),
    [row[1:] for row in RANGED_RUNS],
    ids=[f"{i}-{row[0]}" for i, row in enumerate(RANGED_RUNS)],
)
def test_a_ranges_max_on_a_value_leaving_its_datapoints_calls_out_could_not_be_checked(
    left: str,
    failed: bool,
    bound: str,
    other: bool,
    verdict: Verdict,
    reasons: tuple[str, ...],
    warnings: tuple[str, ...],
) -> None:
    decision = _ranged_run(left, failed=failed, bound=bound, other=other)
    assert (decision.verdict, decision.reasons, decision.warnings) == (verdict, reasons, warnings)


def test_facts_name_the_calls_each_datapoints_value_leaves_out_of_the_capped_efficiency_metrics() -> None:
    """Per efficiency metric with a range's max (none of ``duration_ms``: its value leaves no call out; nor of a metric
    the run does not measure), the datapoints whose own calls its value leaves out (a token count: those without
    usage; a cost: those without a price too), by why, every trial's; the job's calls outside every datapoint and
    unfinished, on one outcome, are none's (the unfinished counted apart)."""
    streamed = {"no_usage_llm_calls": {"m": 1}}
    outcomes = [
        DatapointOutcome(0, "dp0", "s0", OutcomeStatus.OK, unpriced=streamed, outside=3, unfinished=2),
        DatapointOutcome(0, "dp0", "s0-1", OutcomeStatus.OK, unpriced=streamed, trial=1),
        DatapointOutcome(
            1, "dp1", "s1", OutcomeStatus.OK, metrics={"cost_usd": 0.1}, unpriced={"unpriced_llm_calls": {"p": 2}}
        ),
        DatapointOutcome(2, "dp2", "s2", OutcomeStatus.OK, metrics={"cost_usd": 0.1}),
    ]
    found = facts(outcomes, capped=["accuracy", "duration_ms", "cost_usd", "input_tokens", "llm_calls", "cost_usd"])
    assert found.capped == {
        "cost_usd": {"dp0": {"to m without token usage" + NO_VALUE: 2}, "dp1": {"to unpriced model p": 2}},
        "input_tokens": {"dp0": {"to m without token usage" + NO_VALUE: 2}},
        "llm_calls": {},
    }
    assert found.unfinished == 2
    assert (facts(outcomes).capped, facts(outcomes, ["cost_usd"]).capped) == ({}, {})  # no max: none


def test_a_ranges_max_on_a_value_leaving_calls_out_of_some_trials_could_not_be_checked() -> None:
    """With trials the backend's value is a datapoint's mean: of trials one of which leaves calls out (a lower bound),
    or has no value (the others' mean)."""
    decision = _ranged_run("some", trials=2)
    assert (decision.verdict, decision.reasons) == (Verdict.NEUTRAL, (NO_USAGE_4,))
    decision = _ranged_run("all", trials=2)
    assert (decision.verdict, decision.reasons) == (Verdict.NEUTRAL, (NO_USAGE_ALL_4,))


def test_a_ranges_max_that_could_not_be_checked_is_said_with_or_without_a_baseline() -> None:
    decision = _ranged_run("some", baseline=False)
    assert (decision.verdict, decision.reasons) == (
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet", NO_USAGE_4),
    )
    decision = _ranged_run("some", baseline=True)
    assert (decision.verdict, decision.reasons, decision.warnings) == (Verdict.NEUTRAL, (NO_USAGE_4,), ())
    assert _ranged_run("none", baseline=True).verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("calls", "said"),
    [
        ((0, 0), ""),
        ((0, 1), "this run's value excludes 1 LLM call"),
        ((3, 0), "the baseline's value excludes 3 LLM calls"),
        ((1234, 5), "the baseline's value excludes 1,234 LLM calls and this run's 5"),
    ],
)
def test_the_row_says_whose_value_leaves_how_many_calls_out(calls: tuple[int, int], said: str) -> None:
    assert left_out_text(calls) == said


@pytest.mark.parametrize(("calls", "difference"), [(THIS, -0.005), (BASELINE, 0.005)])
def test_a_higher_is_better_value_leaving_calls_out_bounds_nothing(
    calls: tuple[dict[str, int], dict[str, int]], difference: float
) -> None:
    """Configured higher-is-better, a value that leaves calls out bounds the change neither way: never judged."""
    higher = MetricConfig(direction=Direction.HIGHER)
    decision = judge(
        summary(metrics={"cost_usd": IDS}),
        comparison(delta("cost_usd", difference=difference, pct=difference * 10_000, improved=6, degraded=6, old=0.01)),
        gates={"cost_usd": BY_PCT},
        presentation={"cost_usd": higher},
        left_out={"cost_usd": calls},
    )
    assert decision.verdict is Verdict.NEUTRAL


@pytest.mark.parametrize(
    ("values", "boolean"),
    [
        ([True, False], True),
        ([1, 0], False),  # integers are numbers, not booleans
        ([], False),
        (None, False),
        ([*[True] * 64, 0.5], True),  # the first 64 decide: a very large run's list is not walked
        ([0.5, *[True] * 64], False),
    ],
)
def test_which_values_are_a_boolean_metrics(values: list[Any] | None, boolean: bool) -> None:
    assert is_boolean(values) is boolean


def _scored(index: int, trial: int = 0, **metrics: Any) -> DatapointOutcome:
    return DatapointOutcome(index, f"dp{index}", f"s{index}-{trial}", OutcomeStatus.OK, metrics=metrics, trial=trial)


@pytest.mark.parametrize(
    ("outcomes", "metrics", "booleans"),
    [
        # three trials of two datapoints: every value a bool, whatever the backend makes of them (means)
        ([_scored(i, t, ok=t != 1) for i in range(2) for t in range(3)], ["ok"], {"ok"}),
        ([_scored(0, ok=True, score=0.5), _scored(1, ok=False, score=1)], ["ok", "score"], {"ok"}),
        ([_scored(0, ok=True), _scored(1, ok=1)], ["ok"], set()),  # an integer is a number, as in is_boolean
        ([_scored(0, ok=True), _scored(1, other=1.0)], ["ok"], {"ok"}),  # an outcome without it is skipped
        ([_scored(0, ok=True)], ["ok", "gone"], {"ok"}),  # a metric no outcome has is not boolean
        ([_scored(0, ok=True)], [], set()),  # only the metrics asked about
        ([DatapointOutcome(0, "dp0", "s0", OutcomeStatus.OK)], ["ok"], set()),  # read back from a session: unknown
    ],
)
def test_boolean_metrics_are_those_whose_own_values_are_booleans(
    outcomes: list[DatapointOutcome], metrics: list[str], booleans: set[str]
) -> None:
    assert boolean_metrics(outcomes, metrics) == booleans


def test_boolean_metrics_read_no_more_outcomes_than_is_boolean_looks_at() -> None:
    def outcomes() -> Iterator[DatapointOutcome]:  # a very large run: its 65th outcome is never read
        yield from (_scored(i, ok=True) for i in range(64))
        raise AssertionError("read past the values is_boolean looks at")

    assert boolean_metrics(outcomes(), ["ok"]) == {"ok"}


@pytest.mark.parametrize(
    "row",
    [delta(pct=None), delta() | {"difference": None, "percentage_change": None}, delta(counts=False)],
    ids=["no percentage change", "no difference either", "no counts"],
)
def test_a_bound_without_its_number_is_a_failed_gate_of_its_metric(row: dict[str, Any]) -> None:
    """The report marks a gate failed by the decision's gates_hit; the comment lists its degraded datapoints."""
    decision = judge(summary(), comparison(row), gates={"accuracy": GateRule(max_drop_pct=10, max_degraded=5)})
    assert decision.gates_hit == ("accuracy",)
    assert decision.gate_failures == decision.reasons
    assert all("could not be checked" in reason for reason in decision.reasons)


HELD_ON_PAIRED = delta(improved=0, degraded=0) | {"same_count": 4}
"""A comparison row that paired 4 datapoints, none worse: ``max_degraded: 0`` held on them."""


@pytest.mark.parametrize(
    ("row", "gate", "never", "unsure"),
    [
        (HELD_ON_PAIRED, GateRule(max_degraded=0), (), ("accuracy",)),
        (delta(improved=0, degraded=2), GateRule(max_degraded=1), (), ()),  # crossed on those paired
        (
            HELD_ON_PAIRED | {"difference": -0.5},
            GateRule(max_drop=0.1, max_degraded=0),
            (),
            (),
        ),  # the aggregate crossed
        (HELD_ON_PAIRED | {"difference": None}, GateRule(max_drop=0.1, max_degraded=0), ("accuracy",), ()),
        (
            delta(improved=0, degraded=0) | {"found_count": 0},
            GateRule(max_degraded=0),
            ("accuracy",),
            (),
        ),  # paired none
        (delta(counts=False), GateRule(max_degraded=0), ("accuracy",), ()),  # no counts
        (
            delta(degraded=2) | {"difference": None},
            GateRule(max_drop=0.1, max_degraded=1),
            (),
            (),
        ),  # crossed, unchecked
    ],
    ids=[
        "held on those paired",
        "crossed",
        "aggregate crossed too",
        "aggregate unchecked too",
        "paired none",
        "no counts",
        "crossed and unchecked",
    ],
)
def test_a_gate_failed_only_as_not_or_not_fully_checked_is_said_apart(
    row: dict[str, Any], gate: GateRule, never: tuple[str, ...], unsure: tuple[str, ...]
) -> None:
    """The report's row says "could not be checked" of a gate that crossed no bound but has one the backend sent
    nothing to judge by (:attr:`Decision.not_checked`), and "could not be fully checked" of one whose only failure is a
    max_degraded that held on the datapoints the comparison paired, not on those it left out
    (:attr:`Decision.not_fully_checked`)."""
    decision = judge(summary(), comparison(row, common=IDS[:4]), gates={"accuracy": gate}, unpaired=8)
    assert (decision.verdict, decision.gates_hit) == (Verdict.FAIL, ("accuracy",))
    names = tuple(name for name, _ in decision.not_checked), tuple(name for name, _ in decision.not_fully_checked)
    assert names == (never, unsure)


@pytest.mark.parametrize(
    ("decide_it", "never"),
    [
        (  # the efficiency gate's crossing is judged by nothing (both runs leave calls out), its max_worse_pct unsent
            lambda: judge(
                summary(metrics={"cost_usd": IDS}),
                comparison(delta("cost_usd", difference=0.5, pct=None, improved=0, degraded=12, old=0.01)),
                gates={"cost_usd": GateRule(max_worse=0.01, max_worse_pct=10)},
                presentation={"cost_usd": LOWER},
                left_out={"cost_usd": left(6, 6)},
            ),
            ("cost_usd",),
        ),
        (  # failed datapoints fail the check; the gate held on every datapoint, fully checked
            lambda: judge(
                summary(IDS[:8], IDS[8:]),
                comparison(delta(difference=0.1, pct=10.0, improved=5, degraded=0)),
                gates={"accuracy": GateRule(max_drop=0.5, max_degraded=0)},
            ),
            (),
        ),
    ],
    ids=["a crossing nothing judges is no crossing", "a held gate is neither"],
)
def test_which_rows_could_not_be_checked(decide_it: Callable[[], Decision], never: tuple[str, ...]) -> None:
    decision = decide_it()
    assert decision.verdict is Verdict.FAIL
    assert tuple(name for name, _ in decision.not_checked) == never
    assert decision.not_fully_checked == ()


def test_gate_failures_are_also_listed_as_gate_failures_and_name_their_metric() -> None:
    decision = judge(summary(), comparison(delta(improved=0, degraded=12)), gates=GATE_PCT)
    assert decision.gate_failures == decision.reasons
    assert decision.gates_hit == ("accuracy",)
    assert judge(summary(), comparison(delta()), gates=NOISE_AWARE).gates_hit == ()


def test_a_gate_crossed_beside_failed_datapoints_is_still_a_gate_failure() -> None:
    decision = judge(summary(IDS[:8], IDS[8:]), comparison(delta(improved=0, degraded=6)), gates=GATE_PCT)
    assert decision.gate_failures == ("accuracy got worse by 8.0% (gate: at most 5%): 6 of 12 worse, p = 0.016",)
    assert decision.gates_hit == ("accuracy",)


def test_a_noise_aware_gate_within_noise_is_a_warning_not_a_failure() -> None:
    decision = judge(summary(), comparison(delta()), gates=NOISE_AWARE)
    assert decision.warnings == (
        "accuracy got worse by 8.0% (gate: at most 5%): 5 of 12 worse, p = 0.5, not significant, so not failed"
        " (significant: true)",
    )


def test_a_tolerated_failure_is_said() -> None:
    decision = judge(summary(IDS[2:], IDS[:2]), comparison(delta()), policy=VerdictConfig(allow_failed=2))
    assert decision.warnings == ("2 of 12 datapoint(s) failed, within the tolerance (verdict.allow_failed: 2)",)


def test_a_tolerated_evaluator_error_on_an_unjudged_metric_is_a_warning() -> None:
    errors = {"tone": EvaluatorErrors(3, "KeyError: 'answer'")}
    decision = judge(summary(), comparison(delta()), errors=errors, policy=TOLERANT)
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


def legacy_summary(passed: Sequence[str], failed: Sequence[str], values: int) -> ExperimentResultSummary:
    """A summary without id lists: ``accuracy`` has ``values`` values."""
    body = summary(passed, failed, metrics={"accuracy": None})
    return ExperimentResultSummary.from_wire(
        {
            **body.model_dump(),
            "metrics": {"details": [{"metric_name": "accuracy", "aggregate": 1.0, "values": [1.0] * values}]},
        },
        run_id="r",
    )


UNRECORDED: list[tuple[str, ExperimentResultSummary, dict[str, int]]] = [
    # (rule, result, missing) with LOST (EXT-10, EXT-11) never recorded: the backend passed their sessions
    ("only the unrecorded ones lack it", summary(metrics={"accuracy": IDS[:10]}), {}),
    ("one more lacks it", summary(metrics={"accuracy": IDS[:9]}), {"accuracy": 1}),
    ("legacy: a value for every recorded datapoint", legacy_summary(IDS, [], 10), {}),
]


@pytest.mark.parametrize(("rule", "result", "expected"), UNRECORDED, ids=[c[0] for c in UNRECORDED])
def test_unchecked_metrics_leave_out_the_datapoints_the_backend_never_recorded(
    rule: str, result: ExperimentResultSummary, expected: dict[str, int]
) -> None:
    assert unchecked_metrics(result, ["accuracy"], LOST) == expected


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
    assert unchecked_metrics(legacy_summary(passed, failed, values), ["accuracy"]) == expected


def minimal_summary(
    passed: Sequence[str], failed: Sequence[str], rows: dict[str, Any], *details: dict[str, Any]
) -> ExperimentResultSummary:
    """A summary whose ``accuracy`` details are the spec's minimal one (``metric_name`` only), each with the fields of
    ``details`` added (none: one detail), and a row for each of ``rows``' ids holding ``accuracy`` with its value
    there (``None``: a row with no metric; a tuple: another metric's value)."""

    def row(key: str, value: Any) -> dict[str, Any]:
        name, value = ("other", value[0]) if isinstance(value, tuple) else ("accuracy", value)
        held = [] if value is None else [{"name": name, "event_name": "answer", "value": value}]
        return {"datapoint_id": key, "session_id": f"s-{key}", "passed": key in passed, "metrics": held}

    return ExperimentResultSummary.from_wire(
        {
            **summary(passed, failed).model_dump(),
            "metrics": {"details": [{"metric_name": "accuracy", **detail} for detail in details or ({},)]},
            "datapoints": [row(key, value) for key, value in rows.items()],
        },
        run_id="r",
    )


VALUED = dict.fromkeys(IDS, 0.9)
BUT_ONE = {**VALUED, "EXT-0": None}
MINIMAL: list[tuple[str, ExperimentResultSummary, Container[str], dict[str, set[str]], dict[str, int]]] = [
    # (rule, result, unrecorded, partly missing, missing): details with neither id lists nor values count the rows
    ("every row holds a value", minimal_summary(IDS, [], VALUED), (), {}, {}),
    ("a row without it lacks it", minimal_summary(IDS, [], {**BUT_ONE, "EXT-3": (0.9,)}), (), {}, {"accuracy": 2}),
    ("a row left out lacks it", minimal_summary(IDS, [], dict.fromkeys(IDS[:9], 0.9)), (), {}, {"accuracy": 3}),
    ("a bool is a value, false too", minimal_summary(IDS, [], {**VALUED, "EXT-0": False}), (), {}, {}),
    ("a string is none", minimal_summary(IDS, [], {**VALUED, "EXT-0": "x"}), (), {}, {"accuracy": 1}),
    (
        "a failed datapoint's row does not count",
        minimal_summary(IDS[:8], IDS[8:], dict.fromkeys(IDS[:8], 1)),
        (),
        {},
        {},
    ),
    ("an unrecorded datapoint's does not", minimal_summary(IDS, [], dict.fromkeys(IDS[:10], 1)), LOST, {}, {}),
    (
        "one missing in some trials counts",
        minimal_summary(IDS, [], VALUED),
        (),
        {"accuracy": {"EXT-0"}},
        {"accuracy": 1},
    ),
    ("no row holds any metric: nothing tells", minimal_summary(IDS, [], dict.fromkeys(IDS)), (), {}, {}),
    ("no rows at all: nothing tells", minimal_summary(IDS, [], {}), (), {}, {}),
    (
        "rows of other metrics only: they tell",
        minimal_summary(IDS, [], dict.fromkeys(IDS, (1,))),
        (),
        {},
        {"accuracy": 12},
    ),
    ("an aggregate alone tells nothing", minimal_summary(IDS, [], {}, {"aggregate": 0.9}), (), {}, {}),
    (
        "values said (legacy): counted, not the rows",
        minimal_summary(IDS, [], VALUED, {"values": [1] * 7}),
        (),
        {},
        {"accuracy": 5},
    ),
    (
        "id lists said: they count, not the rows",
        minimal_summary(IDS, [], VALUED, {"datapoints": {"passed": IDS[:9]}}),
        (),
        {},
        {"accuracy": 3},
    ),
    (
        "one event's detail with id lists, another's with neither: the rows count",
        minimal_summary(IDS, [], BUT_ONE, {"event_name": "a", "datapoints": {"passed": IDS}}, {"event_name": "b"}),
        (),
        {},
        {"accuracy": 1},
    ),
    (
        "one event's detail with values, another's with neither: the values count",
        minimal_summary(IDS, [], VALUED, {"event_name": "a", "values": [1] * 7}, {"event_name": "b"}),
        (),
        {},
        {"accuracy": 5},
    ),
    (
        "both with values, one with id lists: the values count",
        minimal_summary(
            IDS,
            [],
            BUT_ONE,
            {"event_name": "a", "values": [1] * 12, "datapoints": {"passed": IDS}},
            {"event_name": "b", "values": []},
        ),
        (),
        {},
        {},
    ),
]


@pytest.mark.parametrize(("rule", "result", "unrecorded", "partly", "expected"), MINIMAL, ids=[c[0] for c in MINIMAL])
def test_unchecked_metrics_of_details_without_ids_or_values_count_the_rows(
    rule: str,
    result: ExperimentResultSummary,
    unrecorded: Container[str],
    partly: dict[str, set[str]],
    expected: dict[str, int],
) -> None:
    """The spec's MetricDetail requires only ``metric_name``: a summary without ``values`` or id lists while every row
    held its value read "no value on 12" (values counted as none). The rows count then; none holding a metric, nothing
    is said."""
    assert unchecked_metrics(result, ["accuracy"], unrecorded, partly) == expected


# ------------------------------------------------------------------ trials: a value missing in some trials only
# The backend's value of a datapoint with trials is the mean of the trials that produced one: a trial without a
# value went unchecked, and the run passed silently. The rule without trials holds per trial.


def _trial(datapoint: int, trial: int, status: OutcomeStatus = OutcomeStatus.OK, **metrics: Any) -> DatapointOutcome:
    return DatapointOutcome(datapoint, f"dp{datapoint}", f"s{datapoint}-{trial}", status, metrics=metrics, trial=trial)


RAN_OUT = OutcomeStatus.TIMEOUT
PARTLY: list[tuple[str, list[DatapointOutcome], list[str], dict[str, dict[str, tuple[int, int]]]]] = [
    # (rule, outcomes, metrics, per metric the datapoints without a value in some trials: (those trials, its trials))
    (
        "nothing on 2 of 3 trials",
        [_trial(0, 0, s=1.0), _trial(0, 1), _trial(0, 2, s=None), _trial(1, 0, s=1.0), _trial(1, 1, s=0.0)],
        ["s"],
        {"s": {"dp0": (2, 3)}},
    ),
    ("a string is no value", [_trial(0, 0, s=1), _trial(0, 1, s="x")], ["s"], {"s": {"dp0": (1, 2)}}),
    ("a bool is one, false too", [_trial(0, 0, s=True), _trial(0, 1, s=False)], ["s"], {}),
    ("no value in any trial: the backend has none either", [_trial(0, 0), _trial(0, 1, s="x")], ["s"], {}),
    (
        "a trial whose function did not return ran no evaluator: not counted, but one of its trials",
        [_trial(0, 0, s=1.0), _trial(0, 1, RAN_OUT), _trial(0, 2), _trial(1, 0, s=1.0), _trial(1, 1, RAN_OUT)],
        ["s"],
        {"s": {"dp0": (1, 3)}},
    ),
    ("without trials: none", [_trial(0, 0, s=1.0), _trial(1, 0)], ["s"], {}),
    (
        "each metric asked about, once",
        [_trial(0, 0, s=1.0, t=1.0, u=1.0), _trial(0, 1, t=1.0)],
        ["s", "t", "s"],
        {"s": {"dp0": (1, 2)}},
    ),
    ("no metric asked about", [_trial(0, 0, s=1.0), _trial(0, 1)], [], {}),
]


@pytest.mark.parametrize(("rule", "outcomes", "metrics", "expected"), PARTLY, ids=[c[0] for c in PARTLY])
def test_partly_missing_are_the_datapoints_whose_trials_disagree_on_having_a_value(
    rule: str, outcomes: list[DatapointOutcome], metrics: list[str], expected: dict[str, dict[str, tuple[int, int]]]
) -> None:
    assert partly_missing(outcomes, metrics) == expected


PARTLY_UNCHECKED: list[tuple[str, ExperimentResultSummary, dict[str, set[str]], Sequence[str], dict[str, int]]] = [
    # (rule, result, partly missing, unrecorded, missing): the backend has a value (a mean) for those datapoints
    ("one missing in some trials counts", summary(), {"accuracy": {"EXT-0"}}, (), {"accuracy": 1}),
    ("another metric's do not", summary(), {"judge": {"EXT-0"}}, (), {}),
    ("a failed datapoint's do not", summary(IDS[:6], IDS[6:]), {"accuracy": {"EXT-7"}}, (), {}),
    ("an unrecorded datapoint's do not", summary(), {"accuracy": {"EXT-10"}}, LOST, {}),
    (
        "beside those without any value, each once",
        summary(metrics={"accuracy": IDS[:10]}),
        {"accuracy": {"EXT-0", "EXT-11"}},
        (),
        {"accuracy": 3},
    ),
    ("legacy: added to the values missing", legacy_summary(IDS, [], 10), {"accuracy": {"EXT-0"}}, (), {"accuracy": 3}),
    ("legacy: a value for every datapoint", legacy_summary(IDS, [], 12), {"accuracy": {"EXT-0"}}, (), {"accuracy": 1}),
    ("legacy: a failed datapoint's do not", legacy_summary(IDS[:8], IDS[8:], 12), {"accuracy": {"EXT-9"}}, (), {}),
    (
        "legacy: never more than the datapoints the backend passed",
        legacy_summary(IDS[:3], IDS[3:], 11),
        {"accuracy": {"EXT-0", "EXT-1", "EXT-2"}},
        (),
        {"accuracy": 3},
    ),
]


@pytest.mark.parametrize(
    ("rule", "result", "partly", "unrecorded", "expected"), PARTLY_UNCHECKED, ids=[c[0] for c in PARTLY_UNCHECKED]
)
def test_unchecked_metrics_count_the_datapoints_without_a_value_in_some_trials(
    rule: str,
    result: ExperimentResultSummary,
    partly: dict[str, set[str]],
    unrecorded: Sequence[str],
    expected: dict[str, int],
) -> None:
    assert unchecked_metrics(result, ["accuracy"], unrecorded, partly) == expected


NOTHING = "its evaluator returned nothing for them"
ONE_TRIAL = {"EXT-3": (2, 3)}
FLAKED = {"accuracy": EvaluatorErrors(1, "ValueError: judge flaked", 12)}
UNPRICED = "their LLM calls had no price or token usage, or they made none the run could see, so it was not checked"
TRIALS: list[tuple[str, Callable[[], Decision], Verdict, tuple[str, ...], tuple[str, ...]]] = [
    # (rule, decision, verdict, reasons, warnings), each exact
    (
        "a ranged metric without a value in 2 of one datapoint's 3 trials fails, in the words without trials",
        lambda: decide(
            summary(), None, ranged=["accuracy"], facts=Facts(partly={"accuracy": ONE_TRIAL}, produced=EVALUATED)
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 1 of the datapoints the backend passed (in 2 of its 3"
            f" trials): {NOTHING}",
        ),
        (),
    ),
    (
        "several: in some of their trials",
        lambda: decide(
            summary(),
            None,
            ranged=["accuracy"],
            facts=Facts(partly={"accuracy": {**ONE_TRIAL, "EXT-4": (1, 3)}}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 2 of the datapoints the backend passed (in some of their"
            f" trials): {NOTHING}",
        ),
        (),
    ),
    (
        "beside a datapoint without any value: which of them",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:11]}),
            None,
            ranged=["accuracy"],
            facts=Facts(partly={"accuracy": ONE_TRIAL}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 2 of the datapoints the backend passed (1 of them in 2 of"
            f" its 3 trials): {NOTHING}",
        ),
        (),
    ),
    (
        "several beside one without any value",
        lambda: decide(
            summary(metrics={"accuracy": IDS[:11]}),
            None,
            ranged=["accuracy"],
            facts=Facts(partly={"accuracy": {**ONE_TRIAL, "EXT-4": (1, 3)}}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 3 of the datapoints the backend passed (2 of them in some"
            f" of their trials): {NOTHING}",
        ),
        (),
    ),
    (
        "a failed datapoint's trials are not said",
        lambda: decide(
            summary(IDS[1:], IDS[:1], metrics={"accuracy": IDS[:11]}),
            None,
            ranged=["accuracy"],
            facts=Facts(partly={"accuracy": {"EXT-0": (1, 3)}}, produced=EVALUATED),
        ),
        Verdict.FAIL,
        (
            f"accuracy has a passing range but no value on 1 of the datapoints the backend passed: {NOTHING}",
            "1 datapoint(s) failed their passing ranges",
        ),
        (),
    ),
    (
        "another metric's trials change nothing",
        lambda: decide(summary(), None, ranged=["accuracy"], facts=Facts(partly={"judge": ONE_TRIAL}), compare=False),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a gated metric too",
        lambda: judge(
            summary(), comparison(delta(difference=0.0, pct=0.0)), gates=GATE_PCT, partly={"accuracy": ONE_TRIAL}
        ),
        Verdict.FAIL,
        (
            "accuracy has a gate but no value on 1 of the datapoints the backend passed (in 2 of its 3 trials):"
            f" {NOTHING}",
        ),
        (),
    ),
    (
        "an evaluator raising in some trials is blamed, whatever allow_evaluator_errors tolerates",
        lambda: judge(summary(), ranged=["accuracy"], errors=FLAKED, policy=TOLERANT, partly={"accuracy": ONE_TRIAL}),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 1 of the datapoints the backend passed (in 2 of its 3"
            " trials): evaluator accuracy raised on 1 datapoint(s) (ValueError: judge flaked)",
        ),
        (),
    ),
    (
        "a string in some trials",
        lambda: decide(
            summary(),
            None,
            ranged=["accuracy"],
            facts=Facts(partly={"accuracy": ONE_TRIAL}, strings={"accuracy": "no"}),
        ),
        Verdict.FAIL,
        (
            "accuracy has a passing range but no value on 1 of the datapoints the backend passed (in 2 of its 3"
            " trials): its evaluator returned a string ('no'); a passing range needs a number or a bool",
        ),
        (),
    ),
    (
        "an efficiency metric without a value in some trials is a warning, as on some datapoints",
        lambda: decide(
            summary(metrics={"cost_usd": IDS}),
            None,
            ranged=["cost_usd"],
            facts=Facts(partly={"cost_usd": ONE_TRIAL}),
            compare=False,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "cost_usd has a passing range but no value on 1 of the datapoints the backend passed (in 2 of its 3"
            f" trials): {UNPRICED} there",
        ),
    ),
    (
        "an efficiency metric in some trials of one datapoint and none of the others: a warning, not 'on any'",
        lambda: decide(
            summary(metrics={"cost_usd": IDS[3:4]}),
            None,
            ranged=["cost_usd"],
            facts=Facts(partly={"cost_usd": ONE_TRIAL}),
            compare=False,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "cost_usd has a passing range but no value on 12 of the datapoints the backend passed (1 of them in 2 of"
            f" its 3 trials): {UNPRICED} there",
        ),
    ),
]


@pytest.mark.parametrize(("rule", "decide_it", "verdict", "reasons", "warnings"), TRIALS, ids=[c[0] for c in TRIALS])
def test_a_value_missing_in_some_trials_is_judged_as_one_missing_without_trials(
    rule: str,
    decide_it: Callable[[], Decision],
    verdict: Verdict,
    reasons: tuple[str, ...],
    warnings: tuple[str, ...],
) -> None:
    decision = decide_it()
    assert (decision.verdict, decision.reasons, decision.warnings) == (verdict, reasons, warnings)


def test_string_values_are_the_first_string_of_each_judged_metric() -> None:
    def outcome(index: int, **metrics: Any) -> DatapointOutcome:
        return DatapointOutcome(index, f"dp{index}", f"s{index}", OutcomeStatus.OK, metrics=metrics)

    outcomes = [outcome(0, verdict=1.0, label="A"), outcome(1, verdict="FAIL"), outcome(2, verdict="PASS", n=2)]
    assert string_values(outcomes, ["verdict", "n", "gone"]) == {"verdict": "FAIL"}  # only judged metrics
    assert string_values(outcomes, []) == {}
    assert string_values([], ["verdict"]) == {}


def _gave(index: int, trial: int = 0, status: OutcomeStatus = OutcomeStatus.OK, **said: str) -> DatapointOutcome:
    """Datapoint ``index``'s outcome whose evaluators gave no metric, why (:data:`RETURNED_NONE`, a dict's words, or
    ``"raised"``: an error instead)."""
    failures = tuple(EvaluatorFailure(name, "KeyError: 'x'") for name, why in said.items() if why == "raised")
    no_metric = {name: why for name, why in said.items() if why != "raised"}
    return DatapointOutcome(
        index, f"dp{index}", f"s{index}-{trial}", status, evaluator_failures=failures, no_metric=no_metric, trial=trial
    )


NONE = RETURNED_NONE
NO_SCORE = "returned a dict with no 'score' (keys: 'value')"


def _nothing(where: str, others: str = "") -> str:
    return f"evaluator 'q' returned None on {where}{others}, so it produced no metric: does it end without a return?"


RETURNED_NONE_TABLE: list[tuple[str, list[DatapointOutcome], list[str]]] = [
    # (rule, outcomes, warnings): an evaluator with a forgotten return passed silently, its metric gone
    (
        "None on every datapoint: said",
        [_gave(i, q=NONE) for i in range(3)],
        [_nothing("every datapoint it ran on (3)")],
    ),
    ("None on some only: how an evaluator skips a datapoint", [_gave(0, q=NONE), _gave(1)], []),
    (
        "None on some, an error on the others: still no metric at all",
        [_gave(0, q=NONE), _gave(1, q="raised"), _gave(2, q="raised")],
        [_nothing("1 of the 3 datapoints it ran on", " and errored on the others")],
    ),
    ("an error everywhere and never None: the errors say it", [_gave(0, q="raised"), _gave(1, q="raised")], []),
    (
        "a datapoint whose function failed ran no evaluator",
        [_gave(0, q=NONE), _gave(1, status=OutcomeStatus.FUNCTION_ERROR)],
        [_nothing("every datapoint it ran on (1)")],
    ),
    ("a dict without a score is no None", [_gave(0, q=NONE), _gave(1, q=NO_SCORE)], []),
    ("trials: a value in one trial of a datapoint", [_gave(0, 0, q=NONE), _gave(0, 1), _gave(1, 0, q=NONE)], []),
    (
        "trials: None in every trial, the datapoints counted once",
        [_gave(d, t, q=NONE) for d in range(2) for t in range(3)],
        [_nothing("every datapoint it ran on (2)")],
    ),
    ("nothing ran", [], []),
    (
        "each evaluator on its own: one skipping some datapoints, another returning None on all",
        [_gave(0, a=NONE, q=NONE), _gave(1, q=NONE)],
        [_nothing("every datapoint it ran on (2)")],
    ),
]


@pytest.mark.parametrize(("rule", "outcomes", "warnings"), RETURNED_NONE_TABLE, ids=[c[0] for c in RETURNED_NONE_TABLE])
def test_returned_none_is_an_evaluator_without_a_metric_on_any_datapoint(
    rule: str, outcomes: list[DatapointOutcome], warnings: list[str]
) -> None:
    assert list(returned_none(outcomes).values()) == warnings
    assert list(returned_none(outcomes)) == ["q"] * len(warnings)  # by evaluator


def test_evaluator_warnings_say_a_dict_without_a_score_once_in_its_first_words_then_the_nones() -> None:
    outcomes = [
        _gave(0, q=NONE, judge=NO_SCORE),
        _gave(1, q=NONE, judge=NO_SCORE + ", again", grader="returned a dict with 'score': None"),
        _gave(2, q=NONE),
    ]
    assert evaluator_warnings(outcomes) == [
        f"evaluator 'judge' {NO_SCORE}",
        "evaluator 'grader' returned a dict with 'score': None",
        _nothing("every datapoint it ran on (3)"),
    ]
    assert evaluator_warnings(iter(outcomes)) == evaluator_warnings(outcomes)  # read once: an iterator too
    assert evaluator_warnings([_gave(0, q=NONE), _gave(1)]) == []


FORGOT_Q = (
    "q has a passing range but no value: its evaluator 'q' returned None on every datapoint it ran on (a forgotten"
    " return?)"
)


@pytest.mark.parametrize(
    ("reasons", "said"),
    [
        ((), True),
        ((FORGOT_Q,), False),  # its judged metric's reason says it
        (("3 datapoint(s) failed",), True),  # a reason that names no evaluator: the warning is the only word of it
        ((FORGOT_Q.replace("'q'", "'qq'"),), True),  # another evaluator's forgotten return
        ((FORGOT_Q.replace("'q'", "'q_x'"),), True),  # a name q is a prefix of
        (("other", FORGOT_Q), False),
    ],
)
def test_an_evaluators_forgotten_return_a_reason_says_is_not_said_again_as_a_warning(
    reasons: tuple[str, ...], said: bool
) -> None:
    outcomes = [_gave(0, q=NONE, judge=NO_SCORE), _gave(1, q=NONE)]
    nothing = _nothing("every datapoint it ran on (2)")
    assert evaluator_warnings(outcomes, reasons) == [f"evaluator 'judge' {NO_SCORE}", *([nothing] if said else [])]


def _text(index: int, trial: int = 0, status: OutcomeStatus = OutcomeStatus.OK, **metrics: Any) -> DatapointOutcome:
    """Datapoint ``index``'s outcome with these metrics; an evaluator's value ``NONE`` (returned None), ``"raised"``
    (an error instead) or ``NO_SCORE`` (a dict without a score) gives it no metric."""
    said = {name: value for name, value in metrics.items() if value in (NONE, "raised", NO_SCORE)}
    outcome = _gave(index, trial, status, **said)
    kept = {name: value for name, value in metrics.items() if name not in said}
    return dataclasses.replace(outcome, metrics=kept)


ADVICE = "return a number or a bool, or a dict with the number as 'score' and the text as 'explanation'"
FLOAT = "return the number itself, not its text (`float(x)`), as a dict's 'score' too"


def _string(where: str, shown: str = ", such as 'PASS'", advice: str = ADVICE) -> str:
    return (
        f"evaluator 'q' returned a string on {where}{shown}, so it produced no metric: only numbers and booleans are"
        f" metrics; {advice}"
    )


STRING_Q = (
    "q has a passing range but no value on 2 of the datapoints the backend passed: its evaluator returned a string"
)
RETURNED_STRING_TABLE: list[tuple[str, list[DatapointOutcome], tuple[str, ...], list[str]]] = [
    # (rule, outcomes, reasons, warnings) of evaluators q and judge: a string on every datapoint, and no range or gate
    # on it, left the run without a word: exit 0, no warning, no row in the table
    (
        "a string on every datapoint: said, with the first",
        [_text(0, q="PASS"), _text(1, q="FAIL")],
        (),
        [_string("every datapoint it ran on (2)")],
    ),
    ("a number on one: its row in the table says it", [_text(0, q="PASS"), _text(1, q=0.5)], (), []),
    ("a bool on one: a metric too", [_text(0, q="PASS"), _text(1, q=False)], (), []),
    ("numbers only", [_text(0, q=1), _text(1, q=0.0)], (), []),
    (
        "a string on some, None or an error on the others: still no metric at all",
        [_text(0, q=NONE), _text(1, q="PASS"), _text(2, q="raised")],
        (),
        [_string("1 of the 3 datapoints it ran on and no metric on the others")],
    ),
    (
        "None everywhere: the None warning's, not this",
        [_text(0, q=NONE)],
        (),
        [_nothing("every datapoint it ran on (1)")],
    ),
    (
        "a dict's explanation beside a numeric score: the explanation feature, no warning",
        [_text(0, q=0.8, q_explanation="fine"), _text(1, q=0.2, q_explanation="poor")],
        (),
        [],
    ),
    (
        "a dict whose score is a string: said, its explanation aside",
        [_text(0, q="PASS", q_explanation="fine")],
        (),
        [_string("every datapoint it ran on (1)")],
    ),
    (
        "a dict without a score, a string of another key: the dict's words only",
        [_text(0, judge=NO_SCORE, judge_label="good", judge_grounded=1.0)],
        (),
        [f"evaluator 'judge' {NO_SCORE}"],
    ),
    ("a string no evaluator is named for (a span's): none of theirs", [_text(0, grade="A")], (), []),
    ("a string-valued metric with a passing range: its reason says it", [_text(0, q="PASS")], (STRING_Q,), []),
    (
        "another metric's reason: said",
        [_text(0, q="PASS")],
        (STRING_Q.replace("q has", "qq has"), "q_x has a gate but no value"),
        [_string("every datapoint it ran on (1)")],
    ),
    (
        "trials: a string in every trial, the datapoints counted once",
        [_text(d, t, q="PASS") for d in range(2) for t in range(3)],
        (),
        [_string("every datapoint it ran on (2)")],
    ),
    ("trials: a number in one trial", [_text(0, 0, q="PASS"), _text(0, 1, q=1.0)], (), []),
    (
        "a datapoint whose function failed ran no evaluator",
        [_text(0, q="PASS"), _text(1, status=OutcomeStatus.FUNCTION_ERROR)],
        (),
        [_string("every datapoint it ran on (1)")],
    ),
    (
        "read back from HoneyHive: a string without its text",
        [_text(0, q=""), _text(1, q="")],
        (),
        [_string("every datapoint it ran on (2)", "")],
    ),
    (
        "a long string of one word: none of it (a secret cut short would escape redaction)",
        [_text(0, q="x" * 41)],
        (),
        [_string("every datapoint it ran on (1)", ", such as '…'")],
    ),
    (
        "a long sentence: its whole words within 40 characters",
        [_text(0, q="the quick brown fox jumps over the lazy dog")],
        (),
        [_string("every datapoint it ran on (1)", ", such as 'the quick brown fox jumps over the lazy…'")],
    ),
    (
        "a string of exactly 40 characters: whole",
        [_text(0, q="x" * 40)],
        (),
        [_string("every datapoint it ran on (1)", f", such as '{'x' * 40}'")],
    ),
    (
        "the evaluator named first has numbers: the next one is still looked at",
        [_text(0, judge=0.5, q="PASS")],
        (),
        [_string("every datapoint it ran on (1)")],
    ),
    (
        "a number as a string (audit80): return the number, not 'a dict with the number'",
        [_text(0, q="0.7"), _text(1, q="12")],
        (),
        [_string("every datapoint it ran on (2)", ", such as '0.7'", FLOAT)],
    ),
    (
        "a number as a string beside words (audit86 F5): float() would raise on the words, so the general advice",
        [_text(0, q="0.7"), _text(1, q="PASS")],
        (),
        [_string("every datapoint it ran on (2)", ", such as '0.7'")],
    ),
    (
        "a dict whose score is a number as a string, written as float() reads it",
        [_text(0, q=" -1e-3", q_explanation="fine")],
        (),
        [_string("every datapoint it ran on (1)", ", such as '-1e-3'", FLOAT)],
    ),
    (
        "'nan' is no metric as a number either",
        [_text(0, q="nan")],
        (),
        [_string("every datapoint it ran on (1)", ", such as 'nan'")],
    ),
    ("'inf' neither", [_text(0, q="inf")], (), [_string("every datapoint it ran on (1)", ", such as 'inf'")]),
    ("nothing ran", [], (), []),
]


@pytest.mark.parametrize(
    ("rule", "outcomes", "reasons", "warnings"), RETURNED_STRING_TABLE, ids=[c[0] for c in RETURNED_STRING_TABLE]
)
def test_evaluator_warnings_say_an_evaluator_whose_metric_is_a_string_on_every_datapoint(
    rule: str, outcomes: list[DatapointOutcome], reasons: tuple[str, ...], warnings: list[str]
) -> None:
    assert evaluator_warnings(outcomes, reasons, ["judge", "q"]) == warnings
    assert evaluator_warnings(outcomes, reasons) == [w for w in warnings if "returned a string" not in w]  # by name


BASELINE_ONLY = "has no value in this run, though the baseline has one (0.5): "
STILL = "its evaluator {!r} is still configured, but recorded it on no datapoint"
NO_VALUES: list[tuple[str, RunComparisonResult | None, list[str], list[str], list[str], list[str]]] = [
    # (rule, comparison, evaluators, other_metrics, judged, warnings): the row read "not in this run", and no word
    (
        "its evaluator still configured: said",
        comparison(delta(), only("old", "quality")),
        ["accuracy", "quality"],
        [],
        [],
        ["quality " + BASELINE_ONLY + STILL.format("quality")],
    ),
    (
        "a dict's metric: the longest evaluator name it starts with",
        comparison(only("old", "rubric_grounded_score")),
        ["rubric", "rubric_grounded"],
        [],
        [],
        ["rubric_grounded_score " + BASELINE_ONLY + STILL.format("rubric_grounded")],
    ),
    (
        "a metric the function records (other_metrics)",
        comparison(only("old", "latency")),
        ["latency_judge"],
        ["latency"],
        [],
        ["latency " + BASELINE_ONLY + "it is in other_metrics, but nothing recorded it on any datapoint"],
    ),
    ("its evaluator gone from the experiment: the row says so", comparison(only("old")), ["other"], [], [], []),
    (
        "one gone, one still configured",
        comparison(only("old", "gone"), only("old", "quality")),
        ["quality"],
        [],
        [],
        ["quality " + BASELINE_ONLY + STILL.format("quality")],
    ),
    ("a ranged or gated one is a reason already", comparison(only("old")), ["accuracy"], [], ["accuracy"], []),
    ("a value on another event", comparison(only("old"), only("new", event="respond")), ["accuracy"], [], [], []),
    (
        "once per metric, over its events",
        comparison(only("old"), only("old", event="respond")),
        ["accuracy"],
        [],
        [],
        ["accuracy " + BASELINE_ONLY + STILL.format("accuracy")],
    ),
    ("both runs have it", comparison(delta()), ["accuracy"], [], [], []),
    ("a new metric", comparison(only("new")), ["accuracy"], [], [], []),
    ("no baseline", None, ["accuracy"], [], [], []),
]


@pytest.mark.parametrize(
    ("rule", "compared", "evaluators", "declared", "judged", "warnings"), NO_VALUES, ids=[c[0] for c in NO_VALUES]
)
def test_no_values_are_the_baselines_metrics_this_run_recorded_nowhere(
    rule: str,
    compared: RunComparisonResult | None,
    evaluators: list[str],
    declared: list[str],
    judged: list[str],
    warnings: list[str],
) -> None:
    assert no_values(compared, iter(evaluators), declared, judged) == warnings


def _old(value: float, values: list[Any] | None = None, name: str = "quality") -> RunComparisonResult:
    """A comparison whose baseline alone has ``name``: its aggregate ``value`` (of ``values``)."""
    return comparison({"metric_name": name, "event_name": "answer", "old_aggregate": value, "old_values": values})


STILL_QUALITY = ": " + STILL.format("quality")
WORDS = {"quality": MetricConfig(label="Answer length (words)", format=".1f")}
SHOWN: list[tuple[str, RunComparisonResult, dict[str, Any], list[str]]] = [
    # (rule, comparison, no_values' other arguments, warnings): the raw name and :g (12.8182), a .0% metric's 1, and
    # said beside the returned-None warning of the same evaluator
    (
        "its label, its value in its format, as the table shows them",
        _old(12.8182),
        {"presentation": WORDS},
        ["Answer length (words) has no value in this run, though the baseline has one (12.8)" + STILL_QUALITY],
    ),
    (
        "a percentage format",
        _old(1.0),
        {"presentation": {"quality": MetricConfig(format=".0%")}},
        ["quality has no value in this run, though the baseline has one (100%)" + STILL_QUALITY],
    ),
    (
        "no format: about three significant digits",
        _old(12.8182),
        {},
        ["quality has no value in this run, though the baseline has one (12.8)" + STILL_QUALITY],
    ),
    (
        "booleans averaged, no format: a pass rate, in percent",
        _old(0.5, [True, False]),
        {"aggregation": "average"},
        ["quality has no value in this run, though the baseline has one (50.0%)" + STILL_QUALITY],
    ),
    (
        "booleans summed: a count",
        _old(1.0, [True, False]),
        {"aggregation": "sum"},
        ["quality has no value in this run, though the baseline has one (1)" + STILL_QUALITY],
    ),
    (
        "a format wins over a pass rate",
        _old(0.5, [True, False]),
        {"presentation": {"quality": MetricConfig(format=".2f")}},
        ["quality has no value in this run, though the baseline has one (0.50)" + STILL_QUALITY],
    ),
    (
        "its evaluator returned None on every datapoint: that warning says it",
        _old(0.5),
        {"none_everywhere": ["quality"]},
        [],
    ),
    (
        "the metrics after it are still said",
        comparison(only("old", "accuracy"), only("old", "quality")),
        {"none_everywhere": ["accuracy"]},
        ["quality " + BASELINE_ONLY + STILL.format("quality")],
    ),
    (
        "another evaluator's None changes nothing",
        _old(0.5),
        {"none_everywhere": ["accuracy"]},
        ["quality " + BASELINE_ONLY + STILL.format("quality")],
    ),
]


@pytest.mark.parametrize(("rule", "compared", "arguments", "warnings"), SHOWN, ids=[c[0] for c in SHOWN])
def test_no_values_name_the_metric_and_its_value_as_the_table_shows_them_once_per_cause(
    rule: str, compared: RunComparisonResult, arguments: dict[str, Any], warnings: list[str]
) -> None:
    assert no_values(compared, ["accuracy", "quality"], **arguments) == warnings


def test_crashes_groups_the_functions_errors_by_exception_and_line() -> None:
    def crashed(i: int, status: OutcomeStatus, error: str | None, trial: int = 0) -> DatapointOutcome:
        return DatapointOutcome(i, f"EXT-{i}", f"s{i}-{trial}", status, error=error, trial=trial)

    outcomes = [
        crashed(0, OutcomeStatus.FUNCTION_ERROR, "KeyError at app.py:61: 'price_table'"),
        crashed(1, OutcomeStatus.TIMEOUT, timeout_error(10)),
        crashed(2, OutcomeStatus.FUNCTION_ERROR, "KeyError at app.py:61: 'other'"),  # the first one's message is said
        crashed(2, OutcomeStatus.FUNCTION_ERROR, "KeyError at app.py:61: 'other'", trial=1),  # a datapoint once
        crashed(3, OutcomeStatus.FUNCTION_ERROR, "ValueError: bad key " + "x" * 41),  # no place known; cut by words
        crashed(4, OutcomeStatus.FUNCTION_ERROR, "TypeError: " + "y" * 40),  # 40 characters: whole
        crashed(5, OutcomeStatus.FUNCTION_ERROR, "StopIteration at app.py:3"),  # no message
        crashed(6, OutcomeStatus.TIMEOUT, "timed out after 5 s waiting for the event loop"),  # an older run's
        crashed(7, OutcomeStatus.OK, None),
        crashed(8, OutcomeStatus.BACKEND_ERROR, "session not started: HTTP 500"),  # never recorded: another reason
        crashed(9, OutcomeStatus.FUNCTION_ERROR, None),
    ]
    assert crashes(outcomes, {"EXT-0": "q.jsonl:1", "EXT-1": "q.jsonl:2"}) == {
        "KeyError at app.py:61": ("'price_table'", {"EXT-0": "q.jsonl:1", "EXT-2": "EXT-2"}),
        "timeout": ("did not return within 10 s", {"EXT-1": "q.jsonl:2", "EXT-6": "EXT-6"}),
        "ValueError": ("bad key…", {"EXT-3": "EXT-3"}),  # never part of a word: a secret cut short escapes redaction
        "TypeError": ("y" * 40, {"EXT-4": "EXT-4"}),
        "StopIteration at app.py:3": ("", {"EXT-5": "EXT-5"}),
    }
    assert crashes([], {}) == {}


def test_facts_are_what_the_verdict_reads_from_the_outcomes_once() -> None:
    def ran(index: int, trial: int, *raised: str, **metrics: Any) -> DatapointOutcome:
        """Datapoint ``index``'s trial, on which evaluator ``q`` returned None and those ``raised`` raised."""
        failures = tuple(EvaluatorFailure(name, "E: x") for name in raised)
        return DatapointOutcome(
            index,
            f"dp{index}",
            f"s{index}-{trial}",
            OutcomeStatus.OK,
            metrics=metrics,
            evaluator_failures=failures,
            no_metric={"q": RETURNED_NONE},
            trial=trial,
        )

    outcomes = [
        ran(0, 0, r=1.0, b=True, g=1.0, h=True, e=0.5),
        ran(0, 1, "e", r="no", b=False, g=0.5, h=False),
        ran(1, 0, r=1.0, b=True, g="bad", h=True),
        ran(1, 1, r=1.0, b=True, g=1.0, h=True),
        DatapointOutcome(2, "dp2", "s2-0", OutcomeStatus.FUNCTION_ERROR, error="KeyError at app.py:1: 'k'"),
        # never recorded: each trial's error, the first kept; none said, in general words
        DatapointOutcome(3, "dp3", "s3-0", OutcomeStatus.BACKEND_ERROR, error="ApiError: session not started"),
        DatapointOutcome(3, "dp3", "s3-1", OutcomeStatus.BACKEND_ERROR, error="ApiError: spans refused", trial=1),
        DatapointOutcome(4, "dp4", "s4-0", OutcomeStatus.BACKEND_ERROR),
        # one of its trials never recorded: judged on the other, and said apart
        DatapointOutcome(5, "dp5", "s5-0", OutcomeStatus.BACKEND_ERROR, error="ApiError: spans refused"),
        ran(5, 1, r=1.0, b=True, g=1.0, h=True),
    ]
    errors = {"e": EvaluatorErrors(1, "E: x", 3, spared=1)}  # dp0's other trial gave a value
    lost = {"dp3": "ApiError: session not started", "dp4": "backend error"}
    some = {"dp5": (1, "ApiError: spans refused")}
    # ranged r and b, gated g and h: all four judged (strings, partly), the gated ones' booleans only (b is not)
    assert facts(iter(outcomes), ["r", "b"], iter(["g", "h"]), {"dp2": "q.jsonl:3"}) == Facts(
        errors=errors,
        crashed={"KeyError at app.py:1": ("'k'", {"dp2": "q.jsonl:3"})},
        strings={"r": "no", "g": "bad"},
        partly={"r": {"dp0": (1, 2)}, "g": {"dp1": (1, 2)}},
        none_everywhere=("q",),
        booleans={"h"},
        unrecorded=lost,
        lost_trials=some,
        produced=("r", "b", "g", "h", "e"),  # every name an outcome holds, a string's too, once, in order
        valued={m: {"dp0", "dp1", "dp5"} for m in "rbgh"},  # a value in some trial, of the judged ones
    )
    # without gates nor places (evaluate()'s): the ranged metrics alone judged; the crash shown by its id
    assert facts(iter(outcomes), iter(["r"])) == Facts(
        errors=errors,
        crashed={"KeyError at app.py:1": ("'k'", {"dp2": "dp2"})},
        strings={"r": "no"},
        partly={"r": {"dp0": (1, 2)}},
        none_everywhere=("q",),
        booleans=set(),
        unrecorded=lost,
        lost_trials=some,
        produced=("r", "b", "g", "h", "e"),  # every name an outcome holds, a string's too, once, in order
        valued={"r": {"dp0", "dp1", "dp5"}},
    )
    assert facts([]) == Facts(booleans=set())  # no outcome known (a run read back): evaluated, as by default
    given = DatapointOutcome(
        0, "dp0", "s0", OutcomeStatus.OK, metrics={"j": 1.0}, no_metric={"j_bonus": NONE_UNDER_KEY}
    )
    assert (facts([given]).produced, facts([given]).none_keys) == (("j", "j_bonus"), ("j_bonus",))  # a name it gives
    several = DatapointOutcome(0, "dp0", "s0", OutcomeStatus.OK, metrics={"j_a": 1.0}, no_metric={"j": DICT_OF_METRICS})
    assert facts([several, several]).dicts == ("j",)  # a dict of several metrics: its keys are its metrics, once
    billed = DatapointOutcome(0, "dp0", "s0", OutcomeStatus.OK, metrics={"cost_usd": 0.002}, replaced=("cost_usd",))
    assert facts([billed, billed]).replaced == ("cost_usd",)  # an evaluator's cost_usd: no LLM call to count
    crashed_everywhere = [DatapointOutcome(0, "dp0", "s0", OutcomeStatus.FUNCTION_ERROR, error="KeyError: 'k'")]
    assert facts(crashed_everywhere).evaluated is False  # its evaluators never ran: no metrics: key is told a typo
    worded = DatapointOutcome(0, "dp0", "s0", OutcomeStatus.OK, metrics={"s": "PASS", "t": 0, "u": None})
    assert facts([worded], ["s", "t"], ["u"]).valued == {"s": set(), "t": {"dp0"}, "u": set()}  # 0 is a value


def test_a_datapoint_none_of_whose_trials_was_recorded_is_unrecorded_and_one_that_lost_some_lost_trials() -> None:
    """The verdict said "never judged" of a datapoint that lost any trial, while the report's counts judged one that
    kept some (the backend's value is the mean of those): now each is told by the same rule as the counts."""

    def trial(index: int, number: int, status: OutcomeStatus, error: str | None = None) -> DatapointOutcome:
        return DatapointOutcome(index, f"dp{index}", f"s{index}-{number}", status, error=error, trial=number)

    lost, refused = OutcomeStatus.BACKEND_ERROR, "ApiError: spans refused"
    outcomes = [
        trial(0, 0, OutcomeStatus.OK),
        trial(0, 1, OutcomeStatus.OK),
        trial(1, 0, lost, "ApiError: session not started"),  # every trial lost: its first one's error
        trial(1, 1, lost, refused),
        trial(2, 0, OutcomeStatus.OK),  # some lost: how many, and the first one's error
        trial(2, 1, lost),
        trial(2, 2, lost, refused),
        trial(3, 0, lost, refused),
        trial(3, 1, OutcomeStatus.FUNCTION_ERROR, "KeyError: 'k'"),  # recorded: its function raised
        trial(4, 0, lost, refused),  # without trials: its one
    ]
    assert unrecorded(iter(outcomes)) == {"dp1": "ApiError: session not started", "dp4": refused}
    assert lost_trials(iter(outcomes)) == {"dp2": (2, "backend error"), "dp3": (1, refused)}
    assert unrecorded([]) == lost_trials([]) == {}


def test_evaluator_errors_counts_each_evaluator_and_keeps_its_first_error() -> None:
    def outcome(index: int, *failures: tuple[str, str]) -> DatapointOutcome:
        return DatapointOutcome(
            index,
            f"dp{index}",
            f"s{index}",
            OutcomeStatus.OK,
            evaluator_failures=tuple(EvaluatorFailure(name, error) for name, error in failures),
        )

    errored = DatapointOutcome(3, "dp3", "s3", OutcomeStatus.FUNCTION_ERROR, error="E: boom")
    outcomes = [outcome(0, ("a", "E1"), ("b", "F1")), outcome(1), outcome(2, ("a", "E2")), errored]
    # of: the datapoints the evaluators ran on (the function returned), not the one whose function raised
    assert evaluator_errors(outcomes) == {"a": EvaluatorErrors(2, "E1", 3), "b": EvaluatorErrors(1, "F1", 3)}
    assert evaluator_errors([]) == {}
    # a datapoint counts once per evaluator, however many of its values were bad (a dict with two NaNs): a raised
    # on 1 of 2 datapoints is not "every datapoint"
    twice = [outcome(0, ("a", "E: x is NaN"), ("a", "E: y is NaN")), outcome(1)]
    assert evaluator_errors(twice) == {"a": EvaluatorErrors(1, "E: x is NaN", 2)}
    assert not evaluator_errors(twice)["a"].everywhere
    # trials: a datapoint is counted once, however many of its trials raised (allow_evaluator_errors: 3 counted
    # 3 datapoints x 3 trials as 9 "datapoints", and failed the check)
    trials = [dataclasses.replace(o, trial=t) for o in (outcome(0, ("a", "E1")), outcome(1)) for t in (1, 2, 3)]
    assert evaluator_errors(trials) == {"a": EvaluatorErrors(1, "E1", 2)}
    assert evaluator_errors(trials)["a"].spared == 0  # it raised in every trial of dp0: dp0 got no value
    # audit50 f2: raised in the first trial of every datapoint (a rate limit), each one got values from the others:
    # spared, not "every datapoint"; a trial whose function raised gave none either (dp1's first)
    flaky = [
        dataclasses.replace(outcome(i, *[("a", "E1")] * (t == 1)), trial=t, metrics={"a": 0.5} if t == 2 else {})
        for i in (0, 1)
        for t in (1, 2)
    ]
    flaky[2] = dataclasses.replace(errored, datapoint_id="dp1", trial=1)
    assert evaluator_errors(flaky) == {"a": EvaluatorErrors(1, "E1", 2, spared=1)}
    assert not evaluator_errors(flaky)["a"].everywhere
    # audit53 F3: a trial spares only with a value, a number or a bool: one where it returned None, or gave a
    # string, is no value either (raised in trial 1, None in trial 2, on every datapoint: no metric at all)
    for value, spares in ((None, 0), ("good", 0), (True, 1), (0, 1)):
        gave = [dataclasses.replace(o, metrics={"a": value}) if o.trial == 2 else o for o in flaky]
        assert evaluator_errors(gave)["a"].spared == spares, value
    # audit58 #8: a dict it returned is its metrics a_<key>: a number among them spares, its explanation alone does
    # not, nor another evaluator's metric whose name only starts like it ("ab")
    # only when it returned a dict (no score: said in no_metric), and not the evaluators' LLM calls' a_cost_usd-like
    # metrics nor another evaluator's a_v2 when it returned None (audit59 F1: spared a judge that never gave a value)
    dict_said = {"a": "returned a dict with no 'score'"}
    for metrics, said, spares in (
        ({"a_relevance": 1, "a_explanation": "why"}, dict_said, 1),
        ({"a_explanation": "why"}, dict_said, 0),
        ({"a_relevance": 1}, {}, 0),
        ({"a_v2": 1}, {"a": RETURNED_NONE}, 0),
        ({"judge_llm_calls": 1, "judge_cost_usd": 0.1}, {"judge": "returned a dict with no 'score'"}, 0),
    ):
        gave = [dataclasses.replace(o, metrics=metrics, no_metric=said) if o.trial == 2 else o for o in flaky]
        renamed = ((o, tuple(EvaluatorFailure("judge", f.error) for f in o.evaluator_failures)) for o in gave)
        judged = [dataclasses.replace(o, evaluator_failures=failures) for o, failures in renamed]
        who = "judge" if "judge" in said else "a"
        assert evaluator_errors(judged if who == "judge" else gave)[who].spared == spares, metrics
    assert evaluator_errors([dataclasses.replace(o, metrics={"ab": 1}) for o in flaky])["a"].spared == 0
    nothing = [dataclasses.replace(o, metrics={}) for o in flaky]
    assert evaluator_errors(nothing) == {"a": EvaluatorErrors(1, "E1", 2)}
    # a value beside its failure in the same trial (a NaN the run kept) spares nothing
    kept = [dataclasses.replace(o, metrics={"a": 0.5}) if o.trial == 1 else o for o in nothing]
    assert evaluator_errors(kept)["a"].spared == 0
    always = [dataclasses.replace(o, evaluator_failures=(EvaluatorFailure("a", "E1"),)) for o in flaky]
    assert evaluator_errors(always) == {"a": EvaluatorErrors(2, "E1", 2)}  # in every trial it ran in: everywhere
    assert evaluator_errors(always)["a"].everywhere
    # an error on a datapoint its evaluators ran on in no trial (its function raised): counted, never spared
    late = dataclasses.replace(errored, evaluator_failures=(EvaluatorFailure("a", "E1"),))
    assert evaluator_errors([late]) == {"a": EvaluatorErrors(1, "E1", 0)}
    # errors of more than one kind: each kind's datapoints and first error (one kind: none, as above)
    mixed = [outcome(0, ("a", NO_TRUTH)), outcome(1, ("a", "E1")), outcome(2, ("a", NO_TRUTH), ("a", CLASH))]
    kinds = ((2, NO_TRUTH), (1, "E1"), (1, CLASH))
    assert evaluator_errors(mixed) == {"a": EvaluatorErrors(3, NO_TRUTH, 3, kinds)}
    two = [outcome(0, ("a", "E1")), outcome(1, ("a", NO_TRUTH))]
    assert evaluator_errors(two) == {"a": EvaluatorErrors(2, "E1", 2, ((1, "E1"), (1, NO_TRUTH)))}
    # a NaN is no raise: a kind of its own beside the exceptions
    nan = [outcome(0, ("a", "E: 1")), outcome(1, ("a", NAN)), outcome(2, ("a", "E: 2"))]
    assert evaluator_errors(nan) == {"a": EvaluatorErrors(3, "E: 1", 3, ((2, "E: 1"), (1, NAN)))}


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (NO_TRUTH, " was not called"),
        (f"{NOT_CALLED}: its timeout ran out before its turn", " was not called"),
        (CLASH, ""),
        ("ValueError: x", " raised"),
        ("E", " raised"),
        # what it returned was no metric: it raised nothing
        (NAN, " returned an invalid metric"),
        ("UnsupportedReturn: returned a bytes; expected a scalar, a dict or None", " returned an invalid metric"),
        ("MetricOutOfRange: metric 'x' is an integer of about 400 digits", " returned an invalid metric"),
        ("DottedMetricName: x.y", " returned an invalid metric"),
    ],
)
def test_did_says_what_an_evaluator_did_from_its_error(error: str, said: str) -> None:
    assert did(error) == said


@pytest.mark.parametrize(
    ("errors", "everywhere", "text"),
    [
        (EvaluatorErrors(3, "E: x", 3), True, "E: x"),
        (EvaluatorErrors(2, "E: x", 3), False, "E: x"),
        (EvaluatorErrors(2, "E: x"), False, "E: x"),
        (EvaluatorErrors(0, "E: x", 0), False, "E: x"),
        # with trials: raised on all 3, on 1 of them in some trials only (another gave a value)
        (EvaluatorErrors(3, "E: x", 3, spared=1), False, "E: x"),
        # of more than one kind: each with its count, not all of them credited to the first
        (
            EvaluatorErrors(22, "E: x", 22, ((3, "E: x"), (16, CLASH), (3, NO_TRUTH))),
            True,
            f"raised on 3 (E: x); {CLASHED} on 16 (rename one of them); was not called on 3 ({NO_TRUTH_SAID})",
        ),
        (
            EvaluatorErrors(2, NAN, 0, ((1, NAN), (1, "E: x"))),
            False,
            f"returned an invalid metric on 1 ({NAN_SAID}); raised on 1 (E: x)",
        ),
    ],
)
def test_evaluator_errors_every_datapoint_and_words(errors: EvaluatorErrors, everywhere: bool, text: str) -> None:
    assert (errors.everywhere, errors.said) == (everywhere, text)


def test_assess_gates_is_one_sided_holm_over_the_gated_metrics_only_and_direction_aware() -> None:
    compared = comparison(
        delta("accuracy", improved=0, degraded=5),
        delta("latency", difference=3.0, pct=3.0, improved=6, degraded=0),
        delta("judge", improved=0, degraded=12),
    )
    gates = {"accuracy": GateRule(max_drop=0.1), "latency": GateRule(max_drop=1)}
    found = assess_gates(compared, gates, {"latency": MetricConfig(direction=Direction.LOWER)}, alpha=0.05)
    assert list(found) == [("accuracy", "answer"), ("latency", "answer")]  # judge is not gated
    assert found[("accuracy", "answer")].p_value == 0.5**5
    assert found[("latency", "answer")].p_value == 0.5**6  # lower is better: 6 rises are 6 worse
    # Holm over the two gated metrics: the smaller p x 2, the larger x 1 (never below the one before it)
    assert found[("latency", "answer")].p_adjusted == 2 * 0.5**6
    assert found[("accuracy", "answer")].p_adjusted == max(2 * 0.5**6, 0.5**5)
    assert found[("accuracy", "answer")].change is Change.WORSE
    assert found[("accuracy", "answer")].sides == 1
    assert assess_gates(comparison(delta(counts=False)), gates, {}, alpha=0.05) == {}
    # a metric not gated, or without counts, is passed over, not the end of the gated ones
    later = comparison(delta("judge"), delta(counts=False, event="retrieval"), delta("accuracy"))
    assert list(assess_gates(later, gates, {}, alpha=0.05)) == [("accuracy", "answer")]
    strict = assess_gates(compared, gates, {}, alpha=0.01)[("accuracy", "answer")]
    assert (strict.alpha, strict.change) == (0.01, Change.TOO_FEW)  # one-sided at 0.01 needs 7


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
    later = comparison(delta("recall", counts=False), delta())  # passed over, not the end of the metrics
    assert list(assess_comparison(later, {}, alpha=0.05)) == [("accuracy", "answer")]


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
    [({}, Verdict.PASS), ({"EXT-11": "ApiError: session not started"}, Verdict.FAIL)],
    ids=["all-recorded", "one-refused"],
)
def test_a_row_the_backend_never_recorded_fails(unrecorded: dict[str, str], verdict: Verdict) -> None:
    decision = decide(summary(), comparison(delta()), facts=Facts(unrecorded=unrecorded))
    assert decision.verdict is verdict
    if unrecorded:
        assert decision.reasons == (
            "1 datapoint(s) of the dataset were not recorded by the backend, so they were never judged"
            " (ApiError: session not started)",
        )


# ------------------------------------------------------------------------------------------ which test, on what

PAIRED = [f"P-{i}" for i in range(40)]


def valued(values: Sequence[Any], *, aggregation: str | None = "average", ids: Sequence[str] = PAIRED) -> Any:
    """A summary whose datapoints ``ids`` have ``values`` of accuracy (on the event ``answer``), one each in order; a
    tuple is several events of it on one datapoint, ``None`` none."""
    rows = [
        {
            "datapoint_id": ident,
            "session_id": f"s-{ident}",
            "passed": True,
            "metrics": [
                {"name": "accuracy", "event_name": "answer", "event_type": "model", "value": v, "passed": True}
                for v in (value if isinstance(value, tuple) else () if value is None else (value,))
            ],
        }
        for ident, value in zip(ids, values, strict=True)
    ]
    body = {"success": True, "passed": list(ids), "metrics": {"aggregation_function": aggregation}, "datapoints": rows}
    return ExperimentResultSummary.from_wire(body, run_id="run")


def moved(old: Sequence[Any], new: Sequence[Any], difference: float) -> dict[str, Any]:
    """The backend's comparison row of accuracy between runs with those values on PAIRED (numbers: which rose)."""
    pairs = [(a, b) for a, b in zip(old, new, strict=True) if a is not None and b is not None]
    up = sum(1 for a, b in pairs if b > a)
    down = sum(1 for a, b in pairs if b < a)
    return {
        "metric_name": "accuracy",
        "event_name": "answer",
        "old_aggregate": 0.5,
        "new_aggregate": 0.5 + difference,
        "difference": difference,
        "percentage_change": difference * 200,
        "improved_count": up,
        "degraded_count": down,
    }


FLAT = [0.5] * 40
MEAN_DROP = [0.51] * 30 + [0.0] * 10  # 30 of 40 up by 0.01, 10 down by 0.5: the mean drops 0.1175
TRUE, FALSE = [True] * 40, [True] * 32 + [False] * 8  # 8 pass→fail
TESTS: list[tuple[str, list[Any], list[Any], float, dict[str, Any], tuple[str, str]]] = [
    # (rule, baseline's values, this run's, the backend's difference, assess_comparison's keywords, (change, p))
    (
        "a mean that dropped while most datapoints rose is worse: the paired t-test",
        FLAT,
        MEAN_DROP,
        -0.1175,
        {},
        ("worse", "p = 0.0019"),  # scipy.stats.ttest_rel; the sign test said better, p = 0.0022
    ),
    # absurd but finite values: an ERROR, "this is a bug in honeyhive-experiment", and such a run as the baseline
    # broke every comparison after it
    (
        "a datapoint's trials summing past the largest double: their mean (fmean raised OverflowError)",
        [(1e308, 1e308)] * 6 + FLAT[6:],
        FLAT,
        -1.5e307,
        {},
        ("worse", "p = 0.031"),  # 6 unanimous changes, the floor 2 / 2**6
    ),
    (
        "a difference past the largest double, -1e308 from 1e308: infinite, the t-test still tells (t was nan)",
        [1e308] * 6 + FLAT[6:],
        [-1e308] * 6 + FLAT[6:],
        -3e307,
        {},
        ("worse", "p = 0.031"),
    ),
    (
        "4 datapoints at 1e308 from 0.5: differences summing past the largest double (fsum raised OverflowError)",
        FLAT,
        [1e308] * 4 + FLAT[4:],
        1e307,
        {},
        ("too few changes to tell", "needs ≥ 6 changes, has 4"),
    ),
    ("a median keeps the sign test", FLAT, MEAN_DROP, 0.01, {"aggregation": "median"}, ("better", "p = 0.0022")),
    (
        "a median configured, the summary not saying: the sign test, not the t-test (within noise, p = 0.0019)",
        FLAT,
        MEAN_DROP,
        0.01,
        {"aggregation": None, "configured": "median"},
        ("better", "p = 0.0022"),
    ),
    (
        "the average configured, the summary saying median: the sign test (the echo confirms, never overrules)",
        FLAT,
        MEAN_DROP,
        0.01,
        {"aggregation": "median", "configured": "average"},
        ("better", "p = 0.0022"),
    ),
    (
        "a median whose sign test leans against its change is within noise",
        FLAT,
        MEAN_DROP,
        -0.01,
        {"aggregation": "median"},
        ("within noise", "p = 0.0022"),
    ),
    (
        "booleans keep McNemar's test, the sign test on their flips (the t-test: 0.0034)",
        TRUE,
        FALSE,
        -0.2,
        {},
        ("worse", "p = 0.0078"),
    ),
    (
        "a mean of booleans over trials takes the t-test",
        [1.0] * 40,
        [0.8] * 32 + [1.0] * 8,
        -0.16,
        {},
        ("worse", "p < 0.001"),
    ),
    (
        "different trials: the sign test cannot tell",
        TRUE,
        FALSE,
        -0.2,
        {"trials_differ": True},
        ("can't tell", "trials differ"),
    ),
    (
        "different trials: the t-test still can",
        FLAT,
        MEAN_DROP,
        -0.1175,
        {"trials_differ": True},
        ("worse", "p = 0.0019"),
    ),
    (
        "nothing changed on a mean, between different trials: within noise",
        [0.8] * 40,
        [0.6, 1.0] * 20,
        0.0,
        {"trials_differ": True},
        ("within noise", "p = 1"),
    ),
    (
        "lower is better: a mean's rise is worse",
        FLAT,
        [0.49] * 30 + [1.0] * 10,
        0.1175,
        {"lower": True},
        ("worse", "p = 0.0019"),
    ),
    (
        "lower is better, no difference sent: the test alone",
        FLAT,
        [0.49] * 30 + [1.0] * 10,
        0.1175,
        {"lower": True, "no difference": True},
        ("worse", "p = 0.0019"),
    ),
    (
        "lower is better: a median whose sign test leans against its change is within noise",
        FLAT,
        [0.49] * 30 + [1.0] * 10,
        0.01,
        {"aggregation": "median", "lower": True},
        ("within noise", "p = 0.0022"),
    ),
    (
        "numbers in the baseline, booleans now: the t-test (McNemar's: 0.039)",
        [1.0] * 32 + [0.0] * 8,
        [False] * 10 + [True] * 24 + [False] * 6,  # 10 down, 2 up
        -0.2,
        {},
        ("worse", "p = 0.019"),  # scipy.stats.ttest_rel
    ),
    (
        "values in the baseline only: the sign test on the counts",
        FLAT,
        [None] * 40,
        -0.1175,
        {"counts": (30, 10)},
        ("within noise", "p = 0.0022"),
    ),
    (
        "no per-datapoint values: the sign test on the counts",
        [None] * 40,
        [None] * 40,
        -0.1175,
        {"counts": (30, 10)},
        ("within noise", "p = 0.0022"),
    ),
    (
        "only the datapoints with a value in both runs pair",
        [*FLAT[:39], None],
        [*MEAN_DROP[:39], 9.0],
        -0.1175,
        {},
        ("worse", "p = 0.0037"),  # scipy.stats.ttest_rel on the 39
    ),
    (
        "several events on a datapoint: their mean",
        [(0.4, 0.6)] * 40,
        [(0.5, 0.52)] * 30 + [(0.0, 0.0)] * 10,
        -0.1175,
        {},
        ("worse", "p = 0.0019"),
    ),
    (
        "a single shared datapoint is too few",
        [0.5] + [None] * 39,
        [0.0] + [None] * 39,
        -0.5,
        {},
        ("too few changes to tell", "needs ≥ 6 changes, has 1"),
    ),
    (
        "float noise is no change: 0.1 + 0.2 in the baseline, 0.3 now, counted degraded by a backend comparing"
        " exactly (the t-test said worse, p < 0.001)",
        [0.1 + 0.2] * 40,
        [0.3] * 40,
        -5.551115123125783e-17,
        {"counts": (0, 40)},
        ("within noise", "p = 1"),
    ),
    (
        "float noise near 0 is no change either: 0.3 - (0.1 + 0.2) in the baseline, 0 now (within 1e-12)",
        [0.3 - (0.1 + 0.2)] * 40,
        [0.0] * 40,
        5.551115123125783e-17,
        {"counts": (0, 40)},
        ("within noise", "p = 1"),
    ),
    (
        "float noise on unchanged datapoints lowers no floor: 6 changes are 6 (it was p = 0.012, floored as 40)",
        [0.1 + 0.2] * 40,
        [-0.2] * 6 + [0.3] * 34,
        -0.075,
        {"counts": (0, 6)},
        ("worse", "p = 0.031"),  # the floor of 6 changes, 2 / 2**6
    ),
    (
        "whole numbers differ exactly: 5 fewer tokens on 5e9 is a change on every datapoint (was noise)",
        [5e9] * 40,
        [5e9 - 5] * 40,
        -5.0,
        {"counts": (0, 40)},
        ("worse", "p < 0.001"),
    ),
    (
        "string values are no values",
        ["x"] * 40,
        ["y"] * 40,
        -0.1175,
        {"counts": (30, 10)},
        ("within noise", "p = 0.0022"),
    ),
]


def _mean(value: Any) -> Any:
    return sum(value) / len(value) if isinstance(value, tuple) else value


FINITE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -5e-324, 0.0, 0.5]),
)
VALUE = st.one_of(st.none(), FINITE, st.tuples(FINITE, FINITE), st.tuples(FINITE, FINITE, FINITE))


@settings(deadline=None)
@given(
    st.integers(2, 8).flatmap(
        lambda n: st.tuples(st.lists(VALUE, min_size=n, max_size=n), st.lists(VALUE, min_size=n, max_size=n))
    ),
    st.booleans(),
)
def test_any_finite_values_are_assessed(values: tuple[list[Any], list[Any]], lower: bool) -> None:
    """Both runs' values, any finite ones (a datapoint's trials or events several), through every test a comparison
    and a gate take: a p-value and a change, never an exception (fmean's sum, the difference of two means and the
    t-test's lean overflowed; an infinite difference made t nan)."""
    old, new = values
    ids = PAIRED[: len(old)]
    row = moved([_mean(v) for v in old], [_mean(v) for v in new], -0.1)
    shown = {"accuracy": LOWER} if lower else {}
    before, after, compared = valued(old, ids=ids), valued(new, ids=ids), comparison(row, common=ids)
    gates = {"accuracy": GateRule(max_drop=0.05, max_degraded=0, significant=True)}
    found = [
        *assess_comparison(compared, shown, alpha=0.05, old_result=before, new_result=after).values(),
        *assess_gates(compared, gates, shown, alpha=0.05, old_result=before, new_result=after).values(),
    ]
    assert found
    assert all(0 <= a.p_value <= a.p_adjusted <= 1 and a.change in Change for a in found)


@pytest.mark.parametrize(("rule", "old", "new", "difference", "how", "expected"), TESTS, ids=[t[0] for t in TESTS])
def test_which_test_a_row_takes(
    rule: str, old: list[Any], new: list[Any], difference: float, how: dict[str, Any], expected: tuple[str, str]
) -> None:
    row = moved([_mean(v) for v in old], [_mean(v) for v in new], difference)
    if "counts" in how:  # values the runs' results do not hold as numbers: the backend's counts as sent
        row |= {"improved_count": how["counts"][0], "degraded_count": how["counts"][1]}
    if how.get("no difference"):
        row["difference"] = None
    aggregation = how.get("aggregation", "average")
    before, after = valued(old, aggregation=aggregation), valued(new, aggregation=aggregation)
    differ = how.get("trials_differ", False)
    shown = {"accuracy": LOWER} if how.get("lower") else {}
    configured = how.get("configured", aggregation or "average")
    given = {} if configured == "average" else {"aggregation": configured}  # the default is the average
    found = assess_comparison(
        comparison(row, common=PAIRED),
        shown,
        alpha=0.05,
        old_result=before,
        new_result=after,
        trials_differ=differ,
        **given,
    )
    assessed = found[("accuracy", "answer")]
    assert (assessed.change.value, describe(assessed)) == expected
    assert found[PASS_FAIL].change is (Change.UNTOLD if differ else Change.TOO_FEW)  # nothing flipped


AUDITED = [0.2] * 13 + [0.8] * 5 + [0.5] * 22  # from 0.5: the mean drops 0.06, t-test p = 0.029, sign test 0.048
NOISY_DROP = [0.0, 1.4] * 20  # from 0.8 on every datapoint: the mean drops 0.1, within noise (t-test p = 0.19)
UNTOLD = (
    "significance unknown: the runs ran different numbers of trials, and the sign test needs the same number in both"
)
GATE_TESTS: list[
    tuple[str, GateRule, list[Any], list[Any], float, dict[str, Any], tuple[str, ...], tuple[str, ...]]
] = [
    # (rule, gate, baseline's values, this run's, the backend's difference, keywords, gate failures, warnings)
    (
        "a significant bound on a mean: the t-test sees the drop the sign test called noise (10 of 40 worse, p = 1)",
        GateRule(max_drop=0.05, significant=True),
        FLAT,
        MEAN_DROP,
        -0.1175,
        {},
        ("accuracy got worse by 0.1175 (gate: at most 0.05): 10 of 40 worse, p < 0.001",),
        (),
    ),
    (
        "lower is better: the same drop, mirrored",
        GateRule(max_worse_pct=10, significant=True),
        FLAT,
        [0.49] * 30 + [1.0] * 10,
        0.1175,
        {"lower": True},
        ("accuracy got worse by 23.5% (gate: at most 10%): 10 of 40 worse, p < 0.001",),
        (),
    ),
    (
        "a mean's drop within noise is not failed",
        GateRule(max_drop=0.05, significant=True),
        [0.8] * 40,
        NOISY_DROP,
        -0.1,
        {},
        (),
        (
            "accuracy got worse by 0.1 (gate: at most 0.05): 20 of 40 worse, p = 0.19, not significant, so not failed"
            " (significant: true)",
        ),
    ),
    (
        "max_degraded keeps the sign test",
        GateRule(max_degraded=5, significant=True),
        FLAT,
        MEAN_DROP,
        -0.1175,
        {},
        (),
        (
            "accuracy degraded on 10 datapoints (gate: at most 5): 10 of 40 worse, p = 1, not significant, so not"
            " failed (significant: true)",
        ),
    ),
    (
        "max_degraded on a mean that rose: 30 of 40 worse fail by the sign test, whatever the t-test says",
        GateRule(max_degraded=20, significant=True),
        FLAT,
        [0.49] * 30 + [1.0] * 10,
        0.1175,
        {},
        ("accuracy degraded on 30 datapoints (gate: at most 20): 30 of 40 worse, p = 0.0011",),
        (),
    ),
    (
        "max_drop_pct and max_degraded: each its own test",
        GateRule(max_drop_pct=10, max_degraded=5, significant=True),
        FLAT,
        MEAN_DROP,
        -0.1175,
        {},
        ("accuracy got worse by 23.5% (gate: at most 10%): 10 of 40 worse, p < 0.001",),
        (
            "accuracy degraded on 10 datapoints (gate: at most 5): 10 of 40 worse, p = 1, not significant, so not"
            " failed (significant: true)",
        ),
    ),
    (
        "worse from 0 and max_degraded: each its own test",
        GateRule(max_drop_pct=5, max_degraded=5, significant=True),
        [0.0] * 40,
        [0.01] * 30 + [-0.5] * 10,
        -0.1175,
        {"from zero": True},
        ("accuracy got worse by 0.1175 from 0 (gate: at most 5%, of 0: none): 10 of 40 worse, p < 0.001",),
        (
            "accuracy degraded on 10 datapoints (gate: at most 5): 10 of 40 worse, p = 1, not significant, so not"
            " failed (significant: true)",
        ),
    ),
    (
        "both bounds: each its own test, one Holm entry (two tests of one metric are not two metrics)",
        GateRule(max_drop=0.05, max_degraded=5, significant=True),
        FLAT,
        MEAN_DROP,
        -0.1175,
        {},
        ("accuracy got worse by 0.1175 (gate: at most 0.05): 10 of 40 worse, p < 0.001",),
        (
            "accuracy degraded on 10 datapoints (gate: at most 5): 10 of 40 worse, p = 1, not significant, so not"
            " failed (significant: true)",
        ),
    ),
    (
        "a loose max_degraded not crossed never enters Holm: the t-test fails alone (it was p = 0.058, passed)",
        GateRule(max_drop=0.05, max_degraded=30, significant=True),
        FLAT,
        AUDITED,
        -0.06,
        {},
        ("accuracy got worse by 0.06 (gate: at most 0.05): 13 of 40 worse, p = 0.029",),
        (),
    ),
    (
        "both bounds crossed and each significant: both fail, at the metric's level (they were p = 0.058)",
        GateRule(max_drop=0.05, max_degraded=5, significant=True),
        FLAT,
        AUDITED,
        -0.06,
        {},
        (
            "accuracy got worse by 0.06 (gate: at most 0.05): 13 of 40 worse, p = 0.029",
            "accuracy degraded on 13 datapoints (gate: at most 5): 13 of 40 worse, p = 0.048",
        ),
        (),
    ),
    (
        "max_degraded crossed, max_drop not: the sign test alone (with the t-test's p = 1 it was p = 0.0022)",
        GateRule(max_drop=0.05, max_degraded=20, significant=True),
        FLAT,
        [0.49] * 30 + [1.0] * 10,
        0.1175,
        {},
        ("accuracy degraded on 30 datapoints (gate: at most 20): 30 of 40 worse, p = 0.0011",),
        (),
    ),
    (
        "a median configured, the summary not saying: the sign test sees 30 of 40 worse, the t-test a mean that rose",
        GateRule(max_drop=0.005, significant=True),
        FLAT,
        [0.49] * 30 + [1.0] * 10,
        -0.01,
        {"configured": "median", "echo": None},
        ("accuracy got worse by 0.01 (gate: at most 0.005): 30 of 40 worse, p = 0.0011",),
        (),
    ),
    (
        "different trials: a significant max_degraded fails as a plain threshold",
        GateRule(max_degraded=5, significant=True),
        FLAT,
        MEAN_DROP,
        -0.1175,
        {"trials_differ": True},
        (f"accuracy degraded on 10 datapoints (gate: at most 5): 10 of 40 worse; {UNTOLD}",),
        (),
    ),
    (
        "different trials: a mean's gate is still told, by the t-test",
        GateRule(max_drop=0.05, significant=True),
        [0.8] * 40,
        NOISY_DROP,
        -0.1,
        {"trials_differ": True},
        (),
        (
            "accuracy got worse by 0.1 (gate: at most 0.05): 20 of 40 worse, p = 0.19, not significant, so not failed"
            " (significant: true)",
        ),
    ),
    (
        "different trials: a boolean's significant gate fails as a plain threshold",
        GateRule(max_drop=0.05, significant=True),
        TRUE,
        FALSE,
        -0.2,
        {"trials_differ": True},
        (f"accuracy got worse by 0.2 (gate: at most 0.05): 8 of 40 worse; {UNTOLD}",),
        (),
    ),
    (
        "different trials, a plain gate: failed, said the same way",
        GateRule(max_drop=0.05),
        TRUE,
        FALSE,
        -0.2,
        {"trials_differ": True},
        (f"accuracy got worse by 0.2 (gate: at most 0.05): 8 of 40 worse; {UNTOLD}",),
        (),
    ),
]


@pytest.mark.parametrize(
    ("rule", "gate", "old", "new", "difference", "how", "failures", "warnings"),
    GATE_TESTS,
    ids=[t[0] for t in GATE_TESTS],
)
def test_which_test_a_gate_takes(
    rule: str,
    gate: GateRule,
    old: list[Any],
    new: list[Any],
    difference: float,
    how: dict[str, Any],
    failures: tuple[str, ...],
    warnings: tuple[str, ...],
) -> None:
    presentation = {"accuracy": LOWER} if how.get("lower") else {}
    echo = how.get("echo", "average")  # the aggregate function the summary says it used
    before, after = valued(old, aggregation=echo), valued(new, aggregation=echo)
    row = moved(old, new, difference)
    if how.get("from zero"):  # no percentage of a change from 0
        row |= {"old_aggregate": 0.0, "new_aggregate": difference, "percentage_change": None}
    compared = comparison(row, common=PAIRED)
    differ = how.get("trials_differ", False)
    gates = {"accuracy": gate}
    given = {"aggregation": how["configured"]} if "configured" in how else {}  # the default is the average
    tests = assess_gates(
        compared, gates, presentation, alpha=0.05, old_result=before, new_result=after, trials_differ=differ, **given
    )
    decision = decide(summary(PAIRED), compared, gates=gates, presentation=presentation, gate_assessment=tests)
    assert (decision.gate_failures, decision.warnings) == (failures, warnings)
    assert decision.verdict is (Verdict.FAIL if failures else Verdict.PASS)


BOUNDS = {
    "max_drop": st.sampled_from([0.0, 0.01, 0.1]),
    "max_drop_pct": st.sampled_from([0.0, 5.0, 20.0]),
    "max_degraded": st.integers(0, 12),
}


@st.composite
def _bounds_and_one_more(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A gate's bounds (at least one) and a bound it does not have: drawn, never filtered (a filter that rejects most
    examples fails Hypothesis's health check on some seeds)."""
    added, first = draw(st.permutations(sorted(BOUNDS)))[:2]
    rest = {name: strategy for name, strategy in BOUNDS.items() if name not in (added, first)}
    return draw(st.fixed_dictionaries({first: BOUNDS[first]}, optional=rest)), added


@settings(deadline=None)  # several t-tests an example: a busy machine must not fail it
@given(
    st.lists(st.sampled_from([0.0, 0.2, 0.49, 0.5, 0.51, 0.8, 1.0]), min_size=40, max_size=40),
    _bounds_and_one_more(),
    st.tuples(st.integers(0, 20), st.integers(0, 20)),  # another gated metric's counts (the sign test): Holm's family
)
def test_a_bound_added_that_is_not_crossed_never_turns_a_failing_gate_green(
    new: list[float], gate: tuple[dict[str, Any], str], other: tuple[int, int]
) -> None:
    """Making a gate stricter never makes the check greener: a bound the change does not cross, added to a gate
    never turns a failed gate into a passing one."""
    bounds, added = gate
    difference = sum(new) / 40 - 0.5
    row = moved(FLAT, new, difference)
    worse = {"max_drop": -difference, "max_drop_pct": -row["percentage_change"], "max_degraded": row["degraded_count"]}
    compared = comparison(row, delta("speed", improved=other[0], degraded=other[1]), common=PAIRED)
    ran = summary(PAIRED, metrics={"accuracy": PAIRED, "speed": PAIRED})

    def failed(accuracy: dict[str, Any]) -> tuple[str, ...]:
        gates = {"accuracy": GateRule(**accuracy, significant=True), "speed": GateRule(max_drop=0.0, significant=True)}
        tests = assess_gates(compared, gates, {}, alpha=0.05, old_result=valued(FLAT), new_result=valued(new))
        return decide(ran, compared, gates=gates, gate_assessment=tests).gates_hit

    loose = max(worse[added], 0) + 1  # a bound past the change: not crossed
    assert set(failed(bounds)) <= set(failed({**bounds, added: loose}))


FEW_DROPS = [0.45] * 4 + [0.0] * 4 + [0.5] * 32  # mean -0.055; one-sided t-test p = 0.0133, sign test 8 of 8: 0.0039
WIDE = [0.3] * 12 + [0.6] * 6 + [0.5] * 22  # mean -0.045; t-test p = 0.0062, sign test 12 of 18 worse: 0.119
ACCURACY, SPEED, COUNTED = ("accuracy", "answer"), ("speed", "answer"), "max_degraded of ('accuracy', 'answer')"
ENTRIES: list[tuple[str, GateRule, list[float], bool, tuple[int, int], dict[Any, float]]] = [
    # (rule, accuracy's gate, its values from 0.5, lower is better, speed's (improved, degraded) of a gate it crosses,
    # each test's Holm-adjusted p): one entry per metric, which decides the other metric's adjusted p; each test of
    # accuracy is adjusted as the entry would be with its p (the sign test's 0.0039 ranks first: 2 × 0.0039)
    (
        "max_drop crossed, max_degraded not: the t-test is the entry, not the smaller sign test (speed 2 × 0.0059)",
        GateRule(max_drop=0.05, max_degraded=20),
        FEW_DROPS,
        False,
        (1, 10),
        {ACCURACY: 0.013319827217217601, COUNTED: 0.0078125, SPEED: 0.01171875},
    ),
    (
        "lower is better: the same, mirrored",
        GateRule(max_worse=0.05, max_degraded=20),
        [1 - v for v in FEW_DROPS],
        True,
        (1, 10),
        {ACCURACY: 0.013319827217217601, COUNTED: 0.0078125, SPEED: 0.01171875},
    ),
    (
        "nothing crossed: the smaller p of its tests, the sign test's (speed max(2 × 0.0039, 0.0059))",
        GateRule(max_drop=0.1, max_degraded=20),
        FEW_DROPS,
        False,
        (1, 10),
        {ACCURACY: 0.013319827217217601, COUNTED: 0.0078125, SPEED: 0.0078125},
    ),
    (
        "max_degraded crossed, max_drop not: the sign test is the entry, not the smaller t-test (speed 2 × 0.035)",
        GateRule(max_drop=0.05, max_degraded=10),
        WIDE,
        False,
        (1, 7),
        {ACCURACY: 0.012359142085013933, COUNTED: 0.1189422607421875, SPEED: 0.0703125},
    ),
    (
        "max_degraded alone: one test, under the metric's key",
        GateRule(max_degraded=10),
        WIDE,
        False,
        (1, 7),
        {ACCURACY: 0.1189422607421875, SPEED: 0.0703125},
    ),
    # speed's gate is plain: a noise-aware gate's family is the noise-aware gates, so each is adjusted alone (raw p)
    (
        "a noise-aware gate beside a plain one: neither adjusts the other (the rows above adjusted both by 2)",
        GateRule(max_drop=0.05, max_degraded=20, significant=True),
        FEW_DROPS,
        False,
        (1, 10),
        {ACCURACY: 0.013319827217217601, COUNTED: 0.00390625, SPEED: 0.005859375},
    ),
    (
        "max_degraded alone, noise-aware: its sign test's own p",
        GateRule(max_degraded=10, significant=True),
        WIDE,
        False,
        (1, 7),
        {ACCURACY: 0.1189422607421875, SPEED: 0.03515625},
    ),
]


@pytest.mark.parametrize(("rule", "gate", "new", "lower", "speed", "expected"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_each_gated_metric_is_one_holm_entry(
    rule: str, gate: GateRule, new: list[float], lower: bool, speed: tuple[int, int], expected: dict[Any, float]
) -> None:
    old = [0.5] * 40
    row = moved(old, new, sum(new) / 40 - 0.5)
    compared = comparison(row, delta("speed", improved=speed[0], degraded=speed[1]), common=PAIRED)
    gates = {"accuracy": gate, "speed": GateRule(max_drop=0.0)}
    shown = {"accuracy": LOWER} if lower else {}
    tests = assess_gates(compared, gates, shown, alpha=0.05, old_result=valued(old), new_result=valued(new))
    assert {key: found.p_adjusted for key, found in tests.items()} == pytest.approx(expected, rel=1e-9)


def test_a_gate_with_both_bounds_has_both_tests_under_their_own_keys() -> None:
    """The bound on the mean is the t-test's, under the metric's key (the row's test); max_degraded's sign test has a
    key of its own, and only when the two differ."""
    compared = comparison(moved(FLAT, MEAN_DROP, -0.1175), common=PAIRED)
    both = {"accuracy": GateRule(max_drop=0.05, max_degraded=5)}
    tests = assess_gates(compared, both, {}, alpha=0.05, old_result=valued(FLAT), new_result=valued(MEAN_DROP))
    assert {key: a.p_value for key, a in tests.items()} == pytest.approx(
        # one-sided: P(at least 10 of 40 worse) = sum(C(40, i) for i in range(31)) / 2**40
        {("accuracy", "answer"): 0.0009726088076465591, "max_degraded of ('accuracy', 'answer')": 0.9996602258725034}
    )
    counts_only = assess_gates(compared, both, {}, alpha=0.05)  # no per-datapoint values: the sign test for both
    assert list(counts_only) == [("accuracy", "answer")]


# ------------------------------------------------------------------------------------- gates that judge nothing

CALLS = {"cost_usd": IDS, "llm_calls": IDS, "input_tokens": IDS, "duration_ms": IDS}
COST_LOWER = {"cost_usd": LOWER, "input_tokens": LOWER, "llm_calls": LOWER, "duration_ms": LOWER}
NO_CALL = summary(metrics=CALLS, value=0, aggregate=0)  # llm_calls 0 on every datapoint, and $0
CALLED_BEFORE = (
    delta("llm_calls", old=1.0, difference=-1.0, pct=-100.0),
    delta("cost_usd", old=0.002, difference=-0.002, pct=-100.0),
    delta("duration_ms", old=100.0, difference=0.0, pct=0.0),
)
NONE_BEFORE = (
    delta("llm_calls", old=0.0, difference=0.0, pct=None),
    delta("cost_usd", old=0.0, difference=0.0, pct=None),
)
COST = {"cost_usd": COST_GATE}
INSTRUMENT = "check that instrument: names the library your function calls the LLM with (openai, anthropic, ...)"
UNSEEN = (
    "judged no LLM call: this run saw none on any datapoint (llm_calls is 0 on every one) where the baseline saw some,"
    f" so a drop to 0 is calls the run did not see, not a saving; {INSTRUMENT} and that the function uses that"
    " library's client; if it no longer calls one, remove"
)
FOUR = IDS[:4]
POWERLESS = (
    "on 4 datapoints no change can be significant at α = 0.05 (the smallest p-value is 0.0625): this gate can never"
    " fail (it needs ≥ 5 datapoints, or significant: false)"
)

HOLM_TWO = (
    "on 5 datapoints no change can be significant at α = 0.05 (the smallest p-value is 0.03125, 0.0625 after Holm's"
    " correction beside the 1 other significant: true gate that changed): this gate can never fail (it needs ≥ 6"
    " datapoints, or significant: false)"
)

HOLM_THREE = (
    "on 5 datapoints no change can be significant at α = 0.05 (the smallest p-value is 0.03125, 0.09375 after Holm's"
    " correction beside the 2 other significant: true gates that changed): this gate can never fail (it needs ≥ 6"
    " datapoints, or significant: false)"
)


DEGRADED_10 = {"accuracy": GateRule(max_degraded=10)}
UNFAILABLE = (
    "accuracy's max_degraded: {bound} can never fail: the comparison pairs {paired}{more}, and it fails only when more"
    " than {bound} got worse (a bound below {reach} can)"
)


def decided(
    compared: RunComparisonResult,
    gates: dict[str, GateRule],
    *,
    alpha: float = 0.05,
    trials_differ: bool = False,
    unpaired: int = 0,
) -> Decision:
    """:func:`decide` of :func:`summary` against ``compared``, its gates assessed with ``trials_differ``."""
    tests = assess_gates(compared, gates, {}, alpha=alpha, trials_differ=trials_differ)
    policy = VerdictConfig(alpha=alpha)
    result = summary(metrics=dict.fromkeys(gates, IDS))  # every gated metric has values
    return decide(result, compared, gates=gates, gate_assessment=tests, policy=policy, unpaired=unpaired)


def with_values(result: ExperimentResultSummary, metric: str, values: list[float]) -> ExperimentResultSummary:
    """``result`` with ``metric``'s values (one per datapoint, or none: a backend that does not send them) replaced."""
    details = [
        d.model_copy(update={"values": values}) if d.metric_name == metric else d for d in result.metrics.details
    ]
    return result.model_copy(update={"metrics": result.metrics.model_copy(update={"details": details})})


SILENT: list[tuple[str, Callable[[], Decision], Verdict, tuple[str, ...], tuple[str, ...]]] = [
    # (rule, decision, verdict, reasons, warnings), each exact: a gate that judged nothing says so (audit 46a)
    (
        "no LLM call in this run where the baseline saw some: its cost dropped 100%, better, and the gate failed",
        lambda: judge(NO_CALL, comparison(*CALLED_BEFORE), gates=COST, presentation=COST_LOWER),
        Verdict.FAIL,
        (f"the gate on cost_usd {UNSEEN} it",),
        (),
    ),
    (
        "each gate on a call metric is named, and none other",
        lambda: judge(
            NO_CALL,
            comparison(*CALLED_BEFORE),
            gates={"cost_usd": COST_GATE, "duration_ms": COST_GATE, "input_tokens": COST_GATE},
            presentation=COST_LOWER,
        ),
        Verdict.FAIL,
        (f"the gates on cost_usd, input_tokens {UNSEEN} them",),
        ("input_tokens's gate could not be checked: the baseline has no value for it",),  # no row of it
    ),
    (
        "no gate on a call metric: nothing to say",
        lambda: judge(NO_CALL, comparison(*CALLED_BEFORE), gates={"duration_ms": COST_GATE}, presentation=COST_LOWER),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "no LLM call in either run: the gate judged nothing, a warning",
        lambda: judge(NO_CALL, comparison(*NONE_BEFORE), gates=COST, presentation=COST_LOWER),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "no datapoint of either run saw an LLM call (llm_calls 0 on every one): the gate on cost_usd judged"
            f" nothing; if calls were expected, {INSTRUMENT}",
        ),
    ),
    (
        "no baseline: this run's none said, beside the neutral verdict",
        lambda: judge(NO_CALL, gates=COST, presentation=COST_LOWER),
        Verdict.NEUTRAL,
        ("no baseline run to compare with yet",),
        (
            "no datapoint of this run saw an LLM call (llm_calls 0 on every one): the gate on cost_usd judged nothing;"
            f" if calls were expected, {INSTRUMENT}",
        ),
    ),
    (
        "a baseline without llm_calls (recorded without instrument:) is not one that saw some",
        lambda: judge(
            NO_CALL,
            comparison(delta("cost_usd", old=0.002, difference=-0.002, pct=-100.0)),
            gates=COST,
            presentation=COST_LOWER,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "no datapoint of this run saw an LLM call (llm_calls 0 on every one): the gate on cost_usd judged nothing;"
            f" if calls were expected, {INSTRUMENT}",
        ),
    ),
    (
        "this run saw calls: nothing to say",
        lambda: judge(
            summary(metrics=CALLS, value=1, aggregate=1), comparison(*NONE_BEFORE), gates=COST, presentation=COST_LOWER
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a sum of 0 is none too",
        lambda: judge(
            summary(metrics=CALLS, value=0, aggregate=0, aggregation="sum"),
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
        ),
        Verdict.FAIL,
        (f"the gate on cost_usd {UNSEEN} it",),
        (),
    ),
    (  # audit 48a: the check was skipped for a median, a p95, a min, though the datapoints' counts tell
        "a median of 0 over counts that are all 0: no call, as by the mean",
        lambda: judge(
            summary(metrics=CALLS, value=0, aggregate=0, aggregation="median"),
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
        ),
        Verdict.FAIL,
        (f"the gate on cost_usd {UNSEEN} it",),
        (),
    ),
    (
        "a median of 0 beside a count that is not: some datapoints called",
        lambda: judge(
            with_values(summary(metrics=CALLS, value=0, aggregate=0, aggregation="p95"), "llm_calls", [0] * 11 + [2]),
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a mean of 0 without the datapoints' counts: no call all the same (a mean is 0 only when every count is)",
        lambda: judge(
            with_values(NO_CALL, "llm_calls", []), comparison(*CALLED_BEFORE), gates=COST, presentation=COST_LOWER
        ),
        Verdict.FAIL,
        (f"the gate on cost_usd {UNSEEN} it",),
        (),
    ),
    (
        "a median of 0 without the datapoints' counts: not known, nothing said",
        lambda: judge(
            with_values(summary(metrics=CALLS, value=0, aggregate=0, aggregation="median"), "llm_calls", []),
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # audit 48a: an evaluator's cost_usd replaces the built-in: its values are no calls' (0.002 → 0.002, "same")
        "a gate on a call metric an evaluator's replaced judges the evaluator's values: nothing said",
        lambda: decide(
            NO_CALL,
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
            facts=Facts(replaced=("cost_usd",), produced=("accuracy", "cost_usd")),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "an aggregate of 0 beside a value that is not (an aggregate function not echoed): the values tell",
        lambda: judge(
            summary(metrics=CALLS, value=1, aggregate=0, aggregation=None),
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "no llm_calls at all (no instrument:): not known, nothing said here",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}, value=0, aggregate=0),
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "this run's llm_calls leaves calls out (made outside every datapoint): it saw them, judged as such a value is",
        lambda: judge(
            NO_CALL,
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
            left_out={"llm_calls": left(new=12, why=OUTSIDE), "cost_usd": left(new=12, why=OUTSIDE)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: this run's value excludes 12 LLM calls (12 outside any datapoint):"
            " with them this run's value is higher, and could be past the gate (or significantly worse)",
        ),
        (),
    ),
    (
        "no baseline yet and something else fails: an efficiency gate whose calls are left out still says so",
        lambda: judge(
            summary(IDS[1:], IDS[:1], metrics=CALLS),
            None,
            gates=COST,
            presentation=COST_LOWER,
            left_out={"cost_usd": left(new=2)},
        ),
        Verdict.FAIL,
        ("1 datapoint(s) failed their passing ranges",),
        (
            "cost_usd's gate could not be checked: this run's value excludes 2 LLM calls (2 to unpriced model m): with"
            " them this run's value is higher, and could be past the gate (or significantly worse)",
        ),
    ),
    (
        "the baseline's calls left out do not excuse this run's none",
        lambda: judge(
            NO_CALL,
            comparison(*CALLED_BEFORE),
            gates=COST,
            presentation=COST_LOWER,
            left_out={"llm_calls": left(old=3, why=OUTSIDE)},
        ),
        Verdict.FAIL,
        (f"the gate on cost_usd {UNSEEN} it",),
        (),
    ),
    (
        "significant: true on 4 paired datapoints, crossed: not failed, and why it never can be",
        lambda: decided(comparison(delta(improved=0, degraded=4), common=FOUR), NOISE_AWARE),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 4 of 4 worse, p = 0.062, not significant, so not failed"
            f" (significant: true); {POWERLESS}",
        ),
    ),
    (
        "significant: true on 4 paired datapoints, not crossed: said all the same",
        lambda: decided(comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=FOUR), NOISE_AWARE),
        Verdict.PASS,
        ("every datapoint passed",),
        (f"accuracy's gate (significant: true): {POWERLESS}",),
    ),
    (
        "on 1 datapoint",
        lambda: decided(
            comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=IDS[:1]), NOISE_AWARE
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "accuracy's gate (significant: true): on 1 datapoint no change can be significant at α = 0.05 (the"
            " smallest p-value is 0.5): this gate can never fail (it needs ≥ 5 datapoints, or significant: false)",
        ),
    ),
    (  # audit50 f1: Holm over the two gates doubled 0.03125, and nothing said this gate could never fail
        "beside another significant: true gate that changed (improved), 5 of 5 worse can never be significant",
        lambda: decided(
            comparison(
                delta(improved=0, degraded=5),
                delta("recall", difference=0.08, pct=8.0, improved=5, degraded=0),
                common=IDS[:5],
            ),
            {**NOISE_AWARE, "recall": GateRule(max_drop_pct=5, significant=True)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            f"recall's gate (significant: true): {HOLM_TWO}",
            "accuracy got worse by 8.0% (gate: at most 5%): 5 of 5 worse, p = 0.062, not significant, so not failed"
            f" (significant: true); {HOLM_TWO}",
        ),
    ),
    (
        "beside two others, three times: 0.09375",
        lambda: decided(
            comparison(
                delta(improved=0, degraded=5),
                delta("recall", difference=0.08, pct=8.0, improved=5, degraded=0),
                delta("tone", difference=0.08, pct=8.0, improved=5, degraded=0),
                common=IDS[:5],
            ),
            {
                **NOISE_AWARE,
                "recall": GateRule(max_drop_pct=5, significant=True),
                "tone": GateRule(max_drop_pct=5, significant=True),
            },
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            f"recall's gate (significant: true): {HOLM_THREE}",
            f"tone's gate (significant: true): {HOLM_THREE}",
            "accuracy got worse by 8.0% (gate: at most 5%): 5 of 5 worse, p = 0.094, not significant, so not failed"
            f" (significant: true); {HOLM_THREE}",
        ),
    ),
    (
        "its family is the gates with a change: beside one that did not change, 5 of 5 worse fails",
        lambda: decided(
            comparison(
                delta(improved=0, degraded=5),
                delta("recall", difference=0.0, pct=0.0, improved=0, degraded=0),
                common=IDS[:5],
            ),
            {**NOISE_AWARE, "recall": GateRule(max_drop_pct=5, significant=True)},
        ),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%): 5 of 5 worse, p = 0.031",),
        (f"recall's gate (significant: true): {HOLM_TWO}",),  # were it to change, it would join that family
    ),
    (
        "Holm steps down: beside a gate significantly worse (within its bound), 5 can be significant: nothing said",
        lambda: decided(
            comparison(
                delta(difference=0.0, pct=0.0, improved=0, degraded=0) | {"found_count": 5},
                delta("recall", difference=-0.01, pct=-1.0, improved=0, degraded=6),
                common=IDS[:6],
            ),
            {**NOISE_AWARE, "recall": GateRule(max_drop_pct=5, significant=True)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "too few changes to tell counts the Holm factor too: 6 needed beside another gate that changed",
        lambda: decided(
            comparison(
                delta(improved=0, degraded=4),
                delta("recall", difference=0.08, pct=8.0, improved=5, degraded=0),
                common=IDS[:8],
            ),
            {**NOISE_AWARE, "recall": GateRule(max_drop_pct=5, significant=True)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 4 of 8 worse, p = 0.12, too few changes to tell (needs"
            " ≥ 6), not significant, so not failed (significant: true)",
        ),
    ),
    (
        "5 paired datapoints can be significant one-sided (0.03125): nothing said",
        lambda: decided(
            comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=IDS[:5]), NOISE_AWARE
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "a smallest p-value at alpha is significant: 4 can at 0.0625, nothing said",
        lambda: decided(
            comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=FOUR), NOISE_AWARE, alpha=0.0625
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "so 3 at 0.0625 need 4, not 5",
        lambda: decided(
            comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=IDS[:3]),
            NOISE_AWARE,
            alpha=0.0625,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "accuracy's gate (significant: true): on 3 datapoints no change can be significant at α = 0.0625 (the"
            " smallest p-value is 0.125): this gate can never fail (it needs ≥ 4 datapoints, or significant: false)",
        ),
    ),
    (
        "at alpha 0.01, 6 cannot (0.015625)",
        lambda: decided(
            comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=IDS[:6]), NOISE_AWARE, alpha=0.01
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (
            "accuracy's gate (significant: true): on 6 datapoints no change can be significant at α = 0.01 (the"
            " smallest p-value is 0.015625): this gate can never fail (it needs ≥ 7 datapoints, or significant: false)",
        ),
    ),
    (
        "a plain gate fails on its bound: nothing to say",
        lambda: decided(comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=FOUR), GATE_PCT),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "runs of different trials: its sign test untold, it fails as a plain one, so it can",
        lambda: decided(comparison(delta(improved=0, degraded=4), common=FOUR), NOISE_AWARE, trials_differ=True),
        Verdict.FAIL,
        (
            "accuracy got worse by 8.0% (gate: at most 5%): 4 of 4 worse; significance unknown: the runs ran different"
            " numbers of trials, and the sign test needs the same number in both",
        ),
        (),
    ),
    (
        "a comparison that left datapoints out: a crossing fails, so it can",
        lambda: decided(
            comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=FOUR), NOISE_AWARE, unpaired=3
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "no per-datapoint counts: a crossing fails, so it can",
        lambda: decided(comparison(delta(difference=0.0, pct=0.0, counts=False), common=FOUR), NOISE_AWARE),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "none shared: nothing judges it, which the verdict says in place of can-never-fail",
        lambda: decided(comparison(delta(difference=0.0, pct=0.0, improved=0, degraded=0), common=()), NOISE_AWARE),
        Verdict.NEUTRAL,
        (APART.format("accuracy"),),
        (),
    ),
    (
        "max_degraded: 10 on 6 paired datapoints: at most 6 can get worse, so it can never fail, and says so",
        lambda: judge(summary(), comparison(delta(improved=0, degraded=2), common=IDS[:6]), gates=DEGRADED_10),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNFAILABLE.format(bound=10, paired="6 datapoints", more="", reach=6),),
    ),
    (
        "a bound as large as the count paired can never fail either: it fails when more than 6 got worse",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=6), common=IDS[:6]),
            gates={"accuracy": GateRule(max_degraded=6)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNFAILABLE.format(bound=6, paired="6 datapoints", more="", reach=6),),
    ),
    (
        "one below the count paired can fail: nothing said",
        lambda: judge(
            summary(),
            comparison(delta(improved=1, degraded=0), common=IDS[:6]),
            gates={"accuracy": GateRule(max_degraded=5)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "the count is the backend's found_count (the datapoints with the metric in both runs), when sent",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=1) | {"found_count": 1}),
            gates={"accuracy": GateRule(max_degraded=1)},
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNFAILABLE.format(bound=1, paired="1 datapoint", more="", reach=1),),
    ),
    (
        "more datapoints have the metric in both runs than were paired, within the bound: those are its reach",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=2), common=IDS[:6]),
            gates=DEGRADED_10,
            baseline=summary(metrics={"accuracy": IDS[:8]}),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNFAILABLE.format(bound=10, paired="6 datapoints", more=" (8 have it in both runs)", reach=8),),
    ),
    (
        "fewer have it in both runs than were paired: the count paired is the reach",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=2), common=IDS[:6]),
            gates=DEGRADED_10,
            baseline=summary(metrics={"accuracy": IDS[:4]}),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNFAILABLE.format(bound=10, paired="6 datapoints", more="", reach=6),),
    ),
    (
        "more have it in both runs than the bound: it can fail, nothing said",
        lambda: judge(
            summary(),
            comparison(delta(improved=1, degraded=0), common=IDS[:6]),
            gates={"accuracy": GateRule(max_degraded=7)},
            baseline=summary(metrics={"accuracy": IDS[:8]}),
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # 7 worse of 6 paired: the backend's counts disagree; crossed is crossed, and a bound crossed can fail
        "lower is better: the improved count is the worse one, past the bound though within the count paired",
        lambda: judge(
            summary(metrics={"latency": IDS}),
            comparison(delta("latency", improved=7, degraded=0) | {"found_count": 6}),
            gates={"latency": GateRule(max_degraded=6)},
            presentation={"latency": LOWER},
        ),
        Verdict.FAIL,
        ("latency degraded on 7 datapoints (gate: at most 6): 7 of 6 worse, p = 0.0078",),
        (),
    ),
    (
        "a comparison that left datapoints out: a later one may pair more, so it can fail",
        lambda: judge(
            summary(), comparison(delta(improved=1, degraded=0), common=IDS[:6]), gates=DEGRADED_10, unpaired=2
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (  # no common datapoint, but the metric's counts pair 3: judged by them, as a max_drop is (audit71 #5); it was
        # neutral ("share no datapoint"), a second copy of that rule without the exception
        "no datapoint shared, but the counts pair some: judged, not said never to fail",
        lambda: judge(
            summary(), comparison(delta(improved=1, degraded=0) | {"found_count": 3}, common=()), gates=DEGRADED_10
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (),
    ),
    (
        "the baseline has no value: not judged, not said",
        lambda: judge(
            summary(),
            comparison(delta(improved=1, degraded=0) | {"old_aggregate": None}, common=IDS[:6]),
            gates=DEGRADED_10,
        ),
        Verdict.NEUTRAL,
        ("accuracy's gate could not be checked: the baseline has no value for it",),
        (),
    ),
    (
        "a gate with a bound that could not be checked fails as such, and its max_degraded is not said",
        lambda: judge(
            summary(),
            comparison(delta(improved=1, degraded=0, pct=None), common=IDS[:6]),
            gates={"accuracy": GateRule(max_drop_pct=5, max_degraded=10)},
        ),
        Verdict.FAIL,
        (
            f"accuracy's max_drop_pct could not be checked (gate: at most 5%): the backend sent no percentage change"
            f" for accuracy{PAST}",
        ),
        (),
    ),
    (
        "a gate whose other bound is crossed: it fails on that, and its max_degraded bound still never can",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=2), common=IDS[:6]),
            gates={"accuracy": GateRule(max_drop_pct=5, max_degraded=10)},
        ),
        Verdict.FAIL,
        ("accuracy got worse by 8.0% (gate: at most 5%): 2 of 6 worse, p = 0.25, too few changes to tell (needs ≥ 5)",),
        (UNFAILABLE.format(bound=10, paired="6 datapoints", more="", reach=6),),
    ),
    (
        "a higher-is-better metric's worse count is the degraded one: sent alone, it is judged, and said",
        lambda: judge(
            summary(), comparison(delta(counts=False) | {"degraded_count": 2}, common=IDS[:6]), gates=DEGRADED_10
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNFAILABLE.format(bound=10, paired="6 datapoints", more="", reach=6),),
    ),
    (
        "this run's aggregate past the largest float, its values sent: judged, and said",
        lambda: judge(
            summary(),
            comparison(delta(improved=1, degraded=0) | {"new_aggregate": None, "new_values": [1.0]}, common=IDS[:6]),
            gates=DEGRADED_10,
        ),
        Verdict.PASS,
        ("every datapoint passed",),
        (UNFAILABLE.format(bound=10, paired="6 datapoints", more="", reach=6),),
    ),
    (
        "the baseline's aggregate past the largest float: the gate could not be checked, nothing said of it",
        lambda: judge(
            summary(),
            comparison(delta(improved=1, degraded=0) | {"old_aggregate": None, "old_values": [1.0]}, common=IDS[:6]),
            gates=DEGRADED_10,
        ),
        Verdict.NEUTRAL,
        ("accuracy's gate could not be checked: the baseline has no value for it",),
        (),
    ),
    (  # 5 worse of 3 paired: the backend's counts disagree; the one more that has it in both runs could be worse
        "a max_degraded not fully checked fails as such, and is not said never to fail",
        lambda: judge(
            summary(),
            comparison(delta(improved=0, degraded=5) | {"found_count": 3}, common=IDS[:6]),
            gates={"accuracy": GateRule(max_degraded=5)},
            baseline=summary(metrics={"accuracy": IDS[:4]}),
        ),
        Verdict.FAIL,
        (
            "accuracy's max_degraded could not be fully checked (gate: at most 5): 5 of the 3 the comparison paired got"
            " worse, but HoneyHive's comparison did not count 1 more datapoint that has it in both runs (it had not"
            " compared them when ingestion.timeout ran out: raise it if HoneyHive needs more time)",
        ),
        (),
    ),
    (
        "an efficiency gate whose values leave calls out could not be checked: its max_degraded is not said",
        lambda: judge(
            summary(metrics={"cost_usd": IDS}),
            comparison(delta("cost_usd", difference=0, pct=0.0, improved=1, degraded=0), common=IDS[:6]),
            gates={"cost_usd": GateRule(max_degraded=10)},
            presentation={"cost_usd": LOWER},
            left_out={"cost_usd": left(0, 4)},
        ),
        Verdict.NEUTRAL,
        (
            "cost_usd's gate could not be checked: this run's value excludes 4 LLM calls (4 to unpriced model m):"
            " with them this run's value is higher, and could be past the gate (or significantly worse)",
        ),
        (),
    ),
    (
        "a value missing where only something else recorded it: not its evaluator's doing",
        lambda: judge(summary(metrics={"latency_ms": IDS[:10]}), ranged=["latency_ms"], produced=("score",)),
        Verdict.FAIL,
        (
            "latency_ms has a passing range but no value on 2 of the datapoints the backend passed: no evaluator"
            " produces it, and what recorded it on the others (your function's tracer.enrich_span, or a span) did not"
            " record it on them",
        ),
        (),
    ),
    (
        "a value missing, and who recorded it not known (the outcomes read back have no metrics): either",
        lambda: judge(summary(metrics={"latency_ms": IDS[:10]}), ranged=["latency_ms"], produced=()),
        Verdict.FAIL,
        (
            "latency_ms has a passing range but no value on 2 of the datapoints the backend passed: nothing recorded"
            " it on them (its evaluator returned nothing, or your function did not record it)",
        ),
        (),
    ),
]


@pytest.mark.parametrize(("rule", "decide_it", "verdict", "reasons", "warnings"), SILENT, ids=[c[0] for c in SILENT])
def test_a_gate_that_judged_nothing_says_so(
    rule: str,
    decide_it: Callable[[], Decision],
    verdict: Verdict,
    reasons: tuple[str, ...],
    warnings: tuple[str, ...],
) -> None:
    decision = decide_it()
    assert (decision.verdict, decision.reasons, decision.warnings) == (verdict, reasons, warnings)


def _valued(values: list[float | None], run: str) -> tuple[ExperimentResultSummary, float]:
    """A run's summary with per-datapoint values of cost_usd (None: the datapoint has none), and their mean."""
    ids = [f"EXT-{i}" for i in range(len(values))]
    rows = [
        {
            "datapoint_id": i,
            "session_id": f"s{i}",
            "passed": True,
            "metrics": [] if v is None else [{"name": "cost_usd", "event_name": "answer", "value": v, "passed": None}],
        }
        for i, v in zip(ids, values, strict=True)
    ]
    valued = [v for v in values if v is not None]
    have = [i for i, v in zip(ids, values, strict=True) if v is not None]
    mean = sum(valued) / len(valued)
    detail = {"metric_name": "cost_usd", "event_name": "answer", "aggregate": mean, "values": valued}
    body = {
        "status": "completed",
        "success": True,
        "passed": ids,
        "failed": [],
        "metrics": {"aggregation_function": "average", "details": [{**detail, "datapoints": {"passed": have}}]},
        "datapoints": rows,
    }
    return ExperimentResultSummary.from_wire(body, run_id=run), mean


def test_a_max_degraded_crossing_at_zero_is_judged_by_its_own_sign_test_beside_a_bound_on_the_aggregate() -> None:
    """6 datapoints with a value all worse, 6 without one: were those 6 better, the sign test of max_degraded's count
    is 6 against 6, p = 0.61, so the gate could not be checked. With a bound on the aggregate too (never crossed), the
    aggregate's test (the paired t-test, within noise) was looked up instead and the worst case skipped: failed
    "degraded on 6 ... past the gate even were those datapoints 0" (audit59 F3)."""
    old, old_mean = _valued([1.0] * 12, "old")
    new, new_mean = _valued([1.001] * 5 + [11.0] + [None] * 6, "new")
    change = {"old_aggregate": old_mean, "new_aggregate": new_mean, "difference": new_mean - old_mean}
    # the backend's improved: higher values (its own sense); lower is better here, so these 6 got worse
    worse = {"improved_count": 6, "degraded_count": 0, "same_count": 0, "improved": [f"EXT-{i}" for i in range(6)]}
    compared = comparison(
        {
            "metric_name": "cost_usd",
            "event_name": "answer",
            **change,
            "percentage_change": 100 * (new_mean - 1),
            **worse,
        }
    )
    for gate in (
        GateRule(max_degraded=2, significant=True),
        GateRule(max_degraded=2, max_worse_pct=1000, significant=True),
    ):
        gates = {"cost_usd": gate}
        tested = assess_gates(compared, gates, {"cost_usd": LOWER}, alpha=0.05, old_result=old, new_result=new)
        decision = decide(
            new,
            compared,
            gates=gates,
            presentation={"cost_usd": LOWER},
            facts=Facts(produced=("cost_usd",)),
            gate_assessment=tested,
            left_out={"cost_usd": ({}, {"to m without token usage" + NO_VALUE: 6})},
            baseline=old,
        )
        assert decision.verdict is Verdict.NEUTRAL, (gate, decision.reasons)


def test_a_bound_on_the_aggregate_crossed_at_zero_is_judged_by_the_aggregates_own_test() -> None:
    """A gate with both bounds, its aggregate bound crossed even were the valueless datapoint 0 and its max_degraded
    not: the aggregate's test decides, here the paired t-test (p = 0.025, above the sign test's 0.0005), whose worst
    case needs the values: could not be checked. max_degraded's sign test, significant at its worst case too, is not
    the one that decides (the survivor of the verdict mutation run after de703dd took it)."""
    old, old_mean = _valued([1.0] * 12, "old")
    new, new_mean = _valued([3.0] * 10 + [21.0, None], "new")
    change = {"old_aggregate": old_mean, "new_aggregate": new_mean, "difference": new_mean - old_mean}
    higher = {"improved_count": 11, "degraded_count": 0, "same_count": 0, "improved": [f"EXT-{i}" for i in range(11)]}
    compared = comparison(
        {
            "metric_name": "cost_usd",
            "event_name": "answer",
            **change,
            "percentage_change": 100 * (new_mean - 1),
            **higher,
        }
    )
    gates = {"cost_usd": GateRule(max_worse_pct=10, max_degraded=100, significant=True)}
    tested = assess_gates(compared, gates, {"cost_usd": LOWER}, alpha=0.05, old_result=old, new_result=new)
    assert tested[("cost_usd", "answer")].p_value > tested["max_degraded of ('cost_usd', 'answer')"].p_value
    decision = decide(
        new,
        compared,
        gates=gates,
        presentation={"cost_usd": LOWER},
        facts=Facts(produced=("cost_usd",)),
        gate_assessment=tested,
        left_out={"cost_usd": ({}, {"to m without token usage" + NO_VALUE: 1})},
        baseline=old,
    )
    assert decision.verdict is Verdict.NEUTRAL, decision.reasons


@pytest.mark.parametrize(
    ("old_values", "valued", "gate", "verdict"),
    [
        # the paired t-test decides, its p the sign test's 0.5**11 (its floor): with the valueless datapoint at 0 it
        # is 0.46 (audit59 F4), and a value of it far past the others' pulls t to about -1 (p = 0.17): could not be
        # checked, where the sign test's worst case (11 worse, 1 better: p = 0.006) failed it
        ([1.0] * 11 + [10.0], True, GateRule(max_worse_pct=1, significant=True), Verdict.NEUTRAL),
        # significant even with it at 0, but not with it at 30 (p = 0.09): could not be checked all the same
        ([1.0] * 12, True, GateRule(max_worse_pct=1, significant=True), Verdict.NEUTRAL),
        # no per-datapoint values: the sign test on the counts decides, and its worst case is significant
        ([1.0] * 11 + [10.0], False, GateRule(max_worse_pct=1, significant=True), Verdict.FAIL),
        # max_degraded's own sign test, whatever the aggregate's is
        ([1.0] * 12, True, GateRule(max_degraded=2, significant=True), Verdict.FAIL),
        ([1.0] * 12, True, GateRule(max_degraded=2, max_worse_pct=10**6, significant=True), Verdict.FAIL),
        # not significant: the crossing at 0 fails without a test
        ([1.0] * 11 + [10.0], True, GateRule(max_worse_pct=1), Verdict.FAIL),
    ],
    ids=["t-floored", "t-at-0-significant", "sign-of-the-aggregate", "sign-of-max-degraded", "both-bounds", "plain"],
)
def test_a_noise_aware_gate_crossed_at_zero_takes_the_worst_case_of_the_test_that_decides_it(
    old_values: list[float], valued: bool, gate: GateRule, verdict: Verdict
) -> None:
    """11 datapoints with a value, each 1 worse, and one without a value (its every call streamed without usage): the
    aggregate crosses the gate even were that datapoint 0. Whether the gate fails is then its test's worst case: a sign
    test's is that datapoint better; a paired t-test has none below alpha (a value far past the others' pulls t to
    about -1), so the gate could not be checked there, whatever its p-value equals."""
    old, old_mean = _valued(old_values, "old")
    new, new_mean = _valued([v + 1 for v in old_values[:11]] + [None], "new")
    change = {"old_aggregate": old_mean, "new_aggregate": new_mean, "difference": new_mean - old_mean}
    # the backend's improved: higher values (its own sense); lower is better here, so these 11 got worse
    worse = {"improved_count": 11, "degraded_count": 0, "same_count": 0, "improved": [f"EXT-{i}" for i in range(11)]}
    change["percentage_change"] = 100 * (new_mean / old_mean - 1)
    compared = comparison({"metric_name": "cost_usd", "event_name": "answer", **change, **worse})
    gates = {"cost_usd": gate}
    runs = {"old_result": old, "new_result": new} if valued else {}
    tested = assess_gates(compared, gates, {"cost_usd": LOWER}, alpha=0.05, **runs)
    decision = decide(
        new,
        compared,
        gates=gates,
        presentation={"cost_usd": LOWER},
        facts=Facts(produced=("cost_usd",)),
        gate_assessment=tested,
        left_out={"cost_usd": ({}, {"to m without token usage" + NO_VALUE: 1})},
        baseline=old,
    )
    assert decision.verdict is verdict, decision.reasons
    assert decision.gates_hit == (("cost_usd",) if verdict is Verdict.FAIL else ())

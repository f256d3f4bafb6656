"""The check's verdict and exit code, decided from what the backend reported (product.md).

- ``pass`` (exit 0): the backend's result reports no failure.
- ``fail`` (exit 1): the backend's result reports failure (``success: false`` or datapoints in
  ``failed``), or an explicitly configured regression gate is hit on the backend's comparison.
- ``neutral`` (exit 0, with a warning): nothing to judge against — no baseline yet, or a fork PR
  without secrets.
- ``error`` (exit 2, or 0 with ``fail-on-error: false``): the experiment could not be evaluated.

A failing result is ``fail`` even without a baseline: passing ranges need no baseline. Gates compare
the backend's own numbers (difference, percentage change, degraded count) with configured limits;
nothing is aggregated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from honeyhive_experiment.config import Direction, GateRule, MetricConfig
from honeyhive_experiment.models import ExperimentResultSummary, MetricDelta, RunComparisonResult


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NEUTRAL = "neutral"
    ERROR = "error"

    @property
    def emoji(self) -> str:
        return {"pass": "✅", "fail": "❌", "neutral": "⚪", "error": "⚠️"}[self.value]


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    gate_failures: tuple[str, ...] = field(default_factory=tuple)


def exit_code(verdict: Verdict, *, fail_on_error: bool = True) -> int:
    if verdict is Verdict.FAIL:
        return 1
    if verdict is Verdict.ERROR:
        return 2 if fail_on_error else 0
    return 0


def _drop(delta: MetricDelta, higher_is_better: bool) -> float | None:
    """How much worse the metric got (positive = worse), from the backend's difference."""
    if delta.difference is None:
        return None
    return -delta.difference if higher_is_better else delta.difference


def gate_failures(
    comparison: RunComparisonResult,
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
) -> list[str]:
    """Which configured gates the backend's comparison hits, in words."""
    failures: list[str] = []
    for metric, gate in gates.items():
        deltas = [d for d in comparison.metrics if d.metric_name == metric]
        if not deltas:
            continue  # a gated metric missing from the comparison is reported by the comment, not failed
        higher = presentation.get(metric, MetricConfig()).direction is Direction.HIGHER
        for delta in deltas:
            drop = _drop(delta, higher)
            change = delta.percentage_change
            worse_pct = None if change is None else (-change if higher else change)
            degraded = delta.degraded_count if higher else delta.improved_count
            if gate.max_drop is not None and drop is not None and drop > gate.max_drop:
                failures.append(f"{metric} got worse by {drop:g} (gate: at most {gate.max_drop:g})")
            if gate.max_drop_pct is not None and worse_pct is not None and worse_pct > gate.max_drop_pct:
                failures.append(f"{metric} got worse by {worse_pct:.1f}% (gate: at most {gate.max_drop_pct:g}%)")
            if gate.max_degraded is not None and degraded is not None and degraded > gate.max_degraded:
                failures.append(f"{metric} degraded on {degraded} datapoints (gate: at most {gate.max_degraded})")
    return failures


def decide(
    result: ExperimentResultSummary,
    comparison: RunComparisonResult | None,
    *,
    gates: Mapping[str, GateRule] | None = None,
    presentation: Mapping[str, MetricConfig] | None = None,
) -> Decision:
    """The verdict for a run the backend has summarised."""
    reasons: list[str] = []
    if not result.success or result.failed:
        if result.failed:
            reasons.append(f"{len(result.failed)} datapoint(s) failed their passing ranges or errored")
        else:
            reasons.append(result.error or "the backend reported the run as not successful")
        return Decision(Verdict.FAIL, tuple(reasons))
    if comparison is None:
        return Decision(Verdict.NEUTRAL, ("no baseline run to compare with yet",))
    hit = gate_failures(comparison, gates or {}, presentation or {})
    if hit:
        return Decision(Verdict.FAIL, tuple(hit), tuple(hit))
    return Decision(Verdict.PASS, ("every datapoint passed",))

"""The check's verdict and exit code, decided from what the backend reported (product.md).

- ``pass`` (exit 0): the backend's result reports no failure, and nothing about the evaluation broke.
- ``fail`` (exit 1), in this order of reasons:

  1. **The evaluation broke.** A metric with a passing range or a gate has no value on datapoints the backend
     passed (its evaluator raised, returned nothing, or names another metric): the range or gate was never
     checked there, so a green check would be a false one. The reason names the metric, the count and the
     evaluator's error. Likewise a dataset row the backend never recorded (it refused its session).
  2. **The backend's result reports failure**: ``success: false``, or datapoints in ``failed`` — unless
     ``verdict.allow_failed`` tolerates that many failed datapoints (the reasons say so).
  3. **A gate is hit** on the backend's comparison: a metric got worse past a bound *and* the change is
     significant (see :mod:`honeyhive_experiment.significance`), unless the gate says ``significant: false``.

- ``neutral`` (exit 0, with a warning): nothing to judge against — no baseline yet, or a fork PR without
  secrets (decided in the flow).
- ``error`` (exit 2, or 0 with ``fail-on-error: false``): the experiment could not be evaluated (decided where
  the error is caught: the CLI).

Evaluator errors on metrics without a range or gate do not change the verdict, but the decision carries them
as ``warnings``, which the comment shows in its visible part. Nothing is aggregated here: the inputs are the
backend's id lists, counts, differences and percentage changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from honeyhive_experiment.config import Direction, GateRule, MetricConfig, VerdictConfig
from honeyhive_experiment.models import ExperimentResultSummary, MetricDelta, MetricKey, RunComparisonResult
from honeyhive_experiment.significance import Assessment, Change, assess, describe, flips

if TYPE_CHECKING:
    from honeyhive_experiment.models.outcomes import DatapointOutcome

__all__ = [
    "PASS_FAIL",
    "Decision",
    "EvaluatorErrors",
    "Verdict",
    "assess_comparison",
    "decide",
    "evaluator_errors",
    "exit_code",
    "gate_failures",
    "unchecked_metrics",
]

PASS_FAIL = "pass/fail"  # noqa: S105 - a row key, not a password
"""The key of the McNemar test on datapoints that flipped between passing and failing, beside the metrics'."""


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
    warnings: tuple[str, ...] = field(default_factory=tuple)
    """Said in the comment's visible part, without changing the verdict (an evaluator that raised on a metric
    nothing judges, a gate past its bound but within noise, a tolerated failure)."""
    gates_hit: tuple[str, ...] = field(default_factory=tuple)
    """The metrics whose gate failed the check (the comment lists their degraded datapoints)."""


def exit_code(verdict: Verdict, *, fail_on_error: bool = True) -> int:
    if verdict is Verdict.FAIL:
        return 1
    if verdict is Verdict.ERROR:
        return 2 if fail_on_error else 0
    return 0


# ----------------------------------------------------------------------------------------- evaluator errors


@dataclass(frozen=True, slots=True)
class EvaluatorErrors:
    """How often one evaluator raised in this run, and its first error (``Type: message``)."""

    count: int
    first: str


def evaluator_errors(outcomes: Iterable[DatapointOutcome]) -> dict[str, EvaluatorErrors]:
    """Per evaluator name, the datapoints it raised on (from the run's own outcomes, in input order)."""
    found: dict[str, EvaluatorErrors] = {}
    for outcome in outcomes:
        for failure in outcome.evaluator_failures:
            seen = found.get(failure.evaluator)
            found[failure.evaluator] = (
                EvaluatorErrors(1, failure.error) if seen is None else EvaluatorErrors(seen.count + 1, seen.first)
            )
    return found


def _producer(metric: str, errors: Mapping[str, EvaluatorErrors]) -> str | None:
    """The evaluator whose metric ``metric`` is: its own name, or ``name_key`` of a dict it returns."""
    for name in sorted(errors, key=len, reverse=True):
        if metric == name or metric.startswith(name + "_"):
            return name
    return None


# ------------------------------------------------------------------------------------------ missing values


def unchecked_metrics(result: ExperimentResultSummary, metrics: Iterable[str]) -> dict[str, int]:
    """Per metric of ``metrics``, how many datapoints the backend *passed* have no value for it.

    A datapoint without a value for a ranged metric is not failed by it (honeyhive-api.md §3), so these are
    the datapoints whose range or gate was never checked. Set differences of the backend's own id lists:
    the run's ``passed`` minus the ids the metric's details list (any event); a legacy body without those lists
    is judged by its value count. Metrics with nothing missing are left out.
    """
    passed = list(dict.fromkeys(result.passed))
    found: dict[str, int] = {}
    for name in dict.fromkeys(metrics):
        details = [d for d in result.metrics.details if d.metric_name == name]
        if any(d.datapoints is None for d in details):  # no id lists (legacy bodies): count values instead
            total = len(passed) + len(dict.fromkeys(result.failed))
            missing = min(len(passed), max(0, total - sum(len(d.values) for d in details)))
        else:
            have = {
                i for d in details if d.datapoints is not None for i in (*d.datapoints.passed, *d.datapoints.failed)
            }
            missing = sum(1 for i in passed if i not in have)
        if missing:
            found[name] = missing
    return found


# ------------------------------------------------------------------------------------------------ comparison


def _better_worse(delta: MetricDelta, presentation: Mapping[str, MetricConfig]) -> tuple[int, int] | None:
    """The backend's improved/degraded counts, in the metric's direction (``None`` when it sent none)."""
    improved, degraded = delta.improved_total, delta.degraded_total
    if improved is None or degraded is None:
        return None
    lower = presentation.get(delta.metric_name, MetricConfig()).direction is Direction.LOWER
    return (degraded, improved) if lower else (improved, degraded)


def assess_comparison(
    comparison: RunComparisonResult,
    presentation: Mapping[str, MetricConfig],
    *,
    alpha: float,
    old_result: ExperimentResultSummary | None = None,
    new_result: ExperimentResultSummary | None = None,
) -> dict[MetricKey | str, Assessment]:
    """Each compared metric's change told apart from noise: an exact sign test on the backend's improved and
    degraded counts (direction-aware), and with both runs' results a McNemar test on the datapoints that
    flipped between passing and failing (key :data:`PASS_FAIL`); Holm-corrected across all of them."""
    rows: dict[MetricKey | str, tuple[int, int]] = {}
    for delta in comparison.metrics:
        counts = _better_worse(delta, presentation)
        if counts is not None:
            rows.setdefault(delta.key, counts)
    if old_result is not None and new_result is not None:
        flipped = flips(old_result.passed, old_result.failed, new_result.passed, new_result.failed)
        rows[PASS_FAIL] = (len(flipped.fail_to_pass), len(flipped.pass_to_fail))
    return assess(rows, alpha=alpha)


# ----------------------------------------------------------------------------------------------------- gates


def _drop(delta: MetricDelta, higher_is_better: bool) -> float | None:
    """How much worse the metric got (positive = worse), from the backend's difference."""
    if delta.difference is None:
        return None
    return -delta.difference if higher_is_better else delta.difference


def _hits(metric: str, delta: MetricDelta, gate: GateRule, higher: bool) -> list[str]:
    """The gate's bounds that the backend's numbers for ``delta`` exceed, in words."""
    hits: list[str] = []
    drop = _drop(delta, higher)
    change = delta.percentage_change
    worse_pct = None if change is None else (-change if higher else change)
    degraded = delta.degraded_count if higher else delta.improved_count
    if gate.max_drop is not None and drop is not None and drop > gate.max_drop:
        hits.append(f"{metric} got worse by {drop:g} (gate: at most {gate.max_drop:g})")
    if gate.max_drop_pct is not None and worse_pct is not None and worse_pct > gate.max_drop_pct:
        hits.append(f"{metric} got worse by {worse_pct:.1f}% (gate: at most {gate.max_drop_pct:g}%)")
    if gate.max_degraded is not None and degraded is not None and degraded > gate.max_degraded:
        hits.append(f"{metric} degraded on {degraded} datapoints (gate: at most {gate.max_degraded})")
    return hits


def gate_failures(
    comparison: RunComparisonResult,
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
    assessment: Mapping[MetricKey | str, Assessment] | None = None,
) -> tuple[list[tuple[str, str]], list[str]]:
    """Which configured gates the backend's comparison hits: ``([(metric, why)], [within noise, in words])``.

    A bound exceeded counts as a failure when the metric's change is significantly worse (its entry in
    ``assessment``), when the gate says ``significant: false``, or when significance cannot be told (the
    backend sent no improved/degraded counts; the reason says so). Otherwise it is reported as within noise.
    """
    failures: list[tuple[str, str]] = []
    noise: list[str] = []
    for metric, gate in gates.items():
        higher = presentation.get(metric, MetricConfig()).direction is Direction.HIGHER
        for delta in (d for d in comparison.metrics if d.metric_name == metric):
            hits = _hits(metric, delta, gate, higher)
            found = (assessment or {}).get(delta.key)
            if not hits:
                continue
            if not gate.significant:
                failures.extend((metric, f"{hit}; the gate counts any change (significant: false)") for hit in hits)
            elif found is None:
                failures.extend((metric, f"{hit}; significance unknown: no per-datapoint counts") for hit in hits)
            elif found.change is Change.WORSE:
                failures.extend((metric, f"{hit}; significant ({describe(found)})") for hit in hits)
            else:
                noise.extend(f"{hit}, but {found.change.value} ({describe(found)}): not failed" for hit in hits)
    return failures, noise


# ---------------------------------------------------------------------------------------------------- decide


def decide(
    result: ExperimentResultSummary,
    comparison: RunComparisonResult | None,
    *,
    gates: Mapping[str, GateRule] | None = None,
    presentation: Mapping[str, MetricConfig] | None = None,
    ranged: Iterable[str] = (),
    errors: Mapping[str, EvaluatorErrors] | None = None,
    policy: VerdictConfig | None = None,
    assessment: Mapping[MetricKey | str, Assessment] | None = None,
    unrecorded: Sequence[str] = (),
) -> Decision:
    """The verdict for a run the backend has summarised (see the module docstring for the order of reasons).

    ``ranged`` names the metrics with a passing range; ``errors`` are the evaluators' errors in this run
    (:func:`evaluator_errors`); ``assessment`` is :func:`assess_comparison` of ``comparison``; ``unrecorded``
    has the error of each dataset row the backend never recorded (it refused the datapoint's session).
    """
    gates = gates or {}
    errors = errors or {}
    policy = policy or VerdictConfig()
    reasons: list[str] = []
    warnings: list[str] = []

    judged = [*ranged, *gates]
    unchecked = unchecked_metrics(result, judged)
    blamed: set[str] = set()
    for metric, missing in unchecked.items():
        what = "passing range" if metric in ranged else "gate"
        reason = f"{metric} has a {what} but no value on {missing} of the datapoints the backend passed"
        producer = _producer(metric, errors)
        if producer is not None:
            blamed.add(producer)
            raised = errors[producer]
            reason += f": evaluator {producer} raised on {raised.count} datapoint(s) ({raised.first})"
        else:
            reason += ": its evaluator returned nothing for them"
        reasons.append(reason)
    if unrecorded:
        reasons.append(
            f"{len(unrecorded)} datapoint(s) of the dataset were not recorded by the backend, so they were never"
            f" judged ({unrecorded[0]})"
        )
    for name, raised in errors.items():
        if name not in blamed:
            warnings.append(f"evaluator {name} raised on {raised.count} datapoint(s): {raised.first}")

    failed = list(dict.fromkeys(result.failed))
    total = len(dict.fromkeys(result.passed)) + len(failed)
    tolerated = policy.tolerated_failures(total)
    if failed and len(failed) <= tolerated:
        warnings.append(
            f"{len(failed)} of {total} datapoint(s) failed, within the tolerance (verdict.allow_failed:"
            f" {policy.allow_failed})"
        )
    elif failed:
        reasons.append(f"{len(failed)} datapoint(s) failed their passing ranges or errored")
    elif not result.success:
        reasons.append(result.error or "the backend reported the run as not successful")
    if reasons:
        return Decision(Verdict.FAIL, tuple(reasons), warnings=tuple(warnings))

    if comparison is None:
        return Decision(Verdict.NEUTRAL, ("no baseline run to compare with yet",), warnings=tuple(warnings))
    hit, noise = gate_failures(comparison, gates, presentation or {}, assessment)
    warnings.extend(noise)
    if hit:
        texts = tuple(text for _, text in hit)
        metrics = tuple(dict.fromkeys(metric for metric, _ in hit))
        return Decision(Verdict.FAIL, texts, texts, warnings=tuple(warnings), gates_hit=metrics)
    return Decision(Verdict.PASS, ("every datapoint passed",), warnings=tuple(warnings))

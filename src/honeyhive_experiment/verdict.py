"""The check's verdict and exit code, decided from what the backend reported (product.md).

- ``pass`` (exit 0): the backend's result reports no failure, and nothing about the evaluation broke.
- ``fail`` (exit 1), in this order of reasons:

  1. **The evaluation broke.** A metric with a passing range or a gate has no value on datapoints the backend
     passed (its evaluator raised, returned nothing or a string, or names another metric; or the backend's summary
     lacks a value this run recorded there, :func:`_dropped`), or with trials in some of their trials
     (:func:`partly_missing`): the range or gate was never checked there, so a green check would be a false one. The
     reason names the metric, the count and the evaluator's error, or the backend (a datapoint the backend never
     recorded is not among them: it was never judged, and says so). Likewise a dataset row the backend never
     recorded (its session, its outputs or its spans; with trials, none of them: one that lost only some is judged
     on the others, and says so, :func:`lost_trials`); a datapoint whose function raised in this run but not in the
     baseline (a new crash, whatever ``allow_failed`` says; one on a new id, where ids may have moved, is said to be
     maybe an old one: :func:`_old_crashes`);
     an evaluator that raised on every datapoint it ran on, or on more of them than
     ``verdict.allow_evaluator_errors`` tolerates (default none); a gate that can never fail: an absolute
     bound of 1 or more on a metric the report shows as a percentage whose aggregate lies between 0 and 1 (a
     boolean metric's pass rate, or a percentage format on values between 0 and 1: :func:`unreachable_gate`; with
     trials a boolean metric is told by the values the evaluators returned, :func:`boolean_metrics`);
     a gate the comparison never paired: both runs have the metric, but on events
     of different names (a renamed function), and the backend pairs metrics on ``(metric_name, event_name)``;
     a ``metrics:`` key that names no metric either run recorded (a misspelt dict key: its direction and format
     apply to nothing, :func:`unmatched_presentation`); and a gate on the function's LLM calls (tokens, cost, calls)
     where this run saw no call on any datapoint and the baseline saw some: with ``instrument:`` each records 0, a
     drop to 0 that read as "better" when the instrumentation stopped seeing the client (:func:`_no_calls`).
  2. **The backend's result reports failure**: ``success: false``, or datapoints in ``failed`` — unless
     ``verdict.allow_failed`` tolerates that many failed datapoints (the reasons say so). Those that failed a passing
     range and those whose function errored are said apart, the errors by exception and line, with their rows.
  3. **A gate is crossed** on the backend's comparison: a metric got worse past a bound (by more than float
     rounding: a change exactly at the bound, 90% to 85% with ``max_drop: 0.05``, holds). The gate's change is
     tested one-sided in the worse direction, Holm-corrected over the gated metrics only (those with ``significant:
     true`` apart from the others: :func:`assess_gates`), and its p-value is said beside it; only a gate with
     ``significant: true`` also needs that test to be significant (noise-aware gating, the user's opt-in). A
     bound the backend sent nothing to judge by (no difference, percentage change or count, on a metric both runs
     have values of; a ``max_degraded`` whose counts pair no datapoint though the runs share some, or that held on
     fewer datapoints than have the metric in both runs, with too little room for the others: :func:`_unknown`)
     was never checked, and fails likewise. An efficiency metric's value that
     leaves LLM calls out (no price, no token usage, made outside every datapoint) is a lower bound of the whole
     (unless they were all of some datapoint's calls, or with trials of some of its trials, which so have no value:
     then crossing it even were those 0 is the bound, :func:`_past_at_zero`):
     this run's alone crossing the gate is a failure all the same; both leaving out only calls made outside every
     datapoint, as many in each, are judged on the datapoints' own calls, with a warning (:func:`_unjudged`).

- ``neutral`` (exit 0, with a warning): nothing to judge against — no baseline yet, or a fork PR without
  secrets (decided in the flow) — or a gate that could not be checked: the baseline has no value for its metric,
  the runs share no datapoint for its ``max_degraded``, or enough of this run's may be the baseline's under new
  ids to cross it (:func:`_moved`), or the runs have its metric on different datapoints of those they share for its
  bounds on the aggregate, which the datapoints compared do not bear out (:func:`_diluted`), or its metric is an
  efficiency metric whose values leave out LLM calls so that the whole could be on the gate's other side
  (:func:`_unjudged`); or a passing range's ``max`` on an efficiency metric, on datapoints the backend passed whose
  values leave out LLM calls of their own, lower bounds that could be past it (:func:`ranges_unchecked`; a ``min``
  is as the backend judged it); when another reason fails the check, each such gate or range is a warning beside
  it. With comparisons
  switched off (``baseline.strategy: none``) no baseline is
  coming, and a run without one is judged by reasons 1 and 2 alone: ``pass`` or ``fail``, but for such a range.
- ``error`` (exit 2, or 0 with ``fail-on-error: false``): the experiment could not be evaluated (decided where
  the error is caught: the CLI).

Evaluator errors within ``allow_evaluator_errors``, tolerated failures and gates within noise do not change the
verdict, but the decision carries them as ``warnings``, which the comment shows in its visible part; so do the
gates that judge nothing: a ``significant: true`` gate on too few datapoints for any change to be significant
(:func:`_never`), a ``max_degraded`` of as many datapoints as the comparison pairs or more (:func:`_never_degraded`),
and one on the function's LLM calls where neither run saw a call. Nothing is aggregated here: the
inputs are the backend's id lists, counts, differences and percentage changes (and of ``llm_calls``, its aggregate),
and the counts of this run's own outcomes.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from statistics import fmean
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

from honeyhive_experiment.config import Direction, GateRule, MetricConfig, VerdictConfig
from honeyhive_experiment.efficiency import CALL_METRICS, JUDGE, NO_VALUE, OUTSIDE, UNFINISHED, own_left_out
from honeyhive_experiment.efficiency import METRICS as EFFICIENCY_METRICS
from honeyhive_experiment.models import ExperimentResultSummary, MetricDelta, MetricKey, RunComparisonResult
from honeyhive_experiment.models.outcomes import (
    COLLISION,
    DICT_OF_METRICS,
    MISSING_GROUND_TRUTH,
    NONE_UNDER_KEY,
    NOT_CALLED,
    NOT_RAISED,
    RETURNED_NONE,
    excerpt,
    first_ids,
    scored,
    valued,
)
from honeyhive_experiment.report.pairing import ids_moved, inputs_moved, may_have_moved, uncompared, unpaired_counts
from honeyhive_experiment.significance import (
    Assessment,
    Change,
    Row,
    assess,
    assess_regressions,
    flips,
    holm,
    needed,
    p_text,
    regression_test,
    smallest_p,
    unanimous_p,
)

if TYPE_CHECKING:
    from honeyhive_experiment.models.outcomes import DatapointOutcome

__all__ = [
    "PASS_FAIL",
    "Bounds",
    "Crashes",
    "Crossed",
    "Decision",
    "EvaluatorErrors",
    "Facts",
    "Unchecked",
    "Verdict",
    "assess_comparison",
    "assess_gates",
    "boolean_metrics",
    "crashes",
    "crossed",
    "decide",
    "did",
    "evaluator_errors",
    "evaluator_warnings",
    "exit_code",
    "facts",
    "in_points",
    "in_units",
    "is_boolean",
    "left_out_text",
    "llm_calls_text",
    "lost_trials",
    "no_values",
    "partly_missing",
    "producer",
    "ranges_unchecked",
    "returned_none",
    "returned_strings",
    "same_but_for_noise",
    "string_values",
    "unchecked",
    "unchecked_metrics",
    "unmatched_presentation",
    "unreachable_gate",
    "unrecorded",
]

PASS_FAIL = "pass/fail"  # noqa: S105 - a row key, not a password
"""The key of the McNemar test on datapoints that flipped between passing and failing, beside the metrics'."""

NOISE: Final = 1e-9
"""How far past a gate's bound a change is still at it, as a share of the size of the numbers it was computed from:
float arithmetic's rounding, not a change (18/20 to 17/20 is a drop of 0.050000000000000044, exactly 5 pp)."""
TINY: Final = 1e-12
"""How far past a gate's bound a change is still at it when the numbers it was computed from are 0 or nearly: float
noise above an aggregate of 0 (``abs(0.3 - (0.1 + 0.2))``), as the embedded backend's comparison takes it."""
WHOLE: Final = 100.0
"""The size a percentage change is computed from: a percent of the baseline's aggregate."""


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
    not_checked: tuple[MetricKey, ...] = ()
    """The comparison's rows (metric, event) of :attr:`gates_hit` that crossed no bound, but have one the backend sent
    nothing to judge by (they say "could not be checked", as the reasons do)."""
    not_fully_checked: tuple[MetricKey, ...] = ()
    """The rows of :attr:`gates_hit` whose gate failed only for its ``max_degraded``, which held on the datapoints the
    comparison paired but not on those it left out (they say "could not be fully checked")."""


def exit_code(verdict: Verdict, *, fail_on_error: bool = True) -> int:
    if verdict is Verdict.FAIL:
        return 1
    if verdict is Verdict.ERROR:
        return 2 if fail_on_error else 0
    return 0


# ----------------------------------------------------------------------------------------- evaluator errors


@dataclass(frozen=True, slots=True)
class EvaluatorErrors:
    """How often one evaluator raised in this run, of how many datapoints it ran on (0: not known), and its
    first error (``Type: message``)."""

    count: int
    first: str
    of: int = 0
    kinds: tuple[tuple[int, str], ...] = ()
    """Errors of more than one kind (it raised; it was not called; :func:`did`): each kind's count and first error."""
    spared: int = 0
    """With trials, the datapoints of ``count`` it raised on in some of their trials only: another gave a value (a
    number or a bool)."""

    @property
    def everywhere(self) -> bool:
        """It raised on every datapoint it ran on, in every trial: it is broken, not unlucky (a judge that raised in
        one trial of each of them, a rate limit, gave every one a value in the others: a count to tolerate)."""
        return self.of > 0 and self.count - self.spared >= self.of

    @property
    def said(self) -> str:
        """Its errors in words: its first error; of more than one kind, what it did on how many of each, and why."""
        said = [(count, *_said_one(first)) for count, first in self.kinds]
        return "; ".join(f"{who} on {count} ({why})" for count, who, why in said) or self.first


def _grouped(errors: Iterable[tuple[str, str, str, str]]) -> dict[str, dict[str, tuple[str, dict[str, None]]]]:
    """Of ``(who, kind, error, datapoint)``, per who (an evaluator; the function), per kind of its errors: the first
    error and the datapoints, in input order; a datapoint once per kind (with trials, its trials are one)."""
    kinds: dict[str, dict[str, tuple[str, dict[str, None]]]] = {}
    for who, kind, error, datapoint in errors:
        kinds.setdefault(who, {}).setdefault(kind, (error, {}))[1].setdefault(datapoint)
    return kinds


def evaluator_errors(outcomes: Iterable[DatapointOutcome]) -> dict[str, EvaluatorErrors]:
    """Per evaluator name, the datapoints it raised on, of those its evaluators ran on (the function returned),
    from the run's own outcomes, in input order. With trials the datapoint stays the unit: one that raised on any
    of its trials counts once, and is ``spared`` when another gave a value (:func:`_gave`)."""
    outcomes = list(outcomes)
    evaluated: dict[str, list[DatapointOutcome]] = {}  # the trials its evaluators ran on, per datapoint
    for outcome in outcomes:
        if outcome.status == "ok":
            evaluated.setdefault(outcome.datapoint_id, []).append(outcome)
    errors = ((e.evaluator, did(e.error), e.error, o.datapoint_id) for o in outcomes for e in o.evaluator_failures)
    kinds = _grouped(errors)
    found: dict[str, EvaluatorErrors] = {}
    for name, of_kinds in kinds.items():
        first = next(iter(of_kinds.values()))[0]  # its first error is its first kind's
        raised = set().union(*(ids for _, ids in of_kinds.values()))
        counted = tuple((len(ids), error) for error, ids in of_kinds.values()) if len(of_kinds) > 1 else ()
        spared = sum(any(_gave(trial, name) for trial in evaluated.get(i, ())) for i in raised)
        found[name] = EvaluatorErrors(len(raised), first, len(evaluated), counted, spared)
    return found


def _gave(trial: DatapointOutcome, name: str) -> bool:
    """Whether evaluator ``name`` gave a value in ``trial``: it did not fail there and its metric is a number or a
    bool (None, a string: no value a gate or an aggregate can use), or it returned a dict without a ``score`` (said in
    :attr:`~honeyhive_experiment.models.outcomes.DatapointOutcome.no_metric`) one of whose ``name_<key>`` metrics is
    one. Not another metric whose name starts so: another evaluator's (``judge_v2``), the evaluators' LLM calls'
    (``judge_cost_usd``), when it returned None."""
    if any(f.evaluator == name for f in trial.evaluator_failures):
        return False
    if isinstance(trial.metrics.get(name), int | float):
        return True
    if trial.no_metric.get(name) in (None, RETURNED_NONE):  # no dict of its own, so no name_<key> of it
        return False
    own = name + "_"
    return any(isinstance(v, int | float) and k.startswith(own) and k not in _JUDGES for k, v in trial.metrics.items())


_JUDGES: Final = frozenset(JUDGE + metric for metric in EFFICIENCY_METRICS)  # the evaluators' LLM calls' metrics


Crashes = Mapping[str, tuple[str, Mapping[str, str]]]
"""The function's errors in a run (:func:`crashes`): per kind (``KeyError at app.py:61``; ``timeout``), the first one's
message and the datapoints, each with where it is shown (its dataset row, else its id), in input order."""


def crashes(outcomes: Iterable[DatapointOutcome], places: Mapping[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    """The datapoints whose function raised or timed out in the run's own ``outcomes``, grouped by the exception's
    type and the user's line it was raised at (every timeout one kind), as :data:`Crashes`, each message by its
    words within 40 characters (``excerpt``: a secret quoted whole or not at all); ``places``: where the datapoints
    are in the dataset file (``data/q.jsonl:6``)."""
    kinds = _grouped(
        ("", *(error.partition(": ")[::2] if o.status == "function_error" else ("timeout", error)), o.datapoint_id)
        for o in outcomes
        if o.status in ("function_error", "timeout") and (error := o.error) is not None
    )
    return {
        kind: (excerpt(message), {i: places.get(i, i) for i in ids})
        for kind, (message, ids) in kinds.get("", {}).items()
    }


def unrecorded(outcomes: Iterable[DatapointOutcome]) -> dict[str, str]:
    """The error of each dataset row the backend never recorded (its session, its outputs or its spans), by datapoint
    id in input order (with trials: its first trial's, none of its trials recorded), from the run's own outcomes: the
    backend's success says nothing of them."""
    return {i: errors[0] for i, (errors, kept) in _lost(outcomes).items() if not kept}


def lost_trials(outcomes: Iterable[DatapointOutcome]) -> dict[str, tuple[int, str]]:
    """With trials, the datapoints the backend recorded some trials of but not the others (their sessions, outputs
    or spans), by id in input order: how many it lost, and the first one's error. They are judged on the others
    (the backend's values are their means), which leave those out."""
    return {i: (len(errors), errors[0]) for i, (errors, kept) in _lost(outcomes).items() if kept}


def _lost(outcomes: Iterable[DatapointOutcome]) -> dict[str, tuple[list[str], int]]:
    """Per datapoint with a trial the backend never recorded (without trials: its one), by id in input order: those
    trials' errors, and how many of its trials it recorded."""
    trials: dict[str, list[DatapointOutcome]] = {}
    for outcome in outcomes:
        trials.setdefault(outcome.datapoint_id, []).append(outcome)
    found: dict[str, tuple[list[str], int]] = {}
    for datapoint, group in trials.items():
        if errors := [o.error or "backend error" for o in group if o.status == "backend_error"]:
            found[datapoint] = (errors, len(group) - len(errors))
    return found


def did(error: str) -> str:
    """What an evaluator did on a datapoint, from its error (``Type: message``), as words after its name: it raised;
    it was not called (the datapoint has no ground truth it requires, or its timeout ran out before its turn); nothing
    (its metric's name is another's); it returned an invalid metric (NaN, a value that is no metric, ...: the other
    kinds of :data:`NOT_RAISED`)."""
    kind = error.partition(": ")[0]
    return {COLLISION: "", MISSING_GROUND_TRUTH: " was not called", NOT_CALLED: " was not called"}.get(
        kind, " returned an invalid metric" if kind in NOT_RAISED else " raised"
    )


def string_values(outcomes: Iterable[DatapointOutcome], metrics: Iterable[str]) -> dict[str, str]:
    """Per metric of ``metrics``, the first string value this run's outcomes hold for it: the backend keeps only
    numbers and booleans, so a range or a gate on it has no value to check (an outcome read back from HoneyHive
    holds a string without its text: ``""``)."""
    wanted = set(metrics)
    found: dict[str, str] = {}
    for outcome in outcomes:
        for name in wanted - found.keys():
            value = outcome.metrics.get(name)
            if isinstance(value, str):
                found[name] = value
    return found


def producer(metric: str, evaluators: Iterable[str]) -> str | None:
    """The evaluator of ``evaluators`` whose metric ``metric`` is: its name, or ``name_key`` of a dict it returns."""
    names = [name for name in evaluators if metric == name or metric.startswith(name + "_")]
    return max(names, default=None)  # the longest: each begins ``metric``, so a shorter one sorts first


def returned_none(outcomes: Iterable[DatapointOutcome]) -> dict[str, str]:
    """Each evaluator that produced no metric on any datapoint it ran on (the function returned), returning None on
    them (:data:`~honeyhive_experiment.models.outcomes.RETURNED_NONE`: a forgotten ``return``?) but those it errored
    on, in words by name, from this job's outcomes. A warning, not a reason: None is how an evaluator skips a
    datapoint, and a metric that is judged says its missing values itself (:func:`broken`). With trials the datapoint
    stays the unit, and every trial of every one gave nothing."""
    ran = [outcome for outcome in outcomes if outcome.status == "ok"]
    of = len({o.datapoint_id for o in ran})
    found: dict[str, str] = {}
    for name in dict.fromkeys(n for o in ran for n, why in o.no_metric.items() if why == RETURNED_NONE):
        if not all(
            o.no_metric.get(name) == RETURNED_NONE or any(f.evaluator == name for f in o.evaluator_failures)
            for o in ran
        ):
            continue  # a metric (or a dict's words) somewhere: it works there
        none = len({o.datapoint_id for o in ran if o.no_metric.get(name) == RETURNED_NONE})
        where = _ran_on(none, of, "errored on the others")
        found[name] = (
            f"evaluator {name!r} returned None on {where}, so it produced no metric: does it end without a return?"
        )
    return found


def _ran_on(some: int, of: int, others: str) -> str:
    """Which of the ``of`` datapoints an evaluator ran on it did something on: every one, or ``some`` of them and
    ``others`` on the rest (:func:`returned_none`, :func:`returned_strings`)."""
    if some < of:
        return f"{some} of the {of} datapoints it ran on and {others}"
    return f"every datapoint it ran on ({of})"


def returned_strings(outcomes: Iterable[DatapointOutcome], evaluators: Iterable[str]) -> dict[str, str]:
    """Each evaluator of ``evaluators`` whose metric (of its name: what it returned, or its dict's ``score``) is a
    string on some datapoint it ran on and a number or a bool on none, in words by name: the backend keeps only
    numbers and booleans, so its metric left the run's table without a word (the string is still recorded, as an
    explanation is). On the datapoints without a string it returned None or raised. The datapoint is the unit, as
    in :func:`returned_none`; a string read back from HoneyHive has no text (``""``)."""
    ran = [outcome for outcome in outcomes if outcome.status == "ok"]
    of = len({o.datapoint_id for o in ran})
    found: dict[str, str] = {}
    for name in dict.fromkeys(evaluators):
        values = [(o.datapoint_id, o.metrics.get(name)) for o in ran]
        if any(isinstance(value, int | float) for _, value in values):  # a bool too: a metric somewhere
            continue
        texts: dict[str, str] = {}
        for datapoint, value in values:
            if isinstance(value, str):
                texts.setdefault(datapoint, value)
        if not texts:
            continue
        where = _ran_on(len(texts), of, "no metric on the others")
        first = next(iter(texts.values()))
        shown = f", such as {excerpt(first)!r}" if first else ""
        advice = (
            "return the number itself, not its text (`float(x)`), as a dict's 'score' too"
            if all(_a_number(text) for text in texts.values())  # one word among them: float() would raise on it
            else "return a number or a bool, or a dict with the number as 'score' and the text as 'explanation'"
        )
        found[name] = (
            f"evaluator {name!r} returned a string on {where}{shown}, so it produced no metric: only numbers and"
            f" booleans are metrics; {advice}"
        )
    return found


def _a_number(text: str) -> bool:
    """Whether ``text`` is a finite number written as a string (``"0.7"``, ``" 1e-3"``): ``float()`` reads it."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def evaluator_warnings(
    outcomes: Iterable[DatapointOutcome], reasons: Iterable[str] = (), evaluators: Iterable[str] = ()
) -> list[str]:
    """What the run said of its evaluators that is no error, for the verdict's warnings: once per evaluator, in the
    order first said, its dict without a scalar ``score`` (the words of its first datapoint), then
    :func:`returned_none`'s, but for one a reason of the verdict's (``reasons``) names already (its judged metric's:
    :func:`_unrecorded_metric`), then :func:`returned_strings`' of ``evaluators`` (their names), but for one whose
    metric a reason is about (``name has a passing range`` or ``gate``: :func:`broken` says it is a string)."""
    outcomes = list(outcomes)
    said: dict[str, str] = {}
    for outcome in outcomes:
        for name, why in outcome.no_metric.items():
            if why not in (RETURNED_NONE, NONE_UNDER_KEY, DICT_OF_METRICS):
                said.setdefault(name, f"evaluator {name!r} {why}")
    reasons = tuple(reasons)
    nones = returned_none(outcomes)
    strings = returned_strings(outcomes, evaluators)
    return [
        *said.values(),
        *(text for name, text in nones.items() if not any(_forgot(name) in r for r in reasons)),
        *(text for name, text in strings.items() if not any(r.startswith(f"{name} has a ") for r in reasons)),
    ]


def _forgot(evaluator: str) -> str:
    """How a reason names an evaluator that returned None on every datapoint (:func:`_unrecorded_metric`)."""
    return f"its evaluator {evaluator!r} returned None on every datapoint it ran on (a forgotten return?)"


def no_values(
    comparison: RunComparisonResult | None,
    evaluators: Iterable[str],
    declared: Container[str] = (),
    judged: Container[str] = (),
    presentation: Mapping[str, MetricConfig] | None = None,
    aggregation: str | None = None,
    none_everywhere: Collection[str] = (),
) -> list[str]:
    """The metrics the baseline has a value for and this run has none, though what records them is still configured
    (an evaluator of ``evaluators`` by :func:`producer`, or ``other_metrics``: ``declared``), in words: a warning, as
    for any metric nothing judges (its row: no values in this run); one with a passing range or a gate (``judged``)
    is a reason already (:func:`broken`), one whose evaluator returned None on every datapoint (``none_everywhere``)
    a warning already (:func:`returned_none`). A metric whose evaluator is gone from the experiment is said by its row.
    Each named by its label, the baseline's value in its format, as the table shows them (``presentation``: the
    experiment file's ``metrics``; ``aggregation``: the run's aggregate function, which makes a pass rate)."""
    from honeyhive_experiment.report.numbers import format_number  # not at the top: the report imports this module

    evaluators, presentation = list(evaluators), presentation or {}
    deltas = comparison.metrics if comparison is not None else ()
    now = {d.metric_name for d in deltas if d.new_aggregate is not None}
    found: dict[str, str] = {}
    for delta in deltas:
        metric, old, who = delta.metric_name, delta.old_aggregate, producer(delta.metric_name, evaluators)
        if old is None or metric in now or metric in judged or metric in found:
            continue
        if who in none_everywhere:
            continue
        if who is not None:
            source = f"its evaluator {who!r} is still configured, but recorded it on no datapoint"
        elif metric in declared:
            source = "it is in other_metrics, but nothing recorded it on any datapoint"
        else:
            continue
        shown = presentation.get(metric, MetricConfig())
        percent = shown.format is None and in_points(None, is_boolean(delta.old_values), aggregation)
        value = format_number(old, shown.format, percent=percent)
        found[metric] = (
            f"{shown.label or metric} has no value in this run, though the baseline has one ({value}): {source}"
        )
    return list(found.values())


# ------------------------------------------------------------------------------------------ missing values


def partly_missing(
    outcomes: Iterable[DatapointOutcome], metrics: Iterable[str]
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per metric of ``metrics``, the datapoints whose trials disagree on having a value for it, from the run's own
    outcomes: a trial the evaluators ran on (the function returned) has no number or bool for it (its evaluator
    raised, returned nothing or a string) while another trial has one; each as ``(its trials without a value, its
    trials)``. The backend's value of such a datapoint is the mean of the trials that have one, so its range or
    gate was never checked on the others. A count of what was recorded, as :func:`evaluator_errors`'s; metrics and
    datapoints with none are left out (without trials there are none)."""
    trials: dict[str, list[DatapointOutcome]] = {}
    for outcome in outcomes:
        trials.setdefault(outcome.datapoint_id, []).append(outcome)
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for name in dict.fromkeys(metrics):
        for datapoint, group in trials.items():
            have = [scored(o.metrics.get(name)) for o in group if o.status == "ok"]
            if any(have) and not all(have):
                found.setdefault(name, {})[datapoint] = (have.count(False), len(group))
    return found


def unchecked_metrics(
    result: ExperimentResultSummary,
    metrics: Iterable[str],
    unrecorded: Container[str] = (),
    partly: Mapping[str, Container[str]] | None = None,
) -> dict[str, int]:
    """Per metric of ``metrics``, how many datapoints the backend *passed* have no value for it.

    A datapoint without a value for a ranged metric is not failed by it (honeyhive-api.md §3), so these are
    the datapoints whose range or gate was never checked. Set differences of the backend's own id lists:
    the run's ``passed`` minus the ids the metric's details list (any event); a legacy body without those lists
    is judged by its value count, and one without values either (the spec requires neither) by the summary's rows
    that hold a value of it, when any row holds a metric (else nothing is said of it: nothing tells). Metrics with
    nothing missing are left out. The datapoints of ``unrecorded``
    (ids) do not count: the backend passes a session it holds no span of, and it is no evaluator's doing. With
    trials, those of ``partly`` (per metric, :func:`partly_missing`) count too: the backend has a value for them,
    but not from every trial.
    """
    passed = _judged(result, unrecorded)
    found: dict[str, int] = {}
    for name in dict.fromkeys(metrics):
        held, some = _held(result, name), (partly or {}).get(name, ())
        if isinstance(held, int):  # no id lists (legacy bodies): count values
            total = len(passed) + len(dict.fromkeys(result.failed))
            lacking = max(0, total - held) + sum(1 for i in passed if i in some)
            missing = min(len(passed), lacking)
        else:
            missing = 0 if held is None else sum(1 for i in passed if i not in held or i in some)
        if missing:
            found[name] = missing
    return found


def _held(result: ExperimentResultSummary, name: str) -> set[str] | int | None:
    """The datapoints the summary holds a value of metric ``name`` on: those its details' id lists name (any event);
    of a legacy body without them but with values, only how many values it has; of details with neither (the spec
    requires neither), the rows holding one (:func:`_rows_with`: ``None`` when no row holds any metric)."""
    details = [d for d in result.metrics.details if d.metric_name == name]
    if any(d.datapoints is None for d in details) and any("values" in d.model_fields_set for d in details):
        return sum(len(d.values) for d in details)
    if all(d.datapoints is not None for d in details):
        return {i for d in details if d.datapoints is not None for i in (*d.datapoints.passed, *d.datapoints.failed)}
    return _rows_with(result, name)


def _rows_with(result: ExperimentResultSummary, name: str) -> set[str] | None:
    """The summary's rows (their keys) holding a value of metric ``name``; ``None`` when no row holds any metric."""
    if not any(held for _, held in result.datapoints.values()):
        return None
    return set().union(*(keys for (metric, _), keys in result.datapoints.holding().items() if metric == name))


def _dropped(result: ExperimentResultSummary, metric: str, valued: Container[str], judged: Iterable[str]) -> list[str]:
    """The datapoints of ``judged`` (those the backend passed) on which this run's outcomes hold a value of ``metric``
    (``valued``) and the summary has none (:func:`_held`): the backend lost it, or had not summarised it yet. A legacy
    body, which counts its values only, names none."""
    held = _held(result, metric)
    if not isinstance(held, set):
        return []
    return [i for i in judged if i in valued and i not in held]


def _unshown(dropped: Sequence[str], missing: int) -> str:
    """That the summary lacks the values this run recorded on ``dropped`` of the ``missing`` datapoints without one,
    in words after a reason: the backend's doing, not an evaluator's."""
    them = "each of them" if len(dropped) == missing else f"{len(dropped)} of them"
    return (
        f": the backend's summary lacks the values this run recorded on {them} ({_listed(dropped, 1)}): lost, or not"
        " summarised yet when the wait for it ended"
    )


def _judged(result: ExperimentResultSummary, unrecorded: Container[str]) -> list[str]:
    """The datapoints the backend passed, once each, but those of ``unrecorded``."""
    return [i for i in dict.fromkeys(result.passed) if i not in unrecorded]


# ------------------------------------------------------------------------------------------------ comparison


def _rows(
    comparison: RunComparisonResult,
    presentation: Mapping[str, MetricConfig],
    *,
    only: Container[str] | None = None,
    old_result: ExperimentResultSummary | None = None,
    new_result: ExperimentResultSummary | None = None,
    trials_differ: bool,
    aggregation: str,
) -> dict[MetricKey | str, Row]:
    """Per compared metric (of ``only``, else all), what its test is run on, in the metric's direction: the backend's
    improved/degraded counts, its change of the aggregate, and with both runs' results and a mean aggregate each
    shared datapoint's difference (:func:`_paired`: the t-test); a metric the backend sent no counts for is left
    out. ``trials_differ``: the runs ran different numbers of trials, so a row without differences is untold.
    ``aggregation`` is the configured aggregate function, which decides whether it is a mean: the summary's echo of
    it (often not sent) only confirms it, never makes a median one."""
    deltas = [
        (d, improved, degraded)
        for d in comparison.metrics
        if (improved := d.improved_total) is not None
        and (degraded := d.degraded_total) is not None
        and (only is None or d.metric_name in only)
    ]
    differences: dict[MetricKey, tuple[float, ...]] = {}
    mean = aggregation == "average" and new_result is not None and new_result.metrics.aggregation_function in _MEANS
    if old_result is not None and new_result is not None and mean:
        differences = _paired(old_result, new_result, [d.key for d, _, _ in deltas], comparison.common_datapoints)
    rows: dict[MetricKey | str, Row] = {}
    for delta, improved, degraded in deltas:
        lower = presentation.get(delta.metric_name, MetricConfig()).direction is Direction.LOWER
        found = differences.get(delta.key)
        shown = delta.difference
        if lower:  # in the metric's direction: positive is better
            found, shown = None if found is None else tuple(-d for d in found), None if shown is None else -shown
        rows.setdefault(
            delta.key,
            Row(
                *((degraded, improved) if lower else (improved, degraded)),
                differences=found,
                shown=shown,
                untold=trials_differ and found is None,
            ),
        )
    return rows


_MEANS: Final = frozenset({None, "average"})
"""The aggregate functions that take the mean: of a boolean metric its pass rate (the report shows it in percent);
their change is the mean difference the paired t-test tests."""


def _paired(
    old: ExperimentResultSummary, new: ExperimentResultSummary, keys: Sequence[MetricKey], common: Iterable[str]
) -> dict[MetricKey, tuple[float, ...]]:
    """Per metric of ``keys``, its change (new - old) on each of the ``common`` datapoints that has a value in both
    runs' per-datapoint results (with trials: the mean of its trials, as the backend reduced them), paired by
    datapoint id. Left out: a metric with no such datapoint (the sign test then), or whose values there are all
    booleans, a pass rate, whose paired test is McNemar's on the flips, the sign test of its counts. Only inside a
    test statistic: never shown. Values equal but for float noise differ by 0 (:func:`_change`)."""
    before, after = _values(old, keys), _values(new, keys)
    found: dict[MetricKey, tuple[float, ...]] = {}
    for key in keys:
        first, second = before.get(key, {}), after.get(key, {})
        pairs = [(first[i], second[i]) for i in dict.fromkeys(common) if i in first and i in second]
        if not all(isinstance(v, bool) for pair in pairs for v in (*pair[0], *pair[1])):
            found[key] = tuple(_change(_mean(a), _mean(b)) for a, b in pairs)
    return found


def same_but_for_noise(old: float, new: float) -> bool:
    """Whether two values are equal but for float arithmetic's rounding (``0.1 + 0.2`` and ``0.3``): within
    :data:`NOISE` of the larger, or :data:`TINY` near 0; two whole numbers below 2**53 (:func:`_whole`: tokens,
    counts) have no rounding, so only when equal. The rule the embedded backend counts a datapoint the same by
    (``honeyhive_local.results.unchanged``)."""
    return old == new if _whole(old, new) else math.isclose(old, new, rel_tol=NOISE, abs_tol=TINY)


def _change(old: float, new: float) -> float:
    """``new - old``, and 0 when they are equal but for float noise (``0.1 + 0.2`` against ``0.3``), by the rule the
    embedded backend counts a datapoint the same by (``honeyhive_local.results.unchanged``): a difference of
    ``-5.55e-17`` on every datapoint is a t of minus infinity, a significant drop of nothing, and noise on the
    unchanged datapoints counts them as changes in the t-test's floor. Infinite past the largest float (-1e308 from
    1e308): :func:`~honeyhive_experiment.significance.t_test` takes that."""
    return 0.0 if same_but_for_noise(old, new) else new - old


def _mean(values: Sequence[float]) -> float:
    """:func:`~statistics.fmean` of a datapoint's values (its trials'), also where their sum is past the largest float
    (1e308 twice), which fmean raises on: their mean is finite, taken on them scaled into [-1, 1] then."""
    try:
        return fmean(values)
    except OverflowError:
        scale = max(map(abs, values))
        return fmean(v / scale for v in values) * scale


def _values(result: ExperimentResultSummary, keys: Iterable[MetricKey]) -> dict[MetricKey, dict[str, list[float]]]:
    """Per metric of ``keys``, each datapoint's numbers and booleans in ``result``'s per-datapoint rows (one, unless
    a datapoint has several events of the metric's name: the backend compares their mean)."""
    wanted = set(keys)
    found: dict[MetricKey, dict[str, list[float]]] = {}
    for datapoint, metrics in result.datapoints.values():
        for name, event_name, value in metrics:
            if (name, event_name) in wanted and isinstance(value, bool | int | float):
                found.setdefault((name, event_name), {}).setdefault(datapoint, []).append(value)
    return found


def assess_comparison(
    comparison: RunComparisonResult,
    presentation: Mapping[str, MetricConfig],
    *,
    alpha: float,
    old_result: ExperimentResultSummary | None = None,
    new_result: ExperimentResultSummary | None = None,
    trials_differ: bool = False,
    aggregation: str = "average",
) -> dict[MetricKey | str, Assessment]:
    """Each compared metric's change told apart from noise, Holm-corrected across all of them: a mean's by the
    paired t-test on its datapoints' differences, any other's by an exact sign test on the backend's improved and
    degraded counts (direction-aware), and with both runs' results a McNemar test on the datapoints that flipped
    between passing and failing (key :data:`PASS_FAIL`). ``trials_differ``: the runs ran different numbers of
    trials, so the sign tests are untold (:attr:`Change.UNTOLD`); ``aggregation``: the configured aggregate function
    (``average``: a mean, whose test is the t-test)."""
    rows = _rows(
        comparison,
        presentation,
        old_result=old_result,
        new_result=new_result,
        trials_differ=trials_differ,
        aggregation=aggregation,
    )
    if old_result is not None and new_result is not None:
        flipped = flips(old_result.passed, old_result.failed, new_result.passed, new_result.failed)
        rows[PASS_FAIL] = Row(*flipped.better_worse, untold=trials_differ)
    return assess(rows, alpha=alpha)


# ----------------------------------------------------------------------------------------------------- gates

_UNBOUNDED: Final = frozenset({"sum", "count"})
"""The aggregate functions that can take 0/1 values past 1: the others stay between 0 and 1."""


_SAMPLE: Final = 64  # the values that tell a boolean metric: a very large run's are not all walked


def is_boolean(values: Sequence[Any] | None) -> bool:
    """Whether a metric's values, as the backend sent them, are booleans (their average is a pass rate, which the
    report shows as a percentage); the first 64 decide, so a very large run's list is not walked."""
    sample = values[:_SAMPLE] if values else ()
    return bool(sample) and all(isinstance(value, bool) for value in sample)


def boolean_metrics(outcomes: Iterable[DatapointOutcome], metrics: Iterable[str]) -> set[str]:
    """The metrics of ``metrics`` whose values in this run's own outcomes are booleans (:func:`is_boolean`): with
    trials the backend sends a datapoint's mean over its trials, a float, so only the values the evaluators returned
    tell a pass rate (an outcome read back from a session has no metrics: nothing is found then)."""
    values: dict[str, list[Any]] = {name: [] for name in metrics}
    sampling = dict(values)  # those still short of the values is_boolean looks at: the outcomes stop being read then
    for outcome in outcomes:
        for name, found in list(sampling.items()):
            if name in outcome.metrics:
                found.append(outcome.metrics[name])
                if len(found) == _SAMPLE:
                    del sampling[name]
        if not sampling:
            break
    return {name for name, found in values.items() if is_boolean(found)}


def in_points(spec: str | None, boolean: bool, aggregation: str | None) -> bool:
    """Whether the report shows a metric's numbers as percentages, so its changes in percentage points
    (:func:`~honeyhive_experiment.report.numbers.format_delta`): its format is a percentage (``.0%``), or it has no
    format and is ``boolean``, its values averaged (a pass rate)."""
    return spec.endswith("%") if spec else boolean and aggregation in _MEANS


def in_units(text: str, points: bool) -> str:
    """An amount of a metric written in its own units (``0.05``, as a gate's ``max_drop`` is) in the units the report
    shows its changes in: percentage points (``5 pp``) when ``points`` (:func:`in_points`), else as written. The
    decimal point is moved, not the number multiplied: no float noise is added (0.07 is 7 pp, not 7.000000000000001)."""
    return f"{Decimal(text).scaleb(2).normalize():f} pp" if points else text


def unreachable_gate(
    metric: str, gate: GateRule, shown: MetricConfig, *, aggregation: str | None, values: Sequence[Any], boolean: bool
) -> str | None:
    """Why ``gate`` on ``metric``, aggregated by ``aggregation``, can never fail (``None`` when it can). The report
    shows a boolean metric (``boolean``: its values are booleans, or were before trials averaged them) or one
    formatted as a percentage (``shown.format`` such as ``.0%``) in percent, its changes in percentage points; by
    anything but sum or count, values between 0 and 1 aggregate to between 0 and 1, so no change crosses an absolute
    bound (``max_drop``, said as ``max_worse`` for a metric ``shown`` lower-is-better) of 1 or more: a bound written
    in the report's points (5 for 85% → 80%) instead of the metric's units (0.05). Only the run's ``values`` tell
    whether a percentage format shows shares of 0 to 1 (150% is 1.5, whose bound of 1 stands).

    Nor does any change cross ``max_drop_pct`` of 100 or more on a higher-is-better metric whose aggregate cannot go
    below 0, whatever the aggregate function: from 85% to 0% is -100%, at the bound, which holds. That is a boolean
    metric, or one formatted as a percentage whose values in the run are all 0 or more (a share; a percentage of a
    signed quantity, -20%, keeps its bound). A number without a percentage format is not judged by its values alone:
    a signed score whose run happened to be positive could go below 0 (and validate sees one datapoint's value)."""
    percent = shown.format is not None and shown.format.endswith("%")
    floored = boolean or (percent and values and all(v >= 0 for v in values))  # its aggregate is 0 or more
    higher = shown.direction is Direction.HIGHER
    if gate.max_drop_pct is not None and gate.max_drop_pct >= 100 and higher and floored:
        what = "a boolean metric" if boolean else f"shown as a percentage (format {shown.format!r}) of values ≥ 0"
        return (
            f"max_drop_pct: {gate.max_drop_pct:g} can never be crossed: {metric} is {what}, whose aggregate"
            " cannot go below 0, so it drops by 100% at most (to 0), which the bound allows: this gate never"
            " fails; write a bound below 100 (max_drop_pct: 50 fails when it halves), or max_drop in its units"
            " for percentage points (max_drop: 0.1 for 10 pp)"
        )
    if gate.max_drop is None or gate.max_drop < 1 or aggregation in _UNBOUNDED:
        return None
    if boolean:
        what = "a boolean metric, whose aggregate lies between 0 and 1 (a pass rate of 85% is 0.85)"
    elif percent and values and all(0 <= v <= 1 for v in values):
        what = (
            f"shown as a percentage (format {shown.format!r}) of values between 0 and 1, whose aggregate lies"
            " between 0 and 1 too (85% is 0.85)"
        )
    else:
        return None
    key, bound = ("max_worse" if shown.direction is Direction.LOWER else "max_drop"), gate.max_drop
    return (
        f"{key}: {bound:g} can never be crossed: {metric} is {what}, so this gate never fails; for {bound:g} pp"
        f" (percentage points, as the report shows its change) write {key}: {bound / 100:g}"
    )


def _unreachable_gates(
    result: ExperimentResultSummary,
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
    booleans: Container[str],
) -> list[str]:
    """:func:`unreachable_gate` of each gated metric, on its values in ``result``, boolean when it is one of
    ``booleans`` or its values there are booleans; named by its key."""
    found: list[str] = []
    aggregation = result.metrics.aggregation_function
    for metric, gate in gates.items():
        values = [value for d in result.metrics.details if d.metric_name == metric for value in d.values]
        shown = presentation.get(metric, MetricConfig())
        boolean = _boolean(result, metric, booleans)
        why = unreachable_gate(metric, gate, shown, aggregation=aggregation, values=values, boolean=boolean)
        if why is not None:
            found.append(f"gate.{metric}: {why}")
    return found


def unmatched_presentation(
    result: ExperimentResultSummary,
    presentation: Mapping[str, MetricConfig],
    facts: Facts,
    comparison: RunComparisonResult | None = None,
    baseline: ExperimentResultSummary | None = None,
    exempt: Container[str] = (),
) -> list[str]:
    """Each key of the experiment file's ``metrics:`` (``presentation``) that names no metric this run or its
    baseline recorded (``result``'s, ``baseline``'s or ``comparison``'s metric names, or one of this run's outcomes,
    a string's too: ``facts.produced``), with the closest name they recorded: a misspelt key (``perf_latncy``)
    applies its direction and format to nothing, and the metric it was meant for is judged without them (a latency
    that doubled, higher-is-better, "better"; a percentage gate that can never be crossed, never said). A run checks
    the keys against the evaluators' names alone (``name_<anything>`` for a dict's), so only the recorded names tell
    such a key. Never a metric with a passing range or a gate (``exempt``: its missing values are a reason already,
    :func:`broken`, with the same "did you mean"), a built-in efficiency metric (refused without ``instrument:``,
    lower-is-better by default), nor one whose evaluator raised (on any datapoint) or returned None on every one in
    this run: what it would have recorded there is unknown, and those say themselves (:func:`broken`,
    :func:`returned_none`); nor any when the runs recorded no metric at all, or this run's
    function raised on every datapoint (``facts.evaluated``: its evaluators never ran, a span's latency says nothing of
    their names; the crash is said as such). An ``other_metrics`` name is none of those: recorded by either run (only
    sometimes, a retry count) it is a recorded name; by neither, it is a typo's twin (``latency_msec`` in both, the
    function recording ``latency_ms``: a latency that doubled read "better")."""
    if not facts.evaluated:
        return []
    runs = [result] if baseline is None else [result, baseline]
    deltas = comparison.metrics if comparison is not None else ()
    names = [*(d.metric_name for run in runs for d in run.metrics.details), *(d.metric_name for d in deltas)]
    recorded = list(dict.fromkeys([*names, *facts.produced]))
    if not recorded:  # nothing ran (every datapoint crashed) or no evaluator gave a metric: no name to tell a typo by
        return []
    where = "this run" if baseline is None and comparison is None else "this run or its baseline"
    found: list[str] = []
    for metric, shown in presentation.items():
        if metric in recorded or metric in exempt or metric in EFFICIENCY_METRICS:
            continue
        if producer(metric, facts.errors) is not None or producer(metric, facts.none_everywhere) is not None:
            continue
        what = ", ".join(name for name in MetricConfig.model_fields if name in shown.model_fields_set)
        said = f"metrics.{metric} ({what})" if what else f"metrics.{metric}"  # what it sets, if anything
        found.append(f"{said} applies to no metric" + _closest(metric, recorded, where))
    return found


def _boolean(result: ExperimentResultSummary, metric: str, booleans: Container[str]) -> bool:
    """Whether ``metric`` is boolean: one of ``booleans``, or its values in ``result`` are booleans."""
    return metric in booleans or any(is_boolean(d.values) for d in result.metrics.details if d.metric_name == metric)


def _apart(value: float, bound: float, text: str) -> tuple[str, str]:
    """``value``, past ``bound``, as ``text`` says it and the bound as ``g`` does, or else both with the fewest
    significant digits that tell them apart (at most the 17 that give a float back): a 5.04% drop said "5.0%"
    beside "at most 5%" reads as within its gate."""
    digits, shown = 1, f"{bound:g}"
    while float(text) <= float(shown):
        text, shown, digits = f"{value:.{digits}g}", f"{bound:.{digits}g}", digits + 1
    return text, shown


def _past(bound: float, worse: float, size: float) -> bool:
    """Whether ``worse`` is past ``bound`` by more than float noise: by more than :data:`NOISE` of the larger of the
    bound and ``size`` (of the numbers ``worse`` was computed from), and by more than :data:`TINY`. Within it, a
    change is at the bound: it holds."""
    return worse - bound > max(NOISE * max(abs(bound), size), TINY)


def _whole(*numbers: float | None) -> bool:
    """Whether each of ``numbers`` is a whole number a float holds exactly (below 2**53: a sum of tokens, a count):
    the difference of two is exact, so no rounding is allowed for (5 more tokens on 5e9 were a billionth, held)."""
    return all(n is not None and float(n).is_integer() and abs(n) < 2**53 for n in numbers)


class Bounds(Protocol):
    """A gate's bounds on the aggregate: the experiment file's :class:`~honeyhive_experiment.config.GateRule`, or the
    report's copy of it."""

    @property
    def max_drop(self) -> float | None: ...
    @property
    def max_drop_pct(self) -> float | None: ...


class Crossed(NamedTuple):
    """How much worse a metric's aggregate got, in the terms of each bound of its gate that it crossed by more than
    float noise (``None``: not crossed): the one judgement of which bounds a change crossed, which the verdict's
    reasons (:func:`_hits`) and the report's Δ columns and gate mark both read."""

    max_drop: float | None
    """The drop (positive: worse) past ``max_drop``: the backend's difference of two aggregates is rounded as large
    as they are, which at the bound is the baseline's size, or the bound's."""
    max_drop_pct: float | None
    """The percentage change (positive: worse) past ``max_drop_pct``: it is rounded as large as the whole
    (:data:`WHOLE`) is."""
    from_zero: float | None
    """Where the percentage change did not cross ``max_drop_pct``: the drop from a baseline of 0, by more than float
    noise, which crosses every ``max_drop_pct`` though it has no percentage (the backend sends none of 0)."""


def crossed(
    gate: Bounds, difference: float | None, percentage_change: float | None, baseline: float | None, *, higher: bool
) -> Crossed:
    """Which bounds of ``gate`` on the aggregate the backend's ``difference`` and ``percentage_change`` from the
    ``baseline``'s aggregate cross, in the metric's direction (``higher``: higher is better)."""
    drop = None if difference is None else (-difference if higher else difference)
    worse_pct = None if percentage_change is None else (-percentage_change if higher else percentage_change)
    size = 0.0 if _whole(baseline, difference) else abs(baseline or 0.0)  # whole numbers: their difference is exact
    past_drop = gate.max_drop is not None and drop is not None and _past(gate.max_drop, drop, size)
    past_pct = gate.max_drop_pct is not None and worse_pct is not None and _past(gate.max_drop_pct, worse_pct, WHOLE)
    from_zero = gate.max_drop_pct is not None and baseline == 0 and drop is not None and _past(0.0, drop, 0.0)
    return Crossed(
        drop if past_drop else None, worse_pct if past_pct else None, drop if from_zero and not past_pct else None
    )


class _Gated(NamedTuple):
    """A gated metric's row of the comparison (:func:`_gated`)."""

    metric: str
    gate: GateRule
    higher: bool
    """Higher is better (its ``metrics:`` direction)."""
    delta: MetricDelta
    worse: int | None
    """The backend's count of the datapoints that got worse, in the metric's direction (``None``: not sent)."""


def _gated(
    comparison: RunComparisonResult, gates: Mapping[str, GateRule], presentation: Mapping[str, MetricConfig]
) -> Iterator[_Gated]:
    """Each gated metric's rows of ``comparison`` (one per event of its name), in the order of ``gates``."""
    for metric, gate in gates.items():
        higher = presentation.get(metric, MetricConfig()).direction is Direction.HIGHER
        for d in (d for d in comparison.metrics if d.metric_name == metric):
            yield _Gated(metric, gate, higher, d, d.degraded_total if higher else d.improved_total)


def _hits(row: _Gated, points: bool) -> list[tuple[str, bool]]:
    """The bounds of the ``row``'s gate that the backend's numbers exceed by more than float noise (:func:`crossed`),
    in words (a change in the metric's units in the units the report shows its change in, ``points``:
    :func:`in_units`), each with whether it bounds the count of worse datapoints (``max_degraded``) rather than the
    aggregate."""
    metric, gate, higher, delta, degraded = row
    hits: list[tuple[str, bool]] = []
    crossing = crossed(gate, delta.difference, delta.percentage_change, delta.old_aggregate, higher=higher)
    if gate.max_drop is not None and (drop := crossing.max_drop) is not None:
        said, bound = _apart(drop, gate.max_drop, f"{drop:.3f}" if points else f"{drop:g}")  # points: 13.6 pp
        hits.append(
            (f"{metric} got worse by {in_units(said, points)} (gate: at most {in_units(bound, points)})", False)
        )
    if gate.max_drop_pct is not None and (worse_pct := crossing.max_drop_pct) is not None:
        said, bound = _apart(worse_pct, gate.max_drop_pct, f"{worse_pct:.1f}")
        hits.append((f"{metric} got worse by {said}% (gate: at most {bound}%)", False))
    elif (drop := crossing.from_zero) is not None:
        said = in_units(f"{drop:g}", points)
        hits.append((f"{metric} got worse by {said} from 0 (gate: at most {gate.max_drop_pct:g}%, of 0: none)", False))
    if gate.max_degraded is not None and degraded is not None and degraded > gate.max_degraded:
        them = f"{degraded} datapoint{'s' if degraded != 1 else ''}"
        hits.append((f"{metric} degraded on {them} (gate: at most {gate.max_degraded})", True))
    return hits


class Unchecked(NamedTuple):
    """The number the backend did not send that each bound of a gate on the aggregate is judged by (``None``: sent,
    or no such bound): :func:`unchecked`."""

    max_drop: str | None
    max_drop_pct: str | None


def unchecked(
    gate: Bounds, difference: float | None, percentage_change: float | None, baseline: float | None
) -> Unchecked:
    """Which bounds of ``gate`` on the aggregate lack their number, each with the number not sent: ``max_drop`` the
    ``difference``; ``max_drop_pct`` the ``percentage_change``, or from a ``baseline`` of 0 (no percentage of 0: the
    difference judges it, :func:`crossed`) the difference. Such a bound of a failed gate was never checked: the
    verdict's reasons (:func:`_unknown`) and the report's histogram mark (this run's aggregate, past the limit or
    not, is failed) read this."""
    of_zero = baseline == 0
    pct = "difference" if of_zero else "percentage change"
    return Unchecked(
        "difference" if gate.max_drop is not None and difference is None else None,
        pct if gate.max_drop_pct is not None and (difference if of_zero else percentage_change) is None else None,
    )


def _unknown(row: _Gated, points: bool, shared: int, unpaired: int, both: int | None) -> tuple[list[str], list[str]]:
    """The bounds of the ``row``'s gate the backend sent nothing to judge by in its delta, each in words, as
    a failure, ``(never checked, not fully checked)``: a bound on the aggregate whose number is missing
    (``difference``; ``percentage_change``, or of a baseline of 0 the difference, :func:`crossed`) though both runs
    have values of the metric, and ``max_degraded``
    without the count of worse datapoints though some datapoint has a value in both runs (the backend's
    ``found_count``; not sent: the runs have datapoints in common, ``shared`` of them, and values), or with counts
    that pair no datapoint (:func:`_no_pair`) though both runs have values and ``shared`` datapoints: each run has
    the metric on others only, so none could be counted worse, or the comparison lagged: it left out ``unpaired``
    datapoints both runs scored (:func:`~honeyhive_experiment.results.unpaired_of`), which the words say: those may
    have it in both. Its count within the bound on those it paired does not hold either while more datapoints have the
    metric in both runs (``both`` of them, by the runs' summaries: :func:`_holding`; unknown, the ``unpaired`` ones
    may) than it paired plus the room the bound has: those it did not count may be the worse ones (8 of 40 fell
    1 -> 0, "0 of 32 worse" passed ``max_degraded: 0``); a count past the bound is crossed (:func:`_hits`). The
    bounds on the aggregate are judged by each run's aggregate over all its values, which a lagging pairing leaves
    whole. The backend sends null for an aggregate or a change past the largest
    float, and its spec requires only ``metric_name``: a bound never checked is not one that held. A metric new or
    gone has nothing to judge (the verdict says so elsewhere), nor ``max_degraded`` with no datapoint in common."""
    metric, gate, higher, delta, degraded = row
    valued = _valued(delta.old_aggregate, delta.old_values) and _valued(delta.new_aggregate, delta.new_values)
    paired = valued and (shared > 0 or unpaired > 0) if delta.found_count is None else delta.found_count > 0
    missing = unchecked(gate, delta.difference, delta.percentage_change, delta.old_aggregate)
    said: list[tuple[str, str, str]] = []  # (the bound's key, the bound, the number not sent)
    if valued or paired:  # paired: both runs have values
        if missing.max_drop is not None:
            said.append(
                (("max_drop" if higher else "max_worse"), in_units(f"{gate.max_drop:g}", points), missing.max_drop)
            )
        if missing.max_drop_pct is not None:
            said.append(
                (("max_drop_pct" if higher else "max_worse_pct"), f"{gate.max_drop_pct:g}%", missing.max_drop_pct)
            )
    found = [
        f"{metric}'s {key} could not be checked (gate: at most {bound}): the backend sent no {what} for {metric}"
        " (an aggregate past the largest float?)"
        for key, bound, what in said
    ]
    late = "(it had not compared them when ingestion.timeout ran out: raise it if HoneyHive needs more time)"
    lagged = (
        f"HoneyHive's comparison left out {unpaired:,} datapoint{'s' if unpaired != 1 else ''} both runs scored {late}"
    )
    head = f"{metric}'s max_degraded could not be {{}}checked (gate: at most {gate.max_degraded})"
    if gate.max_degraded is not None and degraded is None and paired:
        found.append(f"{head.format('')}: the backend sent no per-datapoint counts for {metric}")
    elif gate.max_degraded is not None and valued and shared and _no_pair(delta):
        of = f"the {shared:,} the comparison paired" if unpaired else f"the {shared:,} they share"
        found.append(
            f"{head.format('')}: no datapoint has it in both runs (of {of}), and it counts those that got worse"
            + (f"; {lagged}" if unpaired else "")
        )
    elif gate.max_degraded is not None and valued and degraded is not None and degraded <= gate.max_degraded:
        # held on those it paired (past it: crossed, _hits), but the ones it did not count may be the worse ones: it
        # is known to hold only if it would with every one of them worse
        counted = _paired_count(delta, shared)
        more = unpaired if both is None else max(0, both - counted)
        if degraded + more > gate.max_degraded:
            uncounted = f"{more:,} more {'datapoint that has' if more == 1 else 'datapoints that have'} it in both runs"
            why = lagged if both is None else f"HoneyHive's comparison did not count {uncounted} {late}"
            return found, [
                f"{head.format('fully ')}: {degraded:,} of the {counted:,} the comparison paired got worse, but {why}"
            ]
    return found, []


def _paired_count(delta: MetricDelta, shared: int) -> int:
    """How many datapoints the comparison paired for ``delta`` (its metric's row): the backend's ``found_count``, when
    sent; else the ``shared`` datapoints of the two runs."""
    return shared if delta.found_count is None else delta.found_count


def _no_pair(delta: MetricDelta) -> bool:
    """Whether the backend's counts for ``delta`` pair no datapoint: its ``found_count`` (the datapoints with a value
    in both runs) is 0, or, not sent, its improved, degraded and same counts (or lists) are all sent and add up to
    0. Without those, a count of 0 degraded could be every datapoint the same: not known to pair none."""
    if delta.found_count is not None:
        return delta.found_count == 0
    counts = (delta.improved_total, delta.degraded_total, delta.same_total)
    return all(n is not None for n in counts) and sum(n or 0 for n in counts) == 0


def _unknowns(
    comparison: RunComparisonResult,
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
    points: Container[str],
    unpaired: int,
    summaries: tuple[ExperimentResultSummary, ExperimentResultSummary | None],
) -> tuple[list[tuple[str, str]], dict[MetricKey, set[str]], list[tuple[str, str]]]:
    """:func:`_unknown` of each gated metric's rows of ``comparison``, as ``(metric, why failed)``; how each row failed
    so (``never`` checked, ``partly``: a ``max_degraded`` not fully checked; every gated row has an entry); and, of a
    row with no such text, its ``max_degraded`` that can never fail (:func:`_never_degraded`), as ``(metric, why)``;
    ``unpaired``: how many datapoints both runs scored ``comparison`` left out; ``summaries``: this run's and the
    baseline's."""
    shared = len(comparison.common_datapoints)
    found: list[tuple[str, str]] = []
    how: dict[MetricKey, set[str]] = {}
    unfailable: list[tuple[str, str]] = []
    lists = {metric: _holding(summaries, metric) for metric in gates}  # once per metric, not per row
    both = {metric: None if ids is None else len(ids[0] & ids[1]) for metric, ids in lists.items()}
    for row in _gated(comparison, gates, presentation):
        never, held = _unknown(row, row.metric in points, shared, unpaired, both[row.metric])
        found.extend((row.metric, text) for text in (*never, *held))
        how.setdefault(row.delta.key, set()).update({"never"} if never else set(), {"partly"} if held else set())
        if not never and not held and (why := _never_degraded(row, shared, unpaired, both[row.metric])):
            unfailable.append((row.metric, why))
    return found, how, unfailable


def _never_degraded(row: _Gated, shared: int, unpaired: int, both: int | None) -> str | None:
    """Why the ``max_degraded`` bound of the ``row``'s gate can never fail on its delta, in words (``None``:
    it can, or is not judged): it fails when more datapoints got worse than it allows, and no more than the comparison
    paired (the backend's ``found_count``, not sent: the ``shared`` datapoints, as :func:`_unknown` counts them) can
    get worse, nor than have the metric in both runs (``both``, by the runs' summaries: :func:`_holding`), so a bound
    of as many or more holds whatever they do (6 paired, ``max_degraded: 6`` fails at 7 worse). With trials a
    datapoint is paired, not its trials. Said only of a bound otherwise judged: with its counts sent (without them,
    or pairing none, :func:`_unknown` fails it), the baseline's aggregate (without it the gate could not be checked:
    :func:`decide`), this run's values and no datapoint both runs scored left out of the
    comparison (``unpaired``: a later one may pair more)."""
    _, gate, _, delta, degraded = row
    bound = gate.max_degraded
    if bound is None or degraded is None or unpaired or not shared or _no_pair(delta):
        return None
    if delta.old_aggregate is None or not _valued(delta.new_aggregate, delta.new_values):  # no baseline: not judged
        return None
    paired = _paired_count(delta, shared)
    reach = paired if both is None else max(paired, both)
    if reach > bound or degraded > bound:  # more worse than it pairs: the backend's counts disagree, it can fail
        return None
    more = f" ({both:,} have it in both runs)" if reach > paired else ""
    return (
        f"{delta.metric_name}'s max_degraded: {bound} can never fail: the comparison pairs {paired:,}"
        f" datapoint{'s' if paired != 1 else ''}{more}, and it fails only when more than {bound} got worse (a bound"
        f" below {reach:,} can)"
    )


def _holding(
    summaries: tuple[ExperimentResultSummary, ExperimentResultSummary | None],
    metric: str,
    key: MetricKey | None = None,
) -> list[set[str]] | None:
    """The datapoints that have ``metric`` in each of the runs' ``summaries`` (this run's, the baseline's), by the
    backend's id lists of each (over every event it is on, or the one of ``key``); ``None`` without both runs'
    lists."""
    ids: list[set[str]] = []
    for summary in summaries:
        details = summary.metrics.details if summary else []
        lists = [d.datapoints for d in details if d.metric_name == metric and key in (None, d.key)]
        if not lists or None in lists:
            return None
        ids.append({i for listed in lists if listed is not None for i in (*listed.passed, *listed.failed)})
    return ids


def _valued(aggregate: float | None, values: Sequence[Any] | None) -> bool:
    """Whether a run has values of a metric, by its comparison row: an aggregate, else values (whose aggregate is
    past the largest float)."""
    return aggregate is not None or bool(values)


def assess_gates(
    comparison: RunComparisonResult,
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
    *,
    alpha: float,
    old_result: ExperimentResultSummary | None = None,
    new_result: ExperimentResultSummary | None = None,
    trials_differ: bool = False,
    aggregation: str = "average",
) -> dict[MetricKey | str, Assessment]:
    """Did each gated metric get worse? One-sided, Holm-corrected over the gates of its kind only: a ``significant:
    true`` gate's p within the family of the significant gates, whose p decides them, a plain gate's (said beside it,
    deciding nothing) within the plain gates, so neither an ungated metric nor a plain gate dilutes a noise-aware one
    (a run whose gates are all of one kind has one family). A bound on the aggregate (``max_drop``,
    ``max_drop_pct``) by the test its row takes (:func:`assess_comparison`: the paired t-test of a mean) under the
    metric's key, a bound on the count of worse datapoints (``max_degraded``) by the sign test on the backend's
    counts, under :func:`_counted` of the key when the gate has both and they differ. The arguments are
    :func:`assess_comparison`'s.

    One Holm entry per gated metric in its family, whatever its bounds: two tests of one metric's regression are not
    two metrics. Its entry is the smaller p of the tests of the bounds it crossed: a bound it did not cross never
    enters, so a bound added never makes a gate greener. A gate that crossed none fails nothing, but stays in its
    family (which is then not chosen by the data) by the smaller p of all its tests: a bound added only lowers it,
    which makes no other gate greener. Each test is adjusted as the metric's entry would be with that test's p (the
    smaller p's is the entry's own), so the metric's crossing is excused as noise only when neither crossed bound's
    test is significant."""
    rows = _rows(
        comparison,
        presentation,
        only=gates,
        old_result=old_result,
        new_result=new_result,
        trials_differ=trials_differ,
        aggregation=aggregation,
    )
    tests: dict[MetricKey | str, dict[MetricKey | str, Row]] = {}  # per gated metric, its tests by key
    crossed: dict[MetricKey | str, list[MetricKey | str]] = {}  # the keys of those whose bound it crossed
    for key, row in rows.items():
        gate = gates[key[0]]
        aggregate = gate.max_drop is not None or gate.max_drop_pct is not None
        # a bound on the aggregate is crossed only by a worse one, and max_degraded counts the datapoints that got
        # worse whichever way it went: the backend's change vetoes nothing here (the report's row keeps its sense)
        row = row._replace(shown=None)
        counts = row._replace(differences=None, untold=trials_differ)
        tests[key] = {key: row if aggregate else counts}
        judges = {key: {not aggregate}}  # per test, the bounds it judges (True: max_degraded), as _hits says them
        # the same test for both bounds (no per-datapoint values): one test, the entry, whichever is crossed
        if aggregate and gate.max_degraded is not None and row != counts:
            tests[key][_counted(key)], judges[_counted(key)] = counts, {True}
        gated = next(r for r in _gated(comparison, {key[0]: gate}, presentation) if r.delta.key == key)
        # which bounds are crossed, not the words: the metric's name and points only change those
        hit = {of_count for _, of_count in _hits(gated, points=False)}  # pragma: no mutate
        crossed[key] = [k for k, bounds in judges.items() if bounds & hit]
    raw = assess_regressions({k: row for own in tests.values() for k, row in own.items()})  # only their raw p
    families: dict[bool, dict[MetricKey | str, Row]] = {}  # two: the significant gates', the others'
    for key, own in tests.items():
        entry = min(crossed[key] or own, key=lambda k: raw[k].p_value)  # the first of equal p-values: the aggregate's
        families.setdefault(gates[key[0]].significant, {})[key] = own[entry]
    return {
        k: assess_regressions({**families[gates[key[0]].significant], key: row}, alpha=alpha)[key]
        for key, own in tests.items()
        for k, row in own.items()
    }


def _counted(key: MetricKey | str) -> str:
    """The key of a gate's ``max_degraded`` test in :func:`assess_gates` when its bound on the aggregate takes
    another test."""
    return f"max_degraded of {key}"


def _evidence(found: Assessment | None, paired: int, unpaired: int, never: bool) -> str:
    """What the gate's test says, beside the bound, of the ``paired`` datapoints it counted: ``6 of 40 worse, p =
    0.016``; ``4 of 40 worse, p = 0.062, too few changes to tell (needs ≥ 5)``; of a sign test between runs of
    different trials, or of a comparison that left out ``unpaired`` datapoints both runs scored (their changes are
    in no count and no difference: with none paired, some of them may have a value in both runs), that it cannot
    say. ``never``: its gate can never fail (:func:`_never`), which says why in place of the changes it needs."""
    if found is None:
        return "significance unknown: no per-datapoint counts"
    left = f"the comparison left out {unpaired} datapoint{'s' if unpaired != 1 else ''} both runs scored"
    if not paired and unpaired:  # the test counts the datapoints with a value in both runs
        return f"significance unknown: no datapoint the comparison paired has a value in both runs; {left}"
    if not paired:
        return "significance unknown: no datapoint has a value in both runs"
    if unpaired:
        return f"{found.worse} of {paired} worse; significance unknown: {left}"
    if found.change is Change.UNTOLD:
        return (
            f"{found.worse} of {paired} worse; significance unknown: the runs ran different numbers of trials, and"
            " the sign test needs the same number in both"
        )
    text = f"{found.worse} of {paired} worse, {p_text(found.p_adjusted, found.alpha)}"
    if found.change is Change.TOO_FEW and not never:
        text += f", too few changes to tell (needs ≥ {needed(found)})"
    return text


def llm_calls_text(n: int) -> str:
    """``1 LLM call``, ``8 LLM calls``."""
    return f"{n:,} LLM call{'s' if n != 1 else ''}"


def left_out_text(calls: tuple[int, int]) -> str:
    """The LLM calls an efficiency metric's value leaves out, ``(the baseline's, this run's)``, in words (empty when
    neither leaves any out): ``the baseline's value excludes 8 LLM calls and this run's 1``."""
    old, new = calls
    whose, n = ("the baseline's", old) if old else ("this run's", new)
    if not n:
        return ""
    text = f"{whose} value excludes {llm_calls_text(n)}"
    return text + (f" and this run's {new:,}" if old and new else "")


def _excludes(whose: str, calls: Mapping[str, int]) -> str:
    """What one run's value of an efficiency metric leaves out, by why: ``this run's value excludes 6 LLM calls (4 to
    unpriced model m, 2 outside any datapoint)``."""
    n = sum(calls.values())
    said = ", ".join(f"{count:,} {why}" for why, count in calls.items())
    return f"{whose} value excludes {llm_calls_text(n)} ({said})"


def _alike(old: Mapping[str, int], new: Mapping[str, int]) -> bool:
    """Whether both runs' values leave out LLM calls only as calls made outside every datapoint, as many in each
    (``old``, ``new``: the baseline's and this run's, by why): their datapoints' own calls are all in them."""
    return list(old) == [OUTSIDE] and old == new


def _bounded(calls: Mapping[str, int]) -> bool:
    """Whether a run's value of an efficiency metric that leaves out ``calls`` (by why) is a lower bound of the
    whole: not when some were all of their datapoint's calls (:data:`~honeyhive_experiment.efficiency.NO_VALUE`),
    which so has no value, and the backend's mean is the other datapoints', above or below the whole's."""
    return not any(why.endswith(NO_VALUE) for why in calls)


_AT_ZERO: Final = {"sum": 1.0, "max": 1.0, "count": 1.0}
"""Per aggregate function but the mean's (the share of the datapoints that have a value), the share of its value over
the datapoints that have one that it is at least over all of them, each of those without one at 0 (or more): the
whole (a sum, a max and a count of more are no less); any other, 0 (a min, a median of more can be less)."""


def _past_at_zero(
    rows: Iterable[_Gated],
    result: ExperimentResultSummary,
    assessment: Mapping[MetricKey | str, Assessment],
    unpaired: int,
    partly: Mapping[str, Mapping[str, tuple[int, int]]],
) -> set[str]:
    """The gated metrics of ``rows`` (lower is better) whose gate this run crosses even were its datapoints without a
    value of them 0, and with trials its trials without one (``partly``: :func:`partly_missing`), the least an
    efficiency metric's value can be (:func:`_bounded`: not a lower bound as it is): its aggregate so (:data:`_AT_ZERO`;
    a mean's over all the ``result``'s datapoints, the backend's id lists telling how many have the metric, of how
    many: the run's, when they name every one of the metric's; times the smallest share of a datapoint's trials with a
    value: its mean is at least that share of the one shown) crosses a bound on the aggregate, or more datapoints than
    ``max_degraded`` got worse (:func:`_hits`: the comparison counts only those with a value in both runs, each of
    which stays worse, but for those some trials lack); and a ``significant: true`` gate's test that decides it
    (``assessment``, :func:`assess_gates`: max_degraded's when that bound is crossed, else the aggregate's) is a sign
    test on the counts (:attr:`Assessment.test`) that stays significant with every datapoint without a value (or
    without one in some trials) better, Holm-corrected beside its family's other tests as they are (when the test is
    what fails it: not with ``unpaired`` datapoints, :func:`_gate_failures`); never a paired t-test, which no value of
    those datapoints bounds. No per-datapoint value is aggregated here."""
    everyone = {*result.passed, *result.failed}
    function = result.metrics.aggregation_function
    found: set[str] = set()
    for row in rows:
        listed = next((d.datapoints for d in result.metrics.details if d.key == row.delta.key), None)
        have = {*listed.passed, *listed.failed} if listed is not None else set()
        # no id lists (a legacy body), or the run's own naming fewer (empty ones: not said, not none): how many have
        # it, of how many, is not known
        if not have or not have <= everyone:
            continue
        share = len(have) / len(everyone) if function in (None, "average") else _AT_ZERO.get(function, 0.0)
        some = partly.get(row.metric, {})
        share *= min((1 - missing / trials for missing, trials in some.values()), default=1.0)
        old, new = row.delta.old_aggregate, row.delta.new_aggregate
        difference = None if old is None or new is None else share * new - old
        pct = difference / old * 100 if difference is not None and old else None
        at_zero = row.delta.model_copy(update={"difference": difference, "percentage_change": pct})
        worse = None if row.worse is None else row.worse - min(len(some), row.worse)
        hits = _hits(row._replace(delta=at_zero, worse=worse), points=False)  # pragma: no mutate (points: words)
        past = bool(hits)
        counted = any(of_count for _, of_count in hits)  # max_degraded's: judged by the sign test on the counts
        test = assessment.get(_counted(row.delta.key)) if counted else None
        test = test or assessment.get(row.delta.key)
        if past and row.gate.significant and test is not None and test.change is Change.WORSE and not unpaired:
            # the test decides: its worst case must be significant. A sign test's: those datapoints all better. A
            # paired t-test has none below alpha: one value far past the others' pulls t to about -1 (p = 0.17 on
            # 12), however much worse: not past, so could not be checked
            better = test.better + len(some) + len(everyone) - len(have)
            worst = regression_test(test.worse - min(len(some), test.worse), better)
            past = test.test == "sign" and holm({**dict(enumerate(test.rivals)), -1: worst})[-1] <= test.alpha
        if past:
            found.add(row.metric)
    return found


def _unjudged(
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
    left_out: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]],
    failed: Container[str],
    crossed: Container[str],
) -> dict[str, str]:
    """The gates on efficiency metrics whose values leave LLM calls out (``left_out``: the baseline's, this run's, by
    why) that cannot be judged on those values, each with why. Such a value is a lower bound of the whole, so of a
    lower-is-better metric: when only this run's leaves calls out, the whole change is at least the one shown, so a
    gate it fails (``failed``; ``crossed``: whose bound it crosses, significant or not) is failed, and otherwise
    could not be checked; when only the baseline's does, the whole change is at most the one shown, so a gate it
    does not cross holds, and otherwise could not be checked; when both do (or the metric is higher-is-better), the
    whole could be either way, unless both leave out only calls made outside every datapoint, as many in each
    (:func:`_alike`: an import-time call, a library's background thread, once a run): those are not the datapoints'
    calls, which the values hold whole, so the gate is judged on them as if neither left anything out (the
    verdict warns so); when a run's leaves whole datapoints without a value (not :func:`_bounded`), its value is the
    mean of the others, no lower bound: either way, but that this run's fails a gate (``failed``) it crosses even were
    those datapoints 0 (:func:`_past_at_zero`). Significance: this run's calls
    left out can only make more datapoints worse and fewer better, so a significant regression stays one; but Holm's
    correction also takes the other noise-aware gates' tests (a plain gate's is in another family:
    :func:`assess_gates`), so not when another such gate's p-value could be smaller or larger: its baseline leaves
    calls out (but for :func:`_alike` ones), or its value whole datapoints."""
    partial = {  # the noise-aware gates whose p-value could be smaller or larger
        metric
        for metric, gate in gates.items()
        if metric in left_out and gate.significant
        if (left_out[metric][0] or not _bounded(left_out[metric][1])) and not _alike(*left_out[metric])
    }
    found: dict[str, str] = {}
    for metric, (old, new) in left_out.items():
        gate = gates.get(metric)
        if gate is None or not (old or new) or _alike(old, new):
            continue
        lower = presentation.get(metric, MetricConfig()).direction is Direction.LOWER
        sides = " and ".join(
            _excludes(whose, calls) for whose, calls in (("the baseline's", old), ("this run's", new)) if calls
        )
        failed_all_the_same = metric in failed and not (gate.significant and partial - {metric})
        if lower and not old and (_bounded(new) or failed_all_the_same):
            if failed_all_the_same:
                continue
            tail = "with them this run's value is higher, and could be past the gate (or significantly worse)"
        elif lower and not new and _bounded(old):
            if metric not in crossed:
                continue
            tail = "with them the baseline's value is higher, and the change could be within the gate"
        else:
            tail = "with them the change could be larger or smaller"
        found[metric] = f"{sides}: {tail}"
    return found


def _own_calls(gates: Iterable[str], left_out: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]]) -> list[str]:
    """The gates judged on their datapoints' own calls (:func:`_alike`), each in words: ``cost_usd judged on the
    datapoints' own calls: both runs made 1 LLM call outside any datapoint, counted in neither``."""
    found: list[str] = []
    for metric in gates:
        old, new = left_out.get(metric, ({}, {}))
        if _alike(old, new):
            n = old[OUTSIDE]
            found.append(
                f"{metric} judged on the datapoints' own calls: both runs made {llm_calls_text(n)} {OUTSIDE}, counted"
                " in neither"
            )
    return found


_ZERO_WHEN_ALL_ARE: Final = frozenset({None, "average", "sum", "max"})
"""The aggregate functions whose aggregate of counts (0 or more) is 0 only when every count is (``None``: not echoed,
the default's)."""
_INSTRUMENT: Final = (
    "check that instrument: names the library your function calls the LLM with (openai, anthropic, ...)"
)


def _saw_calls(rows: Iterable[tuple[float | None, Sequence[Any] | None]], by_aggregate: bool) -> bool | None:
    """Whether a run saw an LLM call of its function, by its ``llm_calls`` rows (each the backend's aggregate and the
    datapoints' values): yes when a value or an aggregate is not 0 (of counts, 0 or more, by any function); else no
    when ``by_aggregate`` (a function that is 0 only when every count is: :data:`_ZERO_WHEN_ALL_ARE`), or, by another
    (a median of 0 is not), when every row has values, all 0. ``None``: not known (no aggregate, or nothing to tell)."""
    found = [(aggregate, values or ()) for aggregate, values in rows if aggregate is not None]
    if not found:
        return None
    if any(aggregate or any(values) for aggregate, values in found):
        return True
    return False if by_aggregate or all(values for _, values in found) else None


def _no_calls(
    result: ExperimentResultSummary,
    comparison: RunComparisonResult | None,
    gates: Iterable[str],
    left_out: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]],
) -> tuple[list[str], list[str]]:
    """What the gates on the function's call metrics (:data:`~honeyhive_experiment.efficiency.CALL_METRICS`) judged
    when this run saw no LLM call of its function on any datapoint (with ``instrument:``, each records 0 then: the
    backend's ``llm_calls`` aggregate, :func:`_saw_calls`), as ``(reasons, warnings)``: where the baseline saw some,
    a reason: their drop to 0 is calls the run did not see (an instrumentation that missed the client), not a saving,
    which passed as "better"; where it saw none too, or is not known to have, a warning: they judged nothing. Not when
    this run's ``llm_calls`` leaves calls out (``left_out``: made outside every datapoint, unfinished): it saw them,
    and its gates are judged by the rule of :func:`_unjudged`."""
    gated = [metric for metric in gates if metric in CALL_METRICS]
    calls = [(d.aggregate, d.values) for d in result.metrics.details if d.metric_name == "llm_calls"]
    zero_is_none = result.metrics.aggregation_function in _ZERO_WHEN_ALL_ARE  # a median of 0 is not: values tell
    if not gated or left_out.get("llm_calls", ({}, {}))[1] or _saw_calls(calls, zero_is_none) is not False:
        return [], []
    deltas = comparison.metrics if comparison is not None else ()
    before = _saw_calls(((d.old_aggregate, d.old_values) for d in deltas if d.metric_name == "llm_calls"), zero_is_none)
    which, them = (f"the gates on {', '.join(gated)}", "them") if len(gated) > 1 else (f"the gate on {gated[0]}", "it")
    if before:
        return [
            f"{which} judged no LLM call: this run saw none on any datapoint (llm_calls is 0 on every one) where the"
            f" baseline saw some, so a drop to 0 is calls the run did not see, not a saving; {_INSTRUMENT} and that"
            f" the function uses that library's client; if it no longer calls one, remove {them}"
        ], []
    seen = "no datapoint of either run saw an LLM call (llm_calls 0 on every one)"
    if before is None:
        seen = "no datapoint of this run saw an LLM call (llm_calls 0 on every one)"
    return [], [f"{seen}: {which} judged nothing; if calls were expected, {_INSTRUMENT}"]


def _unpaired(deltas: Sequence[MetricDelta], gates: Iterable[str]) -> list[str]:
    """Why a gate was never checked though both runs have its metric: no row of the comparison (``deltas``) has both
    runs' aggregates, because the backend pairs metrics on ``(metric_name, event_name)`` and the event, named after the
    function, was renamed (or ``function:`` is a class instance, or a decorator without ``functools.wraps``)."""
    found: list[str] = []
    for metric in gates:
        rows = [d for d in deltas if d.metric_name == metric]
        old = [repr(d.event_name) for d in rows if d.old_aggregate is not None]
        new = [repr(d.event_name) for d in rows if d.new_aggregate is not None]
        if old and new and not any(d.old_aggregate is not None and d.new_aggregate is not None for d in rows):
            found.append(
                f"{metric}'s gate could not be checked: the function's event was {', '.join(old)} in the baseline"
                f" and {', '.join(new)} now: HoneyHive pairs metrics by the function's name; keep the name, or"
                " compare against a run with the new name (baseline-run-id)"
            )
    return found


def ranges_unchecked(result: ExperimentResultSummary, facts: Facts) -> list[str]:
    """The passing ranges' ``max`` on efficiency metrics (``facts.capped``) that could not be checked on datapoints
    the backend passed, each in words: a value that leaves out LLM calls of its datapoint's own (no price, no token
    usage; all of them: it has no value) is a lower bound of the whole, which could be past the max; the calls
    unfinished when recorded (``facts.unfinished``) could be any datapoint's. A datapoint the backend failed is past
    it already; a ``min`` is not judged so."""
    passed = _judged(result, facts.unrecorded)
    found: list[str] = []
    for metric, datapoints in facts.capped.items():
        on = [i for i in passed if i in datapoints]
        calls: Counter[str] = Counter()
        for i in on:
            calls.update(datapoints[i])
        if facts.unfinished:
            on, calls[UNFINISHED] = passed, facts.unfinished
        if on:
            found.append(
                f"{metric}'s passing range could not be checked on {len(on)} of the {len(passed)} datapoints the"
                f" backend passed: {_excludes('their', calls)}: with them it could be past its max"
            )
    return found


_APART: Final = "the two runs share no datapoint, so its change is between aggregates of different datapoints"
"""Why a gate on aggregates (``max_drop``, ``max_drop_pct``) could not be checked when the PR replaced every
datapoint (:func:`decide`): the change is the dataset's as much as the code's (``max_degraded`` has nothing to count
then either: :func:`_gates_unchecked`)."""


def _diluted(
    comparison: RunComparisonResult,
    rows: Iterable[_Gated],
    summaries: tuple[ExperimentResultSummary, ExperimentResultSummary | None],
    reused: int,
    unbounded: Container[str],
) -> dict[str, str]:
    """The gates of the comparison's ``rows`` (:func:`_gated`) whose bounds on the aggregate (``max_drop``,
    ``max_drop_pct``) could not be checked because the runs have their metric on different datapoints of those they
    share, each with why in words, whatever LLM calls its values leave out (audit78 F4: a baseline leaving one out
    passed audit74 F1's 2.18x cost). A row (an event of the metric) is diluted when, by the id lists of the runs'
    ``summaries`` (this run's and the baseline's, :func:`_holding`), fewer of the shared datapoints hold it in both runs
    than in either (a datapoint that holds it in neither, one whose function raised in both runs, leaves the aggregates
    of the same datapoints); this run holds the ``unbounded`` metrics on every shared datapoint, those without a
    value judged at 0 (:func:`_past_at_zero`: a lower bound of the whole beside a baseline that has them). Each run's
    aggregate is then over datapoints the other's is not, so its change is the coverage's as much as the code's: a
    baseline without a value on 6 of 12 datapoints (an older version recorded no cost where no LLM call was made)
    against this run's 12, zeros among them, diluted a 2.18x cost to +8.9%, which passed ``max_worse_pct: 10``
    (audit74 F1); a baseline without its hard datapoints' values makes an unchanged run's aggregate look worse
    (audit78 F1: +40% on a -0.4% change). The datapoints both runs hold it on are the same ones in both: only where
    every one of them that moved moved the aggregates' way (a crossed bound beside compared datapoints of which some
    got worse and none better; a bound held beside none worse) do the bounds judge as on any comparison (a baseline
    whose function crashed on one datapoint, audit77 F1: an unchanged run passes, a drop on every compared datapoint
    fails); otherwise, or without the counts, neither a pass nor a crossing is judged on the aggregates (as when the
    runs share no datapoint: ``_APART``), unless another event of the metric crossed its bound undiluted (it fails
    as usual). ``max_degraded`` counts the paired ones, and judges as usual. Without either run's id lists, as sent.
    Datapoints only added or removed are not shared: judged as any comparison. Nor are the bounds judged when
    ``reused`` of the datapoints it paired hold other inputs than in the baseline (ids reused or renumbered:
    :func:`~honeyhive_experiment.report.pairing.inputs_moved`, 0 when not): its change compares different questions
    (audit76 F1)."""
    shared = set(comparison.common_datapoints)
    found: dict[str, str] = {}
    crossing: set[str] = set()  # the metrics an undiluted row of which crossed a bound: judged, and failed
    for metric, gate, higher, delta, worse in rows:
        key = "drop" if higher else "worse"  # the key's name as the experiment file may spell it
        bounds = " and ".join(
            f"max_{key}{pct}" for pct, bound in (("", gate.max_drop), ("_pct", gate.max_drop_pct)) if bound is not None
        )
        if not bounds:
            continue
        if reused:
            found[metric] = (
                f"{metric}'s {bounds} could not be checked: {reused:,} of the {len(shared):,} datapoints both runs"
                " have hold other inputs than in the baseline (ids reused or renumbered?), so its change compares"
                " different questions"
            )
            continue
        held = _holding(summaries, metric, delta.key)
        if held and metric in unbounded:
            held[0] = shared
        past = any(
            b is not None
            for b in crossed(gate, delta.difference, delta.percentage_change, delta.old_aggregate, higher=higher)
        )
        either = (held[0] | held[1]) & shared if held else set()
        both = held[0] & held[1] & shared if held else set()
        better = delta.improved_total if higher else delta.degraded_total
        if len(both) >= len(either) or (
            worse is not None and better is not None and (worse > 0 and better == 0 if past else worse == 0)
        ):
            crossing.update((metric,) if past else ())
            continue  # the same datapoints, or every compared one that moved moved the aggregates' way
        if worse is None or better is None:
            told = f"they {'crossed' if past else 'held'} it, and no counts were sent to tell the compared ones'"
        elif past:
            told = f"they crossed it, but not every compared one got worse ({worse:,} worse, {better:,} better)"
        else:
            told = f"they held it, but {worse:,} of the compared ones got worse ({better:,} better)"
        found.setdefault(
            metric,
            f"{metric}'s {bounds} could not be checked: compared on {len(both):,} of the {len(either):,} shared"
            f" datapoints that hold it in either run, so its aggregates are of different datapoints; {told}",
        )
    return {metric: why for metric, why in found.items() if metric not in crossing}


def _gate_unchecked(metric: str, why: str) -> str:
    """A gate :func:`decide` could not check, ``why`` in words: a reason of a neutral verdict, or a warning when another
    reason fails the check."""
    return f"{metric}'s gate could not be checked: {why}"


def _gates_unchecked(
    gates: Mapping[str, GateRule],
    comparison: RunComparisonResult | None,
    apart: Container[str],
    unjudged: Mapping[str, str],
    compare: bool,
) -> list[tuple[str, str]]:
    """The gates :func:`decide` could not check, as ``(metric, why)``, the reasons of a neutral verdict or warnings
    beside a failing one: the baseline has no value for its metric (a new metric, or a baseline whose evaluator
    broke: nothing to hold the gate against), comparisons are switched off (``compare`` false; the experiment file
    refuses a gate then), an efficiency metric's values leave calls out (``unjudged``: :func:`_unjudged`; a bound on
    aggregates when the runs share no datapoint: ``_APART``), or its ``max_degraded`` counts shared datapoints and
    the runs pair none (``apart``: the PR replaced every datapoint, as :func:`decide` tells it). No ``comparison``
    and ``compare``: no baseline yet, none (the verdict says that itself)."""
    compared = {d.metric_name for d in comparison.metrics if d.old_aggregate is not None} if comparison else set()
    if comparison is None and compare:
        return [(metric, _gate_unchecked(metric, why)) for metric, why in unjudged.items()]
    missing = (
        "the baseline has no value for it"
        if comparison is not None
        else "comparisons are switched off (baseline.strategy: none)"
    )
    found = [
        (metric, _gate_unchecked(metric, missing if metric not in compared else unjudged[metric]))
        for metric in gates
        if metric not in compared or metric in unjudged
    ]
    found += [
        (
            metric,
            f"{metric}'s max_degraded could not be checked: the two runs share no datapoint, and it counts the"
            " shared ones that got worse",
        )
        for metric, gate in gates.items()
        if metric in apart and metric in compared and metric not in unjudged and gate.max_degraded is not None
    ]
    return found


def _moved(
    comparison: RunComparisonResult,
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
    said: Container[str],
    under: tuple[int, int, str],
    reused: int,
) -> list[tuple[str, str]]:
    """The ``max_degraded`` bounds that held on the datapoints the comparison paired, where the datapoints new in this
    run may be some gone from the baseline under new ids (``under``: :func:`_under_new_ids`), or ``reused`` of those
    paired hold other inputs than in the baseline (ids reused or renumbered, so a datapoint that got worse may count
    as the same: :func:`~honeyhive_experiment.report.pairing.inputs_moved`), enough of them to cross the bound, as
    ``(metric, why it could not be fully checked)``: a reason of a neutral
    verdict, or a warning beside a failure, as a gate on runs that share no datapoint is (:func:`_gates_unchecked`).
    Rows only added (none gone) or only removed leave every datapoint the bound can count paired. Not of a metric
    ``said`` already, nor of a bound crossed (:func:`_hits`)."""
    maybe, total, moved = under
    if not maybe + reused:  # sharing none, a gate is said not checked (_gates_unchecked) or fails (_unknown)
        return []
    shared = len(comparison.common_datapoints)
    found: list[tuple[str, str]] = []
    for metric, gate, _, delta, degraded in _gated(comparison, gates, presentation):
        bound = gate.max_degraded
        if metric in said or bound is None or degraded is None or not degraded <= bound < degraded + maybe + reused:
            continue
        buts = [f"it paired only {shared:,} of this run's {total:,}, and {moved}: it counts only paired ones"] * (
            maybe > 0
        )
        if reused:  # ids reused or renumbered: those paired are not all the same datapoints
            buts += [
                f"{reused:,} of the {shared:,} it paired hold other inputs than in the baseline (ids reused or"
                " renumbered?): one that got worse may count as the same"
            ]
        found.append(
            (
                metric,
                f"{metric}'s max_degraded could not be fully checked (gate: at most {bound}): {degraded:,} of the"
                f" {_paired_count(delta, shared):,} datapoints the comparison paired got worse, but"
                f" {'; and '.join(buts)}",
            )
        )
    return found


def _under_new_ids(comparison: RunComparisonResult, scheme: str | None) -> tuple[int, int, str]:
    """How many of this run's new datapoints may be some gone from the baseline under new ids
    (:func:`~honeyhive_experiment.report.pairing.may_have_moved` by the dataset's id ``scheme``: with ids from the
    rows' positions a row inserted mid-file renumbers those after it; 0: none can), of this run's datapoints, and that
    in words with its cause: ``up to 8 of the 8 new in this run may be datapoints gone from the baseline (9) under
    new ids (see the note on the comparison)``."""
    new, gone = (count or 0 for count in unpaired_counts(comparison))  # not known: none
    total = len(comparison.common_datapoints) + new + uncompared(comparison)
    maybe = may_have_moved(new, gone, total, scheme)
    note = (
        "see the note on the comparison"
        if ids_moved(new, gone, total)
        else "a row without an id gets one from its position: give every row an id field, or set"
        " dataset.datapoint_ids: content"
    )
    moved = f"up to {maybe:,} of the {new:,} new in this run may be datapoints gone from the baseline ({gone:,})"
    return maybe, total, f"{moved} under new ids ({note})"


def _old_crashes(comparison: RunComparisonResult, new_errors: Sequence[str], under: tuple[int, int, str]) -> str:
    """Of the ``new_errors`` (datapoints whose function raised in this run, not in the baseline), those new in this
    run (an id the baseline does not have) when they may be the baseline's under new ids (``under``:
    :func:`_under_new_ids`), in words after the reason: old crashes may look new (empty when none can). The crash
    still fails the check."""
    maybe, _, moved = under
    renamed = set(new_errors) - {*comparison.common_datapoints, *(comparison.old_only_datapoints or ())}
    if not maybe or not renamed:
        return ""
    return f"; {len(renamed)} of them new in this run, and {moved}: they may be old crashes under new ids"


def _gate_failures(
    comparison: RunComparisonResult,
    gates: Mapping[str, GateRule],
    presentation: Mapping[str, MetricConfig],
    assessment: Mapping[MetricKey | str, Assessment] | None,
    points: Container[str],
    unpaired: int,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]], set[MetricKey]]:
    """Which configured gates the backend's comparison crosses: ``([(metric, why failed)], [(metric, why not)],
    [(metric, why it could not have)], the rows that failed)``.

    ``assessment`` is :func:`assess_gates`; ``points`` the gated metrics the report shows in percent, whose changes
    and bounds are said in percentage points (:func:`in_points`), as its Δ column says them. A bound exceeded is a
    failure, said with the test's count and p-value; a gate with ``significant: true`` fails only when the
    regression is also significant (or when significance cannot be told: the backend sent no improved/degraded
    counts, no datapoint has a value in both runs, a sign test's runs ran different numbers of trials, or the
    comparison left out ``unpaired`` datapoints both runs scored, whose changes no test saw), and is otherwise said
    as a warning. A ``max_degraded`` bound is said with its own sign test when :func:`assess_gates`
    made one. A ``significant: true`` gate whose test cannot be significant on the datapoints it pairs, whatever
    they do (:func:`_never`), says so beside its crossing, and the third list says it of one that crossed nothing.
    """
    failures: list[tuple[str, str]] = []
    noise: list[tuple[str, str]] = []
    powerless: list[tuple[str, str]] = []
    crossing: set[MetricKey] = set()
    shared = len(comparison.common_datapoints)
    tests = assessment or {}
    for row in _gated(comparison, gates, presentation):
        metric, gate, _, delta, _ = row
        paired = _paired_count(delta, shared)
        hits = _hits(row, metric in points)
        never = _never(tests.get(delta.key), paired, unpaired) if gate.significant else None
        if never and not hits:
            powerless.append((metric, f"{metric}'s gate (significant: true): {never}"))
        for hit, of_count in hits:
            key = _counted(delta.key) if of_count and _counted(delta.key) in tests else delta.key
            found = tests.get(key)
            evidence = _evidence(found, paired, unpaired, bool(never))
            # a sign test untold (trials differ) fails as a plain threshold: a false red is fixed by matching K;
            # so does a test on a comparison that left out datapoints both runs scored (the changes it lacks
            # could be the regression: 8 of 40 fell 1 -> 0, and the 32 it paired read "0 of 32 worse")
            noisy = found is not None and found.change in (Change.WITHIN_NOISE, Change.TOO_FEW)
            if gate.significant and noisy and paired and not unpaired:
                why = f"{hit}: {evidence}, not significant, so not failed (significant: true)"
                noise.append((metric, f"{why}; {never}" if never else why))
            else:
                failures.append((metric, f"{hit}: {evidence}"))
                crossing.add(delta.key)
    return failures, noise, powerless, crossing


def _never(found: Assessment | None, paired: int, unpaired: int) -> str | None:
    """Why a ``significant: true`` gate whose test is ``found`` can never fail on these runs, in words (``None``: it
    can): not even a change of every one of the ``paired`` datapoints the same way could be significant at its
    alpha, one-sided (the t-test's p-value is never below the sign test's smallest either: significance.py). A gate
    whose crossing fails whatever its test says can fail: one without counts (``None``), a sign test untold between
    runs of different trials, none paired, or a comparison that left out ``unpaired`` datapoints. Holm's correction
    over its family (the ``significant: true`` gates with a change, whichever way) counts, the other gates' tests as
    they are: beside one other, 5 datapoints all worse are p = 0.0625, never significant at 0.05."""
    if found is None or found.change is Change.UNTOLD or not paired or unpaired:
        return None
    best = unanimous_p(paired, found)
    if best <= found.alpha:
        return None
    raw = smallest_p(paired, found.sides)
    others = f"the {len(found.rivals)} other significant: true gate{'s' if len(found.rivals) != 1 else ''} that changed"
    after = f", {best:g} after Holm's correction beside {others}" if best > raw else ""
    return (
        f"on {paired} datapoint{'s' if paired != 1 else ''} no change can be significant at α = {found.alpha:g} (the"
        f" smallest p-value is {raw:g}{after}): this gate can never fail (it needs ≥ {needed(found)} datapoints, or"
        " significant: false)"
    )


# ---------------------------------------------------------------------------------------------------- decide


def _in_trials(some: Sequence[tuple[int, int]], missing: int) -> str:
    """Of the ``missing`` datapoints without a value, those without one in some of their trials only (``some``:
    each one's trials without a value, and its trials), in words: which trials, of one; that it is some, of more."""
    if not some:
        return ""
    them = "" if len(some) == missing else f"{len(some)} of them "
    if len(some) == 1:
        return f" ({them}in {some[0][0]} of its {some[0][1]} trials)"
    return f" ({them}in some of their trials)"


def _listed(items: Sequence[str], most: int = 5) -> str:
    """``items``, the first ``most`` of them by name (a row of the file the one before is of by its line alone:
    ``data/q.jsonl:6, :7``) and how many more."""
    shown = [
        f":{row.rpartition(':')[2]}" if i and row.rpartition(":")[0] == items[i - 1].rpartition(":")[0] != "" else row
        for i, row in enumerate(items[:most])
    ]
    return ", ".join(shown) + (f" and {len(items) - most} more" if len(items) > most else "")


def _crashed(crashed: Crashes, ids: Iterable[str]) -> str:
    """The function's errors on ``ids`` in words: per kind (up to three), on how many and where, and the first one's
    message; those of ``ids`` of no kind (a run whose errors only its spans hold) by id."""
    ids = dict.fromkeys(ids)
    kinds = [(kind, message, [row for i, row in rows.items() if i in ids]) for kind, (message, rows) in crashed.items()]
    known = {i for _, rows in crashed.values() for i in rows}
    kinds = [kind for kind in [*kinds, ("a function error", "", [i for i in ids if i not in known])] if kind[2]]
    said = [f"{kind} on {len(rows)} ({_listed(rows)})" + (f": {why}" if why else "") for kind, why, rows in kinds]
    others = len({row for _, _, rows in kinds[3:] for row in rows})
    return "; ".join(said[:3]) + (f"; {len(said) - 3} other kind(s) on {others}" if len(said) > 3 else "")


def _said(name: str, raised: EvaluatorErrors) -> tuple[str, str]:
    """Evaluator ``name``'s errors as the verdict says them: what it did on the datapoints, and why; of more than
    one kind, each kind on how many."""
    if raised.kinds:
        return f"evaluator {name} errored", raised.said
    who, why = _said_one(raised.first)
    return (f"evaluator {name} {who}" if did(raised.first) else who), why


def _said_one(first: str) -> tuple[str, str]:
    """One kind of an evaluator's errors, from its ``first`` (``Type: message``): what it did (:func:`did`; two
    evaluators producing one metric name: the collision's own words, which name both), and why: of a collision, what
    to do; of a kind it did not raise, its message."""
    kind, _, detail = first.partition(": ")
    if kind == COLLISION:
        return detail, "rename one of them"
    return did(first).lstrip(), detail if kind in NOT_RAISED else first


def _unrecorded_metric(metric: str, result: ExperimentResultSummary, facts: Facts, passed: Sequence[str]) -> str:
    """Why ``metric``, judged, has no value where no evaluator raised for it, in words after its reason. Recorded on
    other datapoints: by an evaluator of this job (one of ``facts.produced``), which returned nothing there; by
    something else, when this job's evaluators produced metrics but not it (the function's ``tracer.enrich_span``, a
    span), which did not record it there; either, when this job's outcomes hold no metrics (read back from HoneyHive).
    On no datapoint at all: its evaluator returned None on every one (one of ``facts.none_everywhere``: a forgotten
    return?), or its dict None under its key (one of ``facts.none_keys``), or else nothing recorded it (no
    evaluator of that name; a span's metric not recorded), said with the closest name the run recorded (the span's
    ``latency`` for ``latency_ms``). Of an evaluator that returned nothing on some of the ``passed`` datapoints, which
    (where this job's outcomes say: the first five), and what to do: a README's way to skip a datapoint is no value
    to judge."""
    details = result.metrics.details
    recorded = list(dict.fromkeys(d.metric_name for d in details if d.values or d.aggregate is not None))
    if valued := facts.valued.get(metric):  # an evaluator's, on some only: which, and what to do
        skipped = [i for i in passed if i not in valued]
        return (
            f": its evaluator returned nothing for them{f' ({first_ids(skipped)})' if skipped else ''}, and a passing"
            " range or gate needs a value on every datapoint: return one there, or take the range or gate off"
        )
    if metric in recorded and metric in facts.produced:  # an evaluator's, its outcomes not this job's
        return ": its evaluator returned nothing for them"
    if metric in recorded and facts.produced:  # the evaluators gave metrics, not this one: the function's, a span's
        return (
            ": no evaluator produces it, and what recorded it on the others (your function's tracer.enrich_span, or"
            " a span) did not record it on them"
        )
    if metric in recorded:  # who produced it is not known here (no metrics in the outcomes): either
        return ": nothing recorded it on them (its evaluator returned nothing, or your function did not record it)"
    if (who := producer(metric, facts.none_everywhere)) is not None:
        return f": {_forgot(who)}"
    if metric in facts.none_keys:  # a name a dict gave, None under it everywhere: no typo to tell, no closer name
        return ": its evaluator's dict held None under it on every one, so it was never a number to judge"
    if metric in facts.dicts:  # not "did you mean metric_key": the user must learn that the keys are the metrics
        keys = first_ids([name for name in recorded if name.startswith(f"{metric}_")])
        return (
            f": its evaluator returned a dict without 'score', so its keys are its metrics ({keys}), not {metric}:"
            f" judge one of them, or return {metric}'s value as 'score'"
        )
    return _closest(metric, recorded)


def _closest(metric: str, recorded: Sequence[str], where: str = "this run") -> str:
    """That no evaluator and no span recorded ``metric`` in ``where`` (a run, or both), in words after a reason, with
    the closest name of those it ``recorded`` (else the first ten of them): a misspelt name's "did you mean"."""
    if not recorded:
        return f": no evaluator and no span recorded it, nor any other metric, in {where}"
    close = difflib.get_close_matches(metric, recorded)  # the closest first
    shown = ", ".join(recorded[:10]) + (", ..." if len(recorded) > 10 else "")
    said = f" {close[0]}: did you mean that?" if close else f": {shown}"
    return f": no evaluator and no span recorded it in {where}, which recorded{said}"


@dataclass(frozen=True, slots=True)
class Facts:
    """What the verdict reads from this run's own outcomes, worked out once (:func:`facts`) for :func:`decide` and
    :func:`broken`; each empty by default (a run that says nothing of them)."""

    errors: Mapping[str, EvaluatorErrors] = field(default_factory=dict)
    """The evaluators' errors (:func:`evaluator_errors`)."""
    crashed: Crashes = field(default_factory=dict)
    """The function's errors (:func:`crashes`), which the reasons name (the new ones apart)."""
    strings: Mapping[str, str] = field(default_factory=dict)
    """The judged metrics whose values are strings (:func:`string_values`)."""
    partly: Mapping[str, Mapping[str, tuple[int, int]]] = field(default_factory=dict)
    """The judged metrics' datapoints with a value in some of their trials only (:func:`partly_missing`)."""
    none_everywhere: Collection[str] = ()
    """The evaluators that returned None on every datapoint they ran on (:func:`returned_none`), whose metrics'
    missing values are theirs."""
    booleans: Container[str] = ()
    """The gated metrics whose values are booleans (:func:`boolean_metrics`: with trials the backend's values are
    means, no longer booleans), whose pass rates the report shows in percent (:func:`in_points`)."""
    unrecorded: Mapping[str, str] = field(default_factory=dict)
    """The dataset rows the backend never recorded, each with its error (:func:`unrecorded`): never judged."""
    lost_trials: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    """With trials, the datapoints the backend lost some trials of (:func:`lost_trials`): judged on the others."""
    replaced: Collection[str] = ()
    """The built-in efficiency metrics an evaluator's metric of the same name replaced on some datapoint of this run
    (its ``cost_usd``): their values are the evaluator's, whatever LLM calls the run saw (:func:`_no_calls`)."""
    none_keys: Collection[str] = ()
    """The names a dict evaluator gave None under (an optional sub-score) on some datapoint of this run."""
    dicts: Collection[str] = ()
    """The evaluators that returned a dict of metrics without a ``score`` on some datapoint of this run."""
    evaluated: bool = True
    """Whether the function returned on some datapoint of this run, so its evaluators ran (or no outcome is known):
    when it raised everywhere, no ``metrics:`` key is told a typo by what the run recorded
    (:func:`unmatched_presentation`)."""
    produced: Collection[str] = ()
    """Every metric name this run's outcomes hold a value for (a number, a bool or a string, which the backend's
    summary leaves out), or a dict evaluator gave None under (``name_key``: an optional sub-score): with the
    summaries', the names an experiment file's ``metrics:`` key may give
    (:func:`unmatched_presentation`)."""
    capped: Mapping[str, Mapping[str, Mapping[str, int]]] = field(default_factory=dict)
    """Per efficiency metric with a passing range's ``max`` (but ``duration_ms``, which leaves no call out), the
    datapoints whose value of it leaves out LLM calls of their own (:func:`~honeyhive_experiment.efficiency.left_out`
    of its outcomes: without a price, without token usage; with trials of any of its trials), by id in input order:
    those calls, how many by why. Not the calls made outside every datapoint: no datapoint's."""
    valued: Mapping[str, Collection[str]] = field(default_factory=dict)
    """Per judged metric, the datapoints (ids) on which this run's outcomes hold a value of it (a number or a bool, in
    some trial: :func:`~honeyhive_experiment.models.outcomes.valued`): where the summary has none, the backend lost it
    or had not summarised it yet (:func:`_dropped`)."""
    unfinished: int = 0
    """The datapoints' LLM calls unfinished when their datapoint was recorded
    (:attr:`~honeyhive_experiment.models.outcomes.DatapointOutcome.unfinished`): in no datapoint's value, and which
    datapoint's each was is not known."""


def facts(
    outcomes: Iterable[DatapointOutcome],
    ranged: Iterable[str] = (),
    gates: Iterable[str] = (),
    places: Mapping[str, str] | None = None,
    capped: Iterable[str] = (),
) -> Facts:
    """:class:`Facts` of this run's own ``outcomes``, for the metrics with a passing range (``ranged``) and a gate
    (``gates``): those are judged; ``places``: where the datapoints are in the dataset file (:func:`crashes`);
    ``capped``: the metrics whose passing range has a ``max``."""
    outcomes, gates = list(outcomes), list(gates)
    capped = [m for m in dict.fromkeys(capped) if m in EFFICIENCY_METRICS and m != "duration_ms"]
    trials: dict[str, list[DatapointOutcome]] = {}  # per datapoint, its trials with calls without a cost
    for outcome in outcomes:
        if outcome.unpriced:
            trials.setdefault(outcome.datapoint_id, []).append(outcome)
    own = {i: own_left_out(group) for i, group in trials.items()}
    judged = [*ranged, *gates]
    none_keys = tuple(dict.fromkeys(name for outcome in outcomes for name in _none_under_keys(outcome)))
    return Facts(
        errors=evaluator_errors(outcomes),
        crashed=crashes(outcomes, places or {}),
        strings=string_values(outcomes, judged),
        partly=partly_missing(outcomes, judged),
        none_everywhere=tuple(returned_none(outcomes)),
        booleans=boolean_metrics(outcomes, gates),
        unrecorded=unrecorded(outcomes),
        lost_trials=lost_trials(outcomes),
        replaced=tuple(dict.fromkeys(name for outcome in outcomes for name in outcome.replaced)),
        evaluated=not outcomes or any(outcome.status == "ok" for outcome in outcomes),
        none_keys=none_keys,
        dicts=tuple(dict.fromkeys(n for o in outcomes for n, why in o.no_metric.items() if why == DICT_OF_METRICS)),
        produced=tuple(dict.fromkeys(name for o in outcomes for name in o.metrics)) + none_keys,
        capped={m: {i: calls[m] for i, calls in own.items() if m in calls} for m in capped},
        valued=valued(outcomes, judged),
        unfinished=sum(outcome.unfinished for outcome in outcomes),
    )


def _none_under_keys(outcome: DatapointOutcome) -> list[str]:
    """The names a dict evaluator gave with None as their value on ``outcome`` (an optional sub-score: no metric)."""
    return [name for name, why in outcome.no_metric.items() if why == NONE_UNDER_KEY]


def broken(
    result: ExperimentResultSummary,
    *,
    ranged: Iterable[str] = (),
    gates: Iterable[str] = (),
    facts: Facts,
    policy: VerdictConfig,
    new_errors: Sequence[str] = (),
    tolerance: str = "verdict.allow_evaluator_errors",
    moved: str = "",
) -> tuple[list[str], list[str]]:
    """Why the evaluation itself broke (reason 1 of the module docstring), as ``(reasons, warnings)``: the
    warnings are the evaluator errors ``policy`` tolerates. The check's :func:`decide` and ``evaluate()``'s
    ``success`` both ask this; ``tolerance`` is what the reason names as the way to tolerate an evaluator's errors
    (the experiment file's key, or ``evaluate()``'s keyword), and ``moved`` what follows the new crashes' reason: that
    they may be old ones under new ids (:func:`_old_crashes`). The others are :func:`decide`'s. A metric the run
    measures itself (:data:`~honeyhive_experiment.efficiency.METRICS`) without a value on some datapoints is a
    warning, not a reason: their calls had no price or token usage, or they made none the run could see, and no
    evaluator failed; without a value on any, it is a reason: the range or gate was never checked. A value this run
    recorded that the summary lacks (:func:`_dropped`) is the backend's doing, said so, and a reason for any metric."""
    errors, strings, partly, unrecorded = facts.errors, facts.strings, facts.partly, facts.unrecorded
    reasons: list[str] = []
    warnings: list[str] = []

    judged = [*ranged, *gates]
    unchecked = unchecked_metrics(result, judged, unrecorded, partly)
    order = _judged(result, unrecorded)
    passed = set(order)
    blamed: set[str] = set()
    for metric, missing in unchecked.items():
        what = "passing range" if metric in ranged else "gate"
        some = [trials for i, trials in partly.get(metric, {}).items() if i in passed]
        reason = f"{metric} has a {what} but no value on {missing} of the datapoints the backend passed"
        reason += _in_trials(some, missing)
        # the run's value never checked: a reason, whatever the metric (not "not checked there" of a call-less one)
        if dropped := _dropped(result, metric, facts.valued.get(metric, ()), order):
            reason += _unshown(dropped, missing)
            if len(dropped) == missing:
                reasons.append(reason)
                continue
            missing -= len(dropped)
            reason += f"; on the other {missing}"
        blamer = producer(metric, errors)
        if blamer is None and metric in EFFICIENCY_METRICS:  # the run's own measurement, and no evaluator raised
            if missing < len(passed) or some:  # the datapoints (or trials) without a call: the others were checked
                (reasons if dropped else warnings).append(
                    f"{reason}: their LLM calls had no price or token usage, or they made none the run could see,"
                    " so it was not checked there"
                )
                continue
            calls = metric.replace("cost_usd", "llm_calls")  # the same side's calls: were there any to price?
            called = metric != calls and any(d.values for d in result.metrics.details if d.metric_name == calls)
            reason = f"{metric} has a {what} but no value on any of the {missing} datapoints the backend passed: " + (
                "its LLM calls could not be priced or reported no token usage (see the note under the Efficiency table)"
                if called
                else "the run saw no LLM call that reported it"
            )
        elif blamer is not None:
            blamed.add(blamer)
            raised = errors[blamer]
            who, why = _said(blamer, raised)
            reason += f": {who} on {raised.count} datapoint(s) ({why})"
            if missing > raised.count:  # on the others it raised nothing: it gave no number
                reason += f"; returned {'a string' if metric in strings else 'nothing'} on {missing - raised.count}"
        elif metric in strings:  # its text unknown (""): a run read back from HoneyHive, which this job cannot redact
            text = f" ({excerpt(strings[metric])!r})" if strings[metric] else ""
            reason += f": its evaluator returned a string{text}; a {what} needs a number or a bool"
        else:  # no evaluator raised for it: one returned None, or none is named so (a span's metric, a typo)
            reason += _unrecorded_metric(metric, result, facts, order)
        reasons.append(reason)
    if unrecorded:
        reasons.append(
            f"{len(unrecorded)} datapoint(s) of the dataset were not recorded by the backend, so they were never"
            f" judged ({next(iter(unrecorded.values()))})"
        )
    if facts.lost_trials:  # red stays red: a value that leaves trials out is not the one the run was made to measure
        lost = facts.lost_trials.values()
        reasons.append(
            f"{len(lost)} datapoint(s) lost {sum(n for n, _ in lost)} of their trials at the backend"
            f" ({next(iter(lost))[1]}): their values leave those out"
        )
    if new_errors:
        reasons.append(
            f"{len(new_errors)} datapoint(s) newly errored (not in the baseline; verdict.allow_failed does not tolerate"
            f" that): {_crashed(facts.crashed, new_errors)}{moved}"
        )
    for name, raised in errors.items():
        if name in blamed:
            continue
        who, why = _said(name, raised)
        if raised.everywhere:
            reasons.append(f"{who} on every datapoint ({raised.count} of {raised.of}): {why}")
        elif raised.count > policy.tolerated_evaluator_errors(raised.of):
            reasons.append(
                f"{who} on {raised.count} datapoint(s) ({why}); {tolerance} tolerates a count or a share of them"
            )
        else:
            warnings.append(f"{who} on {raised.count} datapoint(s): {why}")
    return reasons, warnings


def decide(
    result: ExperimentResultSummary,
    comparison: RunComparisonResult | None,
    *,
    gates: Mapping[str, GateRule] | None = None,
    presentation: Mapping[str, MetricConfig] | None = None,
    ranged: Iterable[str] = (),
    facts: Facts | None = None,
    policy: VerdictConfig | None = None,
    gate_assessment: Mapping[MetricKey | str, Assessment] | None = None,
    new_errors: Sequence[str] = (),
    compare: bool = True,
    left_out: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]] | None = None,
    unpaired: int = 0,
    baseline: ExperimentResultSummary | None = None,
    id_scheme: str | None = None,
    other_inputs: int = 0,  # pragma: no mutate (1 is no different: one changed pair is an edit, inputs_moved)
) -> Decision:
    """The verdict for a run the backend has summarised (see the module docstring for the order of reasons).

    ``ranged`` names the metrics with a passing range; ``facts`` is what this run's own outcomes say (:func:`facts`:
    its evaluators' errors, its function's, its strings, the rows the backend never recorded, ...; none: nothing);
    ``gate_assessment`` is :func:`assess_gates` of ``comparison``; ``new_errors`` the datapoints whose function raised
    in this run and not in the baseline, which the reasons name apart from its other errors; ``left_out`` the
    efficiency metrics whose values leave out LLM calls (:func:`~honeyhive_experiment.efficiency.left_out`): how many
    by why, ``(the baseline's, this run's)``, whose gates are judged by the direction rule of :func:`_unjudged`;
    ``unpaired`` how many datapoints both runs scored ``comparison`` left out
    (:func:`~honeyhive_experiment.results.unpaired_of`), whose crossed ``significant: true`` gates are not excused as
    noise (:func:`_gate_failures`), and whose ``max_degraded`` that pairs no datapoint says so (:func:`_unknown`);
    ``baseline`` the baseline's summary, whose id lists with this run's tell how many datapoints have a gated metric
    in both runs, which a ``max_degraded`` count that held on fewer does not hold on (:func:`_unknown`), and in
    either, whose bounds on aggregates of different datapoints are judged only as the datapoints compared bear them
    out (:func:`_diluted`);
    ``id_scheme`` how the dataset's datapoints got their ids (``DatasetIdentity.scheme``), which tells whether new and
    gone ones may be the same under new ids (:func:`_moved`); ``other_inputs`` how many datapoints ``comparison``
    paired hold other inputs than in the baseline, which, when ids were reused or renumbered
    (:func:`~honeyhive_experiment.report.pairing.inputs_moved`: not a row or two edited under their ids), a
    ``max_degraded`` counts as datapoints that may have moved (:func:`_moved`), and bounds on aggregates do not judge
    (:func:`_diluted`). ``compare`` false: comparisons are switched off
    (``baseline.strategy: none``), so no ``comparison`` is the result's own verdict, not neutral; a gate then is never
    checked, and says so (the experiment file refuses one).
    """
    gates, presentation = gates or {}, presentation or {}
    policy, facts = policy or VerdictConfig(), facts or Facts()
    under = _under_new_ids(comparison, id_scheme) if comparison is not None else (0, 0, "")  # pragma: no mutate
    shared = len(comparison.common_datapoints) if comparison is not None else 0  # pragma: no mutate
    reused = (
        other_inputs if comparison is not None and inputs_moved(other_inputs, shared) else 0
    )  # 1 or 2 edited: a note
    renumbered = _old_crashes(comparison, new_errors, under) if comparison is not None else ""
    reasons, warnings = broken(
        result, ranged=ranged, gates=gates, facts=facts, policy=policy, new_errors=new_errors, moved=renumbered
    )
    reasons.extend(unmatched_presentation(result, presentation, facts, comparison, baseline, [*ranged, *gates]))
    reasons.extend(_unreachable_gates(result, gates, presentation, facts.booleans))
    deltas = comparison.metrics if comparison is not None else ()
    reasons.extend(_unpaired(deltas, gates))

    failed = list(dict.fromkeys(result.failed))
    total = len(dict.fromkeys(result.passed)) + len(failed)
    tolerated = policy.tolerated_failures(total)
    if failed and len(failed) <= tolerated:
        warnings.append(
            f"{len(failed)} of {total} datapoint(s) failed, within the tolerance (verdict.allow_failed:"
            f" {policy.allow_failed})"
        )
    elif failed:  # the backend fails a datapoint outside a passing range, or whose function errored: said apart
        crashed, new = facts.crashed, set(new_errors)
        errored = {i: None for _, rows in crashed.values() for i in rows if i not in new}
        if ranges := [i for i in failed if i not in errored and i not in new]:
            reasons.append(f"{len(ranges)} datapoint(s) failed their passing ranges")
        if errored:  # the new ones are said apart (broken)
            again = ", as in the baseline" if comparison is not None else ""
            reasons.append(f"{len(errored)} datapoint(s) errored{again}: {_crashed(crashed, errored)}")
    elif not result.success:
        reasons.append(result.error or "the backend reported the run as not successful")
    # the gates are judged whatever else failed: a crossed one is said now, not after the other reasons are fixed
    aggregation = result.metrics.aggregation_function
    points = {
        metric
        for metric in gates
        if in_points(
            presentation.get(metric, MetricConfig()).format, _boolean(result, metric, facts.booleans), aggregation
        )
    }
    left = left_out or {}
    # this run's values that leave datapoints (or with trials some trials of one) without a value: no lower bounds
    unbounded = {m for m in gates if not _bounded(left.get(m, ({}, {}))[1])}
    called, uncalled = _no_calls(result, comparison, [g for g in gates if g not in facts.replaced], left)
    reasons.extend(called)
    warnings.extend(uncalled)
    failures: list[tuple[str, str]] = []
    noise: list[tuple[str, str]] = []
    if comparison is not None:
        # bounds on aggregates of different datapoints of those the runs share are not judged, whatever calls their
        # values leave out (_unjudged's says why first; audit78 F4); their max_degraded is
        rows = _gated(comparison, gates, presentation)
        diluted = _diluted(comparison, rows, (result, baseline), reused, unbounded)
        judged = {
            metric: GateRule(max_degraded=gate.max_degraded, significant=gate.significant)
            if metric in diluted
            else gate
            for metric, gate in gates.items()
            if metric not in diluted or gate.max_degraded is not None
        }
        # every gate's failures and crossings within noise, on the values as they are (gate_assessment is Holm over
        # the gates of each kind, whichever are judged): what they say of the whole, then only the gates those values
        # can judge
        failures, noise, powerless, crossing = _gate_failures(
            comparison, judged, presentation, gate_assessment, points, unpaired
        )
        warnings.extend(text for _, text in powerless)
        # a bound the backend sent nothing to judge by fails, whatever calls its values leave out: it was never checked
        unknown, how, unfailable = _unknowns(comparison, judged, presentation, points, unpaired, (result, baseline))
        warnings.extend(_own_calls(judged, left))  # not of bounds it could not check on diluted aggregates
        valueless = {m: judged[m] for m in unbounded if m in judged}  # a diluted one by its max_degraded alone
        at_zero = _past_at_zero(
            _gated(comparison, valueless, presentation), result, gate_assessment or {}, unpaired, facts.partly
        )
    else:
        unknown, how, crossing, unfailable = [], {}, set(), []  # how: each row's failures never or partly checked
        at_zero = set()  # pragma: no mutate (no comparison: no gate failed, none looked up)
        diluted = {}
    failing = {metric for metric, _ in failures}
    sound = {metric for metric in failing if metric in at_zero or metric not in unbounded}
    unjudged = _unjudged(gates, presentation, left, sound, failing | {metric for metric, _ in noise})
    # the PR replaced every datapoint (the one rule of it, for the bounds on aggregates and max_degraded): the runs
    # share none, the comparison left out none both runs scored, and the metric's own counts pair none (else the
    # answer is lagging or at odds with itself, and its bounds judge as on any comparison: audit71 #5)
    paired = {d.metric_name for d in deltas if any((d.found_count, d.improved_total, d.degraded_total, d.same_total))}
    replaced = comparison is not None and not comparison.common_datapoints and not unpaired
    apart = [metric for metric in gates if replaced and metric not in paired]
    on_aggregates = [m for m in apart if gates[m].max_drop is not None or gates[m].max_drop_pct is not None]
    unjudged = dict.fromkeys(on_aggregates, _APART) | unjudged
    why = _gates_unchecked(gates, comparison, apart, unjudged, compare)
    # no comparison: ``under`` is (0, 0, ''), with which _moved says nothing either
    moved = (
        _moved(comparison, gates, presentation, {m for m, _ in why}, under, reused)
        if comparison  # pragma: no mutate (without one, under is (0, 0, '') and reused 0: _moved says nothing)
        else []  # pragma: no mutate
    )
    why += moved
    why += [(metric, text) for metric, text in diluted.items() if metric not in dict(why)]
    # a bound that can never fail on those paired says nothing of the datapoints that may be paired under new ids
    quiet = {*unjudged, *(metric for metric, _ in moved)}
    warnings.extend(text for metric, text in unfailable if metric not in quiet)
    hit = [(metric, text) for metric, text in failures if metric not in unjudged]
    warnings.extend(text for metric, text in noise if metric not in unjudged)
    # a failed gate whose value leaves calls out: only this run's, which with them is worse still (both runs' alike:
    # judged on their datapoints' own calls, which the warning says)
    this_run = "this run's"
    texts = tuple(
        f"{text}; {_excludes(this_run, new)}: "
        + ("with them it is worse still" if _bounded(new) else "past the gate even were those datapoints 0")
        if new and not old
        else text
        for metric, text in hit
        for old, new in [left.get(metric, ({}, {}))]
    )
    texts += tuple(text for _, text in unknown)
    metrics = tuple(dict.fromkeys(metric for metric, _ in [*hit, *unknown]))
    ranges = ranges_unchecked(result, facts)
    if reasons or texts:
        # a gate or a range that could not be checked (no baseline value, no datapoint shared, calls left out) while
        # something else fails says so: fixing that failure is not the end of it
        warnings.extend(text for metric, text in why if metric not in metrics)
        warnings.extend(ranges)
        for key in crossing:  # a row that crossed a bound of a gate the verdict judges (_unknowns has every gated row)
            how[key].update(() if key[0] in unjudged else ("crossed",))
        return Decision(
            Verdict.FAIL,
            (*reasons, *texts),
            texts,
            warnings=tuple(warnings),
            gates_hit=metrics,
            not_checked=tuple(key for key, failed in how.items() if "never" in failed and "crossed" not in failed),
            not_fully_checked=tuple(key for key, failed in how.items() if failed == {"partly"}),
        )

    if comparison is None and compare:
        return Decision(Verdict.NEUTRAL, ("no baseline run to compare with yet", *ranges), warnings=tuple(warnings))
    if why or ranges:
        return Decision(Verdict.NEUTRAL, (*(text for _, text in why), *ranges), warnings=tuple(warnings))
    passed = (
        "every datapoint passed"
        if not failed
        else f"{total - len(failed)} of {total} datapoints passed; the others failed within verdict.allow_failed"
    )
    return Decision(Verdict.PASS, (passed,), warnings=tuple(warnings))

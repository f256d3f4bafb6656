"""Calling evaluators and turning what they return into metrics.

The conventions are HoneyHive's (``honeyhive-api.md`` §7), so evaluators written for the official SDK
work unchanged:

* an evaluator is called as ``evaluator(outputs, inputs[, ground_truth])`` (:class:`Evaluator`), and its return
  value becomes metrics by :func:`normalize_result`;
* an evaluator that raises, or returns ``None``, records nothing; the other evaluators still run (``None`` is no
  error: :attr:`EvaluationOutcome.warnings` says it, and the run warns of one that returned it on every datapoint).

Where this module deliberately differs from the SDK (1.7.0), it is kinder and says so:

* a legacy two-parameter evaluator ``(outputs, inputs)`` is called with two arguments even when the
  datapoint has ground truth (the SDK passes three: it fails with TypeError on every labelled datapoint and
  the metric silently disappears);
* non-finite floats (NaN, ±inf) are not metrics: they are dropped and reported;
* an integer beyond 64 bits (which no span attribute holds) is recorded as a float, as HoneyHive's JSON reads
  any number; one beyond a float's range is dropped and reported;
* every lost metric is reported in :attr:`EvaluationOutcome.errors` instead of being logged only
  with ``verbose=True``; a dict without a scalar ``score`` (none, or ``None``) has no metric of the evaluator's
  name, which is no error (a dict of several metrics is one) but is said in :attr:`EvaluationOutcome.warnings`;
* two evaluators producing the same metric name: the first one (in list order) keeps it and the
  collision is reported (the SDK lets whichever thread finishes last win);
* an evaluator that raises on the function's ``None`` outputs has its error end with
  :data:`FUNCTION_RETURNED_NONE`: the function may have forgotten its ``return``.

This module does no I/O and knows nothing about tracing or HTTP; the runner calls
:func:`run_evaluators` and attaches ``outcome.metrics`` to the datapoint.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias, TypeGuard

from honeyhive_experiment.calling import callable_name, error_text, from_numpy, inspect_callable
from honeyhive_experiment.cancellation import by_signal
from honeyhive_experiment.coroutines import run_coroutine
from honeyhive_experiment.errors import EvaluatorSignatureError
from honeyhive_experiment.models.outcomes import (
    COLLISION,
    DICT_OF_METRICS,
    DOTTED_NAME,
    MISSING_GROUND_TRUTH,
    NON_FINITE,
    NONE_UNDER_KEY,
    NOT_RAISED,
    OUT_OF_RANGE,
    RETURNED_NONE,
    UNSUPPORTED_RETURN,
    EvaluatorFailure,
    excerpt,
)

__all__ = [
    "DOTTED_NAME",
    "FUNCTION_RETURNED_NONE",
    "MISSING_GROUND_TRUTH",
    "NON_FINITE",
    "NO_GROUND_TRUTH",
    "OUT_OF_RANGE",
    "UNSUPPORTED_RETURN",
    "EvaluationOutcome",
    "Evaluator",
    "MetricValue",
    "normalize_result",
    "run_evaluators",
]

MetricValue: TypeAlias = float | int | bool | str
"""A value HoneyHive can store and compare as a metric (``bool`` is listed although it is an ``int``)."""


@dataclass
class EvaluationOutcome:
    """All evaluators' metrics for one datapoint, plus what went wrong (in evaluator order)."""

    metrics: dict[str, MetricValue] = field(default_factory=dict)
    errors: list[EvaluatorFailure] = field(default_factory=list)
    warnings: dict[str, str] = field(default_factory=dict)
    """Per evaluator, why there is no metric of its name though nothing went wrong: it returned a dict without a
    scalar ``score`` (what it said, after ``evaluator 'name' ``), or ``None`` (:data:`RETURNED_NONE`); and per
    ``name_key`` of a dict whose value was None, :data:`NONE_UNDER_KEY` (nothing to say: a name it gives)."""


# --------------------------------------------------------------------------------------------------
# names and return values


def _is_scalar(value: object) -> TypeGuard[MetricValue]:
    return isinstance(value, bool | int | float | str)


def _plain(value: object) -> object:
    """A numpy scalar as the number it holds (:func:`~honeyhive_experiment.calling.from_numpy`); else (an array too)
    as it is."""
    held = from_numpy(value)
    return held if isinstance(held, bool | int | float) else value


def _normalize(name: str, raw: object) -> tuple[dict[str, MetricValue], list[tuple[str, str]], dict[str, str]]:
    """:func:`normalize_result` plus the reportable problems as ``(error_type, message)`` pairs, and why names have no
    metric though nothing went wrong (:attr:`EvaluationOutcome.warnings`): the evaluator's own, and a dict's keys
    whose value is None (:data:`NONE_UNDER_KEY`)."""
    problems: list[tuple[str, str]] = []
    warning = None
    unset: dict[str, str] = {}
    if isinstance(raw, list | tuple) and len(raw) == 1:
        raw = raw[0]
    raw = _plain(raw)
    if raw is None:  # no error (it skips the datapoint), but a forgotten return does it on every one: the runner says
        return {}, [], {name: RETURNED_NONE}

    candidates: list[tuple[str, MetricValue]] = []
    if _is_scalar(raw):
        candidates.append((name, raw))
    elif isinstance(raw, dict):
        score = _plain(raw.get("score"))
        if _is_scalar(score):
            candidates.append((name, score))
        elif score is not None:
            problems.append((UNSUPPORTED_RETURN, f"'score' is of type {type(score).__name__}, not bool/int/float/str"))
        elif _forgot_score(raw):  # the SDK logs it on every datapoint: said, once per run (the runner), not an error
            keys = ", ".join(excerpt(repr(key)) for key in list(raw)[:10]) + (", ..." if len(raw) > 10 else "")
            said = (
                f"'score': None (keys: {keys}), so there is no metric {name!r} where it did"
                if "score" in raw
                else f"no 'score' (keys: {keys or 'none'}), so there is no metric {name!r}, only {name}_<key> ones:"
                " fine for a dict of several metrics, else return the metric as 'score'"
            )
            warning = f"returned a dict with {said}"
        else:  # a dict of several metrics: said only of a judged name (verdict.broken)
            warning = DICT_OF_METRICS
        explanation = raw.get("explanation")
        if explanation is not None:
            candidates.append((f"{name}_explanation", str(explanation)))
        # Non-scalar extras (nested details) are dropped without a report: they are common and not metrics.
        extras = ((key, _plain(value)) for key, value in raw.items() if key not in ("score", "explanation"))
        unset = {
            f"{name}_{k}": NONE_UNDER_KEY for k, v in raw.items() if v is None and k not in ("score", "explanation")
        }
        candidates.extend((f"{name}_{key}", value) for key, value in extras if _is_scalar(value))
    else:
        problems.append((UNSUPPORTED_RETURN, f"returned a {type(raw).__name__}; expected a scalar, a dict or None"))

    metrics: dict[str, MetricValue] = {}
    for key, value in candidates:
        if isinstance(value, float) and not math.isfinite(value):
            problems.append((NON_FINITE, f"metric '{key}' is {value!r}; only finite numbers are metrics"))
            continue
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            big = value
            try:
                value = float(big)  # 2**63 and the like: a float, as every JSON reader takes a number this large
            except OverflowError:
                digits = round(big.bit_length() * math.log10(2))  # str() of it may exceed Python's digit limit
                problems.append(
                    (OUT_OF_RANGE, f"metric '{key}' is an integer of about {digits} digits; beyond a float")
                )
                continue
        if "." in key:  # kept, as the SDK keeps it, but said: it would vanish from every report
            nested = f"metric '{key}' has a '.' in its name: HoneyHive stores it as a nested field, not a metric"
            problems.append((DOTTED_NAME, f"{nested}; name it without dots"))
        metrics[key] = value
    return metrics, problems, ({name: warning} if warning is not None else {}) | unset


def _forgot_score(raw: dict[Any, Any]) -> bool:
    """Whether a dict an evaluator returned without a scalar ``score`` likely meant one: ``'score': None``, a key like
    it (``Score``, ``scores``, ``value``), or one number at most. A dict of several metrics (``{"grounded": 1,
    "concise": 0.5}``, each ``name_<key>``) is a documented pattern: warned of on every run, it taught users to
    skip warnings."""
    numbers = [key for key, value in raw.items() if key != "explanation" and isinstance(_plain(value), int | float)]
    like = any(str(key).casefold().rstrip("s") in ("score", "value") for key in raw)
    return "score" in raw or like or len(numbers) < 2


def normalize_result(name: str, raw: object) -> dict[str, MetricValue]:
    """Turn an evaluator's return value into metrics, by HoneyHive's rules (the SDK's ``from_raw``, but for what the
    module's docstring lists): a scalar is ``{name: raw}``; a dict's ``score`` is ``name``, its ``explanation``
    ``name_explanation`` and its other scalars ``name_<key>``."""
    return _normalize(name, raw)[0]


# --------------------------------------------------------------------------------------------------
# the evaluator wrapper


@dataclass(frozen=True)
class Evaluator:
    """A callable evaluator, inspected once: its metric name, whether it is async, how to call it.

    Build it with :meth:`from_callable`; :meth:`arguments` is the calling convention. Only positional parameters
    count; a signature that cannot be inspected takes an optional third argument (the SDK's behaviour).
    """

    fn: Callable[..., Any]
    name: str
    is_async: bool
    positional_params: int
    """2 or 3: how many positional arguments it accepts (more than 3, or ``*args``, counts as 3)."""
    ground_truth_required: bool = False
    """True when the third positional parameter has no default."""

    def __post_init__(self) -> None:
        if self.positional_params not in (2, 3):
            raise EvaluatorSignatureError(f"positional_params must be 2 or 3, not {self.positional_params}")
        if self.ground_truth_required and self.positional_params != 3:
            raise EvaluatorSignatureError("ground_truth_required needs positional_params == 3")
        if not self.name:
            raise ValueError("an evaluator name must be a non-empty string")

    @classmethod
    def from_callable(cls, fn: Callable[..., Any] | Evaluator, name: str | None = None) -> Evaluator:
        """Inspect ``fn``; ``name`` overrides :func:`callable_name`. An :class:`Evaluator` is returned as is
        (renamed if ``name`` is given). Raises :class:`EvaluatorSignatureError` when ``fn`` cannot be called with
        ``(outputs, inputs[, ground_truth])``."""
        if isinstance(fn, Evaluator):
            return fn if name is None else replace(fn, name=name)
        if not callable(fn):
            raise EvaluatorSignatureError(f"an evaluator must be callable, not of type {type(fn).__name__}")
        shape = inspect_callable(fn, "evaluator", name)
        display = shape.name
        if shape.required_keywords:
            raise EvaluatorSignatureError(
                f"evaluator '{display}': required keyword-only parameter '{shape.required_keywords[0]}' is never passed"
            )
        required = sum(p.default is p.empty for p in shape.positional)
        accepted = None if shape.var_positional or not shape.readable else len(shape.positional)
        if accepted is not None and accepted < 2:
            raise EvaluatorSignatureError(
                f"evaluator '{display}' takes {accepted} positional parameter(s); it must accept "
                "(outputs, inputs[, ground_truth])"
            )
        if required > 3:
            raise EvaluatorSignatureError(
                f"evaluator '{display}' requires {required} positional arguments; at most 3 "
                "(outputs, inputs, ground_truth) are passed"
            )
        return cls(
            fn=fn,
            name=display,
            is_async=shape.is_async,
            positional_params=3 if accepted is None or accepted >= 3 else 2,
            ground_truth_required=required == 3,
        )

    def arguments(self, outputs: Any, inputs: Any, ground_truth: Any) -> tuple[Any, ...] | None:
        """The positional arguments for this datapoint, or None if the evaluator must not be called (its third
        parameter has no default and there is no ground truth: a :data:`MISSING_GROUND_TRUTH` error). A two-parameter
        evaluator gets two even with a ground truth (the SDK passes three)."""
        if ground_truth is None:
            return None if self.ground_truth_required else (outputs, inputs)
        return (outputs, inputs, ground_truth) if self.positional_params == 3 else (outputs, inputs)


# --------------------------------------------------------------------------------------------------
# running them

_Verdict: TypeAlias = tuple[dict[str, MetricValue], list[EvaluatorFailure], dict[str, str]]
"""One evaluator's metrics, errors and why names have no metric (:func:`_normalize`) on one datapoint."""


def _verdict(name: str, raw: object) -> _Verdict:
    try:
        metrics, problems, unmade = _normalize(name, raw)
    except Exception as exc:  # what the evaluator returned: an explanation whose str() raises, or recurses too deep
        return _failure(name, exc)
    return metrics, [EvaluatorFailure(name, f"{kind}: {message}") for kind, message in problems], unmade


def _failure(name: str, exc: BaseException) -> _Verdict:
    return {}, [EvaluatorFailure(name, error_text(exc))], {}


NO_GROUND_TRUTH = (
    f"{MISSING_GROUND_TRUTH}: no ground_truth, which the evaluator's third parameter requires: give the datapoint one"
    " (a row's ground_truth; in a CSV file a ground_truth.<key> column, since a column without a section is an"
    " input), or declare ground_truth=None to run it without one"
)


async def _gather(pending: Mapping[int, tuple[str, Callable[[], object]]], settled: dict[int, _Verdict]) -> None:
    """Await the async evaluators together, each verdict into ``settled`` as soon as it is in; an evaluator's exception
    is its own error (the per-evaluator boundary): on the user's loop's thread, which no signal reaches, a
    KeyboardInterrupt too."""

    async def settle(index: int, name: str, start: Callable[[], object]) -> None:
        try:
            raw = start()
            if inspect.isawaitable(raw):
                raw = await raw
        except BaseException as exc:  # the evaluator boundary: whatever user code raises (sys.exit, a cancelled task)
            settled[index] = _failure(name, exc)
        else:
            settled[index] = _verdict(name, raw)

    await asyncio.gather(*(settle(index, name, start) for index, (name, start) in pending.items()))


def _prepare(
    item: Callable[..., Any] | Evaluator, outputs: Any, inputs: Any, ground_truth: Any
) -> tuple[str, _Verdict | Callable[[], object], bool]:
    """``(name, verdict already known | the call to make, is_async)`` for one evaluator on one datapoint."""
    try:
        evaluator = Evaluator.from_callable(item)
    except EvaluatorSignatureError as exc:
        return callable_name(item), _failure(callable_name(item), exc), False
    args = evaluator.arguments(outputs, inputs, ground_truth)
    if args is None:
        return evaluator.name, ({}, [EvaluatorFailure(evaluator.name, NO_GROUND_TRUTH)], {}), False
    return evaluator.name, functools.partial(evaluator.fn, *args), evaluator.is_async


def _call_sync(name: str, call: Callable[[], object]) -> _Verdict | Callable[[], object]:
    """Call a sync evaluator; a returned coroutine (an async function behind a sync wrapper) is handed back."""
    try:
        raw = call()
    except BaseException as exc:  # the evaluator boundary: whatever user code raises (sys.exit, a cancelled task)
        if by_signal(exc):  # a signal stops the command, not an evaluator
            raise
        return _failure(name, exc)
    if inspect.iscoroutine(raw):
        return lambda: raw
    return _verdict(name, raw)


def _merge(names: Iterable[str], verdicts: Iterable[_Verdict]) -> EvaluationOutcome:
    """Combine per-evaluator verdicts in evaluator order; on a metric name collision the first value stays."""
    outcome = EvaluationOutcome()
    owner: dict[str, str] = {}
    for name, (metrics, errors, unmade) in zip(names, verdicts, strict=True):
        outcome.errors.extend(errors)
        outcome.warnings.update(unmade)
        for key, value in metrics.items():
            if key in owner:
                outcome.errors.append(
                    EvaluatorFailure(
                        name,
                        f"{COLLISION}: evaluators '{owner[key]}' and '{name}' both produce the metric '{key}' (the"
                        f" value of '{owner[key]}' is kept)",
                    )
                )
                continue
            owner[key] = name
            outcome.metrics[key] = value
    return outcome


def run_evaluators(
    evaluators: Iterable[Callable[..., Any] | Evaluator],
    outputs: Any,
    inputs: Any,
    ground_truth: Any = None,
    call: Callable[[Callable[[], object]], object] = lambda make: make(),
) -> EvaluationOutcome:
    """Run every evaluator on one datapoint and collect the metrics.

    Sync evaluators are called one after another, in list order, on the calling thread. Async ones are
    then run together (``asyncio.gather``) on the user's one event loop (:mod:`~honeyhive_experiment.coroutines`),
    the calling thread waiting for them, from any thread (a running loop's too). An evaluator
    that raises, returns a non-metric, or produces a name another evaluator already produced loses only
    that metric; the problem is in ``errors``, in evaluator order. Raw callables are wrapped with
    :meth:`Evaluator.from_callable`; one that cannot be called as an evaluator is reported, not raised.
    Only a signal's ``KeyboardInterrupt`` propagates (:func:`~honeyhive_experiment.cancellation.by_signal`):
    anything else an evaluator raises (``sys.exit``, a ``KeyboardInterrupt`` of its own, too) is its error.
    ``call`` makes each sync evaluator's call, and the async ones' wait, as the runner wants them made (on a thread it
    may abandon): what it raises is the error of the evaluators it did not see return (a timeout).
    """
    prepared = [_prepare(item, outputs, inputs, ground_truth) for item in evaluators]
    started = [
        step if is_async or isinstance(step, tuple) else _call_sync(name, functools.partial(call, step))
        for name, step, is_async in prepared
    ]
    # still to await, by position: the async evaluators, and sync ones that returned a coroutine
    pending = {index: (prepared[index][0], step) for index, step in enumerate(started) if not isinstance(step, tuple)}
    awaited: dict[int, _Verdict] = {}
    if pending:
        try:
            call(lambda: run_coroutine(_gather(pending, awaited)))  # on the user's one loop
        except Exception as exc:  # ``call``'s own (``_gather`` keeps each evaluator's): those not settled by then
            awaited = {index: awaited.get(index) or _failure(name, exc) for index, (name, _) in pending.items()}
    verdicts = [step if isinstance(step, tuple) else awaited[index] for index, step in enumerate(started)]
    outcome = _merge([name for name, _, _ in prepared], verdicts)
    if outputs is None:  # a function that forgot its return: the evaluators' errors (subscripting None) say only that
        outcome.errors = [_on_none(error) for error in outcome.errors]
    return outcome


FUNCTION_RETURNED_NONE = " (the function returned None: a forgotten return?)"
"""Said after the error of an evaluator that raised on the function's None outputs."""


def _on_none(error: EvaluatorFailure) -> EvaluatorFailure:
    """``error``, raised by an evaluator given the function's None outputs, with :data:`FUNCTION_RETURNED_NONE`."""
    if error.error.partition(": ")[0] in NOT_RAISED:  # what it returned, not what it raised
        return error
    return replace(error, error=error.error + FUNCTION_RETURNED_NONE)

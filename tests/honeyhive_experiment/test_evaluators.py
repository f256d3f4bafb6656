"""Evaluators: calling conventions, return normalization, async, errors, and parity with the official SDK."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import logging
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.calling import callable_name, function_convention
from honeyhive_experiment.errors import EvaluatorSignatureError
from honeyhive_experiment.evaluators import (
    DOTTED_NAME,
    MISSING_GROUND_TRUTH,
    NON_FINITE,
    UNSUPPORTED_RETURN,
    EvaluationOutcome,
    Evaluator,
    normalize_result,
    run_evaluators,
)
from honeyhive_experiment.models.outcomes import COLLISION, DICT_OF_METRICS, NONE_UNDER_KEY, EvaluatorFailure

pytestmark = pytest.mark.unit

try:  # the official SDK is a test-only dependency; only these tests need it
    from honeyhive.experiments import core as sdk_core
    from honeyhive.experiments import evaluators as sdk_evaluators
except ImportError:  # pragma: no cover - the test extra installs it
    sdk_core = sdk_evaluators = None

needs_sdk = pytest.mark.skipif(sdk_core is None, reason="the official honeyhive SDK is not installed")


def _kind(failure: EvaluatorFailure) -> str:
    """The ``Type`` of the failure's ``Type: message``."""
    return failure.error.partition(": ")[0]


def _message(failure: EvaluatorFailure) -> str:
    """The ``message`` of the failure's ``Type: message``."""
    return failure.error.partition(": ")[2]


NOT_PASSED = "<not passed>"
OUTPUTS = {"answer": "4"}
INPUTS = {"question": "2 + 2?"}
GROUND_TRUTH = {"answer": "4"}


# -- evaluators used across tests ---------------------------------------------------------------------


def exact_match(outputs: Any, inputs: Any, ground_truth: Any = None) -> bool:
    return ground_truth is not None and outputs["answer"] == ground_truth["answer"]


def legacy_two_args(outputs: Any, inputs: Any) -> int:
    return len(inputs["question"])


def needs_ground_truth(outputs: Any, inputs: Any, ground_truth: Any) -> str:
    return str(ground_truth["answer"])


def boom(outputs: Any, inputs: Any, ground_truth: Any = None) -> float:
    raise ValueError("bad input")


async def async_length(outputs: Any, inputs: Any, ground_truth: Any = None) -> int:
    await asyncio.sleep(0)
    return len(outputs["answer"])


async def async_boom(outputs: Any, inputs: Any, ground_truth: Any = None) -> int:
    await asyncio.sleep(0)
    raise RuntimeError("async failure")


class AsyncJudge:
    """A callable object with an async ``__call__`` and a ``.name``."""

    name = "judge"

    async def __call__(self, outputs: Any, inputs: Any, ground_truth: Any = None) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"score": 0.75, "explanation": "close enough", "model": "tiny"}


class Recorder:
    """Records the arguments it is called with; named by its class (no ``.name``, no ``__name__``)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> int:
        self.calls.append(args)
        return len(args)


# -- names ---------------------------------------------------------------------------------------------


def test_evaluator_name_prefers_name_attribute_then_dunder_name_then_class() -> None:
    def plain(outputs: Any, inputs: Any) -> int:
        return 1

    named = functools.partial(plain)
    named.name = "custom"  # type: ignore[attr-defined]

    assert callable_name(plain) == "plain"
    assert callable_name(AsyncJudge()) == "judge"
    assert callable_name(Recorder()) == "Recorder"
    assert callable_name(named) == "custom"
    assert callable_name(functools.partial(plain)) == "plain"
    assert callable_name(lambda o, i: 1) == "<lambda>"


def test_a_non_string_name_attribute_is_ignored() -> None:
    class Odd:
        name = 42

        def __call__(self, outputs: Any, inputs: Any) -> int:
            return 1

    assert callable_name(Odd()) == "Odd"


def test_display_name_overrides_and_names_the_metric() -> None:
    evaluator = Evaluator.from_callable(legacy_two_args, name="question_length")

    assert evaluator.name == "question_length"
    assert run_evaluators([evaluator], OUTPUTS, INPUTS).metrics == {"question_length": 6}
    assert Evaluator.from_callable(evaluator) is evaluator
    assert Evaluator.from_callable(evaluator, name="other").name == "other"


def test_an_empty_display_name_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Evaluator.from_callable(legacy_two_args, name="")


# -- inspection ----------------------------------------------------------------------------------------


def _varargs(*args: Any) -> int:
    return len(args)


def _four_with_default(outputs: Any, inputs: Any, ground_truth: Any, extra: int = 1) -> int:
    return extra


@pytest.mark.parametrize(
    ("fn", "positional", "required", "is_async"),
    [
        (legacy_two_args, 2, False, False),
        (exact_match, 3, False, False),
        (needs_ground_truth, 3, True, False),
        (_varargs, 3, False, False),
        (_four_with_default, 3, True, False),
        (async_length, 3, False, True),
        (AsyncJudge(), 3, False, True),
        (functools.partial(async_length), 3, False, True),
        (Recorder(), 3, False, False),
        (lambda outputs, inputs: 1, 2, False, False),
    ],
    ids=["two", "three-default", "three-required", "varargs", "four-default", "async", "async-object", "partial",
         "object", "lambda"],
)  # fmt: skip
def test_from_callable_inspects_the_signature(fn: Any, positional: int, required: bool, is_async: bool) -> None:
    evaluator = Evaluator.from_callable(fn)

    assert (evaluator.positional_params, evaluator.ground_truth_required, evaluator.is_async) == (
        positional,
        required,
        is_async,
    )


def _one_param(outputs: Any) -> int:
    return 1


def _four_required(outputs: Any, inputs: Any, ground_truth: Any, extra: Any) -> int:
    return 1


def _keyword_only(outputs: Any, inputs: Any, *, threshold: float) -> bool:
    return True


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_one_param, "takes 1 positional"),
        (_four_required, "requires 4 positional"),
        (_keyword_only, "keyword-only parameter 'threshold'"),
        (42, "must be callable, not of type int$"),
    ],
)
def test_from_callable_refuses_what_cannot_be_called_as_an_evaluator(fn: Any, message: str) -> None:
    with pytest.raises(EvaluatorSignatureError, match=message):
        Evaluator.from_callable(fn)


def test_run_evaluators_reports_an_unusable_evaluator_and_runs_the_rest() -> None:
    outcome = run_evaluators([_one_param, legacy_two_args], OUTPUTS, INPUTS)

    assert outcome.metrics == {"legacy_two_args": 6}
    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [("_one_param", "EvaluatorSignatureError")]


# -- calling convention --------------------------------------------------------------------------------


def test_three_argument_evaluator_gets_the_ground_truth() -> None:
    recorder = Recorder()

    outcome = run_evaluators([exact_match, recorder], OUTPUTS, INPUTS, GROUND_TRUTH)

    assert outcome.metrics == {"exact_match": True, "Recorder": 3}
    assert recorder.calls == [(OUTPUTS, INPUTS, GROUND_TRUTH)]
    assert outcome.errors == []


def test_without_ground_truth_evaluators_get_two_arguments() -> None:
    def sees(outputs: Any, inputs: Any, ground_truth: Any = NOT_PASSED) -> str:
        return str(ground_truth)

    recorder = Recorder()

    outcome = run_evaluators([sees, recorder, legacy_two_args], OUTPUTS, INPUTS)

    assert outcome.metrics == {"sees": NOT_PASSED, "Recorder": 2, "legacy_two_args": 6}
    assert recorder.calls == [(OUTPUTS, INPUTS)]


def test_ground_truth_none_is_the_default() -> None:
    assert run_evaluators([exact_match], OUTPUTS, INPUTS).metrics == {"exact_match": False}


@pytest.mark.parametrize("falsy", [{}, 0, "", False])
def test_falsy_ground_truth_that_is_not_none_is_passed(falsy: Any) -> None:
    recorder = Recorder()

    run_evaluators([recorder], OUTPUTS, INPUTS, falsy)

    assert recorder.calls == [(OUTPUTS, INPUTS, falsy)]


def test_legacy_two_argument_evaluator_runs_on_datapoints_with_ground_truth() -> None:
    # The SDK calls it with three arguments here and loses the metric; we do not.
    outcome = run_evaluators([legacy_two_args], OUTPUTS, INPUTS, GROUND_TRUTH)

    assert outcome == EvaluationOutcome(metrics={"legacy_two_args": 6}, errors=[])


def test_evaluator_requiring_ground_truth_is_not_called_without_it() -> None:
    calls: list[Any] = []

    def strict(outputs: Any, inputs: Any, ground_truth: Any) -> int:
        calls.append(ground_truth)
        return 1

    outcome = run_evaluators([strict, legacy_two_args], OUTPUTS, INPUTS)

    assert calls == []
    assert outcome.metrics == {"legacy_two_args": 6}
    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [("strict", MISSING_GROUND_TRUTH)]
    assert "ground_truth=None" in _message(outcome.errors[0])
    # the first way out is giving the datapoint one: a CSV column without a section is an input, not its answer
    assert "in a CSV file a ground_truth.<key> column, since a column without a section is an input" in _message(
        outcome.errors[0]
    )


def test_evaluator_requiring_ground_truth_runs_when_it_is_there() -> None:
    assert run_evaluators([needs_ground_truth], OUTPUTS, INPUTS, GROUND_TRUTH).metrics == {"needs_ground_truth": "4"}


# -- normalization -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, {"m": True}),
        (False, {"m": False}),
        (3, {"m": 3}),
        (0.5, {"m": 0.5}),
        ("good", {"m": "good"}),
        ("", {"m": ""}),
        (None, {}),
        ((0.9,), {"m": 0.9}),
        ([1], {"m": 1}),
        ((None,), {}),
        (({"score": 2},), {"m": 2}),
        ((1, 2), {}),
        ([], {}),
        ({"score": 1, "explanation": "fine", "latency_ms": 12, "label": "ok", "strict": True},
         {"m": 1, "m_explanation": "fine", "m_latency_ms": 12, "m_label": "ok", "m_strict": True}),
        ({"score": 0.1, "explanation": 7}, {"m": 0.1, "m_explanation": "7"}),
        ({"score": 0.1, "explanation": None}, {"m": 0.1}),
        ({"score": 0, "explanation": ""}, {"m": 0, "m_explanation": ""}),
        ({"explanation": 0}, {"m_explanation": "0"}),
        ({"score": 0.1, "details": {"a": 1}, "tags": ["x"], "pair": (1, 2), "nothing": None}, {"m": 0.1}),
        ({"score": [1, 2], "extra": 3}, {"m_extra": 3}),
        ({"score": None}, {}),
        ({"precision": 0.5, "recall": 1}, {"m_precision": 0.5, "m_recall": 1}),
        ({1: "one"}, {"m_1": "one"}),
        ({}, {}),
        ({1, 2}, {}),
        (object(), {}),
    ],
    ids=lambda value: type(value).__name__ if type(value) is object else repr(value),  # stable across workers
)  # fmt: skip
def test_normalize_result(raw: Any, expected: dict[str, Any]) -> None:
    result = normalize_result("m", raw)

    assert result == expected
    assert {k: type(v) for k, v in result.items()} == {k: type(v) for k, v in expected.items()}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_not_metrics(bad: float) -> None:
    assert normalize_result("m", bad) == {}
    assert normalize_result("m", {"score": bad, "ok": 1.0, "other": bad}) == {"m_ok": 1.0}


def test_non_finite_drops_are_reported_with_the_metric_name() -> None:
    def nan_score(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"score": math.nan, "count": 2, "ratio": math.inf}

    outcome = run_evaluators([nan_score], OUTPUTS, INPUTS)

    assert outcome.metrics == {"nan_score_count": 2}
    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [
        ("nan_score", NON_FINITE),
        ("nan_score", NON_FINITE),
    ]
    assert "'nan_score'" in _message(outcome.errors[0])
    assert "'nan_score_ratio'" in _message(outcome.errors[1])


def test_unsupported_returns_are_reported_but_nested_extras_are_not() -> None:
    def returns_set(outputs: Any, inputs: Any) -> set[int]:
        return {1, 2}

    def list_score(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"score": [0.1, 0.2], "n": 2}

    def nested_extras(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"score": 1, "details": {"why": "because"}}

    def nothing(outputs: Any, inputs: Any) -> None:
        return None

    outcome = run_evaluators([returns_set, list_score, nested_extras, nothing], OUTPUTS, INPUTS)

    assert outcome.metrics == {"list_score_n": 2, "nested_extras": 1}
    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [
        ("returns_set", UNSUPPORTED_RETURN),
        ("list_score", UNSUPPORTED_RETURN),
    ]
    assert "set" in _message(outcome.errors[0])
    assert "'score' is of type list, not bool/int/float/str" in _message(outcome.errors[1])


def test_a_dict_without_a_score_is_a_warning_naming_its_keys_not_an_error() -> None:
    """The metric of the evaluator's name was lost without a word (the SDK logs it): now a warning, as a dict of
    several metrics is no mistake; a score that is no scalar stays an error."""

    def judge(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"value": 0.2, "reason": "off-topic"}  # 'value', not 'score'

    def grader(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"score": None, "explanation": "could not grade"}

    def empty(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {}

    def scored(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"score": 0.5, "value": 1, "bonus": None}  # bonus: an optional sub-score, not given here

    outcome = run_evaluators([judge, grader, empty, scored, nested_extras_list_score], OUTPUTS, INPUTS)

    assert outcome.metrics == {  # normalize_result's mapping, unchanged
        "judge_value": 0.2,
        "judge_reason": "off-topic",
        "grader_explanation": "could not grade",
        "scored": 0.5,
        "scored_value": 1,
        "nested_extras_list_score_n": 2,
    }
    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [("nested_extras_list_score", UNSUPPORTED_RETURN)]
    assert outcome.warnings == {
        "judge": "returned a dict with no 'score' (keys: 'value', 'reason'), so there is no metric 'judge', only"
        " judge_<key> ones: fine for a dict of several metrics, else return the metric as 'score'",
        "grader": "returned a dict with 'score': None (keys: 'score', 'explanation'), so there is no metric"
        " 'grader' where it did",
        "empty": "returned a dict with no 'score' (keys: none), so there is no metric 'empty', only empty_<key>"
        " ones: fine for a dict of several metrics, else return the metric as 'score'",
        "scored_bonus": NONE_UNDER_KEY,  # a name it gives, with no metric: a metrics: key may name it (audit 47)
    }


@pytest.mark.parametrize(
    ("returned", "warned"),
    [
        ({"grounded": 1, "concise": 0.5}, False),  # a dict of several metrics, as documented: no warning (audit80 F8)
        ({"grounded": True, "concise": 0.5, "explanation": "ok", "notes": "x"}, False),  # two numbers, words beside
        ({"accuracy": 0.9}, True),  # one number: its score, forgotten
        ({"accuracy": 0.9, "explanation": "why"}, True),  # one number and an explanation
        ({"label": "good", "reason": "why"}, True),  # no number at all
        ({}, True),
        ({"Score": 0.9, "recall": 0.5}, True),  # a key like score: misspelt
        ({"scores": 0.9, "recall": 0.5}, True),
        ({"value": 0.2, "confidence": 0.5}, True),
        ({"score": None, "a": 1, "b": 2}, True),  # 'score': None, said as before
    ],
)
def test_a_dict_without_a_score_is_warned_of_only_where_a_forgotten_score_is_likely(
    returned: dict[str, Any], warned: bool
) -> None:
    def rubric(outputs: Any, inputs: Any) -> dict[str, Any]:
        return returned

    outcome = run_evaluators([rubric], OUTPUTS, INPUTS)

    assert (outcome.warnings.get("rubric", DICT_OF_METRICS) != DICT_OF_METRICS) is warned, outcome.warnings
    assert outcome.errors == []


def nested_extras_list_score(outputs: Any, inputs: Any) -> dict[str, Any]:
    return {"score": [0.1], "n": 2}


# -- failures and collisions ---------------------------------------------------------------------------


def test_a_raising_evaluator_costs_only_its_own_metric() -> None:
    outcome = run_evaluators(
        [exact_match, boom, async_boom, async_length, legacy_two_args], OUTPUTS, INPUTS, GROUND_TRUTH
    )

    assert outcome.metrics == {"exact_match": True, "async_length": 1, "legacy_two_args": 6}
    assert outcome.errors == [
        EvaluatorFailure("boom", "ValueError: bad input"),
        EvaluatorFailure("async_boom", "RuntimeError: async failure"),
    ]


def test_an_evaluator_raising_on_the_functions_none_asks_whether_the_function_forgot_its_return() -> None:
    """A function without ``return`` showed only as the evaluators' "'NoneType' object is not subscriptable",
    pointing at the evaluator. What it returned, not raised, is said as before; outputs that are there get no hint."""

    def answer(outputs: Any, inputs: Any) -> Any:
        return outputs["answer"] == inputs["q"]

    def text(outputs: Any, inputs: Any) -> Any:
        return {outputs}  # a set: no metric (UnsupportedReturn), whatever the outputs

    outcome = run_evaluators([answer, text], None, INPUTS)
    assert outcome.errors == [
        EvaluatorFailure(
            "answer",
            "TypeError: 'NoneType' object is not subscriptable (the function returned None: a forgotten return?)",
        ),
        EvaluatorFailure("text", f"{UNSUPPORTED_RETURN}: returned a set; expected a scalar, a dict or None"),
    ]
    assert run_evaluators([answer], {}, INPUTS).errors == [EvaluatorFailure("answer", "KeyError: 'answer'")]


def test_errors_keep_only_text() -> None:
    outcome = run_evaluators([boom], OUTPUTS, INPUTS)

    assert all(isinstance(value, str) for value in dataclasses.astuple(outcome.errors[0]))


def test_whatever_an_evaluator_raises_but_an_interrupt_is_its_error() -> None:
    """Not only Exception: a cancelled task, ``pytest.fail``'s or trio's BaseException subclasses, too, cost only the
    evaluator's metric. A KeyboardInterrupt (the command's own cancellation is one) still stops the run."""

    class Stop(BaseException):
        pass

    def halt(outputs: Any, inputs: Any) -> int:
        raise Stop("halt")

    async def cancelled(outputs: Any, inputs: Any) -> int:
        raise asyncio.CancelledError

    def interrupted(outputs: Any, inputs: Any) -> int:
        raise KeyboardInterrupt

    async def ainterrupted(outputs: Any, inputs: Any) -> int:
        raise KeyboardInterrupt

    outcome = run_evaluators([halt, cancelled, exact_match], OUTPUTS, INPUTS, GROUND_TRUTH)
    assert outcome.metrics == {"exact_match": True}
    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [("halt", "Stop"), ("cancelled", "CancelledError")]
    with pytest.raises(KeyboardInterrupt):
        run_evaluators([interrupted], OUTPUTS, INPUTS)
    # an async evaluator runs on the user's event loop's thread, where no signal arrives: it raised its own
    assert [e.evaluator for e in run_evaluators([ainterrupted], OUTPUTS, INPUTS).errors] == ["ainterrupted"]

    # on a run's worker thread no signal arrives: a KeyboardInterrupt there is the evaluator's own, and its error
    # (it cancelled the whole run, reported as "interrupted by a second signal", exit 130)
    with ThreadPoolExecutor(1) as pool:
        evaluators = [interrupted, ainterrupted, exact_match]
        outcome = pool.submit(run_evaluators, evaluators, OUTPUTS, INPUTS, GROUND_TRUTH).result()
    assert outcome.metrics == {"exact_match": True}
    assert [e.evaluator for e in outcome.errors] == ["interrupted", "ainterrupted"]


def test_metric_name_collision_keeps_the_first_in_list_order() -> None:
    async def first(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"score": 1, "extra": "from first"}

    def first_extra(outputs: Any, inputs: Any) -> str:
        return "from second"

    # the sync one runs before the async one, but list order decides
    outcome = run_evaluators([first, first_extra], OUTPUTS, INPUTS)

    assert outcome.metrics == {"first": 1, "first_extra": "from first"}
    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [("first_extra", COLLISION)]
    assert "'first_extra'" in _message(outcome.errors[0])
    assert "'first'" in _message(outcome.errors[0])


def test_the_same_function_twice_collides() -> None:
    outcome = run_evaluators([legacy_two_args, legacy_two_args], OUTPUTS, INPUTS)

    assert outcome.metrics == {"legacy_two_args": 6}
    assert [_kind(e) for e in outcome.errors] == [COLLISION]


# -- async ---------------------------------------------------------------------------------------------


def test_async_function_and_async_callable_object() -> None:
    outcome = run_evaluators([async_length, AsyncJudge()], OUTPUTS, INPUTS, GROUND_TRUTH)

    assert outcome.metrics == {
        "async_length": 1,
        "judge": 0.75,
        "judge_explanation": "close enough",
        "judge_model": "tiny",
    }
    assert outcome.errors == []


def test_a_sync_wrapper_returning_a_coroutine_is_awaited() -> None:
    def wrapped(outputs: Any, inputs: Any, ground_truth: Any = None) -> Any:
        return async_length(outputs, inputs, ground_truth)

    assert run_evaluators([wrapped], OUTPUTS, INPUTS).metrics == {"wrapped": 1}


def test_async_evaluators_share_one_loop_and_run_concurrently() -> None:
    loops: list[int] = []
    a_ready = asyncio.Event()
    b_ready = asyncio.Event()

    async def a(outputs: Any, inputs: Any) -> bool:
        loops.append(id(asyncio.get_running_loop()))
        a_ready.set()
        await asyncio.wait_for(b_ready.wait(), timeout=10)
        return True

    async def b(outputs: Any, inputs: Any) -> bool:
        loops.append(id(asyncio.get_running_loop()))
        b_ready.set()
        await asyncio.wait_for(a_ready.wait(), timeout=10)
        return True

    outcome = run_evaluators([a, b], OUTPUTS, INPUTS)

    assert outcome == EvaluationOutcome(metrics={"a": True, "b": True}, errors=[])
    assert len(loops) == 2
    assert len(set(loops)) == 1


def test_works_from_worker_threads_without_an_event_loop() -> None:
    async def echo(outputs: Any, inputs: Any) -> int:
        await asyncio.sleep(0)
        return int(inputs["n"])

    def run(n: int) -> tuple[str, EvaluationOutcome]:
        return threading.current_thread().name, run_evaluators(
            [echo, AsyncJudge(), legacy_two_args], {}, {"n": n, "question": "q" * n}
        )

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="datapoint") as pool:
        results = list(pool.map(run, range(1, 13)))

    assert all(thread.startswith("datapoint") for thread, _ in results)
    assert [outcome.metrics["echo"] for _, outcome in results] == list(range(1, 13))
    assert [outcome.metrics["legacy_two_args"] for _, outcome in results] == list(range(1, 13))
    assert all(outcome.metrics["judge"] == 0.75 and outcome.errors == [] for _, outcome in results)


def test_run_evaluators_inside_a_running_loop_still_works() -> None:
    async def main() -> EvaluationOutcome:
        return run_evaluators([async_length, legacy_two_args], OUTPUTS, INPUTS)

    assert asyncio.run(main()).metrics == {"async_length": 1, "legacy_two_args": 6}


CURRENT = contextvars.ContextVar("CURRENT", default="unset")


async def sees_context(outputs: Any, inputs: Any) -> str:
    return CURRENT.get()


def sync_sees_context(outputs: Any, inputs: Any) -> str:
    return CURRENT.get()


def test_evaluators_see_the_callers_context_variables() -> None:
    def in_thread() -> EvaluationOutcome:
        CURRENT.set("span-from-worker")
        return run_evaluators([sees_context, sync_sees_context], OUTPUTS, INPUTS)

    async def in_loop() -> EvaluationOutcome:
        CURRENT.set("span-from-loop")
        return run_evaluators([sees_context, sync_sees_context], OUTPUTS, INPUTS)

    with ThreadPoolExecutor(max_workers=1) as pool:
        from_worker = pool.submit(in_thread).result()

    assert from_worker.metrics == {"sees_context": "span-from-worker", "sync_sees_context": "span-from-worker"}
    assert asyncio.run(in_loop()).metrics == {"sees_context": "span-from-loop", "sync_sees_context": "span-from-loop"}


def test_no_evaluators_no_metrics() -> None:
    assert run_evaluators([], OUTPUTS, INPUTS) == EvaluationOutcome()


# -- compatibility with the official SDK --------------------------------------------------------------


def sdk_metrics(name: str, raw: Any) -> dict[str, Any]:
    result: dict[str, Any] = sdk_core.EvaluatorMetricResult.from_raw(name, raw).to_metric_attrs()
    return result


COMPAT_RETURNS: list[Any] = [
    True,
    0,
    0.25,
    -3,
    "pass",
    None,
    (1.0,),
    [False],
    ({"score": 1, "explanation": "x"},),
    (1, 2),
    [],
    {"score": 0.8, "explanation": "reasoning", "tokens": 120, "model": "gpt", "ok": False},
    {"score": 0.8, "explanation": ["not", "a", "str"]},
    {"score": {"nested": 1}, "n": 3},
    {"score": None, "explanation": None},
    {"score": 0, "explanation": ""},
    {"explanation": False},
    {"precision": 0.5, "details": {"a": 1}, "list": [1]},
    {2: "two", "2b": 3},
    {1, 2},
    b"bytes",
]


@pytest.mark.parametrize("raw", COMPAT_RETURNS, ids=repr)
@needs_sdk
def test_normalize_result_equals_the_sdk(raw: Any) -> None:
    expected = sdk_metrics("accuracy", raw)

    assert normalize_result("accuracy", raw) == expected
    assert {k: type(v) for k, v in normalize_result("accuracy", raw).items()} == {
        k: type(v) for k, v in expected.items()
    }


@needs_sdk
@pytest.mark.parametrize("raw", [r for r in COMPAT_RETURNS if isinstance(r, dict)], ids=repr)
def test_a_lost_score_is_said_where_the_sdk_logs_it(raw: Any) -> None:
    """Where the SDK logs that a dict's score is missing or no scalar, there is a warning or an error; else neither."""
    said: list[str] = []
    sdk_log = logging.getLogger("honeyhive.experiments.core")
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    sdk_log.addHandler(handler)
    try:
        sdk_metrics("m", raw)
    finally:
        sdk_log.removeHandler(handler)

    def m(outputs: Any, inputs: Any) -> Any:
        return raw

    outcome = run_evaluators([m], OUTPUTS, INPUTS)
    warned = [name for name, why in outcome.warnings.items() if why != NONE_UNDER_KEY]  # a None sub-score: no word
    ours = [*warned, *(e.evaluator for e in outcome.errors if _kind(e) == UNSUPPORTED_RETURN)]
    assert ours == (["m"] if any("'score'" in text for text in said) else [])


@needs_sdk
def test_nan_is_the_one_deliberate_difference_from_the_sdk() -> None:
    assert "accuracy" in sdk_metrics("accuracy", math.nan)
    assert normalize_result("accuracy", math.nan) == {}


@needs_sdk
def test_an_integer_past_64_bits_is_a_float_unlike_the_sdk() -> None:
    # an OTLP attribute holds a 64-bit integer; the SDK keeps the int (hypothesis found 2**63 + 1 once)
    assert sdk_metrics("n", 2**63 + 1) == {"n": 2**63 + 1}
    assert normalize_result("n", 2**63 + 1) == {"n": float(2**63 + 1)}


scalars = (  # integers an OTLP attribute holds: a larger one is a float on purpose (the test below)
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)
keys = st.sampled_from(["score", "explanation", "n", "label"]) | st.text(max_size=4) | st.integers(-2, 2)
returns = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children)
        | st.tuples(children, children)
        | st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=12,
)


@needs_sdk
@settings(max_examples=300, deadline=None)
@given(name=st.text(min_size=1, max_size=8), raw=returns)
def test_normalize_result_equals_the_sdk_for_any_finite_return(name: str, raw: Any) -> None:
    assert normalize_result(name, raw) == sdk_metrics(name, raw)


@needs_sdk
def test_sdk_decorated_evaluators_keep_their_names_and_a_two_argument_one_gets_two_arguments() -> None:
    @sdk_evaluators.evaluator
    def hh_two_args(outputs: Any, inputs: Any) -> bool:
        return bool(outputs["answer"] == "4")

    @sdk_evaluators.aevaluator
    async def hh_async(outputs: Any, inputs: Any, ground_truth: Any = None) -> float:
        return 0.5 if ground_truth is None else 1.0

    wrapped = [Evaluator.from_callable(hh_two_args), Evaluator.from_callable(hh_async)]
    outcome = run_evaluators([hh_two_args, hh_async], OUTPUTS, INPUTS, GROUND_TRUTH)

    assert [(e.name, e.positional_params, e.is_async) for e in wrapped] == [
        ("hh_two_args", 2, False),
        ("hh_async", 3, True),
    ]
    # the SDK's evaluate() would pass three arguments to hh_two_args here and lose the metric
    assert sdk_core._eval_call_args(INPUTS, OUTPUTS, GROUND_TRUTH) == (OUTPUTS, INPUTS, GROUND_TRUTH)
    assert outcome == EvaluationOutcome(metrics={"hh_two_args": True, "hh_async": 1.0}, errors=[])


def test_a_metric_name_with_a_dot_is_reported() -> None:
    # the spans' attributes are flattened with dots and the backend reads a dot as nesting: a metric 'weird_c.d'
    # was stored as {'weird_c': {'d': ...}}, no metric, and vanished from every report without a word
    def weird(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"c.d": 0.5, "ok": 1}

    outcome = run_evaluators([weird], OUTPUTS, INPUTS)

    assert [(e.evaluator, _kind(e)) for e in outcome.errors] == [("weird", DOTTED_NAME)]
    assert "'weird_c.d'" in _message(outcome.errors[0])


def test_numpy_scalars_are_the_numbers_they_hold() -> None:
    """What numpy's functions return (np.float32 of a float32 array's mean, np.int64 of a sum, np.bool_ of a
    comparison) was 'UnsupportedReturn: returned a float32', and in a dict silently dropped."""
    np = pytest.importorskip("numpy")  # a user-side package: installed with the test extras (through scipy)

    def mean(outputs: Any, inputs: Any) -> Any:
        return np.float32(0.5)

    def same(outputs: Any, inputs: Any) -> Any:
        return np.bool_(True)

    def counts(outputs: Any, inputs: Any) -> Any:
        return {"score": np.int64(3), "precision": np.float32(0.25), "empty": np.bool_(False), "nan": np.float64("nan")}

    outcome = run_evaluators([mean, same, counts], OUTPUTS, INPUTS)

    assert outcome.metrics == {"mean": 0.5, "same": True, "counts": 3, "counts_precision": 0.25, "counts_empty": False}
    assert [type(v) for v in outcome.metrics.values()] == [float, bool, int, float, bool]
    assert [e.error for e in outcome.errors] == [
        "NonFiniteMetric: metric 'counts_nan' is nan; only finite numbers are metrics"
    ]


class _FromSettings:
    """A callable whose attributes come from a dict: its ``__getattr__`` raises KeyError, not AttributeError."""

    def __init__(self) -> None:
        self._values = {"threshold": 0.5}

    def __getattr__(self, key: str) -> object:
        return self._values[key]

    def __call__(self, outputs: object, inputs: object) -> float:
        return 1.0


def test_a_callable_whose_getattr_raises_keyerror_is_named_by_its_class_and_runs() -> None:
    """Reading its ``name``, ``__name__`` or ``__qualname__``, and asking whether it is async, raised its KeyError
    out of the run: "unexpected KeyError: 'name'", a bug of ours, and a traceback from ``validate``."""
    judge = Evaluator.from_callable(_FromSettings())
    assert (judge.name, judge.is_async, judge.positional_params) == ("_FromSettings", False, 2)
    assert run_evaluators([_FromSettings()], {}, INPUTS).metrics == {"_FromSettings": 1.0}
    assert function_convention(_FromSettings()) == function_convention(lambda inputs, ground_truth: None)


class _BrokenName:
    """A ``name`` property with a bug of the user's: not a name it lacks."""

    @property
    def name(self) -> str:
        return {"title": "judge"}["name"]

    def __call__(self, outputs: object, inputs: object) -> float:
        return 1.0


def test_a_name_property_that_raises_is_the_users_error_not_a_missing_name() -> None:
    """Named by its class instead, two instances were "also named '_BrokenName'", which sent the user the wrong way."""
    with pytest.raises(KeyError, match="'name'"):
        Evaluator.from_callable(_BrokenName())

"""validate's probe: one datapoint run as a run runs it (the runner's pool, a tracer whose spans go nowhere, no
backend), telling the metric names the evaluators produced, or what the user's code did wrong, naming the
datapoint. The callables are real; nothing runs over a socket."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.calling import misfit
from honeyhive_experiment.config import ModelPrice
from honeyhive_experiment.errors import ExperimentError
from honeyhive_experiment.evaluators import Evaluator
from honeyhive_experiment.models.outcomes import Datapoint
from honeyhive_experiment.probe import probe
from honeyhive_experiment.user_code import UserCode, in_repository

pytestmark = pytest.mark.unit

LABELLED = Datapoint("EXT-first", {"inputs": {"q": "hi"}, "ground_truth": {"a": "hello"}})
UNLABELLED = Datapoint("EXT-first", {"inputs": {"q": "hi"}})
WHERE = "the first datapoint of data/q.jsonl"


def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"answer": datapoint["inputs"]["q"]}


def _probe(
    *evaluators: Callable[..., Any] | Evaluator,
    function: Callable[..., Any] = answer,
    datapoint: Datapoint = LABELLED,
    timeout: float | None = 10.0,
) -> tuple[str, ...]:
    code = UserCode(function, tuple(Evaluator.from_callable(e) for e in evaluators))
    return tuple(probe(code, datapoint, name="names", timeout=timeout, where=WHERE).metrics)


def rubric(outputs: Any, inputs: Any, ground_truth: Any = None) -> dict[str, Any]:
    return {"score": 1, "explanation": "fine", "grounded": 0.5, "details": {"nested": "dropped"}}


def exact(outputs: Any, inputs: Any, ground_truth: Any) -> bool:
    return bool(outputs["answer"] == inputs["q"])


def silent(outputs: Any, inputs: Any) -> None:
    return None


def test_the_names_are_what_the_evaluators_produced_in_their_order() -> None:
    assert _probe(rubric, silent, exact) == ("rubric", "rubric_explanation", "rubric_grounded", "exact")


def test_the_values_are_what_the_evaluators_returned() -> None:
    """validate tells a boolean metric by its value: a gate in points on it could never fail."""
    code = UserCode(answer, (Evaluator.from_callable(exact), Evaluator.from_callable(rubric)))
    metrics = probe(code, LABELLED, name="values", timeout=10.0, where=WHERE).metrics
    assert (metrics["exact"], metrics["rubric_grounded"]) == (True, 0.5)


def _own_call(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
    """A call described by the function's own GenAI span (no instrumentation), of a model only ``pricing:`` prices."""
    usage = {"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100}
    with tracer.start_span(
        "chat my-ft", attributes={"gen_ai.system": "openai", "gen_ai.request.model": "my-ft", **usage}
    ):
        pass
    return {"answer": datapoint["inputs"]["q"]}


@pytest.mark.parametrize(
    ("pricing", "cost"), [({"my-ft": ModelPrice(input=1.0, output=4.0)}, 0.0014), (None, None)], ids=["priced", "not"]
)
def test_the_calls_of_the_functions_own_genai_spans_are_measured_and_priced_as_in_a_run(
    pricing: dict[str, ModelPrice] | None, cost: float | None
) -> None:
    """As a run records them without instrument: (validate refused a gate on cost_usd that the run then judged)."""
    code = UserCode(_own_call, (Evaluator.from_callable(exact),))
    metrics = probe(code, LABELLED, name="own", timeout=10.0, where=WHERE, pricing=pricing).metrics
    assert (metrics["llm_calls"], metrics["input_tokens"], metrics["output_tokens"]) == (1, 1000, 100)
    assert metrics.get("cost_usd") == pytest.approx(cost) if cost else "cost_usd" not in metrics


def test_an_async_function_and_one_taking_a_tracer_are_called_as_in_a_run() -> None:
    async def slow(datapoint: dict[str, Any]) -> dict[str, Any]:
        return {"answer": datapoint["inputs"]["q"]}

    def traced(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
        with tracer.start_as_current_span("lookup", inputs=datapoint["inputs"]) as span:
            span.set_attribute("custom", 1)
            tracer.enrich_span(metrics={"lookups": 1})
        return {"answer": datapoint["inputs"]["q"]}

    assert _probe(exact, function=slow) == ("exact",)
    assert _probe(exact, function=traced) == ("exact",)  # the function's own metrics: other_metrics


def test_the_metrics_the_functions_spans_record_are_told_apart_from_the_evaluators() -> None:
    """validate checks other_metrics against them: it said ok for a range on ``lookup`` when the function recorded
    ``lookups``, and the run then failed on it. A nested one is no metric (HoneyHive stores a nested field)."""

    def traced(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
        with tracer.start_as_current_span("lookup", inputs=datapoint["inputs"]):
            tracer.enrich_span(metrics={"lookups": 2, "note": "cached", "nested": {"deep": 1}})
        return {"answer": datapoint["inputs"]["q"]}

    code = UserCode(traced, (Evaluator.from_callable(exact),))
    probed = probe(code, LABELLED, name="own", timeout=10.0, where=WHERE)
    assert (dict(probed.metrics), probed.recorded) == ({"exact": True}, {"lookups": 2, "note": "cached"})
    assert list(probed.everything) == ["exact", "lookups", "note"]


def test_the_older_convention_gets_inputs_and_ground_truth() -> None:
    def legacy(inputs: dict[str, Any], ground_truths: Any) -> dict[str, Any]:
        return {"answer": ground_truths["a"]}

    assert _probe(lambda outputs, inputs: outputs["answer"], function=legacy) == ("<lambda>",)


def _raises(outputs: Any, inputs: Any) -> Any:
    return inputs["missing"]


def _a_list(outputs: Any, inputs: Any) -> Any:
    return [1, 2]


def _not_finite(outputs: Any, inputs: Any) -> Any:
    return float("nan")


def _needs_ground_truth(outputs: Any, inputs: Any, ground_truth: Any) -> Any:
    return 1


def _huge(outputs: Any, inputs: Any) -> Any:
    return 10**400


def _x(outputs: Any, inputs: Any) -> Any:
    return {"y": 1}


def _x_y(outputs: Any, inputs: Any) -> Any:
    return 2


# (case id, evaluators, datapoint, the error after "probing the first datapoint of data/q.jsonl (id EXT-first): ")
EVALUATOR_CASES: list[tuple[str, list[Callable[..., Any] | Evaluator], Datapoint, str]] = [
    ("raises", [_raises], LABELLED, "evaluator '_raises' raised KeyError: 'missing'"),
    ("returns-no-metric", [_a_list], LABELLED, "evaluator '_a_list': returned a list; expected a scalar, a dict"),
    ("not-finite", [_not_finite], LABELLED, "evaluator '_not_finite': metric '_not_finite' is nan; only finite"),
    ("beyond-a-float", [_huge], LABELLED, "evaluator '_huge': metric '_huge' is an integer of about 400 digits"),
    ("no-ground-truth", [_needs_ground_truth], UNLABELLED, "evaluator '_needs_ground_truth': no ground_truth, which"),
    (
        "same-name-twice",
        [Evaluator.from_callable(_x, name="x"), Evaluator.from_callable(_x_y, name="x_y")],
        LABELLED,
        "evaluator 'x_y': evaluators 'x' and 'x_y' both produce the metric 'x_y' (the value of 'x' is kept)",
    ),
    (
        "every-problem-at-once",
        [_raises, rubric, _a_list],
        LABELLED,
        "evaluator '_raises' raised KeyError: 'missing'; evaluator '_a_list': returned a list",
    ),
]


@pytest.mark.parametrize(
    ("evaluators", "datapoint", "error"), [c[1:] for c in EVALUATOR_CASES], ids=[c[0] for c in EVALUATOR_CASES]
)
def test_an_evaluator_problem_is_an_error_naming_the_datapoint(
    evaluators: list[Callable[..., Any]], datapoint: Datapoint, error: str
) -> None:
    with pytest.raises(ExperimentError) as raised:
        _probe(*evaluators, datapoint=datapoint)
    assert str(raised.value).startswith(f"probing {WHERE} (id EXT-first): {error}"), str(raised.value)


def test_the_function_raising_is_an_error_naming_the_datapoint() -> None:
    def failing(datapoint: dict[str, Any]) -> Any:
        return datapoint["inputs"]["x"]

    with pytest.raises(ExperimentError) as raised:
        _probe(exact, function=failing)
    assert str(raised.value) == f"probing {WHERE} (id EXT-first): function 'failing' raised KeyError: 'x'"


def test_the_function_is_given_the_experiments_timeout() -> None:
    release = threading.Event()

    def hangs(datapoint: dict[str, Any]) -> Any:
        release.wait()
        return {}

    try:
        with pytest.raises(ExperimentError) as raised:
            _probe(exact, function=hangs, timeout=0.05)
    finally:
        release.set()
    assert str(raised.value) == f"probing {WHERE} (id EXT-first): function 'hangs' did not return within 0.05 s"


def _loose(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:  # no functools.wraps: its signature hides fn's
        return fn(*args, **kwargs)

    return wrapper


def _one(outputs: Any) -> float:
    return 1.0


class _Unset:
    """A lazy proxy of settings (werkzeug's LocalProxy's kind): reading its class, or anything, raises."""

    def __getattribute__(self, name: str) -> Any:
        raise RuntimeError("settings are not configured yet")

    def __call__(self, *args: Any) -> Any:
        return None


def _loose_beside(fn: Callable[..., Any], config: object) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:  # its closure holds ``config`` too, before ``fn``
        assert config is not None
        return fn(*args, **kwargs)

    return wrapper


def _unreadable(outputs: Any) -> float:
    return 1.0


_unreadable.__signature__ = property(lambda _: 1 / 0)  # type: ignore[attr-defined]


def _older(inputs: Any, ground_truths: Any, tracer: Any = None) -> Any:
    return {}


def _helper(needed: Any) -> Any:
    return needed


def _calls_wrongly(outputs: Any, inputs: Any) -> Any:
    return _helper()  # type: ignore[call-arg]


def _at(fn: Callable[..., Any]) -> str:
    return f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"


@pytest.mark.parametrize(
    ("function", "evaluator", "datapoint", "hint"),
    [
        pytest.param(
            answer,
            _loose(_one),
            LABELLED,
            f"_one() takes 1 positional argument but 3 were given; _one ({_at(_one)}) takes (outputs), and is passed"
            " (outputs, inputs, ground_truth)",
            id="evaluator",
        ),
        pytest.param(
            answer,
            _loose(_one),
            UNLABELLED,
            f"but 2 were given; _one ({_at(_one)}) takes (outputs), and is passed (outputs, inputs)",
            id="no-ground-truth",
        ),
        pytest.param(
            _loose(_older),
            exact,
            LABELLED,
            f"_older() missing 1 required positional argument: 'ground_truths'; _older ({_at(_older)}) takes (inputs,"
            " ground_truths, tracer), and is passed (datapoint, tracer=)",
            id="function",
        ),
        pytest.param(
            answer, _calls_wrongly, LABELLED, "_helper() missing 1 required positional argument: 'needed'", id="inside"
        ),
        pytest.param(  # audit86 F1: the hint read every object of the closure, and the proxy's error replaced it all
            answer,
            _loose_beside(_one, _Unset()),
            LABELLED,
            f"_one() takes 1 positional argument but 3 were given; _one ({_at(_one)}) takes (outputs), and is passed"
            " (outputs, inputs, ground_truth)",
            id="a-proxy-beside",
        ),
        pytest.param(
            answer,
            _loose(_unreadable),
            LABELLED,
            "_unreadable() takes 1 positional argument but 3 were given",
            id="unreadable-signature",
        ),
    ],
)
def test_a_signature_the_call_does_not_fit_names_the_function_where_it_is_what_it_takes_and_what_it_is_passed(
    function: Callable[..., Any], evaluator: Callable[..., Any], datapoint: Datapoint, hint: str
) -> None:
    """audit80 F9: a decorator's ``wrapper(*args, **kwargs)`` hides the signature until the call, whose TypeError named
    the wrapper's line alone: the wrapped function is named, with its place and parameters, and what was passed. A
    TypeError inside their code (a helper called wrongly) is theirs: nothing is added."""
    with pytest.raises(ExperimentError) as raised:
        _probe(evaluator, function=function, datapoint=datapoint)
    assert str(raised.value).endswith(hint), str(raised.value)


def test_the_place_of_the_function_the_call_does_not_fit_is_from_the_repository_whose_code_runs() -> None:
    error = "TypeError at evals.py:3: _one() takes 1 positional argument but 3 were given"
    with in_repository(Path(__file__).parent):
        said = misfit(_loose(_one), error, ("outputs", "inputs", "ground_truth"))
    line = _one.__code__.co_firstlineno
    assert said == f"; _one (test_probe.py:{line}) takes (outputs), and is passed (outputs, inputs, ground_truth)"
    assert misfit(_loose(_one), error, ("outputs",)) == ""  # it fits: the TypeError is another call's

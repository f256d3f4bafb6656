"""``evaluate()``'s result is judged by the command line's rule, in its words, as tables: the backend's summary,
the run's own outcomes and ``allow_evaluator_errors`` → ``success``, why not (``broken``), and the per-datapoint
``errors``.

Inputs are hand-written wire bodies shaped like ``honeyhive_local``'s ``/summary`` answer; expectations are literals.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest

from honeyhive_experiment import DatapointError, ExperimentResult
from honeyhive_experiment.models import ExperimentResultSummary
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus

pytestmark = pytest.mark.unit

IDS = ["EXT-0", "EXT-1", "EXT-2"]


def summary(metrics: dict[str, Sequence[str]], *, failed: Sequence[str] = (), success: bool = True) -> Any:
    """A completed run's summary: metric ``name`` has a value on the given datapoint ids; the rest passed."""
    details = [
        {
            "metric_name": name,
            "event_name": "app",
            "aggregate": 1.0,
            "values": [1.0] * len(ids),
            "datapoints": {"passed": [i for i in ids if i not in failed], "failed": [i for i in ids if i in failed]},
        }
        for name, ids in metrics.items()
    ]
    body = {
        "status": "completed",
        "success": success,
        "passed": [i for i in IDS if i not in failed],
        "failed": list(failed),
        "metrics": {"aggregation_function": "average", "details": details},
        "datapoints": [],
    }
    return ExperimentResultSummary.from_wire(body, run_id="run")


def ok(index: int, *raised: tuple[str, str]) -> DatapointOutcome:
    """Datapoint ``index`` ran; each ``(evaluator, "Type: message")`` is an error of one of its evaluators."""
    failures = tuple(EvaluatorFailure(name, error) for name, error in raised)
    return DatapointOutcome(index, IDS[index], f"s{index}", OutcomeStatus.OK, evaluator_failures=failures)


def function_failed(index: int, status: OutcomeStatus = OutcomeStatus.FUNCTION_ERROR, error: str = "") -> Any:
    return DatapointOutcome(index, IDS[index], f"s{index}", status, error=error or "KeyError: 'question'")


ALL = {"exact_match": IDS}
BOOM = ("exact_match", "ValueError: boom")

# (rule, summary, outcomes, metrics with a passing range, expected success, what the reasons say)
CASES: list[tuple[str, Any, list[DatapointOutcome], tuple[str, ...], bool, list[str]]] = [
    ("clean run", summary(ALL), [ok(0), ok(1), ok(2)], ("exact_match",), True, []),
    (
        "the backend's verdict stands",
        summary(ALL, failed=["EXT-1"], success=False),
        [ok(0), ok(1), ok(2)],
        (),
        False,
        [],
    ),
    (  # audit65 F2's summary: the lists say nothing failed, a row says it did, and success is true
        "a failed datapoint beside the backend's success: not a success, as the CLI's default allow_failed says",
        summary(ALL, failed=["EXT-1"], success=True),
        [ok(0), ok(1), ok(2)],
        (),
        False,
        [],
    ),
    (
        "an evaluator raised on a ranged metric",
        summary({"exact_match": ["EXT-0", "EXT-2"]}),
        [ok(0), ok(1, BOOM), ok(2)],
        ("exact_match",),
        False,
        [
            "exact_match has a passing range but no value on 1 of the datapoints the backend passed: "
            "evaluator exact_match raised on 1 datapoint(s) (ValueError: boom)"
        ],
    ),
    (
        "a dict evaluator's ranged key",
        summary({"judge_score": ["EXT-0"]}),
        [ok(0), ok(1, ("judge", "TimeoutError: slow")), ok(2, ("judge", "TimeoutError: slow"))],
        ("judge_score",),
        False,
        [
            "judge_score has a passing range but no value on 2 of the datapoints the backend passed: evaluator judge "
            "raised on 2 datapoint(s) (TimeoutError: slow)"
        ],
    ),
    (
        "a ranged metric with no value, nothing raised: unchecked, as the CLI says",
        summary({"exact_match": ["EXT-0"]}),
        [DatapointOutcome(0, IDS[0], "s0", OutcomeStatus.OK, metrics={"exact_match": True}), ok(1), ok(2)],
        ("exact_match",),
        False,
        [
            "exact_match has a passing range but no value on 2 of the datapoints the backend passed: its evaluator "
            "returned nothing for them (EXT-1, EXT-2), and a passing range or gate needs a value on every datapoint:"
            " return one there, or take the range or gate off"
        ],
    ),
    (
        "a ranged metric whose evaluator returned strings (the backend keeps none): said so, as the CLI says",
        summary({}),
        [DatapointOutcome(i, IDS[i], f"s{i}", OutcomeStatus.OK, metrics={"exact_match": "PASS"}) for i in range(3)],
        ("exact_match",),
        False,
        [
            "exact_match has a passing range but no value on 3 of the datapoints the backend passed: its evaluator "
            "returned a string ('PASS'); a passing range needs a number or a bool"
        ],
    ),
    (
        "raised on some rows of a metric without a range: broken, as the CLI's default tolerates none",
        summary({"exact_match": ["EXT-0", "EXT-2"]}),
        [ok(0), ok(1, BOOM), ok(2)],
        (),
        False,
        [
            "evaluator exact_match raised on 1 datapoint(s) (ValueError: boom); the allow_evaluator_errors argument"
            " tolerates a count or a share of them"
        ],
    ),
    (
        "raised on every row it ran on",
        summary({}, failed=["EXT-2"]),
        [ok(0, BOOM), ok(1, BOOM), function_failed(2)],
        (),
        False,
        ["evaluator exact_match raised on every datapoint (2 of 2): ValueError: boom"],
    ),
    (
        "two errors on one row of two are not every row",
        summary(ALL, failed=["EXT-2"], success=True),
        [ok(0, BOOM, ("exact_match", "NonFiniteMetric: nan")), ok(1), function_failed(2)],
        (),
        False,
        [
            "evaluator exact_match errored on 1 datapoint(s) (raised on 1 (ValueError: boom); returned an invalid"
            " metric on 1 (nan)); the allow_evaluator_errors argument tolerates a count or a share of them"
        ],
    ),
    (
        "a row the backend never recorded: never judged, as the CLI says",
        summary(ALL),
        [ok(0), ok(1), function_failed(2, OutcomeStatus.BACKEND_ERROR, "session not started: HTTP 503")],
        (),
        False,
        [
            "1 datapoint(s) of the dataset were not recorded by the backend, so they were never judged "
            "(session not started: HTTP 503)"
        ],
    ),
    (
        "no row scored: nothing raised everywhere",
        summary({}, failed=IDS, success=False),
        [function_failed(0), function_failed(1), function_failed(2)],
        (),
        False,
        [],
    ),
]


EXACT = {"exact_match": {"min": 1.0}}  # the passing range of the metric the rows score


@pytest.mark.parametrize(
    ("body", "outcomes", "ranged", "success", "reasons"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_success_is_the_backends_unless_the_evaluation_broke(
    body: ExperimentResultSummary,
    outcomes: list[DatapointOutcome],
    ranged: tuple[str, ...],
    success: bool,
    reasons: list[str],
) -> None:
    result = ExperimentResult(
        "run", "name", "EXT-dataset", body, tuple(outcomes), {m: EXACT["exact_match"] for m in ranged}
    )
    assert result.success is success
    assert result.broken == reasons
    assert result.summary.success is body.success  # the backend's own verdict stays readable


# (allow_evaluator_errors, outcomes: exact_match raised on datapoints 1 and 2 of three, expected success)
TWO_OF_THREE = [ok(0), ok(1, BOOM), ok(2, BOOM)]
TOLERANCES: list[tuple[int | str | None, list[DatapointOutcome], bool]] = [
    (None, TWO_OF_THREE, False),
    (1, TWO_OF_THREE, False),
    (2, TWO_OF_THREE, True),
    ("66%", TWO_OF_THREE, False),  # 66% of 3 is 1.98: one datapoint tolerated
    ("67%", TWO_OF_THREE, True),
    (100, [ok(0, BOOM), ok(1, BOOM), ok(2, BOOM)], False),  # raised on every datapoint: never tolerated
]


@pytest.mark.parametrize(("allowed", "outcomes", "success"), TOLERANCES)
def test_allow_evaluator_errors_tolerates_as_the_experiment_files_key_does(
    allowed: int | str | None, outcomes: list[DatapointOutcome], success: bool
) -> None:
    body = summary({"exact_match": ["EXT-0"]})
    result = ExperimentResult("run", "name", "EXT-dataset", body, tuple(outcomes), allow_evaluator_errors=allowed)
    assert result.success is success
    assert bool(result.broken) is not success


def test_errors_name_each_datapoint_and_what_failed_there() -> None:
    outcomes = (
        ok(0, BOOM, ("judge", "MissingGroundTruth: not called")),
        function_failed(1),
        function_failed(2, OutcomeStatus.TIMEOUT, "timed out after 5 s"),
        DatapointOutcome(3, "EXT-3", "s3", OutcomeStatus.BACKEND_ERROR, error="session not started: HTTP 401"),
        DatapointOutcome(4, "EXT-4", "s4", OutcomeStatus.SKIPPED, error="cancelled"),
    )
    result = ExperimentResult("run", "name", "EXT-dataset", summary(ALL), outcomes)
    assert result.errors == [
        DatapointError("EXT-0", "exact_match", "ValueError: boom"),
        DatapointError("EXT-0", "judge", "MissingGroundTruth: not called"),
        DatapointError("EXT-1", None, "KeyError: 'question'"),
        DatapointError("EXT-2", None, "Timeout: timed out after 5 s"),
        DatapointError("EXT-3", None, "BackendError: session not started: HTTP 401"),
    ]
    assert [str(e) for e in result.errors[1:3]] == [
        "EXT-0: evaluator judge: MissingGroundTruth: not called",
        "EXT-1: function: KeyError: 'question'",
    ]


def test_the_result_answers_the_sdk_results_print_table_and_model_dump() -> None:
    """SDK code calling ``result.print_table(run_name=...)`` or ``result.model_dump()`` / ``model_dump_json()`` (the
    SDK's result is a pydantic model) raised: what they give is read back by the SDK's own result model, with this
    result's success."""
    from honeyhive.experiments.models import ExperimentResultSummary as SdkSummary

    result = ExperimentResult("run", "name", "EXT-dataset", summary(ALL), (ok(0, BOOM),), ranges=EXACT)
    shown = io.StringIO()
    result.print_table(run_name="My Experiment", file=shown)
    assert "Evaluation Results: My Experiment\n" in shown.getvalue()
    positional = io.StringIO()  # print_table(file=None) was the signature before the SDK's (run_name, file)
    result.print_table(positional)
    assert "Evaluation Results: name\n" in positional.getvalue()
    dumped = result.model_dump()
    assert (dumped["success"], result.summary.success) == (False, True)
    sdk = SdkSummary.model_validate(dumped)
    assert (sdk.run_id, sdk.status, sdk.success, sdk.passed) == ("run", "completed", False, IDS)
    assert sdk.metrics.get_metric("exact_match").aggregate == 1.0
    assert SdkSummary.model_validate_json(result.model_dump_json()) == sdk


def test_the_result_answers_the_sdk_results_json_dict_and_model_copy() -> None:
    """SDK scripts call ``result.json()`` / ``result.dict()`` (pydantic 1's names, which the SDK's pydantic result
    still answers, with a DeprecationWarning) and ``result.model_copy()``: each raised AttributeError here. They give
    what ``model_dump_json`` / ``model_dump`` give, which the SDK's own result model reads back; a copy is a result
    still judged by the command line's rule."""
    from honeyhive.experiments.models import ExperimentResultSummary as SdkSummary

    result = ExperimentResult("run", "name", "EXT-dataset", summary(ALL), (ok(0, BOOM),), ranges=EXACT)
    with pytest.warns(DeprecationWarning, match=r"json\(\) is deprecated") as said:
        text = result.json(exclude_none=True)
    assert said[0].filename == __file__
    assert text == result.model_dump_json(exclude_none=True)
    with pytest.warns(DeprecationWarning, match=r"dict\(\) is deprecated"):
        dumped = result.dict()
    assert dumped == result.model_dump()
    sdk = SdkSummary.model_validate_json(text)
    assert SdkSummary.model_validate(dumped) == sdk
    assert set(SdkSummary.model_fields) <= set(dumped)  # the SDK's shape, and ours besides (trials, flaky, ...)
    assert (sdk.run_id, sdk.success, sdk.passed) == ("run", False, IDS)

    copied = result.model_copy()
    assert isinstance(copied, ExperimentResult)
    assert copied.model_dump() == dumped
    assert (copied.broken, copied.errors) == (result.broken, result.errors)
    renamed = result.model_copy(update={"run_id": "run-2", "failed": ["EXT-2"]})
    assert (renamed.run_id, renamed.summary.run_id, renamed.failed) == ("run-2", "run-2", ["EXT-2"])
    assert (result.run_id, result.failed) == ("run", [])
    deep = result.model_copy(deep=True)
    assert (deep.summary is result.summary, deep.outcomes[0] is result.outcomes[0]) == (False, False)
    assert deep.model_dump() == dumped
    # success stays this result's judgement: HoneyHive's verdict is what an update sets
    forced = result.model_copy(update={"success": True})
    assert (forced.summary.success, forced.success) == (True, False)

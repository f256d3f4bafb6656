"""Compatibility: one suite of functions and evaluators written in the official SDK's conventions runs
through both the SDK's ``honeyhive.experiments.evaluate()`` and ours, against the same backend, and the
backend's results for the two runs agree.

The suite uses every convention existing HoneyHive code relies on (honeyhive-api.md §7): a
two-argument-style evaluator with ``ground_truth=None`` (the SDK passes three arguments whenever there
is ground truth, so a strict two-parameter evaluator would break under it), a three-argument
evaluator, a dict return with ``score``/``explanation``, an async evaluator, and a sync and an async
user function. One datapoint has no ground truth: both engines then call the evaluators with two
arguments and the three-argument one records nothing.

Only the SDK's environment (``HH_API_URL``/``HH_API_KEY``) is wired by monkeypatch; everything else is
real. Both runs get the same passing ranges by ``PUT /v1/runs/{id}``; then the two summaries must have
the same metrics, aggregates and passed/failed ids, and a comparison between them must show every
datapoint ``same``.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from honeyhive_experiment import (
    ArgumentError,
    ExperimentResultSummary,
    HoneyHiveClient,
    OutcomeStatus,
    compare_runs,
    evaluate,
    external_dataset,
    get_run_metrics,
    get_run_result,
    managed_dataset,
    run_slice,
    wait_for_run_result,
)
from honeyhive_experiment.run_spec import RunSpec
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

sdk_experiments = pytest.importorskip("honeyhive.experiments", reason="the official SDK is a test-only dependency")

# datapoint i asks for i * 3; the apps are wrong on every third datapoint (off by 2), and datapoint 7
# has no ground truth
DATASET: list[dict[str, Any]] = [
    {"inputs": {"n": i, "text": "x" * (i + 1)}, "ground_truth": {"answer": 3 * i}} for i in range(7)
] + [{"inputs": {"n": 7, "text": "unlabelled"}}]
WRONG = {2, 5}
PASSING_RANGES = {"exact_match": {"min": 1}, "closeness": {"min": 0.5}, "has_answer": {"min": 1}}
METRICS = {"exact_match", "closeness", "has_answer", "async_length"}


def _answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    n = datapoint["inputs"]["n"]
    return {"answer": 3 * n + (2 if n in WRONG else 0), "text": datapoint["inputs"]["text"]}


def tripler(datapoint: dict[str, Any]) -> dict[str, Any]:
    return _answer(datapoint)


async def atripler(datapoint: dict[str, Any]) -> dict[str, Any]:
    await asyncio.sleep(0)
    return _answer(datapoint)


def exact_match(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    """Three arguments, ground truth required."""
    return bool(outputs["answer"] == ground_truth["answer"])


def has_answer(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> int:
    """The two-argument style, made SDK-safe with ``ground_truth=None``."""
    return 1 if "answer" in outputs else 0


def closeness(
    outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """A dict return with score and explanation; nothing on unlabelled datapoints."""
    if ground_truth is None:
        return None
    gap = abs(outputs["answer"] - ground_truth["answer"])
    return {"score": 1 / (1 + gap), "explanation": f"off by {gap}"}


async def async_length(
    outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None
) -> float:
    await asyncio.sleep(0)
    return float(len(outputs["text"]))


EVALUATORS: list[Callable[..., Any]] = [exact_match, has_answer, closeness, async_length]


def put_passing_ranges(client: httpx.Client, run_id: str) -> None:
    response = client.put(f"/v1/runs/{run_id}", json={"passing_ranges": PASSING_RANGES})
    assert response.status_code == 200, response.text


def metric_table(summary: ExperimentResultSummary) -> dict[tuple[str, str | None], tuple[float | None, list[Any]]]:
    return {
        (d.metric_name, d.event_name): (d.aggregate, sorted(float(v) for v in d.values))
        for d in summary.metrics.details
    }


@pytest.mark.parametrize("function", [tripler, atripler], ids=["sync", "async"])
def test_sdk_and_ours_give_the_same_backend_results(
    sdk_env: LocalBackend, hh: HoneyHiveClient, client: httpx.Client, function: Callable[..., Any]
) -> None:
    sdk_run = sdk_experiments.evaluate(
        function,
        dataset=copy.deepcopy(DATASET),
        evaluators=EVALUATORS,
        name=f"sdk-{function.__name__}",
        max_workers=4,
        print_results=False,
    )
    dataset = external_dataset(copy.deepcopy(DATASET))
    ours = evaluate(
        function,
        dataset,
        client=hh,
        evaluators=EVALUATORS,
        name=f"ours-{function.__name__}",
        max_workers=4,
        timeout=30.0,  # a timeout: the function and evaluators run on the runner's threads; ample on a loaded machine
        ingestion_timeout=10.0,
    )
    assert all(o.status is OutcomeStatus.OK for o in ours.outcomes)
    assert all(o.evaluator_failures == () for o in ours.outcomes[:7])

    # both runs live on the same external dataset id
    sdk_stored = client.get(f"/v1/runs/{sdk_run.run_id}").json()["evaluation"]
    our_stored = client.get(f"/v1/runs/{ours.run_id}").json()["evaluation"]
    assert sdk_stored["status"] == our_stored["status"] == "completed"
    assert sdk_stored["metadata"]["offline_dataset_id"] == our_stored["metadata"]["offline_dataset_id"]
    assert our_stored["metadata"]["offline_dataset_id"] == dataset.dataset_id
    assert len(sdk_stored["event_ids"]) == len(our_stored["event_ids"]) == len(DATASET)

    for run_id in (sdk_run.run_id, ours.run_id):
        put_passing_ranges(client, run_id)
    sdk_summary = get_run_result(hh, sdk_run.run_id)
    our_summary = get_run_result(hh, ours.run_id)

    # the same datapoints, metric names (on the same event name), aggregates and values
    ids = [dp.id for dp in dataset.datapoints]
    assert sorted(sdk_summary.datapoint_ids) == sorted(our_summary.datapoint_ids) == sorted(ids)
    assert {name for name, _ in metric_table(our_summary)} == METRICS
    assert {event for _, event in metric_table(our_summary)} == {function.__name__}
    assert metric_table(sdk_summary) == metric_table(our_summary)

    # ... and the same pass/fail: the wrong answers fail exact_match (and closeness 1/3 < 0.5)
    expected_failed = sorted(ids[i] for i in WRONG)
    assert sorted(sdk_summary.failed) == sorted(our_summary.failed) == expected_failed
    assert sorted(sdk_summary.passed) == sorted(our_summary.passed) == sorted(set(ids) - set(expected_failed))
    assert sdk_summary.success is our_summary.success is False
    for name in METRICS:
        sdk_detail, our_detail = sdk_summary.metric(name), our_summary.metric(name)
        assert sdk_detail is not None
        assert our_detail is not None
        assert sdk_detail.datapoints is not None
        assert our_detail.datapoints is not None
        assert sorted(sdk_detail.datapoints.passed) == sorted(our_detail.datapoints.passed), name
        assert sorted(sdk_detail.datapoints.failed) == sorted(our_detail.datapoints.failed), name

    # hand-computed anchors, so that agreement is not agreement on nothing
    exact = our_summary.metric("exact_match")
    assert exact is not None
    assert len(exact.values) == 7  # the unlabelled datapoint has none
    assert exact.aggregate == pytest.approx(5 / 7)
    length = our_summary.metric("async_length")
    assert length is not None
    assert length.aggregate == pytest.approx((sum(range(1, 8)) + len("unlabelled")) / 8)
    close = our_summary.metric("closeness")
    assert close is not None
    assert close.aggregate == pytest.approx((5 + 2 / 3) / 7)

    # a comparison between the two runs shows every datapoint the same
    comparison = compare_runs(hh, ours.run_id, sdk_run.run_id)
    assert sorted(comparison.common_datapoints) == sorted(ids)
    assert {d.metric_name for d in comparison.metrics} == METRICS
    for delta in comparison.metrics:
        assert delta.improved == [], delta.metric_name
        assert delta.degraded == [], delta.metric_name
        expected_same = ids[:7] if delta.metric_name in ("exact_match", "closeness") else ids
        assert sorted(delta.same or []) == sorted(expected_same), delta.metric_name
        assert delta.difference == pytest.approx(0.0), delta.metric_name
    presence = {(d.event_name, d.event_type): d.presence for d in comparison.event_details}
    assert presence[(function.__name__, "chain")] == "both"

    # per datapoint, the sessions hold the same record and the chain events the same metrics
    sdk_events, our_events = stored_by_datapoint(hh, sdk_run.run_id), stored_by_datapoint(hh, ours.run_id)
    assert set(sdk_events) == set(our_events) == {(i, kind) for i in ids for kind in ("session", "chain")}
    for datapoint_id in ids:
        sdk_session, our_session = sdk_events[datapoint_id, "session"], our_events[datapoint_id, "session"]
        for key in ("inputs", "outputs", "feedback", "source"):
            assert sdk_session[key] == our_session[key], (datapoint_id, key)
        assert sdk_session["metadata"]["dataset_id"] == our_session["metadata"]["dataset_id"] == dataset.dataset_id
        sdk_chain, our_chain = sdk_events[datapoint_id, "chain"], our_events[datapoint_id, "chain"]
        assert sdk_chain["event_name"] == our_chain["event_name"] == function.__name__
        assert sdk_chain["metrics"] == our_chain["metrics"], datapoint_id


def stored_by_datapoint(hh: HoneyHiveClient, run_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    events: dict[tuple[str, str], dict[str, Any]] = {}
    for event in hh.iter_run_events(run_id):
        key = (event["metadata"]["datapoint_id"], event["event_type"])
        assert key not in events, f"two {key[1]} events for datapoint {key[0]} in run {run_id}"
        events[key] = event
    return events


def test_our_comparison_answers_the_sdks_accessors_as_the_sdks_does(sdk_env: LocalBackend, hh: HoneyHiveClient) -> None:
    """SDK code reading ``comparison.get_metric_delta("exact_match")["new_aggregate"]``, ``metric_deltas[name]`` or
    ``list_degraded_metrics()`` raised with ours (its ``metric_deltas`` was keyed by ``(name, event)``): the same
    comparison read by the SDK's ``compare_runs`` and by ours gives the same answers. The SDK's client handed to
    ours is refused by name."""

    def answering(offset: int) -> Callable[..., Any]:
        def app(datapoint: dict[str, Any]) -> dict[str, Any]:  # one name: the runs' metrics pair by event name
            return {"answer": 3 * datapoint["inputs"]["n"] + offset}

        return app

    old, new = (
        evaluate(answering(offset), DATASET[:7], client=hh, evaluators=[exact_match, has_answer], print_results=False)
        for offset in (0, 1)
    )
    sdk_client = pytest.importorskip("honeyhive").HoneyHive(api_key=API_KEY, server_url=sdk_env.url)
    sdk = sdk_experiments.compare_runs(sdk_client, new_run_id=new.run_id, old_run_id=old.run_id)
    ours = compare_runs(hh, new_run_id=new.run_id, old_run_id=old.run_id)

    assert ours.list_degraded_metrics() == sdk.list_degraded_metrics() == ["exact_match"]
    assert ours.list_improved_metrics() == sdk.list_improved_metrics() == []
    assert set(ours.metric_deltas) == set(sdk.metric_deltas) == {"exact_match", "has_answer"}
    for name, sdk_delta in sdk.metric_deltas.items():
        assert ours.get_metric_delta(name) == ours.metric_deltas[name]
        assert ours.metric_deltas[name] | sdk_delta == ours.metric_deltas[name], name
    assert ours.get_metric_delta("recall") is None
    with pytest.raises(ArgumentError, match=r"must be a honeyhive_experiment\.HoneyHiveClient, not a honeyhive\."):
        compare_runs(sdk_client, new_run_id=new.run_id, old_run_id=old.run_id)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: get_run_result(c, "r"),
        lambda c: get_run_metrics(c, "r"),
        lambda c: wait_for_run_result(c, "r", 1),
        lambda c: compare_runs(c, "a", "b"),
        lambda c: managed_dataset(c, dataset_id="d"),
        lambda c: evaluate(tripler, DATASET, client=c, print_results=False),
        lambda c: run_slice(RunSpec(function=tripler, name="n"), external_dataset(DATASET), [], client=c, run_id="r"),
    ],
    ids=["get_run_result", "get_run_metrics", "wait_for_run_result", "compare_runs", "managed_dataset", "evaluate",
         "run_slice"],
)  # fmt: skip
def test_every_public_function_taking_a_client_names_the_sdks_client_as_the_wrong_one(
    call: Callable[[Any], object], sdk_env: LocalBackend
) -> None:
    """The official SDK's HoneyHive() passed where ours is expected: an ArgumentError naming its type, before any
    call, not an AttributeError from within."""
    sdk_client = pytest.importorskip("honeyhive").HoneyHive(api_key=API_KEY, server_url=sdk_env.url)
    with pytest.raises(ArgumentError, match=r"^client: client must be a honeyhive_experiment\.HoneyHiveClient, not a"):
        call(sdk_client)


def test_a_run_without_a_name_is_named_as_the_sdk_names_it(sdk_env: LocalBackend, hh: HoneyHiveClient) -> None:
    sdk_run = sdk_experiments.evaluate(tripler, dataset=copy.deepcopy(DATASET[:1]), print_results=False)
    ours = evaluate(tripler, DATASET[:1], client=hh, print_results=False)
    for run_id in (sdk_run.run_id, ours.run_id):
        assert hh.get_run(run_id)["name"] == f"experiment-{run_id[:8]}"

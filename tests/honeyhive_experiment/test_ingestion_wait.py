"""evaluate() waits for the backend's asynchronous ingestion (bounded), using honeyhive_local's delay knob, and for
its summary to hold the judged metrics the run recorded."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest

from honeyhive_experiment import DatapointTracer, HoneyHiveClient, IngestionTimeout, evaluate, external_dataset
from honeyhive_experiment.client import judged_values
from honeyhive_experiment.efficiency import METRICS
from honeyhive_experiment.errors import ArgumentError
from honeyhive_experiment.results import compare_runs, recorded_outcomes, wait_for_run_result
from honeyhive_local import LocalBackend

pytestmark = pytest.mark.integration

RECORDS = [{"inputs": {"n": i}, "ground_truth": {"double": 2 * i}} for i in range(6)]


def double(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"double": 2 * datapoint["inputs"]["n"]}


def exact(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    return bool(outputs["double"] == ground_truth["double"])


def test_the_result_waits_until_every_scored_datapoint_is_visible() -> None:
    with LocalBackend(ingest_delay=1.0) as backend, HoneyHiveClient(backend.url, backend.api_key) as client:
        result = evaluate(double, external_dataset(RECORDS), client=client, evaluators=[exact], ingestion_timeout=30)
    assert len(result.summary.datapoints) == 6
    metric = result.summary.metric("exact")
    assert metric is not None
    assert metric.values == [True] * 6  # every datapoint's span was in before the result was read


def test_an_ingestion_that_does_not_finish_in_time_says_how_far_it_got() -> None:
    with (
        LocalBackend(ingest_delay=30.0) as backend,
        HoneyHiveClient(backend.url, backend.api_key) as client,
        pytest.raises(IngestionTimeout) as caught,
    ):
        evaluate(double, external_dataset(RECORDS), client=client, evaluators=[exact], ingestion_timeout=1.0)
    assert "only 0 of 6 datapoints were visible" in str(caught.value)


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1.0, "0.3", True, None])
def test_a_wait_given_no_number_of_seconds_is_an_argument_error(timeout: Any) -> None:
    """Not a TypeError from within the wait (a string), nor a wait for ever (NaN, inf) or none (-1)."""
    run = "0" * 32
    with LocalBackend() as backend, HoneyHiveClient(backend.url, backend.api_key) as client:
        with pytest.raises(ArgumentError, match=r"^timeout: expected a number of seconds, 0 or more"):
            wait_for_run_result(client, run, 1, timeout=timeout)
        with pytest.raises(ArgumentError, match=r"^timeout: expected a number of seconds, 0 or more"):
            compare_runs(client, run, "1" * 32, timeout=timeout)


class _NoCalls:
    """An instrumentor that instruments nothing: the run measures its (zero) LLM calls, so each datapoint records
    the efficiency metrics."""

    def instrument(self, **kwargs: Any) -> None:
        pass

    def uninstrument(self) -> None:
        pass


def enriched(datapoint: dict[str, Any], tracer: DatapointTracer) -> dict[str, Any]:
    tracer.enrich_span(metrics={"span_score": 0.5})  # a metric of the function's own span
    return double(datapoint)


def graded(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> dict[str, Any]:
    return {"score": 0.75, "recall": 1, "explanation": "close enough"}  # graded, graded_recall (a name_key)


def test_the_metrics_the_wait_looks_for_are_named_as_the_summary_names_them(
    hh: HoneyHiveClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The wait for the summary looks for each ranged or gated metric the run recorded a value of: by names the
    backend's summary spells otherwise, every run would wait its whole ingestion.timeout. An evaluator's metric, a
    dict evaluator's score and sub-score, the efficiency metrics (record_run, from its outcomes) and a metric of the
    function's span too (a report job, from the run's recorded outcomes) are all in the summary under the same name."""
    names = ["exact", "graded", "graded_recall", *METRICS, "span_score"]
    asked: list[Sequence[str]] = []
    wait = hh.wait_for_result
    monkeypatch.setattr(hh, "wait_for_result", lambda *a, **kw: asked.append(kw["metrics"]) or wait(*a, **kw))
    with caplog.at_level(logging.DEBUG, logger="honeyhive_experiment.client"):
        result = evaluate(
            enriched,
            external_dataset(RECORDS),
            client=hh,
            evaluators=[exact, graded],
            instrumentors=[_NoCalls()],
            passing_ranges={name: {"min": -1} for name in names},
            ingestion_timeout=30,
        )
    recorded = {"exact", "graded", "graded_recall", "llm_calls", "input_tokens", "output_tokens", "cost_usd"}
    assert set(asked[0]) == recorded | {"duration_ms"}  # not span_score: the function's own, not in the outcomes
    in_summary = {detail.metric_name for detail in result.summary.metrics.details}
    assert set(judged_values(recorded_outcomes(hh, result.run_id), names)) == {*asked[0], "span_score"} <= in_summary
    assert "taken as it is" not in caplog.text  # the summary had them all at the first look that counted

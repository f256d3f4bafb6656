"""evaluate() waits for the backend's asynchronous ingestion (bounded), using honeyhive_local's delay knob."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_experiment import HoneyHiveClient, IngestionTimeout, evaluate, external_dataset
from honeyhive_experiment.errors import ArgumentError
from honeyhive_experiment.results import compare_runs, wait_for_run_result
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

"""Reading a run's result and a comparison: calls to the backend, parsed into typed models.

Nothing here aggregates: means, pass rates, deltas and improved/degraded lists are the backend's.
The only arithmetic is set difference on the backend's own id lists (new-only / old-only datapoints).
"""

from __future__ import annotations

from typing import Any

from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.models import ExperimentResultSummary, RunComparisonResult


def get_run_result(
    client: HoneyHiveClient, run_id: str, aggregate_function: str = "average"
) -> ExperimentResultSummary:
    """The backend's summary of a run (``GET /v1/runs/{id}/result``)."""
    return client.get_run_summary(run_id, aggregate_function)


def get_run_metrics(client: HoneyHiveClient, run_id: str) -> dict[str, Any]:
    """Raw, unaggregated metric values per event (``GET /v1/runs/{id}/metrics``)."""
    return client.get_run_metrics(run_id)


def wait_for_run_result(
    client: HoneyHiveClient,
    run_id: str,
    expected_datapoints: int,
    *,
    timeout: float = 120.0,
    aggregate_function: str = "average",
) -> ExperimentResultSummary:
    """Poll until the backend's summary covers ``expected_datapoints``; raises ``IngestionTimeout``."""
    return client.wait_for_result(run_id, expected_datapoints, timeout=timeout, aggregate_function=aggregate_function)


def compare_runs(
    client: HoneyHiveClient,
    new_run_id: str,
    old_run_id: str,
    aggregate_function: str = "average",
    *,
    new_result: ExperimentResultSummary | None = None,
    old_result: ExperimentResultSummary | None = None,
) -> RunComparisonResult:
    """The backend's comparison of two runs (``GET /v1/runs/{new}/compare-with/{old}``).

    Pass the runs' results when you have them, so new-only and old-only datapoints can be named.
    """
    body = client.compare_runs(new_run_id, old_run_id, aggregate_function)
    return RunComparisonResult.from_wire(
        body,
        new_run_id=new_run_id,
        old_run_id=old_run_id,
        new_datapoint_ids=new_result.datapoint_ids if new_result is not None else None,
        old_datapoint_ids=old_result.datapoint_ids if old_result is not None else None,
    )

"""Run HoneyHive experiments in CI: the public Python API.

    from honeyhive_experiment import HoneyHiveClient, evaluate, external_dataset

    with HoneyHiveClient(server_url, api_key) as client:
        result = evaluate(my_app, external_dataset(records), client=client, evaluators=[exact_match])
        print(result.summary.success, result.summary.failed)

    # or the official SDK's form, unchanged (api_key / server_url default to HH_API_KEY / HH_API_URL)
    result = evaluate(function=my_app, dataset=records, evaluators=[exact_match], name="nightly")
    print(result.success, result.passed, result.failed)

    # an experiment file, as `python -m honeyhive_experiment run` runs it
    run = run_config("path/to/repo", dry_run=True)
    print(run.verdict, run.comment)

Names are imported on first use, so ``python -m honeyhive_experiment --help`` starts without loading
OpenTelemetry, httpx or pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from honeyhive_experiment.version import __version__ as __version__

_EXPORTS = {
    "evaluate": "honeyhive_experiment.experiment",
    "run_slice": "honeyhive_experiment.experiment",
    "external_dataset": "honeyhive_experiment.experiment",
    "managed_dataset": "honeyhive_experiment.experiment",
    "ExperimentResult": "honeyhive_experiment.experiment",
    "ArgumentError": "honeyhive_experiment.errors",
    "ConfigRun": "honeyhive_experiment.api",
    "run_config": "honeyhive_experiment.api",
    "ExperimentCancelled": "honeyhive_experiment.errors",
    "ExperimentError": "honeyhive_experiment.errors",
    "PreparedDataset": "honeyhive_experiment.experiment",
    "get_run_result": "honeyhive_experiment.results",
    "get_run_metrics": "honeyhive_experiment.results",
    "compare_runs": "honeyhive_experiment.results",
    "wait_for_run_result": "honeyhive_experiment.results",
    "HoneyHiveClient": "honeyhive_experiment.client",
    "HoneyHiveError": "honeyhive_experiment.errors",
    "ApiError": "honeyhive_experiment.errors",
    "NotFoundError": "honeyhive_experiment.errors",
    "BackendUnreachable": "honeyhive_experiment.errors",
    "IngestionTimeout": "honeyhive_experiment.errors",
    "RetryPolicy": "honeyhive_experiment.client",
    "Timeouts": "honeyhive_experiment.client",
    "TraceSink": "honeyhive_experiment.tracing",
    "DatapointTracer": "honeyhive_experiment.tracing",
    "Datapoint": "honeyhive_experiment.models.outcomes",
    "DatapointError": "honeyhive_experiment.run_result",
    "DatapointOutcome": "honeyhive_experiment.models.outcomes",
    "OutcomeStatus": "honeyhive_experiment.models.outcomes",
    "Progress": "honeyhive_experiment.models.outcomes",
    "Evaluator": "honeyhive_experiment.evaluators",
    "ExperimentRunStatus": "honeyhive_experiment.models",
    "ExperimentRun": "honeyhive_experiment.models",
    "ExperimentResultSummary": "honeyhive_experiment.models",
    "MetricDetail": "honeyhive_experiment.models",
    "DatapointResult": "honeyhive_experiment.models",
    "RunComparisonResult": "honeyhive_experiment.models",
    "MetricDelta": "honeyhive_experiment.models",
    "generate_external_dataset_id": "honeyhive_experiment.external",
    "generate_external_datapoint_id": "honeyhive_experiment.external",
    "prepare_external_dataset": "honeyhive_experiment.external",
    "prepare_run_request_data": "honeyhive_experiment.external",
}

__all__ = [
    "ApiError",
    "ArgumentError",
    "BackendUnreachable",
    "ConfigRun",
    "Datapoint",
    "DatapointError",
    "DatapointOutcome",
    "DatapointResult",
    "DatapointTracer",
    "Evaluator",
    "ExperimentCancelled",
    "ExperimentError",
    "ExperimentResult",
    "ExperimentResultSummary",
    "ExperimentRun",
    "ExperimentRunStatus",
    "HoneyHiveClient",
    "HoneyHiveError",
    "IngestionTimeout",
    "MetricDelta",
    "MetricDetail",
    "NotFoundError",
    "OutcomeStatus",
    "PreparedDataset",
    "Progress",
    "RetryPolicy",
    "RunComparisonResult",
    "Timeouts",
    "TraceSink",
    "compare_runs",
    "evaluate",
    "external_dataset",
    "generate_external_datapoint_id",
    "generate_external_dataset_id",
    "get_run_metrics",
    "get_run_result",
    "managed_dataset",
    "prepare_external_dataset",
    "prepare_run_request_data",
    "run_config",
    "run_slice",
    "wait_for_run_result",
]


if not TYPE_CHECKING:  # a type checker reads the imports below (a misspelt name stays an error), Python this

    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'honeyhive_experiment' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from honeyhive_experiment.api import ConfigRun, run_config
    from honeyhive_experiment.client import HoneyHiveClient, RetryPolicy, Timeouts
    from honeyhive_experiment.errors import (
        ApiError,
        ArgumentError,
        BackendUnreachable,
        ExperimentCancelled,
        ExperimentError,
        HoneyHiveError,
        IngestionTimeout,
        NotFoundError,
    )
    from honeyhive_experiment.evaluators import Evaluator
    from honeyhive_experiment.experiment import (
        ExperimentResult,
        PreparedDataset,
        evaluate,
        external_dataset,
        managed_dataset,
        run_slice,
    )
    from honeyhive_experiment.external import (
        generate_external_datapoint_id,
        generate_external_dataset_id,
        prepare_external_dataset,
        prepare_run_request_data,
    )
    from honeyhive_experiment.models import (
        DatapointResult,
        ExperimentResultSummary,
        ExperimentRun,
        ExperimentRunStatus,
        MetricDelta,
        MetricDetail,
        RunComparisonResult,
    )
    from honeyhive_experiment.models.outcomes import Datapoint, DatapointOutcome, OutcomeStatus, Progress
    from honeyhive_experiment.results import compare_runs, get_run_metrics, get_run_result, wait_for_run_result
    from honeyhive_experiment.run_result import DatapointError
    from honeyhive_experiment.tracing import DatapointTracer, TraceSink

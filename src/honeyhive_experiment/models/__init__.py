"""Wire and domain models of experiment runs: run status, run object, summary and comparison.

The models parse what HoneyHive (or ``honeyhive_local``) returns from ``/v1/runs/{id}``,
``/v1/runs/{id}/summary`` (legacy ``/result``) and ``/v1/runs/{new}/compare/{old}`` (legacy
``/compare-with/``); see ``honeyhive-api.md`` §2 and §3. They do no I/O.

Rules:

* **The backend computes, the client carries.** Aggregates, pass/fail, differences, percentage
  changes and improved/degraded/same come from the backend and are kept exactly as reported; a
  value the backend did not send is ``None``, never recomputed here. The one thing derived here
  is identity: which datapoint ids one run has and the comparison's ``commonDatapoints`` lacks
  (:attr:`RunComparisonResult.new_only_datapoints` / ``old_only_datapoints``), a set difference of
  the backend's own id lists.
* **Tolerant reading.** Every model keeps unknown fields (``extra="allow"``, see
  ``model_extra``); ``null`` lists read as empty; legacy shapes are accepted (``metrics`` keyed by
  metric name instead of ``{aggregation_function, details}``, a missing ``run_object``, a
  datapoint without ``passed``, per-datapoint metrics as ``{name: value}``). A status the enum does
  not know is kept as the plain string.
* **Frozen.** Models are immutable once parsed (attribute assignment raises).

Names mirror the official SDK's ``honeyhive.experiments.models`` where the meaning is the same.
Differences: :class:`RunComparisonResult` keys deltas by ``(metric_name, event_name)`` (the SDK
keys by name only, so two events scoring the same metric overwrite each other) and carries id lists
where the SDK carries counts (``common_datapoints``, ``new_only_datapoints``, ``old_only_datapoints``).

The package's modules are docs/architecture.md's (``models``).
"""

from __future__ import annotations

from honeyhive_experiment.models.comparison import MetricDelta, RunComparisonResult
from honeyhive_experiment.models.run import ExperimentRun
from honeyhive_experiment.models.summary import (
    AggregatedMetrics,
    DatapointMetric,
    DatapointResult,
    DatapointResults,
    EventDetail,
    ExperimentResultSummary,
    MetricDatapoints,
    MetricDetail,
    PassingRange,
)
from honeyhive_experiment.models.wire import ExperimentRunStatus, MetricKey, MetricValue

__all__ = [
    "AggregatedMetrics",
    "DatapointMetric",
    "DatapointResult",
    "DatapointResults",
    "EventDetail",
    "ExperimentResultSummary",
    "ExperimentRun",
    "ExperimentRunStatus",
    "MetricDatapoints",
    "MetricDelta",
    "MetricDetail",
    "MetricKey",
    "MetricValue",
    "PassingRange",
    "RunComparisonResult",
]

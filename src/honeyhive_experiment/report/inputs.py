"""What a report is made from: :class:`ReportInput`, built by the CLI from the backend's answers and the run's
outcomes, with the baseline (:class:`BaselineInfo`) and the key metrics' trend (:class:`TrendPoint`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from honeyhive_experiment.config import CommentConfig, MetricConfig
from honeyhive_experiment.models import ExperimentResultSummary, MetricKey, RunComparisonResult
from honeyhive_experiment.significance import Assessment
from honeyhive_experiment.verdict import Decision

if TYPE_CHECKING:
    # runner pulls in OpenTelemetry; the report only reads the outcomes' fields
    from honeyhive_experiment.models.outcomes import DatapointOutcome

__all__ = ["DIRTY_LABEL", "BaselineInfo", "ReportInput", "TrendPoint"]

DIRTY_LABEL = "uncommitted changes"
"""How a run made with uncommitted changes is labelled wherever it is shown (comment, terminal, ``runs``)."""


@dataclass(frozen=True)
class BaselineInfo:
    """The baseline run the comparison was made against, as the baseline module found it.

    ``shared_datapoints`` / ``total_datapoints`` default to the comparison's ``commonDatapoints`` and this
    run's datapoints when not given.
    """

    run_id: str
    name: str | None = None
    url: str | None = None
    commit_sha: str | None = None
    branch: str | None = None
    created_at: datetime | None = None
    shared_datapoints: int | None = None
    total_datapoints: int | None = None
    why: str | None = None  # which baseline and why ("run at merge-base a1b2c3d with main", "previous local run")
    dirty: bool = False  # made with uncommitted changes (only ever an explicitly named run)
    passed: bool | None = None  # the backend's result for it (a merge-base baseline may have failed)


@dataclass(frozen=True)
class TrendPoint:
    """A key metric's aggregates in an earlier baseline run (from that run's backend summary)."""

    label: str
    run_id: str | None
    values: Mapping[str, float | None]


@dataclass(frozen=True, kw_only=True)
class ReportInput:
    """Everything a report shows; built by the action from the backend's answers and the run's outcomes."""

    experiment: str
    decision: Decision
    run_id: str | None = None
    run_url: str | None = None
    head_sha: str | None = None
    pr_number: int | None = None
    summary: ExperimentResultSummary | None = None
    comparison: RunComparisonResult | None = None
    baseline: BaselineInfo | None = None
    outcomes: Sequence[DatapointOutcome] = ()
    inputs_by_datapoint: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    metrics: Mapping[str, MetricConfig] = field(default_factory=dict)
    comment: CommentConfig = field(default_factory=CommentConfig)
    error: str | None = None
    notes: Sequence[str] = ()
    trend: Sequence[TrendPoint] = ()
    judged_metrics: Sequence[str] = ()
    """Metrics with a passing range or a gate: shown even when the backend has no value for them."""
    assessment: Mapping[MetricKey | str, Assessment] = field(default_factory=dict)
    """Each compared metric's change told apart from noise, and the pass/fail flips (key ``"pass/fail"``)."""
    id_scheme: str | None = None
    """How the dataset's datapoints got their ids (``DatasetIdentity.scheme``): own, sdk, content, or None."""
    dry_run: bool = False
    dirty: bool = False
    """This run was made with uncommitted changes: its commit is labelled as such."""
    generated_at: datetime
    tool_version: str

"""What one invocation judged: :class:`Judgement`, the one value a report is built from.

Every path ends in one: :func:`honeyhive_experiment.flow.judge` makes it for a run the backend has summarised
(its result, the baseline and the backend's comparison, the verdict); an invocation that could not evaluate
anything gets one without a run (:func:`judgement_without_run`), its decision the :func:`failure` (an ``error``
verdict naming each problem), and the fork without secrets a neutral one.
:func:`honeyhive_experiment.report.build_report` turns it into the one report model. Nothing here is redacted
yet: that happens once, when the report is built. This module does no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from honeyhive_experiment.config import BaselineStrategy, CommentConfig, GateRule, MetricConfig, PassingRangeConfig
from honeyhive_experiment.errors import (
    ApiError,
    ArgumentError,
    BackendUnreachable,
    BaselineError,
    ConfigError,
    DatasetError,
    EvaluatorSignatureError,
    ExperimentCancelled,
    ExperimentError,
    HoneyHiveError,
    IngestionTimeout,
    InstallError,
    NotFoundError,
    ReportError,
    SettingsError,
    ShardsDisagree,
    ShardsMissing,
    TemplateError,
    WebPageAnswer,
)
from honeyhive_experiment.models import ExperimentResultSummary, MetricKey, RunComparisonResult
from honeyhive_experiment.models.details import DatapointDetails
from honeyhive_experiment.models.outcomes import OutcomeStatus
from honeyhive_experiment.significance import Assessment
from honeyhive_experiment.verdict import Decision, Verdict
from honeyhive_experiment.version import __version__

if TYPE_CHECKING:
    from honeyhive_experiment.config import ExperimentConfig
    from honeyhive_experiment.models.outcomes import DatapointOutcome
    from honeyhive_experiment.settings import Settings

__all__ = [
    "BaselineInfo",
    "ErrorKind",
    "Judgement",
    "TrendPoint",
    "cancellation_text",
    "error_kind",
    "failure",
    "judgement_without_run",
]

ErrorKind = Literal[
    "config",
    "input",
    "dataset",
    "signature",
    "auth",
    "not_found",
    "unreachable",
    "backend",
    "storage",
    "ingestion",
    "baseline",
    "cancelled",
    "shards",
    "template",
    "report",
    "install",
    "other",
    "bug",
]
"""What kind of error made an invocation's verdict ``error``: the report gives the advice for that kind."""

_KINDS: Final[tuple[tuple[type[BaseException], ErrorKind], ...]] = (
    (ConfigError, "config"),
    (SettingsError, "input"),
    (ArgumentError, "input"),
    (DatasetError, "dataset"),
    (EvaluatorSignatureError, "signature"),
    (NotFoundError, "not_found"),
    (BackendUnreachable, "unreachable"),
    (WebPageAnswer, "unreachable"),  # the server URL is what to check, as for no answer: re-running cannot fix it
    (IngestionTimeout, "ingestion"),
    (HoneyHiveError, "backend"),
    (BaselineError, "baseline"),
    (ExperimentCancelled, "cancelled"),
    (KeyboardInterrupt, "cancelled"),  # a signal the flow could not turn into ExperimentCancelled
    (ShardsMissing, "shards"),
    (ShardsDisagree, "shards"),
    (TemplateError, "template"),
    (ReportError, "report"),
    (InstallError, "install"),
    (ExperimentError, "other"),
)
"""Each caught exception's kind, the first class it is an instance of (subclasses before their bases)."""


def error_kind(caught: BaseException) -> ErrorKind:
    """The kind of the exception an invocation caught; ``bug`` for one no code of ours raises on purpose. A 401 or
    403 answer is ``auth``: the key, not the backend, is the problem; a 507 ``storage``: no re-run mends it."""
    if isinstance(caught, ApiError) and caught.status in (401, 403):
        return "auth"
    if isinstance(caught, ApiError) and caught.status == 507:
        return "storage"
    return next((kind for cls, kind in _KINDS if isinstance(caught, cls)), "bug")


@dataclass(frozen=True)
class BaselineInfo:
    """The baseline run the comparison was made against, as the baseline rules found it (the datapoints the
    runs share are the comparison's ``commonDatapoints``).

    ``total_datapoints`` defaults to this run's datapoints when not given.
    """

    run_id: str
    name: str | None = None
    url: str | None = None
    commit_sha: str | None = None
    branch: str | None = None
    created_at: datetime | None = None
    total_datapoints: int | None = None
    why: str | None = None  # which baseline and why ("run at merge-base a1b2c3d with main", "previous local run")
    dirty: bool = False  # made with uncommitted changes (only ever an explicitly named run)
    passed: bool | None = None  # its check passed (else the backend's result): a merge-base baseline may have failed
    errored: bool = False  # its check could not evaluate it (verdict error): said as that, not as failed
    trials: int = 1  # how many times it ran each datapoint
    stood_in: str | None = None  # the note saying what this baseline stands in for (the merge base's run), if it does


@dataclass(frozen=True)
class TrendPoint:
    """A key metric's aggregates in an earlier baseline run (from that run's backend summary)."""

    label: str
    run_id: str | None
    values: Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class RunTotals:
    """The backend's other aggregates of one run's efficiency metrics: its total cost (the sum over datapoints of
    ``cost_usd``, of ``judge_cost_usd``) and the median and 95th percentile of ``duration_ms``. ``trials`` is its
    summary's: above 1 it reduced each datapoint's trials to their mean first, so the sum is one pass's cost."""

    cost_usd: float | None = None
    judge_cost_usd: float | None = None
    duration_p50_ms: float | None = None
    duration_p95_ms: float | None = None
    trials: int = 1


@dataclass(frozen=True, kw_only=True)
class Judgement:
    """Everything a report shows, as judged: the backend's answers, this run's outcomes, the verdict."""

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
    places: Mapping[str, str] = field(default_factory=dict)
    """Where the datapoints that errored or failed are in the dataset file (``"data/q.jsonl:2"``); none of a
    managed dataset."""
    metrics: Mapping[str, MetricConfig] = field(default_factory=dict)
    comment: CommentConfig = field(default_factory=CommentConfig)
    error: str | None = None
    error_kind: ErrorKind | None = None
    """What kind of error :attr:`error` is (:func:`error_kind`); ``None`` without an error."""
    notes: Sequence[str] = ()
    trend: Sequence[TrendPoint] = ()
    passing_ranges: Mapping[str, PassingRangeConfig] = field(default_factory=dict)
    """The configured passing ranges: shown for a metric the backend has no range for (it has no value)."""
    ranges_are_the_runs: bool = True
    """Whether :attr:`passing_ranges` are the ranges the run was made with, which the backend judged its datapoints
    by. False for a run judged again by an experiment file it may not have been made with (``view`` or ``mode:
    publish`` of a run whose check recorded no rules it could be judged by): a range of that file is then never shown
    as the run's, with a status by it, where the backend reports none."""
    gates: Mapping[str, GateRule] = field(default_factory=dict)
    """The regression gates (``gate``): their limits are drawn on the metrics' distributions."""
    comparisons_off: bool = False
    """``baseline.strategy: none``: no baseline is looked for, so none is coming (only one named is compared)."""
    details: DatapointDetails | None = None
    """Both runs' datapoints as the backend's events hold them (the HTML report's table); ``None``: not read."""
    assessment: Mapping[MetricKey | str, Assessment] = field(default_factory=dict)
    """Each compared metric's change told apart from noise, and the pass/fail flips (key ``"pass/fail"``)."""
    gate_assessment: Mapping[MetricKey | str, Assessment] = field(default_factory=dict)
    """Each gated metric's one-sided regression test (Holm over the gated metrics of its kind, noise-aware or plain):
    what its gate said."""
    baseline_failed: frozenset[str] | None = None
    """The datapoints the baseline's result failed (``None``: no baseline): a failure here is new or old."""
    baseline_errored: frozenset[str] | None = None
    """The datapoints whose function raised in the baseline run (``None``: no baseline)."""
    id_scheme: str | None = None
    """How the dataset's datapoints got their ids (``DatasetIdentity.scheme``): own, sdk, content, or None."""
    trials: int = 1
    """How many times each datapoint ran (``trials``); the summary then holds each datapoint's means."""
    totals: RunTotals | None = None
    """This run's total cost and duration percentiles (only when it has efficiency metrics)."""
    baseline_totals: RunTotals | None = None
    """The baseline's total cost and duration percentiles (``None``: no baseline, or this run has no totals)."""
    left_out: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Per efficiency metric, the LLM calls its values leave out (no price, no token usage, or made outside every
    datapoint), the baseline's and this run's (:func:`~honeyhive_experiment.efficiency.left_out`); the baseline's 0
    without one."""
    dry_run: bool = False
    dirty: bool = False
    """This run was made with uncommitted changes: its commit is labelled as such."""
    generated_at: datetime
    tool_version: str

    @property
    def judged_metrics(self) -> tuple[str, ...]:
        """Metrics with a passing range or a gate: shown even when the backend has no value for them."""
        return (*self.passing_ranges, *self.gates)


def cancellation_text(exc: ExperimentCancelled) -> str:
    """What a report says of a cancelled run: when it stopped, what HoneyHive holds, and whether it is marked."""
    if exc.run_id is None:
        return f"The run was cancelled while {exc.phase}, before it was created: HoneyHive holds nothing of it."
    recorded = ""
    if exc.outcomes:
        # a datapoint cancelled mid-function has a session, but nothing scored in it
        stopped = sum(1 for o in exc.outcomes if o.status is OutcomeStatus.CANCELLED)
        done = [o.datapoint_id for o in exc.outcomes if o.recorded and o.status is not OutcomeStatus.CANCELLED]
        trials = any(o.trial for o in exc.outcomes)  # an outcome per trial then: trials are not datapoints
        recorded = f" {len(done)} of {len(exc.outcomes)} {'trials' if trials else 'datapoint(s)'} were recorded"
        recorded += f" ({stopped} more cancelled while their function or evaluators ran);" if stopped else ";"
        if trials:
            datapoints, whole = Counter(o.datapoint_id for o in exc.outcomes), Counter(done)
            complete = sum(1 for d, n in whole.items() if n == datapoints[d])
            has = "has" if complete == 1 else "have"
            recorded += f" {complete} of the {len(datapoints)} datapoints {has} every trial recorded;"
    status = (
        "it is marked cancelled in HoneyHive"
        if exc.marked
        else "it could not be marked cancelled in HoneyHive (the backend did not take the update), so"
        " HoneyHive may still show it as running"
    )
    return f"The run was cancelled while {exc.phase} ({exc.run_id}):{recorded} {status}; what was recorded is kept."


def _describe(exc: ExperimentError) -> str:
    """What the report says went wrong."""
    if isinstance(exc, ExperimentCancelled):
        return cancellation_text(exc)
    if isinstance(exc, HoneyHiveError):
        return f"HoneyHive: {exc}"
    return str(exc)


def failure(
    exc: ExperimentError, *, cancelled: bool, warnings: Sequence[str] = ()
) -> tuple[Decision, str, tuple[str, ...]]:
    """The judgement of an invocation that could not evaluate the experiment: an ``error`` decision naming each
    problem (a config error may have several) with ``warnings`` (what a run recorded before the error said of its
    evaluators), what went wrong (every problem, a line each), and the report's notes."""
    notes = ("The run was cancelled.",) if cancelled else ()
    problems = tuple(_describe(issue) for issue in exc.issues)
    return Decision(Verdict.ERROR, problems, warnings=tuple(warnings)), "\n".join(problems), notes


def judgement_without_run(
    settings: Settings, config: ExperimentConfig | None, decision: Decision, *, now: datetime
) -> Judgement:
    """What every judgement says of its invocation: the experiment (the config file's path when it could not be
    read), the config's metrics and comment, the commit and pull request, when and by which version."""
    return Judgement(
        experiment=config.name if config is not None else str(settings.config),
        decision=decision,
        metrics=config.metrics if config is not None else {},
        comment=config.comment if config is not None else CommentConfig(),
        passing_ranges=config.passing_ranges if config is not None else {},
        gates=config.gate if config is not None else {},
        comparisons_off=config is not None and config.baseline.strategy is BaselineStrategy.NONE,
        head_sha=settings.ci.sha,
        pr_number=settings.ci.pr_number,
        dry_run=settings.dry_run,
        dirty=bool(settings.ci.dirty),
        generated_at=now,
        tool_version=__version__,
    )

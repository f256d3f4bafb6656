"""The CI flow as a short function of already-built parts.

    dataset → user code → evaluate (one HoneyHive run) → baseline → backend comparison → verdict

Everything is handed in — the config, the HoneyHive client, the CI context, the clock — so tests run
this flow against the local backend, and the CLI (the composition root) only wires real parts.
Rendering and publishing the result is :mod:`honeyhive_experiment.delivery`'s job; this returns what it needs.
The last section maps an invocation's mode (``all``, ``run``, ``report``, ``publish``) to these functions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from honeyhive_experiment.baseline import Baseline, choose_baseline, recent_runs
from honeyhive_experiment.cancellation import Interrupted, enter, phase_of
from honeyhive_experiment.client import HoneyHiveClient, poll
from honeyhive_experiment.config import ExperimentConfig, config_error_at, config_hash
from honeyhive_experiment.dataset_identity import DatasetIdentity, file_identity
from honeyhive_experiment.datasets import DatasetFile, load_dataset_file
from honeyhive_experiment.errors import ExperimentCancelled, NotFoundError, ReportError, ShardsMissing
from honeyhive_experiment.experiment import (
    ExperimentResult,
    PreparedDataset,
    complete_run,
    evaluate,
    external_dataset,
    managed_dataset,
    run_slice,
)
from honeyhive_experiment.models import ExperimentResultSummary, ExperimentRun, MetricKey, RunComparisonResult
from honeyhive_experiment.models.outcomes import DatapointOutcome, OutcomeStatus, Progress
from honeyhive_experiment.paths import inside
from honeyhive_experiment.report import TrendPoint, load_report
from honeyhive_experiment.results import compare_runs, get_run_result, wait_for_run_result
from honeyhive_experiment.runner import session_id_for
from honeyhive_experiment.settings import Mode, Settings
from honeyhive_experiment.sharding import ShardSpec, missing_message, select, shared_run_id
from honeyhive_experiment.significance import Assessment
from honeyhive_experiment.user_code import load_user_code, repository_on_path
from honeyhive_experiment.verdict import Decision, Verdict, assess_comparison, decide, evaluator_errors

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CiContext:
    """Where the run comes from; stamped on the run as ``metadata.ci`` so baselines can be found."""

    repository: str | None = None
    branch: str | None = None
    sha: str | None = None
    base_sha: str | None = None
    base_ref: str | None = None
    merge_base_sha: str | None = None
    pr_number: int | None = None
    event: str | None = None
    workflow_run_url: str | None = None
    dirty: bool | None = None  # a local run: made with uncommitted changes (None: not checked, as in Actions)
    diff_sha256: str | None = None  # a digest of those changes
    merge_base_ref: str | None = None  # the branch merge_base_sha was taken with (shown with the baseline)

    def metadata(self, config_digest: str) -> dict[str, Any]:
        stamped = {
            "repository": self.repository,
            "branch": self.branch,
            "sha": self.sha,
            "base_sha": self.base_sha,
            "merge_base_sha": self.merge_base_sha,
            "pr_number": self.pr_number,
            "event": self.event,
            "workflow_run_url": self.workflow_run_url,
            "config_hash": config_digest,
            "dirty": self.dirty,
            "diff_sha256": self.diff_sha256,
        }
        return {k: v for k, v in stamped.items() if v is not None}


@dataclass(frozen=True, slots=True)
class FlowResult:
    result: ExperimentResult
    dataset: PreparedDataset
    baseline: Baseline | None
    baseline_result: ExperimentResultSummary | None
    comparison: RunComparisonResult | None
    decision: Decision
    notes: tuple[str, ...] = field(default_factory=tuple)
    trend: tuple[TrendPoint, ...] = field(default_factory=tuple)
    assessment: Mapping[MetricKey | str, Assessment] = field(default_factory=dict)
    """Each compared metric's change told apart from noise (and the pass/fail flips): see verdict.py."""

    @property
    def inputs_by_datapoint(self) -> dict[str, Mapping[str, Any]]:
        return {dp.id: dp.inputs for dp in self.dataset.datapoints}


def check_paths(config: ExperimentConfig, config_path: str, root: Path) -> None:
    """The config's file paths (``dataset.path``, ``comment.template``) must stay inside the working directory,
    symlinks followed; raises ConfigError naming the key otherwise."""
    for key, value in (("dataset", config.dataset.path), ("comment", config.comment.template)):
        if value is not None and inside(root, value) is None:
            field = "path" if key == "dataset" else "template"
            message = f"{value} leads outside the working directory ({root}); keep it inside the repository"
            raise config_error_at(config_path, (key, field), message)


def prepare_dataset(
    config: ExperimentConfig, config_path: str, root: Path, client: HoneyHiveClient, repository: str | None = None
) -> PreparedDataset:
    """The config's dataset: a repository file becomes an EXT- dataset (its id from ``repository`` and the path,
    see dataset_identity.py), a managed one is fetched."""
    ref = config.dataset.to_ref(root)
    if isinstance(ref, DatasetFile):
        if not ref.path.is_file():
            raise config_error_at(config_path, ("dataset", "path"), f"dataset file {config.dataset.path} not found")
        records = load_dataset_file(ref.path)
        config_file, base = Path(config_path).resolve(), root.resolve()
        where = config_file.relative_to(base).as_posix() if config_file.is_relative_to(base) else None
        identity = file_identity(config.dataset, records, config_file=where, repository=repository)
        return external_dataset(records, identity=identity)
    return managed_dataset(client, dataset_id=ref.id, name=ref.name)


def run_experiment(
    config: ExperimentConfig,
    *,
    config_path: str,
    root: Path,
    client: HoneyHiveClient,
    ci: CiContext,
    now: datetime,
    baseline_run_id: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    require_passing_baseline: bool = True,
) -> FlowResult:
    """Run the experiment as one HoneyHive run, then ask the backend for its result and comparison."""
    enter(cancel, "preparing the run")
    dataset = prepare_dataset(config, config_path, root, client, ci.repository)
    code = load_user_code(config, config_path, root)
    metadata = _run_metadata(config, ci, dataset)
    with repository_on_path(root):  # the user's function may import its siblings lazily
        result = evaluate(
            code.function,
            dataset,
            client=client,
            evaluators=code.evaluators,
            name=config.name,
            max_workers=config.max_workers,
            timeout=config.timeout,
            passing_ranges=config.wire_passing_ranges(),
            metadata=metadata,
            aggregate_function=config.aggregate_function.value,
            ingestion_timeout=config.ingestion.timeout,
            progress=progress,
            cancel=cancel,
        )

    try:
        return judge(
            client,
            config,
            result=result,
            dataset=dataset,
            ci=ci,
            now=now,
            baseline_run_id=baseline_run_id,
            require_passing_baseline=require_passing_baseline,
            cancel=cancel,
        )
    except Interrupted as interrupt:  # the run is complete in HoneyHive: nothing to mark, no verdict either
        raise ExperimentCancelled(result.run_id, result.outcomes, marked=None, phase=phase_of(cancel)) from interrupt


def judge(
    client: HoneyHiveClient,
    config: ExperimentConfig,
    *,
    result: ExperimentResult,
    dataset: PreparedDataset,
    ci: CiContext,
    now: datetime,
    baseline_run_id: str | None = None,
    require_passing_baseline: bool = True,
    cancel: threading.Event | None = None,
) -> FlowResult:
    """Baseline → the backend's comparison → verdict, for a run the backend has summarised."""
    enter(cancel, "choosing the baseline")
    identity = dataset.identity or dataset.dataset_id
    baseline = find_baseline(
        client,
        config,
        identity,
        ci,
        now=now,
        explicit=baseline_run_id,
        require_passing=require_passing_baseline,
        exclude=(result.run_id,),
    )
    comparison = baseline_result = None
    if baseline is not None:
        enter(cancel, "comparing with the baseline")
        aggregate = config.aggregate_function.value
        baseline_result = get_run_result(client, baseline.run.run_id, aggregate)
        comparison = compare_runs(
            client,
            result.run_id,
            baseline.run.run_id,
            aggregate,
            new_result=result.summary,
            old_result=baseline_result,
        )
    assessment: dict[MetricKey | str, Assessment] = {}
    if comparison is not None:
        assessment = assess_comparison(
            comparison,
            config.metrics,
            alpha=config.verdict.alpha,
            old_result=baseline_result,
            new_result=result.summary,
        )
    decision = decide(
        result.summary,
        comparison,
        gates=config.gate,
        presentation=config.metrics,
        ranged=config.passing_ranges,
        errors=evaluator_errors(result.outcomes),
        policy=config.verdict,
        assessment=assessment,
        unrecorded=[o.error or "backend error" for o in result.outcomes if o.status is OutcomeStatus.BACKEND_ERROR],
    )
    enter(cancel, "reading the key metrics' trend")
    trend = key_metric_trend(client, config, identity, ci.base_ref, exclude=(result.run_id,))
    return FlowResult(result, dataset, baseline, baseline_result, comparison, decision, (), trend, assessment)


def find_baseline(
    client: HoneyHiveClient,
    config: ExperimentConfig,
    dataset_id: str | DatasetIdentity | None,
    ci: CiContext,
    *,
    now: datetime,
    explicit: str | None,
    require_passing: bool,
    exclude: tuple[str, ...] = (),
) -> Baseline | None:
    """The baseline of a run made in ``ci`` (the rules: :mod:`honeyhive_experiment.baseline`)."""
    return choose_baseline(
        client,
        experiment=config.name,
        dataset_id=dataset_id,
        policy=config.baseline,
        explicit_run_id=explicit,
        merge_base_sha=ci.merge_base_sha,
        base_branch=ci.base_ref,
        exclude_run_ids=exclude,
        now=now,
        require_passing=require_passing,
        head_sha=ci.sha,
        dirty=bool(ci.dirty),
        merge_base_ref=ci.merge_base_ref or ci.base_ref,
    )


TREND_RUNS = 5


def key_metric_trend(
    client: HoneyHiveClient,
    config: ExperimentConfig,
    dataset_id: str | DatasetIdentity,
    branch: str | None,
    *,
    exclude: tuple[str, ...],
) -> tuple[TrendPoint, ...]:
    """The key metrics (``metrics.<name>.key: true``) of the last few runs on the base branch, oldest
    first, each as that run's backend summary reports it. Nothing is fetched without key metrics."""
    keys = [name for name, shown in config.metrics.items() if shown.key]
    if not keys or not branch:
        return ()
    points = []
    runs = recent_runs(
        client, experiment=config.name, dataset_id=dataset_id, branch=branch, exclude_run_ids=exclude, limit=TREND_RUNS
    )
    for run in reversed(runs):
        summary = get_run_result(client, run.run_id, config.aggregate_function.value)
        values: dict[str, float | None] = {}
        for name in keys:
            try:
                detail = summary.metric(name)
            except ValueError:  # the metric on several events: the trend shows none rather than guess
                detail = None
            values[name] = detail.aggregate if detail is not None else None
        ci = run.metadata.get("ci")
        sha = ci.get("sha") if isinstance(ci, Mapping) else None
        label = sha[:7] if isinstance(sha, str) else (run.created_at or run.run_id)[:10]
        points.append(TrendPoint(label=label, run_id=run.run_id, values=values))
    return tuple(points)


# ----------------------------------------------------------------------------- sharded runs


def _run_metadata(config: ExperimentConfig, ci: CiContext, dataset: PreparedDataset) -> dict[str, Any]:
    stamp = dataset.identity.stamp() if dataset.identity is not None else {}
    return {
        "ci": ci.metadata(config_hash(config)),
        "experiment": config.name,
        "dataset_id": dataset.dataset_id,
        **stamp,
    }


def _configuration(config: ExperimentConfig) -> dict[str, Any]:
    return {
        "function": config.function.split(":")[-1].split(".")[-1],
        "evaluators": [spec.name or spec.path.split(":")[-1] for spec in config.evaluators],
        "max_workers": config.max_workers,
        "aggregate_function": config.aggregate_function.value,
    }


def _recorded_datapoints(client: HoneyHiveClient, run_id: str) -> set[str]:
    """The datapoints whose function span the backend holds for the run (none while the run does not
    exist). A session alone does not count: it is started before the function runs, so a job killed
    mid-datapoint leaves one behind that a re-run must still score."""
    try:
        return client.scored_datapoints(run_id)
    except NotFoundError:
        return set()


@dataclass(frozen=True, slots=True)
class ShardResult:
    run_id: str
    shard: ShardSpec | None
    selected: int  # datapoints of this shard
    already_recorded: int  # skipped because an earlier attempt recorded them
    outcomes: tuple[DatapointOutcome, ...]


def run_shard(
    config: ExperimentConfig,
    *,
    config_path: str,
    root: Path,
    client: HoneyHiveClient,
    run_id: str,
    shard: ShardSpec | None,
    ci: CiContext,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> ShardResult:
    """Run this shard's datapoints into the shared run and leave it ``running`` for the report job.

    Datapoints an earlier attempt already recorded are skipped, so re-running a failed shard job adds
    only what is missing and never a second session or a second scored span for a datapoint.
    """
    dataset = prepare_dataset(config, config_path, root, client, ci.repository)
    code = load_user_code(config, config_path, root)
    mine = list(dataset.datapoints)
    if shard is not None:
        mine = select(mine, [dp.id for dp in mine], shard)
    recorded = _recorded_datapoints(client, run_id)
    todo = [dp for dp in mine if dp.id not in recorded]
    with repository_on_path(root):
        outcomes = run_slice(
            code.function,
            dataset,
            todo,
            client=client,
            run_id=run_id,
            name=config.name,
            evaluators=code.evaluators,
            max_workers=config.max_workers,
            timeout=config.timeout,
            passing_ranges=config.wire_passing_ranges(),
            metadata=_run_metadata(config, ci, dataset),
            progress=progress,
            cancel=cancel,
        )
    return ShardResult(run_id, shard, len(mine), len(mine) - len(todo), tuple(outcomes))


def report_shared_run(
    config: ExperimentConfig,
    *,
    config_path: str,
    root: Path,
    client: HoneyHiveClient,
    run_id: str,
    ci: CiContext,
    now: datetime,
    shard_count: int | None = None,
    baseline_run_id: str | None = None,
    first_poll: float = 0.25,
    poll_interval: float = 2.0,
) -> FlowResult:
    """Wait (bounded by ``ingestion.timeout``) until the backend holds every datapoint of the dataset, mark
    the run completed with every session id, then judge it like a single-job run.

    The backend is asked again after ``first_poll`` seconds, then twice as long each time up to
    ``poll_interval``: the report job starts when the last shard job ends, so what is missing is usually
    its last spans, still being ingested, and a fixed interval would add up to that much to the wait.

    Raises :class:`ShardsMissing` naming the shards (with ``shard_count``) and how many datapoints each
    still owes when the wait runs out.
    """
    dataset = prepare_dataset(config, config_path, root, client, ci.repository)
    wanted = dataset.datapoint_ids
    missing = wanted

    def all_recorded() -> bool | None:
        nonlocal missing
        recorded = _recorded_datapoints(client, run_id)
        missing = [i for i in wanted if i not in recorded]
        return True if not missing else None

    timeout = config.ingestion.timeout
    if not poll(all_recorded, timeout=timeout, initial=min(first_poll, poll_interval), maximum=poll_interval):
        raise ShardsMissing(missing_message(run_id, missing, wanted, shard_count, timeout))
    complete_run(
        client,
        run_id,
        config.name,
        dataset,
        session_ids=[session_id_for(run_id, i) for i in wanted],
        metadata=_run_metadata(config, ci, dataset),
        configuration=_configuration(config),
        passing_ranges=config.wire_passing_ranges(),
    )
    summary = wait_for_run_result(
        client,
        run_id,
        len(wanted),
        timeout=config.ingestion.timeout,
        aggregate_function=config.aggregate_function.value,
    )
    result = ExperimentResult(run_id, config.name, dataset.dataset_id, summary)
    return judge(client, config, result=result, dataset=dataset, ci=ci, now=now, baseline_run_id=baseline_run_id)


@dataclass(frozen=True, slots=True)
class PublishedRun:
    """What ``mode: publish`` takes from an earlier job's ``report.json``: which runs, which pull request."""

    run_id: str
    baseline_run_id: str | None
    pr_number: int
    head_sha: str


def published_run(path: Path, *, pr_numbers: Collection[int], head_sha: str | None) -> PublishedRun:
    """The runs and pull request of the ``report.json`` at ``path``, once it is valid and belongs to the workflow
    run that triggered this one (``pr_numbers`` and ``head_sha`` are that run's, from the event payload).

    Raises :class:`~honeyhive_experiment.errors.ReportError` naming the file otherwise: a report made for
    another pull request or commit must never be posted there.
    """
    report = load_report(path)
    run, where = report.run, str(path)
    if not run.id or run.pr_number is None or not run.head_sha:
        raise ReportError("refusing to publish: it names no run, pull request or head commit", file=where)
    if run.pr_number not in pr_numbers:
        raise ReportError(
            f"refusing to publish: report.json is for pull request #{run.pr_number}, but the triggering workflow"
            f" run belongs to {sorted(pr_numbers) or 'no pull request'}",
            file=where,
        )
    if run.head_sha != head_sha:
        raise ReportError(
            f"refusing to publish: report.json is for commit {run.head_sha[:12]}, but the triggering workflow run"
            f" ran {str(head_sha)[:12]}",
            file=where,
        )
    baseline_run_id = report.baseline.run_id if report.baseline is not None else None
    return PublishedRun(run.id, baseline_run_id, run.pr_number, run.head_sha)


def republish(
    config: ExperimentConfig,
    *,
    client: HoneyHiveClient,
    run_id: str,
    ci: CiContext,
    now: datetime,
    baseline_run_id: str | None,
) -> FlowResult:
    """Judge a run an earlier job recorded, from the backend's own result (``mode: publish``).

    The report.json it came with only says which run, baseline and pull request — never the numbers,
    which come from the backend again. Nothing of the pull request's checkout is read: the dataset is
    the run's own (its id from the run object), so the publishing job needs no dataset file.
    """
    run = ExperimentRun.model_validate(client.get_run(run_id))
    dataset_id = run.effective_dataset_id or ""
    identity = DatasetIdentity.of_run(run)
    dataset = PreparedDataset(dataset_id, (), external=dataset_id.startswith("EXT-"), identity=identity)
    summary = get_run_result(client, run_id, config.aggregate_function.value)
    result = ExperimentResult(run_id, run.name or config.name, dataset_id, summary)
    return judge(client, config, result=result, dataset=dataset, ci=ci, now=now, baseline_run_id=baseline_run_id)


# ----------------------------------------------------------------------------- one invocation, by mode

FORK_WITHOUT_SECRETS = Decision(
    Verdict.NEUTRAL,
    (
        "This pull request comes from a fork, and GitHub does not give workflows triggered by forks"
        " access to secrets, so the HoneyHive API key is not available. No experiment was run."
        " A maintainer can run it by pushing the changes to a branch of this repository.",
    ),
)
"""The verdict of a fork's pull request without secrets: explained, not a red X (nothing is posted)."""


def shared_run_id_of(settings: Settings, ci: CiContext, experiment: str) -> str:
    """The run every job of one workflow run records into (``mode: run`` shards and their ``report`` job)."""
    workflow_run = str(settings.run_id) if settings.run_id is not None else "local"
    return shared_run_id(settings.repository or ci.repository or "local", workflow_run, experiment)


def judge_mode(
    settings: Settings,
    config: ExperimentConfig,
    *,
    client: HoneyHiveClient,
    ci: CiContext,
    now: datetime,
    cancel: threading.Event | None = None,
    progress: Callable[[Progress], None] | None = None,
    published: PublishedRun | None = None,
) -> FlowResult:
    """The flow of ``settings.mode``: ``all`` runs and judges the experiment, ``report`` judges the shards'
    shared run, ``publish`` judges the run an earlier job's report.json names (``published``)."""
    check_paths(config, str(settings.config_path), settings.root)
    if settings.mode is Mode.REPORT:
        enter(cancel, "waiting for the shards' run and comparing it")
        return report_shared_run(
            config,
            config_path=str(settings.config_path),
            root=settings.root,
            client=client,
            run_id=shared_run_id_of(settings, ci, config.name),
            ci=ci,
            now=now,
            shard_count=settings.shard.total if settings.shard else None,
            baseline_run_id=settings.baseline_run_id,
        )
    if published is not None:
        enter(cancel, "reading the published run")
        return republish(
            config, client=client, run_id=published.run_id, ci=ci, now=now, baseline_run_id=published.baseline_run_id
        )
    return run_experiment(
        config,
        config_path=str(settings.config_path),
        root=settings.root,
        client=client,
        ci=ci,
        now=now,
        baseline_run_id=settings.baseline_run_id,
        progress=progress,
        cancel=cancel,
        require_passing_baseline=settings.in_actions,  # a local dry run compares with the previous run, whatever it was
    )


def record_shard(
    settings: Settings,
    config: ExperimentConfig,
    *,
    client: HoneyHiveClient,
    ci: CiContext,
    cancel: threading.Event | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ShardResult:
    """``mode: run``: record this shard (or the whole dataset) into the shared run; the report job judges it."""
    check_paths(config, str(settings.config_path), settings.root)
    shard = ShardSpec(settings.shard.index, settings.shard.total) if settings.shard else None
    return run_shard(
        config,
        config_path=str(settings.config_path),
        root=settings.root,
        client=client,
        run_id=shared_run_id_of(settings, ci, config.name),
        shard=shard,
        ci=ci,
        progress=progress,
        cancel=cancel,
    )

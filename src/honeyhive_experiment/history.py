"""An experiment's history, as the backend records it: the ``runs`` command's rows and the key metrics' trend.

``python -m honeyhive_experiment runs`` lists an experiment's recent runs.
Each row is one run of the experiment file (the experiment's exact name, and the file as the baseline rules
tell it), newest first: its id, the commit and branch stamped in
``metadata.ci``, whether it was made with uncommitted changes, its status, the verdict of the action's check
(stamped in ``metadata.check``) and — for a completed run — the backend's own result and passed/failed
datapoint counts (``success``, ``passed``, ``failed``), never recomputed
here. The baseline a run would be compared with is marked when the caller
chose one (:func:`~honeyhive_experiment.baseline.choose_baseline`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from honeyhive_experiment.baseline import (
    PENDING,
    Baseline,
    BaselineQuery,
    check_verdict,
    is_dirty,
    pick_recent,
    same_origin,
    stamp_of,
)
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import ExperimentConfig
from honeyhive_experiment.errors import ApiError, NotFoundError
from honeyhive_experiment.judgement import TrendPoint
from honeyhive_experiment.models import ExperimentResultSummary, ExperimentRun, ExperimentRunStatus
from honeyhive_experiment.report.build import DIRTY_LABEL
from honeyhive_experiment.report.markdown import plain
from honeyhive_experiment.report.numbers import humanize_age

__all__ = ["TREND_RUNS", "RunRow", "key_metric_trend", "metric_aggregate", "recent_run_rows", "runs_json", "runs_table"]


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: str
    commit: str | None
    branch: str | None
    dirty: bool
    status: str | None
    verdict: str | None  # pass | fail, from the backend's result (None: no result, e.g. still running)
    check: str | None  # pass | fail | neutral | error: the action's check, stamped on the run (None: not stamped);
    # pending: this tool recorded the run, and its check has not recorded a verdict (still running, or it was lost);
    # cancelled: a pending check whose run the backend has as cancelled (a signal stopped it: no verdict will come)
    passed: int | None
    failed: int | None
    created_at: str | None
    baseline: bool = False  # the run the baseline rules (or --baseline) pick
    url: str | None = None  # its page in the HoneyHive app (Settings.run_link; none for the embedded backend's)


def _row(client: HoneyHiveClient, run: ExperimentRun, baseline_id: str | None) -> RunRow:
    check = check_verdict(run)
    verdict = passed = failed = None
    if run.status == "completed":
        with contextlib.suppress(NotFoundError):  # the backend has no summary of it
            summary = client.get_run_summary(run.run_id)
            verdict = "pass" if summary.success else "fail"
            passed, failed = len(summary.passed), len(summary.failed)
    return RunRow(
        run_id=run.run_id,
        commit=stamp_of(run, "sha"),
        branch=stamp_of(run, "branch"),
        dirty=is_dirty(run),
        status=str(run.status) if run.status is not None else None,
        verdict=verdict,
        check="cancelled" if check == PENDING and run.status == ExperimentRunStatus.CANCELLED else check,
        passed=passed,
        failed=failed,
        created_at=run.created_at,
        baseline=run.run_id == baseline_id,
    )


def recent_run_rows(
    client: HoneyHiveClient,
    experiment: str,
    *,
    limit: int,
    config_file: str,
    repository: str | None,
    variant: str = "",
    baseline: Baseline | None = None,
) -> list[RunRow]:
    """The latest ``limit`` runs of ``experiment`` (any status) made from the experiment file ``config_file`` as
    ``variant`` in ``repository``, as baselines are (:func:`~honeyhive_experiment.baseline.same_origin`: an unstamped
    run is the default file's), newest first, with the backend's results."""
    baseline_id = baseline.run.run_id if baseline is not None else None
    runs = (ExperimentRun.model_validate(raw) for raw in client.iter_runs(name=experiment))  # newest first: the default
    ours = (  # the server's name filter is a substring; another file of that name has its own runs
        run for run in runs if run.name == experiment and same_origin(run, config_file, repository, variant)
    )
    return [_row(client, run, baseline_id) for run in itertools.islice(ours, limit)]


def _age(created_at: str | None, now: datetime) -> str:
    if not created_at:
        return "—"
    try:
        moment = datetime.fromisoformat(created_at)
    except ValueError:
        return created_at
    return humanize_age(moment, now)


def runs_table(rows: Sequence[RunRow], *, now: datetime) -> str:
    """The rows as an aligned text table; the baseline's row starts with ``*``. Every cell is :func:`plain`: whoever
    can record a run in the project wrote its branch, commit and check (an escape sequence would clear or retitle
    the terminal, a line break fake a row)."""
    header = ("", "run id", "commit", "branch", "check", "backend", "passed", "failed", "age")
    lines: list[tuple[str, ...]] = [header]
    for row in rows:
        commit = plain(row.commit)[:7] if row.commit else "—"
        if row.dirty:
            commit += f" + {DIRTY_LABEL}"
        verdict = row.verdict or (row.status or "—")
        lines.append(
            (
                "*" if row.baseline else "",
                plain(row.run_id),
                commit,
                plain(row.branch or "—"),
                plain(row.check or "—"),
                plain(verdict),
                "—" if row.passed is None else str(row.passed),
                "—" if row.failed is None else str(row.failed),
                plain(_age(row.created_at, now)),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def runs_json(rows: Sequence[RunRow]) -> str:
    """The rows as a JSON array of objects (the fields of :class:`RunRow`)."""
    return json.dumps([asdict(row) for row in rows], indent=2)


TREND_RUNS = 5


def key_metric_trend(
    client: HoneyHiveClient, config: ExperimentConfig, query: BaselineQuery, *, runs: Iterable[ExperimentRun]
) -> tuple[tuple[TrendPoint, ...], tuple[str, ...]]:
    """The key metrics (``metrics.<name>.key: true``) of the last few of ``runs`` (the experiment's completed runs,
    newest first) of ``query``'s experiment file and dataset (:func:`~honeyhive_experiment.baseline.pick_recent`) on its
    base branch, oldest first, each as that run's backend summary reports it, and a note for each run whose summary the
    backend refused (deleted since it was listed, say): that run is left out, as the trend is only context. Nothing is
    fetched without key metrics."""
    keys = [name for name, shown in config.metrics.items() if shown.key]
    if not keys or not query.base_branch:
        return (), ()
    points, notes = [], []
    for run in reversed(pick_recent(runs, query, limit=TREND_RUNS)):
        try:
            summary = client.get_run_summary(run.run_id, config.aggregate_function.value)
        except ApiError as exc:
            notes.append(f"trend: run {run.run_id} could not be read (HTTP {exc.status}), left out")
            continue
        values = {name: metric_aggregate(summary, name) for name in keys}
        sha = stamp_of(run, "sha")
        label = sha[:7] if sha is not None else (run.created_at or run.run_id)[:10]
        points.append(TrendPoint(label=label, run_id=run.run_id, values=values))
    return tuple(points), tuple(notes)


def metric_aggregate(summary: ExperimentResultSummary, name: str) -> float | None:
    """The backend's aggregate of metric ``name`` (``None``: absent, or on several events, where nothing is shown
    rather than a guess)."""
    try:
        detail = summary.metric(name)
    except ValueError:
        return None
    return detail.aggregate if detail is not None else None

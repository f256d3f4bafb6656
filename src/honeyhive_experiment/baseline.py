"""Choosing the baseline run a PR's run is compared with.

In order (product.md, the ``baseline`` config):

1. an explicit ``baseline-run-id`` (input or config) — used as is;
2. ``merge-base``: the completed run of the same experiment and dataset at the PR's merge-base commit;
3. ``branch``: the latest completed run of the same experiment and dataset on the base branch that the
   backend reports as passing.

``auto`` (the default) tries 2 then 3; ``none`` never compares. Runs are found by paging
``GET /v1/runs`` (``name`` is a substring filter on the server, so the exact name is matched here) and
matched on the ``metadata.ci`` this tool stamps on every run. Whether a run passed is asked of the
backend (its result's ``success``), never inferred.

The choice itself is pure (:func:`pick_baseline`, :func:`pick_recent`: runs in, a run out); the functions
that take the client (:func:`choose_baseline`, :func:`recent_runs`) only fetch and hand the runs over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import BaselineConfig, BaselineStrategy
from honeyhive_experiment.dataset_identity import DatasetIdentity, same_dataset
from honeyhive_experiment.errors import BaselineError, NotFoundError
from honeyhive_experiment.models import ExperimentRun

log = logging.getLogger(__name__)

MAX_RESULT_CHECKS = 10  # candidates on the base branch whose result is fetched before giving up


@dataclass(frozen=True, slots=True)
class Baseline:
    run: ExperimentRun
    reason: str  # "explicit" | "merge-base" | "branch"

    @property
    def ci(self) -> Mapping[str, Any]:
        return _ci(self.run)

    @property
    def commit_sha(self) -> str | None:
        sha = self.ci.get("sha")
        return sha if isinstance(sha, str) else None

    @property
    def created_at(self) -> datetime | None:
        return _created(self.run)

    @property
    def branch(self) -> str | None:
        branch = self.ci.get("branch")
        return branch if isinstance(branch, str) else None


def _ci(run: ExperimentRun) -> Mapping[str, Any]:
    """The ``metadata.ci`` this tool stamps on its runs (empty when the run has none)."""
    ci = run.metadata.get("ci")
    return ci if isinstance(ci, Mapping) else {}


def _created(run: ExperimentRun) -> datetime | None:
    """When the backend created the run; a timestamp without a zone is taken as UTC (as the report does)."""
    if not run.created_at:
        return None
    try:
        created = datetime.fromisoformat(run.created_at)
    except ValueError:
        return None
    return created if created.tzinfo is not None else created.replace(tzinfo=UTC)


def _candidates(
    runs: Iterable[ExperimentRun],
    name: str,
    dataset_id: str | DatasetIdentity | None,
    exclude: Collection[str],
    oldest: datetime | None,
) -> Iterator[ExperimentRun]:
    """The runs of this experiment and dataset (dataset_identity.py: also those recorded under an older id of a
    repository file) among ``runs`` (newest first), down to ``oldest``."""
    for run in runs:
        if run.name != name or run.run_id in exclude:
            continue
        if not same_dataset(run, dataset_id):
            continue
        created = _created(run)
        if oldest is not None and created is not None and created < oldest:
            return  # newest first: everything after is older still
        yield run


def _completed_runs(client: HoneyHiveClient, name: str) -> Iterator[ExperimentRun]:
    """The completed runs whose name contains ``name`` (the server's filter), newest first, fetched as read."""
    for raw in client.iter_runs(name=name, status="completed", sort_by="created_at", sort_order="desc"):
        yield ExperimentRun.model_validate(raw)


def _reports_success(client: HoneyHiveClient, run_id: str) -> bool:
    """Whether the backend's result for the run says ``success`` (a run without a result did not pass)."""
    try:
        return client.get_run_summary(run_id).success
    except NotFoundError:
        return False


def pick_recent(
    runs: Iterable[ExperimentRun],
    *,
    experiment: str,
    dataset_id: str | DatasetIdentity | None,
    branch: str | None,
    exclude_run_ids: Collection[str],
    limit: int,
) -> list[ExperimentRun]:
    """The first ``limit`` runs of ``runs`` (completed, newest first) of this experiment and dataset on
    ``branch`` (any branch when ``None``)."""
    found: list[ExperimentRun] = []
    for run in _candidates(runs, experiment, dataset_id, exclude_run_ids, None):
        if branch is None or _ci(run).get("branch") == branch:
            found.append(run)
            if len(found) >= limit:
                break
    return found


def recent_runs(
    client: HoneyHiveClient,
    *,
    experiment: str,
    dataset_id: str | DatasetIdentity | None,
    branch: str | None,
    exclude_run_ids: tuple[str, ...] = (),
    limit: int = 5,
) -> list[ExperimentRun]:
    """The latest completed runs of this experiment and dataset on ``branch``, newest first (for trends)."""
    return pick_recent(
        _completed_runs(client, experiment),
        experiment=experiment,
        dataset_id=dataset_id,
        branch=branch,
        exclude_run_ids=set(exclude_run_ids),
        limit=limit,
    )


def pick_baseline(
    runs: Iterable[ExperimentRun],
    *,
    experiment: str,
    dataset_id: str | DatasetIdentity | None,
    policy: BaselineConfig,
    passed: Callable[[str], bool],
    merge_base_sha: str | None,
    base_branch: str | None,
    exclude_run_ids: Collection[str],
    now: datetime,
    require_passing: bool,
) -> Baseline | None:
    """The baseline among ``runs`` (the completed runs whose name contains ``experiment``, newest first, read
    lazily: nothing after the choice is read), by ``policy.strategy``; ``policy.run_id`` is not looked at
    (:func:`choose_baseline` uses it as is).

    ``passed(run_id)`` tells whether the backend reports a run as passing; it is asked only of branch
    candidates, at most :data:`MAX_RESULT_CHECKS` of them, and not at all when ``require_passing`` is false.
    """
    if policy.strategy is BaselineStrategy.NONE:
        return None
    oldest = now - timedelta(days=policy.max_age_days) if policy.max_age_days else None
    use_merge_base = policy.strategy in (BaselineStrategy.AUTO, BaselineStrategy.MERGE_BASE)
    use_branch = policy.strategy in (BaselineStrategy.AUTO, BaselineStrategy.BRANCH)
    branch = policy.branch or base_branch

    checked = 0
    branch_match: Baseline | None = None
    for run in _candidates(runs, experiment, dataset_id, exclude_run_ids, oldest):
        ci = _ci(run)
        if use_merge_base and merge_base_sha and ci.get("sha") == merge_base_sha:
            return Baseline(run, "merge-base")
        if (
            use_branch
            and branch
            and branch_match is None
            and ci.get("branch") == branch
            and checked < MAX_RESULT_CHECKS
        ):
            checked += 1
            if not require_passing or passed(run.run_id):
                branch_match = Baseline(run, "branch")
                if not (use_merge_base and merge_base_sha):
                    return branch_match
    return branch_match


def choose_baseline(
    client: HoneyHiveClient,
    *,
    experiment: str,
    dataset_id: str | DatasetIdentity | None,
    policy: BaselineConfig,
    explicit_run_id: str | None = None,
    merge_base_sha: str | None = None,
    base_branch: str | None = None,
    exclude_run_ids: tuple[str, ...] = (),
    now: datetime,
    require_passing: bool = True,
) -> Baseline | None:
    """The baseline to compare with, or None when there is none (the verdict is then neutral).

    ``require_passing=False`` (local dry runs) takes the latest completed run on the branch whether or
    not it passed, so successive local runs compare with each other.
    """
    explicit = explicit_run_id or policy.run_id
    if explicit:
        try:
            return Baseline(ExperimentRun.model_validate(client.get_run(explicit)), "explicit")
        except NotFoundError:
            raise BaselineError(f"baseline run {explicit} does not exist in this HoneyHive project") from None
    return pick_baseline(
        _completed_runs(client, experiment),
        experiment=experiment,
        dataset_id=dataset_id,
        policy=policy,
        passed=lambda run_id: _reports_success(client, run_id),
        merge_base_sha=merge_base_sha,
        base_branch=base_branch,
        exclude_run_ids=set(exclude_run_ids),
        now=now,
        require_passing=require_passing,
    )

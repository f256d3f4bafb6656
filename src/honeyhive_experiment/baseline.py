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
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import BaselineConfig, BaselineStrategy
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
        ci = self.run.metadata.get("ci")
        return ci if isinstance(ci, Mapping) else {}

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


def _created(run: ExperimentRun) -> datetime | None:
    if not run.created_at:
        return None
    try:
        return datetime.fromisoformat(run.created_at.replace("Z", "+00:00"))
    except ValueError:
        return None


def _candidates(
    client: HoneyHiveClient, name: str, dataset_id: str | None, exclude: set[str], oldest: datetime | None
) -> Iterator[ExperimentRun]:
    """Completed runs of this experiment and dataset, newest first."""
    for raw in client.iter_runs(name=name, status="completed", sort_by="created_at", sort_order="desc"):
        run = ExperimentRun.model_validate(raw)
        if run.name != name or run.run_id in exclude:
            continue
        if dataset_id is not None and run.effective_dataset_id != dataset_id:
            continue
        created = _created(run)
        if oldest is not None and created is not None and created < oldest:
            return  # newest first: everything after is older still
        yield run


def recent_runs(
    client: HoneyHiveClient,
    *,
    experiment: str,
    dataset_id: str | None,
    branch: str | None,
    exclude_run_ids: tuple[str, ...] = (),
    limit: int = 5,
) -> list[ExperimentRun]:
    """The latest completed runs of this experiment and dataset on ``branch``, newest first (for trends)."""
    found: list[ExperimentRun] = []
    for run in _candidates(client, experiment, dataset_id, set(exclude_run_ids), None):
        ci = run.metadata.get("ci")
        if branch is None or (isinstance(ci, Mapping) and ci.get("branch") == branch):
            found.append(run)
            if len(found) >= limit:
                break
    return found


def choose_baseline(
    client: HoneyHiveClient,
    *,
    experiment: str,
    dataset_id: str | None,
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
    if policy.strategy is BaselineStrategy.NONE:
        return None
    oldest = now - timedelta(days=policy.max_age_days) if policy.max_age_days else None
    exclude = set(exclude_run_ids)
    use_merge_base = policy.strategy in (BaselineStrategy.AUTO, BaselineStrategy.MERGE_BASE)
    use_branch = policy.strategy in (BaselineStrategy.AUTO, BaselineStrategy.BRANCH)
    branch = policy.branch or base_branch

    checked = 0
    branch_match: Baseline | None = None
    for run in _candidates(client, experiment, dataset_id, exclude, oldest):
        ci = run.metadata.get("ci") if isinstance(run.metadata.get("ci"), Mapping) else {}
        assert isinstance(ci, Mapping)
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
            try:
                passed = not require_passing or client.get_run_summary(run.run_id).success
            except NotFoundError:
                passed = False
            if passed:
                branch_match = Baseline(run, "branch")
                if not (use_merge_base and merge_base_sha):
                    return branch_match
    return branch_match

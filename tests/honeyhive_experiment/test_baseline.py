"""baseline.py as tables: which earlier run a PR's run is compared with.

The choice is pure (``pick_baseline``, ``pick_recent``): each row hands it the backend's listing (completed runs
whose name contains the experiment's, newest first) and which runs the backend reports as passing, and checks,
as literals, the run chosen and why, whose results were asked for (in order), and how far the listing was read.
The functions that take the client only fetch; the tests at the end drive them against ``honeyhive_local`` with
runs created through ``HoneyHiveClient`` (which is why this module is ``integration``).

Every choice is made inside a test, never while the tables are built, so that mutation testing
(``benchmarks/mutation.py``) sees its mutants.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from honeyhive_experiment import baseline
from honeyhive_experiment.baseline import (
    PAGE,
    PAGES,
    Baseline,
    BaselineQuery,
    RunListing,
    _reports_success,
    check_passed,
    check_verdict,
    choose_baseline,
    completed_runs,
    origin,
    other_files,
    passed_over_note,
    pick_baseline,
    pick_named,
    pick_recent,
    too_old_note,
    unfinished,
    unread_note,
)
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import BaselineConfig, BaselineStrategy
from honeyhive_experiment.dataset_identity import DatasetIdentity
from honeyhive_experiment.errors import BaselineError
from honeyhive_experiment.experiment import evaluate
from honeyhive_experiment.models import ExperimentRun
from honeyhive_experiment.operations import MAX_ANCESTRY_CHECKS
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
NAME = "answer-quality"
DATASET = "EXT-5f1c0a9e2b7d4c3a8e6f1b2d"
MANAGED = "66f0a1b2c3d4e5f601234567"
MB = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"  # the PR's merge-base commit
HEAD = "c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe"  # the commit of the run being judged
FILE_PATH = ".honeyhive/experiment.yml"  # the default experiment file: a run stamped without one is its
OTHER_FILE = ".honeyhive/strict.yml"  # another experiment file declaring the same name
REPOSITORY = "acme/bot"
FROM_AGE = "from age"  # run()'s default created_at: NOW - age


def run(
    run_id: str,
    *,
    branch: str | None = "main",
    sha: str | None = None,
    age: timedelta = DAY,
    created_at: str | None = FROM_AGE,
    name: str = NAME,
    dataset: str = DATASET,
    managed: bool = False,
    ci: Any = None,
    dirty: bool = False,
) -> ExperimentRun:
    """A completed run as ``GET /v1/runs`` lists it, stamped with ``metadata.ci`` like this tool's runs
    (``dirty``: made with uncommitted changes)."""
    stamped = {k: v for k, v in (("branch", branch), ("sha", sha)) if v is not None} if ci is None else ci
    if dirty:
        stamped = {**stamped, "dirty": True, "diff_sha256": "d" * 64}
    metadata: dict[str, Any] = {"ci": stamped}
    body: dict[str, Any] = {"run_id": run_id, "name": name, "status": "completed", "metadata": metadata}
    if managed:
        body["dataset_id"] = dataset
    else:
        metadata["offline_dataset_id"] = dataset
    body["created_at"] = (NOW - age).isoformat() if created_at == FROM_AGE else created_at
    return ExperimentRun.model_validate(body)


def on_main(count: int) -> list[ExperimentRun]:
    """``b1`` … ``b<count>``: runs on main, one an hour older than the one before."""
    return [run(f"b{i}", age=timedelta(hours=i)) for i in range(1, count + 1)]


class Listing:
    """The backend's listing, newest first; counts how many runs the choice read from it."""

    def __init__(self, runs: Sequence[ExperimentRun]) -> None:
        self.runs = runs
        self.read = 0

    def __iter__(self) -> Iterator[ExperimentRun]:
        for item in self.runs:
            self.read += 1
            yield item


AUTO = BaselineConfig()
MERGE_BASE = BaselineConfig(strategy=BaselineStrategy.MERGE_BASE)
BRANCH = BaselineConfig(strategy=BaselineStrategy.BRANCH)
NONE = BaselineConfig(strategy=BaselineStrategy.NONE)
WEEK = BaselineConfig(max_age_days=7)


@dataclass(frozen=True)
class Row:
    rule: str
    runs: list[ExperimentRun]
    chosen: tuple[str, str] | None  # (run id, reason)
    asked: tuple[str, ...]  # the runs whose result was asked for, in order
    read: int  # runs read from the listing
    policy: BaselineConfig = AUTO
    merge_base: str | None = MB
    base_branch: str | None = "main"
    failing: frozenset[str] = field(default_factory=frozenset)
    require_passing: bool = True
    exclude: tuple[str, ...] = ()
    dataset_id: str | DatasetIdentity | None = DATASET
    head: str | None = HEAD  # the commit of the run being judged
    dirty: bool = False  # the run being judged has uncommitted changes
    merge_base_ref: str | None = None  # the branch the merge base was taken with
    ref: str | None = None  # what the chosen baseline says it was found by (merge-base: that branch)
    config_file: str = FILE_PATH  # the experiment file of the run being judged
    repository: str | None = None  # its repository (None: unknown, as for a local run)
    fallback: str | None = None  # a run of base_branch, not the default branch: the default branch
    instead_of: str | None = None  # the chosen baseline is the default branch's, in place of base_branch's
    not_ancestors: frozenset[str] = frozenset()  # commits git says are not the merge base's ancestors (ahead of it)
    unknown: frozenset[str] = frozenset()  # commits git cannot tell of (a shallow clone); any other is an ancestor
    ancestry: tuple[str, ...] | None = None  # the commits whose ancestry was asked, in order (None: not checked)
    ahead: bool = False  # the chosen baseline is ahead of the merge base (Baseline.ahead)
    unknown_ancestry: bool = False  # git could not tell if the chosen baseline is of its history (Baseline.unknown)
    behind: bool = False  # a newer passing run ahead of the merge base was passed over for it (Baseline.behind)
    fork_point: str | None = None  # the commit ancestry is asked against (None: the merge base, else the head)
    variant: str = ""  # the matrix leg of the run being judged (the variant input)
    why: str | None = None  # the chosen baseline's label (Baseline.why), when the row checks it


FILE = DatasetIdentity(DATASET, "data/q.jsonl", ".honeyhive/experiment.yml")  # a repository file's identity
OLD_ID = "EXT-0000000000000000000000aa"


def stamped(recorded: ExperimentRun, **metadata: Any) -> ExperimentRun:
    """``recorded`` with more metadata: a ``dataset`` stamp, or the ``dataset_id`` older versions stamped."""
    return recorded.model_copy(update={"metadata": {**recorded.metadata, **metadata}})


def failing(*run_ids: str) -> frozenset[str]:
    return frozenset(run_ids)


B = [f"b{i}" for i in range(1, 12)]

CASES: list[Row] = [
    # --------------------------------------------------------------------------------------------- strategies
    Row(
        "auto: the run at the merge-base wins over a newer passing run on the branch",
        [run("new", sha="f00"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=("new",),
        read=2,
    ),
    Row(
        "the run at the merge-base names the branch the merge base was taken with",
        [run("mb", sha=MB)],
        ("mb", "merge-base"),
        asked=(),
        read=1,
        merge_base_ref="main",
        ref="main",
    ),
    Row(
        "auto: no run at the merge-base: the latest passing run on the branch (read to the end for the merge-base)",
        on_main(3),
        ("b2", "branch"),
        asked=("b1", "b2"),
        read=3,
        failing=failing("b1"),
    ),
    Row(
        "auto without a merge-base commit (a push): the first passing run on the branch, read no further",
        on_main(2),
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        merge_base=None,
    ),
    Row(
        "auto: a run at the merge-base of another branch counts when the base branch has none there",
        [run("mb", sha=MB, branch="feature")],
        ("mb", "merge-base"),
        asked=(),
        read=1,
    ),
    Row(
        "auto: nothing at the merge-base, nothing passing on the branch: no baseline",
        [run("x", branch="feature"), run("b1")],
        None,
        asked=("b1",),
        read=2,
        failing=failing("b1"),
    ),
    Row(
        "merge-base: the run at the merge-base, no result asked",
        [run("new"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=(),
        read=2,
        policy=MERGE_BASE,
    ),
    Row(
        "merge-base: never falls back to the branch",
        on_main(2),
        None,
        asked=(),
        read=2,
        policy=MERGE_BASE,
    ),
    Row(
        "merge-base without a merge-base commit: no baseline",
        [run("mb", sha=MB)],
        None,
        asked=(),
        read=1,
        policy=MERGE_BASE,
        merge_base=None,
    ),
    Row(
        "branch: the run at the merge-base is a branch candidate like any other",
        [run("b1"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "branch"),
        asked=("b1", "mb"),
        read=2,
        policy=BRANCH,
        failing=failing("b1"),
    ),
    Row(
        "branch: the first passing run on the base branch, read no further",
        [run("x", branch="feature"), *on_main(2), run("mb", sha=MB, age=3 * DAY)],
        ("b2", "branch"),
        asked=("b1", "b2"),
        read=3,
        policy=BRANCH,
        failing=failing("b1"),
    ),
    Row(
        "branch: the configured branch wins over the PR's base branch",
        [run("m1"), run("r1", branch="release", age=2 * DAY)],
        ("r1", "branch"),
        asked=("r1",),
        read=2,
        policy=BaselineConfig(strategy=BaselineStrategy.BRANCH, branch="release"),
    ),
    Row(
        "auto: the configured branch is the fallback's branch",
        [run("m1"), run("r1", branch="release", age=2 * DAY)],
        ("r1", "branch"),
        asked=("r1",),
        read=2,
        policy=BaselineConfig(branch="release"),
        merge_base=None,
    ),
    Row(
        "branch: no branch configured and no base branch known: no baseline",
        [run("b1")],
        None,
        asked=(),
        read=1,
        policy=BRANCH,
        base_branch=None,
    ),
    Row(
        "none: never a baseline, the listing is not even read",
        [run("mb", sha=MB)],
        None,
        asked=(),
        read=0,
        policy=NONE,
    ),
    # ------------------------------------------------------------------------------------------------ passing
    Row(
        "require_passing false (a local run): the previous run on the branch, passed or not, nothing asked",
        on_main(2),
        ("b1", "previous"),
        asked=(),
        read=1,
        merge_base=None,
        failing=failing("b1"),
        require_passing=False,
    ),
    Row(
        "require_passing false still prefers the run at the merge-base",
        [run("b1"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=(),
        read=2,
        failing=failing("b1"),
        require_passing=False,
    ),
    Row(
        "the run at the merge-base need not pass",
        [run("mb", sha=MB)],
        ("mb", "merge-base"),
        asked=(),
        read=1,
        failing=failing("mb"),
    ),
    Row(
        "policy: a merge-base run is used although it failed (its result is not even asked)",
        [run("b1"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=("b1",),
        read=2,
        failing=failing("mb"),
    ),
    Row(
        "policy: a branch fallback must have passed (the failing newer one is passed over)",
        [run("b1"), run("b2", age=2 * DAY)],
        ("b2", "branch"),
        asked=("b1", "b2"),
        read=2,
        merge_base=None,
        failing=failing("b1"),
    ),
    # ----------------------------------------------------------------------- whose run at the merge base
    Row(
        "the base branch's own run at the merge base wins over a newer local run there (another environment)",
        [run("local", ci={"branch": "main", "sha": MB, "event": "local"}), run("pushed", sha=MB, age=2 * DAY)],
        ("pushed", "merge-base"),
        asked=(),
        read=2,
    ),
    Row(
        "over a newer push of another branch at that commit",
        [run("release", sha=MB, branch="release"), run("pushed", sha=MB, age=2 * DAY)],
        ("pushed", "merge-base"),
        asked=(),
        read=2,
    ),
    Row(
        "over a newer pull request's run stamped with that commit and the base's name (a fork's main)",
        [run("fork", ci={"branch": "main", "sha": MB, "pr_number": 7}), run("pushed", sha=MB, age=2 * DAY)],
        ("pushed", "merge-base"),
        asked=(),
        read=2,
    ),
    Row(
        "only other runs there: the newest of them, over a passing run on the branch (read to the end)",
        [
            run("release", sha=MB, branch="release"),
            run("local", ci={"branch": "main", "sha": MB, "event": "local"}),
            run("b1", age=2 * DAY),
        ],
        ("release", "merge-base"),
        asked=("b1",),
        read=3,
        merge_base_ref="main",
        ref="main",
    ),
    Row(
        "the base branch is the one the merge base was taken with",
        [run("main", sha=MB), run("release", sha=MB, branch="release", age=2 * DAY)],
        ("release", "merge-base"),
        asked=(),
        read=2,
        merge_base_ref="release",
        ref="release",
    ),
    Row(
        "an errored run at the merge base (a re-run the backend did not ingest in time) gives way to a good one",
        [stamped(run("rerun", sha=MB), check={"verdict": "error"}), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=("rerun",),  # a branch candidate, whose check did not pass
        read=2,
        failing=failing("rerun"),
    ),
    Row(
        "only an errored run at the merge base: the branch fallback stands in",
        [stamped(run("rerun", sha=MB), check={"verdict": "error"}), run("b1", age=2 * DAY)],
        ("b1", "branch"),
        asked=("rerun", "b1"),
        read=2,
        failing=failing("rerun"),
    ),
    Row(
        "so does a run at the merge base whose check recorded no verdict (its stamp was lost: it may have errored)",
        [stamped(run("lost", sha=MB), check={"verdict": "pending"}), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=("lost",),  # a branch candidate, whose check is not known to have passed
        read=2,
        failing=failing("lost"),
    ),
    Row(
        "only such a run at the merge base: the branch fallback stands in",
        [stamped(run("lost", sha=MB), check={"verdict": "pending"}), run("b1", age=2 * DAY)],
        ("b1", "branch"),
        asked=("lost", "b1"),
        read=2,
        failing=failing("lost"),
    ),
    Row(
        "a run at the merge base whose check failed is still the baseline",
        [stamped(run("mb", sha=MB), check={"verdict": "fail"})],
        ("mb", "merge-base"),
        asked=(),
        read=1,
    ),
    # ------------------------------------------------------------------------ runs made for pull requests
    Row(
        "a pull request's run stamped with the base branch's name (a fork's main) is not the branch fallback",
        [run("fork-main", ci={"branch": "main", "pr_number": 7}), run("b2", age=2 * DAY)],
        ("b2", "branch"),
        asked=("b2",),
        read=2,
        merge_base=None,
    ),
    Row(
        "nor one whose event was a pull request's (pull_request_target), even without a number",
        [run("fork-main", ci={"branch": "main", "event": "pull_request_target"}), run("b2", age=2 * DAY)],
        ("b2", "branch"),
        asked=("b2",),
        read=2,
        merge_base=None,
    ),
    Row(
        "a run of the branch itself (a push) is",
        [run("pushed", ci={"branch": "main", "event": "push"})],
        ("pushed", "branch"),
        asked=("pushed",),
        read=1,
        merge_base=None,
    ),
    Row(
        "nor a developer's local run on a main of their own (its commit may never have been pushed)",
        [run("local-main", ci={"branch": "main", "event": "local"}), run("b2", age=2 * DAY)],
        ("b2", "branch"),
        asked=("b2",),
        read=2,
        merge_base=None,
    ),
    Row(
        "a local run's previous run may be its branch's pull request run",
        [run("pr-run", ci={"branch": "main", "pr_number": 7})],
        ("pr-run", "previous"),
        asked=(),
        read=1,
        merge_base=None,
        require_passing=False,
    ),
    # ------------------------------------------------------------------- a checkout of another commit than sha
    Row(
        "a pull request's run that checked out GitHub's merge of the merge-base commit is not the merge-base run",
        [run("merged", ci={"branch": "feature", "sha": MB, "checkout_sha": "e" * 40}), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=(),
        read=2,
    ),
    Row(
        "only such a run at the merge-base commit: the branch fallback stands in",
        [run("merged", ci={"branch": "feature", "sha": MB, "checkout_sha": "e" * 40}), run("b1", age=2 * DAY)],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
    ),
    # --------------------------------------------------------------------------------- uncommitted changes
    Row(
        "dirty: a run with uncommitted changes at the merge-base commit is not the merge-base run",
        [run("mb-dirty", sha=MB, dirty=True), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=(),
        read=2,
    ),
    Row(
        "dirty: nor a branch fallback, even when it passed",
        [run("b1-dirty", dirty=True), run("b2", age=2 * DAY)],
        ("b2", "branch"),
        asked=("b2",),
        read=2,
        merge_base=None,
    ),
    Row(
        "dirty: a dirty run on the merge-base commit is never the merge-base run, even of a dirty run there"
        " (it is the previous attempt)",
        [run("attempt", sha=MB, dirty=True)],
        ("attempt", "previous"),
        asked=(),
        read=1,
        require_passing=False,
        head=MB,
        dirty=True,
        merge_base_ref="main",
    ),
    Row(
        "dirty: only dirty runs at the merge base and on the branch: no baseline",
        [run("mb-dirty", sha=MB, dirty=True), run("b1-dirty", dirty=True)],
        None,
        asked=(),
        read=2,
    ),
    Row(
        "dirty: a clean local run never takes a dirty previous run, even on its own commit",
        [run("own-commit-dirty", sha=HEAD, dirty=True), run("b2", sha=HEAD, age=2 * DAY)],
        ("b2", "previous"),
        asked=(),
        read=2,
        merge_base=None,
        require_passing=False,
    ),
    Row(
        "dirty: a dirty local run takes the dirty previous run on its own commit (two attempts at one edit)",
        [run("own-commit-dirty", sha=HEAD, dirty=True), run("b2", sha=HEAD, age=2 * DAY)],
        ("own-commit-dirty", "previous"),
        asked=(),
        read=1,
        merge_base=None,
        require_passing=False,
        dirty=True,
    ),
    Row(
        "dirty: but not a dirty previous run on another commit",
        [run("other-commit-dirty", sha="f00", dirty=True), run("b2", sha="f00", age=2 * DAY)],
        ("b2", "previous"),
        asked=(),
        read=2,
        merge_base=None,
        require_passing=False,
        dirty=True,
    ),
    Row(
        "dirty: a dirty local run still prefers the clean run at the merge base",
        [run("own-commit-dirty", sha=HEAD, dirty=True), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=(),
        read=2,
        require_passing=False,
        dirty=True,
    ),
    Row(
        "dirty: a CI run (require_passing) never takes a dirty run, whatever its commit",
        [run("own-commit-dirty", sha=HEAD, dirty=True), run("b2", age=2 * DAY)],
        ("b2", "branch"),
        asked=("b2",),
        read=2,
        merge_base=None,
        dirty=True,
    ),
    Row(
        "dirty: only a literal true counts (a string is not a stamp of this tool)",
        [run("odd", ci={"branch": "main", "dirty": "yes"})],
        ("odd", "branch"),
        asked=("odd",),
        read=1,
        merge_base=None,
    ),
    Row(
        "the 10th candidate on the branch still has its result asked",
        on_main(10),
        ("b10", "branch"),
        asked=tuple(B[:10]),
        read=10,
        merge_base=None,
        failing=failing(*B[:9]),
    ),
    Row(
        "no 11th: after 10 failing candidates the branch gives up",
        on_main(11),
        None,
        asked=tuple(B[:10]),
        read=11,
        merge_base=None,
        failing=failing(*B[:10]),
    ),
    Row(
        "a verdict stamped on a run is no backend ask: 10 newer runs whose checks failed hide no older passing one",
        [*(stamped(failed, check={"verdict": "fail"}) for failed in on_main(10)), run("b11", age=11 * DAY)],
        ("b11", "branch"),
        asked=tuple(B[:11]),
        read=11,
        merge_base=None,
        failing=failing(*B[:10]),
    ),
    Row(
        "past the 10 backend asks, a run whose check stamped its verdict is still read",
        [*on_main(10), stamped(run("b11", age=11 * DAY), check={"verdict": "pass"})],
        ("b11", "branch"),
        asked=tuple(B[:11]),
        read=11,
        merge_base=None,
        failing=failing(*B[:10]),
    ),
    Row(
        "after 10 failing candidates a run at the merge-base further down still wins",
        [*on_main(10), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=tuple(B[:10]),
        read=11,
        failing=failing(*B[:10]),
    ),
    # -------------------------------------------------------------------------------------------- max_age_days
    Row(
        "max_age_days 7: a run 6 days old is a candidate",
        [run("b1", age=6 * DAY)],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    Row(
        "max_age_days 7: a run exactly 7 days old is still one (older than, not as old as)",
        [run("b1", age=7 * DAY)],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    Row(
        "max_age_days 7: a second older is not, and nothing older is read",
        [run("old", age=7 * DAY + timedelta(seconds=1)), run("mb", sha=MB, age=8 * DAY)],
        None,
        asked=(),
        read=1,
        policy=WEEK,
    ),
    Row(
        "max_age_days 7: a run at the merge-base that is too old gives way to a passing run on the branch",
        [run("b1"), run("mb", sha=MB, age=10 * DAY)],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
        policy=WEEK,
    ),
    Row(
        "max_age_days 1: boundary in hours (25 hours old is too old)",
        [run("b1", age=timedelta(hours=25)), run("b2", age=timedelta(hours=26))],
        None,
        asked=(),
        read=1,
        policy=BaselineConfig(max_age_days=1),
        merge_base=None,
    ),
    Row(
        "without max_age_days a year-old run is a candidate",
        [run("b1", age=400 * DAY)],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        merge_base=None,
    ),
    Row(
        "max_age_days further back than a date goes (1000000 days): no age limit, not an OverflowError",
        [run("b1", age=400 * DAY)],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        policy=BaselineConfig.model_construct(max_age_days=1_000_000),  # unvalidated: safe whatever the config's bound
        merge_base=None,
    ),
    Row(
        "max_age_days beyond what a timedelta holds: no age limit either",
        [run("b1", age=400 * DAY)],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        policy=BaselineConfig.model_construct(max_age_days=10**12),
        merge_base=None,
    ),
    Row(
        "max_age_days: a run without created_at is not judged by age",
        [run("b1", created_at=None)],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    Row(
        "max_age_days: an unreadable created_at is not judged by age",
        [run("b1", created_at="last tuesday")],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    Row(
        "max_age_days: HoneyHive's Z form is read (a second too old)",
        [run("b1", created_at="2025-05-25T11:59:59.000Z")],
        None,
        asked=(),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    Row(
        "max_age_days: an offset is honoured (13:00+02:00 is 11:00 UTC, an hour too old)",
        [run("b1", created_at="2025-05-25T13:00:00+02:00")],
        None,
        asked=(),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    Row(
        "max_age_days: a created_at without a zone is UTC (a second too old)",
        [run("b1", created_at="2025-05-25T11:59:59")],
        None,
        asked=(),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    Row(
        "max_age_days: a created_at without a zone is UTC (a second young enough)",
        [run("b1", created_at="2025-05-25T12:00:01")],
        ("b1", "branch"),
        asked=("b1",),
        read=1,
        policy=WEEK,
        merge_base=None,
    ),
    # ------------------------------------------------------------------------------ which runs are candidates
    Row(
        "another experiment whose name contains this one is skipped (the server's filter is a substring)",
        [run("v2", sha=MB, name=f"{NAME}-v2"), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
    ),
    Row(
        "an excluded run (this PR's own) is skipped",
        [run("own", sha=MB), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
        exclude=("own",),
    ),
    Row(
        "a run on another dataset is skipped",
        [run("other", sha=MB, dataset="EXT-0000000000000000000000aa"), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
    ),
    Row(
        "no dataset to match: a run on any dataset is a candidate",
        [run("other", sha=MB, dataset="EXT-0000000000000000000000aa")],
        ("other", "merge-base"),
        asked=(),
        read=1,
        dataset_id=None,
    ),
    Row(
        "a managed dataset matches on the run's dataset_id",
        [run("managed", sha=MB, dataset=MANAGED, managed=True)],
        ("managed", "merge-base"),
        asked=(),
        read=1,
        dataset_id=MANAGED,
    ),
    Row(
        "a repository file: a run an older version recorded under the content-derived id is a candidate",
        [stamped(run("legacy", sha=MB, dataset=OLD_ID), dataset_id=OLD_ID)],
        ("legacy", "merge-base"),
        asked=(),
        read=1,
        dataset_id=FILE,
    ),
    Row(
        "a repository file: a run stamped with the same path under another id is a candidate",
        [stamped(run("renamed", sha=MB, dataset=OLD_ID), dataset={"path": "data/q.jsonl"})],
        ("renamed", "merge-base"),
        asked=(),
        read=1,
        dataset_id=FILE,
    ),
    Row(
        "a repository file: a run stamped with another path and config is skipped",
        [stamped(run("moved", sha=MB, dataset=OLD_ID), dataset={"path": "other.jsonl"}), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
        dataset_id=FILE,
    ),
    Row(
        "another experiment file's run under the same name and dataset is skipped",
        [run("strict", ci={"branch": "main", "sha": MB, "config_file": OTHER_FILE}), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
    ),
    Row(
        "a run of the same experiment file is a candidate",
        [run("strict", ci={"branch": "main", "sha": MB, "config_file": OTHER_FILE})],
        ("strict", "merge-base"),
        asked=(),
        read=1,
        config_file=OTHER_FILE,
    ),
    Row(
        "a run an older version stamped without its file is the default file's, not another file's",
        [run("older", sha=MB), run("b1", ci={"branch": "main", "config_file": OTHER_FILE})],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
        config_file=OTHER_FILE,
    ),
    Row(
        "a run an older version stamped with its file in its dataset's stamp only is that file's (audit74 F2)",
        [stamped(run("older", sha=MB), dataset={"config": OTHER_FILE})],
        ("older", "merge-base"),
        asked=(),
        read=1,
        config_file=OTHER_FILE,
    ),
    Row(
        "and that file's in a working directory (the dataset's stamp names it from there)",
        [stamped(run("older", sha=MB), dataset={"config": OTHER_FILE})],
        ("older", "merge-base"),
        asked=(),
        read=1,
        config_file=f"services/bot/{OTHER_FILE}",
    ),
    Row(
        "but not the default file's",
        [stamped(run("older", sha=MB), dataset={"config": OTHER_FILE}), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
    ),
    Row(
        "and the default file's in a working directory (an older version's run of a monorepo's folder)",
        [run("older", sha=MB)],
        ("older", "merge-base"),
        asked=(),
        read=1,
        config_file=f"services/bot/{FILE_PATH}",
    ),
    Row(
        "but not of a file that only ends like it",
        [run("older", sha=MB)],
        None,
        asked=(),
        read=1,
        config_file=f"x{FILE_PATH}",
    ),
    Row(
        "a matrix leg's baseline is the same leg's run, not another leg's at the same commit (a model's, another's)",
        [
            run("claude", ci={"branch": "main", "sha": MB, "variant": "claude"}),
            run("gpt", ci={"branch": "main", "sha": MB, "variant": "gpt"}),
        ],
        ("gpt", "merge-base"),
        asked=(),
        read=2,
        variant="gpt",
    ),
    Row(
        "a leg's run is no baseline of a job without a variant",
        [run("gpt", ci={"branch": "main", "sha": MB, "variant": "gpt"}), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
    ),
    Row(
        "nor a run without one of a leg's (the baseline workflow has no matrix): none, and the note says why",
        [run("plain", sha=MB)],
        None,
        asked=(),
        read=1,
        variant="gpt",
    ),
    Row(
        "a variant stamp that is not text counts as none",
        [run("odd", ci={"branch": "main", "sha": MB, "variant": 1})],
        ("odd", "merge-base"),
        asked=(),
        read=1,
    ),
    Row(
        "a file stamp that is not text counts as none",
        [run("odd", ci={"branch": "main", "sha": MB, "config_file": 1})],
        ("odd", "merge-base"),
        asked=(),
        read=1,
    ),
    Row(
        "a run of another repository (same name, same managed dataset) is skipped",
        [run("theirs", ci={"branch": "main", "sha": MB, "repository": "other/bot"}), run("b1")],
        ("b1", "branch"),
        asked=("b1",),
        read=2,
        repository=REPOSITORY,
    ),
    Row(
        "a repository's name is matched whatever its case",
        [run("ours", ci={"branch": "main", "sha": MB, "repository": "Acme/Bot"})],
        ("ours", "merge-base"),
        asked=(),
        read=1,
        repository=REPOSITORY,
    ),
    Row(
        "a run that does not know its repository is not skipped",
        [run("unknown", sha=MB)],
        ("unknown", "merge-base"),
        asked=(),
        read=1,
        repository=REPOSITORY,
    ),
    Row(
        "nor any run when this one does not know its own (a local run)",
        [run("theirs", ci={"branch": "main", "sha": MB, "repository": "other/bot"})],
        ("theirs", "merge-base"),
        asked=(),
        read=1,
    ),
    Row(
        "a run without metadata.ci has no commit and no branch",
        [run("bare", ci={})],
        None,
        asked=(),
        read=1,
    ),
    Row(
        "metadata.ci that is not a mapping is ignored",
        [run("odd", ci="main")],
        None,
        asked=(),
        read=1,
    ),
    # -------------------------------------------------- a run of a branch (a push, a schedule) not the default
    Row(
        "a branch's own latest passing run, though the default branch has one at their merge base",
        [run("mb", sha=MB), run("own", branch="feature", age=2 * DAY)],
        ("own", "branch"),
        asked=("own",),
        read=2,
        base_branch="feature",
        fallback="main",
    ),
    Row(
        "a branch's first run: the default branch's run at their merge base, though a newer one passed",
        [run("new"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=("new",),
        read=2,  # the second pass rereads the first's runs
        base_branch="feature",
        fallback="main",
        ref="main",
        instead_of="feature",
    ),
    Row(
        "a branch whose own runs failed their check: the default branch's",
        [run("own", branch="feature"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=("own",),
        read=2,
        base_branch="feature",
        fallback="main",
        failing=failing("own"),
        ref="main",
        instead_of="feature",
    ),
    Row(
        "a branch's first run, its merge base unknown: the default branch's latest passing run",
        [run("other", branch="other"), run("m1"), run("m2")],
        ("m1", "branch"),
        asked=("m1",),
        read=3,
        merge_base=None,
        base_branch="feature",
        fallback="main",
        instead_of="feature",
    ),
    Row(
        "a branch's first run, nothing on the default branch either: no baseline",
        [run("other", branch="other")],
        None,
        asked=(),
        read=1,
        base_branch="feature",
        fallback="main",
    ),
    Row(
        "a branch's run under merge-base: only the run at its merge base with the default branch",
        [run("own", branch="feature"), run("mb", sha=MB, age=2 * DAY)],
        ("mb", "merge-base"),
        asked=(),
        read=2,
        policy=MERGE_BASE,
        base_branch="feature",
        fallback="main",
        ref="main",
        instead_of="feature",
    ),
    Row(
        "a branch's run under branch: its own latest passing run, else the default branch's",
        [run("mb", sha=MB), run("own", branch="feature", age=2 * DAY)],
        ("mb", "branch"),
        asked=("own", "mb"),
        read=2,
        policy=BRANCH,
        base_branch="feature",
        fallback="main",
        failing=failing("own"),
        instead_of="feature",
    ),
    # ------------------------------------------------------------------ ancestry: the merge base's history first
    Row(
        "a fallback of the merge base's history wins over a newer one ahead of it (main moved on)",
        [run("ahead", sha="a2"), run("older", sha="a0", age=2 * DAY)],
        ("older", "branch"),
        asked=("ahead", "older"),
        read=2,
        not_ancestors=frozenset({"a2"}),
        ancestry=("a2", "a0"),
        behind=True,
        why="latest passing run on main at or before the merge base",
    ),
    Row(
        "a newer one ahead of the merge base that failed: the one of its history is the latest passing",
        [run("ahead", sha="a2"), run("older", sha="a0", age=2 * DAY)],
        ("older", "branch"),
        asked=("ahead", "older"),
        read=2,
        failing=failing("ahead"),
        not_ancestors=frozenset({"a2"}),
        ancestry=("a2", "a0"),
    ),
    Row(
        "only runs ahead of the merge base: the newest passing one, marked ahead",
        [run("a3", sha="a3"), run("a2", sha="a2", age=2 * DAY)],
        ("a2", "branch"),
        asked=("a3", "a2"),
        read=2,
        failing=failing("a3"),
        not_ancestors=frozenset({"a2", "a3"}),
        ancestry=("a3", "a2"),
        ahead=True,
    ),
    Row(
        "once one ahead passed, no other ahead is asked for its result",
        [run("a3", sha="a3"), run("a2", sha="a2", age=2 * DAY), run("old", sha="a0", age=3 * DAY)],
        ("old", "branch"),
        asked=("a3", "old"),
        read=3,
        not_ancestors=frozenset({"a2", "a3"}),
        ancestry=("a3", "a2", "a0"),
        behind=True,
    ),
    Row(
        "ancestry git cannot tell (a shallow clone) is not of the history: an older run known of it wins",
        [run("u1", sha="u1"), run("old", sha="a0", age=2 * DAY)],
        ("old", "branch"),
        asked=("u1", "old"),
        read=2,
        unknown=frozenset({"u1"}),
        ancestry=("u1", "a0"),
        behind=True,
    ),
    Row(
        "only runs git cannot tell of: the newest passing one, marked unknown; no other is asked for its result",
        [run("u2", sha="u2"), run("u1", sha="u1", age=2 * DAY), run("u0", sha="u0", age=3 * DAY)],
        ("u1", "branch"),
        asked=("u2", "u1"),
        read=3,
        failing=failing("u2"),
        unknown=frozenset({"u0", "u1", "u2"}),
        ancestry=("u2", "u1", "u0"),
        unknown_ancestry=True,
    ),
    Row(
        "one ahead, then one git cannot tell of: the newest passing stands in, marked for what git said of it",
        [run("a3", sha="a3"), run("u1", sha="u1", age=2 * DAY)],
        ("a3", "branch"),
        asked=("a3",),
        read=2,
        not_ancestors=frozenset({"a3"}),
        unknown=frozenset({"u1"}),
        ancestry=("a3", "u1"),
        ahead=True,
    ),
    Row(
        "a run stamped without a commit: nothing to ask git",
        [run("nosha"), run("old", sha="a0", age=2 * DAY)],
        ("nosha", "branch"),
        asked=("nosha",),
        read=2,
        ancestry=(),
    ),
    Row(
        "under branch, with a merge base: the first passing run of its history",
        [run("ahead", sha="a2"), run("a0", sha="a0", age=2 * DAY), run("older", sha="z0", age=3 * DAY)],
        ("a0", "branch"),
        asked=("ahead", "a0"),
        read=2,
        policy=BRANCH,
        not_ancestors=frozenset({"a2"}),
        ancestry=("a2", "a0"),
        behind=True,
    ),
    Row(
        f"every commit is asked (git's answers cost nothing): {MAX_ANCESTRY_CHECKS + 1} passing runs ahead of the merge"
        " base do not hide an older one of its history (audit70 #2)",
        [
            *(run(f"h{i}", sha=f"a{i}", age=timedelta(hours=i)) for i in range(1, MAX_ANCESTRY_CHECKS + 2)),
            run("old", sha="a0", age=2 * DAY),
        ],
        ("old", "branch"),
        asked=("h1", "old"),
        read=MAX_ANCESTRY_CHECKS + 2,
        not_ancestors=frozenset(f"a{i}" for i in range(1, MAX_ANCESTRY_CHECKS + 2)),
        ancestry=(*(f"a{i}" for i in range(1, MAX_ANCESTRY_CHECKS + 2)), "a0"),
        behind=True,
    ),
    Row(
        "several runs at one commit: git is asked of that commit once",
        [
            run("x1", sha="a2"),
            run("x2", sha="a2", age=2 * DAY),
            run("x3", sha="a2", age=3 * DAY),
            run("old", sha="a0", age=4 * DAY),
        ],
        ("old", "branch"),
        asked=("x1", "x2", "x3", "old"),
        read=4,
        failing=failing("x1", "x2", "x3"),
        not_ancestors=frozenset({"a2"}),
        ancestry=("a2", "a0"),
    ),
    Row(
        "a commit already asked about is not asked again, however many were asked in between",
        [
            run("h0", sha="a0", age=timedelta(hours=1)),
            *(run(f"h{i}", sha=f"a{i}", age=timedelta(hours=i)) for i in range(2, MAX_ANCESTRY_CHECKS + 1)),
            run("again", sha="a0", age=2 * DAY),  # past the cap, at a commit git already said is of the history
        ],
        ("again", "branch"),
        asked=("h0", "h2", "again"),
        read=MAX_ANCESTRY_CHECKS + 1,
        failing=failing("h0"),
        not_ancestors=frozenset(f"a{i}" for i in range(2, MAX_ANCESTRY_CHECKS + 1)),
        ancestry=("a0", *(f"a{i}" for i in range(2, MAX_ANCESTRY_CHECKS + 1))),
        behind=True,
    ),
    Row(
        f"past {MAX_ANCESTRY_CHECKS + 1} runs ahead of it, a run at the merge base is still looked for",
        [
            *(run(f"h{i}", sha=f"a{i}", age=timedelta(hours=i)) for i in range(1, MAX_ANCESTRY_CHECKS + 2)),
            run("mb", sha=MB, age=2 * DAY),
        ],
        ("mb", "merge-base"),
        asked=("h1",),
        read=MAX_ANCESTRY_CHECKS + 2,
        not_ancestors=frozenset(f"a{i}" for i in range(1, MAX_ANCESTRY_CHECKS + 2)),
        ancestry=tuple(f"a{i}" for i in range(1, MAX_ANCESTRY_CHECKS + 2)),
    ),
    Row(
        "a push (no merge base): a run at an ancestor of its commit, not a later commit's (a re-run of an old push)",
        [run("later", sha="a2"), run("older", sha="a0", age=2 * DAY), run("oldest", sha="z0", age=3 * DAY)],
        ("older", "branch"),
        asked=("later", "older"),
        read=2,
        merge_base=None,
        not_ancestors=frozenset({"a2"}),
        ancestry=("a2", "a0"),
        behind=True,
        why=f"latest passing run on main at or before its commit {HEAD[:7]}",  # a push has no merge base (audit70 #7)
    ),
    Row(
        "no merge base and no commit of its own: no ancestry to ask",
        [run("ahead", sha="a2"), run("older", sha="a0", age=2 * DAY)],
        ("ahead", "branch"),
        asked=("ahead",),
        read=1,
        merge_base=None,
        head=None,
        not_ancestors=frozenset({"a2"}),
        ancestry=(),
    ),
    Row(
        "a local run's previous run is its branch's own: no ancestry asked",
        [run("ahead", sha="a2"), run("older", sha="a0", age=2 * DAY)],
        ("ahead", "previous"),
        asked=(),
        read=2,
        require_passing=False,
        not_ancestors=frozenset({"a2"}),
        ancestry=(),
    ),
    Row(
        "baseline.branch named (not the merge base's branch): the only passing run, not of the head's history, is"
        " marked ahead",
        [run("rel", branch="release", sha="r1"), run("m1", sha="a0", age=2 * DAY)],
        ("rel", "branch"),
        asked=("rel",),
        read=2,
        policy=BaselineConfig(branch="release"),
        not_ancestors=frozenset({"r1"}),
        ancestry=("r1",),
        fork_point=HEAD,
        ahead=True,
    ),
    Row(
        "baseline.branch named: a run of the head's history wins over a newer one at a commit the head does not have",
        [run("rel", branch="release", sha="r1"), run("rel0", branch="release", sha="r0", age=2 * DAY)],
        ("rel0", "branch"),
        asked=("rel", "rel0"),
        read=2,
        policy=BaselineConfig(branch="release"),
        not_ancestors=frozenset({"r1"}),
        ancestry=("r1", "r0"),
        fork_point=HEAD,
        behind=True,
        why=f"latest passing run on release at or before its commit {HEAD[:7]}",  # the head's history, not the base's
    ),
    Row(
        "baseline.branch named: a run whose ancestry cannot be told is marked so",
        [run("rel", branch="release", sha="u1")],
        ("rel", "branch"),
        asked=("rel",),
        read=1,
        policy=BaselineConfig(branch="release"),
        unknown=frozenset({"u1"}),
        ancestry=("u1",),
        fork_point=HEAD,
        unknown_ancestry=True,
    ),
    Row(
        "a branch's first push: the default branch's run of their merge base's history",
        [run("ahead", sha="a2"), run("older", sha="a0", age=2 * DAY)],
        ("older", "branch"),
        asked=("ahead", "older"),
        read=2,
        base_branch="feature",
        fallback="main",
        instead_of="feature",
        not_ancestors=frozenset({"a2"}),
        ancestry=("a2", "a0"),
        behind=True,
    ),
    Row(
        "a branch's run with baseline.branch named: that branch's, no fallback",
        [run("m1"), run("rel", branch="release")],
        ("rel", "branch"),
        asked=("rel",),
        read=2,
        policy=BaselineConfig(branch="release"),
        merge_base=None,
        base_branch="feature",
        fallback="main",
    ),
]


@pytest.mark.parametrize("row", CASES, ids=[row.rule for row in CASES])
def test_the_baseline_table(row: Row) -> None:
    listing = Listing(row.runs)
    asked: list[str] = []

    def passed(candidate: ExperimentRun) -> bool:
        asked.append(candidate.run_id)
        return candidate.run_id not in row.failing

    ancestry: list[str] = []

    def of_history(commit: str, merge_base: str) -> bool | None:
        assert merge_base == (row.fork_point or row.merge_base or row.head)  # a push's: its own commit's history
        ancestry.append(commit)
        return None if commit in row.unknown else commit not in row.not_ancestors

    query = BaselineQuery(
        experiment=NAME,
        dataset_id=row.dataset_id,
        policy=row.policy,
        merge_base_sha=row.merge_base,
        base_branch=row.base_branch,
        exclude_run_ids=row.exclude,
        now=NOW,
        require_passing=row.require_passing,
        head_sha=row.head,
        **({"dirty": True} if row.dirty else {}),  # a caller that says nothing judges a clean run
        merge_base_ref=row.merge_base_ref,
        config_file=row.config_file,
        repository=row.repository,
        fallback_branch=row.fallback,
        variant=row.variant,
    )
    chosen = pick_baseline(listing, query, passed=passed, ancestry=of_history)
    found = None
    if chosen is not None:
        found = (chosen.run.run_id, chosen.reason, chosen.ref, chosen.instead_of, chosen.ahead, chosen.behind)
        found += (chosen.unknown, chosen.fork_point)
    stood_in = row.ahead or row.unknown_ancestry  # not known to be of this commit's history (the note names it)
    flags = (
        row.ahead,
        row.behind,
        row.unknown_ancestry,
        (row.fork_point or row.merge_base or row.head) if stood_in else None,
    )
    assert found == (None if row.chosen is None else (*row.chosen, row.ref, row.instead_of, *flags))
    assert tuple(asked) == row.asked
    assert listing.read == row.read
    if row.ancestry is not None:
        assert tuple(ancestry) == row.ancestry
    if row.why is not None:
        assert chosen is not None
        assert chosen.why == row.why


# ----------------------------------------------------------------------------------------------- recent runs

RECENT: list[tuple[str, list[ExperimentRun], str | None, int, list[str], int]] = [
    # (rule, listing, branch, limit, run ids returned, runs read)
    (
        "the latest runs on the branch, newest first, up to the limit",
        [run("m1"), run("x", branch="feature"), run("m2"), run("m3")],
        "main",
        2,
        ["m1", "m2"],
        3,
    ),
    ("fewer runs than the limit: all of them", [run("m1"), run("m2")], "main", 5, ["m1", "m2"], 2),
    ("a limit of one", [run("m1"), run("m2")], "main", 1, ["m1"], 1),
    ("no branch: any branch", [run("m1"), run("x", branch="feature")], None, 5, ["m1", "x"], 2),
    (
        "exact name, dataset and exclusions as for the baseline",
        [
            run("own"),
            run("v2", name=f"{NAME}-v2"),
            run("other", dataset="EXT-0000000000000000000000aa"),
            run("m1"),
        ],
        "main",
        5,
        ["m1"],
        4,
    ),
    ("no age limit for trends", [run("m1", age=400 * DAY)], "main", 5, ["m1"], 1),
    (
        "only runs that could be baselines: none with uncommitted changes or for a pull request",
        [
            run("dirty", dirty=True),
            run("fork-main", ci={"branch": "main", "pr_number": 7}),
            run("pr-event", ci={"branch": "main", "event": "pull_request_target"}),
            run("m1"),
        ],
        "main",
        5,
        ["m1"],
        4,
    ),
    (
        "another experiment file's runs and another repository's are not in the trend",
        [
            run("strict", ci={"branch": "main", "config_file": OTHER_FILE}),
            run("theirs", ci={"branch": "main", "repository": "other/bot"}),
            run("m1"),
        ],
        "main",
        5,
        ["m1"],
        3,
    ),
    (
        "nor a run whose check errored or recorded no verdict, which no rule takes as a baseline (audit70 #4); a failed"
        " one is a result",
        [
            stamped(run("errored"), check={"verdict": "error"}),
            stamped(run("pending"), check={"verdict": "pending"}),
            stamped(run("failed"), check={"verdict": "fail"}),
            run("m1"),
        ],
        "main",
        5,
        ["failed", "m1"],
        4,
    ),
    (
        "a local run on the branch is in a local run's trend",
        [run("l1", ci={"branch": "main", "event": "local"})],
        "main",
        5,
        ["l1"],
        1,
    ),
]


@pytest.mark.parametrize(
    ("rule", "runs", "branch", "limit", "expected", "read"), RECENT, ids=[case[0] for case in RECENT]
)
def test_recent_runs_table(
    rule: str, runs: list[ExperimentRun], branch: str | None, limit: int, expected: list[str], read: int
) -> None:
    listing = Listing(runs)
    found = pick_recent(listing, named_query(base_branch=branch, exclude_run_ids=("own",)), limit=limit)
    assert [r.run_id for r in found] == expected
    assert listing.read == read


# ------------------------------------------------------------------------- --baseline REF: a commit or a branch

FULL = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
LOCAL_MAIN = {"branch": "main", "event": "local"}  # a developer's run on a main of their own
NAMED: list[tuple[str, list[ExperimentRun], str, str | None]] = [
    # (rule, listing, ref, run id chosen)
    ("a branch: its latest run", [run("f1", branch="feature"), run("m1"), run("m2")], "main", "m1"),
    ("a branch: whatever its result (asked for by name)", [run("m1")], "main", "m1"),
    ("a full sha", [run("m1"), run("at", sha=FULL)], FULL, "at"),
    ("a short sha (7 hex digits)", [run("m1"), run("at", sha=FULL)], FULL[:7], "at"),
    (
        "a commit: not a run of GitHub's merge commit stamped with it as the head",
        [run("merged", ci={"branch": "feature", "sha": FULL, "checkout_sha": "e" * 40}), run("at", sha=FULL)],
        FULL,
        "at",
    ),
    ("a short sha in capitals", [run("at", sha=FULL)], FULL[:9].upper(), "at"),
    ("a sha's first 32 hex digits (as many as a run id's)", [run("m1"), run("at", sha=FULL)], FULL[:32], "at"),
    ("and in capitals", [run("at", sha=FULL)], FULL[:32].upper(), "at"),
    ("6 hex digits are too few to be a commit", [run("at", sha=FULL)], FULL[:6], None),
    ("not a prefix of the sha", [run("at", sha=FULL)], FULL[1:9], None),
    ("a run with uncommitted changes is at no commit", [run("d", sha=FULL, dirty=True), run("c", sha=FULL)], FULL, "c"),
    ("nor on a branch", [run("d", dirty=True), run("m1")], "main", "m1"),
    ("another experiment's run is not taken", [run("v2", name=f"{NAME}-v2"), run("m1")], "main", "m1"),
    ("another dataset's run is not taken", [run("o", dataset="EXT-0000000000000000000000aa")], "main", None),
    ("nothing matches", [run("m1")], "release", None),
    ("the run being judged is not its own baseline", [run("own"), run("m1")], "main", "m1"),
    ("a branch: its own run over a newer local run on it", [run("l", ci=LOCAL_MAIN), run("m1")], "main", "m1"),
    ("a branch: a local run when it has no other", [run("l1", ci=LOCAL_MAIN), run("l2", ci=LOCAL_MAIN)], "main", "l1"),
    (
        "a commit: a push over a newer run stamped with no branch (a fork's that triggered a workflow_run)",
        [run("fork", ci={"sha": FULL, "event": "workflow_run"}), run("at", sha=FULL)],
        FULL,
        "at",
    ),
    (
        "a commit: a push over a newer pull request's run at it",
        [run("pr", ci={"branch": "feature", "sha": FULL, "pr_number": 3}), run("at", sha=FULL)],
        FULL,
        "at",
    ),
    (
        "another experiment file's or repository's run is not taken",
        [
            run("strict", ci={"branch": "main", "config_file": OTHER_FILE}),
            run("theirs", ci={"branch": "main", "repository": "other/bot"}),
        ],
        "main",
        None,
    ),
]


def named_query(**kwargs: Any) -> BaselineQuery:
    """What ``--baseline REF`` asks about: this experiment's runs on its dataset (the rest is not looked at); the
    trend and the other files' note ask with ``base_branch``, ``merge_base_sha``."""
    asked: dict[str, Any] = {"experiment": NAME, "config_file": FILE_PATH, "repository": REPOSITORY}
    return BaselineQuery(**(asked | kwargs), dataset_id=DATASET, policy=AUTO, now=NOW)


@pytest.mark.parametrize(("rule", "runs", "ref", "expected"), NAMED, ids=[case[0] for case in NAMED])
def test_a_named_baseline_table(rule: str, runs: list[ExperimentRun], ref: str, expected: str | None) -> None:
    chosen = pick_named(runs, ref, named_query(exclude_run_ids=("own",)))
    assert (None if chosen is None else (chosen.run.run_id, chosen.reason, chosen.ref)) == (
        None if expected is None else (expected, "explicit", ref)
    )


def checked(recorded: ExperimentRun, verdict: str) -> ExperimentRun:
    """``recorded`` with the verdict its check stamped (``pending``: a run this tool recorded whose stamp was lost)."""
    return recorded.model_copy(update={"metadata": {**recorded.metadata, "check": {"verdict": verdict}}})


def errored(run_id: str, **kwargs: Any) -> ExperimentRun:
    return checked(run(run_id, **kwargs), "error")


def pending(run_id: str, **kwargs: Any) -> ExperimentRun:
    return checked(run(run_id, **kwargs), "pending")


LOCAL_AT = {**LOCAL_MAIN, "sha": FULL}
UNJUDGED: list[tuple[str, list[ExperimentRun], str, str, tuple[str, ...]]] = [
    # (rule, listing, ref, run id chosen, the runs passed over for it): a run whose check errored or recorded no
    # verdict is no result to compare with, as at the merge base; it was taken as "the latest run on main"
    ("a branch: its latest run whose check errored is passed over", [errored("m1"), run("m2")], "main", "m2", ("m1",)),
    ("and one whose check recorded no verdict", [pending("m1"), run("m2")], "main", "m2", ("m1",)),
    ("every such newer run is named", [errored("m1"), pending("m2"), run("m3")], "main", "m3", ("m1", "m2")),
    ("a failed check is a result: taken", [checked(run("m1"), "fail"), run("m2")], "main", "m1", ()),
    (
        "so are a passed and a neutral one",
        [checked(run("m1"), "pass"), checked(run("m2"), "neutral")],
        "main",
        "m1",
        (),
    ),
    ("a run without a check (an older version's, the SDK's) is taken", [run("m1"), errored("m2")], "main", "m1", ()),
    ("an older errored run is not named", [run("m1"), errored("m2")], "main", "m1", ()),
    (
        "a commit: its latest run whose check errored is passed over",
        [errored("at1", sha=FULL), run("m1"), run("at2", sha=FULL)],
        FULL[:7],
        "at2",
        ("at1",),
    ),
    (
        "a newer errored local run is not named: the branch's own run was taken over it anyway",
        [errored("l1", ci=LOCAL_MAIN), run("l2", ci=LOCAL_MAIN), pending("m1"), run("m2")],
        "main",
        "m2",
        ("m1",),
    ),
    (
        "no usable run of the branch itself: a local run, naming the branch's own and the newer ones passed over",
        [
            errored("m1"),
            pending("l1", ci=LOCAL_MAIN),
            run("l2", ci=LOCAL_MAIN),
            errored("l3", ci=LOCAL_MAIN),
            errored("m2"),
        ],
        "main",
        "l2",
        ("m1", "l1", "m2"),
    ),
    (
        "a commit: a local run, naming the newer ones passed over",
        [pending("l1", ci=LOCAL_AT), run("l2", ci=LOCAL_AT), errored("l3", ci=LOCAL_AT)],
        FULL,
        "l2",
        ("l1",),
    ),
    (
        "a run with uncommitted changes is not passed over: it is at no commit",
        [errored("d", dirty=True), run("m1")],
        "main",
        "m1",
        (),
    ),
    ("nor another branch's", [errored("f", branch="feature"), run("m1")], "main", "m1", ()),
    ("nor the run being judged", [errored("own"), run("m1")], "main", "m1", ()),
]


@pytest.mark.parametrize(("rule", "runs", "ref", "expected", "passed_over"), UNJUDGED, ids=[c[0] for c in UNJUDGED])
def test_a_named_baseline_passes_over_the_runs_whose_checks_errored_or_recorded_no_verdict(
    rule: str, runs: list[ExperimentRun], ref: str, expected: str, passed_over: tuple[str, ...]
) -> None:
    chosen = pick_named(runs, ref, named_query(exclude_run_ids=("own",)))
    assert chosen is not None
    assert (chosen.run.run_id, chosen.reason, chosen.ref) == (expected, "explicit", ref)
    assert tuple(r.run_id for r in chosen.passed_over) == passed_over


WITHOUT_A_RESULT = (
    "A run whose check errored could not be evaluated, and one whose check recorded no verdict may have errored:"
    " neither is a result to compare with"
)
NAME_IT = "To compare with one anyway, name it by its run id (baseline-run-id, --baseline RUN_ID)."
NOTHING_USABLE: list[tuple[str, list[ExperimentRun], str, str]] = [
    # (rule, listing, ref, the error's list of the runs passed over)
    ("one errored run", [errored("m1")], "main", "m1 (its check errored)"),
    (
        "the branch's own and a local run, newest first",
        [run("f", branch="feature"), pending("l1", ci=LOCAL_MAIN), errored("m1")],
        "main",
        "l1 (its check recorded no verdict), m1 (its check errored)",
    ),
    (
        "three are named",
        [errored("at1", sha=FULL), pending("at2", sha=FULL), errored("at3", sha=FULL)],
        FULL[:8],
        "at1 (its check errored), at2 (its check recorded no verdict), at3 (its check errored)",
    ),
    (
        "the others are counted",
        [errored(f"m{i}") for i in range(1, 6)],
        "main",
        "m1 (its check errored), m2 (its check errored), m3 (its check errored) and 2 more",
    ),
]


PASSED_OVER: list[tuple[str, list[ExperimentRun], str | None, str | None]] = [
    # (rule, listing, merge base, the runs the note names): "No baseline yet" said there was no run at the merge base
    # when every one there had errored or recorded no verdict (audit70 #3)
    (
        "errored and pending at the merge base",
        [errored("e", sha=MB), pending("p", sha=MB)],
        MB,
        "e (its check errored), p (its check recorded no verdict)",
    ),
    ("one elsewhere is not at it", [errored("e", sha=HEAD)], MB, None),
    ("one that passed, or failed, is no such run", [run("ok", sha=MB), checked(run("f", sha=MB), "fail")], MB, None),
    ("nor one with uncommitted changes", [errored("d", sha=MB, dirty=True)], MB, None),
    ("nor one of another checkout (a merge commit's)", [errored("c", ci={"sha": MB, "checkout_sha": HEAD})], MB, None),
    ("nor another experiment's", [errored("x", sha=MB, name="other")], MB, None),
    ("no merge base: none is at it", [errored("e", sha=MB)], None, None),
    ("none at all", [], MB, None),
]


@pytest.mark.parametrize(("rule", "runs", "merge_base", "named"), PASSED_OVER, ids=[c[0] for c in PASSED_OVER])
def test_the_note_on_the_runs_at_the_merge_base_no_baseline_could_be(
    rule: str, runs: list[ExperimentRun], merge_base: str | None, named: str | None
) -> None:
    note = passed_over_note(runs, named_query(merge_base_sha=merge_base))
    expected = (
        f"No run at {MB[:7]}, the base commit this change is measured against, could be the baseline: {named}."
        f" {WITHOUT_A_RESULT}. {NAME_IT}"
    )
    assert note == (None if named is None else expected)


RAISE_IT = f"{NAME_IT[:-1]}, or raise baseline.max_age_days."
TOO_OLD: list[tuple[str, list[ExperimentRun], BaselineConfig, str | None]] = [
    # (rule, listing, policy, the note): runs older than max_age_days were said nowhere, so "No baseline yet" could not
    # tell why
    (
        "one 8 days old, with max_age_days 7",
        [run("o8", age=8 * DAY)],
        WEEK,
        f"1 run of {NAME} older than 7 days (baseline.max_age_days) was not looked at, the newest o8 from 2025-05-24.",
    ),
    (
        "several: counted, the newest named; a younger one is no such run",
        [run("y1"), run("o8", age=8 * DAY, branch="feature"), run("o9", age=9 * DAY, dirty=True)],
        WEEK,
        f"2 runs of {NAME} older than 7 days (baseline.max_age_days) were not looked at, the newest o8 from"
        " 2025-05-24.",
    ),
    ("without max_age_days none is", [run("old", age=400 * DAY)], AUTO, None),
    ("one exactly max_age_days old is not (older than, not as old as)", [run("o7", age=7 * DAY)], WEEK, None),
    ("one without created_at is not", [run("c", created_at=None)], WEEK, None),
    ("nor another experiment's", [run("x", age=8 * DAY, name="other")], WEEK, None),
    (
        "max_age_days further back than a date goes: none is",
        [run("old", age=400 * DAY)],
        BaselineConfig.model_construct(max_age_days=1_000_000),
        None,
    ),
    ("none at all", [], WEEK, None),
]


@pytest.mark.parametrize(("rule", "runs", "policy", "said"), TOO_OLD, ids=[c[0] for c in TOO_OLD])
def test_the_note_on_the_runs_too_old_to_be_looked_at(
    rule: str, runs: list[ExperimentRun], policy: BaselineConfig, said: str | None
) -> None:
    note = too_old_note(runs, dataclasses.replace(named_query(), policy=policy))
    assert note == (None if said is None else f"{said} {RAISE_IT}")


def unread_said(read: int) -> str:
    return (
        f"Only the newest {read:,} completed runs whose name contains {NAME} are read (the server matches names as"
        f" substrings, so other experiments' runs count too): a baseline older than them was not looked for. {NAME_IT}"
    )


@pytest.mark.parametrize(
    ("read", "unread", "said"),
    [
        pytest.param(PAGES * PAGE, True, unread_said(PAGES * PAGE), id="its pages read, older runs left (audit70)"),
        pytest.param(2_500, True, unread_said(2_500), id="older runs left by a server paging fewer (audit77 N2)"),
        pytest.param(PAGES * PAGE, False, None, id="as many as it reads at most, and the listing ended (audit77 N2)"),
        pytest.param(3, False, None, id="fewer: the listing ended"),
    ],
)
def test_the_note_on_the_runs_older_than_the_listing_reads(read: int, unread: bool, said: str | None) -> None:
    """Whether older runs were left is the listing's (the client's pages stopped with more to read), not inferred
    from how many it read."""

    def pages() -> Generator[dict[str, Any], None, bool]:
        yield from ({"run_id": f"r{i}"} for i in range(read))
        return unread

    listing = RunListing(pages())
    assert (len(list(listing)), list(listing)) == (read, [])  # read to its end twice, as itertools.tee may ask
    assert unread_note(listing, named_query()) == said


@pytest.mark.parametrize(("rule", "runs", "ref", "named"), NOTHING_USABLE, ids=[c[0] for c in NOTHING_USABLE])
def test_a_named_baseline_with_no_usable_run_is_an_error_naming_the_runs_passed_over(
    rule: str, runs: list[ExperimentRun], ref: str, named: str
) -> None:
    with pytest.raises(BaselineError) as raised:
        pick_named(runs, ref, named_query())
    assert str(raised.value) == (
        f"no completed run of {NAME} at a commit or on a branch named {ref} is a result to compare with: {named}."
        f" {WITHOUT_A_RESULT}. {NAME_IT}"
    )


RESOLVED: list[tuple[str, list[ExperimentRun], str, str | None]] = [
    # (rule, listing, ref as typed, run id chosen): --baseline HEAD~1, which git resolved to commit FULL (audit 46a #2)
    ("the latest run at the commit", [run("m1"), run("at", sha=FULL), run("at2", sha=FULL)], "HEAD~1", "at"),
    (
        "a run of the branch itself over a newer local run there",
        [run("l", ci=LOCAL_AT), run("at", sha=FULL)],
        "v1",
        "at",
    ),
    ("a local run when there is no other", [run("l", ci=LOCAL_AT)], "HEAD~1", "l"),
    ("not a run on a branch named as typed: only the commit", [run("m1", sha=MB), run("at", sha=FULL)], "main", "at"),
    ("nor at another commit", [run("m1", sha=MB)], "main", None),
    ("nor one with uncommitted changes at it", [run("d", sha=FULL, dirty=True)], "HEAD~1", None),
    (
        "nor a run of GitHub's merge commit stamped with it",
        [run("merged", ci={"branch": "feature", "sha": FULL, "checkout_sha": "e" * 40})],
        "HEAD~1",
        None,
    ),
    ("nor the run being judged", [run("own", sha=FULL)], "HEAD", None),
    ("a run stamped in capitals is at it", [run("at", sha=FULL.upper())], "HEAD~1", "at"),
]


@pytest.mark.parametrize(("rule", "runs", "ref", "expected"), RESOLVED, ids=[case[0] for case in RESOLVED])
def test_a_named_revision_is_the_commit_git_resolved_it_to(
    rule: str, runs: list[ExperimentRun], ref: str, expected: str | None
) -> None:
    chosen = pick_named(runs, ref, named_query(exclude_run_ids=("own",)), commit=FULL)
    assert (None if chosen is None else (chosen.run.run_id, chosen.reason, chosen.ref, chosen.resolved)) == (
        None if expected is None else (expected, "explicit", ref, FULL)
    )


def test_a_named_revision_passes_over_the_runs_at_its_commit_whose_checks_errored() -> None:
    runs = [errored("e", sha=FULL), run("at", sha=FULL)]
    chosen = pick_named(runs, "HEAD~1", named_query(), commit=FULL)
    assert chosen is not None
    assert (chosen.run.run_id, [r.run_id for r in chosen.passed_over]) == ("at", ["e"])
    assert chosen.note == (
        f"Passed over at commit a1b2c3d (HEAD~1): e (its check errored). {WITHOUT_A_RESULT}, so the baseline is the"
        f" latest usable run at commit a1b2c3d (HEAD~1). {NAME_IT}"
    )
    with pytest.raises(BaselineError) as raised:
        pick_named([pending("p", sha=FULL)], "HEAD~1", named_query(), commit=FULL)
    assert str(raised.value) == (
        f"no completed run of {NAME} at commit a1b2c3d (HEAD~1) is a result to compare with: p (its check recorded no"
        f" verdict). {WITHOUT_A_RESULT}. {NAME_IT}"
    )


NOTES: list[tuple[str, Baseline, str | None]] = [
    # (rule, baseline, the report's note on the runs passed over)
    ("none passed over: no note", Baseline(run("r"), "explicit", "main"), None),
    ("nor for another rule's baseline", Baseline(run("r", sha=MB), "merge-base", "main"), None),
    (
        "a branch",
        Baseline(run("r"), "explicit", "main", passed_over=(errored("e"),)),
        f"Passed over on main: e (its check errored). {WITHOUT_A_RESULT}, so the baseline is the latest usable run on"
        f" main. {NAME_IT}",
    ),
    (
        "a commit, a local run",
        Baseline(run("r", ci=LOCAL_AT), "explicit", FULL[:9], passed_over=(pending("p"), errored("e"))),
        "Passed over at commit a1b2c3d: p (its check recorded no verdict), e (its check errored). "
        f"{WITHOUT_A_RESULT}, so the baseline is the latest usable local run at commit a1b2c3d. {NAME_IT}",
    ),
    (
        "more than three: counted",
        Baseline(run("r"), "explicit", "main", passed_over=tuple(errored(f"e{i}") for i in range(1, 5))),
        "Passed over on main: e1 (its check errored), e2 (its check errored), e3 (its check errored) and 1 more."
        f" {WITHOUT_A_RESULT}, so the baseline is the latest usable run on main. {NAME_IT}",
    ),
]


@pytest.mark.parametrize(("rule", "baseline", "note"), NOTES, ids=[case[0] for case in NOTES])
def test_the_note_on_the_runs_a_named_baseline_passed_over(rule: str, baseline: Baseline, note: str | None) -> None:
    assert baseline.note == note


WHY: list[tuple[str, Baseline, str]] = [
    # (rule, baseline, what the output says)
    ("merge base", Baseline(run("r", sha=MB), "merge-base", "main"), "run at merge-base 9e8d7c6 with main"),
    ("merge base, branch unknown", Baseline(run("r", sha=MB), "merge-base"), "run on main at merge-base 9e8d7c6"),
    ("merge base, neither known", Baseline(run("r", ci={}), "merge-base"), "run at merge-base ?"),
    (
        "a local run at the merge base",
        Baseline(run("r", ci={**LOCAL_MAIN, "sha": MB}), "merge-base", "main"),
        "local run at merge-base 9e8d7c6 with main",
    ),
    (
        "another branch's run at the merge base",
        Baseline(run("r", sha=MB, branch="release"), "merge-base", "main"),
        "run on release at merge-base 9e8d7c6 with main",
    ),
    (
        "a pull request's run at the merge base",
        Baseline(run("r", ci={"branch": "feature", "sha": MB, "pr_number": 7}), "merge-base", "main"),
        "pull request run on feature at merge-base 9e8d7c6 with main",
    ),
    ("branch fallback", Baseline(run("r", branch="release"), "branch"), "latest run on release whose check passed"),
    (
        "a branch fallback chosen over a newer passing run ahead of the merge base",
        Baseline(run("r"), "branch", behind=True),
        "latest passing run on main at or before the merge base",
    ),
    (
        "a branch's first run, main's latest passing at or before their merge base",
        Baseline(run("r"), "branch", instead_of="feature", behind=True),
        "no passing run of feature yet: latest passing run on main at or before the merge base",
    ),
    (
        "a branch's first run, at its merge base with main",
        Baseline(run("r", sha=MB), "merge-base", "main", "feature-x"),
        "no passing run of feature-x yet: run at merge-base 9e8d7c6 with main",
    ),
    (
        "a branch's first run, main's latest passing",
        Baseline(run("r"), "branch", instead_of="release/1.x"),
        "no passing run of release/1.x yet: latest run on main whose check passed",
    ),
    ("a local run's fallback, a local run", Baseline(run("r", ci=LOCAL_MAIN), "previous"), "previous local run"),
    ("a local run's fallback, a CI run on a branch of that name", Baseline(run("r"), "previous"), "previous run"),
    ("--baseline main", Baseline(run("r"), "explicit", "main"), "latest run on main"),
    ("--baseline main, a local run", Baseline(run("r", ci=LOCAL_MAIN), "explicit", "main"), "latest local run on main"),
    ("--baseline <sha>", Baseline(run("r", sha=FULL), "explicit", FULL[:10]), "latest run at commit a1b2c3d"),
    (
        "--baseline main, runs passed over",
        Baseline(run("r"), "explicit", "main", passed_over=(errored("e"),)),
        "latest usable run on main",
    ),
    (
        "--baseline <sha>, a local run, runs passed over",
        Baseline(run("r", ci=LOCAL_AT), "explicit", FULL[:10], passed_over=(pending("p"),)),
        "latest usable local run at commit a1b2c3d",
    ),
    (
        "--baseline HEAD~1: the commit git resolved it to",
        Baseline(run("r", sha=FULL), "explicit", "HEAD~1", resolved=FULL),
        "latest run at commit a1b2c3d (HEAD~1)",
    ),
    (
        "--baseline main^, a local run, runs passed over",
        Baseline(run("r", ci=LOCAL_AT), "explicit", "main^", passed_over=(pending("p"),), resolved=FULL),
        "latest usable local run at commit a1b2c3d (main^)",
    ),
    ("--baseline <run id>", Baseline(run("r"), "explicit", "r"), "the run asked for"),
    ("the config's run_id", Baseline(run("r"), "explicit"), "the run asked for"),
]


@pytest.mark.parametrize(("rule", "baseline", "text"), WHY, ids=[case[0] for case in WHY])
def test_what_a_baseline_is_called(rule: str, baseline: Baseline, text: str) -> None:
    assert baseline.why == text


# ------------------------------------------------------------------------------ what the comment says of it

PROPERTIES: list[tuple[str, ExperimentRun, str | None, str | None, datetime | None]] = [
    # (rule, run, commit_sha, branch, created_at)
    (
        "stamped run",
        run("r", sha="abc123", branch="main", created_at="2025-05-31T12:00:00.000Z"),
        "abc123",
        "main",
        datetime(2025, 5, 31, 12, tzinfo=UTC),
    ),
    ("no ci stamp", run("r", ci={}, created_at=None), None, None, None),
    ("ci not a mapping", run("r", ci="main", created_at="garbage"), None, None, None),
    (
        "non-string sha and branch are not shown",
        run("r", ci={"sha": 123, "branch": ["main"]}, created_at="2025-05-31T12:00:00"),
        None,
        None,
        datetime(2025, 5, 31, 12, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(
    ("rule", "the_run", "sha", "branch", "created"), PROPERTIES, ids=[case[0] for case in PROPERTIES]
)
def test_baseline_properties(
    rule: str, the_run: ExperimentRun, sha: str | None, branch: str | None, created: datetime | None
) -> None:
    baseline = Baseline(the_run, "branch")
    assert (baseline.commit_sha, baseline.branch, baseline.created_at) == (sha, branch, created)
    assert dict(baseline.run.ci) == (the_run.metadata["ci"] if isinstance(the_run.metadata["ci"], dict) else {})


# ------------------------------------------------------------------- the fetching, against honeyhive_local


class Recorder(httpx.HTTPTransport):
    """The real transport; notes the query of every run listing (``GET /v1/runs``) and the id of every run fetched
    (``GET /v1/runs/{run_id}``) sent through it."""

    def __init__(self) -> None:
        super().__init__()
        self.listings: list[dict[str, str]] = []
        self.fetched: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path == "/v1/runs":
            self.listings.append(dict(request.url.params))
        elif request.method == "GET" and path.startswith("/v1/runs/") and path.count("/") == 3:
            self.fetched.append(path.removeprefix("/v1/runs/"))
        return super().handle_request(request)

    def clear(self) -> None:
        self.listings.clear()
        self.fetched.clear()


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def hh(recorder: Recorder) -> Iterator[HoneyHiveClient]:
    """One backend for the module; every test seeds runs under its own experiment name."""
    with (
        LocalBackend(":memory:", API_KEY) as backend,
        HoneyHiveClient(backend.url, API_KEY, transport=recorder) as client,
    ):
        yield client


@pytest.fixture
def name() -> str:
    return f"exp-{uuid.uuid4().hex[:12]}"


def seed(
    hh: HoneyHiveClient,
    name: str,
    *,
    passing: bool = True,
    branch: str = "main",
    sha: str = "0" * 40,
    status: str = "completed",
    dataset: str = DATASET,
    check: str | None = None,
    dirty: bool = False,
    repository: str | None = None,
) -> str:
    """A run created through the client; it passes when it has a datapoint (the backend fails an empty run);
    ``check``: the verdict the action's check stamped on it; ``dirty``: made with uncommitted changes;
    ``repository``: the one stamped."""
    run_id = str(uuid.uuid4())
    ci: dict[str, Any] = {"branch": branch, "sha": sha, **({"dirty": True} if dirty else {})}
    if repository is not None:
        ci["repository"] = repository
    metadata: dict[str, Any] = {"offline_dataset_id": dataset, "ci": ci}
    if check is not None:
        metadata["check"] = {"verdict": check}
    hh.create_run({"run_id": run_id, "name": name, "status": status, "metadata": metadata})
    if passing:
        hh.start_session(
            {
                "session_id": str(uuid.uuid4()),
                "session_name": name,
                "source": "evaluation",
                "inputs": {},
                "metadata": {"run_id": run_id, "datapoint_id": "EXT-dp1", "dataset_id": dataset},
            }
        )
    return run_id


def choose(
    hh: HoneyHiveClient,
    name: str,
    *,
    explicit_run_id: str | None = None,
    runs: Iterable[ExperimentRun] | None = None,
    commit_of: Callable[[str], str | None] | None = None,
    **kwargs: Any,
) -> Baseline | None:
    """:func:`choose_baseline` of a query of ``name``'s runs on DATASET with ``kwargs`` (else a PR's into main);
    ``commit_of``: git's resolution of a revision (none: not asked)."""
    asked: dict[str, Any] = {
        "experiment": name,
        "dataset_id": DATASET,
        "policy": AUTO,
        "base_branch": "main",
        "now": datetime.now(UTC),
        "config_file": FILE_PATH,
        "repository": None,
    }
    query = BaselineQuery(**(asked | kwargs))
    return choose_baseline(
        hh, query, explicit_run_id=explicit_run_id, ancestry=lambda commit, of: None, runs=runs, commit_of=commit_of
    )


def recent_runs(hh: HoneyHiveClient, name: str, **kwargs: Any) -> list[ExperimentRun]:
    """The trend's runs on main: :func:`pick_recent` of the backend's listing, as ``flow.judge`` hands it to
    ``key_metric_trend`` (5 by default)."""
    query = named_query(
        experiment=name,
        repository=kwargs.pop("repository", None),
        base_branch="main",
        exclude_run_ids=kwargs.pop("exclude_run_ids", ()),
    )
    return pick_recent(completed_runs(hh, name), query, limit=kwargs.pop("limit", 5))


def test_the_backend_says_whether_a_run_passed(hh: HoneyHiveClient, name: str) -> None:
    passing, failed = seed(hh, name), seed(hh, name, passing=False)
    assert [_reports_success(hh, r) for r in (passing, failed, "00000000-0000-4000-8000-000000000000")] == [
        True,
        False,
        False,
    ]


CHECKS: list[tuple[str, Any, str | None, bool, bool | None]] = [
    # (rule, metadata.check, the verdict read, whether the backend reports success, whether the check passed: None,
    # not known)
    ("pass under allow_failed: the backend failed it, the check passed", {"verdict": "pass"}, "pass", False, True),
    ("neutral (no baseline yet) is green", {"verdict": "neutral"}, "neutral", False, True),
    ("a failed check is not, whatever the backend says", {"verdict": "fail"}, "fail", True, False),
    ("an error is not", {"verdict": "error"}, "error", True, False),
    (
        "pending (recorded by this tool, its check's stamp lost): not known to have passed, whatever the backend says",
        {"verdict": "pending"},
        "pending",
        True,
        None,
    ),
    ("no verdict stamped: the backend's success", None, None, True, True),
    ("no verdict stamped, the backend failed it", None, None, False, False),
    ("a check that is not a mapping counts as not stamped", "pass", None, True, True),
    ("a verdict that is not text counts as not stamped", {"verdict": 1}, None, False, False),
]


@pytest.mark.parametrize(("rule", "check", "verdict", "success", "green"), CHECKS, ids=[c[0] for c in CHECKS])
def test_a_branch_baseline_must_have_passed_its_check(
    hh: HoneyHiveClient, name: str, rule: str, check: Any, verdict: str | None, success: bool, green: bool | None
) -> None:
    run_id = seed(hh, name, passing=success)
    stamped = ExperimentRun.model_validate({**hh.get_run(run_id), "metadata": {"check": check}})
    assert check_verdict(stamped) == verdict
    assert check_passed(stamped, lambda: _reports_success(hh, run_id)) is green


def test_a_run_that_passed_its_check_under_allow_failed_is_the_branch_fallback(hh: HoneyHiveClient, name: str) -> None:
    seed(hh, name, passing=False)  # older: the backend failed it and nothing stamped a verdict
    tolerated = seed(hh, name, passing=False, check="pass")  # the backend failed it, the check passed
    seed(hh, name, passing=True, check="fail")  # newest: the backend passed it, a gate failed the check
    chosen = choose(hh, name)
    assert chosen is not None
    assert (chosen.run.run_id, chosen.reason) == (tolerated, "branch")


def test_an_explicit_run_is_used_as_is_even_a_failing_one(hh: HoneyHiveClient, recorder: Recorder, name: str) -> None:
    pinned = seed(hh, name, passing=False, branch="elsewhere")
    seed(hh, name, sha=MB)  # what the strategy would pick
    recorder.clear()
    for chosen in (
        choose(hh, name, explicit_run_id=pinned, merge_base_sha=MB),
        choose(hh, name, policy=BaselineConfig(run_id=pinned), merge_base_sha=MB),
        choose(hh, name, explicit_run_id=pinned, policy=BaselineConfig(run_id="ignored"), merge_base_sha=MB),
    ):
        assert chosen is not None
        assert (chosen.run.run_id, chosen.reason) == (pinned, "explicit")
    assert recorder.listings == []  # fetched by its id: the project's runs are not paged through for it


def test_a_branch_named_passes_over_an_errored_or_unjudged_run_that_its_run_id_takes_as_is(
    hh: HoneyHiveClient, name: str
) -> None:
    """``baseline-run-id: main`` took main's latest run whatever it was: one whose check errored (the backend may
    still call it a success) or whose verdict was never stamped. Named by its run id, such a run is still used."""
    judged = seed(hh, name, check="fail")
    lost = seed(hh, name, check="pending")
    broke = seed(hh, name, check="error")
    chosen = choose(hh, name, explicit_run_id="main")
    assert chosen is not None
    assert (chosen.run.run_id, [r.run_id for r in chosen.passed_over]) == (judged, [broke, lost])
    assert chosen.why == "latest usable run on main"
    for named in (broke, lost):
        by_id = choose(hh, name, explicit_run_id=named)
        assert by_id is not None
        assert (by_id.run.run_id, by_id.passed_over, by_id.note) == (named, (), None)
    with pytest.raises(BaselineError, match=rf"^no completed run of {name} at a commit or on a branch named main is"):
        choose(hh, name, explicit_run_id="main", exclude_run_ids=(judged,))


def test_an_explicit_ref_is_a_run_id_else_a_commit_or_a_branch(
    hh: HoneyHiveClient, recorder: Recorder, name: str
) -> None:
    """``--baseline`` takes a run id, a (short) sha or a branch; a dirty run is used only when named by id. Only
    the run id is asked for as a run: HoneyHive's ``GET /v1/runs/{run_id}`` takes a UUID (dataplane.yaml)."""
    old_main = seed(hh, name, sha=MB)
    seed(hh, name, sha=FULL, branch="feature")
    at_full = seed(hh, name, sha=FULL, branch="feature")
    dirty = seed(hh, name, sha="e" * 40, dirty=True, passing=False)
    recorder.clear()
    picks = {ref: choose(hh, name, explicit_run_id=ref) for ref in ("main", FULL[:7], FULL, MB[:10], dirty)}
    assert recorder.fetched == [dirty]
    assert (
        {ref: None if b is None else (b.run.run_id, b.reason) for ref, b in picks.items()}
        == {
            "main": (old_main, "explicit"),  # the newest run on main has uncommitted changes: not "main"
            FULL[:7]: (at_full, "explicit"),
            FULL: (at_full, "explicit"),
            MB[:10]: (old_main, "explicit"),
            dirty: (dirty, "explicit"),
        }
    )


def test_an_explicit_revision_is_the_commit_git_resolves_it_to_when_it_names_no_run_as_typed(
    hh: HoneyHiveClient, recorder: Recorder, name: str
) -> None:
    """``--baseline HEAD~1`` (or ``main^``, a tag; the file's ``run_id`` too) named nothing: only runs' stamped
    branches and shas were matched, and the README says a commit is accepted (audit 46a #2). What names runs as typed
    (a branch, a sha) is taken as before, git not asked; else git's commit for it is looked for, among the same
    listing (read once), and the error says which commit it was."""
    on_main = seed(hh, name, sha=MB)
    at_full = seed(hh, name, sha=FULL, branch="feature")
    recorder.clear()
    git = {"HEAD~1": FULL, "v1": MB, "HEAD~5": "e" * 40, "main": "f" * 40}
    asked: list[str] = []

    def commit_of(ref: str) -> str | None:
        asked.append(ref)
        return git.get(ref)

    picks = {ref: choose(hh, name, explicit_run_id=ref, commit_of=commit_of) for ref in ("main", FULL[:7], "HEAD~1")}
    pinned = choose(hh, name, policy=BaselineConfig(run_id="v1"), commit_of=commit_of)
    assert {
        ref: None if b is None else (b.run.run_id, b.ref, b.resolved) for ref, b in {**picks, "v1": pinned}.items()
    } == {
        "main": (on_main, "main", None),
        FULL[:7]: (at_full, FULL[:7], None),
        "HEAD~1": (at_full, "HEAD~1", FULL),
        "v1": (on_main, "v1", MB),
    }
    assert asked == ["HEAD~1", "v1"]
    assert recorder.fetched == []  # none is a run id
    nothing = " (on this dataset, without uncommitted changes) is at a commit or on a branch of that name"
    for ref, said in (("HEAD~5", ", nor at commit eeeeeee, which it names in this checkout"), ("nope", "")):
        with pytest.raises(BaselineError) as raised:
            choose(hh, name, explicit_run_id=ref, commit_of=commit_of)
        # a revision is not called a run that does not exist (audit70 #6c)
        assert str(raised.value) == f"baseline {ref}: no completed run of {name}{nothing}{said}"


def test_an_explicit_run_that_does_not_exist_is_an_error(hh: HoneyHiveClient, name: str) -> None:
    with pytest.raises(BaselineError, match=r"^baseline no-such-run: no completed run of"):  # not a run id
        choose(hh, name, explicit_run_id="no-such-run")


def test_the_strategy_reads_this_experiments_completed_runs_from_the_backend(hh: HoneyHiveClient, name: str) -> None:
    other = "EXT-0000000000000000000000aa"
    seeded = {  # oldest first; "own" (this PR's run) is the newest
        "at merge-base": seed(hh, name, sha=MB),
        "failed": seed(hh, name, passing=False),
        "release": seed(hh, name, branch="release"),
        "release, other dataset": seed(hh, name, branch="release", dataset=other),
        "release, running": seed(hh, name, branch="release", status="running"),
        "v2": seed(hh, f"{name}-v2"),
        "own": seed(hh, name),
    }
    own = (seeded["own"],)
    picks = {
        "merge-base": choose(hh, name, merge_base_sha=MB, exclude_run_ids=own),
        "latest passing on main": choose(hh, name, exclude_run_ids=own),
        "latest on main, passed or not": choose(hh, name, exclude_run_ids=own, require_passing=False),
        "latest completed on release": choose(hh, name, base_branch="release"),
        "any dataset": choose(hh, name, base_branch="release", dataset_id=None),
        "not excluded": choose(hh, name),
        "within max_age_days": choose(hh, name, policy=WEEK, now=datetime.now(UTC) + 6 * DAY),
        "older than max_age_days": choose(hh, name, policy=WEEK, now=datetime.now(UTC) + 8 * DAY),
        "strategy none": choose(hh, name, policy=NONE, merge_base_sha=MB),
    }
    by_id = {run_id: label for label, run_id in seeded.items()}
    assert {k: None if v is None else (by_id[v.run.run_id], v.reason) for k, v in picks.items()} == {
        "merge-base": ("at merge-base", "merge-base"),
        "latest passing on main": ("at merge-base", "branch"),
        "latest on main, passed or not": ("failed", "previous"),
        "latest completed on release": ("release", "branch"),
        "any dataset": ("release, other dataset", "branch"),
        "not excluded": ("own", "branch"),
        "within max_age_days": ("own", "branch"),
        "older than max_age_days": None,
        "strategy none": None,
    }


def test_another_repositorys_runs_are_skipped_by_every_rule(hh: HoneyHiveClient, name: str) -> None:
    """A project shared by two repositories whose experiments have one name and one managed dataset: neither the
    merge base, nor the branch, nor ``--baseline main``, nor the trend take the other repository's runs."""
    ours = seed(hh, name, sha=MB, repository=REPOSITORY)
    seed(hh, name, sha=MB, repository="other/bot")  # newer, at the same commit, on a main of its own
    picks = {
        "merge base": choose(hh, name, merge_base_sha=MB, repository=REPOSITORY),
        "branch": choose(hh, name, repository=REPOSITORY),
        "--baseline main": choose(hh, name, explicit_run_id="main", repository=REPOSITORY),
    }
    assert {k: None if v is None else v.run.run_id for k, v in picks.items()} == dict.fromkeys(picks, ours)
    assert [r.run_id for r in recent_runs(hh, name, repository=REPOSITORY)] == [ours]


def test_the_strategy_is_told_what_is_known_of_the_run_being_judged(hh: HoneyHiveClient, name: str) -> None:
    """Its commit and uncommitted changes (a dirty local run's previous attempt on its commit is its baseline), the
    branch its merge base was taken with (what the comment says the merge-base run was found by), and for a run of
    another branch the default branch it falls back on."""
    seeded = {  # oldest first
        "at merge-base": seed(hh, name, sha=MB),
        "clean, at HEAD": seed(hh, name, sha=HEAD),
        "dirty attempt, at HEAD": seed(hh, name, sha=HEAD, dirty=True),
    }
    local = {"require_passing": False, "head_sha": HEAD}
    picks = {
        "a dirty local run": choose(hh, name, **local, dirty=True),
        "a clean local run": choose(hh, name, **local),  # saying nothing of uncommitted changes: none
        "a PR with a merge base taken with main": choose(
            hh, name, merge_base_sha=MB, merge_base_ref="main", head_sha=HEAD, dirty=False
        ),
        "a feature branch's first push": choose(
            hh, name, base_branch="feature", merge_base_sha=MB, fallback_branch="main"
        ),
    }
    by_id = {run_id: label for label, run_id in seeded.items()}
    assert {k: None if v is None else (by_id[v.run.run_id], v.reason, v.ref) for k, v in picks.items()} == {
        "a dirty local run": ("dirty attempt, at HEAD", "previous", None),
        "a clean local run": ("clean, at HEAD", "previous", None),
        "a PR with a merge base taken with main": ("at merge-base", "merge-base", "main"),
        "a feature branch's first push": ("at merge-base", "merge-base", "main"),
    }


def test_the_listing_asks_for_this_experiments_completed_runs_newest_first(
    hh: HoneyHiveClient, recorder: Recorder, name: str
) -> None:
    # the server's name filter is a substring (exact names are matched here) and a listing stops after 50 pages:
    # without the filter, a project's other experiments could push the baseline out of reach
    seed(hh, name)
    recorder.clear()
    choose(hh, name)
    choose(hh, name, explicit_run_id="main")  # a baseline named by its branch
    recent_runs(hh, name)
    asked = [{k: query.get(k) for k in ("name", "status", "sort_by", "sort_order")} for query in recorder.listings]
    listing = {"name": name, "status": "completed", "sort_by": "created_at", "sort_order": "desc"}
    assert asked == [listing, listing, listing]


def test_the_listing_reads_its_pages_of_the_newest_runs_and_the_note_says_older_ones_were_not(
    hh: HoneyHiveClient, recorder: Recorder, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest PAGES × PAGE runs at most are read (2 × 2 here), and then unread_note says so (audit70)."""
    seeded = [seed(hh, name) for _ in range(5)]
    monkeypatch.setattr(baseline, "PAGES", 2)
    monkeypatch.setattr(baseline, "PAGE", 2)
    recorder.clear()
    read = completed_runs(hh, name)
    assert [r.run_id for r in read] == seeded[:0:-1]
    assert [(query["page"], query["limit"]) for query in recorder.listings] == [("1", "2"), ("2", "2")]
    said = f"Only the newest 4 completed runs whose name contains {name} are read"
    assert str(unread_note(read, named_query(experiment=name))).startswith(said)


class PagingFewer(httpx.HTTPTransport):
    """A server that pages fewer runs than asked: one a page, whatever the listing's ``limit``."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == "/v1/runs":
            request.url = request.url.copy_set_param("limit", "1")
        return super().handle_request(request)


def test_the_note_says_older_runs_were_left_as_the_listing_stopped_not_by_how_many_it_read(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """audit77 N2: unread_note took reading PAGES × PAGE runs for older runs left. Exactly that many, and the listing
    ended: a note said a baseline older than them was not looked for; a server paging fewer than asked (one a page
    here): 2 runs read of 4, older ones left, and no note."""
    monkeypatch.setattr(baseline, "PAGES", 2)
    monkeypatch.setattr(baseline, "PAGE", 2)
    query = named_query(experiment=name)
    with (
        LocalBackend(":memory:", API_KEY) as backend,
        HoneyHiveClient(backend.url, API_KEY) as hh,
        HoneyHiveClient(backend.url, API_KEY, transport=PagingFewer()) as fewer,
    ):
        seeded = [seed(hh, name, passing=False) for _ in range(2 * 2)]  # as many as the listing reads at most
        every = completed_runs(hh, name)
        assert [r.run_id for r in every] == seeded[::-1]
        assert unread_note(every, query) is None
        newest = completed_runs(fewer, name)
        assert [r.run_id for r in newest] == seeded[:1:-1]
        said = f"Only the newest 2 completed runs whose name contains {name} are read"
        assert str(unread_note(newest, query)).startswith(said)


def test_a_listing_handed_over_is_read_instead_of_the_backends(
    hh: HoneyHiveClient, recorder: Recorder, name: str
) -> None:
    """``flow.judge`` lists the experiment's runs once, for the baseline rules, the note on other files' runs and the
    trend: the listing it hands over is the one read (this run is in no backend), and nothing is listed again."""
    handed = [run("handed", name=name, sha=MB)]
    recorder.clear()
    picks = [choose(hh, name, merge_base_sha=MB, runs=handed), choose(hh, name, explicit_run_id="main", runs=handed)]
    assert [(p.run.run_id, p.reason) if p else None for p in picks] == [
        ("handed", "merge-base"),
        ("handed", "explicit"),
    ]
    assert recorder.listings == []


def test_recent_runs_fetches_this_experiments_runs_on_the_branch(hh: HoneyHiveClient, name: str) -> None:
    on_main = [seed(hh, name) for _ in range(4)]
    on_main.append(seed(hh, name, passing=False))  # trends show failed runs too
    seed(hh, name, branch="feature")
    seed(hh, name, dataset="EXT-0000000000000000000000aa")
    seed(hh, f"{name}-v2")
    seed(hh, name, status="running")
    on_main.append(seed(hh, name))
    own = seed(hh, name)
    newest_first = on_main[::-1]

    def ids(**kwargs: Any) -> list[str]:
        return [r.run_id for r in recent_runs(hh, name, exclude_run_ids=(own,), **kwargs)]

    assert ids() == newest_first[:5]  # 5 by default
    assert ids(limit=2) == newest_first[:2]
    assert ids(limit=10) == newest_first


def test_an_explicit_branch_skips_other_datasets_unfinished_runs_and_the_run_being_judged(
    hh: HoneyHiveClient, name: str
) -> None:
    wanted = seed(hh, name, branch="topic")
    seed(hh, name, branch="topic", dataset="EXT-0000000000000000000000aa")  # another dataset
    seed(hh, name, branch="topic", status="running")  # not finished
    seed(hh, f"{name}-v2", branch="topic")  # another experiment
    own = seed(hh, name, branch="topic")  # the run being judged
    chosen = choose(hh, name, explicit_run_id="topic", exclude_run_ids=(own,))
    assert chosen is not None
    assert (chosen.run.run_id, chosen.reason) == (wanted, "explicit")


def test_an_explicit_run_id_of_another_experiment_is_still_used_as_is(hh: HoneyHiveClient, name: str) -> None:
    elsewhere = seed(hh, f"{name}-other", branch="x", dataset="EXT-0000000000000000000000aa")
    chosen = choose(hh, name, explicit_run_id=elsewhere)
    assert chosen is not None
    assert (chosen.run.run_id, chosen.reason) == (elsewhere, "explicit")


@pytest.mark.parametrize(
    ("ref", "as_run_id"),
    [(str(uuid.uuid4()), True), ("no-such-branch", False), ("abcdef1", False)],
    ids=["uuid", "branch", "sha"],
)
def test_an_explicit_ref_that_names_nothing_is_an_error_saying_what_was_looked_for(
    hh: HoneyHiveClient, recorder: Recorder, name: str, ref: str, as_run_id: bool
) -> None:
    seed(hh, name, branch="main")
    recorder.clear()
    with pytest.raises(BaselineError) as raised:
        choose(hh, name, explicit_run_id=ref)
    lead = (
        f"baseline run {ref} does not exist in this HoneyHive project, and no" if as_run_id else f"baseline {ref}: no"
    )
    assert str(raised.value) == (
        f"{lead} completed run of {name} (on this dataset, without uncommitted changes) is at a commit or on a branch"
        " of that name"
    )
    assert recorder.fetched == ([ref] if as_run_id else [])  # GET /v1/runs/{run_id} takes only a UUID


THIRTY_TWO: list[tuple[str, str, Callable[[str], str], str | None]] = [
    # (rule, what is named: the run "pinned" by its id, or its "sha", as typed, the run chosen: None, an error)
    ("a run id: the run", "pinned", str, "pinned"),
    ("a run id in capitals: the run (its name is in lower case)", "pinned", str.upper, "pinned"),
    ("a run id without its dashes: the run", "pinned", lambda ref: ref.replace("-", ""), "pinned"),
    ("both", "pinned", lambda ref: ref.upper().replace("-", ""), "pinned"),
    ("a commit's first 32 hex digits, no run's id: the latest run at the commit", "sha", lambda ref: ref[:32], "at"),
    ("in capitals", "sha", lambda ref: ref[:32].upper(), "at"),
    ("32 hex digits naming neither: an error quoting them as typed", "sha", lambda ref: ref[8:40].upper(), None),
]


@pytest.mark.parametrize(("rule", "named", "typed", "chosen"), THIRTY_TWO, ids=[case[0] for case in THIRTY_TWO])
def test_an_explicit_ref_of_32_hex_digits_is_a_run_id_else_a_commit_as_typed(
    hh: HoneyHiveClient,
    recorder: Recorder,
    name: str,
    rule: str,
    named: str,
    typed: Callable[[str], str],
    chosen: str | None,
) -> None:
    """32 hex digits are a run id (however typed: the run is fetched as the runs are named) or a commit's first 32
    (matched as typed): ``--baseline ${SHA:0:32}`` was once rewritten into a run id that named nothing, its commit
    never looked for, and the error quoted an id nobody typed. The experiment file's pin is read the same way."""
    seeded = {"pinned": seed(hh, name, branch="elsewhere"), "at": seed(hh, name, sha=FULL, branch="feature")}
    seed(hh, name, sha=MB)  # what the strategy would pick
    ref = typed(seeded["pinned"] if named == "pinned" else FULL)
    for asked in ({"explicit_run_id": ref}, {"policy": BaselineConfig(run_id=ref)}):
        recorder.clear()
        if chosen is None:
            with pytest.raises(BaselineError, match=f"^baseline run {ref} does not exist in this HoneyHive project"):
                choose(hh, name, merge_base_sha=MB, **asked)
        else:
            found = choose(hh, name, merge_base_sha=MB, **asked)
            assert found is not None
            assert (found.run.run_id, found.reason) == (seeded[chosen], "explicit")
            assert found.ref == (None if chosen == "pinned" else ref)  # "the run asked for", else "... at commit"
        assert recorder.fetched == [str(uuid.UUID(ref))]  # asked for as a run first, as the runs are named


def stamped(file: str | None, *, sha: str | None = None, branch: str = "main", **ci: Any) -> dict[str, Any]:
    """``metadata.ci`` of a push's run made from ``file`` (``None``: stamped without one, by an older version)."""
    made = {"branch": branch, "event": "push", "repository": REPOSITORY, **ci}
    return {**made, **({"sha": sha} if sha else {}), **({"config_file": file} if file else {})}


@pytest.mark.parametrize(
    ("runs", "found"),
    [
        ([run("a", ci=stamped(FILE_PATH, sha=MB))], {(FILE_PATH, ""): True}),  # the file was .honeyhive/experiment.yml
        ([run("a", ci=stamped(None, sha=MB))], {(FILE_PATH, ""): True}),  # stamped without a file: the default file's
        ([run("a", ci=stamped(FILE_PATH, sha=HEAD))], {(FILE_PATH, ""): False}),  # the base branch's own run
        ([run("a", ci=stamped(FILE_PATH, sha=HEAD, branch="dev"))], {}),  # another branch's
        ([run("a", ci=stamped(FILE_PATH, sha=HEAD, event="pull_request"))], {}),  # a pull request's, not main's
        ([run("a", ci=stamped(FILE_PATH, sha=MB, branch="dev", event="pull_request"))], {(FILE_PATH, ""): True}),
        ([run("a", ci=stamped(OTHER_FILE, sha=MB))], {}),  # this file's own: a baseline, were it of this dataset
        ([run("a", ci=stamped(FILE_PATH, sha=MB, repository="acme/other"))], {}),  # another repository's
        ([run("a", ci=stamped(FILE_PATH, sha=MB), name="other")], {}),  # another experiment's
        ([run("a", ci=stamped(FILE_PATH, sha=MB), dirty=True)], {}),  # uncommitted changes: at no commit
        (
            [run("a", ci=stamped(FILE_PATH, sha=HEAD)), run("b", ci=stamped(FILE_PATH, sha=MB))],
            {(FILE_PATH, ""): True},  # at the merge base, though a newer one is not
        ),
        (
            [run("a", ci=stamped(OTHER_FILE, sha=MB)), run("b", ci=stamped(FILE_PATH, sha=MB))],
            {(FILE_PATH, ""): True},  # beside this file's own
        ),
        (
            [run("a", ci=stamped(FILE_PATH, sha=MB)), run("b", ci=stamped(FILE_PATH, sha=HEAD))],
            {(FILE_PATH, ""): True},  # at the merge base, though an older one is not
        ),
        (
            [run("a", ci=stamped(FILE_PATH, sha=MB)), run("b", ci=stamped("evals/x.yml", sha=HEAD))],
            {(FILE_PATH, ""): True, ("evals/x.yml", ""): False},
        ),
        ([run("a", ci=stamped(OTHER_FILE, sha=MB, variant="gpt"))], {(OTHER_FILE, "gpt"): True}),
        ([run("a", ci=stamped(FILE_PATH, sha=MB, variant="gpt"))], {(FILE_PATH, "gpt"): True}),
    ],
    ids=[
        "renamed",
        "unstamped-default",
        "on-base-branch",
        "other-branch",
        "pull-request-on-main",
        "pull-request-at-merge-base",
        "this-file",
        "other-repository",
        "other-name",
        "dirty",
        "any-at-merge-base",
        "beside-this-files",
        "newest-at-merge-base",
        "two-files",
        "this-file-another-leg",
        "other-file-a-leg",
    ],
)
def test_other_files_are_the_files_whose_runs_of_this_experiment_are_where_a_baseline_is_looked_for(
    runs: list[ExperimentRun], found: dict[tuple[str, str], bool]
) -> None:
    """A renamed or moved file's runs are not its baseline: which files they are, and whether one is at the merge
    base (the note on 'no baseline yet' says so)."""
    assert other_files(runs, named_query(config_file=OTHER_FILE, merge_base_sha=MB), branches={"main"}) == found
    if not any(found.values()):
        assert other_files(runs, named_query(config_file=OTHER_FILE), branches=()) == {}  # neither looked for


@pytest.mark.parametrize(
    ("stamp", "variant", "found"),
    [
        ("gpt", "gpt", {}),  # this leg's own: a baseline
        ("claude", "gpt", {(OTHER_FILE, "claude"): True}),  # another leg's
        (None, "gpt", {(OTHER_FILE, ""): True}),  # the baseline workflow gives no variant
    ],
)
def test_a_matrix_legs_runs_of_another_variant_are_named_with_it(
    stamp: str | None, variant: str, found: dict[tuple[str, str], bool]
) -> None:
    runs = [run("a", ci=stamped(OTHER_FILE, sha=MB, **({"variant": stamp} if stamp else {})))]
    query = named_query(config_file=OTHER_FILE, merge_base_sha=MB, variant=variant)
    assert other_files(runs, query, branches={"main"}) == found


@pytest.mark.parametrize(
    ("variant", "said", "shown"),
    [
        ("claude", "gpt", f"{OTHER_FILE} (variant claude)"),  # another leg's
        ("", "gpt", f"{OTHER_FILE} (no variant)"),  # the baseline workflow gives no variant
        ("gpt", "gpt", f"{OTHER_FILE} (variant gpt)"),
        ("", "", OTHER_FILE),  # no variant said, this run's or the other's: the file alone
    ],
)
def test_a_file_is_named_with_its_variant_where_one_was_said(variant: str, said: str, shown: str) -> None:
    assert origin(OTHER_FILE, variant, said) == shown


def test_a_run_stamped_without_a_file_is_a_folders_default_files_own_not_another_files() -> None:
    unstamped = [run("a", ci=stamped(None, sha=MB))]
    query = named_query(config_file=f"services/bot/{FILE_PATH}", merge_base_sha=MB)
    assert other_files(unstamped, query, branches=()) == {}


WAIT = "wait until it completes, or name a completed run, or a commit or a branch (whose latest completed run is taken)"
NAME_ONE = "name a completed run, or a commit or a branch (whose latest completed run is taken)"
ALONE = "and compared with it this run would be judged on those alone (a regression on the others would pass unseen)"
UNFINISHED: list[tuple[str, str | None, int | None, Any, int, str | None]] = [
    # (rule, the run's status, its metadata.datapoint_count, its configuration.trials, the sessions it recorded, why
    # it is no baseline: None, it is one; "r" is the run's id)
    ("completed: a baseline", "completed", 20, None, 20, None),
    ("no status given (another backend): used as is", None, 20, None, 2, None),
    (
        "running: wait for it",
        "running",
        20,
        None,
        5,
        f"is still running, not completed: it recorded 5 of its 20 datapoints, {ALONE}; {WAIT}",
    ),
    (
        "pending: wait for it",
        "pending",
        20,
        None,
        0,
        f"is still pending, not completed: it recorded 0 of its 20 datapoints, {ALONE}; {WAIT}",
    ),
    (
        "cancelled: name another",
        "cancelled",
        20,
        None,
        2,
        f"is cancelled, not completed: it recorded 2 of its 20 datapoints, {ALONE}; {NAME_ONE}",
    ),
    (
        "failed: name another",
        "failed",
        1,
        None,
        1,
        f"is failed, not completed: it recorded 1 of its 1 datapoint, {ALONE}; {NAME_ONE}",
    ),
    (
        "a status this tool does not know is not completed",
        "archived",
        3,
        1,
        3,
        f"is archived, not completed: it recorded 3 of its 3 datapoints, {ALONE}; {NAME_ONE}",
    ),
    (
        "without a datapoint count: what it recorded",
        "cancelled",
        None,
        None,
        1,
        f"is cancelled, not completed: it recorded 1 datapoint, {ALONE}; {NAME_ONE}",
    ),
    (
        "without a datapoint count, none recorded",
        "cancelled",
        None,
        None,
        0,
        f"is cancelled, not completed: it recorded 0 datapoints, {ALONE}; {NAME_ONE}",
    ),
    (
        "trials: sessions, of datapoints × trials",
        "cancelled",
        4,
        3,
        7,
        f"is cancelled, not completed: it recorded 7 sessions of its 12 (4 datapoints × 3 trials), {ALONE}; {NAME_ONE}",
    ),
    (
        "trials of one datapoint, one session",
        "running",
        1,
        2,
        1,
        f"is still running, not completed: it recorded 1 session of its 2 (1 datapoint × 2 trials), {ALONE}; {WAIT}",
    ),
    (
        "trials without a datapoint count: sessions",
        "cancelled",
        None,
        2,
        3,
        f"is cancelled, not completed: it recorded 3 sessions, {ALONE}; {NAME_ONE}",
    ),
    (
        "trials: true is no number of trials",
        "cancelled",
        2,
        True,
        1,
        f"is cancelled, not completed: it recorded 1 of its 2 datapoints, {ALONE}; {NAME_ONE}",
    ),
    (
        "one trial: datapoints",
        "cancelled",
        2,
        1,
        1,
        f"is cancelled, not completed: it recorded 1 of its 2 datapoints, {ALONE}; {NAME_ONE}",
    ),
]


@pytest.mark.parametrize(
    ("rule", "status", "count", "trials", "recorded", "why"), UNFINISHED, ids=[u[0] for u in UNFINISHED]
)
def test_a_run_named_by_its_id_that_has_not_completed_is_no_baseline(
    rule: str, status: str | None, count: int | None, trials: Any, recorded: int, why: str | None
) -> None:
    """``--baseline RUN_ID`` of a run cancelled after 2 of its 20 datapoints was compared as is: a change that
    regressed the other 18 passed its gates, said only by the overlap's warning (audit 46a #4)."""
    body: dict[str, Any] = {"run_id": "r", "status": status, "metadata": {}, "configuration": {}}
    if count is not None:
        body["metadata"]["datapoint_count"] = count
    if trials is not None:
        body["configuration"]["trials"] = trials
    asked: list[str] = []

    def counted() -> int:
        asked.append("r")
        return recorded

    assert unfinished(ExperimentRun.model_validate(body), counted) == (None if why is None else f"baseline run r {why}")
    assert asked == ([] if why is None else ["r"])  # the backend is asked only of a run that did not complete


@pytest.mark.parametrize("status", ["running", "pending", "cancelled", "failed"])
def test_an_unfinished_run_named_by_its_id_or_pinned_is_refused_saying_what_it_recorded(
    hh: HoneyHiveClient, name: str, status: str
) -> None:
    """Its datapoints recorded by evaluate() (function spans in the embedded backend), then left as a sharded run's
    report job or a cancelled job leaves it."""
    dataset = [{"id": f"dp{i}", "inputs": {"i": i}} for i in range(3)]
    recorded = evaluate(lambda inputs: inputs, dataset, client=hh, name=name).run_id
    hh.update_run(recorded, {"status": status})
    whole = seed(hh, name, sha=MB)  # what the strategy would pick
    wait = WAIT if status in ("running", "pending") else NAME_ONE
    state = f"is still {status}" if status in ("running", "pending") else f"is {status}"
    said = f"baseline run {recorded} {state}, not completed: it recorded 3 of its 3 datapoints, {ALONE}; {wait}"
    for asked in ({"explicit_run_id": recorded}, {"policy": BaselineConfig(run_id=recorded.upper())}):
        with pytest.raises(BaselineError) as raised:
            choose(hh, name, merge_base_sha=MB, **asked)
        assert str(raised.value) == said
    hh.update_run(recorded, {"status": "completed"})
    chosen = choose(hh, name, explicit_run_id=recorded, merge_base_sha=MB)
    assert chosen is not None
    assert (chosen.run.run_id, chosen.reason) == (recorded, "explicit") != (whole, "explicit")

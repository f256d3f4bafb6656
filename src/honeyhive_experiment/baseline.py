"""Choosing the baseline run a PR's run is compared with.

Only runs of the same experiment are candidates (:meth:`BaselineQuery.candidates`): the same name, the same experiment
file (``metadata.ci.config_file``, :attr:`~honeyhive_experiment.settings.Settings.config_file`; a run an older version
stamped without it counts as a default file's, as the pull request's comment of an earlier version is adopted), the same
dataset (dataset_identity.py) and, when both runs know it, the same repository (``metadata.ci.repository``). Two files
under one name are two experiments: one's runs are never the other's baseline, nor in its trend. In order
(product.md, the ``baseline`` config):

1. an explicit baseline (``baseline-run-id``, ``--baseline``, the config's ``run_id``): a run id (looked up as the
   runs are named, however it was typed), used as is if it completed (:func:`unfinished`: one still running, or
   cancelled or failed before it did, holds part of its datapoints at most, and is refused, naming its status and how
   many it recorded); else, as typed, a commit (full or short sha: 32 hex digits may be either) or a branch, whose
   latest completed run is taken (:func:`pick_named`): a run of the branch itself (:func:`of_the_branch`) if there
   is one, else a local or pull request's run, said so; whatever its result, but, as at the merge base (2), not one
   whose check errored or recorded no verdict: those are passed over, and named; else a revision git resolves in the
   checkout (``HEAD~1``, ``main^``, a tag), whose commit's latest completed run is taken by the same rule, named
   with the commit it resolved to (:attr:`Baseline.resolved`);
2. ``merge-base``: the completed run at the PR's merge-base commit (a local run: the merge base of ``HEAD``
   with the default branch; a checkout of GitHub's merge commit: its first parent, the base's tip): the base
   branch's own run there (a push, a schedule), else any other run at that commit (a developer's local run, a
   pull request's, another branch's), said so; never a run that checked out another commit than its own
   (``metadata.ci.checkout_sha``), nor one whose check errored (it could not be evaluated: nothing is known of
   the base from it) or recorded no verdict (``pending``: it may have errored);
3. ``branch``: the latest completed run on the base branch whose check passed; for a local run, the previous run
   on the current branch instead (a local run, or CI's of a branch of that name: said, :attr:`Baseline.why`).

A run of a branch other than the default (a push, a schedule, a dispatch) has that branch as its base and no merge
base: its own latest passing run is its baseline; a branch without one (a feature branch's first push) takes the
default branch's by 2 then 3, at the branch's merge base with it, and says so (:attr:`Baseline.instead_of`).

``auto`` (the default) tries 2 then 3; ``none`` picks nothing (comparisons off: the verdict is the run's own
result, verdict.py), though an explicit baseline (1) is still used: it was asked for by name.

The baseline policy (README, the example workflows and the comment's "no baseline" text say the same):

* **A run at the merge base is used whatever its result.** It is exactly the code the pull request changes
  from, so the comparison is like for like; a failing merge-base run is still the truth about the base, and
  the comment says that it failed (a PR that fixes a broken main shows as an improvement, not "no baseline").
  An errored or unstamped one is not a result (2). The base branch's own run is preferred: a developer's local run
  recorded to the shared project was made with another environment, and the baseline is named for what it is.
* **A branch fallback must have passed its check.** Without a run at the merge base, the latest run on the base
  branch stands in for it; only a run whose check was green is taken, so a broken main is not what a PR is
  measured against by accident (a run's stamped verdict is read as listed; the backend is asked the result of at
  most :data:`MAX_RESULT_CHECKS` runs without one). The check's own verdict
  is stamped on every run this tool judges, and ``error`` on one whose invocation failed after recording it
  (``metadata.check.verdict``: pass and neutral are green, so a main branch that runs under ``allow_failed`` has
  baselines). A run this tool records says ``pending`` there until that stamp replaces it: one whose stamp was lost
  (the backend refused it, or had stopped answering) is never green, whatever the backend reports of it; only a run
  without a check at all (an older version's, the SDK's) is green when the backend reports it successful. It
  must also be a run *of* the branch (a push, a schedule), not of a pull request: a fork's pull request from its
  own ``main`` is stamped with that branch name, but its code is the fork's; nor a developer's local run, whose
  commit may never have been pushed, nor a fork's run that triggered a ``workflow_run`` (stamped with no branch:
  :func:`of_the_branch`). And it must be of the merge base's history (git asks
  :func:`~honeyhive_experiment.checkout.is_ancestor`; a push's run, with no merge base, and a run whose
  ``baseline.branch`` is not its base: of its own commit's): a run at a commit the branch made after the fork point
  would count its later changes as undone by the pull request, so it is
  taken only when no other is found, and said (:attr:`Baseline.ahead`); so is one whose ancestry git cannot tell (a
  shallow clone, a commit force-pushed away: :attr:`Baseline.unknown`).
* **A local dry run's fallback is the previous run on its branch, whatever its result**: successive attempts on
  one machine are compared with each other.
* **A run with uncommitted changes is never another run's baseline** (:func:`may_be_baseline`): it is
  stamped with a commit its code does not match. The one exception is the previous local run of a later run
  with uncommitted changes on the same commit (two attempts at one edit). An explicit run id is used as is.
* **A baseline has completed, even one named by its id** (:func:`unfinished`). A run still running, or cancelled or
  failed before it completed, holds part of its datapoints at most: compared with it, a run is judged on those alone,
  and a change that regresses the others passes its gates (only the overlap's warning says anything). As ``view``
  will not judge such a run as a result, it is not taken as one to compare with: naming one is an error, as naming
  a run that does not exist is, saying its status and how many datapoints it recorded. The rules look only at
  completed runs.

Runs are found by paging ``GET /v1/runs`` (``name`` is a substring filter on the server, so the exact name is
matched here) and matched on the ``metadata.ci`` this tool stamps on every run. Whether a run passed is its check's
stamped verdict; only a run without a check is asked of the backend (its result's ``success``); it is never
inferred.

The choice itself is pure (:func:`pick_baseline`, :func:`pick_recent`: runs in, a run out); the function
that takes the client (:func:`choose_baseline`) only fetches and hands the runs over.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from honeyhive_experiment.client import HoneyHiveClient, is_run_id, run_id_as_named
from honeyhive_experiment.config import BaselineConfig, BaselineStrategy
from honeyhive_experiment.context import PULL_REQUEST_EVENTS
from honeyhive_experiment.dataset_identity import DatasetIdentity, same_dataset
from honeyhive_experiment.errors import BaselineError, NotFoundError
from honeyhive_experiment.models import ExperimentRun, ExperimentRunStatus
from honeyhive_experiment.models.outcomes import and_more
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH

MAX_RESULT_CHECKS = 10  # candidates on the base branch without a stamped verdict whose result the backend is asked


@dataclass(frozen=True, slots=True)
class Baseline:
    run: ExperimentRun
    reason: str  # "explicit" | "merge-base" | "branch" | "previous" (a local run's previous run on its branch)
    ref: str | None = None  # explicit: what was asked for; merge-base: the branch the merge base is taken with
    instead_of: str | None = None  # a run of a branch that had no passing run: that branch (the default's run is)
    ahead: bool = False  # branch: git says its commit is not the merge base's ancestor (the branch moved on past it)
    unknown: bool = False  # branch: git could not tell whether its commit is the merge base's ancestor (shallow clone)
    behind: bool = False  # branch: a newer passing run was passed over (ahead, or unknown): the latest at or before
    before: str | None = None  # behind: the run's own commit it is at or before (a push's: no merge base); None: the
    # merge base
    # explicit (a commit or a branch named): the runs there that would have been taken, had their checks not errored or
    # recorded no verdict (:func:`pick_named`), as :attr:`note` names them
    passed_over: tuple[ExperimentRun, ...] = ()
    resolved: str | None = None  # explicit: the commit git resolved ref to (a revision: HEAD~1), whose run this is
    fork_point: str | None = None  # ahead or unknown: the commit it is not known to be of the history of (the merge
    # base; a push's, or baseline.branch's other than the base: the run's own commit)
    unchecked: str | None = None  # ahead or unknown: how far GitHub was asked before it was asked no more (an older
    # run may be of the history; flow.Ancestry.stopped)

    @property
    def why(self) -> str:
        """Which baseline this is and why, as the terminal and the comment say it: a local or a pull request's
        run named as one (:attr:`whose`)."""
        if self.instead_of:
            return f"no passing run of {self.instead_of} yet: {dataclasses.replace(self, instead_of=None).why}"
        sha = self.commit_sha[:7] if self.commit_sha else "?"
        kind = _run_kind(self.run)
        if self.reason == "merge-base":
            return f"{self.whose} at merge-base {sha}" + (f" with {self.ref}" if self.ref else "")
        if self.reason == "branch" and self.behind:  # "latest ... whose check passed" would be a newer one's
            at = f"its commit {self.before[:7]}" if self.before else "the merge base"
            return f"latest passing run on {self.branch} at or before {at}"
        if self.reason == "branch":
            return f"latest run on {self.branch} whose check passed"
        if self.reason == "previous":
            return f"previous {kind}"
        if self.ref and self.ref != self.run.run_id:
            return f"latest {'usable ' if self.passed_over else ''}{kind} {self._named}"
        return "the run asked for"

    @property
    def _named(self) -> str:
        """Where an explicit commit or branch (:attr:`ref`) took the run: ``at commit <sha>`` or ``on <branch>``; a
        revision git resolved: ``at commit <sha> (HEAD~1)``."""
        if self.resolved:
            return f"at commit {self.resolved[:7]} ({self.ref})"
        at_commit = self.commit_sha is not None and self.commit_sha.lower().startswith(str(self.ref).lower())
        return f"at commit {str(self.ref)[:7]}" if at_commit else f"on {self.ref}"

    @property
    def note(self) -> str | None:
        """Which runs an explicit commit or branch passed over for this one (:attr:`passed_over`), as the report's
        note says it; ``None`` when none was."""
        if not self.passed_over:
            return None
        return (
            f"Passed over {self._named}: {_unjudged(self.passed_over)}. {UNJUDGED}, so the baseline is the latest"
            f" usable {_run_kind(self.run)} {self._named}. {NAME_IT}."
        )

    @property
    def whose(self) -> str:
        """Whose run a merge-base baseline is, as its label starts: ``run`` (the base branch's own, a push or a
        schedule), ``local run`` or ``pull request run``, with its branch when that is not the base's (``ref``)."""
        on = f" on {self.branch}" if self.branch and self.branch != self.ref else ""
        return f"{_run_kind(self.run)}{on}"

    @property
    def commit_sha(self) -> str | None:
        return stamp_of(self.run, "sha")

    @property
    def created_at(self) -> datetime | None:
        return _created(self.run)

    @property
    def branch(self) -> str | None:
        return stamp_of(self.run, "branch")


@dataclass(frozen=True, slots=True)
class BaselineQuery:
    """Which baseline is asked for (:func:`choose_baseline`, :func:`pick_baseline`, :func:`pick_named`) and which runs
    are the experiment's (:func:`pick_recent`, :func:`other_files`), built once where the run is judged
    (``flow.baseline_query``).

    ``experiment``, ``dataset_id``, ``config_file``, ``variant`` and ``repository`` say which runs are this experiment's
    (:meth:`candidates`); ``exclude_run_ids``: runs never taken (the run being judged). ``policy``: the ``baseline``
    config (its ``strategy``; ``run_id`` is :func:`choose_baseline`'s alone); ``now``: when its ``max_age_days``
    counts from. ``merge_base_sha``: the merge base (rule 2), taken with the branch ``merge_base_ref`` (else
    ``base_branch``): its own run there is preferred, and :attr:`Baseline.why` names it. ``base_branch``: the branch
    of the fallback (rule 3). ``require_passing`` false (a local run): the branch fallback is the previous run on the
    branch, local or CI's (reason ``previous``), whatever its result, and nothing is asked. ``head_sha``/``dirty``
    describe the run being judged (:func:`may_be_baseline`).

    ``fallback_branch`` (the default branch, for a run of another branch ``base_branch``: a push, a schedule):
    the branch's own latest passing run first; without one, the default branch's baseline by the rules above,
    ``merge_base_sha`` being the branch's merge base with it, named :attr:`Baseline.instead_of` the branch.
    """

    experiment: str
    dataset_id: str | DatasetIdentity | None
    policy: BaselineConfig
    now: datetime
    config_file: str
    repository: str | None
    merge_base_sha: str | None = None
    base_branch: str | None = None
    exclude_run_ids: Collection[str] = ()
    require_passing: bool = True
    head_sha: str | None = None
    dirty: bool = False
    merge_base_ref: str | None = None
    fallback_branch: str | None = None
    variant: str = ""

    @property
    def oldest(self) -> datetime | None:
        """How old a run may be to be the baseline (``policy.max_age_days`` before ``now``); ``None``: any age."""
        if self.policy.max_age_days:
            with contextlib.suppress(OverflowError):  # further back than a date goes (1000000 days): no age limit
                return self.now - timedelta(days=self.policy.max_age_days)
        return None

    def candidates(self, runs: Iterable[ExperimentRun], oldest: datetime | None) -> Iterator[ExperimentRun]:
        """The runs of this experiment (its name, its file, its repository: :func:`same_origin`) and dataset
        (dataset_identity.py: also those recorded under an older id of a repository file) among ``runs`` (newest
        first), but ``exclude_run_ids``, down to ``oldest``."""
        for run in runs:
            if run.name != self.experiment or run.run_id in self.exclude_run_ids:
                continue
            if not same_dataset(run, self.dataset_id) or not same_origin(
                run, self.config_file, self.repository, self.variant
            ):
                continue
            created = _created(run)
            if oldest is not None and created is not None and created < oldest:
                return  # newest first: everything after is older still
            yield run


def stamp_of(run: ExperimentRun, key: str) -> str | None:
    """What the run's ``metadata.ci`` says of ``key``, when it is a string (an older version's or another tool's
    stamp may lack it or hold anything)."""
    value = run.ci.get(key)
    return value if isinstance(value, str) else None


def is_dirty(run: ExperimentRun) -> bool:
    """Whether the run was stamped as made with uncommitted changes."""
    return run.ci.get("dirty") is True


def may_be_baseline(candidate: ExperimentRun, *, reason: str, head_sha: str | None, dirty: bool) -> bool:
    """Whether ``candidate`` may be the baseline (for ``reason``) of a run at ``head_sha`` (``dirty``: with
    uncommitted changes), by the module docstring's rule for runs with uncommitted changes."""
    if not is_dirty(candidate):
        return True
    return reason == "previous" and dirty and head_sha is not None and candidate.ci.get("sha") == head_sha


def _for_a_pull_request(run: ExperimentRun) -> bool:
    return run.ci.get("pr_number") is not None or run.ci.get("event") in PULL_REQUEST_EVENTS


def of_the_branch(run: ExperimentRun) -> bool:
    """Whether the run is one of the branch itself, as the workflows make them (a push, a schedule): not a pull
    request's (its head branch, whatever that branch is called), nor a local run (a commit perhaps never pushed), nor
    one stamped with no branch (a tag's; a fork's run that triggered a ``workflow_run``, context.ci_context)."""
    return not _for_a_pull_request(run) and run.ci.get("event") != "local" and stamp_of(run, "branch") is not None


def _run_kind(run: ExperimentRun) -> str:
    """What made the run, as a baseline's label says it: ``local run``, ``pull request run`` or (a push, a
    schedule, an older version's) ``run``."""
    if run.ci.get("event") == "local":
        return "local run"
    return "pull request run" if _for_a_pull_request(run) else "run"


def same_origin(run: ExperimentRun, config_file: str, repository: str | None, variant: str) -> bool:
    """Whether ``run`` was made from the experiment file ``config_file`` (``metadata.ci.config_file``; a run
    without it, stamped by an older version, by :func:`older_file`, in any working directory) as the matrix leg
    ``variant``
    (``metadata.ci.variant``, none when unstamped: one leg's run is no baseline of another's, a model's of another
    model's) and, when both runs know theirs, in ``repository`` (GitHub's names ignore case)."""
    file = stamp_of(run, "config_file")
    same_file = file == config_file if file is not None else f"/{config_file}".endswith(f"/{older_file(run)}")
    theirs = stamp_of(run, "repository")
    same_repository = not (theirs is not None and repository and theirs.lower() != repository.lower())
    return same_file and same_repository and (stamp_of(run, "variant") or "") == variant


def older_file(run: ExperimentRun) -> str:
    """The experiment file of a run an older version made, which stamped no ``metadata.ci.config_file``: the one its
    dataset's stamp names (``metadata.dataset.config``, from the working directory: versions of 2026-12-02 to -05),
    else the default file, ``.honeyhive/experiment.yml``, as the pull request's comment of an earlier version is
    adopted."""
    return DatasetIdentity.of_run(run).config or DEFAULT_CONFIG_PATH


def _created(run: ExperimentRun) -> datetime | None:
    """When the backend created the run; a timestamp without a zone is taken as UTC (as the report does)."""
    if not run.created_at:
        return None
    try:
        created = datetime.fromisoformat(run.created_at)
    except ValueError:
        return None
    return created if created.tzinfo is not None else created.replace(tzinfo=UTC)


PAGES, PAGE = 50, 100  # completed_runs reads the newest 5,000 at most (fewer where the server pages fewer than asked)


class RunListing(Iterator[ExperimentRun]):
    """Runs as ``pages`` (:meth:`~honeyhive_experiment.client.HoneyHiveClient.iter_runs`) lists them, each read as
    asked for; once read to the end, how many were (``read``) and whether older ones were left unread (``unread``)."""

    def __init__(self, pages: Generator[Mapping[str, Any], None, bool]) -> None:
        self.pages, self.read, self.unread = pages, 0, False

    def __next__(self) -> ExperimentRun:
        try:
            run = ExperimentRun.model_validate(next(self.pages))
        except StopIteration as end:  # a generator's value once, then None (itertools.tee asks again)
            self.unread = self.unread or bool(end.value)
            raise
        self.read += 1
        return run


def completed_runs(client: HoneyHiveClient, name: str) -> RunListing:
    """The completed runs whose name contains ``name`` (the server's filter), newest first, fetched as read: the
    newest :data:`PAGES` pages of :data:`PAGE` at most (:func:`unread_note`)."""
    # newest first: the client sorts so by default
    return RunListing(client.iter_runs(max_pages=PAGES, name=name, status="completed", limit=PAGE))


def unread_note(runs: RunListing, query: BaselineQuery) -> str | None:
    """That older runs than ``runs`` (:func:`completed_runs`, read to its end) were not read, as the report's note
    says it when no baseline was found; ``None`` when the listing ended."""
    if not runs.unread:
        return None
    return (
        f"Only the newest {runs.read:,} completed runs whose name contains {query.experiment} are read (the server"
        " matches names as substrings, so other experiments' runs count too): a baseline older than them was not"
        f" looked for. {NAME_IT}."
    )


def other_files(
    runs: Iterable[ExperimentRun], query: BaselineQuery, *, branches: Collection[str]
) -> dict[tuple[str, str], bool]:
    """The experiment files and variants (``""``: none) other than ``query``'s that runs of ``query.experiment``
    in ``query.repository`` (without uncommitted changes) were made from at commit ``query.merge_base_sha`` or on
    one of ``branches`` (the branch's own runs), each with whether one is at that commit: none of them may be this
    file's baseline (:func:`same_origin`), as after the file was renamed or moved, or a matrix leg given a variant."""
    found: dict[tuple[str, str], bool] = {}
    for run in runs:
        ci, file, variant = run.ci, stamp_of(run, "config_file"), stamp_of(run, "variant") or ""
        file = file if file is not None else older_file(run)  # a run an older version stamped without it
        at_base = query.merge_base_sha is not None and ci.get("sha") == query.merge_base_sha
        there = at_base or (ci.get("branch") in branches and of_the_branch(run))
        if (
            run.name == query.experiment
            and there
            and not is_dirty(run)
            and same_origin(run, file, query.repository, variant)  # this repository's: not asked again below
            and not same_origin(run, query.config_file, None, query.variant)
        ):
            found[file, variant] = at_base or found.get((file, variant), False)
    return found


def origin(config_file: str, variant: str, said: str) -> str:
    """An experiment file and its variant, as a note names them: the variant (or that there is none) only where one
    was ``said`` (this run's or the other's)."""
    if not said:
        return config_file
    return f"{config_file} (variant {variant})" if variant else f"{config_file} (no variant)"


GREEN: Final = frozenset({"pass", "neutral"})
"""The check verdicts of a run that may be a branch baseline (fail, error and :data:`PENDING` may not)."""

PENDING: Final = "pending"
"""The check verdict a run this tool records carries from its creation until its check stamps its own: one whose
stamp was lost (the backend refused it, or had stopped answering) keeps it, and is no baseline by the rules, since
nothing says how its check ended."""


UNJUDGED: Final = (
    "A run whose check errored could not be evaluated, and one whose check recorded no verdict may have errored:"
    " neither is a result to compare with"
)
NAME_IT: Final = "To compare with one anyway, name it by its run id (baseline-run-id, --baseline RUN_ID)"
SHOWN: Final = 3  # passed-over runs named in a note or an error; the others are counted


def _unjudged(runs: Collection[ExperimentRun]) -> str:
    """The runs an explicit commit or branch passed over (:func:`pick_named`), the first :data:`SHOWN` by id with
    how their checks ended, the others counted."""
    said = [
        f"{run.run_id} (its check {'errored' if check_verdict(run) == 'error' else 'recorded no verdict'})"
        for run in runs
    ]
    return and_more(said, SHOWN)


def passed_over_note(runs: Iterable[ExperimentRun], query: BaselineQuery) -> str | None:
    """The runs of ``query``'s experiment at its merge base (``merge_base_sha``) that rule 2 passed over, their checks
    having errored or recorded no verdict (:data:`PENDING`), named as the report's note says it when no baseline was
    found; ``None`` when none was."""
    at = query.merge_base_sha
    passed_over = [
        run
        for run in query.candidates(runs, None)
        if at is not None
        and run.ci.get("sha") == at
        and run.ci.get("checkout_sha") is None
        and not is_dirty(run)
        and check_verdict(run) in ("error", PENDING)
    ]
    if not passed_over:
        return None
    return (
        f"No run at {str(at)[:7]}, the base commit this change is measured against, could be the baseline:"
        f" {_unjudged(passed_over)}. {UNJUDGED}. {NAME_IT}."
    )


def too_old_note(runs: Iterable[ExperimentRun], query: BaselineQuery) -> str | None:
    """The runs of ``query``'s experiment older than its ``max_age_days`` (:attr:`BaselineQuery.oldest`), which no
    rule looked at, counted with the newest named, as the report's note says them when no baseline was found;
    ``None`` when none is."""
    oldest = query.oldest
    created = ((run, _created(run)) for run in query.candidates(runs, None))
    too_old = [(run, at) for run, at in created if oldest is not None and at is not None and at < oldest]
    if not too_old:
        return None
    (newest, at), count = too_old[0], len(too_old)
    return (
        f"{_counted(count, 'run')} of {query.experiment} older than {query.policy.max_age_days} days"
        f" (baseline.max_age_days) {'was' if count == 1 else 'were'} not looked at, the newest {newest.run_id}"
        f" from {at:%Y-%m-%d}. {NAME_IT}, or raise baseline.max_age_days."
    )


def not_completed(run: ExperimentRun) -> Literal["running", "stopped"] | None:
    """How ``run`` has not completed: ``"running"`` (pending or running: it may yet), ``"stopped"`` (cancelled or
    failed before it did); ``None`` when it completed, or the backend gives no status. What it holds is part of its
    datapoints at most until it completes: neither a baseline (:func:`unfinished`) nor a result to judge."""
    if run.status is None or run.status == ExperimentRunStatus.COMPLETED:
        return None
    running = run.status in (ExperimentRunStatus.PENDING, ExperimentRunStatus.RUNNING)
    return "running" if running else "stopped"


def unfinished(run: ExperimentRun, recorded: Callable[[], int]) -> str | None:
    """Why ``run``, named as the baseline by its id, is not one: its status is not ``completed`` (``None``: it is, or
    the backend gives none), so it holds part of its datapoints at most, and a comparison with it would judge a run
    on those alone. ``recorded()``: how many of its sessions (one per datapoint and trial) the backend holds a
    function span of, asked only then; said against ``metadata.datapoint_count`` and ``configuration.trials``."""
    if (how := not_completed(run)) is None:
        return None
    done, count, trials = recorded(), run.datapoint_count, run.configuration.get("trials")
    if isinstance(trials, int) and not isinstance(trials, bool) and trials > 1:  # a session per datapoint and trial
        of = f" of its {count * trials} ({_counted(count, 'datapoint')} × {trials} trials)" if count is not None else ""
        held = _counted(done, "session") + of
    elif count is not None:
        held = f"{done} of its {_counted(count, 'datapoint')}"
    else:
        held = _counted(done, "datapoint")
    if how == "running":
        state, then = f"is still {run.status}", "wait until it completes, or name"
    else:
        state, then = f"is {run.status}", "name"
    return (
        f"baseline run {run.run_id} {state}, not completed: it recorded {held}, and compared with it this run would be"
        f" judged on those alone (a regression on the others would pass unseen); {then} a completed run, or a commit"
        " or a branch (whose latest completed run is taken)"
    )


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def check_verdict(run: ExperimentRun) -> str | None:
    """The verdict this tool's check gave the run (``metadata.check.verdict``), ``None`` when it was not stamped."""
    check = run.metadata.get("check")
    verdict = check.get("verdict") if isinstance(check, Mapping) else None
    return verdict if isinstance(verdict, str) else None


def check_passed(run: ExperimentRun, success: Callable[[], bool | None]) -> bool | None:
    """Whether the run's check was green (its stamped verdict: a gate it crossed fails it, though the backend may
    count every datapoint passed); ``None`` (not known) for a run whose check recorded no verdict (:data:`PENDING`);
    a run without a check at all (another tool's, an older version's): ``success()``, what the backend reports."""
    verdict = check_verdict(run)
    if verdict == PENDING:
        return None
    return verdict in GREEN if verdict is not None else success()


def _reports_success(client: HoneyHiveClient, run_id: str) -> bool:
    """Whether the backend's result for the run says ``success`` (a run without a result did not pass)."""
    try:
        return client.get_run_summary(run_id).success
    except NotFoundError:
        return False


def pick_recent(runs: Iterable[ExperimentRun], query: BaselineQuery, *, limit: int) -> list[ExperimentRun]:
    """The first ``limit`` runs of ``runs`` (completed, newest first) of ``query``'s experiment and dataset
    (:meth:`BaselineQuery.candidates`) on ``query.base_branch`` (any branch when ``None``) that could be a
    baseline: none made with uncommitted changes or for a pull request, nor one whose check errored or recorded no
    verdict (:data:`PENDING`)."""
    branch = query.base_branch
    on_branch = (
        run
        for run in query.candidates(runs, None)
        if (branch is None or run.ci.get("branch") == branch)
        and not is_dirty(run)
        and not _for_a_pull_request(run)
        and check_verdict(run) not in ("error", PENDING)
    )
    return list(itertools.islice(on_branch, limit))  # nothing after the last one is read


def pick_baseline(
    runs: Iterable[ExperimentRun],
    query: BaselineQuery,
    *,
    passed: Callable[[ExperimentRun], bool | None],
    ancestry: Callable[[str, str], bool | None],
) -> Baseline | None:
    """The baseline among ``runs`` (the completed runs whose name contains ``query.experiment``, newest first, read
    lazily: nothing after the choice is read) asked for by ``query``, by ``query.policy.strategy``;
    ``policy.run_id`` is not looked at (:func:`choose_baseline` uses it as is).

    ``passed(run)`` tells whether a run passed its check; it is asked only of branch candidates, at most
    :data:`MAX_RESULT_CHECKS` of them without a stamped verdict. ``ancestry(commit, fork_point)`` tells whether a
    branch candidate's commit is the merge base (without one, ``query.head_sha``) or one of its ancestors (``None``:
    unknown), asked once per commit, of every one until one of that history passed, when the merge base was taken with
    the branch searched (the module docstring's rule; :attr:`Baseline.ahead`, :attr:`Baseline.unknown`,
    :attr:`Baseline.behind`).
    """
    policy, base_branch, require_passing = query.policy, query.base_branch, query.require_passing
    if policy.strategy is BaselineStrategy.NONE:
        return None
    oldest = query.oldest
    use_merge_base = policy.strategy in (BaselineStrategy.AUTO, BaselineStrategy.MERGE_BASE)
    use_branch = policy.strategy in (BaselineStrategy.AUTO, BaselineStrategy.BRANCH)
    fallback = "branch" if require_passing else "previous"

    def among(
        runs: Iterable[ExperimentRun], branch: str | None, merge_base_sha: str | None, ref: str | None
    ) -> Baseline | None:
        """The baseline on ``branch``, or at ``merge_base_sha`` taken with ``ref`` (else ``base_branch``)."""
        home = ref or base_branch
        checked = 0
        known: dict[str, bool | None] = {}  # what git said of each commit: several runs at one commit ask it once
        branch_match: Baseline | None = None
        stand_in: Baseline | None = None  # the newest passing one not known to be of the fork point's history
        # the fallback stands in for the run at the merge base taken with this branch: it must be of its history; a
        # run of the branch itself (a push: no merge base), or of another branch named (baseline.branch), is compared
        # with a run at one of its own commit's ancestors
        fork_point: str | None = None  # a local run's previous run: git is not asked
        if require_passing:
            fork_point = merge_base_sha if branch == home and merge_base_sha else query.head_sha
        other_at_merge_base: Baseline | None = None  # the newest local run, pull request's or other branch's run
        for run in query.candidates(runs, oldest):
            ci = run.ci
            if (
                use_merge_base
                and merge_base_sha
                and ci.get("sha") == merge_base_sha
                and ci.get("checkout_sha") is None  # else it ran a merge of that commit, not the commit
                # it could not be evaluated, or nothing says how its check ended: it says nothing of the base
                and check_verdict(run) not in ("error", PENDING)
                and not is_dirty(run)  # may_be_baseline: only a previous run may have uncommitted changes
            ):
                if of_the_branch(run) and ci.get("branch") == home:
                    return Baseline(run, "merge-base", ref)
                if other_at_merge_base is None:
                    other_at_merge_base = Baseline(run, "merge-base", ref)
                continue
            if (
                use_branch
                and branch
                and branch_match is None
                and ci.get("branch") == branch
                and (not require_passing or of_the_branch(run))
                and (checked < MAX_RESULT_CHECKS or check_verdict(run) is not None)
                and may_be_baseline(run, reason=fallback, head_sha=query.head_sha, dirty=query.dirty)
            ):
                sha = stamp_of(run, "sha")
                of_history: bool | None = True  # nothing to ask; None: git cannot tell (a shallow clone)
                if fork_point is not None and sha is not None:
                    if sha not in known:
                        known[sha] = ancestry(sha, fork_point)
                    of_history = known[sha]
                if of_history is not True and stand_in is not None:
                    continue
                checked += check_verdict(run) is None  # its result is the backend's to say
                if not require_passing or passed(run):
                    if of_history is not True:  # ahead of the fork point, or not known to be of its history
                        ahead, unknown = of_history is False, of_history is None
                        stand_in = Baseline(run, fallback, ahead=ahead, unknown=unknown, fork_point=fork_point)
                        continue
                    own = fork_point != merge_base_sha  # a push's, which has no merge base: its own commit's history
                    before = fork_point if stand_in is not None and own else None
                    branch_match = Baseline(run, fallback, behind=stand_in is not None, before=before)
                    if not (use_merge_base and merge_base_sha):
                        return branch_match
        return other_at_merge_base if other_at_merge_base is not None else branch_match or stand_in

    fallback_branch, merge_base_sha = query.fallback_branch, query.merge_base_sha
    if not fallback_branch or fallback_branch == base_branch or policy.branch:
        return among(runs, policy.branch or base_branch, merge_base_sha, query.merge_base_ref)
    own_runs, runs = itertools.tee(runs)  # the listing is read once: the second pass rereads what the first read
    own = among(own_runs, base_branch, None, None)
    if own is not None:
        return own
    found = among(runs, fallback_branch, merge_base_sha, fallback_branch)
    return dataclasses.replace(found, instead_of=base_branch) if found is not None else None


_SHORT_SHA = re.compile(r"[0-9a-f]{7,64}")


def pick_named(
    runs: Iterable[ExperimentRun], ref: str, query: BaselineQuery, *, commit: str | None = None
) -> Baseline | None:
    """The latest run among ``runs`` (completed, newest first) of the experiment and dataset ``query`` asks about
    (:meth:`BaselineQuery.candidates`; not one of its ``exclude_run_ids``, and nothing else of it is looked at) at
    commit ``ref`` (a full sha, or at least 7 of its first hex digits) or on branch ``ref``, by the module docstring's
    rule 1: a run of the branch itself (:func:`of_the_branch`), else the latest local or pull request's run there; runs
    with uncommitted changes are not at any commit (:func:`may_be_baseline`); those it passes over (their check errored
    or recorded no verdict: :data:`PENDING`) are named (:attr:`Baseline.passed_over`). Raises BaselineError, naming
    them, when every run there is one. ``commit``: the commit git resolved ``ref`` to (``HEAD~1``): only runs at it
    are taken, and the baseline says so (:attr:`Baseline.resolved`)."""
    folded = (commit or ref).strip().lower()
    is_sha = _SHORT_SHA.fullmatch(folded) is not None
    other: tuple[ExperimentRun, int] | None = None  # the latest other run, and how many unjudged runs are newer
    unjudged: list[tuple[ExperimentRun, bool]] = []  # errored or pending (newest first), each with of_the_branch
    for run in query.candidates(runs, None):
        ci = run.ci
        sha, branch = ci.get("sha"), ci.get("branch")
        # a run of GitHub's merge commit (checkout_sha) never ran its head commit alone
        at_commit = is_sha and isinstance(sha, str) and sha.lower().startswith(folded) and not ci.get("checkout_sha")
        if not (at_commit or (branch == ref and not commit)) or is_dirty(run):
            continue
        own = of_the_branch(run)
        if check_verdict(run) in ("error", PENDING):
            unjudged.append((run, own))
        elif own:  # it would have been taken over any newer run but the branch's own
            passed_over = tuple(r for r, mine in unjudged if mine)
            return Baseline(run, "explicit", ref, passed_over=passed_over, resolved=commit)
        elif other is None:
            other = (run, len(unjudged))
    if other is not None:  # any newer run would have been taken over it, and any of the branch's own
        found, newer = other
        passed = [r for i, (r, mine) in enumerate(unjudged) if i < newer or mine]
        return Baseline(found, "explicit", ref, passed_over=tuple(passed), resolved=commit)
    if unjudged:
        where = f"at commit {commit[:7]} ({ref})" if commit else f"at a commit or on a branch named {ref}"
        raise BaselineError(
            f"no completed run of {query.experiment} {where} is a result to compare with:"
            f" {_unjudged([r for r, _ in unjudged])}. {UNJUDGED}. {NAME_IT}."
        )
    return None


def choose_baseline(
    client: HoneyHiveClient,
    query: BaselineQuery,
    *,
    explicit_run_id: str | None = None,
    ancestry: Callable[[str, str], bool | None],
    runs: Iterable[ExperimentRun] | None = None,
    commit_of: Callable[[str], str | None] | None = None,
) -> Baseline | None:
    """The baseline ``query`` asks for, or None when there is none (the verdict is then neutral, or with strategy
    ``none`` the run's own result).

    ``explicit_run_id`` (or the config's ``run_id``, ``query.policy.run_id``) is a run id (used as is, whatever it
    is, once it completed: else a :class:`BaselineError` says why not, :func:`unfinished`), else a commit or branch
    as typed (:func:`pick_named`), else a revision ``commit_of`` resolves (git's, in the checkout: ``HEAD~1``, the
    commit it names, asked only then; :class:`BaselineError` quoting it when it names nothing); otherwise
    :func:`pick_baseline` chooses (``ancestry``: git's, of the checkout). ``runs``: the :func:`completed_runs` of
    ``query.experiment`` when the caller reads them too (else they are listed here).
    """
    runs = completed_runs(client, query.experiment) if runs is None else runs
    explicit = explicit_run_id or query.policy.run_id
    if explicit:
        if is_run_id(explicit):  # anything else is a commit or a branch
            try:  # as the runs are named (lower case, dashed), however it was typed or pasted
                run = ExperimentRun.model_validate(client.get_run(run_id_as_named(explicit)))
            except NotFoundError:
                pass
            else:
                why = unfinished(run, lambda: len(client.scored_sessions(run.run_id)))
                if why is not None:
                    raise BaselineError(why)
                return Baseline(run, "explicit")  # its id says it
        runs, again = itertools.tee(runs)  # read once: a revision's commit is looked for among the same runs
        named = pick_named(runs, explicit, query)
        if named is not None:
            return named
        commit = commit_of(explicit) if commit_of is not None else None  # not a branch's or sha's as typed: HEAD~1
        if commit is not None and (named := pick_named(again, explicit, query, commit=commit)) is not None:
            return named
        resolved = f", nor at commit {commit[:7]}, which it names in this checkout" if commit is not None else ""
        lead = f"baseline {explicit}: no"  # a commit, a branch or a revision (HEAD~1), not a run id
        if is_run_id(explicit):
            lead = f"baseline run {explicit} does not exist in this HoneyHive project, and no"
        raise BaselineError(
            f"{lead} completed run of {query.experiment} (on this dataset, without uncommitted changes) is at a commit"
            f" or on a branch of that name{resolved}"
        )
    return pick_baseline(
        runs,
        query,
        passed=lambda run: check_passed(run, lambda: _reports_success(client, run.run_id)),
        ancestry=ancestry,
    )

"""The operations, one function each, that the command line and the Python API both call: the invocation layer.

    run       run, judge, report and publish one experiment (by ``settings.mode``: all, run, report, publish)
    validate  check an experiment file, its dataset, its imports and the metric names its first datapoint gets
    runs      the experiment's recent runs, the baseline a run would be compared with marked
    view      the HTML report of a run already recorded (the latest, or one named), written to a file

This is the composition root: the only place that builds the real parts — the HoneyHive client (the embedded
local backend for a dry run without a key), the GitHub comment publisher, the git and GitHub lookups that say
where the run comes from — and hands them to the rest, which takes them as arguments. :func:`run` always ends in
one :class:`~honeyhive_experiment.judgement.Judgement` and one report (an error verdict when something went wrong),
delivered by :mod:`~honeyhive_experiment.delivery`; errors are caught here, once, so a user sees an error verdict
and never a traceback.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, ParamSpec, TypeVar

from honeyhive_experiment import backend, cancellation
from honeyhive_experiment.checkout import checked_out, git, local_checkout
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import ExperimentConfig, all_of, config_error_at, declared_name, load_config
from honeyhive_experiment.context import quote
from honeyhive_experiment.dataset_identity import file_identity
from honeyhive_experiment.delivery import (
    Composed,
    Poster,
    announce,
    announce_running,
    compose,
    deliver,
    deliver_shard,
    named_head,
    replaceable,
    write_html,
    written_through,
)
from honeyhive_experiment.errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ArgumentError,
    BaselineError,
    ConfigError,
    ExperimentCancelled,
    ExperimentError,
    HoneyHiveError,
    NotWritable,
    ReportError,
    SettingsError,
    as_error,
)
from honeyhive_experiment.evaluators import NO_GROUND_TRUTH
from honeyhive_experiment.experiment import external_dataset
from honeyhive_experiment.flow import (
    FORK_WITHOUT_SECRETS,
    Job,
    PublishedRun,
    Recorded,
    Watch,
    baseline_query,
    check_paths,
    dataset_file,
    dataset_records,
    embedded_has_no_dataset,
    find_baseline,
    looked_in,
    prepare_dataset,
    published_run,
    record_shard,
    report_shared_run,
    republish,
    review,
    run_experiment,
    stamp_verdict,
    variants_of,
    with_details,
)
from honeyhive_experiment.gha import a_pipe, unwritable
from honeyhive_experiment.history import RunRow, recent_run_rows
from honeyhive_experiment.instrumentation import load as load_instrumentations
from honeyhive_experiment.judgement import Judgement, error_kind, failure, judgement_without_run
from honeyhive_experiment.models.outcomes import Progress, and_more, excerpt, first_ids
from honeyhive_experiment.paths import LOCAL_DB_FILES, LOCAL_DB_PATH, inside, link_on_the_way
from honeyhive_experiment.probe import probe as probe_datapoint
from honeyhive_experiment.report import Redactor
from honeyhive_experiment.settings import REPORT_FOLDER, CommentMode, Mode, Settings
from honeyhive_experiment.streams import ClosedPipe
from honeyhive_experiment.user_code import check_metric_names, check_produced_names, in_repository, load_user_code
from honeyhive_experiment.verdict import Decision, Verdict, exit_code, producer, unreachable_gate

if TYPE_CHECKING:
    from honeyhive_experiment.evaluators import Evaluator
    from honeyhive_experiment.experiment import PreparedDataset
    from honeyhive_experiment.github import CommentPublisher

__all__ = [
    "Outcome",
    "Runs",
    "locate",
    "run",
    "runs",
    "validate",
    "view",
]

log = logging.getLogger("honeyhive_experiment")
_P = ParamSpec("_P")
_R = TypeVar("_R")

_FORK_WITHOUT_SECRETS = Decision(
    Verdict.NEUTRAL,
    (
        f"{FORK_WITHOUT_SECRETS} No experiment was run."
        " A maintainer can run it by pushing the changes to a branch of this repository.",
    ),
)
"""The verdict of a fork's pull request without secrets: explained, not a red X (nothing is posted)."""


# ----------------------------------------------------------------------------------------------------- run


@dataclass(frozen=True)
class Outcome:
    """What :func:`run` did: the report (``None`` for a shard job, which reports nothing) and the exit code."""

    exit_code: int
    composed: Composed | None = None


def run(
    settings: Settings,
    *,
    cancel: threading.Event | None = None,
    progress: Callable[[Progress], None] | None = None,
    write: bool = True,
) -> Outcome:
    """Run, judge and report the experiment of ``settings`` (its ``mode``); the exit code follows the verdict, but a
    second signal, whichever phase it came in (obeyed, or noted while the first was obeyed or the report written),
    makes it 130.

    ``cancel``: the cancel event (a :class:`~honeyhive_experiment.cancellation.Cancellation` when the caller
    installed the signal handlers: it notes the phase a signal arrives in). ``write=False`` (the Python API) writes
    no file and prints and posts nothing: the report is returned."""
    cancel = cancel or cancellation.Cancellation()
    outcome = _Invocation(settings, cancel, progress, write).outcome()
    if isinstance(cancel, cancellation.Cancellation) and cancel.signals + cancel.abandoned > 1:
        return replace(outcome, exit_code=EXIT_INTERRUPTED)
    return outcome


class _Invocation:
    """One :func:`run`: its settings, clock and cancel event, and how it ends (:meth:`finish`)."""

    def __init__(
        self,
        settings: Settings,
        cancel: threading.Event,
        progress: Callable[[Progress], None] | None,
        write: bool,
    ) -> None:
        # an issue_comment names no commit (GITHUB_SHA is the default branch's tip): none is the run's until located,
        # so an error before that (a refused input) is posted to the pull request and names no commit
        self.event_sha = settings.ci.sha
        if settings.ci.event == "issue_comment" and settings.ci.pr_number is not None:
            settings = settings.with_ci(sha=None)
        self.settings = settings
        self.cancel = cancel
        self.progress = progress
        self.post = _poster(settings) if write else None
        self.write = write
        self.now = datetime.now(UTC)
        self.report_file = settings.report_file if write else None
        self.html_file = settings.html_file if write else None
        self.config: ExperimentConfig | None = None
        self.recorded = Recorded()  # what the flow recorded before it raised, whatever it raised (a bug of ours too,
        # an OverflowError once: the exception stays what it is, its kind with it): what the error's report says

    def outcome(self) -> Outcome:
        settings = self.settings
        try:
            loaded = _check_writable(settings, self.report_file, self.html_file)
            if settings.refused is not None:  # the action's inputs that cannot be used: its error, nothing run
                if any(issue.key == "report" for issue in settings.refused.issues):  # as a report folder, below
                    self.report_file, self.html_file, self.post = None, None, None
                raise settings.refused
            return self._run(loaded)
        except NotWritable as exc:
            if not self.write:  # the Python API raises what the command exits 2 for
                raise
            if exc.key not in ("working-directory", "report"):  # nothing can be reported where it cannot be written
                self._announce("error", exc)
                return Outcome(EXIT_USAGE)
            # the action's working-directory or report input: an input's error, said in the runner's files (nothing is
            # read or written there, nor posted: the experiment's name is in the folder)
            self.report_file, self.html_file, self.post = None, None, None
            return self._error(exc, SettingsError(exc.key, exc.message))
        except ClosedPipe:  # what reads the output closed it (`| head`): not the run's error, the CLI's to end
            raise
        except Exception as exc:  # the boundary: an error, expected or not, is an error verdict, never a traceback
            error = as_error(exc)
            if isinstance(error, ReportError):  # a refused report.json is neither overwritten nor posted
                self.report_file, self.html_file, self.post = None, None, None
            if isinstance(error, _Refused):
                self.post = None
            return self._error(error, exc)
        except KeyboardInterrupt as interrupt:  # a signal where the flow could not say more (or Ctrl-C): say so
            second = not isinstance(interrupt, cancellation.Interrupted) or interrupt.second
            self._hold_signals()  # its report is made next: one more signal is noted (130 once it is written)
            which = "a second signal" if second else "a signal"
            shard = self.settings.mode is Mode.RUN  # it escaped record_shard only before its datapoints ran
            done = (
                "this job recorded nothing; the run it shares with the report job (and any other shard) is left as"
                " it is, for them: re-run the job to record its datapoints"
                if shard
                else "a run already created is marked cancelled in HoneyHive if the backend accepted it (the log says"
                " when it did not), and what was recorded is kept"
            )
            stopped = ExperimentError(f"interrupted by {which} while {cancellation.phase_of(self.cancel)}: {done}")
            self._announce("error", stopped)
            code = EXIT_INTERRUPTED if second else exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)
            if shard:  # a shard job reports nothing
                return Outcome(code)
            return replace(self.finish(self._failed(stopped, interrupt, cancelled=True)), exit_code=code)

    def _run(self, loaded: ExperimentConfig | None) -> Outcome:
        settings = locate(self.settings.with_ci(sha=self.event_sha))
        self.settings = settings
        if self.post is not None:  # the comment is about the commit located (an issue_comment's: the PR's head)
            self.post = _poster(settings)
        if not settings.as_action and not os.path.exists(settings.config_path):
            self.html_file = None  # as for a dataset file not found, below
        config = self.config = _experiment_file(settings, comment=settings.mode is not Mode.RUN, loaded=loaded)
        if not settings.api_key and not settings.dry_run:  # a dry run goes on, on the embedded backend (it says so)
            if settings.secrets_withheld:
                self.post = None  # nothing to post with, and nothing was run
                return self.finish(judgement_without_run(settings, config, _FORK_WITHOUT_SECRETS, now=self.now))
            if settings.as_action:
                raise SettingsError("api-key", "the HoneyHive API key is not set: pass it from a secret")
            raise SettingsError(  # the command line has no api-key input: the SDK's variables, or the local backend
                "HH_API_KEY",
                "the HoneyHive API key is not set: set it (or HONEYHIVE_API_KEY), or pass"
                f" {'--dry-run' if self.write else 'dry_run=True to run_config'} to use the embedded local backend",
                kind="environment",
            )
        if not settings.as_action:
            # a local run that cannot find the experiment file (above) or the dataset file it names, started in another
            # folder (--config /repo/.honeyhive/experiment.yml from /tmp), says so and makes no untracked .honeyhive/
            # there, as validate, runs and view make none; a --report asked for by name still gets the error report
            try:
                dataset_file(config, settings)
            except ConfigError:
                self.html_file = None
                raise
        if settings.mode in (Mode.ALL, Mode.RUN) and settings.install:  # before the user's code is imported
            _install(settings)
        published = self._published() if settings.mode is Mode.PUBLISH else None
        if published is not None:
            self.settings = settings = settings.with_ci(pr_number=published.pr_number, sha=published.head_sha)
        announce_running(config.name, title=config.comment.title, settings=settings, post=self.post)
        watch = Watch(self.cancel, self.progress)
        with connect(settings, create=True) as client, _github_ancestry(settings) as ancestry:
            job = Job(settings, config, client, self.now, ancestry)
            if settings.mode is Mode.RUN:
                shard = record_shard(job, watch=watch)
                self._hold_signals()  # what the shard recorded is being said: a signal no longer loses it
                return Outcome(deliver_shard(settings, shard, cancelled=self._signalled()))
            recorded = Recorded()  # the error report's once the flow raised: a judgement made says its own warnings
            try:
                if settings.mode is Mode.REPORT:
                    cancellation.enter(self.cancel, "waiting for the shards' run and comparing it")
                    judgement = report_shared_run(job, for_error=recorded)
                elif published is not None:
                    cancellation.enter(self.cancel, "reading the published run")
                    judgement = republish(job, published)
                else:
                    judgement = run_experiment(job, watch=watch, for_error=recorded)
            except Exception as exc:  # a run recorded, then an error (a bug of ours too): stamped so, never a baseline
                self._hold_signals()  # its report is being made: a signal no longer loses the run it names
                self.recorded = recorded
                run_id = (exc.run_id if isinstance(exc, ExperimentError) else None) or recorded.run_id
                if run_id is not None and not isinstance(exc, ExperimentCancelled):  # marked cancelled instead
                    stamp = self._interruptible(stamp_verdict, f"could not record the check's verdict on run {run_id}")
                    stamp(client, run_id, Verdict.ERROR)
                raise
            if self.html_file is not None:  # the backend cannot give the table: the page says it is missing
                # the verdict is reached: a signal now costs the table, not the report
                details = self._interruptible(with_details, "the HTML report has no datapoint table")
                try:
                    judgement = details(job, judgement) or judgement
                except HoneyHiveError as exc:
                    log.warning("the HTML report has no datapoint table: reading the runs' events failed: %s", exc)
            return self.finish(judgement, client)

    def _published(self) -> PublishedRun:
        """``mode: publish``: the runs and pull request the downloaded report.json names (checked against the
        triggering workflow run); the report this job writes goes beside it, which stays as it came."""
        assert self.report_file is not None, "the action always has a report file"
        triggering = self.settings.triggering_run
        published = published_run(
            self.report_file,
            pr_numbers=triggering.pr_numbers if triggering else (),
            head_sha=triggering.head_sha if triggering else None,
        )
        self.report_file, self.html_file = _published_files(self.settings, self.report_file, self.html_file)
        return published

    def _signalled(self) -> bool:
        """Whether a signal (or the caller, through its cancel event) cancelled the invocation."""
        if isinstance(self.cancel, cancellation.Cancellation):
            return self.cancel.asked()
        return self.cancel.is_set()

    def _interruptible(self, call: Callable[_P, _R], abandoned: str) -> Callable[_P, _R | None]:
        """``call``, a step of the report, abandoned on a signal (said: ``abandoned``), which are held from then on
        (:func:`~honeyhive_experiment.cancellation.interruptible`); the Python API's caller keeps its own handlers."""
        if self.write and isinstance(self.cancel, cancellation.Cancellation):
            return cancellation.interruptible(call, log, self.cancel, abandoned)
        return call

    def _hold_signals(self) -> None:
        """From now on (the report is being made) a signal of the command is only noted
        (:func:`~honeyhive_experiment.cancellation.hold_signals`); the Python API's caller keeps its own handlers."""
        if self.write and isinstance(self.cancel, cancellation.Cancellation):
            cancellation.hold_signals(self.cancel)

    def _announce(self, level: Literal["error", "warning"], problem: ExperimentError) -> None:
        if self.write:  # the Python API prints nothing: the report says it
            announce(self.settings, level, problem)

    def _error(self, error: ExperimentError, caught: BaseException) -> Outcome:
        """How an invocation ends that could not evaluate the experiment (``error``; ``caught``, the exception):
        each problem said (a warning with ``fail-on-error: false``), then its error report, as any verdict's."""
        level: Literal["error", "warning"] = "error" if self.settings.fail_on_error else "warning"
        cancelled = self._signalled()  # before the error: a signal while it is said is only noted, and cancels nothing
        self._hold_signals()
        for problem in error.issues:
            self._announce(level, problem)
        if self.settings.mode is Mode.RUN:  # a shard job reports nothing: the report job judges the run
            return Outcome(exit_code(Verdict.ERROR, fail_on_error=self.settings.fail_on_error))
        return self.finish(self._failed(error, caught, cancelled=cancelled))

    def _failed(self, exc: ExperimentError, caught: BaseException, *, cancelled: bool) -> Judgement:
        """The error judgement of ``exc``, its kind that of the exception ``caught`` (``exc`` names a bug); naming the
        run recorded before the error, if any (stamped error, or marked cancelled), so what it holds can be found, and
        saying what the run said of its evaluators, which no judgement will."""
        shown = _from_workspace(self.settings, exc)
        decision, error, notes = failure(shown, cancelled=cancelled, warnings=self.recorded.warnings)
        judgement = judgement_without_run(self.settings, self.config, decision, now=self.now)
        # titled by the name the file declares, as when it loads (not read in a refused folder)
        if self.config is None and not isinstance(exc, NotWritable):
            judgement = replace(judgement, experiment=declared_name(self.settings.config_path) or judgement.experiment)
        run_id = exc.run_id or self.recorded.run_id
        run_url = self.settings.run_link(run_id) if run_id is not None else None
        return replace(
            judgement, error=error, error_kind=error_kind(caught), notes=notes, run_id=run_id, run_url=run_url
        )

    def finish(self, judgement: Judgement, client: HoneyHiveClient | None = None) -> Outcome:
        """The report of ``judgement``, written everywhere it goes (unless ``write`` is off), then the check's verdict
        recorded on the run (through ``client``, when the run was judged): the last step of every invocation that
        judged something. A signal from here on is only noted (the report is written whatever comes now).

        Recorded last, the verdict is the one the check ends with (a later branch's baseline is the latest run whose
        check was green): a report.json that cannot be written (a full disk) makes it an error, and so does a bug while
        delivering (the boundary reports it so), never the pass a run stamped first would keep."""
        self._hold_signals()
        if client is not None:  # the embedded backend's database gone since the last request: an error, no verdict
            backend.kept(client)
        composed = compose(judgement, settings=self.settings, html_file=self.html_file)
        if composed.template_error is not None:
            self._announce("error", composed.template_error)
        written, verdict = True, composed.report.verdict
        try:
            if self.write:
                posting = None
                if self.post is not None:
                    posting = self._interruptible(self.post, "the pull-request comment was not posted")
                try:
                    written = deliver(
                        composed,
                        settings=self.settings,
                        report_file=self.report_file,
                        html_file=self.html_file,
                        post=posting,
                    )
                except NotWritable as exc:  # report.json or the HTML report (a full disk): the earlier ones stay whole,
                    self._announce("error", exc)  # and the comment, summary and outputs say the error, results and all
                    error = Decision(Verdict.ERROR, (str(exc),))
                    judgement = replace(judgement, decision=error, error=str(exc), error_kind=error_kind(exc))
                    composed = compose(judgement, settings=self.settings)
                    verdict = composed.report.verdict
                    written = deliver(composed, settings=self.settings, report_file=None, post=posting)
        except ClosedPipe:  # what reads the terminal's report closed it (`| head`): the files were written first
            raise
        except Exception:  # a bug of ours while delivering: the boundary ends the check in an error
            verdict = Verdict.ERROR
            raise
        finally:
            if client is not None and judgement.run_id is not None:
                rules = self.config.rules() if self.config is not None else None
                # ``mode: publish`` judged a run another job recorded: the stamp that job's check wrote stays (the
                # branch-baseline rule and ``runs`` read the check's verdict); only a run no check judged gets one
                publish = self.settings.mode is Mode.PUBLISH
                stamp_verdict(client, judgement.run_id, verdict, judgement.baseline, rules, unless_judged=publish)
        code = exit_code(verdict, fail_on_error=self.settings.fail_on_error)
        if verdict is Verdict.FAIL and self.settings.mode is Mode.PUBLISH:  # the check is the run workflow's: the
            code = 0  # comment and the verdict output say fail (a failed publish run would show on the default branch)
        if not written and code == 0:  # a runner's file its disk could not take (said): the check is not green
            code = exit_code(Verdict.ERROR, fail_on_error=self.settings.fail_on_error)
        return Outcome(code, composed)


def _from_workspace(settings: Settings, error: ExperimentError) -> ExperimentError:
    """``error`` as its report says it (the summary, the comment, report.json): in the action, each problem's file
    named from the workspace, as its annotation names it (``.honeyhive/experiment.yml:4``), not by the runner's
    absolute path; a file outside the workspace, and every file on the command line, as it was given (there, from the
    current directory: ``--config``/``-C`` as typed). ``error`` itself is left as it is (its annotation places it)."""
    if not settings.as_action or not any(issue.file for issue in (error, *error.issues)):
        return error

    def moved(issue: ExperimentError) -> ExperimentError:
        shown = copy.copy(issue)  # every error's args rebuild it (errors.py)
        shown.file = settings.named(issue.file) if issue.file else issue.file
        return shown

    head = moved(error)
    head.issues = tuple(head if issue is error else moved(issue) for issue in error.issues)
    return head


# ------------------------------------------------------------------------------------------ the real parts


def locate(settings: Settings) -> Settings:
    """Where the run comes from, asked of git (and of GitHub for a shallow checkout): a local run's branch,
    commit, merge base with the default branch (or ``--base``) and uncommitted changes; the action's merge base
    of the pull request's base and head (a merge queue's entry has its own: the queue's base commit), and of a
    branch's run with the default branch (``fallback_ref``, what the branch falls back on without a run of its
    own). ``settings.ci`` with what was found, and with what is checked out (:func:`_checked_out`)."""
    if not settings.as_action:
        own = tuple(path for path in (settings.report_file, settings.html_file) if path is not None)
        # a local run's ci is git's alone (from_args reads no GitHub context)
        return settings.model_copy(update={"ci": local_checkout(settings.root, settings.base, own_files=own)})
    settings = _checked_out(_commented_pull_request(settings))
    ci = settings.ci
    # an issue_comment's pull request: GitHub named its base branch (_commented_pull_request), not a base commit
    base = ci.base_sha or ci.fallback_ref or (ci.base_ref if ci.pr_number is not None else None)
    if not base or not ci.sha or ci.merge_base_sha:  # known already: a merge queue's entry's, a merge commit's
        return settings
    # a branch is origin's (actions/checkout's remote) in git, and GitHub's compare takes its name
    merge_base = git(settings.root, "merge-base", ci.base_sha or f"origin/{base}", ci.sha)
    if merge_base is None and settings.github_token is not None and ci.repository is not None:
        with _github(settings) as github:
            merge_base = github.merge_base(base, ci.sha, quiet=ci.base_sha is None)
    # unknown, a branch's baseline is the default branch's latest passing run: said (the report's note), not warned
    return settings.with_ci(merge_base_sha=merge_base, merge_base_unknown=merge_base is None)


MAX_ANCESTRY_CHECKS: Final = 30  # commits whose ancestry GitHub is asked of where git cannot tell (a request each)
UNTOLD: Final = 3  # answers that did not tell, after which GitHub is asked no more (each may take retries: 6 s a 502)


@dataclass
class _GitHubAncestry:
    """:class:`~honeyhive_experiment.flow.Ancestry` as GitHub tells it (``GET /compare/{commit}...{of}``: their merge
    base is ``commit``; ``None`` when it cannot tell), asked of :data:`MAX_ANCESTRY_CHECKS` commits at most, and of
    none after :data:`UNTOLD` answers that did not tell: ``stopped`` says which, once a commit was not asked. One
    client serves every compare of the job (made at the first ask, closed with ``opened``)."""

    settings: Settings
    opened: ExitStack
    asked: int = 0
    untold: int = 0
    stopped: str | None = None
    github: CommentPublisher | None = None

    def __call__(self, commit: str, of: str) -> bool | None:
        if self.asked >= MAX_ANCESTRY_CHECKS or self.untold >= UNTOLD:
            why = f"stopped after {self.untold} answers that did not tell" if self.untold >= UNTOLD else "no more"
            self.stopped = f"GitHub was asked of {self.asked} commits and {why}"
            return None
        self.github = self.github or self.opened.enter_context(_github(self.settings))
        self.asked += 1
        found = self.github.merge_base(commit, of, quiet=True)
        self.untold += found is None
        return None if found is None else found == commit


@contextmanager
def _github_ancestry(settings: Settings) -> Iterator[_GitHubAncestry | None]:
    """GitHub's ancestry (:class:`_GitHubAncestry`), for the baseline's rules where git cannot tell (a shallow
    checkout, a commit force-pushed away); ``None`` without a token or a repository to ask of."""
    if settings.github_token is None or settings.ci.repository is None:
        yield None
        return
    with ExitStack() as opened:
        yield _GitHubAncestry(settings, opened)


def _commented_pull_request(settings: Settings) -> Settings:
    """An ``issue_comment`` on a pull request ("/evaluate"), whose payload names the pull request's number only: its
    head commit, its base branch and whether its head is a fork, as GitHub says them (``GET /pulls/{number}``, one
    request), taken as a ``pull_request`` event's payload values are: the run is the head's, its baseline is looked
    for on the real base branch (a pull request into ``release/1.x`` is compared with ``release/1.x``), and a fork's
    is a fork's (:attr:`~honeyhive_experiment.settings.Settings.is_fork`), said with a warning: this job has the
    repository's secrets, and runs the fork's code with them.

    Without a token, or without GitHub's answer (or with one that names no head commit, head repository or base
    branch), none of the three is known: the run would be the default branch's commit or the checkout's, compared
    with the default branch as if that were the pull request's base, and a fork's code taken for the repository's.
    Nothing is run then: an error says why (re-run the job once GitHub answers). ``mode: publish`` runs nothing, and
    its report names its own pull request and commit.

    Nor is anything run for a comment whose author is not the repository's owner, a member of its organisation or a
    collaborator (``author_association``): the job has the repository's secrets, and the workflow's ``if:`` that
    should have kept anyone else out (README) is missing. Nor for a fork's pull request whose fork was pushed to since
    the comment (or GitHub does not say when, ``head.repo.pushed_at``: a fork deleted since has none): the checkout
    may be a commit the commenter never read. Both times are GitHub's own, which no one can set (a commit's dates are
    its author's to write); a pull request from a branch of this repository is not checked: who can push there can run
    workflows with the secrets anyway. These two refusals are said in the job's log and summary only
    (:class:`_Refused`)."""
    ci, number = settings.ci, _commented(settings)
    if number is None:
        return settings
    login, association, commented_at = settings.commenter or (None, None, None)
    if _untrusted(settings):
        raise _Refused(
            f"the comment that started this job is by {login or 'an unnamed account'}, whose author_association is"
            f" {association or 'not given'}, not OWNER, MEMBER or COLLABORATOR, so nothing was run: this job has the"
            f" repository's secrets and would run pull request #{ci.pr_number}'s code with them. To let them start it,"
            " make them a collaborator (an organisation member shown as CONTRIBUTOR: make the membership public); and"
            " let only those start the workflow (its `if:`, as in docs/workflows/evaluate-on-comment.yml)"
        )
    unknown = "an issue_comment names neither its base branch, its head nor whether it comes from a fork"
    if settings.github_token is None or ci.repository is None:
        unasked = f"not set, so GitHub was not asked what pull request #{ci.pr_number} is: {unknown}. Nothing was run"
        if ci.repository is None:
            raise SettingsError("GITHUB_REPOSITORY", unasked, kind="environment")
        raise SettingsError("github-token", f"{unasked}; pass github-token (it needs pull-requests: read)")
    with _github(settings) as github:
        try:
            pull = github.read_pull_request(number)
        except ExperimentError as exc:
            raise ExperimentError(
                f"GitHub did not say what pull request #{ci.pr_number} is, so nothing was run ({unknown}; re-run the"
                f" job once GitHub answers): {exc.message}"
            ) from None
    if pull.is_fork and not _earlier(pull.pushed_at, commented_at):  # a deleted fork's too: pushed, then deleted
        raise _Refused(
            f"pull request #{number}'s fork {pull.head_repository or '(deleted since)'} was last pushed to at"
            f" {pull.pushed_at or 'a time GitHub did not say'}, not before the comment that started this job, made at"
            f" {commented_at or 'a time the event did not say'}, so nothing was run: the head checked out may not be"
            " the one the commenter read, and this job has the repository's secrets. Read the head, then comment again"
        )
    if pull.is_fork:
        log.warning(
            "pull request #%d comes from the fork %s: this job runs its code with this repository's secrets (the"
            " api-key, the github-token); let only trusted commenters start it, once they have read its head %s",
            ci.pr_number,
            pull.head_repository or "(deleted)",
            pull.head_sha[:12],
        )
    located = settings.with_ci(sha=pull.head_sha, base_ref=pull.base_ref)
    return located.model_copy(update={"is_fork": pull.is_fork})


def _checked_out(settings: Settings) -> Settings:
    """``settings`` with the commit checked out, where the event says another (``ci.sha``): a run is never stamped
    with a commit it did not run (the job checks out what it likes).

    A pull request's checkout that is not its head is stamped ``checkout_sha``: its run measured other code than the
    head's. GitHub's merge commit of the head into the base's tip (what ``actions/checkout`` checks out without
    ``ref``, or with ``refs/pull/N/merge``) is compared with the run at that tip, its first parent, as like for like;
    any other commit is warned about (and said in the comment, :func:`_poster`); an ``issue_comment``'s pull request
    alike, once GitHub named its head (:func:`_commented_pull_request`). Any other event's run (a push, a schedule, a
    dispatch, a comment on an issue) at another commit is stamped with that commit and no branch, warned about: it is
    not the branch's run, never its baseline. ``mode: publish`` runs nothing."""
    ci = settings.ci
    if not ci.sha or settings.mode is Mode.PUBLISH:
        return settings
    found = checked_out(settings.root)
    if not found or not ci.sha or found[0] == ci.sha:
        return settings
    head, parents = found[0], found[1:]
    if ci.pr_number is None:
        log.warning(
            "the checkout, commit %s, is not the %s event's commit %s: the run is recorded at the commit checked out,"
            " as no branch's run (never %s's baseline)",
            head[:12],
            ci.event,
            ci.sha[:12],
            ci.branch or "a branch",
        )
        return settings.with_ci(sha=head, branch=None)
    if len(parents) == 2 and parents[1] == ci.sha:  # GitHub's merge commit: (the base's tip, the head)
        return settings.with_ci(checkout_sha=head, merge_checkout=True, merge_base_sha=parents[0])
    log.warning(
        "the checkout, commit %s, is neither the pull request's head %s nor GitHub's merge commit of it: the"
        " run measures the checked-out code, is labelled with the head and is compared with the run at the"
        " merge base; check out the head (actions/checkout with ref: refs/pull/%d/head)",
        head[:12],
        ci.sha[:12],
        ci.pr_number,
    )
    return settings.with_ci(checkout_sha=head)


def connect(settings: Settings, *, create: bool = False) -> AbstractContextManager[HoneyHiveClient]:
    """:func:`backend.connect` for the settings, the embedded backend's data in ``.honeyhive/local.db``, made only
    with ``create`` (a run): a command that reads (``runs``, ``view``) makes no file where none was."""
    key = settings.api_key.get_secret_value() if settings.api_key else None
    # the settings already read the environment (or the mapping run_config was given): nothing more to find there
    local_db = settings.root / LOCAL_DB_PATH
    shown_db = settings.named(local_db)  # in the action, from the workspace: not the runner's absolute path
    return backend.connect(
        settings.server_url, key, local_db=local_db, environ={}, create=create, shown_db=shown_db, root=settings.root
    )


_COMMENT_INPUTS: Final = frozenset({"mode", "dry-run", "comment-mode", "variant"})  # and github-token


class _Refused(ExperimentError):
    """A "/evaluate" run refused for who started it or when (:func:`_commented_pull_request`): said in the job's log and
    summary, never posted (it would replace the pull request's results: anyone could blank them)."""


def _commented(settings: Settings) -> int | None:
    """The pull request whose ``issue_comment`` ("/evaluate") started this job to run it (``mode: publish`` runs
    nothing), or ``None``."""
    return settings.ci.pr_number if settings.ci.event == "issue_comment" and settings.mode is not Mode.PUBLISH else None


def _untrusted(settings: Settings) -> bool:
    """Whether an ``issue_comment`` ("/evaluate") that started this job is by an account that may not start it: not the
    repository's owner, a member of its organisation or a collaborator (:func:`_commented_pull_request`)."""
    association = (settings.commenter or (None, None, None))[1]
    return _commented(settings) is not None and association not in ("OWNER", "MEMBER", "COLLABORATOR")


def _earlier(moment: str | None, than: str | None) -> bool:
    """Whether GitHub's time ``moment`` (ISO 8601) is before ``than``; ``False`` when either is not one."""
    try:
        return moment is not None and than is not None and datetime.fromisoformat(moment) < datetime.fromisoformat(than)
    except (TypeError, ValueError):  # not a time, or one with a zone beside one without
        return False


def _poster(settings: Settings) -> Poster | None:
    """How the comment is posted: the sticky-comment publisher, when the action has a token and a repository; none
    for a job an untrusted account's comment started (its refusal would replace the pull request's results with the
    error: anyone could blank them by commenting; the job's log and summary say it)."""
    if not settings.as_action or settings.ci.repository is None or _untrusted(settings):
        return None
    if settings.github_token is None:  # an unset secret (Dependabot's pull requests get none): said, not silent
        commented = settings.mode is not Mode.RUN and settings.comment_mode is not CommentMode.OFF  # a shard: never
        if settings.ci.pr_number is not None and commented and not settings.dry_run:
            announce(settings, "notice", ExperimentError("no github-token: no pull-request comment posted"))
        return None
    if settings.refused is not None and {issue.key for issue in settings.refused.issues} & _COMMENT_INPUTS:
        return None  # the inputs that say whether and how to comment were not understood: no comment
    own: list[int] = []  # the comment this invocation posted ("running"): the result edits it, by its id
    warned: set[str] = set()  # other accounts' marked comments named in a warning, a failed post's: each once a job

    def post(pr_number: int, body: str, marker: str, earlier: str | None, running: bool) -> str | None:
        ci = settings.ci
        if ci.sha and ci.checkout_sha and not ci.merge_checkout:  # what the log warned of (_checked_out), said here
            body = (
                f"{body.rstrip()}\n\n⚠️ This run measured commit {ci.checkout_sha[:7]}, the one the workflow checked"
                f" out, not the pull request's head {ci.sha[:7]}: check out the pull request's head (actions/checkout"
                f" with ref: refs/pull/{pr_number}/head) in the workflow.\n"
            )
        # a fork's pull request's job has a read-only token; an issue_comment's ("/evaluate") this repository's
        try:
            with _github(settings, fork_token=settings.secrets_withheld, warned=warned, running=running) as publisher:
                result = publisher.publish(
                    pr_number,
                    body,
                    marker=marker,
                    earlier=earlier,
                    head_sha=ci.sha,
                    mode=settings.comment_mode,
                    comment_id=own[-1] if own else None,
                )
        except Exception as exc:  # publish says GitHub's doing as a warning: this is ours, and not the check's either
            log.warning("The pull request's comment was not posted: %s: %s", type(exc).__name__, exc)
            log.debug("posting the comment failed", exc_info=True)
            return None
        if result.warning:
            log.warning("%s", result.warning)
        if not result.posted:  # skipped, or failed: the comment-url output names no comment this run did not write
            return None
        if result.comment_id is not None:
            own.append(result.comment_id)
        return result.url

    return post


def _github(
    settings: Settings, *, fork_token: bool | None = None, warned: set[str] | None = None, running: bool = False
) -> CommentPublisher:
    """The GitHub client of the action's token and repository (both set); the token is known to be the job's own
    (github-actions[bot]'s) when it is job-token's, the job's ``${{ github.token }}``. ``running``: for the "running"
    comment, which is cosmetic and replaced by the result: it waits out no rate limit (5xx answers are still retried),
    so it never holds the run up for minutes; the result's comment does."""
    from honeyhive_experiment.github import MAX_RATE_LIMIT_WAIT, CommentPublisher

    assert settings.github_token is not None
    assert settings.ci.repository is not None
    token, repository = settings.github_token.get_secret_value(), settings.ci.repository
    job = settings.job_token.get_secret_value() if settings.job_token is not None else None
    return CommentPublisher(
        token,
        repository,
        api_url=settings.github_api_url,
        fork_token=fork_token,
        workflow_token=job == token,
        warned=warned,
        max_rate_limit_wait=0.0 if running else MAX_RATE_LIMIT_WAIT,
    )


def _check_writable(settings: Settings, report_file: Path | None, html_file: Path | None) -> ExperimentConfig | None:
    """Before any work: the action's working directory is a folder of the workspace (:func:`_in_the_workspace`),
    every file this invocation will write at its end can be written (see
    :func:`~honeyhive_experiment.gha.unwritable`), neither report replaces a file of the tool's (:func:`_not_ours`),
    and none of the files it writes in the repository (report.json, report.html, the embedded backend's database)
    would be written through a symbolic link; raises NotWritable naming the first that cannot (in the action, the
    input whose files they are: its error is then reported as any input's). Returns the experiment file if it read it
    (for the paths it names): the command's, not read again (:func:`_experiment_file`)."""
    _in_the_workspace(settings)
    _check_root(settings)
    checks = [
        ("GITHUB_OUTPUT", settings.output_path, False),
        ("GITHUB_STEP_SUMMARY", settings.step_summary_path, False),
    ]
    the_report = "report" if settings.as_action else None  # the action's input that says where the reports go
    ours: list[tuple[Path, str | None]] = []
    report, read, config = "report.json", None, None
    if settings.mode is Mode.PUBLISH and report_file is not None:  # report.json is read; the files beside it written
        read = report_file
        ours.append((report_file, the_report))
        report_file, html_file = _published_files(settings, report_file, html_file)
        report = report_file.name
    if settings.mode is not Mode.RUN:  # a shard job writes no report
        with suppress(ExperimentError):  # said by the command, which then reads it again
            config = load_config(settings.config_path, baseline_named=settings.baseline_run_id is not None)
        given_report = settings.report if not settings.as_action else None  # the input: see _in_the_workspace
        for flag, given in (("--report", given_report), ("--html", settings.html_path)):
            if given is not None and (kind := a_pipe(given)):  # never opened (see a_pipe); unwritable says the rest
                raise NotWritable(f"{flag} {given} is {kind}: give a regular file path")
        for what, path in (("report.json's folder", report_file), ("the HTML report's folder", html_file)):
            if path is not None and not written_through(path):  # a device (/dev/null) is written into, nothing beside
                checks.append((what, path.parent, True))
        # an existing file is written over: a --report or --html naming a folder is refused here
        checks += [
            (what, path, False)
            for what, path in ((report, report_file), ("the HTML report", html_file))
            if path is not None and path.exists()
        ]
        ours += [(path, the_report) for path in (report_file, html_file) if path is not None]
    if not settings.api_key:  # the embedded backend keeps its data in the repository (the working directory's)
        where = "working-directory" if settings.as_action else None
        ours += [(settings.root / f"{LOCAL_DB_PATH}{suffix}", where) for suffix in LOCAL_DB_FILES]
    for what, path, folder in checks:  # the real path is tried; the message names it from the workspace
        if path is not None and (problem := unwritable(what, path, folder=folder, named=settings.named)) is not None:
            # the action writes report.json (and report.html beside it) where its report input says: that input's
            # error, reported as one (publish writes files of its own beside the report it reads)
            the_input = settings.as_action and settings.mode is not Mode.PUBLISH and not what.startswith("GITHUB_")
            raise NotWritable(problem, key="report" if the_input else None)
    for path, key in ours:
        _not_through_a_link(settings, path, key=key)
    if settings.mode is not Mode.RUN:  # after the links: one is said as a link, not as the file it leads to
        _not_ours(settings, report, report_file, html_file, _kept_files(settings, config, read))
    return config


def _not_ours(
    settings: Settings, report: str, report_file: Path | None, html_file: Path | None, kept: list[tuple[str, Path]]
) -> None:
    """Neither report replaces a file the tool reads or keeps (``--html .honeyhive/local.db`` lost every local run;
    ``kept``: :func:`_kept_files`), nor are the two one file (``--report out.html``: the HTML report, beside
    report.json by default, took its place; a device such as /dev/null takes both), nor replaces a file that is no
    report of ours (``delivery.replaceable``: ``--html myapp/bot.py``) at a path the user named
    (``delivery.named_head``). Raises NotWritable naming the flag, or the action's ``report``
    input."""
    derived = settings.html_path is None  # the HTML report's name is report.json's, with .html
    if report_file and html_file and _same_file(report_file, html_file) and not written_through(report_file):
        beside = " (the HTML report goes beside it, its name with .html: name report.json with .json)"
        problem = f"{report} and the HTML report would both be written to {settings.named(report_file)}"
        problem += beside if derived else ""
        raise NotWritable(f"{problem}; name two files", key=_report_key(settings, html=not derived))
    for what, path, html, head in (
        (report, report_file, False, named_head(settings, html=False)),
        ("the HTML report", html_file, not derived, named_head(settings, html=True)),
    ):
        if path is None:
            continue
        key, shown = _report_key(settings, html=html), settings.named(path)
        for its, file in kept:
            if _same_file(path, file):
                raise NotWritable(f"refusing to write {what} over {its} ({shown}): name another file", key=key)
        if head is not None and not replaceable(path, head):  # --html myapp/bot.py replaced the module under test
            raise NotWritable(
                f"refusing to write {what} over {shown}: it is no report of this tool's; name another file (or remove"
                " it)",
                key=key,
            )


def _report_key(settings: Settings, *, html: bool) -> str:
    """What named a report's path: the action's ``report`` input, ``--html``, else ``--report``."""
    return "report" if settings.as_action else "--html" if html else "--report"


def _kept_files(settings: Settings, config: ExperimentConfig | None, read: Path | None) -> list[tuple[str, Path]]:
    """The files the tool reads or keeps: the embedded backend's database (and SQLite's files beside it: with an API
    key too, it holds the local runs), the experiment file, the dataset file and comment template it names (``config``,
    when it could be read: else the run says why) and ``read``, the report ``mode: publish`` reads."""
    root = settings.root
    kept = [("the embedded backend's database", root / f"{LOCAL_DB_PATH}{suffix}") for suffix in LOCAL_DB_FILES]
    kept += [("the experiment file", settings.config_path)] + ([("the report it publishes", read)] if read else [])
    if config is None:
        return kept
    named = (("the experiment's dataset", config.dataset.path), ("the comment's template", config.comment.template))
    return kept + [(what, root / path) for what, path in named if path is not None]


def _same_file(one: Path, other: Path) -> bool:
    """Whether ``one`` and ``other`` are the same file, however named (links followed, a hard link too), or would be
    once written."""
    try:
        return os.path.samefile(one, other)
    except OSError:  # either is not there (yet)
        return os.path.realpath(one) == os.path.realpath(other)


def _published_files(settings: Settings, report_file: Path, html_file: Path | None) -> tuple[Path, Path | None]:
    """What ``mode: publish`` writes: report.published.json beside the downloaded report.json, which stays as it
    came (named after it: report.rag.json's is report.rag.published.json), and the HTML report (``--html``, else
    report.published.html beside it)."""
    published = report_file.with_suffix(".published.json")
    beside = html_file is not None and settings.html_path is None
    return published, published.with_suffix(".html") if beside else html_file


def _in_the_workspace(settings: Settings) -> None:
    """The action's ``working-directory`` is a folder of the workspace, and its ``report`` a file of it, each reached
    through no symbolic link: a pull request can commit ``evals -> /elsewhere``, and the action would read its config
    there and write its reports there (and ``..`` leaves the workspace); ``mode: publish`` reads the report a pull
    request's job made. A shard job, which writes no report, holds its ``report`` all the same, as every input is read
    in every mode: its jobs share the workflow's inputs, and the first to start says the mistake. A local run's
    ``--working-directory`` and ``--report`` are the user's own choice, links and all; below the working directory, the
    files written are held by :func:`_not_through_a_link` alike. Raises NotWritable naming the input."""
    if not settings.as_action:
        return
    workspace, folder = settings.workspace or Path("."), settings.working_directory
    named = settings.report or settings.default_report
    report = folder / named
    for key, path, what, kind in (
        ("working-directory", folder, "work in", "folder"),
        ("report", report, "read or write", "file"),
    ):
        if (link := link_on_the_way(workspace, workspace / path)) is not None:  # named from the workspace
            problem = f"{settings.named(link)} is a symbolic link (to {os.readlink(link)})"
        elif inside(workspace, path) is None:  # the runner's path of the workspace is none of the workflow's
            problem = "it leads outside the workspace"
        else:
            continue
        raise NotWritable(
            f"refusing to {what} {path}: {problem}; name a {kind} of the workspace itself (the action reads and writes"
            " nowhere else, and never through a link)",
            key=key,
        )
    if (workspace / report).is_dir():
        raise NotWritable(f"{quote(str(named))} {REPORT_FOLDER}", key="report")


def _check_root(settings: Settings) -> None:
    """The working directory is a folder that exists: nothing is made in a mistyped one (its .honeyhive/ folder
    held the error's report). Raises NotWritable naming the flag or input."""
    root = settings.root
    problem = "does not exist" if not root.exists() else None if root.is_dir() else "is a file, not a folder"
    if problem is not None:  # in the action: the input's value, from the workspace (_in_the_workspace held it there)
        key = "working-directory" if settings.as_action else "--working-directory"
        raise NotWritable(f"{settings.named(root)} {problem}", key=key)


def _not_through_a_link(settings: Settings, path: Path, *, key: str | None = None) -> None:
    """Raises NotWritable (naming ``key``) when writing ``path`` would go through a symbolic link
    (:func:`link_on_the_way`) below the working directory; in the action both are named from the workspace."""
    if (link := link_on_the_way(settings.root, path)) is not None:
        raise NotWritable(
            f"refusing to write {settings.named(path)}: {settings.named(link)} is a symbolic link (to"
            f" {os.readlink(link)}), and the files this tool writes in the repository never go through one; remove the"
            " link (or make it a folder)",
            key=key,
        )


def _install(settings: Settings) -> None:
    """The ``install`` input: the user's dependencies into this interpreter, output grouped in Actions."""
    from honeyhive_experiment.install import install

    redactor = Redactor(settings.secrets())
    install(
        settings.install,
        cwd=settings.root,
        out=sys.stdout if settings.as_action else sys.stderr,
        grouped=settings.as_action,
        # a build's output is the user's: inside Actions it may issue no command
        redact=lambda line: settings.printable(redactor.redact(line)),
    )


def _experiment_file(settings: Settings, *, comment: bool, loaded: ExperimentConfig | None = None) -> ExperimentConfig:
    """The experiment file every command reads (else ``loaded``, as :func:`_check_writable` read it), its paths held
    inside the working directory, and with ``comment`` (the command renders it) its template rendered once against a
    sample report (:func:`~honeyhive_experiment.flow.check_paths`). Raises the ConfigError found."""
    if not os.path.lexists(settings.config_path) and not settings.config.is_absolute():
        message = f"config file not found in {looked_in(settings, settings.config)}"
        raise ConfigError(str(settings.config_path), None, "", message)
    config = loaded or load_config(settings.config_path, baseline_named=settings.baseline_run_id is not None)
    check_paths(config, settings, comment=comment)
    return config


# ----------------------------------------------------------------------------------------------- validate


def validate(settings: Settings, *, probe: bool = True) -> str:
    """Check the experiment file of ``settings``, its dataset and its imports (after installing ``settings.install``,
    as ``run`` would); what was found, in a line. Raises the ExperimentError found.

    ``probe``: also run the function and the evaluators on the dataset file's first datapoint, recording nothing
    (:mod:`~honeyhive_experiment.probe`), and check the metric names the config uses against the names they
    really produced: a raise there, a key no evaluator produced, a passing range or gate on a string, or a gate that
    a boolean metric, or a percentage-formatted one whose value lies between 0 and 1, can never cross
    (:func:`~honeyhive_experiment.verdict.unreachable_gate`) is an error. A managed dataset is not fetched (validate
    asks no backend): its names are checked by the evaluators' names only. A gate's ``max_degraded`` as large as the
    dataset file's count of datapoints, or larger, is warned of, also without the probe: it can never fail."""
    _check_root(settings)
    root, config_file = settings.root, str(settings.config_path)
    config = _experiment_file(settings, comment=True)
    records = dataset_records(config, settings)
    # the ids as a run makes them, also without the probe: a row's own id that is another's derived id is an error
    prepared = (
        external_dataset(records, identity=file_identity(config.dataset, records, config_file=None, repository=None))
        if records
        else None
    )
    count = len(prepared.datapoints) if prepared is not None else 0  # a managed dataset's is not known here
    for metric, gate in config.gate.items():  # more datapoints than there are can never get worse
        if count and gate.max_degraded is not None and gate.max_degraded >= count:
            said = f"max_degraded: {gate.max_degraded:,} can never fail: the dataset file has {count:,} datapoint"
            said += f"{'s' if count != 1 else ''}, no more than that can get worse (a bound below {count:,} can fail)"
            log.warning("%s", config_error_at(config_file, ("gate", metric), said))
    if settings.install:
        _install(settings)
    load_instrumentations(config, config_file)  # each library instrument names has one installed
    code = load_user_code(config, config_file, root, probed=probe and bool(records))
    what = f"{len(records)} datapoint{'s' * (len(records) != 1)}" if records is not None else "a managed dataset"
    if records is None and not settings.api_key:  # what a run here would use has no managed dataset
        log.warning("%s", embedded_has_no_dataset(config, config_file))
    found = f"{settings.config}: experiment {config.name!r}, {what}, {len(code.evaluators)} evaluator(s)"
    unfed = (
        _without_ground_truth(config, code.evaluators, prepared, records.lines, config_file)
        if records and prepared
        else []
    )
    if not probe or not records or prepared is None:
        if unfed:
            raise all_of(unfed)
        return found
    first = prepared.datapoints[0]
    where = f"the first datapoint, {config.dataset.path}:{records.lines[0]}"  # the row the user can open
    # the names no evaluator's name matches (as a run checks them), said with what the probe finds, not before it
    problems = check_metric_names(config, code.evaluators, config_file)
    if unfed:  # every row named at once, the probe's first too (which would say it of that row alone)
        raise all_of([*unfed, *problems])
    try:
        with in_repository(root):  # as in a run: in the working directory, its siblings importable lazily
            probed = probe_datapoint(
                code, first, name=config.name, timeout=config.timeout, pricing=config.pricing, where=where
            )
    except ExperimentError as exc:
        exc.issues = (exc, *problems)
        raise
    named = {problem.key for problem in problems}
    names = {**probed.metrics, **dict.fromkeys(probed.given)}  # a dict's key that was None is a name it gives
    produced = check_produced_names(config, names, config_file, where=f"{where} (id {first.id})")
    problems += [problem for problem in produced if problem.key not in named]
    metrics = probed.everything  # with the function's own, which the run judges as it judges the evaluators'
    for section, keys in (("passing_ranges", config.passing_ranges), ("gate", config.gate)):
        for metric in keys:
            why, value = None, metrics.get(metric)
            if value is None and metric in config.other_metrics:  # the function's: did it record it?
                _not_recorded(metric, metrics, where)
            elif isinstance(value, str):  # no number to compare: the run would find the metric without a value
                why = f"{metric} is a string ({excerpt(value)!r}) on {where}; a passing range or gate needs a number"
                why += " or a bool"
            elif isinstance(value, int | float) and section == "gate":  # a bound in a percentage's points never fails
                gate, aggregation = config.gate[metric], config.aggregate_function.value
                metric_config, boolean = config.metric(metric), isinstance(value, bool)
                why = unreachable_gate(
                    metric, gate, metric_config, aggregation=aggregation, values=[value], boolean=boolean
                )
            if why is not None:
                problems.append(config_error_at(config_file, (section, metric), why))
    judged = {*config.passing_ranges, *config.gate}  # said above: a metrics: entry alone is judged too (its direction)
    for metric in (m for m in config.metrics if m in config.other_metrics and m not in judged and m not in metrics):
        _not_recorded(metric, metrics, where)
    if problems:
        raise all_of(problems)
    # only numbers and booleans are metrics; a string is an explanation (no problem: not listed), or an evaluator's
    # the run warns of
    explanations = {f"{evaluator.name}_explanation" for evaluator in code.evaluators}
    texts = [name for name, value in metrics.items() if isinstance(value, str)]
    # an evaluator's dict keys are the user's: thirty names at most, each cut
    numbers = first_ids([name for name in metrics if name not in texts], 30) or "none"
    texts = [name for name in texts if name not in explanations]
    strings = f"; strings, not metrics: {first_ids(texts, 30)}" if texts else ""
    return f"{found}; the first datapoint's metrics: {numbers}{strings}"


def _without_ground_truth(
    config: ExperimentConfig,
    evaluators: Sequence[Evaluator],
    prepared: PreparedDataset,
    lines: Sequence[int],
    config_file: str,
) -> list[ConfigError]:
    """What every run would say of the dataset file's rows without a ground truth (the run's MissingGroundTruth,
    :data:`~honeyhive_experiment.evaluators.NO_GROUND_TRUTH`), said before it, at each evaluator that requires one,
    naming the first rows (``file:line (id)``, as the run's Errors list them) and how many: an error where the run
    would fail on it (a range or a gate on its metric, more rows than ``verdict.allow_evaluator_errors`` tolerates,
    or every row), else warned of."""
    rows = [
        f"{config.dataset.path}:{line} ({datapoint.id})"
        for datapoint, line in zip(prepared.datapoints, lines, strict=True)
        if datapoint.ground_truth is None
    ]
    judged = [*config.passing_ranges, *config.gate]
    total, why = len(lines), NO_GROUND_TRUTH.partition(": ")[2]
    fails = len(rows) == total or len(rows) > config.verdict.tolerated_evaluator_errors(total)
    problems, names = [], [evaluator.name for evaluator in evaluators]
    for index, evaluator in enumerate(evaluators if rows else ()):
        if not evaluator.ground_truth_required:
            continue
        said = (
            f"evaluator {evaluator.name} would not be called on {len(rows)} datapoint(s) ({why}): {and_more(rows, 3)}"
        )
        if fails or any(producer(m, names) == evaluator.name for m in judged):
            problems.append(config_error_at(config_file, ("evaluators", index), said))
        else:
            log.warning("%s", config_error_at(config_file, ("evaluators", index), said))
    return problems


def _not_recorded(metric: str, metrics: Mapping[str, object], where: str) -> None:
    """Warn that ``metric``, in ``other_metrics`` and judged, was recorded nowhere on the probe's datapoint
    (``metrics``: what its evaluators and spans recorded), as a run would find it: with a close name it did record
    (the span's ``latencyms`` for ``latency_ms``), whether that was meant. A warning, not an error: HoneyHive may
    compute the metric itself (``human_topic_match``, close to the evaluator's ``topic_match``), which no probe sees."""
    numbers = [name for name, value in metrics.items() if not isinstance(value, str)]
    close = difflib.get_close_matches(metric, numbers, n=1)
    said = f"{metric} is in other_metrics, but no evaluator and no span of your function recorded it on {where}"
    if close:
        said += f", which recorded {close[0]}: did you mean that? It is fine if HoneyHive computes {metric}"
    else:
        said += f" (it recorded: {first_ids(numbers, 10) or 'none'}): fine if HoneyHive computes it"
    log.warning("%s, else a run finds it without a value", said)


# --------------------------------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class Runs:
    """The experiment's recent runs, newest first, and why the marked one is the baseline."""

    experiment: str
    rows: list[RunRow]
    baseline: str | None  # "previous local run (run id)", or None without a baseline
    missing: str | None  # the baseline asked for (the config's run_id, --baseline) that names no run: why; with no
    # rows, the variant looked for and the ones the file has runs of
    now: datetime  # when they were read: their ages are from then


def runs(settings: Settings, *, limit: int) -> Runs:
    """``runs``: the experiment file's recent runs from the backend, the one a run here would compare with marked;
    a baseline asked for that names no run is said beside them (a new one is picked from the list). Raises the
    ExperimentError found."""
    now = datetime.now(UTC)
    loaded = _check_writable(settings, None, None)  # the embedded backend's database, if any, is written there (WAL)
    settings = locate(settings)
    config = _experiment_file(settings, comment=False, loaded=loaded)
    missing = None
    with connect(settings) as client, _github_ancestry(settings) as ancestry:
        job = Job(settings, config, client, now, ancestry)
        dataset = prepare_dataset(job, read=False)
        try:
            baseline = find_baseline(job, baseline_query(job, dataset))
        except BaselineError as exc:
            baseline, missing = None, str(exc)
        file, repository = settings.config_file, settings.ci.repository
        rows = recent_run_rows(
            client,
            config.name,
            limit=limit,
            config_file=file,
            repository=repository,
            variant=settings.variant,
            baseline=baseline,
        )
        this, others = variants_of(job) if not rows else ("", "")
    if not rows and (settings.variant or others):  # none of this variant: which there are (the CLI says "no runs")
        missing = "; ".join(filter(None, (missing, f"no run of {this} yet{others}")))
    rows = [dataclasses.replace(row, url=settings.run_link(row.run_id)) for row in rows]
    return Runs(config.name, rows, f"{baseline.why} ({baseline.run.run_id})" if baseline else None, missing, now)


# --------------------------------------------------------------------------------------------------- view

_UNSAFE_IN_A_NAME = re.compile(r"[^A-Za-z0-9._-]")


def view(settings: Settings, run_id: str | None = None) -> Path:
    """``view``: the HTML report of run ``run_id`` (else the experiment's latest run) in the configured backend (the
    embedded one in ``.honeyhive/local.db`` without an API key), compared with the baseline its check used; written
    to ``--html``, else ``.honeyhive/report.<run id>.html``. Returns the file's path; records nothing on the run and
    posts nothing. Raises the ExperimentError found."""
    now = datetime.now(UTC)
    loaded = _check_writable(settings, None, settings.html_path)  # the default file's name is the run's, checked below
    settings = locate(settings)
    config = _experiment_file(settings, comment=False, loaded=loaded)
    with connect(settings) as client, _github_ancestry(settings) as ancestry:
        job = Job(settings, config, client, now, ancestry)
        try:
            judgement = review(job, run_id)
        except ArgumentError as exc:  # of the latest run when no RUN_ID was given: no "RUN_ID:" before it then
            if run_id is not None or exc.argument != "RUN_ID":
                raise
            raise ExperimentError(exc.message) from None
        judgement = with_details(job, judgement)
    target = settings.html_path
    if target is None:  # the default path, named by the run (--html was checked with the rest, before the work)
        name = _UNSAFE_IN_A_NAME.sub("_", judgement.run_id or "run")
        target = settings.root / ".honeyhive" / f"report.{name}.html"
        _not_through_a_link(settings, target)
        if kind := a_pipe(target):
            raise NotWritable(
                f"{target} is {kind}, where view writes this run's HTML report: remove it, or give --html FILE"
            )
        if (problem := unwritable("the HTML report's folder", target.parent, folder=True)) is not None:
            raise NotWritable(problem)
    composed = compose(judgement, settings=settings)
    write_html(composed.report, target, head=named_head(settings, html=True))
    return target

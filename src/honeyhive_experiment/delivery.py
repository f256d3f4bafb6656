"""Where a verdict goes: ``report.json``, the HTML report, the job summary, the step outputs, the terminal and the PR
comment.

:func:`compose` builds the one report of a :class:`~honeyhive_experiment.judgement.Judgement` (once; every string
redacted there) and renders its comment; :func:`deliver` writes it everywhere it goes. Every invocation that judged
something — a run the backend summarised, or an experiment that could not be evaluated — ends here, so the report
is always written before the process exits, whatever the verdict. The runner's files are written with
:mod:`honeyhive_experiment.gha` and the comment is posted through the :data:`Poster` the invocation layer built
(the GitHub publisher), so nothing here opens a connection of its own.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import stat
import sys
import uuid
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from honeyhive_experiment.config import CommentConfig, declared_name
from honeyhive_experiment.context import workflow_run_attempt
from honeyhive_experiment.errors import ExperimentError, NotWritable, TemplateError
from honeyhive_experiment.gha import annotation, append_summary, cannot_write, issue, write_outputs
from honeyhive_experiment.judgement import Judgement, error_kind
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH, folder_beneath, open_in, relative
from honeyhive_experiment.report import (
    Redactor,
    Report,
    ReportHtml,
    build_report,
    earlier_marker,
    marker,
    render_comment,
    render_html,
    render_running,
    render_summary,
    render_terminal,
    report_json,
)
from honeyhive_experiment.report.markdown import clip, plain_lines
from honeyhive_experiment.report.markers import stamped
from honeyhive_experiment.settings import ActionOutputs, CommentMode, Mode, Settings
from honeyhive_experiment.verdict import Decision, Verdict, exit_code

if TYPE_CHECKING:
    from honeyhive_experiment.flow import ShardResult

__all__ = [
    "Composed",
    "Poster",
    "announce",
    "announce_running",
    "compose",
    "deliver",
    "deliver_shard",
    "named_head",
    "replaceable",
    "write_html",
    "written_through",
]

log = logging.getLogger("honeyhive_experiment")

_SAID: Final = 4_000  # characters of a problem announce() says at most, as many as the summary quotes of an error

Poster = Callable[[int, str, str, str | None, bool], str | None]
"""``post(pr_number, body, marker, earlier, running)`` → the comment's URL (``None`` when nothing was posted): the
comment this invocation posted edited, else the one carrying ``marker``, else one carrying ``earlier`` (an earlier
version's marker), else one created; ``running``: the "running" comment, which the result replaces. Never raises:
GitHub's refusals, and any other failure, are logged as warnings (a comment that cannot be posted does not fail the
check)."""


@dataclass(frozen=True)
class Composed:
    """The report of one invocation and what it says in each place, before anything is written or posted."""

    report: Report
    comment: str
    terminal: str
    template: Path | None  # the custom template the comment was rendered with (None: the built-in one)
    template_error: TemplateError | None  # why the custom template was not used (the verdict is error)


def compose(judgement: Judgement, *, settings: Settings, html_file: Path | None = None) -> Composed:
    """The report of ``judgement`` (built once) with its comment and terminal text; ``html_file``: where its HTML
    report will be written (the comment and the summary say where to find it).

    A custom template that fails is an ``error`` verdict rendered with the built-in template: the comment
    then says what is wrong with the template (and :attr:`Composed.template_error` what to announce)."""
    comment: CommentConfig = judgement.comment
    template = settings.root / comment.template if comment.template else None
    html = _html_location(settings, html_file)
    secrets = settings.secrets()
    report = build_report(judgement, secrets=secrets, html=html)
    error: TemplateError | None = None
    try:
        text = render_comment(
            report,
            config_file=settings.config_file,
            template_path=template,
            max_datapoints=comment.max_datapoints,
            secrets=secrets,
            variant=settings.variant,
        ).text
    except TemplateError as exc:
        judgement = dataclasses.replace(
            judgement, decision=Decision(Verdict.ERROR, (str(exc),)), error=str(exc), error_kind=error_kind(exc)
        )
        report = build_report(judgement, secrets=secrets, html=html)
        text = render_comment(
            report,
            config_file=settings.config_file,
            max_datapoints=comment.max_datapoints,
            secrets=secrets,
            variant=settings.variant,
        ).text
        template, error = None, exc
    # the terminal's path is the shell's: relative to where the command was typed (-C may have moved the root)
    shown = None if html_file is None else (relative(html_file, Path.cwd()) or str(html_file.resolve()))
    terminal = render_terminal(report, max_datapoints=comment.max_datapoints, html_path=shown)
    return Composed(report, text, terminal, template, error)


def _html_location(settings: Settings, html_file: Path | None) -> ReportHtml | None:
    """Where the comment says the HTML report is: the file (relative to the working directory when inside it)
    and, in GitHub Actions, the workflow run whose artifacts hold it once the workflow uploads it. ``mode: publish``
    names the run job's page, report.html beside the report.json it uploaded, in the triggering workflow run's
    artifacts (the publish workflow uploads nothing); none when that run is not known."""
    if html_file is None:
        return None
    url = settings.ci.workflow_run_url if settings.as_action else None
    if settings.mode is Mode.PUBLISH:
        triggering, repository, report = settings.triggering_run, settings.ci.repository, settings.report_file
        if triggering is None or triggering.run_id is None or repository is None or report is None:
            return None
        html_file = report.with_suffix(".html")
        url = f"{settings.github_server_url}/{repository}/actions/runs/{triggering.run_id}"
    shown = relative(html_file, settings.root) or str(html_file)
    return ReportHtml(file=shown, artifacts_url=url)


# report.json, as deliver writes it: its first key; a rewrite of it (jq -S, a formatter) is checked as JSON
JSON_HEAD: Final = re.compile(rb'(?:\xef\xbb\xbf)?\s*\{\s*"version": \d+,\s*"experiment": ')
HTML_HEAD: Final = re.compile(
    rb"<!DOCTYPE html>.{0,300}?<meta http-equiv=\"Content-Security-Policy\" content=\"default-src (?:'|&#39;)none", re.S
)


def replaceable(path: Path | str, head: re.Pattern[bytes], *, folder: int | None = None) -> bool:
    """Whether a report may be written at ``path`` (in the open ``folder``, when given): nothing, or nothing of the
    user's, is there (no file, an empty one, a device written into, a link replaced), or a report of ours, which
    begins as ``head`` matches."""
    try:
        if not stat.S_ISREG(os.lstat(path, dir_fd=folder).st_mode):
            return True
        with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder), "rb") as file:
            start = file.read(4096)
            if not start.strip() or head.match(start) is not None:
                return True
            start += file.read() if head is JSON_HEAD else b""
    except FileNotFoundError:
        return True
    except OSError:  # unreadable: not known to be ours
        return False
    if head is JSON_HEAD:  # reformatted or its keys sorted: a JSON object with the format's version and experiment
        with suppress(ValueError):
            found = json.loads(start.decode("utf-8-sig"))
            return isinstance(found, dict) and isinstance(found.get("version"), int) and "experiment" in found
    return False


def named_head(settings: Settings, *, html: bool) -> re.Pattern[bytes] | None:
    """How a report of ours begins (:func:`replaceable`) where the user named its path (``--report``, ``--html``, the
    action's ``report`` input), so that only such a report is written over there; None at the tool's own default path
    (``.honeyhive/report.json``, the HTML report beside it)."""
    named = settings.report is not None or (html and settings.html_path is not None)
    return (HTML_HEAD if html else JSON_HEAD) if named else None


def write_html(report: Report, path: Path, *, head: re.Pattern[bytes] | None = None) -> None:
    """The HTML report of ``report`` (:func:`~honeyhive_experiment.report.render_html`) at ``path`` (as
    :func:`_replace` writes; ``view``, which runs no user code, checked its folders for links just before; ``head``:
    :func:`named_head`'s)."""
    _replace([("the HTML report", path, render_html(report), head)], root=path.parent)


def written_through(path: Path | str, *, folder: int | None = None) -> bool:
    """Whether ``path`` (in the open ``folder``, when given) is something other than a file or a symbolic link (a
    device such as ``/dev/null``; a FIFO is refused before the run, :func:`~honeyhive_experiment.gha.a_pipe`):
    :func:`_replace` writes into it, since a file moved over it would take its place."""
    try:
        mode = os.lstat(path, dir_fd=folder).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISLNK(mode))


def _replace(
    files: list[tuple[str, Path, str, re.Pattern[bytes] | None]],
    *,
    root: Path,
    named: Callable[[Path], str] = os.fspath,
) -> None:
    """Each ``(what, path, text, head)`` written to a new file beside ``path``, then moved over it (:func:`os.replace`):
    all of them, or when one cannot be written (a full disk) none, and what was there stays whole (a move that fails,
    a folder in a file's place, leaves the files moved before it moved). With a ``head`` (a path the user named), only
    while it is :func:`replaceable` when moved, or linked to where nothing is (one step: a file made there during
    the run, after the checks before it, is refused, never replaced). A symbolic link
    at ``path`` is replaced, not written through; a device or a FIFO (:func:`written_through`) is written into, last.
    Each folder is opened as :func:`~honeyhive_experiment.paths.folder_beneath` opens it, through no symbolic link
    inside ``root``, and the files in it by its descriptor: a link the user's code made while it ran (``.honeyhive``
    -> elsewhere) is refused when the file is written, not only in the checks before the run.
    Raises NotWritable naming the file (as ``named`` names it: in the action, from the workspace) and why."""
    moved: list[tuple[str, Path, int, str, str, re.Pattern[bytes] | None]] = []  # and the temporary file's name
    into: list[tuple[str, Path, int, str, str]] = []  # (what, path, its folder, its name, the text)
    what, path = "", Path()  # the file being written, which an error names
    with ExitStack() as folders:
        try:
            for what, path, text, head in files:
                folder, name = folders.enter_context(folder_beneath(root, path, make=True))
                if written_through(name, folder=folder):
                    into.append((what, path, folder, name, text))
                    continue
                temporary = f".{name}.{uuid.uuid4().hex[:12]}.tmp"
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL  # its mode the umask's, as a new file's
                new = open_in(folder, temporary, flags, path=path.with_name(temporary))
                moved.append((what, path, folder, temporary, name, head))
                with open(new, "w", encoding="utf-8") as handle:
                    handle.write(text)
            for what, path, folder, temporary, name, head in moved:
                if head is not None:
                    with suppress(OSError):  # something there, or no hard links here (a FUSE mount): checked below
                        os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
                        continue
                    if not replaceable(name, head, folder=folder):
                        said = "it is no report of this tool's; name another file (or remove it)"
                        raise NotWritable(f"refusing to write {what} over {named(path)}: {said}")
                os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            for what, path, folder, name, text in into:  # noqa: B007 - what the handler below names
                # no O_CREAT: a device or FIFO gone meanwhile is an error, not a new file made in its place
                with open(open_in(folder, name, os.O_WRONLY, path=path), "w", encoding="utf-8") as handle:
                    handle.write(text)
        except OSError as exc:
            raise NotWritable(cannot_write(what, path, exc, shown=named(path), named=named)) from None
        finally:
            for _, _, folder, temporary, _, _ in moved:
                with suppress(FileNotFoundError):
                    os.unlink(temporary, dir_fd=folder)


def deliver(
    composed: Composed,
    *,
    settings: Settings,
    report_file: Path | None,
    post: Poster | None,
    html_file: Path | None = None,
) -> bool:
    """Write the report everywhere it goes (``html_file``: the HTML report too); post the comment (through ``post``,
    when the invocation is the action on a pull request and not a dry run). Whether the runner's files (the step
    summary, the outputs) were written: one its disk cannot take is said, and the comment still goes.

    Raises NotWritable, before anything else is written or posted, when report.json or the HTML report cannot be
    written (:func:`_replace`): the caller delivers the error instead."""
    report = composed.report
    verdict = report.verdict
    files: list[tuple[str, Path, str, re.Pattern[bytes] | None]] = []
    if report_file is not None:
        text = json.dumps(report_json(report), indent=2) + "\n"
        files.append(("report.json", report_file, text, named_head(settings, html=False)))
    if html_file is not None:
        files.append(("the HTML report", html_file, render_html(report), named_head(settings, html=True)))
    _replace(files, root=_beneath(settings), named=settings.named)

    # the summary and outputs before the comment: a job cancelled while the comment is posted still has them
    summary, outputs = settings.step_summary_path, settings.output_path  # the runner's files: none outside Actions
    written = _to_runner(
        settings, "GITHUB_STEP_SUMMARY", summary, lambda path: append_summary(path, render_summary(report))
    )
    written &= _to_runner(
        settings,
        "GITHUB_OUTPUT",
        outputs,
        lambda path: write_outputs(path, _outputs(report, settings, report_file, html_file)),
    )
    pr_number = settings.ci.pr_number
    if settings.dry_run or not settings.as_action:
        shown = f"{composed.terminal}\n\n----- the comment that would be posted -----\n\n{composed.comment}"
        print(settings.printable(shown))
    elif post is not None and pr_number is not None:
        comment_url = _post(post, composed.comment, report.experiment, settings)
        if comment_url:  # a later value of an output replaces the earlier
            written &= _to_runner(
                settings, "GITHUB_OUTPUT", outputs, lambda path: write_outputs(path, {"comment-url": comment_url})
            )
    if verdict is Verdict.FAIL:  # a red job says why in its log, one line per reason (errors: where caught)
        for reason in report.reasons:
            announce(settings, "error", ExperimentError(f"verdict fail: {reason}"))
    for warning in report.warnings:
        announce(settings, "warning", ExperimentError(warning))
    if verdict is Verdict.NEUTRAL:
        reason = report.reasons[0] if report.reasons else "nothing to judge against"
        announce(settings, "warning", ExperimentError(f"verdict neutral: {reason}"))
    return written


def _beneath(settings: Settings) -> Path:
    """Where no symbolic link is followed to the reports: the action's workspace (its working directory was checked
    to be reached through none, before the user's code ran), else the working directory (reached as the user likes)."""
    return settings.workspace if settings.as_action and settings.workspace is not None else settings.root


def _to_runner(settings: Settings, what: str, path: Path | None, write: Callable[[Path], object]) -> bool:
    """``write`` to ``path``, the runner's file ``what`` (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``), when it has one:
    whether it was written; one it could not write is said, and why."""
    if path is None:
        return True
    try:
        write(path)
    except OSError as exc:
        shown = settings.named(path)
        announce(settings, "error", ExperimentError(cannot_write(what, path, exc, shown=shown, named=settings.named)))
        return False
    return True


def announce_running(experiment: str, *, title: str | None, settings: Settings, post: Poster | None) -> None:
    """Show reviewers early that the pull request's run has started: the sticky comment says "running" (created,
    or the previous result edited), and :func:`deliver` replaces it at the end, whatever the verdict. Only when a
    comment would be posted at all (the action on a pull request, not a dry run, ``comment-mode`` not off) and
    the invocation runs or judges the experiment (not a shard job, not ``publish``)."""
    ci = settings.ci
    if settings.dry_run or not settings.as_action or post is None or ci.pr_number is None:
        return
    if settings.comment_mode is CommentMode.OFF or settings.mode not in (Mode.ALL, Mode.REPORT):
        return
    body = render_running(
        experiment,
        config_file=settings.config_file,
        title=title,
        head_sha=ci.sha,
        workflow_run_url=ci.workflow_run_url,
        secrets=settings.secrets(),
        variant=settings.variant,
    )
    _post(post, body, experiment, settings, running=True)


def _post(post: Poster, body: str, experiment: str, settings: Settings, *, running: bool = False) -> str | None:
    """``body`` posted on the pull request (the callers checked there is one) as the comment of the experiment file
    and ``variant``, stamped with this job's workflow run attempt (another job's comment is then told from this
    job's: a matrix leg's on the same file without a variant). Without a variant it edits the comment an earlier
    version keyed by the ``experiment``'s name alone, when it has none of its own yet: the default file's (from the
    working directory, as the workflow names it), or any file's where there is no default file or it names another
    experiment (the comment can be no other's; its marker is the file's from then on). A default file whose name
    cannot be read may be the experiment's: its comment is left to it."""
    assert settings.ci.pr_number is not None
    earlier = earlier_marker(experiment) if not settings.variant and _adopts(settings, experiment) else None
    body = stamped(body, settings.ci.workflow_run_url)
    return post(settings.ci.pr_number, body, marker(settings.config_file, settings.variant), earlier, running)


def _adopts(settings: Settings, experiment: str) -> bool:
    """Whether the experiment file may edit the comment an earlier version keyed by ``experiment``'s name alone
    (:func:`_post`): the default file may, and any other where the default file is absent or names another
    experiment; one whose name cannot be read may be this experiment's."""
    default = settings.root / DEFAULT_CONFIG_PATH
    return settings.default_config or not default.exists() or declared_name(default) not in (None, experiment)


def deliver_shard(settings: Settings, done: ShardResult, *, cancelled: bool) -> int:
    """A shard job's end (``mode: run``): the ``run-id`` output and a line saying what was recorded; nothing is
    judged or posted (the report job does that). An error when some of its datapoints were not recorded (their
    session, its outputs or their spans never reached HoneyHive): re-running the job records what is missing; and when
    the ``run-id`` output cannot be written (said as :func:`deliver` says it); and when it found all it had to record
    already there on the workflow run's first attempt, where no earlier attempt could have recorded it: another job
    of this attempt did (a matrix leg without its own ``variant``), and this job's code went unevaluated, which the
    report job cannot tell (it judges the other job's datapoints, green or red); or an earlier step of this job did
    (a retry step), which nothing here tells apart, so the error says both. An unknown attempt (no
    ``GITHUB_RUN_ATTEMPT``) is no first attempt."""
    which = f"shard {done.shard}" if done.shard else "the whole dataset"
    failed = sum(1 for o in done.outcomes if o.failed)
    lost = [o.datapoint_id for o in done.outcomes if not o.recorded or o.status.value == "cancelled"]  # trials
    unfinished = len(set(lost))
    # a link the user's code put in GITHUB_OUTPUT's place is said as deliver says it (not "unexpected")
    outputs = ActionOutputs(run_id=done.run_id).by_name()
    written = _to_runner(settings, "GITHUB_OUTPUT", settings.output_path, lambda path: write_outputs(path, outputs))
    first_attempt = (workflow_run_attempt(settings.ci.workflow_run_url) or "").endswith(".1")  # <run id>.<attempt>
    if done.already_recorded and not done.outcomes and first_attempt:
        message = (
            f"{which}: all it had to record ({done.already_recorded} session(s)) was already in run {done.run_id} on"
            " this workflow run's first attempt, so another job of it recorded it, or an earlier step of this job (a"
            " retry), and this step's code was never evaluated. Jobs of one experiment file share a run unless their"
            " variant tells them apart: give each leg of a matrix its own (variant: ${{ matrix.<x> }}, in its shard"
            " jobs and its report job). A retry step within one attempt fails so too: re-run the job from GitHub"
            " instead (Re-run failed jobs), whose next attempt keeps what was recorded and runs only what is missing"
        )
        announce(settings, "error", ExperimentError(message))
        return exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)
    if done.errored_earlier:  # re-running the job cannot clear them: say so now, not after the report job fails
        message = (
            f"{which}: {done.errored_earlier} datapoint(s) an earlier attempt recorded with an error are not run again"
            " in this workflow run (its run keeps them): start a new workflow run (push a commit, or close and reopen"
            " the pull request) to run them again"
        )
        announce(settings, "warning", ExperimentError(message))
    if cancelled or unfinished:
        message = (
            f"{which}: {unfinished} datapoint(s){f' ({len(lost)} trials)' if len(lost) > unfinished else ''} of run"
            f" {done.run_id} were not recorded (cancelled, or the backend"
            " failed or never got their session, its outputs or their spans); re-run the job to record them (what is"
            " recorded is kept)"
        )
        announce(settings, "error", ExperimentError(message))
        return exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)
    what = "datapoint(s)" if done.trials == 1 else f"trial(s) ({done.trials} per datapoint)"
    print(
        f"recorded {len(done.outcomes)} {what} of {which} into run {done.run_id}"
        f" ({done.already_recorded} already there from an earlier attempt, {failed} failed)"
    )
    return 0 if written else exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)


def _for_the_workflow(path: Path | None, workspace: Path | None) -> str:
    """``path`` as a later step of the workflow names it: relative to the workspace. In the container the workspace
    is ``/github/workspace``, a path that does not exist on the runner, where ``actions/upload-artifact`` and
    ``run:`` steps look (their working directory is the workspace); a path outside it stays as it is."""
    if path is None:
        return ""
    return relative(path, workspace or ".") or str(path)


def _outputs(report: Report, settings: Settings, report_file: Path | None, html_file: Path | None) -> dict[str, str]:
    """The step outputs of ``report``, its files named as the workflow names them (:func:`_for_the_workflow`)."""
    counts = report.counts
    return ActionOutputs(
        run_id=report.run.id or "",
        run_url=report.run.url or "",
        baseline_run_id=report.baseline.run_id if report.baseline else "",
        verdict=report.verdict.value,
        passed="" if counts.passed is None else str(counts.passed),
        failed="" if counts.failed is None else str(counts.failed),
        report_path=_for_the_workflow(report_file, settings.workspace),
        html_report_path=_for_the_workflow(html_file, settings.workspace),
    ).by_name()


def unjudged_exit(settings: Settings, called: str) -> int:
    """The code the process ends with when the user's code calls ``os._exit(0)`` before the command is done
    (``called``: where), the error verdict's (0 with ``fail-on-error: false``), after saying so as that verdict's
    problems are said: an error, or a warning when it ends with 0
    (:func:`~honeyhive_experiment.cancellation.at_exit`)."""
    code = exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)
    ends = f"exit code {code} (error), not 0" if code else "an error; exit code 0 (fail-on-error: false)"
    said = ExperimentError(f"{called} before the command was done: no verdict, no report; {ends}")
    announce(settings, "error" if code else "warning", said)
    return code


def announce(settings: Settings, level: Literal["error", "warning", "notice"], problem: ExperimentError) -> None:
    """Tell the user about ``problem`` where they look: an annotation on the file and line in GitHub Actions
    (``::error file=…,line=…::key: message``), else ``error: file:line: key: message`` on standard error.

    In Actions the file is made relative to the workspace, as annotations need. The text is redacted of the
    settings' secrets as it shows (a secret the user's code split with colour codes too: the log is a boundary of its
    own, and the fence passes :func:`~honeyhive_experiment.gha.issue`'s lines on as they are), terminal-safe, as the
    log handler's records are, and cut to :data:`_SAID` characters."""
    text = f"{problem.key}: {problem.message}" if problem.key else problem.message
    file = relative(problem.file, settings.workspace or ".") if settings.as_action and problem.file else None
    if file is None and problem.where:  # no annotation placed on the file: the text says where
        text = f"{problem.where}: {text}"
    text = clip(plain_lines(Redactor(settings.secrets()).redact_shown(text)), _SAID)
    if settings.as_action:
        line = problem.line if file is not None else None
        issue(annotation(level, text, file=file, line=line))
    else:
        print(settings.printable(f"{level}: {text}"), file=sys.stderr)
    sys.stdout.flush()

"""Where a verdict goes: ``report.json``, the job summary, the step outputs, the terminal and the PR comment.

:func:`deliver` is the last step of every invocation that judged something — a run the backend summarised, or
an experiment that could not be evaluated — so the report is always written before the process exits,
whatever the verdict. It renders with :mod:`honeyhive_experiment.report` (pure), writes the runner's files with
:mod:`honeyhive_experiment.gha`, and posts through the ``post`` callable the composition root built (the
GitHub publisher), so nothing here opens a connection of its own. Every string is redacted with the
invocation's secrets (the inputs' key and token, the runner's own tokens) before it is written anywhere.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from honeyhive_experiment import __version__
from honeyhive_experiment.config import CommentConfig, ExperimentConfig
from honeyhive_experiment.errors import ExperimentError, TemplateError
from honeyhive_experiment.gha import annotation, append_summary, neutralise, write_outputs
from honeyhive_experiment.report import (
    BaselineInfo,
    Redactor,
    ReportInput,
    marker,
    render_comment,
    render_running,
    render_summary,
    render_terminal,
    report_json,
)
from honeyhive_experiment.settings import ActionOutputs, CommentMode, Mode, Settings
from honeyhive_experiment.verdict import Decision, Verdict, exit_code

if TYPE_CHECKING:
    from honeyhive_experiment.flow import CiContext, FlowResult, ShardResult

__all__ = ["Judged", "Poster", "Rendered", "announce", "deliver", "deliver_shard", "render", "report_input"]

log = logging.getLogger("honeyhive_experiment")

Poster = Callable[[int, str, str], str | None]
"""``post(pr_number, body, marker)`` → the comment's URL (``None`` when nothing was posted); never raises for
GitHub's refusals, which are logged as warnings (a comment that cannot be posted does not fail the check)."""


@dataclass(frozen=True, kw_only=True)
class Judged:
    """What one invocation has to report: the verdict, and the flow's result when there was one."""

    experiment: str
    decision: Decision
    flow: FlowResult | None = None
    config: ExperimentConfig | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    run_url: str | None = None


def deliver(
    judged: Judged,
    *,
    settings: Settings,
    ci: CiContext,
    redactor: Redactor,
    now: datetime,
    report_file: Path | None,
    post: Poster | None,
    out: TextIO | None = None,
) -> int:
    """Render the report (:func:`render`) and write it everywhere it goes; post the comment (through ``post``,
    when the invocation is an action on a pull request and not a dry run); return the exit code of the verdict.
    """
    stdout = out if out is not None else sys.stdout
    secrets = settings.secrets()
    rendered = render(judged, settings=settings, ci=ci, redactor=redactor, now=now)
    data, comment = rendered.report, rendered.comment
    verdict = data.decision.verdict

    if report_file is not None:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(json.dumps(report_json(data, secrets=secrets), indent=2) + "\n", encoding="utf-8")

    # the summary and outputs before the comment: a job cancelled while the comment is posted still has them
    if settings.step_summary_path is not None:
        append_summary(settings.step_summary_path, render_summary(data, secrets=secrets))
    if settings.output_path is not None:
        write_outputs(settings.output_path, _outputs(judged, verdict, None, report_file).by_name())
    if settings.dry_run or not settings.in_actions:
        shown = f"{render_terminal(data, secrets=secrets)}\n\n----- the comment that would be posted -----\n\n{comment}"
        print(_printable(settings, shown), file=stdout)
    elif post is not None and ci.pr_number is not None:
        comment_url = post(ci.pr_number, comment, marker(judged.experiment))
        if comment_url and settings.output_path is not None:  # a later value of an output replaces the earlier
            write_outputs(settings.output_path, {"comment-url": comment_url})
    if verdict is Verdict.FAIL:  # a red job says why in its log, one line per reason (errors: where caught)
        for reason in data.decision.reasons:
            announce(settings, redactor, "error", ExperimentError(f"verdict fail: {reason}"))
    for warning in data.decision.warnings:
        announce(settings, redactor, "warning", ExperimentError(warning))
    if verdict is Verdict.NEUTRAL:
        reason = data.decision.reasons[0] if data.decision.reasons else "nothing to judge against"
        announce(settings, redactor, "warning", ExperimentError(f"verdict neutral: {reason}"))
    return exit_code(verdict, fail_on_error=settings.fail_on_error)


def announce_running(
    experiment: str, *, title: str | None, settings: Settings, ci: CiContext, post: Poster | None
) -> None:
    """Show reviewers early that the pull request's run has started: the sticky comment says "running" (created,
    or the previous result edited), and :func:`deliver` replaces it at the end, whatever the verdict. Only when a
    comment would be posted at all (the action on a pull request, not a dry run, ``comment-mode`` not off) and
    the invocation runs or judges the experiment (not a shard job, not ``publish``)."""
    if settings.dry_run or not settings.in_actions or post is None or ci.pr_number is None:
        return
    if settings.comment_mode is CommentMode.OFF or settings.mode not in (Mode.ALL, Mode.REPORT):
        return
    body = render_running(
        experiment, title=title, head_sha=ci.sha, workflow_run_url=settings.run_url, secrets=settings.secrets()
    )
    post(ci.pr_number, body, marker(experiment))


@dataclass(frozen=True)
class Rendered:
    """The report of one invocation and its comment, before anything is written or posted."""

    report: ReportInput  # what the comment, summary, terminal text and report.json are rendered from
    comment: str
    template: Path | None  # the custom template the comment was rendered with (None: the built-in one)


def render(judged: Judged, *, settings: Settings, ci: CiContext, redactor: Redactor, now: datetime) -> Rendered:
    """The report and its comment (what :func:`deliver` writes, and what ``api.run_config`` returns).

    A custom template that fails is an ``error`` verdict rendered with the built-in template: the comment
    then says what is wrong with the template (announced here)."""
    secrets = settings.secrets()
    data = report_input(judged, settings=settings, ci=ci, now=now)
    comment_config = judged.config.comment if judged.config is not None else CommentConfig()
    template = settings.root / comment_config.template if comment_config.template else None
    try:
        return Rendered(data, render_comment(data, secrets=secrets, template_path=template).text, template)
    except TemplateError as exc:
        announce(settings, redactor, "error", exc)
        data = replace(data, decision=Decision(Verdict.ERROR, (str(exc),)), error=str(exc))
        return Rendered(data, render_comment(data, secrets=secrets).text, None)


def deliver_shard(settings: Settings, redactor: Redactor, done: ShardResult, *, cancelled: bool) -> int:
    """A shard job's end (``mode: run``): the ``run-id`` output and a line saying what was recorded; nothing is
    judged or posted (the report job does that). An error when some of its datapoints were not recorded:
    re-running the job records what is missing."""
    which = f"shard {done.shard}" if done.shard else "the whole dataset"
    failed = sum(1 for o in done.outcomes if o.failed)
    unfinished = sum(1 for o in done.outcomes if not o.recorded or o.status.value == "cancelled")
    if settings.output_path is not None:
        write_outputs(settings.output_path, ActionOutputs(run_id=done.run_id).by_name())
    if cancelled or unfinished:
        message = (
            f"{which}: {unfinished} datapoint(s) of run {done.run_id} were not recorded (cancelled, or the backend"
            " failed); re-run the job to record them (what is recorded is kept)"
        )
        announce(settings, redactor, "error", ExperimentError(message))
        return exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)
    print(
        f"recorded {len(done.outcomes)} datapoint(s) of {which} into run {done.run_id}"
        f" ({done.already_recorded} already there from an earlier attempt, {failed} failed)"
    )
    return 0


def report_input(judged: Judged, *, settings: Settings, ci: CiContext, now: datetime) -> ReportInput:
    """What the report of ``judged`` is rendered from."""
    flow, config = judged.flow, judged.config
    return ReportInput(
        experiment=judged.experiment,
        decision=judged.decision,
        run_id=flow.result.run_id if flow else None,
        run_url=judged.run_url,
        head_sha=ci.sha,
        pr_number=ci.pr_number,
        summary=flow.result.summary if flow else None,
        comparison=flow.comparison if flow else None,
        baseline=_baseline_info(flow, settings) if flow else None,
        outcomes=flow.result.outcomes if flow else (),
        inputs_by_datapoint=flow.inputs_by_datapoint if flow else {},
        metrics=config.metrics if config is not None else {},
        comment=config.comment if config is not None else CommentConfig(),
        error=judged.error,
        notes=(*judged.notes, *(flow.notes if flow else ())),
        trend=flow.trend if flow else (),
        assessment=flow.assessment if flow else {},
        id_scheme=flow.dataset.identity.scheme if flow and flow.dataset.identity else None,
        judged_metrics=(*config.passing_ranges, *config.gate) if config is not None else (),
        dry_run=settings.dry_run,
        dirty=bool(ci.dirty),
        generated_at=now,
        tool_version=__version__,
    )


def _baseline_info(flow: FlowResult, settings: Settings) -> BaselineInfo | None:
    if flow.baseline is None:
        return None
    b = flow.baseline
    return BaselineInfo(
        run_id=b.run.run_id,
        name=b.run.name,
        # the embedded local backend is gone when the command ends: its runs have no page to link to
        url=settings.run_link(b.run.run_id) if settings.api_key else None,
        commit_sha=b.commit_sha,
        branch=b.branch,
        created_at=b.created_at,
        shared_datapoints=len(flow.comparison.common_datapoints) if flow.comparison else None,
        total_datapoints=len(flow.result.summary.datapoint_ids) or len(flow.dataset.datapoints),
        why=b.why,
        dirty=b.dirty,
        passed=flow.baseline_result.success if flow.baseline_result is not None else None,
    )


def _outputs(judged: Judged, verdict: Verdict, comment_url: str | None, report_file: Path | None) -> ActionOutputs:
    flow = judged.flow
    if flow is None:
        return ActionOutputs(verdict=verdict.value, report_path=str(report_file or ""))
    summary = flow.result.summary
    return ActionOutputs(
        run_id=flow.result.run_id,
        run_url=judged.run_url or "",
        baseline_run_id=flow.baseline.run.run_id if flow.baseline else "",
        verdict=verdict.value,
        passed=str(len(summary.passed)),
        failed=str(len(summary.failed)),
        comment_url=comment_url or "",
        report_path=str(report_file or ""),
    )


def announce(
    settings: Settings,
    redactor: Redactor,
    level: Literal["error", "warning", "notice"],
    problem: ExperimentError,
    *,
    out: TextIO | None = None,
) -> None:
    """Tell the user about ``problem`` where they look: an annotation on the file and line in GitHub Actions
    (``::error file=…,line=…::key: message``), else ``error: file:line: key: message`` on standard error.

    In Actions the file is made relative to the workspace, as annotations need; the text is redacted.
    """
    text = f"{problem.key}: {problem.message}" if problem.key else problem.message
    file = _relative(problem.file, settings.workspace) if settings.in_actions else None
    if settings.in_actions and file is not None:
        print(annotation(level, redactor.redact(text), file=file, line=problem.line), file=out or sys.stdout)
    elif settings.in_actions:
        shown = f"{problem.where}: {text}" if problem.where else text
        print(annotation(level, redactor.redact(shown)), file=out or sys.stdout)
    else:
        shown = f"{problem.where}: {text}" if problem.where else text
        print(_printable(settings, f"{level}: {redactor.redact(shown)}"), file=out or sys.stderr)
    (out or sys.stdout).flush()


def _printable(settings: Settings, text: str) -> str:
    """Text for the log: inside GitHub Actions (a dry run there too) no line of it can be a workflow command."""
    return neutralise(text) if settings.in_actions or settings.in_github_actions else text


def _relative(file: str | None, workspace: Path | None) -> str | None:
    """``file`` relative to the workspace, as GitHub places annotations; ``None`` when it cannot be."""
    if not file:
        return None
    try:
        return Path(file).resolve().relative_to((workspace or Path(".")).resolve()).as_posix()
    except ValueError:  # outside the workspace: GitHub cannot place it, so the text names it
        return None

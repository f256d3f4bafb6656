"""An experiment file, run from Python exactly as ``python -m honeyhive_experiment run`` runs it.

    from honeyhive_experiment import render_comment, run_config

    run = run_config("examples/quickstart", dry_run=True)   # a directory: its .honeyhive/experiment.yml
    run.verdict, run.exit_code, run.result.summary.failed     # what the CLI would decide and exit with
    print(render_comment(run))                              # the Markdown the CLI prints / posts

:func:`run_config` takes the same path from settings to report as the CLI (``cli.run_settings`` →
``cli.judge_config`` → ``delivery.render``), and returns what the report is rendered from, without writing or
posting anything. Like the CLI it reads ``HH_API_KEY`` / ``HH_API_URL`` (``environ`` replaces the process
environment) and, for a dry run without a key, uses the embedded local backend in ``.honeyhive/local.db``.
An :class:`~honeyhive_experiment.errors.ExperimentError` (a bad config, an unreachable backend) becomes an
``error`` verdict, as the CLI reports it; anything else is a bug and propagates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH

if TYPE_CHECKING:
    from honeyhive_experiment.delivery import Judged
    from honeyhive_experiment.experiment import ExperimentResult
    from honeyhive_experiment.models.outcomes import Progress
    from honeyhive_experiment.report import ReportInput
    from honeyhive_experiment.verdict import Verdict

__all__ = ["ConfigRun", "render_comment", "render_terminal", "run_config"]


@dataclass(frozen=True)
class ConfigRun:
    """An experiment file run as the CLI runs it: what its report is rendered from, and the CLI's exit code."""

    report: ReportInput  # what the comment, the job summary, the terminal text and report.json are rendered from
    exit_code: int
    judged: Judged = field(repr=False)
    template: Path | None = None  # the custom comment template in use (None: the built-in one)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # redacted from everything rendered

    @property
    def verdict(self) -> Verdict:
        return self.report.decision.verdict

    @property
    def result(self) -> ExperimentResult | None:
        """The run's result (``None`` when the experiment could not be run: see ``report.error``)."""
        return self.judged.flow.result if self.judged.flow is not None else None


def run_config(
    path: str | Path = ".",
    *,
    working_directory: str | Path | None = None,
    dry_run: bool = False,
    baseline_run_id: str | None = None,
    server_url: str | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> ConfigRun:
    """Run the experiment file at ``path`` as ``python -m honeyhive_experiment run`` does, and return its report.

    ``path`` is a repository directory (its ``.honeyhive/experiment.yml`` is run, paths relative to it) or an
    experiment file (relative to ``working_directory``, default the current directory, as ``--config``). The
    other arguments are the command's flags; ``api_key`` stands in for ``HH_API_KEY``. Raises ``SettingsError``
    for a flag or variable the command would refuse (it exits 2 then)."""
    from honeyhive_experiment.cli import error_judged, judge_config, run_settings
    from honeyhive_experiment.config import load_config
    from honeyhive_experiment.delivery import render
    from honeyhive_experiment.errors import ExperimentError, SettingsError
    from honeyhive_experiment.report import Redactor
    from honeyhive_experiment.verdict import exit_code

    target = Path(path)
    root, config = (target, DEFAULT_CONFIG_PATH) if working_directory is None and target.is_dir() else (None, target)
    flags = {
        "config": str(config),
        "working_directory": str(working_directory or root or "."),
        "dry_run": dry_run,
        "baseline_run_id": baseline_run_id,
        "server_url": server_url,
    }
    settings, ci = run_settings(flags, environ, api_key=api_key)
    now, experiment, loaded = datetime.now(UTC), str(settings.config), None
    log = logging.getLogger("honeyhive_experiment")
    try:
        loaded = load_config(settings.config_path)
        experiment = loaded.name
        if not settings.api_key and not settings.dry_run:
            raise SettingsError("api-key", "the HoneyHive API key is not set: pass it from a secret")
        judged = judge_config(settings, loaded, ci, now=now, cancel=cancel, progress=progress, log=log)
    except ExperimentError as exc:
        judged = error_judged(exc, experiment=experiment, config=loaded, cancelled=bool(cancel and cancel.is_set()))
    rendered = render(judged, settings=settings, ci=ci, redactor=Redactor(settings.secrets()), now=now)
    code = exit_code(rendered.report.decision.verdict, fail_on_error=settings.fail_on_error)
    return ConfigRun(rendered.report, code, judged, rendered.template, settings.secrets())


def render_comment(run: ConfigRun) -> str:
    """The Markdown comment of ``run``, as the CLI prints it (dry run) or posts it (Actions)."""
    from honeyhive_experiment.report import render_comment as render

    return render(run.report, secrets=run.secrets, template_path=run.template).text


def render_terminal(run: ConfigRun) -> str:
    """The plain-text report of ``run``, as the CLI prints it before the comment."""
    from honeyhive_experiment.report import render_terminal as render

    return render(run.report, secrets=run.secrets)

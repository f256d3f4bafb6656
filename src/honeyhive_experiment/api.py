"""An experiment file, run from Python exactly as ``python -m honeyhive_experiment run`` runs it.

    from honeyhive_experiment import run_config

    run = run_config("examples/quickstart", dry_run=True)   # a directory: its .honeyhive/experiment.yml
    run.verdict, run.exit_code, run.report.counts.failed     # what the CLI would decide and exit with
    print(run.comment)                                      # the Markdown the CLI prints / posts

:func:`run_config` calls the same operation as the command (:func:`honeyhive_experiment.operations.run`), with
nothing written or posted, and returns the one report every output is rendered from. Like the command it reads
``HH_API_KEY`` / ``HH_API_URL`` (``environ`` replaces the process environment) and, for a dry run without a key,
uses the embedded local backend in ``.honeyhive/local.db``. A problem (a bad config, an unreachable backend)
becomes an ``error`` verdict, as the command reports it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from honeyhive_experiment.cancellation import Cancellation, install_signal_handlers, release
from honeyhive_experiment.errors import EXIT_INTERRUPTED
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH

if TYPE_CHECKING:
    from honeyhive_experiment.models.outcomes import Progress
    from honeyhive_experiment.report import Report
    from honeyhive_experiment.verdict import Verdict

__all__ = ["ConfigRun", "run_config"]

_ONE_AT_A_TIME = threading.Lock()
"""Held by each :func:`run_config` call while it runs: a call imports its repository's code with that folder as the
process's working directory and first on ``sys.path`` (:func:`~honeyhive_experiment.user_code.in_repository`), which
two calls at once would take from each other. A call from another thread waits for the one running."""
_CALLING = threading.local()  # ``now``: this thread is in a run_config call (its code's import calls it again)


@dataclass(frozen=True)
class ConfigRun:
    """An experiment file run as the CLI runs it: its report, what the CLI would print and post, and its exit
    code."""

    report: Report  # what the comment, the job summary, the terminal text and report.json are rendered from
    exit_code: int
    comment: str  # the Markdown comment the CLI prints (dry run) or posts (Actions)
    terminal: str  # the plain-text report the CLI prints before the comment
    template: Path | None = None  # the custom comment template in use (None: the built-in one)

    @property
    def verdict(self) -> Verdict:
        return self.report.verdict


def run_config(
    path: str | Path = ".",
    *,
    working_directory: str | Path | None = None,
    dry_run: bool = False,
    baseline_run_id: str | None = None,
    trials: int | str | None = None,
    server_url: str | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> ConfigRun:
    """Run the experiment file at ``path`` as ``python -m honeyhive_experiment run`` does, and return its report.

    ``path`` is a repository directory (its ``.honeyhive/experiment.yml`` is run, paths relative to it) or an
    experiment file (relative to ``working_directory``, default the current directory, as ``--config``). The
    other arguments are the command's flags (``trials`` is ``--trials``, a whole number or its digits: it overrides
    the file's; a blank ``server_url`` is none given, as ``--server-url ""``); ``api_key``
    stands in for ``HH_API_KEY`` (a blank one leaves the environment's key, and is an error when it has none, as
    evaluate()'s). Raises :class:`ArgumentError` naming an
    argument that cannot be used (of the wrong type, or a value its flag would refuse, checked as
    :func:`~honeyhive_experiment.evaluate` checks its own), and
    what the command says and exits 2 for otherwise (``SettingsError`` naming a variable of ``environ`` it would
    refuse, ``NotWritable`` for a ``working_directory`` that does not exist), before anything is sent.

    Called from the main thread, Ctrl-C (or SIGTERM) does what it does to the command: the first cancels the run
    (marked cancelled, what was recorded kept, the report made), a second stops it where it is; then
    :func:`run_config` raises ``KeyboardInterrupt`` (a note names the run and what it recorded), so a loop calling it
    stops too. The caller's signal handlers are back after. Calls from several threads run one at a time; one from the
    code of a run it is running (a datapoint's function) raises ArgumentError."""
    from honeyhive_experiment.config.model import MOST_TRIALS
    from honeyhive_experiment.connection import find_api_key, process_environment
    from honeyhive_experiment.errors import ArgumentError
    from honeyhive_experiment.experiment import check_count, check_server, check_types, check_watchers
    from honeyhive_experiment.operations import run
    from honeyhive_experiment.settings import Settings, whole_number

    if not isinstance(path, str | os.PathLike):
        raise ArgumentError("path", f"expected a directory or an experiment file's path, got {path!r}")
    check_types(
        working_directory=working_directory,
        dry_run=dry_run,
        baseline_run_id=baseline_run_id,
        server_url=server_url,
        api_key=api_key,
        environ=environ,
    )
    from honeyhive_experiment.tracing import in_datapoint

    # a call from a run's own code would wait for that run (one call at a time) for ever, or until its timeout
    if getattr(_CALLING, "now", False) or in_datapoint():
        raise ArgumentError("path", "run_config was called from the code of a run it is running; call it outside")
    if baseline_run_id is not None and len(baseline_run_id.split()) > 1:
        raise ArgumentError("baseline_run_id", f"expected one run id, commit or branch, got {baseline_run_id!r}")
    if isinstance(trials, str) and not trials.strip():
        trials = None  # as a blank --trials: the file's
    elif isinstance(trials, str) and (number := whole_number(trials.strip())) is not None:
        trials = number  # the text --trials takes (more digits are refused below, as text)
    if trials is not None:
        trials = check_count("trials", trials, MOST_TRIALS)
    check_watchers(progress, cancel)
    env = dict(process_environment(environ))
    for name, value in env.items():
        if not isinstance(name, str) or not isinstance(value, str):  # os.environ holds strings only
            raise ArgumentError("environ", f"expected strings, got {name!r}: {type(value).__name__}")
    check_server(server_url, api_key, env)  # first, as evaluate() checks them: the key's shape, the URL, a key for it
    if api_key is not None:
        find_api_key(api_key, env)  # a blank one, with no key in env, is refused as evaluate() refuses it
    if api_key and api_key.strip():  # a blank one leaves env's key, as evaluate() takes it
        env["HH_API_KEY"] = api_key
    target = Path(path)
    root, config = (target, DEFAULT_CONFIG_PATH) if working_directory is None and target.is_dir() else (None, target)
    flags = {
        "config": str(config),
        "working_directory": str(working_directory or root or "."),
        "dry_run": dry_run,
        "baseline_run_id": baseline_run_id,
        "trials": trials,
        "server_url": server_url,
    }
    with _ONE_AT_A_TIME, _ctrl_c_cancels(cancel) as watched:
        _CALLING.now = True
        try:
            outcome = run(Settings.from_args(flags, env), cancel=watched, progress=progress, write=False)
        finally:
            _CALLING.now = False
    composed = outcome.composed
    assert composed is not None, "a run that is not a shard job always has a report"
    if watched.signals or outcome.exit_code == EXIT_INTERRUPTED:
        interrupt = KeyboardInterrupt()  # the caller's Ctrl-C (or its callback's KeyboardInterrupt): it stops them too
        interrupt.add_note(f"run_config({str(path)!r}) stopped: {composed.report.error or composed.terminal}")
        raise interrupt
    return ConfigRun(composed.report, outcome.exit_code, composed.comment, composed.terminal, composed.template)


@contextmanager
def _ctrl_c_cancels(cancel: threading.Event | None) -> Iterator[Cancellation]:
    """The cancel event :func:`run_config` runs with: set by the command's SIGINT and SIGTERM handlers (on the main
    thread; the caller's given back after), or by the caller's ``cancel``."""
    watched = Cancellation(caller=cancel)
    install_signal_handlers(watched)
    try:
        yield watched
    finally:
        release(watched)

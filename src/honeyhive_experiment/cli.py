"""The command line and the action entry point: the composition root.

This is the only module that reads ``os.environ`` and ``sys.argv`` (besides ``connection.py``, for the SDK's
``HH_API_KEY`` / ``HH_API_URL`` defaults), asks git, starts the embedded backend, and builds the real HoneyHive
client and GitHub publisher; everything else receives them. ``api.run_config`` runs a file through the same
parts (:func:`run_settings`, :func:`judge_config`, :func:`error_judged`)::

    argv / environment ──► Settings (frozen) ──► the flow (flow.py) ──► deliver (delivery.py) ──► exit code
                                                     │ raises ExperimentError
                                                     └──────────► an error verdict, delivered the same way

    python -m honeyhive_experiment run [--config PATH] [--working-directory DIR] [--dry-run]
                                       [--baseline REF] [--base REF] [--report PATH] [--server-url URL]
                                       [--install ARGS]
    python -m honeyhive_experiment runs [--config PATH] [-C DIR] [--baseline REF] [--base REF] [--json]
    python -m honeyhive_experiment validate [--config PATH] [--working-directory DIR] [--install ARGS]
    python -m honeyhive_experiment schema
    python -m honeyhive_experiment action            # inside GitHub Actions (action.yml)

Exit codes: 0 pass or neutral, 1 fail, 2 error (0 with ``fail-on-error: false``), 2 on bad usage or when a
file the runner reads back cannot be written (nothing is run then), 130 on a second interrupt. Errors are
mapped once: every expected one is an :class:`~honeyhive_experiment.errors.ExperimentError`; anything else is
caught at this boundary too, so the user sees an error verdict and never a traceback. Heavy modules are
imported inside the commands, so ``--help`` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH, LOCAL_DB_PATH

if TYPE_CHECKING:
    import logging
    import threading
    from collections.abc import Callable
    from datetime import datetime

    from honeyhive_experiment.client import HoneyHiveClient
    from honeyhive_experiment.config import ExperimentConfig
    from honeyhive_experiment.delivery import Judged, Poster
    from honeyhive_experiment.errors import ExperimentError
    from honeyhive_experiment.flow import CiContext, PublishedRun
    from honeyhive_experiment.models.outcomes import Progress
    from honeyhive_experiment.report import Redactor
    from honeyhive_experiment.settings import Settings

    RunLink = Callable[[str], str | None]  # a run id → its page in the HoneyHive app (None: no page to link to)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # a second signal: 128 + SIGINT, as shells report it


# ----------------------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m honeyhive_experiment",
        description="Run a HoneyHive experiment from your repository's config, compare it with a baseline run, "
        "and report the metric deltas (as a PR comment in GitHub Actions).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--config", default=DEFAULT_CONFIG_PATH, help=f"experiment file (default: {DEFAULT_CONFIG_PATH})"
        )
        sub.add_argument(
            "-C",
            "--working-directory",
            default=".",
            metavar="DIR",
            help="the repository root: config, dataset and code paths are relative to it (default: .)",
        )

    run = commands.add_parser("run", help="run the experiment and report it (locally or in CI)")
    common(run)
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print the comment instead of posting it; without HH_API_KEY, use the embedded local backend",
    )
    run.add_argument("--report", metavar="PATH", help="also write the machine-readable report.json here")
    install_help = "install your dependencies first, e.g. --install '-r requirements.txt' (pip install arguments)"
    run.add_argument("--install", metavar="ARGS", help=install_help)
    runs = commands.add_parser("runs", help="list the experiment's recent runs and their results")
    common(runs)
    for sub in (run, runs):
        sub.add_argument(
            "--baseline",
            "--baseline-run-id",
            dest="baseline_run_id",
            metavar="REF",
            help="compare with this run id, or the latest run at this commit (sha) or on this branch",
        )
        sub.add_argument("--base", metavar="REF", help="take the merge base with REF (default: origin/HEAD, main)")
        sub.add_argument("--server-url", metavar="URL", help="HoneyHive API URL (default: $HH_API_URL or HoneyHive's)")
    runs.add_argument("--json", action="store_true", help="print the runs as JSON")
    runs.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default: 20)")

    validate = commands.add_parser("validate", help="check the experiment file, its dataset and its imports")
    common(validate)
    validate.add_argument("--install", metavar="ARGS", help=install_help)
    commands.add_parser("schema", help="print the experiment file's JSON Schema")
    commands.add_parser("action", help="the GitHub Action entry point (reads INPUT_* and GITHUB_* variables)")
    return parser


def _version() -> str:
    from honeyhive_experiment import __version__

    return __version__


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    try:
        if args.command == "schema":
            from honeyhive_experiment.config import config_json_schema_text

            sys.stdout.write(config_json_schema_text())
            return 0
        if args.command == "validate":
            return _validate(Path(args.working_directory), args.config, args.install)
        _load_engine(owns_process=argv is None)
        from honeyhive_experiment.errors import SettingsError

        try:
            settings, ci = _action_settings(env) if args.command == "action" else _run_settings(args, env)
        except SettingsError as exc:
            from honeyhive_experiment.gha import annotation

            if args.command == "action":
                print(annotation("error", str(exc), title="honeyhive-experiment input"), flush=True)
            else:
                print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if args.command == "runs":
            return _runs(settings, ci, as_json=args.json, limit=args.limit)
        return execute(settings, ci, interactive=sys.stderr.isatty())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _load_engine(*, owns_process: bool) -> None:
    """Import what running an experiment needs (config, HTTP client, models, OpenTelemetry, the flow).

    When ``main`` runs as the program (no ``argv`` passed in) the process is ours, and the imports are done
    the way CPython's ``gc.freeze`` documentation tells pre-forking servers to treat start-up state: the cyclic
    garbage collector is off while they run, and what they created is frozen afterwards. They leave some 90,000
    tracked objects (modules, classes, functions, validators) that live until the process exits. With the
    collector on, it runs about 130 times during the imports and frees next to nothing (~40 ms of CPU);
    every later full collection rescans them, and the interpreter's last collections at exit take ~80 ms
    more: costs that every job of a sharded run pays again. Objects created after start-up, the run's own,
    are collected as usual; the imports' own few hundred kB of garbage stays. A caller that passes ``argv``
    (tests, embedding code) keeps its collector as it was.
    """
    import gc

    if not owns_process:
        return  # the commands import what they need as they go
    enabled = gc.isenabled()
    gc.disable()
    try:
        import honeyhive_experiment.delivery
        import honeyhive_experiment.flow  # noqa: F401 - pulls in every module of the flow
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


# ----------------------------------------------------------------------------- validate


def _validate(root: Path, config_path: str, install: str | None = None) -> int:
    from honeyhive_experiment.config import load_config
    from honeyhive_experiment.datasets import DatasetFile, load_dataset_file
    from honeyhive_experiment.errors import ConfigError, ExperimentError
    from honeyhive_experiment.flow import check_paths
    from honeyhive_experiment.user_code import load_user_code

    try:
        config = load_config(root / config_path)
        check_paths(config, str(root / config_path), root)
        ref = config.dataset.to_ref(root)
        count = len(load_dataset_file(ref.path)) if isinstance(ref, DatasetFile) else None
        if install:  # split as `run --install` splits it
            from honeyhive_experiment.install import install as install_into
            from honeyhive_experiment.settings import Settings

            install_into(Settings.from_args({"install": install}, {}).install, cwd=root, out=sys.stderr, grouped=False)
        code = load_user_code(config, str(root / config_path), root)
    except ExperimentError as exc:
        for issue in exc.issues if isinstance(exc, ConfigError) else (exc,):
            print(f"error: {issue}", file=sys.stderr)
        return 2
    what = f"{count} datapoints" if count is not None else "a managed dataset"
    print(f"ok: {config_path}: experiment {config.name!r}, {what}, {len(code.evaluators)} evaluator(s)")
    return 0


# ----------------------------------------------------------------------------- settings and CI context


def run_settings(
    flags: Mapping[str, Any], environ: Mapping[str, str] | None = None, *, api_key: str | None = None
) -> tuple[Settings, CiContext]:
    """The ``run`` command's settings from its flags by their dest names (``config``, ``working_directory``,
    ``dry_run``, ``baseline_run_id``, ``report``, ``server_url``) and ``environ`` (the process environment when
    ``None``), ``api_key`` standing in for ``HH_API_KEY``: what ``api.run_config`` runs with."""
    args = build_parser().parse_args(["run"])  # every flag at its default, then the caller's
    for name, value in flags.items():
        setattr(args, name, value)
    env = dict(os.environ if environ is None else environ)
    if api_key:
        env["HH_API_KEY"] = api_key
    return _run_settings(args, env)


def _run_settings(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[Settings, CiContext]:
    """``run``/``runs``: the flags, the HoneyHive variables, and the checkout from git: the baseline is the run at
    the merge base with the default branch (or ``--base``), else the previous local run on this branch."""
    from honeyhive_experiment.checkout import local_checkout
    from honeyhive_experiment.flow import CiContext
    from honeyhive_experiment.settings import Settings

    settings = Settings.from_args(vars(args), env)
    own = (settings.report_file,) if settings.report_file is not None else ()
    local = local_checkout(settings.root, getattr(args, "base", None), own_files=own)
    return settings, CiContext(
        branch=local.branch,
        base_ref=local.branch,
        sha=local.sha,
        event="local",
        merge_base_sha=local.merge_base_sha,
        merge_base_ref=local.base,
        dirty=local.dirty if local.sha else None,
        diff_sha256=local.diff_sha256,
    )


def _action_settings(env: Mapping[str, str]) -> tuple[Settings, CiContext]:
    """``action``: the inputs and ``GITHUB_*`` context, the event payload, and the merge base of a PR."""
    from honeyhive_experiment.checkout import git
    from honeyhive_experiment.flow import CiContext
    from honeyhive_experiment.settings import Settings, load_event_payload

    payload = load_event_payload(env["GITHUB_EVENT_PATH"]) if env.get("GITHUB_EVENT_PATH") else {}
    settings = Settings.from_mapping(env, event_payload=payload)
    merge_base = None
    if settings.base_sha and settings.head_sha:
        merge_base = git(settings.root, "merge-base", settings.base_sha, settings.head_sha)
        if merge_base is None and settings.github_token and settings.repository:
            merge_base = _merge_base_from_github(settings)
    ci = CiContext(
        repository=settings.repository,
        branch=settings.branch,
        sha=settings.head_sha,
        base_sha=settings.base_sha,
        base_ref=settings.base_ref or settings.default_branch,
        merge_base_sha=merge_base,
        pr_number=settings.pr_number,
        event=settings.event_name,
        workflow_run_url=settings.run_url,
    )
    return settings, ci


def _merge_base_from_github(settings: Settings) -> str | None:
    """The merge base from GitHub's compare API, for shallow checkouts where git cannot tell."""
    from honeyhive_experiment.github import CommentPublisher

    token, repository = settings.github_token, settings.repository
    if token is None or repository is None or settings.base_sha is None or settings.head_sha is None:
        return None
    with CommentPublisher(token.get_secret_value(), repository, api_url=settings.github_api_url) as github:
        merge_base: str | None = github.merge_base(settings.base_sha, settings.head_sha)
        return merge_base


# ----------------------------------------------------------------------------- execute


def execute(settings: Settings, ci: CiContext, *, interactive: bool = False) -> int:
    """Run, judge, report and publish one experiment; the exit code follows the verdict."""
    import dataclasses
    import logging
    from datetime import UTC, datetime

    from honeyhive_experiment import cancellation
    from honeyhive_experiment.config import load_config
    from honeyhive_experiment.delivery import Judged, announce, announce_running, deliver, deliver_shard
    from honeyhive_experiment.errors import ConfigError, ExperimentError, NotWritable, ReportError, SettingsError
    from honeyhive_experiment.flow import FORK_WITHOUT_SECRETS, published_run, record_shard
    from honeyhive_experiment.progress import ProgressPrinter
    from honeyhive_experiment.report import RedactingFilter, Redactor
    from honeyhive_experiment.settings import Mode
    from honeyhive_experiment.verdict import Verdict, exit_code

    redactor = Redactor(settings.secrets())
    _configure_logging(settings, RedactingFilter(redactor))
    log = logging.getLogger("honeyhive_experiment")
    now = datetime.now(UTC)
    cancel = cancellation.Cancellation()  # the cancel event, plus the phase a signal arrives in
    previous = cancellation.install_signal_handlers(cancel)
    experiment, config = str(settings.config), None
    report_file, post = settings.report_file, _poster(settings, log)

    def finish(judged: Judged) -> int:
        cancellation.hold_signals()  # the report is written whatever comes now: a signal from here on only says so
        posting = cancellation.interruptible(post, log) if post is not None else None
        code = deliver(
            judged, settings=settings, ci=ci, redactor=redactor, now=now, report_file=report_file, post=posting
        )
        return EXIT_INTERRUPTED if cancel.signals > 1 else code

    try:
        _check_writable(settings, report_file)
        config = load_config(settings.config_path)
        experiment = config.name
        if not settings.api_key and not settings.dry_run:
            if settings.is_fork:
                post = None  # nothing to post with, and nothing was run
                return finish(Judged(experiment=experiment, decision=FORK_WITHOUT_SECRETS, config=config))
            raise SettingsError("api-key", "the HoneyHive API key is not set: pass it from a secret")
        if settings.mode in (Mode.ALL, Mode.RUN) and settings.install:  # before the user's code is imported
            _install(settings, redactor)
        published: PublishedRun | None = None
        if settings.mode is Mode.PUBLISH:
            assert report_file is not None, "the action always has a report file"
            triggering = settings.triggering_run
            published = published_run(
                report_file,
                pr_numbers=triggering.pr_numbers if triggering else (),
                head_sha=triggering.head_sha if triggering else None,
            )
            ci = dataclasses.replace(ci, pr_number=published.pr_number, sha=published.head_sha)
            report_file = report_file.with_name("report.published.json")  # the downloaded report stays as it came
        progress = ProgressPrinter(sys.stderr, interactive)
        announce_running(experiment, title=config.comment.title, settings=settings, ci=ci, post=post)
        if settings.mode is Mode.RUN:
            with _honeyhive(settings, log) as (client, _run_url):
                shard = record_shard(settings, config, client=client, ci=ci, cancel=cancel, progress=progress)
                return deliver_shard(settings, redactor, shard, cancelled=cancel.signals > 0)
        return finish(
            judge_config(settings, config, ci, now=now, cancel=cancel, progress=progress, published=published, log=log)
        )
    except NotWritable as exc:  # nothing can be reported where it cannot be written: one line, and stop
        announce(settings, redactor, "error", exc)
        return EXIT_USAGE
    except ExperimentError as exc:
        for problem in exc.issues if isinstance(exc, ConfigError) else (exc,):
            announce(settings, redactor, "error", problem)
        if settings.mode is Mode.RUN:  # a shard job reports nothing: the report job judges the run
            return exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)
        if isinstance(exc, ReportError):  # a refused report.json is neither overwritten nor posted
            report_file, post = None, None
        return finish(error_judged(exc, experiment=experiment, config=config, cancelled=cancel.signals > 0))
    except Exception as exc:  # the CLI boundary: an unexpected error is an error verdict, never a traceback
        log.debug("unexpected error", exc_info=True)
        judged = error_judged(exc, experiment=experiment, config=config, cancelled=False)
        announce(settings, redactor, "error", ExperimentError(judged.error or ""))
        return finish(judged)
    except KeyboardInterrupt as interrupt:  # a signal where the flow could not say more (or Ctrl-C): say so first
        cancellation.restore_signal_handlers(previous)  # another one ends the process at once
        previous = {}
        second = not isinstance(interrupt, cancellation.Interrupted) or interrupt.second
        which = "a second signal" if second else "a signal"
        stopped = ExperimentError(
            f"interrupted by {which} while {cancel.phase}: a run already created is marked cancelled in HoneyHive"
            " if the backend accepted it (the log says when it did not), and what was recorded is kept"
        )
        announce(settings, redactor, "error", stopped)
        if settings.mode is not Mode.RUN:
            finish(error_judged(stopped, experiment=experiment, config=config, cancelled=True))
        return EXIT_INTERRUPTED if second else exit_code(Verdict.ERROR, fail_on_error=settings.fail_on_error)
    finally:
        cancellation.restore_signal_handlers(previous)


def _check_writable(settings: Settings, report_file: Path | None) -> None:
    """Before any work: every file this invocation will write at its end can be written (see
    :func:`~honeyhive_experiment.gha.unwritable`); raises NotWritable naming the first that cannot."""
    from honeyhive_experiment.errors import NotWritable
    from honeyhive_experiment.gha import unwritable
    from honeyhive_experiment.settings import Mode

    checks = [
        ("GITHUB_OUTPUT", settings.output_path, False),
        ("GITHUB_STEP_SUMMARY", settings.step_summary_path, False),
    ]
    if settings.mode is not Mode.RUN:  # a shard job writes no report
        checks.append(("report.json's folder", report_file.parent if report_file else None, True))
    for what, path, folder in checks:
        if path is not None and (problem := unwritable(what, path, folder=folder)) is not None:
            raise NotWritable(problem)


def _install(settings: Settings, redactor: Redactor) -> None:
    """The ``install`` input: the user's dependencies into this interpreter, output grouped in Actions."""
    from honeyhive_experiment.gha import neutralise
    from honeyhive_experiment.install import install

    def shown(line: str) -> str:  # a build's output is the user's: inside Actions it may issue no command
        return neutralise(redactor.redact(line)) if settings.in_github_actions else redactor.redact(line)

    install(
        settings.install,
        cwd=settings.root,
        out=sys.stdout if settings.in_actions else sys.stderr,
        grouped=settings.in_actions,
        redact=shown,
    )


def judge_config(
    settings: Settings,
    config: ExperimentConfig,
    ci: CiContext,
    *,
    now: datetime,
    cancel: threading.Event | None = None,
    progress: Callable[[Progress], None] | None = None,
    published: PublishedRun | None = None,
    log: logging.Logger,
) -> Judged:
    """Run and judge the experiment of ``settings.mode`` (``all``, ``report``, ``publish``) against the backend the
    settings name (the embedded one for a dry run without a key): what :func:`execute` delivers, and what
    :func:`honeyhive_experiment.api.run_config` returns. Raises what the flow raises."""
    from honeyhive_experiment.delivery import Judged
    from honeyhive_experiment.flow import judge_mode

    with _honeyhive(settings, log) as (client, run_url):
        flow = judge_mode(
            settings, config, client=client, ci=ci, now=now, cancel=cancel, progress=progress, published=published
        )
    return Judged(
        experiment=config.name, decision=flow.decision, flow=flow, config=config, run_url=run_url(flow.result.run_id)
    )


def error_judged(exc: Exception, *, experiment: str, config: ExperimentConfig | None, cancelled: bool) -> Judged:
    """What an invocation that failed reports: an ``error`` verdict naming each problem (a config error may have
    several); an unexpected exception (not an ExperimentError) is named by its type."""
    from honeyhive_experiment.delivery import Judged
    from honeyhive_experiment.errors import ConfigError, ExperimentError
    from honeyhive_experiment.verdict import Decision, Verdict

    if not isinstance(exc, ExperimentError):
        message = f"unexpected {type(exc).__name__}: {exc}"
        return Judged(experiment=experiment, decision=Decision(Verdict.ERROR, (message,)), config=config, error=message)
    problems = exc.issues if isinstance(exc, ConfigError) else (exc,)
    notes = ("The run was cancelled.",) if cancelled else ()
    decision = Decision(Verdict.ERROR, tuple(_describe(p) for p in problems))
    return Judged(experiment=experiment, decision=decision, config=config, error=_describe(exc), notes=notes)


def _describe(exc: ExperimentError) -> str:
    """What the report says went wrong."""
    from honeyhive_experiment.errors import ExperimentCancelled, HoneyHiveError

    if isinstance(exc, ExperimentCancelled):
        return exc.describe()
    if isinstance(exc, HoneyHiveError):
        return f"HoneyHive: {exc}"
    return str(exc)


def _runs(settings: Settings, ci: CiContext, *, as_json: bool, limit: int) -> int:
    """``runs``: the experiment's recent runs from the backend, the one a local run would compare with marked."""
    import logging
    from datetime import UTC, datetime

    from honeyhive_experiment.config import load_config
    from honeyhive_experiment.errors import ExperimentError
    from honeyhive_experiment.flow import find_baseline, prepare_dataset
    from honeyhive_experiment.history import recent_run_rows, runs_json, runs_table

    now, log = datetime.now(UTC), logging.getLogger("honeyhive_experiment")
    try:
        config = load_config(settings.config_path)
        with _honeyhive(settings, log) as (client, _):
            dataset = prepare_dataset(config, str(settings.config_path), settings.root, client, ci.repository)
            explicit = settings.baseline_run_id
            identity = dataset.identity or dataset.dataset_id
            baseline = find_baseline(client, config, identity, ci, now=now, explicit=explicit, require_passing=False)
            rows = recent_run_rows(client, config.name, limit=limit, baseline=baseline)
    except ExperimentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(runs_json(rows) if as_json else runs_table(rows, now=now))
    if not as_json:
        print(f"* baseline: {baseline.why} ({baseline.run.run_id})" if baseline else "no baseline", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- the real parts


@contextmanager
def _honeyhive(
    settings: Settings, log: logging.Logger
) -> Iterator[tuple[HoneyHiveClient, Callable[[str], str | None]]]:
    """The HoneyHive client and how to link to a run: the real service with a key, else (dry run) the embedded
    local backend, stopped when the block ends."""
    from honeyhive_experiment.client import HoneyHiveClient

    if settings.api_key:
        with HoneyHiveClient(settings.server_url, settings.api_key.get_secret_value()) as client:
            yield client, settings.run_link
        return
    from honeyhive_local import LocalBackend

    db = settings.root / LOCAL_DB_PATH
    db.parent.mkdir(parents=True, exist_ok=True)
    with LocalBackend(str(db)) as backend:
        log.warning(
            "HH_API_KEY is not set: using the embedded local backend (data in %s; add it to .gitignore)",
            db,
        )
        with HoneyHiveClient(backend.url, backend.api_key) as client:
            yield client, lambda run_id: None  # the embedded backend is gone when the command ends


def _poster(settings: Settings, log: logging.Logger) -> Poster | None:
    """How the comment is posted: the sticky-comment publisher, when the action has a token and a repository."""
    if not settings.in_actions or settings.github_token is None or settings.repository is None:
        return None
    from honeyhive_experiment.settings import CommentMode

    token, repository = settings.github_token.get_secret_value(), settings.repository
    posted: list[str] = []  # a comment this invocation posted ("running"): the result then edits it

    def post(pr_number: int, body: str, marker: str) -> str | None:
        from honeyhive_experiment.github import CommentPublisher

        mode = CommentMode.UPDATE if posted else settings.comment_mode  # comment-mode new: one comment per run
        with CommentPublisher(token, repository, api_url=settings.github_api_url) as publisher:
            result = publisher.publish(pr_number, body, marker=marker, head_sha=settings.head_sha, mode=mode)
        if result.warning:
            log.warning("%s", result.warning)
        if result.posted and result.url:
            posted.append(result.url)
        return result.url

    return post


def _log_formatter(fmt: str, *, in_actions: bool) -> logging.Formatter:
    """The terminal's log format; inside GitHub Actions (a dry run there) no line can issue a workflow command."""
    import logging

    from honeyhive_experiment.gha import neutralise

    class Formatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            text = super().format(record)
            return neutralise(text) if in_actions else text

    return Formatter(fmt)


def _configure_logging(settings: Settings, redacting: logging.Filter) -> None:
    import logging

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_honeyhive_experiment", False):
            root.removeHandler(handler)
    ours: logging.Handler
    if settings.in_actions:
        from honeyhive_experiment.gha import WorkflowCommandHandler

        ours = WorkflowCommandHandler(debug=settings.debug)
    else:
        ours = logging.StreamHandler(sys.stderr)
        ours.setFormatter(_log_formatter("%(levelname)s: %(message)s", in_actions=settings.in_github_actions))
    ours.addFilter(redacting)
    setattr(ours, "_honeyhive_experiment", True)  # noqa: B010 - marks the handler this CLI installed
    root.addHandler(ours)
    root.setLevel(logging.DEBUG if settings.debug else logging.INFO)
    for noisy in ("httpx", "httpcore", "urllib3", "github", "opentelemetry", "uvicorn"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

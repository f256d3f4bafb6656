"""The command line and the action entry point: the composition root.

This is the only module that reads ``os.environ`` and ``sys.argv``, starts the embedded backend, and
builds the real HoneyHive client and GitHub publisher; everything else receives them. Errors become
exit codes here (the second of the two ``except Exception`` boundaries; the other is per datapoint).

    python -m honeyhive_experiment run [--config PATH] [--working-directory DIR] [--dry-run]
                                       [--baseline-run-id ID] [--report PATH]
    python -m honeyhive_experiment validate [--config PATH] [--working-directory DIR]
    python -m honeyhive_experiment schema
    python -m honeyhive_experiment action            # inside GitHub Actions (action.yml)

Exit codes: 0 pass or neutral, 1 fail, 2 error (0 with ``fail-on-error: false``), 2 on bad usage.
Heavy modules are imported inside the commands, so ``--help`` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    import threading

    from honeyhive_experiment.action import CiContext, FlowResult
    from honeyhive_experiment.runner import Progress
    from honeyhive_experiment.verdict import Decision

DEFAULT_CONFIG = ".honeyhive/experiment.yml"
LOCAL_DB = ".honeyhive/local.db"
DEFAULT_RUN_URL_TEMPLATE = "https://app.honeyhive.ai/evaluate/{run_id}"
EXIT_USAGE = 2


# ----------------------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m honeyhive_experiment",
        description="Run a HoneyHive experiment from your repository's config, compare it with a baseline run, "
        "and report the metric deltas (as a PR comment in GitHub Actions).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--config", default=DEFAULT_CONFIG, help=f"experiment file (default: {DEFAULT_CONFIG})")
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
    run.add_argument("--baseline-run-id", metavar="ID", help="compare with this run instead of choosing one")
    run.add_argument("--report", metavar="PATH", help="also write the machine-readable report.json here")
    run.add_argument("--server-url", metavar="URL", help="HoneyHive API URL (default: $HH_API_URL or HoneyHive's)")

    validate = commands.add_parser("validate", help="check the experiment file, its dataset and its imports")
    common(validate)
    commands.add_parser("schema", help="print the experiment file's JSON Schema")
    commands.add_parser("action", help="the GitHub Action entry point (reads INPUT_* and GITHUB_* variables)")
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    try:
        if args.command == "schema":
            from honeyhive_experiment.config import config_json_schema_text

            sys.stdout.write(config_json_schema_text())
            return 0
        if args.command == "validate":
            return _validate(Path(args.working_directory), args.config)
        _load_engine(owns_process=argv is None)
        if args.command == "run":
            return execute(_invocation_from_args(args, env))
        return _action(env)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


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
        import honeyhive_experiment.action  # noqa: F401 - pulls in every module of the flow
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


# ----------------------------------------------------------------------------- validate


def _validate(root: Path, config_path: str) -> int:
    from honeyhive_experiment.config import ConfigError, load_config
    from honeyhive_experiment.datasets import DatasetError, DatasetFile, load_dataset_file
    from honeyhive_experiment.user_code import load_user_code

    try:
        config = load_config(root / config_path)
        ref = config.dataset.to_ref(root)
        count = len(load_dataset_file(ref.path)) if isinstance(ref, DatasetFile) else None
        code = load_user_code(config, str(root / config_path), root)
    except ConfigError as exc:
        for issue in exc.issues or (exc,):
            print(f"error: {issue}", file=sys.stderr)
        return 2
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    what = f"{count} datapoints" if count is not None else "a managed dataset"
    print(f"ok: {config_path}: experiment {config.name!r}, {what}, {len(code.evaluators)} evaluator(s)")
    return 0


# ----------------------------------------------------------------------------- run / action


@dataclass
class Invocation:
    """Everything one run needs, gathered from argv (``run``) or the action's environment (``action``)."""

    root: Path
    config_path: str
    dry_run: bool
    ci: CiContext
    api_key: str | None = field(default=None, repr=False)
    server_url: str | None = None
    baseline_run_id: str | None = None
    report_path: Path | None = None
    head_sha: str | None = None
    github_token: str | None = field(default=None, repr=False)
    repository: str | None = None
    github_api_url: str = "https://api.github.com"
    comment_mode: Literal["update", "new", "off"] = "update"
    outputs_path: Path | None = None
    summary_path: Path | None = None
    fail_on_error: bool = True
    is_fork: bool = False
    in_actions: bool = False
    debug: bool = False
    run_url_template: str = DEFAULT_RUN_URL_TEMPLATE
    interactive: bool = False
    extra_secrets: tuple[str, ...] = field(default=(), repr=False)
    mode: str = "all"  # all | run | report | publish
    shard_index: int | None = None
    shard_total: int | None = None
    workflow_run_id: str | None = None  # shares one run between the jobs of a workflow run
    triggering_pr_numbers: tuple[int, ...] = ()  # publish: the workflow run that made report.json
    triggering_head_sha: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, self.github_token, *self.extra_secrets) if s)


def _git(root: Path, *args: str) -> str | None:
    import subprocess

    try:
        done = subprocess.run(  # noqa: S603 - fixed git arguments
            ["git", *args],  # noqa: S607
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def _invocation_from_args(args: argparse.Namespace, env: Mapping[str, str]) -> Invocation:
    from honeyhive_experiment.action import CiContext

    root = Path(args.working_directory)
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    sha = _git(root, "rev-parse", "HEAD")
    local_branch = branch if branch and branch != "HEAD" else "local"
    api_key = env.get("HH_API_KEY") or env.get("HONEYHIVE_API_KEY") or None
    return Invocation(
        root=root,
        config_path=args.config,
        dry_run=args.dry_run,
        ci=CiContext(branch=local_branch, base_ref=local_branch, sha=sha, event="local"),
        api_key=api_key,
        server_url=args.server_url or env.get("HH_API_URL") or env.get("HONEYHIVE_SERVER_URL") or None,
        baseline_run_id=args.baseline_run_id,
        report_path=Path(args.report) if args.report else None,
        head_sha=sha,
        run_url_template=env.get("HONEYHIVE_RUN_URL_TEMPLATE") or DEFAULT_RUN_URL_TEMPLATE,
        interactive=sys.stderr.isatty(),
    )


def _action(env: Mapping[str, str]) -> int:
    """The action entry point: settings from ``INPUT_*``/``GITHUB_*`` and the event payload."""
    from honeyhive_experiment.action import CiContext
    from honeyhive_experiment.gha import annotation
    from honeyhive_experiment.settings import Settings, SettingsError, load_event_payload

    try:
        payload = load_event_payload(env["GITHUB_EVENT_PATH"]) if env.get("GITHUB_EVENT_PATH") else {}
        settings = Settings.from_mapping(env, event_payload=payload)
    except SettingsError as exc:
        print(annotation("error", str(exc), title="honeyhive-experiment input"))
        return 2
    root = Path(settings.workspace or ".") / (settings.working_directory or ".")
    merge_base = None
    if settings.base_sha and settings.head_sha:
        merge_base = _git(root, "merge-base", settings.base_sha, settings.head_sha)
        if merge_base is None and settings.github_token and settings.repository:
            merge_base = _merge_base_from_github(settings)
    invocation = Invocation(
        root=root,
        config_path=str(settings.config),
        dry_run=settings.dry_run,
        ci=CiContext(
            repository=settings.repository,
            branch=settings.branch,
            sha=settings.head_sha or settings.sha,
            base_sha=settings.base_sha,
            base_ref=settings.base_ref or settings.default_branch,
            merge_base_sha=merge_base,
            pr_number=settings.pr_number,
            event=settings.event_name,
            workflow_run_url=settings.run_url,
        ),
        api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        server_url=settings.server_url,
        baseline_run_id=settings.baseline_run_id,
        report_path=root / ".honeyhive" / "report.json",
        head_sha=settings.head_sha or settings.sha,
        github_token=settings.github_token.get_secret_value() if settings.github_token else None,
        repository=settings.repository,
        github_api_url=settings.github_api_url,
        comment_mode=settings.comment_mode.value,
        outputs_path=Path(settings.output_path) if settings.output_path else None,
        summary_path=Path(settings.step_summary_path) if settings.step_summary_path else None,
        fail_on_error=settings.fail_on_error,
        is_fork=settings.is_fork,
        in_actions=True,
        debug=settings.debug,
        run_url_template=env.get("HONEYHIVE_RUN_URL_TEMPLATE") or DEFAULT_RUN_URL_TEMPLATE,
        mode=settings.mode.value,
        shard_index=settings.shard.index if settings.shard else None,
        shard_total=settings.shard.total if settings.shard else None,
        workflow_run_id=str(settings.run_id) if settings.run_id is not None else None,
        triggering_pr_numbers=settings.triggering_run.pr_numbers if settings.triggering_run else (),
        triggering_head_sha=settings.triggering_run.head_sha if settings.triggering_run else None,
    )
    return execute(invocation)


def _merge_base_from_github(settings: Any) -> str | None:
    """The merge base from GitHub's compare API, for shallow checkouts where git cannot tell."""
    from honeyhive_experiment.github import CommentPublisher

    with CommentPublisher(
        settings.github_token.get_secret_value(), settings.repository, api_url=settings.github_api_url
    ) as github:
        merge_base: str | None = github.merge_base(settings.base_sha, settings.head_sha)
        return merge_base


# ----------------------------------------------------------------------------- progress


class ProgressPrinter:
    """A bar on a terminal; a line every 10% (or 15 s) in CI logs."""

    def __init__(self, stream: TextIO, interactive: bool) -> None:
        import time

        self._stream = stream
        self._interactive = interactive
        self._last_line = time.monotonic()
        self._last_decile = -1
        self._clock = time.monotonic

    def __call__(self, p: Progress) -> None:
        eta = f", eta {p.eta:.0f} s" if p.eta is not None and p.done < p.total else ""
        text = f"{p.done}/{p.total} datapoints ({p.failed} failed), {p.rate:.1f}/s{eta}"
        if self._interactive:
            width = 30
            filled = int(width * p.done / max(p.total, 1))
            self._stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}   ")
            if p.done == p.total:
                self._stream.write("\n")
            self._stream.flush()
            return
        decile = int(10 * p.done / max(p.total, 1))
        now = self._clock()
        if decile != self._last_decile or now - self._last_line > 15 or p.done == p.total:
            self._last_decile, self._last_line = decile, now
            print(text, file=self._stream, flush=True)


# ----------------------------------------------------------------------------- execute


def execute(inv: Invocation) -> int:
    """Run, judge, report and publish one experiment; the exit code follows the verdict."""
    import dataclasses
    import logging
    import signal
    import threading
    from datetime import UTC, datetime

    from honeyhive_experiment.config import ConfigError, load_config
    from honeyhive_experiment.report import RedactingFilter, Redactor
    from honeyhive_experiment.verdict import Decision, Verdict

    redactor = Redactor(inv.secrets)
    _configure_logging(inv, RedactingFilter(redactor))
    log = logging.getLogger("honeyhive_experiment")
    now = datetime.now(UTC)
    config_file = str(inv.root / inv.config_path)

    try:
        config = load_config(config_file)
    except ConfigError as exc:
        issues = exc.issues or (exc,)
        for issue in issues:
            _annotate(inv, "error", issue.message, file=inv.config_path, line=issue.line, key=issue.key)
        decision = Decision(Verdict.ERROR, tuple(str(i) for i in issues))
        return _finish(inv, redactor, decision, experiment=inv.config_path, error=str(exc), now=now)

    if not inv.api_key and not inv.dry_run:
        if inv.is_fork:
            decision = Decision(
                Verdict.NEUTRAL,
                (
                    "This pull request comes from a fork, and GitHub does not give workflows triggered by forks"
                    " access to secrets, so the HoneyHive API key is not available. No experiment was run."
                    " A maintainer can run it by pushing the changes to a branch of this repository.",
                ),
            )
            return _finish(inv, redactor, decision, experiment=config.name, now=now, publish=False)
        decision = Decision(
            Verdict.ERROR, ("The HoneyHive API key is not set: pass the api-key input (from a secret).",)
        )
        return _finish(inv, redactor, decision, experiment=config.name, error=decision.reasons[0], now=now)

    cancel = threading.Event()
    previous = _install_signal_handlers(cancel, signal)
    backend = None
    try:
        client, backend, run_url = _backend(inv, log)
        if inv.mode == "run":
            with client:
                return _run_mode(inv, config, config_file, client, cancel, redactor)
        published: tuple[str, str | None, int, str] | None = None
        if inv.mode == "publish":
            publish_from = _published_report(inv)
            if isinstance(publish_from, str):
                inv.report_path = None  # never overwrite the report that was refused
                decision = Decision(Verdict.ERROR, (publish_from,))
                return _finish(
                    inv, redactor, decision, experiment=config.name, error=publish_from, now=now, publish=False
                )
            published = publish_from
            inv.ci = dataclasses.replace(inv.ci, pr_number=published[2])
            inv.head_sha = published[3]
            if inv.report_path is not None:  # keep the downloaded report as it came
                inv.report_path = inv.report_path.with_name("report.published.json")
        with client:
            flow_or_error = _run_flow(inv, config, config_file, client, cancel, now, log, published=published)
        if isinstance(flow_or_error, str):
            cancelled = cancel.is_set()
            decision = Decision(Verdict.ERROR, (flow_or_error,))
            return _finish(
                inv,
                redactor,
                decision,
                experiment=config.name,
                error=flow_or_error,
                now=now,
                notes=("The run was cancelled.",) if cancelled else (),
                config=config,
            )
        flow = flow_or_error
        return _finish(
            inv,
            redactor,
            flow.decision,
            experiment=config.name,
            now=now,
            flow=flow,
            run_url=run_url(flow.result.run_id),
            config=config,
        )
    finally:
        if backend is not None:
            backend.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _backend(inv: Invocation, log: Any) -> tuple[Any, Any, Any]:
    """The HoneyHive client: the real service with a key, else (dry run) the embedded local backend."""
    from honeyhive_experiment.client import DEFAULT_SERVER_URL, HoneyHiveClient

    if inv.api_key:
        url = inv.server_url or DEFAULT_SERVER_URL
        client = HoneyHiveClient(url, inv.api_key)
        return client, None, lambda run_id: inv.run_url_template.format(run_id=run_id)
    from honeyhive_local import LocalBackend

    db = inv.root / LOCAL_DB
    db.parent.mkdir(parents=True, exist_ok=True)
    backend = LocalBackend(str(db)).start()
    log.warning(
        "HH_API_KEY is not set: using the embedded local backend (data in %s), so successive dry runs compare"
        " with each other",
        db,
    )
    client = HoneyHiveClient(backend.url, backend.api_key)
    return client, backend, lambda run_id: None  # the embedded backend is gone when the command ends


def _run_flow(
    inv: Invocation,
    config: Any,
    config_file: str,
    client: Any,
    cancel: threading.Event,
    now: Any,
    log: Any,
    published: tuple[str, str | None, int, str] | None = None,
) -> FlowResult | str:
    """The flow, or the message of why it could not be evaluated."""
    from honeyhive_experiment.action import ShardsMissing, report_shared_run, republish, run_experiment
    from honeyhive_experiment.baseline import BaselineError
    from honeyhive_experiment.client import HoneyHiveError
    from honeyhive_experiment.config import ConfigError
    from honeyhive_experiment.datasets import DatasetError
    from honeyhive_experiment.evaluators import EvaluatorSignatureError
    from honeyhive_experiment.experiment import ExperimentCancelled

    try:
        if inv.mode == "report":
            return report_shared_run(
                config,
                config_path=config_file,
                root=inv.root,
                client=client,
                run_id=_shared_run_id(inv, config.name),
                ci=inv.ci,
                now=now,
                shard_count=inv.shard_total,
                baseline_run_id=inv.baseline_run_id,
            )
        if published is not None:
            return republish(
                config,
                client=client,
                run_id=published[0],
                ci=inv.ci,
                now=now,
                baseline_run_id=published[1],
            )
        return run_experiment(
            config,
            config_path=config_file,
            root=inv.root,
            client=client,
            ci=inv.ci,
            now=now,
            baseline_run_id=inv.baseline_run_id,
            progress=ProgressPrinter(sys.stderr, inv.interactive),
            cancel=cancel,
            require_passing_baseline=inv.in_actions,
        )
    except ShardsMissing as exc:
        _annotate(inv, "error", str(exc), file=None, line=None)
        return str(exc)
    except ConfigError as exc:
        _annotate(inv, "error", exc.message, file=inv.config_path, line=exc.line, key=exc.key)
        return str(exc)
    except DatasetError as exc:
        _annotate(inv, "error", exc.message, file=str(exc.path), line=_line_of(exc.location))
        return str(exc)
    except (EvaluatorSignatureError, BaselineError) as exc:
        return str(exc)
    except ExperimentCancelled as exc:
        return f"The run was cancelled ({exc.run_id}); it is marked cancelled in HoneyHive."
    except HoneyHiveError as exc:
        return f"HoneyHive: {exc}"
    except Exception as exc:  # the CLI boundary: an unexpected error is an error verdict, never a traceback
        log.debug("unexpected error", exc_info=True)
        return f"unexpected {type(exc).__name__}: {exc}"


def _shared_run_id(inv: Invocation, experiment: str) -> str:
    from honeyhive_experiment.sharding import shared_run_id

    return shared_run_id(inv.repository or inv.ci.repository or "local", inv.workflow_run_id or "local", experiment)


def _run_mode(inv: Invocation, config: Any, config_file: str, client: Any, cancel: Any, redactor: Any) -> int:
    """``mode: run``: record this shard (or the whole dataset) into the shared run; the report job judges it."""
    from honeyhive_experiment.action import run_shard
    from honeyhive_experiment.client import HoneyHiveError
    from honeyhive_experiment.config import ConfigError
    from honeyhive_experiment.datasets import DatasetError
    from honeyhive_experiment.sharding import ShardSpec

    shard = ShardSpec(inv.shard_index, inv.shard_total) if inv.shard_index and inv.shard_total else None
    run_id = _shared_run_id(inv, config.name)
    try:
        done = run_shard(
            config,
            config_path=config_file,
            root=inv.root,
            client=client,
            run_id=run_id,
            shard=shard,
            ci=inv.ci,
            progress=ProgressPrinter(sys.stderr, inv.interactive),
            cancel=cancel,
        )
    except ConfigError as exc:
        _annotate(inv, "error", exc.message, file=inv.config_path, line=exc.line, key=exc.key)
        return 2
    except (DatasetError, HoneyHiveError) as exc:
        _annotate(inv, "error", redactor.redact(str(exc)), file=None, line=None)
        return 2
    which = f"shard {shard}" if shard else "the whole dataset"
    failed = sum(1 for o in done.outcomes if o.failed)
    unfinished = sum(1 for o in done.outcomes if not o.recorded or o.status.value == "cancelled")
    if cancel.is_set() or unfinished:
        _annotate(
            inv,
            "error",
            f"{which}: {unfinished} datapoint(s) of run {run_id} were not recorded (cancelled, or the backend"
            " failed); re-run the job to record them (what is recorded is kept)",
            file=None,
            line=None,
        )
        return 2
    print(
        f"recorded {len(done.outcomes)} datapoint(s) of {which} into run {run_id}"
        f" ({done.already_recorded} already there from an earlier attempt, {failed} failed)"
    )
    if inv.outputs_path is not None:
        from honeyhive_experiment.gha import write_outputs

        write_outputs(inv.outputs_path, {"run-id": run_id})
    return 0


def _published_report(inv: Invocation) -> tuple[str, str | None, int, str] | str:
    """``mode: publish``: the run, baseline, PR and head sha of an earlier job's report.json, after checking
    it against its schema and against the workflow run that triggered this one; else why not."""
    import json

    import jsonschema  # type: ignore[import-untyped]

    from honeyhive_experiment.report import report_json_schema

    path = inv.report_path or inv.root / ".honeyhive" / "report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validate(report, report_json_schema())
    except FileNotFoundError:
        return f"no report to publish: {path} does not exist (download the run job's artifact first)"
    except (ValueError, jsonschema.ValidationError) as exc:
        return f"refusing to publish {path}: it is not a valid report ({str(exc).splitlines()[0]})"
    run = report["run"]
    pr_number, head_sha = run.get("pr_number"), run.get("head_sha")
    if not run.get("id") or pr_number is None or not head_sha:
        return f"refusing to publish {path}: it names no run, pull request or head commit"
    if pr_number not in inv.triggering_pr_numbers:
        return (
            f"refusing to publish: report.json is for pull request #{pr_number}, but the triggering workflow run"
            f" belongs to {sorted(inv.triggering_pr_numbers) or 'no pull request'}"
        )
    if head_sha != inv.triggering_head_sha:
        return (
            f"refusing to publish: report.json is for commit {head_sha[:12]}, but the triggering workflow run"
            f" ran {str(inv.triggering_head_sha)[:12]}"
        )
    baseline = report.get("baseline") or {}
    return str(run["id"]), baseline.get("run_id"), int(pr_number), str(head_sha)


def _line_of(location: str | None) -> int | None:
    import re

    found = re.search(r"line (\d+)", location or "")
    return int(found.group(1)) if found else None


def _install_signal_handlers(cancel: threading.Event, signal: Any) -> dict[int, Any]:
    """SIGTERM/SIGINT → cancel the run (it is marked cancelled and the comment says so); a second one
    interrupts at once."""
    import threading as _threading

    previous: dict[int, Any] = {}
    if _threading.current_thread() is not _threading.main_thread():
        return previous

    def handler(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        print(f"received signal {signum}: cancelling the run", file=sys.stderr, flush=True)
        cancel.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)
    return previous


def _configure_logging(inv: Invocation, redacting: Any) -> None:
    import logging

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_honeyhive_experiment", False):
            root.removeHandler(handler)
    ours: logging.Handler
    if inv.in_actions:
        from honeyhive_experiment.gha import WorkflowCommandHandler

        ours = WorkflowCommandHandler(debug=inv.debug)
    else:
        ours = logging.StreamHandler(sys.stderr)
        ours.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    ours.addFilter(redacting)
    setattr(ours, "_honeyhive_experiment", True)  # noqa: B010 - marks the handler this CLI installed
    root.addHandler(ours)
    root.setLevel(logging.DEBUG if inv.debug else logging.INFO)
    for noisy in ("httpx", "httpcore", "urllib3", "github", "opentelemetry", "uvicorn"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _annotate(
    inv: Invocation,
    level: Literal["error", "warning", "notice"],
    message: str,
    *,
    file: str | None,
    line: int | None,
    key: str | None = None,
) -> None:
    from honeyhive_experiment.gha import annotation

    text = f"{key}: {message}" if key else message
    if inv.in_actions:
        print(annotation(level, text, file=file, line=line), flush=True)
    else:
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        print(f"{level}: {where}{text}", file=sys.stderr)


def _finish(
    inv: Invocation,
    redactor: Any,
    decision: Decision,
    *,
    experiment: str,
    now: Any,
    error: str | None = None,
    flow: FlowResult | None = None,
    run_url: str | None = None,
    notes: tuple[str, ...] = (),
    config: Any = None,
    publish: bool = True,
) -> int:
    """Render and write the report everywhere it goes, publish the comment, return the exit code."""
    import json

    from honeyhive_experiment import __version__
    from honeyhive_experiment.config import CommentConfig
    from honeyhive_experiment.report import (
        BaselineInfo,
        ReportInput,
        TemplateError,
        marker,
        render_comment,
        render_summary,
        render_terminal,
        report_json,
    )
    from honeyhive_experiment.verdict import Decision, Verdict, exit_code

    baseline_info = None
    if flow is not None and flow.baseline is not None:
        b = flow.baseline
        baseline_info = BaselineInfo(
            run_id=b.run.run_id,
            name=b.run.name,
            url=inv.run_url_template.format(run_id=b.run.run_id) if inv.api_key else None,
            commit_sha=b.commit_sha,
            branch=b.branch,
            created_at=b.created_at,
            shared_datapoints=len(flow.comparison.common_datapoints) if flow.comparison else None,
            total_datapoints=len(flow.result.summary.datapoint_ids) or len(flow.dataset.datapoints),
        )
    comment_config = config.comment if config is not None else CommentConfig()
    report_input = ReportInput(
        experiment=experiment,
        decision=decision,
        run_id=flow.result.run_id if flow else None,
        run_url=run_url,
        head_sha=inv.head_sha,
        pr_number=inv.ci.pr_number,
        summary=flow.result.summary if flow else None,
        comparison=flow.comparison if flow else None,
        baseline=baseline_info,
        outcomes=flow.result.outcomes if flow else (),
        inputs_by_datapoint=flow.inputs_by_datapoint if flow else {},
        metrics=config.metrics if config is not None else {},
        comment=comment_config,
        error=error,
        notes=(*notes, *(flow.notes if flow else ())),
        trend=flow.trend if flow else (),
        dry_run=inv.dry_run,
        generated_at=now,
        tool_version=__version__,
    )
    secrets = inv.secrets
    template = inv.root / comment_config.template if comment_config.template else None
    try:
        comment = render_comment(report_input, secrets=secrets, template_path=template).text
    except TemplateError as exc:
        report_input = _with_error(report_input, Decision(Verdict.ERROR, (str(exc),)), str(exc))
        comment = render_comment(report_input, secrets=secrets).text
    decision = report_input.decision
    summary_md = render_summary(report_input, secrets=secrets)
    report = report_json(report_input, secrets=secrets)

    if inv.report_path is not None:
        inv.report_path.parent.mkdir(parents=True, exist_ok=True)
        inv.report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    comment_url = None
    if inv.dry_run or not inv.in_actions:
        print(render_terminal(report_input, secrets=secrets))
        print("\n----- the comment that would be posted -----\n")
        print(comment)
    elif publish and inv.ci.pr_number is not None and inv.github_token and inv.repository:
        comment_url = _publish(inv, comment, marker(experiment))

    if inv.summary_path is not None:
        from honeyhive_experiment.gha import append_summary

        append_summary(inv.summary_path, summary_md)
    if inv.outputs_path is not None:
        from honeyhive_experiment.gha import write_outputs

        counts = (len(flow.result.summary.passed), len(flow.result.summary.failed)) if flow else ("", "")
        write_outputs(
            inv.outputs_path,
            {
                "run-id": flow.result.run_id if flow else "",
                "run-url": run_url or "",
                "baseline-run-id": flow.baseline.run.run_id if flow and flow.baseline else "",
                "verdict": decision.verdict.value,
                "passed": str(counts[0]),
                "failed": str(counts[1]),
                "comment-url": comment_url or "",
                "report-path": str(inv.report_path) if inv.report_path else "",
            },
        )
    code = exit_code(decision.verdict, fail_on_error=inv.fail_on_error)
    if decision.verdict is Verdict.NEUTRAL:
        _annotate(inv, "warning", f"verdict neutral: {redactor.redact(decision.reasons[0])}", file=None, line=None)
    return code


def _with_error(report_input: Any, decision: Decision, error: str) -> Any:
    import dataclasses

    return dataclasses.replace(report_input, decision=decision, error=error)


def _publish(inv: Invocation, body: str, comment_marker: str) -> str | None:
    import logging

    from honeyhive_experiment.github import CommentPublisher

    assert inv.github_token is not None
    assert inv.repository is not None
    assert inv.ci.pr_number is not None
    publisher = CommentPublisher(inv.github_token, inv.repository, api_url=inv.github_api_url)
    result = publisher.publish(
        inv.ci.pr_number, body, marker=comment_marker, head_sha=inv.head_sha, mode=inv.comment_mode
    )
    if result.warning:
        logging.getLogger("honeyhive_experiment").warning("%s", result.warning)
    return result.url

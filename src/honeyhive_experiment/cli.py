"""The command line and the action entry point: argv and the environment in, an exit code out.

This is the only module that reads ``os.environ`` and ``sys.argv`` (besides ``connection.py``, for the SDK's
``HH_API_KEY`` / ``HH_API_URL`` defaults). It parses them into one frozen
:class:`~honeyhive_experiment.settings.Settings`, sets up what belongs to the process (its standard output,
error and log: :mod:`~honeyhive_experiment.streams`; its signal handlers, and the bound on its exit:
:mod:`~honeyhive_experiment.cancellation`), calls one operation of :mod:`honeyhive_experiment.operations` and maps
what it returns or raises to an exit code.

The commands and their flags are :func:`build_parser`'s (``python -m honeyhive_experiment COMMAND --help``);
``action`` is the entry point inside GitHub Actions (action.yml).

Exit codes: 0 pass or neutral, 1 fail, 2 error (0 with ``fail-on-error: false``), 2 on bad usage or when a
file the runner reads back cannot be written (nothing is run then), 130 on a second interrupt before the report is
delivered (after it, whatever ends the process, the verdict's), 141 when what reads the output closes it (``| head``),
143 (SIGTERM's, as shells report it) when SIGTERM ends ``validate``, ``runs`` or ``view``. Heavy modules are imported
inside the commands, so ``--help`` and a usage error are fast.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from honeyhive_experiment.errors import EXIT_CLOSED_PIPE, EXIT_INTERRUPTED, EXIT_USAGE, SettingsError, as_error
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.streams import CannotWrite, ClosedPipe, Standard, discard, redacted_output
from honeyhive_experiment.version import __version__

if TYPE_CHECKING:
    from honeyhive_experiment.settings import Settings

# ----------------------------------------------------------------------------- the parser

MAX_RUNS = 1000
"""The most runs ``runs --limit`` lists: each listed run is a request for its summary."""


class _Usage(Exception):
    """A usage error argparse found, as it would print it: raised for :func:`_command` to print it redacted."""


class _Parser(argparse.ArgumentParser):  # its subcommands' parsers are of its class too
    def error(self, message: str) -> NoReturn:
        """Raises :class:`_Usage` instead of printing: argparse quotes a refused value or an unknown argument whole
        (``--limit``'s, a mistyped command), which may be a secret (a key pasted into the wrong flag)."""
        raise _Usage(f"{self.format_usage()}{self.prog}: error: {message}")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> tuple[Any, list[str]]:
        known, extras = super().parse_known_args(args, namespace)  # a mistyped flag: its command's closest, not ours
        flags = self._option_string_actions if self._subparsers is None else ()
        if close := difflib.get_close_matches((extras or [""])[0].partition("=")[0], flags, 1):
            self.error(f"unrecognized arguments: {' '.join(extras)} (did you mean {close[0]}?)")
        return known, extras


def build_parser(prog: str = "python -m honeyhive_experiment") -> argparse.ArgumentParser:
    """``prog``: the command as usage, its errors and ``--version`` name it (:func:`_prog`)."""
    parser = _Parser(
        prog=prog,
        description="Run a HoneyHive experiment from your repository's config, compare it with a baseline run, "
        "and report the metric deltas (as a PR comment in GitHub Actions).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
            help="the repository root: config, dataset, code, --report and --html paths are relative to it, and your"
            " code runs in it (default: .)",
        )

    run = commands.add_parser("run", help="run the experiment and report it (locally or in CI)")
    common(run)
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="without HH_API_KEY, run on the embedded local backend (.honeyhive/local.db) instead of refusing; with"
        " it, the run is recorded in HoneyHive as any run is (a later run may compare with it). In GitHub Actions,"
        " post no comment but print it; outside, run never posts and prints the comment with or without --dry-run",
    )
    run.add_argument("--report", metavar="PATH", help="also write the machine-readable report.json here")
    html = run.add_mutually_exclusive_group()
    html.add_argument(
        "--html",
        metavar="PATH",
        help="write the HTML report of every datapoint here (default: beside --report, else .honeyhive/report.html;"
        " another --config's is named after it: .honeyhive/report.rag.html for .honeyhive/rag.yml)",
    )
    html.add_argument("--no-html", action="store_true", help="write no HTML report")
    run.add_argument(
        "--trials", metavar="K", help="run each datapoint K times (1-100), overriding the experiment file's trials"
    )
    install_help = "install your dependencies first, e.g. --install '-r requirements.txt' (pip install arguments)"
    run.add_argument("--install", metavar="ARGS", help=install_help)
    runs = commands.add_parser("runs", help="list the experiment's recent runs and their results")
    common(runs)
    view = commands.add_parser(
        "view",
        help="build the HTML report of the latest run (or RUN_ID) from the backend and open it in the browser",
    )
    common(view)
    view.add_argument("run", nargs="?", metavar="RUN_ID", help="the run (default: the experiment's latest run)")
    view.add_argument("--html", metavar="PATH", help="write it here (default: .honeyhive/report.<run id>.html)")
    view.add_argument("--no-open", dest="open", action="store_false", help="print the file's path, open nothing")
    for sub in (run, runs, view):
        sub.add_argument(
            "--baseline",
            "--baseline-run-id",
            dest="baseline_run_id",
            metavar="REF",
            help="compare with this run id, or the latest run at this commit (sha) or on this branch (passing over"
            " one whose check errored or recorded no verdict)",
        )
        sub.add_argument(
            "--base", metavar="REF", help="take the merge base with REF (default: origin/HEAD, else main or master)"
        )
        sub.add_argument("--server-url", metavar="URL", help="HoneyHive API URL (default: $HH_API_URL or HoneyHive's)")
        sub.add_argument("--variant", metavar="NAME", help="the matrix leg (the action's variant): its own baselines")
    runs.add_argument("--json", action="store_true", help="print the runs as JSON")
    runs.add_argument(
        "--limit", type=_limit, default=20, metavar="N", help=f"how many runs, 1 to {MAX_RUNS:,} (default: 20)"
    )

    validate = commands.add_parser(
        "validate",
        help="check the experiment file, its dataset and its imports, and run the first datapoint (recording "
        "nothing) to check the metric names",
    )
    common(validate)
    validate.add_argument("--install", metavar="ARGS", help=install_help)
    validate.add_argument(
        "--no-probe",
        dest="probe",
        action="store_false",
        help="do not run the function and evaluators on the first datapoint; check metric names by the "
        "evaluators' names only",
    )
    commands.add_parser("schema", help="print the experiment file's JSON Schema")
    commands.add_parser("action", help="the GitHub Action entry point (reads INPUT_* and GITHUB_* variables)")
    return parser


def _prog() -> str:
    """The process's own command as it was run: the console script by its name (``honeyhive-experiment``), else
    ``python -m honeyhive_experiment`` (whose ``argv[0]`` is the package's ``__main__.py``)."""
    name = os.path.basename(sys.argv[0]) if sys.argv else ""
    return "python -m honeyhive_experiment" if not name or name.startswith("-") or name.endswith(".py") else name


def _limit(text: str) -> int:
    """``--limit``: a whole number from 1 to :data:`MAX_RUNS` (0 or -5 listed one run; 2**63 was a traceback)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 9 and 1 <= int(text) <= MAX_RUNS):
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_RUNS:,}, got {text!r}")
    return int(text)


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    if sys.stdout is None or sys.stderr is None:  # started with descriptor 1 or 2 closed (`>&-`)
        return _closed()
    code = _command(argv, environ)
    if argv is None:  # the process's own command (python -m, the console script, the action): the process ends
        from honeyhive_experiment.cancellation import exit_not_held_up

        exit_not_held_up(code, os.environ)
    return code


def _command(argv: Sequence[str] | None, environ: Mapping[str, str] | None) -> int:
    held: dict[str, str] = {}
    if argv is None and environ is None and "HONEYHIVE_EXPERIMENT_WITHHELD_FD" in os.environ:  # settings.withhold's
        from honeyhive_experiment.settings import handed_back  # the action started again: what it withheld, back

        held = handed_back(os.environ)
    env = {**(os.environ if environ is None else environ), **held}
    try:
        args = (build_parser(_prog()) if argv is None else build_parser()).parse_args(argv)
    except _Usage as exc:  # argparse's exit code, its message redacted as the settings' are
        print(_redacted(str(exc), env), file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "schema":
            from honeyhive_experiment.config import config_json_schema_text

            out = Standard(sys.stdout, "standard output")
            out.write(config_json_schema_text())  # as committed in schemas/experiment.schema.json
            out.flush()
            return 0
        settings = _settings(args, env)
        if settings is None:
            return EXIT_USAGE
        from honeyhive_experiment.settings import withheld_by_value, withhold

        if args.command == "action" and argv is None and environ is None:  # the process's own: read, then withheld
            held.update(withhold(os.environ, command=(sys.executable, sys.orig_argv)))  # without memfd: not again
        with redacted_output(settings, for_good=argv is None):
            if said := withheld_by_value(held):  # what settings.withhold took out for the token it holds
                logging.getLogger(__name__).warning("%s", said)
            if args.command in ("run", "action"):  # it reports its own problems, in its report
                return _run(settings, for_good=argv is None)
            try:
                if args.command == "validate":
                    return _validate(settings, probe=args.probe)
                if args.command == "runs":
                    return _runs(settings, as_json=args.json, limit=args.limit)
                return _view(settings, args.run, open_it=args.open)
            except Exception as exc:  # not carried out: each problem on its own line (a config error has several)
                if isinstance(exc, ClosedPipe):  # the process's output (CannotWrite too), below; not the user's
                    raise
                from honeyhive_experiment.report.markdown import plain_lines

                for issue in as_error(exc).issues:  # which may quote the user's files, code or installer's output
                    print(settings.printable(f"error: {plain_lines(str(issue))}"), file=sys.stderr)
                return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CannotWrite as exc:  # a full disk, `> /dev/full`: said on the other stream (the report files are written)
        discard(exc.stream)
        print(f"error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # what reads the output closed it: stop quietly (the report files are written first)
        return EXIT_CLOSED_PIPE


def _closed() -> int:
    """Exit 2, saying on the other stream (when open) which is closed: what the command prints and the action's workflow
    commands would go nowhere, and a file the program opens would take the descriptor's number and get them."""
    name, other = ("standard output", sys.stderr) if sys.stdout is None else ("standard error", sys.stdout)
    if other is not None:
        print(f"error: {name} is closed: send it to a file or to /dev/null (`>/dev/null`, not `>&-`)", file=other)
    return EXIT_USAGE


def _settings(args: argparse.Namespace, env: Mapping[str, str]) -> Settings | None:
    """The command's settings: the action's inputs and ``GITHUB_*`` context with its event payload, or the flags and
    the HoneyHive variables; ``None`` after saying why they cannot be used (exit 2). The action's inputs that cannot be
    used are kept in ``refused`` instead: its run reports them as its error verdict."""
    from honeyhive_experiment.settings import Settings, load_event_payload

    try:
        if args.command == "action":
            payload = load_event_payload(env["GITHUB_EVENT_PATH"]) if env.get("GITHUB_EVENT_PATH") else {}
            return Settings.for_action(env, event_payload=payload)
        return Settings.from_args(vars(args), env)
    except SettingsError as exc:
        from honeyhive_experiment.gha import annotation

        # the value it quotes may be or carry a secret (a path or URL naming a key, an index URL's password)
        message = _redacted(str(exc), env)
        if args.command == "action":
            print(annotation("error", message, title="honeyhive-experiment input"), flush=True)
        else:
            print(f"error: {message}", file=sys.stderr)
        return None


def _redacted(message: str, env: Mapping[str, str]) -> str:
    """A usage error's ``message`` as printed before there are settings: redacted of the secrets of the environment (the
    action's inputs' too) and the common shapes, as it shows."""
    from honeyhive_experiment.connection import environment_secrets
    from honeyhive_experiment.report.redact import Redactor

    return Redactor(environment_secrets(env)).redact_shown(message)


# ----------------------------------------------------------------------------- the commands


def _run(settings: Settings, *, for_good: bool) -> int:
    """``run`` and ``action``: the process's signal handlers and progress printer around :func:`operations.run`."""
    from honeyhive_experiment import cancellation
    from honeyhive_experiment.operations import run
    from honeyhive_experiment.progress import ProgressPrinter

    cancel = cancellation.Cancellation()  # the cancel event, plus the phase a signal arrives in
    cancellation.install_signal_handlers(cancel)
    try:
        progress = ProgressPrinter(sys.stderr, sys.stderr.isatty())  # a bar on a terminal, lines in a CI log
        try:
            code = run(settings, cancel=cancel, progress=progress).exit_code
        except SystemExit as exc:  # in the main thread, from no call of the user's code: a signal handler of its own
            if exc.code not in (0, None):
                raise
            from honeyhive_experiment.delivery import unjudged_exit  # never greener than the report it cut short

            code = unjudged_exit(settings, "your code's SystemExit(0) (a signal handler of its own?) ended the run")
        if for_good:  # the exit's handlers take over from ours: a signal between them ended it 143 or 130, not code
            cancellation.exit_not_held_up(code, os.environ)
        return code
    finally:
        cancellation.release(cancel)  # if the exit has not taken them over


def _validate(settings: Settings, *, probe: bool) -> int:
    from honeyhive_experiment.operations import validate
    from honeyhive_experiment.report.markdown import plain

    found = validate(settings, probe=probe)
    print(settings.printable(f"ok: {plain(found)}"))  # the metric names the user's code produced
    return 0


def _runs(settings: Settings, *, as_json: bool, limit: int) -> int:
    from honeyhive_experiment.history import runs_json, runs_table
    from honeyhive_experiment.operations import runs
    from honeyhive_experiment.report.markdown import plain

    found = runs(settings, limit=limit)
    if as_json:
        print(settings.printable(runs_json(found.rows)))  # the runs' ids and branches are whoever recorded the runs'
    elif not found.rows:
        print(settings.printable(f"no runs yet for experiment {found.experiment!r}"))
    else:
        print(settings.printable(runs_table(found.rows, now=found.now)))
        baseline = f"* baseline: {plain(found.baseline)}" if found.baseline else "no baseline"  # names a branch
        print(settings.printable(baseline), file=sys.stderr)
    if found.missing:  # the list is what a new baseline is picked from: shown, then why a run here would fail
        print(settings.printable(f"warning: {found.missing}"), file=sys.stderr)
    return 0


def _view(settings: Settings, run_id: str | None, *, open_it: bool) -> int:
    """``view``: the HTML report of a recorded run, written to a file; its path printed, and opened in the default
    browser unless ``--no-open``."""
    from honeyhive_experiment.operations import view

    path = view(settings, run_id)
    print(path)
    if open_it:
        import webbrowser

        if not webbrowser.open(path.resolve().as_uri()):
            print("no browser could be opened: open the file above", file=sys.stderr)
    return 0

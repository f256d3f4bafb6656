"""``run_config`` runs an experiment file exactly as ``python -m honeyhive_experiment run --dry-run`` does (issue 13).

Two copies of the quickstart: the command runs twice in one (as a subprocess, as people run it), ``run_config``
twice in the other, each against its own embedded backend; the second run of each compares with the first. What
``run_config`` returns must render to what the command printed — the terminal report and the comment — once the
run ids and clock times, which differ between any two runs, are masked; and its exit code must be the command's.
"""

from __future__ import annotations

import importlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from honeyhive_experiment import ConfigRun, backend, run_config
from honeyhive_experiment.errors import ArgumentError, NotWritable
from honeyhive_experiment.verdict import Verdict
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.e2e

COMMENT_START = "----- the comment that would be posted -----"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CLOCK = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    return copy_quickstart(tmp_path / "cli"), copy_quickstart(tmp_path / "api")


def _mask(text: str) -> str:
    return CLOCK.sub("<time>", UUID.sub("<run id>", text)).strip("\n")


def _cli(repo: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "-C", str(repo)],
        cwd=repo,  # the terminal names the HTML report from where the command was typed
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert COMMENT_START in done.stdout, done.stdout + done.stderr
    terminal, comment = done.stdout.split(COMMENT_START, 1)
    return done.returncode, terminal, comment


def _without_the_html_report(terminal: str, comment: str) -> tuple[str, str]:
    """The command's texts without the lines naming the HTML report it wrote (``run_config`` writes nothing)."""
    shown = "HTML report: .honeyhive/report.html\n"
    pointers = [
        f"\n🔎 Every datapoint{what}: .honeyhive/report.html, a page to open in a browser.\n"
        for what in (", this run's output beside the baseline's", " of this run")  # with a baseline, without one
    ]
    assert shown in terminal
    [pointer] = [pointer for pointer in pointers if pointer in comment]
    return terminal.replace(shown, ""), comment.replace(pointer, "")


def test_run_config_returns_what_the_dry_run_command_prints(repos: tuple[Path, Path]) -> None:
    cli_repo, api_repo = repos
    for attempt in ("first, without a baseline", "second, compared with the first"):
        code, terminal, comment = _cli(cli_repo)
        terminal, comment = _without_the_html_report(terminal, comment)
        run = run_config(api_repo, dry_run=True, environ={})

        assert run.exit_code == code == 0, attempt
        assert _mask(run.terminal) == _mask(terminal), attempt
        assert _mask(run.comment) == _mask(comment), attempt
        assert run.report.run.id is not None
        assert run.report.run.id in run.comment

    # the second runs had a baseline: the comparison is in what both rendered
    assert run.verdict is Verdict.PASS
    assert run.report.comparison is not None
    assert run.report.baseline is not None
    assert run.report.comparison.common_datapoints == 22


def test_a_broken_experiment_file_is_the_commands_error_verdict(repos: tuple[Path, Path]) -> None:
    cli_repo, api_repo = repos
    for repo in repos:
        config = repo / ".honeyhive" / "experiment.yml"
        config.write_text(config.read_text(encoding="utf-8").replace("max_workers: 8", "max_workers: -1"))
    code, _, comment = _cli(cli_repo)
    # the file form: a config path relative to the working directory, as --config and -C
    run = run_config(".honeyhive/experiment.yml", working_directory=api_repo, dry_run=True, environ={})

    assert run.exit_code == code == 2
    assert run.verdict is Verdict.ERROR
    assert run.report.run.id is None
    assert "max_workers" in (run.report.error or "")
    assert _mask(run.comment).replace(str(api_repo), "<repo>") == _mask(comment).replace(str(cli_repo), "<repo>")


def test_trials_override_the_files_as_the_flag_does(repos: tuple[Path, Path]) -> None:
    _, api_repo = repos
    run = run_config(api_repo, dry_run=True, environ={}, trials=2)

    assert run.exit_code == 0
    assert run.report.trials == 2
    assert run.report.counts.total == 22  # datapoints, each run twice


def test_trials_as_text_of_more_digits_than_int_reads_is_an_argument_error(repos: tuple[Path, Path]) -> None:
    _, api_repo = repos
    with pytest.raises(ArgumentError, match=r"^trials: expected a whole number from 1 to 100"):
        run_config(api_repo, dry_run=True, environ={}, trials="1" * 5000)


def _ctrl_c(times: int, signum: int = signal.SIGINT) -> Callable[[object], None]:
    """A progress callback that presses Ctrl-C ``times`` times (SIGINT to this process, as the terminal sends it; or
    ``signum``) as the first datapoint is done: on the main thread, where the callback runs."""

    def press(_: object) -> None:
        for _ in range(times):
            os.kill(os.getpid(), signum)

    return press


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_cancels_the_run_as_the_commands_and_stops_the_caller(repos: tuple[Path, Path], signum: int) -> None:
    """One Ctrl-C while the datapoints run cancels the run as the command's first signal does (marked cancelled, what
    was recorded kept), and then reaches the caller as the KeyboardInterrupt it is, noting the run, so a loop over
    repositories stops; the caller's handlers are back after (the call returned an error report with exit code 130,
    "interrupted by a second signal", and a loop went on). SIGTERM, as to the command, alike (it ended the process,
    the run left running)."""
    _, api_repo = repos
    before = signal.getsignal(signum)

    with pytest.raises(KeyboardInterrupt) as raised:
        run_config(api_repo, dry_run=True, environ={}, progress=_ctrl_c(1, signum))

    [note] = raised.value.__notes__
    assert re.search(rf"The run was cancelled while running the datapoints \({UUID.pattern}\): \d+ of 22", note), note
    assert signal.getsignal(signum) is before


def test_a_second_ctrl_c_stops_the_run_where_it_is_and_the_caller(repos: tuple[Path, Path]) -> None:
    """A second Ctrl-C, as the first winds the run down, is the command's second signal: the run stops there, and the
    caller gets a KeyboardInterrupt noting the run."""
    _, api_repo = repos

    with pytest.raises(KeyboardInterrupt) as raised:
        run_config(api_repo, dry_run=True, environ={}, progress=_ctrl_c(2))

    [note] = raised.value.__notes__
    assert UUID.search(note), note
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_keyboard_interrupt_of_the_callers_code_stops_the_caller_too(repos: tuple[Path, Path]) -> None:
    """A KeyboardInterrupt the caller's progress callback raises on the main thread stops the run as the command's
    second signal does, and reaches the caller, noting the report's error (it returned that report, exit code 130,
    and the caller's loop went on: this test pinned the 130 before Ctrl-C was made the command's)."""
    _, api_repo = repos

    def interrupt(_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as raised:
        run_config(api_repo, dry_run=True, environ={}, progress=interrupt)

    [note] = raised.value.__notes__
    assert "interrupted" in note


def test_calls_from_two_threads_run_one_at_a_time(repos: tuple[Path, Path]) -> None:
    """Two threads each running a repository whose code has the same package name: each call runs its own code,
    and the working directory is the caller's after (the second call found the first's package imported, "shadowed",
    and the process was left in the other folder)."""
    before = os.getcwd()
    runs: dict[Path, ConfigRun] = {}
    threads = [
        threading.Thread(target=lambda repo=repo: runs.update({repo: run_config(repo, dry_run=True, environ={})}))
        for repo in repos
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {repo: runs[repo].report.error for repo in repos} == dict.fromkeys(repos)
    assert os.getcwd() == before


def test_a_call_from_the_code_of_a_run_it_is_running_is_refused_at_once(tmp_path: Path) -> None:
    """A datapoint's function calling run_config would wait for the run it is part of (one call at a time) until its
    timeout, and run after the caller returned: it raises ArgumentError at once, the datapoint's error."""
    outer, inner = copy_quickstart(tmp_path / "outer", questions=2), copy_quickstart(tmp_path / "inner", questions=1)
    (outer / "support_bot" / "nested.py").write_text(
        "from honeyhive_experiment import run_config\n"
        "def answer(question, **kw):\n"
        f"    return str(run_config({str(inner)!r}, dry_run=True, environ={{}}).exit_code)\n"
    )
    config = outer / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text().replace("support_bot.app:answer", "support_bot.nested:answer"))

    run = run_config(outer, dry_run=True, environ={})

    assert run.report.verdict is Verdict.FAIL
    assert "run_config was called from the code of a run it is running" in run.terminal
    assert "did not return within" not in run.terminal


def test_a_call_from_the_import_its_own_call_makes_is_refused_at_once(tmp_path: Path) -> None:
    """A module of the repository that calls run_config as it is imported (a script without a __main__ guard): the
    import runs on the calling thread, which holds the one-at-a-time lock, so it waited on itself for ever (audit64)."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    (repo / "support_bot" / "selfcall.py").write_text(
        "from honeyhive_experiment import run_config\n"
        "from support_bot.app import answer\n"
        "run_config('.', dry_run=True, environ={})\n"
    )
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text().replace("support_bot.app:answer", "support_bot.selfcall:answer"))
    script = (
        "from honeyhive_experiment import run_config\n"
        f"print(run_config({str(repo)!r}, dry_run=True, environ={{}}).report.error)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False, cwd=repo
    )
    assert done.returncode == 0, done.stderr
    assert "run_config was called from the code of a run it is running" in done.stdout


def test_a_run_the_callers_own_event_cancelled_says_it_was_cancelled(repos: tuple[Path, Path]) -> None:
    """The caller's cancel event, set by its progress callback: the report's note says the run was cancelled, as
    it did before run_config took the command's handlers (audit64: the note was lost)."""
    _, api_repo = repos
    cancel = threading.Event()

    run = run_config(api_repo, dry_run=True, environ={}, cancel=cancel, progress=lambda _: cancel.set())

    assert (run.exit_code, run.report.notes) == (2, ("The run was cancelled.",))


def test_a_cancel_event_set_before_the_call_creates_no_run(repos: tuple[Path, Path]) -> None:
    """``cancel=`` already set: the run was created (every datapoint skipped, marked cancelled). Now nothing is
    recorded: the report says the run was cancelled before it was created, exit code 2 as for any cancel."""
    _, api_repo = repos
    cancel = threading.Event()
    cancel.set()

    run = run_config(api_repo, dry_run=True, environ={}, cancel=cancel)

    assert (run.exit_code, run.report.notes, run.report.run.id) == (2, ("The run was cancelled.",), None)
    assert run.report.error == (
        "The run was cancelled while preparing the run, before it was created: HoneyHive holds nothing of it."
    )
    with backend.connect(None, None, local_db=api_repo / ".honeyhive" / "local.db", environ={}) as hh:
        assert hh.list_runs()["evaluations"] == []


def _answer_words(repo: Path) -> float:
    """The mean answer length of a dry run of ``repo`` by ``run_config``, in this process."""
    run = run_config(repo, dry_run=True, environ={})
    [value] = [metric.value for metric in run.report.metrics if metric.name == "answer_words"]
    assert value is not None
    return value


def test_each_call_imports_the_code_its_repository_holds(tmp_path: Path) -> None:
    """Two repositories whose code has one name, run one after the other in one process (a script looping over
    repositories, a notebook): the second call runs the second repository's code, as its command would (it ran the
    first's: the same numbers for a changed style)."""
    concise, friendly = (copy_quickstart(tmp_path / style, questions=3) for style in ("concise", "friendly"))
    app = friendly / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8").replace('STYLE = "concise"', 'STYLE = "friendly"'), encoding="utf-8")

    first, second = _answer_words(concise), _answer_words(friendly)

    assert second > first  # the friendly style greets: longer answers


def test_code_edited_between_two_calls_is_run_as_edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's loop: run, edit the code, run again in the same process. The edit keeps the file's size and
    its modification time (an edit within the second of the first import looks so to the bytecode cache)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # as Python's default (this environment may not write)
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    app = repo / "support_bot" / "app.py"
    before = _answer_words(repo)
    stat = app.stat()
    app.write_text(app.read_text(encoding="utf-8").replace("Open Settings", "Open_Settings"), encoding="utf-8")
    os.utime(app, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    after = _answer_words(repo)

    assert app.stat().st_size == stat.st_size
    assert after == pytest.approx(before - 1)  # each of the 3 answers opens Settings: one word fewer


def test_the_repositorys_module_the_caller_imported_and_patched_is_the_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller that imported the repository's code itself (a test patching it, a notebook reloading it) keeps its
    module: each call runs it, as patched, and it stays the one ``sys.modules`` holds (each call re-imported it)."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    monkeypatch.syspath_prepend(str(repo))
    monkeypatch.delitem(sys.modules, "support_bot", raising=False)
    monkeypatch.delitem(sys.modules, "support_bot.app", raising=False)
    app = importlib.import_module("support_bot.app")
    concise = _answer_words(repo)
    monkeypatch.setattr(app, "STYLE", "friendly")

    assert _answer_words(repo) > concise
    assert sys.modules["support_bot.app"] is app


def test_a_working_directory_that_does_not_exist_is_raised_as_the_command_refuses_it(tmp_path: Path) -> None:
    """The command says it and exits 2, with no report; run_config raises what the command says (it said "config
    file not found")."""
    with pytest.raises(NotWritable, match=r"^--working-directory: .*typo does not exist$"):
        run_config(".honeyhive/experiment.yml", working_directory=tmp_path / "typo", dry_run=True, environ={})
    assert list(tmp_path.iterdir()) == []


def test_without_a_key_the_error_names_run_configs_argument_too(tmp_path: Path) -> None:
    """It said "pass --dry-run", a flag of the command that run_config's caller does not type."""
    run = run_config(copy_quickstart(tmp_path / "repo"), environ={})
    assert run.exit_code == 2
    assert "or pass dry_run=True to run_config to use the embedded local backend" in (run.report.error or "")

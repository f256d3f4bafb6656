"""User code cannot issue workflow commands (issue 21, item 4): the action, run as the runner runs it, with a
function and an evaluator that print ``::set-output``, ``::add-mask::``, ``::error::`` and ``##[...]`` lines on
standard output, standard error and straight to file descriptor 1, at import time and for every datapoint.

GitHub reads a step's standard output and standard error as one log: the test merges them into one pipe the same
way (the order of the writes is kept) and reads it back as the runner does
(:func:`tests.fakes.actions_runner.issued`, which follows ``::stop-commands::<token>`` … ``::<token>::``).
The other commands run inside Actions too (``validate``, ``runs``), and the same holds for what they print: the
user's code at exit or calling ``sys.exit``, the backend's names, a refused input's value.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.fakes.actions_runner import Step, issued, push
from tests.quickstart import add_evaluator, copy_quickstart, with_managed_dataset

pytestmark = pytest.mark.e2e

ATTACK = """
import os as _os
import sys as _sys


def _attack(where):
    print(f"::set-output name=verdict::pass-{where}")
    print(f"::add-mask::{where}")
    _sys.stderr.write(f"::error::forged-{where}\\n")
    _sys.stderr.flush()
    _os.write(1, f"##[set-output name=verdict;]fd-{where}\\n".encode())


_attack("import")
"""


def run_step(root: Path, env: Mapping[str, str], *args: str) -> tuple[int, str]:
    """``python -m honeyhive_experiment <args>`` run as a step in ``root`` with exactly ``env`` (and this process's
    ``PYTHONPATH``: the program tested is the one this test imports, a worktree's too): its exit code, and its
    standard output and error as one log, as the runner reads it (bytes decoded as they are: a lone carriage return
    stays one)."""
    path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", *args],
        cwd=root,
        env={**env, **path},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one log, in the order of the writes
        timeout=180,
        check=False,
    )
    return done.returncode, done.stdout.decode("utf-8", errors="replace")


def add_to_app(root: Path, code: str) -> None:
    """``code`` appended to the quickstart copy's ``support_bot/app.py``: run where the user's module is imported."""
    app = root / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + code, encoding="utf-8")


def dry_run_step(root: Path, tmp_path: Path) -> tuple[Step, dict[str, str]]:
    """A push's step (its files in ``tmp_path``/step) running a dry run of ``root`` that comments nothing, HOME
    ``tmp_path``: the step and its environment."""
    step = Step(tmp_path / "step", push())
    return step, {**step.env(root, {"dry-run": "true", "comment-mode": "off"}), "HOME": str(tmp_path)}


def test_the_reader_follows_stop_commands() -> None:
    log = "::warning::a\n::stop-commands::t0k\n::error::b\n::t0k::\n##[error]c\nplain\n"
    assert issued(log) == ["::warning::a", "::stop-commands::t0k", "##[error]c"]


@pytest.mark.parametrize(
    ("mark", "encoding"),
    [
        (b"", "utf-8"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
    ids=["none", "utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"],
)
def test_the_reader_takes_a_byte_order_mark_at_a_streams_start_for_its_encoding(mark: bytes, encoding: str) -> None:
    """As the runner's .NET reader does: the mark swallowed, the rest read in its encoding; elsewhere it is text."""
    stream = mark + "::warning::a\n\ufeff::error::b\n".encode(encoding)
    assert issued(stream) == ["::warning::a"]
    assert issued(stream.decode("utf-8", errors="replace")) == (["::warning::a"] if encoding == "utf-8" else [])


def attacked_quickstart(root: Path) -> Path:
    """The quickstart, its app printing the forged commands when imported and for every datapoint."""
    copy_quickstart(root, questions=4)
    app = root / "support_bot" / "app.py"
    source = app.read_text(encoding="utf-8") + ATTACK
    source = source.replace(
        '    """The function the experiment runs once per datapoint', '    _attack("answer")\n    """', 1
    )
    app.write_text(source, encoding="utf-8")
    assert '_attack("answer")' in source
    return root


def forged(log: str) -> list[str]:
    """The commands of the runner's reading of ``log`` that the attack wrote."""
    return [c for c in issued(log) if "forged" in c or "pass-" in c or "fd-" in c or c.startswith("::add-mask::")]


def test_user_code_issues_no_workflow_command(tmp_path: Path) -> None:
    root = attacked_quickstart(tmp_path / "repo")
    step = Step(tmp_path / "step", push())
    env = step.env(root, {"dry-run": "true", "comment-mode": "off"})
    code, log = run_step(root, env, "action")
    assert "forged-import" in log, log  # the user's lines are in the log, as text
    assert "forged-answer" in log, log
    assert forged(log) == []
    assert code == 0, log
    assert step.outputs()["verdict"] == "neutral"  # the first run: nothing to compare with; no output was forged


def test_validate_inside_actions_lets_user_code_issue_no_workflow_command(tmp_path: Path) -> None:
    """``validate`` imports the user's code and runs the first datapoint: a workflow's lint step runs it too."""
    root = attacked_quickstart(tmp_path / "repo")
    env = {**Step(tmp_path / "step", push()).env(root, None), "HOME": str(tmp_path)}
    code, log = run_step(root, env, "validate")
    assert "forged-import" in log, log
    assert "forged-answer" in log, log  # the probe ran the function
    assert forged(log) == []
    assert code == 0, log


def test_runs_inside_actions_lets_backend_names_issue_no_workflow_command(tmp_path: Path) -> None:
    """``runs`` prints what the backend recorded: a run's branch is whoever wrote the run's (code that had the API
    key, or the ``.honeyhive/local.db`` a pull request commits), and a line of the table must not be a command."""
    from honeyhive_experiment.backend import connect

    root = copy_quickstart(tmp_path / "repo", questions=2)
    with connect(None, None, local_db=root / ".honeyhive" / "local.db", environ={}) as client:
        client.create_run(
            {
                "run_id": "0b6f2f6e-5d2a-4c8e-9f1e-2a7d3c4b5e6f",
                "name": "support-bot-quickstart",
                "event_ids": [],
                "metadata": {"ci": {"branch": "main\n::add-mask::forged-branch", "sha": "a" * 40}},
            }
        )
    env = {**Step(tmp_path / "step", push()).env(root, None), "HOME": str(tmp_path)}
    code, log = run_step(root, env, "runs")
    assert "forged-branch" in log, log  # shown, as text
    assert forged(log) == []
    assert code == 0, log


def test_runs_json_inside_actions_is_json_alone_on_standard_output(tmp_path: Path) -> None:
    """A step that captures ``runs --json`` (``| jq``, ``> runs.json``) reads JSON: the fence's line for a stream that
    starts with a byte-order mark was the first line of every fenced command's output, which no JSON reader took."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    env = {**Step(tmp_path / "step", push()).env(root, None), "HOME": str(tmp_path)}
    path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", "runs", "--json"],
        cwd=root,
        env={**env, **path},
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done
    assert json.loads(done.stdout) == [], done


RUNTIME_TOKEN = "runtime-5f0c9a7e2b4d4e1f8a6c3b2d1e0f9a8b"  # a runner's token: a secret the log must not show
RUNNER_TOKEN = f"""
import os as _os


def _runner_token():  # the action withholds it from its environment and /proc/self/environ (test_action_e2e), so
    # this code leaks it as code that got it some other way would: what prints it must be redacted all the same
    return "{RUNTIME_TOKEN}"
"""


AT_EXIT = """
import atexit as _atexit


def _at_exit():
    print("::error::forged-exit")
    print("the runner's token:", _runner_token())
    _sys.stdout.flush()


_atexit.register(_at_exit)
"""


@pytest.mark.parametrize("command", ["action", "validate"])
def test_user_code_run_at_exit_issues_no_workflow_command_and_prints_no_secret(tmp_path: Path, command: str) -> None:
    """What the user's code registers with ``atexit`` runs after the command returned, when the process ends:
    still the user's code, inside Actions, with the runner's token in the environment."""
    root = attacked_quickstart(tmp_path / "repo")
    add_to_app(root, RUNNER_TOKEN + AT_EXIT)
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off"} if command == "action" else None
    env = {**step.env(root, inputs), "HOME": str(tmp_path), "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN}
    code, log = run_step(root, env, command)
    assert "forged-exit" in log, log  # it ran, and is shown as text
    assert "the runner's token:" in log, log
    assert RUNTIME_TOKEN not in log, log
    assert forged(log) == []
    assert code == 0, log


@pytest.mark.parametrize(
    ("credentials", "shown"),
    [
        ("__token__:{token}", "__token__:***"),  # a password
        ("{token}", "***"),  # the token as the user, as Gemfury's and a GitLab deploy token's URLs have it
        (":{token}", "***"),  # a password without a user, as Azure Artifacts' URLs have it
    ],
)
@pytest.mark.parametrize("command", ["action", "run"])
def test_an_input_the_action_refuses_is_quoted_without_the_credential_in_it(
    tmp_path: Path, command: str, credentials: str, shown: str
) -> None:
    """An ``install`` with an unbalanced quote is refused before anything runs, and the error quotes it: the
    index URL's credentials in it (a private index's token) are shown as ``***``, as everywhere else in the log."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    token = "pypi-AgEIcHlwaS5vcmcCJGE0NzQ1ZmFh"
    install = f"--extra-index-url https://{credentials.format(token=token)}@pkgs.example/simple -r 'requirements.txt"
    step = Step(tmp_path / "step", push())
    if command == "action":
        env, argv = step.env(root, {"install": install}), ["action"]
    else:
        env, argv = step.env(root, None), ["run", "--dry-run", "--install", install]
    code, log = run_step(root, {**env, "HOME": str(tmp_path)}, *argv)
    assert code == 2, log
    assert "cannot split" in log, log
    assert token not in log, log
    assert f"https://{shown}@pkgs.example" in log, log
    if command == "action":  # its error report says it too, alike
        reported = step.summary() + (root / ".honeyhive" / "report.json").read_text(encoding="utf-8")
        assert "cannot split" in reported, reported
        assert token not in reported, reported


EXITS = {  # the user's code ends the process with a message: sys.exit(text) raises SystemExit(text)
    "import": ("app.py", "\n_sys.exit(_exit_message())\n"),
    "function": ("app.py", "\n\ndef answer(datapoint):\n    _sys.exit(_exit_message())\n"),
    "evaluator": (
        "evaluators.py",
        "\n\ndef topic_match(outputs, inputs, ground_truth):\n    _sys.exit(_exit_message())\n",
    ),
}
EXIT_MESSAGE = """
import os as _os
import sys as _sys


def _exit_message():
    return "::error::forged-sysexit " + (_runner_token() or "")
"""


@pytest.mark.parametrize("where", sorted(EXITS))
@pytest.mark.parametrize("command", ["action", "validate"])
def test_user_code_calling_sys_exit_issues_no_workflow_command_and_prints_no_secret(
    tmp_path: Path, command: str, where: str
) -> None:
    """``sys.exit("…")`` in the user's code (at import, in the function or in an evaluator) raises SystemExit, whose
    message Python prints when it reaches the top: it is the user's code raising, shown where the user's errors are
    shown (redacted, issuing no command), and the action still writes its report."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    module, attack = EXITS[where]
    source = root / "support_bot" / module
    source.write_text(source.read_text(encoding="utf-8") + RUNNER_TOKEN + EXIT_MESSAGE + attack, encoding="utf-8")
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off"} if command == "action" else None
    env = {**step.env(root, inputs), "HOME": str(tmp_path), "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN}
    code, log = run_step(root, env, command)
    assert "forged-sysexit" in log, log  # shown, as text
    assert RUNTIME_TOKEN not in log, log
    assert [c for c in issued(log) if c.startswith("::error::forged")] == [], log  # our annotations may quote it
    if command == "action":
        assert step.outputs()["verdict"] in ("error", "neutral", "fail"), log  # judged and reported
    else:
        assert code == 2, log


def test_runs_inside_actions_logs_backend_ids_issuing_no_workflow_command(tmp_path: Path) -> None:
    """What ``runs`` logs quotes the backend too: a managed dataset (in the ``.honeyhive/local.db`` a pull request
    commits, say) listing a datapoint the backend does not return is a warning naming that id."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    with_managed_dataset(root, ["gone\n::add-mask::forged-datapoint"])
    env = {**Step(tmp_path / "step", push()).env(root, None), "HOME": str(tmp_path)}
    code, log = run_step(root, env, "runs")
    assert "forged-datapoint" in log, log  # shown, as text
    assert forged(log) == [], log
    assert code == 0, log


def test_a_carriage_return_in_user_text_starts_no_workflow_command(tmp_path: Path) -> None:
    """The runner reads the log line by line, and a carriage return alone ends a line for it (as ``\\n`` does):
    text the user's code controls (here the error its function raised, which ``validate`` prints) cannot put a
    command after one."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    attack = '\n\ndef answer(datapoint):\n    raise ValueError("boom\\r::error::forged-cr")\n'
    add_to_app(root, attack)
    env = {**Step(tmp_path / "step", push()).env(root, None), "HOME": str(tmp_path)}
    code, log = run_step(root, env, "validate")
    assert "forged-cr" in log, log  # shown, as text
    assert code == 2, log
    assert forged(log) == [], repr(log)


def test_a_legacy_command_inside_a_line_of_user_text_is_text(tmp_path: Path) -> None:
    """The runner finds the legacy ``##[name]data`` anywhere in a line, not only at its start: the error the user's
    function raised, which ``validate`` prints and the dry run's terminal report quotes, cannot carry one. The
    verdict's ``::error::`` annotation quotes the message too (the reasons name what the function raised): as the data
    of our own command, its ``##[`` broken."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    attack = '\n\ndef answer(datapoint):\n    raise ValueError("boom ##[add-mask]forged-v1")\n'
    add_to_app(root, attack)
    step = Step(tmp_path / "step", push())
    for command, inputs in (("validate", None), ("action", {"dry-run": "true", "comment-mode": "off"})):
        code, log = run_step(root, {**step.env(root, inputs), "HOME": str(tmp_path)}, command)
        assert "forged-v1" in log, log  # shown, as text
        assert "##[add-mask]" not in log, log
        assert [c for c in forged(log) if not c.startswith("::error::verdict fail: 2 datapoint(s) errored:")] == [], log
        assert code == (2 if command == "validate" else 1), log


ABANDONED = """
import os as _os
import sys as _sys
import threading as _threading

_delivering = _threading.Event()  # the program opens GITHUB_OUTPUT: the run is over, the fence is lifted
_printed = _threading.Event()
_first = _threading.Lock()
_answer = answer


def _on_audit(event, args):
    if event == "open" and not _delivering.is_set() and isinstance(args[0], (str, _os.PathLike)):
        if _os.fspath(args[0]).endswith("github_output"):
            _delivering.set()
            _printed.wait(120)  # the program goes on once its abandoned call has printed


_sys.addaudithook(_on_audit)


def answer(datapoint):
    if _first.acquire(blocking=False):  # the first call hangs past the timeout, and is abandoned on its thread
        _delivering.wait()
        print("::warning::forged-abandoned")
        print("##[add-mask]forged-abandoned", flush=True)
        _printed.set()
    return _answer(datapoint)
"""


def test_a_timed_out_function_printing_after_the_run_issues_no_workflow_command(tmp_path: Path) -> None:
    """A call past ``timeout:`` is abandoned on its thread and may go on printing while the program judges and
    delivers, when the commands are no longer stopped: still the user's code, still only text."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    config = root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("timeout: 10", "timeout: 1"), encoding="utf-8")
    add_to_app(root, ABANDONED)
    step, env = dry_run_step(root, tmp_path)
    code, log = run_step(root, env, "action")
    assert "forged-abandoned" in log, log  # it printed, as text
    assert forged(log) == [], log
    assert step.outputs()["verdict"] == "fail", log  # the timed-out datapoint failed; no output was forged
    assert [c for c in issued(log) if c.startswith("::error::verdict fail")], log  # the program's commands stand
    assert code == 1, log


AFTER_MAIN = """
import os as _os
import threading as _threading


def _after_main():
    _threading.main_thread().join()  # the command has returned: Python waits for this thread before it exits
    print("::error::forged-after-main")
    print("##[add-mask]forged-after-main")
    print("the runner's token:", _runner_token(), flush=True)
    _os.write(1, b"::add-mask::forged-after-main-fd\\n")


_threading.Thread(target=_after_main).start()
"""


@pytest.mark.parametrize("command", ["action", "validate"])
def test_a_user_thread_printing_after_the_command_issues_no_workflow_command_and_prints_no_secret(
    tmp_path: Path, command: str
) -> None:
    """A thread the user's module started (not a daemon) outlives the command: Python waits for it to end before the
    process exits, and what it prints then is still redacted and issues no command (on any stream or descriptor)."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    add_to_app(root, RUNNER_TOKEN + AFTER_MAIN)
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off"} if command == "action" else None
    env = {**step.env(root, inputs), "HOME": str(tmp_path), "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN}
    code, log = run_step(root, env, command)
    assert "forged-after-main-fd" in log, log  # it ran to its end, shown as text
    assert "the runner's token:" in log, log
    assert RUNTIME_TOKEN not in log, log
    assert forged(log) == [], log
    assert code == 0, log


LATE = """
import os as _os
import subprocess as _subprocess
import sys as _sys
import threading as _threading

_delivering = _threading.Event()  # the program opens GITHUB_OUTPUT: the datapoints have run, it delivers
_written = _threading.Event()


def _on_audit(event, args):
    if event == "open" and not _delivering.is_set() and isinstance(args[0], (str, _os.PathLike)):
        if _os.fspath(args[0]).endswith("github_output"):
            _delivering.set()
            _written.wait(120)  # the program goes on once the thread has written


_sys.addaudithook(_on_audit)


def _late():
    _delivering.wait()
    _os.write(1, b"::error::forged-thread-fd\\n")
    _os.write(2, b"::add-mask::forged-thread-fd2\\n")
    _subprocess.run([_sys.executable, "-c", "print('::set-output name=verdict::pass-forged-subprocess')"])
    _os.write(1, b"::stop-commands::forged-stop\\n")  # would hide the program's own commands from here on
    _written.set()


_threading.Thread(target=_late, daemon=True).start()
"""


def failing_quickstart(root: Path) -> Path:
    """The quickstart whose every datapoint fails its passing range: the program issues ``::error::verdict fail``."""
    copy_quickstart(root, questions=2)
    config = root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("topic_match: {min: 1}", "topic_match: {min: 2}"), encoding="utf-8")
    assert "topic_match: {min: 2}" in config.read_text(encoding="utf-8")
    return root


def test_a_user_thread_and_subprocess_writing_while_the_program_delivers_issue_no_workflow_command(
    tmp_path: Path,
) -> None:
    """What the user's code started (a daemon thread, the subprocess it runs) writes straight to file descriptors 1
    and 2 after the datapoints ran, while the program judges and delivers: only text, and a forged
    ``::stop-commands::`` hides none of the program's own commands."""
    root = failing_quickstart(tmp_path / "repo")
    add_to_app(root, LATE)
    step, env = dry_run_step(root, tmp_path)
    code, log = run_step(root, env, "action")
    for text in ("forged-thread-fd", "forged-thread-fd2", "pass-forged-subprocess", "forged-stop"):
        assert text in log, log  # written, as text
    assert forged(log) == [], log
    assert [c for c in issued(log) if c.startswith("::error::verdict fail")], log  # the program's commands stand
    assert step.outputs()["verdict"] == "fail", log
    assert code == 1, log


def test_an_unfinished_line_of_the_users_hides_no_command_of_the_programs(tmp_path: Path) -> None:
    """The user's module ends a progress line without its line feed: what the program prints next must still start
    a line of its own for the runner to read it as a command."""
    root = failing_quickstart(tmp_path / "repo")
    add_to_app(root, '\nprint("loading knowledge base...", end="")\n')
    _step, env = dry_run_step(root, tmp_path)
    code, log = run_step(root, env, "action")
    assert "loading knowledge base..." in log, log
    assert [c for c in issued(log) if c.startswith("::error::verdict fail")], log
    assert code == 1, log


@pytest.mark.parametrize(
    ("mark", "encoding"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF32_BE, "utf-32-be")],
    ids=["utf-8", "utf-16-le", "utf-32-be"],
)
def test_a_byte_order_mark_the_users_code_writes_first_issues_no_workflow_command(
    tmp_path: Path, mark: bytes, encoding: str
) -> None:
    """The runner reads each of a step's streams through a reader that takes a byte-order mark at the stream's start
    for the encoding of all the rest, swallowed (:func:`tests.fakes.actions_runner.decoded`). When the user's code
    wrote the first bytes of standard output and error (a push: nothing of the program's came before its import), a
    UTF-8 mark left its ``::stop-commands::`` a command (the program's verdict annotation then none), a UTF-16 or
    UTF-32 one made its ``::add-mask::`` and ``::error::`` in that encoding commands, and the program's lines after
    them garbage."""
    root = failing_quickstart(tmp_path / "repo")
    written = mark + "::add-mask::Passed\n::error title=forged::forged-mark\n::stop-commands::pwned\n".encode(encoding)
    attack = f"\nimport os as _os\n_os.write(1, {written!r})\n_os.write(2, {written!r})\n"
    add_to_app(root, attack)
    step, env = dry_run_step(root, tmp_path)
    path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", "action"],
        cwd=root,
        env={**env, **path},
        capture_output=True,  # each stream apart: the runner reads each with a reader of its own
        timeout=180,
        check=False,
    )
    out, err = issued(done.stdout), issued(done.stderr)
    assert [c for c in out + err if "forged" in c or "pwned" in c or c.startswith("::add-mask::")] == [], done
    assert [c for c in out if c.startswith("::error::verdict fail")], done  # the program's commands stand
    assert step.outputs()["verdict"] == "fail", done
    assert done.returncode == 1, done


SECRET = "Xq1Pz9Lm2Nb8Vc7Rt5Yh4Jk3Wd6Gf0Ab"  # an OpenAI key of no known shape: known by its value alone
BYPASS = """
import base64 as _base64
import os as _os
import subprocess as _subprocess
import sys as _sys

_answer = answer


def answer(datapoint):
    key = _os.environ["OPENAI_API_KEY"]
    for at in range(0, len(key), 3):  # an LLM's streamed tokens, each flushed
        print(key[at : at + 3], end="", flush=True)
    print(flush=True)
    _subprocess.run([_sys.executable, "-c", "import os; print('from-subprocess:', os.environ['OPENAI_API_KEY'])"])
    _os.write(2, b"from-fd2: " + _base64.b64encode(key.encode()) + b"\\n")
    _sys.stdout.buffer.write(b"from-buffer: " + key.encode() + b"\\n")
    _sys.stdout.buffer.flush()
    return _answer(datapoint)
"""


def test_a_secret_written_past_pythons_text_streams_is_redacted_in_the_log(tmp_path: Path) -> None:
    """In Actions GitHub masks only the plain values of the secrets it registered: the user's function writes one
    through a subprocess, base64-encoded to file descriptor 2, and to ``sys.stdout.buffer``."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    add_to_app(root, BYPASS)
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off"}
    env = {**step.env(root, inputs), "HOME": str(tmp_path), "OPENAI_API_KEY": SECRET}
    code, log = run_step(root, env, "action")
    said = ("from-subprocess: ***", "from-fd2: ***", "from-buffer: ***")
    assert [line for line in said if line not in log] == [], log  # each wrote, redacted
    assert SECRET[:8] not in log, log
    assert base64.b64encode(SECRET.encode()).decode()[:12] not in log, log
    assert code == 0, log


SPLIT = """
import os as _os

_key = _os.environ["OPENAI_API_KEY"]
_refused = f"\\x1b[31mthe service refused key {_key[:10]}\\x1b[1m{_key[10:21]}\\x1b[22m{_key[21:]}\\x1b[0m "
raise RuntimeError(_refused * 200)
"""


def test_an_error_annotation_shows_no_secret_split_by_colour_codes_and_no_escape_and_is_bounded(
    tmp_path: Path,
) -> None:
    """The user's module raises at import, quoting a secret with colour codes inside it, 200 times: the ``::error``
    annotation on the experiment file showed the whole key and raw ``\\x1b[31m`` (redacted as written, not as it
    shows; not made terminal-safe), 15 kB of it, where the summary shows ``***``."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    add_to_app(root, SPLIT)
    _, env = dry_run_step(root, tmp_path)
    code, log = run_step(root, {**env, "OPENAI_API_KEY": SECRET}, "action")
    [annotated] = [c for c in issued(log) if c.startswith("::error file=.honeyhive/experiment.yml,")]
    assert "the service refused key ***" in annotated, annotated
    for piece in (SECRET[:10], SECRET[10:21], SECRET[21:], "\x1b"):
        assert piece not in log, log
    assert len(annotated) < 4_200, len(annotated)
    assert code == 2, log


GOODBYE = """
import atexit as _atexit
import os as _os
import sys as _sys
import threading as _threading


def _goodbye():
    _sys.stdout.write("::error::forged-goodbye ")
    _sys.stdout.write(f"the runner's token: {_runner_token()}")  # no line feed
    _sys.stdout.flush()


_atexit.register(_goodbye)
"""
LEFT_RUNNING = {  # what the user's module leaves running, and how the warning names it
    "your code left thread(s) 'user-flusher'": """
_threading.Thread(target=_threading.Event().wait, name="user-flusher").start()  # no daemon: it never ends
""",
    "your code left child process(es) 'user-child' (pid ": """
import multiprocessing as _multiprocessing
import time as _time

_child = _multiprocessing.get_context("fork").Process(target=_time.sleep, args=(3600,), name="user-child")
_child.start()  # no daemon: multiprocessing's exit function joins it
with open("child.pid", "w") as _pid:
    _pid.write(str(_child.pid))
""",
    "your code's exit function threading.Thread.join (atexit) ": """
_flusher = _threading.Thread(target=_threading.Event().wait, name="user-flusher", daemon=True)
_flusher.start()
_atexit.unregister(_goodbye)  # registered again below: it runs first
_atexit.register(_flusher.join)  # a library's flush at exit: waits for its worker, which never ends
_atexit.register(_goodbye)
""",
}


@pytest.mark.parametrize("left", LEFT_RUNNING)
def test_what_is_left_running_ends_the_step_with_the_verdicts_code_after_the_exit_functions(
    tmp_path: Path, left: str
) -> None:
    """A thread or child process the user's module left running, or an exit function of its that never returns, held
    the step until the job's timeout (cancelled, its comment saying pass): the process ends without it after a
    warning, with the verdict's exit code, and what the exit functions do still happens as at a normal exit: the
    user's run, and what they print reaches the log, whole and redacted (the fence's drain, not held up by the child's
    copy of its pipes, nor by the hung exit function)."""
    root = failing_quickstart(tmp_path / "repo")
    add_to_app(root, RUNNER_TOKEN + GOODBYE + LEFT_RUNNING[left])
    step = Step(tmp_path / "step", push())
    env = {
        **step.env(root, {"dry-run": "true", "comment-mode": "off"}),
        "HOME": str(tmp_path),
        "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN,
        "HONEYHIVE_EXIT_WAIT": "1",  # what is left never ends, whatever the wait; the exit functions take milliseconds
    }
    try:
        code, log = run_step(root, env, "action")
    finally:
        _kill_left(root / "child.pid")
    warned = [c for c in issued(log) if c.startswith(f"::warning::{left}")]
    assert warned, log
    assert all(" 1 s" in c for c in warned), warned  # past the wait the step set
    assert "forged-goodbye the runner's token: ***" in log, log  # the user's exit function ran, its line passed on
    assert RUNTIME_TOKEN not in log, log
    assert forged(log) == [], log
    assert step.outputs()["verdict"] == "fail", log
    assert code == 1, log


def _kill_left(pid_file: Path) -> None:
    """A safety net: the child process whose id is in ``pid_file`` (if any) is not left running, whatever failed."""
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text(encoding="utf-8")), signal.SIGKILL)


LINGERING = """
def _linger():
    _threading.main_thread().join()  # the command is done: Python waits for the threads
    print("lingering after the command", flush=True)
    _threading.Event().wait()


_threading.Thread(target=_linger, name="user-lingerer").start()
"""


def test_a_signal_while_the_process_waits_for_what_was_left_running_still_runs_the_exit_functions(
    tmp_path: Path,
) -> None:
    """SIGTERM (a cancelled job) while the process waits for a thread the user's code left running ended it at once,
    past the exit functions: the fence's drain, what the user's printed. It now ends the wait: they run, then the
    process ends with the verdict's code (it was 143: a check redder than the report, or not, as timing went)."""
    root = failing_quickstart(tmp_path / "repo")
    add_to_app(root, RUNNER_TOKEN + GOODBYE + LINGERING)
    step = Step(tmp_path / "step", push())
    env = {
        **step.env(root, {"dry-run": "true", "comment-mode": "off"}),
        "HOME": str(tmp_path),
        "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN,
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }
    step_process = subprocess.Popen(
        [sys.executable, "-m", "honeyhive_experiment", "action"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert step_process.stdout is not None
    safety_net = threading.Timer(180, step_process.kill)  # never left hanging, whatever happens
    safety_net.start()
    try:
        lines = []
        for line in step_process.stdout:  # up to the thread's line: the command is done, Python waits for it
            lines.append(line)
            if line == "lingering after the command\n":
                step_process.send_signal(signal.SIGTERM)
                break
        log = "".join(lines) + step_process.stdout.read()
        code = step_process.wait()
    finally:
        safety_net.cancel()
    assert "lingering after the command\n" in lines, log
    assert "forged-goodbye the runner's token: ***" in log, log  # the exit functions ran, the fence's drain too
    assert RUNTIME_TOKEN not in log, log
    assert forged(log) == [], log
    assert step.outputs()["verdict"] == "fail", log
    assert code == 1, log  # the verdict's: the report was delivered before the signal


FORKED = """
import logging as _logging
import multiprocessing as _multiprocessing

_answer = answer


def _in_a_child(question):
    _logging.getLogger("user.child").warning("from-child-warning %s", question)
    _logging.getLogger("user.child").info("from-child-info %s", question)
    print("from-child-print", question, flush=True)


def answer(datapoint):
    question = datapoint["inputs"]["question"][:12]
    child = _multiprocessing.get_context("fork").Process(target=_in_a_child, args=(question,))
    child.start()
    child.join()
    _logging.getLogger("user.parent").warning("from-parent-warning %s", question)
    _logging.getLogger("user.parent").error("two lines\\n::add-mask::forged-logged")
    return _answer(datapoint)
"""


def test_what_the_users_code_logs_reaches_the_log_as_text_from_a_forked_child_too(tmp_path: Path) -> None:
    """The user's code logs, also from a child it forks: each record is a line of the log, ``level: message`` as
    outside Actions, in its place, annotating nothing (GitHub shows 10 warnings and 10 errors a step: a library
    logging per datapoint hid the verdict's) and issuing no command. A forked child's records were lost: its lines
    of ours were marked in its copy of the fence's queue, and the parent's pump dropped them."""
    root = failing_quickstart(tmp_path / "repo")
    config = root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("max_workers: 8", "max_workers: 1"), encoding="utf-8")
    add_to_app(root, FORKED)
    _step, env = dry_run_step(root, tmp_path)
    code, log = run_step(root, env, "action")
    lines = log.splitlines()
    for question in ("How do I res", "I forgot my "):
        said = [
            f"warning: from-child-warning {question}",
            f"info: from-child-info {question}",
            f"from-child-print {question}",
            f"warning: from-parent-warning {question}",
        ]
        assert [line for line in lines if line in said] == said, log  # each once, in the order written
    assert "\u200b::add-mask::forged-logged" in lines, log  # a line of a record's: text
    assert [c for c in issued(log) if "from-" in c or "forged" in c] == [], log
    assert [c for c in issued(log) if c.startswith("::error::verdict fail")], log  # the program's commands stand
    assert code == 1, log


FORK_ISSUING = """
import multiprocessing

from honeyhive_experiment import gha
from honeyhive_experiment.report.redact import Redactor

down = gha.fence(Redactor(()))
gha.issue("::notice::ours-before")
child = multiprocessing.get_context("fork").Process(target=gha.issue, args=("::warning::from-the-child",))
child.start()
child.join()
gha.issue("::notice::ours-after")
down()
"""


def test_a_line_a_forked_child_issues_through_the_fence_is_text_in_its_place() -> None:
    """The fence's queue of our lines is the process's own: a forked child's copy of it is not what the pump reads.
    What the child issues (a log record of ours: an inherited handler) is passed on as the user's lines are, neither
    lost nor taking the parent's next line's place."""
    code, log = run_script(FORK_ISSUING)
    assert code == 0, log
    assert log.splitlines() == ["::notice::ours-before", "\u200b::warning::from-the-child", "::notice::ours-after"]


FORK_HOLDING = """
import fcntl
import os
import stat

from honeyhive_experiment import gha
from honeyhive_experiment.report.redact import Redactor

down = gha.fence(Redactor(()))
pid = os.fork()
if pid == 0:  # the child: its descriptors but 1 and 2 that write into the fence's pipes
    pipes = {os.fstat(fd).st_ino for fd in (1, 2)}
    writers = []
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        try:
            found, flags = os.fstat(fd), fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError:
            continue
        if fd > 2 and stat.S_ISFIFO(found.st_mode) and found.st_ino in pipes and flags & os.O_ACCMODE == os.O_WRONLY:
            writers.append(fd)
    print("the child's other writers:", writers, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
down()
"""


def test_a_forked_child_holds_no_end_of_the_fences_pipes_but_its_1_and_2() -> None:
    """Each pump kept its pipe's own write end, and a child the user's code forks (without exec) inherited both: one
    that points its 1 and 2 elsewhere and outlives the process held the pipes open, and the fence's ``down()`` waited
    out its drain limit at exit."""
    code, log = run_script(FORK_HOLDING)
    assert code == 0, log
    assert log.splitlines() == ["the child's other writers: []"], log


QUIETING = """import os as _os

_quiet = []  # descriptor 1 as it was, while it points at /dev/null


def llm_calls(outputs, inputs, ground_truth=None):  # the built-in metric's name: the program warns, once
    if not _quiet:  # the first datapoint's: quiet a C library's chatter, as suppress_stdout helpers do
        _quiet.append(_os.dup(1))
        _os.dup2(_os.open(_os.devnull, _os.O_WRONLY), 1)
    return 0
"""
UNQUIETING = """
from support_bot import evaluators as _evaluators

_answer = answer


def answer(datapoint):
    if _evaluators._quiet and _evaluators._quiet[0] is not None:  # the next datapoint's: descriptor 1 back
        _os.dup2(_evaluators._quiet[0], 1)
        _os.close(_evaluators._quiet[0])  # as such helpers do
        _evaluators._quiet[0] = None
    return _answer(datapoint)
"""


def test_a_line_of_ours_issued_while_the_users_code_points_descriptor_1_elsewhere_is_in_its_place(
    tmp_path: Path,
) -> None:
    """The user's code points descriptor 1 at ``/dev/null`` for a while (to quiet a C library) and the program warns
    meanwhile (datapoints one at a time: the first one's evaluator quiets it, the program warns, the second one's
    function restores it): the warning's mark went to ``/dev/null``, each later line of ours took the place of the
    one before it (the warning came where the verdict's ``::error::`` should be) and the last one was lost."""
    root = failing_quickstart(tmp_path / "repo")
    config = add_evaluator(root, "llm_calls", QUIETING)
    text = config.read_text(encoding="utf-8").replace("max_workers: 8", "max_workers: 1")
    config.write_text(text + "instrument: [openai]\n", encoding="utf-8")  # llm_calls is a built-in metric then
    add_to_app(root, "\nimport os as _os\n" + UNQUIETING)
    _step, env = dry_run_step(root, tmp_path)
    code, log = run_step(root, env, "action")
    commands = issued(log)
    warned = "::warning::an evaluator's metric replaces the built-in llm_calls (the evaluator's is kept)"
    assert commands.count(warned) == 1, log
    assert log.index(warned) < log.index("## "), log  # in its place: before the report, not at the end
    assert [c for c in commands if c.startswith("::error::verdict fail")], log
    assert [c for c in commands if c.startswith("::warning::A dry run without api-key")], log  # the last: not lost
    assert code == 1, log


ASIDE = """
import os
import sys

from honeyhive_experiment import gha
from honeyhive_experiment.report.redact import Redactor

down = gha.fence(Redactor(()))
gha.issue("::notice::ours-before")
saved, aside = os.dup(1), os.open(sys.argv[1], os.O_WRONLY)
os.dup2(aside, 1)
print("theirs-aside", flush=True)
gha.issue("::warning::ours-while-aside")
os.dup2(saved, 1)  # saved is left open, holding the pipe: the fence's down() waits for it no more
gha.issue("::notice::ours-after")
down()
"""


def test_descriptor_1_pointed_at_a_file_of_the_users_takes_no_mark_of_ours(tmp_path: Path) -> None:
    """Where the user's code points descriptor 1 gets what is written to it but none of the fence's marks: one there
    is a line of ours lost (and the mark, read back and printed, would claim it), the lines after it shifted."""
    aside = tmp_path / "aside.txt"
    aside.touch()
    code, log = run_script(ASIDE, str(aside))
    assert code == 0, log
    assert log.splitlines() == ["::notice::ours-before", "::warning::ours-while-aside", "::notice::ours-after"], log
    assert aside.read_text(encoding="utf-8") == "theirs-aside\n"


LEFT_OPEN = """
import os
import subprocess
import sys
import threading

from honeyhive_experiment import gha
from honeyhive_experiment.report.redact import Redactor

down = gha.fence(Redactor(()))
gha.issue("::notice::ours")
saved = os.dup(1)  # a library's copy of descriptor 1, never closed
subprocess.Popen(["cat"], stdin=subprocess.PIPE)  # a child holding 1 and 2 until this process ends (its stdin's)
os.write(saved, b"::error::theirs-through-the-copy\\n##[error]theirs-unfinished")
down()
with open(sys.argv[1], "w", encoding="utf-8") as left:  # standard output goes nowhere now
    left.write(repr([thread.name for thread in threading.enumerate() if thread.name.startswith("fence-")]))
"""


def test_a_copy_of_descriptor_1_the_users_code_keeps_holds_up_no_exit(tmp_path: Path) -> None:
    """The user's code keeps a copy of descriptor 1 open (a library's ``os.dup(1)``, a child left running): the fence's
    ``down()`` waited for it to close, which it never did, so every such job waited out the drain limit (5 s), and the
    unfinished last line written through it was lost. It reads up to its own end mark and stops: what was written is
    passed on, neutralised, and its threads are done when it returns (they were still waiting)."""
    left = tmp_path / "left.txt"
    code, log = run_script(LEFT_OPEN, str(left))
    assert code == 0, log
    assert log.splitlines() == [
        "::notice::ours",
        "\u200b::error::theirs-through-the-copy",
        "##\u200b[error]theirs-unfinished",
    ]
    assert left.read_text(encoding="utf-8") == "[]"


def run_script(source: str, *args: str) -> tuple[int, str]:
    """``python -c source args`` (with this process's ``PYTHONPATH``), a script that puts up the fence first: its exit
    code, and its standard output and error as one log."""
    path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    done = subprocess.run(
        [sys.executable, "-c", source, *args],
        env={"PATH": os.environ.get("PATH", ""), **path},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout.decode("utf-8", errors="replace")


LONG_LINE = """
import os as _os

_os.write(1, ("A" * 131_030 + " password=hunter2hunter2xyz " + "B" * 70_000 + "\\n").encode())
"""


def test_a_secret_in_a_line_longer_than_a_pipes_read_is_redacted_whole(tmp_path: Path) -> None:
    """A line longer than what is held waiting for its end (64 KiB) is passed on in pieces: a cut between a secret
    and what names it (``password=``) showed the secret, judged alone on the next line."""
    root = copy_quickstart(tmp_path / "repo", questions=1)
    add_to_app(root, LONG_LINE)
    _step, env = dry_run_step(root, tmp_path)
    code, log = run_step(root, env, "action")
    assert "password=***" in log, log[:2000]
    assert "hunter2" not in log, [line[:80] for line in log.splitlines() if "hunter2" in line]
    assert "A" * 131_030 + " password=*** " + "B" * 70_000 in log.replace("\n", ""), "cut"  # all there
    assert code == 0, log[-2000:]


@pytest.mark.parametrize("closed", [1, 2])
def test_a_closed_standard_descriptor_is_said_and_nothing_runs(tmp_path: Path, closed: int) -> None:
    """Started with descriptor 1 or 2 closed (``>&-``), Python's stream is ``None``: the action ended in a
    traceback putting up the fence. It says which is closed, on the other one, and exits 2."""
    root = copy_quickstart(tmp_path / "repo", questions=1)
    step, env = dry_run_step(root, tmp_path)
    path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    done = subprocess.run(
        ["bash", "-c", f'exec "$0" -m honeyhive_experiment action {closed}>&-', sys.executable],
        cwd=root,
        env={**env, **path},
        capture_output=True,
        timeout=60,
        check=False,
    )
    said = (done.stderr if closed == 1 else done.stdout).decode("utf-8", errors="replace")
    name = "standard output" if closed == 1 else "standard error"
    assert said == f"error: {name} is closed: send it to a file or to /dev/null (`>/dev/null`, not `>&-`)\n", said
    assert done.returncode == 2
    assert step.outputs() == {}

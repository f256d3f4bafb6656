"""The user's code's ``os._exit`` while the command runs, through the real command line.

``os._exit(0)`` at import or in a datapoint ended the process on the spot with 0: no report, no verdict, the run left
``running``, and a check that read as a pass (audit60 F2). In the command's own process it now ends with 2 (an error),
saying where; a child the user's code forks (a multiprocessing worker, which ends by ``os._exit``) keeps its status.
The same ``os._exit(0)`` once the report is delivered: test_cli_run's ``HARD_EXITS``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

HARD_EXITS = {  # appended to the quickstart's app: where the user's code calls os._exit(0) while the command runs
    "at import": ("<module>", "\nimport os as _os\n\n_os._exit(0)\n"),
    "in a datapoint": ("answer", "\nimport os as _os\n\n\ndef answer(datapoint):\n    _os._exit(0)\n"),
}

# appended to the quickstart's app: the datapoint's forked children end by os._exit(0), as a pool's workers do
FORKED_EXITS = """

import concurrent.futures as _futures
import multiprocessing as _multiprocessing
import os as _os
from pathlib import Path as _Path

_answer = answer


def _hard_exit():
    _os._exit(0)


def answer(datapoint):
    process = _multiprocessing.get_context("fork").Process(target=_hard_exit)
    process.start()
    process.join()
    pid = _os.fork()
    if pid == 0:
        _os._exit(0)
    forked = _os.waitstatus_to_exitcode(_os.waitpid(pid, 0)[1])
    with _futures.ProcessPoolExecutor(1, mp_context=_multiprocessing.get_context("fork")) as pool:
        pooled = pool.submit(abs, -3).result()
    _Path({seen!r}).write_text(f"{{process.exitcode}} {{forked}} {{pooled}}", encoding="utf-8")
    return _answer(datapoint)
"""


# appended to the quickstart's app: two datapoints call os._exit(0) at once
AT_ONCE = """

import os as _os
import threading as _threading

_both = _threading.Barrier(2)


def answer(datapoint):
    print("in a datapoint", flush=True)
    _both.wait(60)
    _os._exit(0)
"""


def _run(repo: Path, tail: str, *, action: bool = False, fail_on_error: str = "") -> subprocess.CompletedProcess[str]:
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + tail, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--no-html", "--report", "r.json"]
    if action:  # inside GitHub Actions: the process's output is fenced, passed on by threads until the process ends
        event = repo.parent / "event.json"
        event.write_text("{}", encoding="utf-8")
        env.update(GITHUB_ACTIONS="true", GITHUB_EVENT_PATH=str(event), GITHUB_WORKSPACE=str(repo))
        env["HONEYHIVE_EXPERIMENT_DRY_RUN"] = "true"
        if fail_on_error:  # the action's input, as action.yml passes it
            env["HONEYHIVE_EXPERIMENT_FAIL_ON_ERROR"] = fail_on_error
        command = [sys.executable, "-m", "honeyhive_experiment", "action"]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.parametrize(("where", "tail"), list(HARD_EXITS.values()), ids=list(HARD_EXITS))
@pytest.mark.parametrize(("fail_on_error", "code", "level"), [("true", 2, "error"), ("false", 0, "warning")])
def test_inside_actions_it_is_said_and_ends_as_an_error_verdict_does(
    tmp_path: Path, where: str, tail: str, fail_on_error: str, code: int, level: str
) -> None:
    """As an error verdict: an error annotation and exit 2, or with ``fail-on-error: false`` a warning and exit 0.
    Failed on the old code with false: exit 2, and the line was no annotation."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)

    done = _run(repo, tail, action=True, fail_on_error=fail_on_error)

    assert done.returncode == code, done.stdout + done.stderr
    app = repo / "support_bot" / "app.py"
    said = f"::{level}::your code called os._exit(0) in {where} ({app}, line "
    assert said in done.stdout, done.stdout + done.stderr
    assert "before the command was done: no verdict, no report; " in done.stdout
    assert not (repo / ".honeyhive" / "report.json").exists()


@pytest.mark.parametrize(("where", "tail"), list(HARD_EXITS.values()), ids=list(HARD_EXITS))
def test_the_users_os_exit_0_before_the_verdict_is_an_error(tmp_path: Path, where: str, tail: str) -> None:
    """Failed on the old code: exit code 0, nothing said."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)

    done = _run(repo, tail)

    assert done.returncode == 2, done.stderr
    app = repo / "support_bot" / "app.py"
    assert f"error: your code called os._exit(0) in {where} ({app}, line " in done.stderr, done.stderr
    assert "no verdict, no report" in done.stderr
    assert not (repo / "r.json").exists()
    assert "Traceback" not in done.stderr


def test_a_forked_childs_os_exit_0_keeps_its_status_and_leaves_the_run_alone(tmp_path: Path) -> None:
    """A child forked by the user's code (a multiprocessing Process, ``os.fork``, a process pool's worker) inherits the
    command's ``os._exit``: its ``os._exit(0)`` is its own, read by its parent, and still 0."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    seen = tmp_path / "seen.txt"

    done = _run(repo, FORKED_EXITS.format(seen=str(seen)))

    assert seen.read_text(encoding="utf-8") == "0 0 3", done.stderr
    assert done.returncode == 0, done.stderr  # a first run: neutral
    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"
    assert "os._exit" not in done.stderr


def test_two_datapoints_os_exit_0_at_once_inside_actions_still_say_it(tmp_path: Path) -> None:
    """The second ``os._exit`` ended the process while the first passed the fenced output on: what the datapoints
    printed and the error's line were lost (3 runs in 6 on the change without the wait for the first)."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)

    done = _run(repo, AT_ONCE, action=True)

    assert done.returncode == 2, done.stdout + done.stderr
    assert "::error::your code called os._exit(0) in answer (" in done.stdout, done.stdout + done.stderr
    assert done.stdout.count("in a datapoint\n") == 2, done.stdout


# appended to the quickstart's app: its own SIGTERM handler exits 0 (set at import, over the command's), and a
# datapoint's SIGTERM (a job cancelled, here sent by the datapoint itself) reaches it in the command's main thread
SIGTERM_EXITS_0 = """

import os as _os
import signal as _signal
import sys as _sys

_signal.signal(_signal.SIGTERM, lambda *_: _sys.exit(0))


def answer(datapoint):
    _os.kill(_os.getpid(), _signal.SIGTERM)
    return {"answer": "x"}
"""


def test_a_sys_exit_0_from_the_users_signal_handler_before_the_verdict_is_an_error(tmp_path: Path) -> None:
    """audit68 F7: the SystemExit(0) its handler raised in the main thread, outside any call of the user's code, ended
    the process with 0: no report, nothing said. Now as the user's ``os._exit(0)``: an error, exit 2, said."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)

    done = _run(repo, SIGTERM_EXITS_0)

    assert done.returncode == 2, done.stderr
    assert "error: your code's SystemExit(0) (a signal handler of its own?) ended the run before" in done.stderr
    assert "no verdict, no report" in done.stderr
    assert "Traceback" not in done.stderr

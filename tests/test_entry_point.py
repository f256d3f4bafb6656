"""``python -m honeyhive_experiment`` run from a repository's root, as both actions and the README run it.

``python -m`` puts the current directory first on the import path: a repository with a ``token.py`` or an
``email/`` package at its root had them imported as the standard library's by the tool itself (a traceback from
``tokenize``, exit 1, no report).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.e2e

SHADOWING = ("token.py", "queue.py", "secrets.py", "uuid.py", "random.py", "email/__init__.py", "http/__init__.py")


def test_a_repository_with_modules_named_like_the_standard_librarys_runs(tmp_path: Path) -> None:
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    for name in SHADOWING:
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text("raise SystemExit('the repository file was imported as a module of the tool')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}

    for command in (["validate"], ["run", "--dry-run", "--no-html"]):
        done = subprocess.run(
            [sys.executable, "-m", "honeyhive_experiment", *command],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr


LEFT_RUNNING = {
    "a thread started at import": """
import threading as _threading

_threading.Thread(target=_threading.Event().wait, name="user-flusher").start()  # no daemon: it never ends
""",
    "a pool's hung task": """
import concurrent.futures as _futures
import threading as _threading

_POOL = _futures.ThreadPoolExecutor(2, thread_name_prefix="user-pool")
_answer = answer


def answer(datapoint):
    try:  # the upstream call hangs: given up on, its task still holds the pool's worker
        _POOL.submit(_threading.Event().wait).result(timeout=0.1)
    except _futures.TimeoutError:
        pass
    return _answer(datapoint)
""",
}


@pytest.mark.parametrize("left", LEFT_RUNNING)
def test_a_thread_the_users_code_leaves_running_does_not_keep_the_process_alive(tmp_path: Path, left: str) -> None:
    """Python waits at exit for every thread that is no daemon, and for a pool's workers whatever their flag: one
    the user's module left running held the process after its report for ever (in Actions, the job until its 6 h
    timeout, cancelled, while the comment said pass). It gets a few seconds, then is named and not waited for."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + LEFT_RUNNING[left], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = ["run", "--dry-run", "--no-html", "--report", "r.json"]
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", *command],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,  # a safety net: the process used never to end
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr  # the verdict's
    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"  # a first run
    warned = [line for line in done.stderr.splitlines() if line.startswith("WARNING: your code left thread(s) ")]
    assert len(warned) == 1, done.stderr
    names = ["'user-flusher'"] if left.endswith("import") else ["'user-pool_0'", "'user-pool_1'"]  # 2 hung tasks
    assert all(name in warned[0] for name in names), warned
    assert "the process ends without waiting for them" in warned[0]
    assert "Traceback" not in done.stderr

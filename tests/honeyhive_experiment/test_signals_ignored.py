"""A command started with SIGINT ignored keeps it ignored, in every phase, through the real command line.

A background job of a shell script (``cmd &``) starts with SIGINT ignored, and POSIX has such a program keep it so, as
Python does (it leaves an inherited ignored SIGINT alone). The command's handlers replaced it while they were in: a
SIGINT cancelled the run at import or while datapoints ran, and was dropped before and after (audit60 F8). No clock is
read: the user's code says where it is on standard output, then waits on standard input for the test to go on.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

# appended to the quickstart's app: at import, then in its datapoint, it says so and waits for the test's go
WAITING = """

import sys as _sys

_answer = answer


def _wait(where):
    print(where, flush=True)
    _sys.stdin.readline()


_wait("importing")


def answer(datapoint):
    _wait("answering")
    return _answer(datapoint)
"""

# starts the command (its arguments) with SIGINT ignored, as a shell starts a background job: Python keeps it so
IGNORING = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"


def _until(stdout: IO[str], line: str) -> bool:
    """Read ``stdout`` up to ``line``; ``False`` at its end."""
    return any(seen.rstrip("\n") == line for seen in stdout)


def test_a_sigint_the_command_was_started_ignoring_is_ignored_at_import_and_while_datapoints_run(
    tmp_path: Path,
) -> None:
    """Failed on the old code: the SIGINT at import cancelled the run ("received signal 2 while preparing the run")."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + WAITING, encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("\ntimeout: 10\n", "\ntimeout: 300\n"), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-c", IGNORING, sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run"]
    err = tmp_path / "stderr"
    with err.open("w", encoding="utf-8") as stderr:
        done = subprocess.Popen(
            [*command, "--no-html", "--report", "r.json"],
            cwd=repo,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert done.stdin is not None
    assert done.stdout is not None
    reached = []
    try:
        for phase in ("importing", "answering"):
            reached.append(_until(done.stdout, phase))
            if not reached[-1]:
                break
            done.send_signal(signal.SIGINT)
            with contextlib.suppress(BrokenPipeError):  # the old code's SIGINT ended the command
                done.stdin.write("go\n")
                done.stdin.flush()
        done.stdout.read()
        done.wait(180)
    finally:
        if done.poll() is None:
            done.kill()
            done.wait()

    said = err.read_text(encoding="utf-8")
    assert reached == [True, True], said
    assert "received signal" not in said, said
    assert done.returncode == 0, said  # a first run: neutral
    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"

"""``python -m honeyhive_experiment`` run from a repository's root, as both actions and the README run it.

``python -m`` puts the current directory first on the import path: a repository with a ``token.py`` or an
``email/`` package at its root had them imported as the standard library's by the tool itself (a traceback from
``tokenize``, exit 1, no report).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
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


EXIT_WAIT = "1"
"""``HONEYHIVE_EXIT_WAIT`` for these processes: what never ends is given up on whatever the wait (it is never raced
against), and what must end within it (the user's quick exit functions, ours) takes milliseconds."""


def _run_with(repo: Path, app_tail: str) -> subprocess.CompletedProcess[str]:
    """``run --dry-run --report r.json`` as a process of its own, with ``app_tail`` appended to the quickstart's app
    (no HoneyHive or Actions variables from this environment; the exit's wait :data:`EXIT_WAIT`). The timeout is a
    safety net: these used never to end."""
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + app_tail, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    env["HONEYHIVE_EXIT_WAIT"] = EXIT_WAIT
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--no-html", "--report", "r.json"]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)


def test_threads_the_users_code_leaves_running_do_not_keep_the_process_alive(tmp_path: Path) -> None:
    """Python waits at exit for every thread that is no daemon, and for a pool's workers whatever their flag: one
    the user's module left running held the process after its report for ever (in Actions, the job until its 6 h
    timeout, cancelled, while the comment said pass). They get a few seconds (``HONEYHIVE_EXIT_WAIT``'s: one wait for
    all of them, not one each), then are named and not waited for. Both kinds in one process: each must be named."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    done = _run_with(repo, "".join(LEFT_RUNNING.values()))
    assert done.returncode == 0, done.stdout + done.stderr  # the verdict's
    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"  # a first run
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: your code left thread(s) ")]
    assert len(warned) == 1, done.stderr
    names = {  # per kind left running, how the warning names it
        "a thread started at import": ["'user-flusher'"],
        "a pool's hung task": ["'user-pool_0'", "'user-pool_1'"],  # 2 hung tasks
    }
    assert names.keys() == LEFT_RUNNING.keys()
    for left, named in names.items():
        assert all(name in warned[0] for name in named), f"{left}: {warned}"
    assert f"the process ends without waiting for them past {EXIT_WAIT} s" in warned[0]
    assert "Traceback" not in done.stderr


CHILDREN_LEFT_RUNNING = """
import multiprocessing as _mp
import threading as _threading
import time as _time

_started = []
_starting = _threading.Lock()
_answer_without_children = answer


def answer(datapoint):
    with _starting:
        if not _started:  # the first datapoint starts a worker process per start method and forgets them (no daemon)
            for method in ("fork", "spawn"):
                child = _mp.get_context(method).Process(target=_time.sleep, args=(3600,), name=f"user-child-{method}")
                child.start()
                _started.append(child)
                with open(f"child-{method}.pid", "w") as pid:
                    pid.write(str(child.pid))
    return _answer_without_children(datapoint)
"""
METHODS = ("fork", "spawn")


def _still_there(pid: int) -> bool:
    """Whether process ``pid`` exists, running or a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_child_processes_the_users_code_leaves_running_are_ended_with_the_process(tmp_path: Path) -> None:
    """multiprocessing's exit function waits for every child that is no daemon, after the wait for threads: one the
    user's code left running held the process after its report for ever, with no word. They get the same few seconds
    from the end of the command, then are named, terminated and the process ends with the verdict's code. A child of
    each start method (fork, spawn) in one process (one wait of the few seconds): each must be named and ended."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    try:
        done = _run_with(repo, CHILDREN_LEFT_RUNNING)
        children = {method: int((repo / f"child-{method}.pid").read_text(encoding="utf-8")) for method in METHODS}
        assert done.returncode == 0, done.stdout + done.stderr  # the verdict's
        assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"  # a first run
        warned = [line for line in done.stderr.splitlines() if line.startswith("warning: your code left ")]
        assert len(warned) == 1, done.stderr
        assert "child process(es) 'user-child-" in warned[0], warned
        for method, child in children.items():
            assert f"'user-child-{method}' (pid {child})" in warned[0], f"{method}: {warned}"
        assert f"past {EXIT_WAIT} s, terminating the processes" in warned[0], warned
        assert "Traceback" not in done.stderr, done.stderr
        left = [f"{method} (pid {child})" for method, child in children.items() if _still_there(child)]
        assert left == [], "ended, and reaped: not even a zombie is left"
    finally:
        for method in METHODS:  # never left behind, whatever failed above
            if (repo / f"child-{method}.pid").exists():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int((repo / f"child-{method}.pid").read_text(encoding="utf-8")), signal.SIGKILL)


TELEMETRY = """
import atexit as _atexit
import signal as _signal
import threading as _threading

_stop = _threading.Event()
_worker = _threading.Thread(target=_stop.wait, name="user-telemetry")  # no daemon: ends once its exit function runs
_worker.start()


def _flush():  # a telemetry library's exit function: stops its worker, joins it, gives the signal back
    _stop.set()
    _worker.join()
    print("flushed on", _threading.current_thread().name, flush=True)
    _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)  # only on the main thread
    print("signal reset ok", flush=True)


_atexit.register(_flush)
"""


def test_the_exit_functions_a_thread_held_up_run_on_the_main_thread(tmp_path: Path) -> None:
    """A worker that only ends when its exit function stops it holds Python's exit (which waits for threads before it
    runs the exit functions) past the wait: the exit functions ran on a thread of ours, where resetting a signal's
    handler raised ValueError (a traceback, the library's clean-up cut short). They run on the main thread."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    done = _run_with(repo, TELEMETRY)
    assert done.returncode == 0, done.stdout + done.stderr  # the verdict's
    assert done.stdout.endswith("flushed on MainThread\nsignal reset ok\n"), done.stdout + done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: your code")]
    assert len(warned) == 1, done.stderr
    assert "thread(s) 'user-telemetry'" in warned[0], warned
    assert f"past {EXIT_WAIT} s" in warned[0], warned
    assert "Traceback" not in done.stderr, done.stderr


def test_the_exit_functions_run_off_the_main_thread_only_with_a_warning(tmp_path: Path) -> None:
    """The main thread is asked with SIGUSR2: where that is the user's code's, the exit functions a thread held up
    run on a thread of ours, once, and a warning says so, naming the thread (its signal reset is refused there)."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    done = _run_with(repo, TELEMETRY + "_signal.signal(_signal.SIGUSR2, print)\n")
    assert done.returncode == 0, done.stdout + done.stderr  # the verdict's
    assert done.stdout.endswith("flushed on honeyhive-exit-functions\n"), done.stdout + done.stderr
    assert done.stdout.count("flushed on") == 1, done.stdout
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: your code")]
    assert len(warned) == 2, done.stderr
    assert f"past {EXIT_WAIT} s" in warned[0], warned
    assert warned[1].startswith(
        "warning: your code's exit functions (atexit) run off the main thread: thread(s)"
        " 'user-telemetry' still held the exit"
    ), warned
    assert "ValueError: signal only works in main thread" in done.stderr, done.stderr


EXIT_FUNCTION_HOLDING = {  # what the user's module leaves holding the exit, what the warnings name, _goodbye's runs
    "an exit function joining a worker that never ends": (
        """
import atexit as _atexit
import threading as _threading

_flusher = _threading.Thread(target=_threading.Event().wait, name="user-flusher", daemon=True)
_flusher.start()
_atexit.register(_flusher.join)  # a library's flush at exit: waits for its worker, which never ends
""",
        ["exit function threading.Thread.join "],
        0,
    ),
    "a thread, then an exit function that waits for a second run of itself": (
        """
import atexit as _atexit
import threading as _threading

_runs = []
_second = _threading.Event()
_lingering = _threading.Event()


def _goodbye():
    _runs.append(_threading.current_thread().name)
    with open("goodbye.txt", "a") as goodbye:
        print(_runs[-1], file=goodbye)
    if len(_runs) > 1:  # a second run while the first one runs
        _second.set()
        return
    _lingering.set()  # the thread ends: Python's own wait for threads is over
    _second.wait()  # until a second run starts: there must be none


_atexit.register(_goodbye)
_threading.Thread(target=_lingering.wait, name="user-lingerer").start()  # no daemon: ends once the exit functions run
""",
        ["thread(s) 'user-lingerer'", "exit function support_bot.app._goodbye "],
        1,
    ),
}


@pytest.mark.parametrize("holding", EXIT_FUNCTION_HOLDING)
def test_an_exit_function_that_never_returns_is_given_up_on_and_none_runs_twice(tmp_path: Path, holding: str) -> None:
    """An exit function of the user's code that waits for ever (a library's flush joining its worker) held the process
    after its report for ever, with no word: it is part of the few seconds the process waits, then is named and given
    up on, and the process ends with the verdict's code. When a thread held the process past them, the exit functions
    ran twice at once, the second run (Python's own, once the thread ended) cut off: they run once."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    tail, named, runs = EXIT_FUNCTION_HOLDING[holding]
    done = _run_with(repo, tail)
    assert done.returncode == 0, done.stdout + done.stderr  # the verdict's
    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"  # a first run
    goodbye = repo / "goodbye.txt"  # the threads _goodbye ran on, one a line
    assert len(ran := goodbye.read_text(encoding="utf-8").splitlines() if goodbye.exists() else []) == runs, ran
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: your code")]
    assert len(warned) == len(named), done.stderr
    assert all(name in line for name, line in zip(named, warned, strict=True)), warned
    assert all(f" {EXIT_WAIT} s" in line for line in warned), warned  # each wait HONEYHIVE_EXIT_WAIT's
    assert "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0", "0"),
        ("2.5", "2.5"),
        ("soon", "soon"),
        ("3601", "3601"),
        # quoted by whole words: a token cut at 40 characters would be part of a secret no pattern redacts
        ("ghp_" + "a1B2" * 12, "…"),
        ("wait 10 then ghp_" + "a1B2" * 12, "wait 10 then…"),
    ],
)
def test_an_exit_wait_that_is_no_whole_number_of_seconds_is_named_and_the_default_kept(
    tmp_path: Path, value: str, shown: str
) -> None:
    """``HONEYHIVE_EXIT_WAIT`` is a whole number of seconds from 1 to 3600 (0 would give up on exit functions before
    Python's exit began them); another value is named with the variable, the command's result unchanged."""
    path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", "schema"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), **path, "HONEYHIVE_EXIT_WAIT": value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"], done.stdout  # the schema, printed
    assert done.stderr == (
        f"environment HONEYHIVE_EXIT_WAIT: expected a whole number of seconds from 1 to 3600, got {shown!r};"
        " waiting 5 s for what your code left running\n"
    ), done.stderr

"""The command's SIGTERM/SIGINT reach its main thread, whatever its other threads are doing.

The kernel hands a process's signal to any thread that does not block it, and only a signal taken by the main
thread interrupts the system call it waits in (Python runs handlers there only): one taken by a pool worker or the
embedded backend's server leaves the main thread in its socket read until the backend answers (the stall
``test_signals.py`` met now and then: SIGINT-then-SIGTERM while the ingestion wait's export was held). So every
thread the command starts blocks both, which the kernel's record of each thread (``/proc/self/task/<tid>/status``)
shows while the datapoints run — but a thread running the user's code: a process it starts inherits its mask (a
subprocess keeps it across exec), and one blocking SIGTERM ignores its ``terminate()`` (a multiprocessing pool's
exit waited for its worker for good). The Python API runs in the user's process: its threads are left as they are.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import evaluate
from honeyhive_experiment.cli import main
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

if not hasattr(signal, "pthread_sigmask") or not Path("/proc/self/task").is_dir():
    pytest.skip("threads' signal masks are read from Linux's /proc", allow_module_level=True)

SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _blocked(tid: int | str) -> set[signal.Signals]:
    """The signals the kernel will not hand to thread ``tid`` of this process (its ``SigBlk`` mask)."""
    status = Path(f"/proc/self/task/{tid}/status").read_text(encoding="ascii")
    mask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)
    return {signum for signum in SIGNALS if mask & (1 << (signum - 1))}


def _thread_ids() -> set[int]:
    return {int(tid) for tid in os.listdir("/proc/self/task")}


# appended to the quickstart's app: while a datapoint runs (in a worker), note each thread's blocked signals
LOOK = '''

import json as _json
import threading as _threading
from pathlib import Path as _Path

_answer = answer


def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    """The quickstart's answer, noting first which signals every thread of the process blocks."""
    names = {{thread.native_id: thread.name for thread in _threading.enumerate()}}
    masks = {{}}
    for task in _Path("/proc/self/task").iterdir():
        status = (task / "status").read_text(encoding="ascii")
        blocked = next(line for line in status.splitlines() if line.startswith("SigBlk:")).split()[1]
        masks[task.name] = [names.get(int(task.name), "?"), blocked]
    _Path({seen!r}).write_text(_json.dumps({{"masks": masks, "self": _threading.get_native_id()}}), encoding="utf-8")
    return _answer(datapoint)
'''


@pytest.mark.parametrize("sigint", ["as usual", "ignored"])
def test_every_thread_the_command_starts_leaves_sigterm_and_sigint_to_the_main_thread(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sigint: str
) -> None:
    """A dry run: the runner's pool and the calls it times out, and the embedded backend's server and workers. Also
    when SIGINT is ignored (a background job's), which the command leaves so: SIGTERM still goes to the main thread."""
    seen = tmp_path / "masks.json"
    app = quickstart / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + LOOK.format(seen=str(seen)), encoding="utf-8")
    before = _thread_ids()  # pytest's own threads (xdist's), not the command's

    previous = signal.getsignal(signal.SIGINT)
    ours = signal.SIG_IGN if sigint == "ignored" else previous
    signal.signal(signal.SIGINT, ours)
    try:
        code = main(["run", "--dry-run", "-C", str(quickstart), "--report", str(tmp_path / "report.json")], environ={})
        assert signal.getsignal(signal.SIGINT) is ours  # given back
    finally:
        signal.signal(signal.SIGINT, previous)

    assert code == 0, capsys.readouterr().err
    looked = json.loads(seen.read_text(encoding="utf-8"))
    masks: dict[str, list[str]] = looked["masks"]
    started = {name for tid, (name, _) in masks.items() if int(tid) not in before}
    assert any(name.startswith("honeyhive-datapoint") for name in started), started  # the runner's pool
    assert "honeyhive-local" in started, started  # the embedded backend's server
    signals_free = {
        name: sorted(s.name for s in SIGNALS if not int(mask, 16) & (1 << (s - 1)))
        for tid, (name, mask) in masks.items()
        if int(tid) not in before and name != "honeyhive-call"  # those run the user's function (this one too)
    }
    assert {name: free for name, free in signals_free.items() if free} == {}
    name, mask = masks[str(looked["self"])]  # the thread the user's function ran on: as any program's
    assert (name, {s for s in SIGNALS if int(mask, 16) & (1 << (s - 1))}) == ("honeyhive-call", set())
    assert _blocked(threading.get_native_id()) == set()  # the main thread takes them, before and after the run


ASYNC = """

import threading as _threading
from pathlib import Path as _Path

_answer = answer


async def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    \"\"\"The quickstart's answer as a coroutine, noting the mask of the thread it runs on (the user's loop).\"\"\"
    status = _Path(f"/proc/self/task/{{_threading.get_native_id()}}/status").read_text(encoding="ascii")
    blocked = next(line for line in status.splitlines() if line.startswith("SigBlk:")).split()[1]
    _Path({seen!r}).write_text(f"{{_threading.current_thread().name}} {{blocked}}", encoding="utf-8")
    return _answer(datapoint)
"""


def test_a_users_coroutine_runs_with_sigterm_and_sigint_as_usual(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user's loop leaves them to the main thread while idle, not while a coroutine runs: a subprocess the
    coroutine starts (``asyncio.create_subprocess_exec`` too) inherits the mask of the loop's thread."""
    seen = tmp_path / "mask.txt"
    app = quickstart / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + ASYNC.format(seen=str(seen)), encoding="utf-8")

    code = main(["run", "--dry-run", "-C", str(quickstart), "--report", str(tmp_path / "report.json")], environ={})

    assert code == 0, capsys.readouterr().err
    name, mask = seen.read_text(encoding="utf-8").split()
    assert (name, {s for s in SIGNALS if int(mask, 16) & (1 << (s - 1))}) == ("honeyhive-user-loop", set())


# appended to the quickstart's app: the first datapoint starts a subprocess and a forked process and ends each with
# SIGTERM, as a multiprocessing pool's exit (terminate) does with its workers; the waits are only safety nets
CHILDREN = """

import json as _json
import multiprocessing as _multiprocessing
import subprocess as _subprocess
import time as _time
from pathlib import Path as _Path

_answer = answer


def _ended(child, wait):
    \"\"\"How ``child`` ended once sent SIGTERM: its exit status, or that it ignored it (alive 30 s on).\"\"\"
    status = _Path(f"/proc/{{child.pid}}/status").read_text(encoding="ascii")
    mask = next(line for line in status.splitlines() if line.startswith("SigBlk:")).split()[1]
    child.terminate()
    ended = wait(child)
    if ended is None:
        child.kill()
        wait(child)
        ended = "ignored SIGTERM"
    return {{"ended": ended, "mask": mask}}


def _wait_process(child):
    child.join(30)
    return child.exitcode


def _wait_subprocess(child):
    try:
        return child.wait(30)
    except _subprocess.TimeoutExpired:
        return None


def answer(datapoint):
    if not _Path({seen!r}).exists():
        forked = _multiprocessing.get_context("fork").Process(target=_time.sleep, args=(300,))
        forked.start()
        seen = {{
            "subprocess": _ended(_subprocess.Popen(["sleep", "300"]), _wait_subprocess),
            "fork": _ended(forked, _wait_process),
        }}
        _Path({seen!r}).write_text(_json.dumps(seen), encoding="utf-8")
    return _answer(datapoint)
"""


def test_what_the_users_function_starts_ends_on_sigterm(tmp_path: Path) -> None:
    """A real command: the subprocess kept the blocked mask across exec and the forked child inherited it (and the
    command's handlers, which took its SIGTERM for a cancel): neither ended, and a pool's exit waited for good."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    seen = tmp_path / "children.json"
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + CHILDREN.format(seen=str(seen)), encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("\ntimeout: 10\n", "\ntimeout: 300\n"), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "-C", str(repo), "--report", "r.json"]

    done = subprocess.run(command, cwd=repo, env=env, timeout=300, check=False, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    children = json.loads(seen.read_text(encoding="utf-8"))
    ended = {how: child["ended"] for how, child in children.items()}
    assert ended == {"subprocess": -signal.SIGTERM, "fork": -signal.SIGTERM}, children
    assert "received signal" not in done.stderr  # the forked child's SIGTERM was not taken for the command's


# the command, run with an after-fork function registered before its own (as code that imports it first would): every
# forked child sends itself SIGTERM before the command's function has given it its handlers back
SIGTERM_AT_FORK = """
import os, runpy, signal, sys
os.register_at_fork(after_in_child=lambda: os.kill(os.getpid(), signal.SIGTERM))
sys.argv[0] = "honeyhive_experiment"
runpy.run_module("honeyhive_experiment", run_name="__main__", alter_sys=True)
"""

# appended to the quickstart's app: the datapoint forks a process and notes how it ended, without ending it itself
FORKED = """

import multiprocessing as _multiprocessing
import time as _time
from pathlib import Path as _Path

_answer = answer


def answer(datapoint):
    forked = _multiprocessing.get_context("fork").Process(target=_time.sleep, args=(300,))
    forked.start()
    forked.join(20)
    ended = forked.exitcode if forked.exitcode is not None else "outlived its SIGTERM"
    forked.kill()
    forked.join()
    _Path({seen!r}).write_text(str(ended), encoding="utf-8")
    return _answer(datapoint)
"""


def test_a_sigterm_the_forked_child_takes_before_it_has_its_handlers_back_ends_it(tmp_path: Path) -> None:
    """The window the test above met under load, now and then (the child not yet run when its SIGTERM came): between
    the fork and the command's after-fork function, a child that took the signal ran the command's handler (a cancel
    of its copy of the run) or, earlier, dropped it, and ran on. The forking thread blocks it over the fork instead,
    and the child unblocks it once the signal's own handler is back: then it ends the child, as in any program."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    seen = tmp_path / "forked.txt"
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + FORKED.format(seen=str(seen)), encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("\ntimeout: 10\n", "\ntimeout: 300\n"), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-c", SIGTERM_AT_FORK, "run", "--dry-run", "-C", str(repo), "--report", "r.json"]

    done = subprocess.run(command, cwd=repo, env=env, timeout=300, check=False, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert seen.read_text(encoding="utf-8") == str(-signal.SIGTERM), done.stderr
    assert "received signal" not in done.stderr  # the child's SIGTERM was not taken for the command's


def test_the_python_api_leaves_the_threads_of_the_users_process_as_they_are() -> None:
    blocked: list[set[signal.Signals]] = []

    def function(inputs: dict[str, Any]) -> dict[str, Any]:
        blocked.append(_blocked(threading.get_native_id()))
        return {"n": inputs["n"]}

    result = evaluate(function, [{"inputs": {"n": n}} for n in range(4)], max_workers=2, print_results=False)

    assert result.success
    assert blocked == [set()] * 4


TAKEN = """

import signal as _signal
import threading as _threading

release = _threading.Event()  # set by the test at its end
held = _threading.Event()  # set if the run waited for the function until the hold ran out


def answer(datapoint):
    # the kernel handed the job's SIGTERM to this thread, which does not block it: only the handler is tripped
    _signal.pthread_kill(_threading.get_ident(), _signal.SIGTERM)
    if not release.wait(60):
        held.set()
    return _answer(datapoint)
"""


def test_a_signal_the_users_thread_takes_still_cancels_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The main thread, waiting for the only datapoint, is not woken by it: it looks between steps of its wait."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + "\n_answer = answer\n" + TAKEN, encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"  # no timeout ends the datapoint first
    config.write_text(config.read_text(encoding="utf-8").replace("\ntimeout: 10\n", "\ntimeout: 300\n"), "utf-8")
    try:
        code = main(["run", "--dry-run", "-C", str(repo), "--report", str(tmp_path / "report.json")], environ={})
    finally:
        taken = sys.modules["support_bot.app"]
        taken.release.set()

    assert not taken.held.is_set(), "the run waited for the function to return"
    assert code == 2, capsys.readouterr().err
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert "cancelled while running the datapoints" in " ".join(report["reasons"])


# appended to the quickstart's app: a pool the function hangs in, and an exit function that never returns, as the pool's
# own (multiprocessing's) does when the job's SIGTERM killed a worker holding its queue's lock (1 exit in 2, at random)
POOL_LEFT = """

import atexit as _atexit
import multiprocessing as _multiprocessing
import os as _os
import threading as _threading
import time as _time
from pathlib import Path as _Path

_answer = answer


def _hang(_):
    _Path({busy!r}, str(_os.getpid())).write_text("", encoding="utf-8")
    _time.sleep(300)


_pool = _multiprocessing.get_context("fork").Pool(2)  # never closed: it refills the workers that die, for good
_atexit.register(_threading.Event().wait)


def answer(datapoint):
    _pool.map(_hang, range(2), chunksize=1)
    return _answer(datapoint)
"""


def test_a_pool_refilling_its_workers_leaves_none_behind_the_cancelled_process(tmp_path: Path) -> None:
    """The job's SIGTERM to the whole group (a cancel) kills the pool's workers, and the pool starts new ones, which the
    signal never reached; the exit gives up on them and ends them, and the pool starts more: those outlived the process
    (parent 1), holding the step's output pipe. Whatever the process forks once the exit gave up on its children ends
    with it. The pipe's end of file says every process of the group has ended: no clock is read."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    busy = tmp_path / "busy"
    busy.mkdir()
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + POOL_LEFT.format(busy=str(busy)), encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("\ntimeout: 10\n", "\ntimeout: 300\n"), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    env["HONEYHIVE_EXIT_WAIT"] = "1"
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "-C", str(repo), "--report", "r.json"]
    done = subprocess.Popen(
        command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        while len(list(busy.iterdir())) < 2 and done.poll() is None:  # both workers run the task
            threading.Event().wait(0.05)
        assert done.poll() is None, done.communicate()
        os.killpg(done.pid, signal.SIGTERM)
        _, err = done.communicate(timeout=20)  # the pipes end once no process of the group holds them
    except subprocess.TimeoutExpired:
        pytest.fail("processes of the cancelled command outlived it (the pool's new workers), holding its output")
    finally:
        with contextlib.suppress(ProcessLookupError):  # what is left of the group (the test failed)
            os.killpg(done.pid, signal.SIGKILL)

    assert done.returncode == 2, err
    assert "received signal 15 while running the datapoints" in err
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert "cancelled while running the datapoints" in " ".join(report["reasons"])


# a program whose exit a thread holds past the wait, then whose exit function starts a Process and a subprocess
EXIT_FORKS = """
import atexit, multiprocessing, subprocess, sys, threading
from honeyhive_experiment.cancellation import exit_not_held_up

def work(path):
    open(path, "w").write("ran")

def at_exit():  # the user's: e.g. uploads its results from a child process
    child = multiprocessing.get_context("fork").Process(target=work, args=({first!r},))
    child.start()
    child.join()
    code = f"open({second!r}, 'w').write('ran')"
    subprocess.run([sys.executable, "-c", code], preexec_fn=lambda: None, timeout=30, check=True)

atexit.register(at_exit)
threading.Thread(target=threading.Event().wait, args=(3,)).start()  # holds the exit past its 1 s
exit_not_held_up(0, {{"HONEYHIVE_EXIT_WAIT": "1"}})
"""


def test_an_exit_functions_own_children_run_once_the_exit_gave_up_on_the_others(tmp_path: Path) -> None:
    """Every child forked after the exit had given up on the user's was held until the process ended (to stop a
    pool refilling its workers): an exit function's own Process and subprocess (with a preexec_fn) never ran, and
    the warning blamed the exit function for the wait. Now only a pool's refill is held back."""
    first, second = tmp_path / "first", tmp_path / "second"
    program = tmp_path / "program.py"
    program.write_text(EXIT_FORKS.format(first=str(first), second=str(second)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, str(program)], env=env, timeout=120, capture_output=True, text=True)
    assert (first.exists(), second.exists()) == (True, True), done.stderr
    assert done.returncode == 0, done.stderr

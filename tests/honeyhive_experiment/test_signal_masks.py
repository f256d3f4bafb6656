"""The command's SIGTERM/SIGINT reach its main thread, whatever its other threads are doing.

The kernel hands a process's signal to any thread that does not block it, and only a signal taken by the main
thread interrupts the system call it waits in (Python runs handlers there only): one taken by a pool worker or the
embedded backend's server leaves the main thread in its socket read until the backend answers (the stall
``test_signals.py`` met now and then: SIGINT-then-SIGTERM while the ingestion wait's export was held). So every
thread the command starts blocks both, which the kernel's record of each thread (``/proc/self/task/<tid>/status``)
shows while the datapoints run. The Python API runs in the user's process: its threads are left as they are.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import evaluate
from honeyhive_experiment.cli import main

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
    _Path({seen!r}).write_text(_json.dumps(masks), encoding="utf-8")
    return _answer(datapoint)
'''


def test_every_thread_the_command_starts_leaves_sigterm_and_sigint_to_the_main_thread(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dry run: the runner's pool and the calls it times out, and the embedded backend's server and workers."""
    seen = tmp_path / "masks.json"
    app = quickstart / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + LOOK.format(seen=str(seen)), encoding="utf-8")
    before = _thread_ids()  # pytest's own threads (xdist's), not the command's

    code = main(["run", "--dry-run", "-C", str(quickstart), "--report", str(tmp_path / "report.json")], environ={})

    assert code == 0, capsys.readouterr().err
    masks: dict[str, list[str]] = json.loads(seen.read_text(encoding="utf-8"))
    started = {name for tid, (name, _) in masks.items() if int(tid) not in before}
    assert any(name.startswith("honeyhive-datapoint") for name in started), started  # the runner's pool
    assert "honeyhive-local" in started, started  # the embedded backend's server
    signals_free = {
        name: sorted(s.name for s in SIGNALS if not int(mask, 16) & (1 << (s - 1)))
        for tid, (name, mask) in masks.items()
        if int(tid) not in before
    }
    assert {name: free for name, free in signals_free.items() if free} == {}
    assert _blocked(threading.get_native_id()) == set()  # the main thread takes them, before and after the run


def test_the_python_api_leaves_the_threads_of_the_users_process_as_they_are() -> None:
    blocked: list[set[signal.Signals]] = []

    def function(inputs: dict[str, Any]) -> dict[str, Any]:
        blocked.append(_blocked(threading.get_native_id()))
        return {"n": inputs["n"]}

    result = evaluate(function, [{"inputs": {"n": n}} for n in range(4)], max_workers=2, print_results=False)

    assert result.success
    assert blocked == [set()] * 4

"""What the user's code leaves running past its datapoint (audit 61): a function the timeout abandoned that is still
running when the run ends, and a thread the function starts.

A timed-out function keeps its thread until it returns; the LLM calls it makes once the run has read its count of the
calls in no metric were counted nowhere and unsaid, and a cost gate was judged as if the run's cost were whole. Now the
run says how many were still running, and the datapoints' unfinished calls (the path of a call still running when its
datapoint was recorded) count at least one for each, so a gate on cost or tokens takes this run's value as a lower
bound. Made deterministic with the bot's ``hang`` datapoint (its call, then a wait for ``bot.RELEASE``, which the test
sets only after the run).

A thread the function started inherited ``daemon=True`` from the runner's thread, so the process's exit killed it
silently; a program's (or the SDK's) would be no daemon, waited for, and named if it did not end. The runner's thread
stays a daemon to the exit all the same: a function that never returns does not hold it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm_bot import OPENLLMETRY, Bot, make_bot
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

GATE = "gate: {cost_usd: {max_worse_pct: 10}}\ntimeout: 3\n"  # generous: only the hanging datapoint reaches it


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    with make_bot(tmp_path_factory.mktemp("abandoned") / "bot") as made:
        yield made


def test_a_function_the_timeout_abandoned_still_running_at_the_end_leaves_a_cost_gate_unjudged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.configure(OPENLLMETRY, GATE)
    baseline = bot.run()
    assert not [m for m in caplog.messages if "abandoned by the timeout" in m]  # none was
    sys.modules["bot"].RELEASE.clear()  # the bot as imported by the run
    bot.settings(modes={"q06": "hang"})
    try:
        run = bot.run("--baseline", baseline.run_id)
    finally:
        sys.modules["bot"].RELEASE.set()
    # said once, naming the datapoint (its row, in the report), not as a call outside any datapoint's context "counted
    # as one call whether it had made one or not" beside "1 function or evaluator call(s) abandoned by..." (audit80 F6)
    [said] = [m for m in caplog.messages if "LLM call" in m or "abandoned by" in m]
    assert said.startswith("1 datapoint(s) timed out (EXT-q06)"), said
    [reported] = [w for w in run.report["warnings"] if "in no metric" in w]
    assert reported.startswith("1 datapoint(s) timed out (questions.jsonl:7)"), reported
    assert "lower bound" in reported
    assert "whether it had made one" not in reported
    cost = run.metric("cost_usd")
    assert (cost["baseline_left_out"], cost["left_out"]) == (0, 1)
    gate = "cost_usd's gate could not be checked: this run's value excludes 1 LLM call"
    assert [r for r in [*run.report["reasons"], *run.report["warnings"]] if r.startswith(gate)], run.out


THREADS = """
import pathlib as _pathlib
import threading as _threading

_STARTED = []
_answer = answer


def _after_main():  # ends once the command is done: a program's exit waits for it
    _threading.main_thread().join()
    _pathlib.Path("after-main.txt").write_text(str(_threading.current_thread().daemon))


def _threads():
    if not _STARTED:
        _STARTED.append(True)
        _threading.Thread(target=_after_main, name="user-after-main").start()
        _threading.Thread(target=_threading.Event().wait, name="user-forever").start()


{define}
"""
SYNC = """
def answer(datapoint):
    _threads()
    return _answer(datapoint)
"""
ASYNC = """
async def answer(datapoint):
    _threads()
    return _answer(datapoint)
"""


def test_a_thread_the_function_left_that_calls_only_after_the_run_is_named(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A thread the function starts and does not join, which calls the LLM only after the run (a sleep, a retry): the
    exit waits for it, so the call is made and billed, but counted nowhere, and nothing was said (the thread had opened
    no span when its datapoint was recorded). Now the run names it and its datapoint, not the library threads started
    before it, which call nothing: a daemon, a process pool's manager (no daemon); in the report too."""
    bot.configure(OPENLLMETRY)
    if "bot" in sys.modules:  # the bot as imported by an earlier run
        sys.modules["bot"].RELEASE.clear()
    bot.settings(modes={"q03": "late-thread"})
    own = "Answer briefly: [q03]"  # the function's prompt, not the judge's
    before = len(bot.server.calls_about(own))  # the module's earlier runs'
    try:
        run = bot.run()
        during = len(bot.server.calls_about(own))
    finally:
        users = sys.modules["bot"]
        users.RELEASE.set()
        users.PROCESSES.shutdown()
        bot.settings()
    assert run.code == 0, run.out
    assert during == before  # none yet: the thread calls after the run
    for thread in users.LATE:
        thread.join(30)
    assert len(bot.server.calls_about(own)) == before + 1
    [said] = [m for m in caplog.messages if m.startswith("the thread running")]
    assert said.startswith("the thread running '_late', started by datapoint EXT-q03, was still running"), said
    assert "nowhere once it has" in said
    assert said in run.report["warnings"]  # what a reviewer reads, not only the log (b56)


@pytest.mark.parametrize("define", [SYNC, ASYNC], ids=["sync", "async"])
def test_a_thread_the_function_starts_is_no_daemon_so_the_exit_waits_for_it_and_names_one_that_never_ends(
    tmp_path: Path, define: str
) -> None:
    """As in a program of its own: the thread that ends after the main thread ran to its end (its file says it was no
    daemon), the one that never ends is named after ``HONEYHIVE_EXIT_WAIT`` (1 s here)."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + THREADS.format(define=define), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    env["HONEYHIVE_EXIT_WAIT"] = "1"
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--no-html", "--report", "r.json"]

    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)

    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"  # a first run
    assert done.returncode == 0, done.stderr
    assert (repo / "after-main.txt").read_text(encoding="utf-8") == "False"
    assert "warning: your code left thread(s) 'user-forever' running after the command ended" in done.stderr
    assert "Traceback" not in done.stderr


NEVER_RETURNS = """
import threading
from honeyhive_experiment import evaluate


def answer(datapoint):
    threading.Event().wait()  # never set: only the timeout gets the run past it


result = evaluate(answer, [{"inputs": {"q": 1}}], local_db="local.db", timeout=1, print_results=False)
print(result.outcomes[0].status)
"""


def test_a_function_that_never_returns_does_not_hold_the_exit_of_a_program_calling_evaluate(tmp_path: Path) -> None:
    """Its thread reads as no daemon while it runs the function (its threads' default), and is one to the exit: the
    program ends once ``evaluate`` returns (held, it would end only at the bound below, a test failure)."""
    (tmp_path / "run.py").write_text(NEVER_RETURNS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}

    done = subprocess.run(
        [sys.executable, "run.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert (done.returncode, done.stdout) == (0, "timeout\n"), done.stderr

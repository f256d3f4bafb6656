"""A signal in every phase of an action run leaves an honest record (issue 14).

The action runs in-process (``main(["action"], environ=...)``, the runner's environment built from action.yml)
against ``honeyhive_local`` behind a real proxy and the fake GitHub. The proxy (or the fake GitHub) sends the
signal to this process at the start of the phase under test and then *holds* the request for a minute: a
phase that did not obey the signal would sit there and then carry on to a verdict, so the report's reason
(which names the phase) tells whether the signal was obeyed — no clock is read. A signal handler runs in the
main thread, where pytest runs the test, exactly as in the real process.

Phases: running the datapoints (cooperative: the runner winds down; here the backend also refuses the
``cancelled`` status, so the report must say the run could not be marked), waiting for ingestion, comparing
with the baseline. Each with SIGTERM alone and with SIGINT then SIGTERM (what the
runner sends when a job is cancelled): report.json, outputs and summary are written every time.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment import evaluate, experiment, flow
from honeyhive_experiment.cli import main
from honeyhive_experiment.tracing import TraceSink
from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import (
    BASE_SHA,
    GITHUB_TOKEN,
    HEAD_REF,
    HEAD_SHA,
    PR,
    REPOSITORY,
    Step,
    pull_request,
    push,
)
from tests.fakes.github_server import FakeGitHub
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

API_KEY = "hh-signals-key-0123456789"
HOLD = 60.0  # how long a held request waits: far longer than any honest reaction to a signal


@dataclass
class Trigger:
    """Sends ``signals`` to this process the first time ``matches`` a request once armed, then holds it."""

    signals: tuple[signal.Signals, ...]
    matches: Callable[[str, str], bool]
    hold: bool = True
    armed: bool = False
    fired: bool = False
    release: threading.Event = field(default_factory=threading.Event)

    def __call__(self, method: str, path: str) -> None:
        if not self.armed or self.fired or not self.matches(method, path):
            return
        self.fired = True
        # Back to back: the second arrives while the first is being obeyed. In the action's own process the main
        # thread is the one that takes them (the threads the command starts block them: cancellation); here the
        # process also holds this test's servers, which a real job has elsewhere, so they go to that thread.
        for signum in self.signals:
            signal.pthread_kill(threading.main_thread().ident or 0, signum)
        if self.hold:
            self.release.wait(HOLD)


@dataclass
class World:
    root: Path
    backend: LocalBackend
    proxy: FaultProxy
    github: FakeGitHub
    tmp: Path

    def run_action(self, *, event: str = "pull_request") -> tuple[int, dict[str, Any], dict[str, str], str]:
        step = Step(self.tmp / "step", pull_request() if event == "pull_request" else push(BASE_SHA))
        env = step.env(self.root, {"api-key": API_KEY, "server-url": self.proxy.url}, api_url=self.github.api_url)
        code = main(["action"], environ=env)
        report_path = self.root / ".honeyhive" / "report.json"
        report = json.loads(report_path.read_text(encoding="utf-8"))
        return code, report, step.outputs(), step.summary()

    def statuses(self) -> list[str]:
        """Every run's status in the backend, oldest first (the push run's, then the pull request's)."""
        answer = httpx.get(f"{self.backend.url}/v1/runs", headers={"Authorization": f"Bearer {API_KEY}"})
        runs = sorted(answer.json()["evaluations"], key=lambda run: run["created_at"])
        return [run["status"] for run in runs]


@pytest.fixture
def world(quickstart: Path, tmp_path: Path) -> Iterator[World]:
    refuse_cancel = threading.Event()

    def refused(method: str, path: str) -> bool:  # the backend refuses run updates once told to: 429s until the
        # client's retries are spent, as 5xx would be, but asking for no wait between them (Retry-After: 0)
        for hook in hooks:
            hook(method, path.split("?", 1)[0])
        return refuse_cancel.is_set() and method == "PUT" and path.startswith("/v1/runs/")

    hooks: list[Callable[[str, str], None]] = []

    with (
        LocalBackend(":memory:", API_KEY) as backend,
        FaultProxy(backend.url, rate=1.0, kinds=(Fault.HTTP_429,), retry_after="0", should_fault=refused) as proxy,
        FakeGitHub(token=GITHUB_TOKEN, repository=REPOSITORY) as github,
    ):
        github.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF, base_ref="main")
        proxy.refuse_cancel = refuse_cancel  # type: ignore[attr-defined]
        proxy.hooks = hooks  # type: ignore[attr-defined]
        yield World(quickstart, backend, proxy, github, tmp_path)


def _on_backend(world: World, trigger: Trigger) -> None:
    world.proxy.hooks.append(trigger)  # type: ignore[attr-defined]


SIGNALS = {
    "sigterm": ((signal.SIGTERM,), 2),
    "sigint-then-sigterm": ((signal.SIGINT, signal.SIGTERM), 130),
}


@pytest.fixture(params=list(SIGNALS), ids=list(SIGNALS))
def signals(request: pytest.FixtureRequest) -> tuple[tuple[signal.Signals, ...], int]:
    sent, code = SIGNALS[request.param]
    return sent, code


def _recorded_then_cancelled(world: World, trigger: Trigger) -> tuple[int, dict[str, Any], dict[str, str], str]:
    """A push run records the baseline; then the pull request's run meets the signal."""
    code, _, outputs, _ = world.run_action(event="push")
    assert (code, outputs["verdict"]) == (0, "neutral")
    trigger.armed = True
    try:
        return world.run_action()
    finally:
        trigger.release.set()


def _assert_written(report: dict[str, Any], outputs: dict[str, str], summary: str, *phrases: str) -> str:
    assert report["verdict"] == "error"
    assert outputs["verdict"] == "error"
    assert outputs["report-path"]
    assert "cancelled" in summary.lower()
    reason = " ".join(report["reasons"])
    for phrase in phrases:
        assert phrase in reason, reason
    return reason


def _assert_recorded_run_cancelled_by_name(
    world: World, code: int, report: dict[str, Any], outputs: dict[str, str], summary: str
) -> None:
    """A signal once the quickstart's run was recorded (every datapoint): an error report naming the run, which it says
    is marked cancelled, and is."""
    assert code == 2
    reason = _assert_written(report, outputs, summary, "22 of 22 datapoint(s) were recorded", "marked cancelled")
    assert report["run"]["id"] == outputs["run-id"] != "", reason
    assert world.statuses() == ["cancelled"]


@pytest.mark.parametrize(
    ("phase", "matches"),
    [
        ("waiting for HoneyHive to ingest the run", lambda m, p: (m, p) == ("POST", "/v1/events/export")),
        ("comparing with the baseline", lambda m, p: m == "GET" and "/compare" in p),
    ],
    ids=["waiting-for-ingestion", "comparing"],
)
def test_a_signal_after_the_run_is_recorded_stops_at_once_and_marks_the_run_cancelled(
    world: World,
    signals: tuple[tuple[signal.Signals, ...], int],
    phase: str,
    matches: Callable[[str, str], bool],
) -> None:
    sent, expected_code = signals
    trigger = Trigger(sent, matches)
    _on_backend(world, trigger)

    code, report, outputs, summary = _recorded_then_cancelled(world, trigger)

    assert trigger.fired
    assert code == expected_code
    reason = _assert_written(report, outputs, summary, f"cancelled while {phase}", "marked cancelled in HoneyHive")
    assert "22 of 22 datapoint(s) were recorded" in reason
    # no verdict was reached: the run was cancelled, though every datapoint was recorded (and is kept)
    assert world.statuses() == ["completed", "cancelled"]
    [comment] = world.github.comments(PR)
    assert "cancelled" in comment.body.lower()
    if sent == (signal.SIGTERM,):  # the run cancelled is named, so what it recorded can be found (it was not)
        run_id = outputs["run-id"]
        assert report["run"]["id"] == run_id != ""
        answer = httpx.get(f"{world.backend.url}/v1/runs/{run_id}", headers={"Authorization": f"Bearer {API_KEY}"})
        assert answer.json()["evaluation"]["status"] == "cancelled"
        assert f"run={run_id} -->" in comment.body


def test_a_signal_while_datapoints_run_says_when_the_run_could_not_be_marked_cancelled(
    world: World, signals: tuple[tuple[signal.Signals, ...], int]
) -> None:
    """The runner winds down; the backend refuses the ``cancelled`` update: the report must not claim it."""
    sent, expected_code = signals
    refuse = world.proxy.refuse_cancel  # type: ignore[attr-defined]

    def first_spans(method: str, path: str) -> bool:
        if (method, path) == ("POST", "/opentelemetry/v1/traces"):
            refuse.set()
            return True
        return False

    trigger = Trigger(sent, first_spans, hold=False)
    _on_backend(world, trigger)

    code, report, outputs, summary = _recorded_then_cancelled(world, trigger)

    assert trigger.fired
    assert code == expected_code
    # one signal: the runner winds down; a second interrupts the wind-down: either way the report knows the run
    reason = _assert_written(report, outputs, summary, "cancelled while running the datapoints")
    assert "could not be marked cancelled in HoneyHive" in reason
    assert "is marked cancelled" not in reason
    assert world.statuses() == ["completed", "running"]  # the update was refused, as the report says


HANGING_JUDGE = """
import signal
import threading

release = threading.Event()  # set by the test at its end
held = threading.Event()  # set if the run waited for the judge until its hold ran out
_first = threading.Lock()


def hanging_judge(outputs, inputs, ground_truth=None):
    # an LLM judge whose call never returns: the job is cancelled while it hangs
    if _first.acquire(blocking=False):
        for signum in {signals}:
            signal.pthread_kill(threading.main_thread().ident, signum)
        if not release.wait({hold}):
            held.set()
    return 1
"""


def test_a_signal_while_an_evaluator_hangs_ends_the_run_without_it(
    world: World, signals: tuple[tuple[signal.Signals, ...], int]
) -> None:
    """No timeout holds the judge (the config's is far off): the cancel abandons it, as a hanging function."""
    sent, expected_code = signals
    source = HANGING_JUDGE.format(signals=[int(signum) for signum in sent], hold=HOLD)
    (world.root / "support_bot" / "hanging.py").write_text(source, encoding="utf-8")
    config = world.root / ".honeyhive" / "experiment.yml"
    judge = "evaluators:\n  - support_bot.hanging:hanging_judge\n"
    config.write_text(config.read_text(encoding="utf-8").replace("evaluators:\n", judge), encoding="utf-8")
    try:
        code, report, outputs, summary = world.run_action()
    finally:
        hanging = sys.modules["support_bot.hanging"]
        hanging.release.set()

    assert not hanging.held.is_set(), "the run waited for the hanging evaluator"
    assert code == expected_code
    _assert_written(report, outputs, summary, "cancelled while running the datapoints")
    assert world.statuses() == ["cancelled"]


def test_a_second_signal_while_the_report_is_written_exits_130(world: World) -> None:
    """The verdict is reached; both signals arrive while the report is written (the check's verdict is being
    recorded on the run): the report is finished and written, and the exit says the job was interrupted."""
    trigger = Trigger(
        (signal.SIGINT, signal.SIGTERM),
        lambda m, p: m == "GET" and p.count("/") == 3 and p.startswith("/v1/runs/"),
        hold=False,
    )
    _on_backend(world, trigger)

    code, report, outputs, _ = _recorded_then_cancelled(world, trigger)

    assert trigger.fired
    assert code == 130
    assert report["verdict"] == outputs["verdict"] == "pass"
    assert world.statuses() == ["completed", "completed"]  # the run truly completed before the signals


def test_a_signal_while_the_result_is_posted_abandons_only_the_comment(
    world: World, signals: tuple[tuple[signal.Signals, ...], int], capsys: pytest.CaptureFixture[str]
) -> None:
    """The verdict is reached and written (report, summary, outputs) before the comment; a signal while the
    result is posted abandons the post, which GitHub is then still holding (it may land after the job ends). A second
    signal, after the one that abandoned it, ends the job with 130, as a second does in any phase (it was the verdict's
    code: the abandoning one was not counted, audit 48b)."""
    sent, _ = signals
    trigger = Trigger(sent, lambda m, p: m == "PATCH" and "/issues/comments/" in p)  # the result edits "running"
    world.github.before_write = trigger

    code, report, outputs, summary = _recorded_then_cancelled(world, trigger)

    assert trigger.fired
    assert code == (0 if len(sent) == 1 else 130)  # the verdict (pass) was reached before; only the comment given up
    assert report["verdict"] == outputs["verdict"] == "pass"
    assert outputs["comment-url"] == ""
    assert "Passed" in summary
    printed = capsys.readouterr()
    assert "the pull-request comment was not posted: interrupted by signal" in printed.out + printed.err


def test_a_run_a_signal_cancelled_is_listed_as_cancelled_not_pending(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cancelled run's check keeps the ``pending`` it was recorded with (no verdict is stamped on a run marked
    cancelled): ``runs`` listed it as a check still running, or lost, beside the backend's ``cancelled``."""
    trigger = Trigger((signal.SIGTERM,), lambda m, p: (m, p) == ("POST", "/v1/events/export"))
    _on_backend(world, trigger)
    _recorded_then_cancelled(world, trigger)
    assert world.statuses() == ["completed", "cancelled"]
    capsys.readouterr()

    env = {"HH_API_KEY": API_KEY, "GITHUB_REPOSITORY": REPOSITORY}
    code = main(["runs", "--json", "-C", str(world.root), "--server-url", world.backend.url], environ=env)
    listed = capsys.readouterr().out

    assert code == 0, listed
    assert [(row["check"], row["status"]) for row in json.loads(listed)] == [
        ("cancelled", "cancelled"),
        ("neutral", "completed"),
    ]


def _signal_once_the_run_is_created(world: World, sent: tuple[signal.Signals, ...]) -> list[str]:
    """Sends ``sent`` to the main thread once the backend took ``POST /v1/runs`` (the run exists), before the client
    reads the answer: the interrupt comes out of ``create_run``. Returns the run ids created so (one, once fired)."""
    created: list[str] = []

    def answered(method: str, path: str, body: Any) -> Any:
        if (method, path.split("?", 1)[0]) == ("POST", "/v1/runs") and not created:
            created.append(body["evaluation"]["run_id"])
            for signum in sent:
                signal.pthread_kill(threading.main_thread().ident or 0, signum)
        return body

    world.proxy.rewrite = answered
    return created


def test_a_signal_as_the_backend_creates_the_run_marks_it_cancelled(
    world: World, signals: tuple[tuple[signal.Signals, ...], int]
) -> None:
    """The job's signal lands as the backend answers ``POST /v1/runs`` (audit 46c F2): create_run sat before the try
    that marks a run cancelled, so the run stayed ``running`` for good and the report named no run."""
    sent, expected_code = signals
    created = _signal_once_the_run_is_created(world, sent)

    code, report, outputs, summary = world.run_action(event="push")

    assert created
    assert code == expected_code
    said = (
        "cancelled while preparing the run",
        "0 of 22 datapoint(s) were recorded",
        "it is marked cancelled in HoneyHive",
    )
    _assert_written(report, outputs, summary, *said)
    assert world.statuses() == ["cancelled"]
    assert report["run"]["id"] == created[0]


def test_ctrl_c_as_the_backend_creates_an_evaluate_run_marks_it_cancelled(world: World) -> None:
    """The Python API, Python's own SIGINT handler: the KeyboardInterrupt reaches the caller, the run is cancelled."""
    created = _signal_once_the_run_is_created(world, (signal.SIGINT,))
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # a script's, whatever pytest's worker has
    try:
        with pytest.raises(KeyboardInterrupt):
            evaluate(
                function=lambda datapoint: {"answer": 1},
                dataset=[{"inputs": {"q": i}} for i in range(3)],
                server_url=world.proxy.url,
                api_key=API_KEY,
                print_results=False,
            )
    finally:
        signal.signal(signal.SIGINT, before)

    assert created
    assert world.statuses() == ["cancelled"]


FIRST_SIGNAL = """
import signal
import threading

from support_bot.app import answer

sent = threading.Lock()  # held once the first datapoint sent the job's first signal


def answer_then_cancel(datapoint):
    if sent.acquire(blocking=False):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
    return answer(datapoint)
"""


def _first_signal_from_a_datapoint(world: World) -> None:
    """The run's first datapoint sends the job's first SIGTERM (:data:`FIRST_SIGNAL`)."""
    (world.root / "support_bot" / "first.py").write_text(FIRST_SIGNAL, encoding="utf-8")
    config = world.root / ".honeyhive" / "experiment.yml"
    function = "support_bot.first:answer_then_cancel"
    config.write_text(config.read_text(encoding="utf-8").replace("support_bot.app:answer", function), encoding="utf-8")


_audited: list[Callable[[str, tuple[Any, ...]], None]] = []  # the audit hook's test of the moment (none: inert)
_audit_hook = threading.Event()  # added (once a process: it cannot be removed)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    for hook in list(_audited):
        hook(event, args)


def test_a_second_signal_as_the_runs_code_is_left_keeps_the_run_in_the_report(world: World) -> None:
    """The first signal (from a datapoint) winds the run down, which is marked cancelled; the second lands as the flow
    leaves the user's code's block, the repository's folder (audit 46c F3). It replaced the cancellation record_run
    raised: exit 130 and the report named no run, though the run existed, marked cancelled. Python's audit event for
    the ``os.chdir`` back (an audit hook cannot be removed: it stays, inert) places the second signal there."""
    _first_signal_from_a_datapoint(world)
    repository, fired = str(world.root.resolve()), threading.Event()

    def leaving(event: str, args: tuple[Any, ...]) -> None:
        first = sys.modules.get("support_bot.first")
        if event != "os.chdir" or fired.is_set() or first is None or not first.sent.locked():
            return
        if threading.current_thread() is threading.main_thread() and os.getcwd() == repository:
            fired.set()
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)

    if not _audit_hook.is_set():
        sys.addaudithook(_audit)
        _audit_hook.set()
    _audited.append(leaving)
    try:
        code, report, outputs, summary = world.run_action(event="push")
    finally:
        _audited.remove(leaving)

    assert fired.is_set()
    assert code == 130
    _assert_written(report, outputs, summary, "cancelled while running the datapoints", "it is marked cancelled")
    assert (report.get("run") or {}).get("id") == outputs["run-id"] != ""
    assert world.statuses() == ["cancelled"]


def test_a_second_signal_as_the_run_is_marked_cancelled_keeps_what_it_recorded(world: World) -> None:
    """The first signal (from a datapoint) winds the run down; the second lands while the backend marks it cancelled
    (finish_run's update, held): the report named the run but no longer said how many datapoints it recorded (audit
    46c). The run is marked cancelled again on the way out, and the exit says two signals came."""
    _first_signal_from_a_datapoint(world)
    trigger = Trigger((signal.SIGTERM,), lambda m, p: m == "PUT" and p.startswith("/v1/runs/"), armed=True)
    _on_backend(world, trigger)
    try:
        code, report, outputs, summary = world.run_action(event="push")
    finally:
        trigger.release.set()

    assert trigger.fired
    assert code == 130
    reason = _assert_written(
        report, outputs, summary, "cancelled while running the datapoints", "it is marked cancelled"
    )
    assert re.search(r"\b\d+ of 22 datapoint\(s\) were recorded", reason), reason
    assert report["run"]["id"] == outputs["run-id"] != ""
    assert world.statuses() == ["cancelled"]


def _in(function: str) -> Callable[[str, str], bool]:
    """Whether the main thread is in ``function`` (its frames, read as the backend takes a request): the phase under
    test, however many requests come before it."""

    def calling(method: str, path: str) -> bool:
        frame = sys._current_frames().get(threading.main_thread().ident or 0)
        return any(frame.f_code.co_name == function for frame, _ in traceback.walk_stack(frame))

    return calling


@contextmanager
def _signalled_at(function: Callable[..., Any], event: str, sent: tuple[signal.Signals, ...]) -> Iterator[list[bool]]:
    """Sends ``sent`` to the main thread as ``function`` is called there, or returns (``event``: a profile function's
    ``call`` or ``return``): what the handler raises comes out of the call, as a signal's would just as it began, or
    just after it returned. Yields whether it fired."""
    fired: list[bool] = []

    def profiled(frame: Any, seen: str, arg: Any) -> None:
        if seen == event and frame.f_code is function.__code__ and not fired:
            fired.append(True)
            for signum in sent:
                signal.pthread_kill(threading.main_thread().ident or 0, signum)

    sys.setprofile(profiled)
    try:
        yield fired
    finally:
        sys.setprofile(None)


def test_a_signal_as_the_verdict_is_returned_keeps_the_verdict_and_its_run(
    world: World, signals: tuple[tuple[signal.Signals, ...], int], capsys: pytest.CaptureFixture[str]
) -> None:
    """The verdict is reached: the signal lands as run_experiment hands it back, before the HTML report's table is read.
    It escaped to the invocation: an error report, "interrupted by a signal while reading the key metrics' trend: a run
    already created is marked cancelled", naming no run, over a run left completed and never stamped (narrow, note 47).
    Signals are held from the verdict on: the report is the verdict's, naming its run, which is stamped with it; a
    second signal still ends the job with 130."""
    sent, _ = signals
    with _signalled_at(flow.run_experiment, "return", sent) as fired:
        code, report, outputs, _ = world.run_action(event="push")

    assert fired
    assert code == (0 if len(sent) == 1 else 130)
    assert report["verdict"] == outputs["verdict"] == "neutral"
    run_id = report["run"]["id"]
    assert run_id == outputs["run-id"] != ""
    answer = httpx.get(f"{world.backend.url}/v1/runs/{run_id}", headers={"Authorization": f"Bearer {API_KEY}"})
    assert answer.json()["evaluation"]["metadata"]["check"]["verdict"] == "neutral"
    assert "while writing the report: finishing it first" in capsys.readouterr().err
    assert world.statuses() == ["completed"]


def test_a_signal_as_a_recorded_runs_timeouts_are_said_cancels_it_by_name(world: World) -> None:
    """The run is recorded (every datapoint) and the signal lands as the flow checks its datapoints for timeouts, before
    it is judged: that escaped the flow, "interrupted by a signal: a run already created is marked cancelled", naming
    no run, over a run left completed and never stamped. No verdict is reached: the run is cancelled, by name, as a
    signal while it is judged cancels it."""
    with _signalled_at(flow._say_timeout, "call", (signal.SIGTERM,)) as fired:
        code, report, outputs, summary = world.run_action(event="push")

    assert fired
    _assert_recorded_run_cancelled_by_name(world, code, report, outputs, summary)


def test_a_signal_as_a_recorded_run_leaves_the_users_code_cancels_it_by_name(world: World) -> None:
    """The run is recorded (every datapoint); the first signal lands as the flow leaves the user's code (the generator
    of flow._user_code resumed to close its block): it escaped the flow, naming no run, over a run left completed and
    never stamped. No verdict is reached: the run is cancelled, by name, as a signal while it is judged cancels it."""
    resumed: list[bool] = []

    def leaving(frame: Any, event: str, arg: Any) -> None:  # its first call event opens the block, the second closes it
        if event == "call" and frame.f_code is flow._user_code.__wrapped__.__code__:
            resumed.append(True)
            if len(resumed) == 2:
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)

    sys.setprofile(leaving)
    try:
        code, report, outputs, summary = world.run_action(event="push")
    finally:
        sys.setprofile(None)

    assert len(resumed) == 2
    _assert_recorded_run_cancelled_by_name(world, code, report, outputs, summary)


@pytest.mark.parametrize(
    ("where", "event"),
    [
        (TraceSink.shutdown, "call"),  # record_run's cleanup, once it completed the run: its sink's last spans sent
        (experiment.record_run, "return"),  # its result handed back to run_experiment
    ],
    ids=["shutting-the-sink", "returning"],
)
def test_a_signal_once_record_run_completed_the_run_cancels_it_by_name(
    world: World, where: Callable[..., Any], event: str
) -> None:
    """The run is recorded and record_run has marked it completed; the signal lands as its sink shuts down or as it
    returns (audit 52, L4): it escaped the flow, "interrupted by a signal: a run already created is marked cancelled",
    naming no run, over a run left completed, never stamped, and the next run's baseline. No verdict is reached: the run
    is cancelled, by name, as a signal after it (its timeouts said, its comparison) cancels it."""
    with _signalled_at(where, event, (signal.SIGTERM,)) as fired:
        code, report, outputs, summary = world.run_action(event="push")

    assert fired
    _assert_recorded_run_cancelled_by_name(world, code, report, outputs, summary)


# appended to the quickstart's app: the job is cancelled (SIGINT, the runner's first) as the user's code is imported
SIGINT_AT_IMPORT = """
import signal as _signal
import threading as _threading

_signal.pthread_kill(_threading.main_thread().ident, _signal.SIGINT)
"""

# the command, which sends itself SIGTERM (the runner's signal, or its second after SIGINT) as it announces a problem
# saying {said}: a profile function's ``call`` event of delivery.announce
SIGTERM_AS_SAID = """
import runpy, signal, sys, threading
from honeyhive_experiment import delivery

def announcing(frame, event, arg):
    if event == "call" and frame.f_code is announce and {said!r} in str(frame.f_locals["problem"]):
        sys.setprofile(None)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)

announce = delivery.announce.__code__

sys.setprofile(announcing)
sys.argv[0] = "honeyhive_experiment"
runpy.run_module("honeyhive_experiment", run_name="__main__", alter_sys=True)
"""


def _run_signalled_as_said(repo: Path, said: str) -> subprocess.CompletedProcess[str]:
    """``run --dry-run`` of ``repo`` (report: r.json) in a process of its own, sent SIGTERM as it announces ``said``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-c", SIGTERM_AS_SAID.format(said=said), "run", "--dry-run", "-C", str(repo)]
    return subprocess.run(
        [*command, "--report", "r.json"], cwd=repo, env=env, timeout=300, capture_output=True, text=True
    )


def test_a_second_signal_while_the_error_report_is_made_still_writes_it(tmp_path: Path) -> None:
    """A real command: SIGINT as the user's code is imported stops it (no verdict: an error report), and SIGTERM comes
    as that is said. The command gave Python's handlers back first ("another one ends the process at once"): SIGTERM
    killed the process (-15), with no report at all. README: a second signal ends the job with 130, after the report
    is written."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + SIGINT_AT_IMPORT, encoding="utf-8")

    done = _run_signalled_as_said(repo, "interrupted by a signal")

    assert done.returncode == 130, done.stderr
    assert "received signal 15 while writing the report: finishing it first" in done.stderr
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "error"
    assert "interrupted by a signal while preparing the run" in " ".join(report["reasons"])


def test_a_signal_while_an_errors_problems_are_said_still_writes_its_report(tmp_path: Path) -> None:
    """The experiment file cannot be used; SIGTERM comes as its problem is said, before the error report is made. The
    handler interrupted that: the command printed "interrupted" and exited 130, with no report. The report is written
    (README: always, before the process exits), with the error's code, and says nothing was cancelled."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("\ntimeout: 10\n", "\ntimeout: ten\n"), "utf-8")

    done = _run_signalled_as_said(repo, "timeout")

    assert done.returncode == 2, done.stderr
    assert "received signal 15 while writing the report: finishing it first" in done.stderr
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "error"
    assert "timeout" in " ".join(report["reasons"])
    assert "cancelled" not in json.dumps(report).lower()


RAISING = """
def answer(datapoint):
    raise RuntimeError("the model is down")
"""


def test_a_signal_while_a_failed_runs_table_is_read_costs_the_table_not_the_run(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The function raised on every datapoint: the verdict is fail. The signal lands as the HTML report's table is read
    back (with_details, before the report is written): it gave an error report naming no run ("interrupted by a signal
    while reading the key metrics' trend: a run already created is marked cancelled") over a run left completed and
    unstamped (audit 46c). The verdict was reached: only the table is given up, as the comment would be."""
    (world.root / "support_bot" / "raising.py").write_text(RAISING, encoding="utf-8")
    config = world.root / ".honeyhive" / "experiment.yml"
    function = "support_bot.raising:answer"
    config.write_text(config.read_text(encoding="utf-8").replace("support_bot.app:answer", function), encoding="utf-8")
    trigger = Trigger((signal.SIGTERM,), _in("with_details"), armed=True)
    _on_backend(world, trigger)
    try:
        code, report, outputs, _ = world.run_action(event="push")
    finally:
        trigger.release.set()

    assert trigger.fired
    assert code == 1
    assert report["verdict"] == outputs["verdict"] == "fail"
    assert "22 datapoint(s) errored: RuntimeError" in " ".join(report["reasons"])
    assert report["run"]["id"] == outputs["run-id"] != ""
    printed = capsys.readouterr()
    assert "the HTML report has no datapoint table: interrupted by signal 15" in printed.out + printed.err
    assert world.statuses() == ["completed"]


def test_a_signal_while_an_errored_run_is_stamped_keeps_the_run_and_its_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run is recorded, but HoneyHive never summarises it (its summary stays empty): an ingestion error naming the
    run. The signal lands as the check's error is stamped on the run: the report said "interrupted by a signal while
    waiting for HoneyHive to ingest the run", a run "marked cancelled" (it is completed), and named none (audit 46c).
    Now the stamp is given up (said), and the report is the run's error, naming it."""
    config = world.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("ingestion: {timeout: 30}", "ingestion: {timeout: 1}"), encoding="utf-8")

    def never_summarised(method: str, path: str, body: Any) -> Any:
        if method == "GET" and path.split("?", 1)[0].endswith("/summary"):
            return {**body, "datapoints": [], "passed": [], "failed": []}
        return body

    world.proxy.rewrite = never_summarised
    trigger = Trigger((signal.SIGTERM,), _in("stamp_verdict"), armed=True)
    _on_backend(world, trigger)
    try:
        code, report, outputs, summary = world.run_action(event="push")
    finally:
        trigger.release.set()

    assert trigger.fired
    assert code == 2
    assert report["verdict"] == outputs["verdict"] == "error"
    run_id = report["run"]["id"]
    assert run_id == outputs["run-id"] != ""
    assert f"run {run_id}: its summary still lacks 22 of the 22 datapoints sent" in " ".join(report["reasons"])
    assert "cancelled" not in summary.lower()
    printed = capsys.readouterr()
    assert (
        f"could not record the check's verdict on run {run_id}: interrupted by signal 15" in printed.out + printed.err
    )
    assert world.statuses() == ["completed"]


def _run_shard(world: World, shard: str = "1/2", attempt: str = "1") -> tuple[int, dict[str, str]]:
    """A shard job (``mode: run``, ``shard: 1/2``: 11 of the 22 datapoints) of the push; its code and outputs.
    ``attempt``: the workflow run's (a re-run of the job is its second: on the first, what the shard finds already
    recorded is another job's)."""
    step = Step(world.tmp / "shard", push(BASE_SHA))
    inputs = {"api-key": API_KEY, "server-url": world.proxy.url, "mode": "run", "shard": shard}
    environ = step.env(world.root, inputs, api_url=world.github.api_url, attempt=attempt)
    code = main(["action"], environ=environ)
    return code, step.outputs()


def test_a_signal_as_a_shards_run_is_created_names_the_run_to_re_run(
    world: World, signals: tuple[tuple[signal.Signals, ...], int], capsys: pytest.CaptureFixture[str]
) -> None:
    """A shard job's signal lands as the backend answers ``POST /v1/runs`` (the create window signals46 closed for a
    single job, audit 46c): the job said "interrupted by a signal while preparing the run: a run already created is
    marked cancelled", which a shared run never is, wrote no run-id output and named no run. Now it says how many of
    its datapoints the run it names lacks; the run stays running (README: a re-run joins it), and a re-run does."""
    sent, expected_code = signals
    created = _signal_once_the_run_is_created(world, sent)

    code, outputs = _run_shard(world)

    assert created
    assert code == expected_code
    assert outputs["run-id"] == created[0]
    printed = capsys.readouterr()
    said = f"shard 1/2: 11 datapoint(s) of run {created[0]} were not recorded (cancelled"
    assert said in printed.out + printed.err
    assert "marked cancelled" not in printed.out + printed.err
    assert world.statuses() == ["running"]

    code, outputs = _run_shard(world, attempt="2")  # the job re-run

    assert (code, outputs["run-id"]) == (0, created[0])
    assert f"recorded 11 datapoint(s) of shard 1/2 into run {created[0]}" in capsys.readouterr().out


def test_a_signal_while_a_shards_datapoints_run_winds_them_down(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first datapoint sends the signal: a shard's datapoints ran outside the phase where a signal winds them
    down, so it interrupted at once, "while preparing the run", and the job named no run. Now the runner winds down as
    a single job's does, and the job names the run and what it lacks."""
    _first_signal_from_a_datapoint(world)

    code, outputs = _run_shard(world)

    assert code == 2
    run_id = outputs["run-id"]
    printed = capsys.readouterr()
    assert re.search(rf"shard 1/2: \d+ datapoint\(s\) of run {run_id} were not recorded", printed.out), printed.out
    assert "received signal 15 while running the datapoints" in printed.err
    assert world.statuses() == ["running"]


def test_a_signal_as_a_failed_run_is_marked_failed_keeps_the_run_in_the_report(world: World) -> None:
    """The backend refuses every ``PUT /v1/runs/<id>``: completing the run fails, so it is marked failed, and the
    signal lands as that update is sent. It escaped record_run from its error branch: "interrupted by a signal while
    running the datapoints", no run named (audit 46c). The report names the run, what it recorded, and that HoneyHive
    may still show it running (it does)."""
    world.proxy.refuse_cancel.set()  # type: ignore[attr-defined]

    def marking_it_failed(method: str, path: str) -> bool:
        frame = sys._current_frames().get(threading.main_thread().ident or 0)
        status = [f.f_locals.get("status") for f, _ in traceback.walk_stack(frame) if f.f_code.co_name == "finish_run"]
        return [str(getattr(s, "value", s)) for s in status] == ["failed"]

    trigger = Trigger((signal.SIGTERM,), marking_it_failed, armed=True)
    _on_backend(world, trigger)
    try:
        code, report, outputs, summary = world.run_action(event="push")
    finally:
        trigger.release.set()

    assert trigger.fired
    assert code == 2
    said = "22 of 22 datapoint(s) were recorded", "could not be marked cancelled", "may still show it as running"
    _assert_written(report, outputs, summary, *said)
    assert report["run"]["id"] == outputs["run-id"] != ""
    assert world.statuses() == ["running"]


def test_a_signal_while_the_report_job_waits_for_the_shards_names_the_run_and_what_it_lacks(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shard 1/2 recorded its 11 datapoints; the report job waits for shard 2's, and the job is cancelled then. The
    wait's Interrupted escaped: "interrupted by a signal while waiting for the shards' run and comparing it: a run
    already created is marked cancelled" (a shared run is not: it stays running for its shards' re-run), naming no
    run. The report now names the run and how many of its datapoints never arrived, as a wait that ran out does."""
    code, outputs = _run_shard(world)
    assert code == 0
    run_id = outputs["run-id"]
    trigger = Trigger((signal.SIGTERM,), _in("_recorded_sessions"), armed=True)
    _on_backend(world, trigger)
    step = Step(world.tmp / "report", push(BASE_SHA))
    inputs = {"api-key": API_KEY, "server-url": world.proxy.url, "mode": "report", "shard": "2/2"}
    try:
        code = main(["action"], environ=step.env(world.root, inputs, api_url=world.github.api_url))
    finally:
        trigger.release.set()

    assert trigger.fired
    assert code == 2
    report = json.loads((world.root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["id"] == step.outputs()["run-id"] == run_id
    said = f"run {run_id}: 11 of 22 datapoints never reached HoneyHive (the job was cancelled while it waited)"
    assert said in report["error"], report["error"]
    assert "missing from shard 2/2: 11 datapoint(s)" in report["error"]
    assert world.statuses() == ["running"]


def _report_job_signalled(world: World, function: Callable[..., Any], event: str) -> tuple[int, Step, dict[str, str]]:
    """Both shards record their datapoints, then the report job runs with a SIGTERM at ``event`` of ``function``:
    its exit code, its step, and the last shard's outputs."""
    for shard in ("1/2", "2/2"):
        code, outputs = _run_shard(world, shard)
        assert code == 0
    step = Step(world.tmp / "report", push(BASE_SHA))
    inputs = {"api-key": API_KEY, "server-url": world.proxy.url, "mode": "report", "shard": "2/2"}
    with _signalled_at(function, event, (signal.SIGTERM,)) as fired:
        code = main(["action"], environ=step.env(world.root, inputs, api_url=world.github.api_url))
    assert fired
    return code, step, outputs


def test_a_signal_as_the_report_jobs_verdict_is_returned_keeps_the_verdict_and_its_run(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both shards recorded their datapoints; the report job's signal lands as report_shared_run hands its verdict back:
    as for a single job (above), an error report naming no run, over the shared run completed and never stamped."""
    code, step, outputs = _report_job_signalled(world, flow.report_shared_run, "return")

    assert code == 0
    report = json.loads((world.root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == step.outputs()["verdict"] == "neutral"
    assert report["run"]["id"] == step.outputs()["run-id"] == outputs["run-id"]
    assert "received signal 15 while writing the report: finishing it first" in capsys.readouterr().err
    assert world.statuses() == ["completed"]


def test_a_signal_as_a_re_run_shard_reads_its_earlier_errors_names_the_run(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A re-run shard job finds every datapoint of its shard recorded by the first attempt and reads which of them
    errored; the job's signal lands then, outside the try of the user's code: it escaped the flow, and the shard job
    ended saying "interrupted by a signal" with no run-id output and no run named. It names the run now, as a shard job
    cancelled in any other phase does."""
    code, outputs = _run_shard(world)
    assert code == 0
    run_id = outputs["run-id"]
    capsys.readouterr()

    with _signalled_at(flow._errored_earlier, "call", (signal.SIGTERM,)) as fired:
        code, outputs = _run_shard(world, attempt="2")

    assert fired
    assert code == 2
    assert outputs["run-id"] == run_id
    printed = capsys.readouterr()
    assert f"shard 1/2: 0 datapoint(s) of run {run_id} were not recorded" in printed.out + printed.err
    assert world.statuses() == ["running"]


@pytest.mark.parametrize(
    ("where", "event"),
    [
        (TraceSink.shutdown, "call"),  # the slice's last spans sent, as run_slice's cleanup shuts its sink
        (experiment.run_slice, "return"),  # the slice's outcomes handed back, before record_shard holds them
        (flow._skipped, "call"),  # the sessions an earlier attempt recorded: 30,000 ids and 190 ms for 10k × 3 trials
        (flow.record_shard, "return"),  # the shard's result handed back to the invocation
    ],
    ids=["shutting-the-sink", "run-slice-returning", "counting-the-skipped", "returning"],
)
def test_a_signal_once_a_shards_datapoints_ran_names_the_run_and_what_it_recorded(
    world: World, where: Callable[..., Any], event: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shard's 11 datapoints ran; the job's signal lands as their spans are sent, as run_slice hands their outcomes
    back (b50: between its return and record_shard's assignment), as the sessions it skipped are counted, or as
    record_shard returns (audit 52, M1): it escaped the flow, "interrupted by a signal while running the datapoints: a
    run already created is marked cancelled" (a shard's run is not), with no run-id output and nothing said of what was
    recorded. The job names the run and what it lacks (none), as one cancelled in any other phase."""
    with _signalled_at(where, event, (signal.SIGTERM,)) as fired:
        code, outputs = _run_shard(world)

    assert fired
    assert code == 2
    run_id = outputs["run-id"]
    printed = capsys.readouterr()
    assert f"shard 1/2: 0 datapoint(s) of run {run_id} were not recorded" in printed.out + printed.err
    assert "marked cancelled" not in printed.out + printed.err
    assert world.statuses() == ["running"]

    code, outputs = _run_shard(world, attempt="2")  # the job re-run: nothing left to record, the run named again

    assert (code, outputs["run-id"]) == (0, run_id)


def test_a_second_signal_as_a_shards_result_is_returned_exits_130_naming_the_run(world: World) -> None:
    """Both signals land as record_shard hands its result back: noted, not obeyed (the job says what it recorded), and
    the second still ends the job with 130 once that is said."""
    with _signalled_at(flow.record_shard, "return", (signal.SIGINT, signal.SIGTERM)) as fired:
        code, outputs = _run_shard(world)

    assert fired
    assert code == 130
    assert outputs["run-id"]
    assert world.statuses() == ["running"]


def test_a_signal_before_a_shard_runs_says_it_recorded_nothing_and_leaves_the_shared_run_to_the_others(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shard 2/2 created the shared run and recorded its datapoints; shard 1/2's signal lands as it reads what an
    earlier attempt recorded, before its datapoints run: it said "a run already created is marked cancelled in
    HoneyHive", but the run is the other shard's too, and stays running for the report job. It says what is true: this
    job recorded nothing, the shared run is left for the other shards and the report job; the job re-run records."""
    code, outputs = _run_shard(world, "2/2")
    assert code == 0
    run_id = outputs["run-id"]
    capsys.readouterr()

    with _signalled_at(flow._recorded_sessions, "call", (signal.SIGTERM,)) as fired:
        code, outputs = _run_shard(world)

    assert fired
    assert code == 2
    printed = capsys.readouterr()
    said = "while preparing the run: this job recorded nothing; the run it shares with the report job (and any other"
    assert said in printed.out, printed.out
    assert "marked cancelled" not in printed.out + printed.err
    assert world.statuses() == ["running"]

    code, outputs = _run_shard(world, attempt="2")  # the job re-run

    assert (code, outputs["run-id"]) == (0, run_id)
    assert f"recorded 11 datapoint(s) of shard 1/2 into run {run_id}" in capsys.readouterr().out


def test_a_signal_as_the_report_job_completes_the_shared_run_cancels_it_by_name(world: World) -> None:
    """Both shards recorded their datapoints; the report job's signal lands as it marks the shared run completed
    (finish_run, before the try that cancels a run no verdict will be reached for): it escaped the flow, "interrupted
    by a signal while waiting for the shards' run and comparing it: a run already created is marked cancelled",
    naming no run, which was left running. It is cancelled by name now, as one while the run is judged is."""
    code, step, outputs = _report_job_signalled(world, flow.finish_run, "call")

    assert code == 2
    report = json.loads((world.root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))
    said = "cancelled while waiting for the shards' run and comparing it", "marked cancelled"
    _assert_written(report, step.outputs(), step.summary(), *said)
    assert report["run"]["id"] == step.outputs()["run-id"] == outputs["run-id"]
    assert world.statuses() == ["cancelled"]

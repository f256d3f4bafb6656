"""What ``evaluate()`` logs and raises, as the caller's own log handlers and terminal get it (audit62): redacted of the
run's key and the environment's secrets (the caller's handlers redact nothing), each line once with ``verbose=True``,
each run's tracebacks, and an interrupted run named."""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from honeyhive_experiment import ExperimentResult, HoneyHiveClient, evaluate
from honeyhive_experiment.errors import ArgumentError
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

TOKEN = "tok-ENVSECRET-abcdefghijklmnop"  # a secret the environment names as one


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", TOKEN)


def _leaky(datapoint: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError(f"the service refused token {os.environ['MY_SERVICE_TOKEN']} and key {API_KEY}")


def _all_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.usefixtures("secret_env")
def test_a_root_handler_at_debug_gets_the_traceback_redacted(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A script's ``logging.basicConfig(level=DEBUG)`` gets the traceback of the function's error (verbose or not),
    which held the key and the environment's secret as raised: the caller's handlers redact nothing."""
    with caplog.at_level(logging.DEBUG):
        evaluate(_leaky, [{"inputs": {"n": 1}}], client=hh, print_results=False)

    logged = _all_logged(caplog)
    assert "the traceback of RuntimeError" in logged
    assert "the service refused token *** and key ***" in logged
    assert TOKEN not in logged
    assert API_KEY not in logged


class _Instrumentor:
    is_instrumented_by_opentelemetry = False

    def __init__(self, fails: str) -> None:
        self.fails = fails

    def instrument(self, tracer_provider: object = None) -> None:
        if self.fails == "instrument":
            raise RuntimeError(f"cannot instrument with token {os.environ['MY_SERVICE_TOKEN']}, key {API_KEY}")

    def uninstrument(self) -> None:
        raise RuntimeError(f"cannot undo with token {os.environ['MY_SERVICE_TOKEN']}, key {API_KEY}")


@pytest.mark.usefixtures("secret_env")
def test_an_instrumentors_error_is_said_redacted(hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture) -> None:
    """The warning of an instrumentor that cannot undo, and the ArgumentError of one that cannot instrument, said its
    error's text as raised."""
    with caplog.at_level(logging.WARNING):
        evaluate(lambda dp: 1, [{"inputs": {"n": 1}}], client=hh, instrumentors=[_Instrumentor("uninstrument")])
    with pytest.raises(ArgumentError) as raised:
        evaluate(lambda dp: 1, [{"inputs": {"n": 1}}], client=hh, instrumentors=[_Instrumentor("instrument")])

    logged = _all_logged(caplog)
    assert "_Instrumentor.uninstrument() raised RuntimeError: cannot undo with token ***, key ***" in logged
    assert str(raised.value).endswith(
        "_Instrumentor.instrument() raised RuntimeError: cannot instrument with token ***, key ***"
    )
    for said in (logged, str(raised.value)):
        assert TOKEN not in said
        assert API_KEY not in said


def _failing(datapoint: dict[str, Any]) -> dict[str, Any]:
    raise ValueError("no answer")


def test_verbose_shows_each_line_once_and_each_runs_traceback(
    hh: HoneyHiveClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a root handler on standard error (``logging.basicConfig()``), ``verbose=True`` printed every line twice;
    a second run failing as the first showed no traceback (logged once per process). The root handler's own line."""
    root = logging.getLogger()
    handler = logging.StreamHandler()  # standard error, captured
    handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))  # basicConfig()'s
    root.addHandler(handler)
    try:
        for _ in range(2):
            evaluate(_failing, [{"inputs": {"n": 1}}], client=hh, print_results=False, verbose=True)
            shown = capsys.readouterr().err.splitlines()
            assert [line for line in shown if "the traceback of ValueError" in line] == [
                "DEBUG:honeyhive_experiment.calling:the traceback of ValueError: no answer (logged once):"
            ]
    finally:
        root.removeHandler(handler)


def _bad_progress(progress: object) -> None:
    raise RuntimeError("the progress bar broke")


def test_verbose_leaves_the_callers_handlers_their_warnings(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """``verbose=True`` took the package's log from the root logger's handlers for the call (a notebook's
    ``logging.basicConfig()``, pytest's caplog): a warning while it ran reached standard error only."""
    evaluate(lambda dp: 1, [{"inputs": {"n": 1}}], client=hh, progress=_bad_progress, verbose=True, print_results=False)

    warned = "the progress callback _bad_progress raised RuntimeError"
    assert [r.levelname for r in caplog.records if r.getMessage().startswith(warned)] == ["WARNING"]
    assert len([line for line in capsys.readouterr().err.splitlines() if warned in line]) == 1  # and verbose's


def test_verbose_shows_what_the_callers_handler_on_standard_error_filters_out(
    hh: HoneyHiveClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit68 F5: verbose stepped aside for a caller's handler on standard error by its level alone, so one whose
    filter drops this package's records left verbose=True printing nothing."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(lambda record: not record.name.startswith("honeyhive_experiment"))
    logging.getLogger().addHandler(handler)
    try:
        evaluate(
            lambda dp: 1, [{"inputs": {"n": 1}}], client=hh, progress=_bad_progress, verbose=True, print_results=False
        )
    finally:
        logging.getLogger().removeHandler(handler)
    warned = "the progress callback _bad_progress raised RuntimeError"
    assert len([line for line in capsys.readouterr().err.splitlines() if warned in line]) == 1


def _logger_state() -> tuple[int, bool, list[logging.Handler]]:
    logger = logging.getLogger("honeyhive_experiment")
    return logger.level, logger.propagate, list(logger.handlers)


def test_two_verbose_calls_at_once_leave_the_logger_as_they_found_it(hh: HoneyHiveClient) -> None:
    """Two ``evaluate(verbose=True)`` calls in threads, the first ending while the second runs: each restored the
    level and propagation it found, so the second put back the first's temporary DEBUG (and no propagation) for good."""
    before = _logger_state()
    first_in, second_in, first_done = threading.Event(), threading.Event(), threading.Event()

    def first(dp: object) -> int:
        first_in.set()
        assert second_in.wait(60)  # both calls are running now
        return 1

    def second(dp: object) -> int:
        second_in.set()
        assert first_done.wait(60)  # the first call has ended
        return 1

    def call(function: Callable[[object], int], done: threading.Event | None = None) -> None:
        results.append(evaluate(function, [{"inputs": {"n": 1}}], client=hh, verbose=True, print_results=False))
        if done is not None:
            done.set()

    results: list[ExperimentResult] = []
    one = threading.Thread(target=call, args=(first, first_done))
    one.start()
    assert first_in.wait(60)  # the first call is in its run: the second starts after it
    two = threading.Thread(target=call, args=(second,))
    two.start()
    one.join()
    two.join()

    assert [r.success for r in results] == [True, True]  # each function saw the calls overlap
    assert _logger_state() == before


def test_an_interrupted_evaluate_names_the_run_it_cancelled(hh: HoneyHiveClient) -> None:
    """Ctrl-C as the first datapoint is done: the KeyboardInterrupt says which run it ended, marked cancelled, and
    what it recorded (it was a bare KeyboardInterrupt)."""

    def ctrl_c(_: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    records = [{"inputs": {"n": n}} for n in range(4)]
    with pytest.raises(KeyboardInterrupt) as raised:
        evaluate(lambda dp: 1, records, client=hh, progress=ctrl_c, max_workers=1, print_results=False)

    [note] = raised.value.__notes__
    [run] = hh.list_runs()["evaluations"]
    assert note.startswith(f"run {run['run_id']} (")
    assert re.search(r" is marked cancelled: [1-3] of 4 recorded$", note), note
    assert run["status"] == "cancelled"


def test_a_run_id_may_be_a_uuid(hh: HoneyHiveClient) -> None:
    """``run_id=uuid.uuid4()`` was refused: "expected a UUID (HoneyHive's run ids are), got UUID('…')"."""
    run_id = uuid.uuid4()

    result = evaluate(lambda dp: 1, [{"inputs": {"n": 1}}], client=hh, run_id=run_id, print_results=False)

    assert result.run_id == str(run_id)


def test_the_threads_datapoints_left_running_are_in_the_results_notes(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller reads the result, not only the log (b56): the threads its datapoints left running when they were
    recorded are said in its notes, once, naming every datapoint that left one (the log named only the first)."""
    release = threading.Event()

    def leaves_a_thread(datapoint: dict[str, Any]) -> dict[str, Any]:
        threading.Thread(target=release.wait, args=(30,), daemon=False).start()  # the user's: the exit waits
        return {"ok": True}

    class Before(_Instrumentor):  # one the user's setup switched on: left as it was, the threads carried all the same
        is_instrumented_by_opentelemetry = True

    data = [{"inputs": {"n": n}} for n in range(3)]
    try:
        result = evaluate(leaves_a_thread, data, client=hh, instrumentors=[Before("")], print_results=False)
    finally:
        release.set()
    left, said = result.notes
    assert left.startswith("Before was instrumented before the run"), left
    assert said.startswith("the thread running 'wait', started by datapoint "), said
    assert said in caplog.messages
    said, named = said.removesuffix(")").split(" (3 datapoints left one: ")
    assert sorted(named.split(", ")) == sorted(o.datapoint_id for o in result.outcomes), named

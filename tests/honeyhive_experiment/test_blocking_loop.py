"""Async code that blocks the one event loop (a sync call inside a coroutine) is said once per run, with where."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import HoneyHiveClient, evaluate
from honeyhive_experiment.calling import REPOSITORIES, where_blocking
from honeyhive_experiment.experiment import external_dataset

pytestmark = pytest.mark.integration

HERE = Path(__file__)
SAID = threading.Event()  # set when the run says the loop is blocked: until then the function holds it
SAFETY_BOUND = 30.0  # seconds: never reached unless the run never says it


class _Said(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if "blocks the event loop" in record.getMessage():
            SAID.set()


async def blocks_the_loop(datapoint: dict[str, Any]) -> dict[str, Any]:
    await asyncio.sleep(0)
    SAID.wait(SAFETY_BOUND)  # a sync call inside async code: holds the loop, awaits nothing, until it is said
    return {"answer": datapoint["inputs"]["n"]}


def _line_of(text: str) -> int:
    return next(n for n, line in enumerate(HERE.read_text().splitlines(), start=1) if text in line)


DEFINED = _line_of("async def blocks_the_loop(")
BLOCKED_AT = _line_of("SAID.wait(SAFETY_BOUND)")
NAMED = f"{__name__}.blocks_the_loop"


def test_the_warning_that_async_code_blocks_the_loop_names_the_function_and_its_line(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    # it said "your async code blocks the event loop" and nothing of where: in which function of which file
    SAID.clear()
    handler = _Said()
    logging.getLogger("honeyhive_experiment").addHandler(handler)
    try:
        dataset = external_dataset([{"inputs": {"n": 1}}])
        evaluate(blocks_the_loop, dataset, client=hh, name="blocks", timeout=None, print_results=False)
    finally:
        logging.getLogger("honeyhive_experiment").removeHandler(handler)
    assert SAID.is_set()
    said = [r.getMessage() for r in caplog.records if "blocks the event loop" in r.getMessage()]
    assert len(said) == 1, said
    assert f", in {NAMED} ({HERE}:{DEFINED}) at line {BLOCKED_AT}: its datapoints run one at a time" in said[0]


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join()
    running.close()


def test_where_the_loop_is_held(loop: asyncio.AbstractEventLoop) -> None:
    # the innermost frame of the user's code the task runs, from the repository whose code runs
    entered, release = threading.Event(), threading.Event()

    async def outer() -> None:
        await inner()

    async def inner() -> None:
        entered.set()
        release.wait(30)  # the standard library's frames (threading's) are not the user's: this line is

    held = asyncio.run_coroutine_threadsafe(outer(), loop)
    assert entered.wait(30)
    try:
        task = asyncio.current_task(loop)
        REPOSITORIES.append(str(HERE.parents[2]))
        try:
            where = where_blocking(task)
        finally:
            REPOSITORIES.pop()
        unrooted = where_blocking(task)
    finally:
        release.set()
        held.result(30)
    qualname = f"{__name__}.test_where_the_loop_is_held.<locals>.inner"
    defined, running = _line_of("    async def inner() -> None:"), _line_of("release.wait(30)  # the standard")
    assert where == f"{qualname} (tests/honeyhive_experiment/{HERE.name}:{defined}) at line {running}"
    assert unrooted == f"{qualname} ({HERE}:{defined}) at line {running}"  # evaluate(): the file as Python has it
    assert where_blocking(None) is None
    assert where_blocking(task) is None  # it ended: no frame of the task's runs

"""The one event loop the user's coroutines run on: an async function's, an async evaluator's.

One loop for the process, not one per call: an async client made once (``openai.AsyncOpenAI()`` at module level,
the usual way) binds its connections to the loop that first uses it, and fails on any other (``Event loop is
closed``, ``... is bound to a different event loop``). Datapoints still overlap: each worker thread's coroutine
is a task on the loop, so while one awaits its LLM call the others run. The price is the one asyncio always asks:
code that blocks inside a coroutine (a sync HTTP call, ``time.sleep``) holds up the other datapoints' coroutines.
The loop beats while it runs the user's coroutines, so :func:`held` tells the runner when one holds it, and which: the
runner says so, and does not count the time one datapoint's coroutine holds the loop against the others' timeouts.

The loop runs on a daemon thread started on first use (with the command's signals left to the main thread, but while
a user's coroutine runs), so a coroutine the runner abandoned (a timeout, a cancelled run) never keeps the process
alive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from honeyhive_experiment.cancellation import signals_as_usual, signals_to_main_thread

__all__ = ["held", "run_coroutine"]

_T = TypeVar("_T")

_THREAD = "honeyhive-user-loop"
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_BEAT = 0.1  # seconds between the loop's heartbeats while it runs a user's coroutine
_beat = 0.0  # time.monotonic() of its last heartbeat
_beating: asyncio.TimerHandle | None = None
_in_flight = 0  # the user's coroutines on the loop (changed on the loop's thread only)


def run_coroutine(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` to its end on the user's loop, with the caller's context variables (the current span, the
    datapoint's baggage), and return what it returns or raise what it raises (``KeyboardInterrupt``, ``SystemExit``
    and a cancellation too: they are the user code's, and never stop the loop). Call it from any thread but the
    loop's own; the caller blocks, as for a sync call."""
    if threading.current_thread().name == _THREAD:  # the loop's own thread (user code run on it, nested): it would
        with concurrent.futures.ThreadPoolExecutor(1) as aside:  # wait for itself; a loop of the coroutine's own
            return aside.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()

    async def settled() -> tuple[bool, Any]:
        global _in_flight, _beat
        _in_flight += 1
        _beat = time.monotonic()  # the loop runs: a coroutine starting or ending is a beat too
        if _beating is None:
            _heartbeat()
        try:
            with signals_as_usual():  # the user's code: what it starts obeys SIGTERM/SIGINT, its threads no daemons
                return True, await coroutine
        except BaseException as exc:  # raised to the caller below: never by the loop's task, which would end the loop
            return False, exc
        finally:
            _in_flight -= 1
            _beat = time.monotonic()

    # its task runs in a copy of this thread's context (call_soon_threadsafe's), and the future holds it while it runs
    returned, value = asyncio.run_coroutine_threadsafe(settled(), _user_loop()).result()
    if returned:
        return value  # type: ignore[no-any-return]
    raise value


def held() -> tuple[float, asyncio.Task[Any] | None] | None:
    """The user's loop held by code that does not await (``time.sleep``, a sync client inside a coroutine), no other
    coroutine of the user's running meanwhile: since when (``time.monotonic()``), and the task running it. None while
    it beats, or runs no coroutine of the user's."""
    if not _in_flight or _loop is None or time.monotonic() - _beat <= _BEAT:
        return None
    return _beat, asyncio.current_task(_loop)


def _heartbeat() -> None:
    global _beat, _beating
    _beat = time.monotonic()
    _beating = asyncio.get_running_loop().call_later(_BEAT, _heartbeat) if _in_flight else None


def _user_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            with signals_to_main_thread():
                threading.Thread(target=loop.run_forever, name=_THREAD, daemon=True).start()
            _loop = loop
        return _loop

"""How a signal stops an invocation, phase by phase.

While datapoints run, a signal is obeyed *cooperatively*: it sets the cancel event, the runner stops
starting datapoints, waits (bounded) for the running ones and the run is marked ``cancelled`` with every
session it has — so the report can say exactly which datapoints were recorded. In every other phase
(preparing, waiting for ingestion, comparing, posting) the main thread only waits on files or on the
backend, so a signal interrupts it at once (:class:`Interrupted`, raised by the signal handler), and the
flow turns that into an :class:`~honeyhive_experiment.errors.ExperimentCancelled` naming the phase.

:class:`Cancellation` is the cancel event (a ``threading.Event``, which is all the runner and the public
``evaluate`` need) plus the phase the invocation is in; :func:`enter` and :func:`cooperatively` accept a
plain event too, so code that is handed one (the Python API) works unchanged.

Only the main thread runs Python's signal handlers, and only a signal the kernel hands to the main thread
interrupts its system call (a socket read, a lock): one taken by another thread trips the handler but leaves the main
thread waiting until that call returns on its own, which a backend holding a request can make minutes. A process's
signal goes to any thread that does not block it (Linux wakes the main thread first, but a thread woken for the
second of SIGINT-then-SIGTERM may take both before it runs), so the threads the command starts block SIGTERM and
SIGINT (:func:`signals_to_main_thread`). Except while they run the user's code (:func:`signals_as_usual`): what that
code starts inherits the mask of the thread that starts it — a subprocess keeps it across exec, a forked worker
(a multiprocessing pool's) too — and a child blocking both ignores its ``terminate()``, holding the job for good. A
signal such a thread takes is seen by the runner's main thread within its poll (the runner waits for datapoints in
steps). A forked child gets the process's handlers back (:func:`_forked`): its SIGTERM ends it, not a run.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

__all__ = [
    "Cancellation",
    "Interrupted",
    "by_signal",
    "cooperatively",
    "enter",
    "hold_signals",
    "install_signal_handlers",
    "interruptible",
    "phase_of",
    "release",
    "signals_as_usual",
    "signals_to_main_thread",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

_SIGNALS = {signal.SIGTERM, signal.SIGINT}
_installed: Cancellation | None = None  # whose handlers install_signal_handlers made the process's (a fork gives back)
_user_code = threading.local()  # per thread: how many blocks of signals_as_usual it is in, and the mask before them


class Interrupted(KeyboardInterrupt):
    """A signal that stops the main thread where it is (any phase but running datapoints, or a second
    signal). A ``KeyboardInterrupt``, so code that already cleans up after Ctrl-C does so here too."""

    def __init__(self, signum: int, *, second: bool) -> None:
        super().__init__(signum, second)
        self.signum = signum
        self.second = second


def by_signal(exc: BaseException) -> bool:
    """Whether ``exc`` stops the command: a ``KeyboardInterrupt`` on the main thread, the only thread a signal
    reaches. One anywhere else was raised by code (the user's function or evaluator): its datapoint's error."""
    return isinstance(exc, KeyboardInterrupt) and threading.current_thread() is threading.main_thread()


class Cancellation(threading.Event):
    """The cancel event of one invocation, and the phase it is in (what a report of a signal says)."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = "preparing the run"
        self.signals = 0  # received so far: tells a signal apart from the runner stopping itself (it sets the event)
        self.interrupted = False  # an Interrupted was raised: later signals must not interrupt its unwinding
        self.previous: dict[int, Any] = {}  # the handlers install_signal_handlers replaced (release restores them)
        self.cooperative = False  # datapoints are running: a signal only sets the event instead of interrupting


def enter(cancel: threading.Event | None, phase: str) -> None:
    """Note that the invocation is now ``phase`` (e.g. "comparing with the baseline")."""
    if isinstance(cancel, Cancellation):
        cancel.phase = phase


def phase_of(cancel: threading.Event | None, default: str = "running") -> str:
    return cancel.phase if isinstance(cancel, Cancellation) else default


@contextmanager
def cooperatively(cancel: threading.Event | None, phase: str) -> Iterator[None]:
    """The block runs datapoints: a signal sets ``cancel`` and the block winds down on its own."""
    if not isinstance(cancel, Cancellation):
        yield
        return
    cancel.phase = phase
    cancel.cooperative = True
    try:
        yield
    finally:
        cancel.cooperative = False


# ----------------------------------------------------------------------------- the process's signal handlers


def install_signal_handlers(cancel: Cancellation) -> None:
    """SIGTERM/SIGINT → cancel the run: while datapoints run, the runner winds down and the run is marked
    cancelled; in any other phase the main thread is interrupted at once (:mod:`honeyhive_experiment.cancellation`).
    A second signal always interrupts at once; either way the report says what was recorded."""
    global _installed

    def handler(signum: int, frame: Any) -> None:
        cancel.signals += 1
        second = cancel.signals > 1
        if not second:
            print(f"received signal {signum} while {cancel.phase}: cancelling the run", file=sys.stderr, flush=True)
            cancel.set()
        if cancel.interrupted:  # already unwinding towards the report: interrupting that would lose it
            print(f"received signal {signum}: writing the report first", file=sys.stderr, flush=True)
            return
        if second or not cancel.cooperative:  # nothing winds down on its own here: stop the main thread now
            cancel.interrupted = True
            raise Interrupted(signum, second=second)

    cancel.previous = _handle_signals(handler)
    _installed = cancel


def release(cancel: Cancellation) -> None:
    """Give SIGTERM/SIGINT back the handlers :func:`install_signal_handlers` replaced (once; later calls do
    nothing): from then on a signal does what it did before, e.g. ends the process."""
    previous, cancel.previous = cancel.previous, {}
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def interruptible(
    call: Callable[_P, _R], log: logging.Logger, cancel: threading.Event | None = None
) -> Callable[_P, _R | None]:
    """``call`` (posting the comment), except that a signal while it runs abandons it (``None``): the report,
    summary and outputs are written before it, and the runner kills the job a few seconds after its signals."""

    def interrupted_at_once(*args: _P.args, **kwargs: _P.kwargs) -> _R | None:
        def stop(signum: int, frame: Any) -> None:
            raise Interrupted(signum, second=True)

        if not _handle_signals(stop):  # not the main thread: no signal reaches this code
            return call(*args, **kwargs)
        try:
            return call(*args, **kwargs)
        except Interrupted as interrupt:
            log.warning("the pull-request comment was not posted: interrupted by signal %d", interrupt.signum)
            return None
        finally:
            hold_signals(cancel)

    return interrupted_at_once


def hold_signals(cancel: threading.Event | None = None) -> None:
    """While the report is written: SIGTERM/SIGINT are noted, not obeyed (the runner's next step is a kill), and
    counted on ``cancel``: a second signal of the invocation still ends it with 130 once the report is written."""

    def note(signum: int, frame: Any) -> None:
        if isinstance(cancel, Cancellation):
            cancel.signals += 1
        print(f"received signal {signum} while writing the report: finishing it first", file=sys.stderr, flush=True)

    _handle_signals(note)


@contextmanager
def signals_to_main_thread() -> Iterator[None]:
    """Threads started in the block (and the threads they start: a new thread inherits its creator's signal mask)
    block SIGTERM and SIGINT, so the kernel gives those to the main thread, interrupting what it waits on. Only
    while this module's handlers are the process's (the command line; the Python API runs in the user's process,
    whose threads are left as they are), and only where threads have signal masks (POSIX). The block itself
    defers the signals (they arrive when it ends): keep it to starting threads."""
    if not _ours() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def signals_as_usual() -> Iterator[None]:
    """The block runs the user's code (its function, evaluators, coroutines): this thread takes SIGTERM and SIGINT
    as any thread of a program does, so the processes the code starts (which inherit the mask) obey them. Blocks may
    nest or interleave on one thread (coroutines on the user's loop): the mask comes back when the last one ends."""
    depth = getattr(_user_code, "depth", 0)
    if depth == 0:  # only threads that signals_to_main_thread blocked them in, while the command's handlers are in
        ours = _ours() and hasattr(signal, "pthread_sigmask")
        _user_code.mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS) if ours else None
    _user_code.depth = depth + 1
    try:
        yield
    finally:
        _user_code.depth -= 1
        if _user_code.depth == 0 and _user_code.mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, _user_code.mask)


def _forked() -> None:
    """A process the user's code forks (a multiprocessing pool's worker) is its own: SIGTERM/SIGINT do there what
    they did before the command took them — its pool's ``terminate()`` ends it — and reach every thread."""
    if _installed is not None and _ours():
        release(_installed)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _ours() -> bool:
    """Whether this module's handlers are the process's (the command line's; the Python API leaves them alone)."""
    return getattr(signal.getsignal(signal.SIGINT), "__module__", None) == __name__


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def _handle_signals(handler: Callable[[int, Any], None]) -> dict[int, Any]:
    """Make ``handler`` the one for SIGTERM and SIGINT; the handlers it replaced (none off the main thread,
    where Python cannot set handlers and no signal is delivered to Python code anyway)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}

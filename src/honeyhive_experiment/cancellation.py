"""How a signal stops an invocation, phase by phase.

While datapoints run, a signal is obeyed *cooperatively*: it sets the cancel event, the runner stops
starting datapoints, waits (bounded) for the running ones and the run is marked ``cancelled`` with every
session it has — so the report can say exactly which datapoints were recorded. In every other phase
(preparing, waiting for ingestion, comparing, posting) the main thread only waits on files or on the
backend, so a signal interrupts it at once (:class:`Interrupted`, raised by the signal handler), and the
flow turns that into an :class:`~honeyhive_experiment.errors.ExperimentCancelled` naming the phase. So a
``KeyboardInterrupt`` is a signal's only when it is an :class:`Interrupted`: one the user's code raises at import is
its error (:func:`signals_told_apart`). Once the verdict (:func:`verdict_reached`) or the run's error is reached, what
is left is the report: a signal is only noted (:func:`hold_signals`), or gives up the step it lands in
(:func:`interruptible`: the HTML report's table, the comment, an error's stamp); a second one ends the process with 130
once the report is written.

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
steps). A forked child gets the process's handlers back (:func:`_forked`): its SIGTERM ends it, not a run; the
forking thread blocks both over the fork (:func:`_forking`), so one sent before the child has them back waits for them.

Once the process's own command is done, :func:`exit_not_held_up` bounds its exit: what the user's code left running
(its exit functions too) gets :data:`LEFTOVER_WAIT` seconds (or ``HONEYHIVE_EXIT_WAIT``'s), which SIGTERM/SIGINT cut
short, then the process ends with the command's code, whatever ends it (a second signal, the user's ``os._exit(0)``:
:func:`_exit_no_greener`); a child forked once they are given up on ends with it.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from types import CodeType
from typing import TYPE_CHECKING, Any, Final, NoReturn, ParamSpec, TypeVar

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

__all__ = [
    "Cancellation",
    "Interrupted",
    "at_exit",
    "by_signal",
    "cooperatively",
    "enter",
    "exit_not_held_up",
    "hold_signals",
    "install_signal_handlers",
    "interruptible",
    "phase_of",
    "release",
    "signals_as_usual",
    "signals_to_main_thread",
    "signals_told_apart",
    "verdict_reached",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

_SIGNALS = {signal.SIGTERM, signal.SIGINT}
_installed: Cancellation | None = None  # whose handlers install_signal_handlers made the process's (a fork gives back)
_user_code = threading.local()  # per thread: how many blocks of signals_as_usual it is in, and the mask before them
_exit_wait: dict[int, Any] | None = None  # the handlers exit_not_held_up replaced (a forked child gets them back)
_fork_masks: dict[int, set[int | signal.Signals]] = {}  # the forking threads' own, while they fork: _forking
_parking: tuple[int, int] | None = None  # the exit gave up on the children: a pipe those forked since wait on, _park


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

    def __init__(self, caller: threading.Event | None = None) -> None:
        super().__init__()
        self.caller = caller  # the Python API caller's own cancel event: it cancels the invocation too
        self.before: Cancellation | None = None  # the invocation whose handlers these replaced (release gives it back)
        self.phase = "preparing the run"
        self.signals = 0  # received so far: tells a signal apart from the runner stopping itself (it sets the event)
        self.abandoned = 0  # received while a report's step ran, which they gave up (interruptible): no cancellation
        self.interrupted = False  # an Interrupted was raised: later signals must not interrupt its unwinding
        self.previous: dict[int, Any] = {}  # the handlers install_signal_handlers replaced (release restores them)
        self.cooperative = False  # datapoints are running: a signal only sets the event instead of interrupting

    def is_set(self) -> bool:
        return super().is_set() or (self.caller is not None and self.caller.is_set())

    def asked(self) -> bool:
        """Whether a signal or the caller's own event cancelled it (not the runner stopping itself)."""
        return self.signals > 0 or (self.caller is not None and self.caller.is_set())


@contextmanager
def signals_told_apart() -> Iterator[None]:
    """In the block (the import of the user's code), a ``KeyboardInterrupt`` is a signal's only if it is an
    :class:`Interrupted`: the command's handlers raise one; where SIGINT has Python's own (``validate``, the Python
    API's ``run_config``), a handler raising one instead (``second``: Ctrl-C stops those at once, as before) is the
    main thread's while the block runs. So a ``raise KeyboardInterrupt`` of the user's code is told from Ctrl-C."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise Interrupted(signum, second=True)

    signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is interrupt:  # not one the user's code set meanwhile
            signal.signal(signal.SIGINT, signal.default_int_handler)


def enter(cancel: threading.Event | None, phase: str) -> None:
    """Note that the invocation is now ``phase`` (e.g. "comparing with the baseline")."""
    if isinstance(cancel, Cancellation):
        cancel.phase = phase


def phase_of(cancel: threading.Event | None) -> str:
    return cancel.phase if isinstance(cancel, Cancellation) else "running"


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
    """SIGTERM/SIGINT → cancel the run: while datapoints run, the runner winds down and the run is marked cancelled; in
    any other phase the main thread is interrupted at once (:mod:`honeyhive_experiment.cancellation`). A second signal
    always interrupts at once; either way the report says what was recorded. One the process has ignored from its
    start stays ignored (:func:`_handle_signals`)."""
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

    if threading.current_thread() is not threading.main_thread():  # no signal reaches another thread's handlers
        return
    cancel.previous, cancel.before = _handle_signals(handler), _installed
    _installed = cancel


def release(cancel: Cancellation) -> None:
    """Give SIGTERM/SIGINT back the handlers :func:`install_signal_handlers` replaced (once; later calls do
    nothing): from then on a signal does what it did before, e.g. ends the process."""
    global _installed
    previous, cancel.previous = cancel.previous, {}
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    if _installed is cancel:  # a run_config inside the command (its code's import): the command's again
        _installed = cancel.before


def interruptible(
    call: Callable[_P, _R], log: logging.Logger, cancel: threading.Event | None, abandoned: str
) -> Callable[_P, _R | None]:
    """``call`` (a step of the report once the verdict is reached: reading the HTML report's table, posting the
    comment), except that a signal while it runs abandons it (``None``, and a warning: ``abandoned``, then the
    signal): the report goes on without it, and the runner kills the job a few seconds after its signals. From then
    on signals are held (:func:`hold_signals`)."""

    def interrupted_at_once(*args: _P.args, **kwargs: _P.kwargs) -> _R | None:
        def stop(signum: int, frame: Any) -> None:
            if isinstance(cancel, Cancellation):  # a signal all the same: one more after it is a second (130)
                cancel.abandoned += 1
            raise Interrupted(signum, second=True)

        _handle_signals(stop)  # none off the main thread, where no signal reaches this code (nor hold_signals' then)
        try:
            return call(*args, **kwargs)
        except Interrupted as interrupt:
            log.warning("%s: interrupted by signal %d", abandoned, interrupt.signum)
            return None
        finally:
            hold_signals(cancel)

    return interrupted_at_once


def hold_signals(cancel: threading.Event | None) -> None:
    """While the report is written: SIGTERM/SIGINT are noted, not obeyed (the runner's next step is a kill), and
    counted on ``cancel``: a second signal of the invocation still ends it with 130 once the report is written."""

    def note(signum: int, frame: Any) -> None:
        if isinstance(cancel, Cancellation):
            cancel.signals += 1
        print(f"received signal {signum} while writing the report: finishing it first", file=sys.stderr, flush=True)

    _handle_signals(note)


def verdict_reached(cancel: threading.Event | None) -> None:
    """The verdict is reached (:func:`~honeyhive_experiment.flow.judge` returns it), or a shard's result
    (:func:`~honeyhive_experiment.flow.record_shard`): what is left is its report, so from now on the command's signals
    are held (:func:`hold_signals`). Interrupting the main thread now would replace the verdict with a cancellation's
    report, naming no run, over a run completed and never stamped (a shard's: what it recorded, and its run). Only
    while the command's handlers are in (the Python API's caller keeps its own; ``view`` has none), and only for the
    command's own invocation: ``cancel``, the invocation's event, is the command's or none (``report`` and
    ``publish``, which only the command runs); the Python API called by the user's code as the command imports it has
    its own."""
    if _installed is not None and (cancel is None or cancel is _installed) and _ours():
        hold_signals(_installed)


@contextmanager
def signals_to_main_thread() -> Iterator[None]:
    """Threads started in the block (and the threads they start: a new thread inherits its creator's signal mask)
    block SIGTERM and SIGINT, so the kernel gives those to the main thread, interrupting what it waits on. Only
    while this module's handlers are the process's (the command line; the Python API runs in the user's process,
    whose threads are left as they are). The block itself defers the signals (they arrive when it ends): keep it to
    starting threads."""
    if not _ours():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def signals_as_usual() -> Iterator[None]:
    """The block runs the user's code (its function, evaluators, coroutines) on a daemon thread of ours: this thread
    takes SIGTERM and SIGINT as any thread of a program does, so the processes the code starts (which inherit the mask)
    obey them; and a thread the code starts is no daemon unless it says so, as in a program (a new thread's default is
    its starter's ``daemon``), so the exit waits for it, or names it (:func:`exit_not_held_up`). This thread stays a
    daemon to the exit, which decided so when it started: only what ``daemon`` reads is changed (CPython's
    ``_daemonic``). Blocks may nest or interleave on one thread (coroutines on the user's loop): both come back when
    the last one ends."""
    depth = getattr(_user_code, "depth", 0)
    thread = threading.current_thread()
    if depth == 0:  # only threads that signals_to_main_thread blocked them in, while the command's handlers are in
        _user_code.mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS) if _ours() else None
        _user_code.daemon, thread._daemonic = thread.daemon, False  # type: ignore[attr-defined]
    _user_code.depth = depth + 1
    try:
        yield
    finally:
        _user_code.depth -= 1
        if _user_code.depth == 0:
            thread._daemonic = _user_code.daemon  # type: ignore[attr-defined]
            if _user_code.mask is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, _user_code.mask)


def _forking() -> None:
    """Before a fork (by the user's code, or a thread it left running while the exit waits): the forking thread blocks
    the signals whose handlers :func:`_forked` gives back — the command's, or those the wait replaced — until the child
    has them back, so one sent to the child before then goes to its own handler. Unblocked, it would meet the command's
    (a cancel of the child's copy of the run) or be dropped (Python forgets what it caught before the fork's end): a
    pool's ``terminate()`` right after its worker started left the worker running, and the pool's exit waiting."""
    held = _SIGNALS if _installed is not None and _ours() else _exit_wait
    if held:
        _fork_masks[threading.get_ident()] = signal.pthread_sigmask(signal.SIG_BLOCK, held)


def _forked_in_parent() -> None:
    mask = _fork_masks.pop(threading.get_ident(), None)
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _forked() -> None:
    """A process the user's code forks (a multiprocessing pool's worker) is its own: SIGTERM/SIGINT do there what
    they did before the command took them — its pool's ``terminate()`` ends it — and reach every thread. Forked
    while the exit waits, it gets back the handlers the wait replaced, and no wakeup (the parent's pipe: its signal
    would end the parent's wait). Only then are the signals :func:`_forking` blocked unblocked: one sent since the fork
    meets the handler it is meant for. Its ``os._exit`` (a pool's worker ends by it) keeps the status asked."""
    global _command_code

    _command_code = None  # the parent's command, not the child's: _run_last
    ours = _installed if _ours() else None  # the command's handlers, to give back
    if ours is not None:
        release(ours)
    if _exit_wait is not None:
        signal.set_wakeup_fd(-1)
        for signum, handler in _exit_wait.items():
            signal.signal(signum, handler)
    _forked_in_parent()
    if ours is not None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    if _parking is not None and _refilling_a_pool():
        _park(*_parking)


def _refilling_a_pool() -> bool:
    """Whether this child was forked by a ``multiprocessing`` pool's worker handler (the thread the fork left in it),
    replacing the workers it lost: the only fork :func:`_park` holds back. An exit function's own child (a
    ``Process`` it starts, a ``subprocess`` with a ``preexec_fn``) runs."""
    target = getattr(threading.current_thread(), "_target", None)
    return getattr(target, "__qualname__", "") == "Pool._handle_workers"


def _park(read_end: int, write_end: int) -> None:
    """A pool's worker forked once the exit has given up on the user's children (:func:`exit_not_held_up`,
    :func:`_refilling_a_pool`) runs nothing: it waits for the process to end (the pipe's end of file: the process held
    its other end), then ends too. The pool was refilling the workers the exit (or the job's SIGTERM to the whole
    group) just ended, after the exit looked for children: left to run, such a worker outlived the process, waiting
    for tasks for good. Its SIGTERM still ends it."""
    try:
        os.close(write_end)
        while os.read(read_end, 1):
            pass
    finally:
        _os_exit(0)


def _ours() -> bool:
    """Whether this module's handlers are the process's (the command line's; the Python API leaves them alone), but
    the exit's (:func:`exit_not_held_up`: the command is done)."""
    handlers = map(signal.getsignal, _SIGNALS)  # either: the other may be ignored (_handle_signals)
    return any(getattr(handler, "__module__", None) == __name__ for handler in handlers) and _exit_wait is None


os.register_at_fork(before=_forking, after_in_parent=_forked_in_parent, after_in_child=_forked)


def _handle_signals(handler: Callable[[int, Any], None], *, before: Mapping[int, Any] | None = None) -> dict[int, Any]:
    """Make ``handler`` the one for SIGTERM and SIGINT, but an ignored one, which stays ignored in every phase, as
    POSIX has it and Python does (it leaves an inherited ignored SIGINT alone): a background job of a script
    (``cmd &``) is started with SIGINT ignored. The handlers it replaced (none off the main thread, where Python
    cannot set handlers and no signal is delivered to Python code anyway). ``before``: the handlers that those in now
    stand in for (the command's, taken over by the exit's: :func:`_taken_over`), said as replaced instead."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    replaced: dict[int, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        was = (before or {}).get(signum, signal.getsignal(signum))
        if was in (signal.SIG_IGN, None):  # ignored (None: set outside Python, left as it is)
            continue
        signal.signal(signum, handler)
        replaced[signum] = was
    return replaced


def _taken_over() -> dict[int, Any]:
    """The handlers the command's replaced, if those are still in (not released: ``run``'s command hands them straight
    to the exit's, :func:`exit_not_held_up`), which no longer gives them back (:func:`release`); else none."""
    if _installed is None:
        return {}
    before, _installed.previous = _installed.previous, {}
    return before


# ----------------------------------------------------------------------------- the exit

LEFTOVER_WAIT: Final = 5.0
"""Seconds the process waits, once its command is done, for what the user's code left running (threads, processes,
exit functions), unless :data:`EXIT_WAIT_VARIABLE` says otherwise."""
EXIT_WAIT_VARIABLE: Final = "HONEYHIVE_EXIT_WAIT"
"""The environment variable that sets that wait: a whole number of seconds from 1 to 3600. Not 0: a wait that runs out
before Python's own exit has begun would name and cut short exit functions that were never held up."""
_CHILD_GRACE: Final = 1.0
"""Seconds a leftover child process has to end once terminated, then once killed."""
_last: list[Callable[[], None]] = []  # at_exit's: run after the user's exit functions, whatever those do
_last_taken = threading.Lock()  # by the thread that runs them: Python's exit, or the watch giving up on the user's
_last_begun = threading.Event()  # the user's exit functions are over


_os_exit: Final = os._exit  # Python's: how ours end the process (the user's code gets _exit_no_greener)
_command_code: int | None = None  # the command's exit code, once its report is delivered (exit_not_held_up)
_command_pid: int | None = None  # the command's own process (at_exit): a forked child's os._exit is its own
_ending = threading.RLock()  # by the user's os._exit that ends the process (_exit_no_greener)
_unjudged: Callable[[str], int]  # at_exit's: says the user's os._exit(0) before the command was done, gives its code


def at_exit(*ours: Callable[[], None], unjudged: Callable[[str], int]) -> None:
    """The exit functions registered from now on are the user's code's (imported next), which :func:`exit_not_held_up`
    bounds; ``ours`` run after them at the process's exit, as if registered now with :mod:`atexit`, and also when one
    of the user's is given up on (then by the exit's watch, before it ends the process). ``os._exit`` is
    :func:`_exit_no_greener` from now on, before the user's code can take it (``atexit.register(os._exit, 0)``);
    ``unjudged`` says where the user's code called ``os._exit(0)`` before the command was done, and gives the code the
    process ends with then (the command's settings know it: ``fail-on-error``)."""
    global _command_pid, _unjudged
    _last[:] = reversed(ours)
    _unjudged = unjudged
    atexit.register(_run_last)
    _command_pid = os.getpid()
    os._exit = _exit_no_greener


def _exit_no_greener(status: int) -> NoReturn:
    """``os._exit`` in the command's own process (:func:`at_exit`): the user's code's ``os._exit(0)`` is never greener
    than the report. While the command runs (at import, in a datapoint) the process ends as an error verdict does, with
    2 (0 with ``fail-on-error: false``: a warning), saying so (:func:`at_exit`'s ``unjudged``): there is no verdict,
    no report (0 read as a pass, the run left running). Once the report is delivered
    (:func:`exit_not_held_up`: an exit function registered at import, a thread joining the main thread) it ends with
    the command's code. Either way after ours (:func:`at_exit`: the fence's drain in Actions) and the redacting streams'
    release, as the exit's own end does. A status other than 0 is kept: it is no green; so is a forked child's (a
    pool's worker ends by ``os._exit``), whose status is its parent's to read."""
    done = _command_code
    if os.getpid() != _command_pid or (status and done is None):
        _os_exit(status)
    code = 2 if done is None else done
    _ending.acquire()  # another thread's os._exit (two datapoints') waits: this one ends the process, ours first
    try:
        if done is None:  # nothing was judged: an error
            frame = sys._getframe(1)  # the caller: the user's code, at its os._exit
            code = _unjudged(
                f"your code called os._exit(0) in {frame.f_code.co_qualname} ({frame.f_code.co_filename}, line"
                f" {frame.f_lineno})"
            )
        if _last_taken.acquire(blocking=False):  # else they run already (or are given up on): the user's call ends them
            _run_ours()
    finally:
        _end_process(code if status == 0 else status)


def _run_last() -> None:
    """The last exit function: ours (:func:`at_exit`); then, once the command's code is known
    (:func:`exit_not_held_up`), SIGTERM and SIGINT ignored: Python's teardown, next, puts the default handlers back but
    for ignored ones, and a signal in its tens of milliseconds would end a delivered pass with 143 or 130."""
    if not _last_taken.acquire(blocking=False):  # the exit's watch gave up on the user's exit functions: it runs ours
        threading.Event().wait()  # and ends the process
    _last_begun.set()
    _run_ours()
    if _command_code is not None and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)


def _run_ours() -> None:
    for ours in _last:
        ours()


def exit_not_held_up(code: int, environ: Mapping[str, str]) -> None:
    """The command is done (its report delivered): Python now waits, before it exits, for every thread that is not a
    daemon, the workers of thread and process pools and (an exit function of :mod:`multiprocessing`'s) every child
    process that is not a daemon, so what the user's code left running would hold the job for ever. They get
    :func:`_leftover_wait` seconds from now (``environ``'s :data:`EXIT_WAIT_VARIABLE`), the exit functions included;
    then a warning names the threads and child processes, which are given up on (the children terminated, killed if
    they must be; one forked later is ended with the process: :func:`_park`), and the exit functions they held up get
    as many seconds of their own (:data:`_CHILD_GRACE` once a signal cancelled the command). The process ends with
    ``code``, after ours (:func:`at_exit`) and the redacting streams' release, as a normal exit would; SIGTERM or
    SIGINT in the first wait ends it so at once, a second one (or one after that wait) on the spot. Always with
    ``code``: the report is delivered, and the check says what it says. ``run``'s command calls it before it releases
    its handlers, which these take over (:func:`_taken_over`). Later calls do nothing.

    The exit functions a thread held up run on the main thread, as at any exit (``signal.signal`` works only there, and
    code may check ``threading.current_thread()``). That thread is then in Python's wait for the threads
    (``threading._shutdown``, which Python's exit runs before the exit functions): a lock's ``acquire``, which a signal
    interrupts on POSIX. So the watch sends SIGUSR2 to the main thread, whose handler runs the exit functions right
    there, then ends the process: the wait is never resumed, and nothing of Python's is patched. Not the other ways
    out: releasing the locks that wait takes (the threads') would make a ``join`` in an exit function return before
    its thread ends; raising out of the wait would go on to the interpreter's finalization with those threads still
    running (a thread printing then aborts it). Where the wait is not interrupted within :data:`_CHILD_GRACE` (locks a
    signal does not interrupt: musl, maybe macOS), or SIGUSR2 is the user's, or this is not the main thread, they run
    on a thread of their own, and a warning says so."""
    global _exit_wait, _command_code

    if _command_code is not None:  # called already: ``run`` calls it before its handlers are released (cli._run)
        return
    _command_code = code  # the user's os._exit(0) from now on ends the process with it: _exit_no_greener
    wait = _leftover_wait(environ)  # one deadline for all that is left, however many threads, processes, exit functions
    deadline = time.monotonic() + wait
    claimed = threading.Lock()  # by whichever comes first: Python's exit functions, or the watch (a thread holds them)
    running = threading.Lock()  # by what the watch hands them to: the main thread (its signal's handler), or runner
    by: list[threading.Thread] = []  # which of the two
    handing = threading.Event()  # the watch's SIGUSR2 is on its way to the main thread
    taken = threading.Event()  # the main thread runs them
    over = threading.Event()  # the wait, which a signal cuts short
    cut = threading.Event()  # by a signal
    signalled: list[int] = []  # what heed read: the signal that cut the wait short
    previous: dict[int, Any] = {}  # the handlers replaced: the signals heed reads
    main = threading.main_thread()
    here = threading.current_thread() is main  # the main thread can be asked

    def run_them() -> None:  # on runner, or on the main thread in its wait for threads: then the process ends
        atexit._run_exitfuncs()
        if by == [main]:
            _end_process(code)

    runner = threading.Thread(target=run_them, name="honeyhive-exit-functions", daemon=True)

    def exiting() -> None:  # the first exit function (the last registered): Python waits for no more threads
        if not claimed.acquire(blocking=False) and by != [threading.current_thread()]:
            threading.Event().wait()  # the watch had runner run them (this was their second run): it ends the process

    def asked(signum: int, frame: object) -> None:  # the watch's SIGUSR2, on the main thread
        if not handing.is_set():  # not the watch's: what it did before
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
        elif running.acquire(blocking=False):  # else runner has them
            by.append(main)
            taken.set()
            run_them()

    def hand_over(threads: list[threading.Thread]) -> threading.Thread:  # the exit functions the threads held up
        if here:  # to the main thread, if its wait is interrupted (at once where it can be)
            handing.set()
            signal.pthread_kill(main.ident or 0, signal.SIGUSR2)
            taken.wait(_CHILD_GRACE)
        if running.acquire(blocking=False):  # else the main thread has them
            by.append(runner)
            named = ", ".join(repr(thread.name) for thread in threads)
            logging.getLogger(__name__).warning(
                f"your code's exit functions (atexit) run off the main thread: thread(s) {named} still held the exit"
                " (Python runs them once every thread that is not a daemon has ended)"
            )
            runner.start()
        return by[0]

    def watch() -> None:
        global _parking

        cut.wait(max(deadline - time.monotonic(), 0))
        over.set()
        _parking = os.pipe()  # from now on a child is ended with the process, never run: _park
        children = _children()
        threads = claimed.acquire(blocking=False)  # Python still waits for threads: the exit functions are handed over
        holding = _holding_the_exit() if threads else []
        _left_running(holding, children, signalled, wait)
        _end(children)  # first: ended, they may let the exit functions go on
        holder = hand_over(holding) if threads else main
        if threads or children:  # what was given up on held the exit functions up: their time starts now; begun (no
            # thread held them) in a job a signal cancelled, they have had it: a moment to return once the children end
            signalled_before = _installed is not None and _installed.signals > 0
            _last_begun.wait(_CHILD_GRACE if signalled_before and not threads else wait)
        given_up = _last_taken.acquire(blocking=False)  # one of the user's exit functions still runs
        if not given_up and holder is main:  # ours run on the main thread, then it ends the process (or Python's exit)
            return
        try:
            if given_up:
                _given_up(holder, run_them.__code__, [] if threads or children else signalled, wait)
                _run_ours()
            else:
                runner.join()  # ours, then the exit functions registered before them
        finally:  # whatever failed: the main thread waits for this
            _end_process(code)

    def heed() -> None:  # the signals' numbers, whichever thread took them (the main thread may be stuck in a wait)
        while True:
            for signum in os.read(woken, 64):
                if signum not in previous:  # the watch's SIGUSR2
                    continue
                if signalled or over.is_set():  # a second, or the wait is over: the process ends now, its code kept
                    _os_exit(code)
                signalled.append(signum)
                cut.set()

    def cut_short(signum: int, frame: object) -> None:  # heed reads the signal from the pipe
        pass

    if here:  # where handlers are set
        woken, wake = os.pipe()  # the signals' numbers, written whichever thread the kernel gives them to: Python
        os.set_blocking(wake, False)  # runs handlers in the main thread only, maybe stuck in its wait for a thread
        signal.set_wakeup_fd(wake, warn_on_full_buffer=False)
        # the command's handlers, if still in, are taken over: no gap between
        previous.update(_handle_signals(cut_short, before=_taken_over()))
        _exit_wait = previous  # a child forked from now on (by a thread left running) gets them back: _forked
        threading.Thread(target=heed, name="honeyhive-exit-signals", daemon=True).start()
    if here and signal.getsignal(signal.SIGUSR2) is signal.SIG_DFL:  # not the user's
        signal.signal(signal.SIGUSR2, asked)
        _exit_wait = {**(_exit_wait or {}), signal.SIGUSR2: signal.SIG_DFL}
    else:
        here = False
    atexit.register(exiting)
    threading.Thread(target=watch, name="honeyhive-exit", daemon=True).start()


def _end_process(code: int) -> NoReturn:
    """End the process with ``code`` at once, after what the redacting streams hold back (Python's exit flushes it)."""
    try:
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                stream.close()
    finally:
        _os_exit(code)


def _given_up(thread: threading.Thread, under: CodeType, signalled: list[int], wait: float) -> None:
    """Warn that the user's exit function ``thread`` runs is given up on: named by its frame, the first one called from
    ``under`` (what runs them, on runner or in the main thread's wait for threads), else the main thread's outermost
    (Python's exit calls them from no Python code)."""
    frame = sys._current_frames().get(thread.ident or 0)
    frames = [frame for frame, _ in traceback.walk_stack(frame)][::-1] if frame is not None else []
    codes = [frame.f_code for frame in frames]
    first = codes.index(under) + 1 if under in codes else 0
    named = [f" {frame.f_globals.get('__name__')}.{frame.f_code.co_qualname}" for frame in frames[first : first + 1]]
    when = _when(signalled, wait, "its ")
    logging.getLogger(__name__).warning(
        f"your code's exit function{''.join(named)} (atexit) was still running {when}; the process ends without"
        " waiting for it (make it return: wait with a timeout)"
    )


def _when(signalled: list[int], wait: float, its: str = "") -> str:
    """When the exit's wait ended, for its warnings: at a signal, or at its bound (``wait`` seconds)."""
    return f"after signal {signalled[0]}" if signalled else f"past {its}{wait:g} s"


def _leftover_wait(environ: Mapping[str, str]) -> float:
    """The exit's wait: ``environ``'s :data:`EXIT_WAIT_VARIABLE`, else :data:`LEFTOVER_WAIT` (with a warning naming the
    variable when it is set to anything but a whole number from 1 to 3600: the command is done, nothing is refused)."""
    value = environ.get(EXIT_WAIT_VARIABLE, "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 4 and 1 <= int(value) <= 3600:
        return float(value)
    if value:
        from honeyhive_experiment.models.outcomes import excerpt  # pydantic's models: not at every exit (a usage error)

        logging.getLogger(__name__).warning(
            f"environment {EXIT_WAIT_VARIABLE}: expected a whole number of seconds from 1 to 3600, got"
            f" {excerpt(value)!r}; waiting {LEFTOVER_WAIT:g} s for what your code left running"
        )
    return LEFTOVER_WAIT


def _left_running(
    threads: list[threading.Thread], children: list[BaseProcess], signalled: list[int], wait: float
) -> None:
    """Warn that the user's code left ``threads`` and ``children`` (its child processes but daemons, which are ended at
    exit anyway) running, past the wait or a signal (``signalled``)."""
    named = [f"{child.name!r} (pid {child.pid})" for child in children if not child.daemon]
    left = [f"thread(s) {', '.join(repr(thread.name) for thread in threads)}"] if threads else []
    left += [f"child process(es) {', '.join(named)}"] if named else []
    when = _when(signalled, wait)
    if left:  # none: they just ended
        logging.getLogger(__name__).warning(
            f"your code left {' and '.join(left)} running after the command ended; the process ends without waiting"
            f" for them {when}{', terminating the processes' if named else ''} (make them daemons, or end them: shut a"
            " pool down, join a process)"
        )


def _children() -> list[BaseProcess]:
    """The child processes :mod:`multiprocessing` started that still run (none if it was never used)."""
    process = sys.modules.get("multiprocessing.process")
    return process.active_children() if process is not None else []


def _end(children: list[BaseProcess]) -> None:
    """Terminate ``children``, kill those still there after :data:`_CHILD_GRACE`, and reap them."""
    for end in ("terminate", "kill"):
        for child in children:
            getattr(child, end)()
        deadline = time.monotonic() + _CHILD_GRACE
        for child in children:
            child.join(max(deadline - time.monotonic(), 0))
        children = [child for child in children if child.is_alive()]


def _holding_the_exit() -> list[threading.Thread]:
    """The threads Python's exit waits for: those that are not daemons, and the pools' workers and managers, which
    :mod:`concurrent.futures` joins at exit (its registries of them are private)."""
    pooled: set[threading.Thread] = set()
    for module, registry in (
        ("concurrent.futures.thread", "_threads_queues"),
        ("concurrent.futures.process", "_threads_wakeups"),
    ):
        pooled.update(getattr(sys.modules.get(module), registry, {}))
    ignored = threading.main_thread(), threading.current_thread()
    return [
        t
        for t in threading.enumerate()
        if t not in ignored and t.is_alive() and ((not t.daemon and not t.name.startswith("honeyhive-")) or t in pooled)
    ]  # ours are daemons, also one running the user's code (signals_as_usual)

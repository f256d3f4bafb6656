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
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Cancellation", "Interrupted", "cooperatively", "enter", "phase_of"]


class Interrupted(KeyboardInterrupt):
    """A signal that stops the main thread where it is (any phase but running datapoints, or a second
    signal). A ``KeyboardInterrupt``, so code that already cleans up after Ctrl-C does so here too."""

    def __init__(self, signum: int, *, second: bool) -> None:
        super().__init__(signum, second)
        self.signum = signum
        self.second = second


class Cancellation(threading.Event):
    """The cancel event of one invocation, and the phase it is in (what a report of a signal says)."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = "preparing the run"
        self.signals = 0  # received so far: tells a signal apart from the runner stopping itself (it sets the event)
        self.interrupted = False  # an Interrupted was raised: later signals must not interrupt its unwinding
        self._cooperative = 0

    @property
    def cooperative(self) -> bool:
        """Whether a signal now only sets the event (datapoints are running) instead of interrupting."""
        return self._cooperative > 0


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
    cancel._cooperative += 1
    try:
        yield
    finally:
        cancel._cooperative -= 1

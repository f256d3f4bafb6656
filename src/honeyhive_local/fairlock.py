"""A reentrant lock that serves waiting threads in arrival order (the store's lock)."""

from __future__ import annotations

import threading
from collections import deque

__all__ = ["FairLock"]


class FairLock:
    """A reentrant lock handed over in arrival order.

    ``threading.RLock`` is not fair: a thread that releases it and takes it again at once (a big OTLP
    export, one transaction per batch) keeps winning, and a small request waiting for it starves until
    the whole export is done. Here a waiting thread is served before the releasing thread gets it back.
    """

    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._waiting: deque[object] = deque()

    def __enter__(self) -> None:
        me = threading.get_ident()
        with self._state:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is not None or self._waiting:
                ticket = object()
                self._waiting.append(ticket)
                while self._owner is not None or self._waiting[0] is not ticket:
                    self._state.wait()
                self._waiting.popleft()
            self._owner = me
            self._depth = 1

    def __exit__(self, *exc_info: object) -> None:
        with self._state:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                if self._waiting:
                    self._state.notify_all()

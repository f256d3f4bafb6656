"""How a run's progress is shown while it runs: a bar on a terminal, a line every 10% (or 15 s) in CI logs.

With trials its counts are of trials, and it says so: how many ended outside a passing range ("failed") or with an
error, their function's or an evaluator's, as each ends. The verdict counts datapoints, a datapoint's trials judged by
their mean, so its numbers differ."""

from __future__ import annotations

import time
from contextlib import suppress
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from honeyhive_experiment.models.outcomes import Progress

__all__ = ["ProgressPrinter"]


class ProgressPrinter:
    def __init__(self, stream: TextIO, interactive: bool) -> None:
        self._stream = stream
        self._interactive = interactive
        self._last_line = time.monotonic()
        self._last_decile = -1

    def __call__(self, p: Progress) -> None:
        with suppress(BrokenPipeError):  # what read the log closed it (`2>&1 | head`): the run goes on, to its report
            eta = f", eta {p.eta:.0f} s" if p.eta is not None and p.done < p.total else ""
            unit, counted = ("trials", " trials") if p.trials > 1 else ("datapoints", "")
            text = f"{p.done}/{p.total} {unit} ({p.failed}{counted} failed, {p.errored} errored), {p.rate:.1f}/s{eta}"
            if self._interactive:
                width = 30
                filled = int(width * p.done / max(p.total, 1))
                self._stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}   ")
                if p.done == p.total:
                    self._stream.write("\n")
                self._stream.flush()
                return
            decile = int(10 * p.done / max(p.total, 1))
            now = time.monotonic()
            if decile != self._last_decile or now - self._last_line > 15 or p.done == p.total:
                self._last_decile, self._last_line = decile, now
                print(text, file=self._stream, flush=True)

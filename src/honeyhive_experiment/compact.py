"""A memory-saving container for large runs, kept out of :mod:`honeyhive_experiment.models`.

A run of 20,000 datapoints read into pydantic models would hold tens of MiB of objects just to be carried
from the backend's summary to the report, which reads a few of them (~3.7 kB a row; the compare run of
``benchmarks/bench_large_run.py`` holds two summaries and peaks at 465 MB that way, 296 MB with this):

* :class:`~honeyhive_experiment.models.summary.DatapointResults` — a summary's rows kept as columns of plain values
  in the wire's own shape, a model built only when a row is read, equal metrics one object (:class:`SharedValues`).

Strings read from the wire are interned where they are parsed (:mod:`honeyhive_experiment.jsonstream`), and
the runner interns the ids it makes, so the summary's ids are the same objects as the run's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

__all__ = ["SharedValues"]

_V = TypeVar("_V")


class SharedValues(Generic[_V]):
    """One object for equal immutable values: a large run repeats the same metric values (pass/fail checks,
    counts) datapoint after datapoint, and each repeat then costs a reference instead of an object.

    :meth:`share` takes the value and the scalars it is made of. Equal scalars of different types stay
    apart (``True``, ``1`` and ``1.0`` are equal in Python but different values here); values with a
    float (scores rarely repeat) or an unhashable part are not shared; the table is bounded.
    """

    def __init__(self, limit: int = 4096) -> None:
        self._table: dict[tuple[Any, ...], _V] = {}
        self._limit = limit

    def share(self, value: _V, parts: Iterable[Any]) -> _V:
        parts = tuple(parts)
        if len(self._table) >= self._limit or any(type(part) is float for part in parts):
            return value
        try:
            return self._table.setdefault((*parts, *(type(part) for part in parts)), value)
        except TypeError:  # an unhashable part
            return value

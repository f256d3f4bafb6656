"""A memory-saving container for large runs, kept out of :mod:`honeyhive_experiment.models`.

A run of 20,000 datapoints read into pydantic models would hold tens of MiB of objects just to be carried
from the backend's summary to the report, which reads a few of them (~3.7 kB a row; the compare run of
``benchmarks/bench_large_run.py`` holds two summaries and peaks at 465 MB that way, 296 MB with this):

* :class:`ColumnRows` — a ``Sequence`` of models kept as columns of plain values in the wire's own shape, a
  model built only when an item is read, equal entries one object (:class:`SharedValues`).

Strings read from the wire are interned where they are parsed (:mod:`honeyhive_experiment.jsonstream`), and
the runner interns the ids it makes, so the summary's ids are the same objects as the run's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar, overload

from pydantic import BaseModel

__all__ = ["ColumnRows", "SharedValues"]

_V = TypeVar("_V")
_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)

Kinds = type | tuple[type, ...]
"""The types a field's value may have (``None`` is always allowed, except where a shape says required)."""


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


def _optional(value: Any, kind: Kinds) -> bool:
    return value is None or isinstance(value, kind)


class _Absent(Enum):
    ABSENT = "absent"


_ABSENT: Any = _Absent.ABSENT
"""In a column: the item had no such key (one of :attr:`ColumnRows.optional`), so the model gets its default. An enum
member, not ``object()``: a result pickled (sent back from a worker process) or deep-copied keeps it the same object."""


class _RowBuilder:
    """Turns wire rows of one shape into tuples of their values, sharing equal entries and equal lists of them."""

    def __init__(self, shape: type[ColumnRows[Any]]) -> None:
        self._shape = shape
        self._keys = frozenset((*(name for name, _ in shape.fields), shape.entries[0]))
        self._required = self._keys - shape.optional
        self._entry_names = tuple(name for name, _ in shape.entries[1])
        self._entries: SharedValues[tuple[Any, ...]] = SharedValues()
        self._entry_lists: SharedValues[tuple[tuple[Any, ...], ...]] = SharedValues()

    def row(self, item: Any) -> tuple[Any, ...] | None:
        """The item's values, fields first and its entries last; ``None`` when it is not of the shape."""
        if not isinstance(item, Mapping) or not self._required <= item.keys() <= self._keys:
            return None
        values = []
        for name, kind in self._shape.fields:
            value = item.get(name, _ABSENT)
            if value is not _ABSENT and not _optional(value, kind):
                return None
            values.append(value)
        listed = item[self._shape.entries[0]]
        if not isinstance(listed, list):
            return None
        entries = []
        for raw in listed:
            entry = self._entry(raw)
            if entry is None:
                return None
            entries.append(entry)
        shared = self._entry_lists.share(tuple(entries), (part for entry in entries for part in entry))
        return (*values, shared)

    def _entry(self, raw: Any) -> tuple[Any, ...] | None:
        if not isinstance(raw, Mapping) or len(raw) != len(self._entry_names):
            return None
        try:
            entry = tuple(raw[name] for name in self._entry_names)
        except KeyError:
            return None
        for position, (value, (_, kind)) in enumerate(zip(entry, self._shape.entries[1], strict=True)):
            if not (isinstance(value, kind) if position == 0 else _optional(value, kind)):  # the first is required
                return None
        return self._entries.share(entry, entry)


class ColumnRows(Sequence[_M]):
    """A sequence of models kept compact: one list per field (a reference each per item), a model built on read.

    A subclass sets :attr:`model`, :attr:`fields` (the scalar fields, name and allowed types) and
    :attr:`entries` (the name of the list field and its items' fields; an item's first field must be a
    string) and :attr:`optional` (the fields an item may leave out). Items of that shape are kept as columns, equal
    entries shared; any other item (a legacy shape, unknown fields) is validated at once and kept as its model.
    Reading gives exactly what ``model.model_validate`` of the wire item gives.
    """

    model: ClassVar[type[BaseModel]]
    fields: ClassVar[tuple[tuple[str, Kinds], ...]]
    entries: ClassVar[tuple[str, tuple[tuple[str, Kinds], ...]]]
    optional: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("_builder", "_columns")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        # the last column holds the item's entries, or the whole model of an item kept whole
        self._columns: tuple[list[Any], ...] = tuple([] for _ in range(len(self.fields) + 1))
        self._builder: _RowBuilder | None = _RowBuilder(type(self))
        for item in items:
            self.append(item)
        self.seal()

    @classmethod
    def reading(cls) -> ColumnRows[_M]:
        """An empty instance to :meth:`append` items to as they are read, then :meth:`seal`."""
        out = cls()
        out._builder = _RowBuilder(cls)
        return out

    def append(self, item: Any) -> None:
        """Add one wire item (while reading; see :meth:`seal`)."""
        assert self._builder is not None, "sealed"
        row = None if isinstance(item, self.model) else self._builder.row(item)
        if row is None:  # kept whole, as its model
            model = item if isinstance(item, self.model) else self.model.model_validate(item)
            row = (*(None for _ in self.fields), model)
        for column, value in zip(self._columns, row, strict=True):
            column.append(value)

    def seal(self) -> None:
        """Done reading: drop the tables of shared entries."""
        self._builder = None

    def _item(self, index: int) -> _M:
        last = self._columns[-1][index]
        if isinstance(last, self.model):
            return last  # type: ignore[return-value]
        values = {
            name: column[index]
            for (name, _), column in zip(self.fields, self._columns, strict=False)
            if column[index] is not _ABSENT
        }
        names = [name for name, _ in self.entries[1]]
        values[self.entries[0]] = [dict(zip(names, entry, strict=True)) for entry in last]
        return self.model.model_validate(values)  # type: ignore[return-value]

    def column(self, name: str) -> Iterator[Any]:
        """One field's values, item by item, without building models (read from the model of an item kept whole)."""
        index = next(i for i, (field, _) in enumerate(self.fields) if field == name)
        for value, last in zip(self._columns[index], self._columns[-1], strict=True):
            yield getattr(last, name) if isinstance(last, self.model) else None if value is _ABSENT else value

    def __len__(self) -> int:
        return len(self._columns[-1])

    @overload
    def __getitem__(self, index: int) -> _M: ...

    @overload
    def __getitem__(self, index: slice) -> list[_M]: ...

    def __getitem__(self, index: int | slice) -> _M | list[_M]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(len(self))[index]]
        return self._item(range(len(self))[index])

    def __iter__(self) -> Iterator[_M]:
        return (self._item(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ColumnRows | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} items)"

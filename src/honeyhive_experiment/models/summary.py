"""A run's summary (``/v1/runs/{id}/summary``, legacy ``/result``): pass/fail, aggregated metrics, datapoints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import Enum
from typing import Annotated, Any, Final, Self, overload

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from honeyhive_experiment.compact import SharedValues
from honeyhive_experiment.jsonstream import NotJson, read_array_items
from honeyhive_experiment.models.run import ExperimentRun
from honeyhive_experiment.models.wire import (
    MetricValue,
    _EventMetric,
    _find,
    _get,
    _IdList,
    _keyed_list,
    _list_or_empty,
    _Status,
    _WireModel,
)


class PassingRange(_WireModel):
    """``{min?, max?}``: a metric value passes when ``min <= value <= max`` (as the backend decides)."""

    min: float | None = None
    max: float | None = None


def _once(passed: Sequence[str], failed: Iterable[str]) -> tuple[list[str], list[str]]:
    """Lists of passed and failed datapoints naming each once, failed when either list names it failed: a backend
    that does not reduce trials lists a datapoint once per trial (audit65 F4), so never greener than its rows."""
    failing = dict.fromkeys(failed)
    return [key for key in dict.fromkeys(passed) if key not in failing], list(failing)


class MetricDatapoints(_WireModel):
    """Datapoint ids (session ids where a datapoint has none) that passed / failed one metric, each once
    (:func:`_once`)."""

    passed: _IdList = Field(default_factory=list)
    failed: _IdList = Field(default_factory=list)

    @model_validator(mode="after")
    def _each_once(self) -> Self:
        passed, failed = _once(self.passed, self.failed)
        if len(passed) + len(failed) != len(self.passed) + len(self.failed):  # frozen: set once, here
            self.__dict__.update(passed=passed, failed=failed)
        return self


class MetricDetail(_EventMetric):
    """One metric of a run summary, as the backend aggregated it, on one event name.

    ``aggregate`` is computed by the backend with the requested aggregate function (``None`` when it
    had no values or did not send one); ``datapoints`` is ``None`` when the backend sent no pass/fail.
    """

    aggregate: float | None = None
    values: Annotated[list[MetricValue], BeforeValidator(_list_or_empty)] = Field(default_factory=list)
    passing_range: PassingRange | None = None
    datapoints: MetricDatapoints | None = None
    spread: float | None = None
    """With trials: the mean over datapoints of the standard deviation of this metric across a datapoint's trials
    (``None`` when the backend sent none, as without trials)."""


class AggregatedMetrics(_WireModel):
    """The summary's ``metrics``: ``{aggregation_function, details: [MetricDetail]}``.

    Legacy shapes read too: ``{aggregation_function?, <metric_name>: {aggregate, values, ...}, ...}``
    (or ``<metric_name>: <number>``, taken as the aggregate) and a bare list of details. The legacy
    entries become ``details`` and also stay in ``model_extra`` as sent.
    """

    aggregation_function: str | None = None
    details: list[MetricDetail] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _legacy_shapes(cls, data: Any) -> Any:
        if data is None:
            return {}
        if isinstance(data, list | tuple):
            return {"details": data}
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        if data.get("details") is not None:
            data["details"] = _keyed_list(data["details"], "metric_name")
        else:  # the legacy entries: a metric's detail, or its aggregate (anything else is left in model_extra only)
            legacy = {
                name: entry
                for name, entry in data.items()
                if name != "aggregation_function" and isinstance(entry, Mapping | bool | int | float)
            }
            data["details"] = _keyed_list(legacy, "metric_name", "aggregate")
        return data

    def metric(self, name: str, event_name: str | None = None) -> MetricDetail | None:
        """The detail of metric ``name`` (on ``event_name`` if given), ``None`` if absent.

        Raises ``ValueError`` when ``event_name`` is omitted and several events report ``name``.
        """
        return _find(self.details, name, event_name)

    # the official SDK's names, so a script written for it reads the same result (honeyhive.experiments.models)

    def get_metric(self, metric_name: str) -> MetricDetail | None:
        """The SDK's name for :meth:`metric`: the first detail of ``metric_name`` (any event), ``None`` if absent."""
        return next((d for d in self.details if d.metric_name == metric_name), None)

    def list_metrics(self) -> list[str]:
        """The SDK's: every metric name, in the backend's order, once each."""
        return list(dict.fromkeys(d.metric_name for d in self.details))

    def get_all_metrics(self) -> dict[str, MetricDetail]:
        """The SDK's: ``{metric name: its first detail}``."""
        return {name: detail for name in self.list_metrics() if (detail := self.get_metric(name)) is not None}


class DatapointMetric(_WireModel):
    """One metric value of one datapoint, with the backend's pass/fail for it (``None`` if not sent)."""

    name: str
    event_name: str | None = None
    event_type: str | None = None
    value: MetricValue | str | None = None
    passed: bool | None = None


def _datapoint_metrics(value: Any) -> Any:
    """The row's metrics (the legacy ``{name: value}`` or ``{name: {value, passed}}`` too), but for items the API
    allows that are none of ours (another tool's, a server-side evaluator's): one that is no object with a name, or
    whose value is no number, bool or string, is left out, so it makes no run in the project unreadable."""
    value = _keyed_list(value, "name", "value")
    if not isinstance(value, list):
        return value
    return [
        m for m in value if isinstance(m, Mapping) and all(_optional(m.get(k), t) for k, t in _METRIC) and m.get("name")
    ]


class DatapointResult(_WireModel):
    """One datapoint (one session, or with trials its sessions reduced to means) of a run summary.

    ``passed`` is ``None`` when the backend did not say. ``metrics`` also reads the legacy
    ``{name: value}`` form. With trials, ``trials`` is how many sessions the datapoint had and
    ``trials_passed`` how many of them passed on their own (both ``None`` without trials).
    """

    datapoint_id: str | None = None
    session_id: str | None = None
    passed: bool | None = None
    metrics: Annotated[list[DatapointMetric], BeforeValidator(_datapoint_metrics)] = Field(default_factory=list)
    trials: int | None = None
    trials_passed: int | None = None

    @property
    def key(self) -> str | None:
        """``datapoint_id``, or ``session_id`` when there is none: how the backend's passed/failed lists name it."""
        return self.datapoint_id or self.session_id


_FIELDS: Final = (
    ("datapoint_id", str),
    ("session_id", str),
    ("passed", bool),
    ("trials", int),
    ("trials_passed", int),
)
"""A summary row's scalar fields on the wire, and the types each may have besides ``None``."""
_KEYS: Final = frozenset((*(name for name, _ in _FIELDS), "metrics"))
_REQUIRED: Final = _KEYS - {"trials", "trials_passed"}  # sent with trials only
_METRIC: Final[tuple[tuple[str, type | tuple[type, ...]], ...]] = (
    ("name", str),
    ("event_name", str),
    ("event_type", str),
    ("value", (bool, int, float, str)),
    ("passed", bool),
)
"""A row's metric on the wire: its fields in order, each of these types or ``None`` (but ``name``, required)."""
_METRIC_NAMES: Final = tuple(name for name, _ in _METRIC)


class _Absent(Enum):
    ABSENT = "absent"


_ABSENT: Any = _Absent.ABSENT
"""In a column: the row had no such key (``trials``, ``trials_passed``), so the model gets its default. An enum
member, not ``object()``: a result pickled (sent back from a worker process) or deep-copied keeps it the same object."""


def _optional(value: Any, kind: type | tuple[type, ...]) -> bool:
    return value is None or isinstance(value, kind)


class DatapointResults(Sequence[DatapointResult]):
    """A summary's datapoints, kept compact for a large run: one list per field of :data:`_FIELDS` (a reference
    each per row) and one of each row's metrics as tuples in :data:`_METRIC`'s order, equal metrics and equal lists
    of them one object (:class:`~honeyhive_experiment.compact.SharedValues`); a model is built when a row is read.
    A row of another shape (a legacy one, unknown fields) is validated at once and kept as its model. Reading gives
    exactly what ``DatapointResult.model_validate`` of the wire row gives."""

    __slots__ = ("_columns", "_shared")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        # the last column holds the row's metrics, or the whole model of a row kept whole
        self._columns: tuple[list[Any], ...] = tuple([] for _ in range(len(_FIELDS) + 1))
        self._shared: tuple[SharedValues[Any], SharedValues[Any]] | None = (SharedValues(), SharedValues())
        for item in items:
            self.append(item)
        self.seal()

    @classmethod
    def reading(cls) -> DatapointResults:
        """An empty instance to :meth:`append` rows to as they are read, then :meth:`seal`."""
        out = cls()
        out._shared = (SharedValues(), SharedValues())
        return out

    def append(self, item: Any) -> None:
        """Add one wire row (while reading; see :meth:`seal`)."""
        assert self._shared is not None, "sealed"
        row = None if isinstance(item, DatapointResult) else self._row(item, *self._shared)
        if row is None:  # kept whole, as its model
            model = item if isinstance(item, DatapointResult) else DatapointResult.model_validate(item)
            row = (*(None for _ in _FIELDS), model)
        for column, value in zip(self._columns, row, strict=True):
            column.append(value)

    def seal(self) -> None:
        """Done reading: drop the tables of shared metrics."""
        self._shared = None

    @staticmethod
    def _row(item: Any, metrics: SharedValues[Any], lists: SharedValues[Any]) -> tuple[Any, ...] | None:
        """The row's values, fields first and its metrics last; ``None`` when it is not of the shape."""
        if not isinstance(item, Mapping) or not _REQUIRED <= item.keys() <= _KEYS:
            return None
        values = []
        for name, kind in _FIELDS:
            value = item.get(name, _ABSENT)
            if value is not _ABSENT and not _optional(value, kind):
                return None
            values.append(value)
        listed = item["metrics"]
        if not isinstance(listed, list):
            return None
        entries = []
        for raw in listed:
            if not isinstance(raw, Mapping) or len(raw) != len(_METRIC):
                return None
            try:
                entry = tuple(raw[name] for name in _METRIC_NAMES)
            except KeyError:
                return None
            for position, (part, (_, allowed)) in enumerate(zip(entry, _METRIC, strict=True)):
                if not (isinstance(part, allowed) if position == 0 else _optional(part, allowed)):  # name: required
                    return None
            entries.append(metrics.share(entry, entry))
        return (*values, lists.share(tuple(entries), (part for entry in entries for part in entry)))

    def _item(self, index: int) -> DatapointResult:
        last = self._columns[-1][index]
        if isinstance(last, DatapointResult):
            return last
        values = {
            name: column[index]
            for (name, _), column in zip(_FIELDS, self._columns, strict=False)
            if column[index] is not _ABSENT
        }
        values["metrics"] = [dict(zip(_METRIC_NAMES, entry, strict=True)) for entry in last]
        return DatapointResult.model_validate(values)

    def column(self, name: str) -> Iterator[Any]:
        """One field's values, row by row, without building models (read from the model of a row kept whole)."""
        index = next(i for i, (field, _) in enumerate(_FIELDS) if field == name)
        for value, last in zip(self._columns[index], self._columns[-1], strict=True):
            yield getattr(last, name) if isinstance(last, DatapointResult) else None if value is _ABSENT else value

    def __len__(self) -> int:
        return len(self._columns[-1])

    @overload
    def __getitem__(self, index: int) -> DatapointResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[DatapointResult]: ...

    def __getitem__(self, index: int | slice) -> DatapointResult | list[DatapointResult]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(len(self))[index]]
        return self._item(range(len(self))[index])

    def __iter__(self) -> Iterator[DatapointResult]:
        return (self._item(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DatapointResults | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} items)"

    def keys(self) -> Iterator[str | None]:
        """Each row's :attr:`DatapointResult.key` (``datapoint_id`` or else ``session_id``), without building models."""
        for datapoint_id, session_id in zip(self.column("datapoint_id"), self.column("session_id"), strict=True):
            yield datapoint_id or session_id

    def values(self) -> Iterator[tuple[str, list[tuple[str, str | None, Any]]]]:
        """Each row's key and its metrics' ``(name, event_name, value)``, without building models (a row without a
        key is left out)."""
        for key, last in zip(self.keys(), self._columns[-1], strict=True):
            if key is None:
                continue
            if isinstance(last, DatapointResult):  # a row kept whole
                yield key, [(m.name, m.event_name, m.value) for m in last.metrics]
            else:
                yield key, [(name, event_name, value) for name, event_name, _, value, _ in last]

    def holding(self) -> dict[tuple[str, str | None], set[str]]:
        """Per metric ``(name, event_name)``, the keys of the rows holding a number or a bool of it (:meth:`values`)."""
        found: dict[tuple[str, str | None], set[str]] = {}
        for key, metrics in self.values():
            for name, event_name, value in metrics:
                if isinstance(value, bool | int | float):
                    found.setdefault((name, event_name), set()).add(key)
        return found

    def find(self, keys: Iterable[str]) -> dict[str, DatapointResult]:
        """The row of each of ``keys`` (by :attr:`DatapointResult.key`), building only those: its first, or of several
        (trials a backend did not reduce) its first failed one, which says why the datapoint failed."""
        wanted = set(keys)
        found: dict[str, tuple[int, bool]] = {}  # key -> its row's index, whether that row failed
        for index, (key, ok) in enumerate(zip(self.keys(), self.column("passed"), strict=True)):
            if key is not None and key in wanted and (key not in found or (ok is False and not found[key][1])):
                found[key] = (index, ok is False)
        return {key: self[index] for key, (index, _) in found.items()}


def _datapoint_results(value: Any) -> Any:
    if isinstance(value, DatapointResults):
        return value
    value = _list_or_empty(value)
    return DatapointResults(value) if isinstance(value, list | tuple) else value


def _one_if_absent(value: Any) -> Any:
    return 1 if value is None else value


class EventDetail(_WireModel):
    """An event name/type seen in a run; in a comparison also ``presence`` (``old``, ``new`` or ``both``)."""

    event_name: str | None = None
    event_type: str | None = None
    presence: str | None = None


class ExperimentResultSummary(_WireModel):
    """``GET /v1/runs/{run_id}/summary`` (or ``/result``): the backend's evaluation of one run.

    ``run_id`` is not part of the wire body: :meth:`from_wire` takes it from the caller or from
    ``run_object.run_id``. ``status`` is ``None`` when the body has none. ``success`` defaults to
    false when absent (like the SDK). ``datapoints`` is a compact :class:`DatapointResults` (a sequence
    of :class:`DatapointResult`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_id: str
    status: _Status | None = None
    success: bool = False
    error: str | None = None
    passed: _IdList = Field(default_factory=list)
    failed: _IdList = Field(default_factory=list)
    metrics: AggregatedMetrics = Field(default_factory=AggregatedMetrics)
    datapoints: Annotated[
        DatapointResults,
        BeforeValidator(_datapoint_results),
        PlainSerializer(list, return_type=list[DatapointResult]),
        # not a $ref to DatapointResult's definition: pydantic makes none for it here (model_json_schema: KeyError)
        WithJsonSchema({"type": "array", "items": {"type": "object", "title": "DatapointResult"}}),
    ] = Field(default_factory=DatapointResults)
    event_details: Annotated[list[EventDetail], BeforeValidator(_list_or_empty)] = Field(default_factory=list)
    run_object: ExperimentRun | None = None
    trials: Annotated[int, BeforeValidator(_one_if_absent)] = 1
    """How many times each datapoint ran (1 when the backend does not say)."""
    flaky: _IdList = Field(default_factory=list)
    """With trials: the datapoints whose trials disagree on pass/fail."""

    @model_validator(mode="before")
    @classmethod
    def _run_id_from_run_object(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not data.get("run_id"):
            run_id = _get(data.get("run_object"), "run_id")
            if run_id:
                data = {**data, "run_id": run_id}
        return data

    @model_validator(mode="after")
    def _by_datapoint(self) -> Self:
        """``passed``/``failed`` naming each datapoint once. The API requires them as lists, not that they name every
        datapoint, and each row's own ``passed``: a row the lists leave out is passed or failed as the row says (a
        row without a key, or one that says neither, stays out). A backend that does not reduce trials (the API knows
        none) has a row per trial and lists a datapoint per trial: the datapoint is failed when any of its rows is, or
        either list names it failed, so never greener than its rows (stricter than the mean the embedded backend
        judges; :meth:`unreduced` says so). No value is aggregated here."""
        listed = {*self.passed, *self.failed}
        rows = Counter[str]()
        failing: dict[str, None] = {}  # in the rows' order
        for key, ok in zip(self.datapoints.keys(), self.datapoints.column("passed"), strict=True):
            if key is not None and isinstance(ok, bool):
                rows[key] += 1
                if not ok:
                    failing[key] = None
        more = [key for key in rows if key not in listed and key not in failing]
        passed, failed = _once(
            [*self.passed, *more], [*self.failed, *(k for k in failing if k not in listed or rows[k] > 1)]
        )
        if (passed, failed) != (self.passed, self.failed):  # frozen: set once, here, before anyone reads it
            self.__dict__.update(passed=passed, failed=failed)
        return self

    def unreduced(self, trials: int) -> str | None:
        """A warning when the run ran ``trials`` > 1 of each datapoint and this summary, which says nothing of trials,
        holds several rows of one datapoint: the backend did not reduce them (the embedded backend does; HoneyHive's
        API says nothing of trials), so :meth:`_by_datapoint` counted them as datapoints."""
        if trials < 2 or self.trials > 1:
            return None
        rows = Counter(filter(None, self.datapoints.keys()))
        if len(rows) == rows.total():
            return None
        return (
            f"HoneyHive's summary did not reduce the {trials:,} trials of each datapoint ({rows.total():,} rows for"
            f" {len(rows):,} datapoints): they are counted as datapoints, each failed when any of its trials failed,"
            " not on their mean; its aggregates are over every trial"
        )

    @classmethod
    def from_wire(cls, body: Mapping[str, Any], *, run_id: str | None = None) -> Self:
        """Parse a summary body; ``run_id`` (the run asked for) wins over ``run_object.run_id``.

        Without either, the body cannot be attributed to a run and a ``ValidationError`` is raised.
        """
        data = dict(body)
        if run_id is not None:
            data["run_id"] = run_id
        return cls.model_validate(data)

    @classmethod
    def from_json_chunks(
        cls, chunks: Iterable[bytes], *, run_id: str | None = None, sessions: Mapping[str, str] | None = None
    ) -> Self:
        """Parse a summary body as it arrives, chunk by chunk (see :meth:`from_wire` for ``run_id``): the whole body
        is never in memory, the ``datapoints`` become compact rows one by one and strings are interned
        (:mod:`~honeyhive_experiment.jsonstream` says why). ``ValueError`` when the bytes are not a JSON object.

        ``sessions``: the datapoint of each of the run's sessions, as the run recorded them. A row without a datapoint
        id (the API allows one, with its session's id) gets its session's, and the passed/failed lists (the summary's,
        each metric's) name that datapoint where they name the session: the summary is keyed by datapoint ids."""
        named = sessions or {}
        rows = DatapointResults.reading()

        def add(row: Any) -> None:
            if named and isinstance(row, dict) and not row.get("datapoint_id") and row.get("session_id") in named:
                row["datapoint_id"] = named[row["session_id"]]
            rows.append(row)

        try:
            body = read_array_items(chunks, "datapoints", add)
        except NotJson as exc:
            raise NotJson(f"the summary is {exc}") from None
        rows.seal()
        if isinstance(body.get("datapoints"), list):
            body["datapoints"] = rows
        if named:
            details = (body.get("metrics") or {}).get("details") if isinstance(body.get("metrics"), dict) else None
            held = [body, *(d["datapoints"] for d in details or () if isinstance(d, dict) and d.get("datapoints"))]
            for lists in (h for h in held if isinstance(h, dict)):
                for name in ("passed", "failed"):
                    if isinstance(lists.get(name), list):
                        lists[name] = [named.get(i, i) if isinstance(i, str) else i for i in lists[name]]
        return cls.from_wire(body, run_id=run_id)

    def metric(self, name: str, event_name: str | None = None) -> MetricDetail | None:
        """Shortcut for ``metrics.metric(name, event_name)``."""
        return self.metrics.metric(name, event_name)

    @property
    def datapoint_ids(self) -> list[str]:
        """The ``datapoint_id`` of each reported datapoint, in order, without repeats or nulls."""
        return list(dict.fromkeys(d for d in self.datapoints.column("datapoint_id") if d))

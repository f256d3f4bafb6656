"""Wire and domain models of experiment runs: run status, run object, summary and comparison.

The models parse what HoneyHive (or ``honeyhive_local``) returns from ``/v1/runs/{id}``,
``/v1/runs/{id}/summary`` (legacy ``/result``) and ``/v1/runs/{new}/compare/{old}`` (legacy
``/compare-with/``); see ``honeyhive-api.md`` §2 and §3. They do no I/O.

Rules:

* **The backend computes, the client carries.** Aggregates, pass/fail, differences, percentage
  changes and improved/degraded/same come from the backend and are kept exactly as reported; a
  value the backend did not send is ``None``, never recomputed here. The one thing derived here
  is identity: which datapoint ids one run has and the comparison's ``commonDatapoints`` lacks
  (:attr:`RunComparisonResult.new_only_datapoints` / ``old_only_datapoints``), a set difference of
  the backend's own id lists.
* **Tolerant reading.** Every model keeps unknown fields (``extra="allow"``, see
  ``model_extra``); ``null`` lists read as empty; legacy shapes are accepted (``metrics`` keyed by
  metric name instead of ``{aggregation_function, details}``, a missing ``run_object``, a
  datapoint without ``passed``, per-datapoint metrics as ``{name: value}``). A status the enum does
  not know is kept as the plain string.
* **Frozen.** Models are immutable once parsed (attribute assignment raises).

Names mirror the official SDK's ``honeyhive.experiments.models`` where the meaning is the same.
Differences: :class:`RunComparisonResult` keys deltas by ``(metric_name, event_name)`` (the SDK
keys by name only, so two events scoring the same metric overwrite each other) and carries id lists
where the SDK carries counts (``common_datapoints``, ``new_only_datapoints``, ``old_only_datapoints``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Generic, Self, TypeVar, overload

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

from honeyhive_experiment.jsonstream import NotJson, read_array_items

__all__ = [
    "AggregatedMetrics",
    "DatapointMetric",
    "DatapointResult",
    "DatapointResults",
    "EventDetail",
    "ExperimentResultSummary",
    "ExperimentRun",
    "ExperimentRunStatus",
    "MetricDatapoints",
    "MetricDelta",
    "MetricDetail",
    "MetricKey",
    "MetricValue",
    "PassingRange",
    "RunComparisonResult",
]


class ExperimentRunStatus(StrEnum):
    """The status of an experiment run (``POST``/``PUT /v1/runs``, run objects, summaries)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """True for ``completed``, ``failed`` and ``cancelled``: the run will not change state again."""
        return self in (ExperimentRunStatus.COMPLETED, ExperimentRunStatus.FAILED, ExperimentRunStatus.CANCELLED)


MetricValue = bool | int | float
"""A metric value as the backend reports it: a number or a boolean (booleans stay booleans)."""

MetricKey = tuple[str, str | None]
"""``(metric_name, event_name)``: how metrics pair across runs. ``event_name`` is ``None`` only in
legacy bodies that do not name the event."""


def _list_or_empty(value: Any) -> Any:
    """``null`` reads as an empty list."""
    return [] if value is None else value


def _ids(value: Any) -> Any:
    """A list of ids: ``null`` reads as empty and ``null`` items are dropped."""
    if value is None:
        return []
    if isinstance(value, list) and None not in value:
        return value  # as it is: validation copies it anyway, a second copy of a run-sized list is waste
    if isinstance(value, list | tuple):
        return [item for item in value if item is not None]
    return value


def _ids_or_none(value: Any) -> Any:
    """A list of ids that may be absent (``None`` stays ``None``)."""
    return None if value is None else _ids(value)


def _dict_or_empty(value: Any) -> Any:
    return {} if value is None else value


def _common(data: Mapping[str, Any]) -> list[str]:
    """The comparison body's ``commonDatapoints`` (or ``common_datapoints`` of a dumped model)."""
    common = _ids(data.get("commonDatapoints", data.get("common_datapoints")))
    return [i for i in common if isinstance(i, str)] if isinstance(common, list) else []


_RunIdList = Annotated[list[str], BeforeValidator(_ids)]  # a run object's: numbers become strings (its config)
_ID_LIST: TypeAdapter[list[str]] = TypeAdapter(list[str])
_VALUE_LIST: TypeAdapter[list[MetricValue]] = TypeAdapter(list[MetricValue])


def _id_list(value: Any) -> list[str]:
    """An id list, validated without copying it when it already is a list of strings.

    A summary carries several lists as long as the run (passed ids overall and per metric): pydantic
    would copy each, at the moment a large run holds everything else too. Anything else is validated
    the usual way, with the usual errors.
    """
    value = _ids(value)
    if type(value) is list and all(type(item) is str for item in value):
        return value
    return _ID_LIST.validate_python(value)


def _value_list(value: Any) -> list[MetricValue]:
    """Like :func:`_id_list`, for a metric's values (numbers and booleans)."""
    value = _list_or_empty(value)
    if type(value) is list and all(type(item) in (bool, int, float) for item in value):
        return value
    return _VALUE_LIST.validate_python(value)


_IdList = Annotated[list[str], PlainValidator(_id_list)]
_Status = Annotated[ExperimentRunStatus | str, Field(union_mode="left_to_right")]


class _WireModel(BaseModel):
    """Immutable, keeps unknown fields."""

    model_config = ConfigDict(frozen=True, extra="allow")


def _get(obj: Any, name: str) -> Any:
    """A field of a model or a key of a mapping (validators see either)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _only(ids: Iterable[str] | None, common: Iterable[str]) -> list[str] | None:
    """Ids in ``ids`` (first-seen order, without repeats) that are not in ``common``."""
    if ids is None:
        return None
    shared = set(common)
    return [i for i in _unique(ids) if i not in shared]


def _keyed_list(value: Any, name_field: str) -> Any:
    """A legacy ``{name: entry}`` mapping as a list of entries carrying their name; ``null`` items dropped."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        value = [{name_field: name, **entry} if isinstance(entry, Mapping) else entry for name, entry in value.items()]
    if isinstance(value, list | tuple):
        return [item for item in value if item is not None]
    return value


def _find(items: Sequence[Any], name: str, event_name: str | None) -> Any:
    """The metric ``name`` (on ``event_name`` if given); ``ValueError`` when the name alone is ambiguous."""
    matches = [m for m in items if m.metric_name == name]
    if event_name is not None:
        matches = [m for m in matches if m.event_name == event_name]
        return matches[0] if matches else None
    if len(matches) > 1:
        events = ", ".join(repr(m.event_name) for m in matches)
        raise ValueError(f"metric {name!r} is reported for several events ({events}); pass event_name")
    return matches[0] if matches else None


# ----------------------------------------------------------------------------- run object


class ExperimentRun(_WireModel):
    """A run object (``evaluation`` in run responses, ``run_object`` / ``old_run`` / ``new_run`` elsewhere).

    The spec marks ``id``, ``metadata``, ``results``, ``event_ids``, ``configuration``, ``is_active``,
    ``created_at``, ``scope_type`` and ``scope_id`` required; only ``run_id`` is required here so that a
    partial object still parses. ``id`` is the backend's internal id and differs from ``run_id``.
    ``datapoint_ids`` and ``passing_ranges`` are not in the spec's run object; the local backend
    returns them (as set on create/update) and they are read whenever present.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    run_id: str
    id: str | None = None
    name: str | None = None
    description: str | None = None
    status: _Status | None = None
    metadata: Annotated[dict[str, Any], BeforeValidator(_dict_or_empty)] = Field(default_factory=dict)
    results: Annotated[dict[str, Any], BeforeValidator(_dict_or_empty)] = Field(default_factory=dict)
    configuration: Annotated[dict[str, Any], BeforeValidator(_dict_or_empty)] = Field(default_factory=dict)
    metrics: dict[str, Any] | None = None
    event_ids: _RunIdList = Field(default_factory=list)
    datapoint_ids: Annotated[list[str] | None, BeforeValidator(_ids_or_none)] = None
    passing_ranges: dict[str, Any] | None = None
    dataset_id: str | None = None
    dataset_name: str | None = None
    is_active: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    scope_type: str | None = None
    scope_id: str | None = None

    @property
    def offline_dataset_id(self) -> str | None:
        """``metadata.offline_dataset_id``: the ``EXT-`` id of an external dataset (``dataset_id`` is null then)."""
        value = self.metadata.get("offline_dataset_id")
        return value if isinstance(value, str) and value else None

    @property
    def effective_dataset_id(self) -> str | None:
        """The managed ``dataset_id`` or else the external ``offline_dataset_id``: what to match baselines on."""
        return self.dataset_id or self.offline_dataset_id


# ----------------------------------------------------------------------------- summary


class PassingRange(_WireModel):
    """``{min?, max?}``: a metric value passes when ``min <= value <= max`` (as the backend decides)."""

    min: float | None = None
    max: float | None = None


class MetricDatapoints(_WireModel):
    """Datapoint ids (session ids where a datapoint has none) that passed / failed one metric."""

    passed: _IdList = Field(default_factory=list)
    failed: _IdList = Field(default_factory=list)


class MetricDetail(_WireModel):
    """One metric of a run summary, as the backend aggregated it, on one event name.

    ``aggregate`` is computed by the backend with the requested aggregate function (``None`` when it
    had no values or did not send one); ``datapoints`` is ``None`` when the backend sent no pass/fail.
    """

    metric_name: str
    metric_type: str | None = None
    event_name: str | None = None
    event_type: str | None = None
    aggregate: float | None = None
    values: Annotated[list[MetricValue], PlainValidator(_value_list)] = Field(default_factory=list)
    passing_range: PassingRange | None = None
    datapoints: MetricDatapoints | None = None

    @property
    def key(self) -> MetricKey:
        return (self.metric_name, self.event_name)


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
            return data
        details = []
        for name, entry in data.items():
            if name in ("aggregation_function", "details"):
                continue
            if isinstance(entry, Mapping):
                details.append({"metric_name": name, **entry})
            elif isinstance(entry, bool | int | float):
                details.append({"metric_name": name, "aggregate": entry})
        data["details"] = details
        return data

    def metric(self, name: str, event_name: str | None = None) -> MetricDetail | None:
        """The detail of metric ``name`` (on ``event_name`` if given), ``None`` if absent.

        Raises ``ValueError`` when ``event_name`` is omitted and several events report ``name``.
        """
        found: MetricDetail | None = _find(self.details, name, event_name)
        return found


class DatapointMetric(_WireModel):
    """One metric value of one datapoint, with the backend's pass/fail for it (``None`` if not sent)."""

    name: str
    event_name: str | None = None
    event_type: str | None = None
    value: MetricValue | str | None = None
    passed: bool | None = None


class DatapointResult(_WireModel):
    """One datapoint (one session) of a run summary.

    ``passed`` is ``None`` when the backend did not say. ``metrics`` also reads the legacy
    ``{name: value}`` form.
    """

    datapoint_id: str | None = None
    session_id: str | None = None
    passed: bool | None = None
    metrics: list[DatapointMetric] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _legacy_metrics(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        metrics = data.get("metrics")
        if metrics is None or isinstance(metrics, Mapping):
            data = dict(data)
            if metrics is None:
                data["metrics"] = []
            else:
                data["metrics"] = [
                    {"name": name, **value} if isinstance(value, Mapping) else {"name": name, "value": value}
                    for name, value in metrics.items()
                ]
        elif isinstance(metrics, list | tuple):
            data = {**data, "metrics": [m for m in metrics if m is not None]}
        return data

    @property
    def key(self) -> str | None:
        """``datapoint_id``, or ``session_id`` when there is none: how the backend's passed/failed lists name it."""
        return self.datapoint_id or self.session_id


_V = TypeVar("_V")
_ROW_ORDER = ("datapoint_id", "session_id", "passed", "metrics")
_ROW_KEYS = frozenset(_ROW_ORDER)
_METRIC_KEYS = ("name", "event_name", "event_type", "value", "passed")
_Row = tuple[str | None, str | None, bool | None, tuple[tuple[Any, ...], ...]]


def _optional(value: Any, kind: type | tuple[type, ...]) -> bool:
    return value is None or isinstance(value, kind)


class DatapointResults(Sequence[DatapointResult]):
    """A summary's datapoints, kept compact: a large run's summary costs little memory.

    A :class:`DatapointResult` is a pydantic model of ~1 KiB; a run of 20,000 datapoints would hold
    20 MiB of them just to be carried around. Rows in the wire's own shape (``datapoint_id``,
    ``session_id``, ``passed``, ``metrics: [{name, event_name, event_type, value, passed}]``) are kept
    in four columns (a reference per field per datapoint; the metrics as tuples, equal non-float entries
    shared) and become models only when read; any other row (legacy shapes, unknown fields) is validated
    at once and kept as its model. Reading gives exactly what ``DatapointResult.model_validate`` of the
    wire row gives.
    """

    __slots__ = ("_builder", "_ids", "_metrics", "_passed", "_sessions")

    def __init__(self, rows: Iterable[Any] = ()) -> None:
        # one list per field (a reference each per datapoint) rather than a tuple per datapoint
        self._ids: list[str | None] = []
        self._sessions: list[str | None] = []
        self._passed: list[bool | None] = []
        self._metrics: list[tuple[tuple[Any, ...], ...] | DatapointResult] = []  # a model: a row kept whole
        self._builder: _RowBuilder | None = _RowBuilder()
        for item in rows:
            self.append(item)
        self.seal()

    @classmethod
    def reading(cls) -> DatapointResults:
        """An empty instance to :meth:`append` rows to as they are read, then :meth:`seal`."""
        out = cls()
        out._builder = _RowBuilder()
        return out

    def append(self, item: Any) -> None:
        """Add one wire row (while reading; see :meth:`seal`)."""
        assert self._builder is not None, "sealed"
        row = self._builder.row(item)
        if isinstance(row, DatapointResult):
            self._ids.append(None)
            self._sessions.append(None)
            self._passed.append(None)
            self._metrics.append(row)
        else:
            self._ids.append(row[0])
            self._sessions.append(row[1])
            self._passed.append(row[2])
            self._metrics.append(row[3])

    def seal(self) -> None:
        """Done reading: drop the table of shared metric entries."""
        self._builder = None

    def _row(self, index: int) -> _Row | DatapointResult:
        metrics = self._metrics[index]
        if isinstance(metrics, DatapointResult):
            return metrics
        return (self._ids[index], self._sessions[index], self._passed[index], metrics)

    def __len__(self) -> int:
        return len(self._metrics)

    @overload
    def __getitem__(self, index: int) -> DatapointResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[DatapointResult]: ...

    def __getitem__(self, index: int | slice) -> DatapointResult | list[DatapointResult]:
        if isinstance(index, slice):
            return [_model(self._row(i)) for i in range(len(self))[index]]
        return _model(self._row(range(len(self))[index]))

    def __iter__(self) -> Iterator[DatapointResult]:
        return (_model(self._row(i)) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DatapointResults | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DatapointResults({len(self)} datapoints)"

    def keys(self) -> Iterator[str | None]:
        """Each row's :attr:`DatapointResult.key` (``datapoint_id`` or else ``session_id``), without building models."""
        for datapoint_id, session_id, metrics in zip(self._ids, self._sessions, self._metrics, strict=True):
            yield metrics.key if isinstance(metrics, DatapointResult) else (datapoint_id or session_id)

    def datapoint_ids(self) -> Iterator[str | None]:
        """Each row's ``datapoint_id``, without building models."""
        for datapoint_id, metrics in zip(self._ids, self._metrics, strict=True):
            yield metrics.datapoint_id if isinstance(metrics, DatapointResult) else datapoint_id

    def find(self, keys: Iterable[str]) -> dict[str, DatapointResult]:
        """The first datapoint of each of ``keys`` (by :attr:`DatapointResult.key`), building only those."""
        wanted = set(keys)
        found: dict[str, DatapointResult] = {}
        for index, key in enumerate(self.keys()):
            if key is not None and key in wanted and key not in found:
                found[key] = self[index]
        return found


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


class _RowBuilder:
    """Turns wire rows into compact tuples, sharing equal metric entries and equal lists of them."""

    def __init__(self) -> None:
        self._entries: SharedValues[tuple[Any, ...]] = SharedValues()
        self._entry_lists: SharedValues[tuple[tuple[Any, ...], ...]] = SharedValues()

    def row(self, item: Any) -> _Row | DatapointResult:
        if isinstance(item, DatapointResult):
            return item
        compact = self._compact(item)
        return compact if compact is not None else DatapointResult.model_validate(item)

    def _compact(self, item: Any) -> _Row | None:
        if not isinstance(item, Mapping) or item.keys() != _ROW_KEYS:
            return None
        datapoint_id, session_id, passed, metrics = (item[k] for k in _ROW_ORDER)
        if not (_optional(datapoint_id, str) and _optional(session_id, str) and _optional(passed, bool)):
            return None
        if not isinstance(metrics, list):
            return None
        entries = []
        for metric in metrics:
            entry = self._metric(metric)
            if entry is None:
                return None
            entries.append(entry)
        shared = self._entry_lists.share(tuple(entries), (part for entry in entries for part in entry))
        return (datapoint_id, session_id, passed, shared)

    def _metric(self, metric: Any) -> tuple[Any, ...] | None:
        if not isinstance(metric, Mapping) or len(metric) != len(_METRIC_KEYS):
            return None
        try:
            name, event_name, event_type, value, passed = (metric[k] for k in _METRIC_KEYS)
        except KeyError:
            return None
        if not (
            isinstance(name, str)
            and _optional(event_name, str)
            and _optional(event_type, str)
            and _optional(value, (bool, int, float, str))
            and _optional(passed, bool)
        ):
            return None
        entry = (name, event_name, event_type, value, passed)
        return self._entries.share(entry, entry)


def _model(row: _Row | DatapointResult) -> DatapointResult:
    if isinstance(row, DatapointResult):
        return row
    datapoint_id, session_id, passed, metrics = row
    return DatapointResult.model_validate(
        {
            "datapoint_id": datapoint_id,
            "session_id": session_id,
            "passed": passed,
            "metrics": [dict(zip(_METRIC_KEYS, m, strict=True)) for m in metrics],
        }
    )


def _datapoint_results(value: Any) -> Any:
    if isinstance(value, DatapointResults):
        return value
    value = _list_or_empty(value)
    return DatapointResults(value) if isinstance(value, list | tuple) else value


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
        WithJsonSchema({"type": "array", "items": {"$ref": "#/$defs/DatapointResult"}}),
    ] = Field(default_factory=DatapointResults)
    event_details: Annotated[list[EventDetail], BeforeValidator(_list_or_empty)] = Field(default_factory=list)
    run_object: ExperimentRun | None = None

    @model_validator(mode="before")
    @classmethod
    def _run_id_from_run_object(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not data.get("run_id"):
            run_id = _get(data.get("run_object"), "run_id")
            if run_id:
                data = {**data, "run_id": run_id}
        return data

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
    def from_json_chunks(cls, chunks: Iterable[bytes], *, run_id: str | None = None) -> Self:
        """Parse a summary body as it arrives, chunk by chunk (see :meth:`from_wire` for ``run_id``).

        The whole body is never in memory: the ``datapoints`` become compact rows one by one, and
        strings are interned (``sys.intern``), so the ids and metric names repeated all over a summary are
        kept once — and are the same objects as the ids the run's own datapoints and sessions hold. ``ValueError`` when
        the bytes are not JSON.
        """
        return cls.from_wire(_read_json_summary(chunks), run_id=run_id)

    def metric(self, name: str, event_name: str | None = None) -> MetricDetail | None:
        """Shortcut for ``metrics.metric(name, event_name)``."""
        return self.metrics.metric(name, event_name)

    @property
    def datapoint_ids(self) -> list[str]:
        """The ``datapoint_id`` of each reported datapoint, in order, without repeats or nulls."""
        return _unique(d for d in self.datapoints.datapoint_ids() if d)


def _read_json_summary(chunks: Iterable[bytes]) -> Any:
    rows = DatapointResults.reading()
    try:
        body = read_array_items(chunks, "datapoints", rows.append)
    except NotJson as exc:
        raise NotJson(f"the summary is {exc}") from None
    rows.seal()
    if isinstance(body, dict) and isinstance(body.get("datapoints"), list):
        body["datapoints"] = rows
    return body


# ----------------------------------------------------------------------------- comparison


class MetricDelta(_WireModel):
    """One metric compared across two runs, as the backend reported it.

    Only ``metric_name`` is in every body; the aggregates, ``difference`` and ``percentage_change`` are
    in the spec but may be ``None`` (the backend sends ``null`` when an aggregate is missing or the old
    one is 0). The counts, the improved/degraded/same id lists and the value lists are returned by
    the service but missing from the spec: ``None`` means "not sent", not zero.
    """

    metric_name: str
    metric_type: str | None = None
    event_name: str | None = None
    event_type: str | None = None
    old_aggregate: float | None = None
    new_aggregate: float | None = None
    difference: float | None = None
    percentage_change: float | None = None
    found_count: int | None = None
    improved_count: int | None = None
    degraded_count: int | None = None
    same_count: int | None = None
    improved: list[str] | None = None
    degraded: list[str] | None = None
    same: list[str] | None = None
    old_values: list[MetricValue] | None = None
    new_values: list[MetricValue] | None = None

    @property
    def key(self) -> MetricKey:
        return (self.metric_name, self.event_name)


class RunComparisonResult(_WireModel):
    """``GET /v1/runs/{new}/compare/{old}`` (or ``/compare-with/``): the backend's comparison of two runs.

    * ``common_datapoints``: the backend's ``commonDatapoints`` (ids present in both runs).
    * ``metrics``: the per-metric deltas in the backend's order; :attr:`metric_deltas` keys them by
      ``(metric_name, event_name)`` and :meth:`delta` looks one up.
    * ``new_only_datapoints`` / ``old_only_datapoints``: a run's datapoint ids that are not common,
      or ``None`` when that run's ids are unknown. They come from the lists given to
      :meth:`from_wire`, else from the embedded run objects' ``datapoint_ids`` when the backend sent
      a non-empty list (a run created without ``datapoint_ids`` reads ``[]``, which says nothing).
    * ``new_run_id`` / ``old_run_id``: given to :meth:`from_wire`, else from ``new_run`` / ``old_run``.
    """

    new_run_id: str
    old_run_id: str
    common_datapoints: _IdList = Field(
        default_factory=list, validation_alias=AliasChoices("commonDatapoints", "common_datapoints")
    )
    new_only_datapoints: list[str] | None = None
    old_only_datapoints: list[str] | None = None
    metrics: list[MetricDelta] = Field(default_factory=list)
    event_details: Annotated[list[EventDetail], BeforeValidator(_list_or_empty)] = Field(default_factory=list)
    old_run: ExperimentRun | None = None
    new_run: ExperimentRun | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_from_body(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        data["metrics"] = _keyed_list(data.get("metrics"), "metric_name")
        common = _common(data)
        for side in ("new", "old"):
            run = data.get(f"{side}_run")
            if not data.get(f"{side}_run_id") and _get(run, "run_id"):
                data[f"{side}_run_id"] = _get(run, "run_id")
            if data.get(f"{side}_only_datapoints") is None:
                run_ids = _get(run, "datapoint_ids")
                if isinstance(run_ids, list | tuple) and run_ids:  # an empty list says nothing: unknown
                    data[f"{side}_only_datapoints"] = _only((i for i in run_ids if isinstance(i, str)), common)
        return data

    @classmethod
    def from_wire(
        cls,
        body: Mapping[str, Any],
        *,
        new_run_id: str | None = None,
        old_run_id: str | None = None,
        new_datapoint_ids: Iterable[str] | None = None,
        old_datapoint_ids: Iterable[str] | None = None,
    ) -> Self:
        """Parse a comparison body.

        ``new_datapoint_ids`` / ``old_datapoint_ids`` are each run's datapoint ids as the backend
        reported them elsewhere (e.g. :attr:`ExperimentResultSummary.datapoint_ids`); they take
        precedence over the embedded run objects' ``datapoint_ids``.
        """
        data = dict(body)
        if new_run_id is not None:
            data["new_run_id"] = new_run_id
        if old_run_id is not None:
            data["old_run_id"] = old_run_id
        common = _common(data)
        if new_datapoint_ids is not None:
            data["new_only_datapoints"] = _only(new_datapoint_ids, common)
        if old_datapoint_ids is not None:
            data["old_only_datapoints"] = _only(old_datapoint_ids, common)
        return cls.model_validate(data)

    @property
    def metric_deltas(self) -> dict[MetricKey, MetricDelta]:
        """The deltas keyed by ``(metric_name, event_name)``; the first wins if the backend repeats a key."""
        deltas: dict[MetricKey, MetricDelta] = {}
        for delta in self.metrics:
            deltas.setdefault(delta.key, delta)
        return deltas

    def delta(self, name: str, event_name: str | None = None) -> MetricDelta | None:
        """The delta of metric ``name`` (on ``event_name`` if given), ``None`` if absent.

        Raises ``ValueError`` when ``event_name`` is omitted and several events report ``name``.
        """
        found: MetricDelta | None = _find(self.metrics, name, event_name)
        return found

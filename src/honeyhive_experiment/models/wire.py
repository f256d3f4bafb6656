"""What every wire model shares: the run status, metric value and key types, tolerant readers for
``null`` and legacy shapes, and the frozen base model that keeps unknown fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)


class ExperimentRunStatus(StrEnum):
    """The status of an experiment run (``POST``/``PUT /v1/runs``, run objects, summaries)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


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


def text_or_none(value: object) -> str | None:
    """``value`` when it is a non-empty string, else ``None``: how a field of metadata or of an event is read."""
    return value if isinstance(value, str) and value else None


def _dict_or_empty(value: Any) -> Any:
    return {} if value is None else value


def _common(data: Mapping[str, Any]) -> list[str]:
    """The comparison body's ``commonDatapoints`` (or ``common_datapoints`` of a dumped model)."""
    common = _ids(data.get("commonDatapoints", data.get("common_datapoints")))
    return [i for i in common if isinstance(i, str)] if isinstance(common, list) else []


_IdList = Annotated[list[str], BeforeValidator(_ids)]
_Status = Annotated[ExperimentRunStatus | str, Field(union_mode="left_to_right")]


class _WireModel(BaseModel):
    """Immutable, keeps unknown fields."""

    model_config = ConfigDict(frozen=True, extra="allow")


class _EventMetric(_WireModel):
    """A metric as the backend names it: on one event name (and type), paired across runs by :attr:`key`."""

    metric_name: str
    metric_type: str | None = None
    event_name: str | None = None
    event_type: str | None = None

    @property
    def key(self) -> MetricKey:
        return (self.metric_name, self.event_name)


_Metric = TypeVar("_Metric", bound=_EventMetric)


def _get(obj: Any, name: str) -> Any:
    """A field of a model or a key of a mapping (validators see either)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _only(ids: Iterable[str], common: Iterable[str]) -> list[str]:
    """Ids in ``ids`` (first-seen order, without repeats) that are not in ``common``."""
    shared = set(common)
    return [i for i in dict.fromkeys(ids) if i not in shared]


def _keyed_list(value: Any, name_field: str, value_field: str | None = None) -> Any:
    """A legacy ``{name: entry}`` mapping as a list of entries carrying their name (an entry that is not a mapping
    becomes ``{name_field: name, value_field: entry}`` when ``value_field`` is given); then as :func:`_ids`."""
    if isinstance(value, Mapping):
        entries = []
        for name, entry in value.items():
            if isinstance(entry, Mapping):
                entry = {name_field: name, **entry}
            elif value_field is not None:
                entry = {name_field: name, value_field: entry}
            entries.append(entry)
        value = entries
    return _ids(value)


def _find(items: Sequence[_Metric], name: str, event_name: str | None) -> _Metric | None:
    """The metric ``name`` (on ``event_name`` if given); ``ValueError`` when the name alone is ambiguous."""
    matches = [m for m in items if m.metric_name == name]
    if event_name is not None:
        matches = [m for m in matches if m.event_name == event_name]
        return matches[0] if matches else None
    if len(matches) > 1:
        events = ", ".join(repr(m.event_name) for m in matches)
        raise ValueError(f"metric {name!r} is reported for several events ({events}); pass event_name")
    return matches[0] if matches else None

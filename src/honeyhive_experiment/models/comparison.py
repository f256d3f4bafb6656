"""The backend's comparison of two runs (``/v1/runs/{new}/compare/{old}``, legacy ``/compare-with/``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Self

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    model_validator,
)

from honeyhive_experiment.models.run import ExperimentRun
from honeyhive_experiment.models.summary import EventDetail
from honeyhive_experiment.models.wire import (
    MetricKey,
    MetricValue,
    _common,
    _EventMetric,
    _find,
    _get,
    _IdList,
    _keyed_list,
    _list_or_empty,
    _only,
    _WireModel,
)


def _na_as_none(value: Any) -> Any:
    """``"N/A"``, as the older service wrote a percentage change of a baseline of 0: none."""
    return None if isinstance(value, str) and value.strip().upper() == "N/A" else value


def _flag_as_none(value: Any) -> Any:
    """A boolean where a list of ids belongs, as the older service wrote ``improved``: which ids, it does not say."""
    return None if isinstance(value, bool) else value


_Ids = Annotated[list[str] | None, BeforeValidator(_flag_as_none)]


class MetricDelta(_EventMetric):
    """One metric compared across two runs, as the backend reported it.

    Only ``metric_name`` is in every body; the aggregates, ``difference`` and ``percentage_change`` are
    in the spec but may be ``None`` (the backend sends ``null`` when an aggregate is missing or the old
    one is 0). The counts, the improved/degraded/same id lists and the value lists are returned by
    the service but missing from the spec: ``None`` means "not sent", not zero.
    """

    old_aggregate: float | None = None
    new_aggregate: float | None = None
    difference: float | None = None
    percentage_change: Annotated[float | None, BeforeValidator(_na_as_none)] = None
    found_count: int | None = None
    improved_count: int | None = None
    degraded_count: int | None = None
    same_count: int | None = None
    improved: _Ids = None
    degraded: _Ids = None
    same: _Ids = None
    old_values: list[MetricValue] | None = None
    new_values: list[MetricValue] | None = None

    @property
    def improved_total(self) -> int | None:
        """``improved_count``, else the length of the ``improved`` list, else ``None`` (the backend sent neither)."""
        return _count_or_len(self.improved_count, self.improved)

    @property
    def degraded_total(self) -> int | None:
        """``degraded_count``, else the length of the ``degraded`` list, else ``None``."""
        return _count_or_len(self.degraded_count, self.degraded)

    @property
    def same_total(self) -> int | None:
        """``same_count``, else the length of the ``same`` list, else ``None``."""
        return _count_or_len(self.same_count, self.same)

    def moved(self, *, lower: bool) -> tuple[list[str], list[str]]:
        """The datapoints that got better and those that got worse, in the metric's direction: the backend's
        ``improved`` and ``degraded`` lists, swapped for a lower-is-better metric; empty when it sent none."""
        better, worse = (self.degraded, self.improved) if lower else (self.improved, self.degraded)
        return better or [], worse or []


def _count_or_len(count: int | None, ids: list[str] | None) -> int | None:
    return count if count is not None else None if ids is None else len(ids)


class RunComparisonResult(_WireModel):
    """``GET /v1/runs/{new}/compare/{old}`` (or ``/compare-with/``): the backend's comparison of two runs.

    * ``common_datapoints``: the backend's ``commonDatapoints`` (ids present in both runs).
    * ``metrics``: the per-metric deltas in the backend's order; :attr:`deltas` keys them by
      ``(metric_name, event_name)`` and :meth:`delta` looks one up (:attr:`metric_deltas` and the ``get_``/``list_``
      methods: the official SDK's, by metric name).
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
        common = _common(data)
        given = (("new", new_run_id, new_datapoint_ids), ("old", old_run_id, old_datapoint_ids))
        for side, run_id, datapoint_ids in given:
            if run_id is not None:
                data[f"{side}_run_id"] = run_id
            if datapoint_ids is not None:
                data[f"{side}_only_datapoints"] = _only(datapoint_ids, common)
        return cls.model_validate(data)

    @property
    def deltas(self) -> dict[MetricKey, MetricDelta]:
        """The deltas keyed by ``(metric_name, event_name)``; the first wins if the backend repeats a key."""
        deltas: dict[MetricKey, MetricDelta] = {}
        for delta in self.metrics:
            deltas.setdefault(delta.key, delta)
        return deltas

    # the official SDK's names and shapes, so a script written for it reads the same comparison
    # (honeyhive.experiments.models): by metric name, its first delta (any event), as a dict

    @property
    def metric_deltas(self) -> dict[str, dict[str, Any]]:
        """The SDK's: ``{metric name: its first delta as a dict}``; a count or list the backend did not send reads
        ``0`` or ``[]``, as in the SDK."""
        first: dict[str, MetricDelta] = {}
        for delta in self.metrics:
            first.setdefault(delta.metric_name, delta)
        return {name: _sdk_delta(delta) for name, delta in first.items()}

    def get_metric_delta(self, metric_name: str) -> dict[str, Any] | None:
        """The SDK's: the first delta of ``metric_name`` as a dict (:attr:`metric_deltas`), ``None`` if absent."""
        return self.metric_deltas.get(metric_name)

    def list_improved_metrics(self) -> list[str]:
        """The SDK's: the metrics with a datapoint the backend counts improved."""
        return [name for name, delta in self.metric_deltas.items() if delta["improved_count"] > 0]

    def list_degraded_metrics(self) -> list[str]:
        """The SDK's: the metrics with a datapoint the backend counts degraded."""
        return [name for name, delta in self.metric_deltas.items() if delta["degraded_count"] > 0]

    def delta(self, name: str, event_name: str | None = None) -> MetricDelta | None:
        """The delta of metric ``name`` (on ``event_name`` if given), ``None`` if absent.

        Raises ``ValueError`` when ``event_name`` is omitted and several events report ``name``.
        """
        return _find(self.metrics, name, event_name)


def _sdk_delta(delta: MetricDelta) -> dict[str, Any]:
    """A delta as the SDK's comparison holds it: a dict whose counts (taken from the lists when only they were
    sent) and lists are never ``None``."""
    fields = delta.model_dump()
    fields.update(improved_count=delta.improved_total, degraded_count=delta.degraded_total, same_count=delta.same_total)
    for key in ("found_count", "improved_count", "degraded_count", "same_count"):
        fields[key] = fields[key] or 0
    for key in ("improved", "degraded", "same", "old_values", "new_values"):
        fields[key] = fields[key] or []
    return fields

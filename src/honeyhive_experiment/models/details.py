"""A run's datapoints as the backend's events hold them: inputs, outputs, error, metric values and explanations.

The per-datapoint view the HTML report shows is read back from the backend (``POST /v1/events/export`` of the
run), never from the memory of the run that recorded it, so a ``report`` or ``publish`` job and a later ``view``
see the same thing. Per datapoint (``metadata.datapoint_id``, else the session id) the events give:

* the **session** event: the session id, the inputs, the outputs (``PUT /events`` wrote them) and an error;
* the function's **root chain** event (its ``parent_id`` is the session): the outputs and error when the
  session lacks them;
* **every** event: its metrics, keyed ``(metric_name, event_name)`` as the backend pairs them. Numbers and
  booleans are metric values; strings (``<evaluator>_explanation``) are the evaluators' explanations.

Nothing is aggregated or compared here: the values are as stored. Nothing is redacted either; the report's
builder redacts every string as it enters the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from honeyhive_experiment.models.wire import MetricKey, MetricValue

__all__ = ["DatapointDetails", "DatapointRecord", "RunRecords", "records_from_events"]


@dataclass(frozen=True, slots=True)
class DatapointRecord:
    """One datapoint of one run, from the run's events."""

    datapoint_id: str
    session_id: str | None = None
    inputs: Any = None
    outputs: Any = None
    error: str | None = None
    metrics: Mapping[MetricKey, MetricValue] = field(default_factory=dict)
    explanations: Mapping[str, str] = field(default_factory=dict)
    """String-valued metrics by name (``keyword_recall_explanation``), first event first."""


@dataclass(frozen=True, slots=True)
class RunRecords:
    """Datapoint records of one run, by datapoint id (``records``), and how many datapoints its events name."""

    run_id: str
    records: Mapping[str, DatapointRecord]
    total: int

    def get(self, datapoint_id: str) -> DatapointRecord | None:
        return self.records.get(datapoint_id)


@dataclass(frozen=True, slots=True)
class DatapointDetails:
    """What the per-datapoint table of a report is built from: both runs' records, which datapoints to show."""

    current: RunRecords
    baseline: RunRecords | None
    order: tuple[str, ...]
    """The datapoints to show: this run's in the backend's order, then those only the baseline has."""
    total: int
    """Datapoints of the two runs together (``order`` may hold fewer: a report shows at most so many)."""
    session_url: str | None = None
    """A session's page in the HoneyHive app, ``{session_id}`` in it; ``None`` where no app is known."""


class _Builder:
    __slots__ = ("error", "explanations", "inputs", "metrics", "outputs", "root", "session_id")

    def __init__(self) -> None:
        self.session_id: str | None = None
        self.inputs: Any = None
        self.outputs: Any = None
        self.error: str | None = None
        self.root: tuple[Any, Any, str | None] | None = None  # the function's event: inputs, outputs, error
        self.metrics: dict[MetricKey, MetricValue] = {}
        self.explanations: dict[str, str] = {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _is_empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def records_from_events(
    run_id: str, events: Iterable[Mapping[str, Any]], *, keep: Callable[[str], bool] | None = None
) -> RunRecords:
    """The run's datapoint records from its exported events (in any order); ``keep`` says which datapoint ids to
    hold (the others are only counted), so a run far larger than a report can show is not held in memory."""
    found: dict[str, _Builder] = {}
    seen: set[str] = set()
    for event in events:
        if not isinstance(event, Mapping):
            continue
        metadata = event.get("metadata")
        session_id = _text(event.get("session_id"))
        datapoint_id = _text(metadata.get("datapoint_id")) if isinstance(metadata, Mapping) else None
        key = datapoint_id or session_id
        if key is None:
            continue
        seen.add(key)
        if keep is not None and not keep(key):
            continue
        record = found.setdefault(key, _Builder())
        kind = event.get("event_type")
        if kind == "session":
            record.session_id = session_id or record.session_id
            record.inputs, record.outputs = event.get("inputs"), event.get("outputs")
            record.error = _text(event.get("error"))
        elif kind == "chain" and session_id is not None and event.get("parent_id") == session_id:
            record.session_id = record.session_id or session_id
            if record.root is None:
                record.root = (event.get("inputs"), event.get("outputs"), _text(event.get("error")))
        metrics = event.get("metrics")
        if isinstance(metrics, Mapping):
            name = _text(event.get("event_name"))
            for metric, value in metrics.items():
                if isinstance(value, bool | int | float):
                    record.metrics.setdefault((str(metric), name), value)
                elif isinstance(value, str) and value.strip():
                    record.explanations.setdefault(str(metric), value)
    records = {}
    for key, built in found.items():
        inputs, outputs, error = built.inputs, built.outputs, built.error
        if built.root is not None:
            root_inputs, root_outputs, root_error = built.root
            inputs = root_inputs if _is_empty(inputs) else inputs
            outputs = root_outputs if _is_empty(outputs) else outputs
            error = error or root_error
        records[key] = DatapointRecord(
            datapoint_id=key,
            session_id=built.session_id,
            inputs=inputs,
            outputs=outputs,
            error=error,
            metrics=built.metrics,
            explanations=built.explanations,
        )
    return RunRecords(run_id, records, len(seen))

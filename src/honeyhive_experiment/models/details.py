"""A run's datapoints as the backend's events hold them: inputs, outputs, error, metric values and explanations.

The per-datapoint view the HTML report shows is read back from the backend (``POST /v1/events/export`` of the
run), never from the memory of the run that recorded it, so a ``report`` or ``publish`` job and a later ``view``
see the same thing. Per datapoint (``metadata.datapoint_id``, else the session id) the events give:

* the **session** event: the session id, the inputs, the outputs (``PUT /events`` wrote them) and an error;
* the function's **root chain** event (its ``parent_id`` is the session, or none): the outputs and error when the
  session lacks them;
* **every** event: its metrics, keyed ``(metric_name, event_name)`` as the backend pairs them. Numbers and
  booleans are metric values; strings (``<evaluator>_explanation``) are the evaluators' explanations.

With trials a datapoint has several sessions (``metadata.trial`` on each session event, 0 … K−1). Its record is
one of them, never a blend: the first trial's (``trial`` 0; else the lowest seen), with that session's events.
Its metric values are then the backend's for the datapoint (:func:`with_backend_values`: the summary's, where the
backend reduced the trials to means), so a row's values are those the backend's comparison judged.

Nothing is aggregated or compared here: the values are as stored. Nothing is redacted either; the report's
builder redacts every string as it enters the report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from honeyhive_experiment.jsonstream import at_the_top
from honeyhive_experiment.models.outcomes import trial_of
from honeyhive_experiment.models.wire import MetricKey, MetricValue, text_or_none

if TYPE_CHECKING:
    from honeyhive_experiment.models.summary import ExperimentResultSummary

__all__ = ["DatapointDetails", "DatapointRecord", "RunRecords", "records_from_events", "with_backend_values"]


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
    embedded: bool = False
    """The runs are on the embedded local backend (no API key): what ``order`` leaves out is there, not in HoneyHive."""


@dataclass(slots=True)
class _Builder:
    trial: int | None = None  # the session event's metadata.trial (0 without trials); None: not seen
    session_id: str | None = None
    inputs: Any = None
    outputs: Any = None
    error: str | None = None
    root: tuple[Any, Any, str | None] | None = None  # the function's event: inputs, outputs, error
    metrics: dict[MetricKey, MetricValue] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)


def _is_empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def records_from_events(
    run_id: str, events: Iterable[Mapping[str, Any]], *, keep: Callable[[str], bool] | None = None
) -> RunRecords:
    """The run's datapoint records from its exported events (in any order); ``keep`` says which datapoint ids to
    hold (the others are only counted), so a run far larger than a report can show is not held in memory. A
    datapoint with several sessions (trials) is recorded from one: trial 0's, else the lowest trial seen."""
    found: dict[str, dict[str, _Builder]] = {}  # datapoint -> its sessions' builders, until trial 0 is known
    chosen: dict[str, str] = {}  # datapoint -> the session of its trial 0 (its other sessions' events are skipped)
    seen: set[str] = set()
    for event in events:
        if not isinstance(event, Mapping):
            continue
        metadata = event.get("metadata")
        session_id = text_or_none(event.get("session_id"))
        datapoint_id = text_or_none(metadata.get("datapoint_id")) if isinstance(metadata, Mapping) else None
        key = datapoint_id or session_id
        if key is None:
            continue
        seen.add(key)
        if keep is not None and not keep(key):
            continue
        session_key = session_id or ""
        if chosen.get(key, session_key) != session_key:
            continue
        sessions = found.setdefault(key, {})
        record = sessions.setdefault(session_key, _Builder())
        kind = event.get("event_type")
        if kind == "session":
            record.trial = trial_of(metadata)
            record.session_id = session_id or record.session_id
            record.inputs, record.outputs = event.get("inputs"), event.get("outputs")
            record.error = text_or_none(event.get("error"))
            if record.trial == 0 and key not in chosen:
                chosen[key] = session_key
                found[key] = {session_key: record}
        elif kind == "chain" and session_id is not None and at_the_top(event):
            record.session_id = record.session_id or session_id
            if record.root is None:
                record.root = (event.get("inputs"), event.get("outputs"), text_or_none(event.get("error")))
        metrics = event.get("metrics")
        if isinstance(metrics, Mapping):
            name = text_or_none(event.get("event_name"))
            for metric, value in metrics.items():
                if isinstance(value, bool | int | float):
                    record.metrics.setdefault((str(metric), name), value)
                elif isinstance(value, str) and value.strip():
                    record.explanations.setdefault(str(metric), value)
    records = {}
    for key, sessions in found.items():
        # the lowest trial whose session event was seen; a session only its child events named, last
        built = min(sessions.values(), key=lambda b: (b.trial is None, b.trial or 0))
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


def with_backend_values(records: RunRecords, summary: ExperimentResultSummary) -> RunRecords:
    """``records`` with each datapoint's metric values the backend's summary holds for it, where the backend
    reduced trials to a datapoint's means (``summary.trials`` > 1): the values its comparison judged, not one
    trial's. Without trials (or a datapoint the summary lacks) the events' values stay: they are the same."""
    if summary.trials <= 1:
        return records
    results = summary.datapoints.find(records.records)
    replaced = dict(records.records)
    for key, result in results.items():
        values: dict[MetricKey, MetricValue] = {
            (metric.name, metric.event_name): metric.value
            for metric in result.metrics
            if isinstance(metric.value, bool | int | float)
        }
        if values:
            replaced[key] = dataclasses.replace(replaced[key], metrics=values)
    return RunRecords(records.run_id, replaced, records.total)

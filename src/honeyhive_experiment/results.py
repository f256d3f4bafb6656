"""Reading a run's result and a comparison: calls to the backend, parsed into typed models.

Nothing here aggregates: means, pass rates, deltas and improved/degraded lists are the backend's.
The only arithmetic is set difference on the backend's own id lists (new-only / old-only datapoints).

The client reads the current routes (``/summary``, ``/compare/{old}``) and falls back to the deprecated ones
on a server without them. The current compare route may lack the improved/degraded lists and counts
(HoneyHive's spec leaves them out): :func:`compare_runs` then takes them from the deprecated route, and only then.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from honeyhive_experiment.client import Deadline, HoneyHiveClient, check_client, check_wait, poll, run_id_as_named
from honeyhive_experiment.errors import ApiError, ExperimentError, NotFoundError
from honeyhive_experiment.jsonstream import at_the_top
from honeyhive_experiment.models import (
    ExperimentResultSummary,
    ExperimentRun,
    RunComparisonResult,
)
from honeyhive_experiment.models.details import RunRecords, records_from_events
from honeyhive_experiment.models.outcomes import DatapointOutcome, MetricValues, OutcomeStatus, first_ids
from honeyhive_experiment.report.numbers import format_beside, format_range
from honeyhive_experiment.verdict import same_but_for_noise


def get_run_result(
    client: HoneyHiveClient, run_id: str, aggregate_function: str = "average"
) -> ExperimentResultSummary:
    """The backend's summary of a run (``GET /v1/runs/{id}/summary``, else the deprecated ``/result``)."""
    check_client(client)
    return client.get_run_summary(run_id, aggregate_function)


def recorded_outcomes(
    client: HoneyHiveClient, run_id: str, run: ExperimentRun | None = None
) -> tuple[DatapointOutcome, ...]:
    """Each datapoint (and trial) of a run as the job that ran it holds it, for a job that judges a run it did not
    run (report, publish, view), from the run's events (read once): the function's and the evaluators' errors from
    its session's metadata, and each trial's numbers and booleans (the evaluators' own: a boolean stays a boolean,
    where the backend has trials' means) and strings, as ``""``; a datapoint's trials together, in the order of
    ``run``'s dataset (``datapoint_ids``, when the service sends them; else as the events came), its first first.

    What the backend never recorded is a backend error, as that job holds it: a session that its job did not list
    in ``run``'s ``event_ids`` and that has no function span (HoneyHive did not take its spans or its outputs), and a
    datapoint of ``run``'s dataset without a session (its session was never started): named when the run object
    has ``datapoint_ids`` (the spec's has none), else counted from ``run``'s ``metadata.datapoint_count``, one
    outcome each, whose id says which of them it is; of a managed dataset's run, those counted may also be datapoints
    the dataset listed and HoneyHive did not return (the run holds only their count).

    No outputs, inputs or text: the job that ran the function redacted them with its environment's secrets, which
    this job does not hold (a secret value it would show in the comment), so their previews read ``—``, and a
    string is ``""``: that it was one, not its text."""
    sessions: list[tuple[str, Mapping[str, Any]]] = []  # each session's id and metadata, as the events pass
    scored: set[str] = set()  # the sessions with a function span
    values: dict[str, dict[str, Any]] = {}  # each session's metric values: of several events', the first
    for event in client.iter_run_events(run_id):
        if not isinstance(event, Mapping):
            continue
        session_id, kind, metrics = str(event.get("session_id")), event.get("event_type"), event.get("metrics")
        if kind == "session":
            metadata = event.get("metadata")
            sessions.append((session_id, metadata if isinstance(metadata, Mapping) else {}))
        elif kind == "chain" and at_the_top(event):
            scored.add(session_id)
        for name, value in metrics.items() if isinstance(metrics, Mapping) else ():
            if isinstance(value, bool | int | float | str):  # a string, even "": that it was one, as the run held it
                values.setdefault(session_id, {}).setdefault(str(name), "" if isinstance(value, str) else value)
    dataset = list(dict.fromkeys((run.datapoint_ids if run is not None else None) or []))
    listed = set(run.event_ids if run is not None else ())
    outcomes = [DatapointOutcome.from_session(i, *session) for i, session in enumerate(sessions)]
    started = {outcome.datapoint_id for outcome in outcomes}
    unrecorded = OutcomeStatus.BACKEND_ERROR
    for datapoint_id in (i for i in dataset if i not in started):
        error = f"HoneyHive has no session of datapoint {datapoint_id} (it was never started)"
        outcomes.append(DatapointOutcome(len(outcomes), datapoint_id, datapoint_id, unrecorded, error=error))
    meant, held = run.datapoint_count if run is not None else None, len(started.union(dataset))
    if meant is not None and meant > held:  # only their count: HoneyHive's run object does not name them
        why = "their sessions were never started"
        if run is not None and run.dataset_id:  # a managed dataset's
            why = f"HoneyHive did not return them as the run read its dataset, or {why}"
        error = f"HoneyHive holds sessions of {held} of the {meant} datapoints the run was made with; the others were"
        error += f" not evaluated: {why}, and HoneyHive does not say which datapoints they are"
        for k in range(meant - held):
            datapoint_id = f"(unnamed datapoint {k + 1} of {meant - held})"
            outcomes.append(DatapointOutcome(len(outcomes), datapoint_id, datapoint_id, unrecorded, error=error))
    position = {datapoint_id: i for i, datapoint_id in enumerate(dataset)}
    for outcome in outcomes:
        position.setdefault(outcome.datapoint_id, len(position))
    outcomes.sort(key=lambda outcome: (position[outcome.datapoint_id], outcome.trial))
    for i, outcome in enumerate(outcomes):
        if outcome.recorded and outcome.session_id not in scored and outcome.session_id not in listed:
            error = f"HoneyHive has no function span of datapoint {outcome.datapoint_id} (it refused its spans, or"
            error += " they never reached it)"
            outcomes[i] = dataclasses.replace(outcome, status=OutcomeStatus.BACKEND_ERROR, error=error)
        elif outcome.session_id in values:
            outcomes[i] = dataclasses.replace(outcome, metrics=MetricValues(values[outcome.session_id]))
    return tuple(outcomes)


def get_run_metrics(client: HoneyHiveClient, run_id: str) -> dict[str, Any]:
    """Raw, unaggregated metric values per event (``GET /v1/runs/{id}/metrics``)."""
    check_client(client)
    return client.get_run_metrics(run_id)


def get_run_records(client: HoneyHiveClient, run_id: str, *, keep: Callable[[str], bool] | None = None) -> RunRecords:
    """The run's datapoints as its events hold them (inputs, outputs, errors, metric values, explanations), read
    page by page from ``POST /v1/events/export``; ``keep`` says which datapoint ids to hold."""
    return records_from_events(run_id, client.iter_run_events(run_id), keep=keep)


def wait_for_run_result(
    client: HoneyHiveClient,
    run_id: str,
    expected_datapoints: int,
    *,
    timeout: float = 120.0,
    aggregate_function: str = "average",
) -> ExperimentResultSummary:
    """Poll until the backend's summary covers ``expected_datapoints``; raises ``IngestionTimeout``."""
    check_client(client)
    return client.wait_for_result(run_id, expected_datapoints, timeout=timeout, aggregate_function=aggregate_function)


def compare_runs(
    client: HoneyHiveClient,
    new_run_id: str,
    old_run_id: str,
    aggregate_function: str = "average",
    *,
    new_result: ExperimentResultSummary | None = None,
    old_result: ExperimentResultSummary | None = None,
    timeout: float | Deadline = 120.0,
) -> RunComparisonResult:
    """The backend's comparison of two runs (``GET /v1/runs/{new}/compare/{old}``, else ``/compare-with/``).

    Pass the runs' results when you have them, so new-only and old-only datapoints can be named, and so a comparison
    that does not pair a datapoint both runs scored is asked again for up to ``timeout`` seconds (a
    :class:`~honeyhive_experiment.client.Deadline`: what the wait for the new run's summary left of it): then one
    pairing none of them is refused (an ``ApiError``), and one pairing some is taken as it is
    (:func:`unpaired_of` says which it left out, :func:`unpaired_warnings` warns of them). With them too, one whose
    aggregates disagree with theirs (:class:`_Agreement`) is asked again, then refused. An answer naming other runs
    than those asked is refused at once.
    """
    check_client(client)
    left = agrees = None
    if new_result is not None and old_result is not None:
        left, agrees = _Unpaired(new_result, old_result), _Agreement(new_result, old_result, aggregate_function)
    deadline = timeout if isinstance(timeout, Deadline) else Deadline(check_wait("timeout", timeout))
    found: RunComparisonResult | None = None
    stale: str | None = None  # how the last answer disagreed with the summaries

    def ask() -> RunComparisonResult | None:
        nonlocal found, stale
        body = client.compare_runs(new_run_id, old_run_id, aggregate_function, unpaired=left, timeout=deadline)
        lacking = [m for m in body.get("metrics") or [] if isinstance(m, dict) and _COMPARE_COUNTS - m.keys()]
        if lacking and not client.uses_deprecated_route("compare"):
            try:
                legacy = client.compare_runs(new_run_id, old_run_id, aggregate_function, legacy=True)
            except NotFoundError:  # a server that has dropped the deprecated route: the lists stay unknown (None)
                legacy = {}
            _fill_from_legacy(lacking, legacy)
        route = client.compare_route(new_run_id, old_run_id)
        for side, asked in (("new", new_run_id), ("old", old_run_id)):
            named = body.get(f"{side}_run")
            named = named.get("run_id") if isinstance(named, Mapping) else None
            if isinstance(named, str) and run_id_as_named(named) != run_id_as_named(asked):
                raise ApiError("GET", route, 200, f"the comparison's {side}_run is run {named}, not {asked}")
        try:
            found = RunComparisonResult.from_wire(
                body,
                new_run_id=new_run_id,
                old_run_id=old_run_id,
                new_datapoint_ids=new_result.datapoint_ids if new_result is not None else None,
                old_datapoint_ids=old_result.datapoint_ids if old_result is not None else None,
            )
        except ValidationError as exc:  # not pydantic's dump naming no route: where, and what
            where, wrong = ".".join(map(str, exc.errors()[0]["loc"])), exc.errors()[0]["msg"]
            raise ApiError("GET", route, 200, f"the comparison's {where} is not of the API's type: {wrong}") from None
        if new_result is not None and old_result is not None:
            found = _on_their_events(found, new_result, old_result)
        stale = agrees(found) if agrees is not None else None
        return found if stale is None else None

    if poll(ask, timeout=deadline, sleep=client.sleep) is None:
        raise ApiError(
            "GET",
            client.compare_route(new_run_id, old_run_id),
            200,
            f"{stale} after waiting {deadline.waited():.1f} s: HoneyHive had not finished comparing the runs (raise"
            " ingestion.timeout in the experiment file if it needs more time), or compared other data",
        )
    assert found is not None
    return found


def unpaired_of(
    comparison: RunComparisonResult, new_result: ExperimentResultSummary, old_result: ExperimentResultSummary
) -> tuple[list[str], int] | None:
    """What the common datapoints of ``comparison`` (:func:`compare_runs`' of these results) leave out of the
    datapoints both runs scored, sorted, and of how many (``None``: none), as its wait found it."""
    return _Unpaired(new_result, old_result)(comparison.common_datapoints)


def _scored(summary: ExperimentResultSummary) -> set[str]:
    """The datapoints ``summary`` holds a metric value of: what a comparison can compare (one whose function raised
    has none, and HoneyHive's comparison need not pair it)."""
    return {
        row.datapoint_id
        for row in summary.datapoints
        if row.datapoint_id and any(metric.value is not None for metric in row.metrics)
    }


class _Unpaired:
    """What a comparison's common datapoints leave out of those both runs scored (:func:`_scored`), sorted, and how
    many both scored; ``None`` when they leave out none. The summaries' rows are read (once) only when the common
    datapoints lack one both summaries list: a large run's would be built for nothing."""

    def __init__(self, new_result: ExperimentResultSummary, old_result: ExperimentResultSummary) -> None:
        self._listed = set(new_result.datapoint_ids) & set(old_result.datapoint_ids)
        self._both = functools.cache(lambda: _scored(new_result) & _scored(old_result))

    def __call__(self, common: Collection[str]) -> tuple[list[str], int] | None:
        if self._listed <= set(common):
            return None
        left = sorted(self._both() - set(common))
        return (left, len(self._both())) if left else None


def _on_their_events(comparison: RunComparisonResult, *results: ExperimentResultSummary) -> RunComparisonResult:
    """``comparison`` with each delta that names no event (the spec's comparison names none) on the one event the
    summaries report its metric on: else it pairs with no summary's detail, and the report shows the metric twice."""
    metrics = []
    for delta in comparison.metrics:
        events = {
            (d.event_name, d.event_type)
            for r in results
            for d in r.metrics.details
            if d.metric_name == delta.metric_name
        }
        if delta.event_name is None and len(events) == 1:
            ((event_name, event_type),) = events
            delta = delta.model_copy(update={"event_name": event_name, "event_type": delta.event_type or event_type})
        metrics.append(delta)
    return comparison.model_copy(update={"metrics": metrics})


class _Agreement:
    """How a comparison's aggregates disagree with the two summaries the client holds (``None``: they agree): a
    stale comparison (the new run's values not all in yet) read as a PASS where the fresh one fails. Neither document
    says whether a comparison aggregates a run's every datapoint or only the common ones, so a metric is checked only
    where both readings give the same: its values are on the same datapoints in both summaries, and those are the
    comparison's common ones; on a named event; in summaries read with the comparison's aggregate function and without
    trials (whose reduction a backend may do otherwise in a comparison). Equal but for float noise is equal
    (:func:`~honeyhive_experiment.verdict.same_but_for_noise`)."""

    def __init__(
        self, new_result: ExperimentResultSummary, old_result: ExperimentResultSummary, aggregate_function: str
    ) -> None:
        self._sides = (("new", new_result), ("old", old_result))
        self._checked = all(
            r.trials <= 1 and r.metrics.aggregation_function in (None, aggregate_function) for _, r in self._sides
        )
        self._holding = functools.cache(lambda: (new_result.datapoints.holding(), old_result.datapoints.holding()))

    def __call__(self, comparison: RunComparisonResult) -> str | None:
        if not self._checked:
            return None
        common = set(comparison.common_datapoints)
        for delta in comparison.metrics:  # one naming no event names none of the summaries' (_on_their_events)
            if delta.event_name is None or any(self._holding()[i].get(delta.key) != common for i in (0, 1)):
                continue
            for side, result in self._sides:
                detail = result.metric(*delta.key)
                said, held = getattr(delta, f"{side}_aggregate"), detail.aggregate if detail else None
                if said is not None and held is not None and not same_but_for_noise(held, said):
                    return (
                        f"the comparison's {side}_aggregate of {delta.metric_name} (event {delta.event_name}) is"
                        f" {said:.6g} where the {side} run's summary says {held:.6g}"
                    )
        return None


def unpaired_warnings(unpaired: tuple[list[str], int] | None) -> list[str]:
    """The verdict's warning for a comparison that, once :func:`compare_runs` stopped waiting, paired only some of
    the datapoints both runs scored (``unpaired``: :func:`unpaired_of`'s): the others are compared on no metric (the
    report says they were left out)."""
    if unpaired is None:
        return []
    left, scored = unpaired
    return [
        f"HoneyHive's comparison covers {scored - len(left)} of the {scored} datapoints both runs scored; the other"
        f" {len(left)}, still left out when ingestion.timeout ran out, count in no metric's improved or degraded"
        f" datapoints, and no gate crossed is excused as noise: {first_ids(left)}"
    ]


# what a compare metric needs for improved/degraded, and the current route may lack
_COMPARE_COUNTS = frozenset({"improved", "degraded", "improved_count", "degraded_count"})


def _fill_from_legacy(metrics: Iterable[dict[str, Any]], legacy: Mapping[str, Any]) -> None:
    """Give each current compare metric the fields it lacks from the legacy route's metric of the same
    ``(metric_name, event_name)`` (by a unique name when the current one has no event name). Nothing is computed."""
    old = [m for m in legacy.get("metrics") or [] if isinstance(m, dict)]
    by_key = {(m.get("metric_name"), m.get("event_name")): m for m in old}
    names = Counter(m.get("metric_name") for m in old)
    by_name = {m.get("metric_name"): m for m in old if names[m.get("metric_name")] == 1}  # unambiguous only
    for metric in metrics:
        name, event = metric.get("metric_name"), metric.get("event_name")
        source = by_key.get((name, event)) or (by_name.get(name) if event is None else None) or {}
        metric.update({k: v for k, v in source.items() if k not in metric})


def check_ranges_applied(
    summary: ExperimentResultSummary, ranges: Mapping[str, Mapping[str, float]] | None, run_id: str
) -> None:
    """Raises :class:`~honeyhive_experiment.errors.ExperimentError` naming ``run_id`` when ``summary`` passed a
    datapoint whose value of a metric lies outside its passing range (by more than float noise): the backend did not
    judge the run by that range (honeyhive-api.md leaves pass/fail to it), so its pass cannot decide the check. The
    range is the one the backend reports for the metric, else the one ``ranges`` gives (the run's: a backend need not
    echo it), so a file whose range changed since the run (``view``) is not held against it. The rows' own values and
    pass flags are read, nothing is aggregated; a datapoint whose values all lie inside says nothing either way (its
    pass is the same without the range)."""
    reported = {d.metric_name: d.passing_range.model_dump() for d in summary.metrics.details if d.passing_range}
    ranges = {**(ranges or {}), **reported}

    def past(value: float, bound: float | None, sign: int) -> bool:  # beyond the bound, not only by float noise
        if bound is None or not (value < bound if sign < 0 else value > bound):  # exact, an int too
            return False
        try:
            return not same_but_for_noise(bound, value)
        except OverflowError:  # an integer past the largest float: far past the bound
            return True

    passed, found = set(summary.passed), []
    for row in summary.datapoints if ranges else ():
        if row.passed is False or (row.passed is None and row.key not in passed):
            continue
        for metric in row.metrics:
            bounds, value = ranges.get(metric.name), metric.value
            if not bounds or not isinstance(value, int | float):
                continue
            low, high = bounds.get("min"), bounds.get("max")
            if past(value, low, -1) or past(value, high, 1):
                said = format_beside(value, low=low, high=high, past=True) if abs(value) < 10**15 else "a large integer"
                found.append(
                    f"datapoint {row.key}, whose {metric.name} is {said}, outside its range ({format_range(low, high)})"
                )
    if found:
        more = f" (and {len(found) - 1} more like it)" if len(found) > 1 else ""
        error = ExperimentError(
            f"HoneyHive's summary of run {run_id} passed {found[0]}{more}: it did not judge the run by the passing"
            " ranges the run was created with, so its result cannot decide the check"
        )
        error.run_id = run_id
        raise error

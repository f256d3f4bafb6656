"""Aggregation, pass/fail and run comparison: pure functions over stored events.

This is the only place in the project that aggregates metric values. The rules follow
``honeyhive-api.md`` §3; where HoneyHive does not document its behaviour the choice is ours and
is written down here (and in the README):

* **Metric values.** Every number or boolean under an event's ``metrics`` is a value of the metric
  keyed by ``(metric_name, event_name)``. Booleans count as 1/0. Strings, ``None``, non-finite
  numbers and integers too large for a double (stored by older versions) are not values and never appear.
* **Overflow.** An aggregate, difference or percentage change that is not a finite double (a sum of
  values near 1e308) has no value (``None``); an average never overflows.
* **Aggregate functions.** ``average min max median p90 p95 p99 sum count`` over all values of the
  run. ``count`` is the number of values. With no values ``count`` and ``sum`` are 0 and every other
  function has no value (``None``).
* **Percentiles** (``median`` = p50, ``p90``, ``p95``, ``p99``) use linear interpolation between the
  closest ranks of the sorted values: position ``(n - 1) * q`` (numpy's default, Excel's
  ``PERCENTILE.INC``). So the median of ``[1, 2, 3, 4]`` is 2.5 and p90 of ``[1..10]`` is 9.1.
* **Pass/fail.** A value passes when ``min <= value <= max`` (either bound optional). A datapoint
  passes when every metric it has that has a passing range passes, and its function did not error
  (a root ``chain`` event of its session carries an error). Metrics without a range never fail a
  datapoint. ``success`` is false when there is nothing to summarise or any datapoint failed.
* **Trials.** A datapoint run K times has K sessions with the same ``datapoint_id`` (and ``metadata.trial`` 0…K−1
  on the session). Its trials are reduced first, then datapoints are aggregated as above: a datapoint's values of a
  metric are reduced to one trial's worth (:func:`_reduced`), as many as its longest trial has, the i-th the mean over
  the trials that produced the metric of each one's i-th smallest value (the value as sent where they agree; of
  integers exact, an int when whole). One value per trial gives their mean; identical trials give one trial's values,
  so pass/fail, rows, aggregates and comparison are K = 1's. A datapoint passes
  when these are within their ranges (the mean of each trial's smallest value at least ``min``, of its largest at
  most ``max``) and no trial's function errored. Aggregates, pass/fail lists and the comparison count datapoints,
  never trials.
  The summary then also says ``trials`` (the most sessions of one datapoint), per metric ``spread`` (the mean over
  datapoints of the standard deviation of each trial's mean of its values across its trials), and
  ``flaky``: the datapoints whose trials disagree on pass/fail (a trial passes when its own values are within their
  ranges and its function did not error). A run where no datapoint has more than one session is summarised exactly
  as without trials.
* **Comparison.** Datapoints pair on ``datapoint_id``; metrics on ``(metric_name, event_name)``.
  A datapoint's value for a metric is the mean of its values for that metric (normally exactly one; with trials, of
  its reduced values).
  On a datapoint common to both runs: improved = new value greater than old (``True > False``),
  degraded = smaller, same = equal, and equal also within float noise (:func:`unchanged`: ``0.1 + 0.2`` against
  ``0.3``, which an evaluator's arithmetic gives as easily as a real change), except where both are whole numbers
  below 2**53 (tokens, counts), which are the same only when equal: 5,000,000,005 against 5,000,000,000 is a change.
  ``difference = new - old`` of the run aggregates;
  ``percentage_change = difference / |old| * 100``, ``None`` when the old aggregate is 0 or either
  aggregate is missing. The aggregates are over each run's own values (all of its datapoints).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

AGGREGATE_FUNCTIONS: tuple[str, ...] = (
    "average",
    "min",
    "max",
    "median",
    "p90",
    "p95",
    "p99",
    "sum",
    "count",
)
_PERCENTILES = {"median": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}

MetricValue = float | int | bool
MetricKey = tuple[str, str]  # (metric_name, event_name)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """The part of a stored event that results need."""

    event_id: str
    session_id: str
    event_type: str
    event_name: str
    datapoint_id: str | None = None
    parent_id: str | None = None
    error: str | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    trial: int | None = None  # the session's ``metadata.trial`` (on its session event)


def is_metric_value(value: object) -> bool:
    """Numbers and booleans are metric values; strings, None, NaN and infinities are not."""
    if isinstance(value, bool):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            return False
        return True
    return False


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _fsum(numbers: Sequence[float]) -> float:
    """The exact sum, correctly rounded (``math.fsum``), or ``±inf`` where it is beyond a double: an intermediate
    sum beyond one (``1e308 + 1e308 - 1e308``) is summed exactly as fractions."""
    try:
        return math.fsum(numbers)
    except OverflowError:
        if not all(map(math.isfinite, numbers)):  # an infinity among them: the sum is one too
            return sum(numbers)
        exact = sum(map(Fraction, numbers), Fraction(0))
        try:
            return float(exact)
        except OverflowError:
            return math.inf if exact > 0 else -math.inf


def _mean(numbers: Sequence[float]) -> float:
    """The mean, correctly rounded: the quotient of the exact sum, corrected by what it leaves over (three trials
    of 0.7 have the mean 0.7, where ``fsum / n`` is 0.6999999999999998, failing ``min: 0.7``). Where the sum
    overflows, computed on values scaled by 2**-64 (exact), so it does not."""
    if len(numbers) == 1:  # the common case (one trial's one value), and exact
        return float(numbers[0])
    total, n = _fsum(numbers), len(numbers)
    if math.isinf(total) and all(map(math.isfinite, numbers)):
        scale = 2.0**64
        return _mean([v / scale for v in numbers]) * scale
    mean = total / n
    if not math.isfinite(mean):
        return mean
    return mean + _fsum([*numbers, *([-mean] * n)]) / n


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks; ``sorted_values`` must be sorted and non-empty."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return sorted_values[low]
    fraction = position - low
    value = sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction
    if not math.isfinite(value):  # the difference overflowed (values near ±1e308)
        value = sorted_values[low] * (1 - fraction) + sorted_values[high] * fraction
    return value


def aggregate(values: Sequence[MetricValue], function: str = "average") -> float | None:
    """Aggregate metric values with one of :data:`AGGREGATE_FUNCTIONS`."""
    if function not in AGGREGATE_FUNCTIONS:
        raise ValueError(f"unknown aggregate function {function!r}; use one of {', '.join(AGGREGATE_FUNCTIONS)}")
    numbers = [float(v) for v in values]  # bool → 1.0/0.0
    if function == "count":
        return float(len(numbers))
    if function == "sum":
        return _finite(_fsum(numbers))
    if not numbers:
        return None
    if function == "average":
        return _finite(_mean(numbers))
    if function == "min":
        return min(numbers)
    if function == "max":
        return max(numbers)
    return percentile(sorted(numbers), _PERCENTILES[function])


def value_passes(value: MetricValue | Fraction, passing_range: Mapping[str, Any] | None) -> bool:
    """``min <= value <= max`` with either bound optional; no range always passes. The value is compared as sent
    (Python compares an int with a float exactly: 2**53 + 1 is above a max of 2**53; a bool as 1/0); a mean of
    trials' integers (:func:`_reduced`, exact) with a float bound as written (``min: 0.8`` is 4/5, which 4 of 5
    trials true meet: not the double just above it, which they fell short of, audit71 #1)."""
    if not passing_range:
        return True
    low = passing_range.get("min")
    high = passing_range.get("max")
    if isinstance(value, Fraction):
        low, high = (Fraction(repr(b)) if isinstance(b, float) and math.isfinite(b) else b for b in (low, high))
    if low is not None and value < low:
        return False
    return not (high is not None and value > high)


@dataclass(slots=True)
class _Metric:
    name: str
    event_name: str
    event_type: str
    values: list[MetricValue] = field(default_factory=list)
    by_session: dict[str, list[MetricValue]] = field(default_factory=dict)

    def by_datapoint(self, datapoint_of: Mapping[str, str | None]) -> dict[str, list[MetricValue]]:
        """Values per datapoint id, of a run without trials (no two sessions share a datapoint id: :func:`_trials`);
        sessions without a datapoint id are left out."""
        return {dp: values for session, values in self.by_session.items() if (dp := datapoint_of[session]) is not None}


@dataclass(slots=True)
class _Session:
    session_id: str
    datapoint_id: str | None = None
    errored: bool = False
    trial: int | None = None
    # (metric_name, event_name, event_type, value) in arrival order
    metrics: list[tuple[str, str, str, MetricValue]] = field(default_factory=list)


@dataclass(slots=True)
class RunView:
    """A run's events grouped by metric and by session, in first-seen order."""

    metrics: dict[MetricKey, _Metric]
    sessions: dict[str, _Session]
    event_details: list[dict[str, str]]

    def datapoint_of(self) -> dict[str, str | None]:
        return {session_id: s.datapoint_id for session_id, s in self.sessions.items()}


def _root_chain_errored(event: EventRecord, event_ids: set[str]) -> bool:
    is_root = event.parent_id is None or event.parent_id == event.session_id or event.parent_id not in event_ids
    return event.event_type == "chain" and is_root and bool(event.error)


def build_view(events: Iterable[EventRecord], *, rows: bool = True) -> RunView:
    """Group a run's events; the single pass every summary and comparison starts from.

    ``rows=False`` skips the per-session metric rows that only a summary shows (comparisons).
    """
    events = list(events)
    event_ids = {e.event_id for e in events} if any(e.error for e in events) else set()
    metrics: dict[MetricKey, _Metric] = {}
    sessions: dict[str, _Session] = {}
    details: dict[tuple[str, str], None] = {}
    for event in events:
        session_id = event.session_id
        session = sessions.get(session_id)
        if session is None:
            session = sessions[session_id] = _Session(session_id)
        if event.datapoint_id and (session.datapoint_id is None or event.event_type == "session"):
            session.datapoint_id = event.datapoint_id
        if event.trial is not None and (session.trial is None or event.event_type == "session"):
            session.trial = event.trial
        if event.error and _root_chain_errored(event, event_ids):
            session.errored = True
        event_name, event_type = event.event_name, event.event_type
        details[(event_name, event_type)] = None
        if not event.metrics:
            continue
        for name, value in event.metrics.items():
            if not is_metric_value(value):
                continue
            key = (name, event_name)
            metric = metrics.get(key)
            if metric is None:
                metric = metrics[key] = _Metric(name, event_name, event_type)
            metric.values.append(value)
            per_session = metric.by_session.get(session_id)
            if per_session is None:
                metric.by_session[session_id] = [value]
            else:
                per_session.append(value)
            if rows:
                session.metrics.append((name, event_name, event_type, value))
    event_details = [{"event_name": name, "event_type": etype} for name, etype in details]
    return RunView(metrics, sessions, event_details)


def _datapoint_key(session: _Session) -> str:
    return session.datapoint_id if session.datapoint_id is not None else session.session_id


def summarize(
    events: Iterable[EventRecord],
    passing_ranges: Mapping[str, Mapping[str, Any]] | None = None,
    aggregate_function: str = "average",
    status: str = "completed",
) -> dict[str, Any]:
    """The body of ``GET /v1/runs/{id}/summary`` minus ``run_object``."""
    if aggregate_function not in AGGREGATE_FUNCTIONS:
        raise ValueError(f"unknown aggregate function {aggregate_function!r}")
    ranges = {name: r for name, r in (passing_ranges or {}).items() if r}
    view = build_view(events)
    trials = _trials(view)
    most_trials = max((len(group) for group in trials.values()), default=0)

    datapoints: list[dict[str, Any]] = []
    passed: list[str] = []
    failed: list[str] = []
    # per metric key, the datapoints that pass / fail it
    metric_passed: dict[MetricKey, list[str]] = {key: [] for key in view.metrics}
    metric_failed: dict[MetricKey, list[str]] = {key: [] for key in view.metrics}
    spreads: dict[MetricKey, list[float]] = {key: [] for key in view.metrics}  # with trials only
    flaky: list[str] = []  # with trials only
    # Two loops, not one with K = 1: without trials every value stands alone: a row each, checked against its range
    # on its own (a datapoint with values 0.2 and 0.8 of a metric fails a min of 0.5), aggregated and listed in
    # arrival order, sent as it came (true, 120). With trials a datapoint's values of a metric are first reduced to
    # one trial's worth of means (:func:`_reduced`), which then stand alone as a trial's would: identical trials
    # give the rows, checks and values of K = 1 (0.2 and 0.8: fails; true, 2**53 + 1 as sent), one value per trial
    # their mean.
    if most_trials < 2:
        values: dict[MetricKey, list[MetricValue]] = {key: metric.values for key, metric in view.metrics.items()}
        for session in view.sessions.values():
            ok = not session.errored
            rows = []
            failing_keys: set[MetricKey] = set()
            for name, event_name, event_type, value in session.metrics:
                passing_range = ranges.get(name)
                metric_ok = passing_range is None or value_passes(value, passing_range)
                if not metric_ok:
                    ok = False
                    failing_keys.add((name, event_name))
                rows.append(
                    {
                        "name": name,
                        "event_name": event_name,
                        "event_type": event_type,
                        "value": value,
                        "passed": metric_ok,
                    }
                )
            datapoint = _datapoint_key(session)
            for key in dict.fromkeys((name, event_name) for name, event_name, _, _ in session.metrics):
                (metric_failed if key in failing_keys else metric_passed)[key].append(datapoint)
            # no trial fields: the client keeps rows of this shape compact (models/summary.py, DatapointResults)
            datapoints.append(
                {"datapoint_id": session.datapoint_id, "session_id": session.session_id, "passed": ok, "metrics": rows}
            )
            (passed if ok else failed).append(datapoint)
    else:
        values = {key: [] for key in view.metrics}
        for datapoint, sessions in trials.items():
            per_trial = [_trial_values(session) for session in sessions]
            trial_ok = [
                not session.errored
                and all(value_passes(v, ranges.get(name)) for (name, _), vs in found.items() for v in vs)
                for session, found in zip(sessions, per_trial, strict=True)
            ]
            metric_keys = dict.fromkeys(k for found in per_trial for k in found)
            ok = not any(session.errored for session in sessions)
            rows = []
            for key in metric_keys:
                metric = view.metrics[key]
                produced = [found[key] for found in per_trial if key in found]
                reduced = _reduced(produced)
                checked = [value_passes(v, ranges.get(metric.name)) for v in reduced]
                metric_ok = all(checked)
                ok = ok and metric_ok
                sent = [_sent(value) for value in reduced]
                values[key].extend(sent)
                spreads[key].append(_spread([_mean(trial) for trial in produced]))
                (metric_passed if metric_ok else metric_failed)[key].append(datapoint)
                rows.extend(
                    {
                        "name": metric.name,
                        "event_name": metric.event_name,
                        "event_type": metric.event_type,
                        "value": value,
                        "passed": value_ok,
                    }
                    for value, value_ok in zip(sent, checked, strict=True)
                )
            if len(set(trial_ok)) > 1:
                flaky.append(datapoint)
            datapoints.append(
                {
                    "datapoint_id": sessions[0].datapoint_id,
                    "session_id": sessions[0].session_id,
                    "passed": ok,
                    "metrics": rows,
                    "trials": len(sessions),
                    "trials_passed": sum(trial_ok),
                }
            )
            (passed if ok else failed).append(datapoint)

    details = []
    for key in sorted(view.metrics):
        metric = view.metrics[key]
        passing_range = ranges.get(metric.name)
        detail: dict[str, Any] = {
            "metric_name": metric.name,
            "metric_type": "CLIENT_SIDE",
            "event_name": metric.event_name,
            "event_type": metric.event_type,
            "aggregate": aggregate(values[key], aggregate_function),
            "values": values[key],
        }
        if most_trials > 1:
            detail["spread"] = _mean(spreads[key]) if spreads[key] else None
        detail["datapoints"] = {"passed": metric_passed[key], "failed": metric_failed[key]}
        if passing_range:
            detail["passing_range"] = dict(passing_range)
        details.append(detail)

    body: dict[str, Any] = {
        "status": status,
        "success": bool(datapoints) and not failed,
        "passed": passed,
        "failed": failed,
        "metrics": {"aggregation_function": aggregate_function, "details": details},
        "datapoints": datapoints,
        "event_details": view.event_details,
    }
    if most_trials > 1:
        body["trials"] = most_trials
        body["flaky"] = flaky
    if not datapoints:
        body["error"] = "no events of this run are visible yet"
    return body


def _trials(view: RunView) -> dict[str, list[_Session]]:
    """The sessions of each datapoint (its trials), in first-seen order; a session without a datapoint id is a
    datapoint of its own."""
    grouped: dict[str, list[_Session]] = {}
    for session in view.sessions.values():
        grouped.setdefault(_datapoint_key(session), []).append(session)
    return grouped


def _spread(values: Sequence[float]) -> float:
    """The population standard deviation of a datapoint's trial values (0 for one trial)."""
    if len(values) < 2:
        return 0.0
    mean, root = _mean(values), math.sqrt(len(values))
    # hypot sums the squares without overflowing them (trial values 1e200 apart have a finite spread); halved (exact)
    # and divided by sqrt(n) first, neither a deviation nor their sum can exceed a double (trials at ±1.7e308)
    return 2 * math.hypot(*((v / 2 - mean / 2) / root for v in values))


def _trial_values(session: _Session) -> dict[MetricKey, list[MetricValue]]:
    """One trial's values of each metric (normally one), keyed by (name, event name): a metric's values under two
    event types (the same span name as chain and tool) are one metric's, as in :func:`_per_datapoint`."""
    found: dict[MetricKey, list[MetricValue]] = {}
    for name, event_name, _, value in session.metrics:
        found.setdefault((name, event_name), []).append(value)
    return found


def _reduced(trials: Sequence[Sequence[MetricValue]]) -> list[MetricValue | Fraction]:
    """A datapoint's values of one metric over the trials that produced it, reduced to one trial's worth: as many as
    its longest trial has, sorted, the i-th the mean over the trials of each one's i-th smallest value (in a shorter
    trial, the value at the same relative rank). So one value per trial gives their mean; identical trials give one
    trial's values, as K = 1 would; and the smallest is the mean of each trial's smallest, the largest of each one's
    largest, which a passing range checks.

    Exact, to be checked against a range exactly (:func:`value_passes`) as K = 1's values are: where the trials agree
    the value as sent (``True``, ``2**53 + 1``: not the float it rounds to), a mean of integers (booleans as 1/0) a
    :class:`~fractions.Fraction`, sent as :func:`_sent` says; a mean with a float in it is correctly rounded."""
    ranked = [sorted(values) for values in trials]  # as sent: Python orders ints, floats and bools exactly
    n = max(map(len, ranked))
    means: list[MetricValue | Fraction] = []
    for i in range(n):
        rank = [r[(2 * i + 1) * len(r) // (2 * n)] for r in ranked]
        if all(value == rank[0] for value in rank):
            means.append(rank[0])
        elif all(isinstance(value, int) for value in rank):
            means.append(Fraction(sum(map(int, rank)), len(rank)))
        else:
            means.append(_mean([float(value) for value in rank]))
    return means


def _sent(value: MetricValue | Fraction) -> MetricValue:
    """A :func:`_reduced` value as the summary sends it: a mean of integers as an int when it is whole (exactly, past
    2**53), else as the float nearest it."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value


def _per_datapoint(metric: _Metric, trials: Mapping[str, list[_Session]]) -> dict[str, list[MetricValue]]:
    """With trials, each datapoint's values (by :func:`_datapoint_key`) that a run's aggregate is taken over and the
    datapoint is compared on: its trials :func:`_reduced`, as the summary reduces them."""
    reduced: dict[str, list[float]] = {}
    for key, sessions in trials.items():
        produced = [metric.by_session[s.session_id] for s in sessions if s.session_id in metric.by_session]
        if produced:
            reduced[key] = [_sent(value) for value in _reduced(produced)]
    return reduced


SAME_REL_TOL = 1e-9
SAME_ABS_TOL = 1e-12
"""How close two per-datapoint values that are not both whole are when the comparison counts them the same
(:func:`unchanged`)."""
EXACT_BELOW = 2**53
"""Whole numbers below this (in absolute value) are held exactly by a double, as is their difference: a count, a sum
of tokens. :func:`unchanged` counts two such the same only when equal."""


def _whole(number: float) -> bool:
    return float(number).is_integer() and abs(number) < EXACT_BELOW


def unchanged(before: float, after: float) -> bool:
    """A datapoint's value in two runs is the same when equal; two values that are not both whole numbers below
    2**53 are also the same when equal but for float noise: within ``math.isclose(before, after, rel_tol=1e-9,
    abs_tol=1e-12)``.

    The tolerance is there for sums of fractions: an evaluator's arithmetic gives ``0.1 + 0.2`` in one run and
    ``0.3`` in the next (``-5.55e-17`` apart), and a mean over trials or values is rounded as its sum is; with exact
    ``<`` / ``>`` every such datapoint degraded, and a ``max_degraded: 0`` gate failed on all of them. A change of
    less than a billionth of the value (or, near 0, of less than ``1e-12``) is rounding, not a measurement.

    Whole numbers below 2**53 (tokens, counts, booleans as 1/0) have no such noise: a double holds each exactly, and
    their sums and differences while below 2**53, so any difference is a measurement. 5,000,000,005 tokens against
    5,000,000,000 is 1e-9 of the value, which the tolerance counted the same, and a ``max_degraded: 0`` gate could
    not see it. The client's verdict judges whole numbers by the same rule (``honeyhive_experiment.verdict._whole``)."""
    if _whole(before) and _whole(after):
        return before == after
    return math.isclose(before, after, rel_tol=SAME_REL_TOL, abs_tol=SAME_ABS_TOL)


def _compared_values(
    metric: _Metric | None,
    trials: Mapping[str, list[_Session]],
    datapoint_of: Mapping[str, str | None],
    reduced: bool,
) -> tuple[list[MetricValue], dict[str, float]]:
    """What a comparison takes of one run's metric: the values its aggregate is taken over, and each datapoint's
    value that it counts as improved, degraded or same, the mean of the datapoint's values. Those are every value
    or, with trials (``reduced``), each datapoint's trials :func:`_reduced`, as the summary reports them."""
    if metric is None:
        return [], {}
    if reduced:
        by_datapoint = _per_datapoint(metric, trials)
        values: list[MetricValue] = [v for found in by_datapoint.values() for v in found]
    else:
        by_datapoint, values = metric.by_datapoint(datapoint_of), metric.values
    return values, {dp: _mean([float(v) for v in found]) for dp, found in by_datapoint.items()}


def compare(
    old_events: Iterable[EventRecord],
    new_events: Iterable[EventRecord],
    aggregate_function: str = "average",
) -> dict[str, Any]:
    """The body of ``GET /v1/runs/{new}/compare/{old}`` minus ``old_run`` and ``new_run``."""
    if aggregate_function not in AGGREGATE_FUNCTIONS:
        raise ValueError(f"unknown aggregate function {aggregate_function!r}")
    old = build_view(old_events, rows=False)
    new = build_view(new_events, rows=False)
    old_trials, new_trials = _trials(old), _trials(new)
    old_reduced = max((len(g) for g in old_trials.values()), default=0) > 1  # with trials: per-datapoint means
    new_reduced = max((len(g) for g in new_trials.values()), default=0) > 1

    old_datapoint_of, new_datapoint_of = old.datapoint_of(), new.datapoint_of()
    old_datapoints = {dp for dp in old_datapoint_of.values() if dp is not None}
    common: list[str] = []
    seen: set[str] = set()
    for session in new.sessions.values():
        dp = session.datapoint_id
        if dp is not None and dp in old_datapoints and dp not in seen:
            seen.add(dp)
            common.append(dp)

    metrics = []
    for key in sorted(set(old.metrics) | set(new.metrics)):
        old_metric = old.metrics.get(key)
        new_metric = new.metrics.get(key)
        either = new_metric or old_metric
        assert either is not None
        old_values, old_by_dp = _compared_values(old_metric, old_trials, old_datapoint_of, old_reduced)
        new_values, new_by_dp = _compared_values(new_metric, new_trials, new_datapoint_of, new_reduced)
        old_agg = aggregate(old_values, aggregate_function) if old_metric else None
        new_agg = aggregate(new_values, aggregate_function) if new_metric else None
        difference = _finite(new_agg - old_agg) if old_agg is not None and new_agg is not None else None
        change = _finite(difference / abs(old_agg) * 100) if difference is not None and old_agg else None

        improved: list[str] = []
        degraded: list[str] = []
        same: list[str] = []
        if old_metric and new_metric:
            for dp in common:
                before, after = old_by_dp.get(dp), new_by_dp.get(dp)
                if before is None or after is None:
                    continue
                (same if unchanged(before, after) else improved if after > before else degraded).append(dp)
        metrics.append(
            {
                "metric_name": key[0],
                "metric_type": "CLIENT_SIDE",
                "event_name": key[1],
                "event_type": either.event_type,
                "old_aggregate": old_agg,
                "new_aggregate": new_agg,
                "difference": difference,
                "percentage_change": change,
                "found_count": len(improved) + len(degraded) + len(same),
                "improved_count": len(improved),
                "degraded_count": len(degraded),
                "same_count": len(same),
                "improved": improved,
                "degraded": degraded,
                "same": same,
                "old_values": list(old_values),
                "new_values": list(new_values),
            }
        )

    old_details = {(d["event_name"], d["event_type"]) for d in old.event_details}
    new_details = {(d["event_name"], d["event_type"]) for d in new.event_details}
    event_details = [
        {
            "event_name": name,
            "event_type": etype,
            "presence": "both"
            if (name, etype) in old_details and (name, etype) in new_details
            else "old"
            if (name, etype) in old_details
            else "new",
        }
        for name, etype in sorted(old_details | new_details)
    ]
    return {"commonDatapoints": common, "metrics": metrics, "event_details": event_details}

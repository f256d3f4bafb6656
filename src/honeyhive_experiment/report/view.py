"""The view model: :class:`ReportView`, built once per render from a :class:`ReportInput`, with its rows.

The backend computes, the report carries: aggregates, differences, percentage changes, improved/degraded
counts and pass/fail are the backend's numbers (:mod:`honeyhive_experiment.models`), formatted and never
recomputed. Presentation only:

* **Direction.** ``metrics.<name>.direction: lower`` makes a negative difference an improvement. The
  backend calls a larger value "improved"; for lower-is-better metrics the *better / worse* counts are the
  backend's ``degraded_count / improved_count``.
* **Numbers.** See :mod:`honeyhive_experiment.report.numbers`.
* **Redaction.** Every string is redacted as the view is built, before anything truncates it.

The comment, the job summary, the terminal table and ``report.json`` are all rendered from a
:class:`ReportView`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from honeyhive_experiment.config import Direction, MetricConfig
from honeyhive_experiment.models import DatapointResult, MetricDelta, MetricDetail, MetricKey
from honeyhive_experiment.report.changes import (
    CHANGE_TEXT,
    DegradedRow,
    DegradedView,
    FlipsView,
    flips_view,
    significant_change,
)
from honeyhive_experiment.report.inputs import DIRTY_LABEL, BaselineInfo, ReportInput
from honeyhive_experiment.report.markdown import clip, http_url
from honeyhive_experiment.report.numbers import (
    as_utc,
    finite,
    format_count,
    format_delta,
    format_number,
    format_percentage_change,
    format_range,
    humanize_age,
    is_zero,
    sparkline,
)
from honeyhive_experiment.report.pairing import changes_text, overlap_collapsed, unpaired_cause, unpaired_counts
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.verdict import PASS_FAIL

if TYPE_CHECKING:
    # runner pulls in OpenTelemetry; the report only reads the outcomes' fields
    from honeyhive_experiment.models.outcomes import DatapointOutcome

__all__ = [
    "FAILING_SHOWN",
    "PREVIEW_SHORT",
    "BaselineView",
    "DatapointRow",
    "ErrorRow",
    "FailingMetric",
    "MetricRow",
    "ReportView",
    "TrendRow",
    "TrendView",
    "count_of",
]

PREVIEW_SHORT: Final = 80  # characters of an input/output preview where room is short (terminal, degraded comment)
FAILING_SHOWN: Final = 5  # failing metrics named per datapoint row
_PREVIEW_STORED: Final = 1000  # characters of an input/output preview kept (report.json)
_TREND_POINTS: Final = 10
_RAW_SLICE: Final = 20_000  # a string output is cut to this before redaction (far beyond any preview)
_PERCENT_AGGREGATES: Final = frozenset({None, "average"})


# ================================================================================================ rows


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One metric: the backend's numbers (non-finite ones as ``None``) and their formatted texts."""

    name: str
    event_name: str | None
    label: str
    direction: str
    key: bool
    configured: bool
    percent: bool
    baseline: float | None
    value: float | None
    difference: float | None
    percentage_change: float | None
    improved_count: int | None
    degraded_count: int | None
    same_count: int | None
    better_count: int | None
    worse_count: int | None
    change: str | None
    significance: str | None  # "p = 0.003", "needs ≥ 6 changes, has 4" (None: not tested)
    p_value: float | None
    p_adjusted: float | None
    worse_ids: Sequence[str]  # the backend's ids of common datapoints that got worse (direction-aware)
    failing: int | None
    range_min: float | None
    range_max: float | None
    # formatted
    baseline_text: str
    value_text: str
    delta_text: str
    delta_pct_text: str
    counts_text: str
    range_text: str
    status: str


@dataclass(frozen=True, slots=True)
class FailingMetric:
    """A metric that failed its passing range on one datapoint; ``text`` is ``label = value``."""

    name: str
    event_name: str | None
    value: Any
    text: str


@dataclass(frozen=True, slots=True)
class DatapointRow:
    """A failed datapoint with its failing metrics and previews of its inputs and outputs."""

    id: str
    failing: tuple[FailingMetric, ...]
    inputs: str | None
    outputs: str | None


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """A datapoint whose function raised or timed out, a backend error, or an evaluator that raised."""

    id: str
    status: str
    kind: str
    error: str
    evaluator: str | None


@dataclass(frozen=True, slots=True)
class BaselineView:
    """The baseline run as shown: its label, commit, age and how many datapoints the runs share."""

    run_id: str
    name: str | None
    label: str
    about: str | None
    url: str | None
    short_sha: str | None
    commit_sha: str | None
    branch: str | None
    created_at: datetime | None
    age: str | None
    shared: int | None
    total: int | None
    shared_text: str
    total_text: str
    overlap_pct: str | None
    low_overlap: bool
    changes_text: str | None = None
    """What changed in the dataset, from the backend's lists: ``"2 new, 1 gone"``."""
    cause: str | None = None
    """When the overlap collapsed: its likely cause and the fix (report/pairing.py)."""


@dataclass(frozen=True, slots=True)
class TrendRow:
    label: str
    spark: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrendView:
    """Key metrics over the last baseline runs and this run (the last column)."""

    labels: tuple[str, ...]
    rows: tuple[TrendRow, ...]


_DEFAULT_METRIC: Final = MetricConfig()
_ERROR_KINDS: Final = {
    "function_error": "function raised",
    "timeout": "function timed out",
    "backend_error": "backend error",
}


def count_of(ids: list[str] | None) -> int | None:
    """How many ids, or ``None`` when the backend did not say."""
    return None if ids is None else len(ids)


def _is_boolean(values: Sequence[Any] | None) -> bool:
    sample = list(values[:64]) if values else []
    return bool(sample) and all(isinstance(v, bool) for v in sample)


# ========================================================================================== the view


class ReportView:
    """The report's content, built once per render from a :class:`ReportInput`: every string redacted."""

    def __init__(self, data: ReportInput, redactor: Redactor) -> None:
        self.data = data
        self.redactor = redactor
        r = redactor.redact
        summary = data.summary
        self.verdict = data.decision.verdict
        self.experiment = clip(r(data.experiment), 200)
        self.title = clip(r(data.comment.title or data.experiment), 200)
        self.aggregation = summary.metrics.aggregation_function if summary is not None else None
        self.reasons = tuple(clip(r(reason), 300) for reason in data.decision.reasons)
        self.warnings = tuple(clip(r(warning), 300) for warning in data.decision.warnings)
        self.flips: FlipsView | None = flips_view(data.assessment.get(PASS_FAIL))
        self.gate_failures = tuple(clip(r(g), 300) for g in data.decision.gate_failures)
        self.error = clip(r(data.error), 4000) if data.error else None
        self.notes = tuple(clip(r(note), 500) for note in data.notes)
        self.run_id = clip(r(data.run_id), 100) if data.run_id else None
        self.run_url = http_url(r(data.run_url)) if data.run_url else None
        self.head_sha = clip(r(data.head_sha), 64) if data.head_sha else None
        self.generated_at = as_utc(data.generated_at)
        self.tool_version = clip(r(data.tool_version), 50)
        self.passed = len(summary.passed) if summary is not None else None
        self.failed = len(summary.failed) if summary is not None else None
        # rows the backend never recorded (it refused their session) count too: totals equal the dataset's size
        self.unrecorded = sum(1 for o in data.outcomes if o.status == "backend_error") if summary is not None else 0
        self.total = (
            self.passed + self.failed + self.unrecorded if self.passed is not None and self.failed is not None else None
        )
        self.metrics = self._metric_rows()
        self.baseline = self._baseline()
        self.errors, errored_ids = self._error_rows()
        self.errored = sum(1 for o in data.outcomes if o.status in _ERROR_KINDS)
        self.failed_keys = [k for k in (summary.failed if summary is not None else []) if k not in errored_ids]
        self._datapoints: dict[str, DatapointResult] = {}  # of failed datapoints, looked up as rows are built
        self._outcomes: dict[str, DatapointOutcome] = {}
        for outcome in data.outcomes:
            self._outcomes.setdefault(outcome.datapoint_id, outcome)
            self._outcomes.setdefault(outcome.session_id, outcome)
        self._failed_rows: list[DatapointRow] = []
        self.trend = self._trend()

    # ---------------------------------------------------------------------------------- metrics

    def _config(self, name: str) -> MetricConfig:
        return self.data.metrics.get(name) or _DEFAULT_METRIC

    def _metric_rows(self) -> tuple[MetricRow, ...]:
        summary, comparison = self.data.summary, self.data.comparison
        details: dict[MetricKey, MetricDetail] = {}
        if summary is not None:
            for detail in summary.metrics.details:
                details.setdefault(detail.key, detail)
        entries: list[tuple[MetricKey, MetricDelta | None, MetricDetail | None]] = []
        if comparison is not None:
            deltas = comparison.metric_deltas
            entries.extend((key, delta, details.get(key)) for key, delta in deltas.items())
            entries.extend((key, None, detail) for key, detail in details.items() if key not in deltas)
        else:
            entries.extend((key, None, detail) for key, detail in details.items())
        events_per_name = Counter(key[0] for key, _, _ in entries)
        rows = [
            self._metric_row(key, delta, detail, comparison is not None, events_per_name[key[0]] > 1)
            for key, delta, detail in entries
        ]
        # a judged metric the backend has no value for must not vanish from the table
        rows.extend(
            self._metric_row((name, None), None, None, comparison is not None, False, absent=True)
            for name in dict.fromkeys(self.data.judged_metrics)
            if name not in events_per_name
        )
        order = {name: i for i, name in enumerate(self.data.metrics)}
        return tuple(
            sorted(rows, key=lambda row: (0 if row.key else 1 if row.configured else 2, order.get(row.name, 0)))
        )

    def _metric_row(
        self,
        key: MetricKey,
        delta: MetricDelta | None,
        detail: MetricDetail | None,
        compared: bool,
        ambiguous: bool,
        *,
        absent: bool = False,
    ) -> MetricRow:
        r = self.redactor.redact
        name, event_name = key
        config = self._config(name)
        lower = config.direction is Direction.LOWER
        spec = config.format
        sample = (
            (detail.values if detail is not None else None)
            or (delta.new_values if delta is not None else None)
            or (delta.old_values if delta is not None else None)
        )
        percent = spec is None and _is_boolean(sample) and self.aggregation in _PERCENT_AGGREGATES
        baseline = delta.old_aggregate if delta is not None else None
        value = delta.new_aggregate if delta is not None else None
        if value is None and detail is not None:
            value = detail.aggregate
        difference = delta.difference if delta is not None else None
        change_pct = delta.percentage_change if delta is not None else None
        improved = degraded = same = None
        if delta is not None:
            improved, degraded, same = delta.improved_total, delta.degraded_total, delta.same_total
        better, worse = (degraded, improved) if lower else (improved, degraded)
        change: str | None = None
        if delta is not None:
            if delta.old_aggregate is None and delta.new_aggregate is not None:
                change = "new"
            elif delta.new_aggregate is None and delta.old_aggregate is not None:
                change = "removed"
            elif difference is not None and math.isfinite(difference):
                if is_zero(difference, spec, percent):
                    change = "same"
                else:
                    change = "better" if (difference > 0) != lower else "worse"
        assessed = self.data.assessment.get(key) if delta is not None else None
        change, significance = significant_change(assessed, change)
        worse_ids: Sequence[str] = ()
        if delta is not None:
            worse_ids = (delta.improved if lower else delta.degraded) or ()
        failing = None
        if detail is not None and detail.datapoints is not None:
            failing = len(detail.datapoints.failed)
        low = high = None
        if detail is not None and detail.passing_range is not None:
            low, high = detail.passing_range.min, detail.passing_range.max
        has_range = low is not None or high is not None
        parts = [CHANGE_TEXT[change] + (f" ({significance})" if significance else "")] if change is not None else []
        if absent:
            parts.append("⚠️ no values")
        elif failing:
            parts.append(f"❌ {failing:,} failing")
        elif not compared and has_range and failing == 0:
            parts.append("✅ passing")
        label = config.label or name
        if ambiguous and event_name:
            label = f"{label} ({event_name})"
        return MetricRow(
            name=r(name),
            event_name=r(event_name) if event_name is not None else None,
            label=clip(r(label), 100),
            direction=config.direction.value,
            key=config.key,
            configured=name in self.data.metrics,
            percent=percent,
            baseline=finite(baseline),
            value=finite(value),
            difference=finite(difference),
            percentage_change=finite(change_pct),
            improved_count=improved,
            degraded_count=degraded,
            same_count=same,
            better_count=better,
            worse_count=worse,
            change=change,
            significance=significance,
            p_value=assessed.p_value if assessed is not None else None,
            p_adjusted=assessed.p_adjusted if assessed is not None else None,
            worse_ids=worse_ids,
            failing=failing,
            range_min=finite(low),
            range_max=finite(high),
            baseline_text=format_number(baseline, spec, percent=percent),
            value_text=format_number(value, spec, percent=percent),
            delta_text=format_delta(difference, spec, percent=percent),
            delta_pct_text=format_percentage_change(change_pct),
            counts_text=f"{better:,} / {worse:,}" if better is not None and worse is not None else "—",
            range_text=format_range(low, high, spec, percent=percent),
            status=" · ".join(parts) or "—",
        )

    def metrics_shown(self, limit: int | None) -> tuple[MetricRow, ...]:
        """At most ``limit`` rows, keeping key, failing and worse metrics first, in display order."""
        if limit is None or limit >= len(self.metrics):
            return self.metrics

        def priority(item: tuple[int, MetricRow]) -> tuple[int, int]:
            index, row = item
            rank = 0 if row.key else 1 if row.failing else 2 if row.change == "worse" else 3 if row.configured else 4
            return rank, index

        chosen = sorted(enumerate(self.metrics), key=priority)[: max(0, limit)]
        return tuple(row for _, row in sorted(chosen, key=lambda item: item[0]))

    def degraded(self, limit: int) -> tuple[DegradedView, ...]:
        """For each metric that got significantly worse or failed its gate, the first ``limit`` of the backend's
        datapoints that got worse on it, with their inputs previewed."""
        gated = set(self.data.decision.gates_hit)
        views = []
        for row in self.metrics:
            significantly_worse = row.change == "worse" and row.significance is not None
            if not row.worse_ids or not (significantly_worse or row.name in gated):
                continue
            shown = []
            for ident in row.worse_ids[: max(0, limit)]:
                inputs = self.data.inputs_by_datapoint.get(ident)
                preview = self._preview(inputs) if inputs is not None else "—"
                shown.append(DegradedRow(clip(self.redactor.redact(ident), 100), preview))
            views.append(DegradedView(row.label, len(row.worse_ids), tuple(shown)))
        return tuple(views)

    # --------------------------------------------------------------------------------- baseline

    def _baseline(self) -> BaselineView | None:
        r = self.redactor.redact
        info, comparison, summary = self.data.baseline, self.data.comparison, self.data.summary
        if info is None and comparison is None:
            return None
        if info is None:
            assert comparison is not None
            old = comparison.old_run
            info = BaselineInfo(run_id=comparison.old_run_id, name=old.name if old is not None else None)
        shared = info.shared_datapoints
        if shared is None and comparison is not None:
            shared = len(comparison.common_datapoints)
        total = info.total_datapoints
        if total is None and comparison is not None and comparison.new_only_datapoints is not None:
            total = len(comparison.common_datapoints) + len(comparison.new_only_datapoints)
        if total is None and summary is not None:
            total = len(summary.datapoint_ids) or self.total
        overlap = shared / total if shared is not None and total else None
        new, gone = unpaired_counts(comparison)
        sha = re.sub(r"[^0-9A-Za-z]", "", r(info.commit_sha)) if info.commit_sha else None
        run_id = clip(r(info.run_id), 100)
        name = clip(r(info.name), 100) if info.name else None
        branch = clip(r(info.branch), 100) if info.branch else None
        age = humanize_age(info.created_at, self.generated_at) if info.created_at else None
        why = clip(r(info.why), 200) if info.why else ""
        commit = f"commit {sha[:7]}" if sha and sha[:7] not in why else ""
        commit += f" + {DIRTY_LABEL}" if info.dirty else ""
        on = f"on {branch}" if branch and f" {branch}" not in why else None
        about = " ".join(x for x in (commit.strip() or None, on) if x)
        if why:  # which baseline and why, then what the reason does not say already
            about = f"{why}: {about}" if about else why
        if age:
            about = f"{about}, {age}" if about else age
        if info.passed is False:
            about = f"{about}, failed" if about else "failed"
        return BaselineView(
            run_id=run_id,
            name=name,
            label=name or run_id,
            about=about or None,
            url=http_url(r(info.url)) if info.url else None,
            short_sha=sha[:7] if sha else None,
            commit_sha=sha or None,
            branch=branch,
            created_at=as_utc(info.created_at) if info.created_at else None,
            age=age,
            shared=shared,
            total=total,
            shared_text=format_count(shared),
            total_text=format_count(total),
            overlap_pct=f"{overlap:.0%}" if overlap is not None else None,
            low_overlap=overlap_collapsed(shared, total),
            changes_text=changes_text(new, gone),
            cause=unpaired_cause(shared=shared, new=new, gone=gone, scheme=self.data.id_scheme),
        )

    # ------------------------------------------------------------------------------- datapoints

    def _error_rows(self) -> tuple[tuple[ErrorRow, ...], set[str]]:
        r = self.redactor.redact
        rows: list[ErrorRow] = []
        errored: set[str] = set()
        for outcome in self.data.outcomes:
            ident = clip(r(outcome.datapoint_id), 100)
            status = str(outcome.status)
            if status in _ERROR_KINDS:
                errored.update((outcome.datapoint_id, outcome.session_id))
                error = r((outcome.error or "")[:_RAW_SLICE])
                rows.append(ErrorRow(ident, status, _ERROR_KINDS[status], clip(error, _PREVIEW_STORED), None))
            for failure in outcome.evaluator_failures:
                evaluator = clip(r(failure.evaluator), 100)
                error = r((failure.error or "")[:_RAW_SLICE])
                kind = f"evaluator {evaluator} raised"
                rows.append(ErrorRow(ident, "evaluator_error", kind, clip(error, _PREVIEW_STORED), evaluator))
        return tuple(rows), errored

    def failed_rows(self, limit: int) -> list[DatapointRow]:
        """The first ``limit`` failed datapoints (backend order), built on demand."""
        limit = min(limit, len(self.failed_keys))
        if self.data.summary is not None and len(self._failed_rows) < limit:
            # only the rows shown become models: a large run's summary keeps its datapoints compact
            wanted = self.failed_keys[len(self._failed_rows) : limit]
            self._datapoints.update(self.data.summary.datapoints.find(wanted))
        while len(self._failed_rows) < limit:
            self._failed_rows.append(self._failed_row(self.failed_keys[len(self._failed_rows)]))
        return self._failed_rows[:limit]

    def _failed_row(self, key: str) -> DatapointRow:
        r = self.redactor.redact
        result = self._datapoints.get(key)
        datapoint_id = result.datapoint_id if result is not None and result.datapoint_id else key
        outcome = self._outcomes.get(datapoint_id) or self._outcomes.get(key)
        failing: list[FailingMetric] = []
        if result is not None:
            for metric in result.metrics:
                if metric.passed is False:
                    config = self._config(metric.name)
                    value = metric.value
                    stored: Any = value
                    if value is None:
                        shown = "—"
                    elif isinstance(value, bool):
                        shown = "true" if value else "false"
                    elif isinstance(value, int | float):
                        shown = format_number(value, config.format)
                    else:
                        stored = shown = clip(r(str(value)), 60)
                    label = clip(r(config.label or metric.name), 60)
                    event = r(metric.event_name) if metric.event_name else None
                    text = f"{label} = {shown}"
                    explanation = outcome.metrics.get(f"{metric.name}_explanation") if outcome is not None else None
                    if isinstance(explanation, str) and explanation.strip():
                        text += f" ({clip(r(explanation.strip()), 120)})"
                    failing.append(FailingMetric(r(metric.name), event, stored, text))
        inputs = self.data.inputs_by_datapoint.get(datapoint_id)
        return DatapointRow(
            id=clip(r(key), 100),
            failing=tuple(failing),
            inputs=self._preview(inputs) if inputs is not None else None,
            outputs=self._preview(outcome.outputs) if outcome is not None and outcome.outputs is not None else None,
        )

    def _preview(self, value: Any) -> str:
        if isinstance(value, str):
            text = value[:_RAW_SLICE]
        else:
            safe = self.redactor.redact_value(value)
            try:
                text = json.dumps(safe, ensure_ascii=False, default=str)
            except (TypeError, ValueError):
                text = repr(safe)
        return clip(self.redactor.redact(text), _PREVIEW_STORED)

    # ------------------------------------------------------------------------------------ trend

    def _trend(self) -> TrendView | None:
        keys = [name for name, config in self.data.metrics.items() if config.key]
        points = list(self.data.trend)[-_TREND_POINTS:]
        if not keys or not points:
            return None
        r = self.redactor.redact
        current: dict[str, MetricDetail] = {}
        if self.data.summary is not None:
            for found in self.data.summary.metrics.details:
                current.setdefault(found.metric_name, found)
        rows = []
        for name in keys:
            config = self._config(name)
            detail = current.get(name)
            percent = (
                config.format is None
                and detail is not None
                and _is_boolean(detail.values)
                and self.aggregation in _PERCENT_AGGREGATES
            )
            values = [finite(p.values.get(name)) for p in points]
            values.append(finite(detail.aggregate) if detail is not None else None)
            rows.append(
                TrendRow(
                    label=clip(r(config.label or name), 100),
                    spark=sparkline(values),
                    values=tuple(format_number(v, config.format, percent=percent) for v in values),
                )
            )
        labels = (*(clip(r(p.label), 40) for p in points), "this run")
        return TrendView(labels=labels, rows=tuple(rows))

"""Building the one report model: :func:`build_report` turns a :class:`~honeyhive_experiment.judgement.Judgement`
into a :class:`~honeyhive_experiment.report.model.Report`, once per run.

The backend computes, the report carries: aggregates, differences, percentage changes, improved/degraded
counts and pass/fail are the backend's numbers, never recomputed. What is decided here is presentation:

* **Direction.** ``metrics.<name>.direction: lower`` makes a negative difference an improvement. The backend
  calls a larger value "improved"; for lower-is-better metrics the *better / worse* counts are the backend's
  ``degraded_count / improved_count``.
* **Change and noise.** A row's change is the assessment's (a mean's paired t-test on the backend's per-datapoint
  values, else a sign test on its counts, see :mod:`honeyhive_experiment.significance`); without counts, can't
  tell (or same).
* **Redaction.** This is the one place secrets are taken out: every string from the backend, the dataset or the
  user's code is redacted as it enters the model (also through its control, zero-width and bidi characters, then
  taken out but the joiners of emoji and scripts, so every output shows the same text), before anything truncates
  it — the datapoint table's inputs, outputs, errors and explanations read back from the backend too. Renderers
  read the model and never redact again.
* **The datapoint table** (``Report.table``, for the HTML report): each datapoint's status is the backend's —
  degraded / improved from its comparison's lists (direction-aware), failed from its result, new / gone from
  the runs' datapoint lists, errored from the events — and worse ones come first.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, TypeVar

from honeyhive_experiment.config import Direction, GateRule, MetricConfig, PassingRangeConfig
from honeyhive_experiment.efficiency import FAILED, GIVEN_UP, JUDGE, NO_PRICE, NO_USAGE
from honeyhive_experiment.efficiency import METRICS as EFFICIENCY_METRICS
from honeyhive_experiment.judgement import BaselineInfo, Judgement, RunTotals
from honeyhive_experiment.models import (
    DatapointResult,
    ExperimentResultSummary,
    MetricDelta,
    MetricDetail,
    MetricKey,
    RunComparisonResult,
)
from honeyhive_experiment.models.details import DatapointRecord
from honeyhive_experiment.models.outcomes import EARLIER_FAILED, DatapointOutcome, first_ids, outside_ranges
from honeyhive_experiment.models.summary import PassingRange
from honeyhive_experiment.report.markdown import clip, clip_middle, http_url
from honeyhive_experiment.report.model import (
    REPORT_VERSION,
    ROW_STATUSES,
    TREND_POINTS,
    Degraded,
    DegradedDatapoint,
    Move,
    Report,
    ReportBaseline,
    ReportCell,
    ReportComparison,
    ReportCounts,
    ReportDatapoints,
    ReportDistribution,
    ReportErroredDatapoint,
    ReportExplanation,
    ReportFailedDatapoint,
    ReportFailingMetric,
    ReportFlakyDatapoint,
    ReportFlips,
    ReportGate,
    ReportHtml,
    ReportMetric,
    ReportRange,
    ReportRow,
    ReportRun,
    ReportSummary,
    ReportTable,
    ReportText,
    ReportTotals,
    ReportTrendPoint,
    ReportUnpriced,
    RowStatus,
    Since,
    TrendRow,
    UnpricedReason,
    trial_of,
)
from honeyhive_experiment.report.numbers import (
    as_utc,
    bin_values,
    counted,
    finite,
    format_bound,
    format_value,
    humanize_age,
    is_zero,
)
from honeyhive_experiment.report.pairing import (
    changes_text,
    overlap_collapsed,
    uncompared,
    unpaired_cause,
    unpaired_counts,
)
from honeyhive_experiment.report.redact import ESCAPE, INVISIBLE, STRIPPED, Redactor
from honeyhive_experiment.significance import Assessment, Change, describe
from honeyhive_experiment.verdict import (
    PASS_FAIL,
    EvaluatorErrors,
    boolean_metrics,
    did,
    evaluator_errors,
    in_points,
    in_units,
    is_boolean,
    producer,
    same_but_for_noise,
    unreachable_gate,
    unrecorded,
)

__all__ = ["DIRTY_LABEL", "PREVIEW_SHORT", "build_report"]

DIRTY_LABEL: Final = "uncommitted changes"
"""How a run made with uncommitted changes is labelled wherever it is shown (comment, terminal, ``runs``)."""
PREVIEW_SHORT: Final = 80  # characters of an input/output preview where room is short (terminal, degraded comment)
_PREVIEW_STORED: Final = 1000  # characters of an error kept (the Errors section's)
_DEGRADED_STORED: Final = 100  # datapoints kept per degraded metric (the comment shows fewer; the count is exact)
_RAW_SLICE: Final = 20_000  # a string output is cut to this before redaction (far beyond any preview)
_V = TypeVar("_V")
TEXT_LIMIT: Final = 1000  # characters of a datapoint's inputs or output kept (the table's, with their length; previews)
_EXPLANATION_LIMIT: Final = 300
_EXPLANATIONS: Final = 10  # explanations kept per datapoint
_DEFAULT_METRIC: Final = MetricConfig()
_REASONS: Final[dict[str, UnpricedReason]] = {
    NO_PRICE: "no_price",
    NO_USAGE: "no_usage",
    FAILED: "failed",
    GIVEN_UP: "given_up",
    EARLIER_FAILED: "failed",  # a run recorded before given-up calls were told apart: as it said
}
_MOVED: Final[dict[str | None, RowStatus]] = {"worse": "degraded", "better": "improved"}  # a cell's change: its row's
_ERROR_KINDS: Final = {
    "function_error": "function raised",
    "timeout": "function timed out",
    "backend_error": "backend error",
}


def build_report(judgement: Judgement, *, secrets: Iterable[str | None] = (), html: ReportHtml | None = None) -> Report:
    """The report of ``judgement``, every string redacted of ``secrets`` (and of common secret shapes); ``html``:
    where its HTML report is written (the comment says so)."""
    return _Builder(judgement, Redactor(secrets)).report(html)


def _json_value(value: Any) -> Any:
    return finite(value) if isinstance(value, float) else value


_MetricRow = tuple[ReportMetric, MetricKey, MetricDelta | None]
"""A metric's row, with the backend's key and comparison it was made from."""


class _Builder:
    def __init__(self, judgement: Judgement, redactor: Redactor) -> None:
        self.j = judgement
        self.redactor = redactor
        self.r = self._redact
        summary = judgement.summary
        self.aggregation = summary.metrics.aggregation_function if summary is not None else None
        self.evaluator_errors: dict[str, EvaluatorErrors] = evaluator_errors(judgement.outcomes)
        # how the runs' datapoints paired, which the baseline and every metric's row say
        comparison = judgement.comparison
        self.shared = len(comparison.common_datapoints) if comparison is not None else None
        self.new, self.gone = unpaired_counts(comparison)
        self.left = uncompared(comparison)  # in both runs, not compared: neither new nor gone
        # with trials the backend's values are means over trials: only the evaluators' own tell a pass rate
        self.booleans = boolean_metrics(judgement.outcomes, {name for o in judgement.outcomes for name in o.metrics})
        self.outcomes: dict[str, DatapointOutcome] = {}
        self.raised: dict[str, dict[str, str]] = {}  # per datapoint (and session) id: its evaluators' first errors
        for outcome in judgement.outcomes:
            self.outcomes.setdefault(outcome.datapoint_id, outcome)
            self.outcomes.setdefault(outcome.session_id, outcome)
            for failure in outcome.evaluator_failures:
                for ident in (outcome.datapoint_id, outcome.session_id):
                    self.raised.setdefault(ident, {}).setdefault(failure.evaluator, failure.error or "")

    def _redact(self, text: str) -> str:
        """``text`` redacted (also through its invisible characters), then without them but its joiners, and without
        its terminal escape sequences, each taken out whole (:data:`ESCAPE`: ``red``, not ``[31mred[0m``)."""
        if INVISIBLE.search(text) is None:
            return self.redactor.redact(text)
        return STRIPPED.sub("", ESCAPE.sub("", self.redactor.redact_shown(text)))

    def _config(self, name: str) -> MetricConfig:
        return self.j.metrics.get(name) or _DEFAULT_METRIC

    def _percent(self, name: str, spec: str | None, values: Sequence[Any] | None) -> bool:
        """Whether a metric's numbers show as a percentage: boolean values the backend averaged, and no format."""
        return spec is None and in_points(spec, name in self.booleans or is_boolean(values), self.aggregation)

    def _texts(self, texts: Iterable[str], limit: int) -> tuple[str, ...]:
        return tuple(clip(self.r(text), limit) for text in texts)

    def _clipped(self, text: str | None, limit: int) -> str | None:
        """``text`` redacted and cut to ``limit`` characters; ``None`` for none (or an empty one)."""
        return clip(self.r(text), limit) if text else None

    def _url(self, url: str | None) -> str | None:
        """A link redacted, kept when it is http or https (:func:`http_url`); ``None`` for none."""
        return http_url(self.r(url)) if url else None

    # ------------------------------------------------------------------------------------------ the report

    def report(self, html: ReportHtml | None) -> Report:
        j, r = self.j, self.r
        decision, summary, comparison = j.decision, j.summary, j.comparison
        errored, errored_ids = self._errored()
        rows = self._metrics()
        metrics = tuple(row for row, _, _ in rows)
        shown = self._failing_trials(rows)
        failed = self._failed(errored_ids, rows, shown)
        flips = j.assessment.get(PASS_FAIL)
        return Report(
            version=REPORT_VERSION,
            experiment=clip(r(j.experiment), 200),
            title=clip(r(j.comment.title or j.experiment), 200),
            verdict=decision.verdict,
            reasons=self._texts(decision.reasons, 1000),  # the function's errors: three kinds, their rows and messages
            gate_failures=self._texts(decision.gate_failures, 600),  # a lagging comparison's is ~350 characters
            gates_hit=self._texts(decision.gates_hit, 200),
            warnings=self._texts(
                [*decision.warnings, *_partial_warnings(metrics), *_disagreements(rows, summary, comparison)], 600
            ),
            pass_fail=self._flips(flips) if flips is not None else None,
            error=self._clipped(j.error, 4000),
            error_kind=j.error_kind,
            dry_run=j.dry_run,
            generated_at=as_utc(j.generated_at),
            tool_version=clip(r(j.tool_version), 50),
            run=ReportRun(
                id=self._clipped(j.run_id, 100),
                url=self._url(j.run_url),
                head_sha=self._clipped(j.head_sha, 64),
                pr_number=j.pr_number,
                dirty=j.dirty,
            ),
            counts=self._counts(),
            summary=None
            if summary is None
            else ReportSummary(
                status=str(summary.status) if summary.status is not None else None,
                success=summary.success,
                error=self._clipped(summary.error, 4000),
                aggregation_function=self.aggregation,
            ),
            baseline=self._baseline(),
            comparisons_off=j.comparisons_off,
            comparison=None
            if comparison is None
            else ReportComparison(
                common_datapoints=len(comparison.common_datapoints),
                new_only_datapoints=self.new,
                old_only_datapoints=self.gone,
            ),
            metrics=metrics,
            datapoints=ReportDatapoints(failed=failed, errored=errored, flaky=self._flaky()),
            degraded=self._degraded(rows),
            trend=tuple(
                ReportTrendPoint(
                    label=clip(r(point.label), 100),
                    run_id=r(point.run_id) if point.run_id else None,
                    values={r(k): finite(v) for k, v in point.values.items()},
                )
                for point in j.trend
            ),
            trend_rows=self._trend_rows(),
            notes=self._texts(j.notes, 500),
            trials=j.trials,
            totals=_totals(j.totals),
            baseline_totals=_totals(j.baseline_totals),
            unpriced=self._unpriced(),
            table=self._table(rows, errored_ids, shown),
            html=None if html is None else ReportHtml(file=r(html.file), artifacts_url=self._url(html.artifacts_url)),
        )

    def _counts(self) -> ReportCounts:
        summary = self.j.summary
        # datapoints, not trials: a datapoint that errored on two of its trials counts once
        errored = len({o.datapoint_id for o in self.j.outcomes if o.status in _ERROR_KINDS})
        if summary is None:
            return ReportCounts(passed=None, failed=None, errored=errored, unrecorded=0, total=None)
        # rows the backend never recorded (their session, outputs or spans) count as such, not as passed (the backend
        # passes a session it holds no span of): totals equal the dataset's size (with trials: the datapoints none of
        # whose trials were recorded, as the verdict's reason counts them)
        lost = unrecorded(self.j.outcomes)
        passed = sum(1 for i in summary.passed if i not in lost)
        failed = sum(1 for i in summary.failed if i not in lost)
        return ReportCounts(
            passed=passed, failed=failed, errored=errored, unrecorded=len(lost), total=passed + failed + len(lost)
        )

    @staticmethod
    def _flips(assessment: Assessment) -> ReportFlips | None:
        """The pass/fail line under the table; ``None`` without a flip. The assessment's ``better`` count is the
        fail→pass flips and ``worse`` the pass→fail ones (McNemar)."""
        if assessment.changes == 0:
            return None
        return ReportFlips(
            pass_to_fail=assessment.worse,
            fail_to_pass=assessment.better,
            change=assessment.change.value,
            significance=describe(assessment),
        )

    # --------------------------------------------------------------------------------------------- metrics

    def _metrics(self) -> list[_MetricRow]:
        """Every metric's row, in display order, with the backend's key and comparison it was made from."""
        summary, comparison = self.j.summary, self.j.comparison
        details: dict[MetricKey, MetricDetail] = {}
        if summary is not None:
            for detail in summary.metrics.details:
                details.setdefault(detail.key, detail)
        deltas = comparison.deltas if comparison is not None else {}
        entries: list[tuple[MetricKey, MetricDelta | None, MetricDetail | None]] = [
            (key, delta, details.get(key)) for key, delta in deltas.items()
        ]
        entries.extend((key, None, detail) for key, detail in details.items() if key not in deltas)
        events_per_name = Counter(key[0] for key, _, _ in entries)
        rows = [
            (self._metric(key, delta, detail, events_per_name[key[0]] > 1), key, delta)
            for key, delta, detail in entries
        ]
        # a judged metric the backend has no value for, or an evaluator that raised and produced no metric at all,
        # must not vanish from the table; without a summary (an error before it, or since) nothing says it has none
        silent = [e for e in self.evaluator_errors if not any(producer(n, {e: None}) for n in events_per_name)]
        judged = self.j.judged_metrics if summary is not None else ()
        rows.extend(
            (self._metric((name, None), None, None, False), (name, None), None)
            for name in dict.fromkeys([*judged, *silent])
            if name not in events_per_name
        )
        order = {name: i for i, name in enumerate(self.j.metrics)}

        def place(item: _MetricRow) -> tuple[int, int]:
            row = item[0]
            return 0 if row.key else 1 if row.configured else 2, order.get(row.name, 0)

        return sorted(rows, key=place)

    def _metric(
        self, key: MetricKey, delta: MetricDelta | None, detail: MetricDetail | None, ambiguous: bool
    ) -> ReportMetric:
        """A metric's row: of the backend's comparison ``delta`` and summary ``detail``; without either, a judged
        metric the backend has no value for (absent)."""
        r = self.r
        name, event_name = key
        config = self._config(name)
        lower = config.direction is Direction.LOWER
        spec = config.format
        sample = (
            (detail.values if detail is not None else None)
            or (delta.new_values if delta is not None else None)
            or (delta.old_values if delta is not None else None)
        )
        percent = self._percent(name, spec, sample)
        value = delta.new_aggregate if delta is not None else None
        if value is None and detail is not None:
            value = detail.aggregate
        hit = name in self.j.decision.gates_hit  # its gate failed the check
        improved = degraded = same = None
        change = significance = None
        assessed: Assessment | None = None
        if delta is not None:
            improved, degraded, same = delta.improved_total, delta.degraded_total, delta.same_total
            assessed = self._assessment(key, delta, lower)
            change, significance = _change(delta, assessed, spec, percent, failed=hit)
        better, worse = (degraded, improved) if lower else (improved, degraded)
        passing_range = None
        failing = len(detail.datapoints.failed) if detail is not None and detail.datapoints is not None else None
        # the backend's range, else the configured one (the backend has none for a metric without values) when it is
        # the run's: a file the run was not made with may name a range no datapoint was judged by
        ranged: PassingRange | PassingRangeConfig | None = detail.passing_range if detail is not None else None
        if self.j.ranges_are_the_runs:
            ranged = ranged or self.j.passing_ranges.get(name)
        if ranged is not None:
            low, high = finite(ranged.min), finite(ranged.max)
            if low is not None or high is not None:
                passing_range = ReportRange(min=low, max=high)
        label = config.label or name
        if ambiguous and event_name:
            label = f"{label} ({event_name})"
        gate, comparison = self.j.gates.get(name), self.j.comparison
        boolean = name in self.booleans or is_boolean(sample)
        crossable = gate is None or not unreachable_gate(
            name, gate, config, aggregation=self.aggregation, values=sample or [], boolean=boolean
        )
        blamed = producer(name, self.evaluator_errors)
        raised = self.evaluator_errors[blamed] if blamed is not None else None
        # no datapoint in common, so no count for max_degraded to bound (the verdict says so apart); with some in
        # common the verdict failed it, unchecked, and the failed gate names it
        if gate is not None and delta is not None and delta.found_count == 0 and not self.shared:
            gate = gate.model_copy(update={"max_degraded": None})
        decision, left_out = self.j.decision, self.j.left_out.get(name, (0, 0))
        unknown = "" if key not in decision.not_checked else ": could not be checked"
        unknown = unknown if key not in decision.not_fully_checked else ": could not be fully checked"
        return ReportMetric(
            name=r(name),
            event_name=r(event_name) if event_name is not None else None,
            label=clip_middle(r(label), 100),
            direction=config.direction,
            key=config.key,
            configured=name in self.j.metrics,
            format=spec,
            percent=percent,
            baseline=finite(delta.old_aggregate if delta is not None else None),
            value=finite(value),
            difference=finite(delta.difference if delta is not None else None),
            percentage_change=finite(delta.percentage_change if delta is not None else None),
            improved_count=improved,
            degraded_count=degraded,
            same_count=same,
            better_count=better,
            worse_count=worse,
            change=change,
            significance=significance,
            p_value=assessed.p_value if assessed is not None else None,
            p_adjusted=assessed.p_adjusted if assessed is not None else None,
            one_sided=assessed is not None and assessed.sides == 1,
            failing_datapoints=failing,
            passing_range=passing_range,
            absent=delta is None and detail is None,
            errored=raised.count if raised is not None else None,
            evaluated=raised.of if raised is not None and raised.of else None,
            error=clip(r(raised.said), 200) if raised is not None else None,
            spared=raised.spared if raised is not None else None,
            compared=comparison is not None,
            paired=delta.found_count if delta is not None else None,
            shared=self.shared,
            datapoints=self.shared + (self.new or 0) + (self.gone or 0) + self.left
            if self.shared is not None
            else None,
            uncompared=self.left if comparison is not None else None,
            spread=finite(detail.spread) if detail is not None else None,
            efficiency=name in EFFICIENCY_METRICS,
            baseline_left_out=left_out[0],
            left_out=left_out[1],
            distribution=_distribution(detail, delta),
            gate=ReportGate.model_validate(self.j.gates[name], from_attributes=True) if name in self.j.gates else None,
            gate_limit=_gate_limit(gate, delta, lower, crossable=crossable),
            gate_failed=_gate_text(gate, in_points(spec, boolean, self.aggregation), unknown=unknown) if hit else None,
        )

    def _assessment(self, key: MetricKey, delta: MetricDelta, lower: bool) -> Assessment | None:
        """A row's test: its gate's one-sided regression test when it is gated and got worse or its gate failed
        (whatever the counts say: never "better" beside a failed gate), else the two-sided test across every metric
        (what better / worse / within noise mean on every other row). Never "worse" beside the backend's change the
        better way: a max_degraded gate's count of worse datapoints can be significant while the aggregate rose."""
        gated = self.j.gate_assessment.get(key)
        rose = delta.difference is not None and delta.difference != 0 and (delta.difference > 0) != lower
        tested = gated is not None and (key[0] in self.j.decision.gates_hit or 0 < gated.worse >= gated.better)
        if tested and gated is not None and not (rose and gated.change is Change.WORSE):
            return gated
        return self.j.assessment.get(key)

    def _degraded(self, rows: Sequence[_MetricRow]) -> tuple[Degraded, ...]:
        """For each metric that got significantly worse or failed its gate, the first of the backend's datapoints
        that got worse on it (direction-aware), with their inputs previewed."""
        gated = set(self.j.decision.gates_hit)
        found = []
        for row, _, delta in rows:
            significantly_worse = row.change == "worse" and row.significance is not None
            worse_ids = delta.moved(lower=row.direction is Direction.LOWER)[1] if delta is not None else []
            if not worse_ids or not (significantly_worse or row.name in gated):
                continue
            shown = tuple(
                DegradedDatapoint(
                    id=clip(self.r(ident), 100), inputs=self._preview(self.j.inputs_by_datapoint.get(ident))
                )
                for ident in worse_ids[:_DEGRADED_STORED]
            )
            found.append(Degraded(metric=row.name, label=row.label, total=len(worse_ids), rows=shown))
        return tuple(found)

    # -------------------------------------------------------------------------------------------- baseline

    def _baseline(self) -> ReportBaseline | None:
        """The baseline (without one named, the comparison's old run), and how this run's datapoints paired with its."""
        r, j, comparison = self.r, self.j, self.j.comparison
        if j.baseline is None and comparison is None:
            return None
        old_run = comparison.old_run if comparison is not None else None
        info = j.baseline or BaselineInfo(comparison.old_run_id, name=old_run.name if old_run else None)  # type: ignore[union-attr]
        shared, new, gone, left = self.shared, self.new, self.gone, self.left
        total = info.total_datapoints
        if total is None and shared is not None and new is not None:
            total = shared + new + left
        if total is None and j.summary is not None:
            total = len(j.summary.datapoint_ids) or self._counts().total
        if total is not None and gone:  # or the baseline's, if it had more (rows removed): an edited row under a
            total = max(total, (shared or 0) + gone)  # content id is new and gone, one row of each run (audit83 F1)
        sha = re.sub(r"[^0-9A-Za-z]", "", r(info.commit_sha)) if info.commit_sha else None
        branch = self._clipped(info.branch, 100)
        age = humanize_age(info.created_at, j.generated_at) if info.created_at else None
        return ReportBaseline(
            run_id=clip(r(info.run_id), 100),
            name=self._clipped(info.name, 100),
            url=self._url(info.url),
            commit_sha=sha or None,
            branch=branch,
            created_at=as_utc(info.created_at) if info.created_at else None,
            shared_datapoints=shared,
            total_datapoints=total,
            uncompared_datapoints=left,
            about=self._about(info, sha, branch, age),
            age=age,
            changes=changes_text(new, gone, left),
            cause=unpaired_cause(shared=shared, new=new, gone=gone, scheme=j.id_scheme, left=left),
            low_overlap=overlap_collapsed(shared, total),
            trials=info.trials,
        )

    def _about(self, info: BaselineInfo, sha: str | None, branch: str | None, age: str | None) -> str | None:
        """Which baseline and why, then what the reason does not say already: its commit, branch, age, result."""
        why = self._clipped(info.why, 200) or ""
        commit = f"commit {sha[:7]}" if sha and sha[:7] not in why else ""
        commit += f" + {DIRTY_LABEL}" if info.dirty else ""
        on = f"on {branch}" if branch and f" {branch}" not in why else None
        about = " ".join(x for x in (commit.strip() or None, on) if x)
        if why:
            about = f"{why}: {about}" if about else why
        if age:
            about = f"{about}, {age}" if about else age
        if info.passed is False:
            result = "errored" if info.errored else "failed"
            about = f"{about}, {result}" if about else result
        return about or None

    # ------------------------------------------------------------------------------------------ datapoints

    def _errored(self) -> tuple[tuple[ReportErroredDatapoint, ...], dict[str, list[str]]]:
        """The Errors section's entries, and per datapoint (and session) id whose function raised, timed out or
        was lost, those entries as ``kind: error`` (with trials, one per trial that did: the table's rows say it)."""
        r = self.r
        rows: list[ReportErroredDatapoint] = []
        errored: dict[str, list[str]] = {}
        trials = self.j.trials
        for outcome in self.j.outcomes:
            ident = clip(r(outcome.datapoint_id), 100)
            status = str(outcome.status)
            trial = outcome.trial if trials > 1 else None
            on_trial = f" (trial {outcome.trial + 1} of {trials})" if trial is not None else ""
            entry = functools.partial(
                ReportErroredDatapoint, id=ident, place=self._place(outcome.datapoint_id), trial=trial
            )
            if status in _ERROR_KINDS:
                error = self._error(outcome.error)
                errored.setdefault(outcome.datapoint_id, []).append(f"{_ERROR_KINDS[status]}{on_trial}: {error}")
                errored[outcome.session_id] = errored[outcome.datapoint_id]
                since = _since(self.j.baseline_errored, outcome.datapoint_id, outcome.session_id)
                rows.append(
                    entry(since=since, status=status, kind=_ERROR_KINDS[status] + on_trial, error=error, evaluator=None)
                )
            for failure in outcome.evaluator_failures:
                evaluator = clip(r(failure.evaluator), 100)
                error = self._error(failure.error)
                kind = f"evaluator {evaluator}{did(failure.error)}{on_trial}"
                rows.append(entry(since=None, status="evaluator_error", kind=kind, error=error, evaluator=evaluator))
        return tuple(rows), errored

    def _error(self, error: str | None) -> str:
        """An error as the Errors section keeps it: redacted, cut to :data:`_PREVIEW_STORED` characters."""
        return clip(self.r((error or "")[:_RAW_SLICE]), _PREVIEW_STORED)

    def _place(self, datapoint_id: str) -> str | None:
        """Where the datapoint is in the dataset file, ``data/q.jsonl:2`` (redacted: the file's name is the user's)."""
        place = self.j.places.get(datapoint_id)
        return clip(self.r(place), 300) if place is not None else None

    def _failing_trials(self, rows: Sequence[_MetricRow]) -> dict[str, DatapointOutcome]:
        """Each flaky datapoint that failed, by id, with its first trial outside a metric's passing range (``rows``'):
        the texts shown of it, where its first trial's may be a passing one's beside the failing value."""
        summary = self.j.summary
        wanted = set(summary.flaky) & set(summary.failed) if summary is not None else set()
        ranges = {key[0]: row.passing_range.model_dump() for row, key, _ in rows if row.passing_range is not None}
        found: dict[str, DatapointOutcome] = {}
        for outcome in sorted(self.j.outcomes, key=lambda o: o.trial) if wanted else ():
            if outcome.datapoint_id in wanted and outside_ranges(outcome.metrics, ranges):
                found.setdefault(outcome.datapoint_id, outcome)
        return found

    def _failed(
        self, errored_ids: Mapping[str, list[str]], rows: Sequence[_MetricRow], shown: Mapping[str, DatapointOutcome]
    ) -> tuple[ReportFailedDatapoint, ...]:
        """The failed datapoints in the backend's order, leaving out those that errored (listed with the errors);
        each failing value as its metric's row shows a datapoint's (``rows``), with the texts of its trial ``shown``
        when it is flaky."""
        summary = self.j.summary
        if summary is None:
            return ()
        keys = [k for k in summary.failed if k not in errored_ids]
        results = summary.datapoints.find(keys)
        metrics: dict[MetricKey | str, ReportMetric] = {}
        for metric, key, _ in rows:
            metrics.setdefault(key, metric)
            metrics.setdefault(key[0], metric)
        return tuple(self._failed_row(key, results.get(key), metrics, shown) for key in keys)

    def _failed_row(
        self,
        key: str,
        result: DatapointResult | None,
        metrics: Mapping[MetricKey | str, ReportMetric],
        texts: Mapping[str, DatapointOutcome],
    ) -> ReportFailedDatapoint:
        r = self.r
        datapoint_id = result.datapoint_id if result is not None and result.datapoint_id else key
        flaky = result if self.j.summary is not None and key in self.j.summary.flaky else None
        trial = texts.get(datapoint_id) if flaky is not None else None
        outcome = trial or self.outcomes.get(datapoint_id) or self.outcomes.get(key)
        label = trial_of(trial.trial, flaky.trials) if trial is not None and flaky is not None else ""
        failing = []
        for metric in result.metrics if result is not None else ():
            if metric.passed is not False:
                continue
            config = self._config(metric.name)
            stored: Any = metric.value
            row = metrics.get((metric.name, metric.event_name)) or metrics.get(metric.name)
            if isinstance(stored, str):
                stored = shown = clip(r(stored), 60)
            elif row is not None:
                shown = row.datapoint_text(stored)  # never rounded into the range it failed
            else:
                shown = format_value(stored, config.format)
            text = f"{clip_middle(r(config.label or metric.name), 60)} = {shown}"
            if row is not None and row.passing_range is not None:  # the bound it failed, as its row shows it
                text += f", passing range {row.range_text}"
            explanation = outcome.metrics.get(f"{metric.name}_explanation") if outcome is not None else None
            if isinstance(explanation, str) and explanation.strip():
                text += f" ({label}: " if label else " ("
                text += f"{clip(r(explanation.strip()), 120)})"
            failing.append(
                ReportFailingMetric(
                    name=r(metric.name),
                    event_name=r(metric.event_name) if metric.event_name else None,
                    value=_json_value(stored),
                    text=text,
                )
            )
        inputs = self.j.inputs_by_datapoint.get(datapoint_id)
        return ReportFailedDatapoint(
            id=clip(r(key), 100),
            place=self._place(datapoint_id),
            since=_since(self.j.baseline_failed, datapoint_id, key),
            failing_metrics=tuple(failing),
            inputs=self._preview(inputs) if inputs is not None else None,
            outputs=self._preview(outcome.outputs) if outcome is not None and outcome.outputs is not None else None,
            trials_passed=flaky.trials_passed if flaky is not None else None,
            trials=flaky.trials if flaky is not None else None,
            trial=trial.trial if trial is not None else None,
        )

    def _unpriced(self) -> tuple[ReportUnpriced, ...]:
        """The calls without a cost of this run's datapoints, per reason and model, the function's before the
        judge's (a count of what the jobs that ran them recorded, for the note under the Efficiency table; the cost
        metrics are the backend's)."""
        calls: Counter[tuple[UnpricedReason, bool, str]] = Counter()
        for outcome in self.j.outcomes:
            for key, per_model in outcome.unpriced.items():
                reason = _REASONS[key.removeprefix(JUDGE)]
                for model, n in per_model.items():
                    calls[reason, key.startswith(JUDGE), model] += n
        return tuple(
            ReportUnpriced(model=clip(self.r(model), 100), calls=n, judge=judge, reason=reason)
            for (reason, judge, model), n in sorted(calls.items())
        )

    def _flaky(self) -> tuple[ReportFlakyDatapoint, ...]:
        """The backend's flaky datapoints (their trials disagree on pass/fail), in its order, with how many of their
        trials passed."""
        summary = self.j.summary
        if summary is None or not summary.flaky:
            return ()
        results = summary.datapoints.find(summary.flaky)
        failed = set(summary.failed)
        # a trial whose function raised or timed out fails its datapoint, whatever the means
        raised = Counter(o.datapoint_id for o in self.j.outcomes if o.status in ("function_error", "timeout"))
        rows = []
        for key in summary.flaky:
            result = results.get(key)
            rows.append(
                ReportFlakyDatapoint(
                    id=clip(self.r(key), 100),
                    place=self._place(result.datapoint_id if result is not None and result.datapoint_id else key),
                    trials_passed=result.trials_passed if result is not None else None,
                    trials=result.trials if result is not None and result.trials else None,
                    failed=key in failed,
                    errored_trials=raised[key],
                )
            )
        return tuple(rows)

    def _preview(self, value: Any) -> str:
        """A value's :meth:`_text`, its text alone; ``—`` for none."""
        text = self._text(value)
        return text.text if text is not None else "—"

    # ------------------------------------------------------------------------------------- datapoint table

    def _table(
        self, metrics: Sequence[_MetricRow], raised: Mapping[str, list[str]], shown: Mapping[str, DatapointOutcome]
    ) -> ReportTable | None:
        """Every datapoint the backend holds for the two runs (as many as were read), worse ones first; ``raised``:
        the Errors section's function errors per datapoint (any of its trials, not only the one its record is);
        ``shown``: the trial whose texts a flaky one that failed shows (else its record's, its first trial's)."""
        details, r = self.j.details, self.r
        if details is None:
            return None
        moves = [(key, _moves(delta, row.direction)) for row, key, delta in metrics]
        comparison, summary = self.j.comparison, self.j.summary
        failed = set(summary.failed) if summary is not None else set()
        flaky = set(summary.flaky) if summary is not None else set()
        # with trials, each datapoint's trials and how many passed, as the backend reduced them
        trials = summary.datapoints.find(details.order) if summary is not None and summary.trials > 1 else {}
        new_only = set(comparison.new_only_datapoints or ()) if comparison is not None else set()
        rows = []
        for ident in details.order:
            current = details.current.get(ident)
            baseline = details.baseline.get(ident) if details.baseline is not None else None
            cells = tuple(
                ReportCell(
                    value=_value(current, key),
                    baseline=_value(baseline, key),
                    change=moved.get(ident),
                )
                for key, moved in moves
            )
            status: set[RowStatus] = set()
            function_errors = _by_row(raised, ident, current) or []
            evaluator_errors = _by_row(self.raised, ident, current) or {}
            if current is not None and (current.error or function_errors or evaluator_errors):
                status.add("errored")
            if ident in failed or (current is not None and current.session_id in failed):
                status.add("failed")
            if ident in flaky:
                status.add("flaky")
            if comparison is not None and current is not None and (ident in new_only or baseline is None):
                status.add("new")
            if comparison is not None and current is None:
                status.add("gone")
            status.update(_MOVED[cell.change] for cell in cells if cell.change in _MOVED)
            if comparison is not None and not status:
                status.add("same")
            either = current or baseline
            session = current.session_id if current is not None else None
            url = None
            if details.session_url and session:
                url = http_url(r(details.session_url.replace("{session_id}", urllib.parse.quote(session, safe=""))))
            trial = shown.get(ident)
            said = current.explanations if current is not None else {}
            if trial is not None:
                said = {name: text for name, text in trial.metrics.items() if isinstance(text, str) and text.strip()}
            explanations = tuple(
                ReportExplanation(name=clip(r(name), 100), text=clip(r(text[:_RAW_SLICE]), _EXPLANATION_LIMIT))
                for name, text in list(said.items())[:_EXPLANATIONS]
            )
            result = trials.get(ident)
            rows.append(
                ReportRow(
                    id=clip(r(ident), 100),
                    session_url=url,
                    status=tuple(s for s in ROW_STATUSES if s in status),
                    inputs=self._text(either.inputs) if either is not None else None,
                    output=self._text((trial or current).outputs) if current is not None else None,
                    baseline_output=self._text(baseline.outputs) if baseline is not None else None,
                    error=self._row_error(current, function_errors, evaluator_errors),
                    metrics=cells,
                    explanations=explanations,
                    trials=result.trials if result is not None and result.trials else None,
                    trials_passed=result.trials_passed if result is not None and result.trials else None,
                    trial=trial.trial if trial is not None else None,
                )
            )
        ordered = sorted(rows, key=lambda row: row.rank)  # stable: rows of one rank stay in the backend's order
        return ReportTable(rows=tuple(ordered), total=details.total, text_limit=TEXT_LIMIT, embedded=details.embedded)

    def _row_error(
        self, current: DatapointRecord | None, function_errors: list[str], evaluator_errors: Mapping[str, str]
    ) -> str | None:
        """A row's error: its function's (the Errors section's entries, every trial's; else the backend's record
        of it), then each evaluator's that raised on it (any of its trials), with its first error."""
        if current is None:
            return None
        errors = [*function_errors] or ([current.error[:_RAW_SLICE]] if current.error else [])
        errors += [f"evaluator {name}{did(error)}: {error[:_RAW_SLICE]}" for name, error in evaluator_errors.items()]
        return clip(self.r("\n".join(errors)), TEXT_LIMIT) if errors else None

    def _text(self, value: Any) -> ReportText | None:
        """A datapoint's value as text (JSON for structures, its secrets redacted value by value first; a string as
        it is, its first :data:`_RAW_SLICE` characters), redacted, cut to :data:`TEXT_LIMIT` characters with its full
        length noted."""
        if value is None:
            return None
        if isinstance(value, str):
            text, length = value[:_RAW_SLICE], len(value)  # a string's whole length, not its slice's
        else:
            safe = self.redactor.redact_value(value)
            try:
                text = json.dumps(safe, ensure_ascii=False, default=str)
            except (TypeError, ValueError):
                text = repr(safe)
            length = len(text)
        return ReportText(text=clip(self.r(text), TEXT_LIMIT), length=length, truncated=length > TEXT_LIMIT)

    # ----------------------------------------------------------------------------------------------- trend

    def _trend_rows(self) -> tuple[TrendRow, ...]:
        keys = [name for name, config in self.j.metrics.items() if config.key]
        points = list(self.j.trend)[-TREND_POINTS:]
        if not keys or not points:
            return ()
        summary = self.j.summary
        rows = []
        for name in keys:
            config = self._config(name)
            detail = summary.metrics.get_metric(name) if summary is not None else None  # its first event's
            percent = self._percent(name, config.format, detail.values if detail is not None else None)
            values = [finite(p.values.get(name)) for p in points]
            values.append(finite(detail.aggregate) if detail is not None else None)
            rows.append(
                TrendRow(
                    label=clip_middle(self.r(config.label or name), 100),
                    numbers=tuple(values),
                    format=config.format,
                    percent=percent,
                )
            )
        return tuple(rows)


def _partial_warnings(metrics: Iterable[ReportMetric]) -> list[str]:
    """A warning for each quality metric the backend compared on fewer than half the datapoints the runs share: it
    lost its value on most of them (or never had one there), so its difference is between different datapoints.
    (The efficiency metrics are left out: a datapoint without LLM calls has none, in either run.)"""
    return [
        f"{m.label} has a value in both runs on only {m.paired:,} of the {m.shared:,} datapoints they share: its"
        f" difference is between different datapoints, and its change is over those {m.paired:,} only"
        for m in metrics
        if m.partial and not m.efficiency and m.paired is not None and m.shared is not None and m.paired * 2 < m.shared
    ]


def _disagreements(
    rows: Sequence[_MetricRow], summary: ExperimentResultSummary | None, comparison: RunComparisonResult | None
) -> list[str]:
    """A warning for each of the backend's lists its other numbers contradict: datapoints its comparison counts as
    compared that this run's result does not have, and a metric's count of improved, degraded or same datapoints
    that is not the length of its list. The numbers stay the backend's, as it gave them; this says they disagree."""
    if comparison is None:
        return []
    held = set(summary.datapoint_ids) if summary is not None else set()
    ghosts = [i for i in comparison.common_datapoints if i not in held] if held else []
    found = []
    if ghosts:
        found.append(
            f"HoneyHive's comparison counts {counted(len(ghosts), 'datapoint')} as compared"
            f" that this run's result does not have ({first_ids(ghosts, 3)}): the datapoints compared may outnumber"
            " this run's"
        )
    for row, _, delta in rows:
        for kind in ("improved", "degraded", "same"):
            count, listed = (getattr(delta, f"{kind}_count"), getattr(delta, kind)) if delta else (None, None)
            if count is not None and listed is not None and count != len(listed):
                found.append(
                    f"HoneyHive's comparison of {row.label} counts {count:,} datapoints {kind} but lists"
                    f" {len(listed):,}: the counts shown are its counts, the datapoints shown its list"
                )
    return found


def _moves(delta: MetricDelta | None, direction: Direction) -> dict[str, Move]:
    """Each datapoint's change on one metric, by the backend's improved / degraded / same lists."""
    if delta is None:
        return {}
    better, worse = delta.moved(lower=direction is Direction.LOWER)
    moves: dict[str, Move] = dict.fromkeys(delta.same or (), "same")
    moves.update(dict.fromkeys(better, "better"))
    moves.update(dict.fromkeys(worse, "worse"))
    return moves


def _value(record: DatapointRecord | None, key: MetricKey) -> bool | int | float | None:
    """A datapoint's value of the metric ``key`` in its events (by name alone when the key names no event)."""
    if record is None:
        return None
    found = record.metrics.get(key)
    if found is None and key[1] is None:
        found = next((v for (name, _), v in record.metrics.items() if name == key[0]), None)
    return _json_value(found) if found is not None else None


def _distribution(detail: MetricDetail | None, delta: MetricDelta | None) -> ReportDistribution | None:
    """Both runs' values (the backend's lists) counted into shared bins, for the HTML report's histograms."""
    current = (detail.values if detail is not None else None) or (delta.new_values if delta is not None else None)
    baseline = delta.old_values if delta is not None else None
    binned = bin_values(current or [], baseline)
    if binned is None:
        return None
    edges, (now, before), boolean = binned
    return ReportDistribution(edges=edges, current=now or (), baseline=before, boolean=boolean)


def _gate_limit(gate: GateRule | None, delta: MetricDelta | None, lower: bool, *, crossable: bool) -> float | None:
    """The aggregate past which ``gate`` fails, from the baseline's aggregate (the strictest of max_drop and
    max_drop_pct); drawn on the metric's histograms, decided by :mod:`honeyhive_experiment.verdict`. A max_drop
    that is not ``crossable`` (:func:`~honeyhive_experiment.verdict.unreachable_gate`: the verdict fails on it,
    saying why) is no limit."""
    base = finite(delta.old_aggregate) if delta is not None else None
    if gate is None or base is None:
        return None
    # in decimals, as the numbers are written: 0.61 - 0.02 is 0.59, not 0.5900000000000001
    exact = Decimal(repr(base))
    pct = abs(exact) * Decimal(repr(gate.max_drop_pct)) / 100 if gate.max_drop_pct is not None else None
    drop = Decimal(repr(gate.max_drop)) if gate.max_drop is not None and crossable else None
    allowed = [d for d in (drop, pct) if d is not None]
    if not allowed:
        return None
    return float(exact + min(allowed) if lower else exact - min(allowed))


def _gate_text(gate: GateRule | None, points: bool, *, unknown: str = "") -> str:
    """A failed gate as its metric's row says it, with its bounds: ``failed its gate (at most 5% worse)``; a
    max_drop in percentage points on a metric shown in percent (``points``: ``at most 5 pp worse``); ``unknown`` after
    "failed its gate" (``: could not be checked``, :attr:`~honeyhive_experiment.verdict.Decision.not_checked`, and
    ``: could not be fully checked``, :attr:`~honeyhive_experiment.verdict.Decision.not_fully_checked`), as the
    verdict says."""
    bounds = (
        []
        if gate is None
        else [
            in_units(format_bound(gate.max_drop, "g"), points) if gate.max_drop is not None else "",
            f"{format_bound(gate.max_drop_pct, 'g')}%" if gate.max_drop_pct is not None else "",
            counted(gate.max_degraded, "datapoint") if gate.max_degraded is not None else "",
        ]
    )
    shown = " and ".join(bound for bound in bounds if bound)  # none: a max_degraded the row does not show
    return f"failed its gate{unknown}" + (f" (at most {shown} worse)" if shown else "")


def _by_row(table: Mapping[str, _V], ident: str, current: DatapointRecord | None) -> _V | None:
    """What ``table`` (keyed by datapoint id and by session id) has for a row: by its id, else its record's session."""
    session = current.session_id if current is not None else None
    return table.get(ident) or (table.get(session) if session else None)


def _since(baseline: frozenset[str] | None, *ids: str) -> Since | None:
    """Whether a failure is ``new`` or was ``already failing`` in the baseline (``None`` without one)."""
    if baseline is None:
        return None
    return "already failing" if any(i in baseline for i in ids) else "new"


def _change(
    delta: MetricDelta, assessment: Assessment | None, spec: str | None, percent: bool, *, failed: bool
) -> tuple[str | None, str | None]:
    """A row's ``(change, significance text)``: new or removed when one run has no aggregate; none when no datapoint
    has a value in both runs (nothing was compared); else the assessment's when there is one, but same when the two
    aggregates are equal but for float rounding and the gate held (float noise: 0.8 against 0.7999999999999999 on
    every datapoint must not read "worse"; a real change too small for the format, 13.0 against 13.5 shown as 13,
    stays the test's); else, without the per-datapoint counts a test needs, can't tell when the backend's difference
    moved (never better / worse untested), same when it is too small for the format or float noise."""
    old, new = delta.old_aggregate, delta.new_aggregate
    if old is None and new is not None:
        return "new", None
    if new is None and old is not None:
        return "removed", None
    if delta.found_count == 0:
        return None, None
    if assessment is not None:
        if assessment.changes == 0:
            return "same", None
        if old is not None and new is not None and not failed and same_but_for_noise(old, new):
            return "same", f"at the shown precision; {counted(assessment.changes, 'datapoint')} changed"
        return assessment.change.value, describe(assessment)
    difference = finite(delta.difference)
    if difference is None:
        return None, None
    if is_zero(difference, spec, percent) or (old is not None and new is not None and same_but_for_noise(old, new)):
        return "same", None
    return "can't tell", "significance unknown: no per-datapoint counts"


def _totals(totals: RunTotals | None) -> ReportTotals | None:
    if totals is None:
        return None
    # the same fields: each as the backend gave it, a number that is not finite as none (JSON has no NaN)
    return ReportTotals(**{name: _json_value(value) for name, value in dataclasses.asdict(totals).items()})

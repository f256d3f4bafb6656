"""What :func:`~honeyhive_experiment.evaluate` returns: the backend's summary of a run, this run's own outcomes,
and whether the evaluation succeeded, judged by the command line's rule (:attr:`ExperimentResult.success` and
:attr:`~ExperimentResult.broken` say how). Nothing is aggregated here: counts of the run's own outcomes and
differences of the backend's id lists only.
"""

from __future__ import annotations

import copy
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from honeyhive_experiment.config import VerdictConfig
from honeyhive_experiment.models import AggregatedMetrics, DatapointResults, ExperimentResultSummary
from honeyhive_experiment.models.outcomes import IMPORT_KEYS, DatapointOutcome, OutcomeStatus, outputs_changed_warning
from honeyhive_experiment.verdict import broken, facts, ranges_unchecked, unrecorded

__all__ = ["DatapointError", "ExperimentResult"]


@dataclass(frozen=True, slots=True)
class DatapointError:
    """What went wrong on one datapoint: its user function (``evaluator`` is ``None``) or one evaluator."""

    datapoint_id: str
    evaluator: str | None
    """The evaluator's name; ``None`` when the function failed (raised, timed out, or was never recorded)."""
    error: str
    """``Type: message``."""

    def __str__(self) -> str:
        where = "function" if self.evaluator is None else f"evaluator {self.evaluator}"
        return f"{self.datapoint_id}: {where}: {self.error}"


_FUNCTION_ERROR_TYPES = {OutcomeStatus.TIMEOUT: "Timeout", OutcomeStatus.BACKEND_ERROR: "BackendError"}
_SHOWN = 20  # rows of each kind print_table shows, as the SDK's table does


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    """What a finished run returns: the backend's summary and our per-datapoint outcomes (input order).

    ``ranges`` are the passing ranges, by metric (``{"min": 0.5}``): :attr:`success` holds the run to them as the
    command line's verdict does."""

    run_id: str
    name: str
    dataset_id: str
    summary: ExperimentResultSummary
    outcomes: tuple[DatapointOutcome, ...] = field(default_factory=tuple)
    ranges: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    allow_evaluator_errors: int | str | None = None
    """How many datapoints (``2``) or which share of them (``"5%"``) an evaluator may raise on and the run still
    be a success, as the experiment file's ``verdict.allow_evaluator_errors``."""
    embedded: bool = False
    """The run was on the embedded local backend (no API key): nothing of it is in HoneyHive."""
    notes: tuple[str, ...] = ()
    """What the run says of how it measured (an instrumentor it left as the user's setup had it, a thread a datapoint
    left running), beside its result."""

    @property
    def outside_calls(self) -> int:
        """LLM calls made outside any datapoint's context while the datapoints ran: counted in no metric."""
        return sum(outcome.outside for outcome in self.outcomes)

    @property
    def unfinished_calls(self) -> int:
        """The datapoints' LLM calls that ended after their datapoint was recorded: counted in no metric."""
        return sum(outcome.unfinished for outcome in self.outcomes)

    @property
    def outputs_changed(self) -> str | None:
        """What the run says of the datapoints whose outputs were recorded changed, because JSON cannot carry them as
        the function returned them (a NaN, an object, a reference cycle; the evaluators scored them as returned),
        naming one (:func:`outputs_changed_warning`); None: none were (:attr:`DatapointOutcome.changed` says each
        datapoint's)."""
        return outputs_changed_warning(self.outcomes)

    @property
    def imported(self) -> dict[str, int | float]:
        """The LLM calls the import of the user's code made, before any datapoint (each job's: a setup cost, in no
        metric), by :data:`~honeyhive_experiment.models.outcomes.IMPORT_KEYS`; their tokens and cost only when
        every job's are known. Empty: none."""
        jobs = [outcome.imported for outcome in self.outcomes if outcome.imported]
        return {key: sum(job[key] for job in jobs) for key in IMPORT_KEYS if jobs and all(key in job for job in jobs)}

    @property
    def errors(self) -> list[DatapointError]:
        """Every error of the run, datapoint by datapoint in input order: its function's, then its evaluators'."""
        found: list[DatapointError] = []
        for outcome in self.outcomes:
            if outcome.failed:
                error = outcome.error or outcome.status.value
                if outcome.status in _FUNCTION_ERROR_TYPES:
                    error = f"{_FUNCTION_ERROR_TYPES[outcome.status]}: {error}"
                found.append(DatapointError(outcome.datapoint_id, None, error))
            found.extend(DatapointError(outcome.datapoint_id, f.evaluator, f.error) for f in outcome.evaluator_failures)
        return found

    @property
    def unrecorded(self) -> dict[str, str]:
        """The error of each dataset row the backend never recorded (its session, its outputs or its spans), by
        datapoint id in input order (with trials: its first trial's, none of its trials recorded; one that lost only
        some is judged on the others, and :attr:`broken` says so): its success says nothing of them
        (:func:`~honeyhive_experiment.verdict.unrecorded`, which the verdict reads)."""
        return unrecorded(self.outcomes)

    @property
    def broken(self) -> list[str]:
        """Why the evaluation itself broke, in words (empty when it did not), by the command line's rule and in its
        words (:func:`~honeyhive_experiment.verdict.broken`): a metric with a passing range has no value on
        datapoints the backend passed (the range was never checked there), a dataset row was never recorded by the
        backend (its session, its outputs or its spans), or with trials some of its trials were not, or an evaluator
        raised on every datapoint it was run on, or on more of them than :attr:`allow_evaluator_errors` tolerates
        (default none)."""
        reasons, _ = broken(
            self.summary,
            ranged=self.ranges,
            facts=facts(self.outcomes, self.ranges),
            policy=VerdictConfig(allow_evaluator_errors=self.allow_evaluator_errors),
            tolerance="the allow_evaluator_errors argument",
        )
        return reasons

    @property
    def unchecked(self) -> list[str]:
        """The passing ranges' ``max`` on efficiency metrics that could not be checked on datapoints the backend
        passed, in the command line's words (its neutral verdict's reasons, or warnings beside a failure): their values
        leave LLM calls out (no price, no token usage, given up), lower bounds that could be past it
        (:func:`~honeyhive_experiment.verdict.ranges_unchecked`). They fail nothing, as in the command line."""
        capped = [metric for metric, bounds in self.ranges.items() if bounds.get("max") is not None]
        return ranges_unchecked(self.summary, facts(self.outcomes, self.ranges, capped=capped))

    # the official SDK's result attributes (its evaluate() returns the summary itself)

    @property
    def status(self) -> str | None:
        status = self.summary.status  # an ExperimentRunStatus (a StrEnum: str() is its value) or an unknown string
        return None if status is None else str(status)

    @property
    def success(self) -> bool:
        """The backend's ``success`` (its own verdict stays ``summary.success``), no datapoint it failed (the command
        fails on one, as ``verdict.allow_failed``'s default: a summary may say ``success`` beside failed rows), and
        nothing in :attr:`broken`."""
        return self.summary.success and not self.summary.failed and not self.broken

    @property
    def passed(self) -> list[str]:
        return self.summary.passed

    @property
    def failed(self) -> list[str]:
        return self.summary.failed

    @property
    def metrics(self) -> AggregatedMetrics:
        return self.summary.metrics

    @property
    def datapoints(self) -> DatapointResults:
        return self.summary.datapoints

    def model_dump(self, **options: Any) -> dict[str, Any]:
        """The SDK's result is its summary, a pydantic model: this is the summary's, with this result's
        :attr:`success`. ``options``: pydantic's."""
        return self.summary.model_copy(update={"success": self.success}).model_dump(**options)

    def model_dump_json(self, **options: Any) -> str:
        """:meth:`model_dump` as JSON. ``options``: pydantic's."""
        return self.summary.model_copy(update={"success": self.success}).model_dump_json(**options)

    # pydantic 1's names, which the SDK's result (a pydantic 2 model) still answers with a DeprecationWarning: SDK
    # scripts call them

    def dict(self, **options: Any) -> dict[str, Any]:
        """:meth:`model_dump`, by its pydantic 1 name (deprecated, as on the SDK's result). ``options``: pydantic's."""
        warnings.warn("dict() is deprecated, as in pydantic 2: use model_dump()", DeprecationWarning, stacklevel=2)
        return self.model_dump(**options)

    def json(self, **options: Any) -> str:
        """:meth:`model_dump_json`, by its pydantic 1 name (deprecated, as on the SDK's result). ``options``:
        pydantic's."""
        warnings.warn("json() is deprecated, as in pydantic 2: use model_dump_json()", DeprecationWarning, stacklevel=2)
        return self.model_dump_json(**options)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> ExperimentResult:
        """A copy, as the SDK's result's ``model_copy``: ``update`` sets fields of the summary, which the SDK's
        result is (``status``, ``passed``, ...; ``run_id`` this result's too), unvalidated as pydantic's; ``deep``
        copies everything the result holds. :attr:`success` is still judged on the copy: ``update={"success":
        True}`` sets HoneyHive's verdict (``summary.success``), not the reasons in :attr:`broken`."""
        summary = self.summary.model_copy(update=update)
        copied = replace(self, run_id=summary.run_id, summary=summary)
        return copy.deepcopy(copied) if deep else copied

    def print_table(self, run_name: str | TextIO | None = None, file: TextIO | None = None) -> None:
        """What the SDK's ``print_results=True`` (and its ``print_table``) prints, as plain text: the run (titled
        ``run_name``, else its name), its status and counts, each metric's aggregate, the first datapoints'
        results, and here also why it is not a success and its errors. A stream as the first argument is ``file``
        (this method's signature before the SDK's: ``print_table(sys.stderr)``)."""
        if hasattr(run_name, "write"):
            run_name, file = None, run_name
        out = file or sys.stdout
        rule = "=" * 80
        print(f"\n{rule}\nEvaluation Results: {run_name or self.name}\n{rule}", file=out)
        print(f"Run ID: {self.run_id}\nStatus: {self.status or 'unknown'}", file=out)
        judged = f"HoneyHive: {self.summary.success}"
        if self.embedded:
            judged = f"embedded local backend: {self.summary.success}; nothing was sent to HoneyHive"
        print(f"Success: {self.success} ({judged})", file=out)
        print(f"Passed: {len(self.passed)}\nFailed: {len(self.failed)}", file=out)
        how = self.metrics.aggregation_function or "average"
        if self.metrics.details:
            print(f"\nAggregated Metrics ({how})", file=out)
        for detail in self.metrics.details:
            event = f" [{detail.event_name}]" if detail.event_name else ""
            value = "N/A" if detail.aggregate is None else f"{detail.aggregate:.4f}"
            print(f"  {detail.metric_name}{event}: {value}", file=out)
        if self.datapoints:
            print(f"\nDatapoint Results ({len(self.datapoints)} total)", file=out)
        for row in self.datapoints[:_SHOWN]:
            verdict = "Unknown" if row.passed is None else "Passed" if row.passed else "Failed"
            print(f"  {row.datapoint_id or 'N/A'}  {row.session_id or 'N/A'}  {verdict}", file=out)
        for reason in self.broken:
            print(f"\nNot a success: {reason}", file=out)
        for warning in (*self.unchecked, *self.notes):
            print(f"\nWarning: {warning}", file=out)
        errors = self.errors
        if errors:
            print(f"\nErrors ({len(errors)})", file=out)
        for error in errors[:_SHOWN]:
            print(f"  {error}", file=out)
        if len(self.datapoints) > _SHOWN or len(errors) > _SHOWN:
            print(f"  (the first {_SHOWN} of each shown)", file=out)
        print(rule, file=out)

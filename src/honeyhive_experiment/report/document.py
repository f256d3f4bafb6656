"""``report.json``: the machine-readable report, a pydantic model (:class:`ReportDocument`).

:func:`report_json` builds it from a :class:`~honeyhive_experiment.report.inputs.ReportInput` (every
number the backend's, every string redacted); :func:`load_report` reads one back for ``mode: publish`` and
refuses anything the model does not allow. The JSON Schema is generated from the model
(:func:`report_json_schema`) and committed as ``schemas/report.schema.json`` for other tools; regenerate
it from the repository root after changing the model::

    .venv/bin/python -c "import honeyhive_experiment.report as r; print(r.report_json_schema_text(), end='')" \\
        > src/honeyhive_experiment/schemas/report.schema.json
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError, field_validator
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from honeyhive_experiment.config import Direction
from honeyhive_experiment.errors import ReportError
from honeyhive_experiment.report.inputs import ReportInput
from honeyhive_experiment.report.markdown import clip
from honeyhive_experiment.report.numbers import finite
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.report.view import ReportView, count_of
from honeyhive_experiment.verdict import Verdict

__all__ = [
    "REPORT_SCHEMA_ID",
    "REPORT_VERSION",
    "ReportBaseline",
    "ReportComparison",
    "ReportCounts",
    "ReportDatapoints",
    "ReportDocument",
    "ReportErroredDatapoint",
    "ReportFailedDatapoint",
    "ReportFailingMetric",
    "ReportMetric",
    "ReportRange",
    "ReportRun",
    "ReportSummary",
    "ReportTrendPoint",
    "load_report",
    "report_json",
    "report_json_schema",
    "report_json_schema_text",
]

REPORT_VERSION: Final = 1
REPORT_SCHEMA_ID: Final = "urn:honeyhive-experiment:schema:report:v1"
_SCHEMA_TITLE: Final = "honeyhive-experiment report.json"

Change = Literal["better", "worse", "within noise", "too few changes to tell", "same", "new", "removed"]
ErroredStatus = Literal["function_error", "timeout", "backend_error", "evaluator_error"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportRun(_Part):
    """The run this report is about."""

    id: str | None = Field(description="The HoneyHive run id (null when no run was created).")
    url: str | None = Field(description="The run in the HoneyHive app (http or https).")
    head_sha: str | None = Field(description="The commit the run evaluated.")
    pr_number: int | None = Field(description="The pull request the run was for.")


class ReportCounts(_Part):
    """Datapoint counts: passed/failed as the backend reported them; errored from this run's outcomes
    (function raised or timed out, backend errors)."""

    passed: NonNegativeInt | None = Field(description="Datapoints that passed (the backend's count).")
    failed: NonNegativeInt | None = Field(description="Datapoints that failed (the backend's count).")
    errored: NonNegativeInt = Field(description="Datapoints whose function raised or timed out, or backend errors.")
    total: NonNegativeInt | None = Field(description="passed + failed.")


class ReportSummary(_Part):
    """The backend's summary of the run."""

    status: str | None = Field(description="The run's status in the backend.")
    success: bool = Field(description="Whether the backend counts the run as a success.")
    error: str | None = Field(description="The backend's error for the run.")
    aggregation_function: str | None = Field(description="How the backend aggregated the metrics (average, ...).")


class ReportBaseline(_Part):
    """The baseline run the comparison was made against."""

    run_id: str = Field(description="The baseline's HoneyHive run id.")
    name: str | None = Field(description="The baseline run's name.")
    url: str | None = Field(description="The baseline run in the HoneyHive app (http or https).")
    commit_sha: str | None = Field(description="The commit the baseline run evaluated.")
    branch: str | None = Field(description="The branch the baseline run ran on.")
    created_at: datetime | None = Field(description="When the baseline run was created (UTC).")
    shared_datapoints: NonNegativeInt | None = Field(description="Datapoints both runs evaluated.")
    total_datapoints: NonNegativeInt | None = Field(description="Datapoints this run evaluated.")


class ReportComparison(_Part):
    """The backend's comparison of this run with the baseline: which datapoints the runs share."""

    common_datapoints: NonNegativeInt = Field(description="Datapoints in both runs.")
    new_only_datapoints: NonNegativeInt | None = Field(description="Datapoints only in this run.")
    old_only_datapoints: NonNegativeInt | None = Field(description="Datapoints only in the baseline run.")


class ReportRange(_Part):
    """A metric's passing range (either bound may be open)."""

    min: float | None = Field(description="The lowest passing value.")
    max: float | None = Field(description="The highest passing value.")


class ReportMetric(_Part):
    """One metric as the backend reported it (aggregates, difference, counts); improved/degraded are the
    backend's (larger = improved), better/worse apply the direction."""

    name: str = Field(description="The metric's name.")
    event_name: str | None = Field(description="The event the metric is on.")
    label: str = Field(description="The name shown (the configured label, else the name).")
    direction: Direction = Field(description="Which way the metric is better.")
    key: bool = Field(description="Whether it is a key metric (shown first, with its trend).")
    baseline: float | None = Field(description="The baseline run's aggregate.")
    value: float | None = Field(description="This run's aggregate.")
    difference: float | None = Field(description="The backend's difference, value - baseline.")
    percentage_change: float | None = Field(description="The backend's percentage change (in percent).")
    improved_count: NonNegativeInt | None = Field(description="Datapoints whose value got larger (the backend's).")
    degraded_count: NonNegativeInt | None = Field(description="Datapoints whose value got smaller (the backend's).")
    same_count: NonNegativeInt | None = Field(description="Datapoints whose value did not change (the backend's).")
    better_count: NonNegativeInt | None = Field(description="Datapoints that got better, by the direction.")
    worse_count: NonNegativeInt | None = Field(description="Datapoints that got worse, by the direction.")
    change: Change | None = Field(
        description="better / worse (significant, by the direction), within noise, too few changes to tell, same "
        "(no datapoint changed, or too small to show), new (no baseline value), removed (no value in this run); "
        "null without a comparison. Without the backend's improved/degraded counts: by the sign of the difference."
    )
    significance: str | None = Field(
        description="The sign test behind the change, as shown: 'p = 0.003', 'needs ≥ 6 changes, has 4'."
    )
    p_value: float | None = Field(description="The exact two-sided sign test on better/worse counts.")
    p_adjusted: float | None = Field(description="The p-value Holm-corrected across this comparison's metrics.")
    failing_datapoints: NonNegativeInt | None = Field(description="Datapoints outside the passing range.")
    passing_range: ReportRange | None = Field(description="The passing range, when one is configured.")


class ReportFlips(_Part):
    """Datapoints present in both runs that went from passing to failing, or back (the backend's id lists)."""

    pass_to_fail: NonNegativeInt = Field(description="Passed in the baseline, failed in this run.")
    fail_to_pass: NonNegativeInt = Field(description="Failed in the baseline, passed in this run.")
    change: Change = Field(description="worse / better when significant, else within noise or too few.")
    significance: str = Field(description="The exact McNemar test, as shown.")


class ReportFailingMetric(_Part):
    """A metric that failed its passing range on a datapoint."""

    name: str = Field(description="The metric's name.")
    event_name: str | None = Field(description="The event the metric is on.")
    value: bool | int | float | str | None = Field(description="The datapoint's value.")


class ReportFailedDatapoint(_Part):
    """A datapoint that failed, with previews of its inputs and outputs (redacted, cut to 1,000 characters)."""

    id: str = Field(description="The datapoint's id.")
    failing_metrics: tuple[ReportFailingMetric, ...] = Field(description="The metrics it failed.")
    inputs: str | None = Field(description="Its inputs, as JSON text.")
    outputs: str | None = Field(description="The function's outputs, as JSON text (or the text returned).")


class ReportErroredDatapoint(_Part):
    """A datapoint whose function raised or timed out, a backend error, or an evaluator that raised."""

    id: str = Field(description="The datapoint's id.")
    status: ErroredStatus = Field(description="What went wrong.")
    kind: str = Field(description="What went wrong, in words.")
    error: str = Field(description="The error (redacted, cut to 1,000 characters).")
    evaluator: str | None = Field(description="The evaluator that raised (evaluator_error only).")


class ReportDatapoints(_Part):
    """The datapoints that failed or errored, in the backend's order."""

    failed: tuple[ReportFailedDatapoint, ...] = Field(description="Failed datapoints (errored ones excluded).")
    errored: tuple[ReportErroredDatapoint, ...] = Field(description="Errors, one per datapoint and evaluator.")


class ReportTrendPoint(_Part):
    """The key metrics' aggregates in an earlier baseline run."""

    label: str = Field(description="The run as shown (its commit, or its date).")
    run_id: str | None = Field(description="The earlier run's id.")
    values: dict[str, float | None] = Field(description="Key metric name → that run's aggregate.")


class ReportDocument(_Part):
    """The machine-readable report of one experiment run (report.json). Every number is the backend's;
    every string is redacted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = Field(description="The version of this format.")
    experiment: str = Field(description="The experiment's name.")
    verdict: Verdict = Field(description="The check's verdict.")
    reasons: tuple[str, ...] = Field(description="Why the verdict is what it is.")
    gate_failures: tuple[str, ...] = Field(description="The gates that failed.")
    warnings: tuple[str, ...] = Field(
        description="Said without changing the verdict: evaluators that raised, gates within noise, tolerances."
    )
    pass_fail: ReportFlips | None = Field(
        description="Datapoints that flipped between passing and failing since the baseline (McNemar test)."
    )
    error: str | None = Field(description="What went wrong, for an error verdict.")
    dry_run: bool = Field(description="Whether this was a dry run (nothing posted).")
    generated_at: datetime = Field(description="When the report was made (UTC).")
    tool_version: str = Field(description="The version of honeyhive-experiment that made it.")
    run: ReportRun = Field(description="The run.")
    counts: ReportCounts = Field(description="Datapoint counts.")
    summary: ReportSummary | None = Field(description="The backend's summary of the run (null when none).")
    baseline: ReportBaseline | None = Field(description="The baseline run (null when none).")
    comparison: ReportComparison | None = Field(description="The comparison with the baseline (null when none).")
    metrics: tuple[ReportMetric, ...] = Field(description="Every metric: key metrics, configured ones, the rest.")
    datapoints: ReportDatapoints = Field(description="The datapoints that failed or errored.")
    trend: tuple[ReportTrendPoint, ...] = Field(description="The key metrics in earlier baseline runs, oldest first.")
    notes: tuple[str, ...] = Field(description="Notes shown with the report.")

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_a_number(cls, value: Any) -> Any:
        if isinstance(value, bool):  # true == 1 in Python, not in JSON
            raise PydanticCustomError("literal_error", "Input should be 1")
        return value


# ============================================================================================== building


def report_json(data: ReportInput, *, secrets: Iterable[str | None] = ()) -> dict[str, Any]:
    """The machine-readable report (``report.json``): a :class:`ReportDocument` as a JSON-ready dict.

    Every number is the backend's; ``improved_count`` / ``degraded_count`` are the backend's (a larger
    value is "improved"), ``better_count`` / ``worse_count`` apply the metric's direction.
    """
    redactor = Redactor(secrets)
    view = ReportView(data, redactor)
    document = _document(data, view, redactor)
    # every string once more, as it will be written: a secret assembled by cutting or joining is caught here
    result: dict[str, Any] = redactor.redact_json(document.model_dump(mode="json"))
    return result


def _document(data: ReportInput, view: ReportView, redactor: Redactor) -> ReportDocument:
    r = redactor.redact
    summary, comparison, baseline = data.summary, data.comparison, view.baseline
    return ReportDocument(
        version=REPORT_VERSION,
        experiment=view.experiment,
        verdict=view.verdict,
        reasons=view.reasons,
        gate_failures=view.gate_failures,
        warnings=view.warnings,
        pass_fail=None
        if view.flips is None
        else ReportFlips(
            pass_to_fail=view.flips.pass_to_fail,
            fail_to_pass=view.flips.fail_to_pass,
            change=view.flips.change,
            significance=view.flips.significance,
        ),
        error=view.error,
        dry_run=data.dry_run,
        generated_at=view.generated_at,
        tool_version=view.tool_version,
        run=ReportRun(id=view.run_id, url=view.run_url, head_sha=view.head_sha, pr_number=data.pr_number),
        counts=ReportCounts(passed=view.passed, failed=view.failed, errored=view.errored, total=view.total),
        summary=None
        if summary is None
        else ReportSummary(
            status=str(summary.status) if summary.status is not None else None,
            success=summary.success,
            error=clip(r(summary.error), 4000) if summary.error else None,
            aggregation_function=view.aggregation,
        ),
        baseline=None
        if baseline is None
        else ReportBaseline(
            run_id=baseline.run_id,
            name=baseline.name,
            url=baseline.url,
            commit_sha=baseline.commit_sha,
            branch=baseline.branch,
            created_at=baseline.created_at,
            shared_datapoints=baseline.shared,
            total_datapoints=baseline.total,
        ),
        comparison=None
        if comparison is None
        else ReportComparison(
            common_datapoints=len(comparison.common_datapoints),
            new_only_datapoints=count_of(comparison.new_only_datapoints),
            old_only_datapoints=count_of(comparison.old_only_datapoints),
        ),
        metrics=tuple(
            ReportMetric(
                name=m.name,
                event_name=m.event_name,
                label=m.label,
                direction=Direction(m.direction),
                key=m.key,
                baseline=m.baseline,
                value=m.value,
                difference=m.difference,
                percentage_change=m.percentage_change,
                improved_count=m.improved_count,
                degraded_count=m.degraded_count,
                same_count=m.same_count,
                better_count=m.better_count,
                worse_count=m.worse_count,
                change=m.change,
                significance=m.significance,
                p_value=m.p_value,
                p_adjusted=m.p_adjusted,
                failing_datapoints=m.failing,
                passing_range=None
                if m.range_min is None and m.range_max is None
                else ReportRange(min=m.range_min, max=m.range_max),
            )
            for m in view.metrics
        ),
        datapoints=ReportDatapoints(
            failed=tuple(
                ReportFailedDatapoint(
                    id=row.id,
                    failing_metrics=tuple(
                        ReportFailingMetric(name=f.name, event_name=f.event_name, value=_json_value(f.value))
                        for f in row.failing
                    ),
                    inputs=row.inputs,
                    outputs=row.outputs,
                )
                for row in view.failed_rows(len(view.failed_keys))
            ),
            errored=tuple(
                ReportErroredDatapoint(id=e.id, status=e.status, kind=e.kind, error=e.error, evaluator=e.evaluator)
                for e in view.errors
            ),
        ),
        trend=tuple(
            ReportTrendPoint(
                label=clip(r(point.label), 100),
                run_id=r(point.run_id) if point.run_id else None,
                values={r(k): finite(v) for k, v in point.values.items()},
            )
            for point in data.trend
        ),
        notes=view.notes,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return finite(value)
    return value


# ================================================================================================ reading


def load_report(path: str | os.PathLike[str]) -> ReportDocument:
    """Read and validate a ``report.json`` (for ``mode: publish``), exactly as the model allows it.

    Raises:
        ReportError: the file is missing or unreadable, is not JSON, or is not a valid report (the first
            problem, with its location as the ``key``: ``run.pr_number``, ``metrics[0].value``).
    """
    shown = os.fspath(path)
    try:
        raw = Path(shown).read_bytes()
    except FileNotFoundError:
        raise ReportError("does not exist (download the run job's artifact first)", file=shown) from None
    except OSError as exc:
        raise ReportError(f"cannot be read: {exc.strerror or exc}", file=shown) from None
    try:
        return ReportDocument.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
    first = problems[0]
    if first["type"] == "json_invalid":
        raise ReportError(f"not JSON ({first.get('ctx', {}).get('error', first['msg'])})", file=shown)
    more = f" (and {len(problems) - 1:,} more problems)" if len(problems) > 1 else ""
    raise ReportError(f"{first['msg']}{more}", file=shown, key=_location(first) or None)


def _location(error: ErrorDetails) -> str:
    """``run.pr_number``, ``metrics[0].value``: where a validation error is, as a reader would write it."""
    where = ""
    for part in error["loc"]:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            where += f".{part}" if where else part
    return where


# ================================================================================================ schema


class _SchemaGenerator(GenerateJsonSchema):
    """Pydantic's JSON Schema without a title on every field (the descriptions say more)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`report_json`, generated from :class:`ReportDocument` and
    committed as ``schemas/report.schema.json``."""
    schema = ReportDocument.model_json_schema(schema_generator=_SchemaGenerator)
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": REPORT_SCHEMA_ID,
        "title": _SCHEMA_TITLE,
        **schema,
    }


def report_json_schema_text() -> str:
    """:func:`report_json_schema` serialized exactly as the committed ``schemas/report.schema.json`` (see the
    module docstring to regenerate it)."""
    return json.dumps(report_json_schema(), indent=2, ensure_ascii=True) + "\n"

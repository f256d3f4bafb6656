"""The experiment file's sections as pydantic models, up to :class:`ExperimentConfig`, the validated whole.

Owns what each section accepts and how its keys combine (one dataset source, at least one bound, a pinned
baseline run excludes the strategy, a gate needs a baseline, distinct evaluators), and the few helpers callers
ask a validated config for (:meth:`ExperimentConfig.metric`, :meth:`DatasetConfig.file`). Field descriptions are
the attribute docstrings (``use_attribute_docstrings``), which the JSON Schema publishes; reading YAML is
:mod:`.load`'s job.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticKnownError

from honeyhive_experiment.config.fields import (
    _BASELINE_NAMED,
    _DATASET_SUFFIX_PATTERN,
    _FROM_FILE,
    _IMPORT_PATH_PATTERN,
    LARGEST_INT,
    AggregateFunction,
    BaselineStrategy,
    DatapointIds,
    Direction,
    FormatSpec,
    ImportPath,
    InstrumentName,
    MetricName,
    NonEmptyStr,
    RepoPath,
    _Bool,
    _describe,
    _Int,
    _LocatedValueError,
    _Number,
)
from honeyhive_experiment.datasets import SUPPORTED_SUFFIXES

__all__ = [
    "CONFIG_VERSION",
    "MOST_TRIALS",
    "MOST_WORKERS",
    "BaselineConfig",
    "CommentConfig",
    "DatasetConfig",
    "EvaluatorSpec",
    "ExperimentConfig",
    "GateRule",
    "IngestionConfig",
    "JudgingRules",
    "MetricConfig",
    "ModelPrice",
    "PassingRangeConfig",
]

CONFIG_VERSION: Final = 1
MOST_WORKERS: Final = 256
"""The most datapoints that run at once (``max_workers``, also ``evaluate(max_workers=)``): each holds a thread and a
connection of the run's pool."""
MOST_TRIALS: Final = 100
"""The most times each datapoint runs (``trials``, also ``evaluate(trials=)``)."""


class _Section(BaseModel):
    """A mapping in the file: unknown keys are errors, values are immutable, ``null`` is never a value."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_nulls(cls, data: Any, info: ValidationInfo) -> Any:
        # Only for the file (parse_config passes the context): in Python, None is an optional field's value.
        if isinstance(data, Mapping) and isinstance(info.context, Mapping) and info.context.get(_FROM_FILE):
            for name, value in data.items():
                if value is None and isinstance(name, str) and name in cls.model_fields:
                    hint = "" if cls.model_fields[name].is_required() else " (leave the key out to use the default)"
                    raise _LocatedValueError(f"must not be null{hint}", name)
        return data


class DatasetConfig(_Section):
    """What the experiment runs over: exactly one of ``id`` or ``name`` (a managed HoneyHive dataset) or
    ``path`` (a file in the repository, which becomes an ``EXT-`` dataset whose id comes from the repository
    and the path, not the content, so editing the file keeps its baseline; ``id`` then sets its id)."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["path"], "not": {"required": ["name"]}},
                {"required": ["id"], "not": {"anyOf": [{"required": [k]} for k in ("name", "path", "datapoint_ids")]}},
                {"required": ["name"], "not": {"anyOf": [{"required": [k]} for k in ("id", "path", "datapoint_ids")]}},
            ]
        }
    )

    id: NonEmptyStr | None = None
    """A managed dataset's id; with ``path``, the external dataset's id instead of the one derived from the
    repository and the path (``EXT-`` is prefixed if missing)."""
    name: NonEmptyStr | None = None
    """A managed dataset's name."""
    path: RepoPath | None = Field(default=None, json_schema_extra={"pattern": _DATASET_SUFFIX_PATTERN})
    """A dataset file in the repository: .jsonl, .json or .csv."""
    datapoint_ids: DatapointIds = DatapointIds.SDK
    """With ``path``: how rows without their own ``id`` get one. sdk (default): from the row's content and
    position, as the official SDK does; content: from the content alone, so inserting or reordering rows keeps
    the others paired with the baseline."""

    @field_validator("path")
    @classmethod
    def _supported_file(cls, value: str | None) -> str | None:
        if value is not None and PurePosixPath(value).suffix.lower() not in SUPPORTED_SUFFIXES:
            suffix = PurePosixPath(value).suffix
            found = f"{suffix!r}" if suffix else "no extension"
            if not suffix and Path(value).is_dir():  # the working directory's, as the command is mostly run in it
                entries = itertools.islice(Path(value).iterdir(), 1_000)  # a folder of a million files: a glance
                such = sorted(f"{value.rstrip('/')}/{p.name}" for p in entries if p.suffix in SUPPORTED_SUFFIXES)[:3]
                raise ValueError(
                    f"{value!r} is a folder: name one dataset file in it ({', '.join(SUPPORTED_SUFFIXES)})"
                    + (f", such as {' or '.join(such)}" if such else "")
                )
            raise ValueError(
                f"the dataset file type ({found}) of {value!r} is not supported:"
                f" use one of {', '.join(SUPPORTED_SUFFIXES)}"
            )
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.path is not None:
            if self.name is not None:
                raise _LocatedValueError(
                    "give one dataset source: 'path' (a file) or 'name' (managed), not both", "name"
                )
        elif self.id is not None and self.name is not None:
            raise _LocatedValueError("give one dataset source: 'id' or 'name', not both", "name")
        elif self.id is None and self.name is None:
            raise ValueError("no dataset source: give one of 'id' or 'name' (managed) or 'path' (a repository file)")
        elif "datapoint_ids" in self.model_fields_set:
            raise _LocatedValueError(
                "only applies to a repository file ('path'): a managed dataset's datapoints have their own ids",
                "datapoint_ids",
            )
        return self

    def file(self, root: str | os.PathLike[str] = ".") -> Path | None:
        """The dataset file, resolved against the repository root ``root``; ``None`` for a managed dataset (its
        ``id`` or ``name`` names it)."""
        return Path(root) / self.path if self.path is not None else None


class EvaluatorSpec(_Section):
    """An evaluator: ``"module:attr"`` in the file, or ``{path: "module:attr", name: "display name"}``."""

    path: ImportPath
    """The evaluator to import, ``module.path:attr``."""
    name: MetricName | None = None
    """The metric name to record instead of the evaluator's own name (``__name__`` or ``.name``)."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"path": data}
        if not isinstance(data, Mapping):
            raise ValueError(
                f"an evaluator is a 'module:attr' string or a mapping {{path, name}}, got {_describe(data)}"
            )
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        mapping = handler(core_schema)
        return {"anyOf": [{"type": "string", "pattern": _IMPORT_PATH_PATTERN}, mapping]}


class PassingRangeConfig(_Section):
    """``{min?, max?}``: a metric value passes when ``min <= value <= max`` (booleans count as 1/0).

    The backend decides pass/fail with it; at least one bound is required."""

    min: _Number | None = None
    """The smallest passing value (inclusive)."""
    max: _Number | None = None
    """The largest passing value (inclusive)."""

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("a passing range needs at least one bound: min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self


class MetricConfig(_Section):
    """How a metric is presented (it changes nothing the backend computes)."""

    direction: Direction = Direction.HIGHER
    """Which way is better: a rise in ``higher`` metrics is an improvement, a drop in ``lower`` ones."""
    label: NonEmptyStr | None = None
    """The name shown in the comment instead of the metric name."""
    format: FormatSpec | None = None
    """A Python format spec for the metric's numbers, e.g. '.3f' or '.1%'."""
    key: _Bool = False
    """Show the metric in the trend of recent baseline runs."""


class ModelPrice(_Section):
    """A model's price, in US dollars per million tokens; overrides the price library's for that model name."""

    input: Annotated[_Number, Field(ge=0)]
    """US dollars per million input tokens."""
    output: Annotated[_Number, Field(ge=0)]
    """US dollars per million output tokens."""
    cache_read: Annotated[_Number, Field(ge=0)] | None = None
    """US dollars per million input tokens read from the provider's prompt cache (genai-prices calls it
    cache_read); default: the input price."""


MOST_DAYS: Final = 36500
"""The most days ``baseline.max_age_days`` may say in the experiment file: a hundred years."""


def _at_most_a_century(days: int, info: ValidationInfo) -> int:
    # The file's bound only: the rules a check stamped on its run (metadata.check.rules, which mode: publish judges
    # by) are read as that check wrote them, and a version before the bound stamped any number of days.
    if days > MOST_DAYS and isinstance(info.context, Mapping) and info.context.get(_FROM_FILE):
        raise PydanticKnownError("less_than_equal", {"le": MOST_DAYS})
    return days


class BaselineConfig(_Section):
    """How the baseline run is chosen among earlier runs of the same experiment name: the run at the merge base
    whatever its result, else the latest run on the branch whose check passed; never a run with uncommitted changes.

    ``strategy`` picks it (see :class:`BaselineStrategy`); ``run_id`` pins one run instead, and then
    ``strategy``, ``branch`` and ``max_age_days`` must be left out."""

    strategy: BaselineStrategy = BaselineStrategy.AUTO
    """auto (merge-base, then the latest run on the branch whose check passed), merge-base, branch, or none (no
    comparison: the verdict is the run's own result; no gate allowed)."""
    branch: NonEmptyStr | None = None
    """The branch baselines come from; default: the pull request's base branch."""
    run_id: NonEmptyStr | None = None
    """Always compare with this run (the strategy and its options then do not apply)."""
    max_age_days: (
        Annotated[_Int, Field(ge=1, json_schema_extra={"maximum": MOST_DAYS}), AfterValidator(_at_most_a_century)]
        | None
    ) = None
    """Ignore candidate baseline runs older than this many days (at most 36500, a hundred years)."""

    @model_validator(mode="after")
    def _pinned(self) -> Self:
        if self.run_id is not None:
            clashing = sorted(self.model_fields_set & {"strategy", "branch", "max_age_days"})
            if clashing:
                raise _LocatedValueError(
                    f"does not apply when run_id pins the baseline: remove {clashing[0]!r} or 'run_id'", clashing[0]
                )
        elif self.strategy is BaselineStrategy.NONE:
            clashing = sorted(self.model_fields_set & {"branch", "max_age_days"})
            if clashing:
                raise _LocatedValueError("does not apply with strategy 'none' (no baseline)", clashing[0])
        return self


class IngestionConfig(_Section):
    """How long to wait for the backend to ingest a run before reading its result."""

    timeout: Annotated[_Number, Field(gt=0)] = 120.0
    """Seconds, in all, to wait for the backend: until the summary covers every datapoint sent (mode: report: first
    until it holds every shard's), and for a comparison that lags behind it."""


class CommentConfig(_Section):
    """The pull-request comment."""

    template: RepoPath | None = None
    """A Jinja template replacing the built-in one (the comment starts with its hidden marker whatever it writes)."""
    max_datapoints: Annotated[_Int, Field(ge=0)] = 20
    """How many failed / errored datapoints to list."""
    title: NonEmptyStr | None = None
    """The comment's heading; default: the experiment name."""


class GateRule(_Section):
    """A regression gate on one metric of the backend's comparison with the baseline; exceeding a bound fails.

    Direction-aware (``metrics.<metric>.direction``, default higher): a drop is a change for the worse,
    ``old - new`` for higher-is-better and ``new - old`` for lower-is-better metrics, so ``max_worse`` and
    ``max_worse_pct`` are accepted as the same bounds under a name that reads right for costs. At least one bound."""

    max_drop: Annotated[_Number, Field(ge=0)] | None = None
    """The largest allowed worsening of the aggregate, in the metric's units, not the report's percentage points:
    a pass rate's or a percentage-formatted metric's 85% is 0.85, so 5 points is 0.05."""
    max_drop_pct: Annotated[_Number, Field(ge=0)] | None = None
    """The largest allowed worsening of the aggregate, in percent of the baseline (5 means 5 %)."""
    max_degraded: Annotated[_Int, Field(ge=0)] | None = None
    """The largest allowed number of common datapoints that got worse (in the metric's direction)."""
    max_worse: Annotated[_Number, Field(ge=0)] | None = Field(default=None, exclude=True)
    """max_drop under a name that reads right for a lower-is-better metric such as cost; give one of the two."""
    max_worse_pct: Annotated[_Number, Field(ge=0)] | None = Field(default=None, exclude=True)
    """max_drop_pct under a name that reads right for a lower-is-better metric such as cost; give one of the two."""
    significant: _Bool = False
    """true: fail only when the regression is also significant (one-sided in the worse direction, Holm-corrected
    over the gated metrics; see verdict.alpha): a mean's drop by the paired t-test on the datapoints' differences,
    max_degraded and other aggregates by the sign test on the backend's improved/degraded counts, which between runs
    of different trials cannot tell and fails. false (the default): crossing a bound fails, and the change's p-value
    is said beside it."""

    @model_validator(mode="after")
    def _some_bound(self) -> Self:
        for alias, name in (("max_worse", "max_drop"), ("max_worse_pct", "max_drop_pct")):
            if getattr(self, alias) is not None:
                if getattr(self, name) is not None:
                    raise _LocatedValueError(f"the same bound as {name}: give one of them", alias)
                # One spelling from here on (the verdict reads max_drop*; the hash cannot tell them apart), set
                # while the frozen model is still being validated: __init__ ignores a returned copy.
                self.__dict__.update({name: self.__dict__[alias], alias: None})
                self.__pydantic_fields_set__ = (self.__pydantic_fields_set__ - {alias}) | {name}
        if self.max_drop is None and self.max_drop_pct is None and self.max_degraded is None:
            raise ValueError("a gate rule needs at least one of max_drop, max_drop_pct (or max_worse*), max_degraded")
        return self


_PERCENT_RE: Final = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*%$")


def _allow_failed(value: Any) -> int | str:
    if type(value) is int and 0 <= value <= LARGEST_INT:
        return value
    if isinstance(value, str) and (found := _PERCENT_RE.match(value.strip())):
        if float(found.group(1)) <= 100:
            return value.strip()
        raise ValueError(f"must be a percentage of at most 100% ('5%'), got {_describe(value)}")
    raise ValueError(
        f"must be a number of datapoints (2) or a percentage of at most 100% ('5%'), got {_describe(value)}"
    )


AllowFailed = Annotated[
    int | str,
    PlainValidator(_allow_failed),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {
                    "type": "string",
                    "pattern": r"^\s*0*(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)\s*%\s*$",
                    "description": "A percentage of at most 100%, e.g. '5%'.",
                },
            ]
        }
    ),
]


class VerdictConfig(_Section):
    """How the verdict reads the backend's result and comparison (defaults: no tolerance, alpha 0.05)."""

    allow_failed: AllowFailed | None = None
    """Tolerate this many datapoints the backend reports failed (an integer), or this share of them ("5%");
    the reasons say when the tolerance was used. Without it, any failed datapoint fails the check. A datapoint
    whose function newly raised or timed out (not in the baseline) is never tolerated."""
    allow_evaluator_errors: AllowFailed | None = None
    """Tolerate an evaluator raising on this many datapoints (an integer), or on this share of those it ran on
    ("5%"). Without it, an evaluator that raises fails the check; one that raises on every datapoint always does."""
    alpha: Annotated[_Number, Field(gt=0, lt=1)] = 0.05
    """Significance level of the comparison: a metric is 'better' or 'worse' only when its Holm-corrected test (a
    mean's paired t-test, else the sign test) is at or below it, else 'within noise' (or 'too few changes to
    tell')."""

    def tolerated_failures(self, total: int) -> int:
        """How many failed datapoints of ``total`` the check tolerates (0 without ``allow_failed``)."""
        return _tolerated(self.allow_failed, total)

    def tolerated_evaluator_errors(self, evaluated: int) -> int:
        """On how many of the ``evaluated`` datapoints one evaluator may raise (0 without
        ``allow_evaluator_errors``)."""
        return _tolerated(self.allow_evaluator_errors, evaluated)


def _tolerated(allowed: int | str | None, total: int) -> int:
    """A tolerance (a count, or a percentage of ``total``, rounded down: exactly, 18.4% of 375 is 69) as a count."""
    if allowed is None:
        return 0
    if isinstance(allowed, int):
        return allowed
    found = _PERCENT_RE.match(allowed.strip())
    assert found is not None  # the field's pattern
    return math.floor(total * Fraction(found.group(1)) / 100)


class JudgingRules(_Section):
    """The part of an experiment file that judges a run, as a check records it on the run it judged
    (``metadata.check.rules``): data only, validated as the file's own keys are (but for the file's bound on
    ``baseline.max_age_days``, which an older check did not have), so ``mode: publish`` judges the run by the rules
    its check had, not by the default branch's file."""

    gate: dict[MetricName, GateRule] = Field(default_factory=dict)
    passing_ranges: dict[MetricName, PassingRangeConfig] = Field(default_factory=dict)
    verdict: VerdictConfig = Field(default_factory=VerdictConfig)
    metrics: dict[MetricName, MetricConfig] = Field(default_factory=dict)
    aggregate_function: AggregateFunction = AggregateFunction.AVERAGE
    baseline: BaselineConfig = Field(default_factory=BaselineConfig)
    """Its strategy judges too: ``none`` makes a run without a baseline pass or fail, not neutral."""


def _at_most_200(name: str) -> str:
    if len(name) > 200:
        raise ValueError(f"must be at most 200 characters, got {len(name)}")
    return name


class ExperimentConfig(_Section):
    """One experiment, as the repository's experiment file (``.honeyhive/experiment.yml``) describes it."""

    version: Annotated[Literal[1], Field(description="The config format version; only 1 exists.")] = 1
    name: Annotated[
        NonEmptyStr,
        AfterValidator(_at_most_200),
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200}),
    ]
    """The experiment's name; keep it stable: baseline runs are found by it. At most 200 characters, as it is shown
    (it also goes into the backend's query strings when earlier runs are looked up)."""
    function: ImportPath
    """The function to run on every datapoint, 'module.path:attr'."""
    dataset: DatasetConfig
    """Exactly one of id / name (a managed dataset) or path (a repository file)."""
    evaluators: tuple[EvaluatorSpec, ...] = ()
    """Evaluators: 'module:attr' strings or {path, name} mappings."""
    passing_ranges: dict[MetricName, PassingRangeConfig] = Field(default_factory=dict)
    """Per metric {min?, max?}, sent to the backend, which decides pass/fail."""
    metrics: dict[MetricName, MetricConfig] = Field(default_factory=dict)
    """Per metric presentation: direction, label, format, key."""
    aggregate_function: AggregateFunction = AggregateFunction.AVERAGE
    """How the backend aggregates each metric."""
    max_workers: Annotated[_Int, Field(ge=1, le=MOST_WORKERS)] = 10
    """Datapoints run concurrently."""
    trials: Annotated[_Int, Field(ge=1, le=MOST_TRIALS)] = 1
    """How many times each datapoint runs (function and evaluators); the backend compares datapoints on the mean
    of their trials. The trials input and --trials override it."""
    timeout: Annotated[_Number, Field(gt=0)] = 300.0
    """Seconds one datapoint (function and evaluators) may take."""
    baseline: BaselineConfig = Field(default_factory=BaselineConfig)
    """How the baseline run is chosen."""
    ingestion: IngestionConfig = Field(default_factory=IngestionConfig)
    """How long to wait for ingestion."""
    comment: CommentConfig = Field(default_factory=CommentConfig)
    """Pull-request comment options."""
    gate: dict[MetricName, GateRule] = Field(default_factory=dict)
    """An optional regression gate per metric on the comparison with the baseline (direction-aware); not with
    baseline.strategy none, which compares nothing."""
    other_metrics: tuple[MetricName, ...] = ()
    """Metrics no configured evaluator produces that passing_ranges, gate or metrics may name: ones the function
    records itself (tracer.enrich_span(metrics=...)) or HoneyHive's own evaluators compute."""
    verdict: VerdictConfig = Field(default_factory=VerdictConfig)
    """Tolerance for failed datapoints and the significance level of the comparison."""
    instrument: tuple[InstrumentName, ...] = ()
    """Libraries whose LLM calls to capture, e.g. [openai, anthropic]: each needs an installed OpenTelemetry
    instrumentation (OpenLLMetry's opentelemetry-instrumentation-<lib> or OpenInference's
    openinference-instrumentation-<lib>; name that package instead to pick one). Each datapoint then records
    input_tokens, output_tokens, llm_calls, cost_usd and duration_ms for its function's calls, and judge_* for its
    evaluators' (lower is better)."""
    pricing: dict[NonEmptyStr, ModelPrice] = Field(default_factory=dict)
    """Per model name, {input, output} in US dollars per million tokens: for private or fine-tuned models, or to
    override the genai-prices library's price. A call whose model has no price is counted, but not in cost_usd."""

    @field_validator("version", mode="before")
    @classmethod
    def _supported_version(cls, value: Any) -> Any:
        if type(value) is not int:
            raise ValueError(f"must be the integer {CONFIG_VERSION}, got {_describe(value)}")
        if value != CONFIG_VERSION:
            raise ValueError(f"this honeyhive-experiment reads config version {CONFIG_VERSION} only, got {value}")
        return value

    @model_validator(mode="after")
    def _distinct_evaluators(self) -> Self:
        seen: dict[str, int] = {}
        for index, spec in enumerate(self.evaluators):
            identity = f"name {spec.name!r}" if spec.name is not None else f"{spec.path!r}"
            if identity in seen:
                raise _LocatedValueError(
                    f"a duplicate evaluator {identity} (also evaluators[{seen[identity]}]); give one a distinct name",
                    "evaluators",
                    index,
                )
            seen[identity] = index
        return self

    @model_validator(mode="after")
    def _gates_have_a_baseline(self, info: ValidationInfo) -> Self:
        named = isinstance(info.context, Mapping) and info.context.get(_BASELINE_NAMED)  # --baseline, baseline-run-id
        if self.gate and self.baseline.strategy is BaselineStrategy.NONE and not named:  # every gate would be dead
            raise _LocatedValueError(
                "a gate holds a metric against the baseline, but baseline.strategy is none (no baseline, no"
                " comparison), so it could never fail: remove gate, choose another baseline strategy, or name the"
                " baseline for the run (--baseline, baseline-run-id: used whatever the strategy)",
                "gate",
            )
        return self

    @model_validator(mode="after")
    def _distinct_instruments(self) -> Self:
        seen: set[str] = set()
        for index, name in enumerate(self.instrument):
            if name in seen:
                raise _LocatedValueError(f"the library {name!r} is listed twice", "instrument", index)
            seen.add(name)
        return self

    def metric(self, name: str) -> MetricConfig:
        """The presentation of metric ``name`` (the defaults when it is not configured)."""
        return self.metrics.get(name) or MetricConfig()

    def wire_passing_ranges(self) -> dict[str, dict[str, float]]:
        """``passing_ranges`` as a run's create/update body carries them: ``{metric: {min?, max?}}``."""
        return {name: rng.model_dump(exclude_none=True) for name, rng in self.passing_ranges.items()}

    def rules(self) -> dict[str, Any]:
        """The :class:`JudgingRules` of this file as JSON data, what it does not say left out (a check stamps them on
        its run): a default it says stays (``direction: higher`` of an efficiency metric, lower unless said so)."""
        return self.model_dump(mode="json", include=set(JudgingRules.model_fields), exclude_unset=True)

    def judged_by(self, rules: JudgingRules) -> ExperimentConfig:
        """This file with ``rules`` in place of its own."""
        return self.model_copy(update=dict(rules))

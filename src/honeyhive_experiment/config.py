"""The repository's experiment file (default ``.honeyhive/experiment.yml``) → a validated :class:`ExperimentConfig`.

One file describes one experiment. :func:`load_config` reads it (the only I/O here), :func:`parse_config`
validates text already read; both raise :class:`ConfigError`, which names the file, the 1-based line and the
dotted key of the problem::

    .honeyhive/experiment.yml:14: metrics.latency.direction: should be 'higher' or 'lower', got a string ('up')

Keys are dotted from the top of the file; list items are indexed from 0 in brackets
(``evaluators[1].path``). Whole-file problems (missing file, empty file) have no line and no key.

The file
--------
.. code-block:: yaml

    version: 1                          # optional; only 1 exists
    name: support-bot                   # required; stable: baselines are found by it
    function: app.bot:answer            # required; "module.path:attr", importable from the repository root
    dataset:                            # required; exactly one of id / name / path
      path: data/questions.jsonl        #   a repository file (.jsonl/.json/.csv) → an EXT- dataset
      id: support-questions             #   (with path only) overrides the derived EXT- dataset id
    evaluators:                         # "module:attr", or {path, name} where name replaces the metric name
      - evals.quality:exact_match
      - {path: evals.quality:similarity, name: similarity}
    passing_ranges:                     # sent to the backend, which decides pass/fail
      exact_match: {min: 0.8}
    metrics:                            # presentation only
      latency_ms: {direction: lower, label: Latency, format: ".0f", key: true}
    aggregate_function: average         # average min max median p90 p95 p99 sum count
    max_workers: 10                     # 1..256
    timeout: 300                        # seconds per datapoint
    baseline: {strategy: auto}          # auto | merge-base | branch | none; branch, run_id, max_age_days
    ingestion: {timeout: 120}           # seconds to wait for the backend to ingest the run
    comment: {max_datapoints: 20}       # template, title, max_datapoints
    gate:                               # optional regression gate on the backend's comparison
      exact_match: {max_drop_pct: 5}

Paths in the file (``dataset.path``, ``comment.template``) are relative to the repository root (the
working directory the tool runs in), like ``function``; absolute paths are rejected because a committed
config must work in every checkout. Resolving them is the caller's job.

Rules
-----
* **Nothing unknown, nothing coerced.** Every mapping rejects unknown keys (with a "did you mean"); strings,
  integers and booleans are strict (``max_workers: "10"`` or ``name: yes`` is an error; a whole number
  is accepted where a number is expected); numbers must be finite.
* **No nulls in the file.** A key is either given a value or left out to take its default; ``key: null``
  (or a bare ``key:``) is an error. (Built in Python, an optional field takes ``None`` as usual; dump with
  ``model_dump(exclude_none=True)`` to get what a file would say.)
* **The YAML is read safely and literally**: ``yaml.SafeLoader`` only; a mapping that repeats a key is an
  error (PyYAML would silently keep the last one); one document per file.

The gate (``gate: {metric: {max_drop?, max_drop_pct?, max_degraded?}}``)
--------------------------------------------------------------------------
An optional regression gate evaluated on the *backend's* comparison with the baseline (nothing is
recomputed). It is **direction-aware**, using ``metrics.<metric>.direction`` (default ``higher``): a
*drop* is a change for the worse, i.e. ``old - new`` for ``higher`` and ``new - old`` for ``lower``.

* ``max_drop``: the largest allowed worsening of the aggregate, in the metric's units (the backend's
  ``difference``, sign-adjusted for the direction);
* ``max_drop_pct``: the same in percent of the baseline aggregate (the backend's ``percentage_change``,
  which is already in percent: ``5`` means 5 %); not judged when the backend sends none (old aggregate 0);
* ``max_degraded``: the largest allowed number of common datapoints that got worse (the backend's
  ``degraded_count`` for ``higher``, its ``improved_count`` for ``lower``, since the backend calls a
  smaller value "degraded").

Exceeding any bound makes the verdict ``fail``. Without a baseline the gate is not evaluated (the verdict
is then decided by the backend's result alone); a gated metric absent from the comparison is reported,
not failed.

The JSON Schema
---------------
:func:`config_json_schema` is published for editors as ``schemas/experiment.schema.json`` inside the
package; a test holds the committed file equal to :func:`config_json_schema_text`. After changing a model,
regenerate it from the repository root with::

    .venv/bin/python -c "from honeyhive_experiment.config import config_json_schema_text as t; print(t(), end='')" \\
        > src/honeyhive_experiment/schemas/experiment.schema.json

The schema is a guide for editors; the models are the authority (a few checks, such as ``min <= max`` or a
valid format spec, are only in the models).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import keyword
import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Final, Literal, Self

import yaml
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema
from pydantic_core import ErrorDetails
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from honeyhive_experiment.datasets import SUPPORTED_SUFFIXES, DatasetFile, DatasetRef, ManagedDataset

__all__ = [
    "CONFIG_VERSION",
    "DEFAULT_CONFIG_PATH",
    "SCHEMA_ID",
    "AggregateFunction",
    "BaselineConfig",
    "BaselineStrategy",
    "CommentConfig",
    "ConfigError",
    "DatasetConfig",
    "Direction",
    "EvaluatorSpec",
    "ExperimentConfig",
    "GateRule",
    "IngestionConfig",
    "MetricConfig",
    "PassingRangeConfig",
    "config_hash",
    "config_json_schema",
    "config_json_schema_text",
    "load_config",
    "parse_config",
    "split_import_path",
]

DEFAULT_CONFIG_PATH: Final = ".honeyhive/experiment.yml"
CONFIG_VERSION: Final = 1
SCHEMA_ID: Final = "urn:honeyhive-experiment:schema:experiment-config:v1"
_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
_SCHEMA_TITLE: Final = "honeyhive-experiment config (.honeyhive/experiment.yml)"

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_IMPORT_PATH_PATTERN: Final = rf"^{_IDENT}(\.{_IDENT})*:{_IDENT}(\.{_IDENT})*$"
_IMPORT_PATH_RE: Final = re.compile(_IMPORT_PATH_PATTERN)
_DATASET_SUFFIX_PATTERN: Final = r"\.([jJ][sS][oO][nN][lL]?|[cC][sS][vV])$"
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
_FROM_FILE: Final = "honeyhive_experiment.config:from_file"


# ---------------------------------------------------------------------------------------------------- errors


class ConfigError(Exception):
    """A config file that cannot be used, with where the problem is.

    ``path`` is the file as given; ``line`` is 1-based (``None`` for whole-file problems); ``key`` is the
    dotted key (``metrics.accuracy.direction``, ``evaluators[0].path``; ``""`` when the problem is not under
    a key). ``str()`` is ``path:line: key: message``, leaving out the parts that are absent.

    ``issues`` lists every problem found, this one first (the one on the earliest line), so a caller can
    show them all; it is ``(self,)`` when there was only one.
    """

    def __init__(self, path: str, line: int | None, key: str, message: str) -> None:
        super().__init__(path, line, key, message)
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        self.issues: tuple[ConfigError, ...] = (self,)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class _LocatedValueError(ValueError):
    """A validator's error that belongs to a key below the model being validated (``loc`` is relative)."""

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


# ------------------------------------------------------------------------------------------- field types


def split_import_path(value: str) -> tuple[str, str]:
    """``"pkg.module:attr.sub"`` → ``("pkg.module", "attr.sub")`` (no validation: see :class:`ExperimentConfig`)."""
    module, _, attr = value.partition(":")
    return module, attr


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if value != value.strip():
        raise ValueError(f"must not start or end with whitespace: {value!r}")
    if _CONTROL_RE.search(value):
        raise ValueError(f"must not contain line breaks or control characters: {value!r}")
    return value


def _check_import_path(value: str) -> str:
    if ":" not in value:
        raise ValueError(
            f"{value!r} has no colon: write 'module.path:attr' (a colon between the module and the attribute)"
        )
    if not _IMPORT_PATH_RE.match(value):
        raise ValueError(f"{value!r} is not an import path: expected 'module.path:attr' made of Python identifiers")
    parts = [part for half in split_import_path(value) for part in half.split(".")]
    reserved = [part for part in parts if keyword.iskeyword(part)]
    if reserved:
        raise ValueError(f"{value!r} is not an import path: {reserved[0]!r} is a Python keyword")
    return value


def _check_repo_path(value: str) -> str:
    _check_text(value)
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute():
        raise ValueError(f"{value!r} is absolute: give a path relative to the repository root")
    return value


def _check_format_spec(value: str) -> str:
    try:
        format(1234.5678, value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a valid format spec for a number ({exc}); try '.3f' or '.1%'") from None
    return value


_Str = Annotated[str, Strict()]
_Int = Annotated[int, Strict()]
_Bool = Annotated[bool, Strict()]
_Number = Annotated[float, Strict(), AllowInfNan(False)]

NonEmptyStr = Annotated[_Str, AfterValidator(_check_text), WithJsonSchema({"type": "string", "minLength": 1})]
"""A string that is not empty, has no surrounding whitespace and no line breaks."""
MetricName = NonEmptyStr
ImportPath = Annotated[
    _Str,
    AfterValidator(_check_import_path),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _IMPORT_PATH_PATTERN,
            "description": "'module.path:attr', importable from the repository root.",
        }
    ),
]
RepoPath = Annotated[
    _Str,
    AfterValidator(_check_repo_path),
    WithJsonSchema({"type": "string", "minLength": 1, "description": "A path relative to the repository root."}),
]
FormatSpec = Annotated[
    _Str,
    AfterValidator(_check_format_spec),
    WithJsonSchema({"type": "string", "description": "A Python format spec for numbers, e.g. '.3f' or '.1%'."}),
]


class AggregateFunction(StrEnum):
    """How the backend aggregates a metric over datapoints (``aggregate_function`` of summary and compare)."""

    AVERAGE = "average"
    MIN = "min"
    MAX = "max"
    MEDIAN = "median"
    P90 = "p90"
    P95 = "p95"
    P99 = "p99"
    SUM = "sum"
    COUNT = "count"


class Direction(StrEnum):
    """Which way a metric is better: ``higher`` (accuracy) or ``lower`` (latency, cost)."""

    HIGHER = "higher"
    LOWER = "lower"


class BaselineStrategy(StrEnum):
    """How the baseline run is chosen among earlier passing runs of the same experiment ``name``.

    * ``auto`` (default): the run for the merge-base commit of the PR head and the base branch; when there
      is none, the latest run on the base branch;
    * ``merge-base``: only the run for the merge-base commit;
    * ``branch``: the latest run on the base branch;
    * ``none``: no baseline and no comparison; the verdict is the backend's result alone.
    """

    AUTO = "auto"
    MERGE_BASE = "merge-base"
    BRANCH = "branch"
    NONE = "none"


# -------------------------------------------------------------------------------------------------- models


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
    ``path`` (a file in the repository, which becomes an ``EXT-`` dataset; ``id`` then overrides its id)."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["path"], "not": {"required": ["name"]}},
                {"required": ["id"], "not": {"anyOf": [{"required": ["name"]}, {"required": ["path"]}]}},
                {"required": ["name"], "not": {"anyOf": [{"required": ["id"]}, {"required": ["path"]}]}},
            ]
        }
    )

    id: NonEmptyStr | None = None
    """A managed dataset's id; with ``path``, the external dataset id to use (``EXT-`` is prefixed if missing)."""
    name: NonEmptyStr | None = None
    """A managed dataset's name."""
    path: RepoPath | None = Field(default=None, json_schema_extra={"pattern": _DATASET_SUFFIX_PATTERN})
    """A dataset file in the repository: .jsonl, .json or .csv."""

    @field_validator("path")
    @classmethod
    def _supported_file(cls, value: str | None) -> str | None:
        if value is not None and PurePosixPath(value).suffix.lower() not in SUPPORTED_SUFFIXES:
            suffix = PurePosixPath(value).suffix
            found = f"{suffix!r}" if suffix else "no extension"
            raise ValueError(
                f"unsupported dataset file type ({found}) in {value!r}: use one of {', '.join(SUPPORTED_SUFFIXES)}"
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
        return self

    @property
    def is_file(self) -> bool:
        """True for a repository file (an external ``EXT-`` dataset)."""
        return self.path is not None

    def to_ref(self, root: str | os.PathLike[str] = ".") -> DatasetRef:
        """The dataset reference :func:`honeyhive_experiment.datasets.load_dataset` takes; ``root`` is the
        repository root a file path is resolved against."""
        if self.path is not None:
            return DatasetFile(Path(root) / self.path)
        return ManagedDataset(id=self.id, name=self.name)


class EvaluatorSpec(_Section):
    """An evaluator: ``"module:attr"`` in the file, or ``{path: "module:attr", name: "display name"}``."""

    path: ImportPath
    """The evaluator to import, ``module.path:attr``."""
    name: NonEmptyStr | None = None
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

    def to_wire(self) -> dict[str, float]:
        """The ``{min?, max?}`` object sent in a run's ``passing_ranges``."""
        return self.model_dump(exclude_none=True)


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


class BaselineConfig(_Section):
    """How the baseline run is chosen among earlier passing runs of the same experiment name.

    ``strategy`` picks it (see :class:`BaselineStrategy`); ``run_id`` pins one run instead, and then
    ``strategy``, ``branch`` and ``max_age_days`` must be left out."""

    strategy: BaselineStrategy = BaselineStrategy.AUTO
    """auto (merge-base, then the latest on the branch), merge-base, branch, or none."""
    branch: NonEmptyStr | None = None
    """The branch baselines come from; default: the pull request's base branch."""
    run_id: NonEmptyStr | None = None
    """Always compare with this run (the strategy and its options then do not apply)."""
    max_age_days: Annotated[_Int, Field(ge=1)] | None = None
    """Ignore candidate baseline runs older than this many days."""

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
    """Seconds to wait until the summary covers every datapoint sent."""


class CommentConfig(_Section):
    """The pull-request comment."""

    template: RepoPath | None = None
    """A Jinja template replacing the built-in one (it must keep the comment marker)."""
    max_datapoints: Annotated[_Int, Field(ge=0)] = 20
    """How many failed / errored datapoints to list."""
    title: NonEmptyStr | None = None
    """The comment's heading; default: the experiment name."""


class GateRule(_Section):
    """A regression gate on one metric of the backend's comparison with the baseline; exceeding a bound fails.

    Direction-aware (``metrics.<metric>.direction``, default higher): a drop is a change for the worse,
    ``old - new`` for higher-is-better and ``new - old`` for lower-is-better metrics. At least one bound."""

    max_drop: Annotated[_Number, Field(ge=0)] | None = None
    """The largest allowed worsening of the aggregate, in the metric's units."""
    max_drop_pct: Annotated[_Number, Field(ge=0)] | None = None
    """The largest allowed worsening of the aggregate, in percent of the baseline (5 means 5 %)."""
    max_degraded: Annotated[_Int, Field(ge=0)] | None = None
    """The largest allowed number of common datapoints that got worse (in the metric's direction)."""

    @model_validator(mode="after")
    def _some_bound(self) -> Self:
        if self.max_drop is None and self.max_drop_pct is None and self.max_degraded is None:
            raise ValueError("a gate rule needs at least one of max_drop, max_drop_pct, max_degraded")
        return self


def _check_version(value: Any) -> Any:
    if type(value) is not int:
        raise ValueError(f"should be the integer {CONFIG_VERSION}, got {_describe(value)}")
    if value != CONFIG_VERSION:
        raise ValueError(
            f"unsupported config version {value}: this honeyhive-experiment reads version {CONFIG_VERSION}"
        )
    return value


class ExperimentConfig(_Section):
    """One experiment, as the repository's experiment file (``.honeyhive/experiment.yml``) describes it."""

    model_config = ConfigDict(title="ExperimentConfig")

    version: Annotated[Literal[1], Field(description="The config format version; only 1 exists.")] = 1
    name: NonEmptyStr
    """The experiment's name; keep it stable: baseline runs are found by it."""
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
    max_workers: Annotated[_Int, Field(ge=1, le=256)] = 10
    """Datapoints run concurrently."""
    timeout: Annotated[_Number, Field(gt=0)] = 300.0
    """Seconds one datapoint (function and evaluators) may take."""
    baseline: BaselineConfig = Field(default_factory=BaselineConfig)
    """How the baseline run is chosen."""
    ingestion: IngestionConfig = Field(default_factory=IngestionConfig)
    """How long to wait for ingestion."""
    comment: CommentConfig = Field(default_factory=CommentConfig)
    """Pull-request comment options."""
    gate: dict[MetricName, GateRule] = Field(default_factory=dict)
    """An optional regression gate per metric on the comparison with the baseline (direction-aware)."""

    @field_validator("version", mode="before")
    @classmethod
    def _supported_version(cls, value: Any) -> Any:
        return _check_version(value)

    @model_validator(mode="after")
    def _distinct_evaluators(self) -> Self:
        seen: dict[str, int] = {}
        for index, spec in enumerate(self.evaluators):
            identity = f"name {spec.name!r}" if spec.name is not None else f"{spec.path!r}"
            if identity in seen:
                raise _LocatedValueError(
                    f"duplicate evaluator {identity} (also evaluators[{seen[identity]}]); give one a distinct name",
                    "evaluators",
                    index,
                )
            seen[identity] = index
        return self

    def metric(self, name: str) -> MetricConfig:
        """The presentation of metric ``name`` (the defaults when it is not configured)."""
        return self.metrics.get(name) or MetricConfig()

    def wire_passing_ranges(self) -> dict[str, dict[str, float]]:
        """``passing_ranges`` as a run's create/update body carries them."""
        return {name: rng.to_wire() for name, rng in self.passing_ranges.items()}


# ------------------------------------------------------------------------------------------------- loading


def load_config(path: str | os.PathLike[str] = DEFAULT_CONFIG_PATH) -> ExperimentConfig:
    """Read and validate the experiment file at ``path``.

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8, not valid YAML, empty, not a mapping,
            repeats a key, or does not validate.
    """
    shown = os.fspath(path)
    try:
        raw = Path(shown).read_bytes()
    except FileNotFoundError:
        raise ConfigError(shown, None, "", "config file not found") from None
    except IsADirectoryError:
        raise ConfigError(shown, None, "", "is a directory, not a config file") from None
    except PermissionError:
        raise ConfigError(shown, None, "", "permission denied reading the config file") from None
    except OSError as exc:
        raise ConfigError(shown, None, "", f"cannot read the config file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(shown, line, "", f"not valid UTF-8 (byte {exc.start})") from None
    return parse_config(text, path=shown)


def parse_config(text: str, *, path: str = DEFAULT_CONFIG_PATH) -> ExperimentConfig:
    """Validate config ``text``; ``path`` only names the file in errors. Raises :class:`ConfigError`."""
    root, data = _read_yaml(text, path)
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        raise ConfigError(
            path,
            _line(root),
            "",
            f"the config must be a mapping of keys (name, function, dataset, ...), got {_describe(data)}",
        )
    try:
        return ExperimentConfig.model_validate(data, context={_FROM_FILE: True})
    except ValidationError as exc:
        issues = sorted(
            (_issue(error, root, path) for error in exc.errors()),
            key=lambda issue: issue.line if issue.line is not None else 0,
        )
    first = issues[0]
    first.issues = tuple(issues)
    raise first from None


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def config_error_at(path: str | os.PathLike[str], loc: Sequence[str | int], message: str) -> ConfigError:
    """A :class:`ConfigError` for a problem found after validation (an import that fails, a dataset file
    that is missing), pointing at the line of ``loc`` (e.g. ``("evaluators", 1)``) in the file."""
    shown = os.fspath(path)
    try:
        root, _ = _read_yaml(Path(shown).read_text(encoding="utf-8-sig"), shown)
    except (OSError, UnicodeDecodeError, ConfigError):
        return ConfigError(shown, None, ".".join(str(part) for part in loc), message)
    line, dotted = _locate(root, loc)
    return ConfigError(shown, line, dotted, message)


def _read_yaml(text: str, path: str) -> tuple[Node, Any]:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(path, None, "", "the config file is empty")
        _check_duplicates(root, path)  # before constructing, which flattens merge keys ("<<") in place
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(path, None if mark is None else mark.line + 1, "", _yaml_problem(exc)) from None
    except yaml.YAMLError as exc:  # a reader error (e.g. a control character) carries no mark
        raise ConfigError(path, None, "", f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "syntax error"
    if "'\\t'" in problem:
        return "invalid YAML: a tab character; YAML indentation must use spaces"
    if exc.context and exc.context.startswith("while "):
        return f"invalid YAML: {problem} ({exc.context})"
    if exc.context:  # e.g. "expected a single document in the stream, but found another document"
        return f"invalid YAML: {exc.context}, {problem}"
    return f"invalid YAML: {problem}"


def _key_value(node: Node) -> Any:
    """The Python value of a mapping key node, as PyYAML constructs it (the node's text when it cannot)."""
    if isinstance(node, ScalarNode):
        try:
            return SafeConstructor().construct_object(node, deep=True)
        except yaml.YAMLError:
            return node.value
    return None


def _check_duplicates(root: Node, path: str) -> None:
    """Raise on the first mapping (in document order) that repeats a key; PyYAML keeps the last silently."""
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    found: list[ConfigError] = []
    while stack:
        node, where = stack.pop()
        if id(node) in seen_nodes:  # aliases share nodes, and may be recursive
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first_line: dict[tuple[type, Any], int] = {}
            for key_node, value_node in node.value:
                key = _key_value(key_node)
                child = _join(where, str(key))
                if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    pass  # complex keys are rejected by the constructor; merge keys ("<<") may repeat
                elif (type(key), key) in first_line:
                    line = first_line[(type(key), key)]
                    found.append(
                        ConfigError(path, _line(key_node), child, f"duplicate key (first given on line {line})")
                    )
                else:
                    first_line[(type(key), key)] = _line(key_node)
                stack.append((value_node, child))
        elif isinstance(node, SequenceNode):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(node.value))
    if found:
        found.sort(key=lambda issue: issue.line or 0)
        found[0].issues = tuple(found)
        raise found[0]


def _join(prefix: str, segment: str) -> str:
    shown = segment or '""'  # an empty key stays visible: metrics.""
    return f"{prefix}.{shown}" if prefix else shown


def _find_key(node: MappingNode, segment: str | int) -> tuple[Node, Node] | None:
    for key_node, value_node in node.value:
        key = _key_value(key_node)
        if type(key) is type(segment) and key == segment:
            return key_node, value_node
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == str(segment):
            return key_node, value_node
    return None


def _locate(root: Node, loc: Sequence[str | int]) -> tuple[int, str]:
    """The line and dotted key of ``loc`` in the YAML tree.

    A key that exists points at its key's line, a list item at the item's line. A loc that leaves the tree
    (a missing key) points at the deepest mapping or item that exists, i.e. the parent's line.
    """
    node: Node | None = root
    line = _line(root)
    dotted = ""
    for segment in loc:
        if segment == "[key]":  # pydantic's marker for a dict key's own error: stay on the key's line
            continue
        if isinstance(node, MappingNode):
            pair = _find_key(node, segment)
            if pair is not None:
                line, node = _line(pair[0]), pair[1]
            else:
                node = None
            dotted = _join(dotted, str(segment))
        elif isinstance(node, SequenceNode) and isinstance(segment, int) and 0 <= segment < len(node.value):
            node = node.value[segment]
            line = _line(node)
            dotted = f"{dotted}[{segment}]"
        else:
            node = None
            dotted = f"{dotted}[{segment}]" if isinstance(segment, int) else _join(dotted, str(segment))
    return line, dotted


def _describe(value: object) -> str:
    """A value as the YAML author sees it: ``a string ('10')``, ``a list``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value:g})"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__} ({str(value)[:60]})"


_TYPE_MESSAGES: Final = {
    "model_type": "should be a mapping",
    "model_attributes_type": "should be a mapping",
    "dict_type": "should be a mapping",
    "list_type": "should be a list",
    "tuple_type": "should be a list",
    "invalid_key": "keys must be strings",
}


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    """The keys the model at ``loc`` accepts (empty when ``loc`` does not lead to a model)."""
    current: Any = ExperimentConfig
    for segment in (*loc, None):
        while True:  # unwrap Annotated[...] and X | None
            origin = typing.get_origin(current)
            if origin is Annotated:
                current = typing.get_args(current)[0]
            elif origin in (typing.Union, types.UnionType):
                current = next(arg for arg in typing.get_args(current) if arg is not type(None))
            else:
                break
        if segment is None:
            break
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(segment) if isinstance(segment, str) else None
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) in (dict, tuple):
            current = typing.get_args(current)[-1 if typing.get_origin(current) is dict else 0]
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _issue(error: ErrorDetails, root: Node, path: str) -> ConfigError:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _LocatedValueError):
        loc = (*loc, *cause.loc)
    line, dotted = _locate(root, loc)
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(unknown, allowed, n=1)
        message = f"unknown key {unknown!r}"
        if close:
            message += f"; did you mean {close[0]!r}?"
        if allowed:
            message += f" (allowed: {', '.join(allowed)})"
    elif kind == "missing":
        message = f"required key {str(loc[-1])!r} is missing"
    elif kind in ("value_error", "assertion_error"):
        message = str(cause) if cause is not None else error["msg"].removeprefix("Value error, ")
    else:
        message = _TYPE_MESSAGES.get(kind) or error["msg"]
        if message.startswith("Input should"):
            message = message.removeprefix("Input ")
        message = f"{message}, got {_describe(value)}"
        if isinstance(value, bool) and kind in ("string_type", "invalid_key"):
            message += "; YAML reads unquoted yes/no/on/off/true/false as booleans: quote it"
    return ConfigError(path, line, dotted, message)


# -------------------------------------------------------------------------------------- schema and identity


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the config file, as published for editors."""
    schema = _without_null(ExperimentConfig.model_json_schema(mode="validation"))
    return {"$schema": _SCHEMA_DIALECT, "$id": SCHEMA_ID, **schema, "title": _SCHEMA_TITLE}


def _without_null(schema: Any) -> Any:
    """No key takes null (an optional key is left out instead): ``{"anyOf": [X, {"type": "null"}], ...}``
    becomes ``{...X, ...}`` and ``"default": null`` goes."""
    if isinstance(schema, list):
        return [_without_null(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _without_null(value) for key, value in schema.items() if not (key == "default" and value is None)}
    branches = result.get("anyOf")
    if isinstance(branches, list) and {"type": "null"} in branches:
        rest = [branch for branch in branches if branch != {"type": "null"}]
        del result["anyOf"]
        if len(rest) == 1:
            result = {**rest[0], **result}
        else:
            result["anyOf"] = rest
    return result


def config_json_schema_text() -> str:
    """:func:`config_json_schema` serialized exactly as the committed ``schemas/experiment.schema.json``."""
    return json.dumps(config_json_schema(), indent=2, ensure_ascii=True) + "\n"


def config_hash(config: ExperimentConfig) -> str:
    """The sha256 (hex) of the validated config's canonical JSON, defaults included.

    Two files that mean the same experiment hash the same (key order, spelled-out defaults, an evaluator
    written as a string or as ``{path: ...}``); any change of meaning changes the hash. For run metadata.
    """
    canonical = json.dumps(
        config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

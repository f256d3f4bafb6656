"""The value types of the experiment file, and the vocabulary its validators share with the loader.

Owns the strict scalar types (no coercion, finite numbers), the checked string types (import paths,
repository-relative paths, format specs), the enums, and the three things :mod:`.model` and :mod:`.load` must
agree on: :class:`_LocatedValueError` (a validator's error for a key below the model), :func:`_describe` (a
value as the YAML author sees it) and ``_FROM_FILE`` (the validation context that marks data read from a file).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Final

from pydantic import AfterValidator, AllowInfNan, Field, Strict
from pydantic.json_schema import WithJsonSchema

from honeyhive_experiment.models.outcomes import excerpt

__all__ = [
    "LARGEST_INT",
    "AggregateFunction",
    "BaselineStrategy",
    "DatapointIds",
    "Direction",
    "FormatSpec",
    "ImportPath",
    "InstrumentName",
    "MetricName",
    "NonEmptyStr",
    "RepoPath",
    "split_import_path",
]

# An identifier in the JSON schema (ECMA and Python regexes alike, without Unicode classes): an ASCII letter or "_",
# or any non-ASCII character, then digits too. A superset of Python's identifiers (scoré is one): the model checks
# each part with str.isidentifier, as Python does.
_IDENT = r"(?:[A-Za-z_]|[^\x00-\x7f])(?:[A-Za-z0-9_]|[^\x00-\x7f])*"
_IMPORT_PATH_PATTERN: Final = rf"^{_IDENT}(\.{_IDENT})*:{_IDENT}(\.{_IDENT})*$"
_INSTRUMENT_PATTERN: Final = r"^[a-z0-9][a-z0-9_.-]*$"
_INSTRUMENT_RE: Final = re.compile(_INSTRUMENT_PATTERN)
_DATASET_SUFFIX_PATTERN: Final = r"\.([jJ][sS][oO][nN][lL]?|[cC][sS][vV])$"
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
# The validation context key that marks data read from a file (a name, not a module path: keep it stable).
_FROM_FILE: Final = "honeyhive_experiment.config:from_file"
_BASELINE_NAMED: Final = "honeyhive_experiment.config:baseline_named"
"""The validation context's mark of an invocation that names its baseline (``--baseline``, ``baseline-run-id``)."""


# ---------------------------------------------------------------------------------------------------- errors


class _LocatedValueError(ValueError):
    """A validator's error that belongs to a key below the model being validated (``loc`` is relative)."""

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


def shown_text(value: str) -> str:
    """A value of the file in a message: quoted whole (cut, before the redactor saw it, a piece of a secret could be
    left mid-line), or, when long, only its length (a 20,000-character line in the terminal says nothing more)."""
    return repr(value) if len(value) <= 200 else f"{len(value):,} characters, not shown"


def _describe(value: object) -> str:
    """A value as the YAML author sees it: ``a string ('10')``, ``a list``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):  # 0x and 5,000 f's: str() refuses over 4,300 digits
        return f"an integer ({value})" if abs(value) < 10**60 else "an integer (over 60 digits)"
    if isinstance(value, float):
        return f"a number ({value!r})"  # 4.0, not 4: an integer would have been accepted
    if isinstance(value, str):
        return f"a string ({shown_text(value)})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__} ({excerpt(str(value), 60)})"  # whole words: a secret's piece matches no pattern


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
    fix = _import_path_of(value)
    if ":" not in value:
        raise ValueError(
            f"no colon in {value!r}: write {fix or 'module.path:attr'!r} (a colon between the module and the attribute)"
        )
    parts = [part for half in split_import_path(value) for part in half.split(".")]
    if not all(part.isidentifier() for part in parts):  # what Python accepts: scoré too, not "app-bot" (nor a 2nd ":")
        made = f"{fix!r}" if fix else "'module.path:attr' made of Python identifiers"
        raise ValueError(f"not an import path: {value!r}; write {made}")
    reserved = [part for part in parts if keyword.iskeyword(part)]
    if reserved:
        raise ValueError(f"not an import path: {reserved[0]!r} in {value!r} is a Python keyword")
    return value


def _import_path_of(value: str) -> str | None:
    """The import path a dotted path without its colon (``myapp.bot.answer``) or a file's
    (``myapp/bot.py:answer``) means: ``myapp.bot:answer``; ``None`` when no such one is read from it."""
    module, colon, attr = value.partition(":")
    if not colon and value.endswith(".py"):  # a file, no attribute named
        return None
    module = module.replace("\\", "/").removeprefix("./").removesuffix(".py").replace("/", ".")
    if not colon:
        module, _, attr = module.rpartition(".")
    parts = [*module.split("."), *attr.split(".")]
    return f"{module}:{attr}" if all(p.isidentifier() and not keyword.iskeyword(p) for p in parts) else None


def _check_instrument(value: str) -> str:
    if not _INSTRUMENT_RE.match(value):
        raise ValueError(
            f"not a library name: {value!r}; write it as its package is named, in lower case, e.g. 'openai',"
            " 'anthropic' (or an instrumentation's package, e.g. 'openinference-instrumentation-openai')"
        )
    return value


def _check_relative(value: str) -> str:
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute():
        raise ValueError(f"an absolute path ({value!r}): give a path relative to the repository root")
    return value


_FORMAT_SIZE: Final = 30
"""The largest width or precision a format spec may ask for: a number in a table cell, not a page of digits."""


def _check_format_spec(value: str) -> str:
    if any(int(size) > _FORMAT_SIZE for size in re.findall(r"\d+", value)):
        raise ValueError(f"a format spec with a width or precision over {_FORMAT_SIZE}: {value!r}; try '.3f' or '.1%'")
    try:
        format(1234.5678, value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a valid format spec for a number: {value!r} ({exc}); try '.3f' or '.1%'") from None
    return value


_Str = Annotated[str, Strict()]
LARGEST_INT: Final = 2**63 - 1
"""The largest integer of the file (a 64-bit one): Python's are unbounded, but str() and JSON refuse one of over
4,300 digits, which ``0x`` and 5,000 ``f``'s is, and the run hashes and stamps the config as JSON."""
_Int = Annotated[int, Strict(), Field(le=LARGEST_INT)]
_Bool = Annotated[bool, Strict()]
_Number = Annotated[float, Strict(), AllowInfNan(False)]

NonEmptyStr = Annotated[_Str, AfterValidator(_check_text), WithJsonSchema({"type": "string", "minLength": 1})]
"""A string that is not empty, has no surrounding whitespace and no line breaks."""


def _check_metric_name(value: str) -> str:
    if "." in value:  # as evaluators.DOTTED_NAME says of a returned metric, before any datapoint runs
        raise ValueError(f"{value!r} has a '.': HoneyHive stores it as a nested field, not a metric; drop the dots")
    return value


MetricName = Annotated[
    NonEmptyStr,
    AfterValidator(_check_metric_name),
    WithJsonSchema({"type": "string", "minLength": 1, "pattern": "^[^.]+$"}),
]
"""A metric's name: a :data:`NonEmptyStr` without dots."""
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
InstrumentName = Annotated[
    _Str,
    AfterValidator(_check_instrument),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _INSTRUMENT_PATTERN,
            "description": "A library to instrument ('openai'), or the instrumentation package to use for it.",
        }
    ),
]
RepoPath = Annotated[
    NonEmptyStr,
    AfterValidator(_check_relative),
    WithJsonSchema({"type": "string", "minLength": 1, "description": "A path relative to the repository root."}),
]
FormatSpec = Annotated[
    _Str,
    AfterValidator(_check_format_spec),
    WithJsonSchema({"type": "string", "description": "A Python format spec for numbers, e.g. '.3f' or '.1%'."}),
]


# --------------------------------------------------------------------------------------------------- enums


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
    """How the baseline run is chosen among earlier runs of the same experiment ``name`` (never one made with
    uncommitted changes).

    * ``auto`` (default): the run for the merge-base commit of the PR head and the base branch, whatever its
      result; when there is none, the latest run on the base branch whose check passed;
    * ``merge-base``: only the run for the merge-base commit;
    * ``branch``: the latest run on the base branch whose check passed;
    * ``none``: no baseline is looked for and nothing is compared: the verdict is the backend's result alone (pass
      when every datapoint passed and the evaluation did not break, else fail; never neutral). A ``gate`` needs a
      baseline, so with ``none`` it is a configuration error. A run named for one invocation (``--baseline``, the
      ``baseline-run-id`` input) is still compared with.
    """

    AUTO = "auto"
    MERGE_BASE = "merge-base"
    BRANCH = "branch"
    NONE = "none"


class DatapointIds(StrEnum):
    """How a repository dataset's rows without their own ``id`` get one (a row's ``id`` always wins).

    * ``sdk`` (default): as the official SDK derives it, from the row's content and its position; an
      inserted, removed or reordered row changes the id of every row after it;
    * ``content``: from the row's content alone (identical rows told apart by occurrence), so inserting
      or reordering rows keeps every other row paired with the baseline; an edited row is a new one.
    """

    SDK = "sdk"
    CONTENT = "content"

"""The repository's experiment file (default ``.honeyhive/experiment.yml``) → a validated :class:`ExperimentConfig`.

One file describes one experiment. :func:`load_config` reads it (the only I/O here), :func:`parse_config`
validates text already read; both raise :class:`ConfigError`, which names the file, the 1-based line and the
dotted key of the problem::

    .honeyhive/experiment.yml:14: metrics.latency.direction: must be 'higher' or 'lower', got a string ('up')

Keys are dotted from the top of the file; list items are indexed from 0 in brackets
(``evaluators[1].path``). Whole-file problems (missing file, empty file) have no line and no key.

A message begins with a short word (``must``, ``an``, ``the``, ``no``, ``not``…), never with a longer one or a
quoted value: after a key the redactor takes for a secret's name (``api_key``, ``token``, ``cost_per_token``) the
error is its ``key: value`` secret shape, and a first word of 6 characters or more would be printed as ``***``
(``api_key: *** key 'api_key'``). ``tests/honeyhive_experiment/test_error_redaction.py`` builds them under such
keys, and every malformed case of ``test_config.py`` checks its message so.

Its modules are docs/architecture.md's (``config``); import everything from here: the names below are the package's
public surface.

The file
--------
Its keys are :class:`ExperimentConfig`'s fields, whose docstrings are the JSON Schema's descriptions; README's "The
experiment file" shows one with every section.

Paths in the file (``dataset.path``, ``comment.template``) are relative to the repository root (the
working directory the tool runs in), like ``function``; absolute paths are rejected because a committed
config must work in every checkout. Resolving them is the caller's job.

Rules
-----
* **Nothing unknown, nothing coerced.** Every mapping rejects unknown keys (saying where else one is a key, or
  "did you mean"); strings, integers and booleans are strict (``max_workers: "10"`` or ``name: yes`` is an
  error; a whole number is accepted where a number is expected); numbers must be finite.
* **No nulls in the file.** A key is either given a value or left out to take its default; ``key: null``
  (or a bare ``key:``) is an error. (Built in Python, an optional field takes ``None`` as usual; dump with
  ``model_dump(exclude_none=True)`` to get what a file would say.)
* **The YAML is read safely and literally**: ``yaml.SafeLoader`` only (``1e3`` is text, as YAML 1.1 reads it; a
  number key given it says how to write it); a mapping that repeats a key is an error (PyYAML would silently keep the
  last one); one document per file.

The gate
--------
``gate: {metric: {max_drop?, max_drop_pct?, max_degraded?}}``: an optional regression gate on the *backend's*
comparison with the baseline (nothing is recomputed). :class:`GateRule` says what each bound bounds (its docstrings
are the schema's descriptions), :mod:`honeyhive_experiment.verdict` how the comparison's numbers are judged by it.
"""

from __future__ import annotations

from honeyhive_experiment.config.fields import (
    AggregateFunction,
    BaselineStrategy,
    DatapointIds,
    Direction,
    split_import_path,
)
from honeyhive_experiment.config.load import all_of, config_error_at, declared_name, load_config, parse_config
from honeyhive_experiment.config.model import (
    BaselineConfig,
    CommentConfig,
    DatasetConfig,
    EvaluatorSpec,
    ExperimentConfig,
    GateRule,
    JudgingRules,
    MetricConfig,
    ModelPrice,
    PassingRangeConfig,
    VerdictConfig,
)
from honeyhive_experiment.config.schema import SCHEMA_ID, config_hash, config_json_schema, config_json_schema_text
from honeyhive_experiment.errors import ConfigError
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "SCHEMA_ID",
    "AggregateFunction",
    "BaselineConfig",
    "BaselineStrategy",
    "CommentConfig",
    "ConfigError",
    "DatapointIds",
    "DatasetConfig",
    "Direction",
    "EvaluatorSpec",
    "ExperimentConfig",
    "GateRule",
    "JudgingRules",
    "MetricConfig",
    "ModelPrice",
    "PassingRangeConfig",
    "VerdictConfig",
    "all_of",
    "config_error_at",
    "config_hash",
    "config_json_schema",
    "config_json_schema_text",
    "declared_name",
    "load_config",
    "parse_config",
    "split_import_path",
]

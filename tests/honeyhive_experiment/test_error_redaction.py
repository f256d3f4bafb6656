"""A config or settings error under a key whose name looks like a secret's (``api_key``, ``token``,
``cost_per_token``…) reads the same after redaction.

Errors render as ``file:line: key: message`` and ``input name: message``, which is the redactor's ``key: value``
secret shape when the key's last part is secret-like: a message that began with a long word lost it
(``api_key: *** key 'api_key'``). The redactor stays as it is; the messages begin so that it takes nothing.
Every error here is a real one: YAML text through the config loader, a mapping through :class:`Settings`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from honeyhive_experiment.config import ConfigError, parse_config
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.settings import INPUTS, Settings, SettingsError

pytestmark = pytest.mark.unit

# Lines 1-4; a case that appends to it starts on line 5.
BASE = """\
name: support-bot
function: app.bot:answer
dataset:
  path: data/questions.jsonl
"""

# names the redactor's ``key: value`` shape takes for a secret's (as a whole key, or the end of one)
SECRET_LIKE = ("api_key", "token", "password", "client-secret", "cost_per_token", "aws_secret_access_key")

# (YAML appended to BASE with {k} for the secret-like name, the error's dotted key)
CONFIG_CASES: list[Any] = [
    # unknown keys, at every level
    pytest.param("{k}: abc\n", "{k}", id="unknown-top"),
    pytest.param("  {k}: abc\n", "dataset.{k}", id="unknown-in-dataset"),
    pytest.param("comment:\n  {k}: abc\n", "comment.{k}", id="unknown-in-section"),
    pytest.param("metrics:\n  latency:\n    {k}: abc\n", "metrics.latency.{k}", id="unknown-in-metric"),
    pytest.param("pricing:\n  m: {{input: 1, output: 2, {k}: 3}}\n", "pricing.m.{k}", id="unknown-in-price"),
    pytest.param("evaluators:\n  - {{path: evals:exact, {k}: 1}}\n", "evaluators[0].{k}", id="unknown-in-evaluator"),
    pytest.param("gate:\n  accuracy: {{max_drop: 1, {k}: 2}}\n", "gate.accuracy.{k}", id="unknown-in-gate"),
    # a key given twice
    pytest.param("{k}: 1\n{k}: 2\n", "{k}", id="duplicate-top"),
    pytest.param("metrics:\n  {k}: {{}}\n  {k}: {{}}\n", "metrics.{k}", id="duplicate-metric"),
    # a metric, range, gate or price named so: the wrong type, null, a boolean
    pytest.param("metrics:\n  {k}: 3\n", "metrics.{k}", id="metric-int"),
    pytest.param("metrics:\n  {k}:\n", "metrics.{k}", id="metric-null"),
    pytest.param("metrics:\n  {k}: yes\n", "metrics.{k}", id="metric-bool"),
    pytest.param("metrics:\n  {k}: [lower]\n", "metrics.{k}", id="metric-list"),
    pytest.param("passing_ranges:\n  {k}: high\n", "passing_ranges.{k}", id="range-string"),
    pytest.param("passing_ranges:\n  {k}: 0.8\n", "passing_ranges.{k}", id="range-number"),
    pytest.param("gate:\n  {k}: [1]\n", "gate.{k}", id="gate-list"),
    pytest.param("pricing:\n  {k}: cheap\n", "pricing.{k}", id="price-string"),
    # ... whose own checks fail
    pytest.param("passing_ranges:\n  {k}: {{}}\n", "passing_ranges.{k}", id="range-no-bound"),
    pytest.param("passing_ranges:\n  {k}: {{min: 2, max: 1}}\n", "passing_ranges.{k}", id="range-min-gt-max"),
    pytest.param("gate:\n  {k}: {{}}\n", "gate.{k}", id="gate-no-bound"),
    pytest.param("gate:\n  {k}: {{max_worse: 1, max_drop: 1}}\n", "gate.{k}.max_worse", id="gate-same-bound"),
    pytest.param("pricing:\n  {k}: {{input: 1}}\n", "pricing.{k}.output", id="price-missing-required"),
    # ... and a bad value of each field below it
    pytest.param("metrics:\n  {k}: {{direction: up}}\n", "metrics.{k}.direction", id="enum"),
    pytest.param("metrics:\n  {k}: {{format: .2q}}\n", "metrics.{k}.format", id="format-spec"),
    pytest.param("metrics:\n  {k}: {{key: 'yes'}}\n", "metrics.{k}.key", id="bool"),
    pytest.param("metrics:\n  {k}: {{label: ''}}\n", "metrics.{k}.label", id="empty-string"),
    pytest.param("metrics:\n  {k}: {{label: 3}}\n", "metrics.{k}.label", id="string"),
    pytest.param("metrics:\n  {k}: {{label: null}}\n", "metrics.{k}.label", id="null"),
    pytest.param("passing_ranges:\n  {k}: {{min: .nan}}\n", "passing_ranges.{k}.min", id="finite-number"),
    pytest.param("passing_ranges:\n  {k}: {{min: x}}\n", "passing_ranges.{k}.min", id="number"),
    pytest.param("gate:\n  {k}: {{max_degraded: 1.5}}\n", "gate.{k}.max_degraded", id="int"),
    pytest.param("gate:\n  {k}: {{max_drop: -1}}\n", "gate.{k}.max_drop", id="bound"),
    pytest.param("pricing:\n  {k}: {{input: -1, output: 2}}\n", "pricing.{k}.input", id="price-negative"),
    # the name itself
    pytest.param('metrics:\n  " {k}": {{}}\n', "metrics. {k}", id="name-whitespace"),
]


@pytest.mark.parametrize("name", SECRET_LIKE)
@pytest.mark.parametrize(("appended", "key"), CONFIG_CASES)
def test_a_config_error_under_a_secret_like_key_survives_redaction(appended: str, key: str, name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + appended.format(k=name), path=".honeyhive/experiment.yml")

    located = [issue for issue in caught.value.issues if issue.key == key.format(k=name)]
    assert located, [str(issue) for issue in caught.value.issues]
    for issue in located:
        assert Redactor().redact(str(issue)) == str(issue)


def _secret_like(name: str) -> bool:
    """Whether the redactor takes what follows ``name: `` for a secret (the shape these errors have)."""
    return Redactor().redact(f"input {name}: abcdefgh") != f"input {name}: abcdefgh"


def test_the_names_here_are_ones_the_redactor_takes_for_secrets() -> None:
    assert all(_secret_like(name) for name in SECRET_LIKE)
    assert not _secret_like("fail-on-error")


def _from_args(variable: str) -> Callable[[str], Settings]:
    return lambda value: Settings.from_args({"command": "run", "dry_run": True}, {variable: value})


# how an input or a variable of a secret-like name is read; every input whose name is secret-like is here
SETTINGS_READERS: list[Any] = [
    *(
        pytest.param(spec.name, lambda value, env=spec.env: Settings.from_mapping({env: value}), id=spec.name)
        for spec in INPUTS
        if _secret_like(spec.name)
    ),
    pytest.param("HH_API_KEY", _from_args("HH_API_KEY"), id="HH_API_KEY"),
    pytest.param("HONEYHIVE_API_KEY", _from_args("HONEYHIVE_API_KEY"), id="HONEYHIVE_API_KEY"),
]

BAD_VALUES = ("hh key", "hh-key\nX-Injected: 1", "hh-key\x00", "hh-kéy")


def test_every_secret_like_input_is_read_here() -> None:
    assert {"api-key", "github-token"} <= {param.values[0] for param in SETTINGS_READERS}


@pytest.mark.parametrize("bad", BAD_VALUES)
@pytest.mark.parametrize(("name", "read"), SETTINGS_READERS)
def test_a_settings_error_under_a_secret_like_name_survives_redaction(
    name: str, read: Callable[[str], Settings], bad: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        read(bad)

    assert caught.value.name == name
    assert Redactor().redact(str(caught.value)) == str(caught.value)

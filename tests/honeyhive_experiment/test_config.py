"""The experiment file: a full valid config, defaults, every malformed case naming file:line:key, the schema."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import ValidationError

from honeyhive_experiment.config import (
    DEFAULT_CONFIG_PATH,
    SCHEMA_ID,
    AggregateFunction,
    BaselineStrategy,
    ConfigError,
    DatasetConfig,
    Direction,
    EvaluatorSpec,
    ExperimentConfig,
    GateRule,
    JudgingRules,
    MetricConfig,
    ModelPrice,
    PassingRangeConfig,
    VerdictConfig,
    config_hash,
    config_json_schema,
    config_json_schema_text,
    load_config,
    parse_config,
    split_import_path,
)
from honeyhive_experiment.report.redact import Redactor

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures" / "config"
VALID = FIXTURES / "valid.yml"
SCHEMA_FILE = (
    Path(__file__).resolve().parents[2] / "src" / "honeyhive_experiment" / "schemas" / "experiment.schema.json"
)

# Lines 1-4; a case that appends to it starts on line 5.
BASE = """\
name: support-bot
function: app.bot:answer
dataset:
  path: data/questions.jsonl
"""


# ------------------------------------------------------------------------------------------------ valid files


def test_full_valid_config_loads_every_field() -> None:
    config = load_config(VALID)

    assert config.version == 1
    assert config.name == "support-bot"
    assert config.function == "app.bot:answer"
    assert config.dataset == DatasetConfig(path="data/questions.jsonl", id="support-questions")
    assert config.dataset.file() is not None
    assert config.evaluators == (
        EvaluatorSpec(path="evals.quality:exact_match"),
        EvaluatorSpec(path="evals.quality:similarity", name="semantic_similarity"),
        EvaluatorSpec(path="evals.cost:LatencyEvaluator.score"),
    )
    assert config.passing_ranges == {
        "exact_match": PassingRangeConfig(min=0.8),
        "semantic_similarity": PassingRangeConfig(min=0.5, max=1.0),
        "latency_ms": PassingRangeConfig(max=2500.0),
    }
    assert config.metrics == {
        "exact_match": MetricConfig(label="Exact match", format=".1%", key=True),
        "latency_ms": MetricConfig(direction=Direction.LOWER, label="Latency (ms)", format=",.0f"),
    }
    assert config.aggregate_function is AggregateFunction.MEDIAN
    assert config.max_workers == 16
    assert config.timeout == 45.5
    assert config.baseline.strategy is BaselineStrategy.MERGE_BASE
    assert config.baseline.branch == "main"
    assert config.baseline.run_id is None
    assert config.baseline.max_age_days == 30
    assert config.ingestion.timeout == 90.0
    assert config.comment.template == ".honeyhive/comment.md.j2"
    assert config.comment.max_datapoints == 5
    assert config.comment.title == "Support bot quality"
    assert config.gate == {
        "exact_match": GateRule(max_drop_pct=5.0),
        "latency_ms": GateRule(max_drop=200.0, max_degraded=3, significant=False),
    }
    assert config.other_metrics == ("latency_ms",)
    assert config.verdict == VerdictConfig(allow_failed="5%", alpha=0.01)
    assert config.verdict.tolerated_failures(40) == 2
    assert config.instrument == ("openai", "openinference-instrumentation-anthropic")
    assert config.pricing == {"my-fine-tune": ModelPrice(input=0.3, output=1.2)}


def test_valid_config_round_trips_through_yaml_and_python() -> None:
    config = load_config(VALID)

    as_file = yaml.safe_dump(config.model_dump(mode="json", exclude_none=True), sort_keys=False)
    assert parse_config(as_file, path="round-trip.yml") == config
    assert ExperimentConfig.model_validate(config.model_dump()) == config
    assert config_hash(parse_config(as_file)) == config_hash(config)


def test_the_judging_rules_a_check_stamps_judge_another_file_as_this_one() -> None:
    """``rules()`` (what a check stamps on its run, as JSON) validated back replaces another file's rules, so a
    publish job with the default branch's file judges as the pull request's check did; the types are the file's."""
    config = load_config(VALID)
    other = parse_config(BASE)
    stamped = JudgingRules.model_validate(json.loads(json.dumps(config.rules())))

    judged = other.judged_by(stamped)
    assert {name: getattr(judged, name) for name in JudgingRules.model_fields} == {
        name: getattr(config, name) for name in JudgingRules.model_fields
    }
    assert (judged.name, judged.dataset) == (other.name, other.dataset)
    assert parse_config(BASE).rules() == {}  # defaults are left out: the stamp stays small
    for name, field in JudgingRules.model_fields.items():
        assert field.annotation == ExperimentConfig.model_fields[name].annotation, name


def test_defaults_of_a_minimal_config() -> None:
    config = parse_config("name: nightly\nfunction: app:run\ndataset: {name: golden-set}\n")

    assert config.version == 1
    assert config.dataset == DatasetConfig(name="golden-set")
    assert config.dataset.file() is None
    assert config.evaluators == ()
    assert config.passing_ranges == {}
    assert config.metrics == {}
    assert config.aggregate_function is AggregateFunction.AVERAGE
    assert config.max_workers == 10
    assert config.timeout == 300.0
    assert config.baseline.strategy is BaselineStrategy.AUTO
    assert (config.baseline.branch, config.baseline.run_id, config.baseline.max_age_days) == (None, None, None)
    assert config.ingestion.timeout == 120.0
    assert config.comment.template is None
    assert config.comment.max_datapoints == 20
    assert config.comment.title is None
    assert config.gate == {}
    assert (config.instrument, config.pricing) == ((), {})
    assert config.metric("accuracy") == MetricConfig(direction=Direction.HIGHER, label=None, format=None, key=False)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "experiment.yml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_config(path).name == "support-bot"


def test_load_config_defaults_to_the_repository_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert caught.value.path == DEFAULT_CONFIG_PATH == ".honeyhive/experiment.yml"
    (tmp_path / ".honeyhive").mkdir()
    (tmp_path / ".honeyhive" / "experiment.yml").write_text(BASE)
    assert load_config().name == "support-bot"


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (
            "timeout: 1e3",
            "timeout: must be a valid number, got a string ('1e3'); YAML 1.1 reads a number with an exponent"
            " only with a dot and a sign: write 1000.0",
        ),
        ("verdict: {alpha: 1e-2}", "write 0.01"),
        ("ingestion: {timeout: 1.5E3}", "write 1500.0"),
        ("timeout: .5e1", "write 5.0"),
        ("timeout: 1e300", "write 1.0e+300"),
    ],
    ids=["exponent", "negative-exponent", "capital-e", "leading-dot", "still-an-exponent"],
)
def test_a_number_with_an_exponent_yaml_1_1_reads_as_text_says_how_to_write_it(extra: str, said: str) -> None:
    """YAML 1.1 reads ``1e3`` (no dot, or no sign) as text; JSON Schema editors and YAML 1.2 read a number. Read as
    one here, a text field in that form (a name, a commit-like id) would stop being text: a number field says how."""
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE.replace("path: data/questions.jsonl", "id: abc") + extra + "\n")
    assert said in str(caught.value), str(caught.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            BASE.replace("dataset:\n  path: data/questions.jsonl", "dataset: data/questions.jsonl"),
            ":3: dataset: must be a mapping, got a string ('data/questions.jsonl'); write `dataset: {path:"
            " data/questions.jsonl}`",
        ),
        (
            BASE + "gate:\n  score: {max_drop_pct: 5%}\n",
            ":6: gate.score.max_drop_pct: must be a valid number, got a string ('5%'); write 5 (max_drop_pct is in"
            " percent, without the %)",
        ),
        (
            BASE + "gate:\n  score: {max_drop: 2.5 %}\n",
            "gate.score.max_drop: must be a valid number, got a string ('2.5 %'); max_drop is in the metric's units:"
            " for 2.5% of the baseline write max_drop_pct: 2.5",
        ),
        (
            BASE + "max_workers: 5%\n",
            "max_workers: must be a valid integer, got a string ('5%'); write a number, without the % ('5%' is taken"
            " by verdict.allow_failed and allow_evaluator_errors)",
        ),
        (
            BASE + "aggregate_function: mean\n",
            "or 'count', got a string ('mean'); did you mean 'average'?",  # not 'median', the closest spelling
        ),
        (BASE + "baseline: {strategy: merge_base}\n", "got a string ('merge_base'); did you mean 'merge-base'?"),
        (BASE + "aggregate_function: p90th\n", "got a string ('p90th')"),  # too far from any: no guess
    ],
    ids=["dataset-string", "pct-percent", "drop-percent", "count-percent", "mean", "merge_base", "far"],
)
def test_a_value_of_the_wrong_type_says_what_to_write(tmp_path: Path, text: str, said: str) -> None:
    """Said before: "must be a mapping, got a string", "must be a valid number", an enum's choices without the one
    meant (new-user audit R8)."""
    (path := tmp_path / "experiment.yml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).endswith(said), str(caught.value)


@pytest.mark.parametrize("value", ["6650e01234567890123456", "2e5", "1e3"])
def test_a_name_in_the_form_of_a_yaml_1_2_number_stays_text(value: str) -> None:
    """``6650e0123…`` (a hex id) and ``2e5`` are text to YAML 1.1: names and ids keep them as written."""
    text = BASE.replace("support-bot", value).replace("path: data/questions.jsonl", f"id: {value}")
    config = parse_config(text)
    assert (config.name, config.dataset.id) == (value, value)


def test_timeout_in_yaml_1_1_exponent_form_is_a_number() -> None:
    assert parse_config(BASE.replace("path: data/questions.jsonl", "id: abc") + "timeout: 1.0e+3\n").timeout == 1000.0


def test_config_is_frozen() -> None:
    config = parse_config(BASE)
    with pytest.raises(ValidationError):
        config.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        config.dataset.path = "x.csv"  # type: ignore[misc]


def test_merge_keys_and_anchors_are_read_without_false_duplicates() -> None:
    text = BASE + "metrics:\n  a: &m {direction: lower, key: true}\n  b:\n    <<: *m\n    direction: higher\n"
    config = parse_config(text)
    assert config.metrics["a"] == MetricConfig(direction=Direction.LOWER, key=True)
    assert config.metrics["b"] == MetricConfig(direction=Direction.HIGHER, key=True)


def test_helpers_for_the_run() -> None:
    config = load_config(VALID)
    assert config.wire_passing_ranges() == {
        "exact_match": {"min": 0.8},
        "semantic_similarity": {"min": 0.5, "max": 1.0},
        "latency_ms": {"max": 2500.0},
    }
    assert config.metric("latency_ms").direction is Direction.LOWER
    assert config.dataset.file("/repo") == Path("/repo/data/questions.jsonl")
    assert DatasetConfig(id="abc").file() is None
    assert DatasetConfig(name="golden").file() is None
    assert split_import_path("pkg.mod:Cls.method") == ("pkg.mod", "Cls.method")


def test_evaluator_string_and_mapping_forms_are_the_same() -> None:
    short = parse_config(BASE + "evaluators: [evals:exact]\n")
    long = parse_config(BASE + "evaluators:\n  - path: evals:exact\n")
    assert short.evaluators == long.evaluators == (EvaluatorSpec(path="evals:exact", name=None),)


def test_none_is_an_optional_fields_value_when_built_in_python() -> None:
    metric = MetricConfig.model_validate({"direction": "lower", "label": None})
    assert metric.label is None
    with pytest.raises(ConfigError, match="must not be null"):
        parse_config(BASE + "metrics:\n  m:\n    label: null\n")


# ---------------------------------------------------------------------------------------------- config hash


def test_config_hash_is_sha256_of_canonical_json() -> None:
    config = load_config(VALID)
    canonical = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    assert config_hash(config) == hashlib.sha256(canonical.encode()).hexdigest()


def test_config_hash_ignores_spelling_but_not_meaning() -> None:
    plain = parse_config(BASE + "evaluators: [evals:exact]\n")
    spelled_out = parse_config(
        "max_workers: 10\n"
        "dataset: {path: data/questions.jsonl}\n"
        "function: app.bot:answer\n"
        "evaluators:\n  - {path: evals:exact}\n"
        "baseline: {strategy: auto}\n"
        "version: 1\n"
        "name: support-bot\n"
    )
    changed = parse_config(BASE + "evaluators: [evals:exact]\nmax_workers: 11\n")

    assert config_hash(plain) == config_hash(spelled_out)
    assert config_hash(plain) != config_hash(changed)
    assert len(config_hash(plain)) == 64


def test_an_escaped_surrogate_pair_is_its_character_as_in_json() -> None:
    """json.dumps writes 🙂 as "\\ud83d\\ude42"; PyYAML read it as two lone surrogates, which validate took and run's
    config_hash crashed on (UnicodeEncodeError, no line): it is the character, as JSON and YAML 1.2 mean it, spelt
    any of the three ways, a key's too."""
    escaped = parse_config(
        BASE + 'evaluators: [{path: m:s, name: "s\\ud83d\\ude42"}]\nmetrics: {"s\\ud83d\\ude42": {}}\n'
    )
    written = parse_config(BASE + "evaluators: [{path: m:s, name: s\U0001f642}]\nmetrics: {s\U0001f642: {}}\n")
    assert escaped.evaluators[0].name == "s\U0001f642"
    assert list(escaped.metrics) == ["s\U0001f642"]
    assert config_hash(escaped) == config_hash(written)
    assert config_hash(parse_config(BASE + 'comment: {title: "\\U0001F642"}\n')) == config_hash(
        parse_config(BASE + 'comment: {title: "\\ud83d\\ude42"}\n')
    )


A_RUN = "6650e012-3456-4890-abcd-ef0123456789"


@pytest.mark.parametrize(
    "pinned",
    [
        A_RUN,
        A_RUN.upper(),  # looked up as the runs are named (baseline.choose_baseline), kept as written
        A_RUN.replace("-", ""),
        "A1B2C3D4E5F60718293A4B5C6D7E8F90",  # 32 hex digits may be a commit's first 32, too: only the lookup knows
        "6650E0123456",
        "Feature/X",
    ],
)
def test_a_pinned_run_id_is_read_as_written(pinned: str) -> None:
    """``baseline: {run_id: …}`` is a run id, a commit or a branch as written (a commit's first 32 hex digits were
    once rewritten into a run id, and never looked for), as the rules a check stamps on a run are read."""
    assert parse_config(BASE + f"baseline: {{run_id: {pinned}}}\n").baseline.run_id == pinned
    assert JudgingRules.model_validate({"baseline": {"run_id": pinned}}).baseline.run_id == pinned


@pytest.mark.parametrize(
    ("worse", "drop"),
    [("max_worse_pct: 10", "max_drop_pct: 10"), ("max_worse: 0.5", "max_drop: 0.5"), ("max_worse: 0", "max_drop: 0")],
)
def test_max_worse_is_max_drop_under_another_name(worse: str, drop: str) -> None:
    as_worse = parse_config(BASE + f"gate:\n  cost_usd: {{{worse}, max_degraded: 3}}\n")
    as_drop = parse_config(BASE + f"gate:\n  cost_usd: {{{drop}, max_degraded: 3}}\n")
    assert as_worse == as_drop
    assert config_hash(as_worse) == config_hash(as_drop)
    assert GateRule(**yaml.safe_load("{" + worse + "}"), max_degraded=3) == as_drop.gate["cost_usd"]


@pytest.mark.parametrize(
    "tail",
    [
        "baseline: {strategy: none}\n",
        "baseline: {strategy: none}\ngate: {}\n",  # no gate at all
        "baseline: {run_id: abc}\ngate:\n  accuracy: {max_drop: 0.1}\n",  # a pinned run is a baseline
        "baseline: {strategy: branch}\ngate:\n  accuracy: {max_drop: 0.1}\n",
    ],
)
def test_a_gate_is_refused_only_where_nothing_is_compared(tail: str) -> None:
    assert parse_config(BASE + tail).baseline is not None


# ------------------------------------------------------------------------------------------ malformed configs

MALFORMED: list[Any] = [
    # unknown keys
    pytest.param(BASE + "evaluator:\n  - evals:exact\n", 5, "evaluator", "did you mean 'evaluators'", id="unknown-top"),
    pytest.param(
        BASE + "metrics:\n  accuracy:\n    directon: lower\n",
        7,
        "metrics.accuracy.directon",
        "did you mean 'direction'",
        id="unknown-nested",
    ),
    pytest.param(BASE + "  format: csv\n", 5, "dataset.format", "unknown key", id="unknown-in-dataset"),
    pytest.param(BASE + "comment:\n  max_datapoint: 3\n", 6, "comment.max_datapoint", "max_datapoints", id="typo"),
    pytest.param(BASE + "1: one\n", 5, "1", "keys must be strings", id="non-string-key"),
    # metric names: a dot would make the metric a nested field in HoneyHive, in every report "no value"
    pytest.param(BASE + "gate:\n  a.b: {max_drop: 1}\n", 6, "gate.a.b", "has a '.'", id="metric-dotted"),
    pytest.param(
        BASE + "evaluators:\n  - {path: e:f, name: a.b}\n", 6, "evaluators[0].name", "drop the dots", id="eval-dotted"
    ),
    # name
    pytest.param(BASE.replace("support-bot", '""'), 1, "name", "empty", id="name-empty"),
    pytest.param(BASE.replace("support-bot", "'  bot'"), 1, "name", "whitespace", id="name-whitespace"),
    pytest.param(BASE.replace("support-bot", "42"), 1, "name", "valid string", id="name-int"),
    pytest.param(BASE.replace("support-bot", "yes"), 1, "name", "quote it", id="name-yes-is-a-boolean"),
    pytest.param(BASE.replace("name: support-bot\n", ""), 1, "name", "missing", id="name-missing"),
    # function
    pytest.param(BASE.replace("app.bot:answer", "app.bot.answer"), 2, "function", "colon", id="function-no-colon"),
    pytest.param(BASE.replace("app.bot:answer", "app-bot:answer"), 2, "function", "import path", id="function-bad"),
    pytest.param(BASE.replace("app.bot:answer", "app.class:answer"), 2, "function", "keyword", id="function-kw"),
    pytest.param(BASE.replace("app.bot:answer", "app.bot:a:b"), 2, "function", "import path", id="function-2-colons"),
    pytest.param(BASE.replace("app.bot:answer", "app.€:answer"), 2, "function", "import path", id="function-euro"),
    pytest.param(BASE.replace("app.bot:answer", "app.bot:2nd"), 2, "function", "import path", id="function-digit"),
    pytest.param(BASE.replace("app.bot:answer", "[a, b]"), 2, "function", "valid string", id="function-list"),
    # dataset
    pytest.param(BASE + "  name: golden\n", 5, "dataset.name", "not both", id="dataset-path-and-name"),
    pytest.param(
        BASE.replace("path: data/questions.jsonl", "id: abc\n  name: golden"),
        5,
        "dataset.name",
        "not both",
        id="dataset-id-and-name",
    ),
    pytest.param(BASE.replace("\n  path: data/questions.jsonl", " {}"), 3, "dataset", "no dataset source", id="none"),
    pytest.param(BASE.replace(".jsonl", ".txt"), 4, "dataset.path", "dataset file type ('.txt')", id="dataset-ext"),
    pytest.param(BASE.replace("data/", "/data/"), 4, "dataset.path", "absolute", id="dataset-absolute"),
    pytest.param(
        BASE.replace("\n  path: data/questions.jsonl", " data/q.jsonl"), 3, "dataset", "mapping", id="dataset-str"
    ),
    pytest.param(BASE.replace("dataset:\n  path: data/questions.jsonl\n", ""), 1, "dataset", "missing", id="no-ds"),
    pytest.param(
        BASE + "  datapoint_id: content\n", 5, "dataset.datapoint_id", "did you mean 'datapoint_ids'", id="ids"
    ),
    pytest.param(BASE + "  datapoint_ids: hash\n", 5, "dataset.datapoint_ids", "'sdk' or 'content'", id="ids-value"),
    pytest.param(
        BASE.replace("path: data/questions.jsonl", "name: golden\n  datapoint_ids: content"),
        5,
        "dataset.datapoint_ids",
        "only applies to a repository file",
        id="ids-managed",
    ),
    # evaluators
    pytest.param(BASE + "evaluators:\n  - evals:exact\n  - 42\n", 7, "evaluators[1]", "'module:attr'", id="eval-int"),
    pytest.param(BASE + "evaluators: evals:exact\n", 5, "evaluators", "must be a list", id="eval-not-list"),
    pytest.param(BASE + "evaluators:\n  - name: exact\n", 6, "evaluators[0].path", "missing", id="eval-no-path"),
    pytest.param(BASE + "evaluators:\n  - {path: evals.exact}\n", 6, "evaluators[0].path", "colon", id="eval-path"),
    pytest.param(
        BASE + "evaluators:\n  - evals:exact\n  - evals:exact\n", 7, "evaluators[1]", "duplicate", id="eval-dup"
    ),
    pytest.param(
        BASE + "evaluators:\n  - {path: evals:exact, name: x, weight: 2}\n",
        6,
        "evaluators[0].weight",
        "unknown key",
        id="eval-unknown-key",
    ),
    # passing ranges
    pytest.param(
        BASE + "passing_ranges:\n  accuracy: {min: 0.9, max: 0.5}\n",
        6,
        "passing_ranges.accuracy",
        "greater than max",
        id="range-min-gt-max",
    ),
    pytest.param(BASE + "passing_ranges:\n  accuracy: {}\n", 6, "passing_ranges.accuracy", "at least one", id="empty"),
    pytest.param(
        BASE + "passing_ranges:\n  accuracy:\n    min: high\n",
        7,
        "passing_ranges.accuracy.min",
        "valid number",
        id="range-string",
    ),
    pytest.param(
        BASE + "passing_ranges:\n  accuracy: {max: .nan}\n", 6, "passing_ranges.accuracy.max", "finite", id="nan"
    ),
    # issue 21: a NaN bound would make every value pass; the backend refuses "NaN" too, this never sends it
    pytest.param(
        BASE + 'passing_ranges:\n  accuracy:\n    min: "NaN"\n',
        7,
        "passing_ranges.accuracy.min",
        "valid number, got a string ('NaN')",
        id="nan-string",
    ),
    pytest.param(
        BASE + "passing_ranges:\n  accuracy: {min: -.inf, max: 1}\n",
        6,
        "passing_ranges.accuracy.min",
        "finite",
        id="minus-infinity",
    ),
    pytest.param(BASE + "passing_ranges:\n  accuracy: 0.8\n", 6, "passing_ranges.accuracy", "mapping", id="range-num"),
    # metrics
    pytest.param(
        BASE + "metrics:\n  latency:\n    direction: up\n",
        7,
        "metrics.latency.direction",
        "'higher' or 'lower'",
        id="bad-direction",
    ),
    pytest.param(
        BASE + "metrics:\n  latency:\n    format: .2q\n", 7, "metrics.latency.format", "format spec", id="bad-format"
    ),
    pytest.param(BASE + "metrics:\n  latency: {key: 'yes'}\n", 6, "metrics.latency.key", "valid boolean", id="key"),
    pytest.param(BASE + "metrics:\n  - accuracy\n", 5, "metrics", "must be a mapping", id="metrics-list"),
    pytest.param(BASE + 'metrics:\n  "": {key: true}\n', 6, 'metrics.""', "empty", id="metric-name-empty"),
    # a key with a line break was shown raw, so the error's "file:line: key" broke over two lines
    pytest.param(
        BASE + 'metrics:\n  "a\\nb": {key: true}\n', 6, 'metrics."a\\nb"', "line breaks", id="metric-name-newline"
    ),
    # scalars
    # a name of 80,000 characters ended a run in "unexpected InvalidURL" (it goes into the backend's query strings)
    pytest.param(
        BASE.replace("support-bot", "n" * 201), 1, "name", "at most 200 characters, got 201", id="name-too-long"
    ),
    pytest.param(BASE + "aggregate_function: mean\n", 5, "aggregate_function", "'median'", id="aggregate-unknown"),
    pytest.param(BASE + "max_workers: 0\n", 5, "max_workers", "greater than or equal to 1", id="workers-0"),
    pytest.param(BASE + "max_workers: 1000\n", 5, "max_workers", "less than or equal to 256", id="workers-1000"),
    pytest.param(BASE + "max_workers: '10'\n", 5, "max_workers", "valid integer", id="workers-string"),
    pytest.param(BASE + "max_workers: 2.5\n", 5, "max_workers", "valid integer", id="workers-float"),
    pytest.param(BASE + "trials: 0\n", 5, "trials", "greater than or equal to 1", id="trials-0"),
    pytest.param(BASE + "trials: 101\n", 5, "trials", "less than or equal to 100", id="trials-101"),
    pytest.param(BASE + "trials: x\n", 5, "trials", "valid integer", id="trials-x"),
    pytest.param(BASE + "timeout: -1\n", 5, "timeout", "greater than 0", id="timeout-negative"),
    pytest.param(BASE + "timeout: true\n", 5, "timeout", "valid number", id="timeout-bool"),
    # baseline, ingestion, comment
    pytest.param(BASE + "baseline:\n  strategy: latest\n", 6, "baseline.strategy", "'merge-base'", id="strategy"),
    pytest.param(
        BASE + "baseline:\n  run_id: abc\n  branch: main\n", 7, "baseline.branch", "run_id pins", id="pinned-branch"
    ),
    pytest.param(
        BASE + "baseline:\n  strategy: none\n  max_age_days: 3\n",
        7,
        "baseline.max_age_days",
        "strategy 'none'",
        id="none-with-age",
    ),
    pytest.param(BASE + "baseline: {max_age_days: 0}\n", 5, "baseline.max_age_days", "greater than", id="age-0"),
    # a gate compares with the baseline: with strategy none it was silently dead, and the check green for ever
    pytest.param(
        BASE + "baseline: {strategy: none}\ngate:\n  accuracy: {max_drop: 0.1}\n",
        6,
        "gate",
        "baseline.strategy is none (no baseline, no comparison), so it could never fail",
        id="gate-without-baseline",
    ),
    pytest.param(
        BASE + "gate:\n  accuracy: {max_drop: 0.1}\nbaseline:\n  strategy: none\n",
        5,
        "gate",
        "remove gate, choose another baseline strategy, or name the baseline",
        id="gate-before-strategy-none",
    ),
    pytest.param(BASE + "baseline:\n", 5, "baseline", "must not be null", id="section-null"),
    pytest.param(BASE + "ingestion:\n  timeout: 0\n", 6, "ingestion.timeout", "greater than 0", id="ingestion-0"),
    pytest.param(
        BASE + "comment:\n  max_datapoints: -1\n", 6, "comment.max_datapoints", "greater than or equal", id="rows"
    ),
    pytest.param(BASE + "comment:\n  template: ''\n", 6, "comment.template", "empty", id="template-empty"),
    # gate
    pytest.param(
        BASE + "gate:\n  accuracy: {max_regression: 0.1}\n",
        6,
        "gate.accuracy.max_regression",
        "unknown key",
        id="gate-unknown-field",
    ),
    pytest.param(BASE + "gate:\n  accuracy: {}\n", 6, "gate.accuracy", "at least one of", id="gate-empty-rule"),
    pytest.param(
        BASE + "gate:\n  accuracy:\n    max_degraded: 1.5\n",
        7,
        "gate.accuracy.max_degraded",
        "valid integer",
        id="gate-degraded-float",
    ),
    pytest.param(BASE + "gate:\n  accuracy: {max_drop: -1}\n", 6, "gate.accuracy.max_drop", "greater than", id="drop"),
    pytest.param(
        BASE + "gate:\n  cost_usd: {max_worse_pct: -1}\n", 6, "gate.cost_usd.max_worse_pct", "greater than", id="worse"
    ),
    pytest.param(
        BASE + "gate:\n  cost_usd:\n    max_drop_pct: 5\n    max_worse_pct: 10\n",
        8,
        "gate.cost_usd.max_worse_pct",
        "the same bound",
        id="worse-and-drop",
    ),
    # version
    pytest.param("version: 2\n" + BASE, 1, "version", "reads config version 1 only, got 2", id="version-2"),
    pytest.param("version: '1'\n" + BASE, 1, "version", "integer 1", id="version-string"),
    # the YAML itself
    # where PyYAML noticed it, and where the list, mapping or quote left open starts: the line to look at
    pytest.param(
        BASE + "metrics: [a, b\nmax_workers: 3\n",
        6,
        "",
        "invalid YAML: expected ',' or ']', but got ':' (in the list [...] that starts at line 5)",
        id="yaml-syntax",
    ),
    pytest.param(
        BASE + "metrics:\n  m: {direction: higher,\n  label: x\n",
        8,
        "",
        "(in the mapping {...} that starts at line 6)",
        id="yaml-open-mapping",
    ),
    pytest.param(BASE + "metrics: {a: b]\n", 5, "", "but got ']' (in the mapping {...})", id="yaml-same-line"),
    pytest.param(
        BASE + 'comment:\n  title: "unterminated\n',
        7,
        "",
        "(in the quoted string that starts at line 6)",
        id="yaml-open-quote",
    ),
    # a block leaves nothing open: "in the mapping that starts at line 1" sent the reader to the file's first line
    pytest.param(
        BASE + " evaluators: [m:e]\n",
        5,
        "",
        "invalid YAML: a key at an indentation that fits no level (the mapping before it starts at line 1, column 1)",
        id="yaml-key-indented",
    ),
    pytest.param(
        BASE + "dataset2:\n  path: a\n  - b\n",
        7,
        "",
        "a list item at an indentation that fits no level (the mapping before it starts at line 6, column 3)",
        id="yaml-item-among-keys",
    ),
    # an item indented past the one above is that item's text: the raw "mapping values are not allowed here" alone
    pytest.param(
        BASE + "evaluators:\n - m:e\n  - {path: m:f, name: r}\n",
        7,
        "",
        "invalid YAML: mapping values are not allowed here: this line is indented deeper than the one above (2"
        " spaces, not 1), so YAML reads it as the rest of that line's value; indent it as that line is",
        id="yaml-item-indented-deeper",
    ),
    pytest.param(BASE + "name2: a b: c\n", 5, "", "invalid YAML: mapping values are not allowed here", id="yaml-colon"),
    pytest.param(BASE + "metrics:\n\tlatency: {}\n", 6, "", "tab", id="tab-indentation"),
    # a tab after a key's colon is no indentation, which the error said it was
    pytest.param(
        BASE + "metrics:\n  latency:\t{}\n",
        6,
        "",
        "invalid YAML: a tab character (column 11); YAML separates with spaces: use a space",
        id="tab-after-a-colon",
    ),
    # PyYAML composes recursively: a RecursionError traceback (exit 1) from validate
    pytest.param("a: " + "[" * 10000 + "]" * 10000 + "\n", None, "", "nested too deeply", id="yaml-too-deep"),
    # half of a surrogate pair, alone, is no character: validate said ok, run crashed in config_hash
    pytest.param(
        BASE + 'evaluators:\n  - {path: m:s, name: "s\\ud83d"}\n',
        6,
        "evaluators[0].name",
        "the escape \\ud83d is half of a UTF-16 surrogate pair, which is no character alone",
        id="lone-surrogate-escape",
    ),
    pytest.param(
        BASE + 'metrics:\n  "\\udc00x": {}\n', 6, 'metrics."\\udc00x"', "\\udc00 is half", id="lone-surrogate-key"
    ),
    # PyYAML counts U+0085, U+2028 and U+2029 as line breaks, editors, grep -n and GitHub do not: every line after one
    # was said a line too far (7, 3, 8)
    pytest.param(
        BASE + 'comment: {title: "a\u2028b\u2029c"}\nmax_workers: many\n',
        6,
        "max_workers",
        "must be a valid integer",
        id="line-separators-in-a-value",
    ),
    pytest.param(  # the comment's rest is read as YAML: where is said
        "# note\u2028more\n" + BASE,
        2,
        "",
        "invalid YAML: mapping values are not allowed here; line 1 has a U+2028 (LINE SEPARATOR), which YAML 1.1 (this"
        " reader) takes for a line break: remove it",
        id="line-separator-in-a-comment",
    ),
    pytest.param(
        BASE + 'comment: {title: "a\x85b"}\nmetrics:\n  latency:\t{}\n',
        7,
        "",
        "invalid YAML: a tab character (column 11); YAML separates with spaces: use a space",
        id="next-line-before-a-tab",
    ),
    pytest.param("- name: a\n- name: b\n", 1, "", "must be a mapping", id="top-level-list"),
    pytest.param("\n\njust a sentence\n", 3, "", "got a string", id="top-level-scalar"),
    pytest.param("", None, "", "empty", id="empty-file"),
    pytest.param("# nothing configured yet\n", None, "", "empty", id="comments-only"),
    pytest.param(BASE + "name: other-bot\n", 5, "name", "duplicate key (first given on line 1)", id="duplicate-key"),
    pytest.param(
        BASE + "metrics:\n  accuracy:\n    direction: lower\n    direction: higher\n",
        8,
        "metrics.accuracy.direction",
        "duplicate key",
        id="duplicate-nested-key",
    ),
    pytest.param(BASE + "---\nname: b\n", 5, "", "single document", id="two-documents"),
    # instrument, pricing
    pytest.param(BASE + "instrument: openai\n", 5, "instrument", "must be a list", id="instrument-not-a-list"),
    pytest.param(BASE + "instrument: [OpenAI]\n", 5, "instrument[0]", "lower case", id="instrument-case"),
    pytest.param(
        BASE + "instrument:\n  - openai\n  - openai\n", 7, "instrument[1]", "listed twice", id="instrument-twice"
    ),
    pytest.param(
        BASE + "pricing:\n  my-ft: {input: 0.5}\n", 6, "pricing.my-ft.output", "missing", id="pricing-output-missing"
    ),
    pytest.param(
        BASE + "pricing:\n  my-ft: {input: -1, output: 2}\n",
        6,
        "pricing.my-ft.input",
        "greater than or equal to 0",
        id="pricing-negative",
    ),
    pytest.param(
        BASE + "pricing:\n  my-ft: {input: '1', output: 2}\n", 6, "pricing.my-ft.input", "number", id="pricing-string"
    ),
    # a scalar PyYAML's constructors cannot read raised their ValueError/KeyError/AttributeError: a traceback, exit 1,
    # and in run/action no report (the error handler read the file again and crashed a second time)
    pytest.param(
        BASE + "comment: {title: 2024-13-45}\n",
        5,
        "comment.title",
        "not a valid date ('2024-13-45': month must be in 1..12); quote it",
        id="yaml-date-month",
    ),
    pytest.param(BASE + "branch: 2025-02-30\n", 5, "branch", "day is out of range for month", id="yaml-date-day"),
    pytest.param(
        BASE + "timeout: !!float ten\n",
        5,
        "timeout",
        "not a valid number ('ten') for its tag !!float",
        id="yaml-float-tag",
    ),
    pytest.param(
        BASE + "metrics: {m: {key: !!bool maybe}}\n",
        5,
        "metrics.m.key",
        "not a valid boolean ('maybe')",
        id="yaml-bool-tag",
    ),
    pytest.param(BASE + "max_workers: !!int ten\n", 5, "max_workers", "not a valid integer ('ten')", id="yaml-int-tag"),
    pytest.param(
        BASE + "comment:\n  title: !!timestamp soon\n",
        6,
        "comment.title",
        "not a valid date ('soon')",
        id="yaml-timestamp-tag",
    ),
    pytest.param(BASE + "timeout: !!float ''\n", 5, "timeout", "not a valid number ('')", id="yaml-float-empty"),
    pytest.param(
        BASE + "timeout: 1" + "0" * 5000 + "\n",
        5,
        "timeout",
        "not a valid integer (5,001 characters, not shown: Exceeds the limit",
        id="yaml-digits",
    ),
    pytest.param(
        BASE + "timeout: '" + "x" * 201 + "'\n", 5, "timeout", "got a string (201 characters, not shown)", id="long"
    ),
    pytest.param(BASE + "timeout: '" + "x" * 200 + "'\n", 5, "timeout", "got a string ('xxxxxxx", id="not-long"),
    pytest.param(BASE + "? !!int ten\n: 1\n", 5, "ten", "not a valid integer ('ten')", id="yaml-key-int-tag"),
    pytest.param(
        BASE + 'comment:\n  title: "a\x07b"\n',
        6,
        "",
        "invalid YAML: unacceptable character #x0007",
        id="yaml-control-character",
    ),
    # str() of an integer over 4,300 digits raises: the message's "got an integer (...)" crashed
    pytest.param(
        BASE + "max_workers: 0x" + "f" * 5000 + "\n",
        5,
        "max_workers",
        "got an integer (over 60 digits)",
        id="workers-huge-hex",
    ),
    pytest.param(BASE + "max_workers: 4.0\n", 5, "max_workers", "got a number (4.0)", id="workers-whole-float"),
    # a percentage over 100 matched the schema and was refused as "a number of datapoints or a percentage"
    *(
        pytest.param(
            BASE + f"verdict: {{{key}: '{given}'}}\n", 5, f"verdict.{key}", "at most 100%", id=f"{key}-{given}"
        )
        for key, given in (("allow_failed", "150%"), ("allow_evaluator_errors", "100.5%"))
    ),
    # validated, then the run ended in "unexpected ValueError": the config is hashed as JSON, which refuses them
    *(
        pytest.param(BASE + extra.replace("HUGE", "0x" + "f" * 5000) + "\n", 5, key, word, id=f"huge-{key}")
        for extra, key, word in [
            ("comment: {max_datapoints: HUGE}", "comment.max_datapoints", "less than or equal to 9223372036854775807"),
            ("gate: {m: {max_degraded: HUGE}}", "gate.m.max_degraded", "less than or equal to 9223372036854775807"),
            ("verdict: {allow_failed: HUGE}", "verdict.allow_failed", "got an integer (over 60 digits)"),
        ]
    ),
    # validated, then the run overflowed timedelta(days=...) after recording
    pytest.param(
        BASE + "baseline: {max_age_days: 1000000}\n",
        5,
        "baseline.max_age_days",
        "less than or equal to 36500",
        id="age-over-a-century",
    ),
    # a YAML 1.1 boolean or null as a key: named as written, at its own line (was the parent's, as 1 or None)
    pytest.param(
        BASE + "passing_ranges:\n  yes: {min: 1}\n",
        6,
        "passing_ranges.yes",
        "booleans: quote it",
        id="metric-named-yes",
    ),
    pytest.param(BASE + "~: 1\n", 5, "~", "keys must be strings, got null", id="null-key"),
    # gate.<metric>.significant took 1, 'yes', 'on' and 0, though every other boolean is strict
    *(
        pytest.param(
            BASE + f"gate: {{m: {{max_drop: 1, significant: {given}}}}}\n",
            5,
            "gate.m.significant",
            "valid boolean",
            id=f"significant-{given}",
        )
        for given in ("1", "'yes'", "'on'", "0")
    ),
    pytest.param(BASE + "x: !!python/name:os.system\n", 5, "", "constructor", id="unsafe-tag"),
    # "byte 5" was an offset in the file, where a dataset's "byte 0xe9" is the byte's value
    pytest.param(BASE.encode() + b"comment: {title: caf\xe9}\n", 5, "", "not valid UTF-8 (byte 0xe9)", id="not-utf8"),
    # PowerShell 5's `>` and Out-File: "not valid UTF-8 (byte 0)"
    pytest.param(
        BASE.encode("utf-16"), 1, "", "saved as UTF-16 (byte-order mark FF FE): save it as UTF-8", id="utf-16"
    ),
    pytest.param(  # without a byte-order mark, UTF-8 decodes it: "unacceptable character #x0000"
        BASE.encode("utf-16-be"),
        1,
        "",
        "saved as UTF-16 BE (no byte-order mark: NUL bytes between its characters): save it as UTF-8",
        id="utf-16-without-a-byte-order-mark",
    ),
    pytest.param(None, None, "", "not found", id="missing-file"),
    pytest.param(..., None, "", "directory", id="directory"),
]


@pytest.mark.parametrize(("content", "line", "key", "word"), MALFORMED)
def test_malformed_config_names_file_line_and_key(
    tmp_path: Path, content: str | bytes | None, line: int | None, key: str, word: str
) -> None:
    path = tmp_path / "experiment.yml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is ...:
        path.mkdir()

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    error = caught.value
    assert (error.path, error.line, error.key) == (str(path), line, key), str(error)
    assert word in error.message, str(error)
    where = str(path) if line is None else f"{path}:{line}"
    assert str(error) == (f"{where}: {key}: {error.message}" if key else f"{where}: {error.message}")
    if key:  # whatever key it follows, no word of the message is taken for a secret (``api_key: <message>``)
        under_a_secret_like_key = str(ConfigError(error.path, error.line, "metrics.api_key", error.message))
        assert Redactor().redact(under_a_secret_like_key) == under_a_secret_like_key


SECRET = "Zq7vP2mXk9Lw4Rt8Ns6Yb3Hc"  # 24 characters: a piece under 12 inside a line is not redacted


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        pytest.param("A" * 46 + SECRET, "!!float ", id="11 characters before a cut at 57"),
        pytest.param("A" * 52 + SECRET, "!!float ", id="5 before it"),
        pytest.param("A" * 40 + SECRET + "B" * 30, "!!timestamp ", id="17 before it"),
    ],
)
def test_a_long_unreadable_value_is_quoted_whole_so_no_piece_of_a_secret_in_it_survives_redaction(
    value: str, tag: str
) -> None:
    """Cut before the redactor saw it, the value's end put a piece of a secret mid-line, before ``...') for its
    tag``, where a piece under half a secret is left; whole, the secret is redacted whole."""
    with pytest.raises(ConfigError) as caught:
        parse_config(f"{BASE}comment: {{title: {tag}{value}}}\n")
    shown = Redactor([SECRET]).redact(str(caught.value))
    assert value.replace(SECRET, "***") in shown, shown
    assert not [SECRET[at : at + 4] for at in range(len(SECRET) - 3) if SECRET[at : at + 4] in shown], shown


@pytest.mark.parametrize("value", ["A" * 50 + SECRET, "A" * 40 + SECRET + "B" * 30], ids=["7 before a cut", "17"])
def test_a_long_string_of_the_wrong_type_is_quoted_whole_so_no_piece_of_a_secret_in_it_survives_redaction(
    value: str,
) -> None:
    """``got a string ('…')``: the same as an unreadable value's, for a value read but of the wrong type."""
    with pytest.raises(ConfigError) as caught:
        parse_config(f"{BASE}max_workers: '{value}'\n")
    shown = Redactor([SECRET]).redact(str(caught.value))
    assert f"a string ('{value.replace(SECRET, '***')}')" in shown, shown
    assert not [SECRET[at : at + 4] for at in range(len(SECRET) - 3) if SECRET[at : at + 4] in shown], shown


def test_there_are_at_least_thirty_malformed_cases() -> None:
    assert len(MALFORMED) >= 30


def test_every_problem_is_collected_and_the_earliest_comes_first() -> None:
    text = "max_workers: 0\nname: ''\nfunction: app.bot\ndataset: {id: x}\ntimeout: -5\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, path="exp.yml")

    found = [(issue.line, issue.key) for issue in caught.value.issues]
    assert found == [(1, "max_workers"), (2, "name"), (3, "function"), (5, "timeout")]
    assert caught.value.issues[0] is caught.value
    assert str(caught.value) == "exp.yml:1: max_workers: must be greater than or equal to 1, got an integer (0)"


def test_an_unknown_key_lists_the_allowed_keys() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + "ingestion:\n  wait: 3\n")
    assert caught.value.message == "an unknown key 'wait' (allowed: timeout)"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("  max_workers: 3\n", "an unknown key 'max_workers'; 'max_workers' is a top-level key"),
        ("verdict:\n  gate: {}\n", "an unknown key 'gate'; 'gate' is a top-level key"),
        ("baseline:\n  allow_failed: 1\n", "an unknown key 'allow_failed'; 'allow_failed' is a key of verdict"),
        ("metrics:\n  m:\n    min: 0\n", "an unknown key 'min'; 'min' is a key of passing_ranges.<metric>"),
        ("comment:\n  timeout: 3\n", "an unknown key 'timeout'; 'timeout' is a top-level key and a key of ingestion"),
        ("gate: {max_drop: 1}\n", "must be a mapping, got an integer (1); 'max_drop' is a key of gate.<metric>"),
        ("pricing: {input: 1}\n", "must be a mapping, got an integer (1); 'input' is a key of pricing.<name>"),
        ("gate: {accuracy: 5}\n", "must be a mapping, got an integer (5)"),  # a metric's name: no key anywhere
        ("comment:\n  max_datapoint: 3\n", "an unknown key 'max_datapoint'; did you mean 'max_datapoints'?"),
        # misspelt here and a key elsewhere: both said (the level's hint hid the did-you-mean), the exact key first
        # (a guess first, taken, set max_workers where a gate was meant)
        ("gate: {keyword_recall: {max_workers: 2}}\n",
         "an unknown key 'max_workers'; 'max_workers' is a top-level key, or did you mean 'max_worse'?"),
        ("verdict: {evaluators: 2}\n",
         "an unknown key 'evaluators'; 'evaluators' is a top-level key, or did you mean 'allow_evaluator_errors'?"),
        ("max_worse: 2\n",
         "an unknown key 'max_worse'; 'max_worse' is a key of gate.<metric>, or did you mean 'max_workers'?"),
        # a metric named like a key of another section is the user's name, not a key a level short
        ("passing_ranges: {format: 1}\n",
         "must be a mapping, got an integer (1); write {min: 1} (1 or more), {max: 1} (1 or less), or both"),
    ],
    ids=["top-in-dataset", "top-in-verdict", "verdict-in-baseline", "range-in-metrics", "two-homes", "gate-level",
         "pricing-level", "a-metric", "misspelt", "misspelt-and-elsewhere", "misspelt-and-top", "gate-key-at-top",
         "a-metric-like-a-key"],
)  # fmt: skip
def test_a_key_at_the_wrong_level_says_where_it_is_one(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + extra)
    assert caught.value.message.split(" (allowed: ")[0] == message


def test_config_error_without_line_or_key() -> None:
    assert str(ConfigError("exp.yml", None, "", "config file not found")) == "exp.yml: config file not found"
    assert str(ConfigError("exp.yml", 3, "", "invalid YAML: x")) == "exp.yml:3: invalid YAML: x"
    assert str(ConfigError("exp.yml", 3, "name", "must not be empty")) == "exp.yml:3: name: must not be empty"


# ------------------------------------------------------------------------------------------------- the schema


def test_committed_schema_file_equals_the_generated_schema() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == config_json_schema_text(), (
        "schemas/experiment.schema.json is stale; regenerate it with"
        " python -m honeyhive_experiment schema > src/honeyhive_experiment/schemas/experiment.schema.json"
    )
    assert json.loads(committed) == config_json_schema()


def test_schema_is_a_valid_draft_2020_12_schema_with_id() -> None:
    schema = config_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"].startswith("honeyhive-experiment config")
    assert schema["additionalProperties"] is False
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_shows_only_the_bounds_a_field_means() -> None:
    # comment.max_datapoints, gate.<m>.max_degraded and verdict.allow_* showed "maximum": 9223372036854775807, the
    # 64-bit guard against a 5,000-digit integer: a bound nobody means (the models still refuse such an integer)
    maximums = [line.split(":")[1] for line in config_json_schema_text().splitlines() if '"maximum"' in line]
    assert sorted(int(found.strip(" ,")) for found in maximums) == [100, 256, 36500]  # trials, workers, days


def _schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(config_json_schema())
    return [error.message for error in validator.iter_errors(document)]


def test_schema_accepts_the_valid_example() -> None:
    document = yaml.safe_load(VALID.read_text(encoding="utf-8"))
    assert _schema_errors(document) == []


@pytest.mark.parametrize("path", ["app.ev:scoré", "modèle.évaluations:Évaluateur.note", "app:𝑥", "_a.b2:C_3"])
def test_schema_and_models_accept_a_path_python_accepts(path: str) -> None:
    """Python 3's identifiers are not ASCII only: ``def scoré`` is one, and its import path was refused as "not an
    import path" (audit 46a #1). The schema's pattern lets any non-ASCII character through (ECMA's and Python's
    regexes share no Unicode classes); the model checks each part as Python does."""
    document = {
        "name": "x",
        "function": path,
        "dataset": {"id": "abc"},
        "evaluators": [path, {"path": path, "name": "n"}],
    }
    assert _schema_errors(document) == []
    config = ExperimentConfig.model_validate(document)
    assert (config.function, *(spec.path for spec in config.evaluators)) == (path, path, path)


@pytest.mark.parametrize(
    "dataset",
    [
        {"id": "abc"},
        {"name": "golden"},
        {"path": "d.csv"},
        {"path": "d.JSONL", "id": "custom"},
        {"path": "d.jsonl", "datapoint_ids": "content"},
    ],
)
def test_schema_and_models_accept_each_dataset_source(dataset: dict[str, str]) -> None:
    document = {"name": "x", "function": "a:b", "dataset": dataset, "evaluators": ["e:f", {"path": "e:g"}]}
    assert _schema_errors(document) == []
    assert ExperimentConfig.model_validate(document).dataset == DatasetConfig(**dataset)


@pytest.mark.parametrize(
    ("change", "word"),
    [
        pytest.param({"colour": "blue"}, "colour", id="unknown-top-level-key"),
        pytest.param({"metrics": {"accuracy": {"colour": "blue"}}}, "colour", id="unknown-nested-key"),
        pytest.param({"dataset": {"id": "a", "name": "b"}}, "not valid under any", id="two-dataset-sources"),
        pytest.param({"dataset": {"path": "d.txt"}}, "does not match", id="dataset-extension"),
        pytest.param({"dataset": {"id": "a", "datapoint_ids": "sdk"}}, "not valid under any", id="ids-managed"),
        pytest.param({"dataset": {"path": "d.csv", "datapoint_ids": "x"}}, "is not one of", id="ids-value"),
        pytest.param({"max_workers": 0}, "minimum", id="max-workers"),
        pytest.param({"baseline": {"branch": None}}, "not of type", id="null"),
        pytest.param({"evaluators": ["nocolon"]}, "not valid under any", id="evaluator-path"),
        pytest.param({"version": 2}, "1 was expected", id="version"),
        pytest.param({"instrument": ["Open AI"]}, "does not match", id="instrument-name"),
        pytest.param({"pricing": {"m": {"input": 1}}}, "'output' is a required property", id="pricing-output"),
        pytest.param({"gate": {"cost_usd": {"max_worse_pct": -1}}}, "minimum", id="gate-worse-negative"),
        # a metric name's pattern held only elsewhere: these keys got a length and no pattern
        pytest.param({"passing_ranges": {"a.b": {"min": 1}}}, "does not match", id="range-dotted-metric"),
        pytest.param({"metrics": {"a.b": {"label": "x"}}}, "does not match", id="metrics-dotted-metric"),
        pytest.param({"gate": {"a.b": {"max_drop": 1}}}, "does not match", id="gate-dotted-metric"),
        pytest.param({"verdict": {"allow_failed": "150%"}}, "not valid under any", id="allow-failed-over-100"),
    ],
)
def test_schema_rejects_what_the_models_reject(change: dict[str, Any], word: str) -> None:
    document = {"name": "x", "function": "a:b", "dataset": {"id": "abc"}, **change}
    errors = _schema_errors(document)
    assert errors
    assert any(word in message for message in errors), errors
    with pytest.raises(ConfigError):
        parse_config(yaml.safe_dump(document))


def test_a_gate_with_strategy_none_is_accepted_when_the_baseline_is_named() -> None:
    """A baseline named for the invocation is compared with whatever the strategy (README), so the gate can fail: a
    workflow pinning a golden run with baseline-run-id and strategy none keeps its gates."""
    gated = BASE + "gate:\n  accuracy: {max_drop: 0.1}\nbaseline:\n  strategy: none\n"
    with pytest.raises(ConfigError, match="or name the baseline for the run"):
        parse_config(gated)
    assert parse_config(gated, baseline_named=True).gate["accuracy"].max_drop == 0.1


@pytest.mark.parametrize(
    ("allowed", "total", "tolerated"),
    [
        ("18.4%", 375, 69),  # 69.0 exactly; in floats 375 * 18.4 / 100 = 68.99999999999999
        ("5%", 40, 2),
        ("5%", 39, 1),
        ("0.1%", 1000, 1),
        ("33.3%", 3, 0),
        ("100%", 7, 7),
        ("0%", 7, 0),
        (3, 10, 3),
        (None, 10, 0),
    ],
)
def test_a_percentage_tolerance_is_counted_exactly_and_rounded_down(
    allowed: int | str | None, total: int, tolerated: int
) -> None:
    assert VerdictConfig(allow_failed=allowed).tolerated_failures(total) == tolerated
    assert VerdictConfig(allow_evaluator_errors=allowed).tolerated_evaluator_errors(total) == tolerated

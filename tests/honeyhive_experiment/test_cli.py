"""The command line: malformed configs and datasets exit 2 with a message naming the place, never a
traceback; validate, schema and --help work. Only argv is made up; files and imports are real."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.fakes.actions_runner import (
    BASE_SHA,
    HEAD_REF,
    HEAD_SHA,
    PR,
    REPOSITORY,
    Step,
    effective_uid,
    pull_request,
    push,
)
from tests.fakes.github_server import FakeGitHub
from tests.honeyhive_experiment.faultproxy import FaultProxy
from tests.quickstart import copy_quickstart, stricter_twin, with_managed_dataset

pytestmark = pytest.mark.unit

GOOD = """\
name: bot
function: support_bot.app:answer
dataset:
  path: data/questions.jsonl
evaluators:
  - support_bot.evaluators:topic_match
"""


# functions whose signatures fit no calling convention, importable from the repository's root
SIGNATURES = """\
def three(inputs, ground_truths, context):
    return {}


def nothing():
    return {}


def streamed(datapoint):
    yield {"answer": "Open Settings"}
"""


# what validate's probe of the first datapoint finds, importable from the repository's root
PROBED = """\
def rubric(outputs, inputs, ground_truth=None):
    return {"grounded": 1.0, "concise": True}  # metrics rubric_grounded and rubric_concise, no rubric


def broken(outputs, inputs, ground_truth=None):
    return inputs["missing"]


def colourful(outputs, inputs, ground_truth=None):
    raise ValueError("bad \\x1b[2J\\x1b[31mred\\x1b[0m")


def titling(outputs, inputs, ground_truth=None):
    return {"\x1b]0;pwned\x07x": 1.0}


def failing(datapoint):
    return {"answer": datapoint["inputs"]["q"]}


def verdict(outputs, inputs, ground_truth=None):
    return {"score": "PASS", "explanation": "fine"}  # a string: no number for a range or a gate


def traced(datapoint, tracer):
    with tracer.start_as_current_span("lookup", inputs=datapoint["inputs"]):
        tracer.enrich_span(outputs={"found": 1}, metrics={"lookups": 1})
    return {"answer": "Open Settings", "topic": None}


def decoding(outputs, inputs, ground_truth=None):
    import json

    return json.loads("{")  # raised in the standard library, called from here


def not_a_number(datapoint):
    return {"answer": "Open Settings", "score": float("nan")}


def _lookup(question):
    raise ValueError("no answer for " + question + " with sk-Zq8xK2mV9pL4wR7tY3nB6cD1qqXYZ")


def deeply(datapoint):
    return {"answer": _lookup(datapoint["inputs"]["question"])}


def forgetful(outputs, inputs, ground_truth=None):
    score = 0.9  # and no return: None


def labelled(outputs, inputs, ground_truth=None):
    return "PASS"  # a label: no metric


def helpful(outputs, inputs, ground_truth=None):
    return {"score": 0.8, "explanation": "fine"}  # a metric and its explanation


def leaky(outputs, inputs, ground_truth=None):
    return "https://Zq8xK2mV9pL4wR7tY3nB6cD1qqXYZ123@github.com/o/r"  # a token the report redacts only whole


class _Odd:
    @property
    def __call__(self):  # read as the call is inspected: what no check of ours expects
        raise RuntimeError("no call today")


odd = _Odd()


class _Piping:
    @property
    def __call__(self):  # the user's own BrokenPipeError, not a reader of our output going away
        raise BrokenPipeError("no pipe today")


piping = _Piping()


def valued(outputs, inputs, ground_truth=None):
    return {"value": 0.7}  # its score under another key: no metric valued


def optional(outputs, inputs, ground_truth=None):
    return {"score": 1.0, "bonus": None}  # an optional sub-score, not given on this datapoint
"""


@pytest.fixture
def repo(quickstart: Path) -> Path:
    """The quickstart (``conftest.py``), plus odd_signatures.py: functions whose signatures fit no convention, and
    probed.py: a dict evaluator, an evaluator and a function that raise, a function that takes a tracer."""
    (quickstart / "odd_signatures.py").write_text(SIGNATURES)
    (quickstart / "probed.py").write_text(PROBED)
    return quickstart


# (case id, config text, dataset file name → content or None, expected place, expected word)
CONFIG_CASES = [
    ("unknown-top-key", GOOD + "colour: blue\n", "experiment.yml:7", "colour"),
    ("name-empty", GOOD.replace("name: bot", 'name: ""'), "experiment.yml:1", "name"),
    ("name-missing", GOOD.replace("name: bot\n", ""), "experiment.yml:1", "name"),
    (
        "function-no-colon",
        GOOD.replace("support_bot.app:answer", "support_bot.app.answer"),
        "experiment.yml:2",
        "function",
    ),
    (  # the fix itself, not a pattern of it (audit80 F9)
        "function-dotted-no-colon",
        GOOD.replace("support_bot.app:answer", "support_bot.app.answer"),
        "experiment.yml:2",
        "write 'support_bot.app:answer'",
    ),
    (
        "function-file-path",
        GOOD.replace("support_bot.app:answer", "support_bot/app.py:answer"),
        "experiment.yml:2",
        "write 'support_bot.app:answer'",
    ),
    (  # and no package named after the typo to install (audit83 F4: a typosquatter's name, and install runs pip)
        "instrument-misspelt",
        GOOD + "instrument: [opneai]\n",
        "experiment.yml:7",
        "(did you mean 'openai'?): fix the name",
    ),
    (  # a built-in metric no spelling of it is close to
        "gate-on-latency",
        GOOD + "gate:\n  latency: {max_worse_pct: 10}\n",
        "experiment.yml:8: gate.latency",
        "did you mean 'duration_ms'",
    ),
    (
        "range-a-number",
        GOOD + "passing_ranges:\n  topic_match: 1\n",
        "experiment.yml:8: passing_ranges.topic_match",
        "write {min: 1}",
    ),
    ("function-module-missing", GOOD.replace("support_bot.app:answer", "nope.mod:answer"), "experiment.yml:2", "nope"),
    ("function-attr-missing", GOOD.replace("app:answer", "app:reply"), "experiment.yml:2", "reply"),
    ("function-not-callable", GOOD.replace("app:answer", "app:STYLE"), "experiment.yml:2", "not a function"),
    ("evaluator-missing", GOOD.replace("evaluators:topic_match", "evaluators:nope"), "experiment.yml:6", "nope"),
    (
        "evaluator-wrong-type",
        GOOD.replace("  - support_bot.evaluators:topic_match", "  - 42"),
        "experiment.yml:6",
        "evaluators",
    ),
    (
        "dataset-two-sources",
        GOOD.replace("  path: data/questions.jsonl", "  path: data/questions.jsonl\n  name: abc"),
        "experiment.yml:5",
        "dataset",
    ),
    ("dataset-bad-extension", GOOD.replace("questions.jsonl", "questions.txt"), "experiment.yml:4", "path"),
    (  # where the experiment file names it, as a run says it
        "dataset-file-missing",
        GOOD.replace("questions.jsonl", "missing.jsonl"),
        "experiment.yml:4: dataset.path",
        "dataset file data/missing.jsonl not found",
    ),
    ("max-workers-zero", GOOD + "max_workers: 0\n", "experiment.yml:7", "max_workers"),
    ("max-workers-string", GOOD + "max_workers: many\n", "experiment.yml:7", "max_workers"),
    ("timeout-negative", GOOD + "timeout: -1\n", "experiment.yml:7", "timeout"),
    ("aggregate-unknown", GOOD + "aggregate_function: mode\n", "experiment.yml:7", "aggregate_function"),
    (
        "range-min-over-max",
        GOOD + "passing_ranges:\n  topic_match: {min: 2, max: 1}\n",
        "experiment.yml:8",
        "topic_match",
    ),
    ("range-empty", GOOD + "passing_ranges:\n  topic_match: {}\n", "experiment.yml:8", "topic_match"),
    ("direction-bad", GOOD + "metrics:\n  topic_match: {direction: up}\n", "experiment.yml:8", "direction"),
    ("format-bad", GOOD + "metrics:\n  topic_match: {format: '%%%'}\n", "experiment.yml:8", "format"),
    ("baseline-strategy-bad", GOOD + "baseline: {strategy: newest}\n", "experiment.yml:7", "strategy"),
    ("gate-unknown-key", GOOD + "gate:\n  topic_match: {max_fall: 1}\n", "experiment.yml:8", "max_fall"),
    (
        "range-name-misspelt",
        GOOD + "passing_ranges:\n  topc_match: {min: 1}\n",
        "experiment.yml:8",
        "no evaluator produces metric 'topc_match' (did you mean 'topic_match'?)",
    ),
    ("gate-name-misspelt", GOOD + "gate:\n  topic_mach: {max_drop: 0.1}\n", "experiment.yml:8", "'topic_mach'"),
    ("metrics-name-misspelt", GOOD + "metrics:\n  topicmatch: {key: true}\n", "experiment.yml:8", "'topicmatch'"),
    (
        "function-three-parameters",
        GOOD.replace("support_bot.app:answer", "odd_signatures:three"),
        "experiment.yml:2",
        "requires 3 positional arguments",
    ),
    (
        "function-no-parameter",
        GOOD.replace("support_bot.app:answer", "odd_signatures:nothing"),
        "experiment.yml:2",
        "takes no datapoint parameter",
    ),
    (
        "function-generator",
        GOOD.replace("support_bot.app:answer", "odd_signatures:streamed"),
        "experiment.yml:2: function",
        "'streamed' is a generator function: its body never runs",
    ),
    ("version-2", "version: 2\n" + GOOD, "experiment.yml:1", "version"),
    ("yaml-syntax", GOOD + "metrics: [unclosed\n", "experiment.yml:", "yaml"),
    ("duplicate-key", GOOD + "name: again\n", "experiment.yml:7", "duplicate"),
    ("top-level-list", "- name: bot\n", "experiment.yml:1", "mapping"),
    ("empty-file", "", "experiment.yml", "empty"),
]

DATASET_CASES = [
    ("jsonl-bad-json", "{not json}\n", "questions.jsonl:1", "json"),
    ("jsonl-not-object", '["a"]\n', "questions.jsonl:1", "object"),
    ("jsonl-inputs-missing", '{"ground_truth": {}}\n', "questions.jsonl:1", "inputs"),
    ("jsonl-inputs-string", '{"inputs": "hi"}\n', "questions.jsonl:1", "inputs"),
    ("jsonl-ground-truth-string", '{"inputs": {}, "ground_truth": "x"}\n', "questions.jsonl:1", "ground_truth"),
    ("jsonl-unknown-key", '{"inputs": {}, "answer": 1}\n', "questions.jsonl:1", "answer"),
    ("jsonl-second-line-bad", '{"inputs": {"q": 1}}\n{"inputs": 3}\n', "questions.jsonl:2", "inputs"),
    (
        "jsonl-duplicate-id",
        '{"id": "a", "inputs": {}}\n{"id": "a", "inputs": {}}\n',
        "questions.jsonl:2",
        "duplicate",
    ),
    ("jsonl-empty", "\n\n", "questions.jsonl", "no"),
]


def _write(repo: Path, config: str) -> None:
    (repo / ".honeyhive" / "experiment.yml").write_text(config)


def _validate(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", "--working-directory", str(repo)])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


@pytest.mark.parametrize(("config", "place", "word"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_malformed_config_exits_2_naming_the_place(
    repo: Path, capsys: pytest.CaptureFixture[str], config: str, place: str, word: str
) -> None:
    _write(repo, config)
    code, output = _validate(repo, capsys)
    assert code == 2, output
    assert place in output, output
    assert word.lower() in output.lower(), output
    assert "Traceback" not in output


# the CONFIG_CASES that importing the user's code finds (in the repository, its current directory)
IMPORT_CASES = [
    c for c in CONFIG_CASES if c[0] in {"function-attr-missing", "function-not-callable", "evaluator-missing"}
]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(("config", "place", "word"), [c[1:] for c in IMPORT_CASES], ids=[c[0] for c in IMPORT_CASES])
def test_with_a_relative_working_directory_an_import_problem_is_at_its_line(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    config: str,
    place: str,
    word: str,
) -> None:
    """As the README's quickstart gives it (``--working-directory examples/quickstart``): the experiment file, named
    from the caller's directory, is read for the line after the user's code was imported from the repository's."""
    _write(repo, config)
    monkeypatch.chdir(repo.parent)
    argv = [command, "--working-directory", repo.name] + (["--dry-run"] if command == "run" else [])
    code = main(argv, environ={})
    output = capsys.readouterr().err
    assert code == 2, output
    assert f"error: {repo.name}/.honeyhive/{place}" in output, output
    assert word in output, output


@pytest.mark.parametrize(
    ("content", "place", "word"), [c[1:] for c in DATASET_CASES], ids=[c[0] for c in DATASET_CASES]
)
def test_malformed_dataset_exits_2_naming_the_row(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str, place: str, word: str
) -> None:
    (repo / "data" / "questions.jsonl").write_text(content)
    code, output = _validate(repo, capsys)
    assert code == 2, output
    assert place in output.replace("questions.jsonl:", "questions.jsonl:"), output
    assert word.lower() in output.lower(), output
    assert "Traceback" not in output


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_dataset_with_several_bad_rows_has_each_said_at_once(
    repo: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # validate stopped at the first: a user with five bad rows fixed one, ran it again and found the next; a run (its
    # error report) says them all too, as it says every problem of the experiment file
    dataset = repo / "data" / "questions.jsonl"
    rows = dataset.read_text().splitlines(True)
    rows[1], rows[3], rows[4] = '{"input": {}}\n', '{"inputs": {}, "x": }\n', '{"inputs": "hi"}\n'
    dataset.write_text("".join(rows))
    code = main([command, "--working-directory", str(repo), *(["--dry-run"] if command == "run" else [])])
    output = capsys.readouterr()
    assert code == 2, output
    said = output.err if command == "validate" else output.out  # a run's report (the log's errors said apart)
    for place in ("questions.jsonl:2: unknown key 'input'", "questions.jsonl:4: column 21", "questions.jsonl:5: "):
        assert place in said, said


# YAML a scalar constructor cannot read (a ValueError, KeyError, AttributeError, not a YAMLError), or that the reader
# refuses: a traceback, exit 1 and no report, as the error handler read the file again and crashed a second time
UNREADABLE_YAML = [
    "comment: {title: 2024-13-45}\n",
    "timeout: !!float ten\n",
    "metrics: {topic_match: {key: !!bool maybe}}\n",
    'comment: {title: "bell\x07"}\n',
]


@pytest.mark.parametrize("extra", ["max_workers: 0\n", *UNREADABLE_YAML])
def test_malformed_config_in_a_dry_run_exits_2_with_an_error_report(
    repo: Path, capsys: pytest.CaptureFixture[str], extra: str
) -> None:
    _write(repo, GOOD + extra)
    report = repo / "report.json"
    code = main(["run", "--dry-run", "--working-directory", str(repo), "--report", str(report)], environ={})
    output = capsys.readouterr()
    assert code == 2
    assert ".honeyhive/experiment.yml:7" in output.err
    assert "Traceback" not in output.err
    body = json.loads(report.read_text())
    assert body["verdict"] == "error"


@pytest.mark.parametrize("extra", UNREADABLE_YAML)
def test_unreadable_yaml_in_the_action_is_a_config_error_that_fail_on_error_false_lets_pass(
    quickstart: Path, capsys: pytest.CaptureFixture[str], extra: str
) -> None:
    _write(quickstart, GOOD + extra)
    step = Step(quickstart.parent / "step", pull_request())
    with FakeGitHub(repository=REPOSITORY) as github:  # the job still asks GitHub for the merge base
        github.set_merge_base(BASE_SHA, HEAD_SHA, BASE_SHA)
        inputs = {
            "api-key": "hh-unreadable-yaml-key-0123456789",
            "github-token": github.token,
            "fail-on-error": "false",
            "comment-mode": "off",
        }

        code = main(["action"], environ=step.env(quickstart, inputs, api_url=github.api_url))

    out = capsys.readouterr().out
    assert code == 0, out
    assert step.outputs()["verdict"] == "error", out
    assert any(line.startswith("::warning") and "experiment.yml,line=7" in line for line in out.splitlines()), out
    assert json.loads((quickstart / ".honeyhive" / "report.json").read_text())["verdict"] == "error"


def test_a_csv_warning_in_the_action_is_placed_on_the_header_as_a_dataset_error_is_on_its_row(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The warning for a column without a section that looks like one was ``::warning::/abs/…/data/q.csv:1: …``:
    no file= nor line=, and the runner's absolute path. Now it is placed as the file's error is: relative to the
    workspace (here the folder above the working directory), on the header's line."""
    config = quickstart / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("data/questions.jsonl", "data/q.csv"))
    (quickstart / "data" / "q.csv").write_text("question,ground_truths,inputs.n:int\nHow?,x,1\nWhy?,y,many\n")
    step = Step(quickstart.parent / "step", pull_request())
    with FakeGitHub(repository=REPOSITORY) as github:
        github.set_merge_base(BASE_SHA, HEAD_SHA, BASE_SHA)
        inputs = {"api-key": "hh-csv-warning-key-0123456789", "github-token": github.token, "comment-mode": "off"}
        inputs["working-directory"] = quickstart.name
        code = main(["action"], environ=step.env(quickstart.parent, inputs, api_url=github.api_url))

    out = capsys.readouterr().out
    assert code == 2, out
    annotations = [line for line in out.splitlines() if "data/q.csv" in line]
    assert annotations == [
        "::warning file=repo/data/q.csv,line=1::column 'ground_truths': no section prefix, so it is an input"
        " (inputs.ground_truths); did you mean 'ground_truth'? (a ground truth's column is ground_truth.<key>,"
        " metadata's metadata.<key>)",
        "::error file=repo/data/q.csv,line=3::column 'inputs.n:int': 'many' is not an integer",
    ], out


@pytest.mark.parametrize("command", [["validate", "--no-probe"], ["runs"], ["view", "--no-open"]])
def test_every_command_lists_every_problem_of_a_bad_config(
    repo: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    _write(repo, GOOD + "max_workers: 0\nunknown_key: 1\n")
    code = main([*command, "--working-directory", str(repo)], environ={})
    output = capsys.readouterr()
    assert code == 2
    problems = [line for line in output.err.splitlines() if line.startswith("error: ")]
    assert len(problems) == 2, output.err
    assert ".honeyhive/experiment.yml:7: max_workers" in problems[0], problems
    assert ".honeyhive/experiment.yml:8" in problems[1], problems
    assert "unknown_key" in problems[1], problems
    assert "Traceback" not in output.err


def test_validate_accepts_the_quickstart(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert "22 datapoints" in output
    assert "3 evaluator(s)" in output


def test_validate_counts_one_datapoint_in_the_singular(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = repo / "data" / "questions.jsonl"
    dataset.write_text(dataset.read_text().splitlines(True)[0])
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert ", 1 datapoint, 3 evaluator(s)" in output, output


# the quickstart's function with the rubric evaluator too; a case that appends to it starts on line 8
WITH_RUBRIC = GOOD + "  - probed:rubric\n"

# (case id, config text, where, what) -- validate runs the first datapoint, and exits 2 on what it finds
PROBE_CASES = [
    (
        "gate-misspelt-dict-key",
        WITH_RUBRIC + "gate:\n  rubric_grounded_: {max_drop: 0.1}\n",
        "experiment.yml:9: gate.rubric_grounded_",
        "no evaluator produced metric 'rubric_grounded_' (did you mean 'rubric_grounded'?) on the first datapoint",
    ),
    (
        "range-misspelt-dict-key",
        WITH_RUBRIC + "passing_ranges:\n  rubric_grouded: {min: 0.5}\n",
        "experiment.yml:9: passing_ranges.rubric_grouded",
        "(did you mean 'rubric_grounded'?)",
    ),
    (
        "metrics-dict-key-never-returned",
        WITH_RUBRIC + "metrics:\n  rubric_score: {key: true}\n",
        "experiment.yml:9: metrics.rubric_score",
        "they produced: topic_match, rubric_grounded, rubric_concise",
    ),
    (
        "evaluator-name-of-a-dict-without-score",
        WITH_RUBRIC + "passing_ranges:\n  rubric: {min: 0.5}\n",
        "experiment.yml:9: passing_ranges.rubric",
        "no evaluator produced metric 'rubric'",
    ),
    (  # judge_cost_usd, a built-in (instrument:) no evaluator produced, is closer (audit80 F9)
        "gate-on-a-dicts-score-key",
        GOOD + "  - {path: probed:helpful, name: judge}\ninstrument: [openai]\ngate:\n  judge_score: {max_drop: 0.1}\n",
        "experiment.yml:10: gate.judge_score",
        "no evaluator produced metric 'judge_score' (did you mean 'judge'?)",
    ),
    (  # topic_match returns a bool: its aggregate is a pass rate of 0 to 1, which can never drop by 5
        "gate-in-points-on-a-boolean-metric",
        GOOD + "gate:\n  topic_match: {max_drop: 5}\n",
        "experiment.yml:8: gate.topic_match: max_drop: 5 can never be crossed: topic_match is a boolean metric",
        "write max_drop: 0.05",
    ),
    (  # the probe runs one trial: its value is the evaluator's bool, not a mean of trials
        "gate-in-points-on-a-boolean-metric-with-trials",
        GOOD + "trials: 3\ngate:\n  topic_match: {max_drop: 5}\n",
        "experiment.yml:9: gate.topic_match: max_drop: 5 can never be crossed: topic_match is a boolean metric",
        "write max_drop: 0.05",
    ),
    (  # rubric_grounded is 1.0, shown as 100%: its change shows in points, which max_drop: 5 is not in
        "gate-in-points-on-a-percentage-formatted-metric",
        WITH_RUBRIC + 'metrics:\n  rubric_grounded: {format: ".0%"}\ngate:\n  rubric_grounded: {max_drop: 5}\n',
        "experiment.yml:11: gate.rubric_grounded: max_drop: 5 can never be crossed: rubric_grounded is shown as a"
        " percentage (format '.0%') of values between 0 and 1",
        "write max_drop: 0.05",
    ),
    (  # the run would find no value for it and fail on a metric "its evaluator returned nothing for"
        "range-on-a-string-metric",
        GOOD + "  - probed:verdict\npassing_ranges:\n  verdict: {min: 1}\n",
        "experiment.yml:9: passing_ranges.verdict",
        "verdict is a string ('PASS') on the first datapoint, data/questions.jsonl:1; a passing range or gate needs a"
        " number or a bool",
    ),
    (  # keyword_recall_explanation is closer, but a string: a range on it would be the error above
        "range-misspelt-near-a-string-metric",
        GOOD + "  - support_bot.evaluators:keyword_recall\npassing_ranges:\n  keyword_recall_explained: {min: 0.5}\n",
        "experiment.yml:9: passing_ranges.keyword_recall_explained",
        "(did you mean 'keyword_recall'?) on the first datapoint, data/questions.jsonl:1 (id EXT-first); they"
        " produced: topic_match, keyword_recall, keyword_recall_explanation (a string)",
    ),
    (
        "gate-on-a-string-metric",
        GOOD + "  - probed:verdict\ngate:\n  verdict: {max_drop: 0.1}\n",
        "experiment.yml:9: gate.verdict",
        "verdict is a string ('PASS')",
    ),
    (
        "function-raises",
        GOOD.replace("support_bot.app:answer", "probed:failing"),
        "probing the first datapoint, data/questions.jsonl:1 (id EXT-first)",
        "function 'failing' raised KeyError at probed.py:18: 'q'",  # the user's line
    ),
    (
        "evaluator-raises",
        GOOD + "  - probed:broken\n",
        "probing the first datapoint, data/questions.jsonl:1 (id EXT-first)",
        "evaluator 'broken' raised KeyError at probed.py:6: 'missing'",
    ),
    (  # the user's line that called the library, not the library's
        "evaluator-raises-in-a-library",
        GOOD + "  - probed:decoding\n",
        "probing the first datapoint, data/questions.jsonl:1 (id EXT-first)",
        "evaluator 'decoding' raised JSONDecodeError at probed.py:34: Expecting property name",
    ),
]


def _first_datapoint_with_an_id(repo: Path) -> None:
    dataset = repo / "data" / "questions.jsonl"
    first, *rest = dataset.read_text().splitlines(True)
    dataset.write_text(json.dumps({"id": "first", **json.loads(first)}) + "\n" + "".join(rest))


@pytest.mark.parametrize(("config", "place", "what"), [c[1:] for c in PROBE_CASES], ids=[c[0] for c in PROBE_CASES])
def test_validate_runs_the_first_datapoint_and_exits_2_on_what_it_finds(
    repo: Path, capsys: pytest.CaptureFixture[str], config: str, place: str, what: str
) -> None:
    _first_datapoint_with_an_id(repo)
    _write(repo, config)
    code, output = _validate(repo, capsys)
    assert code == 2, output
    assert place in output, output
    assert what in output, output
    assert "Traceback" not in output
    assert output.count("error:") == 1, output


def test_validate_takes_a_dicts_key_that_was_none_as_a_name_it_gives(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``metrics: {optional_bonus: ...}`` for a dict evaluator's optional sub-score, None on the first datapoint: the
    probe said "no evaluator produced metric 'optional_bonus' (did you mean 'optional'?)", exit 2, as a run did
    (audit 48a); a misspelt key of it is still said."""
    _write(repo, GOOD + "  - probed:optional\nmetrics:\n  optional_bonus: {label: Bonus}\n")
    code, output = _validate(repo, capsys)
    assert code == 0, output
    _write(repo, GOOD + "  - probed:optional\nmetrics:\n  optional_bonsu: {label: Bonus}\n")
    code, output = _validate(repo, capsys)
    assert code == 2, output
    assert "no evaluator produced metric 'optional_bonsu' (did you mean 'optional_bonus'?)" in output, output


def test_validate_says_the_names_no_evaluator_has_and_those_its_first_datapoint_lacks_at_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name no evaluator's matches (recall) stopped validate before its probe: the misspelt dict key it would have
    found (rubric_grounde) was said by the next validate only."""
    _write(repo, WITH_RUBRIC + "passing_ranges:\n  rubric_grounde: {min: 0.5}\ngate:\n  recall: {max_drop: 0.1}\n")
    code, output = _validate(repo, capsys)
    assert code == 2, output
    assert "experiment.yml:9: passing_ranges.rubric_grounde: no evaluator produced metric 'rubric_grounde'" in output
    assert "experiment.yml:11: gate.recall: no evaluator produces metric 'recall'" in output
    assert output.count("error:") == 2, output


def test_when_the_probe_fails_the_names_no_evaluator_has_are_said_beside_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(repo, GOOD.replace("support_bot.app:answer", "probed:failing") + "gate:\n  recall: {max_drop: 0.1}\n")
    code, output = _validate(repo, capsys)
    assert code == 2, output
    assert "function 'failing' raised KeyError" in output, output
    assert "experiment.yml:8: gate.recall: no evaluator produces metric 'recall'" in output, output
    assert output.count("error:") == 2, output


def test_a_gate_in_points_on_a_boolean_metric_fails_the_run_saying_what_to_write(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The quickstart's topic_match returns a bool, so the backend averages it into a pass rate (0 to 1, shown as
    a percentage): ``max_drop: 5`` meant as 5 points could never fail, and the first run says so."""
    _write(repo, GOOD + "gate:\n  topic_match: {max_drop: 5}\n")
    report = repo / "report.json"
    code = main(["run", "--dry-run", "--working-directory", str(repo), "--report", str(report)], environ={})
    output = capsys.readouterr()
    assert code == 1, output.out + output.err
    body = json.loads(report.read_text())
    assert (body["verdict"], body["reasons"]) == (
        "fail",
        [
            "gate.topic_match: max_drop: 5 can never be crossed: topic_match is a boolean metric, whose aggregate lies"
            " between 0 and 1 (a pass rate of 85% is 0.85), so this gate never fails; for 5 pp (percentage points, as"
            " the report shows its change) write max_drop: 0.05"
        ],
    )
    assert next(m for m in body["metrics"] if m["name"] == "topic_match")["percent"] is True


def test_with_trials_a_gate_in_points_on_a_boolean_metric_still_fails_the_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With trials the backend's values of topic_match are each datapoint's mean over its trials (floats), no
    longer booleans: the run's own values still tell the gate can never fail (it was green)."""
    _write(repo, GOOD + "trials: 3\ngate:\n  topic_match: {max_drop: 5}\n")
    report = repo / "report.json"
    code = main(["run", "--dry-run", "--working-directory", str(repo), "--report", str(report)], environ={})
    output = capsys.readouterr()
    assert code == 1, output.out + output.err
    body = json.loads(report.read_text())
    assert (body["verdict"], body["trials"], body["reasons"]) == (
        "fail",
        3,
        [
            "gate.topic_match: max_drop: 5 can never be crossed: topic_match is a boolean metric, whose aggregate lies"
            " between 0 and 1 (a pass rate of 85% is 0.85), so this gate never fails; for 5 pp (percentage points, as"
            " the report shows its change) write max_drop: 0.05"
        ],
    )
    # and the pass rate still shows as one (the means over trials are floats)
    assert next(m for m in body["metrics"] if m["name"] == "topic_match")["percent"] is True


def test_validate_no_probe_checks_metric_names_by_the_evaluators_names_only(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(repo, WITH_RUBRIC + "gate:\n  rubric_grounded_: {max_drop: 0.1}\n")
    code = main(["validate", "--working-directory", str(repo), "--no-probe"])
    output = capsys.readouterr()
    assert code == 0, output.err
    assert output.out.startswith("ok: .honeyhive/experiment.yml: experiment 'bot', 22 datapoints, 2 evaluator(s)\n")
    _write(repo, WITH_RUBRIC + "gate:\n  rubrik_grounded: {max_drop: 0.1}\n")  # no evaluator's name at all
    assert main(["validate", "--working-directory", str(repo), "--no-probe"]) == 2
    assert "experiment.yml:9: gate.rubrik_grounded: no evaluator produces metric" in capsys.readouterr().err


@pytest.mark.parametrize("probe", [[], ["--no-probe"]])
def test_validate_warns_of_a_max_degraded_as_large_as_the_dataset_file(
    repo: Path, capsys: pytest.CaptureFixture[str], probe: list[str]
) -> None:
    """3 datapoints and ``max_degraded: 3``: no more than 3 can get worse, so the gate never fails; validate said
    nothing of it. Counted in datapoints whatever the trials; 2 can fail."""
    questions = repo / "data" / "questions.jsonl"
    questions.write_text("".join(questions.read_text().splitlines(keepends=True)[:3]))
    gate = "trials: 2\ngate:\n  topic_match: {max_drop: 0.1, max_degraded: 3}\n"
    _write(repo, GOOD + gate)
    code = main(["validate", "--working-directory", str(repo), *probe])
    output = capsys.readouterr()
    assert code == 0, output.err
    assert output.err == (
        f"warning: {repo / '.honeyhive' / 'experiment.yml'}:9: gate.topic_match: max_degraded: 3 can never fail: the"
        " dataset file has 3 datapoints, no more than that can get worse (a bound below 3 can fail)\n"
    )
    assert output.out.startswith("ok: .honeyhive/experiment.yml: experiment 'bot', 3 datapoints")
    _write(repo, GOOD + gate.replace("max_degraded: 3", "max_degraded: 2"))
    assert main(["validate", "--working-directory", str(repo), *probe]) == 0
    assert "max_degraded" not in capsys.readouterr().err


@pytest.mark.parametrize("probe", [[], ["--no-probe"]], ids=["probe", "no-probe"])
@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ("", 2),  # every run fails on them: an error
        ("verdict: {allow_evaluator_errors: 2}\n", 0),  # the run tolerates two: a warning, as the run's
        ("verdict: {allow_evaluator_errors: 2}\npassing_ranges:\n  topic_match: {min: 1}\n", 2),  # ranged: fails
        (  # a range on another evaluator's metric, named after this one's (as the run's verdict.producer tells)
            "  - {path: probed:helpful, name: topic_match_helpful}\nverdict: {allow_evaluator_errors: 2}\n"
            "passing_ranges:\n  topic_match_helpful: {min: 0.5}\n",
            0,
        ),
    ],
    ids=["fails", "tolerated", "ranged", "ranged-another"],
)
def test_validate_names_the_rows_without_the_ground_truth_an_evaluator_requires(
    repo: Path, capsys: pytest.CaptureFixture[str], probe: list[str], extra: str, code: int
) -> None:
    """validate said ok (it probes the first row), then every run failed: "evaluator topic_match was not called on 2
    datapoint(s) (no ground_truth, ...)" (audit80 F3). validate reads every row: it says so first, naming them."""
    questions = repo / "data" / "questions.jsonl"
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines()]
    for row in rows[1], rows[3]:
        del row["ground_truth"]
    questions.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    _write(repo, GOOD + extra)
    assert main(["validate", "--working-directory", str(repo), *probe]) == code
    err = capsys.readouterr().err
    said = (
        f"{'error' if code else 'warning'}: {repo / '.honeyhive' / 'experiment.yml'}:6: evaluators[0]: evaluator"
        " topic_match would not be called on 2 datapoint(s) (no ground_truth, which the evaluator's third parameter"
        " requires: give the datapoint one"
    )
    assert err.startswith(said), err
    assert re.search(r"\): data/questions\.jsonl:2 \(EXT-\w+\), data/questions\.jsonl:4 \(EXT-\w+\)\n", err), err


def test_validate_accepts_what_the_evaluators_produced_and_what_the_function_records(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The function takes a tracer (validate's records nowhere) and records ``lookups`` itself: other_metrics."""
    config = WITH_RUBRIC.replace("support_bot.app:answer", "probed:traced") + (
        "gate:\n  rubric_grounded: {max_drop: 0.1}\n  lookups: {max_drop: 1}\n  topic_match: {max_drop: 0.05}\n"
        "metrics:\n  rubric_concise: {label: Concise}\n"
        "other_metrics: [lookups]\n"
    )
    _write(repo, config)
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert output == (
        # rubric's dict of two metrics has no score: fine, and not said (audit80 F8)
        "ok: .honeyhive/experiment.yml: experiment 'bot', 22 datapoints, 2 evaluator(s); the first datapoint's"
        " metrics: topic_match, rubric_grounded, rubric_concise, lookups\n"
    )
    assert not (repo / ".honeyhive" / "local.db").exists()  # no backend: nothing recorded


def test_validate_checks_a_judged_metric_of_other_metrics_against_what_the_functions_spans_recorded(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The function records ``lookups``; a range on ``lookup`` (declared in other_metrics): validate said nothing, and
    the run then failed on it ("...which recorded lookups: did you mean that?"). A warning, not an error: a metric
    HoneyHive computes itself (``human_topic_match``, close to the evaluator's ``topic_match``) is in no probe."""
    config = GOOD.replace("support_bot.app:answer", "probed:traced")
    _write(repo, config + "other_metrics: [lookup]\npassing_ranges:\n  lookup: {max: 3}\n")
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert output.startswith(
        "warning: lookup is in other_metrics, but no evaluator and no span of your function recorded it on the first"
        " datapoint, data/questions.jsonl:1, which recorded lookups: did you mean that? It is fine if HoneyHive"
        " computes lookup, else a run finds it without a value\n"
    ), output
    _write(repo, config + "other_metrics: [human_topic_match]\ngate:\n  human_topic_match: {max_drop: 0.1}\n")
    code, output = _validate(repo, capsys)
    assert code == 0, output  # it was an error, exit 2: the config is valid
    assert "recorded topic_match: did you mean that? It is fine if HoneyHive computes human_topic_match" in output
    _write(repo, config + "other_metrics: [user_rating]\ngate:\n  user_rating: {max_drop: 1}\n")
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert output == (
        "warning: user_rating is in other_metrics, but no evaluator and no span of your function recorded it on the"
        " first datapoint, data/questions.jsonl:1 (it recorded: topic_match, lookups): fine if HoneyHive computes it,"
        " else a run finds it without a value\n"
        "ok: .honeyhive/experiment.yml: experiment 'bot', 22 datapoints, 1 evaluator(s); the first datapoint's"
        " metrics: topic_match, lookups\n"
    )
    # a metrics: entry alone is judged too (its direction says better or worse): a run fails on one no run recorded
    # (audit54 #1), so validate says it as for a range
    _write(repo, config + "other_metrics: [lookup]\nmetrics:\n  lookup: {direction: lower}\n")
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert output.startswith("warning: lookup is in other_metrics, but no evaluator and no span of"), output
    assert "which recorded lookups: did you mean that?" in output


def test_validate_says_where_the_functions_output_holds_a_nan(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As it says a reference cycle: the run blamed the backend ("Out of range float values are not JSON
    compliant") and validate said nothing of it."""
    _first_datapoint_with_an_id(repo)
    _write(repo, GOOD.replace("support_bot.app:answer", "probed:not_a_number"))
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert output.startswith(
        "warning: the outputs of 1 of 1 datapoint(s) were changed to be recorded, the evaluators scoring them as"
        " returned: datapoint EXT-first: outputs.score is NaN, which JSON cannot carry: recorded as null\n"
    ), output


def test_with_runner_debug_the_log_has_the_traceback_of_each_distinct_error_once_redacted(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only "ValueError at probed.py:N" reached the log, even with RUNNER_DEBUG=1 (GitHub's debug logging), the
    helper's caller nowhere, though the error comment says the job log "has the full error". Now the whole traceback,
    from the user's first frame, once for 22 datapoints failing alike, redacted as every line."""
    _write(repo, GOOD.replace("support_bot.app:answer", "probed:deeply"))
    secret = "sk-Zq8xK2mV9pL4wR7tY3nB6cD1qqXYZ"
    argv = ["run", "--dry-run", "--working-directory", str(repo), "--no-html"]
    assert main(argv, environ={"RUNNER_DEBUG": "1", "OPENAI_API_KEY": secret}) == 1
    err = capsys.readouterr().err
    assert err.count("Traceback (most recent call last):") == 1, err
    traceback = err[err.index("debug: the traceback of ValueError at probed.py:") :]
    lines = traceback.splitlines()
    assert lines[1:3] == ["Traceback (most recent call last):", f'  File "{repo / "probed.py"}", line 46, in deeply']
    assert f'  File "{repo / "probed.py"}", line 42, in _lookup' in lines
    assert secret not in err
    assert main(argv, environ={}) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_validate_says_an_evaluator_that_returned_none_on_the_first_datapoint(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forgotten ``return``: validate said "ok" with the first datapoint's metrics, the evaluator's missing from
    them without a word (and the run passed, its metric gone)."""
    _write(repo, GOOD + "  - probed:forgetful\n")
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert output == (
        "warning: evaluator 'forgetful' returned None on every datapoint it ran on (1), so it produced no metric: does"
        " it end without a return?\n"
        "ok: .honeyhive/experiment.yml: experiment 'bot', 22 datapoints, 2 evaluator(s); the first datapoint's"
        " metrics: topic_match\n"
    )


LABELLED = (
    "evaluator 'labelled' returned a string on every datapoint it ran on ({}), such as 'PASS', so it produced no"
    " metric: only numbers and booleans are metrics; return a number or a bool, or a dict with the number as 'score'"
    " and the text as 'explanation'"
)


def test_validate_lists_as_metrics_only_numbers_and_booleans_and_says_an_evaluator_that_returned_a_string(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The string-valued ``labelled`` and ``helpful_explanation`` were listed as the first datapoint's metrics, and
    the run then left ``labelled`` out of its table without a word."""
    _write(repo, GOOD + "  - probed:labelled\n  - probed:helpful\n")
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert output == (
        f"warning: {LABELLED.format(1)}\n"
        "ok: .honeyhive/experiment.yml: experiment 'bot', 22 datapoints, 3 evaluator(s); the first datapoint's"
        " metrics: topic_match, helpful; strings, not metrics: labelled\n"
    )


def test_a_run_says_an_evaluator_that_returned_a_string_on_every_datapoint_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 0, no warning, no row: the metric was gone without a word. The explanation is still the datapoint's."""
    _write(repo, GOOD + "  - probed:labelled\n  - probed:helpful\n")
    report = repo / "report.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report), "--no-html"], environ={})
    output = capsys.readouterr()
    assert code == 0, output.err
    assert json.loads(report.read_text())["warnings"] == [LABELLED.format(22)]
    assert [line for line in output.err.splitlines() if "'labelled'" in line] == [f"warning: {LABELLED.format(22)}"]


@pytest.mark.parametrize(
    ("command", "ranged", "exit_code"),
    [("run", False, 0), ("run", True, 1), ("validate", True, 2)],
    ids=["run: the string's warning", "run: its passing range's reason", "validate: its passing range"],
)
def test_a_quoted_string_shows_no_part_of_a_secret_that_redaction_would_see_whole(
    repo: Path, capsys: pytest.CaptureFixture[str], command: str, ranged: bool, exit_code: int
) -> None:
    """An evaluator's string was quoted by its first 40 characters, before the report redacted secrets by their
    patterns: a URL's credentials cut from their ``@`` matched none, and all 32 of the token's characters were shown
    in the log, report.json and the HTML page. A quote now ends at a whole word."""
    _write(repo, GOOD + "  - probed:leaky\n" + ("passing_ranges:\n  leaky: {min: 1}\n" if ranged else ""))
    report = repo / "report.json"
    argv = [command, "-C", str(repo)] + (["--dry-run", "--report", str(report)] if command == "run" else [])
    code = main(argv, environ={})
    output = capsys.readouterr()
    shown = output.out + output.err + (report.read_text() if command == "run" else "")
    shown += "".join(page.read_text() for page in repo.rglob("*.html"))
    assert code == exit_code, output.err
    assert "'…'" in shown, shown  # the string is quoted, by none of its characters
    assert "Zq8xK2mV9pL4" not in shown


# rubric's dict of two metrics is not warned of (audit80 F8); valued's one number under 'value' is
WARNED = WITH_RUBRIC + "  - probed:valued\n  - probed:forgetful\n"
EVALUATOR_WARNINGS = (
    "evaluator 'valued' returned a dict with no 'score' (keys: 'value'), so there is no metric 'valued', only"
    " valued_<key> ones: fine for a dict of several metrics, else return the metric as 'score'",
    "evaluator 'forgetful' returned None on every datapoint it ran on (22), so it produced no metric: does it end"
    " without a return?",
)


def test_a_run_says_each_evaluator_warning_once_and_its_report_keeps_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dict without a score and a forgotten return were each said twice on standard error: by the runner as it ran
    (its log), and again from the report's warnings ("warning: ..."). Once each now, from the report, which
    keeps them (report.json, the terminal's and the comment's warnings)."""
    _write(repo, WARNED)
    report = repo / "report.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report), "--no-html"], environ={})
    output = capsys.readouterr()
    assert code == 0, output.err
    assert json.loads(report.read_text())["warnings"] == list(EVALUATOR_WARNINGS)
    for text in EVALUATOR_WARNINGS:
        assert [line for line in output.err.splitlines() if text in line] == [f"warning: {text}"], output.err
        assert f"  ! {text}\n" in output.out


def test_a_ranged_metric_whose_evaluator_forgot_its_return_is_blamed_on_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its reason said "no evaluator and no span recorded it in this run, which recorded: topic_match", though the
    evaluator is configured and the warning beside it said it returned None on every datapoint."""
    _write(repo, GOOD + "  - probed:forgetful\npassing_ranges:\n  forgetful: {min: 0.5}\n")
    report = repo / "report.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report), "--no-html"], environ={})
    output = capsys.readouterr()
    assert code == 1, output.err
    assert json.loads(report.read_text())["reasons"] == [
        "forgetful has a passing range but no value on 22 of the datapoints the backend passed: its evaluator"
        " 'forgetful' returned None on every datapoint it ran on (a forgotten return?)"
    ]


def test_the_action_annotates_each_evaluator_warning_once(
    repo: Path, capsys: pytest.CaptureFixture[str], backend: LocalBackend
) -> None:
    """Two identical ``::warning::`` annotations for each: GitHub shows ten per step, so broken evaluators pushed out
    the verdict's own."""
    _write(repo, WARNED)
    step = Step(repo.parent / "step", pull_request())
    with FakeGitHub(repository=REPOSITORY) as github:
        github.set_merge_base(BASE_SHA, HEAD_SHA, BASE_SHA)
        inputs = {"api-key": API_KEY, "server-url": backend.url, "github-token": github.token, "comment-mode": "off"}
        code = main(["action"], environ=step.env(repo, inputs, api_url=github.api_url))
    out = capsys.readouterr().out
    assert code == 0, out
    annotations = [line for line in out.splitlines() if line.startswith("::warning")]
    for text in EVALUATOR_WARNINGS:
        assert len([line for line in annotations if line.endswith(f"::{text}")]) == 1, annotations


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(lambda method, path: path.endswith(("/summary", "/result")), id="result-read-after-recording"),
        pytest.param(lambda method, path: method == "GET" and path == "/v1/runs", id="runs-listed-while-judging"),
    ],
)
def test_the_evaluator_warnings_reach_the_error_report_when_judging_fails(
    repo: Path, capsys: pytest.CaptureFixture[str], backend: LocalBackend, route: Callable[[str, str], bool]
) -> None:
    """Said only by the judgement's report, they were said nowhere when the backend failed after the datapoints were
    recorded (reading the run's result, listing the runs to judge it by): the one hint why a metric is missing, lost.
    The error report says them now, each annotated once."""
    _write(repo, WARNED)
    step = Step(repo.parent / "step", pull_request())
    with FaultProxy(backend.url, rate=0, page=route) as proxy, FakeGitHub(repository=REPOSITORY) as github:
        github.set_merge_base(BASE_SHA, HEAD_SHA, BASE_SHA)
        inputs = {"api-key": API_KEY, "server-url": proxy.url, "github-token": github.token, "comment-mode": "off"}
        code = main(["action"], environ=step.env(repo, inputs, api_url=github.api_url))
    out = capsys.readouterr().out
    assert code == 2, out
    report = json.loads((repo / step.outputs()["report-path"]).read_text())
    assert (report["verdict"], report["error_kind"]) == ("error", "unreachable"), report["error"]
    assert report["run"]["id"], report  # recorded before the backend failed: named, and stamped error
    assert report["warnings"] == list(EVALUATOR_WARNINGS)
    annotations = [line for line in out.splitlines() if line.startswith("::warning")]
    for text in EVALUATOR_WARNINGS:
        assert len([line for line in annotations if line.endswith(f"::{text}")]) == 1, annotations


def test_schema_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    committed = Path(__file__).resolve().parents[2] / "src/honeyhive_experiment/schemas/experiment.schema.json"
    assert printed == json.loads(committed.read_text())


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "runs", "validate", "schema", "action"):
        assert command in out


def test_version_prints_the_tools_version(capsys: pytest.CaptureFixture[str]) -> None:
    from honeyhive_experiment import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"python -m honeyhive_experiment {__version__}\n"


@pytest.mark.parametrize(
    ("variable", "key"),
    [("HH_API_KEY", "hh-key\nX-Injected: 1"), ("HONEYHIVE_API_KEY", "hh-key\nX-Injected: 1"), ("HH_API_KEY", "hh-kéy")],
    ids=["line-break", "line-break-alias", "non-ascii"],
)
def test_a_malformed_key_is_refused_in_words_the_log_keeps(
    repo: Path, capsys: pytest.CaptureFixture[str], variable: str, key: str
) -> None:
    """Refused before anything is sent (httpx would refuse the header: a non-ASCII one was an "unexpected
    UnicodeEncodeError" verdict); the printed line is redacted like every line, and still says what is wrong."""
    code = main(["run", "--dry-run", "--working-directory", str(repo)], environ={variable: key})
    output = capsys.readouterr()
    assert code == 2
    assert output.err.strip() == (
        f"error: environment {variable}: the value has whitespace, a control character or a non-ASCII character in"
        " it (not shown); check the secret"
    )


SECRET = "Zq7vP2mXk9Lw4Rt8Ns6Yb3Hc"  # 24 characters: a piece of 11 is under half of it
TEMPLATE = {"HONEYHIVE_RUN_URL_TEMPLATE": f"https://app.example.com/runs?key={SECRET}"}


def _pieces_of_the_secret(*texts: str) -> list[str]:
    """Every 6 characters of :data:`SECRET` that ``texts`` show."""
    return [SECRET[at : at + 6] for at in range(len(SECRET) - 5) if any(SECRET[at : at + 6] in t for t in texts)]


@pytest.mark.parametrize(
    ("argv", "environ", "words"),
    [
        pytest.param(
            ["validate", "--config", f"x{SECRET}\udcff.yml"], {"HH_API_KEY": SECRET}, "is not a UTF-8 name", id="config"
        ),
        pytest.param(["run", "--dry-run", "--report", f"o/{SECRET}/"], {"DB_PASSWORD": SECRET}, "folder", id="report"),
        pytest.param(["runs"], {"OPENAI_API_KEY": SECRET, **TEMPLATE}, "must contain {run_id}", id="run-url-template"),
        pytest.param(["action"], {"OPENAI_API_KEY": SECRET, **TEMPLATE}, "::error title=", id="action-annotation"),
    ],
)
def test_a_usage_error_before_the_settings_shows_no_secret_of_the_environment(
    quickstart: Path, capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str], words: str
) -> None:
    """Said before the settings (which know the secrets) exist: the value it quotes was redacted of the common shapes
    only, and a flag's path, a link's template naming a secret the environment holds showed it whole."""
    if argv == ["action"]:
        environ = {**Step(quickstart.parent / "step", pull_request()).env(quickstart, {"api-key": API_KEY}), **environ}
    else:
        argv = [*argv, "--working-directory", str(quickstart)]

    code = main(argv, environ=environ)

    output = capsys.readouterr()
    assert code == 2, output
    assert words in output.out + output.err, output
    assert "***" in output.out + output.err, output
    assert not _pieces_of_the_secret(output.out, output.err), output


# a secret the environment holds, split by a line break the message quotes escaped (repr's \n) or shows (U+2028)
SPLIT = SECRET[:11] + "\n" + SECRET[11:]
SPLIT_SECRET_CASES = [
    pytest.param(f"max_workers: !!int {json.dumps(SPLIT)}\n", None, id="yaml-value-of-a-tag"),
    pytest.param(f"{json.dumps(SPLIT)}: 1\n", None, id="yaml-key"),
    pytest.param(None, f"raise KeyError({SPLIT!r})\n", id="import-keyerror"),
    pytest.param(None, f"raise ValueError({'x ' + SECRET[:11] + chr(0x2028) + SECRET[11:] + ' y'!r})\n", id="u2028"),
]


@pytest.mark.parametrize(("appended", "module"), SPLIT_SECRET_CASES)
def test_a_split_secret_quoted_in_an_error_shows_no_piece_of_it(
    quickstart: Path, capsys: pytest.CaptureFixture[str], appended: str | None, module: str | None
) -> None:
    """repr writes a line break as ``\\n``, and U+2028 breaks a line as ``\\n`` does: the piece of 11 characters before
    it was mid-line for the redactor, and shown on the terminal, in the comment, report.json and the HTML report."""
    if module is not None:
        (quickstart / "leaky.py").write_text(module)
    _write(quickstart, GOOD.replace("support_bot.app:answer", "leaky:answer") if module else GOOD + appended)
    out = quickstart / "out"
    environ = {"DB_PASSWORD": SECRET}
    root = ["--working-directory", str(quickstart)]

    validated = main(["validate", *root], environ=environ)
    checked = capsys.readouterr()
    ran = main(["run", "--dry-run", *root, "--report", str(out / "r.json"), "--html", str(out / "r.html")], environ)
    run = capsys.readouterr()

    assert (validated, ran) == (2, 2), (checked, run)
    reports = [(out / name).read_text(encoding="utf-8") for name in ("r.json", "r.html")]
    assert "***" in checked.err, checked
    assert not _pieces_of_the_secret(checked.out, checked.err, run.out, run.err, *reports), (checked, run)


QUOTED = SECRET[:11] + "'\"" + SECRET[11:]  # repr writes it with \'


@pytest.mark.parametrize(
    ("argv", "environ", "words"),
    [
        pytest.param(["runs", "--limit", SECRET], {"HH_API_KEY": SECRET}, "argument --limit: expected", id="type"),
        pytest.param(["runs", f"--limit={SPLIT}"], {"DB_PASSWORD": SECRET}, "argument --limit: expected", id="split"),
        pytest.param(["runs", "--limit", QUOTED], {"HH_API_KEY": QUOTED}, "argument --limit: expected", id="repr"),
        pytest.param([SECRET], {"INPUT_API-KEY": SECRET}, "argument COMMAND: invalid choice: '***'", id="choice"),
        pytest.param(["run", SECRET], {"GITHUB_TOKEN": SECRET}, "unrecognized arguments: ***", id="unknown"),
        pytest.param(
            ["validate", f"--api-key={SECRET}"], {"INPUT_GITHUB-TOKEN": SECRET}, "arguments: --api-key=***", id="flag"
        ),
        pytest.param(["run", f"--h={SECRET}"], {"HH_API_KEY": SECRET}, "option: --h=*** could match", id="ambiguous"),
    ],
)
def test_argparses_usage_error_shows_no_secret_of_the_environment(
    capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str], words: str
) -> None:
    """argparse printed its usage errors before any redactor: a key pasted as a flag's value, a command or an argument
    was quoted whole (``runs --limit $HH_API_KEY``). Now they are redacted as the settings' are, and still name the flag
    and exit 2."""
    code = main(argv, environ=environ)

    output = capsys.readouterr()
    assert code == 2, output
    assert output.err.startswith("usage: python -m honeyhive_experiment"), output
    assert words in output.err, output
    assert not _pieces_of_the_secret(output.out, output.err), output


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        pytest.param(
            ["run", "--dryrun"], "run: error: unrecognized arguments: --dryrun (did you mean --dry-run?)", id="run"
        ),
        pytest.param(
            ["runs", "--limt=3"], "runs: error: unrecognized arguments: --limt=3 (did you mean --limit?)", id="="
        ),
        pytest.param(
            ["runs", "--dryrun"], "honeyhive_experiment: error: unrecognized arguments: --dryrun\n", id="other's"
        ),
        pytest.param(  # audit86 F2: the top-level parser's own flags are no command's
            ["schema", "--verbose"], "honeyhive_experiment: error: unrecognized arguments: --verbose\n", id="top-level"
        ),
    ],
)
def test_a_mistyped_flag_is_named_with_the_commands_closest(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    """audit80 F9: ``run --dryrun`` said only "unrecognized arguments"; the command's closest flag is named, never
    another command's (``runs`` takes no ``--dry-run``)."""
    assert main(argv, environ={}) == 2
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "prog"),
    [
        pytest.param(("honeyhive-experiment",), "honeyhive-experiment", id="console-script"),
        pytest.param(("python", "-m", "honeyhive_experiment"), "python -m honeyhive_experiment", id="python-m"),
    ],
)
def test_usage_and_errors_name_the_command_as_it_was_run(tmp_path: Path, command: tuple[str, ...], prog: str) -> None:
    """Run as the console script pip installs (``honeyhive-experiment``), the usage, its errors and ``--version`` named
    ``python -m honeyhive_experiment``, a command the user had not typed (audit54)."""
    beside = Path(sys.executable).parent  # this interpreter's environment, where the package is installed
    if command[0] == "python":
        argv = [sys.executable, *command[1:]]
    else:
        script = beside / command[0]
        if not script.is_file():
            pytest.skip(f"{command[0]} is not installed beside {sys.executable} (pip install -e .)")
        argv = [str(script)]
    for args, code, out in ((["runs", "--limit", "x"], 2, "stderr"), (["--version"], 0, "stdout")):
        done = subprocess.run([*argv, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == code, done.stderr
        said = getattr(done, out)
        if code:
            assert said.startswith(f"usage: {prog} runs "), said
            assert f"\n{prog} runs: error: argument --limit: expected a whole number" in said, said
        else:
            assert said.startswith(f"{prog} "), said


# what a usage error has no use for: pydantic's models, the report's builders and renderers, the HTTP client, tracing
HEAVY = ("pydantic", "honeyhive_experiment.settings", "honeyhive_experiment.report.build", "httpx", "opentelemetry")


@pytest.mark.parametrize("argv", [["runs", "--limit", "x"], ["run", "--frobnicate"], ["--help"]])
def test_a_usage_error_is_said_before_the_heavy_modules_load(argv: list[str]) -> None:
    """``runs --limit x`` took ~0.5 s of CPU: its message's redaction imported the whole report package (its
    ``__init__`` loaded every renderer) and the settings (pydantic, the models) for the environment's secrets, and
    the bounded exit the models again. The process's own command, as ``python -m`` runs it."""
    env = {**os.environ, "HH_API_KEY": "hh_Zq9wK2xv7Lm4p2Rt8yU7cW"}
    command = [sys.executable, "-X", "importtime", "-m", "honeyhive_experiment", *argv]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == (0 if argv == ["--help"] else 2), done.stderr
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not {name for name in loaded if name.startswith(HEAVY)}, sorted(loaded)


@pytest.mark.parametrize("command", [["validate", "--no-probe"], ["runs"], ["view", "--no-open"], ["run", "--dry-run"]])
def test_every_command_keeps_the_dataset_inside_the_working_directory(
    repo: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A dataset path that leads out of the repository is refused before anything reads it, by every command."""
    outside = repo.parent / "outside.jsonl"
    outside.write_text('{"inputs": {"question": "q"}}\n')
    _write(repo, GOOD.replace("data/questions.jsonl", "../outside.jsonl"))
    code = main([*command, "--working-directory", str(repo)], environ={})
    output = capsys.readouterr()
    assert code == 2
    assert "dataset.path" in output.err
    assert "leads outside the working directory" in output.err


# (case id, the dataset path, where a copy of the dataset is, the end of the error) -- a path the user read from the
# experiment file's folder: the error said neither where it was looked for nor what it may have meant
PATH_CASES = [
    (
        "beside-the-config",
        "questions.jsonl",
        ".honeyhive/questions.jsonl",
        "dataset file questions.jsonl not found in the working directory, {root} (which -C sets; the config's paths are"
        " read from it, not from the config file's folder): did you mean .honeyhive/questions.jsonl?",
    ),
    (
        "up-from-the-config",
        "../data/questions.jsonl",
        "data/questions.jsonl",
        "../data/questions.jsonl leads outside the working directory, {root} (which -C sets; the config's paths are"
        " read from it, not from the config file's folder): did you mean data/questions.jsonl?",
    ),
    (
        "nowhere",
        "data/missing.jsonl",
        "data/questions.jsonl",
        "dataset file data/missing.jsonl not found in the working directory, {root} (which -C sets)",
    ),
    (  # said no more than "not found" (new-user audit R8)
        "misspelt",
        "data/question.jsonl",
        "data/questions.jsonl",
        "dataset file data/question.jsonl not found in the working directory, {root} (which -C sets): did you mean"
        " data/questions.jsonl?",
    ),
]


@pytest.mark.parametrize(("path", "copy", "said"), [c[1:] for c in PATH_CASES], ids=[c[0] for c in PATH_CASES])
def test_a_dataset_path_not_found_says_where_it_was_looked_for_and_what_was_meant(
    repo: Path, capsys: pytest.CaptureFixture[str], path: str, copy: str, said: str
) -> None:
    if copy != "data/questions.jsonl":
        shutil.copy(repo / "data" / "questions.jsonl", repo / copy)
    _write(repo, GOOD.replace("data/questions.jsonl", path))
    code = main(["validate", "--no-probe", "-C", str(repo)], environ={})
    output = capsys.readouterr()
    assert code == 2, output
    assert (
        output.err == f"error: {repo}/.honeyhive/experiment.yml:4: dataset.path: {said.format(root=repo.resolve())}\n"
    )


def test_from_a_folder_of_the_repository_the_error_says_which_working_directory_finds_the_files(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in src/: the experiment file was "not found", naming neither the folder nor -C; named as
    ../.honeyhive/experiment.yml, its dataset was."""
    _write(repo, GOOD)
    (repo / "src").mkdir()
    monkeypatch.chdir(repo / "src")
    here = (repo / "src").resolve()
    assert main(["validate", "--no-probe"], environ={}) == 2
    assert capsys.readouterr().err == (
        f"error: .honeyhive/experiment.yml: config file not found in the working directory, {here} (which -C sets):"
        " -C .. finds it\n"
    )
    assert main(["validate", "--no-probe", "--config", "../.honeyhive/experiment.yml"], environ={}) == 2
    assert capsys.readouterr().err == (
        "error: ../.honeyhive/experiment.yml:4: dataset.path: dataset file data/questions.jsonl not found in the"
        f" working directory, {here} (which -C sets): -C .. --config .honeyhive/experiment.yml finds it\n"
    )


def test_the_command_a_not_found_error_suggests_works_as_written(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-C .. finds it`` for ``--config ../.honeyhive/experiment.yml``: followed literally (the --config kept), the
    config was looked for at ../../.honeyhive/experiment.yml, "not found" with no hint: --config is read from -C's
    folder, and the error says so, with the --config that finds it."""
    _write(repo, GOOD)
    (repo / "src").mkdir()
    monkeypatch.chdir(repo / "src")
    assert main(["validate", "--no-probe", "-C", "..", "--config", "../.honeyhive/experiment.yml"], environ={}) == 2
    assert capsys.readouterr().err == (
        f"error: ../../.honeyhive/experiment.yml: config file not found in the working directory, {repo.resolve()}"
        " (which -C sets; --config is read from there, not from the current directory): --config"
        " .honeyhive/experiment.yml finds it\n"
    )
    assert main(["validate", "--no-probe", "-C", "..", "--config", ".honeyhive/experiment.yml"], environ={}) == 0
    assert main(["validate", "--no-probe", "-C", "..", "--config", ".honeyhive/experiment.yaml"], environ={}) == 2
    assert capsys.readouterr().err.endswith("(which -C sets): did you mean .honeyhive/experiment.yml?\n")
    (repo / ".honeyhive" / "experiment.yml").rename(repo / "experiment.yml")  # at the root: not the default path
    assert main(["validate", "--no-probe", "-C", ".."], environ={}) == 2
    assert capsys.readouterr().err.endswith("(which -C sets): --config experiment.yml finds it\n")


def test_the_users_package_above_the_working_directory_is_found_by_a_C_not_by_an_install(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The experiment file in evals/, run from there: "'support_bot' is not installed where the experiment runs: add
    it to requirements.txt" was the advice for the user's own package one folder up (and installing a PyPI project of
    that name runs someone else's code)."""
    (repo / "evals").mkdir()
    (repo / "evals" / "experiment.yml").write_text(GOOD)
    shutil.copytree(repo / "data", repo / "evals" / "data")  # its dataset beside it: read from the working directory
    monkeypatch.chdir(repo / "evals")
    assert main(["validate", "--no-probe", "--config", "experiment.yml"], environ={}) == 2
    err = capsys.readouterr().err
    assert (
        "error: experiment.yml:2: function: cannot import 'support_bot.app:answer': no module named 'support_bot'."
        f" 'support_bot' is in {repo.resolve()}, a folder above the working directory, {(repo / 'evals').resolve()}"
        " (which -C sets): -C .. --config evals/experiment.yml finds it\n"
    ) in err
    assert "requirements.txt" not in err
    assert main(["validate", "--no-probe", "-C", "..", "--config", "evals/experiment.yml"], environ={}) == 0
    shutil.rmtree(repo / "evals" / "data")  # the dataset's error said no -C for a config named from its own folder
    assert main(["validate", "--no-probe", "--config", "experiment.yml"], environ={}) == 2
    assert capsys.readouterr().err.endswith("(which -C sets): -C .. --config evals/experiment.yml finds it\n")


def _action_errors(
    workspace: Path, inputs: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, str], list[str]]:
    """The action run as a dry run on a push, in ``workspace`` with ``inputs``: its exit code, its outputs and the
    messages of its error annotations."""
    step = Step(workspace.parent / "step", push())
    code = main(["action"], environ=step.env(workspace, {"dry-run": "true", **inputs}))
    out = capsys.readouterr().out
    return (
        code,
        step.outputs(),
        [line.partition("::")[2].partition("::")[2] for line in out.splitlines() if line.startswith("::error")],
    )


def test_in_the_action_the_users_package_above_the_working_directory_is_found_by_its_inputs(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``working-directory: evals``, the code at the workspace's root: the error said "-C ../../../tmp/…/repo --config
    evals/experiment.yml finds it" (a flag the action has not, from the test's own folder) with the runner's absolute
    paths; now the inputs that find it, named from the workspace, which work as written."""
    (repo / "evals").mkdir()
    (repo / "evals" / "experiment.yml").write_text(GOOD)
    shutil.copytree(repo / "data", repo / "evals" / "data")
    code, outputs, errors = _action_errors(repo, {"working-directory": "evals", "config": "experiment.yml"}, capsys)
    assert (code, outputs["verdict"]) == (2, "error"), errors
    assert errors[0] == (
        "function: cannot import 'support_bot.app:answer': no module named 'support_bot'. 'support_bot' is in the"
        " workspace's root, a folder above the working directory, evals (which the working-directory input sets): the"
        " inputs `working-directory: .` and `config: evals/experiment.yml` find it"
    )
    assert not [error for error in errors if str(repo.parent) in error or "-C" in error], errors
    code, outputs, errors = _action_errors(repo, {"working-directory": ".", "config": "evals/experiment.yml"}, capsys)
    assert outputs["verdict"] != "error", errors


def test_in_the_action_a_module_above_the_workspace_is_not_looked_for_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The workspace a folder of the user's code (no repository's root between): the error said "-C .. finds it",
    above the workspace, which no working-directory reaches, and "(command line: --install …)"; now the input that
    installs the dependencies."""
    outer = copy_quickstart(tmp_path / "outer", questions=2)
    workspace = outer / "ws"
    shutil.copytree(outer / ".honeyhive", workspace / ".honeyhive")
    shutil.copytree(outer / "data", workspace / "data")
    code, _, errors = _action_errors(workspace, {}, capsys)
    assert code == 2, errors
    assert errors[0] == (
        "function: cannot import 'support_bot.app:answer': no module named 'support_bot'. 'support_bot' is not"
        " installed where the experiment runs: add it to requirements.txt and set the input `install: -r"
        " requirements.txt`, which installs your dependencies before your code is imported"
    )


def test_in_the_action_a_file_not_found_is_said_with_the_inputs_not_the_runners_paths(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "not found in the working directory, /home/runner/work/…/evals (which the working-directory input sets)", and
    "--config experiment.yml finds it", a flag: now the input's value, from the workspace, and the config input."""
    _write(repo, GOOD.replace("data/questions.jsonl", "data/question.jsonl"))
    _, _, errors = _action_errors(repo, {}, capsys)
    assert errors[0] == (
        "dataset.path: dataset file data/question.jsonl not found in the working directory (working-directory: .):"
        " did you mean data/questions.jsonl?"
    )
    (repo / ".honeyhive" / "experiment.yml").rename(repo / "experiment.yml")
    _, _, errors = _action_errors(repo, {}, capsys)
    assert errors[0] == (
        "config file not found in the working directory (working-directory: .): the input `config: experiment.yml`"
        " finds it"
    )


def test_in_the_action_the_reports_name_the_experiment_file_from_the_workspace(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The summary, the comment and report.json said "/home/runner/work/…/evals/experiment.yml:2: function: …", the
    runner's path, where the annotation named the file from the workspace: now they name it as the annotation does."""
    (repo / "evals").mkdir()
    config = GOOD.replace("support_bot.app:answer", "support_bot.app:nope").replace("topic_match", "topic_matc")
    (repo / "evals" / "experiment.yml").write_text(config)
    step = Step(repo.parent / "step", push())
    code = main(["action"], environ=step.env(repo, {"dry-run": "true", "config": "evals/experiment.yml"}))
    out = capsys.readouterr().out
    said = "evals/experiment.yml:2: function: 'support_bot.app:nope' does not exist (no such attribute)"
    report = json.loads((repo / step.outputs()["report-path"]).read_text())
    assert (code, report["reasons"][0]) == (2, said)
    assert report["reasons"][1].startswith("evals/experiment.yml:6: evaluators[0]: 'support_bot.evaluators:topic_matc'")
    assert report["error"] == "\n".join(report["reasons"])  # every problem, each from the workspace
    assert f"```text\n{said}\n" in step.summary()
    assert "::error file=evals/experiment.yml,line=2::function: 'support_bot.app:nope'" in out
    assert str(repo.parent) not in step.summary() + json.dumps(report)
    assert f"```text\n{said}\n" in out  # the comment that would be posted


def test_in_the_action_the_embedded_backends_warning_names_its_database_from_the_workspace(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dry run without an API key warned "::warning::… using the embedded local backend, its data in
    /home/runner/work/…/.honeyhive/local.db", the runner's path: now from the workspace, as the workflow names it."""
    step = Step(repo.parent / "step", push())
    main(["action"], environ=step.env(repo, {"dry-run": "true"}))
    out = capsys.readouterr().out
    [warning] = [line for line in out.splitlines() if "using the embedded local backend" in line]
    assert warning.startswith("::warning::"), out
    assert warning.endswith("its data in .honeyhive/local.db"), out
    assert (repo / ".honeyhive" / "local.db").exists()  # the real path is the one written


def test_in_the_action_a_file_above_the_working_directory_is_found_by_its_inputs(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The experiment file, or its dataset, in a folder of the workspace above the working directory: nothing was
    suggested in the action (the command line says the -C that finds it); now the inputs that find it, which work as
    written."""
    (repo / "evals").mkdir()
    _, _, errors = _action_errors(repo, {"working-directory": "evals"}, capsys)
    assert errors[0] == (
        "config file not found in the working directory (working-directory: evals): the input `working-directory: .`"
        " finds it"
    )
    bot = repo / "bot"  # the experiment in a folder of the workspace: its dataset is read from the working directory
    bot.mkdir()
    for name in (".honeyhive", "data", "support_bot"):
        shutil.move(repo / name, bot / name)
    _, _, errors = _action_errors(repo, {"config": "bot/.honeyhive/experiment.yml"}, capsys)
    assert errors[0] == (
        "dataset.path: dataset file data/questions.jsonl not found in the working directory (working-directory: .):"
        " the input `working-directory: bot` finds it"
    )
    (bot / ".honeyhive").rename(bot / "evals")  # not the default experiment file there: the config input too
    _, _, errors = _action_errors(repo, {"config": "bot/evals/experiment.yml"}, capsys)
    assert errors[0] == (
        "dataset.path: dataset file data/questions.jsonl not found in the working directory (working-directory: .):"
        " the inputs `working-directory: bot` and `config: evals/experiment.yml` find it"
    )
    _, outputs, errors = _action_errors(repo, {"working-directory": "bot", "config": "evals/experiment.yml"}, capsys)
    assert outputs["verdict"] != "error", errors


def test_in_the_action_a_file_above_the_workspace_is_not_looked_for_there(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No working-directory reaches a folder above the workspace: the experiment file there is not suggested."""
    (repo / "ws").mkdir()
    _, _, errors = _action_errors(repo / "ws", {}, capsys)
    assert errors[0] == "config file not found in the working directory (working-directory: .)"


@pytest.mark.parametrize(
    ("statement", "fix"),
    [
        ("from helpers import split, join  # the helpers", "from support_bot.helpers import split, join"),
        ("from helpers.text import split", "from support_bot.helpers.text import split"),
        ("import helpers as h", "from support_bot import helpers as h"),
        ("import helpers", "from support_bot import helpers"),
        ("if True: import helpers", "from support_bot import helpers"),  # not an import statement alone
    ],
)
def test_a_bare_import_of_a_module_of_the_package_says_the_statement_that_imports_it(
    repo: Path, capsys: pytest.CaptureFixture[str], statement: str, fix: str
) -> None:
    """``from helpers import split`` in support_bot/app.py was told "import it as `from support_bot import helpers`",
    which leaves ``split`` unbound (new-user audit R8)."""
    (repo / "support_bot" / "helpers").mkdir()
    (repo / "support_bot" / "helpers" / "__init__.py").write_text("def split(): ...\ndef join(): ...\n")
    (repo / "support_bot" / "helpers" / "text.py").write_text("def split(): ...\n")
    (repo / "support_bot" / "uses.py").write_text(f"{statement}\n\ndef answer(inputs):\n    return {{}}\n")
    _write(repo, GOOD.replace("support_bot.app:answer", "support_bot.uses:answer"))
    assert main(["validate", "--no-probe", "-C", str(repo)], environ={}) == 2
    assert capsys.readouterr().err.endswith(
        "(from support_bot/uses.py:1). support_bot/helpers/__init__.py is in the repository, but imports start from"
        f" its root: import it as `{fix}`\n"
    )


def test_a_dataset_path_naming_a_folder_says_it_is_one_and_names_a_file_in_it(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dataset: {path: data}`` said "the dataset file type (no extension) of 'data' is not supported"."""
    _write(repo, GOOD.replace("data/questions.jsonl", "data"))
    monkeypatch.chdir(repo)
    assert main(["validate", "--no-probe"], environ={}) == 2
    assert capsys.readouterr().err == (
        "error: .honeyhive/experiment.yml:4: dataset.path: 'data' is a folder: name one dataset file in it (.jsonl,"
        " .json, .csv), such as data/questions.jsonl\n"
    )


def test_the_working_directory_that_finds_the_files_is_said_as_typed_in_a_shell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository in a folder whose path has spaces: the hint read ``-C sp ace/my repo finds it``, which a shell
    splits into three arguments."""
    repo = copy_quickstart(tmp_path / "sp ace" / "my repo", questions=3)
    (repo / "src").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--no-probe", "-C", "sp ace/my repo/src"], environ={}) == 2
    assert capsys.readouterr().err.endswith("(which -C sets): -C 'sp ace/my repo' finds it\n")


@pytest.mark.parametrize(
    ("evaluator", "exit_code", "said", "never"),
    [
        # the probe's error quotes the evaluator's exception: its ANSI escapes were printed raw after "error:",
        # recolouring or clearing the user's terminal (said: each escape gone)
        pytest.param(
            "colourful",
            2,
            "evaluator 'colourful' raised ValueError at probed.py:10: bad red\n",
            "\x1b",
            id="no-terminal-escape-of-the-users-code",
        ),
        # what no check of ours expected (a bug of ours, or what the user's object did to us) was a traceback and
        # exit 1 (a "fail"): run said it as "unexpected RuntimeError: …", an error
        pytest.param(
            "odd", 2, "error: unexpected RuntimeError: no call today\n", "Traceback", id="an-unexpected-error-in-a-line"
        ),
        # the "ok:" line lists the metric names the probe found: an escape sequence in one retitled the terminal
        pytest.param(
            "titling", 0, "metrics: topic_match, titling_x\n", "\x1b", id="no-terminal-escape-of-a-metric-name"
        ),
    ],
)
def test_validate_says_what_the_users_code_did_in_a_line_of_its_own(
    repo: Path, capsys: pytest.CaptureFixture[str], evaluator: str, exit_code: int, said: str, never: str
) -> None:
    _write(repo, GOOD + f"  - probed:{evaluator}\n")
    code, output = _validate(repo, capsys)
    assert code == exit_code, output
    assert said in output, output
    assert never not in output


def test_a_broken_pipe_of_the_users_code_is_its_error_not_a_closed_output(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every BrokenPipeError was taken for a reader of the output gone away (`| head`): validate and run exited 141
    saying nothing, and run wrote no report. Only our own output's closed pipe is that."""
    _write(repo, GOOD + "  - probed:piping\n")
    code, output = _validate(repo, capsys)
    assert (code, "error: unexpected BrokenPipeError: no pipe today\n" in output) == (2, True), output
    report = repo / "report.json"
    code = main(["run", "--dry-run", "--working-directory", str(repo), "--report", str(report)], environ={})
    output = capsys.readouterr().err
    assert (code, "BrokenPipeError: no pipe today" in output) == (2, True), output
    assert json.loads(report.read_text())["verdict"] == "error"


@pytest.mark.parametrize("limit", ["0", "-5", "x", "1001", "9223372036854775808", "1" + "0" * 5000])
def test_runs_limit_out_of_its_range_is_a_usage_error(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    """``runs --limit 0`` and ``--limit -5`` were accepted and listed one run, exit 0; ``--limit 2**63`` was
    islice's traceback, exit 1 (a "fail")."""
    assert main(["runs", "--limit", limit], environ={}) == 2
    assert f"argument --limit: expected a whole number from 1 to 1,000, got '{limit[:20]}" in capsys.readouterr().err


def test_runs_help_says_the_limits_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["runs", "--help"])
    assert "how many runs, 1 to 1,000 (default: 20)" in " ".join(capsys.readouterr().out.split())


def test_runs_prints_no_escape_sequence_or_line_break_a_run_was_stamped_with(
    quickstart: Path, backend: LocalBackend, hh: HoneyHiveClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever can record runs in the project wrote their branch, commit and check: printed raw, they cleared and
    retitled the terminal of whoever listed the runs, and a line break faked a row."""
    ci = {"branch": "\x1b]0;pwned\x07\x1b[31mmain\nfake row", "sha": "\x1b[2Jabc1234", "dirty": False}
    hostile = {"ci": ci, "check": {"verdict": "\x1b[32mpass"}}
    hh.create_run({"run_id": str(uuid.uuid4()), "name": "support-bot-quickstart", "metadata": hostile})
    argv = ["runs", "-C", str(quickstart), "--server-url", backend.url]

    assert main(argv, environ={"HH_API_KEY": API_KEY}) == 0
    out = capsys.readouterr().out
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", out), repr(out)
    [_, row] = out.splitlines()  # the header and the run's one row
    assert "  main fake row  " in row  # each escape gone whole: no "]0;pwned[31m" left of them
    assert "  abc1234  " in row


def test_runs_lists_the_runs_of_the_experiment_file_named_only(
    quickstart: Path, backend: LocalBackend, hh: HoneyHiveClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two experiment files under one name: ``runs`` listed both files' runs, with no file column, and ``view`` then
    refused the other file's as made from another file. Each file's list is its runs as ``view`` and the baselines
    tell them (:func:`~honeyhive_experiment.baseline.same_origin`): a run with no file stamped is the default file's."""
    strict = stricter_twin(quickstart)

    def record(ci: dict[str, str]) -> str:
        run_id = str(uuid.uuid4())
        hh.create_run({"run_id": run_id, "name": "support-bot-quickstart", "metadata": {"ci": ci}})
        return run_id

    default_run = record({"config_file": ".honeyhive/experiment.yml"})
    strict_run = record({"config_file": strict})
    unstamped_run = record({"branch": "main"})  # evaluate()'s, an older version's
    listed = {}
    for file in (".honeyhive/experiment.yml", strict):
        argv = ["runs", "--json", "-C", str(quickstart), "--config", file, "--server-url", backend.url]
        assert main(argv, environ={"HH_API_KEY": API_KEY}) == 0
        listed[file] = {row["run_id"] for row in json.loads(capsys.readouterr().out)}

    assert listed == {".honeyhive/experiment.yml": {default_run, unstamped_run}, strict: {strict_run}}


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({"HONEYHIVE_APP_URL": "https://app.example.test/"}, "https://app.example.test/evaluate/{run_id}"),
        (
            {"HONEYHIVE_RUN_URL_TEMPLATE": "https://runs.example.test/r/{run_id}"},
            "https://runs.example.test/r/{run_id}",
        ),
        ({}, None),  # a server of no known app: no link rather than one to the wrong app
    ],
    ids=["app-url", "template", "unknown-app"],
)
def test_runs_json_gives_each_runs_page_in_the_app(
    quickstart: Path,
    hh: HoneyHiveClient,
    backend: LocalBackend,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    url: str | None,
) -> None:
    """README promised run links in the list of runs, which had none."""
    run_id = str(uuid.uuid4())
    hh.create_run({"run_id": run_id, "name": "support-bot-quickstart", "metadata": {"ci": {"branch": "main"}}})
    argv = ["runs", "--json", "-C", str(quickstart), "--server-url", backend.url]
    assert main(argv, environ={"HH_API_KEY": API_KEY, **env}) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["run_id"], row["url"]) == (run_id, url and url.format(run_id=run_id))


def test_a_warning_quoting_the_backend_prints_no_escape_sequence_or_control_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log's lines were redacted but printed raw: a managed dataset (in a committed ``.honeyhive/local.db``, say)
    listing a datapoint id the backend does not return, which the warning quotes, cleared and retitled the terminal,
    and its carriage return wrote over the warning's start."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    dataset = with_managed_dataset(root, ["\x1b]0;pwned\x07\x1b[2Jgone\rERROR: forged"])

    assert main(["runs", "-C", str(root)], environ={}) == 0
    err = capsys.readouterr().err
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", err), repr(err)
    assert (
        f"warning: HoneyHive's dataset managed ({dataset}) lists 1 datapoint(s) it did not return (gone ERROR: forged)"
        in err
    ), err


def test_a_dataset_name_two_managed_datasets_share_is_an_error_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``dataset.name`` that two of the backend's datasets have: the run read whichever the backend listed first, and
    said nothing. Now an error names both ids, which the experiment file can give instead."""
    root = copy_quickstart(tmp_path / "repo", questions=2)
    first, second = with_managed_dataset(root, []), with_managed_dataset(root, [])
    config = root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(f"  id: {first}", "  name: managed"), "utf-8")

    assert main(["run", "--dry-run", "-C", str(root)], environ={}) == 2
    err = capsys.readouterr().err
    assert f"HoneyHive has 2 datasets named 'managed' ({first}, {second}): give the id of the one to use" in err, err


def test_runs_of_an_experiment_without_runs_says_so(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bare header and "no baseline" were printed."""
    assert main(["runs", "-C", str(repo)], environ={}) == 0
    output = capsys.readouterr()
    assert output.out == "no runs yet for experiment 'support-bot-quickstart'\n"
    assert "baseline" not in output.err


@pytest.mark.parametrize(("command", "code"), [(["runs"], 0), (["view", "--no-open"], 2)])
def test_a_command_that_reads_makes_no_local_database(
    repo: Path, capsys: pytest.CaptureFixture[str], command: list[str], code: int
) -> None:
    """``runs`` and ``view`` in a repository no run was made in created .honeyhive/local.db (73 KB) to say there
    was no run: only ``run`` makes it."""
    before = sorted(repo.rglob("*"))
    assert main([*command, "-C", str(repo)], environ={}) == code
    err = capsys.readouterr().err
    assert "which no run has made yet" in err, err
    assert sorted(repo.rglob("*")) == before
    assert main(["run", "--dry-run", "-C", str(repo)], environ={}) == 0
    assert (repo / ".honeyhive" / "local.db").is_file()


def test_view_without_a_run_id_names_no_run_id_argument(
    quickstart: Path, backend: LocalBackend, hh: HoneyHiveClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """The latest run's problem was said as "error: RUN_ID: ..." though no RUN_ID was given."""
    argv = ["view", "--no-open", "-C", str(quickstart), "--server-url", backend.url]
    assert main(argv, environ={"HH_API_KEY": API_KEY}) == 2
    err = "\n" + capsys.readouterr().err
    assert "\nerror: experiment 'support-bot-quickstart' has no run" in err, err
    failed = str(uuid.uuid4())
    hh.create_run({"run_id": failed, "name": "support-bot-quickstart", "status": "failed"})
    assert main(argv, environ={"HH_API_KEY": API_KEY}) == 2
    err += "\n" + capsys.readouterr().err
    none = "\nerror: experiment 'support-bot-quickstart' has no completed run of .honeyhive/experiment.yml yet:"
    assert f"{none} run {failed} is failed, not completed" in err, err
    assert "RUN_ID" not in err
    assert main([*argv, failed], environ={"HH_API_KEY": API_KEY}) == 2  # given: the argument it is about is named
    assert capsys.readouterr().err.startswith(f"error: RUN_ID: run {failed} is failed, not completed")


@pytest.mark.parametrize("damage", ["not a database", "a folder", "another program's database"])
@pytest.mark.parametrize("command", [["runs"], ["view", "--no-open"], ["run", "--dry-run"]])
def test_a_damaged_local_database_is_named_not_a_traceback(
    repo: Path, capsys: pytest.CaptureFixture[str], command: list[str], damage: str
) -> None:
    """``runs`` and ``view`` ended in sqlite3's traceback (exit 1, a 'fail'); ``run`` said 'unexpected
    DatabaseError' without naming the file. Another program's SQLite database was said as a read-only mount's
    ("check that it and its folder can be written")."""
    database = repo / ".honeyhive" / "local.db"
    database.parent.mkdir(exist_ok=True)
    if damage == "a folder":
        database.mkdir()
    elif damage == "not a database":
        database.write_text("garbage\n")
    else:
        sqlite3.connect(database).execute("CREATE TABLE runs (x)").connection.close()

    code = main([*command, "--working-directory", str(repo)], environ={})

    err = capsys.readouterr().err
    assert code == 2, err
    assert f"error: {database}: the embedded backend cannot open it (" in err, err
    assert "move it away, and a new one is made" in err, err
    assert ("not this tool's" in err) is (damage == "another program's database"), err


@pytest.fixture
def repo_others_may_enter() -> Iterator[Path]:
    """The quickstart (three questions) in a folder other users may enter (pytest's tmp_path is private to its
    user), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="hh-read-only-"))
    base.chmod(0o755)
    yield copy_quickstart(base / "repo", questions=3)
    shutil.rmtree(base)


def test_a_local_database_that_cannot_be_written_is_kept_saying_what_to_check(
    repo_others_may_enter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A read-only mount (or a full disk, or a lock another process holds) was told "move it away, and a new one is
    made", as for a file that is no database: moved away, every local run, the local baselines, is lost. Here the
    database and its folder are another user's (as root: this process runs as uid 1001; else they are made
    read-only)."""
    repo = repo_others_may_enter
    database = repo / ".honeyhive" / "local.db"
    assert main(["run", "--dry-run", "-C", str(repo)], environ={}) == 0  # a run recorded
    assert main(["runs", "-C", str(repo)], environ={}) == 0  # and what `runs` imports, imported as root
    kept = database.read_bytes()
    capsys.readouterr()
    as_root = os.geteuid() == 0
    if not as_root:
        database.chmod(0o444)
        database.parent.chmod(0o555)
    try:
        with effective_uid(1001 if as_root else None):
            code = main(["runs", "-C", str(repo)], environ={})
    finally:
        database.parent.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"error: {database}: the embedded backend cannot open it (" in err, err  # then SQLite's words
    assert "move it away" not in err
    assert "(a read-only mount?)" in err
    assert "no other process holds it locked; the runs in it are kept" in err
    assert database.read_bytes() == kept


@pytest.mark.parametrize("made", ["nothing", "a file"])
@pytest.mark.parametrize("command", [["run", "--dry-run"], ["validate"], ["runs"], ["view", "--no-open"], ["action"]])
def test_a_working_directory_that_is_no_folder_is_said_and_nothing_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], made: str
) -> None:
    """``run -C missing`` made missing/.honeyhive/ for the report of "config file not found"; ``-C a-file`` said
    "cannot write the HTML report's folder (...): Not a directory ... (a read-only mount?)"."""
    named = tmp_path / "typo"
    if made == "a file":
        named.write_text("")
    problem = "does not exist" if made == "nothing" else "is a file, not a folder"
    if command == ["action"]:
        env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path), "HH_API_KEY": "hh-key"}
        code = main(command, environ={**env, "HONEYHIVE_EXPERIMENT_WORKING_DIRECTORY": "typo"})
        said = f"::error::working-directory: typo {problem}"  # from the workspace, not the runner's path
    else:
        code = main([*command, "--working-directory", str(named)], environ={})
        said = f"error: --working-directory: {named} {problem}"

    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert [line for line in (out + err).splitlines() if line.strip()] == [said]
    assert sorted(tmp_path.iterdir()) == ([] if made == "nothing" else [named])


TRIALS_0 = 'input trials: expected a whole number from 1 to 100, got "0"'
INPUT_ERRORS = [  # the inputs, what the job summary says (each), the exit code, whether the comment says it too
    ({"trials": "0"}, [TRIALS_0], 2, True),
    ({"trials": "0", "fail-on-error": "false"}, [TRIALS_0], 0, True),
    ({"shard": "1/2"}, ["input shard: only applies with mode: run or report (got mode: all)"], 2, True),
    ({"install": "-r /proc/self/environ"}, ["input install: -r /proc/self/environ: not inside the working"], 2, True),
    # not understood: whether (and how) to comment, so no comment
    ({"comment-mode": "bogus"}, ['input comment-mode: expected one of update | new | off, got "bogus"'], 2, False),
    (
        {"trials": "0", "comment-mode": "bogus", "fail-on-error": "maybe"},  # every one said; maybe: not false
        ["input comment-mode: expected one of", 'input fail-on-error: expected true or false, got "maybe"', TRIALS_0],
        2,
        False,
    ),
    # a folder outside the workspace: nothing is read or written there, so no report.json and no comment (the
    # experiment's name is in it)
    ({"working-directory": "../x"}, ["working-directory: refusing to work in ../x: it leads outside"], 2, False),
    # a report naming a folder, existing or by its trailing slash (taken as the file out): "Is a directory", exit 2,
    # no output, fail-on-error ignored; now refused as ../outside.json is, nothing written where it names
    ({"report": ".honeyhive", "fail-on-error": "false"}, ['report: ".honeyhive" names a folder: name'], 0, False),
    ({"report": "out/"}, ['input report: "out/" names a folder: name the file, e.g. out/report.json'], 2, False),
    ({"report": "out/."}, ['input report: "out/." names a folder: name the file'], 2, False),  # the file out too
    # named from the workspace: it said the runner's path, "report.json's folder (/home/runner/…/README.md)"
    ({"report": "README.md/report.json"}, ["report: cannot write report.json's folder (README.md): Not a"], 2, False),
    # report.json lost under the HTML report beside it (its name with .html), or written over a file of the tool's
    ({"report": "out/report.html"}, ["report: report.json and the HTML report would both be written to"], 2, False),
    ({"report": ".honeyhive/experiment.yml"}, ["report: refusing to write report.json over the experiment"], 2, False),
    # or over any file that is no report of ours: the README, the module under test (audit80 F1)
    ({"report": "README.md"}, ["report: refusing to write report.json over README.md: it is no report of"], 2, False),
    # looking for it raised ENAMETOOLONG: "unexpected OSError", a bug of ours
    ({"report": "a" * 300 + ".json"}, ["input report: a name in it is longer than 255 bytes"], 2, False),
    # it fits, but not report.published.json beside it, which a publish step reading it writes
    ({"report": "a" * 250 + ".json"}, ["input report: the file written beside it, "], 2, False),
]


@pytest.mark.parametrize(("inputs", "said", "code", "commented"), INPUT_ERRORS)
def test_an_input_the_action_cannot_use_is_its_error_verdict_reported_as_any_other(
    quickstart: Path,
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, str],
    said: list[str],
    code: int,
    commented: bool,
) -> None:
    """``trials: "0"`` exited 2 and wrote no output, no job summary and no comment: ``verdict == 'error'`` never
    matched, ``fail-on-error: false`` did not apply, and the pull request kept the previous commit's comment.
    Now it is the error verdict, reported as a config error is (the runner's files, report.json, the comment)."""
    with FakeGitHub(repository=REPOSITORY) as github:
        github.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF)
        step = Step(quickstart.parent / "step", pull_request())
        given = {"api-key": "hh-input-errors-key-0123456789", "github-token": github.token, **inputs}

        exit_code = main(["action"], environ=step.env(quickstart, given, api_url=github.api_url))

        comments = [comment.body for comment in github.comments(PR)]
    out = capsys.readouterr().out
    assert exit_code == code, out
    outputs, summary = step.outputs(), step.summary()
    assert outputs["verdict"] == "error", out
    level = "warning" if code == 0 else "error"  # fail-on-error: false turns it into a warning
    annotations = [line for line in out.splitlines() if line.startswith(f"::{level}::")]
    for text in said:
        assert text in summary, summary
        assert any(text.removeprefix("input ") in line for line in annotations), out
        assert all(text in body for body in comments), comments
    assert len(comments) == commented
    report = quickstart / ".honeyhive" / "report.json"
    if "working-directory" in inputs or "report" in inputs:
        assert (outputs["report-path"], report.exists(), (quickstart / "out").exists()) == ("", False, False)
    else:
        assert outputs["report-path"] == ".honeyhive/report.json"
        assert json.loads(report.read_text())["verdict"] == "error"


@pytest.mark.parametrize(
    ("report", "said"),
    [
        (".honeyhive", 'report: ".honeyhive" names a folder: name the file, e.g. out/report.json'),
        ("out/", 'report: "out/" names a folder: name the file, e.g. out/report.json'),
        ("../outside.json", "report: refusing to read or write ../outside.json: it leads outside the workspace"),
    ],
)
def test_a_shard_job_refuses_a_report_input_it_cannot_use_as_every_job_does(
    quickstart: Path, capsys: pytest.CaptureFixture[str], report: str, said: str
) -> None:
    """A shard job (``mode: run``) writes no report, but its ``report`` input is held as every job's (as its
    ``comment-mode`` is, though it posts nothing): the workflow's jobs usually share it, and the first job to start
    says the mistake, before any shard records anything. An error, exit 2, nothing run; nothing written where it
    names."""
    step = Step(quickstart.parent / "step", pull_request())
    inputs = {"api-key": "hh-shard-report-key-0123456789", "mode": "run", "shard": "1/2", "report": report}

    code = main(["action"], environ=step.env(quickstart, inputs))

    out = capsys.readouterr().out
    assert code == 2, out
    errors = [line for line in out.splitlines() if line.startswith("::error::")]
    assert [line[: len(said) + 9] for line in errors] == [f"::error::{said}"], out
    assert "recorded" not in out, out
    assert sorted(path.name for path in quickstart.parent.iterdir()) == ["repo", "step"]
    assert not (quickstart / "out").exists()


def test_a_baseline_that_cannot_be_found_is_said_before_anything_is_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--baseline nosuchref`` ran and recorded every datapoint, then failed: the run was left in the backend
    with no check, and the report named no run."""
    code = main(["run", "--dry-run", "--baseline", "nosuchref", "--working-directory", str(repo)], environ={})

    assert code == 2
    assert "error: baseline nosuchref: no completed run of" in capsys.readouterr().err
    assert main(["runs", "--working-directory", str(repo)], environ={}) == 0
    listed = capsys.readouterr().out
    assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", listed) is None, f"a run was recorded:\n{listed}"


@pytest.mark.parametrize(
    "typo",
    [
        "max_wokers: 3\n",  # a file that does not validate still declares its name
        "name: [unclosed\n",  # one whose YAML cannot be read does not: its comment is the file's all the same
    ],
)
def test_a_config_error_replaces_the_experiments_comment_instead_of_adding_one(
    repo: Path, capsys: pytest.CaptureFixture[str], typo: str
) -> None:
    """A typo in the experiment file posted a second comment, and left the first one showing an older commit's
    result: the comment was keyed by the experiment's name, which a file that no longer parses does not give."""

    def comment_marker() -> str:
        code = main(["run", "--dry-run", "--no-html", "--working-directory", str(repo)], environ={})
        out = capsys.readouterr().out
        return str(code) + next(line for line in out.splitlines() if line.startswith("<!-- honeyhive-experiment:v1"))

    good = comment_marker()
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + typo)
    broken = comment_marker()

    assert (good[0], broken[0]) == ("0", "2")
    assert good[1:] == broken[1:]


def test_a_baseline_run_of_another_experiment_is_used_as_asked_but_said(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--baseline RUN_ID`` is used as is; when it names another experiment's run the report says so, instead of
    a comparison of two unrelated datasets that reads like any other."""
    config = repo / ".honeyhive" / "experiment.yml"
    other = repo / ".honeyhive" / "other.yml"
    other.write_text(config.read_text().replace("name: support-bot-quickstart", "name: other-experiment"))
    report = repo / "report.json"
    run = ["run", "--dry-run", "--working-directory", str(repo), "--report", str(report)]
    assert main([*run, "--config", str(other)], environ={}) == 0
    other_run = json.loads(report.read_text())["run"]["id"]
    capsys.readouterr()

    code = main([*run, "--baseline", other_run], environ={})

    assert code == 0, capsys.readouterr().err
    notes = json.loads(report.read_text())["notes"]
    assert any("a run of another experiment, 'other-experiment'" in note for note in notes), notes


def test_a_command_called_from_python_leaves_no_log_handler_behind(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``main`` called in-process left its handler on the root logger, writing to the standard error of a call that
    had returned: the next record (the SDK's ``evaluate`` in the same process) failed on the closed stream, and
    logging's report of that failure printed the exception being handled, the user's, with the key in it."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    code, output = _validate(repo, capsys)
    assert code == 0, output
    assert (root.handlers, root.level) == (handlers, level)
    try:
        raise PermissionError(f"upstream refused the key {API_KEY}")
    except PermissionError:
        logging.getLogger("honeyhive_experiment.calling").warning("a record made while the user's error is handled")
    assert API_KEY not in "".join(capsys.readouterr())

"""Trials in the report (issue 22, item 4): the header's "3 trials per datapoint", values ± their spread, the Flaky
section, flaky failures marked, a baseline with other trials named; in the comment, the terminal and report.json.

The input is the failing scenario's, as a backend that reduced 3 trials per datapoint reports it: ``trials``,
``flaky``, each metric's ``spread`` and each datapoint's ``trials`` / ``trials_passed``.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import pytest

from honeyhive_experiment.judgement import Judgement
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.report import COMMENT_LIMIT
from tests.honeyhive_experiment.report.scenarios import (
    FAIL_COMPARE_BODY,
    FAIL_SUMMARY_BODY,
    comparison_of,
    fail_input,
    pass_input,
    render_comment,
    render_summary,
    render_terminal,
    report_json,
    summary_of,
)

pytestmark = pytest.mark.unit

FLAKY = {"EXT-q2": 1, "EXT-q4": 2}  # datapoint → trials passed of 3: q2 failed on its mean, q4 passed


def with_trials(*, baseline_trials: int = 1, flaky: dict[str, int] | None = None) -> Judgement:
    flaky = FLAKY if flaky is None else flaky
    body: dict[str, Any] = copy.deepcopy(FAIL_SUMMARY_BODY)
    body["trials"] = 3
    body["flaky"] = list(flaky)
    for detail in body["metrics"]["details"]:
        detail["spread"] = {"accuracy": 0.1204, "latency_ms": 85.5}[detail["metric_name"]]
    for row in body["datapoints"]:
        row["trials"] = 3
        row["trials_passed"] = flaky.get(row["datapoint_id"], 3 if row["passed"] else 0)
    summary = summary_of(body)
    judged = fail_input()
    assert judged.baseline is not None
    return dataclasses.replace(
        judged,
        summary=summary,
        comparison=comparison_of(FAIL_COMPARE_BODY, summary),
        baseline=dataclasses.replace(judged.baseline, trials=baseline_trials),
        trials=3,
    )


def test_the_comment_says_the_trials_the_spread_and_the_flaky_datapoints() -> None:
    text = render_comment(with_trials()).text
    assert (
        "❌ **Failed** · 6 of 6 datapoints ran, 2 failed; 1 datapoint with an evaluator error · 3 trials per"
        " datapoint\n" in text
    )
    assert "⚠️ baseline: 1 trial, this run: 3" in text
    [accuracy] = [line for line in text.splitlines() if line.startswith("| Accuracy |")]
    assert "| 0.713 ± 0.120 |" in accuracy
    [latency] = [line for line in text.splitlines() if line.startswith("| Latency (ms) |")]
    assert "| 1,480 ± 86 |" in latency
    assert "🎲 2 flaky datapoints: their trials disagree on pass/fail" in text
    assert "| EXT-q2 | 1 of 3 | ❌ failed on the mean |" in text
    assert "| EXT-q4 | 2 of 3 | ✅ passed on the mean |" in text
    [failed_row] = [line for line in text.splitlines() if line.startswith("| EXT-q2 (")]
    assert "(🎲 flaky: 1 of 3 trials passed)" in failed_row


def test_the_same_trials_on_both_sides_are_not_called_out() -> None:
    text = render_comment(with_trials(baseline_trials=3)).text
    assert "this run: 3" not in text
    assert "3 trials per datapoint" in text


def test_a_run_with_trials_but_no_flaky_datapoint_shows_no_flaky_section() -> None:
    judged = with_trials(flaky={})
    text = render_comment(judged).text
    assert "flaky" not in text.lower()
    assert report_json(judged)["datapoints"]["flaky"] == []
    assert "Flaky" not in render_terminal(judged)


def test_the_terminal_shows_the_same() -> None:
    text = render_terminal(with_trials())
    assert (
        "Verdict: FAIL (6 of 6 datapoints ran, 2 failed; 1 datapoint with an evaluator error), 3 trials per datapoint"
        in text
    )
    assert "Trials differ: baseline: 1 trial, this run: 3" in text
    assert re.search(r"^Accuracy\s.*0\.713 ± 0\.120", text, re.MULTILINE), text
    assert "  EXT-q2 (flaky: 1 of 3 trials passed): Accuracy = 0.200" in text
    assert "Flaky datapoints (2): their trials disagree on pass/fail" in text
    assert "  EXT-q2: 1 of 3 trials passed, failed on the mean" in text
    assert "  EXT-q4: 2 of 3 trials passed, passed on the mean" in text


def test_report_json_carries_trials_spread_and_the_flaky_datapoints() -> None:
    doc = report_json(with_trials())
    assert doc["trials"] == 3
    assert doc["baseline"]["trials"] == 1
    spreads = {m["name"]: m["spread"] for m in doc["metrics"]}
    assert spreads == {"accuracy": 0.1204, "latency_ms": 85.5, "similarity": None}  # similarity: its evaluator raised
    assert doc["datapoints"]["flaky"] == [
        {"id": "EXT-q2", "place": None, "trials_passed": 1, "trials": 3, "failed": True, "errored_trials": 0},
        {"id": "EXT-q4", "place": None, "trials_passed": 2, "trials": 3, "failed": False, "errored_trials": 0},
    ]
    [failed] = doc["datapoints"]["failed"]
    assert (failed["id"], failed["trials_passed"], failed["trials"]) == ("EXT-q2", 1, 3)


def test_without_trials_nothing_is_said_of_them() -> None:
    judged = pass_input()
    for text in (render_comment(judged).text, render_summary(judged), render_terminal(judged)):
        assert "trial" not in text.lower()
        assert "flaky" not in text.lower()
        assert "±" not in text
    doc = report_json(judged)
    assert (doc["trials"], doc["baseline"]["trials"], doc["datapoints"]["flaky"]) == (1, 1, [])
    assert {m["spread"] for m in doc["metrics"]} == {None}


def test_thousands_of_flaky_datapoints_stay_within_the_comments_budget() -> None:
    many = {f"EXT-flaky-{i:05d}-{'x' * 60}": i % 3 for i in range(3000)}
    judged = with_trials(flaky=many)
    rendered = render_comment(judged)
    assert len(rendered.text) <= COMMENT_LIMIT
    assert "🎲 3,000 flaky datapoints" in rendered.text
    assert "Showing 20 of 3,000; all of them are in the job summary." in rendered.text
    assert len(report_json(judged)["datapoints"]["flaky"]) == 3000


def test_the_flaky_list_names_a_datapoint_of_a_dataset_file_by_its_line_as_the_failed_list_does() -> None:
    """The failed list said ``data/q.jsonl:2 (EXT-q2)``, the flaky list ``EXT-q2`` only: with derived ids, a row the
    user cannot find in the file (audit). Now both, in the terminal, the comment, the job summary and report.json."""
    judged = dataclasses.replace(with_trials(), places={"EXT-q2": "data/q.jsonl:2", "EXT-q4": "data/q.jsonl:4"})

    assert [row["place"] for row in report_json(judged)["datapoints"]["flaky"]] == ["data/q.jsonl:2", "data/q.jsonl:4"]
    terminal = render_terminal(judged)
    assert "  data/q.jsonl:2 (EXT-q2): 1 of 3 trials passed, failed on the mean" in terminal, terminal
    assert "  data/q.jsonl:4 (EXT-q4): 2 of 3 trials passed, passed on the mean" in terminal, terminal
    for text in (render_comment(judged).text, render_summary(judged)):
        assert "| data/q.jsonl:2 (EXT-q2) | 1 of 3 | ❌ failed on the mean |" in text, text
        assert "| data/q.jsonl:4 (EXT-q4) | 2 of 3 | ✅ passed on the mean |" in text, text


def test_the_headline_counts_datapoints_not_trials_nor_evaluators() -> None:
    """EXT-q6's evaluator raised on each of its 3 trials and EXT-q5's function timed out on each of its: the headline
    said "6 of 6 datapoints ran, 2 failed; 3 evaluator errors" beside a reason of 1 datapoint (q5 did not run)."""
    judged = with_trials()
    raised = (EvaluatorFailure("similarity", "ZeroDivisionError: division by zero"),)
    outcomes = [
        *(
            DatapointOutcome(4, "EXT-q5", f"s5-{t}", OutcomeStatus.TIMEOUT, error="timed out", trial=t)
            for t in range(3)
        ),
        *(
            DatapointOutcome(5, "EXT-q6", f"s6-{t}", OutcomeStatus.OK, evaluator_failures=raised, trial=t)
            for t in range(3)
        ),
    ]
    judged = dataclasses.replace(judged, outcomes=outcomes)
    headline = "5 of 6 datapoints ran, 2 failed; 1 datapoint with evaluator errors"
    assert f"❌ **Failed** · {headline} · 3 trials per datapoint\n" in render_comment(judged).text
    assert f"Verdict: FAIL ({headline}), 3 trials per datapoint" in render_terminal(judged)
    # a function that timed out on only some of its trials ran on the others
    judged = dataclasses.replace(judged, outcomes=[*outcomes[1:]])
    assert "6 of 6 datapoints ran, 2 failed; 1 datapoint with evaluator errors" in render_terminal(judged)


def test_a_row_says_of_its_evaluators_errors_those_in_some_trials_only_as_the_verdict_counts_them() -> None:
    """similarity raised in every trial of EXT-q6 and in one of EXT-q5's, whose other trials gave values: the row said
    "errored on 2 of 2" as if neither had one. Only a number or a bool spares a datapoint, as in the verdict."""
    raised = (EvaluatorFailure("similarity", "ZeroDivisionError: division by zero"),)
    outcomes = [
        DatapointOutcome(4, "EXT-q5", "s5-0", OutcomeStatus.OK, evaluator_failures=raised, trial=0),
        *(
            DatapointOutcome(4, "EXT-q5", f"s5-{t}", OutcomeStatus.OK, metrics={"similarity": 0.5}, trial=t)
            for t in (1, 2)
        ),
        *(
            DatapointOutcome(5, "EXT-q6", f"s6-{t}", OutcomeStatus.OK, evaluator_failures=raised, trial=t)
            for t in range(3)
        ),
    ]
    judged = dataclasses.replace(with_trials(), outcomes=outcomes)
    said = "errored on 2 of 2, 1 of them in some trials only (values from the others): ZeroDivisionError"
    assert said in render_terminal(judged)
    assert next(m for m in report_json(judged)["metrics"] if m["name"] == "similarity")["spared"] == 1
    # a string from the other trials spares nothing: it is no value
    outcomes[1:3] = [dataclasses.replace(o, metrics={"similarity": "high"}) for o in outcomes[1:3]]
    assert "errored on 2 of 2: ZeroDivisionError" in render_terminal(dataclasses.replace(judged, outcomes=outcomes))

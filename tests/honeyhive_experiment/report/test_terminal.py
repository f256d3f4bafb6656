"""``report.terminal``: the plain-text report of a dry run."""

from __future__ import annotations

import dataclasses

import pytest

from honeyhive_experiment import report
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.report.build import build_report
from honeyhive_experiment.report.model import ReportFailingMetric
from honeyhive_experiment.verdict import Decision, Verdict
from tests.honeyhive_experiment.report.scenarios import (
    PASS_COMPARE_BODY,
    PASS_SUMMARY_BODY,
    baseline_info,
    comparison_of,
    fail_input,
    nasty_input,
    pass_input,
    render_comment,
    render_terminal,
    summary_of,
)

pytestmark = pytest.mark.unit


def test_terminal_output_is_plain_text() -> None:
    data = dataclasses.replace(
        nasty_input(),
        notes=("\x1b[31mred\x1b[0m and a bell\x07",),
    )
    text = render_terminal(data)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "<details>" not in text
    assert "**" not in text
    assert "\\|" not in text  # no Markdown escaping in plain text
    assert "a|b" in text


def test_terminal_table_aligns_columns() -> None:
    lines = render_terminal(pass_input()).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Metric"))
    table = lines[header : header + 2 + 5]
    assert set(table[1]) <= {"-", " "}
    # the right-aligned "This run" column ends at the same offset on every row
    end = table[0].index("This run") + len("This run")
    assert all(row[end - 1] != " " for row in table[2:])


def test_terminal_metric_status_keeps_a_multiline_evaluator_error_on_its_row() -> None:
    # an evaluator's exception message with a line break: the status cell was printed raw, so the row split and
    # the message's second line (here a workflow command) began a line of the log
    data = fail_input()
    outcomes = [
        dataclasses.replace(o, evaluator_failures=(EvaluatorFailure("similarity", "ValueError: bad\n::error::forged"),))
        if o.evaluator_failures
        else o
        for o in data.outcomes
    ]
    text = render_terminal(dataclasses.replace(data, outcomes=outcomes))
    assert not any(line.startswith("::") for line in text.splitlines())
    assert any("errored on" in line and "ValueError: bad ::error::forged" in line for line in text.splitlines())


def test_terminal_metric_status_tells_each_kind_of_an_evaluators_errors_with_its_count() -> None:
    # it raised on one datapoint and returned a NaN on the other: the note said "errored on 2 of 2: ZeroDivisionError"
    # as though it had raised on both
    data = fail_input()
    nan = EvaluatorFailure("similarity", "NonFiniteMetric: metric 'similarity' is nan")
    outcomes = [
        dataclasses.replace(o, evaluator_failures=(nan,)) if o.datapoint_id == "EXT-q2" else o for o in data.outcomes
    ]
    text = render_terminal(dataclasses.replace(data, outcomes=outcomes))
    nan_said = "returned an invalid metric on 1 (metric 'similarity' is nan)"
    assert f"errored on 2 of 2: {nan_said}; raised on 1 (ZeroDivisionError: division by zero)" in text


def test_the_verdict_line_of_a_run_whose_evaluators_broke_says_they_ran_not_passed() -> None:
    """Every datapoint passed by the backend (it passes one whose metric has no value) while every evaluator raised:
    the headline read "Verdict: FAIL (6 of 6 datapoints passed)", a contradiction."""
    broken = (EvaluatorFailure("accuracy", "TypeError: 'NoneType' object is not subscriptable"),)
    outcomes = [
        DatapointOutcome(i, f"EXT-q{i + 1}", f"sess-EXT-q{i + 1}", OutcomeStatus.OK, evaluator_failures=broken)
        for i in range(2)
    ]
    decision = Decision(Verdict.FAIL, ("accuracy has a passing range but no value on 2 of the datapoints",))
    text = render_terminal(dataclasses.replace(pass_input(), decision=decision, outcomes=outcomes))
    assert text.splitlines()[1] == "Verdict: FAIL (6 of 6 datapoints ran; 2 datapoints with evaluator errors)", text


def test_a_failed_datapoints_line_says_how_many_more_metrics_it_failed_as_the_comment_does() -> None:
    """Past the first five failing metrics the terminal dropped the rest without a word; the comment says "and N
    more"."""
    built = build_report(fail_input())
    row = built.datapoints.failed[0]
    failing = tuple(ReportFailingMetric(name=f"m{i}", event_name=None, value=0, text=f"m{i} = 0") for i in range(8))
    failed = (row.model_copy(update={"failing_metrics": failing}), *built.datapoints.failed[1:])
    built = built.model_copy(update={"datapoints": built.datapoints.model_copy(update={"failed": failed})})
    [line] = [line for line in report.render_terminal(built).splitlines() if "m0 = 0" in line]
    assert line.endswith(": m0 = 0; m1 = 0; m2 = 0; m3 = 0; m4 = 0; and 3 more")


@pytest.mark.parametrize(("shared", "total"), [(0, 0), (4, 6)])
def test_the_compared_on_line_is_said_where_the_comment_and_the_page_say_it(shared: int, total: int) -> None:
    """The comment and the page leave out "compared on" when the run has no datapoints to compare; the terminal
    printed "Compared on 0 of 0 datapoints"."""
    summary = summary_of(PASS_SUMMARY_BODY)
    comparison = comparison_of(PASS_COMPARE_BODY, summary)
    data = dataclasses.replace(
        pass_input(),
        comparison=comparison.model_copy(update={"common_datapoints": [f"EXT-q{i}" for i in range(shared)]}),
        baseline=baseline_info(total_datapoints=total),
    )
    built = build_report(data)
    said = [
        f"compared on {shared} of {total} datapoints" in text.replace("*", "").replace("<b>", "").replace("</b>", "")
        for text in (render_terminal(data).lower(), render_comment(data).text, report.render_html(built))
    ]
    assert said == [bool(total)] * 3, said

"""``report.view``: what the report shows — the backend's numbers, direction-aware, formatted; the baseline's
overlap and age; the trend; failed and errored datapoints. Checked where a reader sees them: the comment."""

from __future__ import annotations

import dataclasses
import html
from datetime import timedelta

import pytest

from honeyhive_experiment.config import CommentConfig, Direction, MetricConfig
from honeyhive_experiment.judgement import Judgement, RunTotals
from honeyhive_experiment.report import build_report, render_html
from honeyhive_experiment.report.model import ReportMetric
from honeyhive_experiment.verdict import Decision, Verdict, assess_comparison
from tests.honeyhive_experiment.report.scenarios import (
    IDS,
    NOW,
    PASS_COMPARE_BODY,
    PASS_SUMMARY_BODY,
    all_passed,
    base_input,
    baseline_info,
    cells,
    comparison_of,
    datapoint,
    decided,
    delta,
    detail,
    fail_input,
    many,
    no_baseline_input,
    pass_input,
    render_comment,
    render_summary,
    render_terminal,
    report_json,
    summary_of,
    table_rows,
)

pytestmark = pytest.mark.unit


# ------------------------------------------------------------------------------------------------------------
# the baseline
# ------------------------------------------------------------------------------------------------------------


def test_a_low_overlap_is_warned_about() -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    comparison = comparison_of(PASS_COMPARE_BODY, summary)
    texts = {
        (shared, total): render_comment(
            base_input(
                summary=summary,
                comparison=comparison.model_copy(update={"common_datapoints": [f"EXT-c{i}" for i in range(shared)]}),
                baseline=baseline_info(total_datapoints=total),
            )
        ).text
        for shared, total in [(12, 50), (44, 50), (46, 50), (50, 50)]
    }
    assert "only 12 of 50 datapoints in common (24%)" in texts[(12, 50)]
    assert "only 44 of 50 datapoints in common (88%)" in texts[(44, 50)]
    assert "compared on **12 of 50** datapoints" in texts[(12, 50)]
    assert "in common" not in texts[(46, 50)]
    assert "in common" not in texts[(50, 50)]


def test_overlap_defaults_to_the_backends_common_datapoints_and_this_runs_datapoints() -> None:
    text = render_comment(fail_input()).text
    assert "compared on **4 of 6** datapoints" in text
    assert "only 4 of 6 datapoints in common (67%)" in text


# HoneyHive's comparison, still lagging when ingestion.timeout ran out, left out datapoints both runs have: every
# output said the runs had only 4 of the 6 datapoints in common, when they had all 6 and the comparison covered 4
# One sentence (ReportBaseline.overlap_note) says it in every output: the terminal, the comment, the job summary and
# the page each wrote their own before, and they had drifted apart.
@pytest.mark.parametrize(
    ("new_only", "old_only", "note", "cause"),
    [
        (  # 2 left out: the runs share all 6
            IDS[4:],
            IDS[4:],
            "The comparison covers only 4 of 6 datapoints (67%), though the two runs have all 6 in common: its changes"
            " describe part of the dataset, not a like-for-like run.",
            "Cause: HoneyHive's comparison left out 2 datapoints",
        ),
        (  # 1 left out, 1 new, 1 gone: the runs share only 5 (83%), which is said too, not only the comparison's
            IDS[4:],
            [IDS[4], "EXT-gone"],
            "The comparison covers only 4 of 6 datapoints (67%): the two runs have only 5 in common (83%), and it"
            " left out some of those. Its changes describe part of the dataset, not a like-for-like run.",
            "Cause: HoneyHive's comparison left out 1 datapoint ",
        ),
        (  # none left out, 2 new, 2 gone: the runs share only the 4 compared
            IDS[4:],
            ["EXT-g1", "EXT-g2"],
            "The two runs have only 4 of 6 datapoints in common (67%): the comparison covers part of the dataset,"
            " not a like-for-like run.",
            None,
        ),
    ],
)
def test_a_low_overlap_says_whether_the_runs_share_few_datapoints_or_the_comparison_covers_few(
    new_only: list[str], old_only: list[str], note: str, cause: str | None
) -> None:
    data = pass_input()
    assert data.comparison is not None
    lists = {"common_datapoints": IDS[:4], "new_only_datapoints": new_only, "old_only_datapoints": old_only}
    data = dataclasses.replace(data, comparison=data.comparison.model_copy(update=lists))
    assert build_report(data).baseline.overlap_note == note  # type: ignore[union-attr]
    assert f"Warning: {note}" in render_terminal(data).splitlines()
    assert f"> {note}" in render_comment(data).text.splitlines()
    assert f"> {note}" in render_summary(data).splitlines()
    page = html.unescape(render_html(build_report(data)))
    assert f"⚠️ {note} {cause}" in page if cause else f"⚠️ {note}</p>" in page
    left = len(set(new_only) & set(old_only))
    assert report_json(data)["baseline"]["uncompared_datapoints"] == left


# the backend's lists disagreed and the report showed both sides without a word: "compared on 42 of 40 datapoints",
# "0 / 11" improved / degraded beside 8 datapoints listed as worse
@pytest.mark.parametrize(
    ("common", "degraded_count", "said"),
    [
        (IDS, 1, []),  # as the backend's lists agree
        (
            [*IDS, "EXT-ghost"],
            1,
            [
                "HoneyHive's comparison counts 1 datapoint as compared that this run's result does not have"
                " (EXT-ghost): the datapoints compared may outnumber this run's"
            ],
        ),
        (
            [*IDS, "EXT-g1", "EXT-g2", "EXT-g3", "EXT-g4"],
            1,
            [
                "HoneyHive's comparison counts 4 datapoints as compared that this run's result does not have"
                " (EXT-g1, EXT-g2, EXT-g3, …): the datapoints compared may outnumber this run's"
            ],
        ),
        (  # an id is cut to 64 characters, between words (first_ids, as errors list ids): it was shown whole
            [*IDS, "EXT ghost, a name far longer than the sixty-four characters an id is cut to"],
            1,
            [
                "HoneyHive's comparison counts 1 datapoint as compared that this run's result does not have"
                " (EXT ghost, a name far longer than the sixty-four characters an…): the datapoints compared may"
                " outnumber this run's"
            ],
        ),
        (
            IDS,
            4,
            [
                "HoneyHive's comparison of Accuracy counts 4 datapoints degraded but lists 1: the counts shown are its"
                " counts, the datapoints shown its list"
            ],
        ),
    ],
)
def test_a_comparison_that_contradicts_the_result_or_itself_says_so(
    common: list[str], degraded_count: int, said: list[str]
) -> None:
    data = pass_input()
    assert data.comparison is not None
    metrics = [
        m.model_copy(update={"degraded_count": degraded_count}) if i == 0 else m
        for i, m in enumerate(data.comparison.metrics)
    ]
    comparison = data.comparison.model_copy(update={"common_datapoints": common, "metrics": metrics})
    warnings = report_json(dataclasses.replace(data, comparison=comparison))["warnings"]
    assert [w for w in warnings if w.startswith("HoneyHive's comparison")] == said


def test_the_age_is_computed_from_generated_at() -> None:
    data = dataclasses.replace(pass_input(), generated_at=NOW + timedelta(days=30))
    assert "(commit 1a2b3c4 on main, 1 month ago)" in render_comment(data).text


# ------------------------------------------------------------------------------------------------------------
# the table: direction-aware, formatted, the backend's numbers
# ------------------------------------------------------------------------------------------------------------


def metric_row(text: str, label: str) -> list[str]:
    rows = table_rows(text, "| Metric |")
    return next(cells(row) for row in rows if cells(row)[0] == label)


@pytest.mark.parametrize(
    ("direction", "difference", "change", "improved", "degraded", "status", "counts"),
    [
        # the backend calls a larger value "improved"; for lower-is-better that is the worse side
        (Direction.LOWER, -153.58, -11.6326, 0, 7, "🟢 better", "7 / 0"),
        (Direction.LOWER, 153.58, 11.6326, 7, 0, "🔴 worse", "0 / 7"),
        (Direction.HIGHER, -153.58, -11.6326, 0, 7, "🔴 worse", "0 / 7"),
        (Direction.HIGHER, 153.58, 11.6326, 7, 0, "🟢 better", "7 / 0"),
    ],
)
def test_status_and_improved_degraded_are_direction_aware(
    direction: Direction, difference: float, change: float, improved: int, degraded: int, status: str, counts: str
) -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    body = {
        "commonDatapoints": IDS,
        "metrics": [delta("latency_ms", 1320.25, 1166.67, difference, change, improved, degraded, 0)],
    }
    comparison = comparison_of(body, summary)
    metrics = {"latency_ms": MetricConfig(direction=direction, label="Latency (ms)", format=",.0f")}
    data = base_input(
        summary=summary,
        comparison=comparison,
        baseline=baseline_info(),
        metrics=metrics,
        assessment=assess_comparison(comparison, metrics, alpha=0.05),  # the sign test on the counts, as the flow's
    )
    row = metric_row(render_comment(data).text, "Latency (ms)")
    assert row[3] == ("-154" if difference < 0 else "+154")
    assert row[5] == counts
    assert row[6] == f"{status} (p = 0.016)"
    json_row = report_json(data)["metrics"][0]
    assert (json_row["improved_count"], json_row["degraded_count"]) == (improved, degraded)  # the backend's
    assert json_row["change"] == status.split()[1]


def test_numbers_are_the_backends_even_when_they_do_not_add_up() -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    # a deliberately inconsistent body: 2.0 - 1.0 is not 5.0, and 42% is nobody's arithmetic
    body = {"commonDatapoints": IDS, "metrics": [delta("accuracy", 1.0, 2.0, 5.0, 42.0, 7, 8, 9)]}
    data = base_input(summary=summary, comparison=comparison_of(body, summary), metrics={})
    row = metric_row(render_comment(data).text, "accuracy")
    assert row[1:6] == ["1", "2", "+5", "+42.0%", "7 / 8"]
    metric = report_json(data)["metrics"][0]
    assert (metric["baseline"], metric["value"], metric["difference"], metric["percentage_change"]) == (
        1.0,
        2.0,
        5.0,
        42.0,
    )


def test_a_missing_difference_is_shown_as_unknown_not_computed() -> None:
    summary = summary_of(PASS_SUMMARY_BODY)
    body = {"commonDatapoints": IDS, "metrics": [delta("accuracy", 1.0, 2.0, None, None, 0, 0, 0)]}
    data = base_input(summary=summary, comparison=comparison_of(body, summary), metrics={})
    row = metric_row(render_comment(data).text, "accuracy")
    assert row[3:5] == ["—", "—"]
    assert row[6] == "⚠️ no datapoint has a value in both runs: the aggregates are of different datapoints"


@pytest.mark.parametrize(
    ("paired", "shared", "either", "change", "difference", "percentage", "partial"),
    [
        (2, 20, 20, "same", 0.4, 66.7, True),  # the metric lost values on 18 shared datapoints: the header says nothing
        (22, 22, 23, "same", 0.0, 0.0, False),  # one new datapoint, the aggregate did not move: the header says 1 new
        (22, 22, 23, "too few changes to tell", 0.2, 1.3, True),  # ... it moved +1.3% (a Δ of 0 at .0f)
        (10, 10, 20, "same", -0.5, -50.0, True),  # 10 new scoring 0: "same" beside -50% tells the wrong thing
        (4, 4, 8, "worse", -0.1, -12.2, False),  # the aggregate moved the way the paired datapoints did
        (4, 4, 8, "worse", 0.1, 12.2, True),  # ... the other way
        (4, 4, 8, "new", 0.1, None, False),
    ],
)
def test_a_row_is_marked_partial_only_where_its_aggregates_tell_another_story(
    paired: int, shared: int, either: int, change: str, difference: float, percentage: float | None, partial: bool
) -> None:
    metric = ReportMetric.model_construct(
        direction=Direction.HIGHER,
        format=".0f",
        percent=False,
        paired=paired,
        shared=shared,
        datapoints=either,
        change=change,
        difference=difference,
        percentage_change=percentage,
    )
    assert metric.partial is partial


# HoneyHive's comparison, still lagging when ingestion.timeout ran out, left out 8 of the 40 datapoints both runs
# have: the row said "compared on 32 of 48 in either run" (the 8 counted new and gone) and not why
@pytest.mark.parametrize(
    ("uncompared", "either", "change", "status"),
    [
        (
            8,
            40,
            "same",
            "compared on 32 of 40 in either run (HoneyHive's comparison left out 8 both runs have), same on the 32"
            " compared; 8 not compared",
        ),
        (
            8,
            40,
            "worse",
            "compared on 32 of 40 in either run (HoneyHive's comparison left out 8 both runs have), worse on the 32"
            " compared; 8 not compared",
        ),
        (  # also 10 new or gone: both causes are said, not only the comparison's
            8,
            50,
            "same",
            "compared on 32 of 50 in either run (10 in one run only, and HoneyHive's comparison left out 8 both runs"
            " have), same on the 32 compared; 8 not compared",
        ),
        (0, 40, "worse", "worse"),  # 32 of 32 shared, 8 new, the aggregate moved as they did: not partial
        (None, 40, "worse", "worse"),
    ],
)
def test_a_row_says_the_comparison_left_out_datapoints_both_runs_have(
    uncompared: int | None, either: int, change: str, status: str
) -> None:
    metric = ReportMetric.model_construct(
        direction=Direction.HIGHER,
        format=".0f",
        percent=False,
        paired=32,
        shared=32,
        datapoints=either,
        uncompared=uncompared,
        change=change,
        difference=-0.2,
        percentage_change=-20.0,
        baseline_left_out=0,
        left_out=0,
        significance=None,
        gate_failed=None,
        errored=None,
        absent=False,
        failing_datapoints=None,
        compared=True,
        passing_range=None,
    )
    assert metric.plain_status == status


def test_boolean_metrics_show_as_percentages_and_their_deltas_in_points() -> None:
    text = render_comment(pass_input()).text
    assert metric_row(text, "exact\\_match")[1:7] == ["83.3%", "83.3%", "0.0 pp", "0.0%", "0 / 0", "⚪ same"]


def test_metric_format_specs_and_labels_are_used() -> None:
    text = render_comment(pass_input()).text
    assert metric_row(text, "Accuracy")[1:4] == ["0.812", "0.847", "+0.034"]
    assert metric_row(text, "Latency (ms)")[1:4] == ["1,320", "1,167", "-154"]
    assert metric_row(text, "spend\\_usd")[1:4] == ["0.0019", "0.0021", "+0.0002"]
    assert metric_row(text, "faithfulness")[1:7] == ["—", "0.91", "—", "—", "0 / 0", "🆕 new"]


def test_key_metrics_come_first_then_configured_ones_then_the_rest() -> None:
    rows = table_rows(render_comment(pass_input()).text, "| Metric |")[2:]
    assert [cells(row)[0] for row in rows] == [
        "Accuracy",
        "Latency (ms)",
        "spend\\_usd",
        "exact\\_match",
        "faithfulness",
    ]


def test_a_metric_on_two_events_is_labelled_with_the_event() -> None:
    body = dict(PASS_SUMMARY_BODY)
    body["metrics"] = {
        "aggregation_function": "average",
        "details": [
            detail("accuracy", 0.8, [0.8]),
            {**detail("accuracy", 0.6, [0.6]), "event_name": "retrieve"},
        ],
    }
    data = base_input(decision=Decision(Verdict.NEUTRAL, ()), summary=summary_of(body), metrics={})
    labels = [cells(row)[0] for row in table_rows(render_comment(data).text, "| Metric |")[2:]]
    assert labels == ["accuracy (answer)", "accuracy (retrieve)"]


def test_the_trend_shows_key_metrics_over_the_baseline_runs_and_this_run() -> None:
    text = render_comment(pass_input()).text
    rows = table_rows(text, "| Metric | Trend |")
    assert cells(rows[0]) == ["Metric", "Trend", "main@4e5f6a7", "main@8b9c0d1", "main@1a2b3c4", "this run"]
    assert cells(rows[2]) == ["Accuracy", "▁▃▄█", "0.790", "0.805", "0.812", "0.847"]
    assert cells(rows[3]) == ["Latency (ms)", "█·▆▁", "1,400", "—", "1,320", "1,167"]


def test_no_trend_without_key_metrics() -> None:
    data = dataclasses.replace(pass_input(), metrics={"accuracy": MetricConfig()})
    assert "| Metric | Trend |" not in render_comment(data).text


# ------------------------------------------------------------------------------------------------------------
# failed and errored datapoints
# ------------------------------------------------------------------------------------------------------------


def test_failed_and_errored_datapoints_are_listed_in_collapsible_sections() -> None:
    text = render_comment(fail_input()).text
    assert "<summary>❌ 1 failed datapoint (and 1 that errored, below)</summary>" in text
    failed = table_rows(text, "| Datapoint | Failing metrics |")
    assert cells(failed[2]) == [
        "EXT-q2",
        "Accuracy = 0.200, passing range ≥ 0.500",
        '{"question": "What is the capital of Peru?"}',
        '{"answer": "The capital of Peru is \\*Lima\\* \\| source: \\`wiki\\`"}',
    ]
    errored = table_rows(text, "| Datapoint | What happened |")
    assert [cells(row) for row in errored[2:]] == [
        ["EXT-q5", "function raised", "RateLimitError: 429 Too Many Requests retry after 20s"],
        ["EXT-q6", "evaluator similarity raised", "ZeroDivisionError: division by zero"],
    ]


def test_a_failed_datapoint_shows_its_evaluators_explanation() -> None:
    data = fail_input()
    explained = dataclasses.replace(
        data.outcomes[0], metrics={"accuracy": 0.2, "accuracy_explanation": "Says *Lima*, expected Lima"}
    )
    data = dataclasses.replace(data, outcomes=[explained, *data.outcomes[1:]])
    row = cells(table_rows(render_comment(data).text, "| Datapoint | Failing metrics |")[2])
    assert row[1] == "Accuracy = 0.200, passing range ≥ 0.500 (Says \\*Lima\\*, expected Lima)"
    assert report_json(data)["datapoints"]["failed"][0]["failing_metrics"][0]["name"] == "accuracy"


def test_previews_are_truncated() -> None:
    data = fail_input()
    long_output = dataclasses.replace(data.outcomes[0], outputs={"answer": "x" * 5000})
    data = dataclasses.replace(data, outcomes=[long_output, *data.outcomes[1:]])
    row = cells(table_rows(render_comment(data).text, "| Datapoint | Failing metrics |")[2])
    assert len(row[3]) == 200
    assert row[3].endswith("…")


def test_a_reason_naming_three_kinds_of_crash_is_not_cut() -> None:
    """The verdict names the function's errors by kind, with their rows and messages: three kinds make ~600
    characters, and the report cut every reason at 300, in the middle of a kind and before "N other kinds"."""
    kind = "KeyError at support_bot/handlers/billing.py:61 on 5 (data/questions.jsonl:6, :7, :20, :31, :40 and 3 more):"
    reason = "11 datapoint(s) errored: " + "; ".join(f"{kind} 'price_table_{n}'" for n in range(3))
    reason += "; 2 other kind(s) on 4"
    data = base_input(decision=Decision(Verdict.FAIL, (reason,)), summary=summary_of(PASS_SUMMARY_BODY))
    assert report_json(data)["reasons"] == [reason]
    assert reason.replace("_", "\\_") in render_comment(data).text


def test_at_most_max_datapoints_rows_are_listed() -> None:
    ids = [f"EXT-f{i:03d}" for i in range(30)]
    body = {**PASS_SUMMARY_BODY, "success": False, "passed": [], "failed": ids, "datapoints": []}
    data = base_input(
        decision=Decision(Verdict.FAIL, ("30 failed",)),
        summary=summary_of(body),
        comment=CommentConfig(max_datapoints=7),
    )
    text = render_comment(data).text
    assert len(table_rows(text, "| Datapoint | Failing metrics |")) == 2 + 7
    assert "Showing 7 of 30; all of them are in the job summary." in text
    assert len(table_rows(render_summary(data), "| Datapoint | Failing metrics |")) == 2 + 30
    assert len(report_json(data)["datapoints"]["failed"]) == 30


def _with_totals(left_out: dict[str, tuple[int, int]], *, gone: int = 0, new: int = 0, trials: int = 1) -> Judgement:
    """Two runs of six datapoints with the built-in cost metrics, their totals, the calls each cost leaves out
    (``left_out``: per metric, the baseline's and this run's) and ``new`` / ``gone`` datapoints only one run has."""
    costs = [detail("cost_usd", 0.2, [0.2] * 6), detail("judge_cost_usd", 0.05, [0.05] * 6)]
    summary = all_passed(costs, {"cost_usd": 0.2, "judge_cost_usd": 0.05}, IDS)
    rows = [delta("cost_usd", 0.19, 0.2, 0.01, 5.3, 0, 6, 0), delta("judge_cost_usd", 0.05, 0.05, 0.0, 0.0, 0, 0, 6)]
    comparison = comparison_of({"commonDatapoints": IDS, "metrics": rows}, summary).model_copy(
        update={
            "new_only_datapoints": [f"EXT-n{i}" for i in range(new)],
            "old_only_datapoints": [f"g{i}" for i in range(gone)],
        }
    )
    return base_input(
        summary=summary,
        comparison=comparison,
        baseline=baseline_info(),
        totals=RunTotals(cost_usd=1.2, judge_cost_usd=0.3, duration_p50_ms=900, duration_p95_ms=1500, trials=trials),
        baseline_totals=RunTotals(cost_usd=1.14, judge_cost_usd=0.3, trials=trials),
        left_out=left_out,
    )


def _cost_ranged(*, compared: bool) -> Judgement:
    """Six datapoints with the built-in efficiency metrics and ``passing_ranges: {cost_usd: {max: 4e-06}, llm_calls:
    {max: 2}}``: EXT-q2 costs $5.1e-06, past the max (the backend's summary, its range and its failed list; with a
    baseline that had none)."""
    costs = [3.9e-06, 5.1e-06, 3.2e-06, 3.5e-06, 3.0e-06, 3.8e-06]
    details = [
        detail("input_tokens", 21.5, [20, 25, 21, 22, 20, 21]),
        detail("llm_calls", 1, [1] * 6, passing_range={"max": 2}),
        detail("cost_usd", 3.75e-06, costs, failed=["EXT-q2"], passing_range={"max": 4e-06}),
    ]
    summary = summary_of(
        {
            "status": "completed",
            "success": False,
            "passed": [i for i in IDS if i != "EXT-q2"],
            "failed": ["EXT-q2"],
            "metrics": {"aggregation_function": "average", "details": details},
            "datapoints": [
                datapoint(i, i != "EXT-q2", {"llm_calls": 1, "cost_usd": c}, failing=["cost_usd"] * (i == "EXT-q2"))
                for i, c in zip(IDS, costs, strict=True)
            ],
        }
    )
    judged = base_input(summary=summary, decision=decided(summary))
    if not compared:
        return judged
    rows = [
        delta("input_tokens", 21.5, 21.5, 0.0, 0.0, 0, 0, 6),
        delta("llm_calls", 1, 1, 0.0, 0.0, 0, 0, 6),
        delta("cost_usd", 3.7e-06, 3.75e-06, 5e-08, 1.35, 1, 0, 5),
    ]
    comparison = comparison_of({"commonDatapoints": IDS, "metrics": rows}, summary)
    return dataclasses.replace(judged, comparison=comparison, baseline=baseline_info())


@pytest.mark.parametrize("compared", [False, True], ids=["no baseline", "baseline"])
def test_an_efficiency_metrics_passing_range_is_in_its_efficiency_row_in_every_output(compared: bool) -> None:
    """audit67 F4: the range was in report.json only; the Efficiency table had no column for it (nor, without a
    baseline, a status saying it failed) in the comment, the summary and the terminal, the HTML page's table neither.
    Shown as the quality table shows an evaluator metric's, in the metric's numbers (the row's values'); a metric
    without one says so."""
    judged = _cost_ranged(compared=compared)
    cost, calls, tokens = ("≤ 4.00e-06", "❌ 1 failing"), ("≤ 2", ""), ("—", "")
    for text in (render_comment(judged).text, render_summary(judged)):
        rows = table_rows(text.split("**Efficiency**")[1], "| Metric |")
        header = cells(rows[0])
        assert header[-2:] == ["Passing range", "Status"], rows[0]
        shown = {cells(row)[0].replace("\\", ""): cells(row)[-2:] for row in rows[2:]}
        assert shown["cost_usd"][0] == cost[0]
        assert cost[1] in shown["cost_usd"][1]
        assert shown["llm_calls"][0] == calls[0]
        assert shown["input_tokens"][0] == tokens[0]
    terminal = render_terminal(judged).split("Efficiency (")[1].splitlines()
    assert "Passing range  Status" in terminal[1]
    (line,) = [line for line in terminal if line.startswith("cost_usd ")]
    assert "  ≤ 4.00e-06  " in line
    assert line.endswith("1 failing")
    page = render_html(build_report(judged))
    assert "<th>Passing range</th><th>Status</th>" in page
    row = page.split('<td class="num">≤ 4.00e-06</td>')[0].rsplit("<tr>", 1)[1]
    assert row.startswith('\n<td title="cost_usd">cost_usd</td>')


@pytest.mark.parametrize(
    ("left_out", "gone", "new", "shown"),
    [
        (
            {},
            0,
            0,
            "This run: total cost $1.20 + $0.300 (judge) · duration p50 900 ms, p95 1,500 ms; baseline: total"
            " cost $1.14 + $0.300 (judge)",
        ),
        # the baseline's cost leaves out calls its jobs could not price: said, as its Efficiency row says it (audit55)
        ({"cost_usd": (3, 0)}, 0, 0, "; baseline: total cost $1.14 (excludes 3 LLM calls) + $0.300 (judge)"),
        (
            {"cost_usd": (0, 1), "judge_cost_usd": (2, 0)},
            0,
            0,
            "This run: total cost $1.20 (excludes 1 LLM call) +"
            " $0.300 (judge) · duration p50 900 ms, p95 1,500 ms; baseline: total cost $1.14 + $0.300 (judge, excludes"
            " 2 LLM calls)",
        ),
        # sums over datapoints only one run has
        (
            {},
            2,
            1,
            "; baseline: total cost $1.14 + $0.300 (judge) (sums over each run's own datapoints: 1 new, 2 gone)",
        ),
    ],
)
def test_the_totals_line_says_what_each_runs_cost_leaves_out(
    left_out: dict[str, tuple[int, int]], gone: int, new: int, shown: str
) -> None:
    judged = _with_totals(left_out, gone=gone, new=new)
    text = build_report(judged).totals_text
    assert shown in text
    assert text.count("excludes") == len([n for pair in left_out.values() for n in pair if n])
    assert shown in render_terminal(judged)
    assert shown in render_summary(judged).replace("\\", "")


# audit79 F4: two metrics whose names share their first 100 characters were both shown as the same clipped label
# (terminal, comment, HTML), one of them beside "failed its gate": which one could not be told
def test_long_metric_names_that_share_a_start_keep_the_ends_that_tell_them_apart() -> None:
    start = "retrieval_quality_v2__grounded_answer_" + "x" * 80
    recall, precision = f"{start}_recall", f"{start}_precision"
    data = many(4, [recall], [precision])
    labels = {m.name: m.label for m in build_report(data).metrics}
    assert labels[recall].endswith("_recall"), labels
    assert labels[precision].endswith("_precision"), labels
    assert labels[recall].startswith("retrieval_quality_v2__")
    assert len(labels[recall]) == 100
    terminal = [line for line in render_terminal(data).splitlines() if line.startswith("retrieval_quality_v2")]
    assert sorted(line.split()[0].rsplit("_", 1)[1] for line in terminal) == ["precision", "recall"], terminal
    comment = render_comment(data).text
    assert f"| {labels[recall]} |".replace("_", "\\_") in comment
    page = render_html(build_report(data))
    assert f'<td title="{recall}">{labels[recall]}</td>' in page  # the full name where the label is cut
    assert f'<td title="{precision}">{labels[precision]}</td>' in page


# audit79 N5: a page without a baseline explained grey bars (the baseline's values) it does not draw
def test_a_page_without_a_baseline_has_no_legend_for_the_baselines_bars() -> None:
    assert "Grey bars: the baseline" in render_html(build_report(pass_input()))
    page = render_html(build_report(no_baseline_input()))
    assert "<h2>Metrics</h2>" in page
    assert "Grey bars" not in page

"""A number shown beside the bound it is judged against reads on the side of it that it is on, in every output
(audit F2-F4): a failed datapoint's value never rounded into the passing range it failed, a range's bound never
rounded to another, a change never rounded onto or inside a gate it crossed, nor past one it held, and with trials
a boolean metric's datapoint in percent as its aggregate and range are."""

from __future__ import annotations

import re
from typing import Any

import pytest

from honeyhive_experiment.config import Direction, GateRule, MetricConfig, PassingRangeConfig
from honeyhive_experiment.models.outcomes import DatapointOutcome, OutcomeStatus
from honeyhive_experiment.report import build_report, render_html
from honeyhive_experiment.report.build import _gate_text
from honeyhive_experiment.verdict import Decision, Verdict, decide, same_but_for_noise
from tests.honeyhive_experiment.report.scenarios import (
    BASELINE_ID,
    all_passed,
    base_input,
    baseline_info,
    comparison_of,
    datapoint,
    decided,
    delta,
    detail,
    render_comment,
    render_terminal,
    report_json,
    run_object,
    summary_of,
)
from tests.honeyhive_experiment.report.scenarios import IDS as ROWS

pytestmark = pytest.mark.unit

IDS = ["EXT-a", "EXT-b", "EXT-c"]


def ranged() -> Any:
    """score failed min 0.5 with 0.4996 (.2f), rate failed min 0.8 with 0.7996 (.0%), tiny passed min 0.004."""
    body = {
        "status": "completed",
        "success": False,
        "passed": ["EXT-c"],
        "failed": ["EXT-a", "EXT-b"],
        "metrics": {
            "aggregation_function": "average",
            "details": [
                detail("score", 0.6, [0.4996, 0.7, 0.6], failed=["EXT-a"], passing_range={"min": 0.5}, ids=IDS),
                detail("rate", 0.9, [0.9, 0.7996, 1.0], failed=["EXT-b"], passing_range={"min": 0.8}, ids=IDS),
                detail("tiny", 0.0045, [0.0045, 0.0045, 0.0045], passing_range={"min": 0.004}, ids=IDS),
            ],
        },
        "datapoints": [
            datapoint("EXT-a", False, {"score": 0.4996, "rate": 0.9, "tiny": 0.0045}, failing=["score"]),
            datapoint("EXT-b", False, {"score": 0.7, "rate": 0.7996, "tiny": 0.0045}, failing=["rate"]),
            datapoint("EXT-c", True, {"score": 0.6, "rate": 1.0, "tiny": 0.0045}),
        ],
    }
    metrics = {
        "score": MetricConfig(format=".2f"),
        "rate": MetricConfig(format=".0%"),
        "tiny": MetricConfig(format=".2f"),
    }
    ranges = {
        "score": PassingRangeConfig(min=0.5),
        "rate": PassingRangeConfig(min=0.8),
        "tiny": PassingRangeConfig(min=0.004),
    }
    summary = summary_of(body)
    return base_input(summary=summary, metrics=metrics, passing_ranges=ranges, decision=decided(summary))


def test_a_failed_value_is_never_rounded_into_the_range_it_failed() -> None:
    judged = ranged()
    failing = [m["text"] for d in report_json(judged)["datapoints"]["failed"] for m in d["failing_metrics"]]
    # not 0.50 beside ≥ 0.50, 80% beside ≥ 80%; each beside the range it failed, as its row shows it
    assert failing == ["score = 0.4996, passing range ≥ 0.50", "rate = 79.96%, passing range ≥ 80%"]
    terminal = render_terminal(judged)
    assert "score = 0.4996" in terminal
    assert "rate = 79.96%" in terminal
    assert "score = 0.4996" in render_comment(judged).text
    ranges = {m.name: m.range_text for m in build_report(judged).metrics}
    assert ranges == {"score": "≥ 0.50", "rate": "≥ 80%", "tiny": "≥ 0.004"}  # not ≥ 0.00, another bound


def test_the_html_tables_value_and_histogram_bin_read_on_their_side_of_the_range() -> None:
    page = render_html(build_report(ranged()))
    assert "0.4996 to " in page  # the lowest bin's edge: not "0.50 to 0.52: 1" beside "passing range min: 0.50"
    assert "passing range min: 0.004" in page


def gated(old: float, new: float, change: float | None, gate: GateRule, spec: str, *, lower: bool, hit: bool) -> Any:
    summary = all_passed([detail("m", new, [new] * 3, ids=IDS)], {"m": new}, IDS)
    compared = delta("m", old, new, new - old, change, 0, 3, 0, old_values=[old] * 3, new_values=[new] * 3)
    if lower:
        compared |= {"improved_count": 3, "degraded_count": 0, "improved": compared["degraded"], "degraded": []}
    comparison = comparison_of({"commonDatapoints": IDS, "metrics": [compared]}, summary)
    direction = Direction.LOWER if lower else Direction.HIGHER
    decision = Decision(Verdict.FAIL, ("m got worse",), gates_hit=("m",)) if hit else Decision(Verdict.PASS, ("ok",))
    return base_input(
        summary=summary,
        comparison=comparison,
        metrics={"m": MetricConfig(format=spec, direction=direction)},
        gates={"m": gate},
        decision=decision,
        baseline=baseline_info(),
    )


@pytest.mark.parametrize(
    ("old", "new", "change", "gate", "spec", "lower", "hit", "shown"),
    [
        # crossed: never rounded onto or inside the gate ("+5.0%" beside "at most 5% worse")
        (10.0, 10.504, 5.04, GateRule(max_drop_pct=5), ".1f", True, True, ("+0.5", "+5.04%")),
        (0.61, 0.5899, -3.295, GateRule(max_drop=0.02), ".2f", False, True, ("-0.0201", "-3.3%")),
        (100.0, 99.96, -0.04, GateRule(max_drop_pct=0.01), ".1f", False, True, ("0.0", "-0.04%")),  # Δ: no bound on it
        (0.5, 0.4951, -0.98, GateRule(max_drop=0.004), ".2f", False, True, ("-0.005", "-1.0%")),
        # a max_worse_pct crossed from a baseline of 0 (no percentage of 0): the difference crossed it (late audit)
        (0.0, 0.001, None, GateRule(max_drop_pct=5), ".2f", True, True, ("+0.001", "—")),
        # held, at the bound but for float rounding: shown at it, not past it
        (0.61, 0.59, -3.278688524590164, GateRule(max_drop=0.02), ".2f", False, False, ("-0.02", "-3.3%")),
        (0.3, 0.315, 5.000000000000004, GateRule(max_drop_pct=5), ".3f", True, False, ("+0.015", "+5.0%")),
    ],
)
def test_a_change_reads_on_the_side_of_its_gate_the_verdict_put_it(
    old: float,
    new: float,
    change: float | None,
    gate: GateRule,
    spec: str,
    lower: bool,
    hit: bool,
    shown: tuple[str, str],
) -> None:
    judged = gated(old, new, change, gate, spec, lower=lower, hit=hit)
    metric = build_report(judged).metrics[0]
    assert (metric.delta_text, metric.delta_pct_text) == shown
    assert f"| {shown[0]} | {shown[1]} |" in render_comment(judged).text.replace(" \\| ", " | ")


@pytest.mark.parametrize(
    ("old", "new", "change", "gate", "spec", "lower", "hit", "shown"),
    [
        (0.61, 0.5899, -3.295, GateRule(max_drop=0.02), ".2f", False, True, "0.5899"),  # past 0.59: not "0.59"
        (0.61, 0.59, -3.278688524590164, GateRule(max_drop=0.02), ".2f", False, False, "0.59"),  # held: at it
        (0.61, 0.5899, -3.295, GateRule(max_drop=0.02), ".2n", False, True, "0.5899"),
        (10.0, 10.504, 5.04, GateRule(max_drop_pct=5), ".1f", True, True, "10.504"),  # past 10.5: not "10.5"
    ],
)
def test_this_runs_aggregate_reads_on_its_side_of_the_gates_limit(
    old: float, new: float, change: float, gate: GateRule, spec: str, lower: bool, hit: bool, shown: str
) -> None:
    """The table's "This run" beside the Δ that crossed: 0.61 → 0.59 read as if it held (late audit)."""
    judged = gated(old, new, change, gate, spec, lower=lower, hit=hit)
    assert build_report(judged).metrics[0].value_text == shown
    assert f"| {shown} |" in render_comment(judged).text


@pytest.mark.parametrize(
    ("old", "new", "change", "gate", "lower", "hit", "marks"),
    [
        (10.0, 10.504, 5.04, GateRule(max_drop_pct=5), True, True, ("this run: 10.504", "may reach 10.5<")),
        (0.5, 0.4951, -0.98, GateRule(max_drop=0.004), False, True, ("this run: 0.495", "may reach 0.496<")),
        (0.0, 0.001, None, GateRule(max_drop_pct=5), True, True, ("this run: 0.001", "may reach 0.00<")),
        (0.61, 0.59, -3.278688524590164, GateRule(max_drop=0.02), False, False, ("this run: 0.59", "may reach 0.59<")),
    ],
)
def test_the_html_gate_mark_reads_this_runs_aggregate_on_its_side_of_the_limit(
    old: float, new: float, change: float | None, gate: GateRule, lower: bool, hit: bool, marks: tuple[str, str]
) -> None:
    page = render_html(build_report(gated(old, new, change, gate, ".2f" if old < 1 else ".1f", lower=lower, hit=hit)))
    for mark in marks:
        assert re.search(re.escape(mark), page), mark


@pytest.mark.parametrize(
    ("old", "new", "difference", "change", "gate", "shown", "missing"),
    [
        # past the limit (0.59) but the difference not sent: drawn "this run: 0.59", at the limit, as if it held
        (0.61, 0.5899, None, -3.295, GateRule(max_drop=0.02), "0.5899", "difference"),
        # within it, and never checked: failed all the same, as the verdict and the row say
        (0.61, 0.6, None, -1.64, GateRule(max_drop=0.02), "0.60", "difference"),
        (0.61, 0.5899, -0.0201, None, GateRule(max_drop_pct=3), "0.59", "percentage change"),
        # a baseline of 0 has no percentage: both bounds are judged by the difference, said once
        (0.0, 0.001, None, None, GateRule(max_drop=0.01, max_drop_pct=5), "0.001", "difference"),
    ],
)
def test_an_aggregate_whose_gate_could_not_be_checked_is_drawn_failed(
    old: float, new: float, difference: float | None, change: float | None, gate: GateRule, shown: str, missing: str
) -> None:
    """The verdict fails a bound the backend sent no number for ("could not be checked"), and the row says its gate
    failed; the HTML histogram drew this run's aggregate as an ordinary mark beside the limit, read as held."""
    summary = all_passed([detail("m", new, [new] * 3, ids=IDS)], {"m": new}, IDS)
    row = delta("m", old, new, difference, change, 0, 0, 3, old_values=[old] * 3, new_values=[new] * 3)
    comparison = comparison_of({"commonDatapoints": IDS, "metrics": [row]}, summary)
    decision = decide(summary, comparison, gates={"m": gate})
    assert (decision.verdict, decision.gates_hit) == (Verdict.FAIL, ("m",))
    assert all("could not be checked" in reason for reason in decision.reasons)
    judged = base_input(
        summary=summary,
        comparison=comparison,
        metrics={"m": MetricConfig(format=".2f" if old else ".3f")},
        gates={"m": gate},
        decision=decision,
        baseline=baseline_info(),
    )
    page = render_html(build_report(judged))
    title = f"this run: {shown}, failed: its gate could not be checked (the backend sent no {missing})"
    assert re.search(rf'<line class="mark-unchecked" [^>]*><title>{re.escape(title)}</title>', page), title
    assert re.search(r'<line class="mark-aggregate" [^>]*><title>baseline: ', page)  # the baseline's as before
    assert "this run's aggregate, its gate not checked (failed)" in page  # the legend keys the mark
    metric = build_report(judged).metrics[0]
    assert (metric.value_text, metric.gate_unchecked) == (shown, (missing,))  # the table's This run reads the same


def test_a_held_gate_draws_no_unchecked_mark_nor_its_key() -> None:
    page = render_html(build_report(gated(0.61, 0.6, -1.64, GateRule(max_drop=0.02), ".2f", lower=False, hit=False)))
    assert 'class="mark-unchecked"' not in page
    assert "its gate not checked" not in page


def test_with_trials_a_boolean_metrics_datapoint_reads_in_percent_as_its_aggregate_does() -> None:
    mean = 2 / 3
    body = {
        "status": "completed",
        "success": False,
        "passed": ["EXT-b", "EXT-c"],
        "failed": ["EXT-a"],
        "trials": 3,
        "metrics": {
            "aggregation_function": "average",
            "details": [detail("ok", 0.889, [mean, 1.0, 1.0], failed=["EXT-a"], passing_range={"min": 1}, ids=IDS)],
        },
        "datapoints": [
            datapoint("EXT-a", False, {"ok": mean}, failing=["ok"]),
            datapoint("EXT-b", True, {"ok": 1.0}),
            datapoint("EXT-c", True, {"ok": 1.0}),
        ],
    }
    outcomes = tuple(  # the evaluator returned booleans: the backend's values are their trials' means
        DatapointOutcome(index=n, datapoint_id=i, session_id=f"sess-{i}", status=OutcomeStatus.OK, metrics={"ok": True})
        for n, i in enumerate(IDS)
    )
    summary = summary_of(body)
    judged = base_input(
        summary=summary,
        metrics={},
        passing_ranges={"ok": PassingRangeConfig(min=1)},
        decision=decided(summary, outcomes),
        outcomes=outcomes,
        trials=3,
    )
    doc = report_json(judged)
    assert [m["text"] for d in doc["datapoints"]["failed"] for m in d["failing_metrics"]] == [
        "ok = 66.7%, passing range ≥ 100.0%"
    ]
    assert build_report(judged).metrics[0].range_text == "≥ 100.0%"
    assert "66.7% to " in render_html(build_report(judged))  # the bins, not "0.667 to 0.694"


@pytest.mark.parametrize(
    ("new", "difference", "change", "gate"),
    [
        (-6e307, -6e307, None, GateRule(max_drop_pct=10)),  # a mean near -1.8e308: its percentage of 1.0 is past it
        (None, None, None, GateRule(max_drop=0.5)),  # a sum past the largest float: no aggregate, no difference
    ],
)
def test_a_gate_the_backend_sent_nothing_to_judge_by_reads_failed_as_the_verdict_says(
    new: float | None, difference: float | None, change: float | None, gate: GateRule
) -> None:
    """The row's gate agrees with the verdict, which fails a bound without its number: not "—" beside a held gate
    (``crossed`` crosses nothing without a number: the verdict's ``gates_hit`` says it failed)."""
    values = [1.0, 1.0, -1.7976931348623157e308]
    body = {
        "status": "completed",
        "success": True,
        "passed": IDS,
        "failed": [],
        "metrics": {"aggregation_function": "average", "details": [detail("m", new, values, ids=IDS)]},
        "datapoints": [datapoint(i, True, {"m": v}) for i, v in zip(IDS, values, strict=True)],
    }
    summary = summary_of(body)
    row = delta("m", 1.0, new, difference, change, 0, 1, 2, old_values=[1.0] * 3, new_values=values)
    comparison = comparison_of({"commonDatapoints": IDS, "metrics": [row]}, summary)
    decision = decide(summary, comparison, gates={"m": gate})
    assert decision.verdict is Verdict.FAIL
    assert decision.gates_hit == ("m",)
    judged = base_input(
        summary=summary, comparison=comparison, gates={"m": gate}, decision=decision, baseline=baseline_info()
    )
    shown = f"failed its gate: could not be checked (at most {'10%' if gate.max_drop_pct else '0.5'} worse)"
    assert build_report(judged).metrics[0].gate_failed == shown
    assert shown in render_comment(judged).text
    assert shown in render_terminal(judged)


@pytest.mark.parametrize(
    ("gate", "failed"),
    [
        (GateRule(max_degraded=0), "failed its gate: could not be fully checked (at most 0 datapoints worse)"),
        (GateRule(max_drop=0.05, max_degraded=0), "failed its gate (at most 0.05 and 0 datapoints worse)"),  # crossed
        (GateRule(max_degraded=1), None),  # would hold with the one left out worse too
    ],
)
def test_a_row_says_neither_same_nor_failed_of_the_datapoints_the_comparison_left_out(
    gate: GateRule, failed: str | None
) -> None:
    """HoneyHive's comparison, lagging, left out 1 of the 5 datapoints both runs have, and the verdict failed
    ``max_degraded: 0`` as "could not be fully checked" (0 of the 4 it paired worse): the row read "worse on those 4"
    (in audit 45a's run: "same on those 32") and "failed its gate (at most 0 datapoints worse)" beside "0 / 0", as
    if the 5th had been compared and 0 were past 0."""
    ids = [f"EXT-l{i}" for i in range(5)]
    body = {
        "status": "completed",
        "success": True,
        "passed": ids,
        "failed": [],
        "metrics": {"aggregation_function": "average", "details": [detail("m", 0.8, [1, 1, 1, 1, 0], ids=ids)]},
        "datapoints": [datapoint(i, True, {"m": v}) for i, v in zip(ids, [1, 1, 1, 1, 0], strict=True)],
    }
    summary = summary_of(body)
    row = delta("m", 1.0, 0.8, -0.2, -20.0, 0, 0, 4, old_values=[1] * 5, new_values=[1, 1, 1, 1, 0])
    comparison = comparison_of({"commonDatapoints": ids[:4], "metrics": [row]}, summary)
    comparison = comparison.model_copy(update={"old_only_datapoints": ids[4:]})
    decision = decide(summary, comparison, gates={"m": gate}, unpaired=1)
    assert decision.gates_hit == (("m",) if failed else ())
    judged = base_input(
        summary=summary, comparison=comparison, gates={"m": gate}, decision=decision, baseline=baseline_info()
    )
    [metric] = build_report(judged).metrics
    assert metric.gate_failed == failed
    status = "compared on 4 of 5 in either run (HoneyHive's comparison left out 1 both runs have), can't tell on the"
    status += " 4 compared (significance unknown: no per-datapoint counts); 1 not compared"  # no counts: no test
    status += f", {failed}" if failed else ""
    assert metric.plain_status == status
    assert status.split(", ", 1)[1] in render_terminal(judged)


def test_a_failed_gate_whose_row_shows_no_bound_says_only_that() -> None:
    """A max_degraded the row leaves out (no datapoint in common to count) left "(at most  worse)"."""
    gate = GateRule(max_degraded=0).model_copy(update={"max_degraded": None})
    assert _gate_text(gate, False) == "failed its gate"
    assert _gate_text(gate, False, unknown=": could not be checked") == "failed its gate: could not be checked"
    assert _gate_text(GateRule(max_degraded=2), False) == "failed its gate (at most 2 datapoints worse)"


def test_each_event_row_of_a_gate_says_how_its_own_row_failed() -> None:
    """A gate on a metric the backend reports under two event names: the row that crossed says it failed, the one that
    held on the datapoints the comparison paired (1 of 4 worse, 2 left out) says "could not be fully checked" (by the
    metric's name alone both read alike; audit49b R1)."""
    values = [1.0] * len(ROWS)
    body = {
        "status": "completed",
        "success": True,
        "passed": ROWS,
        "failed": [],
        "metrics": {
            "aggregation_function": "average",
            "details": [
                detail("m", 1.0, values) | {"event_name": "answer"},
                detail("m", 1.0, values) | {"event_name": "tool"},
            ],
        },
        "datapoints": [datapoint(i, True, {"m": 1.0}) for i in ROWS],
    }
    summary = summary_of(body)
    crossed = delta("m", 1.0, 0.5, -0.5, -50.0, 0, 3, 3) | {"event_name": "answer"}  # 3 worse > max_degraded 1
    held = delta("m", 1.0, 1.0, 0.0, 0.0, 0, 1, 3) | {"event_name": "tool"}  # 1 of 4 worse; 2 left out
    old_run = run_object(BASELINE_ID, "main", ROWS, commit="1a2b3c", created_at="2025-03-01T10:00:00Z")
    comparison = comparison_of({"commonDatapoints": ROWS[:4], "metrics": [crossed, held], "old_run": old_run}, summary)
    gate = GateRule(max_degraded=1)
    decision = decide(summary, comparison, gates={"m": gate}, unpaired=2)
    assert any("m's max_degraded could not be fully checked" in reason for reason in decision.reasons)
    judged = base_input(
        summary=summary, comparison=comparison, gates={"m": gate}, decision=decision, baseline=baseline_info()
    )
    rows = {row.event_name: row.gate_failed for row in build_report(judged).metrics}
    assert rows == {
        "answer": "failed its gate (at most 1 datapoint worse)",
        "tool": "failed its gate: could not be fully checked (at most 1 datapoint worse)",  # 1 worse is not past 1
    }


def _compared(old: float, new: float, spec: str | None, *, lower: bool = False) -> Any:
    """One metric ``m`` without a gate, ``old`` → ``new`` on each of three datapoints, the backend's difference
    ``new - old`` (float arithmetic's, noise and all), the datapoints counted the same when the two are equal but
    for that noise (as honeyhive_local counts them), else better or worse."""
    summary = all_passed([detail("m", new, [new] * 3, ids=IDS)], {"m": new}, IDS)
    noise = same_but_for_noise(old, new)
    moved = 0 if noise else 3
    up = moved if (new > old) != lower else 0
    row = delta("m", old, new, new - old, (new - old) / old * 100, up, moved - up, 3 - moved, old_values=[old] * 3)
    comparison = comparison_of({"commonDatapoints": IDS, "metrics": [row | {"new_values": [new] * 3}]}, summary)
    direction = Direction.LOWER if lower else Direction.HIGHER
    return base_input(
        summary=summary,
        comparison=comparison,
        metrics={"m": MetricConfig(format=spec, direction=direction)},
        decision=Decision(Verdict.PASS, ("ok",)),
        baseline=baseline_info(),
    )


@pytest.mark.parametrize(
    ("old", "new", "spec", "lower", "shown", "change"),
    [
        # float noise (0.1 + 0.2 against 0.3: the backend's difference +5.55e-17) is no change: read "+5.55e-17"
        # beside "same" in the default format (audit54)
        (0.3, 0.1 + 0.2, None, False, "0", "same"),
        (0.1 + 0.2, 0.3, None, True, "0", "same"),
        (1e6, 1e6 + 1e-10, None, False, "0", "same"),
        (0.3, 0.1 + 0.2, ".6f", False, "0.000000", "same"),
        (0.3, 0.1 + 0.2, ".1%", False, "0.0 pp", "same"),
        # a real change, however small, shows in the format the metric is shown in (untested: no counts, no values)
        (0.5, 0.500001, ".6f", False, "+0.000001", "can't tell"),
        (0.5, 0.500001, None, False, "+1.00e-06", "can't tell"),
        (0.5, 0.500001, None, True, "+1.00e-06", "can't tell"),
        (0.853, 0.8531, None, False, "+1.00e-04", "can't tell"),
        (0.5, 0.49, ".2f", False, "-0.01", "can't tell"),
    ],
)
def test_a_difference_reads_in_the_metrics_format_and_noise_as_no_change(
    old: float, new: float, spec: str | None, lower: bool, shown: str, change: str
) -> None:
    judged = _compared(old, new, spec, lower=lower)
    [metric] = build_report(judged).metrics
    assert (metric.delta_text, metric.change) == (shown, change)
    assert f"| {shown} |" in render_comment(judged).text
    assert f" {shown} " in render_terminal(judged)

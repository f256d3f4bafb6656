"""The HTML report's data and page without a browser: the datapoint table built from the backend's events and
lists (statuses direction-aware, worse first, redacted, cut), the word diff, and a page that allows nothing but
its own style and script. A browser's view of it is in ``tests/browser``."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import re
from typing import Any

import pytest

from honeyhive_experiment.config import Direction, GateRule, MetricConfig
from honeyhive_experiment.models.details import DatapointDetails, records_from_events, with_backend_values
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.report import build_report, render_html
from honeyhive_experiment.report.build import TEXT_LIMIT
from honeyhive_experiment.report.html import DIFF_PAIRS, _axis, word_diff
from tests.honeyhive_experiment.report.scenarios import RUN_ID, base_input, baseline_info, comparison_of, summary_of

pytestmark = pytest.mark.unit

OLD_RUN = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
SECRET = "hh-planted-key-Zq7Xw9Kp3Lm2Vb8N"
XSS = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def events(run_id: str, rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A session and its function's chain event per datapoint, as the export returns them."""
    found = []
    for ident, row in rows.items():
        session = f"s-{run_id[:4]}-{ident}"
        metadata = {"run_id": run_id, "datapoint_id": ident}
        found.append(
            {"event_type": "session", "session_id": session, "event_id": session, "inputs": {"q": ident},
             "outputs": row.get("outputs"), "metadata": metadata, "metrics": {}, "error": None}
        )  # fmt: skip
        found.append(
            {"event_type": "chain", "event_name": "answer", "session_id": session, "parent_id": session,
             "event_id": f"c-{session}", "outputs": row.get("outputs"), "metadata": metadata,
             "metrics": row.get("metrics", {}), "error": row.get("error")}
        )  # fmt: skip
    return found


SUMMARY = {
    "status": "completed",
    "success": False,
    "passed": ["q1", "q3", "q4"],
    "failed": ["q2"],
    "metrics": {
        "aggregation_function": "average",
        "details": [
            {"metric_name": "accuracy", "event_name": "answer", "aggregate": 0.6, "values": [1.0, 0.2, 0.6, 0.6]},
            {"metric_name": "latency_ms", "event_name": "answer", "aggregate": 900, "values": [800, 800, 1200, 800]},
        ],
    },
    "datapoints": [{"datapoint_id": i, "session_id": f"s-{i}", "passed": i != "q2", "metrics": []} for i in IDS]
    if (IDS := ["q1", "q2", "q3", "q4"])
    else [],
}
COMPARE = {
    "commonDatapoints": ["q1", "q2", "q3"],
    "metrics": [
        {"metric_name": "accuracy", "event_name": "answer", "old_aggregate": 0.6, "new_aggregate": 0.6,
         "improved": ["q1"], "degraded": ["q2"], "same": ["q3"], "old_values": [0.5, 0.9, 0.6],
         "new_values": [1.0, 0.2, 0.6]},
        {"metric_name": "latency_ms", "event_name": "answer", "old_aggregate": 850, "new_aggregate": 900,
         "improved": ["q3"], "degraded": [], "same": ["q1", "q2"]},
    ],
}  # fmt: skip
CURRENT = {
    "q1": {"outputs": {"answer": "Paris is the capital"}, "metrics": {"accuracy": 1.0, "latency_ms": 800}},
    "q2": {
        "outputs": {"answer": f"use {SECRET} here", "api_key": "abc-not-in-a-pattern-123"},
        "metrics": {"accuracy": 0.2, "latency_ms": 800, "accuracy_explanation": f"the key {SECRET} leaked"},
    },
    "q3": {"outputs": {"answer": XSS + " " + "long " * 400}, "metrics": {"accuracy": 0.6, "latency_ms": 1200}},
    "q4": {"outputs": None, "metrics": {}, "error": f"RateLimitError: 429 for {SECRET}"},
}
BASELINE = {
    "q1": {"outputs": {"answer": "Paris is a city"}, "metrics": {"accuracy": 0.5, "latency_ms": 800}},
    "q2": {"outputs": {"answer": "use the settings page"}, "metrics": {"accuracy": 0.9, "latency_ms": 800}},
    "q3": {"outputs": {"answer": "fine"}, "metrics": {"accuracy": 0.6, "latency_ms": 900}},
    "q5": {"outputs": f"a plain string output with {SECRET}", "metrics": {"accuracy": 0.7, "latency_ms": 700}},
}
METRICS = {
    "accuracy": MetricConfig(label="Accuracy", format=".2f", key=True),
    "latency_ms": MetricConfig(direction=Direction.LOWER, label="Latency (ms)", format=",.0f"),
}


def judgement(
    session_url: str | None = "https://app.example.test/sessions/{session_id}",
    current: dict[str, dict[str, Any]] = CURRENT,
    baseline: dict[str, dict[str, Any]] = BASELINE,
) -> Any:
    summary = summary_of(SUMMARY)
    old_run = {"run_id": OLD_RUN, "datapoint_ids": ["q1", "q2", "q3", "q5"]}
    comparison = comparison_of({**COMPARE, "old_run": old_run}, summary)
    details = DatapointDetails(
        records_from_events(RUN_ID, events(RUN_ID, current)),
        records_from_events(OLD_RUN, events(OLD_RUN, baseline)),
        ("q1", "q2", "q3", "q4", "q5"),
        5,
        session_url,
    )
    return base_input(summary=summary, comparison=comparison, metrics=METRICS, details=details)


def table() -> Any:
    report = build_report(judgement(), secrets=[SECRET])
    assert report.table is not None
    return report, report.table


def test_statuses_are_the_backends_lists_by_each_metrics_direction_and_worse_ones_come_first() -> None:
    _, found = table()
    assert [(row.id, row.status) for row in found.rows] == [
        ("q2", ("degraded", "failed")),  # accuracy: in the backend's degraded list
        ("q3", ("degraded",)),  # latency_ms (lower is better): in the backend's improved list
        ("q4", ("errored", "new")),
        ("q5", ("gone",)),
        ("q1", ("improved",)),
    ]
    q3 = found.rows[1]
    assert [(c.value, c.baseline, c.change) for c in q3.metrics] == [(0.6, 0.6, "same"), (1200, 900, "worse")]
    assert found.count("degraded") == 2
    assert found.total == 5


def test_every_text_is_redacted_and_cut_with_its_full_length() -> None:
    report, found = table()
    q2 = found.rows[0]
    assert q2.output is not None
    assert SECRET not in q2.output.text
    assert "***" in q2.output.text
    assert "abc-not-in-a-pattern-123" not in q2.output.text  # a value under a secret-looking key, replaced whole
    assert [(e.name, e.text) for e in q2.explanations] == [("accuracy_explanation", "the key *** leaked")]
    q3 = found.rows[1]
    assert q3.output is not None
    assert q3.output.truncated
    assert len(q3.output.text) == TEXT_LIMIT
    assert q3.output.length > 2000
    assert q3.session_url == "https://app.example.test/sessions/s-3f6c-q3"
    q4, q5 = found.rows[2], found.rows[3]
    assert q4.error == "RateLimitError: 429 for ***"
    assert q5.baseline_output is not None
    assert q5.baseline_output.text == "a plain string output with ***"
    assert SECRET not in render_html(report)


def test_an_evaluator_not_called_or_whose_metric_name_collides_is_not_said_to_have_raised() -> None:
    errors = ("MissingGroundTruth: no ground_truth", "MetricNameCollision: 'a' and 'a_b' both", "KeyError: 'x'")
    names = ("judge", "a_b", "tone")
    failures = tuple(EvaluatorFailure(name, error) for name, error in zip(names, errors, strict=True))
    outcome = DatapointOutcome(0, "q1", "s-q1", OutcomeStatus.OK, evaluator_failures=failures)
    report = build_report(dataclasses.replace(judgement(), outcomes=[outcome]))
    said = ["evaluator judge was not called", "evaluator a_b", "evaluator tone raised"]
    assert [(e.kind, e.error) for e in report.datapoints.errored] == list(zip(said, errors, strict=True))
    assert report.table is not None
    q1 = next(row for row in report.table.rows if row.id == "q1")
    assert q1.error == "\n".join(f"{kind}: {error}" for kind, error in zip(said, errors, strict=True))


def test_no_app_no_session_link() -> None:
    report = build_report(judgement(session_url=None))
    assert report.table is not None
    assert {row.session_url for row in report.table.rows} == {None}


@pytest.mark.parametrize(
    ("old", "new", "shown_old", "shown_new"),
    [
        ("a b c", "a b c", "a b c", "a b c"),
        ("Paris is a city", "Paris is the capital", "Paris is <del>a city</del>", "Paris is <ins>the capital</ins>"),
        ('"Open Settings"', '"Happy! Open Settings"',
         "&#34;Open Settings&#34;", "&#34;<ins>Happy!</ins> Open Settings&#34;"),  # the space after it: unmarked
        ("<b>x</b>", "<b>y</b>", "&lt;b&gt;<del>x</del>&lt;/b&gt;", "&lt;b&gt;<ins>y</ins>&lt;/b&gt;"),
        ("one  two", "one two", "<del>one</del>  two", "<ins>one</ins> two"),  # the spaces after a word: its own
        (" ", "  ", "<del> </del>", "<ins>  </ins>"),  # spaces alone: marked
        ("a " * 500 + "b", "a " * 500 + "c", "a " * 500 + "<del>b</del>", "a " * 500 + "<ins>c</ins>"),  # the common
        ("b " + "a " * 500, "c " + "a " * 500, "<del>b</del> " + "a " * 500, "<ins>c</ins> " + "a " * 500),  # ends
    ],
)  # fmt: skip
def test_the_word_diff_marks_words_and_escapes_the_rest(old: str, new: str, shown_old: str, shown_new: str) -> None:
    assert word_diff(old, new) == (shown_old, shown_new)


@pytest.mark.parametrize(
    ("repeated", "marked"),
    [
        (1, True),
        (63, True),  # 63 x 63 = 3,969 pairs of equal words between the changed ends
        (64, False),  # 4,096
        (500, False),
    ],
)
def test_texts_sharing_too_many_repeated_words_are_not_diffed(repeated: int, marked: bool) -> None:
    """What the diff compares is bounded (DIFF_PAIRS): its common start and end are cheap, the pairs of equal words
    between the first and the last change are what difflib's cost grows with."""
    old, new = "p " + "x " * repeated + "q", "r " + "x " * repeated + "s"
    shown = word_diff(old, new)
    assert DIFF_PAIRS == 4000
    if marked:
        assert shown == (
            "<del>p</del> " + "x " * repeated + "<del>q</del>",
            "<ins>r</ins> " + "x " * repeated + "<ins>s</ins>",
        )
    else:
        assert shown is None


def test_a_row_too_costly_to_diff_shows_both_outputs_unmarked_and_says_so() -> None:
    """One-letter words from a small alphabet, different in every run: every pair of rows shares thousands of equal
    words. The row shows both texts whole and says why nothing is marked; the other rows keep their marks."""
    old = " ".join("abcdefgh"[(i * 7) % 8] for i in range(400))
    new = " ".join("abcdefgh"[(i * 5 + 3) % 8] for i in range(400))
    current = {**CURRENT, "q1": {**CURRENT["q1"], "outputs": new}}
    baseline = {**BASELINE, "q1": {**BASELINE["q1"], "outputs": old}}
    page = render_html(build_report(judgement(current=current, baseline=baseline)))
    [q1] = re.findall(r'<tr data-id="q1".*?</tr>', page, re.S)
    assert f'<div class="text">{old}</div>' in q1
    assert f'<div class="text">{new}</div>' in q1
    assert "<del>" not in q1
    assert "<ins>" not in q1
    assert "changes not marked: too many repeated words to compare" in q1
    assert page.count("changes not marked") == 1
    [q2] = re.findall(r'<tr data-id="q2".*?</tr>', page, re.S)
    assert "<del>" in q2


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_allows_only_its_own_style_and_script_and_loads_nothing() -> None:
    report, _ = table()
    page = render_html(report)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert policy is not None
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert style is not None
    assert script is not None
    assert html.unescape(policy[1]) == (
        f"default-src 'none'; style-src {_sha(style[1])}; script-src {_sha(script[1])}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    assert page.count("<script") == 1
    assert page.count("<style") == 1
    assert re.findall(r"<[a-z][^>]*\s(?:src|srcset|action|formaction|on\w+)=", page) == []  # no loads, no handlers
    links = set(re.findall(r'href="([^"]*)"', page))
    assert links == {"data:,", f"https://app.honeyhive.ai/runs/{RUN_ID}"} | {
        f"https://app.example.test/sessions/s-3f6c-{i}" for i in ("q1", "q2", "q3", "q4")
    }
    assert XSS not in page
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in page
    assert render_html(report) == page  # the same report is the same bytes


@pytest.mark.parametrize(
    ("embedded", "where"),
    [(False, "HoneyHive"), (True, "the embedded local backend's .honeyhive/local.db")],  # a dry run said HoneyHive
)
def test_a_table_cut_to_its_cap_says_where_the_rest_are(embedded: bool, where: str) -> None:
    judged = judgement()
    assert judged.details is not None
    details = dataclasses.replace(judged.details, total=7, embedded=embedded)
    page = render_html(build_report(dataclasses.replace(judged, details=details)))
    assert f"</span> of 5 datapoints shown (the 5 worst of 7; the rest are in {where})</span>" in html.unescape(page)


def test_a_report_without_a_table_says_so() -> None:
    page = render_html(build_report(base_input()))
    assert "The datapoints were not read from the backend for this report." in page
    assert 'id="datapoints"' not in page


def test_records_take_the_session_first_and_the_function_event_where_it_has_more() -> None:
    found = records_from_events(
        "r",
        [
            {"event_type": "session", "session_id": "s1", "metadata": {"datapoint_id": "d1"}, "inputs": {"q": 1},
             "outputs": {}, "error": None},
            {"event_type": "chain", "event_name": "answer", "session_id": "s1", "parent_id": "s1",
             "metadata": {"datapoint_id": "d1"}, "outputs": {"a": 2}, "error": "ValueError: x",
             "metrics": {"score": 0.5, "ok": True, "score_explanation": "half"}},
            {"event_type": "model", "event_name": "llm", "session_id": "s1", "parent_id": "c1",
             "metadata": {"datapoint_id": "d1"}, "metrics": {"tokens": 12}},
            {"event_type": "session", "session_id": "s2", "metadata": {"datapoint_id": "d2"}},
        ],
        keep=lambda ident: ident == "d1",
    )  # fmt: skip
    assert found.total == 2
    assert list(found.records) == ["d1"]
    record = found.records["d1"]
    assert (record.session_id, record.inputs, record.outputs) == ("s1", {"q": 1}, {"a": 2})
    assert record.error == "ValueError: x"
    assert record.metrics == {("score", "answer"): 0.5, ("ok", "answer"): True, ("tokens", "llm"): 12}
    assert record.explanations == {"score_explanation": "half"}


@pytest.mark.parametrize(
    ("parent_id", "is_root"),
    [("s1", True), (None, True), ("", True), ("c1", False)],
    ids=["session", "none", "empty", "nested"],
)
def test_the_function_event_is_the_chain_at_the_top_of_its_session(parent_id: str | None, is_root: bool) -> None:
    """The same rule as the recorded-datapoint count (jsonstream.read_scored_page): a chain whose parent is the
    session, or none; a nested chain's outputs are not the function's."""
    found = records_from_events(
        "r",
        [
            {"event_type": "session", "session_id": "s1", "metadata": {"datapoint_id": "d1"}, "outputs": {}},
            {"event_type": "chain", "event_name": "answer", "session_id": "s1", "parent_id": parent_id,
             "metadata": {"datapoint_id": "d1"}, "outputs": {"a": 2}},
        ],
    )  # fmt: skip
    assert found.records["d1"].outputs == ({"a": 2} if is_root else {})


@pytest.mark.parametrize(
    ("value", "histogram", "scatter"),
    [
        (True, ("false", "true"), ("false", "true")),  # the scatter's axis read 0% and 100% beside false and true
        (False, ("false", "true"), ("false", "true")),
        (1.0, ("95%", "100%"), ("0%", "100%")),
        (0.0, ("0%", "5%"), ("0%", "100%")),
        (0.5, ("45%", "55%"), ("0%", "100%")),
    ],
    ids=["boolean", "boolean-false", "all-1", "all-0", "all-0.5"],
)
def test_the_axes_of_a_share_or_a_boolean_stop_at_0_and_100_percent(
    value: bool | float, histogram: tuple[str, str], scatter: tuple[str, str]
) -> None:
    """Every datapoint has the same value in both runs: the scatter's axis was padded by 1 on each side (0% to
    200% for a boolean) and one value's bin by 5% (95% to 105%), past what a share can be. A boolean's axes read
    false and true, as its histogram's."""
    ids = ["q1", "q2", "q3"]
    body = {"metric_name": "accuracy", "event_name": "answer", "aggregate": float(value), "values": [value] * 3}
    summary = summary_of({**SUMMARY, "metrics": {"details": [body]}})
    delta = {"metric_name": "accuracy", "event_name": "answer", "old_aggregate": float(value), "new_aggregate":
             float(value), "improved": [], "degraded": [], "same": ids, "old_values": [value] * 3,
             "new_values": [value] * 3}  # fmt: skip
    old_run = {"run_id": OLD_RUN, "datapoint_ids": ids}
    comparison = comparison_of({"commonDatapoints": ids, "metrics": [delta], "old_run": old_run}, summary)
    rows = {i: {"outputs": {"answer": i}, "metrics": {"accuracy": value}} for i in ids}
    details = DatapointDetails(
        records_from_events(RUN_ID, events(RUN_ID, rows)), records_from_events(OLD_RUN, events(OLD_RUN, rows)),
        tuple(ids), 3, None,
    )  # fmt: skip
    metrics = {"accuracy": MetricConfig(label="Accuracy", format=".0%")}
    judged = base_input(summary=summary, comparison=comparison, metrics=metrics, details=details)
    page = render_html(build_report(judged))
    across = re.search(r'<text x="28" y="266">(.*?)</text><text x="252" y="266" text-anchor="end">(.*?)</text>', page)
    up = re.search(r'<text x="22" y="252" text-anchor="end">(.*?)</text><text x="22" y="34" [^>]*>(.*?)<', page)
    assert across is not None
    assert up is not None
    assert across.groups() == up.groups() == scatter
    captions = re.findall(r"<figcaption><span>(.*?)</span><span>(?:this run|baseline)</span><span>(.*?)</span>", page)
    assert set(captions) == {histogram}


def test_a_metric_with_values_but_no_aggregate_range_or_gate_still_gets_its_histogram() -> None:
    """Nothing to draw over the bars (an evaluator that raised everywhere leaves such a metric): the bars alone."""
    body = {**SUMMARY, "metrics": {"details": [{"metric_name": "tokens", "event_name": "answer", "values": [3, 5]}]}}
    page = render_html(build_report(base_input(summary=summary_of(body))))
    assert page.count('<figure class="hist">') == 1
    assert 'class="mark-' not in page


@pytest.mark.parametrize(
    ("gate", "limit"),
    [
        (GateRule(max_drop=0.05), 0.55),
        (GateRule(max_drop=5), None),  # 5 on a 0-1 percentage can never be crossed: the verdict fails on it
        (GateRule(max_drop=5, max_drop_pct=10), 0.54),  # the bound that can be crossed is the one drawn
    ],
    ids=["reachable", "unreachable", "unreachable-and-pct"],
)
def test_the_gate_mark_draws_only_a_bound_the_aggregate_can_cross(gate: GateRule, limit: float | None) -> None:
    metrics = {**METRICS, "accuracy": MetricConfig(label="Accuracy", format=".0%")}
    report = build_report(dataclasses.replace(judgement(), metrics=metrics, gates={"accuracy": gate}))
    found = next(m.gate_limit for m in report.metrics if m.name == "accuracy")
    assert found == (pytest.approx(limit) if limit is not None else None)
    assert ("gate: the aggregate may reach" in render_html(report)) is (limit is not None)


# ------------------------------------------------------------------------------------------------ trials


def trial_events(run_id: str, rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per datapoint a session and its chain event per trial (``metadata.trial`` on the session, as the runner
    writes it), the later trials first: the export's order is no promise."""
    found = []
    for ident, trials in rows.items():
        for trial, row in reversed(list(enumerate(trials))):
            session = f"s-{run_id[:4]}-{ident}-{trial}"
            found.append(
                {"event_type": "session", "session_id": session, "inputs": {"q": ident}, "outputs": row["outputs"],
                 "metadata": {"run_id": run_id, "datapoint_id": ident, "trial": trial}, "error": None}
            )  # fmt: skip
            found.append(
                {"event_type": "chain", "event_name": "answer", "session_id": session, "parent_id": session,
                 "metadata": {"run_id": run_id, "datapoint_id": ident}, "outputs": row["outputs"],
                 "metrics": row["metrics"], "error": None}
            )  # fmt: skip
    return found


def trial(answer: str, accuracy: float, latency: int = 800) -> dict[str, Any]:
    return {"outputs": {"answer": answer}, "metrics": {"accuracy": accuracy, "latency_ms": latency,
            "accuracy_explanation": f"said {answer}"}}  # fmt: skip


TRIALS = {  # q2's trials disagree on pass/fail: the backend calls it flaky
    "q1": [trial("Paris", 1.0), trial("Paris, France", 0.7), trial("Lyon", 0.4)],
    "q2": [trial("use the settings", 0.2), trial("settings page", 0.9), trial("no idea", 0.2)],
    "q3": [trial("fine", 0.6, 1200), trial("fine", 0.6, 1200), trial("fine", 0.6, 1200)],
}
SUMMARY_TRIALS = {
    **SUMMARY,
    "passed": ["q1", "q3"],
    "failed": ["q2"],
    "trials": 3,
    "flaky": ["q2"],
    "datapoints": [  # the backend's means of each datapoint's trials, and how many trials passed on their own
        {"datapoint_id": i, "session_id": f"s-3f6c-{i}-0", "passed": i != "q2", "trials": 3, "trials_passed": passed,
         "metrics": [{"name": "accuracy", "event_name": "answer", "value": accuracy},
                     {"name": "latency_ms", "event_name": "answer", "value": latency}]}
        for i, passed, accuracy, latency in (("q1", 3, 0.7, 800), ("q2", 1, 0.4333, 800), ("q3", 3, 0.6, 1200))
    ],
}  # fmt: skip


def trials_report() -> Any:
    summary = summary_of(SUMMARY_TRIALS)
    old_run = {"run_id": OLD_RUN, "datapoint_ids": ["q1", "q2", "q3", "q5"]}
    comparison = comparison_of({**COMPARE, "old_run": old_run}, summary)
    current = with_backend_values(records_from_events(RUN_ID, trial_events(RUN_ID, TRIALS)), summary)
    details = DatapointDetails(
        current, records_from_events(OLD_RUN, events(OLD_RUN, BASELINE)), ("q1", "q2", "q3", "q5"), 4, None
    )
    judged = base_input(
        summary=summary, comparison=comparison, metrics=METRICS, details=details, trials=3, baseline=baseline_info()
    )
    return build_report(judged)


def test_a_datapoints_trials_are_recorded_from_its_first_trial_never_a_blend() -> None:
    found = records_from_events(RUN_ID, trial_events(RUN_ID, TRIALS))
    assert found.total == 3
    q1 = found.records["q1"]
    assert (q1.session_id, q1.outputs) == ("s-3f6c-q1-0", {"answer": "Paris"})
    assert q1.metrics == {("accuracy", "answer"): 1.0, ("latency_ms", "answer"): 800}
    assert q1.explanations == {"accuracy_explanation": "said Paris"}


def test_with_trials_the_table_shows_flaky_and_how_many_trials_passed_and_the_backends_means() -> None:
    report = trials_report()
    assert report.table is not None
    rows = {row.id: row for row in report.table.rows}
    assert rows["q2"].status == ("degraded", "failed", "flaky")
    assert [row.id for row in report.table.rows if "flaky" in row.status] == ["q2"]
    assert (rows["q2"].trials_text, rows["q1"].trials_text) == ("1 of 3 trials passed", "3 of 3 trials passed")
    # the values are the backend's means of the trials (what its comparison judged), the texts the first trial's
    assert [c.value for c in rows["q1"].metrics] == [0.7, 800]
    assert rows["q1"].output is not None
    assert rows["q1"].output.text == '{"answer": "Paris"}'
    assert rows["q5"].trials is None  # only in the baseline
    page = render_html(report)
    assert "✅ <b>Passed</b> · 2 of 3 datapoints passed, 1 failed · 3 trials per datapoint</p>" in page
    assert "⚠️ baseline: 1 trial, this run: 3" in page
    assert '<option value="flaky">flaky (trials disagree) (1)</option>' in page
    [q2] = re.findall(r'<tr data-id="q2".*?</tr>', page, re.S)
    assert '<span class="st st-flaky">flaky</span>' in q2
    assert '<span class="trials">1 of 3 trials passed</span>' in q2
    assert page.count("3 of 3 trials passed") == 2


def test_without_trials_the_table_says_nothing_of_them() -> None:
    report, found = table()
    assert {(row.trials, row.trials_passed) for row in found.rows} == {(None, None)}
    shown = render_html(report).split("</style>")[1].split("<script>")[0]  # what the page shows, not its style
    assert "trial" not in shown
    assert "flaky" not in shown


@pytest.mark.parametrize(
    ("old", "new", "metric", "said", "axis"),
    [
        (False, True, MetricConfig(label="Correct"), "baseline false → this run true", ("false", "true")),
        (0.5, 1.0, MetricConfig(label="Correct"), "baseline 50.0% → this run 100.0%", ("50.0%", "100.0%")),
        (0.4996, 0.5004, MetricConfig(label="Score", format=".2f"), "baseline 0.4996 → this run 0.5004", None),
    ],
    ids=["boolean", "trials-pass-rate", "apart-only-with-more-digits"],
)
def test_the_scatter_says_each_points_values_as_the_table_shows_them(
    old: bool | float, new: bool | float, metric: MetricConfig, said: str, axis: tuple[str, str] | None
) -> None:
    """A point's title named a boolean's values 0 and 1, and with trials a boolean's datapoint (the mean of its trials,
    a pass rate) as a plain number (0.5), unlike the table and the histogram beside it (false, true; 50.0%); and two
    values that differ as the same ("0.50 → 0.50", better), as the table's cell did ("0.50", "was 0.50"). The axis
    of booleans read 0.0% and 100.0% (false and true); with trials, of pass rates, it is in percent."""
    ids = ["q1", "q2"]
    booleans = isinstance(old, bool) or metric.format is None  # a boolean metric, with trials or without
    values = [True, True] if booleans else [new, new]
    body = {"metric_name": "accuracy", "event_name": "answer", "aggregate": float(new), "values": values}
    summary = summary_of({**SUMMARY, "metrics": {"details": [body]}})
    delta = {"metric_name": "accuracy", "event_name": "answer", "old_aggregate": float(old), "new_aggregate":
             float(new), "improved": ids, "degraded": [], "same": [], "old_values": [old, old],
             "new_values": [new, new]}  # fmt: skip
    old_run = {"run_id": OLD_RUN, "datapoint_ids": ids}
    comparison = comparison_of({"commonDatapoints": ids, "metrics": [delta], "old_run": old_run}, summary)
    details = DatapointDetails(
        records_from_events(RUN_ID, events(RUN_ID, {i: {"outputs": {}, "metrics": {"accuracy": new}} for i in ids})),
        records_from_events(OLD_RUN, events(OLD_RUN, {i: {"outputs": {}, "metrics": {"accuracy": old}} for i in ids})),
        tuple(ids), 2, None,
    )  # fmt: skip
    judged = base_input(summary=summary, comparison=comparison, metrics={"accuracy": metric}, details=details)
    page = render_html(build_report(judged))
    assert re.findall(r'<circle class="pt pt-better"[^>]*><title>(.*?)</title>', page) == [
        f"{said}: 2 datapoints, better"
    ]
    was, now = re.fullmatch(r"baseline (.*) → this run (.*)", said).groups()
    assert page.count(f'<span class="mv-better">{now}</span><br><span class="was">was {was}</span>') == 2
    ends = re.search(r'<text x="28" y="266">(.*?)</text><text x="252" y="266" text-anchor="end">(.*?)</text>', page)
    assert ends is not None
    assert axis is None or ends.groups() == axis


@pytest.mark.parametrize(
    ("low", "high", "value", "at"),
    [
        (0.0, 1.0, 0.5, 150.0),
        (0.0, 1.0, 2.0, 272.0),  # beyond the end: at the end
        (-1.7e308, 1.7e308, 0.0, 150.0),  # the span overflowed: every point at one end
        (-1.7e308, 1.7e308, 1.7e308, 272.0),
        (3.0, 3.0, 3.0, 28.0),  # no span: no division by 0
    ],
)
def test_a_value_is_placed_on_its_axis(low: float, high: float, value: float, at: float) -> None:
    assert _axis(low, high, 300, 28)(value) == at

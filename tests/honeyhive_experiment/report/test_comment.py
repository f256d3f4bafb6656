"""``report.comment``: the PR comment and the job summary — golden files, wording, the size budget, custom
templates.

Golden files live in ``tests/honeyhive_experiment/golden/``; after an intended change regenerate them and
review the diff::

    UPDATE_GOLDEN=1 python -m pytest tests/honeyhive_experiment/report
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.config import CommentConfig, GateRule, PassingRangeConfig
from honeyhive_experiment.judgement import Judgement
from honeyhive_experiment.models.outcomes import DatapointOutcome, OutcomeStatus
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT_BYTES,
    TemplateError,
    comment_metadata,
    marker,
)
from honeyhive_experiment.verdict import Decision, Verdict
from tests.honeyhive_experiment.report.scenarios import (
    APP,
    BASELINE_ID,
    BIG_M,
    BIG_N,
    HEAD_SHA,
    LONG_NAME,
    PASS_SUMMARY_BODY,
    RUN_ID,
    SCENARIOS,
    base_input,
    baseline_info,
    cells,
    comparisons_off_input,
    error_input,
    fail_input,
    many,
    neutral_input,
    no_baseline_input,
    pass_input,
    render_comment,
    render_summary,
    render_terminal,
    report_json,
    significance_input,
    summary_of,
    table_rows,
)

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.is_file(), f"{path} is missing: run with UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), "golden", "rendered"))
        pytest.fail(f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept):\n{diff}")


# ------------------------------------------------------------------------------------------------------------
# golden files
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_comment_matches_golden_file(scenario: str) -> None:
    rendered = render_comment(SCENARIOS[scenario]())
    assert rendered.truncated_steps == ()
    assert_golden(f"{scenario}.md", rendered.text)


def test_summary_and_terminal_match_golden_files() -> None:
    data = fail_input()
    assert_golden("fail_summary.md", render_summary(data))
    assert_golden("fail_terminal.txt", render_terminal(data))
    assert_golden("pass_terminal.txt", render_terminal(pass_input()))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_comment_starts_with_the_marker_and_the_metadata(scenario: str) -> None:
    data = SCENARIOS[scenario]()
    lines = render_comment(data).text.splitlines()
    assert lines[0] == marker(DEFAULT_CONFIG_PATH)
    assert lines[1] == comment_metadata(HEAD_SHA, data.run_id)


def test_the_verdict_line_says_the_verdict_in_words_and_emoji_with_the_backends_counts() -> None:
    assert "✅ **Passed** · 6 of 6 datapoints passed" in render_comment(pass_input()).text
    # an evaluator raised on one: "passed" would count the datapoints the backend passed without its metric
    assert (
        "❌ **Failed** · 5 of 6 datapoints ran, 2 failed; 1 datapoint with an evaluator error"
        in render_comment(fail_input()).text
    )
    assert "⚪ **Neutral** · nothing was evaluated" in render_comment(neutral_input()).text
    assert "⚠️ **Error** · the experiment could not be evaluated" in render_comment(error_input()).text


def test_links_name_the_run_and_the_baseline_with_its_commit_and_age() -> None:
    text = render_comment(pass_input()).text
    assert f"[HoneyHive run]({APP}/runs/{RUN_ID})" in text
    assert f"baseline [main]({APP}/runs/{BASELINE_ID}) (commit 1a2b3c4 on main, 3 days ago)" in text
    assert "compared on **6 of 6** datapoints" in text


@pytest.mark.parametrize(
    ("changes", "about"),
    [
        ({}, "commit 1a2b3c4 on main, 3 days ago"),
        ({"why": "run at merge-base 1a2b3c4 with main"}, "run at merge-base 1a2b3c4 with main, 3 days ago"),
        ({"why": "latest passing run on main"}, "latest passing run on main: commit 1a2b3c4, 3 days ago"),
        ({"why": "previous local run"}, "previous local run: commit 1a2b3c4 on main, 3 days ago"),
        (
            {"why": "run at merge-base 1a2b3c4 with main", "passed": False},
            "run at merge-base 1a2b3c4 with main, 3 days ago, failed",
        ),
        (  # its check could not evaluate it (verdict error): not a result, so not "failed"
            {"why": "the run asked for", "passed": False, "errored": True},
            "the run asked for: commit 1a2b3c4 on main, 3 days ago, errored",
        ),
        ({"dirty": True}, "commit 1a2b3c4 + uncommitted changes on main, 3 days ago"),
    ],
    ids=[
        "plain",
        "merge base",
        "branch",
        "previous local run",
        "a failing merge-base run",
        "an errored run",
        "uncommitted changes",
    ],
)
def test_the_baseline_says_why_it_was_chosen_and_whether_it_failed(changes: dict[str, Any], about: str) -> None:
    text = render_comment(base_input(baseline=baseline_info(**changes))).text
    assert f"baseline [main]({APP}/runs/{BASELINE_ID}) ({about})" in text


def test_a_run_with_uncommitted_changes_is_labelled_in_the_footer() -> None:
    assert f"for commit {HEAD_SHA[:7]} + uncommitted changes" in render_comment(base_input(dirty=True)).text
    assert "uncommitted" not in render_comment(base_input()).text.split("<sub>honeyhive-experiment")[1]


def test_no_baseline_explains_how_a_baseline_is_created() -> None:
    text = render_comment(no_baseline_input()).text
    assert "**No baseline yet.**" in text
    assert "default branch" in text
    assert "docs/workflows/" in text
    assert "passing" in text
    assert "| Metric | This PR | Passing range | Status |" in text  # this run's own numbers only


def test_with_comparisons_off_no_baseline_is_promised() -> None:
    """baseline.strategy none: the comment and the terminal promised a baseline (a run at the merge base, a passing
    run on the base branch) that would never come."""
    text = render_comment(comparisons_off_input()).text
    assert_golden("comparisons_off.md", text)
    assert_golden("comparisons_off_terminal.txt", render_terminal(comparisons_off_input()))
    assert "**No baseline: comparisons are switched off.**" in text
    assert "`baseline: {strategy: none}`" in text
    assert "No baseline yet" not in text
    assert "merge base" not in text
    assert "| Metric | This PR | Passing range | Status |" in text  # this run's own numbers only
    terminal = render_terminal(comparisons_off_input())
    assert "Baseline: none (baseline.strategy: none switches comparisons off" in terminal
    assert "becomes one" not in terminal
    assert report_json(comparisons_off_input())["comparisons_off"] is True
    assert report_json(no_baseline_input())["comparisons_off"] is False


def test_error_comment_says_what_went_wrong_and_what_to_check() -> None:
    text = render_comment(error_input()).text
    assert "```text\nIngestionTimeout: run 3f6c1a2e was not fully ingested within 120 s\n" in text
    assert "**What to check**" in text
    assert "| Metric |" not in text


def test_an_error_report_says_nothing_of_the_judged_metrics_values_it_never_read() -> None:
    """An error after the run (a bug while comparing, say) listed every gated or ranged metric as "no values": the
    summary had values of them, the error report only never read it."""
    data = dataclasses.replace(
        error_input(),
        gates={"accuracy": GateRule(max_drop=0.05)},
        passing_ranges={"latency_ms": PassingRangeConfig(max=2000)},
    )
    assert report_json(data)["metrics"] == []
    assert "no values" not in render_terminal(data)
    # a summary read without a judged metric's values: said
    read = dataclasses.replace(data, summary=summary_of(PASS_SUMMARY_BODY), gates={"judged": GateRule(max_drop=1)})
    assert [(m["name"], m["absent"]) for m in report_json(read)["metrics"] if m["absent"]] == [("judged", True)]


def test_an_error_without_an_error_message_shows_the_reasons() -> None:
    data = dataclasses.replace(error_input(), error=None)
    assert "```text\nthe run was not ingested in time\n```" in render_comment(data).text


def test_neutral_comment_for_a_fork_explains_instead_of_failing() -> None:
    text = render_comment(neutral_input()).text
    assert "forks do not receive the repository's secrets" in text
    assert "pull request from a fork" in text


def test_dry_run_is_said_in_the_footer() -> None:
    assert "dry run: nothing was posted" in render_comment(no_baseline_input()).text
    assert "dry run" not in render_comment(pass_input()).text
    assert "dry run: nothing was posted" in render_terminal(no_baseline_input())


# ------------------------------------------------------------------------------------------------------------
# the size budget
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_datapoints", [20, BIG_N])
def test_5000_failing_datapoints_by_300_metrics_stay_under_the_limit_and_say_so(
    big_input: Judgement, max_datapoints: int
) -> None:
    data = dataclasses.replace(big_input, comment=CommentConfig(max_datapoints=max_datapoints))
    rendered = render_comment(data)
    assert len(rendered.text) <= COMMENT_LIMIT
    assert rendered.truncated_steps == ("datapoint_rows",)
    assert "This comment was shortened to stay under GitHub's 65,000-character limit" in rendered.text
    listed = re.search(r"\(at most (\d+) datapoints listed per section\)", rendered.text)
    assert listed is not None
    n = int(listed.group(1))
    assert 5 <= n < max_datapoints  # as many as fit (audit79 F6), not straight down to 5
    assert "The full report is in the job summary and report.json." in rendered.text
    assert len(table_rows(rendered.text, "| Metric |")) == 2 + BIG_M
    assert len(table_rows(rendered.text, "| Datapoint | Failing metrics |")) == 2 + n
    # the job summary lists only some of them (under 1 MiB: the next test), report.json all (audit79 F5)
    assert f"Showing {n:,} of {BIG_N:,}; all of them are in report.json." in rendered.text
    assert rendered.text.startswith(marker(DEFAULT_CONFIG_PATH) + "\n" + comment_metadata(HEAD_SHA, RUN_ID) + "\n")
    assert rendered.text.endswith("</sub>\n")


def test_too_many_metrics_are_cut_keeping_key_failing_and_worse_ones_first() -> None:
    # 1,000 metrics: 300 worse and failing, 700 better ones without a range (listed first by the backend)
    worse = [LONG_NAME.format(j) for j in range(300)]
    better = [f"extra_metric_{k:04d}_" + "x" * 60 for k in range(700)]
    data = many(50, worse, better, key=worse[-1])
    rendered = render_comment(data)
    assert len(rendered.text) <= COMMENT_LIMIT
    assert rendered.truncated_steps == ("datapoint_rows", "details", "metric_rows")
    hidden = re.search(r"… and (\d+) more metrics in the job summary\.", rendered.text)
    assert hidden is not None
    shown = [cells(row) for row in table_rows(rendered.text, "| Metric |")[2:]]
    assert len(shown) + int(hidden.group(1)) == 1000
    assert f"{len(shown):,} of 1,000 metrics shown" in rendered.text
    assert "<details>" not in rendered.text
    # the key metric first; every failing and worse one kept; the rest filled with the first better ones
    assert shown[0][0].endswith("299")
    statuses = [row[6] for row in shown]
    assert statuses.count("🔴 worse (p &lt; 0.001) · ❌ 50 failing") == 300
    assert statuses.count("🟢 better (p &lt; 0.001)") == len(shown) - 300 > 0
    assert shown[1][0].startswith("extra\\_metric\\_0000")


def test_a_shortened_comment_keeps_the_row_of_a_metric_whose_gate_failed_before_any_other() -> None:
    """The gate failed on the last of 700 better metrics (not key, failing or worse): cut to fit, the comment still
    shows its row, saying so, first."""
    worse = [LONG_NAME.format(j) for j in range(300)]
    better = [f"extra_metric_{k:04d}_" + "x" * 60 for k in range(700)]
    data = many(50, worse, better, key=worse[-1])
    data = dataclasses.replace(data, decision=dataclasses.replace(data.decision, gates_hit=(better[-1],)))
    rendered = render_comment(data)
    assert "metric_rows" in rendered.truncated_steps
    shown = [cells(row) for row in table_rows(rendered.text, "| Metric |")[2:]]
    gated = [row for row in shown if row[0].startswith("extra\\_metric\\_0699")]
    assert len(gated) == 1
    assert gated[0][6].endswith("❌ failed its gate")


def test_the_big_job_summary_stays_under_1_mib_and_says_so(big_input: Judgement) -> None:
    text = render_summary(big_input)
    assert len(text.encode("utf-8")) <= SUMMARY_LIMIT_BYTES
    assert "This job summary was shortened to stay under GitHub's 1 MiB limit" in text
    assert len(table_rows(text, "| Metric |")) == 2 + BIG_M  # every metric
    listed = len(table_rows(text, "| Datapoint | Failing metrics |")) - 2
    assert 0 < listed < BIG_N
    assert f"Showing {listed:,} of {BIG_N:,}; all of them are in report.json." in text


# audit79 F6: a comment over the limit with max_datapoints rows fell straight to 5 rows, in 5% of the room: as many
# as fit are listed (with shorter previews)
def test_fewer_datapoint_rows_is_the_first_step() -> None:
    ids = [f"EXT-f{i:04d}" for i in range(1000)]
    body = {**PASS_SUMMARY_BODY, "success": False, "passed": [], "failed": ids, "datapoints": []}
    data = base_input(
        decision=Decision(Verdict.FAIL, ("200 failed",)),
        summary=summary_of(body),
        outcomes=[
            DatapointOutcome(index=k, datapoint_id=i, session_id=f"s-{i}", status=OutcomeStatus.OK, outputs="a" * 300)
            for k, i in enumerate(ids)
        ],
        inputs_by_datapoint={i: {"q": "b" * 300} for i in ids},
        comment=CommentConfig(max_datapoints=1000),
    )
    rendered = render_comment(data)
    assert rendered.truncated_steps == ("datapoint_rows",)
    assert len(rendered.text) <= COMMENT_LIMIT
    listed = len(table_rows(rendered.text, "| Datapoint | Failing metrics |")) - 2
    assert 200 < listed < 1000, listed  # a row takes ~200 characters of the 65,000
    assert f"at most {listed} datapoints listed per section" in rendered.text
    assert f"Showing {listed:,} of 1,000; all of them are in the job summary." in rendered.text
    assert len(table_rows(rendered.text, "| Metric |")) == 2 + 5  # every metric still there


def test_summary_only_is_the_last_step_of_the_built_in_template() -> None:
    # notes of ampersands: each "&" is written as "&amp;", so twenty of them overflow with no metric at all
    data = dataclasses.replace(
        neutral_input(),
        decision=Decision(Verdict.NEUTRAL, tuple("&" * 300 for _ in range(20))),
        notes=tuple("&" * 500 for _ in range(20)),
    )
    rendered = render_comment(data)
    assert rendered.truncated_steps == ("datapoint_rows", "details", "summary_only")
    assert len(rendered.text) <= COMMENT_LIMIT
    assert "only the summary shown" in rendered.text
    assert "**Notes**" not in rendered.text


def test_a_custom_template_that_ignores_the_budget_is_cut_keeping_the_marker(tmp_path: Path) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text("{{ marker }}\n{% for i in range(100000) %}word {% endfor %}\n", encoding="utf-8")
    rendered = render_comment(pass_input(), template_path=template)
    assert rendered.truncated_steps[-1] == "hard_truncate"
    assert len(rendered.text) <= COMMENT_LIMIT
    assert rendered.text.startswith(marker(DEFAULT_CONFIG_PATH) + "\n")
    assert "Cut at 65,000 characters" in rendered.text


# ------------------------------------------------------------------------------------------------------------
# custom templates
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{{ marker }}\n## {{ title }}\n{{ verdict.emoji }} {{ headline }}\n",
        "## {{ title }}\n{{ verdict.emoji }} {{ headline }}\n",  # it was an error: the renderer writes the marker
        "## {{ title }}\n{{ metadata }}\n{{ verdict.emoji }} {{ headline }}\n{{ marker }}\n",
    ],
    ids=["marker-first", "no-marker", "marker-last"],
)
def test_a_custom_template_is_used_with_escaping_the_marker_and_metadata_first(tmp_path: Path, source: str) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text(source, encoding="utf-8")
    data = dataclasses.replace(pass_input(), comment=CommentConfig(title="<b>bot</b> @team"))
    text = render_comment(data, template_path=template).text
    assert text == (
        f"{marker(DEFAULT_CONFIG_PATH)}\n{comment_metadata(HEAD_SHA, RUN_ID)}\n"
        "## &lt;b&gt;bot&lt;/b&gt; @\u200dteam\n✅ 6 of 6 datapoints passed\n"
    )


def test_a_custom_template_can_extend_the_built_in_one(tmp_path: Path) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text(
        '{% extends "builtin/comment.md.j2" %}\n{% block footer %}\n\nAsk #ml-evals.\n{% endblock %}\n',
        encoding="utf-8",
    )
    text = render_comment(pass_input(), template_path=template).text
    assert "| Metric | Baseline |" in text
    assert text.endswith("Ask #ml-evals.\n")
    assert "<sub>honeyhive-experiment" not in text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ marker }}\n{% if %}\n", "invalid template"),
        ("{{ marker }}\n{{ no_such_variable }}\n", "rendering failed: UndefinedError"),
        ("{{ marker }}\n{{ 1 / 0 }}\n", "rendering failed: ZeroDivisionError"),
        ("{{ marker }}\n{{ ''.__class__.__mro__ }}\n", "rendering failed"),  # the sandbox
        ('{{ marker }}\n{% include "missing.j2" %}\n', "template not found: missing.j2"),
    ],
)
def test_a_broken_custom_template_is_one_named_error(tmp_path: Path, source: str, message: str) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render_comment(pass_input(), template_path=template)
    assert caught.value.path == str(template)
    assert str(caught.value).startswith(str(template))
    assert message in str(caught.value)


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    template = tmp_path / "comment.md.j2"
    template.write_text("{{ marker }}\nfine\n{% for x in %}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render_comment(pass_input(), template_path=template)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{template}:3: invalid template")


def test_a_missing_or_unreadable_custom_template_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="template file not found"):
        render_comment(pass_input(), template_path=tmp_path / "nope.j2")
    binary = tmp_path / "binary.j2"
    binary.write_bytes(b"\xff\xfe{{ marker }}")
    with pytest.raises(TemplateError, match="saved as UTF-16"):
        render_comment(pass_input(), template_path=binary)


def test_an_included_file_that_cannot_be_read_is_named_as_the_template_is(tmp_path: Path) -> None:
    """An included file not in UTF-8 was a UnicodeDecodeError traceback in ``validate`` ("unexpected
    UnicodeDecodeError" in ``run``); one that cannot be read (its permissions) likewise."""
    template, part = tmp_path / "comment.md.j2", tmp_path / "part.j2"
    template.write_text('{{ marker }}\n{% include "part.j2" %}\n', encoding="utf-8")
    part.write_bytes(b"\xff\xfe{{ marker }}")
    with pytest.raises(TemplateError) as caught:
        render_comment(pass_input(), template_path=template)
    assert str(caught.value) == f"{part}: saved as UTF-16 (byte-order mark FF FE): save it as UTF-8"
    if os.geteuid() != 0:  # root reads it whatever its mode
        part.chmod(0)
        with pytest.raises(TemplateError, match=f"^{re.escape(str(part))}: cannot read the template: Permission"):
            render_comment(pass_input(), template_path=template)


def test_significance_golden_comment_tells_worse_from_noise_and_too_few() -> None:
    """One metric significantly worse, one within noise, one with too few changes to tell (golden), the
    pass/fail flips line, and the datapoints that got worse on the metric whose gate failed."""
    data = significance_input()
    text = render_comment(data).text
    assert_golden("significance.md", text)
    rows = {cells(row)[0]: cells(row)[-1] for row in table_rows(text, "| Metric")[2:]}
    # accuracy is gated and got worse: its row shows the gate's one-sided test, Holm over the gated metrics only:
    # 1 better / 15 worse, p = P(X ≥ 15 | n = 16) = 17/65536 = 0.00026 (the two-sided test across 3 metrics and
    # pass/fail, what an ungated row shows, would be 0.0021), then the gate it failed
    assert rows["Accuracy"] == "🔴 worse (p &lt; 0.001) · ❌ failed its gate (at most 5% worse)"
    assert data.gate_assessment[("accuracy", "answer")].p_adjusted == 17 / 65536
    assert rows["faithfulness"] == "⚪ within noise (p = 1)"
    # 3 changes can never be significant; how many could is Holm's over its family of 4: 2 x 0.5**8 x 4 = 0.031
    assert rows["spend\\_usd"] == "⚪ too few changes to tell (needs ≥ 8 changes, has 3)"
    assert "0 datapoint(s) went from passing to failing and 2 from failing to passing" in text
    assert "📉 15 datapoints got worse on Accuracy" in text
    assert data.decision.verdict is Verdict.FAIL
    assert_golden("significance_terminal.txt", render_terminal(data))


FOOTNOTE = "else a sign test on those that changed, Holm-corrected across the metrics"


def test_the_footnote_counts_pass_fail_in_the_holm_family_when_its_flips_were_tested() -> None:
    """The footnote said "Holm-corrected across the metrics" while the rows' family held the pass/fail flips' McNemar
    test too (numbers audit F7: three metrics and Pass/fail, a p of 0.00195 shown as 0.0078 = 4 × it): it says so
    when they were tested, and not when there were none, or the trials differ (untold, left out of the family)."""
    from honeyhive_experiment.significance import Change
    from honeyhive_experiment.verdict import PASS_FAIL

    data = significance_input()
    flips = data.assessment[PASS_FAIL]
    assert flips.changes > 0  # tested: in the family
    untold = dataclasses.replace(flips, change=Change.UNTOLD)
    without = {key: a for key, a in data.assessment.items() if key != PASS_FAIL}
    for assessment, said in (
        (data.assessment, f"{FOOTNOTE} and Pass/fail; anything"),
        (without, f"{FOOTNOTE}; anything"),
        ({**data.assessment, PASS_FAIL: untold}, f"{FOOTNOTE}; anything"),
    ):
        assert said in render_comment(dataclasses.replace(data, assessment=assessment)).text


def test_a_sign_test_between_runs_of_different_trials_says_it_cannot_tell() -> None:
    """The baseline ran another number of trials: a metric the sign test judges (no per-datapoint values here) is
    neither better, worse nor within noise, in the comment and the terminal."""
    from honeyhive_experiment.verdict import assess_comparison

    data = significance_input()
    assert data.comparison is not None
    told = assess_comparison(data.comparison, data.metrics, alpha=0.05, new_result=data.summary, trials_differ=True)
    data = dataclasses.replace(data, assessment=told)
    rows = {cells(row)[0]: cells(row)[-1] for row in table_rows(render_comment(data).text, "| Metric")[2:]}
    assert rows["faithfulness"] == "⚪ can't tell (trials differ)"
    (line,) = [line for line in render_terminal(data).splitlines() if line.startswith("faithfulness ")]
    assert line.endswith("  can't tell (trials differ)")


def test_a_gate_test_saying_worse_beside_a_rise_is_not_the_rows_test() -> None:
    """A max_degraded gate counts the datapoints that got worse whatever the mean did: its test can say worse while
    the backend's change says the metric rose. The row then shows its own two-sided test, never "worse" beside it."""
    data = significance_input()
    assert data.comparison is not None
    rising = [
        d.model_copy(update={"difference": 0.1}) if d.metric_name == "accuracy" else d for d in data.comparison.metrics
    ]
    data = dataclasses.replace(data, comparison=data.comparison.model_copy(update={"metrics": rising}))
    assert data.gate_assessment[("accuracy", "answer")].change.value == "worse"
    rows = {cells(row)[0]: cells(row)[-1] for row in table_rows(render_comment(data).text, "| Metric")[2:]}
    assert rows["Accuracy"].startswith("⚪ within noise (p = 1)")


def test_the_datapoints_that_got_worse_show_their_inputs_clipped_like_the_failed_ones() -> None:
    """A RAG dataset's context is thousands of characters: the 📉 rows show a preview of it (200 characters, as a
    failed row does), not the 1,000 the report keeps for the HTML page."""
    context = "the retrieved passage says " * 150
    data = dataclasses.replace(
        significance_input(), inputs_by_datapoint={f"EXT-d{i}": {"context": context} for i in range(15)}
    )
    text = render_comment(data).text
    worse = text[text.index("📉 15 datapoints got worse on Accuracy") :]
    rows = table_rows(worse, "| Datapoint")[2:]
    assert len(rows) == 15
    assert all(150 < len(cells(row)[1]) <= 210 for row in rows), [len(cells(row)[1]) for row in rows]


def test_the_job_summary_lists_every_datapoint_that_got_worse_when_none_failed() -> None:
    """The job summary sized its rows by the failed / errored / flaky lists only: with 15 datapoints worse and none
    failed it showed the 📉 section's table empty ("Showing 0 of 15") while the shorter comment listed them."""
    summary = render_summary(significance_input())
    worse = summary[summary.index("📉 15 datapoints got worse on Accuracy") :]
    assert len(table_rows(worse, "| Datapoint")[2:]) == 15
    assert "Showing" not in worse.split("</details>")[0]

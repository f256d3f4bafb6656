"""What the report says matches what the backend compared: real dry runs of small experiments on the embedded
local backend, read back from report.json, the terminal and the comment that would be posted."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import flow
from honeyhive_experiment.cli import main
from tests.quickstart import jsonl, write_files

pytestmark = pytest.mark.integration

APP = "truth_app"


def _forget() -> None:
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        del sys.modules[name]


def _experiment(root: Path, config: str, code: str, rows: int = 20) -> Path:
    """An experiment in ``root``: ``rows`` datapoints ``r0``… with input ``i``, the function returning ``i``, the
    evaluators of ``code`` (module ``truth_app.m``), and ``config`` appended to the experiment file."""
    head = "def run(datapoint):\n    return {'a': datapoint['inputs']['i']}\n\n\n"
    files = {
        f"{APP}/__init__.py": "",
        f"{APP}/m.py": head + code,
        "d.jsonl": jsonl({"id": f"r{i}", "inputs": {"i": i}} for i in range(rows)),
        ".honeyhive/experiment.yml": f"name: truth\nfunction: {APP}.m:run\ndataset:\n  path: d.jsonl\n{config}",
    }
    return write_files(root, files)


def _run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, dict[str, Any]]:
    """A dry run of ``root`` with report.json beside it: (exit code, what it printed, report.json)."""
    _forget()
    try:
        report = root / "out" / "report.json"
        code = main(["run", "--dry-run", "-C", str(root), "--report", str(report), *args], environ={})
    finally:
        _forget()
    return code, capsys.readouterr().out, json.loads(report.read_text(encoding="utf-8"))


def test_a_key_metric_that_lost_its_values_is_not_a_full_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The baseline has accuracy on all 20 datapoints, this run on 2: the backend paired 2, so the row says it was
    compared on 2 of 20 (not a plain "same" beside a +40 pp difference over other datapoints) and a warning says
    the metric's change is not like-for-like."""
    config = "evaluators: [truth_app.m:accuracy]\nmetrics:\n  accuracy: {direction: higher, format: '.0%', key: true}\n"
    before = "def accuracy(outputs, inputs):\n    return 1.0 if inputs['i'] % 5 < 3 else 0.0\n"
    root = _experiment(tmp_path / "x", config, before)
    _run(root, capsys)
    _experiment(root, config, "def accuracy(outputs, inputs):\n    return 1.0 if inputs['i'] < 2 else None\n")
    _, out, report = _run(root, capsys)

    (accuracy,) = [m for m in report["metrics"] if m["name"] == "accuracy"]
    assert (accuracy["paired"], accuracy["shared"]) == (2, 20)
    assert accuracy["same_count"] == 2  # the backend's: only 2 datapoints have a value in both runs
    warnings = [w for w in report["warnings"] if "accuracy" in w]
    assert len(warnings) == 1
    assert "2 of the 20" in warnings[0]
    terminal, comment = out.split("the comment that would be posted")
    (row,) = [line for line in terminal.splitlines() if line.startswith("accuracy ")]
    assert "compared on 2 of 20" in row
    assert "same on those 2" in row
    md_row = next(line for line in comment.splitlines() if line.startswith("| accuracy |"))
    assert "⚠️ compared on 2 of 20" in md_row
    assert not md_row.endswith("| ⚪ same |")
    assert "2 of the 20" in comment


def test_an_evaluator_that_raised_marks_its_datapoints_errored_in_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The terminal lists the datapoints an evaluator raised on; the datapoint table (report.json, the HTML report)
    says the same of them: errored, with the evaluator's error; the others are not errored."""
    code = (
        "def judge(outputs, inputs):\n"
        "    if inputs['i'] % 4 == 0:\n"
        "        raise RuntimeError('judge timed out')\n"
        "    return 1.0\n"
    )
    root = _experiment(tmp_path / "x", "evaluators: [truth_app.m:judge]\n", code, rows=8)
    _, out, report = _run(root, capsys)

    assert "d.jsonl:5 (EXT-r4): evaluator judge raised" in out  # its line in the file, and its id
    rows = {row["id"]: row for row in report["table"]["rows"]}
    for ident in ("EXT-r0", "EXT-r4"):
        assert "errored" in rows[ident]["status"]
        assert rows[ident]["error"] == f"evaluator judge raised: RuntimeError at {APP}/m.py:7: judge timed out"
    assert "errored" not in rows["EXT-r1"]["status"]
    assert rows["EXT-r1"]["error"] is None


def test_a_passing_range_on_a_metric_without_values_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The backend has no range for a metric that has no value, but the experiment file says what it is."""
    config = "evaluators: [truth_app.m:acc, truth_app.m:other]\npassing_ranges:\n  acc: {min: 0.5}\n"
    code = "def acc(outputs, inputs):\n    return None\n\n\ndef other(outputs, inputs):\n    return 1.0\n"
    code_, out, report = _run(_experiment(tmp_path / "x", config, code, rows=4), capsys)

    assert code_ == 1  # a ranged metric without a value: the evaluation broke
    (acc,) = [m for m in report["metrics"] if m["name"] == "acc"]
    assert acc["passing_range"] == {"min": 0.5, "max": None}
    terminal, comment = out.split("the comment that would be posted")
    (row,) = [line for line in terminal.splitlines() if line.startswith("acc ")]
    assert "≥ 0.5" in row
    assert "| acc | — | ≥ 0.5 |" in comment


TOKEN = "ghp_" + "A1b2C3d4E5" * 4  # a GitHub token's shape: redacted wherever it is found


def test_a_secret_split_by_invisible_characters_is_redacted_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An output carries a token joined with zero-width spaces (and a bidi override): the report's one redaction
    takes those characters out first, so report.json, the HTML report, the terminal and the comment all show the
    same redacted text."""
    root = _experiment(tmp_path / "x", "", "", rows=2)
    secret = chr(0x200B).join(TOKEN)
    code = f"def run(datapoint):\n    return {{'a': 'key ' + {secret!r} + ' \\u202eend'}}\n"
    (root / APP / "m.py").write_text(code, encoding="utf-8")
    _, out, report = _run(root, capsys)

    texts = [row["output"]["text"] for row in report["table"]["rows"]]
    assert texts == ['{"a": "key *** end"}'] * 2
    page = (root / "out" / "report.html").read_text(encoding="utf-8")
    for shown in (json.dumps(report, ensure_ascii=False), page, out):
        assert "\u200b" not in shown
        assert "\u202e" not in shown
        assert "A1b2C3d4E5" not in shown


def test_a_huge_mean_is_shown_in_exponent_form_not_hundreds_of_digits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = "evaluators: [truth_app.m:size]\nmetrics:\n  size: {format: '.2f'}\n"
    code = "def size(outputs, inputs):\n    return 1e308 if inputs['i'] == 0 else 1.0\n"
    _, out, report = _run(_experiment(tmp_path / "x", config, code, rows=2), capsys)

    (size,) = [m for m in report["metrics"] if m["name"] == "size"]
    assert size["value"] == pytest.approx(5e307)  # the backend's mean
    terminal = out.split("the comment that would be posted")[0]
    (row,) = [line for line in terminal.splitlines() if line.startswith("size ")]
    assert "5e+307" in row
    assert not re.search(r"\d{30}", out)  # nowhere hundreds of digits: not in the comment's table either
    assert not re.search(r"\d{30}", (tmp_path / "x" / "out" / "report.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("spec", [".500f", "0=500"])
def test_a_format_spec_asking_for_hundreds_of_characters_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    config = f"evaluators: [truth_app.m:size]\nmetrics:\n  size: {{format: '{spec}'}}\n"
    root = _experiment(tmp_path / "x", config, "def size(outputs, inputs):\n    return 1.0\n", rows=1)
    _forget()
    code = main(["run", "--dry-run", "-C", str(root)], environ={})
    captured = capsys.readouterr()
    assert code == 2
    assert "format" in captured.err
    assert "experiment.yml" in captured.err


@pytest.mark.parametrize("html", [True, False])
def test_a_dry_run_that_lists_fewer_datapoints_points_to_where_the_rest_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], html: bool
) -> None:
    """``comment.max_datapoints: 0`` with a failed datapoint, a dry run without ``--report``: neither report.json
    nor a job summary is written, so neither the terminal nor the comment sends the reader there; with an HTML
    report, both name it (it has every datapoint) and it is there."""
    config = "evaluators: [truth_app.m:acc]\npassing_ranges:\n  acc: {min: 0.5}\ncomment: {max_datapoints: 0}\n"
    root = _experiment(tmp_path / "x", config, "def acc(outputs, inputs):\n    return float(inputs['i'])\n", rows=2)
    _forget()
    code = main(["run", "--dry-run", "-C", str(root), *([] if html else ["--no-html"])], environ={})
    out = capsys.readouterr().out
    assert code == 1
    assert not list(root.rglob("report.json"))
    terminal, comment = out.split("the comment that would be posted")
    assert "... and 1 more" in terminal
    assert "see report.json" not in out
    assert "all of them are in the job summary." not in comment  # a dry run here writes none
    if html:
        assert (root / ".honeyhive" / "report.html").is_file()
        assert "... and 1 more (all of them are in the HTML report)" in terminal
        assert "all of them are in the HTML report (.honeyhive/report.html)" in comment
    else:
        assert "pass --report FILE" in terminal


# audit79 F5: past the page's 5,000 datapoints (here 1), "all of them are in the HTML report" was false
def test_a_dry_run_whose_html_report_holds_only_some_datapoints_points_to_report_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flow, "MAX_TABLE_ROWS", 1)
    config = "evaluators: [truth_app.m:acc]\npassing_ranges:\n  acc: {min: 5}\ncomment: {max_datapoints: 0}\n"
    root = _experiment(tmp_path / "x", config, "def acc(outputs, inputs):\n    return float(inputs['i'])\n", rows=2)
    _forget()
    code = main(["run", "--dry-run", "-C", str(root)], environ={})
    out = capsys.readouterr().out
    assert code == 1
    page = (root / ".honeyhive" / "report.html").read_text(encoding="utf-8")
    assert page.count("<tr data-id=") == 1  # the page holds 1 of the 2 failed
    terminal, comment = out.split("the comment that would be posted")
    assert "... and 2 more (pass --report FILE to have all of them in report.json)" in terminal
    assert "Showing 0 of 2; all of them are in report.json (--report FILE)." in comment
    assert "in the HTML report" not in out


def test_a_metric_whose_gate_failed_says_so_and_never_reads_better(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Latency (lower is better) improves a little on 11 of 12 datapoints and triples on one: its mean rises 15.8%,
    past its 10% gate. The two-sided sign test would call 11 of 12 "better (p = 0.013)"; the row must say the gate
    failed and show the gate's one-sided test instead (the paired t-test of the mean: one datapoint tripling on 12 is
    within noise, p = 0.18), in the terminal, the comment, the HTML report and report.json."""
    config = (
        "evaluators: [truth_app.m:b]\nmetrics:\n  b: {direction: lower, label: Latency}\n"
        "gate:\n  b: {max_worse_pct: 10}\n"
    )
    root = _experiment(tmp_path / "x", config, "def b(outputs, inputs):\n    return 10.0\n", rows=12)
    _run(root, capsys)
    _experiment(root, config, "def b(outputs, inputs):\n    return 30.0 if inputs['i'] == 0 else 9.9\n", rows=12)
    code, out, report = _run(root, capsys)

    assert code == 1
    (latency,) = [m for m in report["metrics"] if m["name"] == "b"]
    assert (latency["better_count"], latency["worse_count"]) == (11, 1)
    assert latency["change"] != "better"
    assert latency["one_sided"]
    assert latency["gate_failed"] == "failed its gate (at most 10% worse)"
    terminal, comment = out.split("the comment that would be posted")
    (row,) = [line for line in terminal.splitlines() if line.startswith("Latency ")]
    assert row.endswith("  within noise (p = 0.18), failed its gate (at most 10% worse)")
    md_row = next(line for line in comment.splitlines() if line.startswith("| Latency |"))
    assert md_row.endswith("| ⚪ within noise (p = 0.18) · ❌ failed its gate (at most 10% worse) |")
    page = (root / "out" / "report.html").read_text(encoding="utf-8")
    assert "⚪ within noise (p = 0.18) · ❌ failed its gate (at most 10% worse)" in page
    assert "better (p = 0.013)" not in out + page


def test_a_gate_on_a_metric_shown_in_percent_is_said_in_points_as_its_change_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """max_drop 0.05 on a metric formatted '.0%' and on a boolean one (a pass rate): both shown as 100% → 85%, their Δ
    -15 pp; the row read "failed its gate (at most 0.05 worse)" and the verdict "got worse by 0.15 (gate: at most
    0.05)", raw units beside a change in points. A metric shown in its own units keeps them."""
    config = (
        "evaluators: [truth_app.m:rec, truth_app.m:ok, truth_app.m:raw]\n"
        "metrics:\n  rec: {format: '.0%'}\n"
        "gate:\n  rec: {max_drop: 0.05}\n  ok: {max_drop: 0.05}\n  raw: {max_drop: 0.05}\n"
    )
    code = (
        "def rec(outputs, inputs):\n    return 1.0 if inputs['i'] >= WORSE else 0.0\n\n\n"
        "def ok(outputs, inputs):\n    return inputs['i'] >= WORSE\n\n\n"
        "def raw(outputs, inputs):\n    return 1.0 if inputs['i'] >= WORSE else 0.0\n"
    )
    root = _experiment(tmp_path / "x", config, code.replace("WORSE", "0"))
    _run(root, capsys)
    _experiment(root, config, code.replace("WORSE", "3"))  # 3 of 20 worse: 100% → 85%
    exit_code, out, report = _run(root, capsys)

    assert exit_code == 1
    gated = {m["name"]: m["gate_failed"] for m in report["metrics"]}
    assert gated == {
        "rec": "failed its gate (at most 5 pp worse)",
        "ok": "failed its gate (at most 5 pp worse)",
        "raw": "failed its gate (at most 0.05 worse)",
    }
    assert [reason.partition(":")[0] for reason in report["gate_failures"]] == [
        "rec got worse by 15 pp (gate",
        "ok got worse by 15 pp (gate",
        "raw got worse by 0.15 (gate",
    ]
    assert "rec got worse by 15 pp (gate: at most 5 pp): 3 of 20 worse" in out
    terminal = out.split("the comment that would be posted")[0]
    (row,) = [line for line in terminal.splitlines() if line.startswith("ok ")]
    assert "-15.0 pp" in row
    assert row.endswith("failed its gate (at most 5 pp worse)")


def test_a_metric_compared_on_few_or_no_datapoints_is_not_a_plain_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """10 datapoints score 1 in the baseline; this run adds 10 new ones scoring 0: the mean halves while none of the
    10 paired changed, so the row says it was compared on 10 of 20 (not a plain "same" beside -50%); a metric whose
    aggregate did not move is a plain "same" (the header says 10 are new). Then a dataset whose ids all changed and
    a gate: no datapoint is in both runs, so the row says its aggregates are of different datapoints, and the gate
    could not be checked (audit70 #1: a drop between aggregates of other datapoints is the dataset's as much as the
    code's; this one failed "at most 0.05 worse" on a dataset the PR replaced): neutral, saying why."""
    config = "evaluators: [truth_app.m:acc, truth_app.m:one]\n"
    code = (
        "def acc(outputs, inputs):\n    return 1.0 if inputs['i'] < 10 else 0.0\n\n\n"
        "def one(outputs, inputs):\n    return 1\n"
    )
    root = _experiment(tmp_path / "x", config, code, rows=10)
    _run(root, capsys)
    _experiment(root, config, code, rows=20)
    _, out, report = _run(root, capsys)

    (acc,) = [m for m in report["metrics"] if m["name"] == "acc"]
    assert (acc["paired"], acc["shared"], acc["datapoints"], acc["same_count"]) == (10, 10, 20, 10)
    terminal, comment = out.split("the comment that would be posted")
    (row,) = [line for line in terminal.splitlines() if line.startswith("acc ")]
    assert row.endswith("compared on 10 of 20 in either run, same on those 10")
    md_row = next(line for line in comment.splitlines() if line.startswith("| acc |"))
    assert md_row.endswith("| ⚠️ compared on 10 of 20 in either run · ⚪ same on those 10 |")
    assert "| one | 1 | 1 | 0 | 0.0% | 0 / 0 | ⚪ same |" in comment

    _experiment(root, config + "gate:\n  acc: {max_drop: 0.05, max_degraded: 1}\n", code.replace("1.0 if", "0.0 if"))
    rows = "".join(json.dumps({"id": f"s{i}", "inputs": {"i": i}}) + "\n" for i in range(8))
    (root / "d.jsonl").write_text(rows, encoding="utf-8")
    code, out, report = _run(root, capsys)
    (acc,) = [m for m in report["metrics"] if m["name"] == "acc"]
    assert (acc["paired"], acc["change"]) == (0, None)
    assert (code, report["verdict"]) == (0, "neutral")
    assert report["reasons"] == [
        "acc's gate could not be checked: the two runs share no datapoint, so its change is between aggregates of"
        " different datapoints"
    ]
    status = "no datapoint has a value in both runs: the aggregates are of different datapoints"
    terminal, comment = out.split("the comment that would be posted")
    (row,) = [line for line in terminal.splitlines() if line.startswith("acc ")]
    assert row.endswith(f"  {status}")
    md_row = next(line for line in comment.splitlines() if line.startswith("| acc |"))
    assert md_row.endswith(f"| ⚠️ {status} |")


@pytest.mark.parametrize(
    ("spec", "gate", "before", "after", "shown", "counts", "status"),
    [
        # float noise on every datapoint: no datapoint changed (the backend counts them the same), so no gate fails;
        # it counted 10 worse, and max_degraded: 0 failed on them
        (".2f", "max_drop_pct: 0.1", "0.7999999999999999", "0.8", "0.80 | 0.80 | 0.00 | 0.0%", (0, 0), "⚪ same"),
        (".2f", "max_degraded: 0", "0.7999999999999999", "0.8", "0.80 | 0.80 | 0.00 | 0.0%", (0, 0), "⚪ same"),
        # datapoints that changed both ways, the aggregates equal: same at the shown precision, saying they changed
        (
            ".2f",
            "max_drop_pct: 0.1",
            "0.7 if inputs['i'] % 2 else 0.9",
            "0.9 if inputs['i'] % 2 else 0.7",
            "0.80 | 0.80 | 0.00 | 0.0%",
            (5, 5),
            "⚪ same (at the shown precision; 10 datapoints changed)",
        ),
        # ... unless a gate failed on the backend's counts: never "same" beside a failed gate
        (
            ".2f",
            "max_degraded: 0",
            "0.7 if inputs['i'] % 2 else 0.9",
            "0.9 if inputs['i'] % 2 else 0.7",
            "0.80 | 0.80 | 0.00 | 0.0%",
            (5, 5),
            "⚪ within noise (p = 0.62) · ❌ failed its gate (at most 0 datapoints worse)",  # one-sided: 5 of 10
        ),
        # a real regression the format rounds away (auditor qs4: answer length 13.0 -> 13.5 read "same" as 13 and 13)
        (
            ".0f",
            "max_drop_pct: 0.1",
            "13.0",
            "13.4",
            "13 | 13.4 | 0 | +3.1%",  # this run reads past the gate's limit (13.013), not as 13
            (0, 10),
            "🔴 worse (p < 0.001) · ❌ failed its gate (at most 0.1% worse)",
        ),
    ],
    ids=["float-noise", "float-noise-max-degraded", "both-ways", "both-ways-gate-failed", "rounded-away"],
)
def test_a_difference_too_small_to_show_is_same_only_when_it_is_float_noise(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    spec: str,
    gate: str,
    before: str,
    after: str,
    shown: str,
    counts: tuple[int, int],
    status: str,
) -> None:
    """The 10 datapoints score ``before`` in the baseline and ``after`` in this run (lower is better, gated): a row
    reads "same" beside aggregates equal but for float rounding, never beside a change the format hides."""
    config = (
        f"evaluators: [truth_app.m:acc]\nmetrics:\n  acc: {{format: '{spec}', label: Accuracy, direction: lower}}\n"
        f"gate:\n  acc: {{{gate}}}\n"
    )
    root = _experiment(tmp_path / "x", config, f"def acc(outputs, inputs):\n    return {before}\n", rows=10)
    _run(root, capsys)
    _experiment(root, config, f"def acc(outputs, inputs):\n    return {after}\n", rows=10)
    _, out, report = _run(root, capsys)

    (acc,) = [m for m in report["metrics"] if m["name"] == "acc"]
    assert (acc["better_count"], acc["worse_count"]) == counts  # the backend's counts, whatever the row says
    terminal, comment = out.split("the comment that would be posted")
    md_row = next(line for line in comment.splitlines() if line.startswith("| Accuracy |"))
    assert md_row == f"| Accuracy | {shown} | {counts[0]} / {counts[1]} | {status.replace('<', '&lt;')} |"
    (row,) = [line for line in terminal.splitlines() if line.startswith("Accuracy ")]
    assert row.endswith("  " + re.sub(r"[⚪🔴❌] ", "", status).replace(" · ", ", "))


@pytest.mark.parametrize(
    ("failed", "worse", "held"),
    [
        ({"d5"}, {"d0", "d1", "d2", "d3", "d4", "d5"}, {"d5", "d0", "d1"}),  # every one worse: the failed one first
        ({"d4", "d5"}, set(), {"d4", "d5", "d0"}),
        (set(), {"d3", "d5"}, {"d3", "d5", "d0"}),
        ({"d5"}, {"d4"}, {"d5", "d4", "d0"}),
        ({"d1", "d3", "d4", "d5"}, {"d0"}, {"d1", "d3", "d4"}),  # more failed than fit: the backend's order
        (set(), set(), {"d0", "d1", "d2"}),
    ],
)
def test_the_tables_cap_keeps_the_failed_then_the_worse_then_the_rest(
    monkeypatch: pytest.MonkeyPatch, failed: set[str], worse: set[str], held: set[str]
) -> None:
    monkeypatch.setattr(flow, "MAX_TABLE_ROWS", 3)
    order = ["d0", "d1", "d2", "d0", "d3", "d4", "d5"]  # a repeated id takes one place
    assert flow._table_choice(order, failed, worse) == held


def test_a_table_cut_to_its_cap_keeps_the_failed_and_crashed_datapoints_though_every_one_got_worse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every datapoint got worse on ``n``; of the last three one failed, one crashed, one's evaluator raised: a
    table of 5 held the first 5 in the backend's order, and its page said it showed the 5 worst while its status
    filter counted fewer failures than its heading."""
    monkeypatch.setattr(flow, "MAX_TABLE_ROWS", 5)
    config = (
        "evaluators: [truth_app.m:n, truth_app.m:judge]\npassing_ranges:\n  n: {max: 18.5}\n"
        "metrics:\n  n: {direction: lower}\n"
    )
    judge = (
        "def judge(outputs, inputs):\n    if inputs['i'] == RAISES:\n        raise RuntimeError('no')\n    return 1\n"
    )
    before = "RAISES = -1\n\n\ndef n(outputs, inputs):\n    return float(inputs['i'])\n\n\n" + judge
    root = _experiment(tmp_path / "x", config, before)
    _run(root, capsys)
    crash = (
        "RAISES = 17\n\n\n"
        "def run(datapoint):\n"
        "    if datapoint['inputs']['i'] == 19:\n"
        "        raise RuntimeError('crashed')\n"
        "    return {'a': datapoint['inputs']['i']}\n\n\n"
        "def n(outputs, inputs):\n    return float(inputs['i'] + 1)\n\n\n" + judge
    )
    _experiment(root, config, crash)
    _, _, report = _run(root, capsys)

    rows = {row["id"]: row["status"] for row in report["table"]["rows"]}
    assert report["table"]["total"] == 20
    assert len(rows) == 5
    assert "failed" in rows.pop("EXT-r18")
    assert "errored" in rows.pop("EXT-r19")
    assert rows.pop("EXT-r17") == ["degraded", "errored"]  # its evaluator raised: not failed, but errored
    assert all(status == ["degraded"] for status in rows.values())  # then 2 of those that only got worse
    page = (root / "out" / "report.html").read_text(encoding="utf-8")
    assert "(the 5 worst of 20; the rest are in the embedded local backend&#39;s .honeyhive/local.db)" in page


def test_a_colour_code_in_a_metric_name_and_an_explanation_is_taken_out_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An evaluator returns a metric named with a colour code and a coloured explanation: every output shows them
    without the escape sequence, not its ESC alone taken out (``weird_ansi[31m``, ``[31mred[0m``), as the terminal's
    text already did."""
    config = "evaluators: [truth_app.m:weird]\n"
    code = (
        "def weird(outputs, inputs):\n"
        "    return {'score': 0, 'explanation': '\\x1b[31mred\\x1b[0m', 'ansi\\x1b[31m': 1}\n"
    )
    root = _experiment(tmp_path / "x", config, code, rows=2)
    _, out, report = _run(root, capsys)  # out: the terminal's report and the comment

    assert "weird_ansi" in [m["name"] for m in report["metrics"]]
    page = (root / "out" / "report.html").read_text(encoding="utf-8")
    for shown in (json.dumps(report, ensure_ascii=False), page, out):
        assert "[31m" not in shown
        assert "[0m" not in shown
        assert "\x1b" not in shown

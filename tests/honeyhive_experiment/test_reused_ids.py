"""A pull request whose rows keep their id fields but whose ids now name other rows (audit76 F1): ``run --dry-run``
in-process on a git repository copied from the quickstart, the baseline on ``main``, then a ``feature`` branch with
the dataset's change committed, against the embedded local backend. Each session holds its datapoint's inputs as the
dataset held them, so a paired id whose inputs differ between the runs is said, and when many do (ids renumbered),
the gates do not judge those pairs as the same datapoints."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.cli import main
from tests.quickstart import git, init_repository, set_answers

pytestmark = pytest.mark.integration

COMMENT_START = "----- the comment that would be posted -----"
DATASET = Path("data") / "questions.jsonl"
CONFIG = Path(".honeyhive") / "experiment.yml"
NEW = {"inputs": {"question": "Where can I download an invoice?"}, "ground_truth": {"topic": "invoice", "keywords": []}}
FIX = {"rate limit": "The API allows 600 requests per minute per key; contact support for more."}
REGRESSION = {"api key": "Open Settings."}  # 'Where do I create an API key?': keyword_recall 1.0 -> 0


def _run(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, dict[str, Any]]:
    """One dry run: (exit code, terminal report and comment, report.json)."""
    report = repo.parent / "report.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report)], environ={})
    return code, capsys.readouterr().out, json.loads(report.read_text(encoding="utf-8"))


def _rows(repo: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (repo / DATASET).read_text(encoding="utf-8").splitlines()]


def _write(repo: Path, rows: list[dict[str, Any]]) -> None:
    (repo / DATASET).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _baseline(repo: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The baseline on main: rows numbered by position (``q1``…``q22``, as a generating script numbers them), a gate
    on keyword_recall, and the rate-limit question (q12) answered badly. Returns the rows without their ids."""
    config = (repo / CONFIG).read_text(encoding="utf-8")
    ranges = "passing_ranges:\n  topic_match: {min: 1}\n  keyword_recall: {min: 0.5}\n"
    assert ranges in config
    gate = "gate:\n  keyword_recall: {max_degraded: 0, max_drop: 0.0}\n"
    (repo / CONFIG).write_text(config.replace(ranges, "") + gate, encoding="utf-8")
    rows = _rows(repo)
    _write(repo, [{"id": f"q{i}", **row} for i, row in enumerate(rows, 1)])
    set_answers(repo, {"rate limit": "Contact support."})
    (repo / ".gitignore").write_text(".honeyhive/local.db*\n__pycache__/\nreport*\n", encoding="utf-8")
    init_repository(repo)
    code, out, _ = _run(repo, capsys)
    assert code == 0, out
    git(repo, "checkout", "--quiet", "-b", "feature")
    return rows


def _pull_request(repo: Path, rows: list[dict[str, Any]], answers: dict[str, str]) -> None:
    _write(repo, rows)
    set_answers(repo, answers)
    git(repo, "commit", "--quiet", "--all", "--message=the pull request")


def test_ids_renumbered_after_an_inserted_row_do_not_pass_a_regression(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """c2: the PR inserts a row at the top and the script numbers the rows again, so every paired id names another
    question; it fixes q12's answer and breaks the API-key answer. This passed ("compared on 22 of 23"), nothing
    said: the API-key question, now q12, paired with the baseline's rate-limit question, 0 both."""
    rows = _baseline(quickstart, capsys)
    _pull_request(quickstart, [{"id": f"q{i}", **row} for i, row in enumerate([NEW, *rows], 1)], FIX | REGRESSION)

    code, out, after = _run(quickstart, capsys)

    assert (code, after["verdict"]) == (0, "neutral"), out
    assert after["comparison"] == {"common_datapoints": 22, "new_only_datapoints": 1, "old_only_datapoints": 0}
    assert after["reasons"] == [
        "keyword_recall's max_degraded could not be fully checked (gate: at most 0): 0 of the 22 datapoints the"
        " comparison paired got worse, but 21 of the 22 it paired hold other inputs than in the baseline (ids reused"
        " or renumbered?): one that got worse may count as the same",
    ], "one reason per gate; its max_drop is not judged either (the verdict's tables); q22's inputs are q23's, unpaired"
    note = (
        "22 of the 22 paired datapoints hold other inputs than in the baseline (EXT-q1 at data/questions.jsonl:1: was"
        ' "How do I reset my password?"): ids reused or renumbered? Their changes compare different questions, so'
        " the gates do not count them as paired."
    )
    assert note in after["notes"]
    assert "ids reused or renumbered?" in out.split(COMMENT_START, 1)[1], "the comment says it"


def test_ids_kept_with_an_inserted_row_fail_the_regression_and_say_nothing_of_inputs(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """c1: the same change with each row's id kept (the new row its own) pairs each question with itself."""
    rows = _baseline(quickstart, capsys)
    _pull_request(
        quickstart,
        [{"id": "new1", **NEW}, *({"id": f"q{i}", **row} for i, row in enumerate(rows, 1))],
        FIX | REGRESSION,
    )

    code, out, after = _run(quickstart, capsys)

    assert (code, after["verdict"]) == (1, "fail"), out
    assert after["reasons"][0].startswith("keyword_recall degraded on 1 datapoint (gate: at most 0)")
    assert "other inputs" not in out + json.dumps(after)
    assert "dataset.path changed" not in out


def test_a_baseline_of_another_dataset_file_is_said_with_both_paths(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit76 F2: dataset.path pointed at another file of the same experiment file keeps the old file's baseline (a
    moved file, the intent), and nothing said the dataset changed."""
    rows = _baseline(quickstart, capsys)
    config = (quickstart / CONFIG).read_text(encoding="utf-8")
    (quickstart / CONFIG).write_text(config.replace("data/questions.jsonl", "data/hard.jsonl"), encoding="utf-8")
    git(quickstart, "mv", str(DATASET), "data/hard.jsonl")
    git(quickstart, "commit", "--quiet", "--all", "--message=the dataset moved")

    code, out, after = _run(quickstart, capsys)

    assert (code, after["verdict"]) == (0, "pass"), out
    assert after["comparison"]["common_datapoints"] == len(rows)
    assert after["notes"] == [
        "The baseline ran data/questions.jsonl; this run data/hard.jsonl (dataset.path changed): datapoints pair on"
        " their ids, so a row of either file compares with the other's under its id."
    ]


def test_one_row_edited_under_its_id_is_named_but_judged_as_paired(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README's advice: keep an edited row's id to keep it paired. The edit is named, and the gates judge it."""
    rows = _baseline(quickstart, capsys)
    numbered = [{"id": f"q{i}", **row} for i, row in enumerate(rows, 1)]
    numbered[2] = {**numbered[2], "inputs": {"question": "How do I change my account's email address?"}}
    _pull_request(quickstart, numbered, {})

    code, out, after = _run(quickstart, capsys)

    assert (code, after["verdict"], after["reasons"]) == (0, "pass", ["every datapoint passed"]), out
    assert after["notes"][0] == (
        "1 of the 22 paired datapoints holds other inputs than in the baseline (EXT-q3 at data/questions.jsonl:3: was"
        ' "How can I change the email on my account?"): ids reused or renumbered? Their changes compare the'
        " baseline's inputs with this run's (an edited row keeps its id)."
    )


def test_a_field_added_to_every_row_under_its_id_is_an_edit_and_judged(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit78 F5: every row's inputs changed under its kept id (a field added) read as ids renumbered, and a real
    regression was neutral. Only inputs found under another id in this run are ids that moved."""
    rows = _baseline(quickstart, capsys)
    edited = [{**row, "inputs": {**row["inputs"], "locale": "en"}} for row in rows]
    _pull_request(quickstart, [{"id": f"q{i}", **row} for i, row in enumerate(edited, 1)], FIX | REGRESSION)

    code, out, after = _run(quickstart, capsys)

    assert (code, after["verdict"]) == (1, "fail"), out
    assert after["reasons"][0].startswith("keyword_recall degraded on 1 datapoint (gate: at most 0)")
    assert after["notes"][0].startswith("22 of the 22 paired datapoints hold other inputs than in the baseline")
    assert after["notes"][0].endswith(
        "ids reused or renumbered? Their changes compare the baseline's inputs with this run's (an edited row keeps"
        " its id)."
    ), "the note says what the gates did: judged them as paired"


def test_the_same_inputs_written_otherwise_are_the_same(quickstart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """audit78 F8: inputs were compared as JSON text, so every row saved again with 1 as 1.0, or its text in another
    Unicode normal form (NFD), held "other inputs than in the baseline". Equal values are the same inputs; the one
    row edited is still named."""
    _write(quickstart, [{**row, "inputs": {**row["inputs"], "n": 1, "tag": "café"}} for row in _rows(quickstart)])
    rows = _baseline(quickstart, capsys)
    tag = unicodedata.normalize("NFD", "café")
    same = [{**row, "inputs": {**row["inputs"], "n": 1.0, "tag": tag}} for row in rows]
    same[2]["inputs"]["question"] = "How do I change my account's email address?"
    _pull_request(quickstart, [{"id": f"q{i}", **row} for i, row in enumerate(same, 1)], {})

    code, out, after = _run(quickstart, capsys)

    assert (code, after["verdict"], after["reasons"]) == (0, "pass", ["every datapoint passed"]), out
    assert after["notes"][0].startswith(
        "1 of the 22 paired datapoints holds other inputs than in the baseline (EXT-q3 at data/questions.jsonl:3: was"
    ), after["notes"]

"""A pull request that edits the dataset file keeps its baseline (issue 12): ``run --dry-run`` in-process on a copy
of the quickstart, twice against the embedded local backend (its SQLite file in the copy), the dataset edited in
between. Only argv and the environment are made up; what is checked is what the user sees: the comment, the
terminal report and report.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import load_config
from honeyhive_experiment.experiment import evaluate, external_dataset
from honeyhive_experiment.external import repository_dataset_id
from honeyhive_experiment.paths import LOCAL_DB_PATH
from honeyhive_experiment.user_code import in_repository, load_user_code
from honeyhive_local import LocalBackend

pytestmark = pytest.mark.integration

COMMENT_START = "----- the comment that would be posted -----"
DATASET = Path("data") / "questions.jsonl"
CONFIG = Path(".honeyhive") / "experiment.yml"
EXPERIMENT = "support-bot-quickstart"


def _run(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, dict[str, Any]]:
    """One dry run: (terminal report, comment, report.json); it must pass."""
    report = repo.parent / "report.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report)], environ={})
    out = capsys.readouterr().out
    assert code == 0, out
    terminal, comment = out.split(COMMENT_START, 1)
    return terminal, comment, json.loads(report.read_text(encoding="utf-8"))


def _rows(repo: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (repo / DATASET).read_text(encoding="utf-8").splitlines()]


def _write(repo: Path, rows: list[dict[str, Any]]) -> None:
    (repo / DATASET).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _another_question(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A new row the quickstart's bot answers well: the first question, worded otherwise."""
    return {**rows[0], "inputs": {"question": "Where do I reset my password?"}}


def test_a_pr_that_appends_one_row_and_edits_another_keeps_its_baseline(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, before = _run(quickstart, capsys)
    rows = _rows(quickstart)
    assert len(rows) == 22
    rows[3]["inputs"]["question"] += " Thanks!"
    _write(quickstart, [*rows, _another_question(rows)])

    terminal, comment, after = _run(quickstart, capsys)

    assert after["baseline"]["run_id"] == before["run"]["id"], "the baseline is found, not 'none yet'"
    assert "compared on **21 of 23** datapoints (2 new, 1 gone)" in comment
    assert "Compared on 21 of 23 datapoints (2 new, 1 gone)" in terminal
    assert after["comparison"] == {"common_datapoints": 21, "new_only_datapoints": 2, "old_only_datapoints": 1}
    assert "Likely cause" not in terminal + comment


def test_a_few_rows_added_and_removed_are_not_blamed_on_changed_ids(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{**row, "id": f"q{i}"} for i, row in enumerate(_rows(quickstart))]
    _write(quickstart, rows)
    with (quickstart / CONFIG).open("a", encoding="utf-8") as config:  # the gate most set: no datapoint worse
        config.write("gate:\n  topic_match: {max_degraded: 0}\n")
    _run(quickstart, capsys)
    extra = [{**_another_question(rows), "id": f"new{i}"} for i in range(3)]
    _write(quickstart, [*rows[:-2], *extra])  # 2 removed, 3 added: 20 of the larger run's 23 paired (87%)

    terminal, comment, after = _run(quickstart, capsys)

    assert "compared on **20 of 23** datapoints (3 new, 2 gone)" in comment
    assert "only 20 of 23 datapoints in common (87%)" in comment, "the comparison is partial: that is still said"
    assert "Likely cause" not in terminal + comment, "but not blamed on the rows' id fields"
    assert after["baseline"]["cause"] is None
    # audit53 F1: rows with their own ids did not move, so the gate that held on the 20 paired holds (it was "could
    # not be fully checked": neutral)
    assert (after["verdict"], after["reasons"]) == ("pass", ["every datapoint passed"])


# audit79 F3: a PR that kept 6 of the baseline's 22 rows was headed "compared on 6 of 6 datapoints (16 gone)" with no
# warning (the overlap was of this run's datapoints only), while its metric rows said "6 of 22 in either run"
def test_a_pr_that_only_removes_rows_is_not_headed_as_a_full_comparison(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{**row, "id": f"q{i}"} for i, row in enumerate(_rows(quickstart))]
    _write(quickstart, rows)
    _run(quickstart, capsys)
    _write(quickstart, rows[:6])

    terminal, comment, after = _run(quickstart, capsys)

    assert "compared on **6 of 22** datapoints (16 gone)" in comment
    assert "The two runs have only 6 of 22 datapoints in common (27%)" in comment
    assert "Compared on 6 of 22 datapoints (16 gone)" in terminal
    assert (after["baseline"]["shared_datapoints"], after["baseline"]["total_datapoints"]) == (6, 22)
    assert after["baseline"]["low_overlap"] is True


def test_a_pr_that_only_adds_rows_counts_the_overlap_as_before(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows only added: this run's datapoints are those in either run, so the header and its warning stay as they were
    (16 of the baseline's 16 compared, 2 new: a partial comparison of this run's 18)."""
    rows = [{**row, "id": f"q{i}"} for i, row in enumerate(_rows(quickstart))]
    _write(quickstart, rows[:16])
    _run(quickstart, capsys)
    _write(quickstart, [*rows[:16], *({**_another_question(rows), "id": f"new{i}"} for i in range(2))])

    _, comment, _ = _run(quickstart, capsys)

    assert "compared on **16 of 18** datapoints (2 new)" in comment
    assert "The two runs have only 16 of 18 datapoints in common (89%)" in comment


def test_a_row_inserted_mid_file_without_ids_is_explained_with_the_fix(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(quickstart, capsys)
    rows = _rows(quickstart)
    _write(quickstart, [*rows[:11], _another_question(rows), *rows[11:]])

    terminal, comment, after = _run(quickstart, capsys)

    assert "compared on **11 of 23** datapoints (12 new, 11 gone)" in comment
    assert (
        "> Likely cause: a row without an id gets one from its content and its position, so a row inserted" in comment
    )
    assert "Fix: give every row an id field, or set dataset.datapoint\\_ids: content in the config" in comment
    assert "set dataset.datapoint_ids: content in the config" in terminal
    assert after["comparison"]["common_datapoints"] == 11


def test_with_content_ids_an_inserted_row_leaves_every_other_row_paired(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = quickstart / CONFIG
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  path: data/questions.jsonl\n", "  path: data/questions.jsonl\n  datapoint_ids: content\n"
        ),
        encoding="utf-8",
    )
    _run(quickstart, capsys)
    rows = _rows(quickstart)
    _write(quickstart, [*rows[:11], _another_question(rows), *reversed(rows[11:])])  # inserted, and the tail reordered

    terminal, comment, after = _run(quickstart, capsys)

    assert "compared on **22 of 23** datapoints (1 new)" in comment
    assert "Compared on 22 of 23 datapoints (1 new)" in terminal
    assert "Likely cause" not in terminal + comment
    assert after["comparison"] == {"common_datapoints": 22, "new_only_datapoints": 1, "old_only_datapoints": 0}


def test_a_baseline_recorded_under_the_old_content_derived_id_is_still_found(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run as the previous version recorded it: the dataset id the hash of the file's content, no dataset stamp."""
    db = quickstart / LOCAL_DB_PATH
    db.parent.mkdir(parents=True, exist_ok=True)
    legacy = external_dataset(_rows(quickstart))  # the SDK's content-derived EXT- id, as older versions used
    code = load_user_code(load_config(quickstart / CONFIG), str(quickstart / CONFIG), quickstart)
    with (
        LocalBackend(str(db)) as backend,
        HoneyHiveClient(backend.url, backend.api_key) as client,
        in_repository(quickstart),
    ):
        old = evaluate(
            code.function,
            legacy,
            client=client,
            evaluators=code.evaluators,
            name=EXPERIMENT,
            metadata={
                "ci": {"branch": "local", "event": "local", "config_hash": "0" * 64},
                "experiment": EXPERIMENT,
                "dataset_id": legacy.dataset_id,
            },
        )
    rows = _rows(quickstart)
    _write(quickstart, [*rows, _another_question(rows)])  # and the pull request adds a question

    _, comment, after = _run(quickstart, capsys)

    assert after["baseline"]["run_id"] == old.run_id
    assert "compared on **22 of 23** datapoints (1 new)" in comment
    with LocalBackend(str(db)) as backend, HoneyHiveClient(backend.url, backend.api_key) as client:
        stored = client.get_run(after["run"]["id"])["metadata"]
    assert stored["offline_dataset_id"] == repository_dataset_id("data/questions.jsonl") != legacy.dataset_id
    assert stored["dataset"] == {
        "path": "data/questions.jsonl",
        "config": ".honeyhive/experiment.yml",
        "datapoint_ids": "sdk",
    }

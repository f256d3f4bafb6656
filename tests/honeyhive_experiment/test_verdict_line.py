"""The verdict's reasons quote the user's error messages cut at whole words, never at a parenthesis's first word."""

from __future__ import annotations

from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.models.outcomes import excerpt
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.e2e

BROKEN = """
import json


def answer(datapoint):
    return json.loads("")  # JSONDecodeError: Expecting value: line 1 column 1 (char 0)
"""


def test_the_verdict_line_quotes_a_json_error_without_a_parenthesis_cut_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "Expecting value: line 1 column 1 (char…": 41 characters cut at 40, the parenthesis's first word kept alone
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    (repo / "support_bot" / "broken.py").write_text(BROKEN)
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text().replace("support_bot.app:answer", "support_bot.broken:answer"))

    code = main(["run", "--dry-run", "-C", str(repo)], environ={})
    printed = capsys.readouterr()

    assert code == 1, printed.err
    terminal = printed.out.partition("----- the comment that would be posted -----")[0]
    [line] = [line for line in terminal.splitlines() if "errored: JSONDecodeError" in line]
    assert line.endswith(": Expecting value: line 1 column 1…"), line
    assert "(char…" not in printed.out + printed.err  # the comment, and the log's "verdict fail" line


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Expecting value: line 1 column 1 (char 0)", "Expecting value: line 1 column 1…"),
        ("the cut is on the space just after (char 0) and more", "the cut is on the space just after…"),
        ("the cut falls on the space after: (char 0) and more", "the cut falls on the space after:…"),
        ("a whole parenthesis is kept (char 0) before the cut", "a whole parenthesis is kept (char 0)…"),
        ("within one, past its first word: (char 0 and more words", "within one, past its first word: (char 0…"),
        ("(only) " + "x" * 40, "(only)…"),
        ("(opened " + "x" * 40, "…"),
    ],
)
def test_an_excerpt_never_ends_on_a_parenthesis_first_word(text: str, shown: str) -> None:
    assert excerpt(text, 40) == shown

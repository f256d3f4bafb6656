"""A metric's difference that is float noise, through the command line against ``honeyhive_local``: an evaluator
that scores 0.3 in the baseline and ``0.1 + 0.2`` in this run (the same number but for float rounding) reads as no
change in every output, not ``+5.55e-17`` beside "same" (audit54)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from tests.quickstart import add_evaluator, copy_quickstart

pytestmark = pytest.mark.integration

NOISY = '''
def noisy(outputs, inputs, ground_truth=None):
    """0.3, or 0.1 + 0.2 once the file noisy.flag is beside the package."""
    import pathlib

    return 0.1 + 0.2 if (pathlib.Path(__file__).parents[1] / "noisy.flag").exists() else 0.3
'''


def test_a_difference_of_float_noise_reads_as_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    add_evaluator(repo, "noisy", NOISY)
    report = tmp_path / "report.json"
    argv = ["run", "--dry-run", "-C", str(repo), "--report", str(report)]
    assert main(argv, environ={}) == 0
    (repo / "noisy.flag").touch()
    capsys.readouterr()

    assert main(argv, environ={}) == 0

    out = capsys.readouterr().out
    (row,) = [m for m in json.loads(report.read_text(encoding="utf-8"))["metrics"] if m["name"] == "noisy"]
    assert row["difference"] == pytest.approx(0.0, abs=1e-15)  # the backend's, as it sent it
    assert row["change"] == "same"
    (line,) = [line for line in out.splitlines() if line.startswith("noisy ")]
    assert "e-17" not in out  # in the terminal and the comment it prints
    assert line.split()[1:4] == ["0.3", "0.3", "0"], line  # baseline, this run, Δ

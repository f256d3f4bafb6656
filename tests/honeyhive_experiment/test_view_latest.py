"""``view`` without a RUN_ID: the real CLI, the quickstart's runs in honeyhive_local over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration


def test_view_with_no_completed_run_says_so_naming_the_newest_and_its_state(
    tmp_path: Path, backend: LocalBackend, hh: HoneyHiveClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """The experiment's only run was cancelled (interrupted): ``view`` said "run … is cancelled, not completed: …;
    re-run the experiment", which read as if it had looked at the newest run only, when it looks for the newest
    completed one (and shows it, naming a newer run that is not). It says there is none, and why the newest is not."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    report = tmp_path / "report.json"
    env = {"HH_API_KEY": API_KEY}
    ran = main(["run", "--dry-run", "-C", str(repo), "--server-url", backend.url, "--report", str(report)], env)
    assert ran == 0, capsys.readouterr().err
    run_id = json.loads(report.read_text(encoding="utf-8"))["run"]["id"]
    hh.update_run(run_id, {"status": "cancelled"})
    capsys.readouterr()
    assert main(["view", "--no-open", "-C", str(repo), "--server-url", backend.url], env) == 2
    err = capsys.readouterr().err
    expected = (
        "error: experiment 'support-bot-quickstart' has no completed run of .honeyhive/experiment.yml yet:"
        f" run {run_id} is cancelled, not completed: it stopped before every datapoint was recorded"
    )
    assert expected in err, err
    assert not list((repo / ".honeyhive").glob("report.*.html"))

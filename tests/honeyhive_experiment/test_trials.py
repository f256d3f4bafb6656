"""Repeated trials (issue 22) through ``evaluate()`` and the command line's dry run, on the embedded backend.

Each datapoint runs K times, each trial its own session of the same run with the same ``datapoint_id`` and
``metadata.trial``; the backend reduces a datapoint's trials to means before it aggregates. The function here is
deterministic per trial: its n-th call on a datapoint (n = 0, 1, 2, … whatever order the pool runs them in)
answers ``10 * number + n``, so the mean over K trials is known exactly: ``10 * number + (K - 1) / 2``.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment import evaluate
from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.quickstart import init_repository

pytestmark = pytest.mark.integration

DATAPOINTS = 20


class Counting:
    """The function under test: on its n-th call for a datapoint it answers ``10 * number + n``."""

    def __init__(self) -> None:
        self.calls: Counter[int] = Counter()
        self.lock = threading.Lock()

    def __call__(self, datapoint: dict[str, Any]) -> dict[str, float]:
        number = datapoint["inputs"]["number"]
        with self.lock:
            n = self.calls[number]
            self.calls[number] += 1
        return {"value": 10.0 * number + n}


def value(outputs: dict[str, float], inputs: dict[str, Any], ground_truth: Any = None) -> float:
    return outputs["value"]


def sessions_of(backend: LocalBackend, run_id: str) -> list[dict[str, Any]]:
    body = {
        "filters": [
            {"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"},
            {"field": "event_type", "operator": "is", "value": "session", "type": "string"},
        ],
        "limit": 7500,
    }
    with httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {backend.api_key}"}) as hh:
        response = hh.post("/v1/events/export", json=body)
    assert response.status_code == 200, response.text
    sessions: list[dict[str, Any]] = response.json()["events"]
    return sessions


def test_three_trials_of_twenty_datapoints_are_sixty_sessions_and_the_result_holds_their_means(
    backend: LocalBackend,
) -> None:
    function = Counting()
    result = evaluate(
        function=function,
        dataset=[{"inputs": {"number": i}} for i in range(DATAPOINTS)],
        evaluators=[value],
        api_key=API_KEY,
        server_url=backend.url,
        name="three-trials",
        max_workers=4,
        trials=3,
        print_results=False,
    )
    assert function.calls == Counter({i: 3 for i in range(DATAPOINTS)}), "the function runs once per trial"

    sessions = sessions_of(backend, result.run_id)
    assert len(sessions) == 3 * DATAPOINTS
    assert len({s["session_id"] for s in sessions}) == 3 * DATAPOINTS
    per_datapoint: dict[str, list[int]] = {}
    for session in sessions:
        per_datapoint.setdefault(session["metadata"]["datapoint_id"], []).append(session["metadata"]["trial"])
    assert len(per_datapoint) == DATAPOINTS
    assert all(sorted(trials) == [0, 1, 2] for trials in per_datapoint.values()), per_datapoint

    summary = result.summary
    assert summary.trials == 3
    assert summary.flaky == []
    means = {row.datapoint_id: next(m.value for m in row.metrics if m.name == "value") for row in summary.datapoints}
    number_of = {o.datapoint_id: o.index for o in result.outcomes}  # the dataset's row i holds number i
    assert means == {dp: 10.0 * number_of[dp] + 1.0 for dp in number_of}  # the mean of n + 0, n + 1, n + 2
    assert {row.trials for row in summary.datapoints} == {3}
    detail = summary.metric("value")
    assert detail is not None
    assert detail.aggregate == pytest.approx(sum(10.0 * i + 1.0 for i in range(DATAPOINTS)) / DATAPOINTS)
    assert detail.spread == pytest.approx((2 / 3) ** 0.5)  # the standard deviation of 0, 1, 2 on every datapoint
    assert len(result.outcomes) == 3 * DATAPOINTS
    assert sorted(Counter(o.trial for o in result.outcomes).items()) == [(0, 20), (1, 20), (2, 20)]


def test_one_trial_records_no_trial_metadata_and_the_summary_says_nothing_of_trials(backend: LocalBackend) -> None:
    result = evaluate(
        function=Counting(),
        dataset=[{"inputs": {"number": i}} for i in range(3)],
        evaluators=[value],
        api_key=API_KEY,
        server_url=backend.url,
        name="one-trial",
        print_results=False,
    )
    sessions = sessions_of(backend, result.run_id)
    assert len(sessions) == 3
    assert all("trial" not in s["metadata"] for s in sessions)
    assert (result.summary.trials, result.summary.flaky) == (1, [])
    assert {row.trials for row in result.summary.datapoints} == {None}


# ----------------------------------------------------------------------------------------------- the command line

APP = """
import threading
from collections import Counter

CALLS = Counter()
LOCK = threading.Lock()


def answer(datapoint):
    number = datapoint["inputs"]["number"]
    with LOCK:
        n = CALLS[number]
        CALLS[number] += 1
    return {"value": 10.0 * number + n}


def value(outputs, inputs, ground_truth=None):
    return outputs["value"]
"""

CONFIG = """\
name: counting
function: counting_app:answer
dataset: {{path: numbers.jsonl}}
evaluators: [counting_app:value]
max_workers: 4
{extra}"""


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".honeyhive").mkdir(parents=True)
    (root / "counting_app.py").write_text(APP, encoding="utf-8")
    rows = "".join(json.dumps({"inputs": {"number": i}}) + "\n" for i in range(5))
    (root / "numbers.jsonl").write_text(rows, encoding="utf-8")
    init_repository(root)
    return root


def dry_run(root: Path, config_extra: str, *argv: str) -> tuple[int, dict[str, Any], str]:
    (root / ".honeyhive" / "experiment.yml").write_text(CONFIG.format(extra=config_extra), encoding="utf-8")
    report = root.parent / "report.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", "--dry-run", "-C", str(root), "--report", str(report), *argv], environ={})
    return code, json.loads(report.read_text(encoding="utf-8")), out.getvalue() + err.getvalue()


def test_the_trials_flag_overrides_the_experiment_files_trials(repository: Path) -> None:
    code, report, shown = dry_run(repository, "trials: 3", "--trials", "2")
    assert code == 0, shown
    with LocalBackend(str(repository / ".honeyhive" / "local.db")) as local:
        sessions = sessions_of(local, report["run"]["id"])
    assert sorted(Counter(s["metadata"]["trial"] for s in sessions).items()) == [(0, 5), (1, 5)]
    assert report["trials"] == 2

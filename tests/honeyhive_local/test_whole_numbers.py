"""Whole numbers through the real embedded backend: 5 more tokens on a 5e9 datapoint are a change.

The comparison counted 5,000,000,005 tokens against 5,000,000,000 the same (``math.isclose``, ``rel_tol=1e-9``), so a
``max_degraded: 0`` gate on a token count could not see them. Here the values go over loopback HTTP into an SQLite
file and back (do they come back as the integers sent?), and through the command line's dry run to the check.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.quickstart import imported, small_repository

pytestmark = pytest.mark.integration

BILLIONS = 5_000_000_000
FUNCTION_NAME = "count_tokens"


def _record_run(client: httpx.Client, values: Mapping[str, Any]) -> str:
    """A run of one session and one scored chain event per datapoint (``{datapoint_id: tokens}``), as the SDK
    records one."""
    run_id = str(uuid.uuid4())
    assert client.post("/v1/runs", json={"run_id": run_id, "name": "tokens", "status": "running"}).status_code == 200
    for datapoint_id, tokens in values.items():
        session_id = str(uuid.uuid4())
        metadata = {"run_id": run_id, "datapoint_id": datapoint_id}
        session = {
            "session_id": session_id,
            "session_name": FUNCTION_NAME,
            "source": "evaluation",
            "metadata": metadata,
        }
        assert client.post("/v1/sessions", json=session).status_code == 200
        event = {
            "event_id": str(uuid.uuid4()),
            "session_id": session_id,
            "parent_id": session_id,
            "event_type": "chain",
            "event_name": FUNCTION_NAME,
            "source": "evaluation",
            "inputs": {"datapoint": datapoint_id},
            "metadata": metadata,
            "metrics": {"tokens": tokens},
        }
        assert client.post("/v1/events", json=event).status_code == 200, event
    assert client.put(f"/v1/runs/{run_id}", json={"status": "completed"}).status_code == 200
    return run_id


def _client(backend: LocalBackend) -> httpx.Client:
    return httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)


def test_whole_numbers_come_back_from_the_database_as_sent_and_compare_exactly(tmp_path: Path) -> None:
    """An SQLite file, not ``:memory:``, read again by a second backend: the integers come back as integers (JSON
    text, not REAL columns), a whole float as a float, and 5 more tokens on 5e9 are improved (they were the same),
    5 fewer degraded, equal values the same."""
    database = tmp_path / "local.db"
    sent = {"more": BILLIONS + 5, "fewer": BILLIONS - 5, "equal": BILLIONS, "whole float": float(BILLIONS + 5)}
    with LocalBackend(str(database), API_KEY) as backend, _client(backend) as client:
        baseline = _record_run(client, dict.fromkeys(sent, BILLIONS))
        candidate = _record_run(client, sent)
    with LocalBackend(str(database), API_KEY) as backend, _client(backend) as client:
        events = client.get(f"/v1/runs/{candidate}/metrics").json()["events"]
        stored = {e["metadata"]["datapoint_id"]: e["metrics"]["tokens"] for e in events if e["metrics"]}
        assert stored == sent
        assert {dp: type(v) for dp, v in stored.items()} == {
            "more": int,
            "fewer": int,
            "equal": int,
            "whole float": float,
        }
        comparison = client.get(f"/v1/runs/{candidate}/compare/{baseline}").json()
    [tokens] = comparison["metrics"]
    assert (sorted(tokens["improved"]), tokens["degraded"], tokens["same"]) == (
        ["more", "whole float"],
        ["fewer"],
        ["equal"],
    )
    assert (tokens["improved_count"], tokens["degraded_count"], tokens["same_count"]) == (2, 1, 1)
    assert tokens["difference"] == 1.25  # (5 - 5 + 0 + 5) / 4: the averages of whole numbers, exactly


APP = f"""
import json
import pathlib

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def {FUNCTION_NAME}(datapoint):
    return {{"tokens": json.loads(STATE.read_text(encoding="utf-8"))[datapoint["inputs"]["name"]]}}


def tokens(outputs, inputs, ground_truth=None):
    return outputs["tokens"]
"""

CONFIG = f"""\
name: token-budget
function: token_app:{FUNCTION_NAME}
dataset: {{path: prompts.jsonl}}
evaluators: [token_app:tokens]
metrics: {{tokens: {{direction: lower}}}}
gate: {{tokens: {{max_degraded: 0}}}}
"""


def _dry_run(root: Path, *extra: str) -> tuple[int, str, dict[str, Any]]:
    report = root.parent / "report.json"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["run", "--dry-run", "-C", str(root), "--report", str(report), *extra], environ={})
    return code, out.getvalue(), json.loads(report.read_text(encoding="utf-8"))


def test_five_more_tokens_on_five_billion_fail_a_max_degraded_gate(tmp_path: Path) -> None:
    """The command line's dry run on the embedded backend: a baseline of 5e9 tokens on one prompt, then 5e9 + 5 on
    it (the other prompt unchanged). Fewer tokens are better (``direction: lower``), so HoneyHive's "improved" (a
    greater value) is worse here: 1 of 2 worse, past ``max_degraded: 0``. It passed, the 5 tokens counted the same."""
    prompts = '{"inputs": {"name": "long"}}\n{"inputs": {"name": "short"}}\n'
    files = {"token_app.py": APP, "prompts.jsonl": prompts, ".honeyhive/experiment.yml": CONFIG}
    root = small_repository(tmp_path / "tokens", files, "a token budget")
    state = root / "state.json"
    state.write_text(json.dumps({"long": BILLIONS, "short": 120}), encoding="utf-8")
    with imported("token_app"):
        code, out, first = _dry_run(root)
        assert code == 0, out
        state.write_text(json.dumps({"long": BILLIONS + 5, "short": 120}), encoding="utf-8")
        code, out, report = _dry_run(root, "--baseline", first["run"]["id"])
    [tokens] = [m for m in report["metrics"] if m["name"] == "tokens"]
    assert (tokens["worse_count"], tokens["better_count"]) == (1, 0), tokens
    assert code == 1, out
    assert report["verdict"] == "fail"
    [failure] = report["gate_failures"]
    assert failure.startswith("tokens degraded on 1 datapoint (gate: at most 0)"), failure

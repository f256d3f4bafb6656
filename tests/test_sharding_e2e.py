"""Scale-out across a workflow matrix, run as GitHub runs it: shard jobs, the report job, run + publish.

Each job is the action's entry point with the environment GitHub would give it (action.yml's ``runs.env``, the
``GITHUB_*`` context and an event payload file, as ``tests/fakes/actions_runner.py`` builds them), against
``honeyhive_local`` and the fake GitHub REST server over real sockets: ``python -m honeyhive_experiment action`` in
a process of its own where processes matter (the matrix's shard jobs running at once, a runner killed), else
``main(["action"])`` in this one (a process would only add the interpreter's start and imports). Jobs of one
workflow run share ``GITHUB_RUN_ID``, which is all that makes them write into the same HoneyHive run. What the
backend holds is checked through its own HTTP API (``POST /v1/events/export``, ``GET /v1/runs``).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment.baseline import BaselineQuery, choose_baseline
from honeyhive_experiment.cli import main
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import BaselineConfig, BaselineStrategy
from honeyhive_experiment.connection import tls_for
from honeyhive_experiment.dataset_identity import DatasetIdentity
from honeyhive_experiment.datasets import load_dataset_file
from honeyhive_experiment.experiment import external_dataset
from honeyhive_experiment.models import ExperimentRun
from honeyhive_experiment.sharding import assign, shared_run_id
from tests.action_world import API_KEY, World
from tests.action_world import world as world  # the fixture: a quickstart copy, the backend, fake GitHub
from tests.conftest import run_events, stored_run
from tests.fakes.actions_runner import (
    HEAD_SHA,
    PR,
    REPOSITORY,
    Event,
    Step,
    pull_request,
    push,
    start_action,
    workflow_run,
)
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.quickstart import add_evaluator, copy_quickstart

pytestmark = pytest.mark.e2e

EXPERIMENT = "support-bot-quickstart"  # the quickstart config's name: part of the shared run id
CONFIG = ".honeyhive/experiment.yml"  # the experiment file: part of the shared run id too
DATASET = "data/questions.jsonl"
SHARDS = 4
PR_RUN = "9101"  # the pull request's workflow run: a job's GITHUB_RUN_ID unless it is given another, and publish's
PROCESS_TIMEOUT = 90  # seconds: a hung job fails the test instead of hanging the suite


# ----------------------------------------------------------------------------------------------- jobs


@dataclass
class Job:
    """One job's action, ended: its exit code, output, and step files (outputs, summary)."""

    step: Step
    returncode: int
    stdout: str
    stderr: str

    @property
    def outputs(self) -> dict[str, str]:
        return self.step.outputs()

    @property
    def summary(self) -> str:
        return self.step.summary()

    def shown(self) -> str:
        return (
            f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
            f"\n--- step summary\n{self.summary}"
        )


@dataclass
class Started:
    """One action process: started with :func:`start_job`, collected with :meth:`wait`."""

    process: subprocess.Popen[str]
    step: Step

    def wait(self) -> Job:
        try:
            stdout, stderr = self.process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        return Job(self.step, self.process.returncode, stdout, stderr)

    def stop(self) -> None:
        """Kill the process if it still runs (a test that failed early leaves no job behind)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def job_step(
    world: World,
    name: str,
    *,
    inputs: Mapping[str, str],
    event: Event | None = None,
    root: Path | None = None,
    run_id: str = PR_RUN,
    attempt: str = "1",
) -> tuple[Step, dict[str, str], Path]:
    """One job's step files (a folder of its own: a name used twice is a mistake), environment and workspace, for
    ``event`` (the pull request's by default)."""
    (world.tmp / "jobs").mkdir(exist_ok=True)
    (world.tmp / "jobs" / name).mkdir()
    root = root or world.root
    step, env = world.step(
        event or pull_request(), inputs=inputs, name=f"jobs/{name}", workspace=root, run_id=run_id, attempt=attempt
    )
    return step, env, root


def start_job(world: World, name: str, **kwargs: Any) -> Started:
    """Start one job's action process (not waiting for it): for the jobs of a matrix that run at once, or one a
    test kills."""
    step, env, root = job_step(world, name, **kwargs)
    return Started(start_action(env, root), step)


def run_job(world: World, name: str, **kwargs: Any) -> Job:
    """One job's action run to its end in this process (``main(["action"])`` with the job's environment, its
    output captured): a process of its own would only add the interpreter's start and imports."""
    step, env, _root = job_step(world, name, **kwargs)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["action"], environ=env)
    return Job(step, code, stdout.getvalue(), stderr.getvalue())


def run_shards(world: World, indexes: range | list[int], *, run_id: str = PR_RUN, attempt: str = "1") -> list[Job]:
    """Shard jobs of the matrix, one after the other in this process."""
    inputs = {"mode": "run"}
    return [
        run_job(
            world,
            f"shard-{i}-attempt-{attempt}",
            inputs={**inputs, "shard": f"{i}/{SHARDS}"},
            run_id=run_id,
            attempt=attempt,
        )
        for i in indexes
    ]


def start_shards(world: World, indexes: range | list[int]) -> list[Job]:
    """The matrix as GitHub runs it: every shard job a process, all started at once, then all of them awaited."""
    started = [
        start_job(world, f"shard-{i}-attempt-1", inputs={"mode": "run", "shard": f"{i}/{SHARDS}"}) for i in indexes
    ]
    try:
        return [job.wait() for job in started]
    finally:
        for job in started:
            job.stop()


# ----------------------------------------------------------------------------------------------- the backend


def backend_client(world: World) -> httpx.Client:
    url, headers = world.backend.url, {"Authorization": f"Bearer {API_KEY}"}
    return httpx.Client(base_url=url, headers=headers, timeout=30, verify=tls_for(url))


def run_summary(hh: httpx.Client, run_id: str) -> dict[str, Any]:
    response = hh.get(f"/v1/runs/{run_id}/summary")
    assert response.status_code == 200, response.text
    summary: dict[str, Any] = response.json()
    return summary


def assert_each_datapoint_once(hh: httpx.Client, run_id: str, expected_ids: list[str]) -> list[dict[str, Any]]:
    """Exactly one session per expected datapoint (and none other), exactly one chain span per session."""
    sessions = run_events(hh, run_id, "session")
    per_datapoint = sorted(s["metadata"]["datapoint_id"] for s in sessions)
    assert per_datapoint == sorted(expected_ids), "every datapoint exactly once, no other"
    session_ids = [s["session_id"] for s in sessions]
    assert len(set(session_ids)) == len(session_ids)
    chains = run_events(hh, run_id, "chain")
    chains_per_session = {sid: 0 for sid in session_ids}
    for chain in chains:
        assert chain["session_id"] in chains_per_session, f"a chain span outside the run's sessions: {chain}"
        chains_per_session[chain["session_id"]] += 1
    assert set(chains_per_session.values()) == {1}, f"chain spans per session: {chains_per_session}"
    return sessions


def comparable(summary: Mapping[str, Any]) -> dict[str, Any]:
    """What a run's verdict rests on, as the backend summarises it: per metric the aggregate, the values as a
    multiset and the passing/failing datapoints; and the run's passed/failed datapoints."""
    metrics = {
        (m["metric_name"], m["event_name"]): {
            "aggregate": m["aggregate"],
            "values": sorted(map(json.dumps, m["values"])),
            "passed": sorted(m["datapoints"]["passed"]),
            "failed": sorted(m["datapoints"]["failed"]),
        }
        for m in summary["metrics"]["details"]
    }
    return {"metrics": metrics, "passed": sorted(summary["passed"]), "failed": sorted(summary["failed"])}


# ----------------------------------------------------------------------------------------------- the repository


def dataset_ids(root: Path) -> list[str]:
    """The dataset's EXT- datapoint ids, derived exactly as the action derives them."""
    return [dp.id for dp in external_dataset(load_dataset_file(root / DATASET)).datapoints]


def regress_refunds(root: Path) -> None:
    """An edit that makes the two refund questions miss their keywords: a mixed run, 20 pass and 2 fail."""
    app = root / "support_bot" / "app.py"
    before = "Refunds are possible within 30 days: open Billing > History and choose Request refund."
    text = app.read_text()
    assert before in text
    app.write_text(text.replace(before, "Please write to our support team."))


def record_baseline(world: World) -> str:
    """A push to main records the base branch's run (with the quickstart unchanged) for later jobs to compare."""
    push_job = run_job(world, "baseline", event=push(HEAD_SHA), inputs={}, run_id="9000")
    assert push_job.returncode == 0, push_job.shown()
    assert push_job.outputs["verdict"] == "neutral"
    return push_job.outputs["run-id"]


def publisher_checkout(world: World, name: str, report_json: Path) -> Path:
    """A publish job's workspace: the default branch's config and code (no dataset: the job must not read
    the pull request's data), plus report.json as the download-artifact step leaves it."""
    root = copy_quickstart(world.tmp / name, leave_out=("*.jsonl",))
    assert not (root / DATASET).exists()
    shutil.copy2(report_json, root / ".honeyhive" / "report.json")
    return root


# ----------------------------------------------------------------------------------------------- tests


def test_four_concurrent_shards_then_the_report_equal_one_unsharded_run(world: World) -> None:
    baseline_run = record_baseline(world)
    regress_refunds(world.root)
    ids = dataset_ids(world.root)
    assert len(ids) == 22
    owners = {assign(ids, SHARDS)[i] for i in ids}
    assert owners == {1, 2, 3, 4}, "the quickstart must give every shard some work, else this proves less"

    shards = start_shards(world, range(1, SHARDS + 1))
    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)
    for index, job in enumerate(shards, start=1):
        assert job.returncode == 0, job.shown()
        assert job.outputs["run-id"] == run_id, "every shard job derives the same run"
        mine = sum(1 for i in ids if assign(ids, SHARDS)[i] == index)
        assert f"recorded {mine} datapoint(s) of shard {index}/{SHARDS}" in job.stdout, job.shown()
    # "Re-run failed jobs" of shard 2 (same workflow run id): it records nothing again (each datapoint once: below)
    [again] = run_shards(world, [2], attempt="2")
    assert again.returncode == 0, again.shown()
    assert again.outputs["run-id"] == run_id
    assert f"recorded 0 datapoint(s) of shard 2/{SHARDS}" in again.stdout, again.shown()
    assert f"({len(shard_of(ids, 2, SHARDS))} already there from an earlier attempt" in again.stdout, again.shown()
    assert world.github.writes == [], "shard jobs never comment"

    with backend_client(world) as hh:
        assert stored_run(hh, run_id)["status"] == "running", "the run stays open until the report"
        report = run_job(world, "report", inputs={"mode": "report", "shard": f"{SHARDS}/{SHARDS}"})
        assert report.returncode == 1, report.shown()  # the refund regression: HoneyHive reports fail
        assert report.outputs["run-id"] == run_id
        assert report.outputs["baseline-run-id"] == baseline_run

        sessions = assert_each_datapoint_once(hh, run_id, ids)
        run = stored_run(hh, run_id)
        assert run["status"] == "completed"
        assert sorted(run["event_ids"]) == sorted(s["session_id"] for s in sessions)
        assert len(run["event_ids"]) == 22

        [comment] = world.github.comments(PR)
        assert run_id in comment.body
        assert EXPERIMENT in comment.body
        assert len([w for w in world.github.writes if w.method == "POST"]) == 1

        unsharded = run_job(world, "unsharded", inputs={"mode": "all", "comment-mode": "off"}, run_id="9102")
        assert unsharded.returncode == report.returncode, unsharded.shown()
        single_run = unsharded.outputs["run-id"]
        assert single_run not in ("", run_id)
        assert_each_datapoint_once(hh, single_run, ids)

        sharded_summary, single_summary = run_summary(hh, run_id), run_summary(hh, single_run)
        assert comparable(sharded_summary) == comparable(single_summary)
        assert len(sharded_summary["failed"]) == 2, "the comparison must cover a mixed run"
    for output in ("verdict", "passed", "failed", "baseline-run-id"):
        assert report.outputs[output] == unsharded.outputs[output], output
    assert report.outputs["verdict"] == "fail"
    assert (report.outputs["passed"], report.outputs["failed"]) == ("20", "2")
    assert len(world.github.comments(PR)) == 1, "the unsharded run had comments off"


UNPRICED_CALL = """

_answer = answer


def answer(datapoint, tracer):  # one call to a model without a price, reported on a span of the function's own
    with tracer.start_as_current_span("my call", "model") as span:
        span.set_attribute("gen_ai.request.model", "my-ft-model")
        span.set_attribute("gen_ai.usage.input_tokens", 100)
    return _answer(datapoint)
"""


ERRANDS = """

import queue as _queue
import threading as _threading

from opentelemetry import trace as _trace

_ERRANDS = _queue.Queue()


def _errands():  # a thread started at import, which carries no datapoint: its calls are outside every one
    while True:
        done = _ERRANDS.get()
        with _trace.get_tracer("errands").start_as_current_span("call") as span:
            span.set_attributes({"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 100})
        done.put(None)


_threading.Thread(target=_errands, daemon=True).start()
_answer = answer


def answer(datapoint):
    done = _queue.Queue()
    _ERRANDS.put(done)
    done.get()
    return _answer(datapoint)
"""


def test_the_report_job_says_the_calls_the_shards_made_outside_every_datapoint(world: World) -> None:
    """Each shard job knew of its own calls outside every datapoint, and the report job of none: it read the run's
    cost as whole. Each shard records its count on one of its sessions, and the report job says their sum."""
    app = world.root / "support_bot" / "app.py"
    app.write_text(app.read_text() + ERRANDS)
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "instrument: [openai]\n")
    for job in run_shards(world, range(1, SHARDS + 1)):
        assert job.returncode == 0, job.shown()
    report = run_job(world, "report", inputs={"mode": "report", "shard": f"{SHARDS}/{SHARDS}"})
    assert "22 LLM call(s) were made outside any datapoint's context" in report.summary, report.shown()


def test_a_shard_that_never_ran_is_named_with_what_it_owes(world: World) -> None:
    config = world.root / ".honeyhive" / "experiment.yml"
    # the report job waits this long for the datapoints that never come: a real wait, so the shortest there is
    config.write_text(config.read_text().replace("ingestion: {timeout: 30}", "ingestion: {timeout: 1}"))
    assert "ingestion: {timeout: 1}" in config.read_text()
    ids = dataset_ids(world.root)
    owed = sum(1 for i in ids if assign(ids, SHARDS)[i] == 4)
    assert owed > 0

    for job in run_shards(world, [1, 2, 3]):
        assert job.returncode == 0, job.shown()
    report = run_job(world, "report", inputs={"mode": "report", "shard": f"{SHARDS}/{SHARDS}"})

    assert report.returncode == 2, report.shown()
    assert report.outputs["verdict"] == "error"
    expected = f"shard 4/{SHARDS}: {owed} datapoint(s)"
    assert expected in report.summary, report.summary
    assert f"{owed} of 22 datapoints never reached HoneyHive (waited 1 s)" in report.summary
    for other in (1, 2, 3):
        assert f"shard {other}/{SHARDS}:" not in report.summary, "only the shard that never ran is named"

    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)
    with backend_client(world) as hh:
        assert_each_datapoint_once(hh, run_id, [i for i in ids if assign(ids, SHARDS)[i] != 4])
        assert stored_run(hh, run_id)["status"] != "completed", "an incomplete run is never marked completed"
    [comment] = world.github.comments(PR)
    assert expected in comment.body


def test_rerunning_a_killed_shard_scores_what_the_killed_attempt_left_unscored(world: World) -> None:
    """The runner of shard 2/4 dies (SIGKILL: no clean-up) while one datapoint is still in the user's function:
    its session exists, its scored chain span does not. "Re-run failed jobs" must run that datapoint again
    and skip only the datapoints the first attempt finished."""
    ids = dataset_ids(world.root)
    mine = [i for i in ids if assign(ids, SHARDS)[i] == 2]
    assert len(mine) >= 2
    records = load_dataset_file(world.root / DATASET)
    stuck_question = records[ids.index(mine[0])]["inputs"]["question"]
    app = world.root / "support_bot" / "app.py"
    original = app.read_text()
    slow = f"    time.sleep(60 if datapoint['inputs']['question'] == {stuck_question!r} else SIMULATED_LATENCY_S)\n"
    app.write_text(original.replace("    time.sleep(SIMULATED_LATENCY_S)\n", slow))
    assert app.read_text() != original
    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)

    job = start_job(world, "shard-2-attempt-1", inputs={"mode": "run", "shard": f"2/{SHARDS}"})
    try:
        with backend_client(world) as hh:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until all but the stuck datapoint are scored
                started, scored = run_events(hh, run_id, "session"), run_events(hh, run_id, "chain")
                if len(started) == len(mine) and len(scored) == len(mine) - 1:
                    break
                time.sleep(0.1)
            assert (len(started), len(scored)) == (len(mine), len(mine) - 1), "the first attempt never got there"
    finally:
        job.process.kill()  # the runner is gone: nothing is flushed, nothing is marked
        job.wait()
    app.write_text(original)

    [again] = run_shards(world, [2], attempt="2")
    assert again.returncode == 0, again.shown()
    with backend_client(world) as hh:
        assert_each_datapoint_once(hh, run_id, mine)
    assert f"recorded 1 datapoint(s) of shard 2/{SHARDS}" in again.stdout, again.shown()
    assert f"({len(mine) - 1} already there from an earlier attempt" in again.stdout


def test_publish_refuses_a_report_for_another_commit_and_posts_the_matching_one(world: World) -> None:
    record_baseline(world)
    # the pull request's workflow: read-only token, so it only runs and uploads .honeyhive/report.json
    run = run_job(world, "run-for-publish", inputs={"mode": "all", "comment-mode": "off"})
    assert run.returncode == 0, run.shown()
    assert run.outputs["verdict"] == "pass"
    report_json = world.root / ".honeyhive" / "report.json"
    assert json.loads(report_json.read_text())["verdict"] == "pass"
    assert world.github.writes == []

    other_commit = "9" * 40
    refused = run_job(
        world,
        "publish-stale",
        event=workflow_run(other_commit, triggering_run_id=int(PR_RUN)),
        inputs={"mode": "publish"},
        root=publisher_checkout(world, "publisher-stale", report_json),
        run_id="9201",
    )
    assert refused.returncode == 2, refused.shown()
    assert refused.outputs["verdict"] == "error"
    expected = f"report.json is for commit {HEAD_SHA[:12]}, but the triggering workflow run ran {other_commit[:12]}"
    assert expected in refused.summary, refused.shown()
    assert world.github.writes == [], "a refused report posts nothing"
    assert world.github.comments(PR) == []

    # a report.json forged to name another run (the baseline, a push run on main) with this pull request's numbers
    forged_json = edited(report_json, world.tmp / "forged", lambda r: r["run"].update(id=r["baseline"]["run_id"]))
    impostor = publish_job(world, "publish-forged", forged_json, "9203")
    assert impostor.returncode == 2, impostor.shown()
    assert impostor.outputs["verdict"] == "error"
    assert "was not made for this pull request" in impostor.summary, impostor.shown()
    assert f"pull request None (expected {PR})" in impostor.summary
    assert world.github.writes == [], "a forged report posts nothing"

    # forged to compare the run with itself (or any run of the writer's choosing): every gate would pass
    rebased_json = edited(report_json, world.tmp / "rebased", lambda r: r["baseline"].update(run_id=r["run"]["id"]))
    rebaser = publish_job(world, "publish-rebased", rebased_json, "9204")
    assert rebaser.returncode == 2, rebaser.shown()
    assert f"report.json names baseline {run.outputs['run-id']}, but run" in rebaser.summary, rebaser.shown()
    assert f"was judged against {run.outputs['baseline-run-id']} in HoneyHive" in rebaser.summary
    assert world.github.writes == [], "a report with another baseline posts nothing"

    # written by another version of the action (the run job's tag moved before the publish job started): a field
    # this version requires is missing and one it does not know is there; only the ids are read, so it is posted
    later = {"added_by_a_later_version": {"anything": 1}}
    other_json = edited(report_json, world.tmp / "other-version", lambda r: (r.pop("comparisons_off"), r.update(later)))
    published = publish_job(world, "publish", other_json, "9202")
    assert published.returncode == 0, published.shown()
    for output in ("verdict", "run-id", "baseline-run-id", "passed", "failed"):
        assert published.outputs[output] == run.outputs[output], output
    [comment] = world.github.comments(PR)
    assert run.outputs["run-id"] in comment.body
    assert HEAD_SHA[:7] in comment.body
    assert "the baseline its check was judged against" in comment.body  # nobody asked for it: the check chose it
    assert "the run asked for" not in comment.body
    assert len(world.github.writes) == 1
    assert published.outputs["comment-url"].endswith(f"#issuecomment-{comment.id}")


def edited(report_json: Path, folder: Path, edit: Callable[[dict[str, Any]], object]) -> Path:
    """``report_json`` as ``edit`` leaves it, written to ``folder`` (made): a report forged, or another version's."""
    report = json.loads(report_json.read_text())
    edit(report)
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps(report))
    return folder / "report.json"


def publish_job(world: World, name: str, report_json: Path, run_id: str) -> Job:
    """``mode: publish`` for the pull request's head commit, in a checkout of the default branch."""
    event, inputs = workflow_run(HEAD_SHA, triggering_run_id=int(PR_RUN)), {"mode": "publish"}
    return run_job(
        world, name, event=event, inputs=inputs, root=publisher_checkout(world, name, report_json), run_id=run_id
    )


def test_publish_judges_by_the_gate_the_pull_request_added_as_its_check_did(world: World) -> None:
    """The pull request adds a gate its change fails: the check fails, so the comment the publish job posts (with
    the default branch's file, which has no gate) fails too, and the check's stamp on the run stays the check's."""
    record_baseline(world)
    app = world.root / "support_bot" / "app.py"
    assert 'STYLE = "concise"' in app.read_text()
    app.write_text(app.read_text().replace('STYLE = "concise"', 'STYLE = "friendly"'))  # longer answers
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "gate:\n  answer_words: {max_worse_pct: 1}\n")
    run = run_job(world, "run-for-publish", inputs={"mode": "all", "comment-mode": "off"})
    assert (run.returncode, run.outputs["verdict"]) == (1, "fail"), run.shown()
    hh = backend_client(world)
    stamp = stored_run(hh, run.outputs["run-id"])["metadata"]["check"]

    published = publish_job(world, "publish", world.root / ".honeyhive" / "report.json", "9202")
    assert (published.returncode, published.outputs["verdict"]) == (0, "fail"), published.shown()
    [comment] = world.github.comments(PR)
    assert "**Failed**" in comment.body
    assert "by the pull request's experiment file, which changes the default branch's rules: gate." in comment.body
    assert stored_run(hh, run.outputs["run-id"])["metadata"]["check"] == stamp, "publish keeps the check's stamp"
    assert stamp["verdict"] == "fail"
    assert stamp["rules"]["gate"] == {"answer_words": {"max_drop_pct": 1.0}}


def test_publish_judges_by_the_tolerance_the_pull_request_added_and_refuses_a_malformed_stamp(world: World) -> None:
    """The pull request tolerates its 2 failed datapoints: the check passes and so does the comment. A run whose
    check recorded no rules (an older version's) is judged by the default branch's file, and the comment says so;
    rules in the stamp that do not validate are refused, named by their key."""
    record_baseline(world)
    regress_refunds(world.root)  # 2 of 22 datapoints fail
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "verdict: {allow_failed: 5}\n")
    run = run_job(world, "run-for-publish", inputs={"mode": "all", "comment-mode": "off"})
    assert (run.returncode, run.outputs["verdict"]) == (0, "pass"), run.shown()
    report_json = world.root / ".honeyhive" / "report.json"
    published = publish_job(world, "publish", report_json, "9202")
    assert (published.returncode, published.outputs["verdict"]) == (0, "pass"), published.shown()
    [comment] = world.github.comments(PR)
    assert "**Passed**" in comment.body
    assert "by the pull request's experiment file, which changes the default branch's rules: verdict." in comment.body

    hh, run_id = backend_client(world), run.outputs["run-id"]
    metadata = stored_run(hh, run_id)["metadata"]
    stamp = metadata["check"]
    assert stamp["rules"]["verdict"] == {"allow_failed": 5}
    older = {key: value for key, value in stamp.items() if key != "rules"}
    assert hh.put(f"/v1/runs/{run_id}", json={"metadata": {**metadata, "check": older}}).status_code == 200
    old = publish_job(world, "publish-older", report_json, "9203")
    assert (old.returncode, old.outputs["verdict"]) == (0, "fail"), old.shown()  # no tolerance on the default branch
    [comment] = world.github.comments(PR)
    assert "Judged with the default branch's experiment file" in comment.body
    assert stored_run(hh, run_id)["metadata"]["check"] == older, "publish never overwrites the check's verdict"

    writes = len(world.github.writes)
    malformed = {**stamp, "rules": {"verdict": {"allow_failed": "most"}}}
    assert hh.put(f"/v1/runs/{run_id}", json={"metadata": {**metadata, "check": malformed}}).status_code == 200
    refused = publish_job(world, "publish-malformed", report_json, "9204")
    assert (refused.returncode, refused.outputs["verdict"]) == (2, "error"), refused.shown()
    assert "metadata.check.rules.verdict.allow_failed: refusing to publish" in refused.summary, refused.shown()
    assert len(world.github.writes) == writes, "a malformed stamp posts nothing"


def test_publish_posts_a_run_an_older_version_judged_with_a_max_age_days_over_the_files_bound(world: World) -> None:
    """``baseline.max_age_days`` is at most 36500 in the experiment file since 052e981, and publish validated the
    rules a check stamped on its run (``metadata.check.rules``) by the same bound: a run an older version judged
    with ``max_age_days: 50000`` (valid then) was refused, its comment never posted. The bound is the file's: a
    stamp is read as the check that judged the run wrote it."""
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "baseline: {max_age_days: 36500}\n")
    run = run_job(world, "run-for-publish", inputs={"mode": "all", "comment-mode": "off"})
    assert (run.returncode, run.outputs["verdict"]) == (0, "neutral"), run.shown()
    hh, run_id = backend_client(world), run.outputs["run-id"]
    metadata = stored_run(hh, run_id)["metadata"]
    stamp = metadata["check"]
    assert stamp["rules"]["baseline"] == {"max_age_days": 36500}
    older = {**stamp, "rules": {**stamp["rules"], "baseline": {"max_age_days": 50000}}}  # as an older version wrote it
    assert hh.put(f"/v1/runs/{run_id}", json={"metadata": {**metadata, "check": older}}).status_code == 200

    published = publish_job(world, "publish", world.root / ".honeyhive" / "report.json", "9202")
    assert (published.returncode, published.outputs["verdict"]) == (0, "neutral"), published.shown()
    assert published.outputs["run-id"] == run_id
    [comment] = world.github.comments(PR)
    assert "by the pull request's experiment file, which changes the default branch's rules: baseline." in comment.body
    assert stored_run(hh, run_id)["metadata"]["check"] == older, "publish keeps the check's stamp"


def test_four_shards_with_two_trials_record_every_trial_once_and_judge_like_one_job(world: World) -> None:
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "trials: 2\n")
    regress_refunds(world.root)
    ids = dataset_ids(world.root)
    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)

    shards = run_shards(world, range(1, SHARDS + 1))
    for index, job in enumerate(shards, start=1):
        assert job.returncode == 0, job.shown()
        mine = sum(1 for i in ids if assign(ids, SHARDS)[i] == index)
        assert f"recorded {2 * mine} trial(s) (2 per datapoint) of shard {index}/{SHARDS}" in job.stdout, job.shown()
    [again] = run_shards(world, [2], attempt="2")  # "Re-run failed jobs": nothing is missing, nothing is added
    assert again.returncode == 0, again.shown()
    assert f"recorded 0 trial(s) (2 per datapoint) of shard 2/{SHARDS}" in again.stdout, again.shown()

    with backend_client(world) as hh:
        report = run_job(world, "report", inputs={"mode": "report", "shard": f"{SHARDS}/{SHARDS}"})
        assert report.returncode == 1, report.shown()
        unsharded = run_job(world, "unsharded", inputs={"mode": "all", "comment-mode": "off"}, run_id="9102")
        assert unsharded.returncode == 1, unsharded.shown()
        for run in (run_id, unsharded.outputs["run-id"]):
            sessions = run_events(hh, run, "session")
            trials = sorted((s["metadata"]["datapoint_id"], s["metadata"]["trial"]) for s in sessions)
            assert trials == sorted((i, t) for i in ids for t in (0, 1)), "every datapoint twice, each trial once"
            assert len(stored_run(hh, run)["event_ids"]) == 2 * len(ids)
        sharded_summary, single_summary = run_summary(hh, run_id), run_summary(hh, unsharded.outputs["run-id"])
        assert comparable(sharded_summary) == comparable(single_summary)
        assert sharded_summary["trials"] == single_summary["trials"] == 2
    for output in ("verdict", "passed", "failed"):
        assert report.outputs[output] == unsharded.outputs[output], output
    assert (report.outputs["verdict"], report.outputs["passed"], report.outputs["failed"]) == ("fail", "20", "2")


def test_the_report_job_fails_on_an_evaluator_a_shard_saw_raise_and_says_the_unpriced_calls_as_one_job_does(
    world: World,
) -> None:
    """The report job ran no datapoint: it reads back from their sessions what the shards recorded there. The
    errors of an evaluator that raised in a shard: never a green check over them. The calls to a model without a
    price: said as one unsharded job says them. (One sharded run for both: neither changes what the other reads.)"""
    app = world.root / "support_bot" / "app.py"
    app.write_text(app.read_text() + UNPRICED_CALL)
    add_evaluator(
        world.root,
        "cites_policy",
        "def cites_policy(outputs, inputs, ground_truth=None):\n"
        "    if (ground_truth or {}).get('topic') == 'refund':\n"
        "        raise KeyError('citations')\n"
        "    return 1.0\n",
    )

    for job in run_shards(world, range(1, SHARDS + 1)):
        assert job.returncode == 0, job.shown()  # a shard records; the report job judges
    report = run_job(world, "report", inputs={"mode": "report", "shard": f"{SHARDS}/{SHARDS}"})

    assert report.returncode == 1, report.shown()
    assert report.outputs["verdict"] == "fail"
    written = json.loads((world.root / report.outputs["report-path"]).read_text(encoding="utf-8"))
    assert any("cites_policy" in reason for reason in written["reasons"]), written["reasons"]
    (metric,) = [m for m in written["metrics"] if m["name"] == "cites_policy"]
    assert metric["errored"] == 2, metric  # the two refund questions
    # where in the evaluator it was raised, as the shard that ran it recorded it
    lines = (world.root / "support_bot" / "evaluators.py").read_text(encoding="utf-8").splitlines()
    assert metric["error"] == f"KeyError at support_bot/evaluators.py:{len(lines) - 1}: 'citations'"
    raised = [e for e in written["datapoints"]["errored"] if e["evaluator"] == "cites_policy"]
    assert len(raised) == 2

    unsharded = run_job(world, "unsharded", inputs={"mode": "all", "comment-mode": "off"}, run_id="9102")
    note = "cost excludes 22 calls to unpriced model my-ft-model"
    assert note in unsharded.summary, unsharded.shown()
    assert note in report.summary, report.shown()


# ------------------------------------------------------------------------- jobs that would make the run otherwise


def shard_of(ids: list[str], index: int, total: int) -> list[str]:
    return [i for i in ids if assign(ids, total)[i] == index]


def test_the_report_job_refuses_other_trials_than_the_shards_and_keeps_what_they_recorded(world: World) -> None:
    """Shards run with ``trials: 2`` (the input, on the matrix job only): a report job without it would wait for
    one trial per datapoint and judge half a run as "1 trial". It is refused at once, naming both values; the
    report job given the same trials completes the run without dropping the shards' trials or shard count."""
    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)
    ids = dataset_ids(world.root)
    for index in (1, 2):
        job = run_job(world, f"shard-{index}", inputs={"mode": "run", "shard": f"{index}/2", "trials": "2"})
        assert job.returncode == 0, job.shown()

    refused = run_job(world, "report-1-trial", inputs={"mode": "report", "shard": "2/2"})
    assert refused.returncode == 2, refused.shown()
    assert refused.outputs["verdict"] == "error"
    assert f"run {run_id} was started with trials 2 (this job: 1)" in refused.summary, refused.summary
    assert "never reached HoneyHive" not in refused.summary

    judged = run_job(world, "report-2-trials", inputs={"mode": "report", "trials": "2"})  # no shard: n unknown
    assert judged.returncode == 0, judged.shown()
    assert judged.outputs["run-id"] == run_id
    with backend_client(world) as hh:
        run = stored_run(hh, run_id)
        assert run["status"] == "completed"
        assert run["configuration"]["trials"] == 2
        assert run["metadata"]["shards"] == 2, "the report job without shard keeps the shards' count"
        assert len(run["event_ids"]) == 2 * len(ids)


def test_the_report_refuses_a_run_with_a_datapoint_scored_twice_or_one_of_another_dataset(world: World) -> None:
    """Two jobs that both ran a datapoint (the same shard twice in the matrix, at the same time) leave two scored
    function spans in its session, and the backend aggregates both; a session of a datapoint outside the dataset
    would be judged as part of it. Either is made here through the backend's API, as a job would leave it: the
    report is an error naming the datapoints, never a green check over 23 values for 22 datapoints."""
    ids = dataset_ids(world.root)
    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)
    for index in (1, 2):
        job = run_job(world, f"shard-{index}", inputs={"mode": "run", "shard": f"{index}/2"})
        assert job.returncode == 0, job.shown()
    with backend_client(world) as hh:
        chains = [c for c in run_events(hh, run_id, "chain") if c["parent_id"] in (None, c["session_id"])]
        assert len(chains) == len(ids)
        twice = chains[0]
        fields = ("event_type", "event_name", "inputs", "outputs", "session_id", "parent_id", "metadata", "metrics")
        copy = {k: twice[k] for k in fields if twice.get(k) is not None} | {"event_id": str(uuid.uuid4())}
        assert hh.post("/v1/events", json=copy).status_code == 200
        stray = {
            "session_id": str(uuid.uuid4()),
            "session_name": EXPERIMENT,
            "source": "evaluation",
            "inputs": {"question": "from another dataset"},
            "metadata": {"run_id": run_id, "datapoint_id": "EXT-0000000000stray", "dataset_id": "EXT-other"},
        }
        assert hh.post("/v1/sessions", json=stray).status_code == 200

    report = run_job(world, "report", inputs={"mode": "report", "shard": "2/2"})
    assert report.returncode == 2, report.shown()
    assert report.outputs["verdict"] == "error"
    said = f"1 datapoint(s) ({twice['metadata']['datapoint_id']}) scored more than once"
    assert said in report.summary, report.summary
    assert "1 datapoint(s) (EXT-0000000000stray) outside this experiment's dataset" in report.summary
    with backend_client(world) as hh:
        assert stored_run(hh, run_id)["metadata"]["check"]["verdict"] == "error", "never a baseline"


def test_two_experiment_files_of_one_name_record_into_runs_of_their_own_and_a_job_of_other_terms_is_refused(
    world: World,
) -> None:
    """A smoke experiment (``.honeyhive/smoke.yml``, another dataset, the same ``name``) run in the same workflow
    run as the sharded one: each experiment file has its own shared run, so the report judges its own 22
    datapoints, not 27. Between the two shard jobs, jobs of another shard count or other trials join the sharded
    run and are refused before they run anything."""
    ids = dataset_ids(world.root)
    rows = (world.root / DATASET).read_text().splitlines()[:5]
    smoke_rows = [row.replace('"question": "', '"question": "(smoke) ') for row in rows]
    (world.root / "data" / "smoke.jsonl").write_text("\n".join(smoke_rows) + "\n")
    config = world.root / ".honeyhive" / "experiment.yml"
    (world.root / ".honeyhive" / "smoke.yml").write_text(config.read_text().replace(DATASET, "data/smoke.jsonl"))

    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)
    smoke = run_job(world, "smoke", inputs={"mode": "run", "config": ".honeyhive/smoke.yml"})
    assert smoke.returncode == 0, smoke.shown()
    first = run_job(world, "shard-1", inputs={"mode": "run", "shard": "1/2"})
    assert first.returncode == 0, first.shown()

    # ``shard: 1/2`` beside ``shard: 1/1`` (a matrix edited in one place) would score shard 1's datapoints twice,
    # and a job with other trials would record a run of mixed trials: the job that joins second is refused, naming
    # both values, and records nothing
    whole = run_job(world, "shard-1-of-1", inputs={"mode": "run", "shard": "1/1"})
    assert whole.returncode == 2, whole.shown()
    assert f"run {run_id} was started with shard count 2 (this job: 1)" in whole.stdout, whole.shown()
    trials = run_job(world, "shard-2-of-2-trials", inputs={"mode": "run", "shard": "2/2", "trials": "3"})
    assert trials.returncode == 2, trials.shown()
    assert f"run {run_id} was started with trials 1 (this job: 3)" in trials.stdout, trials.shown()
    with backend_client(world) as hh:
        assert_each_datapoint_once(hh, run_id, shard_of(ids, 1, 2))  # the refused jobs added nothing

    second = run_job(world, "shard-2", inputs={"mode": "run", "shard": "2/2"})
    assert second.returncode == 0, second.shown()
    report = run_job(world, "report", inputs={"mode": "report", "shard": "2/2"})

    assert report.outputs["run-id"] == run_id
    assert smoke.outputs["run-id"] == shared_run_id(REPOSITORY, "9101", EXPERIMENT, ".honeyhive/smoke.yml") != run_id
    assert report.returncode == 0, report.shown()
    assert (report.outputs["passed"], report.outputs["failed"]) == ("22", "0")
    with backend_client(world) as hh:
        assert_each_datapoint_once(hh, run_id, ids)


def test_a_matrix_legs_shard_job_without_a_variant_finds_another_legs_datapoints_and_fails(world: World) -> None:
    """audit75 F3: a matrix over models whose shard jobs have no ``variant`` share one run, so the second leg found
    every datapoint "already there from an earlier attempt" (on attempt 1), recorded nothing and succeeded: its
    model was never evaluated, and its report judged the first leg's run, a false green. On a workflow run's first
    attempt no earlier attempt recorded them: the job fails, naming the variant. Given its variant, the leg's shard
    records into a run of its own."""
    world.keep_questions(3)
    shard = {"mode": "run", "shard": "1/1"}
    first = run_job(world, "shard-gpt", inputs=shard)
    assert first.returncode == 0, first.shown()
    run_id = first.outputs["run-id"]

    second = run_job(world, "shard-claude", inputs=shard)

    assert second.returncode == 2, second.shown()
    said = f"shard 1/1: all it had to record (3 session(s)) was already in run {run_id} on this workflow run's first"
    assert said in second.stdout, second.shown()
    assert "give each leg of a matrix its own (variant: ${{ matrix.<x> }}" in second.stdout, second.shown()
    # a re-run of the job (attempt 2) is what "already there" is for: it succeeds, recording nothing twice
    again = run_job(world, "shard-gpt-attempt-2", inputs=shard, attempt="2")
    assert again.returncode == 0, again.shown()
    assert "(3 already there from an earlier attempt, 0 failed)" in again.stdout, again.shown()
    own = run_job(world, "shard-claude-variant", inputs={**shard, "variant": "claude"})
    assert own.returncode == 0, own.shown()
    assert own.outputs["run-id"] == shared_run_id(REPOSITORY, PR_RUN, EXPERIMENT, CONFIG, "claude") != run_id
    assert "recorded 3 datapoint(s) of shard 1/1" in own.stdout, own.shown()


def test_a_retry_step_is_told_to_rerun_the_job_and_a_runner_without_an_attempt_records_only_what_is_missing(
    world: World,
) -> None:
    """audit78 F9: a retry step of a shard job (nick-fields/retry, a second step ``if: failure()``) after a try that
    recorded every datapoint and then failed is on the same workflow run attempt, so it finds all recorded as a matrix
    leg without a variant does (audit75 F3, still an error): the error names the retry too, and says to re-run the
    job from GitHub. A runner that sets no ``GITHUB_RUN_ATTEMPT`` (one emulating Actions) is on an unknown attempt,
    not the first: finding all recorded there is a re-run's, which succeeds recording nothing twice."""
    world.keep_questions(3)
    shard = {"mode": "run", "shard": "1/1"}
    first = run_job(world, "shard-try-1", inputs=shard)  # a try that recorded all, then failed (a step timeout)
    assert first.returncode == 0, first.shown()

    retry = run_job(world, "shard-try-2", inputs=shard)

    assert retry.returncode == 2, retry.shown()
    assert "another job of it recorded it, or an earlier step of this job (a retry)" in retry.stdout, retry.shown()
    assert "re-run the job from GitHub instead (Re-run failed jobs)" in retry.stdout, retry.shown()
    unknown = run_job(world, "shard-no-attempt", inputs=shard, attempt="")  # GITHUB_RUN_ATTEMPT empty: unset
    assert unknown.returncode == 0, unknown.shown()
    assert unknown.outputs["run-id"] == first.outputs["run-id"], unknown.shown()
    assert "(3 already there from an earlier attempt, 0 failed)" in unknown.stdout, unknown.shown()


def test_a_report_job_without_its_legs_variant_names_the_variant_when_no_datapoint_arrived(world: World) -> None:
    """audit75 F3: the leg's shard jobs had ``variant: gpt``, its report job none, so it waited for a run nobody
    records into and asked "Did those shard jobs run and succeed?" (they had); its comment's "What to check" named
    the experiment file, trials and n but not the variant."""
    world.keep_questions(3)
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text().replace("ingestion: {timeout: 30}", "ingestion: {timeout: 1}"))
    assert "ingestion: {timeout: 1}" in config.read_text()
    shard = run_job(world, "shard-gpt", inputs={"mode": "run", "shard": "1/1", "variant": "gpt"})
    assert shard.returncode == 0, shard.shown()

    report = run_job(world, "report", inputs={"mode": "report", "shard": "1/1"})

    assert report.returncode == 2, report.shown()
    assert "3 of 3 datapoints never reached HoneyHive" in report.summary, report.summary
    assert "They record into it only with this job's experiment file and variant" in report.summary, report.summary
    [comment] = world.github.comments(PR)
    assert "did the shard jobs have this job's experiment file and `variant`?" in comment.body, comment.body


def test_a_shard_job_refuses_a_pinned_baseline_that_names_no_run_at_its_line_before_it_runs_anything(
    world: World,
) -> None:
    """A ``baseline.run_id`` of the experiment file that names no run is refused before a single-job run starts, at
    its line; shard jobs did not check it: each ran its whole slice of the user's code, and only the report job,
    once every shard had spent its budget, found the baseline was wrong. A shard job now refuses it as the single
    job does, recording nothing; pinned to a run that exists, the shards record and the report compares with it."""
    baseline_run = record_baseline(world)
    config = world.root / ".honeyhive" / "experiment.yml"
    text = config.read_text()
    line = text.count("\n") + 1
    missing = "00000000-0000-0000-0000-000000000000"
    config.write_text(f"{text}baseline: {{run_id: {missing}}}\n")
    run_id = shared_run_id(REPOSITORY, PR_RUN, EXPERIMENT, CONFIG)

    refused = run_job(world, "shard-1-missing-baseline", inputs={"mode": "run", "shard": "1/1"})
    assert refused.returncode == 2, refused.shown()
    said = f"baseline.run_id: baseline run {missing} does not exist in this HoneyHive project"
    assert f"::error file={CONFIG},line={line}" in refused.stdout, refused.shown()
    assert said in refused.stdout, refused.shown()
    with backend_client(world) as hh:
        assert hh.get(f"/v1/runs/{run_id}").status_code == 404, "nothing was recorded"

    config.write_text(f"{text}baseline: {{run_id: {baseline_run}}}\n")
    shard = run_job(world, "shard-1", inputs={"mode": "run", "shard": "1/1"})
    assert shard.returncode == 0, shard.shown()
    report = run_job(world, "report", inputs={"mode": "report", "shard": "1/1"})
    assert report.returncode == 0, report.shown()
    assert (report.outputs["run-id"], report.outputs["baseline-run-id"]) == (run_id, baseline_run)


@pytest.mark.parametrize("trials", [1, 2])
def test_a_shard_whose_spans_never_reached_honeyhive_fails_so_rerunning_it_repairs_the_run(
    world: World, trials: int
) -> None:
    """The OTLP export fails (every request answered 500): the shard's sessions exist, its scored function spans
    do not. The job ends in error, so "Re-run failed jobs" re-runs it, and the re-run scores them. With trials, the
    error counts datapoints, and their trials beside them (it said a datapoint's every trial as a datapoint)."""
    if trials > 1:
        config = world.root / CONFIG
        config.write_text(config.read_text() + f"trials: {trials}\n")
    ids = dataset_ids(world.root)
    mine = shard_of(ids, 2, SHARDS)
    run_id = shared_run_id(REPOSITORY, "9101", EXPERIMENT, CONFIG)
    traces = "/opentelemetry/v1/traces"
    with FaultProxy(
        world.backend.url, rate=1.0, kinds=(Fault.HTTP_500,), should_fault=lambda m, p: p == traces
    ) as proxy:
        lost = run_job(
            world, "shard-2-attempt-1", inputs={"mode": "run", "shard": f"2/{SHARDS}", "server-url": proxy.url}
        )
    assert lost.returncode == 2, lost.shown()
    counted = f"{len(mine)} datapoint(s)" + (f" ({len(mine) * trials} trials)" if trials > 1 else "")
    assert f"shard 2/{SHARDS}: {counted} of run {run_id} were not recorded" in lost.stdout, lost.shown()
    assert "re-run the job to record them" in lost.stdout

    [again] = run_shards(world, [2], attempt="2")
    assert again.returncode == 0, again.shown()
    recorded = f"{len(mine) * trials} trial(s) ({trials} per datapoint)" if trials > 1 else f"{len(mine)} datapoint(s)"
    assert f"recorded {recorded} of shard 2/{SHARDS}" in again.stdout, again.shown()
    with backend_client(world) as hh:  # each trial once: a session per datapoint and trial
        assert_each_datapoint_once(hh, run_id, [i for i in mine for _ in range(trials)])


def test_a_sharded_run_is_a_branch_baseline_once_its_report_job_stamped_its_verdict(world: World) -> None:
    """A shard job creates the shared run and the report job completes it, then judges it: a report job whose stamp
    the backend refused (GET /v1/runs/<id> answered 429, every retry too, once the run was completed) left a completed
    run that nothing said was unjudged, so a later push took it for main's latest passing run. It is completed with its
    check ``pending``: no baseline until a report job (its re-run) stamps a verdict. (Three questions, in this
    process, on pushes to main.)"""
    world.keep_questions(3)
    workflow_run_id, event = "9300", push(HEAD_SHA)
    run_id = shared_run_id(REPOSITORY, workflow_run_id, EXPERIMENT, CONFIG)
    shard = run_job(world, "shard", event=event, inputs={"mode": "run", "shard": "1/1"}, run_id=workflow_run_id)
    assert shard.returncode == 0, shard.shown()
    hh = backend_client(world)
    assert stored_run(hh, run_id)["metadata"]["check"] == {"verdict": "pending"}, "a shard job judges nothing"

    def the_stamps_read(method: str, path: str) -> bool:  # the report job reads the run before it completes it too
        return method == "GET" and path == f"/v1/runs/{run_id}" and proxy.routes[f"PUT /v1/runs/{run_id}"] > 0

    with FaultProxy(world.backend.url, rate=1.0, kinds=[Fault.HTTP_429], should_fault=the_stamps_read) as proxy:
        inputs = {"mode": "report", "shard": "1/1", "server-url": proxy.url}
        report = run_job(world, "report", event=event, inputs=inputs, run_id=workflow_run_id)
        assert proxy.counts[Fault.HTTP_429] > 0, "the stamp was never refused: this proves nothing"
    assert (report.returncode, report.outputs["verdict"]) == (0, "neutral"), report.shown()
    stored = stored_run(hh, run_id)
    assert (stored["status"], stored["metadata"]["check"]) == ("completed", {"verdict": "pending"})
    dataset = DatasetIdentity.of_run(ExperimentRun.model_validate(stored))
    assert branch_baseline(world, dataset) is None

    again = run_job(world, "report-again", event=event, inputs={"mode": "report"}, run_id=workflow_run_id, attempt="2")
    assert (again.returncode, again.outputs["verdict"]) == (0, "neutral"), again.shown()
    assert stored_run(hh, run_id)["metadata"]["check"]["verdict"] == "neutral"
    assert branch_baseline(world, dataset) == run_id


def branch_baseline(world: World, dataset: DatasetIdentity) -> str | None:
    """The run the branch rule takes on main for the quickstart's experiment (its latest passing run), if any."""
    with HoneyHiveClient(world.backend.url, API_KEY) as hh:
        query = BaselineQuery(
            experiment=EXPERIMENT,
            dataset_id=dataset,
            policy=BaselineConfig(strategy=BaselineStrategy.BRANCH),
            base_branch="main",
            now=datetime.now(UTC),
            config_file=CONFIG,
            repository=REPOSITORY,
        )
        chosen = choose_baseline(hh, query, ancestry=lambda commit, of: None)
    return chosen.run.run_id if chosen is not None else None

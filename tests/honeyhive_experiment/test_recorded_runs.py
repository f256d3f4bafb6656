"""``view RUN_ID`` and ``mode: publish`` judge a run recorded earlier, named by an id a user typed or a pull request
wrote (report.json): only a run id reaches the backend's routes, and only a completed run is judged. They, and the
``mode: report`` job after sharded runs, read what the jobs that ran the datapoints held from the backend.

``view`` runs in process (``main([...])``) on a copy of the quickstart against ``honeyhive_local``, the action
(``main(["action"])``) with the environment GitHub gives it and the fake GitHub REST server; the client's own
guards are checked through the ``hh`` client and, for an answer a real server never gives, a rewriting proxy.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import stat
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from honeyhive_experiment import HoneyHiveClient, flow
from honeyhive_experiment.cli import main
from honeyhive_experiment.config import load_config
from honeyhive_experiment.errors import ApiError, ArgumentError, ExperimentError
from honeyhive_experiment.experiment import evaluate
from honeyhive_experiment.models import ExperimentRun
from honeyhive_experiment.models.outcomes import OutcomeStatus
from honeyhive_experiment.results import recorded_outcomes
from honeyhive_experiment.run_result import ExperimentResult
from honeyhive_experiment.user_code import in_repository, load_user_code
from honeyhive_local import LocalBackend
from honeyhive_local.app import Project
from tests.conftest import API_KEY
from tests.fakes.actions_runner import (
    BASE_SHA,
    HEAD_REF,
    HEAD_SHA,
    PR,
    REPOSITORY,
    RUN_ID,
    Event,
    Step,
    pull_request,
    push,
    run_action,
    workflow_run,
)
from tests.fakes.github_server import FakeGitHub
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.quickstart import add_evaluator, copy_quickstart, init_repository, set_answers, stricter_twin

pytestmark = pytest.mark.integration

A_RUN = "ab54d2f5-0d57-4340-a740-d4f602929bab"  # a literal: xdist workers must collect the same ids
NOT_RUN_IDS = ["../runs", f"{A_RUN}/", f"{A_RUN}/summary", "..", f"{A_RUN}?status=completed"]


# ------------------------------------------------------------------------------------------- run ids


def test_view_compares_a_run_with_its_own_repositorys_runs_only(
    backend: LocalBackend, hh: HoneyHiveClient, tmp_path: Path
) -> None:
    """``view`` outside Actions knows no repository of its own: a run it judges is compared with runs of the
    repository the run was made in, never another's run of the same experiment file and dataset path (under another
    dataset id), though that one is newer at the same commit of a main of its own."""
    root = copy_quickstart(tmp_path / "repo", questions=1)
    head = init_repository(root)
    config = ".honeyhive/experiment.yml"

    def record(repository: str, dataset_id: str) -> str:
        run_id = str(uuid.uuid4())
        ci = {"branch": "main", "sha": head, "event": "push", "repository": repository, "config_file": config}
        stamp = {"path": "data/questions.jsonl", "config": config}
        metadata = {"ci": ci, "offline_dataset_id": dataset_id, "dataset": stamp}
        hh.create_run({"run_id": run_id, "name": "support-bot-quickstart", "status": "completed", "metadata": metadata})
        return run_id

    ours = record(REPOSITORY, "EXT-0000000000000001")
    theirs = record("other/bot", "EXT-0000000000000002")
    viewed = record(REPOSITORY, "EXT-0000000000000001")  # no check stamped: the baseline rules pick its baseline

    main(["view", viewed, "--no-open", "-C", str(root)], environ={"HH_API_KEY": API_KEY, "HH_API_URL": backend.url})

    page = (root / ".honeyhive" / f"report.{viewed}.html").read_text(encoding="utf-8")
    assert ours in page
    assert theirs not in page


@pytest.mark.parametrize("run_id", NOT_RUN_IDS)
def test_view_of_something_other_than_a_run_id_names_the_argument(
    quickstart: Path, capsys: pytest.CaptureFixture[str], run_id: str
) -> None:
    """``view ../runs`` reached GET /v1/runs, the list, and crashed on its answer (KeyError: 'evaluation'); a
    trailing slash got "HTTP 307: response is not JSON"."""
    assert main(["view", run_id, "--no-open", "-C", str(quickstart)], environ={}) == 2
    assert f"error: RUN_ID: {run_id!r} is not a run id" in capsys.readouterr().err


def test_the_client_puts_no_path_into_a_runs_route(hh: HoneyHiveClient) -> None:
    calls: list[Callable[[str], object]] = [
        lambda bad: hh.get_run(bad),
        lambda bad: hh.update_run(bad, {"status": "completed"}),
        lambda bad: hh.get_run_result(bad),
        lambda bad: hh.get_run_metrics(bad),
        lambda bad: hh.compare_runs(bad, A_RUN),
        lambda bad: hh.compare_runs(A_RUN, bad),
    ]
    for call in calls:
        for bad in NOT_RUN_IDS:
            with pytest.raises(ArgumentError, match="is not a run id"):
                call(bad)


def _without_the_run(method: str, path: str, body: Any) -> Any:
    return {k: v for k, v in body.items() if k != "evaluation"} if isinstance(body, dict) else body


def test_an_answer_without_the_run_object_is_an_api_error_naming_the_route(backend: LocalBackend) -> None:
    """A KeyError before: the caller could only call it "unexpected"."""
    with HoneyHiveClient(backend.url, API_KEY) as direct:
        direct.create_run({"run_id": A_RUN, "name": "answer-shapes", "status": "completed"})
    with (
        FaultProxy(backend.url, rate=0, rewrite=_without_the_run) as proxy,
        HoneyHiveClient(proxy.url, API_KEY) as client,
        pytest.raises(ApiError, match=f"GET /v1/runs/{A_RUN} .*no run object"),
    ):
        client.get_run(A_RUN)


@pytest.mark.parametrize(("answer", "what"), [(None, "null"), ([], "an array"), (3, "3"), ("x", "a string")])
def test_an_answer_that_is_json_but_no_object_is_an_api_error_naming_the_route(
    backend: LocalBackend, answer: Any, what: str
) -> None:
    """A ``null`` summary or comparison was "unexpected TypeError: 'NoneType' object is not iterable": a bug, as far
    as the user could tell, and no route named. Every route answers an object (the API spec)."""
    with HoneyHiveClient(backend.url, API_KEY) as direct:
        direct.create_run({"run_id": A_RUN, "name": "answer-shapes", "status": "completed"})
    route = f"/v1/runs/{A_RUN}"
    calls: list[tuple[str, Callable[[HoneyHiveClient], object]]] = [
        (f"{route}/summary", lambda client: client.get_run_summary(A_RUN)),
        (f"{route}/summary", lambda client: client.get_run_result(A_RUN)),
        (f"{route}/compare/{A_RUN}", lambda client: client.compare_runs(A_RUN, A_RUN)),
        (f"{route}/metrics", lambda client: client.get_run_metrics(A_RUN)),
        (route, lambda client: client.get_run(A_RUN)),
    ]
    with (
        FaultProxy(backend.url, rate=0, rewrite=lambda method, path, body: answer) as proxy,
        HoneyHiveClient(proxy.url, API_KEY) as client,
    ):
        for path, call in calls:
            with pytest.raises(ApiError) as raised:
                call(client)
            assert str(raised.value) == f"GET {path} failed with HTTP 200: the answer is {what}, not a JSON object"


# ---------------------------------------------------------------------------------------- unfinished runs

EXPERIMENT_KEY = "hh-recorded-runs-key-0123456789"


@dataclass
class World:
    """The quickstart cut to six questions (``root``), the backend, and the fake GitHub with pull request ``PR``."""

    root: Path
    backend: LocalBackend
    github: FakeGitHub

    def action(
        self,
        step: str,
        inputs: dict[str, str],
        *,
        root: Path | None = None,
        event: Event | None = None,
        secrets: dict[str, str] | None = None,
        run_id: str = RUN_ID,
        attempt: str = "1",
    ) -> tuple[int, Step]:
        """The action with ``inputs`` (and ``secrets`` in its environment), in process, as one job's step (the pull
        request's by default, in ``root``; of workflow run ``run_id``, its ``attempt``): its exit code, and the step
        for its files."""
        ran = Step(self.root.parent / "steps" / step, event or pull_request())
        given = {"api-key": EXPERIMENT_KEY, "server-url": self.backend.url, "github-token": self.github.token}
        env = ran.env(
            root or self.root, {**given, **inputs}, api_url=self.github.api_url, run_id=run_id, attempt=attempt
        )
        return main(["action"], environ={**env, **(secrets or {})}), ran

    def view(self, *args: str, url: str | None = None) -> int:
        """``view`` with ``args`` (a run id, flags) in ``root``, against the backend (or ``url``, a proxy to it)."""
        return main(
            ["view", *args, "--no-open", "-C", str(self.root)],
            environ={"HH_API_KEY": EXPERIMENT_KEY, "HH_API_URL": url or self.backend.url},
        )

    def client(self) -> HoneyHiveClient:
        return HoneyHiveClient(self.backend.url, EXPERIMENT_KEY)

    def publisher(self, name: str, report: dict[str, Any], file: str = "report.json") -> Path:
        """A publish job's workspace: the default branch's config and code, and ``report`` as its ``.honeyhive/``
        ``file`` (the default experiment file's report.json, or another's)."""
        root = copy_quickstart(self.root.parent / name, leave_out=("*.jsonl",))
        (root / ".honeyhive" / file).write_text(json.dumps(report), encoding="utf-8")
        return root


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with (
        LocalBackend(":memory:", EXPERIMENT_KEY) as backend,
        FakeGitHub(repository=REPOSITORY) as github,
    ):
        github.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF)
        yield World(copy_quickstart(tmp_path / "repo", questions=6), backend, github)


def _half_recorded(world: World) -> str:
    """The run shard 1 of 2 records and leaves ``running`` for its report job: some of the datapoints."""
    code, shard = world.action("shard-1", {"mode": "run", "shard": "1/2"})
    assert code == 0, shard.summary()
    run_id = shard.outputs()["run-id"]
    with world.client() as hh:
        assert 0 < hh.count_sessions(run_id) < 6
        assert hh.get_run(run_id)["status"] == "running"
    return run_id


def test_view_of_a_run_still_recording_or_cancelled_says_so_instead_of_a_verdict(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sharded run half recorded read "✅ Passed · 3 of 3 datapoints passed"; a cancelled one "❌ Failed", its
    datapoints blamed on the evaluator. A cancelled run is not said to need a re-run, as a failed one is (it was told
    to re-run the experiment: the old code fails the assertion on what is kept)."""
    run_id = _half_recorded(world)
    capsys.readouterr()
    assert world.view(run_id) == 2
    err = capsys.readouterr().err
    assert f"error: RUN_ID: run {run_id} is still running, not completed: wait until it completes, then view" in err
    assert not list((world.root / ".honeyhive").glob("report.*.html"))

    with world.client() as hh:
        hh.update_run(run_id, {"status": "cancelled"})
    assert world.view(run_id) == 2
    err = capsys.readouterr().err
    assert f"error: RUN_ID: run {run_id} is cancelled, not completed:" in err
    assert "; what it recorded before it was cancelled is kept" in err, err  # cancelled on purpose: nothing to re-run
    assert "re-run" not in err

    with world.client() as hh:
        hh.update_run(run_id, {"status": "failed"})
    assert world.view(run_id) == 2
    err = capsys.readouterr().err
    assert f"error: RUN_ID: run {run_id} is failed, not completed:" in err
    assert "; re-run the experiment" in err


def test_view_without_a_run_id_shows_the_newest_completed_run_and_says_a_newer_one_is_not(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """``view`` with no RUN_ID took the newest run whatever its status: a run still recording, or cancelled, newer
    than a completed one, made view refuse ("is cancelled, not completed"). The newest completed run is viewed, and
    the newer one is named."""
    code, ran = world.action("complete", {"mode": "all"})
    assert code == 0, ran.summary()
    completed = ran.outputs()["run-id"]
    newer = _half_recorded(world)
    page = world.root / ".honeyhive" / f"report.{completed}.html"
    for status in ("running", "cancelled"):
        if status == "cancelled":
            with world.client() as hh:
                hh.update_run(newer, {"status": "cancelled"})
        capsys.readouterr()
        assert world.view() == 0, capsys.readouterr().err
        viewed = capsys.readouterr()
        assert viewed.out.strip() == str(page)
        assert f"viewing run {completed}, the newest completed run of .honeyhive/experiment.yml" in viewed.err
        assert f"run {newer} is {status}, not completed" in viewed.err


def test_view_of_a_run_id_typed_in_upper_case_shows_that_run(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """Run ids are UUIDs, whose hex digits ignore case: ``view A75AFF86-…`` said there was no such run."""
    code, ran = world.action("complete", {"mode": "all"})
    assert code == 0, ran.summary()
    run_id = ran.outputs()["run-id"]
    capsys.readouterr()
    assert world.view(run_id.upper()) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip() == str(world.root / ".honeyhive" / f"report.{run_id}.html")


def _null_summary(method: str, path: str, body: Any) -> Any:
    return None if path.split("?", 1)[0].endswith("/summary") else body


def test_an_error_after_the_run_was_recorded_names_the_run_and_publish_does_not_judge_it_again(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """An error once the run existed (here the backend's summary of it is ``null``) left report.json's ``run.id``
    null, the comment's marker ``run=-`` and the ``run-id`` output empty: the run, recorded and stamped error, could
    not be found from what the job left."""
    with FaultProxy(world.backend.url, rate=0, rewrite=_null_summary) as proxy:
        code, ran = world.action("errored", {"mode": "all", "server-url": proxy.url})
    assert code == 2, ran.summary()
    run_id = ran.outputs()["run-id"]
    report = _report_json(world.root)
    assert (report["verdict"], report["run"]["id"]) == ("error", run_id)
    assert f"{run_id}/summary failed with HTTP 200: the answer is null, not a JSON object" in report["error"]
    [comment] = world.github.comments(PR)
    assert f"run={run_id} -->" in comment.body
    with world.client() as hh:
        assert hh.get_run(run_id)["metadata"]["check"]["verdict"] == "error"

    # the check said error: a publish job must not judge the run again into another verdict (the backend's summary
    # answers now), as it did not when report.json named no run
    publisher = world.publisher("publisher", report)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    assert f"refusing to publish: run {run_id}'s check ended in an error" in published.summary()
    capsys.readouterr()


def test_publish_refuses_forged_rules_in_a_message_of_bounded_length(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rules with a key of 100,000 characters written into the run's metadata (anyone who can write the run can):
    publish refused them, quoting the key whole in its message, a 200 kB line of the log and a summary whose clip
    kept only the key, not why."""
    assert world.action("run", {"mode": "all", "comment-mode": "off"})[0] == 0
    report = _report_json(world.root)
    hostile = "a.b ::error title=x::forged " + "Z" * 100_000
    with world.client() as hh:
        metadata = hh.get_run(report["run"]["id"])["metadata"]
        metadata["check"]["rules"] = {"gate": {hostile: {"max_drop": 1}}}
        hh.update_run(report["run"]["id"], {"metadata": metadata})
    capsys.readouterr()
    publisher = world.publisher("publisher", report)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    said = capsys.readouterr()
    assert code == 2, published.summary()
    assert "check recorded rules that are not valid" in published.summary()
    for text in (said.out, said.err, published.summary()):
        assert "Z" * 1000 not in text
        assert len(text) < 20_000, len(text)


@pytest.mark.parametrize("where", ["run.id", "baseline.run_id", "the stamped baseline"])
def test_publish_refuses_a_hostile_id_in_a_message_of_bounded_length(
    world: World, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """An id of 100,000 characters with a line break, a workflow command and colour codes in it: report.json's
    ``run.id`` was quoted whole (a 100 kB ``::error`` line), its ``baseline.run_id`` was never checked to be a run id
    and reached the log whole, raw escapes and all, as did a baseline stamped on the run (anyone who can write the
    run can); the summary's clip kept only the hostile value, not why. Each is quoted in part, and report.json's
    baseline refused as its run id is."""
    assert world.action("run", {"mode": "all", "comment-mode": "off"})[0] == 0
    report = _report_json(world.root)
    hostile = "\n::error title=x::forged \x1b[31mRED\x1b[0m " + "Z" * 100_000
    why = "is not a run id"
    if where == "run.id":
        report["run"]["id"] = hostile
    elif where == "baseline.run_id":
        report["baseline"] = {"run_id": hostile}
    else:
        why = "check was judged against ::error title=x::forged"
        with world.client() as hh:
            metadata = hh.get_run(report["run"]["id"])["metadata"]
            metadata["check"]["baseline_run_id"] = hostile
            hh.update_run(report["run"]["id"], {"metadata": metadata})
    capsys.readouterr()
    publisher = world.publisher("publisher", report)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    said = capsys.readouterr()
    assert code == 2, published.summary()
    assert why in published.summary(), published.summary()
    if where != "the stamped baseline":
        assert f"{where}: refusing to publish: '::error title=x::forged" in published.summary()
    assert world.github.writes == [], "a refused report posts nothing"
    for text in (said.out, said.err, published.summary()):
        assert "Z" * 1000 not in text
        assert "\x1b" not in text
        assert len(text) < 20_000, len(text)


def test_publish_refuses_a_report_json_too_large_to_read(world: World) -> None:
    """report.json comes from the pull request's artifact: one of 64 MiB and a byte was read whole into memory (and
    refused as "not JSON"). Refused by its size, read no further (a sparse file: no 64 MiB written)."""
    publisher = world.publisher("publisher", {})
    with (publisher / ".honeyhive" / "report.json").open("r+b") as file:
        file.truncate(64 * 1024 * 1024 + 1)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    assert code == 2, published.summary()
    assert (
        ".honeyhive/report.json: refusing to publish: it is more than the 64 MiB publish reads of a report.json"
    ) in published.summary(), published.summary()
    assert world.github.writes == [], "a refused report posts nothing"


@pytest.mark.parametrize("kind", ["a named pipe", "a device"])
def test_publish_refuses_a_report_json_that_is_no_regular_file_without_reading_it(world: World, kind: str) -> None:
    """report.json a named pipe (or a device, a copy of /dev/zero): its size, 0, was under the limit, so publish read
    it, waiting for a writer for ever or reading zeros until memory ran out. Refused as what it is, unread. In a
    process of its own, so the old code's hang is a timeout, not a stuck test."""
    publisher = world.publisher("publisher", {})
    report = publisher / ".honeyhive" / "report.json"
    report.unlink()
    if kind == "a named pipe":
        os.mkfifo(report)
    else:
        try:
            os.mknod(report, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # /dev/zero's
        except PermissionError:
            pytest.skip("only root may make a device node")
    step = Step(world.root.parent / "steps" / "publish", workflow_run(HEAD_SHA))
    given = {"api-key": EXPERIMENT_KEY, "server-url": world.backend.url, "github-token": world.github.token}

    done = run_action(
        step.env(publisher, {**given, "mode": "publish"}, api_url=world.github.api_url), publisher, timeout=60
    )

    assert done.returncode == 2, done.stdout + done.stderr
    assert f".honeyhive/report.json: is {kind}: give a regular file path" in step.summary(), step.summary()
    assert world.github.writes == [], "a refused report posts nothing"


def _null_comparison(method: str, path: str, body: Any) -> Any:
    return None if "/compare/" in path.split("?", 1)[0] else body


def test_view_of_a_run_whose_check_ended_in_an_error_says_so_and_compares_it_with_a_baseline(
    backend: LocalBackend, hh: HoneyHiveClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run whose check ended in an error (here the backend's comparison with its baseline is ``null``) is stamped
    error, without rules or baseline: ``view`` said "Run X's check recorded no rules (an older honeyhive-experiment
    judged it)", and "⚪ Neutral · no baseline run to compare with yet" though the check had one. It says the check
    ended in an error, and compares the run with the baseline the rules pick now, as for a run no check judged."""
    root = copy_quickstart(tmp_path / "repo", questions=4)
    run = ["run", "--dry-run", "--no-html", "-C", str(root)]
    assert main(run, environ={"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}) == 0, capsys.readouterr().err
    [first] = [r["run_id"] for r in hh.iter_runs(name="support-bot-quickstart")]
    with FaultProxy(backend.url, rate=0, rewrite=_null_comparison) as proxy:
        assert main(run, environ={"HH_API_KEY": API_KEY, "HH_API_URL": proxy.url}) == 2
    [errored] = [r["run_id"] for r in hh.iter_runs(name="support-bot-quickstart") if r["run_id"] != first]
    assert hh.get_run(errored)["metadata"]["check"] == {"verdict": "error"}
    capsys.readouterr()

    environ = {"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}
    assert main(["view", errored, "--no-open", "-C", str(root)], environ=environ) == 0, capsys.readouterr().err
    said = html.unescape((root / ".honeyhive" / f"report.{errored}.html").read_text(encoding="utf-8"))
    assert (
        f"Run {errored}'s check ended in an error, so it has no verdict: its job says why. .honeyhive/experiment.yml's"
        " gates and verdict rules judge it here, against the baseline the baseline rules pick now."
    ) in said
    assert "recorded no rules" not in said
    assert "no baseline" not in said
    assert f"({first};" in said  # the baseline named, compared with
    assert re.search(r'class="verdict verdict-(\w+)"', said)[1] == "pass"  # type: ignore[index]


@pytest.mark.parametrize("named", ["a path", "a run still recording", "a run HoneyHive does not have"])
def test_publish_refuses_a_report_json_naming_no_run_id_or_a_run_not_completed(
    world: World, capsys: pytest.CaptureFixture[str], named: str
) -> None:
    """report.json is the pull request's to write: ``run.id`` ../runs got "unexpected KeyError", a run of the
    pull request's still recording was judged on what it held (a pass), and a run id HoneyHive answered 404 for
    (another project's run, a forged id) posted an error comment over the pull request's result comment."""
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert code == 0, recorded.summary()
    report = json.loads((world.root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))
    if named == "a path":
        run_id, expected = "../runs", "run.id: refusing to publish: '../runs' is not a run id"
    elif named == "a run HoneyHive does not have":
        run_id = str(uuid.uuid4())
        expected = f"run.id: refusing to publish: HoneyHive has no run {run_id} in the api-key's project"
    else:
        run_id = _half_recorded(world)  # the same pull request's, at the same commit
        expected = f"run.id: refusing to publish: run {run_id} is still running, not completed: wait until it completes"

    forged = world.publisher("publisher", {**report, "run": {**report["run"], "id": run_id}})
    code, published = world.action("publish", {"mode": "publish"}, root=forged, event=workflow_run(HEAD_SHA))
    assert code == 2, published.summary()
    assert published.outputs()["verdict"] == "error"
    assert expected in published.summary(), published.summary()
    assert world.github.writes == [], "a refused report posts nothing"
    capsys.readouterr()


@pytest.mark.parametrize("made_for", ["another pull request", "no pull request"])
def test_publish_refuses_a_report_json_made_for_another_pull_request_or_none(world: World, made_for: str) -> None:
    """report.json is the pull request's to write: one that names another pull request (its run a real, completed
    run of this one) must never be posted on the pull request the triggering workflow run belongs to, nor one that
    names none."""
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert code == 0, recorded.summary()
    report = json.loads((world.root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))
    if made_for == "another pull request":
        pr_number, expected = PR + 1, f"report.json is for pull request #{PR + 1}, but the triggering workflow run"
        expected += f" belongs to [{PR}]"
    else:
        pr_number, expected = None, "it names no run, pull request or head commit"

    forged = world.publisher("publisher", {**report, "run": {**report["run"], "pr_number": pr_number}})
    code, published = world.action("publish", {"mode": "publish"}, root=forged, event=workflow_run(HEAD_SHA))

    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    assert f"refusing to publish: {expected}" in published.summary(), published.summary()
    assert world.github.writes == [], "a refused report posts nothing"


@pytest.mark.parametrize(("name", "what"), [("json", "report.published.json"), ("html", "the HTML report")])
def test_publish_refuses_a_published_report_at_a_fifo_before_reading_the_run(
    world: World, name: str, what: str
) -> None:
    """report.published.json (or .html) a named pipe: the publish job judged the run, then wrote into the pipe and
    waited for a reader for ever, SIGTERM too (only --report, --html and the runner's files were tried as pipes). In
    a process of its own, so the old code's hang is a timeout, not a stuck test."""
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert code == 0, recorded.summary()
    publisher = world.publisher("publisher", _report_json(world.root))
    fifo = publisher / ".honeyhive" / f"report.published.{name}"
    os.mkfifo(fifo)
    step = Step(world.root.parent / "steps" / "publish", workflow_run(HEAD_SHA))
    given = {"api-key": EXPERIMENT_KEY, "server-url": world.backend.url, "github-token": world.github.token}
    env = step.env(publisher, {**given, "mode": "publish"}, api_url=world.github.api_url)

    done = run_action(env, publisher, timeout=60)

    assert done.returncode == 2, done.stdout + done.stderr
    shown = f".honeyhive/report.published.{name}"  # from the workspace, not the runner's path (it said {fifo})
    assert f"::error::{what} ({shown}) is a named pipe: give a regular file path" in done.stdout, done.stdout
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert world.github.writes == []


ARTIFACT = "honeyhive-artifact/report.json"  # where publish.yml downloads the run job's artifact, and its report input


def test_publish_reads_the_report_its_report_input_names_and_the_default_branchs_experiment_file(world: World) -> None:
    """publish.yml downloaded the run job's artifact into .honeyhive/ of the default branch's checkout: the pull
    request's workflow uploads it, so an experiment.yml in it replaced the default branch's (its name, its comment
    settings, the rules of a run no check judged), and no input could name the report anywhere else. Now the artifact
    goes into a folder of its own, which the ``report`` input names; the default branch's file is the one read."""
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert code == 0, recorded.summary()
    publisher = world.publisher("publisher", _report_json(world.root))
    default_branchs = (publisher / ".honeyhive" / "experiment.yml").read_text(encoding="utf-8")
    (publisher / ".honeyhive" / "report.json").unlink()  # nothing is downloaded there any more
    artifact = publisher / ARTIFACT
    artifact.parent.mkdir()
    artifact.write_text(json.dumps(_report_json(world.root)), encoding="utf-8")
    forged = default_branchs.replace("comment: {max_datapoints: 10}", "comment: {title: Forged by the pull request}")
    (artifact.parent / "experiment.yml").write_text(forged, encoding="utf-8")  # the pull request's choice of files

    code, published = world.action(
        "publish", {"mode": "publish", "report": ARTIFACT}, root=publisher, event=workflow_run(HEAD_SHA)
    )

    assert code == 0, published.summary()
    [comment] = world.github.comments(PR)
    assert recorded.outputs()["run-id"] in comment.body
    assert "Forged" not in comment.body
    assert (publisher / ".honeyhive" / "experiment.yml").read_text(encoding="utf-8") == default_branchs
    assert published.outputs()["report-path"] == "honeyhive-artifact/report.published.json"
    assert (artifact.parent / "report.published.json").is_file()


@pytest.mark.parametrize("where", ["through a link", "outside the workspace"])
def test_publish_refuses_a_report_input_through_a_link_or_outside_the_workspace(
    world: World, tmp_path: Path, where: str
) -> None:
    """The ``report`` input is held to the workspace as ``working-directory`` is: nothing read or written elsewhere,
    nor through a symbolic link; said as the input's error, and nothing posted."""
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert code == 0, recorded.summary()
    publisher = world.publisher("publisher", _report_json(world.root))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.json").write_text(json.dumps(_report_json(world.root)), encoding="utf-8")
    if where == "through a link":
        (publisher / "honeyhive-artifact").symlink_to(elsewhere)
        named, said = ARTIFACT, f"honeyhive-artifact is a symbolic link (to {elsewhere})"  # from the workspace
    else:
        named, said = os.path.relpath(elsewhere / "report.json", publisher), "it leads outside the workspace"
    world.github.clear_requests()

    code, published = world.action(
        "publish", {"mode": "publish", "report": named}, root=publisher, event=workflow_run(HEAD_SHA)
    )

    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    assert f"report: refusing to read or write {named}: {said}" in published.summary(), published.summary()
    assert world.github.writes == []
    assert sorted(path.name for path in elsewhere.iterdir()) == ["report.json"], "nothing written there"


@pytest.mark.parametrize("refused", ["a run still recording", "another workflow run's run"])
def test_publish_refusals_are_annotated_on_the_report_file_the_step_read(
    world: World, capsys: pytest.CaptureFixture[str], refused: str
) -> None:
    """The ``report`` input named honeyhive-artifact/report.json, but a refusal of the run it names (not completed,
    not this workflow run's) said ``::error::report.json: …``: a file the job never read, on no file of the
    workspace; the annotation is now on the file the step read."""
    if refused == "a run still recording":
        run_id, expected = _half_recorded(world), "is still running, not completed"
    else:
        code, other = world.action("other-workflow-run", {"mode": "all", "comment-mode": "off"}, run_id="4242")
        assert code == 0, other.summary()
        run_id, expected = other.outputs()["run-id"], "was not made for this pull request"
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert code == 0, recorded.summary()
    report = _report_json(world.root)
    publisher = world.publisher("publisher", report)
    artifact = publisher / ARTIFACT
    artifact.parent.mkdir()
    artifact.write_text(json.dumps({**report, "run": {**report["run"], "id": run_id}}), encoding="utf-8")
    capsys.readouterr()

    code, published = world.action(
        "publish", {"mode": "publish", "report": ARTIFACT}, root=publisher, event=workflow_run(HEAD_SHA)
    )

    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    [annotation] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert annotation.startswith(f"::error file={ARTIFACT}::"), annotation
    assert expected in annotation, annotation
    assert world.github.writes == []


# what the runner gives the action's process that its code, and what that code starts, must not find (only their names
# are ever printed); and what the workflow gave the step for the code, which it keeps
WITHHELD = (
    "GITHUB_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "HONEYHIVE_EXPERIMENT_JOB_TOKEN",  # the job's own token, when github-token is another
    "INPUT_JOB-TOKEN",
    "INPUT_API-KEY",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "GITHUB_ENV",
    "GITHUB_OUTPUT",
    "GITHUB_PATH",
    "GITHUB_STATE",
    "GITHUB_STEP_SUMMARY",
)
KEPT = ("HH_API_KEY", "OPENAI_API_KEY", "GITHUB_REPOSITORY")


def test_the_users_code_and_the_processes_it_starts_find_no_token_or_file_command_of_the_action(
    world: World, tmp_path: Path
) -> None:
    """An evaluator (any library it imports, a dependency ``install`` pulled) found the write token, the runner's own
    tokens and the files whose lines become workflow commands in ``os.environ``, and so did every process it (or
    ``install``) started: a Dependabot bump could take the token, or write ``GITHUB_ENV`` into later steps. The
    action as a process of its own, as GitHub starts it; it still writes its outputs and summary."""
    seen = tmp_path / "seen"
    names = (*WITHHELD, *KEPT)
    add_evaluator(
        world.root,
        "snoop",
        f"""
import os as _os
import subprocess as _subprocess
import sys as _sys

def snoop(outputs, inputs, ground_truth=None):
    names = {names!r}
    child = _subprocess.run(
        [_sys.executable, "-c", f"import os; print(' '.join(n for n in {{names!r}} if n in os.environ))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    with open({str(seen)!r}, "w") as f:
        f.write(" ".join(n for n in names if n in _os.environ) + " | " + " ".join(child))
    return 1
""",
    )
    step = Step(world.root.parent / "steps" / "run", pull_request())
    given = {"api-key": EXPERIMENT_KEY, "server-url": world.backend.url, "github-token": world.github.token}
    env = step.env(world.root, {**given, "comment-mode": "off"}, api_url=world.github.api_url)
    runner = {name: str(tmp_path / name.lower()) for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE")}
    tokens = {"ACTIONS_RUNTIME_TOKEN": "runtime-token-0123456789", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "id-token-012345"}
    env |= runner | tokens | {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://id.example/token", "OPENAI_API_KEY": "sk-x" * 5}

    done = run_action(env, world.root, timeout=120)

    assert done.returncode == 0, done.stdout + done.stderr
    in_process, in_child = (set(part.split()) for part in seen.read_text(encoding="utf-8").split("|"))
    assert (in_process, in_child) == (set(KEPT), set(KEPT))
    assert step.outputs()["verdict"] == "neutral"  # no baseline: written to GITHUB_OUTPUT all the same
    assert "support-bot-quickstart" in step.summary()


def test_publish_judges_with_comparisons_off_when_the_pull_requests_file_switched_them_off(world: World) -> None:
    """The pull request's file sets ``baseline: {strategy: none}``: its check passed on the run's own result, but the
    publish job, judging with the default branch's file (strategy auto), found no baseline and said neutral."""
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "baseline: {strategy: none}\n", encoding="utf-8")
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert (code, recorded.outputs()["verdict"]) == (0, "pass"), recorded.summary()
    report = json.loads((world.root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))

    publisher = world.publisher("publisher", report)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    assert (code, published.outputs()["verdict"]) == (0, "pass"), published.summary()
    [comment] = world.github.comments(PR)
    assert "**No baseline: comparisons are switched off.**" in comment.body
    assert "by the pull request's experiment file, which changes the default branch's rules: baseline." in comment.body


def test_publish_and_view_say_what_the_baseline_stood_in_for_as_the_run_job_did(world: World) -> None:
    """The run job said its merge base was unknown, so the baseline was main's latest passing run instead of the run
    there; publish and view compared with the same run and said nothing of it (they judge against the stamped
    baseline, and cannot tell again how it was chosen: the check stamps its note)."""
    code, pushed = world.action("push", {"comment-mode": "off"}, event=push(BASE_SHA))
    assert code == 0, pushed.summary()
    code, ran = world.action("run", {"mode": "all"})  # not a git repository, and GitHub cannot tell either
    assert code == 0, ran.summary()
    assert ran.outputs()["baseline-run-id"] == pushed.outputs()["run-id"]
    written = _report_json(world.root)
    [note] = [note for note in written["notes"] if "merge base is unknown" in note]
    assert note.startswith("The pull request's merge base is unknown (a shallow checkout: set fetch-depth: 0")

    publisher = world.publisher("publisher", written)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    assert code == 0, published.summary()
    again = json.loads((publisher / ".honeyhive" / "report.published.json").read_text(encoding="utf-8"))
    assert note in again["notes"]
    [comment] = world.github.comments(PR)
    assert "merge base is unknown" in comment.body
    assert f"for commit {HEAD_SHA[:7]}" in comment.body  # the run's commit, not the publishing job's checkout's

    run_id = ran.outputs()["run-id"]
    assert world.view(run_id) == 0
    page = (world.root / ".honeyhive" / f"report.{run_id}.html").read_text(encoding="utf-8")
    assert "merge base is unknown" in page
    assert f" at commit {HEAD_SHA[:7]} " in page  # the run's, though view runs outside any git repository


def test_publish_edits_the_comment_of_its_own_experiment_file_not_the_other_file_of_that_name(world: World) -> None:
    """Two experiment files under one name, each with its own comment: publishing the stricter file's failing run
    (``config`` naming that file, as its run job did) edits that file's comment and leaves the other's green one."""
    strict = stricter_twin(world.root)
    assert world.action("default", {"mode": "all"})[0] == 0
    code, ran = world.action("strict", {"mode": "all", "config": strict})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    green, red = world.github.comments(PR)
    report = json.loads((world.root / ".honeyhive" / "report.strict.json").read_text(encoding="utf-8"))
    publisher = world.publisher("publisher", report, "report.strict.json")
    stricter_twin(publisher)  # the default branch has both files too
    world.github.clear_requests()

    code, published = world.action(
        "publish", {"mode": "publish", "config": strict}, root=publisher, event=workflow_run(HEAD_SHA)
    )

    assert (code, published.outputs()["verdict"]) == (0, "fail"), published.summary()
    assert [(w.method, w.path) for w in world.github.writes] == [
        ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{red.id}")
    ]
    assert world.github.comments(PR)[0].body == green.body
    assert "❌ **Failed**" in world.github.comments(PR)[1].body
    assert "❌ **Failed**" not in green.body


def test_publish_of_one_experiment_file_refuses_the_run_of_the_other_file_of_that_name(world: World) -> None:
    """The pull request's report.json for the stricter file named the default file's run (same experiment,
    repository, pull request and commit): the publish job judged it as the stricter file's, neutral, and turned
    that file's red comment into "6 of 6 datapoints passed"."""
    strict = stricter_twin(world.root)
    assert world.action("default", {"mode": "all"})[0] == 0
    lenient = json.loads((world.root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))
    code, ran = world.action("strict", {"mode": "all", "config": strict})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    comments = world.github.comments(PR)
    publisher = world.publisher("publisher", lenient, "report.strict.json")  # where the stricter file's is read
    stricter_twin(publisher)
    world.github.clear_requests()

    code, published = world.action(
        "publish", {"mode": "publish", "config": strict}, root=publisher, event=workflow_run(HEAD_SHA)
    )

    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    expected = (
        f"refusing to publish: run {lenient['run']['id']} in HoneyHive was not made for this pull request and"
        f" experiment file: experiment file '.honeyhive/experiment.yml' of repository '{REPOSITORY}' (expected"
        f" '{strict}' of '{REPOSITORY}')"
    )
    assert expected in published.summary(), published.summary()
    assert world.github.writes == [], "a refused report posts nothing"
    assert world.github.comments(PR) == comments


@pytest.mark.parametrize(
    ("stamp", "refused"),
    [
        ({"config_file": None}, None),  # an older version's run: no file stamped, so the default file's
        ({"repository": REPOSITORY.upper()}, None),  # GitHub's owner/repo names ignore case
        ({"config_file": "ci/other.yml"}, "experiment file 'ci/other.yml' of repository"),
    ],
    ids=["file-unstamped", "repository-case", "other-file"],
)
def test_publish_takes_a_runs_file_and_repository_as_the_baseline_rules_do(
    world: World, stamp: dict[str, str | None], refused: str | None
) -> None:
    """A run recorded before ``metadata.ci.config_file`` was stamped (re-running publish for it after the upgrade, or
    a run workflow pinned to an older action) was refused: "experiment file None (expected
    '.honeyhive/experiment.yml')", though ``view`` and the baseline rules take it as the default file's; its repository
    in another case was refused too. Another file's run still is."""
    code, ran = world.action("run", {"mode": "all", "comment-mode": "off"})
    assert code == 0, ran.summary()
    report = _report_json(world.root)
    run_id = report["run"]["id"]
    with world.client() as hh:
        metadata = hh.get_run(run_id)["metadata"]
        ci = {k: v for k, v in {**metadata["ci"], **stamp}.items() if v is not None}
        hh.update_run(run_id, {"metadata": {**metadata, "ci": ci}})
    publisher = world.publisher("publisher", report)

    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))

    if refused is None:
        assert (code, published.outputs()["verdict"]) == (0, "neutral"), published.summary()
        [comment] = world.github.comments(PR)
        assert run_id in comment.body
    else:
        assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
        assert f"was not made for this pull request and experiment file: {refused}" in published.summary()
        assert world.github.comments(PR) == []


def test_publish_quotes_what_is_stamped_on_the_run_in_part(world: World) -> None:
    """What is stamped on the run (its file, repository, commit) is anyone's who can write the run: a mismatch quoted
    it whole, so a stamped file name of 100,000 characters made a 100 kB error line and the summary's clip kept only
    it, not why publish refused."""
    code, ran = world.action("run", {"mode": "all", "comment-mode": "off"})
    assert code == 0, ran.summary()
    report = _report_json(world.root)
    with world.client() as hh:
        metadata = hh.get_run(report["run"]["id"])["metadata"]
        ci = {**metadata["ci"], "config_file": "ci/" + "x" * 100_000, "sha": "f" * 100_000}
        hh.update_run(report["run"]["id"], {"metadata": {**metadata, "ci": ci}})
    publisher = world.publisher("publisher", report)

    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))

    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    [line] = [line for line in published.summary().splitlines() if "was not made for this pull request" in line]
    assert "x" * 300 not in line
    assert "f" * 300 not in line
    assert len(line) < 2_000, line
    assert "experiment file" in line, line
    assert "commit" in line, line
    assert world.github.comments(PR) == []


def test_publishs_comment_points_to_the_page_in_the_triggering_runs_artifacts(world: World) -> None:
    """Publish's comment sent readers to "**report.published.html** in this workflow run's artifacts", linking the
    publish run (5555), which uploads nothing: the page is report.html, which the run job of workflow run 9101
    uploaded beside report.json."""
    code, ran = world.action("run", {"mode": "all", "comment-mode": "off"}, run_id="9101")
    assert code == 0, ran.summary()
    publisher = world.publisher("publisher", _report_json(world.root))
    event = workflow_run(HEAD_SHA, triggering_run_id=9101)

    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=event, run_id="5555")

    assert code == 0, published.summary()
    [comment] = world.github.comments(PR)
    [line] = [line for line in comment.body.splitlines() if line.startswith("🔎 Every datapoint")]
    runs = f"https://github.com/{REPOSITORY}/actions/runs"
    assert f"**report.html** in [the artifacts of the workflow run that ran the experiment]({runs}/9101)" in line
    assert "5555" not in line
    assert "published" not in line


def test_publish_posts_the_run_of_a_pull_request_that_renamed_its_experiment(world: World) -> None:
    """The pull request renames its experiment (``name:``) and its check passed; publish refused the run ("experiment
    'support-bot' (expected 'support-bot-quickstart')", the default branch's name), so such a pull request could never
    get its comment. The file, repository, pull request, commit and workflow run identify the run: it is posted, as
    the comment of its experiment file (the one it edits after the rename too), titled with the run's name."""
    config = world.root / ".honeyhive" / "experiment.yml"
    assert world.action("before", {"mode": "all"})[0] == 0  # the comment of the file, before the rename
    [before] = world.github.comments(PR)
    renamed = config.read_text(encoding="utf-8").replace("name: support-bot-quickstart", "name: support-bot")
    config.write_text(renamed, encoding="utf-8")
    code, ran = world.action("run", {"mode": "all", "comment-mode": "off"})
    assert code == 0, ran.summary()
    publisher = world.publisher("publisher", _report_json(world.root))  # the default branch's file: the old name

    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))

    assert (code, published.outputs()["verdict"]) == (0, "neutral"), published.summary()
    [comment] = world.github.comments(PR)
    assert comment.id == before.id
    assert "\n### support-bot\n" in comment.body, comment.body[:300]  # not the default branch's name
    assert ran.outputs()["run-id"] in comment.body


def test_publish_refuses_the_report_of_another_workflow_run_of_the_same_commit(world: World) -> None:
    """The pull request's workflow run 9101 was green (neutral: no baseline yet); run 9102, of the same commit (its
    file made stricter), failed its check. The publish job for run 9102, given run 9101's report.json, posted the
    green comment on the pull request: the run's experiment, file, repository, pull request and commit were all the
    triggering run's. A re-run attempt of run 9101 (its failed jobs re-run, its run job's artifact kept) is run 9101:
    its report is posted."""
    code, passed = world.action("run-9101", {"mode": "all", "comment-mode": "off"}, run_id="9101")
    assert (code, passed.outputs()["verdict"]) == (0, "neutral"), passed.summary()  # no baseline yet
    passing = _report_json(world.root)
    stricter_twin(world.root, ".honeyhive/experiment.yml")  # the same file, with a range no answer meets
    code, failed = world.action("run-9102", {"mode": "all", "comment-mode": "off"}, run_id="9102")
    assert (code, failed.outputs()["verdict"]) == (1, "fail"), failed.summary()
    publisher = world.publisher("publisher", passing)

    code, published = world.action(
        "publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA, triggering_run_id=9102)
    )

    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    expected = (
        f"refusing to publish: run {passing['run']['id']} in HoneyHive was not made for this pull request and"
        " experiment file: workflow run 9101 (expected 9102)"
    )
    assert expected in published.summary(), published.summary()
    assert world.github.writes == [], "a refused report posts nothing"

    event = workflow_run(HEAD_SHA, triggering_run_id=9101, attempt=2)
    code, again = world.action("publish-attempt-2", {"mode": "publish"}, root=publisher, event=event)
    assert (code, again.outputs()["verdict"]) == (0, "neutral"), again.summary()
    [comment] = world.github.comments(PR)
    assert passing["run"]["id"] in comment.body


def test_publish_never_posts_a_verdict_greener_than_the_triggering_runs_conclusion(world: World) -> None:
    """Attempt 1 of workflow run 9101 passed and uploaded report.json; "re-run all jobs": attempt 2's run job failed,
    and its upload was refused (upload-artifact v4+ keeps one artifact of a name per workflow run), so publish was
    given attempt 1's report and posted it green under the red check. Code holding the run job's key rewrote the
    failing run's stamp to pass: green again. The event's conclusion (failure) now refuses both."""
    code, first = world.action("attempt-1", {"mode": "all", "comment-mode": "off"}, run_id="9101")
    assert (code, first.outputs()["verdict"]) == (0, "neutral"), first.summary()  # no baseline yet
    attempt_1 = _report_json(world.root)
    set_answers(world.root, dict.fromkeys(WRONG_TOPICS, "no idea"))
    code, second = world.action("attempt-2", {"mode": "all", "comment-mode": "off"}, run_id="9101")
    assert (code, second.outputs()["verdict"]) == (1, "fail"), second.summary()
    attempt_2 = _report_json(world.root)
    red = workflow_run(HEAD_SHA, triggering_run_id=9101, attempt=2, conclusion="failure")

    code, published = world.action("publish", {"mode": "publish"}, root=world.publisher("p1", attempt_1), event=red)

    assert (code, published.outputs()["verdict"]) == (2, "error"), published.summary()
    expected = (
        f"refusing to publish: the triggering workflow run concluded failure, but run {attempt_1['run']['id']}"
        " reads neutral here"
    )
    assert expected in published.summary(), published.summary()
    assert world.github.writes == [], "a refused report posts nothing"

    run_id = attempt_2["run"]["id"]
    with world.client() as hh:  # the run job's key: its stamp says pass, by rules nothing fails
        metadata = dict(hh.get_run(run_id)["metadata"])
        forged_check = {**metadata["check"], "verdict": "pass", "rules": FORGIVING}
        hh.update_run(run_id, {"metadata": {**metadata, "check": forged_check}})
    code, forged = world.action("forged", {"mode": "publish"}, root=world.publisher("p2", attempt_2), event=red)
    assert (code, forged.outputs()["verdict"]) == (2, "error"), forged.summary()
    assert f"concluded failure, but run {run_id} reads neutral here" in forged.summary(), forged.summary()
    assert world.github.writes == []

    with world.client() as hh:  # as the check stamped it: its failure is posted
        hh.update_run(run_id, {"metadata": metadata})
    code, posted = world.action("posted", {"mode": "publish"}, root=world.publisher("p3", attempt_2), event=red)
    # exit 0: the check is the run workflow's (a failed publish run would show on the default branch's head commit)
    assert (code, posted.outputs()["verdict"]) == (0, "fail"), posted.summary()
    [comment] = world.github.comments(PR)
    assert run_id in comment.body


FORGIVING = {"verdict": {"allow_failed": 100}, "passing_ranges": {}}
"""Rules a forged stamp names: nothing can fail by them."""
WRONG_TOPICS = ("reset password", "change email", "delete account", "export data", "invoice", "refund")
"""The six questions' topics of the world's quickstart: each answered wrongly, every datapoint fails."""


def test_view_of_one_experiment_file_shows_its_own_latest_run_and_refuses_the_other_files(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two experiment files under one name: ``view --config`` the stricter one showed the newest run of the name, the
    default file's, judged by the stricter file's rules; named, the other file's run was judged so too."""
    strict = stricter_twin(world.root)
    code, ran = world.action("strict", {"mode": "all", "config": strict})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    strict_run = ran.outputs()["run-id"]
    code, ran = world.action("default", {"mode": "all"})  # newer, of the default file
    assert code == 0, ran.summary()
    default_run = ran.outputs()["run-id"]
    capsys.readouterr()

    assert world.view("--config", strict) == 0
    page = world.root / ".honeyhive" / f"report.{strict_run}.html"
    assert capsys.readouterr().out.strip() == str(page)
    assert "Failed" in page.read_text(encoding="utf-8")  # as its check said
    assert world.view() == 0
    assert capsys.readouterr().out.strip() == str(world.root / ".honeyhive" / f"report.{default_run}.html")

    assert world.view(default_run, "--config", strict) == 2
    assert (
        f"error: RUN_ID: run {default_run} was made from the experiment file '.honeyhive/experiment.yml', not from"
        f" '{strict}' (this one), whose rules would judge it: view it with --config naming that file"
    ) in capsys.readouterr().err

    # the stamp is whoever recorded the run's: quoted and cut between words (a secret in it whole, so redacted), its
    # line breaks as spaces: they print no lines of their own
    with world.client() as hh:
        metadata = hh.get_run(default_run)["metadata"]
        forged = "x.yml\nerror: forged line\n" + "W" * 400
        hh.update_run(default_run, {"metadata": {**metadata, "ci": {**metadata["ci"], "config_file": forged}}})
    assert world.view(default_run) == 2
    [said] = capsys.readouterr().err.splitlines()
    assert "the experiment file 'x.yml error: forged line…', not from" in said, said


def _evaluated_from_a_moved_file(root: Path, moved: str, hh: HoneyHiveClient) -> ExperimentResult:
    """The quickstart at ``root`` with its experiment file moved to ``moved``, and a run evaluate() made of its code
    (no ``metadata.ci``: no experiment-file stamp)."""
    copy_quickstart(root, questions=2)
    (root / moved).parent.mkdir(parents=True, exist_ok=True)
    (root / ".honeyhive" / "experiment.yml").rename(root / moved)
    init_repository(root)
    config = load_config(root / moved)
    rows = [json.loads(line) for line in (root / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    with in_repository(root):
        code = load_user_code(config, moved, root)
        return evaluate(
            code.function, rows, client=hh, evaluators=code.evaluators, name=config.name, print_results=False
        )


def test_view_of_a_run_no_experiment_file_stamped_judges_it_by_the_file_named_and_says_so(
    backend: LocalBackend, hh: HoneyHiveClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The quickstart's file moved to experiments/bot.yml; evaluate() made a run of its code (no ``metadata.ci``).
    ``view RUN --config experiments/bot.yml`` refused it: "was made from the experiment file .honeyhive/experiment.yml"
    (a file that did not exist). Named, it is judged by the file named, and the page says the run carries no stamp;
    unnamed, the file's latest run is its own (such a run counts as the default file's, as for baselines), and the
    error names the run to view."""
    root, moved = tmp_path / "repo", "experiments/bot.yml"
    made = _evaluated_from_a_moved_file(root, moved, hh)
    view = ["view", "--no-open", "-C", str(root), "--config", moved]
    environ = {"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}

    assert main([*view, made.run_id], environ=environ) == 0, capsys.readouterr().err
    page = (root / ".honeyhive" / f"report.{made.run_id}.html").read_text(encoding="utf-8")
    assert "Answer length (words)" in page  # the moved file's label of answer_words
    assert (
        f"Run {made.run_id} carries no experiment-file stamp (evaluate() or an older version of this tool made it):"
        f" nothing says it was made from {moved}, whose gates and verdict rules judge it here; which datapoints passed"
        " is what the backend recorded, by the passing ranges the run was made with."
    ) in page

    assert main(view, environ=environ) == 2
    assert (
        f"error: experiment 'support-bot-quickstart' has no run of {moved} in the backend yet: run it first; its runs"
        " without an experiment-file stamp (evaluate()'s, an older version's) count as .honeyhive/experiment.yml's:"
        f" view one by its id (the newest: {made.run_id})"
    ) in capsys.readouterr().err


def test_views_notes_name_the_run_as_the_backend_spells_it(
    backend: LocalBackend,
    hh: HoneyHiveClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backend that answers a run's id in another spelling (case) than the one typed: the note on a run without an
    experiment-file stamp named the id as typed, the notes on its check's rules the backend's. Each says the
    backend's, which later commands accept."""
    root, moved = tmp_path / "repo", "experiments/bot.yml"  # not the default file: the note on an unstamped run is said
    made = _evaluated_from_a_moved_file(root, moved, hh)
    hh.update_run(made.run_id, {"metadata": {"check": {"verdict": "pass"}}})  # judged by an older version: no rules
    get_run = HoneyHiveClient.get_run
    spelt = made.run_id.upper()

    def in_upper_case(self: HoneyHiveClient, run_id: str) -> dict[str, Any]:
        return {**get_run(self, run_id), "run_id": spelt}

    def said(*args: object, notes: tuple[str, ...], **kwargs: object) -> NoReturn:  # the backend knows no SPELT
        raise ExperimentError("\n".join(notes))

    monkeypatch.setattr(HoneyHiveClient, "get_run", in_upper_case)
    monkeypatch.setattr(flow, "_judge_recorded", said)
    environ = {"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}
    assert main(["view", "--no-open", "-C", str(root), "--config", moved, made.run_id], environ=environ) == 2
    notes = capsys.readouterr().err
    assert f"Run {spelt}'s check recorded no rules" in notes, notes
    assert f"Run {spelt} carries no experiment-file stamp" in notes, notes
    assert made.run_id not in notes, notes


RANGES = "  keyword_recall: {min: 0.5}\n"  # the quickstart's last passing range
RECORDED_RANGES = {"topic_match": {"min": 1}, "keyword_recall": {"min": 0.5}}  # the quickstart's, for evaluate()
TOO_SHORT = "  answer_words: {max: 5}\n"  # no answer of the quickstart is that short
FORGIVING_CHECK = "  answer_words: {max: 1}\nverdict: {allow_failed: 100%}\n"  # every datapoint fails, and passes


def recorded_by_evaluate(root: Path, config: Path, hh: HoneyHiveClient) -> str:
    """The id of the run of the copy's experiment (``config``) a user's script records with ``evaluate()``, passing
    ranges :data:`RECORDED_RANGES`: no check, so no check's rules stamped on it."""
    rows = [json.loads(line) for line in (root / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    with in_repository(root):
        code = load_user_code(load_config(config), ".honeyhive/experiment.yml", root)
        made = evaluate(
            code.function,
            rows,
            client=hh,
            evaluators=code.evaluators,
            name="support-bot-quickstart",
            passing_ranges=RECORDED_RANGES,
            print_results=False,
        )
    return made.run_id


def stamp_rules(hh: HoneyHiveClient, run: str, rules: dict[str, Any] | None) -> None:
    """Run ``run``'s check's recorded rules replaced by ``rules``, or removed (None, {}) as an older version recorded
    none."""
    metadata = hh.get_run(run)["metadata"]
    check = {key: value for key, value in metadata["check"].items() if key != "rules"}
    hh.update_run(run, {"metadata": {**metadata, "check": {**check, **({"rules": rules} if rules else {})}}})


@pytest.mark.parametrize(
    ("recorded", "made_with", "forged", "edited", "statuses", "verdict", "notes"),
    [
        pytest.param(
            "dry run",
            "",
            None,
            TOO_SHORT,
            {"Topic match": "✅ passing", "Answer length (words)": "—"},
            "neutral",
            [
                "Judged as its check was, by the rules it recorded on the run, which differ from"
                " .honeyhive/experiment.yml's: passing_ranges."
            ],
            id="checked-then-a-range-added-to-the-file",
        ),
        pytest.param(
            "dry run",
            FORGIVING_CHECK,
            None,
            "",
            {"Topic match": "✅ passing", "Answer length (words)": "❌ 6 failing"},
            "neutral",
            [
                "Judged as its check was, by the rules it recorded on the run, which differ from"
                " .honeyhive/experiment.yml's: passing_ranges, verdict."
            ],
            id="checked-by-a-verdict-the-file-dropped",
        ),
        pytest.param(
            "evaluate()",
            "",
            None,
            TOO_SHORT,
            {"Topic match": "✅ passing", "Answer length (words)": "—"},
            "neutral",
            [
                "The passing range .honeyhive/experiment.yml gives answer_words (≤ 5) is not known to be run {run}'s:"
                " HoneyHive reports no range of the run for that metric (nor does it for a metric without values), and"
                " it judged the run's datapoints by the ranges the run was made with, so here no datapoint passed or"
                " failed by it, the verdict does not take it into account, and the table shows no status by it."
            ],
            id="evaluate-then-a-range-added-to-the-file",
        ),
        pytest.param(
            "dry run",
            "",
            {"passing_ranges": {"answer_words": {"max": "few"}}},
            TOO_SHORT,
            {"Topic match": "✅ passing", "Answer length (words)": "—"},
            "neutral",
            [
                "Run {run}'s check recorded rules that are not valid (metadata.check.rules.passing_ranges.answer_words"
                ".max: Input should be a valid number): .honeyhive/experiment.yml's"
                " gates and verdict rules judge it here, which need not be those its check judged it by.",
                "The passing range .honeyhive/experiment.yml gives answer_words (≤ 5) is not known to be run {run}'s",
            ],
            id="checked-by-rules-that-do-not-validate",
        ),
        pytest.param(
            "dry run",
            "",
            {},
            TOO_SHORT,
            {"Topic match": "✅ passing", "Answer length (words)": "—"},
            "neutral",
            [
                "Run {run}'s check recorded no rules (an older honeyhive-experiment judged it):"
                " .honeyhive/experiment.yml's gates and verdict rules judge it here",
                "The passing range .honeyhive/experiment.yml gives answer_words (≤ 5) is not known to be run {run}'s",
            ],
            id="checked-by-an-older-version",
        ),
    ],
)
def test_view_judges_a_run_by_its_checks_rules_and_shows_no_status_by_a_range_it_was_not_made_with(
    backend: LocalBackend,
    hh: HoneyHiveClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    recorded: str,
    made_with: str,
    forged: dict[str, Any] | None,
    edited: str,
    statuses: dict[str, str],
    verdict: str,
    notes: list[str],
) -> None:
    """A run recorded with the experiment file's ranges (``made_with`` added), then the file edited (``edited`` in
    their place): ``view`` judged it by today's file and showed "Answer length (words) 12.8 ✅ passing" beside a range
    of at most 5 the run was never judged by (the backend had no range for it, so none of its datapoints failed), and
    a verdict its check never gave. It judges a run by the rules its check recorded, as publish does; a run with none
    it can use (evaluate()'s, an older version's, rules that do not validate: said) by the file, whose ranges the
    backend does not report for the run get no status, and a note names them."""
    root = copy_quickstart(tmp_path / "repo", questions=6)
    config = root / ".honeyhive" / "experiment.yml"
    original = config.read_text(encoding="utf-8")
    assert RANGES in original
    environ = {"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}
    if recorded == "dry run":
        config.write_text(original.replace(RANGES, RANGES + made_with), encoding="utf-8")
        assert main(["run", "--dry-run", "--no-html", "-C", str(root)], environ=environ) in (0, 1)
        [run] = [r["run_id"] for r in hh.iter_runs(name="support-bot-quickstart")]
    else:
        run = recorded_by_evaluate(root, config, hh)
    if forged is not None:  # its check's rules replaced ({}: removed, as an older version recorded none)
        stamp_rules(hh, run, forged)
    config.write_text(original.replace(RANGES, RANGES + edited), encoding="utf-8")
    capsys.readouterr()

    assert main(["view", run, "--no-open", "-C", str(root)], environ=environ) == 0, capsys.readouterr().err
    page = (root / ".honeyhive" / f"report.{run}.html").read_text(encoding="utf-8")
    name = r'<td title="[^"]*">([^<]+)</td>'  # a metric's row: its label (its full name the title), values, status
    cells = name + r'\s*<td class="num">[^<]*</td>\s*(?:<td class="num">[^<]*</td>\s*)?<td>([^<]*)</td>'
    shown = {label: html.unescape(status) for label, status in re.findall(cells, page)}  # past a range column
    assert {label: shown[label] for label in statuses} == statuses
    assert re.search(r'class="verdict verdict-(\w+)"', page)[1] == verdict  # type: ignore[index]
    said = html.unescape(page)
    for note in notes:
        assert note.format(run=run) in said
    if statuses["Answer length (words)"] == "—":
        assert "passing range max: 5.0" not in said  # nor drawn as the run's


FORGOT = "def forgot(outputs, inputs, ground_truth=None):\n    words = len(str(outputs).split())\n"  # no return
FORGOT_RANGE = "  forgot: {min: 0.5}\n"


@pytest.mark.parametrize("recorded", ["older version", "evaluate()"])
def test_view_fails_no_run_by_a_range_without_values_it_does_not_know_the_run_was_made_with(
    backend: LocalBackend,
    hh: HoneyHiveClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    recorded: str,
) -> None:
    """The file ranges ``forgot``, whose evaluator returns None: the backend reports no range for a metric without
    values, so ``view`` of a run without usable stamped rules (an older version's check, evaluate()'s) said the range
    "is not run X's ... so none passed or failed by it" while the same page was ❌ Failed by it ("forgot has a passing
    range but no value on 4 of the datapoints the backend passed"). A range the run is not known to have been made
    with judges nothing here: no status, no reason of the verdict, said once."""
    root = copy_quickstart(tmp_path / "repo", questions=4)
    config = add_evaluator(root, "forgot", FORGOT)
    environ = {"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}
    if recorded == "older version":  # its check failed the run by the range, and recorded no rules
        config.write_text(config.read_text(encoding="utf-8").replace(RANGES, RANGES + FORGOT_RANGE), encoding="utf-8")
        assert main(["run", "--dry-run", "--no-html", "-C", str(root)], environ=environ) == 1
        [run] = [r["run_id"] for r in hh.iter_runs(name="support-bot-quickstart")]
        stamp_rules(hh, run, None)
    else:  # made without the range, which the file adds afterwards
        run = recorded_by_evaluate(root, config, hh)
        config.write_text(config.read_text(encoding="utf-8").replace(RANGES, RANGES + FORGOT_RANGE), encoding="utf-8")
    capsys.readouterr()

    assert main(["view", run, "--no-open", "-C", str(root)], environ=environ) == 0, capsys.readouterr().err
    said = html.unescape((root / ".honeyhive" / f"report.{run}.html").read_text(encoding="utf-8"))
    assert re.search(r'class="verdict verdict-(\w+)"', said)[1] == "neutral"  # type: ignore[index]
    assert "forgot has a passing range" not in said
    note = f"The passing range .honeyhive/experiment.yml gives forgot (≥ 0.5) is not known to be run {run}'s"
    assert said.count(note) == 1
    assert "the verdict does not take it into account" in said


def test_publish_of_a_run_whose_check_recorded_no_rules_shows_no_status_by_a_range_the_run_was_not_made_with(
    world: World,
) -> None:
    """A run an older version judged (a verdict stamped, no rules) is published by the default branch's file, which
    has a range the run was not made with: the comment showed "Answer length (words) | ≤ 5 | ✅ passing", though the
    backend judged no datapoint by it. It shows no range and no status for it, and says why."""
    code, recorded = world.action("run-for-publish", {"mode": "all", "comment-mode": "off"})
    assert code == 0, recorded.summary()
    run_id = recorded.outputs()["run-id"]
    with world.client() as hh:
        stamp_rules(hh, run_id, None)
    publisher = world.publisher("publisher", _report_json(world.root))
    config = publisher / ".honeyhive" / "experiment.yml"
    ranges = RANGES + TOO_SHORT + FORGOT_RANGE  # forgot: no evaluator in the run, so no values
    config.write_text(config.read_text(encoding="utf-8").replace(RANGES, ranges), encoding="utf-8")

    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))

    assert (code, published.outputs()["verdict"]) == (0, "neutral"), published.summary()  # was fail, by forgot's
    [comment] = world.github.comments(PR)
    assert "forgot has a passing range" not in comment.body
    cells = [[cell.strip() for cell in line.strip(" |").split("|")] for line in comment.body.splitlines()]
    rows = {row[0]: row[1:] for row in cells if len(row) == 4}  # metric, this run, passing range, status
    assert rows["Answer length (words)"][1:] == ["—", "—"], comment.body  # no range, no status
    assert rows["Topic match"][1:] == ["≥ 100%", "✅ passing"]  # the backend's range of the run
    assert (
        "The passing ranges .honeyhive/experiment.yml gives answer\\_words (≤ 5), forgot (≥ 0.5) are not known to be"
        in comment.body
    )
    again = json.loads((publisher / ".honeyhive" / "report.published.json").read_text(encoding="utf-8"))
    assert again["notes"][-1].startswith(  # after the note that the default branch's file judged it
        "The passing ranges .honeyhive/experiment.yml gives answer_words (≤ 5), forgot (≥ 0.5) are not known to be"
        f" run {run_id}'s: HoneyHive"
    )


# ------------------------------------------------------------------------ jobs that did not run the datapoints


def _report_json(root: Path) -> dict[str, Any]:
    written: dict[str, Any] = json.loads((root / ".honeyhive" / "report.json").read_text(encoding="utf-8"))
    return written


def test_the_report_and_publish_jobs_show_no_output_the_job_that_ran_it_redacted_with_its_own_secrets(
    world: World,
) -> None:
    """The shard job redacts what its function returned with the secrets of its environment; the report and publish
    jobs do not hold them, so they preview no outputs, inputs or explanations from the run's events (a secret the
    function echoed was in their comment and summary): ``—``, as before they read events. And what the shard job
    records in HoneyHive holds none of its environment's secret values (the report job's table of every datapoint,
    read from HoneyHive, showed it)."""
    secret = "plain-service-value-7788"
    set_answers(world.root, {"invoice": f"Please write to our support team, code {secret}."})
    code, shard = world.action("shard", {"mode": "run", "shard": "1/1"}, secrets={"MY_SERVICE_TOKEN": secret})
    assert code == 0, shard.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    assert (code, report.outputs()["verdict"]) == (1, "fail"), report.summary()
    written = _report_json(world.root)
    [failed] = written["datapoints"]["failed"]
    assert (failed["outputs"], failed["failing_metrics"][0]["text"]) == (
        None,
        "Keyword recall = 0%, passing range ≥ 50%",
    )
    assert secret not in json.dumps(written)  # its table of every datapoint (report.html's) too
    assert secret not in report.summary()
    with world.client() as client:
        assert secret not in json.dumps(list(client.iter_run_events(written["run"]["id"])))

    publisher = world.publisher("publisher", written)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    assert (code, published.outputs()["verdict"]) == (0, "fail"), published.summary()
    [comment] = world.github.comments(PR)
    assert "Keyword recall = 0%" in comment.body
    assert secret not in comment.body


OPTIONAL_BONUS = 'def judge(outputs, inputs, ground_truth=None):\n    return {"score": 1.0, "bonus": None}\n'


def test_a_report_job_knows_a_dicts_key_that_was_none_everywhere_as_the_job_that_ran_it_does(world: World) -> None:
    """``metrics: {judge_bonus: ...}`` for a dict evaluator's optional sub-score, None on every datapoint, is a name
    the evaluator gives, not a typo: the job that ran it knew (its outcomes), but the report job of a sharded run read
    them back without it and failed "metrics.judge_bonus … did you mean judge?" (audit 48a). Now each session says
    it (``none_metrics``), and both jobs agree."""
    config = add_evaluator(world.root, "judge", OPTIONAL_BONUS)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("\nmetrics:\n", "\nmetrics:\n  judge_bonus: {direction: higher}\n"), encoding="utf-8"
    )
    code, single = world.action("single", {})
    alone = _report_json(world.root)
    assert (code, alone["verdict"], alone["reasons"]) == (0, "neutral", ["no baseline run to compare with yet"]), (
        single.summary()
    )
    code, shard = world.action("shard", {"mode": "run", "shard": "1/1"})
    assert code == 0, shard.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    sharded = _report_json(world.root)
    assert (code, sharded["verdict"], sharded["reasons"]) == (0, "neutral", alone["reasons"]), report.summary()


def test_a_sharded_runs_report_job_with_trials_fails_a_gate_no_pass_rate_can_cross_as_one_job_does(
    world: World,
) -> None:
    """With trials the backend's values are a datapoint's means, so only the evaluators' own values tell a boolean
    metric, and the report job had none: ``max_drop: 5`` on a pass rate (between 0 and 1) can never fail, yet the
    report job's check passed (green while the job that ran it would fail) and the pass rate lost its percent."""
    config = world.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8").replace('label: Topic match, format: ".0%", ', "label: Topic match, ")
    config.write_text(text + "trials: 2\ngate: {topic_match: {max_drop: 5}}\n", encoding="utf-8")
    code, shard = world.action("shard", {"mode": "run", "shard": "1/1"})
    assert code == 0, shard.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    assert (code, report.outputs()["verdict"]) == (1, "fail"), report.summary()
    written = _report_json(world.root)
    assert [reason[:51] for reason in written["reasons"]] == ["gate.topic_match: max_drop: 5 can never be crossed:"]
    [row] = [metric for metric in written["metrics"] if metric["name"] == "topic_match"]
    assert row["percent"] is True


@pytest.mark.parametrize(
    "route", ["/opentelemetry/v1/traces", "/v1/sessions"], ids=["its spans refused", "its session never started"]
)
def test_publish_and_view_fail_a_run_the_backend_never_recorded_a_datapoint_of_as_its_job_did(
    world: World, route: str
) -> None:
    """HoneyHive refused one datapoint's spans (or its session was never started): the job that ran it failed ("1
    datapoint(s) of the dataset were not recorded by the backend"), but publish and view, reading the run's events,
    which lack it, said ✅ Passed and turned the pull request's comment green (no passing range that the datapoint
    lacks a value of fails it there)."""
    config = world.root / ".honeyhive" / "experiment.yml"
    ranges = "passing_ranges:\n  topic_match: {min: 1}\n  keyword_recall: {min: 0.5}\n"
    config.write_text(config.read_text(encoding="utf-8").replace(ranges, ""), encoding="utf-8")
    calls = itertools.count()
    with FaultProxy(
        world.backend.url, rate=0, missing=lambda method, path: method == "POST" and path == route and not next(calls)
    ) as proxy:
        code, ran = world.action("all", {"mode": "all", "comment-mode": "update", "server-url": proxy.url})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    written = _report_json(world.root)
    [lost] = [row["id"] for row in written["datapoints"]["errored"]]
    unrecorded = "1 datapoint(s) of the dataset were not recorded by the backend, so they were never judged"
    assert written["reasons"][-1].startswith(unrecorded), written["reasons"]

    publisher = world.publisher("publisher", written)
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    assert (code, published.outputs()["verdict"]) == (0, "fail"), published.summary()
    again = json.loads((publisher / ".honeyhive" / "report.published.json").read_text(encoding="utf-8"))
    if route == "/v1/sessions":  # no session names it, nor does HoneyHive's run object: counted, not named
        lost = "(unnamed datapoint 1 of 1)"
    else:
        assert lost in again["reasons"][-1]
    assert [(row["id"], row["kind"]) for row in again["datapoints"]["errored"]] == [(lost, "backend error")]
    assert again["reasons"][-1].startswith(f"{unrecorded} (HoneyHive "), again["reasons"]
    [comment] = world.github.comments(PR)
    assert "❌ **Failed**" in comment.body

    run_id = ran.outputs()["run-id"]
    assert world.view(run_id) == 0
    assert unrecorded in (world.root / ".honeyhive" / f"report.{run_id}.html").read_text(encoding="utf-8")


def _as_the_spec_has_it(*, counted: bool) -> Callable[[str, str, Any], Any]:
    """A rewrite of the backend's answers to the run object HoneyHive's spec describes (``ExperimentRunObject``: no
    ``datapoint_ids``, ``session_ids``, ``passing_ranges`` or ``evaluators``, which only honeyhive_local returned);
    ``counted`` false: as a run recorded before its datapoints' count was stored on it
    (``metadata.datapoint_count``)."""

    def strip(run: object) -> None:
        if isinstance(run, dict):
            for field in ("datapoint_ids", "session_ids", "passing_ranges", "evaluators"):
                run.pop(field, None)
            if not counted and isinstance(run.get("metadata"), dict):
                run["metadata"].pop("datapoint_count", None)

    def rewrite(method: str, path: str, body: Any) -> Any:
        if isinstance(body, dict):
            for key in ("evaluation", "run_object", "old_run", "new_run"):
                strip(body.get(key))
            for run in body.get("evaluations") or ():
                strip(run)
        return body

    return rewrite


def _one_session_never_started(world: World) -> tuple[str, dict[str, Any]]:
    """A run (mode all, no passing ranges) whose first ``POST /v1/sessions`` HoneyHive refused: its job failed it,
    "1 not recorded"; the run's id and its report.json."""
    config = world.root / ".honeyhive" / "experiment.yml"
    ranges = "passing_ranges:\n  topic_match: {min: 1}\n  keyword_recall: {min: 0.5}\n"
    config.write_text(config.read_text(encoding="utf-8").replace(ranges, ""), encoding="utf-8")
    calls = itertools.count()
    refused = lambda method, path: method == "POST" and path == "/v1/sessions" and not next(calls)  # noqa: E731
    with FaultProxy(world.backend.url, rate=0, missing=refused) as proxy:
        code, ran = world.action("all", {"mode": "all", "comment-mode": "update", "server-url": proxy.url})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    return ran.outputs()["run-id"], _report_json(world.root)


def test_publish_and_view_count_a_datapoint_never_started_from_the_run_object_the_spec_describes(
    world: World,
) -> None:
    """Which datapoints a recorded run was meant to have came from the run object's ``datapoint_ids``, a field
    HoneyHive's spec does not return (honeyhive_local did): against the spec's run object, view and publish of a run
    whose job failed "5 of 6 datapoints passed, 1 not recorded" said ✅ "5 of 5 datapoints passed". The run stores
    its datapoints' count in its metadata when it is created, and they read it back."""
    run_id, written = _one_session_never_started(world)
    assert written["counts"]["unrecorded"] == 1
    with FaultProxy(world.backend.url, rate=0, rewrite=_as_the_spec_has_it(counted=True)) as spec:
        publisher = world.publisher("publisher", written)
        event = workflow_run(HEAD_SHA, conclusion="failure")
        inputs = {"mode": "publish", "server-url": spec.url}
        code, published = world.action("publish", inputs, root=publisher, event=event)
        assert (code, published.outputs()["verdict"]) == (0, "fail"), published.summary()
        assert world.view(run_id, url=spec.url) == 0
    again = json.loads((publisher / ".honeyhive" / "report.published.json").read_text(encoding="utf-8"))
    assert (again["counts"]["passed"], again["counts"]["unrecorded"], again["counts"]["total"]) == (5, 1, 6)
    assert again["reasons"][-1].startswith(f"1 {UNRECORDED} (HoneyHive holds sessions of 5 of the 6 datapoints")
    [comment] = world.github.comments(PR)
    assert "❌ **Failed**" in comment.body
    assert "5 of 6 datapoints passed, 1 not recorded" in comment.body
    page = (world.root / ".honeyhive" / f"report.{run_id}.html").read_text(encoding="utf-8")
    assert "5 of 6 datapoints passed, 1 not recorded" in page


def test_view_of_a_run_that_does_not_say_how_many_datapoints_it_had_warns_instead_of_passing_silently(
    world: World,
) -> None:
    """A run recorded without its datapoints' count (an older version's, another tool's), read from a run object
    as the spec describes it (no ``datapoint_ids``): nothing says a datapoint is missing, so the verdict stands on
    what HoneyHive holds, and a warning says how many datapoints the run was meant to have cannot be told."""
    run_id, _ = _one_session_never_started(world)
    with FaultProxy(world.backend.url, rate=0, rewrite=_as_the_spec_has_it(counted=False)) as spec:
        assert world.view(run_id, url=spec.url) == 0
    page = (world.root / ".honeyhive" / f"report.{run_id}.html").read_text(encoding="utf-8")
    assert "5 of 5 datapoints passed" in page
    assert f"cannot tell how many datapoints run {run_id} was meant to have" in page


def test_a_sharded_runs_datapoint_count_is_the_whole_datasets_whichever_shard_job_creates_it(world: World) -> None:
    """The shard jobs record parts of one run, which the first of them creates: the count of datapoints view and
    publish read back (``metadata.datapoint_count``) is the whole dataset's, not that job's part, and the report job
    that completes the run keeps it, so the run viewed as the spec's run object misses nothing and warns of nothing."""
    run_id = _half_recorded(world)
    with world.client() as hh:
        assert hh.get_run(run_id)["metadata"]["datapoint_count"] == 6
    code, other = world.action("shard-2", {"mode": "run", "shard": "2/2"})
    assert code == 0, other.summary()
    code, report = world.action("report", {"mode": "report", "shard": "2/2"})
    assert report.outputs()["verdict"] in ("pass", "neutral", "fail"), report.summary()
    with world.client() as hh:
        assert hh.get_run(run_id)["metadata"]["datapoint_count"] == 6
    with FaultProxy(world.backend.url, rate=0, rewrite=_as_the_spec_has_it(counted=True)) as spec:
        assert world.view(run_id, url=spec.url) == 0
    page = (world.root / ".honeyhive" / f"report.{run_id}.html").read_text(encoding="utf-8")
    assert "of 6 datapoints passed" in page
    assert "not recorded" not in page
    assert "cannot tell how many datapoints" not in page


@pytest.mark.parametrize(
    ("sent_ids", "count", "unrecorded"),
    [
        (None, 3, ["(unnamed datapoint 1 of 1)"]),  # the spec's run object: counted from its metadata
        (None, 5, [f"(unnamed datapoint {k} of 3)" for k in (1, 2, 3)]),
        (None, 2, []),  # a session of every datapoint
        (None, None, []),  # nothing says how many: none (view and publish warn)
        (["a", "b", "c"], 3, ["c"]),  # a service that sends datapoint_ids names them
        (["a", "b", "c"], None, ["c"]),  # ... in a run without the count too
        (["c", "b", "a", "d"], 3, ["c", "d"]),  # the ids name more than the count: each once, none unnamed
    ],
)
def test_recorded_outcomes_count_the_datapoints_whose_session_never_started(
    hh: HoneyHiveClient, sent_ids: list[str] | None, count: int | None, unrecorded: list[str]
) -> None:
    """A recorded run with sessions of datapoints ``a`` and ``b``: the datapoints it was meant to have and HoneyHive
    holds no session of are backend errors, named by the run object's ``datapoint_ids`` when a service sends them
    (HoneyHive's spec has none), else counted from ``metadata.datapoint_count``."""
    run_id, sessions = str(uuid.uuid4()), [str(uuid.uuid4()), str(uuid.uuid4())]
    metadata = {} if count is None else {"datapoint_count": count}
    hh.create_run({"run_id": run_id, "name": "counted", "status": "completed", "metadata": metadata})
    hh.update_run(run_id, {"event_ids": sessions})  # listed: a session without a function span is not lost
    for session_id, datapoint_id in zip(sessions, "ab", strict=True):
        ids = {"run_id": run_id, "datapoint_id": datapoint_id}
        hh.start_session({"session_id": session_id, "session_name": "counted", "inputs": {}, "metadata": ids})
    run = ExperimentRun.model_validate({**hh.get_run(run_id), "datapoint_ids": sent_ids})
    outcomes = recorded_outcomes(hh, run_id, run)
    assert [o.datapoint_id for o in outcomes if o.status is OutcomeStatus.BACKEND_ERROR] == unrecorded
    assert sorted(o.datapoint_id for o in outcomes if o.status is not OutcomeStatus.BACKEND_ERROR) == ["a", "b"]


UNRECORDED = "datapoint(s) of the dataset were not recorded by the backend, so they were never judged"
TRACES = "/opentelemetry/v1/traces"


@pytest.mark.parametrize(
    ("answer", "ranged"),
    [("HTTP 500", False), ("HTTP 500", True), ("HTTP 404", True)],
    ids=["500", "500-with-passing-ranges", "404-with-passing-ranges"],
)
def test_a_run_whose_spans_never_reached_honeyhive_fails_whatever_the_backend_answered(
    world: World, answer: str, ranged: bool
) -> None:
    """Every export of the spans answered 500 (retried, then given up): the run passed ("6 of 6 datapoints passed",
    report.json without a warning or a reason) with none of their function spans, outputs or metrics in HoneyHive,
    where a 4xx failed it ("not recorded by the backend"). One rule: spans that never reached the
    backend leave their datapoint not recorded, whatever it answered. With passing ranges it failed also "its
    evaluator returned nothing for them": the backend passes a session without spans, but no evaluator is to blame."""
    if not ranged:
        config = world.root / ".honeyhive" / "experiment.yml"
        ranges = "passing_ranges:\n  topic_match: {min: 1}\n  keyword_recall: {min: 0.5}\n"
        config.write_text(config.read_text(encoding="utf-8").replace(ranges, ""), encoding="utf-8")
    if answer == "HTTP 500":
        proxy = FaultProxy(world.backend.url, rate=1.0, kinds=(Fault.HTTP_500,), should_fault=lambda m, p: p == TRACES)
    else:
        proxy = FaultProxy(world.backend.url, rate=0, missing=lambda method, path: path == TRACES)
    with proxy:
        code, ran = world.action("all", {"mode": "all", "comment-mode": "off", "server-url": proxy.url})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    written = _report_json(world.root)
    assert written["counts"] == {"passed": 0, "failed": 0, "errored": 6, "unrecorded": 6, "total": 6}
    [reason] = written["reasons"]
    assert reason.startswith(f"6 {UNRECORDED} ("), reason
    assert f": {answer}: " in reason, reason
    assert len(written["datapoints"]["errored"]) == 6


def test_a_datapoint_whose_outputs_the_backend_refused_is_not_recorded(world: World) -> None:
    """``PUT /v1/events/{id}`` (the session's outputs, ground truth and metadata: the function's and the evaluators'
    errors) refused for one datapoint: the run was neutral ("6 of 6 datapoints passed"), the session in HoneyHive
    without what a report job judges it by, and only a warning on its row said so."""
    calls = itertools.count()
    refused = FaultProxy(
        world.backend.url,
        rate=0,
        missing=lambda method, path: method == "PUT" and path.startswith("/v1/events/") and not next(calls),
    )
    with refused as proxy:
        code, ran = world.action("all", {"mode": "all", "comment-mode": "off", "server-url": proxy.url})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    written = _report_json(world.root)
    assert written["counts"] == {"passed": 5, "failed": 0, "errored": 1, "unrecorded": 1, "total": 6}
    [reason] = written["reasons"]
    [lost] = [row["id"] for row in written["datapoints"]["errored"]]
    assert reason.startswith(f"1 {UNRECORDED} (the outputs of datapoint {lost} were not recorded: "), reason
    assert "404" in reason, reason


NOT_RETURNED = "f" * 24  # an object id no datapoint of the backend has


def _managed_listing_one_not_returned(world: World) -> str:
    """The six questions as a managed dataset of the backend that also lists a datapoint it does not return (deleted
    but still listed), fourth of seven; the experiment file names it by its id, without passing ranges. Its id."""
    rows = [json.loads(line) for line in (world.root / "data" / "questions.jsonl").read_text("utf-8").splitlines()]
    project, store = Project.for_key(EXPERIMENT_KEY).project_id, world.backend.store
    ids = [
        store.create_datapoint(project, {"inputs": r["inputs"], "ground_truth": r["ground_truth"]})["id"] for r in rows
    ]
    dataset = str(store.create_dataset(project, "support", None, [*ids[:3], NOT_RETURNED, *ids[3:]])["id"])
    config = world.root / ".honeyhive" / "experiment.yml"
    ranges = "passing_ranges:\n  topic_match: {min: 1}\n  keyword_recall: {min: 0.5}\n"
    text = config.read_text(encoding="utf-8").replace(ranges, "")
    config.write_text(text.replace("  path: data/questions.jsonl", f"  id: {dataset}"), encoding="utf-8")
    return dataset


def test_a_datapoint_a_managed_dataset_lists_but_honeyhive_does_not_return_is_not_evaluated_and_fails_the_run(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A managed dataset listed 7 datapoints and HoneyHive returned 6: the run, report.json (no reason, no warning),
    the comment ("6 of 6 datapoints passed", ✅) and the run's ``metadata.datapoint_count`` (6) all held it as 6, a
    warning in the log the only trace. It is a datapoint not evaluated, as one whose session HoneyHive refused: the
    job fails it, and view, reading the run back, counts it."""
    dataset = _managed_listing_one_not_returned(world)
    code, ran = world.action("all", {"mode": "all", "comment-mode": "update"})
    assert (code, ran.outputs()["verdict"]) == (1, "fail"), ran.summary()
    written = _report_json(world.root)
    assert written["counts"] == {"passed": 6, "failed": 0, "errored": 1, "unrecorded": 1, "total": 7}
    said = f"HoneyHive's dataset support ({dataset}) lists datapoint {NOT_RETURNED}, which HoneyHive did not return"
    assert written["reasons"] == [f"1 {UNRECORDED} ({said}, so it was not evaluated)"]
    assert [(row["id"], row["kind"]) for row in written["datapoints"]["errored"]] == [(NOT_RETURNED, "backend error")]
    [comment] = world.github.comments(PR)
    assert "❌ **Failed**" in comment.body
    assert "6 of 7 datapoints passed, 1 not recorded" in comment.body
    assert f"| {NOT_RETURNED} | backend error | {said}, so it was not evaluated |" in comment.body
    run_id = ran.outputs()["run-id"]
    with world.client() as hh:
        assert hh.get_run(run_id)["metadata"]["datapoint_count"] == 7
    lines = [r.getMessage() for r in caplog.records if NOT_RETURNED in r.getMessage()]
    assert lines == [
        f"HoneyHive's dataset support ({dataset}) lists 1 datapoint(s) it did not return ({NOT_RETURNED}):"
        " counted as not evaluated"
    ], lines

    assert world.view(run_id) == 0
    viewed = (world.root / ".honeyhive" / f"report.{run_id}.html").read_text(encoding="utf-8")
    assert "6 of 7 datapoints passed, 1 not recorded" in viewed
    # the run holds their count only, and view said their sessions were never started (audit81 #7)
    said = "the others were not evaluated: HoneyHive did not return them as the run read its dataset, or their"
    assert said + " sessions were never started, and HoneyHive does not say which" in viewed


def test_a_sharded_run_of_a_managed_dataset_counts_the_datapoint_honeyhive_did_not_return_in_its_report(
    world: World,
) -> None:
    """Sharded, the datapoint a managed dataset lists but HoneyHive does not return is no shard's to record: its
    shard job records the others and passes (re-running it would not help), and the report job, which does not wait
    for it, fails the run on it, as the single job does."""
    dataset = _managed_listing_one_not_returned(world)
    config = world.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("ingestion: {timeout: 30}", "ingestion: {timeout: 5}"), encoding="utf-8")
    for shard in ("1/2", "2/2"):
        code, ran = world.action(f"shard-{shard[0]}", {"mode": "run", "shard": shard})
        assert code == 0, ran.summary()
    code, report = world.action("report", {"mode": "report", "shard": "2/2"})
    assert (code, report.outputs()["verdict"]) == (1, "fail"), report.summary()
    written = _report_json(world.root)
    assert written["counts"] == {"passed": 6, "failed": 0, "errored": 1, "unrecorded": 1, "total": 7}
    said = f"HoneyHive's dataset support ({dataset}) lists datapoint {NOT_RETURNED}, which HoneyHive did not return"
    assert written["reasons"] == [f"1 {UNRECORDED} ({said}, so it was not evaluated)"]
    with world.client() as hh:
        assert hh.get_run(report.outputs()["run-id"])["metadata"]["datapoint_count"] == 7


def test_a_shard_whose_outputs_the_backend_refused_fails_and_its_evaluator_error_reaches_the_report(
    world: World,
) -> None:
    """A shard's evaluator raised on one datapoint, and every ``PUT /v1/events/{id}`` was refused: the evaluator's
    error, which only the session's metadata carries, was lost; the shard job said "recorded 6 … 0 failed" and the
    report job "6 of 6 datapoints passed". Now the shard fails (its datapoints are not recorded: re-run it), the report
    job cannot go green meanwhile, and the re-run's report fails on the evaluator's error."""
    config = add_evaluator(
        world.root,
        "cites_policy",
        "def cites_policy(outputs, inputs, ground_truth=None):\n"
        "    if (ground_truth or {}).get('topic') == 'invoice':\n"
        "        raise KeyError('citations')\n"
        "    return 1.0\n",
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("ingestion: {timeout: 30}", "ingestion: {timeout: 1}"), encoding="utf-8")
    refused = FaultProxy(
        world.backend.url, rate=0, missing=lambda method, path: method == "PUT" and path.startswith("/v1/events/")
    )
    with refused as proxy:
        code, lost = world.action("shard-attempt-1", {"mode": "run", "shard": "1/1", "server-url": proxy.url})
    assert code == 2, lost.summary()
    code, early = world.action("report-early", {"mode": "report", "shard": "1/1"})
    assert (code, early.outputs()["verdict"]) == (2, "error"), early.summary()

    code, again = world.action("shard-attempt-2", {"mode": "run", "shard": "1/1"})
    assert code == 0, again.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    assert (code, report.outputs()["verdict"]) == (1, "fail"), report.summary()
    written = _report_json(world.root)
    assert any("cites_policy" in reason for reason in written["reasons"]), written["reasons"]


def _deep(stored: Any, sent: Any) -> Any:
    """A deep merge: objects key by key, all the way down; anything else replaces."""
    if isinstance(stored, dict) and isinstance(sent, dict):
        return {**stored, **{key: _deep(stored.get(key), value) for key, value in sent.items()}}
    return sent


def _merging_deep_keeping_nulls(world: World) -> Callable[[str, str, Any], Any]:
    """A backend's other reading of ``PUT /v1/events/{id}``'s metadata, played in front of honeyhive_local (which
    merges it one level deep and stores a null): nested objects merged too, and a null keeping the stored value
    (as a null ``outputs`` does)."""

    def rewrite(method: str, path: str, body: Any) -> Any:
        if method != "PUT" or not path.startswith("/v1/events/") or not isinstance(body.get("metadata"), dict):
            return body
        with world.client() as hh:
            stored = hh.request("GET", path)["event"].get("metadata") or {}
        sent = {key: _deep(stored.get(key), value) for key, value in body["metadata"].items() if value is not None}
        return {**body, "metadata": sent}

    return rewrite


@pytest.mark.parametrize("deep_keeping_nulls", [False, True], ids=["merged-one-level", "merged-deep-nulls-kept"])
def test_a_report_job_judges_a_rerun_shard_by_what_the_rerun_recorded_not_by_the_failed_attempts_errors(
    world: World, tmp_path: Path, deep_keeping_nulls: bool
) -> None:
    """A shard's first attempt lost its spans (the OTLP route answered 500) while its function raised on one
    datapoint and an evaluator on the others (a rate limit); the re-run scored every datapoint cleanly, but the
    failed attempt's ``error`` and ``evaluator_errors`` stayed in the sessions' metadata (the backend merges it
    key by key) and the report job failed the run on errors that no longer held. Whichever way the backend merges:
    the contract says neither whether nested objects merge nor what a null does (a null ``outputs`` keeps)."""
    rewrite = _merging_deep_keeping_nulls(world) if deep_keeping_nulls else None
    limited = tmp_path / "rate-limited"
    app = world.root / "support_bot" / "app.py"
    app.write_text(
        f"{app.read_text(encoding='utf-8')}\n\n_answer = answer\n\n\ndef answer(datapoint):\n"
        f"    if __import__('pathlib').Path({str(limited)!r}).exists() and 'reset' in str(datapoint['inputs']):\n"
        "        raise RuntimeError('HTTP 429: rate limited')\n"
        "    return _answer(datapoint)\n",
        encoding="utf-8",
    )
    add_evaluator(
        world.root,
        "judge",
        "def judge(outputs, inputs, ground_truth=None):\n"
        f"    if __import__('pathlib').Path({str(limited)!r}).exists():\n"
        "        raise RuntimeError('HTTP 429: rate limited')\n"
        "    return 0.9\n",
    )

    limited.touch()
    traces = "/opentelemetry/v1/traces"
    with FaultProxy(
        world.backend.url,
        rate=1.0,
        kinds=(Fault.HTTP_500,),
        should_fault=lambda m, p: p == traces,
        rewrite_request=rewrite,
    ) as proxy:
        code, lost = world.action("shard-attempt-1", {"mode": "run", "shard": "1/1", "server-url": proxy.url})
    assert code == 2, lost.summary()
    limited.unlink()
    with FaultProxy(world.backend.url, rate=0, rewrite_request=rewrite) as proxy:
        code, again = world.action("shard-attempt-2", {"mode": "run", "shard": "1/1", "server-url": proxy.url})
    assert code == 0, again.summary()

    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    written = _report_json(world.root)
    assert (code, written["verdict"], written["datapoints"]["errored"]) == (0, "neutral", []), written["reasons"]
    assert "rate limited" not in report.summary()


RERUN_WARNING = (
    "::warning::shard 1/1: {n} datapoint(s) an earlier attempt recorded with an error are not run again in this"
    " workflow run (its run keeps them): start a new workflow run (push a commit, or close and reopen the pull"
    " request) to run them again"
)


def test_a_rerun_shard_warns_that_the_datapoints_an_earlier_attempt_recorded_with_an_error_are_not_run_again(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider outage: attempt 1's function raised on two datapoints and an evaluator on a third; "Re-run jobs"
    once it was over, and the re-run shard skipped all three (recorded by attempt 1, same workflow run, same run)
    saying only "recorded 0 … (6 already there …, 0 failed)", and the report job failed again on them. Now the re-run
    says at once how many it does not run again and what does; a re-run after a clean attempt says nothing."""
    app = world.root / "support_bot" / "app.py"
    app.write_text(
        f"{app.read_text(encoding='utf-8')}\n\n_answer = answer\n\n\ndef answer(datapoint):\n"
        "    if __import__('os').environ.get('PROVIDER_DOWN') and 'reset' in str(datapoint['inputs']):\n"
        "        raise RuntimeError('HTTP 503: provider down')\n"
        "    return _answer(datapoint)\n",
        encoding="utf-8",
    )
    add_evaluator(
        world.root,
        "judge",
        "def judge(outputs, inputs, ground_truth=None):\n"
        "    if __import__('os').environ.get('PROVIDER_DOWN') and (ground_truth or {}).get('topic') == 'invoice':\n"
        "        raise RuntimeError('HTTP 503: provider down')\n"
        "    return 0.9\n",
    )
    shard = {"mode": "run", "shard": "1/1"}
    monkeypatch.setenv("PROVIDER_DOWN", "1")
    assert world.action("outage-attempt-1", shard, run_id="9101")[0] == 0
    monkeypatch.delenv("PROVIDER_DOWN")
    capsys.readouterr()
    assert world.action("outage-attempt-2", shard, run_id="9101", attempt="2")[0] == 0
    out = capsys.readouterr().out
    assert RERUN_WARNING.format(n=3) in out.splitlines(), out
    code, report = world.action("outage-report", {"mode": "report", "shard": "1/1"}, run_id="9101", attempt="2")
    errored = _report_json(world.root)["datapoints"]["errored"]
    assert (code, len(errored)) == (1, 3), report.summary()  # the three the report job fails the run on

    assert world.action("clean-attempt-1", shard, run_id="9102")[0] == 0
    capsys.readouterr()
    assert world.action("clean-attempt-2", shard, run_id="9102", attempt="2")[0] == 0
    out = capsys.readouterr().out
    assert "(6 already there from an earlier attempt, 0 failed)" in out, out
    assert "recorded with an error" not in out, out


def test_a_report_job_that_gives_up_on_a_shard_names_the_run_its_error_names_and_a_rerun_judges_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shard 2/2 never ran: the report job's error named run … in its text, but its ``run-id`` output, report.json's
    ``run.id`` and the comment's marker (``run=-``) were empty, so the run the re-run must complete could not be
    found from what the job left. Re-run once shard 2 delivered, the report job judges the run as usual."""
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("{timeout: 30}", "{timeout: 0.1}"), encoding="utf-8")
    assert "ingestion: {timeout: 0.1}" in config.read_text(encoding="utf-8")  # the report job gives up at once
    run_id = _half_recorded(world)

    code, report = world.action("report", {"mode": "report", "shard": "2/2"})

    assert (code, report.outputs()["verdict"], report.outputs()["run-id"]) == (2, "error", run_id), report.summary()
    written = _report_json(world.root)
    assert written["run"]["id"] == run_id
    assert f"run {run_id}: 3 of 6 datapoints never reached HoneyHive" in written["error"], written["error"]
    assert "missing from shard 2/2: 3 datapoint(s)" in written["error"]
    [comment] = world.github.comments(PR)
    assert f"run={run_id} -->" in comment.body
    with world.client() as hh:
        assert hh.get_run(run_id)["status"] == "running", "left open, so that re-running the failed jobs completes it"
        assert hh.get_run(run_id)["metadata"]["check"]["verdict"] == "error"

    code, shard = world.action("shard-2", {"mode": "run", "shard": "2/2"})
    assert code == 0, shard.summary()
    code, again = world.action("report-attempt-2", {"mode": "report", "shard": "2/2"})
    assert (code, again.outputs()["verdict"], again.outputs()["run-id"]) == (0, "neutral", run_id), again.summary()
    with world.client() as hh:
        stamped = hh.get_run(run_id)["metadata"]["check"]["verdict"]
    assert stamped == "neutral", "the re-run's verdict replaces the error its first attempt stamped"
    capsys.readouterr()


def test_publish_and_view_take_a_runs_trials_from_the_run_not_from_their_experiment_file(world: World) -> None:
    """The default branch's experiment file runs 3 trials, the pull request's 1: the publish job (and ``view`` from
    a checkout of the default branch) said the run had "3 trials per datapoint" (and lost the warning that its
    baseline had 3 where the run had 1)."""
    code, ran = world.action("all", {"mode": "all", "comment-mode": "update"})
    assert (code, ran.outputs()["verdict"]) == (0, "neutral"), ran.summary()
    written = _report_json(world.root)
    assert written["trials"] == 1

    publisher = world.publisher("publisher", written)
    config = publisher / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "trials: 3\n", encoding="utf-8")
    code, published = world.action("publish", {"mode": "publish"}, root=publisher, event=workflow_run(HEAD_SHA))
    assert code == 0, published.summary()
    again = json.loads((publisher / ".honeyhive" / "report.published.json").read_text(encoding="utf-8"))
    assert again["trials"] == 1
    [comment] = world.github.comments(PR)
    assert "trials per datapoint" not in comment.body

    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "trials: 3\n", encoding="utf-8")
    run_id = ran.outputs()["run-id"]
    assert world.view(run_id) == 0
    assert "trials per datapoint" not in (world.root / ".honeyhive" / f"report.{run_id}.html").read_text(
        encoding="utf-8"
    )


def test_the_report_job_shows_every_error_of_an_evaluator_as_the_job_that_ran_it_does(world: World) -> None:
    """An evaluator's dict with two metrics not finite is two errors: the report job (and publish, view) kept one per
    evaluator, the last, so it showed half of them and cited ``judge_confidence`` where the job that ran it cited
    ``judge``."""
    add_evaluator(
        world.root,
        "judge",
        "def judge(outputs, inputs, ground_truth=None):\n"
        "    if 'password' in inputs['question']:\n"
        "        return {'score': float('nan'), 'confidence': float('inf')}\n"
        "    return {'score': 0.9, 'confidence': 0.8}\n",
    )
    code, ran = world.action("all", {"mode": "all", "comment-mode": "off"})
    assert code == 1, ran.summary()
    by_the_run = _report_json(world.root)
    assert len(by_the_run["datapoints"]["errored"]) == 4  # two datapoints, two metrics each

    code, shard = world.action("shard", {"mode": "run", "shard": "1/1"})
    assert code == 0, shard.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    assert code == 1, report.summary()
    by_the_report = _report_json(world.root)
    assert by_the_report["datapoints"]["errored"] == by_the_run["datapoints"]["errored"]
    assert by_the_report["reasons"] == by_the_run["reasons"]


def test_the_report_job_says_a_ranged_metric_was_a_string_without_showing_it(world: World) -> None:
    """An evaluator returned a label ("PASS") for a metric with a passing range: the job that ran it said so, the
    report job (and publish, view) said "its evaluator returned nothing". The string's text stays out of the
    reasons and the comment: recorded redacted only of the running job's secrets, which the report job lacks."""
    config = add_evaluator(
        world.root, "grade", "def grade(outputs, inputs, ground_truth=None):\n    return 'PASS-label-7731'\n"
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("passing_ranges:\n", "passing_ranges:\n  grade: {min: 1}\n"), encoding="utf-8")
    code, shard = world.action("shard", {"mode": "run", "shard": "1/1"})
    assert code == 0, shard.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    assert code == 1, report.summary()
    written = _report_json(world.root)
    assert written["reasons"][0] == (
        "grade has a passing range but no value on 6 of the datapoints the backend passed: its evaluator returned a"
        " string; a passing range needs a number or a bool"
    )
    assert "PASS-label-7731" not in report.summary()


def test_the_report_job_says_an_empty_string_was_a_string_as_the_job_that_ran_it_does(world: World) -> None:
    """An evaluator returned "" for a ranged metric: the job that ran it said "its evaluator returned a string", the
    report job (and publish, view) "its evaluator returned nothing for them": an empty string was not kept."""
    config = add_evaluator(
        world.root,
        "grade",
        "def grade(outputs, inputs, ground_truth=None):\n    return '' if 'password' in inputs['question'] else 0.8\n",
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("passing_ranges:\n", "passing_ranges:\n  grade: {min: 0.5}\n"), encoding="utf-8")
    code, ran = world.action("all", {"mode": "all", "comment-mode": "off"})
    assert code == 1, ran.summary()
    by_the_run = _report_json(world.root)["reasons"]
    assert by_the_run[0].endswith(": its evaluator returned a string; a passing range needs a number or a bool")

    code, shard = world.action("shard", {"mode": "run", "shard": "1/1"})
    assert code == 0, shard.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    assert code == 1, report.summary()
    assert _report_json(world.root)["reasons"] == by_the_run


def test_a_report_job_with_trials_reads_each_trials_values_not_only_the_firsts(world: World) -> None:
    """A boolean metric whose evaluator abstains on each datapoint's first trial: the report job read the values of
    first trials only, found none, so its gate no pass rate can cross read as a number and passed where the job that
    ran it failed."""
    config = add_evaluator(
        world.root,
        "grounded",
        "from opentelemetry import baggage\n"
        "from honeyhive_experiment.runner import session_id_for\n\n\n"
        "def grounded(outputs, inputs, ground_truth=None):\n"
        "    ids = [baggage.get_baggage(f'honeyhive.{key}') for key in ('session_id', 'run_id', 'datapoint_id')]\n"
        "    return None if ids[0] == session_id_for(ids[1], ids[2], 0) else True\n",
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "trials: 2\ngate: {grounded: {max_drop: 5}}\n", encoding="utf-8")
    code, shard = world.action("shard", {"mode": "run", "shard": "1/1"})
    assert code == 0, shard.summary()
    code, report = world.action("report", {"mode": "report", "shard": "1/1"})
    assert (code, report.outputs()["verdict"]) == (1, "fail"), report.summary()
    written = _report_json(world.root)
    # and its first trials were never checked against the gate: each datapoint's value is its second trial's alone
    assert [reason[:50] for reason in written["reasons"]] == [
        "grounded has a gate but no value on 6 of the datap",
        "gate.grounded: max_drop: 5 can never be crossed: g",
    ]
    assert "(in some of their trials): its evaluator returned nothing for them" in written["reasons"][0]

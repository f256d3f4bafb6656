"""The action entry point run as GitHub runs it, against honeyhive_local and a fake GitHub REST server.

GitHub starts the Docker action with the ``runs.env`` of action.yml (each ``${{ inputs.x }}`` filled
in), the ``GITHUB_*`` context, an event payload file, and ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY``
files. These tests do the same: they build that environment from action.yml itself
(``tests/fakes/actions_runner.py``) and run ``python -m honeyhive_experiment action`` as a subprocess in a copy
of the quickstart repository. Only that outermost wiring (the environment) is made up; the backend, GitHub's
API (through PyGithub's ``base_url``), the OTLP exporter and the files are real.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.history import recent_run_rows
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report import marker
from tests.action_world import API_KEY, FORKS_SECRETS, World
from tests.action_world import world as world  # the fixture
from tests.fakes.actions_runner import (
    BASE_SHA,
    GITHUB_TOKEN,
    HEAD_REF,
    HEAD_SHA,
    PR,
    REPOSITORY,
    Event,
    Step,
    issue_comment,
    pull_request,
    push,
    run_action,
    start_action,
    workflow_run,
)
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.quickstart import IN_A_FOLDER, git, init_repository, monorepo, set_answers, stricter_twin

pytestmark = pytest.mark.e2e

HANG_GUARD = 120.0  # seconds a test waits for the action before it fails: only keeps a hung test from hanging the suite


def _break_the_app(root: Path) -> None:
    """A change that makes every answer miss its topic: the backend then reports failures."""
    app = root / "support_bot" / "app.py"
    app.write_text(app.read_text().replace("    topic = _topic(question)\n", "    topic = None\n"))


def test_baseline_then_pr_comment_created_once_and_edited(world: World) -> None:
    """The first two steps in this process (their outputs, summary and comment are the point), the last as GitHub
    runs it (its log too)."""
    # a push to main records the baseline (nothing to compare with yet: neutral, exit 0)
    code, pushed = world.in_process(push(BASE_SHA), name="push")
    push_outputs = pushed.outputs()
    assert code == 0
    assert push_outputs["verdict"] == "neutral"
    assert "No baseline yet" in pushed.summary()
    assert world.github.writes == []  # no pull request: nothing to comment on

    code, first = world.in_process(pull_request(), name="first")
    outputs, summary = first.outputs(), first.summary()
    assert code == 0
    assert outputs["verdict"] == "pass"
    assert outputs["baseline-run-id"] == push_outputs["run-id"]
    assert outputs["passed"] == "22"
    assert outputs["failed"] == "0"
    assert outputs["run-id"]
    assert f"/pull/{PR}#issuecomment-" in outputs["comment-url"]
    assert outputs["report-path"] == ".honeyhive/report.json"  # as a later step names it: from the workspace
    assert json.loads((world.root / outputs["report-path"]).read_text())["verdict"] == "pass"
    assert "compared on" in summary
    [comment] = world.github.comments(PR)
    assert "support-bot-quickstart" in comment.body
    assert HEAD_SHA[:7] in comment.body
    # the HTML report: written, its path an output, and the comment and summary point to the run's artifacts
    page = world.root / outputs["html-report-path"]
    assert page.name == "report.html"
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    run_link = f"https://github.com/{REPOSITORY}/actions/runs/"
    artifacts = f"**report.html** in [the artifacts of the workflow run that ran the experiment]({run_link}"
    assert artifacts in comment.body
    assert artifacts in summary

    second, outputs_2, _ = world.run_action()
    assert second.returncode == 0, second.stderr
    comments = world.github.comments(PR)
    assert len(comments) == 1, "the second run must edit the comment, not add one"
    assert comments[0].id == comment.id
    assert outputs_2["run-id"] in comments[0].body
    assert outputs_2["run-id"] != outputs["run-id"]
    for secret in (API_KEY, GITHUB_TOKEN):
        assert secret not in comments[0].body
        assert secret not in second.stdout + second.stderr


def test_a_release_branch_is_compared_with_its_own_runs_and_its_queue_with_its_base(world: World) -> None:
    """A push to ``release/1.x`` compares with that branch's previous run, not main's; a branch's first push with
    main's run at their merge base (GitHub's compare: no git history here), else main's latest passing run; a merge
    queue's entry into it with the run at the queue's base commit (its merge base), though a later run exists. (Every
    step in this process, three questions each.)"""
    world.keep_questions(3)
    world.github.set_merge_base("main", "f" * 40, "a" * 40)
    runs: dict[str, str] = {"": ""}
    pushes = [("main", "a", ""), ("main", "m", "a"), ("feature-x", "f", "a"), ("release/1.x", "b", "m")]
    for branch, sha, compared_with in [*pushes, ("release/1.x", "c", "b")]:
        code, step = world.in_process(push(sha * 40, branch), name=f"push-{sha}")
        assert code == 0, f"{branch} {sha}"
        runs[sha] = step.outputs()["run-id"]
        assert step.outputs()["baseline-run-id"] == runs[compared_with], f"{branch} {sha}: runs {runs}"
        if sha == "f":
            assert "no passing run of feature-x yet: run at merge-base aaaaaaa with main" in step.summary()

    queue = f"refs/heads/gh-readonly-queue/release/1.x/pr-9-{'b' * 40}"
    group = {"head_sha": "d" * 40, "head_ref": queue, "base_sha": "b" * 40, "base_ref": "refs/heads/release/1.x"}
    payload = {"action": "checks_requested", "merge_group": group, "repository": push().payload["repository"]}
    entry = Event("merge_group", payload, sha="d" * 40, ref=queue, ref_name=queue.removeprefix("refs/heads/"))
    code, step = world.in_process(entry, inputs={"comment-mode": "off"}, name="merge-group")  # the payload says
    # the merge base: no git history to ask

    assert code == 0
    assert step.outputs()["baseline-run-id"] == runs["b"]
    assert "merge-base bbbbbbb with release/1.x" in step.summary()


def test_each_leg_of_a_matrix_is_compared_with_its_own_legs_baseline(world: World) -> None:
    """A matrix over models records one run per leg on main at the same commit; a pull request's leg is compared with
    the same leg's run (the newest run at the merge base is the other leg's), a job without a variant with none of
    theirs, and its note names the legs' runs it passed over. (Three questions.)"""
    world.keep_questions(3)
    recorded = {}
    for leg in ("gpt", "claude"):
        code, step = world.in_process(push(BASE_SHA), inputs={"variant": leg}, name=f"push-{leg}")
        assert code == 0
        recorded[leg] = step.outputs()["run-id"]

    for leg in ("gpt", "claude"):
        code, step = world.in_process(pull_request(), inputs={"variant": leg}, name=f"pr-{leg}")
        assert code == 0
        assert step.outputs()["baseline-run-id"] == recorded[leg], leg
    [*_, comment] = world.github.comments(PR)
    assert "### support-bot-quickstart · claude" in comment.body

    code, step = world.in_process(pull_request(), inputs={"comment-mode": "off"}, name="pr-plain")
    assert code == 0
    assert step.outputs()["baseline-run-id"] == ""
    note = step.summary()
    assert "(variant claude)" in note, note
    assert "(variant gpt)" in note, note
    assert f"this file, {DEFAULT_CONFIG_PATH} (no variant)" in note, note


def test_exit_codes_follow_the_verdict(world: World) -> None:
    """Exit 1 and 2 as GitHub runs the action (with their log); the baseline, and exit 0 (what ``main`` returns is the
    process's exit code, as the other two show), in this process. (Three questions.)"""
    world.keep_questions(3)
    code, _ = world.in_process(push(BASE_SHA), name="baseline")
    assert code == 0
    _break_the_app(world.root)

    failed, outputs, summary = world.run_action()
    assert failed.returncode == 1, failed.stderr
    assert outputs["verdict"] == "fail"
    assert outputs["failed"] == "3"
    assert "Failed" in summary
    # a red job says why in its log: one ::error:: line per reason
    assert "::error::verdict fail: 3 datapoint(s) failed their passing ranges" in failed.stdout

    bad_config = world.root / ".honeyhive" / "broken.yml"
    bad_config.write_text(
        "name: x\nfunction: support_bot.app:answer\ndataset: {path: data/questions.jsonl}\nmax_workers: 0\n"
    )
    errored, outputs, summary = world.run_action(inputs={"config": ".honeyhive/broken.yml"})
    assert errored.returncode == 2
    assert outputs["verdict"] == "error"
    assert "::error file=.honeyhive/broken.yml,line=4" in errored.stdout
    assert "max_workers" in summary

    code, tolerated = world.in_process(
        pull_request(), inputs={"config": ".honeyhive/broken.yml", "fail-on-error": "false"}, name="tolerated"
    )
    assert code == 0
    assert tolerated.outputs()["verdict"] == "error"


def test_a_runner_token_leaked_into_outputs_and_logs_is_redacted_everywhere(world: World) -> None:
    """The runner puts its own tokens into a Docker action's environment. A user's function that leaks one
    (into its outputs, and into a log line) must not get it into the comment, the summary, the step log or
    report.json. The token has no well-known shape: only the exact value, which Settings hands the redactor,
    can catch it. The action withholds it from the user's code: not in ``os.environ``, and not in
    ``/proc/self/environ`` (the environment the process started with, which its children can read too), as the
    action started again without it; nor is the file in memory that handed it over left open. So the function
    leaks it from a file the test leaves it in. The workflow's token under another name (``GH_TOKEN``, as gh's docs
    have a job set it) is withheld for its value, and a warning names it; so is it encoded, as actions/checkout's
    extraheader holds it in ``GIT_CONFIG_VALUE_0`` (base64 of ``x-access-token:TOKEN``: it was left in the
    environment, audit77 F5). HoneyHive's key stays. (Three questions.)"""
    world.keep_questions(3)
    token = "runner-runtime-Zx81Qm27Lp0Tq44Vb"
    encoded = base64.b64encode(f"x-access-token:{GITHUB_TOKEN}".encode()).decode()
    app = world.root / "support_bot" / "app.py"
    source = app.read_text()
    source = source.replace("import time\n", "import logging\nimport os\nimport time\n", 1)
    source = source.replace(
        '    return {"answer": reply, "topic": topic}',
        '    started = open("/proc/self/environ", "rb").read().decode()\n'
        '    fds = [os.path.join("/proc/self/fd", fd) for fd in os.listdir("/proc/self/fd")]\n'
        '    held = [fd for fd in fds if os.path.exists(fd) and "withheld" in os.readlink(fd)]\n'
        '    found = [name for name in ("ACTIONS_RUNTIME_TOKEN", "GITHUB_TOKEN", "INPUT_") if name in started]\n'
        f"    forms = {(GITHUB_TOKEN, encoded)!r}\n"
        "    found += [name for name, value in os.environ.items() if any(form in value for form in forms)]\n"
        '    found += ["/proc/self/environ"] if any(form in started for form in forms) else []\n'
        f'    kept = bool(os.environ.get("HH_API_KEY")) and {API_KEY!r} in started\n'
        '    leaked = open("leak.txt").read()\n'
        '    logging.getLogger("support_bot").warning("found %s in the environment, %s held, key %s",'
        " found, held, kept)\n"
        '    logging.getLogger("support_bot").warning("calling the model with %s", leaked)\n'
        '    return {"answer": f"{reply} (debug: {leaked})", "topic": topic}',
    )
    app.write_text(source)
    (world.root / "leak.txt").write_text(token)
    _break_the_app(world.root)  # every datapoint fails, so the comment previews their outputs

    extraheader = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.https://github.com/.extraheader"}
    extraheader["GIT_CONFIG_VALUE_0"] = f"AUTHORIZATION: basic {encoded}"
    runner_env = {"ACTIONS_RUNTIME_TOKEN": token, "GH_TOKEN": GITHUB_TOKEN, **extraheader}
    done, outputs, summary = world.run_action(runner_env=runner_env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "found [] in the environment, [] held, key True" in done.stdout + done.stderr
    assert "::warning::GH_TOKEN, GIT_CONFIG_VALUE_0 held the GitHub token" in done.stdout
    [comment] = world.github.comments(PR)
    report = (world.root / outputs["report-path"]).read_text()
    assert "debug: \\*\\*\\*" in comment.body, "the leaked output is shown, redacted (and Markdown-escaped)"
    assert "debug: ***" in report
    assert "calling the model with ***" in done.stdout + done.stderr
    for where, text in {
        "comment": comment.body,
        "summary": summary,
        "log": done.stdout + done.stderr,
        "report.json": report,
    }.items():
        assert token not in text, where


def test_fork_without_api_key_is_neutral_and_writes_nothing_to_github(world: World) -> None:
    """(In this process: a fork's run without secrets, as a subprocess, is test_a_dry_run_without_an_api_key_...'s.)"""
    code, step = world.in_process(pull_request(fork=True), runner_env=FORKS_SECRETS, name="fork")
    outputs, summary = step.outputs(), step.summary()
    assert code == 0
    assert outputs["verdict"] == "neutral"
    assert "fork" in summary.lower()
    assert "secret" in summary.lower()
    assert [r for r in world.github.requests if r.method != "GET"] == []
    assert world.github.comments(PR) == []


def test_a_dry_run_without_an_api_key_runs_on_the_embedded_backend_and_says_so(world: World) -> None:
    """``dry-run: true`` with a blank ``api-key`` (a secret that is not set, or a fork's pull request) runs on the
    embedded backend, in the job's workspace and gone with it: the summary says so (no baseline can exist there, so
    no gate can fire), and a fork's says why there is no key. Its datapoints' passing ranges need no baseline: a fork's
    failing run was a green neutral "No experiment was run". Both jobs after one baseline, each in a fresh workspace
    (the embedded backend's database of the first job removed, as its job's end removes it). (Three questions.)"""
    world.keep_questions(3)
    assert world.in_process(push(BASE_SHA), name="baseline")[0] == 0  # in HoneyHive, which the embedded backend lacks
    _break_the_app(world.root)

    for fork in (False, True):
        for left in (world.root / ".honeyhive").glob("local.db*"):
            left.unlink()
        done, outputs, summary = world.run_action(inputs={"dry-run": "true", "api-key": ""}, fork=fork)

        shown = f"fork: {fork}\n{done.stdout}{done.stderr}"
        assert done.returncode == 1, shown
        assert outputs["verdict"] == "fail", shown
        assert outputs["run-id"], shown
        assert "embedded local backend in the job's workspace, gone when the job ends" in summary, shown
        assert "no baseline, so no gate can fire" in summary, shown
        assert ("This pull request comes from a fork" in summary) is fork, shown
        assert [r for r in world.github.requests if r.method != "GET"] == [], shown


def test_missing_comment_permission_is_a_warning_and_a_stale_run_leaves_the_newer_heads_comment(world: World) -> None:
    """Two pull-request runs after one baseline: without the permission to comment (403) the verdict still decides;
    then, the pull request having moved on while a run for its older head was going and the newer head's run having
    commented, that run leaves the comment alone, and its comment-url output names none (it named the newer head's
    comment). (The baseline and the stale run in this process.)"""
    world.keep_questions(3)
    assert world.in_process(push(BASE_SHA), name="baseline")[0] == 0
    world.github.forbid_writes = True
    done, outputs, _ = world.run_action()
    assert done.returncode == 0, done.stderr  # the verdict is pass; the 403 does not fail the check
    assert outputs["verdict"] == "pass"
    assert outputs["comment-url"] == ""
    assert "::warning::" in done.stdout
    assert "pull-requests: write" in done.stdout

    world.github.forbid_writes = False
    newer = "9" * 40
    world.github.push(PR, newer)  # the PR moved on while this (older) run was going, and its run commented
    meta = f"<!-- honeyhive-experiment:meta head={newer} run=r2 -->"
    newers = f"{marker(DEFAULT_CONFIG_PATH)}\n{meta}\nthe newer head's result"
    world.github.add_comment(PR, newers, user=world.github.bot_login)
    code, stale = world.in_process(pull_request(head_sha=HEAD_SHA), name="stale")
    assert code == 0
    assert [comment.body for comment in world.github.comments(PR)] == [newers]
    assert stale.outputs()["comment-url"] == ""  # it named the comment it left alone


@pytest.mark.parametrize(
    ("signals", "code"),
    [(("SIGTERM",), 2), (("SIGINT", "SIGTERM"), 130)],
    ids=["sigterm", "sigint-then-sigterm"],
)
def test_a_signal_cancels_the_run_and_the_comment_says_so(world: World, signals: tuple[str, ...], code: int) -> None:
    """SIGTERM cancels; SIGINT then SIGTERM (what the runner sends when a job is cancelled) stops at once — and
    either way the run is marked cancelled and the report, outputs and summary are written before exiting. Every
    datapoint's function would run for ten minutes (the experiment file allows it an hour), so that the action exits
    at all is the signal's doing: how soon is for a benchmark to measure, not for a test on a shared machine
    (``HANG_GUARD`` only stops a test that hangs)."""
    import signal

    import httpx

    began = world.tmp / "began"  # a FIFO: each datapoint's function says it has begun
    os.mkfifo(began)
    app = world.root / "support_bot" / "app.py"
    source = app.read_text().replace("SIMULATED_LATENCY_S = 0.02", "SIMULATED_LATENCY_S = 600.0")
    sleep = "    time.sleep(SIMULATED_LATENCY_S)\n"
    said = f"    with open({str(began)!r}, 'w') as fifo:\n        fifo.write('began\\n')\n"
    app.write_text(source.replace(sleep, said + sleep))
    config = world.root / ".honeyhive" / "experiment.yml"
    assert "\ntimeout: 10\n" in config.read_text()
    config.write_text(config.read_text().replace("\ntimeout: 10\n", "\ntimeout: 3600\n"))
    step, env = world.step(pull_request(), run_id="9002")
    reader = os.open(began, os.O_RDONLY | os.O_NONBLOCK)  # before the functions' open(), which waits for a reader
    process = start_action(env, world.root)
    try:
        # Linux: a FIFO no writer has opened yet is not readable: this waits for the first function to begin
        assert select.select([reader], [], [], HANG_GUARD)[0], "no datapoint's function began"
        for name in signals:  # back to back: the second arrives while the first is still cancelling the run
            process.send_signal(getattr(signal, name))
        _, stderr = process.communicate(timeout=HANG_GUARD)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        os.close(reader)
    assert process.returncode == code, stderr
    headers = {"Authorization": f"Bearer {API_KEY}"}
    [listed] = httpx.get(f"{world.backend.url}/v1/runs", headers=headers).json()["evaluations"]
    run = httpx.get(f"{world.backend.url}/v1/runs/{listed['run_id']}", headers=headers).json()["evaluation"]
    assert run["status"] == "cancelled"
    assert step.outputs().get("verdict") == "error", stderr
    assert "cancelled" in step.summary().lower()
    [comment] = world.github.comments(PR)
    assert "cancelled" in comment.body.lower()


def test_the_unknown_merge_base_is_said_only_when_the_branch_fallback_stood_in_for_it(world: World) -> None:
    """A shallow checkout (GitHub cannot tell the merge base either): the comment says the baseline is the latest
    passing run on the base branch instead, only when one was used; with none yet it would be a false claim, but that
    the merge base is unknown, with the hint, is said then too ("No baseline yet" said there was no run at it:
    audit70 #3). (Every step in this process.)"""
    world.keep_questions(3)
    assert world.in_process(pull_request(), name="first")[0] == 0
    [comment] = world.github.comments(PR)
    assert "No baseline yet" in comment.body
    assert "so the baseline is" not in comment.body
    assert (
        "merge base is unknown (a shallow checkout: set fetch-depth: 0 on actions/checkout), so no run at it could be"
        " looked for" in comment.body
    )
    assert "🔎 Every datapoint of this run: **report.html**" in comment.body  # no baseline's output to show beside

    assert world.in_process(push(BASE_SHA), name="push")[0] == 0
    code, again = world.in_process(pull_request(), name="again")
    assert code == 0
    assert again.outputs()["baseline-run-id"]
    [comment] = world.github.comments(PR)
    assert "merge base is unknown" in comment.body
    assert "🔎 Every datapoint, this run's output beside the baseline's: **report.html**" in comment.body


def test_the_code_runs_in_the_working_directory(tmp_path: Path) -> None:
    """``working-directory: services/bot`` is where the code runs, as it is where any step runs: its import, function
    and evaluator read their files relative to it (every datapoint raised FileNotFoundError: a red check)."""
    workspace = monorepo(tmp_path / "workspace")
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off", "working-directory": IN_A_FOLDER}

    done = run_action(step.env(workspace, inputs), workspace)

    assert done.returncode == 0, done.stdout + done.stderr
    outputs = step.outputs()
    assert (outputs["verdict"], outputs["passed"], outputs["failed"]) == ("neutral", "2", "0"), done.stdout
    assert outputs["report-path"] == f"{IN_A_FOLDER}/.honeyhive/report.json"


def test_a_known_merge_base_without_a_run_is_said_when_the_branch_fallback_stands_in(world: World) -> None:
    """The merge base is known but nothing ran there (its push job still running, or one push of several
    commits): the comment says the baseline is older, so the base branch's own changes since count here too. With
    ``baseline.max_age_days`` a run there older than that is not looked at: "no run there" would not be true, the
    comment says none completed in that time. (Both after one push to the base branch: the pull request's file
    changes between its two runs, which edit one comment. Every step in this process.)"""
    world.keep_questions(3)
    experiment = world.root / ".honeyhive" / "experiment.yml"
    merge_base = "c" * 40
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, merge_base)
    assert world.in_process(push(BASE_SHA), name="push")[0] == 0

    for config, none in [
        ("", "none has completed yet"),
        ("baseline: {max_age_days: 30}\n", r"none completed in the last 30 days (baseline.max\_age\_days)"),  # markdown
    ]:
        experiment.write_text(experiment.read_text(encoding="utf-8") + config, encoding="utf-8")

        code, step = world.in_process(pull_request(), name="second" if config else "first")
        outputs = step.outputs()

        assert code == 0, config
        assert outputs["baseline-run-id"], config
        [comment] = world.github.comments(PR)
        assert (
            f"No run at {merge_base[:7]}, the base commit this change is measured against, could be the baseline"
            f" ({none}, or its check errored or recorded no verdict), nor is a passing run on main known to be of"
            f" {merge_base[:7]}'s history"
            in comment.body  # GitHub says nothing of main's run (no compare set): its ancestry is unknown
        ), f"{config!r}: {comment.body}"
        assert "merge base is unknown" not in comment.body, config


def test_a_fallback_baseline_is_a_run_of_the_merge_bases_history_before_one_on_main_ahead_of_it(world: World) -> None:
    """No run at the merge base; main has a passing run before the fork point and a newer one after it (main moved
    on). The newer one was taken: its deltas had main's later changes in them, undone by the pull request. The one of
    the merge base's history is the baseline (git tells which: the checkout has both); a run ahead is taken only
    when no other passed, and the note says what it is. The note and the baseline's label called the one of the
    history "the latest run on the base branch whose check passed", though the newer one at main's tip passed too.
    (Three questions; every step in this process.)"""
    root = world.root
    world.keep_questions(3)
    before = init_repository(root)
    git(root, "commit", "--quiet", "--allow-empty", "--message=the fork point")
    fork_point = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "--quiet", "-b", HEAD_REF)
    git(root, "commit", "--quiet", "--allow-empty", "--message=the change")
    head = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "--quiet", "main")
    git(root, "commit", "--quiet", "--allow-empty", "--message=main moves on")
    tip = git(root, "rev-parse", "HEAD")
    runs: dict[str, str] = {}
    for sha in (before, tip):  # the baseline workflow's runs on main, the one ahead of the fork point the newest
        git(root, "checkout", "--quiet", "--detach", sha)  # what each push checked out
        code, step = world.in_process(push(sha), name=f"push-{sha[:7]}")
        assert code == 0
        runs[sha] = step.outputs()["run-id"]
    git(root, "checkout", "--quiet", "--detach", head)
    world.github.push(PR, head)
    event, inputs = pull_request(head_sha=head, base_sha=tip), {"comment-mode": "off"}

    code, step = world.in_process(event, inputs=inputs, name="pull-request")
    assert code == 0
    baseline, summary = step.outputs()["baseline-run-id"], step.summary()
    assert baseline == runs[before]
    assert f"No run at {fork_point[:7]}, the base commit this change is measured against" in summary
    assert "ahead of it" not in summary
    # not "the latest run on the base branch whose check passed": the run at the tip is newer, and passed
    assert (
        f"so the baseline is the latest passing run on main at or before it, at {before[:7]} (newer ones are at"
        f" commits this change does not have): what changed on main between {before[:7]} and {fork_point[:7]} counts"
        " here as this change's."
    ) in summary
    assert "latest passing run on main at or before the merge base" in summary  # the baseline's label
    assert "whose check passed" not in summary

    with HoneyHiveClient(world.backend.url, API_KEY) as hh:  # its check failed: no run of the history passed
        metadata = hh.get_run(runs[before])["metadata"]
        hh.update_run(runs[before], {"metadata": {**metadata, "check": {"verdict": "fail"}}})
    code, step = world.in_process(event, inputs=inputs, name="pull-request-again")
    assert code == 0
    baseline, summary = step.outputs()["baseline-run-id"], step.summary()
    assert baseline == runs[tip]
    assert (
        f"nor is a passing run on main known to be of {fork_point[:7]}'s history, so the baseline is the latest passing"
        f" run on main, at {tip[:7]}, a commit {fork_point[:7]} does not have: its deltas may include main's changes"
        f" missing from {fork_point[:7]}, as if this change undid them."
    ) in summary


def test_a_branchs_first_push_without_a_merge_base_with_main_says_so_without_a_warning(world: World) -> None:
    """A branch that shares no history with main (an orphan branch; or a shallow checkout GitHub's compare cannot
    help): GitHub's compare failure was a ``::warning::`` annotation, and the comparison with main's latest run was
    unexplained. Now nothing is warned of, and the note says what the baseline stands in for."""
    root = world.root
    world.keep_questions(3)
    on_main = init_repository(root)
    code, step = world.in_process(push(on_main), name="push-main")
    assert code == 0
    main_run = step.outputs()["run-id"]
    git(root, "checkout", "--quiet", "--orphan", "feature-x")
    git(root, "commit", "--quiet", "--message=a history of its own")
    orphan = git(root, "rev-parse", "HEAD")
    step, env = world.step(push(orphan, "feature-x"), name="push-feature-x")

    done = run_action(env, root)

    assert done.returncode == 0, done.stdout + done.stderr
    assert step.outputs()["baseline-run-id"] == main_run
    assert "Could not compare" not in done.stdout + done.stderr
    assert "::warning" not in done.stdout
    assert (
        "feature-x's merge base with main is unknown (a shallow checkout: set fetch-depth: 0 on actions/checkout; or"
        " feature-x shares no history with main), so the baseline is the latest run on main whose check passed,"
        " instead of the run at the merge base."
    ) in step.summary()


DECOYS: list[tuple[str, dict[str, Any] | None]] = [
    # (what a newer run at the merge base is, what is stamped on it: None, a real run of .honeyhive/strict.yml)
    ("a run of another experiment file under the same name", None),
    ("a developer's local run recorded to the shared project", {"ci": {"event": "local"}}),
    ("a push of another branch at that commit", {"ci": {"branch": "release"}}),
    ("a re-run the check could not evaluate (an ingestion timeout)", {"check": {"verdict": "error"}}),
    ("a run of another repository (same name, same dataset)", {"ci": {"repository": "someone/else"}}),
]


def test_the_baseline_at_the_merge_base_is_the_base_branchs_own_run_of_this_file(world: World) -> None:
    """main's push ran at the merge base with short answers; then newer runs at that commit with the pull request's
    longer answers (the decoys, all of them: the baseline is the newest run that qualifies, so any decoy a rule let
    through would be taken). Compared with one, the pull request's longer answers were no change and its gate stayed
    green; compared with main's own run of this experiment file, the gate fails. (Three questions; every step in this
    process.)"""
    world.keep_questions(3)
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "gate:\n  answer_words: {max_worse_pct: 1}\n")
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, BASE_SHA)

    def pushed(name: str, inputs: dict[str, str] | None = None) -> dict[str, str]:
        return world.in_process(push(BASE_SHA), inputs=inputs, name=name)[1].outputs()  # a decoy's gate may fail

    main_run = pushed("main")
    app = world.root / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8").replace('STYLE = "concise"', 'STYLE = "friendly"'))
    decoys: dict[str, str] = {}  # run id -> the rule that must refuse it
    for number, (rule, stamp) in enumerate(DECOYS):
        if stamp is None:
            (config.parent / "strict.yml").write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
            decoy = pushed(f"decoy-{number}", {"config": ".honeyhive/strict.yml"})
        else:
            decoy = pushed(f"decoy-{number}")
            with HoneyHiveClient(world.backend.url, API_KEY) as hh:
                metadata = hh.get_run(decoy["run-id"])["metadata"]
                for key, values in stamp.items():
                    metadata[key] = {**metadata.get(key, {}), **values}
                hh.update_run(decoy["run-id"], {"metadata": metadata})
        assert decoy["run-id"] not in (*decoys, main_run["run-id"]), rule
        decoys[decoy["run-id"]] = rule

    code, step = world.in_process(pull_request(), name="pull-request")
    outputs = step.outputs()

    taken = decoys.get(outputs["baseline-run-id"], "not a decoy")
    assert outputs["baseline-run-id"] == main_run["run-id"], f"took the decoy of rule: {taken}\n{step.summary()}"
    assert (code, outputs["verdict"]) == (1, "fail"), step.summary()


def test_a_checkout_of_githubs_merge_commit_is_compared_with_the_base_it_merged_into(world: World) -> None:
    """actions/checkout without ``ref`` checks out GitHub's merge of the head into the base's tip. Main fixed an
    answer since the branch point, the pull request broke another past the gate: compared with the run at the merge
    base, main's fix hid the regression (a green check); compared with the run at the tip the merge is built on,
    the check fails. The run is stamped with the merge it ran, so no later pull request takes it as the head's.
    (Every step in this process.)"""
    import httpx

    root = world.root
    config = root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "gate:\n  keyword_recall: {max_drop_pct: 1}\n")
    fixed = "Open Settings > Security and choose Reset password; a link is emailed to you."
    set_answers(root, {"reset password": "Open Settings > Security and choose Reset password."})
    fork_point = init_repository(root)
    git(root, "checkout", "--quiet", "-b", HEAD_REF)
    set_answers(root, {"export data": "Open Settings > Privacy and choose Export."})  # the pull request's regression
    git(root, "commit", "--quiet", "--all", "--message=shorter export answer")
    head = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "--quiet", "main")
    set_answers(root, {"reset password": fixed})  # main's improvement since the branch point
    git(root, "commit", "--quiet", "--all", "--message=the reset answer says the link is emailed")
    tip = git(root, "rev-parse", "HEAD")
    runs: dict[str, str] = {}
    for sha in (fork_point, tip):  # the baseline workflow's runs on main (in this process)
        git(root, "checkout", "--quiet", "--detach", sha)
        code, step = world.in_process(push(sha), name=f"push-{sha[:7]}")
        assert code == 0
        runs[sha] = step.outputs()["run-id"]
    git(root, "merge", "--quiet", "--no-ff", "--no-edit", head)  # refs/pull/7/merge, on the tip
    merge = git(root, "rev-parse", "HEAD")
    world.github.push(PR, head)
    code, step = world.in_process(pull_request(head_sha=head, base_sha=tip), name="pull-request")

    outputs = step.outputs()
    assert (code, outputs["verdict"]) == (1, "fail"), step.summary()
    assert outputs["baseline-run-id"] == runs[tip]
    [comment] = world.github.comments(PR)
    assert f"run at main's tip {tip[:7]}, which the checkout merged this pull request into" in comment.body
    headers = {"Authorization": f"Bearer {API_KEY}"}
    made = httpx.get(f"{world.backend.url}/v1/runs/{outputs['run-id']}", headers=headers).json()["evaluation"]
    stamped = made["metadata"]["ci"]
    assert (stamped["sha"], stamped["checkout_sha"], stamped["merge_base_sha"]) == (head, merge, tip)


def _a_pull_request_breaking_an_answer(world: World) -> tuple[str, str]:
    """Three questions in a repository whose main is ``tip`` (also actions/checkout's remote main), and the pull
    request's head ``head`` checked out, which breaks an answer: main's tip and the head."""
    root = world.root
    world.keep_questions(3)
    tip = init_repository(root)
    git(root, "update-ref", "refs/remotes/origin/main", tip)  # actions/checkout's remote
    git(root, "checkout", "--quiet", "-b", HEAD_REF)
    set_answers(root, {"reset password": "Nonsense."})
    git(root, "commit", "--quiet", "--all", "--message=a broken answer")
    head = git(root, "rev-parse", "HEAD")
    world.github.push(PR, head)
    return tip, head


def test_an_issue_comment_on_a_pull_request_is_that_pull_requests_run_never_mains(world: World) -> None:
    """A "/evaluate" comment on the pull request (``issue_comment``: GITHUB_SHA and GITHUB_REF are main's; the job
    checks out the pull request's head, which breaks an answer) was recorded as main's run at main's tip, commented
    nowhere, and was then the next pull request's baseline at that merge base: its comment showed the broken answer
    as its own change. It is the pull request's run now, at the commit checked out, commented on the pull request.
    (Three questions, both steps in this process.)"""
    import httpx

    root = world.root
    tip, head = _a_pull_request_breaking_an_answer(world)

    code, step = world.in_process(issue_comment(tip), name="evaluate")

    assert (code, step.outputs()["verdict"]) == (1, "fail")
    [comment] = world.github.comments(PR)
    assert f"for commit {head[:7]}" in comment.body
    assert "moved on" not in comment.body
    headers = {"Authorization": f"Bearer {API_KEY}"}
    made = httpx.get(f"{world.backend.url}/v1/runs/{step.outputs()['run-id']}", headers=headers).json()["evaluation"]
    stamped = made["metadata"]["ci"]
    assert (stamped["sha"], stamped["pr_number"], stamped["event"]) == (head, PR, "issue_comment")
    assert (stamped.get("branch"), stamped["merge_base_sha"]) == (None, tip)

    git(root, "checkout", "--quiet", "-b", "other", "main")  # a pull request from main's tip, the code unchanged
    git(root, "commit", "--quiet", "--allow-empty", "--message=a note")
    other = git(root, "rev-parse", "HEAD")
    world.github.push(PR, other)
    code, step = world.in_process(pull_request(head_sha=other, base_sha=tip), name="other")
    assert (code, step.outputs()["baseline-run-id"]) == (0, "")  # no run at main's tip to compare with


@pytest.mark.parametrize("checkout", ["refs/pull/7/merge", "main's tip"])
def test_an_issue_comment_runs_result_reaches_the_pull_request_whatever_the_job_checked_out(
    world: World, checkout: str
) -> None:
    """A "/evaluate" run was labelled with the commit checked out: GitHub's merge commit of the head into main's tip
    (``ref: refs/pull/7/merge``, common in such workflows) or main's tip (a workflow that checks out no ``ref``). Its
    failure was then not posted, "the older commit" than the head a comment showed (the check of an issue_comment
    run is on main, so the commenter never saw it), or, with no comment yet, posted saying the head "has since moved
    on" from a commit it never was. The run is the pull request's head's now, as GitHub names it: a merge commit of
    it is compared as a pull_request event's; any other checkout is stamped and said in the comment. (Three
    questions.)"""
    import httpx

    root = world.root
    tip, head = _a_pull_request_breaking_an_answer(world)
    if checkout == "refs/pull/7/merge":  # the head's comment, which a run of the merge commit was "older" than
        world.in_process(pull_request(head_sha=head, base_sha=tip), name="pr")
    git(root, "checkout", "--quiet", "main")
    git(root, "commit", "--quiet", "--allow-empty", "--message=main moves on")
    main = git(root, "rev-parse", "HEAD")
    git(root, "update-ref", "refs/remotes/origin/main", main)
    if checkout == "refs/pull/7/merge":  # as GitHub makes it: main's tip, then the head
        git(root, "checkout", "--quiet", "--detach", "main")
        git(root, "merge", "--quiet", "--no-ff", "--no-edit", HEAD_REF)
    checked = git(root, "rev-parse", "HEAD")

    code, step = world.in_process(issue_comment(main), name="evaluate")

    [comment] = world.github.comments(PR)
    assert (code, step.outputs()["verdict"]) == ((1, "fail") if checkout != "main's tip" else (0, "neutral"))
    assert step.outputs()["comment-url"].endswith(f"#issuecomment-{comment.id}")
    assert f"for commit {head[:7]}" in comment.body
    assert "moved on" not in comment.body
    measured = f"This run measured commit {checked[:7]}, the one the workflow checked out, not the pull request's"
    assert (measured in comment.body) is (checkout == "main's tip")
    assert (f"ref: refs/pull/{PR}/head" in comment.body) is (checkout == "main's tip")
    headers = {"Authorization": f"Bearer {API_KEY}"}
    made = httpx.get(f"{world.backend.url}/v1/runs/{step.outputs()['run-id']}", headers=headers).json()["evaluation"]
    stamped = made["metadata"]["ci"]
    assert (stamped["sha"], stamped["checkout_sha"], stamped["pr_number"]) == (head, checked, PR)
    if checkout == "refs/pull/7/merge":  # compared with the run at main's tip it merged the head into
        assert stamped["merge_base_sha"] == main


def test_an_issue_comment_runs_error_before_it_is_located_is_posted_naming_no_commit(world: World) -> None:
    """A "/evaluate" run's refused input was not posted: its comment was made for GITHUB_SHA, main's tip, "the older
    commit" than the head the pull request's comment showed, and its job summary said it was for main's tip. It is
    posted now, and names no commit. (Three questions, both steps in this process.)"""
    root = world.root
    world.keep_questions(3)
    tip = init_repository(root)
    git(root, "checkout", "--quiet", "-b", HEAD_REF)
    git(root, "commit", "--quiet", "--allow-empty", "--message=a change")
    head = git(root, "rev-parse", "HEAD")
    world.github.push(PR, head)
    world.in_process(pull_request(head_sha=head, base_sha=tip), name="pr")  # the head's comment

    code, step = world.in_process(issue_comment(tip), inputs={"trials": "lots"}, name="evaluate")

    [comment] = world.github.comments(PR)
    assert (code, step.outputs()["verdict"]) == (2, "error")
    assert step.outputs()["comment-url"].endswith(f"#issuecomment-{comment.id}")
    assert 'input trials: expected a whole number from 1 to 100, got "lots"' in comment.body
    assert tip[:7] not in comment.body
    assert "for commit" not in step.summary()


def test_two_experiment_files_in_one_job_keep_a_report_each_and_publish_reads_its_own(world: World) -> None:
    """Two steps of one job, one per experiment file (the default one and ``config: .honeyhive/strict.yml``), both
    wrote .honeyhive/report.json and report.html: the second step's replaced the first's, so an artifact upload after
    both, or a later ``mode: publish`` step, took the strict file's report for the default file's. The default file's
    reports stay where they were; the other file's are named after it, and publish reads (and writes) its own. (Three
    questions; every step in this process.)"""
    world.keep_questions(3)
    strict = stricter_twin(world.root)
    ran: dict[str, tuple[dict[str, str], str]] = {}
    for name, inputs in (("default", {}), ("strict", {"config": strict})):
        code, step = world.in_process(pull_request(), inputs=inputs, name=name)
        assert code == (1 if name == "strict" else 0), name
        ran[name] = step.outputs(), step.summary()

    reports = {"default": ".honeyhive/report", "strict": ".honeyhive/report.strict"}
    for name, (outputs, summary) in ran.items():
        assert (outputs["report-path"], outputs["html-report-path"]) == (
            f"{reports[name]}.json",
            f"{reports[name]}.html",
        )
        written = json.loads((world.root / outputs["report-path"]).read_text(encoding="utf-8"))
        assert (written["run"]["id"], written["verdict"]) == (outputs["run-id"], outputs["verdict"]), name
        assert outputs["run-id"] in (world.root / outputs["html-report-path"]).read_text(encoding="utf-8"), name
        assert f"**{Path(outputs['html-report-path']).name}** in [the artifacts" in summary, name
    assert (ran["default"][0]["verdict"], ran["strict"][0]["verdict"]) == ("neutral", "fail")  # no baseline yet

    world.github.clear_requests()
    for name, inputs in (("default", {}), ("strict", {"config": strict})):
        code, step = world.in_process(
            workflow_run(HEAD_SHA), inputs={"mode": "publish", **inputs}, name=f"publish-{name}"
        )
        assert code == 0, name
        outputs, summary = step.outputs(), step.summary()
        assert (outputs["run-id"], outputs["verdict"]) == (ran[name][0]["run-id"], ran[name][0]["verdict"]), name
        assert outputs["report-path"] == f"{reports[name]}.published.json", name
        assert (world.root / outputs["report-path"]).is_file(), name
        assert f"**{Path(reports[name]).name}.html** in [the artifacts" in summary, name
    assert len({write.path for write in world.github.writes}) == 2, "each publish step edits its own file's comment"


def _the_stamps_read(proxy: FaultProxy, method: str, path: str) -> bool:
    """The read of the run its verdict's stamp starts with (``GET /v1/runs/<id>``: nothing else reads it here)."""
    return method == "GET" and re.fullmatch(r"/v1/runs/[0-9a-f-]{36}", path.split("?", 1)[0]) is not None


def _all_once_completed(proxy: FaultProxy, method: str, path: str) -> bool:
    """Every request after the run's completion (its first ``PUT /v1/runs/<id>``, counted as it arrives, which the
    backend takes): the backend stopped answering."""
    puts = sum(count for route, count in proxy.routes.items() if route.startswith("PUT /v1/runs/"))
    return puts > 1 or (puts == 1 and not (method == "PUT" and path.startswith("/v1/runs/")))


LOST_STAMPS = [
    # (how the verdict's stamp was lost, the requests the backend answers 429 (every retry too), the lost run's
    # exit code and verdict)
    ("the backend refused the stamp", _the_stamps_read, (1, "fail")),
    ("the backend stopped answering once the run was completed", _all_once_completed, (2, "error")),
]


@pytest.mark.parametrize(("rule", "refused", "ended"), LOST_STAMPS, ids=[row[0] for row in LOST_STAMPS])
def test_a_run_whose_check_could_not_record_its_verdict_is_never_the_branchs_passing_baseline(
    world: World, rule: str, refused: Callable[[FaultProxy, str, str], bool], ended: tuple[int, str]
) -> None:
    """Audit: a push whose check failed a gate (HoneyHive counted every datapoint passed) while the backend refused
    the verdict's stamp (GET /v1/runs/<id> answered 503, every retry too) was the next push's baseline, "the latest
    run on main whose check passed", so the same broken code passed; so was one whose check ended in an error
    because the backend stopped answering once the run was completed (its ``error`` stamp lost too). The run was
    completed before it was judged and nothing on it said so; now it is completed with its check ``pending``, which
    only the stamp replaces, and a run whose check is pending is no branch baseline. (Three questions, every step in
    this process.)"""
    world.keep_questions(3)
    experiment = world.root / ".honeyhive" / "experiment.yml"
    text = experiment.read_text(encoding="utf-8").replace("keyword_recall: {min: 0.5}", "keyword_recall: {min: 0}")
    experiment.write_text(text + "gate:\n  keyword_recall: {max_drop_pct: 5}\n", encoding="utf-8")
    code, good = world.in_process(push("a" * 40), name="good")
    assert (code, good.outputs()["verdict"]) == (0, "neutral")
    set_answers(world.root, {"change email": "Ask support."})  # the third question's keywords all missing

    with FaultProxy(
        world.backend.url, rate=1.0, kinds=[Fault.HTTP_429], should_fault=lambda m, p: refused(proxy, m, p)
    ) as proxy:
        code, lost = world.in_process(push("b" * 40), inputs={"server-url": proxy.url}, name="lost")
        assert proxy.counts[Fault.HTTP_429] > 0, "nothing was refused: this proves nothing"
    assert (code, lost.outputs()["verdict"]) == ended

    code, again = world.in_process(push("c" * 40), name="again")  # the same broken code, nothing refused

    assert (code, again.outputs()["verdict"]) == (1, "fail")
    assert again.outputs()["baseline-run-id"] == good.outputs()["run-id"]
    with HoneyHiveClient(world.backend.url, API_KEY) as hh:
        run_id = lost.outputs()["run-id"]
        assert hh.get_run_summary(run_id).success  # HoneyHive counts it a pass: only the gate failed it
        stored = hh.get_run(run_id)
        assert (stored["status"], stored["metadata"]["check"]) == ("completed", {"verdict": "pending"})
        rows = recent_run_rows(hh, "support-bot-quickstart", limit=3, config_file=DEFAULT_CONFIG_PATH, repository=None)
    assert [(row.run_id, row.check) for row in rows] == [
        (again.outputs()["run-id"], "fail"),
        (run_id, "pending"),  # what ``runs`` shows
        (good.outputs()["run-id"], "neutral"),
    ]

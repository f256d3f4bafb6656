"""While a pull request's run is in progress its sticky comment says so, and the result replaces it (issue 12).

``python -m honeyhive_experiment action`` runs in process with the environment GitHub gives a Docker action on a
``pull_request`` event, against ``honeyhive_local`` and the fake GitHub REST server (through PyGithub's
``base_url``); what GitHub received is read from the fake's request log. Only argv and the environment are
made up.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.github import CommentPublisher
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report import marker, parse_comment_metadata
from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import (
    BASE_SHA,
    HEAD_REF,
    HEAD_SHA,
    PR,
    REPOSITORY,
    Step,
    parse_outputs,
    pull_request,
)
from tests.fakes.github_server import FakeGitHub
from tests.quickstart import IN_A_FOLDER, copy_quickstart, monorepo, set_answers, stricter_twin

pytestmark = pytest.mark.integration

API_KEY = "hh-running-comment-key-0123456789"
EXPERIMENT = "support-bot-quickstart"
RUNNING = "⏳ **Running**"


@dataclass
class World:
    root: Path
    backend: LocalBackend
    github: FakeGitHub

    def env(self, **inputs: str) -> dict[str, str]:
        step = Step(self.root.parent / "step", pull_request())
        given = {"api-key": API_KEY, "server-url": self.backend.url, "github-token": self.github.token, **inputs}
        return step.env(self.root, given, api_url=self.github.api_url)

    def action(self, **inputs: str) -> int:
        return main(["action"], environ=self.env(**inputs))

    def outputs(self) -> dict[str, str]:
        """What the last :meth:`action` wrote to GITHUB_OUTPUT."""
        return parse_outputs((self.root.parent / "step" / "github_output").read_text(encoding="utf-8"))

    def writes(self) -> list[tuple[str, str, str]]:
        """(method, path, body) of every write GitHub received, in order."""
        return [(w.method, w.path, (w.body or {}).get("body", "")) for w in self.github.writes]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The quickstart with its dataset cut to three questions, the backend, and the fake GitHub with the PR."""
    with (
        LocalBackend(":memory:", API_KEY) as backend,
        FakeGitHub(repository=REPOSITORY) as github,
    ):
        github.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF)
        yield World(copy_quickstart(tmp_path / "repo", questions=3), backend, github)


def test_the_comment_says_running_first_then_the_same_comment_shows_the_result(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code = world.action()

    writes = world.writes()
    assert [method for method, _, _ in writes] == ["POST", "PATCH"], writes
    (_, created_at, running), (_, edited_at, result) = writes
    assert created_at == f"/repos/{REPOSITORY}/issues/{PR}/comments"
    assert marker(DEFAULT_CONFIG_PATH) in running
    assert f"{RUNNING} · the experiment is running for commit {HEAD_SHA[:7]}" in running
    [comment] = world.github.comments(PR)  # one comment in the end: the running one, edited
    assert edited_at == f"/repos/{REPOSITORY}/issues/comments/{comment.id}"
    assert comment.body == result
    assert RUNNING not in result
    assert "3 of 3 datapoints passed" in result
    assert code == 0, capsys.readouterr()


def test_a_run_that_errors_replaces_running_with_the_error(world: World) -> None:
    (world.root / "data" / "questions.jsonl").unlink()  # the run cannot start: the dataset is gone

    assert world.action(**{"fail-on-error": "true"}) == 2

    [comment] = world.github.comments(PR)
    assert [method for method, _, _ in world.writes()] == ["POST", "PATCH"]
    assert RUNNING in world.writes()[0][2]
    assert RUNNING not in comment.body
    assert "dataset file data/questions.jsonl not found" in comment.body


def _while_it_runs(world: World, code: str) -> None:
    """``code`` (one line) run by the user's function on its first datapoint: something that happens while the
    experiment runs, after the "running" comment and before the result's."""
    app = world.root / "support_bot" / "app.py"
    app.write_text(
        app.read_text(encoding="utf-8")
        + "\n\n_answer = answer\n_done = []\n\n"
        + f"def answer(datapoint):\n    if not _done:\n        _done.append(1)\n        {code}\n"
        + "    return _answer(datapoint)\n",
        encoding="utf-8",
    )


def test_a_cancelled_run_replaces_running_with_the_cancellation(world: World) -> None:
    """The runner cancels a job with SIGTERM: here the user's function sends it, on the first datapoint."""
    _while_it_runs(world, "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")

    assert world.action() == 2

    [comment] = world.github.comments(PR)
    assert RUNNING in world.writes()[0][2]
    assert RUNNING not in comment.body
    assert "cancelled" in comment.body


def test_a_push_after_the_running_comment_leaves_the_result_not_running(world: World) -> None:
    """A commit pushed to the pull request while its run goes (a [skip ci] commit, a push by the workflow's token, a
    path-filtered one: no run for it ever comments): the result was not posted ("the run for the newer commit will
    comment"), the comment said running for ever, and the comment-url output named it. The result replaces the run's
    own comment, saying that the head has moved on."""
    newer = "c" * 40
    pull = world.github.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF)
    world.github.before_write = lambda method, path: setattr(pull, "head_sha", newer)  # after "running" is posted

    assert world.action() == 0

    assert [method for method, _, _ in world.writes()] == ["POST", "PATCH"]
    [comment] = world.github.comments(PR)
    assert RUNNING not in comment.body
    assert "3 of 3 datapoints passed" in comment.body
    assert (
        f"This is for commit {HEAD_SHA[:7]}; the pull request's head has since moved on to {newer[:7]}." in comment.body
    )
    assert world.outputs()["comment-url"].endswith(f"/pull/{PR}#issuecomment-{comment.id}")


def test_a_pull_request_without_a_token_is_told_no_comment_was_posted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """``github-token: ${{ secrets.BOT_PAT }}`` on a Dependabot pull request (no secrets there): nothing was posted,
    and nothing said so."""
    assert world.action(**{"github-token": ""}) == 0

    assert world.writes() == []
    assert "::notice::no github-token: no pull-request comment posted" in capsys.readouterr().out


PASSED, FAILED = "· 3 of 3 datapoints passed", "❌ **Failed**"  # no baseline: neutral, exit 0


def test_two_experiment_files_under_one_name_keep_a_comment_each(world: World) -> None:
    """Both files are named support-bot-quickstart: the green job's "running" comment, then its result, edited the
    failing job's comment, so the pull request showed a green result for a check that failed."""
    strict = stricter_twin(world.root)

    assert world.action(config=strict) == 1
    [failed] = world.github.comments(PR)
    assert FAILED in failed.body
    world.github.clear_requests()

    assert world.action() == 0

    assert [method for method, _, _ in world.writes()] == ["POST", "PATCH"]  # its own comment, never the other's
    failed_now, passed = world.github.comments(PR)
    assert (failed_now.id, failed_now.body) == (failed.id, failed.body)
    assert PASSED in passed.body


def test_one_files_running_comment_leaves_the_other_files_result(world: World) -> None:
    strict = stricter_twin(world.root)
    assert world.action() == 0
    assert world.action(config=strict) == 1
    passed, failed = world.github.comments(PR)
    world.github.clear_requests()

    assert world.action(config=strict) == 1  # the strict file's second run: "running", then its result, in its own

    writes = world.writes()
    assert [(method, path) for method, path, _ in writes] == [
        ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{failed.id}"),
        ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{failed.id}"),
    ]
    assert RUNNING in writes[0][2]
    assert world.github.comments(PR)[0].body == passed.body
    assert PASSED in passed.body
    assert FAILED in world.github.comments(PR)[1].body


def _earlier_versions_comment(world: World, experiment: str) -> int:
    """A comment an earlier version wrote, keyed by the experiment's name alone, showing a green result."""
    key = hashlib.sha256(experiment.encode("utf-8")).hexdigest()[:16]
    body = f"<!-- honeyhive-experiment:v1 key={key} -->\n✅ **Passed** (an earlier version's)"
    return world.github.add_comment(PR, body, user=world.github.bot_login).id


def test_a_folders_default_file_edits_the_comment_an_earlier_version_wrote(world: World) -> None:
    """working-directory: services/bot and its default file: the file's path from the workspace was compared with
    the default path, so the earlier version's "Passed" stayed beside a second comment."""
    monorepo(world.root)
    earlier = _earlier_versions_comment(world, "bot-in-a-folder")

    assert world.action(**{"working-directory": IN_A_FOLDER}) == 0

    [comment] = world.github.comments(PR)
    assert comment.id == earlier
    assert "2 of 2 datapoints passed" in comment.body


def test_a_default_file_that_is_a_link_edits_the_comment_an_earlier_version_wrote(world: World) -> None:
    """The identity is the path the workflow names: a link is not followed (it was, so the file read as another)."""
    config = world.root / DEFAULT_CONFIG_PATH
    config.rename(config.with_name("main.yml"))
    config.symlink_to("main.yml")
    earlier = _earlier_versions_comment(world, EXPERIMENT)

    assert world.action() == 0

    [comment] = world.github.comments(PR)
    assert comment.id == earlier
    assert "3 of 3 datapoints passed" in comment.body


def test_another_file_leaves_the_comment_an_earlier_version_wrote_under_its_name(world: World) -> None:
    """Only the default file's run adopts it: the name alone cannot say which file an earlier version ran."""
    earlier = _earlier_versions_comment(world, EXPERIMENT)

    assert world.action(config=stricter_twin(world.root)) == 1

    kept, failed = world.github.comments(PR)
    assert kept.id == earlier
    assert "an earlier version's" in kept.body
    assert FAILED in failed.body


def test_the_only_file_edits_the_comment_an_earlier_version_wrote_under_its_name(world: World) -> None:
    """audit74 F3: a repository whose one experiment file is not the default one got a second comment, and the
    earlier version's green one kept showing beside it. With no default file the comment can be no other file's."""
    earlier = _earlier_versions_comment(world, EXPERIMENT)
    config = world.root / DEFAULT_CONFIG_PATH
    config.rename(config.with_name("bot.yml"))

    assert world.action(config=".honeyhive/bot.yml") == 0

    [comment] = world.github.comments(PR)
    assert comment.id == earlier
    assert "3 of 3 datapoints passed" in comment.body
    assert marker(".honeyhive/bot.yml") in comment.body


@pytest.mark.parametrize(("default_file", "adopted"), [("name: another-bot\n", True), ("name: [oops\n", False)])
def test_a_file_beside_another_experiments_default_file_edits_the_comment_an_earlier_version_wrote(
    world: World, default_file: str, adopted: bool
) -> None:
    """audit75 F2: a default file of another experiment left the earlier green comment of this one beside a second
    comment (only the default file adopted it, and it never adopts another name's). A default file whose name cannot
    be read may be this experiment's: its comment stays for it."""
    config = world.root / DEFAULT_CONFIG_PATH
    config.with_name("bot.yml").write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    config.write_text(default_file, encoding="utf-8")
    earlier = _earlier_versions_comment(world, EXPERIMENT)

    assert world.action(config=".honeyhive/bot.yml") == 0

    comments = world.github.comments(PR)
    assert [c.id == earlier for c in comments] == ([True] if adopted else [True, False])
    assert "3 of 3 datapoints passed" in comments[-1].body
    assert marker(".honeyhive/bot.yml") in comments[-1].body


def test_a_file_that_no_longer_parses_edits_its_comment_and_so_does_its_fix(world: World) -> None:
    """Its name cannot be read: the error got a comment of its own, and the earlier green one stayed beside it."""
    config = world.root / DEFAULT_CONFIG_PATH
    good = config.read_text(encoding="utf-8")
    assert world.action() == 0
    [passed] = world.github.comments(PR)

    config.write_text(good + "\npassing_ranges: [oops\n", encoding="utf-8")
    assert world.action() == 2

    [errored] = world.github.comments(PR)
    assert errored.id == passed.id
    assert "Error" in errored.body
    assert PASSED not in errored.body

    config.write_text(good, encoding="utf-8")  # fixed: the same comment shows the result again
    assert world.action() == 0
    [fixed] = world.github.comments(PR)
    assert fixed.id == passed.id
    assert PASSED in fixed.body


@pytest.mark.parametrize("inputs", [{"dry-run": "true"}, {"comment-mode": "off"}], ids=["dry run", "comment off"])
def test_nothing_is_posted_when_no_comment_would_be(world: World, inputs: dict[str, str]) -> None:
    assert world.action(**inputs) == 0
    assert world.writes() == []


def test_comment_mode_new_still_ends_with_one_comment_per_run(world: World) -> None:
    world.github.add_comment(PR, f"{marker(DEFAULT_CONFIG_PATH)}\nan earlier run's result")

    assert world.action(**{"comment-mode": "new"}) == 0

    assert [method for method, _, _ in world.writes()] == ["POST", "PATCH"]
    earlier, this_run = world.github.comments(PR)
    assert earlier.body.endswith("an earlier run's result")
    assert "3 of 3 datapoints passed" in this_run.body


def test_comment_mode_new_edits_the_runs_own_comment_when_another_run_commented_meanwhile(world: World) -> None:
    """Two runs of one head overlapping (a labeled trigger, no concurrency group): the result edited the other run's
    comment, the newest marked one, and this run's own said "running" for ever."""
    meta = f"<!-- honeyhive-experiment:meta head={HEAD_SHA} run=- -->"
    other = f"{marker(DEFAULT_CONFIG_PATH)}\n{meta}\n{RUNNING} (another run's)"
    url = f"{world.github.api_url}/repos/{REPOSITORY}/issues/{PR}/comments"
    data, auth = json.dumps({"body": other}).encode(), {"Authorization": f"token {world.github.token}"}
    _while_it_runs(world, f"import urllib.request as u; u.urlopen(u.Request({url!r}, {data!r}, {auth!r}))")

    assert world.action(**{"comment-mode": "new"}) == 0

    ours, theirs = world.github.comments(PR)
    assert "3 of 3 datapoints passed" in ours.body
    assert theirs.body == other
    assert world.outputs()["comment-url"].endswith(f"#issuecomment-{ours.id}")


@pytest.mark.parametrize(
    ("methods", "answer"),
    [(["GET"], {}), (["POST"], {"id": "x", "html_url": 5, "body": 7})],
    ids=["comments-an-object", "create-answered-with-other-types"],
)
def test_an_answer_github_never_gives_leaves_the_run_and_its_exit(
    world: World, capsys: pytest.CaptureFixture[str], methods: list[str], answer: object
) -> None:
    """A proxy's {} for the comment list, or a create answered with other types: a TypeError or BadAttributeException
    out of the comment's publisher ended the job in a traceback and exit 1, and the experiment never ran."""
    world.github.answer_next(answer, 2, methods=methods, path=f"/issues/{PR}/comments")

    assert world.action() == 0

    outputs = world.outputs()
    assert (outputs["verdict"], outputs["passed"]) == ("neutral", "3")
    said = capsys.readouterr().out
    step = "reading the pull request's comments" if methods == ["GET"] else "creating the comment"
    assert f"While {step}, GitHub's answer could not be read: it is not the JSON GitHub answers" in said


def test_a_failure_of_ours_while_commenting_is_a_warning(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def publish(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(CommentPublisher, "publish", publish)

    assert world.action() == 0

    assert world.outputs()["verdict"] == "neutral"
    assert world.writes() == []
    assert "The pull request's comment was not posted: RuntimeError: a bug of ours" in capsys.readouterr().out


def test_a_rate_limited_running_comment_does_not_hold_the_run_up(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub's secondary limit without Retry-After on the "running" comment: three retries a minute apart held the
    experiment up for 3 minutes, for a comment the result replaces; the result's comment still waits it out."""
    world.github.rate_limit_next(1, kind="secondary", retry_after=None, methods=["POST"])

    assert world.action() == 0

    assert [(w.method, w.status) for w in world.github.writes] == [("POST", 403), ("POST", 201)]
    [comment] = world.github.comments(PR)
    assert "3 of 3 datapoints passed" in comment.body
    said = capsys.readouterr().out
    assert "rate limit was exceeded (HTTP 403 (You have exceeded a secondary rate limit." in said
    assert "pull-requests: write" not in said


def test_github_refusing_both_comments_is_warned_of_once(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """Without the permission to comment, the "running" comment's attempt and the result's each warned of the same
    refusal in the same words (audit73 N2): once now."""
    world.github.forbid_writes = True

    assert world.action() == 0

    assert [(w.method, w.status) for w in world.github.writes] == [("POST", 403), ("POST", 403)]
    said = capsys.readouterr().out
    assert said.count(f"GitHub refused creating the comment on pull request #{PR}: HTTP 403") == 1, said


ANOTHER_JOB = "which another job of this workflow run made (a matrix leg on the same experiment file?)"


def test_a_job_replacing_another_jobs_run_of_the_same_workflow_run_warns(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A matrix over models or Python versions, one experiment file: the legs share its comment, and the last one to
    finish replaced the others' results without a word (a green comment beside a red check)."""
    assert world.action() == 0  # one leg, then another of the same workflow run attempt
    [first] = world.github.comments(PR)
    assert ANOTHER_JOB not in capsys.readouterr().out  # its "running" comment, then its result: its own

    assert world.action() == 0

    said = capsys.readouterr().out
    assert said.count(ANOTHER_JOB) == 1  # its "running" comment replaced the first leg's result; its result, its own
    url = f"{world.github.url}/{REPOSITORY}/pull/{PR}#issuecomment-{first.id}"
    assert f"comment {url} showed run {parse_comment_metadata(first.body)['run']}, {ANOTHER_JOB}" in said
    assert "give each leg its own variant (variant: ${{ matrix.<x> }}" in said  # what to do about it
    # and what else it takes (audit75 F4: followed in the pull request's workflow alone, no leg found a baseline)
    assert "and the workflow that records baselines the same matrix and variant (else the legs find no" in said
    env = world.env()
    env["GITHUB_RUN_ATTEMPT"] = "2"  # the job re-run: its own comment
    assert main(["action"], environ=env) == 0
    assert ANOTHER_JOB not in capsys.readouterr().out


def test_without_the_attempt_a_job_replacing_another_jobs_run_warns_it_may_be_a_re_run(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit81 #6: without GITHUB_RUN_ATTEMPT the comment had no stamp of the workflow run, so a second leg replaced
    the first's result without a word. Stamped with the run and an unknown attempt, the warning comes, saying that
    it may as well be an earlier attempt (a re-run), which nothing tells apart then."""
    posted = []
    for _ in range(2):
        env = world.env()
        del env["GITHUB_RUN_ATTEMPT"]
        assert main(["action"], environ=env) == 0
        posted.append(world.github.comments(PR)[0].body)

    assert posted[0].endswith(f"<!-- honeyhive-experiment:posted workflow={env['GITHUB_RUN_ID']}.? -->\n")
    said = capsys.readouterr().out
    unknown = ", or an earlier attempt of it (the runner set no GITHUB_RUN_ATTEMPT: which, it cannot tell): this"
    assert said.count(ANOTHER_JOB + unknown) == 1, said


def _unkeyed_comment(world: World) -> int:
    """The comment of the default file as every version before variant wrote it (sha256 of its path)."""
    key = hashlib.sha256(DEFAULT_CONFIG_PATH.encode("utf-8")).hexdigest()[:16]
    body = f"<!-- honeyhive-experiment:v1 file={key} -->\n✅ **Passed** (before variant)"
    return world.github.add_comment(PR, body, user=world.github.bot_login).id


def test_matrix_legs_with_a_variant_each_keep_a_comment_each(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """audit69 F2: a matrix over models with one experiment file shared one comment, and the green leg, last to end,
    replaced the red leg's result (a green comment beside a red check). variant: ${{ matrix.model }} keeps one
    a leg; a leg given the same variant again edits its own; the file's comment from before is left as it was. A variant
    is no secret, whatever its length (comment-key, INPUT_COMMENT-KEY, would be named as one: its value blanked)."""
    before = _unkeyed_comment(world)
    app = world.root / "support_bot" / "app.py"
    source = app.read_text(encoding="utf-8")
    set_answers(world.root, {"reset password": "I cannot help with that."})  # this leg's model answers badly

    assert world.action(**{"variant": "claude-3-5-sonnet"}) == 1
    app.write_text(source, encoding="utf-8")
    assert world.action(**{"variant": "gpt-4o-2024-08-06"}) == 0

    kept, broken, good = world.github.comments(PR)
    assert kept.id == before
    assert kept.body.endswith("✅ **Passed** (before variant)")
    assert FAILED in broken.body
    assert f"### {EXPERIMENT} · claude-3-5-sonnet" in broken.body
    assert PASSED in good.body
    assert f"### {EXPERIMENT} · gpt-4o-2024-08-06" in good.body
    assert ANOTHER_JOB not in capsys.readouterr().out
    world.github.clear_requests()

    assert world.action(**{"variant": "gpt-4o-2024-08-06"}) == 0  # two legs under one variant share its comment

    assert [(method, path) for method, path, _ in world.writes()] == [
        ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{good.id}"),
        ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{good.id}"),
    ]
    assert [comment.id for comment in world.github.comments(PR)] == [before, broken.id, good.id]
    assert capsys.readouterr().out.count(ANOTHER_JOB) == 1


def test_without_a_variant_the_files_comment_from_before_is_edited(world: World) -> None:
    before = _unkeyed_comment(world)

    assert world.action() == 0

    [comment] = world.github.comments(PR)
    assert comment.id == before
    assert PASSED in comment.body
    assert f"### {EXPERIMENT}\n" in comment.body  # no variant beside the title


@pytest.mark.parametrize("variant", ["gpt-4o\nclaude", "a --> b"])
def test_a_variant_that_cannot_be_used_posts_no_comment_and_names_the_input(
    world: World, variant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not posted under the file's own comment, where it would replace another leg's (or the file's) result."""
    before = _unkeyed_comment(world)

    assert world.action(**{"variant": variant}) == 2

    assert world.writes() == []
    assert [comment.id for comment in world.github.comments(PR)] == [before]
    assert "::error::variant: expected one line" in capsys.readouterr().out


FULL_DISK = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails (EFBIG), as on a full disk (ENOSPC)
resource.setrlimit(resource.RLIMIT_FSIZE, (6000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.argv = ["honeyhive_experiment", "action"]
runpy.run_module("honeyhive_experiment", run_name="__main__", alter_sys=True)
"""
"""The action in a process that may write no file past 6,000 bytes: the summary and outputs fit, report.json (8 KB)
and report.html do not, as on a runner's disk that fills up while the run goes (the backend's process has room)."""


def test_a_full_disk_keeps_the_last_report_and_replaces_running_with_the_error(world: World) -> None:
    """A full disk ended in a traceback and exit 1 (a fail), report.json cut short, and the comment still said
    running: report.json's write failed, the boundary took it for a bug and wrote it again, which failed again."""
    report = world.root / ".honeyhive" / "report.json"
    report.write_text("the last run's report\n", encoding="utf-8")
    env = {**world.env(), "PYTHONPATH": os.environ.get("PYTHONPATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}

    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK], cwd=world.root, env=env, capture_output=True, text=True, timeout=180
    )

    log = done.stdout + done.stderr
    assert done.returncode == 2, log
    assert "Traceback" not in log
    # named from the workspace: it said the runner's path, "cannot write report.json (/home/runner/…/report.json)"
    said = "cannot write report.json (.honeyhive/report.json): File too large; free some room on its disk"
    assert f"::error::{said}" in log, log
    assert str(report) not in log
    assert report.read_text(encoding="utf-8") == "the last run's report\n"  # neither cut short nor half-written
    assert sorted(path.name for path in report.parent.iterdir()) == ["experiment.yml", "report.json"]
    assert [method for method, _, _ in world.writes()] == ["POST", "PATCH"]
    [comment] = world.github.comments(PR)
    assert RUNNING not in comment.body
    assert said in comment.body

"""The action on a "/evaluate" comment on a pull request (``issue_comment``), end to end in this process: the pull
request's base branch, head and fork status are GitHub's (the fake GitHub's ``GET /pulls/7``); without them nothing
is run. (Three questions; every step in this process.)"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping

import httpx
import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.flow import FORK_WITHOUT_SECRETS
from tests.action_world import API_KEY, World
from tests.action_world import world as world  # the fixture: a quickstart copy, the backend, fake GitHub
from tests.fakes.actions_runner import COMMENTED_AT, HEAD_REF, PR, Step, issue_comment, pull_request, push
from tests.quickstart import git, init_repository

pytestmark = pytest.mark.e2e

FORK = "mallory/support-bot"


def _evaluate(
    world: World,
    main_tip: str,
    inputs: Mapping[str, str] | None = None,
    association: str = "MEMBER",
    created_at: str = COMMENTED_AT,
) -> tuple[int, Step, str]:
    """The "/evaluate" step (a comment by an account of ``association``, made at ``created_at``), in this process: its
    exit code, the step (outputs, summary) and what it printed."""
    comment = issue_comment(main_tip, login="mallory", association=association, created_at=created_at)
    step, env = world.step(comment, inputs=inputs, name="evaluate")
    printed = io.StringIO()
    with contextlib.chdir(world.root), contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = main(["action"], environ=env)
    return code, step, printed.getvalue()


def _run_ids(world: World) -> set[str]:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    found = httpx.get(f"{world.backend.url}/v1/runs", headers=headers).json()
    return {run["run_id"] for run in found["evaluations"]}


def _a_change(world: World, message: str) -> tuple[str, str]:
    """The quickstart's first three questions committed on main (origin/main too, as actions/checkout fetches it),
    then branch HEAD_REF's one commit, ``message``: main's tip and the branch's head."""
    world.keep_questions(3)
    tip = init_repository(world.root)
    git(world.root, "update-ref", "refs/remotes/origin/main", tip)
    git(world.root, "checkout", "--quiet", "-b", HEAD_REF)
    git(world.root, "commit", "--quiet", "--allow-empty", f"--message={message}")
    return tip, git(world.root, "rev-parse", "HEAD")


def test_an_evaluate_comment_on_a_pull_request_into_a_release_branch_is_compared_with_that_branch(
    world: World,
) -> None:
    """A "/evaluate" comment on a pull request into release/1.x was compared as one into main (the payload names no
    base branch): with main's latest passing run, a commit release/1.x never had. Its base is GitHub's now: the run
    is compared with release/1.x's run at their merge base."""
    root = world.root
    world.keep_questions(3)
    fork_point = init_repository(root)
    runs: dict[str, str] = {}
    git(root, "checkout", "--quiet", "-b", "release/1.x")
    git(root, "commit", "--quiet", "--allow-empty", "--message=a release fix")
    release = git(root, "rev-parse", "HEAD")
    code, step = world.in_process(push(release, branch="release/1.x"), name="push-release")
    assert code == 0
    runs["release"] = step.outputs()["run-id"]
    git(root, "checkout", "--quiet", "main")
    git(root, "commit", "--quiet", "--allow-empty", "--message=main moves on")
    tip = git(root, "rev-parse", "HEAD")
    code, step = world.in_process(push(tip), name="push-main")
    assert code == 0
    runs["main"] = step.outputs()["run-id"]
    git(root, "update-ref", "refs/remotes/origin/main", tip)  # actions/checkout's remotes, fetch-depth: 0
    git(root, "update-ref", "refs/remotes/origin/release/1.x", release)
    git(root, "checkout", "--quiet", "-b", HEAD_REF, release)
    git(root, "commit", "--quiet", "--allow-empty", "--message=the change")
    head = git(root, "rev-parse", "HEAD")
    world.github.add_pull(PR, head_sha=head, base_sha=release, head_ref=HEAD_REF, base_ref="release/1.x")

    code, step, printed = _evaluate(world, tip)

    outputs = step.outputs()
    assert code == 0, printed
    assert outputs["baseline-run-id"] == runs["release"], (runs, printed)
    [comment] = world.github.comments(PR)
    assert f"for commit {head[:7]}" in comment.body
    assert f"merge-base {release[:7]} with release/1.x" in comment.body, comment.body
    assert fork_point not in (release, tip)


@pytest.mark.parametrize("api_key", ["given", "missing"])
def test_a_forks_evaluate_comment_is_a_forks_and_has_the_repositorys_secrets(world: World, api_key: str) -> None:
    """A "/evaluate" comment on a fork's pull request was taken for a branch of this repository: nothing said that
    its job runs the fork's code with this repository's secrets. It is a fork's now, as GitHub says, warned of; and
    as that job has the secrets (GitHub gives an issue_comment's job them whoever wrote the pull request), a missing
    api-key is said as one, posted, never "forks get no secrets" with nothing posted."""
    tip, head = _a_change(world, "a contributor's change")
    world.github.add_pull(PR, head_sha=head, base_sha=tip, head_ref=HEAD_REF, head_repository=FORK)
    inputs = {"api-key": ""} if api_key == "missing" else {}

    code, step, printed = _evaluate(world, tip, inputs)

    outputs = step.outputs()
    assert f"pull request #{PR} comes from the fork {FORK}: this job runs its code with this repository's secrets" in (
        printed
    )
    [comment] = world.github.comments(PR)
    assert FORK_WITHOUT_SECRETS not in comment.body + step.summary()
    if api_key == "missing":
        assert (code, outputs["verdict"]) == (2, "error"), printed
        assert "the HoneyHive API key is not set" in comment.body
    else:
        assert (code, outputs["verdict"]) == (0, "neutral"), printed  # no baseline yet
        assert f"for commit {head[:7]}" in comment.body


def test_a_comment_by_someone_not_trusted_runs_nothing_and_says_who(world: World) -> None:
    """Any comment on a pull request, by anyone, started a run of its code with the repository's secrets in a workflow
    without the ``if:`` on the commenter (audit73 F2). A commenter who is not the owner, a member or a collaborator
    gets nothing run, nor the pull request's code imported: the check is an error naming them in the job's log and
    summary, and nothing is posted (the error would replace the pull request's results: anyone could blank them)."""
    tip, head = _a_change(world, "a stranger's change")
    world.github.add_pull(PR, head_sha=head, base_sha=tip, head_ref=HEAD_REF, head_repository=FORK)
    imported = world.root / "imported"
    package = world.root / "support_bot" / "__init__.py"
    package.write_text(f"open({str(imported)!r}, 'w').close()\n" + package.read_text())

    code, step, printed = _evaluate(world, tip, association="NONE")

    outputs = step.outputs()
    assert (code, outputs["verdict"], outputs.get("run-id", "")) == (2, "error", ""), printed
    assert not imported.exists()
    assert _run_ids(world) == set()
    said = "the comment that started this job is by mallory, whose author_association is NONE, not OWNER, MEMBER or"
    assert world.github.comments(PR) == []
    assert world.github.writes == []
    for where in (step.summary(), printed):
        assert said in where, where
    assert "make them a collaborator" in step.summary()


@pytest.mark.parametrize(
    ("pushed", "fork", "refused"),
    [
        ("after", True, True),  # the fork's new head, which no trusted commenter read, ran with the secrets
        ("unsaid", True, True),  # GitHub's answer names no time the fork was pushed to: it cannot be told
        ("deleted", True, True),  # pushed after the comment, then the fork deleted: GitHub's head.repo is null
        ("before", True, False),
        ("after", False, False),  # a branch of this repository: who pushes there can run workflows with the secrets
    ],
)
def test_a_forks_head_pushed_after_the_evaluate_comment_runs_nothing(
    world: World, pushed: str, fork: bool, refused: bool
) -> None:
    """A trusted "/evaluate" on a fork's pull request, then a push by its author before the job checked out
    ``refs/pull/N/head``: the author's new code ran with the repository's secrets (audit77 N3). The fork's push time
    (``head.repo.pushed_at``) and the comment's are GitHub's own, which no author can set (a commit's dates are theirs
    to write): a fork pushed to since the comment (or not said when) runs nothing, as an untrusted comment's job,
    said in the log and summary only."""
    tip, _ = _a_change(world, "the change the member read")
    read = git(world.root, "rev-parse", "HEAD")
    world.github.add_pull(PR, head_sha=read, base_sha=tip, head_ref=HEAD_REF, head_repository=FORK if fork else None)
    if pushed == "before":
        world.github.push(PR, read)
    comment = world.github.add_comment(PR, "/evaluate", user="octocat")  # the member's, on the fake's clock
    imported = world.root / "imported"
    if pushed != "before":  # the author's push: the code the job checks out
        package = world.root / "support_bot" / "__init__.py"
        package.write_text(f"open({str(imported)!r}, 'w').close()\n" + package.read_text())
        git(world.root, "commit", "--quiet", "--all", "--message=the author's push")
        world.github.push(PR, git(world.root, "rev-parse", "HEAD"))
    if pushed in ("unsaid", "deleted"):
        answer = world.github.pull_json(PR)
        if pushed == "deleted":  # audit81: the refusal was asked only of a fork GitHub still knew
            answer["head"]["repo"] = None
        else:
            del answer["head"]["repo"]["pushed_at"]
        world.github.answer_next(answer, methods=("GET",), path=f"/pulls/{PR}")
    world.github.clear_requests()

    code, step, printed = _evaluate(world, tip, created_at=comment.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"))

    outputs = step.outputs()
    said = f"pull request #{PR}'s fork {'(deleted since)' if pushed == 'deleted' else FORK} was last pushed to at"
    if not refused:
        assert (code, outputs["verdict"]) == (0, "neutral"), printed
        assert said not in printed
        return
    assert (code, outputs["verdict"], outputs.get("run-id", "")) == (2, "error", ""), printed
    assert not imported.exists()
    assert _run_ids(world) == set()
    assert world.github.writes == []  # nothing posted: the author could replace the results by pushing
    for where in (step.summary(), printed):
        assert said in where, where
        assert "not before the comment that started this job, made at" in where
    unsaid = "a time GitHub did not say" in printed
    assert unsaid is (pushed in ("unsaid", "deleted"))


@pytest.mark.parametrize("trouble", ["no token", "GitHub refuses", "not a pull request", "no head commit"])
def test_an_evaluate_comment_github_does_not_describe_runs_nothing_and_says_why(world: World, trouble: str) -> None:
    """Without a token, or when GitHub did not answer what the pull request is (or answered JSON without its head
    commit), a "/evaluate" run was the checkout's, compared with main as if main were the pull request's base, a
    fork's taken for this repository's (a proxy's {} crashed; an answer without the head's commit ran at no commit,
    exit 0). Nothing is run now: the check is an error saying why, posted on the pull request when there is a token to
    post with."""
    tip, head = _a_change(world, "a change")
    world.github.add_pull(PR, head_sha=head, base_sha=tip, base_ref="release/1.x")
    if trouble == "GitHub refuses":  # a token without pull-requests: read (a private repository)
        world.github.fail_next(status=403, methods=("GET",))
    elif trouble == "not a pull request":  # a proxy's {}: "unexpected AttributeError", no comment saying why
        world.github.answer_next({}, methods=("GET",))
    elif trouble == "no head commit":  # the run went ahead at no commit, exit 0, neutral, nothing said
        answer = world.github.pull_json(PR)
        del answer["head"]["sha"]
        world.github.answer_next(answer, methods=("GET",))
    inputs = {"github-token": ""} if trouble == "no token" else {}

    code, step, printed = _evaluate(world, tip, inputs)

    outputs = step.outputs()
    assert (code, outputs["verdict"], outputs.get("run-id", "")) == (2, "error", ""), printed
    assert _run_ids(world) == set()  # nothing was run
    said = (
        f"input github-token: not set, so GitHub was not asked what pull request #{PR} is"
        if trouble == "no token"
        else f"GitHub did not say what pull request #{PR} is, so nothing was run"
    )
    assert said in step.summary(), step.summary()
    comments = world.github.comments(PR)
    if trouble == "no token":
        assert comments == []
    else:
        [comment] = comments
        assert said in comment.body
        why = {
            "GitHub refuses": "GitHub answered HTTP 403 (Error) to GET /pulls/7",
            "not a pull request": f"GitHub's answer for pull request #{PR} names no head commit (head.sha), no head",
            "no head commit": f"GitHub's answer for pull request #{PR} names no head commit (head.sha) (GET /pulls/7)",
        }[trouble]
        assert why in comment.body, comment.body


@pytest.mark.parametrize("event", ["issue_comment", "pull_request"])
def test_a_refused_comment_on_a_forks_pull_request_names_the_cause_of_this_jobs_token(world: World, event: str) -> None:
    """A "/evaluate" comment's job on a fork's pull request has this repository's token and secrets (its log warns of
    that): its comment refused (403) was said to be the fork's, "pull requests from forks get a read-only token",
    contradicting that warning; the cause is the workflow's ``permissions:``. A fork's pull_request job's token is the
    read-only one: that is still said."""
    tip, head = _a_change(world, "a contributor's change")
    world.github.add_pull(PR, head_sha=head, base_sha=tip, head_ref=HEAD_REF, head_repository=FORK)
    world.github.forbid_writes = True

    if event == "issue_comment":
        code, step, printed = _evaluate(world, tip)
    else:
        step, env = world.step(pull_request(head_sha=head, base_sha=tip, fork=True), name="fork")
        out = io.StringIO()
        with contextlib.chdir(world.root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["action"], environ=env)
        printed = out.getvalue()

    refused = f"GitHub refused creating the comment on pull request #{PR}: HTTP 403 (Resource not accessible by"
    assert refused in printed, printed
    read_only = f"this pull request comes from the fork {FORK}, and pull requests from forks get a read-only token"
    if event == "issue_comment":
        assert (code, step.outputs()["verdict"]) == (0, "neutral"), printed
        assert "pull requests from forks get a read-only token" not in printed
        assert "the workflow needs `permissions: pull-requests: write` (this job's token is this repository's" in (
            printed
        )
    else:
        assert read_only in printed

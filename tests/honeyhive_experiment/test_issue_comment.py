"""An ``issue_comment`` on a pull request ("/evaluate"): its payload names the pull request's number only, so its head
commit, its base branch and whether its head is a fork are asked of GitHub (``GET /pulls/{number}``, the fake GitHub)
and taken as a ``pull_request`` event's payload values are; without GitHub's answer nothing is run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from honeyhive_experiment.baseline import of_the_branch
from honeyhive_experiment.context import ci_context, github_context
from honeyhive_experiment.errors import ExperimentError, SettingsError
from honeyhive_experiment.models import ExperimentRun
from honeyhive_experiment.operations import locate
from honeyhive_experiment.settings import Settings
from tests.fakes import FakeGitHub
from tests.fakes.actions_runner import COMMENTED_AT
from tests.quickstart import app_repository, git

pytestmark = pytest.mark.integration

PR = 7


@dataclass(frozen=True)
class Commits:
    fork_point: str  # where release/1.x left main
    release: str  # release/1.x's tip, where the pull request's branch left it
    head: str  # the pull request's head
    tip: str  # main's tip (GITHUB_SHA of an issue_comment)
    merge: str  # GitHub's merge of the head into release/1.x's tip (refs/pull/7/merge)


def _clone(tmp_path: Path) -> tuple[Path, Commits]:
    """A clone (origin/main, origin/release/1.x, as actions/checkout fetches them with fetch-depth: 0) of a repository
    whose main and release/1.x part at ``fork_point``; the pull request's branch leaves release/1.x at ``release``."""
    origin = app_repository(tmp_path / "origin")
    fork_point = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-qb", "release/1.x")
    git(origin, "commit", "-q", "--allow-empty", "-m", "release fix")
    release = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-qb", "feature")
    git(origin, "commit", "-q", "--allow-empty", "-m", "the change")
    head = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "--detach", "release/1.x")
    git(origin, "merge", "-q", "--no-ff", "--no-edit", "feature")
    merge = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "main")
    git(origin, "commit", "-q", "--allow-empty", "-m", "main moves on")
    tip = git(origin, "rev-parse", "HEAD")
    git(origin, "branch", "pull/7/merge", merge)
    root = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-single-branch", origin.as_uri(), str(root))
    return root, Commits(fork_point, release, head, tip, merge)


def _settings(root: Path, gh: FakeGitHub, *, token: bool = True) -> Settings:
    """An action run on a "/evaluate" comment on pull request 7 by a member: GITHUB_SHA and GITHUB_REF are main's."""
    issue = {"number": PR, "pull_request": {"url": f"https://api.github.com/repos/{gh.repository}/pulls/{PR}"}}
    comment = {"user": {"login": "octocat"}, "author_association": "MEMBER", "created_at": COMMENTED_AT}  # one who may
    payload = {"repository": {"full_name": gh.repository, "default_branch": "main"}, "issue": issue, "comment": comment}
    tip = git(root, "rev-parse", "origin/main")
    variables = {"GITHUB_EVENT_NAME": "issue_comment", "GITHUB_SHA": tip, "GITHUB_REF": "refs/heads/main"}
    context = github_context({**variables, "GITHUB_REF_NAME": "main"}, payload)
    return Settings(
        command="action",
        workspace=root,
        ci=ci_context(context),
        commenter=context["commenter"],
        github_token=gh.token if token else None,
        github_api_url=gh.api_url,
    )


@pytest.mark.parametrize(
    ("base", "fork", "checkout", "merge_base", "stamped", "warned"),
    [
        # into release/1.x: looked for on release/1.x, from their merge base (main's, before)
        ("release/1.x", None, "head", "release", None, None),
        # a fork's: a fork's, said (a same-repo pull request, before)
        ("main", "mallory/app", "head", "fork_point", None, "comes from the fork mallory/app"),
        # GitHub's merge commit into release/1.x's tip: compared with the run at that tip, as a pull_request event's
        ("release/1.x", "mallory/app", "merge", "release", "merge", "comes from the fork mallory/app"),
        # main's tip checked out (no ref): the head's run all the same, what was measured stamped and warned of
        ("release/1.x", None, "tip", "release", "tip", "is neither the pull request's head"),
    ],
)
def test_an_evaluate_comment_is_located_as_its_pull_request_says_on_github(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    base: str,
    fork: str | None,
    checkout: str,
    merge_base: str,
    stamped: str | None,
    warned: str | None,
) -> None:
    """An issue_comment's payload names neither the pull request's base branch nor its head repository: a pull
    request into release/1.x was compared with main's run at its merge base with main, and a fork's pull request was
    taken for one of this repository's branches (its job has the secrets, and runs the fork's code with them, unsaid).
    Its base branch, head and fork status are GitHub's now, in one request, used as a pull_request event's."""
    root, commits = _clone(tmp_path)
    git(root, "checkout", "-q", "--detach", getattr(commits, checkout))
    with FakeGitHub(repository="acme/app") as gh:
        gh.add_pull(PR, head_sha=commits.head, base_sha=commits.release, base_ref=base, head_repository=fork)
        with caplog.at_level("WARNING", logger="honeyhive_experiment"):
            located = locate(_settings(root, gh))
        asked = [(r.method, r.path) for r in gh.requests]

    ci = located.ci
    assert (ci.sha, ci.base_ref, ci.pr_number, ci.merge_base_unknown) == (commits.head, base, PR, False)
    assert ci.merge_base_sha == getattr(commits, merge_base)
    assert ci.checkout_sha == (getattr(commits, stamped) if stamped else None)
    assert ci.merge_checkout is (checkout == "merge")
    assert not of_the_branch(ExperimentRun(run_id="r", name="e", metadata={"ci": ci.metadata("c", "f")}))
    assert located.is_fork is (fork is not None)
    assert not located.secrets_withheld  # an issue_comment's job has the repository's secrets, a fork's or not
    assert asked == [("GET", f"/repos/acme/app/pulls/{PR}")]
    assert (warned is not None and warned in caplog.text) or (warned is None and not caplog.text), caplog.text


@pytest.mark.parametrize(
    ("fault", "error", "said"),
    [
        ("no token", SettingsError, "input github-token: not set, so GitHub was not asked what pull request #7 is"),
        ("no such pull request", ExperimentError, "GitHub answered HTTP 404 (Not Found) to GET /pulls/7"),
        ("refused", ExperimentError, "GitHub answered HTTP 403 (Error) to GET /pulls/7"),
        ("not JSON", ExperimentError, "GitHub's answer to GET /repos/acme/app/pulls/7 could not be read"),
        ("no base branch", ExperimentError, "GitHub's answer for pull request #7 names no base branch (base.ref)"),
        # JSON, but not a pull request (a proxy's {}): crashed ('NoneType' object has no attribute 'repo')
        (
            "not a pull request",
            ExperimentError,
            "GitHub's answer for pull request #7 names no head commit (head.sha), no head repository (head.repo) and"
            " no base branch (base.ref) (GET /pulls/7)",
        ),
        # no head.sha: the run went ahead at no commit, compared with release/1.x, exit 0, nothing said
        ("no head commit", ExperimentError, "GitHub's answer for pull request #7 names no head commit (head.sha) ("),
        ("no head repository", ExperimentError, "pull request #7 names no head repository (head.repo) ("),
    ],
)
def test_an_evaluate_comment_github_says_nothing_of_is_not_run(
    tmp_path: Path, fault: str, error: type[ExperimentError], said: str
) -> None:
    """Without a token, or when GitHub did not answer, an issue_comment's run was the checkout's (or main's tip),
    compared with main as if that were the pull request's base, and never a fork's: a check that looks like the
    pull request's and is not. It is an error now, saying why, before anything is run."""
    root, commits = _clone(tmp_path)
    git(root, "checkout", "-q", "--detach", commits.head)
    with FakeGitHub(repository="acme/app") as gh:
        if fault != "no such pull request":
            gh.add_pull(PR, head_sha=commits.head, base_ref="" if fault == "no base branch" else "release/1.x")
        if fault == "refused":  # a token without pull-requests: read on a private repository
            gh.fail_next(status=403, methods=("GET",))
        elif fault == "not JSON":  # a proxy's single sign-on page
            gh.garble_next(methods=("GET",))
        elif fault == "not a pull request":
            gh.answer_next({"url": gh.pull_json(PR)["url"]}, methods=("GET",))
        elif fault.startswith("no head "):
            answer = gh.pull_json(PR)
            del answer["head"]["sha" if fault == "no head commit" else "repo"]
            gh.answer_next(answer, methods=("GET",))
        settings = _settings(root, gh, token=fault != "no token")

        with pytest.raises(error) as raised:
            locate(settings)

    assert said in str(raised.value)
    assert "nothing was run" in str(raised.value).lower()
    if fault != "no token":  # an answer that names no base branch too: "GitHub did not say…", as the others
        assert str(raised.value).startswith(f"GitHub did not say what pull request #{PR} is, so nothing was run")

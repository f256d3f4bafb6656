"""The sticky comment's author checks, seen as a pull request's job sees them: ``python -m honeyhive_experiment
action`` in process, with the environment GitHub gives a Docker action on a ``pull_request`` event, against
``honeyhive_local`` and the fake GitHub REST server. What the step printed is its log (``::warning::`` lines are
its annotations, of which GitHub shows ten a step); what GitHub received is read from the fake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report import marker
from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import BASE_SHA, GITHUB_TOKEN, HEAD_REF, HEAD_SHA, PR, REPOSITORY, Step, pull_request
from tests.fakes.github_server import FakeGitHub
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

API_KEY = "hh-github-action-key-0123456789"
SHOWN = 10  # warning annotations GitHub shows a step


@dataclass
class World:
    root: Path
    backend: LocalBackend
    github: FakeGitHub

    def action(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
        """Run the step; its exit code and its warning annotations, in order."""
        step = Step(self.root.parent / "step", pull_request())
        given = {"api-key": API_KEY, "server-url": self.backend.url, "github-token": self.github.token}
        capsys.readouterr()
        code = main(["action"], environ=step.env(self.root, given, api_url=self.github.api_url))
        printed = capsys.readouterr()
        return code, [line for line in printed.out.splitlines() if line.startswith("::warning")]


@pytest.fixture
def backend() -> Iterator[LocalBackend]:
    with LocalBackend(":memory:", API_KEY) as local:
        yield local


@contextmanager
def world(tmp_path: Path, backend: LocalBackend, **github: str) -> Iterator[World]:
    """The quickstart with two questions, the backend, and a fake GitHub (``github``: its options) with the pull
    request."""
    with FakeGitHub(repository=REPOSITORY, **github) as fake:
        fake.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF)
        yield World(copy_quickstart(tmp_path / "repo", questions=2), backend, fake)


def test_others_marked_comments_leave_the_checks_own_warnings_in_sight(
    tmp_path: Path, backend: LocalBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    """15 comments by others pasting the marker were 30 warning annotations (one each, for the "running" comment
    and again for the result): the verdict's warning came 32nd, and GitHub shows 10. Now one a job."""
    with world(tmp_path, backend) as job:  # the workflow's token
        assert job.action(capsys)[0] == 0
        job.github.seed_comments(
            PR, 15, body=lambda i: f"{marker(DEFAULT_CONFIG_PATH)} spam {i}", user="mallory{}".format
        )

        code, warnings = job.action(capsys)

        assert code == 0
        ignoring = [w for w in warnings if "Ignoring" in w]
        assert len(ignoring) == 1  # the "running" comment's publish names them; the result's does not again
        assert all("15 comments by other accounts" in w and "and 12 more" in w for w in ignoring)
        assert len(warnings) <= SHOWN
        assert any("verdict" in w for w in warnings)
        assert len([c for c in job.github.comments(PR) if c.user == job.github.author]) == 1
        spam = [f"{marker(DEFAULT_CONFIG_PATH)} spam {i}" for i in range(15)]
        assert [c.body for c in job.github.comments(PR) if c.user != job.github.author] == spam


def test_an_app_token_github_does_not_name_never_edits_the_workflow_bots_comment(
    tmp_path: Path, backend: LocalBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    """github-token is a GitHub App's installation token, GET /user is refused it and GraphQL's viewer does not
    answer: github-actions[bot] was assumed, and its comment carrying our marker (another workflow's, with the
    repository's GITHUB_TOKEN) was edited. Now nothing is written, and the step says why."""
    with world(tmp_path, backend, bot_login="acme-evals[bot]") as job:
        theirs = f"{marker(DEFAULT_CONFIG_PATH)}\nPosted by the pull request's own workflow"
        job.github.add_comment(PR, theirs, user="github-actions[bot]")
        job.github.graphql_enabled = False

        code, warnings = job.action(capsys)

        assert code == 0  # the check follows the verdict, not the comment
        assert [(c.user, c.body) for c in job.github.comments(PR)] == [("github-actions[bot]", theirs)]
        assert job.github.writes == []
        unknown = [w for w in warnings if "Could not tell which account the GitHub token comments as" in w]
        assert unknown
        assert all("HTTP 404" in w for w in unknown)


def test_the_jobs_own_token_edits_its_comment_where_github_does_not_name_it(
    tmp_path: Path, backend: LocalBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub Enterprise Server may not answer GraphQL's viewer for the job's GITHUB_TOKEN (dflook/terraform-github-
    actions#281): the result could not edit the job's own "running" comment ("Could not tell which account"), which
    said "running" for good, and every later run failed alike. github-token is job-token, the job's ${{ github.token
    }}: its account is github-actions[bot], and GitHub is not asked."""
    with world(tmp_path, backend, token=GITHUB_TOKEN) as job:  # github-token: the job's token, as by default
        job.github.graphql_enabled = False  # GET /user: 403, as to any installation token; viewer: 404
        for _ in range(2):  # two runs: each edits its "running" comment, the second the first run's
            code, warnings = job.action(capsys)
            assert code == 0
            assert not [w for w in warnings if "Could not tell" in w]

        (comment,) = job.github.comments(PR)
        assert comment.user == "github-actions[bot]"
        writes = job.github.writes  # each run: its "running" comment, then the result over it
        assert [w.method for w in writes] == ["POST", "PATCH", "PATCH", "PATCH"]
        assert writes[-1].body == {"body": comment.body} != writes[-2].body  # the result, not "running"
        assert [r.path for r in job.github.requests if not r.path.startswith("/repos/")] == []

"""A custom comment template's sticky comment, as a pull request's job sees it: ``python -m honeyhive_experiment
action`` in process, with the environment GitHub gives a Docker action on a ``pull_request`` event, against
``honeyhive_local`` and the fake GitHub REST server, run twice (two pushes' jobs). The action takes as its own only
a comment its account wrote that starts with its marker, so the marker opens the comment whatever the template does
with it: the second run edits the first run's comment, never posts another."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report import marker
from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import BASE_SHA, HEAD_REF, HEAD_SHA, PR, REPOSITORY, Step, pull_request
from tests.fakes.github_server import FakeGitHub
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

API_KEY = "hh-comment-template-key-0123456789"


@pytest.fixture
def backend() -> Iterator[LocalBackend]:
    with LocalBackend(":memory:", API_KEY) as local:
        yield local


@pytest.mark.parametrize(
    "source",
    [
        "## {{ title }}\n{{ verdict.words }}: {{ headline }}\n",  # no marker at all
        "## {{ title }}\n{{ verdict.words }}: {{ headline }}\n{{ marker }}\n",  # the marker last
        "## {{ title }}\n{{ metadata }}\n{{ verdict.words }}: {{ headline }}\n",  # the metadata alone, mid-way
    ],
    ids=["no-marker", "marker-last", "metadata-only"],
)
def test_a_custom_templates_comment_is_edited_by_the_next_run_not_posted_again(
    tmp_path: Path, backend: LocalBackend, source: str
) -> None:
    root = copy_quickstart(tmp_path / "repo", questions=2)
    (root / ".honeyhive" / "comment.md.j2").write_text(source, encoding="utf-8")
    config = root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("{max_datapoints: 10}", "{template: .honeyhive/comment.md.j2}"), encoding="utf-8")
    with FakeGitHub(repository=REPOSITORY) as github:
        github.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF)
        given = {"api-key": API_KEY, "server-url": backend.url, "github-token": github.token}
        codes = []
        for attempt in ("1", "2"):
            step = Step(tmp_path / f"step{attempt}", pull_request())
            codes.append(main(["action"], environ=step.env(root, given, api_url=github.api_url, attempt=attempt)))

        assert codes == [0, 0]  # the template was used: no error verdict
        (comment,) = github.comments(PR)
        assert comment.body.startswith(marker(DEFAULT_CONFIG_PATH) + "\n<!-- honeyhive-experiment:meta head=")
        assert comment.body.count(marker(DEFAULT_CONFIG_PATH)) == 1
        assert "\n## support-bot-quickstart\n" in comment.body  # the template's own text
        assert [w.method for w in github.writes][-1] == "PATCH"  # the second run's result over the first's

"""The Docker image, built from the Dockerfile and run as GitHub runs a Docker action.

Each test is one job: a git checkout as the workspace, ``docker run`` of the image with the runner's mounts
and environment (runner.py), against ``python -m honeyhive_local serve`` on loopback. The image is built once
per session (conftest.py); every ``docker run`` starts fresh from it, as every job on a runner does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.github_server import FakeGitHub
from tests.image.conftest import Docker
from tests.image.runner import GITHUB_TOKEN, PR, REPOSITORY, RUNNER_UID, Job, checkout, local_backend

pytestmark = pytest.mark.image

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"


@pytest.fixture
def job(tmp_path: Path) -> Iterator[Job]:
    """A job with a fresh local backend; its workspace is made by the test (``checkout``)."""
    with local_backend(tmp_path / "hh.sqlite") as url:
        yield Job(tmp_path / "job", backend_url=url)


def test_the_image_runs_as_the_runner_user_with_uv_and_a_venv_it_may_change(docker: Docker, image: str) -> None:
    done = docker(
        "run", "--rm", "--entrypoint", "sh", image, "-c", "id -u; stat -c %u /opt/venv /opt/venv/lib; uv --version"
    )
    uid, venv_owner, lib_owner, uv_version = done.stdout.split("\n")[:4]
    assert uid == str(RUNNER_UID)
    assert venv_owner == lib_owner == str(RUNNER_UID), "the `install` input adds packages to /opt/venv as uid 1001"
    assert uv_version.startswith("uv ")


def test_quickstart_baseline_then_pull_request(docker: Docker, image: str, job: Job) -> None:
    base_sha, head_sha = checkout(QUICKSTART, job.workspace)
    inputs = {"working-directory": "."}
    with FakeGitHub(token=GITHUB_TOKEN, repository=REPOSITORY) as github:
        github.add_pull(PR, head_sha=head_sha, base_sha=base_sha, head_ref="feature/x", base_ref="main")
        job.github_api_url = github.api_url

        push = job.run(docker, image, event="push", sha=base_sha, inputs=inputs)
        assert push.returncode == 0, push.log
        assert push.outputs["verdict"] == "neutral"
        assert push.outputs["run-id"]

        pull = job.run(docker, image, event="pull_request", sha=head_sha, base_sha=base_sha, inputs=inputs)
        assert pull.returncode == 0, pull.log
        assert pull.outputs["verdict"] == "pass"
        assert pull.outputs["baseline-run-id"] == push.outputs["run-id"]
        assert f"/pull/{PR}#issuecomment-" in pull.outputs["comment-url"]
        [comment] = github.comments(PR)
        assert push.outputs["run-id"] in comment.body
    assert "compared on" in pull.summary
    # the container wrote report.json into the checkout as the runner's user, so later steps may change it
    report = job.workspace / ".honeyhive" / "report.json"
    assert json.loads(report.read_text())["verdict"] == "pass"
    assert report.stat().st_uid == RUNNER_UID
    assert pull.outputs["report-path"] == "/github/workspace/.honeyhive/report.json"
    assert "Traceback" not in push.log + pull.log

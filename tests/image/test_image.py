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

from tests.fakes.actions_runner import HEAD_REF, PR, REPOSITORY
from tests.fakes.github_server import FakeGitHub
from tests.image.conftest import Docker
from tests.image.runner import GITHUB_TOKEN, RUNNER_UID, Job, checkout, local_backend

pytestmark = [pytest.mark.image, pytest.mark.xdist_group("image")]  # one worker builds the image once

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"
NEEDS_DEP = REPO / "tests" / "fixtures" / "apps" / "needs_dep"  # imports tinyfuzz, vendored beside it
INSTALL = {"install": "-r requirements.txt", "dry-run": "true"}


def error_lines(log: str) -> list[str]:
    """The step's ``::error`` workflow commands: what the job's annotations show."""
    return [line for line in log.splitlines() if line.startswith("::error")]


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
        github.add_pull(PR, head_sha=head_sha, base_sha=base_sha, head_ref=HEAD_REF, base_ref="main")
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
        baseline_line = next(line for line in comment.body.splitlines() if "baseline" in line)
        assert base_sha[:7] in baseline_line, baseline_line  # the baseline (a local server's runs get no link)
    assert "compared on" in pull.summary
    # the container wrote report.json into the checkout as the runner's user, so later steps may change it
    report = job.workspace / ".honeyhive" / "report.json"
    assert json.loads(report.read_text())["verdict"] == "pass"
    assert report.stat().st_uid == RUNNER_UID
    assert pull.outputs["report-path"] == ".honeyhive/report.json"  # the runner has no /github/workspace
    assert "Traceback" not in push.log + pull.log


def test_the_install_input_makes_the_apps_requirements_importable(docker: Docker, image: str, job: Job) -> None:
    base_sha, head_sha = checkout(NEEDS_DEP, job.workspace)

    push = job.run(docker, image, event="push", sha=base_sha, inputs=INSTALL)
    assert push.returncode == 0, push.log
    assert "Installed your dependencies with uv" in push.log
    assert push.outputs["verdict"] == "neutral"

    pull = job.run(docker, image, event="pull_request", sha=head_sha, base_sha=base_sha, inputs=INSTALL)
    assert pull.returncode == 0, pull.log
    assert pull.outputs["verdict"] == "pass"
    assert pull.outputs["passed"] == "3"
    assert pull.outputs["baseline-run-id"] == push.outputs["run-id"]


def test_without_the_install_input_the_missing_module_is_named(docker: Docker, image: str, job: Job) -> None:
    base_sha, _ = checkout(NEEDS_DEP, job.workspace)

    done = job.run(docker, image, event="push", sha=base_sha, inputs={"dry-run": "true"})
    assert done.returncode == 2, done.log
    assert done.outputs["verdict"] == "error"
    [error] = error_lines(done.log)
    assert "tinyfuzz" in error
    assert "`install:" in error, "names the input that fixes it"
    assert "Traceback" not in done.log


def test_a_requirement_conflicting_with_the_actions_pins_is_an_error_and_the_tool_survives(
    docker: Docker, image: str, job: Job
) -> None:
    base_sha, _ = checkout(NEEDS_DEP, job.workspace)
    # in one container: the tool's installed distributions before and after the failed install
    script = (
        "pip freeze --all > /tmp/before",
        "/opt/venv/bin/python -m honeyhive_experiment action; status=$?",
        "pip freeze --all > /tmp/after",
        "diff /tmp/before /tmp/after && pip check && echo TOOL-UNCHANGED",
        "exit $status",
    )
    conflict = {"install": "pydantic<2", "dry-run": "true"}  # the action's own pydantic is 2.x
    done = job.run(docker, image, event="push", sha=base_sha, inputs=conflict, command=script)
    assert done.returncode == 2, done.log
    assert done.outputs["verdict"] == "error"
    [error] = error_lines(done.log)
    assert "pydantic<2" in error, "names the user's requirement"
    assert "pydantic==2." in error, "names the action's own pin"
    assert "TOOL-UNCHANGED" in done.log
    report = json.loads((job.workspace / ".honeyhive" / "report.json").read_text())
    assert report["verdict"] == "error"
    assert "Traceback" not in done.log

    # the next step of the job: a new container from the same image, installing what does fit
    after = job.run(docker, image, event="push", sha=base_sha, inputs=INSTALL)
    assert after.returncode == 0, after.log
    assert after.outputs["verdict"] == "neutral"


@pytest.mark.parametrize(
    ("owner", "file_commands_owner", "unwritable"),
    [
        pytest.param(0, 0, "/github/", id="everything-root"),
        pytest.param(RUNNER_UID, 0, "/github/file_commands/", id="file-commands-root"),
    ],
)
def test_runner_files_the_image_user_cannot_write_are_one_error_line(
    docker: Docker, image: str, tmp_path: Path, owner: int, file_commands_owner: int, unwritable: str
) -> None:
    """A runner whose user is root (a self-hosted one) hands the container root-owned directories; the image
    runs as uid 1001 and cannot write them. The step says so in one line, before any work, and exits."""
    with local_backend(tmp_path / "hh.sqlite") as url:
        job = Job(tmp_path / "job", owner=owner, file_commands_owner=file_commands_owner, backend_url=url)
        base_sha, _ = checkout(QUICKSTART, job.workspace)
        done = job.run(docker, image, event="push", sha=base_sha, inputs={"dry-run": "true"})
    assert done.returncode != 0
    [error] = error_lines(done.log)
    assert "cannot write" in error
    assert unwritable in error
    assert "uid 0" in error, "says whose files they are"
    assert "uid 1001" in error, "says which user the image runs as"
    assert "Traceback" not in done.log

"""Run the image the way the GitHub runner runs a Docker action, against loopback services.

What the runner does (actions/runner's ContainerStepHost, and image-check.sh in ../shared/tools that mirrors it):
``docker run`` with ``--workdir /github/workspace``, the checkout mounted at /github/workspace, the file-command
files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, created empty beforehand) under /github/file_commands,
HOME=/github/home, the event payload at /github/workflow/event.json, the ``GITHUB_*`` context, action.yml's
``runs.env`` with the inputs filled in plus ``INPUT_<NAME>`` variables. ``--network host`` lets the container
reach the local backend and the fake GitHub on 127.0.0.1. On a GitHub-hosted runner all those directories
belong to the runner's user, uid 1001; ``Job(owner=0)`` makes them root's, as on a runner that runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.actions_runner import action_env, context_env, parse_outputs, pull_request, push
from tests.image.conftest import Docker
from tests.quickstart import git, init_repository

API_KEY = "hh-image-test-key-0123456789"
GITHUB_TOKEN = "ghs_imagetestworkflowtoken0123456789"
RUNNER_UID = 1001


@dataclass(frozen=True)
class ActionRun:
    """What a workflow sees of one step: exit code, log, outputs, job summary."""

    returncode: int
    log: str
    outputs: dict[str, str]
    summary: str


def checkout(source: Path, workspace: Path) -> tuple[str, str]:
    """A git checkout of ``source`` with two commits (base, then head): returns (base sha, head sha)."""
    shutil.copytree(source, workspace, ignore=shutil.ignore_patterns("__pycache__", "*.db*", "report.json"))
    init_repository(workspace, "base")
    (workspace / "CHANGELOG.md").write_text("a change on the pull request's branch\n")
    git(workspace, "add", "--all")
    git(workspace, "commit", "--quiet", "--message=head")
    return git(workspace, "rev-parse", "HEAD~1"), git(workspace, "rev-parse", "HEAD")


def _chown_tree(root: Path, owner: int) -> None:
    os.chown(root, owner, owner)
    for path in root.rglob("*"):
        os.chown(path, owner, owner, follow_symlinks=False)


@dataclass
class Job:
    """One job's directories on the host: the workspace, file commands, home and workflow (event) dirs."""

    root: Path
    owner: int = RUNNER_UID
    file_commands_owner: int | None = None  # None: ``owner``
    backend_url: str = ""
    github_api_url: str = "http://127.0.0.1:9"  # a closed port: nothing reaches GitHub unless a test says so
    runs: int = field(default=0, init=False)

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"

    def run(
        self,
        docker: Docker,
        image: str,
        *,
        event: str,
        sha: str,
        base_sha: str = "",
        inputs: Mapping[str, str] | None = None,
        command: Sequence[str] = (),
    ) -> ActionRun:
        """One step running the action. ``command``: a shell script run in the container instead of the
        entrypoint (it can run the entrypoint, /opt/venv/bin/python -m honeyhive_experiment action, itself)."""
        self.runs += 1
        for name in ("file_commands", "home", "workflow"):
            (self.root / name).mkdir(exist_ok=True)
        output_file = self.root / "file_commands" / f"set_output_{self.runs}"
        summary_file = self.root / "file_commands" / f"step_summary_{self.runs}"
        output_file.write_text("")
        summary_file.write_text("")
        happened = push(sha) if event == "push" else pull_request(head_sha=sha, base_sha=base_sha)
        if (self.workspace / ".git").exists():  # as actions/checkout does: the event's commit (a run is the checkout's)
            git(self.workspace, "-c", "safe.directory=*", "checkout", "--quiet", "--detach", sha)
        (self.root / "workflow" / "event.json").write_text(json.dumps(happened.payload))
        _chown_tree(self.root, self.owner)
        if self.file_commands_owner is not None:
            _chown_tree(self.root / "file_commands", self.file_commands_owner)
        given = {"api-key": API_KEY, "server-url": self.backend_url, "github-token": GITHUB_TOKEN, **(inputs or {})}
        context = context_env(
            happened,
            event_path="/github/workflow/event.json",
            workspace="/github/workspace",
            api_url=self.github_api_url,
        )
        env = {
            "HOME": "/github/home",
            **context,
            "GITHUB_OUTPUT": f"/github/file_commands/{output_file.name}",
            "GITHUB_STEP_SUMMARY": f"/github/file_commands/{summary_file.name}",
            "GITHUB_WORKFLOW": "ci",
            "GITHUB_JOB": "experiment",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": "/github/runner_temp",
            **action_env(given),
        }
        mounts = {"workspace": "/github/workspace", "file_commands": "/github/file_commands"}
        mounts |= {"home": "/github/home", "workflow": "/github/workflow"}
        args: list[str] = ["run", "--rm", "--network", "host", "--workdir", "/github/workspace"]
        for name, target in mounts.items():
            args += ["--volume", f"{self.root / name}:{target}"]
        for name, value in env.items():
            args += ["--env", f"{name}={value}"]
        if command:
            args += ["--entrypoint", "sh", image, "-c", "\n".join(command)]
        else:
            args.append(image)
        done = docker(*args, check=False, timeout=600)
        return ActionRun(
            done.returncode, done.stdout + done.stderr, parse_outputs(output_file.read_text()), summary_file.read_text()
        )


@contextmanager
def local_backend(db: Path) -> Iterator[str]:
    """``python -m honeyhive_local serve`` from this venv on a free loopback port; yields its URL."""
    command = [sys.executable, "-m", "honeyhive_local", "serve", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--db", str(db), "--api-key", API_KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # "honeyhive_local serving on http://127.0.0.1:PORT (db: …)"
    # keep reading its log, or a full pipe would block the server
    threading.Thread(target=process.stdout.read, daemon=True).start()
    try:
        assert "serving on " in first, f"honeyhive_local did not start: {first!r}"
        yield first.split("serving on ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=30)

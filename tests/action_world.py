"""The world an end-to-end test of the action runs in: a copy of the quickstart, ``honeyhive_local``, and the
fake GitHub with the pull request of ``tests/fakes/actions_runner.py``; the action runs in it as a subprocess,
one :class:`~tests.fakes.actions_runner.Step` at a time (or in this process, :meth:`World.in_process`, a step no
assertion on the process is about: one recording the history the step under test runs on). ``test_action_e2e.py``,
``test_sharding_e2e.py`` and ``test_backend_gone_e2e.py`` take the ``world`` fixture (imported by name);
:meth:`World.through_outage` runs the action against a backend that goes away mid-run (also
``benchmarks/bench_backend_gone.py``).
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import (
    BASE_SHA,
    GITHUB_TOKEN,
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
    start_action,
)
from tests.fakes.github_server import FakeGitHub
from tests.honeyhive_experiment.faultproxy import FaultProxy, Outage

API_KEY = "hh-action-e2e-key-0123456789"
FORKS_SECRETS = {"HH_API_KEY": "", "INPUT_API-KEY": ""}  # GitHub gives a fork's workflow no secrets


@dataclass
class World:
    """The quickstart's copy (``root``), the backend, the fake GitHub with pull request ``PR``, and ``tmp`` (the
    runner's home and the steps' files)."""

    root: Path
    backend: LocalBackend
    github: FakeGitHub
    tmp: Path

    def step(
        self,
        event: Event,
        *,
        inputs: Mapping[str, str] | None = None,
        name: str = "step",
        workspace: Path | None = None,
        run_id: str = RUN_ID,
        attempt: str = "1",
    ) -> tuple[Step, dict[str, str]]:
        """The files of step ``name`` (a folder under ``tmp``) and its environment: the runner's, for ``inputs``
        (the backend's API key and URL unless given) and this world's GitHub, with a shell's PATH and HOME."""
        step = Step(self.tmp / name, event)
        given = {"api-key": API_KEY, "server-url": self.backend.url, **(inputs or {})}
        env = step.env(workspace or self.root, given, api_url=self.github.api_url, run_id=run_id, attempt=attempt)
        return step, {"PATH": "/usr/bin:/bin", "HOME": str(self.tmp), **env}

    def in_process(
        self,
        event: Event,
        *,
        inputs: Mapping[str, str] | None = None,
        name: str = "step",
        runner_env: Mapping[str, str] | None = None,
    ) -> tuple[int, Step]:
        """Step ``name`` run in this process, in ``root``, as ``python -m honeyhive_experiment action`` runs it
        (``main(["action"])`` with the step's environment, ``runner_env`` over it): its exit code and the step, for
        its outputs and summary. For a step no assertion on the process is about (its log, how it ends, its
        environment): no interpreter to start and nothing to import, it takes a quarter of a subprocess's CPU (a
        tenth with three questions)."""
        step, env = self.step(event, inputs=inputs, name=name)
        env.update(runner_env or {})
        with contextlib.chdir(self.root):
            return main(["action"], environ=env), step

    def keep_questions(self, count: int) -> None:
        """Cut the copy's dataset to its first ``count`` questions, for a test the number of datapoints is not the
        point of: a quicker run."""
        dataset = self.root / "data" / "questions.jsonl"
        rows = dataset.read_text(encoding="utf-8").splitlines(True)
        dataset.write_text("".join(rows[:count]), encoding="utf-8")

    def run_action(
        self,
        *,
        event: str = "pull_request",
        inputs: Mapping[str, str] | None = None,
        head_sha: str = HEAD_SHA,
        fork: bool = False,
        runner_env: Mapping[str, str] | None = None,
    ) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
        step, env = self.step(
            push(head_sha) if event == "push" else pull_request(head_sha=head_sha, fork=fork), inputs=inputs
        )
        env.update(runner_env or {})
        if fork:
            env.update(FORKS_SECRETS)
        done = run_action(env, self.root)
        return done, step.outputs(), step.summary()

    def through_outage(self, kind: Outage, *, after_sessions: int = 5, limit: float = 90.0) -> Outcome:
        """The action on a pull request, its backend behind a :class:`FaultProxy` that goes away (``kind``) when the
        ``after_sessions``-th datapoint's session is started (0: at start, with the action's first request); the
        process is given ``limit`` seconds from the outage's start to exit (a liveness bound: then it is killed, and
        ``seconds`` is None)."""
        with FaultProxy(self.backend.url, rate=0.0) as proxy:
            if after_sessions:
                proxy.outage_at(kind, route="POST /v1/sessions", count=after_sessions)
            else:
                proxy.outage_at(kind, route=None)
            step, env = self.step(pull_request(), inputs={"server-url": proxy.url}, name=f"outage-{kind.name.lower()}")
            process = start_action(env, self.root)
            try:
                if not proxy.outage_started.wait(limit):
                    raise AssertionError("the action never reached the backend")
                assert proxy.outage_began is not None
                left = limit - (time.monotonic() - proxy.outage_began)
                try:
                    stdout, stderr = process.communicate(timeout=max(left, 0.0))
                except subprocess.TimeoutExpired:
                    process.kill()
                    stdout, stderr = process.communicate()
                    return Outcome(kind, None, process.returncode, stdout, stderr, step.outputs(), step.summary())
                seconds = time.monotonic() - proxy.outage_began
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        return Outcome(kind, seconds, process.returncode, stdout, stderr, step.outputs(), step.summary())


@dataclass(frozen=True)
class Outcome:
    """How the action ended when its backend went away: ``seconds`` from the outage's start to its exit (None when
    it did not exit within the bound and was killed), its exit code, output, step outputs and summary."""

    outage: Outage
    seconds: float | None
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@pytest.fixture
def world(quickstart: Path, tmp_path: Path) -> Iterator[World]:
    with LocalBackend(":memory:", API_KEY) as backend, FakeGitHub(token=GITHUB_TOKEN, repository=REPOSITORY) as gh:
        gh.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF, base_ref="main")
        yield World(quickstart, backend, gh, tmp_path)


COMMENT_START = "----- the comment that would be posted -----"
"""The line a dry run's action step prints before the comment it would post."""


def dry_run_outputs(
    repo: Path, capsys: pytest.CaptureFixture[str], *, api_key: str, github_token: str, environ: Mapping[str, str]
) -> tuple[int, dict[str, str]]:
    """A dry run of the action, in this process, on ``repo`` for the fake runner's pull request (its step's
    environment with ``environ`` added; the action's keys ``api_key`` and ``github_token``): its exit code, and what
    it wrote where a reader sees it: the log, the comment it would post, the job summary and report.json."""
    from honeyhive_experiment.paths import REPORT_PATH
    from tests.fakes.actions_runner import Step, pull_request
    from tests.fakes.github_server import FakeGitHub

    step = Step(repo.parent / "step", pull_request())
    inputs = {"api-key": api_key, "github-token": github_token, "dry-run": "true"}
    with (
        LocalBackend(":memory:", api_key) as backend,
        FakeGitHub(token=github_token, repository=REPOSITORY) as github,
    ):
        github.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF)
        env = step.env(repo, {**inputs, "server-url": backend.url}, api_url=github.api_url)
        code = main(["action"], environ={**env, **environ})
    printed = capsys.readouterr()
    return code, {
        "log": printed.out + printed.err,
        "comment": printed.out.split(COMMENT_START, 1)[1] if COMMENT_START in printed.out else "",
        "summary": step.summary(),
        "report.json": (repo / REPORT_PATH).read_text(encoding="utf-8"),
    }

"""GitHub's Actions runner as an action sees it: the event, the environment, the file commands.

For a step that runs the action GitHub writes the event's payload to a file (``GITHUB_EVENT_PATH``), sets the
``GITHUB_*`` context (:func:`context_env`; the event's own variables come with the :class:`Event`), sets
action.yml's ``runs.env`` with every ``${{ inputs.x }}`` filled in and ``INPUT_<NAME>`` for each input
(:func:`action_env`), and creates the file-command files the action writes its outputs and job summary to,
which it reads back afterwards (:func:`parse_outputs`). A :class:`Step` does all of that in a folder on this
machine; :func:`run_action` and :func:`start_action` run the action's entry point with it. Every test that
runs the action, in process, as a subprocess, as the composite action's steps or in the Docker image
(``tests/image/runner.py``, with the container's paths), builds its environment here.

The repository is ``acme/support-bot``; its pull request ``PR`` goes from ``HEAD_REF`` (at ``HEAD_SHA``) into
``main`` (at ``BASE_SHA``). Tests that talk to the fake GitHub add that pull request to it.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

ACTION_YML = Path(__file__).resolve().parents[2] / "action.yml"
REPOSITORY = "acme/support-bot"
PR = 7
BASE_SHA = "5e7a9c1d3f5b7d9e1a3c5e7f9b1d3f5a7c9e1b3d"
HEAD_SHA = "8d3f1a2b4c5d6e7f8091a2b3c4d5e6f708192a3b"
MERGE_SHA = "f" * 40  # a pull request's GITHUB_SHA: the merge commit GitHub makes, no run's commit
HEAD_REF = "feature/shorter"
GITHUB_TOKEN = "ghs_fakeworkflowtoken0123456789abcdef"  # what github-token's default, ${{ github.token }}, gives
RUN_ID = "9001"
# GITHUB_API_URL unless a test gives its fake GitHub's: a closed port on loopback, so an action a test runs as a
# process of its own never reaches api.github.com (in this process tests/conftest.py refuses it at once)
NO_GITHUB = "http://127.0.0.1:9"
ENTRY_POINT = ("-m", "honeyhive_experiment", "action")  # what the Docker image's ENTRYPOINT runs with its python


@dataclass(frozen=True)
class Event:
    """A workflow event as a step gets it: the payload (the file at ``GITHUB_EVENT_PATH``) and the variables
    GitHub derives from the event (an empty one is set empty, as GitHub sets ``GITHUB_HEAD_REF`` on a push)."""

    name: str
    payload: Mapping[str, Any]
    sha: str = ""
    ref: str = ""
    ref_name: str = ""
    head_ref: str = ""
    base_ref: str = ""

    @property
    def variables(self) -> dict[str, str]:
        return {
            "GITHUB_EVENT_NAME": self.name,
            "GITHUB_SHA": self.sha,
            "GITHUB_REF": self.ref,
            "GITHUB_REF_NAME": self.ref_name,
            "GITHUB_HEAD_REF": self.head_ref,
            "GITHUB_BASE_REF": self.base_ref,
        }


def _repository() -> dict[str, Any]:
    return {"full_name": REPOSITORY, "fork": False, "default_branch": "main"}


def push(sha: str = HEAD_SHA, branch: str = "main") -> Event:
    """A push to ``branch`` whose head is ``sha``."""
    payload = {"ref": f"refs/heads/{branch}", "after": sha, "repository": _repository()}
    return Event("push", payload, sha=sha, ref=f"refs/heads/{branch}", ref_name=branch)


def pull_request(*, head_sha: str = HEAD_SHA, base_sha: str = BASE_SHA, fork: bool = False) -> Event:
    """Pull request ``PR`` from ``HEAD_REF`` at ``head_sha`` into ``main`` at ``base_sha``; ``fork``: its head is
    in someone else's fork of the repository."""
    repo = _repository()
    head_repo = {"full_name": "mallory/support-bot", "fork": True} if fork else repo
    pull = {
        "number": PR,
        "head": {"sha": head_sha, "ref": HEAD_REF, "repo": head_repo},
        "base": {"sha": base_sha, "ref": "main", "repo": repo},
    }
    payload = {"number": PR, "pull_request": pull, "repository": repo}
    return Event(
        "pull_request",
        payload,
        sha=MERGE_SHA,
        ref=f"refs/pull/{PR}/merge",
        ref_name=f"{PR}/merge",
        head_ref=HEAD_REF,
        base_ref="main",
    )


def workflow_run(
    head_sha: str, *, triggering_run_id: int = int(RUN_ID), attempt: int = 1, conclusion: str = "success"
) -> Event:
    """A ``workflow_run`` (completed) event on ``main`` about the pull request's workflow run
    ``triggering_run_id`` (by default the one a step's context names: :func:`context_env`), attempt ``attempt``,
    which ran at ``head_sha`` and concluded ``conclusion``."""
    run = {
        "id": triggering_run_id,
        "run_attempt": attempt,
        "name": "experiment (run)",
        "event": "pull_request",
        "status": "completed",
        "conclusion": conclusion,
        "head_sha": head_sha,
        "head_branch": HEAD_REF,
        "pull_requests": [
            {"number": PR, "head": {"sha": head_sha, "ref": HEAD_REF}, "base": {"sha": BASE_SHA, "ref": "main"}}
        ],
        "head_repository": {"full_name": REPOSITORY},
        "repository": {"full_name": REPOSITORY},
    }
    payload = {"action": "completed", "workflow_run": run, "repository": _repository()}
    return Event("workflow_run", payload, sha=BASE_SHA, ref="refs/heads/main", ref_name="main")


COMMENTED_AT: Final = "2024-06-01T00:00:00Z"  # after every push the fake GitHub makes (its clock: 2024-01-01, a second
# a change)


def issue_comment(
    main_sha: str, *, login: str = "octocat", association: str = "MEMBER", created_at: str = COMMENTED_AT
) -> Event:
    """A "/evaluate" comment on pull request ``PR`` by ``login`` (its ``author_association``), made at ``created_at``:
    its payload names the pull request's number only; GITHUB_SHA (``main_sha``) and GITHUB_REF are the default
    branch's, and the job checks out what it likes."""
    repository = {"full_name": REPOSITORY, "default_branch": "main"}
    issue = {"number": PR, "pull_request": {"url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{PR}"}}
    comment = {"body": "/evaluate", "user": {"login": login}, "author_association": association}
    comment["created_at"] = created_at
    payload = {"action": "created", "issue": issue, "comment": comment, "repository": repository}
    return Event("issue_comment", payload, sha=main_sha, ref="refs/heads/main", ref_name="main")


def context_env(
    event: Event,
    *,
    event_path: str | Path,
    workspace: str | Path,
    api_url: str = NO_GITHUB,
    run_id: str = RUN_ID,
    attempt: str = "1",
) -> dict[str, str]:
    """The ``GITHUB_*`` context GitHub sets in every step (and ``CI``); paths as the action sees them."""
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPOSITORY,
        **event.variables,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_RUN_ID": run_id,
        "GITHUB_RUN_ATTEMPT": attempt,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": api_url,
        "GITHUB_WORKSPACE": str(workspace),
    }


def action_env(inputs: Mapping[str, str]) -> dict[str, str]:
    """What the runner passes for these inputs: action.yml's runs.env with ``${{ inputs.x }}`` filled in,
    defaults applied, plus the ``INPUT_<NAME>`` variables GitHub also sets."""
    action = yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(values)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    values.update(inputs)
    for name in ("github-token", "job-token"):  # their default is an expression: the job's ${{ github.token }}
        values[name] = inputs.get(name, GITHUB_TOKEN)
    env = {f"INPUT_{name.upper()}": value for name, value in values.items()}
    for variable, template in action["runs"]["env"].items():
        env[variable] = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], str(template))
    return env


def parse_outputs(text: str) -> dict[str, str]:
    """GitHub's GITHUB_OUTPUT format: ``name=value`` or ``name<<DELIM`` … ``DELIM``."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            out[name] = value_text
    return out


# The byte-order marks the runner's reader of a step's output tells apart (the longer first), and the encoding each
# sets: .NET's StreamReader with detectEncodingFromByteOrderMarks (dotnet/runtime StreamReader.DetectEncoding)
_MARKS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decoded(stream: bytes) -> str:
    """A step's standard output or error (one of them: each has a reader of its own) as the runner reads it: the
    runner reads them through .NET's ``Process.StandardOutput`` and ``StandardError``, whose reader takes a
    byte-order mark at the stream's start (swallowed) for the encoding of all the rest (UTF-8, UTF-16 little- or
    big-endian, UTF-32), and reads UTF-8 without one; a byte that is no character is a replacement character."""
    for mark, encoding in _MARKS:
        if stream.startswith(mark):
            return stream[len(mark) :].decode(encoding, errors="replace")
    return stream.decode("utf-8", errors="replace")


def issued(log: str | bytes) -> list[str]:
    """The workflow commands the runner would process in ``log``, in order: lines starting with ``::name …::data``
    after leading spaces (the runner trims them), and lines with the legacy ``##[name …]data`` anywhere in them (the
    runner looks for ``##[`` anywhere: actions/runner ``ActionCommand.TryParse``), and ``::stop-commands::<token>``,
    after which none is until the line ``::<token>::`` (the runner's step keeps one such state for both of its
    streams: a stop on standard error hides the commands on standard output too). ``log`` as bytes is one stream,
    read as the runner reads it (:func:`decoded`: a byte-order mark at its start sets its encoding); as text, a
    ``U+FEFF`` at its start is a UTF-8 byte-order mark decoded with it, which the runner swallows."""
    read = decoded(log) if isinstance(log, bytes) else log.removeprefix("\ufeff")
    commands: list[str] = []
    stopped: str | None = None
    for line in read.splitlines():
        text = line.strip()
        if stopped is not None:
            if text == f"::{stopped}::":
                stopped = None
            continue
        if text.startswith("::stop-commands::"):
            stopped = text.removeprefix("::stop-commands::")
        if text.startswith("::") or "##[" in text:
            commands.append(text)
    return commands


@dataclass
class Step:
    """One step's files in ``folder``: the event's payload, and GITHUB_OUTPUT and GITHUB_STEP_SUMMARY created
    empty (a step made again in the same folder starts afresh)."""

    folder: Path
    event: Event

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.event_path.write_text(json.dumps(self.event.payload), encoding="utf-8")
        self.output_path.write_text("", encoding="utf-8")
        self.summary_path.write_text("", encoding="utf-8")

    @property
    def event_path(self) -> Path:
        return self.folder / "event.json"

    @property
    def output_path(self) -> Path:
        return self.folder / "github_output"

    @property
    def summary_path(self) -> Path:
        return self.folder / "step_summary"

    def env(
        self,
        workspace: Path,
        inputs: Mapping[str, str] | None,
        *,
        api_url: str = NO_GITHUB,
        run_id: str = RUN_ID,
        attempt: str = "1",
    ) -> dict[str, str]:
        """The step's environment: the context, the file commands and, for the action's ``inputs``, what
        action.yml maps them to (``None``: a composite action's step, which maps them in its own ``env:``)."""
        context = context_env(
            self.event, event_path=self.event_path, workspace=workspace, api_url=api_url, run_id=run_id, attempt=attempt
        )
        files = {"GITHUB_OUTPUT": str(self.output_path), "GITHUB_STEP_SUMMARY": str(self.summary_path)}
        return {**context, **files, **(action_env(inputs) if inputs is not None else {})}

    def outputs(self) -> dict[str, str]:
        """What the action wrote to GITHUB_OUTPUT, read as the runner reads it."""
        return parse_outputs(self.output_path.read_text(encoding="utf-8"))

    def summary(self) -> str:
        return self.summary_path.read_text(encoding="utf-8")


def _tested(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` and this process's ``PYTHONPATH``: the program the action runs is the one this test imports (a git
    worktree's too, not the editable install's), as for :func:`tests.test_workflow_commands.run_step`."""
    return {**env, **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}


def run_action(
    env: Mapping[str, str], workspace: Path, *, python: str | Path = sys.executable, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """The action's entry point run to its end by ``python`` (this one, or a job's virtual environment's) in
    ``workspace``, with exactly ``env``; its output captured."""
    return subprocess.run(
        [str(python), *ENTRY_POINT],
        cwd=workspace,
        env=_tested(env) if str(python) == sys.executable else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_action(env: Mapping[str, str], workspace: Path) -> subprocess.Popen[str]:
    """The action's entry point started by this python in ``workspace`` and left running (for a test that signals
    or kills it, or runs several at once); its output piped."""
    return subprocess.Popen(
        [sys.executable, *ENTRY_POINT],
        cwd=workspace,
        env=_tested(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def effective_uid(uid: int | None) -> Iterator[None]:
    """Run the block as ``uid`` (root only), as a self-hosted runner's container user would; back to root after."""
    if uid is None:
        yield
        return
    os.seteuid(uid)
    try:
        yield
    finally:
        os.seteuid(0)

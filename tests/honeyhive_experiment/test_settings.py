"""Settings: action inputs and the GitHub context (variables and event payload) → one frozen model.

The payloads in tests/fixtures/events are real GitHub payloads, trimmed; the variables are those GitHub sets
in a Docker action's container, with the inputs under the names action.yml maps them to.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from honeyhive_experiment import client
from honeyhive_experiment.connection import HTTP_URL_EXPECTED
from honeyhive_experiment.settings import (
    DEFAULT_SERVER_URL,
    INPUTS,
    CiContext,
    CommentMode,
    Mode,
    Settings,
    SettingsError,
    load_event_payload,
    parse_bool,
)
from honeyhive_experiment.sharding import ShardSpec
from tests.fakes.actions_runner import Event, context_env

pytestmark = pytest.mark.unit

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"
API_KEY = "hh-Zq81xPrivateKey7731"
TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
RUNTIME_TOKEN = "eyJhbGciOiJSUzI1NiJ9.runtime-token-payload.signature"
PR_HEAD = "8d3f1a2b4c5d6e7f8091a2b3c4d5e6f708192a3b"
PR_BASE = "5e7a9c1d3f5b7d9e1a3c5e7f9b1d3f5a7c9e1b3d"
MERGE_SHA = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
PUSH_SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"

ENV_OF = {spec.name: spec.env for spec in INPUTS}


def event(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return payload


def action_inputs(**overrides: str) -> dict[str, str]:
    """The input variables as the action passes them: every input mapped, the defaults action.yml declares,
    ``""`` for inputs without one (``github-token``'s and ``job-token``'s default is the expression GitHub evaluates,
    the job's token)."""
    env = {spec.env: spec.default or "" for spec in INPUTS}
    env[ENV_OF["github-token"]] = env[ENV_OF["job-token"]] = TOKEN
    env[ENV_OF["api-key"]] = API_KEY
    for name, value in overrides.items():
        env[ENV_OF[name.replace("_", "-")]] = value
    return env


def runner_env(event_name: str, **extra: str) -> dict[str, str]:
    """What GitHub sets in a Docker action's container: the context (tests/fakes/actions_runner.py) at the
    container's paths, its event variables empty unless ``extra`` sets them, plus some noise settings does not
    read. The payload is the test's own, given to ``Settings.from_mapping``."""
    context = context_env(
        Event(event_name, {}),
        event_path="/github/workflow/event.json",
        workspace="/github/workspace",
        api_url="https://api.github.com",
        run_id="13641151203",
        attempt="2",
    )
    env = {
        **context,
        "GITHUB_REPOSITORY_OWNER": "acme",
        "GITHUB_RUN_NUMBER": "318",
        "GITHUB_GRAPHQL_URL": "https://api.github.com/graphql",
        "GITHUB_WORKFLOW": "experiment",
        "GITHUB_JOB": "experiment",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_OUTPUT": "/github/file_commands/set_output_5b1c",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary_5b1c",
        "HOME": "/github/home",
        "INPUT_API-KEY": API_KEY,  # GitHub's own input variables: not read, but present
        "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN,
    }
    env.update(extra)
    return env


def pr_env(**extra: str) -> dict[str, str]:
    return {
        **runner_env(
            "pull_request",
            GITHUB_SHA=MERGE_SHA,
            GITHUB_REF="refs/pull/42/merge",
            GITHUB_REF_NAME="42/merge",
            GITHUB_HEAD_REF="feature/shorter-prompt",
            GITHUB_BASE_REF="main",
        ),
        **action_inputs(),
        **extra,
    }


# ---------------------------------------------------------------------------------------------------- events


def test_pull_request_event_is_read_completely() -> None:
    s = Settings.from_mapping(pr_env(RUNNER_DEBUG="1"), event_payload=event("pull_request"))

    assert s.api_key is not None
    assert s.api_key.get_secret_value() == API_KEY
    assert s.github_token is not None
    assert s.github_token.get_secret_value() == TOKEN
    assert s.server_url == DEFAULT_SERVER_URL
    assert s.config == Path(".honeyhive/experiment.yml")
    assert s.baseline_run_id is None
    assert s.mode is Mode.ALL
    assert s.shard is None
    assert s.dry_run is False
    assert s.comment_mode is CommentMode.UPDATE
    assert s.working_directory == Path(".")
    assert s.fail_on_error is True

    assert s.run_id == 13641151203
    assert s.github_server_url == "https://github.com"
    assert s.github_api_url == "https://api.github.com"
    assert s.workspace == Path("/github/workspace")
    assert s.output_path == Path("/github/file_commands/set_output_5b1c")
    assert s.step_summary_path == Path("/github/file_commands/step_summary_5b1c")
    assert s.debug is True
    assert s.in_actions is True
    assert s.as_action is True
    assert s.is_fork is False
    assert s.triggering_run is None

    assert s.ci == CiContext(
        repository="acme/support-bot",
        branch="feature/shorter-prompt",  # not GITHUB_REF_NAME ("42/merge")
        sha=PR_HEAD,  # not GITHUB_SHA, the merge commit
        base_sha=PR_BASE,
        base_ref="main",
        pr_number=42,
        event="pull_request",
        workflow_run_url="https://github.com/acme/support-bot/actions/runs/13641151203/attempts/2",
    )
    assert s.config_path == Path("/github/workspace/.honeyhive/experiment.yml")  # files resolve under the workspace


def test_the_run_is_stamped_with_where_it_comes_from_and_no_unknown_value() -> None:
    ci = Settings.from_mapping(pr_env(), event_payload=event("pull_request")).ci
    found = ci.model_copy(
        update={
            "merge_base_sha": "m" * 40,
            "merge_base_ref": "main",
            "dirty": False,
            "checkout_sha": MERGE_SHA,
            "merge_checkout": True,
        }
    )
    assert found.metadata("digest", ".honeyhive/strict.yml") == {
        "repository": "acme/support-bot",
        "branch": "feature/shorter-prompt",
        "sha": PR_HEAD,
        "base_sha": PR_BASE,
        "merge_base_sha": "m" * 40,
        "pr_number": 42,
        "event": "pull_request",
        "workflow_run_url": "https://github.com/acme/support-bot/actions/runs/13641151203/attempts/2",
        "dirty": False,  # known, so stamped; diff_sha256 is unknown (None), so left out
        "checkout_sha": MERGE_SHA,  # the code it ran: never another pull request's merge-base run
        "config_hash": "digest",
        "config_file": ".honeyhive/strict.yml",  # two files under one name are two experiments: never each other's
    }  # base_ref, merge_base_ref, merge_base_unknown and merge_checkout serve only this run's own baseline search


def test_pull_request_from_a_fork() -> None:
    s = Settings.from_mapping(pr_env(GITHUB_HEAD_REF="main", HH_API_KEY=""), event_payload=event("pull_request_fork"))
    assert s.is_fork is True
    assert s.ci.pr_number == 57
    assert s.ci.sha == "f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e"
    assert s.ci.branch == "main"  # the fork's branch name; is_fork tells it apart
    assert s.api_key is None  # forks get no secrets: the empty input is "unset"


def test_pull_request_whose_fork_was_deleted_counts_as_a_fork() -> None:
    payload = event("pull_request_fork")
    payload["pull_request"]["head"]["repo"] = None
    s = Settings.from_mapping(pr_env(), event_payload=payload)
    assert s.is_fork is True


def test_pull_request_between_branches_of_a_fork_is_not_a_fork() -> None:
    """Inside a forked repository, head.repo.fork is true but head and base are the same repository: its own
    secrets are available, so this is not the "fork" case."""
    payload = event("pull_request")
    for side in ("head", "base"):
        payload["pull_request"][side]["repo"]["fork"] = True
    s = Settings.from_mapping(pr_env(), event_payload=payload)
    assert s.is_fork is False


def test_pull_request_head_ref_falls_back_to_the_payload() -> None:
    env = pr_env(GITHUB_HEAD_REF="", GITHUB_BASE_REF="")
    s = Settings.from_mapping(env, event_payload=event("pull_request"))
    assert s.ci.base_ref == "main"
    assert s.ci.branch == "feature/shorter-prompt"


def test_push_event() -> None:
    env = {
        **runner_env("push", GITHUB_SHA=PUSH_SHA, GITHUB_REF="refs/heads/main", GITHUB_REF_NAME="main"),
        **action_inputs(comment_mode="off"),
    }
    s = Settings.from_mapping(env, event_payload=event("push"))
    assert s.ci.event == "push"
    assert s.ci.pr_number is None
    assert s.ci.branch == "main"
    assert s.ci.sha == PUSH_SHA
    assert s.ci.base_sha is None
    assert s.ci.base_ref == "main"  # the branch pushed to
    assert s.is_fork is False
    assert s.comment_mode is CommentMode.OFF


def test_push_of_a_tag_has_no_branch() -> None:
    payload = event("push")
    payload["ref"] = "refs/tags/v2.0.0"
    env = runner_env("push", GITHUB_SHA=PUSH_SHA, GITHUB_REF="refs/tags/v2.0.0", GITHUB_REF_NAME="v2.0.0")
    s = Settings.from_mapping(env, event_payload=payload)
    assert s.ci.branch is None
    assert s.ci.sha == PUSH_SHA


def test_workflow_run_event_describes_the_triggering_run() -> None:
    env = {
        **runner_env("workflow_run", GITHUB_SHA=PUSH_SHA, GITHUB_REF="refs/heads/main", GITHUB_REF_NAME="main"),
        "GITHUB_RUN_ID": "13641199999",
        "GITHUB_RUN_ATTEMPT": "1",
        **action_inputs(mode="publish"),
    }
    s = Settings.from_mapping(env, event_payload=event("workflow_run"))
    run = s.triggering_run
    assert run is not None
    assert run.run_id == 13641151203  # workflow_run.id: the run this one is about, not its own GITHUB_RUN_ID
    assert run.head_sha == PR_HEAD
    assert run.head_branch == "feature/shorter-prompt"
    assert run.pr_numbers == (42,)
    assert run.is_fork is False

    assert s.mode is Mode.PUBLISH
    assert s.ci.pr_number == 42
    assert s.ci.sha == PR_HEAD  # the triggering run's commit, not main's GITHUB_SHA
    assert s.ci.base_sha == PR_BASE
    assert s.ci.base_ref == "main"
    assert s.ci.branch == "feature/shorter-prompt"
    assert s.is_fork is False
    assert s.ci.workflow_run_url == "https://github.com/acme/support-bot/actions/runs/13641199999/attempts/1"


def test_workflow_run_from_a_fork_lists_no_pull_request() -> None:
    payload = event("workflow_run")
    payload["workflow_run"]["pull_requests"] = []  # what GitHub sends for a fork's pull request
    payload["workflow_run"]["head_branch"] = "patch-1"
    payload["workflow_run"]["head_repository"]["full_name"] = "drive-by-contributor/support-bot"
    env = runner_env("workflow_run", GITHUB_SHA=PUSH_SHA, GITHUB_REF="refs/heads/main", GITHUB_REF_NAME="main")
    s = Settings.from_mapping(env, event_payload=payload)
    assert s.is_fork is True
    assert s.triggering_run is not None
    assert s.triggering_run.is_fork is True
    assert s.triggering_run.pr_numbers == ()
    assert s.ci.pr_number is None
    assert s.ci.branch is None  # patch-1 is the fork's branch, none of this repository's
    assert s.ci.sha == PR_HEAD


def test_schedule_and_workflow_dispatch_use_the_ref() -> None:
    for name, payload in (
        ("schedule", {"schedule": "23 4 * * 1"}),
        ("workflow_dispatch", {"inputs": {}, "ref": "refs/heads/main", "repository": event("push")["repository"]}),
    ):
        env = runner_env(name, GITHUB_SHA=PUSH_SHA, GITHUB_REF="refs/heads/main", GITHUB_REF_NAME="main")
        s = Settings.from_mapping(env, event_payload=payload)
        assert (s.ci.branch, s.ci.sha, s.ci.pr_number, s.is_fork) == ("main", PUSH_SHA, None, False), name


QUEUE_BASE = "b0a5eb0a5eb0a5eb0a5eb0a5eb0a5eb0a5eb0a5e"


def _queue_entry(base: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A merge queue's entry into ``base``: GitHub sets no GITHUB_BASE_REF (pull requests only); the payload says it."""
    ref = f"refs/heads/gh-readonly-queue/{base}/pr-9-{QUEUE_BASE}"
    group = {"head_sha": PUSH_SHA, "head_ref": ref, "base_sha": QUEUE_BASE, "base_ref": f"refs/heads/{base}"}
    return "merge_group", {"GITHUB_REF": ref}, {"action": "checks_requested", "merge_group": group}


def _triggered_by(branch: str, *, fork: bool = False) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A ``workflow_run`` whose triggering run lists no pull request: a push to ``branch``, or a fork's pull request."""
    payload = event("workflow_run")
    payload["workflow_run"].update(pull_requests=[], head_branch=branch, event="pull_request" if fork else "push")
    if fork:
        payload["workflow_run"]["head_repository"]["full_name"] = "drive-by-contributor/support-bot"
    return "workflow_run", {"GITHUB_REF": "refs/heads/main"}, payload


def _on(name: str, ref: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    return name, {"GITHUB_REF": ref}, {"ref": ref, "repository": event("push")["repository"]}


# (event, its variables, its payload) → the branch, the base branch baselines come from, the merge base, the branch
# it falls back on
@pytest.mark.parametrize(
    ("case", "branch", "base_ref", "merge_base", "fallback"),
    [
        (_on("push", "refs/heads/main"), "main", "main", None, None),
        (_on("push", "refs/heads/release/1.x"), "release/1.x", "release/1.x", None, "main"),  # its own, else main's
        (_on("push", "refs/heads/feature/x"), "feature/x", "feature/x", None, "main"),  # a first push: main's
        (_on("push", "refs/tags/v2.0.0"), None, "main", None, None),  # a tag has no branch: the default branch's
        (_on("workflow_dispatch", "refs/heads/main"), "main", "main", None, None),
        (_on("workflow_dispatch", "refs/heads/release/1.x"), "release/1.x", "release/1.x", None, "main"),
        (("schedule", {"GITHUB_REF": "refs/heads/main"}, {"schedule": "23 4 * * 1"}), "main", "main", None, None),
        (_queue_entry("main"), f"gh-readonly-queue/main/pr-9-{QUEUE_BASE}", "main", QUEUE_BASE, None),
        (
            _queue_entry("release/1.x"),
            f"gh-readonly-queue/release/1.x/pr-9-{QUEUE_BASE}",
            "release/1.x",
            QUEUE_BASE,
            None,
        ),
        (_triggered_by("release/1.x"), "release/1.x", "release/1.x", None, "main"),
        (_triggered_by("main", fork=True), None, "main", None, None),  # the fork's main is not this main
        (_triggered_by("patch-1", fork=True), None, "main", None, None),
    ],
    ids=[
        "push main",
        "push release",
        "push feature",
        "tag",
        "dispatch main",
        "dispatch release",
        "schedule",
        "queue into main",
        "queue into release",
        "workflow_run of a push to release",
        "workflow_run of a fork's main",
        "workflow_run of a fork's branch",
    ],
)
def test_the_base_branch_of_every_event(
    case: tuple[str, dict[str, str], dict[str, Any]],
    branch: str | None,
    base_ref: str,
    merge_base: str | None,
    fallback: str | None,
) -> None:
    """A run of a branch (push, dispatch, schedule) is compared with that branch's previous state, a queue entry
    like a pull request into the queue's base; a tag, or a fork's branch, with the default branch. A branch not the
    default falls back on it (``fallback_ref``) while it has no passing run of its own."""
    name, variables, payload = case
    ref = variables["GITHUB_REF"]
    ref_name = ref.split("/", 2)[2]
    env = runner_env(name, GITHUB_SHA=PUSH_SHA, GITHUB_REF=ref, GITHUB_REF_NAME=ref_name)
    ci = Settings.from_mapping(env, event_payload=payload).ci
    assert (ci.branch, ci.base_ref, ci.merge_base_sha, ci.fallback_ref) == (branch, base_ref, merge_base, fallback)
    assert ci.base_sha == merge_base  # only a queue entry has a base commit
    assert ci.pr_number is None


def test_repository_falls_back_to_the_payload() -> None:
    env = runner_env("push", GITHUB_REPOSITORY="", GITHUB_SHA=PUSH_SHA, GITHUB_REF_NAME="main")
    assert Settings.from_mapping(env, event_payload=event("push")).ci.repository == "acme/support-bot"


@pytest.mark.parametrize(
    ("event_name", "extra"),
    [
        ("push", {"GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "HEAD"}),
        ("pull_request", {"GITHUB_HEAD_REF": "HEAD", "GITHUB_REF_NAME": "42/merge"}),
        ("workflow_dispatch", {"GITHUB_REF_NAME": ""}),
    ],
)
def test_branch_is_never_head(event_name: str, extra: dict[str, str]) -> None:
    s = Settings.from_mapping(runner_env(event_name, **extra))
    assert s.ci.branch is None


def test_local_run_without_any_github_context() -> None:
    s = Settings.from_mapping({"HH_API_KEY": API_KEY, "PATH": "/usr/bin", "HOME": "/home/dev"})
    assert s.api_key is not None
    assert s.api_key.get_secret_value() == API_KEY
    assert s.run_id is None
    assert s.ci == CiContext()
    assert (s.debug, s.is_fork) == (False,) * 2
    assert s.github_server_url == "https://github.com"
    assert s.github_api_url == "https://api.github.com"


def test_github_enterprise_urls() -> None:
    env = runner_env(
        "push",
        GITHUB_SERVER_URL="https://ghe.example.com/",
        GITHUB_API_URL="https://ghe.example.com/api/v3",
        GITHUB_RUN_ATTEMPT="",  # unset: an unknown attempt (audit78 F9), which the URL does not name
    )
    s = Settings.from_mapping(env)
    assert s.github_server_url == "https://ghe.example.com"
    assert s.github_api_url == "https://ghe.example.com/api/v3"
    assert s.ci.workflow_run_url == "https://ghe.example.com/acme/support-bot/actions/runs/13641151203"


# ---------------------------------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("yes", True),
        ("Yes", True),
        ("on", True),
        ("1", True),
        (" true\n", True),
        ("false", False),
        ("False", False),
        ("no", False),
        ("NO", False),
        ("off", False),
        ("0", False),
    ],
)
def test_booleans(text: str, expected: bool) -> None:
    s = Settings.from_mapping(action_inputs(dry_run=text, fail_on_error=text))
    assert s.dry_run is expected
    assert s.fail_on_error is expected


@pytest.mark.parametrize("name", ["fail-on-error", "dry-run"])
def test_a_bad_boolean_names_the_input(name: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({ENV_OF[name]: "maybe"})
    assert str(caught.value) == f'input {name}: expected true or false, got "maybe"'
    assert caught.value.name == name
    assert caught.value.kind == "input"


def test_parse_bool_rejects_what_it_does_not_know() -> None:
    for text in ("", "2", "t", "y", "enabled", "truefalse"):
        with pytest.raises(SettingsError, match="expected true or false"):
            parse_bool(text, "dry-run")


def test_empty_inputs_are_unset() -> None:
    blank = {spec.env: "" for spec in INPUTS}
    spaces = {spec.env: "  \n" for spec in INPUTS}
    default = Settings.from_mapping({})
    assert Settings.from_mapping(blank) == default
    assert Settings.from_mapping(spaces) == default
    assert default.api_key is None
    assert default.github_token is None
    assert default.fail_on_error is True
    assert default.mode is Mode.ALL


def test_defaults_declared_in_action_yml_equal_the_model_defaults() -> None:
    literal = {spec.env: spec.default for spec in INPUTS if spec.default and "${{" not in spec.default}
    assert Settings.from_mapping(literal) == Settings.from_mapping({})


def test_choices_are_case_insensitive_and_errors_list_the_choices() -> None:
    assert Settings.from_mapping(action_inputs(mode="REPORT")).mode is Mode.REPORT
    assert Settings.from_mapping(action_inputs(comment_mode="New")).comment_mode is CommentMode.NEW
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(action_inputs(mode="everything"))
    assert str(caught.value) == 'input mode: expected one of all | run | report | publish, got "everything"'
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(action_inputs(comment_mode="sticky"))
    assert str(caught.value) == 'input comment-mode: expected one of update | new | off, got "sticky"'


def test_a_variant_is_read_as_it_is_typed() -> None:
    assert Settings.from_mapping({}).variant == ""
    assert Settings.from_mapping(action_inputs(variant=" gpt-4o · 3.12 ")).variant == "gpt-4o · 3.12"


@pytest.mark.parametrize("text", ["gpt-4o\nclaude", "a\rb", "a\x1b[31mb", "a\u2028b", "a --> b", "-->"])
def test_a_variant_that_is_not_one_line_or_could_end_a_hidden_comment_names_the_input(text: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(action_inputs(variant=text))
    said = str(caught.value)
    assert said.startswith('input variant: expected one line, without control characters or "-->"'), said
    assert "${{ matrix.model }}" in said


@pytest.mark.parametrize(("text", "index", "total"), [("1/1", 1, 1), ("2/4", 2, 4), (" 4 / 4 ", 4, 4)])
def test_shard(text: str, index: int, total: int) -> None:
    s = Settings.from_mapping(action_inputs(mode="run", shard=text))
    assert s.shard == ShardSpec(index, total)
    assert str(s.shard) == f"{index}/{total}"


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "3", "a/b", "-1/3", "1/2/3", "1.5/3", "²/3", "٢/٣"])
def test_a_bad_shard_names_the_input(text: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(action_inputs(mode="run", shard=text))
    assert caught.value.name == "shard"
    assert str(caught.value).startswith('input shard: expected "i/n" with 1 ≤ i ≤ n')
    assert json.dumps(text.strip() if text.strip() else text, ensure_ascii=False) in str(caught.value)


@pytest.mark.parametrize("mode", ["all", "publish"])
def test_shard_only_applies_to_modes_run_and_report(mode: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(action_inputs(mode=mode, shard="1/2"))
    assert str(caught.value) == f"input shard: only applies with mode: run or report (got mode: {mode})"


def test_report_mode_takes_the_shard_count() -> None:
    settings = Settings.from_mapping(action_inputs(mode="report", shard="4/4"))
    assert settings.shard is not None
    assert settings.shard.total == 4


def test_server_url() -> None:
    s = Settings.from_mapping(action_inputs(server_url="https://hh.internal.example.com/ "))
    assert s.server_url == "https://hh.internal.example.com"
    assert Settings.from_mapping(action_inputs(server_url="http://[::1]:8787")).server_url == "http://[::1]:8787"
    bad_urls = ("hh.example.com", "ftp://hh.example.com", "https://", "https://hh example.com")
    # an httpx traceback (exit 1, a 'fail'), 6 retries of a port that cannot exist, Basic auth instead of the key
    bad_urls += ("http://h:abc", "http://[::1", "http://h:99999", "http://h:0", "http://:80", "http://u:p@h")
    for bad in bad_urls:
        with pytest.raises(SettingsError) as caught:
            Settings.from_mapping(action_inputs(server_url=bad))
        shown = bad.replace(":p@", ":***@")  # the password is never quoted
        assert str(caught.value) == f"input server-url: {HTTP_URL_EXPECTED}, got {json.dumps(shown)}"


def test_config_working_directory_and_baseline() -> None:
    s = Settings.from_mapping(
        action_inputs(config="evals/support.yml", working_directory="services/bot", baseline_run_id="run-0193")
    )
    assert s.config == Path("evals/support.yml")
    assert s.working_directory == Path("services/bot")
    assert s.config_path == Path("services/bot/evals/support.yml")
    assert s.baseline_run_id == "run-0193"
    with pytest.raises(
        SettingsError, match=r'^input baseline-run-id: expected one run id, commit, branch or revision, got "a b"$'
    ):
        Settings.from_mapping(action_inputs(baseline_run_id="a b"))
    # a revision naming the newest commit whose message has the text: its spaces are the text's (audit70 #6d)
    assert Settings.from_mapping(action_inputs(baseline_run_id=":/main moves")).baseline_run_id == ":/main moves"


def test_default_server_url_is_the_clients() -> None:
    assert DEFAULT_SERVER_URL == client.DEFAULT_SERVER_URL


# ---------------------------------------------------------------------------------------------------- context errors


@pytest.mark.parametrize(
    ("variable", "value"), [("GITHUB_RUN_ID", "abc"), ("GITHUB_RUN_ID", "-5"), ("GITHUB_RUN_ATTEMPT", "0")]
)
def test_a_bad_context_variable_is_named(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(runner_env("push", **{variable: value}))
    assert str(caught.value) == f'environment {variable}: expected a whole number ≥ 1, got "{value}"'


def test_a_bad_github_url_is_named() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(runner_env("push", GITHUB_API_URL="api"))
    assert str(caught.value) == f'environment GITHUB_API_URL: {HTTP_URL_EXPECTED}, got "api"'


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("pull_request", "number"), "42", "event payload pull_request.number: expected a positive integer, got str"),
        (("pull_request", "number"), True, "event payload pull_request.number: expected a positive integer, got True"),
        (
            ("pull_request", "head", "sha"),
            "HEAD",
            'event payload pull_request.head.sha: expected a commit sha, got "HEAD"',
        ),
        (("pull_request", "head", "ref"), 7, "event payload pull_request.head.ref: expected a string, got int"),
        (
            ("pull_request", "head", "repo"),
            "acme/x",
            "event payload pull_request.head.repo: expected an object, got str",
        ),
    ],
)
def test_a_malformed_payload_names_the_field(path: tuple[str, ...], value: object, message: str) -> None:
    payload = event("pull_request")
    node: Any = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(pr_env(GITHUB_HEAD_REF=""), event_payload=payload)
    assert str(caught.value) == message
    assert caught.value.kind == "event payload"


def test_a_malformed_workflow_run_names_the_field() -> None:
    payload = event("workflow_run")
    payload["workflow_run"]["pull_requests"][0]["number"] = "42"
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(runner_env("workflow_run"), event_payload=payload)
    assert str(caught.value) == (
        "event payload workflow_run.pull_requests[0].number: expected a positive integer, got str"
    )


# ---------------------------------------------------------------------------------------------------- the payload file


def test_load_event_payload(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text((EVENTS / "push.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_event_payload(path) == event("push")
    assert load_event_payload(str(path)) == event("push")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no event payload at"),
        ("{not json", "is not JSON (line 1:"),
        ("[1, 2]", "is a JSON list, expected an object"),
        (b"\xff\xfe", "cannot read the event payload"),
        ("[" * 100_000 + "]" * 100_000, "is JSON nested too deeply to read"),  # a RecursionError's traceback
        (
            '{"n": ' + "9" * 5000 + "}",
            "cannot be read: Exceeds the limit (4300 digits) for integer string conversion",
        ),  # a ValueError's
    ],
)
def test_load_event_payload_errors_name_the_variable(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "event.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_event_payload(path)
    assert str(caught.value).startswith("environment GITHUB_EVENT_PATH: ")
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(("made", "kind"), [("fifo", "a named pipe"), ("/dev/null", "a device")])
def test_an_event_payload_that_is_no_file_is_refused_not_waited_for(tmp_path: Path, made: str, kind: str) -> None:
    """``GITHUB_EVENT_PATH`` naming a named pipe blocked for ever (its open waits for a writer); a device was read
    (``/dev/null`` said "not JSON", ``/dev/zero`` never ended). Refused as the config's and dataset's FIFOs are."""
    path = tmp_path / "event.json"
    if made == "fifo":
        os.mkfifo(path)
    else:
        path = Path(made)
    said: list[str] = []

    def read() -> None:
        with pytest.raises(SettingsError) as caught:
            load_event_payload(path)
        said.append(str(caught.value))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # blocked in the FIFO's open: a writer's open releases it
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
        pytest.fail(f"load_event_payload({str(path)!r}) waited for a writer")
    assert said == [
        f"environment GITHUB_EVENT_PATH: the event payload {str(path)!r} is {kind}, not the event's JSON file the"
        " runner writes"
    ]


def test_an_event_payload_that_is_a_folder_is_said_by_its_path(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_event_payload(tmp_path)
    assert str(caught.value) == (
        f"environment GITHUB_EVENT_PATH: cannot read the event payload {str(tmp_path)!r}: Is a directory"
    )


# ---------------------------------------------------------------------------------------------------- secrets


def _shown(s: Settings) -> list[str]:
    """Every way settings end up in a log or a crash report."""
    return [
        repr(s),
        str(s),
        f"{s}",
        f"{s!r}",
        repr(s.model_dump()),
        str(s.model_dump(mode="json")),
        s.model_dump_json(),
        json.dumps(s.model_dump(mode="json")),
        repr(s.api_key),
        str(s.github_token),
    ]


def test_secrets_never_show() -> None:
    s = Settings.from_mapping(pr_env(), event_payload=event("pull_request"))
    for text in _shown(s):
        for secret in (API_KEY, TOKEN, RUNTIME_TOKEN):
            assert secret not in text
    assert "**********" in repr(s)  # a secret that is set shows as set
    assert "runner_secrets" not in repr(s)
    assert "runner_secrets" not in s.model_dump_json()


def test_secrets_hands_the_raw_values_to_the_redactor() -> None:
    s = Settings.from_mapping(pr_env(ACTIONS_ID_TOKEN_REQUEST_TOKEN="idtok-Q9"), event_payload=event("pull_request"))
    assert set(s.secrets()) == {API_KEY, TOKEN, RUNTIME_TOKEN, "idtok-Q9"}
    assert [len(x) for x in s.secrets()] == sorted((len(x) for x in s.secrets()), reverse=True)  # longest first
    assert Settings.from_mapping({}).secrets() == ()


@pytest.mark.parametrize(
    ("read", "named"),
    [
        (lambda env: Settings.from_mapping(env), "input api-key"),  # the action
        (lambda env: Settings.from_args(run_flags(), env), "environment HH_API_KEY"),  # the run command
        (
            lambda env: Settings.from_args(run_flags(), {"HONEYHIVE_API_KEY": env["HH_API_KEY"]}),
            "environment HONEYHIVE_API_KEY",
        ),
    ],
    ids=["action", "run", "run-alias"],
)
def test_a_malformed_secret_is_rejected_without_showing_it(read: Callable[[dict[str, str]], Any], named: str) -> None:
    """A key with a line break or blank in it is never sent (httpx refuses the header, and every request would
    fail as if the backend did not answer): each entry point refuses it, naming where it came from."""
    for bad in ("hh-key\nX-Injected: 1", "hh key", "hh-key\x00", "hh-kéy"):
        with pytest.raises(SettingsError) as caught:
            read({"HH_API_KEY": bad})
        rendered = "".join(traceback.format_exception(caught.value))
        assert "hh-key" not in rendered
        assert "hh key" not in rendered
        assert "kéy" not in rendered
        assert str(caught.value).startswith(
            f"{named}: the value has whitespace, a control character or a non-ASCII character in it (not shown)"
        )


def test_every_honeyhive_key_in_the_environment_goes_to_the_redactor() -> None:
    """Only the key used was redacted: with HH_API_KEY set, HONEYHIVE_API_KEY's and HH_INGESTION_API_KEY's values
    were printed as they were by user code that printed them; and so were the keys of HoneyHive's newer SDKs and CLI,
    whatever their length (the short values here are too short to be secrets by their names alone)."""
    env = {
        "HH_API_KEY": "hh-first-key-0123",
        "HONEYHIVE_API_KEY": "hh-other-key-4567",
        "HH_INGESTION_API_KEY": "hh-ingest-89ab",
        "HH_PROJECT_API_KEY": "hh-pk-01",
        "HH_DATA_PLANE_API_KEY": "hh-dp-01",
        "HH_CONTROL_PLANE_API_KEY": "hh-cp-01",
    }
    for settings in (Settings.from_args(run_flags(), env), Settings.from_mapping(env)):
        assert set(settings.secrets()) == set(env.values())


LONG = "Zq8Wv3Xr5Tn7"  # 12 characters: long enough to be taken for a secret under a secret's name


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("HF_TOKEN", "hf_" + LONG, True),
        ("OPENAI_API_KEY", LONG, True),
        ("GROQ_API_KEY", LONG, True),
        ("DB_PASSWORD", LONG, True),
        ("PGPASSWORD", LONG, True),  # run together
        ("SMTP_PASS", LONG, True),
        ("MYSQL_PWD", LONG, True),
        ("JWT_SECRET", LONG, True),
        ("SECRET_KEY_BASE", LONG, True),  # a word SECRET anywhere
        ("API_KEY_V2", LONG, True),
        ("hf_token", LONG, True),  # any case
        # a personal access token, a passphrase, credentials (a JSON blob), a DSN, a webhook, a connection string,
        # a cookie: secrets by name too (audit 46b F7)
        *((name, LONG, True) for name in ("GH_PAT", "GITHUB_PAT", "CR_PAT", "DOCKERHUB_PAT", "PAT", "PAT_READ")),
        ("GPG_PASSPHRASE", LONG, True),
        ("AZURE_CREDENTIALS", '{"clientId": "x", "clientSecret": "' + LONG + '"}', True),
        ("GOOGLE_CREDENTIALS", LONG, True),
        # GOOGLE_APPLICATION_CREDENTIALS holds the path of the key's file (google-github-actions/auth's): no secret,
        # but the key's JSON itself put there is one ({tmp}: the test's folder, where each of these files exists, and
        # the working directory and home)
        *(
            ("GOOGLE_APPLICATION_CREDENTIALS", path, False)
            for path in (
                "{tmp}/gha-creds-1a2b3c4d5e6f7a8b.json",
                "~/.config/gcloud/service-account.json",
                "./keys/Zq8Wv3Xr5Tn7.json",
                "keys/sa.json",
                "D:\\a\\_temp\\gha-creds-1a2b3c4d5e6f7a8b.json",
            )
        ),
        ("GOOGLE_APPLICATION_CREDENTIALS", '{"type": "service_account", "private_key": "' + LONG + '"}', True),
        ("GOOGLE_APPLICATION_CREDENTIALS", LONG + LONG, True),
        ("GCP_CREDENTIAL", LONG, True),
        # Terraform's key file variables hold the key's JSON or the path to its file; SSL_KEYFILE a path (a PEM put
        # there is a secret)
        *(
            (name, '{"type": "service_account", "private_key": "' + LONG + '"}', True)
            for name in ("GOOGLE_CLOUD_KEYFILE_JSON", "GCLOUD_KEYFILE_JSON", "KEYFILE")
        ),
        ("SSL_KEYFILE", "-----BEGIN PRIVATE KEY-----" + LONG, True),
        ("GCLOUD_KEYFILE_JSON", "{tmp}/sa-key.json", False),
        ("SSL_KEYFILE", "{tmp}/server.key", False),
        ("SSH_KEYFILE_PATH", LONG, False),  # what describes it
        # credentials by a shorter name, npm's auth string, a Docker registry's auths JSON (audit 51, N3)
        *((name, LONG, True) for name in ("DB_CREDS", "AWS_CRED", "NPM_AUTH", "BASIC_AUTH", "PROXY-AUTH", "AUTH")),
        ("DOCKER_AUTH_CONFIG", '{"auths": {"registry.example.com": {"auth": "' + LONG + '"}}}', True),
        ("SENTRY_DSN", f"https://{LONG}@o1.ingest.sentry.io/2", True),
        ("SLACK_WEBHOOK_URL", f"https://hooks.slack.com/services/T0/B0/{LONG}", True),
        ("DISCORD_WEBHOOK", f"https://discord.com/api/webhooks/1/{LONG}", True),
        ("AZURE_STORAGE_CONNECTION_STRING", f"AccountName=acme;AccountKey={LONG}", True),
        ("DB_CONN_STR", LONG, True),
        ("COOKIE", LONG, True),
        ("SESSION_COOKIES", LONG, True),
        # a secret's word, then words that only say which one (audit52 L6: not only after KEY or TOKEN)
        *((name, LONG, True) for name in ("HF_TOKEN_READ", "OPENAI_KEY_PROD", "ENCRYPTION_KEY_B64", "GH_TOKEN_2")),
        *((name, LONG, True) for name in ("STRIPE_KEY_LIVE", "SIGNING_KEY_PEM", "DEPLOY_TOKEN_RW_STAGING")),
        *((name, LONG, True) for name in ("GCP_CREDENTIALS_JSON", "AZURE_CREDENTIALS_PROD", "DB_CREDS_RO")),
        *((name, LONG, True) for name in ("SMTP_PASS_2", "SENTRY_DSN_STAGING", "NPM_AUTH_CI", "SESSION_COOKIE_V2")),
        *((name, LONG, True) for name in ("MYSQL_PWD_PROD", "PGPASSWORD_TEST", "APIKEY_LIVE")),
        *((name, LONG, False) for name in ("AUTH_URL_PROD", "COOKIE_DOMAIN_PROD", "DSN_TIMEOUT_2", "OLDPWD_1")),
        # any name of credentials or a key file holds the key or its file's path, which is no secret (audit52 L6)
        *(
            (name, path, False)
            for name in ("GOOGLE_CREDENTIALS", "GCP_CREDENTIALS_JSON", "AZURE_CREDENTIALS_PROD", "SA_CREDS")
            for path in ("{tmp}/gha-creds-1a2b3c4d5e6f7a8b.json", "./keys/sa.json")
        ),
        # ... but only an existing file's: a key shaped like a path (base64 starts with / one time in 64) is one, and
        # so is a path of no file (audit58 #3)
        ("AWS_CREDENTIALS", "/wJalrXUtnFEMI/K7MDENG/bPxRfiCY", True),
        ("GCP_CREDENTIALS_B64", "/9j4AAQSkZJRgABAQ" + LONG, True),
        ("DB_CREDS", "./" + LONG, True),
        ("GOOGLE_APPLICATION_CREDENTIALS", "/home/runner/work/evals/evals/gha-creds-1a2b3c4d5e6f7a8b.json", True),
        ("SA_CREDS", "~/no-such-key.json", True),
        # a stronger word before the credentials' wins: a path there is a secret too, as under DB_PASSWORD
        *(
            (name, "{tmp}/sa-key.json", True)
            for name in ("PASSWORD_CREDENTIALS", "GITHUB_TOKEN_CREDS", "API_KEY_CREDENTIALS", "JWT_SECRET_KEYFILE")
        ),
        ("GOOGLE_CREDENTIALS", '{"type": "service_account", "private_key": "' + LONG + '"}', True),
        ("DB_PASSWORD", "/home/runner/work/Zq8Wv3Xr5Tn7", True),  # a password's name: a path there is one too
        ("OPENAI_API_KEY", LONG[:11], False),  # shorter than 12: no generated key is
        ("CACHE_KEY", "v1", False),
        ("POSTGRES_PASSWORD", "postgres", False),
        ("PWD", "/github/workspace/x", False),  # the shell's folder
        ("OLDPWD", "/github/workspace/x", False),
        ("MAX_TOKENS", "40964096409640", False),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.actions.example/x", False),
        ("HOTKEY", LONG, False),
        ("SECRETS_REGION", LONG, False),
        ("RUNNER_TEMP", LONG, False),
        # names that only start like a secret's word, and what describes a key rather than holds it: their values,
        # useful text, stay (LONG: long enough that only the name decides)
        *(
            (name, LONG, False)
            for name in (
                "PATH",
                "PATH_INFO",
                "PATTERN",
                "SPATIAL_INDEX",
                "KEYBOARD_LAYOUT",
                "TOKENIZERS_PARALLELISM",
                "HF_HUB_DISABLE_TELEMETRY",
                "PYTHONHASHSEED",
                "AWS_ACCESS_KEY_ID",
                "KMS_KEY_ARN",
                "GPG_KEY_ID",
                "OAUTH_TOKEN_URL",
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "TOKEN_ENDPOINT",
                "AWS_SHARED_CREDENTIALS_FILE",
                "COOKIE_DOMAIN",
                "WEBHOOK_EVENTS",
                "DSN_TIMEOUT",
                "AUTH_URL",
                "NEXTAUTH_URL",
                "AUTH_PROVIDER",
                "GITHUB_OAUTH",
                "CREDS_FILE",
                "AUTH_CONFIG_PATH",
            )
        ),
        # and a flag or a number is never one, whatever the name: short values would blank every "1" or "true"
        *((name, value, False) for name in ("GH_PAT", "HF_TOKEN_READ", "COOKIE") for value in ("1", "true", "0600")),
    ],
)
def test_variables_named_as_secrets_go_to_the_redactor(
    name: str, value: str, secret: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workflow hands the step HF_TOKEN or DB_PASSWORD for the user's code: when that code put one in an
    exception or an output, the comment, summary and reports showed it."""
    files = ("gha-creds-1a2b3c4d5e6f7a8b.json", ".config/gcloud/service-account.json", "keys/Zq8Wv3Xr5Tn7.json")
    for file in (*files, "keys/sa.json", "sa-key.json", "server.key", "D:\\a\\_temp\\gha-creds-1a2b3c4d5e6f7a8b.json"):
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text("{}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    value = value.replace("{tmp}", str(tmp_path))
    for settings in (Settings.from_args(run_flags(), {name: value}), Settings.from_mapping({name: value})):
        assert (value in settings.secrets()) is secret


def test_errors_after_secrets_were_read_do_not_carry_them() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(pr_env(HONEYHIVE_EXPERIMENT_FAIL_ON_ERROR="maybe"), event_payload=event("pull_request"))
    rendered = "".join(traceback.format_exception(caught.value))
    for secret in (API_KEY, TOKEN, RUNTIME_TOKEN):
        assert secret not in rendered
    assert caught.value.args == ("fail-on-error", 'expected true or false, got "maybe"')


def test_settings_are_frozen_and_picklable() -> None:
    s = Settings.from_mapping(pr_env(), event_payload=event("pull_request"))
    with pytest.raises(ValidationError):
        s.dry_run = True  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(s))
    assert again == s
    assert again.api_key == SecretStr(API_KEY)
    assert copy.deepcopy(s).secrets() == s.secrets()


# ---------------------------------------------------------------------------------------------------- the command line


def run_flags(**overrides: Any) -> dict[str, Any]:
    """``vars()`` of the ``run`` command's parsed arguments, with its defaults."""
    flags: dict[str, Any] = {
        "command": "run",
        "config": ".honeyhive/experiment.yml",
        "working_directory": ".",
        "dry_run": False,
        "baseline_run_id": None,
        "report": None,
        "server_url": None,
    }
    flags.update(overrides)
    return flags


def test_from_args_baseline_is_one_run_id_as_the_input_is() -> None:
    """``--baseline`` (run, runs, view) is the baseline-run-id input: the same value is refused, before anything runs
    (it used to run the whole experiment, then fail to find a run called "a b")."""
    with pytest.raises(
        SettingsError, match=r'^flag --baseline: expected one run id, commit, branch or revision, got "a b"$'
    ):
        Settings.from_args(run_flags(baseline_run_id="a b"), {})
    assert Settings.from_args(run_flags(baseline_run_id=" main "), {}).baseline_run_id == "main"
    assert Settings.from_args(run_flags(baseline_run_id=":/main B"), {}).baseline_run_id == ":/main B"


A_RUN = "6650e012-3456-4890-abcd-ef0123456789"


@pytest.mark.parametrize(
    "typed",
    [
        A_RUN,
        A_RUN.upper(),  # looked up as the runs are named (baseline.choose_baseline), kept as typed
        A_RUN.replace("-", ""),
        "A1B2C3D4E5F60718293A4B5C6D7E8F90",  # 32 hex digits may be a commit's first 32, too: only the lookup knows
        "6650E0123456",  # a short sha: as typed (matched ignoring case, baseline.pick_named)
        "Feature/X",  # a branch: as typed, its case is its own
        "run-0193",
    ],
)
def test_a_baseline_run_id_is_read_as_typed(typed: str) -> None:
    """``--baseline`` (the baseline-run-id input too) is a run id, a commit or a branch, as typed: read as a run id,
    ``--baseline ${SHA:0:32}`` was never looked for as a commit, and its error quoted an id nobody typed."""
    assert Settings.from_args(run_flags(baseline_run_id=typed), {}).baseline_run_id == typed
    assert Settings.from_mapping(action_inputs(baseline_run_id=typed)).baseline_run_id == typed


def test_from_args_reads_the_flags_and_no_github_context() -> None:
    s = Settings.from_args(
        run_flags(
            config="evals/x.yml",
            working_directory="svc",
            dry_run=True,
            baseline_run_id="run-1",
            report="out/report.json",
        ),
        {**runner_env("pull_request"), "GITHUB_EVENT_PATH": "/nowhere"},
    )
    assert s.command == "run"
    assert not s.as_action
    assert s.config_path == Path("svc/evals/x.yml")
    assert s.root == Path("svc")
    assert s.dry_run is True
    assert s.baseline_run_id == "run-1"
    assert s.report_file == Path("svc/out/report.json")  # under -C, as the config is (audit80 F4)
    assert s.ci == CiContext()  # a local run learns where it is from git, not from stray GITHUB_* variables
    assert s.output_path is None


def test_a_report_flag_from_home_is_not_a_folder_named_tilde(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--report=~/r.json`` (no shell expands it after ``=``) made a folder named ``~`` under -C (audit82 F7)."""
    monkeypatch.setenv("HOME", "/home/me")
    s = Settings.from_args(run_flags(working_directory="svc", report="~/r.json", html="~/r.html"), {})
    assert (s.report_file, s.html_file) == (Path("/home/me/r.json"), Path("/home/me/r.html"))


@pytest.mark.parametrize(
    ("flag", "field"),
    [("config", "config"), ("working_directory", "working_directory"), ("report", "report"), ("html", "html_path")],
)
def test_every_path_flag_expands_tilde(monkeypatch: pytest.MonkeyPatch, flag: str, field: str) -> None:
    """``--config=~/x.yml`` and ``-C=~/dir`` were read as a folder named ``~`` ("file not found ~/x.yml") while
    ``--report=~/r`` was expanded (audit83 F8): every path flag expands it, ``~user`` of no user left as typed."""
    monkeypatch.setenv("HOME", "/home/me")
    assert getattr(Settings.from_args(run_flags(**{flag: "~/x.yml"}), {}), field) == Path("/home/me/x.yml")
    assert getattr(Settings.from_args(run_flags(**{flag: "~nosuchuser-b56/x"}), {}), field) == Path("~nosuchuser-b56/x")


@pytest.mark.parametrize("name", ["config", "working-directory", "report"])
def test_every_path_input_expands_tilde(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The action's ``report: ~/out.json`` made a folder named ``~`` in the workspace (audit83 F8)."""
    monkeypatch.setenv("HOME", "/home/me")
    s = Settings.from_mapping({**action_inputs(**{name: "~/x.yml"}), "GITHUB_WORKSPACE": "/ws"})
    assert getattr(s, name.replace("-", "_")) == Path("/home/me/x.yml")


def test_from_args_writes_no_report_unless_asked_and_the_action_always_does() -> None:
    assert Settings.from_args(run_flags(), {}).report_file is None
    action = Settings.from_mapping({**action_inputs(working_directory="bot"), "GITHUB_WORKSPACE": "/ws"})
    assert action.report_file == Path("/ws/bot/.honeyhive/report.json")
    assert action.config_path == Path("/ws/bot/.honeyhive/experiment.yml")


def _hashed(stem: str, path: str, folder: str = "") -> tuple[str, str]:
    """The default report.json and report.html of an experiment file whose name is not readable alone: ``stem`` and
    the hash of ``path`` (the file's path from the working directory ``folder``)."""
    report = f"{folder}.honeyhive/report.{stem}.{hashlib.sha256(os.fsencode(path)).hexdigest()[:12]}"
    return f"{report}.json", f"{report}.html"


LONG = "r" * 296  # .honeyhive/<296 bytes>.yml: a 300-byte file name, whose report.<name>.html went over 255 bytes
ACCENTS = "é" * 150  # 300 bytes in UTF-8 (150 characters): bytes count, not characters
WIDE = "日" * 100  # 3 bytes each: shortened at a character, never inside one


@pytest.mark.parametrize(
    ("inputs", "report", "html"),
    [
        ({}, ".honeyhive/report.json", ".honeyhive/report.html"),  # as before: existing workflows' paths stay
        ({"config": "./.honeyhive/../.honeyhive/experiment.yml"}, ".honeyhive/report.json", ".honeyhive/report.html"),
        ({"config": ".honeyhive/rag.yml"}, ".honeyhive/report.rag.json", ".honeyhive/report.rag.html"),
        ({"config": ".honeyhive/rag-v2_x.yml"}, ".honeyhive/report.rag-v2_x.json", ".honeyhive/report.rag-v2_x.html"),
        (
            {"config": f".honeyhive/{'q' * 100}.yml"},
            f".honeyhive/report.{'q' * 100}.json",
            f".honeyhive/report.{'q' * 100}.html",
        ),
        # a name that could be another's: evals/rag.yml, .honeyhive/evals.rag.yml and .honeyhive/evals/rag.yml were
        # all report.evals.rag.json; .honeyhive/rag.yaml was .honeyhive/rag.yml's
        ({"config": "evals/rag.yml"}, *_hashed("evals.rag", "evals/rag.yml")),
        ({"config": ".honeyhive/evals.rag.yml"}, *_hashed("evals.rag", ".honeyhive/evals.rag.yml")),
        ({"config": ".honeyhive/evals/rag.yml"}, *_hashed("evals.rag", ".honeyhive/evals/rag.yml")),
        ({"config": ".honeyhive/rag.yaml"}, *_hashed("rag", ".honeyhive/rag.yaml")),
        ({"config": "rag.yml"}, *_hashed("rag", "rag.yml")),
        # report.published.json is what mode: publish writes beside report.json
        ({"config": ".honeyhive/published.yml"}, *_hashed("published", ".honeyhive/published.yml")),
        ({"config": ".honeyhive/Published.yml"}, *_hashed("Published", ".honeyhive/Published.yml")),
        # outside the working directory: two files of one name were one report.exp.json
        ({"working_directory": "app", "config": "../cfg/exp.yml"}, *_hashed("exp", "../cfg/exp.yml", "app/")),
        ({"working_directory": "app", "config": "../cfg2/exp.yml"}, *_hashed("exp", "../cfg2/exp.yml", "app/")),
        # too long for a file name with report. and .published.json around it: shortened to 100 bytes
        ({"config": f".honeyhive/{LONG}.yml"}, *_hashed("r" * 100, f".honeyhive/{LONG}.yml")),
        ({"config": f".honeyhive/{ACCENTS}.yml"}, *_hashed("é" * 50, f".honeyhive/{ACCENTS}.yml")),
        ({"config": f".honeyhive/{WIDE}.yml"}, *_hashed("日" * 33, f".honeyhive/{WIDE}.yml")),
        ({"config": ".honeyhive/rag.yml", "report": "out/r.json"}, "out/r.json", "out/r.html"),  # the input wins
        (
            {"config": ".honeyhive/rag.yml", "report": ".honeyhive/report.json"},
            ".honeyhive/report.json",
            ".honeyhive/report.html",
        ),
    ],
)
def test_each_experiment_file_has_a_report_of_its_own_unless_the_report_input_names_one(
    inputs: dict[str, str], report: str, html: str
) -> None:
    """Two experiment files run in one job wrote one report.json: the second replaced the first's. The default
    file's report is where it always was; another file's is named after it, for the action (run and publish alike)
    and, for its HTML report, for a local run: .honeyhive/<name>.yml by its name alone, any other with a hash of its
    path, so that no two files share one (nor one what publish writes beside another) and no name is too long."""
    action = Settings.from_mapping({**action_inputs(**inputs), "GITHUB_WORKSPACE": "/ws"})
    assert (action.report_file, action.html_file) == (Path("/ws", report), Path("/ws", html))
    if "report" not in inputs:  # --report has no default: a local run writes only the HTML report unless told
        local = Settings.from_args(run_flags(**inputs), {})
        assert (local.report_file, local.html_file) == (None, Path(html))
        assert len(os.fsencode(Path(report).with_suffix(".published.html").name)) <= 255


def test_no_two_experiment_files_share_a_default_report_or_one_publish_writes() -> None:
    """Each of these files' report, and the report.<x>.published.json mode publish writes beside it, is a file no
    other of them writes, lower-cased: a file system that does not tell the case cannot hold both rag.yml and Rag.yml,
    but it holds Published.yml beside experiment.yml."""
    configs = ["experiment.yml", "rag.yml", "rag.yaml", "evals.rag.yml", "evals/rag.yml", "published.yml"]
    configs += ["Published.yml", "rag.published.yml", "../cfg/exp.yml", "../cfg2/exp.yml", "exp.yml"]
    written: list[str] = []
    for config in [*configs, *(f".honeyhive/{name}" for name in configs)]:
        report = Settings.from_mapping({**action_inputs(config=config), "GITHUB_WORKSPACE": "/ws"}).report_file
        assert report is not None
        written += [report.name.lower(), report.with_suffix(".published.json").name.lower()]
    assert len(written) == len(set(written)), sorted(name for name in written if written.count(name) > 1)


@pytest.mark.parametrize(
    ("inputs", "config_file"),
    [
        ({}, ".honeyhive/experiment.yml"),
        ({"config": "evals/strict.yml"}, "evals/strict.yml"),
        ({"config": "./.honeyhive/../.honeyhive/experiment.yml"}, ".honeyhive/experiment.yml"),  # one file, one name
        # from the workspace, not the working directory: two folders' default files are two experiment files
        ({"working_directory": "services/bot"}, "services/bot/.honeyhive/experiment.yml"),
        ({"working_directory": "services/bot", "config": "evals/x.yml"}, "services/bot/evals/x.yml"),
    ],
)
def test_the_experiment_files_name_is_its_path_from_the_workspace(inputs: dict[str, str], config_file: str) -> None:
    """What keys its pull-request comment and, with the experiment's name, its shared run."""
    assert Settings.from_mapping({**action_inputs(**inputs), "GITHUB_WORKSPACE": "/ws"}).config_file == config_file


@pytest.mark.parametrize("linked", [".honeyhive/experiment.yml", ".honeyhive"], ids=["file", "folder"])
def test_the_experiment_files_name_follows_no_link(tmp_path: Path, linked: str) -> None:
    """A link is named as the workflow names it, not by what it points at: the default file stays the default one
    (an earlier version's comment is still found), and retargeting the link keeps the comment."""
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "experiment.yml").write_text("name: x\n", encoding="utf-8")
    if linked == ".honeyhive":
        (tmp_path / ".honeyhive").symlink_to(configs)
    else:
        (tmp_path / ".honeyhive").mkdir()
        (tmp_path / linked).symlink_to(configs / "experiment.yml")

    settings = Settings.from_mapping({**action_inputs(), "GITHUB_WORKSPACE": str(tmp_path)})

    assert settings.config_file == ".honeyhive/experiment.yml"


def test_outside_actions_the_experiment_files_name_is_its_path_from_the_repositorys_root(tmp_path: Path) -> None:
    """As the workflow's job names it (the workspace is the checkout), so a local run in a folder of a monorepo is
    compared with that job's runs; outside a repository, its path from the working directory."""
    folder = tmp_path / "services" / "bot"
    assert Settings.from_args(run_flags(working_directory=str(folder)), {}).config_file == ".honeyhive/experiment.yml"
    (tmp_path / ".git").mkdir()
    flags = run_flags(config="evals/x.yml", working_directory=str(folder))
    assert Settings.from_args(flags, {}).config_file == "services/bot/evals/x.yml"


@pytest.mark.parametrize(
    ("checkout", "working_directory", "config_file"),
    [
        ("app", "app", ".honeyhive/experiment.yml"),  # actions/checkout's path: app, as a local run names it
        ("app", "app/services/bot", "services/bot/.honeyhive/experiment.yml"),
        ("", "services/bot", "services/bot/.honeyhive/experiment.yml"),
        (None, "app", "app/.honeyhive/experiment.yml"),  # no repository in the workspace: named from the workspace
    ],
)
def test_in_actions_the_experiment_files_name_is_its_path_from_the_checkouts_root(
    tmp_path: Path, checkout: str | None, working_directory: str, config_file: str
) -> None:
    """Its baselines, comment and shared run do not depend on where in the workspace the repository was checked out:
    a local run finds the runs CI made. A repository above the workspace is not the checkout."""
    workspace = tmp_path / "ws"
    (tmp_path / ".git").mkdir()
    (workspace / working_directory).mkdir(parents=True)
    if checkout is not None:
        (workspace / checkout / ".git").mkdir()
    inputs = {**action_inputs(working_directory=working_directory), "GITHUB_WORKSPACE": str(workspace)}
    assert Settings.from_mapping(inputs).config_file == config_file
    if checkout is not None:
        local = Settings.from_args(run_flags(working_directory=str(workspace / working_directory)), {})
        assert local.config_file == config_file


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        (None, {}, DEFAULT_SERVER_URL),
        (None, {"HONEYHIVE_SERVER_URL": "http://b.example"}, "http://b.example"),
        (None, {"HH_API_URL": "http://a.example/", "HONEYHIVE_SERVER_URL": "http://b.example"}, "http://a.example"),
        (None, {"HH_SERVER_URL": "http://c.example"}, "http://c.example"),  # as the SDK and evaluate() read it
        (None, {"HONEYHIVE_SERVER_URL": "http://b.example", "HH_SERVER_URL": "http://c.example"}, "http://b.example"),
        ("https://flag.example", {"HH_API_URL": "http://a.example", "HH_API_KEY": API_KEY}, "https://flag.example"),
    ],
    ids=["default", "honeyhive-variable", "hh-variable-first", "sdk-variable", "sdk-variable-last", "flag-wins"],
)
def test_from_args_server_url_precedence(flag: str | None, env: dict[str, str], expected: str) -> None:
    assert Settings.from_args(run_flags(server_url=flag), env).server_url == expected


@pytest.mark.parametrize(
    ("flag", "env", "message"),
    [
        ("ftp://x", {}, 'flag --server-url: {HTTP_URL_EXPECTED}, got "ftp://x"'),
        (  # as evaluate(server_url=...) without a key: never the embedded backend instead of the URL given
            "http://flag.example",
            {"HH_API_KEY": " "},
            "flag --server-url: no HoneyHive API key for it: set HH_API_KEY or HONEYHIVE_API_KEY (without --server-url"
            " and a key, a dry run uses the embedded local backend)",
        ),
        (None, {"HH_API_URL": "nope"}, 'environment HH_API_URL: {HTTP_URL_EXPECTED}, got "nope"'),
        (
            None,
            {"HONEYHIVE_RUN_URL_TEMPLATE": "https://app/runs"},
            'environment HONEYHIVE_RUN_URL_TEMPLATE: must contain {run_id}, got "https://app/runs"',
        ),
        (
            None,
            {"HONEYHIVE_SESSION_URL_TEMPLATE": "https://app/sessions"},
            'environment HONEYHIVE_SESSION_URL_TEMPLATE: must contain {session_id}, got "https://app/sessions"',
        ),
        (  # accepted before, and linked in the comment, the outputs and the HTML report as it was
            None,
            {"HONEYHIVE_RUN_URL_TEMPLATE": "app.example/runs/{run_id}"},
            'environment HONEYHIVE_RUN_URL_TEMPLATE: {HTTP_URL_EXPECTED}, got "app.example/runs/{run_id}"',
        ),
        (
            None,
            {"HONEYHIVE_SESSION_URL_TEMPLATE": "javascript:alert(1)//{session_id}"},
            'environment HONEYHIVE_SESSION_URL_TEMPLATE: {HTTP_URL_EXPECTED}, got "javascript:alert(1)//{session_id}"',
        ),
        (
            None,
            {"HONEYHIVE_RUN_URL_TEMPLATE": "https://app/{run_id}\n::error::x"},
            'environment HONEYHIVE_RUN_URL_TEMPLATE: {HTTP_URL_EXPECTED}, got "https://app/{run_id}\\n::error::x"',
        ),
    ],
    ids=[
        "bad-flag",
        "url-without-key",
        "bad-variable",
        "template-without-run-id",
        "template-without-session-id",
        "template-without-scheme",
        "template-of-another-scheme",
        "template-with-a-line-break",
    ],
)
def test_from_args_errors_name_the_flag_or_variable(flag: str | None, env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_args(run_flags(server_url=flag), env)
    assert str(caught.value) == message.replace("{HTTP_URL_EXPECTED}", HTTP_URL_EXPECTED)


def test_from_args_api_key_and_secrets() -> None:
    s = Settings.from_args(run_flags(), {"HONEYHIVE_API_KEY": API_KEY, "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN})
    assert s.api_key is not None
    assert s.api_key.get_secret_value() == API_KEY
    assert API_KEY not in repr(s)
    assert set(s.secrets()) == {API_KEY, RUNTIME_TOKEN}
    first = Settings.from_args(run_flags(), {"HH_API_KEY": "hh-first-key", "HONEYHIVE_API_KEY": API_KEY})
    assert first.api_key is not None
    assert first.api_key.get_secret_value() == "hh-first-key"


def test_the_run_url_template_is_read_by_both_entry_points() -> None:
    env = {"HONEYHIVE_RUN_URL_TEMPLATE": "https://hh.example/runs/{run_id}"}
    assert Settings.from_args(run_flags(), env).run_url_template == env["HONEYHIVE_RUN_URL_TEMPLATE"]
    assert Settings.from_mapping(env).run_url_template == env["HONEYHIVE_RUN_URL_TEMPLATE"]
    assert Settings.from_mapping({}).run_url_template == "https://app.honeyhive.ai/evaluate/{run_id}"


RUN_LINKS: list[tuple[str, dict[str, str], str | None]] = [
    # (rule, environment of the action, the link of run "r1")
    ("HoneyHive's default server: its app", {}, "https://app.honeyhive.ai/evaluate/r1"),
    (
        "api.honeyhive.ai: the same app",
        {"HH_API_URL": "https://api.honeyhive.ai"},
        "https://app.honeyhive.ai/evaluate/r1",
    ),
    (
        "the host is matched in any case",
        {"HH_API_URL": "https://API.dp1.us.honeyhive.ai/"},
        "https://app.honeyhive.ai/evaluate/r1",
    ),
    ("a self-hosted server without app-url: no link", {"HH_API_URL": "https://hh.internal.example"}, None),
    ("a local backend: no link", {"HH_API_URL": "http://127.0.0.1:8080"}, None),
    (
        "app-url for a self-hosted server",
        {"HH_API_URL": "https://hh.internal.example", "HONEYHIVE_APP_URL": "https://hh-app.internal.example/"},
        "https://hh-app.internal.example/evaluate/r1",
    ),
    (
        "app-url wins over the derived app",
        {"HONEYHIVE_APP_URL": "https://eu.app.example"},
        "https://eu.app.example/evaluate/r1",
    ),
    (
        "HONEYHIVE_RUN_URL_TEMPLATE wins over both",
        {
            "HONEYHIVE_APP_URL": "https://eu.app.example",
            "HONEYHIVE_RUN_URL_TEMPLATE": "https://x.example/{run_id}/view",
        },
        "https://x.example/r1/view",
    ),
    (
        "other braces in the template are its own text (it is no format string)",
        {"HONEYHIVE_RUN_URL_TEMPLATE": "https://x.example/{run_id}?q={x}&b={"},
        "https://x.example/r1?q={x}&b={",
    ),
]


@pytest.mark.parametrize(("rule", "env", "link"), RUN_LINKS, ids=[case[0] for case in RUN_LINKS])
def test_run_links_go_to_the_servers_app_or_nowhere(rule: str, env: dict[str, str], link: str | None) -> None:
    env = {"HH_API_KEY": API_KEY, **env}
    assert Settings.from_mapping(env).run_link("r1") == link
    assert Settings.from_args(run_flags(), env).run_link("r1") == link


@pytest.mark.parametrize("env", [{}, {"HONEYHIVE_RUN_URL_TEMPLATE": "https://x.example/{run_id}/view"}])
def test_without_an_api_key_no_run_link(env: dict[str, str]) -> None:
    """No key: the embedded backend's runs, gone when the command ends, have no page (a template either)."""
    assert Settings.from_mapping(env).run_link("r1") is None
    assert Settings.from_args(run_flags(), env).run_link("r1") is None


def test_app_url_must_be_an_http_url_named_where_it_came_from() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({"HONEYHIVE_APP_URL": "app.example"})
    assert str(caught.value) == f'input app-url: {HTTP_URL_EXPECTED}, got "app.example"'
    with pytest.raises(SettingsError, match="environment HONEYHIVE_APP_URL: expected an http"):
        Settings.from_args(run_flags(), {"HONEYHIVE_APP_URL": "app.example"})


def test_outputs_are_written_by_name_from_one_contract() -> None:
    from honeyhive_experiment.settings import OUTPUT_NAMES, ActionOutputs

    outputs = ActionOutputs(run_id="r", verdict="pass", report_path="p")
    written = outputs.by_name()
    assert tuple(written) == OUTPUT_NAMES
    assert written == {name: "" for name in OUTPUT_NAMES} | {"run-id": "r", "verdict": "pass", "report-path": "p"}


@pytest.mark.parametrize("value", ["0", "101", "x", "2.5", "-1", " ", "²", "٣"])  # digits int() cannot read, or reads
def test_trials_is_a_whole_number_from_1_to_100(value: str) -> None:
    if not value.strip():  # empty means unset
        assert Settings.from_mapping(action_inputs(trials=value)).trials is None
        return
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(action_inputs(trials=value))
    assert str(caught.value).startswith(f'input trials: expected a whole number from 1 to 100, got "{value}"')
    with pytest.raises(SettingsError) as flagged:
        Settings.from_args(run_flags(trials=value), {})
    assert str(flagged.value).startswith("flag --trials: expected a whole number from 1 to 100")


def test_trials_of_more_digits_than_int_reads_is_the_same_error() -> None:
    """More than 4,300 digits, ``int()`` raises ValueError: the check never asks it of more than 9 (not 0-padded)."""
    value = "1" * 5000
    with pytest.raises(SettingsError, match=r"^input trials: expected a whole number from 1 to 100, got "):
        Settings.from_mapping(action_inputs(trials=value))
    with pytest.raises(SettingsError, match=r"^flag --trials: expected a whole number from 1 to 100"):
        Settings.from_args(run_flags(trials=value), {})
    assert Settings.from_mapping(action_inputs(trials="0" * 5000 + "7")).trials == 7


def test_trials_from_the_input_and_the_flag() -> None:
    assert Settings.from_mapping(action_inputs(trials="5")).trials == 5
    assert Settings.from_args(run_flags(trials="2"), {}).trials == 2
    assert Settings.from_args(run_flags(), {}).trials is None


@pytest.mark.parametrize(
    ("event_name", "fork", "withheld"),
    [
        ("pull_request", True, True),
        ("pull_request_review", True, True),
        ("pull_request_review_comment", True, True),
        ("pull_request", False, False),
        # these run in this repository with its secrets, whoever wrote the code: a missing api-key is an error there,
        # not the neutral "forks get no secrets" (the audit: pull_request_target from a fork without a key was neutral)
        ("pull_request_target", True, False),
        ("workflow_run", True, False),
        ("issue_comment", True, False),
        ("push", False, False),
    ],
)
def test_only_a_forks_own_pull_request_events_withhold_the_secrets(event_name: str, fork: bool, withheld: bool) -> None:
    s = Settings.from_mapping(pr_env(), event_payload=event("pull_request"))
    s = s.with_ci(event=event_name).model_copy(update={"is_fork": fork})
    assert s.secrets_withheld is withheld

"""The action's inputs and the ``GITHUB_*`` context → one frozen :class:`Settings`, read from a mapping.

Nothing here reads ``os.environ`` or ``sys.argv``: the CLI passes the environment in, and the event payload
it parsed from ``GITHUB_EVENT_PATH`` (see :func:`load_event_payload`)::

    env = dict(os.environ)
    payload = load_event_payload(env["GITHUB_EVENT_PATH"]) if env.get("GITHUB_EVENT_PATH") else None
    settings = Settings.from_mapping(env, event_payload=payload)

Inputs and their environment variables
--------------------------------------
GitHub hands a Docker action its inputs as ``INPUT_<NAME>``, upper-cased but with the hyphens kept
(``INPUT_API-KEY``), names a shell cannot read. ``action.yml`` therefore maps every input explicitly in
``runs.env`` to the clean name below, and this module reads only those names. The same names work for a
local run (``HH_API_KEY`` and ``HH_API_URL`` are also what the HoneyHive SDK reads). :data:`INPUTS` is this
table in code; a contract test holds it, ``action.yml`` and README's table equal.

=====================  ===========================================  ==============================
input                  environment variable                         default
=====================  ===========================================  ==============================
``api-key``            ``HH_API_KEY`` (secret)                      none
``server-url``         ``HH_API_URL``                               ``https://api.dp1.us.honeyhive.ai``
``config``             ``HONEYHIVE_EXPERIMENT_CONFIG``              ``.honeyhive/experiment.yml``
``github-token``       ``GITHUB_TOKEN`` (secret)                    ``${{ github.token }}`` (action)
``baseline-run-id``    ``HONEYHIVE_EXPERIMENT_BASELINE_RUN_ID``     none (the baseline policy picks)
``mode``               ``HONEYHIVE_EXPERIMENT_MODE``                ``all`` (all | run | report | publish)
``shard``              ``HONEYHIVE_EXPERIMENT_SHARD``               none (``i/n``, 1 ≤ i ≤ n; mode run, or report for n)
``dry-run``            ``HONEYHIVE_EXPERIMENT_DRY_RUN``             ``false``
``comment-mode``       ``HONEYHIVE_EXPERIMENT_COMMENT_MODE``        ``update`` (update | new | off)
``working-directory``  ``HONEYHIVE_EXPERIMENT_WORKING_DIRECTORY``   ``.``
``fail-on-error``      ``HONEYHIVE_EXPERIMENT_FAIL_ON_ERROR``       ``true``
=====================  ===========================================  ==============================

Rules
-----
* **Empty means unset.** An input the workflow leaves out reaches the container as ``""``; every value is
  stripped and an empty one takes the default.
* **Errors name the input**, never the variable it travelled in: :class:`SettingsError` prints
  ``input fail-on-error: expected true or false, got "maybe"``. Context variables are named as themselves
  (``environment GITHUB_RUN_ID: ...``), payload fields by their path (``event payload pull_request.number:
  ...``).
* **Booleans** accept ``true/false``, ``yes/no``, ``on/off``, ``1/0`` in any case.
* **Secrets never print.** ``api-key`` and ``github-token`` are :class:`~pydantic.SecretStr`, so ``repr()``,
  ``model_dump()`` and ``model_dump_json()`` show ``'**********'``; no error message quotes them.
  :meth:`Settings.secrets` hands the raw values (plus the runner's own tokens found in the environment) to
  the redactor.

The event payload
-----------------
:class:`Settings` combines the ``GITHUB_*`` variables with the payload of ``pull_request``,
``pull_request_target``, ``push``, ``workflow_run``, ``schedule`` and ``workflow_dispatch`` events:

* pull requests: number, head sha/ref, base sha/ref, and :attr:`Settings.is_fork` — the head
  repository differs from the base repository (or was deleted). ``head.repo.fork`` alone is not used: it is
  also true for a pull request between two branches *of* a fork, where secrets are available.
* ``workflow_run``: the triggering run (:class:`TriggeringRun`: id, attempt, head sha/branch, event,
  conclusion, its pull request numbers, fork or not). GitHub lists no pull requests there for a run that came
  from a fork, so ``pr_numbers`` is empty in exactly the case a two-workflow setup cares about.
* ``push``: ``before`` (``None`` for a new branch).

Computed: :attr:`Settings.branch` (the PR's head branch for pull requests, the triggering run's branch
for ``workflow_run``, else ``GITHUB_REF_NAME``; ``None`` for tags and never ``"HEAD"``),
:attr:`Settings.head_sha` (the commit a person would call "this commit": for a pull request the head,
not the merge commit in ``GITHUB_SHA``), :attr:`Settings.run_url` and
:attr:`Settings.is_pull_request`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from honeyhive_experiment.config import DEFAULT_CONFIG_PATH

__all__ = [
    "DEFAULT_GITHUB_API_URL",
    "DEFAULT_GITHUB_SERVER_URL",
    "DEFAULT_SERVER_URL",
    "INPUTS",
    "OUTPUT_NAMES",
    "ActionInput",
    "CommentMode",
    "Mode",
    "Settings",
    "SettingsError",
    "Shard",
    "TriggeringRun",
    "load_event_payload",
    "parse_bool",
]

DEFAULT_SERVER_URL: Final = "https://api.dp1.us.honeyhive.ai"  # == client.DEFAULT_SERVER_URL (tested)
DEFAULT_GITHUB_SERVER_URL: Final = "https://github.com"
DEFAULT_GITHUB_API_URL: Final = "https://api.github.com"

PULL_REQUEST_EVENTS: Final = frozenset({"pull_request", "pull_request_target"})
# tokens the runner itself puts into a Docker action's environment; never to be printed either
_RUNNER_SECRET_VARIABLES: Final = ("ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")

_TRUE: Final = frozenset({"true", "yes", "on", "1"})
_FALSE: Final = frozenset({"false", "no", "off", "0"})
_SHARD = re.compile(r"([0-9]+)\s*/\s*([0-9]+)")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_NULL_SHA = re.compile(r"0+")
_E = TypeVar("_E", bound=StrEnum)


# ---------------------------------------------------------------------------------------------------- errors


class SettingsError(ValueError):
    """An input, a context variable or an event payload field that cannot be used.

    ``name`` is what the user knows it by (the input's kebab-case name, the variable, or the payload's
    dotted path), ``kind`` one of ``"input"``, ``"environment"``, ``"event payload"``. ``str()`` is
    ``"<kind> <name>: <message>"``. Messages quote bad values, except for secrets.
    """

    def __init__(
        self, name: str, message: str, *, kind: Literal["input", "environment", "event payload"] = "input"
    ) -> None:
        super().__init__(name, message)
        self.name = name
        self.message = message
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.message}"


# ---------------------------------------------------------------------------------------------------- the inputs


@dataclass(frozen=True, slots=True)
class ActionInput:
    """One input of ``action.yml``: its kebab-case ``name``, the variable ``runs.env`` maps it to, and
    the ``default`` ``action.yml`` declares, as text (``None``: no default)."""

    name: str
    env: str
    default: str | None = None
    secret: bool = False


INPUTS: Final[tuple[ActionInput, ...]] = (
    ActionInput("api-key", "HH_API_KEY", secret=True),
    ActionInput("server-url", "HH_API_URL", DEFAULT_SERVER_URL),
    ActionInput("config", "HONEYHIVE_EXPERIMENT_CONFIG", DEFAULT_CONFIG_PATH),
    ActionInput("github-token", "GITHUB_TOKEN", "${{ github.token }}", secret=True),
    ActionInput("baseline-run-id", "HONEYHIVE_EXPERIMENT_BASELINE_RUN_ID"),
    ActionInput("mode", "HONEYHIVE_EXPERIMENT_MODE", "all"),
    ActionInput("shard", "HONEYHIVE_EXPERIMENT_SHARD"),
    ActionInput("dry-run", "HONEYHIVE_EXPERIMENT_DRY_RUN", "false"),
    ActionInput("comment-mode", "HONEYHIVE_EXPERIMENT_COMMENT_MODE", "update"),
    ActionInput("working-directory", "HONEYHIVE_EXPERIMENT_WORKING_DIRECTORY", "."),
    ActionInput("fail-on-error", "HONEYHIVE_EXPERIMENT_FAIL_ON_ERROR", "true"),
)
_ENV: Final = {spec.name: spec.env for spec in INPUTS}

#: the action's outputs, as ``action.yml`` and README list them
OUTPUT_NAMES: Final[tuple[str, ...]] = (
    "run-id",
    "run-url",
    "baseline-run-id",
    "verdict",
    "passed",
    "failed",
    "comment-url",
    "report-path",
)


class Mode(StrEnum):
    """What one invocation does. ``all``: run, report and publish in one job; ``run``: run the experiment
    (one shard of it with ``shard``) and record it; ``report``: wait for the run, compare and report;
    ``publish``: post what an earlier job reported (e.g. from a ``workflow_run`` with a write token)."""

    ALL = "all"
    RUN = "run"
    REPORT = "report"
    PUBLISH = "publish"


class CommentMode(StrEnum):
    UPDATE = "update"  # one sticky comment per pull request and experiment, edited in place
    NEW = "new"  # a new comment for every run
    OFF = "off"  # no comment (the job summary and report.json are still written)


class Shard(BaseModel):
    """Shard ``index`` of ``total`` (1-based), written ``index/total``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=1)
    total: int = Field(ge=1)

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


# ---------------------------------------------------------------------------------------------------- context


class TriggeringRun(BaseModel):
    """The run a ``workflow_run`` event is about."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    attempt: int = 1
    head_sha: str | None = None
    head_branch: str | None = None
    event: str | None = None
    conclusion: str | None = None
    pr_numbers: tuple[int, ...] = ()
    is_fork: bool = False


# ---------------------------------------------------------------------------------------------------- settings


class Settings(BaseModel):
    """Everything one invocation was told, frozen. Build it with :meth:`from_mapping`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr | None = None
    server_url: str = DEFAULT_SERVER_URL
    config: Path = Path(DEFAULT_CONFIG_PATH)
    github_token: SecretStr | None = None
    baseline_run_id: str | None = None
    mode: Mode = Mode.ALL
    shard: Shard | None = None
    dry_run: bool = False
    comment_mode: CommentMode = CommentMode.UPDATE
    working_directory: Path = Path(".")
    fail_on_error: bool = True

    # the GITHUB_* context
    repository: str | None = None  # owner/name
    event_name: str | None = None
    sha: str | None = None  # GITHUB_SHA: for pull requests the *merge* commit; see head_sha
    ref: str | None = None
    ref_name: str | None = None
    head_ref: str | None = None  # GITHUB_HEAD_REF, or the payload's pull_request.head.ref
    base_ref: str | None = None
    run_id: int | None = None
    run_attempt: int = 1
    github_server_url: str = DEFAULT_GITHUB_SERVER_URL  # GITHUB_SERVER_URL (GitHub Enterprise: its own)
    github_api_url: str = DEFAULT_GITHUB_API_URL  # GITHUB_API_URL
    workflow: str | None = None
    job: str | None = None
    actor: str | None = None
    workspace: Path | None = None
    event_path: Path | None = None
    output_path: Path | None = None  # GITHUB_OUTPUT
    step_summary_path: Path | None = None  # GITHUB_STEP_SUMMARY
    debug: bool = False  # RUNNER_DEBUG=1: emit ::debug:: lines
    in_github_actions: bool = False  # GITHUB_ACTIONS=true
    ci: bool = False  # CI=true

    # from the event payload
    pr_number: int | None = None
    pr_head_sha: str | None = None
    pr_head_repository: str | None = None
    base_sha: str | None = None
    before_sha: str | None = None  # push: the previous tip (None for a new branch)
    default_branch: str | None = None
    is_fork: bool = False
    triggering_run: TriggeringRun | None = None

    # the runner's own tokens found in the environment, only for secrets(); never shown
    runner_secrets: tuple[SecretStr, ...] = Field(default=(), repr=False, exclude=True)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str], *, event_payload: Mapping[str, Any] | None = None) -> Self:
        """Read the inputs (by the names in :data:`INPUTS`) and the GitHub context from ``env``, and the
        event from ``event_payload`` (the parsed ``GITHUB_EVENT_PATH`` file). Raises :class:`SettingsError`."""
        inputs = _Inputs(env)
        values: dict[str, Any] = {}
        if (api_key := inputs.secret("api-key")) is not None:
            values["api_key"] = api_key
        if (server_url := inputs.text("server-url")) is not None:
            values["server_url"] = _url(server_url, "server-url", "input")
        if (config := inputs.text("config")) is not None:
            values["config"] = Path(config)
        if (token := inputs.secret("github-token")) is not None:
            values["github_token"] = token
        if (baseline := inputs.text("baseline-run-id")) is not None:
            if any(ch.isspace() for ch in baseline):
                raise SettingsError("baseline-run-id", f"expected one run id, got {_quote(baseline)}")
            values["baseline_run_id"] = baseline
        if (mode := inputs.choice("mode", Mode)) is not None:
            values["mode"] = mode
        if (shard := inputs.text("shard")) is not None:
            values["shard"] = _shard(shard)
        if (dry_run := inputs.boolean("dry-run")) is not None:
            values["dry_run"] = dry_run
        if (comment_mode := inputs.choice("comment-mode", CommentMode)) is not None:
            values["comment_mode"] = comment_mode
        if (working_directory := inputs.text("working-directory")) is not None:
            values["working_directory"] = Path(working_directory)
        if (fail_on_error := inputs.boolean("fail-on-error")) is not None:
            values["fail_on_error"] = fail_on_error
        if values.get("shard") is not None and values.get("mode", Mode.ALL) not in (Mode.RUN, Mode.REPORT):
            raise SettingsError(
                "shard",
                f"only applies with mode: run or report (got mode: {values.get('mode', Mode.ALL).value})",
            )
        values.update(_github_context(env, event_payload))
        values["runner_secrets"] = tuple(
            SecretStr(value) for name in _RUNNER_SECRET_VARIABLES if (value := env.get(name, "").strip())
        )
        return cls(**values)

    def secrets(self) -> tuple[str, ...]:
        """The raw secret values (inputs' key and token, the runner's tokens), longest first, for the
        redactor. Never log this."""
        found = {s.get_secret_value() for s in (self.api_key, self.github_token, *self.runner_secrets) if s}
        return tuple(sorted(found, key=lambda s: (-len(s), s)))

    @property
    def is_pull_request(self) -> bool:
        """True when the run is about one pull request: a ``pull_request``/``pull_request_target`` event,
        or a ``workflow_run`` whose triggering run names exactly one pull request (``pr_number`` is set)."""
        return self.pr_number is not None

    @property
    def branch(self) -> str | None:
        """The branch under test: the head branch of a pull request, the triggering run's branch for
        ``workflow_run``, else ``GITHUB_REF_NAME`` (``None`` for tags; never ``"HEAD"``)."""
        candidate: str | None
        if self.event_name in PULL_REQUEST_EVENTS or self.pr_number is not None:
            candidate = self.head_ref
        elif self.triggering_run is not None:
            candidate = self.triggering_run.head_branch
        elif self.ref is not None and self.ref.startswith("refs/tags/"):
            candidate = None
        else:
            candidate = self.ref_name
        return candidate if candidate and candidate != "HEAD" else None

    @property
    def head_sha(self) -> str | None:
        """The commit under test: a pull request's head (``GITHUB_SHA`` is the merge commit there), the
        triggering run's head for ``workflow_run``, else ``GITHUB_SHA``."""
        if self.pr_head_sha is not None:
            return self.pr_head_sha
        if self.triggering_run is not None and self.triggering_run.head_sha is not None:
            return self.triggering_run.head_sha
        return self.sha

    @property
    def run_url(self) -> str | None:
        """``{server}/{owner}/{repo}/actions/runs/{id}/attempts/{attempt}``, or ``None`` outside Actions."""
        if self.repository is None or self.run_id is None:
            return None
        return f"{self.github_server_url}/{self.repository}/actions/runs/{self.run_id}/attempts/{self.run_attempt}"

    @property
    def config_path(self) -> Path:
        """The experiment file, resolved against the working directory (unless absolute)."""
        return self.working_directory / self.config


def load_event_payload(path: str | Path) -> dict[str, Any]:
    """Read the event payload GitHub wrote to ``GITHUB_EVENT_PATH``; :class:`SettingsError` if it is
    missing, unreadable, not JSON or not an object."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError("GITHUB_EVENT_PATH", f"no event payload at {str(path)!r}", kind="environment") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(
            "GITHUB_EVENT_PATH", f"cannot read the event payload {str(path)!r}: {exc}", kind="environment"
        ) from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            "GITHUB_EVENT_PATH",
            f"the event payload {str(path)!r} is not JSON (line {exc.lineno}: {exc.msg})",
            kind="environment",
        ) from None
    if not isinstance(payload, dict):
        raise SettingsError(
            "GITHUB_EVENT_PATH",
            f"the event payload {str(path)!r} is a JSON {type(payload).__name__}, expected an object",
            kind="environment",
        )
    return payload


def parse_bool(value: str, name: str) -> bool:
    """``true/false``, ``yes/no``, ``on/off``, ``1/0`` in any case; :class:`SettingsError` naming the
    input otherwise."""
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise SettingsError(name, f"expected true or false, got {_quote(value)}")


# ---------------------------------------------------------------------------------------------------- parsing


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Inputs:
    """Reads inputs by their kebab-case name from the variables ``runs.env`` maps them to."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, name: str) -> str | None:
        value = self._env.get(_ENV[name], "").strip()
        return value or None

    def secret(self, name: str) -> SecretStr | None:
        value = self.text(name)
        if value is None:
            return None
        if any(ch.isspace() or not ch.isprintable() for ch in value):
            # the value stays out of the message: it is a secret
            raise SettingsError(name, "contains whitespace or a control character (value hidden); check the secret")
        return SecretStr(value)

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        return None if value is None else parse_bool(value, name)

    def choice(self, name: str, enum: type[_E]) -> _E | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return enum(value.lower())
        except ValueError:
            allowed = " | ".join(member.value for member in enum)
            raise SettingsError(name, f"expected one of {allowed}, got {_quote(value)}") from None


def _shard(value: str) -> Shard:
    match = _SHARD.fullmatch(value)
    if match is not None:
        index, total = int(match[1]), int(match[2])
        if 1 <= index <= total:
            return Shard(index=index, total=total)
    raise SettingsError("shard", f'expected "i/n" with 1 ≤ i ≤ n (e.g. "2/4"), got {_quote(value)}')


def _url(value: str, name: str, kind: Literal["input", "environment"]) -> str:
    stripped = value.strip().rstrip("/")
    scheme, sep, rest = stripped.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or any(ch.isspace() for ch in rest):
        raise SettingsError(name, f"expected an http(s) URL, got {_quote(value)}", kind=kind)
    return stripped


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _env_int(env: Mapping[str, str], name: str, *, minimum: int = 1) -> int | None:
    value = _env(env, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or int(value) < minimum:
        raise SettingsError(name, f"expected a whole number ≥ {minimum}, got {_quote(value)}", kind="environment")
    return int(value)


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    """Runner-set flags (``CI``, ``GITHUB_ACTIONS``, ``RUNNER_DEBUG``): lenient, since a user's shell may set
    them to anything; only a recognised true value counts."""
    return (_env(env, name) or "").lower() in _TRUE


class _Payload:
    """Typed reads from the event payload; a wrong type is a :class:`SettingsError` naming the path."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    @staticmethod
    def _get(data: Any, path: str) -> Any:
        node = data
        for part in path.split("."):
            if not isinstance(node, Mapping):
                return None
            node = node.get(part)
        return node

    def obj(self, path: str) -> Mapping[str, Any] | None:
        value = self._get(self.data, path)
        if value is None or isinstance(value, Mapping):
            return value
        raise SettingsError(path, f"expected an object, got {type(value).__name__}", kind="event payload")

    def text(self, path: str, base: Any = None, prefix: str = "") -> str | None:
        value = self._get(self.data if base is None else base, path)
        if value is None:
            return None
        if not isinstance(value, str):
            raise SettingsError(prefix + path, f"expected a string, got {type(value).__name__}", kind="event payload")
        return value.strip() or None

    def number(self, path: str, base: Any = None, prefix: str = "") -> int | None:
        value = self._get(self.data if base is None else base, path)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            shown = repr(value) if isinstance(value, int | float | bool) else type(value).__name__
            raise SettingsError(prefix + path, f"expected a positive integer, got {shown}", kind="event payload")
        return value

    def sha(self, path: str, base: Any = None, prefix: str = "") -> str | None:
        value = self.text(path, base, prefix)
        if value is None:
            return None
        if not _SHA.fullmatch(value):
            raise SettingsError(prefix + path, f"expected a commit sha, got {_quote(value)}", kind="event payload")
        return None if _NULL_SHA.fullmatch(value) else value


def _different_repos(head: str | None, base: str | None) -> bool:
    """A head repository that is gone (``None``) or differs from the base repository is a fork."""
    return head is None or base is None or head.lower() != base.lower()


def _github_context(env: Mapping[str, str], event_payload: Mapping[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "repository": _env(env, "GITHUB_REPOSITORY"),
        "event_name": _env(env, "GITHUB_EVENT_NAME"),
        "sha": _env(env, "GITHUB_SHA"),
        "ref": _env(env, "GITHUB_REF"),
        "ref_name": _env(env, "GITHUB_REF_NAME"),
        "head_ref": _env(env, "GITHUB_HEAD_REF"),
        "base_ref": _env(env, "GITHUB_BASE_REF"),
        "run_id": _env_int(env, "GITHUB_RUN_ID"),
        "run_attempt": _env_int(env, "GITHUB_RUN_ATTEMPT") or 1,
        "github_server_url": _url(v, "GITHUB_SERVER_URL", "environment")
        if (v := _env(env, "GITHUB_SERVER_URL"))
        else DEFAULT_GITHUB_SERVER_URL,
        "github_api_url": _url(v, "GITHUB_API_URL", "environment")
        if (v := _env(env, "GITHUB_API_URL"))
        else DEFAULT_GITHUB_API_URL,
        "workflow": _env(env, "GITHUB_WORKFLOW"),
        "job": _env(env, "GITHUB_JOB"),
        "actor": _env(env, "GITHUB_ACTOR"),
        "workspace": Path(v) if (v := _env(env, "GITHUB_WORKSPACE")) else None,
        "event_path": Path(v) if (v := _env(env, "GITHUB_EVENT_PATH")) else None,
        "output_path": Path(v) if (v := _env(env, "GITHUB_OUTPUT")) else None,
        "step_summary_path": Path(v) if (v := _env(env, "GITHUB_STEP_SUMMARY")) else None,
        "debug": _env_flag(env, "RUNNER_DEBUG"),
        "in_github_actions": _env_flag(env, "GITHUB_ACTIONS"),
        "ci": _env_flag(env, "CI"),
    }
    if event_payload:
        values.update(_from_payload(_Payload(event_payload), values))
    return values


def _from_payload(payload: _Payload, context: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if context["repository"] is None and (full_name := payload.text("repository.full_name")):
        values["repository"] = full_name
    values["default_branch"] = payload.text("repository.default_branch")

    if payload.obj("pull_request") is not None:
        head_repo = payload.obj("pull_request.head.repo")
        base_repo = payload.obj("pull_request.base.repo")
        head_name = payload.text("pull_request.head.repo.full_name") if head_repo is not None else None
        base_name = payload.text("pull_request.base.repo.full_name") if base_repo is not None else None
        base_name = base_name or values.get("repository", context["repository"])
        values.update(
            pr_number=payload.number("pull_request.number") or payload.number("number"),
            pr_head_sha=payload.sha("pull_request.head.sha"),
            pr_head_repository=head_name,
            base_sha=payload.sha("pull_request.base.sha"),
            is_fork=_different_repos(head_name, base_name),
        )
        if context["head_ref"] is None:
            values["head_ref"] = payload.text("pull_request.head.ref")
        if context["base_ref"] is None:
            values["base_ref"] = payload.text("pull_request.base.ref")

    if (run := payload.obj("workflow_run")) is not None:
        prefix = "workflow_run."
        run_id = payload.number("id", run, prefix)
        if run_id is None:
            raise SettingsError("workflow_run.id", "missing", kind="event payload")
        pull_requests = run.get("pull_requests") or []
        if not isinstance(pull_requests, list):
            raise SettingsError("workflow_run.pull_requests", "expected a list", kind="event payload")
        listed = [
            (number, pr, f"{prefix}pull_requests[{i}].")
            for i, pr in enumerate(pull_requests)
            if (number := payload.number("number", pr, f"{prefix}pull_requests[{i}].")) is not None
        ]
        numbers = tuple(number for number, _, _ in listed)
        head_name = payload.text("head_repository.full_name", run, prefix)
        base_name = payload.text("repository.full_name", run, prefix) or context["repository"]
        triggering = TriggeringRun(
            id=run_id,
            attempt=payload.number("run_attempt", run, prefix) or 1,
            head_sha=payload.sha("head_sha", run, prefix),
            head_branch=payload.text("head_branch", run, prefix),
            event=payload.text("event", run, prefix),
            conclusion=payload.text("conclusion", run, prefix),
            pr_numbers=numbers,
            is_fork=_different_repos(head_name, base_name),
        )
        values["triggering_run"] = triggering
        values["is_fork"] = triggering.is_fork
        if len(listed) == 1:
            number, pr, where = listed[0]
            values["pr_number"] = number
            values["pr_head_sha"] = payload.sha("head.sha", pr, where) or triggering.head_sha
            values["head_ref"] = payload.text("head.ref", pr, where) or triggering.head_branch
            values["base_sha"] = payload.sha("base.sha", pr, where)
            values["base_ref"] = payload.text("base.ref", pr, where)

    if context["event_name"] == "push":
        values["before_sha"] = payload.sha("before")
    return values

"""The action's inputs and the ``GITHUB_*`` context → one frozen :class:`Settings`, read from a mapping.

Nothing here reads ``os.environ`` or ``sys.argv``: the CLI passes the environment in, and the event payload
it parsed from ``GITHUB_EVENT_PATH`` (see :func:`load_event_payload`)::

    env = dict(os.environ)
    payload = load_event_payload(env["GITHUB_EVENT_PATH"]) if env.get("GITHUB_EVENT_PATH") else None
    settings = Settings.from_mapping(env, event_payload=payload)

The ``run`` command builds the same model from its flags with :meth:`Settings.from_args` (``command="run"``):
no GitHub context, the HoneyHive variables below, ``report.json`` only where ``--report`` says.

Inputs and their environment variables
--------------------------------------
GitHub hands a Docker action its inputs as ``INPUT_<NAME>``, upper-cased but with the hyphens kept
(``INPUT_API-KEY``), names a shell cannot read. ``action.yml`` therefore maps every input explicitly in
``runs.env`` to a clean name, and this module reads only those names. A local ``run`` reads only the
HoneyHive ones among them (``HH_API_KEY``, ``HH_API_URL``, ``HONEYHIVE_APP_URL``; the first two, with their
aliases, are also what the HoneyHive SDK reads): its other settings are flags. :data:`INPUTS` lists each input
with its variable and default; README's Inputs table says what each does, and a contract test holds
:data:`INPUTS`, ``action.yml`` and that table equal.

Rules
-----
* **Empty means unset.** An input the workflow leaves out reaches the container as ``""``; every value is
  stripped and an empty one takes the default.
* **Errors name the input**, never the variable it travelled in: :class:`SettingsError` prints
  ``input fail-on-error: expected true or false, got "maybe"``. Context variables are named as themselves
  (``environment GITHUB_RUN_ID: ...``), payload fields by their path (``event payload pull_request.number:
  ...``).
* **Booleans** accept ``true/false``, ``yes/no``, ``on/off``, ``1/0`` in any case.
* **Secrets never print.** ``api-key``, ``github-token`` and ``job-token`` are :class:`~pydantic.SecretStr`, so
  ``repr()``, ``model_dump()`` and ``model_dump_json()`` show ``'**********'``; no error message quotes them.
  :meth:`Settings.secrets` hands the raw values (plus the runner's own tokens, HoneyHive's keys and the
  values of variables whose names say they are secrets, ``HF_TOKEN`` or ``DB_PASSWORD``, found in the
  environment) to the redactor. An error about a secret begins with a short word (``input api-key: the value has
  whitespace…``): after a secret-like name the redactor takes a first word of 6 characters or more for the
  secret's value (``tests/honeyhive_experiment/test_error_redaction.py`` reads every such input).

The ``GITHUB_*`` variables and the event payload are read by :mod:`honeyhive_experiment.context`, which says
what is taken from each event; where the run comes from becomes :attr:`Settings.ci`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
from collections.abc import Callable, Mapping, MutableMapping, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from honeyhive_experiment.connection import (
    API_KEY_VARIABLES,
    DEFAULT_SERVER_URL,
    MALFORMED_KEY,
    SERVER_URL_VARIABLES,
    environment_secrets,
    first_set,
    malformed_key,
)
from honeyhive_experiment.context import (
    DEFAULT_GITHUB_API_URL,
    DEFAULT_GITHUB_SERVER_URL,
    TRUE,
    CiContext,
    TriggeringRun,
    ci_context,
    env_flag,
    env_text,
    github_context,
    http_url,
    load_event_payload,
    quote,
)
from honeyhive_experiment.errors import SettingsError
from honeyhive_experiment.gha import neutralise
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH, REPORT_PATH, relative
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.sharding import ShardSpec

__all__ = [
    "DEFAULT_RUN_URL_TEMPLATE",
    "DEFAULT_SERVER_URL",
    "INPUTS",
    "KNOWN_APP_URLS",
    "OUTPUT_NAMES",
    "SECRETLESS_FORK_EVENTS",
    "ActionInput",
    "ActionOutputs",
    "CiContext",
    "CommentMode",
    "Mode",
    "Settings",
    "SettingsError",
    "handed_back",
    "load_event_payload",
    "parse_bool",
    "whole_number",
    "withheld_by_value",
    "withhold",
]

DEFAULT_RUN_URL_TEMPLATE: Final = "https://app.honeyhive.ai/evaluate/{run_id}"
"""A run's page in the HoneyHive app (``HONEYHIVE_RUN_URL_TEMPLATE`` overrides it; HoneyHive documents none)."""

KNOWN_APP_URLS: Final = {
    "api.honeyhive.ai": "https://app.honeyhive.ai",
    "api.dp1.us.honeyhive.ai": "https://app.honeyhive.ai",
}
"""The HoneyHive app of each API host the tool knows; another server's runs are linked only with ``app-url``
(a wrong link is worse than none: a self-hosted or local backend's runs are not in HoneyHive's app)."""

_FALSE: Final = frozenset({"false", "no", "off", "0"})
_SHARD = re.compile(r"([0-9]+)\s*/\s*([0-9]+)")
_E = TypeVar("_E", bound=StrEnum)


# ------------------------------------------------------------------------------------------- outputs and modes


@dataclass(frozen=True, slots=True)
class ActionOutputs:
    """The action's outputs, one field each (``run_id`` is the output ``run-id``); unset ones are empty.

    :data:`OUTPUT_NAMES` is derived from these fields, and a contract test holds it equal to ``action.yml``'s
    outputs and README's table, so an output cannot be written that the action does not declare."""

    run_id: str = ""
    run_url: str = ""
    baseline_run_id: str = ""
    verdict: str = ""  # pass | fail | neutral | error
    passed: str = ""  # datapoint counts, as the backend reports them
    failed: str = ""
    comment_url: str = ""
    report_path: str = ""
    html_report_path: str = ""

    def by_name(self) -> dict[str, str]:
        """``{output name: value}`` in :data:`OUTPUT_NAMES` order."""
        return {name: getattr(self, name.replace("-", "_")) for name in OUTPUT_NAMES}


#: the action's outputs, as ``action.yml`` and README list them
OUTPUT_NAMES: Final[tuple[str, ...]] = tuple(f.replace("_", "-") for f in ActionOutputs.__dataclass_fields__)


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


# ---------------------------------------------------------------------------------------------------- settings


SECRETLESS_FORK_EVENTS: Final = frozenset({"pull_request", "pull_request_review", "pull_request_review_comment"})
"""The events whose jobs get no secrets (and a read-only token) when a fork's pull request triggers them."""


class Settings(BaseModel):
    """Everything one invocation was told, frozen: the inputs (or flags), the runner's context and where the run
    comes from (:attr:`ci`). Build it with :meth:`from_mapping` (the action; :meth:`for_action` keeps the inputs it
    cannot use to report them) or :meth:`from_args` (the command line); nothing here does I/O (the merge base and a
    local checkout's commit are filled into ``ci`` by :func:`honeyhive_experiment.operations.locate`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    api_key: SecretStr | None = None
    server_url: str = DEFAULT_SERVER_URL
    config: Path = Path(DEFAULT_CONFIG_PATH)
    github_token: SecretStr | None = None
    job_token: SecretStr | None = None  # the job's own GITHUB_TOKEN (job-token): is github_token that one?
    baseline_run_id: str | None = None
    mode: Mode = Mode.ALL
    shard: ShardSpec | None = None
    dry_run: bool = False
    comment_mode: CommentMode = CommentMode.UPDATE
    variant: str = ""  # a matrix leg of the experiment file: its own comment, baselines and shared run; "": none
    working_directory: Path = Path(".")
    fail_on_error: bool = True
    install: tuple[str, ...] = ()  # installer arguments for the user's dependencies (install.py); () installs nothing
    base: str | None = None  # run --base: the branch a local run's merge base is taken with
    trials: int | None = None  # the trials input / --trials: overrides the experiment file's trials

    # how the program was started: ``action`` (GitHub Actions, from the variables above) or ``run`` (the
    # command line, from its flags: see from_args)
    command: Literal["action", "run"] = "action"
    in_actions: bool = False
    """Inside GitHub Actions (``GITHUB_ACTIONS=true``, or started as the action): no line this process prints may
    issue a workflow command."""
    report: Path | None = None  # the report input (under the working directory; none: default_report) or run --report
    html_path: Path | None = None  # run --html / view --html; else beside report.json (see html_file); the flags' are
    # joined to --working-directory (from_args)
    html: bool = True  # run --no-html: no HTML report
    session_url_template: str | None = None  # HONEYHIVE_SESSION_URL_TEMPLATE: a session's page in the app
    run_url_template: str = DEFAULT_RUN_URL_TEMPLATE  # HONEYHIVE_RUN_URL_TEMPLATE
    app_url: str | None = None  # app-url / HONEYHIVE_APP_URL: where the server's runs are shown

    ci: CiContext = CiContext()
    """Where the run comes from (repository, branch, commit, pull request, merge base): ``metadata.ci``."""

    # the runner's own context: github_context's values of these names, which from_mapping keeps as they are
    run_id: int | None = None  # GITHUB_RUN_ID
    github_server_url: str = DEFAULT_GITHUB_SERVER_URL  # GITHUB_SERVER_URL (GitHub Enterprise: its own)
    github_api_url: str = DEFAULT_GITHUB_API_URL  # GITHUB_API_URL
    workspace: Path | None = None
    output_path: Path | None = None  # GITHUB_OUTPUT
    step_summary_path: Path | None = None  # GITHUB_STEP_SUMMARY
    debug: bool = False  # RUNNER_DEBUG=1: the log's DEBUG lines (::debug:: in Actions), with user-code tracebacks
    is_fork: bool = False  # a pull request (or the run that triggered this one) from a fork (see secrets_withheld)
    triggering_run: TriggeringRun | None = None  # workflow_run: the run this one is about
    commenter: tuple[str | None, str | None, str | None] | None = None  # issue_comment: its author's login,
    # author_association and created_at

    # the secrets found in the environment (the runner's tokens, HoneyHive's keys, variables named as secrets),
    # only for secrets(); never shown
    runner_secrets: tuple[SecretStr, ...] = Field(default=(), repr=False, exclude=True)
    refused: SettingsError | None = Field(default=None, repr=False, exclude=True)
    """The action's inputs that cannot be used, each one of its ``issues``, left at their defaults
    (:meth:`for_action`): the invocation reports them as its error and runs nothing."""

    @classmethod
    def from_mapping(
        cls, env: Mapping[str, str], *, event_payload: Mapping[str, Any] | None = None, unread: Set[str] = frozenset()
    ) -> Self:
        """Read the inputs (by the names in :data:`INPUTS`, but those ``unread``: their defaults) and the GitHub
        context from ``env``, and the event from ``event_payload`` (the parsed ``GITHUB_EVENT_PATH`` file). Raises
        :class:`SettingsError`."""
        values: dict[str, Any] = {}
        for spec in INPUTS:
            if spec.name not in unread and (text := env_text(env, spec.env)) is not None:
                values[spec.name.replace("-", "_")] = spec.read(text, spec.name)
        if values.get("shard") is not None and values.get("mode", Mode.ALL) not in (Mode.RUN, Mode.REPORT):
            raise SettingsError(
                "shard",
                f"only applies with mode: run or report (got mode: {values.get('mode', Mode.ALL).value})",
            )
        context = github_context(env, event_payload)
        values["ci"] = ci_context(context)
        # what has a field of its name here (the runner's own context) is kept as it is; the rest is only ci's
        values.update({name: value for name, value in context.items() if name in cls.model_fields})
        values.update(_common(env))
        values["in_actions"] = True
        settings = cls(**values)
        _check_install(settings, "install", "input")
        return settings

    @classmethod
    def for_action(cls, env: Mapping[str, str], *, event_payload: Mapping[str, Any] | None = None) -> Self:
        """:meth:`from_mapping`, but the inputs that cannot be used are left at their defaults and kept in
        :attr:`refused`, so that the action still writes its report (the error verdict, naming every such input);
        raises :class:`SettingsError` for what is not an input (the runner's context, the environment)."""
        refused: list[SettingsError] = []
        while True:
            try:
                settings = cls.from_mapping(env, event_payload=event_payload, unread={e.name for e in refused})
            except SettingsError as exc:
                if exc.kind != "input" or any(e.name == exc.name for e in refused):
                    raise
                refused.append(exc)
                continue
            if not refused:
                return settings
            refused[0].issues = tuple(refused)
            return settings.model_copy(update={"refused": refused[0]})

    @classmethod
    def from_args(cls, flags: Mapping[str, Any], env: Mapping[str, str]) -> Self:
        """The ``run`` command: its flags (``vars()`` of the parsed arguments: :data:`_FLAGS`' names, ``dry_run``,
        ``no_html``, ``server_url``) and the HoneyHive variables of ``env`` (the module docstring's, by
        :mod:`~honeyhive_experiment.connection`'s names). No GitHub context: a local run learns its branch and
        commit from git. Raises :class:`SettingsError` naming the flag or variable."""
        values: dict[str, Any] = {"command": "run", "dry_run": bool(flags.get("dry_run"))}
        for name, flag, field, read in _FLAGS:
            text = None if flags.get(name) is None else str(flags[name]).strip()
            if text or (text is not None and read is _report):  # a report given, even empty (--report=): a file to name
                values[field] = read(text, flag, "flag")
        for field in ("report", "html_path"):  # under -C, as --config is (and the action's report input)
            if field in values:
                values[field] = values.get("working_directory", Path(".")) / values[field]
        if flags.get("no_html"):
            values["html"] = False
        if server_url := str(flags.get("server_url") or "").strip():
            values["server_url"] = http_url(server_url, "--server-url", "flag")
        elif (variable := first_set(env, SERVER_URL_VARIABLES)) is not None:
            values["server_url"] = http_url(env[variable].strip(), variable, "environment")
        if (variable := first_set(env, API_KEY_VARIABLES)) is not None:
            values["api_key"] = _secret(env[variable].strip(), variable, "environment")
        elif server_url:  # as evaluate(server_url=...) without a key: the embedded backend would ignore the URL
            raise SettingsError(
                "--server-url",
                f"no HoneyHive API key for it: set {' or '.join(API_KEY_VARIABLES)} (without --server-url and a key,"
                " a dry run uses the embedded local backend)",
                kind="flag",
            )
        if app_url := env_text(env, _ENV["app-url"]):
            values["app_url"] = http_url(app_url, _ENV["app-url"], "environment")
        values.update(_common(env))
        settings = cls(**values)
        _check_install(settings, "--install", "flag")
        return settings

    @property
    def secrets_withheld(self) -> bool:
        """Whether GitHub gave this job no secrets because its code is a fork's: only the events a fork's pull request
        triggers in the fork's name (:data:`SECRETLESS_FORK_EVENTS`). ``pull_request_target``, ``workflow_run`` (the run
        a fork's pull request triggered) and ``issue_comment`` ("/evaluate") run in this repository, with its secrets,
        whoever wrote the code they check out: an API key missing there is a missing key."""
        return self.is_fork and self.ci.event in SECRETLESS_FORK_EVENTS

    def secrets(self) -> tuple[str, ...]:
        """The raw secret values (inputs' key and token, the environment's secrets), longest first, for the
        redactor. Never log this."""
        tokens = (self.api_key, self.github_token, self.job_token, *self.runner_secrets)
        found = {s.get_secret_value() for s in tokens if s}
        return tuple(sorted(found, key=lambda s: (-len(s), s)))

    def run_link(self, run_id: str) -> str | None:
        """A run's page in the HoneyHive app: ``HONEYHIVE_RUN_URL_TEMPLATE`` when set, else ``app-url``'s
        ``/evaluate/<run id>``, else the app of a server in :data:`KNOWN_APP_URLS`; ``None`` (no link) without an
        API key (the embedded backend is gone when the command ends: its runs have no page) or for a server it
        cannot map, rather than a link to the wrong app."""
        custom = self.run_url_template if self.run_url_template != DEFAULT_RUN_URL_TEMPLATE else None
        # as the session link's: braces are the URL's
        return self._link(custom and custom.replace("{run_id}", run_id), f"evaluate/{run_id}")

    def session_link(self) -> str | None:
        """A session's page in the HoneyHive app, ``{session_id}`` in it: ``HONEYHIVE_SESSION_URL_TEMPLATE`` when
        set, else the app's ``/sessions/{session_id}`` (the app as :meth:`run_link` finds it); ``None`` without an
        API key (the embedded backend's sessions are in no app) or an app."""
        return self._link(self.session_url_template, "sessions/{session_id}")

    def _link(self, custom: str | None, page: str) -> str | None:
        """``custom`` (a set template), else ``page`` of the app, for :meth:`run_link` and :meth:`session_link`."""
        if not self.api_key:
            return None
        if custom is not None:
            return custom
        app = self.app_url or KNOWN_APP_URLS.get(self.server_url.partition("://")[2].split("/")[0].lower())
        return f"{app.rstrip('/')}/{page}" if app else None

    def printable(self, text: str) -> str:
        """``text`` for the log: inside GitHub Actions (a dry run there too) no line of it may issue a workflow
        command (:func:`~honeyhive_experiment.gha.neutralise`)."""
        return neutralise(text) if self.in_actions else text

    @property
    def as_action(self) -> bool:
        """Started as the GitHub Action: logs are workflow commands, the comment is posted, report.json written."""
        return self.command == "action"

    def named(self, path: str | os.PathLike[str]) -> str:
        """``path`` as a message names it: started as the action, from the workspace as the workflow names it (a link
        in it not followed), not by the runner's absolute path; else, and outside the workspace, as it is."""
        if self.as_action and (shown := relative(path, self.workspace or ".", follow_links=False)) is not None:
            return shown
        return os.fspath(path)

    @property
    def root(self) -> Path:
        """The repository root the config, dataset and code paths are relative to, and the user's code runs in
        (:func:`~honeyhive_experiment.user_code.in_repository`): the working directory, under ``GITHUB_WORKSPACE`` in
        Actions (where :func:`~honeyhive_experiment.operations.run` refuses one outside the workspace or reached
        through a symbolic link, before any work)."""
        return (self.workspace or Path(".")) / self.working_directory

    @property
    def config_path(self) -> Path:
        """The experiment file, resolved against the working directory (unless absolute)."""
        return self.root / self.config

    @property
    def config_file(self) -> str:
        """The experiment file as the repository names it: its path from the repository's root (in Actions never
        above the workspace), in ``/`` form, a link in it not followed, or as given when it lies outside. It tells
        one experiment from another (its shared run, its comment, its baselines), so a local run in a folder of a
        monorepo names its file as the workflow's job does."""
        top = _repository_root(self.root, self.workspace) or self.workspace or self.root
        return relative(self.config_path, top, follow_links=False) or str(self.config_path)

    @property
    def default_config(self) -> bool:
        """Whether the experiment file is the default one, ``.honeyhive/experiment.yml`` from the working directory (as
        the workflow names it): its report and comment keep the names they had before each file had its own."""
        return relative(self.config_path, self.root, follow_links=False) == DEFAULT_CONFIG_PATH

    @property
    def default_report(self) -> Path:
        """Where ``report.json`` goes, under the working directory, when the ``report`` input does not say (README's
        ``report`` input): one per experiment file, so two files run in one job keep a report each. No two files get
        one name, none is what ``mode: publish`` writes beside another (``report.<x>.published.json``), and every
        name fits a file system's 255 bytes."""
        if self.default_config:
            return Path(REPORT_PATH)
        config = relative(self.config_path, self.root, follow_links=False)
        name = config.removeprefix(".honeyhive/") if config else self.config.name
        stem = os.path.splitext(name)[0]
        readable = (
            config == f".honeyhive/{stem}.yml" and not re.search(r"[./]", stem) and stem.casefold() != "published"
        )
        if not readable or len(os.fsencode(stem)) > 100:
            path = os.path.relpath(self.config_path, self.root)  # with .. for a file outside the working directory
            digest = hashlib.sha256(os.fsencode(path)).hexdigest()[:12]
            shortened = os.fsencode(stem.replace("/", "."))[:100].decode("utf-8", "ignore")
            stem = f"{shortened}.{digest}"
        return Path(REPORT_PATH).with_name(f"report.{stem}.json")

    @property
    def report_file(self) -> Path | None:
        """Where ``report.json`` goes (and where ``mode: publish`` reads the earlier job's): the ``report`` input, else
        :attr:`default_report`, under the working directory; or ``--report`` for the command line (none without
        it)."""
        if self.as_action:
            return self.root / (self.report or self.default_report)
        return self.report

    @property
    def html_file(self) -> Path | None:
        """Where the HTML report goes: ``--html``, else beside ``report.json`` (its name with ``.html``), else
        (a local run without ``--report``) beside :attr:`default_report` (by default
        :data:`~honeyhive_experiment.paths.REPORT_HTML_PATH`); ``None`` with ``--no-html``."""
        if not self.html:
            return None
        if self.html_path is not None:
            return self.html_path
        return (self.report_file or self.root / self.default_report).with_suffix(".html")

    def with_ci(self, **changes: Any) -> Settings:
        """A copy whose :attr:`ci` has ``changes`` (what git or GitHub told about the checkout)."""
        return self.model_copy(update={"ci": self.ci.model_copy(update=changes)})


def parse_bool(value: str, name: str) -> bool:
    """``true/false``, ``yes/no``, ``on/off``, ``1/0`` in any case; :class:`SettingsError` naming the
    input otherwise."""
    folded = value.strip().lower()
    if folded in TRUE:
        return True
    if folded in _FALSE:
        return False
    raise SettingsError(name, f"expected true or false, got {quote(value)}")


# ------------------------------------------------------------- parsing: the inputs, the flags, the environment


def _secret(value: str, name: str, kind: Literal["input", "environment"] = "input") -> SecretStr:
    if malformed_key(value):
        raise SettingsError(name, f"the value {MALFORMED_KEY}; check the secret", kind=kind)
    return SecretStr(value)


def _choice(enum: type[_E]) -> Callable[[str, str], _E]:
    """Reads one of ``enum``'s values, in any case."""

    def read(value: str, name: str) -> _E:
        try:
            return enum(value.lower())
        except ValueError:
            allowed = " | ".join(member.value for member in enum)
            raise SettingsError(name, f"expected one of {allowed}, got {quote(value)}") from None

    return read


_UNSHOWN: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # control characters, line breaks among them


def _variant(value: str, name: str, kind: Literal["input", "flag"] = "input") -> str:
    """The ``variant`` input and flag: one line (shown beside the comment's title) that cannot end a hidden comment."""
    if _UNSHOWN.search(value) or "-->" in value:
        said = 'one line, without control characters or "-->" (e.g. ${{ matrix.model }})'
        raise SettingsError(name, f"expected {said}, got {quote(value)}", kind=kind)
    return value


def _path(value: str, name: str, kind: Literal["input", "flag"] = "input") -> Path:
    """Every path-valued input and flag (``config``, ``working-directory``; the reports' by :func:`_report`): ``~``
    expanded, as no shell does after ``=`` (``--config=~/x.yml``) nor in an input. A name that is not UTF-8 (its
    bytes read as lone surrogates) could not be sent to HoneyHive, where the run is stamped with the file's name
    (``metadata.ci.config_file``): refused before anything is sent, shown as the terminal shows it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "backslashreplace").decode("utf-8")
        raise SettingsError(name, f"{shown} is not a UTF-8 name: rename it", kind=kind) from None
    return Path(os.path.expanduser(value))


REPORT_FOLDER: Final = "names a folder: name the file, e.g. out/report.json"
_NAME_MAX: Final = 255  # the bytes of a file's or folder's name: the longest ext4, XFS, Btrfs, tmpfs or APFS takes


def _report(value: str, name: str, kind: Literal["input", "flag"] = "input") -> Path:
    """A report's path: the ``report`` input, ``--report`` and ``--html``. An empty one (``--report=``) names no file
    (the report was not written, or written to the default); a value ending in ``/``, ``/.`` or ``..`` names a folder
    (``Path`` reads ``out/`` and ``out/.`` as the file ``out``, which was written, over a file of that name too); an
    existing folder is refused before the run (``operations._check_writable``); a name longer than a file system
    takes could not even be looked for, nor that of a file written beside it, named after it (``--report``'s HTML
    report; the input's report.published.json, which ``mode: publish`` writes)."""
    example = "out/report.html" if name == "--html" else "out/report.json"
    if not value:
        raise SettingsError(name, f'"" names no file: name the file, e.g. {example}', kind=kind)
    if value.replace(os.sep, "/").rsplit("/", 1)[-1] in ("", ".", ".."):  # out/, out/., ..
        said = REPORT_FOLDER.replace("out/report.json", example)
        raise SettingsError(name, f"{quote(value)} {said}", kind=kind)
    if any(len(os.fsencode(part)) > _NAME_MAX for part in Path(value).parts):
        raise SettingsError(name, f"a name in it is longer than {_NAME_MAX} bytes: {quote(value)}", kind=kind)
    beside = Path(value).with_suffix({"--html": "", "--report": ".html"}.get(name, ".published.json"))
    if len(os.fsencode(beside.name)) > _NAME_MAX:
        said = f"the file written beside it, {quote(beside.name)}, would be longer than {_NAME_MAX} bytes"
        raise SettingsError(name, f"{said}: shorten {quote(value)}", kind=kind)
    return _path(value, name, kind)


def _run_id(value: str, name: str, kind: Literal["input", "flag"] = "input") -> str:
    """One run id, commit, branch or revision, as typed: only baseline.choose_baseline knows which it names; only a
    revision ``:/text`` (the newest commit whose message has ``text``) holds a space."""
    if not value.startswith(":/") and any(ch.isspace() for ch in value):
        raise SettingsError(name, f"expected one run id, commit, branch or revision, got {quote(value)}", kind=kind)
    return value


def _shard(value: str, name: str) -> ShardSpec:
    match = _SHARD.fullmatch(value)
    if match is not None:
        try:
            return ShardSpec(int(match[1]), int(match[2]))
        except ValueError:  # not 1 ≤ i ≤ n
            pass
    raise SettingsError(name, f'expected "i/n" with 1 ≤ i ≤ n (e.g. "2/4"), got {quote(value)}')


def whole_number(text: str) -> int | None:
    """The number ``text`` writes in ASCII digits (``007``: 7), when it has at most 9 past its leading zeros; else
    ``None``: ``int()`` is never asked of more (it refuses more than 4,300 digits, zeros too, with a ValueError)."""
    digits = text.lstrip("0") or "0"
    return int(digits) if text.isascii() and text.isdigit() and len(digits) <= 9 else None


def _trials(value: str, name: str, kind: Literal["input", "flag"] = "input") -> int:
    """How many times each datapoint runs: a whole number from 1 to the experiment file's bound (ASCII digits, as the
    experiment file's)."""
    from honeyhive_experiment.config.model import MOST_TRIALS  # not at import: the config package imports YAML

    number = whole_number(value)
    if number is not None and 1 <= number <= MOST_TRIALS:
        return number
    raise SettingsError(name, f"expected a whole number from 1 to {MOST_TRIALS}, got {quote(value)}", kind=kind)


def _install_arguments(value: str, name: str, kind: Literal["input", "flag"] = "input") -> tuple[str, ...]:
    """``-r "my reqs.txt" .[evals]`` → its arguments, split like a POSIX shell splits them."""
    try:
        return tuple(shlex.split(value))
    except ValueError as exc:
        raise SettingsError(name, f"cannot split {quote(value)} into arguments: {exc}", kind=kind) from None


@dataclass(frozen=True, slots=True)
class ActionInput:
    """One input of ``action.yml``: its kebab-case ``name``, the variable ``runs.env`` maps it to, how its value
    (stripped, not empty) and its name are ``read`` into the setting of the same name (``server-url`` →
    ``server_url``), and the ``default`` ``action.yml`` declares, as text (``None``: no default)."""

    name: str
    env: str
    read: Callable[[str, str], Any]
    default: str | None = None


# in action.yml's order, which is also the order they are read in (and reported in, when some cannot be used)
INPUTS: Final[tuple[ActionInput, ...]] = (
    ActionInput("api-key", "HH_API_KEY", _secret),
    ActionInput("server-url", "HH_API_URL", http_url, DEFAULT_SERVER_URL),
    ActionInput("app-url", "HONEYHIVE_APP_URL", http_url),
    ActionInput("config", "HONEYHIVE_EXPERIMENT_CONFIG", _path, DEFAULT_CONFIG_PATH),
    ActionInput("github-token", "GITHUB_TOKEN", _secret, "${{ github.token }}"),
    ActionInput("job-token", "HONEYHIVE_EXPERIMENT_JOB_TOKEN", _secret, "${{ github.token }}"),
    ActionInput("baseline-run-id", "HONEYHIVE_EXPERIMENT_BASELINE_RUN_ID", _run_id),
    ActionInput("mode", "HONEYHIVE_EXPERIMENT_MODE", _choice(Mode), "all"),
    ActionInput("shard", "HONEYHIVE_EXPERIMENT_SHARD", _shard),
    ActionInput("dry-run", "HONEYHIVE_EXPERIMENT_DRY_RUN", parse_bool, "false"),
    ActionInput("comment-mode", "HONEYHIVE_EXPERIMENT_COMMENT_MODE", _choice(CommentMode), "update"),
    ActionInput("variant", "HONEYHIVE_EXPERIMENT_VARIANT", _variant),
    ActionInput("working-directory", "HONEYHIVE_EXPERIMENT_WORKING_DIRECTORY", _path, "."),
    ActionInput("fail-on-error", "HONEYHIVE_EXPERIMENT_FAIL_ON_ERROR", parse_bool, "true"),
    ActionInput("install", "HONEYHIVE_EXPERIMENT_INSTALL", _install_arguments),
    ActionInput("trials", "HONEYHIVE_EXPERIMENT_TRIALS", _trials),
    ActionInput("report", "HONEYHIVE_EXPERIMENT_REPORT", _report),
)
_ENV: Final = {spec.name: spec.env for spec in INPUTS}


def _text(value: str, name: str, kind: Literal["input", "flag"] = "input") -> str:
    return value


# the run command's flags read as their inputs are, in this order: vars()'s name, the flag, the setting, its reader
_FLAGS: Final[tuple[tuple[str, str, str, Callable[[str, str, Literal["input", "flag"]], Any]], ...]] = (
    ("config", "--config", "config", _path),
    ("working_directory", "--working-directory", "working_directory", _path),
    ("report", "--report", "report", _report),
    ("html", "--html", "html_path", _report),
    ("baseline_run_id", "--baseline", "baseline_run_id", _run_id),
    ("base", "--base", "base", _text),
    ("trials", "--trials", "trials", _trials),
    ("install", "--install", "install", _install_arguments),
    ("variant", "--variant", "variant", _variant),
)


def _check_install(settings: Settings, name: str, kind: Literal["input", "flag"]) -> None:
    """The installer may read only files inside the working directory (``-r /proc/self/environ`` printed the
    environment): see :func:`honeyhive_experiment.install.refused_argument`."""
    from honeyhive_experiment.install import refused_argument

    # in the action the working directory is the input's value, from the workspace: not the runner's path
    named = settings.working_directory.as_posix() if settings.as_action else None
    if settings.install and (problem := refused_argument(settings.install, settings.root, named=named)) is not None:
        raise SettingsError(name, problem, kind=kind)


def _common(env: Mapping[str, str]) -> dict[str, Any]:
    """What both entry points read from the environment: the run link template, the secrets it holds
    (:func:`environment_secrets`), whether the process runs inside GitHub Actions (then even a dry run's output
    must not issue commands), and whether debug logging is on (``RUNNER_DEBUG=1``, as GitHub's re-run with debug
    logging sets it; locally too: the log then has the traceback of each distinct error of the user's code)."""
    values: dict[str, Any] = {
        "runner_secrets": tuple(map(SecretStr, environment_secrets(env))),
        "in_actions": env_flag(env, "GITHUB_ACTIONS"),
        "debug": env_flag(env, "RUNNER_DEBUG"),
    }
    for field, variable, placeholder in _URL_TEMPLATES:
        if template := env_text(env, variable):
            http_url(template, variable, "environment")  # a link in the comment and the HTML report: http(s) only
            if placeholder not in template:
                raise SettingsError(variable, f"must contain {placeholder}, got {quote(template)}", kind="environment")
            values[field] = template
    return values


# the link templates of _common: the setting, its environment variable, the placeholder it must contain
_URL_TEMPLATES: Final = (
    ("run_url_template", "HONEYHIVE_RUN_URL_TEMPLATE", "{run_id}"),
    ("session_url_template", "HONEYHIVE_SESSION_URL_TEMPLATE", "{session_id}"),
)


def _repository_root(folder: Path, top: Path | None) -> Path | None:
    """The nearest folder from ``folder`` up to ``top`` (if given) that holds ``.git`` (a repository's folder, or a
    worktree's file), as the path is written (no link followed, as :attr:`Settings.config_file` names the file)."""
    here = Path(os.path.abspath(folder))
    ups = (here, *here.parents)
    if top is not None:
        stop = Path(os.path.abspath(top))
        ups = tuple(path for path in ups if path == stop or stop in path.parents)
    return next((path for path in ups if (path / ".git").exists()), None)


# What the action's process keeps from the code it runs (the user's, what ``install`` builds, every library they import,
# and the processes they start), once the settings have read it: the tokens that write to GitHub or reach the runner's
# services, the action's inputs (``INPUT_API-KEY``, ``INPUT_GITHUB-TOKEN``), and the files whose lines become workflow
# commands (``GITHUB_ENV`` sets later steps' environment); and any variable holding one of those tokens under another
# name (``GH_TOKEN: ${{ github.token }}``, as gh's docs set it) or encoded (git's extraheader, base64 of it).
# ``HH_API_KEY`` stays: HoneyHive's SDK reads it.
_TOKENS: Final = (
    "GITHUB_TOKEN",
    "HONEYHIVE_EXPERIMENT_JOB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
)
_WITHHELD: Final = frozenset(
    {
        *_TOKENS,
        *("ACTIONS_RUNTIME_URL", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_CACHE_URL", "ACTIONS_RESULTS_URL"),
        *("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STATE", "GITHUB_STEP_SUMMARY"),
    }
)
_GIT_CONFIG: Final = ("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")  # git's settings from the environment
_TOKEN_SHORTEST: Final = 8  # a shorter "token" (a test's, a typo) could be part of any value, PATH's
_HELD: Final = "HONEYHIVE_EXPERIMENT_WITHHELD_FD"  # names the file in memory that hands them over (handed_back)
_HELD_FILE: Final = "withheld"


def _holds_a_token(environ: Mapping[str, str]) -> Callable[[str], bool]:
    """Whether a value holds one of ``environ``'s :data:`_TOKENS` whole, as it is or in a form the output is redacted
    of (the redactor's: :meth:`~honeyhive_experiment.report.redact.Redactor.holds_known`)."""
    tokens = [token for name in _TOKENS if len(token := environ.get(name, "").strip()) >= _TOKEN_SHORTEST]
    return Redactor(tokens).holds_known


def withhold(environ: MutableMapping[str, str], *, command: tuple[str, Sequence[str]]) -> dict[str, str]:
    """Takes :data:`_WITHHELD`, every ``INPUT_*`` variable and every variable whose value holds one of :data:`_TOKENS`'
    values whole, as they are or in a form the output is redacted of (the redactor's: base64, ``AUTHORIZATION: basic
    base64(x-access-token:TOKEN)`` as git's extraheader in ``GIT_CONFIG_VALUE_0``, hex, percent-encoded…; not a
    fragment: another JWT starts as a runner's token does; with such a ``GIT_CONFIG_VALUE_n``, git's other
    ``GIT_CONFIG_*`` variables, without which git would refuse to start) out of
    ``environ`` (``os.environ``: unset in the process, so no process it starts gets them either); on Linux, then runs
    ``command`` (the interpreter and this process's argv) again in this process without them, as
    ``/proc/self/environ``, which any code or process of the job can read, is what a process started with. They are
    handed over in a file in memory, which :func:`handed_back` reads first and closes. Where that cannot be done (no
    ``memfd_create``, a kernel refusing it), only ``environ`` lacks them, and they are returned."""
    holds = _holds_a_token(environ)
    taken = [n for n, v in environ.items() if n in _WITHHELD or n.startswith("INPUT_") or holds(v)]
    if any(name.startswith(_GIT_CONFIG) for name in taken):  # git refuses a count whose entries are not all there
        taken += [name for name in environ if name.startswith(_GIT_CONFIG) and name not in taken]
    withheld = {name: environ.pop(name) for name in taken}
    if not withheld or not hasattr(os, "memfd_create"):  # Linux's: the other systems have no /proc/self/environ
        return withheld
    with contextlib.suppress(OSError):
        held = os.memfd_create(_HELD_FILE, 0)
        try:  # nothing is written yet: the settings, read again, print nothing
            os.pwrite(held, json.dumps(withheld).encode(), 0)
            os.set_inheritable(held, True)
            os.execve(command[0], list(command[1]), {**environ, _HELD: str(held)})  # noqa: S606 (this same command)
        except (OSError, ValueError):  # not started again (ValueError: a variable execve cannot pass)
            os.close(held)
    return withheld


def withheld_by_value(withheld: Mapping[str, str]) -> str | None:
    """The warning naming the variables of ``withheld`` (:func:`withhold`'s) taken out for the token they hold, not for
    their name (``GH_TOKEN``) nor beside one to keep git working (a ``GIT_CONFIG_VALUE_n`` of ``user.name``); ``None``
    when there is none."""
    holds = _holds_a_token(withheld)
    named = sorted(
        name
        for name, value in withheld.items()
        if name not in _WITHHELD
        and not name.startswith(("INPUT_", *_GIT_CONFIG[:2]))
        and (not name.startswith(_GIT_CONFIG[2]) or holds(value))
    )
    return (
        f"{', '.join(named)} held the GitHub token (or a runner's token): taken out of the environment your code and"
        " its processes see, as GITHUB_TOKEN is (code that needs a GitHub token is given one of its own)"
        if named
        else None
    )


def handed_back(environ: MutableMapping[str, str]) -> dict[str, str]:
    """What :func:`withhold` handed over to this process, started again (``{}`` when it was not): read from the file
    in memory the ``_HELD`` variable of ``environ`` names, which is taken out of ``environ`` and closed. Only that file
    is read, whatever the variable says (an earlier step's ``GITHUB_ENV`` could name another descriptor)."""
    held, found = environ.pop(_HELD, None), None
    with contextlib.suppress(OSError, ValueError):
        if (
            held is not None
            and held.isdigit()
            and os.readlink(f"/proc/self/fd/{held}").startswith(f"/memfd:{_HELD_FILE}")
        ):
            with open(int(held), "rb") as file:
                found = json.load(file)
    if not isinstance(found, dict):
        return {}
    return {name: value for name, value in found.items() if isinstance(name, str) and isinstance(value, str)}

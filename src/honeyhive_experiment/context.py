"""Where a run comes from: :class:`CiContext`, read from the ``GITHUB_*`` variables and the event payload.

:class:`CiContext` is what is stamped on every run as ``metadata.ci`` (repository, branch, commit, pull
request, merge base) so that baselines can be found; :class:`~honeyhive_experiment.settings.Settings` carries
it as ``settings.ci``. :func:`github_context` reads the variables and the payload; :func:`ci_context` derives
the run's provenance from them (the head branch and commit of a pull request, not the merge commit in
``GITHUB_SHA``; a ``workflow_run``'s triggering run). A local run's comes from git instead
(:func:`honeyhive_experiment.checkout.local_checkout`). A value of the wrong shape is a
:class:`~honeyhive_experiment.errors.SettingsError` naming the variable (``environment GITHUB_RUN_ID: …``) or
the payload's path (``event payload pull_request.number: …``). Nothing here reads ``os.environ``: the mapping
and the parsed payload are passed in.

What is taken from the payload (of ``pull_request``, ``pull_request_target``, ``push``, ``merge_group``,
``workflow_run``, ``issue_comment``, ``schedule`` and ``workflow_dispatch`` events):

* pull requests: number, head sha/ref, base sha/ref, and whether it comes from a fork — the head repository
  differs from the base repository (or was deleted). ``head.repo.fork`` alone is not used: it is also true for a
  pull request between two branches *of* a fork, where secrets are available.
* ``workflow_run``: the triggering run (:class:`TriggeringRun`: its id, head sha/branch, its pull request numbers,
  fork or not, its conclusion). GitHub lists no pull requests there for a run that came from a fork, so
  ``pr_numbers`` is empty in exactly the case a two-workflow setup cares about: such a run is stamped with no
  branch (its head branch is the fork's), never as a run of this repository's branch of that name.
* ``merge_group``: the queue's base branch and commit (``merge_group.base_ref``, ``base_sha``).
* ``issue_comment`` on a pull request (``issue.pull_request``): its number, who commented (``comment.user.login``
  and ``comment.author_association``, which :func:`~honeyhive_experiment.operations.locate` requires to be trusted)
  and when (``comment.created_at``: a fork's head pushed since is not run);
  the payload names neither its head (``GITHUB_SHA`` is the default branch's tip), its base branch nor whether it
  comes from a fork, so all three are asked of GitHub (``locate``; until then ``base_ref`` is the default branch).
* every event: the repository's default branch (the baseline search's branch when the run's own is unknown: a tag,
  a fork's triggering run).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from honeyhive_experiment.connection import HTTP_URL_EXPECTED, http_url_or_none, shown_url
from honeyhive_experiment.errors import SettingsError
from honeyhive_experiment.paths import NotAFile, read_regular

__all__ = [
    "DEFAULT_GITHUB_API_URL",
    "DEFAULT_GITHUB_SERVER_URL",
    "PULL_REQUEST_EVENTS",
    "TRUE",
    "CiContext",
    "TriggeringRun",
    "ci_context",
    "env_flag",
    "env_text",
    "from_a_fork",
    "github_context",
    "http_url",
    "load_event_payload",
    "quote",
    "workflow_run_attempt",
    "workflow_run_id",
]

DEFAULT_GITHUB_SERVER_URL: Final = "https://github.com"
DEFAULT_GITHUB_API_URL: Final = "https://api.github.com"
PULL_REQUEST_EVENTS: Final = frozenset({"pull_request", "pull_request_target"})
TRUE: Final = frozenset({"true", "yes", "on", "1"})
"""What counts as true (in any case): for boolean inputs, and for the runner's flags."""

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_NULL_SHA = re.compile(r"0+")
_RUN_URL = re.compile(r".*/actions/runs/([0-9]+)(?:/attempts/([0-9]+))?")  # no attempt: GITHUB_RUN_ATTEMPT unset


class TriggeringRun(BaseModel):
    """The run a ``workflow_run`` event is about."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: int | None = None  # its workflow run id, the same for each of its attempts (a re-run)
    head_sha: str | None = None
    head_branch: str | None = None
    pr_numbers: tuple[int, ...] = ()
    is_fork: bool = False
    conclusion: str | None = None  # its check's: success, failure, ... (mode publish posts nothing greener)


class CiContext(BaseModel):
    """Where the run comes from; stamped on the run as ``metadata.ci`` so baselines can be found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: str | None = None  # owner/name
    branch: str | None = None  # the branch under test (a pull request's head branch); None for tags
    sha: str | None = None  # the commit under test (a pull request's head, not GITHUB_SHA's merge commit)
    base_sha: str | None = None
    base_ref: str | None = None  # baselines' branch: a pull request's or queue's base, else the run's own branch
    merge_base_sha: str | None = None
    merge_base_ref: str | None = None  # the branch merge_base_sha was taken with (shown with the baseline)
    fallback_ref: str | None = None  # a run of a branch not the default: the default, its baseline without its own
    pr_number: int | None = None
    event: str | None = None  # the GitHub event, or "local"
    workflow_run_url: str | None = None
    dirty: bool | None = None  # a local run: made with uncommitted changes (None: not checked, as in Actions)
    diff_sha256: str | None = None  # a digest of those changes
    merge_base_unknown: bool = False  # a pull request's or branch's merge base that neither git nor GitHub could tell
    checkout_sha: str | None = None  # the commit checked out, when not sha: the code run, never a merge-base run
    merge_checkout: bool = False  # checkout_sha is GitHub's merge of sha into merge_base_sha (the base's tip)

    def metadata(self, config_digest: str, config_file: str, variant: str = "") -> dict[str, Any]:
        """``metadata.ci`` of a run made here, with the experiment file's digest and path (``config_file``) and the
        ``variant`` when set: what tells one file's (or matrix leg's) runs from another's under one name,
        :mod:`~honeyhive_experiment.baseline`; unknown values left out."""
        stamped = self.model_dump(exclude=_NOT_STAMPED, exclude_none=True)
        return {
            **stamped,
            "config_hash": config_digest,
            "config_file": config_file,
            **({"variant": variant} if variant else {}),
        }


_NOT_STAMPED: Final = {"base_ref", "merge_base_ref", "fallback_ref", "merge_base_unknown", "merge_checkout"}
"""What :meth:`CiContext.metadata` leaves out: what only this run's own baseline search reads."""


def ci_context(context: Mapping[str, Any]) -> CiContext:
    """The run's provenance from :func:`github_context`'s values: a pull request's head commit, not ``GITHUB_SHA``
    (the merge commit there); a ``workflow_run``'s, its triggering run's.

    The base branch (where the baseline is looked for) is the one a pull request or a merge queue's entry goes
    into; for a run of a branch (a push, a schedule, a dispatch) that branch itself, so it is compared with its
    own previous state (a push to ``release/1.x`` with ``release/1.x``'s latest passing run, not ``main``'s);
    the default branch when there is no branch (a tag) or it is a fork's. Such a run of a branch that is not the
    default one falls back on the default branch (``fallback_ref``) while the branch has no passing run. A queue
    entry's merge base is the queue's base commit."""
    triggering: TriggeringRun | None = context.get("triggering_run")
    pr_number = context.get("pr_number")
    ref = context.get("ref")
    is_pull_request = context.get("event_name") in PULL_REQUEST_EVENTS or pr_number is not None
    if is_pull_request:
        branch = context.get("head_ref")
    elif triggering is not None:  # a fork's branch is none of this repository's: its main is not this main
        branch = None if triggering.is_fork else triggering.head_branch
    elif isinstance(ref, str) and ref.startswith("refs/tags/"):
        branch = None
    else:
        branch = context.get("ref_name")
    sha = context.get("pr_head_sha") or (triggering.head_sha if triggering is not None else None) or context.get("sha")
    repository, run_id = context.get("repository"), context.get("run_id")
    url = None
    if repository is not None and run_id is not None:
        server, attempt = context.get("github_server_url", DEFAULT_GITHUB_SERVER_URL), context.get("run_attempt")
        url = f"{server}/{repository}/actions/runs/{run_id}" + (f"/attempts/{attempt}" if attempt else "")
    branch = branch if branch and branch != "HEAD" else None
    event, default = context.get("event_name"), context.get("default_branch")
    fallback_ref = None
    if is_pull_request or event == "merge_group":
        base_ref = context.get("base_ref")  # the branch it goes into
    else:  # a fork's triggering run, with no branch: the default's
        base_ref = branch  # a run of a branch (a push, a schedule): compared with that branch's previous state
        fallback_ref = default if branch and branch != default else None
    base_sha = context.get("base_sha")
    return CiContext(
        repository=repository,
        branch=branch,
        sha=sha,
        base_sha=base_sha,
        base_ref=base_ref or default,
        fallback_ref=fallback_ref,
        # a queue entry is built on the base's tip: that is its merge base, whatever the checkout's depth
        merge_base_sha=base_sha if event == "merge_group" else None,
        pr_number=pr_number,
        event=event,
        workflow_run_url=url,
    )


def workflow_run_id(url: object) -> int | None:
    """The workflow run id in a run's stamped ``workflow_run_url`` (:func:`ci_context` builds it), whichever attempt
    made the run; ``None`` when there is no such URL."""
    found = _RUN_URL.fullmatch(url) if isinstance(url, str) else None
    return int(found[1]) if found is not None else None


def workflow_run_attempt(url: object) -> str | None:
    """The workflow run attempt of a ``workflow_run_url`` (:func:`ci_context` builds it) as ``<run id>.<attempt>``,
    ``<run id>.?`` when it names no attempt (the runner set no ``GITHUB_RUN_ATTEMPT``); ``None`` without such a URL."""
    found = _RUN_URL.fullmatch(url) if isinstance(url, str) else None
    return f"{found[1]}.{found[2] or '?'}" if found is not None else None


def load_event_payload(path: str | Path) -> dict[str, Any]:
    """Read the event payload GitHub wrote to ``GITHUB_EVENT_PATH``; :class:`SettingsError` if it is
    missing, unreadable, no file (a named pipe, a device: read, it blocked for ever), not JSON (nested too deeply, or a
    number too long to read) or not an object."""

    def wrong(message: str) -> SettingsError:
        return SettingsError("GITHUB_EVENT_PATH", message, kind="environment")

    try:
        text = read_regular(path).decode("utf-8")
    except FileNotFoundError:
        raise wrong(f"no event payload at {str(path)!r}") from None
    except NotAFile as exc:
        raise wrong(f"the event payload {str(path)!r} is {exc}, not the event's JSON file the runner writes") from None
    except (OSError, UnicodeDecodeError) as exc:  # an OSError's strerror: the file opened is named by its descriptor
        raise wrong(f"cannot read the event payload {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise wrong(f"the event payload {str(path)!r} is not JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:  # the parser's stack: an array nested 100,000 deep
        raise wrong(f"the event payload {str(path)!r} is JSON nested too deeply to read") from None
    except ValueError as exc:  # the interpreter's limit on an int's digits (sys.get_int_max_str_digits)
        raise wrong(f"the event payload {str(path)!r} cannot be read: {str(exc).split(':')[0]}") from None
    if not isinstance(payload, dict):
        raise wrong(f"the event payload {str(path)!r} is a JSON {type(payload).__name__}, expected an object")
    return payload


def quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def http_url(value: str, name: str, kind: Literal["input", "environment", "flag"] = "input") -> str:
    url = http_url_or_none(value)
    if url is None:
        raise SettingsError(name, f"{HTTP_URL_EXPECTED}, got {quote(shown_url(value))}", kind=kind)
    return url


def env_text(env: Mapping[str, str], name: str) -> str | None:
    """The variable ``name`` of ``env``, stripped; ``None`` when it is unset or empty (empty means unset). Raises
    SettingsError naming it when it is not UTF-8 (Python keeps such bytes as lone surrogates, which no file, request or
    log line of ours can take: a traceback when the report was written)."""
    value = env.get(name, "").strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        at = f"character {exc.start + 1}"
        raise SettingsError(name, f"is not UTF-8 text (a byte that is not, at {at})", kind="environment") from None
    return value or None


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    value = env_text(env, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise SettingsError(name, f"expected a whole number ≥ 1, got {quote(value)}", kind="environment")
    return int(value)


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """Runner-set flags (``CI``, ``GITHUB_ACTIONS``, ``RUNNER_DEBUG``): lenient, since a user's shell may set
    them to anything; only a recognised true value counts."""
    return (env_text(env, name) or "").lower() in TRUE


class _Payload:
    """Typed reads from the event payload, or a part of it found at ``prefix`` (``workflow_run.``); a wrong type is
    a :class:`SettingsError` naming the path."""

    def __init__(self, data: Any, prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix

    def _get(self, path: str) -> Any:
        node = self.data
        for part in path.split("."):
            if not isinstance(node, Mapping):
                return None
            node = node.get(part)
        return node

    def wrong(self, path: str, message: str) -> SettingsError:
        return SettingsError(self.prefix + path, message, kind="event payload")

    def obj(self, path: str) -> Mapping[str, Any] | None:
        value = self._get(path)
        if value is None or isinstance(value, Mapping):
            return value
        raise self.wrong(path, f"expected an object, got {type(value).__name__}")

    def text(self, path: str) -> str | None:
        value = self._get(path)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.wrong(path, f"expected a string, got {type(value).__name__}")
        return value.strip() or None

    def number(self, path: str) -> int | None:
        value = self._get(path)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            shown = repr(value) if isinstance(value, int | float | bool) else type(value).__name__
            raise self.wrong(path, f"expected a positive integer, got {shown}")
        return value

    def sha(self, path: str) -> str | None:
        value = self.text(path)
        if value is None:
            return None
        if not _SHA.fullmatch(value):
            raise self.wrong(path, f"expected a commit sha, got {quote(value)}")
        return None if _NULL_SHA.fullmatch(value) else value


def from_a_fork(head: str | None, base: str | None) -> bool:
    """A head repository that is gone (``None``) or differs from the base repository is a fork."""
    return head is None or base is None or head.lower() != base.lower()


def github_context(env: Mapping[str, str], event_payload: Mapping[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "repository": env_text(env, "GITHUB_REPOSITORY"),
        "event_name": env_text(env, "GITHUB_EVENT_NAME"),
        "sha": env_text(env, "GITHUB_SHA"),
        "ref": env_text(env, "GITHUB_REF"),
        "ref_name": env_text(env, "GITHUB_REF_NAME"),
        "head_ref": env_text(env, "GITHUB_HEAD_REF"),
        "base_ref": env_text(env, "GITHUB_BASE_REF"),
        "run_id": _env_int(env, "GITHUB_RUN_ID"),
        "run_attempt": _env_int(env, "GITHUB_RUN_ATTEMPT"),  # None: unknown, not the first
        "github_server_url": http_url(v, "GITHUB_SERVER_URL", "environment")
        if (v := env_text(env, "GITHUB_SERVER_URL"))
        else DEFAULT_GITHUB_SERVER_URL,
        "github_api_url": http_url(v, "GITHUB_API_URL", "environment")
        if (v := env_text(env, "GITHUB_API_URL"))
        else DEFAULT_GITHUB_API_URL,
        "workspace": Path(v) if (v := env_text(env, "GITHUB_WORKSPACE")) else None,
        "output_path": Path(v) if (v := env_text(env, "GITHUB_OUTPUT")) else None,
        "step_summary_path": Path(v) if (v := env_text(env, "GITHUB_STEP_SUMMARY")) else None,
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
        for side in ("head", "base"):  # an object, or null (a deleted fork's head): anything else is refused
            payload.obj(f"pull_request.{side}.repo")
        head_name = payload.text("pull_request.head.repo.full_name")
        base_name = payload.text("pull_request.base.repo.full_name") or values.get("repository", context["repository"])
        values.update(
            pr_number=payload.number("pull_request.number") or payload.number("number"),
            pr_head_sha=payload.sha("pull_request.head.sha"),
            base_sha=payload.sha("pull_request.base.sha"),
            is_fork=from_a_fork(head_name, base_name),
        )
        if context["head_ref"] is None:
            values["head_ref"] = payload.text("pull_request.head.ref")
        if context["base_ref"] is None:
            values["base_ref"] = payload.text("pull_request.base.ref")

    if payload.obj("issue.pull_request") is not None:  # issue_comment on a pull request ("/evaluate"): its number;
        values["pr_number"] = payload.number("issue.number")  # its head, base and fork status are GitHub's (locate)
        values["commenter"] = tuple(
            payload.text(f"comment.{at}") for at in ("user.login", "author_association", "created_at")
        )

    if payload.obj("merge_group") is not None:
        values["base_sha"] = payload.sha("merge_group.base_sha")
        if base_ref := payload.text("merge_group.base_ref"):
            values["base_ref"] = base_ref.removeprefix("refs/heads/")

    if (found := payload.obj("workflow_run")) is not None:
        run = _Payload(found, "workflow_run.")
        pull_requests = found.get("pull_requests") or []
        if not isinstance(pull_requests, list):
            raise run.wrong("pull_requests", "expected a list")
        prs = [_Payload(pr, f"workflow_run.pull_requests[{i}].") for i, pr in enumerate(pull_requests)]
        listed = [(number, pr) for pr in prs if (number := pr.number("number")) is not None]
        numbers = tuple(number for number, _ in listed)
        head_name = run.text("head_repository.full_name")
        base_name = run.text("repository.full_name") or context["repository"]
        triggering = TriggeringRun(
            run_id=run.number("id"),
            head_sha=run.sha("head_sha"),
            head_branch=run.text("head_branch"),
            pr_numbers=numbers,
            is_fork=from_a_fork(head_name, base_name),
            conclusion=run.text("conclusion"),
        )
        values["triggering_run"] = triggering
        values["is_fork"] = triggering.is_fork
        if len(listed) == 1:
            number, pr = listed[0]
            values["pr_number"] = number
            values["pr_head_sha"] = pr.sha("head.sha") or triggering.head_sha
            values["head_ref"] = pr.text("head.ref") or triggering.head_branch
            values["base_sha"] = pr.sha("base.sha")
            values["base_ref"] = pr.text("base.ref")

    return values

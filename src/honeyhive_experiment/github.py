"""GitHub: the only module that imports PyGithub. The sticky PR comment, and the pull request's commits.

PyGithub is configured once, in :class:`CommentPublisher`: ``per_page=100``, ``base_url`` (GitHub
Enterprise Server: ``https://<host>/api/v3``), a timeout, lazy objects (no request until a value is
needed) and a retry policy (:class:`_Retry`, a ``github.GithubRetry``, so rate-limit 403s are understood):

* 5xx, 429 and rate-limit 403s are retried (``retry_total`` times), with exponential backoff
  (``backoff`` × 2ⁿ) or as long as the answer says: ``Retry-After``, or for a primary rate limit
  (``X-RateLimit-Remaining: 0``) until ``X-RateLimit-Reset`` — unless that is longer than
  ``max_rate_limit_wait``, which gives up at once instead of blocking the job;
* a comment is created with POST, which is not idempotent: a POST that got a 5xx, or whose answer was
  lost (a connection reset, a read timeout), is never re-sent blindly (the comment may exist);
  :meth:`CommentPublisher.publish` looks for it first. A GraphQL query is a POST that writes nothing: it is sent
  by a client of its own (:class:`_QueryRetry`), which retries it as a GET;
* when retries run out the last answer becomes the error (``raise_on_status=False``), not an opaque
  ``requests`` ``RetryError``, with GitHub's message (a secondary rate limit's 403 says so only in its body, which
  ``GithubRetry`` read: :meth:`_Retry.increment` keeps it).

Only the token's own comments are ever edited, and only those whose body starts with the hidden marker, where the
report writes it (a comment of the same account that quotes it elsewhere is another workflow's, or quotes one).
Anyone who can comment on a pull request can paste the marker; such a comment is left alone, so it can neither be
made to carry the result nor hide it, and one warning says how many were (naming the first three: not one annotation
each, which would push the check's own warnings out of the ten a step shows). Who the token is, when a comment
starts with the marker: the job's own ``GITHUB_TOKEN`` (``workflow_token``: the action compares github-token with
the job's token, its job-token input) is the GitHub Actions app's bot, ``github-actions[bot]``, on github.com and on
an Enterprise Server, whose GraphQL may not name it; any other token is asked, ``GET /user`` for a personal access
token, and for an installation token (a GitHub App's), which is refused that (403), GraphQL's ``viewer``, which
names its app's bot (``my-app[bot]``). When GitHub does not say (an error, a rate limit, an answer without a login)
nothing is edited: the publish fails, saying so. ``github-actions[bot]`` is not assumed then: it is every workflow's
``GITHUB_TOKEN``, a pull request's own workflow's included, so a comment it wrote is not ours unless our token is
that one.

Publishing never raises for anything GitHub does: a failure is :class:`PublishResult` ``failed`` with
a warning (a 403 names the ``pull-requests: write`` permission; JSON of other types than GitHub's, which PyGithub
cannot read, names the step), and the check's outcome follows the verdict only. The token is sent in the
``Authorization`` header only; it is not in ``repr``, logs, results or warnings.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ClassVar, Final, Literal
from urllib.parse import urlsplit

from github import Auth, BadAttributeException, Github, GithubException, GithubRetry, RateLimitExceededException
from github.Issue import Issue
from github.IssueComment import IssueComment
from github.Requester import Requester
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import HTTPResponse
from urllib3.util.retry import Retry

from honeyhive_experiment.context import DEFAULT_GITHUB_API_URL, from_a_fork
from honeyhive_experiment.errors import ExperimentError
from honeyhive_experiment.models.outcomes import and_more
from honeyhive_experiment.report.markers import comment_head_sha, parse_comment_metadata, posted_by
from honeyhive_experiment.settings import CommentMode

__all__ = [
    "COMMENT_MODES",
    "MAX_RATE_LIMIT_WAIT",
    "CommentPublisher",
    "PublishAction",
    "PublishResult",
    "PullRequestInfo",
]

log = logging.getLogger(__name__)

# PyGithub's import sets its logger to INFO and gives it a handler of its own, on stderr: every run that reads who an
# installation token is printed "Request GET /user failed with 403" twice (the 403 that token always gets), before
# "Updated the comment". Only its warnings are shown, through the root logger's handlers (redacted, as ours are).
_PYGITHUB_LOG: Final = logging.getLogger("github")
_PYGITHUB_LOG.setLevel(logging.WARNING)
_PYGITHUB_LOG.handlers = [handler for handler in _PYGITHUB_LOG.handlers if type(handler) is not logging.StreamHandler]

PublishAction = Literal["created", "updated", "skipped-stale", "skipped-off", "failed"]
COMMENT_MODES: Final[tuple[str, ...]] = tuple(mode.value for mode in CommentMode)

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_PERMISSION_HINT = "the workflow needs `permissions: pull-requests: write`"
_FORK_HINT = "pull requests from forks get a read-only token, so they cannot be commented on"
_SHA: Final = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")  # a commit's full name, SHA-1 or SHA-256
_VIEWER: Final = "query { viewer { login } }"
MAX_RATE_LIMIT_WAIT: Final = 300.0  # seconds: a rate limit that lasts longer is not waited out
_NOT_THE_CHECK: Final = "The check's result does not depend on the comment."
_WORKFLOW_BOT: Final = "github-actions[bot]"  # who the job's GITHUB_TOKEN comments as: the GitHub Actions app's bot


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What :meth:`CommentPublisher.publish` did. ``warning`` is for the log/annotations; never fatal."""

    action: PublishAction
    url: str | None = None
    comment_id: int | None = None
    warning: str | None = None

    @property
    def posted(self) -> bool:
        return self.action in ("created", "updated")


@dataclass(frozen=True, slots=True)
class PullRequestInfo:
    """What is read of a pull request: its head (is the report stale? what did an ``issue_comment`` run check out?),
    whether it is a fork, its base branch (where an ``issue_comment`` run's baseline is looked for) and when its head
    repository was last pushed to (was a fork's head pushed after the "/evaluate" comment?)."""

    head_sha: str
    head_repository: str | None  # owner/name; None when GitHub no longer knows it (deleted fork)
    is_fork: bool
    base_ref: str  # the branch it goes into
    pushed_at: str | None = None  # when its head repository was last pushed to (head.repo.pushed_at), as GitHub says


class _Retry(GithubRetry):
    """GitHub's retry, but for the POST that may have been applied and the wait too long (the module docstring)."""

    posts_write: ClassVar[bool] = True  # a POST creates something (a comment): see _QueryRetry
    _read = b""  # the body of the last 403 GithubRetry read (get_content)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if self.posts_write and method.upper() == "POST" and status_code >= 500:  # urllib3 does not say the URL here
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(  # type: ignore[override]  # GithubRetry's signature
        self,
        method: str | None = None,
        url: str | None = None,
        response: HTTPResponse | None = None,  # type: ignore[override]
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Retry:
        write = self.posts_write and (method or "").upper() == "POST"
        if error is not None and write and self._is_read_error(error):
            raise error  # as urllib3 does for a method it does not retry: CommentPublisher._create looks first
        # urllib3 would sleep for Retry-After whatever its length; PyGithub caps only the waits it computes itself
        wait = self.get_retry_after(response) if response is not None else None
        if wait is not None and self.max_rate_limit_wait is not None and wait > self.max_rate_limit_wait:
            # what urllib3 raises when retries run out: with raise_on_status=False the answer is returned as it is
            reason = ResponseError(f"Retry-After: {wait:g} s is longer than {self.max_rate_limit_wait:g} s")
            raise MaxRetryError(_pool, url or "", reason)  # type: ignore[arg-type]  # as urllib3's own increment
        self._read = b""
        try:
            return super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError:
            if response is None or not self._read:
                raise
            # the retries ran out on a rate limit GithubRetry read the 403's body of (a secondary limit without
            # Retry-After): urllib3 returns the answer without it, so the error is raised here, with GitHub's message
            # (as GithubRetry raises a 403 that is not a rate limit)
            headers = {name.lower(): value for name, value in response.headers.items()}  # as PyGithub's errors have
            raise Requester.createException(response.status, headers, json.loads(self._read)) from None

    def get_content(self, resp: HTTPResponse, url: str) -> bytes:  # type: ignore[override]
        """A 403's body, which GithubRetry reads to tell a rate limit from a refusal: kept for :meth:`increment`."""
        self._read = GithubRetry.get_content(resp, url)
        return self._read


class _QueryRetry(_Retry):
    """The retry of the client that sends only GraphQL queries, POSTs that write nothing: retried as a GET is
    (urllib3 asks :class:`_Retry` whether to retry a status without saying the URL)."""

    posts_write: ClassVar[bool] = False


class _Unreadable(OSError):
    """A 2xx answer that is not JSON: a proxy's or single sign-on's login page, a body cut short; or JSON that is not
    what was asked for (a pull request without its head commit). An OSError, as requests' own JSONDecodeError is:
    like a lost answer, it says nothing of what GitHub did."""


class _Unidentified(Exception):
    """GitHub did not say which account the token is (``why``), when a comment carries the marker: no comment can
    be told to be ours, so none is edited (nor one created beside what may be ours)."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"Could not tell which account the GitHub token comments as: {why}. A comment carrying this experiment's"
            " marker is edited only when that account wrote it, so the pull request's comment was not written."
            " The check's result does not depend on the comment."
        )


def _unreached(request: str, exc: OSError) -> str:
    if isinstance(exc, _Unreadable):  # it names the request
        return str(exc)
    return f"GitHub could not be reached for {request} ({_describe(exc)})"


def _read_strictly(requester: Requester) -> None:
    """Make ``requester`` raise :class:`_Unreadable`, naming the request, for an answer that is not JSON. PyGithub
    raises a JSONDecodeError for a body cut short, and reads any other text as ``{"data": text}``: an object whose
    fields are all None (a created comment without a url, a token whose account is "None"), or a TypeError deep
    inside."""
    send = requester.requestJsonAndCheck
    api = urlsplit(requester.base_url).path

    def checked(verb: str, url: str, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
        request = f"{verb} {urlsplit(url).path.removeprefix(api)}"
        try:
            headers, data = send(verb, url, *args, **kwargs)
        except json.JSONDecodeError as exc:  # PyGithub parses a body that starts with { or [
            raise _Unreadable(f"GitHub's answer to {request} could not be read: it is not valid JSON ({exc})") from exc
        if data is None or (
            isinstance(data, dict) and isinstance(data.get("data"), str) and data.keys() <= {"data", "url"}
        ):
            what = "it is empty" if data is None else f"it is not JSON ({headers.get('content-type', 'no type')})"
            raise _Unreadable(f"GitHub's answer to {request} could not be read: {what}")
        return headers, data

    setattr(requester, "requestJsonAndCheck", checked)  # noqa: B010 - this instance's, which every request goes through


def _same_commit(a: str, b: str) -> bool:
    """Equal shas, allowing either to be abbreviated (at least 7 hex digits)."""
    a, b = a.strip().lower(), b.strip().lower()
    return min(len(a), len(b)) >= 7 and (a.startswith(b) or b.startswith(a))


def _stale_reason(ours: str, current: str, shown: str | None) -> str | None:
    """Why a run for commit ``ours`` must not write, when the PR's head is ``current`` and the existing
    comment shows ``shown`` — or None when it may write: the head is ours, or the comment shows ours (our own
    "running" placeholder or an earlier result) or none (no comment, or one naming no commit). A run for a commit
    the head has moved on from still writes then: no run may come for the newer head (a ``[skip ci]`` commit, a push
    by the workflow's token), and our placeholder would say "running" for ever."""
    if _same_commit(ours, current) or shown is None or _same_commit(shown, ours):
        return None
    if _same_commit(shown, current):
        return (
            f"Not updating the pull request comment: it already shows the pull request's head {current[:7]},"
            f" and this run is for the older commit {ours[:7]}."
        )
    return (
        f"Not updating the pull request comment: it shows commit {shown[:7]}, and this run is for commit {ours[:7]}"
        f" (the pull request's head is now {current[:7]})."
    )


def _warn_another_jobs(existing: IssueComment, body: str) -> None:
    """A warning when ``existing`` shows a run another job of this workflow run made (the same workflow run attempt,
    another HoneyHive run): a matrix leg on the same experiment file, whose result ``body`` now replaces."""
    workflow, run = posted_by(existing.body), parse_comment_metadata(existing.body).get("run")
    if (
        workflow is not None
        and workflow == posted_by(body)
        and run not in (None, parse_comment_metadata(body).get("run"))
    ):
        log.warning(
            "The pull request's comment %s showed run %s, which another job of this workflow run made (a matrix leg"
            " on the same experiment file?)%s: this job's comment replaces it. Jobs that share an experiment file share"
            " its comment: to keep a comment each, give each leg its own variant (variant:"
            " ${{ matrix.<x> }}, where <x> is what the legs differ in), and the workflow that records baselines the"
            " same matrix and variant (else the legs find no baseline).",
            existing.html_url,
            run,
            ", or an earlier attempt of it (the runner set no GITHUB_RUN_ATTEMPT: which, it cannot tell)"
            if workflow.endswith("?")
            else "",
        )


def _is_rate_limited(exc: GithubException) -> bool:
    # an error's headers are PyGithub's, lower-cased (or urllib3's, which ignore case): .get() finds either
    headers = exc.headers or {}
    if isinstance(exc, RateLimitExceededException) or exc.status == 429:
        return True
    return exc.status == 403 and (headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers)


def _github_message(exc: GithubException) -> str:
    data = exc.data
    parts: list[str] = []
    if isinstance(data, Mapping):
        if isinstance(data.get("message"), str):
            parts.append(data["message"])
        errors = data.get("errors")
        if isinstance(errors, Iterable) and not isinstance(errors, str):
            for error in errors:
                if isinstance(error, Mapping) and isinstance(error.get("message"), str):
                    parts.append(error["message"])
                elif isinstance(error, Mapping) and "field" in error:
                    parts.append(f"{error.get('code', 'invalid')} {error['field']}")
    elif exc.message:
        parts.append(exc.message)
    return "; ".join(parts)


def _paced(api_url: str) -> bool:
    """Whether requests to ``api_url`` are paced: GitHub's servers (github.com, an Enterprise Server) have secondary
    rate limits; an address on this machine's loopback (``127.0.0.0/8``, ``::1``, ``localhost``) has not."""
    host = urlsplit(api_url).hostname or ""
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address
        return host != "localhost"


class CommentPublisher:
    """Posts one sticky comment per pull request and experiment file, found again by its marker."""

    def __init__(
        self,
        token: str,
        repository: str,
        *,
        api_url: str = DEFAULT_GITHUB_API_URL,
        retry_total: int = 3,
        backoff: float = 1.0,
        secondary_rate_wait: float = 60.0,
        max_rate_limit_wait: float | None = MAX_RATE_LIMIT_WAIT,
        seconds_between_requests: float | None = None,
        seconds_between_writes: float | None = None,
        fork_token: bool | None = None,
        workflow_token: bool = False,
        warned: set[str] | None = None,
    ) -> None:
        """The retry is the module docstring's (urllib3 waits 0 s before the first retry); ``secondary_rate_wait``:
        the wait after a secondary rate limit without ``Retry-After``. ``seconds_between_requests``/
        ``seconds_between_writes``: PyGithub's pacing, which keeps a job clear of GitHub's secondary rate limits;
        when not given, PyGithub's defaults (0.25 s, 1 s) toward a GitHub server, and none toward an API on this
        machine's loopback (a local proxy, or a test's fake server), which has no such limits (:func:`_paced`).
        ``fork_token``: whether the token is the read-only one GitHub gives a fork's pull request's job (a refused
        comment is then the fork's doing), or this repository's (a refusal is the workflow's ``permissions:``, a fork's
        pull request or not: an ``issue_comment``'s job); None: not known, said as a fork's when the pull request is
        one. ``workflow_token``: the token is known to be the job's own ``GITHUB_TOKEN`` (the action's github-token is
        its job-token), whose account is ``github-actions[bot]``; otherwise GitHub is asked whose it is. ``warned``:
        the URLs of other accounts' marked comments already named in a warning, which are not named again, and the
        warnings of failed publishes already given, not given again (one set for every publisher of a job says each
        once; by default, once per publisher)."""
        if not _REPOSITORY.match(repository):
            raise ValueError(f"repository must be 'owner/name', got {repository!r}")
        self.repository = repository
        self._token = token
        self._fork_token = fork_token
        self._workflow_token = workflow_token
        self._warned = warned if warned is not None else set()
        if _paced(api_url):
            seconds_between_requests = 0.25 if seconds_between_requests is None else seconds_between_requests
            seconds_between_writes = 1.0 if seconds_between_writes is None else seconds_between_writes

        def client(retry: type[_Retry]) -> Github:
            github = Github(
                auth=Auth.Token(token),
                base_url=api_url.rstrip("/"),
                per_page=100,
                timeout=30,
                user_agent="honeyhive-experiment",
                retry=retry(
                    secondary_rate_wait=secondary_rate_wait,
                    max_rate_limit_wait=max_rate_limit_wait,
                    total=retry_total,
                    backoff_factor=backoff,
                    status_forcelist=[429, 500, 502, 503, 504],  # GithubRetry adds 403, checked for rate limits
                    allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"GET", "POST", "PATCH"},
                    raise_on_status=False,
                ),
                seconds_between_requests=seconds_between_requests,
                seconds_between_writes=seconds_between_writes,
                lazy=True,
            )
            _read_strictly(github.requester)
            return github

        self._github = client(_Retry)  # REST: the comments, the pull request, GET /user
        self._queries = client(_QueryRetry)  # GraphQL's read-only queries, retried as REST's GETs are
        self._repo = self._github.get_repo(repository)  # lazy: no request

    def close(self) -> None:
        self._github.close()
        self._queries.close()

    def __enter__(self) -> CommentPublisher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the sticky comment ------------------------------------------------------------------------

    def publish(
        self,
        pr_number: int,
        body: str,
        *,
        marker: str,
        earlier: str | None = None,
        head_sha: str | None = None,
        mode: CommentMode | str = CommentMode.UPDATE,
        comment_id: int | None = None,
    ) -> PublishResult:
        """Create or edit the comment on pull request ``pr_number`` whose body starts with ``marker`` (as ``body``
        must).

        ``update``: edit the newest comment starting with ``marker`` (every page of comments is read), else the newest
        starting with ``earlier`` (the marker an earlier version wrote, when given), or create one; no other comment
        is touched. ``new``: always create one. ``off``: nothing. With ``head_sha``, the comment of another commit is
        written over only by a run for the pull request's current head (a run for an older commit never overwrites
        the comment of a newer one); a run for an older commit writes its own (and one where there is none), saying
        that the head has moved on (:func:`_stale_reason`). ``comment_id``: the comment this job posted (its "running"
        one), which is edited in either mode, not the newest marked one (another run's, when runs overlap), and created
        again when it is gone (deleted, or its marker edited away). A comment deleted between reading it and editing
        it (the edit's 404) is created again, once.
        """
        if mode not in COMMENT_MODES:
            raise ValueError(f"comment mode must be one of {', '.join(COMMENT_MODES)}; got {mode!r}")
        if mode == "off":
            return PublishResult("skipped-off")
        if not marker or not body.startswith(marker):
            raise ValueError("the comment body must start with its marker, or the next run cannot find the comment")
        step = "reading the pull request's comments"
        pull: PullRequestInfo | None = None
        try:
            issue = self._repo.get_issue(pr_number)  # lazy: no request
            found = mode == "update" or comment_id is not None
            existing = self._find(issue, marker, earlier, comment_id) if found else None
            if head_sha is not None:
                step = "reading the pull request's head commit"
                pull = self._pull(pr_number)
                shown = comment_head_sha(existing.body) if existing else None  # the report's hidden metadata
                reason = _stale_reason(head_sha, pull.head_sha, shown)
                if reason is not None:
                    log.info("%s", reason)
                    return PublishResult(
                        "skipped-stale",
                        existing.html_url if existing else None,
                        existing.id if existing else None,
                        reason,
                    )
                if not _same_commit(head_sha, pull.head_sha):  # written all the same (see _stale_reason): said
                    moved = f"the pull request's head has since moved on to {pull.head_sha[:7]}"
                    body = f"{body.rstrip()}\n\n⚠️ This is for commit {head_sha[:7]}; {moved}.\n"
            if existing is not None:
                _warn_another_jobs(existing, body)
                step = "updating the comment"
                try:
                    existing.edit(body)
                except GithubException as exc:
                    if exc.status != 404:
                        raise
                    log.info("The comment %s was deleted since it was read: commenting anew", existing.html_url)
                else:
                    log.info("Updated the comment on pull request #%d: %s", pr_number, existing.html_url)
                    return PublishResult("updated", existing.html_url, existing.id)
            step = "creating the comment"
            created = self._create(issue, body, marker if mode == "update" else None)
            log.info("Commented on pull request #%d: %s", pr_number, created.html_url)
            return PublishResult("created", created.html_url, created.id)
        except GithubException as exc:
            return self._failed(pr_number, step, exc, pull)
        except _Unidentified as exc:
            return self._failure(str(exc))
        except _Unreadable as exc:
            return self._failure(f"While {step}, {exc}.")
        except (BadAttributeException, TypeError, AttributeError, KeyError, ValueError) as exc:  # PyGithub's reading
            # of JSON it did not expect: a proxy's {}, a list of other types, a write answered so (applied or not)
            what = f"GitHub's answer could not be read: it is not the JSON GitHub answers ({_describe(exc)})"
            log.debug("while %s", step, exc_info=True)  # a bug of ours would read so too: its traceback, with --debug
            return self._failure(f"While {step}, {what}. {_NOT_THE_CHECK}")
        except OSError as exc:  # requests' errors (connection refused/reset, timeouts) are OSErrors
            return self._failure(f"Could not reach GitHub while {step}: {exc}")

    def _find(
        self, issue: Issue, marker: str, earlier: str | None = None, comment_id: int | None = None
    ) -> IssueComment | None:
        """The newest comment starting with ``marker`` that the token's account wrote, else the newest starting
        with ``earlier`` (a marker elsewhere in a body is a quote); only the one whose id is ``comment_id``, when
        given. Other authors' are ignored, all of them in one warning. Raises :class:`_Unidentified` when a comment
        starts with one and GitHub does not say who the token is."""
        # every page; per_page=100, next pages from the Link header; oldest first
        comments = list(issue.get_comments())
        ignored: dict[int, IssueComment] = {}
        found: IssueComment | None = None
        for wanted in (marker, earlier) if earlier is not None else (marker,):
            marked = [comment for comment in comments if (comment.body or "").startswith(wanted)]
            if not marked:
                continue
            own = self._account.lower()
            for comment in marked:
                author = comment.user.login if comment.user is not None else None
                if author is not None and author.lower() == own:
                    if comment_id is None or comment.id == comment_id:
                        found = comment  # the newest one wins
                else:
                    ignored[comment.id] = comment
            if found is not None:
                break
        self._warn_ignored(list(ignored.values()))
        return found

    def _warn_ignored(self, ignored: list[IssueComment]) -> None:
        """One warning for the other accounts' marked comments not yet named in one: how many, and the first three
        (author and URL). Anyone who can comment can post them, as many as they like."""
        fresh = [comment for comment in ignored if comment.html_url not in self._warned]
        if not fresh:
            return
        self._warned.update(comment.html_url for comment in fresh)

        def by(comment: IssueComment) -> str:
            return comment.user.login if comment.user is not None else "a deleted account"

        if len(fresh) == 1:
            which = f"a comment by {by(fresh[0])} that carries"
            named = fresh[0].html_url
        else:
            which = f"{len(fresh)} comments by other accounts that carry"
            named = and_more([f"{by(comment)}: {comment.html_url}" for comment in fresh], 3, "; ")
        log.warning(
            "Ignoring %s this experiment's marker: only comments written by %s (the GitHub token's account) are"
            " edited. %s",
            which,
            self._account,
            named,
        )

    @functools.cached_property
    def _account(self) -> str:
        """The account the token comments as, asked once when first needed, as the module docstring says;
        :class:`_Unidentified` when GitHub does not say (asked again next time)."""
        if self._workflow_token:
            return _WORKFLOW_BOT
        try:
            user: object = self._github.get_user().login  # a personal access token: its user
        except GithubException as exc:
            if exc.status != 403 or _is_rate_limited(exc):
                raise _Unidentified(f"GitHub answered {_describe(exc)} to GET /user") from exc
        except OSError as exc:  # requests' errors, and _Unreadable (which names the request)
            raise _Unidentified(_unreached("GET /user", exc)) from exc
        else:
            if isinstance(user, str) and user:
                return user
            raise _Unidentified("GitHub's answer to GET /user named no account")
        # an installation token: GET /user is "not accessible by integration"; GraphQL's viewer is the app's bot
        refused = "GET /user was refused (HTTP 403, as it is to an installation token)"
        try:
            _, answer = self._queries.requester.graphql_query(_VIEWER, {})
        except GithubException as exc:
            raise _Unidentified(f"{refused}, and GitHub answered {_describe(exc)} to GraphQL's viewer query") from exc
        except OSError as exc:
            raise _Unidentified(f"{refused}, and {_unreached('GraphQL', exc)}") from exc
        viewer = answer.get("data") if isinstance(answer, Mapping) else None
        viewer = viewer.get("viewer") if isinstance(viewer, Mapping) else None
        login = viewer.get("login") if isinstance(viewer, Mapping) else None
        if isinstance(login, str) and login:
            return login
        raise _Unidentified(f"{refused}, and GitHub's answer to GraphQL's viewer query named no account")

    def _create(self, issue: Issue, body: str, marker: str | None) -> IssueComment:
        try:
            return issue.create_comment(body)
        except (GithubException, OSError) as exc:  # requests' errors are OSErrors
            if marker is None or (isinstance(exc, GithubException) and exc.status < 500):
                raise
            # a 5xx, or an answer lost on the way (a reset, a read timeout): it may still have been created
            log.info("Creating the comment failed (%s); checking whether it was created", _describe(exc))
            try:
                found = self._find(issue, marker)
            except _Unidentified:  # whether a marked comment is the one just created cannot be told: the failure
                raise exc from None
            if found is None:
                return issue.create_comment(body)
            if found.body != body:
                found.edit(body)
            return found

    def _failed(self, pr_number: int, step: str, exc: GithubException, pull: PullRequestInfo | None) -> PublishResult:
        answer = _describe(exc)
        if _is_rate_limited(exc):
            headers = exc.headers or {}
            reset, retry_after = headers.get("x-ratelimit-reset", ""), headers.get("retry-after", "")
            when = ""
            if reset.isdigit() and headers.get("x-ratelimit-remaining") == "0":
                when = f"; the limit resets at {datetime.fromtimestamp(int(reset), UTC):%H:%M:%S} UTC"
            elif retry_after.isdigit() and int(retry_after) > 0:  # longer than the job waits, or waited in vain
                when = f"; GitHub asked to wait {retry_after} s before trying again"
            warning = f"GitHub's API rate limit was exceeded ({answer}) while {step}{when}."
        elif exc.status == 403 or (exc.status == 404 and step in ("creating the comment", "updating the comment")):
            if pull is None and self._fork_token is not False:  # known not to be a fork's: no need to ask
                pull = self.pull_request(pr_number)
            fork = pull is not None and pull.is_fork
            if self._fork_token if self._fork_token is not None else fork:
                source = f"the fork {pull.head_repository or '(deleted)'}" if pull is not None and fork else "a fork"
                hint = f"this pull request comes from {source}, and {_FORK_HINT}; the report is in the job summary"
            elif self._fork_token is False:  # this repository's token (an issue_comment's job, a fork's or not)
                hint = (
                    f"{_PERMISSION_HINT} (this job's token is this repository's, not a fork's read-only one: it has"
                    " the permissions the workflow's `permissions:` give it)"
                )
            else:
                hint = f"{_PERMISSION_HINT} ({_FORK_HINT})"
            warning = f"GitHub refused {step} on pull request #{pr_number}: {answer}; {hint}."
        else:
            warning = f"GitHub answered {answer} while {step} on pull request #{pr_number}."
        log.debug("publishing the comment failed", exc_info=True)
        return self._failure(f"{warning} {_NOT_THE_CHECK}")

    def _failure(self, warning: str) -> PublishResult:
        """A publish that failed, and its ``warning`` redacted; none when a publisher of this job gave it already (the
        "running" comment's and the result's, refused alike)."""
        warning = self._redact(warning)
        given = warning in self._warned
        self._warned.add(warning)
        return PublishResult("failed", warning=None if given else warning)

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***")

    # -- the pull request (for publishing), the merge base (for the baseline) ----------------------

    def _pull(self, pr_number: int) -> PullRequestInfo:
        """``GET /pulls/{number}`` (one request), read from its JSON: PyGithub's lazy objects give None for a field
        the answer lacks (``{}`` from a proxy: no ``head``, and ``pull.head.repo`` crashes), raise a
        ``BadAttributeException`` (no GithubException) for one of another type, and send another request to complete
        a nested repository without its ``full_name``. An answer that names no head commit, head repository (null:
        a deleted fork's) or base branch is :class:`_Unreadable`, as one that is not JSON: it says nothing of the pull
        request, and the run would be no commit's, compared with no branch."""
        _, data = self._github.requester.requestJsonAndCheck("GET", f"{self._repo.url}/pulls/{pr_number}")
        pull = data if isinstance(data, Mapping) else {}
        head, base = pull.get("head"), pull.get("base")
        head = head if isinstance(head, Mapping) else {}
        base = base if isinstance(base, Mapping) else {}
        sha, ref, repo = head.get("sha"), base.get("ref"), head.get("repo", False)  # False: no "repo" at all
        head_sha = sha if isinstance(sha, str) and _SHA.fullmatch(sha) else None
        base_ref = ref if isinstance(ref, str) and ref.strip() else None
        full_name, pushed = (
            (repo.get("full_name"), repo.get("pushed_at")) if isinstance(repo, Mapping) else (None, None)
        )
        head_repository = full_name if isinstance(full_name, str) and full_name else None
        lacking = [
            what
            for what, missing in (
                ("head commit (head.sha)", head_sha is None),
                ("head repository (head.repo)", repo is not None and head_repository is None),  # null: deleted
                ("base branch (base.ref)", base_ref is None),
            )
            if missing
        ]
        if head_sha is None or base_ref is None or lacking:
            named = ", no ".join(lacking[:-1]) + (" and no " if len(lacking) > 1 else "") + lacking[-1]
            request = f"GET /pulls/{pr_number}"
            raise _Unreadable(f"GitHub's answer for pull request #{pr_number} names no {named} ({request})")
        return PullRequestInfo(
            head_sha=head_sha,
            head_repository=head_repository,
            is_fork=from_a_fork(head_repository, self.repository),
            base_ref=base_ref,
            pushed_at=pushed if isinstance(pushed, str) else None,
        )

    def pull_request(self, pr_number: int) -> PullRequestInfo | None:
        """Pull request ``pr_number``'s head, or None when GitHub did not say (logged at debug level)."""
        try:
            return self._pull(pr_number)
        except (GithubException, OSError) as exc:
            log.debug("could not read pull request #%d: %s", pr_number, self._redact(str(exc)))
            return None

    def read_pull_request(self, pr_number: int) -> PullRequestInfo:
        """Pull request ``pr_number`` as GitHub says it (``GET /pulls/{number}``: one request); when GitHub does not
        say, an :class:`~honeyhive_experiment.errors.ExperimentError` whose message is why (GitHub's answer, or what
        kept it from answering)."""
        try:
            return self._pull(pr_number)
        except (GithubException, OSError) as exc:
            if isinstance(exc, GithubException):
                why = f"GitHub answered {_describe(exc)} to GET /pulls/{pr_number}"
            elif isinstance(exc, _Unreadable):  # it names the request
                why = str(exc)
            else:  # requests' errors (connection refused/reset, timeouts) are OSErrors
                why = f"could not reach GitHub for GET /pulls/{pr_number}: {_describe(exc)}"
            raise ExperimentError(self._redact(why)) from None

    def merge_base(self, base_sha: str, head_sha: str, *, quiet: bool = False) -> str | None:
        """The merge base of two commits (``GET /compare/{base}...{head}``), or None if GitHub cannot tell (warned
        of, unless ``quiet``: a branch that shares no history with the base has none)."""
        try:
            found = self._repo.compare(base_sha, head_sha).merge_base_commit.sha
            if not (isinstance(found, str) and _SHA.fullmatch(found)):  # a proxy's {}: no commit, or no name of one
                raise _Unreadable("GitHub's compare answer names no merge base commit")
            return found
        except (GithubException, OSError, AttributeError, BadAttributeException) as exc:
            level = logging.DEBUG if quiet else logging.WARNING
            log.log(level, "Could not compare %s...%s on GitHub: %s", base_sha[:7], head_sha[:7], _describe(exc))
            return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, _Unreadable):
        return str(exc)
    if isinstance(exc, GithubException):
        detail = _github_message(exc)
        return f"HTTP {exc.status}" + (f" ({detail})" if detail else "")
    return f"{type(exc).__name__}: {exc}"

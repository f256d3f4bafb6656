"""A fake GitHub REST API on a loopback port, for the tests of ``honeyhive_experiment.github`` and the action.

    with FakeGitHub(token="ghs_test", repository="octo-org/widgets") as gh:
        gh.add_pull(7, head_sha="a" * 40)
        publisher = CommentPublisher(gh.token, gh.repository, api_url=gh.api_url)
        ...
        assert [c.body for c in gh.comments(7)] == [...]

It is a real HTTP server (Starlette on uvicorn, in a background thread, like ``honeyhive_local``'s
``LocalBackend``) that PyGithub reaches through ``base_url``. It serves under ``/api/v3`` by default, as
GitHub Enterprise Server does, and answers only what the action calls:

* ``GET  /repos/{owner}/{repo}``                       the repository
* ``GET  /repos/{owner}/{repo}/pulls/{n}``             head sha/ref/repo (``fork``, ``pushed_at``), base sha/ref
* ``GET  /repos/{owner}/{repo}/issues/{n}``            the pull request as an issue
* ``GET  /repos/{owner}/{repo}/issues/{n}/comments``   ``per_page`` (default 30, max 100) and ``page``,
  with RFC 8288 ``Link`` headers (``prev``, ``next``, ``last``, ``first``) built exactly like GitHub's
* ``POST /repos/{owner}/{repo}/issues/{n}/comments``   ``{"body": ...}``; 422 for an empty or too long body
* ``PATCH /repos/{owner}/{repo}/issues/comments/{id}`` ``{"body": ...}``
* ``GET  /repos/{owner}/{repo}/compare/{base}...{head}`` ``merge_base_commit`` from :meth:`set_merge_base`
* ``GET  /user``                                        the token's user for a personal access token
  (``token_user``); for an installation token (the workflow's ``GITHUB_TOKEN``, a GitHub App's: the default)
  403 "Resource not accessible by integration", as GitHub answers
* ``POST /graphql`` (``/api/graphql`` under ``/api/v3``)  only ``{ viewer { login } }``: the token's account
  (``token_user``, else ``bot_login``); 404 when :attr:`graphql_enabled` is off

Comments the action creates are written by the token's account: ``token_user`` for a personal access token,
else ``bot_login`` (``github-actions[bot]``); seeded comments by whoever the test names.

Every request needs ``Authorization: token <token>`` (or ``Bearer``), else 401 "Bad credentials".
Error bodies are GitHub's: ``{"message": ..., "documentation_url": ..., "status": "..."}``.

Knobs (all thread-safe; set them from the test at any time):

* :attr:`forbid_writes` — POST/PATCH (not a GraphQL query) answer 403 "Resource not accessible by integration", what the
  workflow token without ``pull-requests: write`` (or a fork's read-only token) gets;
* :meth:`rate_limit_next` — the next ``count`` requests are rate limited: a secondary limit (403 with
  ``Retry-After``), a primary limit (403, ``X-RateLimit-Remaining: 0`` + ``X-RateLimit-Reset``) or a 429;
* :meth:`fail_next` — the next ``count`` matching requests answer an error status, either before the
  request is applied or *after* (the write happened, the client sees a failure);
* :meth:`garble_next` — the next ``count`` matching requests answer a 200 that is not JSON (or is cut short);
* :meth:`answer_next` — the next ``count`` matching requests answer a 200 with the JSON given (not what was asked);
* :meth:`add_pull` / :meth:`push` / :meth:`add_comment` / :meth:`delete_comment` / :meth:`seed_comments` /
  :meth:`set_merge_base`.

What happened is inspectable: :meth:`comments` (per pull request, in id order), :attr:`requests`
(every request with its path without the prefix, query, status) and :attr:`writes` (POST/PATCH only; a
GraphQL query is a POST that writes nothing, so it is not among them).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from honeyhive_local.server import ServerThread

DEFAULT_TOKEN = "ghs_fake_workflow_token_0123456789"
DEFAULT_REPOSITORY = "octo-org/widgets"
BOT_LOGIN = "github-actions[bot]"
MAX_COMMENT_LENGTH = 65536
_DOCS = "https://docs.github.com/rest"
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_LOGIN_PAGE = "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Single sign-on required</body></html>"

RateLimitKind = Literal["secondary", "primary", "429"]


@dataclass(slots=True)
class FakePull:
    number: int
    head_sha: str
    base_sha: str
    head_ref: str = "feature"
    base_ref: str = "main"
    head_repository: str | None = None  # full name of the head repository; None = the repository itself
    pushed_at: datetime = _EPOCH  # when the head repository was last pushed to (add_pull, push: the fake's clock)


@dataclass(slots=True)
class FakeComment:
    id: int
    issue_number: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str  # without the prefix, e.g. /repos/octo-org/widgets/issues/7/comments
    query: Mapping[str, str]
    status: int
    body: Any = None  # the JSON body of a write
    port: int | None = None  # the client's port: one per connection (a client that keeps its connection, one)


@dataclass(slots=True)
class _Fault:
    remaining: int
    respond: Callable[[], Response]
    methods: Collection[str] | None
    after_apply: bool = False
    path: str | None = None  # requests whose path (without the prefix) ends so; None: any


@dataclass(slots=True)
class _State:
    pulls: dict[int, FakePull] = field(default_factory=dict)
    comments: dict[int, FakeComment] = field(default_factory=dict)
    merge_bases: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    next_comment_id: int = 1000
    clock: int = 0  # seconds after _EPOCH, one tick per change, so timestamps are ordered


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, message: str, doc: str = "", **extra: Any) -> JSONResponse:
    payload: dict[str, Any] = {"message": message, "documentation_url": f"{_DOCS}{doc}", "status": str(status)}
    payload.update(extra)
    return JSONResponse(payload, status_code=status)


class FakeGitHub:
    """A running fake GitHub REST API; a context manager that stops it on exit."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        repository: str = DEFAULT_REPOSITORY,
        prefix: str = "/api/v3",
        host: str = "127.0.0.1",
        bot_login: str = BOT_LOGIN,
        token_user: str | None = None,
        log_level: str = "warning",
    ) -> None:
        """``token_user``: the token is a personal access token of this user (``GET /user`` answers it);
        None: an installation token, whose account is the app's bot ``bot_login``."""
        self.token = token
        self.repository = repository
        self.owner, self.name = repository.split("/", 1)
        self.prefix = prefix.rstrip("/")
        self.bot_login = bot_login
        self.token_user = token_user
        self.graphql_enabled = True
        self.forbid_writes = False
        # called (on the server's thread, blocking it: every request waits) before a POST/PATCH is handled: a test's
        # "while posting"; it may call the knobs (add_comment, delete_comment, push ...), the lock is reentrant
        self.before_write: Callable[[str, str], None] | None = None
        self._lock = threading.RLock()
        self._state = _State()
        self._server = ServerThread(self._app(), host=host, log_level=log_level)
        self.host = host
        self.port: int = self._server.port

    @property
    def author(self) -> str:
        """Who the comments created with the token are written by."""
        return self.token_user or self.bot_login

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def api_url(self) -> str:
        """What to pass as PyGithub's ``base_url`` (``http://127.0.0.1:<port>/api/v3``)."""
        return f"{self.url}{self.prefix}"

    def start(self, timeout: float = 10.0) -> FakeGitHub:
        self._server.start(timeout, name="fake-github")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.stop(timeout)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- seeding -----------------------------------------------------------------------------------

    def add_pull(
        self,
        number: int,
        *,
        head_sha: str = "1" * 40,
        base_sha: str = "0" * 40,
        head_ref: str = "feature",
        base_ref: str = "main",
        head_repository: str | None = None,
    ) -> FakePull:
        """A pull request (and its issue). ``head_repository`` other than the repository makes it a fork PR."""
        with self._lock:
            pull = FakePull(number, head_sha, base_sha, head_ref, base_ref, head_repository, self._tick())
            self._state.pulls[number] = pull
        return pull

    def push(self, number: int, head_sha: str) -> None:
        """A new commit on the pull request's branch: its head sha changes, and its repository's ``pushed_at``."""
        with self._lock:
            self._state.pulls[number].head_sha = head_sha
            self._state.pulls[number].pushed_at = self._tick()

    def add_comment(self, number: int, body: str, *, user: str = "octocat") -> FakeComment:
        with self._lock:
            return self._new_comment(number, body, user)

    def delete_comment(self, comment_id: int) -> None:
        """A comment deleted (by a human, on the pull request's page): an edit of it answers 404."""
        with self._lock:
            del self._state.comments[comment_id]

    def seed_comments(
        self,
        number: int,
        count: int,
        *,
        body: Callable[[int], str] = "comment {}".format,
        user: str | Callable[[int], str] = "octocat",
    ) -> list[FakeComment]:
        """``count`` comments on pull request ``number``; ``body(i)`` gives the i-th body (0-based), ``user``
        its author (or ``user(i)``)."""
        author = user if callable(user) else (lambda i: user)
        with self._lock:
            return [self._new_comment(number, body(i), author(i)) for i in range(count)]

    def set_merge_base(self, base: str, head: str, merge_base: str) -> None:
        """What ``GET /compare/{base}...{head}`` answers as ``merge_base_commit.sha`` (otherwise 404)."""
        with self._lock:
            self._state.merge_bases[(base, head)] = merge_base

    # -- faults ------------------------------------------------------------------------------------

    def rate_limit_next(
        self,
        count: int = 1,
        *,
        kind: RateLimitKind = "secondary",
        retry_after: int | None = 0,
        reset_in: int = 0,
        methods: Collection[str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests (of ``methods``, default all) with a rate-limit response.

        ``secondary``: 403 "You have exceeded a secondary rate limit…" with ``Retry-After: retry_after``
        (omitted when None; PyGithub then waits its ``secondary_rate_wait``). ``primary``: 403 "API rate
        limit exceeded…" with ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` = now + ``reset_in``
        seconds (PyGithub waits until the reset plus one second; a negative ``reset_in`` — the window
        already rolled over — makes that wait zero). ``429``: HTTP 429 with ``Retry-After``.
        """

        def respond() -> Response:
            return self._rate_limited(kind, retry_after, reset_in)

        with self._lock:
            self._state.faults.append(_Fault(count, respond, _upper(methods)))

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 502,
        methods: Collection[str] | None = ("POST", "PATCH"),
        after_apply: bool = False,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``count`` requests of ``methods`` (None: all) with ``status`` (and ``Retry-After``,
        when given).

        With ``after_apply`` the write is applied first and only the answer is lost — a client that
        blindly re-sends it duplicates the comment.
        """

        def respond() -> Response:
            response = _error(status, "Server Error" if status >= 500 else "Error")
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            return response

        with self._lock:
            self._state.faults.append(_Fault(count, respond, _upper(methods), after_apply))

    def garble_next(self, count: int = 1, *, truncated: bool = False, methods: Collection[str] | None = None) -> None:
        """Answer the next ``count`` requests of ``methods`` (None: all), not applied, with a 200 that is not GitHub's
        JSON: a proxy's single sign-on page (HTML), or with ``truncated`` JSON cut short."""
        text, media_type = (
            ('{"id": 1, "body": "cut sh', "application/json") if truncated else (_LOGIN_PAGE, "text/html")
        )

        def respond() -> Response:
            return Response(text, 200, media_type=media_type)

        with self._lock:
            self._state.faults.append(_Fault(count, respond, _upper(methods)))

    def answer_next(
        self, body: Any, count: int = 1, *, methods: Collection[str] | None = None, path: str | None = None
    ) -> None:
        """Answer the next ``count`` requests of ``methods`` (None: all) whose path ends with ``path`` (when given),
        not applied, with a 200 whose JSON is ``body``: an answer that is JSON, but not the one asked for (a proxy's
        ``{}``, a pull request without its head commit)."""

        def respond() -> Response:
            return JSONResponse(body)

        with self._lock:
            self._state.faults.append(_Fault(count, respond, _upper(methods), path=path))

    # -- inspection --------------------------------------------------------------------------------

    def pull_json(self, number: int) -> dict[str, Any]:
        """What ``GET /pulls/{number}`` answers now (a copy: change it, and give it to :meth:`answer_next`)."""
        with self._lock:
            return json.loads(json.dumps(self._pull_json(self._state.pulls[number])))

    def comments(self, number: int) -> list[FakeComment]:
        """Pull request ``number``'s comments in id order (copies)."""
        with self._lock:
            return [
                FakeComment(c.id, c.issue_number, c.body, c.user, c.created_at, c.updated_at)
                for c in sorted(self._state.comments.values(), key=lambda c: c.id)
                if c.issue_number == number
            ]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    @property
    def writes(self) -> list[RecordedRequest]:
        return [
            r for r in self.requests if r.method in ("POST", "PATCH", "PUT", "DELETE") and r.path != self._graphql_path
        ]

    def clear_requests(self) -> None:
        with self._lock:
            self._state.requests.clear()

    # -- JSON shapes (the fields PyGithub's objects read) -------------------------------------------

    def _api(self, path: str) -> str:
        return f"{self.api_url}{path}"

    def _user(self, login: str) -> dict[str, Any]:
        bot = login.endswith("[bot]")
        return {
            "login": login,
            "id": 41898282 if bot else 583231,
            "node_id": "MDM6Qm90NDE4OTgyODI=" if bot else "MDQ6VXNlcjU4MzIzMQ==",
            "type": "Bot" if bot else "User",
            "site_admin": False,
            "url": self._api(f"/users/{quote(login)}"),
            "html_url": f"{self.url}/{quote(login)}",
        }

    def _repo_json(self, full_name: str | None = None) -> dict[str, Any]:
        full_name = full_name or self.repository
        owner, name = full_name.split("/", 1)
        return {
            "id": 1296269 if full_name == self.repository else 1296270,
            "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
            "name": name,
            "full_name": full_name,
            "owner": self._user(owner),
            "private": False,
            "fork": full_name != self.repository,
            "default_branch": "main",
            "url": self._api(f"/repos/{full_name}"),
            "html_url": f"{self.url}/{full_name}",
        }

    def _pull_json(self, pull: FakePull) -> dict[str, Any]:
        base = f"/repos/{self.repository}"
        head_repo = pull.head_repository or self.repository
        return {
            "id": 100000 + pull.number,
            "node_id": "PR_kwDOAAABc84",
            "number": pull.number,
            "state": "open",
            "title": f"Pull request #{pull.number}",
            "user": self._user("octocat"),
            "url": self._api(f"{base}/pulls/{pull.number}"),
            "html_url": f"{self.url}/{self.repository}/pull/{pull.number}",
            "issue_url": self._api(f"{base}/issues/{pull.number}"),
            "comments_url": self._api(f"{base}/issues/{pull.number}/comments"),
            "created_at": _iso(_EPOCH),
            "updated_at": _iso(_EPOCH),
            "merged": False,
            "draft": False,
            "head": {
                "label": f"{head_repo.split('/')[0]}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": pull.head_sha,
                "user": self._user(head_repo.split("/")[0]),
                "repo": {**self._repo_json(head_repo), "pushed_at": _iso(pull.pushed_at)},
            },
            "base": {
                "label": f"{self.owner}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": pull.base_sha,
                "user": self._user(self.owner),
                "repo": self._repo_json(),
            },
        }

    def _issue_json(self, pull: FakePull, comment_count: int) -> dict[str, Any]:
        base = f"/repos/{self.repository}"
        return {
            "id": 200000 + pull.number,
            "node_id": "I_kwDOAAABc84",
            "number": pull.number,
            "state": "open",
            "title": f"Pull request #{pull.number}",
            "user": self._user("octocat"),
            "comments": comment_count,
            "url": self._api(f"{base}/issues/{pull.number}"),
            "html_url": f"{self.url}/{self.repository}/pull/{pull.number}",
            "comments_url": self._api(f"{base}/issues/{pull.number}/comments"),
            "created_at": _iso(_EPOCH),
            "updated_at": _iso(_EPOCH),
            "pull_request": {
                "url": self._api(f"{base}/pulls/{pull.number}"),
                "html_url": f"{self.url}/{self.repository}/pull/{pull.number}",
            },
        }

    def _comment_json(self, comment: FakeComment) -> dict[str, Any]:
        base = f"/repos/{self.repository}"
        return {
            "id": comment.id,
            "node_id": f"IC_kwDO{comment.id}",
            "url": self._api(f"{base}/issues/comments/{comment.id}"),
            "html_url": f"{self.url}/{self.repository}/pull/{comment.issue_number}#issuecomment-{comment.id}",
            "issue_url": self._api(f"{base}/issues/{comment.issue_number}"),
            "body": comment.body,
            "user": self._user(comment.user),
            "author_association": "NONE" if comment.user.endswith("[bot]") else "MEMBER",
            "created_at": _iso(comment.created_at),
            "updated_at": _iso(comment.updated_at),
        }

    def _commit_json(self, sha: str) -> dict[str, Any]:
        return {
            "sha": sha,
            "node_id": "C_kwDOAAABc9",
            "url": self._api(f"/repos/{self.repository}/commits/{sha}"),
            "html_url": f"{self.url}/{self.repository}/commit/{sha}",
            "commit": {"message": f"commit {sha[:7]}", "url": self._api(f"/repos/{self.repository}/git/commits/{sha}")},
            "parents": [],
        }

    # -- state changes (callers hold the lock) ------------------------------------------------------

    def _tick(self) -> datetime:
        self._state.clock += 1
        return _EPOCH + timedelta(seconds=self._state.clock)

    def _new_comment(self, number: int, body: str, user: str) -> FakeComment:
        moment = self._tick()
        comment = FakeComment(self._state.next_comment_id, number, body, user, moment, moment)
        self._state.next_comment_id += 1
        self._state.comments[comment.id] = comment
        return comment

    def _rate_limited(self, kind: RateLimitKind, retry_after: int | None, reset_in: int) -> Response:
        now = int(time.time())
        headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4000", "X-RateLimit-Reset": str(now + 3600)}
        if kind == "primary":
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(now + reset_in)})
            message = "API rate limit exceeded for installation ID 4242."
            status = 403
        else:
            message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            status = 429 if kind == "429" else 403
            if retry_after is not None:
                headers["Retry-After"] = str(retry_after)
        response = _error(status, message, "/overview/rate-limits-for-the-rest-api")
        response.headers.update(headers)
        return response

    # -- the app -----------------------------------------------------------------------------------

    @property
    def _graphql_path(self) -> str:
        """GitHub's GraphQL endpoint: ``/graphql`` on api.github.com, ``/api/graphql`` on Enterprise Server
        (whose REST API is under ``/api/v3``)."""
        return self.prefix.removesuffix("/v3") + "/graphql"

    def _app(self) -> Starlette:
        repo = self.prefix + "/repos/{owner}/{repo}"
        routes = [
            Route(self.prefix + "/user", self._endpoint(self._get_user), methods=["GET"]),
            Route(self._graphql_path, self._endpoint(self._graphql), methods=["POST"]),
            Route(repo, self._endpoint(self._get_repo), methods=["GET"]),
            Route(repo + "/pulls/{number:int}", self._endpoint(self._get_pull), methods=["GET"]),
            Route(repo + "/issues/{number:int}", self._endpoint(self._get_issue), methods=["GET"]),
            Route(repo + "/issues/{number:int}/comments", self._endpoint(self._list_comments), methods=["GET"]),
            Route(repo + "/issues/{number:int}/comments", self._endpoint(self._create_comment), methods=["POST"]),
            Route(repo + "/issues/comments/{id:int}", self._endpoint(self._edit_comment), methods=["PATCH"]),
            Route(repo + "/compare/{basehead:path}", self._endpoint(self._compare), methods=["GET"]),
        ]
        return Starlette(routes=routes)

    def _endpoint(self, handler: Callable[[Request, Any], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            payload: Any = None
            if raw:
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = None
            with self._lock:
                response = self._dispatch(request, handler, payload)
                path = request.url.path.removeprefix(self.prefix)
                self._state.requests.append(
                    RecordedRequest(
                        request.method,
                        path,
                        dict(request.query_params),
                        response.status_code,
                        payload,
                        request.client.port if request.client else None,
                    )
                )
            return response

        return endpoint

    def _dispatch(self, request: Request, handler: Callable[[Request, Any], Response], payload: Any) -> Response:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or credential != self.token:
            return _error(401, "Bad credentials")
        params = request.path_params
        if "owner" in params and (params["owner"], params["repo"]) != (self.owner, self.name):
            return _error(404, "Not Found", "/repos/repos#get-a-repository")
        write = request.method in ("POST", "PATCH", "PUT", "DELETE") and request.url.path != self._graphql_path
        if self.before_write is not None and write:
            self.before_write(request.method, request.url.path.removeprefix(self.prefix))
        fault = self._take_fault(request.method, request.url.path)
        if fault is not None and not fault.after_apply:
            return fault.respond()
        if self.forbid_writes and write:
            return _error(403, "Resource not accessible by integration", "/issues/comments#create-an-issue-comment")
        response = handler(request, payload)
        if fault is not None:
            return fault.respond()
        response.headers.update({"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", "X-RateLimit-Used": "1"})
        return response

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._state.faults:
            if (fault.methods is None or method in fault.methods) and path.endswith(fault.path or ""):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._state.faults.remove(fault)
                return fault
        return None

    def _pull_or_none(self, request: Request) -> FakePull | None:
        return self._state.pulls.get(request.path_params["number"])

    def _get_user(self, request: Request, payload: Any) -> Response:
        if self.token_user is None:  # an installation token has no user
            return _error(403, "Resource not accessible by integration", "/users/users#get-the-authenticated-user")
        return JSONResponse(self._user(self.token_user))

    def _graphql(self, request: Request, payload: Any) -> Response:
        if not self.graphql_enabled:
            return _error(404, "Not Found", "/graphql")
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str) or " ".join(query.split()) != "query { viewer { login } }":
            return JSONResponse({"errors": [{"message": "this fake answers only { viewer { login } }"}]})
        return JSONResponse({"data": {"viewer": {"login": self.author}}})

    def _get_repo(self, request: Request, payload: Any) -> Response:
        return JSONResponse(self._repo_json())

    def _get_pull(self, request: Request, payload: Any) -> Response:
        pull = self._pull_or_none(request)
        if pull is None:
            return _error(404, "Not Found", "/pulls/pulls#get-a-pull-request")
        return JSONResponse(self._pull_json(pull))

    def _get_issue(self, request: Request, payload: Any) -> Response:
        pull = self._pull_or_none(request)
        if pull is None:
            return _error(404, "Not Found", "/issues/issues#get-an-issue")
        count = sum(1 for c in self._state.comments.values() if c.issue_number == pull.number)
        return JSONResponse(self._issue_json(pull, count))

    def _list_comments(self, request: Request, payload: Any) -> Response:
        pull = self._pull_or_none(request)
        if pull is None:
            return _error(404, "Not Found", "/issues/comments#list-issue-comments")
        per_page = min(max(_int(request.query_params.get("per_page"), 30), 1), 100)
        page = max(_int(request.query_params.get("page"), 1), 1)
        thread = sorted((c for c in self._state.comments.values() if c.issue_number == pull.number), key=lambda c: c.id)
        last = max((len(thread) + per_page - 1) // per_page, 1)
        chunk = thread[(page - 1) * per_page : page * per_page]
        response = JSONResponse([self._comment_json(c) for c in chunk])
        links = []
        url = self._api(f"/repos/{self.repository}/issues/{pull.number}/comments")

        def link(target: int, rel: str) -> str:
            return f'<{url}?{urlencode({"per_page": per_page, "page": target})}>; rel="{rel}"'

        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links.extend([link(page + 1, "next"), link(last, "last")])
        if page > 1:
            links.append(link(1, "first"))
        if links:
            response.headers["Link"] = ", ".join(links)
        return response

    def _valid_body(self, payload: Any) -> str | JSONResponse:
        body = payload.get("body") if isinstance(payload, dict) else None
        if not isinstance(body, str) or not body:
            return _error(
                422,
                "Validation Failed",
                "/issues/comments#create-an-issue-comment",
                errors=[{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
            )
        if len(body) > MAX_COMMENT_LENGTH:
            return _error(
                422,
                "Validation Failed",
                "/issues/comments#create-an-issue-comment",
                errors=[
                    {
                        "resource": "IssueComment",
                        "code": "custom",
                        "field": "body",
                        "message": f"body is too long (maximum is {MAX_COMMENT_LENGTH} characters)",
                    }
                ],
            )
        return body

    def _create_comment(self, request: Request, payload: Any) -> Response:
        pull = self._pull_or_none(request)
        if pull is None:
            return _error(404, "Not Found", "/issues/comments#create-an-issue-comment")
        body = self._valid_body(payload)
        if isinstance(body, JSONResponse):
            return body
        comment = self._new_comment(pull.number, body, self.author)
        return JSONResponse(self._comment_json(comment), status_code=201)

    def _edit_comment(self, request: Request, payload: Any) -> Response:
        comment = self._state.comments.get(request.path_params["id"])
        if comment is None:
            return _error(404, "Not Found", "/issues/comments#update-an-issue-comment")
        body = self._valid_body(payload)
        if isinstance(body, JSONResponse):
            return body
        comment.body = body
        comment.updated_at = self._tick()
        return JSONResponse(self._comment_json(comment))

    def _compare(self, request: Request, payload: Any) -> Response:
        base, sep, head = request.path_params["basehead"].partition("...")
        merge_base = self._state.merge_bases.get((base, head)) if sep else None
        if merge_base is None:
            return _error(404, "Not Found", "/commits/commits#compare-two-commits")
        return JSONResponse(
            {
                "url": self._api(f"/repos/{self.repository}/compare/{base}...{head}"),
                "html_url": f"{self.url}/{self.repository}/compare/{base}...{head}",
                "status": "diverged",
                "ahead_by": 1,
                "behind_by": 1,
                "total_commits": 1,
                "base_commit": self._commit_json(base),
                "merge_base_commit": self._commit_json(merge_base),
                "commits": [self._commit_json(head)],
                "files": [],
            }
        )


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _upper(methods: Collection[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.upper() for m in methods)


logging.getLogger("uvicorn.error").propagate = False

"""The sticky PR comment, against a fake GitHub REST API that PyGithub reaches over a real socket.

The fake (``tests.fakes.FakeGitHub``) serves under ``/api/v3`` like GitHub Enterprise, so every test
also proves that ``api_url`` is honoured. Waits are zero: PyGithub's pacing is turned off, the backoff
factor is 0 and the fake's rate limits say ``Retry-After: 0`` (or a reset already in the past), or ask for
longer than ``max_rate_limit_wait``, which is never waited for.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import honeyhive_experiment
from honeyhive_experiment.config import CommentConfig
from honeyhive_experiment.errors import ExperimentError
from honeyhive_experiment.github import CommentPublisher, PublishResult
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report.markers import comment_head_sha
from honeyhive_experiment.report.markers import marker as marker_of
from tests.fakes import FakeGitHub
from tests.fakes.github_server import RateLimitKind
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.honeyhive_experiment.report.scenarios import base_input, render_comment

pytestmark = pytest.mark.integration

PR = 7
HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
NEWER = "ffeeddccbbaa00998877665544332211ffeeddcc"
MARKER = "<!-- honeyhive-experiment:comment key=qa-suite -->"
BOT = "github-actions[bot]"  # the workflow's GITHUB_TOKEN's account: every workflow's

PublisherFactory = Callable[..., CommentPublisher]


def body(text: str, head: str = HEAD) -> str:
    return f"{MARKER}\n<!-- honeyhive-experiment:meta head={head} run=r1 -->\n{text}\n"


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.add_pull(PR, head_sha=HEAD)
        yield fake


@pytest.fixture
def make_publisher(gh: FakeGitHub) -> Iterator[PublisherFactory]:
    made: list[CommentPublisher] = []

    def make(**overrides: object) -> CommentPublisher:
        options: dict[str, object] = {
            "api_url": gh.api_url,
            "backoff": 0.0,
            "secondary_rate_wait": 0.0,
            "seconds_between_requests": 0,
            "seconds_between_writes": 0,
        }
        options.update(overrides)
        publisher = CommentPublisher(gh.token, gh.repository, **options)  # type: ignore[arg-type]
        made.append(publisher)
        return publisher

    yield make
    for publisher in made:
        publisher.close()


def bot_comments(gh: FakeGitHub) -> list[str]:
    return [c.body for c in gh.comments(PR) if c.user == gh.bot_login]


def test_the_comment_is_created_once_and_edited_on_the_second_run(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    first = make_publisher().publish(PR, body("first run"), marker=MARKER, head_sha=HEAD)
    second = make_publisher().publish(PR, body("second run"), marker=MARKER, head_sha=HEAD)  # a new process

    assert first.action == "created"
    assert second.action == "updated"
    assert second.comment_id == first.comment_id
    assert second.url == first.url
    assert first.url is not None
    assert f"#issuecomment-{first.comment_id}" in first.url
    assert bot_comments(gh) == [body("second run")]
    assert [(w.method, w.body) for w in gh.writes] == [
        ("POST", {"body": body("first run")}),
        ("PATCH", {"body": body("second run")}),
    ]


def test_the_marker_is_found_on_page_3_of_250_comments(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    seeded = gh.seed_comments(
        PR,
        250,
        body=lambda i: body("an old run") if i == 230 else f"discussion {i}",
        user=lambda i: gh.bot_login if i == 230 else "octocat",
    )
    target = seeded[230]

    result = make_publisher().publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

    assert result.action == "updated"
    assert result.comment_id == target.id
    pages = [r.query for r in gh.requests if r.path.endswith(f"/issues/{PR}/comments") and r.method == "GET"]
    assert pages == [{"per_page": "100"}, {"per_page": "100", "page": "2"}, {"per_page": "100", "page": "3"}]
    thread = gh.comments(PR)
    assert len(thread) == 250  # no new comment
    assert [c.body for c in thread if MARKER in c.body] == [body("this run")]
    assert [w.method for w in gh.writes] == ["PATCH"]


def test_with_several_marked_comments_the_newest_is_edited(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    seeded = gh.seed_comments(
        PR,
        120,
        body=lambda i: body(f"old {i}") if i in (3, 110) else f"discussion {i}",
        user=lambda i: gh.bot_login if i in (3, 110) else "octocat",
    )

    result = make_publisher().publish(PR, body("this run"), marker=MARKER, mode="update")

    assert result.comment_id == seeded[110].id
    assert [c.body for c in gh.comments(PR) if MARKER in c.body] == [body("old 3"), body("this run")]


def test_an_other_experiments_comment_is_not_touched(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    other = gh.add_comment(PR, "<!-- honeyhive-experiment:comment key=latency -->\nlatency report", user=gh.bot_login)

    result = make_publisher().publish(PR, body("qa report"), marker=MARKER)

    assert result.action == "created"
    assert [c.body for c in gh.comments(PR)] == [other.body, body("qa report")]


EARLIER = "<!-- honeyhive-experiment:comment key=the-name -->"


@pytest.mark.parametrize(
    ("seeded", "edited"),
    [
        ([(EARLIER, "bot")], 0),  # an earlier version's comment: edited, and carries the marker from now on
        ([(EARLIER, "bot"), (MARKER, "bot")], 1),  # this version's own comment comes first, however old
        ([(MARKER, "bot"), (EARLIER, "bot")], 0),
        ([(EARLIER, "bot"), (EARLIER, "bot")], 1),  # the newest of several; the other left as it is
        ([(EARLIER, "mallory")], None),  # someone else's: never edited
    ],
)
def test_without_its_marker_the_comment_an_earlier_version_marked_is_edited(
    gh: FakeGitHub, make_publisher: PublisherFactory, seeded: list[tuple[str, str]], edited: int | None
) -> None:
    comments = [gh.add_comment(PR, f"{mark}\nold", user=gh.bot_login if who == "bot" else who) for mark, who in seeded]

    result = make_publisher().publish(PR, body("this run"), marker=MARKER, earlier=EARLIER)

    assert result.action == ("created" if edited is None else "updated")
    if edited is not None:
        assert result.comment_id == comments[edited].id
    bodies = [c.body for c in gh.comments(PR)]
    assert bodies.count(body("this run")) == 1
    assert len(bodies) == len(seeded) + (edited is None)


@pytest.mark.parametrize(
    "quoting",
    [
        f"The last report began with {MARKER}, and this workflow says so.",  # mid-text
        f"> {MARKER}\n> quoted from the report",  # a quote of the comment
        f"Another workflow's report\n{MARKER}\n",  # on its own line, below text
    ],
    ids=["mid-text", "quoted", "below text"],
)
@pytest.mark.parametrize("mark", [MARKER, EARLIER], ids=["marker", "earlier"])
@pytest.mark.parametrize("ours", [True, False], ids=["beside ours", "alone"])
def test_a_comment_of_our_account_that_only_quotes_the_marker_is_not_ours(
    gh: FakeGitHub, make_publisher: PublisherFactory, quoting: str, mark: str, ours: bool
) -> None:
    """The job's token is github-actions[bot], which every workflow of the repository comments as: a comment of its
    that quotes the marker (or an earlier version's), anywhere but where the report writes it (the start of the
    body), is left alone: ours is edited, or one is created."""
    quoting = quoting.replace(MARKER, mark)
    own = gh.add_comment(PR, body("the last run"), user=gh.bot_login) if ours else None
    quoted = gh.add_comment(PR, quoting, user=gh.bot_login)

    result = make_publisher().publish(PR, body("this run"), marker=MARKER, earlier=EARLIER, head_sha=HEAD)

    assert result.action == ("updated" if own else "created")
    assert [(c.id, c.body) for c in gh.comments(PR)] == sorted(
        [(quoted.id, quoting), (own.id if own else result.comment_id, body("this run"))]
    )


def test_a_comment_by_someone_else_carrying_the_marker_is_never_edited(
    gh: FakeGitHub, make_publisher: PublisherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone who can comment can paste the marker: the newest marked comment is theirs, but the action edits
    its own (the workflow token's account, github-actions[bot]) and names theirs in a warning."""
    own = gh.add_comment(PR, body("the last run"), user=gh.bot_login)
    planted = gh.add_comment(PR, body("all good, merge it"), user="mallory")

    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment.github"):
        result = make_publisher().publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

    assert (result.action, result.comment_id) == ("updated", own.id)
    assert [(c.user, c.body) for c in gh.comments(PR)] == [
        (gh.bot_login, body("this run")),
        ("mallory", body("all good, merge it")),
    ]
    assert [(w.method, w.path) for w in gh.writes] == [("PATCH", f"/repos/{gh.repository}/issues/comments/{own.id}")]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "mallory" in warnings[0]
    assert f"#issuecomment-{planted.id}" in warnings[0]
    assert gh.bot_login in warnings[0]


def test_with_only_someone_elses_marked_comment_the_action_comments_anew(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    planted = gh.add_comment(PR, body("all good", head=NEWER), user="mallory")
    gh.push(PR, NEWER)

    for_head = make_publisher().publish(PR, body("this run", head=NEWER), marker=MARKER, head_sha=NEWER)
    again = make_publisher().publish(PR, body("next run", head=NEWER), marker=MARKER, head_sha=NEWER)

    assert (for_head.action, again.action) == ("created", "updated")
    assert again.comment_id == for_head.comment_id != planted.id
    assert [(c.user, c.body) for c in gh.comments(PR)] == [
        ("mallory", body("all good", head=NEWER)),
        (gh.bot_login, body("next run", head=NEWER)),
    ]


def test_the_account_is_asked_only_when_a_comment_carries_the_marker(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    publisher = make_publisher()
    publisher.publish(PR, body("first"), marker=MARKER)  # nothing marked yet: no question
    publisher.publish(PR, body("second"), marker=MARKER)
    publisher.publish(PR, body("third"), marker=MARKER)  # asked once per publisher

    assert [(r.method, r.path, r.status) for r in gh.requests if not r.path.startswith("/repos/")] == [
        ("GET", "/user", 403),  # the workflow token is an installation token: GitHub refuses it /user
        ("POST", "/api/graphql", 200),  # { viewer { login } }
    ]
    assert bot_comments(gh) == [body("third")]


@pytest.mark.parametrize(
    ("options", "workflow_token", "own_login"),
    [
        ({"token_user": "octocat"}, False, "octocat"),  # a personal access token: GET /user
        ({"bot_login": "acme-evals[bot]"}, False, "acme-evals[bot]"),  # another app's installation token: GraphQL
        ({}, False, "github-actions[bot]"),  # the workflow's token, not known to be: GraphQL names its bot
        ({}, True, "github-actions[bot]"),  # known to be the job's token: not asked (GraphQL is off, as on GHES)
    ],
    ids=["personal-access-token", "github-app-token", "workflow-token-asked", "workflow-token-known"],
)
def test_the_tokens_own_comment_is_edited_whoever_the_token_is(
    options: dict[str, str], workflow_token: bool, own_login: str
) -> None:
    with FakeGitHub(**options) as fake:  # type: ignore[arg-type]
        fake.add_pull(PR, head_sha=HEAD)
        fake.graphql_enabled = not workflow_token
        others = {"octocat", "github-actions[bot]", "acme-evals[bot]"} - {own_login}
        for other in sorted(others):
            fake.add_comment(PR, body(f"by {other}"), user=other)
        own = fake.add_comment(PR, body("the last run"), user=own_login)
        for other in sorted(others):
            fake.add_comment(PR, body(f"later, by {other}"), user=other)
        publisher = CommentPublisher(
            fake.token,
            fake.repository,
            api_url=fake.api_url,
            backoff=0.0,
            seconds_between_requests=0,
            seconds_between_writes=0,
            workflow_token=workflow_token,
        )
        with publisher:
            result = publisher.publish(PR, body("this run"), marker=MARKER)

        assert (result.action, result.comment_id) == ("updated", own.id)
        assert [w.path for w in fake.writes] == [f"/repos/{fake.repository}/issues/comments/{own.id}"]
        assert fake.author == own_login
        asked = [r.path for r in fake.requests if not r.path.startswith("/repos/")]
        assert asked == ([] if workflow_token else ["/user"] + ([] if options.get("token_user") else ["/api/graphql"]))


def _viewer_unanswered(fake: FakeGitHub) -> None:
    fake.graphql_enabled = False  # 404: an Enterprise Server's proxy, an outage


def _viewer_5xx(fake: FakeGitHub) -> None:
    fake.fail_next(10, status=502, methods=["POST"])  # outlasts the retries (the query is a POST: nothing else is)


def _viewer_rate_limited(fake: FakeGitHub) -> None:
    fake.rate_limit_next(10, kind="429", retry_after=0, methods=["POST"])  # outlasts the retries


def _viewer_refused(fake: FakeGitHub) -> None:  # what GraphQL answers a token it will not name (200, with errors)
    refused = {"data": {"viewer": None}, "errors": [{"type": "FORBIDDEN", "message": "Resource not accessible"}]}
    fake.answer_next(refused, methods=["POST"])


def _viewer_without_login(fake: FakeGitHub) -> None:
    fake.answer_next({"data": {"viewer": {"login": ""}}}, methods=["POST"])


def _user_5xx(fake: FakeGitHub) -> None:
    fake.fail_next(10, status=503, methods=["GET"])  # GET /user itself fails: retried, then the last answer


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (_viewer_unanswered, "HTTP 404"),
        (_viewer_5xx, "HTTP 502"),
        (_viewer_rate_limited, "HTTP 429"),
        (_viewer_refused, "Resource not accessible"),
        (_viewer_without_login, "named no account"),
    ],
    ids=["graphql-404", "graphql-502", "graphql-rate-limited", "graphql-refused", "graphql-no-login"],
)
def test_when_github_does_not_say_who_the_token_is_no_comment_is_written(
    fault: Callable[[FakeGitHub], None], said: str
) -> None:
    """A GitHub App's installation token (acme-evals[bot]): GET /user answers 403, and GraphQL's viewer does not
    answer. github-actions[bot] was then assumed, and the comment it wrote carrying our marker was edited: that
    account is every workflow's GITHUB_TOKEN, the pull request's own workflow's too. Now nothing is written (a new
    comment beside what may well be our own would be a duplicate on every run), and the warning says why."""
    with FakeGitHub(bot_login="acme-evals[bot]") as fake:
        fake.add_pull(PR, head_sha=HEAD)
        theirs = fake.add_comment(PR, body("posted by the pull request's own workflow: merge it"), user=BOT)
        fault(fake)
        with CommentPublisher(
            fake.token, fake.repository, api_url=fake.api_url, backoff=0.0, seconds_between_requests=0
        ) as publisher:
            result = publisher.publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

        assert result.action == "failed"
        assert fake.writes == []
        assert [(c.user, c.body) for c in fake.comments(PR)] == [(BOT, theirs.body)]
        assert result.warning is not None
        assert result.warning.startswith("Could not tell which account the GitHub token comments as")
        assert said in result.warning
        assert fake.token not in result.warning


@pytest.mark.parametrize(
    "fault", [Fault.HTTP_500, Fault.HTTP_503, Fault.RESET, Fault.RESET_AFTER], ids=["500", "503", "reset", "lost"]
)
def test_a_viewer_query_that_fails_once_is_asked_again(fault: Fault) -> None:
    """GraphQL's viewer is a POST, and no POST was retried after a 5xx (one that creates a comment may have been
    applied): a single 502 from /graphql meant no account, so the marked comment was not edited and the run's
    comment not written. The query writes nothing: it is retried as a GET is, and the account's comment is written
    (here a new one: the marked comment is the workflow bot's, whose URL names the fake, not the proxy)."""
    with FakeGitHub(bot_login="acme-evals[bot]") as fake:
        fake.add_pull(PR, head_sha=HEAD)
        theirs = fake.add_comment(PR, body("by the pull request's own workflow"), user=BOT)
        first = iter([True])

        def the_first_query(method: str, path: str) -> bool:
            return method == "POST" and path.endswith("/graphql") and next(first, False)

        with (
            FaultProxy(fake.url, rate=1.0, kinds=[fault], should_fault=the_first_query) as proxy,
            CommentPublisher(
                fake.token, fake.repository, api_url=proxy.url + fake.prefix, backoff=0.0, seconds_between_requests=0
            ) as publisher,
        ):
            result = publisher.publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

        assert [injected.fault for injected in proxy.injected] == [fault]
        assert (result.action, result.warning) == ("created", None)
        assert [(c.user, c.body) for c in fake.comments(PR)] == [
            (BOT, theirs.body),
            ("acme-evals[bot]", body("this run")),
        ]
        queries = [r.status for r in fake.requests if r.path.endswith("/graphql")]
        assert queries == ([200, 200] if fault.after_forwarding else [200])  # asked again after a lost answer


def test_a_viewer_query_answered_502_then_200_by_github_is_retried() -> None:
    """The same, from the fake GitHub itself (PyGithub's base_url): 502, then the account."""
    with FakeGitHub(bot_login="acme-evals[bot]") as fake:
        fake.add_pull(PR, head_sha=HEAD)
        own = fake.add_comment(PR, body("the last run"), user="acme-evals[bot]")
        fake.fail_next(1, status=502, methods=["POST"])  # the query: no comment is created before it is answered
        with CommentPublisher(
            fake.token, fake.repository, api_url=fake.api_url, backoff=0.0, seconds_between_requests=0
        ) as publisher:
            result = publisher.publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

        assert (result.action, result.comment_id) == ("updated", own.id)
        assert [(r.method, r.path, r.status) for r in fake.requests if not r.path.startswith("/repos/")] == [
            ("GET", "/user", 403),
            ("POST", "/api/graphql", 502),
            ("POST", "/api/graphql", 200),
        ]
        assert [c.body for c in fake.comments(PR)] == [body("this run")]


def test_an_unknown_account_is_not_needed_where_no_comment_carries_the_marker() -> None:
    with FakeGitHub(bot_login="acme-evals[bot]") as fake:
        fake.add_pull(PR, head_sha=HEAD)
        fake.add_comment(PR, "a comment without the marker", user=BOT)
        fake.graphql_enabled = False
        with CommentPublisher(fake.token, fake.repository, api_url=fake.api_url, backoff=0.0) as publisher:
            result = publisher.publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

        assert result.action == "created"
        assert [c.user for c in fake.comments(PR)] == [BOT, "acme-evals[bot]"]
        assert [r.path for r in fake.requests if not r.path.startswith("/repos/")] == []


def test_a_lost_create_is_not_looked_for_among_comments_of_an_unknown_account() -> None:
    """A create answered with a 5xx may have been applied; a marked comment found then could be ours or not: the
    create's failure is the answer, not a guess."""
    with FakeGitHub(bot_login="acme-evals[bot]") as fake:
        fake.add_pull(PR, head_sha=HEAD)
        fake.graphql_enabled = False
        fake.fail_next(1, status=502, methods=["POST"], after_apply=True)
        with CommentPublisher(fake.token, fake.repository, api_url=fake.api_url, backoff=0.0) as publisher:
            result = publisher.publish(PR, body("this run"), marker=MARKER)

        assert result.action == "failed"
        assert result.warning is not None
        assert "HTTP 502" in result.warning
        assert "creating the comment" in result.warning
        assert [(c.user, c.body) for c in fake.comments(PR)] == [("acme-evals[bot]", body("this run"))]  # not twice


def test_others_marked_comments_are_one_bounded_warning(
    gh: FakeGitHub, make_publisher: PublisherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone who can comment can post the marker as often as they like: 15 such comments were 15 warnings per
    publish (30 a job: the "running" comment, then the result), and GitHub shows 10 warning annotations a step, so
    the check's own verdict warning, the last, was hidden. Now one warning a publish: how many, and the first three."""
    own = gh.add_comment(PR, body("the last run"), user=gh.bot_login)
    planted = gh.seed_comments(PR, 15, body=lambda i: f"{MARKER} spam {i}", user="mallory{}".format)

    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment.github"):
        result = make_publisher().publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

    assert (result.action, result.comment_id) == ("updated", own.id)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("Ignoring 15 comments by other accounts that carry this experiment's marker")
    for comment in planted[:3]:
        assert f"{comment.user}: {gh.url}/{gh.repository}/pull/{PR}#issuecomment-{comment.id};" in warnings[0]
    assert f"#issuecomment-{planted[3].id}" not in warnings[0]
    assert warnings[0].endswith("; and 12 more")
    assert len(warnings[0]) < 600


def test_a_job_names_each_ignored_comment_once(
    gh: FakeGitHub, make_publisher: PublisherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The publishers of one job (the "running" comment, then the result) share what they warned of."""
    gh.add_comment(PR, body("all good", head=NEWER), user="mallory")
    warned: set[str] = set()

    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment.github"):
        running = make_publisher(warned=warned).publish(PR, body("running"), marker=MARKER, head_sha=HEAD)
        first = [r.getMessage() for r in caplog.records]
        caplog.clear()
        later = gh.add_comment(PR, body("me too"), user="mallory")
        result = make_publisher(warned=warned).publish(PR, body("result"), marker=MARKER, head_sha=HEAD)
        second = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    assert (running.action, result.action) == ("created", "updated")
    assert result.comment_id == running.comment_id
    assert [w for w in first if w.startswith("Ignoring")] == [first[0]]
    assert first[0].startswith("Ignoring a comment by mallory that carries")
    assert len(second) == 1
    assert second[0].startswith("Ignoring a comment by mallory that carries")
    assert f"#issuecomment-{later.id}" in second[0]
    assert len(warned) == 2


def test_new_mode_always_creates_another_comment(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    publisher = make_publisher()
    first = publisher.publish(PR, body("one"), marker=MARKER, mode="new")
    second = publisher.publish(PR, body("two"), marker=MARKER, mode="new")

    assert (first.action, second.action) == ("created", "created")
    assert first.comment_id != second.comment_id
    assert bot_comments(gh) == [body("one"), body("two")]
    assert [w.method for w in gh.writes] == ["POST", "POST"]
    # new mode does not even read the thread
    assert not [r for r in gh.requests if r.method == "GET" and r.path.endswith("/comments")]


def test_the_comment_a_job_posted_is_the_one_its_result_edits_in_either_mode(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    """comment-mode new, two runs overlapping (or a newer commit's run in between): a run's result edited the newest
    marked comment, the other run's (or skipped it as stale), and its own stayed "running" for ever."""
    ours = make_publisher().publish(PR, body("ours: running"), marker=MARKER, head_sha=HEAD, mode="new")
    gh.push(PR, NEWER)
    make_publisher().publish(PR, body("newer: result", NEWER), marker=MARKER, head_sha=NEWER, mode="new")

    for mode in ("new", "update"):
        result = make_publisher().publish(
            PR, body(f"ours: result ({mode})"), marker=MARKER, head_sha=HEAD, mode=mode, comment_id=ours.comment_id
        )

        assert (result.action, result.comment_id) == ("updated", ours.comment_id)
        moved = f"\n\n⚠️ This is for commit {HEAD[:7]}; the pull request's head has since moved on to {NEWER[:7]}.\n"
        assert bot_comments(gh) == [body(f"ours: result ({mode})").rstrip() + moved, body("newer: result", NEWER)]


def test_the_comment_a_job_posted_is_made_again_when_it_is_gone(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    ours = make_publisher().publish(PR, body("ours: running"), marker=MARKER, mode="new")
    other = make_publisher().publish(PR, body("another run's"), marker=MARKER, mode="new")
    assert ours.comment_id is not None
    gh.delete_comment(ours.comment_id)

    result = make_publisher().publish(PR, body("ours: result"), marker=MARKER, mode="new", comment_id=ours.comment_id)

    assert result.action == "created"
    assert bot_comments(gh) == [body("another run's"), body("ours: result")]
    assert result.comment_id not in (ours.comment_id, other.comment_id)


def test_a_comment_deleted_between_reading_and_editing_it_is_made_again(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    """The edit's 404: the result was lost, and the warning blamed the workflow's permissions."""
    running = gh.add_comment(PR, body("running"), user=gh.bot_login)
    gh.before_write = lambda method, path: gh.delete_comment(running.id) if method == "PATCH" else None

    result = make_publisher().publish(PR, body("result"), marker=MARKER, head_sha=HEAD)

    assert (result.action, result.warning) == ("created", None)
    assert [(w.method, w.status) for w in gh.writes] == [("PATCH", 404), ("POST", 201)]
    assert bot_comments(gh) == [body("result")]
    assert result.comment_id == gh.comments(PR)[0].id


def test_off_mode_does_nothing(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.add_comment(PR, body("previous"), user=gh.bot_login)

    result = make_publisher().publish(PR, body("this run"), marker=MARKER, head_sha=HEAD, mode="off")

    assert result == PublishResult("skipped-off")
    assert gh.requests == []
    assert bot_comments(gh) == [body("previous")]


def test_a_run_for_an_older_head_does_not_overwrite_the_newer_comment(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    gh.push(PR, NEWER)
    newer = gh.add_comment(PR, body("results for the newer commit", head=NEWER), user=gh.bot_login)
    gh.clear_requests()

    result = make_publisher().publish(PR, body("results for the older commit"), marker=MARKER, head_sha=HEAD)

    assert result.action == "skipped-stale"
    assert result.comment_id == newer.id
    assert result.warning is not None
    assert HEAD[:7] in result.warning
    assert NEWER[:7] in result.warning
    assert bot_comments(gh) == [body("results for the newer commit", head=NEWER)]
    assert gh.writes == []


def test_the_head_is_read_from_the_comment_the_report_rendered(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    """The report writes the hidden metadata (report.markers) and the publisher reads it back the same way."""
    gh.push(PR, NEWER)
    newer = render_comment(base_input(head_sha=NEWER)).text
    existing = gh.add_comment(PR, newer, user=gh.bot_login)
    older = render_comment(base_input(head_sha=HEAD)).text
    marker = older.splitlines()[0]

    result = make_publisher().publish(PR, older, marker=marker, head_sha=HEAD)

    assert result.action == "skipped-stale"
    assert result.comment_id == existing.id
    assert result.warning is not None
    assert f"it already shows the pull request's head {NEWER[:7]}" in result.warning
    assert bot_comments(gh) == [newer]


def test_a_template_that_writes_the_marker_below_user_text_still_edits_its_comment(
    gh: FakeGitHub, make_publisher: PublisherFactory, tmp_path: Path
) -> None:
    """The comment is found by the marker at the start of its body: a template may write {{ marker }} anywhere, even
    below a title that quotes it, and the rendered comment starts with the marker (the title's copy escaped)."""
    template = tmp_path / "comment.md.j2"
    template.write_text("## {{ title }}\n\n{{ headline }}\n{{ marker }}\n", encoding="utf-8")
    marker = marker_of(DEFAULT_CONFIG_PATH)  # what scenarios.render_comment keys the comment by
    data = base_input(comment=CommentConfig(title=f"{marker} quoted"))

    rendered = [render_comment(replace(data, head_sha=HEAD), template_path=template).text for _ in range(2)]
    results = [make_publisher().publish(PR, text, marker=marker, head_sha=HEAD) for text in rendered]

    assert [r.action for r in results] == ["created", "updated"]
    assert [c.body for c in gh.comments(PR)] == [rendered[1]]
    assert rendered[1].count("<!--") == 2  # the marker and the metadata; the title's copy is escaped


MOVED_ON = f"⚠️ This is for commit {HEAD[:7]}; the pull request's head has since moved on to {NEWER[:7]}."


@pytest.mark.parametrize(
    ("shown", "action"),
    [
        (
            HEAD,
            "updated",
        ),  # its own "running" placeholder, or its earlier result: replaced, or it says running for ever
        (None, "created"),  # no comment: no run may come for the newer head (a [skip ci] commit)
        (NEWER, "skipped-stale"),  # the newer head's result
        ("0123456789abcdef0123456789abcdef01234567", "skipped-stale"),  # another commit's
    ],
    ids=["its own", "none", "the head's", "another commit's"],
)
def test_a_run_for_a_commit_the_head_moved_on_from_replaces_its_own_comment_only(
    gh: FakeGitHub, make_publisher: PublisherFactory, shown: str | None, action: str
) -> None:
    """The head moved on after the run's "running" comment was posted (a [skip ci] commit, a push by the workflow's
    token: no run for it ever comments): the result replaced no comment, which said running for ever."""
    gh.push(PR, NEWER)
    if shown is not None:
        gh.add_comment(PR, body("a comment", head=shown), user=gh.bot_login)

    for mode in ("update", "new") if shown is None else ("update",):
        result = make_publisher().publish(PR, body("results"), marker=MARKER, head_sha=HEAD, mode=mode)
        assert result.action == action

    if shown is not None and action == "skipped-stale":
        assert bot_comments(gh) == [body("a comment", head=shown)]
        assert result.warning is not None
        assert shown[:7] in result.warning
        assert HEAD[:7] in result.warning
    else:
        assert result.warning is None
        assert bot_comments(gh)[-1] == f"{body('results')}\n{MOVED_ON}\n"


def test_the_current_head_overwrites_an_older_comment_and_short_shas_match(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    gh.add_comment(PR, body("for an older commit", head="0123456789abcdef0123456789abcdef01234567"), user=gh.bot_login)

    result = make_publisher().publish(PR, body("for the head"), marker=MARKER, head_sha=HEAD[:12].upper())

    assert result.action == "updated"
    assert bot_comments(gh) == [body("for the head")]


def test_a_403_on_write_is_a_warning_naming_the_permission(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.forbid_writes = True

    result = make_publisher().publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

    assert result.action == "failed"
    assert result.url is None
    assert result.comment_id is None
    assert result.warning is not None
    assert "pull-requests: write" in result.warning
    assert "403" in result.warning
    assert "Resource not accessible by integration" in result.warning
    assert "rate limit" not in result.warning
    assert gh.comments(PR) == []
    assert [(w.method, w.status) for w in gh.writes] == [("POST", 403)]  # not retried


def test_a_403_on_editing_is_a_warning_too(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.add_comment(PR, body("previous"), user=gh.bot_login)
    gh.forbid_writes = True

    result = make_publisher().publish(PR, body("this run"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "pull-requests: write" in result.warning
    assert bot_comments(gh) == [body("previous")]


def test_a_fork_pull_request_is_explained(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.add_pull(8, head_sha=HEAD, head_repository="contributor/widgets")
    gh.forbid_writes = True

    result = make_publisher().publish(8, body("this run"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "fork contributor/widgets" in result.warning
    assert "read-only" in result.warning


@pytest.mark.parametrize("fork_token", [False, True, None], ids=["repositorys-token", "forks-token", "unknown"])
@pytest.mark.parametrize("fork", [True, False], ids=["fork", "same-repository"])
def test_a_refused_comment_is_explained_by_whose_token_the_job_has(
    gh: FakeGitHub, make_publisher: PublisherFactory, fork_token: bool | None, fork: bool
) -> None:
    """A "/evaluate" comment's job on a fork's pull request runs with this repository's token (and secrets, as its log
    warns): its comment refused was said to be the fork's ("pull requests from forks get a read-only token"), not the
    workflow's ``permissions:``. Who the token is comes from the event now; not known, the pull request says."""
    gh.add_pull(8, head_sha=HEAD, head_repository="contributor/widgets" if fork else None)
    gh.forbid_writes = True

    result = make_publisher(fork_token=fork_token).publish(8, body("this run"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert result.warning.startswith("GitHub refused creating the comment on pull request #8: HTTP 403")
    read_only = "pull requests from forks get a read-only token"
    if fork_token is False:
        assert read_only not in result.warning
        assert "`permissions: pull-requests: write` (this job's token is this repository's" in result.warning
        assert ("GET", f"/repos/{gh.repository}/pulls/8") not in [(r.method, r.path) for r in gh.requests]
    elif fork_token or fork:
        source = "the fork contributor/widgets" if fork else "a fork"
        assert f"this pull request comes from {source}, and {read_only}" in result.warning
        assert "pull-requests: write" not in result.warning
    else:
        assert f"pull-requests: write` ({read_only}" in result.warning


@pytest.mark.parametrize(
    ("kind", "status"),
    [("secondary", 403), ("primary", 403), ("429", 429)],
    ids=["secondary-403-retry-after", "primary-403-ratelimit-reset", "429-retry-after"],
)
def test_a_rate_limited_response_is_retried(
    gh: FakeGitHub, make_publisher: PublisherFactory, kind: RateLimitKind, status: int
) -> None:
    gh.rate_limit_next(2, kind=kind, retry_after=0, reset_in=-5)

    result = make_publisher(retry_total=3).publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

    assert result.action == "created"
    assert result.warning is None
    assert [r.status for r in gh.requests][:3] == [status, status, 200]
    assert bot_comments(gh) == [body("this run")]


def test_a_rate_limited_create_is_retried_without_duplicating(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.rate_limit_next(1, kind="secondary", retry_after=0, methods=["POST"])

    result = make_publisher().publish(PR, body("this run"), marker=MARKER)

    assert result.action == "created"
    assert [(w.method, w.status) for w in gh.writes] == [("POST", 403), ("POST", 201)]
    assert bot_comments(gh) == [body("this run")]


def test_a_lasting_rate_limit_is_a_warning_not_a_permission_problem(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    gh.rate_limit_next(10, kind="primary", reset_in=-5)

    result = make_publisher(retry_total=2).publish(PR, body("this run"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "rate limit" in result.warning
    assert "pull-requests: write" not in result.warning
    assert len(gh.requests) == 3  # the request and two retries
    assert gh.comments(PR) == []


@pytest.mark.parametrize("retries", [0, 2])
def test_a_secondary_rate_limit_without_retry_after_is_named_a_rate_limit(
    gh: FakeGitHub, make_publisher: PublisherFactory, retries: int
) -> None:
    """GitHub's secondary limit, often without Retry-After: once the retries ran out, the error had no message
    (GithubRetry had read the body), and the warning sent the maintainer after the workflow's permissions."""
    gh.rate_limit_next(10, kind="secondary", retry_after=None, methods=["POST"])

    result = make_publisher(retry_total=retries).publish(PR, body("this run"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "rate limit was exceeded (HTTP 403 (You have exceeded a secondary rate limit." in result.warning
    assert "pull-requests: write" not in result.warning
    assert len(gh.writes) == 1 + retries
    assert gh.comments(PR) == []


def test_a_publisher_that_waits_out_no_rate_limit_still_retries_without_a_wait(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    """What the "running" comment's publisher is (test_running_comment): three retries a minute apart held the
    experiment up for 3 minutes."""
    gh.rate_limit_next(1, kind="secondary", retry_after=None, methods=["POST"])

    result = make_publisher(max_rate_limit_wait=0, secondary_rate_wait=60.0).publish(PR, body("running"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "secondary rate limit" in result.warning
    assert len(gh.writes) == 1  # not retried: nothing waited
    gh.rate_limit_next(1, kind="secondary", retry_after=0, methods=["POST"])  # a 5xx, or no wait at all: retried
    assert make_publisher(max_rate_limit_wait=0).publish(PR, body("running"), marker=MARKER).action == "created"


def test_a_rate_limit_reset_too_far_away_is_not_waited_for(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.rate_limit_next(1, kind="primary", reset_in=3600)

    result = make_publisher(max_rate_limit_wait=5).publish(PR, body("this run"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "rate limit" in result.warning
    assert "resets at" in result.warning
    assert len(gh.requests) == 1


@pytest.mark.parametrize(
    ("kind", "status"), [("secondary", 403), ("429", 429), (None, 503)], ids=["secondary-403", "429", "503"]
)
def test_a_retry_after_longer_than_the_job_waits_is_not_waited_for(
    gh: FakeGitHub, make_publisher: PublisherFactory, kind: RateLimitKind | None, status: int
) -> None:
    """urllib3 sleeps for whatever ``Retry-After`` says (GitHub can say an hour), on every retry of every request,
    until the job's timeout ends a passing check red: a wait longer than ``max_rate_limit_wait`` gives up at once.
    Here the answer asks for 2 s and the job waits 1 s at most: the request is not retried, so nothing waited."""
    if kind is None:
        gh.fail_next(1, status=status, methods=None, retry_after=2)
    else:
        gh.rate_limit_next(1, kind=kind, retry_after=2)

    result = make_publisher(max_rate_limit_wait=1).publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

    assert result.action == "failed"
    assert result.warning is not None
    assert f"HTTP {status}" in result.warning
    assert "while reading the pull request's comments" in result.warning
    if kind is not None:
        assert "rate limit was exceeded" in result.warning
        assert "GitHub asked to wait 2 s" in result.warning
    assert [r.status for r in gh.requests] == [status]  # not retried: nothing waited
    assert gh.comments(PR) == []


@pytest.mark.parametrize("after_apply", [False, True], ids=["lost-before-applied", "applied-but-answer-lost"])
def test_a_5xx_on_create_leaves_exactly_one_comment(
    gh: FakeGitHub, make_publisher: PublisherFactory, after_apply: bool
) -> None:
    gh.fail_next(1, status=502, methods=["POST"], after_apply=after_apply)

    result = make_publisher().publish(PR, body("this run"), marker=MARKER)

    assert result.action == "created"
    assert bot_comments(gh) == [body("this run")]
    assert [w.status for w in gh.writes] == ([502] if after_apply else [502, 201])
    assert result.comment_id == gh.comments(PR)[0].id


@pytest.mark.parametrize("fault", [Fault.RESET, Fault.RESET_AFTER], ids=["reset-before-applied", "applied-then-reset"])
def test_a_create_whose_answer_is_lost_leaves_exactly_one_comment(
    gh: FakeGitHub, make_publisher: PublisherFactory, fault: Fault
) -> None:
    """A proxy resets the connection once the POST was sent: the comment may exist or not. urllib3 re-sent such a
    POST (a read error, on a method it was allowed to retry), and a created comment was there twice, for good."""
    first = iter([True])

    def the_first_create(method: str, path: str) -> bool:
        return method == "POST" and path.endswith(f"/issues/{PR}/comments") and next(first, False)

    with FaultProxy(gh.url, rate=1.0, kinds=[fault], should_fault=the_first_create) as proxy:
        result = make_publisher(api_url=proxy.url + gh.prefix).publish(PR, body("this run"), marker=MARKER)

    assert [injected.fault for injected in proxy.injected] == [fault]
    assert result.action == "created"
    assert bot_comments(gh) == [body("this run")]
    assert result.comment_id == gh.comments(PR)[0].id


def test_a_5xx_on_edit_is_retried(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.add_comment(PR, body("previous"), user=gh.bot_login)
    gh.fail_next(1, status=503, methods=["PATCH"])

    result = make_publisher().publish(PR, body("this run"), marker=MARKER)

    assert result.action == "updated"
    assert [(w.method, w.status) for w in gh.writes] == [("PATCH", 503), ("PATCH", 200)]
    assert bot_comments(gh) == [body("this run")]


def test_other_github_errors_are_warnings_with_the_status(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    too_long = body("x" * 70_000)

    result = make_publisher().publish(PR, too_long, marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "422" in result.warning
    assert "too long" in result.warning


def test_an_unknown_pull_request_is_a_warning(make_publisher: PublisherFactory) -> None:
    result = make_publisher().publish(999, body("this run"), marker=MARKER, head_sha=HEAD)

    assert result.action == "failed"
    assert result.warning is not None
    assert "404" in result.warning
    assert "#999" in result.warning


def test_an_unreachable_github_is_a_warning(gh: FakeGitHub) -> None:
    publisher = CommentPublisher(
        gh.token, gh.repository, api_url="http://127.0.0.1:9/api/v3", retry_total=0, seconds_between_requests=0
    )

    result = publisher.publish(PR, body("this run"), marker=MARKER)

    assert result.action == "failed"
    assert result.warning is not None
    assert "Could not reach GitHub" in result.warning


@pytest.mark.parametrize("truncated", [False, True], ids=["html-login-page", "truncated-json"])
def test_an_answer_that_is_not_json_is_a_warning_naming_the_request(
    gh: FakeGitHub, make_publisher: PublisherFactory, truncated: bool
) -> None:
    """A proxy's sign-on page, or JSON cut short, answered with a 200: PyGithub failed deep inside (a TypeError, a
    JSONDecodeError), which ended the run with a traceback before the experiment ran."""
    gh.garble_next(1, truncated=truncated, methods=["GET"])

    result = make_publisher().publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)

    assert result.action == "failed"
    assert result.warning is not None
    assert result.warning.startswith("While reading the pull request's comments, GitHub's answer to GET")
    assert f"GET /repos/{gh.repository}/issues/{PR}/comments could not be read" in result.warning
    assert ("it is not valid JSON" if truncated else "it is not JSON (text/html") in result.warning
    assert gh.comments(PR) == []


@pytest.mark.parametrize(
    ("method", "answer", "step"),
    [
        ("GET", {}, "reading the pull request's comments"),
        ("GET", [{"id": "x", "body": 5, "user": "octocat", "html_url": 3}], "reading the pull request's comments"),
        ("GET", [{"id": 1, "body": MARKER, "user": {"login": 5}}], "reading the pull request's comments"),
        ("POST", {"id": "x", "html_url": 5, "body": 7}, "creating the comment"),
        ("PATCH", {"id": "x", "html_url": 5, "body": 7}, "updating the comment"),
    ],
    ids=["comments-an-object", "comments-of-other-types", "author-of-another-type", "create", "edit"],
)
def test_an_answer_of_other_types_is_a_warning_naming_the_step(
    gh: FakeGitHub,
    make_publisher: PublisherFactory,
    method: str,
    answer: object,
    step: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """JSON, but not GitHub's (a proxy's {}, fields of other types): PyGithub's TypeError or BadAttributeException
    went through publish, and the job ended in a traceback, exit 1, without running the experiment. A bug of ours
    would read so too: its traceback is in the debug log (audit72 N2)."""
    if method == "PATCH":
        gh.add_comment(PR, body("earlier"), user=gh.bot_login)
    gh.answer_next(answer, methods=[method])

    with caplog.at_level(logging.DEBUG, logger="honeyhive_experiment.github"):
        result = make_publisher(workflow_token=True).publish(PR, body("this run"), marker=MARKER)
    assert any(r.message == f"while {step}" and r.exc_info for r in caplog.records), caplog.text

    assert result.action == "failed"
    assert result.warning is not None
    assert result.warning.startswith(f"While {step}, GitHub's answer could not be read: it is not the JSON GitHub")
    assert result.warning.endswith("The check's result does not depend on the comment.")


def test_a_create_answered_with_a_login_page_is_looked_for_then_made(
    gh: FakeGitHub, make_publisher: PublisherFactory
) -> None:
    """PyGithub read the page as a comment whose fields are all None: 'created', with no url and no comment."""
    gh.garble_next(1, methods=["POST"])

    result = make_publisher().publish(PR, body("this run"), marker=MARKER)

    assert result.action == "created"
    assert bot_comments(gh) == [body("this run")]
    assert result.comment_id == gh.comments(PR)[0].id
    assert [(w.method, w.status) for w in gh.writes] == [("POST", 200), ("POST", 201)]


@pytest.mark.parametrize(
    ("answer", "lacking"),
    [
        ({}, "head commit (head.sha), no head repository (head.repo) and no base branch (base.ref)"),
        ({"head": "a1b2c3d", "base": ["main"]}, "head commit (head.sha), no head repository (head.repo) and no base"),
        ({"head": {"sha": HEAD, "repo": {"id": 1}}, "base": {"ref": "main"}}, "head repository (head.repo) (GET"),
        ({"head": {"sha": "not a sha", "repo": None}, "base": {"ref": "main"}}, "head commit (head.sha) (GET"),
    ],
    ids=["empty", "other-types", "repository-without-name", "not-a-sha"],
)
def test_an_answer_that_is_not_a_pull_request_is_a_warning_naming_what_it_lacks(
    gh: FakeGitHub, make_publisher: PublisherFactory, answer: dict[str, object], lacking: str
) -> None:
    """JSON that is not a pull request (a proxy's ``{}``): PyGithub's lazy objects gave None for what it lacked, and
    ``pull.head.repo`` crashed the run ('NoneType' object has no attribute 'repo'); a field of another type raised
    PyGithub's BadAttributeException, a repository without its name was asked for again. It says nothing of the pull
    request, as an answer that is not JSON: publishing is a warning naming what the answer lacks, reading it (an
    issue_comment's run) an error, after one request each."""
    publisher = make_publisher()
    gh.answer_next(answer, methods=["GET"])
    result = publisher.publish(PR, body("this run"), marker=MARKER, head_sha=HEAD, mode="new")
    gh.answer_next(answer, methods=["GET"])
    info = publisher.pull_request(PR)
    gh.answer_next(answer, methods=["GET"])
    with pytest.raises(ExperimentError) as raised:
        publisher.read_pull_request(PR)

    said = f"GitHub's answer for pull request #{PR} names no {lacking}"
    assert result.action == "failed"
    assert result.warning is not None
    assert result.warning.startswith(f"While reading the pull request's head commit, {said}"), result.warning
    assert info is None
    assert str(raised.value).startswith(said), raised.value
    assert [(r.method, r.path) for r in gh.requests] == [("GET", f"/repos/{gh.repository}/pulls/{PR}")] * 3
    assert gh.comments(PR) == []


@pytest.mark.parametrize("truncated", [False, True], ids=["html-login-page", "truncated-json"])
def test_merge_base_is_unknown_when_the_answer_is_not_json(
    gh: FakeGitHub, make_publisher: PublisherFactory, caplog: pytest.LogCaptureFixture, truncated: bool
) -> None:
    """As for any other failure of GitHub's (locate asks it before the run: the traceback ended the job)."""
    gh.set_merge_base("b" * 40, HEAD, "c" * 40)
    gh.garble_next(1, truncated=truncated)

    assert make_publisher().merge_base("b" * 40, HEAD) is None
    assert f"GitHub's answer to GET /repos/{gh.repository}/compare/{'b' * 40}...{HEAD} could not be read" in caplog.text


def test_the_token_is_never_shown(
    gh: FakeGitHub, make_publisher: PublisherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    publisher = make_publisher()
    results = [publisher.publish(PR, body("ok"), marker=MARKER, head_sha=HEAD)]
    gh.forbid_writes = True
    results.append(publisher.publish(PR, body("refused"), marker=MARKER, head_sha=HEAD))
    gh.forbid_writes = False
    gh.rate_limit_next(10, kind="primary", reset_in=-5)
    results.append(make_publisher(retry_total=1).publish(PR, body("limited"), marker=MARKER))
    bad = CommentPublisher("ghs_wrong_token", gh.repository, api_url=gh.api_url, seconds_between_requests=0)
    results.append(bad.publish(PR, body("unauthorised"), marker=MARKER))

    assert [r.action for r in results] == ["created", "failed", "failed", "failed"]
    assert "401" in (results[-1].warning or "")
    shown = [repr(publisher), str(publisher), repr(bad), caplog.text, *map(repr, results)]
    assert caplog.text  # PyGithub logged its requests at DEBUG, headers included
    for text in shown:
        assert gh.token not in text
        assert "ghs_wrong_token" not in text


def test_pygithub_prints_nothing_of_its_own_when_the_comment_is_edited_with_an_installation_token(
    gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Who an installation token is: ``GET /user`` answers 403, as expected. PyGithub logged "Request GET /api/v3/user
    failed with 403: Forbidden" at INFO, and its import gave its logger a stderr handler of its own: every run that
    updated its comment printed that failure twice. The CLI set PyGithub's logger to WARNING before PyGithub was
    imported, which set it back: here both are imported afresh, as in the action."""
    pygithub = logging.getLogger("github")
    level, handlers = pygithub.level, list(pygithub.handlers)
    for name in ("github", "honeyhive_experiment.github"):
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(honeyhive_experiment, "github", honeyhive_experiment.github)
    gh.add_comment(PR, body("previous"), user=gh.bot_login)
    try:
        fresh = importlib.import_module("honeyhive_experiment.github")
        with fresh.CommentPublisher(gh.token, gh.repository, api_url=gh.api_url, backoff=0) as publisher:
            result = publisher.publish(PR, body("this run"), marker=MARKER, head_sha=HEAD)
        printed = capfd.readouterr()
    finally:
        pygithub.setLevel(level)
        pygithub.handlers = handlers

    assert result.action == "updated"
    assert ("GET", "/user", 403) in [(r.method, r.path, r.status) for r in gh.requests]
    assert "403" not in printed.err + printed.out
    assert "403" not in caplog.text


def test_the_marker_must_be_in_the_body_and_the_mode_known(make_publisher: PublisherFactory) -> None:
    publisher = make_publisher()
    with pytest.raises(ValueError, match="marker"):
        publisher.publish(PR, "no marker here", marker=MARKER)
    with pytest.raises(ValueError, match="start with its marker"):  # the next run would not take it as its own
        publisher.publish(PR, "quoting " + body("x"), marker=MARKER)
    with pytest.raises(ValueError, match="comment mode"):
        publisher.publish(PR, body("x"), marker=MARKER, mode="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="owner/name"):
        CommentPublisher("t", "not-a-repository")


def test_merge_base_via_the_compare_api(gh: FakeGitHub, make_publisher: PublisherFactory) -> None:
    gh.set_merge_base("b" * 40, HEAD, "c" * 40)
    publisher = make_publisher()

    assert publisher.merge_base("b" * 40, HEAD) == "c" * 40
    assert publisher.merge_base("d" * 40, HEAD) is None  # GitHub answered 404
    assert [r.path for r in gh.requests] == [
        f"/repos/{gh.repository}/compare/{'b' * 40}...{HEAD}",
        f"/repos/{gh.repository}/compare/{'d' * 40}...{HEAD}",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (body("x"), HEAD),
        ("<!--honeyhive-experiment:meta run=1 head=ABCDEF1 -->", "abcdef1"),
        ("<!-- honeyhive-experiment:meta head=abc -->", None),  # too short to be a sha
        ("head=abcdef1234 outside the meta comment", None),
        (None, None),
    ],
)
def test_meta_head(text: str | None, expected: str | None) -> None:
    """The publisher reads the head back with report.markers, the module that writes it."""
    assert comment_head_sha(text) == expected


@pytest.mark.parametrize(
    ("api_url", "pacing"),
    [
        ("https://api.github.com", (0.25, 1.0)),  # PyGithub's defaults, clear of GitHub's secondary rate limits
        ("https://github.example.com/api/v3", (0.25, 1.0)),  # an Enterprise Server is GitHub too
        ("https://127.example.com/api/v3", (0.25, 1.0)),  # a name that starts like an address is a name
        ("http://127.0.0.1:8080/api/v3", (None, None)),  # this machine's loopback: a local proxy, a test's fake
        ("http://127.9.9.9/api/v3", (None, None)),
        ("http://[::1]:8080/api/v3", (None, None)),
        ("http://localhost:8080/api/v3", (None, None)),
    ],
)
def test_requests_to_a_github_server_are_paced_and_to_this_machines_loopback_not(
    api_url: str, pacing: tuple[float | None, float | None]
) -> None:
    """PyGithub's pacing by where the API is; what a caller gives is kept (no request is made)."""
    with CommentPublisher("t", "o/r", api_url=api_url) as publisher:
        kwargs = publisher._github.requester.kwargs
        assert (kwargs["seconds_between_requests"], kwargs["seconds_between_writes"]) == pacing
    with CommentPublisher("t", "o/r", api_url=api_url, seconds_between_requests=2, seconds_between_writes=3) as given:
        assert given._github.requester.kwargs["seconds_between_writes"] == 3


@pytest.mark.parametrize(
    "answer",
    [{}, {"merge_base_commit": None}, {"merge_base_commit": {"sha": 7}}, {"merge_base_commit": {"sha": "not-a-sha"}}],
    ids=["empty", "no-commit", "sha-not-text", "sha-not-hex"],
)
def test_merge_base_is_unknown_when_the_answer_names_no_commit(
    gh: FakeGitHub, make_publisher: PublisherFactory, caplog: pytest.LogCaptureFixture, answer: object
) -> None:
    """A 200 that is JSON but no compare (a proxy's ``{}``): the merge base is unknown, as for any failure of GitHub's.
    It raised AttributeError (or PyGithub's BadAttributeException), an error verdict "this is a bug" (audit58 #10)."""
    gh.answer_next(answer)

    assert make_publisher().merge_base("b" * 40, HEAD) is None
    assert "Could not compare bbbbbbb..." in caplog.text

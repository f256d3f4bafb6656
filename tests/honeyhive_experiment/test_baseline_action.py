"""The baseline rules through the action (in process, ``honeyhive_local``, the fake GitHub): what ``test_baseline``'s
tables decide, seen where a pull request's run takes its baseline from the runs earlier jobs recorded."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest

from honeyhive_experiment import baseline
from honeyhive_experiment.operations import MAX_ANCESTRY_CHECKS, UNTOLD
from honeyhive_local import store
from tests.fakes.actions_runner import BASE_SHA, HEAD_SHA, PR, pull_request, push, workflow_run
from tests.honeyhive_experiment.test_recorded_runs import World
from tests.honeyhive_experiment.test_recorded_runs import world as world  # the fixture
from tests.quickstart import git, init_repository

pytestmark = pytest.mark.integration


def test_ten_newer_runs_on_main_whose_checks_failed_do_not_hide_an_older_passing_one(world: World) -> None:
    """A verdict stamped on a run is read as it is listed: only a run without one has its result asked of the backend,
    so ten newer red runs on main are no reason to find no baseline."""
    code, pushed = world.action("push", {"comment-mode": "off"}, event=push(BASE_SHA))
    assert code == 0, pushed.summary()
    passing = pushed.outputs()["run-id"]
    with world.client() as hh:
        recorded = hh.get_run(passing)
        for i in range(10):  # newer pushes to main whose checks failed
            ci = {**recorded["metadata"]["ci"], "sha": f"{i:02d}" + "a" * 38}
            metadata = {**recorded["metadata"], "ci": ci, "check": {"verdict": "fail"}}
            red = {"run_id": str(uuid.uuid4()), "name": recorded["name"], "status": "completed", "metadata": metadata}
            hh.create_run(red)
    code, ran = world.action("run", {"mode": "all"})
    assert code == 0, ran.summary()
    assert (ran.outputs()["verdict"], ran.outputs()["baseline-run-id"]) == ("pass", passing)


def test_a_forks_run_that_triggered_a_workflow_run_is_never_the_default_branchs_baseline(world: World) -> None:
    """GitHub lists no pull request of a fork's run in a ``workflow_run``: its head branch (the fork's ``main``) is
    not stamped as this repository's, so a pull request into main does not take the fork's code as main's."""
    event = workflow_run("c" * 40)
    fork_run = {**event.payload["workflow_run"], "pull_requests": [], "head_branch": "main"}
    fork_run["head_repository"] = {"full_name": "mallory/support-bot"}
    forked = dataclasses.replace(event, payload={**event.payload, "workflow_run": fork_run})
    code, fork = world.action("fork", {"mode": "all", "comment-mode": "off"}, event=forked)
    assert code == 0, fork.summary()
    with world.client() as hh:
        stamped = hh.get_run(fork.outputs()["run-id"])["metadata"]["ci"]
    assert (stamped["sha"], stamped.get("branch")) == ("c" * 40, None)
    code, ran = world.action("run", {"mode": "all"})
    assert code == 0, ran.summary()
    assert (ran.outputs()["verdict"], ran.outputs()["baseline-run-id"]) == ("neutral", "")


MERGE_BASE = "1" * 40  # the pull request's fork point on main, which BASE_SHA (main's tip) is ahead of
BEFORE = "2" * 40  # a commit of main before the fork point


def test_in_a_shallow_checkout_github_tells_which_main_run_is_of_the_merge_bases_history(world: World) -> None:
    """git cannot tell a shallow checkout's ancestry: GitHub's compare does. The newest passing run on main, ahead of
    the merge base, is passed over for the older one of its history, as a full checkout's git would choose; a run
    neither can tell of is taken only when no other is, and the note says its ancestry is unknown."""
    runs = {}
    for sha in (BEFORE, BASE_SHA):
        code, pushed = world.action(f"push-{sha[:4]}", {"comment-mode": "off"}, event=push(sha))
        assert code == 0, pushed.summary()
        runs[sha] = pushed.outputs()["run-id"]
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the pull request's, as locate asks
    code, ran = world.action("run", {"mode": "all"})  # GitHub says nothing of either run's commit
    assert code == 0, ran.summary()
    assert ran.outputs()["baseline-run-id"] == runs[BASE_SHA]  # the newest stands in
    [note] = json.loads((world.root / ".honeyhive" / "report.json").read_text())["notes"]
    assert f"at {BASE_SHA[:7]}, whose ancestry neither git" in note
    world.github.set_merge_base(BASE_SHA, MERGE_BASE, MERGE_BASE)  # main's tip is not of the merge base's history
    world.github.set_merge_base(BEFORE, MERGE_BASE, BEFORE)  # BEFORE is
    code, ran = world.action("run-again", {"mode": "all"})
    assert code == 0, ran.summary()
    assert ran.outputs()["baseline-run-id"] == runs[BEFORE]
    [note] = json.loads((world.root / ".honeyhive" / "report.json").read_text())["notes"]
    assert f"latest passing run on main at or before it, at {BEFORE[:7]}" in note


def test_github_is_asked_no_more_after_three_compares_that_did_not_tell(world: World) -> None:
    """Where git cannot tell (a shallow checkout), each candidate run's ancestry is asked of GitHub; a compare that
    does not tell (a 404, a 502 after its retries: ~6 s each) makes the next one unlikely to, so after three the rest
    are taken as unknown without asking: 30 candidates against a failing API took minutes (audit58 #11). They are asked
    through one client, its connection kept: a client was opened for each."""
    shas = [f"{i}" * 40 for i in range(3, 8)]
    for sha in shas:
        code, pushed = world.action(f"push-{sha[:4]}", {"comment-mode": "off"}, event=push(sha))
        assert code == 0, pushed.summary()
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the pull request's fork point, as locate asks
    asked = len(world.github.requests)
    code, ran = world.action("run", {"mode": "all"})
    assert code == 0, ran.summary()
    compares = [r for r in world.github.requests[asked:] if "/compare/" in r.path and MERGE_BASE in r.path]
    assert len(compares) == 3, compares
    assert len({r.port for r in compares}) == 1, compares  # one connection
    assert ran.outputs()["baseline-run-id"]  # the newest passing run stands in, its ancestry unknown (said)


def test_a_push_whose_baseline_is_after_its_own_commit_says_so(world: World) -> None:
    """A push's baseline must be of its own commit's history; when the only passing run on main is at a later commit
    (a re-run of an older push), or one whose ancestry nobody could tell, it stands in, and the note says which, as a
    pull request's does: it said nothing (audit58 #9)."""
    code, pushed = world.action("push-tip", {"comment-mode": "off"}, event=push(BASE_SHA))
    assert code == 0, pushed.summary()
    world.github.set_merge_base(BASE_SHA, BEFORE, BEFORE)  # main's tip is after BEFORE
    code, again = world.action("push-before", {"comment-mode": "off"}, event=push(BEFORE))
    assert code == 0, again.summary()
    assert again.outputs()["baseline-run-id"] == pushed.outputs()["run-id"]
    [note] = json.loads((world.root / ".honeyhive" / "report.json").read_text())["notes"]
    assert f"at {BASE_SHA[:7]}, a commit {BEFORE[:7]} does not have" in note, note


RELEASE = "3" * 40  # release's tip: a commit the pull request's head does not have


def test_a_baseline_branch_other_than_the_base_is_asked_whether_it_is_of_the_heads_history(world: World) -> None:
    """``baseline.branch`` naming another branch than the pull request's base: its runs were taken without asking
    whether they are of the change's history, so a run at a commit the head does not have was the baseline, and the
    note said nothing of it (audit55). As the base branch's runs are, it is asked (of the head: there is no merge base
    with that branch), and a run that is not of its history stands in only when no other does, said so."""
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "baseline:\n  branch: release\n", encoding="utf-8")
    code, pushed = world.action("push-release", {"comment-mode": "off"}, event=push(RELEASE, branch="release"))
    assert code == 0, pushed.summary()
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the pull request's, as locate asks
    world.github.set_merge_base(RELEASE, HEAD_SHA, MERGE_BASE)  # release's tip is not of the head's history
    code, ran = world.action("run", {"mode": "all"})
    assert code == 0, ran.summary()
    assert ran.outputs()["baseline-run-id"] == pushed.outputs()["run-id"]  # no other: it stands in
    [note] = json.loads((world.root / ".honeyhive" / "report.json").read_text())["notes"]
    assert f"No passing run on release is known to be of {HEAD_SHA[:7]}'s history" in note, note
    assert f"at {RELEASE[:7]}, a commit {HEAD_SHA[:7]} does not have" in note, note


def test_a_feature_branchs_push_whose_own_baseline_is_not_of_its_history_says_so(world: World) -> None:
    """A push to a branch other than the default has a merge base with it (its fallback's); its own runs are still
    asked whether they are of its commit's history, and one that is not (the branch was force-pushed) stands in only
    when no other does. The note said nothing then: only a push without a merge base got it."""
    rewritten, pushed_now = "4" * 40, "6" * 40  # the branch's old tip, force-pushed away; its new tip
    code, old = world.action("push-old", {"comment-mode": "off"}, event=push(rewritten, branch="feature"))
    assert code == 0, old.summary()
    world.github.set_merge_base("main", pushed_now, MERGE_BASE)  # the branch's merge base with main, as locate asks
    world.github.set_merge_base(rewritten, pushed_now, MERGE_BASE)  # the old tip is not of the new one's history
    code, new = world.action("push-new", {"comment-mode": "off"}, event=push(pushed_now, branch="feature"))
    assert code == 0, new.summary()
    assert new.outputs()["baseline-run-id"] == old.outputs()["run-id"]
    [note] = json.loads((world.root / ".honeyhive" / "report.json").read_text())["notes"]
    assert f"No passing run on feature is known to be of {pushed_now[:7]}'s history" in note, note


def _copies(world: World, run_id: str, shas: list[str]) -> None:
    """Passing runs of main at each of ``shas`` (newest first: the backend lists them newest first), ``run_id``'s
    stamps but the commit: pushes whose runs a pull request's baseline is chosen among, recorded without running."""
    with world.client() as hh:
        recorded = hh.get_run(run_id)
        for sha in reversed(shas):  # the last created is listed first
            metadata = {**recorded["metadata"], "ci": {**recorded["metadata"]["ci"], "sha": sha}}
            metadata["check"] = {"verdict": "pass"}
            hh.create_run(
                {"run_id": str(uuid.uuid4()), "name": recorded["name"], "status": "completed", "metadata": metadata}
            )


def test_in_a_full_checkout_31_runs_ahead_of_the_merge_base_do_not_hide_one_of_its_history(world: World) -> None:
    """git, in a full checkout, is asked of every candidate's commit: it answers at once. Only the first 30 were
    asked, so 31 pushes to main after the pull request's fork point (which has no run) made the newest of them the
    baseline, "a commit the merge base does not have", though a run at an ancestor of it existed (audit70 #2)."""
    root = world.root
    before = init_repository(root)
    code, pushed = world.action("push-before", {"comment-mode": "off"}, event=push(before))
    assert code == 0, pushed.summary()
    git(root, "commit", "-q", "--allow-empty", "-m", "the fork point: no run")
    git(root, "checkout", "-qb", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "the change")
    head = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "main")
    ahead = []
    for i in range(MAX_ANCESTRY_CHECKS + 1):
        git(root, "commit", "-q", "--allow-empty", "-m", f"main moves on {i}")
        ahead.insert(0, git(root, "rev-parse", "HEAD"))
    _copies(world, pushed.outputs()["run-id"], ahead)
    git(root, "checkout", "-q", "--detach", head)
    code, ran = world.action(
        "run", {"mode": "all", "comment-mode": "off"}, event=pull_request(head_sha=head, base_sha=ahead[0])
    )
    assert code == 0, ran.summary()
    assert ran.outputs()["baseline-run-id"] == pushed.outputs()["run-id"]


def test_github_is_asked_of_30_commits_at_most_and_the_note_says_the_rest_were_not_checked(world: World) -> None:
    """Where git cannot tell (a shallow checkout), GitHub's compare is asked, of 30 commits at most: past them, a run
    of the merge base's history is not looked for, and the note on the run that stands in says so, as it did not
    ("nor is a passing run on main known to be of its history", as if none were: audit70 #2)."""
    ahead = [f"{i:02d}".ljust(40, "a") for i in range(MAX_ANCESTRY_CHECKS + 1)]
    code, pushed = world.action("push-before", {"comment-mode": "off"}, event=push(BEFORE))
    assert code == 0, pushed.summary()
    _copies(world, pushed.outputs()["run-id"], ahead)  # newer than BEFORE's
    code, newest = world.action("push-newest", {"comment-mode": "off"}, event=push(BASE_SHA))
    assert code == 0, newest.summary()
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the pull request's fork point, as locate asks
    for sha in (BASE_SHA, *ahead):
        world.github.set_merge_base(sha, MERGE_BASE, MERGE_BASE)  # each is ahead of the fork point
    world.github.set_merge_base(BEFORE, MERGE_BASE, BEFORE)  # BEFORE is of its history, but is never asked
    asked = len(world.github.requests)
    code, ran = world.action("run", {"mode": "all", "comment-mode": "off"})
    assert code == 0, ran.summary()
    compares = [r for r in world.github.requests[asked:] if "/compare/" in r.path and MERGE_BASE in r.path]
    assert len(compares) == MAX_ANCESTRY_CHECKS, compares
    assert ran.outputs()["baseline-run-id"] == newest.outputs()["run-id"]
    [note] = json.loads((world.root / ".honeyhive" / "report.json").read_text())["notes"]
    assert f"GitHub was asked of {MAX_ANCESTRY_CHECKS} commits and no more;" in note, note


def test_github_that_stopped_telling_is_asked_no_more_and_the_note_says_how_far_it_was_asked(world: World) -> None:
    """After 3 compares that did not tell, GitHub is asked of no other commit: the note said "ancestry was not checked
    past 30 commits", as if 30 had been asked (audit72 N1); it says the 3 now."""
    ahead = [f"{i:02d}".ljust(40, "a") for i in range(MAX_ANCESTRY_CHECKS + 1)]
    code, pushed = world.action("push-before", {"comment-mode": "off"}, event=push(BEFORE))
    assert code == 0, pushed.summary()
    _copies(world, pushed.outputs()["run-id"], ahead)
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the fork point; no candidate's compare answers
    asked = len(world.github.requests)
    code, ran = world.action("run", {"mode": "all", "comment-mode": "off"})
    assert code == 0, ran.summary()
    compares = [r for r in world.github.requests[asked:] if "/compare/" in r.path and MERGE_BASE in r.path]
    assert len(compares) == UNTOLD, compares
    [note] = json.loads((world.root / ".honeyhive" / "report.json").read_text())["notes"]
    said = f"GitHub was asked of {UNTOLD} commits and stopped after {UNTOLD} answers that did not tell;"
    assert said in note, note


def test_no_baseline_says_which_runs_at_the_merge_base_were_passed_over(world: World) -> None:
    """Every run at the merge base errored or recorded no verdict: none is a baseline, and the comment said "There is
    no run … at this change's merge base", telling the reader to set up the baseline workflow that made them; it names
    them now, as the branch fallback's note and an explicit commit's do (audit70 #3)."""
    runs = []
    for step in ("push-1", "push-2"):
        code, pushed = world.action(step, {"comment-mode": "off"}, event=push(MERGE_BASE))
        assert code == 0, pushed.summary()
        runs.append(pushed.outputs()["run-id"])
    with world.client() as hh:
        for run_id, verdict in zip(runs, ("error", "pending"), strict=True):
            recorded = hh.get_run(run_id)
            hh.update_run(run_id, {"metadata": {**recorded["metadata"], "check": {"verdict": verdict}}})
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the pull request's fork point, as locate asks
    code, ran = world.action("run", {"mode": "all"})
    assert code == 0, ran.summary()
    assert (ran.outputs()["verdict"], ran.outputs()["baseline-run-id"]) == ("neutral", "")
    [comment] = world.github.comments(PR)
    assert "There is no run" not in comment.body
    assert (
        f"No run at {MERGE_BASE[:7]}, the base commit this change is measured against, could be the baseline:"
        f" {runs[1]} (its check recorded no verdict), {runs[0]} (its check errored)."
    ) in comment.body, comment.body


def test_no_baseline_names_the_runs_too_old_to_be_looked_at(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """``baseline.max_age_days``: the one run at the merge base, older than that, is not looked at, and the comment
    said only "No baseline yet": nothing said that a run was left out for its age, nor which."""
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "baseline: {max_age_days: 30}\n", encoding="utf-8")
    monkeypatch.setattr(store, "now_iso", lambda: "2020-01-02T03:04:05.000Z")  # the backend's clock, for the push
    code, pushed = world.action("push", {"comment-mode": "off"}, event=push(MERGE_BASE))
    assert code == 0, pushed.summary()
    monkeypatch.undo()
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the pull request's fork point, as locate asks
    code, ran = world.action("run", {"mode": "all"})
    assert code == 0, ran.summary()
    assert (ran.outputs()["verdict"], ran.outputs()["baseline-run-id"]) == ("neutral", "")
    [comment] = world.github.comments(PR)
    said = (
        "1 run of support-bot-quickstart older than 30 days (baseline.max\\_age\\_days) was not looked at, the newest"
        f" {pushed.outputs()['run-id']} from 2020-01-02."
    )
    assert said in comment.body, comment.body


def test_no_baseline_says_older_runs_than_the_listing_reads_were_not_looked_for(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing reads the newest 5,000 runs whose name contains the experiment's (here 2): the run at the merge base,
    behind newer runs of an experiment whose name contains this one's, was not found, and only a log line said that
    older runs were not read (audit70); the note says it now."""
    code, pushed = world.action("push", {"comment-mode": "off"}, event=push(MERGE_BASE))
    assert code == 0, pushed.summary()
    with world.client() as hh:
        recorded = hh.get_run(pushed.outputs()["run-id"])
        for _ in range(2):  # newer runs of another experiment, which the server's substring match lists too
            hh.create_run({**recorded, "run_id": str(uuid.uuid4()), "name": f"{recorded['name']}-v2"})
    monkeypatch.setattr(baseline, "PAGES", 1)
    monkeypatch.setattr(baseline, "PAGE", 2)
    world.github.set_merge_base(BASE_SHA, HEAD_SHA, MERGE_BASE)  # the pull request's fork point, as locate asks
    code, ran = world.action("run", {"mode": "all"})
    assert code == 0, ran.summary()
    assert (ran.outputs()["verdict"], ran.outputs()["baseline-run-id"]) == ("neutral", "")
    [comment] = world.github.comments(PR)
    said = "Only the newest 2 completed runs whose name contains support-bot-quickstart are read"
    assert said in comment.body, comment.body


def test_no_baseline_at_a_merge_base_nobody_could_tell_gives_the_shallow_checkouts_hint(world: World) -> None:
    """``baseline: {strategy: merge-base}`` in a shallow checkout GitHub's compare did not answer for: the merge base is
    unknown, and the comment said there was no run at it, with no hint; ``auto``'s fallback says so (audit70 #3)."""
    config = world.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "baseline:\n  strategy: merge-base\n", encoding="utf-8")
    code, pushed = world.action("push", {"comment-mode": "off"}, event=push(BASE_SHA))
    assert code == 0, pushed.summary()
    code, ran = world.action("run", {"mode": "all"})  # GitHub's compare says nothing of the pull request's commits
    assert code == 0, ran.summary()
    assert (ran.outputs()["verdict"], ran.outputs()["baseline-run-id"]) == ("neutral", "")
    [comment] = world.github.comments(PR)
    assert "There is no run" not in comment.body
    assert (
        "The pull request's merge base is unknown (a shallow checkout: set fetch-depth: 0 on actions/checkout), so no"
        " run at it could be looked for."
    ) in comment.body, comment.body


def test_a_cancelled_run_named_as_the_baseline_is_not_said_to_be_perhaps_no_run_of_this_experiment(
    world: World,
) -> None:
    """The error says the run is cancelled, with what it recorded; the comment's advice then asked "is it a run of this
    experiment, in this project?", which does not fit a run that exists (audit70 #6e): it asks for a completed one."""
    code, pushed = world.action("push", {"comment-mode": "off"}, event=push(BASE_SHA))
    assert code == 0, pushed.summary()
    cancelled = pushed.outputs()["run-id"]
    with world.client() as hh:
        hh.update_run(cancelled, {"status": "cancelled"})
    code, ran = world.action("run", {"mode": "all", "baseline-run-id": cancelled})
    assert code == 2, ran.summary()
    [comment] = world.github.comments(PR)
    assert f"baseline run {cancelled} is cancelled, not completed" in comment.body, comment.body
    assert "is it a run of this experiment" not in comment.body
    assert "a completed run of this experiment, in this project, or a commit or branch that has one" in comment.body

"""checkout.py against real git repositories in ``tmp_path``: the default branch, the merge base, and what
counts as uncommitted changes (the tool's own files and byte-code caches do not)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from honeyhive_experiment import backend
from honeyhive_experiment.baseline import BaselineQuery, pick_baseline
from honeyhive_experiment.checkout import (
    MAX_HASHED_BYTES,
    commit_of,
    default_branch,
    is_ancestor,
    local_checkout,
    shallow_hint,
)
from honeyhive_experiment.config import BaselineConfig
from honeyhive_experiment.context import ci_context, github_context
from honeyhive_experiment.errors import SettingsError
from honeyhive_experiment.models import ExperimentRun
from honeyhive_experiment.operations import locate
from honeyhive_experiment.settings import CiContext, Mode, Settings
from tests.quickstart import app_repository, git

pytestmark = pytest.mark.integration


def test_outside_a_repository_there_is_no_commit_and_nothing_is_dirty(tmp_path: Path) -> None:
    checkout = local_checkout(tmp_path)
    assert (checkout.branch, checkout.sha, checkout.merge_base_sha, checkout.dirty) == ("local", None, None, None)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda root: None, "main"),
        (lambda root: git(root, "branch", "-m", "main", "master"), "master"),
        (lambda root: git(root, "branch", "-m", "main", "trunk"), None),
        (
            lambda root: (
                git(root, "branch", "-m", "main", "trunk"),
                git(root, "update-ref", "refs/remotes/origin/trunk", "HEAD"),
                git(root, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk"),
            ),
            "origin/trunk",
        ),
    ],
    ids=["main", "master", "neither: none", "origin/HEAD wins"],
)
def test_the_default_branch(tmp_path: Path, setup: Callable[[Path], object], expected: str | None) -> None:
    root = app_repository(tmp_path / "repo")
    setup(root)
    assert default_branch(root) == expected


def test_the_merge_base_with_the_default_branch_or_base(tmp_path: Path) -> None:
    root = app_repository(tmp_path / "repo")
    fork_point = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-qb", "release")
    git(root, "commit", "-q", "--allow-empty", "-m", "release")
    release = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-qb", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "feature")

    default = local_checkout(root)
    assert (default.branch, default.merge_base_ref, default.merge_base_sha) == ("feature", "main", fork_point)
    assert (default.event, default.base_ref) == ("local", "feature")  # baselines are looked for on the branch
    chosen = local_checkout(root, "release")
    assert (chosen.merge_base_ref, chosen.merge_base_sha) == ("release", release)
    assert local_checkout(root, release[:7]).merge_base_sha == release  # a commit does too
    with pytest.raises(SettingsError, match="flag --base: 'relase' is not a branch, tag or commit of this"):
        local_checkout(root, "relase")  # misspelt: never silently the previous local run instead


@pytest.mark.parametrize(
    ("event", "checkout", "merge_base", "stamped", "merged", "warned"),
    [
        ("pull_request", "head", "fork point", None, False, False),
        ("pull_request", "merge", "tip", "merge", True, False),  # actions/checkout without ref: GitHub's merge
        ("pull_request", "shallow merge", "tip", "merge", True, False),  # fetch-depth 1: its parents still known
        ("pull_request_target", "tip", "fork point", "tip", False, True),  # the base's code, not the head's
        ("pull_request", "stale merge", "fork point", "stale merge", False, True),  # GitHub's merge of an older head
        ("workflow_run", "tip", "fork point", None, False, False),  # publish: the default branch, no run made
    ],
)
def test_a_pull_requests_checkout_is_what_its_run_is_compared_and_stamped_by(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    event: str,
    checkout: str,
    merge_base: str,
    stamped: str | None,
    merged: bool,
    warned: bool,
) -> None:
    """The action reads what is checked out: the pull request's head is compared with the run at the merge base;
    GitHub's merge commit of the head into the base's tip with the run at that tip, its first parent (like for
    like: the base's changes since the branch point are not the pull request's); another commit is warned about.
    A checkout other than the head is stamped (``checkout_sha``): its run never stands for the head's code."""
    origin = app_repository(tmp_path / "origin")
    commits = {"fork point": git(origin, "rev-parse", "HEAD")}
    git(origin, "checkout", "-qb", "feature")
    git(origin, "commit", "-q", "--allow-empty", "-m", "feature")
    git(origin, "commit", "-q", "--allow-empty", "-m", "head")
    commits["head"] = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "main")
    git(origin, "commit", "-q", "--allow-empty", "-m", "main moves on")
    commits["tip"] = git(origin, "rev-parse", "HEAD")
    for name, of_head in (("stale merge", "feature~1"), ("merge", "feature")):  # into the tip, as GitHub makes it
        git(origin, "checkout", "-q", "--detach", "main")
        git(origin, "merge", "-q", "--no-ff", "--no-edit", of_head)
        commits[name] = git(origin, "rev-parse", "HEAD")
    git(origin, "branch", "pull/7/merge", commits["merge"])
    commits["shallow merge"] = commits["merge"]
    if checkout == "shallow merge":
        root = tmp_path / "shallow"
        git(tmp_path, "clone", "-q", "--depth=1", "--branch=pull/7/merge", origin.as_uri(), str(root))
    else:
        root = origin
        git(root, "checkout", "-q", "--detach", commits[checkout])
    ci = CiContext(sha=commits["head"], base_sha=commits["tip"], base_ref="main", event=event, pr_number=7)
    mode = Mode.PUBLISH if event == "workflow_run" else Mode.ALL

    with caplog.at_level("WARNING", logger="honeyhive_experiment"):
        found = locate(Settings(command="action", workspace=root, ci=ci, mode=mode)).ci

    assert found.merge_base_sha == commits[merge_base]
    assert found.checkout_sha == (commits[stamped] if stamped else None)
    assert found.merge_checkout is merged
    assert found.sha == commits["head"]  # the run is still the pull request's head's: the comment, publish
    assert ("is neither the pull request's head" in caplog.text) is warned


@pytest.mark.parametrize(
    ("event", "checkout", "sha", "branch", "pr_number", "warned"),
    [
        ("push", "tip", "tip", "main", None, False),
        ("push", "head", "head", None, None, True),  # actions/checkout with another ref: never main's run
        ("workflow_dispatch", "head", "head", None, None, True),
        # "/evaluate" on a pull request: its head is GitHub's (test_issue_comment.py); on an issue, a run of no branch
        ("issue_comment on an issue", "head", "head", None, None, True),
    ],
)
def test_a_run_is_stamped_with_the_commit_checked_out_whatever_the_event(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    event: str,
    checkout: str,
    sha: str,
    branch: str | None,
    pr_number: int | None,
    warned: bool,
) -> None:
    """GITHUB_SHA is the default branch's tip for a ``push`` or a ``workflow_dispatch`` of main, and for an
    ``issue_comment``: the run of another commit was stamped as main's run at main's tip, and became other pull
    requests' baseline with the broken pull request's results as theirs. Now the run is stamped with the commit
    checked out and, when that is not the event's, as no branch's (a comment on a pull request is its pull request's
    run, as GitHub names it: test_issue_comment.py)."""
    origin = app_repository(tmp_path / "origin")
    commits = {"fork point": git(origin, "rev-parse", "HEAD")}
    git(origin, "checkout", "-qb", "feature")
    git(origin, "commit", "-q", "--allow-empty", "-m", "head")
    commits["head"] = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "main")
    git(origin, "commit", "-q", "--allow-empty", "-m", "main moves on")
    commits["tip"] = git(origin, "rev-parse", "HEAD")
    root = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-single-branch", origin.as_uri(), str(root))
    git(root, "checkout", "-q", "--detach", commits[checkout])
    payload = {"repository": {"full_name": "acme/app", "default_branch": "main"}, "issue": {"number": 7}}
    variables = {"GITHUB_EVENT_NAME": event.split()[0], "GITHUB_SHA": commits["tip"], "GITHUB_REF_NAME": "main"}
    ci = ci_context(github_context({**variables, "GITHUB_REF": "refs/heads/main"}, payload))

    with caplog.at_level("WARNING", logger="honeyhive_experiment"):
        found = locate(Settings(command="action", workspace=root, ci=ci)).ci

    assert (found.sha, found.branch, found.pr_number) == (commits[sha], branch, pr_number)
    assert found.checkout_sha is None
    assert ("the checkout" in caplog.text) is warned, caplog.text


def test_a_branchs_push_is_located_at_its_merge_base_with_the_default_branch(tmp_path: Path) -> None:
    """A push of a branch that is not the default one (``fallback_ref``) falls back on the default branch's run at
    their merge base without a passing run of its own: git tells it with the default branch fetched (origin's, as
    actions/checkout names it); a shallow clone knows none, which the report's note then says (the fallback is the
    default branch's latest passing run instead of its run at the merge base)."""
    origin = app_repository(tmp_path / "origin")
    fork_point = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-qb", "feature-x")
    git(origin, "commit", "-q", "--allow-empty", "-m", "feature")
    head = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "main")
    git(origin, "commit", "-q", "--allow-empty", "-m", "main moves on")
    ci = CiContext(branch="feature-x", sha=head, base_ref="feature-x", fallback_ref="main", event="push")

    for depth, merge_base in (("--no-single-branch", fork_point), ("--depth=1", None)):
        root = tmp_path / depth
        git(tmp_path, "clone", "-q", depth, "--branch=feature-x", origin.as_uri(), str(root))
        found = locate(Settings(command="action", workspace=root, ci=ci)).ci
        unknown = merge_base is None
        assert (found.merge_base_sha, found.merge_base_unknown, found.base_ref) == (merge_base, unknown, "feature-x")


def test_whether_a_commit_is_of_the_merge_bases_history(tmp_path: Path) -> None:
    """git's answer, yes or no; ``None`` when it cannot tell (a commit the checkout lacks, outside a repository), and
    for a stamped ``sha`` that is not a commit id (never handed to git, where it could read as an option)."""
    root = app_repository(tmp_path / "repo")
    before = git(root, "rev-parse", "HEAD")
    git(root, "commit", "-q", "--allow-empty", "-m", "fork point")
    fork_point = git(root, "rev-parse", "HEAD")
    git(root, "commit", "-q", "--allow-empty", "-m", "main moves on")
    ahead = git(root, "rev-parse", "HEAD")

    asked = [(before, fork_point), (fork_point[:7], fork_point), (ahead, fork_point), ("f" * 40, fork_point)]
    assert [is_ancestor(root, commit, of) for commit, of in asked] == [True, True, False, None]
    assert [is_ancestor(root, commit, fork_point) for commit in ("--all", "HEAD", "")] == [None, None, None]
    assert is_ancestor(tmp_path, before, fork_point) is None  # not a repository


def test_a_partial_shallow_clone_fetches_nothing_and_cannot_tell(tmp_path: Path) -> None:
    """audit72 F1: in actions/checkout's shallow clone with ``filter: blob:none``, ``git merge-base --is-ancestor``
    fetched each commit it lacked from origin (seconds each, one per run asked about) and then said "not an ancestor"
    of the checkout's own ancestors, so the run at one read as ahead of it and GitHub's compare was never asked. As
    in a plain shallow clone: nothing fetched, git cannot tell."""
    origin = app_repository(tmp_path / "origin")
    for n in range(3):
        git(origin, "commit", "-q", "--allow-empty", "-m", f"c{n}")
    git(origin, "config", "uploadpack.allowFilter", "true")
    git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")
    older, head = git(origin, "rev-parse", "HEAD~2"), git(origin, "rev-parse", "HEAD")
    root = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", "--no-local", "--depth=1", "--filter=blob:none", origin.as_uri(), str(root))
    assert is_ancestor(root, older, head) is None
    assert git(root, "rev-list", "--all", "--count") == "1"  # the one commit it had: nothing was fetched


def test_the_commit_a_revision_names_in_the_checkout(tmp_path: Path) -> None:
    """``--baseline HEAD~1`` (audit 46a #2): git resolves the revision in the checkout, to a commit (a tag's, not the
    tag object); ``None`` for what names no commit there, outside a repository, and for text git would read as an
    option (``--output=x`` writes a file to rev-parse without --end-of-options): typed by the user, it never is."""
    root = app_repository(tmp_path / "repo")
    first = git(root, "rev-parse", "HEAD")
    git(root, "tag", "-a", "-m", "a release", "v1")
    git(root, "commit", "-q", "--allow-empty", "-m", "second")
    second = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "third")

    cases = {
        "HEAD~1": second,
        "HEAD~2": first,
        "main^": first,
        "main": second,
        "v1": first,
        first[:7]: first,
        first.upper(): first,
        "HEAD~9": None,
        "nope": None,
        "HEAD:app.py": None,  # a blob
        ":/second": second,  # the newest commit whose message says it
        ":/^first": first,
        ":/no such message": None,
        "--all": None,
        "--output=x": None,
        "-1": None,
        " HEAD": None,
        "": None,
    }
    assert {rev: commit_of(root, rev) for rev in cases} == cases
    assert not (root / "x").exists()
    assert commit_of(tmp_path, "HEAD") is None  # not a repository


def test_a_revision_a_shallow_clone_lacks_is_said_with_the_fix_where_it_runs(tmp_path: Path) -> None:
    """A revision that walks back from the commit a shallow clone has (``HEAD~1``), or a tag (actions/checkout fetches
    none at its default depth), names no commit there: the hint says to give the workflow fetch-depth: 0, and outside
    Actions to fetch the history with git (it gave a terminal the workflow's advice, and a tag no hint: audit70 #6a,
    #6b). Nothing for a revision the clone has, for a commit's sha (its runs were looked for as typed), nor in a whole
    clone."""
    origin = app_repository(tmp_path / "origin")
    git(origin, "tag", "v1.0")
    git(origin, "commit", "-q", "--allow-empty", "-m", "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", "--no-tags", origin.as_uri(), str(shallow))
    walks = "HEAD~1 walks back from a commit this checkout does not have: it is shallow"
    tag = "v1.0 names no commit in this checkout, which may lack it (a tag): it is shallow"
    in_actions = " (actions/checkout fetches one commit and no tags unless told otherwise), so give it fetch-depth: 0"
    in_a_terminal = ": fetch the rest of its history with git fetch --unshallow --tags"
    assert shallow_hint(shallow, "HEAD~1", action=True) == f"; {walks}{in_actions}"
    assert shallow_hint(shallow, "HEAD~1", action=False) == f"; {walks}{in_a_terminal}"
    assert shallow_hint(shallow, "v1.0", action=True) == f"; {tag}{in_actions}"
    assert shallow_hint(shallow, "v1.0", action=False) == f"; {tag}{in_a_terminal}"
    assert [shallow_hint(shallow, rev, action=True) for rev in ("HEAD", "abc1234", "", None)] == ["", "", "", ""]
    assert shallow_hint(origin, "v2.0", action=True) == ""  # a whole clone: there is no such tag


def test_a_remote_tracking_base_is_its_branch_whose_own_run_at_the_merge_base_wins(tmp_path: Path) -> None:
    """``run --base origin/main`` names main: main's CI run at the merge base is the base branch's own, preferred
    to a newer local run there (compared as "origin/main", it was one more other run, and the newest won). Which
    prefixes are remotes git says (``up/stream`` is one too); a local branch, a tag or a commit stays as named."""
    origin = app_repository(tmp_path / "origin")
    root = tmp_path / "clone"
    git(tmp_path, "clone", "-q", origin.as_uri(), str(root))
    git(root, "remote", "add", "up/stream", origin.as_uri())
    git(root, "fetch", "-q", "up/stream")
    fork_point = git(root, "rev-parse", "HEAD")
    git(root, "tag", "v1")
    git(root, "checkout", "-qb", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "feature")

    for base, named in [("origin/main", "main"), ("up/stream/main", "main"), (None, "main"), ("main", "main")]:
        assert local_checkout(root, base).merge_base_ref == named, base
    assert [local_checkout(root, base).merge_base_ref for base in ("v1", fork_point[:9])] == ["v1", fork_point[:9]]

    ci = local_checkout(root, "origin/main")
    stamped = [
        ("local", {"branch": "main", "sha": fork_point, "event": "local"}),  # newer: a developer's run there
        ("ci", {"branch": "main", "sha": fork_point, "event": "push"}),
    ]
    runs = [
        ExperimentRun.model_validate({"run_id": run_id, "name": "x", "status": "completed", "metadata": {"ci": ci}})
        for run_id, ci in stamped
    ]
    query = BaselineQuery(
        experiment="x",
        dataset_id=None,
        policy=BaselineConfig(),
        merge_base_sha=ci.merge_base_sha,
        base_branch=ci.base_ref,
        exclude_run_ids=(),
        now=datetime.now(UTC),
        require_passing=False,
        config_file=".honeyhive/experiment.yml",
        repository=None,
        merge_base_ref=ci.merge_base_ref,
    )
    chosen = pick_baseline(runs, query, passed=lambda run: True, ancestry=lambda commit, of: None)
    assert chosen is not None
    assert (chosen.run.run_id, chosen.why) == ("ci", f"run at merge-base {fork_point[:7]} with main")


def test_uncommitted_changes_and_their_digest(tmp_path: Path) -> None:
    root = app_repository(tmp_path / "repo")
    clean = local_checkout(root)
    assert (clean.dirty, clean.diff_sha256) == (False, None)

    (root / ".honeyhive").mkdir()
    for own in (".honeyhive/local.db", ".honeyhive/local.db-wal", ".honeyhive/report.json", "pkg/__pycache__/a.pyc"):
        (root / own).parent.mkdir(parents=True, exist_ok=True)
        (root / own).write_text("written by the run")
    (root / "out.json").write_text("{}")
    assert local_checkout(root, own_files=[root / "out.json"]).dirty is False  # --report's file
    assert local_checkout(root).dirty is True  # the same file, not named as the run's own, is a change

    (root / "out.json").unlink()
    (root / "app.py").write_text("print('bye')\n")
    edited = local_checkout(root)
    assert edited.dirty is True
    assert edited.diff_sha256 is not None
    assert local_checkout(root).diff_sha256 == edited.diff_sha256  # the same changes, the same digest
    (root / "notes.txt").write_text("an untracked file counts too")
    assert local_checkout(root).diff_sha256 not in (None, edited.diff_sha256)
    (root / "notes.txt").unlink()
    (root / "app.py").write_text("print('hi')\n")
    assert local_checkout(root).dirty is False


def test_a_folders_run_sees_the_whole_repositorys_changes(tmp_path: Path) -> None:
    """A monorepo's service imports a shared library from outside its folder: an edit there changes the code the
    run measures, so it is uncommitted changes too; the tool's own files are not, in whichever folder it ran."""
    root = app_repository(tmp_path / "repo")
    service, library = root / "services" / "bot", root / "libs" / "shared_prompts.py"
    service.mkdir(parents=True)
    library.parent.mkdir()
    (service / "app.py").write_text("from libs.shared_prompts import SYSTEM\n")
    library.write_text("SYSTEM = 'be polite'\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "monorepo")
    for own in ("services/bot/.honeyhive/local.db", "services/api/.honeyhive/report.json", ".honeyhive/report.html"):
        (root / own).parent.mkdir(parents=True, exist_ok=True)
        (root / own).write_text("written by a run")
    (root / "out.json").write_text("{}")
    clean = local_checkout(service, own_files=[root / "out.json"])  # --report ../../out.json
    assert (clean.dirty, clean.diff_sha256) == (False, None)

    library.write_text("SYSTEM = 'be rude'\n")
    edited = local_checkout(service, own_files=[root / "out.json"])
    assert edited.dirty is True
    assert edited.diff_sha256 is not None
    (root / "libs" / "new.py").write_text("an untracked file outside the folder counts too")
    assert local_checkout(service, own_files=[root / "out.json"]).diff_sha256 not in (None, edited.diff_sha256)


@contextmanager
def address_space(extra: int) -> Iterator[None]:
    """This process may map at most ``extra`` more bytes while inside: an unbounded read raises MemoryError
    instead of taking the machine's memory (a bound on memory without timing anything)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the address space's size from /proc/self/status")
    import resource

    status = Path("/proc/self/status").read_text()
    used = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


BOUND = 256 * 1024 * 1024  # far more than the digest needs (1 MiB chunks), far less than the files below


def test_an_untracked_symlink_is_hashed_as_its_target_path_never_followed(tmp_path: Path) -> None:
    """A link to /dev/zero was read to the end: the digest never finished and took all memory."""
    root = app_repository(tmp_path / "repo")
    link = root / "data"
    digests = []
    for target in ("/dev/zero", "/dev/urandom", "/dev/zero"):
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target)
        with address_space(BOUND):
            checkout = local_checkout(root)
        assert checkout.dirty is True
        digests.append(checkout.diff_sha256)

    zero, urandom, zero_again = digests
    assert zero is not None
    assert zero != urandom  # the target's path is what is hashed
    assert zero == zero_again
    link.unlink()
    (root / "data").write_text("/dev/zero")  # a file whose content is that path is not the link
    assert local_checkout(root).diff_sha256 not in (None, zero)


def test_a_big_untracked_file_is_hashed_up_to_the_cap(tmp_path: Path) -> None:
    """A sparse file of 16 × the cap: read in chunks, only the cap's worth, and its size."""
    root = app_repository(tmp_path / "repo")
    big = root / "big.bin"
    with big.open("wb") as file:
        file.truncate(16 * MAX_HASHED_BYTES)

    def digest() -> str | None:
        with address_space(BOUND):
            return local_checkout(root).diff_sha256

    def write_at(offset: int, data: bytes) -> None:
        with big.open("r+b") as file:
            file.seek(offset)
            file.write(data)

    first = digest()
    write_at(MAX_HASHED_BYTES + 1, b"past the cap")
    assert digest() == first  # bytes past the cap are not read
    write_at(MAX_HASHED_BYTES - 100, b"within the cap")
    within = digest()
    assert within not in (None, first)
    with big.open("r+b") as file:
        file.truncate(16 * MAX_HASHED_BYTES + 1)
    assert digest() not in (None, first, within)  # the size counts
    assert os.stat(big).st_blocks * 512 < MAX_HASHED_BYTES  # still sparse: the test took no disk


@pytest.mark.parametrize(
    ("where", "advised"), [("repository", True), ("ignored", False), ("no repository", False), ("no git", False)]
)
def test_the_embedded_backends_database_is_said_to_need_gitignore_only_where_git_would_commit_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, where: str, advised: bool
) -> None:
    """The advice "(add it to .gitignore)" came with every dry run, in a repository ignoring it already, or none."""
    root = tmp_path / "repo"
    if where == "no repository":
        root.mkdir()
    else:
        app_repository(root)
    if where == "ignored":
        (root / ".gitignore").write_text(".honeyhive/local.db*\n")
    if where == "no git":
        monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    database = root / ".honeyhive" / "local.db"
    with (
        caplog.at_level("WARNING", logger="honeyhive_experiment"),
        backend.connect(None, None, local_db=database, environ={}),
    ):
        pass
    assert f"its data in {database}" in caplog.text
    assert ("(add it to .gitignore)" in caplog.text) is advised

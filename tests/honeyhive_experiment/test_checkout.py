"""checkout.py against real git repositories in ``tmp_path``: the default branch, the merge base, and what
counts as uncommitted changes (the tool's own files and byte-code caches do not)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from honeyhive_experiment.checkout import default_branch, local_checkout

pytestmark = pytest.mark.integration


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def repository(root: Path, branch: str = "main") -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", branch)
    (root / "app.py").write_text("print('hi')\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    return root


def test_outside_a_repository_there_is_no_commit_and_nothing_is_dirty(tmp_path: Path) -> None:
    checkout = local_checkout(tmp_path)
    assert (checkout.branch, checkout.sha, checkout.merge_base_sha, checkout.dirty) == ("local", None, None, False)


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
    root = repository(tmp_path / "repo")
    setup(root)
    assert default_branch(root) == expected


def test_the_merge_base_with_the_default_branch_or_base(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    fork_point = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-qb", "release")
    git(root, "commit", "-q", "--allow-empty", "-m", "release")
    release = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-qb", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "feature")

    default = local_checkout(root)
    assert (default.branch, default.base, default.merge_base_sha) == ("feature", "main", fork_point)
    chosen = local_checkout(root, "release")
    assert (chosen.base, chosen.merge_base_sha) == ("release", release)


def test_uncommitted_changes_and_their_digest(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
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

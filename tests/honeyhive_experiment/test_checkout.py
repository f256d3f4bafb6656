"""checkout.py against real git repositories in ``tmp_path``: the default branch, the merge base, and what
counts as uncommitted changes (the tool's own files and byte-code caches do not)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from honeyhive_experiment.checkout import MAX_HASHED_BYTES, default_branch, local_checkout
from honeyhive_experiment.errors import SettingsError

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
    assert (default.branch, default.merge_base_ref, default.merge_base_sha) == ("feature", "main", fork_point)
    assert (default.event, default.base_ref) == ("local", "feature")  # baselines are looked for on the branch
    chosen = local_checkout(root, "release")
    assert (chosen.merge_base_ref, chosen.merge_base_sha) == ("release", release)
    assert local_checkout(root, release[:7]).merge_base_sha == release  # a commit does too
    with pytest.raises(SettingsError, match="flag --base: 'relase' is not a branch, tag or commit of this"):
        local_checkout(root, "relase")  # misspelt: never silently the previous local run instead


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
    root = repository(tmp_path / "repo")
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
    root = repository(tmp_path / "repo")
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

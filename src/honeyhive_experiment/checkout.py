"""What git says about the local checkout a ``run`` starts in: branch, commit, the default branch and the
merge base with it, and whether the working tree has uncommitted changes; for a local run, that is its
:class:`~honeyhive_experiment.context.CiContext`.

A local run's baseline is the run at the merge base of ``HEAD`` with the default branch (what a pull request
from this branch would be compared with), so a dry run on a feature branch compares with ``main`` without a
run id copied from old output. A run made with uncommitted changes (anywhere in the repository, not only in
the folder it runs in) is stamped ``dirty`` with a digest of the changes (``diff_sha256``): it is labelled with
``HEAD``'s commit, but that is not the code it ran, so it is never another commit's baseline
(:func:`honeyhive_experiment.baseline.may_be_baseline`). In GitHub Actions, :func:`checked_out` tells which
commit a pull request's run really has: its head, or GitHub's merge commit of it. :func:`git_metadata` is what
``evaluate()`` records of the checkout, as the official SDK's does.

The digest covers git's diff against ``HEAD`` and every untracked file, read the way git would store it: a
symlink is its target's path (never followed: a link to ``/dev/zero`` is 9 bytes of text), a regular file its
first :data:`MAX_HASHED_BYTES` bytes and its size, read in chunks, and anything else (a FIFO, a device) only
its kind. So the digest takes bounded memory and time whatever the working tree holds.

Every function answers ``None`` (or "clean") when git is missing or the directory is not a repository: a run
outside git simply has no commit.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from honeyhive_experiment.context import CiContext
from honeyhive_experiment.errors import SettingsError
from honeyhive_experiment.paths import relative

__all__ = [
    "MAX_HASHED_BYTES",
    "checked_out",
    "commit_of",
    "git",
    "git_metadata",
    "ignored",
    "is_ancestor",
    "local_checkout",
    "shallow_hint",
]

MAX_HASHED_BYTES = 64 * 1024 * 1024  # of one untracked file; past it, only its size is in the digest
_CHUNK = 1024 * 1024
_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")

# what the tool itself writes into the repository (in whichever folder it ran), and Python's byte-code caches: not
# "changes"
_OWN_FILES = (
    ":(exclude,glob)**/.honeyhive/local.db*",
    ":(exclude,glob)**/.honeyhive/report*.json",
    ":(exclude,glob)**/.honeyhive/report*.html",
    ":(exclude,glob)**/__pycache__/**",
    ":(exclude,glob)**/*.pyc",
)


def git(root: Path, *args: str) -> str | None:
    """``git <args>`` in ``root``: its output, or ``None`` when git fails or says nothing."""
    return _git_bytes(root, args, timeout=10).decode(errors="replace").strip() or None


def _git_bytes(root: Path, args: Sequence[str], *, timeout: float = 30) -> bytes:
    """``git <args>`` in ``root``: its output as it is (a diff, NUL-separated names), empty when git fails."""
    done = _run_git(root, args, timeout=timeout)
    return done.stdout if done is not None and done.returncode == 0 else b""


def _run_git(
    root: Path, args: Sequence[str], *, timeout: float, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes] | None:
    """``git <args>`` run in ``root`` (with ``env`` added to the environment); ``None`` when it could not be run (no
    git, a timeout)."""
    try:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=root,
            capture_output=True,
            timeout=timeout,
            check=False,
            env={**os.environ, **env} if env else None,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def ignored(path: Path) -> bool | None:
    """Whether git ignores ``path`` (``git check-ignore``); ``None`` outside a work tree, or without git."""
    done = _run_git(path.parent, ["check-ignore", "-q", path.name], timeout=10)
    return None if done is None or done.returncode not in (0, 1) else done.returncode == 0


def is_ancestor(root: Path, commit: str, of: str) -> bool | None:
    """Whether ``commit`` is ``of`` or one of its ancestors (``git merge-base --is-ancestor``); ``None`` when git
    cannot tell: a commit this checkout does not have (a shallow clone, one never fetched), or no commit id at all
    (a run's stamped ``sha`` is the backend's text, never passed to git as an option). Never fetched: a partial clone
    (actions/checkout's ``filter: blob:none``) would fetch a commit it lacks from origin, seconds each, and a shallow
    one then answered "not an ancestor" of commits that are (audit72 F1)."""
    if not (_COMMIT.fullmatch(commit) and _COMMIT.fullmatch(of)):
        return None
    done = _run_git(root, ["merge-base", "--is-ancestor", commit, of], timeout=10, env={"GIT_NO_LAZY_FETCH": "1"})
    return None if done is None else {0: True, 1: False}.get(done.returncode)  # else (128): git could not tell


def commit_of(root: Path, revision: str) -> str | None:
    """The commit ``revision`` names in the checkout in ``root``, as git resolves it (``HEAD~1``, ``main^``, a short
    sha, a tag): its full sha; ``None`` when it names no commit there, or git cannot tell. ``revision`` is what someone
    typed (``--baseline``): after ``--end-of-options``, never an option, and one that starts with ``-`` is none.
    Resolved first and peeled to its commit after (a tag's), not as ``revision^{commit}``: ``:/text`` (the newest
    commit whose message has ``text``) would take the suffix into its text."""
    if not revision or revision.startswith("-") or revision != revision.strip():
        return None
    found = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", revision)
    if found is None or not _COMMIT.fullmatch(found):
        return None
    commit = git(root, "rev-parse", "--verify", "--quiet", f"{found}^{{commit}}")
    return commit if commit is not None and _COMMIT.fullmatch(commit) else None


def shallow_hint(root: Path, revision: str | None, *, action: bool) -> str:
    """Why a revision (``HEAD~1``, ``main^``, a tag) named no commit, when the checkout in ``root`` is shallow
    (actions/checkout fetches one commit and no tags by default), as words to add to the error, with the fix
    (``action``: the workflow's ``fetch-depth: 0``; else ``git fetch``'s); else ``""``. Not for a commit's sha: runs
    were looked for at it as typed."""
    if not revision or _COMMIT.fullmatch(revision) or commit_of(root, revision):
        return ""
    if git(root, "rev-parse", "--is-shallow-repository") != "true":
        return ""
    shallow = "it is shallow: fetch the rest of its history with git fetch --unshallow --tags"
    if action:
        shallow = (
            "it is shallow (actions/checkout fetches one commit and no tags unless told otherwise), so give it"
            " fetch-depth: 0"
        )
    if any(c in revision for c in "~^"):  # a branch's name has neither
        return f"; {revision} walks back from a commit this checkout does not have: {shallow}"
    return f"; {revision} names no commit in this checkout, which may lack it (a tag): {shallow}"


def checked_out(root: Path) -> tuple[str, ...]:
    """``HEAD``'s commit, then its parents as the commit itself names them (a shallow clone has them too, though
    git's history commands see none there); empty outside a repository."""
    head = git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    if head is None:
        return ()
    header = (git(root, "cat-file", "commit", head) or "").split("\n\n", 1)[0]
    return (head, *(line.removeprefix("parent ") for line in header.splitlines() if line.startswith("parent ")))


def default_branch(root: Path) -> str | None:
    """``origin/HEAD``'s branch, else ``main`` or ``master`` when one exists (locally or on origin)."""
    head = git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if head:
        return head
    for name in ("main", "master"):
        for ref in (f"refs/heads/{name}", f"refs/remotes/origin/{name}"):
            if git(root, "rev-parse", "--verify", "--quiet", ref):
                return name if ref.startswith("refs/heads/") else f"origin/{name}"
    return None


def _changes(root: Path, also_own: Sequence[Path]) -> tuple[bool, str | None]:
    """Whether the working tree differs from ``HEAD`` (tracked changes or untracked files, the tool's own files
    and ``also_own`` left out), and a digest of those changes: the whole repository's, not only ``root``'s (a
    folder of a monorepo), since the code run there may import from anywhere in it."""
    top = git(root, "rev-parse", "--show-toplevel")
    if top is None:
        return False, None
    root = Path(top)
    own = [*_OWN_FILES]
    for path in also_own:
        if (inside := relative(path, root)) is not None:  # outside the repository: not a change of it
            own.append(f":(exclude,literal){inside}")
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", ".", *own)
    if not status:
        return False, None
    digest = hashlib.sha256(_git_bytes(root, ["diff", "HEAD", "--binary", "--", ".", *own]))
    untracked = _git_bytes(root, ["ls-files", "--others", "--exclude-standard", "-z", "--", ".", *own])
    for name in sorted(n for n in untracked.split(b"\0") if n):
        digest.update(b"\0untracked\0" + name + b"\0")
        digest.update(_entry_digest(os.path.join(os.fsencode(root), name)))
    return True, digest.hexdigest()


def _entry_digest(path: bytes) -> bytes:
    """An untracked entry's digest, read as the module docstring says: never a followed link or an unbounded read."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return b"symlink\0" + os.readlink(path)
        if not stat.S_ISREG(info.st_mode):
            return b"special\0" + stat.filemode(info.st_mode)[0].encode()
        # O_NOFOLLOW and O_NONBLOCK: replaced by a link or a FIFO since lstat, it is not opened or waited on
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return b"unreadable"
    with os.fdopen(descriptor, "rb", buffering=0) as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            return b"special"
        content = hashlib.sha256(b"file\0%d\0" % info.st_size)
        left = MAX_HASHED_BYTES
        try:
            while left > 0 and (chunk := file.read(min(_CHUNK, left))):
                content.update(chunk)
                left -= len(chunk)
        except OSError:
            return b"unreadable"
    return content.digest()


def git_metadata(root: Path) -> dict[str, str | bool]:
    """What the official SDK's ``evaluate()`` (1.7) records of the checkout it runs in as its run's ``metadata.git``:
    ``HEAD``'s commit (``commit_hash``, ``commit_hash_short``, ``commit_message``: its subject, ``author_name``,
    ``author_email``), ``branch`` (``HEAD`` when detached), ``remote_url`` (origin's, its userinfo left out: it can
    be a token) and ``is_dirty`` (``git status``, untracked files too); each only when git says it, and nothing
    outside a repository or without git."""
    if git(root, "rev-parse", "--is-inside-work-tree") != "true":
        return {}
    head = (git(root, "log", "-1", "--format=%H%n%h%n%s%n%an%n%ae") or "").split("\n")
    keys = ("commit_hash", "commit_hash_short", "commit_message", "author_name", "author_email")
    found: dict[str, str | bool] = {key: value.strip() for key, value in zip(keys, head, strict=False) if value.strip()}
    if branch := git(root, "rev-parse", "--abbrev-ref", "HEAD"):
        found["branch"] = branch
    if remote := git(root, "remote", "get-url", "origin"):
        scheme, sep, rest = remote.partition("://")
        found["remote_url"] = f"{scheme}://{rest.rpartition('@')[2]}" if sep else remote  # user@host:path: no secret
    status = _run_git(root, ["status", "--porcelain"], timeout=10)
    if status is not None and status.returncode == 0:
        found["is_dirty"] = bool(status.stdout.strip())
    return found


def _branch_name(root: Path, ref: str) -> str:
    """``ref`` as runs' ``metadata.ci.branch`` names it: a remote-tracking branch without its remote's name
    (``origin/main``, ``upstream/main``: ``main``, which the base branch's own runs are stamped with); anything
    else (a local branch, a tag, a commit) as it is."""
    full = git(root, "rev-parse", "--symbolic-full-name", ref) or ""
    for remote in sorted((git(root, "remote") or "").splitlines(), key=len, reverse=True):  # up/stream before up
        if full.startswith(f"refs/remotes/{remote}/"):
            return full.removeprefix(f"refs/remotes/{remote}/")
    return ref


def local_checkout(root: Path, base: str | None = None, *, own_files: Sequence[Path] = ()) -> CiContext:
    """The checkout in ``root`` as a local run's context: event ``local``, the branch (``local`` when ``HEAD`` is
    detached or there is no repository; baselines are looked for on it too), the commit, the merge base with
    ``base`` (else the default branch), and ``dirty`` with its digest (``None``: no commit to differ from).
    ``own_files`` (the ``--report`` file) are outputs of this run, not changes."""
    found = git(root, "rev-parse", "--abbrev-ref", "HEAD")
    branch = found if found and found != "HEAD" else "local"
    sha = git(root, "rev-parse", "HEAD")
    if base and sha and git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}") is None:
        raise SettingsError("--base", f"{base!r} is not a branch, tag or commit of this repository", kind="flag")
    compare_with = base or default_branch(root)
    merge_base = git(root, "merge-base", "HEAD", compare_with) if sha and compare_with else None
    dirty, digest = _changes(root, own_files) if sha else (None, None)
    return CiContext(
        branch=branch,
        base_ref=branch,
        sha=sha,
        event="local",
        merge_base_sha=merge_base,
        merge_base_unknown=sha is not None and merge_base is None,  # the report's note says so
        merge_base_ref=_branch_name(root, compare_with) if compare_with else None,
        dirty=dirty,
        diff_sha256=digest,
    )

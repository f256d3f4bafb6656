"""Where the tool reads and writes inside the user's repository (relative to the working directory), and how it opens
a file to write it: through no symbolic link (:func:`folder_beneath`).

Kept apart from :mod:`~honeyhive_experiment.config` and :mod:`~honeyhive_experiment.settings` so the
command line can name its defaults in ``--help`` without importing pydantic.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Final

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "LOCAL_DB_FILES",
    "LOCAL_DB_PATH",
    "REPORT_HTML_PATH",
    "REPORT_PATH",
    "NotAFile",
    "ThroughALink",
    "folder_beneath",
    "inside",
    "link_on_the_way",
    "look_in",
    "not_utf8",
    "open_beneath",
    "open_in",
    "read_regular",
    "relative",
]

DEFAULT_CONFIG_PATH: Final = ".honeyhive/experiment.yml"
"""The experiment file read when none is named (``config`` input, ``--config``)."""
LOCAL_DB_PATH: Final = ".honeyhive/local.db"
"""The embedded local backend's SQLite file: successive dry runs without an API key compare with each other."""
LOCAL_DB_FILES: Final = ("", "-wal", "-shm", "-journal")
"""What SQLite writes for a database file: the file itself and these beside it (suffixes of its name)."""
REPORT_PATH: Final = ".honeyhive/report.json"
"""Where the action writes the default experiment file's ``report.json`` (the ``report-path`` output), and ``mode:
publish`` reads it, unless the ``report`` input names another file (another experiment file's is named after it:
:attr:`~honeyhive_experiment.settings.Settings.default_report`)."""
REPORT_HTML_PATH: Final = ".honeyhive/report.html"
"""Where the default experiment file's HTML report goes without ``--html`` or ``--report``: beside ``report.json``
(``html-report-path``)."""


def inside(root: str | os.PathLike[str], relative: str | os.PathLike[str]) -> Path | None:
    """``root / relative`` with ``..`` and symlinks resolved, or ``None`` when that lands outside ``root``.

    A config committed to a repository must not make the action read files elsewhere on the runner (another
    checkout, the runner's own files): a path that leaves the working directory, directly or through a
    symlink to a file or a folder, is refused by whoever asks."""
    base = Path(root).resolve()
    target = (base / relative).resolve()
    return target if target == base or target.is_relative_to(base) else None


def relative(path: str | os.PathLike[str], root: str | os.PathLike[str], *, follow_links: bool = True) -> str | None:
    """``path`` relative to ``root`` in ``/`` form, both resolved (symlinks followed); ``None`` when it is not under
    ``root``. How the tool names a file of the repository to the user, to git and to GitHub's annotations.

    Without ``follow_links``, as the paths are written (``.`` and ``..`` taken away, no link followed): what names a
    file as the workflow and the repository name it, whatever a link in it points at."""
    if follow_links:
        whole, base = Path(path).resolve(), Path(root).resolve()
    else:
        whole, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    try:
        return whole.relative_to(base).as_posix()
    except ValueError:
        return None


def link_on_the_way(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path | None:
    """The first symbolic link on the way to writing ``path``: ``path`` itself, or a folder of it inside ``root``;
    ``None`` when there is none. A repository can commit a link (``.honeyhive -> /somewhere``): writing through it
    would put the tool's files outside the working directory, so whoever writes refuses.

    Both paths mean what they mean to the system (relative to the current directory, or absolute), and ``path`` is
    followed as the system follows it, ``..`` and links above ``root`` (``~/code -> /mnt/code``) included: the link
    found is the one the write would really go through, however ``path`` names the folder (``repo/.honeyhive`` or
    ``/abs/repo/.honeyhive``, from inside or outside ``root``)."""
    base = Path(os.path.realpath(root))  # as Path.resolve, but a loop of links is no RuntimeError
    parts = Path(path).absolute().parts
    current = Path(parts[0])
    for index, part in enumerate(parts[1:], start=1):
        if part == "..":
            current = current.parent
            continue
        step = current / part
        if step.is_symlink():
            if index == len(parts) - 1 or current.is_relative_to(base):
                return step
            current = Path(os.path.realpath(step))  # a link outside the working directory, or to it: the user's
        else:
            current = step
    return None


class ThroughALink(OSError):
    """Writing a file would go through ``link``, a symbolic link to ``target`` (:func:`folder_beneath`,
    :func:`open_in`); its ``strerror`` says so."""

    def __init__(self, link: Path, target: str) -> None:
        super().__init__(errno.ELOOP, f"{link} is a symbolic link (to {target})", os.fspath(link))
        self.link, self.target = link, target


_FOLDER: Final = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY  # O_PATH: a folder one may pass but not list


@contextmanager
def folder_beneath(
    root: str | os.PathLike[str], path: str | os.PathLike[str], *, make: bool = False
) -> Iterator[tuple[int, str]]:
    """``path``'s folder, opened (a descriptor, closed on leaving), and ``path``'s last part: the file is opened beside
    it with :func:`open_in`. How every file the tool writes is written, so that none goes through a symbolic link at
    the moment it is written: what the user's code does meanwhile (``.honeyhive`` replaced by a link to a folder
    elsewhere) cannot slip between a check and the write.

    The folders are opened one from the other: those inside ``root`` with no link followed (:class:`ThroughALink` names
    the link), those above or outside it as the system follows them (``root`` reached through a link is the user's:
    ``~/code -> /mnt/code``), as :func:`link_on_the_way` looks before the run. The folders on the way to ``root`` are
    passed by their path, in one step (``root`` is the first opened): without ``O_PATH`` (macOS) opening a folder takes
    the right to list it, which one above the working directory may not give (mode 0711). ``make``: missing folders
    are made (inside ``root``, not through a link either). Raises OSError."""
    base = Path(os.path.realpath(root))
    parts = Path(path).absolute().parts
    current, start = Path(parts[0]), 1  # the real path of the open folder (links are followed only outside base)
    while start < len(parts) - 1 and parts[start] != ".." and not current.is_relative_to(base):
        if not (step := current / parts[start]).is_dir():  # missing, or no folder: made or said so below
            break
        current, start = Path(os.path.realpath(step)), start + 1
    folder = os.open(current, _FOLDER)
    try:
        for index, part in enumerate(parts[start:-1], start=start + 1):
            inside_root = current.is_relative_to(base)
            spelled = Path(*parts[:index])  # as the caller named it, for a message
            opened = _open_folder(folder, part, spelled, no_link=inside_root, make=make)
            os.close(folder)
            folder = opened
            step = current.parent if part == ".." else current / part
            current = step if inside_root or part == ".." else Path(os.path.realpath(step))
        yield folder, parts[-1]
    finally:
        os.close(folder)


def _open_folder(folder: int, part: str, path: Path, *, no_link: bool, make: bool) -> int:
    """The folder ``part`` of the open ``folder`` (``path``), opened; with ``no_link``, refused if it is a link."""
    flags = _FOLDER | (os.O_NOFOLLOW if no_link else 0)
    try:
        try:
            return os.open(part, flags, dir_fd=folder)
        except FileNotFoundError:
            if not make:
                raise
            with suppress(FileExistsError):  # made meanwhile: opened as it is
                os.mkdir(part, dir_fd=folder)
            return os.open(part, flags, dir_fd=folder)
    except OSError:
        if no_link:
            _refuse_a_link(folder, part, path)
        raise


def open_in(folder: int, name: str, flags: int, *, path: Path, mode: int = 0o666) -> int:
    """The file ``name`` of the open ``folder`` (``path``; :func:`folder_beneath`) opened with ``flags``, never through
    a symbolic link (:class:`ThroughALink`): a descriptor."""
    try:
        return os.open(name, flags | os.O_NOFOLLOW, mode, dir_fd=folder)
    except OSError:
        _refuse_a_link(folder, name, path)
        raise


def open_beneath(root: str | os.PathLike[str], path: str | os.PathLike[str], flags: int, *, mode: int = 0o666) -> int:
    """``path`` opened with ``flags`` through no symbolic link inside ``root`` (:func:`folder_beneath`), nor at
    ``path`` itself (:func:`open_in`): a descriptor. The runner's files are opened with their own folder as ``root``:
    a link made in their place (to a file of the workspace) is refused, the runner's folders are its own."""
    with folder_beneath(root, path) as (folder, name):
        return open_in(folder, name, flags, path=Path(path), mode=mode)


def look_in(folder: int, name: str, *, path: Path) -> os.stat_result | None:
    """``name`` in the open ``folder`` (``path``; :func:`folder_beneath`), looked at with no link followed: its stat,
    ``None`` when there is none. A symbolic link there is refused (:class:`ThroughALink`): how a file another program
    opens by its path (SQLite's) is held, its folder opened through no link, in the moment before it is opened."""
    try:
        found = os.lstat(name, dir_fd=folder)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(found.st_mode):
        raise ThroughALink(path, os.readlink(name, dir_fd=folder))
    return found


def _refuse_a_link(folder: int, name: str, path: Path) -> None:
    """Raises ThroughALink when ``name`` in the open ``folder`` is a symbolic link (it is ``path``)."""
    target = None
    with suppress(OSError):
        if stat.S_ISLNK(os.lstat(name, dir_fd=folder).st_mode):
            target = os.readlink(name, dir_fd=folder)
    if target is not None:
        raise ThroughALink(path, target) from None


def not_a_file(mode: int) -> str | None:
    """``"a named pipe"``, ``"a socket"`` or ``"a device"`` when ``mode`` (a stat's) is one, else ``None``: a file a
    user names to be read that is none (reading a FIFO waits for a writer forever, ``/dev/zero`` never ends)."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else None


class NotAFile(OSError):
    """A path a user names to be read is a named pipe, a socket or a device (what it is: the message,
    :func:`not_a_file`)."""


def read_regular(path: str | os.PathLike[str], most: int = -1) -> bytes:
    """The bytes of the file at ``path`` (its first ``most``, if given: a file growing meanwhile is read no further):
    opened without waiting (a named pipe's open waits for a writer, for ever) and read only when it is a regular file
    or a folder (a folder's read raises IsADirectoryError); else :class:`NotAFile` (a FIFO's read waits too,
    ``/dev/zero``'s never ends), judged on the file opened, so nothing can take its place between a check and the
    open. Raises OSError."""
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
        if (kind := not_a_file(os.fstat(handle.fileno()).st_mode)) is not None:
            raise NotAFile(kind)
        return handle.read(most)


_BYTE_ORDER_MARKS: Final = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Why a user's file is not UTF-8, from the error decoding it: saved as UTF-16 or UTF-32 (PowerShell 5's ``>`` and
    ``Out-File`` write UTF-16), said by its byte-order mark, else the first byte that is not UTF-8, by its value."""
    raw = bytes(exc.object)
    return saved_as(raw[:4]) or f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})"


def saved_as(head: bytes) -> str | None:
    """Why a file whose first bytes are ``head`` (4 are enough) is not UTF-8 when it is UTF-16 or UTF-32, else
    ``None``: said by its byte-order mark, or without one by where its first characters' NUL bytes are (RFC 4627's rule
    for JSON, which starts with an ASCII character: ``{\\x00"\\x00`` is UTF-16 LE), which decode as UTF-8 without
    error."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return f"saved as {encoding} (byte-order mark {mark.hex(' ').upper()}): save it as UTF-8"
    said = _NUL_PATTERNS.get(tuple(byte == 0 for byte in head[:4]))
    if said is None:
        return None
    return f"saved as {said} (no byte-order mark: NUL bytes between its characters): save it as UTF-8"


_NUL_PATTERNS: Final[dict[tuple[bool, ...], str]] = {
    (True, True, True, False): "UTF-32 BE",
    (False, True, True, True): "UTF-32 LE",
    (True, False, True, False): "UTF-16 BE",
    (False, True, False, True): "UTF-16 LE",
}
"""Which of the first 4 bytes are NUL in JSON (or CSV, YAML) text whose first 2 characters are ASCII (RFC 4627)."""

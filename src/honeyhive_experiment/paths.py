"""Where the tool reads and writes inside the user's repository (relative to the working directory).

Kept apart from :mod:`~honeyhive_experiment.config` and :mod:`~honeyhive_experiment.settings` so the
command line can name its defaults in ``--help`` without importing pydantic.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "LOCAL_DB_FILES",
    "LOCAL_DB_PATH",
    "REPORT_HTML_PATH",
    "REPORT_PATH",
    "inside",
    "link_on_the_way",
    "not_utf8",
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
    for mark, encoding in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            return f"saved as {encoding} (byte-order mark {mark.hex(' ').upper()}): save it as UTF-8"
    return f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})"

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
    "relative",
]

DEFAULT_CONFIG_PATH: Final = ".honeyhive/experiment.yml"
"""The experiment file read when none is named (``config`` input, ``--config``)."""
LOCAL_DB_PATH: Final = ".honeyhive/local.db"
"""The embedded local backend's SQLite file: successive dry runs without an API key compare with each other."""
LOCAL_DB_FILES: Final = ("", "-wal", "-shm", "-journal")
"""What SQLite writes for a database file: the file itself and these beside it (suffixes of its name)."""
REPORT_PATH: Final = ".honeyhive/report.json"
"""Where the action writes ``report.json`` (the ``report-path`` output), and ``mode: publish`` reads it, unless the
``report`` input names another file."""
REPORT_HTML_PATH: Final = ".honeyhive/report.html"
"""Where the HTML report goes without ``--html`` or ``--report``: beside ``report.json`` (``html-report-path``)."""


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
    """The first symbolic link on the way to writing ``path`` (relative to ``root``, or absolute): ``path`` itself,
    or a folder between ``root`` and it; ``None`` when there is none. A repository can commit a link
    (``.honeyhive -> /somewhere``): writing through it would put the tool's files outside the working directory,
    so whoever writes refuses."""
    base = Path(root).absolute()
    target = base / path
    try:
        parts = target.relative_to(base).parts
    except ValueError:  # outside the working directory (a --report path of the user's): only the file itself
        return target if target.is_symlink() else None
    current = base
    for part in parts:
        current = current / part
        if current.is_symlink():
            return current
    return None

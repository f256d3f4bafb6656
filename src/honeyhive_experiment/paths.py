"""Where the tool reads and writes inside the user's repository (relative to the working directory).

Kept apart from :mod:`~honeyhive_experiment.config` and :mod:`~honeyhive_experiment.settings` so the
command line can name its defaults in ``--help`` without importing pydantic.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = ["DEFAULT_CONFIG_PATH", "LOCAL_DB_PATH", "REPORT_PATH", "inside"]

DEFAULT_CONFIG_PATH: Final = ".honeyhive/experiment.yml"
"""The experiment file read when none is named (``config`` input, ``--config``)."""
LOCAL_DB_PATH: Final = ".honeyhive/local.db"
"""The embedded local backend's SQLite file: successive dry runs without an API key compare with each other."""
REPORT_PATH: Final = ".honeyhive/report.json"
"""Where the action writes ``report.json`` (the ``report-path`` output); ``mode: publish`` reads it from here."""


def inside(root: str | os.PathLike[str], relative: str | os.PathLike[str]) -> Path | None:
    """``root / relative`` with ``..`` and symlinks resolved, or ``None`` when that lands outside ``root``.

    A config committed to a repository must not make the action read files elsewhere on the runner (another
    checkout, the runner's own files): a path that leaves the working directory, directly or through a
    symlink to a file or a folder, is refused by whoever asks."""
    base = Path(root).resolve()
    target = (base / relative).resolve()
    return target if target == base or target.is_relative_to(base) else None

"""Where the tool reads and writes inside the user's repository (relative to the working directory).

Kept apart from :mod:`~honeyhive_experiment.config` and :mod:`~honeyhive_experiment.settings` so the
command line can name its defaults in ``--help`` without importing pydantic.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_CONFIG_PATH", "LOCAL_DB_PATH", "REPORT_PATH"]

DEFAULT_CONFIG_PATH: Final = ".honeyhive/experiment.yml"
"""The experiment file read when none is named (``config`` input, ``--config``)."""
LOCAL_DB_PATH: Final = ".honeyhive/local.db"
"""The embedded local backend's SQLite file: successive dry runs without an API key compare with each other."""
REPORT_PATH: Final = ".honeyhive/report.json"
"""Where the action writes ``report.json`` (the ``report-path`` output); ``mode: publish`` reads it from here."""

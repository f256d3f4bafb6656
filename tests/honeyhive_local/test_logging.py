"""The embedded backend logs as the program that embeds it says: starting it leaves the process's logging alone."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from honeyhive_local import LocalBackend

pytestmark = pytest.mark.integration


def test_starting_the_backend_keeps_the_programs_handlers_on_uvicorns_loggers(tmp_path: Path) -> None:
    # uvicorn's default log_config ran dictConfig: it dropped these, bound its own to the sys.stderr of the moment
    names = ("uvicorn", "uvicorn.error")
    loggers = [logging.getLogger(name) for name in names]
    before = [(list(logger.handlers), logger.propagate) for logger in loggers]
    ours = logging.NullHandler()
    loggers[0].addHandler(ours)
    try:
        with LocalBackend(tmp_path / "local.db", "key"):
            pass
        assert [(list(lg.handlers), lg.propagate) for lg in loggers] == [
            ([*before[0][0], ours], before[0][1]),
            before[1],
        ]
    finally:
        loggers[0].removeHandler(ours)


def test_the_backend_starts_in_a_program_without_standard_output(tmp_path: Path) -> None:
    # pythonw, a service: sys.stdout is None, and uvicorn's default formatters could not be made (a raw ValueError)
    script = f"""
        import sys
        sys.stdout = sys.stderr = None
        from honeyhive_local import LocalBackend
        with LocalBackend({str(tmp_path / "local.db")!r}, "key"):
            pass
        sys.exit(7)
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (7, "")

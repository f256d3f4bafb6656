"""``python -m honeyhive_experiment`` run from a repository's root, as both actions and the README run it.

``python -m`` puts the current directory first on the import path: a repository with a ``token.py`` or an
``email/`` package at its root had them imported as the standard library's by the tool itself (a traceback from
``tokenize``, exit 1, no report).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.e2e

SHADOWING = ("token.py", "queue.py", "secrets.py", "uuid.py", "random.py", "email/__init__.py", "http/__init__.py")


def test_a_repository_with_modules_named_like_the_standard_librarys_runs(tmp_path: Path) -> None:
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    for name in SHADOWING:
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text("raise SystemExit('the repository file was imported as a module of the tool')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}

    for command in (["validate"], ["run", "--dry-run", "--no-html"]):
        done = subprocess.run(
            [sys.executable, "-m", "honeyhive_experiment", *command],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr

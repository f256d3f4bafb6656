"""The built wheel in fresh virtual environments, for tests that run the program as installed.

The wheel is built the way the Dockerfile builds it (``pip wheel . --no-deps`` from exactly the files it copies)
and installed with its dependencies into one fresh virtual environment per test run (``conftest.py``'s
``wheel`` and ``installed`` fixtures), which the run's xdist workers share (:func:`once`). A test that installs
more into an environment (the ``install`` input) gets a :func:`layered_venv` on top of it: its own, empty,
site-packages first, then the shared one's, so what the test installs or breaks stays in its own folder and the
shared environment is reused as it is.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKER_IMAGE_FILES = ("pyproject.toml", "README.md", "src", "templates")  # what the Dockerfile copies for the wheel


_MAKING: dict[str, threading.Lock] = {}  # one lock per name, for the threads of this process


def once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Path]) -> Path:
    """What ``make(folder)`` returns, made once per test run in ``folder`` (``name`` in the run's temporary folder,
    which its xdist workers share): the first worker to get here makes it, holding a lock the others wait on, and
    they take what it made. A ``make`` that failed leaves nothing: the next worker tries again (and fails alike).
    The lock is the process's (``lockf``), which a child forked while a thread of it makes the thing (conftest.py's
    ``_installed_early``) does not inherit and cannot keep held; threads of one process wait on ``_MAKING``."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # a worker's basetemp is popen-gwN
    folder, made = shared / name, shared / f"{name}.made"
    with _MAKING.setdefault(name, threading.Lock()), (shared / f"{name}.lock").open("w") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            folder.mkdir()
            made.write_text(str(make(folder)))
        return Path(made.read_text())


def _run(command: list[str], timeout: float) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def build_wheel(source: Path, out: Path) -> Path:
    """The wheel, built from a copy of exactly the files the Dockerfile copies (no build/ or egg-info)."""
    source.mkdir(parents=True)
    for name in DOCKER_IMAGE_FILES:
        if (REPO / name).is_dir():
            ignored = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
            shutil.copytree(REPO / name, source / name, ignore=ignored)
        else:
            shutil.copy2(REPO / name, source / name)
    wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "--wheel-dir", str(out)]
    _run([*wheel, str(source)], timeout=600)
    (built,) = out.glob("honeyhive_experiment-*.whl")
    return built


def venv_with(wheel: Path, venv: Path) -> Path:
    """A fresh virtual environment with the wheel and its dependencies from the index; returns its python."""
    _run([sys.executable, "-m", "venv", "--clear", str(venv)], timeout=120)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], timeout=900)
    # Python 3.11's venv still seeds setuptools (3.12's no longer does): the program must not need it, and a
    # stale one would shadow the build requirements pip installs for a layered venv's isolated builds
    _run([str(python), "-m", "pip", "uninstall", "--quiet", "--yes", "setuptools"], timeout=120)
    return python


def site_packages(python: Path) -> Path:
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return Path(found.stdout.strip())


def layered_venv(parent: Path, venv: Path) -> Path:
    """A virtual environment whose own site-packages comes first and ``parent``'s (a venv's python) after it,
    through a ``.pth`` file: everything of the parent is importable (pip too), and what is installed into this
    one lands here. Returns its python."""
    _run([sys.executable, "-m", "venv", "--without-pip", "--clear", str(venv)], timeout=120)
    python = venv / "bin" / "python"
    own = site_packages(python)
    (own / "_parent_environment.pth").write_text(f"import site; site.addsitedir({str(site_packages(parent))!r})\n")
    return python

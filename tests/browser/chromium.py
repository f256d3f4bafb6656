"""Headless Chromium for the HTML report's tests and benchmark: Debian's ``chromium`` driven by Playwright.

Playwright's Python package only (``pip install playwright``: its driver ships in the wheel); the browser is the
system's (``executable_path``), never one Playwright downloads. Each page gets a fresh user-data directory and the
flags that keep Chromium from talking to anything on its own (no background networking, component updates,
sync or QUIC), so the only requests a page makes are its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CANDIDATES = ("chromium", "chromium-browser")
ARTIFACTS = Path(os.environ.get("HONEYHIVE_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / ".artifacts")
"""Where the browser tests leave what CI keeps (the report's first screen); the suite's summary names the files."""


def chromium_path() -> str | None:
    """The system's Chromium, or ``None``."""
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def missing() -> str | None:
    """Why the browser tests cannot run here (``None`` when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "no Chromium on PATH (apt-get install chromium; .ci/run installs it in CI as root)"
    return None


@contextmanager
def browser(width: int = 1400, height: int = 900) -> Iterator[BrowserContext]:
    """A headless Chromium with a fresh profile, closed (and its profile removed) when the block ends."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    assert executable is not None, missing()
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            args=list(ARGS),
            headless=True,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()

"""Fixtures of the browser tests: a headless Chromium (``chromium.py``), and the quickstart run twice as a user runs
it (the embedded backend), the second time with answers that got worse, better, and one that is markup."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from honeyhive_experiment.backend import connect
from honeyhive_experiment.cli import main
from tests.browser.chromium import browser, missing
from tests.quickstart import copy_quickstart, set_answers

XSS = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
LOWER_IS_BETTER = {"answer_words"}  # the quickstart's metrics.<name>.direction: lower
SECOND_RUN = {
    "status page": XSS,  # keyword recall 0: worse; fewer words: better
    "dark mode": "Open Settings > Appearance and choose Dark, or let it follow your system's setting.",  # longer
    "mobile app": "There are iOS and Android apps.",  # shorter: better
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One headless Chromium per module (skips, saying why, where there is none). Not per session: Playwright's
    sync API keeps an asyncio loop running in this thread while it is open, and tests of other modules that call
    ``asyncio.run`` may follow on the same worker."""
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with browser() as context:
        yield context


@dataclass(frozen=True)
class Runs:
    repo: Path
    page: Path  # the second run's report.html
    run_id: str
    baseline_run_id: str
    worse: frozenset[str]  # the datapoints the backend's comparison says got worse, direction-aware
    datapoints: int


def dry_run(repo: Path) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["run", "--dry-run", "-C", str(repo)], environ={})
    assert code in (0, 1), out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """The quickstart's dry run, twice; the second with :data:`SECOND_RUN`'s answers. What got worse is asked of the
    backend's comparison directly, with the quickstart's directions."""
    repo = copy_quickstart(tmp_path_factory.mktemp("browser") / "repo")
    dry_run(repo)
    set_answers(repo, SECOND_RUN)
    dry_run(repo)
    with connect(None, None, local_db=repo / ".honeyhive" / "local.db", environ={}) as client:
        new, old = (run["run_id"] for run in client.list_runs(sort_order="desc")["evaluations"][:2])
        comparison = client.compare_runs(new, old)
    worse = set()
    for metric in comparison["metrics"]:
        worse.update(metric["improved"] if metric["metric_name"] in LOWER_IS_BETTER else metric["degraded"])
    datapoints = len((repo / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines())
    return Runs(repo, repo / ".honeyhive" / "report.html", new, old, frozenset(worse), datapoints)

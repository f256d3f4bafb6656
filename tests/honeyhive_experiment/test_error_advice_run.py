"""An ``error`` verdict's advice and error text from real runs: the quickstart broken the way a user breaks it, run
through ``run_config`` (the ``run`` command's operation) and the command line, against the embedded backend, a
backend that refuses the key and a port nobody listens on. Every kind of error, unit-level:
``report/test_error_advice.py``."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.api import run_config
from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.honeyhive_experiment.faultproxy import FaultProxy
from tests.honeyhive_experiment.report.scenarios import JOB_LOG, what_to_check

pytestmark = pytest.mark.integration

COMMENT_START = "----- the comment that would be posted -----"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _config(repo: Path) -> Path:
    return repo / ".honeyhive" / "experiment.yml"


def typo(repo: Path) -> dict[str, Any]:
    _edit(_config(repo), "max_workers: 8", "max_workerz: 8")
    return {}


def bad_row(repo: Path) -> dict[str, Any]:
    with (repo / "data" / "questions.jsonl").open("a", encoding="utf-8") as rows:
        rows.write("{not json\n")
    return {}


def wrong_signature(repo: Path) -> dict[str, Any]:
    evaluators = repo / "support_bot" / "evaluators.py"
    evaluators.write_text(
        evaluators.read_text(encoding="utf-8") + "\n\ndef bad(a, b, c, d):\n    return 1\n", encoding="utf-8"
    )
    _edit(_config(repo), "  - support_bot.evaluators:answer_words\n", "  - support_bot.evaluators:bad\n")
    return {}


def no_key(repo: Path) -> dict[str, Any]:
    return {"dry_run": False}


def missing_dataset(repo: Path, backend: LocalBackend) -> dict[str, Any]:
    _edit(_config(repo), "  path: data/questions.jsonl", "  name: no-such-dataset")
    return {"server_url": backend.url, "api_key": "the-key"}


def managed_dataset_without_key(repo: Path) -> dict[str, Any]:
    """Was a 404 saying to check the dataset is "in the project of this key", with no key."""
    _edit(_config(repo), "  path: data/questions.jsonl", "  name: support-questions")
    return {}


def missing_baseline(repo: Path) -> dict[str, Any]:
    return {"baseline_run_id": "no-such-run"}


def broken_template(repo: Path) -> dict[str, Any]:
    # one that fails as it renders this run's report: one that cannot load or compile, or fails on the sample report
    # validate renders, is a config error before the run
    source = "{{ marker }}\n{% if '22 datapoints' in headline %}{{ no_such_name }}{% endif %}\n"
    (repo / ".honeyhive" / "comment.md.j2").write_text(source, encoding="utf-8")
    _edit(
        _config(repo),
        "comment: {max_datapoints: 10}",
        "comment: {max_datapoints: 10, template: .honeyhive/comment.md.j2}",
    )
    return {}


def cancelled(repo: Path) -> dict[str, Any]:
    event = threading.Event()
    event.set()
    return {"cancel": event}


def refused_key(repo: Path, backend: LocalBackend) -> dict[str, Any]:
    return {"server_url": backend.url, "api_key": "not-the-key"}


def nobody_listening(repo: Path) -> dict[str, Any]:
    # A port bound but never listened on refuses connections, and stays ours for the test: a port closed again could
    # be handed to another process's server on a busy machine (this row once got a 404 from one).
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    _HELD.append(held)
    return {"server_url": f"http://127.0.0.1:{held.getsockname()[1]}", "api_key": "some-key"}


def web_page(repo: Path, backend: LocalBackend) -> dict[str, Any]:
    """A web page (200, text/html: a sign-in portal, a web server) at the server URL: its advice was the backend's,
    "re-run the job", which cannot fix a wrong URL."""
    page = FaultProxy(backend.url, rate=0, page=lambda method, path: True).start()
    _HELD.append(page)
    return {"server_url": page.url, "api_key": "the-key"}


_HELD: list[socket.socket | FaultProxy] = []


@pytest.fixture(autouse=True)
def _release_held_ports() -> Iterator[None]:
    yield
    while _HELD:
        held = _HELD.pop()
        held.close() if isinstance(held, socket.socket) else held.stop()


# (how the quickstart is broken, the kind of error, what the first item of the advice is about, whether the key
# is suspected)
ROWS: list[tuple[Callable[..., dict[str, Any]], str, str, bool]] = [
    (typo, "config", "the experiment file", False),
    (wrong_signature, "config", "the experiment file", False),  # the file's line names the evaluator
    (bad_row, "dataset", "the dataset, at the row", False),
    (no_key, "input", "the input, flag, environment variable", False),
    (missing_dataset, "not_found", "exists in HoneyHive", False),
    (managed_dataset_without_key, "config", "the experiment file", False),
    (missing_baseline, "baseline", "the baseline asked for", False),
    (broken_template, "template", "the comment template", False),
    (cancelled, "cancelled", "what cancelled the job", False),
    (refused_key, "auth", "the `api-key` input", True),
    (nobody_listening, "unreachable", "the `server-url` input", False),
    (web_page, "unreachable", "the `server-url` input", False),
]


@pytest.mark.parametrize(("broken", "kind", "about", "key"), ROWS, ids=[row[0].__name__ for row in ROWS])
def test_a_real_failure_gets_the_advice_for_its_kind(
    quickstart: Path, broken: Callable[..., dict[str, Any]], kind: str, about: str, key: bool
) -> None:
    if broken in (refused_key, missing_dataset, web_page):
        with LocalBackend(":memory:", "the-key") as backend:
            ran = run_config(quickstart, **{"dry_run": True, "environ": {}, **broken(quickstart, backend)})
    else:
        ran = run_config(quickstart, **{"dry_run": True, "environ": {}, **broken(quickstart)})
    assert ran.verdict.value == "error", ran.terminal
    assert ran.report.error_kind == kind, ran.report.error
    advice = what_to_check(ran.comment)
    assert about in advice[0], advice
    assert advice[-1] == JOB_LOG
    assert any("`api-key`" in item for item in advice) == key, advice
    assert not any("`ingestion.timeout`" in item for item in advice), advice


def test_the_terminal_report_shows_the_error_once_and_stderr_names_it(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's reproduction: two typos in the experiment file, run with ``run --dry-run``."""
    _edit(_config(quickstart), "max_workers: 8", "max_workerz: 8")
    _edit(_config(quickstart), "timeout: 10", "timeoutt: 10")
    code = main(["run", "--dry-run", "-C", str(quickstart), "--no-html"], environ={})
    captured = capsys.readouterr()
    assert code == 2
    terminal, comment = captured.out.split(COMMENT_START, 1)
    for key in ("max_workerz", "timeoutt"):
        error = next(line for line in captured.err.splitlines() if f"{key}: an unknown key" in line)
        assert error.startswith("error: ")  # the command's own line on standard error stays
        shown = error.removeprefix("error: ")
        assert terminal.count(f"{key}: an unknown key") == 1, terminal  # once in the report, in full
        assert shown in terminal
        assert comment.count(shown) == 1, comment  # and every problem in the comment, not only the first
    assert "Verdict: ERROR" in terminal


def test_a_managed_dataset_without_a_key_is_named_at_its_line(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The embedded backend has no managed datasets: it was a 404 saying to check the dataset exists "in the project
    of this key", with no key; validate said ok."""
    _edit(_config(quickstart), "  path: data/questions.jsonl", "  name: support-questions")
    where = "experiment.yml:6: dataset.name: the embedded local backend, used without HH_API_KEY (a dry run), has no"
    assert main(["validate", "-C", str(quickstart)], environ={}) == 0  # run in CI with a key, it may exist
    assert f".honeyhive/{where}" in capsys.readouterr().err
    assert main(["run", "--dry-run", "-C", str(quickstart), "--no-html"], environ={}) == 2
    assert f".honeyhive/{where}" in capsys.readouterr().err

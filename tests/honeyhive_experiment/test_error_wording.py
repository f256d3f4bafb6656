"""What an error of the backend names, so that the user knows what to look at (audit60 F9): the run a failing read was
about when its route gives only an id (the baseline's summary), and the server URL when no such route exists there
(``HH_API_URL`` with a path too many)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import HoneyHiveClient
from honeyhive_experiment.cli import main
from honeyhive_experiment.errors import NotFoundError
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.quickstart import copy_quickstart, init_repository

pytestmark = pytest.mark.integration


def _run(repo: Path, server_url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, dict[str, Any]]:
    report = repo.parent / "report.json"
    argv = ["run", "--dry-run", "-C", str(repo), "--server-url", server_url, "--report", str(report)]
    code = main(argv, environ={"HH_API_KEY": API_KEY})
    return code, capsys.readouterr().err, json.loads(report.read_text(encoding="utf-8"))


def test_a_baseline_whose_summary_cannot_be_read_is_named_as_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said "GET /v1/runs/<id>/summary failed with HTTP 429 ...": which run that id is, the user had to find."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    init_repository(repo)  # the second run's baseline: the first, on the same commit
    with LocalBackend(str(tmp_path / "served.db"), API_KEY) as served:
        code, err, first = _run(repo, served.url, capsys)
        assert code == 0, err
        baseline = f"/v1/runs/{first['run']['id']}/summary"
        refused = FaultProxy(
            served.url,
            rate=1.0,
            kinds=[Fault.HTTP_429],
            should_fault=lambda _, path: path.partition("?")[0] == baseline,
        )
        with refused as proxy:
            code, err, report = _run(repo, proxy.url, capsys)
    assert proxy.counts[Fault.HTTP_429] > 0, "the baseline's summary was never refused: this proves nothing"
    assert code == 2, err
    assert report["verdict"] == "error"
    assert f"error: the baseline run: GET {baseline} failed with HTTP 429" in err, err


def test_a_server_url_with_a_path_too_many_is_hinted_at(
    backend: LocalBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``HH_API_URL=https://host/extra``: every route is put under /extra, and the answer was a bare "HTTP 404: Not
    Found", as for a run that does not exist."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    code, err, _ = _run(repo, f"{backend.url}/extra", capsys)
    assert code == 2, err
    hint = f"HTTP 404: Not Found (no such route at {backend.url}/extra: is it HoneyHive's API? the server URL: the"
    assert hint in err, err
    with HoneyHiveClient(backend.url, API_KEY) as client, pytest.raises(NotFoundError) as raised:
        client.get_run(str(uuid.uuid4()))  # the API's own "not found": no hint
    assert "no such route" not in str(raised.value)

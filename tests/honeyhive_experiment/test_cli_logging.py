"""What the CLI's log shows of the libraries it uses: the real CLI over loopback, the backend behind a fault proxy."""

from __future__ import annotations

from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("debug", [False, True], ids=["default", "RUNNER_DEBUG"])
def test_dropped_span_exports_say_ours_not_the_otlp_exporters_retries(
    tmp_path: Path, backend: LocalBackend, capsys: pytest.CaptureFixture[str], debug: bool
) -> None:
    """Every connection on the span route dropped: standard error showed the OTLP exporter's own retries ("Transient
    error ... retrying in 1.16s." for each, then "Shutdown in progress, aborting retry." for each export still waiting
    when the run stopped), which the user cannot act on and which our own error says already. Only ours is left; with
    RUNNER_DEBUG=1 (the log's DEBUG lines) the exporter's are shown too."""
    repo = copy_quickstart(tmp_path / "repo")

    def spans(method: str, path: str) -> bool:
        return path.startswith("/opentelemetry")

    with FaultProxy(backend.url, rate=1.0, kinds=(Fault.RESET,), should_fault=spans) as proxy:
        env = {"HH_API_KEY": API_KEY, **({"RUNNER_DEBUG": "1"} if debug else {})}
        code = main(["run", "--dry-run", "-C", str(repo), "--server-url", proxy.url], environ=env)
        url = proxy.url
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"error: the backend at {url} stopped answering after " in err
    assert ("warning: Transient error" in err) is debug, err
    if not debug:
        assert "aborting retry" not in err, err

"""The embedded backend's database removed or replaced while a run writes to it (audit60 F1): SQLite went on writing
to the file it held open, gone once the backend stopped; the run ended green (exit 0, neutral), and ``runs`` then said
"no runs yet". Now every request after the file changed is refused (HTTP 507, not retried) and the command ends in an
error naming the file; a change after the last request is caught before the verdict is shown (none is: the error
report alone), or as the backend stops."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import backend
from honeyhive_experiment.cli import main
from honeyhive_experiment.errors import ExperimentError
from tests.fakes.actions_runner import effective_uid
from tests.quickstart import APP_PACKAGE, copy_quickstart

pytestmark = pytest.mark.integration

SAID = "was removed or replaced while the backend ran: what it recorded is not kept"

ON_THE_SECOND_QUESTION = '''

_answer = answer


def answer(datapoint):
    """The quickstart's, which on its second question {what} the embedded backend's database."""
    if "forgot my password" in datapoint["inputs"]["question"]:
        import os, shutil
        from pathlib import Path

        database = Path(__file__).parents[1] / ".honeyhive" / "local.db"
        if {replace}:
            shutil.copyfile(database, f"{{database}}.copy")
            os.replace(f"{{database}}.copy", database)
        else:
            for name in ("local.db", "local.db-wal", "local.db-shm"):
                database.with_name(name).unlink(missing_ok=True)
    return _answer(datapoint)
'''


@pytest.mark.parametrize("replace", [False, True], ids=["removed", "replaced"])
def test_a_database_removed_mid_run_ends_the_run_in_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replace: bool
) -> None:
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    app = repo / APP_PACKAGE / "app.py"
    what = "replaces (with a copy)" if replace else "removes"
    app.write_text(app.read_text(encoding="utf-8") + ON_THE_SECOND_QUESTION.format(what=what, replace=replace))
    report = tmp_path / "report.json"

    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report)], environ={})

    err = capsys.readouterr().err
    assert code == 2, err
    assert json.loads(report.read_text(encoding="utf-8"))["verdict"] == "error"
    assert f"failed with HTTP 507: the database {repo / '.honeyhive' / 'local.db'} {SAID}" in err, err
    assert "attempts)" not in err  # said at once, not retried


def test_a_database_removed_after_the_last_request_is_an_error_as_the_backend_stops(tmp_path: Path) -> None:
    database = tmp_path / "local.db"
    stack = ExitStack()
    client = stack.enter_context(backend.connect(None, None, local_db=database, shown_db="kept/local.db", environ={}))
    client.list_runs()
    database.unlink()
    with pytest.raises(ExperimentError) as raised:
        stack.close()
    assert (
        str(raised.value) == "kept/local.db: it was removed or replaced while the run ran: what it recorded is not kept"
    )


@pytest.mark.parametrize(
    ("module", "last"),
    [("flow", "key_metric_trend"), ("operations", "with_details")],
    ids=["no-html: after the trend", "html: after the datapoint table"],
)
def test_a_database_replaced_after_the_last_request_shows_no_verdict_but_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, module: str, last: str
) -> None:
    """Replaced between the run's last request before its report (the trend's, or the HTML table's) and its verdict,
    the database was found out only as the backend stopped: the terminal showed the verdict ("Verdict: NEUTRAL", a
    green first run), then the error report that took it back (exit 2). It shows the error alone."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    database = repo / ".honeyhive" / "local.db"
    original = getattr(importlib.import_module(f"honeyhive_experiment.{module}"), last)

    def then_replaced(*args: Any, **kwargs: Any) -> Any:
        answer = original(*args, **kwargs)
        shutil.copyfile(database, f"{database}.copy")
        os.replace(f"{database}.copy", database)
        return answer

    monkeypatch.setattr(f"honeyhive_experiment.{module}.{last}", then_replaced)
    report = tmp_path / "report.json"
    html = ["--no-html"] if module == "flow" else []

    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report), *html], environ={})

    out, err = capsys.readouterr()
    assert code == 2, err
    assert json.loads(report.read_text(encoding="utf-8"))["verdict"] == "error"
    assert [line for line in out.splitlines() if line.startswith("Verdict:")] == ["Verdict: ERROR"], out
    said = ".honeyhive/local.db: it was removed or replaced while the run ran: what it recorded is not kept"
    assert said in err, err


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")
def test_a_database_the_run_cannot_write_is_said_at_once_not_retried(capsys: pytest.CaptureFixture[str]) -> None:
    """A local.db this user may read but not write (another's, or on a read-only mount): each write was a 500,
    retried 6 times with back-off before the run ended ("after 6 attempts"). No retry mends it: 507, said once."""
    base = Path(tempfile.mkdtemp(prefix="hh-read-only-"))  # pytest's tmp_path is private to root
    try:
        base.chmod(0o755)
        repo = copy_quickstart(base / "repo", questions=3)
        assert main(["run", "--dry-run", "-C", str(repo)], environ={}) == 0  # root's run made the database
        for folder in (repo, repo / ".honeyhive"):  # the reports may be written, the database is root's
            folder.chmod(0o777)
        for report in (repo / ".honeyhive").glob("report*"):
            report.chmod(0o666)
        capsys.readouterr()
        with effective_uid(1001):
            code = main(["run", "--dry-run", "-C", str(repo)], environ={})
    finally:
        shutil.rmtree(base)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "failed with HTTP 507: internal error: OperationalError from the database" in err, err
    assert "attempt to write a readonly database" in err
    assert "attempts)" not in err

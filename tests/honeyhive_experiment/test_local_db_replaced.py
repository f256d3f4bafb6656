"""The embedded backend's database removed or replaced while a run writes to it (audit60 F1): SQLite went on writing
to the file it held open, gone once the backend stopped; the run ended green (exit 0, neutral), and ``runs`` then said
"no runs yet". Now every request after the file changed is refused (HTTP 507, not retried) and the command ends in an
error naming the file; a change after the last request is caught as the backend stops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honeyhive_experiment import backend
from honeyhive_experiment.cli import main
from honeyhive_experiment.errors import ExperimentError
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
    with pytest.raises(ExperimentError) as raised:
        with backend.connect(None, None, local_db=database, shown_db="kept/local.db", environ={}) as client:
            client.list_runs()
            database.unlink()
    assert str(raised.value) == "kept/local.db: it was removed or replaced while the run ran: what it recorded is not kept"

"""report.html end to end in-process: the quickstart's dry runs and ``view`` write the HTML report, its data read
back from the backend (the embedded one, or ``honeyhive_local`` served with a key), redacted and escaped.
What a browser does with the page is in ``tests/browser``."""

from __future__ import annotations

import html
import json
import os
import re
import stat
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.quickstart import set_answers

pytestmark = pytest.mark.integration

XSS = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def _dry_run(repo: Path, capsys: pytest.CaptureFixture[str], environ: dict[str, str] | None = None) -> str:
    code = main(["run", "--dry-run", "-C", str(repo)], environ=environ or {})
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return out


def _text(page: str) -> str:
    """The page's text as a reader sees it: tags (the word diff's too) dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _run_ids(page: str) -> list[str]:
    return re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", page)


def test_a_dry_run_writes_report_html_and_says_where(
    quickstart: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(quickstart.parent)  # as the README's quickstart: -C from the folder above
    out = _dry_run(quickstart, capsys)
    page = quickstart / ".honeyhive" / "report.html"
    assert page.is_file()
    # the terminal says where it is, from where the command was typed (it said .honeyhive/report.html: not there)
    assert f"HTML report: {quickstart.name}/.honeyhive/report.html" in out
    assert "🔎 Every datapoint" in out
    assert ".honeyhive/report.html" in out.split("the comment that would be")[1]
    text = page.read_text(encoding="utf-8")
    assert text.count('<tr data-id="EXT-') == 22  # every datapoint of the dataset, from the backend
    assert "no baseline to compare with yet" in text


def test_no_html_writes_none(quickstart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--dry-run", "-C", str(quickstart), "--no-html"], environ={}) == 0
    assert "report.html" not in capsys.readouterr().out
    assert not (quickstart / ".honeyhive" / "report.html").exists()


def test_report_html_goes_beside_report_json(
    quickstart: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "out" / "report.json"
    assert main(["run", "--dry-run", "-C", str(quickstart), "--report", str(report)], environ={}) == 0
    capsys.readouterr()
    assert (tmp_path / "out" / "report.html").is_file()
    assert not (quickstart / ".honeyhive" / "report.html").exists()
    assert json.loads(report.read_text(encoding="utf-8"))["html"] == {
        "file": str(tmp_path / "out" / "report.html"),  # outside the working directory: as given
        "artifacts_url": None,
    }


def test_view_after_two_local_runs_prints_the_page_comparing_the_second_with_the_first(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _dry_run(quickstart, capsys)
    first = _run_ids((quickstart / ".honeyhive" / "report.html").read_text(encoding="utf-8"))[0]
    set_answers(quickstart, {"dark mode": "Open Settings > Appearance and choose Dark, or let it follow the system."})
    _dry_run(quickstart, capsys)
    second = _run_ids((quickstart / ".honeyhive" / "report.html").read_text(encoding="utf-8"))[0]
    assert second != first

    assert main(["view", "--no-open", "-C", str(quickstart)], environ={}) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1, printed
    path = Path(printed[0])
    assert path == quickstart / ".honeyhive" / f"report.{second}.html"
    page = path.read_text(encoding="utf-8")
    assert f"Run {second}" in page
    assert f"({first}; the baseline its check was judged against" in page
    assert 'data-s="degraded"' in page  # the longer dark-mode answer is worse: answer_words is lower-is-better
    assert "let it follow the system" in page

    # a run named explicitly: the first one, which had no baseline
    assert main(["view", first, "--no-open", "-C", str(quickstart)], environ={}) == 0
    assert "no baseline to compare with yet" in Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")


@pytest.mark.parametrize("given", [False, True])
def test_view_refuses_a_named_pipe_at_the_reports_path_naming_what_put_it_there(
    quickstart: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, given: bool
) -> None:
    """A named pipe at view's default path said "give --html a regular file path" though no --html was given."""
    _dry_run(quickstart, capsys)
    run_id = _run_ids((quickstart / ".honeyhive" / "report.html").read_text(encoding="utf-8"))[0]
    fifo = tmp_path / "page.html" if given else quickstart / ".honeyhive" / f"report.{run_id}.html"
    os.mkfifo(fifo)

    flags = ["--html", str(fifo)] if given else []
    assert main(["view", "--no-open", "-C", str(quickstart), *flags], environ={}) == 2
    said = (
        f"--html {fifo} is a named pipe: give a regular file path"
        if given
        else f"{fifo} is a named pipe, where view writes this run's HTML report: remove it, or give --html FILE"
    )
    assert capsys.readouterr().err.endswith(f"error: {said}\n")  # --html: before the backend is started
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_view_of_an_unknown_run_names_it(quickstart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _dry_run(quickstart, capsys)
    missing = "00000000-0000-4000-8000-000000000000"
    assert main(["view", missing, "--no-open", "-C", str(quickstart)], environ={}) == 2
    assert f"no run {missing} in the backend" in capsys.readouterr().err


def test_view_of_another_experiments_run_names_both(quickstart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """view judged a run of another experiment by this file's ranges and gates, and wrote its page as if it were
    one of this experiment's."""
    _dry_run(quickstart, capsys)
    other = _run_ids((quickstart / ".honeyhive" / "report.html").read_text(encoding="utf-8"))[0]
    config = quickstart / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("name: support-bot-quickstart", "name: renamed"))
    _dry_run(quickstart, capsys)

    assert main(["view", other, "--no-open", "-C", str(quickstart)], environ={}) == 2
    assert f"run {other} is a run of 'support-bot-quickstart', not of 'renamed'" in capsys.readouterr().err


def test_the_api_key_and_markup_in_outputs_reach_the_page_redacted_and_as_text(
    quickstart: Path, capsys: pytest.CaptureFixture[str], backend: LocalBackend
) -> None:
    """Against a served backend with a key: the key an output carries is redacted where the comment redacts it
    (the report's builder), markup is escaped, and each datapoint links to its session in the app."""
    environ = {"HH_API_KEY": API_KEY, "HH_API_URL": backend.url, "HONEYHIVE_APP_URL": "https://app.example.test"}
    _dry_run(quickstart, capsys, environ)
    set_answers(quickstart, {"api key": f"Your key is {API_KEY}, keep it safe.", "status page": XSS})
    _dry_run(quickstart, capsys, environ)
    page = (quickstart / ".honeyhive" / "report.html").read_text(encoding="utf-8")
    assert API_KEY not in page
    assert '"Your key is ***, keep it safe."' in _text(page)
    assert XSS not in page
    assert "<img" not in page
    assert XSS in _text(page)  # shown as text
    assert page.count('href="https://app.example.test/sessions/') == 22


FLAKY_STATUS_PAGE = '''

import itertools as _itertools

_status_calls = _itertools.count()
_answer = answer


def answer(datapoint):
    """Every other call about the status page misses its keyword: of two trials, one fails."""
    found = _answer(datapoint)
    if "status page" in datapoint["inputs"]["question"] and next(_status_calls) % 2:
        found = {**found, "answer": "No idea, sorry."}
    return found
'''


def test_with_trials_the_table_shows_flaky_datapoints_and_the_backends_means_of_both_runs(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two trials, one of the status page's failing its keyword: that datapoint is flaky (1 of 2 trials passed),
    and its keyword recall in both runs is the backend's mean of its trials (0.5), not one trial's 0 or 1."""
    app = quickstart / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + FLAKY_STATUS_PAGE, encoding="utf-8")
    report = quickstart / ".honeyhive" / "report.json"
    for _ in range(2):
        code = main(["run", "--dry-run", "--trials", "2", "--report", str(report), "-C", str(quickstart)], environ={})
        assert code in (0, 1), capsys.readouterr().out
    capsys.readouterr()
    found = json.loads(report.read_text(encoding="utf-8"))
    assert found["trials"] == 2
    assert found["baseline"]["trials"] == 2
    rows = found["table"]["rows"]
    assert len(rows) == 22
    [flaky] = [row for row in rows if "flaky" in row["status"]]
    assert [d["id"] for d in found["datapoints"]["flaky"]] == [flaky["id"]]  # the backend's flaky list
    assert (flaky["trials"], flaky["trials_passed"]) == (2, 1)
    assert "Where is your status page?" in flaky["inputs"]["text"]
    recall = [m["label"] for m in found["metrics"]].index("Keyword recall")
    assert (flaky["metrics"][recall]["value"], flaky["metrics"][recall]["baseline"]) == (0.5, 0.5)
    assert {(row["trials"], row["trials_passed"]) for row in rows if row is not flaky} == {(2, 2)}
    page = (quickstart / ".honeyhive" / "report.html").read_text(encoding="utf-8")
    assert "· 2 trials per datapoint</p>" in page
    assert page.count("1 of 2 trials passed") == 1
    assert page.count("2 of 2 trials passed") == 21
    assert '<option value="flaky">flaky (trials disagree) (1)</option>' in page


CRASHING_STATUS_PAGE = """

import itertools as _itertools

_status_calls = _itertools.count()
_answer = answer


def answer(datapoint):
    \"\"\"The status page's second call (one of its trials, whichever) raises.\"\"\"
    if "status page" in datapoint["inputs"]["question"] and next(_status_calls) == 1:
        raise RuntimeError("trial crashed")
    return _answer(datapoint)
"""


def test_with_trials_a_row_whose_function_raised_on_one_trial_is_errored_with_that_trials_error(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three trials, the status page's function raising on one (not necessarily the trial its row's record is
    from): the row is errored, the status filter offers errored, and the row shows the Errors section's entry for
    that trial (the comment's words), in the run's page and in ``view``'s. The row was only failed and flaky, with
    no error: the row's record is one trial's, and only that trial's error counted."""
    app = quickstart / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + CRASHING_STATUS_PAGE, encoding="utf-8")
    report = quickstart / ".honeyhive" / "report.json"
    code = main(["run", "--dry-run", "--trials", "3", "--report", str(report), "-C", str(quickstart)], environ={})
    assert code == 1, capsys.readouterr().out
    capsys.readouterr()
    found = json.loads(report.read_text(encoding="utf-8"))
    [entry] = found["datapoints"]["errored"]
    assert re.fullmatch(r"function raised \(trial [123] of 3\)", entry["kind"]), entry
    line = app.read_text(encoding="utf-8").splitlines().index('        raise RuntimeError("trial crashed")') + 1
    crashed = f"RuntimeError at support_bot/app.py:{line}: trial crashed"
    assert entry["error"] == crashed  # at the user's line
    [row] = [row for row in found["table"]["rows"] if row["id"] == entry["id"]]
    assert {"errored", "failed"} <= set(row["status"])
    assert row["error"] == f"{entry['kind']}: {crashed}"
    assert [row["id"] for row in found["table"]["rows"] if "errored" in row["status"]] == [entry["id"]]
    assert main(["view", found["run"]["id"], "--no-open", "-C", str(quickstart)], environ={}) == 0
    viewed = quickstart / ".honeyhive" / f"report.{found['run']['id']}.html"
    for page in ((quickstart / ".honeyhive" / "report.html").read_text(encoding="utf-8"), viewed.read_text("utf-8")):
        assert '<option value="errored">' in page
        assert re.search(rf'<tr data-id="{entry["id"]}" data-s="errored failed[^"]*">', page)
        assert f"{entry['kind']}: {crashed}" in _text(page)

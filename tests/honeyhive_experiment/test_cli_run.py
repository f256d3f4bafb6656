"""``run --dry-run`` end to end in-process: the embedded local backend on loopback, the quickstart's real code,
only argv and the environment made up. Checks what the flow and the report say together."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import run_config
from honeyhive_experiment.cli import main
from honeyhive_experiment.connection import HTTP_URL_EXPECTED
from honeyhive_local import LocalBackend
from tests.quickstart import IN_A_FOLDER, copy_quickstart, git, init_repository, monorepo, set_answers, write_files

pytestmark = pytest.mark.integration

COMMENT_START = "----- the comment that would be posted -----"


def sha16(text: str) -> str:
    """An ``EXT-`` id as external.py derives it: the first 16 hex digits of ``text``'s SHA-256."""
    return "EXT-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _use_template(repo: Path, source: str) -> None:
    """The experiment's comment is rendered with ``source`` as its custom template."""
    (repo / ".honeyhive" / "comment.md.j2").write_text(source, encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "comment: {max_datapoints: 10}", "comment: {max_datapoints: 10, template: .honeyhive/comment.md.j2}"
        ),
        encoding="utf-8",
    )


def _run(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, dict[str, object]]:
    report = repo.parent / "report.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report), *extra], environ={})
    out = capsys.readouterr().out
    return code, out, json.loads(report.read_text(encoding="utf-8"))


@pytest.fixture
def typed_in_the_monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tests.quickstart.monorepo``, its experiment in services/bot, and the current directory its root: where the
    user types ``-C services/bot``."""
    root = monorepo(tmp_path / "mono").resolve()
    monkeypatch.chdir(root)
    return root


def test_validate_runs_the_code_in_the_working_directory(
    typed_in_the_monorepo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-C services/bot`` runs the code as ``cd services/bot`` would (it read its files from where the command was
    typed: FileNotFoundError on the first datapoint), and the command ends where it was typed."""
    code = main(["validate", "-C", IN_A_FOLDER])
    out = capsys.readouterr()
    assert code == 0, out
    assert "the first datapoint's metrics: polite" in out.out
    assert Path.cwd() == typed_in_the_monorepo


def test_a_run_runs_the_code_in_the_working_directory_and_names_its_files_from_where_it_was_typed(
    typed_in_the_monorepo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The import, the function and the evaluator read their files relative to services/bot (every datapoint
    raised FileNotFoundError: a red check), while the paths the command prints stay the shell's."""
    code = main(["run", "--dry-run", "-C", IN_A_FOLDER], environ={})
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Verdict: NEUTRAL (2 of 2 datapoints passed)" in out
    assert f"HTML report: {IN_A_FOLDER}/.honeyhive/report.html\n" in out
    assert (typed_in_the_monorepo / IN_A_FOLDER / ".honeyhive" / "report.html").is_file()
    assert Path.cwd() == typed_in_the_monorepo

    run = run_config(IN_A_FOLDER, dry_run=True, environ={})  # the Python API alike
    assert (run.exit_code, run.report.counts.passed, run.report.counts.failed) == (0, 2, 0), run.terminal
    assert Path.cwd() == typed_in_the_monorepo


def test_a_partial_comparison_is_warned_about_once(quickstart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The low-overlap rule has one owner (the report): the comment warns once, not once more as a note."""
    code, _, first = _run(quickstart, capsys)
    assert code == 0
    run = first["run"]
    assert isinstance(run, dict)
    dataset = quickstart / "data" / "questions.jsonl"
    rows = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines()]
    for row in rows[5:]:  # edit 17 of 22 questions: they become new datapoints, 5 stay in common
        row["inputs"]["question"] += " Thanks!"
    dataset.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    code, out, second = _run(quickstart, capsys, "--baseline-run-id", str(run["id"]))
    assert code == 0, out
    comment = out.split(COMMENT_START, 1)[1]
    assert comment.count("datapoints in common") == 1, comment
    assert "5 of 22 datapoints in common (23%)" in comment  # the larger run's: 17 edited, new and gone (audit83)
    assert "shares only" not in comment
    assert [note for note in second["notes"] if not note.startswith("Not a git repository")] == []  # no git here
    baseline = second["baseline"]
    assert isinstance(baseline, dict)
    assert (baseline["shared_datapoints"], baseline["total_datapoints"]) == (5, 22)


def test_a_dataset_path_naming_a_folder_says_it_is_one(quickstart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``dataset.path`` naming a folder was said to be a file not found (only a file was looked for)."""
    folder = quickstart / "data" / "questions.jsonl"
    folder.unlink()
    folder.mkdir()
    code, out, report = _run(quickstart, capsys)
    assert code == 2, out
    assert (report["error_kind"], report["error"]) == ("dataset", f"{folder}: is a directory, not a dataset file")


@pytest.mark.parametrize(
    ("scheme", "derived"),
    [
        ("sdk", lambda row, index, occurrence: sha16(json.dumps(row, sort_keys=True) + str(index))),
        ("content", lambda row, index, occurrence: sha16(json.dumps(row, sort_keys=True) + f"#{occurrence}")),
    ],
)
def test_a_rows_own_id_that_another_row_derives_is_a_dataset_error_before_anything_is_recorded(
    quickstart: Path, capsys: pytest.CaptureFixture[str], scheme: str, derived: Callable[[object, int, int], str]
) -> None:
    """Line 3 gives as its own id the id derived for line 2 (no id of its own): ``validate`` said ok and the run
    waited out its ingestion timeout to end in "only 21 of 22 datapoints were visible". Now both stop at the cause,
    exit 2, with no run recorded."""
    data = quickstart / "data" / "questions.jsonl"
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    rows[2]["id"] = derived(rows[1], 1, 0)
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    config = quickstart / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8").replace(
        "path: data/questions.jsonl", f"path: data/questions.jsonl\n  datapoint_ids: {scheme}"
    )
    config.write_text(text, encoding="utf-8")
    said = (
        f"{data}:3: id {rows[2]['id']!r} is also the id derived for {data}:2, a row with no id of its own"
        f" (dataset.datapoint_ids: {scheme}), and two datapoints cannot share one (the backend keeps one of them):"
        " give line 2 its own id, or change line 3's"
    )
    assert main(["validate", "-C", str(quickstart)], environ={}) == 2
    assert said in capsys.readouterr().err
    assert main(["validate", "--no-probe", "-C", str(quickstart)], environ={}) == 2  # the ids need no probe
    assert said in capsys.readouterr().err
    code, out, report = _run(quickstart, capsys)
    assert code == 2, out
    assert (report["error_kind"], report["error"]) == ("dataset", said)
    with sqlite3.connect(quickstart / ".honeyhive" / "local.db") as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_a_bad_flag_is_a_usage_error_naming_it(quickstart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--dry-run", "-C", str(quickstart), "--server-url", "ftp://nope"], environ={})
    err = capsys.readouterr().err
    assert code == 2
    assert f'flag --server-url: {HTTP_URL_EXPECTED}, got "ftp://nope"' in err
    assert "Traceback" not in err


def test_run_without_a_key_names_the_variable_not_the_actions_input(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line has no api-key input: it reads HH_API_KEY, as evaluate() does (whose error names it too)."""
    code = main(["run", "-C", str(quickstart), "--no-html"], environ={})
    captured = capsys.readouterr()
    assert code == 2
    assert "error: HH_API_KEY: the HoneyHive API key is not set" in captured.err
    assert "or pass --dry-run to use the embedded local backend" in captured.err
    assert "api-key" not in captured.err
    assert "run_config" not in captured.err  # the Python API's argument, which the command line does not take
    assert "  environment HH_API_KEY: the HoneyHive API key is not set" in captured.out  # the report's error


def test_an_evaluator_that_always_raises_on_a_ranged_metric_is_never_green(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The false green of the issue: every datapoint 'passed' because the ranged metric had no value at all. Its
    error says where in the user's code it was raised (it said only ``ValueError: ...``), in every output and in
    what was recorded, and is redacted of the environment's secrets as before."""
    evaluators = quickstart / "support_bot" / "evaluators.py"
    source = evaluators.read_text(encoding="utf-8")
    evaluators.write_text(
        source
        + "\n\ndef politeness(outputs, inputs, ground_truth=None):\n"
        + f"    raise ValueError('the judge model is not configured for {SECRET}')\n",
        encoding="utf-8",
    )
    config = quickstart / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "  - support_bot.evaluators:answer_words\n",
        "  - support_bot.evaluators:answer_words\n  - support_bot.evaluators:politeness\n",
    )
    text = text.replace("  keyword_recall: {min: 0.5}\n", "  keyword_recall: {min: 0.5}\n  politeness: {min: 0.9}\n")
    config.write_text(text, encoding="utf-8")

    report_file = quickstart.parent / "report.json"
    code = main(
        ["run", "--dry-run", "-C", str(quickstart), "--report", str(report_file)], environ={"JUDGE_API_KEY": SECRET}
    )
    out = capsys.readouterr().out
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert code == 1, out
    assert report["verdict"] == "fail"
    [reason] = report["reasons"]
    error = f"ValueError at support_bot/evaluators.py:{len(source.splitlines()) + 4}: the judge model is not configured"
    assert "politeness has a passing range but no value on 22" in reason
    assert f"evaluator politeness raised on 22 datapoint(s) ({error} for ***)" in reason
    comment = out.split(COMMENT_START, 1)[1]
    assert "❌ **Failed**" in comment
    # the ranged metric does not vanish from the table, shows its configured range, and says why it has no values
    markdown = f"{error} for ***".replace("_", "\\_").replace("*", "\\*")
    assert f"| politeness | — | ≥ 0.9 | ⚠️ errored on 22 of 22: {markdown} |" in comment
    assert f": evaluator politeness raised: {error} for ***\n" in out.split(COMMENT_START, 1)[0]  # the Errors list
    assert {e["error"] for e in report["datapoints"]["errored"]} == {f"{error} for ***"}
    assert f"{error} for ***" in (quickstart.parent / "report.html").read_text(encoding="utf-8")
    with sqlite3.connect(quickstart / ".honeyhive" / "local.db") as db:  # what HoneyHive would hold
        recorded = "\n".join(db.iterdump())
    assert recorded.count(f"{error} for ***") >= 22
    assert SECRET not in out + report_file.read_text(encoding="utf-8") + recorded


SECRET = "sk-judge-5f0e7a93c1d24b68"


def test_a_syntax_error_the_users_code_makes_with_any_filename_costs_its_datapoint_said_at_the_users_line(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SyntaxError raised with a bytes filename (a query parser's) made the verdict ERROR "unexpected TypeError"
    for every datapoint, and validate print a traceback; a bare one read "...: None"."""
    app = quickstart / "support_bot" / "app.py"
    source = app.read_text(encoding="utf-8")
    asked = '    question = datapoint["inputs"]["question"]\n'
    raising = (
        "    if 'forgot' in question:\n        raise SyntaxError\n"
        "    if 'password' in question:\n        raise SyntaxError('bad query', (b'/q.sql', 3, 1, 'SELECT'))\n"
    )
    app.write_text(source.replace(asked, asked + raising), encoding="utf-8")
    line = source[: source.index(asked)].count("\n") + 3  # the bare raise

    code, out, report = _run(quickstart, capsys)
    assert code == 1, out
    assert "Verdict: FAIL (20 of 22 datapoints passed, 2 failed)" in out
    assert [e["error"] for e in report["datapoints"]["errored"]] == [
        f"SyntaxError at support_bot/app.py:{line + 2}: bad query (line 3)",
        f"SyntaxError at support_bot/app.py:{line}",
    ]
    assert "None" not in out.split(COMMENT_START, 1)[0]

    assert main(["validate", "-C", str(quickstart)]) == 2
    said = capsys.readouterr()
    assert f"function 'answer' raised SyntaxError at support_bot/app.py:{line + 2}: bad query (line 3)" in said.err
    assert "Traceback" not in said.err + said.out


def test_a_dry_run_inside_actions_prints_no_workflow_command_from_user_data(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user's exception echoed in an error must not set outputs or masks when the log is the runner's."""
    app = quickstart / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + 'raise RuntimeError("oops\\n::set-output name=hacked::1")\n')
    report = quickstart.parent / "report.json"
    argv = ["run", "--dry-run", "-C", str(quickstart), "--report", str(report)]

    assert main(argv, environ={"GITHUB_ACTIONS": "true"}) == 2
    inside = capsys.readouterr()
    printed = (inside.out + inside.err).splitlines()
    assert any("set-output name=hacked" in line for line in printed), "the error is still shown"
    fence = [line for line in printed if line.startswith("::stop-commands::")]  # ours, while the user's code ran
    tokens = {line.removeprefix("::stop-commands::") for line in fence}
    commands = [line for line in printed if line.lstrip().startswith(("::", "##["))]
    assert [line for line in commands if line not in fence and line.strip(":") not in tokens] == []

    assert main(argv, environ={}) == 2  # a terminal gets the text as it is
    outside = capsys.readouterr()
    assert any(line.startswith("::set-output") for line in outside.out.splitlines())


def test_a_custom_template_that_recurses_forever_is_an_error_verdict_with_a_report(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_template(quickstart, "{{ marker }}\n{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}\n")
    code, out, report = _run(quickstart, capsys)
    assert code == 2, out
    assert report["verdict"] == "error"
    assert "rendering failed: RecursionError" in str(report["error"])
    assert "⚠️ **Error**" in out.split(COMMENT_START, 1)[1]  # the built-in template says what went wrong


def test_a_custom_template_that_never_ends_is_given_up_within_its_budget(
    quickstart: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """10^10 loop steps: without a budget the job would never end; with it, an error verdict and the report."""
    from honeyhive_experiment.report import comment

    monkeypatch.setattr(comment, "TEMPLATE_BUDGET_S", 0.5)  # the product's is 10 s
    loop = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    _use_template(quickstart, "{{ marker }}\n" + loop + "\n")
    code, out, report = _run(quickstart, capsys)
    assert code == 2, out
    assert report["verdict"] == "error"
    assert "rendering took longer than 0.5 s" in str(report["error"])
    assert "⚠️ **Error**" in out.split(COMMENT_START, 1)[1]  # the built-in template says what went wrong
    import threading

    for left in [t for t in threading.enumerate() if t.name == "honeyhive-template"]:
        left.join(30)  # its loop stops at the next step once abandoned; it would run for hours otherwise
        assert not left.is_alive(), "the abandoned template still runs"


@pytest.mark.parametrize("flag", ["--report", "--html"])
@pytest.mark.parametrize("under_a_file", [False, True], ids=["a-folder", "under-a-file"])
def test_a_report_path_that_cannot_be_a_file_is_refused_before_the_run(
    quickstart: Path, capsys: pytest.CaptureFixture[str], flag: str, under_a_file: bool
) -> None:
    """Only report.json's folder was checked up front: ``--report DIR`` (``--html DIR``, ``--html FILE/x.html``)
    ran the experiment, then ended in an IsADirectoryError (NotADirectoryError) traceback and exit 1; now one line
    naming the file or its folder, exit 2, nothing run."""
    folder = quickstart.parent / "reports"
    folder.mkdir()
    if under_a_file:
        (folder / "a-file").write_text("", encoding="utf-8")
    target = folder / "a-file" / "report" if under_a_file else folder
    code = main(["run", "--dry-run", "-C", str(quickstart), flag, str(target)], environ={})
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    assert "unexpected" not in out + err
    what = "report.json" if flag == "--report" else "the HTML report"
    if under_a_file:
        assert err.startswith(f"error: cannot write {what}'s folder ({folder / 'a-file'}): Not a directory"), err
    else:
        assert err.startswith(f"error: cannot write {what} ({folder}): Is a directory"), err
    assert "datapoints" not in out + err  # nothing was run


def test_a_report_that_cannot_be_written_at_the_end_stamps_its_run_error_never_a_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """report.json's folder passed the check before the run (missing: made at the end), then became a file while the
    run went (as a full disk would fail it): the verdict shown was error, exit 2, but the run had been stamped with
    the verdict before the report was written, so ``runs`` listed its check as ``neutral``, and the branch-baseline
    rule would take such a run for green. The verdict is now stamped once the report is delivered: the one the check
    ended with."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    folder = tmp_path / "out"
    app = repo / "support_bot" / "app.py"
    blocker = f"""
from pathlib import Path

_answer = answer


def answer(datapoint):
    Path({str(folder)!r}).touch()
    return _answer(datapoint)
"""
    app.write_text(app.read_text(encoding="utf-8") + blocker, encoding="utf-8")

    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(folder / "report.json")], environ={})
    err = capsys.readouterr().err
    assert code == 2
    # its folder is opened, not made, through no link (paths.folder_beneath): a file there is "Not a directory"
    assert f"error: cannot write report.json ({folder / 'report.json'}): Not a directory" in err, err

    assert main(["runs", "-C", str(repo), "--json"], environ={}) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["check"] == "error"


def test_an_experiment_file_whose_name_is_long_runs_and_writes_its_html_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--config .honeyhive/<248 r>.yml``, a valid file name: its default HTML report, report.<its name>.html, was
    over 255 bytes, and the run ended "error: unexpected OSError: [Errno 36] File name too long" naming neither the
    flag nor the file. Its report's name is shortened (with a hash of the file's path), and the run runs."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    config = f".honeyhive/{'r' * 248}.yml"
    (repo / config).write_bytes((repo / ".honeyhive" / "experiment.yml").read_bytes())
    code = main(["run", "--dry-run", "-C", str(repo), "--config", config], environ={})
    out, err = capsys.readouterr()
    assert "unexpected OSError" not in err, err
    assert code == 0, err
    [html] = (repo / ".honeyhive").glob("report.r*.html")
    assert f"HTML report: {repo / '.honeyhive' / html.name}\n" in out
    assert re.fullmatch(r"report\.r{100}\.[0-9a-f]{12}\.html", html.name), html.name


@pytest.mark.parametrize("present", [False, True], ids=["missing", "present"])
def test_an_experiment_file_whose_name_is_not_utf8_is_a_usage_error_before_anything_is_sent(
    quickstart: Path, capsys: pytest.CaptureFixture[str], present: bool
) -> None:
    """``--config $'x\\xff.yml'``: missing, "config file not found" and then a UnicodeEncodeError traceback from the
    comment's marker (exit 1, no report); present, the run's creation failed (the name cannot be sent as UTF-8) with
    the same traceback after it. Now one line naming the flag, as the terminal shows the name; nothing recorded."""
    name = "x\udcff.yml"  # the byte 0xff, as Python reads it from argv
    if present:
        (quickstart / name).write_bytes((quickstart / ".honeyhive" / "experiment.yml").read_bytes())
    code = main(["run", "--dry-run", "-C", str(quickstart), "--config", name], environ={})
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", "error: flag --config: x\\udcff.yml is not a UTF-8 name: rename it\n")
    assert not (quickstart / ".honeyhive" / "local.db").exists()  # nothing sent to the embedded backend


@pytest.mark.parametrize("exists", ["nothing", "a folder", "a file"])
@pytest.mark.parametrize("ending", ["/", "/.", "/.."])
@pytest.mark.parametrize(("command", "flag"), [("run", "--report"), ("run", "--html"), ("view", "--html")])
def test_a_report_path_naming_a_folder_by_its_ending_is_refused_as_the_actions_input_is(
    quickstart: Path, capsys: pytest.CaptureFixture[str], command: str, flag: str, ending: str, exists: str
) -> None:
    """``--report out/`` (``out/.``; ``--html`` alike) ran the experiment and wrote report.json as a file named
    ``out`` (and the HTML report as ``out.html``), over a file of that name too (``--html README.md/``): ``Path`` drops
    the slash. Now refused before anything runs, as the action's ``report`` input is, by the same check: one line,
    exit 2, nothing written."""
    out = quickstart.parent / "out"
    if exists == "a folder":
        out.mkdir()
    elif exists == "a file":
        out.write_text("kept", encoding="utf-8")
    given = f"{out}{ending}"
    extra = ["--dry-run"] if command == "run" else ["--no-open"]
    code = main([command, *extra, "-C", str(quickstart), flag, given], environ={})
    printed, err = capsys.readouterr()
    assert (code, printed) == (2, "")
    example = "out/report.json" if flag == "--report" else "out/report.html"
    assert err == f'error: flag {flag}: "{given}" names a folder: name the file, e.g. {example}\n'
    assert sorted(path.name for path in quickstart.parent.iterdir()) == (
        ["repo"] if exists == "nothing" else ["out", "repo"]
    )
    assert exists != "a folder" or not any(out.iterdir())
    assert exists != "a file" or out.read_text(encoding="utf-8") == "kept"


LONG_NAME = "a" * 300 + ".json"  # longer than any common file system takes: lookups raised ENAMETOOLONG


@pytest.mark.parametrize(
    ("args", "said"),
    [
        # --report= wrote no report at all; --html= wrote it to the default place
        (["--report="], 'flag --report: "" names no file: name the file, e.g. out/report.json'),
        (["--html="], 'flag --html: "" names no file: name the file, e.g. out/report.html'),
        (["--report", LONG_NAME], f'flag --report: a name in it is longer than 255 bytes: "{LONG_NAME}"'),
        (["--html", LONG_NAME], f'flag --html: a name in it is longer than 255 bytes: "{LONG_NAME}"'),
        # a name that fits, but not its HTML report's beside it: "unexpected OSError" after the run
        (["--report", "b" * 252], f'flag --report: the file written beside it, "{"b" * 252}.html", would be longer'),
        # the HTML report goes beside report.json, its name with .html: the same file, report.json lost
        (["--report", "out.html"], "--report: report.json and the HTML report would both be written to out.html"),
        (["--report", "both.json", "--html", "both.json"], "--html: report.json and the HTML report would both be"),
        # a file of the tool's replaced by a report: the database (every local run lost), the experiment, its dataset
        (["--html", ".honeyhive/local.db"], "--html: refusing to write the HTML report over the embedded backend's"),
        (["--html", "./.honeyhive/local.db-wal"], "--html: refusing to write the HTML report over the embedded"),
        (["--report", ".honeyhive/experiment.yml"], "--report: refusing to write report.json over the experiment file"),
        (["--html", "data/../data/questions.jsonl"], "--html: refusing to write the HTML report over the experiment's"),
        (["--html", ".honeyhive/comment.md.j2"], "--html: refusing to write the HTML report over the comment's"),
        # any other file that is no report of ours: --html over the module under test replaced it, rc 0 (audit80 F1)
        (["--report", "r.json", "--html", "support_bot/app.py"], "--html: refusing to write the HTML report over"),
        (["--report", "README.md"], "--report: refusing to write report.json over README.md: it is no report of"),
        (["view", "--html", "support_bot/evaluators.py"], "--html: refusing to write the HTML report over support_bot"),
        # view writes its page over the database it reads the run from alike
        (["view", "--html", ".honeyhive/local.db"], "--html: refusing to write the HTML report over the embedded"),
        (["view", "--html="], 'flag --html: "" names no file: name the file, e.g. out/report.html'),
    ],
)
def test_a_report_path_that_names_no_file_or_one_of_the_tools_is_refused_before_the_run(
    quickstart: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    """Each was run, then wrote the report (or none) where it should not: one line naming the flag, exit 2, nothing
    run and every file as it was."""
    _use_template(quickstart, "a comment of its own\n")
    sqlite3.connect(quickstart / ".honeyhive" / "local.db").execute("CREATE TABLE runs (id TEXT)").connection.close()
    monkeypatch.chdir(quickstart)
    before = {path: path.read_bytes() for path in quickstart.rglob("*") if path.is_file()}

    command = ["view", "--no-open", *args[1:]] if args[0] == "view" else ["run", "--dry-run", *args]
    code = main(command, environ={})

    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert err.startswith(f"error: {said}"), err
    assert {path: path.read_bytes() for path in quickstart.rglob("*") if path.is_file()} == before


@pytest.mark.parametrize("closed", [("stdout",), ("stdout", "stderr")], ids=["| head", "2>&1 | head"])
def test_output_piped_into_a_reader_that_went_away_ends_quietly_with_the_report_written(
    tmp_path: Path, closed: tuple[str, ...]
) -> None:
    """``run | head``: the printed report met a closed pipe, the boundary took the BrokenPipeError for the run's
    error (report.json rewritten with an error verdict) and printing that failed too: a traceback, exit 1, and
    "Exception ignored in: <RedactingStream>" at exit. With ``2>&1`` the progress lines broke mid-run and no report
    was written. The pipe is closed before the command starts, so every write meets it (no race with the reader)."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    read, write = os.pipe()
    os.close(read)  # the reader read what it wanted and left
    streams = {name: write if name in closed else subprocess.PIPE for name in ("stdout", "stderr")}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "-C", str(repo), "--report", "r.json"]
    try:
        done = subprocess.run(command, cwd=repo, env=env, timeout=180, check=False, text=True, **streams)
    finally:
        os.close(write)
    errors = done.stderr or ""
    assert done.returncode == 141, errors  # 128 + SIGPIPE, as shells report a reader going away
    assert not [said for said in ("Traceback", "Exception ignored", "error:") if said in errors], errors
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "neutral", report  # the run's own verdict, kept: no baseline yet
    assert (repo / "r.html").is_file()  # beside --report


@pytest.mark.parametrize("output", ["closed pipe", "full disk"])
def test_the_users_prints_to_an_output_that_fails_are_not_its_datapoints_errors(tmp_path: Path, output: str) -> None:
    """``run | head`` (or ``| less``, quit early) with a function that prints: each print met the closed pipe and
    raised in the user's code, so every datapoint after the reader left errored, the run was recorded as failed and
    became the next run's baseline. A failed write of another thread goes nowhere now; the command is told at its
    end (141 for a closed pipe; a full disk's one line, 2), the run recorded as it ran."""
    if output == "full disk" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    app = repo / "support_bot" / "app.py"
    source = app.read_text(encoding="utf-8")
    signature = "def answer(datapoint: dict[str, Any]) -> dict[str, Any]:\n"
    assert signature in source
    app.write_text(source.replace(signature, f"{signature}    print('answering', flush=True)\n"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--report", "r.json"]
    if output == "closed pipe":
        read, write = os.pipe()
        os.close(read)  # gone before the command starts: every write meets it
        try:
            done = subprocess.run(command, cwd=repo, env=env, stdout=write, stderr=subprocess.PIPE, text=True)
        finally:
            os.close(write)
    else:
        with open("/dev/full", "w") as full:
            done = subprocess.run(command, cwd=repo, env=env, stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == (141 if output == "closed pipe" else 2), done.stderr
    assert not [said for said in ("Traceback", "Exception ignored", "unexpected") if said in done.stderr], done.stderr
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert (report["verdict"], report["counts"]) == (
        "neutral",
        {"passed": 3, "failed": 0, "errored": 0, "unrecorded": 0, "total": 3},
    ), report["reasons"]


@pytest.mark.parametrize("variable", ["DB_PASSWORD", "HONEYHIVE_EXPERIMENT_MODE"])
def test_a_variable_that_is_not_utf8_is_an_error_naming_it_or_a_secret_like_any(tmp_path: Path, variable: str) -> None:
    """Bytes that are not UTF-8 in a variable (a Latin-1 shell's): a secret's name (DB_PASSWORD, the tool's or not)
    crashed every command in the redactor (a traceback, exit 1), and an action input crashed writing report.json. A
    secret is redacted by its bytes; a variable the tool reads is an error naming it, exit 2."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    env[variable] = "caf\udce9-secret-pass"  # the byte 0xe9, as Python reads it from the environment
    if variable == "DB_PASSWORD":
        command, expected = ["validate", "--no-probe"], 0
    else:
        event = tmp_path / "event.json"
        event.write_text("{}", encoding="utf-8")
        env.update(GITHUB_ACTIONS="true", GITHUB_EVENT_PATH=str(event), GITHUB_WORKSPACE=str(repo))
        env["HONEYHIVE_EXPERIMENT_DRY_RUN"] = "true"
        command, expected = ["action"], 2
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", *command], cwd=repo, env=env, capture_output=True, timeout=180
    )
    said = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert (done.returncode, "Traceback" in said) == (expected, False), said
    if variable != "DB_PASSWORD":
        assert f"{variable}: is not UTF-8 text" in said, said


STREAMED_TOKEN = "sbt-Zq9wK2xv7Lm4p2Rt8yU7cW"
STREAMING_APP = """
import atexit
import multiprocessing
import os

_answer = answer


def stream(text):  # an LLM's answer, printed as it comes
    for at in range(0, len(text), 3):
        print(text[at : at + 3], end="", flush=True)


def child():  # multiprocessing ends it with os._exit, past the exit hook
    stream(f"child streaming {os.environ['SUPPORT_BOT_TOKEN']}\\n")
    print("child computed value 12345", end="", flush=True)


def answer(datapoint):
    stream(f"streaming with {os.environ['SUPPORT_BOT_TOKEN']}, then the answer\\n")
    print("calling upstream with Authorization: Bearer abcdEFGHijklMNOPqrst1234", end="", flush=True)
    print(" ok")
    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join()
    print()
    return _answer(datapoint)


atexit.register(stream, f"bye from {os.environ['SUPPORT_BOT_TOKEN']}")  # left unfinished, at exit
"""


def test_a_secret_printed_in_small_flushed_pieces_is_redacted_up_to_the_exit(tmp_path: Path) -> None:
    """``print(piece, end="", flush=True)`` (streamed output) of a secret in 3-character pieces showed it whole: each
    flush passed its pieces on. A flush holds back what may be a secret's start, with what names it (a bearer token
    flushed before its line's end showed in clear, judged without its ``Bearer``), and what the user's code left
    unfinished at exit (its exit handler's, after the command) is shown then, redacted: nothing is lost. A forked
    child holds back too (it held nothing back, so the secret it streamed showed whole outside Actions), and shows
    what it held at its exit, past the exit hook (its last piece was lost)."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + STREAMING_APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    env["SUPPORT_BOT_TOKEN"] = STREAMED_TOKEN  # a secret by its name
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run"]

    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)

    assert done.returncode == 0, done.stderr
    assert STREAMED_TOKEN[4:12] not in done.stdout + done.stderr, done.stdout
    assert "streaming with ***, then the answer\n" in done.stdout, done.stdout
    assert "calling upstream with Authorization: Bearer *** ok\n" in done.stdout, done.stdout
    assert "\nchild streaming ***\nchild computed value 12345\n" in done.stdout, done.stdout
    assert done.stdout.endswith("\nbye from ***"), done.stdout[-200:]


WRITING_AT_IMPORT = """
import os as _os
import sys as _sys

print("writing", flush=True)
_sys.stderr.write(f"a line with {_os.environ['SUPPORT_BOT_TOKEN']}\\n" * 50_000)  # 2 MB: more than a pipe holds
"""


def test_a_signal_while_the_main_thread_writes_is_obeyed(tmp_path: Path) -> None:
    """SIGTERM while the main thread was inside a write to standard error: the handler's message re-entered the
    redacting stream, whose lock the write it interrupted held, and the process hung for good (a cancelled job wrote
    no report). Here the user's code writes at import more than standard error's pipe holds while this test does not
    read it: the write is blocked, its lock held, when the signal comes."""
    repo = copy_quickstart(tmp_path / "repo", questions=1)
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + WRITING_AT_IMPORT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    env["SUPPORT_BOT_TOKEN"] = STREAMED_TOKEN
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "-C", str(repo)]
    process = subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        while process.stdout.readline() not in (b"writing\n", b""):
            pass
        seen = b""
        while b"a line with" not in seen and (chunk := os.read(process.stderr.fileno(), 65_536)):
            seen += chunk  # the write has begun: the rest waits for the pipe
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    errors = (seen + err).decode()
    assert process.returncode == 2, errors[-2000:]
    assert "received signal 15 while preparing the run: cancelling the run\n" in errors, errors[-2000:]
    assert "error: interrupted by a signal while preparing the run" in errors, errors[-2000:]
    assert STREAMED_TOKEN[4:12] not in errors + out.decode()
    assert "a line with ***\n" in errors


FILE_SIZE_LIMIT = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails (EFBIG), as on a full disk (ENOSPC)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.argv = ["honeyhive_experiment", *sys.argv[1:]]
runpy.run_module("honeyhive_experiment", run_name="__main__", alter_sys=True)
"""
"""The command in a process that may write no file past 200 KB: the embedded backend's database fills up mid-run,
as on a full disk (its schema fits, a run's spans do not); the reports are smaller."""


def test_a_database_that_fills_up_mid_run_is_said_in_the_clients_words_without_the_servers_tracebacks(
    tmp_path: Path,
) -> None:
    """A full disk under a dry run: each write the embedded backend's database refused put an "Exception in ASGI
    application" traceback in the user's log (138 of them), the errors said only "internal error: OperationalError".
    No retry can help a full disk: it was a 500, which the client retried with back-off (18 s of waiting for 3
    datapoints); a 507 is said at once, the spans refused, not sent again."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-c", FILE_SIZE_LIMIT, "run", "--dry-run", "-C", str(repo)]

    done = subprocess.run(command, capture_output=True, env={**env, "PYTHONDONTWRITEBYTECODE": "1"}, text=True)

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert not re.search(r"^(GET|POST|PUT) /", done.stderr, re.M), "the embedded server's own lines are in the log"
    assert f"HTTP 507: internal error: OperationalError from the database {repo / '.honeyhive' / 'local.db'}: " in (
        done.stderr
    )
    assert "HoneyHive refused the spans of datapoint" in done.stderr  # at once: it "did not take" them, retried


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(
    "command", [["schema"], ["validate"], ["runs"], ["view", "--no-open"], ["run", "--dry-run", "--report", "r.json"]]
)
def test_output_to_a_full_disk_is_one_line_on_standard_error(tmp_path: Path, command: list[str]) -> None:
    """``> /dev/full`` (standard output on a full disk) ended every command in a traceback, exit 1 (our "fail"),
    or 120 and "Exception ignored" at exit; ``run`` first took the error for the run's and wrote its report again."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    if command[0] in ("runs", "view"):  # a run to list and view, made in this process: it is not what is tested
        assert main(["run", "--dry-run", "-C", str(repo)], environ={}) == 0
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "honeyhive_experiment", *command],
            cwd=repo,
            env=env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == "error: cannot write standard output: No space left on device"
    assert not [said for said in ("Traceback", "Exception ignored", "unexpected") if said in done.stderr], done.stderr
    if command[0] == "run":
        assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"  # the run's own


ROWS_APP = """\
def answer(datapoint):
    if datapoint["inputs"]["q"] == "boom":
        raise RuntimeError("boom")
    return {"a": datapoint["inputs"]["q"]}


def judge(outputs, inputs):
    return {"bad": 0.0}[outputs["a"]]
"""


def test_errors_name_a_datapoint_of_a_dataset_file_by_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file's datapoints without ids are EXT-<hash> to HoneyHive: the Errors list (terminal, comment, report.json)
    and validate's probe said only that, which the user cannot find in the file. Now each is named by its line too
    (a blank line counted, a CSV's header too)."""
    rows = ['{"inputs": {"q": "ok"}}', "", '{"inputs": {"q": "boom"}}', '{"inputs": {"q": "bad"}}', ""]
    files = {
        "rows_bot.py": ROWS_APP,
        "data/noid.jsonl": "\n".join(rows),
        ".honeyhive/experiment.yml": (
            "name: rows\nfunction: rows_bot:answer\ndataset: {path: data/noid.jsonl}\nevaluators: [rows_bot:judge]\n"
        ),
    }
    repo = write_files(tmp_path / "repo", files)
    config = repo / ".honeyhive" / "experiment.yml"

    code, out, report = _run(repo, capsys)
    assert code == 1, out
    errored = report["datapoints"]["errored"]
    assert [(e["place"], e["kind"]) for e in errored] == [
        ("data/noid.jsonl:1", "evaluator judge raised"),
        ("data/noid.jsonl:3", "function raised"),
    ]
    assert all(e["id"].startswith("EXT-") for e in errored)
    terminal, comment = out.split(COMMENT_START, 1)
    boom = f"data/noid.jsonl:3 ({errored[1]['id']}): function raised: RuntimeError at rows_bot.py:3: boom"
    assert boom in terminal
    assert f"| data/noid.jsonl:3 ({errored[1]['id']}) | function raised | RuntimeError at rows\\_bot.py:3: boom |" in (
        comment
    )

    # validate's probe of the first datapoint: a CSV's first row is on line 2, after its header
    (repo / "data" / "rows.csv").write_text("q\nboom\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace("data/noid.jsonl", "data/rows.csv"), "utf-8")
    assert main(["validate", "-C", str(repo)], environ={}) == 2
    said = capsys.readouterr().err
    assert "error: probing the first datapoint, data/rows.csv:2 (id EXT-" in said, said
    assert "function 'answer' raised RuntimeError at rows_bot.py:3: boom" in said


def test_failed_datapoints_are_named_by_their_line_in_the_dataset_file_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The errors were named by their line in the dataset file, but a datapoint that failed its passing range only
    by its derived id (``EXT-f7f078b4f2565860: score = 0``), which the user cannot find in the file."""
    files = {
        "rows_bot.py": 'def answer(datapoint):\n    return {"a": datapoint["inputs"]["q"]}\n\n\n'
        'def score(outputs, inputs):\n    return 1.0 if outputs["a"] == "ok" else 0.0\n',
        "data/noid.jsonl": '{"inputs": {"q": "ok"}}\n\n{"inputs": {"q": "bad"}}\n',
        ".honeyhive/experiment.yml": "name: rows\nfunction: rows_bot:answer\ndataset: {path: data/noid.jsonl}\n"
        "evaluators: [rows_bot:score]\npassing_ranges: {score: {min: 0.5}}\n",
    }
    repo = write_files(tmp_path / "repo", files)

    code, out, report = _run(repo, capsys)
    assert code == 1, out
    failed = report["datapoints"]["failed"]
    assert [(f["place"], f["id"][:4]) for f in failed] == [("data/noid.jsonl:3", "EXT-")]
    terminal, comment = out.split(COMMENT_START, 1)
    assert f"data/noid.jsonl:3 ({failed[0]['id']}): score = 0" in terminal, terminal
    assert f"| data/noid.jsonl:3 ({failed[0]['id']}) | score = 0" in comment, comment


def test_a_range_on_a_metric_nothing_recorded_names_the_closest_one_the_run_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``other_metrics: [latency_ms]`` with a passing range, while the function records ``latency`` on its span: the
    check failed blaming "its evaluator returned nothing for them", though no evaluator is named so and the table
    showed latency. Now it says nothing recorded latency_ms and suggests what the run did record."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    app = repo / "support_bot" / "app.py"
    timed = (
        "\n\n_answer = answer\n\n\ndef answer(datapoint, tracer):\n    tracer.enrich_span(metrics={'latency': 12})\n"
    )
    app.write_text(app.read_text(encoding="utf-8") + timed + "    return _answer(datapoint)\n", encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    ranges = "passing_ranges:\n  latency_ms: {max: 1000}\n"
    config.write_text(
        config.read_text(encoding="utf-8").replace("passing_ranges:\n", "other_metrics: [latency_ms]\n" + ranges),
        encoding="utf-8",
    )

    code, out, report = _run(repo, capsys)

    assert (code, report["verdict"]) == (1, "fail"), out
    assert report["reasons"] == [
        "latency_ms has a passing range but no value on 2 of the datapoints the backend passed: no evaluator and no"
        " span recorded it in this run, which recorded latency: did you mean that?"
    ]


def test_a_range_on_a_dict_evaluators_own_name_says_its_keys_are_the_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """topic_match returns a dict of several metrics and has a passing range: no dict warning (the documented pattern)
    while the reason said "did you mean topic_match_close?" (audit82 F8). Now the reason says the keys are its
    metrics, not its name."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    evaluators = repo / "support_bot" / "evaluators.py"
    returned = 'return bool(outputs.get("topic") == ground_truth.get("topic"))'
    several = 'return {"matched": int(outputs.get("topic") == ground_truth.get("topic")), "close": 0.5}'
    evaluators.write_text(evaluators.read_text(encoding="utf-8").replace(returned, several), encoding="utf-8")

    code, out, report = _run(repo, capsys)

    assert (code, report["verdict"]) == (1, "fail"), out
    assert report["reasons"] == [
        "topic_match has a passing range but no value on 2 of the datapoints the backend passed: its evaluator"
        " returned a dict without 'score', so its keys are its metrics (topic_match_close, topic_match_matched), not"
        " topic_match: judge one of them, or return topic_match's value as 'score'"
    ]
    assert "did you mean" not in out


@pytest.mark.parametrize("config", [[], ["--config", "nope.yml"], ["--config", "nope.yml", "--report", "out.json"]])
def test_a_run_that_finds_no_experiment_file_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config: list[str]
) -> None:
    """A folder without an experiment file: the error and its exit code, as before, but its .honeyhive/report.html
    (report.nope.<hash>.html) was left in a folder that has no experiment; a --report named still gets the error."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--dry-run", *config], environ={}) == 2
    output = capsys.readouterr()
    assert "config file not found in the working directory" in output.err
    assert "Verdict: ERROR" in output.out
    assert "HTML report" not in output.out
    if "--report" in config:  # asked for by name: a script reads its verdict
        assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
        assert json.loads((tmp_path / "out.json").read_text())["verdict"] == "error"
    else:
        assert list(tmp_path.iterdir()) == []


def test_a_run_of_an_experiment_file_of_another_folder_writes_nothing_where_its_files_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--config /repo/.honeyhive/experiment.yml`` typed in another folder (/tmp, or a folder of the repository):
    its paths are the working directory's (README), where its dataset is not, and the error says the -C that finds
    it; the run had made .honeyhive/local.db and an HTML report there first (``?? data/.honeyhive/`` in git status,
    the README's .gitignore lines matching at the root only)."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    config = str(repo / ".honeyhive" / "experiment.yml")
    for here, finds in ((tmp_path / "elsewhere", "-C ../repo finds it"), (repo / "data", "-C .. finds it")):
        here.mkdir(exist_ok=True)
        before = sorted(here.iterdir())
        monkeypatch.chdir(here)
        assert main(["run", "--dry-run", "--config", config], environ={}) == 2
        output = capsys.readouterr()
        assert f"dataset file data/questions.jsonl not found in the working directory, {here.resolve()}" in output.err
        assert output.err.rstrip().endswith(finds), output.err
        assert sorted(here.iterdir()) == before
    assert not (repo / ".honeyhive" / "local.db").exists()
    monkeypatch.chdir(tmp_path)  # with the -C it names: the files go in the experiment's repository
    assert main(["run", "--dry-run", "-C", "repo"], environ={}) == 0, capsys.readouterr()
    assert (repo / ".honeyhive" / "local.db").is_file()
    assert (repo / ".honeyhive" / "report.html").is_file()


@pytest.mark.parametrize("command", ["run", "view"])
def test_a_command_reads_the_experiment_file_once(
    quickstart: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """The check before any work (no report written over the dataset or template the file names) read and parsed
    the file, then the command read and parsed it again: it is read once. Counted by the file's opens, through a spy
    on ``os.open`` (which every open of a path comes to: ``paths.read_regular``'s) that opens it as before."""
    if command == "view":  # a run to view
        assert main(["run", "--dry-run", "-C", str(quickstart), "--no-html"], environ={}) == 0, capsys.readouterr()
    config = (quickstart / ".honeyhive" / "experiment.yml").resolve()
    opened: list[object] = []
    open_path = os.open

    def counted(path: Any, *args: Any, **kwargs: Any) -> int:
        if kwargs.get("dir_fd") is None and Path(path).resolve() == config:
            opened.append(path)
        return open_path(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", counted)
    extra = ["--dry-run", "--report", str(quickstart.parent / "report.json")] if command == "run" else ["--no-open"]
    code = main([command, *extra, "-C", str(quickstart), "--html", str(quickstart.parent / "report.html")], environ={})
    assert code == 0, capsys.readouterr()
    assert len(opened) == 1, opened


CRASHING = """\
    if "refund" in question.lower() or "invoice" in question.lower():
        raise KeyError("price_table")
    if "export" in question.lower():
        time.sleep(2)  # past the experiment's timeout
"""


@pytest.mark.parametrize(
    ("trials", "counted"), [([], "2 datapoint(s)"), (["--trials", "3"], "2 datapoint(s) (6 trials)")], ids=["1", "3"]
)
def test_a_timeout_names_the_line_of_the_experiment_file_that_sets_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], trials: list[str], counted: str
) -> None:
    """Each error said 'did not return within 0.5 s', nothing what sets it (new-user audit R8). With trials, the
    warning counted trials as datapoints ('6 datapoint(s)' of 2; audit50 #7)."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("timeout: 10", "timeout: 0.5"), encoding="utf-8")
    line = config.read_text(encoding="utf-8").splitlines().index("timeout: 0.5") + 1
    app = repo / "support_bot" / "app.py"
    asked = '    question = datapoint["inputs"]["question"]\n'
    app.write_text(app.read_text(encoding="utf-8").replace(asked, asked + "    time.sleep(2)\n"), encoding="utf-8")
    assert main(["run", "--dry-run", "-C", str(repo), *trials], environ={}) == 1
    assert (
        f"warning: {config}:{line}: timeout: {counted} did not return within 0.5 s, the limit set here: raise"
        " it if they need longer\n"
    ) in capsys.readouterr().err


def test_the_reasons_name_what_the_function_raised_and_where_new_crashes_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reasons (the first thing a reviewer reads, and the log's ``verdict fail:`` lines) said '4 datapoint(s)
    failed their passing ranges or errored', and with a baseline listed the new crashes' ids alone: now each
    exception with its line, how many and which rows, a failed passing range counted apart, the new crashes once."""
    repo = copy_quickstart(tmp_path / "repo", questions=7)  # rows 6 and 7: an invoice, a refund
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("timeout: 10", "timeout: 0.5"), encoding="utf-8")
    init_repository(repo)
    app = repo / "support_bot" / "app.py"
    clean = app.read_text(encoding="utf-8")
    asked = '    question = datapoint["inputs"]["question"]\n'
    crashing = clean.replace(asked, asked + CRASHING)
    line = next(n for n, text in enumerate(crashing.splitlines(), 1) if "price_table" in text)
    key_errors = f"KeyError at support_bot/app.py:{line} on 2 (data/questions.jsonl:6, :7): 'price_table'"
    timeout = "timeout on 1 (data/questions.jsonl:5): did not return within 0.5 s"

    app.write_text(crashing, encoding="utf-8")
    set_answers(repo, {"delete account": "I do not know."})  # row 4 fails its passing ranges
    crashing = app.read_text(encoding="utf-8")
    git(repo, "commit", "-qam", "crash")
    code, out, report = _run(repo, capsys)  # no baseline yet
    assert code == 1, out
    assert report["reasons"] == [
        "1 datapoint(s) failed their passing ranges",
        f"3 datapoint(s) errored: {timeout}; {key_errors}",
    ]
    assert f"  - 3 datapoint(s) errored: {timeout}; {key_errors}" in out

    app.write_text(clean, encoding="utf-8")
    git(repo, "commit", "-qam", "fixed")
    assert _run(repo, capsys)[0] == 0  # the baseline
    app.write_text(crashing, encoding="utf-8")
    git(repo, "commit", "-qam", "crash again")
    code, out, report = _run(repo, capsys)
    assert code == 1, out
    assert report["reasons"] == [
        "3 datapoint(s) newly errored (not in the baseline; verdict.allow_failed does not tolerate that):"
        f" {timeout}; {key_errors}",
        "1 datapoint(s) failed their passing ranges",
    ]


HARD_EXITS = {  # the user's code ends the process itself once the command is done, asking for 0
    "an exit function registered at import": """
import atexit as _atexit
import os as _os

_atexit.register(_os._exit, 0)  # a library's hard shutdown: takes os._exit at import
""",
    "a thread joining the main thread": """
import os as _os
import threading as _threading


def _exit_after_main():
    _threading.main_thread().join()  # returns once the main thread's code is done: the command has reported
    print("last words", flush=True)
    _os._exit(0)


_threading.Thread(target=_exit_after_main).start()
""",
}


@pytest.mark.parametrize("tail", list(HARD_EXITS.values()), ids=list(HARD_EXITS))
def test_the_users_os_exit_0_after_the_verdict_ends_with_the_verdicts_code(tmp_path: Path, tail: str) -> None:
    """The user's code's ``os._exit(0)`` once the report was delivered (an exit function, a thread waiting for the
    main thread) ended the process with 0: a green check under a report, terminal and comment saying ❌ Failed (audit
    46a #3). It ends with the verdict's code, after what the redacting streams held back."""
    repo = copy_quickstart(tmp_path / "repo", questions=4)
    set_answers(repo, {"delete account": "I do not know."})  # row 4 fails its passing ranges: verdict fail
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + tail, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--no-html", "--report", "r.json"]

    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)

    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "fail"
    assert "❌ **Failed**" in done.stdout
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    assert ("last words\n" in done.stdout) == ("last words" in tail)
    assert "Traceback" not in done.stderr


SIGNALLING_AFTER_MAIN = """
import os as _os
import signal as _signal
import threading as _threading


def _cancel_after_main():
    _threading.main_thread().join()  # the command has reported: the process waits for this thread
    _os.kill(_os.getpid(), _signal.SIGTERM)  # the job is cancelled now
    _threading.Event().wait()


_threading.Thread(target=_cancel_after_main, name="user-lingering").start()
"""
SIGNALLING_AT_EXIT = """
import atexit as _atexit


def _hanging_flush():  # runs once the signal cut the wait short (the thread held it up), and never returns
    _os.kill(_os.getpid(), _signal.SIGINT)  # the second signal
    _threading.Event().wait()


_atexit.register(_hanging_flush)
"""


@pytest.mark.parametrize("second", [False, True], ids=["one-signal", "a-second-in-an-exit-function"])
def test_a_signal_once_the_report_is_delivered_ends_the_process_with_the_verdicts_code(
    tmp_path: Path, second: bool
) -> None:
    """SIGTERM while the process waited for a thread the user's code left running, its report delivered: the exit
    code was 143, a red check under a report saying pass or neutral (audit 46c F7), and a second signal gave 143, 130,
    or was ignored (SIGINT: a ``KeyboardInterrupt`` in the exit function), as timing went. The first cuts the wait
    short (``HONEYHIVE_EXIT_WAIT`` an hour here), a second ends the process on the spot: with the verdict's code."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    app = repo / "support_bot" / "app.py"
    tail = SIGNALLING_AFTER_MAIN + (SIGNALLING_AT_EXIT if second else "")
    app.write_text(app.read_text(encoding="utf-8") + tail, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    env["HONEYHIVE_EXIT_WAIT"] = "3600"
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--no-html", "--report", "r.json"]

    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)

    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "neutral"  # a first run
    assert done.returncode == 0, done.stderr
    assert "warning: your code left thread(s) 'user-lingering' running after the command ended" in done.stderr
    assert "the process ends without waiting for them after signal 15" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


SIGNALLING_AS_THE_EXIT_BEGINS = """
import os as _os
import signal as _signal
import sys as _sys


def _as_the_exit_begins(frame, event, arg):  # the main thread's calls (a profile function): the job's signal lands
    if event == "call" and frame.f_code.co_name == "exit_not_held_up":  # as the exit's wait is set up
        _sys.setprofile(None)
        _os.kill(_os.getpid(), _signal.{signal})


_sys.setprofile(_as_the_exit_begins)
"""


@pytest.mark.parametrize(("sent", "before"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_as_the_exit_takes_over_from_the_command_ends_with_the_verdicts_code(
    tmp_path: Path, sent: str, before: int
) -> None:
    """The report delivered (fail), the command gave Python's handlers back, then the exit put its own in: a signal in
    between met Python's (SIGTERM's default, 143; SIGINT's KeyboardInterrupt, 130 with a traceback), not the exit's
    (audit 46c, left by exit-after-verdict). The exit's handlers now take over from the command's, with no gap: the
    signal is noted and the process ends with the verdict's code. A profile function of the user's code places the
    signal at the call that sets the exit's wait up."""
    repo = copy_quickstart(tmp_path / "repo", questions=4)
    set_answers(repo, {"delete account": "I do not know."})  # row 4 fails its passing ranges: verdict fail
    app = repo / "support_bot" / "app.py"
    tail = SIGNALLING_AS_THE_EXIT_BEGINS.replace("{signal}", sent)
    app.write_text(app.read_text(encoding="utf-8") + tail, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--no-html", "--report", "r.json"]

    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)

    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "fail"
    assert done.returncode == 1 != before, done.stderr[-2000:]
    assert f"received signal {int(getattr(signal, sent))} while writing the report" in done.stderr
    assert "Traceback" not in done.stderr


SIGNALLING_IN_THE_TEARDOWN = """
import os as _os
import signal as _signal


class _FreedLast:  # a module global, freed in Python's teardown, after every exit function: the job's signal lands
    def __del__(self, kill=_os.kill, pid=_os.getpid(), signum=_signal.{signal}):
        kill(pid, signum)


_freed_last = _FreedLast()
"""


@pytest.mark.parametrize(("sent", "before"), [("SIGTERM", -15), ("SIGINT", -2)])
def test_a_signal_in_pythons_teardown_after_the_report_ends_with_the_verdicts_code(
    tmp_path: Path, sent: str, before: int
) -> None:
    """The report delivered (fail) and every exit function run, Python's teardown put the default handlers back: a
    signal in its tens of milliseconds (here when the user's module global is freed) killed the process, -15 or -2,
    under a report that said fail (audit 48b). Ignored from the last exit function on: the verdict's code."""
    repo = copy_quickstart(tmp_path / "repo", questions=4)
    set_answers(repo, {"delete account": "I do not know."})  # row 4 fails its passing ranges: verdict fail
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + SIGNALLING_IN_THE_TEARDOWN.replace("{signal}", sent), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "--no-html", "--report", "r.json"]

    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False)

    assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["verdict"] == "fail"
    assert done.returncode == 1 != before, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def test_runs_and_view_of_a_variant_without_runs_name_it_and_the_variants_the_file_has_runs_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit75 F5: after ``run --variant gpt``, ``runs`` said "no runs yet" and ``view --variant claude`` "has no run of
    .honeyhive/experiment.yml": neither named the variant it looked for, nor that the file's runs are gpt's."""
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    assert main(["run", "--dry-run", "-C", str(repo), "--no-html", "--variant", "gpt"], environ={}) == 0
    capsys.readouterr()
    file = ".honeyhive/experiment.yml"
    gpt = f"the backend has runs of {file} (variant gpt): --variant picks which (without it, no variant's)"

    assert main(["runs", "-C", str(repo)], environ={}) == 0
    said = capsys.readouterr()
    assert said.out == "no runs yet for experiment 'support-bot-quickstart'\n"
    assert f"warning: no run of {file} (no variant) yet; {gpt}" in said.err, said.err
    assert main(["runs", "-C", str(repo), "--variant", "claude"], environ={}) == 0
    assert f"warning: no run of {file} (variant claude) yet; {gpt}" in capsys.readouterr().err
    assert main(["view", "--no-open", "-C", str(repo), "--variant", "claude"], environ={}) == 2
    assert (
        f"error: experiment 'support-bot-quickstart' has no run of {file} (variant claude) in the backend yet: run it"
        f" first; {gpt}"
    ) in capsys.readouterr().err
    assert main(["runs", "-C", str(repo), "--variant", "gpt"], environ={}) == 0
    said = capsys.readouterr()  # its own runs: listed, nothing more to say
    assert "no runs yet" not in said.out
    assert "no run of" not in said.err


def test_a_report_of_ours_or_an_empty_file_is_written_over_without_a_word(
    quickstart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The files refused as no report of ours (``--html myapp/bot.py``, audit80 F1) are not the reports a run wrote
    before, which the next run replaces as it always did, nor an empty file (``touch out/r.json``)."""
    out = quickstart / "out"
    out.mkdir()
    (out / "r.json").touch()
    argv = ["run", "--dry-run", "-C", str(quickstart), "--report", str(out / "r.json")]
    for _ in range(2):
        code = main(argv, environ={})
        assert code == 0, capsys.readouterr().err
        assert json.loads((out / "r.json").read_text(encoding="utf-8"))["version"] == 1
        assert (out / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda text: json.dumps(json.loads(text), sort_keys=True, indent=2),  # jq -S, a pre-commit formatter
        lambda text: json.dumps(json.loads(text), separators=(",", ":")),  # compact
        lambda text: "\ufeff" + text,  # saved with a byte-order mark
    ],
    ids=["sorted", "compact", "bom"],
)
def test_a_report_of_ours_rewritten_is_still_ours(
    quickstart: Path, capsys: pytest.CaptureFixture[str], rewrite: Callable[[str], str]
) -> None:
    """A report.json a formatter rewrote (its keys sorted, compact, a byte-order mark) was refused as "no report of
    this tool's" by its first bytes (audit82 F6): it is read as JSON, a report's version and experiment in it."""
    report = quickstart / "out" / "r.json"
    argv = ["run", "--dry-run", "-C", str(quickstart), "--report", str(report)]
    assert main(argv, environ={}) == 0, capsys.readouterr().err
    report.write_text(rewrite(report.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(argv, environ={}) == 0, capsys.readouterr().err
    assert json.loads(report.read_text(encoding="utf-8"))["version"] == 1


def test_report_paths_are_under_the_working_directory_as_the_config_is(
    quickstart: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run -C repo --report out/r.json`` wrote out/r.json in the shell's folder, while --config, the dataset, the
    code and the action's report input are all found under -C (audit80 F4). Now --report and --html (run's and
    view's) are under -C too; nothing is written in the shell's folder."""
    shell = quickstart.parent / "shell"
    shell.mkdir()
    monkeypatch.chdir(shell)
    code = main(["run", "--dry-run", "-C", "../repo", "--report", "out/r.json", "--html", "page.html"], environ={})
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads((quickstart / "out" / "r.json").read_text(encoding="utf-8"))["version"] == 1
    assert f"HTML report: {(quickstart / 'page.html').resolve()}\n" in out  # outside the shell's folder: absolute
    assert main(["view", "--no-open", "-C", "../repo", "--html", "out/view.html"], environ={}) == 0
    assert (quickstart / "page.html").is_file()
    assert (quickstart / "out" / "view.html").is_file()
    assert list(shell.iterdir()) == []


LOGGING = """
import logging as _logging

_answer = answer


def answer(datapoint):
    _logging.getLogger("httpx2").info("HTTP Request: POST http://llm/v1/chat/completions")  # openai's, per call
    _logging.getLogger("support_bot").warning("a warning of yours")
    _logging.getLogger("support_bot.app").info("an info line of yours")
    return _answer(datapoint)
"""


@pytest.mark.parametrize("environ", [{}, {"RUNNER_DEBUG": "1"}], ids=["plain", "debug"])
def test_a_librarys_info_records_are_not_a_line_per_call_but_yours_are(
    quickstart: Path, capsys: pytest.CaptureFixture[str], environ: dict[str, str]
) -> None:
    """Every LLM call printed ``info: HTTP Request: POST …`` (openai through httpx2, which the quietened loggers
    missed): 500 lines among the progress for 500 rows (audit80 F5). The HTTP and LLM clients' records below WARNING
    are not shown; your own code's are (audit82 F4: a filter of every other logger hid them in a local run)."""
    app = quickstart / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + LOGGING, encoding="utf-8")
    assert main(["run", "--dry-run", "-C", str(quickstart), "--no-html"], environ=environ) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines.count("warning: a warning of yours") == 22
    assert lines.count("info: an info line of yours") == 22
    assert lines.count("info: HTTP Request: POST http://llm/v1/chat/completions") == 0


def test_a_refused_key_names_where_it_is_set_and_the_server_that_refused_it(
    quickstart: Path, backend: LocalBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said "POST /v1/runs failed with HTTP 401: invalid API key": not which variable, nor which server (audit80
    F12)."""
    environ = {"HH_API_KEY": "hh-refused-key-0123456789", "HH_API_URL": backend.url}
    code = main(["run", "-C", str(quickstart), "--no-html"], environ=environ)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "HTTP 401: invalid API key; the API key (HH_API_KEY or HONEYHIVE_API_KEY" in err, err
    assert f"was refused by {backend.url}" in err, err

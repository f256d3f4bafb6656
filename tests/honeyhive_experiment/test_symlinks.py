"""Files are never written through symbolic links (issue 21, item 5): a repository can commit ``.honeyhive`` (or
``report.json``) as a link to somewhere else on the runner, and the tool's files must not land there."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from honeyhive_experiment import paths
from honeyhive_experiment.cli import main
from honeyhive_experiment.paths import (
    LOCAL_DB_PATH,
    REPORT_HTML_PATH,
    REPORT_PATH,
    ThroughALink,
    folder_beneath,
    link_on_the_way,
    open_beneath,
    open_in,
)
from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import Step, effective_uid, push, run_action

pytestmark = pytest.mark.integration


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("command", [["run", "--dry-run"], ["runs"], ["view", "--no-open"]])
@pytest.mark.parametrize("folder", ["absolute", "relative"])
def test_a_honeyhive_folder_that_links_elsewhere_is_refused(
    quickstart: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    folder: str,
) -> None:
    """With ``-C repo`` (the README's form) the link went unseen, looked for at ``repo/repo/.honeyhive``: local.db and
    report.html were written through it; ``runs`` and ``view`` made and wrote local.db through it with any ``-C``."""
    elsewhere = tmp_path / "elsewhere"
    (quickstart / ".honeyhive").rename(elsewhere)
    (quickstart / ".honeyhive").symlink_to(elsewhere)
    before = _files(elsewhere)
    monkeypatch.chdir(tmp_path)
    given = str(quickstart) if folder == "absolute" else quickstart.name

    code = main([*command, "-C", given], environ={})

    assert code == 2
    err = capsys.readouterr().err
    assert f"{quickstart / '.honeyhive'} is a symbolic link (to {elsewhere})" in err
    assert "Traceback" not in err
    assert _files(elsewhere) == before  # no local.db, no report: nothing written through the link


def test_a_report_file_that_is_a_link_is_refused(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n", encoding="utf-8")
    report = quickstart / "report.json"
    report.symlink_to(target)

    code = main(["run", "--dry-run", "-C", str(quickstart), "--report", str(report)], environ={})

    assert code == 2
    assert f"{report} is a symbolic link" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("flag", ["--report", "--html"])
def test_a_report_through_a_link_is_refused_however_the_working_directory_is_named(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    """``--report`` was the shell's path, but it was looked for links from the working directory: typed in repo/sub,
    ``-C .. --report out/report.json`` (sub/out a link elsewhere) was checked as repo/out/report.json, and written
    through the link. It is the working directory's path now (audit80 F4), checked there: repo/out, a link."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (quickstart / "sub").mkdir()
    (quickstart / "out").symlink_to(elsewhere)
    monkeypatch.chdir(quickstart / "sub")

    code = main(["run", "--dry-run", "-C", "..", flag, "out/report.json"], environ={})

    assert code == 2
    assert f"{quickstart / 'out'} is a symbolic link (to {elsewhere})" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("flags", [["--html"], ["--report", "--html"]])
def test_a_report_at_a_device_is_written_into_it_not_put_in_its_place(
    quickstart: Path, tmp_path: Path, flags: list[str]
) -> None:
    """``--html /dev/null`` made /dev/null a file (as root; as another user a temporary file in /dev was refused).
    Both reports may go into one device: nothing there is lost."""
    device = Path("/dev/null")
    if os.geteuid() == 0:  # a copy of /dev/null: the real one is not put at risk
        device = tmp_path / "null"
        try:
            os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("root here may not make a device node (a user namespace)")

    given = [word for flag in flags for word in (flag, str(device))]
    code = main(["run", "--dry-run", "-C", str(quickstart), *given], environ={})

    assert code == 0
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert not list(tmp_path.glob(".*.tmp"))  # no file was made beside it


@pytest.mark.parametrize("flag", ["--report", "--html"])
def test_a_report_at_a_fifo_is_refused_before_the_run(quickstart: Path, tmp_path: Path, flag: str) -> None:
    """``--report FIFO`` with no reader hung before the first datapoint (trying it opened it), for ever: SIGTERM did
    not end it; a reader waiting on it got the try's end of file, and the report's write then hung. In a process of
    its own, so the old code's hang is a timeout, not a stuck test."""
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command = [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "-C", str(quickstart), flag, str(fifo)]

    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)

    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: {flag} {fifo} is a named pipe: give a regular file path\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("flag", ["--report", "--html"])
@pytest.mark.parametrize("below", ["", "a/b"], ids=["its-folder", "a-folder-above"])
def test_a_report_whose_folder_is_a_link_to_nothing_is_refused_before_the_run(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, below: str
) -> None:
    """A dangling link on the way was taken for a folder still to be made: the experiment ran, then making the folder
    met the link ("cannot write report.json (…): File exists"), exit 2 after the work. Now refused up front, saying
    which link leads nowhere."""
    link = tmp_path / "dl"
    link.symlink_to(tmp_path / "nonexist")
    folder = link / below if below else link
    target = folder / ("x.json" if flag == "--report" else "x.html")

    code = main(["run", "--dry-run", "-C", str(quickstart), flag, str(target)], environ={})

    out, err = capsys.readouterr()
    what = "report.json" if flag == "--report" else "the HTML report"
    assert (code, out) == (2, "")
    assert err == (
        f"error: cannot write {what}'s folder ({folder}): {link} is a symbolic link to {tmp_path / 'nonexist'}, which"
        " does not exist; make that folder, or remove the link\n"
    )
    assert not (quickstart / ".honeyhive" / "local.db").exists()  # nothing was run


@pytest.mark.parametrize(
    ("links", "path", "found"),
    [
        ((), ".honeyhive/local.db", None),
        ((".honeyhive",), ".honeyhive/local.db", ".honeyhive"),
        ((".honeyhive/local.db-wal",), ".honeyhive/local.db-wal", ".honeyhive/local.db-wal"),
        (("a",), "a/b/c.json", "a"),
        (("a/b",), "a/b/c.json", "a/b"),
    ],
)
def test_link_on_the_way(tmp_path: Path, links: tuple[str, ...], path: str, found: str | None) -> None:
    (tmp_path / "target").mkdir()
    for link in links:
        (tmp_path / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(tmp_path / "target", tmp_path / link)
    for folder in (".honeyhive", "a/b"):
        if not any(link.startswith(folder.split("/")[0]) for link in links):
            (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    assert link_on_the_way(tmp_path, tmp_path / path) == (tmp_path / found if found else None)


@pytest.mark.parametrize("cwd", ["above", "inside", "beside"])
def test_link_on_the_way_takes_paths_as_the_system_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cwd: str
) -> None:
    """Relative paths are the current directory's, as open() takes them: the same link however root and path are
    named (``repo`` and ``repo/.honeyhive/local.db`` was looked for at ``repo/repo/.honeyhive``); a link above root
    (the working directory reached through one) is followed, not found."""
    root = tmp_path / "real"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (root / ".honeyhive").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "via").symlink_to(root)
    here = {"above": tmp_path, "inside": root / "sub", "beside": tmp_path / "elsewhere"}[cwd]
    monkeypatch.chdir(here)
    link = root / ".honeyhive"
    for given_root in (root, tmp_path / "via"):
        for named_root in (str(given_root), os.path.relpath(given_root)):
            for below in (".honeyhive/local.db", "sub/../.honeyhive/x"):  # joined as text: relpath drops ".."
                assert link_on_the_way(named_root, f"{named_root}/{below}") == link, (named_root, below)
            assert link_on_the_way(named_root, f"{named_root}/sub/x.json") is None


def test_a_file_outside_the_working_directory_is_checked_itself(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "out.json"
    root.mkdir()
    assert link_on_the_way(root, outside) is None
    outside.symlink_to(tmp_path / "nowhere")
    assert link_on_the_way(root, outside) == outside


@pytest.mark.parametrize(
    ("named", "problem"),
    [
        # committed by the pull request; named from the workspace: it was "/home/runner/work/…/evals is a symbolic link"
        ("evals", "evals is a symbolic link (to {outside})"),
        ("../repo", "it leads outside the workspace; name a folder"),  # it said the workspace's path on the runner
    ],
)
def test_the_actions_working_directory_must_be_a_folder_of_the_workspace(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], named: str, problem: str
) -> None:
    """``working-directory: evals``, ``evals`` a link the pull request committed to a folder outside the workspace:
    the config was read there and the error report written there. Refused before anything is read or written."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "evals").symlink_to(quickstart)
    before = _files(quickstart)
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off", "working-directory": named}

    code = main(["action"], environ=step.env(workspace, inputs))

    assert code == 2
    out = capsys.readouterr().out
    said = problem.format(workspace=workspace, outside=quickstart)
    assert f"::error::working-directory: refusing to work in {named}: {said}" in out
    assert _files(quickstart) == before  # no report.json, report.html or local.db outside the workspace
    outputs = step.outputs()  # the runner's files (not the repository's) say the error: the check reads it there
    assert (outputs["verdict"], outputs["report-path"], outputs["html-report-path"]) == ("error", "", "")
    summary = step.summary()
    assert f"working-directory: refusing to work in {named}: {said}" in summary
    assert str(workspace) not in summary  # nor in the log's annotation (above): the runner's paths are no input's
    assert summary.startswith("### .honeyhive/experiment.yml\n")  # titled by the input: the file there is not read


@pytest.mark.parametrize(
    ("link", "said"),
    [
        (REPORT_HTML_PATH, "report: refusing to write the HTML report ({link}): {link}"),  # the file tried as written
        (".honeyhive/local.db", "working-directory: refusing to write {link}: {link}"),
    ],
)
def test_a_file_of_the_action_that_is_a_link_is_its_inputs_error_verdict(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str, said: str
) -> None:
    """A link at ``.honeyhive/report.html`` or ``.honeyhive/local.db`` exited 2 with no outputs and no summary, even
    with ``fail-on-error: false`` (a pull request kept its stale comment): now the error verdict of the input whose
    file it is, as a link on the ``report`` input's own path is, nothing written through it."""
    precious = tmp_path / "precious"
    precious.write_text("keep me\n", encoding="utf-8")
    (quickstart / link).symlink_to(precious)
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off", "fail-on-error": "false"}

    code = main(["action"], environ=step.env(quickstart, inputs))

    out = capsys.readouterr().out
    assert code == 0, out
    outputs = step.outputs()
    assert (outputs["verdict"], outputs["report-path"], outputs["html-report-path"]) == ("error", "", ""), out
    said = said.format(link=link)
    assert f"{said} is a symbolic link (to {precious})" in step.summary()  # named from the workspace
    assert str(quickstart) not in step.summary()
    assert precious.read_text(encoding="utf-8") == "keep me\n"


def test_a_working_directory_inside_the_workspace_works(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = Step(tmp_path / "step", push())
    inputs = {"dry-run": "true", "comment-mode": "off", "working-directory": "repo"}

    assert main(["action"], environ=step.env(tmp_path, inputs)) == 0, capsys.readouterr()
    assert (quickstart / REPORT_PATH).is_file()


def test_a_local_runs_working_directory_may_be_reached_through_a_link(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--working-directory`` is the user's own choice on their machine (``~/code -> /mnt/data/code``): only the
    files written below it are held to no link."""
    link = tmp_path / "link"
    link.symlink_to(quickstart)

    assert main(["run", "--dry-run", "-C", str(link)], environ={}) == 0, capsys.readouterr()
    assert (quickstart / REPORT_HTML_PATH).is_file()


API_KEY = "hh-symlinks-key-0123456789"


@pytest.mark.parametrize("made", ["the reports' folder", "the step summary"])
def test_a_link_the_users_code_makes_while_it_runs_is_not_written_through(
    quickstart: Path, tmp_path: Path, made: str
) -> None:
    """The checks before the run find no link; the user's module, at its import, then put one in place of
    ``.honeyhive`` (to a folder outside the repository: report.json and report.html were written there, and the
    report-path output named that path) or of the runner's step summary (to a file of the workspace, which the summary
    was appended to). Each is refused as it is written, naming the link; what can be is delivered, the check red."""
    elsewhere, victim = tmp_path / "elsewhere", quickstart / "victim.md"
    elsewhere.mkdir()
    victim.write_text("keep me\n", encoding="utf-8")
    step = Step(tmp_path / "step", push())
    link, target = (
        (quickstart / ".honeyhive", elsewhere) if made == "the reports' folder" else (step.summary_path, victim)
    )
    app = quickstart / "support_bot" / "app.py"
    moved = f"{link}.moved"
    swap = f"import os, shutil\nshutil.move({str(link)!r}, {moved!r})\nos.symlink({str(target)!r}, {str(link)!r})\n"
    app.write_text(app.read_text(encoding="utf-8").replace("import time\n", f"import time\n{swap}", 1))

    with LocalBackend(":memory:", API_KEY) as backend:
        inputs = {"api-key": API_KEY, "server-url": backend.url, "comment-mode": "off", "github-token": ""}
        done = run_action(step.env(quickstart, inputs), quickstart)

    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    outputs = step.outputs()
    if made == "the reports' folder":
        said = f"refusing to write report.json (.honeyhive/report.json): .honeyhive is a symbolic link (to {elsewhere})"
        assert f"::error::{said}" in done.stdout
        assert list(elsewhere.iterdir()) == []
        assert (outputs["verdict"], outputs["report-path"], outputs["html-report-path"]) == ("error", "", "")
        assert said in step.summary()
    else:
        said = f"refusing to write GITHUB_STEP_SUMMARY ({link}): {link} is a symbolic link (to {victim})"
        assert f"::error::{said}" in done.stdout
        assert victim.read_text(encoding="utf-8") == "keep me\n"
        assert (outputs["verdict"], outputs["report-path"]) == ("neutral", REPORT_PATH)  # the rest delivered


@pytest.mark.parametrize(("flag", "name"), [("--report", "out.json"), ("--html", "out.html")])
def test_a_file_the_users_code_makes_at_a_named_report_path_is_kept(
    quickstart: Path, flag: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is at ``--report``/``--html`` when it is checked before the run; the user's module, at its import,
    then writes a file of its own there: it was replaced at the end (audit82 F5). Refused as the report is written."""
    mine = quickstart / name
    app = quickstart / "support_bot" / "app.py"
    made = f"import time\nopen({str(mine)!r}, 'w').write('mine\\n')\n"
    app.write_text(app.read_text(encoding="utf-8").replace("import time\n", made, 1))

    code = main(["run", "--dry-run", "-C", str(quickstart), flag, name], environ={})

    err = capsys.readouterr().err
    assert code != 0, err
    assert f"refusing to write {'report.json' if flag == '--report' else 'the HTML report'} over" in err
    assert "Traceback" not in err
    assert mine.read_text(encoding="utf-8") == "mine\n"


def test_a_link_the_users_code_makes_in_a_shard_jobs_output_file_is_said_not_unexpected(
    quickstart: Path, tmp_path: Path
) -> None:
    """A shard job (``mode: run``) whose user's module put a link in ``GITHUB_OUTPUT``'s place: its ``run-id`` output
    was refused as ``unexpected ThroughALink: [Errno 40] …``, a bug's words. Now said as every other file the job writes
    says it, the shard's error."""
    victim = quickstart / "victim.md"
    victim.write_text("keep me\n", encoding="utf-8")
    step = Step(tmp_path / "step", push())
    link = step.output_path
    app = quickstart / "support_bot" / "app.py"
    moved = f"{link}.moved"
    swap = f"import os, shutil\nshutil.move({str(link)!r}, {moved!r})\nos.symlink({str(victim)!r}, {str(link)!r})\n"
    app.write_text(app.read_text(encoding="utf-8").replace("import time\n", f"import time\n{swap}", 1))

    with LocalBackend(":memory:", API_KEY) as backend:
        inputs = {"api-key": API_KEY, "server-url": backend.url, "mode": "run", "shard": "1/1", "github-token": ""}
        done = run_action(step.env(quickstart, inputs), quickstart)

    shown = done.stdout + done.stderr
    assert done.returncode == 2, shown  # the error's exit code, as a report's runner file not written makes it
    said = f"refusing to write GITHUB_OUTPUT ({link}): {link} is a symbolic link (to {victim})"
    assert f"::error::{said}, and this tool writes no file through one; remove the link" in done.stdout
    assert "unexpected" not in shown
    assert "Traceback" not in shown
    assert "recorded 22 datapoint(s) of shard 1/1" in done.stdout  # what the shard did is said all the same
    assert victim.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("made", [LOCAL_DB_PATH, f"{LOCAL_DB_PATH}-wal", ".honeyhive"])
def test_a_link_made_after_the_checks_is_refused_as_the_embedded_backend_opens_its_database(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, made: str
) -> None:
    """The checks before the run find no link; what ``install`` builds (a package's build backend is the repository's
    code) then made ``.honeyhive/local.db`` (or SQLite's WAL beside it, or ``.honeyhive``) a link to a file outside the
    working directory: SQLite, which opens its files by their path, wrote its database there and the dry run passed.
    Refused as they are opened, naming the link."""
    outside, elsewhere = tmp_path / "outside.db", tmp_path / "elsewhere"
    outside.write_bytes(b"")
    elsewhere.mkdir()
    link = quickstart / made
    target = elsewhere if made == ".honeyhive" else outside

    def install(*args: object, **kwargs: object) -> None:
        if made == ".honeyhive":
            link.rename(quickstart / "moved")
        link.symlink_to(target)

    monkeypatch.setattr("honeyhive_experiment.install.install", install)

    code = main(["run", "--dry-run", "-C", str(quickstart), "--install", "rapidfuzz"], environ={})

    err = capsys.readouterr().err
    assert code == 2, err
    said = f"refusing to write the embedded backend's database ({quickstart / LOCAL_DB_PATH}): {link} is a symbolic"
    assert f"{said} link (to {target}), and this tool writes no file through one; remove the link" in err
    assert "Traceback" not in err
    assert outside.read_bytes() == b""
    assert list(elsewhere.iterdir()) == []


def test_the_embedded_backends_database_is_never_opened_through_a_link(tmp_path: Path) -> None:
    """:func:`backend.connect` holds what it opens itself, below ``root`` (the command's working directory), naming the
    link as ``shown_db`` names the database (the action's: from the workspace); a named pipe in the database's place
    said "disk I/O error", and advice about read-only mounts."""
    from honeyhive_experiment import backend
    from honeyhive_experiment.errors import ExperimentError

    root, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (root / ".honeyhive").mkdir(parents=True)
    elsewhere.mkdir()
    (root / ".honeyhive").rename(root / "moved")
    (root / ".honeyhive").symlink_to(elsewhere)
    local_db = root / LOCAL_DB_PATH
    with (
        pytest.raises(ExperimentError) as refused,
        backend.connect(None, None, local_db=local_db, environ={}, shown_db=LOCAL_DB_PATH, root=root),
    ):
        pass
    assert str(refused.value) == (
        f"refusing to write the embedded backend's database ({LOCAL_DB_PATH}): .honeyhive is a symbolic link (to"
        f" {elsewhere}), and this tool writes no file through one; remove the link"
    )
    assert list(elsewhere.iterdir()) == []

    (root / ".honeyhive").unlink()
    (root / "moved").rename(root / ".honeyhive")
    os.mkfifo(local_db)
    with (
        pytest.raises(ExperimentError) as refused,
        backend.connect(None, None, local_db=local_db, environ={}, shown_db=LOCAL_DB_PATH, root=root),
    ):
        pass
    assert str(refused.value) == f"{LOCAL_DB_PATH}: it is a named pipe, not a database: remove it"


def test_the_python_apis_database_may_be_reached_through_a_link_to_its_folder(tmp_path: Path) -> None:
    """``local_db`` is the caller's own choice, its folders too (``~/data -> /mnt/data``): only the database and
    SQLite's files beside it are held to no link."""
    from honeyhive_experiment import backend
    from honeyhive_experiment.errors import ExperimentError

    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "real")
    with backend.connect(None, None, local_db=tmp_path / "via" / "local.db", environ={}):
        pass
    assert (tmp_path / "real" / "local.db").is_file()
    (tmp_path / "via" / "linked.db").symlink_to(tmp_path / "real" / "local.db")
    with (
        pytest.raises(ExperimentError, match=re.escape("linked.db is a symbolic link")),
        backend.connect(None, None, local_db=tmp_path / "via" / "linked.db", environ={}),
    ):
        pass


@pytest.mark.parametrize("mode", ["run", "all"])
def test_a_named_pipe_the_users_code_makes_in_the_output_files_place_is_refused_not_waited_on(
    quickstart: Path, tmp_path: Path, mode: str
) -> None:
    """The user's module put a named pipe in ``GITHUB_OUTPUT``'s place: opening it to append waited for a reader for
    ever, through every signal (held while the report is written), until the runner killed the job (audit 48b). Now
    it is refused at once, said as the runner's file not written is, and the rest is delivered."""
    step = Step(tmp_path / "step", push())
    fifo = step.output_path
    app = quickstart / "support_bot" / "app.py"
    swap = f"import os\nos.replace({str(fifo)!r}, {str(fifo)!r} + '.moved')\nos.mkfifo({str(fifo)!r})\n"
    app.write_text(app.read_text(encoding="utf-8").replace("import time\n", f"import time\n{swap}", 1))

    with LocalBackend(":memory:", API_KEY) as backend:
        inputs = {"api-key": API_KEY, "server-url": backend.url, "mode": mode, "github-token": ""}
        done = run_action(step.env(quickstart, {**inputs, **({"shard": "1/1"} if mode == "run" else {})}), quickstart)

    shown = done.stdout + done.stderr
    assert done.returncode == 2, shown
    said = f"cannot write GITHUB_OUTPUT ({fifo}): it is a named pipe or a socket, not a file: give a regular file path"
    assert f"::error::{said}" in done.stdout, shown
    assert "Traceback" not in shown


def test_folder_beneath_follows_no_link_inside_root(tmp_path: Path) -> None:
    """What every file the tool writes is opened through: inside ``root`` no link is followed, however the path is
    named (``root`` itself reached through a link, ``..``); the folders it makes are made there."""
    root, elsewhere = tmp_path / "real", tmp_path / "elsewhere"
    (root / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (root / ".honeyhive").symlink_to(elsewhere)
    (tmp_path / "via").symlink_to(root)
    for given in (root, tmp_path / "via"):
        for below in (".honeyhive/report.json", "sub/../.honeyhive/report.json", ".honeyhive/new/report.json"):
            with pytest.raises(ThroughALink) as refused, folder_beneath(given, given / below, make=True):
                pass
            assert refused.value.link == given / below.rpartition(".honeyhive")[0] / ".honeyhive", below
            assert refused.value.target == str(elsewhere)
        with folder_beneath(given, given / "sub/new/deeper/report.json", make=True) as (folder, name):
            os.close(open_in(folder, name, os.O_WRONLY | os.O_CREAT, path=given / "sub/new/deeper" / name))
    assert (root / "sub/new/deeper/report.json").is_file()
    assert list(elsewhere.iterdir()) == []


def test_a_file_outside_root_is_reached_as_the_system_goes_but_never_written_through_a_link(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (tmp_path / "out").symlink_to(elsewhere)  # the user's own --report folder
    os.close(open_beneath(root, tmp_path / "out" / "report.json", os.O_WRONLY | os.O_CREAT))
    assert (elsewhere / "report.json").is_file()
    precious = root / "precious"
    precious.write_text("keep me\n", encoding="utf-8")
    (elsewhere / "summary").symlink_to(precious)
    with pytest.raises(ThroughALink) as refused:
        open_beneath(elsewhere, elsewhere / "summary", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    assert str(refused.value.strerror) == f"{elsewhere / 'summary'} is a symbolic link (to {precious})"
    assert precious.read_text(encoding="utf-8") == "keep me\n"


def test_the_runners_files_are_never_written_through_a_link_in_their_place(tmp_path: Path) -> None:
    """``GITHUB_STEP_SUMMARY`` (or ``GITHUB_OUTPUT``) replaced by a link to a file of the workspace: the summary was
    appended to that file. Refused before the run (:func:`unwritable`) and as each is written."""
    from honeyhive_experiment.gha import append_summary, unwritable, write_outputs

    precious, summary = tmp_path / "precious.md", tmp_path / "runner" / "step_summary"
    precious.write_text("keep me\n", encoding="utf-8")
    summary.parent.mkdir()
    summary.symlink_to(precious)

    said = f"{summary} is a symbolic link (to {precious})"
    assert unwritable("GITHUB_STEP_SUMMARY", summary) == (
        f"refusing to write GITHUB_STEP_SUMMARY ({summary}): {said}, and this tool writes no file through one;"
        " remove the link"
    )
    for write in (lambda: append_summary(summary, "# report\n"), lambda: write_outputs(summary, {"verdict": "pass"})):
        with pytest.raises(ThroughALink, match=re.escape(said)):
            write()
    assert precious.read_text(encoding="utf-8") == "keep me\n"


def test_a_folder_above_root_that_may_be_searched_not_listed_is_passed_without_o_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where there is no ``O_PATH`` (macOS) a folder is opened to be read: the walk from ``/`` opened every folder above
    the working directory so, and one the user may pass but not list (mode 0711: another user's home, a runner's
    parent folder) made every write fail with "Permission denied". The folders on the way to ``root`` are passed by
    their path now. As root, which lists any folder whatever its mode, the walk runs as uid 1001."""
    monkeypatch.setattr(paths, "_FOLDER", os.O_RDONLY | os.O_DIRECTORY)  # as on macOS
    above = Path(tempfile.mkdtemp(prefix="hh-search-only-"))  # pytest's tmp_path is private to its user
    root = above / "home" / "repo"
    root.mkdir(parents=True)
    (root / "out").symlink_to(tmp_path)
    as_root = os.geteuid() == 0
    if as_root:
        os.chown(root, 1001, -1)
    above.chmod(0o711)
    report = root / ".honeyhive" / "report.json"
    try:
        with effective_uid(1001 if as_root else None):
            with pytest.raises(PermissionError):
                os.listdir(above)  # it may be passed, not listed
            with folder_beneath(root, report, make=True) as (folder, name):
                os.close(open_in(folder, name, os.O_WRONLY | os.O_CREAT, path=report))
            with pytest.raises(ThroughALink):  # inside root no link is followed all the same
                open_beneath(root, root / "out" / "report.json", os.O_WRONLY | os.O_CREAT)
        assert report.is_file()
    finally:
        above.chmod(0o755)
        shutil.rmtree(above)
    assert list(tmp_path.iterdir()) == []

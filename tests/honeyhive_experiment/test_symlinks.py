"""Files are never written through symbolic links (issue 21, item 5): a repository can commit ``.honeyhive`` (or
``report.json``) as a link to somewhere else on the runner, and the tool's files must not land there."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.paths import REPORT_HTML_PATH, REPORT_PATH, link_on_the_way
from tests.fakes.actions_runner import Step, push

pytestmark = pytest.mark.integration


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_honeyhive_folder_that_links_elsewhere_is_refused(
    quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    (quickstart / ".honeyhive").rename(elsewhere)
    (quickstart / ".honeyhive").symlink_to(elsewhere)
    before = _files(elsewhere)

    code = main(["run", "--dry-run", "-C", str(quickstart)], environ={})

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


def test_a_report_at_a_device_is_written_into_it_not_put_in_its_place(quickstart: Path, tmp_path: Path) -> None:
    """``--html /dev/null`` made /dev/null a file (as root; as another user a temporary file in /dev was refused)."""
    device = Path("/dev/null")
    if os.geteuid() == 0:  # a copy of /dev/null: the real one is not put at risk
        device = tmp_path / "null"
        try:
            os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("root here may not make a device node (a user namespace)")

    code = main(["run", "--dry-run", "-C", str(quickstart), "--html", str(device)], environ={})

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
    assert link_on_the_way(tmp_path, path) == (tmp_path / found if found else None)


def test_a_file_outside_the_working_directory_is_checked_itself(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "out.json"
    root.mkdir()
    assert link_on_the_way(root, outside) is None
    outside.symlink_to(tmp_path / "nowhere")
    assert link_on_the_way(root, outside) == outside


@pytest.mark.parametrize(
    ("named", "problem"),
    [
        ("evals", "{workspace}/evals is a symbolic link (to {outside})"),  # committed by the pull request
        ("../repo", "it leads outside the workspace ({workspace})"),
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
    assert summary.startswith("### .honeyhive/experiment.yml\n")  # titled by the input: the file there is not read


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

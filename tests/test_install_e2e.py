"""The ``install`` input end to end: a user's app that imports a package the action's environment lacks.

The program runs as the action (``python -m honeyhive_experiment action`` with the environment GitHub builds
from action.yml) in a virtual environment layered on the session's installed wheel (tests/fresh_venv.py), so
what it installs stays in the test's own folder. The app (tests/fixtures/apps/needs_dep) imports ``tinyfuzz``,
a local path package its requirements.txt lists with ``--no-index``: nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import Step, issued, push, run_action
from tests.fresh_venv import layered_venv

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "tests" / "fixtures" / "apps" / "needs_dep"
API_KEY = "hh-install-e2e-key-0123456789"


@dataclass
class Job:
    """One GitHub job's worth of context: the checkout, the backend, the job's Python."""

    root: Path
    python: Path
    backend: LocalBackend
    tmp: Path
    installer: str  # which one PATH leads to: "uv", or "pip" when no folder on it has a uv
    path: str

    def action(self, inputs: Mapping[str, str]) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
        """A push to main runs the action with these inputs; returns the process and its outputs."""
        step = Step(self.tmp / "step", push())
        given = {"api-key": API_KEY, "server-url": self.backend.url, "github-token": "", **inputs}
        env = {"PATH": self.path, "HOME": str(self.tmp), **step.env(self.root, given)}
        done = run_action(env, self.root, python=self.python, timeout=300)
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done, step.outputs()


def search_path(installer: str) -> str:
    """PATH for the action: for ``uv``, the folder of the uv binary the ``uv`` package ships (the test extra
    has it) first; for ``pip``, the test's PATH without any folder that has a uv."""
    folders = [f for f in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep) if not (Path(f) / "uv").exists()]
    if installer == "uv":
        uv = pytest.importorskip("uv", reason="the uv package (test extra) is not installed")
        folders.insert(0, str(Path(uv.find_uv_bin()).parent))
    return os.pathsep.join(folders)


@pytest.fixture(params=["pip", "uv"])
def job(request: pytest.FixtureRequest, installed: Path, tmp_path: Path) -> Iterator[Job]:
    path = search_path(request.param)
    root = tmp_path / "repo"
    shutil.copytree(APP, root, ignore=shutil.ignore_patterns("__pycache__", "*.db*", "report*.json"))
    with LocalBackend(":memory:", API_KEY) as backend:
        yield Job(root, layered_venv(installed, tmp_path / "venv"), backend, tmp_path, request.param, path)


def _errors(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::error")]


@pytest.mark.parametrize("job", ["pip"], indirect=True)  # nothing is installed: the installer does not matter
def test_without_install_the_error_names_the_missing_module_and_install(job: Job) -> None:
    done, outputs = job.action({})
    assert done.returncode == 2, done.stdout
    assert outputs["verdict"] == "error"
    (error,) = _errors(done.stdout)
    assert "no module named 'tinyfuzz'" in error
    assert "install: -r requirements.txt" in error
    report = json.loads((job.root / ".honeyhive" / "report.json").read_text())
    assert "tinyfuzz" in report["error"]
    assert "install" in report["error"]


@pytest.mark.parametrize("job", ["pip"], indirect=True)  # refused before any installer runs
def test_an_install_input_reading_a_file_outside_the_repository_is_refused(job: Job) -> None:
    """``-r /proc/self/environ`` had the installer print the environment (each line an invalid requirement):
    now the input is refused, naming the argument, before anything runs (the check's verdict is error); the run
    and validate alike."""
    done, outputs = job.action({"install": "-r /proc/self/environ"})

    assert done.returncode == 2, done.stdout + done.stderr
    (error,) = _errors(done.stdout)
    assert "::error::install: -r /proc/self/environ: not inside the working directory" in error, error
    assert outputs["verdict"] == "error"  # nothing ran
    shown = done.stdout + done.stderr
    for leaked in (API_KEY, f"GITHUB_WORKSPACE={job.root}", f"HOME={job.tmp}", "Installing your dependencies"):
        assert leaked not in shown, shown

    validate = subprocess.run(
        [str(job.python), "-m", "honeyhive_experiment", "validate", "--install", "-r /proc/self/environ"],
        cwd=job.root,
        env={"PATH": job.path, "HOME": str(job.tmp), "HH_API_KEY": API_KEY},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert validate.returncode == 2, validate.stderr
    assert "Traceback" not in validate.stderr
    assert "-r /proc/self/environ: not inside the working directory" in validate.stderr
    assert API_KEY not in validate.stdout + validate.stderr


def test_install_makes_the_apps_dependency_importable(job: Job) -> None:
    """Installed (grouped in the log, timed, with uv when it is on PATH), imported, evaluated."""
    done, outputs = job.action({"install": "-r requirements.txt"})
    assert _errors(done.stdout) == [], done.stdout
    assert re.search(r"^::group::Installing your dependencies: -r requirements\.txt$", done.stdout, re.MULTILINE)
    assert re.search(
        rf"^::endgroup::\nInstalled your dependencies with {job.installer} in [0-9.]+ s$", done.stdout, re.M
    )
    assert outputs["verdict"] == "neutral", done.stdout  # the first run on main: no baseline yet
    assert done.returncode == 0

    first = outputs["run-id"]
    done, outputs = job.action({"install": "-r requirements.txt", "baseline-run-id": first})  # installed again
    assert outputs["verdict"] == "pass", done.stdout
    assert done.returncode == 0
    assert outputs["baseline-run-id"] == first


@pytest.mark.parametrize("job", ["uv"], indirect=True)  # pip reads no configuration file of the working directory
def test_a_uv_configuration_file_of_the_repository_is_not_read(job: Job) -> None:
    """A ``uv.toml`` in the repository said what the ``install`` input may not (``--target``, ``--find-links`` outside
    the working directory): uv read it, and installed tinyfuzz outside the workspace (the app then could not import
    it). uv now runs with ``--no-config``: installed into the job's Python, nothing written elsewhere."""
    outside = job.tmp / "outside"
    (job.root / "uv.toml").write_text(f'[pip]\ntarget = "{outside}"\nfind-links = ["{job.tmp / "wheels"}"]\n')

    done, outputs = job.action({"install": "-r requirements.txt"})

    assert _errors(done.stdout) == [], done.stdout
    assert outputs["verdict"] == "neutral", done.stdout
    assert not outside.exists()


@pytest.mark.parametrize("job", ["uv"], indirect=True)
def test_validate_installs_with_the_same_flag_as_run(job: Job) -> None:
    done = subprocess.run(
        [str(job.python), "-m", "honeyhive_experiment", "validate", "--install", "-r requirements.txt"],
        cwd=job.root,
        env={**os.environ, "PATH": job.path},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Installed your dependencies with uv" in done.stderr
    assert done.stdout.startswith("ok: .honeyhive/experiment.yml: experiment 'needs-dep', 3 datapoints")


@pytest.mark.parametrize("job", ["pip"], indirect=True)  # the .pth file is Python's business, not the installer's
def test_an_editable_install_is_importable_in_the_same_run(job: Job) -> None:
    """``-e`` installs a .pth file, which Python reads only at start-up: the program reads the new one itself."""
    done, outputs = job.action({"install": "--no-index -e ./vendor/tinyfuzz"})
    assert _errors(done.stdout) == [], done.stdout
    assert outputs["verdict"] == "neutral", done.stdout
    listed = subprocess.run([str(job.python), "-m", "pip", "list", "--editable"], capture_output=True, text=True)
    assert "tinyfuzz" in listed.stdout, listed


@pytest.mark.parametrize("job", ["pip"], indirect=True)
def test_instrument_without_an_installed_instrumentation_names_the_package_to_install(job: Job) -> None:
    """``instrument: [openai]`` in the action's own environment, where no instrumentation is (they are the user's,
    installed with ``install:``): exit 2, the error names the file's line and what to add to ``install``."""
    config = job.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "instrument: [openai]\n")
    done, outputs = job.action({})  # found missing before the app (which needs its install too) is imported
    assert done.returncode == 2, done.stdout
    assert outputs["verdict"] == "error"
    (error,) = _errors(done.stdout)
    assert (
        "file=.honeyhive/experiment.yml,line=12::instrument[0]: no OpenTelemetry instrumentation for 'openai'" in error
    )
    assert "add opentelemetry-instrumentation-openai (OpenLLMetry) or openinference-instrumentation-openai" in error
    assert "install: opentelemetry-instrumentation-openai" in error


def test_a_requirement_that_conflicts_with_the_tools_pins_is_an_error_naming_both(job: Job) -> None:
    (job.root / "requirements.txt").write_text("--no-index\n./vendor/tinyfuzz\npydantic<2\n")
    done, outputs = job.action({"install": "-r requirements.txt"})
    assert done.returncode == 2, done.stdout
    assert outputs["verdict"] == "error"
    (error,) = _errors(done.stdout)
    pinned = subprocess.run(
        [str(job.python), "-c", "import importlib.metadata as m; print(m.version('pydantic'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert f"your requirement pydantic<2 vs the action's pydantic=={pinned}" in error, error
    report = json.loads((job.root / ".honeyhive" / "report.json").read_text())
    assert "pydantic<2" in report["error"]

    # the tool is intact: its own pydantic, and its engine still imports (what a run imports first)
    check = "import honeyhive_experiment.delivery, honeyhive_experiment.flow, pydantic; print(pydantic.VERSION)"
    after = subprocess.run([str(job.python), "-c", check], capture_output=True, text=True, check=False)
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == pinned
    assert (
        "tinyfuzz"
        not in subprocess.run([str(job.python), "-m", "pip", "list"], capture_output=True, text=True, check=True).stdout
    )  # the refused install installed nothing


def test_the_installers_output_and_its_error_are_redacted_and_issue_no_commands(tmp_path: Path) -> None:
    """A requirement carrying a secret (an index token in a URL, a key pasted by mistake): what the installer
    prints and the error quote it as ***. Nothing is installed (``--dry-run --no-index``: it fails to resolve)."""
    import io

    from honeyhive_experiment.errors import InstallError
    from honeyhive_experiment.install import install
    from honeyhive_experiment.report import Redactor

    secret = "hh-secret-0123456789abcdef"
    out = io.StringIO()
    with pytest.raises(InstallError) as caught:
        install(
            ["--dry-run", "--no-index", f"pkg-{secret}", "::warning::x"],
            cwd=tmp_path,
            out=out,
            grouped=True,
            redact=Redactor([secret]).redact,
        )
    log = out.getvalue()
    assert secret not in log
    assert secret not in str(caught.value)
    assert "***" in log + str(caught.value)
    commands = [line for line in log.splitlines() if line.startswith("::")]
    assert [line.split("::")[1].split(" ")[0] for line in commands] == ["group", "endgroup"]


EVIL_BACKEND = """
import sys


def _attack(*args, **kwargs):
    print("::error::forged-install")
    sys.stdout.flush()
    raise SystemExit(1)  # a failed build, without a traceback in the log


get_requires_for_build_wheel = build_wheel = prepare_metadata_for_build_wheel = _attack
"""


@pytest.mark.parametrize("job", ["pip"], indirect=True)  # the installer does not matter: both show a build's output
@pytest.mark.parametrize("command", ["action", "validate"])
def test_the_installers_output_issues_no_workflow_command(job: Job, command: str) -> None:
    """What the installer prints is the pull request's to choose: a local package's build backend prints a command
    and fails, pip shows its output indented, and the runner would take the line for a command (it trims leading
    spaces) unless it is neutralised."""
    package = job.root / "vendor" / "evil"
    package.mkdir(parents=True)
    (package / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        '[project]\nname = "evil"\nversion = "0"\n'
    )
    (package / "backend.py").write_text(EVIL_BACKEND)
    install = "--no-index ./vendor/evil"
    if command == "action":
        done, _ = job.action({"install": install})
    else:
        env = {**Step(job.tmp / "step", push()).env(job.root, None), "PATH": job.path, "HOME": str(job.tmp)}
        done = subprocess.run(
            [str(job.python), "-m", "honeyhive_experiment", "validate", "--install", install],
            cwd=job.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    log = done.stdout + done.stderr
    assert done.returncode == 2, log
    assert "forged-install" in log, log  # shown, as text
    assert [c for c in issued(log) if c.startswith("::error::forged")] == [], log

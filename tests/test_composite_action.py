"""The composite action (python/action.yml) run the way the runner runs it, and its linters.

The runner runs a composite action's steps one by one: each ``run:`` with ``bash --noprofile --norc -eo pipefail``
in the workspace, its ``env:`` with ``${{ inputs.* }}`` and ``${{ github.action_path }}`` filled in, its own
``GITHUB_OUTPUT`` file, and the action's outputs read from the steps' outputs. This test does the same, on a copy
of the repository as the runner checks out an action (``action_path`` is its ``python/`` folder), in a virtual
environment layered on the session's installed wheel (tests/fresh_venv.py) standing in for the job's Python.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from honeyhive_local import LocalBackend
from tests.fakes.actions_runner import Step, parse_outputs, push
from tests.fresh_venv import DOCKER_IMAGE_FILES, layered_venv
from tests.quickstart import copy_quickstart
from tests.test_packaging import ZIZMOR_CONFIG, shown, tool

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
API_KEY = "hh-composite-e2e-key-0123456789"
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def fill(template: str, context: dict[str, str]) -> str:
    """``${{ name }}`` → its value; an expression this test does not know fails it (as it would need one)."""

    def value(match: re.Match[str]) -> str:
        assert match[1] in context, f"unknown expression {match[0]}"
        return context[match[1]]

    return EXPRESSION.sub(value, template)


def run_composite(action_path: Path, inputs: dict[str, str], *, workspace: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run python/action.yml's steps as the runner does; returns the action's outputs and each step's process."""
    action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
    context = {"github.action_path": str(action_path), "github.token": ""}
    for name, spec in action["inputs"].items():
        context[f"inputs.{name}"] = inputs.get(name, fill(str(spec.get("default", "")), context))
    steps: dict[str, dict[str, str]] = {}
    done: list[subprocess.CompletedProcess[str]] = []
    for index, step in enumerate(action["runs"]["steps"]):
        assert step["shell"] == "bash"
        output = workspace.parent / f"step-{index}-output"
        output.write_text("")
        step_env = {**env, "GITHUB_ACTION_PATH": str(action_path), "GITHUB_OUTPUT": str(output)}
        step_env.update({key: fill(str(value), context) for key, value in (step.get("env") or {}).items()})
        process = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", fill(step["run"], context)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        done.append(process)
        if process.returncode != 0:
            break
        if "id" in step:
            steps[step["id"]] = parse_outputs(output.read_text())
    for step_id, values in steps.items():
        context.update({f"steps.{step_id}.outputs.{name}": value for name, value in values.items()})
    outputs = {
        name: EXPRESSION.sub(lambda m: context.get(m[1], ""), spec["value"]) for name, spec in action["outputs"].items()
    }
    return {"outputs": outputs, "steps": done}


def test_the_composite_action_installs_itself_and_runs_the_quickstart(installed: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "_actions" / "honeyhive-experiment"  # the action, as the runner checks it out
    for name in (*DOCKER_IMAGE_FILES, "python"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            checkout.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    workspace = copy_quickstart(tmp_path / "workspace")
    python = layered_venv(installed, tmp_path / "job-python")  # the job's Python: `python` first on PATH
    job = Step(tmp_path / "job", push())  # the job's event and summary; each step gets its own GITHUB_OUTPUT
    env = {
        "PATH": f"{python.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        **job.env(workspace, None),  # the composite action's steps map its inputs in their own env:
    }
    with LocalBackend(":memory:", API_KEY) as backend:
        ran = run_composite(
            checkout / "python", {"api-key": API_KEY, "server-url": backend.url}, workspace=workspace, env=env
        )
    install, *rest = ran["steps"]
    assert install.returncode == 0, shown(install)
    (experiment,) = rest
    where = subprocess.run(
        [str(python), "-c", "import honeyhive_experiment; print(honeyhive_experiment.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "job-python"), "installed from the action's checkout"
    assert experiment.returncode == 0, shown(experiment)
    assert "Traceback" not in experiment.stdout + experiment.stderr
    outputs = ran["outputs"]
    assert outputs["verdict"] == "neutral", shown(experiment)  # the first run on main: no baseline yet
    assert outputs["run-id"]
    assert outputs["passed"] == "22"
    assert outputs["report-path"] == ".honeyhive/report.json"  # from the workspace, as upload-artifact takes it
    assert json.loads((workspace / outputs["report-path"]).read_text())["verdict"] == "neutral"


def test_the_install_step_runs_the_jobs_pip_not_the_repositorys(tmp_path: Path) -> None:
    """The first step ran ``python -m pip`` in the workspace, whose folder leads ``sys.path`` then: a ``pip.py``
    committed to the repository ran instead of pip, before the action's fence, with the runner's command files set
    and its output read for commands. Here pip itself runs, and fails (the action's folder is no project: no
    network, no install)."""
    action_path = tmp_path / "_actions" / "honeyhive-experiment" / "python"
    action_path.mkdir(parents=True)
    shutil.copy2(REPO / "python" / "action.yml", action_path / "action.yml")
    workspace = copy_quickstart(tmp_path / "workspace", questions=2)
    ran = workspace / "shadow-ran"
    shadow = f"import pathlib\npathlib.Path({str(ran)!r}).touch()\nprint('::warning::forged by pip.py')\n"
    (workspace / "pip.py").write_text(shadow + "raise SystemExit(3)\n")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    env |= Step(tmp_path / "job", push()).env(workspace, None)

    (install,) = run_composite(action_path, {}, workspace=workspace, env=env)["steps"]

    assert not ran.exists(), shown(install)
    assert "forged" not in install.stdout + install.stderr, shown(install)
    assert "is not installable" in install.stderr, shown(install)  # pip's own word: it ran, and stopped there


def test_a_windows_runner_is_refused_before_anything_is_installed(tmp_path: Path) -> None:
    """The program is POSIX-only (its output fence forks and dups descriptors, files are opened with ``dir_fd`` and
    ``O_NOFOLLOW``): README once listed Windows runners for the composite action, where its import fails. The first
    step says so, as an error annotation, and installs nothing."""
    action_path = tmp_path / "_actions" / "honeyhive-experiment" / "python"
    action_path.mkdir(parents=True)
    shutil.copy2(REPO / "python" / "action.yml", action_path / "action.yml")
    workspace = copy_quickstart(tmp_path / "workspace", questions=2)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path), "RUNNER_OS": "Windows"}
    env |= Step(tmp_path / "job", push()).env(workspace, None)

    (install,) = run_composite(action_path, {}, workspace=workspace, env=env)["steps"]

    assert install.returncode == 1, shown(install)
    assert install.stdout.startswith("::error title=honeyhive-experiment::Windows runners are not supported"), shown(
        install
    )
    assert "Installing" not in install.stdout, shown(install)


def test_zizmor_audits_the_composite_action(tmp_path: Path) -> None:
    """The composite action passes (test_packaging runs zizmor on it), and zizmor does read composite actions:
    an input expanded into its script is refused as a template injection."""
    bad = tmp_path / "action.yml"
    text = (REPO / "python" / "action.yml").read_text(encoding="utf-8")
    step = "run: exec python -P -m honeyhive_experiment action"
    assert step in text
    bad.write_text(text.replace(step, "run: echo ${{ inputs.install }}"))
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--config", str(ZIZMOR_CONFIG), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "template-injection" in done.stdout, shown(done)

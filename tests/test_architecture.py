"""The import rules of docs/architecture.md, held by parsing the source (ast), plus the public API surface."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
EXPERIMENT = SRC / "honeyhive_experiment"
LOCAL = SRC / "honeyhive_local"


def _imports(path: Path) -> set[str]:
    """Top-level package names and full dotted names this file imports (anywhere in it)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def _modules(package: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(package.glob("*.py"))}


# which third-party package may be imported only by which module (architecture.md)
OWNERS = {
    "honeyhive_local": {"cli"},
    "httpx": {"client"},
    "github": {"github"},
    "opentelemetry": {"tracing"},
    "jinja2": {"report"},
}


@pytest.mark.parametrize("package_name", sorted(OWNERS))
def test_only_the_owning_module_imports(package_name: str) -> None:
    offenders = [
        name
        for name, path in _modules(EXPERIMENT).items()
        if package_name in _top(_imports(path)) and name not in OWNERS[package_name]
    ]
    assert offenders == [], f"{package_name} is imported by {offenders}; only {sorted(OWNERS[package_name])} may"


@pytest.mark.parametrize("module", ["models", "external", "report", "verdict"])
def test_pure_modules_do_no_io(module: str) -> None:
    forbidden = {"httpx", "github", "opentelemetry", "socket", "subprocess", "sqlite3", "requests"}
    names = _imports(EXPERIMENT / f"{module}.py")
    found = (_top(names) & forbidden) | {n for n in names if n.startswith(("urllib.request", "http.client"))}
    assert not found, f"{module}.py imports {sorted(found)}"


@pytest.mark.parametrize("module", ["runner", "experiment"])
def test_runner_and_experiment_receive_their_clients(module: str) -> None:
    found = _top(_imports(EXPERIMENT / f"{module}.py")) & {"httpx", "github", "jinja2"}
    assert not found, f"{module}.py imports {sorted(found)} directly"


def _reads_environment(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in {("os", "environ"), ("os", "getenv"), ("sys", "argv")}
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_cli_reads_environment_and_argv() -> None:
    offenders = {
        name: lines
        for name, path in _modules(EXPERIMENT).items()
        if name != "cli" and (lines := _reads_environment(path))
    }
    assert offenders == {}, f"os.environ / sys.argv read outside cli.py: {offenders}"


def test_only_the_store_speaks_sql() -> None:
    offenders = [
        name for name, path in _modules(LOCAL).items() if "sqlite3" in _top(_imports(path)) and name != "store"
    ]
    assert offenders == []


def test_the_public_api_is_explicit_and_importable() -> None:
    package = importlib.import_module("honeyhive_experiment")
    assert package.__all__ == sorted(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None, name
    for expected in ("evaluate", "compare_runs", "get_run_result", "ExperimentResultSummary", "HoneyHiveClient"):
        assert expected in package.__all__
    with pytest.raises(AttributeError):
        package.not_a_public_name  # noqa: B018

"""The layout of docs/architecture.md, held by parsing the source (ast): one boundary per module, the import
rules between them, module size, one error tree, and the public API surface."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SRC = Path(__file__).resolve().parents[1] / "src"
EXPERIMENT = SRC / "honeyhive_experiment"
LOCAL = SRC / "honeyhive_local"
MAX_LINES = 600


def _imports(path: Path) -> set[str]:
    """Full dotted names this file imports (anywhere in it), relative imports resolved."""
    package = ".".join(path.relative_to(SRC).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
    return names


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def _modules(package: Path) -> dict[str, Path]:
    """``{"cli": …, "report.comment": …}``: every module of a package, subpackages included."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"
        found[name] = path
    return found


def _in(name: str, owners: set[str]) -> bool:
    return any(name == owner or name.startswith(owner + ".") for owner in owners)


# which third-party package may be imported only by which module (architecture.md)
OWNERS = {
    "honeyhive_local": {"backend"},  # the one place that chooses HoneyHive or the embedded backend
    "httpx": {"client"},
    "tenacity": {"client"},
    "github": {"github"},
    "opentelemetry": {"tracing"},
    "jinja2": {"report.comment"},
    "markupsafe": {"report.markdown", "report.comment", "report.view"},
}


@pytest.mark.parametrize("package_name", sorted(OWNERS))
def test_only_the_owning_module_imports(package_name: str) -> None:
    offenders = [
        name
        for name, path in _modules(EXPERIMENT).items()
        if package_name in _top(_imports(path)) and not _in(name, OWNERS[package_name])
    ]
    assert offenders == [], f"{package_name} is imported by {offenders}; only {sorted(OWNERS[package_name])} may"


PURE = ["models", "compact", "external", "verdict", "errors", "paths", "report"]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io(module: str) -> None:
    forbidden = {"httpx", "github", "opentelemetry", "socket", "subprocess", "sqlite3", "requests", "honeyhive_local"}
    found = {}
    for name, path in _modules(EXPERIMENT).items():
        if _in(name, {module}):
            names = _imports(path)
            bad = (_top(names) & forbidden) | {n for n in names if n.startswith(("urllib.request", "http.client"))}
            if bad:
                found[name] = sorted(bad)
    assert not found, f"modules that must do no I/O import {found}"


@pytest.mark.parametrize("module", ["runner", "experiment", "flow"])
def test_the_engine_receives_its_clients(module: str) -> None:
    found = _top(_imports(EXPERIMENT / f"{module}.py")) & {"httpx", "github", "jinja2"}
    assert not found, f"{module}.py imports {sorted(found)} directly"


def test_the_flow_renders_and_posts_nothing() -> None:
    """flow.py judges; delivery.py writes the report, the runner's files and the comment."""
    names = _imports(EXPERIMENT / "flow.py")
    assert not {n for n in names if n in {"honeyhive_experiment.github", "honeyhive_experiment.gha"}}
    assert "honeyhive_experiment.delivery" not in names


def test_honeyhive_local_never_imports_honeyhive_experiment() -> None:
    offenders = [name for name, path in _modules(LOCAL).items() if "honeyhive_experiment" in _top(_imports(path))]
    assert offenders == []


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


# The one exception besides cli.py: connection.py gives the public entry points that stand in for the official
# SDK's (evaluate(api_key=..., server_url=...), HoneyHiveClient() with keywords) the SDK's environment defaults
# (HH_API_KEY, HH_API_URL), as `honeyhive.evaluate` does, so an SDK script runs unchanged. It may read os.environ
# on one line only (process_environment(), used only when the caller passed neither the value nor a mapping),
# and never sys.argv.
ENVIRONMENT_READERS = {"cli": None, "connection": 1}  # module → how many reading lines it may have (None: any)


def test_only_the_cli_reads_environment_and_argv() -> None:
    offenders = {}
    for name, path in _modules(EXPERIMENT).items():
        lines = _reads_environment(path)
        allowed = ENVIRONMENT_READERS.get(name, 0)
        if allowed is not None and len(lines) > allowed:
            offenders[name] = lines
    assert offenders == {}, f"os.environ / sys.argv read outside cli.py: {offenders}"
    connection = (EXPERIMENT / "connection.py").read_text(encoding="utf-8")
    assert "sys.argv" not in connection
    assert "os.getenv" not in connection


# who starts processes: the CLI asks git, install.py runs the installer (uv or pip) for the install input
PROCESS_STARTERS = {"cli", "install", "checkout"}  # checkout: git, for a local run's commit, merge base, dirtiness


def test_only_the_cli_the_installer_and_git_start_processes() -> None:
    offenders = [
        name
        for name, path in _modules(EXPERIMENT).items()
        if "subprocess" in _top(_imports(path)) and name not in PROCESS_STARTERS
    ]
    assert offenders == []


def test_only_the_store_speaks_sql() -> None:
    offenders = [
        name for name, path in _modules(LOCAL).items() if "sqlite3" in _top(_imports(path)) and name != "store"
    ]
    assert offenders == []


def test_jsonschema_is_not_a_runtime_dependency() -> None:
    """report.json is validated with its pydantic model; jsonschema is for the tests' independent checks."""
    offenders = [
        name
        for package in (EXPERIMENT, LOCAL)
        for name, path in _modules(package).items()
        if "jsonschema" in _top(_imports(path))
    ]
    assert offenders == []
    pyproject = (SRC.parent / "pyproject.toml").read_text(encoding="utf-8")
    runtime = pyproject.split("[project.optional-dependencies]")[0]
    assert "jsonschema" not in runtime


@pytest.mark.parametrize("package", [EXPERIMENT, LOCAL], ids=["honeyhive_experiment", "honeyhive_local"])
def test_no_module_is_over_the_size_limit(package: Path) -> None:
    """A module past ~600 lines is doing more than one thing: split it along its concerns."""
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules(package).items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_catch_all_module_names() -> None:
    names = {path.stem for path in SRC.rglob("*.py")}
    assert not names & {"utils", "util", "helpers", "core", "common", "misc", "action"}


# errors that are signals inside one module and never reach a caller outside it
INTERNAL_SIGNALS = {
    "honeyhive_experiment.jsonstream.NotJson",  # the client turns it into an ApiError
    "honeyhive_experiment.cancellation.Interrupted",  # a KeyboardInterrupt: the flow turns it into ExperimentCancelled
}


def test_every_public_error_is_in_the_one_tree() -> None:
    """Callers (the CLI) catch ExperimentError once: every public exception class subclasses it."""
    from honeyhive_experiment.errors import ExperimentError

    strays = []
    for name in _modules(EXPERIMENT):
        module = importlib.import_module(
            "honeyhive_experiment" if name == "__init__" else f"honeyhive_experiment.{name}"
        )
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not attr.startswith("_")
                and f"{module.__name__}.{attr}" not in INTERNAL_SIGNALS
                and not issubclass(value, ExperimentError)
            ):
                strays.append(f"{module.__name__}.{attr}")
    assert strays == []


def test_the_error_tree_in_the_docstring_names_every_error() -> None:
    from honeyhive_experiment import errors

    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc, name


def test_the_public_api_is_explicit_and_importable() -> None:
    package = importlib.import_module("honeyhive_experiment")
    assert package.__all__ == sorted(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None, name
    for expected in (
        "evaluate",
        "compare_runs",
        "get_run_result",
        "ExperimentResultSummary",
        "HoneyHiveClient",
        "ExperimentError",
    ):
        assert expected in package.__all__
    with pytest.raises(AttributeError):
        package.not_a_public_name  # noqa: B018

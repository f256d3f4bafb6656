"""The layout docs/architecture.md states, held by parsing the source (ast): one owner per boundary, the import
rules between modules, no import cycle, one error tree, one definition of each shared name, and the public API
surface."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SRC = Path(__file__).resolve().parents[1] / "src"
EXPERIMENT = SRC / "honeyhive_experiment"
LOCAL = SRC / "honeyhive_local"
ARCHITECTURE = SRC.parent / "docs" / "architecture.md"


@functools.cache
def _tree(path: Path) -> ast.Module:
    """``path`` parsed, once per session: the source does not change while the tests read it, and the tests only read
    the tree (parsing every module again in each of ~50 tests was most of this file's time)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> set[str]:
    """Full dotted names this file imports (anywhere in it), relative imports resolved."""
    package = ".".join(path.relative_to(SRC).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(_tree(path)):
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


# which third-party package may be imported only by which module: the owners table of docs/architecture.md
OWNERS = {
    "honeyhive_local": {"backend"},  # the one place that chooses HoneyHive or the embedded backend
    "httpx": {"client"},
    "tenacity": {"client"},
    "github": {"github"},
    "opentelemetry": {"tracing"},
    "genai_prices": {"pricing"},
    "signal": {"cancellation"},  # handlers, the mask of the threads the command starts, the wait at exit
    "jinja2": {"report.comment", "report.html"},  # the Markdown reports, and the HTML report (its own autoescape)
    "markupsafe": {"report.markdown", "report.comment", "report.html"},
}


def _owners_table() -> dict[str, set[str]]:
    """``{package: owners}`` from the table between the ``owners`` markers of docs/architecture.md."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("<!-- owners:start -->")[1].split("<!-- owners:end -->")[0]
    found: dict[str, set[str]] = {}
    for row in table.splitlines()[3:]:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        owners = set(re.findall(r"`([\w.]+)`", cells[1]))
        for package in re.findall(r"`([\w.]+)`", cells[2]):
            found.setdefault(package, set()).update(owners)
    return found


def test_the_owners_table_of_the_architecture_is_the_one_checked() -> None:
    documented = _owners_table()
    for package, owners in OWNERS.items():
        if package == "markupsafe":  # Jinja's own escaping: with the templates and their filters
            continue
        assert documented.get(package) == owners, package


@pytest.mark.parametrize("package_name", sorted(OWNERS))
def test_only_the_owning_module_imports(package_name: str) -> None:
    offenders = [
        name
        for name, path in _modules(EXPERIMENT).items()
        if package_name in _top(_imports(path)) and not _in(name, OWNERS[package_name])
    ]
    assert offenders == [], f"{package_name} is imported by {offenders}; only {sorted(OWNERS[package_name])} may"


PURE = [
    "models",
    "compact",
    "external",
    "verdict",
    "significance",
    "judgement",
    "calling",
    "run_spec",
    "errors",
    "paths",
    "report",
    "llm_calls",
    "efficiency",
    "pricing",
]


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


@pytest.mark.parametrize("module", ["runner", "experiment", "flow", "operations"])
def test_the_engine_receives_its_clients(module: str) -> None:
    found = _top(_imports(EXPERIMENT / f"{module}.py")) & {"httpx", "github", "jinja2"}
    assert not found, f"{module}.py imports {sorted(found)} directly"


@pytest.mark.parametrize("module", ["flow", "experiment", "runner"])
def test_the_flow_renders_and_posts_nothing(module: str) -> None:
    """The flow judges; delivery.py writes the report, the runner's files and the comment."""
    names = _imports(EXPERIMENT / f"{module}.py")
    assert not names & {"honeyhive_experiment.github", "honeyhive_experiment.gha", "honeyhive_experiment.delivery"}


def test_honeyhive_local_never_imports_honeyhive_experiment() -> None:
    offenders = [name for name, path in _modules(LOCAL).items() if "honeyhive_experiment" in _top(_imports(path))]
    assert offenders == []


def _reads_environment(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(_tree(path)):
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
ENVIRONMENT_READERS = {"cli": None, "connection": 1, "checkout": 1}  # module → its reading lines (None: any)
# checkout: the environment handed on to git, with GIT_NO_LAZY_FETCH added (is_ancestor)


def test_the_cli_only_parses_maps_and_calls() -> None:
    """Issue 19: cli.py only parses argv and the environment, calls one operation and maps errors to exit codes; what
    the process does around a command (its signals, its output) is the owning module's, so the CLI stays this short."""
    lines = len((EXPERIMENT / "cli.py").read_text(encoding="utf-8").splitlines())
    assert lines <= 350, f"cli.py has {lines} lines: move what is not argv, environment or exit codes to its owner"


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


def test_no_catch_all_module_names() -> None:
    names = {path.stem for path in SRC.rglob("*.py")}
    assert not names & {"utils", "util", "helpers", "core", "common", "misc", "action"}


# errors that are signals inside one module and never reach a caller outside it
INTERNAL_SIGNALS = {
    "honeyhive_experiment.jsonstream.NotJson",  # the client turns it into an ApiError
    "honeyhive_experiment.cancellation.Interrupted",  # a KeyboardInterrupt: the flow turns it into ExperimentCancelled
    "honeyhive_experiment.streams.ClosedPipe",  # a BrokenPipeError of our own output: the CLI exits 141
    "honeyhive_experiment.streams.CannotWrite",  # a BrokenPipeError: the CLI says it and exits 2
    "honeyhive_experiment.paths.ThroughALink",  # an OSError of a write: its writer says it as NotWritable
    "honeyhive_experiment.paths.NotAFile",  # an OSError of a read: its reader says it (ConfigError, SettingsError)
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


@pytest.mark.parametrize("name", ["honeyhive_experiment", "honeyhive_experiment.report"])
def test_a_lazy_package_names_the_same_for_python_and_for_type_checkers(name: str) -> None:
    """A package that loads its names on first use (``_EXPORTS``, a module ``__getattr__``) lists them again as imports
    under ``TYPE_CHECKING``, for mypy and a user's type checker: the same names from the same modules, and its
    ``__getattr__`` defined only where they do not look (one they see types every name ``Any``: a misspelt
    ``from honeyhive_experiment import evaluatee`` passed strict mypy)."""
    package = importlib.import_module(name)
    tree = ast.parse(Path(str(package.__file__)).read_text(encoding="utf-8"))
    typed = {
        alias.name: node.module
        for block in tree.body
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == package._EXPORTS
    assert sorted(package.__all__) == sorted(typed)
    assert "__getattr__" not in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


# ------------------------------------------------------------------------------------------ the module graph


def _internal_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of the package ``name`` imports (``TYPE_CHECKING`` ones too): ``from package import name``
    counts as the submodule when there is one, else as the package's ``__init__``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in known:
                    found.add(f"{module}.{alias.name}")
                elif module in known:
                    found.add(module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
    return found - {name}


def _graph() -> dict[str, set[str]]:
    modules = {
        "honeyhive_experiment" + ("" if name == "__init__" else f".{name}"): path
        for name, path in _modules(EXPERIMENT).items()
    }
    return {name: _internal_imports(name, path, set(modules)) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_counting_type_checking_imports() -> None:
    assert _cycles(_graph()) == []


def test_errors_import_nothing_of_the_engine() -> None:
    imported = _graph()["honeyhive_experiment.errors"]
    assert imported <= {"honeyhive_experiment.models.outcomes"}, imported


def test_the_python_api_does_not_go_through_the_cli() -> None:
    assert "honeyhive_experiment.cli" not in _graph()["honeyhive_experiment.api"]


def test_datapoint_outcome_is_a_plain_value() -> None:
    from honeyhive_experiment import DatapointOutcome

    module = DatapointOutcome.__module__
    path = EXPERIMENT / Path(*module.split(".")[1:]).with_suffix(".py")
    assert not _top(_imports(path)) & {"opentelemetry", "httpx"}, module


def _definitions(name: str) -> list[str]:
    """Where ``name`` is defined at module level under src/ (a class, a function or an assignment)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in _tree(path).body:
            targets: list[str] = []
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                targets = [node.name]
            elif isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            if name in targets:
                found.append(str(path.relative_to(SRC)))
    return found


@pytest.mark.parametrize("name", ["Poster", "Rendered", "render_comment", "Judgement", "Report", "CiContext"])
def test_each_shared_name_is_defined_once(name: str) -> None:
    assert len(_definitions(name)) == 1, _definitions(name)


def test_the_architecture_names_every_module() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w.]+)`", text))
    missing = [name for name in _modules(EXPERIMENT) if name not in named and name.split(".")[0] not in ("__init__",)]
    assert missing == [], f"docs/architecture.md does not name {missing}"
    local = [name for name in _modules(LOCAL) if name not in named]
    assert local == [], f"docs/architecture.md does not name honeyhive_local's {local}"

"""Importing the user's function and evaluators (``module.path:attr``) from their repository, and checking
what only the imported code can tell.

Import failures, a function signature that fits no calling convention, and metric names (keys of
``passing_ranges``, ``gate`` and ``metrics``) that no evaluator produces become
:class:`~honeyhive_experiment.config.ConfigError` pointing at the config line that named them, so a typo
reads like any other config error. Metric names are checked against the evaluators' names
(:func:`check_metric_names`, on every run), and by ``validate`` against the names they really produced on the
first datapoint (:func:`check_produced_names`, with :mod:`~honeyhive_experiment.probe`'s).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import json
import os
import re
import shlex
import sys
import unicodedata
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from honeyhive_experiment.calling import REPOSITORIES, error_text, function_convention, where_raised
from honeyhive_experiment.cancellation import Interrupted, signals_told_apart
from honeyhive_experiment.config import ExperimentConfig, all_of, config_error_at, split_import_path
from honeyhive_experiment.connection import environment_secrets
from honeyhive_experiment.efficiency import METRICS as EFFICIENCY_METRICS
from honeyhive_experiment.errors import ConfigError, EvaluatorSignatureError, did_you_mean
from honeyhive_experiment.evaluators import Evaluator
from honeyhive_experiment.install import canonical_name, requirement_name
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH, relative
from honeyhive_experiment.report.redact import learn


@contextmanager
def in_repository(root: str | os.PathLike[str]) -> Iterator[None]:
    """While the block runs, the user's code runs as if started in ``root``: ``root`` is importable first and is the
    current directory (``Path("prompts/system.txt")`` is read from there, as after ``cd root``; GitHub's
    ``working-directory``, git's ``-C``). The directory is the process's: a block holds only the user's code (its
    import, its function and evaluators running); the tool's threads meanwhile (HTTP, OTLP export, the embedded
    backend's SQLite, open by its full path) read no file by a relative path, and the caller's relative paths (the
    root itself, the reports) are used only outside it. It writes no bytecode: a module edited within the second of
    its last import, at the same size, would be read back from the ``.pyc`` that import wrote (py_compile's check is
    the source's mtime in whole seconds and its size). The secrets the code put into the environment (``load_dotenv()``
    at import, a key fetched from a vault: :func:`~honeyhive_experiment.connection.environment_secrets` of it) are
    redacted from the moment they are set, everywhere (:func:`secrets_watch`): the program's redactors were made from
    the environment it started with."""
    entry, writes = str(Path(root).resolve()), sys.dont_write_bytecode
    secrets_watch()
    sys.path.insert(0, entry)
    sys.dont_write_bytecode = True
    REPOSITORIES.append(entry)  # its errors are named at their place in it
    try:
        with chdir(entry):
            yield
    finally:
        REPOSITORIES.remove(entry)
        sys.dont_write_bytecode = writes
        if entry in sys.path:
            sys.path.remove(entry)


_PUTENV = os.putenv  # what os.environ's (and os.environb's) every write calls, by its name in os: __setitem__, update


def _putenv(name: str | bytes | os.PathLike[Any], value: str | bytes | os.PathLike[Any]) -> None:
    """``os.putenv``, then the secret it set (:func:`~honeyhive_experiment.connection.environment_secrets` of it) is
    learnt by every redactor, in the thread that set it and before ``os.environ`` holds it for another to read."""
    _PUTENV(name, value)
    learn(environment_secrets({os.fsdecode(name): os.fsdecode(value)}))


def secrets_watch() -> None:
    """From this call on, a secret put into the environment (the user's code's: ``load_dotenv()`` at import, a key
    fetched from a vault by a datapoint, also one it takes out again before it returns: :func:`~honeyhive_experiment.
    connection.environment_secrets` of it) is redacted by every redactor of the process
    (:func:`~honeyhive_experiment.report.redact.learn`) from the moment it is set: ``os.putenv``, which every write to
    ``os.environ`` calls, learns it (a write that bypasses it, to ``os.environ._data`` or a C library's ``setenv``, is
    not seen). Nothing is done for a run that sets no variable. What was shown before the secret was set stays as it
    was."""
    os.putenv = _putenv


# every repository whose code this process imported (load_user_code), with the modules from it the caller had
# imported before the first load: those are the caller's (patched, pickled, reloaded by it), never forgotten
_ROOTS: dict[Path, frozenset[str]] = {}


def _forget_repository_code(root: Path) -> None:
    """Drop from ``sys.modules`` every module imported from ``root`` or from a repository imported before it (``a.b``
    at ``<root>/a/b.py`` or ``<root>/a/b/``), so the import that follows reads ``root``'s code as it is now, as the
    command's own process does: two runs in one notebook or script, of one repository edited between them or of two
    holding the same names. Modules from anywhere else stay (installed ones, the caller's own, a ``.venv`` inside
    the repository), and so do the caller's script (``__main__``) and the modules of ``root`` the caller had imported
    before its first load."""
    if root not in _ROOTS:
        _ROOTS[root] = frozenset(name for name, module in list(sys.modules.items()) if _from(name, module, {root}))
    kept = _ROOTS[root]  # another repository's are dropped all the same: its names would hide this one's
    stale = [
        name
        for name, module in list(sys.modules.items())
        if name != "__main__" and name not in kept and _from(name, module, _ROOTS)
    ]
    for name in stale:
        del sys.modules[name]
    importlib.invalidate_caches()  # a module added since: found even if its folder's listing is older than a tick


def _from(name: str, module: object, roots: Container[Path]) -> bool:
    """Whether module ``name`` was imported from one of ``roots``."""
    try:  # its __dict__ as stored: no lazy module's loader, no module __getattr__ runs
        found = object.__getattribute__(module, "__dict__")
    except AttributeError:  # none (cffi's compiled libraries)
        return False
    places = found.get("__path__") or [found.get("__file__")]  # a package's folders, else the module's file
    depth = name.count(".")  # a.b is <root>/a/b(.py): its root is the folder depth + 1 levels up
    ups = [Path(place).parents for place in places if isinstance(place, str)]
    return any(depth < len(up) and up[depth] in roots for up in ups)


@dataclass(frozen=True, slots=True)
class UserCode:
    function: Callable[..., Any]
    evaluators: tuple[Evaluator, ...]


def missing_module_message(
    path: str,
    missing: str | None,
    root: str | os.PathLike[str],
    *,
    at: str | None = None,
    hint: str = "",
    config: Path | None = None,
    here: Path | None = None,
    workspace: Path | None = None,
) -> str:
    """Why ``path`` cannot be imported when module ``missing`` is not found (imported ``at`` the user's
    file:line, when a file of theirs imports it; ``hint``: a close name, said right after it), and what to do.

    A module of the user's own repository (its top-level package or module is under ``root``) is a wrong path
    in the config; one under ``root/src`` (the src layout) is the user's package, importable once the project is
    installed; one in a folder of the repository is named from the root (:func:`_below_root`); one in a folder
    above ``root`` (:func:`_above_root`: up to the repository's root) means the working directory is wrong: the
    ``-C`` that finds it is said as typed in ``here`` (the shell's folder), with the experiment file (``config``,
    absolute) named from there; anything else is a dependency that is not installed where the experiment runs, and
    installing the requirements is the fix (never for a module of the user's own: a PyPI project called ``utils`` is
    someone else's code).

    ``workspace``: started as the action, in this workspace (``GITHUB_WORKSPACE``), where the fix is an input of
    the workflow's step, not a flag: ``working-directory`` and ``config`` (from the workspace, none above it),
    ``install``; and the folders are named from the workspace, not by the runner's absolute paths."""
    head = f"cannot import {path!r}: no module named {missing!r}" + (f" (from {at})" if at else "") + hint
    top = (missing or "").split(".")[0]
    named = split_import_path(path)[0].split(".")[0] == top  # the config's own path, not an import in the user's code

    def under(folder: Path) -> bool:
        return (folder / top).is_dir() or (folder / f"{top}.py").is_file()

    if not top or under(Path(root)):
        return head
    if under(Path(root) / "src"):  # named from the root (src.{path}) it imports only if it never imports itself
        also = f" or name it from the root ('src.{path}')" if named else ""
        how = "" if workspace is not None else "--install '-e .'; in the action, "
        return f"{head}. {top!r} is under src/: install the project ({how}the input `install: -e .`){also}"
    if (found := _below_root(top, Path(root))) is not None:
        package, file = found
        how = f"name it '{package}.{path}'" if named else f"import it as `{_from_root(root, at, package, top)}`"
        return f"{head}. {file} is in the repository, but imports start from its root: {how}"
    if (up := _above_root(Path(root), under, workspace)) is not None:
        # the experiment file, named from there: none when it is the default one there
        named_config = config.relative_to(up).as_posix() if config is not None and config.is_relative_to(up) else None
        named_config = None if named_config == DEFAULT_CONFIG_PATH else named_config
        if workspace is None:
            command = f"-C {shlex.quote(os.path.relpath(up, here or Path.cwd()))}"
            command += f" --config {shlex.quote(named_config)}" if named_config else ""
            said = f"the working directory, {Path(root).resolve()} (which -C sets)"
            return f"{head}. {top!r} is in {up}, a folder above {said}: {command} finds it"
        folder, below = relative(up, workspace), relative(root, workspace)  # both in it (_above_root)
        place = "the workspace's root" if folder == "." else folder
        said = f"the working directory, {below} (which the working-directory input sets)"
        return f"{head}. {top!r} is in {place}, a folder above {said}: {inputs_finding(up, workspace, config)}"
    add = (
        "requirements.txt lists it, so"
        if _listed(Path(root) / "requirements.txt", top)
        else "add it to requirements.txt and"
    )
    said = f"{head}. {top!r} is not installed where the experiment runs: {add}"
    before, requirements = "which installs your dependencies before your code is imported", "-r requirements.txt"
    if workspace is not None:
        return f"{said} set the input `install: {requirements}`, {before}"
    return f"{said} run with --install '{requirements}', {before} (in the action, the input `install: {requirements}`)"


def _listed(requirements: Path, module: str) -> bool:
    """Whether the ``requirements`` file names a project called as ``module`` (``-`` and ``_`` alike, any case): the
    advice then is to install it, not to add it. A project named otherwise (``PyYAML`` for ``yaml``) is not seen."""
    try:
        lines = requirements.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    names = (requirement_name(line) for line in lines)
    return any(canonical_name(name) == canonical_name(module) for name in names if name)


def inputs_finding(folder: Path, workspace: Path, config: Path | None = None) -> str | None:
    """The action's inputs that find a file in ``folder``, a folder of the ``workspace`` (``None`` outside it: the
    working directory cannot leave it): ``working-directory``, from the workspace, and ``config`` when the experiment
    file ``config`` named from there is not the default one there; the values as a workflow's YAML reads them."""
    if (named := relative(folder, workspace)) is None:
        return None
    fix = f"`working-directory: {input_value(named)}`"
    if config is None or (shown := relative(config, folder)) is None or shown == DEFAULT_CONFIG_PATH:
        return f"the input {fix} finds it"
    return f"the inputs {fix} and `config: {input_value(shown)}` find it"


def input_value(value: str) -> str:
    """``value`` as an input's value in a workflow's YAML: as it is when YAML reads it back as that string, else
    quoted (``my dir: x``, ``1.0``)."""
    plain = re.fullmatch(r"[\w./][\w./-]*", value) is not None and yaml.safe_load(value) == value
    return value if plain else json.dumps(value)


def _below_root(top: str, root: Path) -> tuple[str, str] | None:
    """The package (dotted, from ``root``) and the file of the shallowest module or package ``top`` in a folder of the
    repository, ``None`` when there is none: breadth first, 4 levels and 2,000 folders at most, through folders an
    import can name (so no ``.git``, ``.venv`` or ``site-packages``), not through ``node_modules`` or a project."""
    folders: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    for folder, parts in folders:  # the list grows as it is walked: breadth first
        for file in (f"{top}.py", f"{top}/__init__.py"):
            if parts and (folder / file).is_file():
                return ".".join(parts), "/".join([*parts, file])
        if len(parts) == 4 or len(folders) > 2_000:
            continue
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
        for name in names:  # a folder with its own pyproject.toml or setup.py is a project to install, not to name
            if name.isidentifier() and name != "node_modules" and not _is_project(folder / name):
                folders.append((folder / name, (*parts, name)))
    return None


def _from_root(root: str | os.PathLike[str], at: str | None, package: str, top: str) -> str:
    """The import statement at ``at`` (``file:line`` under ``root``) of module ``top``, its module named from the
    root (``from helpers import split`` → ``from app.helpers import split``); ``from {package} import {top}`` when
    the line is no one-line import of it."""
    file, _, number = (at or "").rpartition(":")
    try:
        line = (Path(root) / file).read_text(encoding="utf-8").splitlines()[int(number) - 1].split("#")[0].strip()
    except (OSError, ValueError, IndexError):
        line = ""
    if (found := re.fullmatch(rf"from\s+({re.escape(top)}(?:\.[\w.]+)?)\s+import\s+([^()\\]+)", line)) is not None:
        return f"from {package}.{found[1]} import {found[2].strip()}"
    if (found := re.fullmatch(rf"import\s+{re.escape(top)}(\s+as\s+\w+)?", line)) is not None:
        return f"from {package} import {top}{found[1] or ''}"
    return f"from {package} import {top}"


def _above_root(root: Path, has: Callable[[Path], bool], top: Path | None = None) -> Path | None:
    """The nearest folder above ``root`` that ``has`` the module, up to the repository's root (the nearest folder with
    ``.git``, ``root`` included) or to ``top`` (the action's workspace, which the working directory cannot leave),
    whichever is nearer; without either, 3 levels up. None above them: a module there is not the user's (nor one
    their workflow can reach), and none for a ``root`` outside ``top``."""
    ups = [root.resolve(), *root.resolve().parents]
    if top is not None:
        if (stop := top.resolve()) not in ups:
            return None
        ups = ups[: ups.index(stop) + 1]
    bound = next((level for level, folder in enumerate(ups) if (folder / ".git").exists()), None)
    if bound is None:
        bound = len(ups) - 1 if top is not None else 3
    return next((folder for folder in ups[1 : bound + 1] if has(folder)), None)


def _is_project(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() or (folder / "setup.py").is_file()


class _Unusable(Exception):
    """Why a path of the config names nothing usable: :func:`load_user_code` says it at the path's line."""


def _load(
    path: str, root: Path, config: Path | None = None, here: Path | None = None, workspace: Path | None = None
) -> Any:
    """The callable ``path`` (``"package.module:attr.sub"``) names, imported in ``root``; raises :class:`_Unusable`
    (a missing module: :func:`missing_module_message`, with the experiment file ``config``, the shell's folder
    ``here`` and the action's ``workspace``)."""
    # as Python reads an identifier in source (NFKC): 'scoré' typed decomposed names the function def scoré made
    module_name, attribute = split_import_path(unicodedata.normalize("NFKC", path))
    if (hidden := _shadowed(module_name.partition(".")[0], root)) is not None:
        raise _Unusable(f"cannot import {path!r}: {hidden}")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            try:  # only the path's own attribute is "no such attribute": not one the module's code missed
                obj = getattr(obj, part)
            except AttributeError:
                hint = did_you_mean(part, [name for name in dir(obj) if not name.startswith("__")])
                hint = f"; {hint}" if hint else ""
                raise _Unusable(f"{path!r} does not exist (no such attribute{hint})") from None
    except ModuleNotFoundError as exc:  # at the user's line that imports it (none: the config's path is the module)
        where = where_raised(exc, root)
        at = f"{where[0]}:{where[1]}" if where is not None else None
        hint = ""
        # the path's own module (not one its code imports): the closest of its package's modules is suggested
        if exc.name and f"{module_name}.".startswith(f"{exc.name}."):
            package, _, name = exc.name.rpartition(".")
            places = getattr(sys.modules.get(package), "__path__", None) if package else [str(root)]
            if close := difflib.get_close_matches(name, _modules_in(places or []), n=1):
                hint = f" (did you mean {(package + '.' if package else '') + close[0] + path[len(exc.name) :]!r}?)"
        message = missing_module_message(
            path, exc.name, root, at=at, hint=hint, config=config, here=here, workspace=workspace
        )
        raise _Unusable(message) from None
    except (Interrupted, _Unusable):  # a signal (the command's cancellation) stops the command
        raise
    except BaseException as exc:  # the user's module raised while being imported (sys.exit, KeyboardInterrupt too)
        raise _Unusable(f"importing {path!r} raised {error_text(exc, root)}") from None
    if not callable(obj):
        raise _Unusable(f"{path!r} is of type {type(obj).__name__}, not a function")
    return obj


def _shadowed(top: str, root: Path) -> str | None:
    """Why the repository's module ``top`` cannot be imported, when it cannot: a module of that name imported
    earlier from elsewhere (``yaml``, which this tool imports: PyYAML) is what ``import`` returns instead."""
    module, mine = sys.modules.get(top), next((p for p in (root / f"{top}.py", root / top) if p.exists()), None)
    if module is None or mine is None:
        return None
    found = getattr(module, "__dict__", {})  # as stored: no module __getattr__ runs
    places = found.get("__path__") or [found.get("__file__")]  # resolved: the repository's own by a symbolic link
    if any(isinstance(place, str) and Path(place).resolve().is_relative_to(mine.resolve()) for place in places):
        return None
    file = mine.name + ("/" if mine.is_dir() else "")
    said = f"the repository's {file} is shadowed by {_imported(top, found)}, already imported"
    return f"{said}: rename {file} and the paths that name it"


def _imported(top: str, found: Mapping[str, Any]) -> str:
    """What the module ``top`` imported (its ``__dict__``, ``found``) is, as its import found it (its spec, else its
    ``__file__``): a namespace package (its folders), a built-in or frozen module, a module of an installed
    distribution (whose files hold the module's), else the file it was found at (a checkout on ``sys.path``, the
    standard library), or a module from no file (made by code)."""
    spec = found.get("__spec__")
    origin = getattr(spec, "origin", None) if spec is not None else found.get("__file__")
    folders = getattr(spec, "submodule_search_locations", None)
    if origin is None and folders is not None:  # a namespace package (origin "namespace" before Python 3.7)
        return f"the namespace package {top!r} (folders without __init__.py: {', '.join(map(str, folders))})"
    if not isinstance(origin, str):
        return f"the module {top!r}, from no file"
    if spec is not None and not getattr(spec, "has_location", True):
        return f"the {origin} module {top!r}"  # built-in, frozen
    file = Path(origin).resolve()
    for name in importlib.metadata.packages_distributions().get(top, []):
        files = importlib.metadata.distribution(name).files or []
        if any(f.parts[0].partition(".")[0] == top and Path(f.locate()).resolve() == file for f in files):
            return f"the module {top!r} of the installed {name} ({origin})"
    return f"the module {top!r} found at {origin}"


def _modules_in(folders: Iterable[str]) -> list[str]:
    """The names a module of ``folders`` is imported by: its ``.py`` files and its folders (packages, namespace ones
    too)."""
    names: list[str] = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name.removesuffix(".py") if entry.is_file() else entry.name if entry.is_dir() else ""
            names.extend([name] if name.isidentifier() else [])
    return names


def load_user_code(
    config: ExperimentConfig,
    config_path: str,
    root: str | os.PathLike[str],
    *,
    probed: bool = False,
    workspace: Path | None = None,
) -> UserCode:
    """Import the function and evaluators named by the config in ``root`` (:func:`in_repository`), and check them.

    ``probed``: the caller checks the metric names itself, with those the code produced on a datapoint
    (:func:`check_produced_names`): names matching no evaluator's are then raised only beside another problem.
    ``workspace``: started as the action, in this workspace: an import's hint names the action's inputs
    (:func:`missing_module_message`).

    Raises:
        ConfigError: all reported at once, in ``issues``: each import that fails, each evaluator whose signature is
            unusable, the function's signature fitting no calling convention, two evaluators with one name, and
            (once every evaluator is imported) metric names matching no evaluator.
    """
    root = Path(root).resolve()  # a relative root would be taken from root itself in the block
    here, config_file = Path.cwd(), Path(config_path).resolve()  # the shell's: a hint's -C is typed there
    _forget_repository_code(root)
    function: Callable[..., Any] | None = None
    evaluators: list[Evaluator] = []
    unusable: list[tuple[tuple[str | int, ...], str]] = []  # each path's problem, not the first one's only
    unimported: set[str] = set()  # modules that failed to import: a later path in one is said with the first only

    def load(path: str) -> Any:  # None: its module failed to import for an earlier path
        module = split_import_path(path)[0]
        if module in unimported:
            return None
        try:
            return _load(path, root, config_file, here, workspace)
        except _Unusable:
            if module not in sys.modules:
                unimported.add(module)
            raise

    with in_repository(root), signals_told_apart():  # the user's KeyboardInterrupt is its error, a signal is not
        try:
            function = load(config.function)
        except _Unusable as exc:
            unusable.append((("function",), str(exc)))
        for index, spec in enumerate(config.evaluators):
            try:
                if (evaluator := load(spec.path)) is not None:
                    evaluators.append(Evaluator.from_callable(evaluator, name=spec.name))
            except (_Unusable, EvaluatorSignatureError) as exc:
                unusable.append((("evaluators", index), str(exc)))
    # located out of the block: in it a relative path opens nothing
    problems = [config_error_at(config_path, loc, message) for loc, message in unusable]
    try:
        if function is not None:
            function_convention(function)
    except EvaluatorSignatureError as exc:
        problems.append(config_error_at(config_path, ("function",), str(exc)))
    if len(evaluators) == len(config.evaluators):  # the metric names are theirs: known once each is imported
        problems.extend(_named_twice(config, evaluators, config_path))
        names = check_metric_names(config, evaluators, config_path)
        problems.extend(names if problems or not probed else [])
    if problems or function is None:
        raise all_of(problems)
    return UserCode(function, tuple(evaluators))


def _named_twice(config: ExperimentConfig, evaluators: Sequence[Evaluator], config_path: str) -> list[ConfigError]:
    """Each evaluator named as an earlier one (two instances of one class: both the class's name), at its line: an
    evaluator's name is its metric's, so the second one's scores would be lost."""
    first: dict[str, int] = {}
    problems: list[ConfigError] = []
    for index, (spec, evaluator) in enumerate(zip(config.evaluators, evaluators, strict=True)):
        earlier = first.setdefault(evaluator.name, index)
        if earlier == index:
            continue
        module, attribute = split_import_path(spec.path)
        name = attribute.split(".")[-1]
        if name in first:
            name = f"{module.split('.')[-1]}_{name}"
        problems.append(
            config_error_at(
                config_path,
                ("evaluators", index),
                f"also named {evaluator.name!r} (evaluators[{earlier}]), the name of their metric; give one a name:"
                f" {{path: {spec.path}, name: {name}}}",
            )
        )
    return problems


def check_metric_names(
    config: ExperimentConfig, evaluators: Sequence[Evaluator], config_path: str
) -> list[ConfigError]:
    """The keys of ``passing_ranges``, ``gate`` and ``metrics`` that no configured evaluator produces, judged by
    the evaluators' names alone.

    An evaluator named ``name`` (its display name from the config, else ``.name`` / ``__name__``) produces the
    metric ``name``; when it returns a dict also ``name + "_explanation"`` and ``name + "_" + k`` for its other
    keys, which only running it tells (:func:`check_produced_names`, after ``validate``'s probe), so here any
    ``"<name>_<something>"`` is accepted. Every other key would silently never apply (a passing range that never
    fails, a gate that never closes) unless ``other_metrics`` declares it (a metric the function records through
    its tracer, or one HoneyHive's own evaluators compute): each becomes a :class:`ConfigError` at its line, with
    the closest evaluator name as a suggestion. Returns them in section order; :func:`load_user_code` raises them
    together.
    """
    names = [evaluator.name for evaluator in evaluators]
    known = ", ".join(names) if names else "none configured"

    def produced(key: str) -> bool:
        return any(key == name or (key.startswith(name + "_") and len(key) > len(name) + 1) for name in names)

    return _unknown_names(
        config,
        config_path,
        produced,
        names,
        lambda key, hint: f"no evaluator produces metric {key!r}{hint}; evaluators: {known}",
    )


def check_produced_names(
    config: ExperimentConfig, produced: Mapping[str, object], config_path: str, *, where: str
) -> list[ConfigError]:
    """The keys of ``passing_ranges``, ``gate`` and ``metrics`` that are not among the metric names the
    evaluators ``produced`` on a datapoint (name → value; ``where`` says which) and not declared in
    ``other_metrics``: each a :class:`ConfigError` at its line, with the closest produced name as a suggestion
    (``rubric_grounded_`` for ``rubric_grounded``, which :func:`check_metric_names` cannot tell); never a string
    for a passing range or a gate, which need a number (``keyword_recall``, not ``keyword_recall_explanation``)."""
    strings = {name for name, value in produced.items() if isinstance(value, str)}
    got = ", ".join(f"{name} (a string)" if name in strings else name for name in produced) or "none"
    return _unknown_names(
        config,
        config_path,
        produced.__contains__,
        list(produced),
        lambda key, hint: f"no evaluator produced metric {key!r}{hint} on {where}; they produced: {got}",
        strings=strings,
    )


def _unknown_names(
    config: ExperimentConfig,
    config_path: str,
    produced: Callable[[str], bool],
    names: Sequence[str],
    say: Callable[[str, str], str],
    strings: Container[str] = (),
) -> list[ConfigError]:
    """Each metric key of the config neither ``produced`` nor in ``other_metrics``: ``say(key, hint)`` (``hint``
    suggests the closest of ``names`` and the declared ones, but none of the ``strings`` for a passing range or
    a gate) at its line, in section order."""
    declared = set(config.other_metrics)  # recorded by the function (tracer.enrich_span) or by HoneyHive itself
    if config.instrument:  # each datapoint's LLM calls become the efficiency metrics
        declared.update(EFFICIENCY_METRICS)
    problems: list[ConfigError] = []
    sections: dict[str, Iterable[str]] = {
        "passing_ranges": config.passing_ranges,
        "gate": config.gate,
        "metrics": config.metrics,
    }
    for section, keys in sections.items():
        for key in keys:
            if key in declared or produced(key):
                continue
            # a passing range or a gate needs a number or a bool: a string-valued name is no suggestion for one
            candidates = names if section == "metrics" else [name for name in names if name not in strings]
            hint = _closest(key, [*candidates, *config.other_metrics], declared)
            hint = f" ({hint})" if hint else ""
            where = _INSTRUMENT if key in EFFICIENCY_METRICS else _OTHER_METRICS
            problems.append(config_error_at(config_path, (section, key), say(key, hint) + where))
    return problems


def _closest(key: str, names: Sequence[str], declared: Iterable[str]) -> str:
    """ "did you mean …?" for ``key``: the closest of ``names`` (the evaluators' and ``other_metrics``) first
    (``judge_score``: a dict's score is ``judge``, not the closer built-in ``judge_cost_usd``), ``duration_ms`` for a
    latency, else the closest ``declared`` one."""
    if hint := did_you_mean(key, names):
        return hint
    if key not in EFFICIENCY_METRICS and ("latency" in key.lower() or "duration" in key.lower()):
        return "did you mean 'duration_ms', the function's wall time?"
    return did_you_mean(key, declared)


_OTHER_METRICS = " (a metric your function records, or one HoneyHive computes, goes in other_metrics)"
_INSTRUMENT = (
    " (the LLM calls' metrics need instrument: naming your LLM library, e.g. [openai]: with it every datapoint records"
    " them, 0 for one that made no call, so that two runs are compared on every datapoint; without it only datapoints"
    " whose spans describe a call have them, and a cache that comes or goes would move no value)"
)


__all__ = [
    "UserCode",
    "check_metric_names",
    "check_produced_names",
    "in_repository",
    "load_user_code",
    "missing_module_message",
    "secrets_watch",
]

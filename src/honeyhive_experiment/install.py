"""Installing the user's dependencies (the ``install`` input) into the interpreter that runs their code.

The action's image has only this tool and its dependencies; a user's function usually imports more
(``rapidfuzz``, ``openai``, its own package). ``install: -r requirements.txt`` (any ``pip install``
arguments, split like a shell would) installs them into *this* interpreter (``sys.executable``) before their
code is imported, with uv when it is there (``uv pip install --python``: seconds instead of minutes for a
real requirements file) and pip otherwise.

The tool must survive what it installs: a requirement that would move one of the tool's own distributions
(``pydantic<2``) must fail, not leave a tool that cannot import itself. So the installer is given a
constraints file pinning every distribution in the tool's dependency closure to the exact version installed
(read with :mod:`importlib.metadata`), and a resolver that cannot satisfy both refuses; :class:`InstallError`
then names the user's requirement and the tool's pin.

The arguments may read only files inside the working directory (:func:`refused_argument`): ``-r
/proc/self/environ`` would have the installer print the environment (its "invalid requirement" errors quote
the file), and ``-r``, ``-c``, ``-e``, ``--find-links``, a ``file:`` index, a local path or any option's path
value may name any file. Every path is resolved (symlinks followed) against the working directory and must stay
inside it; URLs with another scheme (an index, a VCS) are left alone, and ``--python`` (another interpreter)
is refused. The requirement and constraint files they name are read, and their includes followed, by the same
rules: a ``reqs.txt`` of the repository saying ``-r /proc/self/environ`` did what the command line may not.

Nor may a configuration file of the repository say what the arguments may not: uv runs with ``--no-config``, since it
reads a ``uv.toml`` or ``pyproject.toml``'s ``[tool.uv.pip]`` in the working directory and the folders above it
(``target = "/elsewhere"``, ``find-links``, a ``file:`` index were honoured; the user's and the system's ``uv.toml``
go too, there being no flag for the project's alone), and ``--config-file`` is refused (uv reads the file it names
even with ``--no-config``). Its environment variables (``UV_INDEX_URL``, the image's
``UV_LINK_MODE``) are the workflow's, and stay. pip reads no file of the working directory (its configuration files
are the system's, the user's and ``PIP_CONFIG_FILE``'s), so it runs as it did: ``--isolated`` would drop the
workflow's ``PIP_INDEX_URL`` and keep no file of the repository out.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final, TextIO

from honeyhive_experiment.connection import process_environment
from honeyhive_experiment.errors import InstallError
from honeyhive_experiment.gha import COMPOSITE_ACTION, group, neutralise
from honeyhive_experiment.paths import inside

__all__ = [
    "TOOL_DISTRIBUTION",
    "canonical_name",
    "conflicts",
    "install",
    "installer_command",
    "refused_argument",
    "tool_pins",
]

TOOL_DISTRIBUTION: Final = "honeyhive-experiment"
_OUTPUT_TAIL: Final = 15  # lines of the installer's output quoted when it fails for another reason than a pin
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_SPECIFIER = r"(?:===|[<>=!~]=?)[^\s,;'\"]+"  # one version specifier: <2, ==2.11.7, ~=1.4
_SPECIFIERS = rf"{_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*"  # a comma-separated set of them: >=0.27,<0.28
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")

# options whose file is in the requirements format: its lines are checked too, and its includes followed
_REQUIREMENT_FILES: Final = frozenset(
    {
        "--requirement", "--requirements", "--constraint", "--constraints", "--override", "--overrides",
        "--build-constraint", "--build-constraints",
    }
)  # fmt: skip
# options (pip's and uv's) whose value is a file or folder, or (an index, --find-links, --editable) a URL or a
# path: a path, or a file: URL, must be inside the working directory; another URL is left alone (a -r URL too)
_PATH_OPTIONS: Final = _REQUIREMENT_FILES | {
    "--log", "--log-file", "--report", "--src", "--target", "--prefix", "--root", "--cert", "--client-cert",
    "--cache-dir", "--config-file", "--editable", "--find-links", "--index-url", "--extra-index-url", "--index",
    "--default-index",
}  # fmt: skip
_REFUSED_OPTIONS: Final = {
    "--python": "your code runs in the action's own interpreter",
    "--config-file": "the installer reads no configuration file (uv reads it even with --no-config); give its settings"
    " as arguments",
}
_SHORT_OPTIONS: Final = {
    "r": "--requirement", "c": "--constraint", "b": "--build-constraints", "t": "--target", "e": "--editable",
    "f": "--find-links", "i": "--index-url", "p": "--python",
}  # fmt: skip
_SHORT_FLAGS: Final = frozenset("qvUIhVn")  # short options without a value, as a cluster may combine them (-qU)
_SHORT_VALUES: Final = frozenset("PC")  # short options with a value that is no path: --upgrade-package, -C k=v
_URL: Final = re.compile(r"(?i)[a-z][a-z0-9+.-]*://")
_FILE_URL: Final = re.compile(r"(?i)(?<![a-z0-9.-])file:(?://[^/\s]*)?([^\s;#]*)")  # its path: group 1
_COMMENT: Final = re.compile(r"(^|\s)#.*$")  # in a requirements file, as pip strips it
_VARIABLE: Final = re.compile(r"\$\{([A-Za-z0-9_]+)\}")  # pip and uv expand ${NAME} in a requirements file, not $NAME


def canonical_name(name: str) -> str:
    """PEP 503's normalised name: ``Jinja2`` and ``jinja2``, ``typing_extensions`` and ``typing-extensions``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str | None:
    """The project a requirement names (``PyYAML`` of ``PyYAML[c]>=6``, a requirements file's line), as written; None
    when it starts with none (an option, a comment, a path)."""
    match = _NAME.match(requirement)
    return match[1] if match is not None else None


def tool_pins(distribution: str = TOOL_DISTRIBUTION) -> dict[str, str]:
    """``{canonical name: installed version}`` of ``distribution`` and everything it needs, transitively.

    A requirement is followed when its distribution is installed (one that is not has nothing to protect)
    and it applies without extras, or with an extra its dependant asked for (``uvicorn[standard]``).
    Environment markers other than ``extra`` are not evaluated: a distribution that is installed and
    named under another marker is pinned all the same, which only keeps it as it is."""
    pins: dict[str, str] = {}
    pending: list[tuple[str, frozenset[str]]] = [(distribution, frozenset())]
    while pending:
        name, extras = pending.pop()
        key = canonical_name(name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if key in pins:
            continue
        pins[key] = dist.version
        for requirement in dist.requires or ():
            spec, _, marker = requirement.partition(";")
            wanted = set(_EXTRA.findall(marker))
            if wanted and not wanted & extras:
                continue
            match = _NAME.match(spec)
            if match is not None:
                asked = frozenset(canonical_name(e) for e in (match[2] or "").split(",") if e.strip())
                pending.append((match[1], asked))
    return pins


def installer_command(arguments: Sequence[str], constraints: Path, *, python: str) -> tuple[str, list[str]]:
    """``(installer name, argv)``: ``uv pip install --no-config --python <python>`` when uv is importable (the ``uv``
    package ships its binary) or on ``PATH``, else ``<python> -m pip install``; the constraints file either way."""
    try:
        import uv  # type: ignore[import-not-found, unused-ignore]

        binary: str | None = uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        binary = shutil.which("uv")
    if binary is not None:
        # no uv.toml or [tool.uv] of the repository (or above it): what it may say, the arguments say, and are checked
        command = [binary, "pip", "install", "--no-config", "--python", python]
        return "uv", [*command, "--constraint", str(constraints), *arguments]
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    return "pip", [*pip, "--constraint", str(constraints), *arguments]


def refused_argument(arguments: Sequence[str], cwd: Path, *, named: str | None = None) -> str | None:
    """Why ``arguments`` may not be given to the installer run in ``cwd``, or ``None`` when they may: an
    argument that names a file or folder outside ``cwd`` (symlinks followed), or an option that is refused; then
    the lines of the requirement and constraint files they name, and of the files those include, by the same rules
    (said as ``reqs.txt:3: -r /proc/self/environ: …``).
    ``named``: the working directory as the action's input names it, from the workspace (not the runner's path),
    else said by ``cwd``."""
    where = f"{cwd} (symlinks followed)" if named is None else f"(working-directory: {named}; symlinks followed)"
    check = _Check(Path(os.path.abspath(cwd)), where)
    return check.arguments(arguments, (check.cwd,)) or check.files_named()


class _Check:
    """One :func:`refused_argument`: the working directory ``cwd`` every path must stay inside (said as ``where``),
    and the requirement files the arguments name, whose lines are read once the arguments are (:meth:`files_named`)."""

    def __init__(self, cwd: Path, where: str) -> None:
        self.cwd = cwd
        self.where = where
        self.files: list[Path] = []

    def outside(self, what: str, once: str = "") -> str:
        return (
            f"{what}: not inside the working directory {self.where}{once}; the installer may read only files inside it"
        )

    def arguments(self, arguments: Sequence[str], bases: tuple[Path, ...]) -> str | None:
        """Why one of ``arguments``, whose relative paths are read from each of ``bases``, is refused, or None."""
        pending: tuple[str, str] | None = None  # (the option, as spelled) whose value is the next argument
        for index, argument in enumerate(arguments):
            if pending is not None:
                problem, pending = self.value(argument, bases, *pending), None
            elif argument == "--":  # the rest are requirements and paths
                return next((p for a in arguments[index + 1 :] if (p := self.value(a, bases))), None)
            elif argument.startswith("--"):
                name, equals, value = argument.partition("=")
                option = _long_option(name)
                if option in _REFUSED_OPTIONS:
                    return f"{argument}: not allowed: {_REFUSED_OPTIONS[option]}"
                if option is not None and not equals:
                    pending = (option, name)
                    continue
                problem = self.value(value, bases, option, name) if equals else None
            elif argument.startswith("-") and len(argument) > 1:
                problem, pending = self.cluster(argument, bases)
            else:
                problem = self.value(argument, bases)
            if problem is not None:
                return problem
        return None

    def files_named(self) -> str | None:
        """Why a line of one of the requirement files named (or of a file they include, followed to any depth, each
        file once) is refused, said with the file (from ``cwd``) and the line's number; None when none is.

        As pip reads them: lines ending in ``\\`` continued, comments taken away, ``${NAME}`` expanded from the
        environment (a line that changed is quoted as written: the value may be a secret).
        An include's relative path is read from the including file's folder (pip's and uv's way), another path's from
        the folder or ``cwd`` (uv's and pip's way): each must stay inside ``cwd``."""
        seen: set[Path] = set()
        environ = process_environment()  # the installer's: it inherits the process's
        while self.files:
            path = self.files.pop(0)
            try:
                real = path.resolve()
                if real in seen or not real.is_file():
                    continue  # a missing file is the installer's to report
                seen.add(real)
                text = real.read_text(errors="replace")
            except (OSError, RuntimeError):
                continue
            bases = (path.parent, real.parent, self.cwd)  # the folder as named (pip's), as a link leads (maybe uv's)
            for number, line in _logical_lines(text):
                expanded = _VARIABLE.sub(lambda match: environ.get(match[1], match[0]), line)
                try:
                    words = shlex.split(expanded)
                except ValueError:  # an unbalanced quote: pip splits only the options, the installer may accept it
                    words = expanded.split()
                if (problem := self.arguments(words, bases)) is not None:
                    if expanded != line:
                        problem = self.outside(line.strip(), " once its environment variables are expanded")
                    return f"{os.path.relpath(path, self.cwd)}:{number}: {problem}"
        return None

    def cluster(self, argument: str, bases: tuple[Path, ...]) -> tuple[str | None, tuple[str, str] | None]:
        """A short option or a cluster of them (``-r reqs.txt``, ``-rreqs.txt``, ``-qr reqs.txt``): why it is
        refused (or None), and the option whose value is the next argument (or None)."""
        for position, letter in enumerate(argument[1:], start=2):
            if letter in _SHORT_FLAGS:
                continue
            option, value = _SHORT_OPTIONS.get(letter), argument[position:]
            if option in _REFUSED_OPTIONS:
                return f"-{letter}: not allowed: {_REFUSED_OPTIONS[option]}", None
            if letter in _SHORT_VALUES:  # its value is no path
                return None, None
            if option is not None and not value:
                return None, (option, f"-{letter}")
            # a known option's value, or what follows an unknown letter: checked all the same; -r=/x is /x to uv (and
            # clap), =/x to pip
            values = [value, value[1:]] if value.startswith("=") else [value]
            check = (self.value(v, bases, option, f"-{letter}") for v in values)
            return next((problem for problem in check if problem is not None), None), None
        return None, None

    def value(self, value: str, bases: tuple[Path, ...], option: str | None = None, spelled: str = "") -> str | None:
        """Why ``value`` (of ``option``, spelled ``spelled``, or an argument of its own; relative to each of ``bases``)
        names something outside ``cwd``, or None. The requirement file an option of :data:`_REQUIREMENT_FILES` names
        (in a file, relative to each base but the last, ``cwd``) is added to the files to read."""
        if option == "--report" and value == "-":  # the report on standard output
            return None
        if option in _REQUIREMENT_FILES:  # an include is read from its including file's folder only, by pip and uv
            bases = bases[:-1] or bases
        # file: URLs, also inside a requirement (pkg @ file:///…); another URL (an index, a VCS) is left alone
        paths = [urllib.parse.unquote(match[1]) or "/" for match in _FILE_URL.finditer(value)]
        path_like = option is not None or value.startswith((".", "~", "/")) or "/" in value or os.sep in value
        if not paths and not _URL.search(value) and (path_like or any(_exists(base, value) for base in bases)):
            paths = [value]  # option: one of _PATH_OPTIONS; else a requirement (a name, extras, versions, markers)
        if not all(_inside(path, self.cwd, base) for path in paths for base in bases):
            return self.outside(f"{spelled} {value}" if option else value)
        if option in _REQUIREMENT_FILES:
            self.files.extend(
                Path(os.path.abspath(base / os.path.expanduser(path))) for path in paths for base in bases
            )
        return None


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """``(the number of its first line, the line)`` for each line of a requirements file that says something:
    continued lines (``\\`` at the end) joined, comments (``#`` at the start or after a space) taken away."""
    first, parts = 0, list[str]()
    for number, line in enumerate([*text.splitlines(), ""], start=1):  # "": the end of a last line continued
        first = first if parts else number
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        joined, parts = _COMMENT.sub("", "".join([*parts, line])).strip(), []
        if joined:
            yield first, joined


def _long_option(name: str) -> str | None:
    """The path-taking or refused option ``name`` stands for (pip takes any unambiguous prefix: ``--req``)."""
    options = _PATH_OPTIONS | _REFUSED_OPTIONS.keys()
    if name in options:
        return name
    if len(name) > 3:
        return next((option for option in sorted(options) if option.startswith(name)), None)
    return None


def _exists(cwd: Path, value: str) -> bool:
    try:
        return os.path.lexists(cwd / value)
    except ValueError:  # a NUL byte
        return False


def _inside(path: str, cwd: Path, base: Path) -> bool:
    """Whether ``path`` (relative to ``base``; ``~`` expanded) is ``cwd`` or under it, symlinks followed."""
    try:
        return inside(cwd, base / os.path.expanduser(path)) is not None
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte: not a path that can be vouched for
        return False


def install(
    arguments: Sequence[str],
    *,
    cwd: Path,
    out: TextIO,
    grouped: bool,
    redact: Callable[[str], str] = lambda text: text,
) -> None:
    """Install ``arguments`` (``-r requirements.txt``, ``.[evals]``, package specs) into this interpreter, run in
    ``cwd``, without moving any of the tool's own distributions.

    The installer's output goes to ``out`` line by line (redacted; inside ``::group::`` … ``::endgroup::``
    when ``grouped``: started as the action, whose ways out a failure's advice then names, not the command line's),
    and the time it took is reported after it. Afterwards the import system is told about what appeared (new
    directories, ``.pth`` files of editable installs).

    Raises :class:`InstallError`: naming the conflicting requirement and the tool's pin when one of them
    is the reason, else with the installer's last lines."""
    if (problem := refused_argument(arguments, cwd)) is not None:
        raise InstallError(redact(problem), key="install")
    pins = tool_pins()
    before = _path_files()
    title = redact(f"Installing your dependencies: {shlex.join(arguments)}")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="honeyhive-install-") as folder:
        constraints = Path(folder) / "constraints.txt"
        constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
        installer, command = installer_command(arguments, constraints, python=sys.executable)
        if grouped:
            with group(title, out):
                returncode, lines = _stream(command, cwd, out, lambda text: neutralise(redact(text)))
        else:
            print(f"{title} ({installer})", file=out, flush=True)
            returncode, lines = _stream(command, cwd, out, redact)
    seconds = time.perf_counter() - start
    if returncode != 0:
        raise InstallError(_failure(installer, arguments, lines, pins, returncode, redact, grouped), key="install")
    print(f"Installed your dependencies with {installer} in {seconds:.1f} s", file=out, flush=True)
    importlib.invalidate_caches()  # the finders' cached directory listings
    for pth in sorted(_path_files() - before):  # the .pth files of editable installs (start-up's are left alone)
        site.addpackage(str(pth.parent), pth.name, None)


def _stream(command: list[str], cwd: Path, out: TextIO, shown: Callable[[str], str]) -> tuple[int, list[str]]:
    """Run ``command``, copying its output (stdout and stderr, interleaved) to ``out`` as it comes."""
    lines: list[str] = []
    try:
        process = subprocess.Popen(  # noqa: S603 - the installer, with the user's own arguments as a list
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
    except OSError as exc:
        raise InstallError(f"cannot start {command[0]}: {exc.strerror or exc}", key="install") from None
    assert process.stdout is not None
    with process:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            print(shown(lines[-1]), file=out, flush=True)
    return process.returncode, lines


def conflicts(lines: Iterable[str], pins: dict[str, str]) -> list[tuple[str, str]]:
    """``[(the user's requirement, the tool's pin)]`` for each pinned distribution the installer's output
    names with another version specifier: pip says ``The user requested pydantic<2`` and ``The user requested
    (constraint) pydantic==2.11.7``, uv ``Because you require pydantic<2 and pydantic==2.11.7``."""
    text = "\n".join(lines)
    found: list[tuple[str, str]] = []
    for name, version in sorted(pins.items()):
        spelled = "[-_.]".join(re.escape(part) for part in name.split("-"))  # pip and uv spell names as given
        pattern = re.compile(rf"(?<![\w.-]){spelled}(?:\[[^\]]*\])?\s*({_SPECIFIERS})", re.IGNORECASE)
        named = {match[1].rstrip(".") for match in pattern.finditer(text)}  # a sentence's full stop is not a version
        pin = f"=={version}"
        if pin in named:
            found.extend((f"{name}{spec}", f"{name}{pin}") for spec in sorted(named - {pin}))
    return found


def _failure(
    installer: str,
    arguments: Sequence[str],
    lines: list[str],
    pins: dict[str, str],
    returncode: int,
    redact: Callable[[str], str],
    action: bool = True,
) -> str:
    """Why the install failed; ``action``: started as the action (else from the command line, ``--install``), whose
    ways out of a conflict with the tool's pins are said."""
    what = redact(shlex.join(arguments))
    clashes = conflicts(lines, pins)
    if clashes:
        keeper = "the action" if action else TOOL_DISTRIBUTION
        named = "; ".join(f"your requirement {theirs} vs {keeper}'s {ours}" for theirs, ours in clashes)
        said = f"{what}: conflicts with {TOOL_DISTRIBUTION}'s own dependencies ({named})"
        relax = "relax your requirement so those versions satisfy it"
        if action:
            return (
                f"{said}. The action keeps its own versions; {relax}, or use the composite action"
                f" (uses: {COMPOSITE_ACTION}) in an environment you control"
            )
        # on the command line the tool is in the user's environment: installed with it, both are resolved together
        return (
            f"{said}. --install keeps the versions installed; {relax}, or install both together (pip install"
            f" {TOOL_DISTRIBUTION} {what}: pip picks versions both accept, if any) and run without --install"
        )
    tail = "\n".join(redact(line) for line in lines[-_OUTPUT_TAIL:])
    return f"{what}: {installer} failed with exit code {returncode}:\n{tail}"


def _path_files() -> set[Path]:
    """The ``.pth`` files of this interpreter's site directories."""
    return {pth for directory in site.getsitepackages() for pth in Path(directory).glob("*.pth")}

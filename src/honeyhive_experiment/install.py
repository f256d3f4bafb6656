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
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import shlex
import shutil
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from honeyhive_experiment.errors import InstallError

__all__ = ["TOOL_DISTRIBUTION", "Installed", "conflicts", "install", "installer_command", "tool_pins"]

TOOL_DISTRIBUTION: Final = "honeyhive-experiment"
_OUTPUT_TAIL: Final = 15  # lines of the installer's output quoted when it fails for another reason than a pin
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_SPECIFIER = r"(?:===|[<>=!~]=?)[^\s,;'\"]+"  # one version specifier: <2, ==2.11.7, ~=1.4
_SPECIFIERS = rf"{_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*"  # a comma-separated set of them: >=0.27,<0.28
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _canonical(name: str) -> str:
    """PEP 503's normalised name: ``Jinja2`` and ``jinja2``, ``typing_extensions`` and ``typing-extensions``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class Installed:
    """What :func:`install` did: with which installer, and how long it took."""

    installer: str  # "uv" or "pip"
    seconds: float


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
        key = _canonical(name)
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
                asked = frozenset(_canonical(e) for e in (match[2] or "").split(",") if e.strip())
                pending.append((match[1], asked))
    return pins


def installer_command(arguments: Sequence[str], constraints: Path, *, python: str) -> tuple[str, list[str]]:
    """``(installer name, argv)``: ``uv pip install --python <python>`` when uv is importable (the ``uv``
    package ships its binary) or on ``PATH``, else ``<python> -m pip install``; the constraints file either way."""
    uv = _uv_binary()
    if uv is not None:
        return "uv", [uv, "pip", "install", "--python", python, "--constraint", str(constraints), *arguments]
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    return "pip", [*pip, "--constraint", str(constraints), *arguments]


def _uv_binary() -> str | None:
    try:
        import uv  # type: ignore[import-not-found, unused-ignore]

        found: str = uv.find_uv_bin()
        return found
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def install(
    arguments: Sequence[str],
    *,
    cwd: Path,
    out: TextIO,
    grouped: bool,
    redact: Callable[[str], str] = lambda text: text,
    python: str = sys.executable,
) -> Installed:
    """Install ``arguments`` (``-r requirements.txt``, ``.[evals]``, package specs) into ``python``, run in
    ``cwd``, without moving any of the tool's own distributions.

    The installer's output goes to ``out`` line by line (redacted; inside ``::group::`` … ``::endgroup::``
    when ``grouped``, for GitHub Actions), and the time it took is reported after it. Afterwards the import
    system is told about what appeared (new directories, ``.pth`` files of editable installs).

    Raises :class:`InstallError`: naming the conflicting requirement and the tool's pin when one of them
    is the reason, else with the installer's last lines."""
    from honeyhive_experiment.gha import group, neutralise

    pins = tool_pins()
    before = _path_files()
    title = redact(f"Installing your dependencies: {shlex.join(arguments)}")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="honeyhive-install-") as folder:
        constraints = Path(folder) / "constraints.txt"
        constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
        installer, command = installer_command(arguments, constraints, python=python)
        if grouped:
            with group(title, out):
                returncode, lines = _stream(command, cwd, out, lambda text: neutralise(redact(text)))
        else:
            print(f"{title} ({installer})", file=out, flush=True)
            returncode, lines = _stream(command, cwd, out, redact)
    seconds = time.perf_counter() - start
    if returncode != 0:
        raise InstallError(_failure(installer, arguments, lines, pins, returncode, redact), key="install")
    print(f"Installed your dependencies with {installer} in {seconds:.1f} s", file=out, flush=True)
    _refresh_imports(before)
    return Installed(installer, seconds)


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
) -> str:
    what = redact(shlex.join(arguments))
    clashes = conflicts(lines, pins)
    if clashes:
        named = "; ".join(f"your requirement {theirs} vs the action's {ours}" for theirs, ours in clashes)
        return (
            f"{what}: conflicts with {TOOL_DISTRIBUTION}'s own dependencies ({named}). The action keeps its"
            " own versions; relax your requirement so those versions satisfy it, or use the composite action"
            " (uses: honeyhiveai/honeyhive-experiment/python@v2) in an environment you control"
        )
    tail = "\n".join(redact(line) for line in lines[-_OUTPUT_TAIL:])
    return f"{what}: {installer} failed with exit code {returncode}:\n{tail}"


def _path_files() -> set[Path]:
    """The ``.pth`` files of this interpreter's site directories."""
    return {pth for directory in site.getsitepackages() for pth in Path(directory).glob("*.pth")}


def _refresh_imports(before: set[Path]) -> None:
    """Make what was just installed importable in this process: forget the finders' cached directory
    listings, and process the ``.pth`` files that appeared (editable installs put their path or finder there);
    the ones processed at start-up are left alone."""
    importlib.invalidate_caches()
    for pth in sorted(_path_files() - before):
        site.addpackage(str(pth.parent), pth.name, None)

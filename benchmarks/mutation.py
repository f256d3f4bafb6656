"""Mutation testing of the decision modules: is every rule of verdict, significance, baseline and sharding held by
a row of their tables? A mutant that survives is a missing row (tests/README.md).

Runs ``mutmut run`` (configured by ``[tool.mutmut]`` in pyproject.toml) in a temporary copy of the repository: the
package's sources, ``tests/`` and pyproject.toml with ``[tool.mutmut]`` narrowed to the chosen modules and their
tests (``tests/honeyhive_experiment/test_<module>.py``). mutmut's ``mutants/`` directory and every cache stay in
that copy, which is deleted at the end, so the working tree is left as it was. Then prints, per module, the
mutants, killed, survived, timeouts, others (no tests, suspicious, ...) and the score, and every survivor's diff
(``mutmut show``).

Run: ``python benchmarks/mutation.py [--modules verdict,significance,baseline,sharding] [--max-children 2]``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache", "mutants")
DETECTED = ("killed", "timeout")  # a mutant that hangs the tests is caught too (mutmut's own score counts it)
RESULT_LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")


def mutmut_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return config


def modules_of(config: dict[str, Any]) -> list[str]:
    return [Path(path).stem for path in config["only_mutate"]]


def narrowed(config: dict[str, Any], modules: list[str]) -> dict[str, Any]:
    """``[tool.mutmut]`` for ``modules`` only: their files mutated, their own tests run."""
    tests = {Path(path).stem: path for path in config["pytest_add_cli_args_test_selection"]}
    missing = [module for module in modules if f"test_{module}" not in tests]
    if missing:
        raise SystemExit(f"no tests/honeyhive_experiment/test_<module>.py in [tool.mutmut] for: {', '.join(missing)}")
    return config | {
        "only_mutate": [path for path in config["only_mutate"] if Path(path).stem in modules],
        "pytest_add_cli_args_test_selection": [tests[f"test_{module}"] for module in modules],
    }


def toml_table(name: str, values: dict[str, Any]) -> str:
    """A TOML table of strings, numbers, booleans and lists of them (JSON spells those the way TOML does)."""
    return f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())


def without_table(text: str, name: str) -> str:
    """``text`` (a TOML document) without the table ``[name]``, up to the next table header."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.strip() == f"[{name}]"
        if not skipping:
            kept.append(line)
    return "".join(kept)


def prepare(workdir: Path, config: dict[str, Any]) -> None:
    for source in config["source_paths"]:
        shutil.copytree(REPO / source, workdir / source, ignore=IGNORED)
    shutil.copytree(REPO / "tests", workdir / "tests", ignore=IGNORED)
    text = without_table((REPO / "pyproject.toml").read_text(encoding="utf-8"), "tool.mutmut")
    text = text.rstrip("\n") + "\n\n" + toml_table("tool.mutmut", config)
    assert tomllib.loads(text)["tool"]["mutmut"] == config
    (workdir / "pyproject.toml").write_text(text, encoding="utf-8")


def mutmut_command() -> str:
    beside = Path(sys.executable).with_name("mutmut")
    found = str(beside) if beside.exists() else shutil.which("mutmut")
    if found is None:
        raise SystemExit('mutmut is not installed: pip install -e ".[mutation]"')
    return found


def mutmut(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [mutmut_command(), *args], cwd=workdir, capture_output=True, text=True, encoding="utf-8", check=False
    )


def module_of(mutant: str) -> str:
    """``honeyhive_experiment.verdict.x_decide__mutmut_3`` (or ``...sharding.xǁShardSpecǁ__str____mutmut_1``) →
    ``verdict``."""
    parts = mutant.split(".")
    function = next(i for i, part in enumerate(parts) if part.startswith(("x_", "xǁ")))
    return parts[function - 1]


def results(workdir: Path) -> dict[str, str]:
    """Every mutant's status, as ``mutmut results --all true`` reports it."""
    done = mutmut(workdir, "results", "--all", "true")
    if done.returncode != 0:
        raise SystemExit(f"mutmut results failed:\n{done.stdout}{done.stderr}")
    found = {}
    for line in done.stdout.splitlines():
        match = RESULT_LINE.match(line)
        if match:
            found[match["name"]] = match["status"].strip()
    return found


MARKER = "@@mutant "
SHOW = f"""
import sys
from mutmut.__main__ import cli
for name in sys.argv[1:]:
    print("{MARKER}" + name, flush=True)
    cli.main(["show", name], standalone_mode=False)
"""


def diffs_of(workdir: Path, mutants: list[str]) -> dict[str, str]:
    """Each mutant's diff against the source, as ``mutmut show`` prints it (without its header line); in one
    process, since each ``mutmut show`` pays for mutmut's start-up."""
    if not mutants:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", SHOW, *mutants],
        cwd=workdir,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in shown.stdout.splitlines():
        if line.startswith(MARKER):
            current = found.setdefault(line.removeprefix(MARKER), [])
        elif line and not line.startswith("# "):
            current.append(line)
    return {mutant: "\n".join(found.get(mutant) or [f"(no diff: {shown.stderr.strip()[-300:]})"]) for mutant in mutants}


def report(statuses: dict[str, str], modules: list[str], workdir: Path, fail_under: float) -> bool:
    by_module = {module: Counter[str]() for module in modules}
    for mutant, status in statuses.items():
        by_module[module_of(mutant)][status] += 1
    header = f"{'module':14} {'mutants':>8} {'killed':>7} {'survived':>9} {'timeout':>8} {'other':>6} {'score':>7}"
    print(header)
    print("-" * len(header))
    all_good = True
    total: Counter[str] = Counter()
    for module, counts in [*by_module.items(), ("all", total)]:
        if module == "all":
            print("-" * len(header))
        else:
            total.update(counts)
        mutants = sum(counts.values())
        detected = sum(counts[status] for status in DETECTED)
        other = mutants - detected - counts["survived"]
        score = 100.0 * detected / mutants if mutants else 100.0
        all_good = all_good and score >= fail_under
        print(
            f"{module:14} {mutants:8} {counts['killed']:7} {counts['survived']:9} {counts['timeout']:8} {other:6}"
            f" {score:6.1f}%"
        )
    others = Counter(s for s in statuses.values() if s not in (*DETECTED, "survived"))
    print(
        "\nscore = (killed + timeout) / mutants; other: " + (", ".join(f"{n} {s}" for s, n in others.items()) or "none")
    )
    not_detected = sorted(
        (module_of(m), m, s) for m, s in statuses.items() if s not in DETECTED and s != "caught by type check"
    )
    print(f"\n{len(not_detected)} mutant(s) not killed" + (":" if not_detected else ""))
    diffs = diffs_of(workdir, [mutant for _, mutant, _ in not_detected])
    for module, mutant, status in not_detected:
        print(f"\n[{module}] {mutant}: {status}")
        for line in diffs[mutant].splitlines():
            print(f"    {line}")
    return all_good


def main() -> int:
    config = mutmut_config()
    known = modules_of(config)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", default=",".join(known), help=f"comma-separated, of: {', '.join(known)}")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--fail-under", type=float, default=90.0, help="exit 1 when a module scores below (%%)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (to browse it with mutmut)")
    args = parser.parse_args()
    modules = [m.strip() for m in args.modules.split(",") if m.strip()]
    unknown = sorted(set(modules) - set(known))
    if unknown or not modules:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose among {', '.join(known)}")
    selected = narrowed(config, modules)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="mutation-"))
    try:
        prepare(workdir, selected)
        print(f"mutmut {version('mutmut')} on {', '.join(modules)}, {args.max_children} at once, in {workdir}")
        print("tests: " + " ".join(selected["pytest_add_cli_args_test_selection"]), flush=True)
        run_started = time.monotonic()
        done = mutmut(workdir, "run", "--max-children", str(args.max_children))
        run_seconds = time.monotonic() - run_started
        (workdir / "mutmut-run.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0:
            print((done.stdout + done.stderr)[-4000:])
            print(f"mutmut run failed (exit {done.returncode}); the log is {workdir / 'mutmut-run.log'}")
            args.keep = True
            return 2
        rate = re.findall(r"([\d.]+) mutations/second", done.stdout)
        print(f"mutmut run: {run_seconds:.0f} s" + (f" ({rate[-1]} mutants/s)" if rate else "") + "\n")
        good = report(results(workdir), modules, workdir, args.fail_under)
        print(f"\nrun time: {time.monotonic() - started:.0f} s in all")
        if not good:
            print(f"a module scores below {args.fail_under:g}%")
        return 0 if good else 1
    finally:
        if args.keep:
            print(f"kept: {workdir} (cd there and run mutmut browse / mutmut show <name>)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

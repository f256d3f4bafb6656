"""How fast the CLI starts: ``--help`` (target: under 0.5 s on this machine), a usage error, ``validate --no-probe``
and a ``run --dry-run`` of the quickstart (22 datapoints, in a git-committed copy, on the embedded backend).

Baselines measured in the same run: a bare ``python -c pass``, and ``python -c "import httpx, pydantic,
opentelemetry.sdk.trace"`` (what an eager import of the engine would cost at least). The commands are run in turn,
round-robin, so a machine that gets busier part-way slows them all alike. Prints for each the median wall time, the
median CPU time (user + system, of the process and its children: on a shared machine the steadier figure), and
both as ratios to the bare interpreter; then PASS/MISS of ``--help`` against the target. Nothing asserts a time.
Run: ``python benchmarks/bench_cli_startup.py [--repeat N]`` (set PYTHONPATH to time another checkout's src).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from honeyhive_experiment.connection import API_KEY_VARIABLES, INGESTION_KEY_VARIABLES, SERVER_URL_VARIABLES

TARGET_S = 0.5
QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
BASELINE = "python -c pass [baseline]"
HELP = "python -m honeyhive_experiment --help"
# a HoneyHive key or the runner's variables would make the dry run use HoneyHive, or the commands act as in Actions
UNSET = frozenset({*API_KEY_VARIABLES, *INGESTION_KEY_VARIABLES, *SERVER_URL_VARIABLES, "CI"})


def commands() -> dict[str, tuple[list[str], int]]:
    """Each command's argv and the exit code it must end with."""
    tool = [sys.executable, "-m", "honeyhive_experiment"]
    eager = "import httpx, pydantic, opentelemetry.sdk.trace"
    return {
        BASELINE: ([sys.executable, "-c", "pass"], 0),
        f"python -c '{eager}' [eager imports]": ([sys.executable, "-c", eager], 0),
        HELP: ([*tool, "--help"], 0),
        "python -m honeyhive_experiment run --help": ([*tool, "run", "--help"], 0),
        "runs --limit x [usage error]": ([*tool, "runs", "--limit", "x"], 2),
        "validate --no-probe [quickstart]": ([*tool, "validate", "--no-probe"], 0),
        "run --dry-run [quickstart, 22 datapoints]": ([*tool, "run", "--dry-run"], 0),
    }


def quickstart_copy(folder: Path) -> Path:
    """A git-committed copy of the quickstart (a run reads its commit), without what a run of it left behind."""
    repo = folder / "quickstart"
    shutil.copytree(QUICKSTART, repo, ignore=shutil.ignore_patterns("*.db*", "__pycache__", "report*"))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "quickstart"]):
        subprocess.run([*git, *args], cwd=repo, check=True)
    return repo


def measure(command: list[str], expected: int, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expected:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}, not {expected}:\n{done.stderr}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    env = {name: value for name, value in os.environ.items() if name not in UNSET and not name.startswith("GITHUB_")}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        repo = quickstart_copy(Path(folder))
        todo = commands()
        for command, expected in todo.values():  # untimed: the .pyc files, the embedded backend's database
            measure(command, expected, repo, env)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in todo}
        for _ in range(args.repeat):
            for name, (command, expected) in todo.items():
                results[name].append(measure(command, expected, repo, env))
    wall = {name: statistics.median(w for w, _ in times) for name, times in results.items()}
    cpu = {name: statistics.median(c for _, c in times) for name, times in results.items()}
    width = max(map(len, results))
    print(f"{'command':{width}} {'wall ms':>8} {'min ms':>8} {'x bare':>7} {'cpu ms':>8} {'x bare':>7}")
    for name, times in results.items():
        shortest = min(w for w, _ in times)
        print(
            f"{name:{width}} {wall[name] * 1000:8.0f} {shortest * 1000:8.0f} {wall[name] / wall[BASELINE]:7.1f}"
            f" {cpu[name] * 1000:8.0f} {cpu[name] / cpu[BASELINE]:7.1f}"
        )
    verdict = "PASS" if wall[HELP] < TARGET_S else "MISS"
    print(f"\n{verdict}  --help: median {wall[HELP] * 1000:.0f} ms, target < {TARGET_S * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast ``python -m honeyhive_experiment --help`` starts (target: under 0.5 s on this machine).

Baseline measured in the same run: a bare ``python -c pass`` and ``python -c "import httpx, pydantic"``
(what an eager import of the engine would cost at least). Prints medians, the ratio to the bare
interpreter, and PASS/MISS against the target. Run: ``python benchmarks/bench_cli_startup.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_S = 0.5

COMMANDS = {
    "python -c pass [baseline]": [sys.executable, "-c", "pass"],
    "python -c 'import httpx, pydantic, opentelemetry.sdk.trace' [eager imports]": [
        sys.executable,
        "-c",
        "import httpx, pydantic, opentelemetry.sdk.trace",
    ],
    "python -m honeyhive_experiment --help": [sys.executable, "-m", "honeyhive_experiment", "--help"],
    "python -m honeyhive_experiment run --help": [sys.executable, "-m", "honeyhive_experiment", "run", "--help"],
}


def measure(command: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    results = {name: measure(command, args.repeat) for name, command in COMMANDS.items()}
    baseline = statistics.median(results["python -c pass [baseline]"])
    print(f"{'command':72} {'median ms':>10} {'min ms':>8} {'x bare':>7}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:72} {median * 1000:10.1f} {min(times) * 1000:8.1f} {median / baseline:7.1f}")
    help_median = statistics.median(results["python -m honeyhive_experiment --help"])
    verdict = "PASS" if help_median < TARGET_S else "MISS"
    print(f"\n{verdict}  --help: median {help_median * 1000:.0f} ms, target < {TARGET_S * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The local backend in its own process, for benchmarks that must measure the client's CPU alone.

``BENCH_BACKEND_PROFILE=FILE`` (in the benchmark's environment) records that process with py-spy (``$PY_SPY``, else
``py-spy`` on the PATH; not a dependency of the project) and writes FILE when it stops; ``python
benchmarks/backend_process.py --report FILE [TOP]`` lists the top costs. py-spy samples the thread holding the GIL
(``--gil``) 100 times a second: without it, in a container, it counted every thread, idle or waiting for the GIL or a
lock, as running; cProfile in every thread more than doubled the backend's CPU, mostly inside the pure-Python HTTP
stack (h11, starlette). C calls that release the GIL (SQLite's statements, socket sends) are not seen: ``perf record
-e task-clock -p PID`` then ``perf report --sort dso`` gives the split between Python, SQLite and the kernel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROFILE_VARIABLE = "BENCH_BACKEND_PROFILE"


@dataclass
class BackendProcess:
    """``python -m honeyhive_local serve --port 0`` in a child process, on a temporary SQLite file."""

    db: Path
    api_key: str
    process: subprocess.Popen[str] | None = None
    url: str = ""
    profiler: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BackendProcess:
        command = [sys.executable, "-m", "honeyhive_local", "serve", "--port", "0", "--db", str(self.db)]
        self.process = subprocess.Popen([*command, "--api-key", self.api_key], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"serving on (http://\S+)", line)
        if not found:
            self.process.kill()
            raise SystemExit(f"the backend did not start: {line!r}")
        self.url = found.group(1)
        profile = os.environ.get(PROFILE_VARIABLE)
        if profile:
            spy = [os.environ.get("PY_SPY", "py-spy"), "record", "--pid", str(self.process.pid), "--format", "raw"]
            self.profiler = subprocess.Popen(
                [*spy, "--rate", "100", "--gil", "--output", profile], stdout=subprocess.DEVNULL
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.profiler is not None:
            self.profiler.wait(30)  # it writes the profile once the backend is gone

    def cpu_seconds(self) -> float | None:
        """utime + stime of the backend process so far (Linux ``/proc``), None elsewhere."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report(path: str, top: int) -> None:
    """The top of a profile written by py-spy (``--format raw``): by own time at the line and by inclusive time per
    function, as shares of the samples."""
    from collections import Counter

    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in Path(path).read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        own[frames[-1]] += int(count)
        for function in {re.sub(r":\d+\)$", ")", frame) for frame in frames}:
            inclusive[function] += int(count)
    total = sum(own.values())
    print(f"{total} samples")
    for title, counts in (("own time, at the line", own), ("inclusive time", inclusive)):
        print(f"-- by {title} --")
        for name, samples in counts.most_common(top):
            print(f"{samples / total:6.1%}  {name[-160:]}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--report":
        _report(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 25)
        sys.exit(0)
    sys.exit(f"usage: {sys.argv[0]} --report FILE [TOP]")

"""The local backend in its own process, for benchmarks that must measure the client's CPU alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class BackendProcess:
    """``python -m honeyhive_local serve --port 0`` in a child process, on a temporary SQLite file."""

    db: Path
    api_key: str
    process: subprocess.Popen[str] | None = None
    url: str = ""

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
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cpu_seconds(self) -> float | None:
        """utime + stime of the backend process so far (Linux ``/proc``), None elsewhere."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

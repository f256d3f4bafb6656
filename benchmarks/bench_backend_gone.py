"""How long the action takes to end when its backend goes away mid-run (issue 21, item 8: under a minute).

For each way of going away (``tests/honeyhive_experiment/faultproxy.py``'s :class:`Outage`: dead, hang, black
hole) the action's entry point runs as a subprocess on a pull request of the quickstart, against
``honeyhive_local`` behind the fault proxy, which makes the backend go away mid-run, when the fifth datapoint's
session is started (``tests/action_world.py``'s ``World.through_outage``, the same run the e2e test makes), and
at start, with the action's first request. Measured:
seconds from the outage's start to the process's exit, and whether the exit code (2), the verdict (error) and
report.json say what happened. The baseline, in the same run, is the whole job against a healthy backend.

    .venv/bin/python benchmarks/bench_backend_gone.py [--repeat 1] [--limit 300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.action_world import API_KEY, Outcome, World  # noqa: E402 - after the path
from tests.fakes.actions_runner import BASE_SHA, GITHUB_TOKEN, HEAD_REF, HEAD_SHA, PR, REPOSITORY  # noqa: E402
from tests.fakes.github_server import FakeGitHub  # noqa: E402
from tests.honeyhive_experiment.faultproxy import Outage  # noqa: E402
from tests.quickstart import copy_quickstart  # noqa: E402

from honeyhive_local import LocalBackend  # noqa: E402

PROMISE = 60.0  # seconds from the backend going away to the job's end


def _in_a_world(tmp: Path, kind: Outage | None, after_sessions: int, limit: float) -> tuple[float | None, str]:
    """One action run: against a healthy backend (``kind`` None: seconds of the whole job) or through an outage
    (``after_sessions``: 0 at start, else mid-run)."""
    root = copy_quickstart(tmp / "repo")
    with LocalBackend(":memory:", API_KEY) as backend, FakeGitHub(token=GITHUB_TOKEN, repository=REPOSITORY) as gh:
        gh.add_pull(PR, head_sha=HEAD_SHA, base_sha=BASE_SHA, head_ref=HEAD_REF, base_ref="main")
        world = World(root, backend, gh, tmp)
        if kind is None:
            started = time.monotonic()
            done, outputs, _ = world.run_action()
            return time.monotonic() - started, f"exit {done.returncode}, verdict {outputs.get('verdict')}"
        outcome = world.through_outage(kind, after_sessions=after_sessions, limit=limit)
        return outcome.seconds, _what_it_said(outcome, root)


def _what_it_said(outcome: Outcome, workspace: Path) -> str:
    """The exit code, the verdict output and report.json's reasons (its report-path output is from the workspace)."""
    report_path = outcome.outputs.get("report-path")
    file = workspace / report_path if report_path else None
    report = json.loads(file.read_text()) if file is not None and file.is_file() else None
    reason = " ".join(report["reasons"])[:90] if report else "no report.json"
    return f"exit {outcome.returncode}, verdict {outcome.outputs.get('verdict')}: {reason}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs per outage kind (default 1)")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds before a stuck job is killed")
    args = parser.parse_args()

    rows: list[tuple[str, list[float | None], str]] = []
    cases: list[tuple[Outage | None, int]] = [(None, 0), *((k, 5) for k in Outage), *((k, 0) for k in Outage)]
    for kind, after_sessions in cases:
        times: list[float | None] = []
        said = ""
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="bench-backend-gone-") as tmp:
                seconds, said = _in_a_world(Path(tmp), kind, after_sessions, args.limit)
            times.append(seconds)
        when = "mid-run" if after_sessions else "at start"
        rows.append(("healthy run (baseline)" if kind is None else f"{kind.value}, {when}", times, said))
        print(f"  {rows[-1][0]}: {', '.join('killed' if t is None else f'{t:.1f} s' for t in times)}", flush=True)

    baseline = statistics.median(t for t in rows[0][1] if t is not None)
    print(f"\nseconds from the outage's start to the action's exit (median of {args.repeat}); baseline: the whole")
    print(f"job against a healthy backend, {baseline:.1f} s\n")
    print(f"{'backend':<24} {'seconds':>8} {'x baseline':>11} {'<= 60 s':>8}  what the job said")
    for name, times, said in rows[1:]:
        done = [t for t in times if t is not None]
        if len(done) < len(times):
            print(f"{name:<24} {'killed':>8} {'':>11} {'MISS':>8}  (after --limit {args.limit:g} s)")
            continue
        median = statistics.median(done)
        verdict = "PASS" if max(done) <= PROMISE else "MISS"
        print(f"{name:<24} {median:>8.1f} {median / baseline:>11.1f} {verdict:>8}  {said}")


if __name__ == "__main__":
    main()

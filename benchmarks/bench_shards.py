"""Benchmark: one experiment run split across 4 concurrent shard processes vs one process.

The same dataset and the same user function (it sleeps ``--sleep`` seconds, a stand-in for an LLM call)
run as GitHub Actions would run them: ``python -m honeyhive_experiment action`` processes with
``mode: run``, against ``python -m honeyhive_local serve --port 0`` in a separate process:

* **single**: one process over the whole dataset (no ``shard``);
* **sharded**: ``--shards`` processes (default 4) started at once, ``shard: i/4``, one workflow run id,
  so they all write into the same HoneyHive run.

Every process has the same ``max_workers``, so the single process is *not* just a smaller pool: the
sharded side has 4 x the workers, as 4 matrix jobs of the same workflow would. What sharding buys is
exactly that the pool size is per job; the figure shows what of the ideal 4 x is left after each job's
fixed costs (start-up, run creation, exit), the split of the partition and the shared backend.

Parameters. The defaults (400 datapoints x 1 s, ``max_workers`` 10, the config's default) keep a shard's
function time (10 s) well above a job's fixed cost (about 0.5-1 s of Python start-up, imports and run
creation, more when 4 jobs share a machine's cores), as in the suites the issue has in mind ("thousands
of datapoints behind LLM calls of seconds each", where a shard runs for minutes), while a round still takes
about a minute. The earlier defaults, ``--small`` (200 datapoints x 0.2 s, ``max_workers`` 4), give a
shard 2.6 s of function time: less than one Python process's start-up when 4 of them and the backend
share 2 cores, and far less than what a real matrix job spends before its first step (runner, checkout,
building the action's image), which no benchmark here counts. They measure start-up, not sharding: keep
them to watch the per-job overhead, which the phase lines below break down.

Phases. Each job's stderr is read line by line as it arrives: the progress lines (one per tenth of the
datapoints, and one when the last is done) date the first and the last finished datapoint. Per job:
**start-up** = the first progress line minus one ``--sleep`` (process start, imports, config and dataset,
the run's creation, up to the first datapoint's function; one datapoint's own post-function requests are
counted here too); **run** = from then to the last progress line (its function-time floor beside it);
**after** = the last progress line to the process's exit (closing, interpreter shutdown). Start-up is split
into the main thread's time **on CPU** and runnable but **waiting** for a CPU (Linux ``schedstat``, read at
the first progress line): when the 4 jobs and the backend outnumber the free cores, the waiting grows.
**CPU/job** is the user + system time of the side's job processes (``RUSAGE_CHILDREN``), per job.

After each side's run phase its report job (``mode: report``) waits for the run, completes it and judges
it; it is timed too, so an end-to-end ratio (run + report on both sides) is printed for information.
Each timed run is checked in the backend (every datapoint exactly once, the run completed), so a fast but
wrong run cannot pass.

Machines are shared and noisy: the single process is the baseline measured in the same run, interleaved
with the sharded one, and the figure is the ratio of their throughputs (median of ``--repeat``); the load
average is printed with every round. Nothing asserts a time; PASS/MISS compares the ratio with the issue's
target of 3.5 x and the exit status is 0.

    .venv/bin/python benchmarks/bench_shards.py [--datapoints 400] [--sleep 1.0] [--workers 10] [--repeat 3]
    .venv/bin/python benchmarks/bench_shards.py --small      # = --datapoints 200 --sleep 0.2 --workers 4
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from honeyhive_experiment.experiment import external_dataset
from honeyhive_experiment.settings import INPUTS
from honeyhive_experiment.sharding import assign, shared_run_id

TARGET_RATIO = 3.5
from backend_process import BackendProcess  # noqa: E402 - the sibling module

API_KEY = "bench-shards-key"
REPOSITORY = "bench/shards"
EXPERIMENT = "bench-shards"
PROCESS_TIMEOUT = 1800
DEFAULTS = {"datapoints": 400, "sleep": 1.0, "workers": 10}
SMALL = {"datapoints": 200, "sleep": 0.2, "workers": 4}  # the earlier defaults: start-up dominated
PROGRESS = re.compile(r"^(\d+)/(\d+) datapoints \(")

APP = '''"""The benchmark's user function: a fixed latency per datapoint, then a deterministic answer."""

import time

SLEEP_S = {sleep!r}


def answer(datapoint):
    time.sleep(SLEEP_S)
    return {{"answer": datapoint["inputs"]["question"].upper()}}


def exact_match(outputs, inputs, ground_truth):
    return outputs["answer"] == ground_truth["answer"]
'''

CONFIG = """name: {name}
function: bench_app:answer
dataset:
  path: data/dataset.jsonl
evaluators:
  - bench_app:exact_match
passing_ranges:
  exact_match: {{min: 1}}
max_workers: {workers}
timeout: 60
ingestion: {{timeout: 120}}
"""


# ----------------------------------------------------------------------------- the repository and the jobs


def make_repository(root: Path, datapoints: int, sleep: float, workers: int) -> list[str]:
    """The benchmark's repository: the function, the config and the dataset; returns the datapoint ids."""
    (root / ".honeyhive").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "bench_app.py").write_text(APP.format(sleep=sleep), encoding="utf-8")
    (root / ".honeyhive" / "experiment.yml").write_text(CONFIG.format(name=EXPERIMENT, workers=workers))
    records = [
        {"inputs": {"question": f"question number {i}"}, "ground_truth": {"answer": f"QUESTION NUMBER {i}"}}
        for i in range(datapoints)
    ]
    with (root / "data" / "dataset.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    return [dp.id for dp in external_dataset(records).datapoints]


@dataclass
class JobResult:
    name: str
    returncode: int
    seconds: float  # wall time from the start of its batch to its exit
    stdout: str
    stderr: str
    progress: list[tuple[float, int, int]] = field(default_factory=list)  # (seconds since the batch, done, total)
    # the main thread's (seconds on a CPU, seconds runnable but waiting for one) at the first progress line
    startup_sched: tuple[float, float] | None = None

    def phases(self, sleep: float) -> tuple[float, float, float] | None:
        """(start-up, run, after) in seconds, from the progress lines; None without any."""
        if not self.progress:
            return None
        first, last = self.progress[0][0], self.progress[-1][0]
        started = max(first - sleep, 0.0)
        return started, last - started, self.seconds - last


@dataclass
class Batch:
    wall: float
    jobs: list[JobResult]
    cpu: float  # user + system seconds of the batch's processes


def job_env(root: Path, backend_url: str, workflow_run_id: str, inputs: dict[str, str]) -> dict[str, str]:
    """What the runner gives the Docker action: every input at its default unless given, under the variable
    action.yml maps it to (``settings.INPUTS``, which a contract test holds equal to action.yml), plus the
    ``GITHUB_*`` context of a push (no pull request: nothing to comment on)."""
    given = {"api-key": API_KEY, "server-url": backend_url, "comment-mode": "off", **inputs}
    env = {spec.env: given.get(spec.name, spec.default or "") for spec in INPUTS}
    env["GITHUB_TOKEN"] = ""  # no token: no GitHub calls at all
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root.parent),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_RUN_ID": workflow_run_id,
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_WORKSPACE": str(root),
        **env,
    }


def main_thread_schedstat(pid: int) -> tuple[float, float] | None:
    """A process's main thread so far: (seconds on a CPU, seconds runnable but waiting for a CPU), from Linux's
    ``/proc/<pid>/task/<pid>/schedstat``; None elsewhere. Up to the first datapoint the main thread does all
    of a job's work, so this splits its start-up into work and waiting for the machine's cores."""
    try:
        on_cpu, waiting, _ = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return None
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(root: Path, backend_url: str, workflow_run_id: str, jobs: Sequence[tuple[str, dict[str, str]]]) -> Batch:
    """Start every job of the batch at once (like a matrix), wait for all; the batch's wall time and each job.

    Each job's stderr is read line by line as it comes, so its progress lines carry their arrival times.
    The CPU time is what the batch's processes used (reaped children only: the backend is reaped at the end).
    """
    results: list[JobResult | None] = [None] * len(jobs)
    cpu_before = _children_cpu()
    start = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "honeyhive_experiment", "action"],
            cwd=root,
            env=job_env(root, backend_url, workflow_run_id, inputs),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _, inputs in jobs
    ]

    def collect(index: int) -> None:
        process = processes[index]
        assert process.stdout is not None
        assert process.stderr is not None
        stdout = process.stdout
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(stdout.read()))
        reader.start()
        err: list[str] = []
        progress: list[tuple[float, int, int]] = []
        sched = None
        for line in process.stderr:
            found = PROGRESS.match(line)
            if found:
                progress.append((time.perf_counter() - start, int(found.group(1)), int(found.group(2))))
                sched = sched or main_thread_schedstat(process.pid)
            err.append(line)
        reader.join(PROCESS_TIMEOUT)
        process.wait(PROCESS_TIMEOUT)
        seconds = time.perf_counter() - start
        results[index] = JobResult(
            jobs[index][0], process.returncode, seconds, "".join(out), "".join(err), progress, sched
        )

    threads = [threading.Thread(target=collect, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    done = [r for r in results if r is not None]
    for result in done:
        if result.returncode != 0:
            raise SystemExit(
                f"job {result.name} exited {result.returncode}"
                f"\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
    return Batch(wall, done, _children_cpu() - cpu_before)


def check_run(hh: httpx.Client, run_id: str, ids: Sequence[str]) -> None:
    """The run is completed and holds every datapoint exactly once, each passing."""
    run = hh.get(f"/v1/runs/{run_id}").json()["evaluation"]
    if run["status"] != "completed" or len(run["event_ids"]) != len(ids):
        raise SystemExit(f"run {run_id}: status {run['status']}, {len(run['event_ids'])} sessions, want {len(ids)}")
    body = {
        "filters": [
            {"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"},
            {"field": "event_type", "operator": "is", "value": "session", "type": "string"},
        ],
        "projections": ["metadata"],
        "limit": 7500,
    }
    sessions = hh.post("/v1/events/export", json=body).json()["events"]
    if sorted(s["metadata"]["datapoint_id"] for s in sessions) != sorted(ids):
        raise SystemExit(f"run {run_id}: the sessions are not one per datapoint")
    summary = hh.get(f"/v1/runs/{run_id}/summary").json()
    if summary["failed"] or len(summary["passed"]) != len(ids):
        raise SystemExit(f"run {run_id}: {len(summary['failed'])} failed, {len(summary['passed'])} passed")


@dataclass
class Measurement:
    run: Batch  # the run phase: the batch of mode-run processes
    report: float  # the report job after it


def measure(
    root: Path, backend: BackendProcess, hh: httpx.Client, ids: Sequence[str], shards: int, workflow_run_id: str
) -> Measurement:
    """One side: ``shards`` = 0 is the single process over the whole dataset."""
    if shards:
        jobs = [(f"shard {i}/{shards}", {"mode": "run", "shard": f"{i}/{shards}"}) for i in range(1, shards + 1)]
    else:
        jobs = [("single", {"mode": "run"})]
    run = run_batch(root, backend.url, workflow_run_id, jobs)
    report_inputs = {"mode": "report", **({"shard": f"{shards}/{shards}"} if shards else {})}
    report = run_batch(root, backend.url, workflow_run_id, [("report", report_inputs)])
    check_run(hh, shared_run_id(REPOSITORY, workflow_run_id, EXPERIMENT, ".honeyhive/experiment.yml"), ids)
    return Measurement(run, report.wall)


# ----------------------------------------------------------------------------- main


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def phase_line(label: str, measurements: Sequence[Measurement], sleep: float, floors: Sequence[float]) -> str:
    """Median start-up, run (with its floor), after and CPU per job over every job of every round."""
    phases = [p for m in measurements for j in m.run.jobs if (p := j.phases(sleep)) is not None]
    if not phases:
        return f"{label:14} (no progress lines)"
    start, run, after = (statistics.median(p[i] for p in phases) for i in range(3))
    cpu = statistics.median(m.run.cpu / len(m.run.jobs) for m in measurements)
    floor = statistics.median(floors)
    scheds = [j.startup_sched for m in measurements for j in m.run.jobs if j.startup_sched is not None]
    split = (
        f"{statistics.median(s[0] for s in scheds):10.2f}{statistics.median(s[1] for s in scheds):9.2f}"
        if scheds
        else f"{'-':>10}{'-':>9}"
    )
    return f"{label:14}{start:10.2f}{split}{run:9.2f} ({floor:5.1f}){after:8.2f}{cpu:9.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapoints", type=int, help=f"default {DEFAULTS['datapoints']} ({SMALL['datapoints']})")
    parser.add_argument(
        "--sleep", type=float, help=f"seconds the user function sleeps per datapoint; default {DEFAULTS['sleep']}"
    )
    parser.add_argument("--workers", type=int, help=f"max_workers of every process; default {DEFAULTS['workers']}")
    parser.add_argument(
        "--small",
        action="store_true",
        help="the earlier defaults (200 datapoints x 0.2 s, max_workers 4): start-up dominated",
    )
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved timed rounds (the median is reported)")
    args = parser.parse_args(argv)
    preset = SMALL if args.small else DEFAULTS
    datapoints = args.datapoints if args.datapoints is not None else int(preset["datapoints"])
    sleep = args.sleep if args.sleep is not None else float(preset["sleep"])
    workers = args.workers if args.workers is not None else int(preset["workers"])

    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"load average before: {load_average()} (other work on the machine slows the 4 start-ups most)")
    print(
        f"{datapoints} datapoints x {sleep:g} s, max_workers {workers} per process;"
        f" {args.shards} shard processes vs 1 process; {args.repeat} interleaved rounds"
    )
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        root = Path(tmp) / "repo"
        ids = make_repository(root, datapoints, sleep, workers)
        shard_of = assign(ids, args.shards)
        sizes = [sum(1 for i in ids if shard_of[i] == s) for s in range(1, args.shards + 1)]
        floor_single = math.ceil(datapoints / workers) * sleep
        shard_floors = [math.ceil(size / workers) * sleep for size in sizes]
        floor_sharded = max(shard_floors)
        print(f"shard sizes (sha256 partition): {sizes}; the biggest shard bounds the sharded run")
        print(
            f"floors (function time only): single {floor_single:.1f} s, sharded {floor_sharded:.1f} s"
            f" -> at most {floor_single / floor_sharded:.2f} x with this partition, before any overhead"
        )
        with (
            BackendProcess(Path(tmp) / "bench.db", API_KEY) as backend,
            httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60) as hh,
        ):
            print(f"backend: {backend.url} (separate process)")
            # untimed warm-up: bytecode caches, the backend's SQLite file; a throwaway slice of the dataset
            run_batch(root, backend.url, "1", [("warm-up", {"mode": "run", "shard": "1/40"})])

            singles: list[Measurement] = []
            sharded: list[Measurement] = []
            overheads: dict[str, list[float]] = {"single": [], "shard": []}
            cpu_before = backend.cpu_seconds()
            for round_ in range(args.repeat):
                single = measure(root, backend, hh, ids, 0, f"{100 + round_}")
                split = measure(root, backend, hh, ids, args.shards, f"{200 + round_}")
                singles.append(single)
                sharded.append(split)
                per_job = ", ".join(f"{j.seconds:.1f}" for j in split.run.jobs)
                overheads["single"].append(single.run.wall - floor_single)
                overheads["shard"].extend(
                    j.seconds - floor for j, floor in zip(split.run.jobs, shard_floors, strict=True)
                )
                print(
                    f"round {round_ + 1}: single {single.run.wall:6.2f} s (+ report {single.report:.2f} s);"
                    f" sharded {split.run.wall:6.2f} s (+ report {split.report:.2f} s);"
                    f" shard jobs done at [{per_job}] s; load average {load_average()}"
                )
            cpu_after = backend.cpu_seconds()

    print(f"load average after: {load_average()}")
    single_run = statistics.median(m.run.wall for m in singles)
    sharded_run = statistics.median(m.run.wall for m in sharded)
    single_e2e = statistics.median(m.run.wall + m.report for m in singles)
    sharded_e2e = statistics.median(m.run.wall + m.report for m in sharded)
    ratio = single_run / sharded_run
    e2e_ratio = single_e2e / sharded_e2e
    print()
    print(f"{'':24}{'median s':>10}{'datapoints/s':>14}")
    print(f"{'single process':24}{single_run:10.2f}{datapoints / single_run:14.1f}")
    print(f"{f'{args.shards} shard processes':24}{sharded_run:10.2f}{datapoints / sharded_run:14.1f}")
    if cpu_before is not None and cpu_after is not None:
        rounds = 2 * args.repeat
        print(f"backend CPU: {(cpu_after - cpu_before) / rounds:.2f} s per timed side (run + report), on average")
    print()
    print("phases of the mode-run jobs (median s over every job of every round; see the docstring):")
    print(f"{'':14}{'start-up':>10}{'on CPU':>10}{'waiting':>9}{'run':>9}{' (floor)':8}{'after':>8}{'CPU/job':>9}")
    print(phase_line("single", singles, sleep, [floor_single]))
    print(phase_line("shard jobs", sharded, sleep, shard_floors))
    print(
        f"per-job overhead over its function-time floor (start-up, run creation, requests, exit), median:"
        f" single {statistics.median(overheads['single']):.2f} s,"
        f" shard jobs {statistics.median(overheads['shard']):.2f} s"
    )
    print()
    print(
        f"throughput, run phase: {ratio:.2f} x the single process"
        f" (the partition allows {floor_single / floor_sharded:.2f} x)"
    )
    print(f"end to end (run + report job on both sides, information): {e2e_ratio:.2f} x")
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    print(f"{verdict}: {ratio:.2f} x vs target >= {TARGET_RATIO} x (load average {load_average()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

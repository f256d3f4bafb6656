"""Benchmark: one experiment run split across 4 concurrent shard processes vs one process.

The same dataset (``--datapoints``, default 200) and the same user function (it sleeps ``--sleep``
seconds, default 0.2, a stand-in for an LLM call) run as GitHub Actions would run them:
``python -m honeyhive_experiment action`` processes with ``mode: run``, against
``python -m honeyhive_local serve --port 0`` in a separate process:

* **single**: one process over the whole dataset (no ``shard``);
* **sharded**: ``--shards`` processes (default 4) started at once, ``shard: i/4``, one workflow run id,
  so they all write into the same HoneyHive run.

Every process has the same ``max_workers`` (default 4), so the single process is *not* just a smaller
pool: the sharded side has 4 x the workers, as 4 matrix jobs of the same workflow would. What sharding buys
is exactly that the pool size is per job; the figure shows what of the ideal 4 x is left after process
start-up, the uneven split of a hash partition and the shared backend.

After each side's run phase its report job (``mode: report``) waits for the run, completes it and judges
it; it is timed too, so an end-to-end ratio (run + report on both sides) is printed for information.
Each timed run is checked in the backend (every datapoint exactly once, the run completed), so a fast but
wrong run cannot pass.

Machines are shared and noisy: the single process is the baseline measured in the same run, interleaved
with the sharded one, and the figure is the ratio of their throughputs (median of ``--repeat``). Nothing
asserts a time; PASS/MISS compares the ratio with the issue's target of 3.5 x and the exit status is 0.

    .venv/bin/python benchmarks/bench_shards.py [--datapoints 200] [--sleep 0.2] [--workers 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
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
PROCESS_TIMEOUT = 600

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


# ----------------------------------------------------------------------------- the backend process


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


def run_batch(
    root: Path, backend_url: str, workflow_run_id: str, jobs: Sequence[tuple[str, dict[str, str]]]
) -> tuple[float, list[JobResult]]:
    """Start every job of the batch at once (like a matrix), wait for all; the batch's wall time and each job."""
    results: list[JobResult | None] = [None] * len(jobs)
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
        out, err = processes[index].communicate(timeout=PROCESS_TIMEOUT)
        seconds = time.perf_counter() - start
        results[index] = JobResult(jobs[index][0], processes[index].returncode, seconds, out, err)

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
    return wall, done


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
    run: float  # the run phase: the batch of mode-run processes
    report: float  # the report job after it
    jobs: list[JobResult]


def measure(
    root: Path, backend: BackendProcess, hh: httpx.Client, ids: Sequence[str], shards: int, workflow_run_id: str
) -> Measurement:
    """One side: ``shards`` = 0 is the single process over the whole dataset."""
    if shards:
        jobs = [(f"shard {i}/{shards}", {"mode": "run", "shard": f"{i}/{shards}"}) for i in range(1, shards + 1)]
    else:
        jobs = [("single", {"mode": "run"})]
    run_wall, results = run_batch(root, backend.url, workflow_run_id, jobs)
    report_inputs = {"mode": "report", **({"shard": f"{shards}/{shards}"} if shards else {})}
    report_wall, _ = run_batch(root, backend.url, workflow_run_id, [("report", report_inputs)])
    check_run(hh, shared_run_id(REPOSITORY, workflow_run_id, EXPERIMENT), ids)
    return Measurement(run_wall, report_wall, results)


# ----------------------------------------------------------------------------- main


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapoints", type=int, default=200)
    parser.add_argument("--sleep", type=float, default=0.2, help="seconds the user function sleeps per datapoint")
    parser.add_argument("--workers", type=int, default=4, help="max_workers of every process")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved timed rounds (the median is reported)")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"load average before: {load_average()} (other work on the machine slows the 4 start-ups most)")
    print(
        f"{args.datapoints} datapoints x {args.sleep:g} s, max_workers {args.workers} per process;"
        f" {args.shards} shard processes vs 1 process; {args.repeat} interleaved rounds"
    )
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        root = Path(tmp) / "repo"
        ids = make_repository(root, args.datapoints, args.sleep, args.workers)
        sizes = [sum(1 for i in ids if assign(ids, args.shards)[i] == s) for s in range(1, args.shards + 1)]
        biggest = max(sizes)
        floor_single = math.ceil(args.datapoints / args.workers) * args.sleep
        floor_sharded = math.ceil(biggest / args.workers) * args.sleep
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
            overheads: dict[str, list[float]] = {"single": [], "shard": []}
            sharded: list[Measurement] = []
            cpu_before = backend.cpu_seconds()
            for round_ in range(args.repeat):
                single = measure(root, backend, hh, ids, 0, f"{100 + round_}")
                split = measure(root, backend, hh, ids, args.shards, f"{200 + round_}")
                singles.append(single)
                sharded.append(split)
                per_job = ", ".join(f"{j.seconds:.1f}" for j in split.jobs)
                overheads["single"].append(single.run - floor_single)
                overheads["shard"].extend(
                    j.seconds - math.ceil(size / args.workers) * args.sleep
                    for j, size in zip(split.jobs, sizes, strict=True)
                )
                print(
                    f"round {round_ + 1}: single {single.run:6.2f} s (+ report {single.report:.2f} s);"
                    f" sharded {split.run:6.2f} s (+ report {split.report:.2f} s); shard jobs done at [{per_job}] s"
                )
            cpu_after = backend.cpu_seconds()

    print(f"load average after: {load_average()}")
    single_run = statistics.median(m.run for m in singles)
    sharded_run = statistics.median(m.run for m in sharded)
    single_e2e = statistics.median(m.run + m.report for m in singles)
    sharded_e2e = statistics.median(m.run + m.report for m in sharded)
    ratio = single_run / sharded_run
    e2e_ratio = single_e2e / sharded_e2e
    print()
    print(f"{'':24}{'median s':>10}{'datapoints/s':>14}")
    print(f"{'single process':24}{single_run:10.2f}{args.datapoints / single_run:14.1f}")
    print(f"{f'{args.shards} shard processes':24}{sharded_run:10.2f}{args.datapoints / sharded_run:14.1f}")
    if cpu_before is not None and cpu_after is not None:
        rounds = 2 * args.repeat
        print(f"backend CPU: {(cpu_after - cpu_before) / rounds:.2f} s per timed side (run + report), on average")
    print(
        f"per-job overhead over its function-time floor (start-up, imports, run create, exports), median:"
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
    print(f"{verdict}: {ratio:.2f} x vs target >= {TARGET_RATIO} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

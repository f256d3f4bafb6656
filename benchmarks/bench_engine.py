"""Benchmark: the experiment engine's ``evaluate()`` against a bare thread pool and the official SDK.

Against one ``honeyhive_local`` backend running in a **separate process** on loopback (so this
process's CPU time is the client's alone), all in one run:

* ``bare pool``: ``ThreadPoolExecutor(--workers)`` calling the same function over the same records:
  the floor (640 datapoints x 200 ms / 32 workers = 20 rounds x 200 ms = 4 s);
* ``ours``: ``honeyhive_experiment.evaluate()`` with two evaluators (session start, chain span with
  the metrics, session update, one OTLP export per datapoint, run create/complete, result wait);
* ``sdk``: the official ``honeyhive.experiments.evaluate()`` (1.x, ``HH_API_URL``/``HH_API_KEY``,
  ``print_results=False``), same function, evaluators, records and workers.

Targets from the issue, printed as PASS/MISS (nothing asserts; the exit status stays 0):

* wall time of ours <= 1.2 x the bare pool's (median of ``--repeat`` interleaved runs of each);
* client CPU of ours <= 5 ms per datapoint (``time.process_time`` of this process: every thread);
* peak memory of ours within 1.5 x from 2,000 to 20,000 datapoints: a function that returns at
  once, each size in a fresh subprocess, peak RSS of that subprocess (``VmHWM``; ``ru_maxrss`` off Linux).

Machines are shared and noisy: the ratios to the bare pool measured in the same run are the figures
to compare across machines and commits. The backend process's own CPU time (from ``/proc``) is
printed next to each measurement, to see when the backend rather than the client is the bottleneck.
When the wall or CPU target is missed (or with ``--profile``), one more run of ours is profiled in
this process: cProfile in every thread, timed by each thread's CPU clock. When the memory target is
missed (or with ``--profile``), the small memory run is repeated under ``tracemalloc``, split into
phases, with the biggest allocation sites still alive when the last datapoint finished.

    .venv/bin/python benchmarks/bench_engine.py [--datapoints 640] [--workers 32] [--sleep 0.2]
        [--repeat 3] [--skip-sdk] [--skip-memory] [--memory-sizes 2000,20000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from backend_process import BackendProcess
from honeyhive_experiment import (
    ExperimentResult,
    ExperimentResultSummary,
    HoneyHiveClient,
    Progress,
    evaluate,
    external_dataset,
)

API_KEY = "bench-engine-key"
TARGET_WALL_RATIO = 1.2
TARGET_CPU_MS = 5.0
TARGET_MEMORY_RATIO = 1.5
WARMUP_DATAPOINTS = 32
SDK_ENV_OVERRIDES = ("HH_PROJECT", "HONEYHIVE_SERVER_URL", "HH_SERVER_URL", "HONEYHIVE_API_KEY", "HH_OTLP_PROTOCOL")

Record = dict[str, Any]


# ----------------------------------------------------------------------------- the workload


def make_records(count: int, prefix: str = "bench") -> list[Record]:
    return [
        {
            "id": f"{prefix}-{i}",
            "inputs": {"question": f"what is {i} + {i}?", "n": i},
            "ground_truth": {"answer": str(2 * i)},
        }
        for i in range(count)
    ]


def make_function(sleep: float) -> Callable[[Record], Record]:
    """The user function: waits ``sleep`` seconds (an LLM call) and answers."""

    def answer_question(datapoint: Record) -> Record:
        if sleep > 0:
            time.sleep(sleep)
        return {"answer": str(2 * datapoint["inputs"]["n"])}

    return answer_question


def exact_match(outputs: Record, inputs: Record, ground_truth: Record) -> bool:
    return bool(outputs["answer"] == ground_truth["answer"])


def answer_length(outputs: Record, inputs: Record, ground_truth: Record | None = None) -> int:
    return len(outputs["answer"])


EVALUATORS = (exact_match, answer_length)


# ----------------------------------------------------------------------------- contenders


@dataclass(slots=True)
class Sample:
    wall: float
    cpu: float
    backend_cpu: float | None
    check: str = ""


@dataclass(slots=True)
class Measurement:
    label: str
    datapoints: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu_ms_per_datapoint(self) -> float:
        return statistics.median(s.cpu for s in self.samples) * 1000 / self.datapoints

    @property
    def backend_ms_per_datapoint(self) -> float | None:
        values = [s.backend_cpu for s in self.samples if s.backend_cpu is not None]
        return statistics.median(values) * 1000 / self.datapoints if values else None


def measure(backend: BackendProcess, call: Callable[[], str]) -> Sample:
    """Wall and CPU time of ``call`` in this process (all threads), and the backend's CPU meanwhile."""
    gc.collect()
    backend_before = backend.cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    check = call()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    backend_after = backend.cpu_seconds()
    backend_cpu = None if backend_before is None or backend_after is None else backend_after - backend_before
    return Sample(wall, cpu, backend_cpu, check)


def run_bare(function: Callable[[Record], Record], records: Sequence[Record], workers: int) -> str:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(function, records))
    return f"{len(results)} results"


def evaluate_ours(
    function: Callable[[Record], Record],
    records: Sequence[Record],
    client: HoneyHiveClient,
    workers: int,
    name: str,
    progress: Callable[[Progress], None] | None = None,
) -> ExperimentResult:
    result = evaluate(
        function,
        external_dataset(records),
        client=client,
        evaluators=EVALUATORS,
        name=name,
        max_workers=workers,
        progress=progress,
        print_results=False,  # the SDK's default table would land in the benchmark's output
    )
    not_ok = sum(1 for o in result.outcomes if o.status.value != "ok" or not o.exported)
    exact = result.summary.metric("exact_match")
    aggregate = exact.aggregate if exact is not None else None
    if len(result.summary.datapoints) != len(records) or not_ok or aggregate != 1.0:
        raise SystemExit(
            f"ours: wrong result: {len(result.summary.datapoints)} datapoints in the summary, {not_ok} not ok,"
            f" exact_match {aggregate}"
        )
    return result


def run_ours(function: Callable[[Record], Record], records: Sequence[Record], url: str, workers: int, name: str) -> str:
    with HoneyHiveClient(url, API_KEY) as client:
        result = evaluate_ours(function, records, client, workers, name)
    exact = result.summary.metric("exact_match")
    return f"summary: {len(result.summary.datapoints)} datapoints, exact_match {exact.aggregate if exact else None:g}"


def run_sdk(function: Callable[[Record], Record], records: Sequence[Record], url: str, workers: int, name: str) -> str:
    from honeyhive.experiments import evaluate as sdk_evaluate

    result = sdk_evaluate(
        function,
        dataset=[dict(r) for r in records],
        evaluators=list(EVALUATORS),
        name=name,
        max_workers=workers,
        print_results=False,
    )
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=120) as http:
        summary = http.get(f"/v1/runs/{result.run_id}/summary").json()
    details = {d["metric_name"]: d for d in summary["metrics"]["details"]}
    aggregate = (details.get("exact_match") or {}).get("aggregate")
    if len(summary["datapoints"]) != len(records) or aggregate != 1.0:
        raise SystemExit(f"sdk: wrong result: {len(summary['datapoints'])} datapoints, exact_match {aggregate}")
    return f"summary: {len(summary['datapoints'])} datapoints, exact_match {aggregate:g}"


@contextmanager
def sdk_environment(url: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("HH_API_URL", "HH_API_KEY", *SDK_ENV_OVERRIDES)}
    os.environ["HH_API_URL"] = url
    os.environ["HH_API_KEY"] = API_KEY
    for name in SDK_ENV_OVERRIDES:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# ----------------------------------------------------------------------------- memory (child processes)


def rss_kib() -> int:
    """Peak resident set size of this process so far, in KiB.

    On Linux ``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` there survives fork + exec, so a child
    started by a big parent reports the parent's peak until it outgrows it. Elsewhere ``ru_maxrss``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


class _MeasuredClient(HoneyHiveClient):
    """Our client, noting what the run's summary costs in memory once read (it streams in)."""

    summary_traced_bytes = 0

    def get_run_summary(self, run_id: str, aggregate_function: str = "average") -> ExperimentResultSummary:
        before = tracemalloc.get_traced_memory()[0]
        result = super().get_run_summary(run_id, aggregate_function)
        self.summary_traced_bytes = tracemalloc.get_traced_memory()[0] - before
        return result


def memory_child(url: str, count: int, workers: int, trace: bool, top: int) -> None:
    """Runs in a fresh interpreter: one evaluate() over ``count`` instant datapoints; prints JSON.

    Peak RSS is always measured. With ``trace``, tracemalloc also splits the run into phases: the
    caller's records, the pool (peak, and what is alive when the last datapoint finishes, with the
    biggest allocation sites), completing the run and reading its summary (peak), the returned result.
    """
    function = make_function(0.0)
    run_ours(function, make_records(WARMUP_DATAPOINTS, prefix="warm"), url, workers, "bench-memory-warmup")
    gc.collect()
    out: dict[str, Any] = {"datapoints": count, "baseline_kib": rss_kib()}
    if trace:
        tracemalloc.start(6)
    records = make_records(count, prefix=f"mem{count}")
    out["records_kib"] = rss_kib()
    phases: dict[str, int] = {}
    snapshot: list[tracemalloc.Snapshot] = []
    if trace:
        phases["records"] = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()

    def at_end(progress: Progress) -> None:  # the pool's last datapoint: everything the pool holds is alive
        if trace and progress.done == progress.total:
            phases["pool_peak"], phases["pool_end"] = (
                tracemalloc.get_traced_memory()[1],
                tracemalloc.get_traced_memory()[0],
            )
            snapshot.append(tracemalloc.take_snapshot())
            tracemalloc.reset_peak()

    started = time.perf_counter()
    with _MeasuredClient(url, API_KEY) as client:
        result = evaluate_ours(function, records, client, workers, f"bench-memory-{count}", progress=at_end)
        out["wall"] = time.perf_counter() - started
        out["peak_kib"] = rss_kib()
        if trace:
            gc.collect()
            phases["completion_peak"] = tracemalloc.get_traced_memory()[1]
            phases["result"] = tracemalloc.get_traced_memory()[0]
            phases["summary_parsed"] = client.summary_traced_bytes
            out["phases"] = phases
            stats = snapshot[0].statistics("traceback") if snapshot else []
            out["top"] = [
                {"size": s.size, "count": s.count, "where": [f"{f.filename}:{f.lineno}" for f in s.traceback][-3:]}
                for s in stats[:top]
            ]
            tracemalloc.stop()
    del result
    print(json.dumps(out))


def run_memory_child(url: str, count: int, workers: int, trace: bool = False, top: int = 12) -> dict[str, Any]:
    command = [sys.executable, __file__, "--memory-child", str(count), "--url", url, "--workers", str(workers)]
    if trace:
        command += ["--trace-memory", "--profile-top", str(top)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"memory child ({count} datapoints) failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------------- profiling


def profile_threads(call: Callable[[], object], top: int, save: str | None = None) -> str:
    """cProfile in the calling thread and in every thread started meanwhile, timed by each thread's CPU
    clock (``time.thread_time``), merged; top rows by own time and by cumulative time. ``save``: a file to
    write the merged statistics to (``pstats.Stats(save)`` reads them back)."""
    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_in_thread(frame: Any, event: str, arg: Any) -> None:
        profiler = cProfile.Profile(time.thread_time)
        try:
            profiler.enable()  # replaces this hook in this thread
        except ValueError:  # Python 3.12+: one profiler per interpreter; only the calling thread is profiled
            return
        with lock:
            profilers.append(profiler)

    main = cProfile.Profile(time.thread_time)
    threading.setprofile(start_in_thread)
    try:
        main.runcall(call)
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    stats = pstats.Stats(main)
    for profiler in profilers:
        profiler.disable()
        stats.add(profiler)
    if save:
        stats.dump_stats(save)
    out = []
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        stats.stream = text  # type: ignore[attr-defined]
        stats.strip_dirs().sort_stats(order).print_stats(top)
        lines = [line for line in text.getvalue().splitlines() if line.strip()]
        out.append(f"-- by {order} ({len(profilers)} threads + main) --")
        out += lines[next((i for i, line in enumerate(lines) if "ncalls" in line), 0) :]
    return "\n".join(out)


# ----------------------------------------------------------------------------- output


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(rows: Sequence[Measurement], bare: Measurement) -> None:
    print(
        f"{'contender':<10} {'runs':>4} {'wall s':>8} {'x bare':>7} {'min s':>7} {'client CPU ms/dp':>17}"
        f" {'backend CPU ms/dp':>18}"
    )
    for row in rows:
        backend = row.backend_ms_per_datapoint
        print(
            f"{row.label:<10} {len(row.samples):>4} {row.wall:>8.2f} {row.wall / bare.wall:>7.2f}"
            f" {min(s.wall for s in row.samples):>7.2f} {row.cpu_ms_per_datapoint:>17.2f}"
            f" {'n/a' if backend is None else f'{backend:.2f}':>18}"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--datapoints", type=int, default=640, help="datapoints of the timed runs (default 640)")
    parser.add_argument("--workers", type=int, default=32, help="max_workers / pool size (default 32)")
    parser.add_argument("--sleep", type=float, default=0.2, help="seconds the function sleeps (default 0.2)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of bare pool and ours (default 3)")
    parser.add_argument("--skip-sdk", action="store_true", help="do not run the official SDK's evaluate()")
    parser.add_argument("--skip-memory", action="store_true", help="do not run the memory measurement")
    parser.add_argument(
        "--memory-sizes",
        default="2000,20000",
        help="small,large datapoint counts of the memory runs (default 2000,20000)",
    )
    parser.add_argument("--profile", action="store_true", help="profile even when every target is met")
    parser.add_argument("--profile-top", type=int, default=25, help="rows of each profile listing (default 25)")
    parser.add_argument("--profile-save", metavar="FILE", help="write the merged CPU profile's statistics to FILE")
    parser.add_argument("--no-profile", action="store_true", help="no profile, even when a target is missed")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--trace-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.datapoints < 1 or args.workers < 1 or args.repeat < 1 or args.sleep < 0:
        parser.error("--datapoints, --workers and --repeat must be at least 1, --sleep at least 0")
    sizes = [int(s) for s in args.memory_sizes.split(",") if s.strip()]
    if len(sizes) != 2 or min(sizes) < 1:
        parser.error("--memory-sizes takes two positive counts, e.g. 2000,20000")
    args.memory_sizes = sorted(sizes)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child is not None:
        memory_child(args.url, args.memory_child, args.workers, args.trace_memory, args.profile_top)
        return 0

    rounds = -(-args.datapoints // args.workers)
    floor = rounds * args.sleep
    print("honeyhive_experiment benchmark: evaluate() vs a bare thread pool vs the official SDK")
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    print(
        f"python {platform.python_version()} on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs{load}"
        " (ours is CPU-bound and the bare pool is not: a busy machine inflates x bare)"
    )
    print(
        f"{args.datapoints} datapoints, function sleeps {args.sleep * 1000:.0f} ms, 2 evaluators,"
        f" {args.workers} workers (floor {rounds} rounds x {args.sleep * 1000:.0f} ms = {floor:.1f} s)"
    )
    records = make_records(args.datapoints)
    function = make_function(args.sleep)

    with (
        tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp,
        BackendProcess(Path(tmp) / "bench.db", API_KEY) as backend,
    ):
        print(f"backend: separate process pid {backend.process.pid if backend.process else '?'} at {backend.url}")
        # untimed warm-up: imports, connection pools, SQLite pages
        run_ours(make_function(0.0), make_records(WARMUP_DATAPOINTS, prefix="warm"), backend.url, args.workers, "warm")

        bare = Measurement("bare pool", args.datapoints)
        ours = Measurement("ours", args.datapoints)
        for round_ in range(args.repeat):
            bare.samples.append(measure(backend, lambda: run_bare(function, records, args.workers)))
            ours.samples.append(
                measure(backend, lambda r=round_: run_ours(function, records, backend.url, args.workers, f"bench-{r}"))
            )
        rows = [bare, ours]
        sdk: Measurement | None = None
        if not args.skip_sdk:
            with sdk_environment(backend.url):
                try:
                    run_sdk(make_function(0.0), make_records(WARMUP_DATAPOINTS, "sdkwarm"), backend.url, 4, "warm")
                    sdk = Measurement("sdk", args.datapoints)
                    sdk.samples.append(
                        measure(backend, lambda: run_sdk(function, records, backend.url, args.workers, "bench-sdk"))
                    )
                    rows.append(sdk)
                except ImportError:
                    print("the official SDK (honeyhive) is not installed: skipped")
        print()
        print("timings (median of the runs; x bare = wall / bare pool's wall; CPU = process_time of this process)")
        print_table(rows, bare)
        for row in rows:
            print(f"  {row.label}: {row.samples[-1].check}")
        print()

        wall_ratio = ours.wall / bare.wall
        cpu_ms = ours.cpu_ms_per_datapoint
        print(
            f"{verdict(wall_ratio <= TARGET_WALL_RATIO)}  wall: ours {ours.wall:.2f} s = {wall_ratio:.2f} x bare pool"
            f" ({bare.wall:.2f} s), target <= {TARGET_WALL_RATIO} x"
        )
        print(
            f"{verdict(cpu_ms <= TARGET_CPU_MS)}  client CPU: ours {cpu_ms:.2f} ms per datapoint,"
            f" target <= {TARGET_CPU_MS:g} ms"
        )
        if sdk is not None:
            print(
                f"info  sdk: {sdk.wall:.2f} s = {sdk.wall / bare.wall:.2f} x bare pool,"
                f" {sdk.wall / ours.wall:.2f} x ours; {sdk.cpu_ms_per_datapoint:.2f} ms CPU per datapoint"
                f" = {sdk.cpu_ms_per_datapoint / cpu_ms:.2f} x ours"
            )

        memory_missed = False
        if not args.skip_memory:
            small, large = args.memory_sizes
            print()
            print(f"memory: ours over {small} and {large} instant datapoints, each in a fresh subprocess (peak RSS)")
            results = [run_memory_child(backend.url, n, args.workers) for n in (small, large)]
            for result in results:
                count = result["datapoints"]
                caller = result["records_kib"] - result["baseline_kib"]
                run = result["peak_kib"] - result["records_kib"]
                print(
                    f"  {count:>6} datapoints: peak RSS {result['peak_kib'] / 1024:6.1f} MiB = after imports + warm-up"
                    f" {result['baseline_kib'] / 1024:.1f} + the caller's records {caller / 1024:.1f}"
                    f" + evaluate() {run / 1024:.1f} MiB ({run / count:.2f} KiB per datapoint); {result['wall']:.1f} s"
                )
            ratio = results[1]["peak_kib"] / results[0]["peak_kib"]
            memory_missed = ratio > TARGET_MEMORY_RATIO
            print(
                f"{verdict(not memory_missed)}  memory: peak RSS {large} / {small} datapoints = {ratio:.2f} x,"
                f" target <= {TARGET_MEMORY_RATIO} x"
            )

        missed = wall_ratio > TARGET_WALL_RATIO or cpu_ms > TARGET_CPU_MS
        if args.profile or args.profile_save or (missed and not args.no_profile):
            print()
            print(
                f"cProfile of one more run of ours ({args.datapoints} datapoints), every thread, CPU time per thread"
                f" (the profiler itself roughly doubles the CPU cost; read the shares):"
            )
            print(
                profile_threads(
                    lambda: run_ours(function, records, backend.url, args.workers, "bench-profile"),
                    args.profile_top,
                    args.profile_save,
                )
            )
        if not args.skip_memory and (args.profile or memory_missed):
            small = args.memory_sizes[0]
            print()
            print(
                f"tracemalloc of ours over {small} instant datapoints (fresh subprocess; tracing the large run takes"
                " too long, and what grows per datapoint shows at either size):"
            )
            traced = run_memory_child(backend.url, small, args.workers, trace=True, top=args.profile_top)
            phases = traced["phases"]
            per_dp = 1 / small / 1024

            def kib(name: str) -> str:
                return f"{phases[name] / 1024 / 1024:6.1f} MiB = {phases[name] * per_dp:5.2f} KiB per datapoint"

            print(f"  the caller's records, alive                     {kib('records')}")
            print(f"  peak while the pool runs                         {kib('pool_peak')}")
            print(f"  alive when the last datapoint finishes           {kib('pool_end')}")
            print(f"  peak while completing + reading the summary      {kib('completion_peak')}")
            print(f"  the summary as kept (read as it streams in)      {kib('summary_parsed')}")
            print(f"  alive after evaluate() returned (with result)    {kib('result')}")
            print("  biggest allocation sites alive when the last datapoint finishes (innermost first):")
            for row in traced["top"]:
                print(
                    f"  {row['size'] / 1024:8.1f} KiB {row['count']:>7} blocks  {' <- '.join(reversed(row['where']))}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())

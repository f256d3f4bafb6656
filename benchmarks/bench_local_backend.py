"""Benchmark: run summary and run comparison of ``honeyhive_local`` on two large runs.

Seeds two runs of ``--datapoints`` datapoints (default 10,000) with ``--metrics`` metrics each
(default 5) into a temporary SQLite file (WAL) behind an in-process :class:`LocalBackend`, then times
over real HTTP (httpx, loopback):

* ``GET /v1/runs/{new}/summary``           (target: under 1 s)
* ``GET /v1/runs/{new}/compare/{old}``     (target: under 1 s)

against two baselines measured in the same process, right before, on the same machine:

* ``trivial``: ``GET /v1/runs/{probe}``, a tiny run document: the HTTP round trip, auth and threadpool
  hop every request pays;
* ``read``: ``store.run_events(new run)`` in-process: SQLite reading and ``json.loads`` of the run's
  events, the floor any summary over stored documents pays.

Machines are shared and noisy, so the ratios to those baselines are the figures to compare across
machines and commits; the milliseconds are for this machine only. Nothing here asserts a time: the
PASS/MISS lines compare the median against the 1 s target from the issue and the exit status stays 0.

Seeding bypasses HTTP for speed (``store.upsert_events`` in big transactions). The documents written
are built to be exactly what ``POST /v1/sessions`` and ``POST /v1/events`` store, and that is checked
at start-up: one probe datapoint goes through the HTTP routes and its stored documents must be
byte-identical (as JSON) to the directly-built ones.

    .venv/bin/python benchmarks/bench_local_backend.py [--datapoints 10000] [--metrics 5] [--repeat 5]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import platform
import pstats
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.responses import JSONResponse

from honeyhive_local import LocalBackend, app, wire
from honeyhive_local.app import Project
from honeyhive_local.results import compare, summarize
from honeyhive_local.store import Store, to_record

TARGET_MS = 1000.0
API_KEY = "bench-local-backend-key"
SESSION_NAME = "bench-experiment"
CHAIN_EVENT_NAME = "answer_question"  # the user function's chain span, where evaluator metrics sit
SEED_BATCH_EVENTS = 5000  # events per SQLite transaction while seeding
SEED = 20240611

JsonDict = dict[str, Any]


# ----------------------------------------------------------------------------- synthetic data


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    kind: str  # "float" (0..1), "int" (1..5), "latency" (ms) or "bool"
    passing_range: Mapping[str, float] | None = None


BASE_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("accuracy", "float", {"min": 0.2}),
    MetricSpec("relevance", "int", {"min": 2}),
    MetricSpec("exact_match", "bool"),
    MetricSpec("latency_ms", "latency", {"max": 3800}),
    MetricSpec("toxicity", "float"),
)


def metric_specs(count: int) -> list[MetricSpec]:
    """The first five are the named mix above; any further ones are plain 0..1 scores without a range."""
    specs = list(BASE_METRICS[:count])
    specs += [MetricSpec(f"score_{i}", "float") for i in range(len(specs), count)]
    return specs


def draw(spec: MetricSpec, rng: random.Random) -> float | int | bool:
    if spec.kind == "float":
        return round(rng.random(), 3)
    if spec.kind == "int":
        return rng.randint(1, 5)
    if spec.kind == "latency":
        return rng.randint(150, 4000)
    return rng.random() < 0.6


def redraw(spec: MetricSpec, old: float | int | bool, rng: random.Random) -> float | int | bool:
    """The new run's value for a datapoint: often the same, otherwise a fresh draw (so improved,
    degraded and same are all non-empty)."""
    if spec.kind == "bool":
        return (not old) if rng.random() < 0.2 else old
    if rng.random() < 0.25:
        return old
    return draw(spec, rng)


def ext_id(text: str) -> str:
    return "EXT-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(slots=True)
class Datapoint:
    """One datapoint of one run: the two request bodies a client would POST for it."""

    session_body: JsonDict  # POST /v1/sessions
    event_body: JsonDict  # POST /v1/events


def datapoint_bodies(
    run_id: str,
    dataset_id: str,
    datapoint_id: str,
    index: int,
    metrics: Mapping[str, float | int | bool],
    errored: bool,
    rng: random.Random,
    start_ms: float,
) -> Datapoint:
    session_id = new_uuid(rng)
    inputs = {"query": f"question number {index}?", "context": f"context for datapoint {index}"}
    metadata = {"run_id": run_id, "dataset_id": dataset_id, "datapoint_id": datapoint_id}
    duration = float(rng.randint(100, 2000))
    session = {
        "session_id": session_id,
        "session_name": SESSION_NAME,
        "source": "evaluation",
        "start_time": start_ms,
        "inputs": inputs,
        "metadata": metadata,
    }
    event = {
        "event_type": "chain",
        "event_name": CHAIN_EVENT_NAME,
        "source": "evaluation",
        "event_id": new_uuid(rng),
        "session_id": session_id,
        "parent_id": session_id,
        "inputs": inputs,
        "outputs": {} if errored else {"answer": f"answer {index}"},
        "error": "ValueError: the model returned nothing" if errored else None,
        "start_time": start_ms,
        "end_time": start_ms + duration,
        "duration": duration,
        "metadata": metadata,
        "metrics": dict(metrics),
    }
    return Datapoint(session, event)


def session_document(project_id: str, body: Mapping[str, Any]) -> JsonDict:
    """What ``POST /v1/sessions`` stores, built by the route's own function."""
    return app.session_document(project_id, wire.StartSession.model_validate(body), float(body["start_time"]))


def event_document(project_id: str, body: Mapping[str, Any]) -> JsonDict:
    """What ``POST /v1/events`` stores, built by the route's own function."""
    return app.event_document(project_id, wire.CreateEvent.model_validate(body))


@dataclass(slots=True)
class SeededRun:
    run_id: str
    session_ids: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- seeding


def create_run(client: httpx.Client, run_id: str, name: str, dataset_id: str, specs: Sequence[MetricSpec]) -> None:
    body = {
        "run_id": run_id,
        "name": name,
        "status": "running",
        "metadata": {"offline_dataset_id": dataset_id, "benchmark": "bench_local_backend"},
        "passing_ranges": {s.name: dict(s.passing_range) for s in specs if s.passing_range},
    }
    response = client.post("/v1/runs", json=body)
    response.raise_for_status()


def finish_run(client: httpx.Client, run: SeededRun, dataset_id: str) -> None:
    """``PUT /v1/runs/{id}`` at the end of a run, as the SDK does: status and every session id."""
    body = {
        "status": "completed",
        "event_ids": run.session_ids,
        "metadata": {"offline_dataset_id": dataset_id, "benchmark": "bench_local_backend"},
    }
    client.put(f"/v1/runs/{run.run_id}", json=body).raise_for_status()


def check_document_shapes(client: httpx.Client, store: Store, project_id: str, dataset_id: str) -> str:
    """Send one probe datapoint through the HTTP routes and compare what they stored with the documents
    the seeder writes directly. Returns the probe run id (also the trivial-request baseline)."""
    probe_run = str(uuid.UUID(int=1, version=4))
    create_run(client, probe_run, "bench-probe", dataset_id, BASE_METRICS)
    rng = random.Random(SEED - 1)
    probe = datapoint_bodies(
        probe_run,
        dataset_id,
        ext_id("probe"),
        -1,
        {s.name: draw(s, rng) for s in BASE_METRICS},
        errored=False,
        rng=rng,
        start_ms=time.time() * 1000,
    )
    client.post("/v1/sessions", json=probe.session_body).raise_for_status()
    client.post("/v1/events", json=probe.event_body).raise_for_status()
    pairs = [
        ("session", session_document(project_id, probe.session_body), probe.session_body["session_id"]),
        ("chain event", event_document(project_id, probe.event_body), probe.event_body["event_id"]),
    ]
    for label, direct, event_id in pairs:
        via_http = store.get_event(project_id, event_id)
        if json.dumps(direct) != json.dumps(via_http):
            keys = sorted({k for k in direct.keys() | via_http.keys() if direct.get(k) != via_http.get(k)})
            order = list(direct) == list(via_http)
            raise SystemExit(
                f"seeded {label} document differs from what the HTTP route stores: keys {keys}, key order same={order}"
            )
    return probe_run


def seed_run(
    store: Store,
    project_id: str,
    run_id: str,
    dataset_id: str,
    datapoint_ids: Sequence[str],
    values: Sequence[Mapping[str, float | int | bool]],
    error_rate: float,
    rng: random.Random,
) -> SeededRun:
    run = SeededRun(run_id)
    batch: list[JsonDict] = []
    start_ms = time.time() * 1000
    for index, (datapoint_id, metrics) in enumerate(zip(datapoint_ids, values, strict=True)):
        bodies = datapoint_bodies(
            run_id, dataset_id, datapoint_id, index, metrics, rng.random() < error_rate, rng, start_ms + index
        )
        run.session_ids.append(bodies.session_body["session_id"])
        batch.append(session_document(project_id, bodies.session_body))
        batch.append(event_document(project_id, bodies.event_body))
        if len(batch) >= SEED_BATCH_EVENTS:
            store.upsert_events(project_id, batch, time.time())
            batch = []
    if batch:
        store.upsert_events(project_id, batch, time.time())
    return run


# ----------------------------------------------------------------------------- measuring


@dataclass(slots=True)
class Timing:
    label: str
    samples_ms: list[float]
    size_bytes: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def best(self) -> float:
        return min(self.samples_ms)


def time_http(client: httpx.Client, label: str, path: str, repeat: int) -> tuple[Timing, Any]:
    """Median/min wall time of ``GET path`` until the whole body is read; one untimed warm-up first."""
    warm = client.get(path)
    warm.raise_for_status()
    samples = []
    size = len(warm.content)
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.content)
    return Timing(label, samples, size), warm.json()


def time_call(label: str, call: Callable[[], object], repeat: int) -> Timing:
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(label, samples)


def size_text(size: int | None) -> str:
    if size is None:
        return "-"
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MiB"
    return f"{size / 1024:.1f} KiB"


def print_table(rows: Sequence[Timing], trivial: Timing, read: Timing) -> None:
    print(f"{'measurement':<44} {'median ms':>10} {'min ms':>9} {'x trivial':>10} {'x read':>8} {'response':>10}")
    for row in rows:
        print(
            f"{row.label:<44} {row.median:>10.1f} {row.best:>9.1f} {row.median / trivial.median:>10.1f}"
            f" {row.median / read.median:>8.2f} {size_text(row.size_bytes):>10}"
        )


def server_nodelay(backend: LocalBackend) -> str:
    """Whether the server set TCP_NODELAY on its accepted connections ("on"/"off"; "?" if not visible)."""
    try:
        connections = list(backend._server.server_state.connections)
        sock = connections[0].transport.get_extra_info("socket")
        return "on" if sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) else "off"
    except (AttributeError, IndexError, OSError):
        return "?"


def verdict(timing: Timing) -> str:
    status = "PASS" if timing.median < TARGET_MS else "MISS"
    figures = f"median {timing.median:.0f} ms (min {timing.best:.0f} ms)"
    return f"{status}  {timing.label}: {figures}, target < {TARGET_MS:.0f} ms"


def profile(call: Callable[[], object], top: int) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(call)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(top)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def summary_route_logic(store: Store, project_id: str, run_id: str) -> None:
    """What ``GET /v1/runs/{id}/summary`` does, minus HTTP: read, summarize, render JSON."""
    run = store.get_run(project_id, run_id)
    records = store.run_records(project_id, run_id, time.time())
    body = summarize(records, run.get("passing_ranges"), "average", run.get("status") or "pending")
    body["run_object"] = run
    JSONResponse(body)  # the endpoint's json.dumps


def compare_route_logic(store: Store, project_id: str, new_run_id: str, old_run_id: str) -> None:
    """What ``GET /v1/runs/{new}/compare/{old}`` does, minus HTTP: read both runs, compare, render JSON."""
    new_run = store.get_run(project_id, new_run_id)
    old_run = store.get_run(project_id, old_run_id)
    now = time.time()
    body = compare(store.run_records(project_id, old_run_id, now), store.run_records(project_id, new_run_id, now))
    body["old_run"], body["new_run"] = old_run, new_run
    JSONResponse(body)


def phase_breakdown(store: Store, project_id: str, new_run: str, old_run: str, repeat: int) -> list[Timing]:
    """In-process cost of each stage the two routes go through (min of the repeats is the steady figure)."""
    now = time.time()
    events = list(store.run_events(project_id, new_run, now))  # a generator: read it all, as a route does
    records = store.run_records(project_id, new_run, now)
    old_records = store.run_records(project_id, old_run, now)
    run = store.get_run(project_id, new_run)
    summary = summarize(records, run.get("passing_ranges"), "average", "completed")
    summary["run_object"] = run
    comparison = compare(old_records, records, "average")
    return [
        time_call("store.get_run (big run doc)", lambda: store.get_run(project_id, new_run), repeat),
        time_call(
            "store.run_events: SQL + json.loads", lambda: list(store.run_events(project_id, new_run, now)), repeat
        ),
        time_call("to_record over the run's events", lambda: [to_record(e) for e in events], repeat),
        time_call(
            "results.summarize", lambda: summarize(records, run.get("passing_ranges"), "average", "done"), repeat
        ),
        time_call("JSON render of the summary body", lambda: JSONResponse(summary), repeat),
        time_call("results.compare", lambda: compare(old_records, records, "average"), repeat),
        time_call("JSON render of the compare body", lambda: JSONResponse(comparison), repeat),
    ]


# ----------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--datapoints", type=int, default=10_000, help="datapoints per run (default 10000)")
    parser.add_argument("--metrics", type=int, default=5, help="metrics per datapoint (default 5)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per measurement (default 5)")
    parser.add_argument("--profile-top", type=int, default=15, help="rows of the cProfile listing (default 15)")
    args = parser.parse_args(argv)
    if args.datapoints < 1 or args.metrics < 1 or args.repeat < 1:
        parser.error("--datapoints, --metrics and --repeat must be at least 1")
    return args


def print_sanity(summary_body: Mapping[str, Any], compare_body: Mapping[str, Any]) -> None:
    """What the two responses say, so a fast-but-wrong answer is visible."""
    print("sanity")
    print(
        f"  summary: {len(summary_body['datapoints'])} datapoints, {len(summary_body['passed'])} passed,"
        f" {len(summary_body['failed'])} failed, success={summary_body['success']}"
    )
    for detail in summary_body["metrics"]["details"]:
        print(
            f"    {detail['metric_name']:<12} aggregate={detail['aggregate']:<10.4f}"
            f" values={len(detail['values']):<6} failed={len(detail['datapoints']['failed'])}"
        )
    print(f"  compare: {len(compare_body['commonDatapoints'])} common datapoints")
    for metric in compare_body["metrics"]:
        change = metric["percentage_change"]
        print(
            f"    {metric['metric_name']:<12} improved={metric['improved_count']:<5}"
            f" degraded={metric['degraded_count']:<5} same={metric['same_count']:<5}"
            f" change={'n/a' if change is None else f'{change:+.2f}%'}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    specs = metric_specs(args.metrics)
    project_id = Project.for_key(API_KEY).project_id
    rng = random.Random(SEED)
    dataset_id = ext_id("bench-dataset")
    datapoint_ids = [ext_id(f"bench-datapoint-{i}") for i in range(args.datapoints)]
    old_values = [{s.name: draw(s, rng) for s in specs} for _ in datapoint_ids]
    new_values = [{s.name: redraw(s, row[s.name], rng) for s in specs} for row in old_values]
    old_run_id, new_run_id = new_uuid(rng), new_uuid(rng)

    print("honeyhive_local benchmark: run summary and comparison")
    print(
        f"python {platform.python_version()} on {platform.system()} {platform.machine()},"
        f" {os.cpu_count()} CPUs, sqlite {sqlite3.sqlite_version}"
    )
    print(f"{args.datapoints} datapoints x 2 runs, {args.metrics} metrics each, {args.repeat} timed repetitions")

    with tempfile.TemporaryDirectory(prefix="bench-hh-local-") as tmp:
        db_path = Path(tmp) / "bench.db"
        with (
            LocalBackend(db=str(db_path), api_key=API_KEY) as backend,
            httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=300) as client,
        ):
            store = backend.store
            with closing(sqlite3.connect(db_path)) as peek:
                journal = peek.execute("PRAGMA journal_mode").fetchone()[0]
            print(f"backend {backend.url}, SQLite file {db_path} (journal_mode={journal})")

            probe_run = check_document_shapes(client, store, project_id, dataset_id)
            print("document shapes: one probe datapoint sent through POST /v1/sessions + POST /v1/events is stored")
            print("  byte-identical to the documents the seeder writes directly")

            started = time.perf_counter()
            for run_id, name, values, error_rate in (
                (old_run_id, "bench-old", old_values, 0.0),
                (new_run_id, "bench-new", new_values, 0.01),
            ):
                create_run(client, run_id, name, dataset_id, specs)
                run = seed_run(store, project_id, run_id, dataset_id, datapoint_ids, values, error_rate, rng)
                finish_run(client, run, dataset_id)
            seconds = time.perf_counter() - started
            print(
                f"seeded {4 * args.datapoints} events ({2 * args.datapoints} sessions + {2 * args.datapoints} chain"
                f" events) in {seconds:.1f} s, BYPASSING HTTP: store.upsert_events, {SEED_BATCH_EVENTS} events per"
                " transaction (runs were created and completed over HTTP)"
            )
            db_size = sum(p.stat().st_size for p in Path(tmp).iterdir())
            print(f"database on disk (db + wal): {size_text(db_size)}")
            print()

            trivial, _ = time_http(
                client, "GET /v1/runs/{probe} [baseline trivial]", f"/v1/runs/{probe_run}", args.repeat
            )
            read = time_call(
                "store.run_events(new) [baseline read]",
                lambda: list(store.run_events(project_id, new_run_id, time.time())),
                args.repeat,
            )
            big_run, _ = time_http(
                client, f"GET /v1/runs/{{new}} ({args.datapoints} event_ids)", f"/v1/runs/{new_run_id}", args.repeat
            )
            summary, summary_body = time_http(
                client, "GET /v1/runs/{new}/summary", f"/v1/runs/{new_run_id}/summary", args.repeat
            )
            comparison, compare_body = time_http(
                client, "GET /v1/runs/{new}/compare/{old}", f"/v1/runs/{new_run_id}/compare/{old_run_id}", args.repeat
            )

            print("timings over HTTP unless noted (median and min of the repeats; ratios are median / baseline median)")
            print_table([trivial, read, big_run, summary, comparison], trivial, read)
            nodelay = server_nodelay(backend)
            print(f"server side of the keep-alive connection: TCP_NODELAY={nodelay}")
            if nodelay == "off" and trivial.median > 20:
                print(
                    f"note: the trivial request takes {trivial.median:.0f} ms on loopback: small responses stall on"
                    " Nagle + the client's delayed ACK (uvicorn writes headers and body separately). LocalBackend"
                    f" binds its socket with proto={backend._socket.proto}, so asyncio skips TCP_NODELAY on accepted"
                    " connections. 'x trivial' understates every ratio here; compare across runs with 'x read'."
                )
            print()
            print(verdict(summary))
            print(verdict(comparison))
            print()

            print_sanity(summary_body, compare_body)
            print()

            print("in-process stages (no HTTP)                    min ms  median ms")
            for stage in phase_breakdown(store, project_id, new_run_id, old_run_id, args.repeat):
                print(f"  {stage.label:<42} {stage.best:>8.1f} {stage.median:>10.1f}")
            print()

            print(
                f"cProfile of one summary in-process (get_run + store.run_records + results.summarize + JSON render),"
                f" top {args.profile_top} by cumulative time:"
            )
            print(profile(lambda: summary_route_logic(store, project_id, new_run_id), args.profile_top))
            print()
            print(
                f"cProfile of one compare in-process (2 x get_run + 2 x store.run_records + results.compare + JSON"
                f" render), top {args.profile_top} by cumulative time:"
            )
            print(profile(lambda: compare_route_logic(store, project_id, new_run_id, old_run_id), args.profile_top))
    return 0


if __name__ == "__main__":
    sys.exit(main())

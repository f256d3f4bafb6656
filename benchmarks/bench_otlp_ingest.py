"""Benchmark: one OTLP export of many spans that share one session, and a small request during it.

Issue 14 (2): one export of N spans in one session cost O(N²) under the store's lock (2,000 spans 0.6 s,
16,000 spans 55 s) while every other client waited. This prints, against baselines measured in the same
run on the same machine:

* the time of one ``POST /opentelemetry/v1/traces`` of ``--small`` (2,000) and of ``--large`` (16,000)
  spans of one session (protobuf, every span carrying the SDK's ``honeyhive_*`` attributes), and their
  ratio: linear ingest gives about ``large / small`` (8), quadratic about its square (64);
* the wait of a small request (``GET /v1/runs/{id}``) sent repeatedly while the large export runs: its
  worst and median latency, as a ratio to the same request on an idle server.

Nothing asserts a time (tests/README.md); the machines are shared and noisy, so compare the ratios.

    .venv/bin/python benchmarks/bench_otlp_ingest.py [--small 2000] [--large 16000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from honeyhive_local import LocalBackend

API_KEY = "bench-otlp-key"
OTLP = "/opentelemetry/v1/traces"
PROTOBUF = {"Content-Type": "application/x-protobuf"}


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def export_body(spans: int, run_id: str, session_id: str) -> bytes:
    """One ExportTraceServiceRequest of ``spans`` spans of one session, as the SDK's tracer sends them."""
    request = ExportTraceServiceRequest()
    scope = request.resource_spans.add().scope_spans.add()
    trace_id = uuid.uuid4().bytes
    for i in range(spans):
        span = scope.spans.add()
        span.trace_id = trace_id
        span.span_id = i.to_bytes(8, "big")
        span.name = f"step_{i % 20}"
        span.start_time_unix_nano = 1_700_000_000_000_000_000 + i * 1_000
        span.end_time_unix_nano = span.start_time_unix_nano + 500
        attributes = {
            "honeyhive.session_id": session_id,
            "honeyhive.project": "bench",
            "honeyhive.source": "evaluation",
            "honeyhive_event_type": "tool" if i % 4 else "chain",
            "honeyhive_metadata.run_id": run_id,
            "honeyhive_metadata.datapoint_id": "dp-1",
            "honeyhive_inputs.messages.0.role": "user",
            "honeyhive_inputs.messages.0.content": f"question {i}",
            "honeyhive_outputs.answer": "42",
            "honeyhive_metrics.accuracy": (i % 10) / 10,
            "honeyhive_config.model": "m-1",
        }
        span.attributes.extend(_kv(k, v) for k, v in attributes.items())
    body: bytes = request.SerializeToString()
    return body


def _export(client: httpx.Client, body: bytes) -> float:
    start = time.perf_counter()
    response = client.post(OTLP, content=body, headers=PROTOBUF)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"export failed: {response.status_code} {response.text[:300]}")
    return elapsed


def _small(client: httpx.Client, run_id: str) -> float:
    start = time.perf_counter()
    response = client.get(f"/v1/runs/{run_id}")
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"small request failed: {response.status_code}")
    return elapsed


def _new_run(client: httpx.Client) -> str:
    run_id = str(uuid.uuid4())
    if client.post("/v1/runs", json={"run_id": run_id, "name": "bench"}).status_code != 200:
        raise SystemExit("could not create a run")
    return run_id


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=2_000, help="spans in the baseline export (default 2000)")
    parser.add_argument("--large", type=int, default=16_000, help="spans in the large export (default 16000)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-otlp-") as tmp:
        db = str(Path(tmp) / "bench.sqlite")
        with (
            LocalBackend(db, API_KEY) as backend,
            httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=600) as client,
            httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=600) as other,
        ):
            probe = _new_run(other)
            idle = statistics.median(_small(other, probe) for _ in range(50))

            _export(client, export_body(50, _new_run(client), str(uuid.uuid4())))  # warm-up
            small_run, large_run = _new_run(client), _new_run(client)
            small_body = export_body(args.small, small_run, str(uuid.uuid4()))
            large_body = export_body(args.large, large_run, str(uuid.uuid4()))
            small_time = _export(client, small_body)

            waits: list[float] = []
            done = threading.Event()

            def poll() -> None:
                while not done.is_set():
                    waits.append(_small(other, probe))

            poller = threading.Thread(target=poll, name="small-requests")
            poller.start()
            try:
                large_time = _export(client, large_body)
            finally:
                done.set()
                poller.join()

            stored = client.post(
                "/v1/events/export",
                json={
                    "filters": [{"field": "metadata.run_id", "operator": "is", "value": large_run, "type": "string"}],
                    "limit": 1,
                },
            ).json()["totalEvents"]

    spans_ratio = args.large / args.small
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s); SQLite file in WAL mode; protobuf bodies")
    print(f"export of {args.small:>6} spans, one session: {small_time * 1000:9.1f} ms  (baseline)")
    print(f"export of {args.large:>6} spans, one session: {large_time * 1000:9.1f} ms  ({stored} events stored)")
    print(
        f"time ratio large/small: {large_time / small_time:.1f}  "
        f"(spans ratio {spans_ratio:.0f}: linear ~{spans_ratio:.0f}, quadratic ~{spans_ratio**2:.0f})"
    )
    print(f"small request on an idle server: {idle * 1000:.2f} ms (baseline)")
    if waits:
        worst, median = max(waits), statistics.median(waits)
        print(
            f"small requests during the large export: {len(waits)}, median {median * 1000:.1f} ms "
            f"(x{median / idle:.0f} idle), worst {worst * 1000:.1f} ms (x{worst / idle:.0f} idle)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: adding a datapoint to a large dataset costs what adding it to an empty one does.

Issue 21 (10): ``POST /v1/datapoints`` with ``linked_datasets`` took the new member's position from
``MAX(position)`` over the dataset's rows, a scan of the whole dataset per insert (O(n) each, O(n²) to build
one). This prints, against a baseline measured in the same run on the same machine:

* ``small``: ``--inserts`` datapoints added over HTTP to an empty dataset (the baseline);
* ``large``: as many added to a dataset that already holds ``--size`` datapoints;

and the ratio large / small: about 1 when an insert is O(1) (or O(log n)), about ``size / inserts`` times
worse when each insert scans the dataset. The large dataset is seeded in-process with
``Store.create_dataset`` (one transaction, no per-row ``MAX``), on a temporary SQLite file (WAL), as
``honeyhive_local serve --db`` keeps it. Nothing asserts a time (tests/README.md): compare the ratios.

    .venv/bin/python benchmarks/bench_dataset_insert.py [--size 200000] [--inserts 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from honeyhive_local import LocalBackend
from honeyhive_local.app import Project

API_KEY = "bench-dataset-insert-key"


def insert(client: httpx.Client, dataset_id: str, count: int) -> float:
    """Seconds for ``count`` ``POST /v1/datapoints`` linked to ``dataset_id``."""
    started = time.perf_counter()
    for i in range(count):
        response = client.post("/v1/datapoints", json={"inputs": {"i": i}, "linked_datasets": [dataset_id]})
        response.raise_for_status()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=200_000, help="datapoints already in the large dataset")
    parser.add_argument("--inserts", type=int, default=300, help="datapoints added per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each (the median is reported)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-dataset-insert-") as tmp:
        db = str(Path(tmp) / "local.db")
        with (
            LocalBackend(db, API_KEY) as backend,
            httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=600) as client,
        ):
            project = Project.for_key(API_KEY).project_id
            started = time.perf_counter()
            large = backend.store.create_dataset(project, "large", None, [f"seed-{i}" for i in range(args.size)])
            print(f"seeded a dataset of {args.size:,} datapoints in {time.perf_counter() - started:.1f} s (in-process)")
            client.post("/v1/datapoints", json={"inputs": {}}).raise_for_status()  # warm-up
            small_times, large_times = [], []
            for round_ in range(args.repeat):  # interleaved: load on the machine hits both alike
                small = client.post("/v1/datasets", json={"name": f"small-{round_}"}).json()["result"]["insertedId"]
                small_times.append(insert(client, small, args.inserts))
                large_times.append(insert(client, large["id"], args.inserts))
            size = len(backend.store.get_dataset(project, large["id"])["datapoints"])
            assert size == args.size + args.repeat * args.inserts, size

    small_ms = statistics.median(small_times) * 1000 / args.inserts
    large_ms = statistics.median(large_times) * 1000 / args.inserts
    print(f"Python {sys.version.split()[0]}, {args.inserts} inserts x {args.repeat} rounds (median)")
    print(f"  small (empty dataset)          {small_ms:8.2f} ms per insert")
    print(f"  large ({args.size:>9,} datapoints) {large_ms:8.2f} ms per insert")
    print(f"  ratio large / small            {large_ms / small_ms:8.2f} x  (O(1) inserts: about 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""32 client threads writing at once lose nothing: every write is readable exactly once afterwards.

Each thread has its own httpx client (its own connections) and, released together by a barrier,
creates a run, starts sessions, posts events, sends an OTLP span per session, updates the sessions
and completes its run. Afterwards the export and the paginated run listing are counted.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY, ok
from tests.honeyhive_local.otlp import export_events, otlp_json_body, otlp_json_span

pytestmark = pytest.mark.integration

THREADS = 32
SESSIONS_PER_THREAD = 3
EVENTS_PER_SESSION = 2
EVENTS_PER_SESSION_TOTAL = 1 + EVENTS_PER_SESSION + 1  # the session, the posted events, the span


@dataclass
class Written:
    index: int
    run_id: str
    session_ids: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)  # ids the server handed back (sessions and events)
    span_names: list[str] = field(default_factory=list)


def _worker(url: str, index: int, barrier: threading.Barrier) -> Written:
    written = Written(index, str(uuid.uuid4()))
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60) as client:
        barrier.wait(timeout=30)
        ok(
            client.post(
                "/v1/runs",
                json={
                    "run_id": written.run_id,
                    "name": f"concurrent-{index:02d}",
                    "status": "running",
                    "metadata": {"worker": index},
                },
            )
        )
        for s in range(SESSIONS_PER_THREAD):
            datapoint = f"dp-{index}-{s}"
            metadata = {"run_id": written.run_id, "datapoint_id": datapoint}
            session = ok(
                client.post(
                    "/v1/sessions",
                    json={
                        "session_id": str(uuid.uuid4()),
                        "session_name": f"s-{index}-{s}",
                        "source": "evaluation",
                        "metadata": metadata,
                    },
                )
            )["session_id"]
            written.session_ids.append(session)
            written.event_ids.append(session)
            for e in range(EVENTS_PER_SESSION):
                event_id = ok(
                    client.post(
                        "/v1/events",
                        json={
                            "event_type": "tool",
                            "event_name": f"step-{e}",
                            "session_id": session,
                            "inputs": {"worker": index, "session": s, "step": e},
                            "metadata": metadata,
                        },
                    )
                )["event_id"]
                written.event_ids.append(event_id)
            span_name = f"chain-{index}-{s}"
            span = otlp_json_span(
                trace_id=uuid.uuid4().hex,
                span_id=uuid.uuid4().hex[:16],
                name=span_name,
                attributes={
                    "honeyhive.session_id": session,
                    "honeyhive_event_type": "chain",
                    "honeyhive_event_name": span_name,
                    "honeyhive_metrics.score": index + s / 10,
                    "honeyhive_metadata.run_id": written.run_id,
                    "honeyhive_metadata.datapoint_id": datapoint,
                },
            )
            ok(
                client.post(
                    "/opentelemetry/v1/traces",
                    content=otlp_json_body([span]),
                    headers={"Content-Type": "application/json"},
                )
            )
            written.span_names.append(span_name)
            ok(client.put("/events", json={"event_id": session, "outputs": {"worker": index, "session": s}}))
        ok(
            client.put(
                f"/v1/runs/{written.run_id}",
                json={"status": "completed", "event_ids": written.session_ids, "metadata": {"worker": index}},
            )
        )
    return written


@pytest.fixture(params=["memory", "file"])
def shared_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalBackend]:
    db = ":memory:" if request.param == "memory" else str(tmp_path / "concurrency.sqlite")
    with LocalBackend(db, API_KEY) as backend:
        yield backend


def test_concurrent_clients_lose_nothing(shared_backend: LocalBackend) -> None:
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_worker, shared_backend.url, i, barrier) for i in range(THREADS)]
        results = [f.result(timeout=120) for f in futures]

    with httpx.Client(base_url=shared_backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60) as c:
        # events: every write exactly once
        events = export_events(c)
        assert len(events) == THREADS * SESSIONS_PER_THREAD * EVENTS_PER_SESSION_TOTAL
        counts = Counter(e["event_id"] for e in events)
        assert [i for i, n in counts.items() if n > 1] == []
        exported = {e["event_id"]: e for e in events}
        known = [i for w in results for i in w.event_ids]
        assert len(set(known)) == len(known), "the server handed out an id twice"
        assert [i for i in known if i not in exported] == []
        span_names = Counter(e["event_name"] for e in events if e["event_type"] == "chain")
        assert span_names == Counter(n for w in results for n in w.span_names)
        for w in results:
            for s, session in enumerate(w.session_ids):
                assert exported[session]["outputs"] == {"worker": w.index, "session": s}

        # runs: paginate the listing, every run exactly once, with its final state
        seen: list[dict[str, Any]] = []
        page = 1
        while True:
            body = ok(c.get("/v1/runs", params={"limit": 7, "page": page, "sort_order": "asc"}))
            assert body["pagination"]["total"] == THREADS
            seen.extend(body["evaluations"])
            if not body["pagination"]["has_next"]:
                break
            page += 1
        assert page == body["pagination"]["total_pages"] == -(-THREADS // 7)
        assert sorted(r["run_id"] for r in seen) == sorted(w.run_id for w in results)
        by_run = {r["run_id"]: r for r in seen}
        for w in results:
            run = by_run[w.run_id]
            assert run["status"] == "completed"
            assert run["event_ids"] == w.session_ids
            assert run["metadata"] == {"worker": w.index}

        # per run: its own events only, every datapoint scored once
        for w in results[:: THREADS // 8]:
            run_events = export_events(c, w.run_id)
            assert len(run_events) == SESSIONS_PER_THREAD * EVENTS_PER_SESSION_TOTAL
            summary = ok(c.get(f"/v1/runs/{w.run_id}/summary"))
            assert sorted(d["datapoint_id"] for d in summary["datapoints"]) == [
                f"dp-{w.index}-{s}" for s in range(SESSIONS_PER_THREAD)
            ]
            details = summary["metrics"]["details"]  # one per (metric, event name): chain-<worker>-<session>
            assert {d["metric_name"] for d in details} == {"score"}
            values = sorted(v for d in details for v in d["values"])
            assert values == pytest.approx([w.index + s / 10 for s in range(SESSIONS_PER_THREAD)])

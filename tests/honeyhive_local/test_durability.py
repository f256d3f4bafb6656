"""Durability: write through HTTP, stop the server, start it on the same SQLite file, read everything back.

Once in-process (:class:`LocalBackend`) and once through the real command line
(``python -m honeyhive_local serve --port 0``), stopped with SIGTERM.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY, OTHER_API_KEY, ok
from tests.honeyhive_local.otlp import (
    export_events,
    honeyhive_chain_attributes,
    otel_pipeline,
    otlp_json_body,
    otlp_json_span,
)

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


def _client(url: str, key: str = API_KEY) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@dataclass
class Written:
    run: str = field(default_factory=lambda: str(uuid.uuid4()))
    baseline: str = field(default_factory=lambda: str(uuid.uuid4()))
    deleted: str = field(default_factory=lambda: str(uuid.uuid4()))
    other_run: str = field(default_factory=lambda: str(uuid.uuid4()))
    dataset: str = ""
    datapoints: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)


def _span(session: str, run: str, datapoint: str, accuracy: float, exact: bool) -> dict[str, Any]:
    return otlp_json_span(
        trace_id=uuid.uuid4().hex,
        span_id=uuid.uuid4().hex[:16],
        name="answer_question",
        attributes={
            "honeyhive.session_id": session,
            "honeyhive_event_type": "chain",
            "honeyhive_inputs.messages.0.role": "user",
            "honeyhive_inputs.messages.0.content": f"question for {datapoint}",
            "honeyhive_outputs.answer": "42",
            "honeyhive_metrics.accuracy": accuracy,
            "honeyhive_metrics.exact": exact,
            "honeyhive_metadata.run_id": run,
            "honeyhive_metadata.datapoint_id": datapoint,
            "honeyhive_config.model": "m-1",
        },
    )


def write_everything(client: httpx.Client, other: httpx.Client) -> Written:
    """Runs (metadata, passing ranges), a dataset with datapoints, sessions, events and OTLP spans."""
    w = Written()
    w.dataset = ok(client.post("/v1/datasets", json={"name": "durable", "description": "kept"}))["result"]["insertedId"]
    for i in range(3):
        body = {"inputs": {"q": f"q{i}"}, "ground_truth": {"a": str(i)}, "metadata": {"i": i}}
        inserted = ok(client.post("/v1/datapoints", json={**body, "linked_datasets": [w.dataset]}))
        w.datapoints.append(inserted["result"]["insertedId"])

    ok(
        client.post(
            "/v1/runs",
            json={
                "run_id": w.run,
                "name": "durable-run",
                "status": "running",
                "dataset_id": w.dataset,
                "metadata": {"branch": "feature/x", "commit": "c0ffee", "nested": {"list": [1, 2.5, None, "s"]}},
                "configuration": {"model": "m-1"},
                "passing_ranges": {"accuracy": {"min": 0.5, "max": 1.0}, "exact": {"min": 1}},
            },
        )
    )
    ok(
        client.post(
            "/v1/runs",
            json={
                "run_id": w.baseline,
                "name": "durable-baseline",
                "status": "completed",
                "metadata": {"branch": "main", "offline_dataset_id": "EXT-1331f3d317977964"},
            },
        )
    )
    ok(client.post("/v1/runs", json={"run_id": w.deleted, "name": "durable-deleted"}))
    ok(client.delete(f"/v1/runs/{w.deleted}"))

    scores = {w.run: [(0.9, True), (0.4, False), (0.7, True)], w.baseline: [(0.6, True), (0.5, False), (0.2, False)]}
    for run, values in scores.items():
        for i, (accuracy, exact) in enumerate(values):
            session = str(uuid.uuid4())
            w.sessions.append(session)
            metadata = {"run_id": run, "dataset_id": w.dataset, "datapoint_id": w.datapoints[i]}
            if i == 0:  # the legacy route the SDK 1.x calls
                started = ok(
                    client.post(
                        "/session/start",
                        json={"session": {"session_id": session, "session_name": "s", "metadata": metadata}},
                    )
                )
            else:
                started = ok(
                    client.post(
                        "/v1/sessions",
                        json={"session_id": session, "session_name": "s", "inputs": {"i": i}, "metadata": metadata},
                    )
                )
            assert started["session_id"] == session
            ok(
                client.post(
                    "/v1/events",
                    json={
                        "event_type": "tool",
                        "event_name": "retrieve",
                        "session_id": session,
                        "inputs": {"k": 3},
                        "outputs": {"docs": ["a", "b"]},
                        "metrics": {"latency_ms": 10 * (i + 1)},
                        "metadata": metadata,
                    },
                )
            )
            span = _span(session, run, w.datapoints[i], accuracy, exact)
            w.spans.append(span)
            ok(client.post("/opentelemetry/v1/traces", content=otlp_json_body([span]), headers=JSON))
            ok(
                client.put(
                    "/events",
                    json={"event_id": session, "outputs": {"answer": "42"}, "feedback": {"ground_truth": str(i)}},
                )
            )
    run_sessions = w.sessions[:3]
    ok(
        client.put(
            f"/v1/runs/{w.run}",
            json={
                "status": "completed",
                "event_ids": run_sessions,
                "metadata": {"branch": "feature/x", "commit": "c0ffee", "nested": {"list": [1, 2.5, None, "s"]}},
            },
        )
    )
    orphan = otlp_json_span(trace_id="9" * 32, span_id="8" * 16, name="orphan", attributes={"x": 1})
    ok(client.post("/opentelemetry/v1/traces", content=otlp_json_body([orphan]), headers=JSON))

    ok(other.post("/v1/runs", json={"run_id": w.other_run, "name": "other-project-run", "metadata": {"p": "b"}}))
    return w


def read_everything(client: httpx.Client, other: httpx.Client, w: Written) -> dict[str, Any]:
    """Every read the API offers over what ``write_everything`` wrote, keyed by request."""
    paths = [
        "/v1/runs?limit=100",
        "/v1/runs?limit=2&page=2&sort_by=name&sort_order=asc",
        "/v1/datasets",
        f"/v1/datasets?dataset_id={w.dataset}",
        f"/v1/datapoints?dataset_id={w.dataset}",
        *(f"/v1/datapoints/{d}" for d in w.datapoints),
        *(f"/v1/events/{s}" for s in w.sessions),
        f"/v1/runs/{w.run}/compare/{w.baseline}",
        f"/v1/runs/{w.run}/compare-with/{w.baseline}?aggregate_function=median",
        "/_local/stats",
    ]
    for run in (w.run, w.baseline):
        paths += [
            f"/v1/runs/{run}",
            f"/v1/runs/{run}/summary",
            f"/v1/runs/{run}/summary?aggregate_function=p90",
            f"/v1/runs/{run}/result?aggregate_function=sum",
            f"/v1/runs/{run}/metrics",
        ]
    state: dict[str, Any] = {path: ok(client.get(path)) for path in paths}
    deleted = client.get(f"/v1/runs/{w.deleted}")
    state["deleted run"] = deleted.status_code
    state["export"] = export_events(client)
    for run in (w.run, w.baseline):
        state[f"export {run}"] = export_events(client, run)
    state["other project runs"] = ok(other.get("/v1/runs"))
    return state


def _check_content(state: dict[str, Any], w: Written, extra_events: int = 0) -> None:
    """The reads are about the data written (so comparing them after a restart means something)."""
    runs = state["/v1/runs?limit=100"]
    assert [r["name"] for r in runs["evaluations"]] == ["durable-baseline", "durable-run"]
    run = state[f"/v1/runs/{w.run}"]["evaluation"]
    assert run["status"] == "completed"
    assert run["metadata"]["nested"] == {"list": [1, 2.5, None, "s"]}
    assert run["event_ids"] == w.sessions[:3]
    assert run["dataset_name"] == "durable"
    summary = state[f"/v1/runs/{w.run}/summary"]
    ranges = {d["metric_name"]: d.get("passing_range") for d in summary["metrics"]["details"]}  # as the run took them
    assert (ranges["accuracy"]["min"], ranges["accuracy"]["max"]) == (0.5, 1.0)
    assert (ranges["exact"]["min"], ranges["exact"].get("max")) == (1, None)
    accuracy = next(d for d in summary["metrics"]["details"] if d["metric_name"] == "accuracy")
    assert accuracy["aggregate"] == pytest.approx((0.9 + 0.4 + 0.7) / 3)
    assert sorted(summary["failed"]) == [w.datapoints[1]]
    assert summary["success"] is False
    compare = state[f"/v1/runs/{w.run}/compare/{w.baseline}"]
    assert sorted(compare["commonDatapoints"]) == sorted(w.datapoints)
    assert state["deleted run"] == 404
    assert len(state["export"]) == 6 * 3 + extra_events  # 6 sessions, each: session + tool event + span
    assert state["/_local/stats"]["counters"] == {"dropped_spans": 1}
    assert [r["run_id"] for r in state["other project runs"]["evaluations"]] == [w.other_run]
    spans = [e for e in state[f"export {w.run}"] if e["event_name"] == "answer_question"]
    assert spans[0]["inputs"] == {"messages": [{"role": "user", "content": f"question for {w.datapoints[0]}"}]}


def _after_restart_writes_still_work(client: httpx.Client, w: Written, before: dict[str, Any]) -> None:
    # a span re-sent after the restart updates its event instead of duplicating it
    ok(client.post("/opentelemetry/v1/traces", content=otlp_json_body([w.spans[0]]), headers=JSON))
    assert len(export_events(client)) == len(before["export"])
    # a new run is the newest one: the creation order survived the restart
    new_run = str(uuid.uuid4())
    ok(client.post("/v1/runs", json={"run_id": new_run, "name": "after-restart"}))
    listing = ok(client.get("/v1/runs", params={"limit": 100}))
    assert [r["run_id"] for r in listing["evaluations"]] == [new_run, w.baseline, w.run]
    assert listing["pagination"]["total"] == 3


def test_restart_on_the_same_file_reads_everything_back(tmp_path: Path) -> None:
    db = str(tmp_path / "durable.sqlite")
    with (
        LocalBackend(db, API_KEY, extra_api_keys=(OTHER_API_KEY,)) as first,
        _client(first.url) as client,
        _client(first.url, OTHER_API_KEY) as other,
    ):
        w = write_everything(client, other)
        # and a span through the real OpenTelemetry exporter
        session = str(uuid.uuid4())
        with (
            otel_pipeline(first) as (tracer, _),
            tracer.start_as_current_span(
                "answer_question", attributes=honeyhive_chain_attributes(session, str(uuid.uuid4()), "dp-x", "ds-x")
            ),
        ):
            pass
        before = read_everything(client, other, w)

    assert Path(db).stat().st_size > 0
    with (
        LocalBackend(db, API_KEY, extra_api_keys=(OTHER_API_KEY,)) as second,
        _client(second.url) as client,
        _client(second.url, OTHER_API_KEY) as other,
    ):
        after = read_everything(client, other, w)
        assert [k for k in before if before[k] != after[k]] == []
        assert after == before
        _check_content(after, w, extra_events=1)  # plus the exporter's span
        _after_restart_writes_still_work(client, w, before)


# ----------------------------------------------------------------------------- the real command line


FILE_SIZE_LIMIT = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails (EFBIG), as on a full disk (ENOSPC)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.argv = ["honeyhive_local", *sys.argv[2:]]
runpy.run_module("honeyhive_local", run_name="__main__", alter_sys=True)
"""


@contextmanager
def serve_cli(db: Path, *, file_size_limit: int | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m honeyhive_local serve --port 0`` as a subprocess; yields it and the URL it printed.
    ``file_size_limit``: no file it writes may grow past so many bytes."""
    program = ["-m", "honeyhive_local"] if file_size_limit is None else ["-c", FILE_SIZE_LIMIT, str(file_size_limit)]
    process = subprocess.Popen(
        [
            sys.executable,
            *program,
            "serve",
            "--port",
            "0",
            "--db",
            str(db),
            "--api-key",
            API_KEY,
            "--api-key",
            OTHER_API_KEY,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: lines.put(process.stdout.readline() if process.stdout else ""))
    reader.start()
    try:
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            pytest.fail("the CLI printed nothing within 30 s")
        match = re.search(r"serving on (http://127\.0\.0\.1:(\d+))\b", line)
        assert match, f"no URL in the CLI's first line: {line!r} (stderr: {process.stderr})"
        assert int(match.group(2)) != 0, f"the CLI printed port 0 instead of the port it bound: {line!r}"
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        reader.join(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def _terminate(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("the CLI did not exit within 15 s of SIGTERM")
    assert code == 0, f"the CLI exited with {code} on SIGTERM"


def test_cli_survives_sigterm_and_restart(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite"
    with serve_cli(db) as (process, url):
        with _client(url) as client, _client(url, OTHER_API_KEY) as other:
            w = write_everything(client, other)
            before = read_everything(client, other, w)
            _check_content(before, w)
        _terminate(process)

    with serve_cli(db) as (process, url), _client(url) as client, _client(url, OTHER_API_KEY) as other:
        after = read_everything(client, other, w)
        assert [k for k in before if before[k] != after[k]] == []
        assert after == before
        _after_restart_writes_still_work(client, w, before)
        _terminate(process)


def test_a_database_that_cannot_grow_answers_with_sqlites_words_and_logs_one_line(tmp_path: Path) -> None:
    """A full disk: each refused write was an "Exception in ASGI application" traceback in the server's log (138
    of them in a dry run's output) and a 500 saying only "internal error: OperationalError", naming neither the
    file nor what SQLite said (a database locked by another process ended the same way, after a minute)."""
    db = tmp_path / "full.sqlite"
    with serve_cli(db, file_size_limit=300_000) as (process, url), _client(url) as client:
        for _ in range(50):  # 50 KB each: the file reaches the limit well before
            response = client.post("/v1/datapoints", json={"datapoint": {"inputs": {"text": "x" * 50_000}}})
            if response.status_code != 200:
                break
        refused = f"OperationalError from the database {db}: "
        assert response.status_code == 507, response.text  # Insufficient Storage: no retry can help, none is made
        assert response.json()["error"].startswith(f"internal error: {refused}")  # then SQLite's words
        _terminate(process)
        log = process.stderr.read() if process.stderr else ""
    assert "Traceback" not in log
    [line] = log.splitlines()
    assert line.startswith(f"POST /v1/datapoints: {refused}")

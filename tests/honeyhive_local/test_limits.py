"""Limits on what a write may hold (``honeyhive_local/jsonvalues.py``), and reads of rows that broke them.

Issue 14 (1): a lone surrogate in a run's metadata, a 400-digit integer metric or ~980 levels of nesting
used to be stored and then turn every later read (``GET /v1/runs``, summaries, the export) into a 500,
even after a restart. Now each is refused with a 4xx that says why and nothing is stored; and a store
that already holds such rows (planted here through ``Store`` directly, as older versions wrote them)
still lists, summarises, compares and exports.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_local import LocalBackend
from honeyhive_local.app import Project
from tests.conftest import API_KEY
from tests.honeyhive_local.otlp import otlp_json_body, otlp_json_span

pytestmark = pytest.mark.integration

OTLP = "/opentelemetry/v1/traces"
JSON = {"Content-Type": "application/json"}


def _deep(levels: int, leaf: str = "1") -> str:
    return '{"a": ' * levels + leaf + "}" * levels


def _event(metrics: str) -> bytes:
    return ('{"event_type": "chain", "inputs": {}, "metrics": ' + metrics + "}").encode()


def _span_body(attributes: dict[str, Any]) -> bytes:
    span = otlp_json_span(
        trace_id=uuid.uuid4().hex,
        span_id=uuid.uuid4().hex[:16],
        name="s",
        attributes={"honeyhive.session_id": str(uuid.uuid4()), "honeyhive_event_type": "chain", **attributes},
    )
    return otlp_json_body([span])


def _bare_span(span: bytes) -> bytes:
    return b'{"resourceSpans": [{"scopeSpans": [{"spans": [' + span + b"]}]}]}"


# (id, method, path, raw body, headers, words the reason must contain one of)
REFUSED: list[tuple[str, str, str, bytes, dict[str, str], tuple[str, ...]]] = [
    ("run-metadata-surrogate", "POST", "/v1/runs", b'{"name": "r", "metadata": {"b": "\\udfff"}}', {}, ("surrogate",)),
    ("run-metadata-key-surrogate", "POST", "/v1/runs", b'{"name": "r", "metadata": {"\\ud800": 1}}', {},
     ("surrogate",)),
    ("run-name-surrogate", "POST", "/v1/runs", b'{"name": "\\udc00x"}', {}, ("surrogate",)),
    ("run-encoded-surrogate", "POST", "/v1/runs", b'{"name": "\xed\xbf\xbf"}', {}, ("utf-8", "json")),
    ("run-int-400-digits", "POST", "/v1/runs", b'{"name": "r", "results": {"n": ' + b"9" * 400 + b"}}", {},
     ("integer",)),
    ("run-int-2-1024", "POST", "/v1/runs", b'{"name": "r", "results": {"n": %d}}' % 2**1024, {}, ("integer",)),
    ("run-metadata-980-deep", "POST", "/v1/runs", b'{"name": "r", "metadata": ' + _deep(980).encode() + b"}", {},
     ("nested",)),
    ("run-metadata-65-deep", "POST", "/v1/runs", b'{"name": "r", "metadata": ' + _deep(64).encode() + b"}", {},
     ("nested deeper than 64",)),
    ("event-metric-400-digits", "POST", "/v1/events", _event('{"m": ' + "1" * 400 + "}"), {}, ("integer",)),
    ("event-metric-nan", "POST", "/v1/events", _event('{"m": NaN}'), {}, ("nan", "finite")),
    ("event-metric-1e400", "POST", "/v1/events", _event('{"m": 1e400}'), {}, ("finite", "range")),
    ("event-metadata-980-deep", "POST", "/v1/events",
     b'{"event_type": "chain", "inputs": {}, "metadata": ' + _deep(980).encode() + b"}", {}, ("nested",)),
    ("export-filter-surrogate", "POST", "/v1/events/export",
     b'{"filters": [{"field": "a", "operator": "is", "value": "\\udfff"}]}', {}, ("surrogate",)),
    ("otlp-dotted-key-too-deep", "POST", OTLP, _span_body({"honeyhive_metadata." + ".".join(["k"] * 80): 1}), JSON,
     ("nested",)),
    ("otlp-string-surrogate", "POST", OTLP, _span_body({"honeyhive_metadata.x": "\udfff"}), JSON, ("surrogate",)),
    ("otlp-bucket-json-nan", "POST", OTLP, _span_body({"honeyhive_metrics": '{"x": NaN}'}), JSON, ("finite",)),
    ("otlp-envelope-too-deep", "POST", OTLP, b'{"resourceSpans": ' + b"[" * 500 + b"]" * 500 + b"}", JSON,
     ("nested",)),
    # issue 21: each of these was a 500 (RecursionError, ValueError, OverflowError, SystemError)
    ("otlp-dotted-key-495-segments", "POST", OTLP, _span_body({"honeyhive_metadata." + ".".join(["k"] * 495): 1}),
     JSON, ("nested deeper than 64",)),
    ("otlp-dotted-index-key-1200-segments", "POST", OTLP, _span_body({"honeyhive_inputs." + ".".join(["0"] * 1200): 1}),
     JSON, ("nested deeper than 64",)),
    ("otlp-bucket-json-988-deep", "POST", OTLP, _span_body({"honeyhive_inputs": _deep(988)}), JSON,
     ("honeyhive_inputs: json nested deeper than 64",)),
    ("otlp-bucket-json-4301-digits", "POST", OTLP, _span_body({"honeyhive_metrics": '{"x": ' + "1" * 4301 + "}"}),
     JSON, ("honeyhive_metrics: integer",)),
    ("otlp-json-kind-surrogate", "POST", OTLP, _bare_span(b'{"kind": "\\udfff"}'), JSON, ("surrogate",)),
    ("otlp-json-kind-infinity", "POST", OTLP, _bare_span(b'{"kind": Infinity}'), JSON, ("finite",)),
    ("otlp-json-double-2-1024", "POST", OTLP, _span_body({"x": 1.5}).replace(b"1.5", b"%d" % 2**1024), JSON,
     ("integer",)),
]  # fmt: skip


def _reads(client: httpx.Client) -> dict[str, Any]:
    runs = client.get("/v1/runs?limit=100")
    export = client.post("/v1/events/export", json={"limit": 7500})
    assert runs.status_code == 200, runs.text
    assert export.status_code == 200, export.text
    return {"runs": runs.json()["evaluations"], "events": export.json()["events"]}


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "words"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_body_beyond_the_limits_is_refused_and_stores_nothing(
    client: httpx.Client, method: str, path: str, body: bytes, headers: dict[str, str], words: tuple[str, ...]
) -> None:
    assert client.post("/v1/runs", json={"name": "before"}).status_code == 200
    before = _reads(client)

    response = client.request(method, path, content=body, headers={"Content-Type": "application/json", **headers})

    assert 400 <= response.status_code < 500, f"{response.status_code} {response.text[:300]}"
    reason = response.json()["error"]
    assert any(w.lower() in reason.lower() for w in words), reason
    assert _reads(client) == before


def test_path_segments_that_are_no_index_are_keys(client: httpx.Client) -> None:
    """Issue 21: a 4,301-digit segment (past int()'s limit) or "²" (str.isdigit) in a dotted attribute key or a
    filter's field was a 500; such a segment is a key, as any segment that is not a short ASCII number."""
    huge = "1" * 4301
    session = str(uuid.uuid4())
    attributes = {
        f"honeyhive_inputs.a.{huge}": 1,
        "honeyhive_inputs.b.²": 2,
        "honeyhive_inputs.c.0": "x",
        "honeyhive_inputs.d.01": "y",
        "honeyhive_metadata.l.0": "first",
    }
    span = otlp_json_span(trace_id=uuid.uuid4().hex, span_id=uuid.uuid4().hex[:16], name="s", attributes={
        "honeyhive.session_id": session, "honeyhive_event_type": "chain", **attributes
    })  # fmt: skip
    response = client.post(OTLP, content=otlp_json_body([span]), headers=JSON)
    assert response.status_code == 200, response.text[:300]

    def export(field: str) -> list[dict[str, Any]]:
        body = {"filters": [{"field": field, "operator": "exists", "value": "", "type": "string"},
                            {"field": "event_type", "operator": "is", "value": "chain", "type": "string"}]}  # fmt: skip
        found = client.post("/v1/events/export", json=body)
        assert found.status_code == 200, found.text[:300]
        events: list[dict[str, Any]] = found.json()["events"]
        return events

    [event] = export("metadata.l.0")
    assert event["inputs"] == {"a": {huge: 1}, "b": {"²": 2}, "c": ["x"], "d": {"01": "y"}}
    assert export(f"metadata.l.{huge}") == []
    assert export("metadata.l.²") == []
    assert len(export(f"inputs.a.{huge}")) == 1


def test_limits_are_not_stricter_than_documented(client: httpx.Client) -> None:
    """64 levels, integers just below 2**1024, and surrogate *pairs* (emoji as ensure_ascii writes them) pass."""
    body = (
        b'{"name": "edge \\ud83d\\ude00", "metadata": '
        + _deep(63, '"\\ud83d\\ude00"').encode()
        + b', "results": {"n": %d}}' % (2**1023)
    )
    response = client.post("/v1/runs", content=body)
    assert response.status_code == 200, response.text
    run = response.json()["evaluation"]
    assert run["name"] == "edge \U0001f600"
    assert run["results"]["n"] == 2**1023


def test_body_size_limit_is_a_413() -> None:
    with (
        LocalBackend(":memory:", API_KEY, max_body_bytes=2_000) as backend,
        httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client,
    ):
        small = client.post("/v1/runs", json={"name": "fits", "metadata": {"x": "a" * 1_000}})
        assert small.status_code == 200, small.text
        big = json.dumps({"name": "too big", "metadata": {"x": "a" * 3_000}}).encode()
        declared = client.post("/v1/runs", content=big)
        assert declared.status_code == 413, declared.text
        assert "max_body_bytes" in declared.json()["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
            for i in range(0, len(big), 500):
                yield big[i : i + 500]

        streamed = client.post("/v1/runs", content=chunks())
        assert streamed.status_code == 413, streamed.text
        otlp = client.post(OTLP, content=b"x" * 5_000, headers={"Content-Type": "application/x-protobuf"})
        assert otlp.status_code == 413
        assert [r["name"] for r in client.get("/v1/runs").json()["evaluations"]] == ["fits"]


# ----------------------------------------------------------------------------- rows older versions stored


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


# as deep as the store can still serialise from pytest's own (already deep) stack; issue 14 saw ~980
PLANTED_DEPTH = 900


def _plant_hostile_rows(backend: LocalBackend) -> tuple[str, str]:
    """Through the store (as older versions did, without the checks): the rows issue 14 describes."""
    project = Project.for_key(API_KEY).project_id
    store = backend.store
    bad_run, good_run = str(uuid.uuid4()), str(uuid.uuid4())
    store.create_run(
        project,
        {
            "run_id": bad_run,
            "name": "bad",
            "metadata": {"branch": "\udfff", "\ud800key": 1, "deep": _nested(PLANTED_DEPTH)},
        },
    )
    store.create_run(project, {"run_id": good_run, "name": "good", "passing_ranges": {"acc": {"min": 0.5}}})
    for run, metrics in (
        (bad_run, {"acc": 0.9, "huge": int("9" * 400), "nan": math.nan, "inf": math.inf, "\udfffm": 1, "big": 1e308}),
        (good_run, {"acc": 0.4, "huge": 1, "big": -1e308}),
    ):
        session = str(uuid.uuid4())
        for event_id, event_type in ((session, "session"), (str(uuid.uuid4()), "chain")):
            store.upsert_event(
                project,
                {
                    "event_id": event_id,
                    "session_id": session,
                    "parent_id": None if event_type == "session" else session,
                    "event_type": event_type,
                    "event_name": "answer",
                    # SQLite's json_extract cannot hand a lone surrogate back as text: the summary's fast path
                    "metadata": {
                        "run_id": run,
                        "datapoint_id": "dp-\udfff" if run == bad_run else "dp-1",
                        "deep": _nested(PLANTED_DEPTH),
                    },
                    "metrics": metrics if event_type == "chain" else {},
                    "error": None,
                },
                0.0,
            )
    return bad_run, good_run


def _every_read(client: httpx.Client, bad_run: str, good_run: str) -> dict[str, httpx.Response]:
    reads = {
        "list": client.get("/v1/runs"),
        "list-asc": client.get("/v1/runs?sort_order=asc&sort_by=name"),
        "export": client.post("/v1/events/export", json={"limit": 7500}),
        "export-filtered": client.post(
            "/v1/events/export",
            json={"filters": [{"field": "metrics.huge", "operator": "greater than", "value": 0, "type": "number"}]},
        ),
        "compare": client.get(f"/v1/runs/{bad_run}/compare/{good_run}"),
        "compare-with": client.get(f"/v1/runs/{good_run}/compare-with/{bad_run}?aggregate_function=sum"),
    }
    for run in (bad_run, good_run):
        for function in ("average", "sum", "p90"):
            reads[f"summary-{run}-{function}"] = client.get(f"/v1/runs/{run}/summary?aggregate_function={function}")
        reads[f"result-{run}"] = client.get(
            f"/v1/runs/{run}/result",
            params={"filters": json.dumps([{"field": "metrics.huge", "operator": "exists"}])},
        )
        reads[f"metrics-{run}"] = client.get(f"/v1/runs/{run}/metrics")
        reads[f"get-{run}"] = client.get(f"/v1/runs/{run}")
    return reads


def _check_reads(client: httpx.Client, bad_run: str, good_run: str) -> None:
    reads = _every_read(client, bad_run, good_run)
    failing = {name: (r.status_code, r.text[:200]) for name, r in reads.items() if r.status_code != 200}
    assert not failing, failing
    bad = next(r for r in reads["list"].json()["evaluations"] if r["run_id"] == bad_run)
    assert bad["metadata"]["branch"] == "\ufffd"  # the lone surrogate, repaired for the response
    summary = reads[f"summary-{bad_run}-average"].json()
    values = {d["metric_name"]: d["values"] for d in summary["metrics"]["details"]}
    assert values["acc"] == [0.9]
    assert not {"huge", "nan", "inf"} & set(values)  # not metric values
    assert reads[f"summary-{bad_run}-sum"].json()["metrics"]["details"]  # the sums that overflow read as null
    compared = {d["metric_name"]: d for d in reads["compare-with"].json()["metrics"]}
    assert (compared["acc"]["old_aggregate"], compared["acc"]["new_aggregate"]) == (0.9, 0.4)
    assert compared["big"]["difference"] is None  # -1e308 - 1e308 is beyond a double


def test_rows_stored_by_older_versions_still_read(backend: LocalBackend, client: httpx.Client) -> None:
    _check_reads(client, *_plant_hostile_rows(backend))


def test_rows_stored_by_older_versions_still_read_after_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "old.sqlite")
    with LocalBackend(db, API_KEY) as first:
        runs = _plant_hostile_rows(first)
    with (
        LocalBackend(db, API_KEY) as second,
        httpx.Client(base_url=second.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client,
    ):
        _check_reads(client, *runs)
        created = client.post("/v1/runs", json={"name": "after"})  # the project keeps working
        assert created.status_code == 200, created.text

"""Property: no JSON a client can send makes a write route answer 5xx, or any read route fail afterwards.

Issue 14 (1): one request could break a project for good. Hypothesis sends each write route bodies built
from arbitrary JSON: lone surrogates in strings and keys, integers far beyond a double, floats up to
1.8e308 and NaN/Infinity written the way Python's ``json.dumps`` writes them, nesting up to ~1,100 levels,
odd keys (empty, dotted, ``$``, digits, NUL). Values sit where the routes store them (run metadata,
event metrics, span attributes), so the valid ones are stored and then read. After every example each
read route of the project must still answer 200. One backend serves the whole module (the point is that
what was stored earlier keeps everything readable); examples are bounded so it runs in seconds.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("HOSTILE_JSON_EXAMPLES", "30"))  # per property; raise it for a deeper search
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@dataclass(frozen=True)
class Deep:
    """``levels`` nested objects around ``leaf``; written by :func:`encode` without recursion."""

    levels: int
    leaf: Any


def encode(value: Any) -> str:
    """JSON as a careless client writes it: ``NaN``/``Infinity`` tokens, ``\\udfff`` escapes, any depth."""
    if isinstance(value, Deep):
        return '{"k": ' * value.levels + encode(value.leaf) + "}" * value.levels
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    return json.dumps(value)  # allow_nan=True, ensure_ascii=True: lone surrogates become \\udfff escapes


SURROGATES = st.sampled_from(["\udfff", "\ud800", "a\udc00b", "\ud83d", "\ude00x"])
TEXT = st.one_of(st.text(max_size=12), SURROGATES, st.sampled_from(["", "0", "1", "a.b", "$", ".", "\x00", "é" * 3]))
NUMBERS = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([2**1023, 2**1024, -(2**1024), 10**308, 10**309]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 0.0, -0.0]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=12,
)
HOSTILE = st.one_of(
    VALUES,
    st.builds(Deep, st.one_of(st.integers(1, 70), st.sampled_from([500, 980, 1100])), SCALARS),
)
OBJECTS = st.one_of(st.dictionaries(TEXT, HOSTILE, max_size=5), HOSTILE)
METRICS = st.dictionaries(TEXT, st.one_of(NUMBERS, st.booleans(), TEXT), max_size=5)


@dataclass
class World:
    backend: LocalBackend
    client: httpx.Client
    run: str
    baseline: str
    session: str
    event: str


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with (
        LocalBackend(":memory:", API_KEY, log_level="critical") as backend,
        httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60) as client,
    ):
        run, baseline, session = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        for run_id in (run, baseline):
            assert client.post("/v1/runs", json={"run_id": run_id, "name": "r"}).status_code == 200
        started = client.post(
            "/v1/sessions", json={"session_id": session, "metadata": {"run_id": run, "datapoint_id": "dp"}}
        )
        assert started.status_code == 200, started.text
        created = client.post(
            "/v1/events",
            json={"event_type": "chain", "inputs": {}, "session_id": session, "metrics": {"m": 1}},
        )
        assert created.status_code == 200, created.text
        yield World(backend, client, run, baseline, session, created.json()["event_id"])


def _reads(world: World) -> list[tuple[str, str, Any]]:
    run, baseline = world.run, world.baseline
    return [
        ("GET", "/v1/runs?limit=100", None),
        ("GET", "/v1/runs?sort_by=name&sort_order=asc", None),
        ("GET", f"/v1/runs/{run}", None),
        ("GET", f"/v1/runs/{run}/summary", None),
        ("GET", f"/v1/runs/{run}/result?aggregate_function=sum", None),
        ("GET", f"/v1/runs/{run}/result?aggregate_function=p99", None),
        ("GET", f"/v1/runs/{run}/metrics", None),
        ("GET", f"/v1/runs/{run}/compare/{baseline}", None),
        ("GET", f"/v1/runs/{baseline}/compare-with/{run}?aggregate_function=average", None),
        ("GET", f"/v1/events/{world.session}", None),
        ("GET", f"/v1/events/{world.event}", None),
        ("GET", "/v1/datasets", None),
        ("GET", "/_local/stats", None),
        ("POST", "/v1/events/export", {"limit": 7500}),
        (
            "POST",
            "/v1/events/export",
            {"filters": [{"field": "metrics.m", "operator": "greater than", "value": 0, "type": "number"}]},
        ),
    ]


def _send(world: World, *writes: tuple[str, str, Any]) -> None:
    """Sends an example's ``writes`` (method, path, body), each answered below 500 in JSON, then every read route,
    which must answer 200. An example's writes each store a record of their own (a new one, or one no other write
    of it touches), so none undoes another: reading once after them sees what each stored, with about half the
    requests of reading after each write (the reads were nine in ten of the module's requests)."""
    sent = []
    for method, path, body in writes:
        content = body if isinstance(body, bytes) else encode(body).encode("utf-8", "surrogatepass")
        response = world.client.request(method, path, content=content, headers={"Content-Type": "application/json"})
        assert response.status_code < 500, f"{method} {path} -> {response.status_code} {response.text[:300]}"
        assert response.headers["content-type"].startswith("application/json")
        sent.append(f"{method} {path} {content[:300]!r}")
    failing = []
    for read_method, read_path, read_body in _reads(world):
        read = world.client.request(read_method, read_path, json=read_body)
        if read.status_code != 200:
            failing.append(f"{read_method} {read_path} -> {read.status_code} {read.text[:200]}")
    assert not failing, "after " + "; ".join(sent) + ":\n" + "\n".join(failing)


# ----------------------------------------------------------------------------- one property per write route


@SETTINGS
@given(body=OBJECTS, metadata=OBJECTS, results=OBJECTS, name=TEXT)
def test_create_run(world: World, body: Any, metadata: Any, results: Any, name: str) -> None:
    _send(
        world,
        ("POST", "/v1/runs", body),
        ("POST", "/v1/runs", {"name": name or "n", "metadata": metadata, "results": results}),
    )


@SETTINGS
@given(metadata=OBJECTS, ranges=st.dictionaries(TEXT, st.fixed_dictionaries({"min": NUMBERS}), max_size=2))
def test_update_run(world: World, metadata: Any, ranges: Any) -> None:
    _send(world, ("PUT", f"/v1/runs/{world.baseline}", {"metadata": metadata, "passing_ranges": ranges}))


@SETTINGS
@given(name=TEXT, inputs=OBJECTS, ground_truth=OBJECTS)
def test_datasets_and_datapoints(world: World, name: str, inputs: Any, ground_truth: Any) -> None:
    _send(
        world,
        ("POST", "/v1/datasets", {"name": name, "description": name}),
        ("POST", "/v1/datapoints", {"inputs": inputs, "ground_truth": ground_truth, "metadata": inputs}),
    )


@SETTINGS
@given(inputs=OBJECTS, metadata=OBJECTS, name=TEXT, start=NUMBERS)
def test_sessions(world: World, inputs: Any, metadata: Any, name: str, start: Any) -> None:
    meta = {**metadata, "run_id": world.run} if isinstance(metadata, dict) else metadata
    session = {"session_id": str(uuid.uuid4()), "session_name": name, "inputs": inputs, "metadata": meta}
    _send(
        world,
        ("POST", "/v1/sessions", {**session, "start_time": start}),
        ("POST", "/session/start", {"session": session}),
    )


@SETTINGS
@given(metrics=METRICS, outputs=OBJECTS, name=TEXT, error=st.one_of(st.none(), TEXT))
def test_events(world: World, metrics: Any, outputs: Any, name: str, error: Any) -> None:
    event = {
        "event_type": "chain",
        "event_name": name,
        "inputs": {"q": name},
        "session_id": world.session,
        "parent_id": world.session,
        "metrics": metrics,
        "outputs": outputs,
        "error": error,
        "metadata": {"run_id": world.run, "datapoint_id": name},
    }
    _send(
        world,
        ("POST", "/v1/events", event),
        ("PUT", f"/v1/events/{world.event}", {"metrics": metrics, "outputs": outputs}),
        ("PUT", "/events", {"event_id": world.session, "metrics": metrics, "feedback": outputs}),
    )


@SETTINGS
@given(
    filters=st.lists(
        st.fixed_dictionaries({"field": TEXT, "operator": st.just("is"), "value": SCALARS, "type": st.just("string")})
    ),
    body=OBJECTS,
)
def test_export(world: World, filters: Any, body: Any) -> None:
    _send(world, ("POST", "/v1/events/export", {"filters": filters, "limit": 10}), ("POST", "/v1/events/export", body))


def _any_value(value: Any) -> Any:
    """An OTLP/JSON AnyValue for ``value``, as a client might build it (NaN and huge ints included)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": value if abs(value) < 2**70 else str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": str(k), "value": _any_value(v)} for k, v in value.items()]}}
    if isinstance(value, Deep):
        return {"stringValue": encode(value)}  # a whole bucket as a (deep) JSON string
    return {}


ATTRIBUTE_KEYS = st.one_of(
    st.sampled_from(["honeyhive_metrics", "honeyhive_metadata", "honeyhive_inputs", "honeyhive_outputs"]).flatmap(
        lambda bucket: TEXT.map(lambda key: f"{bucket}.{key}" if key else bucket)
    ),
    st.integers(1, 90).map(lambda n: "honeyhive_metadata." + ".".join(["d"] * n)),
    TEXT,
)


@SETTINGS
@given(attributes=st.dictionaries(ATTRIBUTE_KEYS, HOSTILE, max_size=6), spans=st.integers(1, 3))
def test_otlp(world: World, attributes: dict[str, Any], spans: int) -> None:
    base = {"honeyhive.session_id": str(uuid.uuid4()), "honeyhive_event_type": "chain"}
    base["honeyhive_metadata.run_id"] = world.run
    body = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": uuid.uuid4().hex,
                                "spanId": uuid.uuid4().hex[:16],
                                "name": "s",
                                "attributes": [
                                    {"key": k, "value": _any_value(v)} for k, v in {**attributes, **base}.items()
                                ],
                            }
                            for _ in range(spans)
                        ]
                    }
                ]
            }
        ]
    }
    _send(world, ("POST", "/opentelemetry/v1/traces", body))


def test_every_read_is_still_200_at_the_end(world: World) -> None:
    """Whatever the properties above stored (this module's backend is shared), every read still works."""
    _send(world, ("POST", "/v1/runs", {"name": "last"}))

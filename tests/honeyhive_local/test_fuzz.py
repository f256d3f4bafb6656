"""Property: no body a client can send makes a route that reads one answer 5xx (issue 21, item 10).

Hypothesis builds, per example, one body for each of the ten JSON routes and one OTLP export, which is
sent four ways (protobuf; protobuf cut short or replaced by random bytes; OTLP/JSON; OTLP/JSON with a
hostile value or id, or any JSON document), and sends them all to one real backend over loopback on
one keep-alive connection. The bodies mix what clients get wrong on purpose and by accident:

* JSON documents shaped like each route's body (its own field names) holding hostile values: strings
  that look like numbers (``"NaN"``, ``"Infinity"``, ``"1e999"``, 4,301-digit integers, ``"²"``),
  integers beyond a double, ``NaN``/``Infinity`` tokens, lone surrogates, nesting up to 5,000 levels,
  filter paths with digit segments, passing ranges with bounds of every kind;
* text that is hardly JSON: cut short, integer literals past Python's 4,300-digit conversion limit,
  bytes that are not UTF-8;
* OTLP exports built with the official protobuf classes: ``honeyhive_<bucket>.<dotted.key>`` attributes
  with up to 1,200 segments or a 4,301-digit segment, whole buckets sent as JSON text (deep, non-finite,
  huge), nested key-value lists, ids of any length, any status code and time.

Every answer must be below 500, and a 4xx must say why in a JSON ``error``. The tests count what they sent
and require at least :data:`REQUESTS` between them; afterwards every read route of the project still answers 200.
:data:`REQUESTS` is 10,000 by default, what issue 21 asks of CI (``FUZZ_REQUESTS`` overrides it;
``FUZZ_REQUESTS=100000`` searches deeper), sent by :data:`PARTS` tests with examples of their own, which
pytest-xdist spreads over its workers: each about 15 s of one core, every route and every OTLP variant getting
over 170 bodies in each. The client is ``http.client``: httpx's own cost per request would be a third of the
tests' time.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "10000"))
PARTS = 4  # tests sending REQUESTS between them: spread over the workers, not one test's minute on one core
OTLP = "/opentelemetry/v1/traces"

# ----------------------------------------------------------------------------- JSON values


@dataclass(frozen=True)
class Deep:
    """``levels`` nested objects (or arrays) around ``leaf``, written by :func:`encode` without recursion."""

    levels: int
    leaf: Any
    arrays: bool = False


@dataclass(frozen=True)
class Raw:
    """Text written into a document as it is: a token Python's json would not write."""

    text: str


def encode(value: Any) -> str:
    """JSON as a careless client writes it: ``NaN``/``Infinity`` tokens, ``\\udfff`` escapes, any depth."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Deep):
        opening, closing = ("[", "]") if value.arrays else ('{"k": ', "}")
        return opening * value.levels + encode(value.leaf) + closing * value.levels
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    return json.dumps(value)  # allow_nan=True: NaN/Infinity tokens; ensure_ascii: lone surrogates as escapes


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


HUGE = "1" * 4301  # one digit past Python's int <-> str conversion limit
# strings that have been taken for numbers, list indexes, dates or paths (one draw each: cheap)
TRICKY = st.sampled_from(
    [
        "NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "1e308", HUGE, "9" * 400, "0x10",
        "1_000", " 1 ", "²", "٣", "0", "00", "1", "-1", "", ".", "a.b", "a..b", "0.0", "\x00", "\udfff", "\ud800x",
        "é", "true", "null", "{}", "2024-01-01T00:00:00Z", "0001-01-01", "9999-12-31T23:59:59", "x" * 300,
    ]
)  # fmt: skip
TEXT = st.one_of(TRICKY, st.text(max_size=6))
NUMBERS = st.one_of(
    st.integers(min_value=-(10**330), max_value=10**330),
    st.floats(),
    st.sampled_from(
        [2**53 + 1, 2**63, 2**64, 2**1023, 2**1024, -(2**1024), Raw(HUGE), Raw("-" + HUGE), Raw("1e400"), Raw("-0")]
    ),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(TEXT, children, max_size=3)),
    max_leaves=5,
)
DEEP = st.builds(Deep, st.sampled_from([2, 63, 64, 65, 129, 495, 988, 1000, 5000]), SCALARS, st.booleans())
HOSTILE = st.one_of(VALUES, DEEP)
OBJECTS = st.one_of(st.dictionaries(TEXT, HOSTILE, max_size=3), HOSTILE)
FIELD = st.one_of(HOSTILE, TRICKY)

PATHS = st.lists(
    st.sampled_from(["metadata", "metrics", "inputs", "l", "0", "1", "00", "²", HUGE, "", "a.b"]), max_size=4
)
OPERATORS = ["exists", "not exists", "is", "is not", "contains", "not contains", "greater than", "less than", "after",
             "before"]  # fmt: skip
FILTERS = st.lists(
    st.fixed_dictionaries(
        {"field": PATHS.map(".".join), "operator": st.sampled_from(OPERATORS)},
        optional={"value": SCALARS, "type": st.sampled_from(["string", "number", "boolean", "datetime", "x"])},
    ),
    max_size=2,
)
BOUND = st.one_of(NUMBERS, TRICKY)
RANGES = st.dictionaries(TEXT, st.fixed_dictionaries({}, optional={"min": BOUND, "max": BOUND}), max_size=2)


def seeded(name: str) -> st.SearchStrategy[Any]:
    """An id of the project's seeded world (run, session, event, dataset, datapoint) or a hostile value."""
    return st.one_of(st.just(Raw(f'"{{{name}}}"')), FIELD)


def shaped(fields: dict[str, st.SearchStrategy[Any]], *loose: str) -> st.SearchStrategy[Any]:
    """Some of a route's own fields (``loose`` ones hold anything), or any JSON."""
    return st.one_of(st.fixed_dictionaries({}, optional={**dict.fromkeys(loose, FIELD), **fields}), OBJECTS)


RUN = ("description", "status", "metadata", "results", "configuration", "evaluators", "event_ids", "session_ids",
       "datapoint_ids", "name")  # fmt: skip
EVENT = ("metadata", "feedback", "metrics", "outputs", "config", "user_properties", "duration", "end_time")
SESSION = ("session_id", "session_name", "event_name", "source", "start_time", "end_time", "duration", "config",
           "inputs", "outputs", "metadata", "user_properties", "children_ids")  # fmt: skip
JSON_ROUTES: dict[str, tuple[str, str, st.SearchStrategy[Any]]] = {
    "create_run": (
        "POST", "/v1/runs", shaped({"passing_ranges": RANGES, "dataset_id": seeded("dataset")}, *RUN, "run_id")
    ),
    "update_run": ("PUT", "/v1/runs/{run}", shaped({"passing_ranges": RANGES}, *RUN)),
    "create_dataset": ("POST", "/v1/datasets", shaped({"datapoints": st.lists(seeded("datapoint"), max_size=2)},
                                                      "name", "description")),
    "create_datapoint": ("POST", "/v1/datapoints", shaped({"linked_datasets": st.lists(seeded("dataset"), max_size=2)},
                                                          "inputs", "history", "ground_truth", "metadata")),
    "start_session": ("POST", "/v1/sessions", shaped({}, *SESSION)),
    "start_session_legacy": ("POST", "/session/start", shaped({"session": shaped({}, *SESSION)})),
    "update_event_legacy": ("PUT", "/events", shaped({"event_id": seeded("event")}, *EVENT)),
    "update_event": ("PUT", "/v1/events/{event}", shaped({}, *EVENT)),
    "create_event": ("POST", "/v1/events", shaped(
        {"event_type": st.sampled_from(["chain", "model", "tool", "session", "x"]), "inputs": OBJECTS,
         "session_id": seeded("session")},
        *EVENT, "event_name", "event_id", "parent_id", "children_ids", "error", "start_time", "source",
    )),
    "export_events": ("POST", "/v1/events/export", shaped(
        {"filters": FILTERS}, "dateRange", "projections", "limit", "page", "evaluation_id"
    )),
}  # fmt: skip

# text that is hardly JSON, sent instead of a route's shaped body now and then
RAW_BODIES = st.one_of(
    st.binary(max_size=24),
    st.builds(lambda text, cut: utf8(text)[:cut], VALUES.map(encode), st.integers(0, 40)),
    st.sampled_from(
        [
            b"",
            b"{",
            b'{"name": ' + HUGE.encode() + b"}",
            b'{"name": "x", "metadata": {"n": -' + HUGE.encode() + b"}}",
            b"[" * 100_000,
            b'{"a": ' * 3000 + b"1" + b"}" * 3000,
            b'{"name": "\xed\xa0\x80"}',
            b'{"name": "x"} {"name": "y"}',
            b"\xef\xbb\xbf{}",
        ]
    ),
)
JSON_BODIES = {name: st.one_of(body.map(encode).map(utf8), RAW_BODIES) for name, (_, _, body) in JSON_ROUTES.items()}

# ----------------------------------------------------------------------------- OTLP


def any_value(value: Any) -> AnyValue:
    """An OTLP AnyValue from a Python value (bytes, lists and dicts included)."""
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, list):
        return AnyValue(array_value=ArrayValue(values=[any_value(v) for v in value]))
    if isinstance(value, dict):
        pairs = [KeyValue(key=valid(k), value=any_value(v)) for k, v in value.items()]
        return AnyValue(kvlist_value=KeyValueList(values=pairs))
    if value is None:
        return AnyValue()
    return AnyValue(string_value=valid(str(value)))


def valid(text: str) -> str:
    """Protobuf strings are UTF-8: lone surrogates become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


BUCKETS = ("inputs", "outputs", "metrics", "metadata", "config", "feedback", "user_properties", "other")
INT64 = st.integers(-(2**63), 2**63 - 1)
ATTRIBUTE_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), INT64, st.floats(), st.binary(max_size=4), TEXT),
    lambda children: st.one_of(st.lists(children, max_size=2), st.dictionaries(TEXT, children, max_size=2)),
    max_leaves=3,
)
SEGMENTS = st.sampled_from(["a", "0", "1", "2", "10", "00", "01", "²", "٣", "", " ", "x.y", HUGE])
DOTTED = st.one_of(
    st.lists(SEGMENTS, min_size=1, max_size=5).map(".".join),
    st.builds(lambda n, part: ".".join([part] * n), st.sampled_from([63, 64, 65, 494, 495, 988, 1200]), SEGMENTS),
)
ATTRIBUTE = st.one_of(
    st.tuples(st.builds("honeyhive_{}.{}".format, st.sampled_from(BUCKETS), DOTTED), ATTRIBUTE_VALUES),
    st.tuples(st.sampled_from(BUCKETS).map("honeyhive_{}".format), OBJECTS.map(encode)),  # a whole bucket as JSON
    st.tuples(
        st.sampled_from(["honeyhive_event_type", "honeyhive_event_name", "honeyhive_error", "honeyhive.source"]),
        st.one_of(st.sampled_from(["chain", "model", "tool", "session"]), ATTRIBUTE_VALUES),
    ),
    st.tuples(TEXT, ATTRIBUTE_VALUES),
)
IDS = st.one_of(st.binary(min_size=16, max_size=16), st.binary(min_size=8, max_size=8), st.binary(max_size=20))
UINT64 = st.one_of(st.integers(0, 2**64 - 1), st.just(1_700_000_000_000_000_000))


def key_values(pairs: list[tuple[str, Any]]) -> list[KeyValue]:
    return [KeyValue(key=valid(key), value=any_value(value)) for key, value in pairs]


@st.composite
def exports(draw: st.DrawFn) -> ExportTraceServiceRequest:
    """One export: one or two spans, most in a session, with resource and span attributes."""
    spans = []
    for _ in range(draw(st.integers(1, 2))):
        pairs = draw(st.lists(ATTRIBUTE, max_size=3))
        session = draw(st.one_of(st.uuids().map(str), ATTRIBUTE_VALUES, st.just(None)))
        if session is not None:
            pairs.insert(0, ("honeyhive.session_id", session))
        spans.append(
            Span(
                trace_id=draw(IDS),
                span_id=draw(IDS),
                parent_span_id=draw(st.one_of(st.just(b""), IDS)),
                name=valid(draw(TEXT)),
                start_time_unix_nano=draw(UINT64),
                end_time_unix_nano=draw(UINT64),
                attributes=key_values(pairs),
                status=Status(code=draw(st.integers(-1, 3)), message=valid(draw(TEXT))),
            )
        )
    resource = Resource(attributes=key_values(draw(st.lists(ATTRIBUTE, max_size=1))))
    return ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(resource=resource, scope_spans=[ScopeSpans(spans=spans)])]
    )


def otlp_json(request: ExportTraceServiceRequest) -> dict[str, Any]:
    """The export in OTLP/JSON: protobuf's JSON mapping with hex ids, as the OTLP specification writes it."""
    body = json_format.MessageToDict(request)
    for resource_spans in body.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for name in ("traceId", "spanId", "parentSpanId"):
                    if name in span:
                        span[name] = base64.b64decode(span[name]).hex()
    return body


# what replaces one attribute value, id, time or name of an OTLP/JSON span
HOSTILE_OTLP_JSON = st.one_of(
    st.sampled_from(
        [
            {"intValue": HUGE},
            {"intValue": Raw(HUGE)},
            {"intValue": "9" * 30},
            {"intValue": "NaN"},
            {"doubleValue": "NaN"},
            {"doubleValue": "-Infinity"},
            {"doubleValue": Raw("1e999")},
            {"doubleValue": Raw("NaN")},
            {"stringValue": Deep(1200, 1)},
            {"kvlistValue": {"values": [{"key": "a", "value": {"kvlistValue": {"values": [{"key": "b"}]}}}]}},
            {"arrayValue": {"values": "x"}},
            {"bytesValue": "***"},
            {},
            "x",
        ]
    ),
    FIELD,
)
SPAN_FIELDS = st.sampled_from(["traceId", "spanId", "parentSpanId", "startTimeUnixNano", "status", "name", "kind"])


@dataclass
class OtlpBodies:
    """One export, and what is sent of it: protobuf, protobuf damaged, OTLP/JSON, OTLP/JSON made hostile."""

    protobuf: bytes
    damaged: bytes
    json: bytes
    hostile: bytes


@st.composite
def otlp_bodies(draw: st.DrawFn) -> OtlpBodies:
    export = draw(exports())
    protobuf = export.SerializeToString()
    damaged = draw(st.one_of(st.integers(0, len(protobuf)).map(lambda cut: protobuf[:cut]), st.binary(max_size=48)))
    document = otlp_json(export)
    plain = utf8(encode(document))
    if draw(st.integers(0, 4)) == 0:
        return OtlpBodies(protobuf, damaged, plain, utf8(encode(draw(OBJECTS))))
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    attributes = span.get("attributes") or []
    if attributes and draw(st.booleans()):
        attributes[draw(st.integers(0, len(attributes) - 1))]["value"] = draw(HOSTILE_OTLP_JSON)
    else:
        span[draw(SPAN_FIELDS)] = draw(HOSTILE_OTLP_JSON)
    return OtlpBodies(protobuf, damaged, plain, utf8(encode(document)))


# ----------------------------------------------------------------------------- the world and the property


@dataclass
class World:
    backend: LocalBackend
    ids: dict[str, str]
    connection: http.client.HTTPConnection = field(init=False)

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection(self.backend.host, self.backend.port, timeout=60)

    def request(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        """One request on the keep-alive connection, sent again once on a new one if the server had closed it
        (as it does after a 500); status 0 when that fails too."""
        headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": content_type}
        for _ in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
        return 0, b"connection dropped"

    def ok(self, method: str, path: str, body: Any) -> Any:
        status, data = self.request(method, path, json.dumps(body).encode(), "application/json")
        assert status == 200, f"{method} {path} -> {status} {data[:300]!r}"
        return json.loads(data)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with LocalBackend(":memory:", API_KEY, log_level="critical") as backend:
        world = World(backend, {"run": str(uuid.uuid4()), "session": str(uuid.uuid4())})
        world.ok("POST", "/v1/runs", {"run_id": world.ids["run"], "name": "fuzz"})
        world.ok("POST", "/v1/sessions", {"session_id": world.ids["session"], "metadata": {"run_id": world.ids["run"]}})
        event = world.ok(
            "POST", "/v1/events", {"event_type": "chain", "inputs": {}, "session_id": world.ids["session"]}
        )
        world.ids["event"] = event["event_id"]
        world.ids["dataset"] = world.ok("POST", "/v1/datasets", {"name": "fuzz"})["result"]["insertedId"]
        datapoint = world.ok("POST", "/v1/datapoints", {"inputs": {}, "linked_datasets": [world.ids["dataset"]]})
        world.ids["datapoint"] = datapoint["result"]["insertedId"]
        try:
            yield world
        finally:
            world.connection.close()


PER_EXAMPLE = len(JSON_ROUTES) + 4
READS = ("/v1/runs", "/v1/runs/{run}", "/v1/runs/{run}/summary", "/v1/runs/{run}/metrics",
         "/v1/runs/{run}/compare/{run}", "/v1/datasets", "/v1/events/{session}", "/_local/stats")  # fmt: skip


def _problem(status: int, data: bytes) -> str | None:
    if status >= 500 or status < 100:
        return f"{status} {data[:200]!r}"
    if status >= 400:
        try:
            reason = json.loads(data).get("error")
        except ValueError:
            reason = None
        if not isinstance(reason, str) or not reason:
            return f"{status} without a reason: {data[:200]!r}"
    return None


@pytest.mark.parametrize("part", range(PARTS))
def test_no_body_makes_a_route_answer_5xx(world: World, part: int) -> None:
    share = -(-REQUESTS // PARTS)  # this part's; hypothesis draws its own examples for each
    sent: Counter[str] = Counter()
    seeded_ids = [(b'"{%s}"' % name.encode(), json.dumps(value).encode()) for name, value in world.ids.items()]

    def send(name: str, method: str, path: str, body: bytes, content_type: str = "application/json") -> str | None:
        for placeholder, value in seeded_ids:
            body = body.replace(placeholder, value)
        sent[name] += 1
        problem = _problem(*world.request(method, path.format(**world.ids), body, content_type))
        return f"{name}: {method} {path} -> {problem}" if problem else None

    @settings(
        max_examples=-(-share // PER_EXAMPLE),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(bodies=st.fixed_dictionaries(JSON_BODIES), otlp=otlp_bodies())
    def every_route(bodies: dict[str, bytes], otlp: OtlpBodies) -> None:
        problems = [send(name, *JSON_ROUTES[name][:2], body) for name, body in bodies.items()]
        for variant in ("protobuf", "damaged"):
            problems.append(send(f"otlp_{variant}", "POST", OTLP, getattr(otlp, variant), "application/x-protobuf"))
        for variant in ("json", "hostile"):
            problems.append(send(f"otlp_{variant}", "POST", OTLP, getattr(otlp, variant)))
        failing = [p for p in problems if p]
        assert not failing, "\n".join(failing)

    every_route()

    assert sum(sent.values()) >= share, sent
    assert len(sent) == PER_EXAMPLE, sent
    for path in READS:
        path = path.format(**world.ids)
        status, data = world.request("GET", path, b"", "application/json")
        assert status == 200, f"GET {path} -> {status} {data[:300]!r}"
    world.ok("POST", "/v1/events/export", {"limit": 7500})

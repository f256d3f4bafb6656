"""OTLP/HTTP trace exports (protobuf or JSON) → HoneyHive events.

Decoding uses the official OpenTelemetry protobuf classes for both encodings: protobuf bodies
directly, JSON bodies through ``json_format`` after turning the hex trace/span ids that OTLP/JSON
uses into the base64 that protobuf's JSON mapping expects. Every span becomes one event; its
``honeyhive_<bucket>.<dotted.key>`` attributes are folded back into nested objects
(honeyhive-api.md §6). A span without ``honeyhive.session_id`` cannot belong to a session and is
dropped (and counted by the caller).
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from honeyhive_local.jsonvalues import MAX_DEPTH, JsonRejected, array_index, json_problem, loads

SESSION_ATTRIBUTE = "honeyhive.session_id"
BUCKETS = ("inputs", "outputs", "metrics", "metadata", "config", "feedback", "user_properties")
_ID_FIELDS = ("traceId", "spanId", "parentSpanId")
# the OTLP/JSON envelope itself takes ~8 levels and each nested attribute value 3 more
ENVELOPE_MAX_DEPTH = 2 * MAX_DEPTH


class OtlpDecodeError(ValueError):
    """The body is not a valid OTLP trace export in the declared encoding."""


@dataclass(slots=True)
class Decoded:
    events: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0


def parse_request(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    """Parse an export body by its Content-Type (``application/x-protobuf`` or ``application/json``)."""
    media = content_type.split(";")[0].strip().lower()
    request = ExportTraceServiceRequest()
    if media in ("application/x-protobuf", "application/protobuf"):
        try:
            request.ParseFromString(body)
        except DecodeError as exc:
            raise OtlpDecodeError(f"body is not an OTLP protobuf ExportTraceServiceRequest: {exc}") from exc
        return request
    if media == "application/json":
        try:  # strict: the limits are checked on the envelope too, protobuf's JSON parser is no place for them
            data = loads(body, max_depth=ENVELOPE_MAX_DEPTH)
        except JsonRejected as exc:
            raise OtlpDecodeError(f"body is {'not valid JSON' if exc.syntax else 'not accepted'}: {exc}") from None
        if not isinstance(data, dict):
            raise OtlpDecodeError("OTLP/JSON body must be an object with resourceSpans")
        try:
            json_format.ParseDict(_hex_ids_to_base64(data), request, ignore_unknown_fields=True)
        except (json_format.ParseError, ValueError, TypeError, OverflowError) as exc:
            raise OtlpDecodeError(f"body is not an OTLP/JSON ExportTraceServiceRequest: {exc}") from exc
        return request
    raise OtlpDecodeError(f"unsupported Content-Type {content_type!r}: use application/x-protobuf or application/json")


def encode_response(rejected: int, content_type: str) -> tuple[bytes, str]:
    """An ExportTraceServiceResponse in the request's encoding, with partial success when spans were dropped."""
    response = ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = f"{rejected} span(s) without {SESSION_ATTRIBUTE} were dropped"
    if content_type.split(";")[0].strip().lower() == "application/json":
        return json.dumps(json_format.MessageToDict(response)).encode(), "application/json"
    return response.SerializeToString(), "application/x-protobuf"


def _hex_ids_to_base64(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _ID_FIELDS and isinstance(value, str) and value:
                try:
                    value = base64.b64encode(bytes.fromhex(value)).decode()
                except ValueError as exc:
                    raise OtlpDecodeError(f"{key} {value!r} is not hex") from exc
            out[key] = _hex_ids_to_base64(value)
        return out
    if isinstance(node, list):
        return [_hex_ids_to_base64(v) for v in node]
    return node


def any_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    if kind == "double_value" and not math.isfinite(value.double_value):
        return str(value.double_value)  # JSON has no NaN/Infinity: kept as text, never a metric value
    return getattr(value, kind)


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "l.0": "x", "l.1": "y"}`` → ``{"a": {"b": 1}, "l": ["x", "y"]}``.

    Without recursion: a key may have any number of segments (the depth limit is the caller's to check).
    """
    root: dict[str, Any] = {}
    for dotted, value in flat.items():
        parts = dotted.split(".")
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return {key: _lists_from_indexes(value) for key, value in root.items()}  # the top level stays an object


def _lists_from_indexes(top: Any) -> Any:
    """``top`` with every object whose keys are exactly ``"0"``..``"n-1"`` turned into a list, innermost first.

    New containers are built (values may be shared with other spans); iterative, for nesting of any depth.
    """
    if not isinstance(top, dict):
        return top
    order: list[dict[str, Any]] = []  # every object, each before the objects inside it
    pending = [top]
    while pending:
        node = pending.pop()
        order.append(node)
        pending.extend(v for v in node.values() if isinstance(v, dict))
    done: dict[int, Any] = {}  # id of an object (all alive in ``order``) → what it becomes
    for node in reversed(order):
        converted = {k: done[id(v)] if isinstance(v, dict) else v for k, v in node.items()}
        done[id(node)] = _as_list(converted)
    return done[id(top)]


def _as_list(node: dict[str, Any]) -> Any:
    """The values of ``node`` as a list when its keys are ``"0"``..``"n-1"`` ("00", "²": keys); else ``node``."""
    if not node:
        return node
    indexes = {}
    for key in node:
        index = array_index(key)
        if index is None or index >= len(node) or str(index) != key:
            return node
        indexes[index] = key
    return [node[indexes[i]] for i in range(len(node))]


def span_uuid(trace_id: bytes, span_id: bytes) -> str:
    """A stable event id per span, so a re-sent span updates its event instead of duplicating it."""
    return str(uuid.UUID(bytes=(trace_id[:8] + span_id).ljust(16, b"\0")[:16]))


def _buckets(attributes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    flat: dict[str, dict[str, Any]] = {b: {} for b in BUCKETS}
    whole: dict[str, dict[str, Any]] = {b: {} for b in BUCKETS}
    for key, value in attributes.items():
        if not key.startswith("honeyhive_"):
            continue
        bucket, _, rest = key[len("honeyhive_") :].partition(".")
        if bucket not in flat:
            continue
        if rest:
            flat[bucket][rest] = value
        elif isinstance(value, str):  # a whole bucket sent as one JSON string
            try:
                parsed = loads(value, where=key)
            except JsonRejected as exc:
                if exc.syntax:  # not JSON: not a bucket
                    continue
                raise
            if isinstance(parsed, dict):
                whole[bucket] = parsed
    return {b: {**whole[b], **unflatten(flat[b])} for b in BUCKETS}


def span_to_event(span: Span, attributes: Mapping[str, Any]) -> dict[str, Any] | None:
    """One HoneyHive event from a span and its (resource + span) attributes; None without a session."""
    session_id = attributes.get(SESSION_ATTRIBUTE)
    if not isinstance(session_id, str) or not session_id:
        return None
    event_type = attributes.get("honeyhive_event_type")
    if event_type not in ("chain", "model", "tool", "session"):
        event_type = "tool"
    buckets = _buckets(attributes)
    error = attributes.get("honeyhive_error")
    if not error and span.status.code == Status.STATUS_CODE_ERROR:
        error = span.status.message or "error"
    start_ms = span.start_time_unix_nano / 1e6
    end_ms = span.end_time_unix_nano / 1e6
    parent = span_uuid(span.trace_id, span.parent_span_id) if span.parent_span_id else session_id
    event_id = session_id if event_type == "session" else span_uuid(span.trace_id, span.span_id)
    return {
        "event_id": event_id,
        "session_id": session_id,
        "parent_id": None if event_type == "session" else parent,
        "children_ids": [],
        "event_type": event_type,
        "event_name": str(attributes.get("honeyhive_event_name") or span.name or "unknown"),
        "source": str(attributes.get("honeyhive.source") or attributes.get("source") or "unknown"),
        "project_id": None,
        "error": str(error) if error else None,
        "start_time": start_ms,
        "end_time": end_ms,
        "duration": max(0.0, end_ms - start_ms),
        **buckets,
    }


def iter_spans(request: ExportTraceServiceRequest) -> Iterator[tuple[Span, dict[str, Any]]]:
    for resource_spans in request.resource_spans:
        resource_attrs = {kv.key: any_value(kv.value) for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                attrs = dict(resource_attrs)
                attrs.update({kv.key: any_value(kv.value) for kv in span.attributes})
                yield span, attrs


def decode(body: bytes, content_type: str) -> Decoded:
    """Decode an export into events; spans without a session id are counted in ``dropped``.

    An event that breaks a limit of :mod:`honeyhive_local.jsonvalues` (an attribute nested deeper than
    ``MAX_DEPTH`` once its dotted key is unfolded, a lone surrogate, a number JSON cannot carry) refuses
    the whole export: :class:`OtlpDecodeError` names the span.
    """
    decoded = Decoded()
    for span, attributes in iter_spans(parse_request(body, content_type)):
        where = f"span {span.name[:80]!r}"
        try:
            event = span_to_event(span, attributes)
        except JsonRejected as exc:  # a whole bucket's JSON text beyond the limits
            raise OtlpDecodeError(f"span is not accepted: {where}: {exc}") from None
        if event is None:
            decoded.dropped += 1
            continue
        problem = json_problem(event, where=where)
        if problem:
            raise OtlpDecodeError(f"span is not accepted: {problem}")
        decoded.events.append(event)
    return decoded

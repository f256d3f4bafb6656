"""Per-datapoint tracing: the only module that imports OpenTelemetry.

One :class:`TraceSink` per experiment owns the shared, expensive parts — one ``TracerProvider``, one
OTLP HTTP exporter with one connection pool — and hands out a cheap :class:`DatapointTracer` per
datapoint. A datapoint tracer holds that datapoint's own state (session id, run/dataset/datapoint
ids, source ``evaluation``) and puts it on every span it opens as the attributes of
honeyhive-api.md §6. While a datapoint runs its ids also sit in OpenTelemetry baggage, so spans the
user's code opens through this provider inherit them. Finished spans are buffered per session and
``flush()`` exports exactly that datapoint's spans in one OTLP request: no thread, timer or
connection pool is created per datapoint.

The spans carry the experiment's data (a datapoint's inputs, outputs and metrics, flattened into one attribute
per value as HoneyHive reads them), not telemetry to be sampled: the provider's spans have no attribute limits.
OpenTelemetry's default of 128 attributes per span (or ``OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT``) would evict the
oldest attributes, the datapoint's ids first, of a datapoint with ~125 fields, and HoneyHive drops a span without
``honeyhive.session_id``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import baggage, context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanLimits, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Span as ApiSpan
from opentelemetry.trace import Status, StatusCode, get_current_span

log = logging.getLogger(__name__)

SESSION_ATTRIBUTE = "honeyhive.session_id"
# baggage key → span attribute: what every span of a datapoint inherits
INHERITED = {
    "honeyhive.session_id": "honeyhive.session_id",
    "honeyhive.source": "honeyhive.source",
    "honeyhive.project": "honeyhive.project",
    "honeyhive.run_id": "honeyhive_metadata.run_id",
    "honeyhive.dataset_id": "honeyhive_metadata.dataset_id",
    "honeyhive.datapoint_id": "honeyhive_metadata.datapoint_id",
}
AttributeValue = str | bool | int | float


def flatten(prefix: str, value: Any) -> dict[str, AttributeValue]:
    """``flatten("honeyhive_outputs", {"a": {"b": 1}, "l": ["x"]})`` →
    ``{"honeyhive_outputs.a.b": 1, "honeyhive_outputs.l.0": "x"}``; None is left out, other objects
    become strings."""
    out: dict[str, AttributeValue] = {}
    if value is None:
        return out
    if isinstance(value, Mapping):
        for key, item in value.items():
            out.update(flatten(f"{prefix}.{key}", item))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            out.update(flatten(f"{prefix}.{index}", item))
    elif isinstance(value, str | bool | int | float):
        out[prefix] = value
    else:
        try:
            out[prefix] = json.dumps(value, default=str)
        except (TypeError, ValueError):
            out[prefix] = str(value)
    return out


@dataclass(frozen=True, slots=True)
class DatapointIds:
    session_id: str
    run_id: str
    dataset_id: str | None
    datapoint_id: str
    source: str = "evaluation"
    project: str | None = None

    def baggage_items(self) -> dict[str, str]:
        items = {
            "honeyhive.session_id": self.session_id,
            "honeyhive.source": self.source,
            "honeyhive.run_id": self.run_id,
            "honeyhive.datapoint_id": self.datapoint_id,
        }
        if self.dataset_id:
            items["honeyhive.dataset_id"] = self.dataset_id
        if self.project:
            items["honeyhive.project"] = self.project
        return items


class _SessionRouter(SpanProcessor):
    """Copies the datapoint's ids from baggage onto every span, and buffers finished spans per session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffers: dict[str, list[ReadableSpan]] = {}

    def on_start(self, span: Span, parent_context: context.Context | None = None) -> None:
        for key, value in baggage.get_all(parent_context).items():
            attribute = INHERITED.get(key)
            if attribute and isinstance(value, str) and not (span.attributes or {}).get(attribute):
                span.set_attribute(attribute, value)

    def on_end(self, span: ReadableSpan) -> None:
        session_id = (span.attributes or {}).get(SESSION_ATTRIBUTE)
        if not isinstance(session_id, str):
            return  # not a datapoint's span; the backend would drop it anyway
        with self._lock:
            self._buffers.setdefault(session_id, []).append(span)

    def take(self, session_id: str) -> list[ReadableSpan]:
        with self._lock:
            return self._buffers.pop(session_id, [])

    def shutdown(self) -> None:
        with self._lock:
            self._buffers.clear()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _exporter_session() -> Any:
    """A ``requests.Session`` for the OTLP exporter that reads proxy settings from the environment once.

    requests re-reads every environment variable for proxy settings on each request (about a tenth of
    the client's CPU per datapoint in benchmarks/bench_engine.py); the exporter always posts to one URL,
    so the answer is cached per URL and arguments. Proxies still work; changing them mid-run does not.
    """
    import requests

    class EnvironmentOnceSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self._settings: dict[Any, dict[str, Any]] = {}

        def merge_environment_settings(
            self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
        ) -> dict[str, Any]:
            key = (url, stream, verify, cert, tuple(sorted((proxies or {}).items())))
            cached = self._settings.get(key)
            if cached is None:
                cached = self._settings[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
            return dict(cached)

    return EnvironmentOnceSession()


class _Dropped(SpanExporter):
    """An exporter that takes every span and sends it nowhere."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


class TraceSink:
    """The experiment-wide tracing machinery; hands out one :class:`DatapointTracer` per datapoint."""

    def __init__(
        self,
        exporter: SpanExporter,
        service_name: str = "honeyhive-experiment",
        export_backoff: tuple[float, ...] = (0.2, 0.5, 1.0),
    ) -> None:
        self.exporter = exporter
        self.export_backoff = export_backoff
        self._router = _SessionRouter()
        self._stopped = threading.Event()
        # no attribute limits (count or length): the spans are the experiment's data (the module's docstring)
        limits = SpanLimits(max_span_attributes=SpanLimits.UNSET, max_span_attribute_length=SpanLimits.UNSET)
        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}), span_limits=limits)
        self.provider.add_span_processor(self._router)
        self._tracer = self.provider.get_tracer("honeyhive_experiment")

    @classmethod
    def nowhere(cls) -> TraceSink:
        """A sink whose spans are made as in a run and then dropped: nothing is exported (``validate``'s probe)."""
        return cls(_Dropped(), export_backoff=())

    @classmethod
    def otlp(cls, endpoint: str, headers: Mapping[str, str], timeout: float = 30.0) -> TraceSink:
        """A sink exporting with the real OTLP/HTTP (protobuf) exporter to ``{base}/opentelemetry/v1/traces``."""
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return cls(
            OTLPSpanExporter(endpoint=endpoint, headers=dict(headers), timeout=timeout, session=_exporter_session())
        )

    def tracer(self, ids: DatapointIds) -> DatapointTracer:
        return DatapointTracer(self, ids)

    def export(self, session_id: str) -> bool:
        """Export one datapoint's spans. The OTLP exporter retries only what the OTLP spec calls
        retryable (429, 502, 503, 504, connection errors); a 500 fails at once, so the whole export is
        retried here a few times too — safe, because the backend keys events by span id."""
        spans = self._router.take(session_id)
        if not spans:
            return True
        for wait in (*self.export_backoff, None):
            if self.exporter.export(spans) is SpanExportResult.SUCCESS:
                return True
            if wait is None or self._stopped.is_set():
                return False
            log.debug("span export for session %s failed; retrying in %.1f s", session_id, wait)
            if self._stopped.wait(wait):
                return False
        return False

    def discard(self, session_id: str) -> None:
        """Drop a datapoint's finished spans without exporting them."""
        self._router.take(session_id)

    def stop(self) -> None:
        """Stop exporting now (an interrupted run whose backend does not answer): exports in progress give
        up instead of backing off, later ones fail at once."""
        if not self._stopped.is_set():
            self._stopped.set()
            self.exporter.shutdown()  # ends the OTLP exporter's own retry backoff too

    def shutdown(self) -> None:
        self.provider.shutdown()
        self.stop()


class DatapointTracer:
    """One datapoint's tracer: opens spans carrying its ids; ``flush()`` exports its spans.

    Passed to user functions that accept a ``tracer`` parameter::

        def app(datapoint, tracer):
            with tracer.start_as_current_span("retrieve", event_type="tool", inputs={"q": ...}) as span:
                ...
                tracer.enrich_span(outputs={"docs": docs}, metrics={"n_docs": len(docs)})
    """

    def __init__(self, sink: TraceSink, ids: DatapointIds) -> None:
        self.sink = sink
        self.ids = ids

    @property
    def session_id(self) -> str:
        return self.ids.session_id

    def _base_attributes(self, name: str, event_type: str) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {
            "honeyhive.session_id": self.ids.session_id,
            "honeyhive.source": self.ids.source,
            "honeyhive_event_type": event_type,
            "honeyhive_event_name": name,
            "honeyhive_metadata.run_id": self.ids.run_id,
            "honeyhive_metadata.datapoint_id": self.ids.datapoint_id,
        }
        if self.ids.dataset_id:
            attributes["honeyhive_metadata.dataset_id"] = self.ids.dataset_id
        if self.ids.project:
            attributes["honeyhive.project"] = self.ids.project
        return attributes

    @contextmanager
    def activate(self) -> Iterator[None]:
        """Put this datapoint's ids into the current context's baggage while the block runs."""
        ctx = context.get_current()
        for key, value in self.ids.baggage_items().items():
            ctx = baggage.set_baggage(key, value, ctx)
        token = context.attach(ctx)
        try:
            yield
        finally:
            context.detach(token)

    @contextmanager
    def start_as_current_span(
        self,
        name: str,
        event_type: str = "tool",
        *,
        inputs: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> Iterator[ApiSpan]:
        """Open a span of this datapoint (``event_type`` one of chain, model, tool)."""
        attributes = self._base_attributes(name, event_type)
        attributes.update(flatten("honeyhive_inputs", inputs))
        attributes.update(flatten("honeyhive_metadata", metadata))
        attributes.update(flatten("honeyhive_config", config))
        with (
            self.activate(),
            self.sink._tracer.start_as_current_span(
                name, attributes=attributes, record_exception=False, set_status_on_exception=False
            ) as span,
        ):
            yield span

    trace = start_as_current_span

    def enrich_span(
        self,
        *,
        outputs: Any = None,
        metrics: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        feedback: Mapping[str, Any] | None = None,
        span: ApiSpan | None = None,
    ) -> None:
        """Add outputs, metrics, metadata or feedback to the current (or given) span."""
        target = span or get_current_span()
        if isinstance(outputs, Mapping) or outputs is None:
            pairs = flatten("honeyhive_outputs", outputs)
        else:
            pairs = flatten("honeyhive_outputs.result", outputs)
        pairs.update(flatten("honeyhive_metrics", metrics))
        pairs.update(flatten("honeyhive_metadata", metadata))
        pairs.update(flatten("honeyhive_feedback", feedback))
        for key, value in pairs.items():
            target.set_attribute(key, value)

    @staticmethod
    def record_error(span: ApiSpan, error: BaseException | str) -> None:
        message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        span.set_attribute("honeyhive_error", message)
        span.set_status(Status(StatusCode.ERROR, message))

    def flush(self) -> bool:
        """Export this datapoint's finished spans now; False if the exporter gave up."""
        return self.sink.export(self.ids.session_id)

    def discard(self) -> None:
        """Drop this datapoint's spans (a datapoint abandoned by a cancel is not recorded as scored)."""
        self.sink.discard(self.ids.session_id)

"""Per-datapoint tracing: the only module that imports OpenTelemetry.

One :class:`TraceSink` per experiment owns the shared, expensive parts — one ``TracerProvider``, one
OTLP HTTP exporter with one connection pool — and hands out a cheap :class:`DatapointTracer` per
datapoint. A datapoint tracer holds that datapoint's own state (session id, run/dataset/datapoint
ids, source ``evaluation``) and puts it on every span it opens as the attributes of
honeyhive-api.md §6. While a datapoint runs its ids also sit in OpenTelemetry baggage, so spans the
user's code opens through this provider inherit them. Finished spans are buffered per session and
``export()`` exports exactly that datapoint's spans in one OTLP request: no thread, timer or
connection pool is created per datapoint.

Instrumentations (OpenLLMetry's, OpenInference's) are global in a process and open spans through the tracer
provider they were given: the sink's own (``evaluate(instrumentors=...)``), or one of :func:`routed_provider`
(``instrument:``); :func:`route_global_spans` makes OpenTelemetry's global provider route the user's own spans
while a run lasts, and the threads and thread pool tasks a datapoint's code starts carry its context. Each of these
providers hands every span opened inside a datapoint (its session id in the baggage) to that datapoint's session,
whichever sink it belongs to (a sink's own provider: only its own datapoints'), and keeps no other span; the LLM
calls opened in no datapoint while a run counts them (:func:`counting_outside`) are said by the run.
Spans opened while the evaluators run (:meth:`DatapointTracer.judging`) are the judge's; the LLM calls among a
datapoint's finished spans (:meth:`DatapointTracer.llm_calls`) become its efficiency metrics in the runner.

The spans carry the experiment's data (a datapoint's inputs, outputs and metrics, flattened into one attribute
per value as HoneyHive reads them), not telemetry to be sampled: the provider's spans have no attribute limits.
OpenTelemetry's default of 128 attributes per span (or ``OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT``) would evict the
oldest attributes, the datapoint's ids first, of a datapoint with ~125 fields, and HoneyHive drops a span without
``honeyhive.session_id``. When the backend refuses a datapoint's spans (a 4xx, or an OTLP partial success) the
export says so with the backend's reason instead of retrying: see :class:`Export`. Each span goes without the run's
secret values (:func:`_redacted`), whoever opened it, but for the ids it is filed by.

The exporter's requests are held to the client's circuit (:class:`~honeyhive_experiment.connection.Circuit`), as the
client's own are: each waits no longer than the circuit's deadline, an answer or a failed export counts as the
client's would, and once the circuit is open nothing is exported.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from typing import Any, cast

from opentelemetry import baggage, context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanLimits, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Link, ProxyTracerProvider, Status, StatusCode, get_current_span
from opentelemetry.trace import Span as ApiSpan
from pydantic import BaseModel

from honeyhive_experiment.calling import error_text, from_numpy
from honeyhive_experiment.connection import RETRYABLE_STATUSES, Circuit, answer_reason
from honeyhive_experiment.errors import shown
from honeyhive_experiment.llm_calls import OPEN, LlmCall, call_attributes, read_call, read_calls
from honeyhive_experiment.llm_calls import Span as CallSpan
from honeyhive_experiment.models.outcomes import excerpt

log = logging.getLogger(__name__)
# the OTLP/HTTP exporter's logger: it logs every failed export at ERROR (see _own_export_failures)
EXPORTER_LOGGER = "opentelemetry.exporter.otlp.proto.http.trace_exporter"
_REASON_LENGTH = 500
_EXPORT_BACKOFF = (0.2, 0.5, 1.0)  # seconds between the attempts of one datapoint's export (TraceSink.export)

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
# set while a datapoint's evaluators run: the spans opened then are the judge's (DatapointTracer.judging)
_JUDGING = context.create_key("honeyhive_experiment.judging")


MAX_DEPTH = 32
"""How deep a value is recorded: deeper containers are cut, with a marker (:func:`recordable`). Well within what a
backend takes of a whole event (``honeyhive_local``: 64 levels, the event and its bucket included), wherever the value
sits in it; deeper than any real output."""
CYCLE = "[cycle: holds itself]"  # the marker in place of a container inside itself
TOO_DEEP = f"[cut: nested deeper than {MAX_DEPTH} levels]"  # the marker in place of a container nested too deep
_INT64 = 2**63  # the integers an OTLP attribute holds are below it in size; larger ones are recorded as text
_SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Recordable:
    """A value as it can be recorded (:func:`recordable`), and what had to be cut from it to get there."""

    value: Any
    cut: tuple[str, ...] = ()


def recordable(value: Any, path: str = "outputs") -> Recordable:
    """``value`` as JSON and OpenTelemetry can carry it: dicts (str keys), lists, str, bool, int, float and None.

    A set or tuple becomes a list (a set's items sorted, by their text when they do not sort: the same on every
    run), holding the same items; a dataclass or a pydantic model the object of its fields (:func:`_fields`, as its
    own JSON would be: a structured output is recorded as data, not as its ``repr``), a numpy number or array the
    number or lists it holds, an enum member its value; a lone surrogate in a text (or key) U+FFFD. What cannot be
    kept as it is is changed, said in ``cut`` with its path (``path`` names the value): a container holding itself (a
    reference cycle) and containers nested deeper than :data:`MAX_DEPTH` are cut with a marker in their place, a NaN
    or infinity is None (JSON has no such number, and the backend would refuse the whole value), an integer beyond 64
    bits (a span's) its digits as text (a marker beyond the interpreter's limit on them), a mapping's keys that are
    not text their ``str()``. Changed, not refused: the evaluators have scored the value already, and a marker where
    the value was is what ``repr`` and JSON loggers show for the same thing.
    Another object (a class's instance, a datetime, bytes) becomes its :func:`stable_text`, also said in ``cut``: a
    text where the function returned something else.
    """
    cut: list[str] = []
    return Recordable(_recordable(value, (path,), 0, set(), cut), tuple(cut))


_Path = tuple[Any, ...]  # (the path of the container, the key in it), or (the name of the value,): built when said


def _said(path: _Path) -> str:
    """The path as a warning says it, ``outputs.cache.key``; over 200 characters, the keys that fit in 100 at each
    end with "…" between them, each key whole or left out (a warning is redacted after it is written: a key cut
    short, a secret's piece, matches no secret's pattern), and a last key that fits in neither as its whole words
    (:func:`excerpt`)."""
    keys: list[str] = []
    while len(path) == 2:
        path, key = path
        keys.append(str(key))
    keys.append(path[0])
    keys.reverse()
    said = ".".join(keys)
    if len(said) <= 200:
        return said
    head = _first_keys(keys, 100)
    tail = _first_keys(keys[len(head) :][::-1], 100)[::-1] or [excerpt(keys[-1], 100)]
    return ".".join([*head, *(["…"] if tail == ["…"] else ["…", *tail])])


def _first_keys(keys: list[str], limit: int) -> list[str]:
    """The first of ``keys`` whose path (joined by dots) has at most ``limit`` characters."""
    ends = itertools.accumulate(len(key) + 1 for key in keys)  # where each key's path ends, with a dot after it
    return [key for key, end in zip(keys, ends, strict=True) if end <= limit + 1]


def _recordable(value: Any, path: _Path, depth: int, holding: set[int], cut: list[str]) -> Any:
    if isinstance(value, float) and not math.isfinite(value):  # the user's, not the backend's: where it is
        number = "NaN" if math.isnan(value) else value
        cut.append(f"{_said(path)} is {number}, which JSON cannot carry: recorded as null")
        return None
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int):
        # compared, not 'in range(…)': an int subclass (an IntEnum) is looked for in the range one by one, for ever
        if -_INT64 <= value < _INT64:
            return int(value)  # an IntEnum as the number it is
        try:
            digits, said = str(value), "its digits"
        except ValueError:  # more digits than int_max_str_digits allows
            digits = said = f"[an integer of {value.bit_length()} bits]"
        cut.append(f"{_said(path)} is an integer beyond 64 bits, which a span cannot carry: recorded as {said}")
        return digits
    container = isinstance(value, Mapping | list | tuple | set | frozenset)
    if not container and (plain := from_numpy(value)) is not value:  # a numpy number or array: what it holds
        return _recordable(plain, path, depth, holding, cut)
    if isinstance(value, Enum):  # its value, as a JSON encoder writes it (a str or int enum is one already)
        return _recordable(value.value, path, depth, holding, cut)
    if not container and not _has_fields(value):
        # its text is not quoted: said before the run's redaction, a cut of it could show part of a secret
        cut.append(f"{_said(path)} is of type {type(value).__name__}, which JSON cannot carry: recorded as its str()")
        return stable_text(value)
    if id(value) in holding:
        cut.append(f"{_said(path)} holds itself (a reference cycle): recorded as {CYCLE!r}")
        return CYCLE
    if depth >= MAX_DEPTH:
        cut.append(f"{_said(path)} is nested deeper than {MAX_DEPTH} levels: recorded as {TOO_DEEP!r}")
        return TOO_DEEP
    try:  # the user's container: its items() or iteration may raise, which costs this value, not the run
        items = list(value.items() if isinstance(value, Mapping) else value if container else _fields(value))
    except Exception as exc:
        empty: dict[str, Any] | list[Any] = [] if container and not isinstance(value, Mapping) else {}
        cut.append(f"{_said(path)} could not be read ({error_text(exc)}): recorded as {empty}")
        return empty
    holding.add(id(value))  # the containers on the way here: a shared one elsewhere is no cycle
    try:
        if isinstance(value, Mapping) or not container:
            # an int key is recorded as json.dumps writes it; a bool, None, a tuple, an object are not
            if keys := sorted({type(k).__name__ for k, _ in items if type(k) is not int and not isinstance(k, str)}):
                said = f"{_said(path)} has keys of type {', '.join(keys)}"
                cut.append(f"{said}, which JSON cannot carry: recorded as their str()")
            copy: dict[str, Any] = {}
            for key, item in items:
                name = _text(key) if isinstance(key, str) else stable_text(key)
                if name in copy:  # 0 and "0", None and "None": one value is lost
                    cut.append(f"{_said(path)} has two keys recorded as {name!r}: only the last one's value is kept")
                copy[name] = _recordable(item, (path, name), depth + 1, holding, cut)
            return copy
        if isinstance(value, set | frozenset):
            items = _ordered(items)
        return [_recordable(item, (path, index), depth + 1, holding, cut) for index, item in enumerate(items)]
    finally:
        holding.discard(id(value))


def _has_fields(value: Any) -> bool:
    """Whether ``value`` is a dataclass's instance or a pydantic model: recorded as its fields (:func:`_fields`)."""
    return isinstance(value, BaseModel) or (is_dataclass(value) and not isinstance(value, type))


def _fields(value: Any) -> list[tuple[str, Any]]:
    """A dataclass's or a pydantic model's fields its ``repr`` shows, by name (a model's extra ones after them), read
    without copying (its values are walked as any other). Not a field the user kept out of its ``repr``
    (``field(repr=False)``, ``Field(repr=False)``) or its dump (``Field(exclude=True)``): such a field is often a
    client or a credential, which its ``str()`` never shows either. Nor a field the object does not have (a
    dataclass's ``init=False`` one never set): it holds no value of it."""
    if isinstance(value, BaseModel):
        shown = [name for name, info in type(value).model_fields.items() if info.repr and not info.exclude]
        names = [*shown, *(value.model_extra or {})]
    else:
        names = [item.name for item in fields(value) if item.repr]
    return [(name, item) for name in names if (item := getattr(value, name, _UNSET)) is not _UNSET]


_UNSET = object()


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # an object's place in memory, as object.__repr__ and its kin show it


def stable_text(value: Any) -> str:
    """``value``'s ``str()`` as it is recorded: without a memory address (``<app.Answer object at 0x7f…>`` is
    ``<app.Answer object>``), which differs on every run, so that two runs of the same function record the same text
    and the report's diff of their outputs shows no change that is none. Its ``str()``, not its class's name: a
    datetime's, a Decimal's, a path's or the user's own ``__str__`` is its value."""
    return _text(_ADDRESS.sub("", shown(value)))


def _text(text: str) -> str:
    """``text`` with each lone surrogate (which UTF-8 cannot encode) replaced by U+FFFD."""
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


def _ordered(items: list[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:  # mixed types: by type and text, not the set's own order (a str's hash differs by run)
        return sorted(items, key=lambda item: (type(item).__name__, stable_text(item)))


def flatten(prefix: str, value: Any) -> dict[str, AttributeValue]:
    """``flatten("honeyhive_outputs", {"a": {"b": 1}, "l": ["x"]})`` →
    ``{"honeyhive_outputs.a.b": 1, "honeyhive_outputs.l.0": "x"}``, of the value as :func:`recordable` makes
    it (cut where it holds itself or nests too deep); None is left out. A :class:`Recordable`'s value is made so
    already (the runner's outputs): flattened as it is."""
    out: dict[str, AttributeValue] = {}
    if isinstance(value, Recordable):
        value = value.value
    elif value is None or (type(value) is dict and not value):  # most of a span's sections: nothing to walk
        return out
    else:
        value = recordable(value).value
    _flatten_into(out, prefix, value)
    return out


def _flatten_into(out: dict[str, AttributeValue], prefix: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_into(out, f"{prefix}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten_into(out, f"{prefix}.{index}", item)
    elif value is not None:
        out[prefix] = value


@dataclass(frozen=True, slots=True)
class DatapointIds:
    session_id: str
    run_id: str
    dataset_id: str | None
    datapoint_id: str


@dataclass(slots=True)
class _Session:
    """A running datapoint's sink, its finished spans, and the ids of those opened while its evaluators ran
    (:meth:`DatapointTracer.judging`)."""

    sink: TraceSink
    run_id: str  # its run's: the count its unfinished work goes to (Outside.runs)
    redact: Callable[[Any], Any] | None = None  # takes the run's secret values out of what is exported (_redacted)
    ids: Mapping[str, str] = field(default_factory=dict)  # its INHERITED attributes' values: the datapoint's own ids
    spans: list[ReadableSpan] = field(default_factory=list)
    judged: set[int] = field(default_factory=set)
    bridges: dict[int, int | None] = field(default_factory=dict)  # a closed provider's spans: their parents (_Routes)
    root: ApiSpan | None = None  # its first span, the runner's chain span: the session enrich_session fills
    running: dict[int, Span] = field(default_factory=dict)  # the spans opened inside it and not ended yet
    measured: int | None = None  # how many of its spans had ended when its calls were read (DatapointTracer.llm_calls)
    threads: list[threading.Thread] = field(default_factory=list)  # the threads started inside it (_start_carrying)
    tracing: set[int] = field(default_factory=set)  # of those, the ones that opened a span inside it (by ident)


# every datapoint running in this process, by session id (a DatapointTracer adds its own, TraceSink.export and
# DatapointTracer.discard remove it): where a span opened inside a datapoint goes, through whichever provider
_SESSIONS: dict[str, _Session] = {}


class _Routes(SpanProcessor):
    """A span opened inside a datapoint (its session id in the baggage) goes to that datapoint's session, whichever
    sink's (only the ``sink``'s own, on a sink's provider): the datapoint's ids are copied from the baggage onto it,
    over ids another span processor stamped (the official SDK's tracer stamps its own session on every span of its
    provider), and it is kept once finished. Other spans are left alone. Closed, it sends nothing more."""

    def __init__(self, sink: TraceSink | None = None) -> None:
        self.open = True
        self.sink = sink

    def on_start(self, span: Span, parent_context: context.Context | None = None) -> None:
        session_id = baggage.get_baggage("honeyhive.session_id", parent_context)
        session = _SESSIONS.get(session_id) if isinstance(session_id, str) else None
        if session is None:  # in no running datapoint: a recorded one's (by what it left running), or none's
            with _outside_lock:  # a count ending meanwhile clears the spans: none of this run outlives it
                if _OUTSIDE:  # weakly, and as it starts: one dropped open is read so (_open_outside)
                    started = _span(span, still_open=True, calls=True)
                    late = isinstance(session_id, str)  # in a recorded datapoint's context: of its run, its baggage's
                    run = str(baggage.get_baggage("honeyhive.run_id", parent_context) or "") if late else None
                    _STARTED_OUTSIDE[span.context.span_id] = (weakref.ref(span), started, run, self)
            return
        if not self._keeps(session):
            # not kept (an earlier run's instrumentation whose wrapper stayed in place, as OpenLLMetry's does, opens it
            # through that run's provider), but a call span inside it is inside what it is inside
            session.bridges[span.context.span_id] = span.parent.span_id if span.parent else None
            return
        session.running[span.context.span_id] = span  # first: the datapoint may be recorded meanwhile
        if session.threads:
            session.tracing.add(threading.get_ident())
        for key, value in baggage.get_all(parent_context).items():
            attribute = INHERITED.get(key)
            if attribute and isinstance(value, str):
                span.set_attribute(attribute, value)
        if context.get_value(_JUDGING, parent_context):
            session.judged.add(span.context.span_id)

    def on_end(self, span: ReadableSpan) -> None:
        session_id = (span.attributes or {}).get(SESSION_ATTRIBUTE)
        session = _SESSIONS.get(session_id) if isinstance(session_id, str) else None
        if session is not None and self._keeps(session):  # else no running datapoint's (one exported, too): never twice
            session.spans.append(span)
            session.running.pop(span.context.span_id, None)  # after: still_running sees it in one or the other
        elif span.context.span_id in _STARTED_OUTSIDE:
            _outside(span, kept=self.open)

    def _keeps(self, session: _Session) -> bool:
        return self.open and self.sink in (None, session.sink)

    def shutdown(self) -> None:
        self.open = False


@dataclass(slots=True)
class Outside:
    """The spans :func:`counting_outside` kept while it ran: those opened in no datapoint's context (a thread that does
    not carry one), read as :attr:`calls`; and the datapoints' own that ended after their datapoint was recorded
    (still running then, :func:`_still_running`, or opened after by what it left running: a thread it did not join),
    read as :attr:`unfinished_calls`: those of its :attr:`runs`' datapoints only (two runs at once in one process each
    count their own), while a span opened in no datapoint's context is in every count running then (no run owns it).
    Either is in no metric; only the first is none of the datapoints' work. A count that began with the import of the
    user's code keeps those opened until it was over apart, wherever they end: its setup calls (:attr:`setup_calls`).
    """

    spans: list[CallSpan] = field(default_factory=list)
    errored: dict[int, str] = field(default_factory=dict)  # of the spans whose status is ERROR, by id: _error
    unfinished: list[CallSpan] = field(default_factory=list)
    setup: list[CallSpan] = field(default_factory=list)  # those opened before setup_until: the import's
    setup_until: int = 0  # when the import of the user's code ended, in ns (0: this count has none; OPEN: not yet)
    still_open: list[tuple[CallSpan, str | None]] | None = None  # when it ended: those not ended yet (_open_outside)
    runs: set[str] = field(default_factory=set)  # whose datapoints' unfinished work it counts (the runner's); none: any

    def imported(self) -> None:
        """The import of the user's code is over: a span opened from now on is not its (:func:`counting_outside`)."""
        self.setup_until = time.time_ns()  # OpenTelemetry's clock of a span's start

    def owns(self, run: str) -> bool:
        """Whether the unfinished work of ``run``'s datapoints is this count's."""
        return not self.runs or run in self.runs

    def _home(self, read: CallSpan, run: str | None) -> list[CallSpan]:
        """Where a span opened in no running datapoint goes: the import's (:attr:`setup`) if it opened before the import
        was over, else outside every datapoint (:attr:`spans`) if it opened in none's context, else (in the context of
        ``run``'s recorded datapoint) its unfinished work if the run is this count's, else nowhere."""
        if read.start < self.setup_until:
            return self.setup
        return self.spans if run is None else self.unfinished if self.owns(run) else []

    def _kept(self) -> Outside:
        """This count with the spans opened in no running datapoint that had not ended when read (or when the count
        ended), each where it would go if it ended then: a call still running at the run's end (the server holds it)
        was made, and a datapoint's recorded before it opened one is as unfinished as one still running when it was
        recorded (:func:`_still_running`, which counts it however long it runs)."""
        with _outside_lock:
            kept = replace(self, spans=list(self.spans), unfinished=list(self.unfinished), setup=list(self.setup))
            still = _open_outside() if self.still_open is None else self.still_open
        for read, run in still:
            kept._home(read, run).append(read)
        return kept

    @property
    def setup_calls(self) -> list[LlmCall]:
        """The LLM calls (made: not failed) opened while the user's code was imported, wherever they ended."""
        return _made(self._kept().setup, self.errored)

    @property
    def calls(self) -> int:
        """How many LLM calls (made: a failed one is in no metric anyway) were made outside every datapoint's
        context."""
        return len(_made(self._kept().spans, self.errored))

    @property
    def unfinished_calls(self) -> int:
        """How many LLM calls of the datapoints' own (made: not failed) ended after their datapoint was recorded."""
        return len(_made(self._kept().unfinished, self.errored))


def _made(spans: list[CallSpan], errored: dict[int, str]) -> list[LlmCall]:
    return [call for call in read_calls(spans, errored).values() if not call.failed]


_OUTSIDE: list[Outside] = []  # the counts running now (counting_outside)
# the spans opened in no running datapoint while any count runs, not yet ended: each weakly (one dropped open, a stream
# never read, is not held till the count ends) and as it started, the run whose recorded datapoint's context it was
# opened in (its unfinished work, Outside.unfinished) or None (in none: Outside.spans), and the processor that kept it
_STARTED_OUTSIDE: dict[int, tuple[weakref.ref[Span], CallSpan, str | None, _Routes]] = {}
_outside_lock = threading.Lock()


@contextmanager
def counting_outside(*, importing: bool = False) -> Iterator[Outside]:
    """While the block runs (a run's datapoints), keep the spans opened in no running datapoint, by any provider that
    routes spans to datapoints: the LLM calls among them are counted in no metric, and said. ``importing``: the block
    begins with the import of the user's code, until :meth:`Outside.imported`: the spans opened until then are its
    setup calls (:attr:`Outside.setup`) however late they end, those opened after (meanwhile too, before the
    datapoints) outside every datapoint. One count from the import on: a call ending (or opened) between two counts
    was in neither."""
    outside = Outside(setup_until=OPEN if importing else 0)
    with _outside_lock:
        _OUTSIDE.append(outside)
    try:
        yield outside
    finally:
        with _outside_lock:
            outside.still_open = _open_outside()
            _OUTSIDE.remove(outside)
            if not _OUTSIDE:
                _STARTED_OUTSIDE.clear()


def _open_outside() -> list[tuple[CallSpan, str | None]]:
    """The spans in :data:`_STARTED_OUTSIDE` (read under ``_outside_lock``), as :func:`_outside` would keep them
    ended now but open till the end of time (another instrumentation's span of its call, ended inside it, is still
    that call), each with the run in whose recorded datapoint's context it was opened (None: in none). One dropped
    open (a stream never read, whose instrumentation does not end its span when the stream is collected) is read as it
    started: a call when it named its model as it started."""
    still = []
    for ref, started, run, routes in list(_STARTED_OUTSIDE.values()):
        span = ref()
        read = started if span is None else _span(span, still_open=True, calls=True)
        still.append((read if routes.open else read._replace(attributes=None), run))
    return still


def _outside(span: ReadableSpan, *, kept: bool) -> None:
    """Keep ``span``: its attributes only when it describes a call (enough to tell calls inside one another) and it is
    ``kept`` (a closed provider's, of an earlier run, is only a link between its parent and what is inside it); as a
    recorded datapoint's unfinished work when it was opened in one's context (its run's count only); once (it leaves
    _STARTED_OUTSIDE)."""
    error = _error(span)
    read = _span(span, calls=True)
    read = read if kept else read._replace(attributes=None)
    with _outside_lock:
        started = _STARTED_OUTSIDE.pop(span.context.span_id, None)  # here: a count read meanwhile sees it once
        if started is None:
            return
        for outside in _OUTSIDE:
            outside._home(read, started[2]).append(read)
            if error is not None:
                outside.errored[read.span_id] = error


def _still_running(session: _Session) -> None:
    """Count as a recorded datapoint's unfinished work (:attr:`Outside.unfinished`, its run's count only) the calls of
    ``session`` (no longer running) that had not ended when its calls were read: a thread or task it left running, a
    call its timeout gave up on. They are in none of its metrics, but they are its work, not outside every datapoint:
    a gate on the cost does not excuse them as it does calls made outside (``verdict._alike``). An ERROR status does
    not make one failed here (:attr:`Outside.unfinished_calls` counts only calls made): a call the timeout
    cancelled may still be billed."""
    if session.measured is None:  # its calls were never read: not recorded
        return
    # the running ones first (on_end's order: one ending now is in either, or in both), open till the end of time (so
    # another instrumentation's span of its call, ended within it, is still that call) and read when the count is:
    # one just started may not name its model yet, so its attributes are read live, not kept as a call's now
    running = {s.context.span_id: _span(s, still_open=True) for s in list(session.running.values())}
    ended = [s for s in session.spans[session.measured :] if s.context.span_id not in running]
    # read as a plain dict (a span's attributes look each name up in Python) and kept (_span) only if one is a call
    if not running and all(read_call(dict(s.attributes or {})) is None for s in ended):
        return  # the usual: only the datapoint's own span ended after
    kept = [*running.values(), *(_span(s, calls=True) for s in ended)]
    with _outside_lock:
        for outside in _OUTSIDE:
            if outside.owns(session.run_id):
                outside.unfinished.extend(kept)


def _span(span: ReadableSpan, *, still_open: bool = False, calls: bool = False) -> CallSpan:
    """What :func:`~honeyhive_experiment.llm_calls.read_calls` reads of a finished span (or of one ``still_open``: its
    attributes as they are when read); ``calls``: of its attributes only those of a call (kept for a count till it is
    read: not the prompt)."""
    scope = span.instrumentation_scope.name if span.instrumentation_scope else ""
    parent = span.parent.span_id if span.parent else None
    end = OPEN if still_open else span.end_time or 0
    attributes = call_attributes(span.attributes) if calls else span.attributes
    return CallSpan(span.context.span_id, parent, attributes, scope, span.start_time or 0, end)


def _error(span: ReadableSpan) -> str | None:
    """What :func:`~honeyhive_experiment.llm_calls.read_calls` is told of a span whose status is ERROR: the class of
    the last exception it recorded (its ``exception`` event: OpenInference names a client's timeout only there), ""
    when none; None: its status is not ERROR."""
    if span.status.status_code is not StatusCode.ERROR:
        return None
    types = [event.attributes.get("exception.type") for event in span.events if event.attributes]
    return next((str(t) for t in reversed(types) if t is not None), "")


def _unlimited_provider(kind: type[TracerProvider] = TracerProvider) -> TracerProvider:
    """A provider without attribute limits, count or length (the module's docstring says why)."""
    limits = SpanLimits(max_span_attributes=SpanLimits.UNSET, max_span_attribute_length=SpanLimits.UNSET)
    return kind(resource=Resource.create({"service.name": "honeyhive-experiment"}), span_limits=limits)


@contextmanager
def routed_provider() -> Iterator[TracerProvider]:
    """A tracer provider for one run's instrumentations: a span opened through it inside a datapoint goes to that
    datapoint's session. Closed after the run: why, :mod:`~honeyhive_experiment.instrumentation` says."""
    provider = _unlimited_provider()
    provider.add_span_processor(_Routes())
    try:
        yield provider
    finally:
        provider.shutdown()  # its _Routes: closed


class _RunTracer(trace.ProxyTracer):
    """A tracer of :class:`_GlobalProvider`'s: its own while that provider is the global one (a run), after that
    OpenTelemetry's proxy, which follows the provider set then. A tracer is bound for good to the provider that is
    global when it first opens a span (``ProxyTracer``) or when it is taken (``get_tracer``): to one of these, not
    to ours, so the user's module-level ``tracer = trace.get_tracer(__name__)`` reaches the provider they set after
    the run."""

    def __init__(self, ours: trace.Tracer, *named: Any, **options: Any) -> None:
        super().__init__(*named, **options)
        self._ours = ours

    @property
    def _tracer(self) -> trace.Tracer:
        return self._ours if trace._TRACER_PROVIDER is _global_provider else super()._tracer


class _GlobalProvider(TracerProvider):
    """Ours, OpenTelemetry's global provider while a run is in :func:`route_global_spans` and none was set: its
    tracers are :class:`_RunTracer`'s."""

    def get_tracer(self, *named: Any, **options: Any) -> trace.Tracer:
        return _RunTracer(super().get_tracer(*named, **options), *named, **options)


_GLOBAL_ROUTES = _Routes()
_global_lock = threading.Lock()
_global_runs = 0  # the runs inside route_global_spans now
_global_provider: TracerProvider | None = None  # ours (a _GlobalProvider), made once
_routed: set[TracerProvider] = set()  # the global providers given _GLOBAL_ROUTES (each once)


@contextmanager
def route_global_spans() -> Iterator[None]:
    """While the block runs, OpenTelemetry's global tracer provider routes every span opened inside a datapoint to
    that datapoint's session, so the spans the user's code opens through ``opentelemetry.trace.get_tracer`` (and
    those of an instrumentation the user switched on without a provider of its own) are its datapoint's; and the
    threads and pool tasks a datapoint's code starts carry its context (:func:`_carry_into_threads`).

    When no global provider is set, one of ours is it while any run is in the block, and none after, so the user can
    still set theirs: OpenTelemetry lets a process set one only once; and the tracers bound to ours meanwhile (the
    user's ``trace.get_tracer`` of before or during the run) follow theirs after (:class:`_RunTracer`). One the user
    set (an SDK ``TracerProvider``) gets our processor as well, and its own exporters still see every span. Any other
    kind cannot be given a processor: said in the log.
    """
    global _global_runs, _global_provider
    with _global_lock:
        _global_runs += 1
        if _global_runs == 1:
            current = trace.get_tracer_provider()
            if isinstance(current, ProxyTracerProvider):
                current = _global_provider = _global_provider or _unlimited_provider(_GlobalProvider)
                trace.set_tracer_provider(current)
            if not isinstance(current, TracerProvider):
                log.warning(
                    "the global tracer provider is a %s, which takes no span processor: spans opened through it are"
                    " not in the datapoints' sessions (the instrumentations' are)",
                    type(current).__name__,
                )
            elif current not in _routed:
                current.add_span_processor(_GLOBAL_ROUTES)
                _routed.add(current)
            _carry_into_threads(True)
    try:
        yield
    finally:
        with _global_lock:
            _global_runs -= 1
            if _global_runs == 0:
                _carry_into_threads(False)
                if _global_provider is not None and trace._TRACER_PROVIDER is _global_provider:
                    from opentelemetry.util._once import Once  # unset as OpenTelemetry's own tests do

                    trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = None, Once()


_next: dict[str, Any] = {"start": threading.Thread.start, "submit": ThreadPoolExecutor.submit}  # ours call these
_in_place: set[str] = set()  # ours put in place by _carry_into_threads and not put back


def _carry_into_threads(on: bool) -> None:
    """Switch on (or off) carrying a datapoint's OpenTelemetry context into the threads its code starts
    (``threading.Thread``, ``Timer``) and the tasks it gives a ``ThreadPoolExecutor`` (``map``, ``submit``,
    ``loop.run_in_executor``) or a ``multiprocessing.pool.ThreadPool`` (``apply``, ``map``, ``imap`` and the rest),
    wherever the pool was made: their spans are the datapoint's, as a task's (``asyncio.to_thread``) are. Only what
    is started inside a datapoint is touched. A pool's own threads (its workers) carry no datapoint's context, even
    when a datapoint made the pool (lazily, on first use): they serve every datapoint's tasks, each in its own. Ours
    call on to what was in place (another's wrapper: ``sentry_sdk.init()`` puts its own ``Thread.start``), which is
    put back after; what the user's code (or OpenTelemetry's threading instrumentation) put in place of ours
    meanwhile is left as it is.

    A long-lived thread of the user's own that a datapoint started (a queue's consumer) carries that datapoint's
    context for good: which datapoint a job it takes is for cannot be known. Once that datapoint is recorded, the
    spans opened in its context are in no running datapoint: counted as the datapoints' unfinished work
    (:attr:`Outside.unfinished`), in none of its metrics, as are its calls still running then (:func:`_still_running`);
    the runner says once per run that such a thread was still running when its datapoint was recorded
    (:meth:`DatapointTracer.threads_running`).

    Ours, not ``opentelemetry-instrumentation-threading``: that package pins ``opentelemetry-instrumentation`` to its
    own release (``==0.66b1`` when 0.66b2 is out), so depending on it would hold back, or fail to install beside, the
    user's instrumentations; and it gives a pool's worker thread the context of the task that started it, for good."""
    from multiprocessing.pool import ThreadPool  # here, not at import: the command's start does not wait on it

    for owner, name, ours in (
        (threading.Thread, "start", _start_carrying),
        (ThreadPoolExecutor, "submit", _submit_carrying),
        (ThreadPool, "__init__", _pool_made_carrying),
        (ThreadPool, "apply_async", _apply_carrying),  # apply's too
        (ThreadPool, "_guarded_task_generation", _tasks_carrying),  # called as map, imap, ... are, for their tasks
    ):
        if not hasattr(owner, name):  # a later Python's ThreadPool without _guarded_task_generation: left alone
            continue
        if on and name not in _in_place:  # else ours are in place still, or under what replaced them
            _next[name] = getattr(owner, name)
            setattr(owner, name, ours)
            _in_place.add(name)
        elif not on and getattr(owner, name) is ours:
            delattr(owner, name)  # what it inherits (ThreadPool's from Pool) shows again
            if getattr(owner, name, None) is not _next[name]:
                setattr(owner, name, _next[name])
            _in_place.discard(name)


@contextmanager
def _in(ctx: context.Context) -> Iterator[None]:
    """``ctx`` is the current context while the block runs."""
    token = context.attach(ctx)
    try:
        yield
    finally:
        context.detach(token)


def _attached(carried: context.Context, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with _in(carried):
        return function(*args, **kwargs)


def _carried(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, to run in the current context wherever it is called, when that is a datapoint's."""
    carried = context.get_current()
    if baggage.get_baggage("honeyhive.session_id", carried) is None:
        return function
    return functools.partial(_attached, carried, function)


def _current_session() -> _Session | None:
    """The datapoint of a run of this process whose context this code runs in (its function or evaluators, or a thread
    or a pool's task they started, which carry it); not a session of the user's own HoneyHive tracing."""
    return _SESSIONS.get(str(baggage.get_baggage("honeyhive.session_id")))


def in_datapoint() -> bool:
    """Whether this code runs in a datapoint of a run of this process (:func:`_current_session`)."""
    return _current_session() is not None


def _start_carrying(thread: threading.Thread) -> None:
    """``Thread.start`` while datapoints run: a thread started inside a datapoint runs in its context (and is one of
    its :attr:`_Session.threads`); ours (``honeyhive-…``, which run each task in its own context) in none."""
    run = thread.run
    if not thread.name.startswith("honeyhive-") and (task := _carried(run)) is not run:
        setattr(thread, "run", task)  # noqa: B010  # this thread's only
        if (session := _current_session()) is not None:
            session.threads.append(thread)
    _next["start"](thread)


def _submit_carrying(pool: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
    """``ThreadPoolExecutor.submit`` while datapoints run: a task submitted inside a datapoint runs in its context."""
    submit: Callable[..., Future[Any]] = _next["submit"]  # ThreadPoolExecutor's, or what was in place before ours
    task = _carried(fn)
    if task is fn:
        return submit(pool, fn, *args, **kwargs)
    # a worker thread the pool starts now is the pool's, no datapoint's
    return cast("Future[Any]", _attached(context.Context(), submit, pool, task, *args, **kwargs))


def _pool_made_carrying(pool: Any, *args: Any, **kwargs: Any) -> None:
    """``ThreadPool.__init__`` while datapoints run: the threads it starts are the pool's, no datapoint's."""
    _attached(context.Context(), _next["__init__"], pool, *args, **kwargs)


def _apply_carrying(pool: Any, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``ThreadPool.apply_async`` while datapoints run: a task given inside a datapoint runs in its context."""
    return _next["apply_async"](pool, _carried(func), *args, **kwargs)


def _tasks_carrying(pool: Any, job: int, func: Callable[..., Any], iterable: Any) -> Any:
    """``ThreadPool._guarded_task_generation``, which ``map``, ``starmap``, ``imap``, ``imap_unordered`` (and the
    ``_async`` ones) call in the thread that gives the tasks: the tasks given inside a datapoint run in its context."""
    return _next["_guarded_task_generation"](pool, job, _carried(func), iterable)


_app_flush: threading.Thread | None = None  # flush_other_providers' latest, one at a time (under its lock)
_app_flush_lock = threading.Lock()


def flush_other_providers(timeout_millis: float = 30000) -> bool:
    """Send what the tracer providers not ours hold, now, waiting ``timeout_millis`` at most: OpenTelemetry's global
    one (an app's ``HoneyHiveTracer.init()`` makes the official SDK's it) and those of the SDK's tracers (one made
    while another provider was global has its own). The spans an app opens through them inside a datapoint (the SDK's
    ``@trace``, its ``enrich_span`` metrics) go to HoneyHive by their own exporter, batched every 5 s by default, so
    without this they would arrive after the run is judged. False when one of them could not (in time)."""
    providers: list[object] = [trace.get_tracer_provider()]
    registry = sys.modules.get("honeyhive.tracer.registry")  # the SDK, when the app imported it
    if registry is not None:
        providers += [getattr(sdk_tracer, "provider", None) for sdk_tracer in registry.get_all_tracers()]
    flushed: list[bool] = []

    def flush() -> None:
        for provider in {id(p): p for p in providers if isinstance(p, TracerProvider)}.values():
            try:
                flushed.append(provider.force_flush(int(timeout_millis)))
            except Exception as exc:  # the app's exporter: its spans are late, the datapoint is not lost
                log.warning("the app's tracer provider could not flush: %s: %s", type(exc).__name__, exc)
                flushed.append(False)

    # waited for here at most timeout_millis: a batch processor exports in the thread that flushes it, for as long
    # as its exporter takes (a dead collector: its own timeout and retries), whatever timeout it is given. A run
    # after one whose flush still runs (evaluate() in a loop) waits on that one instead of starting another.
    global _app_flush
    deadline = time.monotonic() + timeout_millis / 1000
    with _app_flush_lock:
        if _app_flush is not None:
            _app_flush.join(timeout_millis / 1000)
            if _app_flush.is_alive():
                return False
        worker = _app_flush = threading.Thread(target=flush, name="honeyhive-app-flush", daemon=True)
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
    return not worker.is_alive() and all(flushed)


class _Exporting(threading.local):
    """This thread's export while it runs (:meth:`TraceSink._export_once`): its latest request's response, or the
    error that left it without one (the exporter tells only success or failure; why is in them), and the latest
    warning or error the exporter logged (why an export that sent nothing failed: :func:`_own_export_failures`)."""

    active = False
    response: Any = None
    error: BaseException | None = None
    logged: str | None = None


_EXPORTING = _Exporting()


class _NotSent(Exception):
    """The circuit is open: the export request was not sent (not a connection error: the exporter does not retry)."""


def _exporter_session(circuit: Circuit | None = None, connect: float = 5.0, connections: int = 10) -> Any:
    """A ``requests.Session`` for the OTLP exporter that reads proxy settings from the environment once, and
    keeps each thread's latest response in :data:`_EXPORTING`. Each request is held to the ``circuit``, as the
    module's docstring says.

    Its pool keeps ``connections`` connections per host: as many as datapoints export at once (the run's
    workers; beyond requests' default of 10, each export would open a connection and drop it, with a warning).

    requests re-reads every environment variable for proxy settings on each request, and prepares each request
    anew (merging cookies, headers and hooks, looking for a ``.netrc``): together about a third of its CPU per
    request, the client's most expensive one per datapoint in benchmarks/bench_engine.py. The exporter always posts
    to one URL with the same headers, so both are done once per URL and arguments: each export copies the prepared
    request and adds its body. Proxies and a ``.netrc`` still work; changing them mid-run does not. A session that
    holds cookies (set by the backend) prepares each request as requests does.
    """
    import requests
    from requests.adapters import HTTPAdapter

    class ExporterSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self._settings: dict[Any, dict[str, Any]] = {}
            self._prepared: dict[Any, requests.PreparedRequest] = {}

        def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
            hooks = any(request.hooks.values())
            if self.cookies or request.cookies or request.params or request.files or request.auth or hooks:
                return super().prepare_request(request)
            key = (request.method, request.url, tuple((request.headers or {}).items()))
            template = self._prepared.get(key)
            if template is None:
                bare = requests.Request(request.method, request.url, headers=request.headers)
                template = self._prepared[key] = super().prepare_request(bare)
            prepared = template.copy()
            prepared.prepare_body(request.data, None, request.json)
            return prepared

        def merge_environment_settings(
            self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
        ) -> dict[str, Any]:
            key = (url, stream, verify, cert, tuple(sorted((proxies or {}).items())))
            cached = self._settings.get(key)
            if cached is None:
                cached = self._settings[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
            return dict(cached)

        def request(self, *args: Any, **kwargs: Any) -> Any:
            _EXPORTING.response = _EXPORTING.error = None
            try:
                if circuit is not None:  # the export's time left as (connect, read), within the circuit's deadline
                    left = circuit.time_left()
                    if circuit.open:
                        raise _NotSent("not sent: the backend stopped answering")
                    read = left if kwargs.get("timeout") is None else min(left, kwargs["timeout"])
                    kwargs["timeout"] = min(connect, read), read
                _EXPORTING.response = response = super().request(*args, **kwargs)
            except Exception as exc:  # the exporter handles it; why the export failed is kept
                _EXPORTING.error = exc
                raise
            if circuit is not None:
                circuit.answered(response.status_code)
            return response

    session = ExporterSession()
    adapter = HTTPAdapter(pool_maxsize=max(connections, 1))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _rejected_spans(response: Any) -> str | None:
    """Why a 2xx answer refused the export: OTLP's ``partial_success`` rejected spans, or it is no OTLP answer (a web
    page: a sign-in portal or a web server at the server URL; an OTLP type whose body does not parse, cut short), which
    took nothing. None when it rejected none (an empty answer is OTLP's empty one; another type says nothing)."""
    if not response.content:
        return None
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    status, kind = response.status_code, response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "text/html":  # as the client says it of its own requests' (client._web_page)
        base = response.url.split("/opentelemetry/", 1)[0]
        return (
            f"HTTP {status} with a web page (text/html), not an OTLP answer: is {base} HoneyHive's API? (the server"
            " URL: the `server-url` input, --server-url or HH_API_URL)"
        )
    answer = ExportTraceServiceResponse()
    try:
        if kind == "application/json":
            text = response.content.decode("utf-8-sig", "replace")
            try:
                found = json.loads(text)
            except ValueError:
                if text.lstrip()[:1] not in ("{", "["):  # not an object cut short (an unquoted OK): says nothing
                    return None
                raise
            if not isinstance(found, dict):  # null, true, "OK", []: no OTLP answer, but nothing cut: says nothing
                return None
            json_format.ParseDict(found, answer, ignore_unknown_fields=True)
        elif kind in ("application/x-protobuf", "application/protobuf"):
            answer.ParseFromString(response.content)
        else:  # a type OTLP does not answer with (a proxy's or a backend's text/plain "OK"): says nothing, as before
            return None
    except Exception as exc:
        why = excerpt(str(exc) or type(exc).__name__, 100)
        return excerpt(f"HTTP {status} with no OTLP answer ({why}), so nothing taken: {response.text}", _REASON_LENGTH)
    rejected = answer.partial_success.rejected_spans
    if not rejected:
        return None
    reason = answer.partial_success.error_message or "no reason given"
    return excerpt(f"{rejected} span(s) rejected: {reason}", _REASON_LENGTH)


def _refusal(response: Any) -> str | None:
    """The backend's reason when its answer refuses the export for good: a 4xx (not 408 or 429, which the
    exporter retries) or a 5xx the client does not retry either (507: the local backend's full disk), or a 2xx
    whose OTLP partial success rejected spans or that is no OTLP answer. None otherwise."""
    if response is None:
        return None
    status = response.status_code
    if 200 <= status < 300:
        return _rejected_spans(response)
    if 400 <= status < 600 and status not in (408, *RETRYABLE_STATUSES):
        return f"HTTP {status}: {answer_reason(response)}"
    return None


def _failure() -> str:
    """Why this thread's OTLP export failed: the backend's answer, else the error of the request, else what the
    exporter logged (it sent nothing)."""
    if _EXPORTING.response is not None:
        return f"HTTP {_EXPORTING.response.status_code}: {answer_reason(_EXPORTING.response)}"
    if _EXPORTING.error is not None:
        return excerpt(f"no answer from the backend: {_EXPORTING.error}", _REASON_LENGTH)
    return excerpt(_EXPORTING.logged or "the exporter sent nothing", _REASON_LENGTH)


def _own_export_failures(record: logging.LogRecord) -> bool:
    """The OTLP exporter's log filter: keeps its ERROR records of this module's exports (``Failed to export spans
    batch code: 400, reason: Bad Request``, once per request: a line per datapoint, four when retried) out of the
    log: the export reads the backend's answer itself, and the runner says once per run how many datapoints' spans
    were lost and why. Other exports in the process (and the exporter's warnings) are left alone. The latest warning
    or error of an export is ``_EXPORTING.logged``: why an export that sent nothing failed."""
    if record.levelno < logging.WARNING or not _EXPORTING.active:
        return True
    _EXPORTING.logged = record.getMessage()
    return record.levelno < logging.ERROR


@dataclass(frozen=True, slots=True)
class Export:
    """What became of a datapoint's spans; true when they were sent (or there were none).

    Else ``reason`` says why not (the datapoint is not recorded), and ``refused`` whether the backend answered that
    it will not take them (a 4xx, or an OTLP partial success that rejected spans): sending the same spans again
    cannot help.
    """

    reason: str | None = None
    refused: bool = False

    def __bool__(self) -> bool:
        return self.reason is None


SENT = Export()


class _Dropped(SpanExporter):
    """An exporter that takes every span and sends it nowhere, keeping only the metrics they carry (``metrics``:
    name → value, the first span's of a name), as HoneyHive reads them: ``honeyhive_metrics.<name>``."""

    def __init__(self) -> None:
        self.metrics: dict[str, AttributeValue] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            for key, value in (span.attributes or {}).items():
                name = key.removeprefix("honeyhive_metrics.")
                if name != key and "." not in name and isinstance(value, AttributeValue):  # a nested one: no metric
                    self.metrics.setdefault(name, value)
        return SpanExportResult.SUCCESS


def _redacted(
    spans: Sequence[ReadableSpan], redact: Callable[[Any], Any], ids: Mapping[str, str]
) -> list[ReadableSpan]:
    """``spans`` as they are exported: ``redact`` (the runner's, of the run's secret values: it takes them out of a
    mapping's keys too) of each one's name, its status's description, its events' names and its, its events' and its
    links' attributes (their names and values: a text, or a list of them), and of its resource's attributes (each
    resource once: the process's, ``OTEL_RESOURCE_ATTRIBUTES``, or that of the user's own provider). Every span of a
    datapoint: what the user's code records through its ``tracer`` (``enrich_span``, ``enrich_session``), its own spans
    and an instrumentation's (an ``exception`` event's message and stack, a URL with a token in it, a key in an
    attribute's name), which a job without those values (a report job, ``view``) would otherwise show. Not its
    instrumentation scope (the library's name and version). Its :data:`INHERITED` attributes are the datapoint's own
    ``ids``, whatever the span holds: the backend files the span by them under the session the runner started with the
    same ids as the dataset holds them (a datapoint id holding a secret's value, ``***`` in its span, would leave the
    datapoint without its function span); the user's metadata of those names (``enrich_span(metadata={"run_id":
    …})``, nested or not) neither re-files the span nor is lost: it goes, redacted, under ``user_<name>`` (a
    ``user_run_id`` of the user's own wins). Nor are the
    session's inputs the runner sends as it starts it: the dataset's (the repository's or HoneyHive's own already),
    not the code's."""
    resources: dict[int, Resource] = {}

    def resource(span: ReadableSpan) -> Resource:
        found = resources.get(id(span.resource))
        if found is None:
            found = resources[id(span.resource)] = Resource(values(span.resource.attributes), span.resource.schema_url)
        return found

    def values(attributes: Mapping[str, Any] | None) -> Any:
        return redact(attributes or {})  # their names and values: a mapping's keys and values

    def theirs(key: str) -> str:  # where the user's value of a metadata name the span is filed by goes
        filed = any(n.startswith("honeyhive_metadata.") and f"{key}.".startswith(f"{n}.") for n in ids)
        return key.replace("honeyhive_metadata.", "honeyhive_metadata.user_", 1) if filed else key

    def one(span: ReadableSpan) -> ReadableSpan:
        status, attributes = span.status, span.attributes or {}
        if status.description:
            status = Status(status.status_code, redact(status.description))
        kept = {key: value for key, value in attributes.items() if theirs(key) == key or ids.get(key) == value}
        held = {theirs(key): value for key, value in attributes.items() if key not in kept} | kept
        return ReadableSpan(
            redact(span.name),
            span.context,
            span.parent,
            resource(span),
            {**values(held), **{key: ids[key] for key in ids.keys() & attributes.keys()}},
            [Event(redact(e.name), values(e.attributes), e.timestamp) for e in span.events],
            [Link(link.context, values(link.attributes)) for link in span.links],
            span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    return [one(span) for span in spans]


class TraceSink:
    """The experiment-wide tracing machinery; hands out one :class:`DatapointTracer` per datapoint."""

    def __init__(
        self,
        exporter: SpanExporter,
        circuit: Circuit | None = None,
        *,
        otlp: bool = False,
    ) -> None:
        self.exporter = exporter
        self._otlp = otlp  # the OTLP exporter of otlp(): its requests' answers are read (_EXPORTING)
        self._circuit = circuit
        self._stopped = threading.Event()
        self.provider = _unlimited_provider()
        self.provider.add_span_processor(_Routes(self))
        self._tracer = self.provider.get_tracer("honeyhive_experiment")
        self.sdk_default: DatapointTracer | None = None  # the SDK's default tracer when the app had none (activate)

    @classmethod
    def nowhere(cls) -> TraceSink:
        """A sink whose spans are made as in a run and then dropped: nothing is exported (``validate``'s probe), but
        the metrics they carried are kept (:attr:`dropped_metrics`)."""
        return cls(_Dropped())

    @property
    def dropped_metrics(self) -> Mapping[str, AttributeValue]:
        """The metrics the spans of a :meth:`nowhere` sink carried when dropped (name → value): the function's own
        (``tracer.enrich_span(metrics=...)``) beside the evaluators' its datapoint's span records."""
        return self.exporter.metrics if isinstance(self.exporter, _Dropped) else {}

    @classmethod
    def otlp(
        cls,
        endpoint: str,
        headers: Mapping[str, str],
        timeout: float = 30.0,
        *,
        circuit: Circuit | None = None,
        connect: float = 5.0,
        connections: int = 10,
    ) -> TraceSink:
        """A sink exporting with the real OTLP/HTTP (protobuf) exporter to ``{base}/opentelemetry/v1/traces``, each
        export within ``timeout`` seconds (its retries included), each request within ``circuit``'s deadline (the
        client's: the module's docstring) and ``connect`` seconds to connect; ``connections``: how many exports run
        at once (the run's workers), the connections its pool keeps."""
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        logging.getLogger(EXPORTER_LOGGER).addFilter(_own_export_failures)  # logging adds it once, however many sinks
        session = _exporter_session(circuit, connect, connections)
        exporter = OTLPSpanExporter(endpoint=endpoint, headers=dict(headers), timeout=timeout, session=session)
        return cls(exporter, circuit, otlp=True)

    def tracer(self, ids: DatapointIds, redact: Callable[[Any], Any] | None = None) -> DatapointTracer:
        """The tracer of the datapoint ``ids`` name; ``redact``: what takes the run's secret values out of each of its
        spans as it is exported (:func:`_redacted`), None to take none out."""
        return DatapointTracer(self, ids, redact)

    def export(self, session_id: str) -> Export:
        """Export one datapoint's spans. The OTLP exporter retries only what the OTLP spec calls
        retryable (429, 502, 503, 504, connection errors); a 500 fails at once, so the whole export is
        retried here a few times too — safe, because the backend keys events by span id. An answer that
        refuses the spans (a 4xx, rejected spans in a partial success) is not retried: it is returned."""
        session = _SESSIONS.pop(session_id, None)
        if session is None:
            return SENT
        _still_running(session)
        if not session.spans:
            return SENT
        redact = session.redact
        spans = session.spans if redact is None else _redacted(session.spans, redact, session.ids)
        for wait in (*_EXPORT_BACKOFF, None):
            result = self._export_once(spans)
            refusal = _refusal(_EXPORTING.response) if self._otlp else None
            if refusal is not None:
                return Export(refusal, refused=True)
            if result is SpanExportResult.SUCCESS:
                return SENT
            if wait is None or self._stopped.is_set() or (self._circuit is not None and self._circuit.open):
                break
            log.debug("span export for session %s failed; retrying in %.1f s", session_id, wait)
            if self._stopped.wait(wait):
                break
        if self._stopped.is_set():
            return Export("the export was stopped (the run was interrupted)")
        return Export(_failure() if self._otlp else f"{type(self.exporter).__name__} failed")

    def _export_once(self, spans: list[ReadableSpan]) -> SpanExportResult:
        _EXPORTING.response = _EXPORTING.error = _EXPORTING.logged = None
        _EXPORTING.active = True
        try:
            if self._circuit is None:
                return self.exporter.export(spans)
            with self._circuit.waiting():  # the exporter's own retries included
                result = self.exporter.export(spans)
            if _EXPORTING.response is None and not isinstance(_EXPORTING.error, _NotSent | None):
                self._circuit.failed()  # found no backend, after the exporter's retries
            return result
        finally:
            _EXPORTING.active = False

    def stop(self) -> None:
        """Stop exporting now (an interrupted run whose backend does not answer): exports in progress give
        up instead of backing off, later ones fail at once."""
        if not self._stopped.is_set():
            self._stopped.set()
            self.exporter.shutdown()  # ends the OTLP exporter's own retry backoff too

    def shutdown(self) -> None:
        self.provider.shutdown()
        self.stop()
        registry = sys.modules.get("honeyhive.tracer.registry")
        if registry and self.sdk_default and registry.get_default_tracer() is self.sdk_default:
            registry.set_default_tracer(None)  # an app's HoneyHiveTracer made after the run is the default again
        self.sdk_default = None


def _baggage(ids: DatapointIds) -> dict[str, str]:
    """A datapoint's ids under our baggage keys (:data:`INHERITED`'s): what its spans inherit, and are filed by."""
    items = {
        "honeyhive.session_id": ids.session_id,
        "honeyhive.source": "evaluation",
        "honeyhive.run_id": ids.run_id,
        "honeyhive.datapoint_id": ids.datapoint_id,
    }
    return items | ({"honeyhive.dataset_id": ids.dataset_id} if ids.dataset_id else {})


class DatapointTracer:
    """One datapoint's tracer: opens spans carrying its ids; ``export()`` exports its spans.

    Passed to user functions that accept a ``tracer`` parameter::

        def app(datapoint, tracer):
            with tracer.start_as_current_span("retrieve", event_type="tool", inputs={"q": ...}) as span:
                ...
                tracer.enrich_span(outputs={"docs": docs}, metrics={"n_docs": len(docs)})
    """

    def __init__(self, sink: TraceSink, ids: DatapointIds, redact: Callable[[Any], Any] | None = None) -> None:
        self.sink = sink
        self.ids = ids
        # the spans opened inside it, any provider's
        own = {INHERITED[key]: value for key, value in _baggage(ids).items()}  # what its spans are filed by
        self._session = _SESSIONS[ids.session_id] = _Session(sink, ids.run_id, redact, ids=own)

    @property
    def session_id(self) -> str:
        return self.ids.session_id

    @contextmanager
    def activate(self) -> Iterator[None]:
        """Put this datapoint's ids into the current context's baggage while the block runs: ours, and the official
        SDK's names, from which the span processor of an app's own ``HoneyHiveTracer`` takes a span's session and
        run (so the app's ``@trace`` spans land in this datapoint's session, as under the SDK's ``evaluate()``).

        An app that imported the SDK but made no ``HoneyHiveTracer`` (its ``evaluate()`` makes one) has its global
        ``@trace`` look for a tracer by the id in the baggage: this one is registered with the SDK, so each step is
        a span of this datapoint (its own event, its own ``enrich_span``), opened by :meth:`start_span`. Its global
        ``enrich_session(session_id, ...)`` looks only at the SDK's default tracer: the first datapoint's is made it,
        for the run (its sink holds it), and fills the session named (:meth:`enrich_session`). An app's own tracer
        (the SDK's default, or one in the context) is left to do it all."""
        ctx = context.get_current()
        items = _baggage(self.ids)
        items |= {key.removeprefix("honeyhive."): value for key, value in items.items()}  # the SDK's names
        registry = sys.modules.get("honeyhive.tracer.registry")  # the SDK, when the app imported it
        default = registry.get_default_tracer() if registry else None
        if (
            registry
            and isinstance(default, DatapointTracer | None)
            and not baggage.get_baggage("honeyhive_tracer_id", ctx)
        ):
            items["honeyhive_tracer_id"] = registry.register_tracer(self)  # weakly held: gone with this tracer
            if default is None:
                registry.set_default_tracer(self)
                self.sink.sdk_default = self
        for key, value in items.items():
            ctx = baggage.set_baggage(key, value, ctx)
        with _in(ctx):
            yield

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
        """Open a span of this datapoint (``event_type`` one of chain, model, tool). Its ids come from the baggage
        (:meth:`activate`), as those of every span opened inside it: the session router copies them."""
        attributes: dict[str, AttributeValue] = {"honeyhive_event_type": event_type, "honeyhive_event_name": name}
        attributes.update(flatten("honeyhive_inputs", inputs))
        attributes.update(flatten("honeyhive_metadata", metadata))
        attributes.update(flatten("honeyhive_config", config))
        with self.start_span(
            name, attributes=attributes, record_exception=False, set_status_on_exception=False
        ) as span:
            if self._session.root is None:
                self._session.root = span
            yield span

    trace = start_as_current_span

    @contextmanager
    def start_span(self, name: str, **options: Any) -> Iterator[ApiSpan]:
        """The official SDK's ``tracer.start_span`` (what its ``@trace(tracer=tracer)`` opens): a span of this datapoint
        as OpenTelemetry's ``start_as_current_span`` makes it (``attributes``, ``kind``, ``links``, ``start_time``,
        ``record_exception``, ``set_status_on_exception``), no HoneyHive attributes of its own."""
        with self.activate(), self.sink._tracer.start_as_current_span(name, **options) as span:
            yield span

    @contextmanager
    def judging(self) -> Iterator[None]:
        """The spans opened while the block runs (the evaluators: an LLM judge) are the judge's, not the function's
        (:meth:`llm_calls`)."""
        with _in(context.set_value(_JUDGING, True)):  # the context as the block starts
            yield

    def llm_calls(self) -> tuple[list[LlmCall], list[LlmCall]]:
        """The LLM calls this datapoint's finished spans describe (:func:`~honeyhive_experiment.llm_calls.read_call`:
        instrumented clients' spans, and the user's own with GenAI attributes): ``(the function's, the
        evaluators')``."""
        spans = list(self._session.spans)
        self._session.measured = len(spans)  # a call ending later is counted outside it (_still_running)
        errored = {s.context.span_id: error for s in spans if (error := _error(s)) is not None}
        bridges = [CallSpan(span_id, parent, None) for span_id, parent in list(self._session.bridges.items())]
        calls = read_calls([*map(_span, spans), *bridges], errored)
        function: list[LlmCall] = []
        judge: list[LlmCall] = []
        for span_id, call in calls.items():
            (judge if span_id in self._session.judged else function).append(call)
        return function, judge

    def enrich_span(
        self,
        attributes: Mapping[str, Any] | None = None,
        *,
        outputs: Any = None,
        metrics: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        feedback: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        user_properties: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        error: str | None = None,
        span: ApiSpan | None = None,
        **kwargs: Any,
    ) -> bool:
        """Add outputs, metrics, metadata, feedback, config, user properties, inputs or an error to the current (or
        given) span; whether the span took them (it is recording: not ended, and not outside any span). As the
        official SDK's: ``attributes`` and any other keyword go into the metadata (the keyword wins a name). ``outputs``
        a :class:`Recordable`: recorded as its value is (the runner's, made recordable once for the span and the
        session)."""
        target = span or get_current_span()
        value = outputs.value if isinstance(outputs, Recordable) else outputs
        result = "" if isinstance(value, Mapping) or value is None else ".result"
        pairs = flatten("honeyhive_outputs" + result, outputs)
        pairs.update(flatten("honeyhive_metrics", metrics))
        pairs.update(flatten("honeyhive_metadata", {**(metadata or {}), **(attributes or {}), **kwargs}))
        pairs.update(flatten("honeyhive_inputs", inputs))
        if error is not None:
            pairs["honeyhive_error"] = str(error)
        pairs.update(flatten("honeyhive_feedback", feedback))
        pairs.update(flatten("honeyhive_config", config))
        pairs.update(flatten("honeyhive_user_properties", user_properties))
        for key, value in pairs.items():
            target.set_attribute(key, value)
        return target.is_recording()

    def enrich_session(
        self,
        metadata: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        outputs: Any = None,
        config: Mapping[str, Any] | None = None,
        feedback: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        user_properties: Mapping[str, Any] | None = None,
        session_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """The official SDK's ``tracer.enrich_session``: add to this datapoint's session (``session_id``: a running
        datapoint's, as the SDK's global ``enrich_session`` gives it), its root ``chain`` span, whose metrics the
        evaluators' join (theirs win a name). As the SDK does, ``inputs`` and any other keyword go into the metadata."""
        session = _SESSIONS.get(session_id) if session_id else None
        metadata = {**(metadata or {}), **({"inputs": inputs} if inputs else {}), **kwargs}
        self.enrich_span(
            outputs=outputs,
            metrics=metrics,
            metadata=metadata,
            feedback=feedback,
            config=config,
            user_properties=user_properties,
            span=(session or self._session).root,
        )

    @staticmethod
    def record_error(span: ApiSpan, error: BaseException | str) -> None:
        message = error if isinstance(error, str) else error_text(error)
        span.set_attribute("honeyhive_error", message)
        span.set_status(Status(StatusCode.ERROR, message))

    def flush(self, timeout_millis: float = 30000) -> bool:
        """The official SDK's ``tracer.flush()`` (``force_flush``): the app's own tracer providers send what they hold
        (:func:`flush_other_providers`) within ``timeout_millis``. This datapoint's spans stay with it until the runner
        exports them when it is over (:meth:`export`): those that end after a flush (its own span, its metrics) too."""
        return flush_other_providers(timeout_millis)

    force_flush = flush

    def export(self) -> Export:
        """The runner's: export this datapoint's spans, once it is over; false if they were not sent (its ``reason``
        says why)."""
        export = self.sink.export(self.ids.session_id)
        if not export:
            log.debug("the spans of datapoint %s were not exported: %s", self.ids.datapoint_id, export.reason)
        return export

    def threads_running(self) -> list[threading.Thread]:
        """The threads this datapoint's code started (carrying its context) that are still running and opened a span
        inside it or are no daemon: the user's, which may call later (the exit waits for them); a library's own
        background thread is a daemon that opens none, a process pool's manager (on its first task) no daemon."""
        tracing = self._session.tracing
        pooled = getattr(sys.modules.get("concurrent.futures.process"), "_threads_wakeups", {})
        kept = [t for t in self._session.threads if t.ident in tracing or not (t.daemon or t in pooled)]
        return [t for t in kept if t.is_alive()]

    def discard(self) -> None:
        """Drop this datapoint's spans (a datapoint abandoned by a cancel is not recorded as scored)."""
        _SESSIONS.pop(self.ids.session_id, None)

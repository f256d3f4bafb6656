"""The LLM call a span describes, read from whichever attribute dialect its instrumentation speaks.

Instrumentation libraries describe one call to a model in three dialects; :func:`read_call` maps each to one
:class:`LlmCall` (the numbers the efficiency metrics and the price lookup need), the first attribute found winning,
in the order of the tuples below (``_PROVIDER``, ``_INPUT``, …): OpenTelemetry's GenAI conventions, OpenLLMetry's
older names, OpenInference (whose request model is ``model`` in the JSON of ``llm.invocation_parameters``). The total
tells a missing side.

(Names as OpenLLMetry 0.62 and OpenInference's openai instrumentation 0.1.66 write them, and as
``opentelemetry-semantic-conventions-ai`` still lists OpenLLMetry's older ones.) Input tokens include cache reads,
as the providers count them. A span is a call when it reports token usage or names a model; spans around calls
(OpenInference's agent and chain spans, GenAI ``invoke_agent`` / ``execute_tool`` spans) are not calls even when
they sum their children's usage. A call whose span failed (status ERROR, or an ``error.type``) and reports no usage
either ended on the server's error status (an HTTP 500 after the client's retries, a 400, a 429: the error names
one, :data:`_STATUS_ERROR`): :attr:`LlmCall.failed`, not answered, in no metric; or on any other error
(:attr:`LlmCall.given_up`): a timeout, a lost connection, a cancellation, an answer the client then refused (openai's
``.parse()`` of one cut short by its length, a body it could not validate), or an error the span does not name
(by its ``error.type``, OpenLLMetry's ``APITimeoutError``, else the exception the span recorded, OpenInference's
``openai.APITimeoutError``): sent, as far as a span tells (a connection refused reads the same as one lost after the
request went), so perhaps answered and billed, each of the client's retries too (one span for them all), its usage
unknown.

One call may be described by more than one span (two instrumentations of one client, a framework's LLM span around
the client's, the user's own span around an instrumented call); :func:`read_calls` counts it once, by two rules:

* **Side by side.** Of call spans with the same parent, one of another instrumentation (scope) whose time is within
  the other's, or the other's within its (one instrumentation wraps the other), that reports the same usage (input
  and output tokens, or none) and names a model the other names is the same call (OpenLLMetry opens its Responses
  API span after the call returned, beside OpenInference's, not around it, but from the time the call began). Two
  calls of one instrumentation are never one, nor two made one after the other (the user's own spans, from two
  modules' tracers: ``get_tracer(__name__)``); two alike made at once from two tracers can be, when one's time
  happens to be within the other's. Two still open when read (at a run's end) are not: which ends first is unknown,
  and in flight one call's second span is inside the first (OpenInference's in OpenLLMetry's chat span) or names no
  model yet (OpenInference's beside OpenLLMetry's Responses stream). An instrumentation whose span is beside
  another's of the same call, both naming the model before the end, would count that call twice while both are
  open: nothing they carry then (the request, the parent, starts a few ms apart) tells it from two alike calls.
* **One inside another.** A call span around other calls (the nearest ones inside it, each counted once) is the same
  call as they are, and not counted, when it reports no usage, or the usage of one of them, or of all of them
  together; when it names the model of one of them that reports no usage and did not fail (a stream without usage),
  it is counted in that one's place. Otherwise it is a call of its own, counted besides them: the user's span of a
  call to a self-hosted model around an instrumented embedding lookup is two calls. (A span in a stream's place
  whose usage also has the other calls' inside it, counted by a framework that counts the stream's tokens itself,
  counts theirs twice: its numbers are those of a span of the stream alone around other calls, which must count
  them, so nothing tells the two apart. A stream that reports its usage is counted once either way.)

Plain data in, a value out: no I/O here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

__all__ = ["OPEN", "LlmCall", "Span", "call_attributes", "read_call", "read_calls"]

_PROVIDER: Final = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
_REQUEST_MODEL: Final = ("gen_ai.request.model",)
_RESPONSE_MODEL: Final = ("gen_ai.response.model", "llm.model_name", "embedding.model_name")
_INPUT: Final = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt")
_OUTPUT: Final = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion")
_CACHE_READ: Final = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
)
_TOTAL: Final = ("gen_ai.usage.total_tokens", "llm.usage.total_tokens", "llm.token_count.total")
_INVOCATION_PARAMETERS: Final = "llm.invocation_parameters"  # OpenInference: the request's parameters, as JSON
_OPENINFERENCE_KIND: Final = "openinference.span.kind"
_CALL_KINDS: Final = frozenset({"LLM", "EMBEDDING"})
_OPERATION: Final = "gen_ai.operation.name"
_NOT_CALLS: Final = frozenset({"invoke_agent", "create_agent", "execute_tool", "invoke_workflow"})
_ERROR_TYPE: Final = "error.type"  # GenAI conventions (and OpenLLMetry): the class of error a failed call ended in
_STATUS_ERROR: Final = re.compile(  # an HTTP error status the server answered with (the SDKs' classes, or the status)
    r"(BadRequest|Authentication|PermissionDenied|NotFound|Conflict|UnprocessableEntity|RateLimit|InternalServer"
    r"|APIStatus|ServiceUnavailable|Overloaded)Error$|^[45]\d\d$"
)
OPEN: Final = 2**63  # the end of a span still open when read, in ns (Span.end)


@dataclass(frozen=True, slots=True)
class LlmCall:
    """One call to a model, as its span reports it; None where the span says nothing."""

    provider: str | None = None
    request_model: str | None = None
    response_model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    failed: bool = False  # its span failed on the server's error and it reported no usage: not answered, not billed
    given_up: bool = False  # its client gave up on it without usage (a timeout, a lost connection): may be billed

    @property
    def model(self) -> str | None:
        """The model that answered (the response's), else the one asked for."""
        return self.response_model or self.request_model

    @property
    def models(self) -> tuple[str, ...]:
        """The models to look a price up by, most specific first (a dated response model, then the request's)."""
        return tuple(dict.fromkeys(m for m in (self.response_model, self.request_model) if m))


def _first(attributes: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = attributes.get(name)
        if value is not None and value != "":
            return value
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _count(value: Any) -> int | None:
    """A token count: a whole, non-negative number (also as a string, as user code may set it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and value >= 0 and float(value).is_integer():
        return int(value)
    return None


def _invoked_model(attributes: Mapping[str, Any]) -> str | None:
    raw = attributes.get(_INVOCATION_PARAMETERS)
    if not isinstance(raw, str):
        return None
    try:
        parameters = json.loads(raw)
    except ValueError:
        return None
    return _text(parameters.get("model")) if isinstance(parameters, dict) else None


def read_call(attributes: Mapping[str, Any] | None, *, error: str | None = None) -> LlmCall | None:
    """The LLM call a span's ``attributes`` describe, or None when they describe none (the module docstring);
    ``error``: the span's status is ERROR, and this is the class of the exception it recorded ("": none)."""
    if not attributes:
        return None
    kind = attributes.get(_OPENINFERENCE_KIND)
    if kind is not None and kind not in _CALL_KINDS:
        return None
    if attributes.get(_OPERATION) in _NOT_CALLS:
        return None
    input_tokens = _count(_first(attributes, _INPUT))
    output_tokens = _count(_first(attributes, _OUTPUT))
    total = _count(_first(attributes, _TOTAL))
    if total is not None:  # a span that reports the total and one side tells the other
        if input_tokens is None and output_tokens is not None and total >= output_tokens:
            input_tokens = total - output_tokens
        elif output_tokens is None and input_tokens is not None and total >= input_tokens:
            output_tokens = total - input_tokens
    request_model = _text(_first(attributes, _REQUEST_MODEL)) or _invoked_model(attributes)
    response_model = _text(_first(attributes, _RESPONSE_MODEL))
    no_usage = input_tokens is None and output_tokens is None and total is None
    if no_usage and not (request_model or response_model):
        return None
    error_type = attributes.get(_ERROR_TYPE)
    failed = no_usage and (error is not None or error_type is not None)
    given_up = failed and not _STATUS_ERROR.search(str(error_type if error_type is not None else error))
    return LlmCall(
        provider=_text(_first(attributes, _PROVIDER)),
        request_model=request_model,
        response_model=response_model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=_count(_first(attributes, _CACHE_READ)),
        failed=failed and not given_up,
        given_up=given_up,
    )


def call_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Of a span's ``attributes``, those :func:`read_call` reads, when they describe a call (else None): what a count
    keeps of a span till it is read, not the prompt. Read by :func:`read_call` itself (no list of names to keep in
    step with it), which reads the same from them and so makes the same call of them, whatever the ``error``."""
    if not attributes:
        return None
    read = _Reading(attributes)
    return read.names if read_call(read) is not None else None


class _Reading(Mapping[str, Any]):
    """A span's attributes, noting those looked up (:attr:`names`)."""

    def __init__(self, attributes: Mapping[str, Any]) -> None:
        self.attributes = attributes
        self.names: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        self.names[name] = value = self.attributes[name]
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.attributes)

    def __len__(self) -> int:
        return len(self.attributes)


class Span(NamedTuple):
    """What :func:`read_calls` needs of a finished span."""

    span_id: int
    parent_id: int | None
    attributes: Mapping[str, Any] | None
    scope: str = ""  # the name of the instrumentation (tracer) that opened it
    start: int = 0  # when it started and ended, in ns (0: not known)
    end: int = 0


def read_calls(spans: Iterable[Span], errors: Mapping[int, str] | None = None) -> dict[int, LlmCall]:
    """The calls among ``spans`` (one datapoint's; ``errors``: of those whose status is ERROR, by id, the class of the
    exception each recorded, "": none), by span id: each span :func:`read_call` reads as a call, each call once (the
    module's two rules)."""
    errors = errors or {}
    parents: dict[int, int | None] = {}
    calls: dict[int, LlmCall] = {}
    beside: dict[tuple[int | None, tuple[int | None, int | None]], list[Span]] = {}  # by parent and usage
    for span in spans:
        parents[span.span_id] = span.parent_id
        call = read_call(span.attributes, error=errors.get(span.span_id))
        if call is not None:
            calls[span.span_id] = call
            beside.setdefault((span.parent_id, _usage(call)), []).append(span)
    for alike in beside.values():
        for twin in _twins(alike, calls) if len(alike) > 1 else ():
            del calls[twin]
    outer = {span_id: _enclosing(span_id, parents, calls) for span_id in calls}  # the nearest call around each
    inner: dict[int, list[int]] = {span_id: [] for span_id in calls}
    for span_id, around in outer.items():
        if around is not None:
            inner[around].append(span_id)
    counted = dict(calls)
    stands_for: dict[int, list[int]] = {}  # the counted calls a call span comes to (its own inner ones' included)
    for span_id in sorted(calls, key=lambda s: -_depth(s, outer)):  # the innermost first
        inside = [counted_id for i in inner[span_id] for counted_id in stands_for[i]]
        call = calls[span_id]
        if inside and _describes(call, [counted[i] for i in inside]):
            del counted[span_id]
            stands_for[span_id] = inside
            continue
        unanswered = [i for i in inside if counted[i].failed or counted[i].given_up]  # no answer the span could count
        unmeasured = [i for i in inside if _usage(counted[i]) == (None, None) and i not in unanswered]
        replaced = [i for i in unmeasured if set(counted[i].models) & set(call.models)]
        for i in replaced:
            del counted[i]
        stands_for[span_id] = [span_id, *(i for i in inside if i not in replaced)]
    return counted


def _usage(call: LlmCall) -> tuple[int | None, int | None]:
    return call.input_tokens, call.output_tokens


def _twins(spans: list[Span], calls: Mapping[int, LlmCall]) -> list[int]:
    """Of call spans side by side with the same usage, in the order given, the later of each two that are one call
    (the side-by-side rule; the earlier stands for both, and matches no third): as many such pairs as there can be
    of each two instrumentations (a maximum matching), whatever order the spans ended in (one instrumentation's span
    of a call can hold the other's of a call made at once)."""
    mate: dict[int, Span] = {}  # each span paired, its twin

    def pair(start: Span, others: list[Span]) -> None:  # by the shortest augmenting path from start, if any
        came: dict[int, Span] = {}  # each of ``others`` reached, by the span that would pair with it
        for one in (queue := [start]):
            for other in others:
                if other.span_id in came or not _wrapped(one, other):
                    continue
                if not _same_call(calls[one.span_id], calls[other.span_id]):
                    continue
                came[other.span_id] = one
                if other.span_id in mate:
                    queue.append(mate[other.span_id])
                    continue
                while one is not start:  # back along the path, each takes the twin it was reached by
                    mate[one.span_id], mate[other.span_id], other = other, one, mate[one.span_id]
                    one = came[other.span_id]
                mate[one.span_id], mate[other.span_id] = other, one
                return

    scopes = sorted({span.scope for span in spans})
    for i, scope in enumerate(scopes):
        for another in scopes[i + 1 :]:
            free = [span for span in spans if span.span_id not in mate]
            others = [span for span in free if span.scope == another]
            for start in (span for span in free if span.scope == scope):
                pair(start, others)
    order = {span.span_id: i for i, span in enumerate(spans)}
    return [span_id for span_id, twin in mate.items() if order[span_id] > order[twin.span_id]]


def _wrapped(one: Span, other: Span) -> bool:
    """Two spans side by side of two instrumentations, one's time within the other's: one wrapped the other's call. Two
    still open are not: which ends first is unknown."""
    inside = one.start <= other.start <= other.end <= one.end or other.start <= one.start <= one.end <= other.end
    return one.scope != other.scope and inside and not one.end == other.end == OPEN


def _same_call(one: LlmCall, other: LlmCall) -> bool:
    """Two spans side by side describe one call: the same usage, a model in common (the side-by-side rule)."""
    return _usage(one) == _usage(other) and bool(set(one.models) & set(other.models))


def _describes(outer: LlmCall, inside: list[LlmCall]) -> bool:
    """A call span around the calls ``inside`` is one of them, or all of them (the one-inside-another rule)."""
    usage = _usage(outer)
    if usage == (None, None) or any(_usage(call) == usage for call in inside):
        return True
    return usage == (sum(c.input_tokens or 0 for c in inside), sum(c.output_tokens or 0 for c in inside))


def _enclosing(span_id: int, parents: Mapping[int, int | None], calls: Container[int]) -> int | None:
    """The nearest call span around ``span_id``, if any."""
    seen = {span_id}
    parent = parents.get(span_id)
    while parent is not None and parent not in seen:
        if parent in calls:
            return parent
        seen.add(parent)
        parent = parents.get(parent)
    return None


def _depth(span_id: int, outer: Mapping[int, int | None]) -> int:
    """How many call spans are around ``span_id``."""
    depth, around = 0, outer.get(span_id)
    while around is not None and depth <= len(outer):
        depth, around = depth + 1, outer.get(around)
    return depth

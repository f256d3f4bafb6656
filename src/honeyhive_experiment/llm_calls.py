"""The LLM call a span describes, read from whichever attribute dialect its instrumentation speaks.

Instrumentation libraries describe one call to a model in three dialects; :func:`read_call` maps each to one
:class:`LlmCall` (the numbers the efficiency metrics and the price lookup need), the first attribute found winning,
in the order OpenTelemetry's GenAI conventions / OpenLLMetry's older names / OpenInference:

* provider: ``gen_ai.provider.name``, ``gen_ai.system`` / ``gen_ai.system`` / ``llm.provider``, ``llm.system``;
* request model: ``gen_ai.request.model`` / the same / ``model`` in the JSON of ``llm.invocation_parameters``;
* response model: ``gen_ai.response.model`` / the same / ``llm.model_name``, ``embedding.model_name`` (an embedding);
* input tokens: ``gen_ai.usage.input_tokens`` / ``gen_ai.usage.prompt_tokens`` / ``llm.token_count.prompt``;
* output tokens: ``gen_ai.usage.output_tokens`` / ``gen_ai.usage.completion_tokens`` /
  ``llm.token_count.completion``;
* cache-read tokens: ``gen_ai.usage.cache_read.input_tokens`` / ``gen_ai.usage.cache_read_input_tokens`` /
  ``llm.token_count.prompt_details.cache_read``;
* total tokens (tells a missing side): ``gen_ai.usage.total_tokens`` / ``llm.usage.total_tokens`` /
  ``llm.token_count.total``.

(Names as OpenLLMetry 0.62 and OpenInference's openai instrumentation 0.1.66 write them, and as
``opentelemetry-semantic-conventions-ai`` still lists OpenLLMetry's older ones.) Input tokens include cache reads,
as the providers count them. A span is a call when it reports token usage or names a model; spans around calls
(OpenInference's agent and chain spans, GenAI ``invoke_agent`` / ``execute_tool`` spans) are not calls even when
they sum their children's usage. A call whose span failed (status ERROR, or an ``error.type``: an HTTP 500 after
the client's retries) and reports no usage is :attr:`LlmCall.failed`: in no metric. Of call spans inside one
another (two instrumentations of one client, a framework's LLM span around the client's) only the innermost are
calls (:func:`read_calls`), so a call is never counted twice. Plain data in, a value out: no I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["LlmCall", "read_call", "read_calls"]

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


@dataclass(frozen=True, slots=True)
class LlmCall:
    """One call to a model, as its span reports it; None where the span says nothing."""

    provider: str | None = None
    request_model: str | None = None
    response_model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    failed: bool = False  # its span failed and it reported no usage: not answered (a timeout may still be billed)

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


def read_call(attributes: Mapping[str, Any] | None, *, errored: bool = False) -> LlmCall | None:
    """The LLM call a span's ``attributes`` describe, or None when they describe none (see the module's table);
    ``errored``: the span's status is ERROR."""
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
    return LlmCall(
        provider=_text(_first(attributes, _PROVIDER)),
        request_model=request_model,
        response_model=response_model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=_count(_first(attributes, _CACHE_READ)),
        failed=no_usage and (errored or attributes.get(_ERROR_TYPE) is not None),
    )


def read_calls(
    spans: Iterable[tuple[int, int | None, Mapping[str, Any] | None]], errored: Container[int] = ()
) -> dict[int, LlmCall]:
    """The calls among ``spans`` (``(span id, parent span id, attributes)``, one datapoint's; ``errored``: the ids of
    those whose status is ERROR), by span id: each span :func:`read_call` reads as a call, unless another such span
    is inside it (then only the innermost counts)."""
    parents: dict[int, int | None] = {}
    calls: dict[int, LlmCall] = {}
    for span_id, parent_id, attributes in spans:
        parents[span_id] = parent_id
        call = read_call(attributes, errored=span_id in errored)
        if call is not None:
            calls[span_id] = call
    around: set[int] = set()
    for span_id in calls:
        parent = parents.get(span_id)
        while parent is not None and parent not in around:
            around.add(parent)
            parent = parents.get(parent)
    return {span_id: call for span_id, call in calls.items() if span_id not in around}

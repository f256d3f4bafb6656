"""llm_calls.read_call: one table of span attributes as each instrumentation library records them, and the one
LlmCall each is read as.

The OpenLLMetry and OpenInference rows are the attributes the real instrumentations (opentelemetry-instrumentation-
openai 0.62.4, openinference-instrumentation-openai 0.1.66) recorded for one chat completion of the openai client
against tests/fakes/openai_server.py (3 prompt tokens, 2 of them cached, 3 completion tokens; the messages'
contents left out); the older OpenLLMetry row uses the names opentelemetry-semantic-conventions-ai still lists
(``LLM_USAGE_PROMPT_TOKENS``, ``LLM_USAGE_TOTAL_TOKENS``, ``LLM_SYSTEM``, ...), the GenAI row the conventions'
own (opentelemetry-semantic-conventions' ``gen_ai_attributes``)."""

from __future__ import annotations

from itertools import permutations
from operator import itemgetter
from typing import Any

import pytest

from honeyhive_experiment.llm_calls import OPEN, LlmCall, Span, call_attributes, read_call, read_calls

pytestmark = pytest.mark.unit

OPENLLMETRY_0_62: dict[str, Any] = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.is_streaming": False,
    "gen_ai.openai.api_base": "http://127.0.0.1:38411/v1/",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.id": "c1",
    "gen_ai.response.finish_reasons": ("stop",),
    "gen_ai.usage.total_tokens": 6,
    "gen_ai.usage.output_tokens": 3,
    "gen_ai.usage.input_tokens": 3,
    "gen_ai.usage.cache_read.input_tokens": 2,
}
OPENINFERENCE_0_1_66: dict[str, Any] = {
    "llm.system": "openai",
    "input.mime_type": "application/json",
    "output.mime_type": "application/json",
    "llm.invocation_parameters": '{"model": "gpt-4o-mini"}',
    "llm.input_messages.0.message.role": "user",
    "llm.model_name": "gpt-4o-mini-2024-07-18",
    "llm.token_count.total": 6,
    "llm.token_count.prompt": 3,
    "llm.token_count.completion": 3,
    "llm.token_count.prompt_details.cache_read": 2,
    "llm.output_messages.0.message.role": "assistant",
    "llm.finish_reason": "stop",
    "openinference.span.kind": "LLM",
}
OPENLLMETRY_OLDER: dict[str, Any] = {
    "llm.request.type": "chat",
    "gen_ai.system": "OpenAI",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.prompt_tokens": 3,
    "gen_ai.usage.completion_tokens": 3,
    "gen_ai.usage.cache_read_input_tokens": 2,
    "llm.usage.total_tokens": 6,
}
GENAI_CONVENTIONS: dict[str, Any] = {
    "gen_ai.operation.name": "chat",
    "gen_ai.system": "anthropic",
    "gen_ai.request.model": "claude-3-5-sonnet-latest",
    "gen_ai.response.model": "claude-3-5-sonnet-20241022",
    "gen_ai.usage.input_tokens": 1200,
    "gen_ai.usage.output_tokens": 80,
}
# the real instrumentations' spans (as above) of an embedding, and of a chat completion the server failed (HTTP 500)
OPENINFERENCE_EMBEDDING: dict[str, Any] = {
    "llm.system": "openai",
    "llm.token_count.total": 3,
    "llm.token_count.prompt": 3,
    "embedding.model_name": "text-embedding-3-small",
    "openinference.span.kind": "EMBEDDING",
}
OPENLLMETRY_FAILED: dict[str, Any] = {
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "error.type": "InternalServerError",
}
OPENLLMETRY_TIMED_OUT: dict[str, Any] = {**OPENLLMETRY_FAILED, "error.type": "APITimeoutError"}  # timeout=0.3
OPENINFERENCE_FAILED: dict[str, Any] = {  # its status is ERROR; no attribute says so (its exception event does)
    "llm.system": "openai",
    "llm.invocation_parameters": '{"model": "gpt-4o-mini"}',
    "openinference.span.kind": "LLM",
}
THE_CALL = LlmCall("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 3, 3, 2)
CHAIN_SPAN: dict[str, Any] = {  # the runner's own span of a datapoint: not a call
    "honeyhive.session_id": "s",
    "honeyhive_event_type": "chain",
    "honeyhive_inputs.question": "how many tokens?",
    "honeyhive_metrics.accuracy": 1.0,
}


DIALECTS = [
    pytest.param(OPENLLMETRY_0_62, THE_CALL, id="openllmetry-0.62"),
    pytest.param(OPENINFERENCE_0_1_66, THE_CALL, id="openinference-0.1.66"),
    pytest.param(
        OPENLLMETRY_OLDER,
        LlmCall("OpenAI", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 3, 3, 2),
        id="openllmetry-older",
    ),
    pytest.param(
        GENAI_CONVENTIONS,
        LlmCall("anthropic", "claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022", 1200, 80),
        id="genai-conventions",
    ),
    pytest.param(
        {"gen_ai.request.model": "my-ft-model", "gen_ai.usage.input_tokens": "12", "gen_ai.usage.output_tokens": 4},
        LlmCall(None, "my-ft-model", None, 12, 4),
        id="user-span-tokens-as-text",
    ),
    pytest.param(
        {"gen_ai.request.model": "m", "gen_ai.usage.total_tokens": 10, "gen_ai.usage.output_tokens": 4},
        LlmCall(None, "m", None, 6, 4),
        id="total-tells-the-input",
    ),
    pytest.param(
        {"llm.model_name": "m", "llm.token_count.total": 10, "llm.token_count.prompt": 7},
        LlmCall(None, None, "m", 7, 3),
        id="total-tells-the-output",
    ),
    pytest.param(
        {"gen_ai.request.model": "m", "gen_ai.usage.input_tokens": -1, "gen_ai.usage.output_tokens": True},
        LlmCall(None, "m", None, None, None),
        id="no-usage-but-a-model",
    ),
    pytest.param(
        {"gen_ai.usage.input_tokens": 5.0, "gen_ai.usage.output_tokens": 2.5},
        LlmCall(None, None, None, 5, None),
        id="whole-floats-only",
    ),
    pytest.param(
        {"llm.invocation_parameters": "not json", "llm.token_count.prompt": 5},
        LlmCall(None, None, None, 5, None),
        id="unreadable-invocation-parameters",
    ),
    pytest.param(OPENINFERENCE_EMBEDDING, LlmCall("openai", None, "text-embedding-3-small", 3, 0), id="oi-embedding"),
    pytest.param(OPENLLMETRY_FAILED, LlmCall("openai", "gpt-4o-mini", failed=True), id="openllmetry-failed-error-type"),
    pytest.param(OPENLLMETRY_TIMED_OUT, LlmCall("openai", "gpt-4o-mini", given_up=True), id="openllmetry-timed-out"),
    pytest.param({**OPENINFERENCE_0_1_66, "openinference.span.kind": "CHAIN"}, None, id="openinference-chain"),
    pytest.param({**OPENINFERENCE_0_1_66, "openinference.span.kind": "AGENT"}, None, id="openinference-agent"),
    pytest.param({**GENAI_CONVENTIONS, "gen_ai.operation.name": "invoke_agent"}, None, id="genai-agent"),
    pytest.param({**GENAI_CONVENTIONS, "gen_ai.operation.name": "execute_tool"}, None, id="genai-tool"),
    pytest.param({"gen_ai.system": "openai"}, None, id="provider-alone"),
    pytest.param({"gen_ai.request.model": " "}, None, id="blank-model"),
    pytest.param(CHAIN_SPAN, None, id="the-runners-chain-span"),
    pytest.param({}, None, id="no-attributes"),
    pytest.param(None, None, id="none"),
]


@pytest.mark.parametrize(("attributes", "call"), DIALECTS)
def test_each_dialect_reads_as_one_call(attributes: dict[str, Any] | None, call: LlmCall | None) -> None:
    assert read_call(attributes) == call


@pytest.mark.parametrize(("attributes", "call"), DIALECTS)
@pytest.mark.parametrize("error", [None, "", "openai.APITimeoutError"])
def test_a_count_keeps_of_a_span_what_read_call_reads_and_reads_the_same_call_from_it(
    attributes: dict[str, Any] | None, call: LlmCall | None, error: str | None
) -> None:
    kept = call_attributes(attributes)
    if call is None:
        assert kept is None
        return
    assert kept is not None
    assert attributes is not None
    assert read_call(kept, error=error) == read_call(attributes, error=error)
    assert kept.items() <= attributes.items()
    assert not {name for name in kept if "message" in name or name.startswith(("input.", "output."))}  # not the prompt


@pytest.mark.parametrize(
    ("attributes", "error", "failed", "given_up"),
    [
        # failed on an error status the server answered with: not answered, not billed
        pytest.param(OPENINFERENCE_FAILED, "openai.RateLimitError", True, False, id="oi-http-429"),
        pytest.param({**OPENLLMETRY_FAILED, "error.type": "503"}, None, True, False, id="genai-status-code"),
        pytest.param(OPENINFERENCE_FAILED, "anthropic.OverloadedError", True, False, id="anthropic-529"),
        # any other error: perhaps answered and billed (audit68 F3: .parse() of an answer cut short by its length)
        pytest.param(OPENINFERENCE_FAILED, "", False, True, id="error-status-unnamed"),
        pytest.param(OPENINFERENCE_FAILED, "openai.LengthFinishReasonError", False, True, id="parse-refused-answer"),
        pytest.param(
            {**OPENLLMETRY_FAILED, "error.type": "APIResponseValidationError"}, None, False, True, id="invalid-body"
        ),
        pytest.param(OPENINFERENCE_FAILED, "openai.InternalServerError", True, False, id="oi-http-500"),
        pytest.param(OPENINFERENCE_FAILED, None, False, False, id="no-usage-alone-is-a-call-without-usage"),
        pytest.param(OPENLLMETRY_FAILED, None, True, False, id="error-type-no-usage"),
        pytest.param({**OPENLLMETRY_FAILED, "error.type": "BadRequestError"}, None, True, False, id="http-400"),
        pytest.param(
            {**OPENLLMETRY_0_62, "error.type": "StreamBroken"}, "", False, False, id="failed-after-usage-is-billed"
        ),
        # the client gave up on it: the error its own (a timeout, a lost connection), not the server's
        pytest.param(OPENLLMETRY_TIMED_OUT, "openai.APITimeoutError", False, True, id="openllmetry-timeout"),
        pytest.param(OPENINFERENCE_FAILED, "openai.APITimeoutError", False, True, id="openinference-timeout"),
        pytest.param(OPENINFERENCE_FAILED, "openai.APIConnectionError", False, True, id="oi-lost-connection"),
        pytest.param(
            {**OPENLLMETRY_FAILED, "error.type": "APIConnectionError"}, None, False, True, id="ol-lost-connection"
        ),
        pytest.param({**OPENLLMETRY_FAILED, "error.type": "timeout"}, None, False, True, id="genai-conventions"),
        pytest.param(OPENINFERENCE_FAILED, "asyncio.exceptions.CancelledError", False, True, id="cancelled"),
        pytest.param(OPENLLMETRY_FAILED, "openai.APITimeoutError", True, False, id="error-type-wins"),
        pytest.param(
            {**OPENLLMETRY_0_62, "error.type": "APITimeoutError"}, "", False, False, id="timed-out-after-usage"
        ),
    ],
)
def test_a_span_that_failed_without_usage_failed_on_the_servers_error_or_was_given_up_on_by_its_client(
    attributes: dict[str, Any], error: str | None, failed: bool, given_up: bool
) -> None:
    """An HTTP 4xx or 5xx: failed, not billed; a timeout, a lost connection or a cancellation (the client's errors,
    by ``error.type``, else the exception the span recorded): given up on, perhaps billed. Neither with usage."""
    call = read_call(attributes, error=error)
    assert call is not None
    assert (call.failed, call.given_up) == (failed, given_up)
    errors = {} if error is None else {1: error}
    assert read_calls([Span(1, None, attributes)], errors)[1] == call


def test_two_instrumentations_spans_of_a_call_given_up_on_are_one_call_given_up_on() -> None:
    """OpenLLMetry's (``error.type``) and OpenInference's (its exception event) spans of one timed-out call."""
    spans = [Span(1, 9, OPENLLMETRY_TIMED_OUT, OL), Span(2, 9, OPENINFERENCE_FAILED, OI)]
    errors = {1: "openai.APITimeoutError", 2: "openai.APITimeoutError"}
    assert read_calls(spans, errors) == {1: LlmCall("openai", "gpt-4o-mini", given_up=True)}


def test_a_call_names_its_models_most_specific_first() -> None:
    assert THE_CALL.model == "gpt-4o-mini-2024-07-18"
    assert THE_CALL.models == ("gpt-4o-mini-2024-07-18", "gpt-4o-mini")
    assert LlmCall(request_model="m", response_model="m").models == ("m",)
    assert LlmCall(request_model="m").model == "m"
    assert LlmCall().models == ()


def usage(model: str, tokens_in: int | None = None, tokens_out: int | None = None, **more: Any) -> dict[str, Any]:
    """A GenAI call span's attributes: its model and usage."""
    attributes = {"gen_ai.request.model": model, **more}
    if tokens_in is not None:
        attributes["gen_ai.usage.input_tokens"] = tokens_in
    if tokens_out is not None:
        attributes["gen_ai.usage.output_tokens"] = tokens_out
    return attributes


CALL = usage("m", 1, 1)
OL, OI, USER = "opentelemetry.instrumentation.openai.v1", "openinference.instrumentation.openai", "user"
# OpenInference's span of the call CALL describes: the same usage and model, in its own dialect
OI_CALL = {"llm.model_name": "m", "llm.token_count.prompt": 1, "llm.token_count.completion": 1}


@pytest.mark.parametrize(
    ("spans", "counted"),
    [
        pytest.param([Span(1, None, CALL)], [1], id="one-call"),
        pytest.param([Span(9, None, CHAIN_SPAN)], [], id="no-call"),
        pytest.param([Span(9, None, CHAIN_SPAN), Span(1, 9, CALL), Span(2, 9, CALL)], [1, 2], id="sibling-calls"),
        pytest.param([Span(1, 7, CALL), Span(2, 8, CALL)], [1, 2], id="parents-not-among-them"),
        # one inside another: the same call when the outer reports no usage, one inner's, or all of theirs together
        pytest.param([Span(1, None, CALL, OL), Span(2, 1, OI_CALL, OI)], [2], id="two-instrumentations-nested"),
        pytest.param([Span(2, 1, OI_CALL, OI), Span(1, None, CALL, OL)], [2], id="inner-ends-first"),
        pytest.param([Span(1, None, usage("m")), Span(2, 1, CALL)], [2], id="outer-without-usage"),
        pytest.param([Span(1, None, usage("other")), Span(2, 1, CALL)], [2], id="outer-without-usage-other-model"),
        pytest.param(
            [Span(1, None, usage("gpt-4o", 1, 1)), Span(2, 1, usage("gpt-4o-2024-08-06", 1, 1))],
            [2],
            id="outer-same-usage-other-model-name",
        ),
        pytest.param([Span(1, None, CALL), Span(2, 1, CHAIN_SPAN), Span(3, 2, CALL)], [3], id="a-call-deeper-inside"),
        pytest.param([Span(1, None, usage("m", 2, 2)), Span(2, 1, CALL), Span(3, 1, CALL)], [2, 3], id="outer-sums"),
        pytest.param(
            [Span(1, None, usage("m", 1, 1)), Span(2, 1, CALL), Span(3, 1, usage("m", 5, 5))],
            [2, 3],
            id="outer-is-one-of-them",
        ),
        pytest.param(
            [Span(1, None, usage("m")), Span(2, 1, usage("m", 1, 1)), Span(3, 2, OI_CALL, OI)],
            [3],
            id="three-deep-one-call",
        ),
        # ... else a call of its own, counted besides them
        pytest.param(
            [Span(1, None, usage("my-local-llm", 5000, 1000), USER), Span(2, 1, usage("text-embedding", 100, 0), OL)],
            [1, 2],
            id="own-call-around-another-model",
        ),
        pytest.param(
            [Span(1, None, usage("m", 5000, 1000), USER), Span(2, 1, usage("m", 100, 10), OL)],
            [1, 2],
            id="own-call-around-another-usage",
        ),
        pytest.param(
            [Span(1, None, usage("a", 9, 9)), Span(2, 1, usage("b", 5, 5)), Span(3, 2, usage("b", 5, 5))],
            [1, 3],
            id="own-call-around-a-call-seen-twice",
        ),
        # an inner call without usage naming the outer's model: the outer, which has the usage, stands for it
        pytest.param([Span(1, None, usage("m", 7, 7), USER), Span(2, 1, usage("m"), OL)], [1], id="outer-has-usage"),
        pytest.param(  # its usage the sum of both (the stream's counted by a framework): CALL's twice, as documented
            [Span(1, None, usage("m", 7, 7), USER), Span(2, 1, CALL, OL), Span(3, 1, usage("m"), OL)],
            [1, 2],
            id="outer-has-usage-of-a-stream-and-of-a-call-beside-it",
        ),
        pytest.param(
            [
                Span(1, None, usage("m", 7, 7)),
                Span(2, 1, usage("m", **{"error.type": "E"})),
                Span(3, 1, usage("m", 7, 7)),
            ],
            [2, 3],
            id="a-retried-call",
        ),
        # side by side: another instrumentation's span of the same call (OpenLLMetry's of the Responses API)
        pytest.param([Span(1, 9, CALL, OL), Span(2, 9, OI_CALL, OI)], [1], id="two-instrumentations-side-by-side"),
        pytest.param(
            [Span(1, 9, CALL, OL), Span(2, 9, OI_CALL, OI), Span(3, 9, CALL, OL), Span(4, 9, OI_CALL, OI)],
            [1, 3],
            id="two-calls-alike-two-instrumentations",
        ),
        pytest.param([Span(1, 9, CALL, OL), Span(2, 9, CALL, OL)], [1, 2], id="two-calls-alike-one-instrumentation"),
        # ... when one's time is within the other's (one wraps the other): as OpenLLMetry's and OpenInference's
        pytest.param([Span(1, 9, CALL, OL, 2, 8), Span(2, 9, OI_CALL, OI, 1, 9)], [1], id="within-the-other"),
        pytest.param([Span(1, 9, CALL, OL, 1, 9), Span(2, 9, OI_CALL, OI, 2, 8)], [1], id="the-other-within"),
        pytest.param([Span(1, 9, CALL, OL, 1, 9), Span(2, 9, OI_CALL, OI, 1, 9)], [1], id="at-the-same-times"),
        pytest.param([Span(1, 9, CALL, "app.a", 1, 4), Span(2, 9, CALL, "app.b", 5, 9)], [1, 2], id="one-then-another"),
        pytest.param([Span(1, 9, CALL, "app.a", 1, 5), Span(2, 9, CALL, "app.b", 5, 9)], [1, 2], id="end-to-start"),
        pytest.param([Span(1, 9, CALL, "app.a", 1, 6), Span(2, 9, CALL, "app.b", 4, 9)], [1, 2], id="overlapping"),
        pytest.param([Span(1, 9, CALL, "app.a", 1, 9), Span(2, 9, CALL, "app.b", 0, 0)], [1, 2], id="one-time-unknown"),
        # still open when read (their end OPEN): which ends first is unknown, so neither is within the other
        pytest.param([Span(1, 9, CALL, OL, 1, OPEN), Span(2, 9, CALL, OI, 2, OPEN)], [1, 2], id="both-still-open"),
        pytest.param([Span(1, 9, CALL, OL, 1, OPEN), Span(2, 9, CALL, OI, 2, 8)], [1], id="one-still-open-around"),
        pytest.param([Span(1, None, CALL, OL, 1, OPEN), Span(2, 1, CALL, OI, 2, OPEN)], [2], id="open-one-inside"),
        pytest.param(
            [Span(2, 9, CALL, "app.b", 10, 20), Span(1, 9, CALL, OL, 1, 9), Span(3, 9, OI_CALL, OI, 2, 8)],
            [1, 2],
            id="matched-by-time-not-order",
        ),
        pytest.param([Span(1, 9, CALL, OL), Span(2, 8, OI_CALL, OI)], [1, 2], id="not-side-by-side"),
        pytest.param([Span(1, 9, CALL, OL), Span(2, 9, usage("m", 1, 2), OI)], [1, 2], id="other-usage"),
        pytest.param([Span(1, 9, CALL, OL), Span(2, 9, usage("n", 1, 1), OI)], [1, 2], id="other-model"),
        pytest.param(
            [Span(1, 9, usage("m", **{"error.type": "E"}), OL), Span(2, 9, usage("m", **{"error.type": "E"}), OI)],
            [1],
            id="one-failed-call-two-instrumentations",
        ),
        pytest.param(
            [Span(1, 9, usage("m"), USER), Span(2, 9, CALL, OL), Span(3, 9, OI_CALL, OI)],
            [1, 2],
            id="no-usage-beside-usage",
        ),
        pytest.param(
            [Span(1, None, usage("m", 2, 2)), Span(2, 1, CALL, OL), Span(3, 1, OI_CALL, OI), Span(4, 1, CALL, OL)],
            [2, 4],
            id="outer-sums-calls-each-seen-twice",
        ),
    ],
)
def test_each_call_counts_once_however_many_spans_describe_it(spans: list[Span], counted: list[int]) -> None:
    assert sorted(read_calls(spans)) == counted


# 16 alike Responses API calls made at once from threads, both instrumentations on: (scope, start, end) of each
# span in µs, in the order they ended (a run's stored times). OpenLLMetry's span starts when its call began, before
# OpenInference's, but opens after the call returned, so one call's can hold another's: (OL, 0, 143930) holds the
# OpenInference span of the call whose are (OL, 6949, 147134) and (OI, 7520, 146963).
CONCURRENT = [
    *[("OI", 8804, 140099), ("OI", 1812, 142615), ("OL", 0, 143930), ("OI", 18987, 145464), ("OL", 11059, 145660)],
    *[("OI", 23750, 146497), ("OL", 23201, 146686), ("OI", 7520, 146963), ("OL", 6949, 147134)],
    *[("OL", 8352, 158580), ("OI", 53774, 158794), ("OL", 53216, 158988), ("OI", 171550, 179291)],
    *[("OL", 171223, 179525), ("OI", 169426, 181862), ("OL", 169053, 182121), ("OI", 177102, 186095)],
    *[("OL", 176699, 186353), ("OI", 236907, 245915), ("OL", 236543, 246100), ("OI", 242506, 250613)],
    *[("OL", 242167, 250801), ("OI", 240527, 253311), ("OL", 240154, 253487), ("OI", 249155, 264753)],
    *[("OL", 248810, 264933), ("OI", 253861, 267161), ("OL", 253555, 267339), ("OI", 251196, 273011)],
    *[("OL", 250920, 273183), ("OI", 246479, 274225), ("OL", 246175, 274394)],
]
# two such calls, A and B: A's OpenLLMetry span holds B's OpenInference span; B's does not hold A's
TWO_AT_ONCE = [("OI", 3, 4), ("OI", 1, 5), ("OL", 0, 6), ("OL", 2, 8)]


@pytest.mark.parametrize(
    ("times", "calls"),
    [
        *[pytest.param(list(order), 2, id=f"two-ended-{i}") for i, order in enumerate(permutations(TWO_AT_ONCE))],
        pytest.param(CONCURRENT, 16, id="sixteen-as-they-ended"),
        pytest.param(CONCURRENT[::-1], 16, id="sixteen-last-ended-first"),
        pytest.param(sorted(CONCURRENT, key=itemgetter(1)), 16, id="sixteen-by-start"),
        pytest.param(sorted(CONCURRENT, key=itemgetter(1), reverse=True), 16, id="sixteen-last-started-first"),
        pytest.param(sorted(CONCURRENT, key=itemgetter(0)), 16, id="sixteen-one-instrumentation-first"),
    ],
)
def test_calls_made_at_once_and_seen_by_two_instrumentations_count_once_in_any_order_their_spans_end(
    times: list[tuple[str, int, int]], calls: int
) -> None:
    scopes = {"OL": (OL, CALL), "OI": (OI, OI_CALL)}
    spans = [
        Span(10 + i, 9, scopes[name][1], scopes[name][0], start, end) for i, (name, start, end) in enumerate(times)
    ]
    assert len(read_calls(spans)) == calls

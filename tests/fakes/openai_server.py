"""A fake OpenAI-compatible server on a loopback port, for the tests of LLM call capture (issue 23).

    with FakeOpenAI() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test")
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "two words"}])
        [call] = server.calls   # what it answered: model, prompt and completion tokens

It is a real HTTP server (Starlette on uvicorn, in a background thread, as ``honeyhive_local``'s) that the real
``openai`` client reaches through ``base_url``, so the real instrumentations (OpenLLMetry's, OpenInference's) see
real responses. It answers ``POST /v1/chat/completions`` (also streamed: the usage comes as a last chunk only when
``stream_options.include_usage`` asks for it, as OpenAI's does), ``POST /v1/responses`` (the Responses API, its
``input`` a text or messages, not streamed) and ``POST /v1/embeddings`` (one token per word of the inputs), and its
usage depends on the request, so a call attributed to the wrong datapoint shows:

* ``prompt_tokens``: the number of whitespace-separated words in all the messages' contents;
* the reply: ``"answer:"`` and the last message's first words, as many as ``len(words) % 7 + 1``;
  ``completion_tokens``: the reply's word count;
* ``model``: the request's, with ``-2024-07-18`` appended when it is ``gpt-4o-mini`` (a dated model, as OpenAI
  answers; genai-prices knows it), else the request's as is; a model ``fail:<name>`` is answered with an HTTP 500,
  ``refuse:<name>`` with an HTTP 400 (a call that fails: not in :attr:`calls`); a model ``held:<name>`` is
  answered as ``<name>`` once the test sets :attr:`released` (a call still running for as long as the test wants).

Every call is kept in :attr:`calls`, in the order answered, with the text of its messages.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from honeyhive_local.server import ServerThread


@dataclass(frozen=True)
class Call:
    """One call the server answered (a chat completion, a response, an embedding)."""

    model: str  # as answered
    prompt: str  # the messages' contents, joined by newlines
    prompt_tokens: int
    completion_tokens: int


def usage_of(prompt: str) -> tuple[str, int, int]:
    """``(reply, prompt_tokens, completion_tokens)`` for a prompt: what the server answers."""
    words = prompt.split()
    reply = " ".join(["answer:", *words[: len(words) % 7 + 1]])
    return reply, len(words), len(reply.split())


def answered_model(requested: str) -> str:
    """The model the server answers with: ``gpt-4o-mini`` dated, as OpenAI answers; any other as asked."""
    return f"{requested}-2024-07-18" if requested == "gpt-4o-mini" else requested


class FakeOpenAI:
    """A running fake OpenAI server; a context manager that stops it on exit."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.released = threading.Event()  # the held calls' answer (set: they are answered at once)
        self._lock = threading.Lock()
        routes = [
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/responses", self._responses, methods=["POST"]),
            Route("/v1/embeddings", self._embeddings, methods=["POST"]),
        ]
        self._server = ServerThread(Starlette(routes=routes))

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/v1"

    def _answered(self, model: str, prompt: str, prompt_tokens: int, completion_tokens: int) -> int:
        with self._lock:
            self.calls.append(Call(model, prompt, prompt_tokens, completion_tokens))
            return len(self.calls)

    async def _chat(self, request: Request) -> Response:
        body: dict[str, Any] = await request.json()
        prompt = "\n".join(str(m.get("content") or "") for m in body.get("messages") or [])
        reply, prompt_tokens, completion_tokens = usage_of(prompt)
        requested = str(body.get("model") or "")
        if requested.startswith("fail:"):
            return JSONResponse({"error": {"message": "the fake server failed", "type": "server_error"}}, 500)
        if requested.startswith("refuse:"):
            return JSONResponse({"error": {"message": "the fake server refused", "type": "invalid_request_error"}}, 400)
        if requested.startswith("held:"):
            await anyio.to_thread.run_sync(self.released.wait)
            requested = requested.removeprefix("held:")
        model = answered_model(requested)
        number = self._answered(model, prompt, prompt_tokens, completion_tokens)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        answer = {"id": f"chatcmpl-{number}", "created": 1_700_000_000, "model": model}
        if body.get("stream"):
            with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(
                _chunks(answer, reply, usage if with_usage else None), media_type="text/event-stream"
            )
        return JSONResponse(
            {
                **answer,
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": usage,
            }
        )

    async def _responses(self, request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        given = body.get("input")
        prompt = given if isinstance(given, str) else "\n".join(str(m.get("content") or "") for m in given or [])
        reply, prompt_tokens, completion_tokens = usage_of(prompt)
        model = answered_model(str(body.get("model") or ""))
        number = self._answered(model, prompt, prompt_tokens, completion_tokens)
        message = {"type": "output_text", "text": reply, "annotations": []}
        usage = {
            "input_tokens": prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": prompt_tokens + completion_tokens,
        }
        return JSONResponse(
            {
                "id": f"resp_{number}",
                "object": "response",
                "created_at": 1_700_000_000,
                "status": "completed",
                "model": model,
                "output": [
                    {
                        "type": "message",
                        "id": f"msg_{number}",
                        "status": "completed",
                        "role": "assistant",
                        "content": [message],
                    }
                ],
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": [],
                "usage": usage,
            }
        )

    async def _embeddings(self, request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        tokens = sum(len(str(text).split()) for text in texts)
        self._answered(str(body["model"]), "\n".join(map(str, texts)), tokens, 0)
        vectors = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2]} for i in range(len(texts))]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return JSONResponse({"object": "list", "model": body["model"], "data": vectors, "usage": usage})

    def calls_about(self, marker: str) -> list[Call]:
        """The calls whose prompt contains ``marker`` (a datapoint's own text)."""
        with self._lock:
            return [call for call in self.calls if marker in call.prompt]

    def __enter__(self) -> FakeOpenAI:
        self._server.start(name="fake-openai")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.released.set()
        self._server.stop()


def _chunks(answer: dict[str, Any], reply: str, usage: dict[str, int] | None) -> Iterator[str]:
    """A streamed answer's server-sent events: a chunk per word, the last with ``finish_reason``, then the usage
    (when asked for), then ``[DONE]``."""
    words = reply.split()
    deltas = [{"role": "assistant", "content": words[0]}, *({"content": f" {word}"} for word in words[1:]), {}]
    for i, delta in enumerate(deltas):
        choice = {"index": 0, "delta": delta, "finish_reason": "stop" if i == len(deltas) - 1 else None}
        yield f"data: {json.dumps({**answer, 'object': 'chat.completion.chunk', 'choices': [choice]})}\n\n"
    if usage is not None:
        yield f"data: {json.dumps({**answer, 'object': 'chat.completion.chunk', 'choices': [], 'usage': usage})}\n\n"
    yield "data: [DONE]\n\n"

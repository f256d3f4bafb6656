"""A fake OpenAI-compatible server on a loopback port, for the tests of LLM call capture (issue 23).

    with FakeOpenAI() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test")
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "two words"}])
        [call] = server.calls   # what it answered: model, prompt and completion tokens

It is a real HTTP server (Starlette on uvicorn, in a background thread, as ``honeyhive_local``'s) that the real
``openai`` client reaches through ``base_url``, so the real instrumentations (OpenLLMetry's, OpenInference's) see
real responses. It answers ``POST /v1/chat/completions`` only, and its usage depends on the request, so a call
attributed to the wrong datapoint shows:

* ``prompt_tokens``: the number of whitespace-separated words in all the messages' contents;
* the reply: ``"answer:"`` and the last message's first words, as many as ``len(words) % 7 + 1``;
  ``completion_tokens``: the reply's word count;
* ``model``: the request's, with ``-2024-07-18`` appended when it is ``gpt-4o-mini`` (a dated model, as OpenAI
  answers; genai-prices knows it), else the request's as is.

Every call is kept in :attr:`calls`, in the order answered, with the text of its messages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from honeyhive_local.server import ServerThread


@dataclass(frozen=True)
class Call:
    """One chat completion the server answered."""

    model: str  # as answered
    prompt: str  # the messages' contents, joined by newlines
    prompt_tokens: int
    completion_tokens: int


def usage_of(prompt: str) -> tuple[str, int, int]:
    """``(reply, prompt_tokens, completion_tokens)`` for a prompt: what the server answers."""
    words = prompt.split()
    reply = " ".join(["answer:", *words[: len(words) % 7 + 1]])
    return reply, len(words), len(reply.split())


class FakeOpenAI:
    """A running fake OpenAI server; a context manager that stops it on exit."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._server = ServerThread(Starlette(routes=[Route("/v1/chat/completions", self._chat, methods=["POST"])]))

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/v1"

    async def _chat(self, request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        prompt = "\n".join(str(m.get("content") or "") for m in body.get("messages") or [])
        reply, prompt_tokens, completion_tokens = usage_of(prompt)
        requested = str(body.get("model") or "")
        model = f"{requested}-2024-07-18" if requested == "gpt-4o-mini" else requested
        with self._lock:
            self.calls.append(Call(model, prompt, prompt_tokens, completion_tokens))
            number = len(self.calls)
        return JSONResponse(
            {
                "id": f"chatcmpl-{number}",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

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
        self._server.stop()

"""The user repository of issue 23's tests (LLM calls: tokens, cost, latency): a bot whose function answers
through the real ``openai`` client and whose LLM judge does too, against tests/fakes/openai_server.py on
loopback, with ``instrument:`` naming the real OpenLLMetry or OpenInference instrumentation; 12 datapoints on
6 workers (each worker runs two), dry runs against a ``honeyhive_local`` backend (``--server-url``).

The fake server's usage depends on the prompt (every question has its own length, and its own marker
``[q07]``), so the backend's per-datapoint numbers can be compared with what the server answered each
datapoint's own calls. ``settings.json`` in the bot's repository says which model it asks and how many times it
repeats the prompt. :func:`make_bot` makes one (a git repository on ``main``); :meth:`Bot.run` runs the command
in this process (only argv made up), :meth:`Bot.run_command` as a process of its own.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wrapt

from honeyhive_experiment import HoneyHiveClient
from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.fakes.openai_server import Call, FakeOpenAI
from tests.quickstart import init_repository, jsonl, write_files

ROWS = 12
WORKERS = 6
OPENLLMETRY = "opentelemetry-instrumentation-openai"
OPENINFERENCE = "openinference-instrumentation-openai"
API_KEY = "hh-efficiency-e2e-key"

BOT = """
import asyncio
import functools
import json
import pathlib
import queue
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import httpx
import openai
from opentelemetry import trace

SETTINGS = pathlib.Path(__file__).resolve().parent / "settings.json"
CLIENTS = {}
RELEASE = threading.Event()
POOL = ThreadPoolExecutor(2)  # made at import: a task submitted inside a datapoint is still that datapoint's
ERRANDS = queue.Queue()  # calls made by a thread started at import, outside every datapoint
LAZY = {}  # the ThreadPool the first "lazy-" datapoint makes, as a library makes one on first use
LAZY_LOCK = threading.Lock()
WORK = queue.Queue()  # the jobs of the thread the first "worker" datapoint starts, as a batching client on first use
WORKER = {}  # "by": the marker of the datapoint that started it
LEFT = []  # the tasks "left-task" datapoints leave running
LATE = []  # the threads "late-thread" datapoints leave running
PROCESSES = ProcessPoolExecutor(1)  # made at import, its manager thread started by the first "late-thread" datapoint


def _errands():
    while True:
        call, answered = ERRANDS.get()
        answered.put(call())


threading.Thread(target=_errands, daemon=True).start()


def _consume():
    while True:
        call, answered = WORK.get()
        answered.put(call())


def _held(settings, messages, sent):  # a call the server holds until the test releases it; sent: its request left
    http = httpx.Client(event_hooks={"request": [lambda request: sent.set()]})
    client = openai.OpenAI(base_url=settings["base_url"], api_key="test-key", http_client=http)
    return client.chat.completions.create(model="held:" + settings["model"], messages=messages)


def _late(call):  # a call once the test sets RELEASE, after the run
    RELEASE.wait()
    call()


async def _left_task(settings, messages):  # leaves a task whose call is running when the datapoint is recorded
    sent = asyncio.Event()

    async def on_its_way(request):
        sent.set()

    hooks = {"request": [on_its_way]}
    http = httpx.AsyncClient(event_hooks=hooks)
    client = openai.AsyncOpenAI(base_url=settings["base_url"], api_key="test-key", http_client=http)
    held = client.chat.completions.create(model="held:" + settings["model"], messages=messages)
    LEFT.append(asyncio.create_task(held))
    await sent.wait()
    return {"answer": "answer: on its way"}


async def _held_async(settings, messages):  # a call the server holds past the run's timeout, which cancels it
    client = openai.AsyncOpenAI(base_url=settings["base_url"], api_key="test-key", max_retries=0)
    await client.chat.completions.create(model="held:" + settings["model"], messages=messages)


def _settings():
    return json.loads(SETTINGS.read_text(encoding="utf-8"))


if _settings().get("wrapped"):  # as sentry_sdk.init() does (its ThreadingIntegration): its own Thread.start
    WRAPPED = (threading.Thread.start, ThreadPoolExecutor.submit)
    threading.Thread.start = START = lambda thread: WRAPPED[0](thread)
    ThreadPoolExecutor.submit = SUBMIT = lambda pool, fn, /, *args, **kwargs: WRAPPED[1](pool, fn, *args, **kwargs)


def _client(url):
    if url not in CLIENTS:
        CLIENTS[url] = openai.OpenAI(base_url=url, api_key="test-key", max_retries=0)
    return CLIENTS[url]


if _settings().get("at_import"):  # calls made at import, and a client's method taken then (instrumented only if
    # the instrumentation was switched on before the import)
    ASK = functools.partial(_client(_settings()["base_url"]).chat.completions.create, model="gpt-4o-mini")
    for _ in range(_settings()["at_import"]):
        ASK(messages=[{"role": "user", "content": "warming up at import"}])


def answer(datapoint):
    settings = _settings()
    question = datapoint["inputs"]["question"]
    mode = settings.get("modes", {}).get(question[1:4], "call")  # by the question's own marker, [q07]
    if mode == "cached":
        return {"answer": "answer: from the cache"}
    client = _client(settings["base_url"])
    prompt = " ".join([f"Answer briefly: {question}"] * settings["repeat"])
    messages = [{"role": "user", "content": prompt}]
    if mode == "embed":
        client.embeddings.create(model="text-embedding-3-small", input=question)
    if mode in ("failed", "refused"):  # the server's error: an HTTP 500, a 400
        try:
            failing = {"failed": "fail:", "refused": "refuse:"}[mode] + settings["model"]
            client.chat.completions.create(model=failing, messages=messages)
        except openai.APIStatusError:
            pass
    if mode == "timed-out":  # the server holds it past the client's timeout, each of the client's three tries
        try:
            timing_out = client.with_options(timeout=0.3, max_retries=2)
            timing_out.chat.completions.create(model="held:" + settings["model"], messages=messages)
        except openai.APITimeoutError:
            return {"answer": "answer: it timed out"}
    if mode == "stream":
        chunks = client.chat.completions.create(model=settings["model"], messages=messages, stream=True)
        return {"answer": "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)}
    if mode in ("responses", "responses-twice"):  # OpenLLMetry's span of it is beside OpenInference's, not around it
        for _ in range(1 + (mode == "responses-twice")):
            response = client.responses.create(model=settings["model"], input=prompt)
        return {"answer": response.output_text}
    if mode == "own-span":  # the function's own span of a call to a self-hosted model, around an embedding lookup
        with trace.get_tracer("bot").start_as_current_span("generate") as span:
            client.embeddings.create(model="text-embedding-3-small", input=question)
            span.set_attributes({"gen_ai.request.model": "my-local-llm", "gen_ai.usage.input_tokens": 5000})
            span.set_attribute("gen_ai.usage.output_tokens", 1000)
        return {"answer": "answer: from my own model"}
    if mode == "modules":  # the same, alike, one after the other from two modules' tracers (get_tracer(__name__))
        for module in ("bot.draft", "bot.revise"):
            with trace.get_tracer(module).start_as_current_span("generate") as span:
                span.set_attributes({"gen_ai.request.model": "my-local-llm", "gen_ai.usage.input_tokens": 5000})
                span.set_attribute("gen_ai.usage.output_tokens", 1000)
        return {"answer": "answer: from my own model, twice"}

    def call():
        return client.chat.completions.create(model=settings["model"], messages=messages)

    if mode == "left-thread":
        sent = threading.Event()
        threading.Thread(target=_held, args=(settings, messages, sent)).start()
        sent.wait()
        return {"answer": "answer: on its way"}
    if mode == "late-thread":  # a library's threads (a daemon, a process pool's manager: they call nothing), then one
        threading.Thread(target=RELEASE.wait, daemon=True).start()  # of its own that calls later
        PROCESSES.submit(abs, -1).result()
        LATE.append(threading.Thread(target=_late, args=(call,)))
        LATE[-1].start()
        return {"answer": "answer: later"}
    if mode == "left-task":
        return _left_task(settings, messages)
    if mode == "held-async":
        return _held_async(settings, messages)
    if mode == "thread":
        replies = []
        thread = threading.Thread(target=lambda: replies.append(call()))
        thread.start()
        thread.join()
        reply = replies[0]
    elif mode == "pool":
        [reply] = POOL.map(lambda _: call(), [0])
    elif mode == "executor":
        async def in_executor():
            return await asyncio.get_running_loop().run_in_executor(None, call)

        reply = asyncio.run(in_executor())
    elif mode == "errand":
        answered = queue.Queue()
        ERRANDS.put((call, answered))
        reply = answered.get()
    elif mode == "bound":
        reply = ASK(messages=messages)
    elif mode == "worker":
        with LAZY_LOCK:
            if not WORKER:
                WORKER["by"] = question[1:4]
                threading.Thread(target=_consume, daemon=True).start()
        answered = queue.Queue()
        WORK.put((call, answered))
        reply = answered.get()
    elif mode.startswith("lazy-"):
        with LAZY_LOCK:
            if not LAZY:
                lazy = sum(m.startswith("lazy-") for m in settings["modes"].values())
                LAZY.update(pool=ThreadPool(2), called=threading.Barrier(lazy, timeout=60))
        pool = LAZY["pool"]
        if mode == "lazy-apply":
            reply = pool.apply(call)
        elif mode == "lazy-map":
            [reply] = pool.map(lambda _: call(), [0])
        elif mode == "lazy-imap":
            [reply] = pool.imap_unordered(lambda _: call(), [0])
        else:  # lazy-errand: the thread started at import gives the pool the call
            answered = queue.Queue()
            ERRANDS.put((lambda: pool.apply(call), answered))
            reply = answered.get()
        LAZY["called"].wait()  # the datapoint that made the pool runs on until every lazy- datapoint has called
    else:
        reply = call()
    if settings.get("also"):  # a second model asked the same
        client.chat.completions.create(model=settings["also"], messages=messages)
    if mode == "raise":
        raise RuntimeError("the bot broke after its call")
    if mode == "hang":
        RELEASE.wait()  # past the run's timeout: the test releases it after the run
    if mode == "held":
        _held(settings, messages, threading.Event())  # past the run's timeout: the server answers once released
    return {"answer": reply.choices[0].message.content}


def answered(outputs, inputs):
    return 1.0 if outputs["answer"].startswith("answer:") else 0.0


def judge(outputs, inputs):
    _client(_settings()["base_url"]).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": f"Judge {inputs['question']}: {outputs['answer']}"}]
    )
    return 1.0
"""

CONFIG = """\
name: costs-bot
function: bot:answer
dataset: {{path: questions.jsonl}}
evaluators: [bot:answered, bot:judge]
max_workers: {workers}
instrument: [{instrument}]
{extra}"""


@dataclass
class Run:
    code: int
    out: str
    report: dict[str, Any]

    @property
    def run_id(self) -> str:
        return str(self.report["run"]["id"])

    def metric(self, name: str) -> dict[str, Any]:
        return next(m for m in self.report["metrics"] if m["name"] == name)


@dataclass
class Bot:
    root: Path
    server: FakeOpenAI
    backend: LocalBackend

    def configure(self, instrument: str = OPENLLMETRY, extra: str = "", *, model: str = "gpt-4o-mini") -> None:
        config = CONFIG.format(instrument=instrument, extra=extra, workers=WORKERS)
        (self.root / ".honeyhive" / "experiment.yml").write_text(config, encoding="utf-8")
        self.settings(model=model)

    def settings(
        self,
        *,
        model: str = "gpt-4o-mini",
        repeat: int = 1,
        modes: dict[str, str] | None = None,
        also: str = "",
        wrapped: bool = False,
        at_import: int = 0,
    ) -> None:
        """Which model the bot asks (and ``also``, a second one asked after it), how many times it repeats the
        prompt, and what some datapoints do instead of one call (by id: ``cached`` no call, ``stream`` a call
        streamed without usage, ``failed`` a call the server fails (HTTP 500) before the call, ``refused`` one it
        refuses (HTTP 400), ``timed-out`` one the server holds (until ``server.released``) past the client's timeout
        and retries instead, ``embed`` an embedding before
        it, ``raise`` raises after it, ``hang`` waits after it until ``bot.RELEASE`` is set; ``thread``, ``pool``,
        ``executor`` make it from a ``threading.Thread``, a ``ThreadPoolExecutor`` made at import,
        ``loop.run_in_executor``; ``errand`` has a thread started at import make it; ``responses`` makes a Responses
        API call instead, ``responses-twice`` two alike; ``own-span`` opens its own GenAI span of a call to
        ``my-local-llm``, 5000 tokens in and 1000 out, around an embedding of the question, instead; ``modules`` two
        such spans without the embedding, one after the other, from two tracers). ``wrapped``: its
        import puts pass-through wrappers of its own in place of ``Thread.start`` and ``ThreadPoolExecutor.submit``.
        ``lazy-apply``, ``lazy-map``, ``lazy-imap`` make the call from a ``multiprocessing.pool.ThreadPool`` the first
        of them makes (each waits until all of them have called); ``lazy-errand`` has the thread started at import
        give that pool the call. ``worker`` has a thread that the first of them starts make it (each waits for its
        answer); ``left-thread`` and ``left-task`` (the function returns a coroutine) leave a thread or a task whose
        call the server holds (until ``server.released``) and return once it is sent; ``held`` makes one such call
        after its own, ``held-async`` one in a coroutine the timeout cancels; ``late-thread`` leaves a thread that
        calls once ``bot.RELEASE`` is set. ``at_import``: the bot makes that many calls at import, through a client's
        method it takes then, which ``bound`` makes its call through."""
        settings = {"base_url": self.server.base_url, "model": model, "repeat": repeat, "modes": modes or {}}
        settings.update(also=also, wrapped=wrapped, at_import=at_import)
        (self.root / "settings.json").write_text(json.dumps(settings), encoding="utf-8")

    def _argv(self, report: Path) -> list[str]:
        report.unlink(missing_ok=True)
        return ["run", "--dry-run", "-C", str(self.root), "--server-url", self.backend.url, "--report", str(report)]

    def run(self, *extra: str) -> Run:
        """The command, in this process."""
        report = self.root.parent / "report.json"
        argv = self._argv(report)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = main([*argv, *extra], environ={"HH_API_KEY": API_KEY})
        finally:
            _unwrap_openai()
        return Run(code, out.getvalue(), json.loads(report.read_text(encoding="utf-8")))

    def run_command(self, *extra: str) -> Run:
        """``python -m honeyhive_experiment run ...``, a process of its own (nothing instrumented before it)."""
        report = self.root.parent / "report.json"
        command = [sys.executable, "-m", "honeyhive_experiment", *self._argv(report), *extra]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
        done = subprocess.run(
            command, env={**env, "HH_API_KEY": API_KEY}, capture_output=True, text=True, timeout=120, check=False
        )
        assert "Traceback" not in done.stderr, done.stderr
        return Run(done.returncode, done.stdout + done.stderr, json.loads(report.read_text(encoding="utf-8")))

    def per_datapoint(self, run_id: str) -> dict[str, dict[str, Any]]:
        """The backend's metrics of each datapoint of the run."""
        with HoneyHiveClient(self.backend.url, API_KEY) as hh:
            summary = hh.get_run_summary(run_id)
        return {
            str(row.datapoint_id): {m.name: m.value for m in row.metrics}
            for row in summary.datapoints
            if row.datapoint_id is not None
        }

    def served(self, datapoint_id: str) -> tuple[Call, Call]:
        """What the server answered this datapoint's function call and its judge's: the two calls about it."""
        marker = f"[{datapoint_id}] "
        calls = self.server.calls_about(marker)
        own = [c for c in calls if c.prompt.startswith("Answer briefly")]
        judged = [c for c in calls if c.prompt.startswith("Judge")]
        return own[-1], judged[-1]


def _unwrap_openai() -> None:
    """Take off what OpenLLMetry's ``uninstrument()`` leaves around the ``openai`` client's methods, as a process of
    its own starts without it: its ``unwrap()`` calls name a module where opentelemetry-instrumentation's now takes
    the class, and unwrap nothing. Left on, each in-process run added one more wrapper (a span) to every call: the
    module's last runs were three times as slow as its first."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("openai.resources."):
            continue
        for owner in [value for value in vars(module).values() if isinstance(value, type)]:
            for attribute, method in list(vars(owner).items()):
                if isinstance(method, wrapt.FunctionWrapper):
                    while isinstance(method, wrapt.FunctionWrapper):
                        method = method.__wrapped__
                    setattr(owner, attribute, method)


@contextmanager
def make_bot(root: Path) -> Iterator[Bot]:
    """The bot's repository at ``root``, its fake OpenAI server and its backend, running while the block runs."""
    rows = [{"id": f"q{i:02}", "inputs": {"question": f"[q{i:02}] " + "why " * 3 * i}} for i in range(ROWS)]
    ignored = "settings.json\n.honeyhive/local.db*\n__pycache__/\n"
    write_files(root, {"bot.py": BOT, "questions.jsonl": jsonl(rows), ".gitignore": ignored})
    (root / ".honeyhive").mkdir()
    with FakeOpenAI() as server, LocalBackend(":memory:", API_KEY) as backend:
        made = Bot(root, server, backend)
        made.configure()
        init_repository(root, "a bot that pays for its tokens")
        yield made
    sys.modules.pop("bot", None)  # imported by the in-process runs


def mini_cost(input_tokens: int, output_tokens: int) -> float:
    """gpt-4o-mini at genai-prices' price: $0.15 per million input tokens, $0.60 per million output tokens."""
    return (input_tokens * 0.15 + output_tokens * 0.6) / 1e6

"""Issue 23 through the command line, in this process with only argv made up (tests/llm_bot.py's bot: the real
``openai`` client, the real instrumentations, the fake OpenAI server, 12 datapoints on 6 workers): a prompt that
doubles fails an ``input_tokens`` gate and leaves quality alone; an unpriced model has no cost and ``pricing:``
prices it to the cent; a datapoint without a call costs $0, so a cost gate sees a cache go; failed, streamed and
unpriced calls are told apart, with the fix for each, also by a job that reads the run back; a function that raised
or timed out counts what it spent; a library without an installed instrumentation is an error naming the package;
``evaluate(instrumentors=[...])`` gives the numbers the command line gives. (Each instrumentation alone, in a
process of its own: test_efficiency_e2e.py.)"""

from __future__ import annotations

import contextlib
import html
import importlib
import io
import json
import re
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from multiprocessing.pool import ThreadPool
from typing import Any

import pytest
from openinference.instrumentation.openai import OpenAIInstrumentor as OpenInferenceInstrumentor
from opentelemetry.instrumentation.openai import OpenAIInstrumentor as OpenLLMetryInstrumentor

from honeyhive_experiment import HoneyHiveClient, evaluate
from honeyhive_experiment.cli import main
from honeyhive_experiment.errors import ArgumentError
from honeyhive_experiment.report import load_report, render_summary
from honeyhive_experiment.results import recorded_outcomes
from honeyhive_experiment.user_code import in_repository
from tests.fakes.openai_server import Call, usage_of
from tests.llm_bot import API_KEY, OPENINFERENCE, OPENLLMETRY, ROWS, WORKERS, Bot, Run, make_bot, mini_cost

pytestmark = pytest.mark.integration


GATE = "gate: {cost_usd: {max_worse_pct: 10}}\n"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    with make_bot(tmp_path_factory.mktemp("efficiency") / "bot") as made:
        yield made


@pytest.fixture(scope="module")
def gated(bot: Bot) -> Run:
    """A run of the bot as it is (each datapoint one call of its own) with a cost gate: the baseline of the cost gate
    tests, run once (its own verdict is against an earlier test's run)."""
    bot.configure(OPENLLMETRY, GATE)
    return bot.run()


@pytest.fixture(scope="module")
def outside(bot: Bot, gated: Run) -> Run:
    """Against ``gated``: every call made by a thread started at import, outside every datapoint (run once)."""
    bot.configure(OPENLLMETRY, GATE)
    bot.settings(modes={f"q{i:02}": "errand" for i in range(ROWS)})
    return bot.run("--baseline", gated.run_id)


def test_doubling_the_prompt_fails_an_input_tokens_gate_and_leaves_quality_alone(bot: Bot, gated: Run) -> None:
    """(The baseline is ``gated``, the bot as it is: a gate is judged on this run's file, not the baseline's.)"""
    baseline = gated
    assert baseline.code == 0, baseline.out

    bot.configure(OPENLLMETRY, "gate: {input_tokens: {max_drop_pct: 20}}\n")
    bot.settings(repeat=2)
    doubled = bot.run("--baseline", baseline.run_id)

    assert doubled.code == 1, doubled.out
    tokens = doubled.metric("input_tokens")
    assert tokens["value"] == 2 * tokens["baseline"]  # +100 %
    assert tokens["change"] == "worse"
    assert any(r.startswith("input_tokens got worse by 100.0% (gate: at most 20%)") for r in doubled.report["reasons"])
    for quality in ("answered", "judge"):
        assert doubled.metric(quality)["difference"] == 0, quality
        assert not doubled.metric(quality)["efficiency"]
    assert tokens["efficiency"]

    # the Efficiency table, apart from the quality metrics, in the terminal and in the comment a dry run shows
    terminal, comment = doubled.out.split("----- the comment that would be posted -----", 1)
    quality_table, efficiency_table = terminal.split("Efficiency (per datapoint", 1)
    assert re.search(r"^answered ", quality_table, re.MULTILINE)
    assert not re.search(r"^input_tokens ", quality_table, re.MULTILINE)  # named in the reasons, not a row
    (row,) = [line.split() for line in efficiency_table.splitlines() if line.startswith("input_tokens ")]
    assert row[3:5] == ["+100.0%", "worse"], row
    assert "**Efficiency** per datapoint" in comment
    assert re.search(r"\| input\\_tokens \| [\d,.]+ \| [\d,.]+ \| \+100\.0% \| 🔴 worse", comment), comment


def test_an_unpriced_model_has_no_cost_and_pricing_prices_it_to_the_cent(bot: Bot) -> None:
    bot.configure(OPENLLMETRY, model="my-ft-model")
    unpriced = bot.run()
    assert unpriced.code == 0, unpriced.out
    for metrics in bot.per_datapoint(unpriced.run_id).values():
        assert metrics["input_tokens"] > 0
        assert "judge_cost_usd" in metrics  # the judge's model has a price
        assert "cost_usd" not in metrics  # absent, never $0
    assert unpriced.metric("input_tokens")["value"] > 0
    with contextlib.suppress(StopIteration):  # a row only when the baseline had a cost: then this run has none
        assert unpriced.metric("cost_usd")["value"] is None
    with HoneyHiveClient(bot.backend.url, API_KEY) as hh:
        sessions = [e for e in hh.iter_run_events(unpriced.run_id) if e["event_type"] == "session"]
    assert len(sessions) == ROWS
    assert all(s["metadata"]["unpriced_llm_calls"] == [{"model": "my-ft-model", "calls": 1}] for s in sessions)
    assert all(s["metadata"]["judge_unpriced_llm_calls"] == 0 for s in sessions)  # a list or a scalar: replaces
    assert unpriced.report["unpriced"] == [
        {"model": "my-ft-model", "calls": ROWS, "judge": False, "reason": "no_price"}
    ]
    note = f"cost excludes {ROWS} calls to unpriced model my-ft-model"
    terminal, comment = unpriced.out.split("----- the comment that would be posted -----", 1)
    assert note in comment
    assert note in terminal.lower()
    assert f"💲 {note}" in page(bot)  # the HTML report says it too (it said nothing of the cost left out)

    # $3,000 and $12,000 per million tokens, so that 12 datapoints cost dollars and cents
    bot.configure(OPENLLMETRY, "pricing:\n  my-ft-model: {input: 3000, output: 12000}\n", model="my-ft-model")
    priced = bot.run()
    assert priced.code == 0, priced.out
    expected = 0.0
    for datapoint_id, metrics in bot.per_datapoint(priced.run_id).items():
        own, _ = bot.served(datapoint_id.removeprefix("EXT-"))
        cost = (own.prompt_tokens * 3000 + own.completion_tokens * 12000) / 1e6
        assert metrics["cost_usd"] == pytest.approx(cost), datapoint_id
        expected += cost
    average = priced.metric("cost_usd")["value"]  # the backend's aggregate
    assert round(average * ROWS, 2) == round(expected, 2)
    assert priced.report["unpriced"] == []
    totals = priced.report["totals"]  # the backend's sum and percentiles
    assert round(totals["cost_usd"], 2) == round(expected, 2)
    assert totals["judge_cost_usd"] > 0
    assert 0 < totals["duration_p50_ms"] <= totals["duration_p95_ms"]
    assert f"This run: total cost ${round(expected, 2):,.2f} + $" in priced.out
    assert f'<p class="note" id="totals">This run: total cost ${round(expected, 2):,.2f} + $' in page(bot)
    assert unpriced.report["totals"]["cost_usd"] is None  # no call of the function could be priced
    assert "unpriced" not in priced.out


def page(bot: Bot) -> str:
    """The HTML report of the bot's last run (beside its report.json), its entities decoded."""
    return html.unescape((bot.root.parent / "report.html").read_text(encoding="utf-8"))


def by_id(bot: Bot, run_id: str) -> dict[str, dict[str, Any]]:
    """The backend's metrics of each datapoint of the run, by the bot's own ids (``q07``)."""
    return {datapoint.removeprefix("EXT-"): metrics for datapoint, metrics in bot.per_datapoint(run_id).items()}


def test_a_datapoint_without_a_call_costs_zero_so_a_cost_gate_sees_a_cache_come_and_go(bot: Bot) -> None:
    """Five rows in six answered from a cache (no LLM call) cost $0, not nothing: without it the backend's cost per
    datapoint would be over the rows that called only, the same with the cache as without, and the gate blind. (So
    many that the cache's going is significantly worse on 12 datapoints.)"""
    cached = {f"q{i:02}": "cached" for i in range(ROWS) if i % 6}
    bot.configure(OPENLLMETRY, "gate: {cost_usd: {max_worse_pct: 10}}\n")
    bot.settings(modes=cached)
    half = bot.run()
    assert half.code == 0, half.out
    for datapoint, metrics in by_id(bot, half.run_id).items():
        if datapoint in cached:
            assert [metrics[n] for n in ("llm_calls", "input_tokens", "output_tokens", "cost_usd")] == [0, 0, 0, 0]
            assert metrics["duration_ms"] >= 0
            assert metrics["judge_llm_calls"] == 1  # its judge did call
        else:
            assert metrics["llm_calls"] == 1, datapoint
            assert metrics["cost_usd"] > 0, datapoint

    bot.settings()  # the cache is gone: twice the calls, about twice the cost per datapoint
    every = bot.run("--baseline", half.run_id)
    assert every.code == 1, every.out
    cost = every.metric("cost_usd")
    assert cost["change"] == "worse"
    assert cost["percentage_change"] > 50
    assert any(reason.startswith("cost_usd got worse by") for reason in every.report["reasons"]), every.report

    bot.settings(modes=cached)  # and back: cheaper, and the gate passes
    again = bot.run("--baseline", every.run_id)
    assert again.code == 0, again.out
    assert again.metric("cost_usd")["change"] == "better"


def test_a_run_that_saw_no_llm_call_fails_its_cost_gate_where_the_baseline_saw_some(bot: Bot) -> None:
    """Every datapoint answered without a call the instrumentation saw (a client it does not instrument, say): each
    records 0 calls, 0 tokens and $0, so cost_usd "dropped 100%", better, and its gate passed: a change that broke the
    instrumentation was green (audit 46a). Where the baseline saw calls it fails, saying what to check; where neither
    run saw one, the gates judged nothing, which a warning says (the backend's llm_calls aggregate tells both)."""
    bot.configure(OPENLLMETRY, "gate: {cost_usd: {max_worse_pct: 10}, input_tokens: {max_worse_pct: 10}}\n")
    calling = bot.run()
    bot.settings(modes={f"q{i:02}": "cached" for i in range(ROWS)})
    unseen = bot.run("--baseline", calling.run_id)
    assert unseen.code == 1, unseen.out
    assert unseen.metric("cost_usd")["change"] == "better"  # a drop of 100%, as the backend compares it
    reason = (
        "the gates on cost_usd, input_tokens judged no LLM call: this run saw none on any datapoint (llm_calls is 0 on"
        " every one) where the baseline saw some, so a drop to 0 is calls the run did not see, not a saving; check"
        " that instrument: names the library your function calls the LLM with (openai, anthropic, ...) and that the"
        " function uses that library's client; if it no longer calls one, remove them"
    )
    assert unseen.report["reasons"] == [reason]
    assert reason.replace("_", "\\_") in unseen.out  # in the comment, not only the log

    again = bot.run("--baseline", unseen.run_id)
    assert (again.code, again.report["verdict"]) == (0, "pass"), again.out
    warning = (
        "no datapoint of either run saw an LLM call (llm_calls 0 on every one): the gates on cost_usd, input_tokens"
        " judged nothing; if calls were expected, check that instrument: names the library your function calls the"
        " LLM with (openai, anthropic, ...)"
    )
    assert warning in again.report["warnings"]
    assert warning.replace("_", "\\_") in again.out


def own_calls(bot: Bot, since: int, datapoint: str) -> list[Call]:
    """The calls the server answered the function of ``datapoint`` (not its judge) since its ``since``-th call."""
    return [c for c in bot.server.calls[since:] if f"[{datapoint}] " in c.prompt and not c.prompt.startswith("Judge")]


def test_calls_from_threads_the_function_starts_are_its_own_and_one_outside_every_datapoint_is_said(bot: Bot) -> None:
    """A call made from a thread the function starts, a task it submits to a pool made at import, or
    ``loop.run_in_executor`` is the datapoint's (it was 0 calls, $0, and a cost gate passed on it); a call made by a
    thread that carries no datapoint's context is in no metric, and the report says so."""
    bot.configure(OPENLLMETRY)
    bot.settings(modes={"q01": "thread", "q02": "pool", "q03": "executor", "q04": "errand"})
    since = len(bot.server.calls)
    start, submit = threading.Thread.start, ThreadPoolExecutor.submit
    run = bot.run()
    assert run.code == 0, run.out
    assert (threading.Thread.start, ThreadPoolExecutor.submit) == (start, submit)  # as they were, after the run

    measured = by_id(bot, run.run_id)
    for datapoint in ("q01", "q02", "q03", "q05"):
        [own] = own_calls(bot, since, datapoint)
        assert measured[datapoint]["llm_calls"] == 1, datapoint
        assert measured[datapoint]["input_tokens"] == own.prompt_tokens, datapoint
        assert measured[datapoint]["cost_usd"] == pytest.approx(mini_cost(own.prompt_tokens, own.completion_tokens))
    assert len(own_calls(bot, since, "q04")) == 1  # made, by the errand thread: in no datapoint's metrics
    assert measured["q04"]["llm_calls"] == 0
    warning = "1 LLM call(s) were made outside any datapoint's context"
    assert [w for w in run.report["warnings"] if w.startswith(warning)], run.report["warnings"]
    assert warning in run.out.split("----- the comment that would be posted -----", 1)[1]


def test_a_thread_pool_the_first_datapoint_makes_runs_each_datapoints_tasks_as_that_datapoints(bot: Bot) -> None:
    """A ``multiprocessing.pool.ThreadPool`` made lazily by the first datapoint that needs it serves the others while
    that one still runs: each datapoint's call is its own (its workers carried the first's context, which had every
    call, the others 0), and a call given the pool by a thread outside every datapoint is outside, and said."""
    bot.configure(OPENLLMETRY)
    bot.settings(modes={"q01": "lazy-apply", "q02": "lazy-map", "q03": "lazy-imap", "q04": "lazy-errand"})
    since = len(bot.server.calls)
    pool = dict(vars(ThreadPool))
    try:
        run = bot.run()
    finally:
        bot.settings()
    assert run.code == 0, run.out
    assert dict(vars(ThreadPool)) == pool  # as it was, after the run: inheriting Pool's methods

    measured = by_id(bot, run.run_id)
    for datapoint in ("q01", "q02", "q03"):
        [own] = own_calls(bot, since, datapoint)
        assert (measured[datapoint]["llm_calls"], measured[datapoint]["input_tokens"]) == (1, own.prompt_tokens)
    assert len(own_calls(bot, since, "q04")) == 1
    assert (measured["q04"]["llm_calls"], measured["q04"]["input_tokens"]) == (0, 0)
    warning = "1 LLM call(s) were made outside any datapoint's context"
    assert [w for w in run.report["warnings"] if w.startswith(warning)], run.report["warnings"]


def test_threads_carry_their_datapoint_when_the_users_code_wrapped_start_and_submit_at_import(bot: Bot) -> None:
    """The user's code puts its own ``Thread.start`` and ``ThreadPoolExecutor.submit`` in place at import, as
    ``sentry_sdk.init()`` does: calls from the threads and pool tasks its function starts are still the datapoint's
    (ours went in only over the originals: 0 calls, $0, 'made outside any datapoint'); its own are in place after."""
    bot.configure(OPENLLMETRY)
    bot.settings(modes={"q01": "thread", "q02": "pool", "q03": "executor"}, wrapped=True)
    since = len(bot.server.calls)
    start, submit = threading.Thread.start, ThreadPoolExecutor.submit
    try:
        run = bot.run()
        users = sys.modules["bot"]
        assert (threading.Thread.start, ThreadPoolExecutor.submit) == (users.START, users.SUBMIT)  # as they were
    finally:
        setattr(threading.Thread, "start", start)  # noqa: B010
        setattr(ThreadPoolExecutor, "submit", submit)  # noqa: B010
        bot.settings()
    assert run.code == 0, run.out
    measured = by_id(bot, run.run_id)
    for datapoint in ("q01", "q02", "q03"):
        [own] = own_calls(bot, since, datapoint)
        assert (measured[datapoint]["llm_calls"], measured[datapoint]["input_tokens"]) == (1, own.prompt_tokens)
    assert not [w for w in run.report["warnings"] if "outside any datapoint" in w], run.report["warnings"]


OUTSIDE_WARNING = (  # the datapoints' own among them: not said to be made (one abandoned counts one, made or not)
    "{} LLM call(s) outside any datapoint's context (a thread that does not carry it, or after its datapoint was"
    " over, or still running when its datapoint was recorded); counted in no metric; {} of them the datapoints' own"
)


def test_calls_still_running_when_their_datapoint_is_recorded_are_made_outside_every_datapoint(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A thread the function left running, a task it left on the event loop, a second call its timeout gave up on, an
    async call the timeout cancelled (its span never ends): each call was still running (the server holds it) when
    its datapoint was recorded, and went nowhere without a word (0 calls and $0, a real $0 to a cost gate; the
    timed-out datapoint 1 call of 2). Each is made outside any datapoint now: said, and on the run, so the run's cost
    is a lower bound. The threads left running are said too, in the report (b56: only the first, in the log only)."""
    bot.configure(OPENLLMETRY, "timeout: 3\n")  # generous: only the held calls of q03 and q04 reach it
    modes = {"q01": "left-thread", "q02": "left-task", "q03": "held", "q04": "held-async", "q05": "left-thread"}
    bot.settings(modes=modes)
    bot.server.released.clear()
    try:
        run = bot.run()
    finally:
        bot.server.released.set()
    measured = by_id(bot, run.run_id)
    assert [measured[d]["llm_calls"] for d in ("q01", "q02", "q03", "q04", "q05")] == [0, 0, 1, 0, 0]
    assert [w for w in run.report["warnings"] if w.startswith(OUTSIDE_WARNING.format(5, 5))], run.report["warnings"]
    with HoneyHiveClient(bot.backend.url, API_KEY) as hh:  # for the jobs that read the run back
        sessions = [e for e in hh.iter_run_events(run.run_id) if e["event_type"] == "session"]
    assert sum(s["metadata"].get("outside_llm_calls", 0) for s in sessions) == 5
    [running] = [w for w in run.report["warnings"] if w.startswith("the thread running '_held', started by datapoint")]
    first = running.split("started by datapoint ")[1].split(",")[0]  # the first recorded of the two
    assert f"{first}, was still running when that datapoint was recorded" in running, running
    [other] = {"EXT-q01", "EXT-q05"} - {first}
    assert running.endswith(f" (2 datapoints left one: {first}, {other})"), running
    assert "start a worker shared by datapoints at import" in running
    assert running in caplog.messages


def test_a_worker_the_first_datapoint_starts_is_said_and_its_calls_after_that_one_are_outside(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A queue's consumer thread started by the first datapoint that needs it (a batching client's) carries that
    datapoint's context for good: what it calls for the others while that one runs is that one's, and after, outside
    any datapoint (a call then running too). It was never said: one datapoint had every call, the others 0, exit 0.
    Now the run says which thread, started by which datapoint, and to start it at import."""
    bot.configure(OPENLLMETRY)
    workers = [f"q{i:02}" for i in range(6)]
    bot.settings(modes=dict.fromkeys(workers, "worker"))
    run = bot.run()
    assert run.code == 0, run.out
    starter = sys.modules["bot"].WORKER["by"]
    measured = by_id(bot, run.run_id)
    assert [measured[d]["llm_calls"] for d in workers if d != starter] == [0] * 5
    said = [w for w in run.report["warnings"] if "outside any datapoint's context" in w]
    assert measured[starter]["llm_calls"] + sum(int(w.split()[0]) for w in said) == len(workers)
    [running] = [
        w for w in run.report["warnings"] if w.startswith("the thread running '_consume', started by datapoint")
    ]
    assert f"{starter}, was still running when that datapoint was recorded" in running, running
    assert running.endswith(" before it returns"), running  # one datapoint left it: no count
    assert running in caplog.messages


SETUP_NOTE = "{} LLM call(s) at import, before any datapoint: a setup cost, in no datapoint's metrics ({})"


def setup_cost(calls: int) -> str:
    """What the note says ``calls`` of the bot's warm-up calls at import used (gpt-4o-mini, priced)."""
    _, prompt, completion = usage_of("warming up at import")
    cost = Decimal(repr(round(calls * mini_cost(prompt, completion), 11)))
    return f"{calls * prompt} input tokens, {calls * completion} output tokens, ${cost:f}"


def test_a_call_at_import_is_a_setup_cost_said_apart_and_a_method_taken_at_import_is_instrumented(bot: Bot) -> None:
    """The instrumentation was switched on after the user's code was imported: a call made at import had no span (the
    README's example of a call outside every datapoint was counted nowhere, unsaid), and a client's method taken at
    import (``functools.partial(client.chat.completions.create, model=...)``) was never instrumented: 0 calls, $0.
    Switched on before the import, the one is a setup cost, before any datapoint, said with its tokens and cost and
    on the run apart (it was counted outside every datapoint, making every cost gate a lower bound), the other the
    datapoint's."""
    bot.configure(OPENLLMETRY)
    bot.settings(modes={"q01": "bound"}, at_import=1)
    since = len(bot.server.calls)
    try:
        run = bot.run()
    finally:
        bot.settings()
    assert run.code == 0, run.out
    assert len(bot.server.calls_about("warming up at import")) >= 1
    [own] = own_calls(bot, since, "q01")
    measured = by_id(bot, run.run_id)
    assert (measured["q01"]["llm_calls"], measured["q01"]["input_tokens"]) == (1, own.prompt_tokens)
    assert SETUP_NOTE.format(1, setup_cost(1)) in run.report["notes"], run.report["notes"]
    assert not [w for w in run.report["warnings"] if "outside any datapoint" in w], run.report["warnings"]
    with HoneyHiveClient(bot.backend.url, API_KEY) as hh:
        sessions = [e for e in hh.iter_run_events(run.run_id) if e["event_type"] == "session"]
    assert sum(s["metadata"].get("outside_llm_calls", 0) for s in sessions) == 0
    assert sum(s["metadata"].get("import_llm_calls", 0) for s in sessions) == 1


def test_calls_at_import_are_a_setup_cost_so_a_cost_gate_is_judged_when_their_number_changes(bot: Bot) -> None:
    """A RAG app embeds its corpus at import: one call in the baseline, three once the corpus grew, and the datapoints
    cost the same. The import's calls were counted outside every datapoint, so each run's cost was a lower bound
    leaving out a different number of calls: the cost gate "could not be checked" (neutral) whenever the corpus
    changed, though every datapoint's cost was known. Made before any datapoint, they are none's left-out work: the
    gate is judged (passed), and each run says its import's calls apart, as a job reading the run back does."""
    bot.configure(OPENLLMETRY, GATE)
    bot.settings(at_import=1)
    try:
        first = bot.run()
        bot.settings(at_import=3)
        grown = bot.run("--baseline", first.run_id)
    finally:
        bot.settings()
    cost = grown.metric("cost_usd")
    assert (cost["baseline_left_out"], cost["left_out"]) == (0, 0)
    assert cost["difference"] == 0
    assert (grown.code, grown.report["verdict"]) == (0, "pass"), grown.out
    assert not [r for r in grown.report["reasons"] if "could not be checked" in r], grown.report["reasons"]
    note = SETUP_NOTE.format(3, setup_cost(3))
    assert note in grown.report["notes"], grown.report["notes"]
    assert SETUP_NOTE.format(1, setup_cost(1)) in first.report["notes"], first.report["notes"]

    argv = ["view", grown.run_id, "--no-open", "-C", str(bot.root), "--server-url", bot.backend.url]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv, environ={"HH_API_KEY": API_KEY}) == 0
    viewed = html.unescape((bot.root / ".honeyhive" / f"report.{grown.run_id}.html").read_text(encoding="utf-8"))
    assert 'class="verdict verdict-pass"' in viewed
    assert note in viewed


def test_two_instrumentations_of_one_client_count_each_call_once_responses_api_too(bot: Bot) -> None:
    """OpenLLMetry and OpenInference both on: a chat completion (one span inside the other), a Responses API call
    (OpenLLMetry's span beside OpenInference's: it was counted twice) and an embedding are each one call; two alike
    Responses API calls are two."""
    bot.configure(f"{OPENLLMETRY}, {OPENINFERENCE}")
    bot.settings(modes={"q01": "responses", "q02": "responses-twice", "q03": "embed"})
    since = len(bot.server.calls)
    run = bot.run()
    assert run.code == 0, run.out

    for datapoint, metrics in by_id(bot, run.run_id).items():
        own = own_calls(bot, since, datapoint)
        assert len(own) == {"q02": 2, "q03": 2}.get(datapoint, 1), datapoint
        cost = sum(
            c.prompt_tokens * 0.02 / 1e6
            if c.model.startswith("text-embedding")
            else mini_cost(c.prompt_tokens, c.completion_tokens)
            for c in own
        )
        assert metrics["llm_calls"] == len(own), datapoint
        assert metrics["input_tokens"] == sum(c.prompt_tokens for c in own), datapoint
        assert metrics["output_tokens"] == sum(c.completion_tokens for c in own), datapoint
        assert metrics["cost_usd"] == pytest.approx(cost), datapoint
        assert metrics["judge_llm_calls"] == 1, datapoint


def test_the_functions_own_genai_span_around_an_instrumented_call_of_another_model_is_a_call_of_its_own(
    bot: Bot,
) -> None:
    """The function's own span of a call to a self-hosted model (5000 tokens in, 1000 out, priced by ``pricing:``)
    around an instrumented embedding lookup: two calls, both priced (the span was dropped as the embedding's). Two
    such spans alike, one after the other, from two modules' tracers: two calls (they were one, side by side)."""
    bot.configure(OPENLLMETRY, "pricing:\n  my-local-llm: {input: 1000, output: 2000}\n")
    bot.settings(modes={"q05": "own-span", "q06": "modules"})
    since = len(bot.server.calls)
    run = bot.run()
    assert run.code == 0, run.out

    [embedding] = own_calls(bot, since, "q05")
    assert embedding.model == "text-embedding-3-small"
    metrics = by_id(bot, run.run_id)["q05"]
    assert metrics["llm_calls"] == 2
    assert metrics["input_tokens"] == 5000 + embedding.prompt_tokens
    assert metrics["output_tokens"] == 1000
    assert metrics["cost_usd"] == pytest.approx(
        (5000 * 1000 + 1000 * 2000) / 1e6 + embedding.prompt_tokens * 0.02 / 1e6
    )
    twice = by_id(bot, run.run_id)["q06"]
    assert [twice[name] for name in ("llm_calls", "input_tokens", "output_tokens")] == [2, 10000, 2000]
    assert twice["cost_usd"] == pytest.approx(2 * (5000 * 1000 + 1000 * 2000) / 1e6)


@pytest.mark.parametrize("instrument", [OPENLLMETRY, OPENINFERENCE])
def test_failed_streamed_and_unpriced_calls_are_told_apart_each_with_its_fix(bot: Bot, instrument: str) -> None:
    """``pricing:`` prices the bot's model: a call the server failed (an HTTP 500: no usage) is in no metric; a
    call streamed without usage counts as a call without tokens or cost, and the note says how to get its usage,
    not to add a price; an embedding is priced by its model (OpenInference names it in ``embedding.model_name``).
    A job that did not run the datapoints (report, publish) reads the same back from their sessions."""
    bot.configure(instrument, "pricing:\n  my-ft-model: {input: 1000, output: 4000}\n", model="my-ft-model")
    bot.settings(model="my-ft-model", modes={"q01": "failed", "q02": "stream", "q03": "embed"})
    run = bot.run()
    assert run.code == 0, run.out

    measured = by_id(bot, run.run_id)
    for datapoint in ("q01", "q03", "q04"):
        own, _ = bot.served(datapoint)
        chat = (own.prompt_tokens * 1000 + own.completion_tokens * 4000) / 1e6
        embedded = datapoint == "q03"
        assert measured[datapoint]["llm_calls"] == 1 + embedded, datapoint  # the failed call is not one
        if embedded:
            assert measured[datapoint]["cost_usd"] > chat  # the embedding's price too
        else:
            assert measured[datapoint]["cost_usd"] == pytest.approx(chat), datapoint
    streamed = measured["q02"]
    assert streamed["llm_calls"] == 1
    assert not {"input_tokens", "output_tokens", "cost_usd"} & set(streamed)  # unknown, never 0

    expected = [
        {"model": "fail:my-ft-model", "calls": 1, "judge": False, "reason": "failed"},
        {"model": "my-ft-model", "calls": 1, "judge": False, "reason": "no_usage"},
    ]
    assert run.report["unpriced"] == expected
    terminal, comment = run.out.split("----- the comment that would be posted -----", 1)
    failed = "failed: 1 call to fail:my-ft-model (the server's error, no usage reported: counted in no metric)"
    note = (
        "Cost excludes 1 call to my-ft-model without token usage (a stream reports it when asked with"
        f' stream_options={{"include_usage": True}} and read to its end); {failed}'
    )
    assert note in terminal
    assert "pricing:" not in note
    assert failed in comment
    assert "unpriced model" not in run.out

    with HoneyHiveClient(bot.backend.url, API_KEY) as hh:  # what the report and publish jobs read
        recorded = {key: dict(calls) for o in recorded_outcomes(hh, run.run_id) for key, calls in o.unpriced.items()}
    assert recorded == {"failed_llm_calls": {"fail:my-ft-model": 1}, "no_usage_llm_calls": {"my-ft-model": 1}}


def test_a_function_that_raised_or_timed_out_counts_what_its_calls_spent(bot: Bot) -> None:
    """A datapoint whose function raised after its call, and one still running at the timeout after its call: the
    calls were paid for, so they are the datapoints' metrics and in the run's total cost (no duration_ms: the
    function did not finish)."""
    bot.configure(OPENLLMETRY, "timeout: 3\n")  # generous: only the hanging one reaches it
    bot.settings(modes={"q05": "raise", "q06": "hang"})
    try:
        run = bot.run()
    finally:
        sys.modules["bot"].RELEASE.set()
    assert run.code == 1, run.out  # the function errored: the check fails, as before

    measured = by_id(bot, run.run_id)
    total = 0.0
    for datapoint, metrics in measured.items():
        own = [c for c in bot.server.calls_about(f"[{datapoint}] ") if c.prompt.startswith("Answer briefly")][-1]
        cost = mini_cost(own.prompt_tokens, own.completion_tokens)
        assert metrics["llm_calls"] == 1, datapoint
        assert metrics["input_tokens"] == own.prompt_tokens, datapoint
        assert metrics["cost_usd"] == pytest.approx(cost), datapoint
        total += cost
        if datapoint in ("q05", "q06"):
            assert "duration_ms" not in metrics
            assert "judge_llm_calls" not in metrics  # no evaluator ran
    assert len(measured) == ROWS
    assert round(run.report["totals"]["cost_usd"], 9) == round(total, 9)


def test_a_library_without_an_instrumentation_installed_is_an_error_naming_the_package(bot: Bot) -> None:
    bot.configure("anthropic")
    run = bot.run()
    assert run.code == 2, run.out
    assert run.report["verdict"] == "error"
    assert "instrument[0]: no OpenTelemetry instrumentation for 'anthropic' is installed" in run.report["error"]
    assert "opentelemetry-instrumentation-anthropic" in run.report["error"]
    assert "openinference-instrumentation-anthropic" in run.report["error"]


def evaluate_the_bot(bot: Bot, **kwargs: Any) -> Any:
    """The bot's run through ``evaluate()``, as the command line runs it (OpenInference, its workers)."""
    with in_repository(bot.root):
        app = importlib.import_module("bot")
    records = [json.loads(line) for line in (bot.root / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    with HoneyHiveClient(bot.backend.url, API_KEY) as hh:
        return evaluate(
            app.answer,
            records,
            client=hh,
            evaluators=[app.answered, app.judge],
            instrumentors=[OpenInferenceInstrumentor()],
            max_workers=WORKERS,
            print_results=False,
            **kwargs,
        )


def test_evaluate_with_instrumentors_gives_the_numbers_the_command_line_gives(bot: Bot) -> None:
    bot.configure(OPENINFERENCE)
    cli = bot.run()
    assert cli.code == 0, cli.out

    result = evaluate_the_bot(bot)

    def numbers(run_id: str) -> dict[str, dict[str, Any]]:
        return {
            dp: {name: value for name, value in metrics.items() if name != "duration_ms"}
            for dp, metrics in bot.per_datapoint(run_id).items()
        }

    assert numbers(result.run_id) == numbers(cli.run_id)
    assert "input_tokens" in numbers(cli.run_id)["EXT-q07"]


def test_evaluate_with_pricing_prices_a_private_model_as_the_files_pricing_does(bot: Bot) -> None:
    bot.configure(OPENINFERENCE, "pricing:\n  my-ft-model: {input: 1000, output: 4000}\n", model="my-ft-model")
    cli = bot.run()
    assert cli.code == 0, cli.out

    result = evaluate_the_bot(bot, pricing={"my-ft-model": {"input": 1000, "output": 4000}})
    costs = {dp: metrics.get("cost_usd") for dp, metrics in bot.per_datapoint(result.run_id).items()}
    assert costs == {dp: metrics.get("cost_usd") for dp, metrics in bot.per_datapoint(cli.run_id).items()}
    assert all(cost is not None and cost > 0 for cost in costs.values())


@pytest.mark.parametrize(
    "pricing",
    [{"m": {"input": 1}}, {"m": {"input": -1, "output": 2}}, {"m": {"input": "1", "output": 2}}, {"m": 3}],
    ids=["no-output", "negative", "a-string", "not-a-mapping"],
)
def test_evaluate_refuses_a_price_it_cannot_use_naming_the_model(pricing: Any) -> None:
    with pytest.raises(ArgumentError, match=r"pricing.*'m'"):
        evaluate(lambda datapoint: {}, [{"inputs": {}}], pricing=pricing, print_results=False)


def test_a_cost_gate_is_not_judged_on_a_cost_that_leaves_calls_out_in_either_run(bot: Bot, gated: Run) -> None:
    """A second model without a price added to every datapoint: the cost leaves its calls out, so it read "0.0%
    same" beside twice the tokens and passed its gate. Priced then (as the note advises), against that run as the
    baseline: +400% against a cost that left them out, and failed. Neither can be judged (this run's value is at
    least the one shown, within the gate; the baseline's at least its own, the change past it): neutral, saying
    whose value leaves how many calls out and why, in the reasons and on the row; against a baseline that left none
    out, it fails."""
    first = gated
    assert first.code == 0, first.out

    bot.configure(OPENLLMETRY, GATE)
    bot.settings(also="acme-llm")
    added = bot.run("--baseline", first.run_id)
    assert added.metric("llm_calls")["percentage_change"] == 100.0
    assert added.report["verdict"] == "neutral", added.out
    assert added.report["reasons"] == [
        f"cost_usd's gate could not be checked: this run's value excludes {ROWS} LLM calls ({ROWS} to unpriced model"
        " acme-llm): with them this run's value is higher, and could be past the gate (or significantly worse)"
    ]
    cost = added.metric("cost_usd")
    assert (cost["baseline_left_out"], cost["left_out"]) == (0, ROWS)
    row = next(line for line in added.out.splitlines() if line.startswith("cost_usd "))  # the terminal's
    assert f"this run's value excludes {ROWS} LLM calls" in row

    bot.configure(OPENLLMETRY, GATE + "pricing:\n  acme-llm: {input: 1, output: 1}\n")
    bot.settings(also="acme-llm")
    priced = bot.run("--baseline", added.run_id)
    assert priced.metric("cost_usd")["percentage_change"] > 100
    assert priced.report["verdict"] == "neutral", priced.out
    assert priced.report["reasons"] == [
        f"cost_usd's gate could not be checked: the baseline's value excludes {ROWS} LLM calls ({ROWS} to unpriced"
        " model acme-llm): with them the baseline's value is higher, and the change could be within the gate"
    ]
    cost = priced.metric("cost_usd")
    assert (cost["baseline_left_out"], cost["left_out"]) == (ROWS, 0)
    assert priced.report["unpriced"] == []  # this run's note: nothing of this run's

    against_the_first = bot.run("--baseline", first.run_id)  # both runs' costs whole: judged
    assert against_the_first.code == 1, against_the_first.out
    assert against_the_first.report["reasons"][0].startswith("cost_usd got worse by")
    cost = against_the_first.metric("cost_usd")
    assert (cost["baseline_left_out"], cost["left_out"]) == (0, 0)


def test_calls_outside_every_datapoint_are_on_the_run_for_the_jobs_that_read_it_back(bot: Bot, outside: Run) -> None:
    """Every call made by a thread started at import: the run's job judged its cost gate "could not be checked", but
    only it knew of those calls. ``view`` (as a report or publish job, it reads the run back) passed it, -100%
    better, and a later run taking it as its baseline failed against its $0. The count is on one of its sessions:
    each says what the run's job said, and applies the same rule."""
    assert outside.report["verdict"] == "neutral", outside.out
    [reason] = outside.report["reasons"]
    [warning] = [w for w in outside.report["warnings"] if "outside any datapoint" in w]

    argv = ["view", outside.run_id, "--no-open", "-C", str(bot.root), "--server-url", bot.backend.url]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv, environ={"HH_API_KEY": API_KEY}) == 0
    viewed = html.unescape((bot.root / ".honeyhive" / f"report.{outside.run_id}.html").read_text(encoding="utf-8"))
    assert 'class="verdict verdict-neutral"' in viewed
    assert f"<li>{reason}</li>" in viewed
    assert f"<li>⚠️ {warning}</li>" in viewed

    bot.configure(OPENLLMETRY, GATE)
    after = bot.run("--baseline", outside.run_id)
    assert after.metric("cost_usd")["baseline_left_out"] == ROWS
    assert after.report["verdict"] == "neutral", after.out
    assert after.report["reasons"][0].startswith(
        f"cost_usd's gate could not be checked: the baseline's value excludes {ROWS} LLM calls ({ROWS} outside any"
        " datapoint)"
    )


def test_as_many_calls_outside_every_datapoint_in_both_runs_leave_a_cost_gate_judged_on_the_datapoints_own(
    bot: Bot,
) -> None:
    """One datapoint's call made by a thread started at import, in the baseline and in this run: each run's cost
    leaves that one call out, so a cost gate "could not be checked" (neutral) though the prompt tripled and the cost
    rose 102% on 11 of 12 datapoints; any app making one call outside its datapoints lost every efficiency gate once
    its baselines carried the count. As many in each: judged on the datapoints' own calls, failed, and a warning says
    so. Two now against the baseline's one: the change could be either way, still neutral."""
    bot.configure(OPENLLMETRY, GATE)
    bot.settings(modes={"q00": "errand"})
    first = bot.run()

    bot.settings(repeat=3, modes={"q00": "errand"})
    worse = bot.run("--baseline", first.run_id)
    cost = worse.metric("cost_usd")
    assert (cost["baseline_left_out"], cost["left_out"]) == (1, 1)
    assert cost["percentage_change"] > 90
    assert worse.code == 1, worse.out
    [reason] = worse.report["reasons"]
    assert reason.startswith("cost_usd got worse by "), reason
    assert "excludes" not in reason  # not "with them it is worse still": both runs' leave the same call out
    assert (
        "cost_usd judged on the datapoints' own calls: both runs made 1 LLM call outside any datapoint, counted in"
        " neither"
    ) in worse.report["warnings"]

    bot.settings(repeat=3, modes={"q00": "errand", "q01": "errand"})
    unlike = bot.run("--baseline", first.run_id)
    assert unlike.report["verdict"] == "neutral", unlike.out
    assert unlike.report["reasons"] == [
        "cost_usd's gate could not be checked: the baseline's value excludes 1 LLM call (1 outside any datapoint)"
        " and this run's value excludes 2 LLM calls (2 outside any datapoint): with them the change could be larger"
        " or smaller"
    ]
    assert not [w for w in unlike.report["warnings"] if "judged on the datapoints' own calls" in w]


BILLING = """
import json
import pathlib


def cost_usd(outputs, inputs):  # the team's own cost, from its billing: a dollar a repeat of the prompt
    return float(json.loads((pathlib.Path(__file__).resolve().parent / "settings.json").read_text())["repeat"])
"""


def test_a_cost_leaving_calls_out_is_a_lower_bound_so_a_regression_past_the_gate_fails(
    bot: Bot, gated: Run, outside: Run
) -> None:
    """A value that leaves calls out is at most the whole. The prompt repeated twice and a second, unpriced model
    asked too: this run's cost, +100% without that model's calls, is past the gate whatever they cost, so it fails
    (it was "could not be checked", neutral). Every call made by a thread started at import, outside every datapoint:
    this run's cost is $0, -100%, but leaves every call out: could not be checked (it passed). An evaluator's own
    cost_usd, in both runs, replaces the built-in, whose unpriced calls leave nothing out of it: +100%, failed (it
    was neutral, for the built-in's calls)."""
    first = gated
    bot.configure(OPENLLMETRY, GATE)
    bot.settings(repeat=2, also="acme-llm")
    worse = bot.run("--baseline", first.run_id)
    assert worse.code == 1, worse.out
    [reason] = worse.report["reasons"]
    assert reason.startswith("cost_usd got worse by "), reason
    assert reason.endswith(
        f"; this run's value excludes {ROWS} LLM calls ({ROWS} to unpriced model acme-llm): with them it is worse still"
    )

    assert outside.metric("cost_usd")["percentage_change"] == -100.0  # against first, every call made outside
    assert outside.report["verdict"] == "neutral", outside.out
    assert outside.report["reasons"] == [
        f"cost_usd's gate could not be checked: this run's value excludes {ROWS} LLM calls ({ROWS} outside any"
        " datapoint): with them this run's value is higher, and could be past the gate (or significantly worse)"
    ]
    assert outside.metric("cost_usd")["left_out"] == ROWS

    (bot.root / "billing.py").write_text(BILLING, encoding="utf-8")
    config = (bot.root / ".honeyhive" / "experiment.yml").read_text(encoding="utf-8")
    own = config.replace(
        "evaluators: [bot:answered, bot:judge]", "evaluators: [bot:answered, bot:judge, billing:cost_usd]"
    )
    (bot.root / ".honeyhive" / "experiment.yml").write_text(own, encoding="utf-8")
    bot.settings(also="acme-llm")
    own_first = bot.run()
    bot.settings(repeat=2, also="acme-llm")
    own_worse = bot.run("--baseline", own_first.run_id)
    assert own_worse.metric("cost_usd")["percentage_change"] == 100.0
    assert own_worse.code == 1, own_worse.out
    assert own_worse.report["reasons"][0].startswith("cost_usd got worse by 100.0% (gate: at most 10%)")
    assert (own_worse.metric("cost_usd")["baseline_left_out"], own_worse.metric("cost_usd")["left_out"]) == (0, 0)
    replaced = (  # said in the report, not only in the log (audit 46a #3)
        "cost_usd is an evaluator's metric, not the built-in one: an evaluator's metric of a built-in metric's name"
        " replaces it, in the efficiency table and for any gate on it; name the evaluator's metric otherwise to keep"
        " both."
    )
    assert replaced in own_worse.report["notes"], own_worse.report["notes"]
    assert replaced not in worse.report["notes"]
    assert replaced in own_worse.out  # the terminal says the notes too


SHORT = [f"q{i:02}" for i in range(6)]  # the six short questions: 15 tokens in, against the long ones' 24


def unjudged(whose: str, calls: int, why: str) -> str:
    """The reason of a gate whose value is the mean of the datapoints that have one, when the others' calls are all
    left out: no lower bound of the whole, so neither direction is known."""
    return (
        f"'s gate could not be checked: {whose} value excludes {calls} LLM calls ({calls} {why} on datapoints left"
        " without a value): with them the change could be larger or smaller"
    )


@pytest.mark.parametrize("trials", [1, 2])
def test_a_gate_is_not_judged_on_a_mean_without_the_datapoints_whose_calls_all_reported_no_usage(
    bot: Bot, trials: int
) -> None:
    """A datapoint whose only call streamed without usage has no input_tokens, so the backend's mean is the others',
    no lower bound of the whole, which the verdict took it for (audit 55). The short questions streamed, same spend:
    "got worse by 46.2% ... with them it is worse still", failed. Against that run, those questions asking twice (a
    real rise: it fails against the first run): -13.2% against a baseline that left them out, passed. Neither
    direction is known: neutral, each saying whose value leaves which calls out, with every trial's."""
    bot.configure(OPENLLMETRY, f"gate: {{input_tokens: {{max_worse_pct: 10}}}}\ntrials: {trials}\n")
    plain = bot.run()
    bot.settings(modes=dict.fromkeys(SHORT, "stream"))
    streamed = bot.run("--baseline", plain.run_id)
    assert streamed.metric("input_tokens")["percentage_change"] > 10  # the mean of the long questions alone
    assert streamed.code == 0, streamed.out
    assert streamed.report["verdict"] == "neutral"
    why = "to gpt-4o-mini-2024-07-18 without token usage"
    assert streamed.report["reasons"] == ["input_tokens" + unjudged("this run's", 6 * trials, why)]

    bot.settings(modes=dict.fromkeys(SHORT, "responses-twice"))
    twice = bot.run("--baseline", streamed.run_id)
    assert twice.metric("input_tokens")["percentage_change"] < 0  # against the long questions alone
    assert twice.report["verdict"] == "neutral", twice.out
    assert twice.report["reasons"] == ["input_tokens" + unjudged("the baseline's", 6 * trials, why)]
    assert bot.run("--baseline", plain.run_id).code == 1  # both whole: the rise is judged, and fails


def test_a_cost_gate_is_not_judged_on_a_mean_without_the_datapoints_whose_calls_all_had_no_price(bot: Bot) -> None:
    """The short questions asked a self-hosted model without a price, two calls each: their datapoints have no
    cost_usd, and the mean is the long questions'. Every question asking the paid model then (more spend): -17.4%,
    its gate passed; back to the unpriced model (less spend): +21.1%, failed. Neither: neutral."""
    bot.configure(OPENLLMETRY, GATE)
    bot.settings(modes=dict.fromkeys(SHORT, "modules"))
    unpriced = bot.run()
    bot.settings()
    paid = bot.run("--baseline", unpriced.run_id)
    assert paid.metric("cost_usd")["percentage_change"] < 0
    assert paid.report["verdict"] == "neutral", paid.out
    assert paid.report["reasons"] == ["cost_usd" + unjudged("the baseline's", 12, "to unpriced model my-local-llm")]

    bot.settings(modes=dict.fromkeys(SHORT, "modules"))
    back = bot.run("--baseline", paid.run_id)
    assert back.metric("cost_usd")["percentage_change"] > 10
    assert back.report["verdict"] == "neutral", back.out
    assert back.report["reasons"] == ["cost_usd" + unjudged("this run's", 12, "to unpriced model my-local-llm")]


@pytest.mark.parametrize(
    ("mode", "why"),
    [("stream", "to gpt-4o-mini-2024-07-18 without token usage"), ("modules", "to unpriced model my-local-llm")],
)
def test_a_rise_past_the_gate_even_with_the_valueless_datapoints_at_0_fails(bot: Bot, mode: str, why: str) -> None:
    """The prompt repeated four times, and one datapoint's calls streamed without usage (or asked an unpriced model):
    that datapoint has no value, so the backend's mean is the other eleven's, no lower bound of the whole, and the
    gate was judged in neither direction: neutral at +165% cost (audit57 F1; it failed before 4d12cc5). Those 11 of
    12 datapoints alone, the twelfth at 0, still cross the gate: failed, saying which calls the value leaves out."""
    bot.configure(OPENLLMETRY, GATE)
    bot.settings()
    plain = bot.run()
    bot.settings(repeat=4, modes={"q00": mode})
    worse = bot.run("--baseline", plain.run_id)
    assert worse.metric("cost_usd")["percentage_change"] > 100
    assert worse.code == 1, worse.out
    [reason] = worse.report["reasons"]
    assert reason.startswith("cost_usd got worse by "), reason
    calls = 2 if mode == "modules" else 1
    left = f"{calls} LLM call{'s' if calls > 1 else ''} ({calls} {why} on datapoints left without a value)"
    assert reason.endswith(f"; this run's value excludes {left}: past the gate even were those datapoints 0"), reason


@pytest.mark.parametrize("instrument", [OPENLLMETRY, OPENINFERENCE])
def test_calls_the_client_gave_up_on_leave_a_cost_gate_unchecked_and_a_refused_call_stays_in_no_metric(
    bot: Bot, instrument: str
) -> None:
    """The short questions' calls timed out on the client (``timeout=0.3``, the server holding each of its three
    tries, each of which a provider may bill): in no metric, they read as a saving, cost and llm_calls down, both
    gates passed (audit67 F2). Each is a call made (once in llm_calls: the retries are not seen), its tokens and cost
    unknown: the cost gate could not be checked, saying why, and llm_calls is judged, the same as the baseline's. A
    call the server refused (HTTP 400) is in no metric, as before (OpenInference says the timeout only in the
    exception it recorded, OpenLLMetry in ``error.type``)."""
    bot.configure(instrument, "gate: {cost_usd: {max_worse_pct: 10}, llm_calls: {max_worse_pct: 10}}\n")
    plain = bot.run()
    bot.settings(modes={**dict.fromkeys(SHORT, "timed-out"), "q06": "refused"})
    bot.server.released.clear()
    try:
        gave_up = bot.run("--baseline", plain.run_id)
    finally:
        bot.server.released.set()

    assert (gave_up.code, gave_up.report["verdict"]) == (0, "neutral"), gave_up.out
    why = (
        "to held:gpt-4o-mini given up on by the client (a timeout, a lost connection, an answer it refused: the"
        " provider may bill it, each retry too)"
    )
    assert gave_up.report["reasons"] == ["cost_usd" + unjudged("this run's", len(SHORT), why)]
    assert gave_up.metric("llm_calls")["percentage_change"] == 0.0
    measured = by_id(bot, gave_up.run_id)
    for datapoint in SHORT:
        assert measured[datapoint]["llm_calls"] == 1, datapoint
        assert not {"input_tokens", "output_tokens", "cost_usd"} & set(measured[datapoint])  # unknown, never 0
    own, _ = bot.served("q06")  # the call after the refused one
    assert measured["q06"]["llm_calls"] == 1
    assert measured["q06"]["cost_usd"] == pytest.approx(mini_cost(own.prompt_tokens, own.completion_tokens))
    assert gave_up.report["unpriced"] == [
        {"model": "refuse:gpt-4o-mini", "calls": 1, "judge": False, "reason": "failed"},
        {"model": "held:gpt-4o-mini", "calls": len(SHORT), "judge": False, "reason": "given_up"},
    ]
    note = (
        f"cost excludes {len(SHORT)} calls to held:gpt-4o-mini given up on by the client (a timeout, a lost"
        " connection, an answer it refused: a provider may bill each, its retries too); failed: 1 call to"
        " refuse:gpt-4o-mini (the server's error, no usage reported: counted in no metric)"
    )
    assert note in gave_up.out


def test_a_cost_range_max_on_a_cost_that_leaves_a_datapoints_calls_out_could_not_be_checked(bot: Bot) -> None:
    """Every datapoint also asks a model without a price: its cost leaves that call out, a lower bound, and the
    backend passed the range's max on it: the run passed (audit67 F1; priced, every datapoint is past the max). Could
    not be checked, neutral, naming the calls; the cost row and the totals line say them without a baseline too
    (audit67 F3: 0, and nothing said, where a baseline was needed to say them); ``view``, which reads the run back,
    says what the run's job said."""
    ranged = "baseline: {strategy: none}\npassing_ranges: {cost_usd: {max: 0.001}}\n"
    bot.configure(OPENLLMETRY, ranged)
    bot.settings(also="acme-llm")
    unpriced = bot.run()
    assert unpriced.code == 0, unpriced.out
    assert unpriced.metric("cost_usd")["left_out"] == ROWS
    totals = next(line for line in unpriced.out.splitlines() if line.startswith("This run: total cost"))
    assert f"(excludes {ROWS} LLM calls)" in totals
    assert (unpriced.report["verdict"], unpriced.report["reasons"]) == (
        "neutral",
        [
            f"cost_usd's passing range could not be checked on {ROWS} of the {ROWS} datapoints the backend passed:"
            f" their value excludes {ROWS} LLM calls ({ROWS} to unpriced model acme-llm): with them it could be past"
            " its max"
        ],
    )
    argv = ["view", unpriced.run_id, "--no-open", "-C", str(bot.root), "--server-url", bot.backend.url]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv, environ={"HH_API_KEY": API_KEY}) == 0
    viewed = html.unescape((bot.root / ".honeyhive" / f"report.{unpriced.run_id}.html").read_text(encoding="utf-8"))
    assert 'class="verdict verdict-neutral"' in viewed  # read back from the sessions: the same rule
    assert f"<li>{unpriced.report['reasons'][0]}</li>" in viewed

    bot.configure(OPENLLMETRY, ranged + "pricing:\n  acme-llm: {input: 1000, output: 1000}\n")
    bot.settings(also="acme-llm")
    priced = bot.run()
    assert (priced.code, priced.report["verdict"]) == (1, "fail"), priced.out
    assert priced.report["reasons"] == [f"{ROWS} datapoint(s) failed their passing ranges"]

    bot.configure(OPENLLMETRY, ranged)
    whole = bot.run()  # no call left out: judged, and held
    assert (whole.code, whole.report["verdict"], whole.report["reasons"]) == (0, "pass", ["every datapoint passed"])
    assert whole.metric("cost_usd")["left_out"] == 0


def test_a_cost_range_is_shown_wherever_the_cost_is(bot: Bot) -> None:
    """audit67 F4: ``passing_ranges: {cost_usd: {max: ...}}`` was in report.json only: the Efficiency table of the
    comment, the job summary, the terminal and the HTML page's metrics had no column for it, and without a baseline
    no status saying it failed. Each now shows it beside the cost, in the cost's numbers; the range is the backend's
    (the summary's), the datapoints past it its failed list."""
    bot.configure(OPENLLMETRY, "baseline: {strategy: none}\npassing_ranges: {cost_usd: {max: 0.000005}}\n")
    ranged = bot.run()
    over = [i for i, values in bot.per_datapoint(ranged.run_id).items() if values["cost_usd"] > 5e-06]
    assert 0 < len(over) < ROWS  # the prompts' lengths differ: some cost more than the max
    assert (ranged.code, ranged.report["reasons"]) == (1, [f"{len(over)} datapoint(s) failed their passing ranges"])
    terminal, comment = ranged.out.split("----- the comment that would be posted -----")

    efficiency = terminal.split("Efficiency (")[1].splitlines()
    assert efficiency[1].split() == ["Metric", "This", "run", "Passing", "range", "Status"]
    (line,) = [line for line in efficiency if line.startswith("cost_usd ")]
    assert [cell.strip() for cell in line.split("  ") if cell][-2:] == ["≤ 5.00e-06", f"{len(over)} failing"]
    summary = render_summary(load_report(bot.root.parent / "report.json"))
    for markdown in (comment, summary):
        (row,) = [row for row in markdown.splitlines() if row.startswith("| cost\\_usd |")]
        assert row.endswith(f"| ≤ 5.00e-06 | ❌ {len(over)} failing |"), row
    page = (bot.root / ranged.report["html"]["file"]).read_text(encoding="utf-8")
    assert "<th>Passing range</th>" in page
    row = page.split('<td class="num">≤ 5.00e-06</td>')[0].rsplit("<tr>", 1)[1]
    assert row.startswith('\n<td title="cost_usd">cost_usd</td>')

    # each failed datapoint's cost beside the range it failed, as an evaluator metric's value is
    failing = [m["text"] for row in ranged.report["datapoints"]["failed"] for m in row["failing_metrics"]]
    assert len(failing) == len(over)
    assert all(re.fullmatch(r"cost_usd = [0-9.]+e-06, passing range ≤ 5\.00e-06", text) for text in failing), failing
    assert f": {failing[0]}\n" in terminal
    assert " | " + failing[0].replace("_", "\\_") + " | " in comment


def test_evaluate_succeeds_where_the_command_is_neutral_on_a_cost_range_max_it_could_not_check(bot: Bot) -> None:
    """``ExperimentResult.success`` is "judged by the command line's rule" (neutral exits 0): a range's max on a cost
    that leaves calls out could not be checked (session 52), whether they went to a model without a price or the
    client gave up on them (a timeout): neutral, exit 0, and evaluate()'s success on the same calls True, nothing in
    ``broken``; ``unchecked`` gives the neutral's reasons, which print_table printed nothing of. Priced, both fail the
    range."""
    ranges = {"cost_usd": {"max": 0.001}}
    ranged = "baseline: {strategy: none}\npassing_ranges: {cost_usd: {max: 0.001}}\n"
    pricing = {"acme-llm": {"input": 1000, "output": 1000}}
    for extra, also, modes, priced in [
        ("", "acme-llm", {}, {}),
        ("", "", dict.fromkeys(SHORT, "timed-out"), {}),
        ("pricing:\n  acme-llm: {input: 1000, output: 1000}\n", "acme-llm", {}, pricing),
    ]:
        bot.configure(OPENINFERENCE, ranged + extra)
        bot.settings(also=also, modes=modes)
        bot.server.released.clear()
        try:
            cli = bot.run()
            result = evaluate_the_bot(bot, passing_ranges=ranges, pricing=priced)
        finally:
            bot.server.released.set()
        assert (cli.code, cli.report["verdict"]) == ((1, "fail") if priced else (0, "neutral")), cli.out
        assert cli.report["reasons"][0].startswith(
            f"{ROWS} datapoint(s) failed" if priced else "cost_usd's passing range could not be checked on "
        ), cli.report["reasons"]
        assert (result.success, result.broken) == (not priced, [])
        assert result.unchecked == ([] if priced else cli.report["reasons"])  # the neutral's reasons, its words
        shown = io.StringIO()
        result.print_table(file=shown)
        assert all(f"\nWarning: {text}\n" in shown.getvalue() for text in result.unchecked)


def test_an_instrumentation_switched_on_before_the_command_through_the_global_provider_still_measures_zeros(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """``instrument:``'s package switched on before the command (a process-wide setup, as ``opentelemetry-instrument``
    does) is left as it was and named; its spans reach the run through the global provider, so a datapoint answered
    from a cache still costs a measured $0. audit87 F1: b56-calls made every such run unmeasured, so a datapoint
    without a call recorded nothing and each run's mean was over its calling datapoints only: a cache removed (twice
    the spend) passed its cost gate. (With a provider of the user's own, the run cannot tell its calls went
    elsewhere: the log says so, and the zeros stay: audit85 F3, left.)"""
    bot.configure(OPENLLMETRY, "baseline: {strategy: none}\n")
    bot.settings(modes={"q01": "cached"})
    OpenLLMetryInstrumentor().instrument()  # no provider of its own: the global one, which the run routes
    try:
        with caplog.at_level("WARNING", logger="honeyhive_experiment"):
            run = bot.run()
    finally:
        OpenLLMetryInstrumentor().uninstrument()
    measured = by_id(bot, run.run_id)
    assert [measured["q01"][n] for n in ("llm_calls", "cost_usd")] == [0, 0], measured["q01"]
    assert measured["q02"]["llm_calls"] == 1, measured["q02"]
    said = f"{OPENLLMETRY} had instrumented openai before the run, which left it as it was"
    assert any(r.getMessage().startswith(said) for r in caplog.records), caplog.text
    assert [w for w in run.report["warnings"] if w.startswith(said)], run.report["warnings"]  # b56: in the log only

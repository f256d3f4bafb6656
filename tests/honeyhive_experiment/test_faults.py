"""Faults: with 20 % of the requests to the backend failing, a run still completes with exactly one
session per datapoint and no duplicate events.

Everything is real: ``evaluate()`` talks HTTP (httpx, with our retry policy) and OTLP (the
OpenTelemetry exporter, with its own retries) to a fault-injecting reverse proxy on a loopback port
(``faultproxy.FaultProxy``), which forwards to a ``honeyhive_local`` server on another loopback port.
The proxy fails a seeded-random 20 % of **all** requests — REST and OTLP alike — with, round-robin:
500, 503, 429 + ``Retry-After: 0`` or a connection reset before forwarding, and 500 or a connection
reset *after* forwarding (the backend committed the write, the client sees a failure and re-sends it).

What the run left behind is then read from the backend directly, not through the proxy.

The OTLP exporter retries only 429, 502, 503, 504 and connection errors: an HTTP 500 on a span export
is final as far as the exporter is concerned, so it is the engine's job to re-send those spans (they
are keyed by span id, so a re-sent span updates its event instead of duplicating it).

Runtime: our client retries with waits of 10–200 ms; the OTLP exporter backs off 1 s, 2 s, … on
503/429 (``Retry-After: 0`` makes 429 immediate) and retries a reset at once, so a datapoint whose
export is hit waits about a second; with 8 workers the whole test takes a few seconds.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment import HoneyHiveClient, RetryPolicy, Timeouts, evaluate, external_dataset
from honeyhive_experiment.cli import main
from honeyhive_experiment.errors import ApiError, BackendUnreachable
from honeyhive_experiment.models.outcomes import OutcomeStatus
from honeyhive_experiment.runner import session_id_for
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.honeyhive_experiment.faultproxy import ALL_FAULTS, Fault, FaultProxy
from tests.quickstart import copy_quickstart, init_repository

pytestmark = pytest.mark.integration

DATAPOINTS = 40
FAULT_RATE = 0.2
SEED = 20240611
OTLP_PATH = "/opentelemetry/v1/traces"
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# every fourth answer is wrong: exact_match false on 0, 4, 8, …
WRONG = {n for n in range(DATAPOINTS) if n % 4 == 0}
RECORDS = [
    {"id": f"fault-{n}", "inputs": {"n": n}, "ground_truth": {"answer": 2 * n + (1 if n in WRONG else 0)}}
    for n in range(DATAPOINTS)
]


def double(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"answer": 2 * datapoint["inputs"]["n"]}


def exact_match(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    return bool(outputs["answer"] == ground_truth["answer"])


def half_answer(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> float:
    return outputs["answer"] / 2  # == n


@pytest.fixture
def proxy(backend: LocalBackend) -> Iterator[FaultProxy]:
    with FaultProxy(backend.url, rate=FAULT_RATE, seed=SEED, retry_after="0") as running:
        yield running


def _run_events(client: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    flt = [{"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"}]
    events: list[dict[str, Any]] = []
    page = 1
    while True:
        response = client.post("/v1/events/export", json={"filters": flt, "page": page, "limit": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        events += body["events"]
        if not body["events"] or len(events) >= body["totalEvents"]:
            return events
        page += 1


def _route(method: str, path: str) -> str:
    return "OTLP" if path.startswith(OTLP_PATH) else f"{method} {_ID.sub('{id}', path.split('?')[0])}"


def _fault_table(proxy: FaultProxy) -> str:
    by_route: dict[str, Counter[str]] = defaultdict(Counter)
    for injected in proxy.injected:
        by_route[_route(injected.method, injected.path)][injected.fault.value] += 1
    lines = [f"{proxy.requests} requests through the proxy, {len(proxy.injected)} faults injected:"]
    lines += [f"  {route}: {dict(kinds)}" for route, kinds in sorted(by_route.items())]
    return "\n".join(lines)


def test_run_survives_20_percent_faults_with_one_session_per_datapoint_and_no_duplicates(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    dataset = external_dataset(RECORDS)
    with HoneyHiveClient(
        proxy.url, API_KEY, retry=RetryPolicy(attempts=8, initial_wait=0.01, max_wait=0.2)
    ) as hh_client:
        result = evaluate(
            double,
            dataset,
            client=hh_client,
            evaluators=[exact_match, half_answer],
            name="fault-injection",
            max_workers=8,
            timeout=30,
            passing_ranges={"exact_match": {"min": 1}},
            ingestion_timeout=30,
        )
    faults = _fault_table(proxy)

    # the proxy really did fail a fifth of the traffic, with every kind of fault
    counts = proxy.counts
    assert all(counts[kind] >= 1 for kind in ALL_FAULTS), faults
    assert len(proxy.injected) >= 0.1 * proxy.requests, faults

    ids = [dp.id for dp in dataset.datapoints]
    n_of = {dp.id: dp.record["inputs"]["n"] for dp in dataset.datapoints}
    sessions = {dp_id: session_id_for(result.run_id, dp_id) for dp_id in ids}

    # the backend's view, read directly (not through the proxy)
    run = client.get(f"/v1/runs/{result.run_id}").json()["evaluation"]
    assert run["status"] == "completed"
    assert len(run["event_ids"]) == DATAPOINTS
    assert set(run["event_ids"]) == set(sessions.values())

    events = _run_events(client, result.run_id)
    event_ids = [e["event_id"] for e in events]
    duplicated = [event_id for event_id, count in Counter(event_ids).items() if count > 1]
    assert duplicated == [], f"duplicate event ids {duplicated}\n{faults}"

    session_events = [e for e in events if e["event_type"] == "session"]
    per_datapoint = Counter(e["metadata"]["datapoint_id"] for e in session_events)
    assert per_datapoint == dict.fromkeys(ids, 1), f"sessions per datapoint {per_datapoint}\n{faults}"
    assert {e["session_id"] for e in session_events} == set(sessions.values())

    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event["event_type"] == "chain":
            chains[event["session_id"]].append(event)
    chain_counts = {dp_id: len(chains.get(sid, [])) for dp_id, sid in sessions.items()}
    missing_or_duplicated = {dp_id: count for dp_id, count in chain_counts.items() if count != 1}
    engine_said = {o.datapoint_id: (o.status.value, o.warnings) for o in result.outcomes}
    reported = {dp_id: engine_said.get(dp_id) for dp_id in missing_or_duplicated}
    assert missing_or_duplicated == {}, (
        f"chain events per datapoint (want 1 each): {missing_or_duplicated};"
        f" what evaluate() reported for those datapoints: {reported}\n{faults}"
    )
    assert len(events) == 2 * DATAPOINTS, Counter(e["event_type"] for e in events)

    for dp_id, session_id in sessions.items():
        n = n_of[dp_id]
        (chain,) = chains[session_id]
        assert chain["event_name"] == "double"
        assert chain["parent_id"] == session_id
        assert chain["metadata"]["datapoint_id"] == dp_id
        assert chain["metrics"] == {"exact_match": n not in WRONG, "half_answer": n}
        (session,) = [e for e in session_events if e["session_id"] == session_id]
        assert session["outputs"] == {"answer": 2 * n}
        assert session["feedback"] == {"ground_truth": RECORDS[n]["ground_truth"]}

    # the backend's summary covers all 40 datapoints with the right values
    summary = client.get(f"/v1/runs/{result.run_id}/summary").json()
    assert sorted(d["datapoint_id"] for d in summary["datapoints"]) == sorted(ids)
    details = {d["metric_name"]: d for d in summary["metrics"]["details"]}
    assert details["exact_match"]["aggregate"] == pytest.approx((DATAPOINTS - len(WRONG)) / DATAPOINTS)
    assert len(details["exact_match"]["values"]) == DATAPOINTS
    assert details["half_answer"]["aggregate"] == pytest.approx(sum(range(DATAPOINTS)) / DATAPOINTS)
    assert sorted(details["half_answer"]["values"]) == list(range(DATAPOINTS))
    assert sorted(summary["failed"]) == sorted(dp_id for dp_id in ids if n_of[dp_id] in WRONG)
    assert len(summary["passed"]) == DATAPOINTS - len(WRONG)
    assert summary["success"] is False

    # and evaluate() returned that same summary
    assert sorted(result.summary.datapoint_ids) == sorted(ids)
    assert sorted(result.summary.failed) == sorted(summary["failed"])

    # the engine's own view agrees: every datapoint ran, its session was updated and its spans exported
    problems = [
        (o.datapoint_id, o.status.value, o.error, o.warnings, o.exported)
        for o in result.outcomes
        if o.status is not OutcomeStatus.OK or o.warnings or not o.exported
    ]
    assert len(result.outcomes) == DATAPOINTS
    assert problems == [], f"{problems}\n{faults}"


def _the_first() -> Callable[[str, str], bool]:
    """A FaultProxy's ``should_fault``: the first request only."""
    seen: list[str] = []

    def the_first(method: str, path: str) -> bool:
        seen.append(f"{method} {path}")
        return len(seen) == 1

    return the_first


def test_a_retry_after_that_is_neither_seconds_nor_a_date_is_waited_out_with_the_backoff(backend: LocalBackend) -> None:
    """A 429 whose ``Retry-After`` was neither a number of seconds nor an HTTP date (``soon``) escaped the client as
    a bare ValueError ("Invalid date value or format") at its first attempt: no retry, and the boundary called it an
    unexpected error. Now the backoff's wait is taken and the request retried."""
    waits: list[float] = []
    with (
        FaultProxy(backend.url, rate=1.0, kinds=[Fault.HTTP_429], retry_after="soon", should_fault=_the_first()) as p,
        HoneyHiveClient(p.url, API_KEY, retry=RetryPolicy(max_wait=0.5), sleep=waits.append) as client,
    ):
        assert client.list_runs()["evaluations"] == []

    assert (p.counts, p.requests) == (Counter({Fault.HTTP_429: 1}), 2)
    assert len(waits) == 1
    assert 0 <= waits[0] <= 0.5


def test_a_retry_after_is_waited_whole_within_the_requests_deadline_and_named_past_it(backend: LocalBackend) -> None:
    """audit65 F7b: a 429's ``Retry-After: 60`` was cut to ``max_wait`` (10 s): the request was asked again five times
    too early, and the error said nothing of the wait the server asked for. The wait asked is waited whole, within
    what is left of the request's waits (``Timeouts.silence`` in all); past it, the error says what the server asked."""
    waits: list[float] = []
    with (
        FaultProxy(backend.url, rate=1.0, kinds=[Fault.HTTP_429], retry_after="30", should_fault=_the_first()) as p,
        HoneyHiveClient(p.url, API_KEY, sleep=waits.append) as client,
    ):
        assert client.list_runs()["evaluations"] == []
    assert (waits, p.requests) == ([30.0], 2)

    waits.clear()
    with (
        FaultProxy(backend.url, rate=1.0, kinds=[Fault.HTTP_429], retry_after="60") as proxy,
        HoneyHiveClient(proxy.url, API_KEY, sleep=waits.append) as client,
        pytest.raises(ApiError) as raised,
    ):
        client.list_runs()
    asked = "injected fault (after 2 attempts; the server asked to wait 60 s, more than the request had left to wait)"
    assert str(raised.value) == f"GET /v1/runs failed with HTTP 429: {asked}"
    assert (waits, proxy.requests) == ([Timeouts().silence], 2)  # what its deadline allowed, then once more


def test_an_error_status_answered_to_every_retry_says_how_many_attempts_were_spent(backend: LocalBackend) -> None:
    """A 429 (or 5xx) answered to each retry ended as "failed with HTTP 429: injected fault", which read as one refusal:
    the user could not tell the client had retried, and how often."""
    waits: list[float] = []
    with (
        FaultProxy(backend.url, rate=1.0, kinds=[Fault.HTTP_429], retry_after="0") as proxy,
        HoneyHiveClient(proxy.url, API_KEY, retry=RetryPolicy(attempts=3), sleep=waits.append) as client,
        pytest.raises(ApiError) as raised,
    ):
        client.list_runs()
    assert str(raised.value) == "GET /v1/runs failed with HTTP 429: injected fault (after 3 attempts)"
    assert (proxy.requests, len(waits)) == (3, 2)


def test_a_retry_stopped_by_the_circuit_opening_says_so_not_the_servers_wait(backend: LocalBackend) -> None:
    """audit71 F7: a request answered 429 + ``Retry-After: 1``, stopped after 2 attempts because another request's
    503s opened the circuit, said "the server asked to wait 1 s, more than the request had left to wait", though it
    had about 49 s left. It says why it stopped: what the circuit opened on."""
    down = (503, {"error": "down"})
    waits: list[float] = []
    with (
        FaultProxy(
            backend.url,
            rate=1.0,
            kinds=[Fault.HTTP_429],
            retry_after="1",
            should_fault=lambda method, path: path.startswith("/v1/runs"),
            answer=lambda method, path: down if path.startswith("/v1/datasets") else None,
        ) as proxy,
        HoneyHiveClient(proxy.url, API_KEY, retry=RetryPolicy(attempts=3, circuit=1), sleep=waits.append) as client,
    ):

        def another_request_meanwhile(seconds: float) -> None:  # the retry's wait: the backend answers another only 503
            waits.append(seconds)
            if len(waits) == 1:
                with pytest.raises(ApiError, match="HTTP 503"):
                    client.get_dataset(name="qa")
                assert client.unreachable

        client.sleep = another_request_meanwhile
        with pytest.raises(ApiError) as raised:
            client.list_runs()
    stopped = f"the backend at {proxy.url} answered only HTTP 503 (every retry too)"
    assert str(raised.value) == f"GET /v1/runs failed with HTTP 429: injected fault (after 2 attempts; {stopped})"
    assert waits[0] == 1.0  # the server's wait was waited: it was not what stopped the request


def test_the_whole_answers_bound_counts_the_wait_for_it_not_the_time_its_reader_takes(backend: LocalBackend) -> None:
    """audit71 F2: the whole-answer bound counted the client's own time between the answer's pieces (a summary is
    parsed as it arrives): an 80k-row summary, downloaded in 0.24 s, failed "still arriving after 10 s" at a 10 s
    bound. Only the time spent waiting for the answer counts: an answer sent at once is read whole by a reader that
    takes ten times the bound; the same answer trickling in is still cut at the bound."""
    padded = (200, {"evaluations": [], "padding": "x" * 300_000})  # read in several pieces (64 KiB at most each)
    pieces: list[int] = []

    def slow_reader(response: httpx.Response) -> int:
        for piece in response.iter_bytes():
            pieces.append(len(piece))
            threading.Event().wait(1.0)  # twice the bound, at each piece
        return sum(pieces)

    trickled = False
    with (
        FaultProxy(
            backend.url,
            rate=0,
            answer=lambda method, path: padded,
            trickle=lambda method, path: (4096, 0.05) if trickled else None,  # 73 pieces of 4 KiB: 3.7 s
        ) as proxy,
        HoneyHiveClient(proxy.url, API_KEY, timeouts=Timeouts(read=0.5)) as client,
    ):
        assert client._call("GET", "/v1/runs", slow_reader) == len(json.dumps(padded[1]))
        assert len(pieces) >= 5, pieces  # the reader's time: 5 s and more
        trickled = True
        with pytest.raises(
            ApiError, match=r"HTTP 200: the answer was still arriving after \S+ s \(its deadline: 0.5 s\)"
        ):
            client.list_runs()


@pytest.mark.parametrize(
    ("status", "answered"),
    [(200, "page"), (400, {"error": "refused"}), (503, {"error": "down"})],
    ids=["a web page", "an error", "a retryable error"],
)
def test_every_answer_trickling_in_past_its_bound_ends_there(backend: LocalBackend, status: int, answered: Any) -> None:
    """audit71 F3: the whole-answer bound held only a successful JSON answer: a web page (text/html), a 400 or a 503
    trickling in one byte at a time ran on for 10-20 s past a 1 s bound (the circuit, answered at the headers, did not
    bound it either). Every answer's body is held to it: an error naming the answer's status, not asked again."""
    with (
        FaultProxy(
            backend.url,
            rate=0,
            page=lambda method, path: answered == "page",
            answer=lambda method, path: None if answered == "page" else (status, {**answered, "padding": "x" * 40}),
            trickle=lambda method, path: (1, 0.1),  # 40 bytes and more: 4 s and more
        ) as proxy,
        HoneyHiveClient(proxy.url, API_KEY, timeouts=Timeouts(read=0.5), retry=RetryPolicy(attempts=2)) as client,
        pytest.raises(ApiError) as raised,
    ):
        client.list_runs()
    late = rf"GET /v1/runs failed with HTTP {status}: the answer was still arriving after \S+ s \(its deadline: 0.5 s\)"
    assert re.fullmatch(late, str(raised.value)), raised.value
    assert proxy.routes["GET /v1/runs"] == 1


def test_answers_that_never_finish_arriving_open_the_circuit(backend: LocalBackend) -> None:
    """audit72 F2: a late answer (still arriving at its bound) ended its request without the circuit counting it, while
    its headers had lifted the circuit's deadline: a backend that answered every request a trickling 503 was asked
    again for every datapoint (40 datapoints, 10 s, the circuit never open), where the same 503 sent at once opens it
    after 3 requests. Such an answer is a failure, as a read timeout is: the backend "stopped answering"."""
    down = (503, {"error": "down", "padding": "x" * 60})
    with (
        FaultProxy(
            backend.url, rate=0, answer=lambda method, path: down, trickle=lambda method, path: (4, 0.05)
        ) as proxy,
        HoneyHiveClient(
            proxy.url, API_KEY, timeouts=Timeouts(read=0.3), retry=RetryPolicy(attempts=2, initial_wait=0.01)
        ) as client,
    ):
        for _ in range(client.circuit.threshold):
            with pytest.raises(ApiError, match="the answer was still arriving"):
                client.list_runs()
        assert client.unreachable
        with pytest.raises(BackendUnreachable, match=r"not sent: the backend at .* stopped answering"):
            client.list_runs()
    assert proxy.routes["GET /v1/runs"] == client.circuit.threshold


SLOW_TIMEOUT = 0.5  # the experiment's timeout: the quickstart's function takes 20 ms
LATE = 0.8  # how long each session's start takes, held by the proxy or asked to wait by a 429: past the timeout


@pytest.mark.parametrize("slow", ["answered-late", "429-retry-after"])
def test_a_session_start_slower_than_the_timeout_is_not_the_functions_timeout(
    slow: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The session is started while the function runs, and the runner waits for it (its retries too) before it looks
    at the function: a function of milliseconds whose session's start took longer than ``timeout`` (the backend slow,
    or asking for a wait with 429 + ``Retry-After``) was 'timed out', HoneyHive stored the datapoints as errored, and a
    pull request's check failed on 'newly raised errors' (wire audit). The timeout is the function's own time and its
    evaluators': the check passes, every metric there, no error recorded."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("timeout: 10\n", f"timeout: {SLOW_TIMEOUT}\n"))
    init_repository(repo)
    slowed: list[str] = []

    def session_start(method: str, path: str) -> bool:  # the proxy's hook, on the request's own thread
        if (method, path) != ("POST", "/v1/sessions"):
            return False
        slowed.append(path)
        if slow == "answered-late":
            threading.Event().wait(LATE)  # answered late (no one sets it: only real time passes a wall-clock timeout)
            return False
        return len(slowed) <= 3  # each datapoint's first attempt (3 datapoints, all in flight at once) waits

    env = {"HH_API_KEY": API_KEY}
    report = tmp_path / "report.json"
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as served,
        FaultProxy(
            served.url, rate=1.0, kinds=[Fault.HTTP_429], retry_after=f"{LATE}", should_fault=session_start
        ) as p,
        HoneyHiveClient(served.url, API_KEY) as client,
    ):
        baseline = ["run", "-C", str(repo), "--server-url", served.url]
        assert main(baseline, environ=env) == 0, capsys.readouterr().out
        capsys.readouterr()
        code = main(["run", "-C", str(repo), "--server-url", p.url, "--report", str(report)], environ=env)
        out = capsys.readouterr().out
        judged = json.loads(report.read_text(encoding="utf-8"))
        errored = client.errored_datapoints(judged["run"]["id"])

    assert len(slowed) == (3 if slow == "answered-late" else 6), "no session's start was slowed: this proves nothing"
    assert (code, judged["verdict"]) == (0, "pass"), out
    assert "timed out" not in out
    assert (judged["datapoints"]["errored"], errored) == ([], set())  # in the report, and as HoneyHive stored them
    evaluated = [(m["name"], m["datapoints"], m["errored"]) for m in judged["metrics"]]  # their time is their own
    assert evaluated == [("topic_match", 3, None), ("keyword_recall", 3, None), ("answer_words", 3, None)]

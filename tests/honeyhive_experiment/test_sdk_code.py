"""Code written for HoneyHive's SDKs runs through ``evaluate()`` where it ran before, and the result is as strict
as the command line: issue 20, item 7.

The must-show first: no API key anywhere, an older ``function(inputs, ground_truths=None)``, dataset rows with the
legacy ``ground_truths`` key and an evaluator that raises on a metric with a passing range → ``evaluate()`` runs on
the embedded local backend and returns ``success`` False with the errors. Then the legacy keywords, the SDK 1.7
keywords (``instrumentors``, ``ingestion_api_key``, ``print_results``) and where the embedded backend keeps its data.
Real parts throughout: ``honeyhive_local`` on loopback, the real OTLP exporter; only the environment is made up.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import TracerProvider
from opentelemetry.util._once import Once

from honeyhive_experiment import ArgumentError, DatapointError, HoneyHiveClient, evaluate
from honeyhive_experiment.cli import main
from honeyhive_experiment.connection import API_KEY_VARIABLES, INGESTION_KEY_VARIABLES, SERVER_URL_VARIABLES
from honeyhive_experiment.models.outcomes import Progress
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

# the legacy SDK's dataset rows: the answer to n + n, under "ground_truths"; row 3 has none
ROWS: list[dict[str, Any]] = [{"inputs": {"n": n}, "ground_truths": {"sum": 2 * n}} for n in range(3)] + [
    {"inputs": {"n": 3}}
]


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Nothing of HoneyHive's in the environment: what is used is what the test passes."""
    for name in (*API_KEY_VARIABLES, *SERVER_URL_VARIABLES, *INGESTION_KEY_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


class Seen:
    """What the function was called with, by the datapoint's ``n`` (calls come from several threads)."""

    def __init__(self) -> None:
        self.calls: dict[int, tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    def add(self, n: int, *arguments: Any) -> None:
        with self._lock:
            self.calls[n] = arguments


def exact_match(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> Any:
    if inputs["n"] == 1:
        raise ValueError("the judge is not configured")
    return None if ground_truth is None else outputs["sum"] == ground_truth["sum"]


def test_sdk_era_code_without_a_key_runs_locally_and_is_not_a_success_when_a_ranged_evaluator_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen = Seen()

    def calculator(inputs: dict[str, Any], ground_truths: dict[str, Any] | None = None) -> dict[str, Any]:
        seen.add(inputs["n"], inputs, ground_truths)
        return {"sum": inputs["n"] + inputs["n"]}

    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        result = evaluate(
            function=calculator,
            dataset=ROWS,
            evaluators=[exact_match],
            passing_ranges={"exact_match": {"min": 1}},
            name="legacy",
            print_results=False,
        )

    # the older convention, by the parameters' names, and the legacy rows' ground truth
    assert seen.calls == {n: ({"n": n}, {"sum": 2 * n}) for n in range(3)} | {3: ({"n": 3}, None)}
    assert [dict(o.metrics) for o in result.outcomes] == [{"exact_match": True}, {}, {"exact_match": True}, {}]
    # HoneyHive passed every datapoint (no value, no failure): the range was never checked on datapoint 1
    assert result.summary.success is True
    assert result.success is False
    ids = [o.datapoint_id for o in result.outcomes]
    assert result.errors == [DatapointError(ids[1], "exact_match", "ValueError: the judge is not configured")]
    assert any("evaluator exact_match raised on 1 datapoint(s)" in reason for reason in result.broken)
    # on the embedded backend, in memory, and said so
    assert "embedded local backend, its data in memory" in caplog.text


def test_an_evaluator_raising_on_every_row_is_not_a_success() -> None:
    def judge(outputs: Any, inputs: Any) -> Any:
        raise RuntimeError("no model")

    result = evaluate(function=lambda datapoint: {"sum": 0}, dataset=ROWS, evaluators=[judge], print_results=False)
    assert result.summary.success is True
    assert result.success is False
    assert result.broken == ["evaluator judge raised on every datapoint (4 of 4): RuntimeError: no model"]
    assert len(result.errors) == 4


def test_the_embedded_backend_keeps_its_data_where_it_is_told(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "kept" / "local.db"
    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        result = evaluate(function=lambda datapoint: {"sum": 0}, dataset=ROWS, local_db=db, print_results=False)
    assert f"its data in {db}" in caplog.text
    with LocalBackend(str(db)) as again, HoneyHiveClient(again.url, again.api_key) as client:
        assert client.get_run(result.run_id)["status"] == "completed"


def test_the_legacy_sdks_keywords_work_with_a_deprecation_warning(backend: LocalBackend, client: httpx.Client) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = evaluate(
            function=lambda datapoint: {"sum": 0},
            dataset=ROWS,
            hh_api_key=API_KEY,
            hh_project="my-project",
            suite="nightly-suite",
            run_concurrently=False,  # its own example script's keywords raised TypeError
            disable_http_tracing=True,
            server_url=backend.url,
            name="legacy-keywords",
            print_results=False,
        )
    said = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert [s.split(" ")[0] for s in said] == [
        "hh_api_key",
        "hh_project",
        "suite",
        "run_concurrently",
        "disable_http_tracing",
    ]
    assert all(w.filename == __file__ for w in caught if issubclass(w.category, DeprecationWarning))
    stored = client.get(f"/v1/runs/{result.run_id}").json()["evaluation"]  # the key was hh_api_key's
    assert stored["name"] == "legacy-keywords"
    assert stored["metadata"]["suite"] == "nightly-suite"
    assert stored["configuration"]["max_workers"] == 1  # run_concurrently=False: one datapoint at a time


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"hh_api_key": "a", "api_key": "b"}, "hh_api_key"),
        ({"ingestion_api_key": "hh_ingst_x"}, "ingestion_api_key"),  # no API key: runs could not be created
        ({"instrumentors": [object()]}, "instrumentors"),
        ({"instrumentors": [lambda: 1 / 0]}, "instrumentors"),
    ],
    ids=["both keys", "ingestion key alone", "not an instrumentor", "factory raises"],
)
def test_sdk_keywords_that_cannot_be_used_are_named(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(ArgumentError) as raised:
        evaluate(function=lambda datapoint: {}, dataset=ROWS, print_results=False, **kwargs)
    assert raised.value.argument == argument


def test_an_ingestion_key_in_the_environment_without_an_api_key_says_the_run_stays_local(
    no_key: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``HH_INGESTION_API_KEY`` set for the job, ``HH_API_KEY`` forgotten: the run went to the in-memory embedded
    backend and was gone, with only the generic "no HoneyHive API key" warning. A warning now names the ingestion
    key and where the run goes (an error would break scripts that set it for every job, as the argument is one)."""
    no_key.setenv("HH_INGESTION_API_KEY", "hh_ingst_set_for_the_job")
    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        result = evaluate(function=lambda datapoint: {"sum": 0}, dataset=ROWS[:1], print_results=False)
    assert result.embedded
    said = [r.getMessage() for r in caplog.records if "HH_INGESTION_API_KEY" in r.getMessage()]
    assert said == [
        "HH_INGESTION_API_KEY is set but no HoneyHive API key (HH_API_KEY / HONEYHIVE_API_KEY): the ingestion key"
        " alone sends no runs or results, so this run goes to the embedded local backend and nothing of it reaches"
        " HoneyHive; set HH_API_KEY too (or pass api_key=)"
    ]
    assert "hh_ingst_set_for_the_job" not in caplog.text


class _CompletionClient:
    """A stand-in for an LLM library: its call is what an instrumentor wraps."""

    def complete(self, prompt: str) -> str:
        return prompt.upper()


LIBRARY = _CompletionClient()


class CompletionInstrumentor:
    """An OpenTelemetry instrumentor as the contrib packages write them: ``instrument(tracer_provider=...)``
    wraps the library's call in a span of that provider; ``uninstrument()`` restores it."""

    def __init__(self) -> None:
        self.is_instrumented_by_opentelemetry = False
        self.calls: list[str] = []

    def instrument(self, **kwargs: Any) -> None:
        provider: TracerProvider = kwargs["tracer_provider"]
        tracer = provider.get_tracer("completion-instrumentation")
        original = _CompletionClient.complete

        def complete(library: _CompletionClient, prompt: str) -> str:
            with tracer.start_as_current_span("completion.complete"):
                return original(library, prompt)

        self._original = original
        _CompletionClient.complete = complete  # type: ignore[method-assign]
        self.is_instrumented_by_opentelemetry = True
        self.calls.append("instrument")

    def uninstrument(self, **kwargs: Any) -> None:
        _CompletionClient.complete = self._original  # type: ignore[method-assign]
        self.is_instrumented_by_opentelemetry = False
        self.calls.append("uninstrument")


def test_instrumentors_trace_the_library_calls_of_each_datapoint_during_the_run(backend: LocalBackend) -> None:
    made: list[CompletionInstrumentor] = []

    def factory() -> CompletionInstrumentor:  # SDK 1.7's form: a factory; an instance works too
        made.append(CompletionInstrumentor())
        return made[-1]

    def app(datapoint: dict[str, Any]) -> dict[str, Any]:
        return {"text": LIBRARY.complete(f"n is {datapoint['inputs']['n']}")}

    result = evaluate(
        function=app,
        dataset=ROWS,
        instrumentors=[factory],
        api_key=API_KEY,
        server_url=backend.url,
        print_results=False,
    )
    assert [o.outputs for o in result.outcomes] == [{"text": f"N IS {n}"} for n in range(4)]
    assert made[0].calls == ["instrument", "uninstrument"]  # for the run only
    with HoneyHiveClient(backend.url, API_KEY) as hh:
        events = list(hh.iter_run_events(result.run_id))
    traced = {e["session_id"] for e in events if e["event_name"] == "completion.complete"}
    assert traced == {o.session_id for o in result.outcomes}  # each call in its own datapoint's session


class GenAiInstrumentor(CompletionInstrumentor):
    """As :class:`CompletionInstrumentor`, its span an LLM call (OpenTelemetry's GenAI attributes)."""

    def instrument(self, **kwargs: Any) -> None:
        tracer = kwargs["tracer_provider"].get_tracer("genai-instrumentation")
        original = _CompletionClient.complete
        attributes = {"gen_ai.request.model": "my-model", "gen_ai.usage.input_tokens": 7}

        def complete(library: _CompletionClient, prompt: str) -> str:
            with tracer.start_as_current_span("chat my-model", attributes=attributes):
                return original(library, prompt)

        self._original = original
        _CompletionClient.complete = complete  # type: ignore[method-assign]
        self.is_instrumented_by_opentelemetry = True


def test_llm_calls_made_before_evaluate_is_called_are_counted_nowhere(backend: LocalBackend) -> None:
    """As the README says: ``evaluate()`` imports nothing, so a setup call the script made before calling it is in
    no datapoint's metrics and in no note (the command line's ``import_llm_calls`` has no equivalent here)."""
    instrumentor = GenAiInstrumentor()
    LIBRARY.complete("warm-up")  # the script's setup, before the run
    result = evaluate(
        function=lambda datapoint: {"text": LIBRARY.complete("answer")},
        dataset=ROWS[:2],
        instrumentors=[instrumentor],
        api_key=API_KEY,
        server_url=backend.url,
        print_results=False,
    )
    assert [o.metrics.get("llm_calls") for o in result.outcomes] == [1, 1]  # each datapoint's own call only
    assert (result.imported, result.outside_calls) == ({}, 0)


def test_an_instrumentor_instrumented_before_the_run_is_left_as_it_was(
    backend: LocalBackend, caplog: pytest.LogCaptureFixture
) -> None:
    already = CompletionInstrumentor()
    already.is_instrumented_by_opentelemetry = True  # by the user's own setup, with their own provider
    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        evaluate(
            function=lambda datapoint: {},
            dataset=ROWS[:1],
            instrumentors=[already],
            api_key=API_KEY,
            server_url=backend.url,
            print_results=False,
        )
    assert already.calls == []  # neither instrumented again nor uninstrumented under the user
    assert "CompletionInstrumentor was instrumented before the run" in caplog.text


GLOBAL_PROVIDER_APP = """
import json
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from honeyhive_experiment import evaluate
from honeyhive_experiment.instrumentation import Instrumentation, switched_on

class Noop:  # any instrumentor
    def instrument(self, **kwargs): pass
    def uninstrument(self): pass

def answer(datapoint):  # a call the app traces itself, through OpenTelemetry's global API
    attributes = {"gen_ai.request.model": "my-model", "gen_ai.usage.input_tokens": 7}
    with trace.get_tracer("my.app").start_as_current_span("my call", attributes=attributes):
        return {}

def calls(**kwargs):
    result = evaluate(answer, [{"inputs": {"q": 1}}], print_results=False, **kwargs)
    return result.outcomes[0].metrics.get("llm_calls")

with switched_on([Instrumentation("x", "x", Noop(), ("experiment.yml", ("instrument", 0)))]):  # instrument:
    first = calls()
second = calls(instrumentors=[Noop()])
# later in the same notebook: the user's own tracing
mine = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(mine))
trace.set_tracer_provider(provider)
with trace.get_tracer("my.app").start_as_current_span("after the runs"):
    pass
third = calls(instrumentors=[Noop()])
spans = [span.name for span in mine.get_finished_spans()]
print(json.dumps([first, second, trace.get_tracer_provider() is provider, third, spans]))
"""


def test_after_a_run_with_instrumentors_the_user_can_still_set_the_global_tracer_provider(tmp_path: Path) -> None:
    """The run routes the app's own spans through OpenTelemetry's global provider (one of its own, when none is
    set), and only while it runs: the provider was left set for the process, so the user's own
    ``trace.set_tracer_provider`` was refused and their spans lost. A process of its own: the provider is global."""
    script = tmp_path / "app.py"
    script.write_text(GLOBAL_PROVIDER_APP)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Overriding of current TracerProvider is not allowed" not in done.stderr
    first, second, theirs, third, spans = json.loads(done.stdout.strip().splitlines()[-1])
    assert (first, second) == (1, 1)  # routed in both runs: the provider of the first is set again for the second
    assert theirs is True
    assert third == 1  # the user's provider routes the spans of the run too, and its exporter sees them
    assert spans == ["after the runs", "my call"]


@pytest.fixture
def no_global_provider() -> Iterator[None]:
    """OpenTelemetry's global tracer provider unset for the test, and put back after (as OpenTelemetry's own tests
    do): the test sets one, as the user's app does, which a process can do only once."""
    saved = trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE
    trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = None, Once()
    yield
    trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = saved


class Noop:
    """Any instrumentor: with one, the run routes the app's own spans through OpenTelemetry's global provider."""

    def instrument(self, **kwargs: Any) -> None:
        pass

    def uninstrument(self) -> None:
        pass


@pytest.mark.parametrize(
    "stop",
    # raised: SystemExit, since a progress callback's Exception is warned about and the run goes on
    [None, SystemExit("progress display exited"), KeyboardInterrupt()],
    ids=["returned", "raised", "interrupted"],
)
@pytest.mark.usefixtures("no_global_provider")
def test_the_apps_tracers_reach_the_provider_it_sets_after_a_run(
    hh: HoneyHiveClient, stop: BaseException | None
) -> None:
    """The usual ``tracer = trace.get_tracer(__name__)`` at import, before the run, and one taken inside it: the
    run set its own global provider, and OpenTelemetry binds a tracer for good to the provider global when it opens
    its first span (or when it is taken), so both stayed bound to the run's and every span they opened after it was
    lost, the user's provider set later notwithstanding. However the run ends: returned, raised, interrupted."""
    module_tracer = trace.get_tracer("my.app")
    taken: list[trace.Tracer] = []

    def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
        taken.append(trace.get_tracer("my.app.lazy"))
        with module_tracer.start_as_current_span("my call", attributes={"gen_ai.request.model": "my-model"}):
            return {}

    def progress(progress: Progress) -> None:
        if stop is not None:
            raise stop

    def run() -> Any:
        return evaluate(
            answer, [{"inputs": {"q": 1}}], client=hh, instrumentors=[Noop()], progress=progress, print_results=False
        )

    if stop is None:
        assert run().outcomes[0].metrics["llm_calls"] == 1  # the app's span was its datapoint's
    else:
        with pytest.raises(type(stop)):
            run()
    mine = InMemorySpanExporter()
    provider = SdkTracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(mine))
    trace.set_tracer_provider(provider)
    with module_tracer.start_as_current_span("after the run"), taken[0].start_as_current_span("taken in the run"):
        pass
    assert [span.name for span in mine.get_finished_spans()] == ["taken in the run", "after the run"]


def test_a_run_id_that_exists_is_refused_before_anything_is_written(hh: HoneyHiveClient) -> None:
    """A notebook cell run again with a fixed ``run_id``: the second run wrote into the first (a session's id is the
    run's and the datapoint's, so 4 datapoints held 8 values), renamed it and changed its result after the fact.
    Shards join one run on purpose, but through the command's ``mode: run`` (tests/honeyhive_experiment/
    test_sharding.py), not ``evaluate()``."""
    run_id = str(uuid.uuid4())
    records = [{"inputs": {"q": q}} for q in range(4)]

    def score(outputs: dict[str, Any], inputs: dict[str, Any]) -> int:
        return int(outputs["a"])

    def run(answer: int, name: str) -> Any:
        return evaluate(
            lambda dp: {"a": answer},
            records,
            evaluators=[score],
            client=hh,
            run_id=run_id,
            name=name,
            print_results=False,
        )

    run(1, "v1")
    before = (hh.get_run(run_id), hh.get_run_result(run_id))
    with pytest.raises(ArgumentError) as raised:
        run(0, "v2")
    assert (
        str(raised.value)
        == f"run_id: run {run_id} ('v1', completed) already exists: leave run_id out, or pass a new one"
    )
    assert (hh.get_run(run_id), hh.get_run_result(run_id)) == before


def test_a_run_id_given_in_upper_case_names_the_run_as_it_is_looked_up(hh: HoneyHiveClient) -> None:
    """``evaluate(run_id="6650E012-…")`` made a run named in capitals, which ``view`` and a baseline's run id, looked
    up in lower case (as UUIDs are named), could not find."""
    run_id = str(uuid.uuid4())
    result = evaluate(
        lambda dp: {"a": 1}, [{"inputs": {"q": 1}}], client=hh, run_id=run_id.upper(), print_results=False
    )
    assert result.run_id == run_id
    assert hh.get_run(run_id)["run_id"] == run_id


@pytest.mark.parametrize("given", ["argument", "environment"])
def test_the_ingestion_key_sends_the_sessions_and_the_api_key_the_run(
    backend: LocalBackend, no_key: pytest.MonkeyPatch, given: str
) -> None:
    """As in the SDK: runs and results with the API key, sessions, events and traces with the ingestion key
    (here one the backend refuses, so the sessions are refused and the run is not)."""
    if given == "environment":
        no_key.setenv("HH_INGESTION_API_KEY", "hh_ingst_refused")
    result = evaluate(
        function=lambda datapoint: {"sum": 0},
        dataset=ROWS[:2],
        api_key=API_KEY,
        ingestion_api_key="hh_ingst_refused" if given == "argument" else None,
        server_url=backend.url,
        print_results=False,
    )
    with HoneyHiveClient(backend.url, API_KEY) as hh:
        assert hh.get_run(result.run_id)["status"] == "completed"
    assert [e.evaluator for e in result.errors] == [None, None]
    assert all(e.error.startswith("BackendError: session not started") for e in result.errors)


def test_results_are_printed_by_default_as_the_sdk_does(capsys: pytest.CaptureFixture[str]) -> None:
    result = evaluate(function=lambda datapoint: {"sum": 0}, dataset=ROWS, evaluators=[exact_match], name="shown")
    out = capsys.readouterr().out
    assert "Evaluation Results: shown" in out
    assert f"Run ID: {result.run_id}" in out
    assert "Passed: 4\nFailed: 0" in out
    assert "Errors (1)" in out
    # no key: the embedded backend judged it, and the table says so (it said "HoneyHive")
    assert result.embedded
    assert "(embedded local backend: True; nothing was sent to HoneyHive)" in out


@pytest.mark.parametrize(
    ("variable", "api_key", "says"),
    [
        ("HH_API_KEY", None, "HH_API_KEY is empty; set it, or unset it to use the embedded local backend"),
        ("HONEYHIVE_API_KEY", None, "HONEYHIVE_API_KEY is empty"),
        (None, "", "api_key is empty; pass the key (or set HH_API_KEY or HONEYHIVE_API_KEY), or leave api_key out"),
    ],
)
def test_a_blank_key_is_refused_not_taken_for_no_key(
    no_key: pytest.MonkeyPatch, variable: str | None, api_key: str | None, says: str
) -> None:
    """GitHub Actions gives ``${{ secrets.HH_API_KEY }}`` of a missing secret as "": that ran on the in-memory
    embedded backend and reported a success (exit 0) nobody's HoneyHive had. A blank key is refused, naming where
    it came from; a key that is not there at all still means the embedded backend."""
    if variable is not None:
        no_key.setenv(variable, " " if variable == "HONEYHIVE_API_KEY" else "")
    with pytest.raises(ArgumentError) as raised:
        evaluate(function=lambda datapoint: {"sum": 0}, dataset=ROWS, api_key=api_key, print_results=False)
    assert raised.value.argument == "api_key"
    assert str(raised.value).startswith(f"api_key: the HoneyHive API key is not set: {says}")


def test_the_command_line_does_not_print_the_results_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = copy_quickstart(tmp_path / "repo", questions=2)
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(tmp_path / "report.json")], environ={})
    out = capsys.readouterr().out
    assert code in (0, 1), out
    assert "Evaluation Results" not in out


def test_an_evaluator_raising_on_some_rows_fails_unless_tolerated() -> None:
    """As the command line's check: one raise is a failure by default; ``allow_evaluator_errors`` tolerates it."""

    def judge(outputs: Any, inputs: Any) -> Any:
        if inputs["n"] == 1:
            raise RuntimeError("rate limited")
        return 1.0

    def app(datapoint: Any) -> Any:
        return {"sum": 0}

    strict = evaluate(function=app, dataset=ROWS, evaluators=[judge], print_results=False)
    assert (strict.summary.success, strict.success) == (True, False)
    assert strict.broken == [
        "evaluator judge raised on 1 datapoint(s) (RuntimeError: rate limited); the allow_evaluator_errors argument"
        " tolerates a count or a share of them"
    ]
    tolerant = evaluate(
        function=app, dataset=ROWS, evaluators=[judge], allow_evaluator_errors="25%", print_results=False
    )
    assert (tolerant.success, tolerant.broken, len(tolerant.errors)) == (True, [], 1)


def test_sdk_code_enriching_its_session_is_recorded_on_the_datapoints_chain_event(backend: LocalBackend) -> None:
    """SDK 1.x's "primary pattern" ``tracer.enrich_session(...)`` failed every datapoint with an AttributeError. Its
    fields land on the datapoint's root chain span (also from a nested span), its metrics in the run's result as an
    evaluator's; as the SDK does, ``inputs`` and other keywords go into the metadata; an evaluator wins a name."""

    def app(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
        n = datapoint["inputs"]["n"]
        with tracer.trace("retrieve"):  # the session is enriched, not the current span
            tracer.enrich_session(
                metadata={"model": "gpt-x"},
                inputs={"asked": n},
                outputs={"draft": n},
                config={"temperature": 0},
                feedback={"rating": 5},
                metrics={"answer_len": n + 1, "judge": -1.0},
                user_properties={"plan": "pro"},
                session_id="ignored",
                tag="nightly",
            )
        return {"sum": 2 * n}

    def judge(outputs: Any, inputs: Any) -> float:
        return 1.0

    result = evaluate(
        function=app, dataset=ROWS, evaluators=[judge], api_key=API_KEY, server_url=backend.url, print_results=False
    )
    assert (result.success, result.errors) == (True, [])
    length = result.summary.metric("answer_len", "app")
    assert length is not None
    assert length.aggregate == pytest.approx(2.5)
    judged = result.summary.metric("judge")
    assert judged is not None
    assert judged.aggregate == 1.0
    with HoneyHiveClient(backend.url, API_KEY) as hh:
        stored = list(hh.iter_run_events(result.run_id))
    assert [e["metrics"] for e in stored if e["event_name"] == "retrieve"] == [{}] * len(ROWS)
    events = [e for e in stored if e["event_type"] == "chain"]
    assert len(events) == len(ROWS)
    for event in events:
        n = event["inputs"]["n"]
        assert event["metadata"] | {"model": "gpt-x", "inputs": {"asked": n}, "tag": "nightly"} == event["metadata"]
        assert (event["config"], event["feedback"], event["user_properties"]) == (
            {"temperature": 0},
            {"rating": 5},
            {"plan": "pro"},
        )
        assert event["outputs"] == {"draft": n, "sum": 2 * n}
        assert event["metrics"]["answer_len"] == n + 1


def test_sdk_code_flushing_its_tracer_loses_nothing(backend: LocalBackend) -> None:
    """``tracer.flush()`` (the SDK's alias of ``force_flush``) inside the function was the runner's export: it sent
    the datapoint's spans so far and forgot the datapoint, so its own span (ended after) was dropped and evaluate()
    waited for it until IngestionTimeout, blaming HoneyHive. Now it flushes the app's providers and loses nothing."""

    def app(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
        with tracer.trace("retrieve"):
            pass
        assert tracer.flush() is True
        assert tracer.force_flush(timeout_millis=1000) is True
        return {"sum": 2 * datapoint["inputs"]["n"]}

    def judge(outputs: Any, inputs: Any) -> float:
        return 1.0

    result = evaluate(
        function=app,
        dataset=ROWS,
        evaluators=[judge],
        api_key=API_KEY,
        server_url=backend.url,
        ingestion_timeout=20,
        print_results=False,
    )
    assert (result.success, result.errors, len(result.passed)) == (True, [], len(ROWS))
    with HoneyHiveClient(backend.url, API_KEY) as hh:
        names = sorted(e["event_name"] for e in hh.iter_run_events(result.run_id) if e["event_type"] != "session")
    assert names == ["app"] * len(ROWS) + ["retrieve"] * len(ROWS)


def test_the_sdks_documented_uses_of_the_tracer_are_recorded(backend: LocalBackend) -> None:
    """What the SDK's README and examples do with the tracer the function gets failed each datapoint: no
    ``start_span`` (``with tracer.start_span(...)``, and what ``@trace(tracer=tracer)`` calls), no ``attributes``,
    ``inputs``, ``error`` or other keywords to ``enrich_span``. As the SDK: ``attributes`` and keywords → metadata."""
    from honeyhive import trace

    def app(datapoint: dict[str, Any], tracer: Any) -> dict[str, Any]:
        n = datapoint["inputs"]["n"]

        @trace(tracer=tracer, event_type="tool")
        def step(x: int) -> int:
            return 2 * x

        with tracer.start_span("custom-operation"):
            tracer.enrich_span(metrics={"m": n}, attributes={"k": "v"}, inputs={"q": n}, error="partial", tag="nightly")
            return {"sum": step(n)}

    result = evaluate(function=app, dataset=ROWS, api_key=API_KEY, server_url=backend.url, print_results=False)
    assert (result.success, result.errors) == (True, [])
    with HoneyHiveClient(backend.url, API_KEY) as hh:
        events = list(hh.iter_run_events(result.run_id))
    custom = sorted((e for e in events if e["event_name"] == "custom-operation"), key=lambda e: e["inputs"]["q"])
    assert [(e["metrics"], e["metadata"]["k"], e["metadata"]["tag"], e["error"]) for e in custom] == [
        ({"m": n}, "v", "nightly", "partial") for n in range(len(ROWS))
    ]
    steps = [e for e in events if e["event_name"].endswith("step")]
    assert sorted((e["event_type"], e["outputs"]["result"]) for e in steps) == [("tool", 2 * n) for n in range(4)]

"""Values a datapoint's spans cannot carry as they are, through ``evaluate()`` and ``honeyhive_local`` as a user runs
it: none costs the run, none vanishes, none puts a traceback in the log.

* an output that holds itself (a reference cycle) or nests ~1000 levels deep turned the whole run into a
  RecursionError; now the datapoint is recorded with a marker where the value was cut, said in one line per run;
* OpenTelemetry cannot encode a lone surrogate or an integer beyond 64 bits: the attribute was dropped with a
  traceback, the output came out as ``{}`` and an evaluator's ``2**63`` as a metric that was never returned;
* an object JSON has no type for (a datetime, a set) was quoted twice: ``"\\"2024-01-01 00:00:00\\""``;
* with more workers than the OTLP exporter's 10 pooled connections, urllib3 logged "Connection pool is full".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict

from honeyhive_experiment import DatapointTracer, HoneyHiveClient, OutcomeStatus, evaluate
from honeyhive_experiment.run_result import ExperimentResult
from honeyhive_experiment.tracing import CYCLE, MAX_DEPTH, TOO_DEEP
from tests.conftest import run_events

pytestmark = pytest.mark.integration


def chain_events(client: httpx.Client, run_id: str, name: str) -> dict[str, dict[str, Any]]:
    """The function's span of each datapoint, by session id."""
    return {
        e["session_id"]: e for e in run_events(client, run_id) if e["event_type"] == "chain" and e["event_name"] == name
    }


def session_event(client: httpx.Client, run_id: str, session_id: str) -> dict[str, Any]:
    return next(e for e in run_events(client, run_id) if e["event_type"] == "session" and e["session_id"] == session_id)


def run(
    function: Any,
    datapoints: int,
    hh: HoneyHiveClient,
    *,
    name: str,
    evaluators: Sequence[Any] = (),
    max_workers: int = 1,
    ingestion_timeout: float = 10.0,
) -> ExperimentResult:
    """``evaluate()`` of ``function`` on ``datapoints`` datapoints whose one input, ``n``, counts from 0, as a user's
    script calls it (nothing printed)."""
    return evaluate(
        function,
        [{"inputs": {"n": n}} for n in range(datapoints)],
        client=hh,
        evaluators=evaluators,
        name=name,
        max_workers=max_workers,
        ingestion_timeout=ingestion_timeout,
        print_results=False,
    )


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        value = {"n": value}
    return value


def cut_at(depth: int) -> dict[str, Any]:
    """``nested(...)`` as recorded: ``depth`` levels of dicts, the next one replaced by the marker."""
    value: Any = TOO_DEEP
    for _ in range(depth):
        value = {"n": value}
    return value  # type: ignore[no-any-return]


def unrecordable(datapoint: dict[str, Any], tracer: DatapointTracer) -> dict[str, Any]:
    n = datapoint["inputs"]["n"]
    if n == 1:
        looped: dict[str, Any] = {"a": 1}
        looped["self"] = looped
        with tracer.start_as_current_span("step", "tool", metadata={"looped": looped}):
            tracer.enrich_span(outputs={"deep": nested(1000)})
        return looped
    if n == 2:
        return nested(1000)
    return {"answer": n}


def has_answer(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: Any = None) -> bool:
    return "answer" in outputs


def test_an_output_that_holds_itself_or_nests_too_deep_is_recorded_cut_not_the_runs_end(
    hh: HoneyHiveClient, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    result = run(unrecordable, 4, hh, name="unrecordable", evaluators=[has_answer], max_workers=2)

    # every datapoint scored and recorded: the evaluators saw the real value
    assert [o.status for o in result.outcomes] == [OutcomeStatus.OK] * 4
    assert all(o.recorded and o.exported for o in result.outcomes)
    assert [o.metrics["has_answer"] for o in result.outcomes] == [True, False, False, True]
    looped, deep = result.outcomes[1], result.outcomes[2]
    assert looped.outputs == {"a": 1, "self": CYCLE}
    assert deep.outputs == cut_at(MAX_DEPTH)

    # in the backend, a marker where the value was cut: on the function's span, its session, the user's own span
    chains = chain_events(client, result.run_id, "unrecordable")
    assert chains[looped.session_id]["outputs"] == {"a": 1, "self": CYCLE}
    assert chains[deep.session_id]["outputs"] == cut_at(MAX_DEPTH)
    step = next(e for e in run_events(client, result.run_id) if e["event_name"] == "step")
    assert step["metadata"]["looped"] == {"a": 1, "self": CYCLE}
    assert step["outputs"] == {"deep": cut_at(MAX_DEPTH - 1)}
    sessions = (
        session_event(client, result.run_id, looped.session_id),
        session_event(client, result.run_id, deep.session_id),
    )
    assert [s["outputs"] for s in sessions] == [{"a": 1, "self": CYCLE}, cut_at(MAX_DEPTH)]

    # said once for the run, with the datapoint of the smallest id and where its value was cut
    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        (
            "honeyhive_experiment.runner",
            "the outputs of 2 of 4 datapoint(s) were changed to be recorded, the evaluators scoring them as returned:"
            f" datapoint {looped.datapoint_id}: outputs.self holds itself (a reference cycle): recorded as {CYCLE!r}",
        )
    ]


def not_a_number(datapoint: dict[str, Any]) -> dict[str, Any]:
    n = datapoint["inputs"]["n"]
    return {"count": float("nan"), "ratio": [1.0, float("-inf")]} if n == 1 else {"count": n}


def test_an_output_holding_nan_or_infinity_is_recorded_as_null_and_said_as_the_users_not_the_backends(
    hh: HoneyHiveClient, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """The datapoint was a backend error, "the outputs of datapoint ... were not recorded: Out of range float values
    are not JSON compliant", and the run failed with it "not recorded by the backend". As the cycle: null in its
    place, said where it is."""
    caplog.set_level(logging.WARNING)
    result = run(not_a_number, 3, hh, name="nan", evaluators=[has_answer])
    assert [o.status for o in result.outcomes] == [OutcomeStatus.OK] * 3
    assert all(o.recorded and o.exported for o in result.outcomes)
    odd = result.outcomes[1]
    assert odd.outputs == {"count": None, "ratio": [1.0, None]}
    said = [
        "outputs.count is NaN, which JSON cannot carry: recorded as null",
        "outputs.ratio.1 is -inf, which JSON cannot carry: recorded as null",
    ]
    assert [w for w in odd.warnings if "JSON" in w] == said
    assert session_event(client, result.run_id, odd.session_id)["outputs"] == {"count": None, "ratio": [1.0, None]}
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "the outputs of 1 of 3 datapoint(s) were changed to be recorded, the evaluators scoring them as returned:"
        f" datapoint {odd.datapoint_id}: {said[0]} (and 1 more)"
    ]


def odd_values(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {
        "surrogate": "lone \ud800 surrogate",
        "huge": 10**400,
        "wide": 2**64,
        "when": datetime(2024, 1, 1),
        "set": {2, 1},
        "pair": (1, "x"),
        "\udfffkey": "fine",
    }


def tokens(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: Any = None) -> int:
    return 2**63


def cosmic(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: Any = None) -> int:
    return 10**400


def test_values_opentelemetry_cannot_encode_are_recorded_readable_and_what_was_changed_is_said(
    hh: HoneyHiveClient, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    result = run(odd_values, 1, hh, name="odd", evaluators=[tokens, cosmic])

    [outcome] = result.outcomes
    assert outcome.status is OutcomeStatus.OK
    recorded = {
        "surrogate": "lone \ufffd surrogate",
        "huge": str(10**400),
        "wide": str(2**64),
        "when": "2024-01-01 00:00:00",
        "set": [1, 2],
        "pair": [1, "x"],
        "\ufffdkey": "fine",
    }
    [chain] = chain_events(client, result.run_id, "odd_values").values()
    assert chain["outputs"] == recorded
    assert session_event(client, result.run_id, outcome.session_id)["outputs"] == recorded
    assert outcome.outputs == recorded

    # 2**63 is a metric (a float, as any JSON reader takes it); 10**400 is no number a metric holds: an evaluator error
    assert chain["metrics"] == {"tokens": float(2**63)}
    assert outcome.metrics == {"tokens": float(2**63)}
    [failure] = outcome.evaluator_failures
    assert failure.evaluator == "cosmic"
    assert failure.error == "MetricOutOfRange: metric 'cosmic' is an integer of about 400 digits; beyond a float"
    row = next(iter(result.summary.datapoints))
    assert {m.name: m.value for m in row.metrics} == {"tokens": float(2**63)}

    # no traceback; one line: the two integers are texts, the datetime is a text where the function returned none
    # (the others are the same data: a set or tuple a list, and a lone surrogate U+FFFD, as README says)
    assert [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING] == [
        (
            "honeyhive_experiment.runner",
            "the outputs of 1 of 1 datapoint(s) were changed to be recorded, the evaluators scoring them as returned:"
            f" datapoint {outcome.datapoint_id}: outputs.huge is an integer beyond 64 bits, which a span cannot carry:"
            " recorded as its digits (and 2 more)",
        )
    ]


@dataclass
class Citation:
    source: str
    score: float
    cited: list[Citation] = field(default_factory=list)
    seen: bool = field(init=False)  # never set: unreadable, as a user's half-built object is


class Answer(BaseModel):
    """A structured output, as an LLM client returns one (openai's are pydantic models)."""

    model_config = ConfigDict(extra="allow")
    text: str
    citation: Citation


def structured(datapoint: dict[str, Any]) -> Answer:
    citation = Citation("faq.md", float("nan"))
    citation.cited.append(citation)  # holds itself
    return Answer(text="42", citation=citation, confidence=0.5)


def typed(outputs: Any, inputs: Any) -> float:
    return float(isinstance(outputs, Answer) and isinstance(outputs.citation, Citation))  # scored as returned


def test_a_dataclass_or_pydantic_model_is_recorded_as_its_fields_not_its_repr(
    hh: HoneyHiveClient, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    result = run(structured, 1, hh, name="structured", evaluators=[typed])

    [outcome] = result.outcomes
    assert outcome.metrics == {"typed": 1.0}
    # the model's fields, then its extra one; the dataclass's, its NaN and its cycle cut as any dict's would be
    recorded = {
        "text": "42",
        "citation": {"source": "faq.md", "score": None, "cited": [CYCLE]},  # no value of seen: none recorded
        "confidence": 0.5,
    }
    [chain] = chain_events(client, result.run_id, "structured").values()
    assert chain["outputs"]["citation"] == {"source": "faq.md", "cited": [CYCLE]}  # a span's attributes hold no null
    assert session_event(client, result.run_id, outcome.session_id)["outputs"] == recorded
    assert outcome.outputs == recorded
    assert outcome.changed is not None
    assert outcome.changed.startswith("outputs.citation.score is NaN")
    assert outcome.changed.endswith("(and 1 more)")  # the cycle; a structured output itself is no change
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "is of type" in r.getMessage()]


def wait_for_all(parties: int) -> Any:
    """A function whose datapoints all return at once: their spans are exported together."""
    barrier = threading.Barrier(parties)

    def together(datapoint: dict[str, Any]) -> dict[str, Any]:
        barrier.wait(timeout=30)
        return {"answer": datapoint["inputs"]["n"]}

    return together


def test_as_many_exports_at_once_as_workers_keep_their_connections(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """32 workers exporting at once: the exporter's pool keeps a connection for each (requests' default is 10: the
    rest were opened per export and dropped with urllib3's "Connection pool is full, discarding connection")."""
    caplog.set_level(logging.WARNING)
    workers = 32
    result = run(wait_for_all(workers), workers * 3, hh, name="together", max_workers=workers, ingestion_timeout=30.0)
    assert [o.status for o in result.outcomes] == [OutcomeStatus.OK] * workers * 3
    assert [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING] == []


def explains_too_deeply(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: Any = None) -> dict[str, Any]:
    """An explanation whose ``str()`` recurses past any limit."""
    return {"score": 1, "explanation": nested(100_000)}


def test_an_evaluators_return_value_that_cannot_be_read_is_that_evaluators_error(
    hh: HoneyHiveClient,
) -> None:
    result = run(
        lambda datapoint: {"answer": 1}, 1, hh, name="deep-explanation", evaluators=[explains_too_deeply, has_answer]
    )
    [outcome] = result.outcomes
    assert outcome.status is OutcomeStatus.OK
    assert outcome.metrics == {"has_answer": True}
    [failure] = outcome.evaluator_failures
    assert failure.evaluator == "explains_too_deeply"
    assert failure.error.startswith("RecursionError: maximum recursion depth exceeded")


class Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("no str for you")


class Unreadable(dict[str, Any]):
    def items(self) -> Any:
        raise RuntimeError("items broke")


def unreadable(datapoint: dict[str, Any]) -> Any:
    n = datapoint["inputs"]["n"]
    if n == 1:
        raise Unprintable()
    if n == 2:
        return {"answer": n, "nested": Unreadable(a=1)}
    if n == 3:
        return Unreadable(answer=n)
    return {"answer": n}


def raises_unprintably(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: Any = None) -> bool:
    if inputs["n"] == 0:
        raise Unprintable()
    return True


def test_an_error_or_output_the_users_code_cannot_show_costs_its_datapoint_not_the_run(
    hh: HoneyHiveClient, client: httpx.Client
) -> None:
    """An exception whose ``str()`` raises (of the function or an evaluator), or an output whose ``items()`` raises,
    ended the whole run as "unexpected ValueError: no str for you", no datapoint named, the good rows unreported."""
    result = run(unreadable, 5, hh, name="unreadable", evaluators=[raises_unprintably], max_workers=2)

    unprintable = "Unprintable: <Unprintable object: str() raised ValueError>"
    ok, fn_error = OutcomeStatus.OK, OutcomeStatus.FUNCTION_ERROR
    assert [o.status for o in result.outcomes] == [ok, fn_error, ok, ok, ok]
    assert result.outcomes[1].error == unprintable
    assert [(f.evaluator, f.error) for f in result.outcomes[0].evaluator_failures] == [
        ("raises_unprintably", unprintable)
    ]
    nested, top = result.outcomes[2], result.outcomes[3]
    assert (nested.outputs, top.outputs) == ({"answer": 2, "nested": {}}, {})
    assert nested.warnings == ("outputs.nested could not be read (RuntimeError: items broke): recorded as {}",)
    assert top.warnings == ("outputs could not be read (RuntimeError: items broke): recorded as {}",)
    assert all(o.recorded for o in result.outcomes)
    assert session_event(client, result.run_id, top.session_id)["outputs"] == {}

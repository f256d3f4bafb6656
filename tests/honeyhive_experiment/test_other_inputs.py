"""What the comparison of the paired datapoints' inputs reads of the backend (audit78 F7): two runs recorded with
``evaluate()`` on the local backend, compared as ``judge`` compares them (``flow._other_inputs``), through a proxy
that counts the events each export served. The inputs are on the session events, so only those are read, and only
their fields that say whose inputs they are; a run whose sessions lack them (another tool's) is read whole."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from honeyhive_experiment import evaluate
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.flow import _other_inputs
from honeyhive_experiment.results import compare_runs
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.honeyhive_experiment.faultproxy import FaultProxy

pytestmark = pytest.mark.integration

QUESTIONS = [{"question": f"question {i}"} for i in range(4)]


def answer(datapoint: dict[str, Any]) -> dict[str, str]:
    return {"text": "an answer of some length " * 20}


def one(outputs: dict[str, str], inputs: dict[str, Any], ground_truth: Any = None) -> float:
    return 1.0


def _record(backend: LocalBackend, questions: list[dict[str, Any]]) -> str:
    dataset = [{"id": f"r{i}", "inputs": inputs} for i, inputs in enumerate(questions)]
    result = evaluate(
        function=answer,
        dataset=dataset,
        evaluators=[one],
        api_key=API_KEY,
        server_url=backend.url,
        name="inputs",
        print_results=False,
    )
    return result.run_id


@pytest.mark.parametrize("without_inputs", [False, True], ids=["sessions-hold-inputs", "baseline-sessions-without"])
def test_the_inputs_are_read_from_the_session_events_alone(
    backend: LocalBackend, hh: HoneyHiveClient, without_inputs: bool
) -> None:
    """Both runs' whole exports were read (every span, with its outputs) to compare the sessions' inputs: 4 sessions
    and 4 function spans a run here, 16 events served; now the 8 session events, projected."""
    old = _record(backend, QUESTIONS)
    new = _record(backend, [*QUESTIONS[:2], {"question": "edited"}, QUESTIONS[3]])
    comparison = compare_runs(hh, new, old)
    served: Counter[tuple[str, str]] = Counter()  # (run, event_type) of each event an export answered with
    asked: list[Any] = []

    def count(method: str, path: str, body: Any) -> Any:
        if path == "/v1/events/export":
            for event in body["events"]:
                run = "old" if event["metadata"]["run_id"] == old else "new"
                if without_inputs and run == "old" and event["event_type"] == "session":
                    event.pop("inputs", None)  # as a session another tool recorded
                served[run, event["event_type"]] += 1
        return body

    def request(method: str, path: str, body: Any) -> Any:
        asked.append(body)
        return body

    with (
        FaultProxy(backend.url, rate=0, rewrite=count, rewrite_request=request) as proxy,
        HoneyHiveClient(proxy.url, API_KEY) as client,
    ):
        other, moved = _other_inputs(client, comparison)

    [edited] = [ident for ident in comparison.common_datapoints if ident.endswith("r2")]
    assert (other, moved) == ([(edited, QUESTIONS[2])], 0)
    assert served["new", "session"] == 4
    assert sum(n for (run, kind), n in served.items() if run == "new" and kind != "session") == 0, served
    if without_inputs:  # the baseline's sessions, then its whole export: its function spans hold the inputs
        assert served["old", "session"] == 8
        assert served["old", "chain"] >= 4, served
    else:
        assert served == Counter({("new", "session"): 4, ("old", "session"): 4}), served
        assert all(body.get("projections") for body in asked), asked


@pytest.mark.parametrize(
    ("before", "after", "changed", "moved"),
    [
        # a question the dataset asks twice, each copy edited under its id: the other copy still holds the old text,
        # which is no sign of a move (audit81: 2 such edits of 8 made every max_drop gate "could not be checked")
        (["A", "A", "C", "C"], ["A, reworded", "A", "C, reworded", "C"], [0, 2], 0),
        (["A", "B", "C", "D"], ["new", "A", "B", "C"], [0, 1, 2, 3], 3),  # a row inserted above: ids renumbered
        # a combining mark after a newline: normalising the JSON's text joined it to the escape's "n" (an invalid
        # "\ñ"), and every run with a baseline ended in an unexpected JSONDecodeError (audit81)
        (["one\n\u0303two", "B", "C", "D"], ["one\n\u0303two", "B", "C", "D"], [], 0),
        (["one\n\u0303two", "B", "C", "D"], ["one\n\u0303two!", "B", "C", "D"], [0], 0),
    ],
    ids=["a-duplicate-edited", "renumbered", "mark-after-newline", "mark-after-newline-edited"],
)
def test_which_paired_datapoints_hold_other_inputs_and_which_moved(
    backend: LocalBackend, hh: HoneyHiveClient, before: list[str], after: list[str], changed: list[int], moved: int
) -> None:
    old = _record(backend, [{"question": q} for q in before])
    new = _record(backend, [{"question": q} for q in after])
    comparison = compare_runs(hh, new, old)

    other, counted = _other_inputs(hh, comparison)

    assert sorted(ident.rsplit("r", 1)[1] for ident, _ in other) == [str(i) for i in changed]
    assert counted == moved

"""What keeps a large run's memory small: a summary read as it streams into compact rows, export pages
read for their ids only, run bodies sent piece by piece, and no cyclic garbage per request.

Memory itself is measured by benchmarks/bench_engine.py (peak RSS, 2,000 vs 20,000 datapoints); these
tests hold the behaviour that the measurement depends on, and that the compact forms read back exactly
what the plain ones do.
"""

from __future__ import annotations

import copy
import gc
import json
import threading
import weakref
from collections import Counter
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment import HoneyHiveClient, IngestionTimeout, evaluate, external_dataset
from honeyhive_experiment.experiment import PreparedDataset
from honeyhive_experiment.jsonstream import JsonBody, NotJson, read_array_items
from honeyhive_experiment.models import DatapointResult, DatapointResults, ExperimentResultSummary
from honeyhive_experiment.models.outcomes import Datapoint, MetricValues
from honeyhive_local import LocalBackend

from .test_ingestion_wait import double, exact
from .test_models import SUMMARY

pytestmark = pytest.mark.integration


def chunked(body: Any, size: int) -> list[bytes]:
    raw = json.dumps(body).encode()
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def _row(datapoint_id: str, value: Any, passed: bool | None = True) -> dict[str, Any]:
    return {
        "datapoint_id": datapoint_id,
        "session_id": f"s-{datapoint_id}",
        "passed": passed,
        "metrics": [{"name": "m", "event_name": "fn", "event_type": "chain", "value": value, "passed": passed}],
    }


# rows in the wire's shape (kept as compact tuples) and rows that are not (kept as validated models)
ROWS: list[Any] = [
    _row("a", True),
    _row("b", 1),  # equal to True in Python, but an int here
    _row("c", 1.0),  # and a float
    _row("d", True),  # the same metric entry as "a": shared
    _row("e", None, None),
    _row("f", "text"),
    {"datapoint_id": "g", "session_id": "s-g", "metrics": {"m": 0.5}},  # legacy mapping, no passed
    {**_row("h", 2), "x_unknown": {"kept": [1]}},  # an unknown field
    {"datapoint_id": None, "session_id": "s-i", "passed": False, "metrics": []},
]


def test_compact_rows_read_back_exactly_what_validation_gives() -> None:
    compact = DatapointResults(ROWS)
    plain = [DatapointResult.model_validate(row) for row in ROWS]
    assert list(compact) == plain
    assert compact == plain
    assert compact == DatapointResults(copy.deepcopy(ROWS))
    assert [type(m.value) for d in compact[:3] for m in d.metrics] == [bool, int, float]
    assert compact[7].model_extra == {"x_unknown": {"kept": [1]}}
    assert compact[-1] == plain[-1]
    assert compact[2:4] == plain[2:4]
    assert list(compact.keys()) == [d.key for d in plain]
    assert list(compact.column("datapoint_id")) == [d.datapoint_id for d in plain]
    assert compact.find(["c", "s-i", "zz"]) == {"c": plain[2], "s-i": plain[8]}
    assert compact != plain[:-1]


def test_rows_with_or_without_trials_are_kept_as_columns_and_read_back_as_sent() -> None:
    """Without trials a summary row has no ``trials``/``trials_passed``; with trials it has: both are its shape."""
    sent = [_row("a", True), {**_row("b", 2), "trials": 3, "trials_passed": 2}, _row("c", 0.5)]
    rows = DatapointResults(sent)
    assert not any(isinstance(kept, DatapointResult) for kept in rows._columns[-1])  # none validated whole
    plain = [DatapointResult.model_validate(row) for row in sent]
    assert list(rows) == plain
    assert [d.model_fields_set for d in rows] == [d.model_fields_set for d in plain]
    assert list(rows.column("trials")) == [None, 3, None]


def test_a_summary_model_carries_compact_datapoints_and_dumps_them_as_a_list() -> None:
    summary = ExperimentResultSummary.from_wire({**SUMMARY, "datapoints": ROWS})
    assert isinstance(summary.datapoints, DatapointResults)
    dumped = summary.model_dump()
    assert dumped["datapoints"] == [d.model_dump() for d in summary.datapoints]
    assert ExperimentResultSummary.model_validate(dumped) == summary
    assert ExperimentResultSummary.model_validate_json(summary.model_dump_json()) == summary
    assert summary.datapoint_ids == ["a", "b", "c", "d", "e", "f", "g", "h"]


@pytest.mark.parametrize("size", [1, 3, 64, 1 << 20])
def test_a_streamed_summary_equals_the_parsed_one_whatever_the_chunks(size: int) -> None:
    body = {**SUMMARY, "datapoints": ROWS}
    streamed = ExperimentResultSummary.from_json_chunks(chunked(body, size), run_id="r")
    assert streamed == ExperimentResultSummary.from_wire(body, run_id="r")
    assert streamed.model_dump() == ExperimentResultSummary.from_wire(body, run_id="r").model_dump()


json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text()
)
json_values = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=8
)


@settings(max_examples=80, deadline=None)
@given(value=json_values, extra=st.dictionaries(st.text(), json_values, max_size=3), size=st.integers(1, 40))
def test_array_items_and_the_rest_of_the_body_are_what_json_loads_gives(value: Any, extra: Any, size: int) -> None:
    body = {**extra, "items": [value, {"nested": value}, [value]], "after": value}
    items: list[Any] = []
    rest = read_array_items(chunked(body, size), "items", items.append)
    assert items == json.loads(json.dumps(body["items"]))
    assert rest == {**json.loads(json.dumps(body)), "items": []}


def test_broken_json_is_refused_with_a_reason() -> None:
    with pytest.raises(NotJson, match="not JSON"):
        read_array_items([b'{"items": [1, 2'], "items", lambda item: None)
    with pytest.raises(NotJson, match="the summary is not JSON"):
        ExperimentResultSummary.from_json_chunks([b"{]"], run_id="r")


def test_a_run_body_is_sent_piece_by_piece_with_its_length_known() -> None:
    value = {"event_ids": [f"s-{i}" for i in range(20_000)], "name": "ünïcode", "n": 1.5}
    body = JsonBody(value)
    pieces = list(body)
    assert len(pieces) > 1
    assert max(len(p) for p in pieces) < 2 * 64 * 1024
    data = b"".join(pieces)
    assert len(data) == len(body)
    assert json.loads(data) == value
    assert b"".join(body) == data  # iterable again: a retry sends the same bytes


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.routes: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.routes[f"{request.method} {request.url.path}"] += 1
        return super().handle_request(request)


RECORDS = [{"inputs": {"n": i}, "ground_truth": {"double": 2 * i}} for i in range(40)]  # the function's own shape


def test_a_run_reads_its_summary_once_and_leaves_no_cyclic_garbage() -> None:
    transport = CountingTransport()
    with LocalBackend() as backend, HoneyHiveClient(backend.url, backend.api_key, transport=transport) as client:
        evaluate(double, external_dataset(RECORDS[:4]), client=client, evaluators=[exact], max_workers=4)  # warm-up
        transport.routes.clear()
        gc.collect()
        gc.disable()  # whatever becomes cyclic garbage now stays until the collect below finds it
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            result = evaluate(double, external_dataset(RECORDS), client=client, evaluators=[exact], max_workers=8)
            gc.collect()
            # the backend runs in this process too, and so may threads left by earlier tests (a client they drop
            # now is theirs): only what a request of this run leaves, responses and their streams, counts here
            leaked = Counter(
                type(o).__name__
                for o in gc.garbage
                if type(o).__module__.startswith(("httpx", "httpcore"))
                and (type(o).__name__ == "Response" or "Stream" in type(o).__name__)
            )
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
        routes = dict(transport.routes)
        summary = client.get_run_summary(result.run_id)
        plain = ExperimentResultSummary.from_wire(client.get_run_result(result.run_id), run_id=result.run_id)
    # every datapoint was in before the first poll's checks: one summary read, no re-reads as polls
    assert routes[f"GET /v1/runs/{result.run_id}/summary"] == 1  # the current route (issue 13)
    assert routes["POST /v1/sessions"] == len(RECORDS)
    # an httpx response and its stream refer to each other; the client breaks that after each request
    assert leaked == {}
    assert summary == plain == result.summary
    assert len(summary.datapoints) == len(RECORDS)


class _Watched(Datapoint):
    __slots__ = ("__weakref__",)


class MadeWhenRead(Sequence[Datapoint]):
    """Datapoints each made when read, as a large dataset's are (experiment._RecordDatapoints), watched while alive."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.alive = 0  # made and not yet collected (by whichever thread dropped it last)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, int) or not 0 <= index < self.count:
            raise IndexError(index)
        datapoint = _Watched(f"dp-{index}", {"inputs": {"n": index}}, "EXT-watched")
        with self._lock:
            self.alive += 1
        weakref.finalize(datapoint, self._collected)
        return datapoint

    def _collected(self) -> None:
        with self._lock:
            self.alive -= 1


def test_the_pool_holds_the_datapoints_in_flight_not_every_one() -> None:
    """The pool takes each datapoint's trials as it has room for them: a datapoint made when read is dropped after
    its run, so a large dataset's are never all in memory at once (they were, as a list of every execution)."""
    datapoints = MadeWhenRead(60)
    seen: list[int] = []

    def watch(inputs: dict[str, Any]) -> dict[str, Any]:
        seen.append(datapoints.alive)
        return {"n": inputs["n"]}

    dataset = PreparedDataset("EXT-watched", datapoints, external=True)
    with LocalBackend() as backend, HoneyHiveClient(backend.url, backend.api_key) as client:
        result = evaluate(watch, dataset, client=client, max_workers=2, trials=2, print_results=False)
    assert [(o.datapoint_id, o.trial) for o in result.outcomes] == [(f"dp-{i}", t) for i in range(60) for t in (0, 1)]
    # the in-flight window (2 x max_workers) and what the pool's threads last ran, not all 60
    assert max(seen) <= 16


def test_the_wait_matches_each_function_span_once_and_ignores_strangers() -> None:
    """The wait counts function spans by merging two sorted lists: an id wanted twice (as with two trials) matches
    the one span the backend holds once, and an id not in the run matches none."""
    with LocalBackend() as backend, HoneyHiveClient(backend.url, backend.api_key) as client:
        result = evaluate(double, external_dataset(RECORDS[:6]), client=client, evaluators=[exact], max_workers=3)
        ids = [o.datapoint_id for o in result.outcomes]
        assert len(client.wait_for_result(result.run_id, 6, timeout=0, scored=ids).datapoints) == 6
        wanted = [*ids[:2], *ids[:2], "EXT-not-in-this-run"]
        with pytest.raises(IngestionTimeout, match="the function spans of only 2 of 5 datapoints were visible"):
            client.wait_for_result(result.run_id, 6, timeout=0, scored=wanted)


def test_metric_values_behave_as_a_read_only_mapping() -> None:
    metrics = MetricValues({"exact": True, "length": 3})
    assert metrics == {"exact": True, "length": 3}
    assert metrics == {"exact": True, "length": 3}
    assert list(metrics) == ["exact", "length"]
    assert metrics["length"] == 3
    assert repr(metrics) == "{'exact': True, 'length': 3}"
    with pytest.raises(KeyError):
        metrics["missing"]
    assert MetricValues() == {}

"""Results and comparisons read HoneyHive's current routes (``/summary``, ``/compare/{old}``) and fall back to the
deprecated ones (``/result``, ``/compare-with/{old}``) on a server without them, remembering that for the client's
life. The local backend serves both; a real proxy in front of it (faultproxy.py) removes the current routes, or
strips the improved/degraded fields from ``/compare/``, and counts every route called."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from honeyhive_experiment import HoneyHiveClient, compare_runs, evaluate, external_dataset, get_run_result
from honeyhive_experiment.errors import NotFoundError
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.honeyhive_experiment.faultproxy import FaultProxy

pytestmark = pytest.mark.integration

RECORDS = [{"inputs": {"n": i}, "ground_truth": {"answer": 2 * i}} for i in range(6)]


def make_app(wrong: set[int]) -> Any:
    def doubler(datapoint: dict[str, Any]) -> dict[str, Any]:  # one name for both runs: metrics pair
        n = datapoint["inputs"]["n"]
        return {"answer": 2 * n + (1 if n in wrong else 0)}

    return doubler


def exact(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    return bool(outputs["answer"] == ground_truth["answer"])


def _two_runs(client: HoneyHiveClient) -> tuple[str, str]:
    """Run A is wrong on 4 and 5; run B fixes 4 and breaks 0."""
    runs = []
    for wrong, name in (({4, 5}, "run-a"), ({0, 5}, "run-b")):
        result = evaluate(
            make_app(wrong),
            external_dataset(RECORDS),
            client=client,
            evaluators=[exact],
            name=name,
            max_workers=2,
            passing_ranges={"exact": {"min": 1}},
            ingestion_timeout=30,
        )
        runs.append(result.run_id)
    return runs[0], runs[1]


def _routes(proxy: FaultProxy, suffix: str) -> int:
    """How many requests the proxy saw to routes ending with ``suffix`` (a run id in between)."""
    return sum(count for route, count in proxy.routes.items() if route.startswith("GET /v1/runs/") and suffix in route)


def _is_current(method: str, path: str) -> bool:
    return path.endswith("/summary") or "/compare/" in path


@pytest.fixture
def direct(backend: LocalBackend) -> Iterator[HoneyHiveClient]:
    with HoneyHiveClient(backend.url, API_KEY) as c:
        yield c


def test_with_both_routes_served_the_deprecated_ones_are_never_called(backend: LocalBackend) -> None:
    with FaultProxy(backend.url, rate=0) as proxy, HoneyHiveClient(proxy.url, API_KEY) as client:
        run_a, run_b = _two_runs(client)
        summary = get_run_result(client, run_b)
        comparison = compare_runs(client, run_b, run_a, new_result=summary)

    assert comparison.delta("exact") is not None
    assert _routes(proxy, "/summary") >= 3  # each run's wait, then the read above
    assert _routes(proxy, f"/compare/{run_a}") == 1
    assert _routes(proxy, "/result") == 0
    assert _routes(proxy, "/compare-with/") == 0
    assert not client.uses_deprecated_route("summary")
    assert not client.uses_deprecated_route("compare")


def test_without_the_current_routes_results_and_comparisons_still_work(
    backend: LocalBackend, direct: HoneyHiveClient
) -> None:
    with (
        FaultProxy(backend.url, rate=0, missing=_is_current) as proxy,
        HoneyHiveClient(proxy.url, API_KEY) as client,
    ):
        run_a, run_b = _two_runs(client)  # evaluate() waits for its result through the fallback too
        summary = get_run_result(client, run_b)
        comparison = compare_runs(client, run_b, run_a, new_result=summary)
        again = compare_runs(client, run_b, run_a)

    # the same numbers as the current routes give
    expected_summary = get_run_result(direct, run_b)
    expected = compare_runs(direct, run_b, run_a, new_result=expected_summary)
    assert summary.model_dump() == expected_summary.model_dump()
    assert comparison.model_dump() == expected.model_dump()
    assert again.metrics == expected.metrics
    delta = comparison.delta("exact")
    assert delta is not None
    assert delta.improved_count == 1
    assert delta.degraded_count == 1
    assert sorted(summary.failed) == sorted(external_dataset(RECORDS).datapoint_ids[i] for i in (0, 5))

    # each current route was tried once, then the answer was remembered for the client's life
    assert _routes(proxy, "/summary") == 1
    assert _routes(proxy, "/compare/") == 1
    assert _routes(proxy, "/result") >= 3
    assert _routes(proxy, "/compare-with/") == 2
    assert client.uses_deprecated_route("summary")
    assert client.uses_deprecated_route("compare")


def test_a_missing_run_is_not_taken_for_a_missing_route(backend: LocalBackend) -> None:
    with FaultProxy(backend.url, rate=0) as proxy, HoneyHiveClient(proxy.url, API_KEY) as client:
        for _ in range(2):
            with pytest.raises(NotFoundError):
                get_run_result(client, "00000000-0000-4000-8000-000000000000")  # no such run
        assert not client.uses_deprecated_route("summary")
    assert _routes(proxy, "/summary") == 2  # asked again: a 404 from both routes says nothing about the server


COUNT_FIELDS = ("improved", "degraded", "same", "improved_count", "degraded_count", "same_count", "found_count")


def _strip_counts(method: str, path: str, body: Any) -> Any:
    """A server whose current compare route sends only what HoneyHive's spec lists."""
    if "/compare/" in path and isinstance(body, dict):
        for metric in body.get("metrics") or []:
            for name in COUNT_FIELDS:
                metric.pop(name, None)
    return body


def test_improved_and_degraded_missing_from_compare_come_from_the_deprecated_route(
    backend: LocalBackend, direct: HoneyHiveClient
) -> None:
    run_a, run_b = _two_runs(direct)
    with (
        FaultProxy(backend.url, rate=0, rewrite=_strip_counts) as proxy,
        HoneyHiveClient(proxy.url, API_KEY) as client,
    ):
        comparison = compare_runs(client, run_b, run_a)
        raw = client.compare_runs(run_b, run_a)  # the current route's own body: the counts really are gone

    assert "improved" not in raw["metrics"][0]
    expected = compare_runs(direct, run_b, run_a)
    assert comparison.metrics == expected.metrics
    delta = comparison.delta("exact")
    assert delta is not None
    ids = external_dataset(RECORDS).datapoint_ids
    assert delta.improved == [ids[4]]
    assert delta.degraded == [ids[0]]
    assert delta.improved_count == 1
    assert _routes(proxy, "/compare/") == 2
    assert _routes(proxy, "/compare-with/") == 1  # only for the comparison that needed it
    assert not client.uses_deprecated_route("compare")

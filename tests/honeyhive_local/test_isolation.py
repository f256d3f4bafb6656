"""Projects are isolated: a key never sees, changes or compares against another project's data (404).

Both projects are given look-alike data on purpose (the same dataset name, the same client-chosen
run id, the same session id, the same OTLP span ids), so a lookup that forgets the project shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import ok
from tests.honeyhive_local.otlp import export_events, otlp_json_body, otlp_json_span

pytestmark = pytest.mark.integration

SHARED_RUN_ID = "11111111-2222-4333-8444-555555555555"
SHARED_SESSION_ID = "66666666-7777-4888-9999-aaaaaaaaaaaa"
SHARED_TRACE, SHARED_SPAN = "0123456789abcdef0123456789abcdef", "0123456789abcdef"


@dataclass(frozen=True)
class Project:
    label: str
    run: str  # a run only this project has
    dataset: str
    datapoint: str
    session: str
    event: str


def _seed(client: httpx.Client, label: str) -> Project:
    dataset = ok(client.post("/v1/datasets", json={"name": "shared-name", "description": label}))["result"][
        "insertedId"
    ]
    datapoint = ok(client.post("/v1/datapoints", json={"inputs": {"who": label}, "linked_datasets": [dataset]}))[
        "result"
    ]["insertedId"]
    run = str(uuid.uuid4())
    ok(client.post("/v1/runs", json={"run_id": run, "name": f"iso-run-{label}", "dataset_id": dataset}))
    # the same client-chosen run id in both projects
    ok(client.post("/v1/runs", json={"run_id": SHARED_RUN_ID, "name": f"iso-shared-{label}", "metadata": {"p": label}}))
    session = str(uuid.uuid4())
    for sid, run_id in ((session, run), (SHARED_SESSION_ID, SHARED_RUN_ID)):
        ok(
            client.post(
                "/v1/sessions",
                json={
                    "session_id": sid,
                    "session_name": f"session-{label}",
                    "inputs": {"who": label},
                    "metadata": {"run_id": run_id, "datapoint_id": datapoint, "owner": label},
                },
            )
        )
    event = ok(
        client.post(
            "/v1/events",
            json={
                "event_type": "chain",
                "event_name": "answer",
                "session_id": session,
                "inputs": {"who": label},
                "metrics": {"score": 1.0 if label == "a" else 0.0},
                "metadata": {"run_id": run, "datapoint_id": datapoint},
            },
        )
    )["event_id"]
    span = otlp_json_span(
        trace_id=SHARED_TRACE,
        span_id=SHARED_SPAN,
        name=f"span-{label}",
        attributes={
            "honeyhive.session_id": SHARED_SESSION_ID,
            "honeyhive_event_type": "chain",
            "honeyhive_outputs.who": label,
            "honeyhive_metrics.score": 1.0 if label == "a" else 0.0,
            "honeyhive_metadata.run_id": SHARED_RUN_ID,
        },
    )
    ok(
        client.post(
            "/opentelemetry/v1/traces", content=otlp_json_body([span]), headers={"Content-Type": "application/json"}
        )
    )
    return Project(label, run, dataset, datapoint, session, event)


@pytest.fixture
def projects(client: httpx.Client, other_client: httpx.Client) -> tuple[Project, Project]:
    return _seed(client, "a"), _seed(other_client, "b")


def _read_all(client: httpx.Client, p: Project) -> dict[str, Any]:
    paths = [
        "/v1/runs?limit=100",
        "/v1/datasets",
        f"/v1/runs/{p.run}",
        f"/v1/runs/{p.run}/summary",
        f"/v1/runs/{SHARED_RUN_ID}",
        f"/v1/runs/{SHARED_RUN_ID}/summary",
        f"/v1/datapoints/{p.datapoint}",
        f"/v1/events/{p.event}",
        f"/v1/events/{SHARED_SESSION_ID}",
        "/_local/stats",
    ]
    state = {path: ok(client.get(path)) for path in paths}
    state["export"] = export_events(client)
    return state


def test_listings_exclude_foreign_data(client: httpx.Client, projects: tuple[Project, Project]) -> None:
    a, b = projects
    runs = ok(client.get("/v1/runs", params={"limit": 100}))
    assert sorted(r["name"] for r in runs["evaluations"]) == ["iso-run-a", "iso-shared-a"]
    assert runs["pagination"]["total"] == runs["pagination"]["total_unfiltered"] == 2
    assert ok(client.get("/v1/runs", params={"name": "iso-"}))["pagination"]["total"] == 2
    assert ok(client.get("/v1/runs", params={"run_ids[]": b.run}))["evaluations"] == []
    assert ok(client.get("/v1/runs", params={"dataset_id": b.dataset}))["evaluations"] == []

    datasets = ok(client.get("/v1/datasets"))["datasets"]
    assert [(d["id"], d["description"]) for d in datasets] == [(a.dataset, "a")]
    assert [d["id"] for d in ok(client.get("/v1/datasets", params={"name": "shared-name"}))["datasets"]] == [a.dataset]
    assert ok(client.get("/v1/datasets", params={"dataset_id": b.dataset}))["datasets"] == []
    by_name = ok(client.get("/v1/datapoints", params={"dataset_name": "shared-name"}))["datapoints"]
    assert [d["id"] for d in by_name] == [a.datapoint]
    assert ok(client.get("/v1/datapoints", params={"datapoint_ids[]": [b.datapoint]}))["datapoints"] == []

    counters = ok(client.get("/_local/stats"))
    assert counters["project_id"] == ok(client.get(f"/v1/runs/{a.run}"))["evaluation"]["scope_id"]


def test_direct_reads_of_foreign_ids_are_404(
    client: httpx.Client, other_client: httpx.Client, projects: tuple[Project, Project]
) -> None:
    a, b = projects
    foreign = [
        f"/v1/runs/{b.run}",
        f"/v1/runs/{b.run}/summary",
        f"/v1/runs/{b.run}/result",
        f"/v1/runs/{b.run}/metrics",
        f"/v1/runs/{a.run}/compare/{b.run}",
        f"/v1/runs/{b.run}/compare/{a.run}",
        f"/v1/runs/{a.run}/compare-with/{b.run}",
        f"/v1/datapoints/{b.datapoint}",
        f"/v1/datapoints?dataset_id={b.dataset}",
        f"/v1/events/{b.event}",
        f"/v1/events/{b.session}",
    ]
    for path in foreign:
        response = client.get(path)
        assert response.status_code == 404, f"GET {path} as project a: {response.status_code} {response.text}"
        assert response.json()["error"]
    # and the other way round
    response = other_client.get(f"/v1/runs/{a.run}")
    assert response.status_code == 404, response.text


def test_writes_to_foreign_ids_are_404_and_change_nothing(
    client: httpx.Client, other_client: httpx.Client, projects: tuple[Project, Project]
) -> None:
    _, b = projects
    before = _read_all(other_client, b)
    attempts = [
        client.put(f"/v1/runs/{b.run}", json={"status": "cancelled", "metadata": {"hijacked": True}}),
        client.delete(f"/v1/runs/{b.run}"),
        client.put(f"/v1/events/{b.event}", json={"metrics": {"score": 99}}),
        client.put("/events", json={"event_id": b.session, "outputs": {"hijacked": True}}),
    ]
    for response in attempts:
        assert response.status_code == 404, f"{response.request.method} {response.request.url}: {response.text}"
    for response in (
        client.post("/v1/runs", json={"name": "x", "dataset_id": b.dataset}),
        client.post("/v1/datapoints", json={"inputs": {}, "linked_datasets": [b.dataset]}),
        client.post("/v1/datasets", json={"name": "steal", "datapoints": [b.datapoint]}),
    ):
        assert response.status_code == 400, f"{response.request.method} {response.request.url}: {response.text}"
    assert _read_all(other_client, b) == before


def test_same_ids_in_two_projects_stay_apart(
    client: httpx.Client, other_client: httpx.Client, projects: tuple[Project, Project]
) -> None:
    run_a = ok(client.get(f"/v1/runs/{SHARED_RUN_ID}"))["evaluation"]
    run_b = ok(other_client.get(f"/v1/runs/{SHARED_RUN_ID}"))["evaluation"]
    assert (run_a["name"], run_a["metadata"]) == ("iso-shared-a", {"p": "a"})
    assert (run_b["name"], run_b["metadata"]) == ("iso-shared-b", {"p": "b"})
    assert run_a["id"] != run_b["id"]

    session_a = ok(client.get(f"/v1/events/{SHARED_SESSION_ID}"))["event"]
    session_b = ok(other_client.get(f"/v1/events/{SHARED_SESSION_ID}"))["event"]
    assert session_a["metadata"]["owner"] == "a"
    assert session_b["metadata"]["owner"] == "b"

    # the same OTLP span ids, sent by both: each project has its own event with its own content
    spans_a = [e for e in export_events(client, SHARED_RUN_ID) if e["event_type"] != "session"]
    spans_b = [e for e in export_events(other_client, SHARED_RUN_ID) if e["event_type"] != "session"]
    assert [(e["event_name"], e["outputs"]) for e in spans_a] == [("span-a", {"who": "a"})]
    assert [(e["event_name"], e["outputs"]) for e in spans_b] == [("span-b", {"who": "b"})]

    summary_a = ok(client.get(f"/v1/runs/{SHARED_RUN_ID}/summary"))
    summary_b = ok(other_client.get(f"/v1/runs/{SHARED_RUN_ID}/summary"))
    assert [d["values"] for d in summary_a["metrics"]["details"]] == [[1.0]]
    assert [d["values"] for d in summary_b["metrics"]["details"]] == [[0.0]]


def _project_of(client: httpx.Client) -> str:
    project_id: str = ok(client.get("/_local/stats"))["project_id"]
    return project_id


def test_export_returns_only_own_events(
    client: httpx.Client, other_client: httpx.Client, projects: tuple[Project, Project]
) -> None:
    a, b = projects
    own_project, other_project = _project_of(client), _project_of(other_client)
    assert own_project != other_project

    def owners(events: list[dict[str, Any]]) -> set[Any]:
        return {e.get("project_id") for e in events}

    mine = export_events(client)
    assert mine, "project a has events"
    assert owners(mine) == {own_project}
    assert {e["inputs"].get("who") for e in mine if e["inputs"]} == {"a"}
    assert b.session not in {e["session_id"] for e in mine}
    assert b.event not in {e["event_id"] for e in mine}

    # asking for the other project's run by filter or by evaluation_id finds nothing
    assert export_events(client, b.run) == []
    by_evaluation = ok(client.post("/v1/events/export", json={"evaluation_id": b.run}))
    assert by_evaluation["events"] == []
    by_session = ok(
        client.post(
            "/v1/events/export",
            json={"filters": [{"field": "session_id", "operator": "is", "value": b.session, "type": "string"}]},
        )
    )
    assert by_session["totalEvents"] == 0

    theirs = export_events(other_client)
    assert owners(theirs) == {other_project}
    assert a.event not in {e["event_id"] for e in theirs}


def test_dropped_span_counters_are_per_project(
    client: httpx.Client, other_client: httpx.Client, projects: tuple[Project, Project]
) -> None:
    orphan = otlp_json_span(trace_id="f" * 32, span_id="e" * 16, name="orphan", attributes={"k": "v"})
    response = client.post(
        "/opentelemetry/v1/traces", content=otlp_json_body([orphan]), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert ok(client.get("/_local/stats"))["counters"].get("dropped_spans") == 1
    assert ok(other_client.get("/_local/stats"))["counters"].get("dropped_spans", 0) == 0

"""Two backends on one SQLite file (issue 14 (9)): run order ("latest run") comes from the database.

Each process used to count ``seq`` in memory from the maximum it saw at start-up, so a second backend on
the same file handed out values the first had already used, and its newest run could sort as the oldest.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration


@pytest.fixture
def two_clients(tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    db = str(tmp_path / "shared.sqlite")
    with ExitStack() as stack:
        clients = []
        for _ in range(2):
            backend = stack.enter_context(LocalBackend(db, API_KEY))
            headers = {"Authorization": f"Bearer {API_KEY}"}
            clients.append(stack.enter_context(httpx.Client(base_url=backend.url, headers=headers, timeout=30)))
        yield clients[0], clients[1]


def _create(client: httpx.Client, name: str) -> str:
    run_id = str(uuid.uuid4())
    response = client.post("/v1/runs", json={"run_id": run_id, "name": name})
    assert response.status_code == 200, response.text
    return run_id


def _listed(client: httpx.Client, order: str = "desc") -> list[str]:
    response = client.get(f"/v1/runs?limit=100&sort_by=created_at&sort_order={order}")
    assert response.status_code == 200, response.text
    return [run["run_id"] for run in response.json()["evaluations"]]


def test_runs_created_alternately_list_in_creation_order_from_both(
    two_clients: tuple[httpx.Client, httpx.Client],
) -> None:
    first, second = two_clients
    created = [_create(first, f"a{i}") for i in range(3)]  # the second backend started before these
    for i in range(8):
        created.append(_create((second, first)[i % 2], f"alternate-{i}"))

    latest_first = list(reversed(created))
    assert _listed(first) == latest_first
    assert _listed(second) == latest_first
    assert _listed(second, "asc") == created
    assert _listed(first)[0] == created[-1]  # what a CLI's baseline search calls the latest run


def test_runs_created_concurrently_through_both_keep_each_writers_order(
    two_clients: tuple[httpx.Client, httpx.Client],
) -> None:
    created: dict[int, list[str]] = {0: [], 1: []}
    barrier = threading.Barrier(2)

    def writer(index: int) -> None:
        barrier.wait(timeout=10)
        for i in range(15):
            created[index].append(_create(two_clients[index], f"w{index}-{i}"))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    listed = _listed(two_clients[0], "asc")
    assert listed == _listed(two_clients[1], "asc")
    assert sorted(listed) == sorted(created[0] + created[1])
    for runs in created.values():  # each writer's runs in the order it created them
        assert [r for r in listed if r in set(runs)] == runs

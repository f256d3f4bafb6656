from __future__ import annotations

import uuid

import httpx
import pytest

from honeyhive_local.__main__ import main

pytestmark = pytest.mark.integration


def test_run_lifecycle_over_http(client: httpx.Client) -> None:
    run_id = str(uuid.uuid4())
    created = client.post("/v1/runs", json={"run_id": run_id, "name": "smoke", "status": "running"})
    assert created.status_code == 200, created.text
    assert created.json()["run_id"] == run_id
    updated = client.put(f"/v1/runs/{run_id}", json={"status": "completed", "metadata": {"a": 1}})
    assert updated.json()["evaluation"]["status"] == "completed"
    fetched = client.get(f"/v1/runs/{run_id}").json()["evaluation"]
    assert fetched["metadata"] == {"a": 1}
    assert client.delete(f"/v1/runs/{run_id}").json() == {"id": fetched["id"], "deleted": True}
    assert client.get(f"/v1/runs/{run_id}").status_code == 404


def test_every_route_needs_a_bearer_key(backend) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=backend.url) as anonymous:
        response = anonymous.get("/v1/runs")
    assert response.status_code == 401
    assert "bearer" in response.json()["error"].lower()


@pytest.mark.parametrize("argv", [["--help"], ["serve", "--help"]])
def test_the_help_is_plain_text(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` showed the module docstring's reST double backticks."""
    with pytest.raises(SystemExit):
        main(argv)
    shown = capsys.readouterr().out
    assert shown.startswith("usage: python -m honeyhive_local")
    assert "`" not in shown, shown

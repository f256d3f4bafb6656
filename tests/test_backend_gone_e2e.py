"""A backend that goes away mid-run ends the job (issue 21, item 8), whichever way it goes: killed (connections
refused), hung (connections accepted, never answered) or black-holed (``connect()`` never completes).

The action's entry point runs as a subprocess (``tests/action_world.py``'s ``World.through_outage``) against
``honeyhive_local`` behind the fault proxy, which makes the backend go away when the fifth datapoint's session is
started. The job must exit 2 with an error verdict that names the backend and what was recorded, write report.json,
its outputs and summary, print no traceback, and the sessions recorded before the outage must still be in the
backend. The test asserts on that outcome; how long the job took is printed, and measured against the promise (60 s)
by ``benchmarks/bench_backend_gone.py``. ``LIVENESS`` only keeps a stuck job from hanging the suite.
"""

from __future__ import annotations

import json
import re

import pytest

from honeyhive_experiment import HoneyHiveClient
from tests.action_world import API_KEY, World
from tests.action_world import world as world  # the fixture
from tests.honeyhive_experiment.faultproxy import Outage

pytestmark = pytest.mark.e2e

LIVENESS = 120.0  # seconds from the outage's start before a stuck job is killed (and the test fails)


# A dead backend only: a hung or black-holed one costs the whole deadline (50 s) of waiting per test, which the
# suite does not pay; benchmarks/bench_backend_gone.py runs those through this same World (and checks the exit
# code, verdict and reason), and tests/honeyhive_experiment/test_dead_backend.py holds them in-process with a
# short deadline.
@pytest.mark.parametrize("kind", [Outage.DEAD], ids=["dead"])
def test_a_backend_gone_mid_run_ends_the_job_with_its_report(world: World, kind: Outage) -> None:
    outcome = world.through_outage(kind, limit=LIVENESS)

    print(f"backend {kind.value}: the action exited {outcome.seconds} s after the outage began")
    assert outcome.seconds is not None, f"still running {LIVENESS:g} s after the backend went away: {outcome.stderr}"
    assert outcome.returncode == 2, outcome.stderr
    assert outcome.outputs["verdict"] == "error"
    report = json.loads((world.root / outcome.outputs["report-path"]).read_text(encoding="utf-8"))
    assert report["verdict"] == "error"
    reasons = " ".join(report["reasons"])
    assert re.search(r"the backend at http://127\.0\.0\.1:\d+ stopped answering", reasons), reasons
    kept = re.search(r"run ([0-9a-f-]{36}) stops here, keeping the (\d+) it recorded", reasons)
    assert kept is not None, reasons
    assert "stopped answering" in outcome.summary
    assert "Traceback" not in outcome.stderr + outcome.stdout
    with HoneyHiveClient(world.backend.url, API_KEY) as client:
        held = client.count_sessions(kept.group(1))
    assert held >= 4, "the sessions started before the outage are kept"
    assert int(kept.group(2)) <= held

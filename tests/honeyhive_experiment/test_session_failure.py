"""A session that cannot be started (after the client's retries) costs that datapoint only: its function,
already running, is abandoned, its spans are dropped, and the run completes with the others."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pytest

from honeyhive_experiment import ApiError, HoneyHiveClient, OutcomeStatus, evaluate, external_dataset
from honeyhive_local import LocalBackend

pytestmark = pytest.mark.integration

RECORDS = [{"id": f"q{i}", "inputs": {"n": i}} for i in range(4)]
NEVER = threading.Event()  # never set: the failing datapoint's function would wait forever


class SessionsDownFor(HoneyHiveClient):
    """The real client, except that the backend is 'down' for one datapoint's session start."""

    failing_datapoint = "EXT-q2"

    def start_session(self, session: Mapping[str, Any]) -> dict[str, Any]:
        if session["metadata"]["datapoint_id"] == self.failing_datapoint:
            raise ApiError("POST", "/v1/sessions", 503, "service unavailable")
        return super().start_session(session)


def app(datapoint: dict[str, Any]) -> dict[str, Any]:
    if datapoint["inputs"]["n"] == 2:
        NEVER.wait()
    return {"n": datapoint["inputs"]["n"]}


def test_a_session_that_cannot_start_costs_only_its_datapoint() -> None:
    with LocalBackend() as backend, SessionsDownFor(backend.url, backend.api_key) as client:
        result = evaluate(app, external_dataset(RECORDS), client=client, max_workers=4, timeout=30)
        events = list(client.iter_run_events(result.run_id))
        run = client.get_run(result.run_id)
    by_id = {o.datapoint_id: o for o in result.outcomes}
    assert by_id["EXT-q2"].status is OutcomeStatus.BACKEND_ERROR
    assert "session not started" in (by_id["EXT-q2"].error or "")
    assert [o.status for i, o in by_id.items() if i != "EXT-q2"] == [OutcomeStatus.OK] * 3
    assert run["status"] == "completed"
    assert len(run["event_ids"]) == 3
    assert sorted(result.summary.datapoint_ids) == ["EXT-q0", "EXT-q1", "EXT-q3"]
    assert not [e for e in events if (e.get("metadata") or {}).get("datapoint_id") == "EXT-q2"]


def test_evaluate_is_no_success_when_a_row_was_never_recorded() -> None:
    """The backend's summary covers the 3 rows it saw and calls them a success; the 4th was never judged, so
    evaluate()'s success is False and says why, as the command line's verdict fails the check (next test)."""
    NEVER.set()  # the refused datapoint's abandoned function thread must not hang
    with LocalBackend() as backend, SessionsDownFor(backend.url, backend.api_key) as client:
        result = evaluate(app, external_dataset(RECORDS), client=client, max_workers=4, timeout=30)
    assert result.summary.success is True  # HoneyHive's own verdict, on what it saw
    assert result.success is False
    assert result.broken == [
        "1 datapoint(s) of the dataset were not recorded by the backend, so they were never judged"
        " (session not started: POST /v1/sessions failed with HTTP 503: service unavailable)"
    ]


def test_a_row_the_backend_never_recorded_is_counted_and_fails_the_check() -> None:
    """6 rows, one refused: never '5 of 5 datapoints passed' and exit 0."""
    from datetime import UTC, datetime

    from honeyhive_experiment.config import parse_config
    from honeyhive_experiment.flow import Job, judge
    from honeyhive_experiment.report import build_report, render_terminal
    from honeyhive_experiment.settings import Settings
    from honeyhive_experiment.verdict import Verdict

    NEVER.set()  # this test's refused datapoint must not hang its abandoned function thread
    config = parse_config("name: refused\nfunction: m:f\ndataset: {path: d.jsonl}\n")
    dataset = external_dataset(RECORDS)
    with LocalBackend() as backend, SessionsDownFor(backend.url, backend.api_key) as client:
        result = evaluate(app, dataset, client=client, max_workers=4, timeout=30)
        judgement = judge(Job(Settings(command="run"), config, client, datetime.now(UTC)), result, dataset)
    assert judgement.decision.verdict is Verdict.FAIL
    assert judgement.decision.reasons[0].startswith("1 datapoint(s) of the dataset were not recorded by the backend")
    assert "Verdict: FAIL (3 of 4 datapoints passed, 1 not recorded)" in render_terminal(build_report(judgement))


class TrialsDown(HoneyHiveClient):
    """The real client, except that the backend is 'down' for some trials' session starts: all 3 of q3's, 2 of
    q1's and 1 of q2's."""

    failing = {("EXT-q1", 0), ("EXT-q1", 1), ("EXT-q2", 0), ("EXT-q3", 0), ("EXT-q3", 1), ("EXT-q3", 2)}

    def start_session(self, session: Mapping[str, Any]) -> dict[str, Any]:
        if (session["metadata"]["datapoint_id"], session["metadata"].get("trial")) in self.failing:
            raise ApiError("POST", "/v1/sessions", 503, "service unavailable")
        return super().start_session(session)


def scored(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: Any = None) -> float:
    return 1.0


def test_with_trials_a_datapoint_that_lost_some_trials_is_judged_on_the_others_and_still_fails() -> None:
    """The verdict said "3 datapoint(s) … were not recorded by the backend, so they were never judged" where the
    report's counts said "3 of 4 datapoints passed, 1 not recorded": q1 and q2, each with a trial recorded, were
    judged on it. Now both say 1 not recorded, and the 2 others fail the run apart: their values leave trials out."""
    from datetime import UTC, datetime

    from honeyhive_experiment.config import parse_config
    from honeyhive_experiment.flow import Job, judge
    from honeyhive_experiment.report import build_report, render_terminal
    from honeyhive_experiment.settings import Settings
    from honeyhive_experiment.verdict import Verdict

    config = parse_config(
        "name: trials\nfunction: m:f\ndataset: {path: d.jsonl}\ntrials: 3\npassing_ranges:\n  scored: {min: 0.5}\n"
    )
    dataset = external_dataset(RECORDS)
    with LocalBackend() as backend, TrialsDown(backend.url, backend.api_key) as client:
        result = evaluate(
            lambda datapoint: {"n": datapoint["inputs"]["n"]},
            dataset,
            evaluators=[scored],
            client=client,
            trials=3,
            passing_ranges={"scored": {"min": 0.5}},
        )
        judgement = judge(Job(Settings(command="run"), config, client, datetime.now(UTC)), result, dataset)
    refused = "session not started: POST /v1/sessions failed with HTTP 503: service unavailable"
    reasons = [
        f"1 datapoint(s) of the dataset were not recorded by the backend, so they were never judged ({refused})",
        f"2 datapoint(s) lost 3 of their trials at the backend ({refused}): their values leave those out",
    ]
    assert sorted(result.summary.passed) == ["EXT-q0", "EXT-q1", "EXT-q2"]  # the backend's, on what it recorded
    assert result.unrecorded == {"EXT-q3": refused}
    assert (result.success, result.broken) == (False, reasons)
    assert judgement.decision.verdict is Verdict.FAIL
    assert list(judgement.decision.reasons) == reasons
    report = build_report(judgement)
    assert (report.counts.passed, report.counts.unrecorded, report.counts.total) == (3, 1, 4)
    assert "Verdict: FAIL (3 of 4 datapoints passed, 1 not recorded), 3 trials per datapoint" in render_terminal(report)

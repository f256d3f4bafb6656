"""Every span a datapoint exports loses the run's known secret values before HoneyHive gets it, as what the runner
records itself does (audit56, L2 and L3): what the user's code records through its ``tracer`` (a string metric, an
error, the session's outputs before a raise), its own span's attributes, status, ``exception`` event (an
instrumentation's are alike: an error echoing a key, a URL with a token in it) and links' attributes (audit58 #3),
an attribute's name and the resource (``OTEL_RESOURCE_ATTRIBUTES``): those went as they were (audit58).
Before, they went as they were, and a job without the secret (a report or publish job, ``view``) showed them. So does a
secret the code puts into the environment while a datapoint runs, in that datapoint's span and outputs (audit58 #1).

``python -m honeyhive_experiment run`` in process, its environment holding ``OPENAI_API_KEY``, against
``honeyhive_local`` on loopback behind a proxy that keeps every request it forwards (the OTLP exports whole:
``honeyhive_local`` keeps no span event); then ``view`` of the run without the variable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from honeyhive_local.otlp import any_value, parse_request
from tests.conftest import API_KEY, run_events
from tests.honeyhive_experiment.faultproxy import FaultProxy
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

SECRET = "Zx81Qw0pLm7Rt5Yu3Io9As2Df"  # no shape a pattern knows: only its variable's name marks it a secret
LATER = "Vq4Rt8Lm2Zx6Kp9Wn3Hs7Db"  # what a vault hands the code while it runs, into an empty VAULT_TOKEN
PLAIN = "Open Settings > Security; no key in this text"  # a value with no secret in it: recorded as it is
TRACES = "/opentelemetry/v1/traces"
APP = f"""

import os

from opentelemetry.trace import Link, get_current_span

PLAIN = {PLAIN!r}


def traced(datapoint, tracer):
    key = os.environ["OPENAI_API_KEY"]
    question = datapoint["inputs"]["question"]
    if "forgot" in question:
        tracer.enrich_session(outputs={{"partial": "draft with " + key, "plain": PLAIN}})
        raise RuntimeError("boom")
    if "change" in question:  # a token fetched from a vault while running
        os.environ["VAULT_TOKEN"] = {LATER!r}
        tracer.enrich_span(metrics={{"vault": "got " + os.environ["VAULT_TOKEN"]}})
        return {{**answer(datapoint), "vault": "got " + os.environ["VAULT_TOKEN"]}}
    tracer.enrich_span(metrics={{"note": "used " + key, "plain": PLAIN}}, error="soft error " + key)
    attributes = {{
        "honeyhive_metadata.base_url": "http://user:" + key + "@llm.example/v1",
        "honeyhive_metadata.keys": ["kept", key],
        "honeyhive_metadata.plain": PLAIN,
        "honeyhive_metadata.key_" + key: "named",
    }}
    link = Link(get_current_span().get_span_context(), {{"note": "via " + key, "plain": PLAIN}})
    try:
        with tracer.start_span("call the model", attributes=attributes, links=[link]):
            raise PermissionError("Incorrect API key provided: " + key)
    except PermissionError:
        pass
    return answer(datapoint)
"""


class Recording(FaultProxy):
    """A proxy that forwards every request as it is and keeps its body."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream, rate=0.0)
        self.bodies: list[tuple[str, bytes]] = []

    def forward(self, method: str, path: str, headers: Sequence[tuple[str, str]], body: bytes) -> httpx.Response:
        self.bodies.append((path, body))
        return super().forward(method, path, headers, body)


def _resources(bodies: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    """The attributes of the resource of every batch of spans exported."""
    return [
        {kv.key: any_value(kv.value) for kv in resource.resource.attributes}
        for path, body in bodies
        if path == TRACES
        for resource in parse_request(body, "application/x-protobuf").resource_spans
    ]


def _attributes(bodies: list[tuple[str, bytes]], kind: str) -> list[dict[str, Any]]:
    """The attributes of every ``exception`` event (``kind`` ``events``) or every link (``links``) of the spans
    exported."""
    return [
        {kv.key: any_value(kv.value) for kv in item.attributes}
        for path, body in bodies
        if path == TRACES
        for resource in parse_request(body, "application/x-protobuf").resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
        for item in getattr(span, kind)
        if kind == "links" or item.name == "exception"
    ]


def test_what_the_users_code_and_its_spans_record_loses_the_runs_secrets(
    backend: LocalBackend,
    client: httpx.Client,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = copy_quickstart(tmp_path / "repo", questions=3)  # reset my password, forgot my password, change email
    app = repo / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + APP, encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(":answer\n", ":traced\n"), encoding="utf-8")
    report = tmp_path / "report.json"
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)  # the user's code reads it from the process's environment
    monkeypatch.setenv("VAULT_TOKEN", "")  # and sets this one (as GitHub leaves a missing secret: empty)
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", f"service.owner=bots,deployment.token={SECRET}")  # the resource's
    with Recording(backend.url) as proxy:
        environ = {"HH_API_KEY": API_KEY, "HH_API_URL": proxy.url, "OPENAI_API_KEY": SECRET}
        code = main(["run", "-C", str(repo), "--report", str(report)], environ=environ)
    printed = capsys.readouterr()
    assert code == 1, printed  # the datapoint that raised fails the run
    assert [secret for secret in (SECRET, LATER) if secret in printed.out + printed.err] == []
    run_id = json.loads(report.read_text(encoding="utf-8"))["run"]["id"]

    recorded = run_events(client, run_id)
    asked = {e["metadata"]["datapoint_id"]: e["inputs"]["question"] for e in recorded if e["event_name"] == "traced"}
    events = {(e["event_name"], asked[e["metadata"]["datapoint_id"]]): e for e in recorded}
    first, second = "How do I reset my password?", "I forgot my password, how can I reset it?"
    third = "How can I change the email on my account?"
    enriched = events["traced", first]
    assert enriched["metrics"]["note"] == "used ***"  # L2: a string metric
    assert enriched["error"] == "soft error ***"  # L2: an error
    assert enriched["metrics"]["plain"] == PLAIN
    assert events["traced", second]["outputs"] == {"partial": "draft with ***", "plain": PLAIN}  # L2: then a raise
    own = events["call the model", first]  # L3: the user's own span
    assert own["metadata"]["base_url"] == "http://user:***@llm.example/v1"
    assert own["metadata"]["keys"] == ["kept", "***"]
    assert own["metadata"]["plain"] == PLAIN
    assert own["metadata"]["key_***"] == "named"  # an attribute's name
    assert own["error"] == "PermissionError: Incorrect API key provided: ***"  # its status
    [exception] = _attributes(proxy.bodies, "events")  # L3: as an instrumentation records an error
    assert exception["exception.message"] == "Incorrect API key provided: ***"
    assert "PermissionError: Incorrect API key provided: ***" in exception["exception.stacktrace"]
    assert _attributes(proxy.bodies, "links") == [{"note": "via ***", "plain": PLAIN}]  # a link's
    resources = {(r["deployment.token"], r["service.owner"], r["service.name"]) for r in _resources(proxy.bodies)}
    assert resources == {("***", "bots", "honeyhive-experiment")}  # every export's resource
    assert events["traced", third]["metrics"]["vault"] == "got ***"  # known once its function returned
    assert events["traced", third]["outputs"]["vault"] == "got ***"
    # nothing HoneyHive got holds either
    assert [(path, s) for path, body in proxy.bodies for s in (SECRET, LATER) if s.encode() in body] == []

    monkeypatch.delenv("OPENAI_API_KEY")
    page = tmp_path / "view.html"
    argv = ["view", run_id, "--no-open", "--html", str(page), "-C", str(repo)]
    assert main(argv, environ={"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}) == 0  # without the variable
    assert "draft with ***" in page.read_text(encoding="utf-8")
    assert SECRET not in page.read_text(encoding="utf-8") + capsys.readouterr().out


CACHE = "support-bot-v1"  # a secret by its variable's name (CACHE_KEY), though the dataset's ids are built from it


def test_a_datapoint_id_holding_a_secrets_value_files_its_spans_under_that_id(
    backend: LocalBackend,
    client: httpx.Client,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """audit79 F1: the function span went with ``datapoint_id`` ``EXT-***-0``, the session with the id whole, so the
    ingestion wait never found the datapoint's span and the run ended in ERROR after the whole wait. The ids every
    span is filed by go as they are (the session started with them so); what else the span holds is redacted."""
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    dataset = repo / "data" / "questions.jsonl"
    rows = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines()]
    for number, row in enumerate(rows):
        row["id"] = f"{CACHE}-{number}"
        row["inputs"]["cache"] = CACHE
    dataset.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    app = repo / "support_bot" / "app.py"
    note = "'cached in ' + __import__('os').environ['CACHE_KEY']"
    # the user's metadata under the names the span is filed by (audit82: the secret went out whole, and a datapoint
    # id of the user's re-filed the span): the datapoint's own ids go out under those names
    key = "os.environ['CACHE_KEY']"
    mine = f"{{'dataset_id': {key}, 'run_id': {{'cache': {key}}}, 'datapoint_id': 'row-42'}}"
    cached = (
        f"\n\ndef cached(datapoint, tracer):\n    import os\n    tracer.enrich_span(metadata={mine})\n"
        f"    return {{**answer(datapoint), 'note': {note}}}\n"
    )
    app.write_text(app.read_text(encoding="utf-8") + cached, encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8").replace(":answer\n", ":cached\n")
    config.write_text(text.replace("ingestion: {timeout: 30}", "ingestion: {timeout: 1}"), encoding="utf-8")
    report = tmp_path / "report.json"
    monkeypatch.setenv("CACHE_KEY", CACHE)
    with Recording(backend.url) as proxy:
        environ = {"HH_API_KEY": API_KEY, "HH_API_URL": proxy.url, "CACHE_KEY": CACHE}
        code = main(["run", "-C", str(repo), "--report", str(report)], environ=environ)
    printed = capsys.readouterr()
    assert code == 0, printed.out  # before: 2, "the function spans of only 0 of 3 datapoints were visible"
    shown = [printed.out, printed.err, *(report.with_suffix(s).read_text(encoding="utf-8") for s in (".json", ".html"))]
    assert [text for text in shown if CACHE in text] == []  # every rendering: EXT-***-0
    run_id = json.loads(report.read_text(encoding="utf-8"))["run"]["id"]

    events = run_events(client, run_id)
    sessions = {e["session_id"]: e["metadata"]["datapoint_id"] for e in events if e["event_type"] == "session"}
    spans = {e["session_id"]: e for e in events if e["event_name"] == "cached"}
    assert {key: span["metadata"]["datapoint_id"] for key, span in spans.items()} == sessions
    assert sorted(sessions.values()) == [f"EXT-{CACHE}-{number}" for number in range(3)]
    assert {(s["inputs"]["cache"], s["outputs"]["note"]) for s in spans.values()} == {("***", "cached in ***")}
    holding = {
        kv.key
        for path, body in proxy.bodies
        if path == TRACES
        for resource in parse_request(body, "application/x-protobuf").resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
        for kv in span.attributes
        if CACHE in kv.key + str(any_value(kv.value))
    }
    assert holding == {"honeyhive_metadata.datapoint_id"}  # of all HoneyHive got in a span
    assert {span["metadata"].get("run_id") for span in spans.values()} == {run_id}
    # and the user's own values of those names are kept beside them, under user_<name> (audit83 F9: dropped unsaid)
    theirs = [{k: v for k, v in s["metadata"].items() if k.startswith("user_")} for s in spans.values()]
    assert theirs == [{"user_dataset_id": "***", "user_run_id": {"cache": "***"}, "user_datapoint_id": "row-42"}] * 3

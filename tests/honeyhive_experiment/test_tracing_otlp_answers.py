"""A 2xx answer to a span export that is no OTLP answer (a web page, an OTLP body cut short) took nothing: it
is a refusal of that export, said as such, not the spans sent (audit60 F3: the run then waited 28.5 s for spans that
never came and blamed the ingestion, and an interrupted wait counted the datapoints as recorded).

A real OTLP exporter posting to a loopback server answering as each case says; and a real dry run of the quickstart
against a served ``honeyhive_local`` behind the fault proxy, whose span route answers a sign-in page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from honeyhive_experiment.cli import main
from honeyhive_experiment.tracing import DatapointIds, Export, TraceSink
from honeyhive_local import LocalBackend
from tests.honeyhive_experiment.faultproxy import FaultProxy
from tests.quickstart import copy_quickstart, init_repository

pytestmark = pytest.mark.integration

API_KEY = "hh-otlp-answers-key-0123456789"
_EMPTY = ExportTraceServiceResponse().SerializeToString()  # OTLP's answer taking every span: no bytes
_PARTIAL = ExportTraceServiceResponse()
_PARTIAL.partial_success.error_message = "spans rejected"  # no count rejected: a warning, every span taken


@contextmanager
def collector(content_type: str, body: bytes) -> Iterator[tuple[str, list[int]]]:
    """A loopback server answering every POST 200 with ``body`` typed ``content_type``: (its URL, a count of posts)."""
    posts = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            posts[0] += 1
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", posts
    finally:
        server.shutdown()
        server.server_close()


PAGE = b"<html><body>502 Bad Gateway</body></html>"
NOT_OTLP = "HTTP 200 with no OTLP answer"


@pytest.mark.parametrize(
    ("content_type", "body", "said"),
    [
        ("application/x-protobuf", _EMPTY, None),
        ("application/x-protobuf", _PARTIAL.SerializeToString(), None),
        ("application/json", b'{"partialSuccess": {}}', None),
        ("application/json; charset=utf-8", b'{"success": true}', None),  # unknown fields: no rejected span
        ("text/html", b"", None),  # an empty answer says nothing, as the client reads its own
        ("text/html; charset=utf-8", PAGE, "HTTP 200 with a web page (text/html), not an OTLP answer: is {url} "),
        ("application/json", b'{"runs": [{"id": "x", "na', NOT_OTLP + " ("),
        ("application/x-protobuf", _PARTIAL.SerializeToString()[:-3], NOT_OTLP + " ("),
        ("text/plain", b"OK", None),  # a type OTLP does not use says nothing: HoneyHive's own answer is not known
        ("application/json", b"null", None),  # JSON, no OTLP answer, nothing cut short: says nothing (audit64 F4)
        ("application/json", b"true", None),
        ("application/json", b"OK", None),
        ("application/json", b"\xef\xbb\xbf{}", None),  # a byte-order mark before an empty answer
    ],
    ids=[
        *("empty", "partial-none-rejected", "json", "json-unknown", "empty-html", "page", "cut-json", "cut-pb", "text"),
        *("json-null", "json-true", "json-unquoted", "json-bom"),
    ],
)
def test_a_2xx_answer_that_is_no_otlp_answer_refuses_the_export(
    content_type: str, body: bytes, said: str | None
) -> None:
    """Before, every case here was SENT: the exporter takes any 2xx as success and the answer was read only for a
    partial success."""
    with collector(content_type, body) as (url, posts):
        sink = TraceSink.otlp(f"{url}/opentelemetry/v1/traces", {})
        try:
            tracer = sink.tracer(DatapointIds("session-1", "run-1", None, "datapoint-1"))
            with tracer.start_as_current_span("chain", "chain"):
                pass
            export = tracer.export()
        finally:
            sink.shutdown()
    if said is None:
        assert export == Export(), export
    else:
        assert export.refused, export
        assert (export.reason or "").startswith(said.format(url=url)), export
    assert posts == [1]  # a refusal is not sent again


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = copy_quickstart(tmp_path / "repo", questions=3)
    init_repository(root)
    return root


def test_a_run_whose_span_route_answers_a_web_page_says_so_and_waits_for_nothing(
    repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run's sessions are recorded, but a sign-in page answers every span export 200: before, the run waited
    the whole ingestion wait for spans that never came (its error blamed the ingestion: "... after waiting"); now each
    datapoint's spans are refused with the question whether the URL is HoneyHive's API, and nothing is waited for."""
    report = tmp_path / "report.json"
    spans = lambda method, path: path.startswith("/opentelemetry/")  # noqa: E731
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as backend,
        FaultProxy(backend.url, rate=0, page=spans) as proxy,
    ):
        argv = ["run", "--dry-run", "-C", str(repository), "--server-url", proxy.url, "--report", str(report)]
        code = main(argv, environ={"HH_API_KEY": API_KEY})
        assert proxy.routes["POST /opentelemetry/v1/traces"] == 3  # each once: a refusal is not sent again
    out = capsys.readouterr().out
    result = json.loads(report.read_text(encoding="utf-8"))
    page = f"with a web page (text/html), not an OTLP answer: is {proxy.url} HoneyHive's API?"
    assert (code, result["verdict"], result["error"]) == (1, "fail", None), out  # not rc 2 "... after waiting 28 s"
    assert page in out, out

"""A server URL's scheme in capitals (``HTTP://h:80``) is the same URL as in lower case: the same requests with the
same ``Host``, and the API key sent to the configured host only.

The backend is reached through a forward proxy on loopback that records what each request asks for: the default
port (80) needs no listener of its own then, and the proxy sees every request the program makes, the client's and
the span exporter's, with the host it was meant for."""

from __future__ import annotations

import ssl
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from honeyhive_experiment import HoneyHiveClient, evaluate
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.integration

_HOP_BY_HOP = frozenset({"host", "connection", "keep-alive", "proxy-connection", "content-length", "transfer-encoding"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    upstream: httpx.Client
    seen: Counter[tuple[str, str, str, str]]


class _Forward(BaseHTTPRequestHandler):
    """Each request (absolute-form, as to a proxy) recorded as (target's host and port, ``Host``, whether it
    carries the API key, the route's first part), then forwarded to the backend."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _forward(self) -> None:
        target = urllib.parse.urlsplit(self.path)
        keyed = "key" if self.headers.get("Authorization") == f"Bearer {API_KEY}" else "no key"
        route = target.path.split("/")[1]
        where = f"{target.hostname}:{target.port or 80}"  # httpx leaves out the default port, urllib3 names it
        self.server.seen[(where, self.headers.get("Host", ""), keyed, route)] += 1
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        query = f"?{target.query}" if target.query else ""
        answer = self.server.upstream.request(self.command, target.path + query, content=body, headers=headers)
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in (*_HOP_BY_HOP, "content-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


@contextmanager
def _proxied(backend: LocalBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[tuple[str, str, str, str]]]:
    """Every HTTP request of this process through a recording forward proxy to ``backend``: what it saw."""
    server = _Server(("127.0.0.1", 0), _Forward)
    server.seen = Counter()
    with httpx.Client(base_url=backend.url, trust_env=False, headers={"Accept-Encoding": "identity"}) as upstream:
        server.upstream = upstream
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        with monkeypatch.context() as env:
            for name in ("HTTP_PROXY", "http_proxy"):
                env.setenv(name, f"http://{host!s}:{port}")
            for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
                env.delenv(name, raising=False)
            try:
                yield server.seen
            finally:
                server.shutdown()
                server.server_close()


def _answer(datapoint: dict[str, dict[str, int]]) -> dict[str, int]:
    return {"answer": datapoint["inputs"]["n"]}


def test_a_scheme_in_capitals_sends_what_the_lower_case_one_does_and_the_key_only_to_its_host(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``HTTPS://h:443`` sent ``Host: h:443`` where ``https://h:443`` sent ``Host: h`` (an absolute httpx URL keeps a
    default port its scheme's spelling hides). Both spellings of one run: the same requests, each to 127.0.0.1:80 with
    the key, none elsewhere."""
    seen = {}
    for spelling in ("http", "HTTP"):
        with _proxied(backend, monkeypatch) as recorded:
            result = evaluate(
                function=_answer,
                dataset=[{"inputs": {"n": n}} for n in range(3)],
                evaluators=[lambda outputs, inputs: outputs["answer"] >= 0],
                api_key=API_KEY,
                server_url=f"{spelling}://127.0.0.1:80",
                name="spelling",
                print_results=False,
            )
            with HoneyHiveClient(f"{spelling}://127.0.0.1", API_KEY) as client:  # a route without its slash too
                assert "evaluations" in client.request("GET", "v1/runs")
        assert result.success, result
        seen[spelling] = set(recorded)
    assert seen["HTTP"] == seen["http"]
    assert {(netloc, keyed) for netloc, _, keyed, _ in seen["HTTP"]} == {("127.0.0.1:80", "key")}
    assert {route for *_, route in seen["HTTP"]} == {"v1", "opentelemetry"}  # the client's and the exporter's


def test_a_plain_http_url_in_capitals_loads_no_ca_bundle_either(monkeypatch: pytest.MonkeyPatch) -> None:
    """``HTTP://`` is ``http://``: the client read it as another URL, and loaded the CA bundle (~50 ms of CPU) a
    plain-HTTP backend never uses."""
    loaded: list[object] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loaded.append(args or kwargs)
        load(context, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    with HoneyHiveClient(" HTTP://127.0.0.1:8080/ ", API_KEY) as client:
        pass
    assert loaded == []
    assert client.base_url == "http://127.0.0.1:8080"
    with HoneyHiveClient("HTTPS://127.0.0.1:8443", API_KEY) as client:  # https verifies as usual, whatever the case
        assert client.base_url == "https://127.0.0.1:8443"
    assert len(loaded) == 1

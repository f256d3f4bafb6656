"""What the CLI makes of the backend's answers that are well-formed HTTP but wrong for the API: a comparison without
its required fields or pairing only some datapoints, a summary still being computed, listing a datapoint twice, refused
with a 400 or trickling in, an older run's summary gone, a web page, an empty answer typed as one.

Real dry runs of the quickstart (three questions, a git repository on ``main``) against a served ``honeyhive_local``
through the fault proxy (faultproxy.py), whose hooks (``rewrite``, ``missing``, ``page``, ``emptied``, ``answer``,
``trickle``) each test sets."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.client import HoneyHiveClient, Timeouts
from honeyhive_experiment.config import load_config
from honeyhive_experiment.errors import ApiError, ExperimentError
from honeyhive_experiment.experiment import evaluate
from honeyhive_experiment.run_result import ExperimentResult
from honeyhive_experiment.user_code import in_repository, load_user_code
from honeyhive_local import LocalBackend
from honeyhive_local.app import Project
from honeyhive_local.results import summarize
from tests.honeyhive_experiment.faultproxy import FaultProxy
from tests.quickstart import copy_quickstart, git, init_repository, stricter_twin

pytestmark = pytest.mark.integration

API_KEY = "hh-wire-answers-key-0123456789"
Rewrite = Callable[[str, str, Any], Any]


@dataclass
class Wire:
    root: Path
    backend: LocalBackend
    proxy: FaultProxy
    rewrite: Rewrite = field(default=lambda method, path, body: body)
    missing: Callable[[str, str], bool] = field(default=lambda method, path: False)
    page: Callable[[str, str], bool] = field(default=lambda method, path: False)
    emptied: Callable[[str, str], bool] = field(default=lambda method, path: False)
    answer: Callable[[str, str], tuple[int, Any] | None] = field(default=lambda method, path: None)
    trickle: Callable[[str, str], tuple[int, float] | None] = field(default=lambda method, path: None)

    def run(
        self, capsys: pytest.CaptureFixture[str], *more: str, direct: bool = False
    ) -> tuple[int, str, dict[str, Any]]:
        """A dry run through the proxy (``direct``: to the backend), ``more`` its further arguments: its exit code,
        what it printed, report.json."""
        report = self.root.parent / "report.json"
        url = self.backend.url if direct else self.proxy.url
        argv = ["run", "--dry-run", "-C", str(self.root), "--server-url", url, "--report", str(report), *more]
        code = main(argv, environ={"HH_API_KEY": API_KEY})
        return code, capsys.readouterr().out, json.loads(report.read_text(encoding="utf-8"))

    def ingestion_timeout(self, seconds: float) -> None:
        config = self.root / ".honeyhive" / "experiment.yml"
        text = config.read_text(encoding="utf-8")
        assert "ingestion: {timeout: 30}" in text
        config.write_text(text.replace("{timeout: 30}", f"{{timeout: {seconds}}}"), encoding="utf-8")


@pytest.fixture
def wire(tmp_path: Path) -> Iterator[Wire]:
    root = copy_quickstart(tmp_path / "repo", questions=3)
    init_repository(root)
    with LocalBackend(str(tmp_path / "served.db"), API_KEY) as backend:
        hooks: list[Wire] = []
        with FaultProxy(
            backend.url,
            rate=0,
            rewrite=lambda method, path, body: hooks[0].rewrite(method, path, body),
            missing=lambda method, path: hooks[0].missing(method, path),
            page=lambda method, path: hooks[0].page(method, path),
            emptied=lambda method, path: hooks[0].emptied(method, path),
            answer=lambda method, path: hooks[0].answer(method, path),
            trickle=lambda method, path: hooks[0].trickle(method, path),
        ) as proxy:
            hooks.append(Wire(root, backend, proxy))
            yield hooks[0]


def _summary(path: str) -> bool:
    route = path.split("?", 1)[0]
    return route.endswith("/summary") or route.endswith("/result")


# ------------------------------------------------------------------------------------------ the ingestion wait


def _one_twice_one_missing(method: str, path: str, body: Any) -> Any:
    if _summary(path):
        body["datapoints"][-1] = body["datapoints"][0]
    return body


def _each_twice(method: str, path: str, body: Any) -> Any:
    """A summary listing each datapoint once per trial (as a backend that does not reduce trials might)."""
    if _summary(path):
        body["datapoints"] = [row for row in body["datapoints"] for _ in range(2)]
    return body


def test_a_summary_listing_a_datapoint_twice_and_missing_another_is_not_the_runs_result(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """The wait counted the summary's entries: one datapoint listed twice stood in for one not listed yet, and the
    run "passed 3 of 3". The summary must list every datapoint sent; the wait names those it never listed."""
    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _one_twice_one_missing
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    run_id = report["run"]["id"]
    with HoneyHiveClient(wire.backend.url, API_KEY) as direct:
        missing = direct.get_run_summary(run_id).datapoint_ids[-1]
    lacks = f"HoneyHive: run {run_id}: its summary still lacks 1 of the 3 datapoints sent ({missing}) after waiting "
    assert report["error"].startswith(lacks), report["error"]

    wire.rewrite = _each_twice  # every datapoint listed, some more than once: the summary covers the run
    code, out, report = wire.run(capsys)
    assert code == 0, out


def test_a_summary_answering_only_an_error_is_waited_for_and_the_error_ends_with_the_backends_words(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """A summary answered ``200 {"error": ...}`` at every read ended "its summary still lacks 3 of the 3 datapoints
    sent": the cause read as ingestion, the backend's own words never shown. They end the error, redacted as any."""
    wire.ingestion_timeout(0.1)  # one look, no wait
    said = f"Evaluation summary could not be computed: ClickHouse timeout (key {API_KEY})"
    wire.rewrite = lambda method, path, body: {"error": said} if _summary(path) else body
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    lacks = f"HoneyHive: run {report['run']['id']}: its summary still lacks 3 of the 3 datapoints sent ("
    assert report["error"].startswith(lacks), report["error"]
    assert "(the summary's error: Evaluation summary could not be computed: ClickHouse timeout (key " in out
    assert API_KEY not in out
    assert API_KEY not in json.dumps(report)


def _still_running(method: str, path: str, body: Any) -> Any:
    """A summary the backend is still computing: ``running``, nothing aggregated or passed yet."""
    if _summary(path):
        body.update(status="running", success=False, passed=[], failed=[], metrics={"details": []})
        for row in body["datapoints"]:
            row["metrics"], row["passed"] = [], None
    return body


def test_a_summary_still_being_computed_is_waited_for_and_the_error_says_so_when_the_wait_ends(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """A summary ``running`` without aggregates was taken as final, and the user's evaluators were blamed ("topic_match
    has a passing range but no value ... its evaluator returned nothing"). It is polled again; a wait that ends says
    the backend was still computing."""
    reads = iter(range(1_000))
    wire.rewrite = lambda method, path, body: (
        _still_running(method, path, body) if _summary(path) and not next(reads) else body
    )
    code, out, report = wire.run(capsys)  # computing at the first read only: the second is the run's result
    assert (code, report["verdict"], report["counts"]["passed"]) == (0, "neutral", 3), out
    assert wire.proxy.routes[f"GET /v1/runs/{report['run']['id']}/summary"] >= 2

    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _still_running
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    computing = f"HoneyHive: run {report['run']['id']}: the backend was still computing its summary (status 'running')"
    assert report["error"].startswith(f"{computing} after waiting "), report["error"]
    assert "topic_match" not in out


def _no_metrics_yet(method: str, path: str, body: Any) -> Any:
    """A summary whose status is the run's, ``completed`` (the client PUTs it before it waits), while none of its
    metrics is in yet: every datapoint listed (and passed, as the rows say), no metric in the details or rows."""
    if _summary(path):
        body.update(status="completed", metrics={"details": []}, event_details=[])
        for row in body["datapoints"]:
            row["metrics"] = []
    return body


def test_a_completed_summary_without_the_metrics_the_run_recorded_is_waited_for_and_taken_as_it_is_at_the_end(
    wire: Wire, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A summary listing every datapoint, status ``completed`` but no metric in yet, was taken as final: "FAIL -
    topic_match has a passing range but no value on 3 ... no evaluator and no span recorded it", though the run's
    evaluators recorded a value on each. It is polled again until it has every ranged metric the run recorded; when
    the wait ends without them the last summary is judged as it is (a name the backend spells otherwise must not turn
    a run red), and the debug log says what it lacked."""
    reads = iter(range(1_000))
    wire.rewrite = lambda method, path, body: (
        _no_metrics_yet(method, path, body) if _summary(path) and next(reads) < 2 else body
    )
    code, out, report = wire.run(capsys)  # no metric at the first two reads: the third is the run's result
    assert (code, report["verdict"], report["counts"]["passed"]) == (0, "neutral", 3), out
    assert wire.proxy.routes[f"GET /v1/runs/{report['run']['id']}/summary"] >= 3

    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _no_metrics_yet
    with caplog.at_level(logging.DEBUG, logger="honeyhive_experiment.client"):
        code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (1, "fail"), out  # as before the wait looked for the metrics, not an error
    assert "topic_match has a passing range but no value on 3" in out
    assert "the backend's summary lacks the values this run recorded on each of them" in out  # not 'no evaluator'
    lacked = "its summary has no value of topic_match, keyword_recall, which the run recorded"
    assert any(lacked in record.getMessage() for record in caplog.records), caplog.text


def _first_row_without_its_datapoint_id(*, lists_too: bool) -> Rewrite:
    """A summary whose first row has ``datapoint_id: null`` (the API allows it), its ``session_id`` as sent; with
    ``lists_too`` naming that datapoint by the session wherever it lists one (passed/failed, the summary's and each
    metric's)."""

    def rewrite(method: str, path: str, body: Any) -> Any:
        if _summary(path):
            row = body["datapoints"][0]
            datapoint_id, row["datapoint_id"] = row["datapoint_id"], None
            details = body["metrics"]["details"]
            for held in [body, *(detail["datapoints"] for detail in details if detail.get("datapoints"))]:
                for name in ("passed", "failed") if lists_too else ():
                    held[name] = [row["session_id"] if i == datapoint_id else i for i in held.get(name) or []]
        return body

    return rewrite


@pytest.mark.parametrize("lists_too", [True, False], ids=["named by its session everywhere", "in its row only"])
def test_a_summary_row_without_its_datapoint_id_is_the_datapoint_of_its_session(
    wire: Wire, capsys: pytest.CaptureFixture[str], lists_too: bool
) -> None:
    """A row may carry ``datapoint_id: null`` beside its ``session_id``: the wait compared the datapoint ids sent, so
    such a summary never covered the run ("its summary still lacks 1 of the 3 datapoints sent" once the wait ran out);
    and once past the wait, the row read as a fourth datapoint ("4 of 4 passed", "no value on 1"). The run knows which
    datapoint each of its sessions ran: the row, and any list naming its session, is that datapoint."""
    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _first_row_without_its_datapoint_id(lists_too=lists_too)
    code, out, report = wire.run(capsys)
    assert (report["error"], report["verdict"], report["counts"]["total"]) == (None, "neutral", 3), out
    assert code == 0, out


def test_a_summary_refused_with_the_apis_400_is_asked_again_and_the_error_quotes_the_backend(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit65 F7d: ``400 {"error": "Error processing experiment summary"}``, the API's only error answer for a summary
    (computed on request while the run may still be ingested), ended the run in error at once. It is asked again within
    ``ingestion.timeout``. audit71 F4: a wait that ended on it was an ingestion error, whose advice was to raise
    ``ingestion.timeout``: it is the backend's, saying it could not compute the summary in its own words."""
    refused = (400, {"error": "Error processing experiment summary"})
    reads = iter(range(1_000))
    wire.answer = lambda method, path: refused if _summary(path) and not next(reads) else None
    code, out, report = wire.run(capsys)  # refused at the first read only: the second is the run's result
    assert (code, report["verdict"], report["counts"]["passed"]) == (0, "neutral", 3), out
    assert wire.proxy.routes[f"GET /v1/runs/{report['run']['id']}/summary"] >= 2

    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.answer = lambda method, path: refused if _summary(path) else None
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"], report["error_kind"]) == (2, "error", "backend"), out
    route = f"GET /v1/runs/{report['run']['id']}/summary failed with HTTP 400"
    quoted = "the backend could not compute the run's summary: Error processing experiment summary (asked again for "
    assert report["error"].startswith(f"HoneyHive: {route}: {quoted}"), report["error"]
    assert "ingestion.timeout" not in out


def test_a_summary_trickling_in_past_its_deadline_ends_the_read_naming_the_route(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit65 F6: a summary's body sent a few bytes at a time, each piece within the read timeout, was read for as
    long as it kept coming (a summary read of 80 s; neither ``ingestion.timeout`` nor the circuit bounded it). The
    whole answer is held to its attempt's timeout (the long read's): an error naming the route, not retried."""
    code, out, report = wire.run(capsys, direct=True)
    assert code == 0, out
    run_id = report["run"]["id"]
    wire.trickle = lambda method, path: (16, 0.02) if _summary(path) else None  # a summary of kBs: some seconds
    with (
        HoneyHiveClient(wire.proxy.url, API_KEY, timeouts=Timeouts(long_read=1.0)) as client,
        pytest.raises(ApiError) as raised,
    ):
        client.get_run_summary(run_id)
    late = f"GET /v1/runs/{run_id}/summary failed with HTTP 200: the answer was still arriving after "
    assert str(raised.value).startswith(late), raised.value
    assert str(raised.value).endswith(" s (its deadline: 1 s)"), raised.value
    assert wire.proxy.routes[f"GET /v1/runs/{run_id}/summary"] == 1


def _without_topic_match(method: str, path: str, body: Any) -> Any:
    """A summary without one metric the run recorded on every datapoint, topic_match (ranged): not in its details, nor
    in any row; the rest as sent."""
    if _summary(path):
        body["metrics"]["details"] = [d for d in body["metrics"]["details"] if d["metric_name"] != "topic_match"]
        for row in body["datapoints"]:
            row["metrics"] = [m for m in row["metrics"] if m["name"] != "topic_match"]
    return body


def test_a_summary_lacking_values_the_run_recorded_blames_the_backend_not_the_evaluator(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit65 F3: a summary without topic_match, which the run's evaluator recorded on each datapoint, read "FAIL -
    topic_match has a passing range but no value on 3 ...: no evaluator and no span recorded it" (its evaluator
    "returned nothing" when the details kept it elsewhere). The run's own outcomes hold the values: the backend lost
    them or had not summarised them, and the reason says so, naming one. Still a failure: the range was never
    checked."""
    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _without_topic_match
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (1, "fail"), out
    [reason] = report["reasons"]
    said = re.fullmatch(
        r"topic_match has a passing range but no value on 3 of the datapoints the backend passed: the backend's summary"
        r" lacks the values this run recorded on each of them \((.+) and 2 more\): lost, or not summarised yet when"
        r" the wait for it ended",
        reason,
    )
    assert said is not None, reason
    with HoneyHiveClient(wire.backend.url, API_KEY) as direct:
        assert said[1] in direct.get_run_summary(report["run"]["id"]).passed
    assert reason in out


def _minimal_details(method: str, path: str, body: Any) -> Any:
    """A summary whose metric details carry the spec's required ``metric_name`` and a few fields beside it, but no
    ``values`` and no ``datapoints`` id lists (both optional); the rows as sent."""
    if _summary(path):
        kept = ("metric_name", "metric_type", "event_name", "event_type", "aggregate")
        body["metrics"]["details"] = [{k: d[k] for k in kept if k in d} for d in body["metrics"]["details"]]
    return body


def test_a_summary_with_the_specs_minimal_details_is_judged_by_its_rows(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """Details without ``values`` or id lists, every row holding its values, read "FAIL - topic_match has a passing
    range but no value on 3 ... its evaluator returned nothing for them". The rows say which datapoints have one."""
    wire.rewrite = _minimal_details
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"], report["counts"]["passed"]) == (0, "neutral", 3), out
    assert "no value" not in out


def _lists_left_empty(method: str, path: str, body: Any) -> Any:
    """A summary whose top-level ``passed``/``failed`` are empty (the API requires the lists, not that they name every
    datapoint), ``success`` true, the rows as sent."""
    if _summary(path):
        body.update(success=True, passed=[], failed=[])
    return body


def test_a_summary_passing_and_failing_its_datapoints_in_their_rows_only_is_judged_by_them(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """Empty top-level ``passed``/``failed`` beside rows each saying ``passed: false`` read "PASS (no datapoints were
    evaluated)", exit 0. A row the lists leave out is passed or failed as the row says."""
    strict = stricter_twin(wire.root)  # answer_words at most 1: every datapoint fails
    wire.rewrite = _lists_left_empty
    code, out, report = wire.run(capsys, "--config", strict)
    assert (code, report["verdict"]) == (1, "fail"), out
    assert (report["counts"]["passed"], report["counts"]["failed"]) == (0, 3), report["counts"]
    assert "no datapoints were evaluated" not in out


FLAKY_EMAIL = """

import itertools as _itertools

_email_calls = _itertools.count()
_answer = answer


def answer(datapoint):
    \"\"\"Every other call about the email misses its topic: of two trials, one fails.\"\"\"
    found = _answer(datapoint)
    if "email" in datapoint["inputs"]["question"] and next(_email_calls) % 2:
        found = {**found, "answer": "No idea, sorry."}
    return found
"""


def _unreduced(backend: LocalBackend) -> Rewrite:
    """The summary of a backend that does not reduce trials (audit65 F4; the API knows none): the embedded backend's
    summary of the run with each session a datapoint of its own, then named by its datapoint id again. One row per
    session, each passed or failed on its own, ids repeated in every list, no ``trials``, ``flaky`` or ``spread``."""

    def rewrite(method: str, path: str, body: Any) -> Any:
        if not _summary(path) or not body.get("datapoints"):
            return body
        project = Project.for_key(API_KEY).project_id
        records = backend.store.run_records(project, path.split("?", 1)[0].split("/")[3], time.time())
        apart = [replace(r, datapoint_id=f"{r.datapoint_id}\t{r.session_id}") if r.datapoint_id else r for r in records]
        ranges = {d["metric_name"]: d["passing_range"] for d in body["metrics"]["details"] if d.get("passing_range")}
        alone = summarize(apart, ranges, body["metrics"]["aggregation_function"], body["status"])
        named = json.loads(re.sub(r'\\t[^"]*"', '"', json.dumps(alone)))  # "<datapoint>\t<session>" → "<datapoint>"
        return {**named, "run_object": body["run_object"]}

    return rewrite


def test_trials_a_backend_did_not_reduce_are_counted_as_datapoints_and_said(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two trials on a backend whose summary has a row per session: 6 rows were read as 6 datapoints ("5 of 6 passed",
    the email question both passed and failed). Counted as datapoints (one failed when any of its rows failed: never
    greener than the rows), and the report says the backend did not reduce the trials."""
    app = wire.root / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + FLAKY_EMAIL, encoding="utf-8")
    wire.rewrite = _unreduced(wire.backend)
    code, out, report = wire.run(capsys, "--trials", "2")
    assert (code, report["verdict"]) == (1, "fail"), out
    assert (report["counts"]["passed"], report["counts"]["failed"], report["counts"]["total"]) == (2, 1, 3), out
    [failed] = report["datapoints"]["failed"]
    assert "email" in failed["inputs"]
    assert [m["name"] for m in failed["failing_metrics"]] == ["keyword_recall"]  # its failed trial's row says why
    said = "HoneyHive's summary did not reduce the 2 trials of each datapoint (6 rows for 3 datapoints): they are"
    assert any(warning.startswith(said) for warning in report["warnings"]), report["warnings"]


def test_evaluate_says_the_trials_a_backend_did_not_reduce(wire: Wire, caplog: pytest.LogCaptureFixture) -> None:
    """The same answer through the Python API, which reaches no ``flow.judge``: ``evaluate()`` counted the 6 rows as
    datapoints without a word. It logs the command's warning, as it does its others."""

    def topic_match(outputs: object, inputs: object) -> float:
        return 1.0

    wire.rewrite = _unreduced(wire.backend)
    rows = [{"inputs": {"question": f"q{i}"}} for i in range(3)]
    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        evaluate(
            lambda inputs: {"answer": "x"},
            rows,
            evaluators=[topic_match],
            trials=2,
            api_key=API_KEY,
            server_url=wire.proxy.url,
            print_results=False,
        )
    said = "HoneyHive's summary did not reduce the 2 trials of each datapoint (6 rows for 3 datapoints): they are"
    assert [r.levelname for r in caplog.records if r.getMessage().startswith(said)] == ["WARNING"], caplog.text


def _count_of_the_page(method: str, path: str, body: Any) -> Any:
    """The export as the spec shapes it, ``{events, count}``: no ``totalEvents``, ``count`` the page's length."""
    if path.startswith("/v1/events/export"):
        body.pop("totalEvents", None)
        body["count"] = len(body["events"])
    return body


def test_an_export_whose_count_is_its_pages_length_is_counted_page_by_page(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """The spec's export answer is ``{events, count}``, ``count`` undefined: taken as the page's length, the wait asked
    for one session, read a total of 1 and every run ended in error ("only 1 of 3 datapoints were visible"). A
    ``count`` no larger than the page is no total: the sessions are counted page by page."""
    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _count_of_the_page
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"], report["counts"]["passed"]) == (0, "neutral", 3), out


# ------------------------------------------------------------------------------------------ the comparison


def _compared(answer: Callable[[Any], Any]) -> Rewrite:
    return lambda method, path, body: answer(body) if "/compare/" in path else body


def test_a_comparison_without_its_fields_is_an_error_naming_the_route_at_once(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """``{}`` for the comparison turned a crossed gate into NEUTRAL ("the baseline has no value for it", "Compared on 0
    of 3 datapoints (3 new, 3 gone)"), a PASS without a gate. An answer without the API's fields is no lag: not asked
    again."""
    code, out, baseline = wire.run(capsys, direct=True)
    assert code == 0, out
    wire.rewrite = _compared(lambda body: {})
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    route = f"GET /v1/runs/{report['run']['id']}/compare/{baseline['run']['id']}"
    refusal = "the comparison lacks metrics, commonDatapoints, old_run, new_run, which HoneyHive's API requires"
    assert report["error"].startswith(f"HoneyHive: {route} failed with HTTP 200: {refusal}"), report["error"]
    assert wire.proxy.routes[route] == 1


def test_a_comparison_lagging_behind_the_summaries_is_asked_again_and_the_error_says_how_long_it_waited(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """Right after a run the backend's comparison may pair fewer datapoints than both summaries list (it ingests
    asynchronously): one such answer ended the check in error at once. It is asked again within ``ingestion.timeout``;
    an error only once that is spent, saying what the comparison still lacked and how long it waited."""
    code, out, baseline = wire.run(capsys, direct=True)
    assert code == 0, out
    answers = iter(range(1_000))
    wire.rewrite = _compared(
        lambda body: body if next(answers) else {**body, "commonDatapoints": body["commonDatapoints"][1:]}
    )
    code, out, report = wire.run(capsys)  # the first answer lags by one datapoint, the second pairs all three
    assert (code, report["verdict"]) == (0, "pass"), out
    assert report["comparison"]["common_datapoints"] == 3
    assert wire.proxy.routes[f"GET /v1/runs/{report['run']['id']}/compare/{baseline['run']['id']}"] == 2

    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _compared(lambda body: {**body, "commonDatapoints": []})
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    route = f"GET /v1/runs/{report['run']['id']}/compare/"
    lacked = "the comparison's commonDatapoints paired none of the 3 datapoints both runs scored ("
    assert report["error"].startswith(f"HoneyHive: {route}"), report["error"]
    assert f" failed with HTTP 200: {lacked}" in report["error"], report["error"]
    assert ") after waiting 0." in report["error"], report["error"]


def _swapped(body: Any) -> Any:
    """The comparison of the two runs the other way round, as its ``old_run``/``new_run`` say."""
    return {**body, "old_run": body["new_run"], "new_run": body["old_run"]}


def test_a_comparison_of_other_runs_than_those_asked_is_refused_naming_both(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """A comparison whose ``new_run``/``old_run`` are the asked runs the other way round had its run ids overwritten
    with those asked: a 16 pp drop read as +16 pp, a PASS. It is refused at once, naming the route and both runs."""
    code, out, baseline = wire.run(capsys, direct=True)
    assert code == 0, out
    wire.rewrite = _compared(_swapped)
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    new, old = report["run"]["id"], baseline["run"]["id"]
    route = f"GET /v1/runs/{new}/compare/{old}"
    other = f"the comparison's new_run is run {old}, not {new}"
    assert report["error"].startswith(f"HoneyHive: {route} failed with HTTP 200: {other}"), report["error"]
    assert wire.proxy.routes[route] == 1


def _new_aggregates_off(body: Any) -> Any:
    """A stale comparison: its new aggregates not the new run's (some values not in when it was computed)."""
    metrics = [{**m, "new_aggregate": m["new_aggregate"] + 0.25} for m in body["metrics"]]
    return {**body, "metrics": metrics}


def test_a_comparison_disagreeing_with_the_summaries_is_asked_again_and_then_refused_naming_the_numbers(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """A comparison computed before the new run's values were all in was taken as it was: its aggregates, not the run's
    summary's, judged the gates (a drop read as none, a PASS). Where it aggregates the datapoints both summaries hold
    values of, its aggregates must be theirs: it is asked again within ``ingestion.timeout``, then refused naming the
    metric and both numbers. One that pairs fewer datapoints may aggregate only those: taken as it is."""
    code, out, baseline = wire.run(capsys, direct=True)
    assert code == 0, out
    answers = iter(range(1_000))
    wire.rewrite = _compared(lambda body: body if next(answers) else _new_aggregates_off(body))
    code, out, report = wire.run(capsys)  # stale at the first answer only
    assert (code, report["verdict"]) == (0, "pass"), out
    route = f"GET /v1/runs/{report['run']['id']}/compare/{baseline['run']['id']}"
    assert wire.proxy.routes[route] == 2

    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _compared(_new_aggregates_off)
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    with HoneyHiveClient(wire.backend.url, API_KEY) as direct:
        held = direct.get_run_summary(report["run"]["id"]).metric("answer_words")
    assert held is not None
    assert held.aggregate is not None
    numbers = f"is {held.aggregate + 0.25:.6g} where the new run's summary says {held.aggregate:.6g} after waiting 0."
    assert "failed with HTTP 200: the comparison's new_aggregate of answer_words (event answer) " in report["error"]
    assert numbers in report["error"], report["error"]

    wire.rewrite = _compared(
        lambda body: _new_aggregates_off({**body, "commonDatapoints": body["commonDatapoints"][1:]})
    )
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"], report["comparison"]["common_datapoints"]) == (0, "pass", 2), out


_SPEC_FIELDS = ("metric_name", "metric_type", "old_aggregate", "new_aggregate", "difference", "percentage_change")


@pytest.mark.parametrize(
    "metric",
    [
        lambda m: {k: m[k] for k in _SPEC_FIELDS},
        lambda m: {**m, "percentage_change": "N/A", "improved": False, "degraded": False},
    ],
    ids=["the spec's fields only", "the older service's N/A and flags"],
)
def test_a_comparison_in_the_specs_or_the_older_services_shape_reads_each_metric_once(
    wire: Wire, capsys: pytest.CaptureFixture[str], metric: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """A comparison of the spec's fields only (no ``event_name``; both routes) showed every metric twice, its delta
    apart from the summary's detail on the metric's event; ``percentage_change: "N/A"`` (a baseline of 0) or
    ``improved: false`` ended in pydantic's dump naming no route. Each reads as the one metric it is."""
    code, out, _ = wire.run(capsys, direct=True)
    assert code == 0, out
    wire.rewrite = lambda method, path, body: (
        {**body, "metrics": [metric(m) for m in body["metrics"]]} if "/compare" in path else body
    )
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (0, "pass"), out
    shown = [(m["name"], m["event_name"]) for m in report["metrics"]]
    assert shown == [(name, "answer") for name in ("topic_match", "keyword_recall", "answer_words")], shown


def test_a_comparison_still_pairing_only_some_datapoints_when_the_wait_ends_is_taken_with_a_warning(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """A comparison that, once ``ingestion.timeout`` ran out, paired some but not all of the datapoints both runs
    scored ended the check in error: against a HoneyHive whose comparison leaves some out for good, every run would.
    It is taken as it is, and the verdict warns which datapoints it left out (they read as new and gone)."""
    code, out, _ = wire.run(capsys, direct=True)
    assert code == 0, out
    wire.ingestion_timeout(0.1)  # one look, no wait
    left_out: list[str] = []

    def without_the_first(body: Any) -> Any:
        left_out.append(body["commonDatapoints"][0])
        return {**body, "commonDatapoints": body["commonDatapoints"][1:]}

    wire.rewrite = _compared(without_the_first)
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (0, "pass"), out
    assert report["comparison"]["common_datapoints"] == 2
    covers = "HoneyHive's comparison covers 2 of the 3 datapoints both runs scored; the other 1, still left out when"
    assert [w for w in report["warnings"] if w.startswith(covers) and w.endswith(left_out[0])], report["warnings"]


def _raising_on_the_second_question(root: Path) -> None:
    app = root / "support_bot" / "app.py"
    line = '    question = datapoint["inputs"]["question"]\n'
    source = app.read_text(encoding="utf-8")
    assert line in source
    raising = f'{line}    if "forgot" in question:\n        raise RuntimeError("no answer")\n'
    app.write_text(source.replace(line, raising), encoding="utf-8")


def test_a_comparison_leaving_out_a_datapoint_without_metrics_is_not_waited_for(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """A datapoint whose function raised has no metric in either summary: nothing of it can be compared, and a
    HoneyHive whose comparison leaves such datapoints out made every run with one wait ``ingestion.timeout`` and end in
    error. Only the datapoints both runs scored must be paired: no wait, no warning."""
    _raising_on_the_second_question(wire.root)
    code, out, baseline = wire.run(capsys, direct=True)
    with HoneyHiveClient(wire.backend.url, API_KEY) as direct:
        rows = direct.get_run_summary(baseline["run"]["id"]).datapoints
    errored = [row.datapoint_id for row in rows if not row.metrics]
    assert (len(errored), len(rows)) == (1, 3), out
    wire.ingestion_timeout(0.3)  # a wait would ask twice
    wire.rewrite = _compared(
        lambda body: {**body, "commonDatapoints": [i for i in body["commonDatapoints"] if i not in errored]}
    )
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"], report["error"]) == (1, "fail", None), out
    assert report["comparison"]["common_datapoints"] == 2
    assert wire.proxy.routes[f"GET /v1/runs/{report['run']['id']}/compare/{baseline['run']['id']}"] == 1
    assert not [w for w in report["warnings"] if "comparison covers" in w], report["warnings"]


def test_view_of_a_run_whose_summary_is_still_being_computed_waits_for_it(
    wire: Wire, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``view`` (and ``publish``) read a recorded run's summary once, and took one still ``running`` as the run's
    result: a run whose check was neutral (3 of 3 passed) viewed as "Failed", "no values". It is waited for as a
    run's own is; a wait that ends says the backend was still computing."""
    code, out, report = wire.run(capsys, direct=True)
    assert code == 0, out
    run_id, page = report["run"]["id"], tmp_path / "view.html"
    argv = ["view", run_id, "--no-open", "-C", str(wire.root), "--server-url", wire.proxy.url, "--html", str(page)]
    reads = iter(range(1_000))
    wire.rewrite = lambda method, path, body: (
        _still_running(method, path, body) if _summary(path) and not next(reads) else body
    )
    assert main(argv, environ={"HH_API_KEY": API_KEY}) == 0, capsys.readouterr()
    title = re.search(r"<title>(.*?) · ", page.read_text(encoding="utf-8"))
    assert title is not None
    assert (title[1], report["verdict"]) == ("Neutral", "neutral")  # not "Failed"
    assert wire.proxy.routes[f"GET /v1/runs/{run_id}/summary"] == 2

    wire.ingestion_timeout(0.1)  # one look, no wait
    wire.rewrite = _still_running
    assert main(argv, environ={"HH_API_KEY": API_KEY}) == 2
    computing = f"run {run_id}: the backend was still computing its summary (status 'running') after waiting "
    assert computing in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ the trend


def test_an_older_run_whose_summary_is_gone_is_left_out_of_the_trend_with_a_note(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """An older run deleted after the runs were listed (its summary 404) made this run's check an error, from the key
    metrics' trend, and the error did not say it came from there. That run is only left out of the trend."""
    _, _, oldest = wire.run(capsys, direct=True)
    _, _, newer = wire.run(capsys, direct=True)
    gone = oldest["run"]["id"]
    wire.missing = lambda method, path: path in (f"/v1/runs/{gone}/summary", f"/v1/runs/{gone}/result")
    code, out, report = wire.run(capsys)
    assert code == 0, out
    assert report["baseline"]["run_id"] == newer["run"]["id"]
    assert f"trend: run {gone} could not be read (HTTP 404), left out" in report["notes"]
    assert [point["run_id"] for point in report["trend"]] == [newer["run"]["id"]]


# ------------------------------------------------------------------------------------------ not the API


@pytest.mark.parametrize(
    ("method", "route", "recorded"),
    [("POST", "/v1/runs", False), ("GET", "/summary", True)],
    ids=["creating the run", "reading the summary"],
)
def test_a_web_page_answered_with_200_is_an_error_asking_whether_the_url_is_the_api(
    wire: Wire, capsys: pytest.CaptureFixture[str], method: str, route: str, recorded: bool
) -> None:
    """A sign-in page answered 200 to the run's creation was taken as the run created: a run id HoneyHive never had
    was shown; to a summary the error was the JSON parser's "lexical error". The error read "failed with HTTP 200"
    and named HH_API_URL only, which an action's user sets as the ``server-url`` input."""
    wire.page = lambda asked, path: asked == method and path.endswith(route)
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    run_id = report["run"]["id"]
    assert (run_id is not None) == recorded
    path = f"/v1/runs/{run_id}/summary" if recorded else route
    page = (
        f"answered HTTP 200 with a web page (text/html), not JSON: is {wire.proxy.url} HoneyHive's API? (the server"
        " URL: the `server-url` input, --server-url or HH_API_URL)"
    )
    assert report["error"] == f"HoneyHive: {method} {path} {page}", report["error"]


def test_sessions_the_backend_refuses_leave_no_function_running_and_no_call_outside_a_datapoint(
    wire: Wire, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Every session refused (a 422): the run warned of 3 calls "abandoned by the timeout (or a cancel)" and of 3 LLM
    calls "outside any datapoint's context" (audit73 N1), though no timeout ran out: a datapoint whose session failed
    to start left its function running. It is waited for now, as a recorded datapoint's: only the refusal is said.
    (The function made slower than the refusal: it was still running when its datapoint ended.)"""
    app = wire.root / "support_bot" / "app.py"
    app.write_text(app.read_text().replace("SIMULATED_LATENCY_S = 0.02", "SIMULATED_LATENCY_S = 0.5"))
    wire.answer = lambda method, path: (422, {"detail": "no"}) if (method, path) == ("POST", "/v1/sessions") else None
    with caplog.at_level(logging.WARNING):
        code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (1, "fail"), out
    assert any("session not started: POST /v1/sessions failed with HTTP 422" in r for r in report["reasons"]), report
    said = caplog.text + json.dumps(report)
    assert "abandoned by the timeout" not in said
    assert "outside any datapoint" not in said


def test_an_empty_answer_typed_text_html_is_no_web_page(wire: Wire, capsys: pytest.CaptureFixture[str]) -> None:
    """A server answering the run's writes 204 with ``Content-Type: text/html`` and no body (Flask's default for
    ``return "", 204``) made the run's creation an error: "failed with HTTP 204: the answer is text/html, not JSON".
    An empty answer says nothing, as the API's own do: the run is recorded and judged."""
    wire.emptied = lambda method, path: method in ("POST", "PUT") and path.startswith("/v1/runs")
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"], report["error"]) == (0, "neutral", None), out
    run_id = report["run"]["id"]
    assert (wire.proxy.routes["POST /v1/runs"], wire.proxy.routes[f"PUT /v1/runs/{run_id}"] > 0) == (1, True)


def test_listing_runs_says_when_it_stopped_before_the_oldest(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """``iter_runs`` reads a bounded number of pages: a caller judging "no such run yet" on what it read must not
    be the only one to know that older runs were left unread, so the client warns (and does not when it read all)."""
    for n in range(3):
        hh.create_run({"run_id": f"00000000-0000-4000-8000-00000000000{n}", "name": "paged", "status": "completed"})
    assert len(list(hh.iter_runs(max_pages=3, limit=1, name="paged"))) == 3
    assert "older runs were not read" not in caplog.text
    assert len(list(hh.iter_runs(max_pages=2, limit=1, name="paged"))) == 2
    assert "read the newest 2 page(s) of runs matching {'limit': 1, 'name': 'paged'}" in caplog.text


def _ranges_not_applied(method: str, path: str, body: Any) -> Any:
    """A summary valid by the contract from a backend that did not apply the run's passing ranges: every datapoint
    passed, the first one's topic_match at 0 under the quickstart's ``min: 1``."""
    if _summary(path) and body.get("datapoints"):
        for row in body["datapoints"]:
            row["passed"] = True
            for metric in row["metrics"]:
                metric["passed"] = True
        first = body["datapoints"][0]
        first["metrics"] = [{**m, "value": 0} if m["name"] == "topic_match" else m for m in first["metrics"]]
        body.update(success=True, passed=[row["datapoint_id"] for row in body["datapoints"]], failed=[])
    return body


def test_a_summary_that_passed_a_datapoint_outside_the_runs_range_decides_nothing(
    wire: Wire, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit65 F1: a backend that did not judge the run by the ranges it was created with passed everything, and the
    check was green. A pass outside the run's range is refused, naming the datapoint: an error, never a pass."""
    wire.rewrite = _ranges_not_applied
    code, out, report = wire.run(capsys)
    assert (code, report["verdict"]) == (2, "error"), out
    first = report["error"].split("passed datapoint ", 1)[1].split(",", 1)[0]
    assert f"passed datapoint {first}, whose topic_match is 0, outside its range (≥ 1)" in report["error"]
    assert "did not judge the run by the passing ranges the run was created with" in report["error"]


def test_evaluate_refuses_a_summary_that_passed_a_datapoint_outside_its_range(wire: Wire) -> None:
    """The same through the Python API, which reaches no ``flow.judge``: ``evaluate()`` raises, naming the run."""
    from honeyhive_experiment import evaluate
    from honeyhive_experiment.errors import ExperimentError

    def topic_match(outputs: object, inputs: object) -> float:
        return 1.0

    wire.rewrite = _ranges_not_applied
    rows = [{"inputs": {"question": f"q{i}"}} for i in range(3)]
    with pytest.raises(ExperimentError, match="whose topic_match is 0, outside its range") as raised:
        evaluate(
            lambda inputs: {"answer": "x"},
            rows,
            evaluators=[topic_match],
            passing_ranges={"topic_match": {"min": 1}},
            api_key=API_KEY,
            server_url=wire.proxy.url,
            print_results=False,
        )
    assert raised.value.run_id is not None


# ------------------------------------------------------------------ evaluate() and the command on the same answers


def _evaluated(wire: Wire, config: str = ".honeyhive/experiment.yml") -> ExperimentResult:
    """The quickstart's experiment file ``config`` run by ``evaluate()`` through the proxy, as a script would: its
    function and evaluators, its passing ranges, its ingestion timeout, the same rows."""
    loaded = load_config(wire.root / config)
    text = (wire.root / "data" / "questions.jsonl").read_text(encoding="utf-8")
    ranges = {name: bounds.model_dump(exclude_none=True) for name, bounds in loaded.passing_ranges.items()}
    with in_repository(wire.root), HoneyHiveClient(wire.proxy.url, API_KEY) as hh:
        code = load_user_code(loaded, config, wire.root)
        return evaluate(
            code.function,
            [json.loads(line) for line in text.splitlines()],
            client=hh,
            evaluators=code.evaluators,
            name=loaded.name,
            passing_ranges=ranges,
            ingestion_timeout=loaded.ingestion.timeout,
            print_results=False,
        )


def _ids(text: str) -> str:
    """``text`` with its run ids and datapoint ids masked: two runs of the same rows differ by those alone."""
    return re.sub(r"EXT-[0-9a-f]+", "EXT-…", re.sub(r"run [0-9a-f-]{36}", "run …", text))


# (rule, rewrite of the summary, the stricter experiment file, no wait for what the summary lacks, the command's exit)
PARITY: list[tuple[str, Rewrite | None, bool, bool, int]] = [
    ("as sent: nothing to compare with yet, neutral", None, False, False, 0),
    ("datapoints failed their ranges", None, True, False, 1),
    ("rows failed that the summary's lists leave out, success true (audit65 F2)", _lists_left_empty, True, False, 1),
    ("a metric's values the run recorded missing from the summary (audit65 F3)", _without_topic_match, False, True, 1),
    ("a pass outside the run's range (audit65 F1): an error, evaluate() raises", _ranges_not_applied, False, False, 2),
]


@pytest.mark.parametrize(("rule", "rewrite", "strict", "no_wait", "code"), PARITY, ids=[c[0] for c in PARITY])
def test_evaluate_succeeds_exactly_where_the_command_exits_0_and_says_why_not_in_its_words(
    wire: Wire,
    capsys: pytest.CaptureFixture[str],
    rule: str,
    rewrite: Rewrite | None,
    strict: bool,
    no_wait: bool,
    code: int,
) -> None:
    """``ExperimentResult.success`` is "judged by the command line's rule": the same answers through the command
    (``fail-on-error`` true, neutral exits 0) and through ``evaluate()``. A summary saying ``success`` beside rows it
    failed outside its lists read the command's FAIL (audit65 F2's rule), and evaluate()'s ``success`` was True. Each
    reason ``broken`` gives, which print_table prints, is one of the command's, in its words; an error is raised."""
    config = stricter_twin(wire.root) if strict else ".honeyhive/experiment.yml"
    if no_wait:
        wire.ingestion_timeout(0.1)  # one look, no wait
    if rewrite is not None:
        wire.rewrite = rewrite
    exit_code, out, report = wire.run(capsys, "--config", config)
    assert exit_code == code, out
    if code == 2:
        with pytest.raises(ExperimentError) as raised:
            _evaluated(wire, config)
        assert _ids(str(raised.value)) in _ids(report["error"])
        return
    result = _evaluated(wire, config)
    assert result.success is (code == 0)
    failing = report["reasons"] if code == 1 else []  # a neutral verdict's reasons fail nothing
    assert [_ids(reason) for reason in result.broken] == [
        _ids(reason) for reason in failing if "datapoint(s) failed their passing ranges" not in reason
    ]
    shown = io.StringIO()
    result.print_table(file=shown)
    assert f"Success: {code == 0} (HoneyHive: " in shown.getvalue()
    assert all(f"Not a success: {reason}" in shown.getvalue() for reason in result.broken)


# ------------------------------------------------------------------------------------------ datasets by name


@pytest.mark.parametrize(
    ("listed", "chosen"),
    [
        (["qa", "qa-large"], "a"),  # a server whose name filter matches substrings, as the runs' does: the exact one
        (["qa-large", "qa"], "b"),
        (["qa"], "a"),
        (["qa", "qa"], None),  # two of that very name: which one was meant cannot be told
        (["qa-large"], "none"),  # once qa is gone, another dataset whose name holds it: not this one (audit82)
        (["QA"], "none"),
    ],
)
def test_a_dataset_named_is_the_one_of_exactly_that_name(wire: Wire, listed: list[str], chosen: str | None) -> None:
    """Two datasets in the answer to ``name=qa`` were an error "2 datasets named 'qa'" even when one was ``qa-large``
    (audit81): the API does not say its name filter is exact."""
    datasets = [{"id": ident, "name": name, "datapoints": []} for ident, name in zip("abc", listed, strict=False)]
    wire.rewrite = lambda method, path, body: {"datasets": datasets} if path.startswith("/v1/datasets") else body
    with HoneyHiveClient(wire.proxy.url, API_KEY) as client:
        if chosen == "none":
            with pytest.raises(ExperimentError, match=rf"no dataset named 'qa' \(HoneyHive lists {listed[0]}\)"):
                client.get_dataset(name="qa")
        elif chosen is None:
            with pytest.raises(ExperimentError, match=r"HoneyHive has 2 datasets named 'qa' \(a, b\)"):
                client.get_dataset(name="qa")
        else:
            assert client.get_dataset(name="qa")["id"] == chosen


def _exists_matching_null(method: str, path: str, body: Any) -> Any:
    """An export whose ``exists`` matches a null field too (Mongo's ``$exists``; every event has an ``error``)."""
    if path.startswith("/v1/events/export"):
        body["filters"] = [f for f in body["filters"] if f.get("operator") != "exists"]
    return body


def test_a_datapoint_is_errored_by_its_events_error_whatever_the_exports_exists_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The errored datapoints were those whose chain event the export found with ``error exists``: only
    honeyhive_local says a null ``error`` does not exist; under Mongo's ``$exists`` every datapoint matched, and a pull
    request that only added a datapoint failed as 'newly errored' (audit84 F1). The ``error`` read is what counts."""
    root = copy_quickstart(tmp_path / "repo", questions=4)
    dataset = root / "data" / "questions.jsonl"
    rows = dataset.read_text(encoding="utf-8").splitlines(True)
    dataset.write_text("".join(rows[:3]), encoding="utf-8")
    init_repository(root)
    report = tmp_path / "report.json"
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as backend,
        FaultProxy(backend.url, rate=0, rewrite_request=_exists_matching_null) as proxy,
        HoneyHiveClient(proxy.url, API_KEY) as client,
    ):

        def run() -> tuple[int, str, dict[str, Any]]:
            argv = ["run", "--dry-run", "-C", str(root), "--server-url", proxy.url, "--report", str(report)]
            code = main(argv, environ={"HH_API_KEY": API_KEY})
            return code, capsys.readouterr().out, json.loads(report.read_text(encoding="utf-8"))

        assert run()[0] == 0  # the baseline
        dataset.write_text("".join(rows), encoding="utf-8")
        git(root, "commit", "-qam", "one more question")
        code, out, judged = run()
        assert (code, judged["verdict"], judged["datapoints"]["errored"]) == (0, "pass", []), out
        assert client.errored_datapoints(judged["run"]["id"]) == set()

        app = root / "support_bot" / "app.py"
        asked = '    question = datapoint["inputs"]["question"]\n'
        raising = '    if "delete" in question.lower():\n        raise KeyError("price_table")\n'
        app.write_text(app.read_text(encoding="utf-8").replace(asked, asked + raising), encoding="utf-8")
        git(root, "commit", "-qam", "crash on one")
        code, out, judged = run()
        assert (code, len(judged["datapoints"]["errored"])) == (1, 1), out
        assert "1 datapoint(s) newly errored" in judged["reasons"][0]
        assert client.errored_datapoints(judged["run"]["id"]) == {e["id"] for e in judged["datapoints"]["errored"]}

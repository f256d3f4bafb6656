"""One ``ingestion.timeout`` per judged run: the wait for the run's summary and the wait for a lagging comparison
share it (README: the job "waits up to ``ingestion.timeout``"), in ``run`` and in ``view`` (as in ``publish``); and
in a ``mode: report`` job, the wait for the shards' datapoints and the wait for the run's summary.

Real dry runs of the quickstart (three questions, a git repository on ``main``) against a served ``honeyhive_local``
through the fault proxy (faultproxy.py), which plays a HoneyHive still computing the run's summary at its first reads
and whose comparison leaves a datapoint out for good. No clock is read: the waits are counted in requests, and the
waits between them are :func:`~honeyhive_experiment.client.poll`'s, 0.25 s, then 0.5 s, 1 s, 2 s. The timings leave
seconds of room for slow requests on a loaded machine: a wait of its own would ask once more than a shared one can."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.action_world import World
from tests.action_world import world as world  # the fixture: a quickstart copy, the backend, fake GitHub
from tests.fakes.actions_runner import pull_request
from tests.honeyhive_experiment.faultproxy import FaultProxy
from tests.quickstart import copy_quickstart, init_repository

pytestmark = pytest.mark.integration

API_KEY = "hh-ingestion-deadline-key-0123456789"
COMPUTING = 4  # summary reads answered "running": the wait for the summary waits 0.25 + 0.5 + 1 + 2 = 3.75 s
TIMEOUT = 6  # ingestion.timeout: under 2.25 s is left, room for asking at most 4 times (at 0, 0.25, 0.75, 1.75 s);
# a whole timeout of its own asks 5 times (also at 3.75 s)
MOST_ASKS = 4
SUMMARY_WAIT = sum(0.25 * 2**i for i in range(COMPUTING))  # 3.75 s: at least this long in all, when it is said


@dataclass
class Lagging:
    """A HoneyHive that is still computing the summary of each run but ``settled`` at its first :data:`COMPUTING`
    reads, and whose comparison pairs every datapoint but the first, however often it is asked."""

    settled: str = ""  # the baseline's run id: its summary is read as it is
    pairs_none: bool = False  # the comparison pairs no datapoint at all
    reads: Counter[str] = field(default_factory=Counter)  # summary reads per run id

    def rewrite(self, method: str, path: str, body: Any) -> Any:
        route = path.split("?", 1)[0]
        run_id = route.split("/")[3] if route.startswith("/v1/runs/") else ""
        if route.endswith(("/summary", "/result")) and run_id != self.settled:
            self.reads[run_id] += 1
            if self.reads[run_id] <= COMPUTING:
                body.update(status="running", success=False, passed=[], failed=[], metrics={"details": []})
                for row in body["datapoints"]:
                    row["metrics"], row["passed"] = [], None
        elif "/compare/" in route:
            body = {**body, "commonDatapoints": [] if self.pairs_none else body["commonDatapoints"][1:]}
        return body


@dataclass
class Served:
    root: Path
    backend: LocalBackend
    proxy: FaultProxy
    lagging: Lagging

    def run(self, *, direct: bool = False) -> dict[str, Any]:
        """A dry run through the proxy (``direct``: to the backend); its report.json."""
        report = self.root.parent / "report.json"
        url = self.backend.url if direct else self.proxy.url
        argv = ["run", "--dry-run", "-C", str(self.root), "--server-url", url, "--report", str(report)]
        assert main(argv, environ={"HH_API_KEY": API_KEY}) in (0, 1, 2)
        loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        return loaded

    def comparisons(self, new: str, old: str) -> int:
        return self.proxy.routes[f"GET /v1/runs/{new}/compare/{old}"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    root = copy_quickstart(tmp_path / "repo", questions=3)
    config = root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    assert "ingestion: {timeout: 30}" in text
    config.write_text(text.replace("{timeout: 30}", f"{{timeout: {TIMEOUT}}}"), encoding="utf-8")
    init_repository(root)
    lagging = Lagging()
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as backend,
        FaultProxy(backend.url, rate=0, rewrite=lagging.rewrite) as proxy,
    ):
        yield Served(root, backend, proxy, lagging)


def test_the_summarys_wait_and_a_lagging_comparisons_share_one_ingestion_timeout(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    """The comparison was asked again for a whole ``ingestion.timeout`` after the wait for the run's summary had
    taken most of one: a run waited up to twice what its experiment file allows. 3.75 s of the 6 s went to the
    summary, so the comparison is asked at most four times, not five (0, 0.25, 0.75, 1.75 and 3.75 s into a wait of
    its own); it is taken as it is, with the warning that ``ingestion.timeout`` ran out."""
    baseline = served.run(direct=True)
    assert baseline["verdict"] == "neutral", baseline
    old = served.lagging.settled = baseline["run"]["id"]

    report = served.run()
    new = report["run"]["id"]
    assert (report["verdict"], report["error"]) == ("pass", None), capsys.readouterr().out
    assert served.lagging.reads[new] > COMPUTING  # the summary was waited for, as long as it was computing
    covers = "HoneyHive's comparison covers 2 of the 3 datapoints both runs scored; the other 1, still left out"
    assert [w for w in report["warnings"] if w.startswith(covers) and "when ingestion.timeout ran out" in w]
    assert 1 <= served.comparisons(new, old) <= MOST_ASKS


def test_a_comparison_pairing_none_says_how_long_the_run_was_waited_for_in_all(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    """A comparison that still paired none of the datapoints when ``ingestion.timeout`` ran out said "after waiting
    0.3 s" (its own wait: what the summary's wait left of the timeout), as if the timeout were too short to matter.
    It says the whole wait, the summary's too, of which timeout, and that raising it is what to do."""
    old = served.lagging.settled = served.run(direct=True)["run"]["id"]
    served.lagging.pairs_none = True

    report = served.run()
    assert report["verdict"] == "error", capsys.readouterr().out
    waited = rf"\) after waiting (\d+\.\d) s of ingestion.timeout's {TIMEOUT:g} s for HoneyHive to ingest and compare"
    found = re.search(waited, report["error"])
    assert found is not None, report["error"]
    assert float(found[1]) >= SUMMARY_WAIT  # the summary's wait, then the comparison's
    assert "(raise ingestion.timeout in the experiment file if HoneyHive needs more time)" in report["error"]
    assert 1 <= served.comparisons(report["run"]["id"], old) <= MOST_ASKS


def test_view_waits_for_the_summary_and_a_lagging_comparison_within_one_ingestion_timeout(
    served: Served, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``view`` (and ``publish``: the same function) waits for a recorded run's summary, then compares it with its
    check's baseline: the comparison too had a whole ``ingestion.timeout`` of its own."""
    old = served.run(direct=True)["run"]["id"]
    report = served.run(direct=True)  # compared with the first, and stamped so
    new = report["run"]["id"]
    assert report["baseline"]["run_id"] == old, report

    served.lagging.settled = old
    page = tmp_path / "view.html"
    argv = ["view", new, "--no-open", "-C", str(served.root), "--server-url", served.proxy.url, "--html", str(page)]
    assert main(argv, environ={"HH_API_KEY": API_KEY}) == 0, capsys.readouterr()
    assert served.lagging.reads[new] > COMPUTING
    assert 1 <= served.comparisons(new, old) <= MOST_ASKS


def test_a_report_jobs_wait_for_the_shards_and_for_the_summary_share_one_ingestion_timeout(world: World) -> None:
    """A ``mode: report`` job waited up to ``ingestion.timeout`` for the shards' datapoints, then up to another for
    the run's summary (and a third for a lagging comparison). Here the shard job's run shows up at the report job's
    fifth look (3.75 s into its 6 s) and its summary is still being computed at every read: what is left
    (under 2.25 s) reads it at most four times before the job ends in error, not five."""
    world.keep_questions(3)
    config = world.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    assert "ingestion: {timeout: 30}" in text
    config.write_text(text.replace("{timeout: 30}", f"{{timeout: {TIMEOUT}}}"), encoding="utf-8")

    def job(name: str, inputs: dict[str, str]) -> tuple[int, str]:
        step, env = world.step(pull_request(), inputs=inputs, name=name)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(["action"], environ=env)
        return code, f"{err.getvalue()}\n{step.summary()}"

    code, shown = job("shard", {"mode": "run", "shard": "1/1"})
    assert code == 0, shown
    looks = Counter[str]()
    reads = Counter[str]()

    def not_yet(method: str, path: str) -> bool:  # the run, until the report job's fifth look at it
        if method == "GET" and re.fullmatch(r"/v1/runs/[0-9a-f-]{36}", path.split("?", 1)[0]):
            looks[path] += 1
            return looks[path] <= COMPUTING
        return False

    def computing(method: str, path: str, body: Any) -> Any:
        if path.split("?", 1)[0].endswith(("/summary", "/result")):
            reads[path.split("/")[3]] += 1
            body.update(status="running", success=False, passed=[], failed=[], metrics={"details": []})
        return body

    with FaultProxy(world.backend.url, rate=0, missing=not_yet, rewrite=computing) as proxy:
        code, shown = job("report", {"mode": "report", "shard": "1/1", "server-url": proxy.url})
    assert code == 2, shown
    # after waiting for all of it, the shards' 3.75 s too (it said under 2.25 s: the summary's wait only)
    found = re.search(r"the backend was still computing its summary \(status 'running'\) after waiting (\S+) s", shown)
    assert found is not None, shown
    assert float(found[1]) >= SUMMARY_WAIT, shown
    [(_, looked)] = looks.items()  # the shared run, found at the fifth look
    assert looked > COMPUTING, looks
    assert 1 <= sum(reads.values()) <= MOST_ASKS, reads


def test_a_report_job_waits_for_a_completed_summary_to_hold_the_metrics_the_shards_recorded(world: World) -> None:
    """A ``mode: report`` job took a summary listing every datapoint, status ``completed`` (its status may be the
    run's, which the job PUTs before it waits) but no metric in yet, as final: "FAIL - topic_match has a passing range
    but no value on 3". It waits for every ranged or gated metric the shards recorded (the run's events say which)."""
    world.keep_questions(3)
    step, env = world.step(pull_request(), inputs={"mode": "run", "shard": "1/1"}, name="shard")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["action"], environ=env) == 0, f"{err.getvalue()}\n{step.summary()}"
    reads: list[str] = []

    def no_metrics_yet(method: str, path: str, body: Any) -> Any:  # at the first two summary reads
        if path.split("?", 1)[0].endswith(("/summary", "/result")):
            reads.append(path)
            if len(reads) <= 2:
                body.update(status="completed", metrics={"details": []}, event_details=[])
                for row in body["datapoints"]:
                    row["metrics"] = []
        return body

    with FaultProxy(world.backend.url, rate=0, rewrite=no_metrics_yet) as proxy:
        inputs = {"mode": "report", "shard": "1/1", "server-url": proxy.url}
        step, env = world.step(pull_request(), inputs=inputs, name="report")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(["action"], environ=env)
    assert code == 0, f"{err.getvalue()}\n{step.summary()}"
    assert len(reads) >= 3, reads

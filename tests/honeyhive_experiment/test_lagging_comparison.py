"""A comparison still lagging when ``ingestion.timeout`` runs out is no evidence of noise.

HoneyHive compares two runs asynchronously: its ``commonDatapoints`` can still leave out datapoints both runs scored
when the wait ends, and the comparison is then taken as it is, with a warning. Here 8 of 40 datapoints fall from 1.0
to 0.0 (the mean from 1 to 0.8) and exactly those 8 are the ones left out: the 32 compared read "0 of 32 worse, p =
1, too few changes to tell", which excused a ``significant: true`` gate past its bound as noise (PASS, and the run
was then a baseline). Its significance is unknown, so it fails as a plain threshold, saying why; and the report
says the comparison left them out, not that their ids changed or that they are new and gone.

Real dry runs against a served ``honeyhive_local`` through the fault proxy (faultproxy.py), whose comparison of the
second run with the first leaves the degraded datapoints out, however often it is asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.honeyhive_experiment.faultproxy import FaultProxy
from tests.quickstart import init_repository

pytestmark = pytest.mark.integration

API_KEY = "hh-lagging-comparison-key-0123456789"
ROWS, DROPPED = 40, range(32, 40)  # the datapoints that fall from 1.0 to 0.0, and that the comparison leaves out
APP = "lagging_comparison_app"  # a package name no other test imports

FILES = {
    ".honeyhive/experiment.yml": f"""\
name: lagging
function: {APP}.main:run
dataset: {{path: data/d.jsonl}}
evaluators: [{APP}.main:score]
metrics: {{score: {{direction: higher}}}}
gate: {{score: {{max_drop: 0.05, significant: true}}}}
ingestion: {{timeout: 1}}
""",
    "data/d.jsonl": "".join(json.dumps({"id": f"d{i}", "inputs": {"i": i}}) + "\n" for i in range(ROWS)),
    f"{APP}/__init__.py": "",
    f"{APP}/main.py": f"""\
from pathlib import Path

MODE = Path(__file__).parent / "mode"


def run(inputs, ground_truth=None):
    return {{"i": inputs["i"], "drop": MODE.exists()}}


def score(outputs, inputs, ground_truth=None):
    return 0.0 if outputs["drop"] and outputs["i"] >= {DROPPED.start} else 1.0
""",
}


def _lagging(method: str, path: str, body: Any) -> Any:
    """The comparison as HoneyHive's could still be: the dropped datapoints in neither its commonDatapoints nor
    any metric's lists."""
    if "/compare/" not in path:
        return body
    left = {f"d{i}" for i in DROPPED}
    out = {d for d in body["commonDatapoints"] if d.rsplit("-", 1)[-1] in left}
    body["commonDatapoints"] = [d for d in body["commonDatapoints"] if d not in out]
    for metric in body["metrics"]:
        for kind in ("improved", "degraded", "same"):
            metric[kind] = [d for d in metric[kind] if d not in out]
            metric[f"{kind}_count"] = len(metric[kind])
        metric["found_count"] = sum(len(metric[kind]) for kind in ("improved", "degraded", "same"))
    return body


@dataclass
class Served:
    root: Path
    backend: LocalBackend
    proxy: FaultProxy

    def run(self, *arguments: str, direct: bool = False) -> tuple[int, dict[str, Any]]:
        """A dry run through the proxy (``direct``: to the backend): its exit code and report.json."""
        report = self.root.parent / "report.json"
        url = self.backend.url if direct else self.proxy.url
        argv = ["run", "--dry-run", "-C", str(self.root), "--server-url", url, "--report", str(report), *arguments]
        code = main(argv, environ={"HH_API_KEY": API_KEY})
        loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        return code, loaded


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    root = tmp_path / "repo"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    init_repository(root)
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as backend,
        FaultProxy(backend.url, rate=0, rewrite=_lagging) as proxy,
    ):
        yield Served(root, backend, proxy)


def test_a_noise_aware_gate_is_not_excused_on_a_comparison_that_left_out_datapoints_both_runs_scored(
    served: Served,
) -> None:
    _, baseline = served.run(direct=True)
    (served.root / APP / "mode").touch()  # untracked: the commit stays the baseline's

    code, report = served.run("--baseline", baseline["run"]["id"])

    assert (code, report["verdict"]) == (1, "fail"), report
    assert report["reasons"] == [
        "score got worse by 0.2 (gate: at most 0.05): 0 of 32 worse; significance unknown: the comparison left out"
        " 8 datapoints both runs scored"
    ]
    assert not [w for w in report["warnings"] if "not significant, so not failed" in w], report["warnings"]
    [covers] = [w for w in report["warnings"] if w.startswith("HoneyHive's comparison covers 32 of the 40 datapoints")]
    # its ids come last: the report cuts a warning at 300 characters, which took the "why" after five ids
    assert "count in no metric's improved or degraded datapoints, and no gate crossed is excused as noise" in covers
    # the report says the comparison left them out: not that their ids changed, nor that they are new and gone
    assert report["comparison"] == {"common_datapoints": 32, "new_only_datapoints": 0, "old_only_datapoints": 0}
    assert report["baseline"]["changes"] == "8 left out of the comparison"
    # the runs share all 40: the comparison covers 32 of them
    shares = (report["baseline"]["shared_datapoints"], report["baseline"]["uncompared_datapoints"])
    assert shares == (32, 8)
    assert report["baseline"]["cause"].startswith("Cause: HoneyHive's comparison left out 8 datapoints both runs")
    assert "Likely cause" not in report["baseline"]["cause"], report["baseline"]["cause"]
    [score] = [m for m in report["metrics"] if m["name"] == "score"]
    assert (score["paired"], score["datapoints"], score["uncompared"]) == (32, 40, 8)


def test_a_max_degraded_that_held_on_the_datapoints_paired_is_not_known_to_hold_on_those_left_out(
    served: Served,
) -> None:
    """``max_degraded: 0`` on the same run: the 32 paired read "0 of 32 worse" and it passed (exit 0, PASS, only a
    coverage warning) though the 8 left out are exactly the 8 that fell 1 -> 0."""
    config = served.root / ".honeyhive/experiment.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("{max_drop: 0.05, significant: true}", "{max_degraded: 0}"),
        encoding="utf-8",
    )
    _, baseline = served.run(direct=True)
    (served.root / APP / "mode").touch()

    code, report = served.run("--baseline", baseline["run"]["id"])

    assert (code, report["verdict"]) == (1, "fail"), report
    said = (
        "score's max_degraded could not be fully checked (gate: at most 0): 0 of the 32 the comparison paired got"
        " worse, but HoneyHive's comparison did not count 8 more datapoints that have it in both runs (it had not"
        " compared them when ingestion.timeout ran out: raise it if HoneyHive needs more time)"
    )
    assert report["reasons"] == [said]
    assert report["gate_failures"] == [said]


def test_a_comparison_that_left_out_datapoints_of_runs_that_share_few_says_both(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    """The runs share only 12 of 40 datapoints (28 ids changed), and the comparison left out 8 of those 12: the
    texts said only that the comparison covers 4 "though the runs share 12", and the row only what it left out."""
    _, baseline = served.run(direct=True)
    rows = [{"id": f"d{i}" if i >= 28 else f"n{i}", "inputs": {"i": i}} for i in range(ROWS)]
    (served.root / "data/d.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    capsys.readouterr()

    served.run("--baseline", baseline["run"]["id"])

    shown = capsys.readouterr().out.splitlines()
    note = (
        "The comparison covers only 4 of 40 datapoints (10%): the two runs have only 12 in common (30%), and it left"
        " out some of those. Its changes describe part of the dataset, not a like-for-like run."
    )
    assert f"Warning: {note}" in shown
    assert f"> {note}" in shown
    assert [line for line in shown if "compared on 4 of 68 in either run (56 in one run only, and HoneyHive's" in line]


def _disagreeing(method: str, path: str, body: Any) -> Any:
    """A comparison whose lists disagree with the result and with its own counts."""
    if "/compare/" in path:
        body["commonDatapoints"].append("EXT-ghost")
        for metric in body["metrics"]:
            metric["degraded_count"] = len(metric["degraded"]) + 3
    return body


def test_a_comparison_whose_lists_disagree_says_so_in_the_report_and_the_log(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    """It read "compared on 41 of 40 datapoints" and "0 / 3" improved / degraded beside no datapoint listed worse."""
    _, baseline = served.run(direct=True)
    served.proxy.rewrite = _disagreeing
    capsys.readouterr()

    _, report = served.run("--baseline", baseline["run"]["id"])

    said = [
        "HoneyHive's comparison counts 1 datapoint as compared that this run's result does not have (EXT-ghost): the"
        " datapoints compared may outnumber this run's",
        "HoneyHive's comparison of score counts 3 datapoints degraded but lists 0: the counts shown are its counts, the"
        " datapoints shown its list",
    ]
    assert [w for w in report["warnings"] if w.startswith("HoneyHive's comparison")] == said
    log = capsys.readouterr().err
    assert all(f"warning: {warning}" in log for warning in said), log

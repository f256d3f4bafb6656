"""Issue 20 through the command line, as a new user would try it: a 40-question retrieval bot in a git repository,
a deterministic scorer (``keyword_recall``: 1 when the answer holds the keyword, else 0) and a noisy LLM judge
(``judge``: uniform noise ±0.3 around 0.7, different on every call), dry runs on the embedded backend.

The bot reads ``state.json`` on every call: which questions' retrieval is broken (their recall drops to 0), which
raise, and whether an evaluator is broken. One baseline run of the healthy bot is made once; every scenario then
runs against it (``--baseline``), in-process, with only argv and the environment made up.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.cli import main
from tests.quickstart import imported, jsonl, small_repository

pytestmark = pytest.mark.integration

ROWS = 40
COMMENT_START = "----- the comment that would be posted -----"

APP = """
import json
import pathlib
import random

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def _state():
    return json.loads(STATE.read_text(encoding="utf-8"))


def answer(datapoint):
    state = _state()
    inputs = datapoint["inputs"]
    number = inputs["number"]
    if number in state["raise"]:
        raise RuntimeError(f"the retriever timed out on question {number}")
    found = "nothing relevant" if number in state["broken"] else f"the answer is {inputs['keyword']}"
    return {"answer": found}


def respond(datapoint):  # answer under a new name: its event, named after the function, is "respond"
    return answer(datapoint)


def keyword_recall(outputs, inputs, ground_truth=None):
    return 1.0 if inputs["keyword"] in outputs["answer"] else 0.0


def judge(outputs, inputs, ground_truth=None):
    if _state()["judge_broken"]:
        return {"score": outputs["citations"]}  # the answer has no citations: KeyError
    return round(0.7 + random.uniform(-0.3, 0.3), 3)
"""

CONFIG = """\
name: retrieval-bot
function: retrieval_bot:answer
dataset: {{path: questions.jsonl}}
evaluators:
  - retrieval_bot:keyword_recall
  - retrieval_bot:judge
max_workers: 8
{extra}"""


@dataclass
class Bot:
    root: Path
    baseline: str  # the healthy run every scenario compares with

    def configure(self, extra: str = "") -> None:
        (self.root / ".honeyhive" / "experiment.yml").write_text(CONFIG.format(extra=extra), encoding="utf-8")

    def state(self, *, broken: int = 0, raising: int = 0, judge_broken: bool = False) -> None:
        self.put_state({"broken": list(range(broken)), "raise": list(range(raising)), "judge_broken": judge_broken})

    def put_state(self, state: Mapping[str, Any]) -> None:
        """What the bot's code reads on every call (state.json: ignored by git, so no run's checkout is dirty)."""
        (self.root / "state.json").write_text(json.dumps(state), encoding="utf-8")

    def record_baseline(self, code: int = 0) -> Run:
        """The first run, with nothing to compare with (exit ``code``): the run each later :meth:`run` compares with."""
        first = self.run(baseline=False)
        assert first.code == code, first.out
        self.baseline = first.report["run"]["id"]
        return first

    def run(self, *extra: str, baseline: bool = True) -> Run:
        """A dry run, compared with the healthy baseline (unless ``baseline`` is off or ``extra`` names another)."""
        report = self.root.parent / "report.json"
        argv = ["run", "--dry-run", "-C", str(self.root), "--report", str(report), *extra]
        if baseline:
            argv += ["--baseline", self.baseline]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv, environ={})
        return Run(code, out.getvalue(), err.getvalue(), json.loads(report.read_text(encoding="utf-8")))


@dataclass
class Run:
    code: int
    out: str
    err: str
    report: dict[str, Any]

    @property
    def comment(self) -> str:
        return self.out.split(COMMENT_START, 1)[1]

    @property
    def terminal(self) -> str:
        return self.out.split(COMMENT_START, 1)[0]

    def metric(self, name: str) -> dict[str, Any]:
        return next(m for m in self.report["metrics"] if m["name"] == name)


def committed(root: Path, files: Mapping[str, str], message: str) -> Bot:
    """The bot of :func:`~tests.quickstart.small_repository` at ``root``, no baseline recorded yet."""
    return Bot(small_repository(root, files, message), baseline="")


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    rows = [{"inputs": {"number": i, "keyword": f"kw{i}"}} for i in range(ROWS)]
    files = {
        "retrieval_bot.py": APP,
        "questions.jsonl": jsonl(rows),
        ".honeyhive/experiment.yml": CONFIG.format(extra=""),
    }
    with imported("retrieval_bot"):
        made = committed(tmp_path_factory.mktemp("retrieval") / "bot", files, "a retrieval bot")
        made.state()
        made.record_baseline()
        yield made


@pytest.fixture(autouse=True)
def healthy(bot: Bot) -> None:
    """Each scenario starts from the healthy bot and its plain configuration."""
    bot.configure()
    bot.state()


# ------------------------------------------------------------------------------------------ gates are thresholds


def test_six_of_forty_worse_past_a_five_percent_gate_fails(bot: Bot) -> None:
    bot.configure("gate: {keyword_recall: {max_drop_pct: 5}}\n")
    bot.state(broken=6)
    run = bot.run()
    assert run.code == 1, run.out
    assert run.report["reasons"] == [
        "keyword_recall got worse by 15.0% (gate: at most 5%): 6 of 40 worse, p = 0.016",
    ]
    assert "keyword_recall got worse by 15.0% (gate: at most 5%): 6 of 40 worse, p = 0.016" in run.terminal


def test_four_of_forty_worse_fails_by_default_with_its_p_value(bot: Bot) -> None:
    bot.configure("gate: {keyword_recall: {max_drop_pct: 5}}\n")
    bot.state(broken=4)
    run = bot.run()
    assert run.code == 1, run.out
    [reason] = run.report["reasons"]
    assert reason.startswith("keyword_recall got worse by 10.0% (gate: at most 5%): 4 of 40 worse, p = 0.062")
    assert "p = 0.062" in run.comment


NOISE_AWARE = "gate: {keyword_recall: {max_drop_pct: 5, significant: true}}\n"


@pytest.mark.parametrize(("broken", "code"), [(4, 0), (6, 1)])
def test_a_noise_aware_gate_with_an_ungated_noisy_judge(bot: Bot, broken: int, code: int) -> None:
    """significant: true is one-sided and Holm-corrected over the gated metric only: the judge (ungated, moving
    on every run) does not dilute it. 4 unanimous changes cannot be significant (p = 0.0625), 6 can (0.016)."""
    bot.configure(NOISE_AWARE)
    bot.state(broken=broken)
    run = bot.run()
    assert run.code == code, run.out
    recall = run.metric("keyword_recall")
    assert (recall["worse_count"], recall["one_sided"]) == (broken, True)
    if code:
        assert run.report["gate_failures"] == [
            "keyword_recall got worse by 15.0% (gate: at most 5%): 6 of 40 worse, p = 0.016"
        ]
    else:
        assert run.report["warnings"] == [
            "keyword_recall got worse by 10.0% (gate: at most 5%): 4 of 40 worse, p = 0.062, too few changes to tell"
            " (needs ≥ 5), not significant, so not failed (significant: true)"
        ]


def test_only_the_noisy_judge_moving_passes_twice_in_a_row(bot: Bot) -> None:
    bot.configure(NOISE_AWARE)
    for attempt in ("first", "second"):
        run = bot.run()
        assert run.code == 0, (attempt, run.out)
        assert run.report["verdict"] == "pass"
        assert run.metric("judge")["difference"] != 0  # the judge did move


def test_a_renamed_function_leaves_the_gate_unchecked_and_fails_naming_both_events(bot: Bot) -> None:
    """HoneyHive pairs metrics on (metric_name, event_name), and the event is named after the function: renamed,
    no metric paired, the gate was never evaluated, and half the answers broken passed the check."""
    bot.configure("gate: {keyword_recall: {max_drop_pct: 5}}\n")
    config = bot.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(":answer", ":respond"), encoding="utf-8")
    bot.state(broken=ROWS // 2)
    run = bot.run()
    assert run.code == 1, run.out
    assert run.report["reasons"] == [
        "keyword_recall's gate could not be checked: the function's event was 'answer' in the baseline and 'respond'"
        " now: HoneyHive pairs metrics by the function's name; keep the name, or compare against a run with the new"
        " name (baseline-run-id)"
    ]
    assert "keyword\\_recall's gate could not be checked: the function's event was 'answer'" in run.comment


# --------------------------------------------------------------------------------------- broken evaluations


def test_an_evaluator_raising_on_every_row_fails_without_a_range_or_gate(bot: Bot) -> None:
    bot.state(judge_broken=True)
    run = bot.run()
    assert run.code == 1, run.out
    line = next(n for n, text in enumerate(APP.splitlines(), 1) if '"citations"' in text)
    error = f"KeyError at retrieval_bot.py:{line}: 'citations'"  # at the user's line
    assert run.report["reasons"] == [f"evaluator judge raised on every datapoint (40 of 40): {error}"]
    judge = run.metric("judge")
    assert (judge["errored"], judge["evaluated"], judge["error"]) == (40, 40, error)
    assert f"errored on 40 of 40: {error}".replace("_", "\\_") in run.comment
    assert f"errored on 40 of 40: {error}" in run.terminal


def test_new_crashes_are_not_hidden_by_allow_failed(bot: Bot) -> None:
    bot.configure('verdict: {allow_failed: "30%"}\n')
    bot.state(raising=4)
    run = bot.run()
    assert run.code == 1, run.out
    [reason] = run.report["reasons"]
    assert reason.startswith(
        "4 datapoint(s) newly errored (not in the baseline; verdict.allow_failed does not tolerate"
    )
    assert "RuntimeError at retrieval_bot.py:" in reason
    function_errors = [e for e in run.report["datapoints"]["errored"] if e["status"] == "function_error"]
    assert [e["since"] for e in function_errors] == ["new"] * 4  # report.json's value, as before (audit83 F6)
    # audit79 F7: "(new)" said "newly failing" here and "not in the baseline" in the HTML's status: one word each
    assert "(newly failing)" in run.comment
    assert "(new)" not in run.comment


def test_old_crashes_within_allow_failed_pass_and_the_check_says_so(
    bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run that crashed on 4 rows becomes the baseline; the same 4 crashing again are not new: within
    allow_failed the check passes though the backend failed the run, and ``runs`` shows both."""
    bot.configure('verdict: {allow_failed: "30%"}\n')
    bot.state(raising=4)
    crashed = bot.run()
    again = bot.run("--baseline", crashed.report["run"]["id"], baseline=False)
    assert again.code == 0, again.out
    assert again.report["verdict"] == "pass"
    assert again.report["reasons"] == ["36 of 40 datapoints passed; the others failed within verdict.allow_failed"]
    assert "every datapoint passed" not in again.out
    errored = [e["since"] for e in again.report["datapoints"]["errored"]]
    assert errored == ["already failing"] * 4

    assert main(["runs", "-C", str(bot.root), "--json"], environ={}) == 0
    rows = {row["run_id"]: row for row in json.loads(capsys.readouterr().out)}
    latest = rows[again.report["run"]["id"]]
    assert (latest["check"], latest["verdict"]) == ("pass", "fail")  # the check passed; the backend failed it
    assert rows[bot.baseline]["check"] == "neutral"  # the first run had nothing to compare with


# ------------------------------------------------------------------------------------------- the test of a mean

SCORED = """
import json
import pathlib

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def answer(datapoint):
    return {"number": datapoint["inputs"]["number"]}


def score(outputs, inputs, ground_truth=None):
    if not json.loads(STATE.read_text(encoding="utf-8"))["drop"]:
        return 0.5
    return 0.0 if outputs["number"] < 10 else 0.51
"""


def test_a_mean_that_drops_while_most_datapoints_rise_fails_its_noise_aware_gate(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """30 of 40 scores rise by 0.01 and 10 fall by 0.5: the mean drops 23.5%. The sign test on the improved and
    degraded counts asks which way most datapoints went (better, p = 0.0022), which is not what a gate on the mean
    asks: the paired t-test on the datapoints' differences finds the drop (scipy's ttest_rel: p = 0.00097)."""
    config = "name: scorer\nfunction: scorer:answer\ndataset: {path: questions.jsonl}\nevaluators: [scorer:score]\n"
    files = {
        "scorer.py": SCORED,
        "questions.jsonl": jsonl({"inputs": {"number": i}} for i in range(ROWS)),
        ".honeyhive/experiment.yml": config + "gate: {score: {max_drop: 0.05, significant: true}}\n",
    }
    with imported("scorer"):
        scorer = committed(tmp_path_factory.mktemp("mean") / "scorer", files, "a scorer")
        scorer.put_state({"drop": False})
        scorer.record_baseline()
        scorer.put_state({"drop": True})
        run = scorer.run()
    assert run.code == 1, run.out
    assert run.report["gate_failures"] == ["score got worse by 0.1175 (gate: at most 0.05): 10 of 40 worse, p < 0.001"]
    score = run.metric("score")
    assert (score["better_count"], score["worse_count"], score["change"], score["significance"]) == (
        30,
        10,
        "worse",
        "p < 0.001",
    )
    assert "🟢" not in run.comment  # never "better" beside the drop


NOISY = """
import json
import pathlib

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def answer(datapoint):
    return {"number": datapoint["inputs"]["number"]}


def noisy(outputs, inputs, ground_truth=None):
    if json.loads(STATE.read_text(encoding="utf-8"))["sum"]:
        return 0.1 + 0.2  # 0.30000000000000004
    return 0.3
"""


def test_float_noise_degrades_no_datapoint_under_a_max_degraded_gate(tmp_path_factory: pytest.TempPathFactory) -> None:
    """An evaluator's arithmetic gave 0.1 + 0.2 in the baseline and 0.3 now: the embedded backend counted all 22
    datapoints degraded (-5.55e-17 each), failing ``max_degraded: 0`` ("noisy degraded on 22 datapoints (gate: at
    most 0)", its row "0 / 22 worse"). Equal but for float noise is the same: the gate passes, nothing is worse."""
    config = "name: noisy\nfunction: noisy_scorer:answer\ndataset: {path: questions.jsonl}\n"
    files = {
        "noisy_scorer.py": NOISY,
        "questions.jsonl": jsonl({"inputs": {"number": i}} for i in range(22)),
        ".honeyhive/experiment.yml": config + "evaluators: [noisy_scorer:noisy]\ngate: {noisy: {max_degraded: 0}}\n",
    }
    with imported("noisy_scorer"):
        scorer = committed(tmp_path_factory.mktemp("noise") / "scorer", files, "a scorer with float noise")
        scorer.put_state({"sum": True})
        scorer.record_baseline()
        scorer.put_state({"sum": False})
        run = scorer.run()
    assert run.code == 0, run.out
    assert (run.report["verdict"], run.report["gate_failures"]) == ("pass", [])
    noisy = run.metric("noisy")
    assert (noisy["better_count"], noisy["worse_count"]) == (0, 0)


UNPAIRED = """
import json
import pathlib

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def answer(datapoint):
    return {"number": datapoint["inputs"]["number"]}


def quality(outputs, inputs, ground_truth=None):
    if json.loads(STATE.read_text(encoding="utf-8"))["baseline"] and outputs["number"] >= 2:
        raise RuntimeError("the judge was down")
    return 0.9
"""


def test_max_degraded_on_shared_datapoints_none_has_in_both_runs_fails(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The baseline's judge raised on rows q2 and q3 and scored q0 and q1; the PR replaced q0 and q1 with q4 and q5,
    all scored. The runs share q2 and q3, neither with ``quality`` in both: HoneyHive compared no datapoint (0
    improved, 0 degraded, 0 same) and ``max_degraded: 0`` passed ("every datapoint passed"), a bound never checked.
    It fails, saying so; the report's row names the bound in its failed gate."""

    def dataset(numbers: range) -> str:
        return jsonl({"id": f"q{i}", "inputs": {"number": i}} for i in numbers)

    config = "name: unpaired\nfunction: unpaired_scorer:answer\ndataset: {path: questions.jsonl}\n"
    files = {
        "unpaired_scorer.py": UNPAIRED,
        "questions.jsonl": dataset(range(4)),
        ".honeyhive/experiment.yml": config
        + "evaluators: [unpaired_scorer:quality]\ngate: {quality: {max_degraded: 0}}\n",
    }
    with imported("unpaired_scorer"):
        scorer = committed(
            tmp_path_factory.mktemp("unpaired") / "scorer", files, "a scorer whose judge was down on half the rows"
        )
        scorer.put_state({"baseline": True})
        scorer.record_baseline(code=1)  # its own gate had no value on q2 and q3
        scorer.put_state({"baseline": False})
        (scorer.root / "questions.jsonl").write_text(dataset(range(2, 6)), encoding="utf-8")
        run = scorer.run()
    reason = (
        "quality's max_degraded could not be checked (gate: at most 0): no datapoint has it in both runs (of the 2"
        " they share), and it counts those that got worse"
    )
    assert run.code == 1, run.out
    assert (run.report["verdict"], run.report["reasons"], run.report["gates_hit"]) == ("fail", [reason], ["quality"])
    quality = run.metric("quality")
    assert (quality["paired"], quality["shared"], quality["degraded_count"]) == (0, 2, 0)
    assert quality["gate_failed"] == "failed its gate: could not be checked (at most 0 datapoints worse)"


SPARSE = """
import json
import pathlib

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def answer(datapoint):
    return {"number": datapoint["inputs"]["number"]}


def quality(outputs, inputs, ground_truth=None):
    if json.loads(STATE.read_text(encoding="utf-8"))["baseline"]:
        return None if outputs["number"] < 4 else 1.0  # the judge had no verdict on the first four
    return 1.0 if outputs["number"] < 4 else 0.5
"""


def test_a_bound_on_aggregates_of_different_shared_datapoints_is_not_passed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The baseline's judge returned None on 4 of the 8 rows (1.0 on the others), this run's scores all 8: 1.0 on
    those 4, and 0.5 on the others, each of which got worse. The aggregates, 1.0 over 4 and 0.75 over 8, are of
    different datapoints: -25% passed ``max_drop_pct: 30`` ("every datapoint passed") beside a row that said the
    metric was compared on 4 of 8, all worse (audit74 F1: a baseline an older version recorded no cost on where no
    call was made). It could not be checked: neutral, saying why."""
    config = "name: sparse\nfunction: sparse_scorer:answer\ndataset: {path: questions.jsonl}\n"
    files = {
        "sparse_scorer.py": SPARSE,
        "questions.jsonl": jsonl({"id": f"q{i}", "inputs": {"number": i}} for i in range(8)),
        ".honeyhive/experiment.yml": config
        + "evaluators: [sparse_scorer:quality]\ngate: {quality: {max_drop_pct: 30}}\n",
    }
    with imported("sparse_scorer"):
        scorer = committed(tmp_path_factory.mktemp("sparse") / "scorer", files, "a judge without a verdict on half")
        scorer.put_state({"baseline": True})
        scorer.record_baseline(code=1)  # its own gate had no value on q0 to q3
        scorer.put_state({"baseline": False})
        run = scorer.run()
    reason = (
        "quality's max_drop_pct could not be checked: compared on 4 of the 8 shared datapoints that hold it in either"
        " run, so its aggregates are of different datapoints; they held it, but 4 of the compared ones got worse (0"
        " better)"
    )
    assert run.code == 0, run.out
    assert (run.report["verdict"], run.report["reasons"], run.report["gates_hit"]) == ("neutral", [reason], [])
    quality = run.metric("quality")
    assert (quality["percentage_change"], quality["paired"], quality["shared"]) == (-25.0, 4, 8)
    assert (quality["worse_count"], quality["better_count"]) == (4, 0)


TIMED = """
import json
import pathlib

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def answer(datapoint):
    return {"number": datapoint["inputs"]["number"]}


def perf(outputs, inputs, ground_truth=None):  # a dict of metrics, perf_latency and perf_tokens, a string, and a None
    latency = json.loads(STATE.read_text(encoding="utf-8"))["latency"]
    return {"latency": latency, "tokens": 3, "note": "cached", "bonus": None}  # bonus: an optional sub-score
"""


def test_a_misspelt_metrics_key_fails_naming_the_metric_it_may_mean(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``metrics: {perf_latncy: {direction: lower}}`` for a dict evaluator's ``perf_latency`` passed the run's check
    (any ``perf_<key>`` may be a dict's), applied to nothing, and a latency that doubled under ``max_worse_pct: 10``
    passed, exit 0, its row "better (p = 0.002)" (audit 46a). The key names no metric either run recorded: the
    check fails, naming it and the one it may mean. Spelt right, the same change fails its gate, and no change
    passes, a metrics: key on the dict's string (``perf_note``) or on its key that is None everywhere (``perf_bonus``)
    too: no false red (audit 47)."""
    config = (
        "name: timed\nfunction: timed_bot:answer\ndataset: {path: questions.jsonl}\nevaluators: [timed_bot:perf]\n"
        "gate: {perf_latency: {max_worse_pct: 10}}\n"
    )
    files = {
        "timed_bot.py": TIMED,
        "questions.jsonl": jsonl({"inputs": {"number": i}} for i in range(10)),
        ".honeyhive/experiment.yml": config + "metrics: {perf_note: {label: Note}}\n",
    }
    with imported("timed_bot"):
        bot = committed(tmp_path_factory.mktemp("timed") / "bot", files, "a bot whose evaluator times it")

        def configure(metrics: str) -> None:
            (bot.root / ".honeyhive" / "experiment.yml").write_text(config + metrics, encoding="utf-8")

        bot.put_state({"latency": 100})
        bot.record_baseline()
        bot.put_state({"latency": 200})
        configure("metrics: {perf_latncy: {direction: lower}, perf_note: {label: Note}}\n")
        typo = bot.run()
        configure("metrics: {perf_latency: {direction: lower}, perf_note: {label: Note}}\n")
        right = bot.run()
        bot.put_state({"latency": 100})
        keys = "perf_latency: {direction: lower}, perf_bonus: {label: Bonus}"
        configure(f"metrics: {{{keys}}}\n")  # and perf's key that is None everywhere
        same = bot.run()
    reason = (
        "metrics.perf_latncy (direction) applies to no metric: no evaluator and no span recorded it in this run or its"
        " baseline, which recorded perf_latency: did you mean that?"
    )
    assert (typo.code, typo.report["verdict"], typo.report["reasons"]) == (1, "fail", [reason]), typo.out
    assert reason in typo.terminal
    assert right.code == 1, right.out
    assert right.report["gates_hit"] == ["perf_latency"]
    assert right.report["reasons"][0].startswith("perf_latency got worse by 100.0% (gate: at most 10%)")
    assert (same.code, same.report["verdict"], same.report["reasons"]) == (0, "pass", ["every datapoint passed"])


FEW = """
import json
import pathlib

STATE = pathlib.Path(__file__).resolve().parent / "state.json"


def answer(datapoint, tracer):
    state = json.loads(STATE.read_text(encoding="utf-8"))
    number = datapoint["inputs"]["number"]
    if number not in state["untimed"]:  # the function's own metric, as README's latency_ms
        tracer.enrich_span(metrics={"latency_ms": state.get("latency", 100.0)})
    return {"number": number}


def score(outputs, inputs, ground_truth=None):
    return json.loads(STATE.read_text(encoding="utf-8"))["score"]
"""


def few_rows(tmp_path_factory: pytest.TempPathFactory, rows: int, extra: str) -> Bot:
    """A scorer of ``rows`` questions whose function records ``latency_ms`` itself (tracer.enrich_span), and whose
    state.json says its score and the questions it records no latency on; its baseline recorded."""
    config = (
        "name: few\nfunction: few_scorer:answer\ndataset: {path: questions.jsonl}\nevaluators: [few_scorer:score]\n"
    )
    files = {
        "few_scorer.py": FEW,
        "questions.jsonl": jsonl({"inputs": {"number": i}} for i in range(rows)),
        ".honeyhive/experiment.yml": config + extra,
    }
    scorer = committed(tmp_path_factory.mktemp("few") / "scorer", files, "a scorer of a few questions")
    scorer.put_state({"score": 0.9, "untimed": []})
    scorer.record_baseline()
    return scorer


def test_a_noise_aware_gate_that_can_never_fail_on_four_datapoints_says_so(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On 4 paired datapoints the one-sided sign test's smallest p-value is 0.5**4 = 0.0625 > 0.05: a ``significant:
    true`` gate passed whatever happened, saying only "too few changes to tell (needs ≥ 5)" when crossed and nothing
    when not (audit 46a). It still passes (the user's opt-in), and says beside the gate that it never can fail."""
    with imported("few_scorer"):
        scorer = few_rows(tmp_path_factory, 4, "gate: {score: {max_drop: 0.05, significant: true}}\n")
        same = scorer.run()
        scorer.put_state({"score": 0.1, "untimed": []})
        dropped = scorer.run()
    never = (
        "on 4 datapoints no change can be significant at α = 0.05 (the smallest p-value is 0.0625): this gate can"
        " never fail (it needs ≥ 5 datapoints, or significant: false)"
    )
    assert (same.code, same.report["verdict"]) == (0, "pass"), same.out
    assert same.report["warnings"] == [f"score's gate (significant: true): {never}"]
    assert f"score's gate (significant: true): {never}" in same.comment
    assert (dropped.code, dropped.report["verdict"]) == (0, "pass"), dropped.out
    warning = (
        "score got worse by 0.8 (gate: at most 0.05): 4 of 4 worse, p = 0.062, not significant, so not failed"
        f" (significant: true); {never}"
    )
    assert dropped.report["warnings"] == [warning]
    assert warning in dropped.comment  # whole: within what the comment shows of a warning


@pytest.mark.parametrize("trials", ["", "trials: 3\n"])
def test_a_max_degraded_gate_larger_than_the_datapoints_says_it_can_never_fail(
    tmp_path_factory: pytest.TempPathFactory, trials: str
) -> None:
    """``max_degraded: 10`` on 6 rows: at most 6 datapoints can get worse, so the gate passed whatever happened, and
    silently (audit 47). It still passes, every datapoint worse, and says in report.json's warnings and the comment
    that it can never fail. With 3 trials (18 of them) it is the same: the comparison pairs datapoints."""
    with imported("few_scorer"):
        scorer = few_rows(tmp_path_factory, 6, f"{trials}gate: {{score: {{max_degraded: 10}}}}\n")
        same = scorer.run()
        scorer.put_state({"score": 0.1, "untimed": []})
        dropped = scorer.run()
    warning = (
        "score's max_degraded: 10 can never fail: the comparison pairs 6 datapoints, and it fails only when more than"
        " 10 got worse (a bound below 6 can)"
    )
    for run in (same, dropped):
        assert (run.code, run.report["verdict"], run.report["warnings"]) == (0, "pass", [warning]), run.out
        assert warning.replace("_", "\\_") in run.comment
        assert ("3 trials per datapoint" in run.out) == bool(trials), run.out


def test_a_value_the_function_records_missing_is_not_blamed_on_an_evaluator(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The function records ``latency_ms`` itself (``tracer.enrich_span``, in ``other_metrics``), with a passing range;
    it stopped recording it on 2 of 6 rows. The reason said "its evaluator returned nothing for them": no evaluator
    produces it. It says what does."""
    extra = "other_metrics: [latency_ms]\npassing_ranges: {latency_ms: {max: 1000}}\n"
    with imported("few_scorer"):
        scorer = few_rows(tmp_path_factory, 6, extra)
        scorer.put_state({"score": 0.9, "untimed": [1, 4]})
        run = scorer.run()
    reason = (
        "latency_ms has a passing range but no value on 2 of the datapoints the backend passed: no evaluator produces"
        " it, and what recorded it on the others (your function's tracer.enrich_span, or a span) did not record it on"
        " them"
    )
    assert (run.code, run.report["reasons"]) == (1, [reason]), run.out
    assert reason.replace("_", "\\_") in run.comment


def test_a_metrics_key_in_other_metrics_that_no_run_recorded_fails_naming_what_the_function_recorded(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The function records ``latency_ms`` (``tracer.enrich_span``); the file says ``latency_msec`` in both
    ``other_metrics`` and ``metrics:`` (lower is better). The direction applied to nothing, and a latency that rose
    95.7% passed, its row "better" (audit54 #1): an other_metrics name was never told a typo. Neither run recorded it:
    the check fails, naming the name the function recorded."""
    with imported("few_scorer"):
        scorer = few_rows(tmp_path_factory, 6, "")
        config = (scorer.root / ".honeyhive" / "experiment.yml").read_text(encoding="utf-8")
        extra = "other_metrics: [latency_msec]\nmetrics: {latency_msec: {direction: lower}}\n"
        (scorer.root / ".honeyhive" / "experiment.yml").write_text(config + extra, encoding="utf-8")
        scorer.put_state({"score": 0.9, "untimed": [], "latency": 195.7})
        slower = scorer.run()
    assert slower.metric("latency_ms")["percentage_change"] == pytest.approx(95.7)
    reason = (
        "metrics.latency_msec (direction) applies to no metric: no evaluator and no span recorded it in this run or its"
        " baseline, which recorded latency_ms: did you mean that?"
    )
    assert (slower.code, slower.report["verdict"], slower.report["reasons"]) == (1, "fail", [reason]), slower.out


PAIR = """
import json
import pathlib
import threading

STATE = pathlib.Path(__file__).resolve().parent / "state.json"
CALLS = {}
LOCK = threading.Lock()


def answer(datapoint):
    return {"s": json.loads(STATE.read_text(encoding="utf-8"))["s"], "number": datapoint["inputs"]["number"]}


def quality(outputs, inputs, ground_truth=None):
    return outputs["s"]


def cost(outputs, inputs, ground_truth=None):
    return outputs["s"]


def judge(outputs, inputs, ground_truth=None):  # rate-limited: the first of every 3 calls per datapoint raises
    with LOCK:
        CALLS[outputs["number"]] = CALLS.get(outputs["number"], 0) + 1
        first = CALLS[outputs["number"]] % 3 == 1
    if first:
        raise RuntimeError("429 rate limited")
    return outputs["s"]
"""


def paired_scorer(tmp_path_factory: pytest.TempPathFactory, rows: int, evaluators: str, extra: str) -> Bot:
    """A scorer of ``rows`` questions whose every metric of ``evaluators`` is state.json's ``s`` (its judge raising
    in the first of every 3 calls per question), ``s`` 0.8 in its baseline, recorded."""
    config = f"name: pair\nfunction: pair_scorer:answer\ndataset: {{path: questions.jsonl}}\nevaluators: {evaluators}\n"
    files = {
        "pair_scorer.py": PAIR,
        "questions.jsonl": jsonl({"id": f"q{i}", "inputs": {"number": i}} for i in range(rows)),
        ".honeyhive/experiment.yml": config + extra,
    }
    scorer = committed(tmp_path_factory.mktemp("pair") / "scorer", files, "a scorer of a few questions")
    scorer.put_state({"s": 0.8})
    scorer.record_baseline()
    return scorer


def test_two_noise_aware_gates_on_five_datapoints_say_holm_makes_them_never_fail(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Two ``significant: true`` gates on 5 datapoints, quality worse on all 5 and cost better on all 5: Holm's
    correction over the two doubles 0.5**5 = 0.03125 to 0.0625, so neither can fail; the check passed saying only
    "not significant" (audit50 f1). It still passes (the user's opt-in, the family kept whole: README), and says
    beside each gate that it never can fail, and why."""
    extra = (
        "metrics: {cost: {direction: lower}}\n"
        "gate: {quality: {max_drop_pct: 5, significant: true}, cost: {max_worse_pct: 5, significant: true}}\n"
    )
    with imported("pair_scorer"):
        scorer = paired_scorer(tmp_path_factory, 5, "[pair_scorer:quality, pair_scorer:cost]", extra)
        scorer.put_state({"s": 0.5})
        run = scorer.run()
    never = (
        "on 5 datapoints no change can be significant at α = 0.05 (the smallest p-value is 0.03125, 0.0625 after Holm's"
        " correction beside the 1 other significant: true gate that changed): this gate can never fail (it needs ≥ 6"
        " datapoints, or significant: false)"
    )
    warnings = [
        f"cost's gate (significant: true): {never}",
        "quality got worse by 37.5% (gate: at most 5%): 5 of 5 worse, p = 0.062, not significant, so not failed"
        f" (significant: true); {never}",
    ]
    assert (run.code, run.report["verdict"], run.report["warnings"]) == (0, "pass", warnings), run.out
    assert warnings[1] in run.comment


def test_two_noise_aware_gates_on_four_datapoints_need_as_many_in_the_row_as_in_the_warning(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Two ``significant: true`` gates on 4 datapoints, quality worse on all 4: the warning said "it needs ≥ 6
    datapoints" (Holm's correction beside the other gate) and quality's row "needs ≥ 5 changes, has 4" (the raw
    one-sided count, audit50 #1). One number, Holm's, in both."""
    extra = (
        "metrics: {cost: {direction: lower}}\n"
        "gate: {quality: {max_drop_pct: 5, significant: true}, cost: {max_worse_pct: 5, significant: true}}\n"
    )
    with imported("pair_scorer"):
        scorer = paired_scorer(tmp_path_factory, 4, "[pair_scorer:quality, pair_scorer:cost]", extra)
        scorer.put_state({"s": 0.5})
        run = scorer.run()
    assert (run.code, run.report["verdict"]) == (0, "pass"), run.out
    assert all("(it needs ≥ 6 datapoints, or significant: false)" in text for text in run.report["warnings"])
    assert run.metric("quality")["significance"] == "needs ≥ 6 changes, has 4"
    assert "needs ≥ 6 changes, has 4" in run.comment


def test_a_judge_that_raised_in_one_trial_of_each_datapoint_is_a_tolerated_count(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With ``trials: 3`` a rate-limited judge raised in the first trial of every datapoint, and every datapoint had
    its values from the other two; ``allow_evaluator_errors: "100%"`` tolerated them, yet the check failed "evaluator
    judge raised on every datapoint (6 of 6)" (audit50 f2). Raised on every datapoint *in every trial* is broken;
    this is a count, tolerated."""
    extra = "trials: 3\nverdict: {allow_evaluator_errors: '100%'}\n"
    with imported("pair_scorer"):
        scorer = paired_scorer(tmp_path_factory, 6, "[pair_scorer:judge]", extra)
        run = scorer.run()
    warning = "evaluator judge raised on 6 datapoint(s): RuntimeError at pair_scorer.py:28: 429 rate limited"
    assert (run.code, run.report["verdict"], run.report["warnings"]) == (0, "pass", [warning]), run.out
    assert run.metric("judge")["value"] == 0.8


def test_with_trials_a_row_says_an_evaluator_errored_in_some_trials_of_datapoints_with_values_from_the_others(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """``trials: 2``, and the rate-limited judge raised in the first trial of each of the 6 datapoints: its row said
    "errored on 6 of 6", as if no datapoint had a value, beside its mean of 0.8 from the second trials (audit50 #2).
    It says they are errors in some trials only, as the verdict counts them (spared: another trial gave a number)."""
    with imported("pair_scorer"):
        extra = "trials: 2\nverdict: {allow_evaluator_errors: '100%'}\n"
        scorer = paired_scorer(tmp_path_factory, 6, "[pair_scorer:judge]", extra)
        run = scorer.run()
    judge = run.metric("judge")
    assert (judge["value"], judge["errored"], judge["evaluated"], judge["spared"]) == (0.8, 6, 6, 6), run.out
    said = "errored on 6 of 6, each in some trials only (values from the others): RuntimeError at pair_scorer.py:28"
    assert said.replace("_", "\\_") in run.comment
    assert said in run.terminal
    warning = "evaluator judge raised on 6 datapoint(s): RuntimeError at pair_scorer.py:28: 429 rate limited"
    assert (run.code, run.report["verdict"], run.report["warnings"]) == (0, "pass", [warning]), run.out

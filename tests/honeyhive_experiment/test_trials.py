"""Repeated trials (issue 22) through ``evaluate()`` and the command line's dry run, on the embedded backend.

Each datapoint runs K times, each trial its own session of the same run with the same ``datapoint_id`` and
``metadata.trial``; the backend reduces a datapoint's trials to means before it aggregates. The function here is
deterministic per trial: its n-th call on a datapoint (n = 0, 1, 2, … whatever order the pool runs them in)
answers ``10 * number + n``, so the mean over K trials is known exactly: ``10 * number + (K - 1) / 2``.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment import evaluate
from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.quickstart import imported, init_repository, jsonl, small_repository, write_files

pytestmark = pytest.mark.integration

DATAPOINTS = 20


class Counting:
    """The function under test: on its n-th call for a datapoint it answers ``10 * number + n``."""

    def __init__(self) -> None:
        self.calls: Counter[int] = Counter()
        self.lock = threading.Lock()

    def __call__(self, datapoint: dict[str, Any]) -> dict[str, float]:
        number = datapoint["inputs"]["number"]
        with self.lock:
            n = self.calls[number]
            self.calls[number] += 1
        return {"value": 10.0 * number + n}


def value(outputs: dict[str, float], inputs: dict[str, Any], ground_truth: Any = None) -> float:
    return outputs["value"]


def sometimes(outputs: dict[str, float], inputs: dict[str, Any], ground_truth: Any = None) -> float | None:
    """1 on every trial but number 3's after its first (``n`` > 0): nothing there."""
    return None if inputs["number"] == 3 and outputs["value"] > 30 else 1.0


def sessions_of(backend: LocalBackend, run_id: str) -> list[dict[str, Any]]:
    body = {
        "filters": [
            {"field": "metadata.run_id", "operator": "is", "value": run_id, "type": "string"},
            {"field": "event_type", "operator": "is", "value": "session", "type": "string"},
        ],
        "limit": 7500,
    }
    with httpx.Client(base_url=backend.url, headers={"Authorization": f"Bearer {backend.api_key}"}) as hh:
        response = hh.post("/v1/events/export", json=body)
    assert response.status_code == 200, response.text
    sessions: list[dict[str, Any]] = response.json()["events"]
    return sessions


def test_three_trials_of_twenty_datapoints_are_sixty_sessions_and_the_result_holds_their_means(
    backend: LocalBackend,
) -> None:
    function = Counting()
    result = evaluate(
        function=function,
        dataset=[{"inputs": {"number": i}} for i in range(DATAPOINTS)],
        evaluators=[value],
        api_key=API_KEY,
        server_url=backend.url,
        name="three-trials",
        max_workers=4,
        trials=3,
        print_results=False,
    )
    assert function.calls == Counter({i: 3 for i in range(DATAPOINTS)}), "the function runs once per trial"

    sessions = sessions_of(backend, result.run_id)
    assert len(sessions) == 3 * DATAPOINTS
    assert len({s["session_id"] for s in sessions}) == 3 * DATAPOINTS
    per_datapoint: dict[str, list[int]] = {}
    for session in sessions:
        per_datapoint.setdefault(session["metadata"]["datapoint_id"], []).append(session["metadata"]["trial"])
    assert len(per_datapoint) == DATAPOINTS
    assert all(sorted(trials) == [0, 1, 2] for trials in per_datapoint.values()), per_datapoint

    summary = result.summary
    assert summary.trials == 3
    assert summary.flaky == []
    means = {row.datapoint_id: next(m.value for m in row.metrics if m.name == "value") for row in summary.datapoints}
    number_of = {o.datapoint_id: o.index for o in result.outcomes}  # the dataset's row i holds number i
    assert means == {dp: 10.0 * number_of[dp] + 1.0 for dp in number_of}  # the mean of n + 0, n + 1, n + 2
    assert {row.trials for row in summary.datapoints} == {3}
    detail = summary.metric("value")
    assert detail is not None
    assert detail.aggregate == pytest.approx(sum(10.0 * i + 1.0 for i in range(DATAPOINTS)) / DATAPOINTS)
    assert detail.spread == pytest.approx((2 / 3) ** 0.5)  # the standard deviation of 0, 1, 2 on every datapoint
    assert len(result.outcomes) == 3 * DATAPOINTS
    assert sorted(Counter(o.trial for o in result.outcomes).items()) == [(0, 20), (1, 20), (2, 20)]


SOMETIMES = (
    "sometimes has a passing range but no value on 1 of the datapoints the backend passed (in 2 of its 3 trials): its"
    " evaluator returned nothing for them, and a passing range or gate needs a value on every datapoint: return one"
    " there, or take the range or gate off"
)


def test_a_ranged_metric_without_a_value_in_some_trials_is_no_success(backend: LocalBackend) -> None:
    """The backend's value of number 3 is the mean of its one trial with a value (1): its range was never checked on
    the other two. Without trials a datapoint without a value breaks the evaluation; with them, one trial without."""
    result = evaluate(
        function=Counting(),
        dataset=[{"inputs": {"number": i}} for i in range(5)],
        evaluators=[sometimes],
        api_key=API_KEY,
        server_url=backend.url,
        name="sometimes",
        trials=3,
        passing_ranges={"sometimes": {"min": 0.5}},
        print_results=False,
    )
    assert (result.summary.success, result.success, result.broken) == (True, False, [SOMETIMES])


def test_one_trial_records_no_trial_metadata_and_the_summary_says_nothing_of_trials(backend: LocalBackend) -> None:
    result = evaluate(
        function=Counting(),
        dataset=[{"inputs": {"number": i}} for i in range(3)],
        evaluators=[value],
        api_key=API_KEY,
        server_url=backend.url,
        name="one-trial",
        print_results=False,
    )
    sessions = sessions_of(backend, result.run_id)
    assert len(sessions) == 3
    assert all("trial" not in s["metadata"] for s in sessions)
    assert (result.summary.trials, result.summary.flaky) == (1, [])
    assert {row.trials for row in result.summary.datapoints} == {None}


# ----------------------------------------------------------------------------------------------- the command line

APP = """
import threading
from collections import Counter
from collections.abc import Iterator

CALLS = Counter()
LOCK = threading.Lock()


def answer(datapoint):
    number = datapoint["inputs"]["number"]
    with LOCK:
        n = CALLS[number]
        CALLS[number] += 1
    return {"value": 10.0 * number + n}


def value(outputs, inputs, ground_truth=None):
    return outputs["value"]


def explained(outputs, inputs, ground_truth=None):  # the value, saying which
    return {"score": outputs["value"], "explanation": f"saw {outputs['value']}"}


def sometimes(outputs, inputs, ground_truth=None):  # nothing on number 3's trials after its first
    return None if inputs["number"] == 3 and outputs["value"] > 30 else 1.0


def crashing(datapoint):  # answer, but number 0's second trial raises
    outputs = answer(datapoint)
    if outputs["value"] == 1.0:
        raise RuntimeError("trial crashed")
    return outputs


def priced(datapoint, tracer):  # answer, and an LLM call costing $(n + 1) (pricing: $1 per million tokens)
    outputs = answer(datapoint)
    n = int(outputs["value"] - 10 * datapoint["inputs"]["number"])
    with tracer.start_as_current_span("call", "model") as span:
        span.set_attribute("gen_ai.request.model", "counting-model")
        span.set_attribute("gen_ai.usage.input_tokens", 1_000_000 * (n + 1))
        span.set_attribute("gen_ai.usage.output_tokens", 0)
    return outputs
"""

CONFIG = """\
name: counting
function: counting_app:{function}
dataset: {{path: numbers.jsonl}}
evaluators: [counting_app:{evaluator}]
max_workers: 4
{extra}"""


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[Path]:
    rows = jsonl({"inputs": {"number": i}} for i in range(5))
    root = write_files(tmp_path / "repo", {"counting_app.py": APP, "numbers.jsonl": rows})
    (root / ".honeyhive").mkdir()
    init_repository(root)
    with imported("counting_app"):  # by the in-process run: the next test's counts start at 0
        yield root


def dry_run(
    root: Path, config_extra: str, *argv: str, function: str = "answer", evaluator: str = "value"
) -> tuple[int, dict[str, Any], str]:
    config = CONFIG.format(function=function, extra=config_extra, evaluator=evaluator)
    (root / ".honeyhive" / "experiment.yml").write_text(config, encoding="utf-8")
    report = root.parent / "report.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", "--dry-run", "-C", str(root), "--report", str(report), *argv], environ={})
    return code, json.loads(report.read_text(encoding="utf-8")), out.getvalue() + err.getvalue()


def test_the_trials_flag_overrides_the_experiment_files_trials(repository: Path) -> None:
    code, report, shown = dry_run(repository, "trials: 3", "--trials", "2")
    assert code == 0, shown
    with LocalBackend(str(repository / ".honeyhive" / "local.db")) as local:
        sessions = sessions_of(local, report["run"]["id"])
    assert sorted(Counter(s["metadata"]["trial"] for s in sessions).items()) == [(0, 5), (1, 5)]
    assert report["trials"] == 2


def posted_comment(shown: str) -> str:
    """The comment a dry run would post (printed after the terminal report)."""
    marker = "----- the comment that would be posted -----"
    assert marker in shown, shown
    return shown.split(marker, 1)[1]


def test_a_datapoint_passing_one_of_three_trials_is_flaky_in_the_comment_the_terminal_and_report_json(
    repository: Path,
) -> None:
    # number n's trials answer 10n, 10n + 1, 10n + 2: with min 22, number 2 passes its third trial only (mean 21
    # fails); numbers 0 and 1 fail every trial and 3 and 4 pass every one, so they are not flaky
    code, report, shown = dry_run(repository, "trials: 3\npassing_ranges: {value: {min: 22}}\n")
    assert code == 1, shown
    assert report["trials"] == 3
    (flaky,) = report["datapoints"]["flaky"]
    assert (flaky["trials_passed"], flaky["trials"], flaky["failed"]) == (1, 3, True)
    (number_two,) = [f for f in report["datapoints"]["failed"] if f["inputs"] == '{"number": 2}']
    assert number_two["id"] == flaky["id"]
    assert (number_two["trials_passed"], number_two["trials"]) == (1, 3)
    assert all(f["trials"] is None for f in report["datapoints"]["failed"] if f["id"] != flaky["id"])

    terminal, comment = shown.split("----- the comment that would be posted -----", 1)
    assert "3 trials per datapoint" in terminal
    named = f"{number_two['place']} ({flaky['id']})"  # its line in the dataset file, as the errors are named
    assert number_two["place"] is not None
    assert f"{named} (flaky: 1 of 3 trials passed)" in terminal
    assert "Flaky datapoints (1): their trials disagree on pass/fail" in terminal
    assert flaky["place"] == number_two["place"]  # the flaky list names it as the failed list does
    assert f"  {named}: 1 of 3 trials passed, failed on the mean" in terminal, terminal
    assert "15/15 trials (" in shown  # the progress line counts trials: 3 of each of 5 datapoints
    # and says its failed ones are trials (8: numbers 0 and 1's six, two of number 2's), where the verdict says 3
    # datapoints failed (audit50 #7: "0 failed, 9 errored" read as datapoints against the verdict's "2 failed")
    assert "15/15 trials (8 trials failed, 0 errored)" in shown, shown

    assert "· 3 trials per datapoint" in comment
    assert f"| {named} (🎲 flaky: 1 of 3 trials passed) |" in comment
    assert "🎲 1 flaky datapoint: its trials disagree on pass/fail" in comment
    assert f"| {named} | 1 of 3 | ❌ failed on the mean |" in comment


# audit79 F2: a flaky datapoint that failed was shown with its first trial's output and explanation, which may be a
# passing trial's ("saw 20.0" beside a failing 21); the failing trials' texts were in no rendering
def test_a_flaky_datapoint_that_failed_shows_a_failing_trials_output_and_explanation_labelled(repository: Path) -> None:
    # number 2's trials answer 20, 21, 22 (in the order the pool runs them): with max 20 one passes, the mean fails
    code, report, shown = dry_run(
        repository, "trials: 3\npassing_ranges: {explained: {max: 20}}\n", evaluator="explained"
    )
    assert code == 1, shown
    with LocalBackend(str(repository / ".honeyhive" / "local.db")) as local:
        values = {
            s["metadata"]["trial"]: s["outputs"]["value"]
            for s in sessions_of(local, report["run"]["id"])
            if s["inputs"] == {"number": 2}
        }
    assert sorted(values.values()) == [20.0, 21.0, 22.0], values
    failing = min(trial for trial, value in values.items() if value > 20)  # the first trial outside the range
    (row,) = [f for f in report["datapoints"]["failed"] if f["inputs"] == '{"number": 2}']
    assert row["outputs"] == json.dumps({"value": values[failing]}), "a failing trial's, not the first's (passing)"
    assert row["trial"] == failing
    label, said = f"trial {failing + 1} of 3", f"saw {values[failing]}"
    assert row["failing_metrics"][0]["text"] == f"explained = 21, passing range ≤ 20 ({label}: {said})"
    terminal, comment = shown.split("----- the comment that would be posted -----", 1)
    assert f"  outputs ({label}): {row['outputs']}" in terminal
    assert f'| {{"number": 2}} | {label}: {row["outputs"]} |' in comment
    (table_row,) = [r for r in report["table"]["rows"] if r["inputs"]["text"] == '{"number": 2}']
    assert table_row["trial"] == failing
    assert (table_row["output"]["text"], table_row["explanations"][0]["text"]) == (row["outputs"], said)
    page = html.unescape((repository.parent / "report.html").read_text(encoding="utf-8"))  # beside --report
    assert f'<span class="trials">{label}</span><div class="text">{row["outputs"]}</div>' in page
    assert f'<span class="trials">{label}</span><div class="why-item"><b>explained</b>: {said}</div>' in page
    # a datapoint that failed every trial is shown as before: its first trial's texts, unlabelled
    (always,) = [f for f in report["datapoints"]["failed"] if f["inputs"] == '{"number": 3}']
    assert always["trial"] is None


def test_a_flaky_datapoint_failed_by_a_trial_that_raised_says_so_not_that_it_failed_on_the_mean(
    repository: Path,
) -> None:
    # number 0's trials answer 0, (raises), 2: the mean of its values passes min 0, its raised trial fails it; it was
    # said to have "failed on the mean", under a column headed "Result (on the mean of its trials)"
    code, report, shown = dry_run(repository, "trials: 3\npassing_ranges: {value: {min: 0}}\n", function="crashing")
    assert code == 1, shown
    (flaky,) = report["datapoints"]["flaky"]
    assert (flaky["trials_passed"], flaky["trials"], flaky["failed"], flaky["errored_trials"]) == (2, 3, True, 1)
    terminal, comment = shown.split("----- the comment that would be posted -----", 1)
    named = f"{flaky['place']} ({flaky['id']})"  # its line in the dataset file
    assert flaky["place"] is not None
    assert f"  {named}: 2 of 3 trials passed, failed: its function errored in 1 trial\n" in terminal
    assert f"| {named} | 2 of 3 | ❌ failed: its function errored in 1 trial |" in comment
    assert "on the mean" not in shown


def test_with_trials_the_cost_total_is_said_to_be_one_pass_over_the_dataset_not_the_runs_spend(
    repository: Path,
) -> None:
    # each datapoint's trials cost $1, $2 and $3: the run spent $30 on 5 datapoints; the backend's sum is over
    # each datapoint's mean ($2), so $10 is what one pass over the dataset costs, and the report must say so
    pricing = "pricing: {counting-model: {input: 1, output: 1}}\n"
    code, report, shown = dry_run(repository, "trials: 3\n" + pricing, function="priced")
    assert code == 0, shown
    assert report["totals"]["cost_usd"] == pytest.approx(10.0)
    assert report["totals"]["trials"] == 3
    terminal, comment = shown.split("----- the comment that would be posted -----", 1)
    said = "cost $10.00 per pass over the dataset (mean of 3 trials)"
    assert f"This run: {said} · duration p50" in terminal
    assert "This run: " + said.replace("$", r"\$") + " · duration p50" in comment  # Markdown-escaped
    assert "total cost" not in shown


def test_with_trials_the_calls_a_cost_excludes_are_said_to_be_every_trials(repository: Path) -> None:
    """Beside a cost per pass over the dataset, "cost excludes 15 calls" read as one pass's: they are 3 trials'."""
    code, report, shown = dry_run(repository, "trials: 3\n", function="priced")  # counting-model has no price
    assert code == 0, shown
    assert report["unpriced"] == [{"model": "counting-model", "calls": 15, "judge": False, "reason": "no_price"}]
    terminal, comment = shown.split("----- the comment that would be posted -----", 1)
    said = "cost excludes 15 calls to unpriced model counting-model (pricing: in the experiment file prices them)"
    assert f"Across 3 trials: {said}" in terminal
    assert f"across 3 trials: {said}" in comment

    code, report, shown = dry_run(repository, "", function="priced")
    assert code == 0, shown
    assert "\nCost excludes 5 calls to unpriced model counting-model" in shown  # one trial: nothing of trials


def test_a_ranged_metric_without_a_value_in_some_trials_fails_the_run_and_its_view(repository: Path) -> None:
    """Number 3's evaluator returned nothing in 2 of its 3 trials: the backend's mean of the one left (1) is within
    the range, and the check passed, saying nothing. It fails as without trials, and so does the view of the run,
    which reads the trials back from their sessions."""
    ranged = "trials: 3\npassing_ranges: {sometimes: {min: 0.5}}\n"
    code, report, shown = dry_run(repository, ranged, evaluator="sometimes")
    assert code == 1, shown
    assert (report["verdict"], report["reasons"]) == ("fail", [SOMETIMES])
    assert SOMETIMES in posted_comment(shown)

    html = repository.parent / "view.html"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["view", "--no-open", "-C", str(repository), "--html", str(html), report["run"]["id"]], environ={})
    assert code == 0, out.getvalue()
    viewed = html.read_text(encoding="utf-8")
    assert "Failed · counting" in viewed
    assert SOMETIMES in viewed


def test_trials_that_agree_on_every_datapoint_list_no_flaky_datapoint(repository: Path) -> None:
    code, report, shown = dry_run(repository, "trials: 3\npassing_ranges: {value: {min: 25}}\n")
    assert code == 1, shown  # numbers 0, 1 and 2 fail every trial: failed, not flaky
    assert report["datapoints"]["flaky"] == []
    assert len(report["datapoints"]["failed"]) == 3
    comment = posted_comment(shown)
    assert "flaky" not in comment.lower()
    assert "3 trials per datapoint" in comment


def test_one_trial_says_nothing_of_trials_in_the_comment_or_the_terminal(repository: Path) -> None:
    code, report, shown = dry_run(repository, "passing_ranges: {value: {min: 22}}\n")
    assert code == 1, shown
    assert report["trials"] == 1
    assert report["datapoints"]["flaky"] == []
    # the lines naming report.html hold this test's folder, named *trial* (in the comment, Markdown-escaped)
    said = "\n".join(line for line in shown.replace(str(repository), "").splitlines() if "report.html" not in line)
    assert "trial" not in said.lower()
    assert "5/5 datapoints (" in shown


# ----------------------------------------------------------------------------------- gates with trials: a noisy judge

JUDGED_APP = """
import json
import pathlib
import random
import threading
from collections import Counter
from collections.abc import Iterator

STATE = pathlib.Path(__file__).resolve().parent / "state.json"
CALLS = Counter()
LOCK = threading.Lock()


def answer(datapoint):
    number = datapoint["inputs"]["number"]
    shifted = number in json.loads(STATE.read_text(encoding="utf-8"))["shifted"]
    return {"quality": 0.6 if shifted else 0.7}


def judge(outputs, inputs, ground_truth=None):
    # uniform noise of ±0.3 around the answer's quality; seeded per run, datapoint and call, so that which
    # values a datapoint's trials get does not depend on how the pool interleaves them
    seed = json.loads(STATE.read_text(encoding="utf-8"))["seed"]
    with LOCK:
        call = CALLS[(seed, inputs["number"])]
        CALLS[(seed, inputs["number"])] += 1
    noise = random.Random(f"{seed}:{inputs['number']}:{call}").uniform(-0.3, 0.3)
    return round(outputs["quality"] + noise, 4)
"""

JUDGED_CONFIG = """\
name: judged-bot
function: judged_app:answer
dataset: {path: questions.jsonl}
evaluators: [judged_app:judge]
max_workers: 16
trials: 8
gate: {judge: {max_drop_pct: 5, significant: true}}
"""


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A 40-question bot scored by a noisy judge, and its baseline run (8 trials, no shift, seed 0)."""
    rows = jsonl({"inputs": {"number": i}} for i in range(40))
    files = {"judged_app.py": JUDGED_APP, ".honeyhive/experiment.yml": JUDGED_CONFIG, "questions.jsonl": rows}
    root = small_repository(tmp_path_factory.mktemp("judged") / "bot", files, "a judged bot")
    with imported("judged_app"):
        code, report, shown = judged_run(root, seed=0, shifted=0)
        assert code == 0, shown
        yield root, report["run"]["id"]


def judged_run(root: Path, *, seed: int, shifted: int, baseline: str | None = None) -> tuple[int, dict[str, Any], str]:
    state = {"seed": seed, "shifted": list(range(shifted))}
    (root / "state.json").write_text(json.dumps(state), encoding="utf-8")
    report = root.parent / f"report-{seed}.json"
    argv = ["run", "--dry-run", "-C", str(root), "--report", str(report)]
    argv += ["--baseline", baseline] if baseline else []
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv, environ={})
    return code, json.loads(report.read_text(encoding="utf-8")), out.getvalue() + err.getvalue()


@pytest.mark.parametrize("seed", [1, 2])
def test_eight_trials_see_a_tenth_lower_judge_score_on_thirty_of_forty_datapoints(
    judged: tuple[Path, str], seed: int
) -> None:
    """The shift is real: per datapoint, 8 trials' mean has a noise of 0.17 / √8 ≈ 0.06 each side, so most of the 30
    shifted datapoints come out worse, the sign test on 40 datapoints is significant and the drop (about 10%) is past
    the gate's 5%."""
    root, baseline = judged
    code, report, shown = judged_run(root, seed=seed, shifted=30, baseline=baseline)
    assert code == 1, shown
    assert report["verdict"] == "fail"
    [failure] = report["gate_failures"]
    assert failure.startswith("judge got worse by "), failure
    judge = next(m for m in report["metrics"] if m["name"] == "judge")
    assert judge["one_sided"]
    assert judge["p_value"] < 0.05
    assert judge["worse_count"] + judge["better_count"] + judge["same_count"] == 40, "datapoints, not 320 trials"


@pytest.mark.parametrize("seed", [3, 4])
def test_eight_trials_of_the_same_code_pass_the_noise_aware_gate(judged: tuple[Path, str], seed: int) -> None:
    root, baseline = judged
    code, report, shown = judged_run(root, seed=seed, shifted=0, baseline=baseline)
    assert code == 0, shown
    assert (report["verdict"], report["gate_failures"]) == ("pass", [])
    judge = next(m for m in report["metrics"] if m["name"] == "judge")
    assert judge["difference"] != 0, "the judge did move"

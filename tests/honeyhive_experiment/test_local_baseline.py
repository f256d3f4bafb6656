"""Local runs pick the baseline a pull request would get, in a real git repository (issue 12).

Each test makes a git repository in ``tmp_path`` from the quickstart (its dataset cut to three questions, so a
run is quick), commits on ``main`` and on a feature branch, and runs ``python -m honeyhive_experiment`` in
process: ``run --dry-run`` against the embedded local backend (``.honeyhive/local.db``) or a served
``honeyhive_local``, and ``runs``. Only argv and the environment are made up; git, the backend and the files
are real.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment import baseline
from honeyhive_experiment.baseline import BaselineQuery, choose_baseline
from honeyhive_experiment.cli import main
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.config import BaselineConfig, BaselineStrategy
from honeyhive_experiment.dataset_identity import DatasetIdentity
from honeyhive_experiment.history import recent_run_rows
from honeyhive_experiment.models import ExperimentRun
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_local import LocalBackend
from tests.honeyhive_experiment.faultproxy import Fault, FaultProxy
from tests.quickstart import add_evaluator, copy_quickstart, git, init_repository, set_answers

pytestmark = pytest.mark.integration

API_KEY = "hh-local-baseline-key-0123456789"
ANSWER_WORDS = '    return len(str(outputs.get("answer", "")).split())'  # the quickstart's answer_words returns


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def edit_answer_words(self, line: str) -> None:
        """The last line of the quickstart's ``answer_words`` evaluator (its ``return``) made ``line``."""
        evaluators = self.root / "support_bot" / "evaluators.py"
        source = evaluators.read_text(encoding="utf-8")
        assert ANSWER_WORDS in source
        evaluators.write_text(source.replace(ANSWER_WORDS, line), encoding="utf-8")

    def commit(self, message: str) -> str:
        with (self.root / "README.md").open("a", encoding="utf-8") as readme:
            readme.write(f"\n{message}\n")
        self.git("commit", "-qam", message)
        return self.git("rev-parse", "HEAD")

    def run(
        self,
        capsys: pytest.CaptureFixture[str],
        *extra: str,
        env: dict[str, str] | None = None,
        report: Path | None = None,
        exit_code: int = 0,
    ) -> Run:
        report = report or self.root.parent / "report.json"
        code = main(["run", "--dry-run", "-C", str(self.root), "--report", str(report), *extra], environ=env or {})
        out = capsys.readouterr().out
        assert code == exit_code, out
        return Run(out, json.loads(report.read_text(encoding="utf-8")))

    def runs(self, capsys: pytest.CaptureFixture[str], *extra: str, env: dict[str, str] | None = None) -> Any:
        code = main(["runs", "-C", str(self.root), *extra], environ=env or {})
        captured = capsys.readouterr()
        assert code == 0, captured.err
        return json.loads(captured.out) if "--json" in extra else captured.out


class Run:
    def __init__(self, out: str, report: dict[str, Any]) -> None:
        self.out = out
        self.report = report
        self.id: str = report["run"]["id"]
        baseline = report["baseline"]
        self.baseline_id: str | None = baseline["run_id"] if baseline else None

    @property
    def baseline_line(self) -> str:
        """The terminal's ``Baseline:`` line: which run and why (its age masked)."""
        line = next(line for line in self.out.splitlines() if line.startswith("Baseline: "))
        return line.rsplit(", ", 1)[0] + ")" if line.endswith(" ago)") or line.endswith("just now)") else line


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """The quickstart with its dataset cut to three questions, committed on ``main`` of a new git repository."""
    root = copy_quickstart(tmp_path / "repo", questions=3)
    init_repository(root)
    return Repo(root)


def test_a_feature_branch_compares_with_the_run_at_its_merge_base_on_main(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    fork_point = repo.git("rev-parse", "HEAD")
    at_fork = repo.run(capsys)
    assert at_fork.baseline_id is None
    repo.git("checkout", "-qb", "feature/shorter")
    repo.commit("feature work")
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on")
    main_later = repo.run(capsys)  # newer than the fork point's run, and on main: not what the branch changes from
    assert main_later.baseline_id == at_fork.id
    repo.git("checkout", "-q", "feature/shorter")

    on_feature = repo.run(capsys)

    assert on_feature.baseline_id == at_fork.id
    why = f"local run at merge-base {fork_point[:7]} with main"  # main has no CI run there: a local one, said so
    assert on_feature.baseline_line == f"Baseline: support-bot-quickstart ({why})"
    assert f"baseline support-bot-quickstart ({why}, " in on_feature.out  # the comment says it too
    latest = repo.run(capsys)
    assert latest.baseline_id == at_fork.id  # the merge-base run still wins over the previous local run
    named = repo.run(capsys, "--baseline", "feature/shorter")  # the latest run on the branch, not this run itself
    assert named.baseline_id == latest.id


def test_a_renamed_experiment_file_has_no_baseline_and_the_note_names_the_file_of_the_runs_there(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A baseline is a run of the same file: after ``git mv`` the runs at the merge base are the old file's, and the
    comment said 'There is no run of support-bot-quickstart at this change's merge base', which was false."""
    at_fork = repo.run(capsys)
    assert "Runs of" not in at_fork.out  # no other file's runs: no such note
    repo.git("checkout", "-qb", "rename")
    repo.git("mv", ".honeyhive/experiment.yml", ".honeyhive/bot.yml")
    repo.git("commit", "-qm", "rename the experiment file")

    renamed = repo.run(capsys, "--config", ".honeyhive/bot.yml")

    assert renamed.baseline_id is None
    note = (
        "Runs of support-bot-quickstart exist at the merge base from .honeyhive/experiment.yml; a baseline must be a"
        " run of this file, .honeyhive/bot.yml: if you renamed or moved it, compare once with --baseline RUN_ID"
    )
    terminal, comment = renamed.out.split("----- the comment that would be posted -----", 1)
    assert note in terminal
    assert note.replace("_", "\\_") in comment  # markdown's escape
    assert "No run of **support-bot-quickstart** from this experiment file at this change's merge base" in comment
    assert repo.run(capsys, "--config", ".honeyhive/bot.yml", "--baseline", at_fork.id).baseline_id == at_fork.id


def test_a_file_whose_name_reads_as_a_variant_is_named_as_it_is_and_no_matrix_is_blamed(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The note on another file's runs told a matrix leg's runs by the words " (variant " in their label: the runs of
    a file named so made it name this file "(no variant)" and blame a matrix's legs, though no run has a variant."""
    old = ".honeyhive/old (variant x).yml"
    repo.git("mv", ".honeyhive/experiment.yml", old)
    repo.git("commit", "-qm", "an experiment file named so")
    repo.run(capsys, "--config", old)
    repo.git("checkout", "-qb", "rename")
    repo.git("mv", old, ".honeyhive/bot.yml")
    repo.git("commit", "-qm", "rename the experiment file")

    renamed = repo.run(capsys, "--config", ".honeyhive/bot.yml")

    note = (
        f"Runs of support-bot-quickstart exist at the merge base from {old}; a baseline must be a run of this file,"
        " .honeyhive/bot.yml: if you renamed or moved it, compare once with --baseline RUN_ID"
    )
    assert note in renamed.out.split("----- the comment that would be posted -----", 1)[0], renamed.out


COMPARISONS_OFF = "Baseline: none (baseline.strategy: none switches comparisons off: the verdict is this run's result)"


def test_a_run_without_a_baseline_lists_the_experiments_runs_once(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The baseline rules, the note on another file's runs and the key metrics' trend read one listing of the
    experiment's runs: with no baseline found, the note had listed them all again (up to 50 pages), and the trend
    once more."""
    with LocalBackend(str(tmp_path / "served.db"), API_KEY) as served, FaultProxy(served.url, rate=0) as proxy:
        env = {"HH_API_KEY": API_KEY, "HH_API_URL": proxy.url}
        first = repo.run(capsys, env=env)
        proxy.routes.clear()
        second = repo.run(capsys, env=env)  # its baseline and its trend from one listing too
        assert proxy.routes["GET /v1/runs"] == 1
        assert second.baseline_id == first.id
        assert [point["run_id"] for point in second.report["trend"]] == [first.id]
        repo.git("checkout", "-qb", "rename")
        repo.git("mv", ".honeyhive/experiment.yml", ".honeyhive/bot.yml")
        repo.git("commit", "-qm", "rename the experiment file")
        proxy.routes.clear()
        renamed = repo.run(capsys, "--config", ".honeyhive/bot.yml", env=env)
        listings = proxy.routes["GET /v1/runs"]
    assert renamed.baseline_id is None
    assert "Runs of support-bot-quickstart exist at the merge base from .honeyhive/experiment.yml" in renamed.out
    assert listings == 1


def test_with_strategy_none_the_verdict_is_the_runs_own_result(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """``baseline: {strategy: none}`` is documented as "the verdict is the backend's result alone", but every run was
    neutral ("no baseline run to compare with yet"), and the terminal and comment promised a baseline that never
    came. Now: pass or fail from the run's own result, on every run, and nothing promised."""
    config = repo.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "baseline: {strategy: none}\n", encoding="utf-8")
    repo.git("commit", "-qam", "no comparisons")

    first = repo.run(capsys)
    second = repo.run(capsys)  # a previous local run exists now: still nothing is compared

    for run in (first, second):
        assert (run.report["verdict"], run.report["reasons"]) == ("pass", ["every datapoint passed"])
        assert (run.report["comparisons_off"], run.report["comparison"], run.baseline_id) == (True, None, None)
        assert run.baseline_line == COMPARISONS_OFF
        assert "**No baseline: comparisons are switched off.**" in run.out  # the comment
        assert "No baseline yet" not in run.out
    assert [row["check"] for row in repo.runs(capsys, "--json")] == ["pass", "pass"]  # the stamped verdicts

    view = main(["view", first.id, "--no-open", "-C", str(repo.root)], environ={})  # judged again: the same verdict
    page = Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")
    assert view == 0
    assert 'class="verdict verdict-pass"' in page
    assert "no baseline: comparisons are switched off (baseline.strategy: none)" in page

    named = repo.run(capsys, "--baseline", first.id)  # a run named for this invocation is still compared with
    assert (named.baseline_id, named.report["verdict"]) == (first.id, "pass")
    assert named.report["comparison"] is not None

    set_answers(repo.root, {"change email": "I do not know."})  # a datapoint below its passing range fails the run
    report = repo.root.parent / "failed.json"
    assert main(["run", "--dry-run", "-C", str(repo.root), "--report", str(report)], environ={}) == 1
    failed = json.loads(report.read_text(encoding="utf-8"))
    assert (failed["verdict"], failed["reasons"]) == ("fail", ["1 datapoint(s) failed their passing ranges"])
    assert COMPARISONS_OFF in capsys.readouterr().out

    # a gate compares with the baseline: with strategy none it could never fail, and validate said ok
    line = len(config.read_text(encoding="utf-8").splitlines()) + 1
    with config.open("a", encoding="utf-8") as experiment:
        experiment.write("gate:\n  keyword_recall: {max_drop: 0.1}\n")
    assert main(["validate", "-C", str(repo.root)], environ={}) == 2
    assert (
        f"experiment.yml:{line}: gate: a gate holds a metric against the baseline, but baseline.strategy is none"
        in capsys.readouterr().err
    )


def test_a_run_judged_without_a_baseline_is_viewed_as_it_was_judged(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """view and publish judge a run whose check had no baseline without one again: under a strategy that looks for
    one, that is still neutral, not the result's own verdict (which only strategy none gives)."""
    first = repo.run(capsys)
    repo.run(capsys)  # a later run: the baseline rules would pick the first one now, but its check had none
    assert first.report["verdict"] == "neutral"

    assert main(["view", first.id, "--no-open", "-C", str(repo.root)], environ={}) == 0
    page = Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")
    assert 'class="verdict verdict-neutral"' in page
    assert "no baseline to compare with yet" in page


def test_a_run_with_uncommitted_changes_is_labelled_and_never_a_later_clean_runs_baseline(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    head = repo.git("rev-parse", "HEAD")
    clean = repo.run(capsys)
    app = repo.root / "support_bot" / "app.py"
    original = app.read_text(encoding="utf-8")
    app.write_text(original + "\n# an experiment in progress\n", encoding="utf-8")

    dirty = repo.run(capsys)

    assert f"Commit: {head[:7]} + uncommitted changes" in dirty.out
    assert f"for commit {head[:7]} + uncommitted changes" in dirty.out  # the comment's footer
    with (
        LocalBackend(str(repo.root / ".honeyhive" / "local.db")) as stored,
        HoneyHiveClient(stored.url, stored.api_key) as hh,
    ):
        stamps = {run_id: hh.get_run(run_id)["metadata"]["ci"] for run_id in (clean.id, dirty.id)}
    assert stamps[dirty.id]["dirty"] is True
    assert re.fullmatch(r"[0-9a-f]{64}", stamps[dirty.id]["diff_sha256"])
    assert (stamps[clean.id]["dirty"], stamps[clean.id].get("diff_sha256")) == (False, None)
    listed = {row["run_id"]: row for row in repo.runs(capsys, "--json")}
    assert (listed[dirty.id]["dirty"], listed[clean.id]["dirty"]) == (True, False)
    table = repo.runs(capsys)
    assert f"{head[:7]} + uncommitted changes" in next(line for line in table.splitlines() if dirty.id in line)

    app.write_text(original, encoding="utf-8")  # reverted: the quickstart user's case
    reverted = repo.run(capsys)

    assert "+ uncommitted changes" not in reverted.out
    assert reverted.baseline_id == clean.id  # not the newer run at the same commit, whose code differed
    assert reverted.baseline_line == f"Baseline: support-bot-quickstart (local run at merge-base {head[:7]} with main)"


def test_view_shows_the_commit_each_run_was_made_at_not_the_checkouts(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """view labelled an older run with the commit checked out when view ran (and "+ uncommitted changes" when the
    working tree was dirty then): the page said the run measured code it was not made from."""
    made_at = repo.git("rev-parse", "HEAD")
    clean = repo.run(capsys)
    app = repo.root / "support_bot" / "app.py"
    app.write_text(app.read_text(encoding="utf-8") + "\n# an experiment in progress\n", encoding="utf-8")
    dirty = repo.run(capsys)
    assert dirty.baseline_id == clean.id
    now_at = repo.commit("later")  # the edit committed, and the tree dirty again when view runs
    (repo.root / "README.md").write_text("edited\n", encoding="utf-8")

    def page(run_id: str) -> str:
        assert main(["view", run_id, "--no-open", "-C", str(repo.root)], environ={}) == 0
        return Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")

    def commit(text: str) -> str | None:  # the run's, beside its id at the top of the page
        found = re.search(r"Run \S+ at commit ([0-9a-f]+(?: \+ uncommitted changes)?)", text)
        return found[1] if found else None

    assert commit(page(clean.id)) == made_at[:7]  # made clean: no "+ uncommitted changes" from today's tree
    shown = page(dirty.id)
    assert commit(shown) == f"{made_at[:7]} + uncommitted changes"
    assert now_at[:7] not in shown
    assert f"({clean.id}; the baseline its check was judged against: commit {made_at[:7]} on main" in shown


def test_view_of_a_run_made_outside_git_shows_no_commit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run that recorded no commit was labelled with the commit checked out when view ran."""
    root = copy_quickstart(tmp_path / "repo", questions=3)
    report = tmp_path / "report.json"
    assert main(["run", "--dry-run", "-C", str(root), "--report", str(report)], environ={}) == 0
    run_id = json.loads(report.read_text(encoding="utf-8"))["run"]["id"]
    init_repository(root)
    capsys.readouterr()

    assert main(["view", run_id, "--no-open", "-C", str(root)], environ={}) == 0
    page = Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")
    assert f"Run {run_id} · " in page
    assert " at commit " not in page


def test_a_run_outside_git_notes_that_every_run_may_be_the_next_ones_baseline(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without git the second run compared with the first, edited code or not, and nothing said runs could not be
    told apart (audit80 F11); in a repository nothing is said."""
    plain = Repo(copy_quickstart(tmp_path / "plain", questions=3))
    first = plain.run(capsys)
    second = plain.run(capsys)
    assert second.baseline_id == first.id
    for run in (first, second):
        assert any(note.startswith("Not a git repository") for note in run.report["notes"]), run.report["notes"]
        assert "every run here, edited code included, may be the next one's baseline" in run.out
    assert not any("git repository" in note for note in repo.run(capsys).report["notes"])


def test_the_tools_own_files_are_not_uncommitted_changes(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """.honeyhive/local.db (the embedded backend) and --report's file are written by the run itself."""
    report = repo.root / ".honeyhive" / "report.json"
    first = repo.run(capsys, report=report)
    repo.commit("next")  # no run at the new HEAD (the merge base of main with main): the previous local run
    second = repo.run(capsys, report=report)
    sha = first.report["run"]["head_sha"]
    assert second.baseline_line == f"Baseline: support-bot-quickstart (previous local run: commit {sha[:7]} on main)"
    assert (repo.root / ".honeyhive" / "local.db").is_file()
    assert "+ uncommitted changes" not in first.out + second.out
    assert [row["dirty"] for row in repo.runs(capsys, "--json")] == [False, False]


def test_runs_lists_the_local_backends_runs_and_marks_the_baseline(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    on_main = repo.run(capsys)
    repo.git("checkout", "-qb", "feature")
    repo.commit("feature work")
    on_feature = repo.run(capsys)

    rows = repo.runs(capsys, "--json")
    assert [(r["run_id"], r["branch"], r["check"], r["verdict"], r["passed"], r["failed"]) for r in rows] == [
        (on_feature.id, "feature", "pass", "pass", 3, 0),  # the check compared with main's run: pass
        (on_main.id, "main", "neutral", "pass", 3, 0),  # the first run had nothing to compare with
    ]
    assert [r["baseline"] for r in rows] == [False, True]  # what the next run here compares with: the merge base
    assert [r["run_id"] for r in repo.runs(capsys, "--json", "--limit", "1")] == [on_feature.id]  # the newest only
    assert [r["baseline"] for r in repo.runs(capsys, "--json", "--baseline", "feature")] == [True, False]
    assert [
        r["baseline"] for r in repo.runs(capsys, "--json", "--baseline", on_feature.report["run"]["head_sha"][:8])
    ] == [True, False]
    table = repo.runs(capsys, "--baseline", "main")
    marked = [line for line in table.splitlines() if line.startswith("*")]
    assert len(marked) == 1
    assert on_main.id in marked[0]


@pytest.mark.parametrize("pinned", ["00000000-0000-0000-0000-000000000000", "nope"])
def test_a_baseline_the_experiment_file_pins_that_names_no_run_is_refused_at_its_line_before_the_run(
    repo: Repo, capsys: pytest.CaptureFixture[str], pinned: str
) -> None:
    """A stale ``baseline.run_id`` was found once every datapoint was recorded (the run then stamped ``error``), its
    error naming no line, though ``--baseline`` naming it is refused before the run; and ``runs``, where a new one is
    picked, exited 2 listing nothing. The run is refused before it starts, at the file's line, and ``runs`` lists the
    runs, saying why a run would be refused."""
    first = repo.run(capsys)
    config = repo.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(f"{text}baseline: {{run_id: {pinned}}}\n", encoding="utf-8")
    repo.commit("a stale baseline")
    said = f"experiment.yml:{text.count(chr(10)) + 1}: baseline.run_id: " + (
        f"baseline run {pinned} does not exist in this HoneyHive project" if "-" in pinned else f"baseline {pinned}: no"
    )
    assert main(["run", "--dry-run", "-C", str(repo.root)], environ={}) == 2
    refused = capsys.readouterr()
    assert said in refused.err, refused.err
    assert "datapoints" not in refused.err  # no progress: nothing ran

    assert main(["runs", "--json", "-C", str(repo.root)], environ={}) == 0
    listed = capsys.readouterr()
    assert [row["run_id"] for row in json.loads(listed.out)] == [first.id]  # the refused run recorded nothing
    assert f"warning: {config}:" in listed.err
    assert said in listed.err


def test_a_baseline_run_id_typed_in_upper_case_is_that_run(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """Run ids are UUIDs, whose hex digits ignore case (``view`` takes them so): ``--baseline 6650E012-…`` (the
    baseline-run-id input) and a pinned ``baseline.run_id`` in capitals were refused as runs that do not exist."""
    first = repo.run(capsys)
    latest = repo.run(capsys)  # what the rules would pick: the run named is the baseline instead
    typed = first.id.upper()
    asked = repo.run(capsys, "--baseline", typed)
    assert asked.baseline_id == first.id
    assert asked.report["baseline"]["about"].startswith("the run asked for")
    assert repo.run(capsys, "--baseline", typed.replace("-", "")).baseline_id == first.id
    rows = repo.runs(capsys, "--json", "--baseline", typed)
    assert [row["run_id"] for row in rows if row["baseline"]] == [first.id]

    config = repo.root / ".honeyhive" / "experiment.yml"
    config.write_text(f"{config.read_text(encoding='utf-8')}baseline: {{run_id: {typed}}}\n", encoding="utf-8")
    repo.commit("a baseline pinned in capitals")
    pinned = repo.run(capsys)
    assert pinned.baseline_id == first.id != latest.id
    assert pinned.report["baseline"]["about"].startswith("the run asked for")


STOPPING = """
import os
import signal
from pathlib import Path

from support_bot.app import answer as _answer

STOP = Path(__file__).resolve().parents[1] / "stop"


def answer(datapoint):
    if STOP.exists():  # the job is cancelled (SIGTERM, as the runner sends) while this datapoint runs
        STOP.unlink()
        os.kill(os.getpid(), signal.SIGTERM)
    return _answer(datapoint)
"""


def test_a_cancelled_run_named_as_the_baseline_is_refused_saying_what_it_recorded(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--baseline RUN_ID`` of a run cancelled after part of its datapoints was compared as is: only the datapoints
    it reached were compared, so a change regressing the others passed its gates (exit 0), said only by the overlap's
    warning (audit 46a #4). It is refused before anything runs, as a run that does not exist is, saying its status
    and how many datapoints it recorded; pinned in the experiment file, at its line."""
    config = repo.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    (repo.root / "support_bot" / "stopping.py").write_text(STOPPING, encoding="utf-8")
    stopping = text.replace("support_bot.app:answer", "support_bot.stopping:answer").replace(
        "max_workers: 8", "max_workers: 1"
    )
    config.write_text(stopping, encoding="utf-8")
    repo.commit("a run that is cancelled")
    (repo.root / "stop").touch()
    report = repo.root.parent / "cancelled.json"
    assert main(["run", "--dry-run", "-C", str(repo.root), "--report", str(report)], environ={}) != 0
    capsys.readouterr()
    cancelled = json.loads(report.read_text(encoding="utf-8"))
    found = re.search(r"(\d) of 3 datapoint\(s\) were recorded; it is marked cancelled", cancelled["error"])
    assert found is not None, cancelled["error"]
    run_id, recorded = cancelled["run"]["id"], int(found[1])
    assert 0 < recorded < 3
    listed = repo.runs(capsys, "--json")

    config.write_text(text, encoding="utf-8")
    repo.commit("back to the bot")
    said = (
        f"baseline run {run_id} is cancelled, not completed: it recorded {recorded} of its 3 datapoints, and compared"
        " with it this run would be judged on those alone (a regression on the others would pass unseen); name a"
        " completed run, or a commit or a branch (whose latest completed run is taken)"
    )
    assert main(["run", "--dry-run", "-C", str(repo.root), "--baseline", run_id], environ={}) == 2
    assert f"error: {said}" in capsys.readouterr().err
    config.write_text(f"{text}baseline: {{run_id: {run_id}}}\n", encoding="utf-8")
    repo.commit("the cancelled run pinned")
    assert main(["run", "--dry-run", "-C", str(repo.root)], environ={}) == 2
    assert f"experiment.yml:{text.count(chr(10)) + 1}: baseline.run_id: {said}" in capsys.readouterr().err
    assert repo.runs(capsys, "--json") == listed  # refused before the run: nothing was recorded


@pytest.mark.parametrize("case", [str.lower, str.upper], ids=["lower", "upper"])
def test_a_commit_named_by_32_hex_digits_is_that_commit_not_a_run_id(
    repo: Repo, capsys: pytest.CaptureFixture[str], case: Callable[[str], str]
) -> None:
    """32 hex digits are a run id without its dashes or a commit's first 32: ``--baseline ${SHA:0:32}`` (the
    baseline-run-id input, a pinned ``baseline.run_id``) was rewritten into a run id as it was read, so the commit
    was never looked for, and the error quoted a dashed id nobody typed."""
    first = repo.run(capsys)
    prefix = case(first.report["run"]["head_sha"][:32])
    repo.commit("main moves on")
    latest = repo.run(capsys)  # what the rules would pick: the commit named is the baseline instead
    asked = repo.run(capsys, "--baseline", prefix)
    assert asked.baseline_id == first.id != latest.id
    assert asked.report["baseline"]["about"].startswith(f"latest local run at commit {prefix[:7]}")
    rows = repo.runs(capsys, "--json", "--baseline", prefix)
    assert [row["run_id"] for row in rows if row["baseline"]] == [first.id]

    config = repo.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(f"{text}baseline: {{run_id: {prefix}}}\n", encoding="utf-8")
    repo.commit("a baseline pinned by its commit")
    assert repo.run(capsys).baseline_id == first.id

    nothing = case("0123456789abcdef" * 2)  # neither a run's id nor a commit's: said as typed
    assert main(["run", "--dry-run", "-C", str(repo.root), "--baseline", nothing], environ={}) == 2
    assert f"baseline run {nothing} does not exist in this HoneyHive project" in capsys.readouterr().err


def test_a_revision_named_as_the_baseline_is_the_commit_git_resolves_it_to(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--baseline HEAD~1`` (``main^``, a tag; the file's ``baseline.run_id`` too) named nothing: only the runs'
    stamped shas and branches were matched (audit 46a #2). git resolves it in the checkout, the baseline says to which
    commit, and what git would read as an option is none."""
    first = repo.run(capsys)
    sha = first.report["run"]["head_sha"]
    repo.commit("main moves on")
    latest = repo.run(capsys)
    asked = repo.run(capsys, "--baseline", "HEAD~1")
    assert asked.baseline_id == first.id != latest.id
    why = f"latest local run at commit {sha[:7]} (HEAD~1): on main"
    assert asked.baseline_line == f"Baseline: support-bot-quickstart ({why})"
    assert [row["run_id"] for row in repo.runs(capsys, "--json", "--baseline", "main~1") if row["baseline"]] == [
        first.id
    ]
    config = repo.root / ".honeyhive" / "experiment.yml"
    config.write_text(f"{config.read_text(encoding='utf-8')}baseline: {{run_id: 'main~2'}}\n", encoding="utf-8")
    repo.commit("a baseline pinned by a revision")
    assert repo.run(capsys).baseline_id == first.id

    assert main(["run", "--dry-run", "-C", str(repo.root), "--baseline=--output=x"], environ={}) == 2
    assert "baseline --output=x: no completed run of" in capsys.readouterr().err
    assert not (repo.root / "x").exists()


def test_a_revision_before_the_commit_of_a_shallow_clone_says_to_fetch_the_history(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--baseline HEAD~1`` in a shallow clone (actions/checkout fetches one commit by default) said only "does not
    exist", as if no run were there (audit 48a): git cannot walk back from a commit whose parent it was not given."""
    repo.commit("a second commit")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.root.as_uri(), str(shallow))

    code = main(["run", "--dry-run", "-C", str(shallow), "--baseline", "HEAD~1"], environ={})

    assert code == 2
    err = capsys.readouterr().err
    assert "baseline HEAD~1: no completed run of" in err, err  # a revision, not a run that does not exist
    assert "HEAD~1 walks back from a commit this checkout does not have: it is shallow" in err, err
    assert "git fetch --unshallow" in err, err  # a terminal's fix, not the workflow's (fetch-depth: 0)
    assert main(["run", "--dry-run", "-C", str(repo.root), "--baseline", "HEAD~5"], environ={}) == 2
    assert "shallow" not in capsys.readouterr().err  # a whole clone's history simply has no such commit
    # a run id no run has: a deeper checkout would not help it (audit72 F3)
    missing = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert main(["run", "--dry-run", "-C", str(shallow), "--baseline", missing], environ={}) == 2
    err = capsys.readouterr().err
    assert f"baseline run {missing} does not exist" in err, err
    assert "it is shallow" not in err, err


def test_runs_lists_the_runs_while_the_dataset_file_is_mid_edit(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """``runs`` read every record of the dataset file (for its identity, which needs only its path): a file being
    edited, not JSON Lines for a moment, or moved away, hid the list; ``view`` never needed it."""
    first = repo.run(capsys)
    data = repo.root / "data" / "questions.jsonl"
    data.write_text('{"inputs": {"question": "half written', encoding="utf-8")
    assert [(r["run_id"], r["baseline"]) for r in repo.runs(capsys, "--json")] == [(first.id, True)]
    data.unlink()
    assert [(r["run_id"], r["baseline"]) for r in repo.runs(capsys, "--json")] == [(first.id, True)]


def test_runs_lists_a_served_backends_runs(repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``--server-url`` (or ``HH_API_URL``) with ``HH_API_KEY``: the runs of a served backend, not the local db."""
    with LocalBackend(str(tmp_path / "served.db"), API_KEY) as served:
        env = {"HH_API_KEY": API_KEY}
        first = repo.run(capsys, "--server-url", served.url, env=env)
        second = repo.run(capsys, env={**env, "HH_API_URL": served.url})
        assert second.baseline_id == first.id
        assert second.report["run"]["url"] is None  # a server it cannot map to an app: no link rather than a wrong one

        rows = repo.runs(capsys, "--json", "--server-url", served.url, env=env)
        assert [r["run_id"] for r in rows] == [second.id, first.id]
        assert [(r["verdict"], r["passed"], r["failed"]) for r in rows] == [("pass", 3, 0), ("pass", 3, 0)]
        linked = repo.run(capsys, env={**env, "HH_API_URL": served.url, "HONEYHIVE_APP_URL": "https://hh.example.com"})
        assert linked.report["run"]["url"] == f"https://hh.example.com/evaluate/{linked.id}"
    assert not (repo.root / ".honeyhive" / "local.db").exists()


PINNED = "5b1c3a3e-0c1d-4f0e-9a55-6f1d2b7c9e01"  # a literal: xdist workers must collect the same ids
"""A run of the served backend, which answers 404 for it once it was asked for it once: deleted meanwhile."""

ERRORS_AFTER_RECORDING = [
    # (what went wrong once the run was recorded, a line of the experiment file, what it becomes, the backend's
    # ingestion delay in seconds)
    (
        "the baseline the experiment file pins was deleted while the run was recorded (found while judging)",
        "comment: {max_datapoints: 10}",
        f"comment: {{max_datapoints: 10}}\nbaseline: {{run_id: {PINNED}}}",
        0.0,
    ),
    ("the backend did not ingest the run in time", "ingestion: {timeout: 30}", "ingestion: {timeout: 0.5}", 60.0),
]


@pytest.mark.parametrize(
    ("rule", "line", "becomes", "delay"), ERRORS_AFTER_RECORDING, ids=[row[0] for row in ERRORS_AFTER_RECORDING]
)
def test_a_run_whose_check_ended_in_an_error_is_stamped_so_and_is_never_a_branch_baseline(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path, rule: str, line: str, becomes: str, delay: float
) -> None:
    """The run was recorded (and the backend may call it a success), then the invocation failed: its check says
    ``error``, ``runs`` shows it, and the branch rule (a PR's fallback without a run at its merge base) skips it."""
    config = repo.root / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    assert line in text
    config.write_text(text.replace(line, becomes, 1), encoding="utf-8")
    repo.commit(rule)  # committed: a run with uncommitted changes is no baseline anyway

    def deleted_once_found(method: str, path: str) -> bool:  # found before the run, gone when it is judged
        return path == f"/v1/runs/{PINNED}" and proxy.routes[f"GET /v1/runs/{PINNED}"] > 1

    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY, ingest_delay=delay) as served,
        FaultProxy(served.url, rate=0, missing=deleted_once_found) as proxy,
        HoneyHiveClient(served.url, API_KEY) as hh,
    ):
        hh.create_run({"run_id": PINNED, "name": "another experiment", "status": "completed"})
        report = tmp_path / "report.json"
        argv = ["run", "--dry-run", "-C", str(repo.root), "--server-url", proxy.url, "--report", str(report)]
        assert main(argv, environ={"HH_API_KEY": API_KEY}) == 2, capsys.readouterr().out
        assert json.loads(report.read_text(encoding="utf-8"))["verdict"] == "error"
        [row] = recent_run_rows(hh, "support-bot-quickstart", limit=5, config_file=DEFAULT_CONFIG_PATH, repository=None)
        assert (row.status, row.check) == ("completed", "error")  # what ``runs`` shows
        run = ExperimentRun.model_validate(hh.get_run(row.run_id))
        assert run.metadata["check"] == {"verdict": "error"}
        query = BaselineQuery(
            experiment=run.name or "",
            dataset_id=DatasetIdentity.of_run(run),
            policy=BaselineConfig(strategy=BaselineStrategy.BRANCH),
            base_branch="main",
            now=datetime.now(UTC),
            config_file=".honeyhive/experiment.yml",
            repository=None,
        )
        chosen = choose_baseline(hh, query, ancestry=lambda commit, of: None)
    assert chosen is None


def test_a_bug_of_ours_after_the_run_was_recorded_names_the_run_and_stamps_it_error(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception no code of ours raises on purpose, once the run was recorded (``max_age_days: 1000000`` made the
    baseline search raise OverflowError: the report named no run, and the run stayed ``completed`` with no check, a
    later baseline): the report names the run, its check says ``error`` (never a branch baseline), and the error
    stays the bug it is, exit code and all. The one mock: no input makes our code raise so (that overflow is fixed),
    so ``baseline.pick_baseline`` is made to raise it; what is tested is the invocation's handling of any exception.
    """

    def overflows(*args: object, **kwargs: object) -> None:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(baseline, "pick_baseline", overflows)
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as served,
        HoneyHiveClient(served.url, API_KEY) as hh,
    ):
        report_file = tmp_path / "report.json"
        argv = ["run", "--dry-run", "-C", str(repo.root), "--server-url", served.url, "--report", str(report_file)]
        assert main(argv, environ={"HH_API_KEY": API_KEY}) == 2, capsys.readouterr().out
        report = json.loads(report_file.read_text(encoding="utf-8"))
        [row] = recent_run_rows(hh, "support-bot-quickstart", limit=5, config_file=DEFAULT_CONFIG_PATH, repository=None)
        assert (report["verdict"], report["error_kind"], report["run"]["id"]) == ("error", "bug", row.run_id)
        assert report["error"] == "unexpected OverflowError: date value out of range"
        assert (row.status, row.check) == ("completed", "error")  # what ``runs`` shows
        assert hh.get_run(row.run_id)["metadata"]["check"] == {"verdict": "error"}


def test_a_merge_base_run_whose_check_failed_is_said_to_have_failed(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run at the merge base is the baseline whatever its result, and the comment says when it failed: also
    when its check failed on a gate while HoneyHive counted every datapoint as passed."""
    config = repo.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text() + "gate:\n  answer_words: {max_worse_pct: 1}\n")
    repo.git("commit", "-qam", "a gate on the answers' length")
    repo.run(capsys)
    app = repo.root / "support_bot" / "app.py"
    app.write_text(app.read_text().replace('STYLE = "concise"', 'STYLE = "friendly"'))
    repo.git("commit", "-qam", "friendlier, longer answers")
    report = repo.root.parent / "report.json"
    assert main(["run", "--dry-run", "-C", str(repo.root), "--report", str(report)], environ={}) == 1
    crossed = json.loads(report.read_text(encoding="utf-8"))
    assert (crossed["verdict"], crossed["summary"]["success"]) == ("fail", True)
    repo.git("checkout", "-qb", "feature/docs")
    repo.commit("docs only")
    capsys.readouterr()

    on_feature = repo.run(capsys)

    assert on_feature.baseline_id == crossed["run"]["id"]
    assert on_feature.report["baseline"]["about"].endswith(", failed"), on_feature.report["baseline"]["about"]


def test_a_run_whose_check_could_not_record_its_verdict_is_passed_over_and_viewed_as_never_judged(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The backend refused the verdict's stamp (``GET /v1/runs/<id>`` answered 429, every retry too): the run keeps
    its check ``pending``, ``runs`` says so, a later run at its commit passes it over at the merge base (nothing says
    how its check ended: it may have errored) for the earlier run there, and ``view`` judges it by the rules, not as
    a check that found no baseline."""

    def the_stamps_read(method: str, path: str) -> bool:
        return method == "GET" and re.fullmatch(r"/v1/runs/[0-9a-f-]{36}", path.split("?", 1)[0]) is not None

    env = {"HH_API_KEY": API_KEY}
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as served,
        FaultProxy(served.url, rate=1.0, kinds=[Fault.HTTP_429], should_fault=the_stamps_read) as proxy,
    ):
        first = repo.run(capsys, "--server-url", served.url, env=env)
        lost = repo.run(capsys, "--server-url", proxy.url, env=env)
        assert proxy.counts[Fault.HTTP_429] > 0, "the stamp was never refused: this proves nothing"
        later = repo.run(capsys, "--server-url", served.url, env=env)
        rows = repo.runs(capsys, "--json", "--server-url", served.url, env=env)
        viewed = main(["view", lost.id, "--no-open", "-C", str(repo.root), "--server-url", served.url], environ=env)
        page = Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")

    assert (lost.baseline_id, later.baseline_id) == (first.id, first.id)
    assert [(row["run_id"], row["check"], row["baseline"]) for row in rows] == [
        (later.id, "pass", True),  # what a run here now compares with
        (lost.id, "pending", False),
        (first.id, "neutral", False),
    ]
    assert viewed == 0
    assert 'class="verdict verdict-pass"' in page
    assert f"({later.id};" in page  # compared with the run the rules pick now: the newest one at its commit


def test_a_branch_named_as_the_baseline_passes_over_its_run_whose_check_errored_and_says_so(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--baseline main`` took main's latest run whatever it was, one whose check errored too (no result to compare
    with); it is passed over as at the merge base, and the report's note names it, which the check stamps."""
    env = {"HH_API_KEY": API_KEY}
    with LocalBackend(str(tmp_path / "served.db"), API_KEY) as served, HoneyHiveClient(served.url, API_KEY) as hh:
        first = repo.run(capsys, "--server-url", served.url, env=env)
        broke = repo.run(capsys, "--server-url", served.url, env=env)
        recorded = hh.get_run(broke.id)
        hh.update_run(broke.id, {"metadata": {**recorded["metadata"], "check": {"verdict": "error"}}})
        repo.git("checkout", "-qb", "feature/named")
        repo.commit("feature work")
        named = repo.run(capsys, "--baseline", "main", "--server-url", served.url, env=env)
        stamped = hh.get_run(named.id)["metadata"]["check"]

    assert named.baseline_id == first.id
    assert named.baseline_line.startswith("Baseline: support-bot-quickstart (latest usable local run on main: commit ")
    note = (
        f"Passed over on main: {broke.id} (its check errored). A run whose check errored could not be evaluated, and"
        " one whose check recorded no verdict may have errored: neither is a result to compare with, so the baseline"
        " is the latest usable local run on main. To compare with one anyway, name it by its run id"
        " (baseline-run-id, --baseline RUN_ID)."
    )
    assert note in named.report["notes"]
    assert stamped["baseline_note"] == note  # publish and view say it too


def test_the_warning_of_a_refused_verdict_stamp_says_truly_which_runs_may_take_it_as_their_baseline(
    repo: Repo, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """The warning said "no later run takes it as its baseline by the rules", and the next local run took exactly
    that run (a local run's previous run, whatever its result): it now says which rules pass it over, and that."""

    def refuse_the_stamp(method: str, path: str, body: Any) -> Any:
        check = (body.get("metadata") or {}).get("check") if method == "PUT" and isinstance(body, dict) else None
        return {**body, "status": "refused"} if check and check.get("verdict") != "pending" else body

    env = {"HH_API_KEY": API_KEY}
    with (
        LocalBackend(str(tmp_path / "served.db"), API_KEY) as served,
        FaultProxy(served.url, rate=0, rewrite_request=refuse_the_stamp) as proxy,
    ):
        lost = repo.run(capsys, "--server-url", proxy.url, env=env)
        [warning] = [r.getMessage() for r in caplog.records if "could not record the check's verdict" in r.message]
        later = repo.run(capsys, "--server-url", served.url, env=env)

    assert later.baseline_id == lost.id
    assert "(previous local run: commit " in later.baseline_line, later.baseline_line
    assert warning.endswith(
        "its check stays pending, so no run takes it as its baseline at the merge base or on the base branch (a later"
        " local run on its branch may still take it as its previous run, whatever its result)"
    ), warning


def test_an_evaluator_that_forgot_its_return_is_said_and_its_metric_has_no_values_in_this_run(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """``answer_words`` lost its ``return`` (None on every datapoint): the check passed, every datapoint passed, its
    row read "not in this run" (as if taken out of the experiment), and nothing said why; a dict without a score was
    said only in the log. Now the verdict warns of both (terminal, comment, report.json) and the row has no values.
    The returned-None warning is the metric's too: it was also said to have "no value in this run, though the
    baseline has one", a second warning of one cause."""
    repo.run(capsys)
    repo.edit_answer_words('    len(str(outputs.get("answer", "")))')
    add_evaluator(repo.root, "rubric", "def rubric(outputs, inputs, ground_truth=None):\n    return {'grounded': 1}\n")
    repo.git("commit", "-qam", "forgot a return; a rubric")

    forgotten = repo.run(capsys)

    said = (
        "evaluator 'rubric' returned a dict with no 'score' (keys: 'grounded'), so there is no metric 'rubric', only"
        " rubric_<key> ones: fine for a dict of several metrics, else return the metric as 'score'",
        "evaluator 'answer_words' returned None on every datapoint it ran on (3), so it produced no metric: does it end"
        " without a return?",
    )
    report = forgotten.report
    assert report["verdict"] == "pass"
    assert report["warnings"] == list(said)
    [row] = [m for m in report["metrics"] if m["name"] == "answer_words"]
    assert (row["baseline"] is not None, row["value"], row["change"]) == (True, None, "removed")
    terminal, comment = forgotten.out.split("----- the comment that would be posted -----", 1)
    assert all(f"  ! {text}" in terminal for text in said), terminal
    assert re.search(r"^Answer length \(words\) .* no values in this run$", terminal, flags=re.M), terminal
    assert "➖ no values in this run" in comment
    escaped = [t.replace("_", "\\_").replace("<", "&lt;").replace(">", "&gt;") for t in said]
    assert all(f"> - {text}\n" in comment for text in escaped), comment


def test_a_judged_metric_whose_evaluator_forgot_its_return_is_said_once_by_its_reason(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A gate on ``answer_words``, whose evaluator lost its ``return``: the gate's reason names the forgotten return,
    and the same words were said again as a warning right under it (regression audit, session 39)."""
    config = repo.root / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8") + "gate:\n  answer_words: {max_worse_pct: 5}\n", "utf-8")
    repo.git("commit", "-qam", "a gate on the answers' length")
    repo.run(capsys)
    repo.edit_answer_words('    len(str(outputs.get("answer", "")))')
    repo.git("commit", "-qam", "forgot a return")

    forgotten = repo.run(capsys, exit_code=1)

    said = "'answer_words' returned None on every datapoint it ran on"
    report = forgotten.report
    assert report["verdict"] == "fail"
    assert [r for r in report["reasons"] if said in r], report["reasons"]
    assert not [w for w in report["warnings"] if said in w], report["warnings"]
    assert forgotten.out.split("----- the comment that would be posted -----", 1)[0].count(said) == 1


def test_a_metric_only_the_baseline_has_is_said_by_its_label_in_its_format(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """``answer_words`` returns a dict now, so its metric is gone though the evaluator is still configured: said as
    "answer_words ... (12.8182)", its raw name and value beside the table's "Answer length (words)" and 12.8."""
    first = repo.run(capsys)
    repo.edit_answer_words('    return {"count": len(str(outputs.get("answer", "")).split())}')
    repo.git("commit", "-qam", "answer_words returns a dict")

    later = repo.run(capsys)

    [row] = [m for m in first.report["metrics"] if m["name"] == "answer_words"]
    baseline = f"{row['value']:.1f}"  # the quickstart's format for it
    assert later.report["warnings"][1:] == [
        f"Answer length (words) has no value in this run, though the baseline has one ({baseline}): its evaluator"
        " 'answer_words' is still configured, but recorded it on no datapoint"
    ], later.report["warnings"]
    assert re.search(rf"^Answer length \(words\) +{re.escape(baseline)} ", later.out, flags=re.M), later.out  # its row


def test_a_local_run_whose_merge_base_is_unknown_says_why(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without a default branch to take the merge base with (no origin/HEAD, main or master), or in a shallow clone,
    the baseline is the previous run on the branch (or none), and nothing said why the merge base's was not looked
    for (audit70 #5)."""
    fork_point = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-qb", "feature")
    repo.commit("feature work")
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on")
    shallow = tmp_path / "shallow"
    git(
        tmp_path, "clone", "-q", "--depth=1", "--no-single-branch", "--branch=feature", repo.root.as_uri(), str(shallow)
    )
    assert git(shallow, "rev-parse", "origin/main") != fork_point  # main is there, the fork point is not
    in_a_shallow_clone = Repo(shallow).run(capsys, report=tmp_path / "shallow.json")
    assert in_a_shallow_clone.baseline_id is None
    assert in_a_shallow_clone.report["notes"][0] == (
        "HEAD's merge base with main is unknown (a shallow clone: git fetch --unshallow; or they share no history),"
        " so no run at it could be looked for."
    )

    repo.git("branch", "-m", "main", "trunk")
    first = repo.run(capsys)
    unknown = "HEAD's merge base is unknown (no origin/HEAD, main or master here: name the branch with --base)"
    assert first.report["notes"][0] == f"{unknown}, so no run at it could be looked for."
    repo.commit("trunk moves on")
    second = repo.run(capsys)
    assert second.baseline_id == first.id
    assert second.report["notes"][0] == f"{unknown}, so the baseline is the previous run on trunk."

"""Benchmark: a large run (20,000 datapoints) through the whole CLI: peak RSS and wall time per source tree.

Each measurement is one ``python -m honeyhive_experiment run --dry-run`` process in a generated repository: an
experiment file, a ``.jsonl`` dataset of ``--datapoints`` rows, a cheap deterministic function, three evaluators
(a boolean, an integer and a float metric; 1 % of the datapoints fail the boolean's passing range) and a custom
comment template that extends the built-in one (so a user template's render path runs too). No ``HH_API_KEY``:
the CLI starts the embedded local backend (``honeyhive_local``) in its own process, on ``.honeyhive/local.db``,
so the peak RSS is the client's and the backend's together. Each repository is run twice: the first run has
no baseline, the second compares with the first (the comparison path). Both are reported.

What is compared is **source trees**: ``--tree LABEL=PATH`` (repeatable) names a directory holding the
``honeyhive_experiment`` and ``honeyhive_local`` packages (a checkout's ``src``); the CLI runs with that
directory first on ``PYTHONPATH``. The first tree is the baseline; the others are printed as ratios to it.
Without ``--tree`` the baseline is this checkout's ``src``. The trees are run round-robin within each
repetition, so a machine that slows down part-way slows all of them alike.

Peak RSS is the child's own ``ru_maxrss`` from ``os.wait4`` (Linux: KiB). On Linux a child's ``ru_maxrss``
starts from its parent's RSS at the fork (it survives ``exec``), so this script imports nothing heavy and
prints its own peak: that is the floor of every figure. Wall time is from the process's start to its exit.
Each run is checked (its report.json: the verdict, every datapoint counted, the second run compared with the
first), so a fast but wrong tree cannot pass.

    .venv/bin/python benchmarks/bench_large_run.py                              # this tree, 20,000 datapoints, 3 x
    .venv/bin/python benchmarks/bench_large_run.py --tree base=src --tree no-x=/tmp/no-x/src --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RSS_LIMIT_MB = 400.0  # issue 19: a piece is kept when removing it makes the peak exceed this ...
SLOWER_LIMIT = 1.10  # ... or the run slower than this ratio
PROCESS_TIMEOUT = 3600

APP = '''"""The benchmark's user function and evaluators: cheap and deterministic."""


def answer(datapoint):
    question = datapoint["inputs"]["question"]
    return {"answer": question.upper(), "words": len(question.split())}


def exact_match(outputs, inputs, ground_truth):
    return outputs["answer"] == ground_truth["answer"]


def answer_words(outputs, inputs, ground_truth):
    return outputs["words"]


def overlap(outputs, inputs, ground_truth):
    expected = set(ground_truth["answer"].split())
    return round(len(expected & set(outputs["answer"].split())) / len(expected), 3)
'''

CONFIG = """name: bench-large-run
function: bench_app:answer
dataset:
  path: data/dataset.jsonl
evaluators:
  - bench_app:exact_match
  - bench_app:answer_words
  - bench_app:overlap
passing_ranges:
  exact_match: {{min: 1}}
metrics:
  exact_match: {{direction: higher, key: true}}
  overlap: {{direction: higher, key: true}}
  answer_words: {{direction: lower}}
max_workers: {workers}
timeout: 60
ingestion: {{timeout: 600}}
comment: {{max_datapoints: 10, template: .honeyhive/comment.md.j2}}
"""

TEMPLATE = """{% extends "builtin/comment.md.j2" %}
{% block footer %}

<sub>bench_large_run: a custom template over the built-in one.</sub>
{% endblock %}
"""


def make_repository(root: Path, datapoints: int, workers: int) -> int:
    """The benchmark's repository; returns how many datapoints fail ``exact_match`` (1 in 100)."""
    (root / ".honeyhive").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "bench_app.py").write_text(APP, encoding="utf-8")
    (root / ".honeyhive" / "experiment.yml").write_text(CONFIG.format(workers=workers), encoding="utf-8")
    (root / ".honeyhive" / "comment.md.j2").write_text(TEMPLATE, encoding="utf-8")
    failing = 0
    with (root / "data" / "dataset.jsonl").open("w", encoding="utf-8") as out:
        for i in range(datapoints):
            question = f"how do I do task number {i} of kind {i % 7}"
            expected = question.upper() if i % 100 else question.upper() + " PLEASE"
            failing += i % 100 == 0
            out.write(json.dumps({"inputs": {"question": question}, "ground_truth": {"answer": expected}}) + "\n")
    return failing


@dataclass
class Run:
    wall: float
    rss_kib: int
    cpu: float
    code: int

    def __str__(self) -> str:
        return f"{self.wall:6.1f} s (CPU {self.cpu:5.1f} s) {mb(self.rss_kib):6.1f} MB"


def child_env(src: Path, home: Path) -> dict[str, str]:
    """Only what a developer's shell would pass: no HoneyHive key or URL (the embedded backend), not in Actions."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(src),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run_cli(src: Path, repo: Path, report: Path, log: Path) -> Run:
    command = [
        sys.executable,
        "-m",
        "honeyhive_experiment",
        "run",
        "--dry-run",
        "-C",
        str(repo),
        "--report",
        str(report),
    ]
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=child_env(src, repo.parent), stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    return Run(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, process.returncode)


def check(report: Path, log: Path, datapoints: int, failing: int, second: bool) -> None:
    """The run did what it should: verdict fail (the 1 % failing), every datapoint counted, compared on the second."""
    try:
        body = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"no report.json ({exc}); the CLI's output:\n{log.read_text()[-4000:]}") from None
    counts = body.get("counts") or {}
    problems = []
    if body.get("verdict") != "fail":
        problems.append(f"verdict {body.get('verdict')!r}, expected 'fail' (error: {body.get('error')!r})")
    if counts.get("total") != datapoints or counts.get("failed") != failing:
        problems.append(f"counts {counts}, expected {datapoints} datapoints, {failing} failed")
    if second and not body.get("baseline"):
        problems.append("the second run has no baseline")
    if problems:
        raise SystemExit("; ".join(problems) + f"\nthe CLI's output:\n{log.read_text()[-4000:]}")


def which_tree(src: Path) -> str:
    """Where the child imports the packages from (a check that PYTHONPATH wins over the editable install)."""
    code = (
        "import honeyhive_experiment, honeyhive_local; print(honeyhive_experiment.__file__, honeyhive_local.__file__)"
    )
    with tempfile.TemporaryDirectory() as home:
        found = subprocess.run(
            [sys.executable, "-c", code], env=child_env(src, Path(home)), capture_output=True, text=True, check=True
        )
    return found.stdout.strip()


def mb(kib: float) -> float:
    return kib * 1024 / 1e6


def print_results(runs: dict[str, list[tuple[Run, Run]]], repeat: int) -> None:
    """Medians per tree and run, ratios to the first tree, and the keep rule of issue 19 for the others."""
    baseline = next(iter(runs))
    print(f"medians of {repeat}; ratios to {baseline!r}; MB = 10^6 bytes\n")
    print(
        f"{'tree':24} {'run':4} {'peak RSS MB':>12} {'x RSS':>6} {'wall s':>8} {'x wall':>7} {'CPU s':>7}  min-max wall"
    )
    medians: dict[str, list[tuple[float, float]]] = {}
    for label, pairs in runs.items():
        medians[label] = []
        for number, name in enumerate(("1st", "2nd")):
            walls = [pair[number].wall for pair in pairs]
            rss = statistics.median(mb(pair[number].rss_kib) for pair in pairs)
            wall, cpu = statistics.median(walls), statistics.median(pair[number].cpu for pair in pairs)
            medians[label].append((rss, wall))
            base_rss, base_wall = medians[baseline][number]
            print(
                f"{label:24} {name:4} {rss:12.1f} {rss / base_rss:6.2f} {wall:8.2f} {wall / base_wall:7.3f}"
                f" {cpu:7.1f}  {min(walls):.1f}-{max(walls):.1f}"
            )
    print(f"\nkeep rule (issue 19): keep a piece if its removal makes peak RSS > {RSS_LIMIT_MB:.0f} MB or a run slower")
    print(f"than x{SLOWER_LIMIT:.2f}; each tree after the first is the tree without one piece")
    for label in list(runs)[1:]:
        over = []
        for (rss, wall), (_, base_wall), name in zip(medians[label], medians[baseline], ("1st", "2nd"), strict=True):
            if rss > RSS_LIMIT_MB:
                over.append(f"{name} run: RSS {rss:.0f} MB > {RSS_LIMIT_MB:.0f}")
            if wall / base_wall > SLOWER_LIMIT:
                over.append(f"{name} run: wall x{wall / base_wall:.3f} > x{SLOWER_LIMIT:.2f}")
        print(f"  {label:24} {'KEEP the piece (' + '; '.join(over) + ')' if over else 'within both limits: delete it'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datapoints", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=8, help="max_workers of the experiment (default 8)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of every tree (default 3)")
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH", help="a source tree (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories and logs")
    args = parser.parse_args()

    trees: dict[str, Path] = {}
    for spec in args.tree or [f"this tree={ROOT / 'src'}"]:
        label, _, path = spec.partition("=")
        trees[label] = Path(path).resolve()
    for label, src in trees.items():
        found = which_tree(src)
        if not all(part.startswith(str(src)) for part in found.split()):
            raise SystemExit(f"{label}: the child imports {found}, not {src}")
        print(f"tree {label!r}: {src}")

    runs: dict[str, list[tuple[Run, Run]]] = {label: [] for label in trees}
    work = Path(tempfile.mkdtemp(prefix="bench-large-run-"))
    print(f"{args.datapoints} datapoints, max_workers {args.workers}, {args.repeat} repetitions; work in {work}")
    for repetition in range(1, args.repeat + 1):
        for index, (label, src) in enumerate(trees.items()):
            base = work / f"r{repetition}-t{index}"
            repo = base / "repo"
            failing = make_repository(repo, args.datapoints, args.workers)
            pair = []
            for number in (1, 2):
                report, log = base / f"report{number}.json", base / f"log{number}.txt"
                run = run_cli(src, repo, report, log)
                check(report, log, args.datapoints, failing, second=number == 2)
                pair.append(run)
            first, second = pair
            runs[label].append((first, second))
            load = os.getloadavg()[0]
            print(
                f"  rep {repetition} {label:20} 1st {first}  2nd {second}  (load {load:.1f})",
                flush=True,
            )
            if not args.keep:
                subprocess.run(["rm", "-rf", str(base)], check=True)

    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\nthis script's own peak RSS (the floor of every child's figure): {mb(floor):.1f} MB")
    print_results(runs, args.repeat)
    if args.keep:
        print(f"\nrepositories and logs kept in {work}")
    else:
        work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())

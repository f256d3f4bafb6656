"""The HTML report of a large run: how big ``report.html`` is and how long Chromium takes to open it.

A temporary repository with ``--datapoints`` datapoints (default 2,000: the issue's budget is a file of at most
10 MB that opens in under 2 s) is run twice as a user runs it, ``python -m honeyhive_experiment run --dry-run``
on the embedded backend: the second run's function answers differently on a share of the datapoints, so the
table has degraded, improved and same rows, word diffs, five metrics with histograms and scatters. Answers are
~1,600 characters (longer than the 1,000 the page keeps: every output is cut, the worst case for the size) and
inputs carry a question and a context.

Then ``report.html`` is opened ``--repeat`` times in headless Chromium (Debian's, driven by Playwright; see
``tests/browser/chromium.py``), each time in a new page, interleaved with the **floor**: a page of the same bytes
inside an HTML comment (reading and tokenizing that much from disk, nothing built, laid out or run). Printed: the
file's size against the budget, the median time from navigation to the ``load`` event (the page's script has run
by then: it runs at the end of the body) and to the first paint of content, and the ratio to the floor. Nothing
is asserted.

Run: ``python benchmarks/bench_html.py [--datapoints N] [--repeat N] [--keep DIR | --page FILE]`` (``--page``:
measure an existing report.html, no runs).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.chromium import browser, missing  # noqa: E402

BUDGET_BYTES = 10 * 1024 * 1024
BUDGET_SECONDS = 2.0
WORDS = [
    "account",
    "billing",
    "settings",
    "security",
    "password",
    "invoice",
    "refund",
    "plan",
    "upgrade",
    "export",
    "data",
    "privacy",
    "team",
    "member",
    "invite",
    "webhook",
    "developer",
    "key",
    "limit",
    "request",
    "status",
    "page",
    "mobile",
    "app",
    "dark",
    "mode",
    "appearance",
    "single",
    "sign",
    "enterprise",
]

APP = """
import random

CHANGED = {changed}


def answer(datapoint):
    question = datapoint["inputs"]["question"]
    rng = random.Random(question)
    words = [rng.choice({words!r}) for _ in range(220)]
    if CHANGED and rng.random() < 0.3:  # the second run answers a share of the datapoints differently
        words[rng.randrange(len(words))] = "changed"
        words = words[: rng.randrange(150, 260)]
    return {{"answer": " ".join(words), "topic": words[0]}}
"""

EVALUATORS = """
def accuracy(outputs, inputs, ground_truth):
    size = len(outputs["answer"])
    return {"score": round((size % 97) / 96, 3), "explanation": "length " + str(size)}


def exact_match(outputs, inputs, ground_truth):
    return outputs["topic"] == ground_truth["topic"]


def words(outputs, inputs, ground_truth):
    return len(outputs["answer"].split())


def relevance(outputs, inputs, ground_truth):
    return round((hash(outputs["answer"][:40]) % 1000) / 1000, 3)


def grounded(outputs, inputs, ground_truth):
    return {"score": "changed" not in outputs["answer"], "explanation": "every claim is in the context"}
"""

CONFIG = """name: bench-html
function: bot.app:answer
dataset: {path: data.jsonl}
evaluators: [bot.evals:accuracy, bot.evals:exact_match, bot.evals:words, bot.evals:relevance, bot.evals:grounded]
passing_ranges: {accuracy: {min: 0.1}}
metrics:
  words: {direction: lower, format: ".0f"}
  accuracy: {key: true, format: ".0%"}
max_workers: 16
ingestion: {timeout: 120}
"""


def make_repo(root: Path, count: int) -> None:
    rng = random.Random(7)
    (root / "bot").mkdir(parents=True)
    (root / ".honeyhive").mkdir()
    (root / "bot" / "__init__.py").write_text("")
    (root / "bot" / "evals.py").write_text(EVALUATORS)
    (root / ".honeyhive" / "experiment.yml").write_text(CONFIG)
    with (root / "data.jsonl").open("w") as out:
        for i in range(count):
            question = f"Question {i}: " + " ".join(rng.choice(WORDS) for _ in range(15)) + "?"
            context = " ".join(rng.choice(WORDS) for _ in range(60))
            row = {"inputs": {"question": question, "context": context}, "ground_truth": {"topic": rng.choice(WORDS)}}
            out.write(json.dumps(row) + "\n")


def dry_run(root: Path, changed: bool) -> float:
    (root / "bot" / "app.py").write_text(APP.format(changed=changed, words=WORDS))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_experiment", "run", "--dry-run", "-C", str(root)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"the dry run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def load_times(context: object, url: str) -> tuple[float, float]:
    """(navigation → load event, navigation → first contentful paint), in seconds, of a new page."""
    page = context.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(url, wait_until="load")
        timing = page.evaluate(
            """() => {
              const nav = performance.getEntriesByType('navigation')[0];
              const paint = performance.getEntriesByName('first-contentful-paint')[0];
              return [nav.loadEventEnd, paint ? paint.startTime : NaN];
            }"""
        )
        return timing[0] / 1000, timing[1] / 1000
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datapoints", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the repository (and report.html) in this new folder")
    parser.add_argument("--page", type=Path, help="measure this report.html instead of running the experiment")
    args = parser.parse_args(argv)
    if (reason := missing()) is not None:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-html-") as scratch:
        if args.page is not None:
            page = args.page
        else:
            root = args.keep or Path(scratch) / "repo"
            make_repo(root, args.datapoints)
            first, second = dry_run(root, False), dry_run(root, True)
            page = root / ".honeyhive" / "report.html"
            print(f"datapoints: {args.datapoints:,}; dry runs {first:.1f} s and {second:.1f} s (the second one's page)")
        text = page.read_text(encoding="utf-8")
        size = len(text.encode("utf-8"))
        floor = Path(scratch) / "floor.html"
        floor.write_text(f"<!DOCTYPE html><title>floor</title><!-- {text.replace('--', '- -')} -->", encoding="utf-8")
        rows = text.count("<tr data-id=")
        per_row = size / max(rows, 1) / 1024
        print(f"report.html: {size / 1024 / 1024:.2f} MiB in {rows:,} rows ({per_row:.1f} KiB a row)")
        print(f"  budget {BUDGET_BYTES / 1024 / 1024:.0f} MiB: {'PASS' if size <= BUDGET_BYTES else 'MISS'}")
        report, baseline = [], []
        with browser() as context:
            load_times(context, page.as_uri())  # warm-up: the browser's own start-up is not the page's
            load_times(context, floor.as_uri())
            for _ in range(args.repeat):
                report.append(load_times(context, page.as_uri()))
                baseline.append(load_times(context, floor.as_uri()))
        load = statistics.median(t for t, _ in report)
        paint = statistics.median(p for _, p in report)
        floor_load = statistics.median(t for t, _ in baseline)
        print(f"Chromium, median of {args.repeat} (navigation to the load event; the script has run):")
        print(f"  report.html  load {load * 1000:7.0f} ms   first paint {paint * 1000:7.0f} ms")
        print(f"  floor (comment) load {floor_load * 1000:4.0f} ms   x floor {load / floor_load:.2f}")
        print(f"  budget {BUDGET_SECONDS:.0f} s: {'PASS' if load <= BUDGET_SECONDS else 'MISS'}")
        if args.keep:
            print(f"kept: {page}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

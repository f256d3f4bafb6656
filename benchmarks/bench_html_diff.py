"""The HTML report's word diff (``report/html.py``'s ``word_diff``): what one row costs, before and now.

Every row of the datapoint table whose output changed is diffed when the page is rendered (up to 5,000 rows, texts
cut at 1,000 characters). The diff **before** (``word_diff`` at :data:`BEFORE`, read with ``git show``: difflib on
words, spaces and punctuation marks, every changed row) grew with the pairs of equal tokens the two texts share:
a run of 2,000 datapoints answering 600 random one-letter words took 9 minutes to render. **Now**: a word with the
spaces after it is one token, the texts' common start and end are not compared, and a row whose remaining texts
share more than ``DIFF_PAIRS`` pairs of equal tokens is shown unmarked.

The **floor** is escaping both texts for HTML (what a row's outputs cost with no diff at all), measured in the same
run; each case is ``--rows`` different pairs of texts, timed ``--repeat`` times (CPU time, the median). Printed per
case: the pairs of equal tokens between the changed ends (now), ms a row before and now, ``x floor`` of each and the
seconds 5,000 such rows would take. Nothing is asserted.

Run: ``python benchmarks/bench_html_diff.py [--rows 20] [--repeat 5] [--skip-before]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import escape

from honeyhive_experiment.report import html as now

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "1e37ce3"  # main before the diff was bounded
LIMIT = 1000  # report/build.py's TEXT_LIMIT: every text of the table is cut there
_SENTENCE = (
    "the of and to in is you that it he was for on are as with his they at be this have from or one had by word but "
    "not what all were we when your can said there use an each which she do how their if will up other about out "
    "many then them these so some her would make like him into time has look two more write go see number no way "
    "could people my than first water been call who oil its now find long down day did get come made may part"
)
PROSE = _SENTENCE.split()


def word_diff_before() -> Callable[[str, str], Any]:
    source = subprocess.run(
        ["git", "show", f"{BEFORE}:src/honeyhive_experiment/report/html.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("html_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, "html_before.py", "exec"), module.__dict__)  # this repository's own code, from its history
    return module.word_diff  # type: ignore[no-any-return]


def words(rng: random.Random, vocabulary: list[str], count: int, sep: str = " ") -> str:
    return sep.join(rng.choice(vocabulary) for _ in range(count))[:LIMIT]


def one_word_changed(rng: random.Random) -> tuple[str, str]:
    old = words(rng, PROSE, 300).split(" ")
    new = list(old)
    new[rng.randrange(len(new))] = "changed"
    return " ".join(old), " ".join(new)


CASES: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    # the audit's run: 600 one-letter words from 8 letters, another seed in each run
    "one-letter words (8 letters)": lambda r: (words(r, list("abcdefgh"), 600), words(r, list("abcdefgh"), 600)),
    "one-letter words (26 letters)": lambda r: (
        words(r, list(string.ascii_lowercase), 600),
        words(r, list(string.ascii_lowercase), 600),
    ),
    "JSON list of 200 floats": lambda r: (
        json.dumps([round(r.random(), 3) for _ in range(200)])[:LIMIT],
        json.dumps([round(r.random(), 3) for _ in range(200)])[:LIMIT],
    ),
    "prose, rewritten": lambda r: (words(r, PROSE, 300), words(r, PROSE, 300)),
    "prose, one word changed": one_word_changed,
    # the most the bound lets through: one repeated word 63 times between two changes (3,969 pairs)
    "63 equal words between two changes": lambda r: ("p " + "x " * 63 + "q", "r " + "x " * 63 + "s"),
    # near the bound too: 400 tokens of 24 short words (about 3,300 pairs): difflib's many small matches
    "400 words from 24, rewritten": lambda r: (
        words(r, [f"w{i}" for i in range(24)], 400),
        words(r, [f"w{i}" for i in range(24)], 400),
    ),
    "a list of words, comma separated": lambda r: (words(r, PROSE, 300, ", "), words(r, PROSE, 300, ", ")),
}


def cpu_per_row(diff: Callable[[str, str], Any], pairs: list[tuple[str, str]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        for old, new in pairs:
            diff(old, new)
        times.append((time.process_time() - started) / len(pairs))
    return statistics.median(times)


def floor(old: str, new: str) -> tuple[Any, Any]:
    return escape(old), escape(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20, help="pairs of texts per case")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-before", action="store_true", help="do not time the diff before (minutes)")
    args = parser.parse_args(argv)
    before = None if args.skip_before else word_diff_before()
    print(f"word diff per row, CPU, median of {args.repeat} x {args.rows} rows; bound: {now.DIFF_PAIRS:,} pairs")
    print(f"{'case':38} {'pairs':>7} {'marked':>6} {'floor':>8} {'before':>9} {'now':>8} {'x floor':>16} 5,000 rows")
    for name, make in CASES.items():
        rng = random.Random(name)
        pairs = [make(rng) for _ in range(args.rows)]
        shown = [now.word_diff(old, new) for old, new in pairs]
        marked = sum(found is not None for found in shown)
        tokens = [_middle_pairs(old, new) for old, new in pairs]
        base = cpu_per_row(floor, pairs, args.repeat)
        ours = cpu_per_row(now.word_diff, pairs, args.repeat)
        old_cost = cpu_per_row(before, pairs, max(1, args.repeat // 2)) if before is not None else None
        old_text = f"{old_cost * 1000:7.2f}ms" if old_cost is not None else "        -"
        ratio = f"{old_cost / base:7.0f} ->" if old_cost is not None else "         "
        total = f"{old_cost * 5000:6.0f} s -> " if old_cost is not None else ""
        print(
            f"{name:38} {statistics.median(tokens):7,.0f} {marked:3}/{len(pairs):<2} {base * 1000:6.3f}ms "
            f"{old_text} {ours * 1000:6.2f}ms {ratio}{ours / base:7.0f} {total}{ours * 5000:5.1f} s"
        )
    return 0


def _middle_pairs(old: str, new: str) -> int:
    a, b = now._TOKENS.findall(old), now._TOKENS.findall(new)
    start, end = now._common_ends(a, b)
    return now._equal_pairs(a[start : len(a) - end], b[start : len(b) - end])


if __name__ == "__main__":
    raise SystemExit(main())

"""The totals line under the Efficiency table, through the command line (tests/llm_bot.py's bot: the real ``openai``
client and instrumentation, the fake OpenAI server, ``honeyhive_local``): each run's total cost is the backend's sum
of what its jobs could price, so the line says the calls each cost leaves out, the baseline's too (audit55)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.llm_bot import OPENLLMETRY, ROWS, make_bot

pytestmark = pytest.mark.integration


def test_the_baselines_total_cost_says_the_calls_it_leaves_out(tmp_path: Path) -> None:
    """Each datapoint also calls acme-llm, unpriced in the baseline and priced in this run: the line read "baseline:
    total cost $0.0123" beside this run's whole cost, as if the two were comparable."""
    with make_bot(tmp_path / "bot") as bot:
        bot.configure(OPENLLMETRY)
        bot.settings(also="acme-llm")
        unpriced = bot.run()
        assert unpriced.code == 0, unpriced.out

        bot.configure(OPENLLMETRY, "pricing:\n  acme-llm: {input: 1, output: 1}\n")
        bot.settings(also="acme-llm")
        priced = bot.run("--baseline", unpriced.run_id)

    assert priced.code == 0, priced.out
    (line,) = [line for line in priced.out.splitlines() if line.startswith("This run: total cost")]
    ours, theirs = line.split("; baseline: ")
    assert "excludes" not in ours
    assert theirs.startswith("total cost $")
    assert f" (excludes {ROWS} LLM calls) + $" in theirs  # the function's cost; the judge's are all priced

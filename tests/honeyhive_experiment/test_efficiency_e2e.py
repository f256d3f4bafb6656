"""Issue 23's first promise as a user runs it: ``python -m honeyhive_experiment run --dry-run`` with ``instrument:``
naming the real OpenLLMetry, then the real OpenInference instrumentation, each in a process of its own (nothing
else instrumented), over tests/llm_bot.py's bot (the real ``openai`` client against the fake OpenAI server, 12
datapoints on 6 workers): every datapoint's tokens in the backend are what the server answered that datapoint's
own calls, the LLM judge's counted as the judge's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_bot import OPENINFERENCE, OPENLLMETRY, ROWS, Bot, make_bot, mini_cost

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    with make_bot(tmp_path_factory.mktemp("efficiency") / "bot") as made:
        yield made


@pytest.mark.parametrize("instrument", [OPENLLMETRY, OPENINFERENCE])
def test_every_datapoints_tokens_are_what_the_server_answered_its_own_calls(bot: Bot, instrument: str) -> None:
    bot.configure(instrument)
    run = bot.run_command()
    assert run.code == 0, run.out

    measured = bot.per_datapoint(run.run_id)
    assert len(measured) == ROWS
    for datapoint_id, metrics in measured.items():
        own, judged = bot.served(datapoint_id.removeprefix("EXT-"))
        assert metrics["input_tokens"] == own.prompt_tokens, datapoint_id
        assert metrics["output_tokens"] == own.completion_tokens, datapoint_id
        assert metrics["llm_calls"] == 1
        assert metrics["cost_usd"] == pytest.approx(mini_cost(own.prompt_tokens, own.completion_tokens))
        # the judge's calls are the judge's, not the function's
        assert metrics["judge_input_tokens"] == judged.prompt_tokens, datapoint_id
        assert metrics["judge_output_tokens"] == judged.completion_tokens, datapoint_id
        assert metrics["judge_llm_calls"] == 1
        assert metrics["judge_cost_usd"] == pytest.approx(mini_cost(judged.prompt_tokens, judged.completion_tokens))
        assert metrics["answered"] == 1.0
        assert metrics["duration_ms"] > 0
    assert run.metric("input_tokens")["direction"] == "lower"

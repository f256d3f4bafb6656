"""The efficiency metrics of a datapoint from its LLM calls (efficiency.py), and what each call cost (pricing.py):
table tests, with genai-prices' real bundled prices (gpt-4o-mini: $0.15 per million input tokens, $0.075 cached,
$0.60 output)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from decimal import Decimal

import pytest

from honeyhive_experiment.config import Direction, ExperimentConfig, JudgingRules, MetricConfig, ModelPrice
from honeyhive_experiment.efficiency import (
    METRICS,
    NO_VALUE,
    Efficiency,
    at_import,
    combine,
    left_out,
    measure,
    presentation,
    replaced_note,
    setup_note,
)
from honeyhive_experiment.llm_calls import LlmCall
from honeyhive_experiment.models.outcomes import DatapointOutcome, MetricValues, OutcomeStatus
from honeyhive_experiment.pricing import Prices

pytestmark = pytest.mark.unit

MINI = LlmCall("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 1000, 500)
FINE_TUNE = LlmCall("openai", "my-ft-model", "my-ft-model", 2000, 100)
PRICES = Prices({"My-FT-Model": ModelPrice(input=3.0, output=15.0)})


# ------------------------------------------------------------------------------------------------ pricing


@pytest.mark.parametrize(
    ("call", "prices", "cost"),
    [
        pytest.param(MINI, Prices(), Decimal("0.00045"), id="library-by-provider-and-model"),
        pytest.param(
            LlmCall("openai", "gpt-4o-mini", None, 1000, 500, cache_read_tokens=400),
            Prices(),
            Decimal("0.00042"),
            id="cache-reads-at-their-price",
        ),
        pytest.param(
            LlmCall("my-proxy", "gpt-4o-mini", None, 1000, 500), Prices(), Decimal("0.00045"), id="proxy-by-model"
        ),
        pytest.param(LlmCall(None, None, "gpt-4o-mini", 1000, 500), Prices(), Decimal("0.00045"), id="no-provider"),
        pytest.param(FINE_TUNE, Prices(), None, id="unknown-model-is-unpriced"),
        pytest.param(FINE_TUNE, PRICES, Decimal("0.0075"), id="pricing-overrides-case-insensitively"),
        pytest.param(
            MINI,
            Prices({"gpt-4o-mini": ModelPrice(input=1.0, output=1.0)}),
            Decimal("0.0015"),
            id="pricing-beats-the-library",
        ),
        pytest.param(
            LlmCall("openai", "gpt-4o", None, 1000, 100, cache_read_tokens=800),
            Prices({"gpt-4o": ModelPrice(input=2.5, output=10, cache_read=1.25)}),
            Decimal("0.0025"),  # the library's price of the same call
            id="pricing-charges-cache-reads-their-price",
        ),
        pytest.param(
            LlmCall("openai", "gpt-4o", None, 1000, 100, cache_read_tokens=800),
            Prices({"gpt-4o": ModelPrice(input=2.5, output=10)}),
            Decimal("0.0035"),
            id="pricing-without-a-cache-read-price-charges-them-the-input-price",
        ),
        pytest.param(
            LlmCall("openai", "gpt-4o", None, 1000, 100, cache_read_tokens=5000),
            Prices({"gpt-4o": ModelPrice(input=2.5, output=10, cache_read=1.25)}),
            Decimal("0.00225"),
            id="no-more-cache-reads-than-input-tokens",
        ),
        pytest.param(
            LlmCall("openai", "openai/gpt-4o-mini", "openai/gpt-4o-mini", 1000, 500),
            Prices(),
            Decimal("0.00045"),
            id="provider-slash-model-at-that-providers-price",
        ),
        pytest.param(
            LlmCall(None, None, "acme/gpt-4o-mini", 1000, 500), Prices(), None, id="an-unknown-prefix-is-unpriced"
        ),
        pytest.param(LlmCall(None, None, "openai/", 1000, 500), Prices(), None, id="a-prefix-alone-is-unpriced"),
        pytest.param(LlmCall("openai", "gpt-4o-mini", None, 1000, None), Prices(), Decimal("0.00015"), id="input-only"),
        pytest.param(LlmCall("openai", "gpt-4o-mini"), Prices(), None, id="no-tokens-is-unpriced"),
        pytest.param(LlmCall(None, None, None, 10, 10), Prices(), None, id="no-model-is-unpriced"),
    ],
)
def test_what_a_call_costs(call: LlmCall, prices: Prices, cost: Decimal | None) -> None:
    assert prices.cost(call) == cost


# ------------------------------------------------------------------------------------------------ metrics


def test_the_functions_calls_and_the_judges_are_apart() -> None:
    judged = LlmCall("openai", "gpt-4o-mini", None, 300, 20)
    efficiency = measure([MINI, MINI], [judged], 1.25, Prices())

    assert efficiency.metrics == {
        "llm_calls": 2,
        "input_tokens": 2000,
        "output_tokens": 1000,
        "cost_usd": 0.0009,
        "judge_llm_calls": 1,
        "judge_input_tokens": 300,
        "judge_output_tokens": 20,
        "judge_cost_usd": 0.000057,
        "duration_ms": 1250.0,
    }
    assert efficiency.unpriced == {}


def test_unpriced_calls_count_their_tokens_and_are_left_out_of_the_cost() -> None:
    only_unpriced = measure([FINE_TUNE, FINE_TUNE], [], 0.5, Prices())
    assert only_unpriced.metrics == {"llm_calls": 2, "input_tokens": 4000, "output_tokens": 200, "duration_ms": 500.0}
    assert "cost_usd" not in only_unpriced.metrics  # never $0
    assert only_unpriced.unpriced == {"unpriced_llm_calls": {"my-ft-model": 2}}

    mixed = measure([MINI, FINE_TUNE], [LlmCall(None, None, None, 5, 5)], 0.5, Prices())
    assert mixed.metrics["cost_usd"] == 0.00045  # the priced call's
    assert mixed.metrics["input_tokens"] == 3000
    assert "judge_cost_usd" not in mixed.metrics
    assert mixed.unpriced == {
        "unpriced_llm_calls": {"my-ft-model": 1},
        "judge_unpriced_llm_calls": {"(model not named)": 1},
    }

    priced = measure([FINE_TUNE], [], 0.5, PRICES)
    assert priced.metrics["cost_usd"] == 0.0075
    assert priced.unpriced == {}


def test_only_what_was_measured_is_recorded() -> None:
    assert measure([], [], 2.0, Prices()) == Efficiency()  # no call seen: not even the duration
    judge_only = measure([], [LlmCall(None, "m", None, None, 7)], 0.001, Prices())
    assert judge_only.metrics == {"judge_llm_calls": 1, "judge_output_tokens": 7, "duration_ms": 1.0}
    assert judge_only.unpriced == {"judge_unpriced_llm_calls": {"m": 1}}


FREE = {"llm_calls": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
MINI_METRICS = {"llm_calls": 1, "input_tokens": 1000, "output_tokens": 500, "cost_usd": 0.00045}
FAILED = LlmCall("openai", "gpt-4o-mini", failed=True)  # an HTTP 500 after the client's retries: no usage
STREAMED = LlmCall("openai", "my-ft-model", "my-ft-model")  # a stream without include_usage: no usage
TIMED_OUT = LlmCall("openai", "gpt-4o-mini", given_up=True)  # the client's timeout: made, perhaps billed, no usage


@pytest.mark.parametrize(
    ("function", "judge", "duration", "instrumented", "metrics", "unpriced"),
    [
        pytest.param([], [], 2.0, True, {**FREE, "duration_ms": 2000.0}, {}, id="instrumented-no-call-costs-0"),
        pytest.param([], [], None, True, FREE, {}, id="raised-before-a-call"),
        pytest.param([MINI], [], None, True, MINI_METRICS, {}, id="raised-after-a-call-no-duration"),
        pytest.param([MINI], [], None, False, MINI_METRICS, {}, id="raised-after-a-call-uninstrumented"),
        pytest.param(
            [FAILED, MINI],
            [],
            1.0,
            True,
            {**MINI_METRICS, "duration_ms": 1000.0},
            {"failed_llm_calls": {"gpt-4o-mini": 1}},
            id="a-failed-call-is-in-no-metric",
        ),
        pytest.param(
            [FAILED],
            [],
            1.0,
            False,
            {**FREE, "duration_ms": 1000.0},
            {"failed_llm_calls": {"gpt-4o-mini": 1}},
            id="only-failed-calls-cost-0",
        ),
        pytest.param(
            [STREAMED, MINI],
            [],
            1.0,
            True,
            {**MINI_METRICS, "llm_calls": 2, "duration_ms": 1000.0},
            {"no_usage_llm_calls": {"my-ft-model": 1}},
            id="no-usage-is-not-unpriced-though-priced",
        ),
        pytest.param(
            [STREAMED],
            [],
            1.0,
            True,
            {"llm_calls": 1, "duration_ms": 1000.0},
            {"no_usage_llm_calls": {"my-ft-model": 1}},
            id="only-no-usage-no-tokens-no-cost",
        ),
        pytest.param(
            [TIMED_OUT, MINI],
            [],
            1.0,
            True,
            {**MINI_METRICS, "llm_calls": 2, "duration_ms": 1000.0},
            {"given_up_llm_calls": {"gpt-4o-mini": 1}},
            id="a-call-given-up-on-counts-as-made-its-cost-left-out",
        ),
        pytest.param(
            [TIMED_OUT, FAILED],
            [],
            1.0,
            True,
            {"llm_calls": 1, "duration_ms": 1000.0},
            {"given_up_llm_calls": {"gpt-4o-mini": 1}, "failed_llm_calls": {"gpt-4o-mini": 1}},
            id="only-given-up-on-no-tokens-no-cost",
        ),
        pytest.param(
            [],
            [MINI, FAILED],
            1.0,
            True,
            {**FREE, **{"judge_" + k: v for k, v in MINI_METRICS.items()}, "duration_ms": 1000.0},
            {"judge_failed_llm_calls": {"gpt-4o-mini": 1}},
            id="the-judges-apart",
        ),
    ],
)
def test_what_a_datapoint_records_traced_for_calls_or_after_it_raised(
    function: list[LlmCall],
    judge: list[LlmCall],
    duration: float | None,
    instrumented: bool,
    metrics: dict[str, float],
    unpriced: dict[str, dict[str, int]],
) -> None:
    """Instrumented, a datapoint without a call records $0 (a real $0, unlike an unpriced call); a failed call is
    not billed; a call without usage is not an unpriced model; one the client gave up on (a timeout: perhaps billed,
    usage unknown) was made, its tokens and cost unknown, never 0 (it counted in no metric: a slower prompt whose calls
    timed out read as a saving, audit67 F2); a function that raised (``duration`` None) records its calls without a
    duration."""
    efficiency = measure(function, judge, duration, PRICES, instrumented=instrumented)
    assert efficiency.metrics == metrics
    assert efficiency.unpriced == unpriced


def test_an_evaluators_metric_of_the_same_name_wins() -> None:
    metrics, replaced = combine({"accuracy": 1.0, "cost_usd": 0.5}, {"cost_usd": 0.1, "llm_calls": 2})
    assert metrics == {"accuracy": 1.0, "cost_usd": 0.5, "llm_calls": 2}
    assert list(metrics) == ["accuracy", "cost_usd", "llm_calls"]  # the evaluators' first, as before
    assert replaced == ("cost_usd",)
    assert combine({"accuracy": 1.0}, {}) == ({"accuracy": 1.0}, ())


def _replacing(*names: str) -> DatapointOutcome:
    return DatapointOutcome(0, "dp", "s", OutcomeStatus.OK, replaced=names)


WIN = (
    ": an evaluator's metric of a built-in metric's name replaces it, in the efficiency table and for any gate on it;"
    " name the evaluator's metric otherwise to keep both."
)


@pytest.mark.parametrize(
    ("outcomes", "note"),
    [
        pytest.param([_replacing(), _replacing()], None, id="none"),
        pytest.param([], None, id="no-datapoint"),
        pytest.param(
            [_replacing(), _replacing("duration_ms"), _replacing("duration_ms")],
            "duration_ms is an evaluator's metric, not the built-in one" + WIN,
            id="one-named-once",
        ),
        pytest.param(
            [_replacing("judge_cost_usd"), _replacing("cost_usd", "judge_cost_usd")],
            "judge_cost_usd, cost_usd are evaluators' metrics, not the built-in ones" + WIN,
            id="several-in-the-order-first-replaced",
        ),
    ],
)
def test_the_built_in_metrics_an_evaluators_replaced_are_said_as_a_note(
    outcomes: list[DatapointOutcome], note: str | None
) -> None:
    """An evaluator named as a built-in metric (duration_ms, input_tokens, cost_usd) replaces it: what the efficiency
    table shows and a gate judges under that name is the evaluator's. It was said in the log alone (audit 46a #3): a
    note of the report's, as the setup cost's is (flow.judge)."""
    assert replaced_note(outcomes) == note


def test_every_efficiency_metric_is_lower_is_better_unless_configured() -> None:
    """An entry that labels, formats or keys an efficiency metric without a direction keeps it lower-is-better: it
    became higher (MetricConfig's default), and a cost or token count that doubled read "better" and passed its gate."""
    configured = {
        "accuracy": MetricConfig(key=True),
        "duration_ms": MetricConfig(direction=Direction.HIGHER),
        "cost_usd": MetricConfig(format=".4f"),
        "input_tokens": MetricConfig(label="Input tokens", key=True),
    }
    shown = presentation(configured)

    assert list(shown)[:4] == ["accuracy", "duration_ms", "cost_usd", "input_tokens"]  # the file's own, in its order
    assert shown["duration_ms"].direction is Direction.HIGHER
    assert shown["accuracy"] == MetricConfig(key=True)
    assert shown["cost_usd"] == MetricConfig(format=".4f", direction=Direction.LOWER)
    assert shown["input_tokens"] == MetricConfig(label="Input tokens", key=True, direction=Direction.LOWER)
    assert {name for name, config in shown.items() if config.direction is Direction.LOWER} == set(METRICS) - {
        "duration_ms"
    }
    assert len(METRICS) == 9


def test_a_direction_said_survives_the_checks_stamp() -> None:
    """The rules a check stamps on its run (``publish`` judges by them) keep a direction the file says, also the
    default one: an efficiency metric said ``higher`` would come back unsaid, so lower, and publish would disagree."""
    config = ExperimentConfig.model_validate(
        {
            "name": "x",
            "function": "m:f",
            "dataset": {"path": "d.jsonl"},
            "metrics": {"duration_ms": {"direction": "higher"}, "cost_usd": {"format": ".4f"}},
        }
    )
    stamped = JudgingRules.model_validate(config.rules())
    shown = presentation(config.judged_by(stamped).metrics)

    assert shown["duration_ms"].direction is Direction.HIGHER
    assert shown["cost_usd"].direction is Direction.LOWER


def test_left_out_counts_the_calls_each_metric_leaves_out_across_datapoints_and_trials() -> None:
    """What the verdict judges a gate by: a cost leaves out the calls without a price and those without token usage,
    the token counts only the latter, each said by why; a failed call is in no metric, so none leaves it out. Calls
    that were all of their datapoint's, which so has no value of the metric, are said apart (:data:`NO_VALUE`): the
    backend's mean is the other datapoints', no lower bound of the whole (audit 55)."""

    def outcome(i: int, unpriced: dict[str, dict[str, int]], metrics: tuple[str, ...] = METRICS) -> DatapointOutcome:
        # each a value of ``metrics``: its other calls had a price and token usage
        values = MetricValues(dict.fromkeys(metrics, 1))
        return DatapointOutcome(i, f"dp-{i}", f"s-{i}", OutcomeStatus.OK, metrics=values, unpriced=unpriced)

    outcomes = [
        outcome(0, {"unpriced_llm_calls": {"acme-llm": 1, "other": 2}, "failed_llm_calls": {"gpt-4o": 5}}),
        outcome(1, {"unpriced_llm_calls": {"acme-llm": 1}, "no_usage_llm_calls": {"gpt-4o-mini": 4}}),
        outcome(2, {"judge_no_usage_llm_calls": {"gpt-4o-mini": 1}, "judge_failed_llm_calls": {"gpt-4o-mini": 3}}),
        outcome(3, {}),
    ]
    mini = {"to gpt-4o-mini without token usage": 4}
    assert left_out(outcomes) == {
        "input_tokens": mini,
        "output_tokens": mini,
        "cost_usd": {"to unpriced model acme-llm": 2, "to unpriced model other": 2, **mini},
        "judge_input_tokens": {"to gpt-4o-mini without token usage": 1},
        "judge_output_tokens": {"to gpt-4o-mini without token usage": 1},
        "judge_cost_usd": {"to gpt-4o-mini without token usage": 1},
    }
    assert left_out([outcome(0, {"failed_llm_calls": {"gpt-4o": 1}}), outcome(1, {})]) == {}
    streamed = outcome(4, {"no_usage_llm_calls": {"gpt-4o-mini": 2}}, ("llm_calls", "duration_ms"))  # its only calls
    alone = {"to gpt-4o-mini without token usage" + NO_VALUE: 2}
    assert left_out([outcomes[1], streamed]) == {
        "input_tokens": {**mini, **alone},
        "output_tokens": {**mini, **alone},
        "cost_usd": {"to unpriced model acme-llm": 1, **mini, **alone},
    }


def test_a_metric_an_evaluator_replaced_leaves_nothing_out_and_calls_outside_every_datapoint_every_metric() -> None:
    """The user's own ``cost_usd`` is whole whatever the built-in's calls without a price (it was judged "could not be
    checked"); calls made outside every datapoint's context are in none of the metrics but ``duration_ms``."""
    unpriced = {"unpriced_llm_calls": {"acme-llm": 3}, "no_usage_llm_calls": {"m": 1}}
    values = MetricValues(dict.fromkeys(METRICS, 1))  # the built-in's and the evaluator's cost_usd
    replaced = DatapointOutcome(
        0, "dp-0", "s-0", OutcomeStatus.OK, metrics=values, unpriced=unpriced, replaced=("cost_usd",)
    )
    assert left_out([replaced]) == {
        "input_tokens": {"to m without token usage": 1},
        "output_tokens": {"to m without token usage": 1},
    }
    outside = {"outside any datapoint": 7}  # the job's, on one of its outcomes (two jobs of a sharded run: both)
    jobs = [DatapointOutcome(i, f"dp-{i}", f"s-{i}", OutcomeStatus.OK, outside=n) for i, n in enumerate((3, 0, 4))]
    assert left_out(jobs) == {name: outside for name in METRICS if name != "duration_ms"}


def test_the_datapoints_unfinished_calls_are_left_out_of_every_metric_as_their_own_not_as_made_outside() -> None:
    """A datapoint's call still running when it was recorded is in none of its metrics, but it is the datapoints'
    work: left out under a reason of its own, which a cost gate does not excuse as it does calls made outside."""
    job = DatapointOutcome(0, "dp-0", "s-0", OutcomeStatus.OK, outside=1, unfinished=5)
    assert left_out([job]) == {
        name: {"outside any datapoint": 1, "of the datapoints' own, unfinished when recorded": 5}
        for name in METRICS
        if name != "duration_ms"
    }


SAID = "2 LLM call(s) at import, before any datapoint: a setup cost, in no datapoint's metrics"


@pytest.mark.parametrize(
    ("calls", "recorded", "note"),
    [
        pytest.param(
            [MINI, MINI],
            {
                "import_llm_calls": 2,
                "import_input_tokens": 2000,
                "import_output_tokens": 1000,
                "import_cost_usd": 0.0009,
            },
            SAID + " (2,000 input tokens, 1,000 output tokens, $0.0009)",
            id="priced",
        ),
        pytest.param(
            [MINI, FINE_TUNE],
            {"import_llm_calls": 2, "import_input_tokens": 3000, "import_output_tokens": 600},
            SAID + " (3,000 input tokens, 600 output tokens)",
            id="one-unpriced: no cost, not a part of it",
        ),
        pytest.param(
            [MINI, LlmCall("openai", "gpt-4o-mini")],
            {"import_llm_calls": 2},
            SAID,
            id="one-without-usage: the count only",
        ),
        pytest.param([MINI, TIMED_OUT], {"import_llm_calls": 2}, SAID, id="one-given-up-on: the count only"),
        pytest.param([], {}, None, id="none"),
    ],
)
def test_calls_at_import_are_recorded_and_said_with_their_tokens_and_cost_only_when_whole(
    calls: list[LlmCall], recorded: dict[str, float], note: str | None
) -> None:
    assert at_import(calls, Prices()) == recorded
    if note is not None:
        assert setup_note(recorded) == note


def test_left_out_counts_the_calls_given_up_on_in_the_tokens_and_the_cost_said_apart() -> None:
    """A call its client gave up on (a timeout, a lost connection) was perhaps billed at a usage unknown: the token
    counts and the cost leave it out, as a stream's without usage (so a gate on them is a lower bound, not a pass:
    audit67 F2), by a why of its own; ``llm_calls`` counts it. One that was its datapoint's only call: said apart."""
    given_up = {"given_up_llm_calls": {"gpt-4o-mini": 3}, "judge_given_up_llm_calls": {"gpt-4o": 1}}
    with_others = DatapointOutcome(0, "dp-0", "s-0", OutcomeStatus.OK, metrics=MetricValues(dict.fromkeys(METRICS, 1)))
    alone = DatapointOutcome(1, "dp-1", "s-1", OutcomeStatus.OK, metrics=MetricValues({"llm_calls": 1}))
    why = (
        "to {} given up on by the client (a timeout, a lost connection, an answer it refused: the provider may bill it,"
        " each retry too)"
    )
    mini, judge = why.format("gpt-4o-mini"), why.format("gpt-4o")
    sides = ("input_tokens", "output_tokens", "cost_usd")
    assert left_out([replace(with_others, unpriced=given_up)]) == {
        **{name: {mini: 3} for name in sides},
        **{"judge_" + name: {judge: 1} for name in sides},
    }
    only = {"given_up_llm_calls": {"gpt-4o-mini": 2}}
    assert left_out([replace(alone, unpriced=only)]) == {name: {mini + NO_VALUE: 2} for name in sides}


def test_an_earlier_versions_failed_calls_are_left_out_of_its_llm_calls_too() -> None:
    """audit68 F2: a session recorded before ``given_up_llm_calls`` was (no such key) counted a call its client gave up
    on as failed, in no metric; now such a call counts in ``llm_calls``, so against that baseline an ``llm_calls``
    gate failed on identical calls (0.75 → 1.0). Its failed calls are read apart and left out of every call metric,
    ``llm_calls`` included: a lower bound, judged by the direction rule. A session of this version (the key is always
    written, 0 when none) keeps its failed calls in no metric, as before."""
    earlier = DatapointOutcome.from_session(
        0,
        "s",
        {"failed_llm_calls": [{"model": "m", "calls": 2}], "judge_failed_llm_calls": [{"model": "j", "calls": 1}]},
    )
    earlier = dataclasses.replace(
        earlier, metrics=MetricValues({"llm_calls": 1, "cost_usd": 0.1, "judge_llm_calls": 1})
    )
    why = "to {} that failed, recorded by an earlier version (given up on by the client, it counts now)"
    found = left_out([earlier])
    assert found["llm_calls"] == {why.format("m"): 2}
    assert found["cost_usd"] == {why.format("m"): 2}
    assert found["judge_llm_calls"] == {why.format("j"): 1}
    current = DatapointOutcome.from_session(
        0, "s", {"failed_llm_calls": [{"model": "m", "calls": 2}], "given_up_llm_calls": 0}
    )
    assert current.unpriced == {"failed_llm_calls": {"m": 2}}
    assert left_out([dataclasses.replace(current, metrics=MetricValues({"llm_calls": 1}))]) == {}

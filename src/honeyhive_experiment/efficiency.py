"""The built-in efficiency metrics of one datapoint, from the LLM calls its function and evaluators made.

Recorded on the datapoint as an evaluator's metrics are, so the backend (HoneyHive's or ``honeyhive_local``)
aggregates and compares them as any metric, and a ``gate:`` works on them. Lower is better for every one of them
(:func:`presentation`, unless the experiment file's ``metrics:`` says otherwise):

* the function's calls: ``input_tokens``, ``output_tokens``, ``llm_calls``, ``cost_usd`` (US dollars), and
  ``duration_ms``, the function's wall time;
* the evaluators' calls (an LLM judge): ``judge_input_tokens``, ``judge_output_tokens``, ``judge_llm_calls``,
  ``judge_cost_usd``.

What is recorded is what was measured. With instrumentation the run switched on (``instrument:``, ``instrumentors=``:
the function is traced for LLM calls; not one instrumented before it, whose spans go where they were told) every
datapoint whose function ran records the function's metrics (one that raised or timed out: of the calls that had
ended by then, so the run's total cost has its spend), a call-free one 0
calls, 0 tokens and $0 (a cached answer is free, and the mean per datapoint must count it: otherwise a run that
caches half its rows would compare as costing what one that caches none does); without, a datapoint records them
only when one of its spans describes a call (the user's own GenAI spans), so a run without instrumentation records
what it always did. The evaluators' metrics are recorded where an evaluator made a call. A call that failed on the
server's error (an HTTP 4xx or 5xx, no usage reported: :attr:`~honeyhive_experiment.llm_calls.LlmCall.failed`) is
in no metric: not answered, not billed. One its client gave up on (a timeout, a lost connection:
:attr:`~honeyhive_experiment.llm_calls.LlmCall.given_up`) was made, so it counts in ``llm_calls`` (once, however
many times the client retried it: one span for them all), and it may have been answered and billed, each retry
too, at a usage unknown: its tokens and cost are left out, as a stream's without usage are. Tokens are recorded
when a call reported them (or none was made), a cost when one could be priced (:mod:`~honeyhive_experiment.pricing`)
or none was made; the calls without a cost are counted per model in :attr:`Efficiency.unpriced` by why (no price,
no usage, failed, given up), never priced at $0: a cost (or a token count) that leaves some out is not the whole,
which :func:`left_out` tells the verdict and the report. ``duration_ms``, the
function's wall time, goes with the other metrics of a function that returned. An evaluator's metric of the
same name wins (:func:`combine`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from honeyhive_experiment.config import Direction, MetricConfig
from honeyhive_experiment.llm_calls import LlmCall
from honeyhive_experiment.models.outcomes import EARLIER_FAILED, IMPORT_KEYS, UNPRICED_KEYS, DatapointOutcome
from honeyhive_experiment.pricing import Prices

__all__ = [
    "CALL_METRICS",
    "JUDGE",
    "METRICS",
    "NO_VALUE",
    "OUTSIDE",
    "UNFINISHED",
    "Efficiency",
    "at_import",
    "combine",
    "left_out",
    "measure",
    "presentation",
    "replaced_note",
    "setup_note",
]

JUDGE: Final = "judge_"
"""The prefix of the evaluators' metrics (and of their unpriced calls in a session's metadata)."""
CALL_METRICS: Final = ("input_tokens", "output_tokens", "llm_calls", "cost_usd")
"""The function's metrics of its LLM calls (the judge's: each with :data:`JUDGE` before it): with instrumentation on,
a datapoint whose function made none the run saw records 0 of each, so a gate on one judges nothing when no datapoint
of a run made one (the verdict says so)."""
METRICS: Final = (*CALL_METRICS, "duration_ms", *(JUDGE + name for name in CALL_METRICS))  # the function's, the judge's
NO_PRICE, NO_USAGE, FAILED, GIVEN_UP = UNPRICED_KEYS[:4]
"""The session metadata keys of the function's calls without a cost, by why (``judge_`` + each: the judge's)."""
_LEFT_OUT_OF: Final = {
    "input_tokens": (NO_USAGE, GIVEN_UP, EARLIER_FAILED),
    "output_tokens": (NO_USAGE, GIVEN_UP, EARLIER_FAILED),
    "cost_usd": (NO_PRICE, NO_USAGE, GIVEN_UP, EARLIER_FAILED),
    "llm_calls": (EARLIER_FAILED,),  # an earlier version's failed calls: some may be given up on, now counted
}
"""The metrics a call counted in ``llm_calls`` can be missing from, and why (a failed call is in none: it was not
answered)."""
OUTSIDE: Final = "outside any datapoint"
"""Why :func:`left_out` leaves out the calls made outside every datapoint's context (of every metric but
``duration_ms``)."""
UNFINISHED: Final = "of the datapoints' own, unfinished when recorded"
"""Why :func:`left_out` leaves out the datapoints' calls that ended after their datapoint was recorded (of every metric
but ``duration_ms``): their work, unlike :data:`OUTSIDE`'s, so a gate never excuses them as made in neither run."""
_WHY: Final = {
    NO_PRICE: "to unpriced model {}",
    NO_USAGE: "to {} without token usage",
    EARLIER_FAILED: "to {} that failed, recorded by an earlier version (given up on by the client, it counts now)",
    GIVEN_UP: "to {} given up on by the client (a timeout, a lost connection, an answer it refused: the provider"
    " may bill it, each retry too)",
}
NO_VALUE: Final = " on datapoints left without a value"
"""After why :func:`left_out` leaves calls out: they were all the calls made of their datapoint (or trial), which
so has no value of the metric (:func:`measure`), and the backend's mean is the other datapoints', no lower bound of the
whole: a gate on it cannot be judged either way."""
_UNKNOWN_MODEL: Final = "(model not named)"
_LOWER: Final = MetricConfig(direction=Direction.LOWER)


@dataclass(frozen=True)
class Efficiency:
    """One datapoint's efficiency metrics, and its calls without a cost per model, by why
    (:data:`~honeyhive_experiment.models.outcomes.UNPRICED_KEYS`: ``{"unpriced_llm_calls": {model: calls},
    "judge_failed_llm_calls": {...}, ...}``; a key without calls is left out)."""

    metrics: dict[str, int | float] = field(default_factory=dict)
    unpriced: dict[str, dict[str, int]] = field(default_factory=dict)


def measure(
    function_calls: Sequence[LlmCall],
    judge_calls: Sequence[LlmCall],
    duration: float | None,
    prices: Prices,
    *,
    instrumented: bool = False,
) -> Efficiency:
    """The metrics of one datapoint whose function ran ``duration`` seconds (None: it raised or timed out), its
    function traced for LLM calls when ``instrumented`` (see the module's rules)."""
    if not function_calls and not judge_calls and not instrumented:
        return Efficiency()
    metrics: dict[str, int | float] = {}
    unpriced: dict[str, dict[str, int]] = {}
    for prefix, calls in (("", function_calls), (JUDGE, judge_calls)):
        if not calls and (prefix or not instrumented):
            continue
        made = [call for call in calls if not call.failed]
        metrics[prefix + "llm_calls"] = len(made)
        for side in ("input_tokens", "output_tokens"):
            counted = [n for n in (getattr(call, side) for call in made) if n is not None]
            if counted or not made:
                metrics[prefix + side] = sum(counted)
        costs = [prices.cost(call) for call in made]
        priced = [cost for cost in costs if cost is not None]
        if priced or not made:
            metrics[prefix + "cost_usd"] = float(round(sum(priced, Decimal(0)), 11))  # no noise below 1e-9 cent
        missing = Counter((FAILED, call.model or _UNKNOWN_MODEL) for call in calls if call.failed)
        for call, cost in zip(made, costs, strict=True):
            if cost is None:  # Prices.cost: no tokens, or no price
                no_usage = call.input_tokens is None and call.output_tokens is None
                why = GIVEN_UP if call.given_up else NO_USAGE if no_usage else NO_PRICE
                missing[why, call.model or _UNKNOWN_MODEL] += 1
        for (why, model), n in sorted(missing.items()):
            unpriced.setdefault(prefix + why, {})[model] = n
    if duration is not None:
        metrics["duration_ms"] = round(duration * 1000, 3)
    return Efficiency(metrics, unpriced)


def left_out(outcomes: Iterable[DatapointOutcome]) -> dict[str, dict[str, int]]:
    """Per efficiency metric, the calls made the ``outcomes`` recorded it leaves out, by why (calls without a price,
    without token usage or given up on: :attr:`~honeyhive_experiment.models.outcomes.DatapointOutcome.unpriced`,
    which the job that ran them wrote; of a datapoint whose evaluator's metric replaced the built-in, none:
    :attr:`~honeyhive_experiment.models.outcomes.DatapointOutcome.replaced`), the calls made outside every
    datapoint's context (:attr:`~honeyhive_experiment.models.outcomes.DatapointOutcome.outside`) and the datapoints'
    calls unfinished when they were recorded (its
    :attr:`~honeyhive_experiment.models.outcomes.DatapointOutcome.unfinished`), which every metric but
    ``duration_ms`` leaves out (in no datapoint's metrics); a metric that leaves none out is not listed.
    Counts of calls, not aggregates: the backend's value of such a metric is a lower bound of the whole, which the
    verdict judges a gate by, unless they were all of a datapoint's calls (:data:`NO_VALUE` after their why)."""
    outcomes = list(outcomes)
    found = {metric: Counter(calls) for metric, calls in own_left_out(outcomes).items()}
    outside, unfinished = sum(o.outside for o in outcomes), sum(o.unfinished for o in outcomes)
    for why, n in ((OUTSIDE, outside), (UNFINISHED, unfinished)):
        for metric in METRICS if n else ():
            if metric != "duration_ms":
                found.setdefault(metric, Counter())[why] += n
    return {metric: dict(calls) for metric, calls in found.items()}


def own_left_out(outcomes: Iterable[DatapointOutcome]) -> dict[str, dict[str, int]]:
    """:func:`left_out`'s calls of the ``outcomes``' own datapoints (their :attr:`~honeyhive_experiment.models.outcomes.
    DatapointOutcome.unpriced`), without the job's calls outside every datapoint or unfinished, which are no
    datapoint's."""
    found: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        for prefix in ("", JUDGE):
            for metric, whys in _LEFT_OUT_OF.items():
                if prefix + metric in outcome.replaced:
                    continue
                alone = "" if prefix + metric in outcome.metrics else NO_VALUE
                for why in whys:
                    for model, n in outcome.unpriced.get(prefix + why, {}).items():
                        found.setdefault(prefix + metric, Counter())[_WHY[why].format(model) + alone] += n
    return {metric: dict(calls) for metric, calls in found.items()}


def at_import(calls: Sequence[LlmCall], prices: Prices) -> dict[str, int | float]:
    """What the LLM calls (made: not failed) the import of the user's code made are recorded as (:data:`IMPORT_KEYS`;
    none: empty): how many, their tokens when every one reported them, their cost when every one is priced. Made before
    any datapoint, they are a setup cost, none of a datapoint's work: not left out of any (:func:`left_out`)."""
    if not calls:
        return {}
    found = measure(calls, (), None, prices)
    names = ["llm_calls"]
    if not {NO_USAGE, GIVEN_UP} & found.unpriced.keys():
        names += ["input_tokens", "output_tokens"]
    if not found.unpriced:
        names.append("cost_usd")
    return {"import_" + name: found.metrics[name] for name in names if name in found.metrics}


def setup_note(imported: Mapping[str, int | float]) -> str:
    """What a run says of the LLM calls its import of the user's code made (:func:`at_import`)."""
    calls, input_tokens, output_tokens, cost = (imported.get(key) for key in IMPORT_KEYS)
    usage = [
        f"{n:,} {side} tokens" for n, side in ((input_tokens, "input"), (output_tokens, "output")) if n is not None
    ]
    if cost is not None:
        usage.append(f"${Decimal(repr(round(cost, 11))):f}")
    return f"{calls} LLM call(s) at import, before any datapoint: a setup cost, in no datapoint's metrics" + (
        f" ({', '.join(usage)})" if usage else ""
    )


def replaced_note(outcomes: Iterable[DatapointOutcome]) -> str | None:
    """What a run says of the built-in metrics its evaluators' metrics of the same name replaced (:func:`combine`;
    :attr:`~honeyhive_experiment.models.outcomes.DatapointOutcome.replaced`, as read back from the sessions too), in the
    order first replaced: the values shown and judged under those names are the evaluators'. ``None``: none was."""
    names = list(dict.fromkeys(name for outcome in outcomes for name in outcome.replaced))
    if not names:
        return None
    whose = (
        "is an evaluator's metric, not the built-in one"
        if len(names) == 1
        else "are evaluators' metrics, not the built-in ones"
    )
    return (
        f"{', '.join(names)} {whose}: an evaluator's metric of a built-in metric's name replaces it, in the efficiency"
        " table and for any gate on it; name the evaluator's metric otherwise to keep both."
    )


def combine(
    evaluated: Mapping[str, object], efficiency: Mapping[str, int | float]
) -> tuple[dict[str, object], tuple[str, ...]]:
    """The evaluators' metrics with the efficiency metrics added, and the built-in names an evaluator's metric of
    the same name replaced (the user's metric wins)."""
    replaced = tuple(name for name in efficiency if name in evaluated)
    return {**evaluated, **{name: value for name, value in efficiency.items() if name not in evaluated}}, replaced


def presentation(configured: Mapping[str, MetricConfig]) -> dict[str, MetricConfig]:
    """The experiment file's ``metrics:`` with the efficiency metrics' default (lower is better) where it does not
    say their direction: what the verdict and the report read a metric's direction from. An entry that only labels,
    formats or keys one keeps that default."""
    lower = {
        name: configured[name].model_copy(update={"direction": Direction.LOWER}) if name in configured else _LOWER
        for name in METRICS
        if name not in configured or "direction" not in configured[name].model_fields_set
    }
    return {**configured, **lower}

"""One datapoint run as a run runs it, with nothing recorded: the metrics the user's code really produces.

``validate`` asks this of the first datapoint, because only running the evaluators tells the keys of the dicts
they return (``rubric`` returning ``{"grounded": ...}`` produces ``rubric_grounded``). :func:`probe` hands the
function and the evaluators to :class:`~honeyhive_experiment.runner.Runner`, the run's own pool, so they are
called by the same conventions, timeout and evaluator rules; the tracer a function takes is a real one whose
spans are dropped (:meth:`~honeyhive_experiment.tracing.TraceSink.nowhere`), and the session calls the runner
makes go to a stand-in that keeps nothing. No backend is asked anything; nothing is recorded anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from honeyhive_experiment.calling import callable_name, function_convention, misfit
from honeyhive_experiment.config import ModelPrice
from honeyhive_experiment.errors import ExperimentError
from honeyhive_experiment.models.outcomes import NONE_UNDER_KEY, NOT_RAISED, Datapoint, OutcomeStatus
from honeyhive_experiment.run_spec import RunSpec
from honeyhive_experiment.runner import Runner
from honeyhive_experiment.tracing import TraceSink
from honeyhive_experiment.user_code import UserCode

__all__ = ["Probed", "probe"]


class _NoBackend:
    """The runner's session calls, answered here and kept nowhere."""

    def start_session(self, session: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def update_event(self, event_id: str, changes: Mapping[str, Any]) -> None:
        return None


@dataclass(frozen=True)
class Probed:
    """What a probe found: the evaluators' metrics (and the LLM calls'), and those only the spans carried."""

    metrics: Mapping[str, Any]  # name → value, in the evaluators' order
    recorded: Mapping[str, Any]  # the function's own (tracer.enrich_span(metrics=...)), not among ``metrics``
    given: tuple[str, ...] = ()  # the names a dict evaluator gave None under (an optional sub-score): no metric here

    @property
    def everything(self) -> dict[str, Any]:
        """Every metric the datapoint recorded, the evaluators' first."""
        return {**self.metrics, **self.recorded}


def probe(
    code: UserCode,
    datapoint: Datapoint,
    *,
    name: str,
    timeout: float | None,
    where: str,
    pricing: Mapping[str, ModelPrice] | None = None,
) -> Probed:
    """Run ``code``'s function and evaluators on ``datapoint`` as the run would, recording nothing: the metrics the
    evaluators produced (name → value), in their order, and those of the LLM calls its spans describe (``cost_usd``
    by the experiment file's ``pricing``, as the run prices them); beside them those only the spans carried, which
    the function records itself (``other_metrics``).

    ``where`` says which datapoint it is in errors (``"the first datapoint, data/questions.jsonl:1"``).

    Raises:
        ExperimentError: the function raised or timed out, or an evaluator raised or reported a problem (a
            return value that is no metric, a missing ground truth, ...), each named with the datapoint's id.
    """
    spec = RunSpec(
        function=code.function,
        evaluators=code.evaluators,
        name=name,
        max_workers=1,
        timeout=timeout,
        pricing=pricing or {},
    )
    sink = TraceSink.nowhere()
    try:
        (outcome,) = Runner(spec, client=_NoBackend(), sink=sink, run_id="probe").run([datapoint])
    finally:
        sink.shutdown()
    problems: list[str] = []
    function = callable_name(code.function)
    if outcome.status is OutcomeStatus.FUNCTION_ERROR:
        hint = misfit(code.function, outcome.error or "", function_convention(code.function).passed)
        problems.append(f"function {function!r} raised {outcome.error}{hint}")
    elif outcome.status is not OutcomeStatus.OK:  # a timeout (the stand-in backend never fails, nothing cancels)
        problems.append(f"function {function!r} {outcome.error}")
    for failure in outcome.evaluator_failures:  # "KeyError: 'x'", or one of the problems evaluators.py reports
        kind, _, detail = failure.error.partition(": ")
        said = f": {detail}" if kind in NOT_RAISED else f" raised {failure.error}"
        for evaluator in (e for e in code.evaluators if e.name == failure.evaluator):
            truth = None if datapoint.ground_truth is None else "ground_truth"
            said += misfit(evaluator.fn, failure.error, evaluator.arguments("outputs", "inputs", truth) or ())
        problems.append(f"evaluator {failure.evaluator!r}{said}")
    if problems:
        raise ExperimentError(f"probing {where} (id {datapoint.id}): " + "; ".join(problems))
    recorded = {name: value for name, value in sink.dropped_metrics.items() if name not in outcome.metrics}
    given = tuple(name for name, why in outcome.no_metric.items() if why == NONE_UNDER_KEY)
    return Probed(outcome.metrics, recorded, given)

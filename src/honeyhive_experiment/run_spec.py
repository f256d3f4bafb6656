"""How one run is made: :class:`RunSpec`, the one value the run's lifecycle and the thread pool take.

The command line builds it from the experiment file (:func:`honeyhive_experiment.flow.run_spec`), the Python API
from :func:`~honeyhive_experiment.experiment.evaluate`'s arguments; :meth:`RunSpec.configured` is the one place a
run's ``configuration`` is written, for both. Plain data: no I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from honeyhive_experiment.config import ModelPrice
from honeyhive_experiment.evaluators import Evaluator
from honeyhive_experiment.models.outcomes import DatapointOutcome, Progress

if TYPE_CHECKING:
    from honeyhive_experiment.tracing import Outside

__all__ = ["RunSpec"]


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    """How one run is made: the user's code, the run's name and metadata, and how the pool runs it."""

    function: Callable[..., Any]
    evaluators: tuple[Evaluator, ...] = ()
    name: str
    max_workers: int = 10
    trials: int = 1  # how many times each datapoint runs, each trial its own session
    pricing: Mapping[str, ModelPrice] = field(default_factory=dict)  # model → price, before genai-prices' (pricing:)
    instrumented: bool = False  # the function is traced for LLM calls (instrument:, instrumentors=): measured always
    timeout: float | None = 300.0
    passing_ranges: Mapping[str, Mapping[str, float]] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    configuration: Mapping[str, Any] = field(default_factory=dict)  # the run's in HoneyHive: configured()
    aggregate_function: str = "average"
    ingestion_timeout: float = 120.0
    progress: Callable[[Progress], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    secrets: tuple[str, ...] = ()  # values what the run records in HoneyHive is redacted of (the environment's)
    counted: Outside | None = None  # the command line's count of the LLM calls in no datapoint, from the import of the
    # user's code on (tracing.counting_outside), which the runner reads; None: the runner counts its own
    warnings_to: Callable[[Sequence[str]], None] | None = None  # who says the run's evaluator warnings (and of the
    # outputs changed to be recorded), handed them
    # at the end of the run instead of the runner's log: the command line's run, whose report (its judgement's, or
    # the error's when judging fails) says them, and whose delivery announces them in the job log once
    completed_to: Callable[[str, Sequence[DatapointOutcome]], None] | None = None  # told the run's id and outcomes as
    # soon as the backend has it completed (record_run), or a shard's slice recorded (run_slice): the command line's,
    # whose report of a signal after that (as the sink shuts down, or they are returned) names the run, which it marks
    # cancelled (flow.run_experiment; a shard's run stays running: flow.record_shard says what it recorded)

    def configured(self, function: str, evaluators: Sequence[str]) -> RunSpec:
        """This spec with the run's ``configuration`` in HoneyHive: which function and evaluators (by name), on how
        many workers, aggregated how, and (only when more than one, so a run without trials stays the SDK's) how
        many trials per datapoint."""
        configuration: dict[str, Any] = {
            "function": function,
            "evaluators": list(evaluators),
            "max_workers": self.max_workers,
            "aggregate_function": self.aggregate_function,
        }
        if self.trials > 1:
            configuration["trials"] = self.trials
        return replace(self, configuration=configuration)

"""How one run is made: :class:`RunSpec`, the one value the run's lifecycle and the thread pool take.

The command line builds it from the experiment file (:func:`honeyhive_experiment.flow.run_spec`), the Python API
from :func:`~honeyhive_experiment.experiment.evaluate`'s arguments; :func:`run_configuration` is the one place a
run's ``configuration`` is written, for both. Plain data: no I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from honeyhive_experiment.config import ModelPrice
from honeyhive_experiment.evaluators import Evaluator
from honeyhive_experiment.models.outcomes import Progress

__all__ = ["RunSpec", "run_configuration"]


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
    configuration: Mapping[str, Any] = field(default_factory=dict)
    aggregate_function: str = "average"
    ingestion_timeout: float = 120.0
    progress: Callable[[Progress], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


def run_configuration(
    function: str, evaluators: Sequence[str], *, max_workers: int, aggregate_function: str, trials: int = 1
) -> dict[str, Any]:
    """A run's ``configuration`` in HoneyHive: which function and evaluators, on how many workers, aggregated how,
    and (only when more than one, so a run without trials stays the SDK's) how many trials per datapoint."""
    configuration: dict[str, Any] = {
        "function": function,
        "evaluators": list(evaluators),
        "max_workers": max_workers,
        "aggregate_function": aggregate_function,
    }
    if trials > 1:
        configuration["trials"] = trials
    return configuration

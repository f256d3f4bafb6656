"""What a run produces on our side, one value per datapoint: plain data, no I/O.

:class:`Datapoint` is what the runner hands the user's function; :class:`DatapointOutcome` is what became of it
(its status, outputs, metrics and errors), in input order; :class:`Progress` is what the progress line shows.
The runner (:mod:`honeyhive_experiment.runner`) makes them; the verdict and the report read them. This module
imports neither OpenTelemetry nor httpx.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Final, TypeGuard

__all__ = [
    "CHANGED_KEY",
    "COLLISION",
    "DOTTED_NAME",
    "EARLIER_FAILED",
    "EVALUATOR_ERRORS_KEY",
    "IMPORT_KEYS",
    "MISSING_GROUND_TRUTH",
    "NONE_UNDER_KEY",
    "NON_FINITE",
    "NOT_CALLED",
    "NOT_RAISED",
    "NO_UNPRICED",
    "OUTSIDE_KEY",
    "OUT_OF_RANGE",
    "REPLACED_KEY",
    "RETURNED_NONE",
    "UNFINISHED_KEY",
    "UNPRICED_KEYS",
    "UNSET_KEY",
    "UNSUPPORTED_RETURN",
    "Datapoint",
    "DatapointOutcome",
    "EvaluatorFailure",
    "MetricValues",
    "OutcomeStatus",
    "Progress",
    "and_more",
    "excerpt",
    "first_ids",
    "outputs_changed_warning",
    "outside_ranges",
    "timeout_error",
    "trial_of",
]


@dataclass(frozen=True, slots=True)
class Datapoint:
    """One datapoint as the runner sees it: its id and the record the user function receives."""

    id: str
    record: Mapping[str, Any]
    dataset_id: str | None = None
    unreturned: str | None = None
    """Why there is nothing to run: its managed dataset lists it, HoneyHive did not return it (the error of its
    outcome, a backend error: not evaluated)."""

    @property
    def inputs(self) -> dict[str, Any]:
        inputs = self.record.get("inputs")
        return dict(inputs) if isinstance(inputs, Mapping) else {}

    @property
    def ground_truth(self) -> Any:
        return self.record.get("ground_truth")


class OutcomeStatus(StrEnum):
    OK = "ok"
    FUNCTION_ERROR = "function_error"  # the user function raised
    TIMEOUT = "timeout"  # the user function did not return within the timeout
    BACKEND_ERROR = "backend_error"  # the session could not be started after retries
    SKIPPED = "skipped"  # cancelled before it started
    CANCELLED = "cancelled"  # the run was cancelled while its function was running


class MetricValues(Mapping[str, Any]):
    """One datapoint's metrics, read-only: a tuple of values and a tuple of names shared by every
    datapoint scored by the same metrics — about half the memory of a dict, per datapoint of a run."""

    __slots__ = ("_names", "_values")
    _shared_names: ClassVar[dict[tuple[str, ...], tuple[str, ...]]] = {}
    _MAX_SHARED: ClassVar[int] = 1024  # metrics named per datapoint must not grow the table without end

    def __init__(self, metrics: Mapping[str, Any] | None = None) -> None:
        items = dict(metrics or {})
        names = tuple(items)
        shared = self._shared_names.get(names)
        if shared is None and len(self._shared_names) < self._MAX_SHARED:
            shared = self._shared_names.setdefault(names, names)
        self._names = shared or names
        self._values = tuple(items.values())

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[self._names.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(frozen=True, slots=True)
class EvaluatorFailure:
    """An evaluator that raised (or returned no metric) on one datapoint: its name and ``Type: message``."""

    evaluator: str
    error: str


COLLISION = "MetricNameCollision"
"""The ``Type`` of the :class:`EvaluatorFailure` of two evaluators producing the same metric name (the first one's
value is kept): nothing raised, and the verdict says what happened instead."""

MISSING_GROUND_TRUTH = "MissingGroundTruth"
"""The ``Type`` of the :class:`EvaluatorFailure` of an evaluator whose third parameter (``ground_truth``) has no
default, on a datapoint without a ground truth: it was not called, and the verdict says so."""

NOT_CALLED = "NotCalled"
"""The ``Type`` of the :class:`EvaluatorFailure` of an evaluator whose datapoint's timeout ran out before its turn
(the function or an evaluator before it took the time): it was not called, and the verdict says so."""

# The other ``Type``s of :class:`EvaluatorFailure`s that are no exception the evaluator raised: it returned a value
# that is no metric (evaluators.py drops it, or sends it where the backend keeps no metric).
NON_FINITE = "NonFiniteMetric"
"""A float metric was NaN or infinite; it was dropped."""
OUT_OF_RANGE = "MetricOutOfRange"
"""An integer metric too large for a float; it was dropped."""
UNSUPPORTED_RETURN = "UnsupportedReturn"
"""The evaluator returned something that is not a metric (or a dict whose ``score`` is not a scalar)."""
DOTTED_NAME = "DottedMetricName"
"""A metric name has a dot: the spans' attributes are flattened with dots, so the backend stores it as a nested
field, not a metric (the value is still sent, as the SDK sends it)."""
NOT_RAISED = frozenset(
    {COLLISION, DOTTED_NAME, MISSING_GROUND_TRUTH, NOT_CALLED, NON_FINITE, OUT_OF_RANGE, UNSUPPORTED_RETURN}
)
"""The ``Type``s of evaluator errors that are no exception it raised (the rest are the exceptions' own types)."""

RETURNED_NONE = "returned None"
"""What :attr:`DatapointOutcome.no_metric` says of an evaluator that returned ``None`` there: no metric, and no error
(``None`` is how an evaluator skips a datapoint), but a warning when it did so on every datapoint it ran on (a
forgotten ``return``: :func:`~honeyhive_experiment.verdict.returned_none`)."""

NONE_UNDER_KEY = "None under its key"
"""What :attr:`DatapointOutcome.no_metric` says of a dict evaluator's ``name_key`` whose value was ``None`` there (an
optional sub-score): no metric, no error and no warning, but a name the evaluator gives, which an experiment file's
``metrics:`` key may name (:func:`~honeyhive_experiment.verdict.unmatched_presentation`)."""

DICT_OF_METRICS = "returned a dict of metrics"
"""What :attr:`DatapointOutcome.no_metric` says of an evaluator that returned a dict of several metrics without a
``score`` there: its keys are metrics (``name_key``), not its name; no warning, unless its name is judged
(:func:`~honeyhive_experiment.verdict.broken` says so then, not "did you mean name_key")."""

EVALUATOR_ERRORS_KEY = "evaluator_errors"
"""The session metadata key of the evaluators that raised on a datapoint: ``[{"evaluator": name, "error": "Type:
message"}, ...]``, ``0`` when none (an older run's: ``{evaluator: ["Type: message", ...]}``, ``{evaluator: "Type:
message"}`` or null; the function's error is ``metadata.error``, ``""`` when none), so that a job that did not run
the datapoints sees them too. A list or a scalar, never an object: a re-run's must replace a failed attempt's whole,
under a deep merge of metadata too."""

_TIMED_OUT = ("did not return within", "timed out after")
"""How a timeout's error begins (:func:`timeout_error`), and how it began in runs recorded before: the report says
"function timed out: " before it, which the older one said again."""


def timeout_error(seconds: float) -> str:
    """The error of a function that did not return within ``seconds``, as the runner records it in the session's
    metadata and :meth:`DatapointOutcome.from_session` reads it back (a timeout, not a function that raised)."""
    return f"{_TIMED_OUT[0]} {seconds:g} s"


def trial_of(metadata: object) -> int:
    """A session's trial (``metadata.trial``; 0 when it has none, as without trials)."""
    trial = metadata.get("trial") if isinstance(metadata, Mapping) else None
    return trial if isinstance(trial, int) and not isinstance(trial, bool) else 0


def _amount(value: object) -> TypeGuard[int | float]:
    """Whether ``value`` is a count or an amount a job recorded (not a flag, not negative)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _pairs(value: object, name: str, item: str) -> Iterator[tuple[object, object]]:
    """The (name, item) pairs of a session metadata value: a list of ``{name: …, item: …}``, or an older run's
    ``{name: item}`` / ``{name: [item, ...]}``; nothing of anything else (``0``, ``""``, null)."""
    if isinstance(value, Mapping):
        for key, found in value.items():
            yield from ((key, one) for one in (found if isinstance(found, list) else [found]))
    elif isinstance(value, list):
        yield from ((e[name], e[item]) for e in value if isinstance(e, Mapping) and name in e and item in e)


UNPRICED_KEYS = tuple(
    side + key
    for side in ("", "judge_")
    for key in ("unpriced_llm_calls", "no_usage_llm_calls", "failed_llm_calls", "given_up_llm_calls")
)
"""The session metadata keys of a datapoint's LLM calls that have no cost, per model (``[{"model": name, "calls": n},
...]``, ``0`` when none; an older run's: ``{model: calls}`` or null), by why:
answered with tokens but no known price; answered without token usage (a stream that was not asked for it);
failed on the server's error (no usage reported); given up on by the client (a timeout: may be billed, usage
unknown). ``judge_`` + each: the evaluators' calls."""
EARLIER_FAILED: Final = "earlier_failed_llm_calls"
"""Not a metadata key: where :meth:`DatapointOutcome.from_metadata` puts the ``failed_llm_calls`` of a session recorded
before ``given_up_llm_calls`` was (no such key in its metadata), whose failed calls include those its client gave up
on, now counted in ``llm_calls``: that run's ``llm_calls`` may leave them out (``judge_`` + it: the evaluators')."""
REPLACED_KEY: Final = "replaced_metrics"
"""The session metadata key of the built-in metrics an evaluator's metric replaced (a list of names, ``0``: none)."""
UNSET_KEY: Final = "none_metrics"
"""The session metadata key of the names a dict evaluator gave None under there (:data:`NONE_UNDER_KEY`; a list of
names, ``0``: none), so that a job that judges the run without having run it (report, view) knows them too."""
CHANGED_KEY: Final = "outputs_changed"
"""The session metadata key of what was changed in its outputs to record them (:attr:`DatapointOutcome.changed`;
``""``: nothing), so that a job that judges the run without having run it (report, publish, view) says it too."""
OUTSIDE_KEY: Final = "outside_llm_calls"
"""The session metadata key of the LLM calls its job counted in no datapoint's metrics: made outside every datapoint's
context, and the datapoints' own unfinished when they were recorded (:data:`UNFINISHED_KEY`, of these; on one session
of the job: the run's own metadata is replaced whole on update, and shared by shard jobs running at once)."""
UNFINISHED_KEY: Final = "unfinished_llm_calls"
"""The session metadata key (on the session :data:`OUTSIDE_KEY` is on) of how many of those were the datapoints' own,
unfinished when their datapoint was recorded (a thread it did not join, a call its timeout gave up on; at least one
for each function or evaluator the timeout abandoned that still ran when the run ended, whose later calls are in no
count): its work, not outside every datapoint. A run recorded before it was written has none: all of them read as
outside."""
IMPORT_KEYS: Final = ("import_llm_calls", "import_input_tokens", "import_output_tokens", "import_cost_usd")
"""The session metadata keys (on the session :data:`OUTSIDE_KEY` is on) of the LLM calls its job's import of the
user's code made, before any datapoint (a setup cost, in no metric and none's left-out work): how many, and, when
known for every one of them, their tokens and cost."""
NO_UNPRICED: Mapping[str, Mapping[str, int]] = {}
"""The :attr:`DatapointOutcome.unpriced` of a datapoint whose every call was priced: one shared empty mapping (a
dict, read only as a Mapping: a ``MappingProxyType`` made every result unpicklable, so a worker process's lost)."""


@dataclass(frozen=True, slots=True)
class DatapointOutcome:
    """What became of one datapoint of a run (input order ``index``)."""

    index: int
    datapoint_id: str
    session_id: str
    status: OutcomeStatus
    outputs: Any = None
    metrics: Mapping[str, Any] = field(default_factory=MetricValues)
    error: str | None = None
    evaluator_failures: tuple[EvaluatorFailure, ...] = ()
    warnings: tuple[str, ...] = ()
    no_metric: Mapping[str, str] = field(default_factory=dict)
    """Per evaluator without a metric of its name here though nothing went wrong, why: :data:`RETURNED_NONE`, or
    what its dict without a scalar ``score`` made the run say (also in :attr:`warnings`); only this job's. And per name
    a dict evaluator gave None under, :data:`NONE_UNDER_KEY` (read back from the session too: :data:`UNSET_KEY`)."""
    duration: float = 0.0
    exported: bool = True
    trial: int = 0  # which of the datapoint's trials (0 without trials)
    unpriced: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: NO_UNPRICED)
    """LLM calls without a cost in ``cost_usd`` / ``judge_cost_usd``, per model, by why (:data:`UNPRICED_KEYS`):
    ``{"unpriced_llm_calls": {model: calls}, "failed_llm_calls": {...}, ...}`` (also in the session's metadata);
    empty when every call was answered and priced."""
    replaced: tuple[str, ...] = ()
    """The built-in efficiency metrics an evaluator's metric of the same name replaced (also in the session's
    metadata, :data:`REPLACED_KEY`): what :attr:`unpriced` leaves out of the built-in is not left out of those."""
    outside: int = 0
    """The LLM calls its job made outside every datapoint's context, in no metric (:data:`OUTSIDE_KEY` but
    :attr:`unfinished`): on one outcome of the job, so that a run's are the sum over its outcomes, also as read back."""
    unfinished: int = 0
    """The LLM calls of its job's datapoints that ended after their datapoint was recorded, in no metric
    (:data:`UNFINISHED_KEY`), on the outcome that has :attr:`outside`."""
    imported: Mapping[str, int | float] = field(default_factory=dict)
    """The LLM calls its job's import of the user's code made, by :data:`IMPORT_KEYS` (empty: none), on the outcome
    that has :attr:`outside`."""
    changed: str | None = None
    """What its outputs as recorded (:attr:`outputs`) have that the function did not return, because JSON cannot
    carry that (a NaN, an object, a reference cycle): the first place and what it became, and how many more; None
    when they are as returned (also in the session's metadata, :data:`CHANGED_KEY`). The evaluators scored them as
    returned."""

    @property
    def failed(self) -> bool:
        return self.status in (OutcomeStatus.FUNCTION_ERROR, OutcomeStatus.TIMEOUT, OutcomeStatus.BACKEND_ERROR)

    @classmethod
    def from_session(cls, index: int, session_id: str, metadata: Mapping[str, Any]) -> DatapointOutcome:
        """What the job that ran a datapoint recorded in its session's metadata: its function's error (a timeout's
        from :func:`timeout_error`), its evaluators' errors, its calls without a cost, what was changed in its
        outputs to record them, and its job's calls outside every datapoint and at import; for a job that judges a
        run it did not run."""
        error = metadata.get("error")
        error = str(error) if error not in (None, "") else None  # "": none (a later attempt's, over an error)
        status = OutcomeStatus.OK
        if error is not None:
            status = OutcomeStatus.TIMEOUT if error.startswith(_TIMED_OUT) else OutcomeStatus.FUNCTION_ERROR
        failures = tuple(
            EvaluatorFailure(str(name), str(text))
            for name, text in _pairs(metadata.get(EVALUATOR_ERRORS_KEY), "evaluator", "error")
        )
        unpriced: dict[str, dict[str, int]] = {}
        for key in UNPRICED_KEYS:
            for model, n in _pairs(metadata.get(key), "model", "calls"):
                if type(n) is int and n > 0:
                    unpriced.setdefault(key, {})[str(model)] = n
        for side in ("", "judge_"):  # recorded before given-up calls were told apart: its failed may be some
            if side + "given_up_llm_calls" not in metadata and side + "failed_llm_calls" in unpriced:
                unpriced[side + EARLIER_FAILED] = unpriced.pop(side + "failed_llm_calls")
        replaced, outside, unset = metadata.get(REPLACED_KEY), metadata.get(OUTSIDE_KEY), metadata.get(UNSET_KEY)
        outside = outside if type(outside) is int and outside > 0 else 0
        unfinished = metadata.get(UNFINISHED_KEY)
        unfinished = min(unfinished, outside) if type(unfinished) is int and unfinished > 0 else 0
        imported = {key: n for key in IMPORT_KEYS if _amount(n := metadata.get(key))}
        changed = metadata.get(CHANGED_KEY)
        return cls(
            index,
            str(metadata.get("datapoint_id") or session_id),
            session_id,
            status,
            error=error,
            evaluator_failures=failures,
            trial=trial_of(metadata),
            unpriced=unpriced or NO_UNPRICED,
            replaced=tuple(str(name) for name in replaced) if isinstance(replaced, list) else (),
            no_metric={str(name): NONE_UNDER_KEY for name in unset} if isinstance(unset, list) else {},
            outside=outside - unfinished,
            unfinished=unfinished,
            imported=imported if type(imported.get(IMPORT_KEYS[0])) is int and imported[IMPORT_KEYS[0]] else {},
            changed=changed if isinstance(changed, str) and changed else None,
        )

    @property
    def recorded(self) -> bool:
        """Whether the backend has a session for it (everything but skipped and backend errors)."""
        return self.status not in (OutcomeStatus.SKIPPED, OutcomeStatus.BACKEND_ERROR)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a run is: datapoints done of ``total`` (of them ``failed``: a metric outside its passing range, and
    ``errored``: the function or an evaluator raised, or the backend refused it), the rate so far and the time left
    at it. Said as it happens, for the progress line; the backend's result decides pass and fail."""

    done: int
    failed: int
    total: int
    rate: float  # datapoints per second so far
    eta: float | None  # seconds left at that rate
    errored: int = 0
    trials: int = 1  # per datapoint: with more than one, the counts are of trials (executions), not datapoints


def outputs_changed_warning(outcomes: Iterable[DatapointOutcome]) -> str | None:
    """What a run says of the datapoints whose outputs were changed to be recorded (:attr:`DatapointOutcome.changed`):
    one line, how many of its datapoints, the one of them with the smallest id (of its trials, the first) named with
    what was changed; None: none were. By id, not by input order: a job that judges a run it did not run (report,
    publish, view) has its sessions in the order they came, and every job names the same datapoint."""
    ids: set[str] = set()
    changed: set[str] = set()
    first: DatapointOutcome | None = None
    for outcome in outcomes:
        ids.add(outcome.datapoint_id)
        if outcome.changed is not None:
            changed.add(outcome.datapoint_id)
            if first is None or (outcome.datapoint_id, outcome.trial) < (first.datapoint_id, first.trial):
                first = outcome
    if first is None:
        return None
    return (
        f"the outputs of {len(changed)} of {len(ids)} datapoint(s) were changed to be recorded, the evaluators"
        f" scoring them as returned: datapoint {excerpt(first.datapoint_id, 64)}: {first.changed}"
    )


def valued(outcomes: Sequence[DatapointOutcome], metrics: Iterable[str]) -> dict[str, set[str]]:
    """Per metric of ``metrics``, the datapoints (ids) on which an outcome of ``outcomes`` holds a value of it that a
    range or a gate judges (a number or a bool, in some trial): what the summary must hold before the ingestion wait
    ends (:func:`~honeyhive_experiment.client.judged_values`), and where it has none, the backend lost it
    (:attr:`~honeyhive_experiment.verdict.Facts.valued`)."""
    return {m: {o.datapoint_id for o in outcomes if scored(o.metrics.get(m))} for m in dict.fromkeys(metrics)}


def scored(value: Any) -> bool:
    """Whether an outcome's ``value`` of a metric is one a range or a gate judges: a number or a bool."""
    return isinstance(value, bool | int | float)


def outside_ranges(metrics: Mapping[str, Any], ranges: Mapping[str, Mapping[str, float]] | None) -> bool:
    """Whether a metric of ``metrics`` is outside its passing range (booleans as 1/0), as the progress line tells
    it; a value that is not a number is not judged here."""
    for name, bounds in (ranges or {}).items():
        value = metrics.get(name)
        if isinstance(value, bool | int | float):
            low, high = bounds.get("min"), bounds.get("max")
            if (low is not None and value < low) or (high is not None and value > high):
                return True
    return False


def excerpt(text: str, limit: int = 40) -> str:
    """``text`` as a message quotes a value it did not write: its words one space apart (a line break in it would
    break the message's line), whole when that has at most ``limit`` characters, else the first whole words within
    ``limit`` and "…". Never part of a word: the report redacts secrets by their patterns after the message is
    written, and a secret cut short matches none (a URL's credentials need their ``@``, a key its length), so its
    visible part would be shown. Nor a parenthesis's first word alone: ``(char…`` of ``line 1 column 1 (char 0)``
    reads as a word cut short, and says nothing."""
    shown = " ".join(text.split())
    if len(shown) <= limit:
        return shown
    head = shown[: limit + 1]
    kept = head[:limit] if head[limit] == " " else head.rpartition(" ")[0]
    before, _, last = kept.rpartition(" ")
    if last.startswith("(") and ")" not in last:  # the parenthesis opened by the last word closes past the cut
        kept = before
    return f"{kept}…" if kept else "…"


def first_ids(ids: Sequence[str], most: int = 5) -> str:
    """Datapoint ids (or other names of the user's) as an error or a warning lists them: the first ``most``, each cut
    to 64 characters (a dataset's ids have no bound; :func:`excerpt`), then "…" when there are more."""
    return ", ".join(excerpt(i, 64) for i in ids[:most]) + (", …" if len(ids) > most else "")


def and_more(items: Sequence[str], most: int, sep: str = ", ") -> str:
    """A list cut after its first ``most`` ``items``, joined by ``sep``, and how many more there are: ``a, b and 3
    more``; of items that hold commas, joined by ``"; "``: ``a; b; and 3 more``."""
    return sep.join(items[:most]) + (f"{sep.rstrip(', ')} and {len(items) - most:,} more" if len(items) > most else "")

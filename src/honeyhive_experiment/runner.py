"""The thread pool: one datapoint → one session → one tracer → function → evaluators → flush.

:class:`Runner` runs a user function over datapoints on a ``ThreadPoolExecutor(max_workers)`` and
returns one typed :class:`DatapointOutcome` per datapoint, in input order. Per datapoint:

1. start its session (``POST /v1/sessions``) with a session id derived from the run and datapoint
   ids, so a retried request, a re-run shard or a resumed run never creates a second session;
2. open the ``chain`` span named after the function, with the datapoint's ids;
3. call the function (sync or async) as its signature asks (:func:`function_convention`) under a per-datapoint
   timeout;
4. run the evaluators inside that span (their spans marked as the judge's; each on a daemon thread, within what is
   left of the timeout) and write their metrics onto it, with the efficiency metrics of the LLM calls the
   datapoint's spans describe (:mod:`~honeyhive_experiment.efficiency`: tokens, calls, cost, the function's wall
   time; also of a function that raised or timed out, without evaluators);
5. record outputs (as JSON carries them: what had to be changed is said once per run, in the caller's report when
   it has one, :func:`~honeyhive_experiment.models.outcomes.outputs_changed_warning`) and ground truth on the
   session (``PUT /v1/events/{session_id}``), and in its metadata the calls without a cost, by why
   (:data:`~honeyhive_experiment.models.outcomes.UNPRICED_KEYS`: each a list of ``{model, calls}``), and the
   built-in metrics an evaluator's replaced (``replaced_metrics``);
6. in ``finally``: export the datapoint's spans.

The LLM calls made meanwhile outside every datapoint's context are said, and recorded on the first session the
job recorded (``outside_llm_calls``), so a job that reads the run back counts them as this one does.

A function that raises, hangs past the timeout, or a backend call that fails after its retries
costs that datapoint only (an evaluator that hangs past it, its metric there); the pool goes on. A datapoint whose
session, session update or spans the backend did not take (whatever it answered) is not recorded: a backend error.
This module is the per-datapoint error boundary.
The client and the trace sink are handed in; nothing here opens a connection or reads settings.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import inspect
import itertools
import logging
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable, Container, Coroutine, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import nullcontext, suppress
from typing import TYPE_CHECKING, Any, Protocol

from honeyhive_experiment.calling import callable_name, error_text, function_convention, where_blocking
from honeyhive_experiment.cancellation import signals_as_usual, signals_to_main_thread
from honeyhive_experiment.coroutines import held, run_coroutine
from honeyhive_experiment.efficiency import at_import, combine, measure
from honeyhive_experiment.errors import BackendUnreachable
from honeyhive_experiment.evaluators import run_evaluators
from honeyhive_experiment.models.outcomes import (
    CHANGED_KEY,
    DICT_OF_METRICS,
    EVALUATOR_ERRORS_KEY,
    NO_UNPRICED,
    NONE_UNDER_KEY,
    NOT_CALLED,
    OUTSIDE_KEY,
    REPLACED_KEY,
    RETURNED_NONE,
    UNFINISHED_KEY,
    UNPRICED_KEYS,
    UNSET_KEY,
    Datapoint,
    DatapointOutcome,
    EvaluatorFailure,
    MetricValues,
    OutcomeStatus,
    Progress,
    first_ids,
    outputs_changed_warning,
    outside_ranges,
    timeout_error,
)
from honeyhive_experiment.pricing import Prices
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.tracing import (
    SENT,
    DatapointIds,
    DatapointTracer,
    Recordable,
    TraceSink,
    counting_outside,
    recordable,
)
from honeyhive_experiment.user_code import secrets_watch
from honeyhive_experiment.verdict import evaluator_warnings

if TYPE_CHECKING:
    from honeyhive_experiment.run_spec import RunSpec

log = logging.getLogger(__name__)

_CANCEL_POLL = 0.1  # seconds between checks of the cancel event while a function runs
_BLOCKED = 0.3  # seconds the user's event loop may be held by one coroutine before the run says it blocks the loop
_EXPORT_GRACE = 2.0  # seconds an interrupted run gives datapoints in flight before their exports are stopped
SESSION_NAMESPACE = uuid.UUID("6f1c1d4e-8a0b-4c55-9a53-3f0e5b0f4a11")


def not_returned(run_id: str, index: int, datapoint: Datapoint, trial: int) -> DatapointOutcome:
    """The outcome of a trial of a datapoint its managed dataset lists and HoneyHive did not return
    (:attr:`Datapoint.unreturned`): nothing ran, nothing is recorded, a backend error as of a session it refused."""
    session_id = session_id_for(run_id, datapoint.id, trial)
    error = datapoint.unreturned
    return DatapointOutcome(index, datapoint.id, session_id, OutcomeStatus.BACKEND_ERROR, error=error, trial=trial)


class SessionApi(Protocol):
    """What the runner needs from the HoneyHive client."""

    def start_session(self, session: Mapping[str, Any]) -> dict[str, Any]: ...

    def update_event(self, event_id: str, changes: Mapping[str, Any]) -> None: ...


def session_id_for(run_id: str, datapoint_id: str, trial: int = 0) -> str:
    """The session id of a datapoint's trial in a run: stable, so retries and re-runs reuse it (the first trial's
    is the datapoint's session id without trials).

    Interned: the run's summary, read later, then shares this string instead of holding its own copy.
    """
    name = f"{run_id}\x00{datapoint_id}" if trial == 0 else f"{run_id}\x00{datapoint_id}\x00{trial}"
    return sys.intern(str(uuid.uuid5(SESSION_NAMESPACE, name)))


class _DaemonCalls:
    """Reusable daemon threads for calls that may hang: a timed-out call keeps its thread until it
    returns, and never blocks the process from exiting (the threads it starts are no daemons: signals_as_usual).
    Threads are created only when all are busy."""

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._idle == 0:
                thread = threading.Thread(target=self._work, name="honeyhive-call", daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1
        self._tasks.put((fn, future))
        return future

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            fn, future = task
            try:
                with signals_as_usual():  # the user's code, as in a thread of its own (SIGTERM, its threads' daemon)
                    settle = functools.partial(future.set_result, fn())
            except BaseException as exc:  # handed to the waiting worker
                settle = functools.partial(future.set_exception, exc)
            with self._lock:  # idle before its caller hears: a run that ended counts only the calls still running
                self._idle += 1
            settle()

    def running(self) -> int:
        """How many calls are still running (once every datapoint is done: those a timeout or a cancel abandoned)."""
        with self._lock:
            return len(self._threads) - self._idle

    def close(self) -> None:
        with self._lock:
            for _ in self._threads:
                self._tasks.put(None)


class Runner:
    """Runs one function with its evaluators over datapoints of one run, as ``spec`` says."""

    def __init__(self, spec: RunSpec, *, client: SessionApi, sink: TraceSink, run_id: str) -> None:
        self.spec = spec
        self.name = callable_name(spec.function)
        self.convention = function_convention(spec.function)  # decided once; raises when no convention fits
        self.client = client
        self.sink = sink
        self.run_id = run_id
        self.prices = Prices(spec.pricing)
        self.recorded = Redactor(spec.secrets)  # what goes to HoneyHive, redacted of the environment's secret values
        # and those the user's code puts there while it runs, as it sets them (learnt by every one): evaluate()'s
        # code runs only here; the CLI's and run_config's is imported before, in in_repository, which sets it then
        secrets_watch()
        self._said: set[str] = set()  # what the run said once (_first_time), under _said_lock
        self._said_lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}  # per datapoint that left one (run_one), under _said_lock
        self._calls = _DaemonCalls()
        self.finished: list[DatapointOutcome | None] = []  # each execution's, in order (None: not yet): _run

    def finished_sessions(self) -> list[str]:
        """Session ids of the datapoints recorded so far (also after an interrupt)."""
        return [o.session_id for o in self.finished if o is not None and o.recorded]

    def so_far(self, datapoints: Sequence[Datapoint], *, skip: Container[str] = ()) -> list[DatapointOutcome]:
        """Every execution's outcome once an interrupt stopped the run (:meth:`run`'s ``datapoints`` and ``skip``),
        in order: one that never ran, or never ended, is skipped, so a report counts what was recorded of all (also
        when the run never started: the backend was creating it)."""
        finished, outcomes = self.finished, []
        for at, (index, datapoint, trial) in enumerate(self._executions(datapoints, skip)):
            done = finished[at] if at < len(finished) else None
            outcomes.append(done if done is not None else self._skipped(index, datapoint, trial))
        return outcomes

    def _executions(
        self, datapoints: Sequence[Datapoint], skip: Container[str]
    ) -> Iterator[tuple[int, Datapoint, int]]:
        """Each datapoint's trials to run, made as the pool takes them: the datapoints of a large dataset (made when
        read, :class:`~honeyhive_experiment.experiment.PreparedDataset`'s) are not all held at once."""
        for index, datapoint in enumerate(datapoints):
            for trial in range(self.spec.trials):
                if not skip or session_id_for(self.run_id, datapoint.id, trial) not in skip:
                    yield index, datapoint, trial

    def _skipped(self, index: int, datapoint: Datapoint, trial: int) -> DatapointOutcome:
        """The outcome of an execution the run was cancelled before (its function never called: nothing recorded)."""
        session_id = session_id_for(self.run_id, datapoint.id, trial)
        return DatapointOutcome(index, datapoint.id, session_id, OutcomeStatus.SKIPPED, error="cancelled", trial=trial)

    # ------------------------------------------------------------------ the pool

    def run(self, datapoints: Sequence[Datapoint], *, skip: Container[str] = ()) -> list[DatapointOutcome]:
        """Run every datapoint (each :attr:`trials` times; the executions share the pool) and return their outcomes
        in input order, a datapoint's trials together; ``skip``: session ids already recorded (a re-run shard).
        The LLM calls in no datapoint's metric (outside any datapoint, unfinished when theirs was recorded, made at
        import: counted from :attr:`~RunSpec.counted`'s start, else from here) are said, and recorded on the first
        recorded outcome and its session's metadata; the function and evaluator calls the timeout abandoned that still
        run then are said, and the unfinished calls count at least one for each (what they call from then on is in no
        count)."""
        counted = self.spec.counted  # the command line's, from the import of the user's code on
        with nullcontext(counted) if counted is not None else counting_outside() as outside:
            outside.runs.add(self.run_id)  # its datapoints' unfinished work, not another run's at once in the process
            outcomes = self._run(datapoints, skip)
            abandoned = self._calls.running()  # before the count is read: a call of theirs ended by now is in it
        unfinished = max(outside.unfinished_calls, abandoned)  # the datapoints' own: of the calls in no metric
        calls = outside.calls + unfinished
        if abandoned and not _gave_up(calls, unfinished, outcomes):  # else said once below, naming the datapoints
            log.warning(
                "%d function or evaluator call(s) abandoned by the timeout (or a cancel) still running when the run"
                " ended: the LLM calls they make from now on are counted nowhere; the datapoints' unfinished calls"
                " count at least one for each, so a gate on cost or tokens does not take this run's values as whole",
                abandoned,
            )
        if calls:
            log.warning("%s", outside_calls_warning(calls, unfinished, outcomes))
        if running := self.running_warning():  # the caller's result says it too (ExperimentResult.notes)
            log.warning("%s", running)
        imported = at_import(outside.setup_calls, self.prices)
        if not (calls or imported) or not outcomes:
            return outcomes
        at = next((i for i, o in enumerate(outcomes) if o.recorded), 0)
        if outcomes[at].recorded:  # merged into its metadata: the run's own is replaced whole, and shards share it
            try:
                metadata = {OUTSIDE_KEY: calls, UNFINISHED_KEY: unfinished, **imported}
                self.client.update_event(outcomes[at].session_id, {"metadata": metadata})
            except Exception as exc:  # this job still judges by them
                why = "so a job that reads it back (report, publish, view, a baseline) counts its cost as whole"
                log.error("they could not be recorded on run %s, %s: %s", self.run_id, why, exc)
        outcomes[at] = dataclasses.replace(
            outcomes[at], outside=calls - unfinished, unfinished=unfinished, imported=imported
        )
        return outcomes

    def _run(self, datapoints: Sequence[Datapoint], skip: Container[str]) -> list[DatapointOutcome]:
        # nothing to skip (all but a re-run shard): every execution runs, without making a session id each
        total = len(datapoints) * self.spec.trials if not skip else sum(1 for _ in self._executions(datapoints, skip))
        outcomes: list[DatapointOutcome | None] = [None] * total
        self.finished = outcomes  # readable while running: what an interrupt leaves behind
        started = time.monotonic()
        done = failed = errored = 0
        progress = self.spec.progress
        executor = ThreadPoolExecutor(max_workers=self.spec.max_workers, thread_name_prefix="honeyhive-datapoint")
        # a bounded window of submitted datapoints: memory stays flat however large the dataset is
        window = 2 * self.spec.max_workers
        queued = enumerate(self._executions(datapoints, skip))
        futures: dict[Future[DatapointOutcome], int] = {}  # in flight
        # each future as it finishes: wait(FIRST_COMPLETED) installs and removes a waiter on every future in flight
        # each time one finishes (4 % of the client's CPU in benchmarks/bench_engine.py's profile, 32 workers)
        ended: queue.SimpleQueue[Future[DatapointOutcome]] = queue.SimpleQueue()

        def submit(count: int) -> None:
            with signals_to_main_thread():  # a worker the pool starts here (and its threads) leaves them to us
                for position, (index, datapoint, trial) in itertools.islice(queued, count):
                    future = executor.submit(self.run_one, index, datapoint, trial)
                    futures[future] = position
                    future.add_done_callback(ended.put)

        try:
            submit(window)
            while futures:
                try:  # in steps: a signal the user's code's thread took (signals_as_usual) only trips the handler
                    finished = [ended.get(timeout=_CANCEL_POLL)]
                except queue.Empty:
                    continue
                while not ended.empty():
                    finished.append(ended.get())
                for future in finished:
                    outcome = future.result()
                    outcomes[futures.pop(future)] = outcome
                    done += 1
                    errored += outcome.failed or bool(outcome.evaluator_failures)
                    failed += outside_ranges(outcome.metrics, self.spec.passing_ranges)
                    if progress is not None and not self.spec.cancel.is_set():  # what ends now is cancelled, not done
                        elapsed = max(time.monotonic() - started, 1e-9)
                        rate = done / elapsed
                        eta = (total - done) / rate if rate else None
                        state = Progress(done, failed, total, rate, eta, errored, self.spec.trials)
                        progress = self._told(progress, state)
                if getattr(self.client, "unreachable", False):  # the client's circuit is open: stop here
                    recorded = sum(o is not None and o.recorded for o in outcomes)
                    url = getattr(self.client, "base_url", "?")
                    gone = getattr(self.client, "gone", "stopped answering")  # or answered only 503
                    raise BackendUnreachable(
                        f"the backend at {url} {gone} after {done} of {total} datapoint(s) had run:"
                        f" run {self.run_id} stops here, keeping the {recorded} it recorded"
                    )
                submit(len(finished))
        except BaseException:
            self.spec.cancel.set()
            executor.shutdown(wait=False, cancel_futures=True)
            # datapoints whose function is done are exporting their spans: let them, unless the backend does
            # not answer (the exporter backs off for up to its timeout, per attempt); then stop the exports
            unreachable = getattr(self.client, "unreachable", False)
            _, stuck = wait(futures, timeout=0 if unreachable else _EXPORT_GRACE)
            if stuck:
                self.sink.stop()
            executor.shutdown(wait=True)
            # datapoints that were running finish during the shutdown: keep their outcomes (and sessions)
            for future, index in futures.items():
                if outcomes[index] is None and future.done() and not future.cancelled() and future.exception() is None:
                    outcomes[index] = future.result()
            raise
        finally:
            executor.shutdown(wait=True)
            self._calls.close()
        ran = [o for o in outcomes if o is not None]
        if lost := [o for o in ran if not o.exported]:  # refused or never got by the backend: each outcome says why
            log.warning("the spans of %d of %d datapoint(s) are not in HoneyHive: %s", len(lost), total, lost[0].error)
        names = [evaluator.name for evaluator in self.spec.evaluators]
        said = [self.recorded.redact_known(text) for text in evaluator_warnings(ran, evaluators=names)]
        if changed := outputs_changed_warning(ran):  # its pieces redacted already (_traced); a judgement's says it too
            said.insert(0, changed)
        if self.spec.warnings_to is not None:  # the caller's report says them, once
            self.spec.warnings_to(said)
        else:
            for text in said:
                log.warning("%s", text)
        return outcomes  # type: ignore[return-value]  # the pool ran them all: every execution has its outcome

    def _told(self, progress: Callable[[Progress], None], state: Progress) -> Callable[[Progress], None] | None:
        """``progress`` (the caller's callback) told ``state``; ``None`` once it raised: the caller's code, a fault of
        its own, as a function's or an evaluator's is, named in a warning and not called again (the run goes on)."""
        try:
            progress(state)
        except Exception as exc:
            shown = self.recorded.redact_known(error_text(exc))
            log.warning(
                "the progress callback %s raised %s: not called again, the run goes on", callable_name(progress), shown
            )
            return None
        return progress

    # ------------------------------------------------------------------ one datapoint

    def run_one(self, index: int, datapoint: Datapoint, trial: int = 0) -> DatapointOutcome:
        if self.spec.cancel.is_set():
            return self._skipped(index, datapoint, trial)
        if datapoint.unreturned is not None:
            return not_returned(self.run_id, index, datapoint, trial)
        session_id = session_id_for(self.run_id, datapoint.id, trial)
        started = time.monotonic()
        ids = DatapointIds(session_id, self.run_id, datapoint.dataset_id, datapoint.id)
        tracer = self.sink.tracer(ids, self.recorded.redact_known)  # with none known yet too: it may learn some
        try:
            outcome = self._traced(index, datapoint, tracer, trial)
        except BaseException:
            tracer.discard()
            raise
        if outcome.status in (OutcomeStatus.CANCELLED, OutcomeStatus.BACKEND_ERROR):
            tracer.discard()  # not scored: a re-run of the shard (or run) must do it again
            export = SENT
        else:
            export = tracer.export()
            if running := tracer.threads_running():
                with self._said_lock:
                    self._running.setdefault(datapoint.id, running[0])
        changes: dict[str, Any] = {}
        if not export:  # refused, or lost after the retries: the backend has no function span, so not recorded
            refused = "refused" if export.refused else "did not take"
            error = f"HoneyHive {refused} the spans of datapoint {datapoint.id}: {export.reason}"
            changes = {"status": OutcomeStatus.BACKEND_ERROR, "error": error, "exported": False}
        # the caller's result holds what was recorded: a backend's error (quoting a request?) redacted as the function's
        changes["error"] = self.recorded.redact_known(changes.get("error", outcome.error))
        return dataclasses.replace(outcome, **changes, trial=trial, duration=time.monotonic() - started)

    def _start_session(self, datapoint: Datapoint, session_id: str, trial: int) -> None:
        metadata: dict[str, Any] = {
            "run_id": self.run_id,
            "dataset_id": datapoint.dataset_id,
            "datapoint_id": datapoint.id,
        }
        if self.spec.trials > 1:  # without trials a session is exactly the official SDK's
            metadata["trial"] = trial
        self.client.start_session(
            {
                "session_id": session_id,
                "session_name": self.spec.name,
                "source": "evaluation",
                "inputs": datapoint.inputs,
                "metadata": metadata,
            }
        )

    def _traced(self, index: int, datapoint: Datapoint, tracer: DatapointTracer, trial: int) -> DatapointOutcome:
        session_id = tracer.session_id
        status, outputs, error = OutcomeStatus.OK, None, None
        outputs_recorded: Any = None
        elapsed = 0.0
        evaluated: Mapping[str, object] = {}
        failures: tuple[EvaluatorFailure, ...] = ()
        warnings: list[str] = []
        no_metric: dict[str, str] = {}
        changed: str | None = None
        with tracer.start_as_current_span(self.name, "chain", inputs=datapoint.inputs) as span:
            call = self._submit(datapoint, tracer)
            try:  # the session is started while the function runs: one round trip less on the critical path (the
                # function's clock counts its own time only: a slow start is not its timeout, _Clock)
                self._start_session(datapoint, session_id, trial)
            except Exception as exc:  # the per-datapoint boundary: a backend failure costs this datapoint
                with suppress(BaseException):  # once its function has ended (or its timeout, a cancel): not left
                    self._wait(call)  # running, as abandoned by a timeout, its LLM calls then in no datapoint's
                return DatapointOutcome(
                    index, datapoint.id, session_id, OutcomeStatus.BACKEND_ERROR, error=f"session not started: {exc}"
                )
            try:
                outputs, elapsed = self._wait(call)
            except _Abandoned:
                status, error = OutcomeStatus.CANCELLED, "cancelled while the function was running"
            except _TimedOut as exc:  # ours: the function's own TimeoutError (a socket's, say) is its error
                status, error = OutcomeStatus.TIMEOUT, timeout_error(self.spec.timeout or 0.0) + "".join(exc.args)
            except BaseException as exc:  # the user's function (sys.exit, a cancelled task, a KeyboardInterrupt of
                # its own too: no signal reaches this worker thread, cancellation.by_signal): its datapoint only
                status, error = OutcomeStatus.FUNCTION_ERROR, error_text(exc)
            if error is not None:
                tracer.record_error(span, error := self.recorded.redact_known(error))
            else:
                abandoned: list[bool] = []
                call[1].restart(time.monotonic())  # the evaluators' time goes on from the function's
                judge = self._judge(call[1].deadline, abandoned)
                with tracer.judging():  # an LLM judge's calls are not the function's
                    evaluation = run_evaluators(
                        self.spec.evaluators, outputs, datapoint.inputs, datapoint.ground_truth, judge
                    )
                if abandoned:
                    status, error = OutcomeStatus.CANCELLED, "cancelled while the evaluators were running"
                evaluated = evaluation.metrics
                failures = tuple(
                    EvaluatorFailure(f.evaluator, self.recorded.redact_known(f.error)) for f in evaluation.errors
                )
                no_metric = {name: self.recorded.redact_known(text) for name, text in evaluation.warnings.items()}
                # each datapoint's own; the run's, once per evaluator (a None only if on every datapoint), are said
                # at the end (verdict.evaluator_warnings): in the log, or by the caller's report (spec.warnings_to)
                warnings.extend(
                    self.recorded.redact_known(f"evaluator {name!r} {text}")
                    for name, text in evaluation.warnings.items()
                    if text not in (RETURNED_NONE, NONE_UNDER_KEY, DICT_OF_METRICS)
                )
                recorded = recordable(outputs)  # what the span, the session and the report get: JSON, cut if need be
                if recorded.cut:  # said by the run (outputs_changed_warning): the first, and how many more
                    cut = [self.recorded.redact_known(text) for text in recorded.cut]
                    warnings.extend(cut)
                    changed = cut[0] + (f" (and {len(cut) - 1} more)" if len(cut) > 1 else "")  # cut[0] holds ":"
                outputs_recorded = self.recorded.redact_known(recorded.value)
            if status is OutcomeStatus.CANCELLED:
                return DatapointOutcome(index, datapoint.id, session_id, status, error=error)
            # the LLM calls made, also by a function that raised or timed out (what it spent by then); its wall time
            duration = elapsed if error is None else None
            efficiency = measure(*tracer.llm_calls(), duration, self.prices, instrumented=self.spec.instrumented)
            metrics, replaced = combine(evaluated, efficiency.metrics)
            metrics = self.recorded.redact_known(metrics)  # an explanation can quote a secret
            if said := [name for name in replaced if self._first_time(f"replaced {name}")]:  # once per run
                log.warning("an evaluator's metric replaces the built-in %s (the evaluator's is kept)", ", ".join(said))
            # made recordable above: not again (Recordable)
            tracer.enrich_span(outputs=Recordable(outputs_recorded), metrics=metrics, span=span)
        if status is OutcomeStatus.OK and not isinstance(outputs_recorded, Mapping):  # a structured output is one
            warnings.append(f"the function returned {type(outputs).__name__}, not a dict: recorded as outputs.result")
        try:
            changes: dict[str, Any] = {}
            if status is OutcomeStatus.OK:
                changes["outputs"] = (
                    outputs_recorded if isinstance(outputs_recorded, Mapping) else {"result": outputs_recorded}
                )
            if datapoint.ground_truth is not None:
                changes["feedback"] = {"ground_truth": datapoint.ground_truth}
            # for the jobs that judge the run without having run it (report, publish): never silent. Every key, even
            # with nothing to say: the backend merges metadata, and a re-run shard's session must lose what its
            # earlier attempt said. Only a scalar or a list replaces a stored value under both a shallow and a deep
            # merge, and a null may keep it ("null preserves" is all the contract says of one): "" and 0 say nothing
            raised = [{"evaluator": f.evaluator, "error": f.error} for f in failures]  # a dict's two metrics: two
            metadata: dict[str, Any] = {"error": error or "", EVALUATOR_ERRORS_KEY: raised or 0}
            for key in UNPRICED_KEYS:  # the calls without a cost, per model: for every job's report
                calls = efficiency.unpriced.get(key, {})
                metadata[key] = [{"model": model, "calls": n} for model, n in calls.items()] or 0
            metadata[REPLACED_KEY] = list(replaced) or 0
            metadata[UNSET_KEY] = [name for name, why in no_metric.items() if why == NONE_UNDER_KEY] or 0
            metadata[CHANGED_KEY] = changed or ""
            # its values redacted (an error, a model's or an evaluator's name can quote a secret), not its keys: ours
            redacted = self.recorded.redact_known(list(metadata.values()))
            changes["metadata"] = dict(zip(metadata, redacted, strict=True))
            self.client.update_event(session_id, changes)
        except Exception as exc:  # the session lacks what a report job judges it by (its errors): not recorded, its
            # spans dropped (run_one) so that a re-run shard records it again
            status = OutcomeStatus.BACKEND_ERROR
            error = f"the outputs of datapoint {datapoint.id} were not recorded: {exc}"
        return DatapointOutcome(
            index,
            datapoint.id,
            session_id,
            status,
            outputs=outputs_recorded,
            metrics=MetricValues(metrics),
            error=error,
            evaluator_failures=failures,
            warnings=tuple(warnings),
            no_metric=no_metric,
            unpriced=efficiency.unpriced or NO_UNPRICED,
            replaced=replaced,
            changed=changed,
        )

    def _first_time(self, what: str) -> bool:
        """Whether the run says ``what`` now, for the first time (from any worker thread): it is said once per run."""
        with self._said_lock:
            first = what not in self._said
            self._said.add(what)
        return first

    def running_warning(self) -> str | None:
        """What the run says of the threads its datapoints' code started (carrying their context) still running when
        their datapoint was recorded: a worker started on first use (a queue's consumer), or a thread not joined; the
        first one's, and every datapoint that left one. None: none did."""
        if not self._running:
            return None
        (first, thread), *more = self._running.items()
        target = getattr(thread, "_target", None)  # threading's own attribute: None for a subclass's run()
        name = callable_name(target) if target is not None else f"{type(thread).__name__}.run"
        return (
            f"the thread running {name!r}, started by datapoint {first}, was still running when that datapoint was"
            f" recorded: the LLM calls it makes count for datapoint {first} while it runs, after as its unfinished"
            " calls (in no metric) until the run ends, and nowhere once it has; start a worker shared by datapoints at"
            " import, and join a thread of one datapoint's own before it returns"
        ) + (f" ({len(self._running)} datapoints left one: {first_ids(list(self._running))})" if more else "")

    def _submit(self, datapoint: Datapoint, tracer: DatapointTracer) -> tuple[Future[Any], _Clock]:
        """Start the user's function on a reusable daemon thread (with the current span and baggage); its result is
        ``(what it returned, its wall time in seconds)``; the clock is its timeout's."""
        args, kwargs = self.convention.arguments(datapoint, tracer)
        timeout = self.spec.timeout
        clock = _Clock(timeout, None if timeout is None else time.monotonic() + timeout)

        def target() -> tuple[Any, float]:
            started = time.perf_counter()
            try:
                result = self.spec.function(*args, **kwargs)
            finally:  # returned or raised: a sync function's clock stops (the session may still be starting)
                clock.ended = time.monotonic()
            if self.convention.is_async or inspect.iscoroutine(result):  # also a sync wrapper's (a lambda's) coroutine
                if timeout is not None:
                    clock.stopped = time.monotonic()  # until the loop runs it: it may wait behind another's turn
                    result = _within(result, clock)
                result = run_coroutine(result)
            return result, time.perf_counter() - started

        ctx = contextvars.copy_context()  # the span and baggage follow the call into its thread
        return self._calls.submit(lambda: ctx.run(target)), clock

    def _judge(self, deadline: float | None, abandoned: list[bool]) -> Callable[[Callable[[], object]], object]:
        """How the evaluators are called: each on a daemon thread (with the current span and baggage), waited for as the
        function is, until the datapoint's deadline (its timeout covers its evaluators too: then the evaluator's
        TimeoutError, and one not called yet is not called, a :data:`NOT_CALLED` error) and no longer once the run is
        cancelled (noted in ``abandoned``). One that hangs is abandoned, never joined. They share one context, one
        after another, as when they ran on the worker's thread: what one sets in a context variable, the next sees."""
        shared: list[contextvars.Context] = []  # taken at the first call: inside the judging span

        def call(fn: Callable[[], object]) -> object:
            if not shared:
                shared.append(contextvars.copy_context())
            ctx = shared[0]
            if deadline is not None and deadline <= time.monotonic():
                raise _NotCalled(f"the datapoint's timeout ({self.spec.timeout or 0.0:g} s) ran out before its turn")
            try:
                return self._wait((self._calls.submit(lambda: ctx.run(fn)), _Clock(self.spec.timeout, deadline)))
            except _TimedOut:
                seconds = self.spec.timeout or 0.0
                raise TimeoutError(f"the datapoint's timeout ({seconds:g} s) ran out before it returned") from None
            except _Abandoned:
                abandoned.append(True)
                raise

        return call

    def _wait(self, call: tuple[Future[Any], _Clock]) -> Any:
        """Wait for the function — up to its timeout, and no longer once the run is cancelled (a hung
        function is abandoned, never joined; its coroutine cancelled)."""
        future, clock = call
        try:
            while True:
                now, holding = time.monotonic(), held()
                if holding is not None and now - holding[0] > _BLOCKED:
                    self._say_blocked()
                left = clock.left(now, holding)
                wait_for = _CANCEL_POLL if left is None else min(_CANCEL_POLL, left)
                if wait_for <= 0:
                    raise _TimedOut
                try:
                    return future.result(timeout=wait_for)
                except FutureTimeout:  # the builtin TimeoutError: also what the function raised, if it raised one
                    if future.done():
                        return future.result()
                    if self.spec.cancel.is_set():
                        raise _Abandoned from None
        except (_TimedOut, _Abandoned):
            clock.end()
            raise

    def _say_blocked(self) -> None:
        """Say once per run that the user's async code blocks the event loop, and what that costs."""
        if self._first_time("the loop blocked"):
            holding = held()  # where: the user's code the holding coroutine runs (it may have moved on: then unsaid)
            where = where_blocking(holding[1]) if holding is not None else None
            log.warning(
                "your async code blocks the event loop (held over %g s at a time: time.sleep or a sync client in an"
                " async function)%s: its datapoints run one at a time, not max_workers at a time; await an async"
                " client, or make the function sync",
                _BLOCKED,
                f", in {where}" if where else "",
            )


class _Abandoned(Exception):
    """The run was cancelled while this datapoint's function was still running."""


class _NotCalled(Exception):
    """An evaluator not called: its datapoint's timeout ran out before its turn. Its error is ``NotCalled: ...``
    (:data:`NOT_CALLED`), not an exception the evaluator raised."""


_NotCalled.__name__ = NOT_CALLED


class _TimedOut(Exception):
    """The function did not return within the run's timeout (its argument, if any, says more)."""


@dataclasses.dataclass
class _Clock:
    """A datapoint's timeout (``deadline``, by ``time.monotonic()``): the function's own time, then its evaluators'.
    A sync function's stops when it returns or raises (``ended``): the runner, starting the datapoint's session
    meanwhile (its retries too), may look only later, and that wait is the backend's. An async function's is stopped
    while its coroutine waits for the loop (since ``stopped``), to run it or to hand back its result, and, once it
    runs (as ``task``), does not count the time another coroutine holds the loop (credited up to ``credited``): a
    coroutine that blocks the one loop makes the others wait their turn, and that wait is not theirs to be timed out
    for."""

    timeout: float | None
    deadline: float | None
    stopped: float | None = None
    task: asyncio.Task[Any] | None = None
    credited: float = 0.0
    over: bool = False  # the runner stopped waiting (timed out, cancelled)
    ended: float | None = None  # when a sync function returned or raised: its time ends there

    def left(self, now: float, holding: tuple[float, asyncio.Task[Any] | None] | None) -> float | None:
        """Seconds left (0 or less: timed out); None while there is no deadline or the clock is stopped. ``holding``:
        since when and by which task the loop is held (:func:`~honeyhive_experiment.coroutines.held`); held by
        another longer than the timeout, waiting for it is given up."""
        if self.deadline is None or self.timeout is None:
            return None
        if self.stopped is None and self.task is None:  # a sync function's, an evaluator's: all its time is its own
            return self.deadline - (now if self.ended is None else self.ended)
        if holding is not None and holding[1] is not self.task:
            since, _ = holding
            if now - since > self.timeout:
                raise _TimedOut(" waiting for the event loop (held longer than that by async code that blocks it)")
            if self.stopped is None:
                self.deadline += now - max(since, self.credited)
                self.credited = now
        return None if self.stopped is not None else self.deadline - now

    def end(self) -> None:
        """The runner stopped waiting: the coroutine is cancelled (at its next await), or never runs (:func:`_within`
        sees ``over`` after setting ``task``, the order opposite to this)."""
        self.over = True
        if self.task is not None:
            self.task.get_loop().call_soon_threadsafe(self.task.cancel)

    def restart(self, now: float) -> float | None:
        """The clock goes on from where it stopped (if it did). Returns the seconds left (None: no timeout)."""
        if self.deadline is None:
            return None
        paused = self.stopped if self.stopped is not None else self.ended
        if paused is not None:
            self.deadline += now - paused  # before ``stopped`` is cleared: left() reads them in the other order
        self.credited = now
        self.stopped = self.ended = None
        return self.deadline - now


async def _within(coroutine: Coroutine[Any, Any, Any], clock: _Clock) -> Any:
    """Await an async function's coroutine with its clock running from now, when the loop first runs it (cancelled by
    :meth:`Runner._wait` when it runs out). The clock stops again when it ends: the loop hands its result back after
    the steps already queued."""
    clock.task = asyncio.current_task()
    if clock.over:  # timed out while it waited for the loop: never run
        coroutine.close()
        raise _TimedOut
    clock.restart(time.monotonic())
    try:
        return await coroutine
    finally:
        clock.stopped = time.monotonic()


def _gave_up(
    calls: int, unfinished: int, outcomes: Iterable[DatapointOutcome], places: Mapping[str, str] | None = None
) -> dict[str, str]:
    """How the run gave up on each datapoint it did (its timeout ran out, a cancel), by its place in the dataset file
    (``places``) or its id, when theirs may be all the ``calls`` in no metric: each ``unfinished`` (none outside
    every datapoint), no more than one for each execution given up on; else none."""
    how = {OutcomeStatus.TIMEOUT: "timed out", OutcomeStatus.CANCELLED: "were cancelled"}
    executions = [o for o in outcomes if o.status in how]  # a datapoint's trials: each one's function or evaluator
    gave_up = {(places or {}).get(o.datapoint_id, o.datapoint_id): how[o.status] for o in executions}
    return gave_up if calls == unfinished <= len(executions) else {}


def outside_calls_warning(
    calls: int, unfinished: int = 0, outcomes: Iterable[DatapointOutcome] = (), places: Mapping[str, str] | None = None
) -> str:
    """What a run says of the LLM calls in no metric while its datapoints ran (``calls``), made outside any
    datapoint's context or, ``unfinished`` of them, the datapoints' own still running when they were recorded (at
    least one for each function or evaluator still running at the run's end: :meth:`Runner.run`, so then not each
    of them is known to be made). When they may all be those of the ``outcomes`` the timeout or a cancel gave up on
    (:func:`_gave_up`), it names those datapoints once, and not calls they may never have made."""
    if gave_up := _gave_up(calls, unfinished, outcomes, places):
        how = " or ".join(sorted(set(gave_up.values())))
        return (
            f"{len(gave_up)} datapoint(s) {how} ({first_ids(list(gave_up))}): the LLM calls they were making, if any,"
            " are in no metric, so a gate on cost or tokens takes this run's values as a lower bound"
        )
    return (
        f"{calls} LLM call(s) {'' if unfinished else 'were made '}outside any datapoint's context (a thread that does"
        " not carry it, or after its datapoint was over, or still running when its datapoint was recorded); counted"
        " in no metric"
    ) + (
        f"; {unfinished} of them the datapoints' own, unfinished when their datapoint was recorded (a thread it did"
        " not join, a call its timeout gave up on), or a function or evaluator the timeout abandoned that still ran"
        " when the run ended, counted as one call whether it had made one or not (its calls from then on are counted"
        " nowhere)"
        if unfinished
        else ""
    )

"""One run's lifecycle: create (running) → run every datapoint → complete / fail / cancel → result.

:func:`evaluate` never leaves a run ``pending`` or ``running``: an exception after the run exists
marks it ``failed``, an interrupt (``KeyboardInterrupt`` or the caller's ``cancel`` event) marks it
``cancelled``, and only a finished pool marks it ``completed`` — always with every session id and the
full metadata. The result is the backend's: this module only waits until the backend's summary covers
every datapoint that was sent, and never aggregates anything itself.

:func:`run_slice` runs part of a dataset into an existing run without completing it (sharded runs).

:func:`evaluate` also takes the official SDK's keyword form, so a script written for ``honeyhive.evaluate``
runs with only its import changed::

    result = evaluate(function=app, dataset=[{"inputs": ..., "ground_truth": ...}], evaluators=[exact_match],
                      api_key=..., server_url=..., name="nightly")      # or dataset_id= for a managed dataset
    result.success, result.passed, result.failed, result.metrics        # the SDK's result attributes

Its defaults (the environment's key and URL, else the embedded local backend, as the command line's dry run) are
in its docstring; what ``result.success`` holds the run to is :mod:`honeyhive_experiment.run_result`'s.
"""

from __future__ import annotations

import json
import logging
import operator
import os
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, cast, overload

from pydantic import BaseModel, ValidationError

from honeyhive_experiment import backend
from honeyhive_experiment.calling import a_run, callable_name, redacted
from honeyhive_experiment.cancellation import Interrupted, cooperatively, enter, phase_of
from honeyhive_experiment.checkout import git_metadata
from honeyhive_experiment.client import (
    Deadline,
    HoneyHiveClient,
    check_client,
    check_wait,
    is_run_id,
    judged_values,
    run_id_as_named,
)
from honeyhive_experiment.config import ModelPrice, PassingRangeConfig, VerdictConfig
from honeyhive_experiment.config.model import MOST_TRIALS, MOST_WORKERS
from honeyhive_experiment.connection import (
    API_KEY_VARIABLES,
    HTTP_URL_EXPECTED,
    INGESTION_KEY_VARIABLES,
    MALFORMED_KEY,
    environment_secrets,
    find_api_key,
    find_ingestion_key,
    http_url_or_none,
    malformed_key,
    process_environment,
    shown_url,
)
from honeyhive_experiment.errors import (
    ApiError,
    ArgumentError,
    DatasetError,
    ExperimentCancelled,
    ExperimentError,
    NotFoundError,
    ShardsDisagree,
    did_you_mean,
)
from honeyhive_experiment.evaluators import Evaluator
from honeyhive_experiment.external import content_datapoint_ids, prepare_external_dataset, prepare_run_request_data
from honeyhive_experiment.models import ExperimentRunStatus
from honeyhive_experiment.models.outcomes import Datapoint, DatapointOutcome, Progress, first_ids
from honeyhive_experiment.models.run import DATAPOINT_COUNT
from honeyhive_experiment.results import check_ranges_applied
from honeyhive_experiment.run_result import ExperimentResult as ExperimentResult  # where callers import it from
from honeyhive_experiment.run_spec import RunSpec
from honeyhive_experiment.runner import Runner, not_returned
from honeyhive_experiment.sharding import disagreement, terms
from honeyhive_experiment.tracing import TraceSink, flush_other_providers, route_global_spans

if TYPE_CHECKING:
    from honeyhive_experiment.dataset_identity import DatasetIdentity
    from honeyhive_experiment.report.redact import Redactor

log = logging.getLogger(__name__)
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class PreparedDataset:
    """A dataset resolved to datapoints with ids, ready to run."""

    dataset_id: str
    datapoints: Sequence[Datapoint]
    external: bool
    name: str | None = None
    identity: DatasetIdentity | None = None
    """Where a repository file comes from, for baseline matching and the run's metadata (dataset_identity.py)."""
    file: str | None = None
    """The repository file of the datapoints, as the experiment file names it; ``None`` for a managed dataset."""
    lines: Sequence[int] = ()
    """The line each datapoint starts on in :attr:`file`, in the datapoints' order."""

    @property
    def datapoint_ids(self) -> list[str]:
        """The ids of the datapoints that run: the run's ``datapoint_ids``, what a sharded run's report job waits for;
        not those HoneyHive did not return (:attr:`Datapoint.unreturned`), counted in its ``datapoint_count``."""
        if isinstance(self.datapoints, _RecordDatapoints):
            return list(self.datapoints.ids)
        return [dp.id for dp in self.datapoints if dp.unreturned is None]

    def unreturned(self, run_id: str, trials: int) -> list[DatapointOutcome]:
        """The outcome of each trial of each datapoint HoneyHive did not return, as the runner gives it: for a sharded
        run's report job (no shard runs them)."""
        if isinstance(self.datapoints, _RecordDatapoints):  # a repository file's: every one is there
            return []
        found = enumerate(self.datapoints)
        return [not_returned(run_id, i, dp, t) for i, dp in found if dp.unreturned for t in range(trials)]

    def places(self, ids: Container[str]) -> dict[str, str]:
        """Where each datapoint of ``ids`` is in :attr:`file`, ``"data/q.jsonl:2"``: how the user finds one whose id
        the SDK derived (``EXT-f48de4ff17bea411``); none for a managed dataset, whose ids are HoneyHive's."""
        if self.file is None:
            return {}
        return {i: f"{self.file}:{line}" for i, line in zip(self.datapoint_ids, self.lines, strict=True) if i in ids}


class _RecordDatapoints(Sequence[Datapoint]):
    """The datapoints of records in memory, each made when it is read (and dropped after its run):
    a large dataset costs its records, as the caller holds them, and one id each."""

    __slots__ = ("_records", "dataset_id", "ids")

    def __init__(self, ids: Sequence[str], records: Sequence[Mapping[str, Any]], dataset_id: str) -> None:
        self.ids = ids
        self._records = records
        self.dataset_id = dataset_id

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Datapoint: ...

    @overload
    def __getitem__(self, index: slice) -> list[Datapoint]: ...

    def __getitem__(self, index: int | slice) -> Datapoint | list[Datapoint]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        return Datapoint(self.ids[index], _current(self._records[index]), self.dataset_id)


def _current(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """A record whose ground truth is under the legacy SDK's ``ground_truths`` also has it as ``ground_truth``
    (made when the datapoint is read: the caller's record is not changed, and its id is the SDK's)."""
    if "ground_truth" in record or "ground_truths" not in record:
        return record
    return {**record, "ground_truth": record["ground_truths"]}


def external_dataset(
    records: Sequence[Mapping[str, Any]],
    custom_dataset_id: str | None = None,
    *,
    identity: DatasetIdentity | None = None,
) -> PreparedDataset:
    """Records from the user's repository → ``EXT-`` ids exactly as the official SDK derives them.

    With an ``identity`` (a config's repository file) its dataset id instead, and content-only datapoint ids
    when it asks for them (``dataset.datapoint_ids: content``). The records are used as they are, not copied:
    a large dataset is in memory once. Ids are interned (``sys.intern``), so the run's summary shares them.
    """
    if identity is not None and identity.scheme == "content":
        dataset_id, ids = identity.dataset_id, content_datapoint_ids(records)
    else:
        dataset_id, ids = prepare_external_dataset(records, identity.dataset_id if identity else custom_dataset_id)
    ids = [sys.intern(i) for i in ids]
    if identity is not None:
        _check_file_ids(records, ids, identity)
    return PreparedDataset(dataset_id, _RecordDatapoints(ids, records, dataset_id), external=True, identity=identity)


def _check_file_ids(records: Sequence[Mapping[str, Any]], ids: Sequence[str], identity: DatasetIdentity) -> None:
    """No two rows of a repository file with one id, in one pass: the loader refused two rows' own ids, not a row's
    own id that is the id derived for another (``EXT-3f95ab4d4ee93cbc``, copied from a report), which the backend
    kept as one datapoint, so the run waited out its ingestion timeout for the other. DatasetError at the row that
    gives the id (the later one, if both or neither do), naming the other's ``file:line``."""
    first: dict[str, int] = {}
    for index, datapoint_id in enumerate(ids):
        earlier = first.setdefault(datapoint_id, index)
        if earlier != index:
            break
    else:
        return
    lines = getattr(records, "lines", None) or range(1, len(records) + 1)  # a list's records: their order, from 1
    file = getattr(records, "path", "") or identity.path or "the dataset"
    own = [records[k].get("id") or records[k].get("datapoint_id") for k in (earlier, index)]
    if own[0] and own[1]:  # the loader says it first; for records not read from a file
        message = f"duplicate id {own[1]!r} (first used at line {lines[earlier]})"
        raise DatasetError(file, lines[index], None, message)
    here, there = (earlier, index) if own[0] else (index, earlier)  # the row that gives the id, the one without
    written = own[0] or own[1] or datapoint_id
    counted = f" (the id {datapoint_id!r})" if written != datapoint_id else ""
    message = (
        f"id {written!r}{counted} is also the id derived for {file}:{lines[there]}, a row with no id of its own"
        f" (dataset.datapoint_ids: {identity.datapoint_ids.value}), and two datapoints cannot share one (the backend"
        f" keeps one of them): give line {lines[there]} its own id, or change line {lines[here]}'s"
    )
    raise DatasetError(file, lines[here], None, message)


def managed_dataset(
    client: HoneyHiveClient, *, dataset_id: str | None = None, name: str | None = None
) -> PreparedDataset:
    """A HoneyHive dataset, by id or by name, with its datapoints in the dataset's order. One it lists that HoneyHive
    did not return (deleted but still listed, or a short answer) is kept, with nothing to run: a backend error, never
    evaluated (:attr:`Datapoint.unreturned`), counted in the run's datapoints as one whose session was refused."""
    check_client(client)
    dataset = client.get_dataset(dataset_id=dataset_id, name=name)
    wanted = [str(i) for i in dataset.get("datapoints") or []]
    by_id = {str(dp["id"]): dp for dp in client.get_datapoints(wanted)}
    shown = f"{dataset['name']} ({dataset['id']})" if dataset.get("name") else str(dataset["id"])
    datapoints = []
    for datapoint_id in wanted:
        dp = by_id.get(datapoint_id, {})
        record = {"id": datapoint_id, "inputs": dp.get("inputs") or {}, "ground_truth": dp.get("ground_truth")}
        if dp.get("metadata"):
            record["metadata"] = dp["metadata"]
        why = None
        if datapoint_id not in by_id:
            why = (
                f"HoneyHive's dataset {shown} lists datapoint {datapoint_id}, which HoneyHive did not return, so it"
                " was not evaluated"
            )
        datapoints.append(Datapoint(sys.intern(datapoint_id), record, str(dataset["id"]), why))
    if unreturned := [dp.id for dp in datapoints if dp.unreturned]:  # one line, however many
        log.warning(
            "HoneyHive's dataset %s lists %d datapoint(s) it did not return (%s): counted as not evaluated",
            shown,
            len(unreturned),
            first_ids(unreturned),
        )
    return PreparedDataset(str(dataset["id"]), tuple(datapoints), external=False, name=dataset.get("name"))


def _run_body(
    run_id: str,
    spec: RunSpec,
    dataset: PreparedDataset,
    status: ExperimentRunStatus,
    *,
    event_ids: Sequence[str] = (),
) -> dict[str, Any]:
    return prepare_run_request_data(
        run_id,
        spec.name,
        dataset_id=dataset.dataset_id,
        event_ids=list(event_ids),
        datapoint_ids=dataset.datapoint_ids,
        configuration=dict(spec.configuration),
        # how many datapoints the run is meant to have, where HoneyHive's run object keeps it (it returns no
        # datapoint_ids): what tells a later job (view, publish) that one was never recorded; the whole dataset's,
        # for a shard's job too
        metadata={**spec.metadata, DATAPOINT_COUNT: len(dataset.datapoints)},
        status=status.value,
        passing_ranges={k: dict(v) for k, v in spec.passing_ranges.items()} if spec.passing_ranges else None,
    )


def finish_run(
    client: HoneyHiveClient,
    run_id: str,
    spec: RunSpec,
    dataset: PreparedDataset,
    status: ExperimentRunStatus,
    session_ids: Sequence[str],
) -> bool:
    """Write the run's final status, with every session id and the full metadata; whether the backend took it (only
    ``completed`` raises when it did not). It is the client's last word: sent even when the backend stopped
    answering, and it waits only briefly then. Also for a run whose invocation was cancelled before its verdict,
    after the pool finished (waiting for ingestion or comparing), and a shared run's report job completing it."""
    body = _run_body(run_id, spec, dataset, status, event_ids=session_ids)
    update = {k: v for k, v in body.items() if k not in ("run_id", "dataset_id")}
    try:
        client.update_run(run_id, update, last_word=True)
    except Exception as exc:  # already failing: keep the original error, say the status could not be written
        if status is ExperimentRunStatus.COMPLETED:
            raise
        log.error("could not mark run %s as %s: %s", run_id, status.value, exc)
        return False
    return True


def evaluate(
    function: Callable[..., Any],
    dataset: PreparedDataset | Sequence[Mapping[str, Any]] | None = None,
    *,
    dataset_id: str | None = None,
    client: HoneyHiveClient | None = None,
    api_key: str | None = None,
    server_url: str | None = None,
    project: str | None = None,
    sink: TraceSink | None = None,
    evaluators: Sequence[Any] | None = (),
    instrumentors: Sequence[Any] | None = None,
    pricing: Mapping[str, Mapping[str, float]] | None = None,
    ingestion_api_key: str | None = None,
    name: str | None = None,
    run_id: str | uuid.UUID | None = None,
    max_workers: int = 10,
    trials: int = 1,
    timeout: float | None = 300.0,
    passing_ranges: Mapping[str, Mapping[str, float]] | None = None,
    allow_evaluator_errors: int | str | None = None,
    metadata: Mapping[str, Any] | None = None,
    aggregate_function: str = "average",
    ingestion_timeout: float = 120.0,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    verbose: bool = False,
    print_results: bool = True,
    local_db: str | os.PathLike[str] | None = None,
    hh_api_key: str | None = None,
    hh_project: str | None = None,
    suite: str | None = None,
    run_concurrently: bool | None = None,
    disable_http_tracing: bool | None = None,
) -> ExperimentResult:
    """Run ``function`` over a dataset as one HoneyHive run and return the backend's result.

    The dataset: ``dataset`` (a :class:`PreparedDataset`, or a list of records that becomes an external one)
    or ``dataset_id`` (a managed dataset). The backend: ``client``, or ``api_key`` / ``server_url`` (default
    ``HH_API_KEY`` / ``HH_API_URL``) for a client made and closed here; without any key the embedded local
    backend, its data in ``local_db`` (a SQLite file) or in memory (a warning says which). ``project`` is
    accepted and ignored (the key implies the project), as by the SDK. ``instrumentors`` (OpenTelemetry
    instrumentors, or the SDK's factories of them) are instrumented with the run's tracer provider for the run (one
    instrumented before it is left as it was, said in :attr:`ExperimentResult.notes`); ``pricing`` (``{model:
    {"input": $ per million tokens, "output": ...}}``, the experiment file's ``pricing:``) prices their calls' models
    before genai-prices does.
    ``ingestion_api_key`` (default ``HH_INGESTION_API_KEY``) sends the sessions, events and traces, as the SDK
    does. ``verbose`` shows the run's log on standard error for this call; ``print_results`` prints
    :meth:`ExperimentResult.print_table`, as the SDK does. The legacy SDK's ``hh_api_key`` (``api_key``),
    ``hh_project`` (ignored), ``suite`` (recorded in the run's metadata), ``run_concurrently`` (``False``: one
    datapoint at a time, ``max_workers=1``) and ``disable_http_tracing`` (ignored: nothing traces HTTP unless an
    instrumentor does) work with a DeprecationWarning. The run's metadata gets ``git``, the working directory's
    checkout, as the SDK's does (:func:`~.checkout.git_metadata`; a ``metadata["git"]`` given replaces it).
    ``trials`` runs each datapoint that many times (1 to 100), each trial its own session; the backend compares
    datapoints on the mean of their trials. ``max_workers`` datapoints (1 to 256, as the experiment file's) run at
    once. ``progress`` is called with a :class:`Progress` as each datapoint finishes (one that raises is named in a
    warning and not called again: the run goes on); setting ``cancel`` (a :class:`threading.Event`) cancels the run.
    ``allow_evaluator_errors`` (a count, or a share such as ``"5%"``) is how often an evaluator may raise and the
    result still be a success, as the experiment file's ``verdict.allow_evaluator_errors`` (default none). What the
    result holds of the run's code (outputs, errors, metrics and explanations) is what the run recorded: redacted of
    the keys and the environment's secret values. Raises :class:`ArgumentError` naming the argument that cannot be
    used, before anything is sent."""
    if isinstance(run_id, uuid.UUID):  # as uuid.uuid4() gives it: its text is the id
        run_id = str(run_id)
    arguments = dict(locals())  # the call's, by name, as given (a UUID run_id as text): what the checks below read
    check_types(**{name: arguments[name] for name in _KINDS if name in arguments})
    _check_metadata(metadata)
    api_key, metadata, max_workers = _legacy_arguments(arguments)
    _check_arguments(arguments, api_key)
    max_workers = check_count("max_workers", max_workers, MOST_WORKERS)
    trials = check_count("trials", trials, MOST_TRIALS)
    if timeout is not None:  # None: no limit
        check_wait("timeout", timeout, zero=False)
    check_wait("ingestion_timeout", ingestion_timeout, zero=False)
    check_watchers(progress, cancel)
    if project is not None:
        warnings.warn("project is ignored: HoneyHive's API key implies the project", DeprecationWarning, stacklevel=2)
    key = client.api_key if client is not None else find_api_key(api_key)  # None: the embedded local backend
    ingestion_key = find_ingestion_key(ingestion_api_key)
    for argument, found in (("api_key", key), ("ingestion_api_key", ingestion_key)):
        if found is not None and malformed_key(found):
            raise ArgumentError(argument, f"the key {MALFORMED_KEY}")
    if ingestion_api_key is not None and ingestion_api_key.strip() and key is None:
        raise ArgumentError(
            "ingestion_api_key",
            "needs an API key too: runs and results are sent with api_key, only sessions, "
            "events and traces with the ingestion key",
        )
    if key is None and ingestion_key is not None:  # from the environment: the argument alone is refused above
        # set for the whole job (a CI secret) and the API key forgotten: the run would go where nobody looks, said
        # only by the backend's warning about no API key; a warning, not an error, as a script run where no key is
        # set at all still means the embedded backend
        log.warning(
            "%s is set but no HoneyHive API key (%s): the ingestion key alone sends no runs or results, so this run"
            " goes to the embedded local backend and nothing of it reaches HoneyHive; set %s too (or pass api_key=)",
            " / ".join(INGESTION_KEY_VARIABLES),
            " / ".join(API_KEY_VARIABLES),
            API_KEY_VARIABLES[0],
        )
    instruments = _instrumentor_instances(_listed("instrumentors", instrumentors, "instrumentors (or their factories)"))
    prices = _entries("pricing", pricing, ModelPrice, "{'input': $ per million tokens, 'output': ...}")
    ranges = _entries("passing_ranges", passing_ranges, PassingRangeConfig)
    if passing_ranges is not None:
        passing_ranges = {metric: bounds.model_dump(exclude_none=True) for metric, bounds in ranges.items()}
    try:
        tolerated = VerdictConfig(allow_evaluator_errors=allow_evaluator_errors).allow_evaluator_errors
    except ValidationError:
        expected = "a number of datapoints (2) or a percentage ('5%')"
        raise ArgumentError("allow_evaluator_errors", f"expected {expected}, got {allow_evaluator_errors!r}") from None
    records = dataset if isinstance(dataset, PreparedDataset) or dataset is None else _records(dataset)
    named = "evaluators (callables; Evaluator.from_callable(fn, name=...) names one's metric)"
    listed = _listed("evaluators", evaluators, named)
    for index, evaluator in enumerate(listed):  # one of the wrong shape is an EvaluatorSignatureError: it says why
        if not callable(evaluator) and not isinstance(evaluator, Evaluator):
            raise ArgumentError("evaluators", f"evaluators[{index}] is not callable ({type(evaluator).__name__})")
    chosen = [Evaluator.from_callable(e) for e in listed]  # an Evaluator as it is
    _check_evaluator_names(chosen)
    from honeyhive_experiment.report.redact import RedactingStream, Redactor

    # what is printed (the table, verbose's log) is redacted of the run's keys and the environment's secrets, as the
    # command line's output is
    secrets = tuple(secret for secret in (key, ingestion_key, *environment_secrets(process_environment())) if secret)
    redactor = Redactor(secrets)
    with ExitStack() as stack, _verbose(redactor) if verbose else nullcontext():
        if client is None:
            client = stack.enter_context(backend.connect(server_url, api_key, local_db=local_db or backend.IN_MEMORY))
        ingestion = None
        if key is not None and ingestion_key:  # the same backend: one circuit, one deadline for both keys' requests
            ingestion = stack.enter_context(HoneyHiveClient(client.base_url, ingestion_key, circuit=client.circuit))
        if run_id is not None:
            run_id = run_id_as_named(run_id)  # as view and a baseline's run id are looked up, however it was typed
            _check_new_run(client, run_id)
        prepared = records if records is not None else managed_dataset(client, dataset_id=dataset_id)
        spec = RunSpec(
            function=function,
            evaluators=tuple(chosen),
            name=(name or "").strip(),
            max_workers=max_workers,
            trials=trials,
            timeout=timeout,
            passing_ranges=passing_ranges,
            metadata={**_git(), **(metadata or {})},
            aggregate_function=aggregate_function,
            ingestion_timeout=ingestion_timeout,
            progress=progress,
            cancel=cancel or threading.Event(),
            pricing=prices,
            instrumented=bool(instruments),
            secrets=secrets,
        ).configured(callable_name(function), [e.name for e in chosen])
        result = record_run(
            spec, prepared, client=client, sink=sink, run_id=run_id, ingestion=ingestion, instrumentors=instruments
        )
        check_ranges_applied(result.summary, spec.passing_ranges, result.run_id)  # the CLI's: in flow.judge
        if unreduced := result.summary.unreduced(trials):  # the CLI's report says it too (flow.judge)
            log.warning("%s", unreduced)
    result = replace(result, allow_evaluator_errors=tolerated, embedded=key is None)
    if print_results:
        out = RedactingStream(sys.stdout, redactor)
        result.print_table(file=cast("TextIO", out))
        out.close()  # what it held back (a table row holding a piece of a secret) is passed on; sys.stdout stays open
    return result


def _legacy_arguments(arguments: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any] | None, int]:
    """``api_key``, ``metadata`` and ``max_workers`` of :func:`evaluate`'s ``arguments`` as the legacy SDK's (0.2)
    keywords change them, each with a DeprecationWarning, as :func:`evaluate` says; ``suite`` is its label for the
    printed table and JSON file, not sent to HoneyHive (the run's name is ``name``)."""
    api_key, metadata, max_workers = arguments["api_key"], arguments["metadata"], arguments["max_workers"]
    hh_api_key, suite, run_concurrently = arguments["hh_api_key"], arguments["suite"], arguments["run_concurrently"]

    def deprecated(message: str) -> None:
        warnings.warn(message, DeprecationWarning, stacklevel=4)

    if hh_api_key is not None:
        if api_key is not None:
            raise ArgumentError("hh_api_key", "pass api_key= (hh_api_key= is its legacy name), not both")
        deprecated("hh_api_key is the legacy SDK's name of api_key: pass api_key=")
        api_key = hh_api_key
    if arguments["hh_project"] is not None:
        deprecated("hh_project is ignored: HoneyHive's API key implies the project")
    if suite is not None:
        deprecated(
            "suite is the legacy SDK's label for its printed table, not the run's name (name= is): "
            "recorded in the run's metadata as suite"
        )
        metadata = {"suite": suite, **(metadata or {})}
    if run_concurrently is not None:
        deprecated(
            "run_concurrently is the legacy SDK's: max_workers= says how many datapoints run at once"
            + (" (max_workers=1 here)" if run_concurrently is False else "")
        )
        max_workers = 1 if run_concurrently is False else max_workers
    if arguments["disable_http_tracing"] is not None:
        deprecated("disable_http_tracing is ignored: no HTTP call is traced unless an instrumentor traces it")
    return api_key, metadata, max_workers


def _entries(argument: str, entries: Mapping[Any, Any] | None, section: type[_M], expected: str = "") -> dict[str, _M]:
    """``evaluate(pricing=...)``'s or ``passing_ranges=...``' entries, each checked as the experiment file's
    ``section`` checks its own; ArgumentError naming the first bad entry, with what was ``expected`` (else why the
    section refused it)."""
    checked = {}
    for key, value in (entries or {}).items():
        try:
            checked[str(key)] = section.model_validate(value)
        except ValidationError as exc:
            error = exc.errors()[0]
            said = f"expected {expected}"
            if not expected:
                said = "".join(f"{part}: " for part in error["loc"]) + error["msg"].removeprefix("Value error, ")
            raise ArgumentError(argument, f"{key!r}: {said}, got {value!r}") from None
    return checked


def _listed(argument: str, items: object, what: str) -> list[Any]:
    """``evaluators`` or ``instrumentors``: a list, as the SDK takes them (None: none). ArgumentError naming the
    argument for one alone (it was a TypeError traceback), a mapping (its keys were taken) or text."""
    if items is None:
        return []
    if isinstance(items, str | bytes | Mapping):
        raise ArgumentError(argument, f"expected a list of {what}, got a {type(items).__name__}")
    if isinstance(items, Iterable):
        return list(items)
    shown = callable_name(items) if callable(items) else type(items).__name__
    raise ArgumentError(argument, f"expected a list of {what}, got one alone ({shown}): put it in a list")


def _check_new_run(client: HoneyHiveClient, run_id: str) -> None:
    """``evaluate(run_id=...)`` makes a new run: one the backend already has (a notebook cell run again) would take
    this run's sessions over its own (a session's id is the run's and the datapoint's), its name and its result.
    ArgumentError naming it, before anything is written. (Shards join their shared run through :func:`run_slice`.)
    The official SDK sends the id and leaves it to the backend."""
    try:
        run = client.get_run(run_id)
    except NotFoundError:
        return
    raise ArgumentError(
        "run_id",
        f"run {run_id} ({run.get('name')!r}, {run.get('status')}) already exists: leave run_id out, or pass a new one",
    )


def _instrumentor_instances(items: Sequence[Any]) -> list[Any]:
    """OpenTelemetry instrumentors (anything with ``instrument()``), the SDK's factories of them called once: a
    function, or the instrumentor's class (its ``instrument`` is found on the class too, but unbound: taken for an
    instrumentor, it was never instrumented and the run recorded no LLM calls). Raises ArgumentError naming the one
    that is neither."""
    found = []
    for index, item in enumerate(items):
        instrumentor = item
        if isinstance(item, type) or (callable(item) and not callable(getattr(item, "instrument", None))):
            try:
                instrumentor = item()
            except Exception as exc:  # the user's factory: named, with its error, before anything is sent
                raise ArgumentError(
                    "instrumentors", f"instrumentor {index} raised {type(exc).__name__}: {exc}"
                ) from exc
        if not callable(getattr(instrumentor, "instrument", None)):
            raise ArgumentError(
                "instrumentors", f"instrumentor {index} (of type {type(instrumentor).__name__}) has no instrument()"
            )
        found.append(instrumentor)
    return found


def _check_arguments(arguments: Mapping[str, Any], api_key: str | None) -> None:
    """The first of :func:`evaluate`'s ``arguments`` that cannot be used (alone or with another) → ArgumentError;
    ``api_key``: the key given, by either of its names."""
    from honeyhive_experiment.config.fields import AggregateFunction

    function, dataset, dataset_id = arguments["function"], arguments["dataset"], arguments["dataset_id"]
    client, server_url, run_id = arguments["client"], arguments["server_url"], arguments["run_id"]
    aggregate_function = arguments["aggregate_function"]
    if dataset is None and dataset_id is None:
        raise ArgumentError("dataset", "pass dataset= (a list of records) or dataset_id= (a managed dataset)")
    if dataset is not None and dataset_id is not None:
        raise ArgumentError("dataset_id", "pass dataset= or dataset_id=, not both")
    if isinstance(dataset, str | bytes | Mapping) or not isinstance(dataset, PreparedDataset | Sequence | None):
        what = (
            "a string (a managed dataset's id is dataset_id=)" if isinstance(dataset, str) else type(dataset).__name__
        )
        raise ArgumentError("dataset", f"expected a list of records (mappings), got {what}")
    if isinstance(dataset, Sequence) and not isinstance(dataset, PreparedDataset):
        bad = next((i for i, record in enumerate(dataset) if not isinstance(record, Mapping)), None)
        if bad is not None:
            raise ArgumentError("dataset", f"record {bad} is not a mapping ({type(dataset[bad]).__name__})")
    if client is not None:
        check_client(client)
    if client is not None and (api_key is not None or server_url is not None):
        which = "api_key" if api_key is not None else "server_url"
        raise ArgumentError(which, f"client= already has its key and URL: pass client= or {which}=, not both")
    if client is None:
        check_server(server_url, api_key)
    if not callable(function):
        raise ArgumentError("function", f"expected a callable (the function to evaluate), got {function!r}")
    if run_id is not None and not is_run_id(run_id):
        raise ArgumentError("run_id", f"expected a UUID (HoneyHive's run ids are), got {run_id!r}")
    if not isinstance(aggregate_function, str) or aggregate_function not in set(AggregateFunction):
        allowed = ", ".join(f.value for f in AggregateFunction)
        raise ArgumentError("aggregate_function", f"expected one of {allowed}, got {aggregate_function!r}")


def _records(records: Sequence[Mapping[str, Any]]) -> PreparedDataset:
    """Records from the script, as :func:`external_dataset` makes them: ``inputs`` must be a mapping and an ``id``
    printable text, as in a dataset file's row (the SDK ran a record without inputs on empty ones); the rest is the
    user's, whatever its type. Their ids are hashes of their JSON, as the SDK's are: a record that is not JSON is an
    ArgumentError naming it and its key."""
    from honeyhive_experiment.datasets.records import ALLOWED_RECORD_KEYS, check_inputs, explicit_id, not_json

    known = sorted(ALLOWED_RECORD_KEYS)
    theirs: dict[str, tuple[int, str]] = {}  # each key of the user's, looked at once: its first record, what it may be
    for index, record in enumerate(records):
        try:
            check_inputs(record)
            explicit_id(record)
        except ValueError as exc:
            keys = ", ".join(repr(key) for key in record) or "none"
            shown = f"{exc} (the record's keys: {keys})" if "inputs" not in record else str(exc)
            raise ArgumentError("dataset", f"record {index}: {shown}") from None
        for key in record:
            if isinstance(key, str) and key not in theirs and key not in ALLOWED_RECORD_KEYS and key != "ground_truths":
                theirs[key] = (index, did_you_mean(key, known, slip=True))
    for key, (index, hint) in theirs.items():  # legal (the rest of a record is the user's), so said, once each
        if hint:
            log.warning("dataset record %d: key %r is the record's own, not read by the run; %s", index, key, hint)
    if not all(isinstance(record, dict) and isinstance(record["inputs"], dict) for record in records):
        records = [{**record, "inputs": dict(record["inputs"])} for record in records]
    try:
        dataset = external_dataset(records)
    except (TypeError, ValueError, RecursionError) as error:
        for index, record in enumerate(records):
            parts = [(f"{key!r}: ", value) for key, value in record.items()]  # the key the user wrote named
            for where, value in [*parts, ("", record)]:  # then the record: keys of two types (1 and "a")
                try:
                    json.dumps(value, sort_keys=True)  # as its id is made: keys of two types cannot be sorted
                except (TypeError, ValueError, RecursionError) as exc:
                    raise ArgumentError(
                        "dataset", f"record {index} is not JSON, which its id is made from: {where}{exc}"
                    ) from None
        # reached: a record nested near the recursion limit, hashed deeper in the stack than dumped here (990 levels)
        raise ArgumentError("dataset", str(error)) from None
    for index, record in enumerate(records):  # NaN, a lone surrogate: hashed, then lost at the backend
        if (problem := not_json(record)) is not None:
            raise ArgumentError("dataset", f"record {index}: {problem} (every value must be JSON)")
    _check_ids(dataset)
    return dataset


def _check_ids(dataset: PreparedDataset) -> None:
    """Records the run can use: at least one, and no two with the same id (the backend keeps one datapoint per
    id, so the run would wait for the others until its ingestion timeout). ArgumentError naming both records."""
    if not dataset.datapoints:
        raise ArgumentError("dataset", "has no records: there is nothing to run")
    first: dict[str, int] = {}
    for index, datapoint in enumerate(dataset.datapoints):
        earlier = first.setdefault(datapoint.id, index)
        if earlier != index:
            message = f"records {earlier} and {index} have the same id {datapoint.id!r}: each datapoint needs its own"
            raise ArgumentError("dataset", message)


def _check_evaluator_names(chosen: Sequence[Evaluator]) -> None:
    """No two evaluators with one name: each names its metric. ArgumentError naming the name."""
    names = [evaluator.name for evaluator in chosen]
    twice = next((name for index, name in enumerate(names) if name in names[:index]), None)
    if twice is not None:
        message = f"two are named {twice!r}, the name of their metric: rename one (Evaluator.from_callable(fn, name=))"
        raise ArgumentError("evaluators", message)


def check_count(argument: str, count: object, most: int) -> int:
    """``count`` as an int, a whole number from 1 to ``most``, the experiment file's bound of the same key
    (``max_workers``, ``trials``): any integer type (``operator.index``: numpy's too), not a bool; ArgumentError
    naming ``argument`` otherwise (``max_workers=10**7`` made a connection pool that size)."""
    try:
        whole = None if isinstance(count, bool) else operator.index(count)  # type: ignore[arg-type]
    except TypeError:  # 2.0, "3", None: not an integer
        whole = None
    if whole is None or not 1 <= whole <= most:
        raise ArgumentError(argument, f"expected a whole number from 1 to {most}, got {_shown_count(count)}")
    return whole


def _shown_count(count: object) -> str:
    """``count`` as :func:`check_count` quotes it: whole when short; else its type and size, not its text (an int of
    more than 4,300 digits has no repr: ValueError; a long string may be anything)."""
    try:
        shown = repr(count)
    except ValueError:
        return "an integer of more than 4,300 digits"
    size = len(count) if isinstance(count, str) else len(shown)
    return shown if len(shown) <= 60 else f"{type(count).__name__} of {size:,} characters"


_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "api_key": (str, "a string (a HoneyHive API key)"),
    "hh_api_key": (str, "a string (a HoneyHive API key)"),
    "suite": (str, "a string (the legacy SDK's label, recorded in the run's metadata)"),
    "name": (str, "a string (the run's name)"),
    "server_url": (str, "a string (an http(s) URL)"),
    "ingestion_api_key": (str, "a string (a HoneyHive ingestion key)"),
    "local_db": ((str, os.PathLike), "a path (the embedded backend's SQLite file)"),
    "sink": (TraceSink, "a TraceSink"),
    "metadata": (Mapping, "a dict (the run's metadata)"),
    "pricing": (Mapping, "a dict {model: {'input': $ per million tokens, 'output': ...}}"),
    "passing_ranges": (Mapping, "a dict {metric: {'min': ..., 'max': ...}}"),
    "dataset_id": (str, "a string (a managed dataset's id)"),
    "verbose": (bool, "True or False"),
    "print_results": (bool, "True or False"),
    "run_concurrently": (bool, "True or False (the legacy SDK's; max_workers= says how many run at once)"),
    "disable_http_tracing": (bool, "True or False (the legacy SDK's; ignored)"),
    # run_config()'s
    "working_directory": ((str, os.PathLike), "a path (the folder the experiment file's paths are relative to)"),
    "dry_run": (bool, "True or False"),
    "baseline_run_id": (str, "a string (a run id, a commit or a branch)"),
    "environ": (Mapping, "a dict of environment variables (as os.environ)"),
}
"""What each of :func:`evaluate`'s and :func:`~honeyhive_experiment.run_config`'s arguments :func:`check_types`
checks must be, when it is not None."""


def check_types(**arguments: object) -> None:
    """ArgumentError naming the first argument that is not of its kind (:data:`_KINDS`): each was an AttributeError or
    a TypeError from where it was used (``api_key=123``: ``'int' object has no attribute 'strip'``)."""
    for argument, value in arguments.items():
        kind, what = _KINDS[argument]
        if value is not None and not isinstance(value, kind):
            raise ArgumentError(argument, f"expected {what}, got {type(value).__name__}")


def _git() -> dict[str, Any]:
    """The run's ``metadata.git``, as the SDK records it: of the checkout in the working directory, if any."""
    found = git_metadata(Path())
    return {"git": found} if found else {}


def _check_metadata(metadata: Mapping[str, Any] | None) -> None:
    """``metadata``, what the run's metadata gets besides ours: JSON values (it is sent as JSON)."""
    if metadata is None:
        return
    try:
        json.dumps(dict(metadata), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ArgumentError("metadata", f"is sent as JSON, which it is not: {exc}") from None


def check_server(server_url: str | None, api_key: str | None, environ: Mapping[str, str] | None = None) -> None:
    """:func:`evaluate`'s and :func:`~honeyhive_experiment.run_config`'s ``server_url`` and ``api_key`` (``environ``,
    default the process environment, holding the key if not passed): a key no header can carry, a server URL that
    is no http(s) URL (its password not shown) or has no key (without one the embedded local backend would run, the
    URL ignored) → ArgumentError naming the argument."""
    if api_key is not None and malformed_key(api_key.strip()):  # stripped, as it is sent
        raise ArgumentError("api_key", f"the key {MALFORMED_KEY}")
    if server_url is None or not server_url.strip():  # blank: none given (HH_API_URL's, else HoneyHive's)
        return
    if http_url_or_none(server_url) is None:
        raise ArgumentError("server_url", f"{HTTP_URL_EXPECTED}, got {shown_url(server_url.strip())!r}")
    if find_api_key(api_key, environ) is None:
        raise ArgumentError(
            "api_key",
            f"no HoneyHive API key for server_url=: pass api_key=... or set {' or '.join(API_KEY_VARIABLES)}"
            " (without server_url= and a key, the run uses the embedded local backend)",
        )


def check_watchers(progress: object, cancel: object) -> None:
    """``progress`` (called with each datapoint's :class:`Progress`) a callable and ``cancel`` a
    :class:`threading.Event`, or None: ArgumentError naming the one that is not (it was a TypeError or an
    AttributeError once the run existed). :func:`evaluate`'s and :func:`~honeyhive_experiment.run_config`'s."""
    if progress is not None and not callable(progress):
        raise ArgumentError("progress", f"expected a callable taking a Progress, got {progress!r}")
    if cancel is not None and not isinstance(cancel, threading.Event):
        raise ArgumentError("cancel", f"expected a threading.Event (set it to cancel the run), got {cancel!r}")


class _Shown(logging.StreamHandler[TextIO]):
    """``verbose=True``'s handler, one for the calls running at once (:func:`_verbose`): the package's log on standard
    error, but a line a handler of the caller's prints there too (``logging.basicConfig()``'s: its level and filters let
    it through), which would be twice.
    ``before``: ``logger``'s level before the first of them."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self.logger, self.before = logger, logger.level
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        logger: logging.Logger | None = self.logger
        # the handlers the record propagates to from here (not from its own logger: logging.getLogger takes logging's
        # lock, which a thread configuring logging may hold while it waits for this handler's)
        while logger is not None:
            shown = (h for h in logger.handlers if h is not self and getattr(h, "stream", None) is self.stream)
            if any(record.levelno >= handler.level and handler.filter(record) for handler in shown):
                return
            logger = logger.parent if logger.propagate else None
        super().emit(record)


_shown_lock = threading.Lock()


@contextmanager
def _verbose(redactor: Redactor) -> Iterator[None]:
    """``verbose=True`` (the SDK's flag): this package's log, DEBUG and up, on standard error for one call,
    redacted by ``redactor``; the caller's handlers get it too (redacted), as from any logger set to DEBUG. The logger
    is left as found however calls overlap: the last of them puts its level back."""
    from honeyhive_experiment.report.redact import RedactingFilter

    logger, redacting = logging.getLogger("honeyhive_experiment"), RedactingFilter(redactor)
    with _shown_lock:
        shown = next((h for h in logger.handlers if isinstance(h, _Shown)), None)
        if shown is None:
            shown = _Shown(logger)
            logger.addHandler(shown)
            logger.setLevel(logging.DEBUG)
        # each call's secrets (a line of either run may hold them); the list replaced, not changed, under a record
        # being filtered on another thread (its redaction would skip a filter)
        shown.filters = [*shown.filters, redacting]
    try:
        yield
    finally:
        with _shown_lock:
            shown.filters = [f for f in shown.filters if f is not redacting]
            if not shown.filters:
                logger.removeHandler(shown)
                logger.setLevel(shown.before)


def record_run(
    spec: RunSpec,
    dataset: PreparedDataset,
    *,
    client: HoneyHiveClient,
    sink: TraceSink | None = None,
    run_id: str | None = None,
    ingestion: HoneyHiveClient | None = None,
    instrumentors: Sequence[Any] = (),
    deadline: Deadline | None = None,
) -> ExperimentResult:
    """One run's lifecycle, as ``spec`` says (:func:`evaluate` once its arguments are resolved; the command line
    builds the spec from the experiment file). ``ingestion``: the client whose key sends the sessions, events and
    traces (the SDK's ingestion key; ``client`` by default). ``instrumentors``: OpenTelemetry instrumentors,
    instrumented with the run's tracer provider while its datapoints run. ``deadline``: what bounds the wait for
    the run's summary, which starts it, when the waits that follow share it (the command line's comparison);
    ``spec.ingestion_timeout`` from the wait's start by default."""
    run_id = run_id or str(uuid.uuid4())
    if not spec.name:
        spec = replace(spec, name=f"experiment-{run_id[:8]}")  # the official SDK's default name
    cancel = spec.cancel
    if cancel.is_set():  # set before the call (the caller's event): no run is created, no datapoint runs
        raise ExperimentCancelled(None, phase="preparing the run")
    sender = ingestion or client
    own_sink = sink is None

    with ExitStack() as cleanup:
        cleanup.enter_context(a_run(spec.secrets))  # its tracebacks logged, redacted of its secrets
        sink = sink or _otlp_sink(sender, spec.max_workers, cleanup)
        left = _instrument(instrumentors, sink, cleanup)  # one left as it was may still reach the run: measured
        runner = Runner(spec, client=sender, sink=sink, run_id=run_id)
        creating = True  # until the backend answered: an error then (but an interrupt) means it holds no run
        try:
            # inside the try: an interrupt once the backend took the run (in the answer's read, or before the next
            # line: a signal's handler runs between any two instructions) cancels it, as any later one does
            try:
                client.create_run(_run_body(run_id, spec, dataset, ExperimentRunStatus.RUNNING))
            except ApiError as exc:  # refused as there already: a retry, its first try's answer lost, may have made it
                if exc.status not in (400, 409) or _named(client, run_id) != spec.name:
                    raise
            creating = False
            log.debug(
                "run %s (%s) created on %s: %d datapoint(s)",
                run_id,
                spec.name,
                client.base_url,
                len(dataset.datapoints),
            )
            with cooperatively(cancel, "running the datapoints"):
                outcomes = runner.run(dataset.datapoints)
            sessions = runner.finished_sessions()
            if cancel.is_set():
                marked = finish_run(client, run_id, spec, dataset, ExperimentRunStatus.CANCELLED, sessions)
                raise ExperimentCancelled(run_id, outcomes, marked=marked, phase=phase_of(cancel))
            _flush_the_apps(sender, spec.ingestion_timeout)
            finish_run(client, run_id, spec, dataset, ExperimentRunStatus.COMPLETED, sessions)
            if spec.completed_to is not None:  # from now on an interrupt this function does not catch (the cleanup's,
                spec.completed_to(run_id, outcomes)  # as it returns) leaves the run completed: the caller cancels it
        except ExperimentCancelled:
            raise
        except BaseException as exc:  # an interrupt cancels the run, anything else fails it
            if creating and not isinstance(exc, KeyboardInterrupt):  # refused (or never answered): no run to mark
                raise
            status = ExperimentRunStatus.CANCELLED if isinstance(exc, KeyboardInterrupt) else ExperimentRunStatus.FAILED
            interrupt = exc if isinstance(exc, Interrupted) else None
            try:
                marked = finish_run(client, run_id, spec, dataset, status, runner.finished_sessions())
            except Interrupted as late:  # a signal as a failed run is marked: the report still names the run
                interrupt, marked = late, False
            if interrupt is not None:  # a signal (a second one, say, as the run was marked): the report says what
                # became of the run, and what it recorded of all
                done = runner.so_far(dataset.datapoints)
                raise ExperimentCancelled(run_id, done, marked=marked, phase=phase_of(cancel)) from interrupt
            if isinstance(exc, ExperimentError):  # the run exists, marked failed: the report names it
                exc.run_id = run_id
            else:  # Ctrl-C (evaluate()'s), or the user's code's error: the caller is told which run it ended
                done = runner.so_far(dataset.datapoints)
                said = f"marked {status.value}" if marked else f"not marked {status.value} (the backend did not answer)"
                exc.add_note(
                    f"run {run_id} ({spec.name}) is {said}: {sum(o.recorded for o in done)} of {len(done)} recorded"
                )
            raise

    recorded = len(sessions)
    del sessions  # a list as long as the run: not kept while the summary is read
    # with our own OTLP sink every exported function span must be in the backend before the result is read (once
    # per trial); a sink the caller passed in may export elsewhere (tests, other collectors): then sessions are the bar
    scored = (o.datapoint_id for o in outcomes if o.recorded and own_sink)
    # the summary must list each (a row without a datapoint id by its session's): one entry counts once
    covered = {o.session_id: o.datapoint_id for o in outcomes if o.recorded}
    enter(cancel, "waiting for HoneyHive to ingest the run")
    try:
        summary = client.wait_for_result(
            run_id,
            recorded,
            timeout=deadline or spec.ingestion_timeout,
            aggregate_function=spec.aggregate_function,
            scored=scored,
            datapoints=covered.values(),
            sessions=covered,
            metrics=judged_values(outcomes if own_sink else (), spec.passing_ranges or ()),  # its spans carry them
        )
    except Interrupted as interrupt:  # no verdict will be reached: the run was cancelled, not completed
        sessions = [o.session_id for o in outcomes if o.recorded]
        marked = finish_run(client, run_id, spec, dataset, ExperimentRunStatus.CANCELLED, sessions)
        raise ExperimentCancelled(run_id, outcomes, marked=marked, phase=phase_of(cancel)) from interrupt
    except ExperimentError as exc:  # the run is recorded, completed: the report names it
        exc.run_id = run_id
        raise
    log.debug("run %s summarised: %d passed, %d failed", run_id, len(summary.passed), len(summary.failed))
    ranges = spec.passing_ranges or {}
    running = runner.running_warning()
    notes = (*left, running) if running else tuple(left)
    return ExperimentResult(run_id, spec.name, dataset.dataset_id, summary, tuple(outcomes), ranges, notes=notes)


APP_FLUSH_S = 5.0
"""How long the app's own exporters may take, at most, to send their spans once a run's datapoints are done."""


def _flush_the_apps(client: HoneyHiveClient, ingestion_timeout: float) -> None:
    """The app's own tracer providers send what they hold (:func:`flush_other_providers`) once the datapoints are
    done, so an SDK-traced app's batched spans (its ``enrich_span`` metrics) are in HoneyHive before the run is
    judged: once a run (an app's dead collector costs one wait, not one a datapoint), within :data:`APP_FLUSH_S` and
    the ingestion timeout, and not while ``client``'s backend does not answer (its circuit is open)."""
    seconds = min(ingestion_timeout, APP_FLUSH_S)
    if not client.circuit.open and not flush_other_providers(seconds * 1000):
        log.warning(
            "the app's tracer provider did not send its spans within %g s: metrics it records (enrich_span) may be"
            " missing from this run's result",
            seconds,
        )


def _otlp_sink(client: HoneyHiveClient, workers: int, cleanup: ExitStack) -> TraceSink:
    """The OTLP sink of a run whose spans go to ``client``'s backend, held to its circuit and connect timeout, with a
    connection for each of the run's ``workers``; shut down when ``cleanup`` closes."""
    sink = TraceSink.otlp(
        client.traces_endpoint,
        client.auth_headers(),
        circuit=client.circuit,
        connect=client.timeouts.connect,
        connections=workers,
    )
    cleanup.callback(sink.shutdown)
    return sink


def _instrument(instrumentors: Sequence[Any], sink: TraceSink, cleanup: ExitStack) -> list[str]:
    """Instrument each with the sink's tracer provider (its spans inside a datapoint's function are that
    datapoint's), and uninstrument it when ``cleanup`` closes. One already instrumented is left as it is, and said:
    what is said of each so, in the order given. With any, the spans user code opens through OpenTelemetry's global
    API are routed to their datapoint too, until ``cleanup`` closes."""
    left: list[str] = []
    if instrumentors:
        cleanup.enter_context(route_global_spans())
    for instrumentor in instrumentors:
        shown = type(instrumentor).__name__
        if getattr(instrumentor, "is_instrumented_by_opentelemetry", False):
            left.append(
                f"{shown} was instrumented before the run, which left it as it was: its spans go where it was told"
                " (to the run only by the global tracer provider), so the efficiency metrics may leave its LLM calls"
                " out; uninstrument it before the run"
            )
            log.warning("%s", left[-1])
            continue
        try:
            instrumentor.instrument(tracer_provider=sink.provider)
        except Exception as exc:  # the user's instrumentor, before anything is sent: named with its error
            said = redacted(f"{shown}.instrument() raised {type(exc).__name__}: {exc}")
            raise ArgumentError("instrumentors", said) from exc
        cleanup.callback(_uninstrument, instrumentor)
    return left


def _uninstrument(instrumentor: Any) -> None:
    try:
        instrumentor.uninstrument()
    except Exception as exc:  # the run is over: its result is not lost for an instrumentor that cannot undo
        log.warning("%s", redacted(f"{type(instrumentor).__name__}.uninstrument() raised {type(exc).__name__}: {exc}"))


def run_slice(
    spec: RunSpec,
    dataset: PreparedDataset,
    datapoints: Sequence[Datapoint],
    *,
    client: HoneyHiveClient,
    run_id: str,
    sink: TraceSink | None = None,
    skip: Container[str] = (),
) -> list[DatapointOutcome]:
    """Run some datapoints (each ``spec.trials`` times, but for the sessions in ``skip``, already recorded) into a
    shared run (created if missing) and leave it ``running``. Raises :class:`ShardsDisagree` before running any
    when the run was started with other terms (:func:`shared_run`). A signal (``spec.cancel``) winds the datapoints
    down, as a run's; one that interrupts (as the run is created or joined, a second one) leaves the run as it is too,
    for a re-run to join: the outcomes say what was recorded, the rest skipped."""
    check_client(client)
    runner: Runner | None = None
    try:
        with ExitStack() as cleanup:
            sink = sink or _otlp_sink(client, spec.max_workers, cleanup)
            runner = Runner(spec, client=client, sink=sink, run_id=run_id)
            try:
                client.create_run(_run_body(run_id, spec, dataset, ExperimentRunStatus.RUNNING))
            except ApiError as exc:  # the first shard creates it; the local backend returns it to the others
                if exc.status >= 500:
                    raise
            shared_run(client, run_id, spec)  # joined (a service may refuse a second create) if its terms are ours
            with cooperatively(spec.cancel, "running the datapoints"):
                outcomes = runner.run(datapoints, skip=skip)
            _flush_the_apps(client, spec.ingestion_timeout)  # before the report job judges the run
            if spec.completed_to is not None:  # an interrupt from now on (the sink shut, the return) keeps them known
                spec.completed_to(run_id, outcomes)  # to the caller (record_shard): it escapes before they are its own
            return outcomes
    except Interrupted:  # also as the sink's last spans are sent (the cleanup): what was recorded is known
        if runner is None:
            raise
        return runner.so_far(datapoints, skip=skip)


def _named(client: HoneyHiveClient, run_id: str) -> Any:
    """The name of the run the backend holds as ``run_id``; ``None`` when it answers none."""
    try:
        return client.get_run(run_id).get("name")
    except ApiError:
        return None


def shared_run(client: HoneyHiveClient, run_id: str, spec: RunSpec) -> dict[str, Any]:
    """The shared run as the backend holds it (:class:`NotFoundError` while no job created it). Raises
    :class:`ShardsDisagree` naming both values when it was started with other terms than ``spec`` makes it with
    (the shard count, the trials, the experiment file: :func:`~honeyhive_experiment.sharding.terms`)."""
    run = client.get_run(run_id)
    recorded = terms(run.get("configuration"), run.get("metadata"))
    if problem := disagreement(run_id, recorded, terms(spec.configuration, spec.metadata)):
        raise ShardsDisagree(problem)
    return run

"""From an experiment file to a :class:`~honeyhive_experiment.judgement.Judgement`, one function per mode:

    run_experiment     mode all:     dataset → user code → one HoneyHive run → judge
    record_shard       mode run:     this shard's datapoints into the shared run (judged by the report job)
    report_shared_run  mode report:  wait until every shard's datapoints arrived → complete the run → judge
    republish          mode publish: the run an earlier job recorded, from the backend again → judge
    review             view:         a run already judged (the latest, or one named), from the backend → judge

and :func:`with_details`, which reads both runs' datapoints back from the backend for the HTML report's table, and
:func:`judge`, the one function that turns a run the backend has summarised into a verdict: the baseline
(:mod:`~honeyhive_experiment.baseline`), the backend's comparison, the change of each metric told apart from noise,
the key metrics' trend, and the decision (:mod:`~honeyhive_experiment.verdict`). Everything is handed in, as one
:class:`Job` — the settings, the config, the HoneyHive client, the clock — so tests run these against the local
backend; the invocation layer (:mod:`~honeyhive_experiment.operations`) builds the real parts and renders the result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import itertools
import json
import logging
import os
import shlex
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

from pydantic import ValidationError

from honeyhive_experiment.baseline import (
    PENDING,
    Baseline,
    BaselineQuery,
    RunListing,
    check_passed,
    check_verdict,
    choose_baseline,
    completed_runs,
    is_dirty,
    not_completed,
    origin,
    other_files,
    passed_over_note,
    same_origin,
    stamp_of,
    too_old_note,
    unread_note,
)
from honeyhive_experiment.cancellation import Interrupted, enter, phase_of, verdict_reached
from honeyhive_experiment.checkout import commit_of, is_ancestor, shallow_hint
from honeyhive_experiment.client import Deadline, HoneyHiveClient, is_run_id, judged_values, poll, run_id_as_named
from honeyhive_experiment.config import (
    BaselineStrategy,
    Direction,
    ExperimentConfig,
    JudgingRules,
    MetricConfig,
    PassingRangeConfig,
    config_error_at,
    config_hash,
)
from honeyhive_experiment.context import CiContext, workflow_run_id
from honeyhive_experiment.dataset_identity import DatasetIdentity, file_identity
from honeyhive_experiment.datasets import Rows, load_dataset_file
from honeyhive_experiment.efficiency import METRICS as EFFICIENCY_METRICS
from honeyhive_experiment.efficiency import left_out, presentation, replaced_note, setup_note
from honeyhive_experiment.errors import (
    ArgumentError,
    BaselineError,
    ConfigError,
    ExperimentCancelled,
    HoneyHiveError,
    NotFoundError,
    ReportError,
    ShardsDisagree,
    ShardsMissing,
    TemplateError,
)
from honeyhive_experiment.experiment import (
    ExperimentResult,
    PreparedDataset,
    external_dataset,
    finish_run,
    managed_dataset,
    record_run,
    run_slice,
    shared_run,
)
from honeyhive_experiment.external import is_external_id
from honeyhive_experiment.history import key_metric_trend, metric_aggregate
from honeyhive_experiment.instrumentation import load as load_instrumentations
from honeyhive_experiment.instrumentation import switched_on
from honeyhive_experiment.judgement import BaselineInfo, Judgement, RunTotals, TrendPoint, judgement_without_run
from honeyhive_experiment.models import (
    ExperimentResultSummary,
    ExperimentRun,
    ExperimentRunStatus,
    MetricKey,
    RunComparisonResult,
)
from honeyhive_experiment.models.details import DatapointDetails, RunRecords, records_from_events, with_backend_values
from honeyhive_experiment.models.outcomes import Datapoint, DatapointOutcome, OutcomeStatus, Progress, excerpt
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH, inside, relative
from honeyhive_experiment.report import Report, ReportHtml, build_report, load_published, render_comment
from honeyhive_experiment.report.model import ReportTable
from honeyhive_experiment.report.numbers import format_range
from honeyhive_experiment.report.pairing import INPUTS_CHECKED, other_inputs_note
from honeyhive_experiment.results import (
    check_ranges_applied,
    compare_runs,
    get_run_records,
    get_run_result,
    recorded_outcomes,
    unpaired_of,
    unpaired_warnings,
)
from honeyhive_experiment.run_spec import RunSpec
from honeyhive_experiment.runner import outside_calls_warning, session_id_for
from honeyhive_experiment.settings import Mode, Settings
from honeyhive_experiment.sharding import ShardSpec, missing_message, select, shared_run_id, strays
from honeyhive_experiment.significance import Assessment
from honeyhive_experiment.tracing import counting_outside, route_global_spans
from honeyhive_experiment.user_code import UserCode, in_repository, inputs_finding, load_user_code
from honeyhive_experiment.verdict import (
    Decision,
    Verdict,
    assess_comparison,
    assess_gates,
    decide,
    evaluator_warnings,
    facts,
    no_values,
)
from honeyhive_experiment.version import __version__

log = logging.getLogger(__name__)

FORK_WITHOUT_SECRETS: Final = (
    "This pull request comes from a fork, and GitHub does not give workflows triggered by forks access to secrets,"
    " so the HoneyHive API key is not available."
)
"""Why a fork's pull request has no api-key: its check says so, neutral without dry-run (nothing runs), else beside
the embedded backend's warning (:func:`judge`)."""

__all__ = [
    "FORK_WITHOUT_SECRETS",
    "MAX_TABLE_ROWS",
    "Job",
    "PublishedRun",
    "Recorded",
    "ShardResult",
    "Watch",
    "baseline_query",
    "check_paths",
    "dataset_file",
    "dataset_records",
    "embedded_has_no_dataset",
    "find_baseline",
    "judge",
    "looked_in",
    "prepare_dataset",
    "published_run",
    "record_shard",
    "report_shared_run",
    "republish",
    "review",
    "run_experiment",
    "stamp_verdict",
    "variants_of",
    "with_details",
]


class Ancestry(Protocol):
    """Whether a commit is another or one of its ancestors, as GitHub tells where git cannot (operations): ``None``
    when it does not tell, or is asked no more; ``stopped`` then says how far it was asked (the baseline's note)."""

    stopped: str | None

    def __call__(self, commit: str, of: str, /) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class Job:
    """One invocation, as the flow takes it (:mod:`~honeyhive_experiment.operations` builds it): its settings, its
    experiment file, the backend's client and its clock (``now``: when it started, from which a baseline's age is
    counted and the report is dated)."""

    settings: Settings
    config: ExperimentConfig
    client: HoneyHiveClient
    now: datetime
    ancestry: Ancestry | None = None  # GitHub's, where git cannot tell (operations)


# ----------------------------------------------------------------------------------------------- preparing


def check_paths(config: ExperimentConfig, settings: Settings, *, comment: bool) -> None:
    """Before any datapoint runs: the config's file paths must stay inside the working directory (symlinks
    followed), and with ``comment`` the template must render a sample report (:func:`_sample_report`); raises
    ConfigError naming the key otherwise."""
    root, config_path = settings.root, str(settings.config_path)
    for key, value in ((("dataset", "path"), config.dataset.path), (("comment", "template"), config.comment.template)):
        if value is not None and inside(root, value) is None:
            where = looked_in(settings, value)
            message = f"{value} leads outside {where}" + (
                "" if where.endswith("?") else "; keep it inside the repository"
            )
            raise config_error_at(config_path, key, message)
    if comment and (template := config.comment.template) is not None:
        try:
            sample = _sample_report(config)
            rows = config.comment.max_datapoints
            shown_config = relative(config_path, root) or config_path  # its marker as the run's, mostly
            render_comment(sample, config_file=shown_config, template_path=root / template, max_datapoints=rows)
        except TemplateError as exc:  # in the template, or in a file it includes or extends
            shown = relative(exc.path, root) or exc.path
            where = shown if exc.line is None else f"{shown}:{exc.line}"
            said = f"{where}: {exc.message}"
            if exc.message.startswith("rendering failed"):  # not the file, but its output
                said += " (rendering a sample report, as a run's comment will be)"
            raise config_error_at(config_path, ("comment", "template"), said) from None


def _sample_report(config: ExperimentConfig) -> Report:
    """A passing run's report, compared with a baseline, with one datapoint that scored 1.0 on each metric the
    config names (else on ``score``), its HTML report and an earlier run in the key metrics' trend, as a passing run
    with history has: what a custom template is rendered against before a run."""
    names = dict.fromkeys([*config.metrics, *config.passing_ranges, *config.gate]) or {"score": None}
    ids, event = ["sample-1"], {"event_name": "sample", "event_type": "chain"}
    details = [{"metric_name": n, **event, "aggregate": 1.0, "values": [1.0]} for n in names]
    scores = [{"name": n, **event, "value": 1.0, "passed": True} for n in names]
    same = {"old_aggregate": 1.0, "new_aggregate": 1.0, "difference": 0.0, "percentage_change": 0.0, "same": ids}
    deltas = [{"metric_name": n, **event, **same, "found_count": 1, "same_count": 1} for n in names]
    comparison = RunComparisonResult.from_wire(
        {"commonDatapoints": ids, "metrics": deltas}, new_run_id="sample-run", old_run_id="sample-baseline"
    )
    summary = ExperimentResultSummary.from_wire(
        {
            "run_id": "sample-run",
            "status": "completed",
            "success": True,
            "passed": ids,
            "failed": [],
            "metrics": {"aggregation_function": "average", "details": details},
            "datapoints": [{"datapoint_id": ids[0], "session_id": "sample-session", "passed": True, "metrics": scores}],
        }
    )
    now, url = datetime(2025, 1, 1, tzinfo=UTC), "https://app.honeyhive.ai/runs/sample"
    baseline = BaselineInfo("sample-baseline", "sample baseline", url, "1" * 40, "main", now)
    report = build_report(
        Judgement(
            experiment=config.name,
            decision=Decision(Verdict.PASS, ()),
            run_id="sample-run",
            run_url=url,
            head_sha="0" * 40,
            pr_number=1,
            summary=summary,
            comparison=comparison,
            baseline=baseline,
            baseline_failed=frozenset(),
            baseline_errored=frozenset(),
            metrics=config.metrics,
            comment=config.comment,
            passing_ranges=config.passing_ranges,
            gates=config.gate,
            generated_at=now,
            tool_version=__version__,
            trend=(TrendPoint("earlier", "sample-earlier", dict.fromkeys(names, 1.0)),),
        ),
        html=ReportHtml(file="report.html", artifacts_url=None),
    )  # the page's table, which the comment's link to it needs, is the backend's events' (none here)
    return report.model_copy(update={"table": ReportTable(rows=(), total=1, text_limit=1000, embedded=True)})


def dataset_file(config: ExperimentConfig, settings: Settings) -> Path | None:
    """The config's dataset file, ``None`` for a managed dataset; a missing file is a ConfigError at ``dataset.path``
    (saying the -C that finds it, when one does)."""
    file = config.dataset.file(settings.root)
    if file is None or config.dataset.path is None:
        return None
    if not file.exists():  # a FIFO, a device: its reader says what it is, opening none
        message = f"dataset file {config.dataset.path} not found in {looked_in(settings, config.dataset.path)}"
        raise config_error_at(settings.config_path, ("dataset", "path"), message)
    return file


def dataset_records(config: ExperimentConfig, settings: Settings) -> Rows | None:
    """The records of the config's dataset file, ``None`` for a managed dataset; a missing file is a ConfigError at
    ``dataset.path`` (:func:`dataset_file`); a folder or a malformed file the DatasetError saying so (naming its
    row)."""
    file = dataset_file(config, settings)
    return None if file is None else load_dataset_file(file)


def looked_in(settings: Settings, path: str | Path) -> str:
    """Where a path of the experiment file (``path``), or the file itself, was looked for (the working directory and
    what sets it: -C, or the working-directory input), and the file it may have meant, with what finds it: ``path``
    beside the experiment file, in a folder above, or a close name (:func:`_close_file`)."""
    root, beside, own = settings.root, settings.config_path.parent / path, Path(path) == settings.config
    said = f"the working directory, {root.resolve()} (which -C sets"
    if settings.as_action:  # the step's input, named from the workspace: not the runner's path, not a flag
        said = f"the working directory (working-directory: {relative(root, settings.workspace or Path()) or root}"
    if not own and beside.is_file() and (shown := relative(beside, root)) is not None:
        return f"{said}; the config's paths are read from it, not from the config file's folder): did you mean {shown}?"
    # the experiment file's own: in a folder above; a path of it: in the folder of its .honeyhive/
    folders = root.resolve().parents if own else [settings.config_path.resolve().parent.parent]
    above = next((up for up in folders if up != root.resolve() and (up / path).is_file()), None)
    if above is not None and Path(path).parts[:1] != ("..",) and not Path(path).is_absolute():
        if settings.as_action:  # the inputs, from the workspace: none above it (the working directory cannot leave it)
            file = None if own else settings.config_path  # a path of it: named from there, unless the default one
            if (inputs := inputs_finding(above, settings.workspace or Path(), file)) is not None:
                return f"{said}): {inputs}"
        else:  # --config is read from the -C given: a relative one is said from there (the command works as written)
            config = os.path.relpath(settings.config_path.resolve(), above)
            config = "" if own or settings.config.is_absolute() else f" --config {shlex.quote(config)}"
            return f"{said}): -C {shlex.quote(os.path.relpath(above))}{config} finds it"  # as typed in a shell
    if own and not settings.as_action and root.resolve() != Path.cwd().resolve() and Path(path).is_file():
        shown = shlex.quote(os.path.relpath(Path(path).resolve(), root.resolve()))
        return f"{said}; --config is read from there, not from the current directory): --config {shown} finds it"
    if own and Path(path).parent != Path() and (root / Path(path).name).is_file():  # experiment.yml at the root
        name = Path(path).name
        fix = f"the input `config: {name}`" if settings.as_action else f"--config {shlex.quote(name)}"
        return f"{said}): {fix} finds it"
    if (close := _close_file(root / path, root)) is not None:  # a misspelt name in the right folder
        return f"{said}): did you mean {shlex.quote(str(Path(path).parent / close))}?"
    return f"{said})"


def _close_file(path: Path, root: Path) -> str | None:
    """The name of the file in ``path``'s folder closest to its name (of its first 1,000 entries), if one is close:
    never ``path`` itself, nor a file that is the same one (a link to it), nor one outside ``root`` (symlinks followed),
    which would be refused too."""
    try:
        names = [
            e.name for e in itertools.islice(os.scandir(path.parent), 1_000) if e.is_file() and e.name != path.name
        ]
        itself = path.resolve() if os.path.lexists(path) else None
    except (OSError, RuntimeError):
        return None
    for name in difflib.get_close_matches(path.name, names, n=max(len(names), 1), cutoff=0.75):  # not a shared suffix
        with contextlib.suppress(OSError, RuntimeError):
            if (found := inside(root, os.path.abspath(path.parent / name))) is not None and found != itself:
                return name
    return None


def prepare_dataset(job: Job, *, read: bool = True) -> PreparedDataset:
    """The config's dataset: a repository file becomes an EXT- dataset (its id from the repository and the path,
    see dataset_identity.py), a managed one is fetched. ``read`` false (``runs``: which runs are this dataset's, as
    its path says): a file is not read, nor need it exist or parse (mid-edit), and the dataset has no datapoints."""
    settings, config = job.settings, job.config
    root, config_path = settings.root, str(settings.config_path)
    records = Rows() if not read and config.dataset.path is not None else dataset_records(config, settings)
    if records is not None:
        where = relative(config_path, root)
        identity = file_identity(config.dataset, records, config_file=where, repository=settings.ci.repository)
        prepared = external_dataset(records, identity=identity)
        return dataclasses.replace(prepared, file=config.dataset.path, lines=records.lines)
    try:
        return managed_dataset(job.client, dataset_id=config.dataset.id, name=config.dataset.name)
    except NotFoundError:
        if settings.api_key:
            raise
        raise embedded_has_no_dataset(config, config_path) from None


def embedded_has_no_dataset(config: ExperimentConfig, config_path: str) -> ConfigError:
    """A managed dataset asked of the embedded backend: it holds what runs here recorded, never HoneyHive's
    datasets."""
    key = "name" if config.dataset.name is not None else "id"
    return config_error_at(
        config_path,
        ("dataset", key),
        "the embedded local backend, used without HH_API_KEY (a dry run), has no managed datasets: set HH_API_KEY to"
        " use HoneyHive's, or name a file in the repository with dataset.path",
    )


def run_spec(
    job: Job, dataset: PreparedDataset, code: UserCode | None = None, *, watch: Watch | None = None
) -> RunSpec:
    """How the experiment file's run is made (``code``: the imported function and evaluators; a report job, which
    imports no user code, completes the run with the same name, metadata and configuration)."""
    settings, config = job.settings, job.config
    stamp = dataset.identity.stamp() if dataset.identity is not None else {}
    trials = settings.trials or config.trials
    metadata = {
        "ci": settings.ci.metadata(config_hash(config), settings.config_file, settings.variant),
        "experiment": config.name,
        "dataset_id": dataset.dataset_id,
        **stamp,
        # created and completed so (a report job completes a shared run so again): only the check's own stamp
        # (stamp_verdict) replaces it, and a run it was lost on is never a baseline by the rules
        "check": {"verdict": PENDING},
    }
    if settings.shard is not None or settings.mode is Mode.RUN:  # a shared run: every job must say the same n
        metadata["shards"] = settings.shard.total if settings.shard is not None else 1
    function = config.function.split(":")[-1].split(".")[-1]
    evaluators = _evaluator_names(config)
    return RunSpec(
        function=code.function if code is not None else _no_function,
        evaluators=code.evaluators if code is not None else (),
        name=config.name,
        max_workers=config.max_workers,
        trials=trials,
        pricing=config.pricing,
        instrumented=bool(config.instrument),
        timeout=config.timeout,
        passing_ranges=config.wire_passing_ranges(),
        metadata=metadata,
        aggregate_function=config.aggregate_function.value,
        ingestion_timeout=config.ingestion.timeout,
        progress=watch.progress if watch is not None else None,
        cancel=watch.cancel if watch is not None else threading.Event(),
        secrets=settings.secrets(),
    ).configured(function, evaluators)


def _evaluator_names(config: ExperimentConfig) -> list[str]:
    """The evaluators' names, as the experiment file gives them (its ``name``, else the attribute's), which a job
    that imports no user code knows too."""
    return [spec.name or spec.path.split(":")[-1] for spec in config.evaluators]


def _no_function(datapoint: Any) -> Any:  # a report job's spec: it records nothing of its own
    raise AssertionError("a report job runs no datapoint")


# ------------------------------------------------------------------------------------------- mode all


@dataclass(frozen=True, slots=True)
class Watch:
    """How an invocation follows a run: its cancel event (a :class:`~honeyhive_experiment.cancellation.Cancellation`
    from the command line, which also notes the phase) and what is told of its progress."""

    cancel: threading.Event
    progress: Callable[[Progress], None] | None = None


@dataclass
class Recorded:
    """What an invocation recorded before it judged, for the report of an error after it: the run, which that report
    names, and the evaluator warnings the judgement would have said."""

    run_id: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    outcomes: Sequence[DatapointOutcome] = ()  # the run's, once the backend has it completed (RunSpec.completed_to)

    def completed(self, run_id: str, outcomes: Sequence[DatapointOutcome]) -> None:
        self.run_id, self.outcomes = run_id, outcomes


@contextmanager
def _user_code(job: Job, dataset: PreparedDataset, watch: Watch, left: list[str] | None = None) -> Iterator[RunSpec]:
    """The run's spec, its user code imported, while that code runs in the working directory with its LLM calls
    captured. The instrumentations are switched on before the import, so a client the code takes at import is the
    instrumented one, and a call made at import is counted as a setup cost (:func:`at_import`), not a datapoint's;
    the user's own spans are routed from the run on, after the code set its own tracer provider, if it does; what is
    said of an instrumentation left as it was goes to ``left`` too."""
    settings, config = job.settings, job.config
    instrumentations = load_instrumentations(config, str(settings.config_path))
    with switched_on(instrumentations, route=False, left=left), counting_outside(importing=True) as counted:
        workspace = (settings.workspace or Path()) if settings.as_action else None  # its hints: the inputs
        code = load_user_code(config, str(settings.config_path), settings.root, workspace=workspace)
        counted.imported()  # one count from here to the run's end: a call opened till now is a setup cost
        spec = dataclasses.replace(run_spec(job, dataset, code, watch=watch), counted=counted)
        with in_repository(settings.root), route_global_spans() if instrumentations else nullcontext():
            yield spec


def _dataset_to_record(job: Job) -> PreparedDataset:
    """The dataset a run (or a shard of one) is about to record, once the baseline the invocation names
    (``--baseline``, ``baseline-run-id``, the file's ``baseline.run_id``) is found: one that cannot be is said
    before any datapoint runs, the file's at its line, not after every datapoint (of every shard) was recorded."""
    dataset = prepare_dataset(job)
    if job.settings.baseline_run_id or job.config.baseline.run_id:
        find_baseline(job, baseline_query(job, dataset))
    return dataset


def run_experiment(job: Job, *, watch: Watch, for_error: Recorded) -> Judgement:
    """Run the experiment as one HoneyHive run, then judge it; ``for_error``: what an error after it reports."""
    enter(watch.cancel, "preparing the run")
    dataset = _dataset_to_record(job)
    ingested = Deadline(job.config.ingestion.timeout)  # from the wait for the run's summary on, the comparison's too
    left: Interrupted | None = None  # a signal once the run is recorded: no verdict will be reached, it is cancelled
    unmeasured: list[str] = []  # instrumentations left as they were: the judgement says them
    try:
        with _user_code(job, dataset, watch, unmeasured) as spec:
            # the report says the warnings, once, and names the run once it is completed (a signal then cancels it)
            said = dataclasses.replace(spec, warnings_to=for_error.warnings.extend, completed_to=for_error.completed)
            result = record_run(said, dataset, client=job.client, deadline=ingested)
            result = dataclasses.replace(result, notes=(*unmeasured, *result.notes))
    except Interrupted as interrupt:  # a second signal as the run wound down (its last spans sent, the user's code
        # left) replaced the cancellation record_run raised: that one still names the run, and whether it is marked
        if (cancelled := _replaced(interrupt)) is not None:
            raise cancelled from interrupt
        if for_error.run_id is None:
            raise
        left = interrupt  # a first once the run is completed (as its sink shuts down, record_run returns, the user's
        # code is left): it names no verdict, and the run must not stay a completed one no check judged (a baseline)
    try:
        if left is None:
            _say_timeout(job, result.outcomes)
            return judge(job, result, dataset, cancel=watch.cancel, deadline=ingested)
    except Interrupted as interrupt:
        left = interrupt
    run_id, outcomes = for_error.run_id, for_error.outcomes  # record_run's, once it completed the run
    assert run_id is not None, "a run completed names itself (Recorded.completed)"
    sessions = [o.session_id for o in outcomes if o.recorded]
    marked = finish_run(job.client, run_id, spec, dataset, ExperimentRunStatus.CANCELLED, sessions)
    raise ExperimentCancelled(run_id, outcomes, marked=marked, phase=phase_of(watch.cancel)) from left


def _replaced(interrupt: Interrupted) -> ExperimentCancelled | None:
    """The run's cancellation that was being raised when ``interrupt`` came (in the chain of its context), if any."""
    seen: set[int] = set()
    exc = interrupt.__context__
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ExperimentCancelled):
            return exc
        seen.add(id(exc))
        exc = exc.__context__
    return None


def _say_timeout(job: Job, outcomes: Iterable[DatapointOutcome]) -> None:
    """A warning at the experiment file's ``timeout`` (its line, or the file when it is the default) when a
    datapoint did not return within it: each error says the seconds, not what sets them."""
    config = job.config
    if trials := [o.datapoint_id for o in outcomes if o.status is OutcomeStatus.TIMEOUT]:
        datapoints = len(set(trials))
        counted = f"{datapoints} datapoint(s)" + (f" ({len(trials)} trials)" if len(trials) > datapoints else "")
        said = f"{counted} did not return within {config.timeout:g} s, " + (
            "the limit set here: raise it if they need longer"
            if "timeout" in config.model_fields_set
            else "the default limit: set timeout: (seconds) to give them longer"
        )
        log.warning("%s", config_error_at(job.settings.config_path, ("timeout",), said))


# ------------------------------------------------------------------------------------------------ judge


def judge(
    job: Job,
    result: ExperimentResult,
    dataset: PreparedDataset,
    *,
    cancel: threading.Event | None = None,
    pick: bool = True,
    deadline: Deadline | None = None,
) -> Judgement:
    """Baseline → the backend's comparison → verdict, for a run the backend has summarised: the one function
    every mode ends in (``cancel``: the invocation's, on which the phase is noted for a signal's report).
    ``pick`` false: no rule may pick a baseline, only ``settings.baseline_run_id`` names one (a run judged again
    as its check judged it, with none: still neutral under a strategy that looks for one). ``deadline``: the one
    ``ingestion.timeout`` of the run's waits, which the wait for its summary started: a lagging comparison is asked
    again only for what that wait left of it (none given: a whole ``ingestion.timeout``)."""
    settings, config, client = job.settings, job.config, job.client
    ranges = {name: bounds.model_dump(exclude_none=True) for name, bounds in config.passing_ranges.items()}
    check_ranges_applied(result.summary, ranges, result.run_id)  # before its pass/fail decides anything
    # the experiment's completed runs, listed once for the baseline rules, the note on other files' runs and the
    # trend: each reads as far as it needs, and what one has read the others are handed without asking again
    listing = completed_runs(client, config.name)
    for_baseline, for_note, for_trend = itertools.tee(listing, 3)
    query = baseline_query(job, dataset, exclude=(result.run_id,))  # which runs are its own
    enter(cancel, "choosing the baseline")
    baseline = find_baseline(job, query, runs=for_baseline) if pick or settings.baseline_run_id else None
    metrics = presentation(config.metrics)  # the efficiency metrics are lower-is-better unless configured
    comparison = unpaired = baseline_result = baseline_errored = None
    assessment: dict[MetricKey | str, Assessment] = {}
    gate_assessment: dict[MetricKey | str, Assessment] = {}
    new_errors: list[str] = []
    other: list[tuple[str, Any]] = []  # the paired datapoints whose inputs differ from the baseline's
    moved = 0  # of those that differ, how many under another id here
    left: dict[str, tuple[dict[str, int], dict[str, int]]] = {}  # per efficiency metric, the calls it leaves out
    # by why: the baseline's, this run's, to judge the gates by (with a comparison of those metrics only)
    new_left, old_left = left_out(result.outcomes), dict[str, dict[str, int]]()  # this run's said without one too
    trials = max(result.summary.trials, settings.trials or config.trials)
    if baseline is not None:
        enter(cancel, "comparing with the baseline")
        aggregate = config.aggregate_function.value
        try:
            baseline_result = get_run_result(client, baseline.run.run_id, aggregate)
        except HoneyHiveError as exc:  # its route names the run by its id only
            exc.key = "the baseline run"
            raise
        old, new = baseline_result, result.summary
        timeout = deadline or config.ingestion.timeout
        comparison = compare_runs(
            client, result.run_id, baseline.run.run_id, aggregate, new_result=new, old_result=old, timeout=timeout
        )
        unpaired = unpaired_of(comparison, new, old)
        # the sign tests' coin is fair only between runs of as many trials (significance.py); the t-test's stays so
        differ = trials_of(baseline.run, baseline_result) != trials
        tests: dict[str, Any] = {"alpha": config.verdict.alpha, "trials_differ": differ, "aggregation": aggregate}
        assessment = assess_comparison(comparison, metrics, old_result=old, new_result=new, **tests)
        gate_assessment = assess_gates(comparison, config.gate, metrics, old_result=old, new_result=new, **tests)
        # Both sides from the same source, the backend's function spans: this run's outcomes hold its errors too,
        # but a run recorded before sessions carried metadata.error (or by another tool) has them only on its spans.
        errored = client.errored_datapoints(result.run_id)
        baseline_errored = client.errored_datapoints(baseline.run.run_id)
        new_errors = sorted(errored - baseline_errored)
        enter(cancel, "comparing the paired datapoints' inputs")
        other, moved = _other_inputs(client, comparison)
        if any(d.metric_name in EFFICIENCY_METRICS for d in comparison.metrics if d.old_aggregate is not None):
            enter(cancel, "reading the baseline's calls without a cost")
            old_left = left_out(recorded_outcomes(client, baseline.run.run_id))
            left = {m: (old_left.get(m, {}), new_left.get(m, {})) for m in {**old_left, **new_left}}
    judged = [*config.passing_ranges, *config.gate]  # their missing values are reasons, not warnings
    # where the datapoints the report lists are in the dataset file: those that errored, failed, or are flaky
    listed = {o.datapoint_id for o in result.outcomes if o.status != "ok" or o.evaluator_failures}
    places = dataset.places(listed | set(result.summary.failed) | set(result.summary.flaky))
    capped = [name for name, bounds in config.passing_ranges.items() if bounds.max is not None]
    seen = facts(result.outcomes, config.passing_ranges, config.gate, places, capped)
    decision = decide(
        result.summary,
        comparison,
        gates=config.gate,
        presentation=metrics,
        ranged=config.passing_ranges,
        facts=seen,
        policy=config.verdict,
        gate_assessment=gate_assessment,
        new_errors=new_errors,
        compare=config.baseline.strategy is not BaselineStrategy.NONE,
        left_out=left,
        unpaired=len(unpaired[0]) if unpaired is not None else 0,
        baseline=baseline_result,
        id_scheme=dataset.identity.scheme if dataset.identity else None,
        other_inputs=moved,
    )
    dry_run: tuple[str, ...] = ()
    if settings.as_action and not settings.api_key:  # a dry run: the embedded backend, in a workspace the job drops
        embedded = (
            "A dry run without api-key: it ran on an embedded local backend in the job's workspace, gone when the job"
            " ends, which has none of HoneyHive's runs (and was sent nothing)"
            + (": no baseline, so no gate can fire" if baseline is None else "")
            + ("." if settings.secrets_withheld else ". Pass api-key to compare with the runs in HoneyHive.")
        )
        fork = (
            f"{FORK_WITHOUT_SECRETS} A maintainer can compare it with HoneyHive's runs by pushing the changes to a"
            " branch of this repository."
        )
        dry_run = (fork, embedded) if settings.secrets_withheld else (embedded,)
    said = [
        *dry_run,
        *evaluator_warnings(result.outcomes, (*decision.reasons, *decision.gate_failures), _evaluator_names(config)),
        *no_values(
            comparison,
            _evaluator_names(config),
            config.other_metrics,
            judged,
            metrics,
            result.summary.metrics.aggregation_function,
            seen.none_everywhere,  # said as the run's warnings: the metrics they leave say why
        ),
        *unpaired_warnings(unpaired),
        *result.notes,  # how it measured (ExperimentResult.notes)
    ]
    if calls := result.outside_calls + result.unfinished_calls:  # spent, and in no datapoint's cost
        said.append(outside_calls_warning(calls, result.unfinished_calls, result.outcomes, places))
    if changed := result.outputs_changed:  # what HoneyHive and this report show of them is not what was scored
        said.append(changed)
    if unreduced := result.summary.unreduced(trials):  # its counts are datapoints', its pass/fail not on means
        said.append(unreduced)
    decision = dataclasses.replace(decision, warnings=(*decision.warnings, *said))
    stood_in = _stood_in(settings.ci, baseline, config.baseline.max_age_days)
    notes: tuple[str, ...] = (stood_in,) if stood_in else ()
    if settings.ci.event == "local" and not settings.ci.sha:  # checkout.local_checkout's: no commit to tell runs apart
        notes += (
            "Not a git repository (or no commit yet): with no commit nor uncommitted changes to tell runs apart,"
            " every run here, edited code included, may be the next one's baseline.",
        )
    if other and comparison is not None:  # ids reused or renumbered pair other questions (audit76 F1)
        paired, at = len(comparison.common_datapoints), {ident: i for i, ident in enumerate(dataset.datapoint_ids)}
        other.sort(key=lambda changed: at.get(changed[0], len(at)))  # the first named: the file's first, if known
        notes += (other_inputs_note(other, moved, paired, dataset.places({other[0][0]})),)
    was = DatasetIdentity.of_run(baseline.run).path if baseline is not None else None
    if was and dataset.identity is not None and dataset.identity.path and was != dataset.identity.path:
        notes += (  # the same experiment file, another file of rows (audit76 F2): said, whoever's the stamp
            f"The baseline ran {excerpt(was, 200)}; this run {excerpt(dataset.identity.path, 200)} (dataset.path"
            " changed): datapoints pair on their ids, so a row of either file compares with the other's under its id.",
        )
    if result.imported:  # spent before any datapoint: in none's metrics, and none's left-out work
        notes += (setup_note(result.imported),)
    if replaced := replaced_note(result.outcomes):  # the values under a built-in's name are an evaluator's
        notes += (replaced,)
    if baseline is None and pick and config.baseline.strategy is not BaselineStrategy.NONE:
        every = list(for_note)  # read to its end by other_files anyway
        notes += _no_baseline(settings.ci, every, query, listing) + _other_files_note(every, query)
    if baseline is not None and baseline.run.name != config.name:  # a run id named explicitly is used as is
        notes += (
            f"The baseline asked for is a run of another experiment, {baseline.run.name!r}: its datapoints and"
            " metrics need not be this experiment's, so the comparison may mean little.",
        )
    enter(cancel, "reading the efficiency metrics' totals")
    totals = run_totals(client, result.run_id, result.summary)
    baseline_totals = None
    if totals is not None and baseline is not None and baseline_result is not None:
        baseline_totals = run_totals(client, baseline.run.run_id, baseline_result)
    enter(cancel, "reading the key metrics' trend")
    trend, trend_notes = key_metric_trend(client, config, query, runs=for_trend)
    verdict_reached(cancel)  # a signal from now on is held: it no longer cancels the run, whose report is left
    return dataclasses.replace(
        judgement_without_run(settings, config, decision, now=job.now),
        run_id=result.run_id,
        run_url=settings.run_link(result.run_id),
        summary=result.summary,
        comparison=comparison,
        baseline=_baseline_info(
            baseline, baseline_result, len(result.summary.datapoint_ids) or len(dataset.datapoints), settings, stood_in
        ),
        outcomes=result.outcomes,
        notes=(*notes, *trend_notes),
        inputs_by_datapoint={dp.id: dp.inputs for dp in dataset.datapoints},
        places=places,
        metrics=metrics,
        trend=trend,
        assessment=assessment,
        gate_assessment=gate_assessment,
        baseline_failed=frozenset(baseline_result.failed) if baseline_result is not None else None,
        baseline_errored=frozenset(baseline_errored) if baseline_errored is not None else None,
        id_scheme=dataset.identity.scheme if dataset.identity else None,
        trials=trials,
        totals=totals,
        baseline_totals=baseline_totals,
        left_out={
            m: (sum(old_left.get(m, {}).values()), sum(new_left.get(m, {}).values())) for m in {**old_left, **new_left}
        },
    )


def _other_inputs(client: HoneyHiveClient, comparison: RunComparisonResult) -> tuple[list[tuple[str, Any]], int]:
    """The datapoints the comparison paired whose inputs in this run differ from the baseline's (not their outputs or
    ground truth), each with the baseline's inputs, and how many of those are known to have moved: the baseline's
    inputs of the id are another paired id's in this run (a row inserted above rows numbered by position), not a row
    edited under its id (a field added to every row is an edit: audit78 F5). Inputs are equal by value: keys in any
    order, ``1`` as ``1.0`` (a boolean stays one), text in Unicode's NFC form. The first
    :data:`~honeyhive_experiment.report.pairing.INPUTS_CHECKED` of the paired are read, from both runs (this run's too:
    a published or viewed run's dataset is not at hand): their session events, which hold the inputs this tool sent,
    and only those fields; a run whose sessions lack them (another tool's) is read whole, its function spans'."""
    paired = comparison.common_datapoints[:INPUTS_CHECKED]
    keep = set(paired).__contains__

    def inputs_of(run_id: str) -> RunRecords:
        fields = ("session_id", "metadata", "inputs", "event_type")
        records = records_from_events(run_id, client.iter_run_events(run_id, "session", fields), keep=keep)
        if all(getattr(records.get(ident), "inputs", None) not in (None, {}, []) for ident in paired):
            return records
        return get_run_records(client, run_id, keep=keep)

    def normal(value: Any) -> Any:  # each text NFC (not the JSON's: a mark after "\n" would join its "n"), 1.0 as 1
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {normal(key): normal(item) for key, item in value.items()}
        return [normal(item) for item in value] if isinstance(value, list) else value

    def canonical(inputs: Any) -> str:  # as JSON holds it, normal, its keys sorted
        return json.dumps(normal(json.loads(json.dumps(inputs, default=str))), sort_keys=True)

    new, old = inputs_of(comparison.new_run_id), inputs_of(comparison.old_run_id)
    here = {ident: canonical(record.inputs) for ident in paired if (record := new.get(ident)) is not None}
    changed = [
        (ident, was.inputs)
        for ident, now in here.items()
        if (was := old.get(ident)) is not None and canonical(was.inputs) != now
    ]
    holders: dict[str, set[str]] = {}  # whose inputs they are in this run, of the changed: a row that kept its own
    for ident, _ in changed:  # (a question the dataset asks twice) holds them as before, no sign of a move
        holders.setdefault(here[ident], set()).add(ident)
    return changed, sum(1 for ident, was in changed if holders.get(canonical(was), set()) - {ident})


def _stood_in(ci: CiContext, baseline: Baseline | None, max_age_days: int | None) -> str | None:
    """What a branch fallback stands in for, the run at the merge base (``None``: it does not), or which runs a
    commit or branch named passed over (:attr:`Baseline.note`), as the report's note says it; stamped with the check
    (:func:`stamp_verdict`), so publish and view say it too."""
    if baseline is not None and baseline.note:
        return baseline.note
    # asked to be of the run's own commit's history (a push's; another branch's than the base, baseline.branch)
    if baseline is not None and ci.sha and baseline.fork_point == ci.sha and not ci.merge_base_unknown:
        return _not_of_history(baseline, ci.sha[:7], f"No passing run on {baseline.branch or 'the branch'} is")
    if baseline is not None and baseline.reason == "previous" and ci.merge_base_unknown:  # a local run's
        return f"{_merge_base_unknown(ci)}, so the baseline is the previous run on {ci.branch}."
    own = ci.fallback_ref is not None and baseline is not None and not baseline.instead_of  # a branch's own run
    if baseline is None or baseline.reason != "branch" or own:
        return None
    latest = f"the latest run on {ci.fallback_ref or 'the base branch'} whose check passed"
    if ci.merge_base_unknown:
        return f"{_merge_base_unknown(ci)}, so the baseline is {latest}, instead of the run at the merge base."
    if not ci.merge_base_sha or ci.merge_base_sha == baseline.commit_sha:
        return None
    at = ci.merge_base_sha[:7]
    none = "none has completed yet"
    if max_age_days:  # older runs are not looked at: one there may be older
        none = f"none completed in the last {max_age_days} days (baseline.max_age_days)"
    no_run = f"No run at {at}, the base commit this change is measured against, could be the baseline"
    no_run += f" ({none}, or its check errored or recorded no verdict)"
    branch, sha = baseline.branch or "the base branch", str(baseline.commit_sha)[:7]
    if baseline.ahead or baseline.unknown:
        return _not_of_history(baseline, at, f"{no_run}, nor is a passing run on {branch}")
    if baseline.behind:  # newer passing runs were passed over: "the latest … whose check passed" would be theirs
        return (
            f"{no_run}, so the baseline is the latest passing run on {branch} at or before it, at {sha} (newer ones are"
            f" at commits this change does not have): what changed on {branch} between {sha} and {at} counts here as"
            " this change's."
        )
    return (
        f"{no_run}, so the baseline is {latest}: what changed on it since that run's commit counts here as"
        " this change's."
    )


def _merge_base_unknown(ci: CiContext) -> str:
    """That the merge base a baseline is looked for at is unknown, and why it may be."""
    if ci.event == "local":  # checkout.local_checkout's
        if not ci.merge_base_ref:
            return "HEAD's merge base is unknown (no origin/HEAD, main or master here: name the branch with --base)"
        return (
            f"HEAD's merge base with {ci.merge_base_ref} is unknown (a shallow clone: git fetch --unshallow; or they"
            " share no history)"
        )
    whose, unrelated = "The pull request's merge base", ""
    if ci.fallback_ref:
        whose = f"{ci.base_ref}'s merge base with {ci.fallback_ref}"
        unrelated = f"; or {ci.base_ref} shares no history with {ci.fallback_ref}"
    return f"{whose} is unknown (a shallow checkout: set fetch-depth: 0 on actions/checkout{unrelated})"


def _no_baseline(
    ci: CiContext, runs: Sequence[ExperimentRun], query: BaselineQuery, listing: RunListing
) -> tuple[str, ...]:
    """Why no run at the merge base is the baseline, when the rules found none (the comment's "No baseline yet" says
    there is none to compare with): the merge base is unknown, or every run there errored or recorded no verdict
    (:func:`~honeyhive_experiment.baseline.passed_over_note`), and the runs too old to be looked at
    (:func:`~honeyhive_experiment.baseline.too_old_note`), or older than the listing reads
    (``listing``'s, :func:`~honeyhive_experiment.baseline.unread_note`); ``()`` when none of these."""
    unknown = f"{_merge_base_unknown(ci)}, so no run at it could be looked for." if ci.merge_base_unknown else None
    said = (unknown or passed_over_note(runs, query), too_old_note(runs, query), unread_note(listing, query))
    return tuple(note for note in said if note)


def _not_of_history(baseline: Baseline, at: str, lead: str) -> str:
    """The note on a branch fallback that stands in, not known to be of commit ``at``'s history (:attr:`Baseline.ahead`,
    :attr:`Baseline.unknown`), after ``lead``: where none that is was found."""
    branch, sha = baseline.branch or "the branch", str(baseline.commit_sha)[:7]
    how = f"a commit {at} does not have"
    if not baseline.ahead:  # unknown
        how = "whose ancestry neither git (a shallow checkout: set fetch-depth: 0 on actions/checkout) nor GitHub"
        how += " could tell"
    known = f"known to be of {at}'s history"
    if baseline.unchecked:  # an older one may be: it was not asked
        known += (
            " (ancestry was not checked further: where git could not tell, as in a shallow checkout,"
            f" {baseline.unchecked}; set fetch-depth: 0 on actions/checkout)"
        )
    return (
        f"{lead} {known}, so the baseline is the latest passing run on {branch}, at {sha}, {how}: its deltas may"
        f" include {branch}'s changes missing from {at}, as if this change undid them."
    )


def _other_files_note(runs: Iterable[ExperimentRun], query: BaselineQuery) -> tuple[str, ...]:
    """Why there is no baseline when ``runs`` of ``query.experiment`` (its completed runs) from another experiment file
    are where one is looked for (:func:`~honeyhive_experiment.baseline.other_files`): the file was renamed or moved,
    say."""
    experiment, branches = query.experiment, {ref for ref in (query.base_branch, query.fallback_branch) if ref}
    found = other_files(runs, query, branches=branches)
    if not found:
        return ()
    shown = {origin(file, variant, query.variant or variant): at for (file, variant), at in found.items()}
    at_base = sorted(file for file, at in shown.items() if at)
    where = "at the merge base" if at_base else f"on {' and '.join(sorted(branches))}"
    varied = bool(query.variant) or any(variant for _, variant in found)
    this = origin(query.config_file, query.variant, "said" if varied else "")
    legs = " (or gave the legs of a matrix a variant the runs there lack: run them there with the same variant)"
    return (
        f"Runs of {experiment} exist {where} from {', '.join(at_base or sorted(shown))}; a baseline must be a run of"
        f" this file, {this}: if you renamed or moved it{legs if varied else ''}, compare once with --baseline RUN_ID"
        " (the action's baseline-run-id).",
    )


def run_totals(client: HoneyHiveClient, run_id: str, summary: ExperimentResultSummary) -> RunTotals | None:
    """The backend's sum of the cost metrics and the median and 95th percentile of ``duration_ms`` (three more
    summaries, with those aggregate functions), for a run with efficiency metrics; ``None`` for one without."""
    if not any(metric_aggregate(summary, name) is not None for name in EFFICIENCY_METRICS):
        return None
    summed, median, p95 = (get_run_result(client, run_id, function) for function in ("sum", "median", "p95"))
    return RunTotals(
        cost_usd=metric_aggregate(summed, "cost_usd"),
        judge_cost_usd=metric_aggregate(summed, "judge_cost_usd"),
        duration_p50_ms=metric_aggregate(median, "duration_ms"),
        duration_p95_ms=metric_aggregate(p95, "duration_ms"),
        trials=summed.trials,
    )


def _baseline_info(
    baseline: Baseline | None,
    baseline_result: ExperimentResultSummary | None,
    total: int,
    settings: Settings,
    stood_in: str | None,
) -> BaselineInfo | None:
    if baseline is None:
        return None
    run_id = baseline.run.run_id
    why = baseline.why
    if settings.ci.merge_checkout and baseline.reason == "merge-base":  # the commit the checkout merged the head into
        tip = f"{baseline.ref}'s tip" if baseline.ref else "the base's tip"
        at = f"{tip} {str(baseline.commit_sha)[:7]}"
        why = f"{baseline.whose} at {at}, which the checkout merged this pull request into"
    return BaselineInfo(
        run_id=run_id,
        name=baseline.run.name,
        url=settings.run_link(run_id),
        commit_sha=baseline.commit_sha,
        branch=baseline.branch,
        created_at=baseline.created_at,
        total_datapoints=total,
        why=why,
        dirty=is_dirty(baseline.run),
        passed=check_passed(baseline.run, lambda: baseline_result.success if baseline_result is not None else None),
        errored=check_verdict(baseline.run) == "error",
        trials=trials_of(baseline.run, baseline_result),
        stood_in=stood_in,
    )


def trials_of(run: ExperimentRun, summary: ExperimentResultSummary | None) -> int:
    """How many times a run ran each datapoint: the backend's summary says so when it reduces trials (the local
    backend); else the run's ``configuration.trials``, which this tool records (hosted HoneyHive says nothing)."""
    if summary is not None and summary.trials > 1:
        return summary.trials
    configured = run.configuration.get("trials")
    return configured if isinstance(configured, int) and not isinstance(configured, bool) and configured > 1 else 1


def baseline_query(job: Job, dataset: PreparedDataset, *, exclude: tuple[str, ...] = ()) -> BaselineQuery:
    """Which runs are the experiment's own, and which of them is the baseline asked for, for a run of ``dataset``
    made where the job's ``settings.ci`` says (``exclude``: the run being judged): one query for the baseline
    (:func:`find_baseline`), the note on other files' runs and the key metrics' trend alike."""
    settings, config, ci = job.settings, job.config, job.settings.ci
    return BaselineQuery(
        experiment=config.name,
        dataset_id=dataset.identity or dataset.dataset_id,
        policy=config.baseline,
        now=job.now,
        config_file=settings.config_file,
        repository=ci.repository,
        merge_base_sha=ci.merge_base_sha,
        base_branch=ci.base_ref,
        exclude_run_ids=exclude,
        require_passing=settings.as_action,
        head_sha=ci.sha,
        dirty=bool(ci.dirty),
        merge_base_ref=ci.merge_base_ref or ci.base_ref,
        fallback_branch=ci.fallback_ref,
        variant=settings.variant,
    )


def find_baseline(job: Job, query: BaselineQuery, *, runs: Iterable[ExperimentRun] | None = None) -> Baseline | None:
    """The baseline ``query`` asks for (:func:`baseline_query`; the rules: :mod:`honeyhive_experiment.baseline`);
    ``settings.baseline_run_id`` when given. Outside GitHub Actions the previous run on the branch will do, whatever
    its result, so successive local runs compare with each other. ``runs``: the experiment's completed runs, when the
    caller reads them too. A ``baseline.run_id`` of the config that names nothing is a BaselineError at its line
    (``--baseline``'s is said as it is)."""
    settings = job.settings

    def ancestry(commit: str, of: str) -> bool | None:  # git's; where it cannot tell (a shallow clone), GitHub's
        known = is_ancestor(settings.root, commit, of)
        return known if known is not None or job.ancestry is None else job.ancestry(commit, of)

    try:
        found = choose_baseline(
            job.client,
            query,
            explicit_run_id=settings.baseline_run_id,
            ancestry=ancestry,
            runs=runs,
            commit_of=lambda revision: commit_of(settings.root, revision),
        )
    except BaselineError as exc:
        revision = settings.baseline_run_id or query.policy.run_id
        # a run id no run has: a deeper checkout would not help it (audit72 F3)
        hint = "" if is_run_id(revision) else shallow_hint(settings.root, revision, action=settings.as_action)
        message = exc.message + hint
        if settings.baseline_run_id or not query.policy.run_id:
            if message == exc.message:
                raise
            raise BaselineError(message) from None
        at = config_error_at(str(settings.config_path), ("baseline", "run_id"), message)
        raise BaselineError(message, file=at.file, line=at.line, key=at.key) from None
    # a stand-in, and GitHub was not asked of every older candidate: one of the history may be among them
    stopped = job.ancestry.stopped if job.ancestry is not None else None
    if found is not None and stopped and (found.ahead or found.unknown):
        return dataclasses.replace(found, unchecked=stopped)
    return found


def stamp_verdict(
    client: HoneyHiveClient,
    run_id: str,
    verdict: Verdict,
    baseline: BaselineInfo | None = None,
    rules: Mapping[str, Any] | None = None,
    *,
    unless_judged: bool = False,
) -> None:
    """Record the check's own verdict on the run (``metadata.check``), which the branch-baseline rule reads, with
    the baseline, its note (:func:`_stood_in`) and the rules it was judged by, so ``view`` and ``mode: publish``
    judge it as the check did. ``unless_judged``: leave a run whose check already has a verdict as it is. The run's
    metadata is written back whole (HoneyHive replaces an object field on update). Best effort: when the backend
    refuses, a warning says so, and the run's check stays ``pending``."""
    try:
        run = client.get_run(run_id)
        if unless_judged and _stamped_check(ExperimentRun.model_validate(run))[0]:
            return
        metadata = dict(run.get("metadata") or {})
        check: dict[str, Any] = {"verdict": verdict.value}
        if baseline is not None and baseline.run_id:
            check["baseline_run_id"] = baseline.run_id
        if baseline is not None and baseline.stood_in:
            check["baseline_note"] = baseline.stood_in
        if rules is not None:
            check["rules"] = rules
        metadata["check"] = check
        client.update_run(run_id, {"metadata": metadata})
    except HoneyHiveError as exc:  # the report stands; only the next baseline choice is poorer for it
        log.warning(
            "could not record the check's verdict on run %s: %s; its check stays %s, so no run takes it as its"
            " baseline at the merge base or on the base branch (a later local run on its branch may still take it"
            " as its previous run, whatever its result)",
            run_id,
            exc,
            PENDING,
        )


# ----------------------------------------------------------------------------------------- sharded runs


def _recorded_sessions(client: HoneyHiveClient, run_id: str) -> Counter[str]:
    """The sessions (a datapoint's trials) whose function span the backend holds for the run, each with how many
    it holds (none while the run does not exist). A session alone does not count: it is started before the
    function runs, so a job killed mid-datapoint leaves one behind that a re-run must still score."""
    try:
        return client.scored_sessions(run_id)
    except NotFoundError:
        return Counter()


def shared_run_id_of(job: Job) -> str:
    """The run every job of one workflow run records into for one experiment file (``mode: run`` shards and their
    ``report`` job)."""
    settings = job.settings
    workflow_run = str(settings.run_id) if settings.run_id is not None else "local"
    return shared_run_id(
        settings.ci.repository or "local", workflow_run, job.config.name, settings.config_file, settings.variant
    )


@dataclass(frozen=True, slots=True)
class ShardResult:
    run_id: str
    shard: ShardSpec | None
    already_recorded: int  # sessions (datapoints × trials) skipped because an earlier attempt recorded them
    errored_earlier: int  # datapoints of those whose function or an evaluator raised (the report job's "errored")
    outcomes: tuple[DatapointOutcome, ...]  # one per session run now
    trials: int


def record_shard(job: Job, *, watch: Watch) -> ShardResult:
    """``mode: run``: record this shard (or the whole dataset) into the shared run and leave it ``running`` for the
    report job.

    Datapoints an earlier attempt already recorded are skipped, so re-running a failed shard job adds
    only what is missing and never a second session or a second scored span for a datapoint. A run started with
    other terms (shard count, trials, experiment file), or a named baseline that cannot be found, is refused before
    anything runs (:class:`ShardsDisagree`, :class:`BaselineError`).
    """
    client, shard, run_id = job.client, job.settings.shard, shared_run_id_of(job)
    dataset = _dataset_to_record(job)
    mine = [dp for dp in dataset.datapoints if dp.unreturned is None]  # none to run of those: the report counts them
    if shard is not None:  # all trials of a datapoint run in the shard the datapoint belongs to
        mine = select(mine, [dp.id for dp in mine], shard)
    recorded = _recorded_sessions(client, run_id)
    outcomes: Sequence[DatapointOutcome] | None = None
    ran = Recorded()  # the slice's outcomes as run_slice has them: a signal as it returns them keeps them
    errored = 0  # a first attempt reads nothing more, nor a cancelled one (its re-run says them)
    try:
        with _user_code(job, dataset, watch) as spec:
            told = dataclasses.replace(spec, completed_to=ran.completed)
            outcomes = run_slice(told, dataset, mine, client=client, run_id=run_id, skip=recorded)
        skipped = _skipped(run_id, mine, spec.trials, recorded)
        if skipped and not watch.cancel.is_set():
            errored = _errored_earlier(client, run_id, skipped)
        verdict_reached(watch.cancel)  # what the shard recorded is said next: a signal from now on is only noted
    except Interrupted:  # once the slice ran (a second signal as the user's code is left, or a first since): what it
        if outcomes is None and ran.run_id is None:  # recorded is known, and the job says it (the signal no longer
            raise  # interrupts: its unwinding); before, it recorded nothing (the invocation says so)
        outcomes = ran.outcomes if outcomes is None else outcomes
        skipped = _skipped(run_id, mine, spec.trials, recorded)
    return ShardResult(run_id, shard, len(skipped), errored, tuple(outcomes), spec.trials)


def _skipped(run_id: str, datapoints: Iterable[Datapoint], trials: int, recorded: Counter[str]) -> set[str]:
    """The sessions (datapoints × trials) of the run an earlier attempt recorded (``recorded``): a re-run skips them."""
    return {session_id_for(run_id, dp.id, t) for dp in datapoints for t in range(trials)} & recorded.keys()


def _errored_earlier(client: HoneyHiveClient, run_id: str, skipped: Collection[str]) -> int:
    """How many datapoints of the sessions ``skipped`` (an earlier attempt recorded them) hold an error the report
    job counts against the run (:meth:`DatapointOutcome.from_session`: the function raised or timed out, or an
    evaluator raised): a re-run does not run them again. The sessions' metadata only, one event per session."""
    errored: set[str] = set()
    for event in client.iter_run_events(run_id, "session", ("session_id", "metadata")):
        session_id, metadata = str(event.get("session_id")), event.get("metadata")
        outcome = DatapointOutcome.from_session(0, session_id, metadata if isinstance(metadata, Mapping) else {})
        if session_id in skipped and (outcome.failed or outcome.evaluator_failures):
            errored.add(outcome.datapoint_id)
    return len(errored)


def report_shared_run(job: Job, *, for_error: Recorded) -> Judgement:
    """``mode: report``: wait until the backend holds every datapoint of the dataset, mark the run completed with
    every session id, then judge it like a single-job run; one ``ingestion.timeout`` bounds all its waits, from the
    first on (for the shards' datapoints, the run's summary, a lagging comparison). ``for_error``: what an error after
    it reports.

    Raises :class:`ShardsMissing` naming the shards and how many datapoints each still owes when the wait runs
    out, and :class:`ShardsDisagree` as soon as the run shows it was started with other terms (shard count,
    trials, experiment file), or once complete when it holds a datapoint scored twice or one of another dataset.
    """
    settings, config, client = job.settings, job.config, job.client
    run_id = shared_run_id_of(job)
    dataset = prepare_dataset(job)
    spec = run_spec(job, dataset)
    wanted = dataset.datapoint_ids
    owners = {session_id_for(run_id, i, t): i for i in wanted for t in range(spec.trials)}  # session → datapoint
    missing = wanted
    recorded: Counter[str] = Counter()  # function spans per session
    stored: dict[str, Any] = {}  # the run, once a shard job created it

    def all_recorded() -> bool | None:
        nonlocal missing, recorded, stored
        try:
            stored = stored or shared_run(client, run_id, spec)  # its terms checked once, as soon as it exists
        except NotFoundError:
            return None
        recorded = _recorded_sessions(client, run_id)
        missing = list(dict.fromkeys(i for session, i in owners.items() if session not in recorded))  # wanted's order
        return True if not missing else None

    timeout = config.ingestion.timeout
    ingested = Deadline(timeout)  # one for the shards' datapoints, the run's summary and the comparison
    waited: float | None = timeout
    try:
        arrived = poll(all_recorded, timeout=ingested, maximum=2.0)  # soon: the last shard's spans are still arriving
    except Interrupted:  # the job is cancelled: the run is left as it is (its shards can still be re-run), and what
        arrived, waited = False, None  # arrived is counted once more (the signal may have cut the first count short)
        with contextlib.suppress(HoneyHiveError):
            all_recorded()
    if not arrived:
        shards = settings.shard.total if settings.shard else None
        gave_up = ShardsMissing(missing_message(run_id, missing, wanted, shards, waited))
        gave_up.run_id = run_id if stored else None  # the run the error names, once a shard job created it
        raise gave_up
    # completed with the shards' metadata kept (a report job without shard keeps their n), the rest its own
    spec = dataclasses.replace(spec, metadata={**(stored.get("metadata") or {}), **spec.metadata})
    sessions = list(owners)
    try:
        finish_run(client, run_id, spec, dataset, ExperimentRunStatus.COMPLETED, sessions)
        for_error.run_id = run_id  # the completed run, named by an error after it
        position = {datapoint_id: i for i, datapoint_id in enumerate(wanted)}  # the dataset's order, not the shards'
        in_order = sorted(recorded_outcomes(client, run_id), key=lambda o: (position.get(o.datapoint_id, 0), o.trial))
        outcomes = tuple(in_order)
        summary = client.wait_for_result(
            run_id,
            len(sessions),
            timeout=ingested,
            aggregate_function=config.aggregate_function.value,
            datapoints=wanted,
            sessions=owners,  # every session's datapoint, by the ids the shards gave them
            metrics=judged_values(outcomes, (*config.passing_ranges, *config.gate)),
        )
        if problem := strays(run_id, owners, recorded, ((o.session_id, o.datapoint_id) for o in outcomes)):
            raise ShardsDisagree(problem)
        outcomes = (*outcomes, *dataset.unreturned(run_id, spec.trials))  # what no shard ran: never recorded
        result = ExperimentResult(run_id, config.name, dataset.dataset_id, summary, outcomes)
        return judge(job, result, dataset, deadline=ingested)
    except Interrupted as interrupt:  # no verdict will be reached: the shared run was cancelled, not completed
        marked = finish_run(client, run_id, spec, dataset, ExperimentRunStatus.CANCELLED, sessions)
        raise ExperimentCancelled(run_id, marked=marked, phase="waiting for the shards' run and comparing it") from (
            interrupt
        )


# ----------------------------------------------------------------------------------------------- publish


@dataclass(frozen=True, slots=True)
class PublishedRun:
    """What ``mode: publish`` takes from an earlier job's ``report.json``: which runs, which pull request."""

    run_id: str
    baseline_run_id: str | None
    pr_number: int
    head_sha: str
    file: str  # the report.json read (the ``report`` input's), which a refusal names


def published_run(path: Path, *, pr_numbers: Collection[int], head_sha: str | None) -> PublishedRun:
    """The runs and pull request of the ``report.json`` at ``path``, once it is valid and belongs to the workflow
    run that triggered this one (``pr_numbers`` and ``head_sha`` are that run's, from the event payload).

    Raises :class:`~honeyhive_experiment.errors.ReportError` naming the file otherwise: a report made for
    another pull request or commit must never be posted there.
    """
    report = load_published(path)
    run, where = report.run, str(path)
    if not run.id or run.pr_number is None or not run.head_sha:
        raise ReportError("refusing to publish: it names no run, pull request or head commit", file=where)
    baseline_run_id = report.baseline.run_id if report.baseline is not None else None
    for key, named in (("run.id", run.id), ("baseline.run_id", baseline_run_id)):  # the pull request's to write
        if named is not None and not is_run_id(named):  # a path (../runs) would reach another route of the backend
            raise ReportError(f"refusing to publish: {excerpt(named)!r} is not a run id", file=where, key=key)
    if run.pr_number not in pr_numbers:
        raise ReportError(
            f"refusing to publish: report.json is for pull request #{run.pr_number}, but the triggering workflow"
            f" run belongs to {sorted(pr_numbers) or 'no pull request'}",
            file=where,
        )
    if run.head_sha != head_sha:
        raise ReportError(
            f"refusing to publish: report.json is for commit {run.head_sha[:12]}, but the triggering workflow run"
            f" ran {str(head_sha)[:12]}",
            file=where,
        )
    return PublishedRun(run.id, baseline_run_id, run.pr_number, run.head_sha, where)


def _check_published_run(run: ExperimentRun, settings: Settings, published: PublishedRun) -> None:
    """The run report.json names must be, by its ``metadata.ci``, this experiment file's run for this repository,
    pull request and commit, made by the triggering workflow run (any attempt of it): a pull request can write its
    report.json, so the id is checked against the backend. The name is not compared (a pull request may rename the
    experiment); file and repository are compared as baselines are (:func:`~.baseline.same_origin`). Raises
    ReportError naming each mismatch."""
    stamped, triggering = run.ci, settings.triggering_run
    triggering_id = triggering.run_id if triggering is not None else None
    wanted = {
        "pull request": (stamped.get("pr_number"), published.pr_number),
        "commit": (stamped.get("sha"), published.head_sha),
        "workflow run": (workflow_run_id(stamped.get("workflow_run_url")), triggering_id),
    }

    def quoted(value: object) -> str:  # what is stamped on the run is anyone's who can write it: quoted in part
        return excerpt(repr(value), 200)

    mismatches = [
        f"{what} {quoted(found)} (expected {expected!r})"
        for what, (found, expected) in wanted.items()
        if found != expected
    ]
    if not same_origin(run, settings.config_file, settings.ci.repository, settings.variant):
        found = f"{quoted(stamped.get('config_file'))} of repository {quoted(stamped.get('repository'))}"
        expected = f"{settings.config_file!r} of {settings.ci.repository!r}"
        if stamped.get("variant") or settings.variant:  # a matrix leg's run published as another leg's
            found += f", variant {quoted(stamped.get('variant'))}"
            expected += f", variant {settings.variant!r}"
        mismatches.insert(0, f"experiment file {found} (expected {expected})")
    if mismatches:
        raise ReportError(
            f"refusing to publish: run {run.run_id} in HoneyHive was not made for this pull request and experiment"
            f" file: {'; '.join(mismatches)}",
            file=published.file,
        )


def republish(job: Job, published: PublishedRun) -> Judgement:
    """``mode: publish``: judge a run an earlier job recorded, from the backend's own result (report.json only says
    which run, baseline and pull request; no dataset file is read). It is judged by the rules its check recorded on
    it (``metadata.check.rules``), so the comment says what the check said; ``config``, the default branch's file,
    gives the rest (and the rules, with a note, where none were recorded). A pass or neutral verdict for a
    triggering workflow run whose conclusion is not ``success`` is refused: the comment is never greener than the
    check."""
    settings, config = job.settings, job.config
    try:
        run = ExperimentRun.model_validate(job.client.get_run(published.run_id))
    except NotFoundError:  # another project's run (the api-key's decides), a deleted one, a forged id: nothing posted
        raise ReportError(
            f"refusing to publish: HoneyHive has no run {published.run_id} in the api-key's project (is the key, or"
            " server-url, the run job's?)",
            file=published.file,
            key="run.id",
        ) from None
    _check_published_run(run, settings, published)
    if run.name and run.name != config.name:  # the pull request renamed it: titled, and its trend found, as its check's
        config = config.model_copy(update={"name": run.name})
    if (unfinished := _unfinished(run, "re-run this job")) is not None:
        raise ReportError(f"refusing to publish: {unfinished}", file=published.file, key="run.id")
    if check_verdict(run) == Verdict.ERROR:  # judged again, it would get a verdict its check never gave
        why = f"run {run.run_id}'s check ended in an error, so it has no verdict: its job says why; re-run it"
        raise ReportError(f"refusing to publish: {why}", file=published.file, key="run.id")
    judged, stamped, rules = _stamped_check(run)
    if judged and published.baseline_run_id != stamped:  # an edited baseline would re-decide the verdict
        raise ReportError(  # the stamp is anyone's who can write the run: quoted in part
            f"refusing to publish: report.json names baseline {published.baseline_run_id or 'none'}, but run"
            f" {run.run_id}'s check was judged against {excerpt(stamped or 'none')} in HoneyHive",
            file=published.file,
        )
    if rules is None:
        notes: tuple[str, ...] = (
            f"Judged with the default branch's experiment file: run {run.run_id}'s check recorded no rules (an"
            " older honeyhive-experiment judged it, or none did), so a change the pull request made to its gates,"
            " passing ranges, verdict, metrics or baseline strategy is not applied here.",
        )
    else:
        try:
            config, notes = _judged_by(
                config, rules, "the pull request's experiment file, which changes the default branch's rules"
            )
        except ReportError as exc:  # the key and message are the run's metadata's: anyone's who can write the run
            message = f"refusing to publish: run {run.run_id}'s check recorded rules that are not valid: {exc.message}"
            raise ReportError(excerpt(message, 500), key=excerpt(exc.key or "", 200) or None) from None
    explicit = None if judged else settings.baseline_run_id  # judged: as its check was, whatever baseline-run-id says
    judgement = _judge_recorded(
        dataclasses.replace(job, config=config),
        run,
        baseline_run_id=explicit,
        ranges_are_the_runs=rules is not None,
        notes=notes,
    )
    triggering = settings.triggering_run
    conclusion = triggering.conclusion if triggering is not None else None
    verdict = judgement.decision.verdict
    if verdict in (Verdict.PASS, Verdict.NEUTRAL) and conclusion != "success":  # never greener than the check
        raise ReportError(
            f"refusing to publish: the triggering workflow run concluded {conclusion or 'with no conclusion'}, but"
            f" run {run.run_id} reads {verdict} here (an earlier attempt's artifact, a job other than the"
            " experiment's failing, or the run's check changed in HoneyHive): the comment would be greener than the"
            " check; see the triggering run's log",
            file=published.file,
        )
    return judgement


def _stamped_check(run: ExperimentRun) -> tuple[bool, str | None, object]:
    """Whether this tool judged ``run`` (its ``metadata.check`` has a verdict, not ``pending``), the baseline it was
    judged against (``None``: none), and the rules that judged it as stamped (``None``: none were)."""
    if check_verdict(run) in (None, PENDING):  # the one reading of metadata.check.verdict; pending: never stamped
        return False, None, None
    check = run.metadata["check"]  # a mapping, since it holds a verdict
    stamped = check.get("baseline_run_id")
    return True, stamped if isinstance(stamped, str) and stamped else None, check.get("rules")


def _judged_by(config: ExperimentConfig, rules: object, by: str) -> tuple[ExperimentConfig, tuple[str, ...]]:
    """``config`` with the ``rules`` a run's check recorded, and a note naming those that differ from its own (``by``:
    what the note says judged the run). Raises ReportError naming the key of the first that does not validate, and
    pydantic's words for what is wrong with it."""
    try:
        judging = JudgingRules.model_validate(rules)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ReportError(error["msg"], key=".".join(["metadata.check.rules", *map(str, error["loc"])])) from None
    changed = [name for name, value in judging if getattr(config, name) != value]
    if not changed:
        return config, ()
    return config.judged_by(judging), (f"Judged as its check was, by {by}: {', '.join(changed)}.",)


def _viewed_by(
    config: ExperimentConfig, run: ExperimentRun, config_file: str
) -> tuple[ExperimentConfig, tuple[str, ...], bool]:
    """``view``'s rules for ``run``: ``config`` (``config_file``'s) with the rules its check recorded, as ``mode:
    publish`` judges it, the notes saying what that changed, and whether the passing ranges are then the run's; else
    (no rules recorded, or rules that do not validate: a note says why) ``config`` itself."""
    judged, _, rules = _stamped_check(run)
    instead = f"{config_file}'s gates and verdict rules judge it here, which need not be those its check judged it by"
    if rules is None and check_verdict(run) == Verdict.ERROR:  # stamped so, without rules or a baseline
        errored = (
            f"Run {run.run_id}'s check ended in an error, so it has no verdict: its job says why. {config_file}'s"
            " gates and verdict rules judge it here, against the baseline the baseline rules pick now."
        )
        return config, (errored,), False
    if rules is None:
        older = f"Run {run.run_id}'s check recorded no rules (an older honeyhive-experiment judged it): {instead}."
        return config, (older,) if judged else (), False
    try:
        ruled, notes = _judged_by(config, rules, f"the rules it recorded on the run, which differ from {config_file}'s")
    except ReportError as exc:
        invalid = f"Run {run.run_id}'s check recorded rules that are not valid ({exc.key}: {exc.message}): {instead}."
        return config, (invalid,), False
    return ruled, notes, True


def _unknown_ranges(
    given: Mapping[str, PassingRangeConfig], reported: Collection[str], run_id: str, config_file: str
) -> tuple[str, ...]:
    """The note naming the passing ranges ``given`` by ``config_file`` (which need not be run ``run_id``'s) that the
    backend reports no range of the run for (``reported``: those it does): a metric the run was made without a range
    for, which no datapoint passed or failed by, or one without values, for which it reports none either. They are
    never shown as the run's, nor judge it (:func:`_judge_recorded`)."""
    unshown = [f"{name} ({format_range(r.min, r.max)})" for name, r in given.items() if name not in reported]
    if not unshown:
        return ()
    several = len(unshown) > 1
    ranges, are, those = ("ranges", "are", "those metrics") if several else ("range", "is", "that metric")
    it = "them" if several else "it"
    return (
        f"The passing {ranges} {config_file} gives {', '.join(unshown)} {are} not known to be run {run_id}'s:"
        f" HoneyHive reports no range of the run for {those} (nor does it for a metric without values), and it judged"
        f" the run's datapoints by the ranges the run was made with, so here no datapoint passed or failed by {it},"
        f" the verdict does not take {it} into account, and the table shows no status by {it}.",
    )


def _unfinished(run: ExperimentRun, again: str) -> str | None:
    """Why ``run`` is not judged, and what to do (``again``: once it completes), when it is not ``completed``: what
    it holds is part of its datapoints at most, and judged it would read as the run's result. ``None`` when it is
    completed (or the backend gives no status)."""
    how = not_completed(run)  # what completed_runs, the baseline rules' runs, are too
    if how is None:
        return None
    if how == "running":
        return f"run {run.run_id} is still {run.status}, not completed: wait until it completes, then {again}"
    stopped = "it stopped before every datapoint was recorded, so it has no verdict"
    cancelled = run.status == ExperimentRunStatus.CANCELLED  # stopped on purpose (a signal): no error to re-run for
    then = "what it recorded before it was cancelled is kept" if cancelled else "re-run the experiment"
    return f"run {run.run_id} is {run.status}, not completed: {stopped}; {then}"


def _judge_recorded(
    job: Job,
    run: ExperimentRun,
    *,
    baseline_run_id: str | None,
    ranges_are_the_runs: bool,
    notes: tuple[str, ...],
) -> Judgement:
    """:func:`judge` of a run an earlier invocation recorded, for publish and view: its result, outcomes, dataset,
    trials, commit (and repository, where this invocation knows none) are the run's, from the backend, not this
    checkout's; its baseline ``baseline_run_id``, else its check's (with the check's note), else (never judged, or
    its check errored) the rules' pick. ``notes``: the caller's, after the judgement's own. ``ranges_are_the_runs``
    false: only the passing ranges the backend reports for the run judge it (:func:`_unknown_ranges` names the
    others)."""
    client, config, settings = job.client, job.config, job.settings
    judged, stamped_baseline, _ = _stamped_check(run)
    judged = judged and check_verdict(run) != Verdict.ERROR  # an error's stamp holds no baseline: none was judged
    from_stamp = judged and not baseline_run_id
    identity = DatasetIdentity.of_run(run)
    dataset = PreparedDataset(identity.dataset_id, (), external=is_external_id(identity.dataset_id), identity=identity)
    ingested = Deadline(config.ingestion.timeout)  # one for the summary's wait and the comparison's
    summary = client.wait_for_result(  # once computed: a summary still pending or running lacks aggregates
        run.run_id, 0, timeout=ingested, aggregate_function=config.aggregate_function.value
    )
    ranges = config.passing_ranges  # the file's, all shown (a range the backend has none for: without status)
    if not ranges_are_the_runs:  # only the ranges the run is known to have been made with judge it
        reported = {detail.metric_name for detail in summary.metrics.details if detail.passing_range is not None}
        config = config.model_copy(update={"passing_ranges": {n: r for n, r in ranges.items() if n in reported}})
        notes = (*notes, *_unknown_ranges(ranges, reported, run.run_id, settings.config_file))
    recorded = recorded_outcomes(client, run.run_id, run)
    result = ExperimentResult(run.run_id, run.name or config.name, identity.dataset_id, summary, recorded)
    # a view outside Actions has no repository: the run's baselines are of its own
    repository = settings.ci.repository or stamp_of(run, "repository")
    commit = stamp_of(run, "sha")  # what the run measured, not what is checked out now (publish checked it is ci.sha)
    update = {"trials": trials_of(run, summary), "baseline_run_id": stamped_baseline if from_stamp else baseline_run_id}
    settings = settings.model_copy(update=update).with_ci(repository=repository, sha=commit, dirty=is_dirty(run))
    job = dataclasses.replace(job, config=config, settings=settings)
    judgement = judge(job, result, dataset, pick=not judged, deadline=ingested)
    decision, baseline, stood_in = judgement.decision, judgement.baseline, None
    if run.datapoint_count is None and not run.datapoint_ids:  # nothing says that a datapoint was never recorded
        unknown = (
            f"This job cannot tell how many datapoints run {run.run_id} was meant to have: it was recorded without"
            " metadata.datapoint_count (by an older version or another tool), so a datapoint HoneyHive never"
            " recorded is not in these counts."
        )
        decision = dataclasses.replace(decision, warnings=(*decision.warnings, unknown))
    if from_stamp and baseline is not None:  # named as its check's, not as one asked for (judge took it as explicit)
        note = run.metadata["check"].get("baseline_note")  # a mapping, since the check has a verdict
        stood_in = note if isinstance(note, str) and note else None
        baseline = dataclasses.replace(baseline, why="the baseline its check was judged against", stood_in=stood_in)
    return dataclasses.replace(
        judgement,
        decision=decision,
        baseline=baseline,
        notes=(*((stood_in,) if stood_in else ()), *judgement.notes, *notes),
        passing_ranges=ranges,
        ranges_are_the_runs=ranges_are_the_runs,
    )


# ------------------------------------------------------------------------------------------------- view


def review(job: Job, run_id: str | None) -> Judgement:
    """``view``: judge a run already recorded (``run_id``, else this experiment file's latest), from the backend's
    own result, as :func:`_judge_recorded` does, by the rules its check recorded, else by this file's
    (:func:`_viewed_by`). Nothing is recorded on the run.

    Raises :class:`~honeyhive_experiment.errors.ArgumentError` when the experiment file has no run, or ``run_id`` is
    not one of its runs (another file's, judged by this file's rules, would mislead), and when the run is not
    completed. A run without an experiment-file stamp (evaluate()'s, an older version's) is judged by this file's
    rules, and a note says so unless this is the default file."""
    settings, config = job.settings, job.config
    if run_id is None:
        run_id = _latest_run(job)
    elif not is_run_id(run_id):  # a path (../runs) would reach another route of the backend
        raise ArgumentError("RUN_ID", f"{run_id!r} is not a run id (python -m honeyhive_experiment runs lists them)")
    else:
        run_id = run_id_as_named(run_id)
    try:
        run = ExperimentRun.model_validate(job.client.get_run(run_id))
    except NotFoundError:
        message = f"no run {run_id} in the backend (python -m honeyhive_experiment runs lists them)"
        raise ArgumentError("RUN_ID", message) from None
    if run.name != config.name:  # judged by this file's ranges and gates, another experiment's run would mislead
        name = excerpt(run.name or "", 200)  # whoever recorded the run's: whole words, so a secret in it is redacted
        message = f"run {run_id} is a run of {name!r}, not of {config.name!r} (this experiment file's)"
        raise ArgumentError("RUN_ID", message)
    file = stamp_of(run, "config_file")
    if file is not None and file != settings.config_file:  # nor another file's run of that name: its own rules
        message = (
            f"run {run_id} was made from the experiment file {excerpt(file, 200)!r}, not from"
            f" {settings.config_file!r} (this one), whose rules would judge it: view it with --config naming that file"
        )
        raise ArgumentError("RUN_ID", message)
    if (unfinished := _unfinished(run, "view it again")) is not None:
        raise ArgumentError("RUN_ID", unfinished)
    config, notes, ranges_are_the_runs = _viewed_by(config, run, settings.config_file)
    leg = stamp_of(run, "variant") or ""  # named by its id: any leg's, viewed as asked
    if not same_origin(run, settings.config_file, None, leg):  # said (the baseline rules count it as the older file's)
        notes += (
            f"Run {run.run_id} carries no experiment-file stamp (evaluate() or an older version of this tool made it):"
            f" nothing says it was made from {settings.config_file}, whose gates and verdict rules judge it here;"
            " which datapoints passed is what the backend recorded, by the passing ranges the run was made with.",
        )
    return _judge_recorded(
        dataclasses.replace(job, config=config),
        run,
        baseline_run_id=settings.baseline_run_id,
        ranges_are_the_runs=ranges_are_the_runs,
        notes=notes,
    )


def _latest_run(job: Job) -> str:
    """The experiment's newest completed run of this experiment file in this repository, as baselines are
    (:func:`~honeyhive_experiment.baseline.same_origin`; the backend's ``name`` filter is a substring match, so the
    name is checked). A newer run still running or cancelled is passed over, and said so (none completed: refused,
    saying so and why the newest is not)."""
    unstamped = unfinished = None
    experiment = job.config.name
    config_file = job.settings.config_file  # read once: it looks for the repository's root on disk
    for raw in job.client.iter_runs(max_pages=5, name=experiment):
        run = ExperimentRun.model_validate(raw)
        if run.name == experiment and same_origin(run, config_file, job.settings.ci.repository, job.settings.variant):
            if not_completed(run) is None:
                if unfinished is not None:
                    shown = f"run {unfinished.run_id} is {unfinished.status}, not completed"
                    log.warning("viewing run %s, the newest completed run of %s: %s", run.run_id, config_file, shown)
                return run.run_id
            unfinished = unfinished or run
        if run.name == experiment and stamp_of(run, "config_file") is None:
            unstamped = unstamped or run.run_id
    this, others = variants_of(job)
    message = f"experiment {experiment!r} has no run of {this} in the backend yet: run it first{others}"
    if unfinished is not None:
        why = _unfinished(unfinished, "view it")
        message = f"experiment {experiment!r} has no completed run of {config_file} yet: {why}"
    if unstamped:
        message += (
            f"; its runs without an experiment-file stamp (evaluate()'s, an older version's) count as"
            f" {DEFAULT_CONFIG_PATH}'s: view one by its id (the newest: {unstamped})"
        )
    raise ArgumentError("RUN_ID", message)


def variants_of(job: Job) -> tuple[str, str]:
    """The experiment file as a job that found no run of it as its variant names it (with the variant, or none, when
    either is said), and what it adds: the variants the backend has runs of the file as, when there are others
    (``--variant`` reads those; :func:`~honeyhive_experiment.baseline.same_origin`)."""
    settings, experiment = job.settings, job.config.name
    legs: set[str] = set()
    for raw in job.client.iter_runs(max_pages=5, name=experiment):
        run = ExperimentRun.model_validate(raw)
        leg = stamp_of(run, "variant") or ""
        if run.name == experiment and same_origin(run, settings.config_file, settings.ci.repository, leg):
            legs.add(leg)
    others = sorted(legs - {settings.variant})
    this = origin(settings.config_file, settings.variant, "said" if settings.variant or others else "")
    if not others:
        return this, ""
    shown = ", ".join(origin(settings.config_file, leg, "said") for leg in others)
    return this, f"; the backend has runs of {shown}: --variant picks which (without it, no variant's)"


# ----------------------------------------------------------------------------------- the datapoint table

MAX_TABLE_ROWS = 5000
"""The most datapoints a report's table holds: beyond it, those that failed or errored first, then those that got
worse."""


def with_details(job: Job, judgement: Judgement) -> Judgement:
    """``judgement`` with both runs' datapoints read back from the backend (their events) for the HTML report's
    table, each linked to its session's page in the app: at most :data:`MAX_TABLE_ROWS` of them
    (:func:`_table_choice` says which). With trials, a datapoint's texts are its first trial's and its values the
    backend's summary's (its means)."""
    client, settings = job.client, job.settings
    summary, comparison = judgement.summary, judgement.comparison
    if judgement.run_id is None or summary is None:
        return judgement
    order = list(summary.datapoint_ids)
    failed = set(summary.failed)
    for outcome in judgement.outcomes:
        if outcome.failed or outcome.evaluator_failures:  # a new crash too: the table's "errored"
            failed.update((outcome.datapoint_id, outcome.session_id))
    worse: set[str] = set()
    if comparison is not None:
        order += comparison.old_only_datapoints or []
        for delta in comparison.metrics:
            lower = judgement.metrics.get(delta.metric_name, _PLAIN).direction is Direction.LOWER
            worse.update(delta.moved(lower=lower)[1])
    chosen = _table_choice(order, failed, worse)
    current = with_backend_values(get_run_records(client, judgement.run_id, keep=chosen.__contains__), summary)
    baseline = None
    if comparison is not None:
        baseline = get_run_records(client, comparison.old_run_id, keep=chosen.__contains__)
        if judgement.baseline is not None and judgement.baseline.trials > 1:  # its values: its datapoints' means
            baseline = with_backend_values(baseline, get_run_result(client, comparison.old_run_id))
    shown = tuple(ident for ident in dict.fromkeys(order) if ident in chosen)
    total = len(dict.fromkeys(order))
    details = DatapointDetails(current, baseline, shown, total, settings.session_link(), not settings.api_key)
    return dataclasses.replace(judgement, details=details)


def _table_choice(order: Collection[str], failed: Collection[str], worse: Collection[str]) -> set[str]:
    """The datapoints of ``order`` a report's table holds, at most :data:`MAX_TABLE_ROWS`: the ``failed`` (or
    errored) first, then those that got ``worse``, then the rest, each group in ``order``'s order (a stable sort).
    A failed datapoint is never left out for one that only got worse: the table's status filter counts them."""

    def group(ident: str) -> int:
        return 0 if ident in failed else 1 if ident in worse else 2

    return set(sorted(dict.fromkeys(order), key=group)[:MAX_TABLE_ROWS])


_PLAIN = MetricConfig()

"""One error tree: every expected error is an ExperimentError that says where (file:line: key) and survives a
copy or a pickle (errors cross threads and processes) with the same text."""

from __future__ import annotations

import copy
import pickle

import pytest

from honeyhive_experiment.errors import (
    ApiError,
    BaselineError,
    ConfigError,
    DatasetError,
    EvaluatorSignatureError,
    ExperimentCancelled,
    ExperimentError,
    IngestionTimeout,
    NotFoundError,
    ReportError,
    SettingsError,
    ShardsDisagree,
    ShardsMissing,
    TemplateError,
    as_error,
)
from honeyhive_experiment.judgement import cancellation_text
from honeyhive_experiment.models.outcomes import DatapointOutcome, OutcomeStatus

pytestmark = pytest.mark.unit

CASES = [
    (ExperimentError("plain"), "plain", (None, None, None)),
    (ExperimentError("m", file="a.yml", line=3, key="k"), "a.yml:3: k: m", ("a.yml", 3, "k")),
    (ExperimentError("m", file="a.yml"), "a.yml: m", ("a.yml", None, None)),
    (ConfigError("e.yml", 7, "metrics.x", "bad"), "e.yml:7: metrics.x: bad", ("e.yml", 7, "metrics.x")),
    (ConfigError("e.yml", None, "", "not found"), "e.yml: not found", ("e.yml", None, "")),
    (SettingsError("fail-on-error", "expected true or false"), "input fail-on-error: expected true or false", None),
    (
        SettingsError("GITHUB_RUN_ID", "expected a number", kind="environment"),
        "environment GITHUB_RUN_ID: expected a number",
        None,
    ),
    (DatasetError("d.jsonl", 4, None, "not JSON"), "d.jsonl:4: not JSON", ("d.jsonl", 4, None)),
    (DatasetError("d.json", 3, "record 2", "bad"), "d.json:3: record 2: bad", ("d.json", 3, "record 2")),
    (
        DatasetError("d.csv", 2, "column 'inputs.n:int'", "bad cell"),
        "d.csv:2: column 'inputs.n:int': bad cell",
        ("d.csv", 2, "column 'inputs.n:int'"),
    ),
    (DatasetError("d.csv", None, None, "empty"), "d.csv: empty", ("d.csv", None, None)),
    (ApiError("GET", "/v1/runs", 500, "boom"), "GET /v1/runs failed with HTTP 500: boom", (None, None, None)),
    (NotFoundError("GET", "/v1/runs/x", 404, "no run"), "GET /v1/runs/x failed with HTTP 404: no run", None),
    (
        IngestionTimeout("r1", 3, 5, 2.0),
        "run r1: only 3 of 5 datapoints were visible in the backend after waiting 2.0 s",
        None,
    ),
    (ExperimentCancelled("r2"), "run r2 was cancelled while running the datapoints", None),
    (
        ExperimentCancelled("r3", marked=False, phase="comparing with the baseline"),
        "run r3 was cancelled while comparing with the baseline",
        None,
    ),
    (TemplateError("t.j2", "invalid template: x", 3), "t.j2:3: invalid template: x", ("t.j2", 3, None)),
    (ReportError("refusing", file="report.json"), "report.json: refusing", ("report.json", None, None)),
    (BaselineError("no such run"), "no such run", None),
    (ShardsMissing("shard 2/4 owes 3"), "shard 2/4 owes 3", None),
    (ShardsDisagree("run r1 was started with trials 3"), "run r1 was started with trials 3", None),
    (EvaluatorSignatureError("bad evaluator"), "bad evaluator", None),
]


@pytest.mark.parametrize(
    ("error", "text", "where"), CASES, ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_every_error_is_one_of_the_tree_and_says_where(
    error: ExperimentError, text: str, where: tuple[str | None, int | None, str | None] | None
) -> None:
    assert isinstance(error, ExperimentError)
    assert str(error) == text
    if where is not None:
        assert (error.file, error.line, error.key) == where
    for copied in (copy.deepcopy(error), pickle.loads(pickle.dumps(error))):
        assert type(copied) is type(error)
        assert str(copied) == text


def test_settings_and_signature_errors_are_still_value_and_type_errors() -> None:
    """Callers that caught the built-in kinds before the tree keep working."""
    assert isinstance(SettingsError("x", "y"), ValueError)
    assert isinstance(EvaluatorSignatureError("x"), TypeError)


def test_a_local_run_announces_an_error_without_the_terminal_escapes_in_it(capsys: pytest.CaptureFixture[str]) -> None:
    # an evaluator's exception message reaches "error: verdict fail: ..." on standard error; its ANSI escapes were
    # printed raw (recolouring or clearing the user's terminal) while the terminal report strips them
    from honeyhive_experiment.delivery import announce
    from honeyhive_experiment.settings import Settings

    announce(Settings.from_args({}, {}), "error", ExperimentError("verdict fail: bad \x1b[2J\x1b[31mred\x1b[0m\nnext"))

    assert capsys.readouterr().err == "error: verdict fail: bad red\nnext\n"


def test_a_dataset_error_announced_on_its_line_still_names_the_column(capsys: pytest.CaptureFixture[str]) -> None:
    # "error: d.csv:2: invalid JSON" left the user to guess which of the row's cells was meant
    from honeyhive_experiment.delivery import announce
    from honeyhive_experiment.settings import Settings

    error = DatasetError("d.csv", 2, "column 'inputs.v:json'", "invalid JSON")
    announce(Settings.from_args({}, {}), "error", error)

    assert capsys.readouterr().err == "error: d.csv:2: column 'inputs.v:json': invalid JSON\n"


@pytest.mark.parametrize(
    ("statuses", "said"),
    [
        (("ok", "ok"), " 2 of 2 datapoint(s) were recorded; it is marked"),
        (("ok", "function_error", "skipped"), " 2 of 3 datapoint(s) were recorded; it is marked"),
        # cancelled mid-function or mid-evaluators: a session, but nothing scored in it
        (("ok", "cancelled", "skipped"), " 1 of 3 datapoint(s) were recorded (1 more cancelled while their"),
        (("cancelled", "backend_error"), " 0 of 2 datapoint(s) were recorded (1 more cancelled while their"),
        (("cancelled",), "cancelled while their function or evaluators ran);"),
    ],
)
def test_a_cancelled_run_counts_only_the_datapoints_it_finished_as_recorded(
    statuses: tuple[str, ...], said: str
) -> None:
    outcomes = [
        DatapointOutcome(index=i, datapoint_id=f"d{i}", session_id=f"s{i}", status=OutcomeStatus(status))
        for i, status in enumerate(statuses)
    ]
    assert said in cancellation_text(ExperimentCancelled("r1", outcomes, marked=True))


@pytest.mark.parametrize(
    ("statuses", "said"),
    [
        # datapoint d0's trials, then d1's: "8 of 30 datapoint(s) were recorded" counted trials as datapoints
        (
            (("ok", "ok"), ("ok", "skipped")),
            " 3 of 4 trials were recorded; 1 of the 2 datapoints has every trial recorded; it is marked",
        ),
        (
            (("ok", "cancelled", "skipped"), ("ok", "function_error", "ok")),
            " 4 of 6 trials were recorded (1 more cancelled while their function or evaluators ran); 1 of the 2"
            " datapoints has every trial recorded;",
        ),
        ((("skipped", "skipped"), ("cancelled", "skipped")), " 0 of 4 trials were recorded (1 more cancelled"),
        ((("ok", "ok"), ("ok", "ok")), " 4 of 4 trials were recorded; 2 of the 2 datapoints have every trial"),
    ],
)
def test_a_cancelled_run_with_trials_counts_trials_and_the_datapoints_whole(
    statuses: tuple[tuple[str, ...], ...], said: str
) -> None:
    outcomes = [
        DatapointOutcome(index=i, datapoint_id=f"d{i}", session_id=f"s{i}-{t}", status=OutcomeStatus(status), trial=t)
        for i, trials in enumerate(statuses)
        for t, status in enumerate(trials)
    ]
    text = cancellation_text(ExperimentCancelled("r1", outcomes, marked=True))
    assert said in text
    assert "datapoint(s) were recorded" not in text


class _Unsayable(Exception):
    def __str__(self) -> str:
        raise ValueError("no words")


def test_an_unexpected_error_whose_str_raises_is_said_by_its_type() -> None:
    """``f"…{exc}"`` raised out of the boundary that turns a bug of ours into an error: a traceback, exit 1."""
    assert str(as_error(_Unsayable())) == "unexpected _Unsayable: <_Unsayable object: str() raised ValueError>"

"""An ``error`` verdict's "What to check": the advice for the kind of error the invocation caught, first and alone,
then the job log. One row per kind: the exception as the invocation layer catches it, through ``error_kind`` and
``failure`` into the judgement, ``build_report`` and the rendered comment and job summary. The kinds a run reaches
cheaply are run for real in ``tests/honeyhive_experiment/test_error_advice_run.py``."""

from __future__ import annotations

import dataclasses

import pytest

from honeyhive_experiment.errors import (
    ApiError,
    ArgumentError,
    BackendUnreachable,
    BaselineError,
    ConfigError,
    DatasetError,
    EvaluatorSignatureError,
    ExperimentCancelled,
    ExperimentError,
    IngestionTimeout,
    InstallError,
    NotFoundError,
    ReportError,
    SettingsError,
    ShardsDisagree,
    ShardsMissing,
    TemplateError,
    WebPageAnswer,
)
from honeyhive_experiment.judgement import Judgement, error_kind, failure
from tests.honeyhive_experiment.report.scenarios import (
    JOB_LOG,
    base_input,
    render_comment,
    render_summary,
    render_terminal,
    report_json,
    what_to_check,
)

pytestmark = pytest.mark.unit

API_KEY = "`api-key`"


def judged(caught: BaseException) -> Judgement:
    """The judgement the invocation layer makes of ``caught`` (a bug or a signal is wrapped as it wraps them)."""
    exc = caught if isinstance(caught, ExperimentError) else ExperimentError(f"unexpected {type(caught).__name__}")
    decision, error, notes = failure(exc, cancelled=False)
    return dataclasses.replace(
        base_input(run_id=None, run_url=None),
        decision=decision,
        error=error,
        error_kind=error_kind(caught),
        notes=notes,
    )


# (the exception caught, its kind, what the first item of the advice is about)
ROWS: list[tuple[BaseException, str, str]] = [
    (ConfigError(".honeyhive/experiment.yml", 23, "max_workerz", "unknown key"), "config", "the experiment file"),
    (SettingsError("comment-mode", "expected one of update, new, off"), "input", "the input, flag"),
    (ArgumentError("dataset", "expected a list of records"), "input", "the input, flag"),
    (DatasetError("data/questions.jsonl", 3, None, "invalid JSON"), "dataset", "the dataset, at the row"),
    (EvaluatorSignatureError("function 'answer' takes no datapoint parameter"), "signature", "the parameters"),
    (ApiError("POST", "/v1/runs", 401, "invalid API key"), "auth", "the `api-key` input"),
    (ApiError("POST", "/v1/runs", 403, "forbidden"), "auth", "the `api-key` input"),
    (NotFoundError("GET", "/v1/datasets", 404, "no dataset"), "not_found", "exists in HoneyHive"),
    (BackendUnreachable("POST /v1/runs: no answer"), "unreachable", "the `server-url` input"),
    (ApiError("POST", "/v1/runs", 500, "internal error"), "backend", "re-run the job"),
    (ApiError("POST", "/v1/runs", 507, "the database was removed"), "storage", "could not be written (HTTP 507)"),
    (WebPageAnswer("POST /v1/runs answered HTTP 200 with a web page"), "unreachable", "the `server-url` input"),
    (IngestionTimeout("run-1", 4, 6, 120.0), "ingestion", "`ingestion.timeout`"),
    (BaselineError("baseline run x does not exist"), "baseline", "the baseline asked for"),
    (ExperimentCancelled("run-1", marked=True), "cancelled", "what cancelled the job"),
    (KeyboardInterrupt(), "cancelled", "what cancelled the job"),
    (ShardsMissing("shard 2 of 3 never arrived"), "shards", "the shard jobs"),
    (ShardsDisagree("run r1 was started with trials 3 (this job: 1)"), "shards", "the shard jobs"),
    (TemplateError(".honeyhive/comment.md.j2", "invalid template", 2), "template", "the comment template"),
    (ReportError("refusing to publish", file="report.json"), "report", "the report.json"),
    (InstallError("pip could not install 'nope'", key="install"), "install", "the `install` input"),
    (ZeroDivisionError("division by zero"), "bug", "a bug in honeyhive-experiment"),
    (ExperimentError("something else went wrong"), "other", "the `api-key` and `server-url` inputs"),
]


@pytest.mark.parametrize(("caught", "kind", "about"), ROWS, ids=[f"{k}-{type(c).__name__}" for c, k, _ in ROWS])
def test_the_advice_is_for_the_kind_of_error_caught(caught: BaseException, kind: str, about: str) -> None:
    data = judged(caught)
    assert report_json(data)["error_kind"] == kind
    comment = render_comment(data).text
    advice = what_to_check(comment)
    assert about in advice[0], advice
    assert advice[-1] == JOB_LOG
    # the key is only suspected when the backend refused it (or nothing says what kind of error it was)
    assert any(API_KEY in item for item in advice) == (kind in ("auth", "other")), advice
    assert any("`ingestion.timeout`" in item for item in advice) == (kind in ("ingestion", "other")), advice
    if kind != "other":
        assert len(advice) <= 3, advice
    assert what_to_check(render_summary(data)) == advice  # the job summary renders from the same template


@pytest.mark.parametrize("caught", [ROWS[0][0], ROWS[3][0]], ids=["config", "dataset"])
def test_the_advice_to_validate_says_what_validate_runs(caught: BaseException) -> None:
    """It said validate checks it "without running anything": validate runs the function and the evaluators on the
    first datapoint (recording nothing), only ``--no-probe`` runs none."""
    item = what_to_check(render_comment(judged(caught)).text)[0]
    assert item.endswith("recording nothing: it runs the first datapoint only, or none with `--no-probe`)"), item


def test_a_report_without_an_error_has_no_error_kind() -> None:
    assert report_json(base_input())["error_kind"] is None


def test_every_problem_of_a_config_error_is_shown_once_in_full() -> None:
    first = ConfigError(
        "exp.yml", 3, "max_workerz", " ".join(["unknown key 'max_workerz'; did you mean 'max_workers'?"] * 8)
    )
    second = ConfigError("exp.yml", 4, "trialz", "unknown key 'trialz'; did you mean 'trials'?")
    first.issues = (first, second)
    data = judged(first)
    comment = render_comment(data).text
    assert (comment.count(str(first)), comment.count(str(second))) == (1, 1)
    terminal = render_terminal(data)
    assert (terminal.count(str(first)), terminal.count(str(second))) == (1, 1)
    assert terminal.count("max_workerz: unknown key") == 1  # not again as a clipped reason under the verdict

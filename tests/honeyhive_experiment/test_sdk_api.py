"""A script written for the official SDK runs with only its import line changed (issue 13).

The same script text is run twice against one local backend: with ``from honeyhive import evaluate`` (the official
SDK 1.7, from PyPI) and with ``from honeyhive_experiment import evaluate``. Both runs must get the same result
from the backend (aggregates, passed/failed, per-datapoint outcomes) and the returned objects must answer the
SDK's attributes with the same values. Then the SDK's environment defaults, for ``evaluate`` and for
``HoneyHiveClient`` built with keywords.
"""

from __future__ import annotations

import copy
import json
import logging
import pickle
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from honeyhive_experiment import HoneyHiveClient, evaluate
from honeyhive_experiment.connection import API_KEY_VARIABLES, DEFAULT_SERVER_URL, SERVER_URL_VARIABLES, ArgumentError
from honeyhive_experiment.external import prepare_external_dataset
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY
from tests.quickstart import git as quickstart_git
from tests.quickstart import init_repository

pytestmark = pytest.mark.integration

SCRIPT = """
{import_line}


def support_bot(datapoint):
    n = datapoint["inputs"]["n"]
    return {{"answer": str(2 * n + (1 if n in (3, 7, 8) else 0))}}


def exact_match(outputs, inputs, ground_truth):
    return outputs["answer"] == ground_truth["answer"]


def closeness(outputs, inputs, ground_truth=None):
    gap = abs(int(outputs["answer"]) - int(ground_truth["answer"]))
    return {{"score": 1.0 if gap == 0 else 0.5, "explanation": f"off by {{gap}}"}}


DATASET = [{{"inputs": {{"n": i}}, "ground_truth": {{"answer": str(2 * i)}}}} for i in range(10)]

result = evaluate(
    function=support_bot,
    dataset=DATASET,
    evaluators=[exact_match, closeness],
    api_key=API_KEY,
    server_url=SERVER_URL,
    project="any-project",
    name="{name}",
    max_workers=4,
    aggregate_function="average",
    verbose=False,
    print_results=False,
)
"""
SDK_IMPORT = "from honeyhive import evaluate"
OUR_IMPORT = "from honeyhive_experiment import evaluate"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*API_KEY_VARIABLES, *SERVER_URL_VARIABLES, "HH_PROJECT", "HH_OTLP_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _run_script(import_line: str, name: str, backend: LocalBackend) -> Any:
    namespace: dict[str, Any] = {"API_KEY": API_KEY, "SERVER_URL": backend.url}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(SCRIPT.format(import_line=import_line, name=name), f"<{name}>", "exec"), namespace)
    assert any("project" in str(w.message) for w in caught)  # both say that project is ignored
    return namespace["result"]


def _backend_view(client: httpx.Client, run_id: str) -> dict[str, Any]:
    """The backend's summary of a run, without what differs between two runs of the same script (ids, times)."""
    body = client.get(f"/v1/runs/{run_id}/summary").json()
    return {
        "status": body["status"],
        "success": body["success"],
        "passed": sorted(body["passed"]),
        "failed": sorted(body["failed"]),
        "metrics": sorted(
            (m["metric_name"], m["event_name"], m["event_type"], m["aggregate"], sorted(m["values"]))
            for m in body["metrics"]["details"]
        ),
        "datapoints": sorted(
            (d["datapoint_id"], d["passed"], sorted((m["name"], m["value"], m["passed"]) for m in d["metrics"]))
            for d in body["datapoints"]
        ),
    }


def test_the_sdk_script_runs_unchanged_with_only_the_import_changed(
    backend: LocalBackend, client: httpx.Client, clean_env: pytest.MonkeyPatch
) -> None:
    sdk = _run_script(SDK_IMPORT, "sdk-run", backend)
    ours = _run_script(OUR_IMPORT, "our-run", backend)

    # passing ranges are the backend's business; the SDK cannot set them, so both runs get them afterwards
    for run_id in (sdk.run_id, ours.run_id):
        ranges = {"exact_match": {"min": 1}, "closeness": {"min": 0.75}}
        assert client.put(f"/v1/runs/{run_id}", json={"passing_ranges": ranges}).status_code == 200
        stored = client.get(f"/v1/runs/{run_id}").json()["evaluation"]
        assert stored["status"] == "completed"
        assert stored["metadata"]["offline_dataset_id"].startswith("EXT-")

    expected = _backend_view(client, sdk.run_id)
    assert _backend_view(client, ours.run_id) == expected
    # by hand: wrong on 3, 7, 8 → exact_match 7/10, closeness (7 + 3 × 0.5) / 10
    records = [{"inputs": {"n": i}, "ground_truth": {"answer": str(2 * i)}} for i in range(10)]
    _, ids = prepare_external_dataset(records)
    assert expected["failed"] == sorted(ids[i] for i in (3, 7, 8))
    aggregates = {m[0]: m[3] for m in expected["metrics"]}
    assert aggregates["exact_match"] == pytest.approx(0.7)
    assert aggregates["closeness"] == pytest.approx(0.85)

    # the returned objects answer the SDK's attributes alike (read before the ranges: all passed then)
    assert isinstance(ours.run_id, str)
    assert ours.success is sdk.success is True
    assert sorted(ours.passed) == sorted(sdk.passed) == sorted(ids)
    assert ours.failed == sdk.failed == []
    assert len(ours.datapoints) == len(sdk.datapoints) == 10
    sdk_metric = sdk.metrics.get_metric("closeness")
    sdk_aggregate = sdk_metric["aggregate"] if isinstance(sdk_metric, dict) else sdk_metric.aggregate
    our_metric = ours.metrics.metric("closeness")
    assert our_metric is not None
    assert our_metric.aggregate == pytest.approx(sdk_aggregate) == pytest.approx(0.85)
    assert ours.summary.run_id == ours.run_id  # and this package's richer result next to them
    assert len(ours.outcomes) == 10


def test_evaluate_takes_the_sdks_environment_defaults(
    backend: LocalBackend, client: httpx.Client, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("HH_API_URL", backend.url)
    clean_env.setenv("HH_API_KEY", API_KEY)
    with pytest.warns(DeprecationWarning, match="project is ignored"):
        result = evaluate(
            function=lambda datapoint: {"answer": datapoint["inputs"]["n"]},
            dataset=[{"inputs": {"n": 1}}, {"inputs": {"n": 2}}],
            project="ignored",
            name="  ",  # blank: a generated name, as the SDK does (the service rejects an empty one)
            print_results=True,
            verbose=True,
        )
    stored = client.get(f"/v1/runs/{result.run_id}").json()["evaluation"]
    assert stored["status"] == "completed"
    assert stored["name"].strip()
    assert len(result.passed) == 2
    printed = capsys.readouterr()
    assert result.run_id in printed.out
    assert "Passed: 2\nFailed: 0" in printed.out  # as the SDK prints its counts
    assert f"run {result.run_id} summarised" in printed.err  # verbose: the run's log on standard error
    assert not [h for h in logging.getLogger("honeyhive_experiment").handlers if isinstance(h, logging.StreamHandler)]


def test_evaluate_on_a_managed_dataset_by_id(
    backend: LocalBackend, client: httpx.Client, clean_env: pytest.MonkeyPatch
) -> None:
    dataset_id = client.post("/v1/datasets", json={"name": "managed"}).json()["result"]["insertedId"]
    for n in range(3):
        body = {"inputs": {"n": n}, "ground_truth": {"answer": n}, "linked_datasets": [dataset_id]}
        assert client.post("/v1/datapoints", json=body).status_code == 200
    result = evaluate(
        function=lambda datapoint: {"answer": datapoint["inputs"]["n"]},
        dataset_id=dataset_id,
        evaluators=[lambda outputs, inputs, ground_truth: outputs["answer"] == ground_truth["answer"]],
        api_key=API_KEY,
        server_url=backend.url,
    )
    assert result.dataset_id == dataset_id
    assert result.success is True
    assert len(result.datapoints) == 3
    assert client.get(f"/v1/runs/{result.run_id}").json()["evaluation"]["dataset_id"] == dataset_id


def test_honeyhive_client_takes_keywords_and_the_same_defaults(
    backend: LocalBackend, clean_env: pytest.MonkeyPatch
) -> None:
    with HoneyHiveClient(backend.url, API_KEY) as positional:  # the original form keeps working
        assert positional.list_runs()["evaluations"] == []
    with HoneyHiveClient(server_url=backend.url + "/", api_key=API_KEY) as keywords:
        assert keywords.base_url == backend.url
        assert keywords.list_runs()["evaluations"] == []
    assert API_KEY not in repr(keywords)
    with HoneyHiveClient(environ={"HH_API_URL": backend.url, "HH_API_KEY": API_KEY}) as mapped:
        assert mapped.list_runs()["evaluations"] == []

    clean_env.setenv("HONEYHIVE_SERVER_URL", backend.url)
    clean_env.setenv("HONEYHIVE_API_KEY", API_KEY)
    with HoneyHiveClient(None, None) as from_env:  # None as the URL: the environment's (was an AttributeError)
        assert from_env.base_url == backend.url
        assert from_env.list_runs()["evaluations"] == []
    clean_env.delenv("HONEYHIVE_SERVER_URL")
    with HoneyHiveClient() as default:
        assert default.base_url == DEFAULT_SERVER_URL

    clean_env.delenv("HONEYHIVE_API_KEY")
    with pytest.raises(ArgumentError, match="HH_API_KEY") as missing:
        HoneyHiveClient(backend.url)
    assert missing.value.argument == "api_key"
    with pytest.raises(ArgumentError) as both:
        HoneyHiveClient(backend.url, API_KEY, server_url="http://127.0.0.1:9")
    assert both.value.argument == "server_url"


def test_what_evaluate_prints_is_redacted_of_its_key(
    backend: LocalBackend, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``print_results`` prints each datapoint's error and ``verbose`` the run's log: an error quoting the key the
    run was given (an upstream's "invalid key …") shows it as ``***``, as the command line's log does."""
    clean_env.setenv("HH_API_URL", backend.url)
    clean_env.setenv("HH_API_KEY", API_KEY)

    def leaky(datapoint: dict[str, Any]) -> dict[str, Any]:
        raise PermissionError(f"upstream refused the key {API_KEY}")

    result = evaluate(function=leaky, dataset=[{"inputs": {"n": 1}}], print_results=True, verbose=True)
    printed = capsys.readouterr()
    assert "upstream refused the key ***" in printed.out, printed.out  # the error is printed, its key is not
    assert API_KEY not in printed.out + printed.err
    assert result.errors[0].error == "PermissionError: upstream refused the key ***"  # the result is redacted too


def test_what_evaluate_prints_is_redacted_of_the_environments_secrets(
    backend: LocalBackend, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the command line's output is: a secret the environment names as one (``DB_PASSWORD``), or another
    HoneyHive key than the run's, was printed as it was when the user's code put it in an error."""
    password, other_key = "Tr0ub4dor&3/horse+staple", "hh-other-key-4567"
    clean_env.setenv("DB_PASSWORD", password)
    clean_env.setenv("HONEYHIVE_API_KEY", other_key)

    def leaky(datapoint: dict[str, Any]) -> dict[str, Any]:
        raise PermissionError(f"the database refused {password}, HoneyHive {other_key}")

    with HoneyHiveClient(backend.url, API_KEY) as client:
        evaluate(function=leaky, dataset=[{"inputs": {"n": 1}}], client=client, print_results=True)
    printed = capsys.readouterr()
    assert "the database refused ***, HoneyHive ***" in printed.out, printed.out
    assert password not in printed.out + printed.err
    assert other_key not in printed.out + printed.err


def test_what_evaluate_returns_is_redacted_as_what_it_records(hh: HoneyHiveClient) -> None:
    """The result holds what the run recorded in HoneyHive: its outputs were redacted of the run's keys and the
    environment's secrets, and now so are its errors, its evaluators' errors and its metrics (an explanation), which
    held them as raised (``print(result.errors)``, as the README's example does, put the key into a CI log)."""

    def leaky(datapoint: dict[str, Any]) -> dict[str, Any]:
        if datapoint["inputs"]["n"] == 0:
            raise PermissionError(f"upstream refused the key {API_KEY}")
        return {"answer": f"called with {API_KEY}"}

    def judge(outputs: Any, inputs: Any) -> dict[str, Any]:
        return {"score": 1, "explanation": f"the key was {API_KEY}"}

    def broken_judge(outputs: Any, inputs: Any) -> float:
        raise ValueError(f"no judge for {API_KEY}")

    records = [{"inputs": {"n": n}} for n in range(2)]
    result = evaluate(leaky, records, evaluators=[judge, broken_judge], client=hh, print_results=False)
    assert [str(e) for e in result.errors] == [
        f"{result.outcomes[0].datapoint_id}: function: PermissionError: upstream refused the key ***",
        f"{result.outcomes[1].datapoint_id}: evaluator broken_judge: ValueError: no judge for ***",
    ]
    assert result.outcomes[1].outputs == {"answer": "called with ***"}
    assert result.outcomes[1].metrics["judge_explanation"] == "the key was ***"
    assert result.broken  # broken_judge raised on every datapoint it ran on
    shown = repr((result.errors, result.broken, result.outcomes, result.unrecorded))
    assert API_KEY not in shown


BAD_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("progress", {"progress": 1}),
    ("cancel", {"cancel": True}),
    ("metadata", {"metadata": [1, 2]}),
    ("aggregate_function", {"aggregate_function": ["average"]}),
    ("max_workers", {"max_workers": 257}),
    ("dataset", {"dataset": [{"inputs": "hello"}]}),
    ("verbose", {"verbose": "yes"}),  # these two were taken for their truth, the run made
    ("print_results", {"print_results": "no"}),
    ("dataset_id", {"dataset": None, "dataset_id": 1}),  # was a GET of the datasets, then a NotFoundError
    ("evaluators", {"evaluators": [1]}),  # was an EvaluatorSignatureError
]


@pytest.mark.parametrize(("argument", "bad"), BAD_ARGUMENTS, ids=[b[0] for b in BAD_ARGUMENTS])
def test_a_misused_argument_creates_no_run(hh: HoneyHiveClient, argument: str, bad: dict[str, Any]) -> None:
    """Named before anything is sent: the first four were a TypeError or an AttributeError from a run created and
    marked failed, max_workers=10**7 hung once the run existed, and a record's text inputs ran."""
    arguments: dict[str, Any] = {"dataset": [{"inputs": {"n": 1}}], "print_results": False, **bad}
    with pytest.raises(ArgumentError) as raised:
        evaluate(lambda datapoint: {"answer": 1}, client=hh, **arguments)
    assert raised.value.argument == argument
    assert hh.list_runs()["evaluations"] == []


def test_a_progress_callback_that_raises_is_named_and_the_run_goes_on(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller's callback is user code, as the function and the evaluators are: its exception ended the whole run
    (marked failed). Now it is named in one warning and not called again."""
    told: list[int] = []

    def bar(progress: Any) -> None:
        told.append(progress.done)
        raise RuntimeError("the bar broke")

    records = [{"inputs": {"n": n}} for n in range(3)]
    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        result = evaluate(
            lambda dp: {"answer": 1}, records, client=hh, progress=bar, max_workers=1, print_results=False
        )
    assert result.success
    assert len(result.outcomes) == 3
    assert told == [1]
    warned = [r.getMessage() for r in caplog.records if "progress callback" in r.getMessage()]
    assert warned == [
        "the progress callback bar raised RuntimeError: the bar broke: not called again, the run goes on"
    ], warned


def test_a_records_misspelt_key_is_said_once_and_the_run_goes_on(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The rest of a record is the user's, so ``ground_truht`` was kept without a word and the evaluators saw no
    ground truth. It is still kept (legal), and said once per key with the first record that has it, in the record's
    order; the legacy ``ground_truths`` is read, and a key merely like a known one (``outputs``, ``uid``,
    ``dataset_id``) is not said."""
    records = [
        {"inputs": {"n": n}, "ground_truht": {"answer": n}, "ground_truths": {"answer": n}, "notes": "x"}
        | {"outputs": {}, "uid": n, "kind": "a", "dataset_id": "d", "data": 1}
        for n in range(3)
    ]
    records.insert(0, {"inputs": {"n": 9}, "meta_data": {}})
    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        result = evaluate(lambda dp: {"answer": 1}, records, client=hh, max_workers=1, print_results=False)
    assert result.success
    warned = [r.getMessage() for r in caplog.records if "key" in r.getMessage()]
    assert warned == [
        "dataset record 0: key 'meta_data' is the record's own, not read by the run; did you mean 'metadata'?",
        "dataset record 1: key 'ground_truht' is the record's own, not read by the run; did you mean 'ground_truth'?",
    ], warned


def _doubled(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"answer": 2 * datapoint["inputs"]["n"]}


def _exact(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    return bool(outputs["answer"] == ground_truth["answer"])


def test_the_result_pickles_and_copies_as_the_sdks_does(backend: LocalBackend, clean_env: pytest.MonkeyPatch) -> None:
    """A result goes back from a worker process (a ProcessPoolExecutor running two experiments) or is deep-copied:
    the SDK's result allows both, ours raised TypeError ("cannot pickle 'mappingproxy' object") once the run was
    over, losing it."""
    dataset = [{"inputs": {"n": n}, "ground_truths": {"answer": 2 * n}} for n in range(3)]
    result = evaluate(function=_doubled, dataset=dataset, evaluators=[_exact], api_key=API_KEY, server_url=backend.url)
    for copied in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        assert (copied.run_id, copied.success, len(copied.datapoints)) == (result.run_id, result.success, 3)
        assert copied.model_dump() == result.model_dump()


def test_an_evaluators_dict_without_a_score_is_said_once_per_evaluator_and_the_run_succeeds(
    hh: HoneyHiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    """``judge`` returned ``value`` for ``score``: its metric was lost without a word (the SDK logs it on every
    datapoint). Now one warning per evaluator for the run, naming it and the keys it returned, and on each outcome;
    not an error (a dict of several metrics is one), so the run succeeds."""

    def judge(outputs: Any, inputs: Any, ground_truth: Any = None) -> dict[str, Any]:
        return {"value": 0.2, "reason": "answer is off-topic"}

    def grader(outputs: Any, inputs: Any, ground_truth: Any = None) -> dict[str, Any]:
        return {"score": None, "explanation": "could not grade"}

    records = [{"inputs": {"n": n}} for n in range(3)]
    with caplog.at_level(logging.WARNING, logger="honeyhive_experiment"):
        result = evaluate(
            lambda dp: {"answer": 1}, records, evaluators=[judge, grader], client=hh, max_workers=2, print_results=False
        )

    judge_said = (
        "evaluator 'judge' returned a dict with no 'score' (keys: 'value', 'reason'), so there is no metric 'judge',"
        " only judge_<key> ones: fine for a dict of several metrics, else return the metric as 'score'"
    )
    grader_said = (
        "evaluator 'grader' returned a dict with 'score': None (keys: 'score', 'explanation'), so there is no metric"
        " 'grader' where it did"
    )
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == [judge_said, grader_said], warned
    assert [o.warnings for o in result.outcomes] == [(judge_said, grader_said)] * 3
    assert result.success
    assert result.errors == []
    assert {"judge_value", "judge_reason", "grader_explanation"} <= set(result.outcomes[0].metrics)


@pytest.mark.parametrize(
    ("remote", "recorded"),
    [
        ("https://dev:tok123@example.com/o/r.git", "https://example.com/o/r.git"),
        ("https://ghp_tok123@example.com/o/r.git", "https://example.com/o/r.git"),
        ("ssh://git@example.com/o/r.git", "ssh://example.com/o/r.git"),
        ("git@example.com:o/r.git", "git@example.com:o/r.git"),  # scp-like: a user name, no password
    ],
)
def test_evaluate_records_the_checkouts_git_metadata_as_the_sdk_does(
    hh: HoneyHiveClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remote: str, recorded: str
) -> None:
    """The SDK's evaluate() records ``metadata.git`` (commit, branch, author, origin, dirty) of the checkout it runs
    in; ours recorded ``{}``. Now the same, but origin's URL without the credentials in it."""
    from honeyhive.utils.git_context import get_git_context

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hi')\n")
    commit = init_repository(repo, "the app\n\nwith a body the SDK leaves out")
    quickstart_git(repo, "remote", "add", "origin", remote)
    (repo / "notes.txt").write_text("uncommitted\n")  # dirty
    monkeypatch.chdir(repo)

    result = evaluate(lambda dp: {"answer": 1}, [{"inputs": {"n": 1}}], client=hh, print_results=False)

    stored = hh.get_run(result.run_id)["metadata"]["git"]
    assert stored == {**get_git_context(), "remote_url": recorded}
    assert stored["commit_hash"] == commit
    assert stored["commit_message"] == "the app"
    assert stored["branch"] == "main"
    assert stored["is_dirty"] is True
    assert "tok123" not in json.dumps(hh.get_run(result.run_id))


def test_evaluate_without_a_repository_or_without_git_records_no_git_and_runs(
    hh: HoneyHiveClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from honeyhive.utils.git_context import get_git_context

    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert get_git_context() == {}  # the SDK records no git key here either
    result = evaluate(lambda dp: {"answer": 1}, [{"inputs": {"n": 1}}], client=hh, print_results=False)
    assert result.success
    assert "git" not in hh.get_run(result.run_id)["metadata"]

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hi')\n")
    init_repository(repo)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))  # a repository, but no git to ask
    result = evaluate(lambda dp: {"answer": 1}, [{"inputs": {"n": 1}}], client=hh, print_results=False)
    assert result.success
    assert "git" not in hh.get_run(result.run_id)["metadata"]

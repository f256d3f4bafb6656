"""evaluate()'s arguments that cannot be used, alone or together, raise one ArgumentError naming the argument
(a ValueError too, as the SDK raises) before anything is sent: no backend is needed to see it."""

from __future__ import annotations

import math
from collections import UserDict
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from honeyhive_experiment import (
    ArgumentError,
    ExperimentError,
    HoneyHiveClient,
    evaluate,
    external_dataset,
    run_config,
)
from honeyhive_experiment.connection import (
    API_KEY_VARIABLES,
    DEFAULT_SERVER_URL,
    HTTP_URL_EXPECTED,
    SERVER_URL_VARIABLES,
    resolve_connection,
)
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

pytestmark = pytest.mark.unit

RECORDS = [{"inputs": {"n": 1}}]
UNUSED = "http://127.0.0.1:9"  # nothing listens there: a request would fail, and none is made


def app(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"answer": 1}


def app2(outputs: Any, inputs: Any) -> int:
    return 1


class Instrumentor:  # an OpenTelemetry instrumentor's shape
    def instrument(self, **kwargs: Any) -> None: ...

    def uninstrument(self) -> None: ...


SENT = {"api_key": "k", "server_url": UNUSED}
CYCLE: dict[str, Any] = {"inputs": {}}
CYCLE["inputs"]["self"] = CYCLE


@pytest.fixture
def client() -> Any:
    with HoneyHiveClient(UNUSED, "key") as c:
        yield c


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*API_KEY_VARIABLES, *SERVER_URL_VARIABLES):
        monkeypatch.delenv(name, raising=False)


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("no dataset", {"api_key": "k"}, "dataset", "dataset_id="),
    ("both datasets", {"dataset": RECORDS, "dataset_id": "abc", "api_key": "k"}, "dataset_id", "not both"),
    ("prepared and id", {"dataset": external_dataset(RECORDS), "dataset_id": "x"}, "dataset_id", "not both"),
    ("id as dataset", {"dataset": "64f0c0ffee", "api_key": "k"}, "dataset", "dataset_id="),
    ("one record", {"dataset": {"inputs": {}}, "api_key": "k"}, "dataset", "dict"),
    ("not a record", {"dataset": [{"inputs": {}}, 3], "api_key": "k"}, "dataset", "record 1 is not a mapping (int)"),
    ("a number", {"dataset": 3, "api_key": "k"}, "dataset", "int"),
    ("no key", {"dataset": RECORDS, "server_url": UNUSED}, "api_key", "HH_API_KEY"),
    ("blank key", {"dataset": RECORDS, "api_key": "  ", "server_url": UNUSED}, "api_key", "HH_API_KEY"),
    ("not a URL", {"dataset": RECORDS, "api_key": "k", "server_url": "localhost:8080"}, "server_url", "http(s)"),
    ("no workers", {"dataset": RECORDS, "api_key": "k", "max_workers": 0}, "max_workers", "from 1 to 256"),
    ("bool workers", {"dataset": RECORDS, "api_key": "k", "max_workers": True}, "max_workers", "from 1 to 256"),
    ("aggregate", {"dataset": RECORDS, "api_key": "k", "aggregate_function": "mean"}, "aggregate_function", "p95"),
    # the experiment file's bound: 10**7 hung, filling a connection pool's queue that size, the run created
    ("too many workers", {"dataset": RECORDS, "max_workers": 257}, "max_workers", "from 1 to 256, got 257"),
    ("too many trials", {"dataset": RECORDS, "trials": 101}, "trials", "from 1 to 100, got 101"),
    # each was a raw TypeError, ValueError or AttributeError, progress's, cancel's and sink's once the run existed
    ("aggregate list", {"dataset": RECORDS, "aggregate_function": ["average"]}, "aggregate_function", "['average']"),
    ("metadata list", {"dataset": RECORDS, "metadata": [1, 2]}, "metadata", "expected a dict"),
    ("metadata text", {"dataset": RECORDS, "metadata": "x"}, "metadata", "got str"),
    ("metadata and suite", {"dataset": RECORDS, "metadata": [1], "suite": "s"}, "metadata", "got list"),
    ("metadata not JSON", {"dataset": RECORDS, "metadata": {"a": {1}}}, "metadata", "is sent as JSON"),
    ("progress a number", {"dataset": RECORDS, "progress": 1}, "progress", "expected a callable"),
    ("cancel a flag", {"dataset": RECORDS, "cancel": True}, "cancel", "expected a threading.Event"),
    ("a number as key", {"dataset": RECORDS, "api_key": 123}, "api_key", "expected a string"),
    ("a number as legacy key", {"dataset": RECORDS, "hh_api_key": 123}, "hh_api_key", "got int"),
    # the legacy label goes into the run's metadata: an object was a raw TypeError (not JSON serializable)
    ("an object as suite", {"dataset": RECORDS, **SENT, "suite": object()}, "suite", "got object"),
    ("a number as suite", {"dataset": RECORDS, "suite": 5}, "suite", "got int"),
    ("a number as URL", {"dataset": RECORDS, "api_key": "k", "server_url": 5}, "server_url", "expected a string"),
    ("a number as ingestion key", {"dataset": RECORDS, **SENT, "ingestion_api_key": 5}, "ingestion_api_key", "int"),
    ("a number as local_db", {"dataset": RECORDS, "local_db": 5}, "local_db", "expected a path"),
    ("text as sink", {"dataset": RECORDS, "sink": "x"}, "sink", "expected a TraceSink, got str"),
    ("prices in a list", {"dataset": RECORDS, "pricing": [1]}, "pricing", "expected a dict"),
    ("ranges in a list", {"dataset": RECORDS, "passing_ranges": [1]}, "passing_ranges", "expected a dict"),
    # as the experiment file's timeout / ingestion.timeout: greater than 0 (timeout=None is no limit)
    ("no time", {"dataset": RECORDS, "timeout": 0}, "timeout", "greater than 0, got 0"),
    ("negative time", {"dataset": RECORDS, "timeout": -1.0}, "timeout", "greater than 0"),
    ("nan time", {"dataset": RECORDS, "timeout": float("nan")}, "timeout", "greater than 0"),
    ("no wait", {"dataset": RECORDS, "ingestion_timeout": 0}, "ingestion_timeout", "greater than 0"),
    ("no wait at all", {"dataset": RECORDS, "ingestion_timeout": None}, "ingestion_timeout", "greater than 0"),
    # a key with a line break or a blank in it is never sent (the message never quotes it)
    ("broken key", {"dataset": RECORDS, "api_key": "k\nX-Injected: 1"}, "api_key", "(not shown)"),
    ("blank in key", {"dataset": RECORDS, "api_key": "k 1"}, "api_key", "whitespace"),
    ("non-ASCII key", {"dataset": RECORDS, "api_key": "kéy"}, "api_key", "non-ASCII"),  # was a UnicodeEncodeError
    (
        "broken ingestion key",
        {"dataset": RECORDS, "api_key": "k", "ingestion_api_key": "i\x00"},
        "ingestion_api_key",
        "control character",
    ),
    # as the experiment file's verdict.allow_evaluator_errors: a count or a percentage
    ("negative tolerance", {"dataset": RECORDS, "allow_evaluator_errors": -1}, "allow_evaluator_errors", "got -1"),
    ("bool tolerance", {"dataset": RECORDS, "allow_evaluator_errors": True}, "allow_evaluator_errors", "('5%')"),
    ("a share in words", {"dataset": RECORDS, "allow_evaluator_errors": "5 pct"}, "allow_evaluator_errors", "5 pct"),
    ("over 100%", {"dataset": RECORDS, "allow_evaluator_errors": "101%"}, "allow_evaluator_errors", "101%"),
    # what the experiment file refuses, refused before a run is created (UNUSED: no request could succeed)
    ("no records", {"dataset": [], **SENT}, "dataset", "has no records"),  # was a zero-datapoint run, no reason
    # was a run whose datapoints the backend kept once each, and an IngestionTimeout two minutes later
    ("one id twice", {"dataset": [{"id": "q", "inputs": {}}] * 2, **SENT}, "dataset", "records 0 and 1 have the same"),
    ("one name twice", {"dataset": RECORDS, "evaluators": [app2, app2], **SENT}, "evaluators", "two are named 'app2'"),
    # the SDK's ids are hashes of the records' JSON: a set or a cycle was a TypeError / ValueError traceback
    ("a set in a record", {"dataset": [*RECORDS, {"inputs": {"x": {1}}}], **SENT}, "dataset", "record 1 is not JSON"),
    ("a cycle in a record", {"dataset": [CYCLE], **SENT}, "dataset", "record 0 is not JSON"),
    # the ids hash JSON with sorted keys: keys of two types were "dataset: '<' not supported between…", no record named
    ("int and str keys", {"dataset": [*RECORDS, {"inputs": {"a": 1, 2: "b"}}], **SENT}, "dataset", "record 1 is not"),
    # as a dataset file's row: a record without inputs ran on empty inputs; an id that is no string was a TypeError
    ("no inputs", {"dataset": [*RECORDS, {"input": {}, "expected": 1}], **SENT}, "dataset", "record 1: missing 'in"),
    ("a number as id", {"dataset": [{"id": 1, "inputs": {}}], **SENT}, "dataset", "record 0: 'id' must be a non-em"),
    # a dataset file's row checks (the command line refused these rows; evaluate() ran them)
    ("inputs as text", {"dataset": [{"inputs": "hello"}]}, "dataset", "record 0: 'inputs' must be an object"),
    ("inputs None", {"dataset": [*RECORDS, {"inputs": None}]}, "dataset", "record 1: 'inputs' must be an object"),
    # what cannot be sent names the key the user wrote (the record's JSON is hashed into its id)
    (
        "a set as ground truths",
        {"dataset": [{"inputs": {}, "ground_truths": {1}}]},
        "dataset",
        "record 0 is not JSON, which its id is made from: 'ground_truths': Object of type set",
    ),
    ("control in id", {"dataset": [{"id": "a\x00b", "inputs": {}}]}, "dataset", "control character (U+0000)"),
    # hashed into an id, then refused by the backend ("Out of range float values are not JSON compliant"): the
    # datapoint was lost; a dataset file's reader refuses both, at their line
    ("NaN in inputs", {"dataset": [{"inputs": {"q": math.nan}}]}, "dataset", "record 0: ['inputs']['q'] is nan: a"),
    ("NaN in a UserDict", {"dataset": [UserDict(inputs=UserDict(q=math.nan))]}, "dataset", "['inputs']['q'] is nan"),
    (
        "inf deep in a ground truth",
        {"dataset": [*RECORDS, {"inputs": {}, "ground_truth": {"a": [1, -math.inf]}}]},
        "dataset",
        "record 1: ['ground_truth']['a'][1] is -inf: a JSON number must be finite (every value must be JSON)",
    ),
    (
        "a lone surrogate",
        {"dataset": [{"inputs": {"q": "\ud800"}}]},
        "dataset",
        "record 0: ['inputs']['q'] has half of a surrogate pair alone (U+D800)",
    ),
    (
        "a lone surrogate in a key",
        {"dataset": [{"inputs": {"\udc00": 1}}]},
        "dataset",
        "record 0: the key '\\udc00' of ['inputs'] has half",
    ),
    ("a number as name", {"dataset": RECORDS, "name": 5, **SENT}, "name", "expected a string"),  # AttributeError
    ("a run id", {"dataset": RECORDS, "run_id": "my-run-1", **SENT}, "run_id", "expected a UUID"),  # HTTP 400
    # a list, as the SDK takes them: one alone was a TypeError traceback, a dict's keys were taken as evaluators
    ("one evaluator", {"dataset": RECORDS, "evaluators": app2, **SENT}, "evaluators", "one alone (app2): put it in"),
    ("named evaluators", {"dataset": RECORDS, "evaluators": {"e": app2}, **SENT}, "evaluators", "got a dict"),
    ("one instrumentor", {"dataset": RECORDS, "instrumentors": Instrumentor(), **SENT}, "instrumentors", "(Instr"),
    ("a number as instrumentor", {"dataset": RECORDS, "instrumentors": [1]}, "instrumentors", "0 (of type int) has"),
    (
        "range of text",
        {"dataset": RECORDS, "passing_ranges": {"m": {"min": "a"}}, **SENT},
        "passing_ranges",
        "'m': min:",
    ),
    (
        "range upside down",
        {"dataset": RECORDS, "passing_ranges": {"m": {"min": 2, "max": 1}}},
        "passing_ranges",
        "max (1)",
    ),
    ("range of nothing", {"dataset": RECORDS, "passing_ranges": {"m": {}}, **SENT}, "passing_ranges", "at least one"),
    # was an EvaluatorSignatureError (a TypeError): the list's item is misused, not an evaluator's signature
    ("a number as evaluator", {"dataset": RECORDS, "evaluators": [app2, 1], **SENT}, "evaluators", "evaluators[1] is"),
    ("a number as dataset id", {"dataset_id": 1, **SENT}, "dataset_id", "expected a string"),  # was a GET, then 404
    # each was taken for its truth: "no" printed the table, the run made
    ("verbose in words", {"dataset": RECORDS, "verbose": "yes", **SENT}, "verbose", "expected True or False, got str"),
    ("print_results in words", {"dataset": RECORDS, "print_results": "no", **SENT}, "print_results", "got str"),
]


@pytest.mark.parametrize(("kwargs", "argument", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_argument_that_cannot_be_used_is_named(kwargs: dict[str, Any], argument: str, says: str) -> None:
    with pytest.raises(ArgumentError) as raised:
        evaluate(app, **kwargs)
    assert raised.value.argument == argument
    assert str(raised.value).startswith(f"{argument}: ")
    assert says in str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, ExperimentError)


# records the SDK runs and the wire can carry (a ground truth is sent as the value of the session's
# feedback.ground_truth, any JSON; a record's metadata and history only reach the function): (record, its ground truth)
ACCEPTED: list[tuple[str, Mapping[str, Any], Any]] = [
    ("ground truths text", {"inputs": {"q": "a"}, "ground_truths": "Paris"}, "Paris"),
    ("ground truth text", {"inputs": {"q": "a"}, "ground_truth": "Paris"}, "Paris"),
    ("ground truths list", {"inputs": {"q": "a"}, "ground_truths": ["Paris", "paris"]}, ["Paris", "paris"]),
    ("ground truths number", {"inputs": {"q": "a"}, "ground_truths": 42}, 42),
    ("ground truth false", {"inputs": {"q": "a"}, "ground_truth": False}, False),
    ("metadata text", {"inputs": {"q": "a"}, "metadata": "note"}, None),
    ("history text", {"inputs": {"q": "a"}, "history": "prior chat"}, None),
    ("keys of its own", {"inputs": {"q": "a"}, "ground_truths": {"x": 1}, "expected": 1, "tags": ["t"]}, {"x": 1}),
    ("a UserDict", UserDict({"inputs": {"q": "a"}, "ground_truth": "Paris"}), "Paris"),
    ("a mapping proxy", MappingProxyType({"inputs": {"q": "a"}, "ground_truth": {"a": "Paris"}}), {"a": "Paris"}),
    ("UserDict inputs", {"inputs": UserDict({"q": "a"}), "ground_truths": "Paris"}, "Paris"),
]


@pytest.mark.parametrize(("record", "ground_truth"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_a_record_the_sdk_runs_runs_with_its_values_as_they_are(
    hh: HoneyHiveClient, record: Mapping[str, Any], ground_truth: Any
) -> None:
    """The dataset file's row checks refused these (``'ground_truth' must be an object or null, found a string``,
    ``a record must be a JSON object, found UserDict``): the SDK passes them through to the function and evaluators
    untouched, and so does evaluate(). Older code's ``function(inputs, ground_truths)`` gets them too."""
    seen: dict[str, Any] = {}

    def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
        seen["datapoint"] = datapoint
        return {"answer": datapoint["inputs"]["q"]}

    def legacy(inputs: dict[str, Any], ground_truths: Any = None) -> dict[str, Any]:
        seen["function"] = ground_truths
        return {"answer": inputs["q"]}

    def judge(outputs: Any, inputs: Any, ground_truth: Any = None) -> float:
        seen["evaluator"] = ground_truth
        return 1.0

    result = evaluate(answer, [record], evaluators=[judge], client=hh, print_results=False)
    assert result.success, result.errors
    assert seen["evaluator"] is record.get("ground_truth", record.get("ground_truths"))
    assert seen["evaluator"] == ground_truth
    assert seen["datapoint"] == {
        **record,
        "inputs": {"q": "a"},
        **({"ground_truth": ground_truth} if ground_truth is not None else {}),
    }
    events = list(hh.iter_run_events(result.run_id))
    (session,) = [e for e in events if e["event_type"] == "session"]
    assert session["feedback"] == ({"ground_truth": ground_truth} if ground_truth is not None else {})
    assert evaluate(legacy, [record], evaluators=[judge], client=hh, print_results=False).success
    assert seen["function"] is seen["evaluator"]


BLANK_KEY = (  # evaluate()'s words (test_sdk_code.py's test_a_blank_key_is_refused_not_taken_for_no_key)
    "api_key: the HoneyHive API key is not set: api_key is empty; pass the key (or set HH_API_KEY or "
    "HONEYHIVE_API_KEY), or leave api_key out"
)
RUN_CONFIG_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("path None", {"path": None}, "path", "got None"),  # was a TypeError from pathlib
    ("progress a number", {"progress": 1}, "progress", "expected a callable"),  # was an error verdict
    ("cancel a flag", {"cancel": True}, "cancel", "expected a threading.Event"),  # was an AttributeError
    # checked as evaluate() checks its own: each was an AttributeError or a TypeError from within, a SettingsError
    # naming a command-line flag, or a value taken for its truth or its text
    ("a number as key", {"api_key": 12345}, "api_key", "expected a string"),
    ("broken key", {"api_key": "k\nX-Injected: 1"}, "api_key", "(not shown)"),  # was "environment HH_API_KEY: …"
    ("a number in environ", {"environ": {"HH_API_KEY": 1}}, "environ", "'HH_API_KEY': int"),
    ("environ a number", {"environ": 1}, "environ", "expected a dict"),
    ("no trials", {"trials": 0}, "trials", "from 1 to 100, got 0"),
    ("too many trials", {"trials": 101}, "trials", "from 1 to 100, got 101"),
    ("trials in words", {"trials": "three"}, "trials", "got 'three'"),  # "3" is --trials 3's: taken
    ("trials a float", {"trials": 2.0}, "trials", "got 2.0"),
    ("trials a flag", {"trials": True}, "trials", "got True"),
    ("dry_run in words", {"dry_run": "no"}, "dry_run", "expected True or False, got str"),
    ("a number as folder", {"working_directory": 1}, "working_directory", "expected a path"),
    ("a number as baseline", {"baseline_run_id": 1}, "baseline_run_id", "expected a string"),
    ("two baselines", {"baseline_run_id": "main dev"}, "baseline_run_id", "expected one run id"),
    ("a number as URL", {"server_url": 1}, "server_url", "expected a string"),
    ("not a URL", {"server_url": "localhost:8080", "api_key": "k"}, "server_url", "http(s)"),
    ("a URL without a key", {"server_url": UNUSED}, "api_key", "no HoneyHive API key for server_url="),
    # a key that went missing (was taken for none: the embedded backend, a dry run's success nobody sees)
    ("a blank key", {"api_key": ""}, "api_key", BLANK_KEY),
    ("a whitespace key", {"api_key": " \t"}, "api_key", BLANK_KEY),
    ("a blank key and variable", {"api_key": "", "environ": {"HH_API_KEY": " "}}, "api_key", BLANK_KEY),
]


@pytest.mark.parametrize(
    ("kwargs", "argument", "says"), [c[1:] for c in RUN_CONFIG_CASES], ids=[c[0] for c in RUN_CONFIG_CASES]
)
def test_run_config_names_an_argument_that_cannot_be_used(kwargs: dict[str, Any], argument: str, says: str) -> None:
    arguments = {"path": "missing-directory", "dry_run": True, "environ": {}, **kwargs}
    with pytest.raises(ArgumentError) as raised:
        run_config(**arguments)
    assert raised.value.argument == argument
    assert says in str(raised.value)


@pytest.mark.parametrize("api_key", ["", " \t"])
def test_run_config_names_a_blank_key_and_a_bad_url_as_evaluate_does(api_key: str) -> None:
    """Both wrong at once: evaluate() names the server_url first (the key's shape, the URL, then a key for it) and the
    SDK's users see that; run_config() named the blank api_key."""
    said = []
    for call in (
        lambda: evaluate(app, RECORDS, api_key=api_key, server_url="localhost:8080"),
        lambda: run_config("missing-directory", api_key=api_key, server_url="localhost:8080", environ={}),
    ):
        with pytest.raises(ArgumentError) as raised:
            call()
        said.append(str(raised.value))
    assert said[0] == said[1] == f"server_url: {HTTP_URL_EXPECTED}, got 'localhost:8080'"


def test_run_config_takes_a_whitespace_key_as_a_blank_one(quickstart: Path, backend: LocalBackend) -> None:
    """``api_key=" "`` with a key in ``environ``: evaluate() and run_config(api_key="") send the variable's key, but
    run_config() set HH_API_KEY to the blanks and refused the server_url for want of a key."""
    environ = {"HH_API_KEY": API_KEY}
    runs = [run_config(quickstart, api_key=key, server_url=backend.url, environ=environ) for key in ("", " ")]
    assert [run.exit_code for run in runs] == [0, 0], runs[1].terminal


def test_run_config_refuses_a_misused_argument_before_a_run_is_created(
    quickstart: Path, backend: LocalBackend, hh: HoneyHiveClient
) -> None:
    """``dry_run="no"`` made a dry run, taken for its truth: it recorded a run in the backend."""
    with pytest.raises(ArgumentError):
        run_config(quickstart, server_url=backend.url, api_key=API_KEY, environ={}, dry_run="no")  # type: ignore[arg-type]
    assert hh.list_runs()["evaluations"] == []


class Count:
    """An integer of another type, as numpy's ``int64``: ``operator.index`` reads it."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


# each ran before run_config checked its arguments as evaluate() does (an ArgumentError since), as the command's flag
RUN_CONFIG_TAKES: list[tuple[str, dict[str, Any], int]] = [
    ("a numpy-like count", {"trials": Count(2)}, 2),
    ("trials' digits", {"trials": "3"}, 3),  # --trials 3
    ("blank trials", {"trials": " "}, 1),  # --trials "": the file's
    ("a blank URL", {"server_url": ""}, 1),  # --server-url "": none given, so no key needed (the embedded backend)
]


@pytest.mark.parametrize(("kwargs", "trials"), [c[1:] for c in RUN_CONFIG_TAKES], ids=[c[0] for c in RUN_CONFIG_TAKES])
def test_run_config_takes_what_its_flag_takes(quickstart: Path, kwargs: dict[str, Any], trials: int) -> None:
    run = run_config(quickstart, dry_run=True, environ={}, **kwargs)
    assert (run.exit_code, run.report.trials) == (0, trials), run.terminal


def test_evaluate_takes_any_integer_type_for_its_counts(hh: HoneyHiveClient) -> None:
    """``trials=numpy.int64(2)`` (a count computed with numpy) was an ArgumentError: not an int."""
    result = evaluate(app, RECORDS, client=hh, trials=Count(2), max_workers=Count(2), print_results=False)  # type: ignore[arg-type]
    assert (result.success, result.summary.trials) == (True, 2)


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (10**5000, "an integer of more than 4,300 digits"),
        ("9" * 5000, "str of 5,000 characters"),
        (10**20, "10" + "0" * 19),
    ],
    ids=["a huge int", "a long string", "a long int quoted whole"],
)
def test_a_count_too_long_to_quote_is_said_by_its_size(count: object, shown: str) -> None:
    """``max_workers=10**5000`` ended in a ValueError from its repr (more than 4,300 digits), not an ArgumentError."""
    with pytest.raises(ArgumentError) as raised:
        evaluate(app, RECORDS, max_workers=count, **SENT)  # type: ignore[arg-type]
    assert str(raised.value) == f"max_workers: expected a whole number from 1 to 256, got {shown}"


def test_a_function_that_is_not_callable_is_named_before_a_run_is_created() -> None:
    """``evaluate(None, ...)`` created a run whose every datapoint errored with a TypeError."""
    with pytest.raises(ArgumentError) as raised:
        evaluate(None, dataset=RECORDS, **SENT)  # type: ignore[arg-type]
    assert str(raised.value) == "function: expected a callable (the function to evaluate), got None"


@pytest.mark.parametrize("argument", ["api_key", "server_url"])
def test_a_client_and_its_own_key_or_url_are_not_both_taken(client: HoneyHiveClient, argument: str) -> None:
    with pytest.raises(ArgumentError) as raised:
        evaluate(app, RECORDS, client=client, **{argument: UNUSED})
    assert raised.value.argument == argument


ENV_CASES: list[tuple[str, dict[str, str], tuple[str | None, str | None], tuple[str, str]]] = [
    ("arguments win", {"HH_API_KEY": "env", "HH_API_URL": "http://env"}, ("http://arg/", "arg"), ("http://arg", "arg")),
    ("HH_ names", {"HH_API_KEY": "k1", "HH_API_URL": "https://a.example"}, (None, None), ("https://a.example", "k1")),
    ("HH_ first", {"HH_API_KEY": "k1", "HONEYHIVE_API_KEY": "k2"}, (None, None), ("", "k1")),
    ("SDK aliases", {"HONEYHIVE_API_KEY": "k2", "HH_SERVER_URL": "http://b"}, (None, None), ("http://b", "k2")),
    ("blank is unset", {"HH_API_KEY": " ", "HONEYHIVE_API_KEY": "k2"}, (None, None), ("", "k2")),
]


@pytest.mark.parametrize(("environ", "given", "expected"), [c[1:] for c in ENV_CASES], ids=[c[0] for c in ENV_CASES])
def test_connection_defaults(
    environ: dict[str, str], given: tuple[str | None, str | None], expected: tuple[str, str]
) -> None:
    url, key = resolve_connection(given[0], given[1], environ)
    assert (url, key) == (expected[0] or DEFAULT_SERVER_URL, expected[1])  # "": HoneyHive's own URL


PASSWORD = "s3cr3tpassw0rd"
WITH_PASSWORD = f"http://user:{PASSWORD}@127.0.0.1:9"
# every entry point that refuses a server URL with a user and password in it: (what it is, the call)
URL_ENTRY_POINTS: list[tuple[str, Any]] = [
    ("evaluate", lambda url: evaluate(app, RECORDS, api_key="k", server_url=url)),
    ("client", lambda url: HoneyHiveClient(url, "k")),
    ("client from HH_API_URL", lambda url: HoneyHiveClient(api_key="k", environ={"HH_API_URL": url})),
    ("run_config", lambda url: run_config("missing.yml", server_url=url, environ={})),
    ("run_config from HH_API_URL", lambda url: run_config("missing.yml", environ={"HH_API_URL": url})),
]


@pytest.mark.parametrize("call", [c[1] for c in URL_ENTRY_POINTS], ids=[c[0] for c in URL_ENTRY_POINTS])
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (WITH_PASSWORD, "http://user:***@127.0.0.1:9"),
        (f"http://:{PASSWORD}@h", "http://:***@h"),  # a password alone
        (f"http://{PASSWORD}@h", "http://***@h"),  # a user alone: a token often is one
        (f"http://user:pa/ss@{PASSWORD}@h", "http://user:***@h"),  # unparsable: the userinfo runs to the last @
        (f"user:{PASSWORD}@h", "user:***@h"),  # no scheme
    ],
)
def test_a_password_in_a_refused_url_is_not_in_the_error(call: Any, url: str, shown: str) -> None:
    """The URL was quoted verbatim: only the command line's redacted output hid its password."""
    with pytest.raises(ExperimentError) as raised:
        call(url)
    assert PASSWORD not in str(raised.value)
    assert "pa/ss" not in str(raised.value)
    assert shown in str(raised.value)


def test_a_refused_url_is_quoted_alike_by_every_argument() -> None:
    """A blank inside the URL and blanks around it: evaluate() and run_config() quoted it with the blanks around it, as
    given, and the client without them, as it reads it (the blanks around it are no fault)."""
    entry_points = dict(URL_ENTRY_POINTS)
    said = set()
    for name in ("evaluate", "client", "run_config"):
        with pytest.raises(ArgumentError) as raised:
            entry_points[name]("  http://hh example.com ")
        said.add(str(raised.value))
    assert said == {f"server_url: {HTTP_URL_EXPECTED}, got 'http://hh example.com'"}


@pytest.mark.parametrize("variable", SERVER_URL_VARIABLES)
def test_a_bad_url_from_the_environment_names_its_variable(variable: str) -> None:
    """``HH_API_URL=localhost:8787`` (no scheme): the command line says "environment HH_API_URL: expected an
    http(s) URL"; evaluate()'s error names the variable too, not only the server_url= the caller never passed."""
    with pytest.raises(ArgumentError) as raised:
        resolve_connection(None, "k", {variable: "localhost:8787"})
    assert str(raised.value) == f"server_url: {HTTP_URL_EXPECTED}, got 'localhost:8787' (from {variable})"
    with pytest.raises(ArgumentError) as passed:
        resolve_connection("localhost:8787", "k", {variable: "http://fine.example"})
    assert str(passed.value) == f"server_url: {HTTP_URL_EXPECTED}, got 'localhost:8787'"


def test_aggregated_metrics_answer_the_sdks_accessors() -> None:
    """A script reading ``result.metrics.get_metric(...)`` / ``list_metrics()`` as the SDK offers them."""
    from honeyhive_experiment.models import AggregatedMetrics

    metrics = AggregatedMetrics.model_validate(
        {
            "aggregation_function": "average",
            "details": [
                {"metric_name": "accuracy", "event_name": "a", "aggregate": 0.5, "values": [0.5]},
                {"metric_name": "latency", "event_name": "a", "aggregate": 12.0, "values": [12]},
                {"metric_name": "accuracy", "event_name": "b", "aggregate": 0.7, "values": [0.7]},
            ],
        }
    )
    assert metrics.list_metrics() == ["accuracy", "latency"]
    found = metrics.get_metric("accuracy")
    assert found is not None
    assert (found.event_name, found.aggregate) == ("a", 0.5)
    assert metrics.get_metric("recall") is None
    assert {name: d.aggregate for name, d in metrics.get_all_metrics().items()} == {"accuracy": 0.5, "latency": 12.0}

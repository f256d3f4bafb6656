"""``honeyhive_experiment.external`` gives the official SDK's ``EXT-`` ids and run request, byte for byte.

The test vectors are those of ``honeyhive-api.md`` §5; the property tests hold ours equal to the
SDK's own functions (``honeyhive.experiments.utils``, SDK 1.7.0) on random datasets, and the run
request equal to the JSON the SDK's client puts on the wire. An ``EXT-`` dataset id must never go
out as ``dataset_id``: checked on random ids and against the local backend, which rejects it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.external import (
    generate_external_datapoint_id,
    generate_external_dataset_id,
    is_external_id,
    prepare_external_dataset,
    prepare_run_request_data,
)
from honeyhive_experiment.models import ExperimentRun, ExperimentRunStatus

pytestmark = pytest.mark.integration

sdk_utils = pytest.importorskip("honeyhive.experiments.utils", reason="the official SDK is a test-only dependency")
sdk_models = pytest.importorskip("honeyhive._generated.models", reason="the official SDK is a test-only dependency")

VECTOR_DATASET: list[dict[str, Any]] = [
    {"inputs": {"query": "test1"}, "ground_truth": {"answer": "a1"}},
    {"inputs": {"query": "test2"}, "ground_truth": {"answer": "a2"}},
]

# --------------------------------------------------------------------------------------------------
# §5 test vectors
# --------------------------------------------------------------------------------------------------


def test_vector_hashed_ids() -> None:
    assert generate_external_dataset_id(VECTOR_DATASET) == "EXT-7f5e0b8f4e48c9aa"
    assert generate_external_datapoint_id(VECTOR_DATASET[0], 0) == "EXT-c6dfa2c4e6969832"
    assert generate_external_datapoint_id(VECTOR_DATASET[1], 1) == "EXT-faada761333ea549"
    assert prepare_external_dataset(VECTOR_DATASET) == (
        "EXT-7f5e0b8f4e48c9aa",
        ["EXT-c6dfa2c4e6969832", "EXT-faada761333ea549"],
    )


def test_vector_own_id() -> None:
    assert prepare_external_dataset([{"id": "q1", "inputs": {"x": 1}}]) == ("EXT-1331f3d317977964", ["EXT-q1"])


def test_inputs_are_not_modified() -> None:
    dataset = json.loads(json.dumps(VECTOR_DATASET))
    prepare_external_dataset(dataset)
    assert dataset == VECTOR_DATASET
    metadata = {"git": {"commit": "abc"}}
    prepare_run_request_data("r", "n", dataset_id="EXT-1", metadata=metadata)
    assert metadata == {"git": {"commit": "abc"}}  # the SDK adds offline_dataset_id to the caller's dict


# --------------------------------------------------------------------------------------------------
# custom ids
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("custom", "expected"),
    [("my-dataset", "EXT-my-dataset"), ("EXT-my-dataset", "EXT-my-dataset"), ("ext-x", "EXT-ext-x")],
)
def test_custom_ids_get_the_prefix_once(custom: str, expected: str) -> None:
    assert generate_external_dataset_id(VECTOR_DATASET, custom) == expected
    assert generate_external_datapoint_id(VECTOR_DATASET[0], 5, custom) == expected
    assert prepare_external_dataset(VECTOR_DATASET, custom)[0] == expected


def test_empty_custom_ids_mean_hashed_ids() -> None:
    assert generate_external_dataset_id(VECTOR_DATASET, "") == "EXT-7f5e0b8f4e48c9aa"
    assert generate_external_datapoint_id(VECTOR_DATASET[0], 0, "") == "EXT-c6dfa2c4e6969832"


def test_datapoint_id_fields() -> None:
    dataset: list[dict[str, Any]] = [
        {"id": "a", "datapoint_id": "b"},  # id first
        {"datapoint_id": "EXT-b"},  # already prefixed
        {"id": "", "datapoint_id": "c"},  # an empty id falls through to datapoint_id
        {"id": None, "inputs": {}},  # neither: hashed with the index
    ]
    _, ids = prepare_external_dataset(dataset)
    assert ids[:3] == ["EXT-a", "EXT-b", "EXT-c"]
    assert ids[3] == generate_external_datapoint_id(dataset[3], 3)
    assert ids[3] != generate_external_datapoint_id(dataset[3], 0)  # the index keeps duplicates apart
    assert sdk_utils.prepare_external_dataset(dataset) == prepare_external_dataset(dataset)


@pytest.mark.parametrize("bad", [1, 2.5, True, ["x"], {"x": 1}])
def test_non_string_datapoint_ids_are_a_named_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"datapoint 1: its id must be a string"):
        prepare_external_dataset([{"inputs": {}}, {"id": bad}])
    with pytest.raises(TypeError, match=r"datapoint 0: its id must be a string"):
        prepare_external_dataset([{"datapoint_id": bad}])


def test_is_external_id() -> None:
    assert is_external_id("EXT-1")
    assert not is_external_id("ext-1")
    assert not is_external_id("65f0c0ffee0000000000beef")
    assert not is_external_id("")
    assert not is_external_id(None)


# --------------------------------------------------------------------------------------------------
# property: ours == the SDK's own functions
# --------------------------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities too: json.dumps writes them the same way for both
    | st.text()  # any unicode, lone surrogates included: ensure_ascii escapes them
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
id_texts = st.text(max_size=12) | st.sampled_from(["EXT-", "EXT-x", "ext-", "q1", "é", "日本", "\U0001f600"])
datapoints = st.fixed_dictionaries(
    {"inputs": st.dictionaries(st.text(max_size=8), json_values, max_size=4)},
    optional={
        "ground_truth": json_values,
        "id": id_texts | st.none(),
        "datapoint_id": id_texts | st.none(),
        "metadata": st.dictionaries(st.text(max_size=8), json_values, max_size=3),
        "history": st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=2), max_size=2),
    },
)
datasets = st.lists(datapoints, max_size=8)


@settings(max_examples=100, deadline=None)
@given(dataset=datasets, custom_dataset_id=st.none() | id_texts)
def test_prepare_external_dataset_matches_the_sdk(dataset: list[dict[str, Any]], custom_dataset_id: str | None) -> None:
    expected = sdk_utils.prepare_external_dataset(dataset, custom_dataset_id)
    assert prepare_external_dataset(dataset, custom_dataset_id) == expected
    assert generate_external_dataset_id(dataset, custom_dataset_id) == expected[0]
    assert generate_external_dataset_id(tuple(dataset)) == sdk_utils.generate_external_dataset_id(dataset)


@settings(max_examples=200, deadline=None)
@given(datapoint=datapoints, index=st.integers(min_value=0, max_value=10**6), custom_id=st.none() | id_texts)
def test_generate_external_datapoint_id_matches_the_sdk(
    datapoint: dict[str, Any], index: int, custom_id: str | None
) -> None:
    expected = sdk_utils.generate_external_datapoint_id(datapoint, index, custom_id)
    assert generate_external_datapoint_id(datapoint, index, custom_id) == expected


def sdk_wire_body(**kwargs: Any) -> str:
    """The JSON the SDK sends for ``POST /v1/runs``.

    Its dict → ``PostExperimentRunRequest`` → ``model_dump(exclude_none=True)`` (``createRun``).
    """
    request = sdk_models.PostExperimentRunRequest(**sdk_utils.prepare_run_request_data(**kwargs))
    return json.dumps(request.model_dump(exclude_none=True))


small_dicts = st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=3)
id_lists = st.none() | st.lists(st.text(max_size=10), max_size=4)
dataset_ids = (
    st.none()
    | st.text(min_size=1, max_size=12).map(lambda s: "EXT-" + s)
    | st.sampled_from(["EXT-", "EXT-7f5e0b8f4e48c9aa"])
    | st.text(min_size=1, max_size=24).filter(lambda s: not s.startswith("EXT-"))
)


@settings(max_examples=200, deadline=None)
@given(
    run_id=st.uuids().map(str),
    name=st.text(min_size=1, max_size=20),
    dataset_id=dataset_ids,
    event_ids=id_lists,
    datapoint_ids=id_lists,
    configuration=small_dicts,
    metadata=small_dicts,
    description=st.none() | st.text(max_size=10),
    results=small_dicts,
    status=st.sampled_from([s.value for s in ExperimentRunStatus]),
)
def test_prepare_run_request_data_is_the_sdks_wire_body(
    run_id: str,
    name: str,
    dataset_id: str | None,
    event_ids: list[str] | None,
    datapoint_ids: list[str] | None,
    configuration: dict[str, Any] | None,
    metadata: dict[str, Any] | None,
    description: str | None,
    results: dict[str, Any] | None,
    status: str,
) -> None:
    kwargs: dict[str, Any] = {
        "dataset_id": dataset_id,
        "event_ids": event_ids,
        "datapoint_ids": datapoint_ids,
        "configuration": configuration,
        "metadata": metadata,
        "description": description,
        "results": results,
        "status": status,
    }
    ours = prepare_run_request_data(run_id, name, **json.loads(json.dumps(kwargs)))
    expected = sdk_wire_body(run_id=run_id, name=name, **json.loads(json.dumps(kwargs)))
    assert json.dumps(ours) == expected  # same keys, same order, same values

    if dataset_id is not None and dataset_id.startswith("EXT-"):
        assert "dataset_id" not in ours
        assert ours["metadata"]["offline_dataset_id"] == dataset_id
    elif dataset_id is not None:
        assert ours["dataset_id"] == dataset_id


def test_status_enum_and_passing_ranges() -> None:
    body = prepare_run_request_data(
        "r",
        "n",
        dataset_id=None,
        status=ExperimentRunStatus.RUNNING,
        passing_ranges={"accuracy": {"min": 0.5}},
    )
    assert body["status"] == "running"
    assert type(body["status"]) is str
    assert json.dumps(body).endswith('"passing_ranges": {"accuracy": {"min": 0.5}}}')
    assert "passing_ranges" not in prepare_run_request_data("r", "n", dataset_id=None, passing_ranges={})


def test_empty_dataset_id_is_omitted() -> None:
    # the SDK would send "dataset_id": "" (it only drops None); nothing useful can come of that
    assert "dataset_id" not in prepare_run_request_data("r", "n", dataset_id="")
    assert sdk_utils.prepare_run_request_data("r", "n", dataset_id="")["dataset_id"] == ""


# --------------------------------------------------------------------------------------------------
# an EXT- dataset id never goes out as dataset_id
# --------------------------------------------------------------------------------------------------


@given(suffix=st.text(max_size=20), metadata=small_dicts)
def test_ext_dataset_id_goes_to_metadata_on_create_and_update(suffix: str, metadata: dict[str, Any] | None) -> None:
    dataset_id = "EXT-" + suffix
    body = prepare_run_request_data("r", "n", dataset_id=dataset_id, metadata=metadata)
    assert "dataset_id" not in body
    assert dataset_id not in json.dumps({k: v for k, v in body.items() if k != "metadata"})
    assert body["metadata"] == {**(metadata or {}), "offline_dataset_id": dataset_id}


def _run_metadata(metadata: dict[str, Any] | None, dataset_id: str | None) -> dict[str, Any]:
    """The metadata a run request carries (on create, and resent whole on every update)."""
    return dict(prepare_run_request_data("r-1", "run", dataset_id=dataset_id, metadata=metadata)["metadata"])


def test_run_metadata_for_managed_or_no_dataset() -> None:
    assert _run_metadata({"a": 1}, "65f0c0ffee0000000000beef") == {"a": 1}
    assert _run_metadata(None, None) == {}
    assert _run_metadata({"offline_dataset_id": "EXT-old"}, "EXT-new") == {"offline_dataset_id": "EXT-new"}


def test_local_backend_accepts_the_request_and_keeps_the_offline_dataset_id(client: httpx.Client) -> None:
    dataset_id, datapoint_ids = prepare_external_dataset(VECTOR_DATASET)
    run_id = str(uuid.uuid4())
    body = prepare_run_request_data(
        run_id, "ext run", dataset_id=dataset_id, datapoint_ids=datapoint_ids, metadata={"branch": "main"}
    )
    created = client.post("/v1/runs", json=body)
    assert created.status_code == 200, created.text
    run = ExperimentRun.model_validate(created.json()["evaluation"])
    assert run.dataset_id is None
    assert run.offline_dataset_id == dataset_id
    assert run.metadata == {"branch": "main", "offline_dataset_id": dataset_id}

    update = {"status": "completed", "metadata": _run_metadata({"branch": "main", "commit": "abc"}, dataset_id)}
    updated = client.put(f"/v1/runs/{run_id}", json=update)
    assert updated.status_code == 200, updated.text
    assert ExperimentRun.model_validate(updated.json()["evaluation"]).offline_dataset_id == dataset_id

    # what the rule prevents: the service holds a foreign key on dataset_id
    rejected = client.post("/v1/runs", json={"name": "bad", "dataset_id": dataset_id})
    assert rejected.status_code == 400
    assert "offline_dataset_id" in rejected.json()["error"]


def test_local_backend_accepts_a_managed_dataset_id(client: httpx.Client) -> None:
    created = client.post("/v1/datasets", json={"name": "managed"})
    assert created.status_code == 200, created.text
    managed_id = created.json()["result"]["insertedId"]
    body = prepare_run_request_data(str(uuid.uuid4()), "managed run", dataset_id=managed_id)
    assert body["dataset_id"] == managed_id
    response = client.post("/v1/runs", json=body)
    assert response.status_code == 200, response.text
    run = ExperimentRun.model_validate(response.json()["evaluation"])
    assert run.dataset_id == run.effective_dataset_id == managed_id
    assert run.offline_dataset_id is None

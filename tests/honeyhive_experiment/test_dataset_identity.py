"""Dataset identity as tables: how a repository file's dataset and datapoint ids are derived, and which earlier
runs count as runs of the same dataset (``dataset_identity.py``, ``external.py``).

Expected ids are literals, or the documented formula written out here, so a change of derivation (which would
cut every user's runs off from their baselines) fails a row.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.config import DatapointIds, DatasetConfig
from honeyhive_experiment.dataset_identity import DatasetIdentity, file_identity, same_dataset
from honeyhive_experiment.datasets import DatasetError, load_dataset_file
from honeyhive_experiment.experiment import external_dataset
from honeyhive_experiment.external import content_datapoint_ids, repository_dataset_id
from honeyhive_experiment.models import ExperimentRun

pytestmark = pytest.mark.unit


def sha16(text: str) -> str:
    return "EXT-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def content_id(row: dict[str, Any], occurrence: int) -> str:
    """The documented content-only id: ``sha256(json.dumps(row, sort_keys=True) + "#" + str(k))``."""
    return sha16(json.dumps(row, sort_keys=True) + f"#{occurrence}")


# ------------------------------------------------------------------------------------------- dataset ids

REPOSITORY_IDS = [
    # path, repository, expected
    ("data/q.jsonl", None, "EXT-d76b383e88f46294"),
    ("./data/q.jsonl", None, "EXT-d76b383e88f46294"),
    ("data/q.jsonl", "acme/bot", "EXT-5ffe328ae04fc1f5"),
    ("data/q.jsonl", "Acme/Bot", "EXT-5ffe328ae04fc1f5"),
    ("data/q.jsonl", "acme/other", sha16('["acme/other", "data/q.jsonl"]')),
    ("data/r.jsonl", "acme/bot", sha16('["acme/bot", "data/r.jsonl"]')),
]


@pytest.mark.parametrize(("path", "repository", "expected"), REPOSITORY_IDS)
def test_a_repository_file_is_named_by_its_repository_and_path(
    path: str, repository: str | None, expected: str
) -> None:
    assert repository_dataset_id(path, repository) == expected
    assert expected == sha16(json.dumps([repository.lower() if repository else None, path.removeprefix("./")]))


A = {"inputs": {"q": "a"}}
B = {"inputs": {"q": "b"}}
CONTENT_IDS = [
    # rows, expected ids
    ([A], [content_id(A, 0)]),
    ([A, B], [content_id(A, 0), content_id(B, 0)]),
    ([A, A], [content_id(A, 0), content_id(A, 1)]),  # identical rows: told apart by occurrence
    ([B, A, A, B], [content_id(B, 0), content_id(A, 0), content_id(A, 1), content_id(B, 1)]),
    ([{"id": "q1", **A}, A], ["EXT-q1", content_id(A, 0)]),  # a row's own id wins, as in the SDK
    ([{"datapoint_id": "EXT-q2", **A}], ["EXT-q2"]),
    ([{"id": "", "datapoint_id": "q3", **A}], ["EXT-q3"]),
    ([{"inputs": {"b": 1, "a": 2}}], [content_id({"inputs": {"a": 2, "b": 1}}, 0)]),  # key order does not count
]


@pytest.mark.parametrize(("rows", "expected"), CONTENT_IDS)
def test_content_ids_come_from_the_content_alone(rows: list[dict[str, Any]], expected: list[str]) -> None:
    assert content_datapoint_ids(rows) == expected


def test_a_content_id_that_is_not_a_string_names_the_row() -> None:
    with pytest.raises(TypeError, match=r"datapoint 1: its id must be a string, not int \(7\)"):
        content_datapoint_ids([A, {"id": 7}])


rows_strategy = st.lists(st.fixed_dictionaries({"inputs": st.fixed_dictionaries({"q": st.sampled_from("abc")})}))


@settings(max_examples=80, deadline=None)
@given(
    rows=rows_strategy,
    new=st.fixed_dictionaries({"inputs": st.fixed_dictionaries({"q": st.sampled_from("abcd")})}),
    where=st.integers(0, 50),
    seed=st.randoms(),
)
def test_inserting_or_reordering_rows_keeps_every_other_content_id(
    rows: list[dict[str, Any]], new: dict[str, Any], where: int, seed: Any
) -> None:
    before = content_datapoint_ids(rows)
    inserted = content_datapoint_ids([*rows[:where], new, *rows[where:]])
    assert len(set(inserted)) == len(inserted) == len(before) + 1
    assert set(before) < set(inserted)  # with a twin of the new row, the twins' ids swap: still the same set
    shuffled = list(rows)
    seed.shuffle(shuffled)
    assert sorted(content_datapoint_ids(shuffled)) == sorted(before)


def test_sdk_datapoint_ids_stay_the_sdks() -> None:
    """The default keeps the official SDK's ids (honeyhive-api.md §5 vectors) under the new dataset id."""
    records = [
        {"inputs": {"query": "test1"}, "ground_truth": {"answer": "a1"}},
        {"inputs": {"query": "test2"}, "ground_truth": {"answer": "a2"}},
    ]
    identity = file_identity(DatasetConfig(path="d.jsonl"), records, config_file=None, repository=None)
    prepared = external_dataset(records, identity=identity)
    assert prepared.datapoint_ids == ["EXT-c6dfa2c4e6969832", "EXT-faada761333ea549"]
    assert prepared.dataset_id == repository_dataset_id("d.jsonl") != "EXT-7f5e0b8f4e48c9aa"  # not the content's
    content = file_identity(
        DatasetConfig(path="d.jsonl", datapoint_ids=DatapointIds.CONTENT), records, config_file=None, repository=None
    )
    assert external_dataset(records, identity=content).datapoint_ids == content_datapoint_ids(records)


FILE_IDENTITIES = [
    # dataset config, records, repository, expected dataset id, expected scheme
    ({"path": "data/q.jsonl"}, [A], "acme/bot", "EXT-5ffe328ae04fc1f5", "sdk"),
    ({"path": "data/q.jsonl"}, [A, B, A], "acme/bot", "EXT-5ffe328ae04fc1f5", "sdk"),  # content does not count
    ({"path": "data/q.jsonl", "id": "evals-v1"}, [A], "acme/bot", "EXT-evals-v1", "sdk"),
    ({"path": "data/q.jsonl", "id": "EXT-evals-v1"}, [A], None, "EXT-evals-v1", "sdk"),
    ({"path": "data/q.jsonl", "datapoint_ids": "content"}, [A], None, "EXT-d76b383e88f46294", "content"),
    ({"path": "data/q.jsonl"}, [{"id": "q1", **A}, {"datapoint_id": "q2"}], None, "EXT-d76b383e88f46294", "own"),
    ({"path": "data/q.jsonl"}, [{"id": "q1", **A}, A], None, "EXT-d76b383e88f46294", "sdk"),
    ({"path": "data/q.jsonl"}, [], None, "EXT-d76b383e88f46294", "sdk"),
]


@pytest.mark.parametrize(("dataset", "records", "repository", "dataset_id", "scheme"), FILE_IDENTITIES)
def test_a_file_identity_comes_from_what_the_config_names(
    dataset: dict[str, Any], records: list[dict[str, Any]], repository: str | None, dataset_id: str, scheme: str
) -> None:
    identity = file_identity(DatasetConfig(**dataset), records, config_file="exp.yml", repository=repository)
    assert (identity.dataset_id, identity.scheme) == (dataset_id, scheme)


def test_the_stamp_round_trips_through_a_run() -> None:
    identity = DatasetIdentity("EXT-x", "data/q.jsonl", ".honeyhive/experiment.yml", DatapointIds.CONTENT)
    stamp = identity.stamp()
    assert stamp == {
        "dataset": {"path": "data/q.jsonl", "config": ".honeyhive/experiment.yml", "datapoint_ids": "content"}
    }
    run = ExperimentRun.model_validate(
        {"run_id": "r", "metadata": {"ci": {"repository": "acme/bot"}, "offline_dataset_id": "EXT-x", **stamp}}
    )
    assert DatasetIdentity.of_run(run) == identity
    assert DatasetIdentity("66f0a1b2c3d4e5f601234567").stamp() == {}  # a managed dataset: its id says it all


# ------------------------------------------------------------------------------------------- same dataset

STABLE = "EXT-5ffe328ae04fc1f5"
WANTED = DatasetIdentity(STABLE, "data/q.jsonl", ".honeyhive/experiment.yml")
STAMP = {"path": "data/q.jsonl", "config": ".honeyhive/experiment.yml", "datapoint_ids": "sdk"}
OURS = {"repository": "acme/bot", "branch": "main"}


def recorded(dataset: str = "EXT-0123456789abcdef", /, *, managed: bool = False, **metadata: Any) -> ExperimentRun:
    """A run of a managed ``dataset`` or an external one (``metadata.offline_dataset_id``), with ``metadata``."""
    body: dict[str, Any] = {"run_id": "r", "name": "exp", "metadata": dict(metadata)}
    if managed:
        body["dataset_id"] = dataset
    else:
        body["metadata"]["offline_dataset_id"] = dataset
    return ExperimentRun.model_validate(body)


SAME_DATASET = [
    # why, run, wanted, expected
    ("same id", recorded(STABLE, ci=OURS), WANTED, True),
    ("same id, asked by a bare id", recorded(STABLE), STABLE, True),
    ("other id, asked by a bare id", recorded("EXT-old", ci=OURS), STABLE, False),
    ("nothing asked", recorded(), None, True),
    ("stamped: same path, other id (dataset.id added)", recorded(ci=OURS, dataset=STAMP), WANTED, True),
    ("stamped: same config, other path", recorded(ci=OURS, dataset={**STAMP, "path": "q2.jsonl"}), WANTED, True),
    (
        "stamped: other path and config",
        recorded(ci=OURS, dataset={"path": "other.jsonl", "config": "other.yml"}),
        WANTED,
        False,
    ),
    (
        "older version: content id, no stamp",
        recorded("EXT-0123", ci=OURS, experiment="exp", dataset_id="EXT-0123"),
        WANTED,
        True,
    ),
    ("not this tool's run (the SDK's)", recorded("EXT-0123", experiment="exp"), WANTED, False),
    ("this tool's, but no dataset id stamped", recorded(ci=OURS), WANTED, False),
    (
        "older version, managed dataset",
        recorded("66f0a1b2", managed=True, ci=OURS, dataset_id="66f0a1b2"),
        WANTED,
        False,
    ),
    (
        "a managed dataset matches on its id only",
        recorded("EXT-0123", ci=OURS, dataset_id="EXT-0123"),
        DatasetIdentity("66f0a1b2c3d4e5f601234567"),
        False,
    ),
    ("a managed dataset, same id", recorded("66f0a1b2", managed=True), DatasetIdentity("66f0a1b2"), True),
]


@pytest.mark.parametrize(("why", "run", "wanted", "expected"), SAME_DATASET, ids=[row[0] for row in SAME_DATASET])
def test_which_runs_recorded_the_same_dataset(
    why: str, run: ExperimentRun, wanted: str | DatasetIdentity | None, expected: bool
) -> None:
    assert same_dataset(run, wanted) is expected, why


# ------------------------------------------------------------------------------- an id given and derived


def sdk_id(row: dict[str, Any], index: int) -> str:
    """The SDK's id of a row without its own: ``sha256(json.dumps(row, sort_keys=True) + str(index))``."""
    return sha16(json.dumps(row, sort_keys=True) + str(index))


def jsonl(*rows: dict[str, Any] | None) -> str:
    """A JSONL file's text, ``None`` a blank line (so lines and indexes differ)."""
    return "".join("\n" if row is None else json.dumps(row) + "\n" for row in rows)


SHARED_IDS = [
    # why, scheme, the file, the line that gives the id, the line it is derived for
    ("sdk: a later row's", "sdk", jsonl(A, {**B, "id": sdk_id(A, 0)}), 2, 1),
    ("sdk: an earlier row's", "sdk", jsonl({**B, "id": sdk_id(A, 1)}, A), 1, 2),
    ("sdk: written without EXT-", "sdk", jsonl(A, {**B, "id": sdk_id(A, 0)[4:]}), 2, 1),
    ("sdk: as datapoint_id, past a blank line", "sdk", jsonl(B, A, None, {**B, "datapoint_id": sdk_id(A, 1)}), 4, 2),
    ("content: a later row's", "content", jsonl(A, {**B, "id": content_id(A, 0)}), 2, 1),
    ("content: an earlier row's", "content", jsonl({**B, "id": content_id(A, 0)}, None, A), 1, 3),
    ("content: the second twin's", "content", jsonl(A, None, A, {**B, "id": content_id(A, 1)}), 4, 3),
]


@pytest.mark.parametrize(("why", "scheme", "text", "here", "there"), SHARED_IDS, ids=[row[0] for row in SHARED_IDS])
def test_a_rows_own_id_derived_for_another_row_is_a_dataset_error_naming_both(
    tmp_path: Path, why: str, scheme: str, text: str, here: int, there: int
) -> None:
    """The loader sees the rows' own ids only; the id derived for another row is caught where the ids are made (it
    ran, and waited out the ingestion timeout for "only 1 of 2 datapoints were visible")."""
    path = tmp_path / "q.jsonl"
    path.write_text(text, encoding="utf-8")
    records = load_dataset_file(path)
    dataset = DatasetConfig(path="q.jsonl", datapoint_ids=DatapointIds(scheme))
    identity = file_identity(dataset, records, config_file=None, repository=None)
    row = json.loads(text.splitlines()[here - 1])
    written = row.get("id") or row["datapoint_id"]
    counted = "" if written.startswith("EXT-") else f" (the id 'EXT-{written}')"
    with pytest.raises(DatasetError) as info:
        external_dataset(records, identity=identity)
    assert str(info.value) == (
        f"{path}:{here}: id {written!r}{counted} is also the id derived for {path}:{there}, a row with no id of its own"
        f" (dataset.datapoint_ids: {scheme}), and two datapoints cannot share one (the backend keeps one of them):"
        f" give line {there} its own id, or change line {here}'s"
    ), why


def test_records_not_read_from_a_file_are_told_apart_by_their_order() -> None:
    """Records given as a list (no loader, no lines): a duplicate of their own ids is said, at their order from 1."""
    identity = file_identity(DatasetConfig(path="q.jsonl"), [A], config_file=None, repository=None)
    with pytest.raises(DatasetError) as info:
        external_dataset([{**A, "id": "q1"}, B, {**B, "id": "EXT-q1"}], identity=identity)
    assert str(info.value) == "q.jsonl:3: duplicate id 'EXT-q1' (first used at line 1)"
    with pytest.raises(DatasetError, match=r"^q\.jsonl:1: id '.*' is also the id derived for q\.jsonl:2"):
        external_dataset([{**A, "id": sdk_id(B, 1)}, B], identity=identity)


@pytest.mark.parametrize("scheme", ["sdk", "content"])
def test_an_id_the_other_scheme_derives_is_no_collision(scheme: str) -> None:
    """Control: only the scheme the config names makes ids, so the other's id for a row is a free id."""
    other = content_id(A, 0) if scheme == "sdk" else sdk_id(A, 0)
    identity = file_identity(
        DatasetConfig(path="q.jsonl", datapoint_ids=DatapointIds(scheme)), [A], config_file=None, repository=None
    )
    assert external_dataset([A, {**B, "id": other}], identity=identity).datapoint_ids[1] == other

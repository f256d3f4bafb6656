"""External datasets: ``EXT-`` ids and the run request that goes with them (``honeyhive-api.md`` §5).

A dataset that lives in the user's repository is *external*: HoneyHive never stores it, so its ids
are derived from its content and the same content gives the same ids run after run, which is what
lets two runs pair their datapoints. The ids must match the official SDK's byte for byte (its
``honeyhive.experiments.utils``), so that runs made by the SDK and by this package compare:

* dataset id: ``"EXT-" + sha256(json.dumps(datapoints, sort_keys=True))[:16]`` over the whole list,
  with Python's default ``json.dumps`` separators and ``ensure_ascii=True``;
* datapoint id at index ``i``: its own ``id`` or ``datapoint_id`` (``EXT-``-prefixed if needed), else
  ``"EXT-" + sha256(json.dumps(datapoint, sort_keys=True) + str(i))[:16]``.

Two derivations of this package's own keep a dataset's identity through edits (``README.md``, "Dataset
identity"); both keep the ``EXT-`` shape and a row's own ``id`` still wins:

* :func:`repository_dataset_id`: a repository file's dataset id from what the config names, not its content:
  ``"EXT-" + sha256(json.dumps([repository, path]))[:16]`` (``repository`` lower-cased ``owner/name`` or
  ``null``, ``path`` as the config gives it, ``./`` removed), so adding or editing rows keeps the baseline;
* :func:`content_datapoint_ids` (opt-in, ``dataset.datapoint_ids: content``): a row without its own id gets
  ``"EXT-" + sha256(json.dumps(row, sort_keys=True) + "#" + str(k))[:16]``, ``k`` counting the earlier rows
  with the same content, so inserting or reordering rows moves no other row's id.

An ``EXT-`` dataset id is never sent as a run's ``dataset_id`` (the service holds a foreign key on
it): the run carries it as ``metadata.offline_dataset_id``, on create and on every update. Sessions
and spans still carry the ``EXT-`` ids as their ``dataset_id`` / ``datapoint_id``.

Pure functions, no I/O. Inputs are never modified.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = [
    "EXTERNAL_ID_PREFIX",
    "content_datapoint_ids",
    "generate_external_datapoint_id",
    "generate_external_dataset_id",
    "is_external_id",
    "prefixed",
    "prepare_external_dataset",
    "prepare_run_request_data",
    "repository_dataset_id",
]

EXTERNAL_ID_PREFIX: Final = "EXT-"


def is_external_id(value: str | None) -> bool:
    """True for an ``EXT-`` id (of an external dataset or datapoint)."""
    return value is not None and value.startswith(EXTERNAL_ID_PREFIX)


def prefixed(custom_id: str) -> str:
    """A custom dataset or datapoint id as an ``EXT-`` id: prefixed unless it already is."""
    return custom_id if custom_id.startswith(EXTERNAL_ID_PREFIX) else EXTERNAL_ID_PREFIX + custom_id


def _digest(text: str) -> str:
    return EXTERNAL_ID_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:16]


def generate_external_dataset_id(datapoints: Sequence[Mapping[str, Any]], custom_id: str | None = None) -> str:
    """The ``EXT-`` id of an external dataset.

    With a (non-empty) ``custom_id`` that id, prefixed with ``EXT-`` unless it already is. Otherwise
    the first 16 hex digits of the SHA-256 of ``json.dumps(datapoints, sort_keys=True)`` over the
    whole list exactly as loaded, so any change to any datapoint, or to their order, changes the id.
    Values must be JSON-serialisable (``TypeError`` otherwise, as in the SDK).

    >>> generate_external_dataset_id([{"id": "q1", "inputs": {"x": 1}}])
    'EXT-1331f3d317977964'
    >>> generate_external_dataset_id([], custom_id="my-dataset")
    'EXT-my-dataset'
    """
    if custom_id:
        return prefixed(custom_id)
    # json.dumps(..., sort_keys=True) in pieces: the same bytes without the whole text in memory at once
    records = datapoints if all(type(dp) is dict for dp in datapoints) else [dict(dp) for dp in datapoints]
    digest = hashlib.sha256()
    for chunk in json.JSONEncoder(sort_keys=True).iterencode(records):
        digest.update(chunk.encode())
    return EXTERNAL_ID_PREFIX + digest.hexdigest()[:16]


def generate_external_datapoint_id(datapoint: Mapping[str, Any], index: int, custom_id: str | None = None) -> str:
    """The ``EXT-`` id of the datapoint at ``index`` of an external dataset.

    With a (non-empty) ``custom_id`` that id, prefixed with ``EXT-`` unless it already is. Otherwise
    the first 16 hex digits of the SHA-256 of ``json.dumps(datapoint, sort_keys=True) + str(index)``:
    the index keeps identical datapoints apart.

    >>> generate_external_datapoint_id({"inputs": {"query": "test1"}, "ground_truth": {"answer": "a1"}}, 0)
    'EXT-c6dfa2c4e6969832'
    >>> generate_external_datapoint_id({}, 0, custom_id="dp-1")
    'EXT-dp-1'
    """
    if custom_id:
        return prefixed(custom_id)
    return _digest(f"{json.dumps(dict(datapoint), sort_keys=True)}{index}")


def prepare_external_dataset(
    datapoints: Sequence[Mapping[str, Any]], custom_dataset_id: str | None = None
) -> tuple[str, list[str]]:
    """The dataset id and the datapoint ids (in order) of an external dataset.

    Each datapoint's own ``id`` (or, if that is missing or empty, ``datapoint_id``) is used as its
    custom id. Such an id must be a string: the SDK fails on any other type with an
    ``AttributeError``; here it is a ``TypeError`` naming the datapoint. Ids are not checked for
    uniqueness (a repository file's are, by :func:`~honeyhive_experiment.experiment.external_dataset`).

    >>> prepare_external_dataset([{"inputs": {"query": "test1"}, "ground_truth": {"answer": "a1"}},
    ...                           {"inputs": {"query": "test2"}, "ground_truth": {"answer": "a2"}}])
    ('EXT-7f5e0b8f4e48c9aa', ['EXT-c6dfa2c4e6969832', 'EXT-faada761333ea549'])
    """
    dataset_id = generate_external_dataset_id(datapoints, custom_dataset_id)
    return dataset_id, [generate_external_datapoint_id(dp, i, _own_id(dp, i)) for i, dp in enumerate(datapoints)]


def _own_id(datapoint: Mapping[str, Any], index: int) -> str | None:
    """The datapoint's own ``id`` or ``datapoint_id``; ``TypeError`` naming the datapoint when it is no string."""
    custom_id = datapoint.get("id") or datapoint.get("datapoint_id")
    if custom_id is not None and not isinstance(custom_id, str):
        raise TypeError(f"datapoint {index}: its id must be a string, not {type(custom_id).__name__} ({custom_id!r})")
    return custom_id


def repository_dataset_id(path: str, repository: str | None = None) -> str:
    """The ``EXT-`` id of the dataset file at ``path`` (as the config names it) in ``repository`` (``owner/name``,
    case-insensitive; ``None`` when unknown, as in a local run): the same file keeps its id whatever its content.

    >>> repository_dataset_id("data/questions.jsonl", "Acme/Bot") == repository_dataset_id("./data/questions.jsonl",
    ...                                                                                       "acme/bot")
    True
    >>> repository_dataset_id("data/questions.jsonl")
    'EXT-baab1a3bd7fdd13f'
    """
    while path.startswith("./"):
        path = path[2:]
    return _digest(json.dumps([repository.lower() if repository else None, path]))


def content_datapoint_ids(datapoints: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each datapoint's ``EXT-`` id from its content alone (``dataset.datapoint_ids: content``), in order.

    A datapoint's own ``id`` (or ``datapoint_id``) wins, as in :func:`prepare_external_dataset`. Otherwise the
    SHA-256 of ``json.dumps(datapoint, sort_keys=True) + "#" + str(k)``, where ``k`` counts the earlier
    datapoints with the same content: identical rows get distinct ids, deterministically, and inserting or
    reordering rows changes no other row's id (moving one of several identical rows swaps identical twins).

    >>> ids = content_datapoint_ids([{"q": 1}, {"q": 2}, {"q": 1}])
    >>> len(set(ids))  # identical rows told apart
    3
    >>> content_datapoint_ids([{"q": 0}, {"q": 1}, {"q": 2}, {"q": 1}])[1:] == ids  # a row inserted first moves none
    True
    """
    seen: Counter[str] = Counter()  # the earlier datapoints of each content
    ids = []
    for index, datapoint in enumerate(datapoints):
        custom_id = _own_id(datapoint, index)
        if custom_id:
            ids.append(prefixed(custom_id))
            continue
        content = json.dumps(dict(datapoint), sort_keys=True)
        ids.append(_digest(f"{content}#{seen[content]}"))
        seen[content] += 1
    return ids


def prepare_run_request_data(
    run_id: str,
    name: str,
    *,
    dataset_id: str | None,
    event_ids: Sequence[str] | None = None,
    datapoint_ids: Sequence[str] | None = None,
    configuration: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    description: str | None = None,
    results: Mapping[str, Any] | None = None,
    status: str = "pending",
    passing_ranges: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /v1/runs``, exactly as the SDK sends it.

    Same signature and semantics as the SDK's function of this name, except that the result is the
    body *on the wire*: the SDK returns ``dataset_id: None`` and its client then drops ``None``
    fields, so here ``dataset_id`` is simply omitted when it is ``None``, empty or an ``EXT-`` id (an
    ``EXT-`` id goes to ``metadata.offline_dataset_id`` instead); keys come in the SDK's wire
    order. ``event_ids``, ``datapoint_ids``, ``configuration`` and ``metadata`` are always present
    (empty when not given), ``description`` / ``results`` only when non-empty. ``passing_ranges``
    (``{metric_name: {min?, max?}}``, not in the SDK's function) is added when non-empty. Unlike the
    SDK, the caller's ``metadata`` is not modified. ``status`` may be an ``ExperimentRunStatus``.

    >>> prepare_run_request_data("r-1", "nightly", dataset_id="EXT-abc")["metadata"]
    {'offline_dataset_id': 'EXT-abc'}
    """
    body: dict[str, Any] = {"run_id": run_id, "name": name}
    if description:
        body["description"] = description
    body["status"] = str(status)
    # the full metadata, offline dataset id included (overriding any given), on every update too: whether the service
    # merges or replaces ``metadata`` is not documented
    body["metadata"] = dict(metadata or {})
    if is_external_id(dataset_id):
        body["metadata"]["offline_dataset_id"] = dataset_id
    if results:
        body["results"] = dict(results)
    if dataset_id and not is_external_id(dataset_id):
        body["dataset_id"] = dataset_id
    body["event_ids"] = list(event_ids or [])
    body["configuration"] = dict(configuration or {})
    body["datapoint_ids"] = list(datapoint_ids or [])
    if passing_ranges:
        body["passing_ranges"] = dict(passing_ranges)
    return body

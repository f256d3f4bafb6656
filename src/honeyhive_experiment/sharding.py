"""Splitting one experiment run across the jobs of a workflow matrix.

- **Partition.** Datapoints are ordered by ``sha256(datapoint_id)`` and that order is cut into ``n``
  contiguous ranges of equal size (sizes differ by at most one). Every job reads the same dataset, so
  every job computes the same partition. It is stable: adding, removing or editing one datapoint (an
  EXT- id hashes the datapoint's own content) moves that datapoint and at most one neighbour across
  each of the ``n - 1`` range boundaries — never a reshuffle. (Plain ``hash mod n`` would move even
  fewer, but leaves shards 10-20% apart in size on a few hundred datapoints, and the slowest shard
  sets the wall time.)
- **One shared run id** that every job derives on its own from the repository, the workflow run id, the
  experiment name, the experiment file's path and the variant (a UUIDv5), so no job passes ids to another, and two
  experiment files of one name (or two legs of a matrix, each given its own variant) never share a run. Re-run
  attempts of a job keep the same workflow run id, hence the same run; session ids derive from run and datapoint
  ids, so a re-run never duplicates a session.
- **One way of making it.** The job that creates the run stamps it with the shard count, the trials and the
  experiment file's hash (its :func:`terms`); a job whose own terms differ is refused (:func:`disagreement`),
  and the report job refuses a run holding what its own dataset does not explain (:func:`strays`): a datapoint
  scored twice by two jobs that ran it, or a session of another dataset.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from honeyhive_experiment.models.outcomes import and_more

RUN_NAMESPACE = uuid.UUID("0b7a3f2e-5c1d-4e8a-9f60-2d4b6c8e1a35")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ShardSpec:
    index: int  # 1-based
    total: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.total:
            raise ValueError(f"shard {self.index}/{self.total}: the index must be between 1 and {self.total}")

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def _rank_key(datapoint_id: str) -> tuple[bytes, str]:
    return hashlib.sha256(datapoint_id.encode()).digest(), datapoint_id


def assign(ids: Sequence[str], total: int) -> dict[str, int]:
    """Each datapoint id's 1-based shard among ``total``: equal contiguous ranges of the hash order."""
    if total < 1:
        raise ValueError("the shard count must be at least 1")
    ordered = sorted(dict.fromkeys(ids), key=_rank_key)
    count = len(ordered)
    return {datapoint_id: 1 + position * total // count for position, datapoint_id in enumerate(ordered)}


def select(items: Iterable[T], ids: Sequence[str], shard: ShardSpec) -> list[T]:
    """The items (paired with their datapoint ids) of one shard, in dataset order."""
    shards = assign(ids, shard.total)
    return [item for item, datapoint_id in zip(items, ids, strict=True) if shards[datapoint_id] == shard.index]


def shared_run_id(
    repository: str, workflow_run_id: str | int, experiment: str, config_file: str, variant: str = ""
) -> str:
    """The run id every job of one workflow run computes for the same experiment file (and ``variant``: the shards
    of each leg of a matrix share a run of their own)."""
    leg = f"\x00{variant}" if variant else ""  # without one, the id every earlier version computed
    return str(uuid.uuid5(RUN_NAMESPACE, f"{repository}\x00{workflow_run_id}\x00{experiment}\x00{config_file}{leg}"))


TERMS = {"shards": "shard count", "trials": "trials", "config_hash": "experiment file hash"}
"""What every job of a shared run must agree on, and its name in a message."""


def terms(configuration: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None) -> dict[str, object]:
    """What a run's ``configuration`` and ``metadata`` say of :data:`TERMS` (``None``: not said; no
    ``configuration.trials`` is one trial)."""
    ci = (metadata or {}).get("ci")
    return {
        "shards": (metadata or {}).get("shards"),
        "trials": (configuration or {}).get("trials", 1),
        "config_hash": ci.get("config_hash") if isinstance(ci, Mapping) else None,
    }


def disagreement(run_id: str, recorded: Mapping[str, object], own: Mapping[str, object]) -> str | None:
    """Why a job may not record into (or judge) the shared run: each of :data:`TERMS` the run was ``recorded``
    with otherwise than this job's ``own``, a value that either side does not say never counting; ``None`` when
    they agree."""
    differ = [
        f"{label} {recorded[key]} (this job: {own[key]})"
        for key, label in TERMS.items()
        if recorded.get(key) is not None and own.get(key) is not None and recorded[key] != own[key]
    ]
    if not differ:
        return None
    return (
        f"run {run_id} was started with {', '.join(differ)}: every job of a sharded run (the shards and the"
        " report) needs the same experiment file, trials and shard count (the n of shard: i/n); make them agree"
        " and run the workflow again"
    )


def strays(
    run_id: str, wanted: Mapping[str, str], scored: Mapping[str, int], sessions: Iterable[tuple[str, str]]
) -> str | None:
    """Why the shared run is not this dataset's run, naming the datapoints: a ``wanted`` session (session id →
    its datapoint id) whose function ``scored`` more than once (session id → function spans), or a session (of
    ``sessions``: session id, datapoint id) that is not wanted; ``None`` when there is neither."""
    twice = sorted({wanted[s] for s, count in scored.items() if count > 1 and s in wanted})
    foreign = sorted({datapoint_id for session_id, datapoint_id in sessions if session_id not in wanted})
    problems = []
    if twice:
        problems.append(f"{_some(twice)} scored more than once (two jobs ran the same shard, or two legs of a matrix)")
    if foreign:
        problems.append(f"{_some(foreign)} outside this experiment's dataset (a job read another dataset)")
    if not problems:
        return None
    return (
        f"run {run_id} cannot be judged as this experiment's run: {'; '.join(problems)}. Give every shard job its"
        " own i of one n (each leg of a matrix its own variant), and every job the same dataset, then run the workflow"
        " again"
    )


def _some(ids: Sequence[str], shown: int = 5) -> str:
    """``ids`` counted, the first ``shown`` named."""
    return f"{len(ids)} datapoint(s) ({and_more(ids, shown)})"


def missing_by_shard(missing_ids: Iterable[str], all_ids: Sequence[str], total: int) -> dict[int, int]:
    """How many missing datapoints each shard owes: ``{shard index: count}``."""
    shards = assign(all_ids, total)
    return dict(sorted(Counter(shards[datapoint_id] for datapoint_id in missing_ids).items()))


def missing_message(
    run_id: str, missing: list[str], wanted: list[str], shard_count: int | None, waited: float | None
) -> str:
    """Why a sharded run is incomplete: how many datapoints each shard still owes (``waited`` ``None``: a signal cut
    the wait short). When none arrived, the shard jobs may have recorded into another run: what makes it this one."""
    why = f"waited {waited:g} s" if waited is not None else "the job was cancelled while it waited"
    head = f"run {run_id}: {len(missing)} of {len(wanted)} datapoints never reached HoneyHive ({why})"
    if shard_count:
        owed = missing_by_shard(missing, wanted, shard_count)
        head += "; missing from " + ", ".join(f"shard {i}/{shard_count}: {n} datapoint(s)" for i, n in owed.items())
    if len(missing) == len(wanted):
        return (
            f"{head}. Did the shard jobs run, and into this run? They record into it only with this job's experiment"
            " file and variant (a matrix leg's report job needs its leg's variant)"
        )
    return f"{head}. Did those shard jobs run and succeed?" if shard_count else head

"""Splitting one experiment run across the jobs of a workflow matrix.

- **Partition.** A datapoint belongs to shard ``1 + sha256(datapoint_id) mod n``: stable across runs and
  machines, and since ids are per datapoint (EXT- ids hash the datapoint's own content), editing or adding
  a datapoint moves only that datapoint — the rest stay on their shards.
- **One shared run id** that every job derives on its own from the repository, the workflow run id and
  the experiment name (a UUIDv5), so no job passes ids to another. Re-run attempts of a job keep the same
  workflow run id, hence the same run; session ids derive from run and datapoint ids, so a re-run never
  duplicates a session.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

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


def shard_of(datapoint_id: str, total: int) -> int:
    """The 1-based shard a datapoint belongs to among ``total``."""
    digest = hashlib.sha256(datapoint_id.encode("utf-8")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % total


def select(items: Iterable[T], ids: Sequence[str], shard: ShardSpec) -> list[T]:
    """The items (paired with their datapoint ids) of one shard, in dataset order."""
    return [
        item
        for item, datapoint_id in zip(items, ids, strict=True)
        if shard_of(datapoint_id, shard.total) == shard.index
    ]


def shared_run_id(repository: str, workflow_run_id: str | int, experiment: str) -> str:
    """The run id every job of one workflow run computes for the same experiment."""
    return str(uuid.uuid5(RUN_NAMESPACE, f"{repository}\x00{workflow_run_id}\x00{experiment}"))


def missing_by_shard(missing_ids: Iterable[str], total: int) -> dict[int, int]:
    """How many missing datapoints each shard owes: ``{shard index: count}``."""
    counts: dict[int, int] = {}
    for datapoint_id in missing_ids:
        shard = shard_of(datapoint_id, total)
        counts[shard] = counts.get(shard, 0) + 1
    return dict(sorted(counts.items()))

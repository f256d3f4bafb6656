"""The names of what an experiment runs over: a managed HoneyHive dataset or a dataset file in the repository.

Owns the two references (:class:`ManagedDataset`, :class:`DatasetFile`), their union :data:`DatasetRef`, and
the seam for managed datasets, :class:`ManagedDatasetSource`, which the HTTP client implements. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeAlias

from honeyhive_experiment.datasets.records import Record

__all__ = ["DatasetFile", "DatasetRef", "ManagedDataset", "ManagedDatasetSource"]


@dataclass(frozen=True, slots=True)
class ManagedDataset:
    """A dataset stored in HoneyHive, named by exactly one of its id or its name."""

    id: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if (self.id is None) == (self.name is None):
            raise ValueError("a managed dataset is named by exactly one of id or name")
        if not (self.id or self.name):
            raise ValueError("a managed dataset's id or name must not be empty")


@dataclass(frozen=True, slots=True)
class DatasetFile:
    """A dataset file in the repository (``.jsonl``, ``.json``, ``.csv``); it becomes an ``EXT-`` dataset.

    ``path`` is used as given: resolving it against the repository root is the caller's job.
    """

    path: Path


DatasetRef: TypeAlias = ManagedDataset | DatasetFile
"""What the experiment runs over: a managed HoneyHive dataset or a file in the repository."""


class ManagedDatasetSource(Protocol):
    """The seam for managed datasets, implemented by the HTTP client (``client.py``).

    It returns the dataset's datapoints in order, each shaped as a :data:`Record`
    (``{"inputs": ..., "ground_truth": ..., "id": <the datapoint's HoneyHive id>}``), and raises the
    client's own errors for a dataset that is missing or unreachable.
    """

    def fetch_dataset_records(self, dataset: ManagedDataset) -> list[Record]: ...

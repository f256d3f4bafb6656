"""The names of what an experiment runs over: a managed HoneyHive dataset or a dataset file in the repository.

Owns the two references (:class:`ManagedDataset`, :class:`DatasetFile`) and their union :data:`DatasetRef`.
No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

__all__ = ["DatasetFile", "DatasetRef", "ManagedDataset"]


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

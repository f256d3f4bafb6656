"""Which earlier runs recorded the same dataset: the identity a run's dataset carries, and how baselines match it.

A repository file's dataset id comes from the repository and the path (:func:`~honeyhive_experiment.external.
repository_dataset_id`), not from the content, so a pull request that edits the file keeps its baseline. Every
run of a repository file is stamped with ``metadata.dataset = {path, config, datapoint_ids}``. A run of the same
experiment recorded the same dataset when (:func:`same_dataset`):

1. its dataset id (the managed ``dataset_id`` or ``metadata.offline_dataset_id``) is this one's; else, for a
   repository file only (a run of another repository is no baseline anyway: baseline.py's ``same_origin``):
2. its stamp names the same dataset path or the same config file (``dataset.id`` was added or changed); or
3. it has no stamp but is one of this tool's runs recorded by an older version (``metadata.ci`` and
   ``metadata.dataset_id``) on an ``EXT-`` dataset: older versions derived that id from the file's content,
   so it changed with every edit.

A managed dataset matches on its id only. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from honeyhive_experiment.config import DatapointIds, DatasetConfig
from honeyhive_experiment.external import is_external_id, prefixed, repository_dataset_id
from honeyhive_experiment.models import ExperimentRun
from honeyhive_experiment.models.wire import text_or_none

__all__ = ["DatasetIdentity", "IdScheme", "file_identity", "same_dataset"]

IdScheme = Literal["own", "sdk", "content"]
"""How the datapoints got their ids: every row its own ``id``; else by ``dataset.datapoint_ids``."""


@dataclass(frozen=True, slots=True)
class DatasetIdentity:
    """What a run's dataset is: its id and, for a repository file, where it comes from."""

    dataset_id: str
    path: str | None = None
    """The repository file, as the config names it (``None`` for a managed dataset)."""
    config: str | None = None
    """The config file that named it, relative to the repository root."""
    datapoint_ids: DatapointIds = DatapointIds.SDK
    own_ids: bool = False
    """Every row has its own ``id``: no row's id depends on its position or content."""

    @property
    def scheme(self) -> IdScheme | None:
        """How the datapoints got their ids (``None`` for a managed dataset: HoneyHive's own ids)."""
        if self.path is None:
            return None
        return "own" if self.own_ids else "content" if self.datapoint_ids is DatapointIds.CONTENT else "sdk"

    def stamp(self) -> dict[str, Any]:
        """The run metadata that lets later versions and runs recognise the dataset (empty for a managed one)."""
        if self.path is None:
            return {}
        stamped = {"path": self.path, "config": self.config, "datapoint_ids": self.datapoint_ids.value}
        return {"dataset": {k: v for k, v in stamped.items() if v is not None}}

    @classmethod
    def of_run(cls, run: ExperimentRun) -> DatasetIdentity:
        """The identity a recorded run was stamped with (only its id for a run without a stamp)."""
        stamp = _stamp(run)
        path, config = text_or_none(stamp.get("path")), text_or_none(stamp.get("config"))
        scheme = DatapointIds.CONTENT if stamp.get("datapoint_ids") == DatapointIds.CONTENT else DatapointIds.SDK
        return cls(run.effective_dataset_id or "", path, config, scheme)


def file_identity(
    dataset: DatasetConfig,
    records: Sequence[Mapping[str, Any]],
    *,
    config_file: str | None,
    repository: str | None,
) -> DatasetIdentity:
    """The identity of the config's repository file (``dataset.path``) holding ``records``: ``dataset.id`` when
    the config gives one, else the id derived from ``repository`` and the path."""
    if dataset.path is None:
        raise ValueError("a managed dataset has no file identity")
    dataset_id = repository_dataset_id(dataset.path, repository) if dataset.id is None else prefixed(dataset.id)
    own_ids = bool(records) and all(r.get("id") or r.get("datapoint_id") for r in records)
    return DatasetIdentity(dataset_id, dataset.path, config_file, dataset.datapoint_ids, own_ids)


def same_dataset(run: ExperimentRun, wanted: str | DatasetIdentity | None) -> bool:
    """Whether ``run`` recorded the dataset ``wanted`` (any dataset when ``None``; a bare id matches only itself)."""
    if wanted is None:
        return True
    wanted_id = wanted if isinstance(wanted, str) else wanted.dataset_id
    if run.effective_dataset_id == wanted_id:
        return True
    if isinstance(wanted, str) or wanted.path is None:
        return False
    stamp = _stamp(run)
    if stamp:
        return stamp.get("path") == wanted.path or (wanted.config is not None and stamp.get("config") == wanted.config)
    recorded_by_older_version = bool(run.ci) and "dataset_id" in run.metadata
    return recorded_by_older_version and is_external_id(run.effective_dataset_id)


def _stamp(run: ExperimentRun) -> Mapping[str, Any]:
    stamp = run.metadata.get("dataset")
    return stamp if isinstance(stamp, Mapping) else {}

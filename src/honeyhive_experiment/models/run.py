"""The run object (``/v1/runs/{id}``): name, status, datapoints and sessions, metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
)

from honeyhive_experiment.models.wire import (
    _dict_or_empty,
    _IdList,
    _ids_or_none,
    _Status,
    _WireModel,
    text_or_none,
)

DATAPOINT_COUNT = "datapoint_count"
"""The run's metadata key holding how many datapoints it is meant to have."""


class ExperimentRun(_WireModel):
    """A run object (``evaluation`` in run responses, ``run_object`` / ``old_run`` / ``new_run`` elsewhere).

    The spec marks ``id``, ``metadata``, ``results``, ``event_ids``, ``configuration``, ``is_active``,
    ``created_at``, ``scope_type`` and ``scope_id`` required; only ``run_id`` is required here so that a
    partial object still parses. ``id`` is the backend's internal id and differs from ``run_id``.
    ``datapoint_ids`` is not in the spec's run object (nor are ``session_ids``, ``passing_ranges`` and
    ``evaluators``, which create and update take): read when a service sends it (it names a datapoint the run never
    recorded), never needed: how many datapoints a run is meant to have is its ``metadata.datapoint_count``.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    run_id: str
    id: str | None = None
    name: str | None = None
    description: str | None = None
    status: _Status | None = None
    metadata: Annotated[dict[str, Any], BeforeValidator(_dict_or_empty)] = Field(default_factory=dict)
    results: Annotated[dict[str, Any], BeforeValidator(_dict_or_empty)] = Field(default_factory=dict)
    configuration: Annotated[dict[str, Any], BeforeValidator(_dict_or_empty)] = Field(default_factory=dict)
    metrics: dict[str, Any] | None = None
    event_ids: _IdList = Field(default_factory=list)
    datapoint_ids: Annotated[list[str] | None, BeforeValidator(_ids_or_none)] = None
    dataset_id: str | None = None
    dataset_name: str | None = None
    is_active: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    scope_type: str | None = None
    scope_id: str | None = None

    @property
    def ci(self) -> Mapping[str, Any]:
        """``metadata.ci``: what this tool stamps on its runs (commit, branch, pull request…); empty when absent."""
        ci = self.metadata.get("ci")
        return ci if isinstance(ci, Mapping) else {}

    @property
    def datapoint_count(self) -> int | None:
        """``metadata.datapoint_count``: how many datapoints the run was created to have (this tool stores it);
        ``None`` when it does not say."""
        value = self.metadata.get(DATAPOINT_COUNT)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    @property
    def offline_dataset_id(self) -> str | None:
        """``metadata.offline_dataset_id``: the ``EXT-`` id of an external dataset (``dataset_id`` is null then)."""
        return text_or_none(self.metadata.get("offline_dataset_id"))

    @property
    def effective_dataset_id(self) -> str | None:
        """The managed ``dataset_id`` or else the external ``offline_dataset_id``: what to match baselines on."""
        return self.dataset_id or self.offline_dataset_id

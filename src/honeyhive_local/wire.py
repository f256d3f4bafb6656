"""Request bodies the local backend accepts, as pydantic models (honeyhive-api.md, dataplane.yaml).

Validation here is what turns bad input into a 400 that says why. Models mirror the spec: where the
spec forbids unknown fields (``POST /v1/sessions``, ``POST /v1/events``) so do we; legacy routes and
run bodies accept and ignore unknown fields, because SDKs send extras such as ``project``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

RunStatus = Literal["pending", "running", "completed", "failed", "cancelled"]
EventType = Literal["chain", "model", "tool", "session"]
JsonObject = dict[str, Any]
NonEmpty = Annotated[str, Field(min_length=1)]


def describe(error: ValidationError, where: str = "body") -> str:
    """One readable line per problem: ``body.passing_ranges.score.min: Input should be a valid number``."""
    lines = []
    for problem in error.errors():
        location = ".".join(str(part) for part in (where, *problem["loc"]))
        lines.append(f"{location}: {problem['msg']}")
    return "; ".join(lines)


class _Body(BaseModel):
    """Every model here: a number field takes only finite numbers ("NaN", "Infinity" and "1e999" as strings too:
    lax mode would read them as floats, and a passing range with a NaN bound would pass everything)."""

    model_config = ConfigDict(allow_inf_nan=False)


class _Lenient(_Body):
    model_config = ConfigDict(extra="ignore", strict=False)


class _Strict(_Body):
    model_config = ConfigDict(extra="forbid")


class PassingRange(_Body):
    model_config = ConfigDict(extra="forbid")

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PassingRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


NOT_NULL_RUN_FIELDS = frozenset(
    {
        "run_id",
        "name",
        "status",
        "metadata",
        "results",
        "event_ids",
        "configuration",
        "evaluators",
        "session_ids",
        "datapoint_ids",
        "passing_ranges",
    }
)


class _RunFields(_Lenient):
    name: str | None = None
    description: str | None = None
    status: RunStatus | None = None
    metadata: JsonObject | None = None
    results: JsonObject | None = None
    event_ids: list[str] | None = None
    configuration: JsonObject | None = None
    evaluators: list[Any] | None = None
    session_ids: list[str] | None = None
    datapoint_ids: list[NonEmpty] | None = None
    passing_ranges: dict[str, PassingRange] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        """Only ``description`` and ``dataset_id`` may be null; a null status or metadata is a client bug."""
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None and k in NOT_NULL_RUN_FIELDS)
            if nulls:
                raise ValueError(f"{', '.join(nulls)} must not be null")
        return data

    @field_validator("name")
    @classmethod
    def _non_empty_name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("run name must not be empty")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, ready to store."""
        return self.model_dump(exclude_unset=True, exclude_none=False, exclude={"run_id", "dataset_id"})


class CreateRun(_RunFields):
    run_id: str | None = None
    dataset_id: str | None = None

    @field_validator("run_id")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                uuid.UUID(value)
            except ValueError:
                raise ValueError(f"run_id {value!r} is not a UUID") from None
        return value


class UpdateRun(_RunFields):
    pass


class CreateDataset(_Lenient):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    datapoints: list[str] = Field(default_factory=list)


class CreateDatapoint(_Lenient):
    inputs: JsonObject = Field(default_factory=dict)
    history: list[JsonObject] = Field(default_factory=list)
    ground_truth: JsonObject | None = None
    metadata: JsonObject | None = None
    linked_event: str | None = None
    linked_datasets: list[str] = Field(default_factory=list)


class _SessionFields(_Body):
    session_id: str | None = None
    session_name: str | None = None
    event_name: str | None = None
    source: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    duration: float | None = None
    config: JsonObject | None = None
    inputs: JsonObject | None = None
    outputs: JsonObject | None = None
    metadata: JsonObject | None = None
    user_properties: JsonObject | None = None
    children_ids: list[str] | None = None


class StartSession(_SessionFields):
    """``POST /v1/sessions``: a bare session object, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid")


class LegacySession(_SessionFields):
    model_config = ConfigDict(extra="ignore")


class LegacyStartSession(_Lenient):
    """``POST /session/start``: the session wrapped under ``session``."""

    session: LegacySession


class UpdateEvent(_Lenient):
    metadata: JsonObject | None = None
    feedback: JsonObject | None = None
    metrics: JsonObject | None = None
    outputs: JsonObject | None = None
    config: JsonObject | None = None
    user_properties: JsonObject | None = None
    duration: float | None = None
    end_time: float | None = None
    children_ids: list[str] | None = None


class LegacyUpdateEvent(UpdateEvent):
    event_id: str = Field(min_length=1)


class CreateEvent(_Strict):
    """``POST /v1/events``: a bare event; ``event_type`` and ``inputs`` required."""

    event_type: EventType
    inputs: JsonObject
    project_id: str | None = None
    source: str | None = None
    event_name: str | None = None
    event_id: str | None = None
    session_id: str | None = None
    parent_id: str | None = None
    children_ids: list[str] | None = None
    config: JsonObject | None = None
    outputs: JsonObject | None = None
    error: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    duration: float | None = None
    metadata: JsonObject | None = None
    feedback: JsonObject | None = None
    metrics: JsonObject | None = None
    user_properties: JsonObject | None = None


class Filter(_Lenient):
    field: str = Field(min_length=1)
    operator: Literal[
        "exists",
        "not exists",
        "is",
        "is not",
        "contains",
        "not contains",
        "greater than",
        "less than",
        "after",
        "before",
    ]
    value: str | float | bool | None = None
    type: Literal["string", "number", "boolean", "datetime"] = "string"


class ExportFilter(Filter):
    """An export body's filter: the spec's SingleFilter requires ``value`` and ``type`` (a query's filters need not)."""

    value: str | float | bool | None
    type: Literal["string", "number", "boolean", "datetime"]


class ExportEvents(_Lenient):
    filters: list[ExportFilter] = Field(default_factory=list)
    dateRange: JsonObject | None = None
    projections: list[str] | None = None
    limit: int = Field(default=1000, ge=1, le=7500)
    page: int = Field(default=1, ge=1)
    evaluation_id: str | None = None

"""Reading a request: the body as strict JSON and as a wire model, and the query parameters the routes take.

Owns :class:`ApiError` (a refused request: its HTTP status and the message its JSON body carries) and every
conversion from what a client sent to a value a route can use: integers within bounds, choices, bracketed
lists (``run_ids[]=a``), ``filters`` and ``dateRange``. Each problem is an ``ApiError(400)`` that names the
parameter; nothing here touches the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams

from honeyhive_local import wire
from honeyhive_local.jsonvalues import JsonRejected, loads
from honeyhive_local.results import AGGREGATE_FUNCTIONS

__all__ = [
    "ApiError",
    "json_body",
    "model_body",
    "query_aggregate_function",
    "query_choice",
    "query_date_range",
    "query_filters",
    "query_int",
    "query_list",
]

M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    """A request the backend refuses: the HTTP status and the message of its ``{"error": ...}`` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ----------------------------------------------------------------------------- body


def json_body(body: bytes) -> Any:
    """The request body as strict JSON within :mod:`honeyhive_local.jsonvalues`' limits; otherwise a 400.

    Strict: UTF-8 only, finite numbers only, integers that fit a double, no lone surrogates, at most
    ``MAX_DEPTH`` levels of nesting. An empty or malformed body is a 400 too.
    """
    if not body:
        raise ApiError(400, "request body is empty; expected a JSON object")
    try:
        return loads(body)
    except JsonRejected as exc:
        raise ApiError(400, f"request body is {'not valid JSON' if exc.syntax else 'not accepted'}: {exc}") from None


def model_body(body: bytes, model: type[M]) -> M:
    """The request body validated as ``model``; it must be a JSON object."""
    data = json_body(body)
    if not isinstance(data, dict):
        raise ApiError(400, f"request body must be a JSON object, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, wire.describe(exc)) from exc


# ----------------------------------------------------------------------------- query


def query_int(query: QueryParams, name: str, default: int, low: int, high: int | None = None) -> int:
    """An integer parameter within ``[low, high]``; ``default`` when it is absent."""
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name}={raw!r} is not an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(400, f"query parameter {name}={value} out of range: must be {bound}")
    return value


def query_choice(query: QueryParams, name: str, choices: Sequence[str], default: str | None) -> str | None:
    """One of ``choices``; ``default`` when the parameter is absent or empty."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise ApiError(400, f"query parameter {name}={raw!r} must be one of {', '.join(choices)}")
    return str(raw)


def query_list(query: QueryParams, name: str) -> list[str]:
    """Bracketed list parameters (``run_ids[]=a&run_ids[]=b``); a bare ``run_ids=a`` is rejected."""
    if name in query:
        raise ApiError(400, f"list parameter {name} must be sent as {name}[]=value (one per value)")
    return query.getlist(f"{name}[]")


def query_aggregate_function(query: QueryParams) -> str:
    """``aggregate_function`` (default ``average``)."""
    value = query_choice(query, "aggregate_function", AGGREGATE_FUNCTIONS, "average")
    assert value is not None
    return value


def query_filters(query: QueryParams) -> list[dict[str, Any]]:
    """``filters`` as a JSON string of filter objects (or ``filters[]`` of JSON objects)."""
    raws = query.getlist("filters") + query.getlist("filters[]")
    parsed: list[Any] = []
    for raw in raws:
        try:
            value = loads(raw, where="filters")
        except JsonRejected as exc:
            raise ApiError(400, f"query parameter filters is not JSON: {raw[:100]!r} ({exc})") from None
        parsed.extend(value if isinstance(value, list) else [value])
    out = []
    for i, item in enumerate(parsed):
        if not isinstance(item, dict):
            raise ApiError(400, f"filters[{i}] must be an object with field, operator, value")
        try:
            out.append(wire.Filter.model_validate(item).model_dump())
        except ValidationError as exc:
            raise ApiError(400, wire.describe(exc, f"filters[{i}]")) from exc
    return out


def _iso(value: Any, name: str) -> str:
    """A dateRange bound (ISO string or Unix milliseconds) as the ISO form runs are stamped with."""
    problem = f"dateRange.{name} {str(value)[:60]!r} is not a date: use an ISO date or Unix milliseconds"
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value / 1000, UTC)
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                moment = datetime.fromtimestamp(float(value) / 1000, UTC)
        else:
            raise ApiError(400, problem)
    except (ValueError, OverflowError, OSError):
        raise ApiError(400, problem) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def query_date_range(query: QueryParams) -> tuple[str | None, str | None]:
    """``dateRange`` (JSON ``{"$gte": ..., "$lte": ...}`` or ``dateRange[$gte]=...``) as ISO bounds."""
    bounds: dict[str, Any] = {}
    raw = query.get("dateRange")
    if raw:
        try:
            parsed = loads(raw, where="dateRange")
        except JsonRejected:
            raise ApiError(400, 'query parameter dateRange must be JSON like {"$gte": ..., "$lte": ...}') from None
        if not isinstance(parsed, dict):
            raise ApiError(400, "query parameter dateRange must be a JSON object with $gte and/or $lte")
        bounds.update(parsed)
    for key in ("$gte", "$lte"):
        bracketed = query.get(f"dateRange[{key}]")
        if bracketed is not None:
            bounds[key] = bracketed
    unknown = set(bounds) - {"$gte", "$lte"}
    if unknown:
        raise ApiError(400, f"dateRange has unknown keys {sorted(unknown)}; use $gte and $lte")
    low = _iso(bounds["$gte"], "$gte") if "$gte" in bounds else None
    high = _iso(bounds["$lte"], "$lte") if "$lte" in bounds else None
    return low, high

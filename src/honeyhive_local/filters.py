"""Event filters of ``POST /v1/events/export`` and the ``filters`` of summary/compare: pure matching.

A filter is ``{field, operator, value, type}``; ``field`` is a dotted path into the event
(``metadata.run_id``, ``event_type``, ``metrics.accuracy``). All filters must match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from honeyhive_local.jsonvalues import array_index

_MISSING = object()


def lookup(event: Mapping[str, Any], path: str) -> Any:
    node: Any = event
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and (index := array_index(part)) is not None and index < len(node):
            node = node[index]
        else:
            return _MISSING
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | str):
        try:
            return float(value)
        except (ValueError, OverflowError):  # not a number; an integer beyond a double (older rows)
            return None
    return None


def _time(value: Any) -> float | None:
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000
        except ValueError:
            return None
    return None


def _same(actual: Any, expected: Any, kind: str) -> bool:
    if kind == "number":
        return _number(actual) is not None and _number(actual) == _number(expected)
    if kind == "boolean":
        truthy = {"true": True, "false": False}
        left = truthy.get(str(actual).lower(), actual)
        right = truthy.get(str(expected).lower(), expected)
        return bool(left == right)
    return str(actual) == str(expected) if not isinstance(actual, dict | list) else False


def matches(event: Mapping[str, Any], flt: Mapping[str, Any]) -> bool:
    actual = lookup(event, flt["field"])
    operator = flt["operator"]
    expected = flt.get("value")
    kind = flt.get("type") or "string"
    present = actual is not _MISSING and actual is not None
    if operator == "exists":
        return present
    if operator == "not exists":
        return not present
    if operator == "is":
        return present and _same(actual, expected, kind)
    if operator == "is not":
        return not (present and _same(actual, expected, kind))
    if operator == "contains":
        return present and str(expected) in (actual if isinstance(actual, str) else str(actual))
    if operator == "not contains":
        return not (present and str(expected) in (actual if isinstance(actual, str) else str(actual)))
    convert = _time if operator in ("after", "before") or kind == "datetime" else _number
    left, right = convert(actual) if present else None, convert(expected)
    if left is None or right is None:
        return False
    return left > right if operator in ("greater than", "after") else left < right


def match_all(event: Mapping[str, Any], filters: Sequence[Mapping[str, Any]]) -> bool:
    return all(matches(event, f) for f in filters)

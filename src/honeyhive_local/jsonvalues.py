"""What a JSON value may hold in this backend: the limits a write is checked against, and the repair of
values that older versions stored before those checks existed.

Limits (a request that breaks one is refused with a 4xx that says which, and nothing is stored):

* **Strings and keys** must be Unicode text: a lone surrogate (``"\\udfff"``) cannot be written as UTF-8,
  so no response holding it could ever be sent.
* **Numbers** must be finite (no ``NaN``/``Infinity``, no ``1e999``), and an integer must fit a
  double: ``float(value)`` must not overflow (``|n| < 2**1024``, about 1.8e308, i.e. at most 309 digits).
  Integers up to that size are kept exactly; results read them as doubles.
* **Nesting**: at most :data:`MAX_DEPTH` (64) levels of objects and arrays, counting the body itself.
* **Size**: a request body over :data:`DEFAULT_MAX_BODY_BYTES` (32 MiB; ``LocalBackend(max_body_bytes=)``,
  ``serve --max-body-bytes``) is refused with 413.

Reads never fail on what is stored: :func:`presentable` turns a value that cannot be rendered as strict
JSON (rows written by older versions) into one that can: lone surrogates become U+FFFD, non-finite or
oversized numbers become ``null``, and containers nested deeper than :data:`PRESENT_DEPTH` are cut off.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_DEPTH",
    "PRESENT_DEPTH",
    "TRUNCATED",
    "json_problem",
    "number_problem",
    "presentable",
]

MAX_DEPTH = 64
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
PRESENT_DEPTH = 200  # when repairing stored values for a response: deeper containers are cut off
TRUNCATED = "[truncated: nested too deeply]"

_SURROGATE = re.compile("[\ud800-\udfff]")


def number_problem(value: int | float) -> str | None:
    """Why a number cannot be stored (not finite, or an integer no double can hold), or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else f"number {value} is not finite"
    try:
        float(value)
    except OverflowError:
        return f"integer of {value.bit_length()} bits is too large (integers must fit a double: |n| < 2**1024)"
    return None


def json_problem(
    value: Any, *, where: str = "body", strings: bool = True, numbers: bool = True, max_depth: int = MAX_DEPTH
) -> str | None:
    """Why ``value`` (parsed JSON) breaks a limit above, naming the place; None when it is fine.

    ``strings=False`` skips the surrogate check (a caller that knows the text had no ``\\u`` escape),
    ``numbers=False`` the number check (only the nesting is then checked).
    """
    found = _problem(value, 1, strings, numbers, max_depth)
    if found is None:
        return None
    path, message = found
    place = where + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in reversed(path))
    return _printable(f"{place}: {message}")


# a problem: the path to it (innermost first) and what is wrong
_Found = tuple[list[str | int], str]


_SURROGATE_TEXT = "string holds a lone surrogate (not Unicode text)"
_BIG = 2**1023  # integers from here on may not fit a double: checked exactly by number_problem


def _scalar_problem(value: Any, strings: bool, numbers: bool) -> str | None:
    """The problem of a non-container value (fast paths first: this runs once per value of a body)."""
    kind = type(value)
    if kind is str:
        return _SURROGATE_TEXT if strings and not value.isascii() and _SURROGATE.search(value) else None
    if kind is bool or value is None:
        return None
    if kind is float:
        return None if not numbers or math.isfinite(value) else number_problem(value)
    if kind is int:
        return None if not numbers or -_BIG < value < _BIG else number_problem(value)
    if isinstance(value, str):
        return _SURROGATE_TEXT if strings and _SURROGATE.search(value) else None
    if isinstance(value, int | float):
        return number_problem(value) if numbers else None
    return f"{type(value).__name__} is not a JSON value"


def _problem(value: Any, depth: int, strings: bool, numbers: bool, max_depth: int) -> _Found | None:
    if isinstance(value, dict):
        if depth > max_depth:
            return [], f"JSON nested deeper than {max_depth} levels"
        for key, item in value.items():
            if strings and isinstance(key, str) and not key.isascii() and _SURROGATE.search(key):
                return [], f"key {ascii(key)[:60]} holds a lone surrogate (not Unicode text)"
            if isinstance(item, dict | list):
                found = _problem(item, depth + 1, strings, numbers, max_depth)
                if found:
                    found[0].append(key)
                    return found
            else:
                problem = _scalar_problem(item, strings, numbers)
                if problem:
                    return [key], problem
        return None
    if isinstance(value, list):
        if depth > max_depth:
            return [], f"JSON nested deeper than {max_depth} levels"
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                found = _problem(item, depth + 1, strings, numbers, max_depth)
                if found:
                    found[0].append(index)
                    return found
            else:
                problem = _scalar_problem(item, strings, numbers)
                if problem:
                    return [index], problem
        return None
    problem = _scalar_problem(value, strings, numbers)
    return ([], problem) if problem else None


def _printable(text: str) -> str:
    """Shorten a deep path and make it safe to send back (a key in it may hold a lone surrogate)."""
    if len(text) > 300:
        text = text[:140] + "..." + text[-140:]
    return _SURROGATE.sub("\ufffd", text)


def presentable(value: Any, depth: int = 0) -> Any:
    """``value`` with everything strict JSON cannot carry replaced (see the module docstring)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return None if number_problem(value) is not None else value
    if isinstance(value, dict | list | tuple):
        if depth >= PRESENT_DEPTH:
            return TRUNCATED
        if isinstance(value, dict):
            return {presentable(str(k)): presentable(v, depth + 1) for k, v in value.items()}
        return [presentable(v, depth + 1) for v in value]
    return presentable(str(value))

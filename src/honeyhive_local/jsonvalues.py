"""What a JSON value may hold in this backend: the limits a write is checked against, and the repair of
values that older versions stored before those checks existed.

Limits (a request that breaks one is refused with a 4xx that says which, and nothing is stored):

* **Strings and keys** must be Unicode text: a lone surrogate (``"\\udfff"``) cannot be written as UTF-8,
  so no response holding it could ever be sent.
* **Numbers** must be finite (no ``NaN``/``Infinity``, no ``1e999``), and an integer must fit a
  double: ``float(value)`` must not overflow (``|n| < 2**1024``, about 1.8e308, i.e. at most 309 digits).
  Integers up to that size are kept exactly; results read them as doubles.
* **Nesting**: at most :data:`MAX_DEPTH` (64) levels of objects and arrays, counting the body itself.
* **Text**: JSON text a client sent (a body, an OTLP attribute holding a whole bucket, a ``filters`` query
  parameter) is read by :func:`loads` and nothing else: strict UTF-8 and JSON (no ``NaN`` or
  ``Infinity`` tokens), the limits above checked while parsing (an integer literal is measured before
  ``int()`` sees it, so Python's 4,300-digit conversion limit is never reached), and a document nested
  beyond what the parser can recurse into refused like any other too deep one. Whatever the text,
  :func:`loads` returns a value or raises :class:`JsonRejected`.
* **Array indexes** in dotted paths (``messages.0.role``): :func:`array_index` reads a segment as an index
  only when it is a short run of ASCII digits (``"²"`` and a 5,000-digit segment are keys).
* **Size**: a request body over :data:`DEFAULT_MAX_BODY_BYTES` (32 MiB; ``LocalBackend(max_body_bytes=)``,
  ``serve --max-body-bytes``) is refused with 413.

Reads never fail on what is stored: :func:`presentable` turns a value that cannot be rendered as strict
JSON (rows written by older versions) into one that can: lone surrogates become U+FFFD, non-finite or
oversized numbers become ``null``, and containers nested deeper than :data:`PRESENT_DEPTH` are cut off.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_DEPTH",
    "PRESENT_DEPTH",
    "TRUNCATED",
    "JsonRejected",
    "array_index",
    "json_problem",
    "loads",
    "number_problem",
    "presentable",
]

MAX_DEPTH = 64
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
PRESENT_DEPTH = 200  # when repairing stored values for a response: deeper containers are cut off
TRUNCATED = "[truncated: nested too deeply]"

_SURROGATE = re.compile("[\ud800-\udfff]")
_INDEX_DIGITS = 18  # an array index longer than this names no element of any list (and int() of it is cheap)


class JsonRejected(ValueError):
    """JSON text :func:`loads` refuses; the message says why. ``syntax``: it is not JSON at all (as opposed
    to JSON that breaks a limit)."""

    def __init__(self, message: str, *, syntax: bool) -> None:
        super().__init__(message)
        self.syntax = syntax


class _NumberRejected(Exception):  # not a ValueError: json.loads must not take it for a syntax error
    pass


def loads(data: bytes | str, *, where: str = "body", max_depth: int = MAX_DEPTH) -> Any:
    """``data`` as strict JSON within the limits above (the module docstring), or :class:`JsonRejected`.

    ``where`` names the document in a problem's path (``body.metadata.x: ...``).
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")  # strict: json.loads(bytes) would let encoded surrogates through
        except UnicodeDecodeError as exc:
            raise JsonRejected(f"not UTF-8 ({exc.reason} at byte {exc.start})", syntax=True) from None
    else:
        text = data
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_double_int)
    except _NumberRejected as exc:
        raise JsonRejected(_printable(f"{where}: {exc}"), syntax=False) from None
    except RecursionError:  # deeper than the parser can go: deeper than any limit
        raise JsonRejected(_printable(f"{where}: JSON nested deeper than {max_depth} levels"), syntax=False) from None
    except ValueError as exc:  # JSONDecodeError
        raise JsonRejected(str(exc), syntax=True) from None
    # numbers were checked by the parser; a lone surrogate can only come from a \u escape
    problem = json_problem(value, where=where, strings="\\u" in text, numbers=False, max_depth=max_depth)
    if problem:
        raise JsonRejected(problem, syntax=False)
    return value


def _reject_constant(name: str) -> Any:
    raise _NumberRejected(f"{name} is not valid JSON (numbers must be finite)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberRejected(f"number {text[:40]} is out of range (numbers must be finite)")
    return value


def _double_int(text: str) -> int:
    if len(text) > 330:  # far beyond 2**1024 (309 digits), and never near int()'s 4,300-digit limit
        raise _NumberRejected(f"integer {text[:20]}... ({len(text)} digits) is too large (integers must fit a double)")
    value = int(text)
    problem = number_problem(value)
    if problem:
        raise _NumberRejected(problem)
    return value


def array_index(segment: str) -> int | None:
    """A dotted path's segment as an array index (``"0"``, ``"12"``, ``"007"``), or None when it is a key:
    not ASCII digits (``"²"``, ``"-1"``) or too long to index any list."""
    if segment.isascii() and segment.isdigit() and len(segment) <= _INDEX_DIGITS:
        return int(segment)
    return None


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
    """The problem of a non-container value (this runs once per value of a body). Values are parsed JSON (``loads``, an
    OTLP span's attributes): exactly str, int, float, bool or None, never a subclass."""
    kind = type(value)
    if kind is str:
        return _SURROGATE_TEXT if strings and not value.isascii() and _SURROGATE.search(value) else None
    if kind is bool or value is None:
        return None
    if kind is float:
        return None if not numbers or math.isfinite(value) else number_problem(value)
    if kind is int:
        return None if not numbers or -_BIG < value < _BIG else number_problem(value)
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

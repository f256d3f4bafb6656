"""What a dataset record is, checked the same way by every reader: its shape, its id, and strict JSON.

Owns :data:`Record` and :data:`ALLOWED_RECORD_KEYS`, the shape check every parsed record goes through
(:func:`check_record`), ``EXT-`` id normalisation and duplicate-id detection (:class:`_Records`), which keeps going
past a bad row so that every row's problem is said at once (the first :data:`SHOWN` of them), and the
helpers the readers share: the strict JSON decoder (no repeated keys, no ``NaN``/``Infinity``), its errors
located, and the located message for bytes that are not UTF-8. The package docstring states the rules.
"""

from __future__ import annotations

import json
import math
import re
import types
from array import array
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeAlias

from honeyhive_experiment.errors import DatasetError, did_you_mean
from honeyhive_experiment.external import prefixed
from honeyhive_experiment.paths import not_utf8

__all__ = [
    "ALLOWED_RECORD_KEYS",
    "SHOWN",
    "Record",
    "Rows",
    "check_inputs",
    "check_record",
    "explicit_id",
    "not_json",
]

Record: TypeAlias = dict[str, Any]
"""One datapoint as the SDK takes it: ``{"inputs": ..., "ground_truth"?: ..., "id"?: ..., "metadata"?: ...}``."""


class Rows(list[Record]):
    """A file's records as parsed, and the line each starts on (``lines``, from 1): where the user finds a datapoint
    whose id the SDK derived from its content (``EXT-f48de4ff17bea411``), or that the file calls ``q1``; ``path``:
    the file as its errors name it."""

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.lines = array("I")  # 4 bytes a row, not an int object's 32
        self.path = path


ALLOWED_RECORD_KEYS: frozenset[str] = frozenset({"id", "datapoint_id", "inputs", "ground_truth", "metadata", "history"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""A control character, refused in an id: SQLite's ``json_extract`` (the embedded backend reads ids back with it)
cuts a text at NUL, so the datapoint came back as another, empty one; a line break or a tab breaks the comment's
and the terminal's rows."""


# ------------------------------------------------------------------------------------------- strict JSON


class _NotStrictJson(ValueError):
    """JSON that Python's decoder would take and JSON does not allow (an object that repeats a key, ``NaN`` or
    ``Infinity``, a number out of a float's range, half of a surrogate pair), or that is nested deeper or has a
    longer number than the interpreter can parse; the message says which."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _NotStrictJson(f"an object repeats the key {key!r}")
            seen.add(key)
    return obj


def _reject_constant(constant: str) -> Any:
    raise _NotStrictJson(f"{constant} is not valid JSON (numbers must be finite)")


class _StrictDecoder(json.JSONDecoder):
    """The standard decoder, raising :class:`_NotStrictJson` for what strict JSON rejects (its ``decode`` reads
    through ``raw_decode`` too)."""

    def raw_decode(self, s: str, idx: int = 0) -> tuple[Any, int]:
        try:
            value, end = super().raw_decode(s, idx)
        except RecursionError:
            raise _NotStrictJson("JSON nested too deeply") from None
        except (json.JSONDecodeError, _NotStrictJson):
            raise
        except ValueError:  # the interpreter's limit on the digits of an int (sys.get_int_max_str_digits)
            raise _NotStrictJson("a number with too many digits") from None
        if _SURROGATE_ESCAPE.search(s, idx, end) is not None:  # "\ud800" alone decodes to text no UTF-8 can hold
            try:
                json.dumps(value, ensure_ascii=False).encode()
            except UnicodeEncodeError:
                raise _NotStrictJson("a string holds half of a surrogate pair (\\ud800-\\udfff alone)") from None
        return value, end


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotStrictJson(f"{text} is out of range (numbers must be finite)")
    return number


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_DECODER = _StrictDecoder(object_pairs_hook=_unique_object, parse_constant=_reject_constant, parse_float=_finite_float)


@contextmanager
def _json_errors(path: str, line: int, key: str | None = None, first_line: int = 1) -> Iterator[None]:
    """What :data:`_DECODER` raises in the block as a :class:`DatasetError`: a syntax error at its line (the text's
    first is the file's ``first_line``) and column, JSON that strict JSON rejects at ``line`` (and ``key``)."""
    try:
        yield
    except json.JSONDecodeError as exc:
        raise DatasetError(
            path, first_line + exc.lineno - 1, f"column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None
    except _NotStrictJson as exc:
        raise DatasetError(path, line, key, str(exc)) from None


# ------------------------------------------------------------------------------------------------ records


_JSON_TYPES: tuple[tuple[type | types.UnionType, str], ...] = (
    (types.NoneType, "null"),
    (bool, "a boolean"),  # before int: a bool is one
    (int | float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


def _type_name(value: object) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), type(value).__name__)


def check_record(value: object) -> str | None:
    """Validate one parsed record; returns its explicit id (``EXT-``-normalised) or ``None``.

    Raises ``ValueError`` with the message; the caller adds the path and location.
    """
    if not isinstance(value, dict):
        raise ValueError(f"a record must be a JSON object, found {_type_name(value)}")
    for key in value:
        if key not in ALLOWED_RECORD_KEYS:
            allowed = sorted(ALLOWED_RECORD_KEYS)
            hint = did_you_mean(key, allowed)
            raise ValueError(f"unknown key {key!r}{hint and '; '}{hint} (allowed: {', '.join(allowed)})")
    check_inputs(value)
    for key in ("ground_truth", "metadata"):
        if key in value and value[key] is not None and not isinstance(value[key], dict):
            raise ValueError(f"{key!r} must be an object or null, found {_type_name(value[key])}")
    history = value.get("history")
    if history is not None:
        if not isinstance(history, list):
            raise ValueError(f"'history' must be a list of objects or null, found {_type_name(history)}")
        for index, item in enumerate(history):
            if not isinstance(item, dict):
                raise ValueError(f"'history' item {index} must be an object, found {_type_name(item)}")
    return explicit_id(value)


def check_inputs(value: Mapping[str, Any]) -> None:
    """``inputs`` present and an object (a mapping: the session's inputs, which the wire requires to be one):
    what every record needs, ``evaluate()``'s too. ``ValueError`` with the message."""
    if "inputs" not in value:
        raise ValueError("missing 'inputs' (an object)")
    if not isinstance(value["inputs"], Mapping):
        raise ValueError(f"'inputs' must be an object, found {_type_name(value['inputs'])}")


def explicit_id(value: Mapping[str, Any]) -> str | None:
    """The record's own ``id`` (or ``datapoint_id``), ``EXT-``-normalised, or ``None``: ``ValueError`` when it is
    not printable text, or both are set. Every record's, ``evaluate()``'s too."""
    explicit: str | None = None
    for key in ("id", "datapoint_id"):
        raw = value.get(key)
        if raw is None:
            continue
        if not isinstance(raw, str) or not raw:
            found = "an empty string" if raw == "" else _type_name(raw)
            raise ValueError(f"{key!r} must be a non-empty string or null, found {found}")
        if (control := _CONTROL.search(raw)) is not None:
            raise ValueError(
                f"{key!r} has a control character (U+{ord(control[0]):04X}) at index {control.start()}: an id must be"
                " printable text"
            )
        if explicit is not None:
            raise ValueError("both 'id' and 'datapoint_id' are set; use one")
        explicit = prefixed(raw)
    return explicit


def not_json(value: object) -> str | None:
    """Where in ``value`` (a record given to ``evaluate()``) a number or a text is one JSON cannot carry, and why
    (``['inputs']['q'] is nan: ...``); ``None`` when there is none. Python's json writes ``NaN`` and lone surrogates
    (as ``\\ud800``), which the backend then refuses, losing the datapoint; a dataset file's reader refuses both."""
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode()
        return None
    except (TypeError, RecursionError):  # not JSON at all: its id's hashing says so, naming the key
        return None
    except ValueError:  # a number that is not finite, or text with half of a surrogate pair (UnicodeEncodeError)
        pass
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return f"{where} is {item!r}: a JSON number must be finite"
        if isinstance(item, str) and (half := _SURROGATE.search(item)) is not None:
            what = f"{where} has" if where else "has"
            return f"{what} half of a surrogate pair alone (U+{ord(half[0]):04X}): JSON text must be UTF-8"
        if isinstance(item, Mapping):
            for key, inner in reversed(list(item.items())):  # a UserDict has no reversed()
                if isinstance(key, str) and (half := _SURROGATE.search(key)) is not None:
                    said = f"the key {key!r} of {where or 'the record'}"
                    return f"{said} has half of a surrogate pair alone (U+{ord(half[0]):04X}): JSON text must be UTF-8"
                stack.append((f"{where}[{key!r}]", inner))
        elif isinstance(item, (list, tuple)):
            stack.extend((f"{where}[{index}]", inner) for index, inner in reversed(list(enumerate(item))))
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


SHOWN = 20
"""The rows' problems a dataset's error says, each on its own line (``issues``); the rest are counted in a last one.
Enough to fix a file's mistakes in one go, few enough that a file whose every row is wrong (the wrong column names)
does not bury the terminal."""


class _Records:
    """A file's records as a reader finds them, each checked the same way whatever the format: its shape
    (:func:`check_record`) and its id, against the earlier records' in O(1). A row that cannot be used is left out
    and its problem kept (:meth:`problem`), so the reader goes on to the next row; :meth:`done` raises them all at once,
    and :meth:`stopping` adds them to a problem that ends the reading (a syntax error a reader cannot get past)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._seen: dict[str, tuple[int, str]] = {}  # EXT- id → the line it was first used on, and as what
        self.records = Rows(path)
        self.problems: list[DatasetError] = []  # the first SHOWN rows' problems, in the file's order
        self.unshown = 0  # and how many more there were

    def problem(self, error: DatasetError) -> None:
        """Keep ``error``, the problem of a row the reader leaves out, and go on."""
        if len(self.problems) < SHOWN:
            self.problems.append(error)
        else:
            self.unshown += 1

    def add(self, value: Any, line: int, key: str | None = None) -> None:
        """Check ``value`` (starting on ``line``; ``key``: which record there, ``record 3``) and keep it; when it
        cannot be used, its problem (:meth:`problem`)."""
        try:
            ext_id = check_record(value)
        except ValueError as exc:
            self.problem(DatasetError(self._path, line, key, str(exc)))
            return
        if ext_id is not None:  # named as the file writes it: q1, not the EXT-q1 it counts as
            written = value.get("id") or value["datapoint_id"]
            first = self._seen.get(ext_id)
            if first is not None:
                earlier, spelt = first
                also = f", as {spelt!r}" if spelt != written else ""
                said = f"duplicate id {written!r} (first used at line {earlier}{also})"
                self.problem(DatasetError(self._path, line, key, said))
                return
            self._seen[ext_id] = (line, written)
        self.records.append(value)
        self.records.lines.append(line)

    def _every(self, last: DatasetError | None = None) -> DatasetError:
        """One error standing for the rows' problems and ``last`` (``issues``: each, the first its own), with a last
        issue counting those not shown."""
        problems = [*self.problems, *([last] if last is not None else [])]
        if self.unshown:
            said = f"and {self.unshown} more problem(s) in its rows, not shown here (the first {SHOWN} are)"
            problems.append(DatasetError(self._path, None, None, said))
        first = problems[0]
        first.issues = tuple(problems)
        return first

    def done(self) -> Rows:
        """The records, when no row had a problem; else a :class:`DatasetError` with each problem in ``issues``."""
        if self.problems:
            raise self._every()
        return self.records

    @contextmanager
    def stopping(self) -> Iterator[None]:
        """A :class:`DatasetError` that ends the reading in the block, raised after the rows' problems found before."""
        try:
            yield
        except DatasetError as exc:
            if not self.problems:
                raise
            raise self._every(exc) from None


def _decode_error(path: str, raw: bytes, exc: UnicodeDecodeError) -> DatasetError:
    """Bytes that are not UTF-8, named by the line they are on."""
    line = raw.count(b"\n", 0, exc.start) + 1
    return DatasetError(path, line, None, not_utf8(exc))

"""Datasets: what an experiment runs over.

A dataset is either a *managed* HoneyHive dataset (by id or by name, fetched through the HTTP client) or a
*file in the repository* (``.jsonl``, ``.json`` or ``.csv``) that becomes an external ``EXT-`` dataset.
:data:`DatasetRef` names one of the two; :func:`load_dataset` turns it into records.

This module owns the file half. The managed half is a seam: :class:`ManagedDatasetSource` is what the HTTP
client (``client.py``) implements; nothing here does HTTP.

Records
-------
A record has exactly the shape the official SDK takes for an external dataset::

    {"inputs": {...}, "ground_truth": {...} | null, "id": "...", "metadata": {...} | null}

Only ``inputs`` is required. The allowed top-level keys are ``inputs`` (an object), ``ground_truth`` (an
object or null), ``metadata`` (an object or null), ``history`` (a list of objects, or null), and ``id`` /
``datapoint_id`` (a non-empty string, or null; at most one of the two may be set). Any other key is an error
that names it. Ids must be unique within a file; ``q1`` and ``EXT-q1`` count as the same id, because the
SDK adds the ``EXT-`` prefix to an id that lacks it.

JSON files (``.json``, ``.jsonl``) are returned **exactly as parsed**: no key is added, removed or reordered
and no value is converted, so the ``EXT-`` ids (a sha256 over ``json.dumps(records, sort_keys=True)``) are
the ones the SDK computes for the same data. Loading only *rejects* input, it never rewrites it. Beyond the
shape above it rejects what JSON itself does not allow but Python's ``json`` accepts: ``NaN``/``Infinity``
and an object that repeats a key (which Python would silently collapse to the last value).

- ``.jsonl``: one JSON object per line; blank lines are skipped. Errors name ``file:line N``.
- ``.json``: a top-level list of records, or an object ``{"datapoints": [...]}`` with no other key. Errors
  name ``file:record N (line L)`` (records count from 1; ``L`` is the line the record starts on), and JSON
  syntax errors name ``file:line L, column C``.

CSV convention (``.csv``)
-------------------------
Read with the ``csv`` module (default dialect: comma, ``"`` quoting, multi-line quoted cells), UTF-8 with or
without a byte-order mark. The first row is the header; each column header is ``[section.]key[:type]``:

- ``inputs.<key>`` → ``inputs[key]``; ``ground_truth.<key>`` → ``ground_truth[key]``;
  ``metadata.<key>`` → ``metadata[key]``; ``id`` → the record's ``id``.
- A column without a section prefix is an input: ``question`` is ``inputs.question``. A bare header with a
  dot whose first part is not a section (``groundtruth.answer``) is an error, to catch typos; write
  ``inputs.a.b`` for an input key that contains a dot. Keys are not nested: ``inputs.a.b`` is the key ``a.b``.
- The optional ``:type`` suffix converts the cell: ``:str`` (the default, the text as is), ``:int``
  (``[+-]digits``), ``:float`` (a decimal number, finite), ``:bool`` (``true``/``false``, ``yes``/``no``,
  ``1``/``0``, any case), ``:json`` (any JSON value, e.g. a list, an object, ``null`` or ``""``). Any other
  suffix is an error. A key that itself contains a colon needs an explicit type: ``inputs.a:b:str``.
  The ``id`` column takes no type suffix.
- Header cells are stripped of surrounding whitespace; data cells are not.
- **An empty cell omits the key** (CSV cannot tell an empty string from a missing value; use ``:json`` with
  ``""`` for an explicit empty string). A ``ground_truth`` or ``metadata`` section with no non-empty cell
  in a row is omitted from that record (so evaluators see no ground truth); ``inputs`` is always present.
  Rows whose cells are all empty (including blank lines) are skipped.
- Errors name ``file:line N`` (a row of the wrong length) or ``file:line N, column <header>`` (a bad
  value); ``N`` is the physical line the row starts on.

Every problem is raised as :class:`DatasetError` (``path``, ``location``, ``message``), never as a bare
``ValueError`` or ``OSError``. Loading is linear in the file's size: one pass, a dict for duplicate ids.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias

__all__ = [
    "ALLOWED_RECORD_KEYS",
    "CSV_SECTIONS",
    "CSV_TYPES",
    "SUPPORTED_SUFFIXES",
    "DatasetError",
    "DatasetFile",
    "DatasetRef",
    "ManagedDataset",
    "ManagedDatasetSource",
    "Record",
    "load_dataset",
    "load_dataset_file",
]

Record: TypeAlias = dict[str, Any]
"""One datapoint as the SDK takes it: ``{"inputs": ..., "ground_truth"?: ..., "id"?: ..., "metadata"?: ...}``."""

SUPPORTED_SUFFIXES: tuple[str, ...] = (".jsonl", ".json", ".csv")
ALLOWED_RECORD_KEYS: frozenset[str] = frozenset({"id", "datapoint_id", "inputs", "ground_truth", "metadata", "history"})
CSV_SECTIONS: tuple[str, ...] = ("inputs", "ground_truth", "metadata")
CSV_TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "json")

_EXT_PREFIX = "EXT-"
_UTF8_BOM = b"\xef\xbb\xbf"
_JSON_WS = re.compile(r"[ \t\n\r]*")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


# ---------------------------------------------------------------------------------------------------- errors


class DatasetError(Exception):
    """A dataset that cannot be used, with where the problem is.

    ``str()`` is ``path:location: message`` (``path: message`` when the problem is the file as a whole).
    """

    def __init__(self, path: str, location: str | None, message: str) -> None:
        super().__init__(path, location, message)
        self.path = path
        self.location = location
        self.message = message

    def __str__(self) -> str:
        if self.location:
            return f"{self.path}:{self.location}: {self.message}"
        return f"{self.path}: {self.message}"


# -------------------------------------------------------------------------------------------- references


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


def load_dataset(ref: DatasetRef, *, managed: ManagedDatasetSource | None = None) -> list[Record]:
    """The records of ``ref``: a file is loaded here, a managed dataset through ``managed``."""
    if isinstance(ref, DatasetFile):
        return load_dataset_file(ref.path)
    if managed is None:
        raise ValueError(f"loading the managed dataset {ref.id or ref.name!r} needs a ManagedDatasetSource")
    return managed.fetch_dataset_records(ref)


# ------------------------------------------------------------------------------------------------ files


def load_dataset_file(path: str | os.PathLike[str]) -> list[Record]:
    """Load and validate a dataset file; see the module docstring for formats and conventions.

    Raises:
        DatasetError: unsupported extension, missing or unreadable file, bad encoding, bad syntax, a record
            of the wrong shape, a duplicate id, or no records at all.
    """
    shown = os.fspath(path)
    suffix = Path(shown).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        found = f"{suffix!r}" if suffix else "no extension"
        raise DatasetError(
            shown, None, f"unsupported dataset file type ({found}); use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    loader = _LOADERS[suffix]
    try:
        records = loader(shown)
    except OSError as exc:
        raise DatasetError(shown, None, _describe_os_error(exc)) from None
    if not records:
        raise DatasetError(shown, None, "the dataset has no records")
    return records


def _describe_os_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a dataset file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read the file: {exc.strerror or exc}"


# ------------------------------------------------------------------------------------------ JSON parsing


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _NonFiniteError(Exception):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return obj


def _reject_constant(constant: str) -> Any:
    raise _NonFiniteError(constant)


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_object, parse_constant=_reject_constant)


def _decode_failure(exc: _DuplicateKeyError | _NonFiniteError | RecursionError) -> str:
    """The message for a failure raised from inside the decoder (rather than a syntax error)."""
    if isinstance(exc, _DuplicateKeyError):
        return f"an object repeats the key {exc.key!r}"
    if isinstance(exc, _NonFiniteError):
        return f"{exc.constant} is not valid JSON (numbers must be finite)"
    return "JSON nested too deeply"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _ext_id(value: str) -> str:
    return value if value.startswith(_EXT_PREFIX) else _EXT_PREFIX + value


def _check_record(value: object) -> str | None:
    """Validate one parsed record; returns its explicit id (``EXT-``-normalised) or ``None``.

    Raises ``ValueError`` with the message; the caller adds the path and location.
    """
    if not isinstance(value, dict):
        raise ValueError(f"a record must be a JSON object, found {_type_name(value)}")
    for key in value:
        if key not in ALLOWED_RECORD_KEYS:
            allowed = ", ".join(sorted(ALLOWED_RECORD_KEYS))
            raise ValueError(f"unknown key {key!r} (allowed: {allowed})")
    if "inputs" not in value:
        raise ValueError("missing 'inputs' (an object)")
    if not isinstance(value["inputs"], dict):
        raise ValueError(f"'inputs' must be an object, found {_type_name(value['inputs'])}")
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
    explicit: str | None = None
    for key in ("id", "datapoint_id"):
        raw = value.get(key)
        if raw is None:
            continue
        if not isinstance(raw, str) or not raw:
            found = "an empty string" if raw == "" else _type_name(raw)
            raise ValueError(f"{key!r} must be a non-empty string or null, found {found}")
        if explicit is not None:
            raise ValueError("both 'id' and 'datapoint_id' are set; use one")
        explicit = _ext_id(raw)
    return explicit


class _IdRegistry:
    """Duplicate-id detection in O(1) per record."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._seen: dict[str, str] = {}

    def add(self, ext_id: str | None, location: str) -> None:
        if ext_id is None:
            return
        first = self._seen.get(ext_id)
        if first is not None:
            raise DatasetError(self._path, location, f"duplicate id {ext_id!r} (first used at {first})")
        self._seen[ext_id] = location


def _read_text(path: str) -> str:
    """The whole file as text (UTF-8, a leading byte-order mark dropped); bad bytes are named by line."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _decode_error(path, raw, exc) from None


def _decode_error(path: str, raw: bytes, exc: UnicodeDecodeError) -> DatasetError:
    line = raw.count(b"\n", 0, exc.start) + 1
    return DatasetError(path, f"line {line}", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})")


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


# ------------------------------------------------------------------------------------------------- .jsonl


def _load_jsonl(path: str) -> list[Record]:
    records: list[Record] = []
    ids = _IdRegistry(path)
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if lineno == 1 and raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]
            location = f"line {lineno}"
            try:
                # without its line break, so a syntax error's column is on this line
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise DatasetError(path, location, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})") from None
            if not line.strip(" \t\r\n"):
                continue
            try:
                value = _DECODER.decode(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(path, f"line {lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None
            except (_DuplicateKeyError, _NonFiniteError, RecursionError) as exc:
                raise DatasetError(path, location, _decode_failure(exc)) from None
            try:
                ext_id = _check_record(value)
            except ValueError as exc:
                raise DatasetError(path, location, str(exc)) from None
            ids.add(ext_id, location)
            records.append(value)
    if not records:
        raise DatasetError(path, None, "the file is empty (no non-blank line)")
    return records


# -------------------------------------------------------------------------------------------------- .json


class _JsonScanner:
    """Walks a ``.json`` dataset's outer list (or ``{"datapoints": [...]}``) record by record.

    Each record is decoded by the standard decoder in place, so the records are exactly what ``json.load``
    gives, while every error can name the record and the line it starts on. Line numbers are counted
    incrementally, so the walk stays linear.
    """

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.ids = _IdRegistry(path)
        self._line = 1
        self._line_pos = 0

    def _skip(self, pos: int) -> int:
        match = _JSON_WS.match(self.text, pos)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def _line_at(self, pos: int) -> int:
        """The line of ``pos``; positions must be asked for in increasing order."""
        self._line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def _syntax_error(self, pos: int, message: str) -> DatasetError:
        if pos >= len(self.text):
            message = "Unexpected end of file"
        return DatasetError(self.path, _line_col(self.text, pos), f"invalid JSON: {message}")

    def _decode(self, pos: int, location: str) -> tuple[Any, int]:
        try:
            value, end = _DECODER.raw_decode(self.text, pos)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                self.path, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}"
            ) from None
        except (_DuplicateKeyError, _NonFiniteError, RecursionError) as exc:
            raise DatasetError(self.path, location, _decode_failure(exc)) from None
        return value, end

    def load(self) -> list[Record]:
        pos = self._skip(0)
        if pos == len(self.text):
            raise DatasetError(self.path, None, "the file is empty")
        first = self.text[pos]
        if first == "[":
            records, pos = self._array(pos)
        elif first == "{":
            records, pos = self._wrapper(pos)
        else:
            where = _line_col(self.text, pos)
            value, _ = self._decode(pos, where)
            raise DatasetError(
                self.path,
                where,
                'the top level must be a list of records or an object {"datapoints": [...]}, '
                f"found {_type_name(value)}",
            )
        pos = self._skip(pos)
        if pos != len(self.text):
            raise self._syntax_error(pos, "Extra data after the top-level value")
        return records

    def _wrapper(self, pos: int) -> tuple[list[Record], int]:
        records: list[Record] | None = None
        pos = self._skip(pos + 1)
        if self.text.startswith("}", pos):
            raise DatasetError(self.path, _line_col(self.text, pos), "the top-level object has no 'datapoints' list")
        while True:
            if not self.text.startswith('"', pos):
                raise self._syntax_error(pos, "Expecting property name enclosed in double quotes")
            where = _line_col(self.text, pos)
            key, pos = self._decode(pos, where)
            pos = self._skip(pos)
            if not self.text.startswith(":", pos):
                raise self._syntax_error(pos, "Expecting ':' delimiter")
            pos = self._skip(pos + 1)
            if key != "datapoints":
                raise DatasetError(
                    self.path, where, f"unknown top-level key {key!r}; the top-level object holds only 'datapoints'"
                )
            if records is not None:
                raise DatasetError(self.path, where, "'datapoints' appears twice")
            if not self.text.startswith("[", pos):
                where = _line_col(self.text, pos)
                value, _ = self._decode(pos, where)
                raise DatasetError(self.path, where, f"'datapoints' must be a list, found {_type_name(value)}")
            records, pos = self._array(pos)
            pos = self._skip(pos)
            if self.text.startswith(",", pos):
                pos = self._skip(pos + 1)
                continue
            if self.text.startswith("}", pos):
                return records, pos + 1
            raise self._syntax_error(pos, "Expecting ',' or '}'")

    def _array(self, pos: int) -> tuple[list[Record], int]:
        records: list[Record] = []
        pos = self._skip(pos + 1)
        if self.text.startswith("]", pos):
            return records, pos + 1
        while True:
            location = f"record {len(records) + 1} (line {self._line_at(pos)})"
            value, pos = self._decode(pos, location)
            try:
                ext_id = _check_record(value)
            except ValueError as exc:
                raise DatasetError(self.path, location, str(exc)) from None
            self.ids.add(ext_id, location)
            records.append(value)
            pos = self._skip(pos)
            if self.text.startswith(",", pos):
                pos = self._skip(pos + 1)
                continue
            if self.text.startswith("]", pos):
                return records, pos + 1
            raise self._syntax_error(pos, "Expecting ',' or ']'")


def _load_json(path: str) -> list[Record]:
    return _JsonScanner(path, _read_text(path)).load()


# --------------------------------------------------------------------------------------------------- .csv


def _convert_str(cell: str) -> Any:
    return cell


def _convert_int(cell: str) -> Any:
    if not _INT_RE.fullmatch(cell):
        raise ValueError(f"{cell!r} is not an integer")
    return int(cell)


def _convert_float(cell: str) -> Any:
    if not _FLOAT_RE.fullmatch(cell):
        raise ValueError(f"{cell!r} is not a number")
    number = float(cell)
    if not math.isfinite(number):
        raise ValueError(f"{cell!r} is out of range")
    return number


def _convert_bool(cell: str) -> Any:
    try:
        return _BOOLS[cell.lower()]
    except KeyError:
        raise ValueError(f"{cell!r} is not a boolean (true/false, yes/no, 1/0)") from None


def _convert_json(cell: str) -> Any:
    try:
        return _DECODER.decode(cell)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} (at character {exc.pos + 1})") from None
    except (_DuplicateKeyError, _NonFiniteError, RecursionError) as exc:
        raise ValueError(_decode_failure(exc)) from None


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "str": _convert_str,
    "int": _convert_int,
    "float": _convert_float,
    "bool": _convert_bool,
    "json": _convert_json,
}


@dataclass(frozen=True, slots=True)
class _Column:
    header: str
    section: str  # "inputs" | "ground_truth" | "metadata" | "id"
    key: str
    convert: Callable[[str], Any]


def _parse_header(header: str) -> _Column:
    """One header cell → where its values go; raises ``ValueError`` with the reason."""
    if not header:
        raise ValueError("empty column header")
    spec, type_name = header, "str"
    typed = False
    if ":" in header:
        spec, _, type_name = header.rpartition(":")
        typed = True
        if type_name not in _CONVERTERS:
            raise ValueError(f"unknown type suffix ':{type_name}' (use one of {', '.join(':' + t for t in CSV_TYPES)})")
    if spec == "id":
        if typed:
            raise ValueError("the 'id' column takes no type suffix")
        return _Column(header, "id", "id", _convert_str)
    section, dot, key = spec.partition(".")
    if not dot:
        if spec in CSV_SECTIONS:
            raise ValueError(f"column {spec!r} needs a key: {spec}.<key>")
        section, key = "inputs", spec
    elif section not in CSV_SECTIONS:
        raise ValueError(
            f"unknown section {section!r}; use inputs.<key>, ground_truth.<key> or metadata.<key> "
            f"(or inputs.{spec} for an input key containing a dot)"
        )
    if not key:
        raise ValueError(f"missing key after '{section}.'")
    return _Column(header, section, key, _CONVERTERS[type_name])


def _csv_columns(path: str, header_row: list[str]) -> list[_Column]:
    columns: list[_Column] = []
    targets: dict[tuple[str, str], str] = {}
    for number, raw in enumerate(header_row, start=1):
        header = raw.strip()
        location = f"line 1, column {header or number}"
        try:
            column = _parse_header(header)
        except ValueError as exc:
            raise DatasetError(path, location, str(exc)) from None
        target = (column.section, column.key)
        if target in targets:
            raise DatasetError(path, location, f"the same key as column {targets[target]!r}")
        targets[target] = header
        columns.append(column)
    return columns


def _csv_rows(path: str) -> Generator[tuple[int, list[str]], None, None]:
    """(starting line, cells) for every row; a decoding error is located by a second, binary pass."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        previous_end = 0
        try:
            for row in reader:
                yield previous_end + 1, row
                previous_end = reader.line_num
        except UnicodeDecodeError:
            raw = Path(path).read_bytes()
            try:
                raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise _decode_error(path, raw, exc) from None
            raise  # pragma: no cover - the text layer and bytes.decode agree on what is valid UTF-8
        except csv.Error as exc:
            raise DatasetError(path, f"line {previous_end + 1}", f"invalid CSV: {exc}") from None


def _load_csv(path: str) -> list[Record]:
    with contextlib.closing(_csv_rows(path)) as rows:
        return _csv_records(path, rows)


def _csv_records(path: str, rows: Iterator[tuple[int, list[str]]]) -> list[Record]:
    header_row = next(rows, None)
    if header_row is None:
        raise DatasetError(path, None, "the file is empty (no header row)")
    if not header_row[1]:
        raise DatasetError(path, "line 1", "the header row is empty")
    columns = _csv_columns(path, header_row[1])
    width = len(columns)
    records: list[Record] = []
    ids = _IdRegistry(path)
    for lineno, row in rows:
        if not any(row):
            continue
        if len(row) != width:
            raise DatasetError(path, f"line {lineno}", f"expected {width} cells (as in the header), found {len(row)}")
        inputs: dict[str, Any] = {}
        sections: dict[str, dict[str, Any]] = {"inputs": inputs, "ground_truth": {}, "metadata": {}}
        record_id: str | None = None
        for column, cell in zip(columns, row, strict=True):
            if cell == "":
                continue
            if column.section == "id":
                record_id = cell
                continue
            try:
                sections[column.section][column.key] = column.convert(cell)
            except ValueError as exc:
                raise DatasetError(path, f"line {lineno}, column {column.header}", str(exc)) from None
        record: Record = {}
        if record_id is not None:
            ids.add(_ext_id(record_id), f"line {lineno}")
            record["id"] = record_id
        record["inputs"] = inputs
        if sections["ground_truth"]:
            record["ground_truth"] = sections["ground_truth"]
        if sections["metadata"]:
            record["metadata"] = sections["metadata"]
        records.append(record)
    return records


_LOADERS: dict[str, Callable[[str], list[Record]]] = {
    ".jsonl": _load_jsonl,
    ".json": _load_json,
    ".csv": _load_csv,
}

"""The ``.csv`` reader: the header convention (``[section.]key[:type]``), typed cells, located errors.

Owns :data:`CSV_SECTIONS` and :data:`CSV_TYPES`, parsing the header row into columns, converting cells by
their column's type, and building one record per non-empty row (an empty cell omits its key; an empty
``ground_truth`` or ``metadata`` section is left out). Rows are read with the ``csv`` module in one pass;
errors name the physical line a row starts on, every bad cell's and row's said (a bad header, CSV that cannot be read
on, stops the reading). README's "Dataset files" states the convention in full.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import math
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from honeyhive_experiment.datasets.records import (
    _DECODER,
    Record,
    Rows,
    _decode_error,
    _Records,
)
from honeyhive_experiment.errors import DatasetError, did_you_mean

__all__ = ["CSV_SECTIONS", "CSV_TYPES", "load_csv"]

CSV_SECTIONS: tuple[str, ...] = ("inputs", "ground_truth", "metadata")
CSV_TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "json")

_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_OTHER_SEPARATORS = ((";", "semicolons"), ("\t", "tabs"))  # what spreadsheets export as "CSV" in some locales
_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
log = logging.getLogger(__name__)


def load_csv(path: str) -> Rows:
    """The records of the ``.csv`` file at ``path``; raises :class:`DatasetError` (or ``OSError``)."""
    with contextlib.closing(_csv_rows(path)) as rows:
        return _csv_records(path, rows)


# ------------------------------------------------------------------------------------------------- cells


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
        return _DECODER.decode(cell)  # JSON it rejects raises a ValueError saying why (records._NotStrictJson)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} (at character {exc.pos + 1})") from None


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "str": str,  # the text as is
    "int": _convert_int,
    "float": _convert_float,
    "bool": _convert_bool,
    "json": _convert_json,
}


# --------------------------------------------------------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class _Column:
    header: str
    section: str  # "inputs" | "ground_truth" | "metadata" | "id"
    key: str  # for the "id" section: "id" or "datapoint_id", the record key it fills (as in a JSON record)
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
    if spec in ("id", "datapoint_id"):
        if typed:
            raise ValueError(f"the {spec!r} column takes no type suffix")
        return _Column(header, "id", spec, str)
    section, dot, key = spec.partition(".")
    if not dot:
        if spec in CSV_SECTIONS:
            raise ValueError(f"column {spec!r} needs a key: {spec}.<key>")
        section, key = "inputs", spec
    elif section not in CSV_SECTIONS:
        hint = did_you_mean(section, CSV_SECTIONS)
        raise ValueError(
            f"unknown section {section!r}; {hint or 'use inputs.<key>, ground_truth.<key> or metadata.<key>'} "
            f"(a column without a section is an input: write inputs.{spec} for an input key containing a dot)"
        )
    if not key:
        raise ValueError(f"missing key after '{section}.'")
    return _Column(header, section, key, _CONVERTERS[type_name])


def _csv_columns(path: str, header_row: list[str]) -> list[_Column]:
    separator = next((name for char, name in _OTHER_SEPARATORS if char in header_row[0]), None)
    if len(header_row) == 1 and separator is not None:  # one column named "inputs.q;ground_truth.a": no key has that
        raise DatasetError(path, 1, None, f"one column, its header split by {separator}: separate columns with commas")
    columns: list[_Column] = []
    targets: dict[tuple[str, str], str] = {}
    for number, raw in enumerate(header_row, start=1):
        header = raw.strip()
        where = f"column {header!r}" if header else f"column {number}"
        try:
            column = _parse_header(header)
        except ValueError as exc:
            raise DatasetError(path, 1, where, str(exc)) from None
        target = (column.section, column.key)
        if target in targets:
            raise DatasetError(path, 1, where, f"the same key as column {targets[target]!r}")
        bare = column.section == "inputs" and column.key == header.partition(":")[0]  # legal: an input
        if bare and (hint := did_you_mean(column.key, CSV_SECTIONS[1:], slip=True)):  # ground_truths, meta_data
            said = (
                f"no section prefix, so it is an input (inputs.{column.key}); {hint} (a ground truth's column is"
                " ground_truth.<key>, metadata's metadata.<key>)"
            )
            # placed on the header as an error is (file= relative to the workspace, line=) in GitHub Actions
            log.warning("%s", DatasetError(path, 1, where, said), extra={"gha_file": path, "gha_line": 1})
        targets[target] = header
        columns.append(column)
    return columns


# ----------------------------------------------------------------------------------------------------------------- rows


def _csv_rows(path: str) -> Generator[tuple[int, list[str]], None, None]:
    """(starting line, cells) for every row; a decoding error is located by a second, binary pass."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)  # not strict, an unclosed quote swallows every later row silently
        previous_end = 0
        # a cell may be as long as the file, as a .jsonl line may (the csv module's default limit, 131,072 characters,
        # refused valid CSV); the limit is the process's, so the caller's is put back
        limit = csv.field_size_limit(os.fstat(handle.fileno()).st_size + 1)
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
            unclosed = "a quote opened in this row is never closed: " if "end of data" in str(exc) else ""
            raise DatasetError(path, previous_end + 1, None, f"invalid CSV: {unclosed}{exc}") from None
        finally:
            csv.field_size_limit(limit)


def _csv_records(path: str, rows: Iterator[tuple[int, list[str]]]) -> Rows:
    header_row = next(rows, None)
    if header_row is None:
        raise DatasetError(path, None, None, "the file is empty (no header row)")
    if not header_row[1]:
        raise DatasetError(path, 1, None, "the header row is empty")
    columns = _csv_columns(path, header_row[1])
    records = _Records(path)
    with records.stopping():  # CSV that cannot be read on (an unclosed quote, bytes not UTF-8) after the rows' problems
        for lineno, row in rows:
            if any(row):
                _csv_row(path, columns, lineno, row, records)
    return records.done()


def _csv_row(path: str, columns: list[_Column], lineno: int, row: list[str], records: _Records) -> None:
    """The record of ``row`` (starting on line ``lineno``) added to ``records``, else its problems, a cell's each."""
    if len(row) != len(columns):
        said = f"expected {len(columns)} cells (as in the header), found {len(row)}"
        records.problem(DatasetError(path, lineno, None, said))
        return
    sections: dict[str, dict[str, Any]] = {"id": {}, **{section: {} for section in CSV_SECTIONS}}
    bad = False
    for column, cell in zip(columns, row, strict=True):
        if cell == "":
            continue
        try:  # an id column's cell as it is (str)
            sections[column.section][column.key] = column.convert(cell)
        except ValueError as exc:
            records.problem(DatasetError(path, lineno, f"column {column.header!r}", str(exc)))
            bad = True
    if bad:
        return
    record: Record = {**sections.pop("id"), "inputs": sections.pop("inputs")}
    record.update((section, values) for section, values in sections.items() if values)  # an empty one left out
    records.add(record, lineno)

"""The ``.json`` reader: a list of records (or ``{"datapoints": [...]}``) walked record by record.

Owns :class:`_JsonScanner`, which decodes each record with the standard decoder in place, so the records are
exactly what ``json.load`` gives while every error is located on its line, as ``record N`` there, or ``column C`` for a
syntax error. A record of the wrong shape is left out and the walk goes on (every one is said); a syntax error, or JSON
that strict JSON rejects, ends it: where the next record starts is then unknown. Line numbers are counted
incrementally, so the walk stays linear in the file's size.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from honeyhive_experiment.datasets.records import (
    _DECODER,
    ALLOWED_RECORD_KEYS,
    Rows,
    _decode_error,
    _json_errors,
    _Records,
    _type_name,
)
from honeyhive_experiment.errors import DatasetError

__all__ = ["load_json"]

_JSON_WS = re.compile(r"[ \t\n\r]*")


def load_json(path: str) -> Rows:
    """The records of the ``.json`` file at ``path``; raises :class:`DatasetError` (or ``OSError``)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a leading byte-order mark dropped
    except UnicodeDecodeError as exc:
        raise _decode_error(path, raw, exc) from None
    return _JsonScanner(path, text).load()


def _line_col(text: str, pos: int) -> tuple[int, str]:
    """The line of ``pos`` and its column, as a :class:`DatasetError` is located."""
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return text.count("\n", 0, pos) + 1, f"column {column}"


class _JsonScanner:
    """Walks the outer list (or ``{"datapoints": [...]}``) record by record; the module docstring says how."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._line = 1
        self._line_pos = 0
        self._records = _Records(path)

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
        return DatasetError(self.path, *_line_col(self.text, pos), f"invalid JSON: {message}")

    def _decode(self, pos: int, line: int, key: str) -> tuple[Any, int]:
        with _json_errors(self.path, line, key):
            return _DECODER.raw_decode(self.text, pos)

    def _found(self, pos: int, expected: str) -> DatasetError:
        """What should be at ``pos`` (``expected``) and the type of the value there instead, at its line and column."""
        where = _line_col(self.text, pos)
        return DatasetError(self.path, *where, f"{expected}, found {_type_name(self._decode(pos, *where)[0])}")

    def load(self) -> Rows:
        with self._records.stopping():
            self._walk()
        return self._records.done()

    def _walk(self) -> None:
        pos = self._skip(0)
        if pos == len(self.text):
            raise DatasetError(self.path, None, None, "the file is empty")
        first = self.text[pos]
        if first == "[":
            pos = self._array(pos)
        elif first == "{":
            pos = self._wrapper(pos)
        else:
            raise self._found(pos, 'the top level must be a list of records or an object {"datapoints": [...]}')
        pos = self._skip(pos)
        if pos != len(self.text):
            raise self._syntax_error(pos, "Extra data after the top-level value")

    def _after(self, pos: int, close: str) -> tuple[int, bool]:
        """Past the ``,`` after an item, and True (another item follows); or past ``close``, and False."""
        pos = self._skip(pos)
        if self.text.startswith(",", pos):
            return self._skip(pos + 1), True
        if self.text.startswith(close, pos):
            return pos + 1, False
        raise self._syntax_error(pos, f"Expecting ',' or {close!r}")

    def _wrapper(self, pos: int) -> int:
        listed, more = False, True
        pos = self._skip(pos + 1)
        if self.text.startswith("}", pos):
            raise DatasetError(self.path, *_line_col(self.text, pos), "the top-level object has no 'datapoints' list")
        while more:
            if not self.text.startswith('"', pos):
                raise self._syntax_error(pos, "Expecting property name enclosed in double quotes")
            where = _line_col(self.text, pos)
            key, pos = self._decode(pos, *where)
            pos = self._skip(pos)
            if not self.text.startswith(":", pos):
                raise self._syntax_error(pos, "Expecting ':' delimiter")
            pos = self._skip(pos + 1)
            if key != "datapoints":
                hint = " (one object per line? name the file .jsonl)" if key in ALLOWED_RECORD_KEYS else ""
                raise DatasetError(
                    self.path,
                    *where,
                    f"unknown top-level key {key!r}; the top-level object holds only 'datapoints'{hint}",
                )
            if listed:
                raise DatasetError(self.path, *where, "'datapoints' appears twice")
            if not self.text.startswith("[", pos):
                raise self._found(pos, "'datapoints' must be a list")
            pos, listed = self._array(pos), True
            pos, more = self._after(pos, "}")
        return pos

    def _array(self, pos: int) -> int:
        """The records of the list at ``pos`` added to the file's; the position after the list."""
        pos = self._skip(pos + 1)
        if self.text.startswith("]", pos):
            return pos + 1
        number, more = 0, True
        while more:
            number += 1
            line, key = self._line_at(pos), f"record {number}"
            value, pos = self._decode(pos, line, key)
            self._records.add(value, line, key)
            pos, more = self._after(pos, "]")
        return pos

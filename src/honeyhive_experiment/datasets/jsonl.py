"""The ``.jsonl`` reader: one JSON object per line, blank lines skipped, every error located on its line.

Reads the file as bytes line by line (a byte-order mark on the first line is dropped, on another is an error), so
a bad byte or a syntax error is located on its own line; each record goes through the shared shape and id checks of
:mod:`.records` and is returned exactly as parsed.
"""

from __future__ import annotations

import json
from typing import Any

from honeyhive_experiment.datasets.records import _DECODER, Rows, _json_errors, _Records
from honeyhive_experiment.errors import DatasetError
from honeyhive_experiment.paths import not_utf8

__all__ = ["load_jsonl"]

_UTF8_BOM = b"\xef\xbb\xbf"


class _NotJsonl(Exception):
    """A line whose syntax error says the file is not one JSON object a line (its ``error``): its other lines would
    each say so too, so the reading stops there."""

    def __init__(self, error: DatasetError) -> None:
        super().__init__(str(error))
        self.error = error


def _decode(line: str, following: bytes, path: str, lineno: int) -> Any:
    """The JSON value of one line; a syntax error that is the file's shape, not a typo, says so (:class:`_NotJsonl`):
    a line that opens a JSON array (the file is a .json one), or an object left open at the line's end and continued on
    the next line (``following``, the file's next line), not by another object: pretty-printed over lines."""
    try:
        return _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        if line.lstrip().startswith("["):
            hint = "this is a JSON array: name the file .json (a .jsonl file holds one JSON object per line)"
        elif (
            line.lstrip().startswith("{")
            and line.rstrip().endswith(("{", "[", ",", ":"))
            and (following := following.strip())
            and not following.startswith(b"{")
        ):
            hint = (
                "a .jsonl file holds one JSON object per line: write each on one line (an object over several lines"
                " is a .json file's: a list of objects)"
            )
        else:
            raise
        error = DatasetError(path, lineno, f"column {exc.colno}", f"invalid JSON: {exc.msg}; {hint}")
        raise _NotJsonl(error) from None


def load_jsonl(path: str) -> Rows:
    """The records of the ``.jsonl`` file at ``path``; raises :class:`DatasetError` (or ``OSError``), with every
    line's problem in ``issues``: a line is read alone, so only one that says the file is not JSON Lines stops the
    reading."""
    records = _Records(path)
    with open(path, "rb") as handle:
        lines = iter(handle)
        following = next(lines, None)
        lineno = 0
        while following is not None:  # each line with the next one, which a syntax error's hint looks at
            raw, following, lineno = following, next(lines, None), lineno + 1
            try:
                _line(path, lineno, raw, following or b"", records)
            except DatasetError as exc:
                records.problem(exc)
            except _NotJsonl as exc:
                with records.stopping():
                    raise exc.error from None
    if not records.records and not records.problems:
        raise DatasetError(path, None, None, "the file is empty (no non-blank line)")
    return records.done()


def _line(path: str, lineno: int, raw: bytes, following: bytes, records: _Records) -> None:
    """The record on line ``lineno`` (``raw``; ``following``: the next line) added to ``records``, if it is not blank;
    :class:`DatasetError` when it cannot be read."""
    if raw.startswith(_UTF8_BOM):
        if lineno > 1:  # JSON's "Expecting value" at column 1 would not say why
            raise DatasetError(path, lineno, None, "a byte-order mark (U+FEFF) starts the line: two files joined?")
        raw = raw[len(_UTF8_BOM) :]
    try:
        # without its line break, so a syntax error's column is on this line
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise DatasetError(path, lineno, None, not_utf8(exc)) from None
    if not line.strip(" \t\r\n"):
        return
    with _json_errors(path, lineno, first_line=lineno):
        value = _decode(line, following, path, lineno)
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        said = "a record must be a JSON object, found a list of objects: name the file .json (a JSON array)"
        raise DatasetError(path, lineno, None, said)
    records.add(value, lineno)

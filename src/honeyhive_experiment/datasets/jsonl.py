"""The ``.jsonl`` reader: one JSON object per line, blank lines skipped, every error located on its line.

Reads the file as bytes line by line (a byte-order mark on the first line is dropped, on another is an error), so
a bad byte or a syntax error is located on its own line; each record goes through the shared shape and id checks of
:mod:`.records` and is returned exactly as parsed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from honeyhive_experiment.datasets.records import _DECODER, Rows, _json_errors, _Records
from honeyhive_experiment.errors import DatasetError
from honeyhive_experiment.paths import not_utf8

__all__ = ["load_jsonl"]

_UTF8_BOM = b"\xef\xbb\xbf"


def _decode(line: str, rest: Iterator[bytes]) -> Any:
    """The JSON value of one line; a syntax error that is the file's shape, not a typo, says so: a line that opens a
    JSON array (the file is a .json one), or an object left open at the line's end and continued on the next line
    (of ``rest``, the file's lines after it), not by another object: pretty-printed over lines."""
    try:
        return _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        if line.lstrip().startswith("["):
            hint = "this is a JSON array: name the file .json (a .jsonl file holds one JSON object per line)"
        elif (
            line.lstrip().startswith("{")
            and line.rstrip().endswith(("{", "[", ",", ":"))
            and (following := next(rest, b"").strip())
            and not following.startswith(b"{")
        ):
            hint = (
                "a .jsonl file holds one JSON object per line: write each on one line (an object over several lines"
                " is a .json file's: a list of objects)"
            )
        else:
            raise
        raise json.JSONDecodeError(f"{exc.msg}; {hint}", exc.doc, exc.pos) from None


def load_jsonl(path: str) -> Rows:
    """The records of the ``.jsonl`` file at ``path``; raises :class:`DatasetError` (or ``OSError``)."""
    records = _Records(path)
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if raw.startswith(_UTF8_BOM):
                if lineno > 1:  # JSON's "Expecting value" at column 1 would not say why
                    raise DatasetError(
                        path, lineno, None, "a byte-order mark (U+FEFF) starts the line: two files joined?"
                    )
                raw = raw[len(_UTF8_BOM) :]
            try:
                # without its line break, so a syntax error's column is on this line
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise DatasetError(path, lineno, None, not_utf8(exc)) from None
            if not line.strip(" \t\r\n"):
                continue
            with _json_errors(path, lineno, first_line=lineno):
                value = _decode(line, handle)
            if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
                said = "a record must be a JSON object, found a list of objects: name the file .json (a JSON array)"
                raise DatasetError(path, lineno, None, said)
            records.add(value, lineno)
    if not records.records:
        raise DatasetError(path, None, None, "the file is empty (no non-blank line)")
    return records.records

"""The ``.jsonl`` reader: one JSON object per line, blank lines skipped, every error located on its line.

Reads the file as bytes line by line (a byte-order mark on the first line is dropped, on another is an error), so
a bad byte or a syntax error is located on its own line; each record goes through the shared shape and id checks of
:mod:`.records` and is returned exactly as parsed.
"""

from __future__ import annotations

from honeyhive_experiment.datasets.records import _DECODER, Rows, _json_errors, _Records
from honeyhive_experiment.errors import DatasetError
from honeyhive_experiment.paths import not_utf8

__all__ = ["load_jsonl"]

_UTF8_BOM = b"\xef\xbb\xbf"


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
                value = _DECODER.decode(line)
            records.add(value, lineno)
    if not records.records:
        raise DatasetError(path, None, None, "the file is empty (no non-blank line)")
    return records.records

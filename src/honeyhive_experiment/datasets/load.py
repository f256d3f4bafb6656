"""Loading a dataset file: a repository file read by the reader for its suffix.

Owns :data:`SUPPORTED_SUFFIXES` and the choice of reader, the ``OSError`` → :class:`DatasetError` mapping, the
refusal of a file saved as UTF-16 or UTF-32, and the rule that a dataset has at least one record. A managed dataset
is fetched by the HTTP client (:func:`honeyhive_experiment.experiment.managed_dataset`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from honeyhive_experiment.datasets.csvfile import load_csv
from honeyhive_experiment.datasets.jsonfile import load_json
from honeyhive_experiment.datasets.jsonl import load_jsonl
from honeyhive_experiment.datasets.records import Rows
from honeyhive_experiment.errors import DatasetError
from honeyhive_experiment.paths import not_a_file, saved_as

__all__ = ["SUPPORTED_SUFFIXES", "load_dataset_file"]

_LOADERS: dict[str, Callable[[str], Rows]] = {
    ".jsonl": load_jsonl,
    ".json": load_json,
    ".csv": load_csv,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_LOADERS)
_OS_ERRORS: tuple[tuple[type[OSError], str], ...] = (
    (FileNotFoundError, "file not found"),
    (IsADirectoryError, "is a directory, not a dataset file"),
    (PermissionError, "permission denied"),
)


def load_dataset_file(path: str | os.PathLike[str]) -> Rows:
    """Load and validate a dataset file (its records as parsed, and the line each starts on); see the package docstring
    for formats and conventions.

    Raises:
        DatasetError: unsupported extension, missing or unreadable file, bad encoding, bad syntax, a record
            of the wrong shape, a duplicate id, or no records at all.
    """
    shown = os.fspath(path)
    suffix = Path(shown).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        found = f"{suffix!r}" if suffix else "no extension"
        raise DatasetError(
            shown, None, None, f"unsupported dataset file type ({found}); use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        if (kind := not_a_file(os.stat(shown).st_mode)) is not None:  # never opened: a FIFO's open waits for ever
            raise DatasetError(shown, None, None, f"is {kind}: give a regular file")
        with open(shown, "rb") as head:  # UTF-16 without a byte-order mark decodes as UTF-8, into NULs
            if (said := saved_as(head.read(4))) is not None:
                raise DatasetError(shown, 1, None, said)
        records = _LOADERS[suffix](shown)
    except OSError as exc:
        said = next(
            (text for kind, text in _OS_ERRORS if isinstance(exc, kind)), f"cannot read the file: {exc.strerror or exc}"
        )
        raise DatasetError(shown, None, None, said) from None
    if not records:
        raise DatasetError(shown, None, None, "the dataset has no records")
    return records

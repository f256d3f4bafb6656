"""Datasets: what an experiment runs over.

A dataset is either a *managed* HoneyHive dataset (by id or by name, fetched through the HTTP client) or a
*file in the repository* (``.jsonl``, ``.json`` or ``.csv``) that becomes an external ``EXT-`` dataset.
The experiment file names one of the two (:class:`~honeyhive_experiment.config.DatasetConfig`);
:func:`load_dataset_file` turns a file into records. This package owns the file half; nothing here does HTTP.
Import everything from here: the names below are the package's public surface.

The formats (a record's keys, ``.jsonl``, ``.json``, the ``.csv`` header convention ``[section.]key[:type]`` and
its cells) are README's "Dataset files" section, which the readers follow: :mod:`.load` picks the reader by suffix,
:mod:`.jsonl`, :mod:`.jsonfile` and :mod:`.csvfile` each locate their errors, :mod:`.records` holds the record
shape and id checks they share, and the strict JSON decoder. Beyond what README says:

* Ids are unique within a file; ``q1`` and ``EXT-q1`` count as the same id (the SDK adds the prefix to one that lacks
  it). A row's id that is the one derived for a row without its own depends on ``dataset.datapoint_ids``, so it is
  checked where the ids are made (:func:`honeyhive_experiment.experiment.external_dataset`).
* JSON records are returned **exactly as parsed** (no key added, removed or reordered, no value converted), so the
  ``EXT-`` ids (a sha256 over ``json.dumps(records, sort_keys=True)``) are the SDK's for the same data. Loading only
  rejects: what Python's ``json`` accepts but JSON does not (``NaN``, ``Infinity``, a repeated key), and what no run
  could send on (``1e999``, half a surrogate pair, an int longer than the interpreter parses).
* Every problem is a :class:`DatasetError` (``file``, ``line``, ``key``: the place on the line, ``message``), never
  a bare ``ValueError`` or ``OSError``; a bad row is left out and the reading goes on, so one error names every
  row's problem in its ``issues`` (the first :data:`~.records.SHOWN`, then a count), until a problem no reader can
  read past. Loading is linear in the file's size: one pass, a dict for duplicate ids.
"""

from __future__ import annotations

from honeyhive_experiment.datasets.load import SUPPORTED_SUFFIXES, load_dataset_file
from honeyhive_experiment.datasets.records import ALLOWED_RECORD_KEYS, Record, Rows
from honeyhive_experiment.errors import DatasetError

__all__ = [
    "ALLOWED_RECORD_KEYS",
    "SUPPORTED_SUFFIXES",
    "DatasetError",
    "Record",
    "Rows",
    "load_dataset_file",
]

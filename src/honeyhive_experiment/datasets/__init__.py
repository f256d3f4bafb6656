"""Datasets: what an experiment runs over.

A dataset is either a *managed* HoneyHive dataset (by id or by name, fetched through the HTTP client) or a
*file in the repository* (``.jsonl``, ``.json`` or ``.csv``) that becomes an external ``EXT-`` dataset.
The experiment file names one of the two (:class:`~honeyhive_experiment.config.DatasetConfig`);
:func:`load_dataset_file` turns a file into records.

This package owns the file half; nothing here does HTTP.

The package
-----------
* :mod:`.load`: :func:`load_dataset_file`, which picks the reader by suffix;
* :mod:`.records`: the record shape and id checks every reader shares, and the strict JSON decoder;
* :mod:`.jsonl`, :mod:`.jsonfile`, :mod:`.csvfile`: one reader per format, each locating its errors.

Import everything from here: the names below are the package's public surface.

Records
-------
A record has exactly the shape the official SDK takes for an external dataset::

    {"inputs": {...}, "ground_truth": {...} | null, "id": "...", "metadata": {...} | null}

Only ``inputs`` is required. The allowed top-level keys are ``inputs`` (an object), ``ground_truth`` (an
object or null), ``metadata`` (an object or null), ``history`` (a list of objects, or null), and ``id`` /
``datapoint_id`` (a non-empty string without control characters, or null; at most one of the two may be set).
Any other key is an error that names it and the key it may be a misspelling of (``ground_truths``: did you mean
``ground_truth``?). Ids must be unique within a file; ``q1`` and ``EXT-q1`` count as the
same id, because the SDK adds the ``EXT-`` prefix to an id that lacks it. Nor may a row's id be the one derived
for a row without its own (``EXT-3f95ab4d4ee93cbc``): that depends on ``dataset.datapoint_ids``, so it is checked
where the ids are made (:func:`honeyhive_experiment.experiment.external_dataset`), not here.

JSON files (``.json``, ``.jsonl``) are returned **exactly as parsed**: no key is added, removed or reordered
and no value is converted, so the ``EXT-`` ids (a sha256 over ``json.dumps(records, sort_keys=True)``) are
the ones the SDK computes for the same data. Loading only *rejects* input, it never rewrites it. Beyond the
shape above it rejects what JSON itself does not allow but Python's ``json`` accepts: ``NaN``/``Infinity``
and an object that repeats a key (which Python would silently collapse to the last value); and what no run
could send on: a number beyond a float's range (``1e999``), half of a surrogate pair (``"\\ud800"``), an int
longer than the interpreter parses.

Every error is located as every other error of the program is, ``file:line: place: message`` (the file as
given, the line from 1, then what on the line, if anything):

- ``.jsonl``: one JSON object per line; blank lines are skipped. Errors name ``file:N``.
- ``.json``: a top-level list of records, or an object ``{"datapoints": [...]}`` with no other key. Errors
  name ``file:L: record N`` (records count from 1; ``L`` is the line the record starts on), and JSON
  syntax errors ``file:L: column C``.

CSV convention (``.csv``)
-------------------------
Read with the ``csv`` module (default dialect: comma, ``"`` quoting, multi-line quoted cells), UTF-8 with or
without a byte-order mark. The first row is the header; each column header is ``[section.]key[:type]``:

- ``inputs.<key>`` → ``inputs[key]``; ``ground_truth.<key>`` → ``ground_truth[key]``;
  ``metadata.<key>`` → ``metadata[key]``; ``id`` (or ``datapoint_id``) → the record's ``id`` (or
  ``datapoint_id``), as in a JSON record: a row may set only one of the two.
- A column without a section prefix is an input: ``question`` is ``inputs.question``. A bare header with a
  dot whose first part is not a section (``groundtruth.answer``) is an error, to catch typos; write
  ``inputs.a.b`` for an input key that contains a dot. Keys are not nested: ``inputs.a.b`` is the key ``a.b``.
- The optional ``:type`` suffix converts the cell: ``:str`` (the default, the text as is), ``:int``
  (``[+-]digits``), ``:float`` (a decimal number, finite), ``:bool`` (``true``/``false``, ``yes``/``no``,
  ``1``/``0``, any case), ``:json`` (any JSON value, e.g. a list, an object, ``null`` or ``""``). Any other
  suffix is an error. A key that itself contains a colon needs an explicit type: ``inputs.a:b:str``.
  The ``id`` and ``datapoint_id`` columns take no type suffix.
- Header cells are stripped of surrounding whitespace; data cells are not.
- **An empty cell omits the key** (CSV cannot tell an empty string from a missing value; use ``:json`` with
  ``""`` for an explicit empty string). A ``ground_truth`` or ``metadata`` section with no non-empty cell
  in a row is omitted from that record (so evaluators see no ground truth); ``inputs`` is always present.
  Rows whose cells are all empty (including blank lines) are skipped.
- Errors name ``file:N`` (a row of the wrong length) or ``file:N: column '<header>'`` (a bad value); ``N`` is
  the physical line the row starts on.

Every problem is raised as :class:`DatasetError` (``file``, ``line``, ``key``: the place on the line, ``message``),
never as a bare ``ValueError`` or ``OSError``. A bad row is left out and the reading goes on, so one error names every
row's problem in its ``issues`` (the first :data:`~.records.SHOWN`, then a count of the rest); a problem no reader can
read past (a header's, a ``.json`` file's syntax error, an unclosed CSV quote, a ``.jsonl`` line that says the file is
not JSON Lines) ends the list. Loading is linear in the file's size: one pass, a dict for duplicate ids.
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

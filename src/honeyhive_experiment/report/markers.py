"""The hidden HTML comments at the top of every PR comment: the one writer and the one parser of them.

::

    <!-- honeyhive-experiment:v1 key=<16 hex digits> -->       marker(experiment, config_file): finds the comment again
    <!-- honeyhive-experiment:meta head=<sha> run=<run id> -->   comment_metadata(head_sha, run_id)

The marker identifies the comment of one experiment file on a pull request (the comment is upserted by it). The
metadata line says which head commit and run the comment shows; :mod:`honeyhive_experiment.github` reads the
head back (:func:`comment_head_sha`) so that a run for an older commit never overwrites the comment of a
newer one. Values are reduced to ``[A-Za-z0-9._:-]`` (``-`` when absent), so nothing can close the comment.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH

__all__ = ["comment_head_sha", "comment_metadata", "marker", "parse_comment_metadata"]

_MARKER_FORMAT: Final = "<!-- honeyhive-experiment:v1 key={key} -->"
_META_FORMAT: Final = "<!-- honeyhive-experiment:meta head={head} run={run} -->"
# read leniently (spacing, field order): the fields of the first metadata comment in a body
_META_RE: Final = re.compile(r"<!--\s*honeyhive-experiment:meta\b(?P<fields>[^>]*?)\s*-->")
_META_FIELDS: Final = ("head", "run")
_ABSENT: Final = "-"
_SHA: Final = re.compile(r"[0-9a-fA-F]{7,40}")


def marker(experiment: str, config_file: str) -> str:
    """The hidden HTML comment that identifies the comment of one experiment file on a pull request: its key is the
    experiment's name and the file's path (``config_file``, see
    :attr:`~honeyhive_experiment.settings.Settings.config_file`), so two files under one name keep a comment each.
    The default file (:data:`~honeyhive_experiment.paths.DEFAULT_CONFIG_PATH`) keys by the name alone, as every
    comment was keyed before the path counted: an open pull request's comment from an earlier version is still the
    one edited, not left behind showing an old verdict."""
    identity = experiment if config_file == DEFAULT_CONFIG_PATH else f"{experiment}\x00{config_file}"
    key = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
    return _MARKER_FORMAT.format(key=key)


def _meta_token(value: str | None) -> str:
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._:-]", "", value or ""))[:100]
    return cleaned if cleaned and cleaned != _ABSENT else _ABSENT


def comment_metadata(head_sha: str | None, run_id: str | None) -> str:
    """A second hidden comment with the head commit and the run: ``<!-- honeyhive-experiment:meta … -->``."""
    return _META_FORMAT.format(head=_meta_token(head_sha), run=_meta_token(run_id))


def parse_comment_metadata(body: str | None) -> dict[str, str]:
    """``{"head": sha, "run": run_id}`` from a comment body (missing parts left out; ``{}`` without metadata)."""
    match = _META_RE.search(body or "")
    if match is None:
        return {}
    found: dict[str, str] = {}
    for field in match.group("fields").split():
        name, equals, value = field.partition("=")
        if equals and name in _META_FIELDS and name not in found:
            found[name] = value
    return {name: found[name] for name in _META_FIELDS if found.get(name, _ABSENT) != _ABSENT}


def comment_head_sha(body: str | None) -> str | None:
    """The head commit a comment shows, lower-cased, when its metadata names one that looks like a sha
    (7 to 40 hex digits); else ``None``."""
    head = parse_comment_metadata(body).get("head")
    return head.lower() if head is not None and _SHA.fullmatch(head) else None

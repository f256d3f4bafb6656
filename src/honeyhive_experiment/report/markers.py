"""The hidden HTML comments at the top of every PR comment: the one writer and the one parser of them.

::

    <!-- honeyhive-experiment:v1 file=<16 hex digits> -->      marker(config_file, variant): finds the comment again
    <!-- honeyhive-experiment:meta head=<sha> run=<run id> -->   comment_metadata(head_sha, run_id)
    ...
    <!-- honeyhive-experiment:posted workflow=<run id>.<attempt> -->   stamped(body, workflow_run_url), last

The marker identifies the comment of one experiment file (and ``variant``, when set: a matrix leg's) on a
pull request, which starts with it (the comment is upserted by it: :mod:`honeyhive_experiment.github` takes none as
its own that quotes it elsewhere);
:func:`earlier_marker` is the one earlier versions wrote, keyed by the experiment's name. The metadata line says
which head commit and run the comment shows; :mod:`honeyhive_experiment.github` reads the head back
(:func:`comment_head_sha`) so that a run for an older commit never overwrites the comment of a newer one. Values are
reduced to ``[A-Za-z0-9._:-]`` (``-`` when absent), so nothing can close the comment. The last line, added when the
comment is posted, names the workflow run attempt that posted it (:func:`posted_by`): another job of the same one (a
matrix leg on the same experiment file) is told from a re-run; ``<run id>.?`` when the attempt is unknown (no
``GITHUB_RUN_ATTEMPT``), where neither can be told from the other.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from honeyhive_experiment.context import workflow_run_attempt

__all__ = [
    "comment_head_sha",
    "comment_metadata",
    "earlier_marker",
    "marker",
    "parse_comment_metadata",
    "posted_by",
    "stamped",
]

_MARKER_FORMAT: Final = "<!-- honeyhive-experiment:v1 file={key} -->"
_EARLIER_FORMAT: Final = "<!-- honeyhive-experiment:v1 key={key} -->"
_META_FORMAT: Final = "<!-- honeyhive-experiment:meta head={head} run={run} -->"
# read leniently (spacing, field order): the fields of the first metadata comment in a body
_META_RE: Final = re.compile(r"<!--\s*honeyhive-experiment:meta\b(?P<fields>[^>]*?)\s*-->")
_META_FIELDS: Final = ("head", "run")
_POSTED_FORMAT: Final = "<!-- honeyhive-experiment:posted workflow={attempt} -->"
_POSTED_RE: Final = re.compile(r"<!--\s*honeyhive-experiment:posted\s+workflow=([0-9]+\.(?:[0-9]+|\?))\s*-->")
_ABSENT: Final = "-"
_SHA: Final = re.compile(r"[0-9a-fA-F]{7,40}")


def _key(identity: str) -> str:
    # surrogatepass: a name that is not UTF-8 (a file's bytes read as lone surrogates) keys a comment of its own too
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def marker(config_file: str, variant: str = "") -> str:
    """The hidden HTML comment that identifies the comment of one experiment file on a pull request, keyed by the
    file's path (``config_file``, see :attr:`~honeyhive_experiment.settings.Settings.config_file`): two files under
    one name keep a comment each, and a file whose name cannot be read (it no longer parses) still edits its own.
    A ``variant`` (the input, which holds no line break) keys it too: the legs of a matrix over one
    file keep a comment each; without one it is the file's alone, as every earlier version's."""
    return _MARKER_FORMAT.format(key=_key(f"{config_file}\n{variant}" if variant else config_file))


def earlier_marker(experiment: str) -> str:
    """The marker every comment carried before the file counted, keyed by the experiment's name alone: the default
    file's run edits the comment carrying it when none carries its own :func:`marker` (an open pull request's
    comment from an earlier version, not left behind showing an old verdict), which then carries the new one."""
    return _EARLIER_FORMAT.format(key=_key(experiment))


def _meta_token(value: str | None) -> str:
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._:-]", "", value or ""))[:100]
    return cleaned if cleaned and cleaned != _ABSENT else _ABSENT


def comment_metadata(head_sha: str | None, run_id: str | None) -> str:
    """A second hidden comment with the head commit and the run: ``<!-- honeyhive-experiment:meta … -->``."""
    return _META_FORMAT.format(head=_meta_token(head_sha), run=_meta_token(run_id))


def stamped(body: str, workflow_run_url: str | None) -> str:
    """``body`` and, last, the workflow run attempt of ``workflow_run_url`` (``…/actions/runs/<id>/attempts/<n>``, or
    ``…/runs/<id>``: attempt ``?``) that posts it; as it is without one."""
    attempt = workflow_run_attempt(workflow_run_url)
    if attempt is None:
        return body
    return f"{body.rstrip()}\n\n{_POSTED_FORMAT.format(attempt=attempt)}\n"


def posted_by(body: str | None) -> str | None:
    """The workflow run attempt (``<id>.<n>``, or ``<id>.?``) that posted a comment's ``body`` (:func:`stamped`),
    or None."""
    found = _POSTED_RE.findall(body or "")
    return found[-1] if found else None


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

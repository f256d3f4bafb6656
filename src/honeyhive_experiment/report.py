"""Everything text: the PR comment, the job summary, the terminal table and ``report.json``.

Rendering is pure: values in (:class:`ReportInput`), a string or a dict out. The only I/O is reading a
custom comment template when a path is given (and the built-in template shipped in the package).

What is rendered
----------------
* :func:`render_comment` — the sticky pull-request comment, from ``templates/comment.md.j2`` (or the
  repository's own template). It starts with the hidden :func:`marker` (one comment per PR and
  experiment) and :func:`comment_metadata` (head commit and run, read back by
  :func:`parse_comment_metadata` so an older head never overwrites a newer one's comment).
* :func:`render_summary` — the full report for ``$GITHUB_STEP_SUMMARY`` (≤ 1 MiB).
* :func:`render_terminal` — a plain-text table for a dry run's terminal output.
* :func:`report_json` — the machine-readable ``report.json`` (``"version": 1``), valid against
  :func:`report_json_schema`, committed as ``schemas/report.schema.json``.

The backend computes, the report carries
----------------------------------------
Aggregates, differences, percentage changes, improved/degraded counts and pass/fail are the backend's
numbers (:mod:`honeyhive_experiment.models`), formatted and never recomputed. Presentation only:

* **Direction.** ``metrics.<name>.direction: lower`` makes a negative difference an improvement. The
  backend calls a larger value "improved"; for lower-is-better metrics the *improved / degraded* column shows
  the backend's ``degraded_count / improved_count``.
* **Numbers.** A metric's ``format`` spec when configured; else about three significant digits
  (``0.853``, ``12.3``, ``1,234``); boolean metrics averaged by the backend show as a percentage.
  Differences of percentages are in percentage points (``+4.0 pp``); ``Δ%`` is the backend's
  ``percentage_change``. A difference too small to show in the metric's format counts as *same*.

The size budget
---------------
A comment is never longer than :data:`COMMENT_LIMIT` characters. When the full comment is longer it
degrades step by step, stopping at the first that fits, and says so at the top (the steps taken are
returned in :attr:`Rendered.truncated_steps`):

1. ``datapoint_rows`` — at most 5 failed / errored datapoints listed, previews cut to 80 characters;
2. ``details`` — the failed, errored and trend sections are left out;
3. ``metric_rows`` — as many metric rows as fit (key, failing and worse metrics first), with
   "N more metrics in the job summary";
4. ``summary_only`` — verdict, counts, links and reasons only;
5. ``hard_truncate`` — only a custom template that ignores all of the above gets here: the text is cut.

The job summary holds everything up to :data:`SUMMARY_LIMIT_BYTES`; beyond that it lists fewer
datapoints (all of them are in ``report.json``) and says so.

Escaping
--------
Templates are rendered with autoescaping and a ``finalize`` hook, so **every** ``{{ value }}`` that is
not already markup goes through :func:`md_escape`: control characters and bidi overrides removed,
newlines folded to spaces, Markdown specials backslash-escaped (``\\ ` * _ [ ] | ~ # $``), ``& < >``
HTML-escaped, and ``@name`` / ``#123`` broken with a zero-width joiner so a datapoint cannot mention a
user or reference an issue. The escaped text is safe inside a table cell. Filters for other contexts:
``md`` (the same, explicitly; ``cell`` is an alias), ``url`` (http/https only, percent-encoded; anything
else becomes empty) and ``codeblock`` (a fenced block longer than any backtick run inside it). The
plain-text terminal output strips control characters instead.

Redaction
---------
:class:`Redactor` replaces the given secret values (the action's inputs: API key, tokens; at least 4
characters) and common key patterns (:data:`SECRET_PATTERNS`: ``sk-…``, ``ghp_…``/``gho_…``/…,
``github_pat_…``, ``hh_…``, AWS ``AKIA…``, Slack ``xox…``, Google ``AIza…``, JWTs, private-key blocks,
``Bearer``/``Basic`` credentials, passwords in URLs, ``api_key=…``/``password: …`` pairs) with ``***``.
It runs on every string before it enters a template (so truncating a preview cannot leave half a secret)
and again on the finished text. Values under keys such as ``api_key``, ``token`` or ``password`` in
datapoint inputs and outputs are replaced whole. :class:`RedactingFilter` does the same to log records;
the CLI installs it on its log handlers.

Custom templates
----------------
``comment.template`` names a Jinja file in the repository. It gets the same variables and filters (see
``templates/README.md``), is rendered in Jinja's sandbox, and may ``{% extends "builtin/comment.md.j2" %}``
to override blocks of the built-in one. A template that cannot be read, parsed or rendered, or whose
output lacks :func:`marker`, raises :class:`TemplateError` naming the file. (The metadata comment is
added after the marker when a template leaves it out.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from markupsafe import Markup

from honeyhive_experiment.config import CommentConfig, Direction, MetricConfig
from honeyhive_experiment.models import (
    DatapointResult,
    ExperimentResultSummary,
    MetricDelta,
    MetricDetail,
    MetricKey,
    RunComparisonResult,
)
from honeyhive_experiment.verdict import Decision, Verdict

if TYPE_CHECKING:
    # Jinja is imported where templates are built: every job redacts its logs with this module, but a
    # mode-run job renders nothing. runner pulls in OpenTelemetry; the report only reads the outcomes' fields.
    import jinja2

    from honeyhive_experiment.runner import DatapointOutcome

__all__ = [
    "COMMENT_LIMIT",
    "REDACTED",
    "REPORT_SCHEMA_ID",
    "REPORT_VERSION",
    "SECRET_PATTERNS",
    "SUMMARY_LIMIT_BYTES",
    "BaselineInfo",
    "RedactingFilter",
    "Redactor",
    "Rendered",
    "ReportInput",
    "TemplateError",
    "TrendPoint",
    "comment_metadata",
    "format_delta",
    "format_number",
    "format_percentage_change",
    "humanize_age",
    "marker",
    "md_escape",
    "parse_comment_metadata",
    "render_comment",
    "render_summary",
    "render_terminal",
    "report_json",
    "report_json_schema",
    "report_json_schema_text",
]

COMMENT_LIMIT: Final = 65_000
"""The longest comment ever written, in characters (GitHub refuses bodies over 65,536)."""
SUMMARY_LIMIT_BYTES: Final = 1_048_576
"""The largest job summary, in UTF-8 bytes (GitHub's limit per step)."""
REPORT_VERSION: Final = 1
REPORT_SCHEMA_ID: Final = "urn:honeyhive-experiment:schema:report:v1"
REDACTED: Final = "***"
BUILTIN_TEMPLATE: Final = "comment.md.j2"

_PREVIEW_STORED: Final = 1000  # characters of an input/output preview kept (report.json)
_PREVIEW_COMMENT: Final = 200
_PREVIEW_SHORT: Final = 80
_ROWS_DEGRADED: Final = 5
_TREND_POINTS: Final = 10
_MAX_LISTED: Final = 20  # reasons / notes shown in the comment
_FAILING_SHOWN: Final = 5  # failing metrics named per datapoint row
_RAW_SLICE: Final = 20_000  # a string output is cut to this before redaction (far beyond any preview)
_PERCENT_AGGREGATES: Final = frozenset({None, "average"})


# ============================================================================================ redaction

SECRET_PATTERNS: Final[tuple[str, ...]] = (
    r"-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|\Z)",
    r"(?P<keep>\b(?i:bearer)\s+)[A-Za-z0-9._~+/=-]{8,}",
    r"(?P<keep>\b(?i:basic)\s+)[A-Za-z0-9+/]{12,}={0,2}",
    r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}",
    r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{20,}",
    r"(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{20,}",
    r"(?<![A-Za-z0-9])hh_[A-Za-z0-9]{16,}",
    r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}",
    r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}",
    r"(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    r"(?P<keep>://[^\s/:@]+:)[^\s/@]+(?=@)",
    r"(?P<keep>(?<![A-Za-z0-9])(?i:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|client[_-]?secret"
    r"|secret[_-]?key|secret|password|passwd|token)(?![A-Za-z0-9])[\"']?\s*[:=]\s*[\"']?)(?!\*\*\*)"
    r"[A-Za-z0-9._~+/=-]{6,}",
)
"""Common secret shapes, replaced by ``***`` (a ``keep`` group stays: ``Bearer ***``).

Private-key blocks; ``Bearer``/``Basic`` credentials; OpenAI-style ``sk-…``; GitHub ``ghp_/gho_/ghu_/ghs_/ghr_…``
and ``github_pat_…``; HoneyHive ``hh_…``; AWS access key ids; Slack ``xox…``; Google ``AIza…``; JWTs;
the password of a URL's userinfo; and the value of ``api_key=``, ``token:``, ``password=``… pairs."""

# For each pattern: substrings one of which every match contains, checked (lower-cased) before the regex
# runs, so that most strings cost no regex at all. The flag says whether the pattern itself ignores case.
_PATTERN_HINTS: Final[tuple[tuple[tuple[str, ...], bool], ...]] = (
    (("PRIVATE KEY-----",), False),
    (("bearer",), True),
    (("basic",), True),
    (("sk-",), False),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), False),
    (("github_pat_",), False),
    (("hh_",), False),
    (("AKIA", "ASIA"), False),
    (("xox",), False),
    (("AIza",), False),
    (("eyJ",), False),
    (("://",), False),
    (("key", "token", "secret", "passw"), True),
)
_RULES: Final = tuple(
    (re.compile(pattern), tuple(hint.lower() for hint in hints))
    for pattern, (hints, _) in zip(SECRET_PATTERNS, _PATTERN_HINTS, strict=True)
)


_SENSITIVE_KEY: Final = re.compile(
    r"(?i)^(?:.*[_-])?(?:api[_-]?key|apikey|token|access[_-]?token|secret|client[_-]?secret|password|passwd"
    r"|authorization|cookie|private[_-]?key|credentials?)$"
)


def _replace(match: re.Match[str]) -> str:
    kept = match.groupdict().get("keep")
    return REDACTED if kept is None else kept + REDACTED


class Redactor:
    """Replaces secret values and common secret patterns (:data:`SECRET_PATTERNS`) with ``***``.

    ``secrets`` are exact values (the action's inputs); values shorter than 4 characters are ignored so
    that a one-letter "secret" cannot blank the whole report.
    """

    __slots__ = ("_cache", "_exact", "_secrets")

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        values: set[str] = set()
        for secret in secrets:
            if isinstance(secret, str):
                values.update(v for v in (secret, secret.strip()) if len(v) >= 4)
        self._secrets = tuple(sorted(values, key=lambda v: (-len(v), v)))
        self._exact = re.compile("|".join(re.escape(v) for v in self._secrets)) if self._secrets else None
        self._cache: dict[str, str] = {}  # short strings (names, ids) repeat: redact each once

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        if len(text) < 4:
            return text
        if len(text) <= 200:
            cached = self._cache.get(text)
            if cached is None:
                cached = self._redact(text)
                if len(self._cache) < 50_000:
                    self._cache[text] = cached
            return cached
        return self._redact(text)

    def _redact(self, text: str) -> str:
        if self._exact is not None:
            for secret in self._secrets:
                if secret in text:
                    text = self._exact.sub(REDACTED, text)
                    break
        lower = text.lower()  # the hints are checked case-insensitively: a superset of what can match
        for pattern, hints in _RULES:
            for hint in hints:
                if hint in lower:
                    replaced = pattern.sub(_replace, text)
                    if replaced != text:
                        text, lower = replaced, replaced.lower()
                    break
        return text

    __call__ = redact

    def redact_value(self, value: Any, *, _depth: int = 0) -> Any:
        """A copy of a JSON-like value with strings redacted and values under secret-looking keys replaced."""
        if isinstance(value, str):
            return self.redact(value)
        if _depth > 40:
            return REDACTED
        if isinstance(value, Mapping):
            result: dict[Any, Any] = {}
            for key, item in value.items():
                shown = self.redact(key) if isinstance(key, str) else key
                if (
                    isinstance(key, str)
                    and _SENSITIVE_KEY.match(key)
                    and isinstance(item, str | int | float | bytes)
                    and not isinstance(item, bool)
                    and item != ""
                ):
                    result[shown] = REDACTED
                else:
                    result[shown] = self.redact_value(item, _depth=_depth + 1)
            return result
        if isinstance(value, list | tuple | set | frozenset):
            return [self.redact_value(item, _depth=_depth + 1) for item in value]
        return value

    def _strings(self, value: Any) -> Any:
        """Every string of a JSON document redacted (keys included); nothing else changes."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self._strings(k): self._strings(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._strings(item) for item in value]
        return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message (with its args), exception text and stack.

    Install it on handlers (a filter on a logger does not see records propagated from child loggers)::

        handler.addFilter(RedactingFilter(Redactor([api_key, github_token])))
    """

    def __init__(self, redactor: Redactor, name: str = "") -> None:
        super().__init__(name)
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string still must not leak its arguments
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


# ============================================================================================= escaping

_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NEWLINES: Final = re.compile(r"\s*[\r\n]+\s*")
_REFERENCE: Final = re.compile(r"(?<![A-Za-z0-9])@(?=[A-Za-z0-9])|#(?=\d)|(?<=\bGH)-(?=\d)")
_ZWJ: Final = "\u200d"
_URL_SAFE: Final = ":/?#@!$&'*+,;=%-._~"


_MD_REPLACEMENTS: Final = (
    ("\\", "\\\\"),  # first: the backslashes added below must stay single
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    *((c, "\\" + c) for c in "`*_[]|~#$"),
)
_MD_NEEDS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\\`*_\[\]|~#$&<>@]|GH-")


def md_escape(value: Any) -> Markup:
    """``value`` as inline Markdown text that renders literally (also safe in a table cell).

    Markup is returned unchanged; ``None`` is empty.
    """
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    text = str(value)
    if _MD_NEEDS.search(text) is None:  # the common case: nothing to escape
        return Markup(text)  # noqa: S704 - checked: no character that Markdown or HTML interprets
    if "\n" in text or "\r" in text:
        text = _NEWLINES.sub(" ", text)
    text = _CONTROL.sub("", text).replace("\t", " ")
    for char, escaped in _MD_REPLACEMENTS:
        if char in text:
            text = text.replace(char, escaped)
    if "@" in text or "#" in text or "GH-" in text:
        text = _REFERENCE.sub(_break_reference, text)
    return Markup(text)  # noqa: S704 - escaped above


def _break_reference(match: re.Match[str]) -> str:
    return match.group(0) + _ZWJ


def _url_filter(value: Any) -> Markup:
    """An http(s) URL made safe for a Markdown link target or an HTML attribute; anything else is empty."""
    url = _http_url(value if isinstance(value, str) else None)
    return Markup(url or "")  # noqa: S704 - http(s) only, percent-encoded by _http_url


def _http_url(value: str | None) -> str | None:
    if not value:
        return None
    text = _CONTROL.sub("", value).strip()
    if not re.match(r"(?i)^https?://[^\s/]", text):
        return None
    return urllib.parse.quote(text, safe=_URL_SAFE)


def _codeblock(value: Any) -> Markup:
    """Multi-line text as a fenced code block (nothing inside is interpreted, nobody is mentioned)."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}text\n{text}\n{fence}")  # noqa: S704 - nothing inside a fence is interpreted


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}``: markup stays, ``None`` is empty, text is escaped with :func:`md_escape`."""
    if value is None:
        return Markup("")
    if isinstance(value, str) and not isinstance(value, Markup):
        return md_escape(value)
    return value


def _plain(text: str) -> str:
    """One line of terminal-safe text (no escape sequences)."""
    return _NEWLINES.sub(" ", _CONTROL.sub("", text.replace("\x1b", "")))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


# =========================================================================================== formatting


def format_number(value: float | None, spec: str | None = None, *, percent: bool = False) -> str:
    """A metric number: the ``spec`` when given (and valid for it), a percentage for ``percent``, else
    about three significant digits (``0.853``, ``12.3``, ``1,234``, ``42``). ``None`` is ``—``."""
    if value is None:
        return "—"
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if spec:
        try:
            return format(number, spec)
        except (ValueError, TypeError):
            pass  # e.g. an integer spec for a fractional value: fall back to the default
    if percent:
        return f"{number:.1%}"
    if number == 0:
        return "0"
    size = abs(number)
    if size >= 999.5:
        return f"{number:,.0f}"
    if number.is_integer():
        return str(int(number))
    if size < 1e-4:
        return f"{number:.2e}"
    return f"{number:.3g}"


def _magnitude(value: float, spec: str | None, percent: bool) -> str:
    text = format_number(abs(value), spec, percent=percent)
    if text.endswith("%"):  # a difference of percentages is in percentage points
        text = text[:-1].rstrip() + " pp"
    return text


def _is_zero(value: float, spec: str | None, percent: bool) -> bool:
    """Whether a difference is too small to show in the metric's format."""
    return value == 0 or _magnitude(value, spec, percent) == _magnitude(0.0, spec, percent)


def format_delta(value: float | None, spec: str | None = None, *, percent: bool = False) -> str:
    """The backend's difference, signed, in the metric's format (percentages in points: ``+4.0 pp``)."""
    if value is None or not math.isfinite(value):
        return "—"
    if _is_zero(value, spec, percent):
        return _magnitude(0.0, spec, percent)
    return ("+" if value > 0 else "-") + _magnitude(value, spec, percent)


def format_percentage_change(value: float | None) -> str:
    """The backend's ``percentage_change`` (already in percent): ``+5.0%``."""
    if value is None or not math.isfinite(value):
        return "—"
    if round(value, 1) == 0:
        return "0.0%"
    return f"{'+' if value > 0 else '-'}{abs(value):,.1f}%"


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def humanize_age(then: datetime, now: datetime) -> str:
    """``"3 days ago"``; naive datetimes are taken as UTC; anything under a minute is ``"just now"``."""
    seconds = (_utc(now) - _utc(then)).total_seconds()
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def _sparkline(values: Sequence[float | None]) -> str:
    numbers = [v for v in values if v is not None and math.isfinite(v)]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    bars = "▁▂▃▄▅▆▇█"
    out = []
    for v in values:
        if v is None or not math.isfinite(v):
            out.append("·")
        elif high == low:
            out.append(bars[3])
        else:
            out.append(bars[round((v - low) / (high - low) * (len(bars) - 1))])
    return "".join(out)


def _is_boolean(values: Sequence[Any] | None) -> bool:
    sample = list(values[:64]) if values else []
    return bool(sample) and all(isinstance(v, bool) for v in sample)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# ============================================================================================== markers

_MARKER_FORMAT: Final = "<!-- honeyhive-experiment:v1 key={key} -->"
_META_RE: Final = re.compile(r"<!-- honeyhive-experiment:meta head=(\S+) run=(\S+) -->")


def marker(experiment: str) -> str:
    """The hidden HTML comment that identifies the comment of one experiment on a pull request."""
    key = hashlib.sha256(experiment.encode("utf-8")).hexdigest()[:16]
    return _MARKER_FORMAT.format(key=key)


def _meta_token(value: str | None) -> str:
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._:-]", "", value or ""))[:100]
    return cleaned if cleaned and cleaned != "-" else "-"


def comment_metadata(head_sha: str | None, run_id: str | None) -> str:
    """A second hidden comment with the head commit and the run: ``<!-- honeyhive-experiment:meta … -->``."""
    return f"<!-- honeyhive-experiment:meta head={_meta_token(head_sha)} run={_meta_token(run_id)} -->"


def parse_comment_metadata(body: str) -> dict[str, str]:
    """``{"head": sha, "run": run_id}`` from a comment body (missing parts left out; ``{}`` without metadata)."""
    match = _META_RE.search(body or "")
    if match is None:
        return {}
    found = {"head": match.group(1), "run": match.group(2)}
    return {k: v for k, v in found.items() if v != "-"}


# =============================================================================================== inputs


@dataclass(frozen=True)
class BaselineInfo:
    """The baseline run the comparison was made against, as the baseline module found it.

    ``shared_datapoints`` / ``total_datapoints`` default to the comparison's ``commonDatapoints`` and this
    run's datapoints when not given.
    """

    run_id: str
    name: str | None = None
    url: str | None = None
    commit_sha: str | None = None
    branch: str | None = None
    created_at: datetime | None = None
    shared_datapoints: int | None = None
    total_datapoints: int | None = None


@dataclass(frozen=True)
class TrendPoint:
    """A key metric's aggregates in an earlier baseline run (from that run's backend summary)."""

    label: str
    run_id: str | None
    values: Mapping[str, float | None]


@dataclass(frozen=True, kw_only=True)
class ReportInput:
    """Everything a report shows; built by the action from the backend's answers and the run's outcomes."""

    experiment: str
    decision: Decision
    run_id: str | None = None
    run_url: str | None = None
    head_sha: str | None = None
    pr_number: int | None = None
    summary: ExperimentResultSummary | None = None
    comparison: RunComparisonResult | None = None
    baseline: BaselineInfo | None = None
    outcomes: Sequence[DatapointOutcome] = ()
    inputs_by_datapoint: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    metrics: Mapping[str, MetricConfig] = field(default_factory=dict)
    comment: CommentConfig = field(default_factory=CommentConfig)
    error: str | None = None
    notes: Sequence[str] = ()
    trend: Sequence[TrendPoint] = ()
    dry_run: bool = False
    generated_at: datetime
    tool_version: str


@dataclass(frozen=True)
class Rendered:
    """A rendered comment and the size-budget steps taken (empty when nothing was left out)."""

    text: str
    truncated_steps: tuple[str, ...] = ()


class TemplateError(Exception):
    """A comment template that cannot be read, parsed or rendered, or whose output lacks the marker."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(path, message, line)
        self.path = path
        self.message = message
        self.line = line

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


# ========================================================================================== the model


@dataclass(frozen=True, slots=True)
class _MetricRow:
    name: str
    event_name: str | None
    label: str
    direction: str
    key: bool
    configured: bool
    percent: bool
    baseline: float | None
    value: float | None
    difference: float | None
    percentage_change: float | None
    improved_count: int | None
    degraded_count: int | None
    same_count: int | None
    better_count: int | None
    worse_count: int | None
    change: str | None
    failing: int | None
    range_min: float | None
    range_max: float | None
    # formatted
    baseline_text: str
    value_text: str
    delta_text: str
    delta_pct_text: str
    counts_text: str
    range_text: str
    status: str


@dataclass(frozen=True, slots=True)
class _FailingMetric:
    name: str
    event_name: str | None
    value: Any
    text: str


@dataclass(frozen=True, slots=True)
class _DatapointRow:
    id: str
    failing: tuple[_FailingMetric, ...]
    inputs: str | None
    outputs: str | None


@dataclass(frozen=True, slots=True)
class _ErrorRow:
    id: str
    status: str
    kind: str
    error: str
    evaluator: str | None


@dataclass(frozen=True, slots=True)
class _BaselineView:
    run_id: str
    name: str | None
    label: str
    about: str | None
    url: str | None
    short_sha: str | None
    commit_sha: str | None
    branch: str | None
    created_at: datetime | None
    age: str | None
    shared: int | None
    total: int | None
    shared_text: str
    total_text: str
    overlap_pct: str | None
    low_overlap: bool


@dataclass(frozen=True, slots=True)
class _TrendRow:
    label: str
    spark: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _TrendView:
    labels: tuple[str, ...]
    rows: tuple[_TrendRow, ...]


_DEFAULT_METRIC: Final = MetricConfig()
_VERDICT_WORDS: Final = {
    Verdict.PASS: "Passed",
    Verdict.FAIL: "Failed",
    Verdict.NEUTRAL: "Neutral",
    Verdict.ERROR: "Error",
}
_CHANGE_TEXT: Final = {
    "better": "🟢 better",
    "worse": "🔴 worse",
    "same": "⚪ same",
    "new": "🆕 new",
    "removed": "➖ not in this run",
}
_ERROR_KINDS: Final = {
    "function_error": "function raised",
    "timeout": "function timed out",
    "backend_error": "backend error",
}


def _range_text(low: float | None, high: float | None, spec: str | None, percent: bool) -> str:
    if low is not None and high is not None:
        return f"{format_number(low, spec, percent=percent)} – {format_number(high, spec, percent=percent)}"
    if low is not None:
        return f"≥ {format_number(low, spec, percent=percent)}"
    if high is not None:
        return f"≤ {format_number(high, spec, percent=percent)}"
    return "—"


class _Model:
    """The report's content, built once per render from a :class:`ReportInput`: every string redacted."""

    def __init__(self, data: ReportInput, redactor: Redactor) -> None:
        self.data = data
        self.redactor = redactor
        r = redactor.redact
        summary = data.summary
        self.verdict = data.decision.verdict
        self.experiment = _clip(r(data.experiment), 200)
        self.title = _clip(r(data.comment.title or data.experiment), 200)
        self.aggregation = summary.metrics.aggregation_function if summary is not None else None
        self.reasons = tuple(_clip(r(reason), 300) for reason in data.decision.reasons)
        self.gate_failures = tuple(_clip(r(g), 300) for g in data.decision.gate_failures)
        self.error = _clip(r(data.error), 4000) if data.error else None
        self.notes = tuple(_clip(r(note), 500) for note in data.notes)
        self.run_id = _clip(r(data.run_id), 100) if data.run_id else None
        self.run_url = _http_url(r(data.run_url)) if data.run_url else None
        self.head_sha = _clip(r(data.head_sha), 64) if data.head_sha else None
        self.generated_at = _utc(data.generated_at)
        self.tool_version = _clip(r(data.tool_version), 50)
        self.passed = len(summary.passed) if summary is not None else None
        self.failed = len(summary.failed) if summary is not None else None
        self.total = self.passed + self.failed if self.passed is not None and self.failed is not None else None
        self.metrics = self._metric_rows()
        self.baseline = self._baseline()
        self.errors, errored_ids = self._error_rows()
        self.errored = sum(1 for o in data.outcomes if o.status in _ERROR_KINDS)
        self.failed_keys = [k for k in (summary.failed if summary is not None else []) if k not in errored_ids]
        self._datapoints: dict[str, DatapointResult] = {}  # of failed datapoints, looked up as rows are built
        self._outcomes: dict[str, DatapointOutcome] = {}
        for outcome in data.outcomes:
            self._outcomes.setdefault(outcome.datapoint_id, outcome)
            self._outcomes.setdefault(outcome.session_id, outcome)
        self._failed_rows: list[_DatapointRow] = []
        self.trend = self._trend()

    # ---------------------------------------------------------------------------------- metrics

    def _config(self, name: str) -> MetricConfig:
        return self.data.metrics.get(name) or _DEFAULT_METRIC

    def _metric_rows(self) -> tuple[_MetricRow, ...]:
        summary, comparison = self.data.summary, self.data.comparison
        details: dict[MetricKey, MetricDetail] = {}
        if summary is not None:
            for detail in summary.metrics.details:
                details.setdefault(detail.key, detail)
        entries: list[tuple[MetricKey, MetricDelta | None, MetricDetail | None]] = []
        if comparison is not None:
            deltas = comparison.metric_deltas
            entries.extend((key, delta, details.get(key)) for key, delta in deltas.items())
            entries.extend((key, None, detail) for key, detail in details.items() if key not in deltas)
        else:
            entries.extend((key, None, detail) for key, detail in details.items())
        events_per_name = Counter(key[0] for key, _, _ in entries)
        rows = [
            self._metric_row(key, delta, detail, comparison is not None, events_per_name[key[0]] > 1)
            for key, delta, detail in entries
        ]
        order = {name: i for i, name in enumerate(self.data.metrics)}
        return tuple(
            sorted(rows, key=lambda row: (0 if row.key else 1 if row.configured else 2, order.get(row.name, 0)))
        )

    def _metric_row(
        self,
        key: MetricKey,
        delta: MetricDelta | None,
        detail: MetricDetail | None,
        compared: bool,
        ambiguous: bool,
    ) -> _MetricRow:
        r = self.redactor.redact
        name, event_name = key
        config = self._config(name)
        lower = config.direction is Direction.LOWER
        spec = config.format
        sample = (
            (detail.values if detail is not None else None)
            or (delta.new_values if delta is not None else None)
            or (delta.old_values if delta is not None else None)
        )
        percent = spec is None and _is_boolean(sample) and self.aggregation in _PERCENT_AGGREGATES
        baseline = delta.old_aggregate if delta is not None else None
        value = delta.new_aggregate if delta is not None else None
        if value is None and detail is not None:
            value = detail.aggregate
        difference = delta.difference if delta is not None else None
        change_pct = delta.percentage_change if delta is not None else None
        improved = degraded = same = None
        if delta is not None:
            improved = delta.improved_count if delta.improved_count is not None else _len(delta.improved)
            degraded = delta.degraded_count if delta.degraded_count is not None else _len(delta.degraded)
            same = delta.same_count if delta.same_count is not None else _len(delta.same)
        better, worse = (degraded, improved) if lower else (improved, degraded)
        change: str | None = None
        if delta is not None:
            if delta.old_aggregate is None and delta.new_aggregate is not None:
                change = "new"
            elif delta.new_aggregate is None and delta.old_aggregate is not None:
                change = "removed"
            elif difference is not None and math.isfinite(difference):
                if _is_zero(difference, spec, percent):
                    change = "same"
                else:
                    change = "better" if (difference > 0) != lower else "worse"
        failing = None
        if detail is not None and detail.datapoints is not None:
            failing = len(detail.datapoints.failed)
        low = high = None
        if detail is not None and detail.passing_range is not None:
            low, high = detail.passing_range.min, detail.passing_range.max
        has_range = low is not None or high is not None
        parts = [_CHANGE_TEXT[change]] if change is not None else []
        if failing:
            parts.append(f"❌ {failing:,} failing")
        elif not compared and has_range and failing == 0:
            parts.append("✅ passing")
        label = config.label or name
        if ambiguous and event_name:
            label = f"{label} ({event_name})"
        return _MetricRow(
            name=r(name),
            event_name=r(event_name) if event_name is not None else None,
            label=_clip(r(label), 100),
            direction=config.direction.value,
            key=config.key,
            configured=name in self.data.metrics,
            percent=percent,
            baseline=_finite(baseline),
            value=_finite(value),
            difference=_finite(difference),
            percentage_change=_finite(change_pct),
            improved_count=improved,
            degraded_count=degraded,
            same_count=same,
            better_count=better,
            worse_count=worse,
            change=change,
            failing=failing,
            range_min=_finite(low),
            range_max=_finite(high),
            baseline_text=format_number(baseline, spec, percent=percent),
            value_text=format_number(value, spec, percent=percent),
            delta_text=format_delta(difference, spec, percent=percent),
            delta_pct_text=format_percentage_change(change_pct),
            counts_text=f"{better:,} / {worse:,}" if better is not None and worse is not None else "—",
            range_text=_range_text(low, high, spec, percent),
            status=" · ".join(parts) or "—",
        )

    def metrics_shown(self, limit: int | None) -> tuple[_MetricRow, ...]:
        """At most ``limit`` rows, keeping key, failing and worse metrics first, in display order."""
        if limit is None or limit >= len(self.metrics):
            return self.metrics

        def priority(item: tuple[int, _MetricRow]) -> tuple[int, int]:
            index, row = item
            rank = 0 if row.key else 1 if row.failing else 2 if row.change == "worse" else 3 if row.configured else 4
            return rank, index

        chosen = sorted(enumerate(self.metrics), key=priority)[: max(0, limit)]
        return tuple(row for _, row in sorted(chosen, key=lambda item: item[0]))

    # --------------------------------------------------------------------------------- baseline

    def _baseline(self) -> _BaselineView | None:
        r = self.redactor.redact
        info, comparison, summary = self.data.baseline, self.data.comparison, self.data.summary
        if info is None and comparison is None:
            return None
        if info is None:
            assert comparison is not None
            old = comparison.old_run
            info = BaselineInfo(run_id=comparison.old_run_id, name=old.name if old is not None else None)
        shared = info.shared_datapoints
        if shared is None and comparison is not None:
            shared = len(comparison.common_datapoints)
        total = info.total_datapoints
        if total is None and comparison is not None and comparison.new_only_datapoints is not None:
            total = len(comparison.common_datapoints) + len(comparison.new_only_datapoints)
        if total is None and summary is not None:
            total = len(summary.datapoint_ids) or self.total
        overlap = shared / total if shared is not None and total else None
        sha = re.sub(r"[^0-9A-Za-z]", "", r(info.commit_sha)) if info.commit_sha else None
        run_id = _clip(r(info.run_id), 100)
        name = _clip(r(info.name), 100) if info.name else None
        branch = _clip(r(info.branch), 100) if info.branch else None
        age = humanize_age(info.created_at, self.generated_at) if info.created_at else None
        about = " ".join(x for x in (f"commit {sha[:7]}" if sha else None, f"on {branch}" if branch else None) if x)
        if age:
            about = f"{about}, {age}" if about else age
        return _BaselineView(
            run_id=run_id,
            name=name,
            label=name or run_id,
            about=about or None,
            url=_http_url(r(info.url)) if info.url else None,
            short_sha=sha[:7] if sha else None,
            commit_sha=sha or None,
            branch=branch,
            created_at=_utc(info.created_at) if info.created_at else None,
            age=age,
            shared=shared,
            total=total,
            shared_text=_count(shared),
            total_text=_count(total),
            overlap_pct=f"{overlap:.0%}" if overlap is not None else None,
            low_overlap=overlap is not None and overlap < 0.9,
        )

    # ------------------------------------------------------------------------------- datapoints

    def _error_rows(self) -> tuple[tuple[_ErrorRow, ...], set[str]]:
        r = self.redactor.redact
        rows: list[_ErrorRow] = []
        errored: set[str] = set()
        for outcome in self.data.outcomes:
            ident = _clip(r(outcome.datapoint_id), 100)
            status = str(outcome.status)
            if status in _ERROR_KINDS:
                errored.update((outcome.datapoint_id, outcome.session_id))
                error = r((outcome.error or "")[:_RAW_SLICE])
                rows.append(_ErrorRow(ident, status, _ERROR_KINDS[status], _clip(error, _PREVIEW_STORED), None))
            for failure in outcome.evaluator_failures:
                evaluator = _clip(r(failure.evaluator), 100)
                error = r((failure.error or "")[:_RAW_SLICE])
                kind = f"evaluator {evaluator} raised"
                rows.append(_ErrorRow(ident, "evaluator_error", kind, _clip(error, _PREVIEW_STORED), evaluator))
        return tuple(rows), errored

    def failed_rows(self, limit: int) -> list[_DatapointRow]:
        """The first ``limit`` failed datapoints (backend order), built on demand."""
        limit = min(limit, len(self.failed_keys))
        if self.data.summary is not None and len(self._failed_rows) < limit:
            # only the rows shown become models: a large run's summary keeps its datapoints compact
            wanted = self.failed_keys[len(self._failed_rows) : limit]
            self._datapoints.update(self.data.summary.datapoints.find(wanted))
        while len(self._failed_rows) < limit:
            self._failed_rows.append(self._failed_row(self.failed_keys[len(self._failed_rows)]))
        return self._failed_rows[:limit]

    def _failed_row(self, key: str) -> _DatapointRow:
        r = self.redactor.redact
        result = self._datapoints.get(key)
        failing: list[_FailingMetric] = []
        if result is not None:
            for metric in result.metrics:
                if metric.passed is False:
                    config = self._config(metric.name)
                    value = metric.value
                    stored: Any = value
                    if value is None:
                        shown = "—"
                    elif isinstance(value, bool):
                        shown = "true" if value else "false"
                    elif isinstance(value, int | float):
                        shown = format_number(value, config.format)
                    else:
                        stored = shown = _clip(r(str(value)), 60)
                    label = _clip(r(config.label or metric.name), 60)
                    event = r(metric.event_name) if metric.event_name else None
                    failing.append(_FailingMetric(r(metric.name), event, stored, f"{label} = {shown}"))
        datapoint_id = result.datapoint_id if result is not None and result.datapoint_id else key
        outcome = self._outcomes.get(datapoint_id) or self._outcomes.get(key)
        inputs = self.data.inputs_by_datapoint.get(datapoint_id)
        return _DatapointRow(
            id=_clip(r(key), 100),
            failing=tuple(failing),
            inputs=self._preview(inputs) if inputs is not None else None,
            outputs=self._preview(outcome.outputs) if outcome is not None and outcome.outputs is not None else None,
        )

    def _preview(self, value: Any) -> str:
        if isinstance(value, str):
            text = value[:_RAW_SLICE]
        else:
            safe = self.redactor.redact_value(value)
            try:
                text = json.dumps(safe, ensure_ascii=False, default=str)
            except (TypeError, ValueError):
                text = repr(safe)
        return _clip(self.redactor.redact(text), _PREVIEW_STORED)

    # ------------------------------------------------------------------------------------ trend

    def _trend(self) -> _TrendView | None:
        keys = [name for name, config in self.data.metrics.items() if config.key]
        points = list(self.data.trend)[-_TREND_POINTS:]
        if not keys or not points:
            return None
        r = self.redactor.redact
        current: dict[str, MetricDetail] = {}
        if self.data.summary is not None:
            for found in self.data.summary.metrics.details:
                current.setdefault(found.metric_name, found)
        rows = []
        for name in keys:
            config = self._config(name)
            detail = current.get(name)
            percent = (
                config.format is None
                and detail is not None
                and _is_boolean(detail.values)
                and self.aggregation in _PERCENT_AGGREGATES
            )
            values = [_finite(p.values.get(name)) for p in points]
            values.append(_finite(detail.aggregate) if detail is not None else None)
            rows.append(
                _TrendRow(
                    label=_clip(r(config.label or name), 100),
                    spark=_sparkline(values),
                    values=tuple(format_number(v, config.format, percent=percent) for v in values),
                )
            )
        labels = (*(_clip(r(p.label), 40) for p in points), "this run")
        return _TrendView(labels=labels, rows=tuple(rows))


def _len(ids: list[str] | None) -> int | None:
    return None if ids is None else len(ids)


# ============================================================================================ templates


@dataclass(frozen=True)
class _Plan:
    rows: int
    preview: int = _PREVIEW_COMMENT
    details: bool = True
    metric_rows: int | None = None
    summary_only: bool = False
    steps: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _builtin_loader() -> jinja2.BaseLoader:
    import jinja2

    return jinja2.PackageLoader("honeyhive_experiment", "templates")


def _configure(env: jinja2.Environment) -> jinja2.Environment:
    env.filters["md"] = md_escape
    env.filters["cell"] = md_escape
    env.filters["url"] = _url_filter
    env.filters["codeblock"] = _codeblock
    return env


def _env_options() -> dict[str, Any]:
    import jinja2

    return {
        "finalize": _finalize,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "auto_reload": False,
    }


@lru_cache(maxsize=1)
def _builtin_template() -> jinja2.Template:
    import jinja2

    env = _configure(jinja2.Environment(loader=_builtin_loader(), autoescape=True, **_env_options()))
    return env.get_template(BUILTIN_TEMPLATE)


def _custom_template(path: str | os.PathLike[str]) -> tuple[jinja2.Template, str]:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    shown = os.fspath(path)
    try:
        source = Path(shown).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(shown, "template file not found") from None
    except UnicodeDecodeError as exc:
        raise TemplateError(shown, f"not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise TemplateError(shown, f"cannot read the template: {exc.strerror or exc}") from None
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({"builtin": _builtin_loader()}),
            jinja2.FileSystemLoader(str(Path(shown).parent)),
        ]
    )
    env = _configure(ImmutableSandboxedEnvironment(loader=loader, autoescape=True, **_env_options()))
    try:
        return env.from_string(source), shown
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(shown, f"invalid template: {exc.message}", exc.lineno) from None


def _run_template(template: jinja2.Template, context: Mapping[str, Any], name: str) -> str:
    import jinja2

    try:
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:  # an included or extended file
        raise TemplateError(exc.filename or name, f"invalid template: {exc.message}", exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(name, f"template not found: {exc.name}") from None
    except Exception as exc:  # the template's own code failed: one named error
        raise TemplateError(name, f"rendering failed: {type(exc).__name__}: {exc}") from None


@dataclass(frozen=True, slots=True)
class _RowView:
    id: str
    failing: str
    inputs: str
    outputs: str


@dataclass(frozen=True, slots=True)
class _ErrorView:
    id: str
    kind: str
    error: str


def _truncation_message(model: _Model, plan: _Plan, mode: str, shown_metrics: int) -> str | None:
    if not plan.steps:
        return None
    parts: list[str] = []
    for step in plan.steps:
        if step == "datapoint_rows":
            parts.append(f"at most {plan.rows} datapoints listed per section")
        elif step == "details":
            parts.append("the datapoint and trend sections left out")
        elif step == "metric_rows":
            parts.append(f"{shown_metrics:,} of {len(model.metrics):,} metrics shown")
        elif step == "summary_only":
            parts.append("only the summary shown")
    if mode == "summary":
        return (
            f"This job summary was shortened to stay under GitHub's 1 MiB limit ({'; '.join(parts)}). "
            "Every datapoint is in report.json."
        )
    return (
        f"This comment was shortened to stay under GitHub's {COMMENT_LIMIT:,}-character limit "
        f"({'; '.join(parts)}). The full report is in the job summary and report.json."
    )


def _context(model: _Model, plan: _Plan, mode: str, mark: str, meta: str) -> dict[str, Any]:
    data = model.data
    verdict = model.verdict
    summary = data.summary
    shown = model.metrics_shown(plan.metric_rows) if not plan.summary_only else ()
    failed = model.failed_rows(plan.rows) if plan.details and not plan.summary_only else []
    errors = model.errors[: plan.rows] if plan.details and not plan.summary_only else ()
    preview = plan.preview
    failed_views = [
        _RowView(
            id=row.id,
            failing="; ".join(m.text for m in row.failing[:_FAILING_SHOWN])
            + (f"; and {len(row.failing) - _FAILING_SHOWN} more" if len(row.failing) > _FAILING_SHOWN else ""),
            inputs=_clip(row.inputs, preview) if row.inputs is not None else "—",
            outputs=_clip(row.outputs, preview) if row.outputs is not None else "—",
        )
        for row in failed
    ]
    error_views = [_ErrorView(e.id, e.kind, _clip(e.error, max(preview, _PREVIEW_COMMENT))) for e in errors]
    if model.total is not None:
        headline = f"{model.passed:,} of {model.total:,} datapoints passed"
        if model.failed:
            headline += f", {model.failed:,} failed"
        if model.total == 0:
            headline = "no datapoints were evaluated"
    elif verdict is Verdict.ERROR:
        headline = "the experiment could not be evaluated"
    else:
        headline = "nothing was evaluated"
    no_baseline = summary is not None and data.comparison is None and verdict is not Verdict.ERROR
    limit = None if mode == "summary" else _MAX_LISTED
    return {
        "mode": mode,
        "marker": Markup(mark) if mark else "",  # noqa: S704 - our own hidden comments
        "metadata": Markup(meta) if meta else "",  # noqa: S704
        "title": model.title,
        "experiment": model.experiment,
        "verdict": {"name": verdict.value, "emoji": verdict.emoji, "words": _VERDICT_WORDS[verdict]},
        "headline": headline,
        "reasons": model.reasons[:limit] if verdict in (Verdict.FAIL, Verdict.NEUTRAL) else (),
        # an error verdict always says what went wrong: the error, else the decision's reasons
        "error": (model.error or "\n".join(model.reasons) or "unknown error") if verdict is Verdict.ERROR else None,
        "skipped": verdict is Verdict.NEUTRAL and summary is None,
        "no_baseline": no_baseline,
        "run": {
            "id": model.run_id,
            "url": model.run_url,
            "head_sha": model.head_sha,
            "short_sha": model.head_sha[:7] if model.head_sha else None,
            "pr_number": data.pr_number,
        },
        "counts": {
            "passed": _count(model.passed),
            "failed": _count(model.failed),
            "errored": _count(model.errored),
            "total": _count(model.total),
        },
        "baseline": model.baseline,
        "has_comparison": data.comparison is not None,
        "metrics": shown,
        "metrics_total": len(model.metrics),
        "metrics_hidden": len(model.metrics) - len(shown) if not plan.summary_only else 0,
        "failed": failed_views,
        "failed_total": len(model.failed_keys),
        "failed_errored": (model.failed or 0) - len(model.failed_keys),
        "errored": error_views,
        "errored_total": len(model.errors),
        "trend": model.trend if plan.details and not plan.summary_only else None,
        "notes": model.notes[:limit] if not plan.summary_only else (),
        "show_details": plan.details and not plan.summary_only,
        "summary_only": plan.summary_only,
        "rest_in": "the job summary" if mode == "comment" else "report.json",
        "truncation": _truncation_message(model, plan, mode, len(shown)),
        "dry_run": data.dry_run,
        "footer": {
            "tool_version": model.tool_version,
            "generated_at": model.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
            "dry_run": data.dry_run,
        },
    }


def _finish(text: str, redactor: Redactor, protected: Sequence[str]) -> str:
    """Redact the rendered text (leaving the hidden markers intact) and tidy blank lines."""
    for i, keep in enumerate(protected):
        text = text.replace(keep, f"\x00{i}\x00")
    text = redactor.redact(text)
    for i, keep in enumerate(protected):
        text = text.replace(f"\x00{i}\x00", keep)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def _fit_rows(render: Callable[[int], str], size: Callable[[str], int], total: int, limit: int) -> str | None:
    """The render with the most rows (≤ ``total``) that fits ``limit``; ``None`` when even 0 rows is too big."""
    full = render(total)
    if size(full) <= limit:
        return full
    empty = render(0)
    if size(empty) > limit:
        return None
    per_row = max(1.0, (size(full) - size(empty)) / max(1, total))
    n = min(total - 1, int((limit - size(empty)) / per_row))
    while n > 0:
        candidate = render(n)
        if size(candidate) <= limit:
            return candidate
        n = min(n - 1, int(n * 0.9))
    return empty


def _hard_truncate(text: str, limit: int, head: str, note: str) -> str:
    """Cut ``text`` to ``limit`` characters, keeping ``head`` (the markers) and ending with ``note``."""
    if head and not text.startswith(head):
        text = head + text.replace(head, "")
    room = limit - len(note) - 2
    cut = text[:room]
    return cut.rstrip() + "\n\n" + note


def render_comment(
    data: ReportInput,
    *,
    secrets: Iterable[str | None] = (),
    template_path: str | os.PathLike[str] | None = None,
) -> Rendered:
    """The pull-request comment, at most :data:`COMMENT_LIMIT` characters (see the module docstring).

    Raises:
        TemplateError: ``template_path`` cannot be read, parsed or rendered, or its output lacks the marker.
    """
    redactor = Redactor(secrets)
    model = _Model(data, redactor)
    mark, meta = marker(data.experiment), comment_metadata(data.head_sha, data.run_id)
    if template_path is None:
        template, name = _builtin_template(), f"<built-in {BUILTIN_TEMPLATE}>"
    else:
        template, name = _custom_template(template_path)

    def render(plan: _Plan) -> str:
        text = _run_template(template, _context(model, plan, "comment", mark, meta), name)
        if mark not in text:
            raise TemplateError(
                name, f"the rendered comment does not contain the marker {{{{ marker }}}} ({mark}); keep it"
            )
        if meta not in text:
            text = text.replace(mark, f"{mark}\n{meta}", 1)
        return _finish(text, redactor, (mark, meta))

    max_rows = data.comment.max_datapoints
    plan = _Plan(rows=max_rows)
    text = render(plan)
    if len(text) <= COMMENT_LIMIT:
        return Rendered(text)
    plan = replace(plan, rows=min(max_rows, _ROWS_DEGRADED), preview=_PREVIEW_SHORT, steps=("datapoint_rows",))
    text = render(plan)
    if len(text) <= COMMENT_LIMIT:
        return Rendered(text, plan.steps)
    plan = replace(plan, details=False, steps=(*plan.steps, "details"))
    text = render(plan)
    if len(text) <= COMMENT_LIMIT:
        return Rendered(text, plan.steps)
    if model.metrics:
        metric_plan = replace(plan, steps=(*plan.steps, "metric_rows"))
        fitted = _fit_rows(
            lambda n: render(replace(metric_plan, metric_rows=n)), len, len(model.metrics) - 1, COMMENT_LIMIT
        )
        if fitted is not None:
            return Rendered(fitted, metric_plan.steps)
        plan = metric_plan
    plan = replace(plan, summary_only=True, steps=(*plan.steps, "summary_only"))
    text = render(plan)
    if len(text) <= COMMENT_LIMIT:
        return Rendered(text, plan.steps)
    note = (
        f"✂️ Cut at {COMMENT_LIMIT:,} characters: the template's output is too long. "
        "The full report is in the job summary and report.json.\n"
    )
    cut = _hard_truncate(text, COMMENT_LIMIT, f"{mark}\n{meta}\n", note)
    return Rendered(cut, (*plan.steps, "hard_truncate"))


def render_summary(data: ReportInput, *, secrets: Iterable[str | None] = ()) -> str:
    """The full report as Markdown for ``$GITHUB_STEP_SUMMARY``: every metric and datapoint that fits
    in :data:`SUMMARY_LIMIT_BYTES` (then fewer datapoints, and it says so)."""
    redactor = Redactor(secrets)
    model = _Model(data, redactor)
    template, name = _builtin_template(), f"<built-in {BUILTIN_TEMPLATE}>"

    def render(plan: _Plan) -> str:
        return _finish(_run_template(template, _context(model, plan, "summary", "", ""), name), redactor, ())

    def size(text: str) -> int:
        return len(text.encode("utf-8"))

    total_rows = max(len(model.failed_keys), len(model.errors))
    limited = _Plan(rows=0, steps=("datapoint_rows",))
    full = render(_Plan(rows=total_rows))
    if size(full) <= SUMMARY_LIMIT_BYTES:
        return full
    fitted = _fit_rows(lambda n: render(replace(limited, rows=n)), size, max(0, total_rows - 1), SUMMARY_LIMIT_BYTES)
    if fitted is not None:
        return fitted
    text = render(replace(limited, details=False, steps=("datapoint_rows", "details")))
    if size(text) <= SUMMARY_LIMIT_BYTES:
        return text
    note = "✂️ Cut at GitHub's 1 MiB job-summary limit. The full report is in report.json.\n"
    raw = text.encode("utf-8")[: SUMMARY_LIMIT_BYTES - len(note.encode("utf-8")) - 2]
    return raw.decode("utf-8", errors="ignore").rstrip() + "\n\n" + note


# ============================================================================================= terminal


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)]
        return "  ".join(out).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def render_terminal(data: ReportInput, *, secrets: Iterable[str | None] = ()) -> str:
    """A plain-text report for a terminal (a dry run's output): no Markdown, no HTML, no escape sequences."""
    redactor = Redactor(secrets)
    model = _Model(data, redactor)
    p = _plain
    verdict = model.verdict
    lines = [f"HoneyHive experiment: {p(model.title)}"]
    verdict_line = f"Verdict: {verdict.value.upper()}"
    if model.total is not None:
        verdict_line += f" ({model.passed:,} of {model.total:,} datapoints passed"
        verdict_line += f", {model.failed:,} failed)" if model.failed else ")"
    lines.append(verdict_line)
    for reason in model.reasons:
        lines.append(f"  - {p(reason)}")
    if verdict is Verdict.ERROR and model.error:
        lines.append("Error:")
        lines.extend(f"  {p(line)}" for line in model.error.splitlines() or [""])
    if model.run_id or model.run_url:
        lines.append(f"Run: {p(model.run_url or model.run_id or '')}")
    baseline = model.baseline
    if baseline is not None:
        text = f"Baseline: {p(baseline.label)}"
        if baseline.about:
            text += f" ({p(baseline.about)})"
        if baseline.url:
            text += f" {p(baseline.url)}"
        lines.append(text)
        if baseline.shared is not None and baseline.total is not None:
            lines.append(f"Compared on {baseline.shared_text} of {baseline.total_text} datapoints")
        if baseline.low_overlap:
            lines.append(
                f"Warning: the runs share only {baseline.overlap_pct} of the datapoints; the comparison is partial."
            )
    elif data.summary is not None and verdict is not Verdict.ERROR:
        lines.append("Baseline: none yet (a passing run on the default branch becomes one)")
    if model.metrics:
        lines.append("")
        compared = data.comparison is not None
        if compared:
            headers = ["Metric", "Baseline", "This run", "Δ", "Δ%", "Improved/degraded", "Status"]
            right = [False, True, True, True, True, True, False]
            rows = [
                [
                    p(_clip(m.label, 40)),
                    m.baseline_text,
                    m.value_text,
                    m.delta_text,
                    m.delta_pct_text,
                    m.counts_text,
                    _plain_status(m),
                ]
                for m in model.metrics
            ]
        else:
            headers = ["Metric", "This run", "Passing range", "Status"]
            right = [False, True, True, False]
            rows = [[p(_clip(m.label, 40)), m.value_text, m.range_text, _plain_status(m)] for m in model.metrics]
        lines.extend(_table(headers, rows, right))
    limit = data.comment.max_datapoints
    if model.failed_keys:
        lines.append("")
        lines.append(f"Failed datapoints ({len(model.failed_keys):,}):")
        for row in model.failed_rows(limit):
            what = "; ".join(m.text for m in row.failing[:_FAILING_SHOWN]) or "failed"
            lines.append(f"  {p(row.id)}: {p(what)}")
            if row.inputs is not None:
                lines.append(f"    inputs:  {p(_clip(row.inputs, _PREVIEW_SHORT))}")
            if row.outputs is not None:
                lines.append(f"    outputs: {p(_clip(row.outputs, _PREVIEW_SHORT))}")
        if len(model.failed_keys) > limit:
            lines.append(f"  ... and {len(model.failed_keys) - limit:,} more (see report.json)")
    if model.errors:
        lines.append("")
        lines.append(f"Errors ({len(model.errors):,}):")
        for error in model.errors[:limit]:
            lines.append(f"  {p(error.id)}: {p(error.kind)}: {p(_clip(error.error, 200))}")
        if len(model.errors) > limit:
            lines.append(f"  ... and {len(model.errors) - limit:,} more (see report.json)")
    if model.notes:
        lines.append("")
        lines.append("Notes:")
        lines.extend(f"  - {p(note)}" for note in model.notes)
    lines.append("")
    footer = f"honeyhive-experiment {p(model.tool_version)} · {model.generated_at.strftime('%Y-%m-%d %H:%M UTC')}"
    if data.dry_run:
        footer += " · dry run: nothing was posted"
    lines.append(footer)
    return redactor.redact("\n".join(lines) + "\n")


def _plain_status(row: _MetricRow) -> str:
    parts = [row.change] if row.change else []
    if row.change == "removed":
        parts = ["not in this run"]
    if row.failing:
        parts.append(f"{row.failing:,} failing")
    elif _has_range(row) and row.failing == 0 and row.change is None:
        parts.append("passing")
    return ", ".join(parts) or "-"


def _has_range(row: _MetricRow) -> bool:
    return row.range_min is not None or row.range_max is not None


# ========================================================================================== report.json


def report_json(data: ReportInput, *, secrets: Iterable[str | None] = ()) -> dict[str, Any]:
    """The machine-readable report (``report.json``), valid against :func:`report_json_schema`.

    Every number is the backend's; ``improved_count`` / ``degraded_count`` are the backend's (a larger
    value is "improved"), ``better_count`` / ``worse_count`` apply the metric's direction.
    """
    redactor = Redactor(secrets)
    model = _Model(data, redactor)
    summary, comparison, baseline = data.summary, data.comparison, model.baseline
    doc: dict[str, Any] = {
        "version": REPORT_VERSION,
        "experiment": model.experiment,
        "verdict": model.verdict.value,
        "reasons": list(model.reasons),
        "gate_failures": list(model.gate_failures),
        "error": model.error,
        "dry_run": data.dry_run,
        "generated_at": model.generated_at.isoformat().replace("+00:00", "Z"),
        "tool_version": model.tool_version,
        "run": {
            "id": model.run_id,
            "url": model.run_url,
            "head_sha": model.head_sha,
            "pr_number": data.pr_number,
        },
        "counts": {"passed": model.passed, "failed": model.failed, "errored": model.errored, "total": model.total},
        "summary": None
        if summary is None
        else {
            "status": str(summary.status) if summary.status is not None else None,
            "success": summary.success,
            "error": _clip(redactor.redact(summary.error), 4000) if summary.error else None,
            "aggregation_function": model.aggregation,
        },
        "baseline": None
        if baseline is None
        else {
            "run_id": baseline.run_id,
            "name": baseline.name,
            "url": baseline.url,
            "commit_sha": baseline.commit_sha,
            "branch": baseline.branch,
            "created_at": baseline.created_at.isoformat().replace("+00:00", "Z") if baseline.created_at else None,
            "shared_datapoints": baseline.shared,
            "total_datapoints": baseline.total,
        },
        "comparison": None
        if comparison is None
        else {
            "common_datapoints": len(comparison.common_datapoints),
            "new_only_datapoints": _len(comparison.new_only_datapoints),
            "old_only_datapoints": _len(comparison.old_only_datapoints),
        },
        "metrics": [
            {
                "name": m.name,
                "event_name": m.event_name,
                "label": m.label,
                "direction": m.direction,
                "key": m.key,
                "baseline": m.baseline,
                "value": m.value,
                "difference": m.difference,
                "percentage_change": m.percentage_change,
                "improved_count": m.improved_count,
                "degraded_count": m.degraded_count,
                "same_count": m.same_count,
                "better_count": m.better_count,
                "worse_count": m.worse_count,
                "change": m.change,
                "failing_datapoints": m.failing,
                "passing_range": None
                if m.range_min is None and m.range_max is None
                else {"min": m.range_min, "max": m.range_max},
            }
            for m in model.metrics
        ],
        "datapoints": {
            "failed": [
                {
                    "id": row.id,
                    "failing_metrics": [
                        {"name": f.name, "event_name": f.event_name, "value": _json_value(f.value)} for f in row.failing
                    ],
                    "inputs": row.inputs,
                    "outputs": row.outputs,
                }
                for row in model.failed_rows(len(model.failed_keys))
            ],
            "errored": [
                {"id": e.id, "status": e.status, "kind": e.kind, "error": e.error, "evaluator": e.evaluator}
                for e in model.errors
            ],
        },
        "trend": [
            {
                "label": _clip(redactor.redact(point.label), 100),
                "run_id": redactor.redact(point.run_id) if point.run_id else None,
                "values": {redactor.redact(k): _finite(v) for k, v in point.values.items()},
            }
            for point in data.trend
        ],
        "notes": list(model.notes),
    }
    result: dict[str, Any] = redactor._strings(doc)
    return result


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return _finite(value)
    return value


_NUMBER_OR_NULL: Final = {"type": ["number", "null"]}
_STRING_OR_NULL: Final = {"type": ["string", "null"]}
_COUNT_OR_NULL: Final = {"type": ["integer", "null"], "minimum": 0}


def _object(properties: Mapping[str, Any], *, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": dict(properties),
    }
    if description:
        schema = {"description": description, **schema}
    return schema


def _nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"anyOf": [dict(schema), {"type": "null"}]}


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`report_json`, committed as ``schemas/report.schema.json``."""
    metric = _object(
        {
            "name": {"type": "string"},
            "event_name": _STRING_OR_NULL,
            "label": {"type": "string"},
            "direction": {"enum": ["higher", "lower"]},
            "key": {"type": "boolean"},
            "baseline": _NUMBER_OR_NULL,
            "value": _NUMBER_OR_NULL,
            "difference": _NUMBER_OR_NULL,
            "percentage_change": _NUMBER_OR_NULL,
            "improved_count": _COUNT_OR_NULL,
            "degraded_count": _COUNT_OR_NULL,
            "same_count": _COUNT_OR_NULL,
            "better_count": _COUNT_OR_NULL,
            "worse_count": _COUNT_OR_NULL,
            "change": {"enum": ["better", "worse", "same", "new", "removed", None]},
            "failing_datapoints": _COUNT_OR_NULL,
            "passing_range": _nullable(_object({"min": _NUMBER_OR_NULL, "max": _NUMBER_OR_NULL})),
        },
        description="One metric as the backend reported it (aggregates, difference, counts); "
        "improved/degraded are the backend's (larger = improved), better/worse apply the direction.",
    )
    failed = _object(
        {
            "id": {"type": "string"},
            "failing_metrics": {
                "type": "array",
                "items": _object(
                    {
                        "name": {"type": "string"},
                        "event_name": _STRING_OR_NULL,
                        "value": {"type": ["number", "boolean", "string", "null"]},
                    }
                ),
            },
            "inputs": _STRING_OR_NULL,
            "outputs": _STRING_OR_NULL,
        }
    )
    errored = _object(
        {
            "id": {"type": "string"},
            "status": {"enum": ["function_error", "timeout", "backend_error", "evaluator_error"]},
            "kind": {"type": "string"},
            "error": {"type": "string"},
            "evaluator": _STRING_OR_NULL,
        }
    )
    body = _object(
        {
            "version": {"const": REPORT_VERSION},
            "experiment": {"type": "string"},
            "verdict": {"enum": [v.value for v in Verdict]},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "gate_failures": {"type": "array", "items": {"type": "string"}},
            "error": _STRING_OR_NULL,
            "dry_run": {"type": "boolean"},
            "generated_at": {"type": "string", "format": "date-time"},
            "tool_version": {"type": "string"},
            "run": _object(
                {
                    "id": _STRING_OR_NULL,
                    "url": _STRING_OR_NULL,
                    "head_sha": _STRING_OR_NULL,
                    "pr_number": {"type": ["integer", "null"]},
                }
            ),
            "counts": _object(
                {
                    "passed": _COUNT_OR_NULL,
                    "failed": _COUNT_OR_NULL,
                    "errored": {"type": "integer", "minimum": 0},
                    "total": _COUNT_OR_NULL,
                },
                description="Datapoint counts: passed/failed as the backend reported them; errored from this "
                "run's outcomes (function raised or timed out, backend errors).",
            ),
            "summary": _nullable(
                _object(
                    {
                        "status": _STRING_OR_NULL,
                        "success": {"type": "boolean"},
                        "error": _STRING_OR_NULL,
                        "aggregation_function": _STRING_OR_NULL,
                    }
                )
            ),
            "baseline": _nullable(
                _object(
                    {
                        "run_id": {"type": "string"},
                        "name": _STRING_OR_NULL,
                        "url": _STRING_OR_NULL,
                        "commit_sha": _STRING_OR_NULL,
                        "branch": _STRING_OR_NULL,
                        "created_at": {"type": ["string", "null"], "format": "date-time"},
                        "shared_datapoints": _COUNT_OR_NULL,
                        "total_datapoints": _COUNT_OR_NULL,
                    }
                )
            ),
            "comparison": _nullable(
                _object(
                    {
                        "common_datapoints": {"type": "integer", "minimum": 0},
                        "new_only_datapoints": _COUNT_OR_NULL,
                        "old_only_datapoints": _COUNT_OR_NULL,
                    }
                )
            ),
            "metrics": {"type": "array", "items": metric},
            "datapoints": _object(
                {
                    "failed": {"type": "array", "items": failed},
                    "errored": {"type": "array", "items": errored},
                }
            ),
            "trend": {
                "type": "array",
                "items": _object(
                    {
                        "label": {"type": "string"},
                        "run_id": _STRING_OR_NULL,
                        "values": {"type": "object", "additionalProperties": _NUMBER_OR_NULL},
                    }
                ),
            },
            "notes": {"type": "array", "items": {"type": "string"}},
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": REPORT_SCHEMA_ID,
        "title": "honeyhive-experiment report.json",
        **body,
    }


def report_json_schema_text() -> str:
    """:func:`report_json_schema` serialized exactly as the committed ``schemas/report.schema.json``.

    Regenerate the file from the repository root after changing the schema::

        .venv/bin/python -c "import honeyhive_experiment.report as r; print(r.report_json_schema_text(), end='')" \\
            > src/honeyhive_experiment/schemas/report.schema.json
    """
    return json.dumps(report_json_schema(), indent=2, ensure_ascii=True) + "\n"

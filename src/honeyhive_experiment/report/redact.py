"""Redaction: secret values and common secret shapes replaced by ``***``, in text, JSON-like values and logs.

:class:`Redactor` replaces the given secret values (the action's inputs: API key, tokens; at least 4
characters) and common key patterns (:data:`SECRET_PATTERNS`: ``sk-…``, ``ghp_…``/``gho_…``/…,
``github_pat_…``, ``hh_…``, AWS ``AKIA…``, Slack ``xox…``, Google ``AIza…``, JWTs, private-key blocks,
``Bearer``/``Basic`` credentials, passwords in URLs, ``api_key=…``/``password: …`` pairs) with ``***``.
The report runs it on every string before it enters a template (so truncating a preview cannot leave half a
secret) and again on the finished text. Values under keys such as ``api_key``, ``token`` or ``password`` in
datapoint inputs and outputs are replaced whole. :class:`RedactingFilter` does the same to log records; the
CLI installs it on its log handlers.

This module is imported by every job (a shard job redacts its logs and renders nothing): it needs only the
standard library.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

__all__ = ["REDACTED", "SECRET_PATTERNS", "RedactingFilter", "Redactor"]

REDACTED: Final = "***"

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

    def redact_json(self, value: Any) -> Any:
        """Every string of a JSON document redacted (keys included); nothing else changes."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact_json(k): self.redact_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_json(item) for item in value]
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

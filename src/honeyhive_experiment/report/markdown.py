"""Text made safe for where it is shown: Markdown (the comment, the job summary) and the terminal.

Templates are rendered with autoescaping and the :func:`finalize` hook, so **every** ``{{ value }}`` that is
not already markup goes through :func:`md_escape`: control characters and bidi overrides removed, newlines
folded to spaces, Markdown specials backslash-escaped (``\\ ` * _ [ ] | ~ # $``), ``& < >`` HTML-escaped, and
``@name`` / ``#123`` broken with a zero-width joiner so a datapoint cannot mention a user or reference an
issue. GitHub's autolinks are broken the same way (GFM links ``www.``, ``scheme://`` and e-mail addresses in
plain text): a zero-width joiner goes between ``www`` and its dot, before every ``://`` and after an ``@``
that has a dot after it, so a URL in an output, a datapoint id or an explanation shows as text and is no link
anyone can click in the comment; only our own links (the ``url`` filter, in link syntax) are links. An HTML
entity would not do: GFM finds e-mail addresses after entities are decoded. The escaped text is safe inside a
table cell. Filters for other contexts: ``md`` (the same, explicitly; ``cell`` is an alias), ``url``
(:func:`url_filter`: http/https only, percent-encoded; anything else becomes empty) and ``codeblock``
(:func:`codeblock`: a fenced block longer than any backtick run inside it; GFM links nothing in code). The
plain-text terminal output strips control characters instead (:func:`plain`).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Final

from markupsafe import Markup

from honeyhive_experiment.report.redact import ESCAPE, INVISIBLE_CHARS, JOINER

__all__ = ["clip", "clip_middle", "codeblock", "finalize", "http_url", "md_escape", "plain", "url_filter"]

_CONTROL: Final = re.compile(f"\r|(?!{JOINER})[{INVISIBLE_CHARS}]")  # invisible characters but joiners, and CR
_NEWLINES: Final = re.compile(r"\s*[\r\n]+\s*")
# a mention (@name), an e-mail address (an @ with a dot after it), an issue reference (#12, GH-12), an autolink:
# ZWJ after the match; for "://" and the dot of "www." the match is empty, so the ZWJ goes before them
_REFERENCE: Final = re.compile(
    r"(?<![A-Za-z0-9])@(?=[A-Za-z0-9])|@(?=\S*\.)|#(?=\d)|(?<=\bGH)-(?=\d)|(?=://)|(?i:(?<=www)(?=\.))"
)
_ZWJ: Final = "\u200d"
_URL_SAFE: Final = ":/?#@!$&'*+,;=%-._~"


_MD_REPLACEMENTS: Final = (
    ("\\", "\\\\"),  # first: the backslashes added below must stay single
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    *((c, "\\" + c) for c in "`*_[]|~#$"),
)
_MD_NEEDS: Final = re.compile(rf"[\x00-\x1f{INVISIBLE_CHARS}\\`*_\[\]|~#$&<>@]|GH-|://|(?i:www\.)")


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
        text = text.replace(char, escaped)
    text = _REFERENCE.sub(rf"\g<0>{_ZWJ}", text)
    return Markup(text)  # noqa: S704 - escaped above


def url_filter(value: Any) -> Markup:
    """The ``url`` filter: an http(s) URL made safe for a Markdown link target or an HTML attribute;
    anything else is empty."""
    url = http_url(value if isinstance(value, str) else None)
    return Markup(url or "")  # noqa: S704 - http(s) only, percent-encoded by http_url


def http_url(value: str | None) -> str | None:
    """``value`` percent-encoded when it is an http(s) URL, else ``None``."""
    if not value:
        return None
    text = _CONTROL.sub("", value).strip()
    if not re.match(r"(?i)^https?://[^\s/]", text):
        return None
    return urllib.parse.quote(text, safe=_URL_SAFE)


def codeblock(value: Any) -> Markup:
    """The ``codeblock`` filter: multi-line text as a fenced code block (nothing inside is interpreted,
    nobody is mentioned)."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")
    text = text.replace("<!--", f"<{_ZWJ}!--")  # a quoted hidden marker would make the comment another's
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}text\n{text}\n{fence}")  # noqa: S704 - nothing inside a fence is interpreted


def finalize(value: Any) -> Any:
    """Jinja's ``finalize`` hook, for every ``{{ value }}``: markup stays, ``None`` is empty, text is escaped
    with :func:`md_escape` (which does all three); other values (numbers) are left to autoescape."""
    return md_escape(value) if value is None or isinstance(value, str) else value


def plain(text: str) -> str:
    """One line of terminal-safe text: no escape sequence, each taken out whole (:data:`ESCAPE`: ``red`` of
    ``\\x1b[31mred\\x1b[0m``, not ``[31mred[0m``), nor what is left of one (a lone ESC), nor a control character."""
    if "\x1b" in text:
        text = ESCAPE.sub("", text).replace("\x1b", "")
    return _NEWLINES.sub(" ", _CONTROL.sub("", text))


def plain_lines(text: str) -> str:
    """Terminal-safe text that keeps its line breaks: each line :func:`plain`."""
    return "\n".join(plain(line) for line in text.splitlines())


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with ``…`` when it was cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def clip_middle(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters in its middle (``…``), keeping its start and its end: where metric names
    that share a long prefix differ (``retrieval_quality_v2…_recall``, not two ``retrieval_quality_v2…``)."""
    if len(text) <= limit:
        return text
    tail = max(0, limit - 1) // 2
    return text[: max(0, limit - 1) - tail] + "…" + text[len(text) - tail :]

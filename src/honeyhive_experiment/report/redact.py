"""Redaction: secret values, their encodings and common secret shapes replaced by ``***``, in text, JSON-like
values, logs and whatever the process prints.

:class:`Redactor` takes the known secret values (``Settings.secrets()``: the API key, the GitHub token, the
environment's secrets; and those the process found later, :func:`learn`'s, the user's code's; values under 4 characters
are ignored; a JSON secret's values under a secret's key, such as
``AZURE_CREDENTIALS``' ``clientSecret``, are known values of their own, as they are and JSON-escaped: :func:`_parts`)
and replaces, in every string it is given:

* **the value and its encodings**: base64 (standard and URL-safe, with or without padding, and inside a longer
  base64 string such as ``Basic base64(user:secret)``: the secret's bytes can start at any of 3 offsets of a
  base64 group, so each offset has its own *core*, the characters that depend on the secret's bits alone),
  hex (lower and upper case; also with a space or a colon between its bytes, ``bytes.hex(" ")``,
  ``bytes.hex(":")``), percent-encoding (``quote``, ``quote_plus``, ``encodeURIComponent``: each character they
  escape as itself or as ``%XX`` in either case, a space also as ``+``), JSON string escapes (``\\"``, ``\\\\``,
  ``\\/``, ``\\uXXXX``), HTML's character references (``&amp;``, ``&quot;``, ``&#39;``, ``&#x27;``: what
  ``html.escape``, Jinja and PHP write) and ``repr``'s ``\\'``; and every character escaped, none as itself: each
  byte as ``%XX`` or ``\\xXX``, each character as ``\\uXXXX``, ``&#N;`` or ``&#xX;`` (hex in lower or upper case;
  HTML's ``&#X…;`` too, and zeros before the number). Those with separators or every character escaped are found
  whole only (8 characters of one are 3 or fewer of the secret's: no fragment of theirs is looked for);
* **fragments of the value**, for a secret split across two log lines (two log records, two prints, two strings
  of a value): how long a fragment must be, at a line's edge and anywhere, is *Fragments: the trade-off* below.
  Fragments of the hex and base64 forms count at a line's edge too;
* **common secret shapes** (:data:`SECRET_PATTERNS`: OpenAI's and Anthropic's ``sk-…``, GitHub's
  ``ghp_…``/``gho_…``/… and ``github_pat_…``, HoneyHive's ``hh_…`` (``hh_fgdp_<id>_<secret>`` too), Hugging
  Face's ``hf_…``, Groq's ``gsk_…``, Replicate's ``r8_…``, xAI's ``xai-…``, Stripe's ``sk_live_…``/``rk_…``, npm's
  ``npm_…``, PyPI's ``pypi-AgE…``, Docker Hub's ``dckr_pat_…``, GitLab's ``glpat-…``, LangSmith's ``lsv2_…``,
  Pinecone's ``pcsk_…``, Perplexity's ``pplx-…``, AWS ``AKIA…``, Slack ``xox…``, Google ``AIza…``, JWTs,
  private-key blocks, ``Bearer``/``Basic`` credentials, a URL's credentials (a password, a user with an empty one,
  ``https://:PAT@host``, or a user alone that looks like a token: 12 characters or more, not shaped like words,
  ``https://TOKEN@host``; not ``ssh://deploy@``), ``api_key=…``/``AWS_SECRET_ACCESS_KEY=…``/``password: …``
  pairs), known value or not. A space as ``repr`` and JSON write it
  (``\\t``, ``\\n``…: a dict's key, a CSV cell or a config value quoted in an error) is a space to them:
  ``'Bearer\\tKEY'`` and ``'…\\nsk-…'`` show no key. After any number of backslashes: JSON inside a repr writes a
  line break ``\\\\n``, the same text as a backslash and an ``n`` written once, so ``x\\\\nsk-…`` is blanked too (no
  count of backslashes tells the two apart: each is an escape at some depth). But ``Bearer`` or ``Basic`` right after
  a backslash is none (a Windows path's ``\\bearer\\tokens``: no escape writes a backslash before the word).

Fragments: the trade-off
------------------------
Redaction sees one line (one log record, one printed line, one string) at a time, so a secret split across two
lines is two pieces, neither of them the secret. Every piece of a known secret that is long enough to identify
it could be redacted wherever it appears; the shorter "long enough", the less of a secret a split can show and
the more innocent text is blanked (and the more places each string must be searched for). The rule here:

* **at a line's edge** (the first or last characters of a line, past spaces, quotes, brackets and
  punctuation): a fragment of at least ``min(8, half the secret)`` characters, never under 6. A secret cut in
  two by a line break leaves its first part at the end of one line and its second at the start of the next, so
  whatever the cut, at most 7 of its characters stay visible on each side of the break (both halves of a secret
  under 16 characters can be shorter than that, and then both are shown: no secret this action knows is that
  short). A line made only of a piece of the secret (a token wrapped at 76 columns) touches both edges. A line
  ends at every break ``str.splitlines()`` makes (a line feed, U+2028…) and at one escaped as ``repr`` and
  JSON write it (``\\n``, ``\\\\n``, ``\\u2028``…): a split secret quoted on one line is still split at an edge.
  A table's cell has the edges of a line too, at its bars (``|``, ``│``, ``┃``, ``║``: Markdown's, rich's and
  tabulate's tables, ``hexdump -C``'s text column): a secret that a cell wraps over its rows is split at them. And
  a column's cells over consecutive rows with their bars at the same places (a terminal's table) are looked at
  joined, trimmed of spaces: a column too narrow for a piece of 8 (rich's ``overflow="fold"``) holds the secret (a
  bar no line above or below has at its place is a cell's text: a secret's). Printed a row at a time, the rows whose
  cells hold a piece of a known value (3 characters or more) are held back until a row that holds none, and so is
  an unfinished row at a flush (a cell ends at a bar or at the line's end); the rows' columns are looked at with the
  start of the first row that a flush passed on before a cell of it held one (the start of a line of 4,096 characters
  or more is not: no table's row). Not held: a column of 1 or 2 characters printed a row at a time (a cell that
  narrow holds no piece of 3: holding every row with a character of a secret would hold most tables). Not found, even
  written whole: a secret holding two bars one column's width apart (its bars line up over two rows as a table's do,
  and cut its cells), and the piece in a row whose bars are not where the rows after it have them (a Markdown table's
  first row, whose first cell is wider than the next rows').
* **anywhere else**: a fragment of at least half the secret (never under 8 characters). A piece that long is the
  secret for anyone who sees it; a shorter piece inside a line is left alone, so that the secret's pieces that
  are ordinary text cannot blank that text everywhere.
* **never a word**: a fragment shaped like words (two letters or more in one case or capitalised, or digits,
  between spaces or ``-_./,:;``: ``Password``, ``hh-test-``, ``2024``) is not redacted on its own, whatever its
  length, so a common word inside a secret cannot blank that word in the report; the secret whole is always
  redacted. Single letters and other punctuation are no prose: ``w(3)^Lm*2?Pq`` is redacted.

Looking only at a line's two edges costs two set look-ups per line (every window of the secrets and of
their encoded forms is in a set); the "anywhere" rule needs three or four substring checks per secret, since any
piece of half the secret contains one of its evenly spaced quarter-length anchors.

Every rule looks at the text as it came, and the union of what they found is blanked at once, so one rule's
``***`` never hides a match from another (``Basic base64(user:secret)`` is ``Basic ***``, not the user's part).
Invisible characters (:data:`INVISIBLE`: zero-width, bidi, controls, tags) between a secret's characters hide nothing:
the report's strings, what is printed and what is logged are looked at also without them
(:meth:`Redactor.redact_shown`), and the ``***`` put in the text as it came, whose other characters stay (a
terminal's escape sequences, the zero-width space that disarms a line that looks like a workflow command; the
report then takes them out, but a joiner between two non-ASCII characters: :data:`STRIPPED`).
Not covered: an encoding of an encoding (base64 of the URL-encoded secret, JSON escapes inside a JSON string; but a
JSON secret's part JSON-escaped is a known value, whose forms are covered: a service account key parsed and dumped),
hex in mixed case, base32, a hex dump's hex columns (``xxd``, ``hexdump -C``: their text column is the secret itself,
and is redacted at its edges), the secret reversed, upper-cased or spaced out, and bytes that bypass Python's text
streams (``sys.stdout.buffer``, a subprocess's output). A flush holds back a piece of a form every character of which
is escaped only when the secret has a character that must be escaped (else ``%`` and ``\\`` would hold back
every progress bar's ``50%``).

Costs: the tables are built once per set of secrets (cached: every Redactor of an invocation shares them); a secret
learnt later adds what it needs to a redactor's own copy of them, so learning one costs that one's forms alone. A
string that contains nothing costs a few substring checks per secret, four more in all (``%``, ``\\x``, ``\\u``,
``&#``: the forms every character of which is escaped, of every secret, are looked for only after them), two
look-ups per line and one check per pattern's hint; the regular expressions run only when a hint is present.
Strings up to 200 characters (names, ids) are cached. A terminal's colour codes are looked at as the spaces they show
as (a key right after ``\\x1b[31m`` is a word of its own), with no second look but for a code between two of a
token's characters, which a terminal shows as one word (``sk-ab\\x1b[0mcd…``; split by a code beside other
punctuation, a secret is two fragments); text with other invisible characters is mapped back to the text as it came
only when the look without them finds a secret. ``benchmarks/bench_redact.py`` compares it with
the exact-value redactor it replaced.

The report runs it on every string before it enters a template (so truncating a preview cannot leave half a
secret) and a custom template's own output again; values under keys such as ``api_key``, ``token``, ``password``,
``secrets`` or ``cookies`` in datapoint inputs and outputs are replaced whole, a list or an object too
(:meth:`Redactor.redact_value`). :class:`RedactingFilter` does the same to log
records (the CLI installs it on its log handlers), and :class:`RedactingStream` to what is printed (the CLI
wraps standard output and error with it while it runs, so the user's code's ``print`` is redacted too, also
printed in small flushed pieces as streamed output is: a flush holds back what may be the start of a secret, with
what names it, so the line shows as it would have whole).

This module is imported by every job (a shard job redacts its logs and renders nothing): it needs only the
standard library.
"""

from __future__ import annotations

import atexit
import base64
import bisect
import contextlib
import functools
import html.entities
import io
import json
import logging
import math
import os
import re
import string
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from itertools import chain, pairwise, repeat
from operator import itemgetter
from typing import Any, Final, TextIO

__all__ = ["REDACTED", "SECRET_PATTERNS", "RedactingFilter", "RedactingStream", "Redactor", "learn"]

REDACTED: Final = "***"
_WORD: Final = r"(?:[A-Z][a-z]+|[a-z]{2,}|[A-Z]{2,}|[0-9]+)"  # no single letter: w(3)^Lm is no prose

_KEYWORD: Final = (  # what names the secret after it: password: …, api_key = …
    r"(?<![A-Za-z0-9])(?i:api[_-]?key|access[_-]?(?:key|token)|auth[_-]?token|refresh[_-]?token"
    r"|client[_-]?secret|secret[_-]?(?:access[_-]?)?key|secret|password|passwd|token)(?![A-Za-z0-9])"
)

SECRET_PATTERNS: Final[tuple[str, ...]] = (
    r"-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|\Z)",
    # not after a backslash: no escape writes one before the word (\bearer is JSON's backspace and 'earer'), a Windows
    # path does (C:\auth\bearer\tokens_file: its \t read as an escaped tab put a token after 'bearer')
    r"(?P<keep>(?<!\\)\b(?i:bearer)\s+)[A-Za-z0-9._~+/=-]{8,}",
    r"(?P<keep>(?<!\\)\b(?i:basic)\s+)[A-Za-z0-9+/]{12,}={0,2}",
    r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}",
    r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{20,}",
    r"(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{20,}",
    r"(?<![A-Za-z0-9])hh_(?:[a-z]{2,5}_)?[A-Za-z0-9]{16,}(?:_[A-Za-z0-9_-]+)?",
    r"(?<![A-Za-z0-9])(?:hf_|gsk_|r8_|xai-)[A-Za-z0-9]{20,}",
    # Stripe's secret and restricted keys, npm's, Perplexity's; Docker Hub's, GitLab's (personal, deploy, runner),
    # PyPI's (a macaroon: pypi-AgE…), LangSmith's, Pinecone's, whose tails hold - or _
    r"(?<![A-Za-z0-9])(?:[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])|pplx-[A-Za-z0-9]{32,}"
    r"|(?:dckr_(?:pat|oat)_|gl(?:pat|dt|rt)-|pypi-AgE|lsv2_(?:pt|sk)_|pcsk_)[A-Za-z0-9_-]{20,})",
    r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}",
    r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}",
    r"(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    # a URL's password (the user stays), a userinfo with a colon (TOKEN:, :PAT), or a user alone that looks like a
    # token: 12 characters or more, not shaped like words (not ssh://deploy@, https://first.last@)
    r"(?P<keep>://(?:[^\s/?#:@]+:(?=[^\s/?#@]))?)(?:(?<=:)[^\s/?#@]+|[^\s/?#:@]*:[^\s/?#@]*"
    rf"|(?!(?:{_WORD}[,.;_-]+)*{_WORD}@)[^\s/?#:@]{{12,}})(?=@)",
    # the name's quotes also as JSON inside JSON escapes them: {\"password\": \"…\"}
    rf"(?P<keep>{_KEYWORD}(?:\\*[\"'])?\s*[:=]\s*(?:\\*[\"'])?)(?!\*\*\*)[A-Za-z0-9._~+/=-]{{6,}}",
)
"""Common secret shapes (the module's docstring names them), replaced by ``***`` (a ``keep`` group stays:
``Bearer ***``)."""

# For each pattern: substrings one of which every match contains, checked (lower-cased) before the regex
# runs, so that most strings cost no regex at all.
_PATTERN_HINTS: Final[tuple[tuple[str, ...], ...]] = (
    ("PRIVATE KEY-----",),
    ("bearer",),
    ("basic",),
    ("sk-",),
    ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ("github_pat_",),
    ("hh_",),
    ("hf_", "gsk_", "r8_", "xai-"),
    ("k_live_", "k_test_", "npm_", "pplx-", "dckr_", "glpat-", "gldt-", "glrt-", "pypi-", "lsv2_", "pcsk_"),
    ("AKIA", "ASIA"),
    ("xox",),
    ("AIza",),
    ("eyJ",),
    ("://",),
    ("key", "token", "secret", "passw"),
)
_RULES: Final = tuple(  # each pattern, its hints, and whether it looks at the text with its escaped spaces as spaces
    (re.compile(pattern), tuple(hint.lower() for hint in hints), "://" not in hints)
    for pattern, hints in zip(SECRET_PATTERNS, _PATTERN_HINTS, strict=True)
)
"""Every pattern finds in the text with :data:`_ESCAPED_SPACE` as spaces what it finds in the text as it came (no
secret of theirs holds a backslash), and more; but a URL's credentials: whatever they hold is theirs, up to the
``@``."""


_SENSITIVE_KEY: Final = re.compile(
    r"(?i)^(?:.*[_-])?(?:api[_-]?key|apikey|token|access[_-]?(?:key|token)|secrets?|secret[_-]?key|client[_-]?secret"
    r"|password|passwd|authorization|cookies?|private[_-]?key|credentials?)$"
)
_TEXT_TOKEN: Final = re.compile(
    r"(?i)^(?:eos|bos|pad|unk|sep|cls|mask|special|start|end|stop|first|last|next|prev(?:ious)?|predicted|target"
    r"|input|output)[_-]?tokens?$"
)
"""Names ending in token that an LLM eval's data uses for text (a tokenizer's eos_token, the next_token a model
predicted): a value under them is shown, not blanked as an auth token's."""
# Not any other name ending in _key: an eval dataset's translation_key, s3_key, sort_key, cache_key or idempotency_key
# hold data, which no shape of the value tells from a key. A key the environment holds (AZURE_OPENAI_KEY) is redacted
# wherever it appears as a known value (connection.environment_secrets), so its name need not be guessed here.


def _sensitive(key: object) -> bool:
    """Whether a value under ``key`` is a secret whatever it is (:data:`_SENSITIVE_KEY`, not :data:`_TEXT_TOKEN`)."""
    return isinstance(key, str) and _SENSITIVE_KEY.match(key) is not None and _TEXT_TOKEN.match(key) is None


def _shows_nothing(value: object) -> bool:
    """A value under a secret's key that is shown as it is: nothing to hide (None, a flag, an empty string or
    collection), and what it says (the key is not set, it is off) is worth seeing."""
    empty = isinstance(value, str | bytes | Mapping | list | tuple | set | frozenset) and len(value) == 0
    return value is None or isinstance(value, bool) or empty


MIN_PART: Final = 12  # a value this long inside a JSON secret, under a secret's key, is a secret of its own
# a secret's keys inside a JSON secret only: a Docker config's (DOCKER_AUTH_CONFIG: base64 of user:password, a token);
# under these a datapoint's output is its data
_PART_KEYS: Final = frozenset({"auth", "identitytoken", "registrytoken"})


def _parts(secret: str) -> list[str]:
    """The strings under secret-looking keys (at any depth) of ``secret`` when it is JSON (AZURE_CREDENTIALS'
    ``clientSecret``, a service account key's ``private_key``, a Docker config's ``auth``: :data:`_PART_KEYS`),
    :data:`MIN_PART` characters or more: each is a small part of the whole, which no fragment rule finds inside a
    line, so printed alone it would show. The other values (an id, a URL, ``"type": "service_account"``) stay only
    fragments of the whole: they are no secret.
    Each comes also JSON-escaped, as the secret's own text has it: a key parsed and dumped again (``json.dumps``, maybe
    then base64- or percent-encoded) holds the ``private_key`` with its line breaks as ``\\n``, which the value
    parsed (with real line breaks) does not match."""
    if not secret.startswith(("{", "[")):
        return []
    try:
        value = json.loads(secret)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []

    def visit(item: Any, under: bool, depth: int) -> None:
        if isinstance(item, str):
            if under and len(part := item.strip()) >= MIN_PART:
                found.extend((part, json.dumps(part)[1:-1]))  # as it is, and as JSON writes it
        elif depth <= 40 and isinstance(item, dict):
            for key, inner in item.items():
                visit(inner, under or _sensitive(key) or key.lower() in _PART_KEYS, depth + 1)
        elif depth <= 40 and isinstance(item, list):
            for inner in item:
                visit(inner, under, depth + 1)

    visit(value, False, 0)
    return found


MIN_SECRET: Final = 4  # a shorter "secret" is ignored: it would blank the whole report
MIN_FORM: Final = 8  # an encoded form (hex, a base64 core) shorter than this is not looked for
EDGE_FRAGMENT: Final = 8  # a fragment this long at a line's edge is redacted (half a shorter secret, never < 6)
FRAGMENT_FLOOR: Final = 6
_EDGE_TRIM: Final = " \t\r\n\"'`,;:.!?()[]{}<>\\"  # what may stand between a fragment and its line's edge
_ENDS: Final = r"\n\r\v\f\x1c-\x1e\x85\u2028\u2029"  # str.splitlines()'s breaks (a regex's class)
_BREAK: Final = re.compile(  # where a line ends: str.splitlines()'s breaks, and those repr and JSON write escaped
    f"[{_ENDS}]|"
    r"(?<!\\)\\+(?:[nrfv]|x(?i:0[bc]|1[c-e]|85)|u(?i:000[bc]|001[c-e]|0085|202[89]))"
)
_BARS: Final = "|\u2502\u2503\u2551"  # | │ ┃ ║: Markdown's, rich's, tabulate's tables, hexdump -C's text column
_BAR: Final = re.compile(f"[{_BARS}]")
_NOT_BAR: Final = re.compile(f"[^{_BARS}]")


def _barred(text: str) -> bool:
    """Whether ``text`` holds a table's bar (:data:`_BARS`): ``in``, no regex, for most text, which is ASCII."""
    return "|" in text or (not text.isascii() and any(bar in text for bar in _BARS))


MIN_CELL: Final = 3  # a table's cell holding this much of a known value holds back a stream's rows (a folded column)
_CELL_START: Final = re.compile(f"[{_BARS}] *(?=([^ \n]{{{MIN_CELL}}}))")  # a cell's first MIN_CELL characters
_CELL: Final = re.compile(f"[{_BARS}]|{_BREAK.pattern}")  # where a table's cell ends: a bar, or its line's end
_CELL_PLAIN: Final = re.compile(f"[{_BARS}{_ENDS}]")  # _CELL in a text with no backslash, 3 times faster
_URL_SAFE: Final = frozenset(string.ascii_letters + string.digits + "-_.~")  # never percent- or JSON-escaped
# what else one character is written as (a regex each): HTML's named references (&amp; &quot; &apos;), quote_plus's
# + for a space, JSON's optional \/, repr's \' (of a string holding both quotes)
_ALSO: Final[dict[str, tuple[str, ...]]] = {
    chr(point): (f"&{name};",) for point, name in html.entities.codepoint2name.items()
} | {"'": ("&apos;", r"\\'"), " ": (r"\+",), "/": (r"\\/",)}
_WORDISH: Final = re.compile(rf"[\W_]*(?:{_WORD}[\s,./:;_-]+)*{_WORD}?[\W_]*", re.ASCII)
_GATE: Final = 16  # characters of a form or anchor checked first: enough to be rare, short enough to be cheap
_ESCAPE_LONGEST: Final = 13  # characters an escape of one character takes at most: &#0001114111; %F4%8F%BF%BF
_HOLD: Final = 4096  # a flush holds back up to this much of an unfinished line at least: a JWT, a private key's line
_HELD: Final = string.ascii_letters + string.digits + "-_.~+/=:@[;"  # a token's, a URL's credentials, a colour code's
# A space as repr and JSON write it (\t, \n, \xa0, \u000b, \u2028: every character str.isspace() takes but the space;
# \\t: JSON inside a repr): the patterns look at the text with each of these as spaces (_RULES), so that 'Bearer\tKEY'
# (a dict key, a CSV cell in an error) and '…\nsk-…' (whose n is no letter before the key) are found. Only a text with a
# backslash and a pattern's hint pays for it.
_ESCAPED_SPACE: Final = re.compile(
    r"(?<!\\)\\+(?:[tnrfv]|x(?i:0[9a-d]|1[c-f]|85|a0)"
    r"|u(?i:000[9a-d]|001[c-f]|0085|00a0|1680|200[0-9a]|202[89f]|205f|3000))"
)
_SPACE: Final = rf"(?:\s|{_ESCAPED_SPACE.pattern})"
_CONTEXT: Final = re.compile(  # at a flush's cut, what may name or begin the secret held after it: keep it with it
    rf"(?:\b(?i:bearer|basic){_SPACE}+|{_KEYWORD}(?:\\*[\"'])?{_SPACE}*(?:[:=]{_SPACE}*(?:\\*[\"'])?)?"
    r"|://[^\s/?#@]*|-----BEGIN[A-Z ]*)\Z"
)
_REACH: Final = 256  # how far before the cut _CONTEXT is looked for
# An escape at a flush's cut is held whole, with the run of backslashes it starts with (its letters are held as a
# token's): cut from them, \t and \n read as letters (password:\ | tsecret). Not every backslash: a line of escapes
# or a Windows path held whole is judged again at every flush. Of a run longer than _REACH only the last backslash is
# held (what stands before it is out of _CONTEXT's reach), but after what names a secret (password:\\…\\t: the whole
# run, up to what a flush holds back).
_ESCAPE_AT: Final = re.compile(_ESCAPED_SPACE.pattern.removeprefix(r"(?<!\\)"))  # from any backslash of a run
_UNFINISHED: Final = re.compile(r"(?:x[0-9a-fA-F]?|u[0-9a-fA-F]{0,3})?\Z")  # after a run: \ \x0 \u20 may be escapes
_ESCAPE_LETTERS: Final = 5  # what an escape takes after its backslashes at most: u2028
INVISIBLE_CHARS: Final = (  # the controls but line breaks, Unicode's default-ignorable characters (BMP) but selectors
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff0-\ufff8"
)
_SELECTORS: Final = r"\ufe00-\ufe0f\U000e0020-\U000e007f\U000e0100-\U000e01ef"  # variation selectors, a flag's tags
_ASTRAL: Final = r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"  # default-ignorable past the BMP
_UNSEEN_CHARS: Final = f"{INVISIBLE_CHARS}{_SELECTORS}{_ASTRAL}"
INVISIBLE: Final = re.compile(  # past the BMP one range narrowed by a lookbehind: each range there costs each character
    f"[{INVISIBLE_CHARS}\ufe00-\ufe0f\U0001bca0-\U000e0fff](?<=[{_UNSEEN_CHARS}])"
    f"(?<![^\\x00-\\x7f{INVISIBLE_CHARS}][{_SELECTORS}])(?!\u20e3)"
)
"""Control characters but line breaks, zero-width, bidi and other invisible characters, and variation selectors and
tags but an emoji's (after another non-ASCII character: ⚠️, a region's flag; before a keycap: 1️⃣): where the
redactor looks through them, and every selector and tag too (:meth:`Redactor.redact_shown`), and what the report's
builder then takes out of every string (so every output shows the same text), but the joiners that shape emoji and
scripts (:data:`STRIPPED`)."""
JOINER: Final = rf"(?<=[^\x00-\x7f{INVISIBLE_CHARS}])[\u034f\u200c\u200d](?=[^\x00-\x7f{INVISIBLE_CHARS}])"
"""A joiner between two visible non-ASCII characters (👨‍👩‍👧, 🏳️‍🌈, Persian's ZWNJ, Indic conjuncts): it shapes what is
shown, so the report keeps it (:data:`STRIPPED`); the redactor still sees through it."""
STRIPPED: Final = re.compile(f"(?!{JOINER}){INVISIBLE.pattern}")
"""What the report takes out of every string: :data:`INVISIBLE` but a :data:`JOINER` (bidi controls, zero-width
characters between ASCII ones and every other format character go)."""
_COLOUR: Final = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # a terminal's escape sequence (CSI): colours, cursor
_WORD_CHAR: Final = r"[\w.~+/-]"  # keys and tokens: not a log line's INFO\x1b[0m: or key\x1b[0m=
_GLUED: Final = re.compile(rf"\x1b(?<={_WORD_CHAR}\x1b)\x1b*(?={_WORD_CHAR})")  # in a text with each code one ESC
ESCAPE: Final = re.compile(rf"{_COLOUR.pattern}|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][ -~]")
"""A terminal's escape sequence, whole: a CSI (:data:`_COLOUR`), a link's or a title's OSC (ended by BEL or ST), a
charset's designation (tput sgr0's ESC ( B). What the terminal's text goes without
(:func:`~honeyhive_experiment.report.markdown.plain`) and :meth:`Redactor.redact_shown` looks through."""
_UNSEEN: Final = re.compile(rf"{ESCAPE.pattern}|[{_UNSEEN_CHARS}]")  # what redact_shown looks through


# ------------------------------------------------------------------------------------ the secrets' tables


def _base64_cores(raw: bytes) -> list[tuple[str, str]]:
    """The base64 characters that depend on ``raw``'s bits alone, for each of the 3 offsets ``raw`` can start at
    inside a base64 group, in the standard and the URL-safe alphabet: every base64 text of bytes containing
    ``raw``, padded or not, contains one of them."""
    cores = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        core = encoded[(0, 2, 3)[offset] : (offset + len(raw)) * 8 // 6]
        cores.append((core, core.translate(_URL_SAFE_BASE64)))
    return cores


_URL_SAFE_BASE64: Final = str.maketrans("+/", "-_")


def _escaped(secret: str) -> tuple[str | None, re.Pattern[str]] | None:
    """A pattern for ``secret`` percent-encoded, JSON-, HTML- or backslash-escaped (each character as itself or
    escaped, so partial encoders match too), with a substring every match contains (``None``: no long enough one);
    ``None`` when no encoding changes the secret."""
    if all(c in _URL_SAFE for c in secret):
        return None
    parts = []
    for c in secret:
        if c in _URL_SAFE:
            parts.append(re.escape(c))
            continue
        # \\uXXXX escapes are UTF-16 code units (a surrogate pair past U+FFFF; a lone one, of bytes not UTF-8, as is)
        units = c.encode("utf-16-be", "surrogatepass")
        options = {  # hexadecimal digits in either case: (?i:…)
            re.escape(c),
            re.escape(json.dumps(c)[1:-1]),  # \\" \\\\ \\n …: repr's too
            "(?i:" + "".join(f"%{b:02x}" for b in c.encode("utf-8", "surrogateescape")) + ")",
            "".join(rf"\\u(?i:{units[i : i + 2].hex()})" for i in range(0, len(units), 2)),
            # HTML: numeric (markupsafe's &#34; &#39;, PHP's &#039;, html.escape's &#x27;, any zeros); named and others
            rf"&\#(?:0*{ord(c)}|(?i:x0*{ord(c):x}));",
            *_ALSO.get(c, ()),
        }
        parts.append("(?:" + "|".join(sorted(options, key=lambda o: (-len(o), o))) + ")")
    hint = _longest_run(secret, r"[A-Za-z0-9._~-]+")
    return (hint if len(hint) >= 4 else None), re.compile("".join(parts))


def _longest_run(text: str, pattern: str) -> str:
    return max(re.findall(pattern, text), key=len, default="")


def _gated(forms: Iterable[str], run: str) -> list[tuple[str, tuple[str, ...]]]:
    """Encoded ``forms`` of one secret, each group behind one substring check: their common ``run`` (a substring
    of every form) when it is long enough to be rare, else each form on its own."""
    kept = tuple(dict.fromkeys(form for form in forms if len(form) >= MIN_FORM))
    if len(run) >= MIN_FORM:
        return [(run[:_GATE], kept)] if kept else []
    return [(form[:_GATE], (form,)) for form in kept]


def _spelled(value: str, raw: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """``value`` with each of its characters escaped (each byte as ``%XX`` or ``\\xXX``, each character as
    ``\\uXXXX``; HTML's references, in any case and with any zeros, are read: :func:`_referenced`) and in hex
    with separators (``bytes.hex(" ")``, ``bytes.hex(":")``), in lower and upper case, by a substring every form of a
    group holds: what :func:`_escaped`'s pattern, each character as itself or escaped, does not look for (it would hold
    no substring to look for first)."""
    utf16 = value.encode("utf-16-be", "surrogatepass")  # \\uXXXX escapes are UTF-16 code units (a surrogate pair)
    units = [int.from_bytes(utf16[at : at + 2]) for at in range(0, len(utf16), 2)]
    groups: list[tuple[str, tuple[str, ...]]] = []
    for case in "xX":
        groups += [
            ("%", ("".join(f"%{byte:02{case}}" for byte in raw),)),
            ("\\x", ("".join(f"\\x{byte:02{case}}" for byte in raw),)),
            ("\\u", ("".join(f"\\u{unit:04{case}}" for unit in units),)),
        ]
    for separator in " :":
        hexes = (raw.hex(separator), raw.hex(separator).upper())
        groups += _gated(hexes, _longest_run(hexes[0], f"[0-9{separator}]+"))
    return groups


def _edge_length(size: int) -> int:
    return max(FRAGMENT_FLOOR, min(EDGE_FRAGMENT, math.ceil(size / 2)))


def _anywhere_length(size: int) -> int:
    return min(size, max(EDGE_FRAGMENT, math.ceil(size / 2)))


_Edge = tuple[int, set[str], list[str], Callable[[str], str], Callable[[str], str]]
"""(window, every ``window`` characters of the sources it applies to, those sources, the first and the last
``window`` characters of a line)"""


def _fresh(value: Any) -> Any:
    """``value`` with containers of its own: a list, set or dict copied, and those a tuple holds (what they hold is
    kept: never changed in place)."""
    if isinstance(value, tuple):
        return tuple(map(_fresh, value))
    return type(value)(value) if isinstance(value, list | set | dict) else value


@dataclass(slots=True)
class _Tables:
    """Everything the known values are looked for by. :meth:`add` adds what a value needs in place, so learning one
    costs what that one needs, not all the others again (audit63 F4); what was there stays, so another thread looking
    meanwhile looks for every value it did before."""

    encoded: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (gate, hex/base64/spelled forms)
    escaped: list[tuple[str | None, re.Pattern[str]]] = field(default_factory=list)  # (hint, percent-, JSON-escaped…)
    anchors: list[tuple[str, str, str, int, int]] = field(default_factory=list)  # (gate, anchor, value, at, least)
    edges: tuple[_Edge, ...] = ()  # one per window length: mostly 8 only
    hold: int = _HOLD  # the longest form but one: how far back a secret still being written can start
    tail: re.Pattern[str] = re.compile("")  # a run of what values, forms and common shapes are made of, but a space
    spaced: list[str] = field(default_factory=list)  # the values holding a space as printed (as they are, escaped…)
    cells: set[str] = field(default_factory=set)  # every MIN_CELL characters of the values: what a held row holds
    hexed: tuple[re.Pattern[str], list[str]] = field(
        default_factory=lambda: (re.compile("(?!)"), [])
    )  # hex with spaces
    held: set[str] = field(default_factory=lambda: set(_HELD))  # tail's characters
    known: set[object] = field(default_factory=set)  # the sources (values, encoded forms) and encoded groups added
    spelled: dict[str, int] = field(default_factory=dict)  # where each gate's forms every character escaped are

    def copy(self) -> _Tables:
        """A copy to add to: the cached tables a redactor shares stay those of the values they were made of. Every
        field is copied (:func:`_fresh`): a field added needs nothing here."""
        return replace(self, **{each.name: _fresh(getattr(self, each.name)) for each in fields(self)})

    def add(self, values: Iterable[str]) -> _Tables:
        """The tables with ``values`` (new ones) added."""
        held = len(self.held)
        for value in values:
            raw = value.encode("utf-8", "surrogateescape")  # a variable's bytes that are not UTF-8: as they are
            hexes = (raw.hex(), raw.hex().upper())
            groups = _gated(hexes, _longest_run(hexes[0], "[0-9]+"))
            for cores in _base64_cores(raw):
                groups += _gated(cores, _longest_run(cores[0], "[A-Za-z0-9]+"))
            self._source(value)  # the values and their encoded forms, whose fragments count at a line's edge
            for gate, forms in groups:
                if forms not in self.known:
                    self.known.add(forms)
                    self.encoded.append((gate, forms))
                for form in forms:
                    self._source(form)
            for gate, forms in _spelled(value, raw):  # whole only: 8 characters of one are 3 or fewer of the value
                if (at := self.spelled.setdefault(gate, len(self.encoded))) == len(self.encoded):
                    self.encoded.append((gate, forms))
                else:
                    self.encoded[at] = (gate, self.encoded[at][1] + forms)
                self.hold = max(self.hold, *(len(form) - 1 for form in forms))
                self._hexed([form for form in forms if " " in form])  # bytes.hex(" ")
            if any(c.isspace() for c in value):
                escapes = (json.dumps(value)[1:-1], html.escape(value), html.escape(value).replace("&#x27;", "&#39;"))
                self.spaced += dict.fromkeys((value, *escapes, repr(value)[1:-1]))
            self.held.update(c for c in value if not c.isspace())  # a space would hold back prose whole
            if (found := _escaped(value)) is not None:
                self.escaped.append(found)
                self.hold = max(self.hold, sum(1 if c in _URL_SAFE else _ESCAPE_LONGEST for c in value) - 1)
                self.held.update("%\\&#;'\"")
            least = _anywhere_length(len(value))
            size = max(4, math.ceil(least / 2)) if least < len(value) else len(value)
            step = least - size + 1  # any ``least`` characters of the value hold one of these anchors
            for at in range(0, len(value) - size + 1, step):
                self.anchors.append((value[at : at + min(size, _GATE)], value[at : at + size], value, at, least))
            self.cells.update(value[at : at + MIN_CELL] for at in range(len(value) - MIN_CELL + 1))
        if held != len(self.held) or not self.tail.pattern:
            self.tail = re.compile(f"[{re.escape(''.join(sorted(self.held)))}{_UNSEEN_CHARS}]*")
        return self

    def _source(self, source: str) -> None:
        """``source`` (a value or an encoded form) in the edge of its window: its fragments count at a line's edge."""
        if source in self.known:
            return
        self.known.add(source)
        self.hold = max(self.hold, len(source) - 1)
        if (window := _edge_length(len(source))) >= len(source):
            return
        edge = next((edge for edge in self.edges if edge[0] == window), None)
        new = edge is None
        if edge is None:
            edge = (window, set(), [], itemgetter(slice(None, window)), itemgetter(slice(-window, None)))
        edge[1].update(source[at : at + window] for at in range(len(source) - window + 1))
        edge[2].append(source)
        if new:  # a window of its own: looked for once its windows are in
            self.edges = tuple(sorted((*self.edges, edge), key=itemgetter(0)))

    def _hexed(self, forms: list[str]) -> None:
        """``forms`` (a value's hex with spaces) found whole, by their starts."""
        starts, hexed = self.hexed
        hexed += forms
        prefixes = {re.escape(form[:3]) for form in forms} - set(starts.pattern.split("|"))  # at most 2 × 256 in all
        if prefixes:
            self.hexed = (re.compile("|".join(sorted({*prefixes, *starts.pattern.split("|")} - {"(?!)"}))), hexed)


@functools.lru_cache(maxsize=8)
def _tables(values: tuple[str, ...]) -> _Tables:
    """The tables of the known ``values``, built once per set of secrets (shared: never added to, but a copy)."""
    return _Tables().add(values)


def _places(text: str, piece: str, step: int = 1) -> Iterator[int]:
    """Where ``piece`` is in ``text``: every place, or each at least ``step`` past the one before."""
    at = text.find(piece)
    while at >= 0:
        yield at
        at = text.find(piece, at + step)


def _extend(text: str, start: int, length: int, source: str, at: int) -> tuple[int, int]:
    """The span of ``text`` around ``text[start:start+length] == source[at:at+length]`` that goes on matching
    ``source`` on both sides."""
    left = 0
    while start - left > 0 and at - left > 0 and text[start - left - 1] == source[at - left - 1]:
        left += 1
    right = length
    while start + right < len(text) and at + right < len(source) and text[start + right] == source[at + right]:
        right += 1
    return start - left, start + right


def _identifying(fragment: str, source: str) -> bool:
    """Whether a fragment of ``source`` is redacted: the whole of it, or a piece not shaped like words."""
    return fragment == source or _WORDISH.fullmatch(fragment) is None


def _fragments(text: str, tables: _Tables) -> list[tuple[int, int]]:
    """Where ``text`` holds a known value whole, half of one anywhere, or a fragment of one (or of an encoded
    form) at a line's edge."""
    spans = []
    for gate, anchor, value, at, least in tables.anchors:
        if gate in text:
            for start in _places(text, anchor):
                span = _extend(text, start, len(anchor), value, at)
                if span[1] - span[0] >= least and _identifying(text[span[0] : span[1]], value):
                    spans.append(span)
    lines = _BREAK.split(text) if "\\" in text else text.splitlines()  # str.splitlines(): no regex, the common case
    if bars := _barred(text):  # a cell's edges are edges too (a secret wrapped over its rows), and the lines' stay
        lines += (_CELL if "\\" in text else _CELL_PLAIN).split(text)
    if len(lines) > 1:
        trimmed = list(map(str.strip, lines, repeat(_EDGE_TRIM)))
        for edge in tables.edges:
            window, grams, _, heads, tails = edge
            if not grams.isdisjoint(chain(map(heads, trimmed), map(tails, trimmed))):
                spans.extend(_at_edges(text, edge, bars))
    elif lines:
        line = lines[0].strip(_EDGE_TRIM)  # not text's: a break it ends with (U+2028) is no part of its last edge
        for edge in tables.edges:
            window, grams = edge[0], edge[1]
            if line[:window] in grams or line[-window:] in grams:
                spans.extend(_at_edges(text, edge, bars))
    return spans


def _at_edges(text: str, edge: _Edge, bars: bool) -> list[tuple[int, int]]:
    """The fragments at the lines' edges, and with ``bars`` at the cells', that ``edge``'s windows find (rare: plain
    loops)."""
    window, grams, fitting, _, _ = edge
    spans = []
    pieces: list[tuple[int, int]] = []  # (begin, end) of each line, and of each cell
    for pattern in (_BREAK, _CELL)[: 1 + bars]:
        breaks = [found.span() for found in pattern.finditer(text)]
        pieces += zip([0, *(after for _, after in breaks)], [*(before for before, _ in breaks), len(text)], strict=True)
    for begin, end in dict.fromkeys(pieces):
        line = text[begin:end]
        first = begin + len(line) - len(line.lstrip(_EDGE_TRIM))
        last = begin + len(line.rstrip(_EDGE_TRIM))
        if last - first < window:
            continue
        for start in (first, last - window):
            gram = text[start : start + window]
            if gram not in grams:
                continue
            for source in fitting:
                for at in _places(source, gram):
                    span = _extend(text, start, window, source, at)
                    if _identifying(text[span[0] : span[1]], source):
                        spans.append(span)
    return spans


def _columns(text: str) -> Iterator[tuple[list[int], int, int]]:
    """Each column of a table whose consecutive rows have their bars at the same places (a terminal's table): where its
    rows start in ``text``, and where its left and right bars are in them. A bar with none at its place in the line
    above or below is a cell's text (a secret holding one), not the table's."""
    lines = [*text.splitlines(keepends=True), ""]  # the empty last line ends the last table
    found = [[bar.start() for bar in _BAR.finditer(line)] for line in lines]
    rows: list[int] = []  # where the table's rows so far start
    table: list[int] = []  # where their bars are in them
    start = 0
    for line, above, bars, below in zip(lines, [[], *found[:-1]], found, [*found[1:], []], strict=True):
        if bars not in (above, below):  # not a table's row as it is: its bars that are a table's
            bars = sorted(set(bars) & {*above, *below})
        if rows and bars != table:
            for left, right in pairwise(table) if len(rows) > 1 else ():
                yield rows, left, right
            rows = []
        if len(bars) > 1:
            rows.append(start)
            table = bars
        start += len(line)


def _cells(text: str, columns: list[tuple[list[int], int, int]]) -> Iterator[tuple[int, int, int]]:
    """The cells of ``columns`` (:func:`_columns`) of ``text``, each trimmed of spaces, as ``(where in the columns'
    text, where in text, length)``: the columns' text is their cells' joined, each column a line."""
    joined = 0
    for rows, left, right in columns:
        for begin in rows:
            cell = text[begin + left + 1 : begin + right]
            yield joined, begin + left + 1 + len(cell) - len(cell.lstrip(" ")), len(stripped := cell.strip(" "))
            joined += len(stripped)
        joined += 1


_REFERENCES: Final = re.compile(r"(?:&#(?:[0-9]{1,8}|[xX][0-9a-fA-F]{1,8});){4,}")  # as many as MIN_SECRET or more
_REFERENCE: Final = re.compile(r"&#([xX]?)([0-9a-fA-F]+);")


def _referenced(text: str, values: Iterable[str]) -> list[tuple[int, int]]:
    """Where ``text`` holds a known value whole with each of its characters as HTML's numeric character reference
    (``&#86;``, ``&#x56;``, ``&#X56;``, ``&#0086;``: any case, any zeros), read one run of references at a time."""
    spans: list[tuple[int, int]] = []
    for run in _REFERENCES.finditer(text):
        refs = list(_REFERENCE.finditer(text, run.start(), run.end()))
        shown = "".join(chr(min(int(ref[2], 16 if ref[1] else 10), sys.maxunicode)) for ref in refs)
        for value in values:
            spans += ((refs[at].start(), refs[at + len(value) - 1].end()) for at in _places(shown, value, len(value)))
    return spans


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span (overlapping or adjacent ones merged) replaced by ``***``."""
    if not spans:
        return text
    pieces: list[str] = []
    done = 0
    for start, end in sorted(spans):
        if end <= done or start == end:
            continue
        if start > done or not pieces:
            pieces.extend((text[done:start], REDACTED))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


_LEARNED: set[str] = set()
_REDACTORS: Final[weakref.WeakSet[Redactor]] = weakref.WeakSet()
_LEARNING: Final = threading.Lock()


def learn(secrets: Iterable[str]) -> None:
    """Secrets found after the process's redactors were made (those the user's code put into the environment, with
    ``load_dotenv()`` at import): every redactor of the process takes them, each one made already (what the output and
    the log are redacted with) and each one to come (what is recorded in HoneyHive, the report)."""
    with _LEARNING:
        if new := {secret.strip() for secret in secrets} - _LEARNED:
            for redactor in list(_REDACTORS):
                redactor._learn(new)
            _LEARNED.update(new)  # once every redactor has them: one interrupted (a signal) leaves them to learn again


def _longest_first(value: str) -> tuple[int, str]:
    return -len(value), value


def _known(secrets: Iterable[str | None]) -> tuple[str, ...]:
    """The values of ``secrets`` (and their parts: :func:`_parts`) that are looked for, longest first."""
    # the spaces around a secret are not part of it: they would stretch fragments
    values = {secret.strip() for secret in secrets if isinstance(secret, str)}
    values.update(part for value in tuple(values) for part in _parts(value))
    return tuple(sorted((value for value in values if len(value) >= MIN_SECRET), key=_longest_first))


class Redactor:
    """Replaces known secret values, their encodings and fragments, and common secret patterns
    (:data:`SECRET_PATTERNS`) with ``***`` (the module's docstring says which values, forms and fragments).
    """

    __slots__ = ("__weakref__", "_cache", "_known_cache", "_own", "_secrets", "_tables")

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        with _LEARNING:
            self._secrets = _known([*secrets, *_LEARNED])
            self._tables = _tables(self._secrets)  # of no secret: what the common shapes' tokens are made of, to hold
            self._own = False  # the tables are shared (cached): added to only once copied
            # short strings repeat: each redacted once by redact, by redact_known (_blanked)
            self._cache: dict[str, str] = {}
            self._known_cache: dict[str, str] = {}
            _REDACTORS.add(self)

    def _learn(self, secrets: Iterable[str]) -> None:
        """Takes the ``secrets`` it does not know: their tables are added to its own (audit63 F4: rebuilt over every
        secret learnt, learning was quadratic, in the user's thread that set the variable)."""
        known = set(self._secrets)
        if new := [value for value in _known(secrets) if value not in known]:
            self._tables = (self._tables if self._own else self._tables.copy()).add(new)
            self._own = True
            ordered = list(self._secrets)  # a new one: another thread may be going through the one before
            for value in new:
                bisect.insort(ordered, value, key=_longest_first)  # not sorted(): its key for every secret
            self._secrets = tuple(ordered)
            self._cache, self._known_cache = {}, {}

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        return text if len(text) < 4 else self._blanked(text, self._cache, rules=True)

    def _blanked(self, text: str, cache: dict[str, str], *, rules: bool) -> str:
        """``text`` with its secrets blanked (``rules``: :meth:`_spans`'), kept in ``cache`` when short: short strings
        (names, ids, a span's attribute names on every datapoint) repeat. ``cache`` is the one the caller took: one
        made before the redactor learnt more is no longer its own, and what it holds stays there."""
        cached = cache.get(text)
        if cached is None:
            cached = _blank(text, self._spans(text, rules=rules))
            if len(text) <= 200 and len(cache) < 50_000:
                cache[text] = cached
        return cached

    def redact_shown(self, text: str) -> str:
        """``text`` redacted as it shows: looked at as it is and without its invisible characters, which stay where
        no secret is (the module's docstring says why)."""
        if "\x1b[" not in text and INVISIBLE.search(text) is None:
            return self.redact(text)
        return _blank(text, self._shown(text))

    def redact_unfinished(self, line: str) -> tuple[str, str]:
        """An unfinished ``line`` (a flush of output written in pieces) as what can be shown now, redacted as it shows,
        and the tail to hold back until more of it is written: what may be the start of a secret or of one of its
        forms, with what names it. That is the line's last run of the characters those are made of but spaces (the
        known values', their forms' and escapes', the common shapes' tokens), no longer than the longest form but one,
        with the escape it may start with whole (``\\t``, ``\\\\n``: a space or a line break to the patterns), and with
        what stands before an escape not finished yet (``password:\\``); or its end that is a piece of a known value
        holding a space, or the start of a value's hex with spaces; from the start of any secret found across the cut,
        and of the keyword, ``Bearer`` or URL before it, escaped spaces taken as spaces (a secret judged by what stands
        before it is judged with it: whatever the pieces, the line shows as it would have whole)."""
        cut = len(line)
        for form in self._tables.spaced:
            cut = min(cut, len(line) - _overlap(line, form))
        starts, hexed = self._tables.hexed  # found whole only: held from its start (its digits are held as a token's)
        for form in hexed if starts.search(line) is not None else ():
            cut = min(cut, _started(line, form))
        cut = self._held(line, cut)
        if cut == 0:  # all of it may be (a word still being written)
            return "", line
        spans = self._shown(line)
        while True:  # a secret across the cut, or found up to the line's end (it may go on), is held back whole
            start = min((start for start, end in spans if start < cut and (cut < end or end == len(line))), default=cut)
            if start == cut:
                break
            cut = self._held(line, start)
        return _blank(line[:cut], [span for span in spans if span[1] <= cut]), line[cut:]

    def folded(self, text: str, end: int) -> int:
        """Where the rows ending ``text[:end]`` (lines; the last may be unfinished) begin whose cells hold a piece of a
        known value (:data:`MIN_CELL` characters or more; a cell may end at any bar after it, the secret's, or at its
        line's end), or ``end``: a stream holds them back until a row that holds none, so that a column folding a
        secret over its rows, printed a row at a time, is looked at whole (:func:`_columns`)."""
        if not self._secrets or not _barred(text):
            return end
        start, grams = end, self._tables.cells
        for row in reversed(text[:end].splitlines(keepends=True)):
            starts = [found.end() for found in _CELL_START.finditer(row) if found[1] in grams]  # most rows: none
            bars = [*(found.start() for found in _BAR.finditer(row)), len(row)] if starts else []
            if not any(self._in_cell(row, at, bars) for at in starts):
                break
            start -= len(row)
        return start

    def holds(self, line: str, judged: int) -> bool:
        """Whether a cell of the unfinished ``line`` (a row: :meth:`folded`) holds a piece of a known value, of the
        cells that may have changed since it was ``judged`` characters long (those ending past that, no longer than
        the longest value): each flush of a long line costs what it has more, not the whole line again."""
        if not self._secrets:
            return False
        low = min(judged, len(line.rstrip())) - len(self._secrets[0]) - 1
        piece = line[max(0, *(line.rfind(bar, 0, low) for bar in _BARS)) :] if low > 0 else line  # from a bar before
        return self.folded(piece, len(piece)) < len(piece)

    def _in_cell(self, row: str, start: int, ends: list[int]) -> bool:
        """Whether the cell of ``row`` from ``start`` to one of the ``ends`` after it (in order) is a piece of a known
        value: each end's is longer than the one before, so none past one longer than the longest value is."""
        for at in range(bisect.bisect(ends, start), len(ends)):
            cell = row[start : ends[at]].rstrip()
            if len(cell) > len(self._secrets[0]):
                return False
            if len(cell) >= MIN_CELL and any(cell in value for value in self._secrets):
                return True
        return False

    def _held(self, line: str, cut: int) -> int:
        """``cut`` moved back over the run of what the secrets and their forms are made of before it, over the
        backslashes of an escape it would cut (and over what stands before one not finished), and to the start of what
        may name or begin the secret after it (:data:`_CONTEXT`, ending at the cut or past the escape there, in the line
        as it came and with its escaped spaces as spaces), as long as any moves it. Each step reads a bounded piece
        of the line before the cut: a flush costs what was written since the last one, whatever the line holds."""
        hold, tail = self._tables.hold, self._tables.tail
        while True:
            run = tail.match(line[max(0, cut - hold) : cut][::-1])
            cut -= run.end() if run is not None else 0
            end = cut  # where what names the secret may end: the cut, or past the escaped space held from it
            if cut and line[cut - 1] == "\\":  # an escape's backslashes (its letters were held): held with them
                backslashes = line[max(0, cut - hold - 1) : cut]
                after, cut = cut, cut - (len(backslashes) - len(backslashes.rstrip("\\")))
                if after - cut > _REACH and not _names(line, cut, hold - (after - cut)):
                    return after - 1  # what stands before so long a run is out of reach: one backslash will do
                if _UNFINISHED.match(line, after) is None:  # a space, a line break or no escape: settled
                    end = escape.end() if (escape := _ESCAPE_AT.match(line, cut)) is not None else cut
                else:  # it may yet be a space or a line break: what stands before it is held with it
                    continue
            starts = [start for start in _contexts(line, cut, end) if start < cut]
            if not starts:
                return cut
            cut = min(starts)  # never cut itself: every _CONTEXT is one character or more

    def _shown(self, text: str) -> list[tuple[int, int]]:
        """Where ``text``'s secrets are as it shows (:meth:`redact_shown`)."""
        # a colour code parts what it stands between: it is looked at as the spaces it shows as
        seen = _COLOUR.sub(lambda code: " " * len(code[0]), text) if "\x1b[" in text else text
        spans = self._spans(seen)
        if INVISIBLE.search(seen) is not None:
            spans += self._through(seen)
        if seen is not text and _GLUED.search(_COLOUR.sub("\x1b", text)) is not None:
            spans += self._through(text)  # but for one between two characters of a token, shown as one: sk-ab\x1b[0mcd…
        return spans

    def _through(self, text: str) -> list[tuple[int, int]]:
        """Where ``text``'s secrets are, looked at without its colour codes and invisible characters."""
        shown = self._spans(_UNSEEN.sub("", text))
        if not shown:  # nothing more to find than in the text as it is (an emoji's joiner, a soft hyphen)
            return []
        hidden = {at for found in _UNSEEN.finditer(text) for at in range(*found.span())}
        where = [at for at in range(len(text)) if at not in hidden]  # where each character of the text shown is
        return [(where[start], where[end - 1] + 1) for start, end in shown]

    def redact_known(self, value: Any) -> Any:
        """A copy of a JSON-like value with this redactor's secret values (their encodings and fragments) replaced in
        its strings, and nothing else: no pattern, no key (what the user's code returned stays theirs). What the runner
        records in HoneyHive, so a job that reads it back (a report job, ``view``) shows no secret that only the
        recording job's environment held."""
        if not self._secrets:
            return value
        cache = self._known_cache
        return self._walk(value, lambda text: self._blanked(text, cache, rules=False), keys=False)

    def holds_known(self, text: str) -> bool:
        """Whether ``text`` holds one of this redactor's secret values whole, as it is or encoded (base64, hex,
        percent-, JSON- or HTML-escaped…); not a fragment of one, which :meth:`redact_known` blanks too (another JWT
        starts as a runner's token does)."""
        return any(value in text for value in self._secrets) or bool(self._encoded(text))

    def _encoded(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` holds a known value's encoded forms whole."""
        spans: list[tuple[int, int]] = []
        for gate, forms in self._tables.encoded:
            if gate in text:
                for form in forms:
                    spans.extend((start, start + len(form)) for start in _places(text, form, len(form)))
        for hint, pattern in self._tables.escaped:
            if hint is None or hint in text:
                spans.extend(match.span() for match in pattern.finditer(text))
        if "&#" in text:
            spans += _referenced(text, self._secrets)
        return spans

    def _spans(self, text: str, *, rules: bool = True) -> list[tuple[int, int]]:
        """Where ``text``'s secrets are, by every rule at once (the module's docstring says why); ``rules`` false:
        only where its known values are."""
        spans: list[tuple[int, int]] = []
        tables = self._tables
        if self._secrets:
            spans += self._encoded(text)
            spans += _fragments(text, tables)
            rows = -1 < text.find("\n") < len(text) - 1  # two lines or more
            rows = rows and _barred(text)
            columns = list(_columns(text)) if rows else []  # a secret a narrow column folds over its rows
            text_of_columns = "\r".join(  # every column at once, each a line (no column of theirs is looked for)
                "".join(text[begin + left + 1 : begin + right].strip(" ") for begin in starts)
                for starts, left, right in columns
            )
            if found := self._spans(text_of_columns, rules=False) if columns else []:
                spans += (
                    (at + max(start - joined, 0), at + min(end - joined, size))
                    for joined, at, size in _cells(text, columns)
                    for start, end in found
                    if start < joined + size and joined < end
                )
        if not rules:
            return spans
        lower = text.lower()  # the hints are checked case-insensitively: a superset of what can match
        spaced = None  # the text with its escaped spaces as spaces (as long: the same places), made once if needed
        for pattern, hints, escapes in _RULES:
            for hint in hints:
                if hint in lower:  # the text with spaces holds no hint that the text as it came does not
                    looked = text
                    if escapes and "\\" in text:
                        looked = spaced = spaced or _ESCAPED_SPACE.sub(_as_spaces, text)
                    spans.extend(
                        (match.end("keep") if "keep" in pattern.groupindex else match.start(), match.end())
                        for match in pattern.finditer(looked)
                    )
                    break
        return spans

    def redact_value(self, value: Any) -> Any:
        """A copy of a JSON-like value with strings redacted and values under secret-looking keys replaced whole
        (a list or an object too; not what shows nothing: None, a flag, an empty value)."""
        return self._walk(value, self.redact, keys=True)

    def _walk(self, value: Any, text: Callable[[str], str], *, keys: bool, depth: int = 0) -> Any:
        """A copy of a JSON-like value with ``text`` of each string (keys too), and with ``keys``, values under
        secret-looking keys replaced."""
        if isinstance(value, str):
            return text(value)
        if depth > 40:
            return REDACTED
        if isinstance(value, Mapping):
            result: dict[Any, Any] = {}
            for key, item in value.items():
                shown = text(key) if isinstance(key, str) else key
                if keys and _sensitive(key) and not _shows_nothing(item):  # a list or an object under it too
                    result[shown] = REDACTED
                else:
                    result[shown] = self._walk(item, text, keys=keys, depth=depth + 1)
            return result
        if isinstance(value, list | tuple | set | frozenset):
            return [self._walk(item, text, keys=keys, depth=depth + 1) for item in value]
        return value


def _as_spaces(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _names(line: str, cut: int, room: int) -> bool:
    """Whether what stands right before ``cut`` may name a secret after the run of backslashes there (an escape, a
    space: ``password:\\\\…\\\\t``) and the run is no longer than what a flush holds back (``room`` left)."""
    before = line[max(0, cut - _REACH) : cut]
    return room >= 0 and any(_CONTEXT.search(piece) for piece in (before, before + " "))


def _contexts(line: str, cut: int, end: int) -> Iterator[int]:
    """Where what may name or begin a secret (:data:`_CONTEXT`) starts that ends at ``cut`` or at ``end`` (past an
    escaped space there), looked for in the :data:`_REACH` before the cut of ``line`` as it came and with its escaped
    spaces as spaces: those of a piece of it a few characters wider on each side than what is searched (an escape is a
    run of backslashes and at most :data:`_ESCAPE_LETTERS` after it, so the piece's spaces are the line's there)."""
    low = max(0, cut - _REACH)
    base = max(0, low - _ESCAPE_LETTERS - 1)
    looks = [(line, 0)]
    if "\\" in line[base:end]:
        looks.append((_ESCAPED_SPACE.sub(_as_spaces, line[base : end + _ESCAPE_LETTERS + 1]), base))
    for text, offset in looks:
        for stop in dict.fromkeys((cut, end)):
            if (found := _CONTEXT.search(text, low - offset, stop - offset)) is not None:
                yield found.start() + offset


def _started(line: str, form: str) -> int:
    """Where the end of ``line`` that is the start of ``form`` (3 characters or more, not all of it) begins, or the
    line's end."""
    at = line.find(form[:3], max(0, len(line) - len(form) + 1))
    while at >= 0 and not form.startswith(line[at:]):
        at = line.find(form[:3], at + 1)
    return at if at >= 0 else len(line)


def _overlap(line: str, form: str) -> int:
    """How long the end of ``line`` is that is a piece of ``form`` (each shorter end of it is one too: halved)."""
    low, high = 0, min(len(line), len(form))
    while low < high:
        middle = (low + high + 1) // 2
        if line[-middle:] in form:
            low = middle
        else:
            high = middle - 1
    return low


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message (with its args), exception text and stack.

    Install it on handlers (a filter on a logger does not see records propagated from child loggers)::

        handler.addFilter(RedactingFilter(Redactor([api_key, github_token])))
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string still must not leak its arguments
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self.redactor.redact_shown(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact_shown(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact_shown(record.stack_info)
        return True


@dataclass(slots=True)
class _Line:
    """One thread's unfinished line of a :class:`RedactingStream`, with the rows held back before it, and what of it a
    flush passed on."""

    other: bool  # another thread's than the main one, with the stream's ``others``
    pending: str = ""
    passed: int = 0  # how much of the unfinished line was passed on (flushed)
    bars: str = ""  # what of it was passed on, its bars kept and the rest as spaces ("": no flush saw a bar yet)
    judged: int | None = 0  # how much of the line a flush found no piece of a secret in (None: one)

    def restart(self) -> None:
        """Nothing of the line passed on: its columns are looked at from here."""
        self.bars, self.passed, self.judged = "", 0, 0


class RedactingStream(io.TextIOBase):
    """A text stream that passes what is written to ``target`` redacted, a line at a time (a line ends at
    ``\\n`` or ``\\r``; :meth:`flush` passes on an unfinished one but the tail that may be the start of a secret still
    being written, :meth:`Redactor.redact_unfinished`, which goes on at the line's end, at :meth:`close` or at the
    process's exit, a forked child's too), but a table's last rows that hold a piece of a secret in a cell, held with
    what follows them until a row that holds none (:meth:`Redactor.folded`: a column folding it over its rows), an
    unfinished one at a flush too.
    Each thread has its own unfinished line and held rows (a run's datapoints print at once: another's line never lands
    between a split secret's pieces, nor between a table's rows); what a thread that has ended left is passed on before
    another's next write or flush (the end of a run's) or at :meth:`close`. Each stream holds its own: rows standard
    output holds back show after what standard error was written later (in a log that gets both).
    Thread-safe, and reentrant: what a signal handler writes (or logs) while the main thread it interrupted is writing
    comes after that write, redacted the same.

    The CLI puts it in place of ``sys.stdout`` and ``sys.stderr`` while it runs, so that what the user's code
    prints is redacted like a log record. Bytes written to ``buffer`` or to the file descriptor (a subprocess's
    output) do not pass through it.

    ``others`` rewrites what threads other than the main one write (inside GitHub Actions: the user's threads issue
    no workflow command), whole lines at a time: their text never shares a line with another thread's, and what
    of it is passed on unfinished (a very long line, a thread that has ended) is ended there, so no two writes join
    into one; a flush passes none of theirs on (each piece of a streamed line would be a line of its own)."""

    _LIMIT: Final = 65_536  # an unfinished line longer than this is passed on (redacted) without waiting

    def __init__(self, target: TextIO, redactor: Redactor, *, others: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.target = target
        self._redactor = redactor
        self._others = others
        self._lines: dict[threading.Thread, _Line] = {}  # each thread's unfinished line (none: it ended its last)
        self._mid_line = False  # what was passed on last ended no line
        self._holding = True  # a flush holds back what may be the start of a secret (not at close, at exit)
        self._lock = threading.RLock()
        self._queued: deque[str | None] = deque()  # writes (None: a flush) made while _busy: after the one going on
        self._busy = False  # the thread holding the lock is mid-write: a signal handler's write must wait for it
        _STREAMS.add(self)

    def write(self, text: str) -> int:
        self._in_turn(text)
        return len(text)

    def flush(self) -> None:
        self._in_turn(None)

    def _in_turn(self, text: str | None) -> None:
        """Write ``text`` (``None``: flush), after what is being written. A signal handler runs on the main thread
        between any two steps of what it was doing: mid-write, the lock is held (the handler's print would wait for it
        for good) and the stream's state half updated. Its writes wait in ``_queued`` for the write it interrupted,
        which makes them before it returns; one that ends in an exception (the handler's ``Interrupted``) leaves them
        to the next write or flush (at the latest the exit's)."""
        with self._lock:
            self._queued.append(text)
            while self._queued and not self._busy:  # again once not busy: one queued just before is not left behind
                self._busy = True
                try:
                    while self._queued:
                        queued = self._queued.popleft()
                        self._write(queued) if queued is not None else self._flush()
                finally:
                    self._busy = False

    def _write(self, text: str) -> None:
        thread = threading.current_thread()  # the queued writes are the lock holder's (a signal handler's: the main's)
        self._ended(thread)
        line = self._lines.get(thread)
        if line is None:
            line = self._lines[thread] = _Line(self._others is not None and thread is not threading.main_thread())
        pending = line.pending + text
        cut = max(pending.rfind("\n"), pending.rfind("\r")) + 1
        if cut and self._holding:  # the rows' columns as they show: with the start of their first, passed on
            start = self._start(line, pending)
            cut = max(0, self._redactor.folded(start + pending, len(start) + cut) - len(start))
        if cut:
            self._pass_on(line, self._shown(line, pending[:cut]))
        line.pending = pending[cut:]
        if len(line.pending) > self._LIMIT:  # passed on, but what may be a secret's start, with what names it
            shown, held = self._redactor.redact_unfinished(line.pending)
            self._pass_on(line, shown or self._redactor.redact_shown(held))
            line.pending = held if shown else ""
            line.restart()  # past the bound
        if not line.pending and not line.passed:  # it ended its line: nothing of it to keep
            del self._lines[thread]

    def _start(self, line: _Line, text: str) -> str:
        """The start of ``text``'s line that was passed on unfinished, its bars kept and the rest as spaces (where its
        first row's cells are in their columns), or nothing when neither holds a bar."""
        return "" if not line.bars and not _barred(text) else line.bars.ljust(line.passed)

    def _shown(self, line: _Line, text: str) -> str:
        """``text``, which ends ``line`` passed on unfinished, redacted after its start (:meth:`_start`: a column of a
        table's rows is joined with that row's cell)."""
        start = self._start(line, text)
        line.restart()
        shown = self._redactor.redact_shown(start + text)
        return shown[len(start) :] if shown.startswith(start) else self._redactor.redact_shown(text)

    def _flush(self) -> None:
        self._ended(thread := threading.current_thread())
        if (line := self._lines.get(thread)) is not None:
            self._flush_line(line)
        self.target.flush()

    def _ended(self, current: threading.Thread) -> None:
        """Every line of a thread that has ended (no more of it comes) passed on whole, or of every thread once nothing
        is held back (at close, at exit): before what ``current`` writes or flushes."""
        lines = self._lines
        if not lines or (self._holding and len(lines) == 1 and current in lines):  # the common case: at most its own
            return
        for thread, line in list(lines.items()):
            if not self._holding or not thread.is_alive():
                if line.pending:
                    self._pass_on(line, self._shown(line, line.pending))
                del self._lines[thread]

    def _flush_line(self, line: _Line) -> None:
        pending = line.pending
        # not rows held back (Redactor.folded), nor another thread's unfinished line: they wait whole; nor a row a
        # cell of which holds a piece of a secret (its column is looked at whole, with the rows after it)
        if pending and not line.other and "\n" not in pending and "\r" not in pending:
            barred = bool(line.bars) or _barred(pending)
            start = line.bars.ljust(line.passed) if barred else ""
            if barred and line.judged is not None and self._redactor.holds(start + pending, line.judged):
                line.judged = None  # until its line ends
            if line.judged is not None:
                shown, line.pending = self._redactor.redact_unfinished(pending)
                passed = len(pending) - len(line.pending)
                if barred:
                    line.bars = start + _NOT_BAR.sub(" ", pending[:passed])
                line.passed += passed
                line.judged = line.passed + len(line.pending)
                if line.passed > _HOLD:  # no table's row: looked at from here
                    line.restart()
                if shown:
                    self._pass_on(line, shown)

    def close(self) -> None:
        """Passes on what is held back (the target stays open)."""
        self._holding = False
        super().close()

    def _pass_on(self, line: _Line, shown: str) -> None:
        """``shown`` of ``line``, redacted first (a rewrite must not split a secret), to the target: another thread's
        with ``others``, on lines of its own."""
        if line.other and self._others is not None:
            shown = ("\n" if self._mid_line else "") + self._others(shown)
            shown += "" if shown.endswith(("\n", "\r")) else "\n"
        self._mid_line = not shown.endswith(("\n", "\r"))
        self.target.write(shown)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.target.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.target.errors

    def __getattr__(self, name: str) -> Any:  # buffer, mode, name, reconfigure…: the target's
        return getattr(self.target, name)


_STREAMS: Final[weakref.WeakSet[RedactingStream]] = weakref.WeakSet()


@atexit.register  # at the process's exit, before Python's last flush: after the user's own exit handlers
def _release(streams: Iterable[RedactingStream] = _STREAMS) -> None:
    """What every stream holds back is shown at exit, and after it nothing is held (the CLI leaves the streams in
    place until then: threads and exit handlers of the user's code may still print)."""
    for stream in list(streams):
        stream._holding = False
        with contextlib.suppress(ValueError, OSError):  # a closed target or pipe: nowhere left to show it
            stream.flush()


def _forked() -> None:
    """A forked child holds back as its parent does, and shows what it holds at its exit: a plain ``os.fork``'s at the
    exit hook; multiprocessing's child ends with ``os._exit``, past it, and shows it at multiprocessing's own exit
    (:func:`_at_its_exit`). What its parent held stays the parent's to show (the child's copy would show it twice),
    and a lock another of the parent's threads held is not the child's (nor are those :func:`_forking` took)."""
    _HELD_AT_FORK.clear()
    for stream in list(_STREAMS):
        stream._lock = threading.RLock()
        stream._lines = {}
        stream._queued.clear()
        stream._busy = False


def _at_its_exit(release: Callable[[], None]) -> None:
    """In a child multiprocessing starts, once it has forgotten its parent's finalizers: ``release`` runs in its exit
    function, after multiprocessing's own finalizers (priority 0 and up), before ``os._exit``."""
    from multiprocessing import util

    util.Finalize(None, release, exitpriority=-1)


def _release_standard() -> None:
    """:func:`_release` of ``sys.stdout`` and ``sys.stderr``, all a multiprocessing child prints to (and flushes at its
    exit): a fence's pumps are its parent's, whose file's buffer, maybe copied mid-write, is no child's to flush."""
    _release(s for s in (sys.stdout, sys.stderr) if isinstance(s, RedactingStream))


_HELD_AT_FORK: list[RedactingStream] = []
_at_exits = False  # _at_its_exit is one of multiprocessing's after-fork functions (a child's children inherit it)


def _forking() -> None:
    """Before a fork, wait until no thread is writing through ``sys.stdout`` / ``sys.stderr``: a child forked while
    another thread (the progress line on the main thread) held the text file's own lock under ours inherits it held,
    and hangs at its exit's flush. Only those two: a fence pump's stream is left free to drain the pipe a writer
    may be waiting on."""
    global _at_exits
    if not _at_exits and "multiprocessing.util" in sys.modules:  # a multiprocessing child to come, maybe
        from multiprocessing import util

        util.register_after_fork(_release_standard, _at_its_exit)
        _at_exits = True
    for stream in dict.fromkeys(s for s in (sys.stdout, sys.stderr) if isinstance(s, RedactingStream)):
        stream._lock.acquire()
        _HELD_AT_FORK.append(stream)


def _forked_parent() -> None:
    while _HELD_AT_FORK:
        _HELD_AT_FORK.pop()._lock.release()


os.register_at_fork(before=_forking, after_in_parent=_forked_parent, after_in_child=_forked)

"""Whether redacting a text grows linearly with a run of backslashes in it: an output such as ``"\\\\" * 200_000 +
" token"`` (a Windows path, an escaped escape) once took the report's redaction minutes.

The escape patterns of :mod:`~honeyhive_experiment.report.redact` (a line break or a space written escaped, ``\\n``,
``\\t``: ``_BREAK`` and ``_ESCAPED_SPACE``) were tried from every backslash of a run, each try reading the rest of
the run: quadratic in its length (20,000 backslashes: 3 s; 200,000: 350 s of CPU). They now start only at a run's
first backslash. A stream (:class:`~honeyhive_experiment.report.redact.RedactingStream`, what the user's code prints)
holds back at a flush the escape the cut is in, its backslashes with its letters (``password:\\`` then ``tsecret``),
and what stands before one not finished: of a run longer than 256 (what stands before it out of reach) only the last
backslash, so each flush of the run printed in flushed pieces of 64 characters costs the same.

Printed: CPU seconds for a run of N and of 10 N backslashes, redacted at once with and without a known secret and
streamed, and their ratio: about 10 when linear, about 100 when quadratic.

Then output full of backslashes streamed in very small flushed pieces (what a user's code printing as it goes makes):
N backslashes one a flush, 2 N characters of ``\\n`` escapes and of Windows paths four a flush, each with its
baseline in the same run, prose of the same length in the same pieces, and their ratio. When a flush held back every
backslash of the line (up to 4,096 characters, judged again at every flush) the ratios were 40 to 120; holding back
only the escape the cut is in, they are 1 to 2 (prose holds back its last word). Nothing is asserted (shared machines
are noisy).

Run: ``python benchmarks/bench_redact_backslashes.py [--length N]``.
"""

from __future__ import annotations

import argparse
import io
import time

from honeyhive_experiment.report.redact import RedactingStream, Redactor

_TEXT = " password: hunter2-not-a-secret"  # no escape letter after the run: none matches
_PIECE = 64  # characters a streamed piece holds


def _cpu(redactor: Redactor, length: int) -> float:
    text = "\\" * length + _TEXT
    started = time.process_time()
    redactor.redact(text)
    return time.process_time() - started


def _streamed(redactor: Redactor, length: int) -> float:
    """The run and the text printed in flushed pieces (streamed output), then the line's end."""
    text = "\\" * length + _TEXT
    stream = RedactingStream(io.StringIO(), redactor)
    started = time.process_time()
    for at in range(0, len(text), _PIECE):
        stream.write(text[at : at + _PIECE])
        stream.flush()
    stream.write("\n")
    return time.process_time() - started


def _flushed(redactor: Redactor, text: str, piece: int) -> float:
    """``text`` printed in flushed pieces of ``piece`` characters, then the line's end."""
    stream = RedactingStream(io.StringIO(), redactor)
    started = time.process_time()
    for at in range(0, len(text), piece):
        stream.write(text[at : at + piece])
        stream.flush()
    stream.write("\n")
    return time.process_time() - started


def _small_pieces(length: int) -> None:
    """Output full of backslashes in very small flushed pieces, each against prose of its length in the same pieces."""
    redactor = Redactor(["sekrit-value-123"])
    path = "C:\\Users\\x\\AppData\\Local\\Temp\\file.txt;"
    for name, text, piece in (
        (f"{length:,} backslashes, 1 a flush", "\\" * length, 1),
        (f"{2 * length:,} characters of \\n, 4 a flush", "\\n" * length, 4),
        (f"{2 * length:,} of Windows paths, 4 a flush", (path * (2 * length // len(path) + 1))[: 2 * length], 4),
    ):
        prose = ("abcd efgh " * (len(text) // 10 + 1))[: len(text)]
        baseline, cpu = _flushed(redactor, prose, piece), _flushed(redactor, text, piece)
        ratio = cpu / baseline if baseline > 0 else float("inf")
        print(f"{name:>40}: {cpu:.3f} s, prose {baseline:.3f} s, ratio {ratio:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--length", type=int, default=20_000, help="the shorter run of backslashes (default 20,000)")
    length = max(parser.parse_args().length, 1)
    for name, redactor, cpu in (
        ("no known secret", Redactor([]), _cpu),
        ("a known secret", Redactor(["sekrit-value-123"]), _cpu),
        ("streamed", Redactor([]), _streamed),
    ):
        short, long = cpu(redactor, length), cpu(redactor, 10 * length)
        ratio = long / short if short > 0 else float("inf")
        print(f"{name:>16}: {length:,} backslashes {short:.4f} s, {10 * length:,} {long:.4f} s, ratio {ratio:.1f}")
    _small_pieces(length)


if __name__ == "__main__":
    main()

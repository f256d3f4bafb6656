"""The GitHub Actions runner's files and workflow commands: outputs, job summary, annotations, log.

Nothing here reads the environment: the caller passes the paths (``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``) and whether debug logging is on (``RUNNER_DEBUG``); commands are written to a
stream passed in (default ``sys.stdout``, where the runner reads them).

The formats are the runner's (and ``@actions/core``'s):

* outputs: ``name<<ghadelimiter_<uuid>`` / value lines / the delimiter, so any value (multi-line,
  containing ``=`` or ``<<``) round-trips; the delimiter is checked not to occur in the value;
* workflow commands: ``::command key=value,key=value::data`` where data escapes ``%``, CR and LF
  (``%25``, ``%0D``, ``%0A``) and property values also ``:`` and ``,`` (``%3A``, ``%2C``);
* the step summary is limited to 1 MiB per step (a larger file is dropped by the runner with an error),
  so :func:`append_summary` truncates at a line boundary and says so.
"""

from __future__ import annotations

import codecs
import errno
import io
import itertools
import logging
import os
import re
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, TextIO, get_args

from honeyhive_experiment.paths import ThroughALink, not_a_file, open_beneath, relative

if TYPE_CHECKING:
    from honeyhive_experiment.report.redact import Redactor

__all__ = [
    "SUMMARY_LIMIT",
    "TRUNCATION_NOTE",
    "AnnotationLevel",
    "WorkflowCommandHandler",
    "annotation",
    "append_summary",
    "cannot_write",
    "fence",
    "group",
    "issue",
    "neutralise",
    "not_writable_message",
    "unwritable",
    "write_outputs",
]

AnnotationLevel = Literal["error", "warning", "notice"]

SUMMARY_LIMIT: Final = 1024 * 1024  # bytes per step: GitHub drops a larger GITHUB_STEP_SUMMARY
TRUNCATION_NOTE: Final = (
    "> [!WARNING]\n"
    "> This summary was cut short: GitHub shows at most 1 MiB of job summary per step. "
    "The full report is in `report.json`."
)
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_COMMAND_LIKE = re.compile(r"(^|\r)([\s\ufeff]*)::", re.MULTILINE)  # see neutralise
_DATA: Final = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})  # a command's data (after the second ::)
_PROPERTY: Final = _DATA | str.maketrans({":": "%3A", ",": "%2C"})  # a property's value (file=…,title=…)


def neutralise(text: str) -> str:
    """``text`` issuing no workflow command, so printed user data cannot set outputs or masks: a zero-width space
    goes before the ``::`` of every line starting with one (after leading spaces and byte-order marks: the runner
    swallows a ``U+FEFF`` at a stream's start; a line ends at a line feed or a lone carriage return), and between the
    ``##`` and the ``[`` of every ``##[`` wherever it is, since the runner finds the legacy ``##[name]data`` anywhere
    in a line (actions/runner ``ActionCommand.TryParse``)."""
    return _COMMAND_LIKE.sub("\\1\\2\u200b::", text).replace("##[", "##\u200b[")


def _command(name: str, data: str, properties: Mapping[str, str | int | None] | None = None) -> str:
    """Our command ``name``; no ``##[`` of the data or the properties (the user's, often) is left for a reader that
    looks for the legacy form anywhere in a line (the runner reads ours as ours first; an older runner may not)."""
    props = ",".join(
        f"{key}={str(value).translate(_PROPERTY)}" for key, value in (properties or {}).items() if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{data.translate(_DATA)}".replace("##[", "##\u200b[")


def annotation(
    level: AnnotationLevel,
    message: str,
    *,
    file: str | os.PathLike[str] | None = None,
    line: int | None = None,
    title: str | None = None,
) -> str:
    """An ``::error``/``::warning``/``::notice`` command; with ``file`` and ``line`` it points there."""
    if level not in get_args(AnnotationLevel):
        raise ValueError(f"annotation level must be error, warning or notice; got {level!r}")
    named = os.fspath(file) if file is not None else None
    return _command(level, message, {"file": named, "line": line, "title": title})


@contextmanager
def group(title: str, stream: TextIO) -> Iterator[None]:
    """A collapsible group of log lines on ``stream``: ``::group::title`` … ``::endgroup::`` (also on error)."""
    issue(_command("group", title), stream)
    try:
        yield
    finally:
        issue("::endgroup::", stream)


def issue(line: str, stream: TextIO | None = None) -> None:
    """Print ``line``, a workflow command of ours (or a line of the log that goes with them), on ``stream`` (default
    standard output, where the runner reads commands). While :func:`fence` holds, a line for standard output reaches
    the log as it is, on a line of its own, in its place among the rest, which issues no command: its numbered mark
    goes into the pipe through the fence's own descriptor, wherever the user's code points descriptor 1 meanwhile
    (``/dev/null``, to quiet a C library)."""
    with _issuing:
        if _fenced is not None and (stream is None or stream is sys.stdout):
            sys.stdout.flush()  # what was printed before it comes before it
            number = next(_fenced.numbers)
            _fenced.ours.append((number, line))
            with suppress(OSError):  # a mark lost: its line is passed on at the next one's, or when the fence is down
                os.write(_fenced.marks, _fenced.marked(number))  # one write under PIPE_BUF: no other write splits it
            return
        out = sys.stdout if stream is None else stream
        out.write(line + "\n")
        out.flush()


def fence(redactor: Redactor) -> Callable[[], None]:
    """From now on, what this process writes to its standard output and error reaches the log redacted and issuing no
    workflow command (:func:`neutralise`), whoever writes it and how: Python's streams, ``sys.stdout.buffer``,
    ``os.write(1, …)``, a subprocess, a thread the user's code started; but the lines :func:`issue` prints. Inside
    GitHub Actions, the CLI puts it up before the user's code is imported, for the rest of the process; a stream
    whose first bytes would be no printable text (a byte-order mark) starts with a line of ours (:data:`_FIRST`).

    Descriptors 1 and 2 are pointed at pipes that threads copy to where they pointed (the runner's log); :func:`issue`
    puts a mark in standard output's pipe that only this process knows, and its line is passed on in its place (a
    line whose mark never came, at the end).
    Returns what takes it down, at the end of the process: what was written is passed on, up to an end mark it puts in
    each pipe (within :data:`_FENCE_DRAIN` seconds), without waiting for the copies of the pipes' ends the user's code
    still holds (a library's ``os.dup(1)``, a child left running: what they write later belongs to no step), and from
    then on what is written goes nowhere (never unfiltered)."""
    from honeyhive_experiment.report.redact import RedactingStream

    global _fenced, _pumps
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pumps = _Pump(1, redactor), _Pump(2, redactor)
    _fenced, _pumps = pumps[0], pumps

    def down() -> None:
        global _fenced, _pumps
        for stream in (sys.stdout, sys.stderr):  # a redacting stream's held-back tail too: closed, it holds nothing
            with suppress(OSError, ValueError):
                stream.close() if isinstance(stream, RedactingStream) else stream.flush()
        with _issuing:
            _fenced, _pumps = None, ()  # before their ends are closed: a child forked later closes no other descriptor
        nowhere = os.open(os.devnull, os.O_WRONLY)
        for pump in pumps:
            os.dup2(nowhere, pump.fd)
            pump.end = next(pump.numbers)  # its thread reads up to its mark, or to the pipe's end without it
            with suppress(OSError):  # the user's code may have closed it
                os.write(pump.marks, pump.marked(pump.end))
                os.close(pump.marks)
        os.close(nowhere)
        deadline = time.monotonic() + _FENCE_DRAIN
        for pump in pumps:
            pump.thread.join(max(deadline - time.monotonic(), 0))
            with suppress(OSError, ValueError):
                pump.pass_on_ours(None)
                pump.shown.close()

    return down


_FENCE_DRAIN: Final = 5.0
_FIRST: Final = (
    _command("debug", "honeyhive-experiment: the output of the code it runs issues no workflow command") + "\n"
)
"""What a fenced stream starts with when its first character would be no printable text (:class:`_Log`): the runner
reads each of a step's streams through a .NET reader that takes a byte-order mark at the stream's start for the
encoding of the rest, and swallows it: the user's UTF-8 mark would hide a ``::`` from :func:`neutralise`, a UTF-16 or
UTF-32 one make the user's commands in that encoding commands and ours garbage. A ``::debug::`` line, shown only with
debug logging; only then (``runs --json`` stays JSON)."""


class _Log(io.TextIOWrapper):
    """Where a pump passes text on (the runner's log): a stream whose first character is no printable text (a
    byte-order mark, or bytes that are no UTF-8, kept as they were) gets :data:`_FIRST` before it."""

    started = False

    def write(self, text: str) -> int:
        if not self.started and text:
            self.started = True
            if not (text[0].isprintable() or text[0] in "\t\n\r"):
                super().write(_FIRST)
        return super().write(text)


_fenced: _Pump | None = None  # standard output's pump while the fence holds
_pumps: tuple[_Pump, ...] = ()  # both, while it holds
_issuing = threading.RLock()  # reentrant: a signal handler may log while the main thread issues


def _forked() -> None:
    """A forked child's lines are not ours to mark: its copy of the queue is not the one the parent's pump reads. What
    it issues goes through the pipe as the user's lines do; and a lock another of the parent's threads held is not the
    child's. Nor are the pipes' own ends: a child that points its 1 and 2 elsewhere and outlives the parent would keep
    them open, holding up the parent's :func:`fence` drain at exit."""
    global _fenced, _pumps, _issuing
    for pump in _pumps:
        with suppress(OSError):
            os.close(pump.marks)
    _fenced, _pumps, _issuing = None, (), threading.RLock()


os.register_at_fork(after_in_child=_forked)


class _Pump:
    """Descriptor ``fd`` (1 or 2) pointed at a pipe whose thread copies what comes to where ``fd`` pointed, a line at a
    time, redacted and neutralised; but where the mark of a line of ours comes (written to ``marks``, the pipe's own
    end, never to ``fd``: the user's code may point that elsewhere), that line, as it is. A mark is ``mark`` and the
    line's number in ``ours``: a lost one leaves its line to the next mark, in order, and takes no other's place. A line
    is passed on whole: one the user's code left unfinished waits for its end, ours go before it. Whatever goes wrong
    passing text on, the pipe is still read (its writers never block) and that text is dropped, never shown
    unfiltered."""

    def __init__(self, fd: int, redactor: Redactor) -> None:
        from honeyhive_experiment.report.redact import RedactingStream

        self.fd = fd
        self.mark = secrets.token_hex(16)  # never printed: no line can claim to be ours
        self.marks_in = re.compile(f"{self.mark}([0-9a-f]{{{_NUMBER}}})\n")
        self.numbers = itertools.count()
        self.ours: deque[tuple[int, str]] = deque()
        self.end: int | None = None  # the number of the mark fence's down() puts last: nothing after it is waited for
        self.ended = False  # that mark read
        self.passing = threading.RLock()  # the pump's thread, and down() for the lines it left
        self.log = _Log(open(os.dup(fd), "wb"), encoding="utf-8", errors="surrogateescape")  # noqa: SIM115 - the process's
        self.shown = RedactingStream(self.log, redactor, others=neutralise)  # the thread below is another's
        read, self.marks = os.pipe()
        os.dup2(self.marks, fd)
        self.thread = threading.Thread(target=self._copy, args=(read,), name=f"fence-{fd}", daemon=True)
        self.thread.start()

    def _copy(self, read: int) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")  # bytes that are no UTF-8 stay as they are
        rest, failed = "", False
        with open(read, "rb", buffering=0) as pipe:
            while not self.ended and (chunk := pipe.read(_CHUNK)):
                try:
                    rest = "" if failed else self._pass_on(rest + decoder.decode(chunk))
                except Exception:  # a log that takes nothing more: read on, show nothing
                    failed = True
            if not failed:
                with suppress(Exception):
                    self.shown.write(self._pass_on(rest + decoder.decode(b"", final=True)))
                    self.shown.close()  # an unfinished last line, ended

    def marked(self, number: int) -> bytes:
        """The mark of our line ``number``, a line of its own."""
        return f"{self.mark}{number:0{_NUMBER}x}\n".encode()

    def _pass_on(self, text: str) -> str:
        """Pass on ``text``'s whole lines; what is left of it."""
        cut = max(text.rfind("\n"), text.rfind("\r")) + 1
        if len(text) - cut > _CHUNK:  # a very long unfinished line goes on, but where a mark may start
            cut = len(text) - len(self.marked(0))
        theirs, *after_marks = self.marks_in.split(text[:cut])
        with self.passing:
            self.shown.write(theirs)
            for number, after in zip(after_marks[::2], after_marks[1::2], strict=True):
                self.pass_on_ours(int(number, 16))
                self.shown.write(after)
                self.ended = self.ended or int(number, 16) == self.end
            self.log.flush()
        return text[cut:]

    def pass_on_ours(self, number: int | None) -> None:
        """Pass on our lines up to ``number`` (those before it: their marks were lost), or all (``None``)."""
        with self.passing:
            while self.ours and (number is None or self.ours[0][0] <= number):
                self.log.write(self.ours.popleft()[1].encode("utf-8", "backslashreplace").decode() + "\n")
            self.log.flush()


_CHUNK: Final = 65_536
_NUMBER: Final = 12  # hexadecimal digits of a mark's line number


def write_outputs(path: str | os.PathLike[str], outputs: Mapping[str, str]) -> None:
    """Append step outputs to the ``GITHUB_OUTPUT`` file, each as a heredoc (any value is safe)."""
    lines: list[str] = []
    for name, value in outputs.items():
        if not _OUTPUT_NAME.match(name):
            raise ValueError(f"invalid output name {name!r}: use letters, digits, '-' and '_'")
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        while delimiter in value:  # astronomically unlikely, but then the value would end early
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    with open(_to_append(path), "a", encoding="utf-8", newline="") as handle:
        handle.write("".join(lines))


def _to_append(path: str | os.PathLike[str], flags: int = os.O_CREAT) -> int:
    """``path`` opened to append (with ``flags``), never through a symbolic link in its place: one the user's code put
    where the runner's file was (``GITHUB_STEP_SUMMARY`` -> a file of the workspace) is refused
    (:class:`~honeyhive_experiment.paths.ThroughALink`); the folders above it are the runner's. Nor a named pipe or a
    socket the user's code put there (OSError, saying which): opened without waiting, as opening a FIFO waits for a
    reader, for ever and through every signal once the report is being written."""
    try:
        fd = open_beneath(Path(path).parent, path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | flags)
    except OSError as exc:  # a FIFO (or a socket) without a reader
        if exc.errno != errno.ENXIO:
            raise
        raise OSError(errno.EINVAL, "it is a named pipe or a socket, not a file: give a regular file path") from None
    if (kind := _no_file(os.fstat(fd).st_mode)) is not None:
        os.close(fd)
        raise OSError(errno.EINVAL, f"it is {kind}, not a file: give a regular file path")
    os.set_blocking(fd, True)
    return fd


_FENCE: Final = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$", re.MULTILINE)  # indented 4 or more: code, no fence


def _open_blocks(markdown: str) -> tuple[str | None, int]:
    """The line that closes the code block ``markdown`` leaves open, if any, and how many ``<details>`` it leaves open
    outside code blocks. As CommonMark reads fences, a block is closed only by a fence of its own character at least as
    long with nothing after it, so a ```` ```` ```` block (the ``codeblock`` filter's, around text with ```` ``` ````
    in it) holds ```` ``` ```` lines; and a ``</details>`` quoted in a block closes nothing. The closing line is
    indented as the opening one was: a fence indented 1 to 3 spaces may be in a list item (``- x``, then the fence
    indented 2), which only a fence indented as far as the item's text closes; one at the line's start would end the
    item and open a block of its own. One indented 4 or more is no fence (indented code) or a list item's, ended with
    the item by the next line that is not indented (the note's)."""
    indent, opened = "", None
    details = 0
    for line in markdown.splitlines():
        found = _FENCE.match(line)
        if opened is not None:
            if found and found[2][0] == opened[0] and len(found[2]) >= len(opened) and not found[3].strip():
                opened = None
        elif found and not (found[2][0] == "`" and "`" in found[3]):  # backticks after: inline code, no fence
            indent, opened = found[1], found[2]
        else:
            details += len(re.findall(r"<details\b", line)) - line.count("</details>")
    return None if opened is None else indent + opened, details


def _close_open_blocks(markdown: str) -> str:
    """What closes a code fence or ``<details>`` left open by a cut, so the note renders as text."""
    fence, details = _open_blocks(markdown)
    return ("" if fence is None else f"{fence}\n") + "</details>\n" * max(details, 0)


def append_summary(
    path: str | os.PathLike[str], markdown: str, *, limit: int = SUMMARY_LIMIT, note: str = TRUNCATION_NOTE
) -> bool:
    """Append Markdown to the step summary file, keeping the whole file within ``limit`` bytes.

    What was already in the file counts (the limit is per step). When ``markdown`` does not fit it is
    cut at a line boundary, open code fences and ``<details>`` are closed, and ``note`` is added;
    returns whether it was truncated. If not even the note fits, nothing is written.
    """
    with open(_to_append(path), "ab") as handle:
        used = os.fstat(handle.fileno()).st_size  # the file opened: what its path names now may be another
        text = markdown if markdown.endswith("\n") else markdown + "\n"
        data = text.encode("utf-8")
        budget = limit - used
        truncated = len(data) > budget
        if truncated:
            tail = f"\n{note}\n"
            # reserve room for the closing lines too; they are short, so reserve the worst case
            fences = (len(indent + run) for indent, run, _ in _FENCE.findall(text))
            reserve = (
                len(tail.encode("utf-8")) + max(fences, default=3) + 1 + len("</details>\n") * text.count("<details")
            )
            head = data[: max(budget - reserve, 0)]
            newline = head.rfind(b"\n")
            kept = head[: newline + 1].decode("utf-8") if newline >= 0 else ""
            candidate = (kept + _close_open_blocks(kept) + tail).encode("utf-8")
            data = candidate if len(candidate) <= budget else b""
        if data:
            handle.write(data)
    return truncated


COMPOSITE_ACTION: Final = "honeyhiveai/honeyhive-experiment/python@v2"
"""The composite action: the same program in the job's own Python, as the runner's own user."""


def not_writable_message(what: str, path: str | Path, error: OSError, *, owner: int | None, uid: int) -> str:
    """Why ``what`` (``GITHUB_OUTPUT``, ``report.json's folder``) at ``path`` cannot be written (``error``), and the
    fix: room on its disk for a full one; for a refusal, whose file it is.

    Owned by another uid is the usual cause of a refusal: a self-hosted runner running as root (or any uid but 1001)
    while the action's image runs as uid 1001, so the runner's files are not ours to write."""
    head = f"cannot write {what} ({path}): {error.strerror or error}"
    if error.errno in _NO_ROOM:
        return f"{head}; free some room on its disk (or raise the quota or file-size limit) and run the job again"
    if error.errno not in _REFUSED:  # not a folder, a folder in place of the file, …: the message says it, no uid
        return head
    if owner is not None and owner != uid:
        return (
            f"{head}; it belongs to uid {owner}, and this process runs as uid {uid}. The runner runs as another"
            f" user than the action's container: run the runner as uid {uid} (GitHub-hosted runners and the"
            f" Actions Runner Controller image do), or use the composite action `uses: {COMPOSITE_ACTION}`,"
            " which runs in the job's own Python as the runner's user"
        )
    return f"{head} (this process runs as uid {uid}); make it writable (a read-only mount?) and run the job again"


_NO_ROOM: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_REFUSED: Final = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def cannot_write(
    what: str, path: Path, error: OSError, *, shown: str | None = None, named: Callable[[Path], str] = os.fspath
) -> str:
    """:func:`not_writable_message` for ``error``, met writing ``path``, asking ``path`` whose it is; the message
    names it ``shown`` when given (in the action, from the workspace: not the runner's absolute path), and a symbolic
    link it would have been written through (:class:`~honeyhive_experiment.paths.ThroughALink`) as ``named`` names
    it."""
    if isinstance(error, ThroughALink):
        return (
            f"refusing to write {what} ({shown or path}): {named(error.link)} is a symbolic link (to {error.target}),"
            " and this tool writes no file through one; remove the link"
        )
    try:
        owner: int | None = path.stat().st_uid
    except OSError:
        owner = None
    return not_writable_message(what, shown or path, error, owner=owner, uid=os.geteuid())


def a_pipe(path: Path) -> str | None:
    """``"a named pipe"`` or ``"a socket"`` when ``path`` (through links) is one, else ``None``: nothing is written
    there, nor opened to be tried, since opening a FIFO waits for a reader (forever, signals too), and a reader
    waiting for the report would take the try's end of file for it."""
    try:
        return _no_file(path.stat().st_mode)
    except OSError:
        return None


def _no_file(mode: int) -> str | None:
    """``"a named pipe"`` or ``"a socket"`` when ``mode`` (a stat's) is one: nothing a report is written into (a device
    is: ``/dev/null``)."""
    kind = not_a_file(mode)
    return None if kind == "a device" else kind


def unwritable(what: str, path: Path, *, folder: bool = False, named: Callable[[Path], str] = os.fspath) -> str | None:
    """``None`` when this process can write ``path`` (a file the runner created, not a symbolic link, or creates in its
    folder: that folder must exist; or with ``folder`` a folder to create a file in, made later if missing, but not
    through a symbolic link to nothing), else :func:`not_writable_message`, each path in it as ``named`` names it
    (the action: from the workspace), the real one still the one tried.

    It is tried, not guessed from mode bits: appending nothing to the file, or creating and removing a
    temporary file in the nearest existing folder, so root, ACLs and read-only mounts answer truthfully."""
    as_file = not folder and os.path.lexists(path)  # a link in the file's place too: refused, as written
    target = path if as_file else path.parent if not folder else path
    if as_file and (kind := a_pipe(path)):
        return f"{what} ({named(path)}) is {kind}: give a regular file path"
    while folder and not target.exists() and target != target.parent:
        if target.is_symlink():  # to nothing: the folder cannot be made there (mkdir finds the link: "File exists")
            return (
                f"cannot write {what} ({named(path)}): {named(target)} is a symbolic link to {os.readlink(target)},"
                " which does not exist; make that folder, or remove the link"
            )
        target = target.parent
    try:
        if as_file:
            os.close(_to_append(target, 0))
        else:
            with tempfile.TemporaryFile(dir=target):
                pass
    except OSError as exc:
        return cannot_write(what, target, exc, shown=named(target), named=named)
    return None


class WorkflowCommandHandler(logging.Handler):
    """Logging → workflow commands: ERROR and CRITICAL → ``::error::``, WARNING → ``::warning::``,
    INFO → a plain line, DEBUG → ``::debug::`` (only when ``debug``, i.e. ``RUNNER_DEBUG``).

    A record may point an annotation at a place with ``extra={"gha_file": ..., "gha_line": ...,
    "gha_title": ...}``: the file is named relative to ``workspace`` (the current directory when ``None``), as
    annotations need, and the place its message starts with (``file:line: ``, as an
    :class:`~honeyhive_experiment.errors.ExperimentError`'s text does) is left to the annotation to say; a file outside
    the workspace is no annotation's, and stays in the message. Plain lines go through :func:`neutralise`: logged user
    data cannot issue commands. Every message is terminal-safe
    (:func:`~honeyhive_experiment.report.markdown.plain_lines`), as the log's lines are.
    """

    def __init__(
        self, stream: TextIO | None = None, *, debug: bool = False, workspace: str | os.PathLike[str] | None = None
    ) -> None:
        super().__init__(logging.DEBUG if debug else logging.INFO)  # without debug, no DEBUG record reaches emit
        self.stream = stream
        self.workspace = workspace

    def emit(self, record: logging.LogRecord) -> None:
        try:
            issue(self._render(record), self.stream)
        except Exception:
            self.handleError(record)

    def _render(self, record: logging.LogRecord) -> str:
        from honeyhive_experiment.report.markdown import plain_lines

        message = self.format(record)
        if record.levelno >= logging.WARNING:
            level: AnnotationLevel = "error" if record.levelno >= logging.ERROR else "warning"
            file, line, shown = getattr(record, "gha_file", None), getattr(record, "gha_line", None), None
            if file is not None and (shown := relative(file, self.workspace or ".")) is not None:
                place = os.fspath(file) + ("" if line is None else f":{line}")
                message = message.removeprefix(f"{place}: ")  # the annotation says where: the message not again
            return annotation(
                level,
                plain_lines(message),  # terminal-safe as the log's lines are (a local runner shows it)
                file=shown,
                line=line if shown is not None else None,
                title=getattr(record, "gha_title", None),
            )
        message = plain_lines(message)
        if record.levelno >= logging.INFO:
            return neutralise(message)
        return _command("debug", message)

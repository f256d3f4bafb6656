"""The process's standard output and error while a command runs: redacted of the settings' secrets (fenced inside
GitHub Actions), the log written to them, a stream that cannot take what is written told apart from a closed pipe.

:func:`redacted_output` sets them up around one command of :mod:`honeyhive_experiment.cli`, which maps
:class:`CannotWrite` and :class:`ClosedPipe` to their exit codes. Heavy modules are imported inside the functions,
so ``--help`` starts fast.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final, TextIO, cast

if TYPE_CHECKING:
    from honeyhive_experiment.settings import Settings


@contextmanager
def redacted_output(settings: Settings, *, for_good: bool) -> Iterator[None]:
    """While a command runs, what anything in the process prints (the user's code too) is redacted of the
    settings' secrets, line by line, like the log, and inside GitHub Actions what threads other than the main one
    print issues no workflow command (for a command called from Python; the process's own is fenced, below); the
    log's handlers are the command's (:func:`_configure_logging`): every command logs what the backend says.

    ``for_good``, the process's own command (``argv`` read from ``sys.argv``: ``python -m``, the console script):
    what still runs when the command has returned is the user's code (the threads Python waits for, what it
    registered with :mod:`atexit`), so the streams stay until the process ends. Inside Actions the process's
    descriptors are fenced too, before any user code runs and to the end (:func:`~honeyhive_experiment.gha.fence`):
    what reaches the log by any way (a subprocess, ``os.write``, ``sys.stdout.buffer``, a thread, the main thread) is
    redacted and issues no command, but for ours (:func:`~honeyhive_experiment.gha.issue`). Outside Actions the
    descriptors stay the terminal's (a bar, colours, a prompt) or the file's: bytes that bypass Python's streams there
    are not redacted."""
    from honeyhive_experiment.cancellation import at_exit
    from honeyhive_experiment.delivery import unjudged_exit
    from honeyhive_experiment.gha import fence, neutralise
    from honeyhive_experiment.report.redact import RedactingFilter, RedactingStream, Redactor

    redactor = Redactor(settings.secrets())
    fenced = for_good and settings.in_actions
    if for_good:  # ours (the fence's drain) after the user's own exit functions, which come later: even a hung one
        at_exit(*([fence(redactor)] if fenced else []), unjudged=functools.partial(unjudged_exit, settings))
    streams = sys.stdout, sys.stderr
    others = neutralise if settings.in_actions and not fenced else None  # fenced: the pipes neutralise whole lines
    standard = Standard(streams[0], "standard output"), Standard(streams[1], "standard error")
    sys.stdout = cast("TextIO", RedactingStream(cast("TextIO", standard[0]), redactor, others=others))
    sys.stderr = cast("TextIO", RedactingStream(cast("TextIO", standard[1]), redactor, others=others))
    level = logging.getLogger().level
    try:
        _configure_logging(settings, RedactingFilter(redactor))
        yield
        for stream in (sys.stdout, sys.stderr):  # now: a stream that cannot take it is said while the command can
            stream.flush()
    except ClosedPipe as exc:  # what is still written, flushed at exit too, goes nowhere: the Python docs' advice
        discard(*([exc.stream] if isinstance(exc, CannotWrite) else streams))  # a full one's: the other says it
        raise
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        if not for_good:  # a command called from Python leaves neither its streams nor its log's handlers behind
            sys.stdout, sys.stderr = streams
            _remove_handlers()
            logging.getLogger().setLevel(level)


def _remove_handlers() -> None:
    """Take the handlers :func:`_configure_logging` installed off the root logger: one left writing to the streams of
    a command that has returned fails on the next record (a closed capture), and logging's report of that failure
    prints the exception being handled then, the user's, unredacted."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_honeyhive_experiment", False):
            root.removeHandler(handler)


class ClosedPipe(BrokenPipeError):
    """What reads the process's standard output or error closed it (``| head``): the command stops quietly. Only
    :class:`Standard` raises it: a ``BrokenPipeError`` the user's code raises (a socket's, its own) is its error."""


class CannotWrite(ClosedPipe):
    """A standard stream that cannot take what is written, for another reason than a closed pipe (a full disk,
    ``> /dev/full``): the command ends as for a closed pipe (nothing blames the run for it), then says it."""

    def __init__(self, exc: OSError, stream: TextIO, name: str) -> None:
        super().__init__(exc.errno, exc.strerror, name)
        self.stream = stream


class Standard:
    """``stream`` (the process's standard output or error, ``name``) whose failure to take what is written, but a
    closed pipe's, is :class:`CannotWrite`. It is the main thread's to be told (the command's: it stops, once): a
    write another thread makes (the user's code on the run's workers, printing while ``run | head``'s reader has
    gone) is never failed by it, nor is that datapoint; from the first failure on, what is written goes nowhere
    (:func:`discard`) and the main thread's next write or flush, at the latest the command's last, raises it."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name
        self.failed: ClosedPipe | None = None  # the first failure, until the main thread is told it
        self._told = False

    def write(self, text: str) -> int:
        if self.failed is None:
            try:
                return self.stream.write(text)
            except OSError as exc:
                self._fail(exc)
        self._tell()
        return len(text)

    def flush(self) -> None:
        if self.failed is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self._fail(exc)
        self._tell()

    def _fail(self, exc: OSError) -> None:
        if isinstance(exc, BrokenPipeError):
            self.failed = ClosedPipe(exc.errno, exc.strerror, self.name)
        else:
            self.failed = CannotWrite(exc, self.stream, self.name)
        discard(self.stream)  # what is still written, flushed at exit too, goes nowhere: the Python docs' advice

    def _tell(self) -> None:
        if self.failed is not None and not self._told and threading.current_thread() is threading.main_thread():
            self._told = True
            raise self.failed

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding…: the stream's
        return getattr(self.stream, name)


def discard(*streams: TextIO) -> None:
    """What is still written to ``streams``, flushed at exit too, goes nowhere: the Python docs' advice for a closed
    pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in streams:
        os.dup2(devnull, stream.fileno())


_RETRIES: Final = ("Transient error", "Shutdown in progress, aborting retry")  # the exporters' own words


# the libraries that log a line per request (an LLM call: openai's through httpx2) at INFO, shown from WARNING up
_NOISY: Final = (
    *("httpx", "httpx2", "httpcore", "urllib3", "requests", "aiohttp", "opentelemetry", "uvicorn"),
    *("openai", "anthropic", "litellm", "LiteLLM", "groq", "mistralai", "cohere", "google_genai", "botocore"),
)


def _configure_logging(settings: Settings, redacting: logging.Filter) -> None:
    """Handlers of ours on the root logger, every record redacted: ``level: message`` lines, terminal-safe as the
    terminal report is (:func:`~honeyhive_experiment.report.markdown.plain_lines`: a record quoting the backend, an id
    or an error's body, neither retitles nor clears the terminal) and neutralised inside GitHub Actions, where no line
    may issue a workflow command; for the action, the program's own records are workflow commands instead (its
    loggers', ``honeyhive_experiment`` and ``honeyhive_local``), and another's (the user's code, a library, a forked
    child's) such a line on standard output, as the user's output is: it annotates nothing (GitHub shows 10 errors and
    10 warnings a step, and a library logging per datapoint would hide the verdict's). The HTTP and LLM clients'
    records (:data:`_NOISY`) are shown from WARNING up, a line per request else (openai's through httpx2); the
    others', the user's own, from INFO up (with debug logging, from DEBUG)."""
    from honeyhive_experiment.gha import WorkflowCommandHandler
    from honeyhive_experiment.report.markdown import plain_lines

    class Formatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            # lower case, as every line of ours outside Actions: "warning: …", "error: …"
            return settings.printable(plain_lines(f"{record.levelname.lower()}: {super().format(record)}"))

    def ours(record: logging.LogRecord) -> bool:
        return record.name.partition(".")[0] in ("honeyhive_experiment", "honeyhive_local")

    root = logging.getLogger()
    _remove_handlers()
    lines = logging.StreamHandler(sys.stdout if settings.as_action else sys.stderr)
    lines.setFormatter(Formatter())
    if not settings.debug:  # the OTLP exporters' retries: how an export ended is the run's own words (and their ERROR;
        # tracing._own_export_failures still reads these); their other warnings (a batch dropped) stay
        lines.addFilter(
            lambda r: not (r.name.startswith("opentelemetry.exporter.") and str(r.msg).startswith(_RETRIES))
        )
    handlers: list[logging.Handler] = [lines]
    if settings.as_action:
        commands = WorkflowCommandHandler(debug=settings.debug, workspace=settings.workspace)
        commands.addFilter(ours)
        lines.addFilter(lambda record: not ours(record))
        handlers.append(commands)
    for handler in handlers:
        handler.addFilter(redacting)
        setattr(handler, "_honeyhive_experiment", True)  # noqa: B010 - marks the handlers this CLI installed
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if settings.debug else logging.INFO)
    # PyGithub's logger is quietened by honeyhive_experiment.github, after PyGithub's import has set it
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)

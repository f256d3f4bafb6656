"""Every error the program expects, in one tree; the CLI catches the base class once.

::

    ExperimentError                  anything that makes an experiment impossible to evaluate
    ├── ConfigError                  the experiment file (file:line: key: message; ``issues`` lists them all)
    ├── SettingsError                an action input, a GITHUB_* variable or the event payload (ValueError)
    ├── ArgumentError                an argument of a public Python function (evaluate, HoneyHiveClient) (ValueError)
    ├── DatasetError                 a dataset file or row (file:line: column: message)
    ├── EvaluatorSignatureError      the function or an evaluator fits none of the calling conventions
    ├── HoneyHiveError               the HoneyHive backend
    │   ├── ApiError                 an HTTP error answer (method, route, status, reason)
    │   │   └── NotFoundError        404
    │   ├── BackendUnreachable       no answer after the retries
    │   ├── WebPageAnswer            a web page answered, not the API: the server URL is wrong (a sign-in portal)
    │   └── IngestionTimeout         the run's datapoints did not all arrive within the wait
    ├── BaselineError                an explicitly requested baseline cannot be used
    ├── ExperimentCancelled          the run was cancelled (it is marked ``cancelled`` in HoneyHive)
    ├── ShardsMissing                the report job waited and datapoints of some shards never arrived
    ├── ShardsDisagree               the jobs of a sharded run made it differently (n, trials, experiment file)
    ├── TemplateError                a comment template that cannot be read, parsed or rendered
    ├── ReportError                  a report.json that is not valid, or does not belong to this workflow run
    ├── InstallError                 the user's dependencies (the install input) could not be installed
    └── NotWritable                  a file the runner reads back (outputs, summary, report.json) cannot be written

Every error has a ``message`` and may say where the problem is: ``file`` (as the user gave it), ``line``
(1-based) and ``key`` (a dotted config key, an input name, the place on a dataset's line). ``str()`` is
``file:line: key: message`` leaving out what is absent. A name that is none of those known (a key, a section) is
met with the closest of them, as :func:`did_you_mean` words it. Messages never contain secrets: the HTTP client
names routes, not headers, and settings quote values except secrets. One that came after a run was recorded
names it (``run_id``): the invocation stamps that run's check ``error``.

Errors that are not expected (a bug, an interpreter problem) are caught at exactly two places: per datapoint in
the runner (it costs that datapoint) and in the invocation layer, ``operations.run`` (an ``error`` verdict, never a
traceback).
"""

from __future__ import annotations

import difflib
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from honeyhive_experiment.models.outcomes import DatapointOutcome

__all__ = [
    "ApiError",
    "ArgumentError",
    "BackendUnreachable",
    "BaselineError",
    "ConfigError",
    "DatasetError",
    "EvaluatorSignatureError",
    "ExperimentCancelled",
    "ExperimentError",
    "HoneyHiveError",
    "IngestionTimeout",
    "InstallError",
    "NotFoundError",
    "NotWritable",
    "ReportError",
    "SettingsError",
    "ShardsDisagree",
    "ShardsMissing",
    "TemplateError",
    "WebPageAnswer",
    "did_you_mean",
]

# the exit codes besides a verdict's (verdict.exit_code), for the CLI and the invocation layer (operations) alike
EXIT_USAGE = 2  # bad usage, or a file the runner reads back cannot be written (nothing is run then)
EXIT_INTERRUPTED = 130  # a second signal: 128 + SIGINT, as shells report it
EXIT_CLOSED_PIPE = 141  # what reads the output closed it: 128 + SIGPIPE, as shells report `yes | head`'s yes


class ExperimentError(Exception):
    """The base of every expected error: a ``message`` and, when known, where (``file``, ``line``, ``key``).

    ``issues``: the problems it stands for, itself first (every problem of a config file, a dataset or the inputs;
    validate's failed probe and the metric names no evaluator has), for a caller that shows each on its own line."""

    run_id: str | None = None
    """The run recorded before the error, if any (the report names it): the run being recorded or judged."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, key: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.issues: tuple[ExperimentError, ...] = (self,)

    @property
    def where(self) -> str:
        """``file:line`` (or ``file``, or empty)."""
        if not self.file:
            return ""
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        parts = [p for p in (self.where, self.key) if p]
        return ": ".join([*parts, self.message])


def as_error(exc: Exception) -> ExperimentError:
    """``exc`` as a command reports it: itself, or (a bug of ours) named by its type, where it happened in the debug
    log."""
    if isinstance(exc, ExperimentError):
        return exc
    logging.getLogger(__name__).debug("unexpected error", exc_info=exc)
    return ExperimentError(f"unexpected {type(exc).__name__}: {shown(exc)}")


def shown(value: object) -> str:
    """``str(value)``; when the user's ``__str__`` raises, the type and what it raised: one value, never the run."""
    try:
        return str(value)
    except Exception as exc:
        return f"<{type(value).__name__} object: str() raised {type(exc).__name__}>"


def did_you_mean(word: str, choices: Iterable[str], *, slip: bool = False) -> str:
    """``"did you mean 'inputs'?"``, naming the choice closest to a misspelt ``word``, else ``""``. ``slip``: for a
    warning on data that is legal as it is, only a choice ``word`` is a slip of (``ground_truths``, ``meta_data``,
    ``ground_truht``: case, ``_``, ``-`` and blanks aside, a character more or less at most, 85% alike), so that
    ``metadata_source``, ``outputs`` or ``uid`` is not said to be ``metadata``, ``inputs`` or ``id``. A choice that
    only differs in its Unicode form (``é`` typed as ``e`` + a combining accent) is named as such."""
    options, form = list(choices), unicodedata.normalize("NFKC", word)
    if same := [choice for choice in options if choice != word and unicodedata.normalize("NFKC", choice) == form]:
        return f"did you mean {same[0]!r}, the same name written with other Unicode characters?"
    if not slip:
        close = difflib.get_close_matches(word, options, n=1)
    else:
        plain = word.lower().translate(_SET_ASIDE)
        close = [
            choice
            for choice in options
            if abs(len(plain) - len(other := choice.lower().translate(_SET_ASIDE))) <= 1
            and difflib.SequenceMatcher(None, plain, other).ratio() >= 0.85
        ]
    return f"did you mean {close[0]!r}?" if close else ""


_SET_ASIDE = str.maketrans("", "", "_- \t")


# ------------------------------------------------------------------------------------------------ user input


class ConfigError(ExperimentError):
    """A config file that cannot be used, with where the problem is.

    ``path`` is the file as given; ``line`` is 1-based (``None`` for whole-file problems); ``key`` is the
    dotted key (``metrics.accuracy.direction``, ``evaluators[0].path``; ``""`` when the problem is not under
    a key). ``issues``: every problem found, earliest line first (:func:`~honeyhive_experiment.config.all_of`).
    """

    def __init__(self, path: str, line: int | None, key: str, message: str) -> None:
        super().__init__(message, file=path, line=line, key=key)
        self.args = (path, line, key, message)  # the constructor's: copies and pickles rebuild the same error
        self.path = path


class SettingsError(ExperimentError, ValueError):
    """An input, a context variable or an event payload field that cannot be used.

    ``name`` is what the user knows it by (the input's kebab-case name, a flag, the variable, or the payload's
    dotted path), ``kind`` one of ``"input"``, ``"flag"``, ``"environment"``, ``"event payload"``. ``str()`` is
    ``"<kind> <name>: <message>"``. Messages quote bad values, except for secrets.
    """

    def __init__(
        self, name: str, message: str, *, kind: Literal["input", "environment", "event payload", "flag"] = "input"
    ) -> None:
        super().__init__(message, key=name)
        self.args = (name, message)
        self.name = name
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.message}"


class ArgumentError(ExperimentError, ValueError):
    """An argument of a public function that cannot be used, alone or with another: ``key`` names it.

    A ``ValueError`` too, as the official SDK raises for the same mistakes."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message, key=argument)
        self.argument = argument


class DatasetError(ExperimentError):
    """A dataset that cannot be used, located as every error is: ``file`` (the path as given), ``line`` (the file's,
    ``None`` for the file as a whole) and ``key``, the rest of the place on the line (``column 12``, ``column
    'inputs.n:int'``, ``record 3``), so ``str()`` is ``data/q.jsonl:4: column 12: invalid JSON: …``."""

    def __init__(self, path: str, line: int | None, key: str | None, message: str) -> None:
        super().__init__(message, file=str(path), line=line, key=key)
        self.args = (path, line, key, message)  # the constructor's: copies and pickles rebuild the same error


class EvaluatorSignatureError(ExperimentError, TypeError):
    """The user's function fits no calling convention (``(datapoint)``, ``(inputs, ground_truth)``), or an
    evaluator cannot be called as ``(outputs, inputs[, ground_truth])``."""


# --------------------------------------------------------------------------------------------------- backend


class HoneyHiveError(ExperimentError):
    """Base class of every error the HoneyHive client raises."""


class ApiError(HoneyHiveError):
    """The backend answered with an HTTP error."""

    def __init__(self, method: str, route: str, status: int, reason: str) -> None:
        super().__init__(f"{method} {route} failed with HTTP {status}: {reason}")
        self.args = (method, route, status, reason)
        self.method = method
        self.route = route
        self.status = status
        self.reason = reason


class NotFoundError(ApiError):
    """404: the run, dataset or datapoint does not exist (for this key)."""


class BackendUnreachable(HoneyHiveError):
    """No answer (or only retryable ones) after every retry."""


class WebPageAnswer(HoneyHiveError):
    """A web page (text/html) answered a request: a sign-in portal or a web server at the server URL, not HoneyHive's
    API. The server URL is what to check; re-running cannot fix it."""


class IngestionTimeout(HoneyHiveError):
    """The run's datapoints were not all visible in the backend within the wait."""

    def __init__(
        self,
        run_id: str,
        visible: int,
        expected: int,
        waited: float,
        scored: tuple[int, int] | None = None,
        what: str | None = None,
    ) -> None:
        """``what``: what was still missing, when it is not the datapoints' sessions or spans (the summary's)."""
        if what is None and scored is not None and visible >= expected:
            what = f"the function spans of only {scored[0]} of {scored[1]} datapoints were visible"
        elif what is None:
            what = f"only {visible} of {expected} datapoints were visible in the backend"
        super().__init__(f"run {run_id}: {what} after waiting {waited:.1f} s")
        self.args = (run_id, visible, expected, waited, scored, what)
        self.run_id = run_id
        self.visible = visible
        self.expected = expected
        self.waited = waited


# ------------------------------------------------------------------------------------------------------ flow


class BaselineError(ExperimentError):
    """An explicitly requested baseline cannot be used."""


class ExperimentCancelled(ExperimentError):
    """The run was cancelled (a signal or the cancel event) while ``phase``; the report words it
    (:func:`honeyhive_experiment.judgement.cancellation_text`).

    ``marked``: whether the backend took the run's ``cancelled`` status (``False``: it refused or could not be
    reached, so HoneyHive may still show the run as running). ``outcomes``: the datapoints' outcomes, when the runner
    got to report them. ``run_id`` None: cancelled before the run was created (a cancel event set before the call)."""

    def __init__(
        self,
        run_id: str | None,
        outcomes: Sequence[DatapointOutcome] = (),
        *,
        marked: bool = True,
        phase: str = "running the datapoints",
    ) -> None:
        said = f"run {run_id} was cancelled while {phase}"
        super().__init__(said if run_id else f"the run was cancelled while {phase}, before it was created")
        self.args = (run_id, outcomes)
        self.run_id = run_id
        self.outcomes = list(outcomes)
        self.marked = marked
        self.phase = phase


class ShardsMissing(ExperimentError):
    """The report waited, and the backend still lacks datapoints; the message names the shards."""


class ShardsDisagree(ExperimentError):
    """The jobs of a sharded run would make it differently (shard count, trials, experiment file), or the run holds
    datapoints scored twice or outside the dataset; the message names the values or the datapoints."""


# ---------------------------------------------------------------------------------------------------- report


class TemplateError(ExperimentError):
    """A comment template that cannot be read, parsed or rendered."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(message, file=path, line=line)
        self.args = (path, message, line)
        self.path = path


class ReportError(ExperimentError):
    """A ``report.json`` that cannot be published: missing, malformed, or not this workflow run's."""


# ---------------------------------------------------------------------------------------------------- environment


class InstallError(ExperimentError):
    """The ``install`` input failed: the installer refused (a requirement that conflicts with the tool's own
    pinned dependencies is named with the pin), or could not be started."""


class NotWritable(ExperimentError):
    """A file the runner reads back (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``) or ``report.json``'s folder
    cannot be written by this process, or would be written through a symbolic link or outside the workspace: found
    before the run, so no work is wasted."""

"""How the user's code is called: one inspector of signatures, for the function and the evaluators alike.

:func:`inspect_callable` reads a callable once — its name, whether it is async, its positional parameters —
tolerating what user code brings: ``functools.partial``, callable objects, the official SDK's ``@evaluator``
wrapper (a ``(*args, **kwargs)`` pass-through exposing the real function as ``.func``, whose introspection can
raise ``KeyError``), wrapper loops and builtins without a signature. The calling conventions read that shape:

* the function (:func:`function_convention`): the whole datapoint record, or the older SDKs'
  ``(inputs, ground_truths)``, decided by the parameters' names, with ``tracer=`` when it takes one
  (honeyhive-api.md §7);
* an evaluator (:meth:`honeyhive_experiment.evaluators.Evaluator.from_callable`): ``(outputs, inputs[,
  ground_truth])``.

Nothing here calls user code; raising :class:`~honeyhive_experiment.errors.EvaluatorSignatureError` is how a
signature that fits no convention is reported.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import re
import sys
import sysconfig
import threading
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from honeyhive_experiment.errors import EvaluatorSignatureError, shown
from honeyhive_experiment.paths import relative

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import asyncio

    from honeyhive_experiment.models.outcomes import Datapoint
    from honeyhive_experiment.report.redact import Redactor

__all__ = [
    "CallShape",
    "FunctionConvention",
    "callable_name",
    "error_text",
    "from_numpy",
    "function_convention",
    "inspect_callable",
    "misfit",
    "redacted",
    "where_blocking",
    "where_raised",
]

_PLAIN_CALLABLES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
    functools.partial,
    type,
)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@dataclass(frozen=True, slots=True)
class CallShape:
    """What :func:`inspect_callable` read of a callable. ``readable`` is False when its signature cannot be read
    (some builtins, exotic wrappers): the parameters are then empty and each convention assumes its default."""

    name: str
    is_async: bool
    readable: bool = True
    positional: tuple[inspect.Parameter, ...] = ()
    var_positional: bool = False  # *args
    var_keyword: bool = False  # **kwargs
    keywords: tuple[str, ...] = ()  # keyword-only parameters
    required_keywords: tuple[str, ...] = ()  # keyword-only parameters without a default


def callable_name(fn: object) -> str:
    """The name user code is known by: ``.name`` when it is a non-empty str (the SDK's ``@evaluator``
    instances), else ``__name__`` (a ``functools.partial``: its function's), else its class name."""
    name = _attribute(fn, "name")
    if isinstance(name, str) and name:
        return name
    if isinstance(fn, functools.partial):
        return callable_name(fn.func)
    dunder = _attribute(fn, "__name__")
    if isinstance(dunder, str) and dunder:
        return dunder
    return type(fn).__name__


def _attribute(obj: object, key: str) -> Any:
    """``obj``'s attribute ``key``, or None: also when the object lacks it and its ``__getattr__`` says so with another
    error than AttributeError (``KeyError`` from a dict of settings, as the SDK's ``@evaluator`` instances do). One
    it has that raises (a property) is the user's error."""
    try:
        return getattr(obj, key, None)
    except Exception:
        if inspect.getattr_static(obj, key, _LACKED) is not _LACKED:
            raise
        return None


_LACKED: Final = object()


def _called(fn: Callable[..., Any]) -> Any:
    """What calling ``fn`` runs: the function under its partials, or a callable object's own ``__call__``."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn if isinstance(fn, _PLAIN_CALLABLES) else getattr(fn, "__call__", None)  # noqa: B004 - objects' own


def _is_async(fn: Callable[..., Any]) -> bool:
    try:
        coroutine = inspect.iscoroutinefunction(fn)  # it reads an object's attributes: its __getattr__ may raise
    except Exception:
        coroutine = False
    return coroutine or inspect.iscoroutinefunction(_called(fn))


def _check_answers(fn: Callable[..., Any], role: str, name: str) -> None:
    call = _called(fn)
    if isinstance(call, type):
        raise EvaluatorSignatureError(f"{role} {name!r} is a class: name an instance of it (or a function)")
    owner, _, method = str(_attribute(fn, "__qualname__") or "").rpartition(".")
    first = list((_signature(fn) or inspect.Signature()).parameters)[:1]
    if inspect.isfunction(fn) and owner and not owner.endswith("<locals>") and first == ["self"]:
        cls = owner.rpartition(".")[2]
        instance = cls.lower() if cls.lower() != cls else f"a_{cls}"
        own = "an instance" if method == "__call__" else "an instance's"
        raise EvaluatorSignatureError(
            f"{role} {fn.__qualname__!r} is a method read from the class, so its self would get the"
            f" {'datapoint' if role == 'function' else 'outputs'}: name {own}"
            f" (`{instance}{'' if method == '__call__' else '.' + method}` for {instance} = {cls}(...))"
        )
    if inspect.isasyncgenfunction(call) or inspect.isgeneratorfunction(call):
        kind = "an async generator" if inspect.isasyncgenfunction(call) else "a generator"
        answer = "the answer (join the stream)" if role == "function" else "the score"
        raise EvaluatorSignatureError(f"{role} {name!r} is {kind} function: its body never runs; return {answer}")


def _signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    """``inspect.signature``, tolerant of wrapper loops and exotica; ``None`` when it cannot be read.

    A callable object whose own introspection raises ``LookupError`` (the SDK's ``@evaluator`` instances: their
    ``__getattr__`` raises ``KeyError``) is read through its bound ``__call__``."""
    call = getattr(fn, "__call__", None)  # noqa: B004 - the bound method itself is what we read
    targets = [fn] if isinstance(fn, _PLAIN_CALLABLES) or not callable(call) else [fn, call]
    for target in targets:
        try:
            try:
                return inspect.signature(target)
            except ValueError:  # a ``__wrapped__`` loop, or a builtin without a signature
                return inspect.signature(target, follow_wrapped=False)
        except (TypeError, ValueError):
            return None
        except LookupError:
            continue
    return None


def _parameters(fn: Callable[..., Any], depth: int = 0) -> Mapping[str, inspect.Parameter] | None:
    signature = _signature(fn)
    if signature is None:
        return None
    kinds = {p.kind for p in signature.parameters.values()}
    pass_through = bool(kinds) and kinds <= {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}
    inner = _attribute(fn, "func")
    if pass_through and not isinstance(fn, functools.partial) and callable(inner) and inner is not fn and depth < 3:
        # a ``(*args, **kwargs)`` wrapper exposing what it wraps as ``.func`` (the SDK's ``@evaluator``)
        return _parameters(inner, depth + 1) or signature.parameters
    return signature.parameters


def inspect_callable(fn: Callable[..., Any], role: str, name: str | None = None) -> CallShape:
    """Read ``fn``'s name (``name`` overrides it), whether it is async, and its parameters, once. Raise when calling
    it (the ``role`` "function" or "evaluator") can never give an answer, whatever its signature: a class (the call
    makes an instance) or a generator function (the call makes a generator, and nobody iterates it: its body never
    runs), or a method read from its class (``Bot.reply``: a plain function whose first parameter is ``self``, which
    would get the datapoint)."""
    shown = callable_name(fn) if name is None else name
    _check_answers(fn, role, shown)
    parameters = _parameters(fn)
    if parameters is None:
        return CallShape(shown, _is_async(fn), readable=False)
    params = parameters.values()
    kinds = {param.kind for param in params}
    keywords = [param for param in params if param.kind is param.KEYWORD_ONLY]
    return CallShape(
        shown,
        _is_async(fn),
        positional=tuple(param for param in params if param.kind in _POSITIONAL),
        var_positional=inspect.Parameter.VAR_POSITIONAL in kinds,
        var_keyword=inspect.Parameter.VAR_KEYWORD in kinds,
        keywords=tuple(param.name for param in keywords),
        required_keywords=tuple(param.name for param in keywords if param.default is param.empty),
    )


# ----------------------------------------------------------------------------------------------- the function

_CALLED_AS = (
    "it is called as function(datapoint) (the whole record), with tracer= when it takes a 'tracer' parameter, "
    "or as function(inputs, ground_truths) (older HoneyHive code)"
)
GROUND_TRUTH_NAMES = ("ground_truth", "ground_truths")
"""Names of a second parameter that make a function older HoneyHive code, ``function(inputs, ground_truths)``."""


@dataclass(frozen=True, slots=True)
class FunctionConvention:
    """How the user's function is called (honeyhive-api.md §7), decided once by :func:`function_convention`."""

    inputs_and_ground_truth: bool = False
    """True for older HoneyHive code, ``function(inputs, ground_truths)``; False for ``function(datapoint)``."""
    tracer: bool = False
    """Whether ``tracer=`` is passed: the function has a ``tracer`` parameter, or ``**kwargs``."""
    is_async: bool = False
    """Whether calling it returns a coroutine to run."""
    ground_truth: bool = True
    """Older code only: whether the ground truth is passed after the inputs (False: ``function(inputs)``, the
    legacy SDK's one-parameter form)."""

    def arguments(self, datapoint: Datapoint, tracer: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` for one datapoint: its inputs (and ground truth), or (a copy of) its whole record."""
        args: tuple[Any, ...]
        if not self.inputs_and_ground_truth:
            args = (dict(datapoint.record),)
        elif self.ground_truth:
            args = (datapoint.inputs, datapoint.ground_truth)
        else:
            args = (datapoint.inputs,)
        return args, {"tracer": tracer} if self.tracer else {}

    @property
    def passed(self) -> tuple[str, ...]:
        """What :meth:`arguments` passes, by name (``"tracer="``: by keyword), as :func:`misfit` says it."""
        older = ("inputs", "ground_truths")[: 1 + self.ground_truth] if self.inputs_and_ground_truth else ()
        return (*(older or ("datapoint",)), *("tracer=",) * self.tracer)


def _older_code(names: list[str], required: int) -> bool:
    """Whether a function whose datapoint parameters are ``names`` (``required`` of them without a default) is
    older HoneyHive code, by the rules :func:`function_convention` lists."""
    if names and names[0] == "datapoint":
        return False
    if (names and names[0] == "inputs") or (len(names) > 1 and names[1] in GROUND_TRUTH_NAMES):
        return True
    return required == 2


def function_convention(function: Callable[..., Any]) -> FunctionConvention:
    """Decide from ``function``'s signature how it is called (README's "The function", under the Python API: the
    parameters' names first, so code written for any HoneyHive SDK runs as it was written; ``tracer`` is passed by
    keyword); a signature that cannot be read (some builtins) gets the record, without a tracer.

    Raises:
        EvaluatorSignatureError: no convention fits (a class or a generator function, no positional parameter,
            too many required, a required keyword-only one other than ``tracer``, or ``tracer`` in a datapoint
            argument's place).
    """
    shape = inspect_callable(function, "function")
    name = shape.name
    if not shape.readable:
        return FunctionConvention(is_async=shape.is_async)
    required_keyword = next((k for k in shape.required_keywords if k != "tracer"), None)
    if required_keyword is not None:
        raise EvaluatorSignatureError(
            f"function {name!r} requires the keyword-only parameter {required_keyword!r}, which is never passed; "
            + _CALLED_AS
        )
    tracer_at = next((i for i, p in enumerate(shape.positional) if p.name == "tracer"), None)
    datapoint_parameters = [p for p in shape.positional if p.name != "tracer"]
    names = [p.name for p in datapoint_parameters]
    required = [p.name for p in datapoint_parameters if p.default is p.empty]
    tracer = shape.var_keyword or tracer_at is not None or "tracer" in shape.keywords
    older = _older_code(names, len(required))
    if len(required) > (2 if older else 1):
        raise EvaluatorSignatureError(
            f"function {name!r} requires {len(required)} positional arguments ({', '.join(required)}); " + _CALLED_AS
        )
    if not datapoint_parameters and not shape.var_positional:
        raise EvaluatorSignatureError(f"function {name!r} takes no datapoint parameter; " + _CALLED_AS)
    passed = min(len(names), 2) if older else 1
    if tracer_at is not None and tracer_at < passed:
        raise EvaluatorSignatureError(
            f"function {name!r} takes 'tracer' before its datapoint parameter; put 'tracer' last (it is passed by "
            "keyword)"
        )
    return FunctionConvention(
        inputs_and_ground_truth=older, tracer=tracer, is_async=shape.is_async, ground_truth=not older or passed == 2
    )


def misfit(fn: Callable[..., Any], error: str, passed: Sequence[str]) -> str:
    """What to say of ``error``, raised by calling ``fn`` with ``passed`` (names; ``"tracer="`` by keyword), when it
    is a TypeError of a call's arguments naming ``fn`` or a function its closure holds (a decorator's ``wrapper(*args,
    **kwargs)``) that these arguments do not fit: ``"; one (app/evals.py:37) takes (outputs), and is passed (outputs,
    inputs, ground_truth)"``. Else ``""``: the TypeError is one inside their code."""
    if (said := re.match(r"TypeError(?: at .*?:\d+)?: ([\w.<>]+)\(\) (?:takes|missing|got) ", error)) is None:
        return ""
    called = _called(fn)
    closure = getattr(called, "__closure__", None) or ()  # an empty cell (a name bound later) holds nothing
    cells = [cell.cell_contents for cell in closure if cell != types.CellType()]
    plain = [c for c in (fn, called, *cells) if type(c) in (types.FunctionType, types.MethodType)]  # a proxy: never
    for candidate in (c for c in plain if c.__qualname__ == said[1]):
        signature = None
        with suppress(Exception):  # a hint never raises: a hostile __signature__ or __wrapped__ gives none
            signature = _signature(candidate)
        if signature is None or _binds(signature, passed):  # they fit: a TypeError inside their code
            continue
        code = candidate.__code__
        file = (relative(code.co_filename, REPOSITORIES[-1]) if REPOSITORIES else None) or code.co_filename
        bare = [p.replace(annotation=p.empty, default=p.empty) for p in signature.parameters.values()]
        takes = inspect.Signature(bare)  # the names: a default may be a secret
        return f"; {said[1]} ({file}:{code.co_firstlineno}) takes {takes}, and is passed ({', '.join(passed)})"
    return ""


def _binds(signature: inspect.Signature, passed: Sequence[str]) -> bool:
    """Whether arguments named ``passed`` (``"tracer="``: by keyword) fit ``signature``."""
    try:
        signature.bind(*(n for n in passed if n[-1] != "="), **{n[:-1]: None for n in passed if n[-1] == "="})
    except TypeError:
        return False
    return True


def from_numpy(value: Any) -> Any:
    """A numpy value (``np.int64``, ``np.bool_``, ``np.float32``: what numpy's functions return; an array) as the
    Python value it holds (``tolist()``: a number, a bool, nested lists); anything else, or one whose ``tolist()``
    raises, as it is."""
    if type(value).__module__ == "numpy" and callable(tolist := getattr(value, "tolist", None)):
        try:
            return tolist()
        except Exception:
            return value
    return value


REPOSITORIES: list[str] = []
"""The repositories whose code runs now, innermost last (:func:`~honeyhive_experiment.user_code.in_repository`, the
command's): :func:`error_text` names the place of an error from there. Empty while ``evaluate()`` runs the caller's
functions: their errors stay ``Type: message``, as the official SDK records them."""


def error_text(exc: BaseException, root: str | os.PathLike[str] | None = None) -> str:
    """What the user's code raised, even when its ``str()`` raises: ``"KeyError at src/app/evals.py:43: 'key'"``, at
    the line of theirs where it failed (:func:`where_raised`) in ``root``, by default the repository whose code runs
    (:data:`REPOSITORIES`); ``"KeyError: 'key'"`` without one. With debug logging on (``RUNNER_DEBUG=1``,
    ``evaluate(verbose=True)``) its whole traceback is logged too (:func:`_log_traceback`)."""
    if (where := where_raised(exc, root)) is None:
        said = f"{type(exc).__name__}: {shown(exc)}"
    else:
        file, line, own = where
        # a SyntaxError's str() names its file without the folder: said at its own place, its text alone; one outside
        # the repository (an installed module's) keeps it, beside the user's line that imported it. A bare one's is
        # "None".
        if isinstance(exc, SyntaxError) and (own or exc.msg is None):
            text = "" if exc.msg is None else shown(exc.msg)
        else:
            text = shown(exc)
        said = f"{type(exc).__name__} at {file}:{line}" + (f": {text}" if text else "")
    if log.isEnabledFor(logging.DEBUG):
        _log_traceback(exc, said)
    return said


_TRACEBACKS = 20  # distinct tracebacks logged at most, per run: a run erring in 20 ways has more to fix first
_traced: set[tuple[object, ...]] = set()  # the exceptions whose traceback was logged in the run: type and places
_traced_lock = threading.Lock()


def _log_traceback(exc: BaseException, said: str) -> None:
    """Log ``exc``'s whole traceback at DEBUG (``said``: its line; both :func:`redacted`), once a run per distinct
    exception (its type and the places of its frames: the same failure on every datapoint is logged once, whatever its
    message) and at most :data:`_TRACEBACKS` of them: :func:`error_text` names only the innermost line of the user's;
    the job log has the rest (a helper's call from the function, a library's frames)."""
    places = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(exc.__traceback__)]
    # from the first frame of the user's (or a library's) on: not this tool's calls to it, nor the thread pool's. Also
    # what makes two failures one: the tool's frames above differ by the line that re-raised (the runner waits on a
    # datapoint's future in two places, by timing), and the same failure would be logged twice
    start = next((i for i, (file, _) in enumerate(places) if not _ours_or_stdlib(file)), 0)
    with _traced_lock:
        if (key := (type(exc), tuple(places[start:]))) in _traced or len(_traced) >= _TRACEBACKS:
            return
        _traced.add(key)
    try:
        shown = traceback.TracebackException.from_exception(exc)  # its stack: the frames walk_tb walked, in order
        shown.stack = traceback.StackSummary.from_list(shown.stack[start:])
        text = "".join(shown.format()).rstrip()
    except Exception as failed:  # the user's exception: its notes or its cause may raise too
        text = f"(no traceback: formatting it raised {type(failed).__name__})"
    log.debug("the traceback of %s (logged once):\n%s", *map(redacted, (said, text)))


def redacted(text: str) -> str:
    """``text`` redacted by the runs running now (:func:`a_run`) before it is logged or raised: the caller's own
    handlers (a root logger at DEBUG) get a record as it is, redacted by none of ours."""
    for redactor in _REDACTORS[:]:  # a copy: a run may end meanwhile
        text = redactor.redact(text)
    return text


_REDACTORS: list[Redactor] = []  # the runs' running now, of their keys and the environment's secret values


@contextmanager
def a_run(secrets: Sequence[str]) -> Iterator[None]:
    """The block runs a run's datapoints (:func:`~honeyhive_experiment.experiment.record_run`): what is logged and
    raised of the user's exceptions (:func:`redacted`) is redacted of ``secrets`` too, and the tracebacks logged
    (:func:`_log_traceback`) are counted from none, so each run (each ``evaluate(verbose=True)``) logs its own."""
    from honeyhive_experiment.report.redact import Redactor

    redactor = Redactor(secrets)
    with _traced_lock:
        _traced.clear()
    _REDACTORS.append(redactor)
    try:
        yield
    finally:
        _REDACTORS.remove(redactor)


def _ours_or_stdlib(file: str) -> bool:
    """Whether ``file`` is this tool's module or the standard library's (``concurrent/futures``)."""
    return relative(file, _OURS, follow_links=False) is not None or os.path.abspath(file).startswith(_STDLIB)


_STDLIB = os.path.join(sysconfig.get_paths()["stdlib"], "")


_OURS = os.path.dirname(os.path.abspath(__file__))


def where_raised(exc: BaseException, root: str | os.PathLike[str] | None = None) -> tuple[str, int, bool] | None:
    """The place where the user's code failed, as ``(file from root, line, is the SyntaxError's own place)``: the
    innermost frame of ``exc``'s traceback under ``root`` (not the stdlib's module it called, nor an installed
    package's, even one in a ``.venv`` there, nor this tool's), or the line a SyntaxError names; ``None`` without
    one. Never raises, whatever the user's exception holds (a SyntaxError's filename and lineno are anything)."""
    running = REPOSITORIES[-1:]  # one read: a datapoint abandoned at the block's end may ask as it ends
    root = root or (running[0] if running else None)
    if root is None:
        return None
    places = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(exc.__traceback__)]
    own = None
    if isinstance(exc, SyntaxError) and type(exc.filename) is str and type(exc.lineno) is int and exc.lineno > 0:
        own = (exc.filename, exc.lineno)  # its place is no frame's
        places.append(own)
    for file, line in reversed(places):  # "<frozen importlib._bootstrap>" is no file (it would be taken from root)
        named = relative(file, root, follow_links=False) if os.path.isabs(file) else None
        if named is None or {"site-packages", "dist-packages"} & set(named.split("/")):
            continue
        if relative(file, _OURS, follow_links=False) is None:
            return named, line, (file, line) == own
    return None


def where_blocking(task: asyncio.Task[Any] | None) -> str | None:
    """Where the user's code is in the coroutine ``task`` runs, which holds the event loop (it does not await: a
    ``time.sleep``, a sync client): ``support_bot.app.answer (support_bot/app.py:56) at line 58``, its innermost
    frame that is the user's (not this tool's, the standard library's nor an installed package's), named by the module
    and qualified name of its code and the file and first line of its definition, from the repository whose code runs
    (:data:`REPOSITORIES`; else the file as Python has it), and the line it is running. ``None`` when the task runs
    no such frame now (it awaits again, or ended). Read from the loop thread's stack, which the task's coroutine
    does not show while it runs; never raises."""
    top = getattr(task.get_coro(), "cr_frame", None) if task is not None else None
    if top is None:
        return None
    for current in list(sys._current_frames().values()):  # the loop thread's is the one the task's frame is on
        stack: list[types.FrameType] = []
        frame: types.FrameType | None = current
        while frame is not None and frame is not top:
            stack.append(frame)
            frame = frame.f_back
        if frame is top:
            return next((_placed(inner) for inner in stack if _users(inner.f_code.co_filename)), None)
    return None


def _users(file: str) -> bool:
    """Whether ``file`` is the user's code: a file that is not this tool's, the standard library's nor an installed
    package's."""
    parts = set(os.path.abspath(file).split(os.sep))
    return os.path.isabs(file) and not _ours_or_stdlib(file) and not {"site-packages", "dist-packages"} & parts


def _placed(frame: types.FrameType) -> str:
    """``module.qualname (file:first line) at line N``: the code ``frame`` runs, and where."""
    code, running = frame.f_code, REPOSITORIES[-1:]
    file = (relative(code.co_filename, running[0], follow_links=False) if running else None) or code.co_filename
    module = frame.f_globals.get("__name__")
    name = f"{module}.{code.co_qualname}" if isinstance(module, str) else code.co_qualname
    return f"{name} ({file}:{code.co_firstlineno}) at line {frame.f_lineno}"

"""The OpenTelemetry instrumentations the experiment file's ``instrument:`` names: found among the installed
packages, imported only when named, switched on while the datapoints run (the command line's, from the import of
the user's code on) and off after.

A library (``instrument: [openai]``) is served by an installed package that registers an
``opentelemetry_instrumentor`` entry point of that name (the group ``opentelemetry-instrument`` reads):
OpenLLMetry's ``opentelemetry-instrumentation-<lib>`` first, then OpenInference's
``openinference-instrumentation-<lib>``, then any other (OpenTelemetry's own ``…-openai-v2``). Naming the package
instead (``instrument: [openinference-instrumentation-openai]``) picks that one when several are installed. The
packages are the user's, installed with ``install:``; when none is, :func:`load` raises a ConfigError at
``instrument[i]`` naming the line to add. Nothing is imported for a library the file does not name.

Switched on, each instrumentor gets the run's :func:`~honeyhive_experiment.tracing.routed_provider`, so a call an
instrumented client makes inside a datapoint's function or evaluators is a span of that datapoint's session (and
its numbers become the datapoint's efficiency metrics: :mod:`~honeyhive_experiment.efficiency`); OpenTelemetry's
global provider routes the user's own spans the same way while the datapoints run
(:func:`~honeyhive_experiment.tracing.route_global_spans`).

Uninstrumenting is the package's business and not every one does it fully: OpenLLMetry's openai instrumentation
(0.62) leaves its wrappers in place (its ``unwrap`` calls pass module paths that the ``opentelemetry-instrumentation``
it runs with no longer reads), so a process that switches it on again wraps twice. The provider of the earlier run
is closed by then, so its wrappers' spans are kept by no one; a call span opened inside one is still inside the span
around it (the router links the two), so with two instrumentations of one client
:func:`~honeyhive_experiment.llm_calls.read_calls` still counts the call once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Final

from honeyhive_experiment.config import ExperimentConfig, all_of, config_error_at
from honeyhive_experiment.errors import ConfigError, did_you_mean
from honeyhive_experiment.install import canonical_name
from honeyhive_experiment.tracing import route_global_spans, routed_provider

__all__ = ["GROUP", "Instrumentation", "load", "switched_on"]

log = logging.getLogger(__name__)

GROUP: Final = "opentelemetry_instrumentor"
_FAMILIES: Final = ("opentelemetry-instrumentation-", "openinference-instrumentation-")  # by preference


@dataclass(frozen=True, slots=True)
class Instrumentation:
    """One entry of ``instrument:``: the library, the package that instruments it, and its instrumentor."""

    library: str
    package: str
    instrumentor: Any
    where: tuple[str, tuple[str | int, ...]]  # the experiment file and the key, for errors found later


def _package(entry: EntryPoint) -> str:
    return canonical_name(entry.dist.name) if entry.dist is not None else entry.value.split(":")[0]


def _rank(entry: EntryPoint) -> int:
    package = _package(entry)
    return next(
        (i for i, family in enumerate(_FAMILIES) if package == family + canonical_name(entry.name)), len(_FAMILIES)
    )


def _find(name: str) -> EntryPoint | str:
    """The entry point for ``name`` (a library or an instrumentation package), or why there is none."""
    installed = list(entry_points(group=GROUP))
    chosen = [e for e in installed if _package(e) == canonical_name(name)]  # name is an installed package
    if chosen:
        return chosen[0]
    if name.startswith(_FAMILIES):
        return f"{name} is not installed: add it to the install input (install: {name}, or a line of your requirements)"
    found = sorted((e for e in installed if canonical_name(e.name) == canonical_name(name)), key=_rank)
    if found:
        return found[0]
    first, second = (family + canonical_name(name) for family in _FAMILIES)  # the packages that would instrument it
    hint = did_you_mean(name, sorted({entry.name for entry in installed}))  # opneai
    if hint:  # a misspelt name: not a package named after the typo to install (a typosquatter's name, audit83)
        return f"no OpenTelemetry instrumentation for {name!r} is installed ({hint}): fix the name"
    return (
        f"no OpenTelemetry instrumentation for {name!r} is installed: add {first} (OpenLLMetry) or {second}"
        f" (OpenInference) to the install input (install: {first}, or a line of your requirements)"
    )


def load(config: ExperimentConfig, config_path: str) -> list[Instrumentation]:
    """Find and import the instrumentation of every library ``instrument:`` names; a ConfigError at
    ``instrument[i]`` (exit 2) for each that is not installed or does not import, all of them at once."""
    found: list[Instrumentation] = []
    problems: list[ConfigError] = []
    for index, name in enumerate(config.instrument):
        key: tuple[str | int, ...] = ("instrument", index)
        entry = _find(name)
        if isinstance(entry, str):
            problems.append(config_error_at(config_path, key, entry))
            continue
        package = _package(entry)
        try:
            instrumentor = entry.load()()
        except KeyboardInterrupt:  # an interrupt (the command's cancellation) stops the command
            raise
        except BaseException as exc:  # the user's package, imported by name: whatever it raises is named
            message = f"{package} ({entry.value}) did not import: {type(exc).__name__}: {exc}"
            problems.append(config_error_at(config_path, key, message))
            continue
        found.append(Instrumentation(entry.name, package, instrumentor, (config_path, key)))
    if problems:
        raise all_of(problems)
    return found


@contextmanager
def switched_on(
    instrumentations: Sequence[Instrumentation], *, route: bool = True, left: list[str] | None = None
) -> Iterator[None]:
    """Instrument each with the routing provider while the block runs, and uninstrument it after. One instrumented
    already (before the command: a process-wide setup, ``opentelemetry-instrument``) is left as it is, and said, to
    ``left`` too (its spans are routed when it uses the global provider). With ``route``, the user's own spans,
    through OpenTelemetry's global API, are routed too (:func:`route_global_spans`): the command line does that only
    once it has imported the user's code, which may set a global provider of its own at import (OpenTelemetry refuses
    a second)."""
    if not instrumentations:
        yield
        return
    left = [] if left is None else left
    with ExitStack() as undo:
        if route:
            undo.enter_context(route_global_spans())
        provider = undo.enter_context(routed_provider())
        for item in instrumentations:
            instrumentor = item.instrumentor
            if getattr(instrumentor, "is_instrumented_by_opentelemetry", False):
                said = (
                    f"{item.package} had instrumented {item.library} before the run, which left it as it was: its"
                    " spans go where it was told (to the run only by the global tracer provider), so the efficiency"
                    " metrics may leave its LLM calls out"
                )
                log.warning("%s", said)
                left.append(said)
                continue
            try:
                instrumentor.instrument(tracer_provider=provider, raise_exception_on_conflict=True)
            except Exception as exc:  # a dependency conflict, or the package's own failure: named, exit 2
                path, key = item.where
                raise config_error_at(
                    path, key, f"{item.package} could not instrument {item.library}: {type(exc).__name__}: {exc}"
                ) from None
            undo.callback(_uninstrument, item)
            log.debug("%s instruments %s for the run", item.package, item.library)
        yield


def _uninstrument(item: Instrumentation) -> None:
    try:
        item.instrumentor.uninstrument()
    except Exception as exc:  # the run is over: its result is not lost for an instrumentor that cannot undo
        log.warning("%s could not uninstrument %s: %s: %s", item.package, item.library, type(exc).__name__, exc)

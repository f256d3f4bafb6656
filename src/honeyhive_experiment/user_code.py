"""Importing the user's function and evaluators (``module.path:attr``) from their repository.

Import failures become :class:`~honeyhive_experiment.config.ConfigError` pointing at the config line
that named the object, so a typo in ``function:`` reads like any other config error.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from honeyhive_experiment.config import ExperimentConfig, config_error_at, split_import_path
from honeyhive_experiment.errors import ConfigError, EvaluatorSignatureError
from honeyhive_experiment.evaluators import Evaluator


@contextmanager
def repository_on_path(root: str | os.PathLike[str]) -> Iterator[None]:
    """Make ``root`` importable first while the block runs (the user's code lives there)."""
    entry = str(Path(root).resolve())
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        if entry in sys.path:
            sys.path.remove(entry)


def import_object(path: str) -> Any:
    """``"package.module:attr.sub"`` → the object; raises ImportError or AttributeError."""
    module_name, attribute = split_import_path(path)
    obj: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True, slots=True)
class UserCode:
    function: Callable[..., Any]
    evaluators: tuple[Evaluator, ...]


def _load(config_path: str, loc: tuple[str | int, ...], path: str) -> Any:
    try:
        obj = import_object(path)
    except ModuleNotFoundError as exc:
        raise config_error_at(config_path, loc, f"cannot import {path!r}: no module named {exc.name!r}") from None
    except ImportError as exc:
        raise config_error_at(config_path, loc, f"cannot import {path!r}: {exc}") from None
    except AttributeError:
        raise config_error_at(config_path, loc, f"{path!r} does not exist (no such attribute)") from None
    except Exception as exc:  # the user's module raised while being imported
        raise config_error_at(config_path, loc, f"importing {path!r} raised {type(exc).__name__}: {exc}") from None
    if not callable(obj):
        raise config_error_at(config_path, loc, f"{path!r} is a {type(obj).__name__}, not a function")
    return obj


def load_user_code(config: ExperimentConfig, config_path: str, root: str | os.PathLike[str]) -> UserCode:
    """Import the function and evaluators named by the config, with ``root`` importable."""
    with repository_on_path(root):
        function = _load(config_path, ("function",), config.function)
        evaluators: list[Evaluator] = []
        for index, spec in enumerate(config.evaluators):
            fn = _load(config_path, ("evaluators", index), spec.path)
            try:
                evaluators.append(Evaluator.from_callable(fn, name=spec.name))
            except EvaluatorSignatureError as exc:
                raise config_error_at(config_path, ("evaluators", index), str(exc)) from None
    return UserCode(function, tuple(evaluators))


__all__ = ["ConfigError", "UserCode", "import_object", "load_user_code", "repository_on_path"]

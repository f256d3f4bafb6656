"""Reading the experiment file: YAML text → :class:`ExperimentConfig`, every problem a located :class:`ConfigError`.

Owns the only I/O of the package (:func:`load_config` reads the file), the safe and literal YAML reading (one
document, no repeated keys), and the walk of the YAML node tree that turns a pydantic error's ``loc`` into the
file's 1-based line and a dotted key, with a message in the YAML author's terms ("did you mean", "got a
string"). :func:`config_error_at` locates problems found after validation the same way.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
import typing
from collections.abc import Sequence
from typing import Annotated, Any, Final

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from honeyhive_experiment.config.fields import (
    _BASELINE_NAMED,
    _FROM_FILE,
    MetricName,
    _describe,
    _LocatedValueError,
    shown_text,
)
from honeyhive_experiment.config.model import ExperimentConfig
from honeyhive_experiment.errors import ConfigError, did_you_mean
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH, NotAFile, not_utf8, read_regular, saved_as

__all__ = ["all_of", "config_error_at", "declared_name", "load_config", "parse_config"]

_NAME_FIELD: Final = ExperimentConfig.model_fields["name"]
_NAME: Final[TypeAdapter[str]] = TypeAdapter(
    Annotated[(_NAME_FIELD.annotation, *_NAME_FIELD.metadata)]  # type: ignore[arg-type]  # the field, as validated
)


def load_config(
    path: str | os.PathLike[str] = DEFAULT_CONFIG_PATH, *, baseline_named: bool = False
) -> ExperimentConfig:
    """Read and validate the experiment file at ``path`` (``baseline_named``: the invocation names its baseline,
    which a gate with ``baseline.strategy: none`` is then compared with).

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8, not valid YAML, empty, not a mapping,
            repeats a key, or does not validate.
    """
    shown = os.fspath(path)
    try:
        raw = read_regular(shown)
    except FileNotFoundError:
        raise ConfigError(shown, None, "", "config file not found") from None
    except IsADirectoryError:
        raise ConfigError(shown, None, "", "is a directory, not a config file") from None
    except PermissionError:
        raise ConfigError(shown, None, "", "permission denied reading the config file") from None
    except NotAFile as exc:  # a FIFO's open waited for a writer: validate and run blocked for ever
        raise ConfigError(shown, None, "", f"is {exc}: give a regular file") from None
    except OSError as exc:
        raise ConfigError(shown, None, "", f"cannot read the config file: {exc.strerror or exc}") from None
    if (said := saved_as(raw[:4])) is not None:  # UTF-16 without a byte-order mark decodes: "unacceptable #x0000"
        raise ConfigError(shown, 1, "", said)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(shown, line, "", not_utf8(exc)) from None
    return parse_config(text, path=shown, baseline_named=baseline_named)


def parse_config(text: str, *, path: str = DEFAULT_CONFIG_PATH, baseline_named: bool = False) -> ExperimentConfig:
    """Validate config ``text``; ``path`` only names the file in errors. Raises :class:`ConfigError`."""
    root, data = _read_yaml(text, path)
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        raise ConfigError(
            path,
            _line(root),
            "",
            f"the config must be a mapping of keys (name, function, dataset, ...), got {_describe(data)}",
        )
    try:
        return ExperimentConfig.model_validate(data, context={_FROM_FILE: True, _BASELINE_NAMED: baseline_named})
    except ValidationError as exc:
        issues = [_issue(error, root, path) for error in exc.errors()]
    raise all_of(issues) from None


def declared_name(path: str | os.PathLike[str]) -> str | None:
    """The experiment's name as a file that does not validate still declares it (a top-level ``name:`` that is a
    valid name), else ``None`` (unreadable, not YAML, no such name): what an error's report is titled by (its PR
    comment is the file's, named or not)."""
    read = _read_file(os.fspath(path))
    if read is None or not isinstance(read[1], dict):
        return None
    try:
        return _NAME.validate_python(read[1].get("name"))
    except ValidationError:
        return None


def all_of(problems: Sequence[ConfigError]) -> ConfigError:
    """One error carrying every problem in ``issues``, earliest line first (as config parsing reports them)."""
    ordered = sorted(problems, key=lambda issue: issue.line if issue.line is not None else 0)
    first = ordered[0]
    first.issues = tuple(ordered)
    return first


def _line(node: Node) -> int:
    return _at(node.start_mark)[0]


_NOT_A_BREAK: Final = {"\x85": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}
"""What YAML 1.1 (PyYAML) counts as a line break, and editors, grep -n, GitHub and YAML 1.2 do not: a line after one
was said a line too far, in the error and the action's annotation."""
_NOT_A_BREAK_RE: Final = re.compile(f"[{''.join(_NOT_A_BREAK)}]")


@functools.lru_cache(maxsize=2)
def _not_breaks(buffer: str) -> tuple[int, ...]:
    """Where ``buffer`` (the text PyYAML reads) has a :data:`_NOT_A_BREAK` character; computed once a text."""
    return tuple(found.start() for found in _NOT_A_BREAK_RE.finditer(buffer))


def _at(mark: Mark) -> tuple[int, int]:
    """The 1-based line and column of ``mark`` as an editor counts them (:data:`_NOT_A_BREAK`)."""
    line, column = mark.line + 1, mark.column + 1
    if mark.buffer is None or not (odd := _not_breaks(mark.buffer)):
        return line, column
    line -= bisect.bisect_left(odd, mark.pointer)
    start = max(mark.buffer.rfind("\n", 0, mark.pointer), mark.buffer.rfind("\r", 0, mark.pointer)) + 1
    return line, mark.pointer - start + 1


def _not_a_break_before(mark: Mark) -> str:
    """What to say of the last :data:`_NOT_A_BREAK` character up to ``mark``'s line (as an editor counts lines), else
    ``""``: PyYAML read its line as two (a comment's rest as a key), which its error may be about, lines later."""
    if mark.buffer is None or not (odd := _not_breaks(mark.buffer)):
        return ""
    ends = [i for i in (mark.buffer.find("\n", mark.pointer), mark.buffer.find("\r", mark.pointer)) if i >= 0]
    before = bisect.bisect_left(odd, min(ends, default=len(mark.buffer)))
    if before == 0:
        return ""
    where = odd[before - 1]
    line_start = max(mark.buffer.rfind("\n", 0, where), mark.buffer.rfind("\r", 0, where)) + 1
    marks_line = max(mark.buffer.rfind("\n", 0, mark.pointer), mark.buffer.rfind("\r", 0, mark.pointer)) + 1
    if "#" not in mark.buffer[line_start:where] and where < marks_line:
        return ""  # neither in a comment (whose rest PyYAML reads as YAML) nor on the error's line: in a value
    line = len(re.findall(r"\r\n|\r|\n", mark.buffer[:where])) + 1
    char = mark.buffer[where]
    return (
        f"; line {line} has a U+{ord(char):04X} ({_NOT_A_BREAK[char]}), which YAML 1.1 (this reader) takes for a line"
        " break: remove it"
    )


def config_error_at(path: str | os.PathLike[str], loc: Sequence[str | int], message: str) -> ConfigError:
    """A :class:`ConfigError` for a problem found after validation (an import that fails, a dataset file
    that is missing), pointing at the line of ``loc`` (e.g. ``("evaluators", 1)``) in the file."""
    shown = os.fspath(path)
    read = _read_file(shown)
    if read is None:
        return ConfigError(shown, None, ".".join(str(part) for part in loc), message)
    return ConfigError(shown, *_locate(read[0], loc), message)


def _read_file(shown: str) -> tuple[Node, Any] | None:
    """The YAML tree and data of the file at ``shown`` (for a problem found beside validating it), or ``None``."""
    try:
        return _read_yaml(read_regular(shown).decode("utf-8-sig"), shown)
    except (OSError, UnicodeDecodeError, ConfigError):
        return None


# a number as YAML 1.2 and JSON Schema editors read it, which YAML 1.1 (PyYAML) reads as text: ``1e3``, ``1e-2``,
# ``1.5E3`` (1.1 wants a dot and a sign: ``1.0e+3``). Not read as a number here: a name or id in that form (a hex
# commit-like ``6650e0123``) would stop being text; a number field given one says how to write it instead.
_YAML12_FLOAT: Final = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$")


def _read_yaml(text: str, path: str) -> tuple[Node, Any]:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character: the reader checks the whole text first, unmarked
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError(path, line, "", f"invalid YAML: {str(exc).splitlines()[0]}") from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(path, None, "", "the config file is empty")
        _check_nodes(root, path)  # before constructing, which flattens merge keys ("<<") in place
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is None:
            raise ConfigError(path, None, "", _yaml_problem(exc)) from None
        raise ConfigError(path, _at(mark)[0], "", _yaml_problem(exc) + _not_a_break_before(mark)) from None
    except RecursionError:  # PyYAML composes and constructs recursively
        raise ConfigError(path, None, "", "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


_YAML_PARTS: Final = {
    "block collection": "list",
    "block mapping": "mapping",
    "flow sequence": "list [...]",
    "flow mapping": "mapping {...}",
    "quoted scalar": "quoted string",
    "block scalar": "block of text (| or >)",
    "simple key": "key",
    "node": "value",
}
"""What the file's author calls the part PyYAML was reading (its ``while parsing a flow mapping``)."""
_FOUND: Final = {"<block mapping start>": "a key", "?": "a key", "-": "a list item", "<block sequence start>": "a list"}
"""What PyYAML found where a block ended, in the file author's words."""


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "syntax error"
    if "'\\t'" in problem:
        mark = exc.problem_mark  # after a key's colon, a comma or a dash, a tab is no indentation
        if mark is not None and mark.buffer and mark.buffer[mark.pointer - mark.column : mark.pointer].strip(" \t"):
            return f"invalid YAML: a tab character (column {_at(mark)[1]}); YAML separates with spaces: use a space"
        return "invalid YAML: a tab character; YAML indentation must use spaces"
    if exc.context and (inside := re.fullmatch(r"while \w+ an? (.+)", exc.context)):
        # where PyYAML noticed the problem (the error's line) is often past where to look: the bracket, quote or key
        # left open; both are said when they differ
        opened, noticed = exc.context_mark, exc.problem_mark
        if opened and problem.startswith("expected <block end>, but found"):  # nothing left open: an indentation
            found = _FOUND.get(problem.partition("but found ")[2].strip("'"), "this line")
            part = _YAML_PARTS.get(inside[1], inside[1])
            where = "the {} before it starts at line {}, column {}".format(part, *_at(opened))
            return f"invalid YAML: {found} at an indentation that fits no level ({where})"
        started = _at(opened)[0] if opened else None
        at = f" that starts at line {started}" if opened and noticed and started != _at(noticed)[0] else ""
        return f"invalid YAML: {problem} (in the {_YAML_PARTS.get(inside[1], inside[1])}{at})"
    if problem == "mapping values are not allowed here" and (mark := exc.problem_mark) is not None and mark.buffer:
        lines = mark.buffer.splitlines()[: mark.line + 1]  # a line indented past the one above: its continuation
        above = next((line for line in reversed(lines[:-1]) if line.strip() and not line.lstrip().startswith("#")), "")
        indent, deeper = len(above) - len(above.lstrip(" ")), len(lines[-1]) - len(lines[-1].lstrip(" "))
        if above and deeper > indent and not above.rstrip().endswith(":"):
            return (
                f"invalid YAML: {problem}: this line is indented deeper than the one above ({deeper} spaces, not"
                f" {indent}), so YAML reads it as the rest of that line's value; indent it as that line is"
            )
    if exc.context and exc.context.startswith("while "):
        return f"invalid YAML: {problem} ({exc.context})"
    if exc.context:  # e.g. "expected a single document in the stream, but found another document"
        return f"invalid YAML: {exc.context}, {problem}"
    return f"invalid YAML: {problem}"


_UNREADABLE: Final = (ValueError, KeyError, AttributeError, IndexError, TypeError, OverflowError)
"""What PyYAML's safe constructors raise, besides a YAMLError, for a scalar they cannot read: ``2024-13-45`` (a date
by YAML 1.1's rules), ``!!int ten``, ``!!bool maybe``, ``!!timestamp soon``, an integer of 5,000 digits."""
_KINDS: Final = {"timestamp": "date", "int": "integer", "float": "number", "bool": "boolean"}


def _key_value(node: Node) -> Any:
    """The Python value of a mapping key node, as PyYAML constructs it (the node's text when it cannot)."""
    if isinstance(node, ScalarNode):
        try:
            return SafeConstructor().construct_object(node, deep=True)
        except (yaml.YAMLError, *_UNREADABLE):
            return node.value
    return None


def _unreadable(node: ScalarNode) -> str | None:
    """Why PyYAML cannot construct scalar ``node`` but by a YAMLError (which _read_yaml reports), else None."""
    try:
        SafeConstructor().construct_object(node, deep=True)
    except yaml.YAMLError:
        return None
    except _UNREADABLE as exc:
        kind = node.tag.rsplit(":", 1)[-1]
        what = _KINDS.get(kind, kind)
        implicit = Resolver().resolve(ScalarNode, node.value, (True, False))  # type: ignore[no-untyped-call]
        if node.style is None and implicit == node.tag:
            # read by YAML 1.1's implicit rules: 2024-13-45 is a date, which quoted would be a string
            hint = "; quote it if it is text" if kind == "timestamp" else ""
            return f"not a valid {what} ({shown_text(node.value)}: {str(exc).split(';')[0]}){hint}"
        return f"not a valid {what} ({shown_text(node.value)}) for its tag !!{kind}"
    return None


_SURROGATE_PAIR: Final = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _paired(value: str) -> str:
    """``value`` with each UTF-16 surrogate pair joined into its character. The reader refuses a surrogate in the
    file's text, so any comes from a double-quoted escape: ``"\\ud83d\\ude42"``, as json.dumps writes 🙂, which YAML
    1.2 (a superset of JSON, whose RFC 8259 says the pair is that character) means as JSON does. PyYAML decodes each
    ``\\u`` escape alone: two lone surrogates, which no UTF-8 file, hash or request can hold (libyaml refuses both)."""
    if _SURROGATE.search(value) is None:
        return value
    return _SURROGATE_PAIR.sub(lambda pair: pair[0].encode("utf-16-le", "surrogatepass").decode("utf-16-le"), value)


def _half_a_character(value: str) -> str | None:
    """Why ``value`` cannot be text (an escape of half a surrogate pair, alone), else None."""
    if (lone := _SURROGATE.search(value)) is None:
        return None
    return (
        f"the escape \\u{ord(lone[0]):04x} is half of a UTF-16 surrogate pair, which is no character alone: write the"
        " character itself, or both halves (\\ud83d\\ude42), or \\U and its 8 hex digits (\\U0001f642)"
    )


def _written(node: Node, key: Any) -> str:
    """A mapping key as the file writes it (``yes``, ``~``), not as YAML reads it (True, None)."""
    return node.value if isinstance(node, ScalarNode) else str(key)


def _check_nodes(root: Node, path: str) -> None:
    """Raise on every scalar PyYAML cannot construct (located, unlike its exception) and every mapping that repeats
    a key (PyYAML keeps the last silently)."""
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    found: list[ConfigError] = []
    while stack:
        node, where = stack.pop()
        if id(node) in seen_nodes:  # aliases share nodes, and may be recursive
            continue
        seen_nodes.add(id(node))
        if isinstance(node, ScalarNode):
            node.value = _paired(node.value)
            if (problem := _half_a_character(node.value) or _unreadable(node)) is not None:
                found.append(ConfigError(path, _line(node), where, problem))
        elif isinstance(node, MappingNode):
            first_line: dict[tuple[type, Any], int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):  # before the key is compared with the others
                    key_node.value = _paired(key_node.value)
                key = _key_value(key_node)
                child = _join(where, _written(key_node, key))
                if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    pass  # complex keys are rejected by the constructor; merge keys ("<<") may repeat
                elif (type(key), key) in first_line:
                    line = first_line[(type(key), key)]
                    found.append(
                        ConfigError(path, _line(key_node), child, f"a duplicate key (first given on line {line})")
                    )
                else:
                    first_line[(type(key), key)] = _line(key_node)
                    stack.append((key_node, child))  # a key too may be a scalar PyYAML cannot construct
                stack.append((value_node, child))
        elif isinstance(node, SequenceNode):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(node.value))
    if found:
        raise all_of(found)


def _join(prefix: str, segment: str) -> str:
    # an empty key stays visible (metrics.""), and one with a line break or a control character stays on its line
    shown = segment if segment.isprintable() and segment else json.dumps(segment)
    return f"{prefix}.{shown}" if prefix else shown


def _find_key(node: MappingNode, segment: str | int) -> tuple[Node, Node] | None:
    for key_node, value_node in node.value:
        key = _key_value(key_node)
        if type(key) is type(segment) and key == segment:
            return key_node, value_node
    for key_node, value_node in node.value:  # pydantic's loc has any other key as its str(), a boolean as 1 or 0
        key = _key_value(key_node)
        if (int(key) if isinstance(key, bool) else key if isinstance(key, int) else str(key)) == segment:
            return key_node, value_node
    return None


def _locate(root: Node, loc: Sequence[str | int]) -> tuple[int, str]:
    """The line and dotted key of ``loc`` in the YAML tree.

    A key that exists points at its key's line, a list item at the item's line. A loc that leaves the tree
    (a missing key) points at the deepest mapping or item that exists, i.e. the parent's line.
    """
    node: Node | None = root
    line = _line(root)
    dotted = ""
    for segment in loc:
        if segment == "[key]":  # pydantic's marker for a dict key's own error: stay on the key's line
            continue
        if isinstance(node, MappingNode):
            pair = _find_key(node, segment)
            if pair is not None:
                line, node = _line(pair[0]), pair[1]
                dotted = _join(dotted, _written(pair[0], segment))
            else:
                node = None
                dotted = _join(dotted, str(segment))
        elif isinstance(node, SequenceNode) and isinstance(segment, int) and 0 <= segment < len(node.value):
            node = node.value[segment]
            line = _line(node)
            dotted = f"{dotted}[{segment}]"
        else:
            node = None
            dotted = f"{dotted}[{segment}]" if isinstance(segment, int) else _join(dotted, str(segment))
    return line, dotted


_TYPE_MESSAGES: Final = {
    "model_type": "must be a mapping",
    "dict_type": "must be a mapping",
    "tuple_type": "must be a list",
    "invalid_key": "keys must be strings",
}


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    """The keys the model at ``loc`` accepts (empty when ``loc`` does not lead to a model). Each step is a model's
    field, a mapping's value or a list's item: no section is optional or ``Annotated``."""
    current: Any = ExperimentConfig
    for segment in loc:
        if isinstance(current, type) and issubclass(current, BaseModel) and segment in current.model_fields:
            current = current.model_fields[segment].annotation
        elif typing.get_origin(current) in (dict, tuple):
            current = typing.get_args(current)[-1 if typing.get_origin(current) is dict else 0]
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _homes(key: str, model: type[BaseModel] = ExperimentConfig, where: str = "") -> list[str]:
    """Where in the file ``key`` is a section's key: ``""`` (the top level), ``"verdict"``, ``"gate.<metric>"``
    (under a metric's name), ``"evaluators[]"`` (in an item)."""
    found = [where] if key in model.model_fields else []
    for name, field in model.model_fields.items():
        inner, shown = field.annotation, _join(where, name)
        if typing.get_origin(inner) is dict:
            named, inner = typing.get_args(inner)
            shown += ".<metric>" if named == MetricName else ".<name>"
        elif typing.get_origin(inner) is tuple:
            inner, shown = typing.get_args(inner)[0], f"{shown}[]"
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            found += _homes(key, inner, shown)
    return found


def _elsewhere(key: str, names: str | None = None) -> str:
    """Where ``key``, given at a level that has no such key, is one (``""``: nowhere); given among the names of
    section ``names``, only a key of that section's items (``gate: {max_drop: 5}``), else it is a name."""
    homes = [home for home in _homes(key) if names is None or [names] == home.split(".")[-2:-1]]
    said = [f"a key of {home}" if home else "a top-level key" for home in homes]
    return f"{key!r} is {' and '.join(said)}" if said else ""


def _issue(error: ErrorDetails, root: Node, path: str) -> ConfigError:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _LocatedValueError):
        loc = (*loc, *cause.loc)
    line, dotted = _locate(root, loc)
    # each message begins with a short word, which the redactor never takes for a secret's value after a key such
    # as api_key (the package docstring says why)
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        allowed = _allowed_keys(loc[:-1])
        # a key at the wrong level, or a misspelt one: both said when both may be, the key it exactly is first (a
        # top-level max_worse was "did you mean 'max_workers'?" first: taken, it set concurrency, not a gate)
        elsewhere = _elsewhere(unknown)
        hint = did_you_mean(unknown, allowed)
        message = f"an unknown key {unknown!r}" + (f"; {elsewhere}" if elsewhere else "")
        if hint:
            message += f"{', or' if elsewhere else ';'} {hint}"
        if allowed:
            message += f" (allowed: {', '.join(allowed)})"
    elif kind == "missing":
        message = f"the required key {str(loc[-1])!r} is missing"
    elif kind in ("value_error", "assertion_error"):
        message = str(cause) if cause is not None else error["msg"].removeprefix("Value error, ")
    else:
        message = _TYPE_MESSAGES.get(kind) or error["msg"]
        if message.startswith("Input should "):  # pydantic's "Input should be a valid integer"
            message = "must " + message.removeprefix("Input should ")
        message = f"{message}, got {_describe(value)}"
        named = len(loc) > 1 and isinstance(loc[-1], str) and not _allowed_keys(loc[:-1])  # a name of the user's
        if named and (elsewhere := _elsewhere(str(loc[-1]), str(loc[-2]))):  # gate: {max_drop: 5}, a level short
            message += f"; {elsewhere}"
        if isinstance(value, bool) and kind in ("string_type", "invalid_key"):
            message += "; YAML reads unquoted yes/no/on/off/true/false as booleans: quote it"
        if isinstance(value, str) and kind == "float_type" and _YAML12_FLOAT.match(value):
            number = repr(float(value))  # 1000.0, 0.01; 1e+300 wants its dot too
            number = number if "e" not in number or "." in number else number.replace("e", ".0e", 1)
            message += f"; YAML 1.1 reads a number with an exponent only with a dot and a sign: write {number}"
        message += _fix(kind, value, loc, error.get("ctx") or {})
    return ConfigError(path, line, dotted, message)


_PERCENT: Final = re.compile(r"^\s*([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%\s*$")
_SYNONYMS: Final = {"mean": "average", "avg": "average", "total": "sum"}
"""A choice's other names (``aggregate_function: mean``), which no spelling of it is close to."""


def _fix(kind: str, value: object, loc: Sequence[str | int], ctx: dict[str, Any]) -> str:
    """What to write instead of a value of the wrong type, when that can be told (``""`` otherwise): a string where a
    section with a ``path`` goes (``dataset: evals/data.jsonl``), a percentage where a number goes, another name or a
    spelling of a choice (``mean``, ``merge_base``)."""
    key = str(loc[-1]) if loc else ""
    if kind == "model_type" and isinstance(value, str) and "path" in _allowed_keys(loc):
        shown = value if re.fullmatch(r"[\w./-]{1,200}", value) else "<the file>"  # as is in YAML, and short
        return f"; write `{key}: {{path: {shown}}}`"
    if kind == "model_type" and type(value) in (int, float) and "min" in _allowed_keys(loc):  # exact: 1, a range
        return f"; write {{min: {value}}} ({value} or more), {{max: {value}}} ({value} or less), or both"
    if kind in ("float_type", "int_type") and isinstance(value, str) and (percent := _PERCENT.match(value)):
        if key.endswith("_pct"):
            return f"; write {percent[1]} ({key} is in percent, without the %)"
        if f"{key}_pct" in _allowed_keys(loc[:-1]):  # max_drop: 5% meant max_drop_pct: 5
            return f"; {key} is in the metric's units: for {percent[1]}% of the baseline write {key}_pct: {percent[1]}"
        return "; write a number, without the % ('5%' is taken by verdict.allow_failed and allow_evaluator_errors)"
    if kind == "enum" and isinstance(value, str):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if value.strip().lower() in _SYNONYMS and _SYNONYMS[value.strip().lower()] in choices:
            return f"; did you mean {_SYNONYMS[value.strip().lower()]!r}?"
        return f"; {hint}" if (hint := did_you_mean(value, choices, slip=True)) else ""
    return ""

"""Large JSON bodies in pieces: read as they arrive, one item of their big array at a time, and written
piece by piece (:class:`JsonBody`).

A run's summary (``datapoints``) and an events export page (``events``) grow with the run. Parsed
whole, their text and the dicts built from it are several times the size of what a caller keeps;
:func:`read_array_items` hands each item of the named top-level array to a callback as soon as it is
complete and builds everything else as usual. Strings are interned (``sys.intern``): the ids repeated
all over such bodies are kept once, and are the very objects the run's own datapoints hold.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any


class NotJson(ValueError):
    """The bytes are not (complete) JSON."""


def json_object(body: Any) -> dict[str, Any]:
    """``body``, a HoneyHive answer, when it is a JSON object, as every route's answer is (the API spec); else a
    ``ValueError`` saying what it is, which the client locates by its route."""
    if isinstance(body, dict):
        return body
    what = "an array" if isinstance(body, list) else "a string" if isinstance(body, str) else json.dumps(body)
    raise ValueError(f"the answer is {what}, not a JSON object")


class _Reader:
    def __init__(self, array_key: str, on_item: Callable[[Any], None]) -> None:
        import ijson  # only where a large body is read: the CLI's start-up does not pay for it

        self._new_builder = ijson.ObjectBuilder
        self.body = ijson.ObjectBuilder()
        self._array_key = array_key
        self._on_item = on_item
        self._depth = 0
        self._key: str | None = None  # the top-level key whose value is being read
        self._in_array = False
        self._item: Any = None  # the ObjectBuilder of the item being read
        self._item_depth = 0

    def event(self, event: str, value: Any) -> None:
        if event == "string":
            value = sys.intern(value)
        opens, closes = event in ("start_map", "start_array"), event in ("end_map", "end_array")
        if self._item is not None:
            self._item.event(event, value)
            self._item_depth += opens - closes
            if self._item_depth == 0:
                self._on_item(self._item.value)
                self._item = None
            return
        if self._in_array:
            if closes:  # the end of the array
                self._in_array = False
            elif opens:
                self._item, self._item_depth = self._new_builder(), 1
                self._item.event(event, value)
                return
            else:
                self._on_item(value)  # a scalar item
                return
        if event == "map_key" and self._depth == 1:
            self._key = value
        self._depth += opens - closes
        if event == "start_array" and self._depth == 2 and self._key == self._array_key:
            self._in_array = True  # the body gets [] here
        self.body.event(event, value)


def read_array_items(chunks: Iterable[bytes], array_key: str, on_item: Callable[[Any], None]) -> dict[str, Any]:
    """Parse the JSON object in ``chunks``; each item of the top-level ``array_key`` array goes to ``on_item``
    (in order) and the returned body has ``[]`` in its place. :class:`NotJson` when it is not JSON, ``ValueError``
    when it is not an object (:func:`json_object`)."""
    import ijson

    reader = _Reader(array_key, on_item)
    events = ijson.sendable_list()
    parser = ijson.basic_parse_coro(events, use_float=True)
    try:
        for chunk in chunks:
            parser.send(chunk)
            for event, value in events:
                reader.event(event, value)
            del events[:]
        parser.close()
    except ijson.JSONError as exc:
        raise NotJson(f"not JSON: {str(exc).splitlines()[0]}") from None
    for event, value in events:
        reader.event(event, value)
    return json_object(getattr(reader.body, "value", None))


class JsonBody(Iterable[bytes]):
    """A JSON request body sent piece by piece, its length known up front (no chunked encoding).

    A run's create and final update carry every datapoint id and every session id: for a large run,
    ``json.dumps`` would hold the text and its bytes at once, at the moment every outcome is alive
    too. Iterable again for each retry.
    """

    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    _piece = 64 * 1024

    def __init__(self, value: Mapping[str, Any]) -> None:
        self.value = dict(value)
        self._length = sum(len(piece) for piece in self)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        pending: list[bytes] = []
        size = 0
        for text in self._encoder.iterencode(self.value):
            data = text.encode()
            pending.append(data)
            size += len(data)
            if size >= self._piece:
                yield b"".join(pending)
                pending.clear()
                size = 0
        if pending:
            yield b"".join(pending)


def at_the_top(event: Mapping[str, Any]) -> bool:
    """Whether an event hangs directly from its session (its parent is the session, or it names none): the
    function's root chain among a datapoint's chain events, for whether the datapoint was recorded
    (:func:`read_scored_page`) and for its outputs (:func:`honeyhive_experiment.models.details.records_from_events`)."""
    return event.get("parent_id") in (None, "", event.get("session_id"))


def read_scored_page(
    chunks: Iterable[bytes], *, sessions: bool = False, errored: bool = False
) -> tuple[list[str], int, int | None]:
    """An export page of ``chain`` events, as it streams in → (the datapoint ids of its root chain events — their
    session ids with ``sessions``, only those whose ``error`` is a non-empty string with ``errored`` —, how many
    events it has, the export's total or ``None``): the ids only, so a large run's events are never held."""
    ids: list[str] = []
    count = 0

    def keep(event: Any) -> None:
        nonlocal count
        count += 1
        if isinstance(event, dict):
            datapoint_id = (event.get("metadata") or {}).get("datapoint_id")
            session_id, error = event.get("session_id"), event.get("error")
            raised = isinstance(error, str) and error.strip() != ""
            if isinstance(datapoint_id, str) and at_the_top(event) and (raised or not errored):
                ids.append(session_id if sessions and isinstance(session_id, str) else datapoint_id)

    body = read_array_items(chunks, "events", keep)
    return ids, count, export_total(body, count)


def export_total(body: Mapping[str, Any], count: int) -> int | None:
    """How many events the whole export matched, of which a page had ``count``: ``totalEvents`` (honeyhive-api.md's),
    else ``count`` (older answers') when more than the page has; ``None`` when neither says (the spec's ``count`` is
    undefined and may be the page's length: then the pages are read until a short one). ``body``: the page's answer,
    an object (:func:`json_object`)."""
    total, older = _whole(body.get("totalEvents")), _whole(body.get("count"))
    return total if total is not None else older if older is not None and older > count else None


def _whole(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None

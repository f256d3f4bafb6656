"""The session and event documents the store keeps: a request body with the service's defaults filled in.

Owns what ``POST /v1/sessions`` (and the legacy ``POST /session/start``) and ``POST /v1/events`` store: ids
generated where the client gave none (a session id that is not a UUID is replaced, as the service does),
names and sources defaulted to ``unknown``, and empty objects rather than nulls; and how an event sent again
merges into the stored one. Pure: no store, no HTTP.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from honeyhive_local import wire

__all__ = ["MERGED_EVENT_FIELDS", "event_document", "merge_resent", "own_run_id", "session_document"]

# event fields that merge key by key on update (honeyhive-api.md §6); ``outputs`` replaces
MERGED_EVENT_FIELDS = ("metadata", "metrics", "feedback", "config", "user_properties")


def session_document(project_id: str, session: wire._SessionFields) -> dict[str, Any]:
    """The session event ``POST /v1/sessions`` and ``POST /session/start`` store.

    A ``session_id`` that is not a UUID is replaced by a new one, as the service does.
    """
    try:
        session_id = str(uuid.UUID(session.session_id)) if session.session_id else None
    except ValueError:
        session_id = None
    session_id = session_id or str(uuid.uuid4())
    event: dict[str, Any] = {
        "event_id": session_id,
        "session_id": session_id,
        "children_ids": list(session.children_ids or []),
        "event_type": "session",
        "event_name": session.event_name or session.session_name or "unknown",
        "source": session.source or "unknown",
        "project_id": project_id,
        "config": session.config or {},
        "inputs": session.inputs or {},
        "outputs": session.outputs or {},
        "error": None,
        "start_time": session.start_time if session.start_time is not None else time.time() * 1000,
        "metadata": session.metadata or {},
        "user_properties": session.user_properties or {},
        "metrics": {},
        "feedback": {},
    }
    # unset optional numbers are left out, not null (the spec's event schemas type them as numbers)
    event.update({k: v for k, v in (("end_time", session.end_time), ("duration", session.duration)) if v is not None})
    return event


def event_document(project_id: str, body: wire.CreateEvent) -> dict[str, Any]:
    """The event ``POST /v1/events`` stores: the body with the service's defaults filled in."""
    event = body.model_dump(exclude_none=True)
    event.setdefault("start_time", time.time() * 1000)
    event["error"] = body.error
    event["event_id"] = body.event_id or str(uuid.uuid4())
    event["session_id"] = body.session_id or str(uuid.uuid4())
    event["parent_id"] = body.parent_id or event["session_id"]
    event["event_name"] = body.event_name or "unknown"
    event["source"] = body.source or "unknown"
    event["project_id"] = project_id
    for name in ("config", "outputs", "metadata", "feedback", "metrics", "user_properties"):
        event[name] = event.get(name) or {}
    event["children_ids"] = event.get("children_ids") or []
    return event


def own_run_id(doc: Mapping[str, Any]) -> str | None:
    """An event's own ``metadata.run_id`` (a non-empty string), or None."""
    metadata = doc.get("metadata")
    run_id = metadata.get("run_id") if isinstance(metadata, Mapping) else None
    return run_id if isinstance(run_id, str) and run_id else None


def merge_resent(doc: dict[str, Any], event: Mapping[str, Any], session_only: bool) -> dict[str, Any]:
    """``event`` sent again, merged onto the stored ``doc`` (``Store.upsert_event``); updates and returns ``doc``."""
    fields = ("metadata", "user_properties") if session_only else (*MERGED_EVENT_FIELDS, "inputs")
    for name in fields:
        if event.get(name):
            doc[name] = {**(doc.get(name) or {}), **event[name]}
    if not session_only:
        if event.get("outputs"):
            doc["outputs"] = event["outputs"]
        for name, value in event.items():
            if doc.get(name) in (None, "", [], {}) and value not in (None, "", [], {}):
                doc[name] = value
    return doc

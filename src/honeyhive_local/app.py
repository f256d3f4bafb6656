"""HTTP routes of the local HoneyHive backend: parse, validate, call the store/results, shape responses.

Reading a request (body, query parameters) is :mod:`honeyhive_local.parse`'s job, the session and event
documents a route stores are built by :mod:`honeyhive_local.documents`; this module authenticates, routes,
and turns results and errors into responses.

Every route needs ``Authorization: Bearer <key>``; each configured key is its own project and never
sees another project's data (unknown or foreign ids are 404). Bad input is a 4xx whose JSON body
says why (``{"error": ..., "status": ...}``) and changes nothing; a 500 is a bug. A client that disconnects
before its body arrived is one warning line in the server's log (``uvicorn.error``), not a traceback.

Limits on what a write may hold (lone surrogates, numbers JSON cannot carry, nesting, body size) are
:mod:`honeyhive_local.jsonvalues`'; a body over ``max_body_bytes`` is a 413. Responses are rendered as
strict JSON; a stored value that cannot be (rows written by older versions) is repaired for the response
by :func:`~honeyhive_local.jsonvalues.presentable`, so reads never fail on what is stored.

Ingestion delay: an event becomes visible to result, metrics, compare and export ``ingest_delay``
seconds after it was received (later updates to it apply at once), so clients' waiting can be tested.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from honeyhive_local import otlp, wire
from honeyhive_local.documents import event_document, session_document
from honeyhive_local.filters import match_all
from honeyhive_local.jsonvalues import DEFAULT_MAX_BODY_BYTES, presentable
from honeyhive_local.parse import (
    ApiError,
    model_body,
    query_aggregate_function,
    query_choice,
    query_date_range,
    query_filters,
    query_int,
    query_list,
)
from honeyhive_local.results import compare, is_metric_value, summarize
from honeyhive_local.store import DatabaseError, NotFound, Replaced, RunQuery, Store, to_record

Handler = Callable[["Call"], Any]

_log = logging.getLogger("uvicorn.error")  # the server's log: LocalBackend's log_level applies to it

RUN_SORT_FIELDS = ("created_at", "updated_at", "name", "status")
RUN_STATUSES = ("pending", "running", "completed", "failed", "cancelled")
_NOT_IN_THE_RUN_OBJECT = frozenset({"datapoint_ids", "session_ids", "passing_ranges", "evaluators"})
"""Fields a run's create and update take that the spec's run object does not have (honeyhive-api.md §2)."""


@dataclass(frozen=True, slots=True)
class Project:
    """What an API key maps to. Ids are derived from the key so they survive restarts."""

    project_id: str
    org_id: str
    workspace_id: str

    @classmethod
    def for_key(cls, key: str) -> Project:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return cls(project_id=digest[:24], org_id=digest[24:48], workspace_id=digest[48:64] + digest[:8])


class Backend:
    """The routes' shared state: the store, the projects and the ingestion delay."""

    def __init__(
        self,
        store: Store,
        api_keys: Iterable[str],
        ingest_delay: float = 0.0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        keys = [k for k in api_keys if k]
        if not keys:
            raise ValueError("the local backend needs at least one API key")
        if max_body_bytes < 1:
            raise ValueError("max_body_bytes must be at least 1")
        self.store = store
        self.projects = {key: Project.for_key(key) for key in keys}
        self.ingest_delay = float(ingest_delay)
        self.max_body_bytes = int(max_body_bytes)

    def project(self, request: Request) -> Project:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(401, "missing bearer token: send 'Authorization: Bearer <api key>'")
        project = self.projects.get(key.strip())
        if project is None:
            raise ApiError(401, "invalid API key")
        return project

    def visible_at(self) -> float:
        return time.time() + self.ingest_delay


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request with its body already read: what a (synchronous) handler gets."""

    request: Request
    body: bytes
    project: Project

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    def path(self, name: str) -> str:
        value: str = self.request.path_params[name]
        return value


# ----------------------------------------------------------------------------- routes


class Routes:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store

    def _run_out(self, project: Project, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The run object as HoneyHive's spec describes it (``ExperimentRunObject``): what create and update took
        but the service's run object lacks stays in the store only, so no client here relies on it."""
        out = {k: v for k, v in doc.items() if k not in _NOT_IN_THE_RUN_OBJECT}
        out["dataset_name"] = None
        if out.get("dataset_id"):
            found = self.store.find_datasets(project.project_id, dataset_id=out["dataset_id"])
            out["dataset_name"] = found[0]["name"] if found else None
        return out

    def _get_run(self, project: Project, run_id: str) -> dict[str, Any]:
        return self.store.get_run(project.project_id, run_id)

    # runs -------------------------------------------------------------------------------------

    def create_run(self, call: Call) -> Any:
        body = model_body(call.body, wire.CreateRun)
        fields = body.changes()
        fields["run_id"] = body.run_id or str(uuid.uuid4())
        fields["name"] = body.name
        if body.dataset_id:
            if body.dataset_id.startswith("EXT-"):
                raise ApiError(
                    400,
                    f"dataset_id {body.dataset_id} is an external dataset id; external datasets are not stored:"
                    " omit dataset_id and put the id in metadata.offline_dataset_id",
                )
            if not self.store.find_datasets(call.project.project_id, dataset_id=body.dataset_id):
                raise ApiError(400, f"dataset_id {body.dataset_id} does not exist in this project")
            fields["dataset_id"] = body.dataset_id
        doc, _ = self.store.create_run(call.project.project_id, fields)
        return {"run_id": doc["run_id"], "evaluation": self._run_out(call.project, doc)}

    def list_runs(self, call: Call) -> Any:
        low, high = query_date_range(call.query)
        query = RunQuery(
            page=query_int(call.query, "page", 1, 1, 1_000_000),
            limit=query_int(call.query, "limit", 20, 1, 100),
            name=call.query.get("name") or None,
            status=query_choice(call.query, "status", RUN_STATUSES, None),
            dataset_id=call.query.get("dataset_id") or None,
            run_ids=tuple(query_list(call.query, "run_ids")),
            created_from=low,
            created_to=high,
            sort_by=query_choice(call.query, "sort_by", RUN_SORT_FIELDS, "created_at") or "created_at",
            sort_order=query_choice(call.query, "sort_order", ("asc", "desc"), "desc") or "desc",
        )
        runs, total, unfiltered = self.store.list_runs(call.project.project_id, query)
        pages = (total + query.limit - 1) // query.limit
        names: dict[str, None] = {}
        for run in runs:
            for name in run.get("passing_ranges") or {}:
                names[name] = None
        return {
            "evaluations": [self._run_out(call.project, r) for r in runs],
            "pagination": {
                "page": query.page,
                "limit": query.limit,
                "total": total,
                "total_unfiltered": unfiltered,
                "total_pages": pages,
                "has_next": query.page < pages,
                "has_prev": query.page > 1,
            },
            "metrics": list(names),
        }

    def get_run(self, call: Call) -> Any:
        doc = self._get_run(call.project, call.path("run_id"))
        return {"evaluation": self._run_out(call.project, doc)}

    def update_run(self, call: Call) -> Any:
        run_id = call.path("run_id")
        body = model_body(call.body, wire.UpdateRun)
        self._get_run(call.project, run_id)  # 404 before anything else
        doc = self.store.update_run(call.project.project_id, run_id, body.changes())
        return {"evaluation": self._run_out(call.project, doc)}

    def delete_run(self, call: Call) -> Any:
        doc = self.store.delete_run(call.project.project_id, call.path("run_id"))
        return {"id": doc["id"], "deleted": True}

    def _records(self, project: Project, run_id: str, filters: list[dict[str, Any]]) -> list[Any]:
        if not filters:  # the fast path: only the fields results need
            return self.store.run_records(project.project_id, run_id, time.time())
        events = self.store.run_events(project.project_id, run_id, time.time())
        return [to_record(e) for e in events if match_all(e, filters)]

    def run_summary(self, call: Call) -> Any:
        run = self._get_run(call.project, call.path("run_id"))
        function, filters = query_aggregate_function(call.query), query_filters(call.query)
        records = self._records(call.project, run["run_id"], filters)
        body = summarize(records, run.get("passing_ranges"), function, run.get("status") or "pending")
        body["run_object"] = self._run_out(call.project, run)
        return body

    def run_metrics(self, call: Call) -> Any:
        run = self._get_run(call.project, call.path("run_id"))
        filters = query_filters(call.query)

        rows = []
        for event in self.store.run_events(call.project.project_id, run["run_id"], time.time()):
            if filters and not match_all(event, filters):
                continue
            values = {k: v for k, v in (event.get("metrics") or {}).items() if is_metric_value(v)}
            if not values:
                continue
            datapoint_id = (event.get("metadata") or {}).get("datapoint_id")
            rows.append(
                {
                    "event_name": event.get("event_name") or "unknown",
                    "event_type": event.get("event_type") or "tool",
                    "session_id": event.get("session_id"),
                    "metadata": {"datapoint_id": datapoint_id} if isinstance(datapoint_id, str) else {},
                    "metrics": values,
                }
            )
        return {"events": rows, "totalEvents": len(rows)}

    def compare_runs(self, call: Call) -> Any:
        new_run = self._get_run(call.project, call.path("new_run_id"))
        old_run = self._get_run(call.project, call.path("old_run_id"))
        function, filters = query_aggregate_function(call.query), query_filters(call.query)

        body = compare(
            self._records(call.project, old_run["run_id"], filters),
            self._records(call.project, new_run["run_id"], filters),
            function,
        )
        body["old_run"] = self._run_out(call.project, old_run)
        body["new_run"] = self._run_out(call.project, new_run)
        return body

    # datasets & datapoints ----------------------------------------------------------------------

    def list_datasets(self, call: Call) -> Any:
        found = self.store.find_datasets(
            call.project.project_id,
            dataset_id=call.query.get("dataset_id") or None,
            name=call.query.get("name") or None,
        )
        return {"datasets": found}

    def create_dataset(self, call: Call) -> Any:
        body = model_body(call.body, wire.CreateDataset)
        missing = [i for i in body.datapoints if not self.store.get_datapoints(call.project.project_id, [i])]
        if missing:
            raise ApiError(400, f"datapoints not found: {', '.join(missing[:10])}")
        doc = self.store.create_dataset(call.project.project_id, body.name, body.description, body.datapoints)
        return {"inserted": True, "result": {"insertedId": doc["id"]}}

    def list_datapoints(self, call: Call) -> Any:
        ids = query_list(call.query, "datapoint_ids")
        dataset_name = call.query.get("dataset_name")
        dataset_id = call.query.get("dataset_id")
        if dataset_name or dataset_id:
            datasets = self.store.find_datasets(
                call.project.project_id, dataset_id=dataset_id or None, name=dataset_name or None
            )
            if not datasets:
                raise ApiError(404, f"dataset {dataset_name or dataset_id!r} not found")
            member_ids = [i for d in datasets for i in d["datapoints"]]
            ids = [i for i in member_ids if i in set(ids)] if ids else member_ids
        elif not ids:
            raise ApiError(400, "give datapoint_ids[], dataset_name or dataset_id")
        return {"datapoints": self.store.get_datapoints(call.project.project_id, ids)}

    def get_datapoint(self, call: Call) -> Any:
        datapoint_id = call.path("datapoint_id")
        found = self.store.get_datapoints(call.project.project_id, [datapoint_id])
        if not found:
            raise ApiError(404, f"datapoint {datapoint_id} not found")
        return {"datapoint": found}

    def create_datapoint(self, call: Call) -> Any:
        body = model_body(call.body, wire.CreateDatapoint)
        try:
            doc = self.store.create_datapoint(call.project.project_id, body.model_dump())
        except NotFound as exc:
            raise ApiError(400, str(exc)) from exc
        # honeyhive-api.md §4 documents insertedId; the spec's CreateDatapointResponse requires insertedIds
        return {"inserted": True, "result": {"insertedId": doc["id"], "insertedIds": [doc["id"]]}}

    # sessions & events -------------------------------------------------------------------------

    def _start_session(self, project: Project, session: wire._SessionFields) -> dict[str, Any]:
        event = session_document(project.project_id, session)
        stored, _ = self.store.upsert_event(project.project_id, event, self.backend.visible_at(), True)
        return {
            **stored,
            "org_id": project.org_id,
            "workspace_id": project.workspace_id,
            "project_id": project.project_id,
        }

    def start_session(self, call: Call) -> Any:
        return self._start_session(call.project, model_body(call.body, wire.StartSession))

    def start_session_legacy(self, call: Call) -> Any:
        body = model_body(call.body, wire.LegacyStartSession)
        return self._start_session(call.project, body.session)

    def _update_event(self, project: Project, event_id: str, body: wire.UpdateEvent) -> Any:
        changes = body.model_dump(exclude_unset=True)
        try:
            self.store.update_event(project.project_id, event_id, changes)
        except NotFound as exc:
            raise ApiError(404, str(exc)) from exc
        return {"success": True, "event_id": event_id}

    def update_event_legacy(self, call: Call) -> Any:
        body = model_body(call.body, wire.LegacyUpdateEvent)
        return self._update_event(call.project, body.event_id, body)

    def update_event(self, call: Call) -> Any:
        body = model_body(call.body, wire.UpdateEvent)
        return self._update_event(call.project, call.path("event_id"), body)

    def create_event(self, call: Call) -> Any:
        event = event_document(call.project.project_id, model_body(call.body, wire.CreateEvent))
        self.store.upsert_event(call.project.project_id, event, self.backend.visible_at())
        return {"success": True, "event_id": event["event_id"]}

    def get_event(self, call: Call) -> Any:
        try:
            return {"event": self.store.get_event(call.project.project_id, call.path("event_id"))}
        except NotFound as exc:
            raise ApiError(404, str(exc)) from exc

    def export_events(self, call: Call) -> Any:
        body = model_body(call.body, wire.ExportEvents)
        filters = [f.model_dump() for f in body.filters]
        run_id = body.evaluation_id
        for f in filters:
            if f["field"] == "metadata.run_id" and f["operator"] == "is" and isinstance(f["value"], str):
                run_id = run_id or f["value"]

        start = (body.page - 1) * body.limit
        page, total = [], 0
        for event in self.store.events(call.project.project_id, time.time(), run_id):  # one at a time: a page is kept
            if not match_all(event, filters):
                continue
            if start <= total < start + body.limit:
                page.append({k: event.get(k) for k in body.projections if k in event} if body.projections else event)
            total += 1
        return {"events": page, "totalEvents": total, "count": total}

    def ingest_traces(self, call: Call) -> Response:
        content_type = call.request.headers.get("content-type", "application/x-protobuf")
        try:
            decoded = otlp.decode(call.body, content_type)
        except otlp.OtlpDecodeError as exc:
            raise ApiError(400, str(exc)) from exc
        for event in decoded.events:
            event["project_id"] = call.project.project_id

        self.store.upsert_events(call.project.project_id, decoded.events, self.backend.visible_at())
        if decoded.dropped:
            self.store.bump(call.project.project_id, "dropped_spans", decoded.dropped)
        payload, media_type = otlp.encode_response(decoded.dropped, content_type)
        return Response(payload, media_type=media_type)

    def stats(self, call: Call) -> Any:
        return {"project_id": call.project.project_id, "counters": self.store.counters(call.project.project_id)}


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    too_large = f"request body is larger than the limit of {limit} bytes (max_body_bytes)"
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, too_large)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, too_large)
        chunks.append(chunk)
    return b"".join(chunks)


_LASTING = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY")
"""SQLite's errors no retry mends (its error names start so): answered 507."""

INLINE_BODY_BYTES = 64 * 1024
"""A write of one document (a session, an event update, one datapoint's export) is run in the event loop's thread:
it takes well under a millisecond, less than the hop to a worker thread and back costs (issue 19). Bodies larger
than this, and the routes that read a whole run, go to a worker thread so a big one does not hold up the loop."""


def _endpoint(backend: Backend, handler: Handler, inline: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            backend.store.check()  # before anything is written to a file no one will read again, or read from it
            project = backend.project(request)
            call = Call(request, await _body(request, backend.max_body_bytes), project)
            if inline and len(call.body) <= INLINE_BODY_BYTES:
                return _respond(handler, call)
            return await run_in_threadpool(_respond, handler, call)
        except ApiError as exc:
            return _error(exc.status, exc.message)
        except NotFound as exc:
            return _error(404, str(exc))
        except ClientDisconnect:  # gone before its body arrived: nothing was done, and there is no one to answer
            _log.warning("client disconnected before sending the whole body of %s %s", request.method, request.url.path)
            return _error(400, "client disconnected before sending the whole body")
        except DatabaseError as exc:  # the file's trouble (full, locked, read-only): SQLite's words, no traceback
            replaced = isinstance(exc, Replaced)
            problem = str(exc) if replaced else f"{type(exc).__name__} from the database {backend.store.path}: {exc}"
            _log.warning("%s %s: %s", request.method, request.url.path, problem)
            # a full disk, a write the file system refused (SQLITE_IOERR: EFBIG past a file size limit, EIO), a
            # read-only file or mount, a file removed: no retry helps, so 507, which a client does not retry; the rest
            # (busy, locked) may pass: 500
            lasting = replaced or str(getattr(exc, "sqlite_errorname", "")).startswith(_LASTING)
            return _error(507 if lasting else 500, problem if replaced else f"internal error: {problem}")

    return endpoint


def _respond(handler: Handler, call: Call) -> Response:
    """Run a handler and render its result, both in the same thread."""
    result = handler(call)
    return result if isinstance(result, Response) else _json_response(result)


def render_json(content: Any) -> bytes:
    """Strict JSON (UTF-8, finite numbers); what cannot be rendered so is repaired first (older rows)."""
    try:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeEncodeError (a lone surrogate) is a ValueError
        text = json.dumps(presentable(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")


def _json_response(content: Any, status: int = 200) -> Response:
    return Response(render_json(content), status_code=status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json_response({"error": message, "status": status}, status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(exc.status_code, exc.detail or "error")


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error(500, f"internal error: {type(exc).__name__}")


def create_app(
    store: Store, api_keys: Iterable[str], ingest_delay: float = 0.0, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> Starlette:
    backend = Backend(store, api_keys, ingest_delay, max_body_bytes)
    routes = Routes(backend)

    def route(path: str, handler: Handler, method: str, inline: bool = False) -> Route:
        return Route(path, _endpoint(backend, handler, inline), methods=[method])

    table = [
        # every datapoint's three requests first: a request is matched against the routes in turn (issue 19)
        route("/v1/sessions", routes.start_session, "POST", inline=True),
        route("/opentelemetry/v1/traces", routes.ingest_traces, "POST", inline=True),
        route("/v1/events/{event_id}", routes.update_event, "PUT", inline=True),
        route("/v1/runs", routes.create_run, "POST"),
        route("/v1/runs", routes.list_runs, "GET"),
        route("/v1/runs/{run_id}", routes.get_run, "GET"),
        route("/v1/runs/{run_id}", routes.update_run, "PUT"),
        route("/v1/runs/{run_id}", routes.delete_run, "DELETE"),
        route("/v1/runs/{run_id}/result", routes.run_summary, "GET"),
        route("/v1/runs/{run_id}/summary", routes.run_summary, "GET"),
        route("/v1/runs/{run_id}/metrics", routes.run_metrics, "GET"),
        route("/v1/runs/{new_run_id}/compare/{old_run_id}", routes.compare_runs, "GET"),
        route("/v1/runs/{new_run_id}/compare-with/{old_run_id}", routes.compare_runs, "GET"),
        route("/v1/datasets", routes.list_datasets, "GET"),
        route("/v1/datasets", routes.create_dataset, "POST"),
        route("/v1/datapoints", routes.list_datapoints, "GET"),
        route("/v1/datapoints", routes.create_datapoint, "POST"),
        route("/v1/datapoints/{datapoint_id}", routes.get_datapoint, "GET"),
        route("/session/start", routes.start_session_legacy, "POST", inline=True),
        route("/events", routes.update_event_legacy, "PUT", inline=True),
        route("/v1/events", routes.create_event, "POST", inline=True),
        route("/v1/events/export", routes.export_events, "POST"),
        route("/v1/events/{event_id}", routes.get_event, "GET"),
        route("/_local/stats", routes.stats, "GET"),
    ]
    return Starlette(
        routes=table,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )

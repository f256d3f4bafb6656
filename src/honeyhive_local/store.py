"""SQLite persistence for the local backend; the only module with SQL.

One connection in WAL mode, shared by all request threads behind a lock: SQLite serialises writers
anyway, every statement here takes well under a millisecond, and one connection is the only way a
``:memory:`` database can be shared between threads. Each write is its own transaction, committed
before the HTTP response goes out, so an acknowledged write survives a restart of the process
(``synchronous=NORMAL`` in WAL mode is durable against process crashes; only a power loss can take
the last transactions).

Several processes may share one file (two backends on one database): every write is a ``BEGIN IMMEDIATE``
transaction, so SQLite's own write lock serialises them, and whatever orders rows (a run's ``seq``) is
taken from the database inside that transaction, never from a counter in this process.

Every method takes the ``project_id`` the caller's API key maps to; no query crosses projects.
Documents (runs, datapoints, events) are stored as JSON next to the few columns that are filtered on.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from honeyhive_local.documents import MERGED_EVENT_FIELDS, merge_resent, own_run_id
from honeyhive_local.results import EventRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    project_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    name TEXT,
    status TEXT NOT NULL,
    dataset_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (project_id, run_id)
);
CREATE INDEX IF NOT EXISTS runs_by_seq ON runs (seq);
CREATE TABLE IF NOT EXISTS datasets (
    project_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE TABLE IF NOT EXISTS dataset_datapoints (
    project_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    datapoint_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (project_id, dataset_id, datapoint_id)
);
-- a new member's position is MAX(position) + 1: one seek here, not a scan of the dataset (and members in order)
CREATE INDEX IF NOT EXISTS dataset_datapoints_by_position ON dataset_datapoints (project_id, dataset_id, position);
CREATE TABLE IF NOT EXISTS datapoints (
    project_id TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    run_id TEXT,
    visible_at REAL NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (project_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_by_run_seq ON events (project_id, run_id, seq);
DROP INDEX IF EXISTS events_by_session;
CREATE INDEX IF NOT EXISTS events_by_session_run ON events (project_id, session_id, run_id);
CREATE TABLE IF NOT EXISTS counters (
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (project_id, name)
);
"""

SCALAR_EVENT_FIELDS = ("duration", "end_time")
EVENT_BATCH = 500  # events per transaction of one OTLP export


class NotFound(LookupError):
    """The id does not exist in the caller's project."""


DatabaseError = sqlite3.Error
"""What the store raises when its file refuses (full, locked, read-only), in SQLite's words."""


class Replaced(sqlite3.DatabaseError):
    """The store's path no longer names the database it opened (removed, or another file put there): SQLite goes on
    writing to the file it holds open, which is gone when the store closes."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_object_id() -> str:
    """A 24-hex id shaped like HoneyHive's Mongo ids: 4 bytes of time, 8 random."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class RunQuery:
    """Filters and paging of ``GET /v1/runs``, already validated."""

    page: int = 1
    limit: int = 20
    name: str | None = None
    status: str | None = None
    dataset_id: str | None = None
    run_ids: tuple[str, ...] = ()
    created_from: str | None = None
    created_to: str | None = None
    sort_by: str = "created_at"
    sort_order: str = "desc"


class Store:
    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)
        self._file = os.path.abspath(path) if path not in ("", ":memory:") else None  # SQLite's temporary ones: none
        self._opened = _identity(self._file) if self._file is not None else None

    def replaced(self) -> bool:
        """Whether the store's path no longer names the database it opened (:class:`Replaced`)."""
        return self._file is not None and _identity(self._file) != self._opened

    def check(self) -> None:
        """Raises :class:`Replaced` when the store's path no longer names the database it opened."""
        if self.replaced():
            raise Replaced(
                f"the database {self.path} was removed or replaced while the backend ran: what it recorded is not kept"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # ------------------------------------------------------------------ runs

    def create_run(self, project_id: str, fields: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Insert a run; a ``run_id`` that already exists returns that run unchanged (idempotent retry).

        Returns the run document and whether it was created.
        """
        run_id = fields["run_id"]
        with self._tx() as db:
            existing = db.execute(
                "SELECT doc FROM runs WHERE project_id=? AND run_id=?", (project_id, run_id)
            ).fetchone()
            if existing is not None:
                return _loads(existing["doc"]), False
            stamp = now_iso()
            doc = {
                "id": new_object_id(),
                "run_id": run_id,
                "name": fields.get("name"),
                "description": fields.get("description"),
                "status": fields.get("status") or "pending",
                "metadata": fields.get("metadata") or {},
                "results": fields.get("results") or {},
                "configuration": fields.get("configuration") or {},
                "event_ids": list(fields.get("event_ids") or []),
                "session_ids": list(fields.get("session_ids") or []),
                "datapoint_ids": list(fields.get("datapoint_ids") or []),
                "evaluators": list(fields.get("evaluators") or []),
                "passing_ranges": fields.get("passing_ranges") or {},
                "dataset_id": fields.get("dataset_id"),
                "is_active": True,
                "created_at": stamp,
                "updated_at": stamp,
                "scope_type": "project",
                "scope_id": project_id,
            }
            # from the database inside the write transaction: unique even with two processes on one file
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM runs").fetchone()[0]
            db.execute(
                "INSERT INTO runs (project_id, run_id, name, status, dataset_id, created_at, updated_at, seq, doc)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    project_id,
                    run_id,
                    doc["name"],
                    doc["status"],
                    doc["dataset_id"],
                    stamp,
                    stamp,
                    seq,
                    json.dumps(doc),
                ),
            )
            return doc, True

    def get_run(self, project_id: str, run_id: str) -> dict[str, Any]:
        rows = self._read("SELECT doc FROM runs WHERE project_id=? AND run_id=?", (project_id, run_id))
        if not rows:
            raise NotFound(f"run {run_id} not found")
        doc: dict[str, Any] = _loads(rows[0]["doc"], run_id=run_id)
        return doc

    def update_run(self, project_id: str, run_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Set the given fields; ``metadata`` and the other objects are replaced, not merged."""
        with self._tx() as db:
            row = db.execute("SELECT doc FROM runs WHERE project_id=? AND run_id=?", (project_id, run_id)).fetchone()
            if row is None:
                raise NotFound(f"run {run_id} not found")
            doc = _loads(row["doc"])
            doc.update(fields)
            doc["updated_at"] = now_iso()
            db.execute(
                "UPDATE runs SET name=?, status=?, updated_at=?, doc=? WHERE project_id=? AND run_id=?",
                (
                    doc.get("name"),
                    doc.get("status") or "pending",
                    doc["updated_at"],
                    json.dumps(doc),
                    project_id,
                    run_id,
                ),
            )
            return dict(doc)

    def delete_run(self, project_id: str, run_id: str) -> dict[str, Any]:
        with self._tx() as db:
            row = db.execute("SELECT doc FROM runs WHERE project_id=? AND run_id=?", (project_id, run_id)).fetchone()
            if row is None:
                raise NotFound(f"run {run_id} not found")
            db.execute("DELETE FROM runs WHERE project_id=? AND run_id=?", (project_id, run_id))
            doc: dict[str, Any] = _loads(row["doc"])
            return doc

    def list_runs(self, project_id: str, query: RunQuery) -> tuple[list[dict[str, Any]], int, int]:
        """One page of runs, the filtered total and the unfiltered total."""
        where = ["project_id=?"]
        params: list[Any] = [project_id]
        if query.name:
            where.append("instr(name, ?) > 0")
            params.append(query.name)
        if query.status:
            where.append("status=?")
            params.append(query.status)
        if query.dataset_id:
            where.append("dataset_id=?")
            params.append(query.dataset_id)
        if query.run_ids:
            where.append(f"run_id IN ({','.join('?' * len(query.run_ids))})")
            params.extend(query.run_ids)
        if query.created_from:
            where.append("created_at >= ?")
            params.append(query.created_from)
        if query.created_to:
            where.append("created_at <= ?")
            params.append(query.created_to)
        clause = " AND ".join(where)
        order = "DESC" if query.sort_order == "desc" else "ASC"
        column = {"created_at": "seq", "updated_at": "updated_at", "name": "name", "status": "status"}[query.sort_by]
        offset = (query.page - 1) * query.limit
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM runs WHERE {clause}", params).fetchone()[0]  # noqa: S608
            unfiltered = self._db.execute("SELECT COUNT(*) FROM runs WHERE project_id=?", (project_id,)).fetchone()[0]
            rows = self._db.execute(
                f"SELECT doc FROM runs WHERE {clause} ORDER BY {column} {order}, seq {order} LIMIT ? OFFSET ?",  # noqa: S608
                [*params, query.limit, offset],
            ).fetchall()
        return [_loads(r["doc"]) for r in rows], int(total), int(unfiltered)

    # -------------------------------------------------------- datasets & datapoints

    def create_dataset(
        self, project_id: str, name: str, description: str | None, datapoint_ids: Sequence[str] = ()
    ) -> dict[str, Any]:
        dataset_id = new_object_id()
        stamp = now_iso()
        with self._tx() as db:
            db.execute(
                "INSERT INTO datasets (project_id, id, name, description, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                (project_id, dataset_id, name, description, stamp, stamp),
            )
            for position, datapoint_id in enumerate(datapoint_ids):
                db.execute(
                    "INSERT OR IGNORE INTO dataset_datapoints VALUES (?,?,?,?)",
                    (project_id, dataset_id, datapoint_id, position),
                )
        return self.get_dataset(project_id, dataset_id)

    def _dataset_doc(self, row: sqlite3.Row) -> dict[str, Any]:
        ids = self._db.execute(
            "SELECT datapoint_id FROM dataset_datapoints WHERE project_id=? AND dataset_id=? ORDER BY position",
            (row["project_id"], row["id"]),
        ).fetchall()
        return {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "datapoints": [r[0] for r in ids],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }

    def get_dataset(self, project_id: str, dataset_id: str) -> dict[str, Any]:
        found = self.find_datasets(project_id, dataset_id=dataset_id)
        if not found:
            raise NotFound(f"dataset {dataset_id} not found")
        return found[0]

    def find_datasets(
        self, project_id: str, dataset_id: str | None = None, name: str | None = None
    ) -> list[dict[str, Any]]:
        where, params = ["project_id=?"], [project_id]
        if dataset_id is not None:
            where.append("id=?")
            params.append(dataset_id)
        if name is not None:
            where.append("name=?")
            params.append(name)
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM datasets WHERE {' AND '.join(where)} ORDER BY created_at, id",  # noqa: S608
                params,
            ).fetchall()
            return [self._dataset_doc(r) for r in rows]

    def create_datapoint(self, project_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        linked = list(fields.get("linked_datasets") or [])
        datapoint_id = new_object_id()
        stamp = now_iso()
        doc = {
            "id": datapoint_id,
            "inputs": fields.get("inputs") or {},
            "history": list(fields.get("history") or []),
            "ground_truth": fields.get("ground_truth"),
            "metadata": fields.get("metadata"),
            "linked_event": fields.get("linked_event"),
            "linked_datasets": linked,
            "created_at": stamp,
            "updated_at": stamp,
        }
        with self._tx() as db:
            for dataset_id in linked:
                if (
                    db.execute(
                        "SELECT 1 FROM datasets WHERE project_id=? AND id=?", (project_id, dataset_id)
                    ).fetchone()
                    is None
                ):
                    raise NotFound(f"linked dataset {dataset_id} not found")
            db.execute("INSERT INTO datapoints VALUES (?,?,?)", (project_id, datapoint_id, json.dumps(doc)))
            for dataset_id in linked:
                position = db.execute(
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM dataset_datapoints"
                    " WHERE project_id=? AND dataset_id=?",
                    (project_id, dataset_id),
                ).fetchone()[0]
                db.execute(
                    "INSERT OR IGNORE INTO dataset_datapoints VALUES (?,?,?,?)",
                    (project_id, dataset_id, datapoint_id, position),
                )
                db.execute(
                    "UPDATE datasets SET updated_at=? WHERE project_id=? AND id=?", (stamp, project_id, dataset_id)
                )
        return doc

    def get_datapoints(self, project_id: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The datapoints with these ids, in the order asked; unknown ids are left out."""
        if not ids:
            return []
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, doc FROM datapoints WHERE project_id=? AND id IN ({','.join('?' * len(ids))})",  # noqa: S608
                [project_id, *ids],
            ).fetchall()
        by_id = {r["id"]: _loads(r["doc"]) for r in rows}
        return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]

    # ---------------------------------------------------------------- events

    def upsert_event(
        self, project_id: str, event: Mapping[str, Any], visible_at: float, merge_session_fields: bool = False
    ) -> tuple[dict[str, Any], bool]:
        """Insert an event, or merge it into the stored one with the same ``event_id``.

        Resending an event (an exporter retry, a repeated session start) never duplicates it: dict
        fields merge key by key, ``outputs`` is replaced when the new one is non-empty, other fields
        fill in only what is missing. With ``merge_session_fields`` only metadata and user_properties
        merge (``POST /v1/sessions`` on an existing ``session_id``). Returns the stored event and
        whether it was new.
        """
        with self._tx() as db:
            return self._upsert_batch(db, project_id, [event], visible_at, merge_session_fields)[event["event_id"]]

    def upsert_events(
        self, project_id: str, events: Sequence[Mapping[str, Any]], visible_at: float, batch: int = EVENT_BATCH
    ) -> int:
        """Upsert many events (one OTLP export) in transactions of ``batch`` events: the lock is held per batch, so
        a big export does not stall other clients, and each batch is a fixed number of statements (linear ingest).
        Upserts are idempotent: retrying an export interrupted between batches converges on the same events."""
        for start in range(0, len(events), batch):
            with self._tx() as db:
                self._upsert_batch(db, project_id, events[start : start + batch], visible_at)
        return len(events)

    def _upsert_batch(
        self,
        db: sqlite3.Connection,
        project_id: str,
        events: Sequence[Mapping[str, Any]],
        visible_at: float,
        session_only: bool = False,
    ) -> dict[str, tuple[dict[str, Any], bool]]:
        """:meth:`upsert_event` for many events in a fixed number of statements (not per event).

        Returns each event's stored document and whether it was new, by ``event_id``.
        """
        incoming: dict[str, dict[str, Any]] = {}  # an event sent twice in the batch merges, as it would in turn
        for event in events:
            known = incoming.get(event["event_id"])
            incoming[event["event_id"]] = dict(event) if known is None else merge_resent(known, event, session_only)
        marks = ",".join("?" * len(incoming))
        stored = {
            row["event_id"]: row
            for row in db.execute(
                f"SELECT event_id, run_id, doc FROM events WHERE project_id=? AND event_id IN ({marks})",  # noqa: S608
                [project_id, *incoming],
            )
        }
        docs = {
            event_id: merge_resent(_loads(stored[event_id]["doc"]), event, session_only)
            if event_id in stored
            else event
            for event_id, event in incoming.items()
        }
        # a session's run: what the database knows, else the first run id an event of the batch carries
        sessions = list(dict.fromkeys(doc["session_id"] for doc in docs.values()))
        # one index seek per session (a GROUP BY would scan every stored event of the session: quadratic)
        session_run: dict[str, str] = {
            session_id: run_id
            for session_id, run_id in db.execute(
                "SELECT s.value, (SELECT run_id FROM events WHERE project_id=? AND session_id=s.value"
                " AND run_id IS NOT NULL ORDER BY run_id LIMIT 1) FROM json_each(?) AS s",
                (project_id, json.dumps(sessions)),
            )
            if run_id is not None
        }
        for doc in docs.values():
            own = own_run_id(doc)
            if own is not None:
                session_run.setdefault(doc["session_id"], own)
        inserts, updates = [], []
        for event_id, doc in docs.items():
            row = stored.get(event_id)
            run_id = (row["run_id"] if row else None) or own_run_id(doc) or session_run.get(doc["session_id"])
            if row is None:
                inserts.append((project_id, event_id, doc["session_id"], run_id, visible_at, json.dumps(doc)))
            else:
                updates.append((run_id, json.dumps(doc), project_id, event_id))
        db.executemany(
            "INSERT INTO events (project_id, event_id, session_id, run_id, visible_at, doc) VALUES (?,?,?,?,?,?)",
            inserts,
        )
        db.executemany("UPDATE events SET run_id=?, doc=? WHERE project_id=? AND event_id=?", updates)
        # events of these sessions stored before they knew their run
        db.executemany(
            "UPDATE events SET run_id=? WHERE project_id=? AND session_id=? AND run_id IS NULL",
            [(run_id, project_id, session_id) for session_id, run_id in session_run.items()],
        )
        return {event_id: (doc, event_id not in stored) for event_id, doc in docs.items()}

    def update_event(self, project_id: str, event_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``PUT /events``: dict fields merge, ``outputs`` replaces (``None`` keeps), scalars set."""
        with self._tx() as db:
            row = db.execute(
                "SELECT doc FROM events WHERE project_id=? AND event_id=?", (project_id, event_id)
            ).fetchone()
            if row is None:
                raise NotFound(f"event {event_id} not found")
            doc = _loads(row["doc"])
            for name in MERGED_EVENT_FIELDS:
                if changes.get(name) is not None:
                    doc[name] = {**(doc.get(name) or {}), **changes[name]}
            if changes.get("outputs") is not None:
                doc["outputs"] = changes["outputs"]
            for name in SCALAR_EVENT_FIELDS:
                if changes.get(name) is not None:
                    doc[name] = changes[name]
            if changes.get("children_ids"):
                doc["children_ids"] = list(changes["children_ids"])
            db.execute(
                "UPDATE events SET doc=? WHERE project_id=? AND event_id=?", (json.dumps(doc), project_id, event_id)
            )
            return dict(doc)

    def get_event(self, project_id: str, event_id: str) -> dict[str, Any]:
        rows = self._read("SELECT doc FROM events WHERE project_id=? AND event_id=?", (project_id, event_id))
        if not rows:
            raise NotFound(f"event {event_id} not found")
        doc: dict[str, Any] = _loads(rows[0]["doc"])
        return doc

    def run_events(self, project_id: str, run_id: str, now: float) -> Iterator[dict[str, Any]]:
        """Every visible event of the run's sessions, in the order they were first stored, each parsed as it is
        taken: a caller that keeps a page of them holds that page, not the run (a run's events parsed are
        ~5 kB each, ~200 MB for 20,000 datapoints)."""
        rows = self._read(
            "SELECT doc FROM events WHERE project_id=? AND run_id=? AND visible_at<=? ORDER BY seq",
            (project_id, run_id, now),
        )
        rows.reverse()
        while rows:
            yield _loads(rows.pop()["doc"])  # the text goes as its document comes

    def run_records(self, project_id: str, run_id: str, now: float) -> list[EventRecord]:
        """The run's visible events reduced to what results need, extracted in SQL (no full-document parse);
        rows json_extract cannot return as text (a lone surrogate, from older versions) parse whole documents."""
        try:
            return self._run_records(project_id, run_id, now)
        except sqlite3.OperationalError:
            return [to_record(e) for e in self.run_events(project_id, run_id, now)]

    def _run_records(self, project_id: str, run_id: str, now: float) -> list[EventRecord]:
        rows = self._read(
            "SELECT event_id, session_id, json_extract(doc, '$.event_type'), json_extract(doc, '$.event_name'),"
            " json_extract(doc, '$.metadata.datapoint_id'), json_extract(doc, '$.parent_id'),"
            " json_extract(doc, '$.error'), json_extract(doc, '$.metrics'), json_extract(doc, '$.metadata.trial')"
            " FROM events WHERE project_id=? AND run_id=? AND visible_at<=? ORDER BY seq",
            (project_id, run_id, now),
        )
        loads = _loads
        return [
            EventRecord(
                event_id,
                session_id,
                event_type or "tool",
                event_name or "unknown",
                datapoint_id if isinstance(datapoint_id, str) and datapoint_id else None,
                parent_id,
                error,
                loads(metrics) if metrics and metrics != "{}" else {},
                _trial(trial),
            )
            for event_id, session_id, event_type, event_name, datapoint_id, parent_id, error, metrics, trial in rows
        ]

    def events(self, project_id: str, now: float, run_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Visible events of the project (of one run if given), oldest first."""
        if run_id is not None:
            yield from self.run_events(project_id, run_id, now)
            return
        rows = self._read("SELECT doc FROM events WHERE project_id=? AND visible_at<=? ORDER BY seq", (project_id, now))
        for r in rows:
            yield _loads(r["doc"])

    # -------------------------------------------------------------- counters

    def bump(self, project_id: str, name: str, by: int) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO counters VALUES (?,?,?) ON CONFLICT (project_id, name) DO UPDATE SET value=value+?",
                (project_id, name, by, by),
            )

    def counters(self, project_id: str) -> dict[str, int]:
        rows = self._read("SELECT name, value FROM counters WHERE project_id=?", (project_id,))
        return {r["name"]: int(r["value"]) for r in rows}


def _identity(path: str) -> tuple[int, int] | None:
    """Which file ``path`` names (its device and inode); ``None`` when it names none."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def _loads(text: str, **known: Any) -> Any:
    """A stored document; one nested too deeply for this interpreter to parse (older versions could store
    such) reads as the ``known`` fields and an ``error`` that says so, so no read fails on it."""
    try:
        return json.loads(text)
    except RecursionError:
        return {**known, "error": "stored document is nested too deeply to read"}


def _trial(value: Any) -> int | None:
    """A session's ``metadata.trial``: a whole number, else none."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_record(event: Mapping[str, Any]) -> EventRecord:
    metadata = event.get("metadata") or {}
    datapoint_id = metadata.get("datapoint_id")
    return EventRecord(
        event_id=event.get("event_id") or "",
        session_id=event.get("session_id") or "",
        event_type=event.get("event_type") or "tool",
        event_name=event.get("event_name") or "unknown",
        datapoint_id=datapoint_id if isinstance(datapoint_id, str) and datapoint_id else None,
        parent_id=event.get("parent_id"),
        error=event.get("error"),
        metrics=event.get("metrics") or {},
        trial=_trial(metadata.get("trial")),
    )

"""Which backend a run talks to: HoneyHive when there is an API key, else the embedded local backend.

The one place that decides it, for the command line (:func:`honeyhive_experiment.operations.connect`) and the
Python API (:func:`honeyhive_experiment.evaluate`), and the only module that imports ``honeyhive_local``:

    an API key (given, else HH_API_KEY / HONEYHIVE_API_KEY)   HoneyHive at the server URL
    no key                                                    ``honeyhive_local`` on a loopback port, its data in
                                                              ``local_db`` (the CLI: .honeyhive/local.db, so dry
                                                              runs compare with each other) or in memory (the
                                                              Python API's default: gone when the block ends)

Either way the caller gets a :class:`~honeyhive_experiment.client.HoneyHiveClient`; the embedded backend is
stopped when the block ends. Choosing it is logged as a warning that says where its data is.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from honeyhive_experiment.cancellation import signals_to_main_thread
from honeyhive_experiment.checkout import ignored
from honeyhive_experiment.client import HoneyHiveClient
from honeyhive_experiment.connection import API_KEY_VARIABLES, find_api_key
from honeyhive_experiment.errors import ExperimentError
from honeyhive_experiment.gha import cannot_write
from honeyhive_experiment.paths import LOCAL_DB_FILES, ThroughALink, folder_beneath, look_in, not_a_file

__all__ = ["IN_MEMORY", "connect", "kept"]

log = logging.getLogger("honeyhive_experiment")

IN_MEMORY = ":memory:"
"""``local_db`` for an embedded backend whose data lives only as long as the block (SQLite's name for it)."""
_embedded: weakref.WeakKeyDictionary[HoneyHiveClient, Callable[[], None]] = weakref.WeakKeyDictionary()  # kept's


@contextmanager
def connect(
    server_url: str | None,
    api_key: str | None,
    *,
    local_db: str | os.PathLike[str] = IN_MEMORY,
    environ: Mapping[str, str] | None = None,
    create: bool = True,
    shown_db: str | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Iterator[HoneyHiveClient]:
    """The client the module docstring describes: the key is ``api_key``, else found in ``environ`` (the process
    environment when ``None``); ``local_db`` is a SQLite file, created with its folder, or :data:`IN_MEMORY`.
    Without ``create`` (a command that only reads) a ``local_db`` that does not exist is not made: an empty
    in-memory backend answers instead, with no runs. ``shown_db`` is how the warning and a folder it cannot make
    name ``local_db`` (the action's: from the workspace, not the runner's absolute path); ``local_db`` itself when not
    given. ``root``: the folder below which no folder on the way to ``local_db`` may be a symbolic link (the command's
    working directory); ``local_db``'s own folder when not given. The database and SQLite's files beside it are never
    links (:func:`_hold`).

    Raises :class:`~honeyhive_experiment.errors.ArgumentError` naming ``server_url`` when it is not an http(s)
    URL (with a key), :class:`~honeyhive_experiment.errors.ExperimentError` naming ``local_db`` when it is not a
    database SQLite can open, or would be opened through a symbolic link."""
    key = find_api_key(api_key, environ)
    if key:
        with HoneyHiveClient(server_url, key, environ=environ) as client:
            yield client
        return
    from honeyhive_local import LocalBackend

    shown = shown_db or os.fspath(local_db)
    if str(local_db) == IN_MEMORY:
        where = "in memory, gone when the run is over (pass local_db=PATH to keep it)"
    elif not create and not os.path.lexists(local_db):  # nothing recorded there yet: nothing to read, nothing made
        where, local_db = f"in {shown}, which no run has made yet", IN_MEMORY
    else:
        _hold(Path(local_db), Path(root) if root is not None else Path(local_db).parent, shown, make=create)
        # said in a git work tree that does not ignore it: a database committed by mistake is seldom wanted
        where = f"in {shown}" + (" (add it to .gitignore)" if ignored(Path(local_db)) is False else "")
    log.warning(
        "no HoneyHive API key (%s): using the embedded local backend, its data %s", " / ".join(API_KEY_VARIABLES), where
    )
    try:
        # what its server would log (a request its database refused) its answer tells the client, which says it
        backend = LocalBackend(str(local_db), log_level="error")
    except sqlite3.Error as exc:
        if Path(local_db).is_dir() or exc.sqlite_errorname.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
            advice = "it is no database (or a damaged one): move it away, and a new one is made"
        elif exc.sqlite_errorname == "SQLITE_ERROR":  # its tables are not the backend's ("no such column: seq")
            advice = (
                "it is a SQLite database, but not this tool's (another program's?): move it away, and a new one is made"
            )
        else:  # a database it cannot use now: moved away, every local run (the local baselines) would be lost
            advice = (
                "check that it and its folder can be written (a read-only mount?), that its disk has room and that"
                " no other process holds it locked; the runs in it are kept"
            )
        raise ExperimentError(f"the embedded backend cannot open it ({exc}): {advice}", file=str(local_db)) from None

    def check() -> None:  # as the client closes, and for kept: a change after the last request, which none refused
        if backend.store.replaced():
            raise ExperimentError(
                "it was removed or replaced while the run ran: what it recorded is not kept", file=shown
            )

    try:  # stopped also when it does not start, or Ctrl-C comes while it starts
        with signals_to_main_thread():  # its server's threads leave the command's SIGTERM/SIGINT to the main thread
            backend.start()
        with HoneyHiveClient(backend.url, backend.api_key) as client:
            _embedded[client] = check
            yield client
        check()
    finally:
        backend.stop()


def kept(client: HoneyHiveClient) -> None:
    """Raises the :class:`~honeyhive_experiment.errors.ExperimentError` :func:`connect` raises as it ends when
    ``client`` is the embedded backend's and its database was removed or replaced since it opened it (its requests are
    refused from then on, but none may come: a change after the last one): asked before a verdict is shown, which the
    run would then take back. Nothing for HoneyHive's client."""
    if (check := _embedded.get(client)) is not None:
        check()


def _hold(local_db: Path, root: Path, shown: str, *, make: bool) -> None:
    """``local_db``'s folder opened through no symbolic link below ``root`` (made if missing, with ``make``), and the
    database and SQLite's files beside it (:data:`~honeyhive_experiment.paths.LOCAL_DB_FILES`) looked at there, just
    before SQLite opens them: it opens them by their path, so a link in their place (``.honeyhive`` or ``local.db``,
    made after the checks before the run: by a package ``install`` builds) had it write wherever the link points.
    In WAL mode its files stay open from then on, whatever the path comes to name. Raises ExperimentError naming the
    link (as ``shown`` names ``local_db``), a file that is no file (a named pipe: reading it waits for ever), or why
    the folder cannot be made."""
    base = local_db.absolute().parent  # how a path beside or above local_db is named: as shown names local_db

    def named(path: Path) -> str:
        return os.path.normpath(os.path.join(os.path.dirname(shown), os.path.relpath(path, base)))

    try:
        with folder_beneath(root, local_db, make=make) as (folder, name):
            for suffix in LOCAL_DB_FILES:
                found = look_in(folder, name + suffix, path=local_db.with_name(name + suffix))
                if found is not None and (kind := not_a_file(found.st_mode)) is not None:
                    raise ExperimentError(f"it is {kind}, not a database: remove it", file=shown + suffix)
    except ThroughALink as exc:
        what = "the embedded backend's database"
        raise ExperimentError(cannot_write(what, local_db, exc, shown=shown, named=named)) from None
    except OSError as exc:
        shown_folder = os.path.dirname(shown) or "."
        raise ExperimentError(
            cannot_write("the embedded backend's folder", local_db.parent, exc, shown=shown_folder)
        ) from None

"""The local HoneyHive backend as a server: python -m honeyhive_local serve [options] (serve --help lists them)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m honeyhive_local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local HoneyHive backend until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port (0 picks a free one; default: 8787)")
    serve.add_argument("--db", default=":memory:", help="SQLite file, or :memory: (default)")
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accepted bearer key; repeat for several projects (default: $HH_API_KEY or the local dev key)",
    )
    serve.add_argument(
        "--ingest-delay", type=float, default=0.0, metavar="SECONDS", help="delay before events become visible"
    )
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        default=None,
        metavar="N",
        help="largest request body accepted; larger ones get 413 (default: 32 MiB)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from honeyhive_local.jsonvalues import DEFAULT_MAX_BODY_BYTES
    from honeyhive_local.server import DEFAULT_API_KEY, LocalBackend

    keys = args.api_keys or [os.environ.get("HH_API_KEY") or DEFAULT_API_KEY]
    if args.ingest_delay < 0:
        print("error: --ingest-delay must be >= 0", file=sys.stderr)
        return 2
    max_body = DEFAULT_MAX_BODY_BYTES if args.max_body_bytes is None else args.max_body_bytes
    if max_body < 1:
        print("error: --max-body-bytes must be >= 1", file=sys.stderr)
        return 2
    try:
        backend = LocalBackend(
            args.db,
            keys[0],
            extra_api_keys=tuple(keys[1:]),
            ingest_delay=args.ingest_delay,
            max_body_bytes=max_body,
            host=args.host,
            port=args.port,
            log_level="warning",
        )
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with backend:
        print(f"honeyhive_local serving on {backend.url} (db: {args.db}, projects: {len(keys)})", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A HoneyHive-compatible data plane on SQLite: the embedded backend for dry runs and tests.

Start it with ``python -m honeyhive_local serve`` or, in-process, :class:`LocalBackend`.
"""

from __future__ import annotations

from honeyhive_local.server import DEFAULT_API_KEY, LocalBackend

__all__ = ["DEFAULT_API_KEY", "LocalBackend"]

"""The package's version, in one place: read by the report's footer, ``--version`` and the package itself."""

from __future__ import annotations

__version__ = "2.0.0.dev0"

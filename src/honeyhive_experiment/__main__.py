"""``python -m honeyhive_experiment`` → :func:`honeyhive_experiment.cli.main`."""

from __future__ import annotations

import sys

from honeyhive_experiment.cli import main

if __name__ == "__main__":
    sys.exit(main())

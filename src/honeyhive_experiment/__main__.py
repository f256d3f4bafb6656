"""``python -m honeyhive_experiment`` → :func:`honeyhive_experiment.cli.main`."""

from __future__ import annotations

import os
import sys

# `python -m` puts the current directory first on the path (unless -P): a repository's token.py, queue.py or email/
# would then be imported as the standard library's by the tool itself. The user's code is imported from the root
# the tool puts on the path when it loads it.
if not sys.flags.safe_path and sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd():
    del sys.path[0]

from honeyhive_experiment.cli import main  # after the path is safe

if __name__ == "__main__":
    sys.exit(main())

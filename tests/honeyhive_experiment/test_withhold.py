"""The action's tokens leave the environment its code sees, /proc/self/environ included: ``settings.withhold`` starts
the same command again without them and ``settings.handed_back`` gives them back to the settings alone, from a file
in memory only that one reads. Real processes (``os.execve``), as the action starts them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from honeyhive_experiment.settings import handed_back, withhold

pytestmark = pytest.mark.integration

# the command started again: what it got back, and whether its environment or /proc/self/environ still holds a token
AGAIN = """
import json, os
from honeyhive_experiment.settings import handed_back
back = handed_back(os.environ)
started = open("/proc/self/environ", "rb").read().decode()
fds = [os.path.join("/proc/self/fd", fd) for fd in os.listdir("/proc/self/fd")]
fds = [os.readlink(fd) for fd in fds if os.path.exists(fd)]
print(json.dumps({"back": back, "environ": [n for n in os.environ if "TOKEN" in n or n.startswith("INPUT_")],
                  "started": "s3cr3t" in started, "held": [fd for fd in fds if "withheld" in fd]}))
"""
FIRST = """
import os, sys
from honeyhive_experiment.settings import withhold
withhold(os.environ, command=(sys.executable, [sys.executable, "-c", sys.argv[1]]))
print("not started again", sorted(n for n in os.environ if "TOKEN" in n or n.startswith("INPUT_")))
"""


def _started(first: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", first, AGAIN], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="Linux only: other systems have no /proc/self/environ")
def test_the_command_starts_again_without_the_tokens_and_gets_them_back_from_memory() -> None:
    env = {
        **os.environ,
        "GITHUB_TOKEN": "s3cr3t-github",
        "INPUT_GITHUB-TOKEN": "s3cr3t-input",
        "ACTIONS_RUNTIME_TOKEN": "s3cr3t-runtime",
        "OPENAI_API_KEY": "kept-for-the-code",
    }
    seen = json.loads(_started(FIRST, env))
    assert seen == {
        "back": {
            "GITHUB_TOKEN": "s3cr3t-github",
            "INPUT_GITHUB-TOKEN": "s3cr3t-input",
            "ACTIONS_RUNTIME_TOKEN": "s3cr3t-runtime",
        },
        "environ": [],
        "started": False,
        "held": [],
    }


def test_without_memfd_only_the_environment_loses_them() -> None:
    """A Python without ``os.memfd_create`` (or a kernel refusing it) is not started again, and does not fail."""
    first = "import os\ndel os.memfd_create\n" + FIRST
    shown = _started(first, {**os.environ, "GITHUB_TOKEN": "s3cr3t", "INPUT_MODE": "all"})
    assert shown == "not started again []\n"


@pytest.mark.parametrize("named", ["1", "2", "0", "not-a-number", "999999"])
def test_only_the_file_withhold_made_is_read(named: str) -> None:
    """An earlier step's GITHUB_ENV (or a workflow's env:) naming another descriptor gets nothing read or closed."""
    environ = {"HONEYHIVE_EXPERIMENT_WITHHELD_FD": named}
    assert handed_back(environ) == {}
    assert environ == {}
    os.fstat(1), os.fstat(2)  # still open


def test_with_nothing_to_withhold_nothing_starts_again() -> None:
    environ = {"HH_API_KEY": "kept", "PATH": "/bin"}
    withhold(environ, command=("/nonexistent", ["/nonexistent"]))
    assert environ == {"HH_API_KEY": "kept", "PATH": "/bin"}


def test_a_secret_one_thread_finds_is_learnt_before_another_thread_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two datapoints' threads notice the same new secret: the second must not record with a redactor that does not
    know it yet while the first is still teaching it to every redactor (audit59 F2: the first had already taken the
    environment as seen). ``learn`` is slowed down to hold the window open."""
    from honeyhive_experiment import user_code
    from honeyhive_experiment.report.redact import Redactor, learn

    def slow_learn(secrets: set[str]) -> None:
        time.sleep(0.3)
        learn(secrets)

    monkeypatch.setattr(user_code, "learn", slow_learn)
    notice = user_code.secrets_watch()
    secret = "s3cr3t-" + "Zx81Qw0pLm7Rt5Yu3Io9"
    monkeypatch.setenv("VAULT_API_KEY", secret)
    first = threading.Thread(target=notice)
    first.start()
    time.sleep(0.1)  # the first thread is learning
    notice()  # the second: once it returns, what it records is redacted
    shown = Redactor([]).redact(f"bad key {secret}")
    first.join()
    assert shown == "bad key ***"

"""The action's tokens leave the environment its code sees, /proc/self/environ included: ``settings.withhold`` starts
the same command again without them and ``settings.handed_back`` gives them back to the settings alone, from a file
in memory only that one reads. Real processes (``os.execve``), as the action starts them."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from honeyhive_experiment.settings import handed_back, withheld_by_value, withhold

pytestmark = pytest.mark.integration

EXTRAHEADER = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:s3cr3t-github").decode()  # actions/checkout's
OTHER = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:another-token").decode()
# the command started again: what it got back, and whether its environment or /proc/self/environ still holds a token
AGAIN = (
    f"EXTRAHEADER = {EXTRAHEADER!r}\n"
    + """
import json, os, subprocess
from honeyhive_experiment.settings import handed_back
back = handed_back(os.environ)
started = open("/proc/self/environ", "rb").read().decode()
fds = [os.path.join("/proc/self/fd", fd) for fd in os.listdir("/proc/self/fd")]
fds = [os.readlink(fd) for fd in fds if os.path.exists(fd)]
names = [n for n in os.environ if "TOKEN" in n or n.startswith(("INPUT_", "GIT_CONFIG_"))]
git = subprocess.run(["git", "config", "--list"], capture_output=True, check=False).returncode
started = "s3cr3t" in started or EXTRAHEADER[21:] in started
print(json.dumps({"back": back, "environ": names, "git": git, "started": started,
                  "held": [fd for fd in fds if "withheld" in fd]}))
"""
)
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
        "GH_TOKEN": "s3cr3t-github",  # the token under another name: withheld for its value
        "MY_TOKEN_URL": "https://x:s3cr3t-runtime@example.com/",
        "GIT_CONFIG_COUNT": "2",  # with the encoded token in a value: git's every GIT_CONFIG_* (else git refuses)
        "GIT_CONFIG_KEY_0": "http.https://github.com/.extraheader",
        "GIT_CONFIG_VALUE_0": EXTRAHEADER,  # encoded: withheld for its value too
        "GIT_CONFIG_KEY_1": "core.quotepath",
        "GIT_CONFIG_VALUE_1": "false",
        "GH_TOKEN_B64": base64.urlsafe_b64encode(b"s3cr3t-runtime").decode().rstrip("="),
        "OTHER_TOKEN_HEADER": OTHER,  # another token's: kept
        "OPENAI_API_KEY": "kept-for-the-code",
    }
    seen = json.loads(_started(FIRST, env))
    assert seen == {
        "back": {
            "GITHUB_TOKEN": "s3cr3t-github",
            "INPUT_GITHUB-TOKEN": "s3cr3t-input",
            "ACTIONS_RUNTIME_TOKEN": "s3cr3t-runtime",
            "GH_TOKEN": "s3cr3t-github",
            "MY_TOKEN_URL": "https://x:s3cr3t-runtime@example.com/",
            **{name: value for name, value in env.items() if name.startswith("GIT_CONFIG_")},
            "GH_TOKEN_B64": env["GH_TOKEN_B64"],
        },
        "environ": ["OTHER_TOKEN_HEADER"],
        "git": 0,
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


def test_a_variable_sharing_only_the_start_of_a_runners_token_is_kept() -> None:
    """The runner's tokens are JWTs, whose first characters (the header) every JWT of the same kind shares: a variable
    holding another JWT is the code's own, kept (the redactor's fragments at a line's edge withheld it); the token
    whole, as it is or base64-encoded, is withheld."""
    header = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9"
    runtime = f"{header}.eyJydW4iOiJydW50aW1lIn0.c2lnbmVkLWJ5LXRoZS1ydW5uZXI"
    own = f"{header}.eyJ1c2VyIjoibWUifQ.bXktc2lnbmF0dXJl"
    environ = {"ACTIONS_RUNTIME_TOKEN": runtime, "MY_JWT": own, "ENCODED": base64.b64encode(runtime.encode()).decode()}
    withheld = withhold(environ, command=("/nonexistent", ["/nonexistent"]))  # not started again: no such command
    assert environ == {"MY_JWT": own}
    assert sorted(withheld) == ["ACTIONS_RUNTIME_TOKEN", "ENCODED"]


def test_the_warning_names_what_held_a_token_not_what_went_with_it() -> None:
    """git's other ``GIT_CONFIG_*`` variables go with an extraheader's (git refuses a count without its entries), but
    only the value that held the token is said to have held it (audit81: ``user.name``'s was named too)."""
    environ = {
        "GITHUB_TOKEN": "s3cr3t-github",
        "GH_TOKEN": "s3cr3t-github",
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "http.https://github.com/.extraheader",
        "GIT_CONFIG_VALUE_0": EXTRAHEADER,
        "GIT_CONFIG_KEY_1": "user.name",
        "GIT_CONFIG_VALUE_1": "Jane Doe",
        "PATH": "/bin",
    }
    withheld = withhold(environ, command=("/nonexistent", ["/nonexistent"]))  # not started again: no such command
    assert environ == {"PATH": "/bin"}
    said = withheld_by_value(withheld)
    assert said is not None
    assert said.startswith("GH_TOKEN, GIT_CONFIG_VALUE_0 held the GitHub token"), said
    assert withheld_by_value({"GITHUB_TOKEN": "s3cr3t-github", "INPUT_MODE": "all"}) is None

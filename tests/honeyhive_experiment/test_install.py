"""The ``install`` input's decisions: what is pinned, how a refusal is read, what a missing module says, and
what an unwritable runner file says. (Installing for real is tests/test_install_e2e.py's.)"""

from __future__ import annotations

import errno
import importlib
import io
import os
import pkgutil
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from honeyhive_experiment.errors import InstallError, SettingsError
from honeyhive_experiment.gha import not_writable_message, unwritable
from honeyhive_experiment.install import _failure, conflicts, install, installer_command, refused_argument, tool_pins
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.settings import Settings
from honeyhive_experiment.user_code import missing_module_message
from tests.fakes.actions_runner import effective_uid

pytestmark = pytest.mark.unit

PINS = {"pydantic": "2.11.7", "typing-extensions": "4.12.2", "httpx": "0.28.1"}

PIP_CONFLICT = """\
ERROR: Cannot install pydantic<2 because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested pydantic<2
    The user requested (constraint) pydantic==2.11.7
"""
PIP_TRANSITIVE = """\
The conflict is caused by:
    The user requested (constraint) typing-extensions==4.12.2
    oldlib 1.0 depends on typing_extensions<4
"""
UV_CONFLICT = """\
  × No solution found when resolving dependencies:
  ╰─▶ Because you require pydantic<2 and pydantic==2.11.7, we can conclude that your requirements are
      unsatisfiable.
"""
NOT_FOUND = "ERROR: No matching distribution found for rapidfuz==9\n"


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (PIP_CONFLICT, [("pydantic<2", "pydantic==2.11.7")]),
        (UV_CONFLICT, [("pydantic<2", "pydantic==2.11.7")]),
        (PIP_TRANSITIVE, [("typing-extensions<4", "typing-extensions==4.12.2")]),  # names normalised
        (NOT_FOUND, []),  # another reason: no pin named
        ("Successfully installed pydantic-2.11.7\n", []),  # a pin named alone is no conflict
        (
            "The user requested httpx>=0.27,<0.28\nThe user requested (constraint) httpx==0.28.1\n",
            [("httpx>=0.27,<0.28", "httpx==0.28.1")],
        ),
    ],
    ids=["pip", "uv", "transitive", "not-found", "pin-only", "range"],
)
def test_conflicts_name_the_users_requirement_and_the_pin(output: str, expected: list[tuple[str, str]]) -> None:
    assert conflicts(output.splitlines(), PINS) == expected


def test_the_pins_are_the_tools_dependency_closure_at_installed_versions() -> None:
    import importlib.metadata as metadata

    pins = tool_pins()
    assert pins["honeyhive-experiment"] == metadata.version("honeyhive-experiment")
    assert pins["pydantic"] == metadata.version("pydantic")
    assert pins["pydantic-core"] == metadata.version("pydantic-core")  # transitive: pydantic's own
    assert "pytest" not in pins  # the test extra is not the tool's
    assert "honeyhive" not in pins
    assert tool_pins("no-such-distribution") == {}


def test_pip_gets_the_constraints_file(tmp_path: Path) -> None:
    name, command = installer_command(["-r", "requirements.txt"], tmp_path / "c.txt", python="/venv/bin/python")
    assert command[-4:] == ["--constraint", str(tmp_path / "c.txt"), "-r", "requirements.txt"]
    if name == "uv":  # no uv.toml of the repository: tests/test_install_e2e.py installs past one
        assert command[1:6] == ["pip", "install", "--no-config", "--python", "/venv/bin/python"]
    else:
        assert command[:4] == ["/venv/bin/python", "-m", "pip", "install"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-r requirements.txt", ("-r", "requirements.txt")),
        ("  .[evals]  ", (".[evals]",)),
        ("-r 'my reqs.txt' rapidfuzz>=3", ("-r", "my reqs.txt", "rapidfuzz>=3")),
        ("", ()),
    ],
)
def test_the_install_input_is_split_like_a_shell(value: str, expected: tuple[str, ...]) -> None:
    assert Settings.from_mapping({"HONEYHIVE_EXPERIMENT_INSTALL": value}).install == expected
    assert Settings.from_args({"install": value}, {}).install == expected


def test_unbalanced_quotes_name_the_input_and_the_flag() -> None:
    with pytest.raises(SettingsError, match=r"^input install: cannot split"):
        Settings.from_mapping({"HONEYHIVE_EXPERIMENT_INSTALL": "-r 'reqs.txt"})
    with pytest.raises(SettingsError, match=r"^flag --install: cannot split"):
        Settings.from_args({"install": "-r 'reqs.txt"}, {})


OUTSIDE = "not inside the working directory"
INTERPRETER = "not allowed: your code runs in the action's own interpreter"
CONFIG = "not allowed: the installer reads no configuration file"


@pytest.mark.parametrize(
    ("value", "refused", "why"),
    [
        # files the installer reads: inside the working directory only
        ("-r /proc/self/environ", "-r /proc/self/environ", OUTSIDE),  # printed the environment
        ("-r/proc/self/environ", "-r /proc/self/environ", OUTSIDE),  # the value attached
        ("-qr/proc/self/environ", "-r /proc/self/environ", OUTSIDE),  # in a cluster of short options
        ("-r=/proc/self/environ", "-r /proc/self/environ", OUTSIDE),  # uv (clap) reads /proc/self/environ
        ("--requirement=/proc/self/environ", "--requirement /proc/self/environ", OUTSIDE),
        ("--req /proc/self/environ", "--req /proc/self/environ", OUTSIDE),  # pip takes a prefix of an option
        ("-r environ.txt", "-r environ.txt", OUTSIDE),  # a symlink in the folder, to /proc/self/environ
        ("-r ../requirements.txt", "-r ../requirements.txt", OUTSIDE),
        ("-r ~/.netrc", "-r ~/.netrc", OUTSIDE),
        ("-c /etc/passwd", "-c /etc/passwd", OUTSIDE),
        ("--constraint=/etc/passwd", "--constraint /etc/passwd", OUTSIDE),
        ("-e ../other", "-e ../other", OUTSIDE),
        ("-e file:///srv/pkg", "-e file:///srv/pkg", OUTSIDE),
        ("--find-links /opt/wheels", "--find-links /opt/wheels", OUTSIDE),
        ("-f file:///opt/wheels", "-f file:///opt/wheels", OUTSIDE),
        ("-i file:///srv/simple", "-i file:///srv/simple", OUTSIDE),
        ("--log /home/runner/work/_temp/x", "--log /home/runner/work/_temp/x", OUTSIDE),  # writes: also inside
        ("--target=/usr/lib/python3", "--target /usr/lib/python3", OUTSIDE),
        ("/etc/passwd", "/etc/passwd", OUTSIDE),  # a local path as a requirement
        ("pkg@file:///etc/pkg", "pkg@file:///etc/pkg", OUTSIDE),
        ("pkg @ git+file:///srv/repo", "git+file:///srv/repo", OUTSIDE),
        ("--some-new-option /proc/self/environ", "/proc/self/environ", OUTSIDE),  # whatever option reads it
        ("-- /etc/passwd", "/etc/passwd", OUTSIDE),
        ("--python /usr/bin/python3", "--python", INTERPRETER),
        ("-p python3", "-p", INTERPRETER),
        # a configuration file uv reads even with --no-config (its target, find-links, index unchecked)
        ("--config-file uv.toml", "--config-file", CONFIG),
        ("--config-file=uv.toml pkg", "--config-file=uv.toml", CONFIG),
        # inside the working directory, or no file at all
        ("-r requirements.txt", None, None),
        ("-r ./requirements.txt -c constraints.txt", None, None),
        ("--no-index -e ./vendor/tinyfuzz", None, None),
        (".[evals]", None, None),
        ("-e .", None, None),
        ("--index-url=file:./simple", None, None),
        ("rapidfuzz>=3 'openai<2; python_version >= \"3.11\"'", None, None),
        ("-U -q --pre rapidfuzz", None, None),
        ("-i https://user:token@pypi.example/simple --extra-index-url https://pypi.org/simple pkg", None, None),
        ("-e git+https://github.com/acme/evals@v1#egg=evals", None, None),
        ("-f https://download.example/wheels pkg", None, None),
        ("--report -", None, None),
        ("-Cbuild=/usr/include pkg", None, None),  # -C's value is a build setting, no file
    ],
)
def test_the_install_input_may_read_only_files_inside_the_working_directory(
    tmp_path: Path, value: str, refused: str | None, why: str | None
) -> None:
    (tmp_path / "requirements.txt").write_text("rapidfuzz\n")
    (tmp_path / "environ.txt").symlink_to("/proc/self/environ")
    (tmp_path / "vendor" / "tinyfuzz").mkdir(parents=True)

    problem = refused_argument(shlex.split(value), tmp_path)

    if refused is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith(f"{refused}: {why}")
        # '-c /etc/passwd: outside ...' was printed '-c /etc/passwd: *** the working directory ...'
        assert Redactor().redact(problem) == problem


@pytest.mark.parametrize(
    ("lines", "refused"),
    [
        # a requirements file of the repository had the installer print the environment: as the command line may not
        ("-r /proc/self/environ", "reqs.txt:1: -r /proc/self/environ: " + OUTSIDE),
        ("rapidfuzz\n# -r /etc/passwd\n--requirement=/proc/self/environ", "reqs.txt:3: --requirement /proc/self"),
        ("-c /etc/passwd", "reqs.txt:1: -c /etc/passwd: " + OUTSIDE),
        ("--constraint /etc/passwd  # pins", "reqs.txt:1: --constraint /etc/passwd: " + OUTSIDE),
        ("-r=/proc/self/environ", "reqs.txt:1: -r /proc/self/environ: " + OUTSIDE),  # uv's way (pip's: =/proc/…)
        ("rapidfuzz \\\n  -r /proc/self/environ", "reqs.txt:1: -r /proc/self/environ"),  # a continued line
        ("-r environ.txt", "reqs.txt:1: -r environ.txt: " + OUTSIDE),  # a symlink to /proc/self/environ
        ("-r ../outside.txt", "reqs.txt:1: -r ../outside.txt: " + OUTSIDE),
        ("-r sub/more.txt", "sub/more.txt:2: -r ../../outside.txt: " + OUTSIDE),  # read from the including folder
        ("-r sub/more.txt\n-r reqs.txt", "sub/more.txt:2: -r ../../outside.txt"),  # a cycle is followed once
        # a link to a file elsewhere in the folder: its includes read from the link's folder and from the file's
        ("-r a/b/alias.txt", "a/b/alias.txt:1: -r ../../y.txt: " + OUTSIDE),
        ("-e /srv/pkg", "reqs.txt:1: -e /srv/pkg: " + OUTSIDE),
        ("--index-url file:///srv/simple", "reqs.txt:1: --index-url file:///srv/simple: " + OUTSIDE),
        ("--find-links=/opt/wheels", "reqs.txt:1: --find-links /opt/wheels: " + OUTSIDE),
        ("pkg @ file:///etc/pkg", "reqs.txt:1: file:///etc/pkg: " + OUTSIDE),
        ("/etc/passwd", "reqs.txt:1: /etc/passwd: " + OUTSIDE),
        # ${NAME} is expanded: the line is quoted as written, not with the variable's value
        ("-r ${HOME}/.netrc", "reqs.txt:1: -r ${HOME}/.netrc: not inside the working directory"),
        # inside the working directory, or no file at all
        ("rapidfuzz>=3\nopenai<2; python_version >= '3.11'\n-r sub/more.txt#not-a-comment", None),
        ("-r sub/ok.txt\n-c sub/ok.txt\n-e ./vendor\n--index-url https://pypi.org/simple\n-r https://e.x/r.txt", None),
        ("--hash=sha256:0123 rapidfuzz==3.0\n-r missing.txt\nunbalanced 'quote", None),
        ("-r $HOME/.netrc", None),  # neither pip nor uv expands $NAME: a file named so in the folder
    ],
)
def test_the_files_the_install_input_reads_may_include_only_files_inside_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: str, refused: str | None
) -> None:
    """Issue 21's "only requirement files inside the working directory": a file inside it said ``-r
    /proc/self/environ`` and uv quoted the environment ("Couldn't parse requirement in `/proc/self/environ`")."""
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "vendor").mkdir()
    (tmp_path / "outside.txt").write_text("rapidfuzz\n")
    (work / "environ.txt").symlink_to("/proc/self/environ")
    (work / "reqs.txt").write_text(lines + "\n")
    (work / "sub" / "more.txt").write_text("rapidfuzz\n-r ../../outside.txt\n")
    (work / "sub" / "more.txt#not-a-comment").write_text("-r ok.txt\n")
    (work / "sub" / "ok.txt").write_text("-r ../sub/ok.txt\nrapidfuzz\n")
    (work / "sub" / "x.txt").write_text("-r ../../y.txt\n")  # from a/b/, the link's folder, work/y.txt: inside
    (work / "a" / "b").mkdir(parents=True)
    (work / "a" / "b" / "alias.txt").symlink_to(work / "sub" / "x.txt")
    monkeypatch.setenv("HOME", "/home/someone")

    problem = refused_argument(["-r", "reqs.txt"], work)

    if refused is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith(refused), problem
        assert "/home/someone" not in problem
    # the settings refuse it before anything is installed, as they refuse the command line's -r /proc/self/environ
    if refused is not None:
        with pytest.raises(SettingsError, match=rf"^flag --install: {re.escape(refused)}"):
            Settings.from_args({"install": "-r reqs.txt", "working_directory": str(work)}, {})


WORKING_DIRECTORY = "HONEYHIVE_EXPERIMENT_WORKING_DIRECTORY"


def test_a_refused_install_is_an_error_naming_the_input_and_the_argument(tmp_path: Path) -> None:
    """In the action the working directory is said as its input, from the workspace: it was the runner's path,
    "not inside the working directory /home/runner/work/repo/repo/evals"; the command line names it by its path."""
    (tmp_path / "evals").mkdir()
    env = {"GITHUB_WORKSPACE": str(tmp_path), "HONEYHIVE_EXPERIMENT_INSTALL": "-r /proc/self/environ"}
    with pytest.raises(SettingsError) as refused:
        Settings.from_mapping(env)
    assert str(refused.value).startswith(
        f"input install: -r /proc/self/environ: {OUTSIDE} (working-directory: .; symlinks followed);"
    )
    with pytest.raises(SettingsError) as refused:
        Settings.from_mapping({**env, WORKING_DIRECTORY: "evals", "HONEYHIVE_EXPERIMENT_INSTALL": "-r ../r.txt"})
    assert str(refused.value).startswith(
        f"input install: -r ../r.txt: {OUTSIDE} (working-directory: evals; symlinks followed);"
    )
    assert str(tmp_path) not in str(refused.value)
    with pytest.raises(SettingsError, match=rf"^flag --install: -r /proc/self/environ: {OUTSIDE} {tmp_path} \("):
        Settings.from_args({"install": "-r /proc/self/environ", "working_directory": str(tmp_path)}, {})
    out = io.StringIO()
    with pytest.raises(InstallError, match=rf"^install: -r /proc/self/environ: {OUTSIDE}"):
        install(["-r", "/proc/self/environ"], cwd=tmp_path, out=out, grouped=False)  # validate's way in
    assert out.getvalue() == ""  # no installer was started


@pytest.mark.parametrize(
    ("missing", "own", "hint"),
    [
        ("rapidfuzz", None, True),  # a dependency
        ("rapidfuzz.fuzz", None, True),
        ("bot.ap", "bot", False),  # a typo in the path to the user's own package
        ("helpers", "helpers.py", False),  # the user's own module
        (None, None, False),
    ],
)
def test_a_missing_module_outside_the_repository_points_at_install(
    tmp_path: Path, missing: str | None, own: str | None, hint: bool
) -> None:
    if own is not None:
        (tmp_path / own).mkdir() if "." not in own else (tmp_path / own).write_text("")
    message = missing_module_message("bot.app:answer", missing, tmp_path)
    assert message.startswith(f"cannot import 'bot.app:answer': no module named {missing!r}")
    assert ("install: -r requirements.txt" in message) is hint
    assert (f"{(missing or '').split('.')[0]!r} is not installed" in message) is hint


BELOW = "is in the repository, but imports start from its root"


@pytest.mark.parametrize(
    ("path", "missing", "advice"),
    [
        ("app:answer", "app", f"support_bot/app.py {BELOW}: name it 'support_bot.app:answer'"),
        ("support_bot.dep:f", "utils", f"support_bot/utils.py {BELOW}: import it as `from support_bot import utils`"),
        ("helpers.x:f", "helpers.x", f"lib/helpers/__init__.py {BELOW}: name it 'lib.helpers.x:f'"),
        # only in a virtual environment, node_modules, a folder no import can name, a project of its own (installed,
        # as tests/fixtures/apps/needs_dep/vendor/tinyfuzz), or too deep: not a module named from the root
        ("vendored:f", "vendored", "'vendored' is not installed where the experiment runs"),
    ],
)
def test_a_missing_module_in_a_folder_of_the_repository_is_named_from_the_root(
    tmp_path: Path, path: str, missing: str, advice: str
) -> None:
    """'app' is not installed ...: add it to requirements.txt' was the advice for support_bot/app.py named 'app':
    untrue, and installing a PyPI project of that name runs someone else's code."""
    files = ["support_bot/app.py", "support_bot/utils.py", "lib/helpers/__init__.py", "node_modules/x/vendored.py"]
    files += [".venv/lib/python3.11/site-packages/vendored.py", "my-dir/vendored.py", "a/b/c/d/e/vendored.py"]
    files += ["vendor/fuzz/pyproject.toml", "vendor/fuzz/vendored/__init__.py"]
    for file in files:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text("")
    message = missing_module_message(path, missing, tmp_path)
    assert message.startswith(f"cannot import {path!r}: no module named {missing!r}. {advice}"), message
    assert ("requirements.txt" in message) is (missing == "vendored")


@pytest.mark.parametrize(
    ("layout", "root", "found"),
    [
        (["myapp/__init__.py"], "evals", ".."),
        (["myapp.py", "a/b/.keep"], "a/b", "../.."),
        (["myapp/__init__.py", "a/b/c/d/.keep"], "a/b/c/d", None),  # 4 levels up, no repository: too far
        # the repository's root bounds the search, not 3 levels: it was "not installed ...: add it to requirements.txt"
        (["myapp/__init__.py", ".git/HEAD", "a/b/c/d/.keep"], "a/b/c/d", "../../../.."),
        (["myapp/__init__.py", "repo/.git/HEAD", "repo/evals/.keep"], "repo/evals", None),  # above the repository
        (["myapp/__init__.py", "repo/.git/HEAD"], "repo", None),  # the repository's root: nothing above is its
    ],
)
def test_the_users_module_above_the_working_directory_is_found_up_to_the_repositorys_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: list[str], root: str, found: str | None
) -> None:
    for file in layout:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text("")
    (tmp_path / root).mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(tmp_path / root)
    message = missing_module_message("myapp.calc:f", "myapp", tmp_path / root, config=tmp_path / root / "x.yml")
    if found is None:
        assert "requirements.txt" in message, message
    else:
        assert message.endswith(f"-C {found} --config {root}/x.yml finds it"), message


def _layout(tmp_path: Path, files: list[str]) -> None:
    for file in files:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text("")


ABOVE = "'myapp' is in {place}, a folder above the working directory, {root} (which the working-directory input sets)"


@pytest.mark.parametrize(
    ("layout", "root", "config", "said"),
    [
        # the inputs that find it, from the workspace: "-C .. --config evals/x.yml" (from the shell's folder) was said
        (
            ["myapp/__init__.py"],
            "evals",
            "x.yml",
            f"{ABOVE}: the inputs `working-directory: .` and `config: evals/x.yml`",
        ),
        (["svc/myapp.py"], "svc/bot/evals", "x.yml", f"{ABOVE}: the inputs `working-directory: svc` and `config:"),
        # the default experiment file there: the working directory alone
        (["myapp/__init__.py"], "evals", "../.honeyhive/experiment.yml", f"{ABOVE}: the input `working-directory: .`"),
        (["my dir/myapp.py"], "my dir/evals", "x.yml", f'{ABOVE}: the inputs `working-directory: "my dir"`'),
        # above the workspace: the working directory cannot leave it ("-C .." was said), nor above the repository's root
        (["../myapp/__init__.py"], ".", "x.yml", "'myapp' is not installed where the experiment runs"),
        (["../myapp/__init__.py"], "evals", "x.yml", "'myapp' is not installed where the experiment runs"),
        (["myapp/__init__.py", "repo/.git/HEAD"], "repo/evals", "x.yml", "'myapp' is not installed"),
    ],
)
def test_in_the_action_the_users_module_above_the_working_directory_is_found_by_its_inputs_inside_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: list[str], root: str, config: str, said: str
) -> None:
    workspace = tmp_path / "work" / "ws"
    _layout(workspace, [*layout, f"{root}/.keep"])
    monkeypatch.chdir(tmp_path)  # the shell's folder means nothing to the action
    here = workspace / root
    message = missing_module_message(
        "myapp.calc:f", "myapp", here, config=(here / config).resolve(), workspace=workspace
    )
    place = "the workspace's root" if layout[0].startswith("myapp") else str(Path(layout[0]).parent)
    assert said.format(place=place, root=root) in message, message
    assert ("-C" in message, "--" in message, ".." in message) == (False, False, False), message  # no flag, no way up
    assert str(tmp_path) not in message, message  # no path of the runner's
    assert ("find" in message) is ("working-directory" in message)


@pytest.mark.parametrize(
    ("layout", "missing", "action", "command_line"),
    [
        ([], "rapidfuzz", "set the input `install: -r requirements.txt`, which installs", "run with --install"),
        (["src/myapp/__init__.py"], "myapp", "install the project (the input `install: -e .`)", "(--install '-e .';"),
    ],
)
def test_the_install_hint_names_the_input_in_the_action_and_the_flag_on_the_command_line(
    tmp_path: Path, layout: list[str], missing: str, action: str, command_line: str
) -> None:
    """The action's error said "(command line: --install '-r requirements.txt')" too, a flag no workflow step has."""
    _layout(tmp_path, layout)
    in_action = missing_module_message(f"{missing}.calc:f", missing, tmp_path, workspace=tmp_path)
    assert action in in_action, in_action
    assert ("--install" in in_action, "command line" in in_action) == (False, False), in_action
    local = missing_module_message(f"{missing}.calc:f", missing, tmp_path)
    assert command_line in local, local
    assert "in the action, the input `install: " in local, local


def test_a_conflict_with_the_tools_pins_says_what_to_do_where_the_install_ran() -> None:
    """``run --install 'pydantic<2'`` was told to "use the composite action", which no command line can."""
    lines = PIP_CONFLICT.splitlines()
    action = _failure("pip", ["pydantic<2"], lines, PINS, 1, str)
    assert "vs the action's pydantic==2.11.7" in action, action
    assert "use the composite action" in action, action
    local = _failure("pip", ["pydantic<2"], lines, PINS, 1, str, action=False)
    assert "vs honeyhive-experiment's pydantic==2.11.7" in local, local
    assert "composite" not in local, local
    assert "pip install honeyhive-experiment 'pydantic<2'" in local, local
    assert local.endswith("and run without --install"), local


FIX = "run the runner as uid 1001"
READ_ONLY = "make it writable (a read-only mount?)"
NO_ROOM = "free some room on its disk"


@pytest.mark.parametrize(
    ("owner", "uid", "code", "names_owner", "fix", "advice"),
    [
        (0, 1001, errno.EACCES, True, True, None),  # a self-hosted runner as root, the image as 1001
        (1000, 1001, errno.EACCES, True, True, None),
        (1001, 1001, errno.EACCES, False, False, READ_ONLY),  # our own file, still not writable: mode bits
        (1001, 1001, errno.EROFS, False, False, READ_ONLY),  # a read-only mount
        (None, 1001, errno.EACCES, False, False, READ_ONLY),  # cannot even stat it
        # a full disk (or a quota, a file-size limit) is no one's file and no mount: the fix is room
        (0, 1001, errno.ENOSPC, False, False, NO_ROOM),
        (1001, 1001, errno.EDQUOT, False, False, NO_ROOM),
        (1001, 1001, errno.EFBIG, False, False, NO_ROOM),
        # a file where a folder should be: the message says it, and no mount or owner is to blame
        (0, 1001, errno.ENOTDIR, False, False, None),
    ],
)
def test_the_not_writable_message(
    owner: int | None, uid: int, code: int, names_owner: bool, fix: bool, advice: str | None
) -> None:
    """The read-only-mount advice came with every cause, a full disk's and a file's in place of a folder's too."""
    path = Path("/github/file_commands/set_output_x")
    message = not_writable_message("GITHUB_OUTPUT", path, OSError(code, os.strerror(code)), owner=owner, uid=uid)
    assert message.startswith(f"cannot write GITHUB_OUTPUT ({path}): {os.strerror(code)}")
    assert (f"it belongs to uid {owner}, and this process runs as uid {uid}" in message) is names_owner
    assert (FIX in message) is fix
    assert ("honeyhiveai/honeyhive-experiment/python@v2" in message) is fix
    assert (READ_ONLY in message) is (advice == READ_ONLY)
    assert (NO_ROOM in message) is (advice == NO_ROOM)
    assert (f"uid {uid}" in message) is (code in (errno.EACCES, errno.EROFS))  # a refusal's cause, not a full disk's


def test_a_writable_file_and_folder_pass(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.write_text("kept\n")
    assert unwritable("GITHUB_OUTPUT", output) is None
    assert output.read_text() == "kept\n"  # tried without changing it
    assert unwritable("report.json's folder", tmp_path / "not" / "yet", folder=True) is None
    assert not (tmp_path / "not").exists()  # nothing is created by asking
    assert list(tmp_path.iterdir()) == [output]


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    """Appending nothing to a FIFO, to try it, waited for a reader forever (SIGTERM too), or gave a waiting reader
    an empty report. (A reader is held open here only so that the old code's try returns instead of hanging.)"""
    fifo = tmp_path / "output"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert unwritable("GITHUB_OUTPUT", fifo) == f"GITHUB_OUTPUT ({fifo}) is a named pipe: give a regular file path"
        assert os.read(reader, 1) == b""  # no writer ever opened it (else a read here would raise BlockingIOError)
    finally:
        os.close(reader)


def test_a_runner_file_whose_folder_is_missing_is_named(tmp_path: Path) -> None:
    """The runner's file is appended to in place: a missing folder was taken for writable (the nearest existing
    folder was tried), and the action ended in "unexpected FileNotFoundError", exit 1, after the whole run."""
    problem = unwritable("GITHUB_OUTPUT", tmp_path / "gone" / "output")
    assert problem is not None
    assert f"cannot write GITHUB_OUTPUT ({tmp_path / 'gone'}): No such file or directory" in problem
    assert not (tmp_path / "gone").exists()


def test_a_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    """A directory where the runner's file should be fails for root too (chmod would not stop root); whose process
    it is has nothing to do with it."""
    problem = unwritable("GITHUB_OUTPUT", tmp_path)
    assert problem is not None
    assert f"cannot write GITHUB_OUTPUT ({tmp_path})" in problem
    assert problem == f"cannot write GITHUB_OUTPUT ({tmp_path}): Is a directory"


@pytest.fixture
def runner_files() -> Iterator[Path]:
    """A folder other users may enter (pytest's tmp_path is private to its user), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="hh-unwritable-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base)


def test_a_runner_file_owned_by_another_user_is_one_clear_error_before_any_work(
    runner_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root: the action runs as uid 1001 against root-owned files, as in a self-hosted runner running as root
    (chmod would not stop root itself). As another user: GITHUB_OUTPUT is its own file made read-only."""
    # imported before the switch: the action imports its modules (and they the standard library's) lazily, and as
    # uid 1001 this interpreter's files (under /root) cannot be read; which ones this test's process already has
    # depends on the tests run before it in the same worker
    import concurrent.futures.thread  # noqa: F401

    import honeyhive_experiment

    for module in pkgutil.walk_packages(honeyhive_experiment.__path__, "honeyhive_experiment."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    from honeyhive_experiment.cli import main

    as_root = os.geteuid() == 0
    output = runner_files / "set_output"
    output.write_text("")
    if not as_root:
        output.chmod(0o444)
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(runner_files),
        "GITHUB_OUTPUT": str(output),
        "HH_API_KEY": "hh-key",
        "HONEYHIVE_EXPERIMENT_CONFIG": "missing.yml",  # never read: the check comes first
    }
    with effective_uid(1001 if as_root else None):
        code = main(["action"], environ=environ)
    out, err = capsys.readouterr()
    assert code == 2
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) == 1, lines  # one line: no config error, no report, no traceback
    (line,) = lines
    # named from the workspace, where this test puts it (a runner's is outside it, named by its own path)
    assert line.startswith("::error::cannot write GITHUB_OUTPUT (set_output): Permission denied"), line
    assert output.read_text() == ""
    if as_root:
        assert "it belongs to uid 0, and this process runs as uid 1001" in line
        assert "run the runner as uid 1001" in line
        assert "honeyhiveai/honeyhive-experiment/python@v2" in line

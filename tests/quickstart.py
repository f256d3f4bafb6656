"""The user repositories tests run the program on: copies of ``examples/quickstart``, a monorepo, git repositories,
and small ones a test writes file by file (:func:`write_files`, :func:`small_repository`).

A copy leaves out what a run of the original left behind (the embedded backend's ``*.db*``, ``__pycache__``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
APP_PACKAGE = "support_bot"  # the quickstart's code
IN_A_FOLDER = "services/bot"  # where monorepo() puts its experiment
FOLDER_APP = "bot_in_a_folder"  # its code
LEFT_BEHIND = ("*.db*", "__pycache__", "report*.html", "report*.json")  # what a run of the original may write there
# what a small repository leaves out of git: the state its code reads (a test changes it between runs), the embedded
# backend's database and byte-code, so that no run's checkout is dirty
IGNORED = "state.json\n.honeyhive/local.db*\n__pycache__/\n"


def copy_quickstart(destination: Path, *, questions: int | None = None, leave_out: tuple[str, ...] = ()) -> Path:
    """A copy of the quickstart at ``destination``; ``questions``: keep only the first that many rows of its
    dataset (a quicker run); ``leave_out``: more glob patterns not to copy. Returns ``destination``."""
    shutil.copytree(QUICKSTART, destination, ignore=shutil.ignore_patterns(*LEFT_BEHIND, *leave_out))
    if questions is not None:
        dataset = destination / "data" / "questions.jsonl"
        rows = dataset.read_text(encoding="utf-8").splitlines(True)
        dataset.write_text("".join(rows[:questions]), encoding="utf-8")
    return destination


def set_answers(repo: Path, answers: dict[str, str]) -> None:
    """Make the copy's support bot answer each topic of ``answers`` (a key of its ``KNOWLEDGE``) with that text."""
    app = repo / APP_PACKAGE / "app.py"
    source = app.read_text(encoding="utf-8")
    for topic, answer in answers.items():
        line = re.compile(rf'^(    "{re.escape(topic)}": ).*,$', flags=re.M)
        source, found = line.subn(lambda m, text=answer: f"{m[1]}{text!r},", source)
        assert found == 1, f"no topic {topic!r} in {app}"
    app.write_text(source, encoding="utf-8")


def add_evaluator(repo: Path, name: str, source: str) -> Path:
    """Append evaluator ``name`` (``source``: its ``def`` and what it needs) to the copy's evaluators module and list it
    in the experiment file after ``answer_words``; returns the experiment file."""
    evaluators = repo / APP_PACKAGE / "evaluators.py"
    evaluators.write_text(f"{evaluators.read_text(encoding='utf-8')}\n\n{source}", encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    anchor = f"  - {APP_PACKAGE}.evaluators:answer_words\n"
    text = config.read_text(encoding="utf-8")
    assert anchor in text, f"no answer_words evaluator listed in {config}"
    config.write_text(text.replace(anchor, f"{anchor}  - {APP_PACKAGE}.evaluators:{name}\n"), encoding="utf-8")
    return config


def stricter_twin(repo: Path, path: str = ".honeyhive/strict.yml") -> str:
    """A second experiment file at ``path`` under the same ``name``: the copy's experiment file with a passing range
    no answer meets (``answer_words`` at most 1), so its check fails where the first passes. Returns ``path``."""
    config = (repo / ".honeyhive" / "experiment.yml").read_text(encoding="utf-8")
    anchor = "  keyword_recall: {min: 0.5}\n"
    assert anchor in config, f"no keyword_recall range in {repo}'s experiment file"
    (repo / path).write_text(config.replace(anchor, f"{anchor}  answer_words: {{max: 1}}\n"), encoding="utf-8")
    return path


def with_managed_dataset(repo: Path, datapoint_ids: list[str]) -> str:
    """The copy's experiment file reads a managed dataset of the embedded backend instead of its file: one listing
    ``datapoint_ids`` (none of which the backend returns), in the ``.honeyhive/local.db`` a repository may commit.
    Returns the dataset's id."""
    from honeyhive_local.app import Project
    from honeyhive_local.server import DEFAULT_API_KEY
    from honeyhive_local.store import Store

    (repo / ".honeyhive").mkdir(exist_ok=True)
    store = Store(str(repo / ".honeyhive" / "local.db"))
    project = Project.for_key(DEFAULT_API_KEY).project_id
    dataset = str(store.create_dataset(project, "managed", None, datapoint_ids)["id"])
    store.close()
    config = repo / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8").replace("  path: data/questions.jsonl", f"  id: {dataset}")
    config.write_text(text, encoding="utf-8")
    return dataset


def git(root: Path, *args: str) -> str:
    """``git`` in ``root`` as a developer with no global config (a made-up author, no signing); its stdout."""
    author = ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false"]
    done = subprocess.run(["git", *author, *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def init_repository(root: Path, message: str = "the quickstart") -> str:
    """Make ``root`` a git repository on ``main`` with everything in it committed; returns the commit."""
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", f"--message={message}")
    return git(root, "rev-parse", "HEAD")


def jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    """``rows`` as a JSON Lines dataset's text."""
    return "".join(json.dumps(row) + "\n" for row in rows)


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Each of ``files`` (a path under ``root``: its text) written, folders made as needed; returns ``root``."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def small_repository(root: Path, files: Mapping[str, str], message: str) -> Path:
    """``files`` and a .gitignore of :data:`IGNORED` (unless ``files`` has one) committed on ``main`` of a new git
    repository at ``root``, with ``message``; returns ``root``."""
    write_files(root, {".gitignore": IGNORED, **files})
    init_repository(root, message)
    return root


@contextmanager
def imported(module: str) -> Iterator[None]:
    """The block's in-process runs import the user's ``module``: forgotten after, so that no later test runs it."""
    try:
        yield
    finally:
        sys.modules.pop(module, None)


def app_repository(root: Path) -> Path:
    """``root``, made a git repository on ``main`` whose one commit holds one file (``app.py``): for what git tells of
    a checkout (branches, merge bases, clones), where no experiment is run."""
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n")
    init_repository(root, "first")
    return root


_FOLDER_FILES = {
    ".honeyhive/experiment.yml": f"""\
name: bot-in-a-folder
function: {FOLDER_APP}.app:answer
dataset: {{path: data/questions.jsonl}}
evaluators: [{FOLDER_APP}.app:polite]
passing_ranges: {{polite: {{min: 1}}}}
""",
    "data/questions.jsonl": "".join(f'{{"id": "q{n}", "inputs": {{"question": "q{n}?"}}}}\n' for n in (1, 2)),
    "prompts/greeting.txt": "Hello!\n",
    "prompts/system.txt": "be brief\n",
    f"{FOLDER_APP}/__init__.py": "",
    f"{FOLDER_APP}/app.py": """\
from pathlib import Path

GREETING = Path("prompts/greeting.txt").read_text(encoding="utf-8").strip()  # when imported


def answer(datapoint):
    system = Path("prompts/system.txt").read_text(encoding="utf-8").strip()
    return {"answer": f"{GREETING} {datapoint['inputs']['question']} ({system})"}


def polite(outputs, inputs):
    return Path("prompts/greeting.txt").read_text(encoding="utf-8").strip() in outputs["answer"]
""",
}


def monorepo(root: Path) -> Path:
    """A monorepo at ``root`` whose experiment lives in :data:`IN_A_FOLDER`, its code reading files relative to that
    folder, as code started there (``cd services/bot``) may: its module when imported, its function, its evaluator.
    Returns ``root``."""
    for name, text in _FOLDER_FILES.items():
        (root / IN_A_FOLDER / name).parent.mkdir(parents=True, exist_ok=True)
        (root / IN_A_FOLDER / name).write_text(text, encoding="utf-8")
    return root

"""Which LLM calls a run counts where, end to end: the command line in this process against the fake OpenAI server
(tests/fakes/openai_server.py) through the real ``openai`` client and OpenLLMetry's instrumentation, on a
``honeyhive_local`` backend. A datapoint's calls still running when it is recorded (a thread it did not join) are its
unfinished work, never excused by a cost gate as calls made outside every datapoint are; a call started while the
user's code is imported is a setup cost, whenever it ends."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from honeyhive_experiment import HoneyHiveClient
from honeyhive_experiment.cli import main
from honeyhive_local import LocalBackend
from tests.fakes.openai_server import FakeOpenAI
from tests.llm_bot import OPENLLMETRY, Run, _unwrap_openai
from tests.quickstart import init_repository, jsonl, write_files

pytestmark = pytest.mark.integration

API_KEY = "hh-calls-window-key"
ROWS = 6
APP = "window_app"

SOURCE = """
import json
import pathlib
import threading

import httpx
import openai

SETTINGS = json.loads((pathlib.Path(__file__).resolve().parent / "settings.json").read_text(encoding="utf-8"))
CLIENT = openai.OpenAI(base_url=SETTINGS["base_url"], api_key="test-key", max_retries=0)
WARMED = threading.Event()


def _held(words, sent):  # a call the server holds until the test releases it; sent: its request has left
    http = httpx.Client(event_hooks={"request": [lambda request: sent.set()]})
    client = openai.OpenAI(base_url=SETTINGS["base_url"], api_key="test-key", http_client=http, max_retries=0)
    client.chat.completions.create(model="held:gpt-4o-mini", messages=[{"role": "user", "content": words}])


def _warm_up(sent):
    _held("warming up " * 50, sent)
    WARMED.set()


if SETTINGS["warm_up"]:  # a warm-up call started at import in a thread of its own, answered after the import
    sent = threading.Event()
    threading.Thread(target=_warm_up, args=(sent,), daemon=True).start()
    sent.wait(30)
else:
    WARMED.set()


def answer(inputs):
    WARMED.wait(30)  # the warm-up answered: the datapoints wait for it
    messages = [{"role": "user", "content": f"{inputs['q']} hi there"}]
    reply = CLIENT.chat.completions.create(model="gpt-4o-mini", messages=messages)
    if SETTINGS["left"]:  # a follow-up call in a thread of the datapoint's own, not joined: running when it is recorded
        sent = threading.Event()
        words = " ".join(["word"] * SETTINGS["left"])
        threading.Thread(target=_held, args=(words, sent), daemon=True).start()
        sent.wait(30)
    return {"answer": reply.choices[0].message.content}


def ok(outputs, inputs):
    return 1.0


IMPORTED = True  # the last line of the import: the test releases the warm-up once it is read
"""

CONFIG = f"""\
name: calls-window
function: {APP}:answer
dataset: {{path: questions.jsonl}}
evaluators: [{APP}:ok]
max_workers: 3
instrument: [{OPENLLMETRY}]
gate: {{cost_usd: {{max_worse_pct: 10}}}}
"""


@dataclass
class App:
    root: Path
    server: FakeOpenAI
    backend: LocalBackend

    def run(self, *extra: str, left: int = 0, warm_up: bool = False) -> Run:
        """The command in this process; ``left``: each datapoint leaves a thread whose held call has that many words;
        ``warm_up``: the import starts a thread whose held call is answered once the import is over."""
        settings = {"base_url": self.server.base_url, "left": left, "warm_up": warm_up}
        (self.root / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
        report = self.root.parent / "report.json"
        report.unlink(missing_ok=True)
        argv = ["run", "--dry-run", "-C", str(self.root), "--server-url", self.backend.url, "--report", str(report)]
        sys.modules.pop(APP, None)
        self.server.released.clear()
        releaser = threading.Thread(target=self._release_once_imported, daemon=True) if warm_up else None
        if releaser is not None:
            releaser.start()
        try:
            with contextlib.redirect_stdout(out := io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = main([*argv, *extra], environ={"HH_API_KEY": API_KEY})
        finally:
            self.server.released.set()
            _unwrap_openai()
            if releaser is not None:
                releaser.join()
        return Run(code, out.getvalue(), json.loads(report.read_text(encoding="utf-8")))

    def _release_once_imported(self) -> None:
        """Answer the held calls once the app's import is over (its last line has run)."""
        deadline = time.monotonic() + 60
        while not getattr(sys.modules.get(APP), "IMPORTED", False) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # the import returns, the command goes on to create the run
        self.server.released.set()

    def sessions(self, run_id: str) -> list[dict[str, object]]:
        with HoneyHiveClient(self.backend.url, API_KEY) as hh:
            return [e for e in hh.iter_run_events(run_id) if e["event_type"] == "session"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    files = {
        f"{APP}.py": SOURCE,
        ".honeyhive/experiment.yml": CONFIG,
        "questions.jsonl": jsonl({"id": f"d{i}", "inputs": {"q": f"q{i}"}} for i in range(ROWS)),
        ".gitignore": "settings.json\n.honeyhive/local.db*\n__pycache__/\n",
    }
    root = write_files(tmp_path_factory.mktemp("calls-window") / "app", files)
    with FakeOpenAI() as server, LocalBackend(":memory:", API_KEY) as backend:
        init_repository(root, "an app that leaves calls running")
        yield App(root, server, backend)
    sys.modules.pop(APP, None)


UNFINISHED = "of the datapoints' own, unfinished when recorded"


def test_a_datapoints_calls_still_running_when_it_is_recorded_are_never_excused_by_a_cost_gate(app: App) -> None:
    """Each datapoint leaves a thread whose call is still running when it is recorded, and in this run that call's
    prompt grew from 3 words to 3000. They were counted as made outside every datapoint, and a cost gate excuses
    those when both runs made as many: PASS, "cost_usd judged on the datapoints' own calls: both runs made 6 LLM calls
    outside any datapoint, counted in neither", a 1000-fold cost unseen. They are the datapoints' own work, left out:
    the gate could not be checked (neutral), saying why, the baseline's read back from its sessions."""
    baseline = app.run(left=3)
    grown = app.run("--baseline", baseline.run_id, left=3000)

    assert grown.report["verdict"] == "neutral", grown.out
    assert not [w for w in grown.report["warnings"] if "judged on the datapoints' own calls" in w]
    [reason] = [r for r in grown.report["reasons"] if r.startswith("cost_usd's gate could not be checked")]
    sides = f"the baseline's value excludes {ROWS} LLM calls ({ROWS} {UNFINISHED}) and this run's value excludes"
    assert sides in reason, reason
    [said] = [w for w in grown.report["warnings"] if "counted in no metric" in w]
    assert f"{ROWS} of them the datapoints' own, unfinished when their datapoint was recorded" in said, said
    metadata = [s["metadata"] for s in app.sessions(grown.run_id)]
    assert sum(m.get("unfinished_llm_calls", 0) for m in metadata) == ROWS  # type: ignore[union-attr]
    assert sum(m.get("outside_llm_calls", 0) for m in metadata) == ROWS  # type: ignore[union-attr]


def test_a_call_started_at_import_and_answered_after_it_is_a_setup_cost(app: App) -> None:
    """A warm-up call the import starts in a thread of its own, answered once the import is over (before or while the
    datapoints run): the import's count was over and the run's not begun, or begun after the call was opened, so it
    was counted nowhere, unsaid (no note, no warning, no ``import_llm_calls``). One count from the import to the run's
    end, each call by when it was opened: it is the import's, a setup cost."""
    run = app.run(warm_up=True)

    assert run.code == 0, run.out
    assert app.server.calls_about("warming up")
    assert [n for n in run.report["notes"] if n.startswith("1 LLM call(s) at import, before any datapoint")], run.out
    assert not [w for w in run.report["warnings"] if "counted in no metric" in w], run.report["warnings"]
    metadata = [s["metadata"] for s in app.sessions(run.run_id)]
    assert sum(m.get("import_llm_calls", 0) for m in metadata) == 1  # type: ignore[union-attr]
    assert sum(m.get("outside_llm_calls", 0) for m in metadata) == 0  # type: ignore[union-attr]

"""A secret the user's code puts into the environment as it is imported (``load_dotenv()``, a key fetched from a
vault into ``os.environ``) reaches no output, as one the environment held from the start does (audit56 L1: every
redactor was made from the environment the program started with, so the key showed in the terminal's Errors list and
table, report.html and the backend's events).

The quickstart's code reads ``OPENAI_API_KEY`` from its ``.env`` at import; its function records the key in its span's
metrics on every datapoint, prints it on one and raises with it on another; on two more it sets another one while it
runs, and records it in its span's metrics and raises with it, or returns it (audit58: learnt only once the run ended,
it was recorded and exported as it was, and a run that started with no secret exported its spans unredacted); on
one more it sets a key only while it calls with it, prints it and records it, and takes it out again before it returns
(audit59 F8: the environment looked the same after that datapoint as before it, so the key was never learnt).
``run --dry-run`` (the embedded backend, whose database is what HoneyHive would hold) runs in this process, the action
as a workflow's step runs it (``honeyhive_local`` on loopback, the fake GitHub), the variables unset before: only argv
and the environment are made up. ``run_config`` and ``evaluate()`` (whose code no repository of ours imports) each
set the hook themselves (each run with ``os.putenv`` as Python has it: the hook is the process's for good).
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from honeyhive_experiment import HoneyHiveClient, evaluate, run_config
from honeyhive_experiment.cli import main
from honeyhive_experiment.connection import tls_for
from honeyhive_experiment.report import redact
from honeyhive_experiment.report.redact import RedactingStream, Redactor, learn
from tests.action_world import API_KEY, World
from tests.action_world import world as world  # the fixture
from tests.conftest import run_events
from tests.fakes.actions_runner import PR
from tests.quickstart import APP_PACKAGE, add_evaluator

VARIABLE = "OPENAI_API_KEY"
KEY = "Zx81Qw0pLm7Rt5Yu3Io9As2Df"  # no shape a pattern knows: only the variable's name marks it
LATER, LATER_KEY = "VAULT_TOKEN", "Vq4Rt8Lm2Zx6Kp9Wn3Hs7Db"
LEASED, LEASED_KEY = "VAULT_LEASE_TOKEN", "Hb6Ns1Qc8Wy3Fj5Tk0Pv4Ge"  # set only while one call lasts
LOADED = f'import os\nos.environ[{VARIABLE!r}] = open(".env").read().split("=", 1)[1].strip()  # load_dotenv()\n'
ASKED = '    question = datapoint["inputs"]["question"]\n'
DEFINED = "def answer(datapoint: dict[str, Any]) -> dict[str, Any]:\n"
USED = f"""\
    tracer.enrich_span(metrics={{"note": "used " + os.environ[{VARIABLE!r}]}})
    if "forgot" in question:
        raise RuntimeError(f"OpenAI rejected {{os.environ[{VARIABLE!r}]}}")
    if "invoice" in question:
        print(f"calling OpenAI with {{os.environ[{VARIABLE!r}]}}")
    if "refund" in question:  # a key fetched from a vault while running
        os.environ[{LATER!r}] = {LATER_KEY!r}
        tracer.enrich_span(metrics={{"vault": "got " + os.environ[{LATER!r}]}})
        raise RuntimeError(f"the vault sent {{os.environ[{LATER!r}]}}")
    if "upgrade" in question:  # and one put into what it returns
        os.environ[{LATER!r}] = {LATER_KEY!r}
        return {{"answer": "the vault sent " + os.environ[{LATER!r}], "topic": "upgrade plan"}}
    if "export" in question:  # a key leased for one call: set, used, and taken out again before it returns
        os.environ[{LEASED!r}] = {LEASED_KEY!r}
        print(f"exporting with {{os.environ[{LEASED!r}]}}")
        tracer.enrich_span(metrics={{"lease": "held " + os.environ[{LEASED!r}]}})
        del os.environ[{LEASED!r}]
"""
ECHOED = """def echoed(outputs: Any, inputs: Any, ground_truth: Any) -> int:
    if "vault" in str(outputs.get("answer")):
        print(f"judging {outputs['answer']}")
    return 1
"""


@pytest.fixture
def repo(quickstart: Path) -> Iterator[Path]:
    """The quickstart whose code loads the key from its ``.env`` at import and uses it (recorded, printed, and raised
    with), and sets another one while it runs (recorded and raised with, or returned); the variables, which the code
    sets in this process, are as they were again after the test."""
    before = {name: os.environ.get(name) for name in (VARIABLE, LATER, LEASED)}
    assert not {KEY, LATER_KEY, LEASED_KEY} & set(before.values())
    (quickstart / ".env").write_text(f"{VARIABLE}={KEY}\n", encoding="utf-8")
    app = quickstart / APP_PACKAGE / "app.py"
    source = app.read_text(encoding="utf-8")
    assert ASKED in source
    assert DEFINED in source
    source = source.replace(DEFINED, DEFINED.replace("]) ->", "], tracer: Any) ->"))
    imports = "from typing import Any\n"
    assert imports in source
    app.write_text(source.replace(imports, imports + LOADED).replace(ASKED, ASKED + USED), encoding="utf-8")
    add_evaluator(quickstart, "echoed", ECHOED)  # prints the answer that holds it
    yield quickstart
    for name, value in before.items():
        os.environ.pop(name, None) if value is None else os.environ.update({name: value})


@pytest.fixture
def unwatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """``os.putenv`` as Python has it, as it is again after the test: the hook (:func:`~honeyhive_experiment.user_code.
    secrets_watch`) is the process's for good, so without this a test passes on the hook an earlier one set."""
    from honeyhive_experiment import user_code

    monkeypatch.setattr(os, "putenv", user_code._PUTENV)


@pytest.mark.unit
def test_a_secret_learnt_later_is_redacted_by_every_redactor_made_before_and_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "Lr5Tq9Wm2Xz7Kp4Nv8Hc3Jd"  # no shape a pattern knows
    made_before = Redactor(["Zz9Yy8Xx7Ww6"])
    stream = RedactingStream(sys.stdout, Redactor())  # what the process's output is redacted with, made at start
    learn([f" {secret}\n"])  # as the environment holds it, spaces and all
    made_after = Redactor()
    line = f"using {secret} and Zz9Yy8Xx7Ww6"
    assert made_before.redact(line) == "using *** and ***"
    assert made_after.redact(line) == "using *** and Zz9Yy8Xx7Ww6"
    print(line, file=stream, flush=True)
    assert capsys.readouterr().out == "using *** and Zz9Yy8Xx7Ww6\n"


# what learnt values one at a time must be looked for by as a redactor made with them all does: a JSON secret's part,
# values with spaces, escapes, non-ASCII, one short enough for an edge window of 6, and one under MIN_SECRET (ignored)
LEARNT = (
    "Lr5Tq9Wm2Xz7Kp4Nv8Hc3Jd",
    '{"clientSecret": "Qw0pLm7Rt5Yu3Io9", "id": "app-1"}',
    "pass phrase w/ 50% & 'quotes'",
    "clé-Ünïcødé-Ω9x",
    "k7Q!2z",
    "abc",
    "Ab3Cd4Ef5Gh6",
)


def _contents(tables: redact._Tables) -> dict[str, object]:
    """What ``tables`` look for, whatever their order and grouping: every field (a list or set as a set) but where
    the spelled forms are in ``encoded`` (``spelled``), which depends on the order values came in."""
    grouped = {
        "encoded": {(gate, form) for gate, forms in tables.encoded for form in forms},
        "escaped": {(hint, pattern.pattern) for hint, pattern in tables.escaped},
        "edges": {window: (set(grams), set(fitting)) for window, grams, fitting, _, _ in tables.edges},
        "tail": tables.tail.pattern,
        "hexed": (set(tables.hexed[0].pattern.split("|")), set(tables.hexed[1])),
    }
    rest = {each.name: getattr(tables, each.name) for each in fields(tables) if each.name not in {*grouped, "spelled"}}
    return grouped | {name: set(value) if isinstance(value, list | set) else value for name, value in rest.items()}


def _containers(tables: redact._Tables) -> Iterator[object]:
    """The lists, sets and dicts ``tables`` hold, in their tuples too."""
    values = [getattr(tables, each.name) for each in fields(tables)]
    while values:
        value = values.pop()
        if isinstance(value, tuple):
            values += value
        elif isinstance(value, list | set | dict):
            yield value


@pytest.mark.unit
def test_a_copy_of_the_tables_has_every_field_a_table_has_in_containers_of_its_own() -> None:
    """``_Tables.copy`` (what a redactor learns into) was built of every field in order: a field added to the tables
    had to be remembered there. A subclass's field stands for one added: the copy had none (a ``_Tables``)."""

    @dataclass(slots=True)
    class Grown(redact._Tables):
        extra: list[str] = field(default_factory=list)

    tables = Grown(extra=["added"]).add(LEARNT)
    copied = tables.copy()
    assert copied == tables
    assert not {id(each) for each in _containers(tables)} & {id(each) for each in _containers(copied)}


@pytest.mark.unit
def test_secrets_learnt_one_at_a_time_are_looked_for_as_by_a_redactor_made_with_them_all() -> None:
    """Learning adds a value's tables to those a redactor has (audit63 F4): what it then looks for is what a redactor
    made with every value at once looks for, and it redacts the same."""
    base = ["hh_api_A1b2C3d4E5f6G7h8"]
    learnt = Redactor(base)
    shared = learnt._tables  # cached, as every redactor made with these secrets gets them
    before = _contents(shared)
    for secret in LEARNT:
        learn([secret])
    made = Redactor(base)
    assert learnt._secrets == made._secrets
    assert _contents(learnt._tables) == _contents(made._tables)
    assert _contents(shared) == before  # added to a copy: the shared tables stay those of what they were made of
    for secret in (*base, *LEARNT, "Qw0pLm7Rt5Yu3Io9"):
        raw = secret.encode()
        for text in (
            f"using {secret} here",
            f"split at the end: {secret[: len(secret) // 2]}\n{secret[len(secret) // 2 :]} goes on",
            f"b64 {base64.b64encode(raw).decode()} hex {raw.hex(' ')} url {quote(secret)} {json.dumps(secret)}",
            f"| {secret[:4]} |\n| {secret[4:8]} |\n| {secret[8:]} |\n",
        ):
            assert learnt.redact_shown(text) == made.redact_shown(text), text
            assert learnt.redact_unfinished(text) == made.redact_unfinished(text), text
            assert learnt.folded(text, len(text)) == made.folded(text, len(text)), text
        assert learnt.redact(f"using {secret} here") == "using *** here" or len(secret) < 4


@pytest.mark.unit
def test_learning_a_secret_builds_the_tables_of_that_secret_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """audit63 F4: each learnt value rebuilt every redactor's tables over every secret learnt so far (the 300th value
    cost 130 ms, in the user's thread that set it). Now each redactor builds the new value's forms once, however many
    it learnt before (counted, not timed: a value's base64 cores are built for its tables only)."""
    redactors = [Redactor(["hh_api_A1b2C3d4E5f6G7h8"]), Redactor(["ghp_" + "Z" * 36]), Redactor()]
    alive = len(redact._REDACTORS)  # every redactor of the process learns (those of other tests that still live)
    built: list[bytes] = []
    cores = redact._base64_cores
    monkeypatch.setattr(redact, "_base64_cores", lambda raw: built.append(raw) or cores(raw))
    values = [f"Lr5Tq9Wm2Xz{n:04}Kp4Nv8Hc" for n in range(40)]
    for value in values:
        learn([value])
    assert max(Counter(built).values()) <= alive  # before: the first value's 40 times per redactor
    assert set(built) == {value.encode() for value in values}  # no other secret's again
    assert all(redactor.redact(f"got {values[0]}, {values[-1]}") == "got ***, ***" for redactor in redactors)


@pytest.mark.unit
@pytest.mark.usefixtures("unwatched")
def test_a_secret_is_learnt_before_another_thread_can_read_it_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One datapoint's thread sets a key; another that reads it from ``os.environ`` and records it must find it known:
    ``os.putenv``, which the write calls, learns it in the setting thread before ``os.environ`` holds it (audit59 F2,
    F8). ``learn`` is slowed down to hold the window open. Each way of writing ``os.environ`` goes through it."""
    from honeyhive_experiment import user_code

    def slow_learn(secrets: Iterable[str]) -> None:
        time.sleep(0.3)
        learn(secrets)

    monkeypatch.setattr(user_code, "learn", slow_learn)
    user_code.secrets_watch()
    secret = "s3cr3t-" + "Zx81Qw0pLm7Rt5Yu3Io9"
    monkeypatch.setenv("VAULT_API_KEY", "")  # put back as it was after the test
    setter = threading.Thread(target=os.environ.__setitem__, args=("VAULT_API_KEY", secret))
    setter.start()
    while not os.environ["VAULT_API_KEY"] and setter.is_alive():
        time.sleep(0.001)
    shown = Redactor([]).redact(f"bad key {os.environ['VAULT_API_KEY']}")
    setter.join()
    assert shown == "bad key ***"
    monkeypatch.setattr(user_code, "learn", learn)
    written = {
        "DB_PASSWORD": lambda value: os.environ.update(DB_PASSWORD=value),
        "JWT_SECRET": lambda value: os.environ.setdefault("JWT_SECRET", value),
        "GH_PAT": lambda value: os.environb.__setitem__(b"GH_PAT", value.encode()),
    }
    for name, write in written.items():
        monkeypatch.delenv(name, raising=False)
        write(f"{name.lower()}-Qw0pLm7Rt5Yu3")
    assert Redactor([]).redact(" ".join(f"{name.lower()}-Qw0pLm7Rt5Yu3" for name in written)) == "*** *** ***"


@pytest.mark.integration
@pytest.mark.usefixtures("unwatched")  # the command sets the hook itself, before the import
def test_a_key_the_users_code_loads_at_import_reaches_no_output_of_a_dry_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = repo.parent / "report.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report)], environ={})
    printed = capsys.readouterr()
    shown = {
        "terminal": printed.out + printed.err,
        "report.json": report.read_text(encoding="utf-8"),
        "report.html": (repo.parent / "report.html").read_text(encoding="utf-8"),
    }
    with sqlite3.connect(repo / ".honeyhive" / "local.db") as db:  # what HoneyHive would hold
        shown["recorded"] = "\n".join(db.iterdump())
    assert code == 1, shown["terminal"]  # the datapoint that raised failed: the run was judged, and reported
    assert {name: KEY in text for name, text in shown.items()} == dict.fromkeys(shown, False)
    assert "OpenAI rejected ***" in shown["terminal"]  # the error is still said, the key blanked
    assert "OpenAI rejected ***" in shown["report.json"]
    assert "OpenAI rejected ***" in shown["recorded"]
    assert "calling OpenAI with ***" in shown["terminal"]
    assert '"note": "used ***"' in shown["recorded"]  # the span's metric: known after the run started, redacted
    # what the code put there while it ran is known once its function returned: before anything of it was recorded
    assert "the vault sent ***" in shown["terminal"]
    assert "judging the vault sent ***" in shown["terminal"]  # printed by an evaluator of the datapoint that set it
    assert "the vault sent ***" in shown["recorded"]
    assert '"vault": "got ***"' in shown["recorded"]
    assert {name: LATER_KEY in text for name, text in shown.items()} == dict.fromkeys(shown, False)
    # and one it set and took out again within the datapoint: known from the moment it was set
    assert "exporting with ***" in shown["terminal"]
    assert '"lease": "held ***"' in shown["recorded"]
    assert {name: LEASED_KEY in text for name, text in shown.items()} == dict.fromkeys(shown, False)


@pytest.mark.integration
@pytest.mark.usefixtures("unwatched")
def test_a_key_the_users_code_loads_at_import_reaches_no_output_of_run_config(repo: Path) -> None:
    """``run_config`` (no CLI around it) sets the hook before the import too."""
    done = run_config(repo, dry_run=True, environ={})
    with sqlite3.connect(repo / ".honeyhive" / "local.db") as db:
        shown = {"terminal": done.terminal, "comment": done.comment, "recorded": "\n".join(db.iterdump())}
    assert {name: KEY in text for name, text in shown.items()} == dict.fromkeys(shown, False)
    assert "OpenAI rejected ***" in shown["recorded"]


@pytest.mark.integration
@pytest.mark.usefixtures("unwatched")
def test_a_key_a_datapoint_sets_reaches_no_output_of_evaluate(
    hh: HoneyHiveClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``evaluate()`` runs code its caller imported, in no repository of ours: it sets the hook itself, so a key the
    function fetches into the environment is learnt as it is set, before anything of the datapoint is recorded."""
    monkeypatch.setenv(LATER, "")  # put back as it was after the test

    def fetching(datapoint: dict[str, Any]) -> dict[str, Any]:
        os.environ[LATER] = LATER_KEY
        raise RuntimeError(f"the vault sent {os.environ[LATER]}")

    result = evaluate(fetching, [{"inputs": {"n": 1}}], client=hh)
    printed = capsys.readouterr()
    shown = {"printed": printed.out + printed.err, "recorded": json.dumps([*hh.iter_run_events(result.run_id)])}
    assert {name: LATER_KEY in text for name, text in shown.items()} == dict.fromkeys(shown, False)
    assert "the vault sent ***" in shown["recorded"]
    assert "the vault sent ***" in shown["printed"], shown["printed"]


@pytest.mark.e2e
def test_a_key_the_users_code_loads_at_import_reaches_no_output_of_the_action(repo: Path, world: World) -> None:
    """The action's own process, as a workflow's step runs it: its descriptors fenced, the comment posted."""
    world.keep_questions(6)  # the one that raises (forgot), the one that prints (invoice), one that leases a key
    # while it calls (export) and three more
    done, outputs, summary = world.run_action()
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=world.backend.url, headers=headers, verify=tls_for(world.backend.url)) as client:
        recorded = json.dumps(run_events(client, outputs["run-id"]))
    [comment] = world.github.comments(PR)
    shown = {
        "log": done.stdout + done.stderr,
        "outputs": json.dumps(outputs),
        "summary": summary,
        "comment": comment.body,
        "report.json": (repo / outputs["report-path"]).read_text(encoding="utf-8"),
        "report.html": (repo / outputs["html-report-path"]).read_text(encoding="utf-8"),
        "recorded": recorded,
    }
    assert done.returncode == 1, shown["log"]
    assert {name: KEY in text for name, text in shown.items()} == dict.fromkeys(shown, False)
    assert "OpenAI rejected \\*\\*\\*" in shown["comment"]  # the error is still said (in Markdown), the key blanked
    assert "OpenAI rejected ***" in recorded
    assert "calling OpenAI with ***" in shown["log"]
    assert "exporting with ***" in shown["log"]  # a key set and taken out again by a datapoint: known once set
    assert {name: LEASED_KEY in text for name, text in shown.items()} == dict.fromkeys(shown, False)

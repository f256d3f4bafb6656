"""The user's code prints, logs, raises and returns the action's secrets encoded (base64, hex, percent-encoded,
JSON-, HTML- and repr-escaped) and split across two lines: none of it reaches the job's log, the comment, the job
summary or report.json (issue 21, "secrets in other shapes").

``python -m honeyhive_experiment action`` runs in process as a dry run on a ``pull_request`` event, with the
secrets where the runner puts them (``HH_API_KEY`` and ``GITHUB_TOKEN`` from the inputs, the runner's own
``ACTIONS_RUNTIME_TOKEN``, a ``DB_PASSWORD`` the workflow hands the step, which no pattern knows, and Terraform's
``GOOGLE_CLOUD_KEYFILE_JSON``, a service account key whose ``private_key`` the code prints as the key parsed and dumped
again has it, JSON-escaped), against ``honeyhive_local`` on loopback; only argv and the environment are made up. A
table's cell wrapping the token over its rows (rich's ``overflow="fold"``) shows no piece of it either (audit 51, F1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.action_world import dry_run_outputs
from tests.honeyhive_experiment.report.scenarios import encodings, recognisable
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

API_KEY = 'hh-e2e/Kq8+Zr4=Wm9"Tp2Lx7Vb3'  # characters that every encoding escapes: / + = "
GITHUB_TOKEN = "ghs_Rk7Qm2Xz9Wp4Ln8Tc3Vb6Hy1Jd5Fs0Ga2Ke"
RUNTIME_TOKEN = "eyJ0eXAiOiJKV1QifQ.eyJzY3AiOiJBY3Rpb25zLlJlc3VsdHMifQ.c2lnbmF0dXJlLW9mLXRoZS1ydW5uZXI"
DB_PASSWORD = "Tr0ub4dor&3/horse+staple"  # in the step's env: a secret by its name alone
PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----"
)
KEYFILE_JSON = json.dumps({"type": "service_account", "private_key": PRIVATE_KEY, "client_email": "ci@x.com"}, indent=2)
DUMPED_KEY = json.dumps(PRIVATE_KEY)[1:-1]  # in json.dumps(json.loads(KEYFILE_JSON)): its line breaks as \n

FORMS = {
    f"{who} {shape}": form
    for who, secret in (
        ("key", API_KEY),
        ("token", GITHUB_TOKEN),
        ("runtime", RUNTIME_TOKEN),
        ("db", DB_PASSWORD),
        ("keyfile", DUMPED_KEY),
    )
    for shape, form in encodings(secret).items()
}
SPLITS = ((API_KEY[:12], API_KEY[12:]), (GITHUB_TOKEN[:20], GITHUB_TOKEN[20:]))
CELLS = [GITHUB_TOKEN[at : at + 12] for at in range(0, len(GITHUB_TOKEN), 12)]  # a table's cell wrapping it (rich)
TABLE = "\n".join(f"\u2502 {'token' if at == 0 else '':<5} \u2502 {cell:<12} \u2502" for at, cell in enumerate(CELLS))
APP = """
import logging

FORMS = {forms!r}
SPLITS = {splits!r}
TABLE = {table!r}
log = logging.getLogger("support_bot")


def answer(datapoint):
    question = datapoint["inputs"]["question"]
    for name, form in FORMS.items():
        print(f"{{name}}: {{form}}")
    for first, second in SPLITS:  # two prints: two lines of the log (each writes its text and its line feed apart,
        # and the other datapoints' threads print at once)
        print(f"the key starts {{first}}")
        print(f"{{second}} is how it ends")
        log.warning("%s", first)  # two log records
        log.warning("%s", second)
    print(TABLE)
    names = sorted(FORMS)
    mine = names[len(question) % len(names)]
    if "password" in question:
        raise PermissionError(f"401 with {{FORMS[mine]}}\\nkey: {{SPLITS[0][0]}}\\n{{SPLITS[0][1]}}")
    return {{"answer": FORMS[mine], "table": TABLE, "lines": "\\n".join(SPLITS[1]), "parts": list(SPLITS[0]),
            "all": FORMS}}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The quickstart whose function prints, logs, raises and returns the secrets in every shape (its answers
    have no topic, so every datapoint fails and its outputs are previewed in the report)."""
    root = copy_quickstart(tmp_path / "repo")
    (root / "support_bot" / "app.py").write_text(APP.format(forms=FORMS, splits=SPLITS, table=TABLE), encoding="utf-8")
    # the datapoints print at once (8 workers): each thread's lines stay whole and in order, whatever the others write
    assert "max_workers: 8" in (root / ".honeyhive" / "experiment.yml").read_text(encoding="utf-8")
    return root


def unwanted() -> list[str]:
    pieces = [piece for form in FORMS.values() for piece in recognisable(form)]
    cells = [cell for cell in CELLS if len(cell) >= 8]  # a shorter piece at an edge stays (redact.py's trade-off)
    splits = [part for split in SPLITS for part in split]
    return pieces + splits + cells + [API_KEY, GITHUB_TOKEN, RUNTIME_TOKEN, DB_PASSWORD]


def test_secrets_in_other_shapes_reach_no_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    environ = {
        "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN,
        "DB_PASSWORD": DB_PASSWORD,
        "GOOGLE_CLOUD_KEYFILE_JSON": KEYFILE_JSON,
    }
    code, outputs = dry_run_outputs(repo, capsys, api_key=API_KEY, github_token=GITHUB_TOKEN, environ=environ)
    log = outputs["log"]
    assert code == 1, log  # the datapoints fail: the run was judged, and reported
    assert outputs["comment"], log
    report = json.loads(outputs["report.json"])
    assert report["datapoints"]["failed"], "no outputs were previewed: the test would show nothing"
    assert report["datapoints"]["errored"], "no error was reported: the test would show nothing"
    for name, text in outputs.items():
        found = [piece for piece in unwanted() if piece in text]
        assert found == [], f"the {name} shows {found[:5]}"
        shown = text.replace("\\*", "*")  # Markdown escapes the comment's and the summary's ***
        assert "***" in shown, f"the {name} shows no redaction at all: the secrets never reached it"
    assert "the key starts ***" in log
    assert "*** is how it ends" in log

"""The secrets a workflow commonly hands the step under names of their own (a personal access token, a passphrase,
a JSON credentials blob, a DSN, a webhook's URL, a connection string) and the secrets the user's code returns under
a secret's key nested in a list or an object reach no output; the values of other variables (a layout, a flag) stay
(audit 46b, F7 and F9).

``python -m honeyhive_experiment action`` runs in process as a dry run on a ``pull_request`` event, those variables
in the step's environment, against ``honeyhive_local`` on loopback and the fake GitHub; only argv and the environment
are made up. The user's function prints each value inside a line (no fragment rule finds a piece there) and returns
them, with nested values under secret keys, in outputs that the report previews.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.action_world import dry_run_outputs
from tests.quickstart import copy_quickstart

pytestmark = pytest.mark.integration

API_KEY = "hh-env-Kq8Zr4Wm9Tp2Lx7Vb3"
GITHUB_TOKEN = "ghs_Rk7Qm2Xz9Wp4Ln8Tc3Vb6Hy1Jd5Fs0Ga2Ke"
CLIENT_SECRET = "Xq8~Rk2.Wm9_Tp4-Lx7Vb3Zn6Hy1Jd5Fs0Ga2KeQ"  # no pattern knows an Azure client secret
SECRET_VARIABLES = {  # none of these values has a shape a pattern knows: only the variable's name marks it
    "GH_PAT": "Pq7Wz2Kx9Lm4Rt8Vb3Nc6Hd",
    "GPG_PASSPHRASE": "correct horse battery staple 42",
    "AZURE_CREDENTIALS": json.dumps(
        {
            "clientId": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            "clientSecret": CLIENT_SECRET,
            "subscriptionId": "11111111-2222-3333-4444-555555555555",
            "tenantId": "66666666-7777-8888-9999-000000000000",
        }
    ),
    "SENTRY_DSN": "https://o1.ingest.sentry.io/api/2/store/?sentry_key=Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd",
    "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Vb3Nc6Hd7Wz2==",
    "HF_TOKEN_READ": "Tn7Ym2Kp4Lc9HdZq8Wv3Xr5",
    "OPENAI_KEY_PROD": "Lc9HdZq8Wv3Xr5Tn7Ym2Kp4",
}
OTHER_VARIABLES = {  # no secrets, whatever they start like: shown as they are
    "KEYBOARD_LAYOUT": "us-international-altgr",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PATH_INFO": "/api/v1/questions/list",
    "OAUTH_TOKEN_URL": "https://oauth2.example.com/token",
    "GOOGLE_APPLICATION_CREDENTIALS": str(Path(__file__).resolve()),  # the path of a file that exists (this one)
}
NESTED = {  # what the user's code returns under a secret's key, in a list or an object: no other rule finds them
    "token": ["Hd6Nc3Vb8Rt4Lm9Kx2Wz7Pq"],
    "password": {"v": "Wz7Pq2Kx9Lm4Rt8Vb3Nc6"},
    "secrets": {"openai": "Rt8Vb3Nc6Hd7Wz2Pq7Kx9"},
    "cookies": "sessionid=Kx9Lm4Rt8Vb3Nc6Hd7",
}
SHOWN = [
    *(f"{name}={value}" for name, value in SECRET_VARIABLES.items()),
    f"logging in as the app with {CLIENT_SECRET} (from the credentials)",  # no keyword before it
]
APP = """
SHOWN = {shown!r}
OTHERS = {others!r}
NESTED = {nested!r}


def answer(datapoint):
    for line in SHOWN + [f"{{name}}={{value}} is set" for name, value in OTHERS.items()]:
        print(line)
    return {{"answer": "no topic here", **NESTED, "shown": SHOWN, "others": OTHERS}}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The quickstart whose function prints and returns the environment's secrets (its answers have no topic, so every
    datapoint fails and its outputs are previewed in the report)."""
    root = copy_quickstart(tmp_path / "repo")
    app = APP.format(shown=SHOWN, others=OTHER_VARIABLES, nested=NESTED)
    (root / "support_bot" / "app.py").write_text(app, encoding="utf-8")
    return root


def unwanted() -> list[str]:
    values = [CLIENT_SECRET, *SECRET_VARIABLES.values()]
    nested = [NESTED["token"][0], NESTED["password"]["v"], NESTED["secrets"]["openai"], NESTED["cookies"]]
    return values + nested


def test_commonly_named_secrets_and_nested_secret_values_reach_no_output(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {**SECRET_VARIABLES, **OTHER_VARIABLES}
    code, outputs = dry_run_outputs(repo, capsys, api_key=API_KEY, github_token=GITHUB_TOKEN, environ=environ)
    log = outputs["log"]
    assert code == 1, log  # the datapoints fail: the run was judged, and reported
    assert outputs["comment"], log
    assert json.loads(outputs["report.json"])["datapoints"]["failed"], "no outputs previewed: the test shows nothing"
    found = {name: [piece for piece in unwanted() if piece in text] for name, text in outputs.items()}
    assert found == {name: [] for name in outputs}
    for name in SECRET_VARIABLES:
        assert f"{name}=***" in log
    assert "logging in as the app with *** (from the credentials)" in log
    for name, value in OTHER_VARIABLES.items():
        assert f"{name}={value} is set" in log  # useful text: not blanked
    assert "us-international-altgr" in outputs["report.json"]

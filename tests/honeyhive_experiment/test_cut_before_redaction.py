"""Text of the user's or the backend's that a message cuts before the redactor sees it is cut between words (or between
the keys of a path), never inside one: a secret cut short matches none of the redactor's patterns (a URL's credentials
need their ``@``, a key its length) and a short piece of a known one is no fragment it looks for, so what was left
of it showed. Nor does writing it escaped (``repr``, JSON) hide a secret: ``Bearer\\tKEY`` is a Bearer credential. Each
case is one the secrets audit found, with how much of the secret showed."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import yaml

from honeyhive_experiment.cli import main
from honeyhive_experiment.config import ConfigError, parse_config
from honeyhive_experiment.config.fields import _describe
from honeyhive_experiment.connection import answer_reason
from honeyhive_experiment.datasets.csvfile import load_csv
from honeyhive_experiment.errors import DatasetError
from honeyhive_experiment.evaluators import run_evaluators
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.tracing import _refusal, recordable
from honeyhive_local import LocalBackend
from tests.conftest import API_KEY

PASSWORD = "4TunPFz46PDjqipVJI"
URL = f"https://alice:{PASSWORD}@db.example.com/x"  # only the URL pattern knows it: a cut before its @ hid it
KNOWN = "sk-proj-fJs1ON43xKmTecQoXsf2o3gyrDO1xkxwnQrS7RPe"  # the environment's: a piece under half is no fragment


def shown(secret: str, text: str) -> str:
    """The longest piece of ``secret`` left in ``text`` once redacted as every output is."""
    out = Redactor([KNOWN]).redact_shown(text)
    pieces = (secret[i:j] for i in range(len(secret)) for j in range(i + 1, len(secret) + 1))
    return max((piece for piece in pieces if piece in out), key=len, default="")


def cycle_under(key: str) -> dict[str, Any]:
    looped: dict[str, Any] = {}
    looped[key] = looped
    return {"cache": looped}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("key", "secret"),
    [
        pytest.param("c" * 55 + " " + URL + " " + "d" * 150, PASSWORD, id="its head cut the URL before its @ (16/18)"),
        pytest.param("a" * 120 + "_" + KNOWN + "_" + "b" * 78, KNOWN, id="its tail kept 21 of 48 (no sk-)"),
    ],
)
def test_a_long_path_in_the_cut_warning_shows_no_piece_of_a_secret_in_a_key(key: str, secret: str) -> None:
    (said,) = recordable(cycle_under(key), "outputs").cut
    assert len(shown(secret, said)) < 3, said
    assert said.startswith("outputs.cache.…")


@pytest.mark.unit
def test_a_long_path_keeps_or_drops_each_key_whole() -> None:
    keys = [f"key{n}-" + "x" * 2 * n for n in range(20)]  # 480 characters, under MAX_DEPTH keys
    value: Any = {}
    inner = value
    for key in keys:
        inner[key] = {}
        inner = inner[key]
    inner["loop"] = value
    (said,) = recordable(value, "outputs").cut
    path = said.removesuffix(" holds itself (a reference cycle): recorded as '[cycle: holds itself]'").split(".")
    assert (path[0], path[-1]) == ("outputs", "loop")
    assert "…" in path
    assert set(path) - {"…"} <= {"outputs", "loop", *keys}
    assert len(".".join(path)) <= 203


@pytest.mark.unit
def test_a_backends_reason_is_cut_between_words() -> None:
    """A backend (or a proxy) that echoes the output it refused: 16 of the password's 18 characters showed in the
    ::error:: line, the summary, report.json, the HTML and the comment."""
    echoed = "event rejected: outputs.answer is too long: " + "A" * 425 + " " + URL
    reason = answer_reason(httpx.Response(400, json={"error": echoed}))
    assert len(reason) <= 501
    assert len(shown(PASSWORD, reason)) < 3, reason
    text = "<html>bad gateway: " + "A" * 450 + " " + URL  # the cut, at 500 characters, falls in the URL
    assert len(shown(PASSWORD, answer_reason(httpx.Response(502, text=text)))) < 3


def exporters_answer(status: int, phrase: str, text: str) -> requests.Response:
    """An answer as the span exporter's requests session gets it."""
    response = requests.Response()
    response.status_code, response.reason, response._content = status, phrase, text.encode()
    return response


@pytest.mark.unit
def test_the_exporters_backend_reason_is_cut_between_words() -> None:
    response = exporters_answer(400, "Bad Request", "refused " + "A" * 460 + " " + URL)
    assert len(shown(PASSWORD, answer_reason(response))) < 3


@pytest.mark.unit
def test_the_client_and_the_exporter_give_one_answer_the_same_reason() -> None:
    """A proxy's page refusing a request: the client's ApiError cut its text at 300 characters, the span exporter's
    failure at 500 (``tracing._refusal``), so one answer read two ways. ``answer_reason`` serves both."""
    text = "<html><body>request refused by the gateway: " + " ".join(f"rule-{n}" for n in range(50)) + "</body></html>"
    assert 300 < len(text) < 500
    refused = _refusal(exporters_answer(403, "Forbidden", text))
    assert refused == f"HTTP 403: {answer_reason(httpx.Response(403, text=text))}" == f"HTTP 403: {text}"


@pytest.mark.unit
def test_a_yaml_value_of_another_type_is_described_in_whole_words() -> None:
    """``!!binary``, ``!!set``, a timestamp: ``str(value)[:60]`` showed 17 of the password's 18 characters."""
    encoded = base64.b64encode(b"https://ci-deploy-bot-of-support-prod-eu:" + PASSWORD.encode() + b"@db").decode()
    value = yaml.safe_load(f"v: !!binary {encoded}")["v"]
    assert len(shown(PASSWORD, _describe(value))) < 3
    assert _describe(yaml.safe_load("v: !!set {a: null}")["v"]) == "a set ({'a'})"


TOKEN, WORD = "qJ38aRUhR4IWrXPvhsBkDa9U4UqG", "WlG6g3Ot1OGMmjxWkI"  # a Bearer token, a password: patterns only


@pytest.mark.unit
def test_an_evaluators_dict_keys_quoted_with_a_tab_or_line_break_show_no_secret() -> None:
    """The warning quotes the keys as ``repr`` writes them (``'password:\\tWlG6…'``): shown whole (18/18, 28/28)."""
    returned = {f"Authorization: Bearer\n{TOKEN}": 1, f"password:\t{WORD}": "2"}  # one number: a forgotten score?
    outcome = run_evaluators([lambda outputs, inputs: returned], {"answer": "a"}, {"q": "q"})
    (said,) = outcome.warnings.values()
    assert "\\t" in said  # quoted as repr writes it
    assert len(shown(TOKEN, said)) < 3, said
    assert len(shown(WORD, said)) < 3, said


@pytest.mark.unit
def test_a_config_value_quoted_with_a_tab_shows_no_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f'name: x\nfunction: a:b\ndataset: {{path: d.jsonl}}\nmax_workers: "password:\\t{WORD}"\n')
    said = "\n".join(str(issue) for issue in caught.value.issues)
    assert "password:\\t" in said
    assert len(shown(WORD, said)) < 3, said


@pytest.mark.unit
def test_a_csv_cell_quoted_with_a_tab_shows_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(f'inputs.q,inputs.n:int\nhi,"Authorization: Bearer\t{TOKEN}"\n', encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_csv(str(path))
    assert "Bearer\\t" in str(caught.value)
    assert len(shown(TOKEN, str(caught.value))) < 3, str(caught.value)


@pytest.mark.integration
def test_view_names_another_experiments_run_without_a_secret_in_its_name(
    quickstart: Path, backend: LocalBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run named by another client: its name clipped to 200 characters before redaction showed 15 of 18."""
    run_id = str(uuid.uuid4())
    name = "nightly-eval " + "x" * 156 + " " + URL
    created = httpx.post(
        f"{backend.url}/v1/runs",
        headers={"Authorization": f"Bearer {API_KEY}"},
        json={"run_id": run_id, "name": name, "status": "completed", "metadata": {}, "event_ids": []},
    )
    assert created.status_code == 200, created.text

    environ = {"HH_API_KEY": API_KEY, "HH_API_URL": backend.url}
    assert main(["view", run_id, "--no-open", "-C", str(quickstart)], environ=environ) == 2
    err = capsys.readouterr().err
    assert f"run {run_id} is a run of 'nightly-eval x" in err
    assert len(shown(PASSWORD, err)) < 3, err

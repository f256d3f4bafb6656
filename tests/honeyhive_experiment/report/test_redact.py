"""``report.redact``: planted secrets appear in no output (comment, summary, terminal, report.json) and no
log line."""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import json
import logging
import math
import multiprocessing
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.config import CommentConfig
from honeyhive_experiment.connection import environment_secrets
from honeyhive_experiment.gha import issue, neutralise
from honeyhive_experiment.judgement import Judgement, TrendPoint
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.report import (
    RedactingFilter,
    Redactor,
)
from honeyhive_experiment.report.markdown import md_escape
from honeyhive_experiment.report.redact import RedactingStream, learn
from honeyhive_experiment.verdict import Decision, Verdict
from tests.honeyhive_experiment.report.scenarios import (
    APP,
    BASELINE_ID,
    FAIL_COMPARE_BODY,
    FAIL_SUMMARY_BODY,
    RUN_ID,
    baseline_info,
    comparison_of,
    datapoint,
    detail,
    encodings,
    fail_input,
    pass_input,
    recognisable,
    render_comment,
    render_summary,
    render_terminal,
    report_json,
    summary_of,
)

pytestmark = pytest.mark.unit

API_KEY = "hh-test-4f7c2a9e1b3d5f60"  # the api-key input: no pattern knows it, only its value
GITHUB_TOKEN = "v1.3b9d5e7f1a2c4e6f8a0b"  # the github-token input
OPENAI_KEY = "sk-proj-Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd"
GITHUB_PAT = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
BEARER = "s3cr3tB34r3rT0k3nV4lu3xyz"
HH_KEY = "hh_0123456789abcdefXYZ"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
PLANTED = (API_KEY, GITHUB_TOKEN, OPENAI_KEY, GITHUB_PAT, BEARER, HH_KEY, AWS_KEY)
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret access key
AZURE_PAT = "5fzq3kx7wm2bvn7tr4lc6hd6ya2pe3gs3oj7ui2mkq5xz4wn4rvb"  # an Azure DevOps PAT's shape: 52 base32
AZURE_INDEX = "--index-url https://***@pkgs.dev.azure.com/acme/_packaging/f/pypi/simple/ x"
HH_HASHED = "hh_{kind}_Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd0_" + "Ab3-Cd5_Ef7gHi9jKl1m" * 3 + "No2p"  # 24 + 64


def leaks(text: str) -> list[str]:
    """Any planted secret, or a recognisable piece of one (its first or last 8 characters)."""
    found = []
    for secret in PLANTED:
        for piece in (secret, secret[:8], secret[-8:]):
            if piece in text:
                found.append(piece)
    return found


def secret_input() -> Judgement:
    data = fail_input()
    summary_body = json.loads(json.dumps(FAIL_SUMMARY_BODY))
    summary_body["error"] = f"evaluator called with Authorization: Bearer {BEARER}"
    summary_body["metrics"]["details"].append(detail(f"leak_{OPENAI_KEY}", 0.5, [0.5]))
    summary_body["failed"].append(f"EXT-{AWS_KEY}")
    summary_body["datapoints"].append(
        datapoint(f"EXT-{AWS_KEY}", False, {f"leak_{OPENAI_KEY}": 0.1}, [f"leak_{OPENAI_KEY}"])
    )
    summary = summary_of(summary_body)
    # a secret right where a 200-character preview is cut: 12 of its characters would be left, too few for
    # the sk- pattern to recognise after the cut, so only redaction before truncation protects it
    padding = "x" * (187 - len('{"answer": "') - len(" key="))
    leaky_output = {"answer": f"{padding} key={OPENAI_KEY}", "debug": {"api_key": API_KEY, "headers": [GITHUB_PAT]}}
    assert json.dumps(leaky_output).index(OPENAI_KEY) == 187
    outcomes = [
        DatapointOutcome(
            index=1, datapoint_id="EXT-q2", session_id="sess-EXT-q2", status=OutcomeStatus.OK, outputs=leaky_output
        ),
        DatapointOutcome(
            index=4,
            datapoint_id="EXT-q5",
            session_id="sess-EXT-q5",
            status=OutcomeStatus.FUNCTION_ERROR,
            error=f"HTTPError 401 for https://api.example.com/v1?token={GITHUB_TOKEN}\nheaders: Bearer {BEARER}",
        ),
        DatapointOutcome(
            index=5,
            datapoint_id=f"EXT-{AWS_KEY}",
            session_id="sess-aws",
            status=OutcomeStatus.OK,
            outputs=f"uses {HH_KEY}",
            evaluator_failures=(EvaluatorFailure("judge", f"openai.AuthenticationError: bad key {OPENAI_KEY}"),),
        ),
    ]
    return dataclasses.replace(
        data,
        experiment="support-bot",
        summary=summary,
        comparison=comparison_of(FAIL_COMPARE_BODY, summary),
        baseline=baseline_info(name=f"main {GITHUB_PAT}", url=f"{APP}/runs/{BASELINE_ID}?api_key={API_KEY}"),
        outcomes=outcomes,
        inputs_by_datapoint={
            "EXT-q2": {"question": f"my key is {API_KEY}", "password": "hunter2hunter2"},
            f"EXT-{AWS_KEY}": {"q": GITHUB_PAT},
        },
        notes=(f"token {GITHUB_TOKEN} expires soon", f"HH_API_KEY={HH_KEY}"),
        decision=Decision(Verdict.FAIL, (f"backend said: Bearer {BEARER}",)),
        run_url=f"{APP}/runs/{RUN_ID}?t={GITHUB_TOKEN}",
        trend=[TrendPoint(f"main {OPENAI_KEY}", RUN_ID, {"accuracy": 0.8})],
        comment=CommentConfig(title=f"support-bot {AWS_KEY}"),
    )


def test_planted_secrets_never_appear_in_any_output() -> None:
    data = secret_input()
    secrets = (API_KEY, GITHUB_TOKEN)
    outputs = {
        "comment": render_comment(data, secrets=secrets).text,
        "summary": render_summary(data, secrets=secrets),
        "terminal": render_terminal(data, secrets=secrets),
        "report.json": json.dumps(report_json(data, secrets=secrets)),
    }
    for name, text in outputs.items():
        assert leaks(text) == [], f"{name} leaks"
        assert "***" in text, f"{name} shows no redaction at all: the planted strings are missing"
    assert "hunter2hunter2" not in outputs["report.json"]  # under a "password" key
    assert "EXT-\\*\\*\\*" in outputs["comment"]  # the datapoint is still listed, its secret part redacted
    assert "Bearer \\*\\*\\*" in outputs["comment"]


def test_without_the_input_values_only_patterns_are_redacted() -> None:
    text = render_comment(secret_input()).text
    assert API_KEY in text or GITHUB_TOKEN in text  # shows the secrets= argument is what protects them
    assert OPENAI_KEY not in text
    assert GITHUB_PAT not in text


def test_secrets_in_a_custom_template_are_redacted_too(tmp_path: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text(f"{{{{ marker }}}}\nliteral {OPENAI_KEY} and {API_KEY}\n", encoding="utf-8")
    text = render_comment(pass_input(), secrets=[API_KEY], template_path=template).text
    assert leaks(text) == []
    assert "literal *** and ***" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {OPENAI_KEY}.", "key ***."),
        (f"leak_{OPENAI_KEY}", "leak_***"),
        (GITHUB_PAT, "***"),
        ("gho_" + "a" * 36, "***"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "***"),
        (f"Authorization: Bearer {BEARER}", "Authorization: Bearer ***"),
        ("authorization: basic dXNlcjpwYXNzd29yZA==", "authorization: basic ***"),
        (HH_KEY, "***"),
        (AWS_KEY, "***"),
        ("xoxb-1234567890-abcdefghij", "***"),
        ("AIza" + "B" * 35, "***"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl", "***"),
        ("https://user:pa55word@example.com/x", "https://user:***@example.com/x"),
        ('{"api_key": "abcdef123456"}', '{"api_key": "***"}'),
        ("X-API-Key: abcdef123456", "X-API-Key: ***"),
        ("password=hunter22", "password=***"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "***"),
        ("sk-ant-api03-Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd-AbC_dE", "***"),  # Anthropic: sk- too
        ("token hf_QmVyYW5kb21Ub2tlblZhbHVlRm9yVGVzdA.", "token ***."),  # Hugging Face
        ("gsk_8Hq2Wm5Xr7Tn3Ym9Kp4Lc6Hd1Zv0Bs2Qf7Ra5Ue8Jx3Nb6", "***"),  # Groq
        ("r8_Zq8Wv3Xr5Tn7Ym2Kp4Lc9HdAbCdEfGh", "***"),  # Replicate
        ("(xai-Zq8Wv3Xr5Tn7Ym2Kp4Lc9HdAbCdEfGhJk)", "(***)"),  # xAI
        # shapes that leaked when no variable's name marked them (audit 46b F7)
        ("login -p dckr_pat_2b3e36beeb386dfdaacb9b46004 x", "login -p *** x"),  # Docker Hub
        ("(dckr_oat_Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd-Ab_Cd)", "(***)"),  # Docker Hub, an organisation's
        ("stripe sk_live_51H8xYzAbCdEfGhIjKlMnOpQr.", "stripe ***."),  # Stripe: secret, restricted, test keys
        ("rk_live_51H8xYzAbCdEfGhIjKlMnOpQr", "***"),
        ("'sk_test_4eC39HqLyjWDarjtT1zdp7dc'", "'***'"),
        ("glpat-xZ8vQ2rT5yU1pL9m-N3b x", "*** x"),  # GitLab: personal, deploy, runner tokens
        ("gldt-Zq8Wv3Xr5Tn7Ym2Kp4Lc and glrt-t1_Zq8Wv3Xr5Tn7Ym2Kp4Lc", "*** and ***"),
        (
            "//registry.npmjs.org/:_authToken=npm_Ab3dEf6hIj9kLm2oPq5rSt8uVw1yZa4cDe7g",
            "//registry.npmjs.org/:_authToken=***",
        ),
        ("password = pypi-AgEIcHlwaS5vcmcCJGQ4ZTU2YjQ5LWE0ZjAtNDc2Zi1hYjJhLTcx", "password = ***"),  # PyPI
        ("twine -p pypi-AgEIcHlwaS5vcmcCJGQ4ZTU2YjQ5LWE0ZjAtNDc2Zi1hYjJhLTcx", "twine -p ***"),
        ("lsv2_pt_0123456789abcdef0123456789abcdef_0123456789", "***"),  # LangSmith
        ("lsv2_sk_0123456789abcdef0123456789abcdef_0123456789.", "***."),
        ("key pcsk_4Xq9Z_Tp3Lm8Wn2Rk7Vb6Hy1Jd5Fs0Ga2KeQx8Wv3Xr5Tn7Zq8Wv3X", "key ***"),  # Pinecone
        ("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", "***"),  # Perplexity
        # a URL's credentials: a password, or a user without one (the token is the user)
        (f"--index-url https://:{AZURE_PAT}@pkgs.dev.azure.com/acme/_packaging/f/pypi/simple/ x", AZURE_INDEX),
        ("https://Zq8Wv3Xr5Tn7Ym2:@pypi.fury.io/acme/", "https://***@pypi.fury.io/acme/"),  # Gemfury
        ("install: --index-url https://Zq8Wv3Xr5Tn7Ym2@host/simple", "install: --index-url https://***@host/simple"),
        ("redis://:pw@cache:6379/0", "redis://***@cache:6379/0"),
        ("https://abc:@host/simple", "https://***@host/simple"),  # a user with an empty password: however short
        (f"https://{'0f' * 20}@host/simple/", "https://***@host/simple/"),  # a token alone: 12+, not words
        ("https://Zq8Wv3Xr5T@host/simple", "https://Zq8Wv3Xr5T@host/simple"),  # under 12: a name
        # the AWS secret key beside its id, as ~/.aws/credentials, a shell and a .env have them
        (
            f"aws_access_key_id = {AWS_KEY}\naws_secret_access_key = {AWS_SECRET}",
            "aws_access_key_id = ***\naws_secret_access_key = ***",
        ),
        (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", "export AWS_SECRET_ACCESS_KEY=***"),
        (f'{{"SecretAccessKey": "{AWS_SECRET}"}}', '{"SecretAccessKey": "***"}'),
        # HoneyHive's hashed keys: <kind>_<24-character id>_<64-character secret>, and the read-only project key
        (f"HH_DATA_PLANE_API_KEY {HH_HASHED.format(kind='fgdp')}.", "HH_DATA_PLANE_API_KEY ***."),
        (f"key={HH_HASHED.format(kind='ingst')}", "key=***"),
        ("(hh_ro_Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd0a)", "(***)"),
        # not secrets: left alone
        (
            "git+ssh://git@github.com/acme/lib.git, git@github.com:acme/lib",
            "git+ssh://git@github.com/acme/lib.git, git@github.com:acme/lib",
        ),
        ("https://example.com/search?q=a@b or ops@example.com", "https://example.com/search?q=a@b or ops@example.com"),
        # a user alone that is a name, not a token
        *(
            (url, url)
            for url in (
                "ssh://deploy@build.example.com:2222/srv/repo.git",
                "https://alice@bitbucket.org/team/repo.git",
                "smtp://mail@example.com, http://user@localhost",
                "https://firstname.lastname@git.example.com/r.git, ftp://build-agent-01@host",
            )
        ),
        ("the access key id and the secret key are set", "the access key id and the secret key are set"),
        ("hf_hub_download and xai-grok-2-latest", "hf_hub_download and xai-grok-2-latest"),
        *(
            (text, text)
            for text in (
                "npm_config_cache=/home/runner/.npm and npm_package_name",
                "pip install pypi-simple; pypi-AgE",
                "mask_test_cases_for_the_new_parser and sk_live_ (prefix only)",
                "dckr_pat_ is Docker's prefix; pplx-api, pcsk_ and lsv2_pt_ too",
                "glpat-2024 and gldt-docs",
            )
        ),
        ("task-force-assessment-2024-final", "task-force-assessment-2024-final"),
        ("max_tokens=1024 and 512 tokens", "max_tokens=1024 and 512 tokens"),
        ("the basic idea", "the basic idea"),
        # two backslashes and n: a line break as JSON inside a repr writes it, or a backslash and an n written once; no
        # count of backslashes tells them apart, and the safe side is the line break's (audit F5)
        ("x\\\\nsk-proj-Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd", "x\\\\n***"),
        # a Windows path, its \t no tab, as printed and as repr writes it (audit F5)
        *(
            (path, path)
            for path in (
                "C:\\auth\\bearer\\tokens_store_file",
                "C:\\\\auth\\\\bearer\\\\tokens_store_file",
                "D:\\keys\\Basic\\tokenstore2024backup",
            )
        ),
    ],
)
def test_redactor_patterns(text: str, expected: str) -> None:
    assert Redactor().redact(text) == expected


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl"
# a secret that only a pattern finds, after a space of any kind: (written with {space}, redacted)
AFTER_A_SPACE = [
    ("Authorization: Bearer{space}" + BEARER, "Authorization: Bearer{space}***"),
    ("authorization: basic{space}dXNlcjpwYXNzd29yZA==", "authorization: basic{space}***"),
    ("password:{space}hunter22", "password:{space}***"),
    ('{{"api_key":{space}"abcdef123456"}}', '{{"api_key":{space}"***"}}'),
    # the token starts after the space: its first letter follows an escape's (…\nsk-…, …\tBearer …)
    ("user: bob{space}password: hunter22", "user: bob{space}password: ***"),
    ("a{space}Bearer " + BEARER, "a{space}Bearer ***"),
    *((f"a{{space}}{token}", "a{space}***") for token in (OPENAI_KEY, GITHUB_PAT, HH_KEY, AWS_KEY, JWT)),
    ("xoxb-1234567890-abcdefghij{space}sk-ant-api03-Zq8Wv3Xr5Tn7Ym2Kp4Lc9Hd", "***{space}***"),
    # not secrets, escaped or not
    ("the basic{space}idea", "the basic{space}idea"),
    ("max_tokens{space}= 1024", "max_tokens{space}= 1024"),
]
WRITTEN = {
    "as is": lambda text: text,
    "repr": repr,
    "JSON": json.dumps,
    "JSON in a repr": lambda text: repr(json.dumps(text)),
    "JSON in JSON": lambda text: json.dumps(json.dumps(text)),
}


@pytest.mark.parametrize("write", WRITTEN.values(), ids=WRITTEN.keys())
@pytest.mark.parametrize(("text", "expected"), AFTER_A_SPACE)
def test_a_pattern_finds_its_secret_after_a_space_written_escaped(
    text: str, expected: str, write: Callable[[str], str]
) -> None:
    """repr and JSON write a tab or a line break as ``\\t``, ``\\n`` (an evaluator's dict key, a CSV cell, a config
    value in an error; ``\\\\t`` for JSON inside a repr): the patterns that need a space before the secret (``Bearer``,
    ``password:``) showed it whole, and a token after an escaped line break (``…\\nsk-…``: its ``n`` a letter) too.
    Found through each pattern's hints, as every string is."""
    for space in (" ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\t\n  ", "\u2028", "\x85", "\u3000", "\x1f"):
        written = write(text.format(space=space))
        assert Redactor().redact(written) == write(expected.format(space=space)), written


def test_redactor_replaces_exact_values_but_not_short_ones() -> None:
    redactor = Redactor([API_KEY, "abc", None, f"  {GITHUB_TOKEN}\n"])
    assert redactor.redact(f"a {API_KEY} b abc {GITHUB_TOKEN}") == "a *** b abc ***"


def test_redact_value_replaces_values_under_secret_looking_keys() -> None:
    value = {
        "api_key": "short",
        "nested": [{"Authorization": "anything"}, {"password": 1234}],
        "text": f"see {GITHUB_PAT}",
        "max_tokens": 1024,
        "flag": True,
        "aws": {"aws_secret_access_key": "x" * 40, "AWS_SECRET_KEY": "y" * 40, "accessKey": "z" * 20},
        "auth": {"token": "t" * 5, "refresh_token": "r" * 30, "github_token": "g" * 8},
        "env": {"CACHE_KEY": "v1"},
        "row": {"answer_key": "A) the mitochondria", "sort_key": "created_at", "s3_key": "data/2024/questions.jsonl"},
        # a list or an object under such a key is replaced whole too; secrets and cookies are such keys (audit 46b F9)
        "deep": {"token": ["tok1", "tok2"], "password": {"v": "hunter22"}, "credentials": [{"user": "u", "pw": "p"}]},
        "bag": {"secrets": {"openai": "o" * 30}, "cookies": "sessionid=abc123", "Set-Cookie": ["sid=x1; Secure"]},
        "empty": {"token": [], "password": {}, "secret": None, "api_key": "", "cookies": False},
    }
    assert Redactor().redact_value(value) == {
        "api_key": "***",
        "nested": [{"Authorization": "***"}, {"password": "***"}],
        "text": "see ***",
        "max_tokens": 1024,
        "flag": True,
        "aws": {"aws_secret_access_key": "***", "AWS_SECRET_KEY": "***", "accessKey": "***"},
        "auth": {"token": "***", "refresh_token": "***", "github_token": "***"},
        "env": {"CACHE_KEY": "v1"},
        "row": {"answer_key": "A) the mitochondria", "sort_key": "created_at", "s3_key": "data/2024/questions.jsonl"},
        "deep": {"token": "***", "password": "***", "credentials": "***"},
        "bag": {"secrets": "***", "cookies": "***", "Set-Cookie": "***"},
        "empty": {"token": [], "password": {}, "secret": None, "api_key": "", "cookies": False},  # nothing to hide
    }


CLIENT_SECRET = "Xq8~Rk2.Wm9_Tp4-Lx7Vb3Zn6Hy1Jd5Fs0Ga2KeQ"  # an Azure client secret's shape: no pattern knows it
AZURE_CREDENTIALS = json.dumps(
    {
        "clientId": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "clientSecret": CLIENT_SECRET,
        "subscriptionId": "11111111-2222-3333-4444-555555555555",
        "tenantId": "66666666-7777-8888-9999-000000000000",
        "resourceManagerEndpointUrl": "https://management.azure.com/",
    },
    indent=2,
)


def test_the_secrets_inside_a_json_secret_are_secrets_of_their_own() -> None:
    """AZURE_CREDENTIALS is a JSON blob the workflow hands the step (azure/login's input): its clientSecret printed
    inside a line showed, being less than half the blob (no fragment rule finds so small a piece mid-line). The values
    under a secret's key in a JSON secret are known values too; the rest of it (ids, URLs) is no secret: only
    fragments of the whole (audit 46b F7)."""
    service_account = json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-evals",
            "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
            "client_email": "ci@acme-evals.iam.gserviceaccount.com",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "nested": {"refresh_token": ["1//0gZq8Wv3Xr5Tn7Ym2Kp4Lc9Hd"], "password": "short"},
        }
    )
    redactor = Redactor([AZURE_CREDENTIALS, service_account])
    said = (
        f"the secret is {CLIENT_SECRET} (of 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 at https://management.azure.com/); "
        "refresh with 1//0gZq8Wv3Xr5Tn7Ym2Kp4Lc9Hd as ci@acme-evals.iam.gserviceaccount.com, a service_account; "
        "the password is short"
    )
    expected = (
        "the secret is *** (of 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 at https://management.azure.com/); "
        "refresh with *** as ci@acme-evals.iam.gserviceaccount.com, a service_account; the password is short"
    )
    assert redactor.redact(said) == expected
    assert redactor.redact_known({"out": said}) == {"out": expected}  # what is recorded in HoneyHive too
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in redactor.redact(
        f"key: x {json.loads(service_account)['private_key']}"
    )
    # a secret that only looks like JSON, or holds the value under no secret's key, adds nothing (the value is less
    # than half of it: only a fragment)
    more = "Lorem-ipsum-" * 10
    for secret in (
        "{not json " + CLIENT_SECRET + more,
        json.dumps([CLIENT_SECRET, more]),
        json.dumps({"id": CLIENT_SECRET, "x": more}),
    ):
        assert Redactor([secret]).redact(f"is {CLIENT_SECRET} ok") == f"is {CLIENT_SECRET} ok"


def test_a_docker_configs_auth_and_tokens_are_secrets_of_their_own() -> None:
    """DOCKER_AUTH_CONFIG (GitLab's: a registry's auths JSON) names a secret, but the ``auth`` inside it (base64 of
    user:password), printed alone mid-line, showed: ``auth`` and ``identitytoken`` are no secret's key of
    :func:`_sensitive`, and each value is less than half the config (audit52 M3). Inside a JSON secret they are;
    a datapoint's output under ``auth`` stays its data."""
    auth = base64.b64encode(b"ci-robot:Zq8vW3nLk2Pq7Rt5Yx").decode()
    other = base64.b64encode(b"deploy:Hs9kQ2mWx7Lp4Nv8Tz").decode()
    token = "dGhlLWlkZW50aXR5LXRva2VuLTQ4Mg"
    config = {"auths": {"registry.gitlab.example.com": {"auth": auth}, "ghcr.io": {"identitytoken": token}}}
    config["auths"]["quay.io"] = {"auth": other, "registrytoken": token[::-1]}
    redactor = Redactor(environment_secrets({"DOCKER_AUTH_CONFIG": json.dumps(config)}))
    for value in (auth, other, token, token[::-1]):
        assert redactor.redact(f"docker: using {value} for the registry") == "docker: using *** for the registry"
    outputs = {"auth": "the user signs in with OAuth2", "identitytoken": "a JWT the IdP signs"}
    assert redactor.redact_value(outputs) == outputs


PRIVATE_KEY = (  # a service account's key: a PEM block, JSON-escaped in the key file
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n"
)
EMAIL = "ci-bot@acme-evals.iam.gserviceaccount.com"
SERVICE_ACCOUNT = {  # what Google's console downloads, and a workflow hands the step as GCP_SA_KEY
    "type": "service_account",
    "project_id": "acme-evals",
    "private_key_id": "3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
    "private_key": PRIVATE_KEY,
    "client_email": EMAIL,
    "client_id": "109876543210987654321",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": "https://oauth2.googleapis.com/token",
    "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
    "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/ci-bot%40acme-evals.iam.gserviceaccount.com",
    "universe_domain": "googleapis.com",
}
SERVICE_ACCOUNT_KEY = json.dumps(SERVICE_ACCOUNT, indent=2)


def assert_key_unseen(redactor: Redactor) -> None:
    """The service account's key and its private key, in every form, reach no text ``redactor`` redacts."""
    for secret in (SERVICE_ACCOUNT_KEY, PRIVATE_KEY):
        for shape, form in encodings(secret).items():
            for text in (form, f"sent {form} to the server"):
                redacted = redactor.redact(text)
                assert [piece for piece in recognisable(form) if piece in redacted] == [], shape
                assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in redacted, shape


def test_the_path_in_google_application_credentials_shows_where_the_key_does_not(tmp_path: Path) -> None:
    """GOOGLE_APPLICATION_CREDENTIALS, named like a secret, holds the path of the key's file (google-github-actions/auth
    writes it there; Google's libraries read the key from it): the path was blanked wherever it appeared (an error
    quoting it, a log line saying which credentials were used) and a piece of it at a line's edge. The key handed
    to the step itself is redacted as before, in every form. (A path is one only of a file that exists.)"""
    path = str(tmp_path / "gha-creds-1a2b3c4d5e6f7a8b.json")
    Path(path).write_text("{}")
    env = {"GOOGLE_APPLICATION_CREDENTIALS": path, "GCP_SA_KEY": SERVICE_ACCOUNT_KEY}
    redactor = Redactor(environment_secrets(env))
    for text in (path, f"credentials from {path}", f"No such file or directory: '{path}'", f"{path[:30]}\n{path[30:]}"):
        assert redactor.redact(text) == text
    assert_key_unseen(redactor)


def test_a_service_account_key_parsed_and_dumped_again_shows_no_private_key() -> None:
    """User code that parsed GCP_SA_KEY and printed it dumped again (``json.dumps`` of the parsed key, that base64- or
    percent-encoded, or the ``private_key`` field JSON-escaped alone, encoded) showed the private key: in JSON text its
    line breaks are escaped (``\\n``), before any encoding, so neither the secret's own text (spaced otherwise) nor its
    part as parsed (with real line breaks) matched. A JSON secret's part JSON-escaped is a known value of its own."""
    redactor = Redactor(environment_secrets({"GCP_SA_KEY": SERVICE_ACCOUNT_KEY}))
    dumped = json.dumps(json.loads(SERVICE_ACCOUNT_KEY))  # on one line
    escaped = json.dumps(PRIVATE_KEY)[1:-1]
    start = dumped.index(escaped)
    end = start + len(escaped)
    encoded = base64.b64encode(dumped.encode()).decode()
    for text, key in (
        (dumped[start + 11 : end - 30], dumped[start + 11 : end - 30]),  # no BEGIN or END: no pattern takes it
        (encoded, encoded[-(-start // 3) * 4 : end // 3 * 4]),  # the base64 groups of the key's bytes alone
        (quote(dumped), quote(escaped)),
    ):
        redacted = redactor.redact(f"printed {text} here")
        assert [key[at : at + 16] for at in range(len(key) - 15) if key[at : at + 16] in redacted] == [], text
    for form in encodings(escaped).values():  # json.dumps(key["private_key"]), encoded
        redacted = redactor.redact(f"printed {form} here")
        assert [piece for piece in recognisable(form) if piece in redacted] == [], form


# what an eval dataset keeps under names ending in _key: data, shown as it is
DATA_UNDER_KEYS = [
    ("translation_key", "checkout.button.submitLabel"),
    ("answer_key", "https://example.com/answers/q1"),
    ("s3_key", "models/v1/checkpoint.pt"),
    ("sort_key", "2024-03-01T12:00:00Z"),
    ("cache_key", "user:42:profile:v2"),
    ("idempotency_key", "5f2b0c1e-1d0a-4c59-9b1b-2f3c4d5e6f70"),
    ("file_key", "reports/2024/Q3-summary.pdf"),
    ("primary_key", "8f3e2d1c0b9a87654321fedcba098765"),  # random-looking, and still no secret's name
    # an LLM eval's tokens are text, not auth tokens
    ("eos_token", "<|endoftext|>"),
    ("next_token", "Paris"),
    ("predicted_token", "Lyon"),
]
AZURE_OPENAI_KEY = "8e1f0a2b3c4d5e6f7a8b9c0d1e2f3a4b"


@pytest.mark.parametrize(("key", "value"), DATA_UNDER_KEYS)
def test_values_under_other_key_names_stay_where_the_environment_key_is_redacted(key: str, value: str) -> None:
    """Only a secret's name (api_key, secret_key, access_key…) blanks a value whatever it is; a key the environment
    holds under another name (AZURE_OPENAI_KEY) is a known value, redacted wherever it appears."""
    secrets = environment_secrets({"AZURE_OPENAI_KEY": AZURE_OPENAI_KEY})
    row = {key: value, "AZURE_OPENAI_KEY": AZURE_OPENAI_KEY, "config": f"key={AZURE_OPENAI_KEY[:20]}"}
    expected = {key: value, "AZURE_OPENAI_KEY": "***", "config": "key=***"}
    assert Redactor(secrets).redact_value(row) == expected
    data = secret_input()
    outcome = dataclasses.replace(data.outcomes[0], outputs={key: value, "env": AZURE_OPENAI_KEY})
    data = dataclasses.replace(data, outcomes=[outcome, *data.outcomes[1:]])
    text = json.dumps(report_json(data, secrets=secrets))
    assert value in text
    assert AZURE_OPENAI_KEY not in text


def test_redacting_filter_scrubs_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter(Redactor([API_KEY])))
    log = logging.getLogger("honeyhive_experiment.test_report")
    with caplog.at_level(logging.DEBUG, logger=log.name):
        log.warning("calling with key %s and %r", API_KEY, {"auth": f"Bearer {BEARER}"})
        log.info(f"direct {GITHUB_PAT}")
        log.error("bad format %d", f"{OPENAI_KEY}")  # the arguments do not fit the format
        try:
            raise ValueError(f"rejected {HH_KEY} / {API_KEY}")
        except ValueError:
            log.exception("request failed")
    assert leaks(caplog.text) == []
    assert "calling with key *** and {'auth': 'Bearer ***'}" in caplog.text
    assert "ValueError: rejected *** / ***" in caplog.text


def test_redacting_filter_on_the_only_handler_scrubs_a_traceback_and_a_stack_it_formats_itself() -> None:
    """As the program's own handler has it (streams: one handler, nothing formatted the record before it): the
    traceback of ``log.exception`` is formatted by the filter, not later by the handler's formatter, and the stack of
    ``stack_info=True`` is redacted too. (Under caplog another handler of pytest's formats the traceback first.)"""
    shown = io.StringIO()
    handler = logging.StreamHandler(shown)
    handler.addFilter(RedactingFilter(Redactor([API_KEY])))
    log = logging.getLogger("honeyhive_experiment.test_report.only_handler")
    log.addHandler(handler)
    log.propagate = False
    where: dict[str, Any] = {}  # a frame whose file name holds the key: the stack names it
    source = "def speak(log):\n    log.warning('where it stood', stack_info=True)\n"
    exec(compile(source, f"<{API_KEY}>", "exec"), where)
    try:
        try:
            raise ValueError(f"rejected {API_KEY}")
        except ValueError:
            log.exception("request failed")
        where["speak"](log)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    assert API_KEY not in shown.getvalue()
    assert "ValueError: rejected ***" in shown.getvalue()
    assert 'File "<***>", line 2, in speak' in shown.getvalue()


# ------------------------------------------------------------------------------------------------------------
# a known secret in other shapes: encoded, escaped, split across lines (issue 21)
# ------------------------------------------------------------------------------------------------------------

PASSWORD = 'hh-Pw/4f7c+2a9e 1b3d="5f60\\x'  # a key with characters every encoding escapes (/ + space = " \)


HTML_KEY = "Zq9\"w&K<x>v'Lm#p2Rt!yU7"  # what HTML escapes (& < > " ') and both quotes (repr writes \')


@pytest.mark.parametrize("secret", [API_KEY, GITHUB_TOKEN, PASSWORD, HTML_KEY, "pässwörd-ünïcode-9f3a"])
@pytest.mark.parametrize("shape", list(encodings(API_KEY)))
def test_a_known_secret_is_redacted_in_every_common_encoding(secret: str, shape: str) -> None:
    form = encodings(secret)[shape]
    redactor = Redactor([secret])
    for text in (form, f"sent {form} to the server", f'{{"auth": "{form}"}}', f"Authorization: Basic {form}"):
        redacted = redactor.redact(text)
        assert [piece for piece in recognisable(form) if piece in redacted] == [], redacted
        assert [piece for piece in (secret[:8], secret[-8:]) if piece in redacted] == [], redacted  # repr's \'
        assert "***" in redacted
    assert redactor.redact(f"sent {form} to the server").startswith("sent ")
    assert redactor.redact(f"sent {form} to the server").endswith(" to the server")


@pytest.mark.parametrize(
    "text",
    [
        "50% done, 100%25 sure",
        "&#169; 2024 &#x41;&#x42;",
        "bytes \\x00\\x01\\x02 and \\u0041\\u0042",
        "68 68 2d 74 65 73 74 2d and 68:68:2D:74",  # the hex of the secret's first 8 bytes (hh-test-): no more of it
    ],
)
def test_escapes_and_hex_with_separators_of_no_whole_secret_are_unchanged(text: str) -> None:
    """Every character escaped, or hex with separators, is found whole only (audit 51, F2)."""
    assert Redactor([API_KEY]).redact(text) == text


PUNCTUATED = "Kx7.q+Zr/9$w(3)^Lm*2?Pq"  # pieces of letters, digits and punctuation: not words


@pytest.mark.parametrize("secret", [API_KEY, GITHUB_TOKEN, PASSWORD, PUNCTUATED])
@pytest.mark.parametrize("where", ["early", "middle", "late"])
def test_a_secret_split_across_two_lines_leaves_neither_part(secret: str, where: str) -> None:
    """Cut anywhere that leaves 10 characters or more on each side (the bound: see the next tests)."""
    cut = {"early": 10, "middle": len(secret) // 2, "late": len(secret) - 10}[where]
    first, second = secret[:cut], secret[cut:]
    redactor = Redactor([secret])
    as_records = [redactor.redact(f"the key is {first}"), redactor.redact(f"{second} (continued)")]
    in_one_text = redactor.redact(f"the key is {first}\n{second} (continued)")
    quoted = [redactor.redact(f'  "{first}",'), redactor.redact(f'  "{second}"')]  # a list printed one per line
    for shown in (*as_records, in_one_text, *quoted):
        assert first not in shown
        assert second not in shown
    assert as_records == ["the key is ***", "*** (continued)"]


SPLIT = "Zq7vP2mXk9Lw4Rt8Ns6Yb3Hc"  # 24 characters: a piece of 11 is under half of it, redacted only at a line's edge

# a line break between two pieces of a secret, as it is written: every break str.splitlines() makes, and the line
# breaks repr and JSON escape (a quoted exception, a YAML value or key named as written, a repr put in JSON)
LINE_BREAKS = [
    *(pytest.param(c, id=f"U+{ord(c):04X}") for c in "\v\f\x1c\x1d\x1e\x85\u2028\u2029"),
    *(pytest.param(repr(c)[1:-1], id=f"repr {repr(c)[1:-1]}") for c in "\n\r\v\f\x1c\x85\u2028\u2029"),
    *(pytest.param(json.dumps(c)[1:-1], id=f"JSON {json.dumps(c)[1:-1]}") for c in "\n\r\f\x0b\x1e\x85\u2028"),
    pytest.param("\\\\n", id="repr in JSON \\\\n"),
    pytest.param("\\r\\n", id="repr \\r\\n"),
    pytest.param("\\u000B", id="JSON in upper case \\u000B"),
]


@pytest.mark.parametrize("cut", [11, 13], ids=["short first piece", "short second piece"])
@pytest.mark.parametrize("escaped", LINE_BREAKS)
def test_a_secret_split_by_any_line_break_as_written_leaves_neither_piece(escaped: str, cut: int) -> None:
    """Each piece is at an edge of its line, whatever the break: one ``str.splitlines()`` makes besides ``\\n`` and
    ``\\r`` (U+2028, ``\\x85``…), or one written escaped (``'…\\n…'``). 11 of the secret's 24 characters showed
    mid-line (an error message in the report, the comment, report.json)."""
    first, second = SPLIT[:cut], SPLIT[cut:]
    redactor = Redactor([SPLIT])
    quoted = f"raised KeyError('x {first}{escaped}{second} y')"
    assert redactor.redact(quoted) == f"raised KeyError('x ***{escaped}*** y')"
    assert redactor.redact(f"the key: {first}{escaped}") == f"the key: ***{escaped}"  # a break that ends the text


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        pytest.param(repr(KeyError(SPLIT[:11] + "\n" + SPLIT[11:])), "KeyError('***\\n***')", id="repr of a KeyError"),
        pytest.param(json.dumps(repr(f"x {SPLIT[:11]}\r\n{SPLIT[11:]}")), "\"'x ***\\\\r\\\\n***'\"", id="in JSON"),
        pytest.param(repr({"auth": [SPLIT[:11] + "\n" + SPLIT[11:]]}), "{'auth': ['***\\n***']}", id="repr of a dict"),
        pytest.param(r"\new\nothing\u2028", r"\new\nothing\u2028", id="escapes with no secret"),
    ],
)
def test_what_repr_and_json_write_of_a_split_secret_shows_neither_piece(written: str, shown: str) -> None:
    assert Redactor([SPLIT]).redact(written) == shown


def table(secret: str, bar: str, width: int = 13) -> str:
    """``secret`` in a table's cell that wraps it over rows of ``width`` characters (rich's overflow="fold")."""
    cells = [secret[at : at + width] for at in range(0, len(secret), width)]
    rows = [f"{bar} setting {bar} {'value':<{width}} {bar}"]
    rows += [f"{bar} {'token' if at == 0 else '':<7} {bar} {cell:<{width}} {bar}" for at, cell in enumerate(cells)]
    return "\n".join(rows)


LONG_SPLIT = "Vx7Rk2Qm9Lp4Wz8Tn3Hd6Bc1Qa5Ze9Yh"  # 32 characters: a cell of 13 is under half of it


@pytest.mark.parametrize("bar", ["|", "\u2502", "\u2503", "\u2551"], ids=["|", "light", "heavy", "double"])
def test_a_secret_wrapped_over_a_tables_rows_leaves_no_piece_at_a_cells_edge(bar: str) -> None:
    """A cell's edges are a line's: a piece of 8 characters or more there is redacted (audit 51, F1: each piece was
    inside its line, between bars, and under half the secret)."""
    redactor = Redactor([LONG_SPLIT])
    shown = redactor.redact(table(LONG_SPLIT, bar))
    assert shown.splitlines()[1:] == [
        f"{bar} token   {bar} *** {bar}",
        f"{bar}         {bar} *** {bar}",
        f"{bar}         {bar} ***        {bar}",  # 6 characters, under a line's edge's 8: the column holds the secret
    ]
    dump = (  # hexdump -C: its text column between bars
        f"00000000  {LONG_SPLIT[:16].encode().hex(' ')}  |{LONG_SPLIT[:16]}|\n"
        f"00000010  {LONG_SPLIT[16:].encode().hex(' ')}  |{LONG_SPLIT[16:]}|"
    )
    assert [line.rpartition("|")[0][-4:] for line in redactor.redact(dump).splitlines()] == ["|***", "|***"]


@pytest.mark.parametrize("width", [3, 5, 7])
@pytest.mark.parametrize("bar", ["|", "\u2502"], ids=["|", "light"])
def test_a_secret_folded_in_a_narrow_column_leaves_no_piece(bar: str, width: int) -> None:
    """A cell of 7 characters or fewer holds no piece of 8, the least a cell's edge needs: a secret a narrow column
    folds over its rows showed whole (audit52 M2). The column's cells joined over rows with the same bars hold it."""
    redactor = Redactor([LONG_SPLIT])
    lines = redactor.redact(
        f"{table(LONG_SPLIT, bar, width)}\n{bar} other   {bar} {'words':<{width}} {bar}"
    ).splitlines()
    assert len(lines) == 2 + math.ceil(len(LONG_SPLIT) / width)
    assert [line.split(bar)[2].strip() for line in lines[1:-1]] == ["***"] * (len(lines) - 2)  # every row's piece
    assert lines[-1] == f"{bar} other   {bar} {'words':<{width}} {bar}"


@pytest.mark.parametrize("at", [5, 6, 13, 16, 27])
@pytest.mark.parametrize("width", [5, 7, 13])
@pytest.mark.parametrize("bar", ["|", "\u2502"], ids=["|", "light"])
def test_a_secret_holding_a_bar_wrapped_over_a_tables_rows_leaves_no_piece(bar: str, width: int, at: int) -> None:
    """A bar inside the secret is the cell's text, not the table's: it cut the cell in two pieces too short for a
    cell's edge, and its row from the column (its bars were not the other rows'), so 13 characters showed, or a
    piece of 5 in a narrow column (audit52 L5)."""
    secret = LONG_SPLIT[:at] + "|" + LONG_SPLIT[at + 1 :]
    lines = Redactor([secret]).redact(f"{table(secret, bar, width)}\n{bar} other   {bar} {'words':<{width}} {bar}")
    rows = lines.splitlines()[1:-1]
    assert len(rows) == math.ceil(len(secret) / width)
    assert [row[len(f"{bar} token   {bar} ") :].rstrip(f" {bar}") for row in rows] == ["***"] * len(rows), lines


def test_a_secret_folded_in_richs_narrow_column_printed_through_the_stream_leaves_no_piece() -> None:
    rich = pytest.importorskip("rich.console")
    table = pytest.importorskip("rich.table").Table()
    table.add_column("name")
    table.add_column("value", overflow="fold", max_width=7)
    table.add_row("token", LONG_SPLIT)
    target = io.StringIO()
    rich.Console(file=RedactingStream(target, Redactor([LONG_SPLIT])), width=40, color_system=None).print(table)
    cells = [line.split("\u2502")[2].strip() for line in target.getvalue().splitlines() if line.count("\u2502") == 3]
    assert cells == ["***"] * 5


@pytest.mark.parametrize("width", [3, 5, 13])
@pytest.mark.parametrize("secret", [LONG_SPLIT, LONG_SPLIT[:16] + "|" + LONG_SPLIT[17:]], ids=["", "holding a bar"])
def test_a_table_printed_a_row_at_a_time_shows_as_it_would_have_whole(secret: str, width: int) -> None:
    """A row flushed was redacted alone, its column never joined over the rows (b49-redact4): the stream holds back
    the rows whose cells hold a piece of a secret until a row that holds none (or the stream's close)."""
    text = f"{table(secret, '|', width)}\n| other   | {'words':<{width}} |\n"
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([secret]))
    for line in text.splitlines(keepends=True):
        stream.write(line)
        stream.flush()
    assert target.getvalue() == Redactor([secret]).redact(text)
    assert target.getvalue().count("***") == math.ceil(len(secret) / width)
    header, *rows = table(secret, "|", width).splitlines(keepends=True)
    stream = RedactingStream(target := io.StringIO(), Redactor([secret]))
    stream.write(header + "".join(rows[:-1]))  # every row a piece of 3 or more: held until the stream's close
    stream.flush()
    assert target.getvalue() == header
    stream.close()
    assert target.getvalue().count("***") == len(rows) - 1


def characters(text: str) -> list[str | None]:
    """Each character of ``text`` written then flushed (``None``)."""
    return [piece for character in text for piece in (character, None)]


def rows_then_line_ends(text: str) -> list[str | None]:
    """Each line of ``text`` written, flushed, then its line end written."""
    return [piece for line in text.splitlines() for piece in (line, None, "\n")]


def chunks_of_3(text: str) -> list[str | None]:
    """``text`` written 3 characters at a time, each flushed (an LLM's Markdown streamed)."""
    return [piece for at in range(0, len(text), 3) for piece in (text[at : at + 3], None)]


FOLDED = "Zx81Qw0pLm7Rt5Yu3Io9As2Df"


@pytest.mark.parametrize("written", [characters, rows_then_line_ends, chunks_of_3])
@pytest.mark.parametrize("bar", ["|", "\u2502"], ids=["|", "light"])
def test_a_table_flushed_in_the_middle_of_its_rows_shows_as_it_would_have_whole(
    bar: str, written: Callable[[str], list[str | None]]
) -> None:
    """A flush passed on an unfinished row but the tail that may be a secret's start: the cell's piece, once a space or
    a bar came after it, then its row's end, were never looked at in the column they fold the secret over (audit58 #1:
    every piece of the secret showed). A flush holds an unfinished line a cell of which holds a piece of a secret, and
    the rows are looked at with the start of their first that a flush passed on."""
    separator = f"{bar}---------{bar}--------{bar}\n"  # a Markdown table's
    text = f"{table(FOLDED, bar, 6)}\n{bar} other   {bar} {'words':<6} {bar}\n"
    for whole in (text, text.replace("\n", "\n" + separator, 1)):
        target = io.StringIO()
        stream = RedactingStream(target, Redactor([FOLDED]))
        for piece in written(whole):
            stream.write(piece) if piece is not None else stream.flush()
        stream.close()
        stream.flush()
        assert target.getvalue() == Redactor([FOLDED]).redact(whole)
        assert target.getvalue().count("***") == 5, target.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    st.text("abcdefghijkLMNOPQRST0123456789-_", min_size=16, max_size=48),
    st.tuples(st.integers(0, 47), st.sampled_from(["", "|", "\u2502"])),
    st.integers(3, 13),
    st.sampled_from(["|", "\u2502", "\u2551"]),
    st.booleans(),
)
def test_any_table_printed_a_row_at_a_time_shows_as_it_would_have_whole(
    secret: str, inside: tuple[int, str], width: int, bar: str, ended: bool
) -> None:
    """Whatever the secret (a bar in it too: two a column's width apart would be the table's), the column's width and
    the table's bars, its rows each written and flushed, then a row of other words or the stream's close, show what
    the table written at once would have."""
    at, inner = inside
    secret = secret[:at] + inner + secret[at + len(inner) :] if at < len(secret) else secret
    text = table(secret, bar, width) + (f"\n{bar} other   {bar} {'words':<{width}} {bar}\n" if ended else "\n")
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([secret]))
    for line in text.splitlines(keepends=True):
        stream.write(line)
        stream.flush()
    stream.close()
    assert target.getvalue() == Redactor([secret]).redact(text)


@settings(max_examples=200, deadline=None)
@given(
    st.text("abcdefghijkLMNOPQRST0123456789-_", min_size=16, max_size=48),
    st.integers(3, 13),
    st.sampled_from(["|", "\u2502", "\u2551"]),
    st.integers(1, 40),
    st.integers(0, 30),
)
def test_any_table_written_in_pieces_each_flushed_shows_as_it_would_have_whole(
    secret: str, width: int, bar: str, size: int, more: int
) -> None:
    """Whatever the pieces a table is written in, each flushed, a flush in the middle of its rows too (audit58 #1), and
    however many cells its rows have after the column (a flush looks again only at the cells a row's new text
    changed)."""
    text = f"{table(secret, bar, width)}\n{bar} other   {bar} {'words':<{width}} {bar}\n"
    text = text.replace(f"{bar}\n", f"{bar}{f' x {bar}' * more}\n")
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([secret]))
    for at in range(0, len(text), size):
        stream.write(text[at : at + size])
        stream.flush()
    stream.close()
    stream.flush()
    assert target.getvalue() == Redactor([secret]).redact(text)


def test_a_tables_rows_holding_no_piece_of_a_secret_show_as_they_are_flushed() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([LONG_SPLIT]))
    for row in ("| epoch | loss  | note    |\n", "| 1     | 0.532 | Vx8     |\n", "| 2     | 0.417 | Rk2Qm9x |\n"):
        stream.write(row)
        stream.flush()
        assert target.getvalue().endswith(row)


@pytest.mark.parametrize(
    "text",
    [
        "| Password | 2024 | Summer |\n|---|---|---|",  # words of the secret in a table's cells
        "cat x | grep Pw2024x | wc -l",  # a piece under 8 characters between bars
        "a|b||c | d \u2502 e \u2503 f \u2551",
    ],
)
def test_text_with_bars_and_no_piece_of_a_secret_is_unchanged(text: str) -> None:
    assert Redactor(["Summer-Password-2024-Pw2024x9Qz7Lm3Vb8"]).redact(text) == text


def test_a_secret_holding_a_bar_split_across_two_lines_leaves_neither_part() -> None:
    """A line's edges stay edges where bars make cells: the piece before the break crosses a bar of the secret."""
    secret = "Xy7|Kq9Lm2Pz4Wt8Rn5Jb"
    assert Redactor([secret]).redact(f"token: {secret[:8]}\n{secret[8:]} ends it") == "token: ***\n*** ends it"


def test_half_a_secret_is_redacted_anywhere_in_a_line() -> None:
    redactor = Redactor([API_KEY])
    half = API_KEY[3 : 3 + (len(API_KEY) + 1) // 2]
    assert redactor.redact(f"key {half} and more") == "key *** and more"


@pytest.mark.parametrize(
    "text",
    [
        "Password reset",  # a word inside the secret, at the start of a line
        "reset your Password",  # and at the end
        "Summer-Password",  # words and separators
        "2024",
        "summer rain",
        "mid-line fragment Pw2024x9 of it",  # shorter than half the secret, inside a line
        "the basic idea",
    ],
)
def test_pieces_of_a_secret_that_are_words_or_short_are_not_blanked(text: str) -> None:
    secret = "Summer-Password-2024-Pw2024x9Qz7Lm3Vb8"
    assert Redactor([secret]).redact(text) == text


def test_a_punctuated_secret_split_across_a_line_leaves_neither_half() -> None:
    text = f"first line {PUNCTUATED[:11]}\n{PUNCTUATED[11:]} second line"
    assert Redactor([PUNCTUATED]).redact(text) == "first line ***\n*** second line"


def test_a_secret_shaped_like_words_is_still_redacted_whole() -> None:
    assert Redactor(["correct-horse-battery-staple"]).redact("pw: correct-horse-battery-staple!") == "pw: ***!"


def test_a_split_shows_at_most_a_short_or_word_shaped_piece() -> None:
    """The trade-off, pinned: a piece under 8 characters at a line's edge, or one shaped like words (the key's
    ``hh-test-`` prefix), stays; the rest of the key does not."""
    redactor = Redactor([API_KEY])
    assert redactor.redact(f"key {API_KEY[:7]}") == f"key {API_KEY[:7]}"
    assert redactor.redact(f"key {API_KEY[:8]}") == "key hh-test-"
    assert redactor.redact(f"{API_KEY[7:]} ends it") == "*** ends it"


def test_a_pattern_and_a_known_secret_in_one_credential_leave_nothing() -> None:
    """Every rule sees the text as it came: the known secret's *** does not hide the Basic credential around it."""
    credential = base64.b64encode(f"user:{API_KEY}".encode()).decode()
    assert Redactor([API_KEY]).redact(f"Authorization: Basic {credential}") == "Authorization: Basic ***"


def test_encoded_and_split_secrets_appear_in_no_output() -> None:
    """The must-show of issue 21: base64, hex and URL-encoded forms of the inputs' secrets and a secret split across
    two lines are absent from the comment, the summary, the terminal text and report.json."""
    data = secret_input()
    shapes = {**encodings(API_KEY), **{f"token {k}": v for k, v in encodings(GITHUB_TOKEN).items()}}
    shapes_text = "\n".join(f"{name}: {form}" for name, form in shapes.items())
    split = f"{API_KEY[:10]}\n{API_KEY[10:]}"
    data = dataclasses.replace(
        data,
        outcomes=[
            *data.outcomes[:1],
            dataclasses.replace(
                data.outcomes[1], error=f"HTTPError 401\nthe key was:\n{split}\n{shapes_text}\nend of error"
            ),
            *data.outcomes[2:],
        ],
        inputs_by_datapoint={
            **data.inputs_by_datapoint,
            "EXT-q2": {"question": "hi", "forms": shapes, "key parts": [GITHUB_TOKEN[:12], GITHUB_TOKEN[12:]]},
        },
        notes=(*data.notes, f"encoded: {encodings(GITHUB_TOKEN)['base64']}"),
    )
    secrets = (API_KEY, GITHUB_TOKEN)
    outputs = {
        "comment": render_comment(data, secrets=secrets).text,
        "summary": render_summary(data, secrets=secrets),
        "terminal": render_terminal(data, secrets=secrets),
        "report.json": json.dumps(report_json(data, secrets=secrets)),
    }
    unwanted = [piece for form in shapes.values() for piece in recognisable(form)]
    unwanted += [API_KEY[:10], API_KEY[10:], GITHUB_TOKEN[:12], GITHUB_TOKEN[12:]]
    for name, text in outputs.items():
        assert [piece for piece in unwanted if piece in text] == [], f"{name} leaks"
        assert leaks(text) == [], f"{name} leaks"
    assert "the key was:" in outputs["report.json"]  # the error is there, its secret parts redacted


def test_encoded_and_split_secrets_appear_in_no_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter(Redactor([API_KEY, GITHUB_TOKEN])))
    log = logging.getLogger("honeyhive_experiment.test_report")
    forms = [*encodings(API_KEY).values(), *encodings(GITHUB_TOKEN).values()]
    with caplog.at_level(logging.INFO, logger=log.name):
        for form in forms:
            log.info("calling with %s", form)
        log.warning("the key starts %s", API_KEY[:10])  # two records: each holds one part
        log.warning("%s is how it ends", API_KEY[10:])
        log.error(f"token: {GITHUB_TOKEN[:11]}\n{GITHUB_TOKEN[11:]}")
    unwanted = [piece for form in forms for piece in recognisable(form)]
    unwanted += [API_KEY[:10], API_KEY[10:], GITHUB_TOKEN[:11], GITHUB_TOKEN[11:]]
    assert [piece for piece in unwanted if piece in caplog.text] == []
    assert "the key starts ***" in caplog.text
    assert "*** is how it ends" in caplog.text


def test_a_redacting_stream_redacts_whole_lines_whatever_the_writes() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY]))
    stream.write(f"key {API_KEY[:6]}")  # a secret written in pieces, without a flush between them
    stream.write(f"{API_KEY[6:]} done\nnext ")
    assert target.getvalue() == "key *** done\n"  # an unfinished line waits
    stream.write("line\r[##..] 50%")
    stream.flush()  # a flush passes the unfinished line on (a progress bar shows)
    assert target.getvalue() == "key *** done\nnext line\r[##..] 50%"
    print(encodings(API_KEY)["hex"], file=stream)
    print(API_KEY[:12], file=stream, flush=True)
    print(API_KEY[12:], file=stream)
    assert target.getvalue().splitlines()[-3:] == ["[##..] 50%***", "***", "***"]


@pytest.mark.parametrize("ending", ["a line's end", "close"])
@pytest.mark.parametrize("others", [None, neutralise], ids=["the main thread", "another thread in Actions"])
@pytest.mark.parametrize("piece", [1, 3, 4])
def test_a_secret_printed_in_small_flushed_pieces_is_redacted(
    piece: int, others: Callable[[str], str] | None, ending: str
) -> None:
    """Streamed output (an LLM's answer printed as it comes, ``print(chunk, end="", flush=True)``): every flush passed
    its pieces on, so no redaction saw a secret whole and the terminal showed it. A flush now holds back what may be
    the start of one (the rest shows), until the line ends or the stream closes; another thread's pieces inside Actions
    stay one line (each was a line of its own, which GitHub's masker does not see across either)."""
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY, HTML_KEY]), others=others)
    text = f"Sure! Your key is {API_KEY}, as HTML {html.escape(HTML_KEY)}, as repr {HTML_KEY!r}. Done"
    line = "Sure! Your key is ***, as HTML ***, as repr '***'. Done"

    def print_it() -> None:
        for at in range(0, len(text), piece):
            print(text[at : at + piece], end="", file=stream, flush=True)

    if others is None:
        print_it()
    else:
        thread = threading.Thread(target=print_it)
        thread.start()
        thread.join()
    shown = target.getvalue()
    assert shown == ("" if others else line[: len(shown)]), shown
    assert len(shown) >= (0 if others else len(line) - len("Done")), shown  # the rest shows as it comes
    if ending == "close":
        stream.close()
        assert target.getvalue() == line + ("\n" if others else "")
    else:
        print(" here", file=stream)  # from the main thread
        assert target.getvalue() == (f"{line}\n here\n" if others else f"{line} here\n")


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.c2lnbmF0dXJl"
NAMED = (  # secrets known by what stands before them, the shapes that can be longer than a flush holds or hold spaces
    "Authorization: Bearer {token}",
    "authorization: basic {token}",
    "password: {token}",
    "PASSWORD : {token}",
    "api_key = '{token}'",
    'client_secret="{token}"',
    "aws_secret_access_key = {token}",
    "https://user:{token}@pypi.example.com/simple",
    f"jwt {JWT}",
    "-----BEGIN RSA PRIVATE KEY----- {token}",
)
KNOWN = (API_KEY, HTML_KEY, PASSWORD, "correct horse battery staple")  # PASSWORD and the passphrase hold a space
PROSE = ("The model says:", "the quick brown fox", "ok,", "(see above)", "- step 2", "token", "key", "Bearer", "://")


@st.composite
def streamed_lines(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A line of prose, known secrets in every encoding, common shapes and secrets named by what stands before them,
    and where it is cut into flushed pieces."""
    token = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/=$!", min_size=8, max_size=40)
    named = st.builds(str.format, st.sampled_from(NAMED), token=token)
    forms = st.sampled_from([*KNOWN, *(form for secret in KNOWN for form in encodings(secret).values()), *PLANTED])
    items = draw(st.lists(st.one_of(st.sampled_from(PROSE), named, forms), min_size=1, max_size=6))
    line = "".join(item + draw(st.sampled_from([" ", "", ", "])) for item in items)
    return line, sorted(draw(st.sets(st.integers(1, len(line) - 1), max_size=12)))


@settings(max_examples=300, deadline=None)
@given(streamed_lines(), st.sampled_from(["\n", "close"]))
def test_a_line_flushed_in_any_pieces_shows_as_it_would_have_whole(
    streamed: tuple[str, list[int]], ending: str
) -> None:
    """Whatever the pieces a line is written and flushed in, what is shown is what its whole would have shown: a flush
    holds back a secret still being written with what names it (``password: `` or ``Bearer `` before it was shown,
    the secret then judged alone and shown in clear), and a flush shows nothing that the line's end takes back."""
    line, cuts = streamed
    redactor = Redactor(KNOWN)
    whole, pieces = io.StringIO(), io.StringIO()
    for target, at in ((whole, []), (pieces, cuts)):
        stream = RedactingStream(target, redactor)
        for start, end in zip([0, *at], [*at, len(line)], strict=True):
            stream.write(line[start:end])
            stream.flush()
        stream.write("\n") if ending == "\n" else stream.close()
    assert pieces.getvalue() == whole.getvalue()


def stream_pieces(redactor: Redactor, line: str, cuts: list[int], ending: str = "\n") -> str:
    """What a stream shows of ``line`` written in pieces cut at ``cuts``, each flushed, then ended (or closed)."""
    target = io.StringIO()
    stream = RedactingStream(target, redactor)
    for start, end in zip([0, *cuts], [*cuts, len(line)], strict=True):
        stream.write(line[start:end])
        stream.flush()
    stream.write("\n") if ending == "\n" else stream.close()
    return target.getvalue()


def test_a_secrets_hex_with_spaces_flushed_in_pieces_is_redacted() -> None:
    """A flush holds back hex with spaces still being written (a space after two hex digits): its pieces were shown."""
    form = API_KEY.encode().hex(" ")
    assert stream_pieces(Redactor([API_KEY]), f"the key: {form} (hex)", [15, 30, 45]) == "the key: *** (hex)\n"


LONG_KEY = "\n".join(["-----BEGIN PRIVATE KEY-----", *[PRIVATE_KEY.split("\n")[1]] * 25, "-----END PRIVATE KEY-----"])


@pytest.mark.parametrize(
    "form",
    [
        LONG_KEY.encode().hex(" "),
        LONG_KEY.encode().hex(":"),
        "".join(f"%{byte:02X}" for byte in LONG_KEY.encode()),
        "".join(f"\\u{ord(c):04x}" for c in LONG_KEY),
        "".join(f"&#{ord(c)};" for c in LONG_KEY),
    ],
)
def test_a_long_secrets_form_flushed_in_pieces_is_redacted(form: str) -> None:
    """A flush held back at most the longest hex or base64 form of a secret but one (or 4,096 characters), not its
    longer forms: of a 1,678-character private key, its hex with colons (5,033 characters), every byte as %XX,
    every character as \\uXXXX or &#N; printed in flushed pieces of 512 showed whole (audit52 L1)."""
    assert len(LONG_KEY) == 1_678
    assert len(form) > 4_096
    line = f"dump: {form} (end)"
    assert stream_pieces(Redactor([LONG_KEY]), line, list(range(512, len(line), 512))) == "dump: *** (end)\n"


@pytest.mark.parametrize(
    "pieces",
    [[f"{i} " for i in range(10, 100)], ["we ", "used ", "the ", "added ", "code ", "to ", "face ", "it. "] * 10],
)
def test_a_flush_shows_numbers_and_words_ending_in_hex_digits_as_they_come(pieces: list[str]) -> None:
    """A flush held back every space after two hex digits (of a value's hex with spaces, still being written): two-digit
    numbers and words ending in two hex letters ("used", "code", "face") streamed a piece a flush showed nothing until
    the line's end (up to 4,096 characters, judged again at every flush: streamed LLM output 30 times slower). It holds
    back only the end that is a piece of a known value's hex with spaces (the test above: that is still redacted)."""
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY]))
    written = ""
    for piece in pieces:
        stream.write(piece)
        stream.flush()
        written += piece
        assert target.getvalue() == written[: len(target.getvalue())]  # nothing redacted, in order
        # held: an end that is a piece of the key's hex with spaces by chance ("30 31 ": "…36 30", "…65 31 62…")
        assert len(written) - len(target.getvalue()) <= 9, written
    stream.write("\n")
    assert target.getvalue() == f"{written}\n"


ESCAPED_LINES = (  # a secret after a space or a line break as repr and JSON write it: (line, shown)
    ("password:\\tsecretvalue123", "password:\\t***"),
    (f"'abc\\n{OPENAI_KEY}'", "'abc\\n***'"),
    (f'{{\\"k\\": \\"a\\\\n{OPENAI_KEY}\\"}}', '{\\"k\\": \\"a\\\\n***\\"}'),  # JSON in JSON: \\n
    (f"'Authorization: Bearer\\t{BEARER}'", "'Authorization: Bearer\\t***'"),
    (f"['x\\u2028{GITHUB_PAT}']", "['x\\u2028***']"),
)


@pytest.mark.parametrize(("line", "shown"), ESCAPED_LINES)
def test_a_secret_after_an_escape_flushed_at_any_point_is_redacted(line: str, shown: str) -> None:
    """A flush between an escape's backslash and its letter (``password:\\`` then ``tsecret``, ``…\\`` then
    ``nsk-…``) or between the escape and the secret showed the secret (audit F2): the backslash was no character a
    flush held back, so the held letters were judged alone, ``t…`` no space and ``nsk-…`` no token. At every cut, in
    one piece or two, and in pieces of one character."""
    redactor = Redactor(())
    assert stream_pieces(redactor, line, []) == f"{shown}\n"
    for cut in range(1, len(line)):
        assert stream_pieces(redactor, line, [cut]) == f"{shown}\n", cut
    assert stream_pieces(redactor, line, list(range(1, len(line))), "close") == shown


WINDOWS_PATH = "C:\\Users\\x\\AppData\\Local\\Temp\\file.txt;"


@pytest.mark.parametrize(
    ("line", "held"),
    [
        ("\\n" * 2_000, "\\n"),  # a line of escapes: the last one, not the line
        (WINDOWS_PATH * 100 + "C:\\Users\\x\\AppD", "\\AppD"),
        (WINDOWS_PATH * 100 + "C:\\Users\\x\\", "\\x\\"),  # \x\ is no escape; the last \ may be one
        ("\\" * 5_000, "\\"),  # what stands before so long a run is out of reach: one backslash holds the escape
        ("ok x" + "\\" * 200, "x" + "\\" * 200),  # a run that may yet be \\\n: held with what stands before it
        ("ok password:\\", "password:\\"),
        ("ok password:" + "\\" * 300, "password:" + "\\" * 300),  # what names a secret is held past any run
        ("ok x" + "\\" * 300, "\\"),
        ("ok Bearer\\t", "Bearer\\t"),  # an escaped space: with what names the secret after it
        ("ok \\u20", "\\u20"),
        ("ok \\u2028sk-abc", "\\u2028sk-abc"),
    ],
)
def test_a_flush_holds_back_the_escape_it_would_cut_not_every_backslash(line: str, held: str) -> None:
    """A flush held back every backslash of the line with the letters around it (up to 4,096 characters): a line of
    escapes or of Windows paths printed a few characters a flush was judged again whole at every flush (20,000
    backslashes one a flush: 7.5 s of CPU, 0.2 s before). It holds back the escape the cut is in, and what stands
    before one not finished; the tests above show every cut still shows what the line whole shows."""
    assert Redactor(()).redact_unfinished(line)[1] == held


ESCAPES = ("\\t", "\\n", "\\r\\n", "\\\\n", "\\\\t", "\\u000b", "\\xa0", "\\x0b", "\\u2028", "\\f", " ")
AFTER_AN_ESCAPE = (
    "password:{escape}{token}",
    "api_key ={escape}'{token}'",
    '{{\\"password\\":{escape}\\"{token}\\"}}',
    "Authorization: Bearer{escape}{token}",
    "basic{escape}{token}",
    "x{escape}sk-proj-{token}",
    "x{escape}ghp_{token}A1b2C3d4E5f6G7h8I9",
    "{escape}hh_{token}0123456789abcdef",
    "a{escape}" + JWT,
    "C:\\temp\\{token}",
    "a\\\\{escape}",
)


@st.composite
def escaped_lines(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A line of prose and secrets after escaped spaces and line breaks (any number of backslashes), and where it
    is cut into flushed pieces."""
    token = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/=", min_size=8, max_size=30)
    named = st.builds(str.format, st.sampled_from(AFTER_AN_ESCAPE), escape=st.sampled_from(ESCAPES), token=token)
    items = draw(st.lists(st.one_of(st.sampled_from(PROSE), named), min_size=1, max_size=4))
    line = "".join(item + draw(st.sampled_from([" ", "", "\\", "\\n", ", "])) for item in items)
    return line, sorted(draw(st.sets(st.integers(1, len(line) - 1), max_size=8)))


@settings(max_examples=100, deadline=None)
@given(escaped_lines(), st.sampled_from(["\n", "close"]), st.sampled_from([(), KNOWN]))
def test_a_line_with_escapes_flushed_in_any_pieces_shows_as_it_would_have_whole(
    line_cuts: tuple[str, list[int]], ending: str, known: tuple[str, ...]
) -> None:
    """The same, for any cuts of lines where secrets follow escapes: a flush holds back a partial escape (a trailing
    backslash, or one whose letters a pattern could take as a space or a line break) with what follows it, so what
    shows is what the line written at once shows."""
    line, cuts = line_cuts
    redactor = Redactor(known)
    whole = redactor.redact_shown(line + ("\n" if ending == "\n" else ""))  # written at once, no flush before its end
    assert stream_pieces(redactor, line, cuts, ending) == whole


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("Authorization: Bearer abcdEFGHijklMNOPqrst1234", "Authorization: Bearer ***"),
        ("password: hunter2hunter2XYZmore", "password: ***"),
        ("aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", "aws_secret_access_key = ***"),
        ("'Authorization: Bearer\\tabcdEFGHijklMNOPqrst1234'", "'Authorization: Bearer\\t***'"),  # a repr
        ('{\\"password\\":\\n\\"hunter2hunter2XYZmore\\"}', '{\\"password\\":\\n\\"***\\"}'),  # JSON in JSON
    ],
)
@pytest.mark.parametrize("then", ["its end", "another thread's line"])
def test_a_secret_named_before_it_and_flushed_before_the_lines_end_is_redacted(
    line: str, shown: str, then: str
) -> None:
    """Written whole, flushed, then ended: the flush held the secret back without its name (cut at the space before
    it), and judged alone at the line's end (or when another thread's line ended it: now it waits, whole) it showed in
    clear."""
    target = io.StringIO()
    stream = RedactingStream(target, Redactor(()), others=neutralise)
    stream.write(line)
    stream.flush()
    if then == "another thread's line":
        thread = threading.Thread(target=print, args=("from a thread",), kwargs={"file": stream})
        thread.start()
        thread.join()
    stream.write("\n")
    text = target.getvalue()
    if then == "another thread's line":  # a line of its own (after the start a flush passed on): this line goes on
        assert "from a thread\n" in text, text
        text = text.replace("\nfrom a thread\n" if text.find("from a thread") > 0 else "from a thread\n", "", 1)
    assert text == f"{shown}\n"


def test_a_known_secret_holding_a_space_holds_back_no_prose() -> None:
    """A passphrase (or a service account's JSON key) put the space among what a flush holds back: streamed prose was
    held back whole; now only what may be the start of the secret is."""
    redactor = Redactor(["correct horse battery staple", PASSWORD])
    assert redactor.redact_unfinished("The model says: the quick brown fox") == (
        "The model says: the quick brown ",
        "fox",
    )
    assert redactor.redact_unfinished("The key: correct horse bat") == ("The key: ", "correct horse bat")
    held = json.dumps(PASSWORD)[1:-6]  # hh-Pw/4f7c+2a9e 1b3d=\"5f
    assert redactor.redact_unfinished(f"as JSON: {held}") == ("as JSON: ", held)


def _print_in_a_child() -> None:
    print("child computed value 12345", end="", flush=True)  # then multiprocessing ends the child with os._exit


def test_a_forked_childs_unfinished_output_is_shown_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A child forked by multiprocessing ends with os._exit, past the exit hook that shows what a flush held back: its
    last piece was lost. It shows it at multiprocessing's exit; its parent's is the parent's, not shown twice."""
    with (tmp_path / "out").open("w", encoding="utf-8") as target:
        stream = RedactingStream(target, Redactor(()))
        monkeypatch.setattr(sys, "stdout", stream)
        print("parent working", end="", flush=True)  # "working" held back
        child = multiprocessing.get_context("fork").Process(target=_print_in_a_child)
        child.start()
        child.join()
        print(" done", flush=True)
    assert (tmp_path / "out").read_text(encoding="utf-8") == "parent child computed value 12345working done\n"


def test_what_a_signal_handler_logs_or_issues_mid_write_comes_after_that_write_redacted() -> None:
    """A signal handler runs on the main thread between any two steps of what it interrupted: mid-write, its log record
    or workflow command re-entered the stream, whose lock the write it interrupted held, and the process hung for good.
    Here the target's first write stands for the handler's moment."""
    stream: RedactingStream
    log = logging.Logger("handler")

    class Interrupted(io.StringIO):
        def write(self, text: str) -> int:
            if not self.getvalue():
                log.warning("the handler's record %s", API_KEY)
                issue("::notice::the handler's command", stream)
            return super().write(text)

    target = Interrupted()
    stream = RedactingStream(target, Redactor([API_KEY]))
    log.addHandler(logging.StreamHandler(stream))
    writing = threading.Thread(target=stream.write, args=(f"the interrupted write {API_KEY}\n",), daemon=True)
    writing.start()
    writing.join(60)
    assert not writing.is_alive(), "the write and its handler wait for each other"
    assert target.getvalue() == (
        "the interrupted write ***\nthe handler's record ***\n::notice::the handler's command\n"
    )


def test_a_redacting_stream_lets_no_two_writes_of_other_threads_join_into_a_command() -> None:
    """Inside Actions what threads other than the main one print is neutralised (the user's threads, also after the
    fence is lifted): pieces flushed apart, an over-long line, a line the main thread left unfinished cannot make a
    command of their text, and the main thread's own lines (the program's commands) are left as they are."""
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY]), others=neutralise)

    def in_a_thread(*writes: str | None) -> None:  # None: a flush
        def work() -> None:
            for text in writes:
                stream.write(text) if text is not None else stream.flush()

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()

    stream.write("::warning::ours\n")
    in_a_thread(":", None, ":error::forged-split\n")
    in_a_thread("#", None, "#[add-mask]forged-split\n")
    in_a_thread("x" * 70_000 + "#", "#[add-mask]forged-long\n")  # longer than an unfinished line waits
    in_a_thread(f"  ::add-mask::{API_KEY}")  # left unfinished
    print("::notice::ours", file=stream)  # on a line of its own
    stream.write("progress #")
    stream.flush()  # the main thread's unfinished line…
    in_a_thread("#[add-mask]forged-after-ours\n")  # …is not another thread's line start
    in_a_thread("##", None)  # nor is another thread's unfinished line the start of the main thread's (quoting data)
    stream.write("[add-mask]forged-quoted\n")
    text = target.getvalue()
    commands = [line for line in text.splitlines() if line.lstrip().startswith("::") or "##[" in line]
    assert commands == ["::warning::ours", "::notice::ours"], text
    assert text.count("forged-") == 5, text  # all shown, as text
    assert API_KEY not in text, text
    assert "::add-mask::***" in text, text


def interleave(stream: RedactingStream, first: list[str | None], between: str, rest: list[str | None]) -> None:
    """Two threads (a run's workers) write to ``stream``: one ``first``, then the other ``between`` (a line), then the
    first ``rest`` (``None``: a flush); then the stream's flush (the end of the run)."""
    wrote_first, wrote_between = threading.Event(), threading.Event()

    def writes(pieces: list[str | None]) -> None:
        for piece in pieces:
            stream.write(piece) if piece is not None else stream.flush()

    def one() -> None:
        writes(first)
        wrote_first.set()
        wrote_between.wait()
        writes(rest)

    def other() -> None:
        wrote_first.wait()
        stream.write(between)
        wrote_between.set()

    threads = [threading.Thread(target=one), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stream.flush()


@pytest.mark.parametrize("others", [None, neutralise], ids=["outside Actions", "inside Actions"])
def test_what_a_thread_that_has_ended_left_unfinished_shows_whole_at_the_next_flush(
    others: Callable[[str], str] | None,
) -> None:
    """No more of an ended thread's line comes: the next flush (the end of a run's) shows it whole, redacted."""
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY]), others=others)
    thread = threading.Thread(target=stream.write, args=(f"last words {API_KEY}",))
    thread.start()
    thread.join()
    assert target.getvalue() == ""
    stream.flush()
    assert target.getvalue() == "last words ***" + ("\n" if others else "")


@pytest.mark.parametrize("others", [None, neutralise], ids=["outside Actions", "inside Actions"])
@pytest.mark.parametrize("flushed", [False, True])
def test_a_split_secret_or_a_tables_rows_written_by_one_thread_while_another_writes_leave_no_piece(
    others: Callable[[str], str] | None, flushed: bool
) -> None:
    """Every thread's writes went into one unfinished line (and one set of held rows): another datapoint's line landed
    between a split secret's half and its line's end (``print`` writes its text and its line feed apart), or between a
    table's rows, and the pieces were no longer at a line's edge nor in one column (b51: the second half of a token, a
    table's cell, showed in CI with 8 workers). Each thread's pieces now stay whole and in order."""
    flush = [None] if flushed else []
    cells = table(LONG_SPLIT, "|", 5).splitlines(keepends=True)
    pieces = [API_KEY[:10], API_KEY[10:], *(LONG_SPLIT[at : at + 5] for at in range(0, 30, 5))]
    for first, rest in (
        ([f"the key starts {API_KEY[:10]}", *flush], ["\n", f"{API_KEY[10:]} is how it ends\n"]),
        ([*cells[:2], *flush], [*cells[2:], "\n| other   | words |\n"]),
    ):
        target = io.StringIO()
        stream = RedactingStream(target, Redactor([API_KEY, LONG_SPLIT]), others=others)
        interleave(stream, first, "another datapoint's line\n", rest)
        shown = target.getvalue()
        assert [piece for piece in pieces if piece in shown] == [], shown
        assert "another datapoint's line\n" in shown, shown
        mine = shown.replace("another datapoint's line\n", "", 1)  # a flush passed on the start of a line before it
        whole = Redactor([API_KEY, LONG_SPLIT]).redact("".join(piece for piece in first + rest if piece))
        assert mine == whole, shown
        assert whole.count("***") == (2 if "key" in whole else 7), whole


# ------------------------------------------------------------------------------------------------------------
# invisible characters between a secret's characters
# ------------------------------------------------------------------------------------------------------------

# zero-width space, combining grapheme joiner, variation selector 16, invisible separator, soft hyphen, Arabic mark,
# and past the BMP: the language tag, a tag space, a musical symbol's beam
INVISIBLES = ("\u200b", "\u034f", "\ufe0f", "\u2063", "\u00ad", "\u061c", "\U000e0001", "\U000e0020", "\U0001d173")


@pytest.mark.parametrize("invisible", INVISIBLES)
def test_invisible_characters_in_a_secret_hide_it_from_no_printed_line(invisible: str) -> None:
    """What is printed keeps its invisible characters (a line that looks like a workflow command keeps the zero-width
    space that disarms it) but the secrets they split: ``print("\\u200b".join(key))`` shows no key in the log."""
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY]))
    print(f"\u200b::notice::the key {invisible.join(API_KEY)}{invisible} done", file=stream)
    print(invisible.join(OPENAI_KEY), file=stream)  # no known value: its shape
    print(f"id{invisible}{OPENAI_KEY}", file=stream, flush=True)  # an invisible character that parts it from a word
    assert target.getvalue() == f"\u200b::notice::the key ***{invisible} done\n***\nid{invisible}***\n"


@pytest.mark.parametrize("invisible", INVISIBLES)
def test_invisible_characters_in_a_secret_hide_it_from_no_log_line(
    invisible: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RedactingFilter(Redactor([API_KEY])))
    log = logging.getLogger("honeyhive_experiment.test_report")
    with caplog.at_level(logging.INFO, logger=log.name):
        log.info("calling with %s", invisible.join(API_KEY))
        try:
            raise ValueError(f"rejected {invisible.join(GITHUB_PAT)}")
        except ValueError:
            log.exception("request failed")
    assert "calling with ***" in caplog.text
    assert "ValueError: rejected ***" in caplog.text


@pytest.mark.parametrize("invisible", INVISIBLES)
def test_invisible_characters_in_a_secret_hide_it_from_no_report(invisible: str) -> None:
    data = secret_input()
    answer = f"the key is {invisible.join(API_KEY)}, thanks ❤️ 1️⃣ id{invisible}{OPENAI_KEY}"  # an emoji's selectors stay
    outcome = dataclasses.replace(data.outcomes[0], outputs={"answer": answer})
    data = dataclasses.replace(data, outcomes=[outcome, *data.outcomes[1:]])
    text = json.dumps(report_json(data, secrets=(API_KEY,)), ensure_ascii=False)
    assert "the key is ***, thanks ❤️ 1️⃣ id***" in text
    assert API_KEY not in "".join(c for c in text if c not in INVISIBLES)


def test_colour_codes_cost_one_look_and_hide_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A coloured log line is looked at once, as plain text is, its colour codes as the spaces they show as: not
    again without its invisible characters (20,000 coloured lines took 5x as long), and a key right after a colour
    code is a word of its own (``\x1b[31msk-…`` was shown whole: the code's ``m`` hid the sk- pattern's start)."""
    looks: list[str] = []
    spans = Redactor._spans
    monkeypatch.setattr(Redactor, "_spans", lambda self, text: looks.append(text) or spans(self, text))
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY]))
    for n in range(3):
        print(f"\x1b[32mINFO\x1b[0m:datapoint {n}: key {API_KEY} \x1b[1m\x1b[31m{OPENAI_KEY}\x1b[0m", file=stream)
    assert len(looks) == 3, looks
    assert target.getvalue() == "".join(
        f"\x1b[32mINFO\x1b[0m:datapoint {n}: key *** \x1b[1m\x1b[31m***\x1b[0m\n" for n in range(3)
    )
    print("\x1b".join(API_KEY), file=stream, flush=True)  # an ESC alone is no colour code: seen through
    assert target.getvalue().endswith("\n***\n"), target.getvalue()


def test_colour_codes_and_selectors_inside_a_secret_hide_it_from_no_printed_line() -> None:
    """A colour code between two visible characters parts nothing on screen: ``sk-ab\x1b[0mcd…`` shows the key whole
    (the line is then looked at also without its codes); nor does a run of variation selectors hide what it splits."""
    target = io.StringIO()
    stream = RedactingStream(target, Redactor([API_KEY]))
    print(f"key \x1b[1m{API_KEY[:7]}\x1b[0m{API_KEY[7:14]}\x1b[31;1m{API_KEY[14:]}\x1b[0m.", file=stream)
    print("\x1b[2m".join(OPENAI_KEY), file=stream)  # no known value: its shape
    print("\ufe0f\ufe0f".join(API_KEY), file=stream)
    link = "\x1b]8;;https://example.com\x1b\\"  # other escape sequences: a link (OSC 8), tput sgr0's charset
    print(f"{OPENAI_KEY[:10]}\x1b(B{OPENAI_KEY[10:20]}{link}{OPENAI_KEY[20:]}", file=stream, flush=True)
    assert target.getvalue() == "key \x1b[1m***\x1b[0m.\n***\n***\n***\n"


ZWJ = "\u200d"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # 🏴 gbsct and a cancel tag
PERSIAN = "Persian \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # می‌خواهم


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("family 👨\u200d👩\u200d👧, flag 🏳️\u200d🌈", "family 👨\u200d👩\u200d👧, flag 🏳️\u200d🌈"),  # ZWJ sequences
        (PERSIAN, PERSIAN),  # ZWNJ between two Arabic letters
        ("Hindi \u0915\u094d\u200d\u0937", "Hindi \u0915\u094d\u200d\u0937"),  # a half form (ZWJ after the virama)
        (f"Scotland {SCOTLAND}", f"Scotland {SCOTLAND}"),  # a flag's tags
        # no joining: between ASCII characters, at an edge, bidi and other format characters go
        ("ad\u200dmin \u200c\u00e9 \U0001f600\u200d", "admin \u00e9 \U0001f600"),
        ("ok \u202eevil\u202c \u2066iso\u2069 \u200ex\u2060y", "ok evil iso xy"),
    ],
)
def test_the_report_keeps_the_joiners_of_emoji_and_scripts(text: str, shown: str) -> None:
    """A joiner between two non-ASCII characters shapes the text (👨‍👩‍👧 is one emoji, not three; Persian's ZWNJ is
    spelling): the report, the comment and the HTML keep it; a secret split by joiners is still redacted."""
    data = secret_input()
    answer = f"{text} | {ZWJ.join(API_KEY)}"
    outcome = dataclasses.replace(data.outcomes[0], outputs={"answer": answer})
    data = dataclasses.replace(data, outcomes=[outcome, *data.outcomes[1:]])
    assert f"{shown} | ***" in json.dumps(report_json(data, secrets=(API_KEY,)), ensure_ascii=False)
    assert md_escape(text) == shown


def test_what_is_recorded_loses_the_known_secret_values_and_nothing_else() -> None:
    """``redact_known``: the runner's redaction of what it records in HoneyHive (a job that reads it back cannot know
    the recording job's environment): the values and their encodings go; patterns and keys leave the user's data."""
    secret = "plain-service-value-7788"
    encoded = base64.b64encode(secret.encode()).decode()
    recorded = {
        "answer": f"code {secret} now",
        "token": "expired",  # a key the text rules would blank, and a value that is no secret
        "note": "password: sunshine",
        "list": [secret, 3, None, True],
        "b64": encoded,
        secret: "in a key",
    }
    assert Redactor([secret]).redact_known(recorded) == {
        "answer": "code *** now",
        "token": "expired",
        "note": "password: sunshine",
        "list": ["***", 3, None, True],
        "b64": "***",
        "***": "in a key",
    }
    assert Redactor([]).redact_known(recorded) is recorded  # no secret: nothing walked


@pytest.mark.parametrize("width", [5, 7])
def test_a_padded_tables_column_folding_a_secret_written_a_row_at_a_time_is_redacted(width: int) -> None:
    # a column wider than its pieces (rich's padding=(0, 2), a hand-made table): each row's cell stops short of its
    # bar, and still folds the secret over the next row (audit63: a rule exempting such cells showed every piece)
    secret = "Vx7Rk2Qm9Lp4Wz8Tn3Hd6Bc1Qa5Ze9Yh"
    pieces = [secret[i : i + width] for i in range(0, len(secret), width)]
    rows = ["| key      | value        |"]
    rows += [f"| {'token' if i == 0 else '':<8} | {piece:<12} |" for i, piece in enumerate(pieces)]
    rows += ["| other    | words        |"]
    out = io.StringIO()
    stream = RedactingStream(out, Redactor([secret]))
    for row in rows:
        stream.write(row + "\n")
    stream.close()
    shown = out.getvalue()
    assert [piece for piece in pieces if piece in shown] == []
    assert "| other    | words        |" in shown


def test_what_redact_known_kept_of_a_text_is_dropped_when_the_redactor_learns_a_secret() -> None:
    # redact_known keeps short texts it redacted (a span's attribute names repeat on every datapoint): a secret learnt
    # later (set into the environment by the user's code) must be redacted in a text seen before it
    redactor = Redactor(["Zx81Qw0pLm7Rt5Yu3Io9"])
    name = "honeyhive_metadata.key_Ab12Cd34Ef56Gh78Ij90"
    assert redactor.redact_known(name) == name
    learn(["Ab12Cd34Ef56Gh78Ij90"])
    assert redactor.redact_known(name) == "honeyhive_metadata.key_***"

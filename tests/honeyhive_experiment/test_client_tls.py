"""A plain-HTTP backend skips loading the CA bundle, without ever accepting an unverified certificate."""

from __future__ import annotations

import ssl

import pytest

from honeyhive_experiment.client import _tls_for

pytestmark = pytest.mark.integration


def test_https_verifies_as_usual() -> None:
    assert _tls_for("https://api.dp1.us.honeyhive.ai") is True


def test_plain_http_gets_a_context_that_trusts_nothing() -> None:
    context = _tls_for("http://127.0.0.1:8080")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.get_ca_certs() == []  # a redirect to https could not be accepted: no root is trusted

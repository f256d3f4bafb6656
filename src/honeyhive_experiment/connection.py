"""Where the HoneyHive connection comes from: the caller's arguments, else the official SDK's environment variables.

    api key        api_key=           else HH_API_KEY, HONEYHIVE_API_KEY                  else an ArgumentError
    server URL     server_url=        else HH_API_URL, HONEYHIVE_SERVER_URL, HH_SERVER_URL else HoneyHive's (dp1)
    ingestion key  ingestion_api_key= else HH_INGESTION_API_KEY                            else the api key

The public entry points that stand in for the SDK's (:func:`~honeyhive_experiment.evaluate` and
``HoneyHiveClient()`` built with keywords) take these defaults the way ``honeyhive.evaluate`` does, so a script
written for the SDK keeps working. This is the one module besides ``cli.py`` that reads ``os.environ``, and only
these names, only for a value the caller did not pass (tests/test_architecture.py holds it to one line).

Which variables of an environment hold secrets (:func:`environment_secrets`: HoneyHive's keys among them) is said
here too, without loading pydantic's models: a usage error is redacted of them before any settings exist.

The connection's other parameters live here too: :class:`RetryPolicy`, :class:`Timeouts`, the :class:`Circuit`
(and its deadline) and the TLS setting per URL; :mod:`honeyhive_experiment.client` uses them, and knows the
routes.
"""

from __future__ import annotations

import math
import os
import re
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from honeyhive_experiment.errors import ArgumentError

DEFAULT_SERVER_URL = "https://api.dp1.us.honeyhive.ai"
API_KEY_VARIABLES = ("HH_API_KEY", "HONEYHIVE_API_KEY")
SERVER_URL_VARIABLES = ("HH_API_URL", "HONEYHIVE_SERVER_URL", "HH_SERVER_URL")
INGESTION_KEY_VARIABLES = ("HH_INGESTION_API_KEY",)
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
"""The answers a request retries, as it retries finding no backend; still one after the retries, a failure too."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    initial_wait: float = 0.2
    max_wait: float = 10.0
    circuit: int = 3
    """Requests in a row that find no backend, or only a :data:`RETRYABLE_STATUSES` answer (each after its retries),
    before the client stops trying (0: never)."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long a request waits. ``silence`` is the one deadline over them all: see :class:`Circuit`."""

    connect: float = 5.0
    read: float = 30.0
    long_read: float = 40.0
    """Summary and comparison reads (computed on request); ``silence`` caps it like every other wait. Each attempt's
    read or long read bounds the waits for the whole answer of any status, its body's too (not only each network
    read), but not the client's time reading it."""
    silence: float = 50.0
    """The longest the backend may leave every request unanswered before the client gives up on it for good: longer
    than a long read, so that one timing out is asked again before the backend counts as gone (and short enough for
    a job to end within a minute of the backend going away). Also how long a request's retries wait in all, the
    ``Retry-After`` the backend asks for included."""
    last_word: float = 5.0
    """The run's final status is sent even once the circuit is open: once, waiting this long to connect and read."""


class Circuit:
    """A breaker for a backend that stopped answering, and the one deadline every request to it (the client's and
    the OTLP exporter's, with all their retries) is held to.

    The deadline: while requests wait for the backend, it has ``silence`` seconds to answer something — any of
    them. Each attempt of a request asks :meth:`time_left` how long it may wait, and waits no longer whatever its own
    timeout; a retry is not started past it; any answer (even an error status) lifts it. Time in which no request
    was waiting does not count (a backend that is not asked is not silent). When it passes, the circuit opens: the
    backend is gone, whether it refuses connections, accepts them and never answers, or drops the packets; and
    everything in flight ends with it, since no request waits beyond it.

    The breaker: besides, once ``threshold`` requests in a row found no backend at all (connection refused or
    reset, timeouts) or, for the client's requests, a backend that answers only :data:`RETRYABLE_STATUSES` (5xx,
    429) — each after its own retries —, the circuit opens at once, without waiting out the deadline. Another answer
    (a success, or a 4xx refusing one request) ends the streak. (A span export that gets only those fails its
    datapoint alone, as not recorded: the backend takes the rest.)

    Open, the client sends nothing more and every request fails at once: a run of thousands of datapoints ends in
    seconds, not in thousands of retry schedules. It stays open for the client's life (nothing is sent that could
    close it, but a run's final status: see :class:`Timeouts`). Thread-safe; ``clock`` is ``time.monotonic``."""

    def __init__(
        self, threshold: int, silence: float = math.inf, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.silence = silence
        self.opened = threading.Event()  # set for good: once open, nothing is sent that could close it
        self.opened_on: int | None = None
        """The status (5xx, 429) the backend kept answering, when that opened the circuit; None: no answer."""
        self._clock = clock
        self._lock = threading.Lock()
        self._streak = 0
        self._waiting = 0  # requests waiting for the backend (each with its retries)
        self._since: float | None = None  # the silence began (shifted by the time nothing waited); None: answered
        self._idle_since: float | None = None  # nothing has waited since, during a silence

    @property
    def open(self) -> bool:
        return self.opened.is_set()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """A request (with its retries) waits for the backend during the block."""
        with self._lock:
            now = self._clock()
            if self._since is None:
                self._since = now
            elif self._idle_since is not None:  # the silence resumes: the time nobody asked does not count
                self._since += now - self._idle_since
            self._idle_since = None
            self._waiting += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiting -= 1
                if not self._waiting and self._since is not None:
                    self._idle_since = self._clock()

    def time_left(self) -> float:
        """Seconds left before the deadline (``inf`` while the backend owes no answer). When it has passed, the
        circuit opens and 0 is returned: nothing is to be sent."""
        with self._lock:
            left = self._left()
            if left <= 0:
                self._open(None)
        return max(left, 0.0)

    def _left(self) -> float:
        if self._since is None:
            return math.inf
        return self._since + self.silence - (self._idle_since if self._idle_since is not None else self._clock())

    def failed(self, status: int | None = None) -> None:
        """A request found no backend, or only a retryable answer (``status``), after its retries."""
        with self._lock:
            self._streak += 1
            if self._left() <= 0 or (self.threshold > 0 and self._streak >= self.threshold):
                self._open(status)

    def _open(self, status: int | None) -> None:
        if not self.opened.is_set():
            self.opened_on = status
            self.opened.set()

    def answered(self, status: int) -> None:
        """The backend answered a request waiting in :meth:`waiting` (any status): it is there. The other requests
        still waiting give it a new deadline from now. An answer that is not :data:`RETRYABLE_STATUSES` ends the
        streak of failures."""
        with self._lock:
            if status not in RETRYABLE_STATUSES:
                self._streak = 0
            self._since = self._clock() if self._waiting > 1 else None
            self._idle_since = None


def tls_for(base_url: str) -> ssl.SSLContext | bool:
    """Certificate verification as usual, except that a plain ``http://`` backend (the local one) does not
    load the CA bundle it will never use (~50 ms of CPU in every process, every job of a sharded run):
    it gets a context that trusts nothing, so nothing could ever be accepted unverified either."""
    if base_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return True


HTTP_URL_EXPECTED = "expected an http(s) URL with a host, a port from 1 to 65535 if any, and no user or password"
"""What :func:`http_url_or_none` takes, as every caller's error says it."""


def http_url_or_none(value: str) -> str | None:
    """``value`` stripped of blanks and trailing slashes, its scheme in lower case, if it is an http(s) URL
    (:data:`HTTP_URL_EXPECTED`; no blank in it), else ``None``. One spelling for every reader: with ``HTTP://`` the
    client loaded the CA bundle :func:`tls_for` spares plain HTTP, and an httpx URL of ``HTTPS://h:443`` keeps its
    default port (``Host: h:443``). Credentials in the URL are refused: httpx would send them as Basic auth instead
    of the API key's bearer token."""
    scheme, sep, rest = value.strip().rstrip("/").partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https") or any(ch.isspace() for ch in rest):
        return None
    url = f"{scheme}://{rest}"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return None
    if not parts.hostname or port == 0 or "@" in parts.netloc:
        return None
    return url


def shown_url(value: str) -> str:
    """``value`` as an error message may quote it: the password of a user and password in it (``user:***@``), or a
    user alone (``***@``: a token often is one), masked. Malformed values too: the userinfo runs to the last ``@``."""
    start = value.find("://") + 3 if "://" in value else 0
    end = value.rfind("@")
    if end < start:
        return value
    user, colon, _ = value[start:end].partition(":")
    return f"{value[:start]}{user + colon if colon else ''}***{value[end:]}"


def process_environment(environ: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """``environ``, else the process environment: read only when a caller passed no mapping of its own."""
    return os.environ if environ is None else environ


def first_set(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    """The first of the variables ``names`` that is set to something not blank in ``env``."""
    return next((name for name in names if (env.get(name) or "").strip()), None)


def _given(value: str | None, names: tuple[str, ...], environ: Mapping[str, str] | None) -> str | None:
    """``value`` when it is not blank, else the first of the variables ``names`` that is not blank in ``environ``
    (the process environment when ``None``), stripped; ``None`` when there is none."""
    env = process_environment(environ)
    candidates = (value, *(env.get(name) for name in names))
    return next((text.strip() for text in candidates if text and text.strip()), None)


# tokens the runner itself puts into a Docker action's environment; never to be printed either
_RUNNER_SECRET_VARIABLES = ("ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
# and every HoneyHive key the environment holds, not only the one used (the user's code may print another): also
# those of HoneyHive's newer SDKs and CLI (the project, fine-grained data plane and control plane keys)
_HONEYHIVE_KEY_VARIABLES = ("HH_PROJECT_API_KEY", "HH_DATA_PLANE_API_KEY", "HH_CONTROL_PLANE_API_KEY")
_ENVIRONMENT_SECRETS = (
    *_RUNNER_SECRET_VARIABLES,
    *API_KEY_VARIABLES,
    *INGESTION_KEY_VARIABLES,
    *_HONEYHIVE_KEY_VARIABLES,
)
# and whatever else the workflow hands the step whose name says it is a secret (HF_TOKEN, OPENAI_API_KEY,
# DB_PASSWORD, PGPASSWORD, SECRET_KEY_BASE, GH_PAT, GPG_PASSPHRASE, AZURE_CREDENTIALS, SENTRY_DSN, SLACK_WEBHOOK_URL,
# AZURE_STORAGE_CONNECTION_STRING, HF_TOKEN_READ): its last word TOKEN, SECRET, PASSWORD, PASSWD, PASSPHRASE, APIKEY
# (also run together: PGPASSWORD), KEY, KEYFILE (Terraform's GOOGLE_CLOUD_KEYFILE_JSON), PASS, CREDENTIAL(S), CRED(S),
# AUTH (npm's NPM_AUTH), AUTH_CONFIG (GitLab's DOCKER_AUTH_CONFIG), COOKIE(S), DSN, WEBHOOK(_URL) or CONNECTION_STRING
# after another word or alone, or PWD after another (not PWD, the shell's folder), each maybe followed by words that
# only say which one (_QUALIFIER: OPENAI_KEY_PROD, ENCRYPTION_KEY_B64, GCP_CREDENTIALS_JSON, AZURE_CREDENTIALS_PROD),
# not by what describes it (AWS_ACCESS_KEY_ID, OAUTH_TOKEN_URL, AWS_WEB_IDENTITY_TOKEN_FILE, AUTH_URL, CREDS_FILE hold
# no secret); or a word SECRET, PASSWORD, PASSWD, PASSPHRASE, API_KEY or PAT (a personal access token: GH_PAT, CR_PAT)
# anywhere.
# Not TOKENS (MAX_TOKENS) nor a TOKEN inside (ACTIONS_ID_TOKEN_REQUEST_URL), nor a word that only starts like one
# (PATH, KEYBOARD_LAYOUT, TOKENIZERS_PARALLELISM).
# No maintained list of such names exists to depend on instead: secret scanners (detect-secrets, gitleaks) judge a
# value by its shape or its entropy next to a keyword in code, not a variable's name.
_QUALIFIER = (
    r"(?:PROD|PRODUCTION|PRD|STAGING|STAGE|STG|DEV|DEVELOPMENT|TEST|TESTING|QA|UAT|SANDBOX|LIVE|LOCAL|CI"
    r"|READ|WRITE|RO|RW|READONLY|ADMIN|B64|BASE64|HEX|PEM|JSON|RAW|NEW|OLD|PRIMARY|SECONDARY|BACKUP|ALT|V?[0-9]+)"
)
_SECRET_NAME = re.compile(
    r"(?i)(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|APIKEY"
    r"|(?:^|[_-])(?:KEY(?:FILE)?|PASS|CREDENTIALS?|CREDS?|AUTH(?:[_-]CONFIG)?|COOKIES?|DSN|WEBHOOK(?:[_-]URL)?"
    rf"|CONN(?:ECTION)?[_-]?STR(?:ING)?)|[_-]PWD)(?:[_-]{_QUALIFIER})*$"
    r"|(?:^|[_-])(?:SECRET|PASSWORD|PASSWD|PASSPHRASE|API[_-]KEY|PAT)(?:[_-]|$)"
)
# ... when its value has at least this many characters: every generated key or token is longer (HF's 37, OpenAI's
# 51+, GitHub's 40), while what such names hold that is no secret is shorter (CACHE_KEY=v1, SORT_KEY=created_at,
# POSTGRES_PASSWORD=postgres, a region, a flag) and would otherwise be blanked wherever it appears in the report
_SECRET_NAME_MIN = 12
# ... but a name of credentials or of a key file holds the key or the path of its file: GOOGLE_APPLICATION_CREDENTIALS
# the path of a service account's key file (Google's Application Default Credentials read the key from it;
# google-github-actions/auth sets it to $GITHUB_WORKSPACE/gha-creds-….json), Terraform's GOOGLE_CREDENTIALS and
# GOOGLE_CLOUD_KEYFILE_JSON the path or the key's JSON, SSL_KEYFILE a path. The path is no secret, and the file is not
# read: the value is a secret only when it is a path of a file that exists (the key's JSON itself put there is not; a
# key that looks like a path, base64 starting with / or ., is none as long as no such file exists), and the name says
# no more than credentials (PASSWORD_CREDENTIALS, GITHUB_TOKEN_CREDS: the stronger word before wins).
_PATH_VARIABLES = re.compile(rf"(?i:(?:(.*)[_-])?(?:KEYFILE|CREDENTIALS?|CREDS?)(?:[_-]{_QUALIFIER})*)")
_PATH = re.compile(r"(?:[/~.\\]|[A-Za-z]:[/\\])[^\r\n]*|[^\r\n{]*\.json", re.IGNORECASE)


def _a_path(name: str, value: str) -> bool:
    """Whether ``value`` under ``name`` is the path of a key's file (:data:`_PATH_VARIABLES`), an existing one (the
    working directory's for a relative path; the file is not read)."""
    named = _PATH_VARIABLES.fullmatch(name)
    if named is None or _SECRET_NAME.search(named[1] or "") or _PATH.fullmatch(value) is None:
        return False
    return os.path.exists(os.path.expanduser(value))


def environment_secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    """The secrets ``env`` holds: the runner's tokens, HoneyHive's keys, and the values of variables named as secrets
    (:data:`_SECRET_NAME`) but an existing file's path where one is expected (:func:`_a_path`). Never log this."""
    return tuple(
        value
        for name, text in env.items()
        if (value := text.strip())
        and (name in _ENVIRONMENT_SECRETS or (_SECRET_NAME.search(name) and len(value) >= _SECRET_NAME_MIN))
        and not _a_path(name, value)
    )


MALFORMED_KEY = "has whitespace, a control character or a non-ASCII character in it (not shown)"
"""What :func:`malformed_key` refuses, as the entry points' messages say it (after "the key" or "the value": a short
word, so that printed after ``api-key: `` the redactor's ``key: value`` secret shape does not take it)."""


def malformed_key(key: str) -> bool:
    """A key with whitespace, a control character or a non-ASCII character in it (a pasted key with a line break or
    a typographic quote in it): never sent, since httpx refuses such a header (a non-ASCII one with a
    UnicodeEncodeError), and every request would fail. Each entry point refuses it up front, naming where the key
    came from and never quoting it."""
    return not key.isascii() or any(ch.isspace() or not ch.isprintable() for ch in key)


def find_api_key(api_key: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The API key as given, else from ``environ`` (the process environment when ``None``); ``None`` when there
    is none (the caller decides: an error, or the embedded local backend).

    Raises :class:`ArgumentError` naming where a blank one came from, when there is no other: a key passed blank, or
    a variable set to nothing (what GitHub Actions makes of a missing secret) is a key that went missing, not a run
    meant for the embedded backend, whose success nobody sees in HoneyHive."""
    key = _given(api_key, API_KEY_VARIABLES, environ)
    env = process_environment(environ)
    blank = "api_key" if api_key is not None else next((name for name in API_KEY_VARIABLES if name in env), None)
    if key is None and blank is not None:
        either = " or ".join(API_KEY_VARIABLES)
        fix = f"pass the key (or set {either}), or leave api_key out" if blank == "api_key" else "set it, or unset it"
        raise ArgumentError(
            "api_key", f"the HoneyHive API key is not set: {blank} is empty; {fix} to use the embedded local backend"
        )
    return key


def find_ingestion_key(ingestion_api_key: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The official SDK's ingestion key (sessions, events and traces are sent with it; runs and results with the
    API key): as given, else ``HH_INGESTION_API_KEY``; ``None`` when there is none (the API key sends them)."""
    return _given(ingestion_api_key, INGESTION_KEY_VARIABLES, environ)


def resolve_connection(
    server_url: str | None, api_key: str | None, environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """``(server_url, api_key)``: each as given, else from ``environ`` (the process environment when ``None``).

    Raises :class:`ArgumentError` naming ``api_key`` when no key is found, ``server_url`` when it is not an
    http(s) URL."""
    given = _given(server_url, SERVER_URL_VARIABLES, environ) or DEFAULT_SERVER_URL
    url = http_url_or_none(given)
    if url is None:  # named where it came from, as the command line names its flag or variable
        env = process_environment(environ)
        variable = None if server_url and server_url.strip() else first_set(env, SERVER_URL_VARIABLES)
        source = f" (from {variable})" if variable else ""
        raise ArgumentError("server_url", f"{HTTP_URL_EXPECTED}, got {shown_url(given)!r}{source}")
    key = find_api_key(api_key, environ)
    if not key:
        raise ArgumentError(
            "api_key", f"no HoneyHive API key: pass api_key=... or set {' or '.join(API_KEY_VARIABLES)}"
        )
    return url, key


def answer_reason(response: Any) -> str:
    """Why an error answer (httpx's or requests') refused a request: the backend's reason in its JSON body
    (HoneyHive's ``{"error": ...}``, else ``message`` or ``detail``), else its text, else its status line's phrase;
    its first words within 500 characters (:func:`excerpt`: a word cut short could be a secret's piece, which no
    pattern of the redactor would find). The client's errors and the span exporter's say it alike."""
    from honeyhive_experiment.models.outcomes import excerpt  # pydantic's models: not for a usage error's redaction

    try:
        body = response.json()
    except ValueError:
        body = None
    said = ""
    if isinstance(body, dict):
        said = next((str(body[key]) for key in ("error", "message", "detail") if body.get(key)), "")
    phrase = getattr(response, "reason_phrase", None) or getattr(response, "reason", None)  # httpx's, requests'
    return excerpt(said, 500) or excerpt(response.text, 500) or str(phrase or "")

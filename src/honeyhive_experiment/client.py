"""The HoneyHive HTTP client: the only module that knows HoneyHive's URLs and JSON.

Errors are :class:`~honeyhive_experiment.errors.HoneyHiveError` and its subclasses (the tree in
:mod:`honeyhive_experiment.errors`). Waiting for the backend is :func:`poll`, on tenacity.

Retries (tenacity): 429, 500, 502, 503, 504 and connection errors are retried with exponential
backoff and full jitter, honouring ``Retry-After``. Writes are safe to retry because the ids are
chosen here: run ids and session ids are client-generated UUIDs, and the backend treats a repeated
create as the same object. The API key is sent only in the ``Authorization`` header and never
appears in an error, a log line or ``repr``.

Routes: results and comparisons try the current routes (``/summary``, ``/compare/{old}``) first, and a server
that lacks them (404 there, an answer from ``/result``, ``/compare-with/{old}``) is remembered as legacy for the
client's life (:func:`~honeyhive_experiment.results.compare_runs` fills what ``/compare/`` lacks from the other).
"""

from __future__ import annotations

import email.utils
import itertools
import logging
import math
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_before_delay,
    wait_exponential,
    wait_random_exponential,
)

from honeyhive_experiment.connection import (
    DEFAULT_SERVER_URL,
    RETRYABLE_STATUSES,
    Circuit,
    RetryPolicy,
    Timeouts,
    answer_reason,
    resolve_connection,
)
from honeyhive_experiment.connection import tls_for as _tls_for
from honeyhive_experiment.errors import (
    ApiError,
    ArgumentError,
    BackendUnreachable,
    ExperimentError,
    IngestionTimeout,
    NotFoundError,
    WebPageAnswer,
)
from honeyhive_experiment.jsonstream import JsonBody, export_total, json_object, read_scored_page
from honeyhive_experiment.models import ExperimentResultSummary
from honeyhive_experiment.models.outcomes import DatapointOutcome, excerpt, first_ids, valued
from honeyhive_experiment.models.wire import _common

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SERVER_URL",
    "Deadline",
    "HoneyHiveClient",
    "RetryPolicy",
    "Timeouts",
    "check_client",
    "is_run_id",
    "poll",
    "run_id_as_named",
]
Scalar = str | int | float | bool | None  # what httpx takes as a query value
_T = TypeVar("_T")


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


_RETRYABLE = (_RetryableStatus, httpx.TransportError)  # what a request retries: a RETRYABLE_STATUSES answer, or none


def poll(
    check: Callable[[], _T | None],
    *,
    timeout: Deadline,
    maximum: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> _T | None:
    """Call ``check`` until it returns something other than ``None``, and return that; ``None`` when ``timeout`` (a
    :class:`Deadline`) would pass first, though one with nothing left still looks once. The waits double from 0.25
    seconds up to ``maximum``, and one that would end past ``timeout`` is not started. Exceptions from ``check``
    propagate at once."""
    retrying = Retrying(
        retry=retry_if_result(lambda value: value is None),
        wait=wait_exponential(multiplier=0.25, max=maximum),
        stop=stop_before_delay(timeout.left()),
        sleep=sleep,
        retry_error_callback=lambda _state: None,
    )
    return retrying(check)


class Deadline:
    """One bound, ``seconds`` long, for several waits in a row: the waits for one run's ingestion (``ingestion.timeout``
    is how long a job waits for HoneyHive to ingest the run, not how long each of its waits may take).

    It starts when the first wait asks what is :meth:`left`, not when it is made: made before the run's datapoints
    run, it bounds only the waits after them. A wait that finds nothing left still looks once (:func:`poll`)."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._started: float | None = None

    def left(self) -> float:
        """Seconds left (0 once it has passed); the first call starts it."""
        if self._started is None:
            self._started = self._clock()
        return max(0.0, self._started + self.seconds - self._clock())

    def waited(self) -> float:
        """Seconds since it started (0 before): how long the waits it bounds took together, for an error to say (the
        last wait alone may have had only what the others left of it)."""
        return 0.0 if self._started is None else self._clock() - self._started


def check_wait(argument: str, seconds: object, *, zero: bool = True) -> float:
    """``seconds``, a wait of that many: a finite number, 0 or more (a wait of 0 looks once: the client's waits), or
    greater than 0 with ``zero=False`` (a limit, as the experiment file's ``timeout`` and ``ingestion.timeout`` and so
    :func:`~honeyhive_experiment.evaluate`'s); :class:`ArgumentError` naming ``argument`` else."""
    if (
        isinstance(seconds, int | float)
        and not isinstance(seconds, bool)
        and (0 < seconds < math.inf or (zero and seconds == 0))
    ):
        return seconds
    bound = ", 0 or more" if zero else " greater than 0"
    raise ArgumentError(argument, f"expected a number of seconds{bound}, got {seconds!r}")


def _deadline(timeout: float | Deadline) -> Deadline:
    """A public wait's ``timeout``: a :class:`Deadline`, or seconds (0 or more) that start one; ArgumentError else."""
    return timeout if isinstance(timeout, Deadline) else Deadline(check_wait("timeout", timeout))


def is_run_id(value: object) -> bool:
    """Whether ``value`` has the shape of HoneyHive's run ids, UUIDs (32 hex digits, with or without dashes): the
    only ids this client puts into a route's path, where another (``../runs``) would name another route."""
    return isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]{32}", value.replace("-", "")) is not None


def run_id_as_named(value: str) -> str:
    """``value`` as the runs are named (lower case, dashed) when it is a run id (:func:`is_run_id`), however it was
    typed or pasted: the backend finds a run by its name only. Anything else (a commit, a branch) as it is."""
    return str(uuid.UUID(value)) if is_run_id(value) else value


def _checked(run_id: str) -> str:
    """``run_id``, once it is a run id (:func:`is_run_id`); :class:`ArgumentError` otherwise."""
    if not is_run_id(run_id):
        raise ArgumentError("run_id", f"{run_id!r} is not a run id (HoneyHive's run ids are UUIDs)")
    return run_id


def _retry_after(response: httpx.Response) -> float | None:
    """The wait ``Retry-After`` asks for, in seconds or until an HTTP date; ``None`` without one, or when it is
    neither (the backoff's wait then)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


_SCORED_FIELDS = ("session_id", "parent_id", "metadata")  # what the scored-span reads take of an event


def _filter(field: str, value: str) -> dict[str, str]:
    """An export filter: ``field`` is ``value`` (a string)."""
    return {"field": field, "operator": "is", "value": value, "type": "string"}


def _export(filters: Sequence[Mapping[str, Any]], page: int, limit: int, projections: Sequence[str]) -> dict[str, Any]:
    """The body of ``POST /v1/events/export``: ``projections`` only when there are some."""
    body: dict[str, Any] = {"filters": list(filters), "page": page, "limit": limit}
    if projections:
        body["projections"] = list(projections)
    return body


_CLOSED = httpx.ByteStream(b"")


class _Late(ValueError):
    """An answer whose body was still arriving when its attempt's time was up (:class:`_Bounded`)."""


class _Bounded(httpx.SyncByteStream):
    """A response's body, made as its headers arrive, that must have arrived after ``seconds`` of waiting for it since
    ``sent`` (``time.monotonic()``): httpx's timeout bounds each network read, so a body trickling in, each piece in
    time, was read for as long as it kept coming. Only the waits for its pieces count, not the reader's time between
    them (a summary of 100k rows, parsed as it arrives, takes longer to parse than to download)."""

    def __init__(self, stream: Any, sent: float, seconds: float) -> None:  # a response's: this client's are sync
        self._stream, self._waited, self._seconds = stream, time.monotonic() - sent, seconds

    def __iter__(self) -> Iterator[bytes]:
        asked = time.monotonic()
        for chunk in self._stream:
            self._waited += time.monotonic() - asked  # the wait for it, not the reader's time before it asked
            if self._waited > self._seconds:
                raise _Late(
                    f"the answer was still arriving after {self._waited:.1f} s (its deadline: {self._seconds:g} s)"
                )
            yield chunk
            asked = time.monotonic()

    def close(self) -> None:
        self._stream.close()


def _read_json(response: httpx.Response) -> dict[str, Any]:
    response.read()
    try:
        body = response.json()
    except ValueError:
        raise ValueError("response is not JSON") from None
    return json_object(body)


_COMPARED = ("metrics", "commonDatapoints", "old_run", "new_run")  # what the API requires of a comparison and we read


def _read_comparison(response: httpx.Response) -> dict[str, Any]:
    """A comparison's answer; one without a field the API requires is refused (without ``commonDatapoints`` every
    datapoint would read as new or gone, and a gate as unchecked)."""
    body = _read_json(response)
    lacking = [name for name in _COMPARED if body.get(name) is None]
    if lacking:
        raise ValueError(f"the comparison lacks {', '.join(lacking)}, which HoneyHive's API requires")
    return body


def _web_page(response: httpx.Response) -> bool:
    """Whether a successful answer is a web page (a sign-in portal, a web server at this URL), never an answer of the
    API: a run would read as created, a summary as "lexical error". An empty ``text/html`` answer is none (Flask's
    type for ``return "", 204``): it says nothing, as the API's empty answers do."""
    return response.headers.get("content-type", "").lower().startswith("text/html") and bool(response.read().strip())


def _discard(response: httpx.Response) -> None:
    if response.is_stream_consumed:  # read whole already (an empty text/html answer)
        return
    for _ in response.iter_raw():  # read to the end (the connection goes back to the pool), keep nothing
        pass


def _read_events_page(response: httpx.Response) -> tuple[list[dict[str, Any]], int, int | None]:
    """An export page → (its events, how many, the export's total if it says)."""
    body = _read_json(response)
    events: list[dict[str, Any]] = body.get("events") or []
    return events, len(events), export_total(body, len(events))


def check_client(client: object) -> None:
    """The check of a public function's ``client`` argument: one of ours, else ArgumentError naming its type (the
    official SDK's ``HoneyHive()``, say, whose calls are not ours), not an AttributeError from within."""
    if not isinstance(client, HoneyHiveClient):
        shown = f"{type(client).__module__}.{type(client).__name__}"
        raise ArgumentError("client", f"client must be a honeyhive_experiment.HoneyHiveClient, not a {shown}")


_COMPUTING = frozenset({"pending", "running"})  # a summary's status while the backend still computes it


def _summary_lacks(summary: ExperimentResultSummary, sent: set[str], expected: int) -> str | None:
    """What keeps ``summary`` from being the run's final one, as the error of a wait that ends says it; ``None``
    when nothing does. Its status must be computed, and it must list every datapoint ``sent`` (its entries are
    counted only without ids, by distinct datapoint: an entry listed twice covers one datapoint)."""
    said = f" (the summary's error: {excerpt(summary.error, 500)})" if summary.error else ""
    if summary.status in _COMPUTING:
        return f"the backend was still computing its summary (status {str(summary.status)!r}){said}"
    listed = set(summary.datapoints.keys())
    if not sent:
        count = len(listed - {None})
        return None if count >= expected else f"its summary lists only {count} of {expected} datapoints{said}"
    missing = sorted(sent - listed)
    if not missing:
        return None
    return f"its summary still lacks {len(missing)} of the {len(sent)} datapoints sent ({first_ids(missing)}){said}"


def judged_values(outcomes: Iterable[DatapointOutcome], judged: Iterable[str]) -> list[str]:
    """The metrics of ``judged`` (ranged or gated) that a recorded outcome of ``outcomes`` holds a number or a
    boolean of: the run's summary is not final while it lacks one (:meth:`HoneyHiveClient.wait_for_result`)."""
    return [name for name, ids in valued([o for o in outcomes if o.recorded], judged).items() if ids]


class HoneyHiveClient:
    """A thread-safe client for one HoneyHive project (the key implies the project).

    ``HoneyHiveClient(url, key)``, or with keywords as the SDK's client: ``server_url=`` (or ``base_url=``) and
    ``api_key=``, each defaulting to the SDK's environment variables (see :mod:`honeyhive_experiment.connection`;
    ``environ`` replaces the process environment there). A missing key raises ``ArgumentError``. ``circuit``: one
    shared with another client of the same backend (the ingestion key's), so one deadline governs both."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        server_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 64,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
        circuit: Circuit | None = None,
    ) -> None:
        if base_url and server_url and base_url != server_url:
            raise ArgumentError("server_url", "pass the URL once: as base_url (the first argument) or server_url")
        self.base_url, self.api_key = resolve_connection(base_url or server_url, api_key, environ)
        self.timeouts, self.retry = timeouts or Timeouts(), retry or RetryPolicy()
        self.circuit = circuit or Circuit(self.retry.circuit, self.timeouts.silence)
        self.sleep = sleep
        self._legacy_routes: set[str] = set()  # "summary" / "compare": this server lacks the current route
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.api_key}", "User-Agent": "honeyhive-experiment"},
            timeout=httpx.Timeout(self.timeouts.read, connect=self.timeouts.connect),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
            verify=_tls_for(self.base_url),
        )

    def __repr__(self) -> str:
        return f"HoneyHiveClient(base_url={self.base_url!r}, timeouts={self.timeouts!r}, retry={self.retry!r})"

    @property
    def unreachable(self) -> bool:
        """True once the backend stopped answering, or answered only 5xx/429 (the circuit is open): nothing more is
        sent."""
        return self.circuit.open

    @property
    def gone(self) -> str:
        """How the backend went, once :attr:`unreachable`: it stopped answering, or answered only an error status."""
        status = self.circuit.opened_on
        return "stopped answering" if status is None else f"answered only HTTP {status} (every retry too)"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HoneyHiveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport

    def _wait(self, state: RetryCallState) -> float:
        """The wait before a retry: what ``Retry-After`` asks for, else the backoff (at most ``RetryPolicy.max_wait``);
        either within what is left of the request's waits, ``Timeouts.silence`` in all (a retry is sent when that
        is spent, the last)."""
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc.response) if isinstance(exc, _RetryableStatus) else None
        if after is None:
            after = wait_random_exponential(multiplier=self.retry.initial_wait, max=self.retry.max_wait)(state)
        return max(0.0, min(after, self.timeouts.silence - state.idle_for))

    def request(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, Scalar] | list[tuple[str, Scalar]] | None = None,
        json: Any = None,
        long: bool = False,
    ) -> dict[str, Any]:
        """Send one request with retries; return the decoded JSON object or raise a HoneyHiveError (also when the
        answer is JSON but no object: every route answers one)."""
        return self._call(method, route, _read_json, params=params, json=json, long=long)

    def _call(
        self,
        method: str,
        route: str,
        read: Callable[[httpx.Response], _T],
        *,
        params: Mapping[str, Scalar] | list[tuple[str, Scalar]] | None = None,
        json: Any = None,
        long: bool = False,
        last_word: bool = False,
    ) -> _T:
        """Send one request with retries and hand a successful response, still streaming, to ``read``.

        A connection lost while ``read`` consumes the body is retried like any other transport error. Every attempt
        waits no longer than the circuit's deadline allows, and no retry starts past it (:class:`Circuit`).
        ``last_word``: sent even when the circuit is open (or its deadline too close), once, waiting
        ``Timeouts.last_word``.
        """
        body: dict[str, Any] = {"json": json}
        if isinstance(json, JsonBody):
            body = {"content": json, "headers": {"Content-Type": "application/json", "Content-Length": str(len(json))}}
        if self.circuit.open and not last_word:
            raise self._unsent(method, route)
        once = last_word and (self.circuit.open or self.circuit.time_left() < self.timeouts.last_word)  # one brief try
        longest = self.timeouts.last_word if once else self.timeouts.long_read if long else self.timeouts.read

        def stop(state: RetryCallState) -> bool:
            """Out of attempts (one ``once``) or of waits (:meth:`_wait`), the circuit open, or the next wait would end
            past its deadline."""
            if once or state.attempt_number >= self.retry.attempts or state.idle_for >= self.timeouts.silence:
                return True
            return self.circuit.open or state.upcoming_sleep >= self.circuit.time_left()

        retrying = Retrying(
            stop=stop, wait=self._wait, retry=retry_if_exception_type(_RETRYABLE), sleep=self.sleep, reraise=True
        )
        try:
            with self.circuit.waiting():
                for attempt in retrying:
                    with attempt:
                        timeout, sent = self._timeout(method, route, longest, bounded=not once), time.monotonic()
                        with self._stream(method, route, params=params, timeout=timeout, **body) as response:
                            self.circuit.answered(response.status_code)
                            response.stream = _Bounded(response.stream, sent, timeout.read or math.inf)
                            try:
                                if response.status_code >= 400:
                                    response.read()  # an error body is small: read it for the reason
                                elif _web_page(response):
                                    raise WebPageAnswer(
                                        f"{method} {route} answered HTTP {response.status_code} with a web page"
                                        f" (text/html), not JSON: is {self.base_url} HoneyHive's API? (the server URL:"
                                        " the `server-url` input, --server-url or HH_API_URL)"
                                    )
                                else:
                                    return read(response)
                            except ValueError as exc:  # a late answer (_Late) of any status, or one read() refused
                                if isinstance(exc, _Late):  # never wholly there: no answer, as a read timeout is
                                    self.circuit.failed()
                                raise ApiError(method, route, response.status_code, str(exc)) from None
                            if response.status_code in RETRYABLE_STATUSES:
                                log.debug("%s %s → %s, retrying", method, route, response.status_code)
                                raise _RetryableStatus(response)
                            if response.status_code == 404:
                                raise NotFoundError(method, route, 404, self._not_found(answer_reason(response)))
                            reason = answer_reason(response)
                            if response.status_code in (401, 403):  # the key: where it is set, and who refused it
                                who = "HH_API_KEY or HONEYHIVE_API_KEY; the action's api-key"
                                reason += f"; the API key ({who}) was refused by {self.base_url}"
                            raise ApiError(method, route, response.status_code, reason)
        except _RetryableStatus as exc:
            opened = self.circuit.open  # by other requests' failures
            self.circuit.failed(exc.response.status_code)
            spent = retrying.statistics["attempt_number"]  # the same answer to each: say how often it was asked
            after = _retry_after(exc.response) if spent < self.retry.attempts else None  # not waited: it stopped first
            asked = f"; the server asked to wait {after:g} s, more than the request had left to wait" if after else ""
            if opened and spent < self.retry.attempts:  # what stopped it was the circuit, whatever the server asked
                asked = f"; the backend at {self.base_url} {self.gone}"
            reason = f"{answer_reason(exc.response)} (after {spent} attempt{'s' if spent > 1 else ''}{asked})"
            raise ApiError(method, route, exc.response.status_code, reason) from None
        except httpx.TransportError as exc:
            self.circuit.failed()
            raise BackendUnreachable(
                f"{method} {route}: no answer from {self.base_url} after {retrying.statistics['attempt_number']}"
                f" attempt(s) ({type(exc).__name__})"
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _not_found(self, reason: str) -> str:
        """A 404's ``reason``; a bare "Not Found" (no such route, not "no such run") with a hint at the server URL,
        most often one with a path too many (``https://host/extra``), which every route is put under."""
        if reason != "Not Found":
            return reason
        return (
            f"Not Found (no such route at {self.base_url}: is it HoneyHive's API? the server URL: the `server-url`"
            " input, --server-url or HH_API_URL)"
        )

    def _unsent(self, method: str, route: str) -> BackendUnreachable:
        return BackendUnreachable(f"{method} {route}: not sent: the backend at {self.base_url} {self.gone}")

    def _timeout(self, method: str, route: str, longest: float, *, bounded: bool) -> httpx.Timeout:
        """An attempt's timeouts: its own, within what is left of the circuit's deadline when ``bounded``. An
        attempt past the deadline is not sent (the circuit has opened)."""
        left = self.circuit.time_left() if bounded else math.inf
        if left <= 0:
            raise self._unsent(method, route)
        return httpx.Timeout(min(longest, left), connect=min(self.timeouts.connect, longest, left))

    @contextmanager
    def _stream(self, method: str, route: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """``httpx.Client.stream``, leaving no garbage behind: an httpx response and its stream refer to
        each other, so every response would wait for the cyclic garbage collector (which, with 32 threads
        sending requests, lets tens of thousands of them pile up in the oldest generation)."""
        response: httpx.Response | None = None
        try:
            with self._http.stream(method, route, **kwargs) as response:
                yield response
        finally:
            if response is not None:
                response.stream = _CLOSED  # closed already; this breaks the cycle

    # ------------------------------------------------------------------ runs

    def create_run(self, body: Mapping[str, Any]) -> None:
        """``POST /v1/runs``; send a client-chosen ``run_id`` so a retried create is the same run.

        The backend's copy of the run in the answer is not read: it carries every datapoint id (and
        on update every session id), as large as the request, and nothing here needs it back.
        """
        self._call("POST", "/v1/runs", _discard, json=JsonBody(body))

    def update_run(self, run_id: str, body: Mapping[str, Any], *, last_word: bool = False) -> None:
        """``PUT /v1/runs/{id}``; like :meth:`create_run`, the answer is not read. ``last_word``: the run's final
        status, sent even once the backend stopped answering (once, briefly: ``Timeouts.last_word``), so a backend
        that answers again does not keep the run ``running``."""
        self._call("PUT", f"/v1/runs/{_checked(run_id)}", _discard, json=JsonBody(body), last_word=last_word)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """``GET /v1/runs/{id}``: the run object (the answer's ``evaluation``)."""
        route = f"/v1/runs/{_checked(run_id)}"
        body = self.request("GET", route)
        run = body.get("evaluation")
        if not isinstance(run, dict):
            raise ApiError("GET", route, 200, "the answer holds no run object ('evaluation')")
        return run

    def list_runs(
        self,
        *,
        name: str | None = None,
        status: str | None = None,
        dataset_id: str | None = None,
        run_ids: Sequence[str] = (),
        sort_by: str = "created_at",
        sort_order: str = "desc",
        page: int = 1,
        limit: int = 100,
    ) -> dict[str, Any]:
        """One page of ``GET /v1/runs``. ``name`` is a substring match on the server."""
        params: list[tuple[str, Scalar]] = [("page", page), ("limit", limit), ("sort_by", sort_by)]
        params.append(("sort_order", sort_order))
        params += [(k, v) for k, v in (("name", name), ("status", status), ("dataset_id", dataset_id)) if v]
        params += [("run_ids[]", run_id) for run_id in run_ids]
        return self.request("GET", "/v1/runs", params=params)

    def iter_runs(self, max_pages: int = 50, **filters: Any) -> Generator[dict[str, Any], None, bool]:
        """Every run matching the filters, newest first, following ``pagination.has_next`` for at most ``max_pages``
        pages; a caller that reads them all is warned when older runs were left unread, and is returned (the
        generator's value: ``yield from``'s, ``StopIteration.value``) whether they were."""
        for page in range(1, max_pages + 1):
            body = self.list_runs(page=page, **filters)
            yield from body.get("evaluations") or []
            if not (body.get("pagination") or {}).get("has_next"):
                return False
        log.warning(
            "read the newest %d page(s) of runs matching %s and stopped: older runs were not read", page, filters
        )
        return True

    # ------------------------------------------------------------------ results (computed by the backend)

    def _current_or_legacy(
        self, kind: str, current: str, legacy: str, read: Callable[[httpx.Response], _T], **kw: Any
    ) -> _T:
        """GET ``current``; when it is 404 and ``legacy`` answers, this server lacks the current route: remember it
        (per ``kind``) and use ``legacy`` from then on. A 404 from both (no such run) is raised, and not remembered."""
        if kind not in self._legacy_routes:
            try:
                return self._call("GET", current, read, **kw)
            except NotFoundError:
                found = self._call("GET", legacy, read, **kw)  # raises the legacy 404 too: then the run is missing
                log.info("%s is not served here: using the deprecated %s from now on", current, legacy)
                self._legacy_routes.add(kind)
                return found
        return self._call("GET", legacy, read, **kw)

    def get_run_result(self, run_id: str, aggregate_function: str = "average") -> dict[str, Any]:
        """The run's summary as a dict (``GET /v1/runs/{id}/summary``, else the deprecated ``/result``)."""
        return self._summary(run_id, aggregate_function, _read_json)

    def get_run_summary(
        self, run_id: str, aggregate_function: str = "average", *, sessions: Mapping[str, str] | None = None
    ) -> ExperimentResultSummary:
        """:meth:`get_run_result` parsed as it arrives into a compact summary
        (:meth:`~honeyhive_experiment.models.ExperimentResultSummary.from_json_chunks`, which ``sessions`` is for):
        a run's summary grows with its datapoints, about 0.5 KiB of JSON each."""
        return self._summary(
            run_id,
            aggregate_function,
            lambda response: ExperimentResultSummary.from_json_chunks(
                response.iter_bytes(), run_id=run_id, sessions=sessions
            ),
        )

    def _summary(self, run_id: str, aggregate_function: str, read: Callable[[httpx.Response], _T]) -> _T:
        params = {"aggregate_function": aggregate_function}
        route = f"/v1/runs/{_checked(run_id)}"
        return self._current_or_legacy("summary", f"{route}/summary", f"{route}/result", read, params=params, long=True)

    def get_run_metrics(self, run_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/runs/{_checked(run_id)}/metrics", long=True)

    def compare_runs(
        self,
        new_run_id: str,
        old_run_id: str,
        aggregate_function: str = "average",
        *,
        legacy: bool = False,
        unpaired: Callable[[list[str]], tuple[list[str], int] | None] | None = None,
        timeout: float | Deadline = 0.0,
    ) -> dict[str, Any]:
        """``GET /v1/runs/{new}/compare/{old}``, else (or with ``legacy``) the deprecated ``/compare-with/{old}``.

        An answer without the fields the API requires is an :class:`ApiError`. ``unpaired`` says what an answer's
        ``commonDatapoints`` leave out that both runs scored (``None``: nothing): the backend compares
        asynchronously, so such an answer is asked again within ``timeout``; then one pairing none is an
        :class:`ApiError`, and one pairing some is returned as it is."""
        params, route = {"aggregate_function": aggregate_function}, f"/v1/runs/{_checked(new_run_id)}"
        old, current = f"{route}/compare-with/{_checked(old_run_id)}", f"{route}/compare/{old_run_id}"
        if legacy:
            return self.request("GET", old, params=params, long=True)
        deadline = _deadline(timeout)  # says how long the waits took
        last: dict[str, Any] = {}
        left: tuple[list[str], int] | None = None  # what the last answer left out, of how many, for what follows

        def check() -> dict[str, Any] | None:
            nonlocal last, left
            last = self._current_or_legacy("compare", current, old, _read_comparison, params=params, long=True)
            left = unpaired(_common(last)) if unpaired is not None else None
            return last if left is None else None

        if poll(check, timeout=deadline, sleep=self.sleep) is None and left is not None and len(left[0]) == left[1]:
            waited, longer = f"after waiting {deadline.waited():.1f} s", "compare with a longer timeout"
            if isinstance(timeout, Deadline):  # the run's ingestion.timeout, the wait for its summary's too
                waited += f" of ingestion.timeout's {timeout.seconds:g} s for HoneyHive to ingest and compare the runs"
                longer = "raise ingestion.timeout in the experiment file"
            raise ApiError(
                "GET",
                self.compare_route(new_run_id, old_run_id),
                200,
                f"the comparison's commonDatapoints paired none of the {left[1]} datapoints both runs scored"
                f" ({first_ids(left[0])}) {waited}: HoneyHive had not finished comparing them ({longer} if HoneyHive"
                " needs more time), or compared other runs",
            )
        return last

    def compare_route(self, new_run_id: str, old_run_id: str) -> str:
        """The route a comparison of these runs is read from on this server (the current one, until it was found to
        lack it), for an error to name."""
        route = f"/v1/runs/{new_run_id}/compare"
        return f"{route}-with/{old_run_id}" if self.uses_deprecated_route("compare") else f"{route}/{old_run_id}"

    def uses_deprecated_route(self, kind: str) -> bool:
        """Whether this server was found to lack the current route of ``kind`` (``summary`` or ``compare``)."""
        return kind in self._legacy_routes

    def wait_for_result(
        self,
        run_id: str,
        expected_datapoints: int,
        *,
        timeout: float | Deadline = 60.0,
        aggregate_function: str = "average",
        scored: Iterable[str] = (),
        datapoints: Iterable[str] = (),
        sessions: Mapping[str, str] | None = None,
        metrics: Sequence[str] = (),
    ) -> ExperimentResultSummary:
        """Poll (:func:`poll`) until the result covers every datapoint sent, within ``timeout`` (a :class:`Deadline`,
        which bounds the waits that follow too): ``expected_datapoints`` sessions visible (one per trial), the
        datapoints ``scored`` with their function spans (a session is visible before its spans), and a computed
        summary (:func:`_summary_lacks`: ``datapoints`` listed, a row without a datapoint id as its session's in
        ``sessions``) that has each of ``metrics`` (:func:`judged_values`: a summary's status may be the run's,
        completed before its metrics are in). The summary, whose size grows with the run, is read only once the
        cheaper counts are complete; one answered 400 (the API's "Error processing experiment summary", maybe while
        it still ingests) is asked again, and a wait that ends on one raises it (an :class:`ApiError`: the backend
        could not compute the summary, which no longer wait is known to mend). A summary final but for
        ``metrics`` is taken when the wait runs out (the debug log says which it lacked): a name the backend spells
        otherwise costs the wait, never the verdict."""
        deadline = _deadline(timeout)  # says how long the waits took
        wanted = sorted(scored)  # a sorted list (an eighth of a set's memory for a large run), a datapoint per trial
        sent = set(datapoints)
        seen = (0, 0)  # sessions visible, function spans visible: for the error when the wait runs out
        lacking: str | None = None  # what the last summary read lacked, for that error
        last: ExperimentResultSummary | None = None  # the last summary final but for a metric of ``metrics``
        refused: ApiError | None = None  # the 400 the last summary read was answered

        def check() -> ExperimentResultSummary | None:
            nonlocal seen, lacking, last, refused
            lacking = refused = None
            visible = self.count_sessions(run_id)
            have = self._count_scored(run_id, wanted) if wanted and visible >= expected_datapoints else 0
            seen = (visible, have)
            if visible >= expected_datapoints and have >= len(wanted):
                try:
                    result = self.get_run_summary(run_id, aggregate_function, sessions=sessions)
                except ApiError as exc:
                    if exc.status != 400:
                        raise
                    refused = exc
                    return None
                lacking = _summary_lacks(result, sent, expected_datapoints)
                named = {detail.metric_name for detail in result.metrics.details}
                if lacking is None and not (absent := [name for name in metrics if name not in named]):
                    return result
                if lacking is None:
                    last, lacking = result, f"its summary has no value of {', '.join(absent)}, which the run recorded"
                # the summary lags behind the events: poll again without holding it
            return None

        found = poll(check, timeout=deadline, sleep=self.sleep)
        if found is None and last is not None:
            log.debug("run %s: its summary taken as it is after %.1f s: %s", run_id, deadline.waited(), lacking)
            return last
        if found is None and refused is not None:
            said = f"the backend could not compute the run's summary: {refused.reason}"
            raise ApiError(refused.method, refused.route, 400, f"{said} (asked again for {deadline.waited():.1f} s)")
        if found is None:
            visible, have = seen
            waited = deadline.waited()  # with a Deadline given, its earlier waits too (a report job's for the shards)
            raise IngestionTimeout(
                run_id, visible, expected_datapoints, waited, (have, len(wanted)) if wanted else None, lacking
            )
        return found

    # ------------------------------------------------------------------ datasets

    def get_dataset(self, *, dataset_id: str | None = None, name: str | None = None) -> dict[str, Any]:
        params = {"dataset_id": dataset_id} if dataset_id else {"name": name or ""}
        found = self.request("GET", "/v1/datasets", params=params).get("datasets") or []
        if not found:
            what = f"id {dataset_id}" if dataset_id else f"name {name!r}"
            raise NotFoundError("GET", "/v1/datasets", 404, f"no dataset with {what} in this project")
        if name and not dataset_id:  # the API does not say its name filter is exact (the runs' matches substrings)
            named = [d for d in found if isinstance(d, dict) and d.get("name") == name]
            if not named:  # qa-large for qa, once qa is gone: another dataset, not this one
                listed = first_ids([str(d.get("name") if isinstance(d, dict) else d) for d in found])
                raise NotFoundError("GET", "/v1/datasets", 404, f"no dataset named {name!r} (HoneyHive lists {listed})")
            found = named
        if len(found) > 1:  # which one the user meant cannot be told: not the first the backend lists
            ids = first_ids([str(d.get("id")) for d in found])
            message = f"HoneyHive has {len(found)} datasets named {name!r} ({ids}): give the id of the one to use"
            raise ExperimentError(f"{message}, not its name")
        dataset: dict[str, Any] = found[0]
        return dataset

    def get_datapoints(self, ids: Sequence[str], chunk: int = 100) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for start in range(0, len(ids), chunk):
            params: list[tuple[str, Scalar]] = [("datapoint_ids[]", i) for i in ids[start : start + chunk]]
            out += self.request("GET", "/v1/datapoints", params=params).get("datapoints") or []
        return out

    # ------------------------------------------------------------------ sessions & events

    def start_session(self, session: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v1/sessions`` (idempotent on the client-chosen ``session_id``)."""
        return self.request("POST", "/v1/sessions", json=dict(session))

    def update_event(self, event_id: str, changes: Mapping[str, Any]) -> None:
        """``PUT /v1/events/{id}``: metadata/metrics/feedback merge, outputs replace. The answer is not read (the API
        spec gives it no content)."""
        self._call("PUT", f"/v1/events/{event_id}", _discard, json=dict(changes))

    def export_events(
        self,
        filters: Sequence[Mapping[str, Any]],
        *,
        page: int = 1,
        limit: int = 1000,
        projections: Sequence[str] = (),
    ) -> dict[str, Any]:
        return self.request("POST", "/v1/events/export", json=_export(filters, page, limit, projections), long=True)

    def scored_sessions(self, run_id: str) -> Counter[str]:
        """The sessions of the run whose function span the backend holds (one per datapoint and trial), each with
        how many it holds (more than one: two jobs ran it)."""
        return Counter(self._scored(run_id, sessions=True))

    def errored_datapoints(self, run_id: str) -> set[str]:
        """Datapoints of the run whose function raised or timed out: their function span's ``error`` is a non-empty
        string (read, not filtered on: what the export's ``exists`` makes of a null ``error`` is not in the API)."""
        return set(self._scored(run_id, errored=True))

    def _count_scored(self, run_id: str, wanted: list[str]) -> int:
        """How many of ``wanted`` (sorted; a datapoint id once per trial) have a function span, counting each
        span once: the size of the two lists' intersection as multisets."""
        found = sorted(self._scored(run_id))
        count = i = 0
        for datapoint_id in found:
            while i < len(wanted) and wanted[i] < datapoint_id:
                i += 1
            if i == len(wanted):
                break
            if wanted[i] == datapoint_id:
                count += 1
                i += 1
        return count

    def _scored(self, run_id: str, *, sessions: bool = False, errored: bool = False) -> Iterator[str]:
        """The datapoint id (with ``sessions``, the session id) of every root ``chain`` event of the run (with
        ``errored``, of those with an ``error``), page by page; each page is read as it streams in and only the ids
        are kept (a page of whole events is ~1 MB of dicts)."""

        def read_page(response: httpx.Response) -> tuple[list[str], int, int | None]:
            return read_scored_page(response.iter_bytes(), sessions=sessions, errored=errored)

        flt = [_filter("metadata.run_id", run_id), _filter("event_type", "chain")]
        for ids in self._export_pages(flt, read_page, projections=(*_SCORED_FIELDS, *("error",) * errored)):
            yield from ids

    def _export_pages(
        self,
        filters: Sequence[Mapping[str, Any]],
        read_page: Callable[[httpx.Response], tuple[list[_T], int, int | None]],
        projections: Sequence[str] = (),
    ) -> Iterator[list[_T]]:
        """``POST /v1/events/export`` page after page (of 1000 events) until the export's total is read, or without
        one until a page is short; ``read_page`` turns one answer into (what to keep of it, how many events it had,
        the total or ``None``)."""
        seen, limit = 0, 1000
        for page in itertools.count(1):
            body = _export(filters, page, limit, projections)
            kept, count, total = self._call("POST", "/v1/events/export", read_page, json=body, long=True)
            yield kept
            seen += count
            if not count or (seen >= total if total is not None else count < limit):
                return

    def count_sessions(self, run_id: str) -> int:
        """How many sessions the backend holds for the run: the export's total (one event is read), else counted page
        by page (an answer whose ``count`` is its page's length says no total)."""
        flt = [_filter("metadata.run_id", run_id), _filter("event_type", "session")]
        first = self.export_events(flt, page=1, limit=1, projections=("event_id",))
        total = export_total(first, len(first.get("events") or []))
        return sum(map(len, self._export_pages(flt, _read_events_page, ("event_id",)))) if total is None else total

    def iter_run_events(
        self, run_id: str, event_type: str | None = None, projections: Sequence[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every event whose ``metadata.run_id`` is this run (of ``event_type``; only the ``projections`` fields),
        page by page: one page in memory at a time."""
        flt = [_filter("metadata.run_id", run_id), *([_filter("event_type", event_type)] if event_type else [])]
        for events in self._export_pages(flt, _read_events_page, projections):
            yield from events

    @property
    def traces_endpoint(self) -> str:
        return f"{self.base_url}/opentelemetry/v1/traces"

    def auth_headers(self) -> dict[str, str]:
        """For the OTLP exporter, which sends its own requests."""
        return {"Authorization": f"Bearer {self.api_key}"}

"""A second interrupt ends the run at once even when span exports are stuck on a backend that does not
answer (the OTLP exporter backs off for up to its timeout per attempt): the runner gives the datapoints
in flight a short grace, then stops the sink's exports instead of joining threads that wait them out."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from honeyhive_experiment import HoneyHiveClient
from honeyhive_experiment.models.outcomes import Datapoint
from honeyhive_experiment.run_spec import RunSpec
from honeyhive_experiment.runner import Runner
from honeyhive_experiment.tracing import TraceSink
from honeyhive_local import LocalBackend

pytestmark = pytest.mark.integration

STUCK_FOR = 60.0


class StuckExporter(SpanExporter):
    """Like the OTLP exporter against a backend that does not answer: each export waits out its backoff,
    unless the exporter is shut down."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.exports = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exports += 1
        self.released.wait(STUCK_FOR)
        return SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self.released.set()


def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"answer": datapoint["inputs"]["n"]}


def test_an_interrupt_does_not_wait_for_stuck_exports() -> None:
    exporter = StuckExporter()
    sink = TraceSink(exporter)
    datapoints = [Datapoint(f"dp-{i}", {"inputs": {"n": i}}, "EXT-x") for i in range(8)]
    with LocalBackend() as backend, HoneyHiveClient(backend.url, backend.api_key) as client:
        spec = RunSpec(function=answer, name="stuck", max_workers=4)
        runner = Runner(spec, client=client, sink=sink, run_id="run-1")
        # the second SIGINT/SIGTERM, as the CLI maps it: KeyboardInterrupt in the main thread. Python's own handler,
        # whatever this process inherited: started in the background by a shell (`pytest ... &`), SIGINT is ignored,
        # the run waited out every stuck export (8 min) and the test failed on the runner's behaviour it never reached
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                runner.run(datapoints)
        finally:
            timer.cancel()
            signal.signal(signal.SIGINT, previous)
        ended = time.monotonic() - started
        sink.shutdown()
    assert exporter.exports >= 1  # the exports really were stuck when the interrupt came
    assert exporter.released.is_set()
    # not a timing benchmark: a liveness bound far below what waiting the exports out would take
    assert ended < STUCK_FOR / 2, f"the interrupted run took {ended:.1f} s to end"

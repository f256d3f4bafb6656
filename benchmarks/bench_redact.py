"""What redacting the encodings and fragments of known secrets costs: the report of a realistic large run built
with today's :class:`~honeyhive_experiment.report.redact.Redactor` and with the exact-value redactor it replaced.

The "before" redactor is ``report/redact.py`` as it was at :data:`BEFORE`, or at ``--before REV`` (a change's
cost: its branch's base), read with ``git show``, so the repository's history must be there. Both build the same
report (``build_report``: every string of it redacted once) of the same judgement: ``--datapoints`` datapoints
(default 20,000) with three metrics, 15 % failing (their inputs and outputs previewed), 1 % raising (a multi-line
traceback), degraded datapoints from the comparison.

Contenders, interleaved ``--repeat`` times (median): **none** (a redactor that changes nothing: the floor,
what building the report costs without redaction), **before** and **now**, each with two sets of secrets:
*local* (an API key: a local run's) and *actions* (the API key, the GitHub token and the runner's two JWTs, about
1,000 characters each: what the action knows). Printed: CPU milliseconds (the machines are shared: waiting for a
core is not the redactor's cost), ``now / before`` for the whole build, and the same for the redaction alone
(the build minus the floor). Nothing is asserted.

With ``--streamed REV…``: instead, output streamed word by word, as an LLM's is printed (30,000 pieces of words, then
of two-digit numbers, each flushed: :class:`~honeyhive_experiment.report.redact.RedactingStream`), with the *actions*
secrets, by today's stream and by each revision's, and ``now / REV``. A flush that held back every
space after two hex digits (b49-redact2) made it 30 times slower than at ``a3b0654``.

Run: ``python benchmarks/bench_redact.py [--datapoints N] [--repeat N] [--before REV] [--streamed REV…]``.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import io
import json
import random
import statistics
import string
import subprocess
import sys
import time
import types
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from honeyhive_experiment.config import MetricConfig
from honeyhive_experiment.judgement import Judgement
from honeyhive_experiment.models import ExperimentResultSummary, RunComparisonResult
from honeyhive_experiment.models.outcomes import DatapointOutcome, EvaluatorFailure, OutcomeStatus
from honeyhive_experiment.report import build as build_module
from honeyhive_experiment.report import build_report, redact
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.verdict import decide, facts

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "6054ac6"  # main before issue 21's encodings and fragments
RUN_ID = "3f6c1a2e-5b7d-4e8f-9a01-23456789abcd"
OLD_RUN_ID = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
# none of the patterns' hints ("key", "token", "basic"…): the patterns' regexes would run on every preview and hide
# the cost of looking for the known secrets
WORDS = ("open", "settings", "reset", "account", "billing", "plan", "choose", "the", "a", "to", "your", "email", "team")


def module_at(revision: str) -> types.ModuleType:
    """``report/redact.py`` as it was at ``revision``."""
    source = subprocess.run(
        ["git", "show", f"{revision}:src/honeyhive_experiment/report/redact.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"redact_{revision}")
    sys.modules[module.__name__] = module  # dataclasses and typing look their module up
    exec(
        compile(source, f"{module.__name__}.py", "exec"), module.__dict__
    )  # this repository's own code, from its history
    return module


def redactor_before(revision: str = BEFORE) -> type:
    """The Redactor class of ``report/redact.py`` at ``revision``."""
    return module_at(revision).Redactor  # type: ignore[no-any-return]


class Nothing:
    """A redactor that changes nothing: what building the report costs without redaction."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        pass

    def redact(self, text: str) -> str:
        return text

    def redact_value(self, value: Any) -> Any:
        return value


def token(rng: random.Random, size: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def jwt(rng: random.Random, claims: int) -> str:
    url_safe = string.ascii_letters + string.digits + "-_"
    header = json.dumps({"typ": "JWT", "alg": "RS256", "x5t": token(rng, 27), "kid": token(rng, 40)})
    head = base64.urlsafe_b64encode(header.encode()).decode().rstrip("=")
    return f"{head}.{token(rng, claims, url_safe)}.{token(rng, 342, url_safe)}"


def secret_sets(rng: random.Random) -> dict[str, tuple[str, ...]]:
    api_key = token(rng, 40)
    actions = (api_key, "ghs_" + token(rng, 36), jwt(rng, 700), jwt(rng, 500))
    return {"local": (api_key,), "actions": actions}


def prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def judgement(rng: random.Random, count: int) -> Judgement:
    ids = [f"EXT-{rng.getrandbits(64):016x}" for _ in range(count)]
    failed = {i for i in ids if rng.random() < 0.15}
    errored = {i for i in ids if rng.random() < 0.01}
    accuracy = {i: round(rng.random() * (0.4 if i in failed else 1.0), 3) for i in ids}
    latency = {i: rng.randint(300, 3000) for i in ids}

    def detail(name: str, values: dict[str, Any], passing: dict[str, float] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "metric_name": name,
            "metric_type": "CLIENT_SIDE",
            "event_name": "answer",
            "event_type": "chain",
            "aggregate": statistics.fmean(float(v) for v in values.values()),
            "values": list(values.values()),
            "datapoints": {
                "passed": [i for i in ids if i not in failed],
                "failed": [i for i in ids if i in failed and name == "accuracy"],
            },
        }
        if passing:
            body["passing_range"] = passing
        return body

    exact = {i: i not in failed for i in ids}
    summary_body = {
        "status": "completed",
        "success": not failed,
        "passed": [i for i in ids if i not in failed],
        "failed": sorted(failed),
        "metrics": {
            "aggregation_function": "average",
            "details": [
                detail("accuracy", accuracy, {"min": 0.5}),
                detail("exact_match", exact),
                detail("latency_ms", latency),
            ],
        },
        "datapoints": [
            {
                "datapoint_id": i,
                "session_id": f"sess-{i}",
                "passed": i not in failed,
                "metrics": [
                    {"name": "accuracy", "event_name": "answer", "value": accuracy[i], "passed": i not in failed},
                    {"name": "exact_match", "event_name": "answer", "value": exact[i], "passed": True},
                    {"name": "latency_ms", "event_name": "answer", "value": latency[i], "passed": True},
                ],
            }
            for i in ids
        ],
    }
    summary = ExperimentResultSummary.from_wire(summary_body, run_id=RUN_ID)
    worse = [i for i in ids if rng.random() < 0.2]
    better = [i for i in ids if rng.random() < 0.1]

    def delta(name: str, old: float, new: float) -> dict[str, Any]:
        return {
            "metric_name": name,
            "event_name": "answer",
            "event_type": "chain",
            "old_aggregate": old,
            "new_aggregate": new,
            "difference": new - old,
            "percentage_change": (new - old) / old * 100,
            "found_count": count,
            "improved_count": len(better),
            "degraded_count": len(worse),
            "same_count": count - len(better) - len(worse),
            "improved": better,
            "degraded": worse,
            "same": [],
        }

    comparison = RunComparisonResult.from_wire(
        {"commonDatapoints": ids, "metrics": [delta("accuracy", 0.81, 0.74), delta("latency_ms", 1500, 1600)]},
        new_run_id=RUN_ID,
        old_run_id=OLD_RUN_ID,
        new_datapoint_ids=summary.datapoint_ids,
    )
    outcomes = []
    for index, i in enumerate(ids):
        if i in errored:
            trace = "\n".join(
                f'  File "/repo/support_bot/{token(rng, 6).lower()}.py", line {n}, in answer\n    {prose(rng, 6)}'
                for n in range(8)
            )
            outcomes.append(
                DatapointOutcome(
                    index=index,
                    datapoint_id=i,
                    session_id=f"sess-{i}",
                    status=OutcomeStatus.FUNCTION_ERROR,
                    error=f"Traceback (most recent call last):\n{trace}\nRateLimitError: 429 Too Many Requests",
                )
            )
            continue
        failures = (EvaluatorFailure("judge", "TimeoutError: the judge did not answer in 30 s"),)
        outcomes.append(
            DatapointOutcome(
                index=index,
                datapoint_id=i,
                session_id=f"sess-{i}",
                status=OutcomeStatus.OK,
                outputs={"answer": prose(rng, 50), "topic": rng.choice(WORDS), "sources": [f"kb/{rng.randint(1, 99)}"]},
                evaluator_failures=failures if rng.random() < 0.005 else (),
            )
        )
    # the reasons in the verdict's words, of the errors as the runner records them (their last line, no traceback)
    recorded = [dataclasses.replace(o, error=o.error.rpartition("\n")[2]) if o.error else o for o in outcomes]
    decided = decide(summary, None, facts=facts(recorded))
    return Judgement(
        experiment="support-bot",
        decision=decided,
        run_id=RUN_ID,
        run_url=f"https://app.honeyhive.ai/evaluate/{RUN_ID}",
        head_sha="9fceb02d0ae598e95dc970b74767f19372d61af8",
        pr_number=42,
        summary=summary,
        comparison=comparison,
        outcomes=outcomes,
        inputs_by_datapoint={i: {"question": prose(rng, 12), "context": prose(rng, 80)} for i in ids},
        metrics={"accuracy": MetricConfig(key=True), "latency_ms": MetricConfig(direction="lower")},
        generated_at=datetime(2025, 3, 4, 12, 0, tzinfo=UTC),
        tool_version="bench",
    )


def build_with(redactor: type, data: Judgement, secrets: tuple[str, ...]) -> float:
    """CPU seconds to build the report of ``data`` with ``redactor`` (a new one, as each invocation makes)."""
    build_module.Redactor = redactor  # type: ignore[misc]
    # an invocation builds the secrets' tables once: each build pays for that too, the before's (its own module's)
    if (tables := getattr(sys.modules[redactor.__module__], "_tables", None)) is not None:
        tables.cache_clear()
    try:
        started = time.process_time()
        build_report(data, secrets=secrets)
        return time.process_time() - started
    finally:
        build_module.Redactor = Redactor  # type: ignore[misc]


def strings_redacted(data: Judgement, secrets: tuple[str, ...]) -> int:
    """How many strings the report's build hands the redactor."""
    calls = 0

    class Counting(Redactor):
        def redact(self, text: str) -> str:
            nonlocal calls
            calls += 1
            return super().redact(text)

    build_module.Redactor = Counting  # type: ignore[misc]
    try:
        build_report(data, secrets=secrets)
    finally:
        build_module.Redactor = Redactor  # type: ignore[misc]
    return calls


def stream_with(module: types.ModuleType, pieces: list[str], secrets: tuple[str, ...]) -> float:
    """CPU seconds to print ``pieces`` through ``module``'s redacting stream, each flushed, then the line's end."""
    stream = module.RedactingStream(io.StringIO(), module.Redactor(secrets))
    started = time.process_time()
    for piece in pieces:
        stream.write(piece)
        stream.flush()
    stream.write("\n")
    return time.process_time() - started


def streamed(revisions: list[str], secrets: tuple[str, ...], repeat: int) -> None:
    """Output streamed word by word through today's stream and each revision's (medians of ``repeat``)."""
    words = [*WORDS, "used", "added", "code", "face"]
    rng = random.Random(49)
    streams = {
        "words": [f"{rng.choice(words)} " for _ in range(30_000)],
        "numbers": [f"{10 + n % 90} " for n in range(30_000)],  # 10 11 … 99 10 11 …
    }
    contenders = {"now": redact, **{revision: module_at(revision) for revision in revisions}}
    print(f"30,000 pieces streamed, each flushed; secrets of {', '.join(str(len(s)) for s in secrets)} characters")
    for kind, pieces in streams.items():
        times: dict[str, list[float]] = {}
        for _ in range(repeat):
            for name, module in contenders.items():
                times.setdefault(name, []).append(stream_with(module, pieces, secrets))
        now = statistics.median(times["now"])
        for name, found in times.items():
            took = statistics.median(found)
            print(f"{kind:8} {name:10} {took * 1000:10.1f} ms CPU   now / {name}: {now / took:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datapoints", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", default=BEFORE, help=f"the revision to compare with (default {BEFORE})")
    parser.add_argument("--streamed", nargs="+", metavar="REV", help="streamed output against these revisions")
    args = parser.parse_args(argv)
    rng = random.Random(21)
    if args.streamed:
        streamed(args.streamed, secret_sets(rng)["actions"], args.repeat)
        return 0
    data = judgement(rng, args.datapoints)
    sets = secret_sets(rng)
    before = redactor_before(args.before)
    contenders: dict[str, type] = {"none": Nothing, "before": before, "now": Redactor}
    report = build_report(data, secrets=sets["actions"])
    print(
        f"{args.datapoints:,} datapoints: {len(report.datapoints.failed):,} failed rows previewed, "
        f"{len(report.datapoints.errored):,} errors, {strings_redacted(data, sets['actions']):,} redact() calls"
    )
    for name, secrets in sets.items():
        print(f"secrets {name}: {len(secrets)} of {', '.join(str(len(s)) for s in secrets)} characters")
    for contender in contenders.values():
        build_with(contender, data, sets["local"])
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for set_name, secrets in sets.items():
            for name, contender in contenders.items():
                times.setdefault((set_name, name), []).append(build_with(contender, data, secrets))
    print(f"\n{'secrets':8} {'redactor':8} {'median CPU ms':>14} {'min':>8}")
    median: dict[tuple[str, str], float] = {}
    for (set_name, name), found in times.items():
        median[(set_name, name)] = statistics.median(found)
        print(f"{set_name:8} {name:8} {median[(set_name, name)] * 1000:14.1f} {min(found) * 1000:8.1f}")
    print()
    for set_name in sets:
        floor = median[(set_name, "none")]
        now, old = median[(set_name, "now")], median[(set_name, "before")]
        redaction = (now - floor) / (old - floor) if old > floor else float("nan")
        print(
            f"{set_name:8} now / before: {now / old:.2f} x the report's build, {redaction:.2f} x the redaction "
            f"alone ({(old - floor) * 1000:.0f} -> {(now - floor) * 1000:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The plain-text report for a terminal (a dry run's output): no Markdown, no HTML, no escape sequences.

A few small sections, each rendering one part of the :class:`~honeyhive_experiment.report.model.Report`; every
line goes through :func:`~honeyhive_experiment.report.markdown.plain`, so no value can move the cursor or clear
the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from honeyhive_experiment.report.build import DIRTY_LABEL, PREVIEW_SHORT
from honeyhive_experiment.report.comment import DEFAULT_MAX_DATAPOINTS, GENERATED_AT, failing_text, heading
from honeyhive_experiment.report.markdown import clip, clip_middle, plain
from honeyhive_experiment.report.model import Report, ReportMetric
from honeyhive_experiment.verdict import Verdict

__all__ = ["render_terminal"]


_CELLS: Final[dict[str, Callable[[ReportMetric], str]]] = {  # a metric's cell in each column of its table
    "Baseline": lambda m: m.baseline_text,
    "This run": lambda m: m.value_text,
    "Δ": lambda m: m.delta_text,
    "Δ%": lambda m: m.delta_pct_text,
    "Improved/degraded": lambda m: m.counts_text,
    "Passing range": lambda m: m.range_text,
    "Status": lambda m: m.plain_status,
}


def _metric_table(metrics: Sequence[ReportMetric], headers: Sequence[str], label: int | None = None) -> list[str]:
    """A table of ``metrics`` in the columns ``headers``, a metric's label (its first) cut to ``label`` characters in
    its middle (names that share a long start differ at their end)."""
    rows = [
        [m.label if label is None else clip_middle(m.label, label), *(_CELLS[h](m) for h in headers[1:])]
        for m in metrics
    ]
    return _table(headers, [[plain(cell) for cell in row] for row in rows])


def _efficiency(report: Report) -> list[str]:
    rows = report.efficiency_metrics
    lines = []
    if rows:
        lines = ["", "Efficiency (per datapoint, lower is better; the evaluators' LLM calls as judge_*):"]
        ranged = any(m.passing_range is not None for m in rows)  # its column; without a baseline, its status too
        if report.comparison is not None:
            headers = ["Metric", "Baseline", "This run", "Δ%", *(["Passing range"] * ranged), "Status"]
        else:
            headers = ["Metric", "This run", *(["Passing range", "Status"] * ranged)]
        lines += _metric_table(rows, headers)
    if report.totals_text:
        lines.append(plain(report.totals_text))
    if report.unpriced:
        lines.append(plain(report.unpriced_text[:1].upper() + report.unpriced_text[1:]))
    return lines


_NO_BASELINE = (
    "Baseline: none yet (a run at the merge base, or a run on the base branch whose check passed, becomes one)"
)
_COMPARISONS_OFF = "Baseline: none (baseline.strategy: none switches comparisons off: the verdict is this run's result)"


def render_terminal(
    report: Report, *, max_datapoints: int = DEFAULT_MAX_DATAPOINTS, html_path: str | None = None
) -> str:
    """A plain-text report for a terminal, listing at most ``max_datapoints`` failed / errored datapoints;
    ``html_path``: where the HTML report is as the user's shell sees it (relative to its working directory, which
    need not be the experiment's), else the report's own path (relative to the experiment's working directory)."""
    sections = (
        _header(report),
        _baseline(report),
        _metrics(report),
        _efficiency(report),
        _failed(report, max_datapoints),
        _errors(report, max_datapoints),
        _flaky(report, max_datapoints),
        _notes(report),
        [f"HTML report: {plain(html_path or report.html.file)}"] if report.html is not None else [],
        ["", _footer(report)],
    )
    return "\n".join(line for section in sections for line in section) + "\n"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    right = [header not in ("Metric", "Status") for header in headers]  # the values right-aligned, the words left
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)]
        return "  ".join(out).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def _header(report: Report) -> list[str]:
    counts = report.counts
    verdict = f"Verdict: {report.verdict.value.upper()}"
    if counts.total is not None and counts.passed is not None:
        verdict += f" ({report.headline})"
    if report.trials_text:
        verdict += f", {report.trials_text}"
    lines = [f"HoneyHive experiment: {plain(report.title or report.experiment)}", verdict]
    error = heading(report)["error"]  # an error verdict's reasons are its problems: said once, in full, here
    if error is None:
        lines += [f"  - {plain(reason)}" for reason in report.reasons]
    lines += [f"  ! {plain(warning)}" for warning in report.warnings]
    if error is not None:
        lines.append("Error:")
        lines += [f"  {plain(line)}" for line in error.splitlines() or [""]]
    if report.run.id or report.run.url:
        lines.append(f"Run: {plain(report.run.url or report.run.id or '')}")
    if report.run.dirty:
        lines.append(f"Commit: {plain(report.run.short_sha or '')} + {DIRTY_LABEL} (never another commit's baseline)")
    return lines


def _baseline(report: Report) -> list[str]:
    baseline = report.baseline
    if baseline is None:
        if report.summary is None or report.verdict is Verdict.ERROR:
            return []
        return [_COMPARISONS_OFF if report.comparisons_off else _NO_BASELINE]
    text = f"Baseline: {plain(baseline.label)}"
    if baseline.about:
        text += f" ({plain(baseline.about)})"
    if baseline.url:
        text += f" {plain(baseline.url)}"
    lines = [text]
    if report.trials_differ_text:
        lines.append(f"Trials differ: {report.trials_differ_text}")
    if baseline.shared is not None and baseline.total:  # as the comment and the page: none of 0
        changes = f" ({baseline.changes})" if baseline.changes else ""
        lines.append(f"Compared on {baseline.shared_text} of {baseline.total_text} datapoints{changes}")
    if baseline.overlap_note:
        lines.append(f"Warning: {baseline.overlap_note}")
    if baseline.cause:
        lines.append(f"  {plain(baseline.cause)}")
    return lines


def _metrics(report: Report) -> list[str]:
    quality = report.quality_metrics
    if not quality:
        return []
    if report.comparison is not None:
        headers = ["Metric", "Baseline", "This run", "Δ", "Δ%", "Improved/degraded", "Status"]
    else:
        headers = ["Metric", "This run", "Passing range", "Status"]
    lines = ["", *_metric_table(quality, headers, label=40)]
    if report.pass_fail is not None:
        lines.append(f"Pass/fail: {plain(report.pass_fail.text)}")
    return lines


def _named(ident: str, place: str | None) -> str:
    """A datapoint as the failed, errored and flaky lists name it: by its place in the dataset file when it has one,
    ``data/q.jsonl:2 (EXT-f48de4ff17bea411)``, else by its id."""
    return plain(f"{place} ({ident})" if place else ident)


def _failed(report: Report, limit: int) -> list[str]:
    failed = report.datapoints.failed
    lines = []
    for row in failed[:limit]:
        what = failing_text(row) or "failed"
        since = f" ({_since(row.since)})" if row.since else ""
        flaky = f" ({row.flaky_text})" if row.flaky_text else ""
        lines.append(f"{_named(row.id, row.place)}{since}{flaky}: {plain(what)}")
        if row.inputs is not None:
            lines.append(f"  inputs:  {plain(clip(row.inputs, PREVIEW_SHORT))}")
        if row.outputs is not None:
            of_trial = f" ({row.trial_text})" if row.trial_text else ""
            lines.append(f"  outputs{of_trial}: {plain(clip(row.outputs, PREVIEW_SHORT))}")
    return _listed(report, f"Failed datapoints ({len(failed):,}):", lines, limit, len(failed))


def _errors(report: Report, limit: int) -> list[str]:
    errors = report.datapoints.errored
    lines = [
        f"{_named(e.id, e.place)}{f' ({_since(e.since)})' if e.since else ''}: {plain(e.kind)}:"
        f" {plain(clip(e.error, 200))}"
        for e in errors[:limit]
    ]
    return _listed(report, f"Errors ({len(errors):,}):", lines, limit, len(errors))


def _flaky(report: Report, limit: int) -> list[str]:
    flaky = report.datapoints.flaky
    lines = [
        f"{_named(row.id, row.place)}: {row.passed_text} trials passed, {row.result_text}" for row in flaky[:limit]
    ]
    title = f"Flaky datapoints ({len(flaky):,}): their trials disagree on pass/fail"
    return _listed(report, title, lines, limit, len(flaky))


def _listed(report: Report, title: str, lines: list[str], limit: int, total: int) -> list[str]:
    """A section, none when ``total`` is 0: a blank line, its title, the ``lines`` of its first ``limit`` rows (of
    ``total``) indented, and how many more there are and where: the HTML report when one is written and its table has
    every datapoint (at most 5,000), else report.json, which only ``--report`` writes."""
    if not total:
        return []
    section = ["", title, *(f"  {line}" for line in lines)]
    if total > limit:
        rest = (
            "all of them are in the HTML report"
            if report.html_lists_all
            else "pass --report FILE to have all of them in report.json"
        )
        section.append(f"  ... and {total - limit:,} more ({rest})")
    return section


def _notes(report: Report) -> list[str]:
    return ["", "Notes:", *(f"  - {plain(note)}" for note in report.notes)] if report.notes else []


def _footer(report: Report) -> str:
    footer = f"honeyhive-experiment {plain(report.tool_version)} · {report.generated_at.strftime(GENERATED_AT)}"
    return footer + (" · dry run: nothing was posted" if report.dry_run else "")


def _since(since: str) -> str:
    """A failure's ``since`` as the comment says it: report.json's ``new`` is "newly failing" there, not "new", which
    the HTML's status says of a datapoint not in the baseline (audit79 F7)."""
    return "newly failing" if since == "new" else since

"""The plain-text report for a terminal (a dry run's output): no Markdown, no HTML, no escape sequences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from honeyhive_experiment.report.inputs import DIRTY_LABEL, ReportInput
from honeyhive_experiment.report.markdown import clip, plain
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.report.view import FAILING_SHOWN, PREVIEW_SHORT, MetricRow, ReportView
from honeyhive_experiment.verdict import Verdict

__all__ = ["render_terminal"]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)]
        return "  ".join(out).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def render_terminal(data: ReportInput, *, secrets: Iterable[str | None] = ()) -> str:
    """A plain-text report for a terminal (a dry run's output): no Markdown, no HTML, no escape sequences."""
    redactor = Redactor(secrets)
    view = ReportView(data, redactor)
    p = plain
    verdict = view.verdict
    lines = [f"HoneyHive experiment: {p(view.title)}"]
    verdict_line = f"Verdict: {verdict.value.upper()}"
    if view.total is not None:
        verdict_line += f" ({view.passed:,} of {view.total:,} datapoints passed"
        verdict_line += f", {view.failed:,} failed" if view.failed else ""
        verdict_line += f", {view.unrecorded:,} not recorded)" if view.unrecorded else ")"
    lines.append(verdict_line)
    for reason in view.reasons:
        lines.append(f"  - {p(reason)}")
    for warning in view.warnings:
        lines.append(f"  ! {p(warning)}")
    if verdict is Verdict.ERROR and view.error:
        lines.append("Error:")
        lines.extend(f"  {p(line)}" for line in view.error.splitlines() or [""])
    if view.run_id or view.run_url:
        lines.append(f"Run: {p(view.run_url or view.run_id or '')}")
    if data.dirty:
        lines.append(f"Commit: {p((view.head_sha or '')[:7])} + {DIRTY_LABEL} (never another commit's baseline)")
    baseline = view.baseline
    if baseline is not None:
        text = f"Baseline: {p(baseline.label)}"
        if baseline.about:
            text += f" ({p(baseline.about)})"
        if baseline.url:
            text += f" {p(baseline.url)}"
        lines.append(text)
        if baseline.shared is not None and baseline.total is not None:
            changes = f" ({baseline.changes_text})" if baseline.changes_text else ""
            lines.append(f"Compared on {baseline.shared_text} of {baseline.total_text} datapoints{changes}")
        if baseline.low_overlap:
            lines.append(
                f"Warning: the runs share only {baseline.overlap_pct} of the datapoints; the comparison is partial."
            )
        if baseline.cause:
            lines.append(f"  {p(baseline.cause)}")
    elif data.summary is not None and verdict is not Verdict.ERROR:
        lines.append("Baseline: none yet (a run at the merge base, or a passing run on the base branch, becomes one)")
    if view.metrics:
        lines.append("")
        compared = data.comparison is not None
        if compared:
            headers = ["Metric", "Baseline", "This run", "Δ", "Δ%", "Improved/degraded", "Status"]
            right = [False, True, True, True, True, True, False]
            rows = [
                [
                    p(clip(m.label, 40)),
                    m.baseline_text,
                    m.value_text,
                    m.delta_text,
                    m.delta_pct_text,
                    m.counts_text,
                    _plain_status(m),
                ]
                for m in view.metrics
            ]
        else:
            headers = ["Metric", "This run", "Passing range", "Status"]
            right = [False, True, True, False]
            rows = [[p(clip(m.label, 40)), m.value_text, m.range_text, _plain_status(m)] for m in view.metrics]
        lines.extend(_table(headers, rows, right))
        if view.flips is not None:
            lines.append(f"Pass/fail: {p(view.flips.text)}")
    limit = data.comment.max_datapoints
    if view.failed_keys:
        lines.append("")
        lines.append(f"Failed datapoints ({len(view.failed_keys):,}):")
        for row in view.failed_rows(limit):
            what = "; ".join(m.text for m in row.failing[:FAILING_SHOWN]) or "failed"
            lines.append(f"  {p(row.id)}: {p(what)}")
            if row.inputs is not None:
                lines.append(f"    inputs:  {p(clip(row.inputs, PREVIEW_SHORT))}")
            if row.outputs is not None:
                lines.append(f"    outputs: {p(clip(row.outputs, PREVIEW_SHORT))}")
        if len(view.failed_keys) > limit:
            lines.append(f"  ... and {len(view.failed_keys) - limit:,} more (see report.json)")
    if view.errors:
        lines.append("")
        lines.append(f"Errors ({len(view.errors):,}):")
        for error in view.errors[:limit]:
            lines.append(f"  {p(error.id)}: {p(error.kind)}: {p(clip(error.error, 200))}")
        if len(view.errors) > limit:
            lines.append(f"  ... and {len(view.errors) - limit:,} more (see report.json)")
    if view.notes:
        lines.append("")
        lines.append("Notes:")
        lines.extend(f"  - {p(note)}" for note in view.notes)
    lines.append("")
    footer = f"honeyhive-experiment {p(view.tool_version)} · {view.generated_at.strftime('%Y-%m-%d %H:%M UTC')}"
    if data.dry_run:
        footer += " · dry run: nothing was posted"
    lines.append(footer)
    return redactor.redact("\n".join(lines) + "\n")


def _plain_status(row: MetricRow) -> str:
    parts = [f"{row.change} ({row.significance})" if row.significance else row.change] if row.change else []
    if row.change == "removed":
        parts = ["not in this run"]
    if row.status.endswith("no values"):
        parts.append("no values")
    elif row.failing:
        parts.append(f"{row.failing:,} failing")
    elif _has_range(row) and row.failing == 0 and row.change is None:
        parts.append("passing")
    return ", ".join(parts) or "-"


def _has_range(row: MetricRow) -> bool:
    return row.range_min is not None or row.range_max is not None

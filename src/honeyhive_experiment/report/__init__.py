"""Everything text: the one report model, and the PR comment, job summary, terminal text and ``report.json``
rendered from it.

A :class:`~honeyhive_experiment.judgement.Judgement` becomes one :class:`Report` (:func:`build_report`, once per
run: every string redacted there, and only there); each output renders that model. Rendering is pure: the
only I/O is reading templates (a custom comment template when a path is given, and the built-in one shipped in
the package) and :func:`load_published`, which reads a ``report.json``'s ids back for ``mode: publish``.

::

    model.py      Report: the one report model (report.json is its JSON), its readers and JSON Schema
    build.py      build_report: a Judgement → a Report (direction, change and noise, redaction, previews)
    pairing.py    how the datapoints paired with the baseline's: "2 new, 1 gone", and why the overlap collapsed
    redact.py     Redactor, RedactingFilter, SECRET_PATTERNS: secrets out of the report and of every log line
    markdown.py   md_escape and the template filters (url, codeblock, finalize); terminal-safe plain text
    numbers.py    format_number, format_delta, format_percentage_change, humanize_age, the sparkline
    markers.py    marker, comment_metadata and their parser: the hidden HTML comments of the PR comment
    comment.py    render_comment and render_summary: Jinja (imported lazily), templates, the size budget
    html.py       render_html: the self-contained HTML page of every datapoint, its charts and word diffs
    terminal.py   render_terminal: plain text for a dry run

Each module's docstring says what it renders and how. Names are imported on first use, so that what needs one
module (a usage error's redaction: :mod:`~honeyhive_experiment.report.redact`) loads only that one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "TemplateError": "honeyhive_experiment.errors",
    "build_report": "honeyhive_experiment.report.build",
    "COMMENT_LIMIT": "honeyhive_experiment.report.comment",
    "SUMMARY_LIMIT_BYTES": "honeyhive_experiment.report.comment",
    "Rendered": "honeyhive_experiment.report.comment",
    "render_comment": "honeyhive_experiment.report.comment",
    "render_running": "honeyhive_experiment.report.comment",
    "render_summary": "honeyhive_experiment.report.comment",
    "render_html": "honeyhive_experiment.report.html",
    "md_escape": "honeyhive_experiment.report.markdown",
    "comment_head_sha": "honeyhive_experiment.report.markers",
    "comment_metadata": "honeyhive_experiment.report.markers",
    "earlier_marker": "honeyhive_experiment.report.markers",
    "marker": "honeyhive_experiment.report.markers",
    "parse_comment_metadata": "honeyhive_experiment.report.markers",
    "REPORT_SCHEMA_ID": "honeyhive_experiment.report.model",
    "REPORT_VERSION": "honeyhive_experiment.report.model",
    "Report": "honeyhive_experiment.report.model",
    "ReportHtml": "honeyhive_experiment.report.model",
    "load_published": "honeyhive_experiment.report.model",
    "load_report": "honeyhive_experiment.report.model",
    "report_json": "honeyhive_experiment.report.model",
    "report_json_schema": "honeyhive_experiment.report.model",
    "report_json_schema_text": "honeyhive_experiment.report.model",
    "format_delta": "honeyhive_experiment.report.numbers",
    "format_number": "honeyhive_experiment.report.numbers",
    "format_percentage_change": "honeyhive_experiment.report.numbers",
    "humanize_age": "honeyhive_experiment.report.numbers",
    "REDACTED": "honeyhive_experiment.report.redact",
    "SECRET_PATTERNS": "honeyhive_experiment.report.redact",
    "RedactingFilter": "honeyhive_experiment.report.redact",
    "Redactor": "honeyhive_experiment.report.redact",
    "render_terminal": "honeyhive_experiment.report.terminal",
}

__all__ = [
    "COMMENT_LIMIT",
    "REDACTED",
    "REPORT_SCHEMA_ID",
    "REPORT_VERSION",
    "SECRET_PATTERNS",
    "SUMMARY_LIMIT_BYTES",
    "RedactingFilter",
    "Redactor",
    "Rendered",
    "Report",
    "ReportHtml",
    "TemplateError",
    "build_report",
    "comment_head_sha",
    "comment_metadata",
    "earlier_marker",
    "format_delta",
    "format_number",
    "format_percentage_change",
    "humanize_age",
    "load_published",
    "load_report",
    "marker",
    "md_escape",
    "parse_comment_metadata",
    "render_comment",
    "render_html",
    "render_running",
    "render_summary",
    "render_terminal",
    "report_json",
    "report_json_schema",
    "report_json_schema_text",
]


if not TYPE_CHECKING:  # mypy reads the imports below (a misspelt name stays an error), Python this

    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:  # a submodule (``report.numbers``), as the eager imports made every one of them
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
                raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from honeyhive_experiment.errors import TemplateError
    from honeyhive_experiment.report.build import build_report
    from honeyhive_experiment.report.comment import (
        COMMENT_LIMIT,
        SUMMARY_LIMIT_BYTES,
        Rendered,
        render_comment,
        render_running,
        render_summary,
    )
    from honeyhive_experiment.report.html import render_html
    from honeyhive_experiment.report.markdown import md_escape
    from honeyhive_experiment.report.markers import (
        comment_head_sha,
        comment_metadata,
        earlier_marker,
        marker,
        parse_comment_metadata,
    )
    from honeyhive_experiment.report.model import (
        REPORT_SCHEMA_ID,
        REPORT_VERSION,
        Report,
        ReportHtml,
        load_published,
        load_report,
        report_json,
        report_json_schema,
        report_json_schema_text,
    )
    from honeyhive_experiment.report.numbers import format_delta, format_number, format_percentage_change, humanize_age
    from honeyhive_experiment.report.redact import REDACTED, SECRET_PATTERNS, RedactingFilter, Redactor
    from honeyhive_experiment.report.terminal import render_terminal

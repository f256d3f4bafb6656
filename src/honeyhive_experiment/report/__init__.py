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

Each module's docstring says what it renders and how.
"""

from __future__ import annotations

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

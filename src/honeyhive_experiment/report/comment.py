"""The Markdown reports: the sticky PR comment (:func:`render_comment`) and the job summary
(:func:`render_summary`), rendered with Jinja from ``comment.md.j2`` (or the repository's own template).

Jinja is imported inside the functions that build templates: a ``mode: run`` shard job renders nothing.

The size budget
---------------
A comment is never longer than :data:`COMMENT_LIMIT` characters. When the full comment is longer it
degrades step by step, stopping at the first that fits, and says so at the top (the steps taken are
returned in :attr:`Rendered.truncated_steps`):

1. ``datapoint_rows`` — previews cut to 80 characters and as many failed / errored / flaky datapoints listed as fit
   (at least 5);
2. ``details`` — the failed, errored, flaky and trend sections are left out;
3. ``metric_rows`` — as many metric rows as fit (key, failing and worse metrics first), with
   "N more metrics in the job summary";
4. ``summary_only`` — verdict, counts, links and reasons only;
5. ``hard_truncate`` — only a custom template that ignores all of the above gets here: the text is cut.

The job summary holds everything up to :data:`SUMMARY_LIMIT_BYTES`; beyond that it lists fewer
datapoints (all of them are in ``report.json``) and says so.

Custom templates
----------------
``comment.template`` names a Jinja file in the repository. It gets the same variables and filters (see
``templates/README.md``), is rendered in Jinja's sandbox, and may ``{% extends "builtin/comment.md.j2" %}``
to override blocks of the built-in one. A template that cannot be read, parsed or rendered raises
:class:`TemplateError` naming the file. The renderer opens the comment with
:func:`~honeyhive_experiment.report.markers.marker` and the metadata comment, wherever a template writes them and
when it leaves them out: the comment is found again by the marker at its start.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from markupsafe import Markup

from honeyhive_experiment.config import CommentConfig
from honeyhive_experiment.errors import TemplateError
from honeyhive_experiment.gha import SUMMARY_LIMIT
from honeyhive_experiment.models.outcomes import and_more
from honeyhive_experiment.paths import inside, not_utf8
from honeyhive_experiment.report.build import PREVIEW_SHORT
from honeyhive_experiment.report.markdown import clip, codeblock, finalize, md_escape, url_filter
from honeyhive_experiment.report.markers import comment_metadata, marker
from honeyhive_experiment.report.model import Report, ReportFailedDatapoint, ReportMetric
from honeyhive_experiment.report.numbers import format_count
from honeyhive_experiment.report.redact import Redactor
from honeyhive_experiment.verdict import Verdict

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "BUILTIN_TEMPLATE",
    "COMMENT_LIMIT",
    "SUMMARY_LIMIT_BYTES",
    "VERDICT_WORDS",
    "Rendered",
    "custom_template",
    "render_comment",
    "render_summary",
]

COMMENT_LIMIT: Final = 65_000
"""The longest comment ever written, in characters (GitHub refuses bodies over 65,536)."""
SUMMARY_LIMIT_BYTES: Final = SUMMARY_LIMIT
"""The largest job summary, in UTF-8 bytes: :data:`honeyhive_experiment.gha.SUMMARY_LIMIT`."""
BUILTIN_TEMPLATE: Final = "comment.md.j2"
DEFAULT_MAX_DATAPOINTS: Final = CommentConfig().max_datapoints  # the experiment file's default
FAILING_SHOWN: Final = 5  # failing metrics named per datapoint row

_PREVIEW_COMMENT: Final = 200
_ROWS_DEGRADED: Final = 5
_MAX_LISTED: Final = 20  # reasons / notes shown in the comment
GENERATED_AT: Final = "%Y-%m-%d %H:%M UTC"  # when the report was made, as every report's footer says it
VERDICT_WORDS: Final = {  # the verdict in words: the comment's, the job summary's and the HTML report's
    Verdict.PASS: "Passed",
    Verdict.FAIL: "Failed",
    Verdict.NEUTRAL: "Neutral",
    Verdict.ERROR: "Error",
}


@dataclass(frozen=True)
class Rendered:
    """A rendered comment and the size-budget steps taken (empty when nothing was left out)."""

    text: str
    truncated_steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Plan:
    rows: int
    preview: int = _PREVIEW_COMMENT
    details: bool = True
    metric_rows: int | None = None
    summary_only: bool = False
    steps: tuple[str, ...] = ()


# ============================================================================================ templates


def builtin_template_dir() -> Path:
    """The folder of the built-in ``comment.md.j2``: the repository's top-level ``templates/``, installed as the
    package ``honeyhive_experiment.templates`` (a wheel and the image carry it; an editable install maps it)."""
    import importlib

    # imported by name: the folder is mapped into the package at install time, not found under src/
    templates = importlib.import_module("honeyhive_experiment.templates")
    return Path(str(templates.__file__)).parent


@lru_cache(maxsize=1)
def _builtin_loader() -> jinja2.BaseLoader:
    import jinja2

    return jinja2.FileSystemLoader(builtin_template_dir())


def template_environment(
    kind: type[jinja2.Environment] | None = None, loader: jinja2.BaseLoader | None = None, *, markdown: bool = True
) -> jinja2.Environment:
    """A template's environment: Jinja's own (``kind``: its sandbox, for a custom template) loading the built-in
    templates (else ``loader``); every value escaped (autoescape), an undefined name an error. For Markdown (the
    comment's): every value through :func:`finalize` too, the filters, and a template's last newline kept."""
    import jinja2

    env = (kind or jinja2.Environment)(
        loader=loader or _builtin_loader(),
        autoescape=True,
        finalize=finalize if markdown else None,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=markdown,
        auto_reload=False,
    )
    if markdown:
        env.filters.update(md=md_escape, cell=md_escape, url=url_filter, codeblock=codeblock)
    return env


@lru_cache(maxsize=1)
def _builtin_template() -> jinja2.Template:
    return template_environment().get_template(BUILTIN_TEMPLATE)


def custom_template(path: str | os.PathLike[str]) -> tuple[jinja2.Template, str, threading.Event]:
    """The template, its name, and the event that stops its ``range`` loops once a render is abandoned. What it
    includes or extends is loaded and compiled too (:func:`_load_referenced`): TemplateError names the file that
    cannot be."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    shown = os.fspath(path)
    try:
        source = Path(shown).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(shown, "template file not found") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise _unreadable(shown, exc) from None
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({"builtin": _builtin_loader()}),
            _confined_loader(shown),
        ]
    )
    env = template_environment(ImmutableSandboxedEnvironment, loader)
    abandoned = threading.Event()
    env.globals["range"] = partial(_budgeted_range, abandoned)
    try:
        template = env.from_string(source)
        _load_referenced(env, loader, env.parse(source), shown)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.filename or shown, f"invalid template: {exc.message}", exc.lineno) from None
    return template, shown, abandoned


_REFERENCED_MAX = 50  # the templates a custom one includes, imports or extends (theirs too) loaded with it


def _load_referenced(
    env: jinja2.Environment, loader: jinja2.BaseLoader, tree: jinja2.nodes.Template, shown: str
) -> None:
    """Load and compile, through ``env``'s ``loader`` as the render will, what ``tree`` (the template ``shown``)
    includes, imports or extends, and what those do in turn (at most :data:`_REFERENCED_MAX`): a missing or broken one
    is found with the template, not after the run. Each include is checked on its own: of a list the first name
    found is used, so one must exist; each name of a conditional may be used, so each must exist; ``ignore missing``
    makes that include's names optional. A name only the render knows (a variable) is skipped."""
    import jinja2
    from jinja2 import nodes

    pending, seen = [(tree, shown)], set[str]()
    while pending:
        tree, filename = pending.pop()
        referencing = (nodes.Extends, nodes.FromImport, nodes.Import, nodes.Include)
        for node in cast(
            "Iterable[nodes.Extends | nodes.FromImport | nodes.Import | nodes.Include]", tree.find_all(referencing)
        ):
            for names in _choices(node.template):
                for name in names:
                    if name is None or name in seen or len(seen) >= _REFERENCED_MAX:
                        break  # the render's to pick, or loaded already
                    try:
                        source, path, _ = loader.get_source(env, name)
                    except jinja2.TemplateNotFound:
                        continue  # the next of a list
                    seen.add(name)
                    pending.append((env.parse(source, name, path), path or name))
                    env.compile(pending[-1][0], name, path)
                    break
                else:
                    if not (isinstance(node, nodes.Include) and node.ignore_missing):
                        raise TemplateError(filename, f"template not found: {' or '.join(map(str, names))}")


def _choices(expr: jinja2.nodes.Expr) -> list[list[str | None]]:
    """The names an include's (import's, extends') expression may load, as lists of which the render uses the first
    found: one list per name it can pick (both of a conditional), a list of names as one; ``None`` for a name only
    the render knows."""
    from jinja2 import nodes

    if isinstance(expr, nodes.CondExpr):
        return _choices(expr.expr1) + (_choices(expr.expr2) if expr.expr2 is not None else [])
    items = expr.items if isinstance(expr, (nodes.List, nodes.Tuple)) else [expr]
    return [[item.value if isinstance(item, nodes.Const) and isinstance(item.value, str) else None for item in items]]


def _unreadable(shown: str, exc: UnicodeDecodeError | OSError) -> TemplateError:
    """The error of template file ``shown`` that could not be read or decoded."""
    if isinstance(exc, UnicodeDecodeError):
        return TemplateError(shown, not_utf8(exc))
    return TemplateError(shown, f"cannot read the template: {exc.strerror or exc}")


def _confined_loader(shown: str) -> jinja2.BaseLoader:
    """The folder of custom template ``shown`` for ``{% include %}`` / ``{% extends %}``: Jinja refuses ``..`` in a
    name already; this also refuses a file that a symlink leads out of the folder, as a TemplateError naming
    ``shown`` (Jinja's ChoiceLoader would replace a TemplateNotFound by its own, without the reason)."""
    import jinja2

    folder = Path(shown).parent.absolute()  # Jinja's filename is folder / name: inside() must not join it again

    class ConfinedLoader(jinja2.FileSystemLoader):
        def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
            try:
                source, filename, uptodate = super().get_source(environment, template)
            except jinja2.TemplateNotFound:  # an OSError too
                raise
            except (UnicodeDecodeError, OSError) as exc:  # named as the template itself is
                raise _unreadable(os.path.join(folder, template), exc) from None
            if inside(folder, filename) is None:
                raise TemplateError(shown, f"cannot include {template}: a symlink leads it outside {folder.name}/")
            return source, filename, uptodate

    return ConfinedLoader(str(folder))


TEMPLATE_BUDGET_S = 10.0  # how long a custom template may render; past it, the report uses the built-in one


def _run_template(
    template: jinja2.Template, context: Mapping[str, Any], name: str, abandoned: threading.Event | None = None
) -> str:
    """Render; with ``abandoned`` (a user's template) on a daemon thread given :data:`TEMPLATE_BUDGET_S`: a runaway
    loop then becomes a TemplateError instead of a job that never ends (the thread dies with the process)."""
    if abandoned is None:
        return _render(template, context, name)
    outcome: list[str | BaseException] = []

    def work() -> None:
        try:
            outcome.append(_render(template, context, name))
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)

    worker = threading.Thread(target=work, name="honeyhive-template", daemon=True)
    worker.start()
    worker.join(TEMPLATE_BUDGET_S)
    if not outcome:
        abandoned.set()  # its loops (range) stop at their next step: no CPU burnt for nothing
        raise TemplateError(name, f"rendering took longer than {TEMPLATE_BUDGET_S:g} s; is there a runaway loop?")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _budgeted_range(abandoned: threading.Event, *args: int) -> Iterable[int]:
    """A custom template's ``range``, at most the sandbox's MAX_RANGE long, that stops once its render is abandoned
    (nested ranges are the one way a template loops for hours)."""
    from jinja2.sandbox import safe_range

    for value in safe_range(*args):
        if abandoned.is_set():
            raise TemplateError("<template>", "rendering abandoned: over its time budget")
        yield value


def _render(template: jinja2.Template, context: Mapping[str, Any], name: str) -> str:
    import jinja2

    try:
        return template.render(context)
    except TemplateError:  # a file the loader refused or could not read
        raise
    except jinja2.TemplateSyntaxError as exc:  # an included or extended file
        raise TemplateError(exc.filename or name, f"invalid template: {exc.message}", exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(name, f"template not found: {exc.name}") from None
    except Exception as exc:  # the template's own code failed: one named error
        raise TemplateError(name, f"rendering failed: {type(exc).__name__}: {exc}") from None


# ============================================================================================== context


@dataclass(frozen=True, slots=True)
class _RowView:
    id: str
    place: str | None
    failing: str
    inputs: str
    outputs: str
    since: str | None
    flaky: str


def _rest_in(report: Report, max_datapoints: int) -> str:
    """Where the rows a section of the comment leaves out are: the job summary, unless it is shortened to stay under
    1 MiB (then report.json). A dry run outside GitHub Actions writes none, so its comment names the HTML report
    when it lists every datapoint (it holds at most 5,000), else report.json (``--report``)."""
    if not report.dry_run:
        listed = report.datapoints
        longest = max(len(listed.failed), len(listed.errored), len(listed.flaky))
        if longest <= min(max_datapoints, _ROWS_DEGRADED) or "datapoint_rows" not in _summary(report)[1]:
            return "the job summary"  # (none is left out of a comment that lists at least that many)
        return "report.json"
    if report.html is not None and report.table is not None:
        return f"the HTML report ({report.html.file})" if report.html_lists_all else "report.json (--report FILE)"
    return "the job summary of a run in GitHub Actions"


def _truncation_message(report: Report, plan: _Plan, mode: str, shown_metrics: int) -> str | None:
    if not plan.steps:
        return None
    said = {
        "datapoint_rows": f"at most {plan.rows:,} datapoints listed per section",
        "details": "the datapoint and trend sections left out",
        "metric_rows": f"{shown_metrics:,} of {len(report.quality_metrics):,} metrics shown",
        "summary_only": "only the summary shown",
    }
    parts = "; ".join(said[step] for step in plan.steps)
    if mode == "summary":
        return (
            f"This job summary was shortened to stay under GitHub's 1 MiB limit ({parts}). "
            "Every datapoint is in report.json."
        )
    return (
        f"This comment was shortened to stay under GitHub's {COMMENT_LIMIT:,}-character limit "
        f"({parts}). The full report is in the job summary and report.json."
    )


def metrics_shown(report: Report, limit: int | None) -> tuple[ReportMetric, ...]:
    """At most ``limit`` metric rows, keeping those whose gate failed, then key, failing and worse metrics first,
    in display order."""
    quality = report.quality_metrics  # the efficiency metrics have a table of their own
    if limit is None or limit >= len(quality):
        return quality

    def priority(item: tuple[int, ReportMetric]) -> tuple[int, int]:
        index, row = item
        firsts = (row.gate_failed, row.key, row.failing_datapoints, row.change == "worse", row.configured)
        return next((rank for rank, first in enumerate(firsts) if first), len(firsts)), index

    chosen = sorted(enumerate(quality), key=priority)[: max(0, limit)]
    return tuple(row for _, row in sorted(chosen, key=lambda item: item[0]))


def failing_text(row: ReportFailedDatapoint) -> str:
    """A failed datapoint's failing metrics as one line: the first few, then how many more."""
    return and_more([m.text for m in row.failing_metrics], FAILING_SHOWN, "; ")


def heading(report: Report) -> dict[str, Any]:
    """What the comment and the HTML page open with: the title, the verdict, and what went wrong."""
    verdict = report.verdict
    return {
        "title": report.title or report.experiment,
        "verdict": {"name": verdict.value, "emoji": verdict.emoji, "words": VERDICT_WORDS[verdict]},
        # an error verdict always says what went wrong: the error, else the decision's reasons
        "error": (report.error or "\n".join(report.reasons) or "unknown error") if verdict is Verdict.ERROR else None,
        "error_kind": report.error_kind if verdict is Verdict.ERROR else None,
    }


def _context(report: Report, plan: _Plan, mode: str, rest_in: str, marks: tuple[str, str] = ("", "")) -> dict[str, Any]:
    mark, meta = marks  # the comment's hidden marker and metadata (none in the job summary)
    verdict = report.verdict
    details = plan.details and not plan.summary_only
    shown = metrics_shown(report, plan.metric_rows) if not plan.summary_only else ()
    failed = report.datapoints.failed[: plan.rows] if details else ()
    errors = report.datapoints.errored[: plan.rows] if details else ()
    flaky = report.datapoints.flaky[: plan.rows] if details else ()
    preview = plan.preview
    failed_views = [
        _RowView(
            id=row.id,
            place=row.place,
            failing=failing_text(row),
            inputs=clip(row.inputs, preview) if row.inputs is not None else "—",
            outputs=(f"{row.trial_text}: " if row.trial_text else "") + clip(row.outputs, preview)
            if row.outputs is not None
            else "—",
            since=row.since,
            flaky=row.flaky_text,
        )
        for row in failed
    ]
    error_views = [e.model_copy(update={"error": clip(e.error, max(preview, _PREVIEW_COMMENT))}) for e in errors]
    rows = max(0, plan.rows)
    degraded = tuple(  # each datapoint's inputs clipped
        d.model_copy(update={"rows": [r.model_copy(update={"inputs": clip(r.inputs, preview)}) for r in d.rows[:rows]]})
        for d in (report.degraded if details else ())
    )
    counts = report.counts
    failed_total = len(report.datapoints.failed)  # those that also errored are listed with the errors instead
    no_baseline = report.summary is not None and report.comparison is None and verdict is not Verdict.ERROR
    limit = None if mode == "summary" else _MAX_LISTED
    trend = {"labels": report.trend_labels, "rows": report.trend_rows} if details and report.trend_rows else None
    return {
        "mode": mode,
        "marker": Markup(mark) if mark else "",  # noqa: S704 - our own hidden comments
        "metadata": Markup(meta) if meta else "",  # noqa: S704
        **heading(report),
        "experiment": report.experiment,
        "headline": report.headline,
        "reasons": report.reasons[:limit] if verdict in (Verdict.FAIL, Verdict.NEUTRAL) else (),
        # said in the visible part whatever the verdict: evaluators that raised, gates within noise, tolerances
        "warnings": report.warnings[:limit],
        "flips": report.pass_fail if not plan.summary_only else None,
        "tested": any(m.significance is not None for m in shown),
        # the pass/fail flips' McNemar test is in the metrics' Holm family when it was told (the footnote says so)
        "pass_fail_tested": report.pass_fail is not None and report.pass_fail.change != "can't tell",
        "degraded": degraded,
        "skipped": verdict is Verdict.NEUTRAL and report.summary is None,
        "no_baseline": no_baseline,
        "comparisons_off": report.comparisons_off,
        "run": report.run,
        "counts": {name: format_count(getattr(counts, name)) for name in ("passed", "failed", "errored", "total")},
        "baseline": report.baseline,
        "has_comparison": report.comparison is not None,
        "metrics": shown,
        "metrics_total": len(report.quality_metrics),
        "metrics_hidden": len(report.quality_metrics) - len(shown) if not plan.summary_only else 0,
        "efficiency": report.efficiency_metrics if not plan.summary_only else (),
        "unpriced": report.unpriced_text,
        "totals": report.totals_text if not plan.summary_only else "",
        "failed": failed_views,
        "failed_total": failed_total,
        "failed_errored": (counts.failed or 0) - failed_total,
        "errored": error_views,
        "errored_total": len(report.datapoints.errored),
        "flaky": flaky,
        "flaky_total": len(report.datapoints.flaky),
        "trials": {"count": report.trials, "text": report.trials_text, "differ": report.trials_differ_text},
        "trend": trend,
        "notes": report.notes[:limit] if not plan.summary_only else (),
        "show_details": details,
        "summary_only": plan.summary_only,
        "rest_in": rest_in,
        "format_count": format_count,
        "truncation": _truncation_message(report, plan, mode, len(shown)),
        "dry_run": report.dry_run,
        # where the page of every datapoint is; none when there are no datapoints to show (an error verdict)
        "html_report": None
        if report.html is None or report.table is None or plan.summary_only
        else {
            "file": report.html.file,
            "name": report.html.file.rpartition("/")[2],
            "url": report.html.artifacts_url,
        },
        "footer": {
            "tool_version": report.tool_version,
            "generated_at": report.generated_at.strftime(GENERATED_AT),
            "dry_run": report.dry_run,
        },
    }


# =========================================================================================== the budget


def render_running(
    experiment: str,
    *,
    config_file: str,
    title: str | None,
    head_sha: str | None,
    workflow_run_url: str | None,
    secrets: Iterable[str],
    variant: str = "",
) -> str:
    """The comment a pull request shows while its run is in progress, with the marker of the experiment's file
    and ``variant`` (when it is posted and what replaces it:
    :func:`honeyhive_experiment.delivery.announce_running`)."""
    redactor = Redactor(secrets)
    sha = re.sub(r"[^0-9A-Za-z]", "", head_sha or "")[:7]
    link = url_filter(redactor.redact(workflow_run_url)) if workflow_run_url else ""
    lines = [
        marker(config_file, variant),
        comment_metadata(head_sha, None),
        "",
        f"### {md_escape(clip(redactor.redact(_keyed(title or experiment, variant)), 200))}",
        "",
        f"⏳ **Running** · the experiment is running{f' for commit {sha}' if sha else ''}; this comment is"
        " replaced by its result when the run ends.",
    ]
    if link:
        lines += ["", f"[Follow the workflow run]({link})"]
    return "\n".join(lines) + "\n"


def _keyed(title: str, variant: str) -> str:
    """The comment's title, and its ``variant`` beside it when it has one: which leg of a matrix it shows."""
    return f"{title} · {clip(variant, 100)}" if variant else title


def _finish(text: str) -> str:
    """Tidy blank lines and trailing spaces (the values were redacted when the report was built)."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def _redacted(text: str, redactor: Redactor, protected: Sequence[str]) -> str:
    """``text`` redacted, leaving the hidden markers intact."""
    for i, keep in enumerate(protected):
        text = text.replace(keep, f"\x00{i}\x00")
    text = redactor.redact(text)
    for i, keep in enumerate(protected):
        text = text.replace(f"\x00{i}\x00", keep)
    return text


_Stage = tuple[_Plan, str | None, int]  # a plan; the field whose rows are fitted (None: as it is), at most how many


def _fitted(
    render: Callable[[_Plan], str], stages: Sequence[_Stage], limit: int, note: str, *, in_bytes: bool
) -> tuple[str, tuple[str, ...]]:
    """The render of the first of ``stages`` that fits in ``limit`` characters (``in_bytes``: UTF-8 bytes), and its
    steps; of a stage with a field (``rows``, ``metric_rows``), the render with the most of those rows that fits, at
    least as many as its plan has (0 for none). When none fits, the last (a plan as it is) cut (the markers at its
    start are kept), ending with ``note``.
    """

    def size(text: str) -> int:
        return len(text.encode("utf-8")) if in_bytes else len(text)

    def rows(plan: _Plan, field: str, n: int) -> str:
        changes: dict[str, Any] = {field: n}
        return render(replace(plan, **changes))

    text, plan = "", stages[-1][0]
    for plan, field, most in stages:
        text = render(plan) if field is None else rows(plan, field, most)
        if size(text) <= limit:
            return text, plan.steps
        least = (getattr(plan, field) or 0) if field is not None else 0
        if field is None or most <= least or size(empty := rows(plan, field, least)) > limit:
            continue
        per_row = max(1.0, (size(text) - size(empty)) / (most - least))  # guess how many fit, then fewer until they do
        n = min(most - 1, least + int((limit - size(empty)) / per_row))
        while n > least and size(text := rows(plan, field, n)) > limit:
            n = max(least, min(n - 1, int(n * 0.9)))
        return (text if n > least else empty), plan.steps
    room = limit - size(note) - 2
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore") if in_bytes else text[:room]
    return cut.rstrip() + "\n\n" + note, (*plan.steps, "hard_truncate")


def render_comment(
    report: Report,
    *,
    config_file: str,
    template_path: str | os.PathLike[str] | None = None,
    max_datapoints: int = DEFAULT_MAX_DATAPOINTS,
    secrets: Iterable[str | None] = (),
    variant: str = "",
) -> Rendered:
    """The pull-request comment, at most :data:`COMMENT_LIMIT` characters (see the module docstring), listing at
    most ``max_datapoints`` failed / errored datapoints per section; ``config_file``, the experiment file's path
    (:attr:`~honeyhive_experiment.settings.Settings.config_file`), keys it, with ``variant`` (the input: a
    matrix leg's own comment), which its title shows.

    The report's values were redacted when it was built. A custom template is the repository's own code, though:
    what it writes besides them (a literal in the template) is redacted of ``secrets`` as it leaves, like anything
    else user code prints.

    Raises:
        TemplateError: ``template_path`` cannot be read, parsed or rendered.
    """
    mark, meta = marker(config_file, variant), comment_metadata(report.run.head_sha, report.run.id)
    redactor = Redactor(secrets)
    if variant:  # the report's strings were redacted when it was built: the variant is the workflow's
        title = _keyed(report.title or report.experiment, redactor.redact(variant))
        report = report.model_copy(update={"title": title})
    abandoned = None
    if template_path is None:
        template, name = _builtin_template(), f"<built-in {BUILTIN_TEMPLATE}>"
    else:
        template, name, abandoned = custom_template(template_path)

    def render(plan: _Plan) -> str:
        text = _run_template(template, _context(report, plan, "comment", rest_in, (mark, meta)), name, abandoned)
        # at the top, wherever the template wrote them, if it did (github.py takes as ours only a comment that starts
        # with mark): the comment is found again whatever a custom template does with them
        text = f"{mark}\n{meta}\n" + re.sub(f"(?:{re.escape(mark)}|{re.escape(meta)})\n?", "", text)
        if template_path is not None:
            text = _redacted(text, redactor, (mark, meta))
        return _finish(text)

    rest_in = _rest_in(report, max_datapoints)
    fewer_rows = _Plan(rows=min(max_datapoints, _ROWS_DEGRADED), preview=PREVIEW_SHORT, steps=("datapoint_rows",))
    plan = replace(fewer_rows, details=False, steps=(*fewer_rows.steps, "details"))
    stages: list[_Stage] = [
        (_Plan(rows=max_datapoints), None, 0),
        (fewer_rows, "rows", max(fewer_rows.rows, max_datapoints)),  # as many as fit, at least its 5
        (plan, None, 0),
    ]
    if report.quality_metrics:
        plan = replace(plan, steps=(*plan.steps, "metric_rows"))
        stages.append((plan, "metric_rows", len(report.quality_metrics) - 1))
    stages.append((replace(plan, summary_only=True, steps=(*plan.steps, "summary_only")), None, 0))
    note = (
        f"✂️ Cut at {COMMENT_LIMIT:,} characters: the template's output is too long. "
        "The full report is in the job summary and report.json.\n"
    )
    return Rendered(*_fitted(render, stages, COMMENT_LIMIT, note, in_bytes=False))


def render_summary(report: Report) -> str:
    """The full report as Markdown for ``$GITHUB_STEP_SUMMARY``: every metric and datapoint that fits
    in :data:`SUMMARY_LIMIT_BYTES` (then fewer datapoints, and it says so)."""
    return _summary(report)[0]


def _summary(report: Report) -> tuple[str, tuple[str, ...]]:
    """The job summary (:func:`render_summary`) and the steps that shortened it."""
    template, name = _builtin_template(), f"<built-in {BUILTIN_TEMPLATE}>"

    def render(plan: _Plan) -> str:
        return _finish(_run_template(template, _context(report, plan, "summary", "report.json"), name))

    listed = report.datapoints
    total_rows = max(map(len, (listed.failed, listed.errored, listed.flaky, *(d.rows for d in report.degraded))))
    limited = _Plan(rows=0, steps=("datapoint_rows",))
    stages: list[_Stage] = [
        (_Plan(rows=total_rows), None, 0),
        (limited, "rows", max(0, total_rows - 1)),
        (replace(limited, details=False, steps=("datapoint_rows", "details")), None, 0),
    ]
    note = "✂️ Cut at GitHub's 1 MiB job-summary limit. The full report is in report.json.\n"
    return _fitted(render, stages, SUMMARY_LIMIT_BYTES, note, in_bytes=True)

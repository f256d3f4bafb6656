"""The HTML report: one self-contained page of a run and its comparison (:func:`render_html`), from
``report.html.j2``.

What it shows is the one report model's: the verdict and why (the comment's words), each metric's row with both
runs' distributions as small histograms (the passing range and the gate's limit drawn in), a scatter of each
datapoint's baseline against its current value for a chosen metric, and the datapoint table (``Report.table``):
inputs, the baseline's output beside this run's with a word-level diff (up to :data:`DIFF_PAIRS`), every metric
with its change, the status, the evaluators' explanations. The page sorts by any column, filters by status and
searches text with a small script; without the script it still shows everything, worst first.

Self-contained and inert:

* no request to any host: the style, the script and the charts (SVG drawn here) are inline, nothing is linked
  but each datapoint's session in the HoneyHive app (a link a reader follows, never a load);
* a strict Content-Security-Policy (``default-src 'none'``) whose only allowances are the SHA-256 hashes of the
  page's own style and script: markup that slipped into a value could not run, and the page is the same bytes
  whoever renders the same report (no nonce);
* fast with thousands of datapoints: the table's rows are a grid, each skipped by layout while off screen
  (``content-visibility: auto``), so opening the page costs little more than parsing it
  (``benchmarks/bench_html.py``);
* readable with many metrics: the table's text columns keep a width of their own (16em, the explanations 12em) and
  a table wider than the page scrolls sideways in a box of the window's height, its heading on top;
* every value is escaped for HTML by Jinja's autoescape; the values were redacted when the report was built.

Jinja is imported inside :func:`render_html`, as in :mod:`.comment`: a shard job renders nothing.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from markupsafe import Markup, escape

from honeyhive_experiment.report.comment import GENERATED_AT, heading, template_environment
from honeyhive_experiment.report.model import (
    ROW_STATUSES,
    Report,
    ReportCell,
    ReportDistribution,
    ReportMetric,
    ReportRow,
    ReportTable,
)
from honeyhive_experiment.report.numbers import counted, finite, format_count

if TYPE_CHECKING:
    import jinja2

__all__ = ["DIFF_PAIRS", "HTML_TEMPLATE", "render_html", "word_diff"]

HTML_TEMPLATE: Final = "report.html.j2"
_STYLE: Final = "report.css.j2"
_SCRIPT: Final = "report.js.j2"
_HIST_W, _HIST_H, _HIST_PAD = 220, 64, 4
_SCATTER: Final = 280
_SCATTER_PAD: Final = 28
# the datapoint table's columns, in em: each text (inputs, outputs) and the explanations keep a readable width, a
# metric's is its value and what it was; wider than the page, the table scrolls sideways in its box
_TEXT_EM, _WHY_EM, _METRIC_EM = 16, 12, 7.5
_STATUS_WORDS: Final = {"flaky": "flaky (trials disagree)"}  # a status as the filter names it: the rest as they are


# ============================================================================================ the diff

# a word (with the marks inside it: 0.25, don't, 1,000, 12:30) and the marks ending it before a space, else a
# punctuation mark; each with the spaces after it
_TOKENS = re.compile(r"\w+(?:[.,:']\w+)*(?:[^\w\s]+(?=\s|$))?\s*|[^\w\s]\s*|\s+")
_TRAILING_SPACE = re.compile(r"\s+$")
DIFF_PAIRS: Final = 4000
"""The most pairs of equal tokens (one in each text, after their common start and end) a row's word diff compares.
difflib's cost grows with them: a pair of outputs made of a few repeated words (1,000 characters of one-letter words,
a JSON list of numbers) has tens of thousands and took 0.1-0.3 s a row; texts like prose have a few hundred. Beyond
it the row shows both texts unmarked and says so (``benchmarks/bench_html_diff.py``)."""


def _equal_pairs(a: list[str], b: list[str]) -> int:
    """How many (i, j) have ``a[i] == b[j]``: what one pass of difflib's longest-match search visits."""
    counts = Counter(b)
    return sum(n * counts[token] for token, n in Counter(a).items())


def _common_ends(a: list[str], b: list[str]) -> tuple[int, int]:
    """How many tokens ``a`` and ``b`` share at their start, and then at their end."""
    shortest = min(len(a), len(b))
    start = 0
    while start < shortest and a[start] == b[start]:
        start += 1
    end = 0
    while end < shortest - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def word_diff(old: str, new: str) -> tuple[Markup, Markup] | None:
    """``old`` and ``new`` as escaped HTML, the words only ``old`` has in ``<del>`` and those only ``new`` has in
    ``<ins>`` (difflib on words and punctuation marks, each with the spaces after it; a change spanning several
    words is one mark). ``None`` when, after their common start and end, the texts share more than
    :data:`DIFF_PAIRS` pairs of equal tokens: too costly to compare word by word."""
    if old == new:
        return escape(old), escape(new)
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    start, end = _common_ends(a, b)
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    if _equal_pairs(middle_a, middle_b) > DIFF_PAIRS:
        return None
    before: list[Markup] = [escape("".join(a[:start]))]
    after: list[Markup] = [escape("".join(b[:start]))]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False).get_opcodes():
        gone, added = "".join(middle_a[i1:i2]), "".join(middle_b[j1:j2])
        before.append(escape(gone) if tag == "equal" else _marked("del", gone))
        after.append(escape(added) if tag == "equal" else _marked("ins", added))
    before.append(escape("".join(a[len(a) - end :])))
    after.append(escape("".join(b[len(b) - end :])))
    return Markup("").join(before), Markup("").join(after)


def _marked(tag: str, text: str) -> Markup:
    """``text`` in ``<tag>``, the spaces it ends with left outside the mark (when it is more than spaces)."""
    if not text:
        return Markup("")
    space = _TRAILING_SPACE.search(text)
    cut = space.start() if space is not None and space.start() > 0 else len(text)
    return Markup("<{0}>{1}</{0}>{2}").format(tag, text[:cut], text[cut:])  # the texts escaped


# ============================================================================================ charts


@dataclass(frozen=True, slots=True)
class _Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class _Mark:
    x: float
    kind: str  # range | gate | aggregate | unchecked (this run's aggregate, its gate failed unchecked)
    title: str


@dataclass(frozen=True, slots=True)
class _Histogram:
    label: str
    bars: tuple[_Bar, ...]
    marks: tuple[_Mark, ...]
    low: str
    high: str


@dataclass(frozen=True, slots=True)
class _Point:
    x: float
    y: float
    r: float
    change: str
    title: str


@dataclass(frozen=True, slots=True)
class _Scatter:
    points: tuple[_Point, ...]
    low: str
    high: str
    count: int


@dataclass(frozen=True, slots=True)
class _MetricView:
    metric: ReportMetric
    index: int
    histograms: tuple[_Histogram, ...]
    scatter: _Scatter | None


def _within_shares(metric: ReportMetric, low: float, high: float, data: tuple[float, float]) -> tuple[float, float]:
    """An axis from ``low`` to ``high`` that stops at 0 and 1 (0% and 100%) for a metric of shares or booleans whose
    values (``data``: the lowest, the highest) are within them: its padding never shows an impossible 105%."""
    shares = metric.percent or (metric.format or "").endswith("%")
    if not shares and not (metric.distribution is not None and metric.distribution.boolean):
        return low, high
    return (max(low, 0.0) if data[0] >= 0 else low), (min(high, 1.0) if data[1] <= 1 else high)


def _axis(low: float, high: float, size: int, pad: int) -> Callable[[float], float]:
    """Where a value is drawn on an axis ``size`` long from ``low`` to ``high``, ``pad`` in from either end; a value
    beyond them at the end it is beyond."""
    span = (high / 2 - low / 2) or 1.0  # by halves, the same but for ends ±1.8e308 apart, whose span overflows
    return lambda value: round(pad + (min(max(value, low), high) / 2 - low / 2) / span * (size - 2 * pad), 1)


class _Series(NamedTuple):
    """One run's values in a metric's histogram: ``label`` (``baseline``, ``this run``), its ``counts`` per bin, its
    ``aggregate``, whether that is ``past`` its gate's limit, and the numbers the backend did not send that a bound of
    its failed gate is judged by (``unchecked``)."""

    label: str
    counts: tuple[int, ...]
    aggregate: float | None
    past: bool = False
    unchecked: tuple[str, ...] = ()


def _histograms(metric: ReportMetric) -> tuple[_Histogram, ...]:
    found = metric.distribution
    if found is None:
        return ()
    # the baseline's aggregate is where the gate's limit is measured from; this run's is past it when the gate crossed,
    # and failed, whichever side it is on, when the verdict failed a bound the backend sent no number for
    series = [] if found.baseline is None else [_Series("baseline", found.baseline, metric.baseline)]
    series.append(_Series("this run", found.current, metric.value, metric.past_gate, metric.gate_unchecked))
    tallest = max((max(one.counts, default=0) for one in series), default=0) or 1
    return tuple(_histogram(metric, found, one, tallest) for one in series)


def _histogram(metric: ReportMetric, found: ReportDistribution, series: _Series, tallest: int) -> _Histogram:
    """One run's histogram, its aggregate beside the gate's limit: this run's past it when its gate crossed
    (:attr:`~ReportMetric.gate_crossed`), and failed when a bound of its failed gate could not be checked
    (:attr:`~ReportMetric.gate_unchecked`): drawn as a failed mark, never as one within the limit."""
    label, counts, aggregate, past, unchecked = series
    edges = found.edges
    marked = [v for v in (aggregate, metric.range_min, metric.range_max, metric.gate_limit) if v is not None]
    low, high = min([edges[0], *marked]), max([edges[-1], *marked])  # every line drawn falls inside
    if not found.boolean:  # one value's bin is around it (bin_values): the value is its middle
        data = (sum(edges) / 2,) * 2 if len(edges) == 2 else (edges[0], edges[-1])
        low, high = _within_shares(metric, low, high, data)
    x_of = _axis(low, high, _HIST_W, _HIST_PAD)
    bars = []
    for i, count in enumerate(counts):
        left, right = x_of(edges[i]), x_of(edges[i + 1])
        height = round((_HIST_H - 14) * count / tallest, 1)
        if found.boolean:
            what = "false" if i == 0 else "true"
        else:
            what = f"{metric.datapoint_text(edges[i])} to {metric.datapoint_text(edges[i + 1])}"
        bars.append(_Bar(left + 0.5, _HIST_H - height, max(0.5, right - left - 1), height, f"{what}: {count:,}"))
    marks = []
    if aggregate is not None:
        shown = metric.limit_text(aggregate, past=past)
        if unchecked:
            said = " or ".join(unchecked)
            title = f"{label}: {shown}, failed: its gate could not be checked (the backend sent no {said})"
            marks.append(_Mark(x_of(aggregate), "unchecked", title))
        else:
            marks.append(_Mark(x_of(aggregate), "aggregate", f"{label}: {shown}"))
    for bound, word in ((metric.range_min, "min"), (metric.range_max, "max")):  # none without a passing range
        if bound is not None:
            marks.append(_Mark(x_of(bound), "range", f"passing range {word}: {metric.bound_text(bound)}"))
    if metric.gate_limit is not None:
        limit = f"gate: the aggregate may reach {metric.bound_text(metric.gate_limit)}"
        marks.append(_Mark(x_of(metric.gate_limit), "gate", limit))
    ends = ("false", "true") if found.boolean else (metric.number_text(low), metric.number_text(high))
    return _Histogram(label, tuple(bars), tuple(marks), *ends)


def _number(value: bool | float | None) -> float | None:
    return finite(float(value)) if value is not None else None  # a boolean as 0 or 1


def _scatter(metric: ReportMetric, index: int, table: ReportTable) -> _Scatter | None:
    """Each datapoint's baseline value against its value in this run; equal points drawn once, larger. The axes of
    booleans run from false to true, as the histogram's (with trials, a datapoint's pass rate: in percent)."""
    pairs: Counter[tuple[float, float, str]] = Counter()
    shown: dict[tuple[float, float], str] = {}  # as the table's cells show them: true/false, a trials' mean in %
    booleans = True
    for row in table.rows:
        cell = row.metrics[index]
        old, new = _number(cell.baseline), _number(cell.value)
        if old is not None and new is not None:
            booleans = booleans and isinstance(cell.baseline, bool) and isinstance(cell.value, bool)
            pairs[old, new, cell.change or "same"] += 1
            if (old, new) not in shown:  # the same values read the same: said once
                was, now = metric.datapoint_texts(cell.baseline, cell.value)
                shown[old, new] = f"baseline {was} → this run {now}"
    if not pairs:
        return None
    values = [v for old, new, _ in pairs for v in (old, new)]
    low, high = data = min(values), max(values)
    if booleans:
        low, high = 0.0, 1.0
    elif low == high:  # one value in both runs: it sits in the middle (1 is nothing beside 1e16: a share of it)
        margin = max(1.0, abs(low) * 0.05)
        low, high = low - margin, high + margin
    low, high = _within_shares(metric, low, high, data)
    place = _axis(low, high, _SCATTER, _SCATTER_PAD)
    points = []
    for (old, new, change), count in pairs.most_common():  # the most common first: equal counts in order
        radius = round(min(14.0, 2.5 + 1.5 * math.sqrt(count - 1)), 1)
        title = f"{shown[old, new]}: {counted(count, 'datapoint')}, {change}"
        points.append(_Point(place(old), _SCATTER - place(new), radius, change, title))
    ends = ("false", "true") if booleans else (metric.number_text(low), metric.number_text(high))
    return _Scatter(tuple(points), *ends, pairs.total())


# ============================================================================================ the table


@dataclass(frozen=True, slots=True)
class _CellView:
    text: str
    baseline: str | None
    sort: str
    change: str | None


@dataclass(frozen=True, slots=True)
class _RowView:
    row: ReportRow
    baseline_output: Markup | str | None
    output: Markup | str | None
    unmarked: bool  # both outputs, too costly to compare word by word (DIFF_PAIRS): shown without marks
    cells: tuple[_CellView, ...]


def _scatters_first(metrics: list[_MetricView]) -> list[_MetricView]:
    """The metrics with a scatter, the one shown first leading: the first that got worse, else the first that
    changed at all, else the first."""
    found = [view for view in metrics if view.scatter is not None]

    def place(view: _MetricView) -> int:
        return 0 if view.metric.change == "worse" else 1 if (view.metric.worse_count or view.metric.better_count) else 2

    return sorted(found, key=place)


def _cell(metric: ReportMetric, cell: ReportCell, compared: bool) -> _CellView:
    value = _number(cell.value)
    was, text = (
        metric.datapoint_texts(cell.baseline, cell.value) if compared else (None, metric.datapoint_text(cell.value))
    )
    return _CellView(
        text=text,
        baseline=was,
        sort="" if value is None else repr(value),
        change=cell.change,
    )


def _row(report: Report, row: ReportRow, compared: bool) -> _RowView:
    old = row.baseline_output.text if row.baseline_output is not None else None
    new = row.output.text if row.output is not None else None
    diffed = word_diff(old, new) if old is not None and new is not None else None
    shown_old, shown_new = diffed if diffed is not None else (old, new)  # plain text: autoescape escapes it
    return _RowView(
        row=row,
        baseline_output=shown_old,
        output=shown_new,
        unmarked=diffed is None and old is not None and new is not None,
        cells=tuple(_cell(m, c, compared) for m, c in zip(report.metrics, row.metrics, strict=True)),
    )


# ============================================================================================ the page


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return template_environment(markdown=False)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _context(report: Report) -> dict[str, Any]:
    table = report.table
    compared = report.comparison is not None
    metrics = [
        _MetricView(
            metric=metric,
            index=i,
            histograms=_histograms(metric),
            scatter=_scatter(metric, i, table) if table is not None and compared else None,
        )
        for i, metric in enumerate(report.metrics)
    ]
    return {
        "report": report,
        **heading(report),
        "compared": compared,
        "metrics": metrics,
        # a mark of this run's aggregate whose gate failed unchecked: the legend keys it
        "unchecked": any(m.kind == "unchecked" for view in metrics for h in view.histograms for m in h.marks),
        "scatters": _scatters_first(metrics),
        "table": table,
        "rows": [_row(report, row, compared) for row in table.rows] if table is not None else [],
        "statuses": [(s, _STATUS_WORDS.get(s, s), table.count(s)) for s in ROW_STATUSES if table.count(s)]
        if table
        else [],
        "format_count": format_count,
        "generated_at": report.generated_at.strftime(GENERATED_AT),
    }


def render_html(report: Report) -> str:
    """The HTML report of ``report``: one self-contained page (see the module docstring)."""
    env = _environment()
    texts = 3 if report.comparison is not None else 2  # inputs, (the baseline's output,) the output
    metrics = f" repeat({len(report.metrics)}, {_METRIC_EM}em)" if report.metrics else ""
    columns = f"10em 7em repeat({texts}, minmax({_TEXT_EM}em, 1fr)){metrics} minmax({_WHY_EM}em, 0.8fr)"
    narrowest = 10 + 7 + texts * _TEXT_EM + len(report.metrics) * _METRIC_EM + _WHY_EM
    style = env.get_template(_STYLE).render(columns=columns, min_width=f"{narrowest:g}em")
    script = env.get_template(_SCRIPT).render()
    policy = (
        f"default-src 'none'; style-src {_hash(style)}; script-src {_hash(script)}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    context = _context(report)
    context.update(
        style=Markup(style),  # noqa: S704 - our own file, no value in it
        script=Markup(script),  # noqa: S704 - our own file, no value in it
        policy=policy,
    )
    return env.get_template(HTML_TEMPLATE).render(context)

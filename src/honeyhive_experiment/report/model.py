"""The one report model: :class:`Report`, built once per run (:mod:`.build`), rendered by every output.

The PR comment and the job summary (:mod:`.comment`), the terminal text (:mod:`.terminal`) and ``report.json``
(:func:`report_json`, its JSON) all read this one frozen pydantic model. Its fields are data: the backend's
numbers, as reported, and strings already redacted and clipped where it was built. The texts a reader sees (a
number in the metric's format, a status with its emoji, "compared on 21 of 23") are properties computed from
those fields, so they are never stored twice and never differ between the outputs.

``report.json`` is the model's JSON, ``"version": 1``; no field is ever removed or renamed, but fields are added,
and both :func:`load_report` and the schema accept exactly this version's fields (an older or newer version's report
is refused by them, naming the first field that differs); ``mode: publish`` reads only its ids
(:func:`load_published`), so a report written by another version of the action is published too. The JSON Schema
is generated from the model (:func:`report_json_schema`) and committed as ``schemas/report.schema.json``;
regenerate it from the repository root after changing the model::

    .venv/bin/python -c "import honeyhive_experiment.report as r; print(r.report_json_schema_text(), end='')" \\
        > src/honeyhive_experiment/schemas/report.schema.json
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any, Final, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError, field_validator
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from honeyhive_experiment.config import Direction
from honeyhive_experiment.errors import ReportError
from honeyhive_experiment.judgement import ErrorKind
from honeyhive_experiment.models.outcomes import and_more
from honeyhive_experiment.paths import NotAFile, read_regular
from honeyhive_experiment.report.numbers import (
    counted,
    format_apart,
    format_beside,
    format_bound,
    format_count,
    format_delta,
    format_number,
    format_percentage_change,
    format_range,
    format_usd,
    format_value,
    is_zero,
    sparkline,
)
from honeyhive_experiment.report.pairing import changes_text, overlap_collapsed
from honeyhive_experiment.verdict import (
    Crossed,
    Verdict,
    crossed,
    left_out_text,
    llm_calls_text,
    same_but_for_noise,
    unchecked,
)

__all__ = [
    "CHANGE_TEXT",
    "REPORT_SCHEMA_ID",
    "REPORT_VERSION",
    "ROW_STATUSES",
    "TREND_POINTS",
    "Degraded",
    "DegradedDatapoint",
    "Report",
    "ReportBaseline",
    "ReportCell",
    "ReportComparison",
    "ReportCounts",
    "ReportDatapoints",
    "ReportDistribution",
    "ReportErroredDatapoint",
    "ReportExplanation",
    "ReportFailedDatapoint",
    "ReportFailingMetric",
    "ReportFlakyDatapoint",
    "ReportFlips",
    "ReportGate",
    "ReportHtml",
    "ReportMetric",
    "ReportRange",
    "ReportRow",
    "ReportRun",
    "ReportSummary",
    "ReportTable",
    "ReportText",
    "ReportTotals",
    "ReportTrendPoint",
    "ReportUnpriced",
    "TrendRow",
    "UnpricedReason",
    "load_published",
    "load_report",
    "report_json",
    "report_json_schema",
    "report_json_schema_text",
    "trial_of",
]

REPORT_VERSION: Final = 1
REPORT_SCHEMA_ID: Final = "urn:honeyhive-experiment:schema:report:v1"
_SCHEMA_TITLE: Final = "honeyhive-experiment report.json"
TREND_POINTS: Final = 10
"""How many earlier baseline runs the key metrics' trend shows (its rows' numbers and its labels alike)."""

Change = Literal["better", "worse", "within noise", "too few changes to tell", "can't tell", "same", "new", "removed"]
ErroredStatus = Literal["function_error", "timeout", "backend_error", "evaluator_error"]

CHANGE_TEXT: Final[dict[str, tuple[str, str]]] = {
    "better": ("🟢", "better"),
    "worse": ("🔴", "worse"),
    "within noise": ("⚪", "within noise"),
    "too few changes to tell": ("⚪", "too few changes to tell"),
    "can't tell": ("⚪", "can't tell"),
    "same": ("⚪", "same"),
    "new": ("🆕", "new"),
    "removed": ("➖", "no values in this run"),  # not "not in": its evaluator may be there, returning None
}
"""A change as a status shows it: its emoji (the comment's, not the terminal's) and its words."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportRun(_Part):
    """The run this report is about."""

    id: str | None = Field(description="The HoneyHive run id (null when no run was created).")
    url: str | None = Field(description="The run in the HoneyHive app (http or https).")
    head_sha: str | None = Field(description="The commit the run evaluated.")
    pr_number: int | None = Field(description="The pull request the run was for.")
    dirty: bool = Field(description="Whether the run was made with uncommitted changes.")

    @property
    def short_sha(self) -> str | None:
        return self.head_sha[:7] if self.head_sha else None


class ReportCounts(_Part):
    """Datapoint counts: passed/failed as the backend reported them, less the rows it never recorded (it may pass a
    session it holds no span of); errored from this run's outcomes (function raised or timed out, backend errors)."""

    passed: NonNegativeInt | None = Field(description="Datapoints that passed (the backend's, less unrecorded).")
    failed: NonNegativeInt | None = Field(description="Datapoints that failed (the backend's, less unrecorded).")
    errored: NonNegativeInt = Field(description="Datapoints whose function raised or timed out, or backend errors.")
    unrecorded: NonNegativeInt = Field(description="Dataset rows the backend never recorded.")
    total: NonNegativeInt | None = Field(description="passed + failed + unrecorded.")


class ReportSummary(_Part):
    """The backend's summary of the run."""

    status: str | None = Field(description="The run's status in the backend.")
    success: bool = Field(description="Whether the backend counts the run as a success.")
    error: str | None = Field(description="The backend's error for the run.")
    aggregation_function: str | None = Field(description="How the backend aggregated the metrics (average, ...).")


class ReportBaseline(_Part):
    """The baseline run the comparison was made against, and how it is described."""

    run_id: str = Field(description="The baseline's HoneyHive run id.")
    name: str | None = Field(description="The baseline run's name.")
    url: str | None = Field(description="The baseline run in the HoneyHive app (http or https).")
    commit_sha: str | None = Field(description="The commit the baseline run evaluated.")
    branch: str | None = Field(description="The branch the baseline run ran on.")
    created_at: datetime | None = Field(description="When the baseline run was created (UTC).")
    shared_datapoints: NonNegativeInt | None = Field(
        description="Datapoints the comparison covers (HoneyHive's commonDatapoints): both runs evaluated them."
    )
    total_datapoints: NonNegativeInt | None = Field(
        description="Datapoints of the larger run: this run's, or the baseline's when it had more (rows removed; an"
        " edited row under a content id is new in one run and gone from the other, one datapoint of each)."
    )
    uncompared_datapoints: NonNegativeInt = Field(
        description="Datapoints both runs have that HoneyHive's comparison left out (it had not compared them when"
        " ingestion.timeout ran out): not in shared_datapoints, yet neither new nor gone."
    )
    about: str | None = Field(
        description="Which baseline and why, as shown: 'run at merge-base a1b2c3d with main, 2 days ago'."
    )
    age: str | None = Field(description="How long before this report the baseline was made.")
    changes: str | None = Field(description="What changed in the dataset, from the backend's lists: '2 new, 1 gone'.")
    cause: str | None = Field(description="When the overlap collapsed: its likely cause and the fix.")
    low_overlap: bool = Field(
        description="Whether the comparison covers too few of the larger run's datapoints: the runs share too few, or"
        " it left out some they share (uncompared_datapoints)."
    )
    trials: int = Field(ge=1, description="How many times the baseline ran each datapoint.")

    @property
    def label(self) -> str:
        return self.name or self.run_id

    @property
    def short_sha(self) -> str | None:
        return self.commit_sha[:7] if self.commit_sha else None

    @property
    def shared(self) -> int | None:
        return self.shared_datapoints

    @property
    def total(self) -> int | None:
        return self.total_datapoints

    @property
    def shared_text(self) -> str:
        return format_count(self.shared_datapoints)

    @property
    def total_text(self) -> str:
        return format_count(self.total_datapoints)

    @property
    def overlap_pct(self) -> str | None:
        shared, total = self.shared_datapoints, self.total_datapoints
        return f"{shared / total:.0%}" if shared is not None and total else None

    @property
    def in_common_text(self) -> str | None:
        """How many datapoints the runs have in common, "all 40" or "36", when the comparison left some of them out
        (so fewer are compared than the runs share); ``None`` when it did not: the runs share the compared ones."""
        if not self.uncompared_datapoints or self.shared_datapoints is None:
            return None
        common = self.shared_datapoints + self.uncompared_datapoints
        return f"all {common:,}" if common == self.total_datapoints else f"{common:,}"

    @property
    def in_common_pct(self) -> str | None:
        """The share of the larger run's datapoints that both have, "35%", when the comparison left some of them out
        (:attr:`in_common_text`) and they have few in common besides: both causes are said; else ``None``."""
        total = self.total_datapoints
        if not self.in_common_text or self.shared_datapoints is None or not total:
            return None
        common = self.shared_datapoints + self.uncompared_datapoints
        return f"{common / total:.0%}" if overlap_collapsed(common, total) else None

    @property
    def overlap_note(self) -> str | None:
        """Why the comparison is partial, when the overlap is low (:attr:`low_overlap`), for every output to say:
        the runs share few datapoints, or the comparison left out some they share, or both; else ``None``."""
        if not self.low_overlap:
            return None
        covers = f"The comparison covers only {self.shared_text} of {self.total_text} datapoints ({self.overlap_pct})"
        if self.in_common_pct:
            why = f"{covers}: the two runs have only {self.in_common_text} in common ({self.in_common_pct}), and it"
            return f"{why} left out some of those. Its changes describe part of the dataset, not a like-for-like run."
        if self.in_common_text:
            why = f"{covers}, though the two runs have {self.in_common_text} in common"
            return f"{why}: its changes describe part of the dataset, not a like-for-like run."
        return (
            f"The two runs have only {self.shared_text} of {self.total_text} datapoints in common ({self.overlap_pct}):"
            " the comparison covers part of the dataset, not a like-for-like run."
        )

    @property
    def changes_text(self) -> str | None:
        return self.changes


class ReportComparison(_Part):
    """The backend's comparison of this run with the baseline: which datapoints the runs share."""

    common_datapoints: NonNegativeInt = Field(description="Datapoints in both runs.")
    new_only_datapoints: NonNegativeInt | None = Field(description="Datapoints only in this run.")
    old_only_datapoints: NonNegativeInt | None = Field(description="Datapoints only in the baseline run.")


class ReportRange(_Part):
    """A metric's passing range (either bound may be open)."""

    min: float | None = Field(description="The lowest passing value.")
    max: float | None = Field(description="The highest passing value.")


class ReportGate(_Part):
    """A metric's gate, as configured: its bounds on how much worse it may get (either may be open)."""

    max_drop: float | None = Field(description="The largest allowed worsening of the aggregate, in its units.")
    max_drop_pct: float | None = Field(description="The same in percent of the baseline's aggregate.")
    max_degraded: NonNegativeInt | None = Field(description="The largest allowed number of datapoints worse.")


class ReportDistribution(_Part):
    """A metric's values in each run, as the backend reported them, counted into equal bins for the report's small
    histograms (booleans: two bins, false and true)."""

    edges: tuple[float, ...] = Field(description="The bins' edges, lowest first (one more than the bins).")
    current: tuple[NonNegativeInt, ...] = Field(description="This run's values per bin.")
    baseline: tuple[NonNegativeInt, ...] | None = Field(description="The baseline run's values per bin.")
    boolean: bool = Field(description="Whether the values are booleans (the bins are false and true).")


class ReportMetric(_Part):
    """One metric as the backend reported it (aggregates, difference, counts); improved/degraded are the
    backend's (larger = improved), better/worse apply the direction."""

    name: str = Field(description="The metric's name.")
    event_name: str | None = Field(description="The event the metric is on.")
    label: str = Field(description="The name shown (the configured label, else the name).")
    direction: Direction = Field(description="Which way the metric is better.")
    key: bool = Field(description="Whether it is a key metric (shown first, with its trend).")
    configured: bool = Field(description="Whether the experiment file configures it (metrics).")
    format: str | None = Field(description="The configured format spec of its numbers.")
    percent: bool = Field(description="Whether its values are shown as a percentage (a pass rate).")
    baseline: float | None = Field(description="The baseline run's aggregate.")
    value: float | None = Field(description="This run's aggregate.")
    difference: float | None = Field(description="The backend's difference, value - baseline.")
    percentage_change: float | None = Field(description="The backend's percentage change (in percent).")
    improved_count: NonNegativeInt | None = Field(description="Datapoints whose value got larger (the backend's).")
    degraded_count: NonNegativeInt | None = Field(description="Datapoints whose value got smaller (the backend's).")
    same_count: NonNegativeInt | None = Field(description="Datapoints whose value did not change (the backend's).")
    better_count: NonNegativeInt | None = Field(description="Datapoints that got better, by the direction.")
    worse_count: NonNegativeInt | None = Field(description="Datapoints that got worse, by the direction.")
    change: Change | None = Field(
        description="better / worse (significant, by the direction), within noise, too few changes to tell, can't tell"
        " (a sign test between runs of different trials), same "
        "(no datapoint changed, or too small to show), new (no baseline value), removed (no value in this run); "
        "null without a comparison, or when no datapoint has a value in both runs (paired 0). Without the backend's "
        "improved/degraded counts (nor values) to test: can't tell, its significance unknown."
    )
    significance: str | None = Field(
        description="The test behind the change, as shown: 'p = 0.003', 'needs ≥ 6 changes, has 4'; for a same"
        " whose aggregates are equal but for float rounding though datapoints changed: 'at the shown precision; 10"
        " datapoints changed'."
    )
    p_value: float | None = Field(
        description="The test's p-value, before Holm's correction: for a mean, the paired t-test's p floored at the"
        " smallest p the exact sign test can give on as many changed datapoints (all of them one way: 2 × 0.5^n,"
        " one-sided 0.5^n), so 'too few changes to tell' means the same whichever test ran; else the exact sign"
        " test on better/worse counts. Two-sided, or the gate's one-sided test (one_sided)."
    )
    p_adjusted: float | None = Field(
        description="The p-value Holm-corrected across this comparison's metrics and, when it was tested, the"
        " pass/fail flips' McNemar test (pass_fail); one_sided: across the gated metrics only."
    )
    one_sided: bool = Field(
        description="Whether change and p-values are the gate's one-sided regression test (a gated metric that got "
        "worse) rather than the two-sided test across every metric."
    )
    failing_datapoints: NonNegativeInt | None = Field(description="Datapoints outside the passing range.")
    passing_range: ReportRange | None = Field(description="The passing range, when one is configured.")
    absent: bool = Field(description="A judged metric the backend has no value for.")
    errored: NonNegativeInt | None = Field(
        description="Datapoints the evaluator producing this metric raised on (null: it never raised)."
    )
    evaluated: NonNegativeInt | None = Field(description="Datapoints that evaluator ran on.")
    error: str | None = Field(description="That evaluator's first error, 'Type: message'.")
    spared: NonNegativeInt | None = Field(
        default=None,
        description="With trials, of errored: the datapoints it raised on in some of their trials only, another"
        " trial giving a value (a number or a bool), as the verdict counts them; null when it never raised.",
    )
    compared: bool = Field(description="Whether this run was compared with a baseline.")
    paired: NonNegativeInt | None = Field(
        description="Datapoints the backend compared this metric on, a value in both runs (its found_count); null "
        "without a comparison or when the backend does not say. Fewer than datapoints: the aggregates (and the "
        "difference) are over different datapoints; 0: the aggregates are of different datapoints (change is null).",
    )
    shared: NonNegativeInt | None = Field(
        description="Datapoints the two runs have in common (the comparison's); null without one."
    )
    datapoints: NonNegativeInt | None = Field(
        description="Datapoints in either run (the comparison's common, new and gone, and those it left out); null"
        " without one."
    )
    uncompared: NonNegativeInt | None = Field(
        default=None,
        description="Datapoints both runs have that the comparison left out (not in its commonDatapoints: HoneyHive"
        " had not compared them when ingestion.timeout ran out, or one run has no value there); null without one.",
    )
    distribution: ReportDistribution | None = Field(
        description="Both runs' values counted into bins (the HTML report's histograms)."
    )
    gate: ReportGate | None = Field(description="Its gate, when one is configured.")
    gate_limit: float | None = Field(
        description="The aggregate past which the metric's gate fails (max_drop, max_drop_pct), from the baseline's;"
        " null without one, or when the gate can never be crossed (the verdict fails on it)."
    )
    gate_failed: str | None = Field(
        description="When its gate failed the check, as shown: 'failed its gate (at most 5% worse)'; its change and"
        " p-values are then the gate's test. Null: no gate, or it held."
    )
    spread: float | None = Field(
        description="With trials: the backend's mean over datapoints of the standard deviation across a "
        "datapoint's trials (null without trials, or when the backend does not say).",
    )
    efficiency: bool = Field(
        description="A built-in efficiency metric (tokens, LLM calls, cost, duration of the datapoint's LLM calls): "
        "shown in the Efficiency table, apart from the quality metrics."
    )
    baseline_left_out: NonNegativeInt = Field(
        description="An efficiency metric's LLM calls the baseline's values leave out (no price, or no token usage):"
        " its value is a lower bound of the whole, which the verdict judges a gate by (0: none, or no baseline)."
    )
    left_out: NonNegativeInt = Field(
        description="The same of this run's values, also the calls made outside every datapoint (compared with a"
        " baseline; the unpriced list says which calls)."
    )

    # ------------------------------------------------------------------ as shown

    @property
    def range_min(self) -> float | None:
        return self.passing_range.min if self.passing_range is not None else None

    @property
    def range_max(self) -> float | None:
        return self.passing_range.max if self.passing_range is not None else None

    def number_text(self, value: float | None) -> str:
        """A number of this metric (an aggregate) in its format."""
        return format_number(value, self.format, percent=self.percent)

    def bound_text(self, bound: float) -> str:
        """A bound of this metric (its passing range's, its gate's limit) in its format, reading as itself."""
        return format_bound(bound, self.format, percent=self.percent)

    def datapoint_text(self, value: bool | float | None) -> str:
        """One datapoint's value (or a histogram bin's edge) in the metric's format, on the side of its passing
        range's bounds it is on (0.4996 that failed ``min: 0.5`` is not 0.50); with trials a boolean metric's
        datapoint, the mean of its trials, in percent as its aggregate is."""
        return format_value(value, self.format, percent=self.percent, low=self.range_min, high=self.range_max)

    def datapoint_texts(self, baseline: bool | float | None, value: bool | float | None) -> tuple[str, str]:
        """A datapoint's value in the baseline and in this run (:meth:`datapoint_text`), with more digits where two that
        differ would read the same (0.4996 → 0.5004 in ``.2f`` is not ``0.50 → 0.50``)."""
        return format_apart(baseline, value, self.format, percent=self.percent, low=self.range_min, high=self.range_max)

    def limit_text(self, aggregate: float, *, past: bool) -> str:
        """An aggregate in its format, beside the gate's limit (:attr:`gate_limit`) when it has one, reading past it
        when ``past``, and not when not (this run's: :attr:`gate_crossed`)."""
        low, high = (None, self.gate_limit) if self.direction is Direction.LOWER else (self.gate_limit, None)
        return format_beside(aggregate, self.format, percent=self.percent, low=low, high=high, past=past)

    def _crossed(self) -> Crossed:
        """Which bounds of its gate the change crossed, as the verdict judges them."""
        if self.gate is None:
            return Crossed(None, None, None)
        higher = self.direction is Direction.HIGHER
        return crossed(self.gate, self.difference, self.percentage_change, self.baseline, higher=higher)

    @property
    def gate_crossed(self) -> bool:
        """Whether this run's aggregate is past its gate's limit: its change crossed max_drop or max_drop_pct."""
        return any(worse is not None for worse in self._crossed())

    @property
    def gate_unchecked(self) -> tuple[str, ...]:
        """The numbers the backend did not send that a bound of its failed gate on the aggregate is judged by
        (``difference``, ``percentage change``; empty: none): the verdict failed that bound as could not be checked,
        so this run's aggregate is shown failed beside the limit, as the row says, whichever side of it it is on."""
        if self.gate is None or self.gate_failed is None:
            return ()
        missing = unchecked(self.gate, self.difference, self.percentage_change, self.baseline)
        return tuple(dict.fromkeys(what for what in missing if what is not None))  # of 0: both the difference

    @property
    def past_gate(self) -> bool:
        """Whether this run's aggregate is shown past its gate's limit: its change crossed the gate
        (:attr:`gate_crossed`), or the gate failed on a bound that could not be checked (:attr:`gate_unchecked`)."""
        return self.gate_crossed or bool(self.gate_unchecked)

    @property
    def baseline_text(self) -> str:
        return self.number_text(self.baseline)

    @property
    def value_text(self) -> str:
        """This run's value, beside its gate's limit as the HTML histogram marks it (0.61 → 0.5899 past ``max_drop:
        0.02`` is ``0.5899``, not ``0.59``); with trials, ``0.71 ± 0.17`` (its spread across a datapoint's trials)."""
        if self.value is None:
            return self.number_text(None)
        shown = self.limit_text(self.value, past=self.past_gate)
        return shown if self.spread is None else f"{shown} ± {self.number_text(self.spread)}"

    def _beside(self, change: float | None, bound: float | None) -> float | None:
        """A gate's ``bound`` on a worse ``change`` (the difference, the percentage change), which its text is shown
        beside (none beside a better one)."""
        if change is None:
            return None
        worse = change if self.direction is Direction.LOWER else -change
        return bound if worse >= 0 else None

    @property
    def _moved(self) -> float | None:
        """The backend's difference as the report shows it: 0 when the aggregates are equal but for float rounding
        (0.1 + 0.2 against 0.3: its ``+5.55e-17`` is no change, the rule the verdict and the backend judge by)."""
        old, new = self.baseline, self.value
        return 0.0 if old is not None and new is not None and same_but_for_noise(old, new) else self.difference

    @property
    def delta_text(self) -> str:
        """The difference, on the side of its gate's max_drop the verdict put it (a drop of 0.0201 past 0.02 is
        ``-0.0201``, not ``-0.02``)."""
        bound, crossing = self.gate.max_drop if self.gate is not None else None, self._crossed()
        past = crossing.max_drop is not None
        if crossing.from_zero is not None and self.percentage_change is None:  # no percentage: the difference crossed
            bound, past = 0.0, True
        bound = self._beside(self._moved, bound)
        return format_delta(self._moved, self.format, percent=self.percent, bound=bound, past=past)

    @property
    def delta_pct_text(self) -> str:
        """The percentage change, on the side of its gate's max_drop_pct the verdict put it."""
        bound = self._beside(self.percentage_change, self.gate.max_drop_pct if self.gate is not None else None)
        crossing = self._crossed()
        past = crossing.max_drop_pct is not None or crossing.from_zero is not None
        return format_percentage_change(self.percentage_change, bound=bound, past=past)

    @property
    def counts_text(self) -> str:
        better, worse = self.better_count, self.worse_count
        return f"{better:,} / {worse:,}" if better is not None and worse is not None else "—"

    @property
    def range_text(self) -> str:
        return format_range(self.range_min, self.range_max, self.format, percent=self.percent)

    @property
    def partial(self) -> bool:
        """Compared on fewer datapoints than the runs share (a value missing in one run on the others, or datapoints
        the comparison left out), or than are
        in either run (new or gone ones, which the header counts) where its aggregates moved as shown and not the way
        its change says (a plain "same" beside -50%): its change is the paired datapoints' only, its aggregates are
        not over the same datapoints."""
        if self.paired is None or self.shared is None or self.change in (None, "new", "removed"):
            return False
        if self.paired < self.shared + (self.uncompared or 0):
            return True
        if self.difference is None or self.datapoints is None or self.paired >= self.datapoints:
            return False
        if is_zero(self.difference, self.format, self.percent) and round(self.percentage_change or 0.0, 1) == 0:
            return False  # the aggregates did not move as shown
        return self.change != ("better" if (self.difference > 0) != (self.direction is Direction.LOWER) else "worse")

    def _status_parts(self) -> list[tuple[str, str]]:
        """The status's parts, each an emoji and its words: how partial the comparison is (or that it is empty), the
        change with its test (on the paired datapoints), the gate it failed, then failing or missing values."""
        parts = []
        if left_out := left_out_text((self.baseline_left_out, self.left_out)):
            parts.append(("⚠️", left_out))
        if self.paired == 0 and self.change is None:
            parts.append(("⚠️", "no datapoint has a value in both runs: the aggregates are of different datapoints"))
        if self.partial:
            left = ""
            if self.uncompared:  # the comparison's part, and the runs' own (new and gone) when they have one
                one = (self.datapoints or 0) - (self.shared or 0) - self.uncompared
                left = f" ({f'{one:,} in one run only, and ' if one > 0 else ''}HoneyHive's comparison left out"
                left += f" {self.uncompared:,} both runs have)"
            parts.append(("⚠️", f"compared on {self.paired:,} of {self.datapoints:,} in either run{left}"))
        if self.change is not None:  # of the paired datapoints: never said of those the comparison left out
            emoji, words = CHANGE_TEXT[self.change]
            uncompared = self.uncompared if self.partial else None
            if self.partial:
                words += f" on the {self.paired:,} compared" if uncompared else f" on those {self.paired:,}"
            words += f" ({self.significance})" if self.significance else ""
            parts.append((emoji, words + (f"; {uncompared:,} not compared" if uncompared else "")))
        if self.gate_failed:
            parts.append(("❌", self.gate_failed))
        if self.errored:
            parts.append(("⚠️", self.errored_text))
        elif self.absent:
            parts.append(("⚠️", "no values"))
        if self.failing_datapoints:
            parts.append(("❌", f"{self.failing_datapoints:,} failing"))
        elif not self.compared and self.passing_range is not None and self.failing_datapoints == 0:
            parts.append(("✅", "passing"))
        return parts

    @property
    def status(self) -> str:
        """The status cell of the comment."""
        return " · ".join(f"{emoji} {words}" for emoji, words in self._status_parts()) or "—"

    @property
    def errored_text(self) -> str:
        """``errored on 3 of 40: KeyError: 'citations'``; with trials, those with a value from another trial said
        apart: ``errored on 6 of 6, each in some trials only (values from the others): ...`` (empty when its evaluator
        never raised)."""
        if not self.errored:
            return ""
        of = f" of {self.evaluated:,}" if self.evaluated else ""
        if self.spared:
            some = "each" if self.spared == self.errored else f"{self.spared:,} of them"
            of += f", {some} in some trials only (values from the others)"
        return f"errored on {self.errored:,}{of}: {self.error}"

    @property
    def plain_status(self) -> str:
        """The status in words, for the terminal: the comment's without its emoji."""
        return ", ".join(words for _, words in self._status_parts()) or "-"


class ReportFlips(_Part):
    """Datapoints present in both runs that went from passing to failing, or back (the backend's id lists)."""

    pass_to_fail: NonNegativeInt = Field(description="Passed in the baseline, failed in this run.")
    fail_to_pass: NonNegativeInt = Field(description="Failed in the baseline, passed in this run.")
    change: Change = Field(description="worse / better when significant, else within noise or too few.")
    significance: str = Field(description="The exact McNemar test, as shown.")

    @property
    def text(self) -> str:
        return (
            f"{self.pass_to_fail:,} datapoint(s) went from passing to failing and {self.fail_to_pass:,} from failing"
            f" to passing: {self.change} ({self.significance})"
        )


class ReportFailingMetric(_Part):
    """A metric that failed its passing range on a datapoint."""

    name: str = Field(description="The metric's name.")
    event_name: str | None = Field(description="The event the metric is on.")
    value: bool | int | float | str | None = Field(description="The datapoint's value.")
    text: str = Field(description="As shown: 'label = value, passing range ≥ 0.5 (explanation)'.")


Since = Literal["new", "already failing"]


class _Datapoint(_Part):
    """A datapoint of a list of the report, and where it is in the dataset file."""

    id: str = Field(description="The datapoint's id.")
    place: str | None = Field(
        default=None,
        description="Where the datapoint is in the dataset file, as file:line (the line its record starts on); null"
        " for a managed dataset.",
    )


class ReportFailedDatapoint(_Datapoint):
    """A datapoint that failed, with previews of its inputs and outputs (redacted, cut to 1,000 characters)."""

    since: Since | None = Field(
        description="new (it passed in the baseline, or was not in it) or already failing (it failed there too); "
        "null without a baseline."
    )
    failing_metrics: tuple[ReportFailingMetric, ...] = Field(description="The metrics it failed.")
    inputs: str | None = Field(description="Its inputs, as JSON text.")
    outputs: str | None = Field(description="The function's outputs, as JSON text (or the text returned).")
    trials_passed: NonNegativeInt | None = Field(
        description="When it is flaky: how many of its trials passed (null otherwise)."
    )
    trials: int | None = Field(ge=1, description="When it is flaky: how many trials it had.")
    trial: NonNegativeInt | None = Field(
        description="When it is flaky: the trial (from 0) its outputs and explanations are of, one outside a passing"
        " range (its first trial may have passed); null otherwise: its first trial's."
    )

    @property
    def flaky_text(self) -> str:
        """``flaky: 1 of 3 trials passed`` for a flaky datapoint, else empty."""
        passed = _trials_passed(self.trials_passed, self.trials)
        return f"flaky: {passed}" if passed else ""

    @property
    def trial_text(self) -> str:
        """``trial 2 of 3``: the trial its outputs and explanations are of (:attr:`trial`), else empty."""
        return trial_of(self.trial, self.trials)


def _trials_passed(passed: int | None, trials: int | None) -> str:
    """``2 of 3 trials passed``; empty unless both are known (with trials)."""
    return "" if passed is None or trials is None else f"{passed:,} of {trials:,} trials passed"


def trial_of(trial: int | None, trials: int | None) -> str:
    """``trial 2 of 3`` of a ``trial`` counted from 0; empty unless both are known."""
    return "" if trial is None or trials is None else f"trial {trial + 1:,} of {trials:,}"


class ReportTotals(_Part):
    """The backend's other aggregates of a run's efficiency metrics (sum and percentiles over its datapoints)."""

    cost_usd: float | None = Field(
        description="The function's LLM calls' cost in US dollars: the backend's sum over datapoints (with trials, "
        "of each datapoint's mean over its trials: one pass over the dataset, not the run's spend)."
    )
    judge_cost_usd: float | None = Field(description="The evaluators' LLM calls' cost in US dollars, the same way.")
    duration_p50_ms: float | None = Field(description="The median of the function's duration, in milliseconds.")
    duration_p95_ms: float | None = Field(description="The 95th percentile of the function's duration (ms).")
    trials: int = Field(
        ge=1,
        description="The backend's trials per datapoint: above 1 it summed each datapoint's mean over its trials.",
    )

    def text(self, left_out: tuple[int, int] = (0, 0)) -> str:
        """``total cost $1.23 + $0.40 (judge) · duration p50 1,200 ms, p95 2,300 ms`` (what the backend gave); with
        trials ``cost $1.23 per pass over the dataset (mean of 3 trials) · …``: the backend summed means. Each cost
        says the LLM calls it leaves out, ``left_out`` (the function's, the judge's): ``$1.10 (excludes 3 LLM
        calls)``."""
        parts = []
        if self.cost_usd is not None or self.judge_cost_usd is not None:
            own, judged = (f"excludes {llm_calls_text(n)}" if n else "" for n in left_out)
            cost = "—" if self.cost_usd is None else format_usd(self.cost_usd) + (f" ({own})" if own else "")
            judged = f"judge, {judged}" if judged else "judge"
            judge = "" if self.judge_cost_usd is None else f" + {format_usd(self.judge_cost_usd)} ({judged})"
            if self.trials > 1:
                parts.append(f"cost {cost}{judge} per pass over the dataset (mean of {self.trials:,} trials)")
            else:
                parts.append(f"total cost {cost}{judge}")
        if self.duration_p50_ms is not None or self.duration_p95_ms is not None:
            p50, p95 = (
                "—" if v is None else "< 1 ms" if v < 1 else f"{v:,.0f} ms"
                for v in (self.duration_p50_ms, self.duration_p95_ms)
            )
            parts.append(f"duration p50 {p50}, p95 {p95}")
        return " · ".join(parts)


UnpricedReason = Literal["no_price", "no_usage", "failed", "given_up"]


class ReportUnpriced(_Part):
    """LLM calls without a cost: to a model without a known price, or that reported no token usage, or that the client
    gave up on (their cost is left out, never $0), or that failed on the server's error (no usage: in no metric)."""

    model: str = Field(description="The model the calls named.")
    calls: NonNegativeInt = Field(description="How many of this run's calls named it.")
    judge: bool = Field(description="Whether they were the evaluators' calls (judge_cost_usd), not the function's.")
    reason: UnpricedReason = Field(
        description="no_price: the model has no known price (pricing: gives one); no_usage: the call reported no"
        " token usage (a stream not asked for it with stream_options include_usage, or not read to its end); failed:"
        " the call failed on the server's error (an HTTP 4xx or 5xx) and reported no usage; given_up: the client gave"
        " up on the call (a timeout, a lost connection), which a provider may still bill, each retry too."
    )


class ReportFlakyDatapoint(_Datapoint):
    """A datapoint whose trials disagree on pass/fail (the backend's ``flaky`` list)."""

    trials_passed: NonNegativeInt | None = Field(description="How many of its trials passed (the backend's).")
    trials: int | None = Field(ge=1, description="How many trials it had (the backend's).")
    failed: bool = Field(
        description="Whether the datapoint failed: on the mean of its trials, or because its function raised or "
        "timed out in one of them (errored_trials)."
    )
    errored_trials: NonNegativeInt = Field(
        description="In how many of its trials its function raised or timed out: any fails the datapoint, whatever "
        "the means of its trials."
    )

    @property
    def passed_text(self) -> str:
        """``2 of 3`` (``?`` where the backend did not say)."""
        passed = "?" if self.trials_passed is None else f"{self.trials_passed:,}"
        return f"{passed} of {'?' if self.trials is None else f'{self.trials:,}'}"

    @property
    def result_text(self) -> str:
        """Why it failed or passed: ``failed: its function errored in 1 trial``, else ``failed on the mean`` or
        ``passed on the mean`` (of its trials)."""
        if self.failed and self.errored_trials:
            return f"failed: its function errored in {counted(self.errored_trials, 'trial')}"
        return f"{'failed' if self.failed else 'passed'} on the mean"


class ReportErroredDatapoint(_Datapoint):
    """A datapoint whose function raised or timed out, a backend error, or an evaluator that raised."""

    since: Since | None = Field(
        description="For a function that raised: new (it did not raise in the baseline) or already failing (it "
        "raised there too); null without a baseline, and for evaluators."
    )
    status: ErroredStatus = Field(description="What went wrong.")
    kind: str = Field(description="What went wrong, in words.")
    error: str = Field(description="The error (redacted, cut to 1,000 characters).")
    evaluator: str | None = Field(description="The evaluator that raised (evaluator_error only).")
    trial: NonNegativeInt | None = Field(
        description="With trials: which trial of the datapoint it was (metadata.trial, from 0)."
    )


class ReportDatapoints(_Part):
    """The datapoints that failed or errored, in the backend's order."""

    failed: tuple[ReportFailedDatapoint, ...] = Field(description="Failed datapoints (errored ones excluded).")
    errored: tuple[ReportErroredDatapoint, ...] = Field(
        description="Errors, one per datapoint (with trials: per trial) and evaluator."
    )
    flaky: tuple[ReportFlakyDatapoint, ...] = Field(
        description="With trials: the datapoints whose trials disagree on pass/fail, in the backend's order.",
    )


class DegradedDatapoint(_Part):
    """A datapoint that got worse on one metric (the backend's list), with a preview of its inputs."""

    id: str = Field(description="The datapoint's id.")
    inputs: str = Field(description="Its inputs, as JSON text ('—' when not known).")


class Degraded(_Part):
    """The datapoints that got significantly worse on a metric, or on a gated one: the first of the backend's
    list, and how many in all."""

    metric: str = Field(description="The metric's name.")
    label: str = Field(description="The metric as shown.")
    total: NonNegativeInt = Field(description="How many datapoints got worse on it (the backend's list).")
    rows: tuple[DegradedDatapoint, ...] = Field(description="The first of them.")


RowStatus = Literal["degraded", "errored", "failed", "flaky", "new", "gone", "improved", "same"]
ROW_STATUSES: Final[tuple[RowStatus, ...]] = get_args(RowStatus)
"""A datapoint's statuses in the order the table puts them first, RowStatus's (a datapoint that got worse first)."""
Move = Literal["better", "worse", "same"]


class ReportText(_Part):
    """A text of a datapoint (redacted), cut to the report's length with its full length noted."""

    text: str = Field(description="The text (JSON for structured values), cut.")
    length: NonNegativeInt = Field(description="Its full length, in characters, before it was cut.")
    truncated: bool = Field(description="Whether it was cut.")


class ReportCell(_Part):
    """One metric of one datapoint: both runs' values (the backend's events) and the backend's comparison."""

    value: bool | int | float | None = Field(description="This run's value.")
    baseline: bool | int | float | None = Field(description="The baseline run's value.")
    change: Move | None = Field(
        description="better / worse / same by the backend's improved, degraded and same lists, direction-aware."
    )


class ReportExplanation(_Part):
    """What an evaluator said of a datapoint (a string it returned: ``keyword_recall_explanation``)."""

    name: str = Field(description="The metric the text was recorded as.")
    text: str = Field(description="The text (redacted, cut).")


class ReportRow(_Part):
    """One datapoint of the two runs, side by side."""

    id: str = Field(description="The datapoint's id.")
    session_url: str | None = Field(description="Its session in the HoneyHive app (http or https).")
    status: tuple[RowStatus, ...] = Field(
        description="degraded / improved (worse / better on some metric, by the backend's comparison and the "
        "metric's direction), errored (its function or an evaluator raised), failed (the backend's result), flaky "
        "(with trials: the backend's flaky list, its trials disagree on pass/fail), new / gone (only in this run / in "
        "the baseline), same; the first is the one it is sorted by."
    )
    inputs: ReportText | None = Field(description="Its inputs, as JSON text.")
    output: ReportText | None = Field(description="This run's output, as JSON text (or the text returned).")
    baseline_output: ReportText | None = Field(description="The baseline run's output.")
    error: str | None = Field(
        description="This run's errors: the function's as the errored list says them ('function raised (trial 2 "
        "of 3): Type: message'; with trials, every trial's that raised or timed out), then each evaluator's that "
        "raised ('evaluator NAME raised: Type: message'), one a line."
    )
    metrics: tuple[ReportCell, ...] = Field(description="Its value of each metric, in the order of metrics.")
    explanations: tuple[ReportExplanation, ...] = Field(description="What the evaluators said of it.")
    trials: int | None = Field(
        ge=1, description="With trials: how many trials it had in this run (the backend's; null without trials)."
    )
    trials_passed: NonNegativeInt | None = Field(
        description="With trials: how many of its trials passed on their own (the backend's; null without trials)."
    )
    trial: NonNegativeInt | None = Field(
        description="When it failed and is flaky: the trial (from 0) its output and explanations are of, one outside a"
        " passing range; null otherwise: its first trial's."
    )

    @property
    def trials_text(self) -> str:
        """``2 of 3 trials passed`` (empty without trials)."""
        return _trials_passed(self.trials_passed, self.trials)

    @property
    def trial_text(self) -> str:
        """``trial 2 of 3``: the trial its output and explanations are of (:attr:`trial`), else empty."""
        return trial_of(self.trial, self.trials)

    @property
    def rank(self) -> int:
        """Where the table puts it: its first status's place in :data:`ROW_STATUSES` (a row without one, last)."""
        return ROW_STATUSES.index(self.status[0]) if self.status else len(ROW_STATUSES)


class ReportTable(_Part):
    """Every datapoint of the two runs (or the first of them, worst first), for the HTML report."""

    rows: tuple[ReportRow, ...] = Field(description="The datapoints shown: worse first, then the backend's order.")
    total: NonNegativeInt = Field(description="Datapoints of the two runs together.")
    text_limit: NonNegativeInt = Field(description="How many characters of a long text are kept.")
    embedded: bool = Field(
        description="Whether the runs are on the embedded local backend (no API key): the datapoints left out are in"
        " its .honeyhive/local.db, not in HoneyHive."
    )

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if status in row.status)


class ReportHtml(_Part):
    """Where the single-file HTML report of every datapoint is."""

    file: str = Field(description="Its path, as written (relative to the working directory when inside it).")
    artifacts_url: str | None = Field(description="The workflow run whose artifacts hold it (GitHub Actions).")


class ReportTrendPoint(_Part):
    """The key metrics' aggregates in an earlier baseline run."""

    label: str = Field(description="The run as shown (its commit, or its date).")
    run_id: str | None = Field(description="The earlier run's id.")
    values: dict[str, float | None] = Field(description="Key metric name → that run's aggregate.")


class TrendRow(_Part):
    """A key metric over the earlier runs and this one (the last value)."""

    label: str = Field(description="The metric as shown.")
    numbers: tuple[float | None, ...] = Field(description="Its aggregate in each earlier run, then in this run.")
    format: str | None = Field(description="The configured format spec.")
    percent: bool = Field(description="Whether its values are shown as a percentage.")

    @property
    def spark(self) -> str:
        return sparkline(self.numbers)

    @property
    def values(self) -> tuple[str, ...]:
        """The numbers as shown, in the metric's format."""
        return tuple(format_number(v, self.format, percent=self.percent) for v in self.numbers)


class Report(_Part):
    """The report of one experiment run (report.json). Every number is the backend's; every string is
    redacted."""

    version: Literal[1] = Field(description="The version of this format.")
    experiment: str = Field(description="The experiment's name.")
    title: str | None = Field(description="The comment's heading (comment.title, else the name).")
    verdict: Verdict = Field(description="The check's verdict.")
    reasons: tuple[str, ...] = Field(description="Why the verdict is what it is.")
    gate_failures: tuple[str, ...] = Field(description="The gates that failed.")
    gates_hit: tuple[str, ...] = Field(description="The metrics whose gate failed the check.")
    warnings: tuple[str, ...] = Field(
        description="Said without changing the verdict: evaluators that raised, gates within noise, tolerances."
    )
    pass_fail: ReportFlips | None = Field(
        description="Datapoints that flipped between passing and failing since the baseline (McNemar test)."
    )
    error: str | None = Field(description="What went wrong, for an error verdict.")
    error_kind: ErrorKind | None = Field(
        description="What kind of error it was, for an error verdict: the advice shown is for that kind (bug: an"
        " unexpected error of this tool)."
    )
    dry_run: bool = Field(description="Whether this was a dry run (nothing posted).")
    generated_at: datetime = Field(description="When the report was made (UTC).")
    tool_version: str = Field(description="The version of honeyhive-experiment that made it.")
    run: ReportRun = Field(description="The run.")
    counts: ReportCounts = Field(description="Datapoint counts.")
    summary: ReportSummary | None = Field(description="The backend's summary of the run (null when none).")
    baseline: ReportBaseline | None = Field(description="The baseline run (null when none).")
    comparisons_off: bool = Field(
        description="Whether the experiment file switches comparisons off (baseline.strategy: none): no baseline is"
        " looked for, so a run without one named is judged by its own result alone."
    )
    comparison: ReportComparison | None = Field(description="The comparison with the baseline (null when none).")
    metrics: tuple[ReportMetric, ...] = Field(description="Every metric: key metrics, configured ones, the rest.")
    datapoints: ReportDatapoints = Field(description="The datapoints that failed or errored.")
    degraded: tuple[Degraded, ...] = Field(
        description="Per metric that got significantly worse or failed its gate: datapoints that got worse."
    )
    trend: tuple[ReportTrendPoint, ...] = Field(description="The key metrics in earlier baseline runs, oldest first.")
    trend_rows: tuple[TrendRow, ...] = Field(
        description="The key metrics over the earlier runs and this one, as the comment's trend shows them."
    )
    notes: tuple[str, ...] = Field(description="Notes shown with the report.")
    trials: int = Field(ge=1, description="How many times each datapoint ran (trials).")
    totals: ReportTotals | None = Field(
        description="This run's total cost and duration percentiles, from the backend (null: no efficiency metrics)."
    )
    baseline_totals: ReportTotals | None = Field(description="The same of the baseline run (null: none).")
    unpriced: tuple[ReportUnpriced, ...] = Field(
        description="LLM calls without a cost, per model and reason: the cost metrics leave them out."
    )
    table: ReportTable | None = Field(
        description="Every datapoint of the two runs, read back from the backend (null when it was not read)."
    )
    html: ReportHtml | None = Field(description="Where the HTML report of every datapoint is (null: none written).")

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_a_number(cls, value: Any) -> Any:
        if isinstance(value, bool):  # true == 1 in Python, not in JSON
            raise PydanticCustomError("literal_error", "Input should be 1")
        return value

    @property
    def html_lists_all(self) -> bool:
        """Whether the HTML report is written and its table lists every datapoint (it holds the 5,000 worst)."""
        return self.html is not None and self.table is not None and len(self.table.rows) >= self.table.total

    @property
    def headline(self) -> str:
        """ "47 of 50 datapoints passed, 3 failed" (the backend's counts), or what happened instead. With evaluator
        errors "49 of 50 datapoints ran, 1 failed; 12 datapoints with evaluator errors": the backend passes a datapoint
        whose metric has no value, so "passed" would read as the opposite of a verdict that fails on them. Datapoints,
        not trials nor evaluators: one evaluator or more raising on any of a datapoint's trials counts it once, and one
        whose function raised or timed out on every trial did not run (the backend fails it)."""
        counts = self.counts
        if counts.total is None or counts.passed is None:
            return "the experiment could not be evaluated" if self.verdict is Verdict.ERROR else "nothing was evaluated"
        if counts.total == 0:
            return "no datapoints were evaluated"
        errors = [row.id for row in self.datapoints.errored if row.status == "evaluator_error"]
        raised = len(set(errors))
        if raised:
            crashed: dict[str, set[int | None]] = {}  # per datapoint, the trials its function raised or timed out on
            for row in self.datapoints.errored:
                if row.status in ("function_error", "timeout"):
                    crashed.setdefault(row.id, set()).add(row.trial)
            never = sum(1 for trials in crashed.values() if len(trials) >= self.trials)
            ran = counts.passed + (counts.failed or 0) - never
            text = f"{ran:,} of {counts.total:,} datapoints ran"
        else:
            text = f"{counts.passed:,} of {counts.total:,} datapoints passed"
        if counts.failed:
            text += f", {counts.failed:,} failed"
        if counts.unrecorded:
            text += f", {counts.unrecorded:,} not recorded"
        if raised:
            which = "an evaluator error" if len(errors) == 1 else "evaluator errors"
            text += f"; {counted(raised, 'datapoint')} with {which}"
        return text

    @property
    def trials_text(self) -> str:
        """``3 trials per datapoint`` (empty without trials)."""
        return f"{self.trials:,} trials per datapoint" if self.trials > 1 else ""

    @property
    def quality_metrics(self) -> tuple[ReportMetric, ...]:
        """The metrics of the main table: every one but the built-in efficiency metrics."""
        return tuple(m for m in self.metrics if not m.efficiency)

    @property
    def efficiency_metrics(self) -> tuple[ReportMetric, ...]:
        """The built-in efficiency metrics the backend reported (tokens, calls, cost, duration), in display order."""
        return tuple(m for m in self.metrics if m.efficiency)

    @property
    def totals_text(self) -> str:
        """``This run: total cost $1.23 … · baseline: total cost $1.10 (excludes 3 LLM calls) …`` (empty without
        totals): each run's sums over its own datapoints, with the LLM calls each cost leaves out (no price, no token
        usage, outside every datapoint: the cost rows' counts), and the datapoints only one run has."""
        if self.totals is None or not self.totals.text():
            return ""
        left = {m.name: (m.baseline_left_out, m.left_out) for m in self.efficiency_metrics}
        (old, new), (old_judge, new_judge) = (left.get(name, (0, 0)) for name in ("cost_usd", "judge_cost_usd"))
        text = f"This run: {self.totals.text((new, new_judge))}"
        if self.baseline_totals is None or not self.baseline_totals.text():
            return text
        text += f"; baseline: {self.baseline_totals.text((old, old_judge))}"
        shared = self.comparison
        apart = shared and changes_text(shared.new_only_datapoints, shared.old_only_datapoints)
        return text + (f" (sums over each run's own datapoints: {apart})" if apart else "")

    @property
    def unpriced_text(self) -> str:
        """``cost excludes 12 calls to unpriced model my-ft-model (pricing: …)``, then the calls that reported no
        token usage, those the client gave up on and the failed ones, each with what to do (empty when every call was
        answered and priced); with trials, ``across 3 trials: …``: the calls of every trial, beside a cost per pass
        over the dataset."""

        def said(reason: UnpricedReason, text: str) -> str:
            return ", ".join(
                text.format(counted(u.calls, "judge call" if u.judge else "call"), u.model)
                for u in self.unpriced
                if u.reason == reason
            )

        parts = []
        if calls := said("no_price", "{} to unpriced model {}"):
            parts.append(f"cost excludes {calls} (pricing: in the experiment file prices them)")
        if calls := said("no_usage", "{} to {} without token usage"):
            parts.append(
                f"cost excludes {calls} (a stream reports it when asked with"
                ' stream_options={"include_usage": True} and read to its end)'
            )
        if calls := said("given_up", "{} to {}"):
            parts.append(
                f"cost excludes {calls} given up on by the client (a timeout, a lost connection, an answer it"
                " refused: a provider may bill each, its retries too)"
            )
        if calls := said("failed", "{} to {}"):
            parts.append(f"failed: {calls} (the server's error, no usage reported: counted in no metric)")
        across = f"across {self.trials:,} trials: " if self.trials > 1 and parts else ""
        return across + "; ".join(parts)

    @property
    def trials_differ_text(self) -> str:
        """``baseline: 1 trial, this run: 5`` when the baseline ran a different number of trials, else empty."""
        baseline = self.baseline
        if baseline is None or baseline.trials == self.trials:
            return ""
        return f"baseline: {counted(baseline.trials, 'trial')}, this run: {self.trials:,}"

    @property
    def trend_labels(self) -> tuple[str, ...]:
        return (*(point.label for point in self.trend[-TREND_POINTS:]), "this run") if self.trend_rows else ()


def report_json(report: Report) -> dict[str, Any]:
    """``report.json``: the report's JSON."""
    return report.model_dump(mode="json")


# ================================================================================================ reading


class _Ids(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PublishedRunIds(_Ids):
    id: str | None
    pr_number: int | None
    head_sha: str | None


class PublishedBaselineIds(_Ids):
    run_id: str


class PublishedReport(_Ids):
    """What ``mode: publish`` reads of a ``report.json``: its ids alone, each checked against the backend before
    it decides anything. The rest is not read, so a report written by another version of the action (fields are
    only ever added) is published too."""

    version: Literal[1]
    run: PublishedRunIds
    baseline: PublishedBaselineIds | None = None


def load_report(path: str | os.PathLike[str]) -> Report:
    """Read and validate a ``report.json``, exactly as the model allows it.

    Raises:
        ReportError: the file is missing or unreadable, is not JSON, or is not a valid report (the first
            problem, with its location as the ``key``: ``run.pr_number``, ``metrics[0].value``).
    """
    return _read(path, Report)


_PUBLISHED_MOST: Final = 64 * 1024 * 1024  # bytes of a report.json that publish reads


def load_published(path: str | os.PathLike[str]) -> PublishedReport:
    """The ids of a ``report.json`` for ``mode: publish``; ReportError as :func:`load_report`, and for one of more
    than 64 MiB: the pull request's artifact, never read whole."""
    return _read(path, PublishedReport, most=_PUBLISHED_MOST)


_M = TypeVar("_M", bound=BaseModel)


def _read(path: str | os.PathLike[str], model: type[_M], *, most: int | None = None) -> _M:
    shown = os.fspath(path)
    try:
        raw = read_regular(shown, -1 if most is None else most + 1)
    except FileNotFoundError:
        raise ReportError("does not exist (download the run job's artifact first)", file=shown) from None
    except NotAFile as exc:  # a named pipe's read waits for a writer for ever, /dev/zero's never ends
        raise ReportError(f"is {exc}: give a regular file path", file=shown) from None
    except OSError as exc:
        raise ReportError(f"cannot be read: {exc.strerror or exc}", file=shown) from None
    if most is not None and len(raw) > most:
        raise ReportError(
            f"refusing to publish: it is more than the {most >> 20} MiB publish reads of a report.json", file=shown
        )
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
    first = problems[0]
    if first["type"] == "json_invalid":
        raise ReportError(f"not JSON ({first.get('ctx', {}).get('error', first['msg'])})", file=shown)
    raise ReportError(and_more([str(p["msg"]) for p in problems], 1, "; "), file=shown, key=_location(first) or None)


def _location(error: ErrorDetails) -> str:
    """``run.pr_number``, ``metrics[0].value``: where a validation error is, as a reader would write it."""
    where = ""
    for part in error["loc"]:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            where += f".{part}" if where else part
    return where


# ================================================================================================ schema


class _SchemaGenerator(GenerateJsonSchema):
    """Pydantic's JSON Schema without a title on every field (the descriptions say more)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``report.json``, generated from :class:`Report` and committed as
    ``schemas/report.schema.json``."""
    schema = Report.model_json_schema(schema_generator=_SchemaGenerator)
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": REPORT_SCHEMA_ID,
        "title": _SCHEMA_TITLE,
        **schema,
    }


def report_json_schema_text() -> str:
    """:func:`report_json_schema` serialized exactly as the committed ``schemas/report.schema.json``."""
    return json.dumps(report_json_schema(), indent=2, ensure_ascii=True) + "\n"

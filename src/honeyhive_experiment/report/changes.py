"""Changes told apart from noise, as the report shows them: a metric row's status, the pass/fail flips line,
and the datapoints that got worse.

The numbers come from :mod:`honeyhive_experiment.significance` applied in the flow to the backend's own
counts (:func:`honeyhive_experiment.verdict.assess_comparison`); this module only words them. A row's status:

* ``better`` / ``worse`` — significant (Holm-corrected sign test at or below alpha), with its p-value;
* ``within noise`` — datapoints changed both ways, or too few one way, to tell (its p-value);
* ``too few changes to tell`` — not even a unanimous change of that many datapoints could be significant;
* ``same`` — no common datapoint changed; ``new`` / ``not in this run`` — the metric is in one run only.

Without the backend's improved/degraded counts (an older backend), the status falls back to the sign of the
backend's difference (``better`` / ``worse`` / ``same``), and says nothing about noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from honeyhive_experiment.significance import Assessment, describe

__all__ = ["CHANGE_TEXT", "DegradedRow", "DegradedView", "FlipsView", "flips_view", "significant_change"]

CHANGE_TEXT: Final = {
    "better": "🟢 better",
    "worse": "🔴 worse",
    "within noise": "⚪ within noise",
    "too few changes to tell": "⚪ too few changes to tell",
    "same": "⚪ same",
    "new": "🆕 new",
    "removed": "➖ not in this run",
}
"""A status as the comment shows it (the terminal and report.json use the plain word)."""


def significant_change(assessment: Assessment | None, by_difference: str | None) -> tuple[str | None, str | None]:
    """A row's ``(change, significance text)``: from the assessment when there is one, else the change the
    backend's difference shows (``by_difference``), with no significance text. ``new`` and ``removed`` stay."""
    if assessment is None or by_difference in ("new", "removed"):
        return by_difference, None
    if assessment.better + assessment.worse == 0:
        return "same", None
    return assessment.change.value, describe(assessment)


@dataclass(frozen=True, slots=True)
class DegradedRow:
    """A datapoint that got worse on one metric (the backend's list), with a preview of its inputs."""

    id: str
    inputs: str


@dataclass(frozen=True, slots=True)
class DegradedView:
    """The datapoints that got worse on one metric: the first few of the backend's list, and how many in all."""

    label: str
    total: int
    rows: tuple[DegradedRow, ...]


@dataclass(frozen=True, slots=True)
class FlipsView:
    """Datapoints that went from passing to failing (and back) between the baseline and this run."""

    pass_to_fail: int
    fail_to_pass: int
    change: str
    significance: str
    text: str


def flips_view(assessment: Assessment | None) -> FlipsView | None:
    """The pass/fail line under the table; ``None`` without a flip (or without both runs' results).

    The assessment's ``better`` count is the fail→pass flips and ``worse`` the pass→fail ones (McNemar)."""
    if assessment is None or assessment.better + assessment.worse == 0:
        return None
    significance = describe(assessment)
    text = (
        f"{assessment.worse:,} datapoint(s) went from passing to failing and {assessment.better:,} from failing to"
        f" passing: {assessment.change.value} ({significance})"
    )
    return FlipsView(assessment.worse, assessment.better, assessment.change.value, significance, text)

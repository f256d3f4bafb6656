"""``report.numbers``: metric numbers, differences, percentage changes and ages as the report shows them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from honeyhive_experiment.report import (
    format_delta,
    format_number,
    format_percentage_change,
    humanize_age,
)
from tests.honeyhive_experiment.report.scenarios import (
    NOW,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "spec", "percent", "expected"),
    [
        (None, None, False, "—"),
        (0, None, False, "0"),
        (42.0, None, False, "42"),
        (0.8467, None, False, "0.847"),
        (12.345, None, False, "12.3"),
        (123.45, None, False, "123"),
        (999.4, None, False, "999"),
        (999.6, None, False, "1,000"),
        (1234567.8, None, False, "1,234,568"),
        (0.000123, None, False, "0.000123"),
        (0.0000123, None, False, "1.23e-05"),
        (-0.5, None, False, "-0.5"),
        (0.8333, None, True, "83.3%"),
        (0.8333, ".2f", True, "0.83"),
        (1234.5678, ",.1f", False, "1,234.6"),
        (0.5, "d", False, "0.5"),  # an integer spec cannot show a fraction: the default instead
        (float("inf"), None, False, "inf"),
    ],
)
def test_format_number(value: float | None, spec: str | None, percent: bool, expected: str) -> None:
    assert format_number(value, spec, percent=percent) == expected


@pytest.mark.parametrize(
    ("value", "spec", "percent", "expected"),
    [
        (None, None, False, "—"),
        (0.0344, ".3f", False, "+0.034"),
        (-153.58, ",.0f", False, "-154"),
        (-0.04, None, True, "-4.0 pp"),
        (0.0004, ".2f", False, "0.00"),  # too small for the format: no sign, counts as "same"
        (0.0, None, False, "0"),
        (0.05, ".1%", False, "+5.0 pp"),
        # a spec's own sign flag gives way to the difference's sign, not "-+0.30" or "++5.0 pp"
        (-0.3, "+.2f", False, "-0.30"),
        (0.05, "+.1%", False, "+5.0 pp"),
        (-0.3, " .2f", False, "-0.30"),
        (0.3, "*>+8.2f", False, "+****0.30"),  # a fill and an alignment before the flag stay
        (0.0001, "+.2f", False, "0.00"),
    ],
)
def test_format_delta(value: float | None, spec: str | None, percent: bool, expected: str) -> None:
    assert format_delta(value, spec, percent=percent) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "—"), (4.2349, "+4.2%"), (-11.6326, "-11.6%"), (0.01, "0.0%"), (12345.6, "+12,345.6%")],
)
def test_format_percentage_change(value: float | None, expected: str) -> None:
    assert format_percentage_change(value) == expected


@pytest.mark.parametrize(
    ("delta_", "expected"),
    [
        (timedelta(seconds=30), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(hours=5, minutes=59), "5 hours ago"),
        (timedelta(days=3, hours=2), "3 days ago"),
        (timedelta(days=45), "1 month ago"),
        (timedelta(days=800), "2 years ago"),
        (timedelta(days=-1), "just now"),  # a clock ahead of ours
    ],
)
def test_humanize_age(delta_: timedelta, expected: str) -> None:
    assert humanize_age(NOW - delta_, NOW) == expected


def test_humanize_age_takes_naive_datetimes_as_utc() -> None:
    assert humanize_age(datetime(2025, 3, 1, 12, 0), NOW) == "3 days ago"


@pytest.mark.parametrize(
    ("dollars", "shown"),
    [
        (0.0, "$0.00"),
        (0.00041, "$0.000410"),  # a run of a few small calls: it was "$0.00", beside a +1,566.7% change
        (0.0000179, "$0.0000179"),
        (0.0179, "$0.0179"),
        (0.999, "$0.999"),
        (1.0, "$1.00"),
        (1234.5678, "$1,234.57"),
    ],
)
def test_dollars_keep_three_significant_digits_below_one(dollars: float, shown: str) -> None:
    from honeyhive_experiment.report.model import ReportTotals
    from honeyhive_experiment.report.numbers import format_usd

    assert format_usd(dollars) == shown
    totals = ReportTotals(
        cost_usd=dollars, judge_cost_usd=0.0000663, duration_p50_ms=None, duration_p95_ms=None, trials=1
    )
    assert totals.text == f"total cost {shown} + $0.0000663 (judge)"
    # with trials the backend summed each datapoint's mean over its trials: one pass's cost, not the run's
    per_pass = f"cost {shown} + $0.0000663 (judge) per pass over the dataset (mean of 3 trials)"
    assert totals.model_copy(update={"trials": 3}).text == per_pass


def test_a_duration_under_a_millisecond_is_not_zero() -> None:
    """A function that answers in 0.16 ms read "duration p50 0 ms"."""
    from honeyhive_experiment.report.model import ReportTotals

    totals = ReportTotals(cost_usd=None, judge_cost_usd=None, duration_p50_ms=0.159, duration_p95_ms=1234.5, trials=1)
    assert totals.text == "duration p50 < 1 ms, p95 1,234 ms"

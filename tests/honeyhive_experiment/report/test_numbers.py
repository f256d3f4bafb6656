"""``report.numbers``: metric numbers, differences, percentage changes and ages as the report shows them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from honeyhive_experiment.report import (
    format_delta,
    format_number,
    format_percentage_change,
    humanize_age,
    numbers,
)
from honeyhive_experiment.report.numbers import bin_values, format_apart, format_bound, format_range, format_value
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
    assert totals.text() == f"total cost {shown} + $0.0000663 (judge)"
    # with trials the backend summed each datapoint's mean over its trials: one pass's cost, not the run's
    per_pass = f"cost {shown} + $0.0000663 (judge) per pass over the dataset (mean of 3 trials)"
    assert totals.model_copy(update={"trials": 3}).text() == per_pass


def test_a_duration_under_a_millisecond_is_not_zero() -> None:
    """A function that answers in 0.16 ms read "duration p50 0 ms"."""
    from honeyhive_experiment.report.model import ReportTotals

    totals = ReportTotals(cost_usd=None, judge_cost_usd=None, duration_p50_ms=0.159, duration_p95_ms=1234.5, trials=1)
    assert totals.text() == "duration p50 < 1 ms, p95 1,234 ms"


# A number judged against a bound is never rounded onto or across it, and a bound shown reads as itself (audit F2,
# F3): each row's number is on one side of its bound, shown on that side, with no more digits than that takes.
@pytest.mark.parametrize(
    ("value", "spec", "percent", "low", "high", "expected"),
    [
        (0.4996, ".2f", False, 0.5, None, "0.4996"),  # failed min 0.5: not "0.50" beside "≥ 0.50"
        (0.7996, ".0%", False, 0.8, None, "79.96%"),  # failed min 80%: not "80%" beside "≥ 80%"
        (0.94, ".1f", False, None, 0.9, "0.94"),  # failed max 0.9: not "0.9" beside "≤ 0.9"
        (0.9, ".1f", False, None, 0.9, "0.9"),  # at the bound: passes, and reads so
        (0.5004, ".2f", False, 0.5, None, "0.50"),  # passed: rounded onto an inclusive bound reads as passing
        (0.5004, ".2f", False, 0.5004, None, "0.5004"),  # ... at it exactly: 0.50 < 0.5004 would read failed
        (0.5003, ".2f", False, 0.5004, None, "0.50"),  # failed: 0.50 reads below 0.5004 already
        (0.0035, ".2f", False, 0.004, None, "0.00"),
        (0.0045, ".2f", False, 0.004, None, "0.004"),  # passed: 0.00 would read below 0.004
        (0.49999999999999994, ".2f", False, 0.5, None, "0.4999999999999999"),  # as many digits as it takes
        (0.45, ".2f", False, 0.5, 0.9, "0.45"),  # clear of both bounds: as formatted
        (0.95, ".2f", False, 0.5, 0.9, "0.95"),
        (0.6666666666666666, None, True, 1.0, None, "66.7%"),  # a boolean's mean of trials, in percent
        (0.9996, None, True, 1.0, None, "99.96%"),
        (0.9996, None, False, 1.0, None, "0.9996"),  # the default's three digits, then more
        (1234.5, None, False, None, 1234.6, "1,234"),
        (1234.7, None, False, None, 1234.6, "1,235"),
        (5, "d", False, 6, None, "5"),  # an integer reads as itself
        (0.4996, "+.2f", False, 0.5, None, "+0.4996"),  # a spec's flags stay
        (0.4996, "*>8.2f", False, 0.5, None, "**0.4996"),
        (0.4996, ".2", False, 0.5, None, "0.4996"),
        (0.4996, "z.2e", False, 0.5, None, "4.996e-01"),
        (0.4996, "", False, 0.5, None, "0.4996"),
        # every float type and grouping of a format spec (audit: "n" was not widened, 0.7996 read "0.8" beside "≥ 0.8")
        (0.7996, ".2n", False, 0.8, None, "0.7996"),
        (0.7996, ".1n", False, None, 0.7, "0.8"),  # past max 0.7 already
        (0.7996, "n", False, 0.8, None, "0.7996"),
        (0.7996, ".2F", False, 0.8, None, "0.7996"),
        (0.7996, ".2G", False, 0.8, None, "0.7996"),
        (0.7996, ".1E", False, 0.8, None, "7.996E-01"),
        (1234.4996, ",.2f", False, 1234.5, None, "1,234.4996"),
        (1234.4996, "_.2f", False, 1234.5, None, "1_234.4996"),
        (12.344996, ",.2%", False, 12.345, None, "1,234.4996%"),
        (12.344996, "_.2%", False, 12.345, None, "1_234.4996%"),
        (1234.4996, ",", False, 1234.5, None, "1,234.4996"),
        # float's "%" is its hundredfold rounded: 0.7999999999999999 is "80.00000000000000%" at any precision
        (0.7999999999999999, ".0%", False, 0.8, None, "79.99999999999999%"),
        # the smallest magnitudes (audit: below about 1e-17 nothing was widened)
        (1e-20, ".2f", False, None, 0.0, "0.00000000000000000001"),
        (1e-20, None, True, None, 0.0, "0.000000000000000001%"),
        (1e-30, ".2f", False, None, 0.0, "1e-30"),  # past NUMBER_WIDTH: in exponent form
        (1e-30, ".2%", False, None, 0.0, "1e-28%"),
        # e, g and n specs too (audit: ".20e" beside min 0.2 was the 27 characters 1.999900000000000011013e-01)
        (0.19999, ".20e", False, 0.2, None, "1.9999e-01"),
        (1.9999e-10, ".20g", False, 2e-10, None, "1.9999e-10"),
        (1.9999e-10, ".20n", False, 2e-10, None, "1.9999e-10"),
        (1.0000000000000003e-18, ".2f", False, None, 1e-18, "1.0000000000000003e-18"),  # the next float past it
        (1e-18, ".2f", False, None, 1e-18, "0.00"),  # at it: held
        # past NUMBER_WIDTH, never fewer digits than the text it widens (2.67, below the min): not 3e+00
        (2.6749, ".25f", False, 2.6745, None, "2.675e+00"),
        (True, ".2f", False, 1.5, None, "true"),
        (None, ".2f", False, 0.5, None, "—"),
    ],
)
def test_a_value_reads_on_the_side_of_its_passing_range_it_is_on(
    value: float | None, spec: str | None, percent: bool, low: float | None, high: float | None, expected: str
) -> None:
    assert format_value(value, spec, percent=percent, low=low, high=high) == expected


# (value, the bounds it is judged against (low, high), a narrow spec, its padding to more than NUMBER_WIDTH)
PADDED: list[tuple[float, float | None, float | None, str, str]] = [
    (0.4996, 0.5, None, ".3%", ">30"),  # was "4.996e+01%" (and "50%" unjudged): 30 is past NUMBER_WIDTH
    (0.4996, 0.5, None, ".2f", "*^31"),
    (0.79995, 0.8, None, ".0%", "*<25"),  # "79.995%" then its padding: a "%" followed by "*" is still a percentage
    (0.4996, None, None, ".3f", ">40"),
    (0.7996, 0.8, None, ".2n", ">30"),
    (0.19999, 0.2, None, ".20e", ">30"),  # its own digits past NUMBER_WIDTH: in exponent form, then padded
    (1e-30, None, 0.0, ".2f", ">30"),  # "1e-30", padded
    (1e30, None, None, ".2f", "<26"),  # "1e+30", padded
    (1234.4996, 1234.5, None, ",.2f", ">30"),
    (12.344996, 12.345, None, "_.2%", "^30"),
]


@pytest.mark.parametrize(("value", "low", "high", "spec", "pad"), PADDED)
def test_a_spec_wider_than_a_number_is_shown_as_the_narrow_one_padded(
    value: float, low: float | None, high: float | None, spec: str, pad: str
) -> None:
    """A width past NUMBER_WIDTH (``>30.3%``) is padding: the number is shown as without it (the same digits, not in
    exponent form: 0.4996 beside ``min: 0.5`` was ``4.996e+01%``), then padded to it."""
    align, width = pad[:-2], pad[-2:]
    wide = f"{align}{width}{spec}"
    narrow = format_value(value, spec, low=low, high=high)
    assert format_value(value, wide, low=low, high=high) == format(narrow, pad)
    assert format_number(value, wide) == format(format_number(value, spec), pad)
    assert len(format_value(value, wide, low=low, high=high)) == int(width)


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (0.4996, "030.2f", "0.4996".rjust(30, "0")),
        (0.4996, "=+30.2f", "+" + "0.4996".rjust(29)),  # the sign first, as Python pads a number
        (0.4996, "+030.2f", "+" + "0.4996".rjust(29, "0")),
        (1e30, "030.2f", "1e+30".rjust(30, "0")),  # past NUMBER_WIDTH: its zeros read as the same number
    ],
)
def test_a_wide_zero_padded_or_sign_aware_spec_pads_as_python_does(value: float, spec: str, expected: str) -> None:
    """Zero padding or ``=`` alignment pads after a number's sign, not as a text is padded."""
    assert format_value(value, spec, low=0.5 if value < 1 else None) == expected


@pytest.mark.parametrize(
    ("value", "spec", "low", "high", "expected"),
    [
        # "=": the sign apart from the digits, which were read as positive (+0.50 is not below -0.5)
        (-0.5004, "=+10.2f", -0.5, None, "-   0.5004"),
        (-0.4996, "=+10.2f", -0.5, None, "-     0.50"),  # not past: as the spec shows it
        (-0.5004, "*=+10.2f", -0.5, None, "-***0.5004"),
        (-0.5004, "=10.2f", -0.5, None, "-   0.5004"),
        (0.5004, "=+10.2f", None, 0.5, "+   0.5004"),
        # a fill of "-" is no minus sign ("------0.50" read as -0.50, below min 0.5)
        (0.4996, "->10.2f", 0.5, None, "----0.4996"),
        (0.5004, "->10.2f", None, 0.5, "----0.5004"),
        (-0.4996, "->10.2f", None, -0.5, "----0.4996"),  # above max -0.5: the number's own minus, after the fill
        (0.4996, "-<10.2f", 0.5, None, "0.4996----"),
        (0.4996, "-^10.2f", 0.5, None, "--0.4996--"),
        (0.4996, "+>10.2f", 0.5, None, "++++0.4996"),
        (0.4996, ".>10.2f", 0.5, None, "....0.4996"),  # a fill of "." read as ".0"
        (0.79995, "-<10.0%", 0.8, None, "79.995%---"),
        (0.4996, "0>10.2f", 0.5, None, "00000.4996"),  # a fill of digits is read as digits
    ],
)
def test_a_padded_value_reads_its_sign_and_digits_past_the_fill(
    value: float, spec: str, low: float | None, high: float | None, expected: str
) -> None:
    """numbers._read took the sign from the text: ``=`` alignment puts it apart from the digits (``-     0.50``,
    read +0.50), and a fill of ``-`` or ``+`` read as one: the value was then shown rounded onto its bound."""
    assert format_value(value, spec, low=low, high=high) == expected


@pytest.mark.parametrize(
    ("bound", "spec", "expected"),
    [(-0.5004, "=+10.2f", "-   0.5004"), (0.4996, "->10.2f", "----0.4996"), (0.004, "-<8.2f", "0.004---")],
)
def test_a_padded_bound_reads_as_itself(bound: float, spec: str, expected: str) -> None:
    assert format_bound(bound, spec) == expected


@pytest.mark.parametrize(
    ("low", "high", "spec", "percent", "expected"),
    [
        (0.004, None, ".2f", False, "≥ 0.004"),  # not "≥ 0.00", a different bound
        (None, 0.9, ".1f", False, "≤ 0.9"),
        (0.5, 0.95, ".1f", False, "0.5 – 0.95"),
        (0.8, None, ".0%", False, "≥ 80%"),
        (0.805, None, ".0%", False, "≥ 80.5%"),
        (1.0, None, None, True, "≥ 100.0%"),
        (0.1234567, None, None, False, "≥ 0.1234567"),
        (1e-05, None, None, False, "≥ 1.00e-05"),
        (None, None, ".2f", False, "—"),
    ],
)
def test_a_passing_range_reads_as_its_bounds(
    low: float | None, high: float | None, spec: str | None, percent: bool, expected: str
) -> None:
    assert format_range(low, high, spec, percent=percent) == expected


@pytest.mark.parametrize(
    ("bound", "spec", "expected"),
    [
        (0.02, "g", "0.02"),
        (0.1234567, "g", "0.1234567"),
        (1000, "g", "1000"),
        (0.59, ".1f", "0.59"),
        (0.805, ".1n", "0.805"),  # not "0.8", a different bound
        (1e-30, ".2f", "1e-30"),  # not "0.00"
        (0.12345, ".20e", "1.2345e-01"),  # not "0.123" (format_number's three digits past NUMBER_WIDTH)
        (0.12345, ".20g", "0.12345000000000000417"),  # its spec's digits of the float, as the value at it reads
        (0.7999999999999999, ".0%", "79.99999999999999%"),  # not "80%"
        (float("inf"), ".2f", "inf"),
    ],
)
def test_a_bound_reads_as_itself(bound: float, spec: str, expected: str) -> None:
    assert format_bound(bound, spec) == expected


@pytest.mark.parametrize(
    ("value", "spec", "percent", "bound", "past", "expected"),
    [
        (-0.0201, ".2f", False, 0.02, True, "-0.0201"),  # crossed max_drop 0.02: not "-0.02"
        (-0.020000000000000018, ".2f", False, 0.02, False, "-0.02"),  # held (float noise): at the bound
        (-0.0199, ".2f", False, 0.02, False, "-0.02"),  # held: at most 0.02 reads as held
        (-0.0500001, None, True, 0.05, True, "-5.00001 pp"),
        (-0.050000000000000044, None, True, 0.05, False, "-5.0 pp"),
        (-0.0049, ".2f", False, 0.004, True, "-0.005"),  # not "0.00" beside a gate it failed
        (-0.0049, ".2f", False, None, False, "0.00"),  # no gate: too small to show
        (-0.0244, ".2f", False, 0.0241, True, "-0.0244"),
        (-1e-9, ".2f", False, 0.0, True, "-0.000000001"),
        (0.3, "*>+8.2f", False, 0.2, True, "+****0.30"),
        (-0.0201, ".2n", False, 0.02, True, "-0.0201"),  # not "-0.02"
        (-1e-20, ".2f", False, 0.0, True, "-0.00000000000000000001"),  # not "0.00"
        (-1e-30, None, True, 0.0, True, "-1e-28 pp"),
    ],
)
def test_a_difference_reads_on_the_side_of_its_gate_the_verdict_put_it(
    value: float, spec: str | None, percent: bool, bound: float | None, past: bool, expected: str
) -> None:
    assert format_delta(value, spec, percent=percent, bound=bound, past=past) == expected


@pytest.mark.parametrize(
    ("value", "bound", "past", "expected"),
    [
        (5.04, 5, True, "+5.04%"),  # crossed max_worse_pct 5: not "+5.0%"
        (5.000000000000004, 5, False, "+5.0%"),  # held (float noise)
        (-0.04, 0.01, True, "-0.04%"),  # not "0.0%" beside a gate it failed
        (-0.04, None, False, "0.0%"),
        (-4.96, 5, False, "-5.0%"),
        (1234.56, 1234.5, True, "+1,234.6%"),  # past the bound already
    ],
)
def test_a_percentage_change_reads_on_the_side_of_its_gate_the_verdict_put_it(
    value: float, bound: float | None, past: bool, expected: str
) -> None:
    assert format_percentage_change(value, bound=bound, past=past) == expected


@pytest.mark.parametrize(
    ("old", "new", "spec", "low", "expected"),
    [
        (0.4996, 0.5004, ".2f", None, ("0.4996", "0.5004")),  # both read 0.50: "0.50 → 0.50, better"
        (0.5, 0.5004, None, None, ("0.5", "0.5004")),  # three significant digits: both 0.5
        (0.0001, 0.0002, ".1f", None, ("0.0001", "0.0002")),
        (0.5, 0.5000001, None, None, ("0.5", "0.5000001")),
        (0.25, 0.75, ".0%", None, ("25%", "75%")),  # apart already: as format_value shows them
        (1.0, 1.0, ".2f", None, ("1.00", "1.00")),  # the same value reads the same
        (True, False, None, None, ("true", "false")),
        (None, 0.5, ".2f", None, ("—", "0.50")),
        (0.4996, 0.5004, ".2f", 0.5, ("0.4996", "0.50")),  # the passing range's bound already tells them apart
        (0.5051, 0.5149, ".2f", 0.5051, ("0.5051", "0.5149")),  # not 0.505: below the min: 0.5051 it passed
        (1.0, 0.9999, ".2f", None, ("1.000", "0.9999")),  # 1.0's own digits run out first: not 1.00 → 1.00
        (0.5, 0.5001, ".2f", None, ("0.500", "0.5001")),
        (2.0, 2.0001, ".1f", None, ("2.00", "2.0001")),  # not 2.00 → 2.000: texts that read the same number
    ],
)
def test_two_values_of_a_datapoint_that_differ_never_read_the_same(
    old: bool | float | None, new: bool | float | None, spec: str | None, low: float | None, expected: tuple[str, str]
) -> None:
    """The HTML report's cells and scatter said "was 0.50" beside 0.50 for a datapoint the comparison called better."""
    assert format_apart(old, new, spec, low=low) == expected


@pytest.mark.parametrize(
    ("old", "new", "spec", "low", "high"),
    [
        (0.24, 0.24000000000000005, None, 0.24, None),  # read 0.23999999999999999: below its min as a reader reads it
        (0.682, 0.6819999999999998, None, None, 0.682),  # read 0.6820000000000001: above its max
        (0.4, 0.39999999999999997, ".3g", None, 0.4),
    ],
)
def test_a_value_at_its_bound_never_reads_past_it_to_be_told_apart(
    old: float, new: float, spec: str | None, low: float | None, high: float | None
) -> None:
    """Audit 45a: two values a float apart, one equal to a bound, widened until they differ: the one at the bound
    read as its float's 17 digits, on the wrong side of the bound beside it. Each text, read as a number, stays on its
    value's side of the bounds (they are left reading the same rather than that)."""
    for value, text in zip((old, new), format_apart(old, new, spec, low=low, high=high), strict=True):
        said = Decimal(text)
        assert (low is None or said >= Decimal(repr(low))) == (low is None or value >= low), (value, text)
        assert (high is None or said <= Decimal(repr(high))) == (high is None or value <= high), (value, text)


def _reads(text: str, value: float) -> bool:
    """Whether ``text`` (a number, ``%``: a percentage) reads as the float ``value``."""
    said = Decimal(text.removesuffix("%")).scaleb(-2 if text.endswith("%") else 0)
    return float(said) == value


@pytest.mark.parametrize(
    ("value", "spec"),
    [
        (value, spec)
        for value in (0.1, 0.3, 0.3333333333333333, 0.7, 2.675, 0.12345, 123456.789)
        for spec in (".20f", ".20g", ".17g", ".18f", ".20%", ".16e")
        # else three digits, which widen to read on their side; and a spec's text that reads the float: 1/3 in .20%
        # is its hundredfold, 33.33333333333332859638%, which reads the float below it (a bound reads as itself)
        if len(format(value, spec)) <= numbers.NUMBER_WIDTH and _reads(format(value, spec), value)
    ],
)
def test_a_value_at_its_bound_reads_as_its_spec_shows_it(value: float, spec: str) -> None:
    """A spec with more digits than a float has shows its binary digits (0.1 in ``.20g`` is 0.10000000000000000555),
    the float itself: a value equal to its bound was read against the bound's decimal (0.1), as past a max and
    widened, to ``1e-01`` (0.3 at a min: ``3e-01``), and the bound itself too, beside the aggregate's
    0.10000000000000000555."""
    shown = format_number(value, spec)
    assert format_value(value, spec, low=value) == format_value(value, spec, high=value) == shown
    assert format_bound(value, spec) == format_range(value, None, spec)[2:] == shown


@pytest.mark.parametrize(
    ("old", "new", "spec", "expected"),
    [
        (-0.0, 0.0, ".2f", ("0.00", "0.00")),  # the same number: not "-0.00" beside "0.00"
        (-0.0, -0.0, ".1%", ("0.0%", "0.0%")),
        (-0.0001, 0.0001, ".2f", ("-0.0001", "0.0001")),  # different numbers: not "-0.00" and "0.00"
        (0.0004, -0.0004, "+.2f", ("+0.0004", "-0.0004")),
        (0.0004, -0.0004, "=+10.2f", ("+   0.0004", "-   0.0004")),
        (-0.004, 0.004, ".0%", ("-0.4%", "0.4%")),
        (-0.0001, 0.0, ".2f", ("-0.0001", "0.000")),
    ],
)
def test_negative_zero_reads_as_zero_and_tiny_values_of_opposite_signs_apart(
    old: float, new: float, spec: str, expected: tuple[str, str]
) -> None:
    assert format_apart(old, new, spec) == expected


def test_negative_zero_reads_as_zero_wherever_a_value_is_shown() -> None:
    assert format_value(-0.0, ".2f") == "0.00"
    assert format_value(-0.0, "+.1f", low=0.0) == "+0.0"
    assert format_number(-0.0, None, percent=True) == "0.0%"
    assert format_range(-0.0, 0.5, ".2f") == "0.00 – 0.50"
    # the decimals of floats are cached, -0.0 and 0.0 as one key: 0.0 read as whichever was asked for first
    numbers._exact.cache_clear()
    assert format_bound(-0.0, ".2%") == "0.00%"
    assert format_apart(0.0, 5e-324, ".2%") == ("0.000%", "5e-322%")  # was "-0.000%"


def test_a_finite_number_never_reads_as_infinite() -> None:
    """A percentage is its float's hundredfold, which overflows past 1.8e306: 1.95e306 in ``.0%`` read ``inf%``."""
    below = 1.9499999999999997e306  # the float before 1.95e306
    assert format_number(1.95e306, ".0%") == "1.95e+308%"
    assert format_number(-1.95e306, None, percent=True) == "-1.95e+308%"
    assert format_number(1.95e306, ">12.0%") == "  1.95e+308%"
    assert format_value(below, ".0%", low=1.95e306) == "1.9499999999999997e+308%"  # its wider digits too
    assert format_apart(1.95e306, 2e306, ".0%") == ("1.95e+308%", "2e+308%")
    assert format_bound(1.95e306, ".0%") == "1.95e+308%"
    assert format_range(None, 1.95e306, ".1%") == "≤ 1.95e+308%"
    assert format_delta(-1.95e306, ".0%") == "-1.95e+308 pp"
    assert format_delta(1.95e306, None, percent=True, bound=1e306, past=True) == "+1.95e+308 pp"
    assert format_percentage_change(1.95e306) == "+1.95e+306%"  # already in percent: no hundredfold


@pytest.mark.parametrize(
    ("value", "spec", "low", "high", "expected"),
    [
        (0.1, ".0f", 0.05, 0.06, "0.1"),  # read "0": below the min, of a value above the max
        (-0.1, ".0f", -0.06, -0.05, "-0.1"),  # read "-0": above the max, of a value below the min
        (0.01, ".0f", 0.05, 0.06, "0"),  # below the min, as "0" reads
        (0.055, ".0f", 0.05, 0.06, "0.06"),  # within
    ],
)
def test_a_value_reads_on_its_own_side_of_a_range_narrower_than_its_formats_step(
    value: float, spec: str, low: float, high: float, expected: str
) -> None:
    """Audit 45a: a range narrower than the format's step (``.0f``, 0.05 to 0.06): 0.1, above the max, read "0",
    outside the range as it is, but below the min."""
    assert format_value(value, spec, low=low, high=high) == expected
    assert format_apart(value, value + 1, spec, low=low, high=high)[0] == expected


@pytest.mark.parametrize(
    ("bound", "spec", "expected"),
    [
        (1.979122381095205e18, ".1%", "1.979122381095205e+20%"),  # read 197912238109520527360.0%: another float
        (-1517736787868.888, "%", "-1.517736787868888e+14%"),  # read -151773678786888.781250%
        (-1.0091789402896359e-08, ".2%", "-1.0091789402896359e-06%"),  # read -0.00%, then too wide
        (1.5e12, ".1%", "150000000000000.0%"),  # its float's hundredfold reads as itself
    ],
)
def test_a_bound_past_the_numbers_width_reads_as_itself(bound: float, spec: str, expected: str) -> None:
    """Audit 45a: a bound of 1.5e12 (1.5e14%) and more in a percentage spec read as its float's hundredfold, rounded:
    another float; its wider digits, past :data:`~numbers.NUMBER_WIDTH`, were tried only up to 17 significant
    digits, fewer than that text's."""
    assert format_bound(bound, spec) == expected
    assert _reads(expected, bound)


def test_two_values_apart_only_by_their_sign_read_apart_whatever_pads_them() -> None:
    """Audit 45a: -0.0001 and 0.0001 in ``010.2f`` read -000000.00 and 0000000.00, the same number, taken as apart
    because their zero padding differs."""
    assert format_apart(-0.0001, 0.0001, "010.2f") == ("-0000.0001", "00000.0001")
    assert format_apart(-0.0001, 0.0001, "=+10.2f") == ("-   0.0001", "+   0.0001")
    assert format_apart(-0.0001, 0.0001, ".2f") == ("-0.0001", "0.0001")
    assert format_apart(-0.01, 0.01, "010.2f") == ("-000000.01", "0000000.01")  # apart as they are


def test_bins_of_values_at_the_ends_of_the_floats_are_finite() -> None:
    """Values ±1.7e308 apart: (high - low) / bins overflowed, and the page's bins read "nan to inf"."""
    binned = bin_values([-1.7e308, 0.0, 1.7e308])
    assert binned is not None
    edges, counts, _ = binned
    assert all(math.isfinite(edge) for edge in edges)
    assert (edges[0], edges[-1]) == (-1.7e308, 1.7e308)
    assert counts == ((1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1),)
    assert bin_values([0.0, 12.0, 6.5]) == (
        (*(float(i) for i in range(12)), 12.0),
        ((1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1),),
        False,
    )

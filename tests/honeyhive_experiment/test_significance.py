"""significance.py: the exact sign / McNemar tests (checked against scipy), Holm's correction, the pass/fail flips,
and the status each metric gets. Expected values are literals worked out by hand in the comments."""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from honeyhive_experiment.significance import (
    DEFAULT_ALPHA,
    Assessment,
    Change,
    Flips,
    Row,
    assess,
    assess_regressions,
    can_be_significant,
    classify,
    describe,
    flips,
    holm,
    min_changes,
    needed,
    p_text,
    regression_test,
    sign_test,
    smallest_p,
    t_test,
    unanimous_p,
)

pytestmark = pytest.mark.unit

BAD_ALPHAS = [0.0, 1.0, -0.05, 1.5, math.nan]

# --- sign test and McNemar ------------------------------------------------------------------------------------------

# (improved, degraded): every n the brief names, balanced and unbalanced, both orientations, and large n with a small
# imbalance (where a float-only computation would overflow or lose precision).
REFERENCE_CASES = [
    (1, 0),
    (0, 1),
    (5, 0),
    (4, 1),
    (3, 2),
    (6, 0),
    (0, 6),
    (5, 1),
    (3, 3),
    (7, 0),
    (4, 3),
    (2, 5),
    (15, 5),
    (6, 14),
    (10, 10),
    (0, 20),
    (60, 40),
    (35, 65),
    (50, 50),
    (100, 0),
    (1, 99),
    (3, 200),
    (480, 520),
    (520, 480),
    (500, 500),
    (4900, 5100),
    (5050, 4950),
]


@pytest.mark.parametrize(("improved", "degraded"), REFERENCE_CASES)
def test_sign_test_equals_scipy_binomtest(improved: int, degraded: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    n = improved + degraded
    expected = stats.binomtest(min(improved, degraded), n, 0.5, alternative="two-sided").pvalue
    # math.isclose has no absolute tolerance by default, so tiny p-values are compared relatively too
    assert math.isclose(sign_test(improved, degraded), expected, rel_tol=1e-9)


# Exact values (powers of two in the denominator, so exactly representable): p = min(1, 2 * sum_{i<=k} C(n, i) / 2^n)
EXACT_CASES = [
    (0, 0, 1.0),  # no changes: nothing to test
    (1, 0, 1.0),  # 2 * 1/2 = 1
    (5, 0, 0.0625),  # 2 * 1/32
    (6, 0, 0.03125),  # 2 * 1/64
    (0, 6, 0.03125),
    (5, 1, 0.21875),  # 2 * (1 + 6)/64 = 14/64
    (3, 2, 1.0),  # 2 * (1 + 5 + 10)/32 = 1
    (2, 5, 0.453125),  # 2 * (1 + 7 + 21)/128 = 58/128
    (4, 3, 1.0),  # 2 * (1 + 7 + 21 + 35)/128 = 1
    (9, 1, 0.021484375),  # 2 * (1 + 10)/1024 = 22/1024
    (8, 4, 0.3876953125),  # 2 * (1 + 12 + 66 + 220 + 495)/4096 = 1588/4096
    (12, 0, 0.00048828125),  # 2/4096
    (15, 5, 43400 / 2**20),  # 2 * (1 + 20 + 190 + 1140 + 4845 + 15504)/2^20
    (1000, 1000, 1.0),
]


@pytest.mark.parametrize(("improved", "degraded", "expected"), EXACT_CASES)
def test_sign_test_exact_values(improved: int, degraded: int, expected: float) -> None:
    assert sign_test(improved, degraded) == expected


def test_unanimous_10000_underflows_to_zero_without_error() -> None:
    assert sign_test(10_000, 0) == 0.0
    assert sign_test(0, 10_000) == 0.0


@given(st.integers(0, 300), st.integers(0, 300))
def test_sign_test_is_symmetric_and_a_probability(a: int, b: int) -> None:
    p = sign_test(a, b)
    assert p == sign_test(b, a)
    assert 0.0 < p <= 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sign_test(-1, 3), r"^improved must be a count \(>= 0\), got -1$"),
        (lambda: sign_test(3, -1), r"^degraded must be a count"),
    ],
)
def test_negative_counts_are_rejected(call: Callable[[], float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --- Holm -----------------------------------------------------------------------------------------------------------


def test_holm_hand_computed() -> None:
    # sorted: d 0.005, a 0.01, c 0.03, b 0.04; m = 4
    #   d: 4 * 0.005 = 0.02
    #   a: 3 * 0.01  = 0.03   (max(0.02, 0.03) = 0.03)
    #   c: 2 * 0.03  = 0.06   (max(0.03, 0.06) = 0.06)
    #   b: 1 * 0.04  = 0.04 → max(0.06, 0.04) = 0.06   (step-down: never below the one before)
    result = holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.005})
    assert result == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06, "d": 0.02}, rel=1e-12)
    assert list(result) == ["a", "b", "c", "d"]  # the input's key order


def test_holm_is_monotone_in_the_raw_order() -> None:
    raw = {"w": 0.04, "x": 0.001, "y": 0.0105, "z": 0.011, "v": 0.2}
    # x: 5 * 0.001 = 0.005; y: 4 * 0.0105 = 0.042; z: 3 * 0.011 = 0.033 → 0.042; w: 2 * 0.04 = 0.08; v: 0.2
    result = holm(raw)
    assert result == pytest.approx({"x": 0.005, "y": 0.042, "z": 0.042, "w": 0.08, "v": 0.2}, rel=1e-12)


def test_holm_caps_at_one() -> None:
    # a: 2 * 0.6 = 1.2 → 1; b: max(1, 0.9) = 1
    assert holm({"a": 0.6, "b": 0.9}) == {"a": 1.0, "b": 1.0}
    # 2 * 0.5 = 1 exactly; 3 * 0.4 = 1.2 → 1
    assert holm({"a": 0.4, "b": 0.5, "c": 0.9}) == {"a": 1.0, "b": 1.0, "c": 1.0}


def test_holm_ties_are_deterministic() -> None:
    # a, b tied at 0.02: 3 * 0.02 = 0.06, then max(0.06, 2 * 0.02) = 0.06; c: max(0.06, 0.5) = 0.5
    expected = {"a": 0.06, "b": 0.06, "c": 0.5}
    assert holm({"a": 0.02, "b": 0.02, "c": 0.5}) == pytest.approx(expected, rel=1e-12)
    assert holm({"c": 0.5, "b": 0.02, "a": 0.02}) == pytest.approx(expected, rel=1e-12)


def test_holm_single_key_and_empty() -> None:
    assert holm({"only": 0.03}) == {"only": 0.03}
    assert holm({}) == {}


def test_holm_accepts_the_ends_of_the_range() -> None:
    # a: 2 * 0 = 0; b: max(0, 1 * 1) = 1
    assert holm({"a": 0.0, "b": 1.0}) == {"a": 0.0, "b": 1.0}


@pytest.mark.parametrize("bad", [-0.01, 1.01, math.nan])
def test_holm_rejects_what_is_not_a_p_value(bad: float) -> None:
    with pytest.raises(ValueError, match=r"^p-value of 'b' must be a p-value between 0 and 1"):
        holm({"a": 0.5, "b": bad})


@given(st.lists(st.floats(0.0, 1.0), max_size=12))
def test_holm_properties(ps: list[float]) -> None:
    raw = dict(enumerate(ps))
    adjusted = holm(raw)
    assert list(adjusted) == list(raw)
    for key, p in raw.items():
        assert p <= adjusted[key] <= 1.0
        assert adjusted[key] <= min(1.0, len(ps) * p)  # never stricter than Bonferroni
    ordered = sorted(raw, key=raw.__getitem__)
    assert all(adjusted[a] <= adjusted[b] for a, b in itertools.pairwise(ordered))


# --- how many changes can be significant ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 1.0), (1, 1.0), (2, 0.5), (5, 0.0625), (6, 0.03125), (8, 0.0078125), (1100, 0.0)],
)
def test_smallest_p(n: int, expected: float) -> None:
    assert smallest_p(n) == expected
    if n <= 1000:
        assert smallest_p(n) == sign_test(n, 0)


def test_smallest_p_rejects_a_negative_count() -> None:
    with pytest.raises(ValueError, match=r"^n must be a count"):
        smallest_p(-1)


@pytest.mark.parametrize(
    ("n", "alpha", "expected"),
    [
        (5, 0.05, False),
        (6, 0.05, True),
        (0, 0.05, False),
        (7, 0.01, False),
        (8, 0.01, True),
        (5, 0.0625, True),  # exactly at alpha counts: p <= alpha
        (1, 0.99, False),
        (2, 0.5, True),
    ],
)
def test_can_be_significant(n: int, alpha: float, expected: bool) -> None:
    assert can_be_significant(n, alpha) is expected


def test_default_alpha() -> None:
    assert DEFAULT_ALPHA == 0.05
    assert can_be_significant(6) is True
    assert can_be_significant(5) is False
    assert min_changes() == 6


@pytest.mark.parametrize(("alpha", "expected"), [(0.05, 6), (0.01, 8), (0.0625, 5), (0.1, 5), (0.99, 2), (0.001, 11)])
def test_min_changes(alpha: float, expected: int) -> None:
    assert min_changes(alpha) == expected


# --- classify and assess --------------------------------------------------------------------------------------------

# (better, worse, alpha, expected); a single metric, so Holm leaves its p-value as it is
CLASSIFY_CASES = [
    (0, 0, 0.05, Change.TOO_FEW),
    (5, 0, 0.05, Change.TOO_FEW),  # even unanimous: p = 0.0625 > 0.05
    (0, 5, 0.05, Change.TOO_FEW),
    (3, 2, 0.05, Change.TOO_FEW),
    (6, 0, 0.05, Change.BETTER),  # p = 0.03125
    (0, 6, 0.05, Change.WORSE),
    (5, 1, 0.05, Change.WITHIN_NOISE),  # enough changes, but p = 0.219
    (12, 0, 0.05, Change.BETTER),  # p = 0.00049
    (0, 12, 0.05, Change.WORSE),
    (8, 4, 0.05, Change.WITHIN_NOISE),  # p = 0.388
    (9, 1, 0.05, Change.BETTER),  # p = 0.0215
    (1, 9, 0.05, Change.WORSE),
    (15, 5, 0.05, Change.BETTER),  # p = 0.0414, just under
    (5, 15, 0.05, Change.WORSE),
    (14, 6, 0.05, Change.WITHIN_NOISE),  # p = 2 * (21700 + 38760)/2^20 = 0.115
    (10, 10, 0.05, Change.WITHIN_NOISE),
    (7, 0, 0.01, Change.TOO_FEW),  # p = 0.0156 > 0.01: needs >= 8 changes
    (8, 0, 0.01, Change.BETTER),  # p = 0.0078
    (0, 8, 0.01, Change.WORSE),
    (9, 1, 0.01, Change.WITHIN_NOISE),  # p = 0.0215 > 0.01
    (5, 0, 0.1, Change.BETTER),  # p = 0.0625 <= 0.1
]


@pytest.mark.parametrize(("better", "worse", "alpha", "expected"), CLASSIFY_CASES)
def test_classify(better: int, worse: int, alpha: float, expected: Change) -> None:
    assert classify(better, worse, p_adjusted=sign_test(better, worse), alpha=alpha) is expected


@pytest.mark.parametrize(("better", "worse", "alpha", "expected"), CLASSIFY_CASES)
def test_assess_single_metric(better: int, worse: int, alpha: float, expected: Change) -> None:
    result = assess({"m": (better, worse)}, alpha=alpha)["m"]
    p = sign_test(better, worse)
    assert result == Assessment(better=better, worse=worse, p_value=p, p_adjusted=p, change=expected, alpha=alpha)


def test_classify_boundaries() -> None:
    assert classify(6, 0, p_adjusted=0.05) is Change.BETTER  # p == alpha is significant
    assert classify(0, 6, p_adjusted=0.0500001) is Change.WITHIN_NOISE
    assert classify(6, 0, p_adjusted=0.03) is Change.BETTER  # default alpha 0.05
    assert classify(6, 0, p_adjusted=0.06) is Change.WITHIN_NOISE
    # too few is decided on the raw smallest p (a unanimous result), whatever p_adjusted says
    assert classify(5, 0, p_adjusted=0.0) is Change.TOO_FEW
    # a tie is never better or worse, even with an (inconsistent) small p
    assert classify(5, 5, p_adjusted=0.01) is Change.WITHIN_NOISE


@pytest.mark.parametrize("alpha", BAD_ALPHAS)
def test_bad_alpha_is_rejected(alpha: float) -> None:
    message = r"^alpha must be between 0 and 1 \(exclusive\)"
    with pytest.raises(ValueError, match=message):
        classify(6, 0, p_adjusted=0.01, alpha=alpha)
    with pytest.raises(ValueError, match=message):
        assess({}, alpha=alpha)
    with pytest.raises(ValueError, match=message):
        can_be_significant(6, alpha)
    with pytest.raises(ValueError, match=message):
        min_changes(alpha)


@pytest.mark.parametrize(
    ("better", "worse", "p_adjusted", "message"),
    [
        (-1, 6, 0.01, r"^better must be a count"),
        (6, -1, 0.01, r"^worse must be a count"),
        (6, 0, -0.01, r"^p_adjusted must be a p-value"),
        (6, 0, 1.01, r"^p_adjusted must be a p-value"),
        (6, 0, math.nan, r"^p_adjusted must be a p-value"),
    ],
)
def test_classify_rejects_bad_input(better: int, worse: int, p_adjusted: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classify(better, worse, p_adjusted=p_adjusted)


def test_classify_accepts_p_of_zero_and_one() -> None:
    assert classify(0, 20, p_adjusted=0.0) is Change.WORSE
    assert classify(10, 10, p_adjusted=1.0) is Change.WITHIN_NOISE


def test_assess_significant_raw_but_not_after_holm() -> None:
    # alone, 6/0 is better (p = 0.03125); two of them: 2 * 0.03125 = 0.0625, then max(0.0625, 0.03125) = 0.0625
    result = assess({"a": (6, 0), "b": (0, 6)})
    assert result == {
        "a": Assessment(6, 0, p_value=0.03125, p_adjusted=0.0625, change=Change.WITHIN_NOISE),
        "b": Assessment(0, 6, p_value=0.03125, p_adjusted=0.0625, change=Change.WITHIN_NOISE),
    }


def test_assess_a_whole_comparison() -> None:
    rows = {"accuracy": (12, 0), "latency": (9, 1), "pass/fail": (0, 0), "tone": (3, 1), "cost": (2, 30)}
    # raw: accuracy 2/4096 = 0.00048828125; latency 22/1024 = 0.021484375; pass/fail 1 (no changes);
    #      tone 2 * (1 + 4)/16 = 0.625; cost 2 * (1 + 32 + 496)/2^32 = 1058/2^32
    # Holm over the 4 metrics with changes: cost 4 * 1058/2^32 = 9.85e-7; accuracy 3 * 0.00048828125 = 0.00146484375;
    #      latency 2 * 0.021484375 = 0.04296875; tone 0.625
    result = assess(rows)
    assert list(result) == list(rows)
    assert result["cost"] == Assessment(2, 30, 1058 / 2**32, 4 * 1058 / 2**32, Change.WORSE)
    assert result["accuracy"] == Assessment(12, 0, 0.00048828125, 0.00146484375, Change.BETTER)
    assert result["latency"] == Assessment(9, 1, 0.021484375, 0.04296875, Change.BETTER)
    assert result["tone"] == Assessment(3, 1, 0.625, 0.625, Change.TOO_FEW)
    assert result["pass/fail"] == Assessment(0, 0, 1.0, 1.0, Change.TOO_FEW)


def test_each_assessment_holds_the_rest_of_its_holm_family() -> None:
    """rivals: the raw p-values of the other tests Holm corrected it beside (those with a change, told), in order;
    context, not the result: equality ignores them."""
    rows = {"accuracy": (12, 0), "none": (0, 0), "latency": (9, 1), "untold": Row(3, 0, untold=True), "cost": (2, 30)}
    result = assess(rows)
    assert result["accuracy"].rivals == (0.021484375, 1058 / 2**32)
    assert result["latency"].rivals == (0.00048828125, 1058 / 2**32)
    assert result["none"].rivals == (0.00048828125, 0.021484375, 1058 / 2**32)
    assert result["untold"].rivals == ()
    assert dataclasses.replace(result["accuracy"], rivals=()) == result["accuracy"]


@pytest.mark.parametrize(
    ("n", "rivals", "sides", "expected"),
    [
        (5, (), 1, 0.03125),  # alone: the raw smallest p-value
        (5, (), 2, 0.0625),
        (5, (1.0,), 1, 0.0625),  # beside one other, whatever its p: doubled (the first of two)
        (5, (0.5, 1.0), 1, 0.09375),  # the first of three: 3 * 0.03125
        (5, (0.01, 1.0), 1, 0.0625),  # second of three: 0.01 first (0.03), then 2 * 0.03125
        (5, (0.001,), 1, 0.03125),  # Holm steps down: the other first (0.002), then 1 * 0.03125
        (5, (0.03125,), 1, 0.0625),  # a tie: both 2 * 0.03125
        (6, (1.0,), 1, 0.03125),
        (40, (), 1, 0.5**40),
    ],
)
def test_unanimous_p_is_the_holm_adjusted_p_of_all_changes_the_worse_way(
    n: int, rivals: tuple[float, ...], sides: int, expected: float
) -> None:
    found = Assessment(0, 0, 1.0, 1.0, Change.TOO_FEW, sides=sides, rivals=rivals)
    assert unanimous_p(n, found) == expected


def test_assess_holm_counts_only_metrics_with_changes() -> None:
    # the unchanged metric does not dilute the other: m = 1, so 12/0 keeps p = 2/4096
    assert assess({"a": (12, 0), "same": (0, 0)})["a"].p_adjusted == 0.00048828125
    # one change counts: m = 2, so 2 * 2/4096
    assert assess({"a": (12, 0), "one": (1, 0)})["a"].p_adjusted == 0.0009765625


def test_assess_empty_and_negative() -> None:
    assert assess({}) == {}
    with pytest.raises(ValueError, match=r"^degraded must be a count"):
        assess({"m": (3, -1)})


def test_assessment_is_frozen_and_counts_changes() -> None:
    a = assess({"m": (8, 4)})["m"]
    assert a.changes == 12
    assert a.alpha == 0.05
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.change = Change.BETTER  # type: ignore[misc]


def test_change_texts() -> None:
    assert [c.value for c in Change] == ["better", "worse", "within noise", "too few changes to tell", "can't tell"]
    assert f"{Change.TOO_FEW}" == "too few changes to tell"


# --- describe -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "alpha", "text"),
    [
        ({"m": (12, 0)}, 0.05, "p < 0.001"),  # p = 0.00049
        ({"m": (8, 4)}, 0.05, "p = 0.39"),  # p = 0.3877
        ({"m": (15, 5)}, 0.05, "p = 0.041"),  # p = 0.04139
        ({"m": (5, 1)}, 0.05, "p = 0.22"),  # p = 0.21875
        ({"m": (10, 10)}, 0.05, "p = 1"),
        ({"m": (6, 0), "n": (6, 0)}, 0.05, "p = 0.062"),  # the Holm-adjusted p (0.0625), not the raw 0.03125
        ({"m": (4, 0)}, 0.05, "needs ≥ 6 changes, has 4"),
        ({"m": (3, 2)}, 0.05, "needs ≥ 6 changes, has 5"),
        ({"m": (0, 0)}, 0.05, "needs ≥ 6 changes, has 0"),
        ({"m": (7, 0)}, 0.01, "needs ≥ 8 changes, has 7"),
    ],
)
def test_describe(rows: dict[str, tuple[int, int]], alpha: float, text: str) -> None:
    assert describe(assess(rows, alpha=alpha)["m"]) == text


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.003, "p = 0.003"), (0.21, "p = 0.21"), (0.001, "p = 0.001"), (0.000999, "p < 0.001"), (0.0, "p < 0.001")],
)
def test_describe_formats_the_adjusted_p(p: float, text: str) -> None:
    a = Assessment(better=40, worse=10, p_value=0.5, p_adjusted=p, change=Change.WITHIN_NOISE)
    assert describe(a) == text


def test_describe_uses_the_default_alpha_of_an_assessment() -> None:
    a = Assessment(better=4, worse=0, p_value=0.125, p_adjusted=0.125, change=Change.TOO_FEW)
    assert describe(a) == "needs ≥ 6 changes, has 4"


# (p, alpha, text): two significant digits, but never rounded onto alpha's other side (p <= alpha is significant):
# "p = 0.05" beside "not significant" at alpha 0.05 read as a contradiction, and was one for p = 0.0503
P_TEXTS = [
    (0.050322, 0.05, "p = 0.0503"),  # 0.05 would read significant
    (0.0104, 0.01, "p = 0.0104"),
    (0.010030803503468633, 0.01, "p = 0.01003"),  # 23 of 32 worse, one-sided; 0.0100 is still 0.01
    (0.1004, 0.1, "p = 0.1004"),
    (0.0436, 0.0437, "p = 0.0436"),  # 0.044 would read not significant
    (0.0498, 0.05, "p = 0.05"),  # rounded onto alpha, still significant: two digits
    (0.05, 0.05, "p = 0.05"),  # alpha itself is significant
    (0.051, 0.05, "p = 0.051"),
    (0.21, 0.05, "p = 0.21"),
    (0.0005, 0.001, "p < 0.001"),
    (0.001, 0.001, "p = 0.001"),
    (0.0007, 0.0005, "p = 0.0007"),  # "p < 0.001" would not say which side of alpha 0.0005
    (0.0004, 0.0005, "p = 0.0004"),
    (0.0, 0.0005, "p = 0"),
]


@pytest.mark.parametrize(("p", "alpha", "text"), P_TEXTS)
def test_p_text_never_rounds_across_alpha(p: float, alpha: float, text: str) -> None:
    assert p_text(p, alpha) == text


@given(st.floats(0, 1), st.floats(0.0001, 0.9999))
def test_a_shown_p_value_is_on_the_side_of_alpha_the_p_value_is(p: float, alpha: float) -> None:
    shown = p_text(p, alpha)
    if shown == "p < 0.001":
        assert p < 0.001 <= alpha
    else:
        assert (float(shown.removeprefix("p = ")) <= alpha) is (p <= alpha)


def test_describe_shows_the_p_value_against_the_assessments_alpha() -> None:
    a = Assessment(better=10, worse=30, p_value=0.01, p_adjusted=0.050322, change=Change.WITHIN_NOISE)
    assert describe(a) == "p = 0.0503"
    assert describe(dataclasses.replace(a, alpha=0.1, change=Change.WORSE)) == "p = 0.05"


# --- flips ----------------------------------------------------------------------------------------------------------


def test_flips_between_two_runs() -> None:
    result = flips(
        old_passed=["a", "b", "c", "gone"],
        old_failed=["d", "e", "f"],
        new_passed=["a", "d", "new-pass", "f"],
        new_failed=["b", "e", "c", "new-fail"],
    )
    # a passed twice, e failed twice; gone / new-* are in one run only
    assert result == Flips(pass_to_fail=("b", "c"), fail_to_pass=("d", "f"))
    assert result.better_worse == (2, 2)


def test_flips_keep_the_new_runs_order_and_drop_duplicates() -> None:
    result = flips(
        old_passed=["a", "b", "c"],
        old_failed=["x", "y"],
        new_passed=["y", "x", "y"],
        new_failed=["c", "a", "c", "b"],
    )
    assert result.pass_to_fail == ("c", "a", "b")
    assert result.fail_to_pass == ("y", "x")
    assert result.better_worse == (2, 3)  # (fail→pass, pass→fail)


def test_flips_without_overlap() -> None:
    result = flips(old_passed=["a"], old_failed=["b"], new_passed=["c"], new_failed=["d"])
    assert result == Flips(pass_to_fail=(), fail_to_pass=())
    assert result.better_worse == (0, 0)


def test_flips_in_one_direction_only() -> None:
    result = flips(old_passed=["a", "b"], old_failed=[], new_passed=[], new_failed=["b", "a"])
    assert result == Flips(pass_to_fail=("b", "a"), fail_to_pass=())
    assert result.better_worse == (0, 2)


def test_flips_leave_out_a_datapoint_listed_as_both_passed_and_failed() -> None:
    result = flips(
        old_passed=["a", "b", "c", "d"],
        old_failed=["a", "w", "x", "y"],  # a is ambiguous in the old run
        new_passed=["w", "x", "b"],
        new_failed=["a", "b", "c", "x"],  # b and x are ambiguous in the new run
    )
    assert result == Flips(pass_to_fail=("c",), fail_to_pass=("w",))


def test_flips_accept_one_shot_iterables() -> None:
    result = flips(iter(["a", "b"]), iter(["c"]), iter(["c"]), iter(["a", "b"]))
    assert result == Flips(pass_to_fail=("a", "b"), fail_to_pass=("c",))


def test_flips_feed_mcnemar_and_assess() -> None:
    old_passed = [f"p{i}" for i in range(10)]
    old_failed = [f"f{i}" for i in range(10)]
    # 7 went pass→fail, 1 went fail→pass: p = 2 * (1 + 8)/256 = 0.0703125
    result = flips(
        old_passed, old_failed, new_passed=[*old_passed[7:], "f0"], new_failed=old_passed[:7] + old_failed[1:]
    )
    assert result.better_worse == (1, 7)
    assert sign_test(*result.better_worse) == 0.0703125  # McNemar's exact test is the sign test on the flips
    assert assess({"pass/fail": result.better_worse})["pass/fail"].change is Change.WITHIN_NOISE


# ------------------------------------------------------------------------------------ the gate's regression test


@pytest.mark.parametrize(("worse", "better"), REFERENCE_CASES)
def test_regression_test_equals_scipy_one_sided_binomtest(worse: int, better: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    n = worse + better
    expected = stats.binomtest(worse, n, 0.5, alternative="greater").pvalue if n else 1.0
    assert math.isclose(regression_test(worse, better), expected, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("worse", "better", "expected"),
    [
        (0, 0, 1.0),
        (1, 0, 0.5),
        (4, 0, 0.0625),
        (5, 0, 0.03125),
        (6, 0, 0.015625),
        (0, 6, 1.0),
        (3, 3, 0.65625),
        (6, 2, 0.14453125),
    ],
)
def test_regression_test_exact_values(worse: int, better: int, expected: float) -> None:
    assert regression_test(worse, better) == expected


def test_regression_test_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match=r"^worse must be a count"):
        regression_test(-1, 2)
    with pytest.raises(ValueError, match=r"^better must be a count"):
        regression_test(2, -1)


@pytest.mark.parametrize(
    ("alpha", "sides", "expected"), [(0.05, 1, 5), (0.05, 2, 6), (0.01, 1, 7), (0.01, 2, 8), (0.5, 1, 1)]
)
def test_min_changes_one_and_two_sided(alpha: float, sides: int, expected: int) -> None:
    assert min_changes(alpha, sides) == expected


@pytest.mark.parametrize(
    ("alpha", "sides", "rivals", "expected"),
    [
        (0.0625, 1, (), 4),  # 4 unanimous changes: p = 0.0625, equal to alpha, is significant (p <= alpha)
        (0.125, 1, (0.5,), 4),  # beside one rival, Holm doubles 0.0625 to 0.125: equal to alpha, still enough
        (0.05, 1, (0.031,), 6),  # beside a rival, 5 (p = 0.031 -> 0.0625) are too few
    ],
)
def test_needed_counts_a_unanimous_p_equal_to_alpha_as_enough(
    alpha: float, sides: int, rivals: tuple[float, ...], expected: int
) -> None:
    found = Assessment(0, 1, 1.0, 1.0, Change.TOO_FEW, alpha=alpha, sides=sides, rivals=rivals)
    assert needed(found) == expected


def test_sides_must_be_one_or_two() -> None:
    with pytest.raises(ValueError, match=r"^sides must be 1 or 2, got 3$"):
        smallest_p(4, 3)


REGRESSIONS: list[tuple[str, dict[str, tuple[int, int]], dict[str, tuple[str, str]]]] = [
    # (rule, {metric: (better, worse)}, {metric: (change, described)})
    ("5 unanimous regressions are significant one-sided", {"a": (0, 5)}, {"a": ("worse", "p = 0.031")}),
    ("4 are too few to tell", {"a": (0, 4)}, {"a": ("too few changes to tell", "needs ≥ 5 changes, has 4")}),
    ("mixed changes are within noise", {"a": (3, 6)}, {"a": ("within noise", "p = 0.25")}),
    ("an improvement is never called better by a regression test", {"a": (12, 0)}, {"a": ("within noise", "p = 1")}),
    (
        "Holm over the rows given",
        {"a": (0, 5), "b": (0, 5)},
        {"a": ("within noise", "p = 0.062"), "b": ("within noise", "p = 0.062")},
    ),
    (
        "a single change counts in the correction",  # a needs 6 beside b's 0.031: Holm's 2 x 0.5**5 is 0.0625
        {"a": (0, 1), "b": (0, 5)},
        {"a": ("too few changes to tell", "needs ≥ 6 changes, has 1"), "b": ("within noise", "p = 0.062")},
    ),
    (
        "no change at all keeps p = 1 and is left out of the correction",  # but needs what b's company asks
        {"a": (0, 0), "b": (0, 5)},
        {"a": ("too few changes to tell", "needs ≥ 6 changes, has 0"), "b": ("worse", "p = 0.031")},
    ),
    ("alone, the one-sided 5 at 0.05", {"a": (0, 3)}, {"a": ("too few changes to tell", "needs ≥ 5 changes, has 3")}),
]


@pytest.mark.parametrize(("rule", "rows", "expected"), REGRESSIONS, ids=[r[0] for r in REGRESSIONS])
def test_assess_regressions(rule: str, rows: dict[str, tuple[int, int]], expected: dict[str, tuple[str, str]]) -> None:
    found = assess_regressions(rows, alpha=0.05)
    assert {k: (a.change.value, describe(a)) for k, a in found.items()} == expected
    assert all(a.sides == 1 for a in found.values())


def test_assess_regressions_uses_the_given_alpha() -> None:
    """5 unanimous regressions: p = 0.031, significant at 0.05; at 0.01 even 6 (p = 0.016) are too few (7 needed)."""
    found = assess_regressions({"a": (0, 6)}, alpha=0.01)["a"]
    assert (found.change.value, found.alpha, describe(found)) == (
        "too few changes to tell",
        0.01,
        "needs ≥ 7 changes, has 6",
    )
    assert assess_regressions({"a": (0, 7)}, alpha=0.01)["a"].change.value == "worse"


# --- the paired t-test ----------------------------------------------------------------------------------------------

# (name, differences, two-sided p, one-sided p in the worse direction): each p is scipy 1.x's
# stats.ttest_rel(differences, zeros).pvalue (alternative="less" one-sided), above the sign test's floor; the rows cover
# df = 1 and 2, t = 0, a small t (the symmetric branch of the incomplete beta), a large one (its direct branch), a
# better mean, 1,000 datapoints and a p of 1e-18.
SPREAD = [((i * 37) % 101 - 50) / 100 - 0.02 for i in range(1000)]
TIGHT = [-0.1 + ((i * 37) % 101 - 50) / 200 for i in range(200)]
BETTER = [0.05 + ((i * 13) % 17 - 8) / 40 for i in range(60)]
CASE_A = [0.51 - 0.5] * 30 + [0.0 - 0.5] * 10  # 30 of 40 up by 0.01, 10 down by 0.5: the mean drops 0.1175
T_TABLE = [
    ("two datapoints (df 1)", [0.3, -0.1], 0.7048327646991335, 0.6475836176504333),
    ("three (df 2)", [0.2, 0.5, -0.1], 0.36754446796632423, 0.8162277660168379),
    ("t = 0", [1.0, -1.0, 0.5, -0.5], 1.0, 0.5),
    ("a small t", [0.1, -0.2, 0.15, -0.05, 0.02, -0.01], 0.9747796088545224, 0.5126101955727388),
    ("a mean drop, most datapoints up", CASE_A, 0.0019452176152931183, 0.0009726088076465591),
    ("1,000 datapoints, a small drop", SPREAD, 0.031357415182764935, 0.015678707591382467),
    ("200 datapoints, p ~ 1e-18", TIGHT, 2.963962037834582e-18, 1.481981018917291e-18),
    ("60 datapoints better", BETTER, 0.006658554101948048, 0.9966707229490259),
]


@pytest.mark.parametrize(("name", "differences", "two", "one"), T_TABLE, ids=[r[0] for r in T_TABLE])
def test_t_test_equals_scipy(name: str, differences: list[float], two: float, one: float) -> None:
    assert t_test(differences) == pytest.approx(two, rel=1e-9, abs=0)
    assert t_test(differences, 2) == pytest.approx(two, rel=1e-9, abs=0)
    assert t_test(differences, sides=1) == pytest.approx(one, rel=1e-9, abs=0)


T_EDGES = [
    # (rule, differences, two-sided p, one-sided p)
    ("no datapoint: too few", [], 1.0, 1.0),
    ("one datapoint: too few", [-5.0], 1.0, 1.0),
    ("nothing changed", [0.0] * 5, 1.0, 1.0),
    # the t-test gives 0.044 and 0.022 (t = -2.08): 4 changes are floored at the sign test's 2 / 2**4 and 1 / 2**4
    ("4 of 40 dropping 1 → 0: the sign test's floor", [-1.0] * 4 + [0.0] * 36, 0.125, 0.0625),
    ("6 of 40: the floor again (t-test 0.0063 one-sided)", [-1.0] * 6 + [0.0] * 34, 0.03125, 0.015625),
    # every difference equal: no spread, t is infinite in the mean's direction; p = 0 there, floored
    ("all the same drop", [-0.1] * 10, 2 * 0.5**10, 0.5**10),
    ("all the same rise: never worse", [0.1] * 10, 2 * 0.5**10, 1.0),
    ("two equal drops", [-0.25, -0.25], 0.5, 0.25),
    # absurd but finite values: sums past the largest double (scaled first), t² below the smallest (never divided by)
    ("3 of 40 from 1e300 to -1.7e308: no overflow, the floor", [-1.7e308 - 1e300] * 3 + [0.0] * 37, 0.25, 0.125),
    ("a mean of 2.5e-302: t² underflows to 0, t = 0 as good as", [1.0, -1.0, 1e-300] + [0.0] * 37, 1.0, 0.5),
    # two finite values can differ by more than the largest double (-1e308 - 1e308 is -inf): the infinite differences
    # outweigh the finite ones, as ±1 beside 0 (this gave t = nan, and Holm refused its p-value)
    ("6 of 40 infinite drops: as 6 of 40 dropping 1 → 0", [-math.inf] * 6 + [0.0] * 34, 0.03125, 0.015625),
    ("infinities both ways: t = 0", [math.inf, -math.inf] * 5 + [0.25] * 30, 1.0, 0.5),
    ("one infinite rise, one datapoint unchanged: two-sided, the floor of 1 change", [math.inf, 0.0], 1.0, 0.75),
]


@pytest.mark.parametrize(("rule", "differences", "two", "one"), T_EDGES, ids=[r[0] for r in T_EDGES])
def test_t_test_edges(rule: str, differences: list[float], two: float, one: float) -> None:
    assert (t_test(differences), t_test(differences, sides=1)) == pytest.approx((two, one), rel=1e-12, abs=0)


T_SCALED = [
    # (rule, differences, the differences scipy.stats.ttest_rel gives the same t on, as T_TABLE)
    ("one infinite drop beside 39 finite rises: as -1 beside 0s", [-math.inf] + [1.0] * 39, [-1.0] + [0.0] * 39),
    ("6 infinite drops beside 34 finite rises", [-math.inf] * 6 + [0.5] * 34, [-1.0] * 6 + [0.0] * 34),
    # their squares underflow to 0 unscaled: an infinite t, p the floor
    ("tiny differences are scaled up", [1e-200, 2e-200, 3e-200, -1e-200], [1.0, 2.0, 3.0, -1.0]),
]


@pytest.mark.parametrize(("rule", "differences", "alike"), T_SCALED, ids=[r[0] for r in T_SCALED])
def test_t_test_of_scaled_differences_equals_scipy(rule: str, differences: list[float], alike: list[float]) -> None:
    stats = pytest.importorskip("scipy.stats")
    zeros = [0.0] * len(alike)
    two, one = stats.ttest_rel(alike, zeros).pvalue, stats.ttest_rel(alike, zeros, alternative="less").pvalue
    assert (t_test(differences), t_test(differences, sides=1)) == pytest.approx((two, one), rel=1e-9, abs=0)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=12), st.sampled_from([1, 2]))
def test_t_test_takes_any_finite_differences(differences: list[float], sides: int) -> None:
    assert 0 <= t_test(differences, sides) <= 1


EXTREMES = st.sampled_from([sys.float_info.max, -sys.float_info.max, math.inf, -math.inf, 5e-324, -5e-324, 0.0])
DIFFERENCES = st.lists(st.one_of(st.floats(allow_nan=False), EXTREMES), max_size=12)


@given(DIFFERENCES, st.sampled_from([1, 2]))
def test_t_test_takes_any_differences_of_finite_values(differences: list[float], sides: int) -> None:
    """The difference of two finite values is finite, or infinite past the largest double."""
    assert 0 <= t_test(differences, sides) <= 1


@given(st.dictionaries(st.sampled_from("abc"), DIFFERENCES, max_size=3), st.sampled_from([assess, assess_regressions]))
def test_a_comparison_of_any_differences_is_assessed(
    differences: dict[str, list[float]], how: Callable[..., dict[str, Any]]
) -> None:
    """Every row's test, its lean and Holm's correction, on rows of any such differences: a p-value and a change,
    never an exception (a lean of 4e308 overflowed fsum; t = nan failed Holm)."""
    rows = {
        k: Row(sum(1 for d in ds if d > 0), sum(1 for d in ds if d < 0), tuple(ds)) for k, ds in differences.items()
    }
    for found in how(rows).values():
        assert 0 <= found.p_value <= found.p_adjusted <= 1
        assert found.change in Change


def test_t_test_sides_must_be_one_or_two() -> None:
    with pytest.raises(ValueError, match=r"^sides must be 1 or 2, got 0$"):
        t_test([1.0, 2.0], 0)


CLASSIFIED = [
    # (rule, counts, p_adjusted, lean, shown, change)
    ("the counts lean by default", (30, 10), 0.01, None, None, Change.BETTER),
    ("the t-test's mean leans against the counts", (30, 10), 0.01, -0.1, None, Change.WORSE),
    ("a mean leaning better", (10, 30), 0.01, 0.2, 0.2, Change.BETTER),
    ("the backend's delta agrees", (30, 10), 0.01, -0.1, -0.1175, Change.WORSE),
    ("the backend's delta disagrees: within noise", (30, 10), 0.01, None, -0.1175, Change.WITHIN_NOISE),
    ("a drop beside a rise: within noise", (10, 30), 0.01, -0.1, 0.05, Change.WITHIN_NOISE),
    ("a change of 0 is neither", (30, 10), 0.01, None, 0.0, Change.WITHIN_NOISE),
    ("a test leaning nowhere is neither", (20, 20), 0.01, None, None, Change.WITHIN_NOISE),
    ("leaning nowhere beside a rise", (20, 20), 0.01, None, 0.1, Change.WITHIN_NOISE),
    ("not significant, whatever agrees", (30, 10), 0.06, -0.1, -0.1, Change.WITHIN_NOISE),
    ("too few before anything else", (3, 2), 0.0, -0.1, -0.1, Change.TOO_FEW),
]


@pytest.mark.parametrize(("rule", "counts", "p", "lean", "shown", "change"), CLASSIFIED, ids=[r[0] for r in CLASSIFIED])
def test_classify_leans_with_the_test_and_never_against_the_backend(
    rule: str, counts: tuple[int, int], p: float, lean: float | None, shown: float | None, change: Change
) -> None:
    assert classify(*counts, p_adjusted=p, lean=lean, shown=shown) is change


ROWS: list[tuple[str, dict[str, Row | tuple[int, int]], int, dict[str, tuple[str, str, float]]]] = [
    # (rule, rows, sides, {metric: (change, described, raw p)})
    (
        "differences take the t-test, two-sided: worse beside the backend's drop",
        {"m": Row(30, 10, tuple(CASE_A), shown=-0.1175)},
        2,
        {"m": ("worse", "p = 0.0019", 0.0019452176152931183)},
    ),
    (
        "and one-sided in a gate",
        {"m": Row(30, 10, tuple(CASE_A), shown=-0.1175)},
        1,
        {"m": ("worse", "p < 0.001", 0.0009726088076465591)},
    ),
    (
        "the counts alone say better, which the backend's drop forbids",
        {"m": Row(30, 10, shown=-0.1175)},
        2,
        {"m": ("within noise", "p = 0.0022", 0.0022214337732293643)},
    ),
    (
        "untold: no p-value, out of Holm's count",
        {"m": Row(0, 12, untold=True), "n": (0, 6)},
        2,
        {"m": ("can't tell", "trials differ", 1.0), "n": ("worse", "p = 0.031", 0.03125)},
    ),
    (
        "untold one-sided too, whatever its counts",
        {"m": Row(12, 0, untold=True)},
        1,
        {"m": ("can't tell", "trials differ", 1.0)},
    ),
    (
        "a t-test row with few changes is too few, as the sign test's",
        {"m": Row(0, 4, (-1.0,) * 4 + (0.0,) * 36, shown=-0.1)},
        1,
        {"m": ("too few changes to tell", "needs ≥ 5 changes, has 4", 0.0625)},
    ),
    (  # the lean, the sum of the differences, overflowed: OverflowError: intermediate overflow in fsum
        "differences summing past the largest double lean the way they go",
        {"m": Row(0, 6, (-1e308,) * 6 + (0.0,) * 34)},
        1,
        {"m": ("worse", "p = 0.016", 0.015625)},
    ),
    (
        "infinite differences too",
        {"m": Row(6, 0, (math.inf,) * 6 + (0.0,) * 34)},
        2,
        {"m": ("better", "p = 0.031", 0.03125)},
    ),
    (
        "4 such differences are too few, as any 4",
        {"m": Row(4, 0, (1e308,) * 4 + (0.0,) * 36)},
        2,
        {"m": ("too few changes to tell", "needs ≥ 6 changes, has 4", 0.125)},
    ),
    (
        "Holm over t-tests and sign tests alike",
        {"m": Row(30, 10, tuple(CASE_A)), "n": (0, 6)},
        2,
        {"m": ("worse", "p = 0.0039", 0.0019452176152931183), "n": ("worse", "p = 0.031", 0.03125)},
    ),
]


@pytest.mark.parametrize(("rule", "rows", "sides", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_assess_rows(
    rule: str, rows: dict[str, Row | tuple[int, int]], sides: int, expected: dict[str, tuple[str, str, float]]
) -> None:
    found = (assess if sides == 2 else assess_regressions)(rows, alpha=0.05)
    assert {key: (a.change.value, describe(a)) for key, a in found.items()} == {
        key: (change, described) for key, (change, described, _) in expected.items()
    }
    assert [a.p_value for a in found.values()] == pytest.approx([p for _, _, p in expected.values()], rel=1e-9)
    assert all((a.sides, a.alpha) == (sides, 0.05) for a in found.values())
    assert [(a.better, a.worse) for a in found.values()] == [tuple(row)[:2] for row in rows.values()]
    assert all(a.p_adjusted == 1.0 for a in found.values() if a.change is Change.UNTOLD)


@pytest.mark.parametrize("test", [assess, assess_regressions])
@pytest.mark.parametrize(
    ("row", "kind"),
    [
        ((0, 11), "sign"),
        (Row(0, 11, untold=True), "sign"),
        (Row(0, 11, differences=(-1.0,) * 11), "t"),  # its p is its floor, the sign test's: still the t-test
        (Row(3, 8, differences=(1.0,) * 3 + (-2.0,) * 8), "t"),
    ],
)
def test_an_assessment_names_the_test_that_gave_its_p_value(
    test: Callable[..., dict[str, Assessment]], row: Row | tuple[int, int], kind: str
) -> None:
    assert test({"m": row})["m"].test == kind

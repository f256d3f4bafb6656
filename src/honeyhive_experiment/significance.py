"""Telling a regression from noise, on the backend's counts and per-datapoint values.

For each metric the backend says, over the datapoints both runs share, how many improved and how many
degraded (datapoints that stayed the same are left out). If the change made no real difference, each
changed datapoint is as likely to go up as down, like a coin toss. The exact two-sided sign test gives
the probability (p-value) of a split at least this lopsided under that coin toss. Pass/fail is tested the
same way (McNemar's exact test) on the datapoints that went pass→fail and fail→pass. Because one comparison
tests several metrics at once, the p-values are adjusted with the Holm correction, so that one lucky metric
among many does not count as a finding. A metric is ``better`` or ``worse`` only when its adjusted p-value
is at most alpha (0.05 by default), otherwise ``within noise``; with too few changed datapoints to ever get
there (fewer than 6 at alpha = 0.05, even if all of them moved the same way) it is ``too few changes to tell``.

A gate asks a narrower question: did this metric get *worse*? :func:`regression_test` is the one-sided sign test
in the worse direction, and :func:`assess_regressions` corrects it with Holm over the gated metrics only (a gate
is not diluted by metrics nobody gates; the verdict makes the noise-aware gates one family and the plain ones
another, so a plain gate does not dilute a noise-aware one either). One-sided, 5 unanimous changes can be
significant at 0.05 (0.5**5 = 0.031), where the two-sided test needs 6.

The sign test asks whether more datapoints went one way than the other, which is a question about the median
change, not the mean: 30 datapoints up by 0.01 and 10 down by 0.5 is a majority better and a mean much worse. For a
metric whose aggregate is a mean, :func:`t_test` is the paired t-test on each shared datapoint's difference
(Student's t, its CDF from the regularized incomplete beta function): it asks whether the mean difference is 0.
Its p-value is never below the sign test's smallest one on the same changes (:func:`smallest_p`): with few changed
datapoints the t distribution is no approximation of theirs (3 of 40 dropping 1 → 0 give t = -1.78, p = 0.042, where
a coin does that one time in eight), and so ``too few changes to tell`` means the same whichever test ran.

The sign-based tests need the same number of trials in both runs: the backend compares datapoints on the mean of
their trials, and a mean of 5 trials sits nearer the datapoint's centre than one trial does, so with a skewed metric
(a judge right 80% of the time) most datapoints "degrade" from 1 to 0.8 with nothing changed. A row marked
``untold`` is therefore :attr:`Change.UNTOLD`, never tested. The t-test still judges: a mean of K trials has the
datapoint's expected value whatever K, so the differences still average 0 when nothing changed, and their spread is
measured, not assumed; but they are far from normal then, and its false alarms exceed alpha (a yes/no judge right 95%
of the time, 1 trial against 5 on 40 datapoints: 14%; the README says more).

Everything here is pure arithmetic on integers and floats: no I/O, nothing beyond the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, NamedTuple, TypeVar

__all__ = [
    "DEFAULT_ALPHA",
    "Assessment",
    "Change",
    "Flips",
    "Row",
    "assess",
    "assess_regressions",
    "can_be_significant",
    "classify",
    "describe",
    "flips",
    "holm",
    "min_changes",
    "needed",
    "p_text",
    "regression_test",
    "sign_test",
    "smallest_p",
    "t_test",
    "unanimous_p",
]

K = TypeVar("K", bound=Hashable)

DEFAULT_ALPHA = 0.05
"""The significance level used unless one is configured."""

_SMALLEST_SHOWN_P = 0.001
"""Below this, a p-value is shown as ``p < 0.001``."""


class Change(StrEnum):
    """A metric's status in one comparison, from the point of view of the metric's direction."""

    BETTER = "better"
    WORSE = "worse"
    WITHIN_NOISE = "within noise"
    TOO_FEW = "too few changes to tell"
    UNTOLD = "can't tell"
    """A sign-based test between runs of different numbers of trials: its coin toss is not fair then."""


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:  # also rejects NaN
        raise ValueError(f"alpha must be between 0 and 1 (exclusive), got {alpha!r}")


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} must be a count (>= 0), got {value!r}")


def _check_p(name: str, p: float) -> None:
    if not 0 <= p <= 1:  # also rejects NaN
        raise ValueError(f"{name} must be a p-value between 0 and 1, got {p!r}")


def sign_test(improved: int, degraded: int) -> float:
    """Exact two-sided sign test: the p-value of ``improved`` vs ``degraded`` under a fair coin.

    Unchanged datapoints are the caller's to leave out. Equals
    ``scipy.stats.binomtest(min(improved, degraded), improved + degraded, 0.5).pvalue``, which for a fair coin
    is ``min(1, 2 * P(X <= min side))``. The tail is summed in exact integers and divided once, so large counts
    neither overflow nor lose precision; no changes at all gives 1.0.
    """
    _check_counts(improved=improved, degraded=degraded)
    n = improved + degraded
    # int / int is correctly rounded in Python, however large the integers
    return min(1.0, 2 * _tail(n, min(improved, degraded)) / (1 << n))


def regression_test(worse: int, better: int) -> float:
    """Exact one-sided sign test in the worse direction: the probability, under a fair coin, of at least
    ``worse`` of the ``worse + better`` changed datapoints going the worse way. No changes at all gives 1.0.

    Equals ``scipy.stats.binomtest(worse, worse + better, 0.5, alternative="greater").pvalue``; summed in exact
    integers like :func:`sign_test`."""
    _check_counts(worse=worse, better=better)
    n = worse + better
    # the sum of C(n, i) for i = worse..n is that of C(n, j) for j = 0..better; it is at most 2**n: p at most 1
    return _tail(n, better) / (1 << n)


def _tail(n: int, k: int) -> int:
    """The sum of C(n, i) for i = 0..k, in exact integers."""
    tail = 0
    term = 1  # C(n, i), updated exactly: C(n, i + 1) = C(n, i) * (n - i) / (i + 1)
    for i in range(k + 1):
        tail += term
        term = term * (n - i) // (i + 1)
    return tail


def t_test(differences: Sequence[float], sides: int = 2) -> float:
    """The paired t-test on each shared datapoint's difference (positive: better): two-sided, or with ``sides=1``
    one-sided in the worse direction (the mean difference below 0). Never below :func:`smallest_p` of the changed
    datapoints (the module docstring says why); fewer than 2 differences give 1.0.

    Equals ``scipy.stats.ttest_rel(new, old).pvalue`` (``alternative="less"`` one-sided) where that is above the floor.
    All differences equal: t is infinite, in the mean's direction (p = 0 there, floored; 1 the other way; all 0 is
    no change, p = 1). Any finite differences, and infinite ones (:func:`_scaled`), give a p-value."""
    floor = smallest_p(sum(1 for d in differences if d), sides)
    n = len(differences)
    if n < 2:
        return 1.0
    scaled = _scaled(differences)
    mean = math.fsum(scaled) / n
    squares = math.fsum((d - mean) ** 2 for d in scaled)
    t = mean / math.sqrt(squares / (n - 1) / n) if squares else math.copysign(math.inf, mean)
    df, t2 = n - 1, t * t
    # P(|T| >= |t|) = I_x(df/2, 1/2) with x = df / (df + t²); 1 - x is passed as computed, not as 1 - x, and t² is
    # never divided by: it underflows to 0 (x = 1) or overflows to infinity (x = 0) on absurd values
    both = _betainc(df / 2, 0.5, df / (df + t2), t2 / (df + t2) if t2 < math.inf else 1.0)
    p = both if sides == 2 else both / 2 if t < 0 else 1 - both / 2
    return max(p, floor)


def _scaled(differences: Sequence[float]) -> list[float]:
    """The differences scaled into [-1, 1], where their sums cannot overflow (1e300 and -1.7e308 can): a t statistic
    and the sign of a mean are the same on them. Of two finite values the difference can be infinite (-1e308 - 1e308):
    then the infinite ones are ±1 and the finite ones 0, the limit of both as those differences grow alike past every
    finite one."""
    if any(math.isinf(d) for d in differences):
        return [math.copysign(1.0, d) if math.isinf(d) else 0.0 for d in differences]
    scale = max(map(abs, differences), default=0.0) or 1.0  # pragma: no mutate  # none, or all 0: kept as they are
    return [d / scale for d in differences]


def _betainc(a: float, b: float, x: float, y: float) -> float:
    """The regularized incomplete beta function I_x(a, b), ``y`` being 1 - x (Numerical Recipes' ``betai``): by the
    continued fraction where it converges fast, else by the symmetry I_x(a, b) = 1 - I_y(b, a)."""
    if x == 0 or y == 0:
        return x  # 0 or 1
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y))
    if x < (a + 1) / (a + b + 2):  # pragma: no mutate  # either way is exact; this one is fast
        return front * _fraction(a, b, x) / a
    return 1 - front * _fraction(b, a, y) / b


_TINY = 1e-300
"""What a vanishing denominator of the continued fraction is replaced by (Lentz's method)."""


def _fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) by the modified Lentz method (Numerical Recipes' ``betacf``), to the
    last bit a double holds; it converges in O(√max(a, b)) terms where :func:`_betainc` uses it."""
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)  # pragma: no mutate
    h = d
    m = 0
    while True:
        m += 1
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d, c = 1 + numerator * d, 1 + numerator / c
            d = 1 / (d if abs(d) > _TINY else _TINY)  # pragma: no mutate
            c = c if abs(c) > _TINY else _TINY  # pragma: no mutate
            h *= d * c
        if abs(d * c - 1) < 3e-16:  # pragma: no mutate
            return h


@dataclass(frozen=True, slots=True)
class Flips:
    """Datapoints whose pass/fail changed between the baseline and the new run (ids in the new run's order)."""

    pass_to_fail: tuple[str, ...]
    fail_to_pass: tuple[str, ...]

    @property
    def better_worse(self) -> tuple[int, int]:
        """``(fail→pass, pass→fail)``: the row :func:`assess` takes for pass/fail."""
        return len(self.fail_to_pass), len(self.pass_to_fail)


def flips(
    old_passed: Iterable[str],
    old_failed: Iterable[str],
    new_passed: Iterable[str],
    new_failed: Iterable[str],
) -> Flips:
    """The datapoints that went pass→fail and fail→pass, from the backend's passed/failed id lists of two runs.

    Only datapoints present in both runs can flip. A datapoint listed as both passed and failed within one run
    has no clear status there and is left out. Ids keep the new run's order, each once.
    """
    old_pass, old_fail = set(old_passed), set(old_failed)
    new_pass, new_fail = list(dict.fromkeys(new_passed)), list(dict.fromkeys(new_failed))
    ambiguous = (old_pass & old_fail) | (set(new_pass) & set(new_fail))
    return Flips(
        pass_to_fail=tuple(i for i in new_fail if i in old_pass and i not in ambiguous),
        fail_to_pass=tuple(i for i in new_pass if i in old_fail and i not in ambiguous),
    )


def holm(p_values: Mapping[K, float]) -> dict[K, float]:
    """Holm–Bonferroni adjusted p-values, same keys in the same order.

    The smallest of m p-values is multiplied by m, the next by m - 1, and so on; each adjusted value is at least
    the one before it (step-down) and at most 1. Equal p-values are taken in input order and get equal results.
    """
    for key, p in p_values.items():
        _check_p(f"p-value of {key!r}", p)
    m = len(p_values)
    adjusted: dict[K, float] = {}
    running = 0.0
    for rank, key in enumerate(sorted(p_values, key=p_values.__getitem__)):  # sorted() is stable
        running = max(running, min(1.0, (m - rank) * p_values[key]))
        adjusted[key] = running
    return {key: adjusted[key] for key in p_values}


def smallest_p(n: int, sides: int = 2) -> float:
    """The p-value of a unanimous result on ``n`` changes (all one way): ``sides * 0.5**n``, at most 1 (``sides``
    2 for the two-sided sign test, 1 for the one-sided :func:`regression_test`)."""
    _check_counts(n=n)
    if sides not in (1, 2):
        raise ValueError(f"sides must be 1 or 2, got {sides!r}")
    return min(1.0, sides * 0.5**n)


def unanimous_p(n: int, found: Assessment) -> float:
    """The Holm-adjusted p-value of a unanimous result on ``n`` changes (:func:`smallest_p`, ``found.sides``-sided) in
    ``found``'s family, the other tests' p-values as they are (:attr:`Assessment.rivals`): the smallest its test could
    have on ``n`` changes. Alone in its family, that is the raw one; beside m - 1 others, up to m times it."""
    family: dict[int, float] = dict(enumerate(found.rivals))
    return holm({**family, -1: smallest_p(n, found.sides)})[-1]


def needed(found: Assessment) -> int:
    """The fewest changes on which a unanimous change can be significant for the test ``found``: Holm's correction
    over its family, the other tests' p-values as they are (:func:`unanimous_p`), raises the one-sided 5 at 0.05 to 6
    beside one other test with a change; alone, :func:`min_changes`. The one number every "needs ≥" says."""
    n = min_changes(found.alpha, found.sides)
    while unanimous_p(n, found) > found.alpha:
        n += 1
    return n


def can_be_significant(n: int, alpha: float = DEFAULT_ALPHA, sides: int = 2) -> bool:
    """Whether ``n`` changes could reach ``alpha`` at all, i.e. if every one of them went the same way."""
    _check_alpha(alpha)
    return smallest_p(n, sides) <= alpha


def min_changes(alpha: float = DEFAULT_ALPHA, sides: int = 2) -> int:
    """The fewest changes that can be significant at ``alpha``: two-sided 6 at 0.05 and 8 at 0.01, one-sided 5
    and 7."""
    _check_alpha(alpha)
    n = 1  # no change never can: p = 1
    while not can_be_significant(n, alpha, sides):
        n += 1
    return n


def classify(
    better: int,
    worse: int,
    *,
    p_adjusted: float,
    alpha: float = DEFAULT_ALPHA,
    sides: int = 2,
    lean: float | None = None,
    shown: float | None = None,
) -> Change:
    """A metric's :class:`Change` from its direction-aware counts and its (Holm-adjusted) p-value.

    ``too few changes to tell`` compares the *raw* smallest possible p-value (a unanimous result on
    ``better + worse`` changes) with ``alpha``, not a Holm-adjusted one: it says that not even a unanimous change
    could be significant, whatever else is in the comparison. Otherwise the metric is ``better`` or ``worse``
    when ``p_adjusted <= alpha``, in the direction the test leans (``lean``: the t-test's mean difference; by
    default whichever count is larger), and ``within noise`` when not. ``shown`` is the backend's change of the
    aggregate in the metric's direction (positive: better; ``None``: not sent): a test leaning the other way, or a
    change of 0, is within noise at best, so a row never reads "better" beside a drop. ``sides=1`` (a regression
    test) counts a unanimous change one-sided.
    """
    _check_counts(better=better, worse=worse)
    _check_p("p_adjusted", p_adjusted)
    _check_alpha(alpha)
    if not can_be_significant(better + worse, alpha, sides):
        return Change.TOO_FEW
    lean = better - worse if lean is None else lean
    if p_adjusted <= alpha and (shown is None or shown * lean > 0):
        if lean > 0:
            return Change.BETTER
        if lean < 0:
            return Change.WORSE
    return Change.WITHIN_NOISE


class Row(NamedTuple):
    """One metric's evidence in one comparison, in the metric's direction (a plain ``(better, worse)`` is one)."""

    better: int
    """The shared datapoints that got better, by the backend's counts."""
    worse: int
    differences: tuple[float, ...] | None = None
    """Each shared datapoint's change (positive: better), for :func:`t_test`; ``None``: the sign test on the counts."""
    shown: float | None = None
    """The backend's change of the aggregate (positive: better; ``None``: not sent): see :func:`classify`."""
    untold: bool = False
    """The runs ran different numbers of trials: a sign test here is not told (:attr:`Change.UNTOLD`)."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """One metric's counts, p-values and status in one comparison."""

    better: int
    worse: int
    p_value: float
    """The raw p-value (sign test, McNemar or t-test)."""
    p_adjusted: float
    """The Holm-adjusted p-value across the comparison's metrics; this is what is compared with ``alpha``."""
    change: Change
    alpha: float = DEFAULT_ALPHA
    sides: int = 2
    """2: the two-sided test (a row's better / worse); 1: the one-sided regression test of a gate."""
    test: Literal["sign", "t"] = "sign"
    """Which test gave ``p_value``: the sign test on the counts (McNemar's on the flips is one), or the paired
    :func:`t_test` on the row's differences (whose p-value can equal a sign test's: its floor, :func:`smallest_p`)."""
    rivals: tuple[float, ...] = field(default=(), compare=False)
    """The raw p-values of the other tests of its Holm family (those with a change, told), beside which its own was
    adjusted: context, not the metric's own result (:func:`unanimous_p`)."""

    @property
    def changes(self) -> int:
        return self.better + self.worse


def assess(rows: Mapping[K, Row | tuple[int, int]], *, alpha: float = DEFAULT_ALPHA) -> dict[K, Assessment]:
    """Test every metric of one comparison: ``rows`` maps a metric to its :class:`Row` (or ``(better, worse)``).

    The counts are direction-aware (the caller maps improved/degraded through the metric's direction; for
    pass/fail use :attr:`Flips.better_worse`). A row with differences takes the two-sided :func:`t_test`, else the
    :func:`sign_test`. Holm's correction runs over the metrics with at least one change that are told; a metric
    without changes keeps p = 1. The result has the keys of ``rows`` in their order.
    """
    return _corrected(rows, alpha=alpha, sides=2)


def assess_regressions(rows: Mapping[K, Row | tuple[int, int]], *, alpha: float = DEFAULT_ALPHA) -> dict[K, Assessment]:
    """Test whether each gated metric got worse: ``rows`` as :func:`assess` takes them. The one-sided
    :func:`t_test` or :func:`regression_test`, Holm-corrected over these rows only (those with a change); a metric
    is ``worse`` when significant, else ``within noise`` or ``too few changes to tell`` (one-sided)."""
    # never better: leaning better, the one-sided p is at least 0.5
    return _corrected(rows, alpha=alpha, sides=1)


def _corrected(rows: Mapping[K, Row | tuple[int, int]], *, alpha: float, sides: int) -> dict[K, Assessment]:
    """Each row's :class:`Assessment`, its test ``sides``-sided, Holm-corrected as :func:`assess` says."""
    _check_alpha(alpha)
    told = {key: Row(*row) for key, row in rows.items()}
    raw: dict[K, float] = {}
    for key, row in told.items():
        if row.differences is not None:
            raw[key] = t_test(row.differences, sides)
        else:
            raw[key] = sign_test(row.better, row.worse) if sides == 2 else regression_test(row.worse, row.better)
    tested = {key: raw[key] for key, row in told.items() if row.better + row.worse > 0 and not row.untold}
    adjusted = holm(tested)
    result: dict[K, Assessment] = {}
    for key, row in told.items():
        p_adjusted = adjusted.get(key, 1.0)
        if row.untold:
            result[key] = Assessment(row.better, row.worse, 1.0, 1.0, Change.UNTOLD, alpha, sides)
            continue
        lean = None if row.differences is None else math.fsum(_scaled(row.differences))  # its sign: which way
        change = classify(
            row.better, row.worse, p_adjusted=p_adjusted, alpha=alpha, sides=sides, lean=lean, shown=row.shown
        )
        rivals = tuple(p for other, p in tested.items() if other != key)
        test: Literal["sign", "t"] = "sign" if row.differences is None else "t"
        result[key] = Assessment(row.better, row.worse, raw[key], p_adjusted, change, alpha, sides, test, rivals)
    return result


def describe(a: Assessment) -> str:
    """The short text shown next to a status: the adjusted p-value as :func:`p_text` shows it, or why there is none
    worth showing: ``"needs ≥ 6 changes, has 4"`` (``≥ 5`` for a one-sided regression test; more beside other tests
    with a change in its Holm family: :func:`needed`)."""
    if a.change is Change.TOO_FEW:
        return f"needs ≥ {needed(a)} changes, has {a.changes}"
    if a.change is Change.UNTOLD:
        return "trials differ"
    return p_text(a.p_adjusted, a.alpha)


def p_text(p: float, alpha: float) -> str:
    """A p-value as shown: ``p = 0.003``, ``p = 0.21`` (two significant digits), ``p < 0.001``; never rounded across
    ``alpha``, which it is compared with: with more digits where two would put it on alpha's other side (``p = 0.0503``
    at 0.05, not ``p = 0.05``, which reads as significant), and not ``p < 0.001`` when alpha is below 0.001."""
    if p < _SMALLEST_SHOWN_P <= alpha:
        return f"p < {_SMALLEST_SHOWN_P:g}"
    digits = 2
    while (float(f"{p:.{digits}g}") <= alpha) is not (p <= alpha):  # by 17 digits it is p itself
        digits += 1
    return f"p = {p:.{digits}g}"

"""Numbers as the report shows them: the backend's values formatted, never recomputed.

A metric's ``format`` spec when configured; else about three significant digits (``0.853``, ``12.3``,
``1,234``); boolean metrics averaged by the backend show as a percentage. Differences of percentages are in
percentage points (``+4.0 pp``); ``Δ%`` is the backend's ``percentage_change``. A difference too small to
show in the metric's format counts as *same* (:func:`is_zero`).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

__all__ = [
    "as_utc",
    "bin_values",
    "finite",
    "format_count",
    "format_delta",
    "format_number",
    "format_percentage_change",
    "format_range",
    "format_usd",
    "format_value",
    "humanize_age",
    "is_zero",
    "sparkline",
]


NUMBER_WIDTH: Final = 24
"""The most characters a number is shown with: past it (``1e308`` in ``.2f``), three significant digits in
exponent form (``1e+308``)."""


def format_number(value: float | None, spec: str | None = None, *, percent: bool = False) -> str:
    """A metric number: the ``spec`` when given (and valid for it), a percentage for ``percent``, else
    about three significant digits (``0.853``, ``12.3``, ``1,234``, ``42``). ``None`` is ``—``. Never longer than
    :data:`NUMBER_WIDTH` characters."""
    if value is None:
        return "—"
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    text = _formatted(number, spec, percent)
    if len(text) <= NUMBER_WIDTH:
        return text
    return f"{number * 100:.3g}%" if text.endswith("%") else f"{number:.3g}"


def _formatted(number: float, spec: str | None, percent: bool) -> str:
    if spec:
        try:
            return format(number, spec)
        except (ValueError, TypeError):
            pass  # e.g. an integer spec for a fractional value: fall back to the default
    if percent:
        return f"{number:.1%}"
    if number == 0:
        return "0"
    size = abs(number)
    if size >= 999.5:
        return f"{number:,.0f}"
    if number.is_integer():
        return str(int(number))
    if size < 1e-4:
        return f"{number:.2e}"
    return f"{number:.3g}"


def format_value(value: bool | float | None, spec: str | None = None) -> str:
    """One datapoint's value of a metric: ``true`` / ``false`` for a boolean, else :func:`format_number` in the
    metric's ``spec`` (never a percentage: a single value is no pass rate)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_number(value, spec)


_SIGN_FLAG: Final = re.compile(r"^((?:.?[<>=^])?)[-+ ]", re.DOTALL)
"""A format spec's sign flag (after its fill and alignment, if any)."""


def _magnitude(value: float, spec: str | None, percent: bool) -> str:
    # a difference puts its own sign: the spec's sign flag would give "-+0.30"
    text = format_number(abs(value), _SIGN_FLAG.sub(r"\1", spec) if spec else spec, percent=percent)
    if text.endswith("%"):  # a difference of percentages is in percentage points
        text = text[:-1].rstrip() + " pp"
    return text


def is_zero(value: float, spec: str | None, percent: bool) -> bool:
    """Whether a difference is too small to show in the metric's format."""
    return value == 0 or _magnitude(value, spec, percent) == _magnitude(0.0, spec, percent)


def format_delta(value: float | None, spec: str | None = None, *, percent: bool = False) -> str:
    """The backend's difference, signed, in the metric's format (percentages in points: ``+4.0 pp``)."""
    if value is None or not math.isfinite(value):
        return "—"
    if is_zero(value, spec, percent):
        return _magnitude(0.0, spec, percent)
    return ("+" if value > 0 else "-") + _magnitude(value, spec, percent)


def format_percentage_change(value: float | None) -> str:
    """The backend's ``percentage_change`` (already in percent): ``+5.0%``."""
    if value is None or not math.isfinite(value):
        return "—"
    if round(value, 1) == 0:
        return "0.0%"
    return f"{'+' if value > 0 else '-'}{abs(value):,.1f}%"


def format_range(low: float | None, high: float | None, spec: str | None = None, *, percent: bool = False) -> str:
    """A passing range: ``0.5 – 0.9``, ``≥ 0.5``, ``≤ 0.9``; ``—`` when it has no bound."""
    if low is not None and high is not None:
        return f"{format_number(low, spec, percent=percent)} – {format_number(high, spec, percent=percent)}"
    if low is not None:
        return f"≥ {format_number(low, spec, percent=percent)}"
    if high is not None:
        return f"≤ {format_number(high, spec, percent=percent)}"
    return "—"


def format_usd(value: float) -> str:
    """US dollars: cents from $1 up (``$1,234.56``), three significant digits below (``$0.00041``): an LLM run's
    cost is often a fraction of a cent, which cents would show as $0.00."""
    if value == 0 or not math.isfinite(value) or abs(value) >= 1:
        return f"${value:,.2f}"
    decimals = 2 - math.floor(math.log10(abs(value)))  # the third significant digit
    return f"${value:.{decimals}f}"


def format_count(value: int | None) -> str:
    """A count with thousands separators; ``None`` is ``—``."""
    return "—" if value is None else f"{value:,}"


def finite(value: float | None) -> float | None:
    """``value`` when it is a finite number, else ``None`` (JSON has no NaN or infinity)."""
    return value if value is not None and math.isfinite(value) else None


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def humanize_age(then: datetime, now: datetime) -> str:
    """``"3 days ago"``; naive datetimes are taken as UTC; anything under a minute is ``"just now"``."""
    seconds = (as_utc(now) - as_utc(then)).total_seconds()
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def sparkline(values: Sequence[float | None]) -> str:
    """One bar (``▁``…``█``) per value between the lowest and the highest; ``·`` for a missing one."""
    numbers = [v for v in values if v is not None and math.isfinite(v)]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    bars = "▁▂▃▄▅▆▇█"
    out = []
    for v in values:
        if v is None or not math.isfinite(v):
            out.append("·")
        elif high == low:
            out.append(bars[3])
        else:
            out.append(bars[round((v - low) / (high - low) * (len(bars) - 1))])
    return "".join(out)


def bin_values(
    *series: Sequence[object] | None, bins: int = 12
) -> tuple[tuple[float, ...], tuple[tuple[int, ...] | None, ...], bool] | None:
    """The values of each series (the backend's lists) counted into shared bins, for a histogram: ``(edges,
    counts per series, boolean)``; ``None`` when no series has a finite value. Booleans get two bins (false,
    true); integers spanning 2 to ``2 * bins`` get one bin each; one value, one bin around it; else ``bins`` equal
    bins. A series that is ``None`` stays ``None``. Drawing only: nothing decided is computed from these."""
    cleaned: list[list[float] | None] = []
    boolean = True
    for values in series:
        if values is None:
            cleaned.append(None)
            continue
        kept = []
        for value in values:
            if isinstance(value, bool):
                kept.append(float(value))
            elif isinstance(value, int | float) and math.isfinite(value):
                boolean = False
                kept.append(float(value))
        cleaned.append(kept)
    every = [v for values in cleaned if values for v in values]
    if not every:
        return None
    if boolean:
        edges: tuple[float, ...] = (-0.5, 0.5, 1.5)
    else:
        low, high = min(every), max(every)
        if all(v.is_integer() for v in every) and 1 < high - low <= 2 * bins:
            edges = tuple(low - 0.5 + i for i in range(int(high - low) + 2))
        elif high == low:
            margin = max(abs(low) * 0.05, 0.05)
            edges = (low - margin, high + margin)
        else:
            step = (high - low) / bins
            edges = (*(low + i * step for i in range(bins)), high)
    counts: list[tuple[int, ...] | None] = []
    last = len(edges) - 2
    for values in cleaned:
        if values is None:
            counts.append(None)
            continue
        tally = [0] * (last + 1)
        for value in values:
            tally[min(last, max(0, bisect.bisect_right(edges, value) - 1))] += 1
        counts.append(tuple(tally))
    return edges, tuple(counts), boolean

"""Numbers as the report shows them: the backend's values formatted, never recomputed.

A metric's ``format`` spec when configured; else about three significant digits (``0.853``, ``12.3``,
``1,234``); boolean metrics averaged by the backend show as a percentage. Differences of percentages are in
percentage points (``+4.0 pp``); ``Δ%`` is the backend's ``percentage_change``. A difference too small to
show in the metric's format counts as *same* (:func:`is_zero`).

A number judged against a bound is never rounded onto or across it: it gets as many more digits as it takes to
read on the side of the bound it is on (:func:`format_beside`: a datapoint's 0.4996 that failed ``min: 0.5`` in
``.2f`` is ``0.4996``, not ``0.50``; a drop of 0.0201 past ``max_drop: 0.02`` is ``-0.0201``), and a bound shown
reads as itself (:func:`format_bound`: ``min: 0.004`` in ``.2f`` is ``0.004``, not ``0.00``).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

__all__ = [
    "as_utc",
    "bin_values",
    "counted",
    "finite",
    "format_apart",
    "format_beside",
    "format_bound",
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
"""The most characters a number is shown with, the padding its spec asks for aside (``>30.3%`` pads ``49.960%`` to
30): past it (``1e308`` in ``.2f``), three significant digits in exponent form (``1e+308``), padded as the spec
pads."""


def format_number(value: float | None, spec: str | None = None, *, percent: bool = False) -> str:
    """A metric number: the ``spec`` when given (and valid for it), a percentage for ``percent``, else
    about three significant digits (``0.853``, ``12.3``, ``1,234``, ``42``). ``None`` is ``—``. Never longer than
    :data:`NUMBER_WIDTH` characters; ``-0.0`` is zero (``0.00``, not ``-0.00``), and a finite number never reads as
    infinite (``1.95e306`` in ``.0%`` is ``1.95e+308%``, not ``inf%``)."""
    if value is None:
        return "—"
    number = float(value) + 0.0  # -0.0 + 0.0 is 0.0
    if not math.isfinite(number):
        return str(number)
    text = _formatted(number, spec, percent)
    bare, pad = _unpadded(spec)
    own = _formatted(number, bare, percent) if pad else text  # the number's own characters, unpadded
    if len(own) <= NUMBER_WIDTH and "inf" not in own:  # a percentage whose hundredfold overflows reads inf%
        return text
    return format(f"{_hundredfold(number * 100, number):.3g}%" if own.endswith("%") else f"{number:.3g}", pad)


def _hundredfold(scaled: float, number: float) -> float | Decimal:
    """A percentage's number (``scaled``: ``number``'s hundredfold as a float), exact when the float overflows
    (``1.95e306`` is ``1.95e+308``, not infinity)."""
    return scaled if math.isfinite(scaled) else _exact(number).scaleb(2)


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


_SPEC: Final = re.compile(
    r"^(?P<head>(?P<align>(?:.?[<>=^])?)(?P<flags>[-+ ]?z?#?0?[0-9]*)(?P<grouping>[,_]?))(?:\.(?P<digits>[0-9]+))?"
    r"(?P<kind>[eEfFgGn%]?)$",
    re.DOTALL,
)
"""A format spec of a float: all but its precision (``head``: alignment, flags and width, grouping), its precision
and its type."""
_WIDTH: Final = re.compile(r"(?P<flags>[-+ ]?z?#?)(?P<zero>0?)(?P<width>[0-9]*)")
"""A float spec's flags (:data:`_SPEC`'s), split before its width: sign, ``z`` and ``#``; zero padding; the width."""
_SHOWN_NUMBER: Final = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_EXPONENT: Final = re.compile(r"e([-+])([0-9])$")
"""A one-digit exponent, as a decimal writes it (``e-6``; a float: ``e-06``)."""
MORE_DIGITS: Final = 17
"""The most significant digits added to tell a number from a bound: 17 tell every float from every other. A fixed
point (``f``, ``%``) takes as many decimals as it takes (1e-30 beside 0 takes 30)."""


@functools.lru_cache(maxsize=64)  # a report's few specs, for each of its many numbers
def _unpadded(spec: str | None) -> tuple[str | None, str]:
    """``spec`` without its width (``>30.3%`` is ``.3%``: the number alone, which :data:`NUMBER_WIDTH` bounds), and
    the string spec that pads a text to that width as ``spec`` pads a number (``>30``; ``""``: it has no width)."""
    found = _SPEC.match(spec) if spec else None
    sized = _WIDTH.fullmatch(found["flags"]) if found else None
    if found is None or sized is None or not sized["width"]:
        return spec, ""
    digits = "" if found["digits"] is None else f".{found['digits']}"
    align = found["align"] or ("0=" if sized["zero"] else "")
    align = align[:-1] + align[-1:].replace("=", ">")  # a text has no sign to pad after
    return f"{sized['flags']}{found['grouping']}{digits}{found['kind']}", f"{align}{sized['width']}"


def _at(number: float, exact: Decimal, found: re.Match[str], precision: int) -> str:
    """``number`` (``exact``: as a decimal) in the spec ``found`` at ``precision``."""
    kind = found["kind"]
    if kind != "%":
        return format(number, f"{found['head']}.{precision}{kind}")
    # a float's percentage is its hundredfold rounded (0.7999999999999999 is 80.00000000000000%): Decimal's is
    # exact, but without '#' (nothing at a precision) or '_' grouping (its ',' then swapped)
    text = format(exact, f"{found['align']}{found['flags'].replace('#', '')}{found['grouping'] and ','}.{precision}%")
    return text.replace(",", "_") if found["grouping"] == "_" else text


def _wider(number: float, spec: str | None, percent: bool) -> Iterator[str]:
    """``number`` with ever more digits than :func:`format_number` shows it (its default: three significant digits,
    a percentage one decimal), the last as exact as its float; none when its spec takes no digits (``d``, or none:
    it reads as itself), nor for an infinity."""
    number += 0.0  # -0.0 is zero, as format_number shows it
    last = format_number(number, spec, percent=percent)  # the text before the first wider one
    if spec:
        try:
            format(number, spec)
        except (ValueError, TypeError):
            spec = None  # format_number's fallback: the default
    if not spec:
        spec = ".1%" if percent else ".3g"
    found, (bare, pad) = _SPEC.match(spec), _unpadded(spec)
    plain = _SPEC.match(bare or "") if pad else found  # the number unpadded, which NUMBER_WIDTH bounds
    if found is None or not (found["digits"] or found["kind"]) or not math.isfinite(number):
        return
    kind = found["kind"]
    digits = int(found["digits"] or 6)  # Python's precision without one
    exact = _exact(number)
    if kind not in ("f", "F", "%"):
        precisions = range(digits + 1, digits + MORE_DIGITS + 1)
    else:
        decimals = -int(exact.as_tuple().exponent) - (2 if kind == "%" else 0)  # the repr's, in the spec's unit
        precisions = range(digits + 1, max(decimals, digits) + 2)
    for precision in precisions:
        text = _at(number, exact, found, precision)
        own = text if plain is None or plain is found else _at(number, exact, plain, precision)  # unpadded
        if len(own) > NUMBER_WIDTH:  # too wide (1e-30 in .2f, 0.12345 in .20e): in exponent form, as format_number
            scaled = exact.scaleb(2) if kind == "%" else number  # a float's hundredfold is rounded, a decimal's not
            # never fewer significant digits than the last text says (2.675 in .25f is 2.67, then 2.675e+00: not 3e+00),
            # but for the float's own: a last text of more can say another float (1.98e18 in .1% is its hundredfold
            # rounded, 197912238109520527360.0%, and nothing wider was tried)
            said = _read(last, spec, negative=number < 0)
            least = len(said.normalize().as_tuple().digits) - 1 if said else 0
            for figures in range(min(least, len(exact.normalize().as_tuple().digits) - 1), MORE_DIGITS):
                shown = _EXPONENT.sub(r"e\g<1>0\2", f"{scaled:.{figures}e}")  # a decimal's e-6 as a float's e-06
                yield format(shown + ("%" if kind == "%" else ""), pad)
            return
        yield (last := text)


def _read(text: str, spec: str | None, *, negative: bool) -> Decimal | None:
    """The number a shown ``text`` says (a percentage as a share: ``80%`` is 0.8); ``None`` when it says none.
    ``text`` is a number of sign ``negative`` in ``spec``: its digits are read past the fill the spec pads them with
    (``->10.2f``: a ``-`` fill is no minus sign), its sign is the number's (``=+10.2f`` puts it apart from them:
    ``-     0.50``); a fill of digits is read as digits."""
    found = _SPEC.match(spec) if spec else None
    align = found["align"] if found else ""
    if len(align) == 2 and not align[0].isdigit():  # an explicit fill, off the side(s) it pads
        fill, how = align[0], align[1]
        strip = {"<": str.rstrip, ">": str.lstrip, "^": str.strip, "=": str.lstrip}[how]
        text = strip(text.lstrip("+- ") if how == "=" else text, fill)
    plain = text.replace(",", "").replace("_", "")
    found = _SHOWN_NUMBER.search(plain)
    if found is None:
        return None
    number = abs(Decimal(found.group()))  # a percentage: "%" follows the number, whatever pads it after (*<10.1%)
    number = -number if negative else number
    return number.scaleb(-2) if plain[found.end() :].lstrip().startswith("%") else number


@functools.lru_cache(maxsize=256)  # a metric's few bounds, for each of its many datapoints
def _exact(number: float) -> Decimal:
    """The decimal a float is written as (its shortest repr: 0.1, not 0.1000000000000000055…); -0.0 is 0.0 (its
    cache keeps one of the two, equal as keys: -0.0 once asked for made 0.0 read ``-0.0000%`` after it)."""
    return Decimal(repr(float(number) + 0.0))


def format_bound(bound: float, spec: str | None = None, *, percent: bool = False) -> str:
    """A bound (a passing range's, a gate's limit) in the metric's format, with as many more digits as it takes
    to read as itself (neither below nor above itself): ``min: 0.004`` in ``.2f`` is ``0.004``, not ``0.00``, a
    different bound."""
    return format_beside(bound, spec, percent=percent, low=bound, high=bound)


def format_beside(
    value: float,
    spec: str | None = None,
    *,
    percent: bool = False,
    low: float | None = None,
    high: float | None = None,
    past: bool | None = None,
) -> str:
    """``value`` judged against the bounds ``low`` (at least) and ``high`` (at most), in the metric's format, with as
    many more digits as it takes to read past them (outside them: below ``low`` or above ``high``, as
    :func:`format_bound` shows them) when it is past them, and not when it is not: never rounded onto or across a
    bound it failed (0.4996 below ``min: 0.5`` in ``.2f`` is ``0.4996``, not ``0.50``), nor past one it held.
    ``past`` says whether it is (a gate's crossing, which the verdict tells from float noise); by default when it
    is outside them, as a passing range judges (``low <= value <= high``)."""
    text = format_number(value, spec, percent=percent)
    if low is None and high is None:
        return text
    bounds = _bounds(low, high)
    side = _side(_exact(value), bounds)  # floats order as the decimals they are written as do
    if past is not None and past != bool(side):  # within its bounds but past them (or not) as the verdict judged
        sides = {s for s, bound in ((-1, low), (1, high)) if bound is not None} if past else {0}
    else:
        sides = {side}  # on its own side: 0.1 above max 0.06 never reads 0, below its min 0.05, in .0f
    for shown in itertools.chain((text,), _wider(value, spec, percent)):  # the fewest more digits that read right
        read = _judged(_read(shown, spec, negative=value < 0), value)
        if read is not None and _side(read, bounds) in sides:
            return shown
    return text


def _judged(read: Decimal | None, value: float) -> Decimal | None:
    """The number a shown text of ``value`` says (``read``), as it is judged against bounds: ``value`` itself (the
    decimal it is written as) when it reads back as the float ``value`` is: ``0.1`` in ``.20f`` is
    ``0.10000000000000000555``, its binary digits, which is no number above ``max: 0.1``."""
    return _exact(value) if read is not None and float(read) == value else read


def _bounds(low: float | None, high: float | None) -> tuple[Decimal | None, Decimal | None]:
    """A passing range's (or a gate's) bounds as the decimals they are written as, which a shown number is read
    against (:func:`_side`)."""
    return None if low is None else _exact(low), None if high is None else _exact(high)


def _side(number: Decimal, bounds: tuple[Decimal | None, Decimal | None]) -> int:
    """Which side of ``bounds`` ``number`` is on: -1 below the lower, 1 above the upper, 0 within them."""
    lowest, highest = bounds
    return -1 if lowest is not None and number < lowest else 1 if highest is not None and number > highest else 0


def format_value(
    value: bool | float | None,
    spec: str | None = None,
    *,
    percent: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> str:
    """One datapoint's value of a metric: ``true`` / ``false`` for a boolean, else in the metric's ``spec``, a
    percentage for ``percent`` (with trials, a boolean metric's datapoint is the mean of its trials: a pass rate),
    never rounded onto or across its passing range's bounds ``low`` and ``high`` (:func:`format_beside`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or not math.isfinite(value):
        return format_number(value)
    return format_beside(value, spec, percent=percent, low=low, high=high)


def format_apart(
    old: bool | float | None,
    new: bool | float | None,
    spec: str | None = None,
    *,
    percent: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> tuple[str, str]:
    """A datapoint's value in the baseline and in this run, each as :func:`format_value` shows it, with the fewest more
    digits that tell two values that differ apart (0.4996 and 0.5004 in ``.2f`` are not both ``0.50``, -0.0001 and
    0.0001 not ``-0.00`` and ``0.00``), each still reading on its side of the passing range's bounds (as
    :func:`format_beside` keeps it)."""
    shown = functools.partial(format_value, spec=spec, percent=percent, low=low, high=high)
    texts = (shown(old), shown(new))
    if old == new or not isinstance(old, float | int) or not isinstance(new, float | int):
        return texts
    # apart when they say different numbers: not -0.00 and 0.00, however their padding differs (010.2f pads -0.00
    # to -000000.00, 0.00 to 0000000.00)
    said = (_read(texts[0], spec, negative=old < 0), _read(texts[1], spec, negative=new < 0))
    if said[0] != said[1] or (None in said and texts[0].translate(_SIGNS) != texts[1].translate(_SIGNS)):
        return texts

    bounds = _bounds(low, high)

    def read(value: float, text: str) -> Decimal | None:
        """The number ``text`` says, when it reads on ``value``'s side of the bounds, as a reader reads it: a wider
        text of 0.24 is 0.23999999999999999, below a min of 0.24 (not :func:`_judged` as the float it converts to)."""
        said = _read(text, spec, negative=value < 0)
        return said if said is not None and _side(said, bounds) == _side(_exact(value), bounds) else None

    last = texts  # the shorter's digits run out first (1.0 has fewer than 0.9999): it keeps its last text
    for a, b in itertools.zip_longest(_wider(old, spec, percent), _wider(new, spec, percent)):
        last = (a or last[0], b or last[1])
        reads = (read(old, last[0]), read(new, last[1]))
        if None not in reads and reads[0] != reads[1]:
            return last
    return texts


_SIGNS: Final = str.maketrans("", "", "-+ ")
"""The characters a number's sign is written with (and the fill the ``=`` alignment puts after it)."""
_SIGN_FLAG: Final = re.compile(r"^((?:.?[<>=^])?)[-+ ]", re.DOTALL)
"""A format spec's sign flag (after its fill and alignment, if any)."""


def _magnitude(value: float, spec: str | None, percent: bool, bound: float | None = None, past: bool = False) -> str:
    # a difference puts its own sign: the spec's sign flag would give "-+0.30"
    spec = _SIGN_FLAG.sub(r"\1", spec) if spec else spec
    text = format_beside(abs(value), spec, percent=percent, high=bound, past=past)
    if text.endswith("%"):  # a difference of percentages is in percentage points
        text = text[:-1].rstrip() + " pp"
    return text


def is_zero(value: float, spec: str | None, percent: bool) -> bool:
    """Whether a difference is too small to show in the metric's format."""
    return value == 0 or _magnitude(value, spec, percent) == _magnitude(0.0, spec, percent)


def format_delta(
    value: float | None,
    spec: str | None = None,
    *,
    percent: bool = False,
    bound: float | None = None,
    past: bool = False,
) -> str:
    """The backend's difference, signed, in the metric's format (percentages in points: ``+4.0 pp``); its size
    beside a gate's ``bound`` on it (``max_drop``) read past the bound when ``past`` (it crossed the gate) and not
    when not (:func:`format_beside`: 0.61 → 0.5899 past ``max_drop: 0.02`` is ``-0.0201``, not ``-0.02``)."""
    if value is None or not math.isfinite(value):
        return "—"
    magnitude = _magnitude(value, spec, percent, bound, past)
    if value == 0 or magnitude == _magnitude(0.0, spec, percent):  # too small to show
        return magnitude
    return ("+" if value > 0 else "-") + magnitude


def format_percentage_change(value: float | None, *, bound: float | None = None, past: bool = False) -> str:
    """The backend's ``percentage_change`` (already in percent), a difference as :func:`format_delta` shows one in
    ``,.1f``: ``+5.0%``, its size beside a gate's ``bound`` on it (``max_drop_pct``) read past it when ``past``
    (+5.04% past ``max_worse_pct: 5`` is ``+5.04%``)."""
    delta = format_delta(value, ",.1f", bound=bound, past=past)
    return delta if delta == "—" else f"{delta}%"


def format_range(low: float | None, high: float | None, spec: str | None = None, *, percent: bool = False) -> str:
    """A passing range: ``0.5 – 0.9``, ``≥ 0.5``, ``≤ 0.9``, each bound reading as itself (:func:`format_bound`);
    ``—`` when it has no bound."""
    if low is not None and high is not None:
        return f"{format_bound(low, spec, percent=percent)} – {format_bound(high, spec, percent=percent)}"
    if low is not None:
        return f"≥ {format_bound(low, spec, percent=percent)}"
    if high is not None:
        return f"≤ {format_bound(high, spec, percent=percent)}"
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


def counted(count: int, noun: str) -> str:
    """``1 datapoint``, ``1,234 datapoints``: a count with its noun, plural but for one."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


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
            half = (high / 2 - low / 2) / bins  # (high - low) / bins, by halves: values ±1.8e308 apart overflow
            edges = (*((low / 2 + i * half) * 2 for i in range(bins)), high)
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

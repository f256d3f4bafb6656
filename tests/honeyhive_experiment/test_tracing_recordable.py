"""What :func:`recordable` changes so that a span can carry an output is said, each change in ``cut`` (the run's one
warning, "the outputs of N of M datapoint(s) were changed to be recorded"), as README promises (audit60 F5: an integer
beyond 64 bits became its digits, one beyond the interpreter's limit a marker, and a key that is not text its str(),
all silently)."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_experiment.tracing import recordable

pytestmark = pytest.mark.unit

BEYOND = "which a span cannot carry: recorded as"
KEYS = "which JSON cannot carry: recorded as their str()"


@pytest.mark.parametrize(
    ("value", "recorded", "cut"),
    [
        (2**63 - 1, 2**63 - 1, ()),
        (-(2**63), -(2**63), ()),
        (2**70, str(2**70), (f"outputs is an integer beyond 64 bits, {BEYOND} its digits",)),
        (
            {"n": -(2**63) - 1},
            {"n": str(-(2**63) - 1)},
            (f"outputs.n is an integer beyond 64 bits, {BEYOND} its digits",),
        ),
        (
            [10**5000],
            ["[an integer of 16610 bits]"],
            (f"outputs.0 is an integer beyond 64 bits, {BEYOND} [an integer of 16610 bits]",),
        ),
        ({(1, 2): "pair"}, {"(1, 2)": "pair"}, (f"outputs has keys of type tuple, {KEYS}",)),
        ({None: 1, "a": 2}, {"None": 1, "a": 2}, (f"outputs has keys of type NoneType, {KEYS}",)),
        (
            {"by": {3: "x", 2.5: "y", False: "z"}},
            {"by": {"3": "x", "2.5": "y", "False": "z"}},
            (f"outputs.by has keys of type bool, float, {KEYS}",),
        ),
        (
            {(1,): {2**64: 1}},
            {"(1,)": {"18446744073709551616": 1}},
            (f"outputs has keys of type tuple, {KEYS}",),
        ),
        ({"by_rank": {0: "a", 1: "b"}}, {"by_rank": {"0": "a", "1": "b"}}, ()),  # as json.dumps writes them: no change
        (
            {0: "a", "0": "b"},
            {"0": "b"},
            ("outputs has two keys recorded as '0': only the last one's value is kept",),
        ),
    ],
    ids=[
        *("int64-max", "int64-min", "2**70", "below-int64", "10**5000", "tuple-key", "None-key", "keys", "nested"),
        *("int-keys", "colliding-keys"),
    ],
)
def test_each_change_to_carry_a_value_is_said(value: Any, recorded: Any, cut: tuple[str, ...]) -> None:
    made = recordable(value)
    assert (made.value, made.cut) == (recorded, cut)
    assert recordable(made.value).cut == ()  # what was recorded is carried as it is

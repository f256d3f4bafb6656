"""report/pairing.py as tables: what the report says about how the datapoints paired with the baseline's."""

from __future__ import annotations

import pytest

from honeyhive_experiment.models import RunComparisonResult
from honeyhive_experiment.report.pairing import (
    CAUSES,
    changes_text,
    overlap_collapsed,
    unpaired_cause,
    unpaired_counts,
)

pytestmark = pytest.mark.unit

CAUSE_ROWS = [
    # shared, new, gone, scheme, expected cause (a key of CAUSES) or None
    (21, 2, 1, "sdk", None),  # one row appended, one edited: 91% paired, nothing to explain
    (11, 12, 11, "sdk", "sdk"),  # a row inserted mid-file without ids: the tail moved
    (0, 23, 22, "sdk", "sdk"),
    (8, 1, 1, "sdk", "sdk"),  # 89%: below the threshold
    (9, 1, 1, "sdk", None),  # exactly 90%: not below it
    (11, 12, 0, "sdk", None),  # rows only added: nothing moved
    (11, 0, 11, "sdk", None),  # rows only removed
    (11, 12, 11, "content", "content"),
    (11, 12, 11, "own", "own"),
    (11, 12, 11, None, None),  # a managed dataset: HoneyHive's ids
    (11, None, 11, "sdk", None),  # the backend's lists are not known
    (11, 12, None, "sdk", None),
    (None, 12, 11, "sdk", None),
    (11, 12, 11, "unknown", None),
]


@pytest.mark.parametrize(("shared", "new", "gone", "scheme", "expected"), CAUSE_ROWS)
def test_the_cause_is_named_only_when_the_overlap_collapsed(
    shared: int | None, new: int | None, gone: int | None, scheme: str | None, expected: str | None
) -> None:
    cause = unpaired_cause(shared=shared, new=new, gone=gone, scheme=scheme)
    assert cause == (CAUSES[expected] if expected else None)


def test_each_cause_names_its_fix() -> None:
    assert "give every row an id field, or set dataset.datapoint_ids: content" in CAUSES["sdk"]
    assert "give every row an id field" in CAUSES["content"]
    assert "keep each row's id" in CAUSES["own"]


@pytest.mark.parametrize(
    ("new", "gone", "expected"),
    [
        (2, 1, "2 new, 1 gone"),
        (0, 1, "1 gone"),
        (3, 0, "3 new"),
        (1234, None, "1,234 new"),
        (0, 0, None),
        (None, None, None),
    ],
)
def test_changes_text(new: int | None, gone: int | None, expected: str | None) -> None:
    assert changes_text(new, gone) == expected


@pytest.mark.parametrize(
    ("shared", "total", "expected"),
    [(None, 5, False), (5, 0, False), (5, None, False), (9, 10, False), (8, 10, True), (0, 1, True)],
)
def test_overlap_collapsed(shared: int | None, total: int | None, expected: bool) -> None:
    assert overlap_collapsed(shared, total) is expected


@pytest.mark.parametrize(
    ("body", "lists", "expected"),
    [
        (
            {"commonDatapoints": ["a", "b"]},
            {"new_datapoint_ids": ["a", "b", "c"], "old_datapoint_ids": ["a", "b", "d", "e"]},
            (1, 2),
        ),
        ({"commonDatapoints": ["a"]}, {}, (None, None)),  # the runs' ids unknown: not zero
    ],
)
def test_unpaired_counts_are_set_differences_of_the_backends_lists(
    body: dict[str, object], lists: dict[str, list[str]], expected: tuple[int | None, int | None]
) -> None:
    comparison = RunComparisonResult.from_wire(body, new_run_id="n", old_run_id="o", **lists)
    assert unpaired_counts(comparison) == expected
    assert unpaired_counts(None) == (None, None)

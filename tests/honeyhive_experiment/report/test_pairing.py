"""report/pairing.py as tables: what the report says about how the datapoints paired with the baseline's."""

from __future__ import annotations

import pytest

from honeyhive_experiment.models import RunComparisonResult
from honeyhive_experiment.report.pairing import (
    CAUSES,
    INPUTS_CHECKED,
    LEFT_OUT,
    changes_text,
    inputs_moved,
    may_have_moved,
    other_inputs_note,
    overlap_collapsed,
    uncompared,
    unpaired_cause,
    unpaired_counts,
)

pytestmark = pytest.mark.unit

CAUSE_ROWS = [
    # shared, new, gone, scheme, expected cause (a key of CAUSES) or None
    (21, 2, 1, "sdk", None),  # one row appended, one edited: 91% paired, nothing to explain
    (11, 12, 11, "sdk", "sdk"),  # a row inserted mid-file without ids: the tail moved
    (0, 23, 22, "sdk", "sdk"),
    # a few rows added, removed or edited are normal, even below 90% paired: nothing blamed on the ids (11 of 13
    # with ids of their own, one removed and two added, said "Likely cause: the rows' id fields changed")
    (11, 2, 1, "own", None),
    (8, 1, 1, "sdk", None),  # 89%: one edited row of 9
    (9, 3, 3, "sdk", "sdk"),  # a quarter of this run's datapoints new, as many gone: ids moved
    (10, 3, 3, "own", None),  # 10 of 13: 3 of 13 moved, under a quarter
    (9, 3, 2, "sdk", None),  # only 2 of 12 gone
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


# audit53 F1/F2: how many new datapoints may be gone ones under new ids, which a max_degraded that held cannot count
MOVED_ROWS = [
    # new, gone, total (this run's), scheme, at most
    (2, 1, 13, "own", 0),  # own ids: one removed, two added, nothing moved
    (3, 2, 23, "own", 0),  # the quickstart's, 20 of 23 paired
    (2, 1, 13, "content", 0),
    (8, 9, 11, "own", 8),  # the ids moved (renamed): no more than are new
    (3, 3, 12, "content", 3),  # a quarter: moved (ids_moved, as the cause says)
    (3, 3, 13, "own", 0),  # under a quarter
    (5, 4, 51, "sdk", 4),  # ids from position: a row inserted before row 47 of 50 renumbers 4
    (2, 1, 13, "sdk", 1),
    (8, 0, 11, "sdk", 0),  # rows only added
    (0, 8, 3, "sdk", 0),  # rows only removed
    (None, 9, 11, "sdk", 0),  # not known: none
    (8, 9, 11, None, 0),  # HoneyHive's datapoints: their ids never move
    (8, 9, 11, "unknown", 0),
]


@pytest.mark.parametrize(("new", "gone", "total", "scheme", "expected"), MOVED_ROWS)
def test_at_most_as_many_as_are_gone_may_have_moved(
    new: int | None, gone: int | None, total: int, scheme: str | None, expected: int
) -> None:
    assert may_have_moved(new, gone, total, scheme) == expected


# A comparison still lagging when ingestion.timeout ran out left out 8 of the 40 datapoints both runs have: their ids
# did not change, yet "Likely cause: the rows' id fields changed" was said (they were counted 8 new and 8 gone)
LEFT_ROWS = [
    # shared, new, gone, scheme, left, expected
    (32, 0, 0, "own", 8, LEFT_OUT.format(count="8 datapoints")),
    (32, 0, 0, None, 8, LEFT_OUT.format(count="8 datapoints")),  # a managed dataset too: no id is blamed
    (8, 0, 0, "own", 1, LEFT_OUT.format(count="1 datapoint")),  # 8 of 9: below the threshold
    (9, 0, 0, "own", 1, None),  # 9 of 10: not below it
    (36, 0, 0, "own", 4, None),  # 36 of 40
    (11, 12, 11, "own", 8, LEFT_OUT.format(count="8 datapoints") + " " + CAUSES["own"]),  # and ids moved
    (11, 12, 11, "unknown", 8, LEFT_OUT.format(count="8 datapoints")),
    (6, 2, 2, "sdk", 0, "sdk"),  # nothing left out, ids moved
    (6, 2, 2, "sdk", 1, LEFT_OUT.format(count="1 datapoint")),  # 2 of 9 moved: under a quarter
    (5, 3, 3, "sdk", 1, LEFT_OUT.format(count="1 datapoint") + " " + CAUSES["sdk"]),  # 5 of 9: 5 of 8 without it
]


@pytest.mark.parametrize(("shared", "new", "gone", "scheme", "left", "expected"), LEFT_ROWS)
def test_datapoints_the_comparison_left_out_are_said_so_not_blamed_on_their_ids(
    shared: int, new: int, gone: int, scheme: str | None, left: int, expected: str | None
) -> None:
    cause = unpaired_cause(shared=shared, new=new, gone=gone, scheme=scheme, left=left)
    assert cause == CAUSES.get(expected or "", expected)


def test_the_left_out_cause_says_the_comparison_left_them_out() -> None:
    assert LEFT_OUT.format(count="8 datapoints").startswith(
        "Cause: HoneyHive's comparison left out 8 datapoints both runs have (it had not compared them when"
        " ingestion.timeout ran out"
    )


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
    ("new", "gone", "left", "expected"),
    [(0, 0, 8, "8 left out of the comparison"), (2, 1, 1, "2 new, 1 gone, 1 left out of the comparison")],
)
def test_changes_text_says_what_the_comparison_left_out(new: int, gone: int, left: int, expected: str) -> None:
    assert changes_text(new, gone, left) == expected


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
        # b and c in both runs, left out of commonDatapoints: neither new nor gone
        (
            {"commonDatapoints": ["a"]},
            {"new_datapoint_ids": ["a", "b", "c", "n"], "old_datapoint_ids": ["a", "b", "c"]},
            (1, 0),
        ),
        ({"commonDatapoints": ["a"]}, {"new_datapoint_ids": ["a", "b"]}, (1, None)),  # the baseline's unknown
        ({"commonDatapoints": ["a"]}, {"old_datapoint_ids": ["a", "b"]}, (None, 1)),  # this run's unknown
    ],
)
def test_unpaired_counts_are_set_differences_of_the_backends_lists(
    body: dict[str, object], lists: dict[str, list[str]], expected: tuple[int | None, int | None]
) -> None:
    comparison = RunComparisonResult.from_wire(body, new_run_id="n", old_run_id="o", **lists)
    assert unpaired_counts(comparison) == expected
    assert unpaired_counts(None) == (None, None)


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        ({"new_datapoint_ids": ["a", "b", "c", "n"], "old_datapoint_ids": ["a", "b", "c", "g"]}, 2),
        ({"new_datapoint_ids": ["a", "n"], "old_datapoint_ids": ["a", "g"]}, 0),
        ({"new_datapoint_ids": ["a", "b"]}, 0),  # a run's ids unknown: nothing is known left out
        ({"old_datapoint_ids": ["a", "b"]}, 0),
    ],
)
def test_uncompared_are_in_both_runs_lists_and_not_in_the_comparisons(
    lists: dict[str, list[str]], expected: int
) -> None:
    comparison = RunComparisonResult.from_wire({"commonDatapoints": ["a"]}, new_run_id="n", old_run_id="o", **lists)
    assert uncompared(comparison) == expected
    assert uncompared(None) == 0


OTHER_INPUTS = "{of} hold other inputs than in the baseline ({first}): ids reused or renumbered?"
DIFFERENT = " Their changes compare different questions, so the gates do not count them as paired."
EDITED = " Their changes compare the baseline's inputs with this run's (an edited row keeps its id)."


@pytest.mark.parametrize(
    ("moved", "paired", "expected"),
    [
        (2, 8, True),  # a quarter of those paired
        (1, 4, False),  # one is an edit, whatever the share
        (2, 9, False),
        (1250, 5000, True),
        (1249, 5000, False),
        # audit78 F6: of 20,000 paired, the first 5,000 were compared: 1,300 of them (26%) is a quarter and more
        (1300, 20000, True),
        (1249, 20000, False),
    ],
)
def test_inputs_moved_is_a_quarter_of_those_compared(moved: int, paired: int, expected: bool) -> None:
    assert INPUTS_CHECKED == 5000
    assert inputs_moved(moved, paired) is expected


@pytest.mark.parametrize(
    ("changed", "moved", "paired", "places", "expected"),
    [
        (  # ids renumbered: a quarter or more of those paired, the first named where it is in the file
            [("q1", {"question": "How do I reset my password?"}), ("q2", {"question": "x"})],
            2,
            8,
            {"q1": "data/q.jsonl:1"},
            OTHER_INPUTS.format(
                of="2 of the 8 paired datapoints",
                first='q1 at data/q.jsonl:1: was "How do I reset my password?"',
            )
            + DIFFERENT,
        ),
        (  # one row edited under its id: named, and not called different questions; a managed dataset: no place
            [("dp-1", {"question": "What is the API rate limit?"})],
            0,
            2,
            {},
            "1 of the 2 paired datapoints holds other inputs than in the baseline (dp-1: was"
            ' "What is the API rate limit?"): ids reused or renumbered?' + EDITED,
        ),
        (  # inputs of several fields, or not text: their JSON; a large run: how many were checked
            [("a", {"q": "x", "n": 2}), ("b", None)],
            2,
            9000,
            {},
            OTHER_INPUTS.format(
                of="2 of the 9,000 paired datapoints (of the first 5,000 checked)", first='a: was {"n": 2, "q": "x"}'
            )
            + EDITED,
        ),
        (  # audit78 F6: a quarter of those checked moved, not of all those paired: the gates do not count them
            [(f"q{i}", {"question": f"q {i}"}) for i in range(1300)],
            1300,
            20000,
            {},
            OTHER_INPUTS.format(
                of="1,300 of the 20,000 paired datapoints (of the first 5,000 checked)", first='q0: was "q 0"'
            )
            + DIFFERENT,
        ),
        (  # a single field that is no text
            [("a", {"n": 2}), ("b", {"n": 3})],
            2,
            2,
            {},
            OTHER_INPUTS.format(of="2 of the 2 paired datapoints", first='a: was {"n": 2}') + DIFFERENT,
        ),
        (  # every row edited in place (audit78 F5): the gates judge them as paired, and the note says so
            [("a", {"n": 2}), ("b", {"n": 3})],
            0,
            2,
            {},
            OTHER_INPUTS.format(of="2 of the 2 paired datapoints", first='a: was {"n": 2}') + EDITED,
        ),
    ],
)
def test_paired_datapoints_with_other_inputs_are_named_with_the_baselines(
    changed: list[tuple[str, object]], moved: int, paired: int, places: dict[str, str], expected: str
) -> None:
    assert other_inputs_note(changed, moved, paired, places) == expected

"""sharding.py as tables: which shard each datapoint goes to, what each shard still owes, the shared run id, the
terms every job of it must agree on and what the report refuses to judge.

Expected assignments are literals, worked out independently of the module: the ids sorted by their sha256 hex
digest (``EXT-a`` … ``EXT-j`` sort as c j d a i e h f g b), cut into ``n`` contiguous ranges whose sizes are
``ceil((k + 1) * count / n) - ceil(k * count / n)``.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from honeyhive_experiment.sharding import (
    ShardSpec,
    assign,
    disagreement,
    missing_by_shard,
    missing_message,
    select,
    shared_run_id,
    strays,
    terms,
)

pytestmark = pytest.mark.unit

TEN = [f"EXT-{c}" for c in "abcdefghij"]
HASH_ORDER = ["EXT-c", "EXT-j", "EXT-d", "EXT-a", "EXT-i", "EXT-e", "EXT-h", "EXT-f", "EXT-g", "EXT-b"]

# ------------------------------------------------------------------------------------------------- assignment

ASSIGNMENTS: list[tuple[str, Sequence[str], int, dict[str, int]]] = [
    # (rule, datapoint ids, shard count, each id's shard)
    (
        "10 into 3: contiguous ranges of the hash order, 4/3/3",
        TEN,
        3,
        {
            "EXT-c": 1,
            "EXT-j": 1,
            "EXT-d": 1,
            "EXT-a": 1,
            "EXT-i": 2,
            "EXT-e": 2,
            "EXT-h": 2,
            "EXT-f": 3,
            "EXT-g": 3,
            "EXT-b": 3,
        },
    ),
    (
        "7 into 2: 4/3",
        TEN[:7],
        2,
        {"EXT-c": 1, "EXT-d": 1, "EXT-a": 1, "EXT-e": 1, "EXT-f": 2, "EXT-g": 2, "EXT-b": 2},
    ),
    ("n = 1: everything in shard 1", TEN[:3], 1, {"EXT-a": 1, "EXT-b": 1, "EXT-c": 1}),
    ("more shards than datapoints: one each, spread out, the others empty", ["x", "y"], 5, {"x": 1, "y": 3}),
    ("a single datapoint goes to shard 1", ["x"], 4, {"x": 1}),
    ("no datapoints: no assignment", [], 3, {}),
    ("an id listed twice is one datapoint", ["x", "y", "x"], 5, {"x": 1, "y": 3}),
]


@pytest.mark.parametrize(("rule", "ids", "total", "expected"), ASSIGNMENTS, ids=[c[0] for c in ASSIGNMENTS])
def test_assignment_table(rule: str, ids: Sequence[str], total: int, expected: dict[str, int]) -> None:
    assert assign(ids, total) == expected


SIZES: list[tuple[int, int, list[int]]] = [
    # (datapoints, shards, size of shard 1..n): never more than one apart
    (10, 3, [4, 3, 3]),
    (10, 4, [3, 2, 3, 2]),
    (7, 3, [3, 2, 2]),
    (23, 7, [4, 3, 3, 4, 3, 3, 3]),
    (400, 4, [100, 100, 100, 100]),
    (401, 4, [101, 100, 100, 100]),
    (5, 1, [5]),
    (2, 5, [1, 0, 1, 0, 0]),
    (0, 3, [0, 0, 0]),
]


@pytest.mark.parametrize(("count", "total", "sizes"), SIZES, ids=[f"{c[0]} into {c[1]}" for c in SIZES])
def test_shard_sizes_differ_by_at_most_one(count: int, total: int, sizes: list[int]) -> None:
    ids = [f"EXT-{i:04d}" for i in range(count)]
    shards = assign(ids, total)
    per_shard = Counter(shards.values())
    assert [per_shard[index] for index in range(1, total + 1)] == sizes
    assert sorted(shards) == sorted(ids)  # every datapoint exactly once
    assert set(shards.values()) <= set(range(1, total + 1))


def test_the_ranges_are_contiguous_in_hash_order() -> None:
    shards = assign(TEN, 4)
    assert [shards[i] for i in HASH_ORDER] == [1, 1, 1, 2, 2, 3, 3, 3, 4, 4]


@pytest.mark.parametrize("total", [1, 2, 3, 5])
def test_the_assignment_does_not_depend_on_the_input_order(total: int) -> None:
    ids = [f"EXT-{i:03d}" for i in range(31)]
    shuffled = random.Random(7).sample(ids, len(ids))
    assert assign(list(reversed(ids)), total) == assign(ids, total) == assign(shuffled, total)


# an edit (one datapoint's content, hence its EXT- id, changes), a removal or an addition moves at most one of the
# other datapoints across each of the n - 1 boundaries: (shards, the most other datapoints one change moves)
STABILITY = [(1, 0), (2, 1), (3, 2), (4, 3), (7, 6)]


@pytest.mark.parametrize(("total", "most_moved"), STABILITY, ids=[f"n={c[0]}" for c in STABILITY])
def test_one_change_moves_at_most_one_neighbour_per_boundary(total: int, most_moved: int) -> None:
    ids = [f"EXT-{i:03d}" for i in range(23)]
    before = assign(ids, total)
    worst = 0
    for k, changed in enumerate(ids):
        for after_ids in (
            [i for i in ids if i != changed],  # removed
            [*ids, f"EXT-new-{k}"],  # added
            [f"EXT-edit-{k}" if i == changed else i for i in ids],  # edited
        ):
            after = assign(after_ids, total)
            moved = sum(1 for i, shard in before.items() if i in after and after[i] != shard)
            assert moved <= total - 1, (changed, after_ids)
            worst = max(worst, moved)
    assert worst == most_moved


@pytest.mark.parametrize("total", [0, -1])
def test_the_shard_count_must_be_at_least_one(total: int) -> None:
    with pytest.raises(ValueError, match=r"^the shard count must be at least 1$"):
        assign(TEN, total)


# ------------------------------------------------------------------------------------------------ one shard

SELECTIONS: list[tuple[str, ShardSpec, list[str]]] = [
    # (rule, shard, the items of that shard, in dataset order)
    ("shard 1/3 in dataset order", ShardSpec(1, 3), ["EXT-a", "EXT-c", "EXT-d", "EXT-j"]),
    ("shard 2/3", ShardSpec(2, 3), ["EXT-e", "EXT-h", "EXT-i"]),
    ("shard 3/3", ShardSpec(3, 3), ["EXT-b", "EXT-f", "EXT-g"]),
    ("shard 1/1: everything", ShardSpec(1, 1), TEN),
    ("an empty shard of more shards than datapoints", ShardSpec(12, 12), []),
]


@pytest.mark.parametrize(("rule", "shard", "expected"), SELECTIONS, ids=[c[0] for c in SELECTIONS])
def test_select_table(rule: str, shard: ShardSpec, expected: list[str]) -> None:
    items = [{"id": i} for i in TEN]
    assert [item["id"] for item in select(items, TEN, shard)] == expected


def test_select_needs_one_id_per_item() -> None:
    with pytest.raises(ValueError, match="longer"):
        select([{"id": "EXT-a"}], TEN, ShardSpec(1, 2))


SPECS: list[tuple[int, int, str | None]] = [
    # (index, total, str() or the error)
    (1, 1, "1/1"),
    (3, 4, "3/4"),
    (4, 4, "4/4"),
    (0, 3, "shard 0/3: the index must be between 1 and 3"),
    (4, 3, "shard 4/3: the index must be between 1 and 3"),
    (1, 0, "shard 1/0: the index must be between 1 and 0"),
]


@pytest.mark.parametrize(("index", "total", "said"), SPECS, ids=[f"{c[0]}/{c[1]}" for c in SPECS])
def test_shard_spec_table(index: int, total: int, said: str) -> None:
    if said.startswith("shard"):
        with pytest.raises(ValueError, match=f"^{said}$"):
            ShardSpec(index, total)
    else:
        assert str(ShardSpec(index, total)) == said


# ------------------------------------------------------------------------------------- what each shard owes

MISSING: list[tuple[str, list[str], int, list[tuple[int, int]]]] = [
    # (rule, missing ids, shard count, [(shard, count)] in shard order)
    ("counted per shard, in shard order", ["EXT-b", "EXT-c", "EXT-g", "EXT-j"], 3, [(1, 2), (3, 2)]),
    ("one shard owes everything", ["EXT-f", "EXT-g", "EXT-b"], 3, [(3, 3)]),
    ("one shard of one", ["EXT-b", "EXT-a"], 1, [(1, 2)]),
    ("nothing missing: nothing owed", [], 3, []),
]


@pytest.mark.parametrize(("rule", "missing", "total", "owed"), MISSING, ids=[c[0] for c in MISSING])
def test_missing_by_shard_table(rule: str, missing: list[str], total: int, owed: list[tuple[int, int]]) -> None:
    assert list(missing_by_shard(missing, TEN, total).items()) == owed


# ------------------------------------------------------------------------------------------- shared run id

RUN = ("octo/app", "9101", "answer-quality", ".honeyhive/experiment.yml")


def test_the_shared_run_id_is_a_fixed_uuid5() -> None:
    # pinned: every job of a workflow run, whatever version of this tool it runs, must compute the same id
    assert shared_run_id(*RUN) == "a9fd4398-3a96-5876-9fdb-40926e5be53c"
    assert shared_run_id("octo/app", 9101, "answer-quality", ".honeyhive/experiment.yml") == shared_run_id(*RUN)
    assert uuid.UUID(shared_run_id(*RUN)).version == 5
    # a matrix leg's shards share a run of their own; without a variant, the id every earlier version computed
    assert shared_run_id(*RUN, "gpt-4o") == "793fcc6e-3db7-5ef8-aa36-04d752e38b9d"


OTHER_RUNS: list[tuple[str, tuple[str, str, str, str]]] = [
    ("another repository", ("octo/other", "9101", "answer-quality", ".honeyhive/experiment.yml")),
    ("another workflow run", ("octo/app", "9102", "answer-quality", ".honeyhive/experiment.yml")),
    ("another experiment", ("octo/app", "9101", "tone", ".honeyhive/experiment.yml")),
    ("another experiment file of the same name", ("octo/app", "9101", "answer-quality", ".honeyhive/smoke.yml")),
    ("the same characters split differently", ("octo/app", "910", "1answer-quality", ".honeyhive/experiment.yml")),
    ("the same characters split differently, the other way", ("octo/app9", "101", "answer-quality", RUN[3])),
    ("the name and the file split differently", ("octo/app", "9101", "answer-quality.honeyhive/", "experiment.yml")),
]


@pytest.mark.parametrize(("rule", "other"), OTHER_RUNS, ids=[c[0] for c in OTHER_RUNS])
def test_the_shared_run_id_differs_per_run(rule: str, other: tuple[str, str, str, str]) -> None:
    assert shared_run_id(*other) != shared_run_id(*RUN)


# ------------------------------------------------------------------------------- the terms of a shared run

HASH = "a" * 64
CI = {"config_hash": HASH, "sha": "abc"}
TERMS_READ: list[tuple[str, Any, Any, dict[str, object]]] = [
    # (rule, configuration, metadata, its terms)
    ("all three stamped", {"trials": 3}, {"shards": 4, "ci": CI}, {"shards": 4, "trials": 3, "config_hash": HASH}),
    (
        "no trials in the configuration: one",
        {"function": "f"},
        {"shards": 2, "ci": CI},
        {"shards": 2, "trials": 1, "config_hash": HASH},
    ),
    ("no shard count: unsaid", {"trials": 2}, {"ci": CI}, {"shards": None, "trials": 2, "config_hash": HASH}),
    ("no ci metadata: no hash", {}, {"shards": 1}, {"shards": 1, "trials": 1, "config_hash": None}),
    ("ci that is not an object: no hash", {}, {"ci": "x"}, {"shards": None, "trials": 1, "config_hash": None}),
    ("ci without a hash", {}, {"ci": {"sha": "abc"}}, {"shards": None, "trials": 1, "config_hash": None}),
    ("nothing at all (a backend's nulls)", None, None, {"shards": None, "trials": 1, "config_hash": None}),
]


@pytest.mark.parametrize(("rule", "configuration", "metadata", "expected"), TERMS_READ, ids=[c[0] for c in TERMS_READ])
def test_terms_table(rule: str, configuration: Any, metadata: Any, expected: dict[str, object]) -> None:
    assert terms(configuration, metadata) == expected


AGREED = {"shards": 2, "trials": 1, "config_hash": "c1"}
REFUSAL = (
    "run r1 was started with {}: every job of a sharded run (the shards and the report) needs the same experiment"
    " file, trials and shard count (the n of shard: i/n); make them agree and run the workflow again"
)
DISAGREEMENTS: list[tuple[str, dict[str, object], dict[str, object], str | None]] = [
    # (rule, the run's terms, this job's, the refusal: None when the job may join)
    ("the same terms: joined", AGREED, dict(AGREED), None),
    ("another shard count (1/2 beside 1/1)", AGREED, {**AGREED, "shards": 1}, "shard count 2 (this job: 1)"),
    ("other trials", AGREED, {**AGREED, "trials": 3}, "trials 1 (this job: 3)"),
    ("another experiment file", AGREED, {**AGREED, "config_hash": "c2"}, "experiment file hash c1 (this job: c2)"),
    (
        "everything else: each named, in order",
        AGREED,
        {"shards": 4, "trials": 2, "config_hash": "c2"},
        "shard count 2 (this job: 4), trials 1 (this job: 2), experiment file hash c1 (this job: c2)",
    ),
    ("a report job without shard says no count: not compared", AGREED, {**AGREED, "shards": None}, None),
    (
        "a run without a count (an older version's): not compared",
        {**AGREED, "shards": None},
        {**AGREED, "shards": 3},
        None,
    ),
    ("a value neither says", {"trials": 1}, {"trials": 1}, None),
]


@pytest.mark.parametrize(("rule", "recorded", "own", "refused"), DISAGREEMENTS, ids=[c[0] for c in DISAGREEMENTS])
def test_disagreement_table(
    rule: str, recorded: dict[str, object], own: dict[str, object], refused: str | None
) -> None:
    assert disagreement("r1", recorded, own) == (None if refused is None else REFUSAL.format(refused))


# (session id → its datapoint) of a run of three datapoints, the first with two trials
WANTED = {"s-a0": "EXT-a", "s-a1": "EXT-a", "s-b": "EXT-b", "s-c": "EXT-c"}
SESSIONS = [(s, d) for s, d in WANTED.items()]
ONCE = dict.fromkeys(WANTED, 1)
JUDGE_IT = (
    ". Give every shard job its own i of one n (each leg of a matrix its own variant), and every job the same dataset,"
    " then run the workflow again"
)
TWICE = "scored more than once (two jobs ran the same shard, or two legs of a matrix)"
FOREIGN = "outside this experiment's dataset (a job read another dataset)"
STRAYS: list[tuple[str, dict[str, int], list[tuple[str, str]], str | None]] = [
    # (rule, function spans per session, the run's sessions, what the report says: None when it judges the run)
    ("every wanted session scored once: judged", ONCE, SESSIONS, None),
    ("a session scored twice", {**ONCE, "s-b": 2}, SESSIONS, f"1 datapoint(s) (EXT-b) {TWICE}"),
    (
        "both trials of one datapoint twice: named once",
        {**ONCE, "s-a0": 2, "s-a1": 3},
        SESSIONS,
        f"1 datapoint(s) (EXT-a) {TWICE}",
    ),
    ("named in order", {"s-c": 2, "s-a0": 2}, SESSIONS, f"2 datapoint(s) (EXT-a, EXT-c) {TWICE}"),
    ("a session not (yet) scored is no stray", {"s-a0": 1}, SESSIONS, None),
    ("a scored session of no wanted datapoint is not counted twice", {**ONCE, "s-x": 2}, SESSIONS, None),
    (
        "a session of another dataset",
        ONCE,
        [*SESSIONS, ("s-x", "EXT-x")],
        f"1 datapoint(s) (EXT-x) {FOREIGN}",
    ),
    (
        "both, each named",
        {**ONCE, "s-c": 2},
        [("s-y", "EXT-y"), *SESSIONS, ("s-x", "EXT-x"), ("s-x2", "EXT-x")],
        f"1 datapoint(s) (EXT-c) {TWICE}; 2 datapoint(s) (EXT-x, EXT-y) {FOREIGN}",
    ),
    (
        "many: five named, the rest counted",
        ONCE,
        [*SESSIONS, *((f"s-{i}", f"EXT-{i}") for i in range(7))],
        f"7 datapoint(s) (EXT-0, EXT-1, EXT-2, EXT-3, EXT-4 and 2 more) {FOREIGN}",
    ),
    (
        "exactly five: no more",
        ONCE,
        [*SESSIONS, *((f"s-{i}", f"EXT-{i}") for i in range(5))],
        f"5 datapoint(s) (EXT-0, EXT-1, EXT-2, EXT-3, EXT-4) {FOREIGN}",
    ),
]


@pytest.mark.parametrize(("rule", "scored", "sessions", "said"), STRAYS, ids=[c[0] for c in STRAYS])
def test_strays_table(rule: str, scored: dict[str, int], sessions: list[tuple[str, str]], said: str | None) -> None:
    expected = None if said is None else f"run r1 cannot be judged as this experiment's run: {said}{JUDGE_IT}"
    assert strays("r1", WANTED, scored, sessions) == expected


def _owed_message(shard_count: int | None) -> str:
    wanted = [f"dp-{i}" for i in range(12)]
    owed = assign(wanted, 3)
    missing = [d for d in wanted if owed[d] in (1, 3)][:3]  # some of shard 1's and shard 3's datapoints
    return missing_message("r1", missing, wanted, shard_count, 7.5)


@pytest.mark.parametrize(
    ("shard_count", "expected"),
    [
        (None, "run r1: 3 of 12 datapoints never reached HoneyHive (waited 7.5 s)"),
        (0, "run r1: 3 of 12 datapoints never reached HoneyHive (waited 7.5 s)"),
    ],
)
def test_an_unsharded_run_says_only_what_is_missing(shard_count: int | None, expected: str) -> None:
    assert _owed_message(shard_count) == expected


def test_a_wait_a_signal_cut_short_says_so_not_how_long_it_was() -> None:
    said = missing_message("r1", ["dp-0"], ["dp-0", "dp-1"], None, None)
    assert said == "run r1: 1 of 2 datapoints never reached HoneyHive (the job was cancelled while it waited)"


def test_a_sharded_run_names_what_each_shard_owes_in_shard_order() -> None:
    wanted = [f"dp-{i}" for i in range(12)]
    owed = assign(wanted, 3)
    missing = [d for d in wanted if owed[d] in (1, 3)][:3]
    counts = Counter(owed[d] for d in missing)
    shards = ", ".join(f"shard {index}/3: {counts[index]} datapoint(s)" for index in sorted(counts))
    assert _owed_message(3) == (
        f"run r1: 3 of 12 datapoints never reached HoneyHive (waited 7.5 s); missing from {shards}."
        " Did those shard jobs run and succeed?"
    )


@pytest.mark.parametrize(
    ("shard_count", "where"), [(None, ""), (2, "; missing from shard 1/2: 1 datapoint(s), shard 2/2: 1 datapoint(s)")]
)
def test_when_no_datapoint_arrived_it_names_what_makes_the_shards_run_this_one(
    shard_count: int | None, where: str
) -> None:
    """audit75 F3: a report job without its matrix leg's variant waits for a run no shard job records into (theirs
    is the leg's): "Did those shard jobs run and succeed?" sent the user to jobs that had."""
    wanted = ["dp-0", "dp-1"]
    assert [assign(wanted, 2)[d] for d in wanted] in ([1, 2], [2, 1]), "one datapoint a shard"
    assert missing_message("r1", wanted, wanted, shard_count, 7.5) == (
        f"run r1: 2 of 2 datapoints never reached HoneyHive (waited 7.5 s){where}. Did the shard jobs run, and into"
        " this run? They record into it only with this job's experiment file and variant (a matrix leg's report job"
        " needs its leg's variant)"
    )

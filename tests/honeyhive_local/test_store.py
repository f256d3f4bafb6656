"""What a store operation costs, counted in SQLite's own steps (deterministic: no clock, tests/README.md).

Issue 21: adding a datapoint to a dataset took its position from ``MAX(position)`` over the dataset's rows,
a scan per insert (14.7 s against 1.4 s as a dataset grew). ``benchmarks/bench_dataset_insert.py`` measures
the time; this holds the shape: an insert into a dataset of 20,000 datapoints runs about as many
virtual-machine instructions as one into a dataset of 10 (13 against 10 tens; 12,013 before the index).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from honeyhive_local.store import Store

pytestmark = pytest.mark.unit

PROJECT = "p" * 24
EVERY = 10  # instructions per progress callback


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store(":memory:")
    yield opened
    opened.close()


def _steps(store: Store, operation: Callable[[], Any]) -> int:
    """Tens of SQLite VM instructions ``operation`` runs on the store's connection."""
    count = 0

    def tick() -> int:
        nonlocal count
        count += 1
        return 0  # go on

    store._db.set_progress_handler(tick, EVERY)
    try:
        operation()
    finally:
        store._db.set_progress_handler(None, EVERY)
    return count


def test_adding_to_a_large_dataset_costs_what_adding_to_a_small_one_does(store: Store) -> None:
    small = store.create_dataset(PROJECT, "small", None, [f"s{i}" for i in range(10)])
    large = store.create_dataset(PROJECT, "large", None, [f"l{i}" for i in range(20_000)])

    def add(dataset: dict[str, Any]) -> Callable[[], Any]:
        return lambda: store.create_datapoint(PROJECT, {"inputs": {}, "linked_datasets": [dataset["id"]]})

    small_steps, large_steps = _steps(store, add(small)), _steps(store, add(large))

    # a B-tree a few levels deeper is all the size may cost (a scan of the dataset was ~1,000 x more)
    assert large_steps <= 2 * small_steps, f"{large_steps} x {EVERY} instructions against {small_steps} x {EVERY}"
    members = store.get_dataset(PROJECT, large["id"])["datapoints"]
    assert len(members) == 20_001
    assert members[:2] == ["l0", "l1"]
    assert not members[-1].startswith("l")  # the new datapoint went to the end

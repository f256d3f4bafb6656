"""Fixtures of the report's tests; the input builders are in ``scenarios.py``."""

from __future__ import annotations

import pytest

from honeyhive_experiment.judgement import Judgement
from tests.honeyhive_experiment.report.scenarios import (
    BIG_M,
    BIG_N,
    LONG_NAME,
    many,
)


@pytest.fixture(scope="module")
def big_input() -> Judgement:
    """5,000 failing datapoints × 300 metrics, with long metric names and long outputs."""
    names = [LONG_NAME.format(j) for j in range(BIG_M)]
    return many(BIG_N, names, key=names[-1])

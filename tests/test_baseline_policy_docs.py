"""One baseline policy, said the same way wherever users read it (issue 12).

The rule itself is held by the table in ``tests/honeyhive_experiment/test_baseline.py``; this checks that the
code's docstring, README, the example workflows and the comment's "no baseline" text state it: a run at the
merge base is used whatever its result, the branch fallback must have passed, and runs with uncommitted
changes are never baselines (the example workflows run in CI, where there are none, and leave that out).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import honeyhive_experiment.baseline

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]


def _folded(text: str) -> str:
    return " ".join(text.replace("#", " ").split()).lower()


PLACES: list[tuple[str, str, tuple[str, ...]]] = [
    # (where, text, what it must say)
    (
        "baseline.py",
        honeyhive_experiment.baseline.__doc__ or "",
        ("merge base is used whatever its result", "must have passed", "uncommitted changes is never"),
    ),
    (
        "README.md",
        (REPO / "README.md").read_text(encoding="utf-8"),
        ("merge base is used **whatever its result**", "**must have passed**", "never another commit's baseline"),
    ),
    (
        "comment.md.j2",
        (REPO / "templates" / "comment.md.j2").read_text(encoding="utf-8"),
        ("merge base is used whatever its result", "reports as passing", "uncommitted changes are never baselines"),
    ),
    (
        "docs/workflows/pr-check.yml",
        (REPO / "docs" / "workflows" / "pr-check.yml").read_text(encoding="utf-8"),
        ("merge base, whatever its result", "latest passing run on the base branch"),
    ),
    (
        "docs/workflows/baseline.yml",
        (REPO / "docs" / "workflows" / "baseline.yml").read_text(encoding="utf-8"),
        ("merge base whatever its result", "only if honeyhive reported it as passing"),
    ),
]


@pytest.mark.parametrize(("where", "text", "says"), PLACES, ids=[place[0] for place in PLACES])
def test_the_baseline_policy_is_stated_the_same_way(where: str, text: str, says: tuple[str, ...]) -> None:
    folded = _folded(text)
    for phrase in says:
        assert _folded(phrase) in folded, f"{where} does not say {phrase!r}"

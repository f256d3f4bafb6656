"""How this run's datapoints paired with the baseline's, and what to say when most of them did not.

The counts are the backend's: its ``commonDatapoints`` and each run's datapoint ids minus those (``new`` in
this run only, ``gone`` from the baseline only: :class:`~honeyhive_experiment.models.RunComparisonResult`).
This module only decides what they mean. Datapoints pair on their ids, so when both runs have many unpaired
datapoints the likely cause is how the ids were made (``dataset.datapoint_ids``, ``dataset_identity.py``).
"""

from __future__ import annotations

from typing import Final

from honeyhive_experiment.models import RunComparisonResult

__all__ = ["LOW_OVERLAP", "changes_text", "overlap_collapsed", "unpaired_cause", "unpaired_counts"]

LOW_OVERLAP: Final = 0.9
"""Below this share of this run's datapoints paired with the baseline, the comparison is called partial."""

CAUSES: Final = {
    "sdk": (
        "Likely cause: a row without an id gets one from its content and its position, so a row inserted, removed"
        " or reordered mid-file gives every row after it a new id (and an edited row is a new datapoint). Fix:"
        " give every row an id field, or set dataset.datapoint_ids: content in the config so that inserting or"
        " reordering rows leaves the others paired."
    ),
    "content": (
        "Likely cause: with dataset.datapoint_ids: content an edited row is a new datapoint, and a baseline"
        " recorded with the default ids pairs with none. Fix: give every row an id field to keep edited rows"
        " paired; the next runs with the same ids pair again."
    ),
    "own": (
        "Likely cause: the rows' id fields changed (renamed, or the dataset replaced): datapoints pair on their"
        " id. Fix: keep each row's id when editing it."
    ),
}
"""The likely cause and its fix, by how the datapoints got their ids (``DatasetIdentity.scheme``)."""


def unpaired_counts(comparison: RunComparisonResult | None) -> tuple[int | None, int | None]:
    """``(new, gone)``: datapoints only in this run and only in the baseline (``None``: the backend did not say)."""
    if comparison is None:
        return None, None
    new, gone = comparison.new_only_datapoints, comparison.old_only_datapoints
    return (len(new) if new is not None else None), (len(gone) if gone is not None else None)


def changes_text(new: int | None, gone: int | None) -> str | None:
    """``"2 new, 1 gone"``; ``None`` when nothing is new or gone (or the backend did not say)."""
    parts = [f"{count:,} {what}" for count, what in ((new, "new"), (gone, "gone")) if count]
    return ", ".join(parts) or None


def overlap_collapsed(shared: int | None, total: int | None) -> bool:
    """Fewer than :data:`LOW_OVERLAP` of this run's ``total`` datapoints are among the ``shared`` ones."""
    if shared is None or not total:
        return False
    return shared / total < LOW_OVERLAP


def unpaired_cause(*, shared: int | None, new: int | None, gone: int | None, scheme: str | None) -> str | None:
    """The likely cause of a collapsed overlap, with its fix, or ``None``.

    Said only when the overlap collapsed *and* both runs have datapoints the other lacks (ids moved: rows only
    added or only removed need no explanation), and only for a repository file (``scheme`` not ``None``).
    """
    if scheme is None or not new or not gone or shared is None:
        return None
    if not overlap_collapsed(shared, shared + new):
        return None
    return CAUSES.get(scheme)

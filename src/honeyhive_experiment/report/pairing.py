"""How this run's datapoints paired with the baseline's, and what to say when most of them did not.

The counts are the backend's: its ``commonDatapoints`` and each run's datapoint ids minus those (``new`` in
this run only, ``gone`` from the baseline only: :class:`~honeyhive_experiment.models.RunComparisonResult`).
This module only decides what they mean. Datapoints pair on their ids, so when both runs have many unpaired
datapoints (:data:`MOVED_SHARE`; a few rows added, removed or edited are normal) the likely cause is how the ids were
made (``dataset.datapoint_ids``, ``dataset_identity.py``). A datapoint in both runs' lists that
``commonDatapoints`` still lacks is neither new nor gone: the comparison left it out (:func:`uncompared`; HoneyHive
had not compared it when ``ingestion.timeout`` ran out), whatever its id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from honeyhive_experiment.models import RunComparisonResult
from honeyhive_experiment.models.outcomes import excerpt

__all__ = [
    "INPUTS_CHECKED",
    "LOW_OVERLAP",
    "changes_text",
    "ids_moved",
    "inputs_moved",
    "may_have_moved",
    "other_inputs_note",
    "overlap_collapsed",
    "uncompared",
    "unpaired_cause",
    "unpaired_counts",
]

LOW_OVERLAP: Final = 0.9
"""Below this share of the larger run's datapoints paired, the comparison is called partial: a run that lost most of
the baseline's rows is not compared like for like, however many of its own paired."""

MOVED_SHARE: Final = 0.25
"""From this share of this run's datapoints new, and as many gone from the baseline, their ids moved (a row inserted
mid-file, ids renamed): the cause is named. Fewer are rows added, removed or edited, which needs no explanation."""

INPUTS_CHECKED: Final = 5000
"""The most paired datapoints whose inputs are compared with the baseline's, the first in the comparison's order (as
many as a report's table holds): :func:`inputs_moved` takes its share of those."""

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


LEFT_OUT: Final = (
    "Cause: HoneyHive's comparison left out {count} both runs have (it had not compared them when ingestion.timeout"
    " ran out, or one run has no value there), so they count in no metric's change; their ids did not change."
)
"""What a collapsed overlap is said to come from when the comparison left out datapoints both runs have."""


def uncompared(comparison: RunComparisonResult | None) -> int:
    """The datapoints both runs have that the comparison left out: in both runs' lists, not in ``commonDatapoints``
    (0 when a run's list is unknown)."""
    if comparison is None or comparison.new_only_datapoints is None or comparison.old_only_datapoints is None:
        return 0
    return len(set(comparison.new_only_datapoints) & set(comparison.old_only_datapoints))


def unpaired_counts(comparison: RunComparisonResult | None) -> tuple[int | None, int | None]:
    """``(new, gone)``: datapoints only in this run and only in the baseline (``None``: the backend did not say); one
    in both that the comparison left out (:func:`uncompared`) is neither."""
    if comparison is None:
        return None, None
    new, gone, left = comparison.new_only_datapoints, comparison.old_only_datapoints, uncompared(comparison)
    return (len(new) - left if new is not None else None), (len(gone) - left if gone is not None else None)


def changes_text(new: int | None, gone: int | None, left: int = 0) -> str | None:
    """``"2 new, 1 gone"``, and ``"8 left out of the comparison"`` of the ``left`` datapoints both runs have that it
    left out (:func:`uncompared`); ``None`` when nothing is new, gone or left out (or the backend did not say)."""
    parts = [
        f"{count:,} {what}"
        for count, what in ((new, "new"), (gone, "gone"), (left, "left out of the comparison"))
        if count
    ]
    return ", ".join(parts) or None


def overlap_collapsed(shared: int | None, total: int | None) -> bool:
    """Fewer than :data:`LOW_OVERLAP` of ``total`` datapoints are among the ``shared`` ones."""
    if shared is None or not total:
        return False
    return shared / total < LOW_OVERLAP


def unpaired_cause(
    *, shared: int | None, new: int | None, gone: int | None, scheme: str | None, left: int = 0
) -> str | None:
    """The likely cause of a collapsed overlap, with its fix, or ``None``.

    Said only when the overlap collapsed (of this run's ``shared + new + left`` datapoints). The comparison left out
    ``left`` datapoints both runs have (:func:`uncompared`): that is said (:data:`LEFT_OUT`). Both runs have
    datapoints the other lacks, at least :data:`MOVED_SHARE` of this run's on both sides (:func:`ids_moved`: a few rows
    added, removed or edited need no explanation): the cause by how their ids were made, only for a repository file
    (``scheme`` not ``None``).
    """
    if shared is None or not overlap_collapsed(shared, total := shared + (new or 0) + left):
        return None
    causes = [LEFT_OUT.format(count=f"{left:,} datapoint{'s' if left != 1 else ''}")] if left else []
    if scheme in CAUSES and ids_moved(new, gone, total):
        causes.append(CAUSES[scheme])
    return " ".join(causes) or None


def ids_moved(new: int | None, gone: int | None, total: int) -> bool:
    """Whether the datapoints' ids moved (renamed, a row inserted mid-file): at least :data:`MOVED_SHARE` of this
    run's ``total`` datapoints may be the baseline's under new ids, which is ``min(new, gone)``: no more of the
    ``new`` can be old rows than are ``gone`` (``None``: the backend did not say; none). The one test of both the
    cause :func:`unpaired_cause` names and, through :func:`may_have_moved`, the verdict's ``max_degraded``."""
    return bool(new and gone) and min(new or 0, gone or 0) >= MOVED_SHARE * total


def may_have_moved(new: int | None, gone: int | None, total: int, scheme: str | None) -> int:
    """How many of this run's ``new`` datapoints may be ones ``gone`` from the baseline under new ids (0: none can):
    ``min(new, gone)`` when their ids depend on the rows' positions (``scheme`` ``"sdk"``: a row inserted or removed
    mid-file renumbers those after it, however few), or, for a repository file (``scheme`` not ``None``), when the ids
    moved (:func:`ids_moved`: renamed id fields, a baseline with other ids). Otherwise new and gone datapoints are
    rows added and removed (own id fields, content ids, HoneyHive's datapoints): nothing moved."""
    if scheme == "sdk" or (scheme in CAUSES and ids_moved(new, gone, total)):
        return min(new or 0, gone or 0)
    return 0


def inputs_moved(moved: int, paired: int) -> bool:
    """Whether the ``moved`` of the ``paired`` datapoints, whose baseline inputs this run holds under another paired id,
    are ids reused or renumbered (a row inserted above rows numbered by position) rather than rows edited under their
    kept ids, as README recommends: more than one, and at least :data:`MOVED_SHARE` of those whose inputs were
    compared (the first :data:`INPUTS_CHECKED`), the share from which :func:`ids_moved` tells moved ids from rows added
    and removed. Only then does the verdict count them (``max_degraded``: as datapoints that may have moved;
    ``max_drop``, ``max_drop_pct``: not checked); fewer get the note alone (:func:`other_inputs_note`)."""
    return moved > 1 and moved >= MOVED_SHARE * min(paired, INPUTS_CHECKED)


def shown_inputs(inputs: Any) -> str:
    """A datapoint's inputs as a note quotes them: the one value of a single field that is text (a question), else
    their JSON; clipped to whole words (:func:`~honeyhive_experiment.models.outcomes.excerpt`; the report redacts)."""
    if isinstance(inputs, dict) and len(inputs) == 1 and isinstance(text := next(iter(inputs.values())), str):
        return json.dumps(excerpt(text, 80), ensure_ascii=False)
    return excerpt(json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str), 80)


def other_inputs_note(changed: Sequence[tuple[str, Any]], moved: int, paired: int, places: dict[str, str]) -> str:
    """What the report says of the paired datapoints whose inputs differ from the baseline's (``changed``: each id
    with the baseline's inputs, in the dataset's order; ``moved`` of them under another id in this run) of the
    ``paired`` ones, of which the first :data:`INPUTS_CHECKED` were compared (``places``: where an id is in the
    dataset file): the first named, with what the baseline held there."""
    ident, was = changed[0]
    where = f" at {places[ident]}" if ident in places else ""
    first = f"{excerpt(ident, 64)}{where}: was {shown_inputs(was)}"
    of = f"{len(changed):,} of the {paired:,} paired datapoints" + (
        f" (of the first {INPUTS_CHECKED:,} checked)" if paired > INPUTS_CHECKED else ""
    )
    holds = "holds" if len(changed) == 1 else "hold"
    said = f"{of} {holds} other inputs than in the baseline ({first}): ids reused or renumbered?"
    if inputs_moved(moved, paired):
        return f"{said} Their changes compare different questions, so the gates do not count them as paired."
    return f"{said} Their changes compare the baseline's inputs with this run's (an edited row keeps its id)."

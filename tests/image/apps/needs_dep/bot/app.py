"""The user's function: it needs ``tinydep``, which only ``requirements.txt`` (the ``install`` input) provides."""

from __future__ import annotations

from typing import Any

import tinydep


def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    return {"answer": tinydep.shout(str(datapoint["inputs"]["text"]))}

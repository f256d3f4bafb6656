from __future__ import annotations

from typing import Any


def exact(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    return bool(outputs.get("answer") == ground_truth.get("answer"))

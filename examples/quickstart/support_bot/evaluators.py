"""Evaluators in HoneyHive's conventions: ``(outputs, inputs, ground_truth)``, numbers or dicts."""

from __future__ import annotations

from typing import Any


def topic_match(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> bool:
    """Did the bot pick the topic the question is about?"""
    return bool(outputs.get("topic") == ground_truth.get("topic"))


def keyword_recall(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any]) -> dict[str, Any]:
    """Share of the expected keywords that appear in the answer (a dict: score plus explanation)."""
    expected = [k.lower() for k in ground_truth.get("keywords", [])]
    answer = str(outputs.get("answer", "")).lower()
    found = [k for k in expected if k in answer]
    score = len(found) / len(expected) if expected else 1.0
    missing = sorted(set(expected) - set(found))
    return {"score": round(score, 3), "explanation": f"missing: {', '.join(missing)}" if missing else "all found"}


def answer_words(outputs: dict[str, Any], inputs: dict[str, Any], ground_truth: dict[str, Any] | None = None) -> int:
    """Length of the answer in words (lower is better: support answers should be short)."""
    return len(str(outputs.get("answer", "")).split())

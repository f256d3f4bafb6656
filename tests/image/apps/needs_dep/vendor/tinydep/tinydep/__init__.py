"""A stand-in for a third-party package the user's function imports."""

from __future__ import annotations


def shout(text: str) -> str:
    return f"{text.upper()}!"

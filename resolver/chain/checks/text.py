"""Message helpers shared by the static STS checks."""

from __future__ import annotations

import re


def text_problem(key: str, value: str, low: int, high: int, chars: str) -> str | None:
    """Length ``low``-``high`` and every character in the ASCII regex class ``chars``."""
    rule = f"{key} must be {low}-{high} characters of {chars}"
    if not low <= len(value) <= high:
        return f"{rule} (it has {len(value)})"
    allowed = re.compile(chars, re.ASCII)
    bad = next((char for char in value if not allowed.fullmatch(char)), None)
    if bad is None:
        return None
    ascii_note = r"; \w means ASCII letters, digits and _" if not bad.isascii() else ""
    return f"{rule} (found {bad!r}{ascii_note})"


def show(text: str, limit: int = 60) -> str:
    """``repr`` of a value for a message, shortened when long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."

"""Static checks of session tags and transitive tag keys. Pure: stdlib only."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from resolver.chain.checks.names import RESERVED_PREFIX
from resolver.chain.checks.text import show

TAGS_MAX = 50
TAG_KEY_CHARS = (1, 128)
TAG_VALUE_MAX_CHARS = 256
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_CHARS = "letters, numbers, spaces and _ . : / = + - @"


def _bad_tag_char(text: str) -> str | None:
    """The first character outside ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``, if any."""
    for char in text:
        if char not in _TAG_PUNCTUATION and unicodedata.category(char)[0] not in "LZN":
            return char
    return None


def check_tags(tags: Sequence[tuple[str, str]]) -> list[str]:
    """Session tags: at most 50, key/value lengths and characters, no ``aws:`` key, no
    two keys equal ignoring case."""
    problems: list[str] = []
    if len(tags) > TAGS_MAX:
        problems.append(f"{len(tags)} session tags exceed the limit of {TAGS_MAX} per call")
    seen: dict[str, str] = {}
    for key, value in tags:
        shown = show(key)
        low, high = TAG_KEY_CHARS
        if not low <= len(key) <= high:
            problems.append(f"tag key {shown} must be {low}-{high} characters (it has {len(key)})")
        if (char := _bad_tag_char(key)) is not None:
            problems.append(f"tag key {shown} contains {char!r}; allowed are {_TAG_CHARS}")
        if key.lower().startswith(RESERVED_PREFIX):
            problems.append(f"tag key {shown} begins with 'aws:', which is reserved for AWS")
        if len(value) > TAG_VALUE_MAX_CHARS:
            problems.append(
                f"tag {shown} value must be 0-{TAG_VALUE_MAX_CHARS} characters "
                f"(it has {len(value)})"
            )
        if (char := _bad_tag_char(value)) is not None:
            problems.append(f"tag {shown} value contains {char!r}; allowed are {_TAG_CHARS}")
        earlier = seen.get(key.lower())
        if earlier is None:
            seen[key.lower()] = key
        else:
            problems.append(
                f"tag key {shown} repeats {show(earlier)} (tag keys are case-insensitive)"
            )
    return problems


def check_transitive_tag_keys(keys: Sequence[str], tags: Sequence[tuple[str, str]]) -> list[str]:
    """TransitiveTagKeys: at most 50, each one of the same call's tag keys (any case)."""
    problems: list[str] = []
    if len(keys) > TAGS_MAX:
        problems.append(f"{len(keys)} transitive tag keys exceed the limit of {TAGS_MAX}")
    tag_keys = {key.lower() for key, _ in tags}
    problems.extend(
        f"transitive tag key {show(key)} is not one of this profile's session_tags"
        for key in keys
        if key.lower() not in tag_keys
    )
    return problems

"""The INI string spellings of lists and tags, shared by the model and the fast path."""

from __future__ import annotations


def split_list(text: str) -> list[str]:
    """``a, b,,c`` -> ``["a", "b", "c"]``."""
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_tag_string(text: str) -> dict[str, str]:
    """aws-vault's ``k1=v1,k2=v2`` (whitespace around items is ignored)."""
    tags: dict[str, str] = {}
    for item in split_list(text):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected key=value pairs separated by commas, got item {item!r}")
        tags[key.strip()] = value.strip()
    return tags

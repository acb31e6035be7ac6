"""Durations as configured: whole seconds or Go-style ``1h30m``, always positive.

``format_duration`` gives the canonical form (largest units first, zero parts left
out, e.g. ``1h``, ``1h30m``, ``1m30s``), and ``parse_duration`` reads it back.
"""

from __future__ import annotations

import re

_SECONDS = re.compile(r"[0-9]+")
_GO_STYLE = re.compile(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_ACCEPTED = "whole seconds such as 3600, or hours, minutes and seconds such as 1h, 15m, 1h30m"


def parse_duration(value: int | str) -> int:
    """Return ``value`` in seconds: an int, a digit string, or ``<h>h<m>m<s>s``.

    Each unit appears at most once, in the order h, m, s. Zero, negative and
    malformed values raise ``ValueError``; other types raise ``TypeError``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"a duration must be an int or a string, not {type(value).__name__}")
    seconds = value if isinstance(value, int) else _parse_text(value)
    if seconds <= 0:
        raise ValueError(f"duration {value!r} must be positive: use {_ACCEPTED}")
    return seconds


def _parse_text(value: str) -> int:
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return int(text)
    match = _GO_STYLE.fullmatch(text)
    if not text or match is None:
        raise ValueError(f"duration {value!r} is not valid: use {_ACCEPTED}")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_duration(seconds: int) -> str:
    """Return the canonical text for a positive number of seconds (3600 -> ``1h``)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, not {type(seconds).__name__}")
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, not {seconds}")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = ((hours, "h"), (minutes, "m"), (secs, "s"))
    return "".join(f"{amount}{unit}" for amount, unit in parts if amount)

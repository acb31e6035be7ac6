"""Hostile text for the class tests of issue 19: every character an interpreter, a line-based
format or a terminal treats specially, mixed with arbitrary text.

``fuzz_settings()`` scales hypothesis with ``ROLECHAIN_FUZZ_EXAMPLES`` (default 200), so the
same tests run quickly in CI and as the long fuzz run (``ROLECHAIN_FUZZ_EXAMPLES=100000``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SHELL_SPECIAL = [*"$`\\\"'(){}[];&|<>!%^*?~#=,: \t", "${IFS}", "$(", "`id`", "\\'", "'\\''"]
QUOTES = ["\u2018", "\u2019", "\u201a", "\u201b", "\u201c", "\u201d", "\u201e", "\u02bc"]
LINE_BREAKS = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
]
CONTROLS = [
    "\x00",
    "\x07",
    "\x08",
    "\x1b",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x7f",
    "\x9b",
    "\u202e",
]
HOSTILE_PIECES = SHELL_SPECIAL + QUOTES + LINE_BREAKS + CONTROLS

hostile_piece = st.sampled_from(HOSTILE_PIECES)
ordinary_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12
)
hostile_text = st.lists(st.one_of(hostile_piece, ordinary_text), min_size=1, max_size=8).map(
    "".join
)
"""Text mixing interpreter-special pieces with arbitrary (encodable) characters."""

printable_hostile_text = hostile_text.map(
    lambda text: "".join(c for c in text if c.isprintable() or c == " ")
)
"""The same without control characters or line breaks: what a quoting must round-trip."""


def fuzz_examples(default: int = 200) -> int:
    """The examples a class test runs: ``ROLECHAIN_FUZZ_EXAMPLES`` or ``default``."""
    return int(os.environ.get("ROLECHAIN_FUZZ_EXAMPLES", default))


def fuzz_settings(default: int = 200) -> settings:
    """hypothesis settings for a class test: no deadline, scaled example count."""
    return settings(
        max_examples=fuzz_examples(default),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=False,
    )

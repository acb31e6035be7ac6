"""``rolechain cache list|clear [PROFILE]``: inspect or empty the credentials cache.

``list`` shows profile, hop, role and expiry of each entry, never a key or secret, and
how many ready ``export`` answers (``resolver.cache.answers``) there are.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from resolver.cache.store import CacheStore, Entry, cache_dir
from resolver.errors import printable

HEADERS = ("PROFILE", "HOP", "ROLE", "EXPIRES")


def remaining(entry: Entry, now: datetime) -> str:
    """``in 53m``, ``in 11h 2m`` or ``expired``."""
    seconds = int((entry.expiration - now).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(seconds // 60, 60)
    return f"in {hours}h {minutes}m" if hours else f"in {minutes}m" if minutes else "in <1m"


def table(entries: list[Entry], now: datetime) -> str:
    """The entries as aligned columns (no secrets)."""
    rows = [HEADERS] + [
        tuple(
            map(
                printable,  # names come from the user's files: no terminal escapes
                (
                    entry.profile or "-",
                    entry.hop,
                    entry.role_arn or "-",
                    f"{entry.expiration:%Y-%m-%dT%H:%M:%SZ} ({remaining(entry, now)})",
                ),
            )
        )
        for entry in entries
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS) - 1)]
    return "\n".join(
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)), row[-1]]
        )
        for row in rows
    )


def run(args: argparse.Namespace) -> int:
    """List or clear the entries of the cache directory."""
    store = CacheStore(cache_dir())
    if args.cache_command == "list":
        entries = store.entries()
        if not entries:
            print(f"no cached sessions in {store.directory}")
        else:
            print(table(entries, datetime.now(timezone.utc)))
        answers = len(store.answers())
        if answers:
            print(f"and {answers} ready export answer{'s' if answers != 1 else ''}")
        return 0
    profile: str | None = args.profile
    removed = store.clear(profile)
    which = f" of profile {profile}" if profile else ""
    print(f"removed {removed} cached session{'s' if removed != 1 else ''}{which}")
    return 0

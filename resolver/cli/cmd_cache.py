"""``rolechain cache list|clear [PROFILE]``: inspect or empty the credentials cache.

``list`` shows profile, hop, caller and expiry of each entry, never a key or secret, and
how many ready ``export`` answers (``resolver.cache.answers``) there are. ``clear PROFILE``
removes the entries, answers and shared STS failures (``resolver.cache.failures``) of every
chain through PROFILE; a profile that is neither configured nor cached is an error.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from resolver.cache.failures import clear_failures
from resolver.cache.store import CacheStore, Entry
from resolver.context import Context
from resolver.errors import ConfigError, printable
from resolver.timefmt import rfc3339_seconds

HEADERS = ("PROFILE", "HOP", "CALLER", "EXPIRES")


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
                    entry.caller or "-",
                    f"{rfc3339_seconds(entry.expiration)} ({remaining(entry, now)})",
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


def run(args: argparse.Namespace, ctx: Context) -> int:
    """List or clear the entries of the cache directory."""
    store = CacheStore(Path(ctx.cache_dir))
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
    if profile and not _known(profile, store, args.config, ctx.environ):
        raise ConfigError(f"no profile named {profile!r} in the configuration or the cache")
    removed = store.clear(profile)
    clear_failures(store, profile)  # a shared STS failure is no session, but goes too
    which = f" of profile {profile}" if profile else ""
    print(f"removed {removed} cached session{'s' if removed != 1 else ''}{which}")
    return 0


def _known(profile: str, store: CacheStore, config: str | None, environ: Mapping[str, str]) -> bool:
    """True when ``profile`` is configured, or some entry or answer passes through it."""
    if any(entry.passes_through(profile) for entry in store.entries()):
        return True
    if any(profile in answer.profiles for answer in store.answers()):
        return True
    from resolver.config.loading import load_profiles

    return profile in load_profiles(config, environ)

"""One SSO login at a time: parallel ``rolechain sso login`` runs share one device flow.

Each run notes the token file's identity (inode, size, mtime), then takes a cross-process
lock per sso-session (or start URL) in rolechain's cache directory. The holder runs the
device flow and saves the token; a run that got the lock only after waiting finds the
file changed and still valid, and uses that token instead of opening another browser tab
(aws-vault's issue #291: dozens of tabs from parallel runs). The wait is bounded by
``ROLECHAIN_LOCK_TIMEOUT`` when set, else by the longest a device code lives.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.cache.store import CacheStore, make_key
from resolver.config.sources.files import read_regular
from resolver.providers.bases.sso_device import (
    MAX_WAIT_SECONDS,
    SsoLoginTarget,
    Verification,
    device_login,
    save_token,
    token_path,
)

if TYPE_CHECKING:
    from resolver.context import Context

MIN_VALIDITY = timedelta(minutes=1)
MAX_TOKEN_BYTES = 64 * 1024
Fingerprint = tuple[int, int, int] | None


@dataclass(frozen=True)
class LoginOutcome:
    """Where the token is, and whether this run logged in or used a parallel run's."""

    path: str
    started: bool


def fingerprint(path: str) -> Fingerprint:
    """The file's identity, or None when it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def still_valid(path: str, now: datetime | None = None) -> bool:
    """True when ``path`` holds a token with an access token valid for another minute."""
    from botocore.utils import parse_timestamp

    try:
        doc: Any = json.loads(read_regular(path, MAX_TOKEN_BYTES))
        expires = parse_timestamp(doc["expiresAt"])
    except (OSError, ValueError, KeyError, TypeError, OverflowError, RecursionError):
        return False
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    moment = now or datetime.now(timezone.utc)
    return bool(doc.get("accessToken")) and expires - moment > MIN_VALIDITY


def login_once(
    target: SsoLoginTarget,
    show: Callable[[Verification], None],
    *,
    waiting: Callable[[], None] = lambda: None,
    ctx: Context,
    token_cache_dir: str | None = None,
    login: Callable[..., dict[str, Any]] = device_login,
) -> LoginOutcome:
    """Log in to ``target`` unless a parallel run does it first (see the module doc);
    ``waiting`` is called once when another run holds the lock."""
    path = token_path(target, token_cache_dir, ctx.environ)
    before = fingerprint(path)
    waits = ctx.environ.get("ROLECHAIN_LOCK_TIMEOUT")
    timeout = ctx.lock_timeout if waits else MAX_WAIT_SECONDS
    key = make_key({"kind": "sso-login", "session": target.cache_key_source})
    lock = CacheStore(Path(ctx.cache_dir)).lock(
        key, timeout=timeout, label=f"the SSO login to {target.start_url}"
    )
    if not lock.try_acquire(0):
        waiting()
        lock.acquire()
    try:
        if fingerprint(path) != before and still_valid(path):
            return LoginOutcome(path, started=False)
        token = login(target, show, environ=ctx.environ)
        saved = save_token(target, token, token_cache_dir, ctx.environ)
        return LoginOutcome(saved, started=True)
    finally:
        lock.release()

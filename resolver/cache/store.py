"""The persistent credentials cache: one JSON entry per chain step, shared by processes.

Layout: ``<dir>/<key>.json`` (the entry) and ``<dir>/<key>.lock`` (its lock, see
``resolver.cache.locks``), where ``key`` is the sha256 of the step's canonical description
(``make_key``) and ``<dir>`` is ``ROLECHAIN_CACHE_DIR`` or the user cache dir's
``rolechain``. The directory is 0700 and every file 0600. ``<key>.answer`` files are the
ready ``export`` answers of ``resolver.cache.answers``; ``prune`` and ``clear`` cover them too.

An entry holds one set of session credentials and their expiry, never long-term keys.
Writes are atomic (temp file, rename), so a reader sees the old entry or the new one;
only the entry of an MFA session is also fsynced (``resolver.cache.atomic`` says why). An
entry that is corrupt, truncated, unreadable, from another version or owned by
someone else reads as missing and is replaced by the next write. Expired entries, and
temp files left by killed writers, are pruned after each write.

Standard library only: no boto3, botocore or pydantic.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from resolver.cache import private
from resolver.cache.answers import SUFFIX as ANSWER_SUFFIX
from resolver.cache.answers import Answer, answer_path, read_answer
from resolver.cache.atomic import TEMP_PREFIX, replace_file
from resolver.cache.locks import KeyLock
from resolver.config.private_dirs import make_dirs
from resolver.config.values import load_json
from resolver.context import cache_directory
from resolver.errors import CacheError
from resolver.records import Record, field, replace
from resolver.stscreds.credentials import refresh_due
from resolver.timefmt import parse_rfc3339 as parse_rfc3339
from resolver.timefmt import rfc3339_exact

logger = logging.getLogger(__name__)

VERSION = 2
MAX_ENTRY_BYTES = 64 * 1024
STALE_TEMP_SECONDS = 60.0
_KEY = re.compile(r"[0-9a-f]{64}")
_ANSWER_KEY = re.compile(r"[0-9a-f]{16}")


def cache_dir(environ: Mapping[str, str]) -> Path:
    """``ROLECHAIN_CACHE_DIR``, else the user cache dir's ``rolechain`` (see
    ``resolver.context.cache_directory``; a ``Context`` has it as ``cache_dir``)."""
    return Path(cache_directory(environ))


def make_key(material: Mapping[str, Any]) -> str:
    """The cache key of a step: sha256 of its canonical JSON description."""
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class Entry(Record):
    """One cached session. ``repr`` shows no secret; ``key`` names its file."""

    profile: str | None
    hop: str
    role_arn: str | None
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(repr=False)
    expiration: datetime
    account_id: str | None = None
    written_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    key: str = field(default="", compare=False)
    through: tuple[str, ...] = ()
    caller: str | None = None

    def passes_through(self, profile: str) -> bool:
        """True when the entry's credentials come through ``profile`` (its own included)."""
        return profile == self.profile or profile in self.through

    def expired(self, now: datetime) -> bool:
        """True from the expiry time on: such an entry is never served."""
        return now >= self.expiration

    def fresh(self, now: datetime, window: timedelta) -> bool:
        """True when the entry may be served without a refresh: before ``expiration -
        window``; inside the window, only during the first half of the life the entry had
        left when written (so credentials that STS issued already inside the window are not
        re-fetched by every process). A ``written_at`` in the future earns no such grace."""
        if self.expired(now):
            return False
        if self.written_at > now:  # clock skew: no grace inside the window
            return now < self.expiration - window
        return now < refresh_due(self.written_at, self.expiration, window)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "key": self.key,
            "through": list(self.through),
            "caller": self.caller,
            "profile": self.profile,
            "hop": self.hop,
            "role_arn": self.role_arn,
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "session_token": self.session_token,
            "expiration": rfc3339_exact(self.expiration),
            "account_id": self.account_id,
            "written_at": rfc3339_exact(self.written_at),
        }

    @classmethod
    def from_json(cls, data: object, key: str = "") -> Entry:
        """Parse an entry; ValueError (never showing a secret) if anything is off."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError(f"not a version {VERSION} entry")
        if data.get("key") != key:  # renamed, or written for another step
            raise ValueError("the entry belongs to another key")
        through = data.get("through")
        if not isinstance(through, list) or not all(isinstance(p, str) for p in through):
            raise ValueError("bad through")

        def text(name: str, *, optional: bool = False) -> Any:
            value = data.get(name)
            if (value is None and optional) or (isinstance(value, str) and value):
                return value
            raise ValueError(f"bad or missing {name}")

        return cls(
            profile=text("profile", optional=True),
            hop=text("hop"),
            role_arn=text("role_arn", optional=True),
            access_key_id=text("access_key_id"),
            secret_access_key=text("secret_access_key"),
            session_token=text("session_token", optional=True),
            expiration=parse_rfc3339(text("expiration")),
            account_id=text("account_id", optional=True),
            written_at=parse_rfc3339(text("written_at")),
            key=key,
            through=tuple(through),
            caller=text("caller", optional=True),
        )


class CacheStore:
    """The entries and locks in one cache directory."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"CacheStore({str(self.directory)!r})"

    def entry_path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def answer_path(self, key: str) -> str:
        return answer_path(str(self.directory), key)

    def lock_path(self, key: str) -> Path:
        return self.directory / f"{key}.lock"

    def ensure_dir(self) -> None:
        """Create the directory 0700, tighten it if looser; CacheError if not ours.

        What a directory that others could write holds is discarded as it is tightened
        (``_discard``): nothing it held while it was not private is ever served."""
        try:
            info = make_dirs(self.directory)  # parents 0700 too, whatever the umask
        except OSError as exc:
            raise CacheError(f"cannot create cache directory {self.directory}: {exc}") from None
        if not stat.S_ISDIR(info.st_mode):
            raise CacheError(f"cache path {self.directory} is not a directory")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise CacheError(f"cache directory {self.directory} belongs to another user")
        if os.name != "nt" and stat.S_IMODE(info.st_mode) != 0o700:
            try:
                os.chmod(self.directory, 0o700)
            except OSError as exc:
                raise CacheError(f"cannot make {self.directory} private: {exc}") from None
            if info.st_mode & 0o022:
                self._discard()

    def _discard(self) -> None:
        """Remove every file but the locks (which may be held) from the directory."""
        logger.warning(
            "rolechain: cache directory %s was writable by others: made it private "
            "and discarded what it held",
            self.directory,
        )
        with contextlib.suppress(OSError):
            for name in os.listdir(self.directory):
                if not name.endswith(".lock"):
                    _remove(self.directory / name)

    def lock(self, key: str, *, timeout: float, label: str = "") -> KeyLock:
        """The (not yet acquired) lock of ``key``; the directory is created first."""
        self.ensure_dir()
        return KeyLock(self.lock_path(key), timeout=timeout, label=label)

    def read(self, key: str) -> Entry | None:
        """The entry for ``key``, or None when missing or unusable (never raises)."""
        path = self.entry_path(key)
        if not private.private_directory(str(self.directory)):
            logger.warning("rolechain: ignoring cache directory %s: not private", self.directory)
            return None
        try:
            raw = private.read_private(str(path), MAX_ENTRY_BYTES)
            return Entry.from_json(load_json(raw), key)
        except FileNotFoundError:
            return None
        except private.NotRegularFile:
            logger.warning("rolechain: skipping cache file %s: not a regular file", path.name)
            return None
        except (OSError, ValueError) as exc:  # JSONDecodeError, UnicodeError are ValueErrors
            logger.debug("ignoring unusable cache entry %s: %s", path.name, exc)
            return None

    def write(self, key: str, entry: Entry, *, durable: bool = False) -> None:
        """Replace ``key``'s entry atomically (temp file, rename); ``durable``: fsynced too
        (an MFA session's, see ``resolver.cache.atomic``). CacheError if not."""
        bound = replace(entry, key=key)
        data = json.dumps(bound.to_json(), indent=1).encode("utf-8")
        self.write_private(self.entry_path(key), data, f"cache entry {key[:12]}", durable=durable)

    def write_answer(self, key: str, data: bytes) -> None:
        """Replace the ready answer ``key`` (``resolver.cache.answers``) like an entry."""
        self.write_private(Path(self.answer_path(key)), data, "ready answer")

    def write_listing(self, name: str, data: bytes) -> None:
        """Replace the small private file ``name`` (``resolver.cli.names``) like an entry."""
        self.write_private(self.directory / name, data, name)

    def write_private(self, path: Path, data: bytes, what: str, *, durable: bool = False) -> None:
        """Replace ``path`` in the directory atomically, 0600 (``resolver.cache.atomic``);
        CacheError if not."""
        self.ensure_dir()
        try:
            replace_file(self.directory, path, data, durable=durable)
        except OSError as exc:
            raise CacheError(f"cannot write {what} to {self.directory}: {exc}") from None

    def remove(self, key: str) -> bool:
        """Delete ``key``'s entry (and its lock file if no one holds it)."""
        removed = _remove(self.entry_path(key))
        _remove(self.directory / f"{key}.fail")  # resolver.cache.failures
        self._drop_lock_file(key)
        return removed

    def entries(self) -> list[Entry]:
        """Every readable entry (expired ones included), by profile then expiry."""
        found = [e for key in self._keys(".json") if (e := self.read(key)) is not None]
        return sorted(found, key=lambda e: (e.profile or "", e.expiration, e.hop))

    def prune(self, now: datetime | None = None) -> int:
        """Remove expired and unusable entries, stale temp files and idle lock files.

        Only keys whose lock is free right now are touched. Returns entries removed.
        """
        moment = now or datetime.now(timezone.utc)
        removed = 0
        for key in self._keys(".json"):
            entry = self.read(key)
            if entry is None or entry.expired(moment):
                removed += self._remove_if(key, lambda e: e is None or e.expired(moment))
        for key in self._keys(".lock"):
            if not self.entry_path(key).exists():
                self._drop_lock_file(key)
        self._remove_answers(lambda answer: answer.expires <= moment.timestamp())
        self._remove_stale_temps()
        return removed

    def clear(self, profile: str | None = None) -> int:
        """Remove every entry, or those of ``profile``; returns how many were removed.

        Ready answers go too: all of them, or those whose chain passes through ``profile``.
        """
        self._remove_answers(lambda answer: profile is None or profile in answer.profiles)
        removed = 0
        for key in self._keys(".json"):
            if profile is None:
                removed += self.remove(key)
            else:
                entry = self.read(key)
                if entry is not None and entry.passes_through(profile):
                    removed += self.remove(key)
        if profile is None:
            for key in self._keys(".lock"):
                self._drop_lock_file(key)
            self._remove_stale_temps()
        return removed

    def _keys(self, suffix: str) -> Iterator[str]:
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        pattern = _ANSWER_KEY if suffix == ANSWER_SUFFIX else _KEY
        for name in sorted(names):
            stem, dot, ext = name.rpartition(".")
            if dot and f".{ext}" == suffix and pattern.fullmatch(stem):
                yield stem

    def answers(self) -> list[Answer]:
        """Every readable ready answer (expired ones included)."""
        found = (read_answer(self.answer_path(key)) for key in self._keys(ANSWER_SUFFIX))
        return [answer for answer in found if answer is not None]

    def _remove_answers(self, condition: Callable[[Answer], bool]) -> None:
        """Remove the answers that meet ``condition``, and unreadable ones."""
        for key in self._keys(ANSWER_SUFFIX):
            answer = read_answer(self.answer_path(key))
            if answer is None or condition(answer):
                _remove(Path(self.answer_path(key)))

    def _remove_if(self, key: str, condition: Callable[[Entry | None], bool]) -> int:
        lock = KeyLock(self.lock_path(key), timeout=0)
        try:
            if not lock.try_acquire():
                return 0
        except CacheError:
            return 0
        try:
            if not condition(self.read(key)):
                return 0
            removed = _remove(self.entry_path(key))
            lock.unlink()
            return int(removed)
        finally:
            lock.release()

    def _drop_lock_file(self, key: str) -> None:
        lock = KeyLock(self.lock_path(key), timeout=0)
        try:
            if not self.lock_path(key).exists() or not lock.try_acquire():
                return
        except CacheError:
            return
        try:
            if not self.entry_path(key).exists():
                lock.unlink()
        finally:
            lock.release()

    def _remove_stale_temps(self) -> None:
        try:
            names = [n for n in os.listdir(self.directory) if n.startswith(TEMP_PREFIX)]
        except OSError:
            return
        cutoff = time.time() - STALE_TEMP_SECONDS
        for name in names:
            path = self.directory / name
            try:
                if os.lstat(path).st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        logger.debug("cannot remove %s: %s", path, exc)
        return False
    return True

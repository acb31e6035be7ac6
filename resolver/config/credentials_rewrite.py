"""Editing one profile's keys in ``~/.aws/credentials`` while keeping every other byte.

Only the lines of the named section's key entries change: ``remove_keys`` drops them and
adds ``credential_store = keyring``; ``replace_keys`` swaps the two values (rotation).
Comments, blank lines, other profiles, line endings and ordering stay byte for byte.
``write_with_backup`` first copies the file to ``credentials.bak.<UTC timestamp>`` (0600,
never overwriting), then replaces the file atomically (temp file, fsync, rename), with
the original permissions. A backup made when keys move to the keyring holds the file
without the moved secret (``without_secret``): it protects the other bytes, and must not
be a plaintext copy of what was just moved out.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from resolver.errors import ConfigError

MAX_CREDENTIALS_BYTES = 1024 * 1024
KEY_NAMES = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
_HEADER = re.compile(r"^\s*\[([^\]]*)\]")
_ENTRY = re.compile(r"^([^=:#;\s][^=:]*?)\s*[=:]\s*(.*?)\s*$")


@dataclass(frozen=True)
class SectionKeys:
    """A profile's plaintext keys as written (the secret stays out of ``repr``)."""

    access_key_id: str | None
    secret_access_key: str | None = field(repr=False)
    session_token: bool


def _section_span(lines: list[str], profile: str) -> tuple[int, int] | None:
    """(header index, end index) of ``[profile]``: the last one, as INI readers use."""
    span = None
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if match and match.group(1).strip() == profile:
            end = next(
                (j for j in range(index + 1, len(lines)) if _HEADER.match(lines[j])), len(lines)
            )
            span = (index, end)
    return span


def _key_lines(lines: list[str], span: tuple[int, int]) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for index in range(span[0] + 1, span[1]):
        match = _ENTRY.match(lines[index].rstrip("\r\n"))
        if match and match.group(1).strip().lower() in (*KEY_NAMES, "aws_security_token"):
            found[index] = (match.group(1).strip().lower(), match.group(2))
    return found


def read_section_keys(text: str, profile: str) -> SectionKeys | None:
    """The keys written in ``[profile]``, or None if the section is missing."""
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, profile)
    if span is None:
        return None
    values = dict(_key_lines(lines, span).values())
    return SectionKeys(
        values.get("aws_access_key_id"),
        values.get("aws_secret_access_key"),
        bool(values.get("aws_session_token") or values.get("aws_security_token")),
    )


def _newline(lines: list[str]) -> str:
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def remove_keys(text: str, profile: str) -> str:
    """``text`` without ``[profile]``'s key lines, with ``credential_store = keyring``."""
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, profile)
    if span is None:
        raise ConfigError(f"no [{profile}] section in the credentials file", profile=profile)
    drop = _key_lines(lines, span)
    store = [
        i
        for i in range(span[0] + 1, span[1])
        if (m := _ENTRY.match(lines[i])) and m.group(1).strip().lower() == "credential_store"
    ]
    out = lines[: span[0] + 1]
    if not lines[span[0]].endswith("\n"):
        out[-1] += _newline(lines)
    if not store:
        out.append(f"credential_store = keyring{_newline(lines)}")
    out.extend(line for i, line in enumerate(lines[span[0] + 1 :], span[0] + 1) if i not in drop)
    return "".join(out)


def without_secret(text: str, profile: str) -> str:
    """``text`` without ``[profile]``'s secret lines (secret key, session token); every
    other byte, the access key id included, stays."""
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, profile)
    if span is None:
        return text
    secret = {i for i, (name, _) in _key_lines(lines, span).items() if name != "aws_access_key_id"}
    return "".join(line for i, line in enumerate(lines) if i not in secret)


def replace_keys(text: str, profile: str, access_key_id: str, secret_access_key: str) -> str:
    """``text`` with ``[profile]``'s key id and secret values replaced in place."""
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, profile)
    found = _key_lines(lines, span) if span else {}
    names = {name for name, _ in found.values()}
    if not {"aws_access_key_id", "aws_secret_access_key"} <= names:
        raise ConfigError(f"no keys in [{profile}] of the credentials file", profile=profile)
    new = {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret_access_key}
    for index, (name, value) in found.items():
        if name in new:
            line = lines[index]
            body = line.rstrip("\r\n")
            start = body.rindex(value) if value else len(body)
            lines[index] = body[:start] + new[name] + body[start + len(value) :] + line[len(body) :]
    return "".join(lines)


def read_credentials_file(path: Path, limit: int = MAX_CREDENTIALS_BYTES) -> str:
    """The file's text; ``ConfigError`` for a missing, non-regular or oversized file (over
    ``limit`` bytes)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    if stat.S_ISLNK(info.st_mode):
        path = path.resolve()
        info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path} is not a regular file")
    if info.st_size > limit:
        raise ConfigError(f"{path} is over {limit} bytes")
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def write_with_backup(
    path: Path,
    old_text: str,
    new_text: str,
    backup_text: str | None = None,
    *,
    limit: int = MAX_CREDENTIALS_BYTES,
) -> Path:
    """Back ``path`` up (0600, ``credentials.bak.<timestamp>``), then replace it atomically.

    ``old_text`` is what the caller read: if the file changed since, nothing is written.
    The backup holds ``backup_text`` (default ``old_text``); ``limit``: the size the file
    may have (``read_credentials_file``). Returns the backup's path.
    """
    target = path.resolve()
    directory = target.parent
    if directory.stat().st_mode & stat.S_IWOTH and not directory.stat().st_mode & stat.S_ISVTX:
        raise ConfigError(f"{directory} is writable by others: not rewriting {path} there")
    if read_credentials_file(target, limit) != old_text:
        raise ConfigError(f"{path} changed while rolechain was editing it; nothing was written")
    mode = stat.S_IMODE(target.stat().st_mode)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    backup = directory / f"{target.name}.bak.{stamp}"
    _write_new(backup, old_text if backup_text is None else backup_text, 0o600)
    temp = directory / f".{target.name}.rolechain-{os.getpid()}.tmp"
    try:
        _write_new(temp, new_text, mode & 0o777 or 0o600)
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()
    _sync_directory(directory)
    return backup


def create_file(path: Path, text: str) -> None:
    """Create ``path`` (0600) holding ``text``, atomically (temp file, fsync, rename)."""
    temp = path.parent / f".{path.name}.rolechain-{os.getpid()}.tmp"
    try:
        _write_new(temp, text, 0o600)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(path: Path, text: str, mode: int) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            fd = -1
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        if fd != -1:
            os.close(fd)

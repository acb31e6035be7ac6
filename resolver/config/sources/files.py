"""The AWS shared config and credentials files on disk: where they are, reading them, and
loading or checking both at once (the text format itself is ``resolver.config.sources.ini``).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from resolver.config.findings import Finding, Location
from resolver.config.sources.ini import FileKind, parse_ini, raw_config
from resolver.config.sources.raw import RawConfig
from resolver.context import expand_home as expand_home
from resolver.errors import ConfigError


def ini_paths(environ: Mapping[str, str]) -> tuple[Path, Path]:
    """``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` (empty means unset), else
    ``~/.aws/config`` and ``~/.aws/credentials``; ``~`` expanded."""
    config = environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Path(expand_home(config, environ)), Path(expand_home(credentials, environ))


MAX_FILE_BYTES = 16 * 1024 * 1024  # any configuration file, INI or TOML


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, without blocking on anything else.

    OSError as ``os.open`` raises it (FileNotFoundError...), or with EINVAL for a FIFO, a
    device such as /dev/zero or a directory, and EFBIG for a file over ``limit`` bytes.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file; refusing to read it")
        data = _read_at_most(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"file is larger than {limit} bytes; refusing to read it")
    return data


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    """A file's UTF-8 text (BOM dropped); None when it does not exist.

    The one reader of configuration files: it refuses anything but a regular file (a
    FIFO, a device such as /dev/zero, a directory) without blocking, and a file larger
    than ``limit`` bytes, reading at most ``limit + 1`` bytes to tell (``read_regular``).
    """
    try:
        data = read_regular(path, limit)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        message = exc.strerror or str(exc)
        if exc.errno not in (errno.EINVAL, errno.EFBIG):
            message = f"cannot read file: {message}"
        raise ConfigError(message, file=str(path), reason="unreadable-file") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = "file is not valid UTF-8"
        raise ConfigError(message, file=str(path), line=line, reason="unreadable-file") from None


def _read_at_most(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0 and (chunk := os.read(fd, min(size, 1 << 20))):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


PathArg = str | os.PathLike[str]


def _paths(config: PathArg, credentials: PathArg) -> list[tuple[Path, FileKind]]:
    return [(Path(config).expanduser(), "config"), (Path(credentials).expanduser(), "credentials")]


def load_ini(config_path: PathArg, credentials_path: PathArg) -> RawConfig:
    """Both files merged (credentials win per key); a missing file is empty (the default
    paths: ``ini_paths``). Bodies parse lazily: see the module docstring."""
    warnings: list[Finding] = []
    documents = [
        parse_ini(text, path=str(path), kind=kind, warnings=warnings)
        for path, kind in _paths(config_path, credentials_path)
        if (text := read_text(path)) is not None
    ]
    return raw_config(documents, warnings)


def check_ini(config_path: PathArg, credentials_path: PathArg) -> list[Finding]:
    """Eager full check of both files: every malformed line (severity "error") and every
    warning, for ``rolechain validate``."""
    findings: list[Finding] = []
    for path, kind in _paths(config_path, credentials_path):
        try:
            text = read_text(path)
        except ConfigError as unreadable:  # not a file, or not UTF-8
            location = Location(str(path), unreadable.line)
            findings.append(Finding("error", unreadable.message, location=location))
            continue
        if text is not None:
            document = parse_ini(text, path=str(path), kind=kind, warnings=findings, strict=False)
            for error in document.check_all():
                location = Location(document.path, error.line)
                findings.append(Finding("error", error.message, location=location))
    return findings

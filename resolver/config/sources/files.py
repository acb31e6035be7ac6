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
    """At most ``limit`` bytes of a regular file, without blocking on anything else; the
    null device (``AWS_SHARED_CREDENTIALS_FILE=/dev/null``, a CI idiom) is empty.

    OSError as ``os.open`` raises it (FileNotFoundError...), or with EINVAL for a FIFO,
    another device such as /dev/zero or a directory, and EFBIG for a file over ``limit``.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if is_null_device(info):
            return b""
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file; refusing to read it")
        data = _read_at_most(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"file is larger than {limit} bytes; refusing to read it")
    return data


def is_null_device(info: os.stat_result) -> bool:
    """True for the null device (``os.devnull``), by its device number, under any name."""
    if not stat.S_ISCHR(info.st_mode):
        return False
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and info.st_rdev == null.st_rdev


BOM = b"\xef\xbb\xbf"


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    """A file's UTF-8 text (BOM dropped); None when it does not exist.

    The one reader of configuration files: it refuses anything but a regular file (a
    FIFO, a device such as /dev/zero, a directory) without blocking, and a file larger
    than ``limit`` bytes, reading at most ``limit + 1`` bytes to tell (``read_regular``).
    """
    document = read_document(path, limit)
    return None if document is None else document[0]


def read_document(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[str, bool] | None:
    """``read_text``'s text and whether a UTF-8 BOM was dropped from its start."""
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
        return data.decode("utf-8-sig"), data.startswith(BOM)
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
BOM_WARNING = (
    "the file starts with a UTF-8 byte order mark (bytes EF BB BF, U+FEFF): rolechain "
    'skips it, but boto3, botocore and the AWS CLI fail on it ("Unable to parse config '
    'file"); save the file as UTF-8 without a BOM'
)


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
            document = read_document(path)
        except ConfigError as unreadable:  # not a file, or not UTF-8
            location = Location(str(path), unreadable.line)
            findings.append(Finding("error", unreadable.message, location=location))
            continue
        if document is not None:
            findings.extend(_document_findings(path, kind, *document))
    return findings


def _document_findings(path: Path, kind: FileKind, text: str, bom: bool) -> list[Finding]:
    """A BOM warning (the SDKs fail on one), then every malformed line and warning."""
    found = [Finding("warning", BOM_WARNING, location=Location(str(path), 1))] if bom else []
    parsed = parse_ini(text, path=str(path), kind=kind, warnings=found, strict=False)
    for error in parsed.check_all():
        found.append(Finding("error", error.message, location=Location(parsed.path, error.line)))
    return found

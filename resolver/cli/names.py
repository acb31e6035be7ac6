"""Profile names for shell completion, without pydantic, boto3 or a full parse.

Only printable names are listed, one per ``\n`` (never ``str.splitlines``: ``\x0c``,
``\x85`` or U+2028 inside a name would forge a line); the shells take each line as one
literal word.

A keypress must not cost a cold start: the names are read with a line scan of the
section headers of the AWS files (``[profile NAME]``, ``[default]``, ``[NAME]``) and the
rolechain TOML file (``[profiles.NAME]``), and kept in ``profile-names`` in the cache
directory (0600) with the files' stamp, so the next keypress reads one small file. The
listing ends in an ``end`` line: one cut short by a crash (``resolver.cache.atomic``
writes it without fsync) is scanned again, never offered as fewer names.
"""

import os
import re

from resolver.cache.private import read_private
from resolver.cache.stamps import files_stamp
from resolver.environment import cache_directory

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from resolver.cache.stamps import Stamp

LISTING = "profile-names"
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NAMES = 5000
_END = b"end\n"
_INI_CONFIG = re.compile(r"\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]")
_INI_CREDENTIALS = re.compile(r"\s*\[\s*([^\]\s]+)\s*\]")
_TOML = re.compile(r'\s*\[\s*profiles\s*\.\s*(?:"([^"]+)"|\'([^\']+)\'|([A-Za-z0-9_-]+))\s*\]')


def _paths(config: "str | None", environ: "Mapping[str, str]") -> list[str]:
    from resolver.config.sources.files import ini_paths
    from resolver.config.sources.tomlfile import toml_path

    return [str(path) for path in (*ini_paths(environ), toml_path(config, environ))]


def _lines(path: str) -> list[str]:
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES)
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").split("\n")  # "\n" only, as the parsers


def offerable(name: str) -> bool:
    """True for a name a shell can be offered: printable (no line break, tab or other
    control character, which would forge or split a completion line)."""
    return name.isprintable()


def scan_names(paths: "Sequence[str]") -> list[str]:
    """The profile names declared in the config, credentials and TOML files ``paths``."""
    names: dict[str, None] = {}
    config, credentials, toml = paths
    for line in _lines(config):
        match = _INI_CONFIG.match(line)
        if match and not line.lstrip().startswith(("[sso-session", "[services")):
            names[match[1]] = None
    for line in _lines(credentials):
        if match := _INI_CREDENTIALS.match(line):
            names[match[1]] = None
    for line in _lines(toml):
        if match := _TOML.match(line):
            names[match[1] or match[2] or match[3]] = None
    return sorted(filter(offerable, names))[:MAX_NAMES]


def _encode(stamp: "Stamp", names: "Sequence[str]") -> bytes:
    lines = []
    for path, target, *numbers in stamp:
        lines += [f"file {' '.join(map(str, numbers))} {path}", f"target {target}"]
    lines += [f"name {name}" for name in names]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


def profile_names(config: "str | None", environ: "Mapping[str, str]") -> list[str]:
    """The profile names ``environ``'s files hold, from the saved listing while the files
    are unchanged."""
    paths = _paths(config, environ)
    stamp = files_stamp(paths)
    directory = cache_directory(environ)
    listing = os.path.join(directory, LISTING)
    header = _encode(stamp, [])
    try:
        saved = read_private(listing, MAX_FILE_BYTES)
    except (OSError, ValueError):
        saved = b""
    body = saved[len(header) :]  # name lines, then the end line, whole
    if saved.startswith(header) and (body == _END or body.endswith(b"\n" + _END)):
        rest = body[: -len(_END)].decode("utf-8", "surrogateescape").split("\n")
        if rest[-1:] == [""] and all(line.startswith("name ") for line in rest[:-1]):
            return [n for line in rest[:-1] if offerable(n := line[len("name ") :])]
    names = scan_names(paths)
    if not environ.get("ROLECHAIN_NO_CACHE"):
        try:
            from resolver.cache.store import CacheStore

            CacheStore(directory).write_listing(LISTING, _encode(stamp, names) + _END)
        except Exception:  # a completion never fails for want of a cache
            pass
    return names

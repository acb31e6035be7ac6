"""Ready answers: a warm ``rolechain export`` served before anything heavy is imported.

A credential_process helper sits in the hot loop of every tool that calls it, so a cache
hit must cost little more than starting the interpreter. After the full path (parse,
pydantic, plan, disk cache) has printed credentials that come from the disk cache, it
also saves an *answer*: the rendered output of every export format, the stamp of the
files the plan read (see ``files_stamp``), the chain's profiles, and when the credentials fall due
for refresh. The next identical request is served from it by this module, which imports
nothing but the package itself (``os``, ``sys``, ``stat`` and ``time`` are loaded with
the interpreter; no re, json, typing, hashlib, datetime, platformdirs, pydantic or
botocore). A missing, stale, corrupt or foreign answer, a different request, or any
changed or new configuration file sends the request down the full path.

The *request* is everything that can change the result: the profile, ``--config`` and
the per-run override flags as given, the working directory (relative paths in the
configuration resolve against it), and every ``AWS_*``, ``ROLECHAIN_*`` and ``XDG_*``
variable plus ``HOME`` (file paths made absolute; values of secret variables only as
"set"). Its answer lives in ``<cache dir>/<key>.answer`` (0600 in the 0700 cache
directory, see ``resolver.cache.store``), and holds the request itself, which must match
exactly.
"""

import os
import stat
import sys
import time

from resolver.cache.depends import dependency_value
from resolver.cache.depends import working_directory as working_directory

TYPE_CHECKING = False  # typing and __future__ would cost this hot path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

ANSWER_VERSION = 3
SUFFIX = ".answer"
MAX_ANSWER_BYTES = 64 * 1024
EXPORT_FORMATS = ("env", "json", "credential-process", "ini", "fish", "powershell", "cmd", "dotenv")
_HEADER = f"rolechain answer {ANSWER_VERSION}"
_KEYED_PREFIXES = ("AWS_", "ROLECHAIN_", "XDG_")
_KEYED_NAMES = ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA")

FileStamp = tuple[str, str, int, int, int, int, int]
Stamp = tuple[FileStamp, ...]
"""Per configuration file: (path, resolved target, size, mtime_ns, inode, device, ctime_ns)
of the file the path leads to through any symlinks; the numbers are -1 when missing."""
_MISSING = (-1, -1, -1, -1, -1)

Dependency = tuple[str, str, str]
"""(kind, name, value): see ``resolver.cache.depends``."""


def files_stamp(paths: "Iterable[os.PathLike[str] | str]") -> Stamp:
    """The stamp of ``paths``: any edit, creation, removal, rename over, ``cp -p`` over or
    symlink swap changes it (a new inode or device, or a new ctime, which no user can set).
    """
    stamp = []
    for path in paths:
        name = os.fspath(path)
        target = os.path.realpath(name)
        try:
            info = os.stat(target)
        except (OSError, ValueError):
            stamp.append((name, target, *_MISSING))
        else:
            numbers = (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev, info.st_ctime_ns)
            stamp.append((name, target, *numbers))
    return tuple(stamp)


def cache_disabled(environ: "Mapping[str, str] | None" = None) -> bool:
    """True when ``ROLECHAIN_NO_CACHE`` is set to a true value (1, true, yes, on)."""
    environ = os.environ if environ is None else environ
    return environ.get("ROLECHAIN_NO_CACHE", "").strip().lower() in ("1", "true", "yes", "on")


def cache_directory(environ: "Mapping[str, str] | None" = None) -> str:
    """``ROLECHAIN_CACHE_DIR``, else the user cache directory's ``rolechain``.

    On Linux and the BSDs that is the XDG Base Directory rule (``$XDG_CACHE_HOME`` when
    absolute, else ``~/.cache``), the same as platformdirs there, applied directly because
    importing platformdirs would cost a third of a warm answer. macOS and Windows ask
    platformdirs.
    """
    environ = os.environ if environ is None else environ
    configured = environ.get("ROLECHAIN_CACHE_DIR", "").strip()
    if configured:
        return _expand(configured, environ)
    if sys.platform in ("win32", "cygwin", "darwin", "ios", "android", "emscripten", "wasi"):
        import platformdirs

        return platformdirs.user_cache_dir("rolechain", appauthor=False)
    base = environ.get("XDG_CACHE_HOME", "")
    if not base.startswith("/"):
        base = _expand("~/.cache", environ)
    return os.path.join(base, "rolechain")


def _expand(path: str, environ: "Mapping[str, str]") -> str:
    """``path`` with a leading ``~`` from ``environ``'s ``HOME`` (as ``expand_home``)."""
    if path != "~" and not path.startswith("~/"):
        return os.path.expanduser(path)  # ~user, or no tilde: the environment plays no part
    return (environ.get("HOME") or __import__("pwd").getpwuid(os.getuid()).pw_dir) + path[1:]


def _absolute(name: str, value: str, environ: "Mapping[str, str]") -> str:
    pathlike = name.endswith(("_FILE", "_DIR", "_HOME", "_PATH")) or name == "ROLECHAIN_CONFIG"
    return os.path.abspath(_expand(value, environ)) if value and pathlike else value


def request_text(
    profile: str | None,
    config: str | None,
    environ: "Mapping[str, str] | None" = None,
    overrides: "Sequence[str]" = (),
) -> str:
    """What identifies ``rolechain [--config C] export [P] [overrides]`` in ``environ``
    (no secrets); ``overrides`` are ``override_lines``."""
    environ = os.environ if environ is None else environ
    from resolver import __version__

    lines = [f"{_HEADER} {__version__}", f"profile {profile or ''}"]
    lines.append(f"config {os.path.abspath(_expand(config, environ)) if config else ''}")
    lines += overrides
    lines.append(f"cwd {working_directory()}")
    keyed = (n for n in environ if n.startswith(_KEYED_PREFIXES) or n in _KEYED_NAMES)
    for name in sorted(keyed):
        secret = ("SECRET" in name or "TOKEN" in name) and not name.endswith("_FILE")
        value = "set" if secret else _absolute(name, environ[name], environ)
        lines.append(f"env {name}={value}")
    return "\n".join(lines)


def request_key(request: str) -> str:
    """A file name for ``request``: 16 hex digits, the same in every process.

    ``hash()`` of a tuple of ints is not salted per process as str and bytes hashes are,
    and it spares this path a hash module's import; collisions only cost a miss, since
    the answer holds its request.
    """
    return format(hash(tuple(request.encode("utf-8", "surrogateescape"))) & (2**64 - 1), "016x")


_OVERRIDE_FLAGS = ("--tag", "--transitive-tag", "--source-identity", "--duration", "--hop")


def override_lines(
    tags: "Sequence[str]" = (),
    transitive: "Sequence[str]" = (),
    source_identity: str | None = None,
    duration: str | None = None,
    hop: str | None = None,
) -> tuple[str, ...]:
    """The per-run override flags as given, in one fixed order, for a request."""
    lines = [f"override --tag {value}" for value in tags]
    lines += [f"override --transitive-tag {value}" for value in transitive]
    singles = {"--source-identity": source_identity, "--duration": duration, "--hop": hop}
    lines += [f"override {flag} {value}" for flag, value in singles.items() if value is not None]
    return tuple(lines)


def export_request(
    argv: "Sequence[str]",
) -> tuple[str | None, str | None, str, tuple[str, ...]] | None:
    """(profile, config, format, override lines) of a plain ``[--config C] [--debug]
    export [P] [--format F]`` with any per-run override flags (``--mfa-token``, which
    changes no answer, is accepted and left out).

    None for anything else, which the argparse CLI handles (``--no-cache`` included).
    """
    config: str | None = None
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        option = argv[index]
        if option == "--debug":
            index += 1
        elif option == "--config" and index + 1 < len(argv):
            config, index = argv[index + 1], index + 2
        elif option.startswith("--config="):
            config, index = option[len("--config=") :], index + 1
        else:
            return None
    if index >= len(argv) or argv[index] != "export":
        return None
    profile: str | None = None
    fmt = "env"
    given: dict[str, list[str]] = {flag: [] for flag in _OVERRIDE_FLAGS}
    rest = argv[index + 1 :]
    index = 0
    while index < len(rest):
        word = rest[index]
        flag, equals, value = word.partition("=")
        if flag in given or flag in ("--format", "--mfa-token"):
            if not equals:
                if index + 1 >= len(rest):
                    return None
                value, index = rest[index + 1], index + 1
            index += 1
            if flag == "--format":
                fmt = value
            elif flag in given:
                given[flag].append(value)
        elif profile is None and word and not word.startswith("-"):
            profile, index = word, index + 1
        else:
            return None
    if fmt not in EXPORT_FORMATS:
        return None
    flags = ("--source-identity", "--duration", "--hop")
    single = [given[flag][-1] if given[flag] else None for flag in flags]
    lines = override_lines(given["--tag"], given["--transitive-tag"], *single)
    return profile, config, fmt, lines


class Answer:
    """A ready answer: the request it answers, the chain's profiles, when it falls due,
    the configuration files' stamp, what the chain's base depends on (``Dependency``)
    and each export format's output."""

    __slots__ = ("depends", "expires", "outputs", "profiles", "refresh_at", "request", "stamp")

    def __init__(
        self,
        request: str,
        profiles: "Sequence[str]",
        refresh_at: float,
        expires: float,
        stamp: Stamp,
        outputs: "Mapping[str, str]",
        depends: "Sequence[Dependency]" = (),
    ) -> None:
        self.request = request
        self.profiles = tuple(profiles)
        self.refresh_at = refresh_at
        self.expires = expires
        self.stamp = stamp
        self.outputs = dict(outputs)
        self.depends = tuple(depends)

    def __repr__(self) -> str:
        return f"Answer(profiles={self.profiles!r}, expires={self.expires!r})"

    def servable(
        self, request: str, now: float, environ: "Mapping[str, str] | None" = None
    ) -> bool:
        """For ``request``, not yet due, every configuration file exactly as it was, and
        every dependency of the chain's base with the value it had."""
        if request != self.request or now >= self.refresh_at:
            return False
        if files_stamp(entry[0] for entry in self.stamp) != self.stamp:
            return False
        environ = os.environ if environ is None else environ
        return all(dependency_value(k, n, environ) == v for k, n, v in self.depends)

    def encode(self) -> bytes:
        """The file's bytes; ValueError if a path or profile name holds a line break."""
        lines = [_HEADER]
        lines += [f"profile {name}" for name in self.profiles]
        lines += [f"refresh-at {self.refresh_at!r}", f"expires {self.expires!r}"]
        for path, target, *numbers in self.stamp:
            lines += [f"file {' '.join(map(str, numbers))} {path}", f"target {target}"]
        for kind, name, value in self.depends:
            if " " in kind or "\0" in name or "\0" in value:
                raise ValueError("a dependency cannot be written")
            lines.append(f"depends {kind} {name}\0{value}")
        if any("\n" in line or "\r" in line for line in lines):
            raise ValueError("a path or profile name contains a line break")
        data = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
        for name, text in (("request", self.request), *self.outputs.items()):
            body = text.encode("utf-8", "surrogateescape")
            data += f"blob {name} {len(body)}\n".encode() + body + b"\n"
        return data + b"end\n"

    @classmethod
    def decode(cls, data: bytes) -> "Answer":
        """Parse ``encode``'s bytes; ValueError (never showing a secret) if anything is off."""
        header, _, rest = data.partition(b"\nblob ")
        lines = header.decode("utf-8", "surrogateescape").split("\n")
        if lines[0] != _HEADER:
            raise ValueError(f"not a version {ANSWER_VERSION} answer")
        profiles: list[str] = []
        depends: list[Dependency] = []
        stamp: list[FileStamp] = []
        times: dict[str, float] = {}
        for line in lines[1:]:
            word, _, value = line.partition(" ")
            if word == "profile":
                profiles.append(value)
            elif word in ("refresh-at", "expires"):
                times[word] = float(value)
            elif word == "file":
                *numbers, path = value.split(" ", 5)
                size, mtime, inode, device, ctime = map(int, numbers)
                stamp.append((path, "", size, mtime, inode, device, ctime))
            elif word == "target" and stamp and not stamp[-1][1]:
                stamp[-1] = (stamp[-1][0], value, *stamp[-1][2:])
            elif word == "depends":
                kind, _, rest_of_line = value.partition(" ")
                name, _, found = rest_of_line.partition("\0")
                depends.append((kind, name, found))
            else:
                raise ValueError("unknown header line")
        blobs: dict[str, str] = {}
        while rest:
            meta, _, rest = rest.partition(b"\n")
            name, _, length = meta.decode().partition(" ")
            body, rest = rest[: int(length)], rest[int(length) :]
            if len(body) != int(length) or not rest.startswith(b"\n"):
                raise ValueError("truncated blob")
            blobs[name] = body.decode("utf-8", "surrogateescape")
            rest = rest[1:]
            if rest == b"end\n":
                request = blobs.pop("request")
                refresh_at, expires = times["refresh-at"], times["expires"]
                return cls(request, profiles, refresh_at, expires, tuple(stamp), blobs, depends)
            if not rest.startswith(b"blob "):
                raise ValueError("malformed blob")
            rest = rest[len(b"blob ") :]
        raise ValueError("truncated answer")


class NotRegularFile(ValueError):
    """A FIFO, device, socket or directory where a cache file should be."""


def private_directory(directory: str) -> bool:
    """True when ``directory`` is ours and neither group- nor world-writable, or missing."""
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        return True  # nothing to read from it; a write creates it private
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def read_private(path: str, limit: int) -> bytes:
    """A cache file's bytes; ValueError unless it is a regular file of at most ``limit``
    bytes, ours and private (0600); NotRegularFile for a symlink, FIFO, socket or device
    (opened without following or blocking); OSError if missing or unreadable."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except OSError:  # a socket (ENXIO) or a symlink (ELOOP) is no cache file either
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise NotRegularFile("not a regular file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile("not a regular file")
        if info.st_size > limit:
            raise ValueError("not a file of sane size")
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            raise ValueError("not private to this user")
        chunks = []
        while chunk := os.read(fd, limit + 1):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_answer(path: str) -> "Answer | None":
    """The answer in ``path`` if it is ours, private, sane and parses; else None."""
    try:
        return Answer.decode(read_private(path, MAX_ANSWER_BYTES))
    except (OSError, ValueError, KeyError):  # UnicodeDecodeError is a ValueError
        return None


def answer_path(directory: str, key: str) -> str:
    """Where the answer with ``key`` lives."""
    return os.path.join(directory, key + SUFFIX)


def serve_export(argv: "Sequence[str]", environ: "Mapping[str, str] | None" = None) -> str | None:
    """The output of ``rolechain <argv>`` from a ready answer, or None to take the full path."""
    environ = os.environ if environ is None else environ
    parsed = export_request(argv)
    if parsed is None or cache_disabled(environ):
        return None
    profile, config, fmt, overrides = parsed
    request = request_text(profile, config, environ, overrides)
    directory = cache_directory(environ)
    if not private_directory(directory):
        return None
    answer = read_answer(answer_path(directory, request_key(request)))
    if answer is None or not answer.servable(request, time.time(), environ):
        return None
    resolving = environ.get("ROLECHAIN_RESOLVING")  # see resolver.providers.bases.process
    if resolving and any(name in resolving for name in answer.profiles):
        return None  # maybe a credential_process loop: the full path decides
    return answer.outputs.get(fmt)

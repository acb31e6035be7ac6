"""Ready answers: what lets a warm ``rolechain export`` be served before anything heavy
is imported.

A credential_process helper sits in the hot loop of every tool that calls it, so a cache
hit must cost little more than starting the interpreter. After the full path (parse,
pydantic, plan, disk cache) has printed credentials that come from the disk cache, it
also saves an ``Answer``: the rendered output of every export format, the stamp of the
files the plan read (``resolver.cache.stamps``), what the chain's base depends on, the
chain's profiles, and when the credentials fall due for refresh. The next identical
request is served from it by ``resolver.cli.fastpath``, which like this module imports
nothing but the package itself (``os`` is loaded with the interpreter; no re, json,
typing, hashlib, datetime, platformdirs, pydantic or botocore). A missing, stale, corrupt
or foreign answer, a different request, or any changed or new configuration file sends
the request down the full path.

The *request* is everything that can change the result: the profile, ``--config`` and
the per-run override flags as given, the working directory (relative paths in the
configuration resolve against it), and every ``AWS_*``, ``ROLECHAIN_*`` and ``XDG_*``
variable plus ``HOME`` (file paths made absolute; values of secret variables only as
"set"). Its answer lives in ``<cache dir>/<key>.answer`` (0600 in the 0700 cache
directory, see ``resolver.cache.store``), and holds the request itself, which must match
exactly.
"""

import os

from resolver.cache.private import read_private
from resolver.cache.stamps import Dependency, FileStamp, Stamp, dependency_value, files_stamp
from resolver.environment import current_directory, expand_home

TYPE_CHECKING = False  # typing and __future__ would cost this hot path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

ANSWER_VERSION = 3
SUFFIX = ".answer"
MAX_ANSWER_BYTES = 64 * 1024
_HEADER = f"rolechain answer {ANSWER_VERSION}"
_KEYED_PREFIXES = ("AWS_", "ROLECHAIN_", "XDG_")
_KEYED_NAMES = ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA")


def _absolute(name: str, value: str, environ: "Mapping[str, str]") -> str:
    pathlike = name.endswith(("_FILE", "_DIR", "_HOME", "_PATH")) or name == "ROLECHAIN_CONFIG"
    return os.path.abspath(expand_home(value, environ)) if value and pathlike else value


def request_text(
    profile: str | None,
    config: str | None,
    environ: "Mapping[str, str]",
    overrides: "Sequence[str]" = (),
) -> str:
    """What identifies ``rolechain [--config C] export [P] [overrides]`` in ``environ``
    (no secrets); ``overrides`` are ``resolver.cli.fastpath.override_lines``."""
    from resolver import __version__

    lines = [f"{_HEADER} {__version__}", f"profile {profile or ''}"]
    lines.append(f"config {os.path.abspath(expand_home(config, environ)) if config else ''}")
    lines += overrides
    lines.append(f"cwd {current_directory()}")
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

    def servable(self, request: str, now: float, environ: "Mapping[str, str]") -> bool:
        """For ``request``, not yet due, every configuration file exactly as it was, and
        every dependency of the chain's base with the value it had."""
        if request != self.request or now >= self.refresh_at:
            return False
        if files_stamp(entry[0] for entry in self.stamp) != self.stamp:
            return False
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


def read_answer(path: str) -> "Answer | None":
    """The answer in ``path`` if it is ours, private, sane and parses; else None."""
    try:
        return Answer.decode(read_private(path, MAX_ANSWER_BYTES))
    except (OSError, ValueError, KeyError):  # UnicodeDecodeError is a ValueError
        return None


def answer_path(directory: str, key: str) -> str:
    """Where the answer with ``key`` lives."""
    return os.path.join(directory, key + SUFFIX)

"""``export``'s one grammar: the flag table both parsers are made from, and the warm path.

``GLOBAL_FLAGS`` (before the command) and ``EXPORT_FLAGS`` say, for each flag, whether it
takes a value, may be repeated, is part of the request key (``keyed``) and whether a ready
answer may serve a command line that has it (``serves``), and carry argparse's options.
argparse's ``rolechain`` and ``export`` parsers are built from them
(``resolver.cli.overrides_args.add_flags``), and so is ``export_request``: the fast parser
``serve_export`` reads a command line with before anything heavy is imported. It takes
only what argparse would read the same way; anything else (an unknown or abbreviated
flag, ``--``, a value that looks like a flag, ``-h``) means "no ready answer", and the
full CLI decides. Both parsers turn their values into a request through ``request_of``,
so no flag can change the request key in one parser only. A cold ``export`` that this
parser takes (``export_values``: argparse's ``vars(args)``) builds no argparse parser.

Standard library only, like ``resolver.cache.answers``: no argparse, typing or pydantic.
"""

import os
import time

from resolver.cache.answers import answer_path, read_answer, request_key, request_text
from resolver.cache.private import private_directory
from resolver.environment import cache_directory, cache_disabled

TYPE_CHECKING = False  # typing would cost the warm path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

EXPORT_FORMATS = ("env", "json", "credential-process", "ini", "fish", "powershell", "cmd", "dotenv")

Request = tuple[str | None, str | None, str, tuple[str, ...]]
"""(profile, ``--config``, ``--format``, the override lines) of an ``export``."""


class Flag:
    """One option: ``names``; whether it takes a ``value``, may ``repeat``, is part of the
    request (``keyed``), may be served a ready answer (``serves``); argparse's ``options``."""

    __slots__ = ("dest", "keyed", "names", "options", "repeat", "serves", "value")

    def __init__(
        self,
        *names: str,
        value: bool = True,
        repeat: bool = False,
        keyed: bool = False,
        serves: bool = True,
        **options: "Any",
    ) -> None:
        self.names = names
        self.dest = names[0].lstrip("-").replace("-", "_")
        self.value, self.repeat, self.keyed, self.serves = value, repeat, keyed, serves
        self.options = options

    def __repr__(self) -> str:
        return f"Flag{self.names!r}"

    def default(self) -> "Any":
        """The value argparse gives when the flag is absent."""
        if not self.value:
            return False
        return [] if self.repeat else self.options.get("default")

    def arguments(self) -> "dict[str, Any]":
        """``add_argument``'s keyword arguments."""
        if not self.value:
            return {"action": "store_true", **self.options}
        if self.repeat:
            return {"action": "append", "default": [], **self.options}
        return dict(self.options)


GLOBAL_FLAGS = (
    Flag("--config", keyed=True, metavar="FILE", help="rolechain TOML file"),
    Flag("--debug", value=False, help="show tracebacks on errors"),
    Flag("--no-cache", value=False, serves=False, help="bypass the credentials cache"),
)
"""``rolechain``'s own flags (``--version`` and ``-h`` are argparse's): ``--config``
is the request's ``config`` line."""

TAGS_HELP = "session tag (repeatable; or ROLECHAIN_SESSION_TAGS=k=v,k2=v)"
OVERRIDE_FLAGS = (
    Flag("--tag", repeat=True, keyed=True, metavar="KEY=VALUE", help=TAGS_HELP),
    Flag(
        "--transitive-tag",
        repeat=True,
        keyed=True,
        metavar="KEY",
        help="make a session tag transitive (repeatable)",
    ),
    Flag(
        "--source-identity",
        keyed=True,
        metavar="ID",
        help="SourceIdentity (also ROLECHAIN_SOURCE_IDENTITY)",
    ),
    Flag("--duration", keyed=True, metavar="1h", help="session duration"),
    Flag("--hop", keyed=True, metavar="PROFILE", help="apply the overrides to this hop"),
    Flag("--mfa-token", metavar="CODE", help="MFA code, instead of a prompt"),
)
"""The per-run overrides of ``export``, ``exec`` and ``explain`` (which has no
``--mfa-token``); a code changes no answer."""

EXPORT_FLAGS = (
    Flag("--format", choices=EXPORT_FORMATS, default="env", help="output format"),
    *OVERRIDE_FLAGS,
)
"""``export``'s flags; its one positional is the profile."""

_GLOBAL = {name: flag for flag in GLOBAL_FLAGS for name in flag.names}
_EXPORT = {name: flag for flag in EXPORT_FLAGS for name in flag.names}


def override_lines(values: "Mapping[str, Any]") -> tuple[str, ...]:
    """The request lines of the keyed ``export`` flags in ``values`` (argparse's
    ``vars(args)`` or ``export_request``'s), as given, in the table's order."""
    lines: list[str] = []
    for flag in EXPORT_FLAGS:
        given = values.get(flag.dest)
        if flag.keyed and given is not None:
            words = given if flag.repeat else (given,)
            lines += [f"override {flag.names[0]} {word}" for word in words]
    return tuple(lines)


def request_of(values: "Mapping[str, Any]") -> Request:
    """The ``Request`` of parsed values: argparse's ``vars(args)`` or the fast parser's."""
    fmt = values.get("format") or "env"
    return values.get("profile"), values.get("config"), fmt, override_lines(values)


def export_request(argv: "Sequence[str]", *, answerable: bool = True) -> Request | None:
    """The ``Request`` of ``rolechain [GLOBAL FLAGS] export [P] [EXPORT FLAGS]`` when
    argparse would read ``argv`` the same way; None for anything else (the full CLI's).
    ``answerable``: also None for a flag a ready answer may not serve (``--no-cache``);
    without it, such a flag is read like the others (what a command asks for)."""
    values = export_values(argv, answerable=answerable)
    return None if values is None else request_of(values)


def export_values(argv: "Sequence[str]", *, answerable: bool = True) -> "dict[str, Any] | None":
    """argparse's ``vars(args)`` of ``argv`` when ``export_request`` takes it, else None."""
    values: dict[str, Any] = {flag.dest: flag.default() for flag in (*GLOBAL_FLAGS, *EXPORT_FLAGS)}
    index: int | None = 0
    while index is not None and index < len(argv) and argv[index].startswith("-"):
        index = _take_flag(argv, index, _GLOBAL, values, answerable)
    if index is None or argv[index : index + 1] != ["export"]:
        return None
    values["command"], values["profile"] = "export", None
    index += 1
    while index is not None and index < len(argv):
        index = _take_word(argv, index, values, answerable)
    return None if index is None else values


def _take_word(
    argv: "Sequence[str]", index: int, values: "dict[str, Any]", answerable: bool
) -> int | None:
    """Read ``export``'s flag or profile at ``argv[index]``; the next index, or None."""
    word = argv[index]
    if word.startswith("-"):
        return _take_flag(argv, index, _EXPORT, values, answerable)
    if values["profile"] is not None or not word:
        return None  # a second positional is argparse's error; "" is no profile to serve
    values["profile"] = word
    return index + 1


def _take_flag(
    argv: "Sequence[str]",
    index: int,
    flags: "Mapping[str, Flag]",
    values: "dict[str, Any]",
    answerable: bool,
) -> int | None:
    """Read the flag at ``argv[index]`` (and its value) into ``values``; the next index, or
    None when the fast path does not take it."""
    name, equals, value = argv[index].partition("=")
    flag = flags.get(name)
    if flag is None or (answerable and not flag.serves) or (equals and not flag.value):
        return None
    if not flag.value:
        values[flag.dest] = True
        return index + 1
    if not equals:
        index += 1
        if index >= len(argv) or argv[index].startswith("-"):
            return None  # argparse: "expected one argument" (or a negative number: its call)
        value = argv[index]
    if value not in flag.options.get("choices", (value,)):
        return None
    values[flag.dest] = [*values[flag.dest], value] if flag.repeat else value
    return index + 1


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

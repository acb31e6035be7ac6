"""Readers of ``export``'s output, written from each interpreter's documented rules.

Each returns the effect of a whole output (variable -> value, None for an unset) or
raises ``Unsafe`` when a line is anything but the literal assignment it claims to be.
PowerShell and cmd are not installable here, so their readers are the test; sh and fish
are also run for real (tests/cli/test_export_quoting.py), and these readers keep the 100,000-
value fuzz run in-process.
"""

from __future__ import annotations

import configparser
import io
import re

from resolver.config.sources.ini import IniDocument
from resolver.errors import ResolverError

Effect = dict[str, "str | None"]


class Unsafe(AssertionError):
    """A line whose meaning is not the plain assignment (or unset) of one literal value."""


# POSIX 2.2: inside '...' every character is literal; an unquoted backslash makes the next
# character literal; "'" is a literal quote; these unquoted characters are never special.
_SH_PIECE = re.compile(r"'([^']*)'|\"(')\"|\\([^\n])|([A-Za-z0-9_@%+=:,./-]+)")


def sh_word(text: str) -> str:
    """The literal value of one POSIX sh word built only from never-special pieces."""
    out, pos = [], 0
    while pos < len(text):
        piece = _SH_PIECE.match(text, pos)
        if piece is None:
            raise Unsafe(f"not a literal sh word at {pos}: {text!r}")
        out.append(next(group for group in piece.groups() if group is not None))
        pos = piece.end()
    return "".join(out)


def read_sh(script: str) -> Effect:
    """``export NAME=WORD`` and ``unset NAME`` lines (format env)."""
    effect: Effect = {}
    for line in script.split("\n"):
        if match := re.fullmatch(r"export ([A-Z_][A-Z0-9_]*)=(.*)", line, re.DOTALL):
            effect[match[1]] = sh_word(match[2])
        elif match := re.fullmatch(r"unset ([A-Z_][A-Z0-9_]*)", line):
            effect[match[1]] = None
        else:
            raise Unsafe(f"not an sh line of the env format: {line!r}")
    return effect


def read_dotenv(script: str) -> Effect:
    """``NAME=WORD`` lines as ``set -a; . ./file`` reads them; ``NAME=`` clears (None)."""
    effect: Effect = {}
    for line in script.split("\n"):
        match = re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(.*)", line, re.DOTALL)
        if match is None:
            raise Unsafe(f"not a dotenv line: {line!r}")
        effect[match[1]] = sh_word(match[2]) or None
    return effect


def read_fish(script: str) -> Effect:
    """``set -gx NAME '...'`` (fish: in single quotes only \\\\ and \\' are escapes; any
    other backslash is literal) and ``set -e NAME``."""
    effect: Effect = {}
    for line in script.split("\n"):
        if match := re.fullmatch(r"set -gx ([A-Z_][A-Z0-9_]*) '((?:[^'\\]|\\.)*)'", line, re.S):
            effect[match[1]] = re.sub(r"\\([\\'])", r"\1", match[2])
        elif match := re.fullmatch(r"set -e ([A-Z_][A-Z0-9_]*)", line):
            effect[match[1]] = None
        else:
            raise Unsafe(f"not a fish line of the fish format: {line!r}")
    return effect


# about_Quoting_Rules and the language specification (2.3.5.2, verbatim-string-literal):
# each of these five is a single-quote-character; two adjacent ones are one literal quote
# (the tokenizer keeps the second), one alone ends the string.
POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"


def powershell_verbatim(text: str) -> tuple[str, str]:
    """(the value of the verbatim string ``text`` starts with, what follows it)."""
    if not text or text[0] not in POWERSHELL_QUOTES:
        raise Unsafe("not a verbatim string")
    out, pos = [], 1
    while pos < len(text):
        char = text[pos]
        if char in POWERSHELL_QUOTES:
            if pos + 1 < len(text) and text[pos + 1] in POWERSHELL_QUOTES:
                out.append(text[pos + 1])
                pos += 2
                continue
            return "".join(out), text[pos + 1 :]
        if char in "\r\n":
            raise Unsafe("a line break inside the string")
        out.append(char)
        pos += 1
    raise Unsafe("the verbatim string never ends")


def read_powershell(script: str) -> Effect:
    """``$Env:NAME = '...'`` and ``Remove-Item -Path Env:NAME -ErrorAction ...`` lines."""
    effect: Effect = {}
    for line in script.split("\n"):
        if match := re.match(r"\$Env:([A-Z_][A-Z0-9_]*) = ", line):
            value, rest = powershell_verbatim(line[match.end() :])
            if rest:
                raise Unsafe(f"text after the string: {rest!r}")  # the string ended early
            effect[match[1]] = value
        elif match := re.fullmatch(
            r"Remove-Item -Path Env:([A-Z_][A-Z0-9_]*) -ErrorAction SilentlyContinue", line
        ):
            effect[match[1]] = None
        else:
            raise Unsafe(f"not a PowerShell statement of the format: {line!r}")
    return effect


def cmd_set(line: str) -> tuple[str, str]:
    """(name, value) of a batch line ``set "NAME=VALUE"``, by cmd.exe's parsing phases:
    1 ``%`` expansion, 2 ``"`` toggles quoting and, outside quotes, ``^`` escapes and
    ``& | < > ( )`` are operators, 5 ``!`` expansion and ``^`` escapes again when delayed
    expansion is on (it may be: assumed on); then ``set "N=V"`` takes everything between
    the first quote and the last."""
    if "%" in line:
        raise Unsafe("percent expansion")
    if "!" in line:
        raise Unsafe("delayed expansion")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in line):
        raise Unsafe("a control character in a batch line")
    quoted, kept, pos = False, [], 0
    while pos < len(line):
        char = line[pos]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "^":
            pos += 1
            char = line[pos] if pos < len(line) else ""
        elif not quoted and char in "&|<>()":
            raise Unsafe("an operator outside quotes")
        kept.append(char)
        pos += 1
    text = "".join(kept)
    match = re.fullmatch(r'set "([A-Z_][A-Z0-9_]*)=(.*)"', text, re.DOTALL)
    if match is None:
        raise Unsafe(f"not a set line: {line!r}")
    return match[1], match[2]


def read_cmd(script: str) -> Effect:
    """``set "NAME=VALUE"`` lines; an empty value unsets (None)."""
    effect: Effect = {}
    for line in script.split("\n"):
        name, value = cmd_set(line)
        effect[name] = value or None
    return effect


def read_ini(text: str) -> dict[str, dict[str, str]]:
    """The sections as botocore reads a credentials file (configparser.RawConfigParser
    over a text-mode file: universal newlines) and as rolechain does; both must agree."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.Error as exc:
        raise Unsafe(f"configparser: {type(exc).__name__}") from None
    botocore = {name: dict(parser.items(name)) for name in parser.sections()}
    if parser.defaults():
        raise Unsafe("a DEFAULT section: defaults for every profile")
    document = IniDocument(text, "credentials", "credentials", [])
    if document.errors:
        raise Unsafe("rolechain's INI reader refuses it")
    try:
        ours = {
            name: {key: raw.value for key, raw in document.parse_chunk(c, name).items()}
            for name, chunks in document.profiles.items()
            for c in chunks
        }
    except ResolverError:
        raise Unsafe("rolechain's INI reader refuses a line") from None
    if ours != botocore:
        raise Unsafe("the two INI readers disagree")
    return ours

"""Line-based formats of ``rolechain export``: env (POSIX sh), fish, powershell, cmd,
dotenv, and the INI of a credentials file.

Each shell format sets every variable rolechain sets and unsets (dotenv: clears) every
one it may have set before, so switching from a profile with a session token (or a
region) to one without leaves nothing stale behind. The shell formats also carry
``ROLECHAIN_PROFILE`` and ``ROLECHAIN_EXPIRES`` (RFC 3339) for a shell prompt to show.

Every value is quoted for its interpreter's real rules or refused with one line naming
the variable (never the value). A line break (``\r \n \x0b \x0c \x1c-\x1e \x85``
U+2028 U+2029) or NUL is refused in every one of these formats: no credential holds one,
and a line-based reader could take what follows for a statement or a section of its own.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping

from resolver.errors import ResolverError

SHELL_FORMATS = ("env", "fish", "powershell", "cmd", "dotenv")

MANAGED_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "ROLECHAIN_PROFILE",
    "ROLECHAIN_EXPIRES",
)
"""Every variable an export may set; whichever a given export does not set, it unsets."""

_BARE = re.compile(r"[A-Za-z0-9_./:+=@,-]*")
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_UNWRITABLE = re.compile(f"[\x00{LINE_BREAKS}]")
_CMD_UNSAFE = re.compile(r'["%!^]')
_POWERSHELL_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")
_INI_NAME = re.compile(r"[A-Za-z0-9_\-/.%@:+]+")
_INI_COMMENT = re.compile(r"\s[#;]")


def check_line_value(name: str, value: str) -> None:
    """Refuse a value no line-based format may carry: a line break or NUL."""
    if _UNWRITABLE.search(value):
        raise ResolverError(f"the value of {name} holds a line break or NUL: refused")


def _sh_word(value: str) -> str:
    """``value`` as one sh word that no POSIX shell, nor zsh, expands: ``shlex.quote``, and
    single quotes also where zsh would expand ``=cmd`` in an assignment's value (at its
    start, or after a ``:``), which ``shlex`` leaves bare."""
    quoted = shlex.quote(value)
    if quoted == value and (value.startswith("=") or ":=" in value):
        return f"'{value}'"
    return quoted


def _posix(name: str, value: str | None) -> str:
    return f"export {name}={_sh_word(value)}" if value is not None else f"unset {name}"


def _fish(name: str, value: str | None) -> str:
    if value is None:
        return f"set -e {name}"
    quoted = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"set -gx {name} '{quoted}'"


def _powershell(name: str, value: str | None) -> str:
    if value is None:
        return f"Remove-Item -Path Env:{name} -ErrorAction SilentlyContinue"
    quoted = _POWERSHELL_QUOTES.sub(lambda quote: quote[0] * 2, value)  # all five are quotes
    return f"$Env:{name} = '{quoted}'"


def _cmd(name: str, value: str | None) -> str:
    if value is None:
        return f'set "{name}="'
    if _CMD_UNSAFE.search(value) or not value.isprintable():
        raise ResolverError(f"the value of {name} cannot be written safely for cmd")
    return f'set "{name}={value}"'


def _dotenv(name: str, value: str | None) -> str:
    if value is None:
        return f"{name}="
    if _BARE.fullmatch(value) and _sh_word(value) == value:
        return f"{name}={value}"
    quoted = value.replace("'", "'\\''")  # nothing is special inside '...' for sh
    return f"{name}='{quoted}'"


_WRITERS: dict[str, Callable[[str, str | None], str]] = {
    "env": _posix,
    "fish": _fish,
    "powershell": _powershell,
    "cmd": _cmd,
    "dotenv": _dotenv,
}


def shell_state(profile: str, expires: str | None) -> dict[str, str]:
    """``ROLECHAIN_PROFILE`` and, for expiring credentials, ``ROLECHAIN_EXPIRES``."""
    state = {"ROLECHAIN_PROFILE": profile}
    if expires:
        state["ROLECHAIN_EXPIRES"] = expires
    return state


def render_shell(fmt: str, variables: Mapping[str, str]) -> str:
    """``variables`` as ``fmt`` lines, then unsets for every other managed variable."""
    write = _WRITERS[fmt]
    for name in variables:
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise ResolverError(f"not a variable name: {name!r}")
    for name, value in variables.items():
        check_line_value(name, value)
    lines = [write(name, value) for name, value in variables.items()]
    lines += [write(name, None) for name in MANAGED_VARIABLES if name not in variables]
    return "\n".join(lines)


def render_ini(profile: str, values: Mapping[str, str]) -> str:
    """A credentials-file section ``[profile]`` of ``name = value`` lines, refusing what an
    INI reader (botocore's configparser, rolechain's own) would not read back unchanged:
    a name no header may hold, and a value with a control character, surrounding
    whitespace, or a whitespace-led ``#``/``;`` that one reader takes for a comment."""
    if not _INI_NAME.fullmatch(profile) or profile == "DEFAULT":  # configparser's defaults
        raise ResolverError("the profile name cannot be an INI section name", profile=profile)
    for name, value in values.items():
        check_line_value(name, value)
        if not value.isprintable() or value != value.strip() or _INI_COMMENT.search(f" {value}"):
            raise ResolverError(f"the value of {name} cannot be written safely as INI")
    return "\n".join([f"[{profile}]", *(f"{name} = {value}" for name, value in values.items())])

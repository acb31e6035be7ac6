"""Shell formats of ``rolechain export``: env (POSIX sh), fish, powershell, cmd, dotenv.

Each sets every variable rolechain sets and unsets (dotenv: clears) every one it may have
set before, so switching from a profile with a session token (or a region) to one
without leaves nothing stale behind. The shell formats also carry ``ROLECHAIN_PROFILE``
and ``ROLECHAIN_EXPIRES`` (RFC 3339) for a shell prompt to show.
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
_CMD_UNSAFE = re.compile(r'["%!^\r\n\x00]')


def _posix(name: str, value: str | None) -> str:
    return f"export {name}={shlex.quote(value)}" if value is not None else f"unset {name}"


def _fish(name: str, value: str | None) -> str:
    if value is None:
        return f"set -e {name}"
    quoted = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"set -gx {name} '{quoted}'"


def _powershell(name: str, value: str | None) -> str:
    if value is None:
        return f"Remove-Item -Path Env:{name} -ErrorAction SilentlyContinue"
    quoted = value.replace("'", "''")
    return f"$Env:{name} = '{quoted}'"


def _cmd(name: str, value: str | None) -> str:
    if value is None:
        return f'set "{name}="'
    if _CMD_UNSAFE.search(value):
        raise ResolverError(f"the value of {name} cannot be written safely for cmd")
    return f'set "{name}={value}"'


def _dotenv(name: str, value: str | None) -> str:
    if value is None:
        return f"{name}="
    if "\n" in value or "\r" in value or "\x00" in value:
        raise ResolverError(f"the value of {name} cannot be written on one dotenv line")
    if _BARE.fullmatch(value):
        return f"{name}={value}"
    quoted = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'{name}="{quoted}"'


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
    lines = [write(name, value) for name, value in variables.items()]
    lines += [write(name, None) for name in MANAGED_VARIABLES if name not in variables]
    return "\n".join(lines)

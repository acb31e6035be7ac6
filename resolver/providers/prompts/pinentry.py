"""The ``pinentry`` driver: one Assuan conversation, as gpg-agent holds it.

We send SETTITLE, SETDESC, SETPROMPT, SETTIMEOUT, GETPIN and BYE (text percent-escaped),
then read the replies: an ``OK`` greeting, ``OK`` per command, and for GETPIN ``D <pin>``
before its ``OK``; ``ERR`` means cancelled or failed.
"""

from __future__ import annotations

from urllib.parse import unquote

from resolver.errors import TokenError
from resolver.providers.prompts.request import PromptRequest, run_prompt

CANCELLED = "83886179"  # GPG_ERR_CANCELED from the pinentry source


def escape(text: str) -> str:
    """Assuan's escaping of a command argument: %, CR and LF as %XX."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def conversation(request: PromptRequest) -> str:
    """The commands we write to pinentry's stdin."""
    commands = [
        "SETTITLE rolechain",
        f"SETDESC {escape(request.description())}",
        "SETPROMPT MFA code:",
        f"SETTIMEOUT {max(1, int(request.timeout))}",
        "GETPIN",
        "BYE",
    ]
    return "".join(command + "\n" for command in commands)


def read_pin(replies: str, request: PromptRequest) -> str:
    """The PIN in pinentry's ``replies``; ``TokenError`` on ``ERR`` or no data."""
    pin: str | None = None
    for line in replies.splitlines():
        if line.startswith("D "):
            pin = unquote(line[2:])
        elif line.startswith("ERR"):
            code = line.split(" ", 2)[1] if " " in line else ""
            why = "was cancelled" if code == CANCELLED else "failed"
            raise TokenError(f"pinentry {why} asking for the MFA code of {request.serial}")
    if pin is None:
        raise TokenError(f"pinentry returned no MFA code for {request.serial}")
    return pin


def ask(program: str, request: PromptRequest) -> str:
    """Hold the conversation with ``program`` and return the PIN."""
    replies = run_prompt(program, [program], request, stdin=conversation(request))
    return read_pin(replies, request)

"""The ``pinentry`` driver: one Assuan conversation, as gpg-agent holds it.

We send SETTITLE, SETDESC, SETPROMPT, SETTIMEOUT, GETPIN and BYE (text percent-escaped),
then read the replies: an ``OK`` greeting, ``OK`` per command, and for GETPIN ``D <pin>``
(a long one in several ``D`` lines) before its ``OK``; ``ERR`` means cancelled or failed.
An MFA code and a secret (a key's passphrase) differ only in their words. Assuan bounds
a line to 1000 bytes with its newline: a longer description is cut on a character
boundary, before escaping (so that no escape is split), and ends with an ellipsis.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from resolver.errors import TokenError, printable
from resolver.providers.prompts.request import Request, run_prompt
from resolver.stscreds.client import one_line

CANCELLED = "83886179"  # GPG_ERR_CANCELED from the pinentry source
MAX_LINE_BYTES = 1000  # Assuan's limit, the command and the newline included
ELLIPSIS = "\u2026"


def escape(text: str) -> str:
    """Assuan's escaping of a command argument: %, CR and LF as %XX."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def line(command: str, text: str | None = None) -> str:
    """``command`` with ``text`` escaped, within ``MAX_LINE_BYTES`` with its newline: the
    text is cut on a character boundary, and ends with an ellipsis when cut."""
    if text is None:
        return command + "\n"
    budget = MAX_LINE_BYTES - len(command.encode()) - 2  # the space and the newline
    escaped = escape(text)
    if len(escaped.encode()) > budget:
        budget -= len(ELLIPSIS.encode())
        kept: list[str] = []
        for char in text:
            budget -= len(escape(char).encode())
            if budget < 0:
                break
            kept.append(escape(char))
        escaped = "".join(kept) + ELLIPSIS
    return f"{command} {escaped}\n"


def conversation(request: Request) -> str:
    """The commands we write to pinentry's stdin, each a bounded Assuan line."""
    return "".join(
        [
            line("SETTITLE", "rolechain"),
            line("SETDESC", printable(request.description())),
            line("SETPROMPT", request.asked.label),
            line("SETTIMEOUT", str(max(1, int(request.timeout)))),
            line("GETPIN"),
            line("BYE"),
        ]
    )


def failed(what: str, request: Request) -> TokenError:
    """A pinentry that could not ask (not a cancel): most often one without a graphical
    form (pinentry-curses, pinentry-tty), which needs the terminal there is none of even
    when DISPLAY is set. The advice is that of having no display at all."""
    return TokenError(
        f"{what}; a pinentry without a graphical form needs a terminal: "
        f"{request.asked.advice}, or install a graphical pinentry (ROLECHAIN_PINENTRY names it)",
        reason=request.asked.reason,
    )


def read_pin(replies: str, request: Request) -> str:
    """The PIN in pinentry's ``replies``: its ``D`` lines joined, then unescaped (Assuan
    splits long data by bytes, a character may straddle two lines; only ``\\n`` ends a
    line); ``TokenError`` on ``ERR`` or no data."""
    data: list[str] | None = None
    what, whose = request.asked.name, request.subject
    for line in replies.split("\n"):
        if line.startswith("D "):
            data = [*(data or []), line[2:]]
        elif line.startswith("ERR"):
            code = line.split(" ", 2)[1] if " " in line else ""
            if code == CANCELLED:
                raise TokenError(f"pinentry was cancelled asking for the {what} of {whose}")
            said = one_line(printable(_text(line)), 120)
            raise failed(f"pinentry failed asking for the {what} of {whose} ({said})", request)
    if data is None:
        raise failed(f"pinentry returned no {what} for {whose}", request)
    return unquote_to_bytes(_raw("".join(data))).decode("utf-8", errors="replace")


def _raw(text: str) -> bytes:
    """The bytes ``text`` was decoded from (a secret's answer keeps undecodable bytes)."""
    return text.encode("utf-8", errors="surrogateescape")


def _text(text: str) -> str:
    """``text`` with any undecodable byte replaced, fit to be shown."""
    return _raw(text).decode("utf-8", errors="replace")


def ask(program: str, request: Request) -> str:
    """Hold the conversation with ``program`` and return the PIN."""
    try:
        replies = run_prompt(program, [program], request, stdin=conversation(request))
    except TokenError as exc:  # exited non-zero, or could not run
        raise failed(exc.message, request) from None
    return read_pin(replies, request)

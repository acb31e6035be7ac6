"""What a prompt asks (an MFA code, or a hidden secret such as a key's passphrase), and
running a prompt program within the time bound."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from resolver.errors import TokenError
from resolver.stscreds.client import one_line

PROMPT_TIMEOUT = 120.0
"""Seconds any prompt may take before it fails."""
NO_PROMPT = "mfa-prompt-unavailable"
"""The reason of a ``TokenError`` when nothing here can ask the user for a code: each
command adds the way it takes a code instead (``export --mfa-token``...)."""


def no_prompt_advice() -> str:
    """What avoids asking the user, in the configuration's words."""
    return "set mfa_process, or mfa_prompt (or ROLECHAIN_MFA_PROMPT) to ykman"


@dataclass(frozen=True)
class Asked:
    """What a prompt asks for, in its messages' words."""

    name: str
    """``MFA code``, ``passphrase``: "gave no NAME for ...", "asking for the NAME of ..."."""
    article: str
    """``an``, ``a``: "no terminal to ask for ARTICLE NAME"."""
    label: str
    """pinentry's prompt beside the entry."""
    reason: str
    """The reason of the error when nothing here can ask for it."""
    advice: str
    """What avoids asking, in the configuration's words."""


MFA_CODE = Asked("MFA code", "an", "MFA code:", NO_PROMPT, no_prompt_advice())


@dataclass(frozen=True)
class PromptRequest:
    """The MFA device, and the profile and role whose hop needs its code."""

    serial: str
    profile: str | None = None
    role_arn: str | None = None
    waiting: int = 0
    timeout: float = PROMPT_TIMEOUT

    def description(self) -> str:
        """One sentence naming the profile, role and device (and who else waits)."""
        text = f"MFA code for {self.serial}"
        if self.profile:
            text += f", profile {self.profile}"
        if self.role_arn:
            text += f", role {self.role_arn}"
        if self.waiting:
            other = "process waits" if self.waiting == 1 else "processes wait"
            text += f" ({self.waiting} other {other} on this prompt)"
        return text

    def terminal_question(self) -> str:
        """The terminal's prompt line."""
        return self.description() + ": "

    @property
    def asked(self) -> Asked:
        """An MFA code."""
        return MFA_CODE

    @property
    def subject(self) -> str:
        """Whose code: the device."""
        return self.serial


@dataclass(frozen=True)
class SecretRequest:
    """A hidden secret that is not a code (a private key's passphrase): ``text`` says
    what it unlocks, ``subject`` names it in errors. It never holds the secret."""

    subject: str
    text: str
    asked: Asked
    waiting: int = 0
    timeout: float = PROMPT_TIMEOUT

    def description(self) -> str:
        """``text``, and who else waits."""
        if not self.waiting:
            return self.text
        other = "process waits" if self.waiting == 1 else "processes wait"
        return f"{self.text} ({self.waiting} other {other} on this prompt)"

    def terminal_question(self) -> str:
        """The terminal's prompt line."""
        return self.description() + ": "


Request = PromptRequest | SecretRequest
"""What a driver asks: an MFA code or a secret."""


def run_prompt(program: str, argv: Sequence[str], request: Request, stdin: str = "") -> str:
    """Run ``program`` (argv[0] of ``argv``) and return its answer (``answer_of``);
    ``TokenError`` if it cannot run, times out or exits non-zero (cancelled). Its stdout
    is never shown."""
    try:
        done = subprocess.run(
            list(argv),
            input=stdin.encode(),
            capture_output=True,
            timeout=request.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TokenError(
            f"{program} gave no {request.asked.name} for {request.subject} "
            f"within {request.timeout:g}s"
        ) from None
    except OSError as exc:
        raise TokenError(f"{program} could not run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        stderr = one_line(done.stderr.decode("utf-8", errors="replace"), 200)
        detail = f": {stderr}" if stderr else ""
        raise TokenError(
            f"{program} was cancelled or failed (status {done.returncode}) "
            f"asking for the {request.asked.name} of {request.subject}{detail}"
        )
    return answer_of(done.stdout, request)


def answer_of(output: bytes, request: Request) -> str:
    """A prompt program's answer: an MFA code stripped, a secret without its line end
    only (its spaces are part of it; a byte that is not UTF-8 is kept as a surrogate)."""
    if isinstance(request, SecretRequest):
        text = output.decode("utf-8", errors="surrogateescape")
        return text.removesuffix("\n").removesuffix("\r")
    return output.decode("utf-8", errors="replace").strip()

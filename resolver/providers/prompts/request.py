"""What a prompt asks, and running a prompt program within the time bound."""

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


def run_prompt(program: str, argv: Sequence[str], request: PromptRequest, stdin: str = "") -> str:
    """Run ``program`` (argv[0] of ``argv``) and return its stdout; ``TokenError`` if it
    cannot run, times out or exits non-zero (cancelled). Its stdout is never shown."""
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
            f"{program} gave no MFA code for {request.serial} within {request.timeout:g}s"
        ) from None
    except OSError as exc:
        raise TokenError(f"{program} could not run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        stderr = one_line(done.stderr.decode("utf-8", errors="replace"), 200)
        detail = f": {stderr}" if stderr else ""
        raise TokenError(
            f"{program} was cancelled or failed (status {done.returncode}) "
            f"asking for the MFA code of {request.serial}{detail}"
        )
    return done.stdout.decode("utf-8", errors="replace").strip()

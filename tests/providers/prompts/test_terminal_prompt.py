"""The ``terminal`` prompt driver: stscreds' terminal prompt with the profile's way out."""

from __future__ import annotations

import os
import sys
import time

import pytest

from resolver.errors import TokenError
from resolver.providers.prompts.terminal import TerminalPrompt
from resolver.stscreds import tokens
from resolver.stscreds.tokens import PROMPT_LOCK, TerminalTokenPrompt

SERIAL = "arn:aws:iam::123456789012:mfa/alice"


def test_no_terminal_raises_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_open_tty", lambda: None)
    with open(os.devnull) as devnull:
        monkeypatch.setattr(sys, "stdin", devnull)
        start = time.monotonic()
        with pytest.raises(TokenError) as info:
            TerminalPrompt(SERIAL)()
    assert time.monotonic() - start < 1.0
    assert str(info.value) == (
        f"no terminal to prompt for the MFA code of {SERIAL}; "
        "run from a terminal, or set mfa_process in the profile"
    )
    assert not PROMPT_LOCK.locked()
    assert isinstance(TerminalPrompt(SERIAL), TerminalTokenPrompt)

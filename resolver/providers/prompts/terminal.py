"""The ``terminal`` prompt driver: stscreds' terminal prompt, whose error without a
terminal also names the profile key that avoids the terminal."""

from __future__ import annotations

from resolver.stscreds.tokens import TerminalTokenPrompt


class TerminalPrompt(TerminalTokenPrompt):
    """A ``TerminalTokenPrompt`` for a profile's hop (``mfa_process`` is the way out)."""

    no_terminal_hint = "run from a terminal, or set mfa_process in the profile"

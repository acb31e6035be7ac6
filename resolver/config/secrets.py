"""Which profile keys hold secrets, and how their values are hidden when shown.

botocore's shared-file providers treat ``aws_secret_access_key``, ``aws_session_token``
and ``aws_security_token`` as secret; ``web_identity_token`` (an OIDC token written
inline, which the SDKs ignore) is one too.
"""

from __future__ import annotations

from typing import Any

SECRET_KEYS = frozenset(
    {"aws_secret_access_key", "aws_session_token", "aws_security_token", "web_identity_token"}
)
REDACTED = "<redacted>"


def is_secret(key: str) -> bool:
    """True for a key whose value must never be shown (case-insensitive)."""
    return key.lower() in SECRET_KEYS


def redact(key: str, value: Any) -> Any:
    """``value`` for display: hidden for a secret key, searched inside sub-tables."""
    if is_secret(key):
        return REDACTED
    if isinstance(value, dict):
        return {inner: redact(inner, item) for inner, item in value.items()}
    return value


HELPER_COMMANDS = frozenset({"credential_process", "mfa_process", "saml_process"})
"""Keys holding a command line, whose arguments may hold a password: shown by program."""


def helper_program(command: str | None) -> str | None:
    """The program a helper command runs, never its arguments (they may hold a password)."""
    if not command:
        return None
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return words[0] if words else None


def shown(key: str, value: Any) -> Any:
    """``value`` as ``profiles`` and ``explain`` show it: secrets redacted, a helper
    command cut to its program, both searched inside sub-tables."""
    if key.lower() in HELPER_COMMANDS:
        return helper_program(value) if isinstance(value, str) else REDACTED
    if isinstance(value, dict):
        return {inner: shown(inner, item) for inner, item in value.items()}
    return redact(key, value)

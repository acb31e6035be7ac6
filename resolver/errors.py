"""One error hierarchy: every error rolechain raises on purpose is a ``ResolverError``.

Each error carries what a user needs to act on it (file, line, profile, key, hop, STS
code) and renders as a single line. Messages never contain secrets.
"""

from __future__ import annotations


class ResolverError(Exception):
    """Base class: a one-line, user-facing error with optional context fields."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        profile: str | None = None,
        key: str | None = None,
        hop: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.profile = profile
        self.key = key
        self.hop = hop
        self.code = code

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.profile:
            parts.append(f"profile {self.profile}")
        if self.hop:
            parts.append(f"hop {self.hop}")
        if self.key and not starts_with_key(self.message, self.key):
            parts.append(self.key)
        if self.code:
            parts.append(self.code)
        parts.append(self.message)
        return printable(": ".join(parts))


def printable(text: str) -> str:
    """``text`` with every non-printable character (newline, ESC, other controls)
    escaped as ``\\n``, ``\\x1b``...: what reaches a terminal from a user's file is inert."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def starts_with_key(message: str, key: str) -> bool:
    """True when ``message`` already starts with ``key`` (so it is not said twice)."""
    return message.startswith(key) and message[len(key) : len(key) + 1] in ("", " ", ":")


class ConfigError(ResolverError):
    """The configuration text or its values are malformed."""


class ChainError(ResolverError):
    """The profiles do not form a valid chain (loop, missing source, no credentials...)."""


class LimitError(ChainError):
    """A chain breaks a static STS limit (see ``resolver.chain.limits``); holds every finding."""

    def __init__(
        self,
        message: str,
        *,
        findings: tuple[object, ...] = (),
        file: str | None = None,
        line: int | None = None,
        profile: str | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message, file=file, line=line, profile=profile, key=key)
        self.findings = findings


class ProviderError(ResolverError):
    """A base credential provider failed (process, container, IMDS, SSO, token file)."""


class TokenError(ProviderError):
    """An MFA token code could not be obtained or is malformed."""


class StsError(ResolverError):
    """An STS call failed; ``code`` is the STS error code, ``hop`` names profile and role."""


class CacheError(ResolverError):
    """The persistent cache or its locks could not be used (e.g. a lock wait timed out)."""

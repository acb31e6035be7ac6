"""One error hierarchy: every error rolechain raises on purpose is a ``ResolverError``.

Each error carries what a user needs to act on it (file, line, profile, key, hop, STS
code) and renders as a single line. Messages never contain secrets; every secret value
the process has seen is ``remember``-ed, so that ``scrub`` can take it out of a
``--debug`` traceback (``format_exception``: chained exceptions and their messages too).
Stdlib only, and nothing is imported until text is scrubbed: remembering stays cheap.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # no import of typing at run time: the warm path loads this module
    from typing import Any


class ResolverError(Exception):
    """Base class: a one-line, user-facing error with optional context fields.

    ``reason`` is a stable code (``credential-loop``, ``missing-profile``...) for callers
    and tests to branch on instead of the message; each class has a default.
    """

    reason: str = "error"

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
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.profile = profile
        self.key = key
        self.hop = hop
        self.code = code
        if reason is not None:
            self.reason = reason

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


def invalid_reason(key: str | None, default: str) -> str:
    """``invalid-<key>`` (``invalid-role-arn``) for a bad value of a known key, else ``default``."""
    if key and key.isascii() and key.replace("_", "").isalnum() and key.islower():
        return "invalid-" + key.replace("_", "-")
    return default


def starts_with_key(message: str, key: str) -> bool:
    """True when ``message`` already starts with ``key`` (so it is not said twice)."""
    return message.startswith(key) and message[len(key) : len(key) + 1] in ("", " ", ":")


class ConfigError(ResolverError):
    """The configuration text or its values are malformed."""

    reason = "config-error"


class ChainError(ResolverError):
    """The profiles do not form a valid chain (loop, missing source, no credentials...)."""

    reason = "chain-error"


class LimitError(ChainError):
    """A chain breaks a static STS limit (see ``resolver.chain.limits``); holds every finding."""

    reason = "sts-limit"

    def __init__(
        self,
        message: str,
        *,
        findings: tuple[object, ...] = (),
        file: str | None = None,
        line: int | None = None,
        profile: str | None = None,
        key: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, file=file, line=line, profile=profile, key=key, reason=reason)
        self.findings = findings


class ProviderError(ResolverError):
    """A base credential provider failed (process, container, IMDS, SSO, token file)."""

    reason = "provider-error"


class TokenError(ProviderError):
    """An MFA token code could not be obtained or is malformed."""

    reason = "token-error"


class StsError(ResolverError):
    """An STS call failed; ``code`` is the STS error code, ``hop`` names profile and role.

    ``reason`` stays ``sts-error``: what AWS said is ``code`` (``AccessDenied``...).
    ``response`` is botocore's error response (a dict: ``Error``, ``ResponseMetadata``;
    None when STS was not reached); it is kept out of ``str`` and ``repr``, and the
    botocore exception stays on ``__cause__``."""

    reason = "sts-error"

    def __init__(
        self, message: str, *, response: dict[str, Any] | None = None, **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.response = response


class CacheError(ResolverError):
    """The persistent cache or its locks could not be used (e.g. a lock wait timed out)."""

    reason = "cache-error"


MIN_SECRET_LENGTH = 6  # a 6-digit MFA code is the shortest secret; shorter values are not kept
MAX_REMEMBERED = 4096
REDACTED = "<redacted>"
_SEEN: dict[str, None] = {}  # an ordered set: the oldest go first past MAX_REMEMBERED
SECRET_FIELDS = (
    "SessionToken|sessionKey|SigninToken|SecretAccessKey|aws_secret_access_key|"
    "aws_session_token|Password|X-Amz-Security-Token|Authorization|accessToken|"
    "refreshToken|clientSecret|deviceCode|TokenCode|WebIdentityToken|Token|SAMLAssertion"
)


def remember(*values: str | None) -> None:
    """Keep secret ``values`` for ``scrub`` (None and short values are ignored)."""
    for value in values:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            _SEEN[value] = None
            if len(_SEEN) > MAX_REMEMBERED:
                del _SEEN[next(iter(_SEEN))]


def _forms(value: str) -> list[str]:
    """``value`` as text may show it: raw, URL-encoded, JSON- and repr-escaped; longest first."""
    import json
    from urllib.parse import quote, quote_plus

    escaped = json.dumps(value)[1:-1]
    forms = {value, quote(value, safe=""), quote_plus(value), repr(value)[1:-1], escaped}
    forms.update({quote_plus(escaped), quote(escaped, safe="")})
    return sorted((form for form in forms if form), key=len, reverse=True)


def scrub(text: str, *, fields: bool = True) -> str:
    """``text`` without any remembered secret (an all-digit one, such as an MFA code, only
    where no digit touches it) and, with ``fields``, no value of a secret-named field.

    Every span is found in the original text and overlapping spans are merged before any
    is replaced, so a secret that overlaps a field name, or a field value, cannot hide the
    other by being redacted first."""
    spans = _secret_spans(text) + (_field_spans(text) if fields else [])
    if not spans:
        return text
    pieces, end = [], 0
    for start, stop in _merged(spans):
        pieces += [text[end:start], REDACTED]
        end = stop
    return "".join(pieces) + text[end:]


def _secret_spans(text: str) -> list[tuple[int, int]]:
    """Where a remembered secret, in any of its forms, occurs in ``text``."""
    import re

    spans = []
    for value in _SEEN:
        for form in _forms(value):
            if form.isdigit():  # a regular expression only where digits must not touch it
                pattern = rf"(?<!\d){form}(?!\d)"
                spans += [match.span() for match in re.finditer(pattern, text)]
                continue
            start = text.find(form)  # a plain search: no pattern compiled per secret
            while start >= 0:
                spans.append((start, start + len(form)))
                start = text.find(form, start + len(form))
    return spans


def _field_spans(text: str) -> list[tuple[int, int]]:
    """Where the value of a secret-named field occurs: sessionKey%22%3A%22VALUE%22
    (URL-encoded JSON), KEY=VALUE and "KEY": "VALUE"."""
    import re

    encoded = re.compile(rf"(?i)(?:{SECRET_FIELDS})%22%3A(?:\+|%20)*%22(.*?)(?=%22|&|\s|$)")
    plain = re.compile(rf"(?i)\b(?:{SECRET_FIELDS})\b['\"]?\s*(?:=|:|%3D)\s*['\"]?([^\s&'\",;}}]+)")
    return [match.span(1) for pattern in (encoded, plain) for match in pattern.finditer(text)]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, overlapping and touching ones joined, empty ones dropped."""
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(span for span in spans if span[1] > span[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged


def format_exception(exc: BaseException) -> str:
    """``exc``'s traceback, its causes and contexts included, scrubbed."""
    import traceback

    return scrub("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))

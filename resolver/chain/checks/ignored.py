"""Keys the SDKs ignore where they are written: ``source_profile`` on a profile with no
``role_arn`` (it assumes no role, so nothing uses it), and ``mfa_serial`` with neither a
role nor long-term keys to start an MFA session with. Warnings for ``validate``."""

from __future__ import annotations

from resolver.chain.types import LONG_TERM_KEY_SOURCES, Chain
from resolver.config.findings import Finding
from resolver.config.profiles import ProfileEntry


def ignored_keys(entry: ProfileEntry | None, chain: Chain) -> list[Finding]:
    """Warnings for ``entry``'s keys that ``chain`` (planned for it) does not use."""
    if entry is None or entry.data.role_arn is not None:
        return []
    found: list[Finding] = []
    if entry.data.source_profile:
        message = (
            "source_profile is ignored without role_arn: this profile assumes no role "
            f"(base: {chain.source.kind}); add role_arn, or remove source_profile"
        )
        found.append(_warning(entry, "source_profile", message))
    source = chain.source
    if entry.data.mfa_serial and not (
        isinstance(source, LONG_TERM_KEY_SOURCES) and source.mfa_serial
    ):
        message = (
            "mfa_serial is ignored: it needs role_arn (MFA on that hop) or long-term keys "
            f"(an MFA session), and this profile has neither (base: {source.kind})"
        )
        found.append(_warning(entry, "mfa_serial", message))
    return found


def _warning(entry: ProfileEntry, key: str, message: str) -> Finding:
    return Finding("warning", message, entry.name, key, entry.where.get(key, entry.location))

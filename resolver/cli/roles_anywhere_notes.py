"""What ``explain`` and ``validate`` add for IAM Roles Anywhere: the certificate's
subject, issuer, serial and expiry (never anything of the key), whether the key belongs
to it, and the ``aws_signing_helper`` credential_process that could be the native base.

``cryptography`` is imported only here, inside the functions, and only for a chain whose
base is ``roles-anywhere``.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

from resolver.chain.types import Chain, ProcessSource, RolesAnywhereSource
from resolver.config.findings import Finding
from resolver.context import Context
from resolver.errors import ResolverError

CONVERT_NOTE = (
    "this credential_process runs aws_signing_helper: `rolechain convert --to toml {profile}` "
    "writes it as the native roles-anywhere base (one Roles Anywhere session, cached, "
    "which role hops can follow)"
)


def file_path(path: str, ctx: Context) -> str:
    """A configured path as the provider reads it: ``~`` expanded, relative to the cwd."""
    return os.path.normpath(os.path.join(ctx.cwd, ctx.expand(path)))


def certificate_details(source: RolesAnywhereSource, ctx: Context) -> dict[str, Any]:
    """The certificate's public details, or ``{"error": ...}`` when it cannot be read."""
    from resolver.providers import x509

    try:
        info = x509.certificate_info(x509.load_certificate(file_path(source.certificate, ctx)))
    except ResolverError as exc:
        return {"error": exc.message}
    return info.to_json()


def convert_note(chain: Chain) -> str | None:
    """The note for an ``aws_signing_helper`` credential_process, else None."""
    from resolver.config.signing_helper import native_keys

    source = chain.source
    if isinstance(source, ProcessSource) and native_keys(source.command) is not None:
        return CONVERT_NOTE.format(profile=source.profile)
    return None


def explain_lines(chain: Chain, ctx: Context) -> list[str]:
    """Lines ``explain`` prints after the plan."""
    source = chain.source
    if isinstance(source, RolesAnywhereSource):
        details = certificate_details(source, ctx)
        if "error" in details:
            return [f"  cert  {details['error']}"]
        return [
            f"  cert  subject {details['subject']}, issuer {details['issuer']}, "
            f"serial {details['serial']}, not after {details['not_after']}"
        ]
    note = convert_note(chain)
    return [f"  note  {note}"] if note else []


def explain_json(chain: Chain, ctx: Context, out: dict[str, Any]) -> None:
    """Adds the certificate details (or the convert note) to ``explain --json``."""
    if isinstance(chain.source, RolesAnywhereSource):
        out["source"]["certificate_details"] = certificate_details(chain.source, ctx)
    elif (note := convert_note(chain)) is not None:
        out["source"]["note"] = note


def validate_findings(chain: Chain, ctx: Context) -> list[Finding]:
    """The key belongs to the certificate, which is valid now: errors at their keys. The
    key is loaded only when it is not encrypted (validate asks for no passphrase)."""
    source = chain.source
    if not isinstance(source, RolesAnywhereSource):
        return []
    from resolver.providers import x509

    def error(key: str, message: str) -> Finding:
        location = source.where.get(key)
        return Finding("error", message, source.profile, key, location)

    try:
        certificate = x509.load_certificate(file_path(source.certificate, ctx))
    except ResolverError as exc:
        return [error("roles_anywhere_certificate", exc.message)]
    found = []
    problem = x509.validity_problem(certificate, datetime.now(timezone.utc))
    if problem is not None:
        found.append(error("roles_anywhere_certificate", problem))
    try:
        key = x509.load_private_key(file_path(source.private_key, ctx), None)
    except ResolverError as exc:
        if exc.message != "the private key is encrypted":
            found.append(error("roles_anywhere_private_key", exc.message))
        return found
    if not x509.key_matches(certificate, key):
        message = "the private key does not belong to the certificate"
        found.append(error("roles_anywhere_private_key", message))
    return found

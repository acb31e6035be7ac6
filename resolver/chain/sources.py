"""Each base ``Source`` built from one validated profile (pure: no I/O), for the planner.

``configured_source`` picks among the bases a profile configures (credential_source, SSO,
login_session, credential_process), ``long_term_keys`` among its keys (keyring, static),
in aws-sdk-rust's order; errors name the file, line, profile and key.
"""

from __future__ import annotations

from typing import Any, Protocol

from resolver.chain.kinds import NAMED_SOURCES, ROLES_ANYWHERE_KEYS
from resolver.chain.types import (
    ContainerSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    RolesAnywhereSource,
    SamlSource,
    Source,
    SsoSource,
    StaticSource,
    WebIdentitySource,
)
from resolver.config.findings import Location
from resolver.config.profiles import ProfileEntry
from resolver.errors import ChainError

DEFAULT_MFA_SESSION_SECONDS = 12 * 3600
HOP_KEYS = (
    "role_arn",
    "source_profile",
    "credential_source",
    "role_session_name",
    "external_id",
    "mfa_serial",
    "mfa_process",
    "mfa_prompt",
    "duration_seconds",
    "session_tags",
    "transitive_session_tags",
    "source_identity",
    "policy",
    "policy_arns",
)


class SsoSessions(Protocol):
    """What an SSO base reads besides its profile: the ``[sso-session NAME]`` sections."""

    def sso_session(self, name: str) -> Any: ...


def configured_source(profiles: SsoSessions, entry: ProfileEntry) -> Source | None:
    """The base the profile configures, first of: credential_source, SSO, login_session (a
    sign-in session, like SSO: before process and keys), credential_process; else None."""
    data = entry.data
    if data.credential_source:
        return named_source(entry)
    if data.sso_session or data.sso_start_url or data.sso_account_id or data.sso_role_name:
        return sso_source(profiles, entry)
    if data.login_session:
        where = where_of(entry, ("login_session",))
        return LoginSource(profile=entry.name, login_session=data.login_session, where=where)
    if data.credential_process:
        where = where_of(entry, ("credential_process",))
        return ProcessSource(profile=entry.name, command=data.credential_process, where=where)
    return None


def long_term_keys(entry: ProfileEntry, keyring: bool) -> Source | None:
    """The profile's keys: in the OS keyring (``keyring``), else a complete static pair."""
    if keyring:
        return keyring_source(entry)
    return static_source(entry) if static_keys(entry) else None


def error_at(entry: ProfileEntry, key: str, message: str, *, reason: str) -> ChainError:
    """A ChainError at ``key``'s line (else the profile's), naming profile and key."""
    location = entry.where.get(key, entry.location)
    file, line = location.file, location.line
    return ChainError(message, file=file, line=line, profile=entry.name, key=key, reason=reason)


def where_of(entry: ProfileEntry, keys: tuple[str, ...]) -> dict[str, Location]:
    """The locations of those of ``keys`` the profile sets."""
    return {key: entry.where[key] for key in keys if key in entry.where}


def static_keys(entry: ProfileEntry) -> bool:
    """True for a complete key pair; a partial pair is an error naming the missing key."""
    data = entry.data
    key_id, secret = data.aws_access_key_id, data.aws_secret_access_key
    if key_id and secret:
        return True
    if key_id or secret or data.aws_session_token:
        missing = "aws_secret_access_key" if key_id else "aws_access_key_id"
        present = (
            "aws_access_key_id"
            if key_id
            else "aws_secret_access_key"
            if secret
            else "aws_session_token"
        )
        message = f"incomplete static credentials: {missing} is missing"
        if key_id and not secret:  # as `convert` leaves a secret out
            message += (
                f"; to keep the secret out of files, put the keys in the OS keyring "
                f"(`rolechain keys add {entry.name}`, or `rolechain keys import "
                f"{entry.name}` from the credentials file) and set credential_store = "
                "keyring in place of aws_access_key_id"
            )
        raise error_at(entry, present, message, reason="incomplete-keys")
    return False


def in_keyring(entry: ProfileEntry) -> bool:
    """True for ``credential_store = keyring``; plaintext keys beside it are an error."""
    if entry.data.credential_store is None:
        return False
    data = entry.data
    for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
        if getattr(data, key):
            raise error_at(
                entry,
                key,
                f"{key} is set beside credential_store = keyring: keep the keys in one place "
                f"(`rolechain keys import {entry.name} --remove-plaintext` moves them)",
                reason="keys-beside-keyring",
            )
    return True


def static_source(entry: ProfileEntry) -> StaticSource:
    data = entry.data
    assert data.aws_access_key_id and data.aws_secret_access_key
    long_term = not data.aws_session_token and not data.role_arn
    mfa_serial = data.mfa_serial if long_term else None
    return StaticSource(
        profile=entry.name,
        access_key_id=data.aws_access_key_id,
        secret_access_key=data.aws_secret_access_key,
        session_token=data.aws_session_token,
        **_mfa_session(data, mfa_serial),
        where=where_of(entry, ("aws_access_key_id", "mfa_serial", "mfa_session_duration")),
    )


def _mfa_session(data: Any, mfa_serial: str | None) -> dict[str, Any]:
    """The MFA-session fields of a long-term keys base (all None without a serial)."""
    if not mfa_serial:
        return dict.fromkeys(("mfa_serial", "mfa_process", "mfa_prompt", "mfa_duration_seconds"))
    return {
        "mfa_serial": mfa_serial,
        "mfa_process": data.mfa_process,
        "mfa_prompt": data.mfa_prompt,
        "mfa_duration_seconds": data.mfa_session_duration or DEFAULT_MFA_SESSION_SECONDS,
    }


def keyring_source(entry: ProfileEntry) -> KeyringSource:
    """Keys in the OS keyring: planned without reading it (the keyring is I/O)."""
    data = entry.data
    mfa_serial = data.mfa_serial if not data.role_arn else None
    return KeyringSource(
        profile=entry.name,
        **_mfa_session(data, mfa_serial),
        where=where_of(entry, ("credential_store", "mfa_serial", "mfa_session_duration")),
    )


def sso_source(profiles: SsoSessions, entry: ProfileEntry) -> SsoSource:
    data = entry.data
    start_url, region, scopes = data.sso_start_url, data.sso_region, ()
    if data.sso_session:
        session = profiles.sso_session(data.sso_session)
        if session is None:
            message = f"sso-session {data.sso_session!r} does not exist"
            raise error_at(entry, "sso_session", message, reason="missing-sso-session")
        for key in ("sso_start_url", "sso_region"):
            mine, theirs = getattr(data, key), getattr(session, key)
            if mine and theirs and mine != theirs:
                message = f"{key} differs from sso-session {data.sso_session}"
                raise error_at(entry, key, message, reason="conflicting-sso-settings")
        start_url, region = start_url or session.sso_start_url, region or session.sso_region
        scopes = tuple(session.sso_registration_scopes)
    required = {
        "sso_start_url": start_url,
        "sso_region": region,
        "sso_account_id": data.sso_account_id,
        "sso_role_name": data.sso_role_name,
    }
    for key, value in required.items():
        if not value:
            raise error_at(entry, key, f"SSO profile is missing {key}", reason="incomplete-sso")
    assert start_url and region and data.sso_account_id and data.sso_role_name
    return SsoSource(
        profile=entry.name,
        sso_start_url=start_url,
        sso_region=region,
        sso_account_id=data.sso_account_id,
        sso_role_name=data.sso_role_name,
        sso_session=data.sso_session,
        sso_registration_scopes=scopes,
        where=where_of(entry, ("sso_session", *required)),
    )


def web_identity_source(entry: ProfileEntry) -> WebIdentitySource:
    data = entry.data
    assert data.role_arn and data.web_identity_token_file
    return WebIdentitySource(
        profile=entry.name,
        role_arn=data.role_arn,
        web_identity_token_file=data.web_identity_token_file,
        role_session_name=data.role_session_name,
        duration_seconds=data.duration_seconds,
        policy=data.policy,
        policy_arns=tuple(data.policy_arns),
        where=where_of(entry, ("role_arn", "web_identity_token_file", *HOP_KEYS[3:])),
    )


def named_source(entry: ProfileEntry) -> Source:
    """The base ``credential_source`` names (``chain.kinds``: the same table names kinds)."""
    named = NAMED_SOURCES.get(entry.data.credential_source or "", ContainerSource)
    return named(profile=entry.name, where=where_of(entry, ("credential_source",)))


# SAML base (saml_process): AssumeRoleWithSAML, then the hops.
SAML_UNSENT_KEYS = (
    "role_session_name",
    "external_id",
    "mfa_serial",
    "session_tags",
    "transitive_session_tags",
    "source_identity",
)
"""Hop keys AssumeRoleWithSAML has no parameter for: the IdP's assertion sets them."""


def check_saml_keys(entry: ProfileEntry) -> None:
    """``saml_process`` needs ``role_arn`` and no other source; ``principal_arn`` needs
    ``saml_process``; hop keys STS cannot take with SAML are errors, not silently lost."""
    data = entry.data
    if data.principal_arn and not data.saml_process:
        message = "principal_arn needs saml_process (the SAML base it names the IdP of)"
        raise error_at(entry, "principal_arn", message, reason="principal-without-saml")
    if not data.saml_process:
        return
    if not data.role_arn:
        message = "saml_process needs role_arn (the role to assume with the SAML assertion)"
        raise error_at(entry, "saml_process", message, reason="saml-without-role")
    others = ("web_identity_token_file", "source_profile", "credential_source")
    conflicts = [key for key in others if getattr(data, key)]
    if has_roles_anywhere(entry):
        conflicts.append("roles_anywhere")
    if conflicts:
        message = (
            f"set saml_process or {conflicts[0]}, not both: a SAML base assumes role_arn "
            "itself; a role after it goes in a profile whose source_profile names this one"
        )
        raise error_at(entry, conflicts[0], message, reason="conflicting-sources")
    for key in SAML_UNSENT_KEYS:
        if getattr(data, key):
            message = (
                f"{key} cannot be sent with AssumeRoleWithSAML (the IdP's assertion sets "
                "it); put it on a role hop whose source_profile names this profile"
            )
            raise error_at(entry, key, message, reason="saml-unsent-key")


def saml_source(entry: ProfileEntry) -> SamlSource:
    """The SAML base of a profile that ``check_saml_keys`` accepted."""
    data = entry.data
    assert data.role_arn and data.saml_process
    keys = ("role_arn", "saml_process", "principal_arn", "duration_seconds", "policy")
    return SamlSource(
        profile=entry.name,
        role_arn=data.role_arn,
        saml_process=data.saml_process,
        principal_arn=data.principal_arn,
        duration_seconds=data.duration_seconds,
        policy=data.policy,
        policy_arns=tuple(data.policy_arns),
        where=where_of(entry, (*keys, "policy_arns")),
    )


def has_roles_anywhere(entry: ProfileEntry) -> bool:
    """True when the profile sets any key of the Roles Anywhere base."""
    return any(getattr(entry.data, key, None) for key in ROLES_ANYWHERE_KEYS)


def roles_anywhere_source(entry: ProfileEntry) -> RolesAnywhereSource:
    """The Roles Anywhere base: its four settings and ``role_arn`` are required (the
    ``role_arn`` is the role CreateSession vends, not an AssumeRole hop)."""
    data = entry.data
    if not data.role_arn:
        message = "roles_anywhere needs role_arn (the role the certificate may take)"
        raise error_at(entry, "role_arn", message, reason="roles-anywhere-without-role")
    for key in ("source_profile", "credential_source", "web_identity_token_file", "saml_process"):
        if getattr(data, key):
            message = (
                f"set roles_anywhere or {key}, not both: a Roles Anywhere base takes role_arn "
                "itself; a role after it goes in a profile whose source_profile names this one"
            )
            raise error_at(entry, key, message, reason="conflicting-sources")
    for key in ROLES_ANYWHERE_KEYS:
        if not getattr(data, key, None):
            message = f"Roles Anywhere profile is missing {key}"
            raise error_at(entry, key, message, reason="incomplete-roles-anywhere")
    certificate, private_key = data.roles_anywhere_certificate, data.roles_anywhere_private_key
    anchor, profile = data.roles_anywhere_trust_anchor_arn, data.roles_anywhere_profile_arn
    assert certificate and private_key and anchor and profile
    return RolesAnywhereSource(
        profile=entry.name,
        role_arn=data.role_arn,
        certificate=certificate,
        private_key=private_key,
        trust_anchor_arn=anchor,
        profile_arn=profile,
        certificate_chain=data.roles_anywhere_certificate_chain,
        session_duration=data.roles_anywhere_session_duration,
        passphrase_source=data.roles_anywhere_passphrase_source,
        mfa_prompt=data.mfa_prompt,
        where=where_of(entry, ("role_arn", *ROLES_ANYWHERE_KEYS, *_ROLES_ANYWHERE_OPTIONS)),
    )


_ROLES_ANYWHERE_OPTIONS = (
    "roles_anywhere_certificate_chain",
    "roles_anywhere_session_duration",
    "roles_anywhere_passphrase_source",
)

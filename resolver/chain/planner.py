"""The planner: a profile name in, a pure ``Chain`` out (no I/O, no boto3).

It walks ``source_profile`` links from the selected profile down to one base source,
following the AWS SDKs' shared rules, and collects an AssumeRole ``Hop`` per role on the
way. ``plan_chain`` then runs the static STS checks and raises on any error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from resolver.chain.limits import check_chain
from resolver.chain.overrides import Overrides, apply_overrides
from resolver.chain.types import (
    LONG_TERM_KEY_SOURCES,
    Chain,
    ContainerSource,
    DefaultChainSource,
    EnvironmentSource,
    Hop,
    InstanceMetadataSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    Source,
    SsoSource,
    StaticSource,
    StsSettings,
    WebIdentitySource,
)
from resolver.config.findings import Location
from resolver.config.profiles import ProfileEntry, suggest
from resolver.config.values import endpoint_problem
from resolver.errors import ChainError, ConfigError, LimitError

DEFAULT_MFA_SESSION_SECONDS = 12 * 3600
MAX_CHAIN_HOPS = 32  # AssumeRole hops in one chain (every hop past the first is capped at 1h)
_HOP_KEYS = (
    "role_arn", "source_profile", "credential_source", "role_session_name", "external_id",
    "mfa_serial", "mfa_process", "mfa_prompt", "duration_seconds", "session_tags",
    "transitive_session_tags", "source_identity", "policy", "policy_arns",
)  # fmt: skip
_ROLE_SESSION_BASES = (WebIdentitySource, SsoSource, InstanceMetadataSource, ContainerSource)


class ProfileLookup(Protocol):
    """What the planner reads: validated profiles and sso-session / services sections."""

    def names(self) -> list[str]: ...

    def get(self, name: str) -> ProfileEntry | None: ...

    def sso_session(self, name: str) -> Any: ...

    def services(self, name: str) -> Mapping[str, Any] | None: ...


def plan_chain(profiles: ProfileLookup, name: str, overrides: Overrides | None = None) -> Chain:
    """Build the chain for ``name``, apply this run's ``overrides``, and raise
    ``LimitError`` if it breaks an STS limit."""
    chain = build_chain(profiles, name)
    if overrides:
        chain = apply_overrides(chain, overrides)
    errors = tuple(f for f in check_chain(chain) if f.severity == "error")
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more; run `rolechain validate`)" if len(errors) > 1 else ""
        location = first.location
        raise LimitError(
            first.message + more,
            findings=errors,
            file=location.file if location else None,
            line=location.line if location else None,
            profile=first.profile,
            key=first.key,
        )
    return chain


def build_chain(profiles: ProfileLookup, name: str) -> Chain:
    """Walk from ``name`` to its base source; raise ``ChainError`` on a broken chain."""
    selected = _lookup(profiles, name, referenced_from=None)
    hops: list[Hop] = []
    visited: dict[str, int] = {}  # profile name -> position on the walk
    entry = previous = selected
    while True:
        if entry.name in visited:
            walk = list(visited)
            loop = " -> ".join([*walk[visited[entry.name] :], entry.name])
            raise _error(previous, "source_profile", f"source_profile loop: {loop}")
        visited[entry.name] = len(visited)
        data = entry.data
        _check_token_file(entry)
        if data.role_arn is None:
            used_by = None if entry is selected else previous.name
            source = _base_source(profiles, entry, used_by=used_by)
            break
        if data.source_profile and data.credential_source:
            raise _error(
                entry, "source_profile", "set source_profile or credential_source, not both"
            )
        if data.web_identity_token_file:
            source = _web_identity_source(entry)
            break
        if entry is not selected and (_in_keyring(entry) or _static_keys(entry)):
            source = _base_source(profiles, entry, used_by=previous.name)  # rule 2: keys win
            break
        if len(hops) == MAX_CHAIN_HOPS:
            raise _error(
                selected,
                "source_profile",
                f"the chain is longer than {MAX_CHAIN_HOPS} AssumeRole hops (the limit); "
                f"profile {entry.name} would be hop {MAX_CHAIN_HOPS + 1}",
            )
        hops.append(_hop(entry))
        if data.credential_source:
            source = _named_source(entry)
            break
        if not data.source_profile:
            raise _error(entry, "role_arn", "role_arn needs source_profile or credential_source")
        if data.source_profile == entry.name:
            source = _base_source(profiles, entry, used_by=entry.name)  # rule 3: own keys
            break
        previous = entry
        entry = _lookup(profiles, data.source_profile, referenced_from=entry.name)
    return Chain(
        profile=selected.name,
        source=source,
        hops=_mark_chained(source, hops[::-1]),
        sts=_sts_settings(profiles, selected),
    )


def _lookup(profiles: ProfileLookup, name: str, *, referenced_from: str | None) -> ProfileEntry:
    entry = profiles.get(name)
    if entry is not None:
        return entry
    names = profiles.names()
    if not names:
        raise ChainError("no profiles found; write ~/.aws/config or a rolechain TOML file")
    if referenced_from is not None:
        raise ChainError(
            f"source profile {name!r} does not exist, referenced from {referenced_from}",
            profile=referenced_from,
            key="source_profile",
        )
    raise ChainError(f"unknown profile {name!r}{suggest(name, names)}")


def _error(entry: ProfileEntry, key: str, message: str) -> ChainError:
    location = entry.where.get(key, entry.location)
    return ChainError(message, file=location.file, line=location.line, profile=entry.name, key=key)


def _where(entry: ProfileEntry, keys: tuple[str, ...]) -> dict[str, Location]:
    return {key: entry.where[key] for key in keys if key in entry.where}


def _check_token_file(entry: ProfileEntry) -> None:
    if entry.data.web_identity_token_file and not entry.data.role_arn:
        raise _error(entry, "web_identity_token_file", "web_identity_token_file needs role_arn")


def _static_keys(entry: ProfileEntry) -> bool:
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
        raise _error(entry, present, f"incomplete static credentials: {missing} is missing")
    return False


def _in_keyring(entry: ProfileEntry) -> bool:
    """True for ``credential_store = keyring``; plaintext keys beside it are an error."""
    if entry.data.credential_store is None:
        return False
    data = entry.data
    for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
        if getattr(data, key):
            raise _error(
                entry,
                key,
                f"{key} is set beside credential_store = keyring: keep the keys in one place "
                f"(`rolechain keys import {entry.name} --remove-plaintext` moves them)",
            )
    return True


def _base_source(profiles: ProfileLookup, entry: ProfileEntry, *, used_by: str | None) -> Source:
    """The base a profile without a hop of its own stands for, in aws-sdk-rust's order.

    On the selected profile: credential_source, (web identity: handled by the walk), SSO,
    login_session, credential_process, then static keys, so keys written beside any of
    those do not win; a settings-only profile uses the SDKs' default chain. A
    profile reached through source_profile (``used_by`` names who uses it): static keys
    first, then the same order, and no credentials at all is an error.
    """
    data = entry.data
    in_keyring = _in_keyring(entry)
    if used_by is not None and in_keyring:
        return _keyring_source(entry)
    if used_by is not None and _static_keys(entry):
        return _static_source(entry)
    if data.credential_source:
        return _named_source(entry)
    if data.sso_session or data.sso_start_url or data.sso_account_id or data.sso_role_name:
        return _sso_source(profiles, entry)
    if data.login_session:  # a sign-in session, like SSO: before process and keys
        return LoginSource(
            profile=entry.name,
            login_session=data.login_session,
            where=_where(entry, ("login_session",)),
        )
    if data.credential_process:
        return ProcessSource(
            profile=entry.name,
            command=data.credential_process,
            where=_where(entry, ("credential_process",)),
        )
    if in_keyring:
        return _keyring_source(entry)
    if _static_keys(entry):
        return _static_source(entry)
    if used_by is None and data.role_arn is None:
        return DefaultChainSource(profile=entry.name, where=_where(entry, ("region",)))
    used = f"profile {used_by} uses it as source_profile, but it has " if used_by else ""
    raise _error(
        entry,
        "role_arn" if data.role_arn else "aws_access_key_id",
        f"{used}no credentials: set static keys, credential_store, credential_source, "
        "credential_process, sso_session, login_session, role_arn with a source, or "
        "web_identity_token_file",
    )


def _static_source(entry: ProfileEntry) -> StaticSource:
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
        where=_where(entry, ("aws_access_key_id", "mfa_serial", "mfa_session_duration")),
    )


def _mfa_session(data: Any, mfa_serial: str | None) -> dict[str, Any]:
    """The MFA-session fields of a long-term keys base (all None without a serial)."""
    if not mfa_serial:
        return {"mfa_serial": None, "mfa_process": None, "mfa_prompt": None,
                "mfa_duration_seconds": None}  # fmt: skip
    return {
        "mfa_serial": mfa_serial,
        "mfa_process": data.mfa_process,
        "mfa_prompt": data.mfa_prompt,
        "mfa_duration_seconds": data.mfa_session_duration or DEFAULT_MFA_SESSION_SECONDS,
    }


def _keyring_source(entry: ProfileEntry) -> KeyringSource:
    """Keys in the OS keyring: planned without reading it (the keyring is I/O)."""
    data = entry.data
    mfa_serial = data.mfa_serial if not data.role_arn else None
    return KeyringSource(
        profile=entry.name,
        **_mfa_session(data, mfa_serial),
        where=_where(entry, ("credential_store", "mfa_serial", "mfa_session_duration")),
    )


def _sso_source(profiles: ProfileLookup, entry: ProfileEntry) -> SsoSource:
    data = entry.data
    start_url, region, scopes = data.sso_start_url, data.sso_region, ()
    if data.sso_session:
        session = profiles.sso_session(data.sso_session)
        if session is None:
            raise _error(entry, "sso_session", f"sso-session {data.sso_session!r} does not exist")
        for key in ("sso_start_url", "sso_region"):
            mine, theirs = getattr(data, key), getattr(session, key)
            if mine and theirs and mine != theirs:
                raise _error(entry, key, f"{key} differs from sso-session {data.sso_session}")
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
            raise _error(entry, key, f"SSO profile is missing {key}")
    assert start_url and region and data.sso_account_id and data.sso_role_name
    return SsoSource(
        profile=entry.name,
        sso_start_url=start_url,
        sso_region=region,
        sso_account_id=data.sso_account_id,
        sso_role_name=data.sso_role_name,
        sso_session=data.sso_session,
        sso_registration_scopes=scopes,
        where=_where(entry, ("sso_session", *required)),
    )


def _web_identity_source(entry: ProfileEntry) -> WebIdentitySource:
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
        where=_where(entry, ("role_arn", "web_identity_token_file", *_HOP_KEYS[3:])),
    )


def _named_source(entry: ProfileEntry) -> Source:
    kind = entry.data.credential_source
    where = _where(entry, ("credential_source",))
    if kind == "Environment":
        return EnvironmentSource(profile=entry.name, where=where)
    if kind == "Ec2InstanceMetadata":
        return InstanceMetadataSource(profile=entry.name, where=where)
    return ContainerSource(profile=entry.name, where=where)


def _hop(entry: ProfileEntry) -> Hop:
    data = entry.data
    if not data.role_arn:  # a blank value (whitespace only) is set, yet names no role
        raise _error(entry, "role_arn", "role_arn is empty")
    return Hop(
        profile=entry.name,
        role_arn=data.role_arn,
        role_session_name=data.role_session_name,
        external_id=data.external_id,
        mfa_serial=data.mfa_serial,
        mfa_process=data.mfa_process if data.mfa_serial else None,
        mfa_prompt=data.mfa_prompt if data.mfa_serial else None,
        duration_seconds=data.duration_seconds,
        tags=tuple(data.session_tags.items()),
        transitive_tag_keys=tuple(data.transitive_session_tags),
        source_identity=data.source_identity,
        policy=data.policy,
        policy_arns=tuple(data.policy_arns),
        where=_where(entry, _HOP_KEYS),
    )


def _mark_chained(source: Source, hops: list[Hop]) -> tuple[Hop, ...]:
    """Flag each hop whose caller holds role-session (or MFA-session) credentials."""
    first_chained = isinstance(source, _ROLE_SESSION_BASES) or (
        isinstance(source, LONG_TERM_KEY_SOURCES) and source.mfa_serial is not None
    )
    return tuple(replace(hop, chained=index > 0 or first_chained) for index, hop in enumerate(hops))


def _sts_settings(profiles: ProfileLookup, entry: ProfileEntry) -> StsSettings:
    data = entry.data
    endpoint = data.endpoint_url
    if data.services:
        section = profiles.services(data.services) or {}
        sts = section.get("sts")
        if isinstance(sts, Mapping) and sts.get("endpoint_url"):
            endpoint = str(sts["endpoint_url"])
            if (problem := endpoint_problem(endpoint)) is not None:
                at = entry.where.get("services", entry.location)
                raise ConfigError(
                    f"services {data.services}: sts: {problem}",
                    file=at.file,
                    line=at.line,
                    profile=entry.name,
                    key="services",
                )
    return StsSettings(
        region=data.region,
        sts_regional_endpoints=data.sts_regional_endpoints,
        endpoint_url=endpoint,
    )

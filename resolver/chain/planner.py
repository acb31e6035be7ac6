"""The planner: a profile name in, a pure ``Chain`` out (no I/O, no boto3).

It walks ``source_profile`` links from the selected profile down to one base source,
following the AWS SDKs' shared rules, and collects an AssumeRole ``Hop`` per role on the
way. ``plan_chain`` then runs the static STS checks and raises on any error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from resolver.chain.limits import check_chain
from resolver.chain.overrides import Overrides, apply_overrides
from resolver.chain.sources import DEFAULT_MFA_SESSION_SECONDS as DEFAULT_MFA_SESSION_SECONDS
from resolver.chain.sources import (
    HOP_KEYS,
    check_saml_keys,
    configured_source,
    error_at,
    has_roles_anywhere,
    in_keyring,
    long_term_keys,
    named_source,
    roles_anywhere_source,
    saml_source,
    static_keys,
    web_identity_source,
    where_of,
)
from resolver.chain.types import (
    LONG_TERM_KEY_SOURCES,
    Chain,
    ContainerSource,
    DefaultChainSource,
    Hop,
    InstanceMetadataSource,
    RolesAnywhereSource,
    SamlSource,
    Source,
    SsoSource,
    StsSettings,
    WebIdentitySource,
)
from resolver.config.profiles import ProfileEntry, suggest
from resolver.config.values import endpoint_problem
from resolver.errors import ChainError, ConfigError, LimitError, invalid_reason
from resolver.records import replace

MAX_CHAIN_HOPS = 32  # AssumeRole hops in one chain (every hop past the first is capped at 1h)
_ROLE_SESSION_BASES = (
    WebIdentitySource,
    SsoSource,
    InstanceMetadataSource,
    ContainerSource,
    SamlSource,  # AssumeRoleWithSAML: a role session too
    RolesAnywhereSource,  # CreateSession vends role-session credentials
)


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
            reason=invalid_reason(first.key, LimitError.reason),
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
            message = f"source_profile loop: {loop}"
            raise error_at(previous, "source_profile", message, reason="credential-loop")
        visited[entry.name] = len(visited)
        data = entry.data
        _check_token_file(entry)
        check_saml_keys(entry)
        if data.role_arn is None and has_roles_anywhere(entry):
            roles_anywhere_source(entry)  # raises: the Roles Anywhere role is missing
        if data.role_arn is None:
            used_by = None if entry is selected else previous.name
            source = _base_source(profiles, entry, used_by=used_by)
            break
        if data.source_profile and data.credential_source:
            raise error_at(
                entry,
                "source_profile",
                "set source_profile or credential_source, not both",
                reason="conflicting-sources",
            )
        if data.web_identity_token_file:
            source = web_identity_source(entry)
            break
        if data.saml_process:
            source = saml_source(entry)
            break
        if has_roles_anywhere(entry):  # role_arn is the Roles Anywhere role: no hop
            source = roles_anywhere_source(entry)
            break
        if entry is not selected and (in_keyring(entry) or static_keys(entry)):
            source = _base_source(profiles, entry, used_by=previous.name)  # rule 2: keys win
            break
        if len(hops) == MAX_CHAIN_HOPS:
            raise error_at(
                selected,
                "source_profile",
                f"the chain is longer than {MAX_CHAIN_HOPS} AssumeRole hops (the limit); "
                f"profile {entry.name} would be hop {MAX_CHAIN_HOPS + 1}",
                reason="chain-too-long",
            )
        hops.append(_hop(entry))
        if data.credential_source:
            source = named_source(entry)
            break
        if not data.source_profile:
            message = "role_arn needs source_profile or credential_source" + _typo_hint(entry)
            raise error_at(entry, "role_arn", message, reason="missing-source")
        if data.source_profile == entry.name:
            source = _base_source(profiles, entry, used_by=entry.name)  # rule 3: own keys
            break
        previous = entry
        entry = _lookup(profiles, data.source_profile, referenced_from=entry)
    return Chain(
        profile=selected.name,
        source=source,
        hops=_mark_chained(source, hops[::-1]),
        sts=_sts_settings(profiles, selected),
    )


def _lookup(
    profiles: ProfileLookup, name: str, *, referenced_from: ProfileEntry | None
) -> ProfileEntry:
    entry = profiles.get(name)
    if entry is not None:
        return entry
    names = profiles.names()
    if not names:
        message = "no profiles found; write ~/.aws/config or a rolechain TOML file"
        raise ChainError(message, reason="no-profiles")
    if referenced_from is not None:
        message = f"source profile {name!r} does not exist, referenced from {referenced_from.name}"
        message += suggest(name, names)
        raise error_at(referenced_from, "source_profile", message, reason="missing-source-profile")
    raise ChainError(f"unknown profile {name!r}{suggest(name, names)}", reason="missing-profile")


def _typo_hint(entry: ProfileEntry) -> str:
    """``; X is not a key: did you mean source_profile?`` for a key the profile sets that
    is close to one of the missing keys; else an empty string."""
    for key in entry.ignored:
        if close := suggest(key, ("source_profile", "credential_source")):
            return f"; {key} is not a key{close.replace(';', ':', 1)}"
    return ""


def _check_token_file(entry: ProfileEntry) -> None:
    if entry.data.web_identity_token_file and not entry.data.role_arn:
        message = "web_identity_token_file needs role_arn"
        raise error_at(entry, "web_identity_token_file", message, reason="token-file-without-role")


def _base_source(profiles: ProfileLookup, entry: ProfileEntry, *, used_by: str | None) -> Source:
    """The base a profile without a hop of its own stands for, in aws-sdk-rust's order.

    On the selected profile: credential_source, (web identity: handled by the walk), SSO,
    login_session, credential_process, then static keys, so keys written beside any of
    those do not win; a settings-only profile uses the SDKs' default chain. A
    profile reached through source_profile (``used_by`` names who uses it): static keys
    first, then the same order, and no credentials at all is an error.
    """
    keyring = in_keyring(entry)  # first: plaintext keys beside the keyring are an error
    keys_first = long_term_keys(entry, keyring) if used_by is not None else None
    source = keys_first or configured_source(profiles, entry) or long_term_keys(entry, keyring)
    if source is not None:
        return source
    if used_by is None and entry.data.role_arn is None:
        return DefaultChainSource(profile=entry.name, where=where_of(entry, ("region",)))
    used = f"profile {used_by} uses it as source_profile, but it has " if used_by else ""
    raise error_at(
        entry,
        "role_arn" if entry.data.role_arn else "aws_access_key_id",
        f"{used}no credentials: set static keys, credential_store, credential_source, "
        "credential_process, sso_session, login_session, role_arn with a source, or "
        "web_identity_token_file",
        reason="no-credentials",
    )


def _hop(entry: ProfileEntry) -> Hop:
    data = entry.data
    if not data.role_arn:  # a blank value (whitespace only) is set, yet names no role
        raise error_at(entry, "role_arn", "role_arn is empty", reason="invalid-role-arn")
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
        where=where_of(entry, HOP_KEYS),
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
                    reason="invalid-services",
                )
    return StsSettings(
        region=data.region,
        sts_regional_endpoints=data.sts_regional_endpoints,
        endpoint_url=endpoint,
    )

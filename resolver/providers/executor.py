"""Executing a plan: a ``Chain`` becomes providers, one cached provider per step.

Like aws-sdk-rust's ``exec.rs`` beside the pure ``repr.rs``: the base source becomes a
base provider, and every hop an ``AssumeRoleProvider`` whose STS client is signed by the
previous step's cached credentials (rebuilt whenever those credentials refresh).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

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
    WebIdentitySource,
)
from resolver.providers.sts.caller import CallerBoundStsClient
from resolver.providers.sts.factory import StsTarget, sts_target
from resolver.stscreds.assume_role import AssumeRoleProvider
from resolver.stscreds.cache import CredentialsCache
from resolver.stscreds.credentials import CredentialsProvider
from resolver.stscreds.tokens import TokenProvider

# Serializes OS keyring access across processes (see resolver.cache.keyring_lock).
KeyringLock = Callable[[], AbstractContextManager[object]]
# Wraps each step's provider; issue-level caches (memory, disk) plug in here.
StepWrapper = Callable[[CredentialsProvider, "Step"], CredentialsProvider]


class Step:
    """What a wrapper knows about a step: its label, hop (None for the base), caller, STS
    target and the profiles its credentials come through (base first, its own last)."""

    def __init__(
        self,
        label: str,
        hop: Hop | None,
        source: Source,
        caller: Any,
        target: StsTarget | None = None,
        through: tuple[str, ...] = (),
    ) -> None:
        self.label = label
        self.through = through
        self.hop = hop
        self.source = source
        self.caller = caller
        self.target = target


def memory_cache(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
    """The default wrapper: an in-process, single-flight ``CredentialsCache``."""
    return CredentialsCache(provider)


def token_provider_for(
    serial: str,
    mfa_process: str | None,
    token_provider: TokenProvider | None,
    *,
    mfa_prompt: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> TokenProvider:
    """The caller's provider if given (``--mfa-token``), else the ``mfa_prompt`` driver
    (``mfa_process`` when only that is configured), chosen when the code is needed."""
    environ = os.environ if environ is None else environ
    if token_provider is not None:
        return token_provider

    def ask() -> str:
        from resolver.providers.prompts.choose import prompt_provider

        provider = prompt_provider(
            serial,
            profile=profile,
            role_arn=role_arn,
            configured=mfa_prompt,
            mfa_process=mfa_process,
            environ=environ,
        )
        return provider()

    return ask


def build_provider(
    chain: Chain,
    *,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
    wrap: StepWrapper = memory_cache,
    keyring_lock: KeyringLock | None = None,
) -> CredentialsProvider:
    """The provider of the chain's final credentials; ``keyring_lock`` guards each read of
    the OS keyring (a keyring base)."""
    environ = os.environ if environ is None else environ
    target = sts_target(chain.sts, environ)
    source = chain.source
    label = f"{source.kind} base" + (f" of profile {source.profile}" if source.profile else "")
    current = wrap(
        _base_provider(source, target, token_provider, environ, keyring_lock),
        Step(label, None, source, None, target, through := _profiles((), source.profile)),
    )
    session_serial = source.mfa_serial if isinstance(source, LONG_TERM_KEY_SOURCES) else None
    for hop in chain.hops:
        label = f"{hop.profile} ({hop.role_arn})"
        serial = hop.mfa_serial if hop.mfa_serial != session_serial else None
        provider = AssumeRoleProvider(
            CallerBoundStsClient(current, target),
            hop.role_arn,
            role_session_name=hop.role_session_name,
            duration=hop.duration_seconds or None,
            external_id=hop.external_id,
            policy=hop.policy,
            policy_arns=hop.policy_arns,
            serial_number=serial,
            token_provider=token_provider_for(
                serial,
                hop.mfa_process,
                token_provider,
                mfa_prompt=hop.mfa_prompt,
                profile=hop.profile,
                role_arn=hop.role_arn,
                environ=environ,
            )
            if serial
            else None,
            source_identity=hop.source_identity,
            tags=hop.tags,
            transitive_tag_keys=hop.transitive_tag_keys,
            label=label,
        )
        through = _profiles(through, hop.profile)
        current = wrap(provider, Step(label, hop, source, current, target, through))
    return current


def _profiles(through: tuple[str, ...], profile: str | None) -> tuple[str, ...]:
    return (*through, profile) if profile and profile not in through[-1:] else through


def _base_provider(
    source: Source,
    target: StsTarget,
    token_provider: TokenProvider | None,
    environ: Mapping[str, str],
    keyring_lock: KeyringLock | None = None,
) -> CredentialsProvider:
    label = source.profile  # providers name it as the profile (``profile=``, SSO login hint)
    if isinstance(source, LONG_TERM_KEY_SOURCES):
        keys: CredentialsProvider
        if isinstance(source, KeyringSource):
            from resolver.providers.bases.keyring_store import KeyringProvider

            keys = KeyringProvider(source.profile, lock=keyring_lock)
        else:
            from resolver.providers.bases.static import StaticProvider

            keys = StaticProvider(
                source.access_key_id, source.secret_access_key, source.session_token, label=label
            )
        if not source.mfa_serial:
            return keys
        from resolver.stscreds.session_token import SessionTokenProvider

        return SessionTokenProvider(
            CallerBoundStsClient(keys, target),
            duration=source.mfa_duration_seconds,
            serial_number=source.mfa_serial,
            token_provider=token_provider_for(
                source.mfa_serial,
                source.mfa_process,
                token_provider,
                mfa_prompt=source.mfa_prompt,
                profile=source.profile,
                environ=environ,
            ),
            label=f"MFA session of profile {source.profile}",
        )
    if isinstance(source, EnvironmentSource):
        from resolver.providers.bases.environment import EnvironmentProvider

        return EnvironmentProvider(environ)
    if isinstance(source, DefaultChainSource):
        from resolver.providers.bases.default_chain import DefaultChainProvider

        return DefaultChainProvider(environ, label=label)
    if isinstance(source, InstanceMetadataSource):
        from resolver.providers.bases.imds import InstanceMetadataProvider

        return InstanceMetadataProvider(environ)
    if isinstance(source, ContainerSource):
        from resolver.providers.bases.container import ContainerProvider

        return ContainerProvider(environ)
    if isinstance(source, WebIdentitySource):
        from resolver.config.sources.files import expand_home
        from resolver.providers.bases.web_identity import IdentityTokenFile
        from resolver.stscreds.web_identity import WebIdentityRoleProvider

        return WebIdentityRoleProvider(
            CallerBoundStsClient(None, target),
            source.role_arn,
            IdentityTokenFile(str(expand_home(source.web_identity_token_file, environ))),
            role_session_name=source.role_session_name,
            duration=source.duration_seconds,
            policy=source.policy,
            policy_arns=source.policy_arns,
            label=f"{source.profile} ({source.role_arn})" if source.profile else source.role_arn,
        )
    if isinstance(source, SsoSource):
        from resolver.providers.bases.sso import SsoProvider

        return SsoProvider(
            source.sso_start_url,
            source.sso_region,
            source.sso_account_id,
            source.sso_role_name,
            sso_session=source.sso_session,
            label=label,
            environ=environ,
        )
    if isinstance(source, LoginSource):
        from resolver.providers.bases.login import LoginProvider

        return LoginProvider(
            source.login_session, label=source.profile, region=target.region, environ=environ
        )
    assert isinstance(source, ProcessSource)
    from resolver.providers.bases.process import ProcessProvider

    return ProcessProvider(source.command, label=label, profile=source.profile, environ=environ)

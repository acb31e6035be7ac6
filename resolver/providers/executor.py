"""Executing a plan: a ``Chain`` becomes providers, one cached provider per step.

Like aws-sdk-rust's ``exec.rs`` beside the pure ``repr.rs``: the base source becomes a
base provider, and every hop an ``AssumeRoleProvider`` whose STS client is signed by the
previous step's cached credentials (rebuilt whenever those credentials refresh).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from resolver.chain.types import Chain, Hop, Source, mfa_session_serial
from resolver.context import Context
from resolver.providers.bases import table
from resolver.providers.bases.built import (
    GENERATED,
    Built,
    Inputs,
    KeyringLock,
    StepKey,
    token_provider_for,
)
from resolver.providers.sts.caller import CallerBoundStsClient
from resolver.providers.sts.factory import StsTarget, sts_target
from resolver.stscreds.assume_role import AssumeRoleProvider
from resolver.stscreds.cache import CredentialsCache
from resolver.stscreds.credentials import CredentialsProvider
from resolver.stscreds.tokens import TokenProvider

# Wraps each step's provider; issue-level caches (memory, disk) plug in here.
StepWrapper = Callable[[CredentialsProvider, "Step"], CredentialsProvider]

REFRESH_WINDOW = timedelta(minutes=5, seconds=30)
REFRESH_JITTER_FRAC = 1 / 11
"""The resolver's ``CredentialsCache`` options (the library's defaults are Go's: none):
refresh between 5 and 5.5 minutes before expiry, uniformly (the jitter narrows the
window by at most 1/11 of 5.5 minutes)."""

MIN_REFRESH_WINDOW = REFRESH_WINDOW - REFRESH_WINDOW * REFRESH_JITTER_FRAC
"""The narrowest of those windows, 5 minutes: the disk cache's and the ready answer's."""


def resolver_cache(
    provider: CredentialsProvider, *, clock: Callable[[], datetime] | None = None
) -> CredentialsCache:
    """A ``CredentialsCache`` with the resolver's refresh window."""
    return CredentialsCache(
        provider,
        expiry_window=REFRESH_WINDOW,
        expiry_window_jitter_frac=REFRESH_JITTER_FRAC,
        clock=clock,
    )


class Step:
    """What a wrapper knows about a step: its label, hop (None for the base), caller, STS
    target, the profiles its credentials come through (base first, its own last), its
    ``StepKey`` (how the caches name it) and the Context it was built in."""

    def __init__(
        self,
        label: str,
        hop: Hop | None,
        source: Source,
        caller: Any,
        target: StsTarget | None,
        through: tuple[str, ...],
        key: StepKey,
        ctx: Context,
    ) -> None:
        self.label = label
        self.through = through
        self.hop = hop
        self.source = source
        self.caller = caller
        self.target = target
        self.key = key
        self.ctx = ctx


def memory_cache(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
    """The default wrapper: an in-process, single-flight ``CredentialsCache``."""
    return resolver_cache(provider)


def build_provider(
    chain: Chain,
    *,
    ctx: Context | None = None,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
    wrap: StepWrapper = memory_cache,
    keyring_lock: KeyringLock | None = None,
) -> CredentialsProvider:
    """The provider of the chain's final credentials: the base through the table of bases,
    each hop through ``build_hop``. ``ctx`` (default: ``Context.build(environ)``);
    ``keyring_lock`` guards each read of the OS keyring (a keyring base)."""
    ctx = Context.build(environ) if ctx is None else ctx
    inputs = Inputs(ctx, sts_target(chain.sts, ctx.environ), token_provider, keyring_lock)
    source = chain.source
    label = f"{source.kind} base" + (f" of profile {source.profile}" if source.profile else "")
    base = table.build(source, inputs)
    through = _profiles((), source.profile)
    step = Step(label, None, source, None, inputs.target, through, base.key, ctx)
    current = wrap(base.provider, step)
    session_serial = mfa_session_serial(source)
    for hop in chain.hops:
        built = build_hop(hop, current, inputs, session_serial)
        through = _profiles(through, hop.profile)
        label = f"{hop.profile} ({hop.role_arn})"
        step = Step(label, hop, source, current, inputs.target, through, built.key, ctx)
        current = wrap(built.provider, step)
    return current


def base_key(chain: Chain, ctx: Context) -> StepKey:
    """The ``StepKey`` of ``chain``'s base, as ``build_provider`` builds it (nothing runs)."""
    return table.build(chain.source, Inputs(ctx, sts_target(chain.sts, ctx.environ))).key


def build_hop(
    hop: Hop, caller: CredentialsProvider, inputs: Inputs, session_serial: str | None = None
) -> Built:
    """The ``AssumeRoleProvider`` of ``hop``, signed by ``caller``'s credentials, and its
    key: the request (a configured RoleSessionName or ``generated``; never a token code)
    and the STS target; the cache adds the caller's identity. ``session_serial``: the
    base's MFA session serial, whose code is not asked again."""
    label = f"{hop.profile} ({hop.role_arn})"
    serial = hop.mfa_serial if hop.mfa_serial != session_serial else None
    provider = AssumeRoleProvider(
        CallerBoundStsClient(caller, inputs.target),
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
            inputs,
            mfa_prompt=hop.mfa_prompt,
            profile=hop.profile,
            role_arn=hop.role_arn,
        )
        if serial
        else None,
        source_identity=hop.source_identity,
        tags=hop.tags,
        transitive_tag_keys=hop.transitive_tag_keys,
        label=label,
    )
    params = provider.request()
    params["RoleSessionName"] = hop.role_session_name or GENERATED
    params.pop("TokenCode", None)
    material = {"kind": "assume-role", "params": params, "target": inputs.target_material()}
    return Built(provider, StepKey(material))


def _profiles(through: tuple[str, ...], profile: str | None) -> tuple[str, ...]:
    return (*through, profile) if profile and profile not in through[-1:] else through

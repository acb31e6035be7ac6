"""What a base's builder gets and gives back: its ``Inputs``, and the provider with its
``StepKey`` (``Built``). Each base module ends with a ``build(source, inputs)``; the table
(``resolver.providers.bases.table``) picks it by the source's kind.

A ``StepKey`` is the one description of how a step is named: the disk cache key's fixed
part, what the base reads besides its configuration (re-checked by the ready answer),
and how the next hop's key names it when it is kept in memory only. The cache
(``resolver.cache.keys``) only combines and hashes these, so the hop cache and the ready
answer cannot disagree about what a base depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, NamedTuple

from resolver.records import Record, field

if TYPE_CHECKING:
    from resolver.chain.types import KeyringSource, StaticSource
    from resolver.context import Context
    from resolver.providers.sts.factory import StsTarget
    from resolver.stscreds.credentials import CredentialsProvider
    from resolver.stscreds.tokens import TokenProvider

DependencyName = tuple[str, str]
"""(kind, name) of a dependency: ``file``, ``program`` or ``cwd`` (``resolver.cache.stamps``)."""

GENERATED = "generated"
"""Stands in a key for a RoleSessionName the provider generates (once per provider)."""

# Serializes OS keyring access across processes (see resolver.cache.keyring_lock).
KeyringLock = Callable[[], AbstractContextManager[object]]


class StepKey(Record):
    """How a step is named, for the disk cache and for the ready answer.

    ``material``: the disk cache key's fixed part (None: the step stays in memory).
    ``depends``: what the base reads besides its configuration; their values join the
    disk key (as ``depends``), the caller name, and the ready answer's stamp. None: the
    base is named by credentials fetched over the network, which no warm run can
    re-check (no ready answer). ``caller``: how the next hop's key names a base kept in
    memory (None: by the access key id its credentials carry).
    """

    material: Mapping[str, Any] | None = field(default=None, hash=False)
    depends: tuple[DependencyName, ...] | None = ()
    caller: str | None = None


FETCHED = StepKey(depends=None)
"""The key of a base named by the credentials it fetches (container, IMDS, login...)."""


class Built(NamedTuple):
    """A step's provider and its key."""

    provider: CredentialsProvider
    key: StepKey


class Inputs(Record):
    """What every builder may use: the Context, the STS target, the caller's MFA token
    provider (``--mfa-token``) and the keyring lock."""

    ctx: Context
    target: StsTarget
    token_provider: TokenProvider | None = None
    keyring_lock: KeyringLock | None = None

    def target_material(self) -> list[str | None]:
        """The STS target as it enters a key."""
        return [self.target.region, self.target.endpoint_url]


def token_provider_for(
    serial: str,
    mfa_process: str | None,
    inputs: Inputs,
    *,
    mfa_prompt: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
) -> TokenProvider:
    """The caller's provider if given (``--mfa-token``), else the ``mfa_prompt`` driver
    (``mfa_process`` when only that is configured), chosen when the code is needed."""
    if inputs.token_provider is not None:
        return inputs.token_provider
    environ = inputs.ctx.environ

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


def long_term(
    keys: Built, source: StaticSource | KeyringSource, inputs: Inputs, *, key_id: str
) -> Built:
    """Long-term ``keys`` as they are, or with ``mfa_serial`` the MFA session
    (GetSessionToken) they sign, kept on disk under ``key_id`` (what names the keys)."""
    if not source.mfa_serial:
        return keys
    from resolver.providers.sts.caller import CallerBoundStsClient
    from resolver.stscreds.session_token import SessionTokenProvider

    provider = SessionTokenProvider(
        CallerBoundStsClient(keys.provider, inputs.target),
        duration=source.mfa_duration_seconds,
        serial_number=source.mfa_serial,
        token_provider=token_provider_for(
            source.mfa_serial,
            source.mfa_process,
            inputs,
            mfa_prompt=source.mfa_prompt,
            profile=source.profile,
        ),
        label=f"MFA session of profile {source.profile}",
    )
    material = {
        "kind": "session-token",
        "access_key_id": key_id,
        "serial": source.mfa_serial,
        "duration": provider.duration_seconds,
        "target": inputs.target_material(),
    }
    return Built(provider, StepKey(material, keys.key.depends))

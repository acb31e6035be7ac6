"""A console sign-in URL for a profile: plan, resolve, federate, build the URL.

What the federation endpoint accepts decides the path: role credentials (any chain with
a hop, web identity, IAM Identity Center, ``login_session``) go straight to
``getSigninToken``; long-term IAM user keys first become a ``GetFederationToken``
session; an MFA session (GetSessionToken) is refused up front with the reason, since the
endpoint rejects it and GetFederationToken takes no MFA code. ``SessionDuration`` is
refused up front for a role-chained final hop, which the endpoint does not allow.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resolver.chain.types import (
    Chain,
    SamlSource,
    SsoSource,
    StsSettings,
    WebIdentitySource,
    mfa_session_serial,
)
from resolver.config.durations import format_duration
from resolver.console.urls import (
    MAX_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    check_region,
    choose_partition,
    destination_url,
    federation_endpoint,
    login_url,
)
from resolver.errors import ResolverError

if TYPE_CHECKING:
    from resolver.context import Context
    from resolver.stscreds.tokens import TokenProvider

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignIn:
    """A sign-in URL (a bearer secret: never log it) and how to open it."""

    url: str
    profile: str | None
    browser: str | None  # the profile's console_browser template
    federated: bool  # True when long-term keys went through GetFederationToken

    def __repr__(self) -> str:
        return f"SignIn(profile={self.profile!r}, browser={self.browser!r}, url=<secret>)"


def check_duration(seconds: int | None) -> int | None:
    """``seconds`` if within the federation endpoint's 15 minutes to 12 hours."""
    if seconds is not None and not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        raise ResolverError(
            f"--duration {format_duration(seconds)} is outside the console's 15m to 12h"
        )
    return seconds


def refuse_early(chain: Chain, duration: int | None) -> None:
    """The requests the federation endpoint would refuse, explained before any call."""
    source = chain.source
    if not chain.hops and mfa_session_serial(source):
        raise ResolverError(
            f"profile {source.profile} signs in with an MFA session (GetSessionToken), "
            "which the console federation endpoint does not accept, and GetFederationToken "
            "takes no MFA code: open the console through a role (a profile with role_arn "
            f"and source_profile = {source.profile})"
        )
    if duration is not None and chain.hops and chain.hops[-1].chained:
        hop = chain.hops[-1]
        raise ResolverError(
            f"--duration: the federation endpoint refuses SessionDuration for role-chained "
            f"credentials, and role {hop.role_arn} (profile {hop.profile}) is assumed with "
            "role-session credentials; without --duration the console session lasts as long "
            "as the role session (its duration_seconds, at most 1h when chained)"
        )


def final_role_arn(chain: Chain | None) -> str | None:
    """The ARN of the role the console session belongs to, when the plan knows it."""
    if chain is None:
        return None
    if chain.hops:
        return chain.hops[-1].role_arn
    base = chain.source
    return base.role_arn if isinstance(base, (WebIdentitySource, SamlSource)) else None


def home_region(chain: Chain | None) -> str | None:
    """A region that tells the partition when none is configured: the SSO portal's."""
    if chain is not None and not chain.hops and isinstance(chain.source, SsoSource):
        return chain.source.sso_region
    return None


def console_signin(
    profile: str | None = None,
    *,
    config: str | None = None,
    region: str | None = None,
    service: str | None = None,
    destination: str | None = None,
    duration: int | None = None,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
    context: Context | None = None,
) -> SignIn:
    """The sign-in URL for ``profile`` (argument, else ``AWS_PROFILE``, else ``default``;
    with none named, environment keys win as in ``resolve``), in ``context`` (else that
    of ``environ``, else of the process environment)."""
    from resolver.api import context_of, plan, resolution
    from resolver.console.federation import federation_token, get_signin_token
    from resolver.providers.bases.environment import has_environment_credentials
    from resolver.providers.sts.factory import sts_target

    ctx = context_of(environ, context)
    environ = ctx.environ
    check_duration(duration)
    name = profile or environ.get("AWS_PROFILE") or None
    chain: Chain | None = None
    if name is not None or not has_environment_credentials(environ):
        chain = plan(name, config=config, context=ctx)
        refuse_early(chain, duration)
    region = region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    region = region or (chain.sts.region if chain else None)
    if region:
        check_region(region)
    partition = choose_partition(final_role_arn(chain), region or home_region(chain))
    endpoint = federation_endpoint(partition, environ)
    target_page = destination_url(
        partition, region=region, service=service, destination=destination
    )
    found = resolution(name, config=config, token_provider=token_provider, context=ctx)
    credentials, session_duration, federated = found.credentials, duration, False
    if credentials.session_token is None:  # long-term IAM user keys
        logger.debug("long-term keys: GetFederationToken first")
        target = sts_target(chain.sts if chain else StsSettings(), environ)
        label = f"console of profile {chain.profile}" if chain else "console"
        credentials = federation_token(credentials, target, duration=duration, label=label)
        session_duration, federated = None, True  # the session lasts as long as the token
    logger.debug("getSigninToken at %s", endpoint)
    token = get_signin_token(
        endpoint, credentials, session_duration=session_duration, environ=environ
    )
    return SignIn(
        url=login_url(endpoint, target_page, token),
        profile=chain.profile if chain else None,
        browser=_browser_of(chain, config, environ),
        federated=federated,
    )


def _browser_of(chain: Chain | None, config: str | None, environ: Mapping[str, str]) -> str | None:
    if chain is None:
        return None
    from resolver.config.loading import load_profiles

    entry = load_profiles(config, environ).get(chain.profile)
    return entry.data.console_browser if entry is not None else None

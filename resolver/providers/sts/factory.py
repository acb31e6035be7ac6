"""STS clients for a chain: region and endpoint resolution, then botocore's client.

botocore does the signing, retries and error parsing. We resolve where to send the call
ourselves (so no region anywhere still works, via global STS signed for us-east-1) and
keep botocore from re-reading the user's config files (the plan already did). What a
client depends on in the environment (timeouts, CA bundle, proxies) is taken from the
environment the target was resolved in and carried by the target, never read again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from resolver.chain.types import StsSettings
from resolver.config.values import endpoint_problem, region_problem
from resolver.context import STS_CONNECT_TIMEOUT, STS_READ_TIMEOUT, timeout_setting
from resolver.errors import ConfigError
from resolver.providers.sts.endpoints import GLOBAL_SIGNING_REGION
from resolver.providers.sts.endpoints import GLOBAL_URL as GLOBAL_ENDPOINT
from resolver.providers.sts.endpoints import LEGACY_GLOBAL as LEGACY_GLOBAL_REGIONS
from resolver.records import Record, field

if TYPE_CHECKING:
    import botocore.session

    from resolver.stscreds.credentials import Credentials

MAX_ATTEMPTS = 3


class StsTarget(Record):
    """Where STS calls go: a signing region and an endpoint (None: botocore's regional),
    and the variables of the resolving environment a client depends on (``environment``,
    from ``transport_environment``; empty: none, so the defaults)."""

    region: str
    endpoint_url: str | None
    environment: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)


def transport_environment(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables a client is built from: ``ROLECHAIN_STS_*``, ``AWS_*`` (CA bundle...),
    proxies, and the CA bundle requests-style clients honour."""
    return tuple(
        sorted(
            (name, value)
            for name, value in environ.items()
            if name.startswith(("AWS_", "ROLECHAIN_STS_"))
            or name.lower().endswith("_proxy")
            or name == "REQUESTS_CA_BUNDLE"
        )
    )


def target_environment(target: StsTarget) -> Mapping[str, str]:
    """What ``target`` was resolved in (the transport variables only)."""
    return dict(target.environment)


def sts_target(settings: StsSettings, environ: Mapping[str, str]) -> StsTarget:
    """Apply the environment over the profile's settings, as the AWS SDKs do."""
    ignore_configured = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
    endpoint = None
    if not ignore_configured:
        endpoint = (
            _checked(environ, "AWS_ENDPOINT_URL_STS", endpoint_problem)
            or _checked(environ, "AWS_ENDPOINT_URL", endpoint_problem)
            or settings.endpoint_url
        )
    region = (
        _checked(environ, "AWS_REGION", region_problem)
        or _checked(environ, "AWS_DEFAULT_REGION", region_problem)
        or settings.region
    )
    style = environ.get("AWS_STS_REGIONAL_ENDPOINTS") or settings.sts_regional_endpoints
    carried = transport_environment(environ)
    if region is None:
        return StsTarget(GLOBAL_SIGNING_REGION, endpoint or GLOBAL_ENDPOINT, carried)
    if endpoint is None and style == "legacy" and region in LEGACY_GLOBAL_REGIONS:
        return StsTarget(GLOBAL_SIGNING_REGION, GLOBAL_ENDPOINT, carried)
    return StsTarget(region, endpoint, carried)


def _checked(
    environ: Mapping[str, str], name: str, problem: Callable[[str], str | None]
) -> str | None:
    """The variable's value (None when unset or empty); a ConfigError naming it when bad."""
    value = environ.get(name)
    if value and (found := problem(value)) is not None:
        raise ConfigError(f"{name} (environment variable): {found}", key=name)
    return value or None


_session_lock = threading.Lock()
_session: botocore.session.Session | None = None


def _botocore_session() -> botocore.session.Session:
    """One botocore session per process, blind to the user's config files."""
    global _session
    with _session_lock:
        if _session is None:
            import botocore.session

            # No profile (AWS_PROFILE may name a TOML profile) and no config files.
            session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            session.set_config_variable("config_file", os.devnull)
            session.set_config_variable("credentials_file", os.devnull)
            from resolver.providers.sts.loader import direct_loader

            session.register_component(
                "data_loader", direct_loader(session.get_component("data_loader"))
            )
            _session = session
        return _session


def proxies(target: StsTarget, environ: Mapping[str, str]) -> dict[str, str]:
    """The proxies ``environ`` names for ``target`` (``NO_PROXY`` applied): given to
    botocore explicitly, so it never reads the process's own."""
    from urllib.parse import urlsplit

    from resolver.providers.outbound import bypassed  # the bases' HTTP sender: off this path

    lowered = {name.lower(): value for name, value in sorted(environ.items(), reverse=True)}
    url = target.endpoint_url or f"https://sts.{target.region}.amazonaws.com"
    host = urlsplit(url).hostname or ""
    if bypassed(host, lowered.get("no_proxy", "")):
        return {}
    found = {scheme: lowered.get(f"{scheme}_proxy", "") for scheme in ("http", "https")}
    return {scheme: value for scheme, value in found.items() if value}


def make_sts_client(credentials: Credentials | None, target: StsTarget) -> Any:
    """A botocore STS client; unsigned when ``credentials`` is None. Timeouts, CA bundle
    and proxies come from ``target``'s environment only."""
    from botocore import UNSIGNED
    from botocore.config import Config

    environ = target_environment(target)
    config = Config(
        connect_timeout=timeout_setting(
            "ROLECHAIN_STS_CONNECT_TIMEOUT", STS_CONNECT_TIMEOUT, environ
        ),
        read_timeout=timeout_setting("ROLECHAIN_STS_READ_TIMEOUT", STS_READ_TIMEOUT, environ),
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        signature_version=UNSIGNED if credentials is None else None,
        proxies=proxies(target, environ),
    )
    verify: str | bool = environ.get("AWS_CA_BUNDLE") or environ.get("REQUESTS_CA_BUNDLE") or True
    keys: dict[str, Any] = {}
    if credentials is not None:
        keys = {
            "aws_access_key_id": credentials.access_key_id,
            "aws_secret_access_key": credentials.secret_access_key,
            "aws_session_token": credentials.session_token,
        }
    session = _botocore_session()
    with _session_lock:  # botocore's create_client is not thread-safe
        return session.create_client(
            "sts",
            region_name=target.region,
            endpoint_url=target.endpoint_url,
            config=config,
            verify=verify,
            **keys,
        )

"""Starting an IAM Identity Center login: the OAuth device authorization flow.

With botocore's unsigned ``sso-oidc`` client: ``RegisterClient`` (a public client),
``StartDeviceAuthorization`` (a user code and a verification URL to open), then
``CreateToken`` with the device code, polled at the interval the service asks for, five
seconds slower after each ``SlowDownException`` (RFC 8628), until the device code expires.
The token is saved with botocore's own ``SSOTokenLoader`` and ``JSONFileCache`` in
``~/.aws/sso/cache/<sha1 of the sso-session name, else the start URL>.json``, in the
format the AWS CLI writes, so boto3, the CLI and rolechain share the login. No token,
secret or device code is ever logged or put in an error. ``AWS_ENDPOINT_URL_SSO_OIDC``
redirects the calls (tests). Cross-process coordination lives in the caller.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from resolver.config.private_dirs import make_dirs
from resolver.errors import ProviderError, remember
from resolver.providers.bases.sso import DEFAULT_TOKEN_CACHE_DIR
from resolver.timefmt import rfc3339_seconds

logger = logging.getLogger(__name__)

CLIENT_NAME = "rolechain"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5
SLOW_DOWN_STEP = 5
MAX_INTERVAL = 60
DEFAULT_SESSION_SCOPES = ("sso:account:access",)  # the AWS CLI's for an sso-session
MAX_WAIT_SECONDS = 3600  # bound on the device code lifetime the service may announce


@dataclass(frozen=True)
class SsoLoginTarget:
    """What to log in to: an sso-session (name, start URL, region, scopes) or a legacy
    start URL (``session_name`` None)."""

    start_url: str
    region: str
    session_name: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def cache_key_source(self) -> str:
        """What the cache file is named after (sha1): the session name, else the URL."""
        return self.session_name if self.session_name is not None else self.start_url


@dataclass(frozen=True)
class Verification:
    """What the user must open and confirm (neither is a credential)."""

    url: str
    user_code: str


def cache_dir(token_cache_dir: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> str:
    """The SSO token cache directory (botocore's and the AWS CLI's by default), ``~`` from
    ``environ``'s home."""
    from resolver.context import expand_home

    return expand_home(os.fspath(token_cache_dir or DEFAULT_TOKEN_CACHE_DIR), environ)


def token_path(
    target: SsoLoginTarget, token_cache_dir: str | None, environ: Mapping[str, str]
) -> str:
    """The file botocore reads this target's token from."""
    import hashlib

    name = hashlib.sha1(target.cache_key_source.encode()).hexdigest() + ".json"
    return os.path.join(cache_dir(token_cache_dir, environ), name)


def _client(region: str, environ: Mapping[str, str]) -> Any:
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config

    from resolver.config.values import environment_endpoint

    configured = environment_endpoint(environ, "SSO_OIDC")
    session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("ignore_configured_endpoint_urls", True)  # not the process's
    config = Config(
        signature_version=UNSIGNED,
        connect_timeout=10,
        read_timeout=30,
        retries={"mode": "standard", "total_max_attempts": 3},
    )
    from resolver.providers.outbound import bound_botocore_client

    client = session.create_client(
        "sso-oidc", region_name=region, config=config, endpoint_url=configured
    )
    return bound_botocore_client(client, environ)


def _failure(target: SsoLoginTarget, operation: str, exc: Exception) -> ProviderError:
    from botocore.exceptions import ClientError

    code = None
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code") or "") or None
    what = code or type(exc).__name__
    return ProviderError(f"SSO login to {target.start_url}: {operation} failed ({what})")


def device_login(
    target: SsoLoginTarget,
    show: Callable[[Verification], None],
    *,
    environ: Mapping[str, str],
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> dict[str, Any]:
    """Run the device flow; ``show`` presents the verification URL. Returns the token
    document to save (botocore's format); ProviderError when denied, expired or failed.
    ``environ``: the resolving environment (endpoint, proxy, CA bundle)."""
    oidc = client or _client(target.region, environ)
    registration = _register(oidc, target)
    device = _start_authorization(oidc, target, registration)
    deadline = clock() + device.lifetime
    show(device.verification)
    answer = _await_token(oidc, target, registration, device, deadline, sleep=sleep, clock=clock)
    return _token_document(target, registration, answer, now())


@dataclass(frozen=True)
class _Device:
    """A started device authorization: the code to poll with, what the user must open,
    the polling interval and the code's lifetime (seconds, both bounded)."""

    code: str
    verification: Verification
    interval: int
    lifetime: int


def _register(oidc: Any, target: SsoLoginTarget) -> dict[str, Any]:
    """``RegisterClient`` as a public client (scoped for an sso-session, which is what
    makes CreateToken return a refresh token): the registration, its secret remembered."""
    from botocore.exceptions import BotoCoreError, ClientError

    register: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public"}
    scopes = target.scopes or (DEFAULT_SESSION_SCOPES if target.session_name else ())
    if scopes:
        register["scopes"] = list(scopes)
    try:
        registration: dict[str, Any] = oidc.register_client(**register)
        _client_id, secret = registration["clientId"], registration["clientSecret"]
        remember(secret)
    except (BotoCoreError, ClientError, KeyError, TypeError) as exc:
        raise _failure(target, "RegisterClient", exc) from None
    return registration


def _start_authorization(
    oidc: Any, target: SsoLoginTarget, registration: dict[str, Any]
) -> _Device:
    """``StartDeviceAuthorization``: the device code (remembered) and what to show."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        device = oidc.start_device_authorization(
            clientId=registration["clientId"],
            clientSecret=registration["clientSecret"],
            startUrl=target.start_url,
        )
        device_code = device["deviceCode"]
        remember(device_code)
        verification = Verification(
            device.get("verificationUriComplete") or device["verificationUri"],
            device["userCode"],
        )
    except (BotoCoreError, ClientError, KeyError, TypeError) as exc:
        raise _failure(target, "StartDeviceAuthorization", exc) from None
    interval = min(max(int(device.get("interval") or DEFAULT_INTERVAL), 1), MAX_INTERVAL)
    lifetime = min(max(int(device.get("expiresIn") or 600), 1), MAX_WAIT_SECONDS)
    return _Device(device_code, verification, interval, lifetime)


def _await_token(
    oidc: Any,
    target: SsoLoginTarget,
    registration: dict[str, Any],
    device: _Device,
    deadline: float,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> Any:
    """Poll ``CreateToken`` until the login is approved (its answer), refused or expired."""
    interval = device.interval
    while True:
        answer, interval = _create_token(oidc, target, registration, device.code, interval)
        if answer is not None:
            return answer
        if clock() + interval > deadline:
            raise _expired(target)
        logger.debug("SSO login to %s: waiting %ss for approval", target.start_url, interval)
        sleep(interval)


def _create_token(
    oidc: Any, target: SsoLoginTarget, registration: dict[str, Any], code: str, interval: int
) -> tuple[Any, int]:
    """One ``CreateToken``: its answer, or None while pending, and the next interval."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = oidc.create_token(
            grantType=DEVICE_GRANT,
            deviceCode=code,
            clientId=registration["clientId"],
            clientSecret=registration["clientSecret"],
        )
    except ClientError as exc:
        return None, _pending_interval(target, exc, interval)
    except BotoCoreError as exc:
        raise _failure(target, "CreateToken", exc) from None
    return answer, interval


def _pending_interval(target: SsoLoginTarget, exc: Any, interval: int) -> int:
    """The next polling interval after a ``CreateToken`` error that means "not yet"
    (five seconds slower after ``SlowDownException``); ProviderError for any other."""
    code = str(exc.response.get("Error", {}).get("Code") or "")
    if code == "SlowDownException":
        return min(interval + SLOW_DOWN_STEP, MAX_INTERVAL)
    if code == "AccessDeniedException":
        raise ProviderError(f"SSO login to {target.start_url} was denied in the browser") from None
    if code == "ExpiredTokenException":
        raise _expired(target) from None
    if code != "AuthorizationPendingException":
        raise _failure(target, "CreateToken", exc) from None
    return interval


def _expired(target: SsoLoginTarget) -> ProviderError:
    return ProviderError(
        f"SSO login to {target.start_url}: the device code expired before the login was "
        "approved; run the login again"
    )


def _token_document(
    target: SsoLoginTarget, registration: Any, answer: Any, moment: datetime
) -> dict[str, Any]:
    """The cache entry as the AWS CLI writes it (refresh fields for sso-sessions only)."""
    try:
        access_token, expires_in = answer["accessToken"], int(answer["expiresIn"])
        remember(access_token, answer.get("refreshToken"))
    except (KeyError, TypeError, ValueError):
        raise ProviderError(
            f"SSO login to {target.start_url}: CreateToken returned no usable token"
        ) from None
    token: dict[str, Any] = {
        "startUrl": target.start_url,
        "region": target.region,
        "accessToken": access_token,
        "expiresAt": rfc3339_seconds(moment + timedelta(seconds=expires_in)),
    }
    if target.session_name is not None:
        token["clientId"] = registration["clientId"]
        token["clientSecret"] = registration["clientSecret"]
        expires = registration.get("clientSecretExpiresAt")
        if isinstance(expires, (int, float)):
            token["registrationExpiresAt"] = rfc3339_seconds(
                datetime.fromtimestamp(expires, timezone.utc)
            )
        if answer.get("refreshToken"):
            token["refreshToken"] = answer["refreshToken"]
    return token


def save_token(
    target: SsoLoginTarget,
    token: dict[str, Any],
    token_cache_dir: str | None,
    environ: Mapping[str, str],
) -> str:
    """Write ``token`` where botocore reads it (0600, atomically, by botocore's cache);
    refuses a cache directory other users can write. Returns the file's path."""
    from botocore.utils import JSONFileCache, SSOTokenLoader

    directory = cache_dir(token_cache_dir, environ)
    make_dirs(directory)
    info = os.stat(directory, follow_symlinks=False)
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ProviderError(
            f"SSO token cache {directory} is not a directory only you can write; "
            "fix its permissions (chmod 700)"
        )
    cache: Any = JSONFileCache(directory)
    loader: Any = SSOTokenLoader(cache=cache)
    loader.save_token(target.start_url, token, session_name=target.session_name)
    return token_path(target, token_cache_dir, environ)

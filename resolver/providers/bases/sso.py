"""IAM Identity Center (SSO): role credentials for the token ``aws sso login`` cached.

Reuses botocore: ``SSOTokenLoader`` over a ``JSONFileCache`` of ``~/.aws/sso/cache``
(keyed by the sso-session name when there is one, else the start URL) and the ``sso``
client's unsigned ``GetRoleCredentials`` call. Like botocore's ``SSOTokenProvider``, a
token of an sso-session that expires within 15 minutes is refreshed with its refresh
token (``sso-oidc`` ``CreateToken``) and saved back to the cache; if that fails, a token
still valid is used. It never starts a login (no OIDC device flow): a missing or expired
token is an error telling the user which ``rolechain sso login`` (or ``aws sso login``)
to run. botocore is imported
only in ``retrieve``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from resolver.errors import ProviderError, remember
from resolver.providers.bases.built import Built, Inputs, StepKey
from resolver.stscreds.credentials import Credentials
from resolver.timefmt import rfc3339_seconds

if TYPE_CHECKING:
    import botocore.session

    from resolver.chain.types import SsoSource

logger = logging.getLogger(__name__)

DEFAULT_TOKEN_CACHE_DIR = os.path.join("~", ".aws", "sso", "cache")
TOKEN_REFRESH_WINDOW = timedelta(minutes=15)
_REFRESH_KEYS = ("refreshToken", "clientId", "clientSecret", "registrationExpiresAt")


class SsoProvider:
    """Fetches ``role_name`` in ``account_id`` with the cached SSO access token.

    ``label`` is the profile name (used in errors and in the ``aws sso login`` hint);
    ``endpoint_url`` overrides the SSO portal endpoint; ``botocore_session`` is the
    session to create the client from (default: a fresh one that ignores
    ``AWS_PROFILE``, since rolechain profiles need not exist in ``~/.aws/config``).
    """

    name = "SsoProvider"

    def __init__(
        self,
        start_url: str,
        sso_region: str,
        account_id: str,
        role_name: str,
        *,
        sso_session: str | None = None,
        token_cache_dir: str | os.PathLike[str] | None = None,
        label: str | None = None,
        endpoint_url: str | None = None,
        botocore_session: botocore.session.Session | None = None,
        environ: Mapping[str, str],
    ) -> None:
        self.start_url = start_url
        self.sso_region = sso_region
        self.account_id = account_id
        self.role_name = role_name
        self.sso_session = sso_session
        self.token_cache_dir = token_cache_dir
        self.label = label
        self.endpoint_url = endpoint_url
        self._botocore_session = botocore_session
        self._environ = environ  # the resolving environment: endpoints, proxy, CA bundle

    def __repr__(self) -> str:
        return (
            f"SsoProvider(start_url={self.start_url!r}, account_id={self.account_id!r}, "
            f"role_name={self.role_name!r}, sso_session={self.sso_session!r})"
        )

    def login_hint(self) -> str:
        """The login that refreshes the cached token: ``rolechain sso login`` (which also
        knows TOML-only profiles), and the AWS CLI's equivalent; both share the token."""
        if self.label and self.sso_session:
            return (
                f"run `rolechain sso login {self.label}` "
                f"(or `aws sso login --sso-session {self.sso_session}`)"
            )
        if self.sso_session:
            session = f"--sso-session {self.sso_session}"
            return f"run `rolechain sso login {session}` (or `aws sso login {session}`)"
        if self.label:
            return (
                f"run `rolechain sso login {self.label}` "
                f"(or `aws sso login --profile {self.label}`)"
            )
        return "run `rolechain sso login` (or `aws sso login`)"

    def _no_token(self, reason: str) -> ProviderError:
        return ProviderError(
            f"SSO session for {self.start_url} has no valid token ({reason}); {self.login_hint()}",
            profile=self.label,
        )

    def cache_dir(self) -> str:
        """The token cache directory (``~``: the resolving environment's home)."""
        from resolver.context import expand_home

        return expand_home(
            os.fspath(self.token_cache_dir or DEFAULT_TOKEN_CACHE_DIR), self._environ
        )

    def load_token(self, now: datetime | None = None) -> str:
        """The cached access token, refreshed first when it is about to expire (see the
        module docstring); ProviderError with the login hint when there is none valid."""
        from botocore.exceptions import SSOTokenLoadError
        from botocore.utils import JSONFileCache, SSOTokenLoader

        moment = now or datetime.now(timezone.utc)
        loader: Any = SSOTokenLoader(cache=JSONFileCache(self.cache_dir()))
        try:
            cached: Any = loader(self.start_url, session_name=self.sso_session)
        except SSOTokenLoadError:
            raise self._no_token("no usable token in the cache") from None
        except KeyError:  # the file exists but is not JSON
            raise self._no_token("the cached token file is unreadable") from None
        expires = _timestamp(cached.get("expiresAt"))
        if expires is None:
            raise self._no_token("the cached token has an unreadable expiresAt")
        if self.sso_session and expires - moment < TOKEN_REFRESH_WINDOW:
            refreshed = self._refreshed(cached, moment)
            if refreshed is not None:
                loader.save_token(self.start_url, refreshed, session_name=self.sso_session)
                cached, expires = refreshed, _timestamp(refreshed["expiresAt"]) or expires
        access_token = cached.get("accessToken")
        if not isinstance(access_token, str) or not access_token:
            raise self._no_token("the cached token has no accessToken")
        remember(access_token, cached.get("refreshToken"), cached.get("clientSecret"))
        if expires <= moment:
            raise self._no_token(f"it expired at {rfc3339_seconds(expires)}")
        return access_token

    def _refreshed(self, token: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """``token`` renewed with its refresh token, or None when it can't be (logged
        without any token or secret)."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not all(isinstance(token.get(key), str) and token[key] for key in _REFRESH_KEYS):
            return None
        registration = _timestamp(token["registrationExpiresAt"])
        if registration is None or registration <= now:
            logger.debug("SSO client registration for %s has expired", self.start_url)
            return None
        try:
            response = self._client("sso-oidc").create_token(
                grantType="refresh_token",
                clientId=token["clientId"],
                clientSecret=token["clientSecret"],
                refreshToken=token["refreshToken"],
            )
            access_token, expires_in = response["accessToken"], int(response["expiresIn"])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code") or "error"
            logger.debug("SSO token refresh for %s failed: %s", self.start_url, code)
            return None
        except (BotoCoreError, KeyError, TypeError, ValueError) as exc:
            why = type(exc).__name__
            logger.debug("SSO token refresh for %s failed: %s", self.start_url, why)
            return None
        expires = now + timedelta(seconds=expires_in)
        renewed = {**token, "accessToken": access_token}
        renewed["expiresAt"] = rfc3339_seconds(expires)
        if response.get("refreshToken"):
            renewed["refreshToken"] = response["refreshToken"]
        return renewed

    def retrieve(self) -> Credentials:
        """Role credentials from ``sso:GetRoleCredentials``; ProviderError on failure."""
        from botocore.exceptions import BotoCoreError, ClientError

        access_token = self.load_token()
        what = f"SSO GetRoleCredentials for role {self.role_name} in account {self.account_id}"
        try:
            client = self._client("sso")
            response = client.get_role_credentials(
                roleName=self.role_name, accountId=self.account_id, accessToken=access_token
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "")
            if code == "UnauthorizedException":
                raise self._no_token("the SSO portal rejected it") from None
            detail = str(error.get("Message") or code or "unknown error")
            message = f"{what} failed: {detail}".replace(access_token, "<redacted>")
            raise ProviderError(message, profile=self.label, code=code or None) from None
        except BotoCoreError as exc:
            message = f"{what} failed: {exc}".replace(access_token, "<redacted>")
            raise ProviderError(message, profile=self.label) from None
        role: Any = response.get("roleCredentials") or {}
        missing = [k for k in ("accessKeyId", "secretAccessKey") if not role.get(k)]
        if missing:
            raise ProviderError(f"{what} returned no {', '.join(missing)}", profile=self.label)
        expires = None
        if isinstance(role.get("expiration"), (int, float)):
            expires = datetime.fromtimestamp(role["expiration"] / 1000, timezone.utc)
        return Credentials(
            access_key_id=role["accessKeyId"],
            secret_access_key=role["secretAccessKey"],
            session_token=role.get("sessionToken") or None,
            expires=expires,
            source=self.name,
            account_id=self.account_id,
        )

    def portal_client(self) -> Any:
        """The unsigned ``sso`` (portal) client GetRoleCredentials uses: ListAccounts and
        ListAccountRoles (``rolechain sso populate``) go the same way."""
        return self._client("sso")

    def _client(self, service: str) -> Any:
        """An unsigned ``sso`` or ``sso-oidc`` client in the SSO region (``endpoint_url``
        applies to the portal only)."""
        import botocore.session
        from botocore import UNSIGNED
        from botocore.config import Config

        from resolver.config.values import checked_endpoint, environment_endpoint

        configured = environment_endpoint(self._environ, service.upper().replace("-", "_"))
        endpoint = checked_endpoint(self.endpoint_url, "SSO portal endpoint_url")
        session = self._botocore_session
        if session is None:
            # No profile variable: AWS_PROFILE may name a rolechain-only profile.
            session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
        # The endpoint comes from the resolving environment, never the process's.
        session.set_config_variable("ignore_configured_endpoint_urls", True)
        config = Config(
            signature_version=UNSIGNED,
            region_name=self.sso_region,
            connect_timeout=10,
            read_timeout=30,
            retries={"mode": "standard", "total_max_attempts": 3},
        )
        from resolver.providers.outbound import bound_botocore_client

        client = session.create_client(
            service,
            region_name=self.sso_region,
            config=config,
            endpoint_url=(endpoint if service == "sso" else None) or configured,
        )
        return bound_botocore_client(client, self._environ)


def _timestamp(value: object) -> datetime | None:
    """An aware datetime from a cached token's timestamp; None if unreadable."""
    from botocore.utils import parse_timestamp

    if not isinstance(value, str):
        return None
    try:
        moment = parse_timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def build(source: SsoSource, inputs: Inputs) -> Built:
    """The role credential of an account, kept on disk under the portal and role."""
    provider = SsoProvider(
        source.sso_start_url,
        source.sso_region,
        source.sso_account_id,
        source.sso_role_name,
        sso_session=source.sso_session,
        environ=inputs.ctx.environ,
        label=source.profile,
    )
    material = {
        "kind": "sso",
        "start_url": source.sso_start_url,
        "sso_region": source.sso_region,
        "sso_session": source.sso_session,
        "account_id": source.sso_account_id,
        "role_name": source.sso_role_name,
    }
    return Built(provider, StepKey(material))

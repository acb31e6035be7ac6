"""The ``login_session`` base: the credentials ``aws login`` cached, through botocore.

botocore's ``LoginProvider`` is a thin shell (a ``login_session`` lookup in the config
and a CRT check) around ``LoginCredentialFetcher``, which reads the token that
``aws login`` wrote to ``~/.aws/login/cache/<sha256 of the session name>.json``
(``AWS_LOGIN_CACHE_DIRECTORY`` overrides the directory) and renews it with the signin
service's ``CreateOAuth2Token`` (DPoP-signed, which needs ``botocore[crt]``). We drive
that fetcher directly: the planner already knows the session name, and credentials that
are still valid load without the CRT. Like botocore, credentials within 5 minutes of
expiry are renewed and the renewed token is saved back to the cache. A missing,
unreadable or expired token is one line naming ``aws login``. botocore is imported only
in ``retrieve``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from resolver.errors import ProviderError
from resolver.providers.bases.built import FETCHED, Built, Inputs
from resolver.stscreds.credentials import Credentials
from resolver.timefmt import rfc3339_seconds

if TYPE_CHECKING:
    from resolver.chain.types import LoginSource

REFRESH_THRESHOLD = timedelta(minutes=5)  # botocore's LoginCredentialFetcher's


class LoginProvider:
    """Credentials of the ``aws login`` session ``session_name``.

    ``label`` is the profile name (errors); ``token_cache_dir`` overrides botocore's
    directory; ``region`` is where a renewal goes when the token names no
    ``signInRegion``.
    """

    name = "LoginProvider"

    def __init__(
        self,
        session_name: str,
        *,
        label: str | None = None,
        token_cache_dir: str | os.PathLike[str] | None = None,
        region: str | None = None,
        environ: Mapping[str, str],
    ) -> None:
        self.session_name = session_name
        self._environ = environ  # the resolving environment: endpoint, proxy, CA bundle
        self.label = label
        self.token_cache_dir = token_cache_dir
        self.region = region

    def __repr__(self) -> str:
        return f"LoginProvider(session_name={self.session_name!r}, label={self.label!r})"

    def cache_dir(self) -> str:
        """The token cache directory: ``token_cache_dir``, else botocore's rule applied to
        the resolving environment (``AWS_LOGIN_CACHE_DIRECTORY``, its ``$VAR`` and ``~``
        expanded, else ``~/.aws/login/cache``)."""
        import re

        from resolver.context import expand_home

        environ = self._environ
        if self.token_cache_dir is not None:
            return expand_home(os.fspath(self.token_cache_dir), environ)
        configured = environ.get("AWS_LOGIN_CACHE_DIRECTORY")
        if configured is None:
            return expand_home(os.path.join("~", ".aws", "login", "cache"), environ)
        variable = re.compile(r"\$(\w+|\{[^}]*\})")
        expanded = variable.sub(lambda m: environ.get(m[1].strip("{}"), m[0]), configured)
        return expand_home(expanded, environ)

    def _error(self, reason: str) -> ProviderError:
        hint = f"run `aws login --profile {self.label}`" if self.label else "run `aws login`"
        return ProviderError(
            f"login session {self.session_name!r} has no valid credentials ({reason}); {hint}",
            profile=self.label,
        )

    def retrieve(self, now: datetime | None = None) -> Credentials:
        """The cached credentials, renewed first when they are about to expire."""
        try:
            import botocore.compat
            from botocore.credentials import LoginCredentialFetcher
            from botocore.exceptions import (
                BotoCoreError,
                ClientError,
                LoginInsufficientPermissions,
                LoginRefreshRequired,
                LoginTokenLoadError,
            )
            from botocore.utils import JSONFileCache, LoginTokenLoader
        except ImportError:  # a botocore from before `aws login`
            raise self._error("this botocore has no login provider; upgrade botocore") from None

        cache: Any = JSONFileCache(self.cache_dir())
        loader: Any = LoginTokenLoader(cache)
        fetcher: Any = LoginCredentialFetcher(
            session_name=self.session_name,
            token_loader=loader,
            client_creator=self._client,
        )
        moment = now or datetime.now(timezone.utc)
        try:
            values = fetcher.load_cached_credentials()
        except LoginTokenLoadError as exc:
            missing = "Unable to load a existing login session" in str(exc)
            raise self._error("no token in the cache" if missing else _reason(exc)) from None
        except (KeyError, TypeError, ValueError):  # unreadable JSON, wrong shapes
            raise self._error("the cached token is unreadable") from None
        expires = _timestamp(values.get("expiry_time"))
        if expires is None:
            raise self._error("the cached token has an unreadable expiresAt")
        if expires - moment <= REFRESH_THRESHOLD:
            if getattr(botocore.compat, "EC", None) is None:  # no CRT: no DPoP signature
                stamp = rfc3339_seconds(expires)
                state = "expired" if expires <= moment else "expires"
                raise self._error(
                    f"they {state} at {stamp}; renewing them needs botocore[crt]: "
                    "pip install 'botocore[crt]' in rolechain's environment"
                )
            try:
                values = fetcher.refresh_credentials()
            except LoginRefreshRequired:
                raise self._error("the session has expired or its credentials changed") from None
            except LoginInsufficientPermissions:
                raise self._error("renewal denied: signin:CreateOAuth2Token is missing") from None
            except (BotoCoreError, ClientError, KeyError, TypeError, ValueError) as exc:
                raise self._error(f"renewal failed: {type(exc).__name__}") from None
            expires = _timestamp(values.get("expiry_time")) or expires
        return Credentials(
            access_key_id=values["access_key"],
            secret_access_key=values["secret_key"],
            session_token=values.get("token") or None,
            expires=expires,
            source=self.name,
            account_id=values.get("account_id") or None,
        )

    def _client(self, service: str, **kwargs: Any) -> Any:
        """botocore's client for the renewal, blind to the user's config files."""
        import botocore.session
        from botocore.config import Config

        from resolver.config.values import environment_endpoint

        configured = environment_endpoint(self._environ, "SIGNIN")
        session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
        session.set_config_variable("config_file", os.devnull)
        session.set_config_variable("ignore_configured_endpoint_urls", True)  # not the process's
        kwargs.setdefault("region_name", self.region or "us-east-1")
        # Pinned, as for every client here: botocore's default retry mode is legacy (5
        # attempts, backoff up to 8 s) before 1.44, the line aiobotocore holds CI to.
        kwargs.setdefault("config", Config(retries={"mode": "standard", "total_max_attempts": 3}))
        if kwargs.get("endpoint_url") is None:
            kwargs["endpoint_url"] = configured
        from resolver.providers.outbound import bound_botocore_client

        return bound_botocore_client(session.create_client(service, **kwargs), self._environ)


def _reason(exc: Exception) -> str:
    """botocore's reason without its own advice (ours follows); never holds a secret."""
    text = str(exc).removeprefix("Error loading login session token: ")
    return text.split(" Please ")[0].rstrip(".")


def _timestamp(value: object) -> datetime | None:
    from botocore.utils import parse_timestamp

    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = parse_timestamp(value)
        except (ValueError, TypeError, OverflowError):
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def build(source: LoginSource, inputs: Inputs) -> Built:
    """The ``aws login`` session's credentials, named by the credentials it reads."""
    provider = LoginProvider(
        source.login_session,
        label=source.profile,
        region=inputs.target.region,
        environ=inputs.ctx.environ,
    )
    return Built(provider, FETCHED)

"""Credentials from ``AWS_ACCESS_KEY_ID`` and friends, and the web-identity variables.

Expirations are read by ``resolver.timefmt.parse_expiration``, as in the other base
providers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from resolver.errors import ProviderError
from resolver.providers.bases.built import Built, Inputs, StepKey
from resolver.stscreds.credentials import Credentials
from resolver.timefmt import parse_expiration as parse_rfc3339

if TYPE_CHECKING:
    from resolver.chain.types import EnvironmentSource

ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
SESSION_TOKEN = "AWS_SESSION_TOKEN"
SECURITY_TOKEN = "AWS_SECURITY_TOKEN"  # legacy name botocore still reads
CREDENTIAL_EXPIRATION = "AWS_CREDENTIAL_EXPIRATION"
ACCOUNT_ID = "AWS_ACCOUNT_ID"
WEB_IDENTITY_TOKEN_FILE = "AWS_WEB_IDENTITY_TOKEN_FILE"
ROLE_ARN = "AWS_ROLE_ARN"
ROLE_SESSION_NAME = "AWS_ROLE_SESSION_NAME"


def has_environment_credentials(environ: Mapping[str, str]) -> bool:
    """True when ``AWS_ACCESS_KEY_ID`` is set and non-empty (botocore's opt-in rule).

    A key id without a secret still counts: ``EnvironmentProvider.retrieve`` then
    reports the missing variable instead of silently falling through.
    """
    env = environ
    return bool(env.get(ACCESS_KEY_ID))


class EnvironmentProvider:
    """Reads the standard credential variables each time ``retrieve`` is called."""

    name = "EnvironmentProvider"

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def __repr__(self) -> str:
        return "EnvironmentProvider()"

    def retrieve(self) -> Credentials:
        """Credentials from the environment; ProviderError naming what is missing or bad."""
        env = self._environ
        access_key_id = env.get(ACCESS_KEY_ID, "")
        secret_access_key = env.get(SECRET_ACCESS_KEY, "")
        missing = [
            var
            for var, value in (
                (ACCESS_KEY_ID, access_key_id),
                (SECRET_ACCESS_KEY, secret_access_key),
            )
            if not value
        ]
        if missing:
            raise ProviderError(f"environment credentials: {' and '.join(missing)} not set")
        session_token = env.get(SESSION_TOKEN) or env.get(SECURITY_TOKEN) or None
        expires = None
        raw_expiration = env.get(CREDENTIAL_EXPIRATION)
        if raw_expiration:
            try:
                expires = parse_rfc3339(raw_expiration)
            except ValueError as exc:
                raise ProviderError(
                    f"environment credentials: {CREDENTIAL_EXPIRATION} is not an RFC 3339 "
                    f"timestamp ({exc})"
                ) from None
        return Credentials(
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            session_token=session_token,
            expires=expires,
            source=self.name,
            account_id=env.get(ACCOUNT_ID) or None,
        )


def web_identity_from_env(
    environ: Mapping[str, str],
) -> tuple[str, str, str | None] | None:
    """``(role_arn, token_file, session_name)`` from the environment, or None.

    None unless ``AWS_WEB_IDENTITY_TOKEN_FILE`` is set; like botocore, a token file
    without ``AWS_ROLE_ARN`` is an error. ``session_name`` is None when
    ``AWS_ROLE_SESSION_NAME`` is unset (the caller picks a default).
    """
    env = environ
    token_file = env.get(WEB_IDENTITY_TOKEN_FILE)
    if not token_file:
        return None
    role_arn = env.get(ROLE_ARN)
    if not role_arn:
        raise ProviderError(f"{WEB_IDENTITY_TOKEN_FILE} is set but {ROLE_ARN} is not")
    return role_arn, token_file, env.get(ROLE_SESSION_NAME) or None


def build(source: EnvironmentSource, inputs: Inputs) -> Built:
    """``AWS_ACCESS_KEY_ID`` and friends; named by the key id they carry. The request key
    of a ready answer holds the ``AWS_*`` variables, so it depends on nothing more."""
    return Built(EnvironmentProvider(inputs.ctx.environ), StepKey())

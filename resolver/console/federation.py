"""The federation endpoint's ``getSigninToken``, and ``GetFederationToken`` for IAM users.

``getSigninToken`` takes the session JSON (``sessionId``, ``sessionKey``,
``sessionToken``) and answers ``{"SigninToken": ...}``: a bearer secret for 15 minutes.
It accepts only credentials from AssumeRole*, IAM Identity Center or GetFederationToken.
Long-term IAM user keys therefore first become a federated-user session through
``GetFederationToken`` (as aws-vault does), named after the IAM user, with an allow-all
inline policy: a federated session's permissions are the intersection of the user's
policies and that one, so exactly the user's own. Nothing here logs a secret, and errors
never quote a response body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from resolver.console.urls import signin_token_query
from resolver.errors import ProviderError, remember
from resolver.providers import outbound
from resolver.providers.sts.factory import StsTarget, make_sts_client
from resolver.stscreds.client import credentials_from_response, translating_errors
from resolver.stscreds.credentials import Credentials

TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 64 * 1024
ALLOW_ALL_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
)
DEFAULT_FEDERATION_SECONDS = 3600
_NAME_CHARS = re.compile(r"[^\w+=,.@-]")


def session_json(credentials: Credentials) -> str:
    """The ``Session`` parameter: the credentials as the federation endpoint wants them."""
    return json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        },
        separators=(",", ":"),
    )


def get_signin_token(
    endpoint: str,
    credentials: Credentials,
    *,
    session_duration: int | None = None,
    seconds: float = TIMEOUT_SECONDS,
    environ: Mapping[str, str],
) -> str:
    """The sign-in token for ``credentials`` (temporary ones: they need a session token);
    the call has ``seconds`` in all, however slowly the endpoint answers; proxy and CA
    bundle from ``environ``."""
    url = f"{endpoint}?{signin_token_query(session_json(credentials), session_duration)}"
    headers = {"Accept": "application/json"}
    try:
        status, _, body = outbound.request(
            "GET",
            url,
            headers,
            seconds=seconds,
            max_bytes=MAX_RESPONSE_BYTES,
            proxy=outbound.environment_proxy(url, environ),
            ca_bundle=environ.get("AWS_CA_BUNDLE") or None,
        )
    except outbound.TransportError as exc:  # its reason never quotes the URL (the secret)
        raise ProviderError(
            f"getSigninToken: could not reach the federation endpoint {endpoint}: {exc.reason}"
        ) from None
    if status != 200:  # a redirect too: the query carries the session's secret key
        raise _refused(status, session_duration)
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError, RecursionError):
        token = None
    if not isinstance(token, str) or not token:
        raise ProviderError("getSigninToken: the federation endpoint returned no SigninToken")
    remember(token)
    return token


def _refused(status: int, session_duration: int | None) -> ProviderError:
    if session_duration is not None:
        hint = (
            "SessionDuration is refused for role-chained credentials and for session keys "
            "that do not come from AssumeRole: try without --duration"
        )
    else:
        hint = (
            "it accepts credentials from AssumeRole*, IAM Identity Center or "
            "GetFederationToken only, not GetSessionToken (MFA) sessions or other session keys"
        )
    return ProviderError(
        f"getSigninToken: the federation endpoint refused the credentials (HTTP {status}); " + hint
    )


def federated_user_name(user_arn: str | None) -> str:
    """GetFederationToken's Name: the IAM user's name (2-32 of ``[\\w+=,.@-]``)."""
    name = (user_arn or "").rsplit("/", 1)[-1] if ":user/" in (user_arn or "") else ""
    name = _NAME_CHARS.sub("-", name)[:32]
    return name if len(name) >= 2 else "rolechain"


def federation_token(
    credentials: Credentials, target: StsTarget, *, duration: int | None, label: str | None
) -> Credentials:
    """A federated-user session of the IAM user whose long-term ``credentials`` sign."""
    client = make_sts_client(credentials, target)
    with translating_errors("GetCallerIdentity", hop=label, client=client):
        arn = client.get_caller_identity().get("Arn")
    params = {
        "Name": federated_user_name(arn if isinstance(arn, str) else None),
        "Policy": ALLOW_ALL_POLICY,
        "DurationSeconds": duration or DEFAULT_FEDERATION_SECONDS,
    }
    with translating_errors("GetFederationToken", hop=label, client=client):
        response = client.get_federation_token(**params)
    return credentials_from_response(
        response, operation="GetFederationToken", source="GetFederationToken", hop=label
    )

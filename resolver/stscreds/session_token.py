"""``SessionTokenProvider``: GetSessionToken, optionally with MFA (an "MFA session").

One MFA code buys session credentials that many AssumeRole hops can then use, so a
user types one code for a whole chain.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resolver.errors import TokenError
from resolver.stscreds.client import (
    GetSessionTokenClient,
    credentials_from_response,
    duration_seconds,
    translating_errors,
)
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.tokens import TokenProvider, get_token_code

DEFAULT_SESSION_DURATION = timedelta(hours=12)


class SessionTokenProvider:
    """Call GetSessionToken with ``client`` (long-term IAM user keys). Not in Go's
    ``stscreds``; kept because an MFA session lets one code serve a whole chain.

    With ``serial_number`` the ``token_provider`` is called on every retrieve and its
    code (checked to be 6 digits) is sent as TokenCode. ``duration`` None lets STS choose.
    ``label`` names the hop in errors. Not caching: wrap in ``CredentialsCache``.
    """

    name = "SessionTokenProvider"

    def __init__(
        self,
        client: GetSessionTokenClient,
        *,
        duration: timedelta | int | None = DEFAULT_SESSION_DURATION,
        serial_number: str | None = None,
        token_provider: TokenProvider | None = None,
        label: str | None = None,
    ) -> None:
        self.client = client
        self.duration_seconds = duration_seconds(duration, None)
        self.serial_number = serial_number
        self.token_provider = token_provider
        self.label = label
        if serial_number and token_provider is None:
            raise TokenError(
                f"MFA device {serial_number} is set but no token_provider was given",
                hop=label,
            )

    def __repr__(self) -> str:
        return f"SessionTokenProvider(serial_number={self.serial_number!r}, label={self.label!r})"

    def retrieve(self) -> Credentials:
        """Call GetSessionToken (asking for an MFA code first when configured)."""
        params: dict[str, Any] = {}
        if self.duration_seconds is not None:
            params["DurationSeconds"] = self.duration_seconds
        if self.serial_number and self.token_provider is not None:
            params["SerialNumber"] = self.serial_number
            params["TokenCode"] = get_token_code(
                self.token_provider, self.serial_number, self.label
            )
        with translating_errors("GetSessionToken", hop=self.label, client=self.client):
            response = self.client.get_session_token(**params)
        return credentials_from_response(
            response, operation="GetSessionToken", source=self.name, hop=self.label
        )

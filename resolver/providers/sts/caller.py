"""The STS client a hop calls through: signed by the previous step's current credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resolver.providers.sts.factory import StsTarget
from resolver.providers.sts.pool import shared_sts_client, signed_by
from resolver.stscreds.credentials import CredentialsProvider


class CallerBoundStsClient:
    """An STS client (``resolver.stscreds``' client protocols) signed by a caller
    provider's current credentials.

    Every call goes through the process's one botocore client for the STS target
    (``resolver.providers.sts.pool``), signed by exactly the credentials the caller gives
    at the moment of the call; ``caller=None`` makes unsigned calls (web identity).
    """

    def __init__(self, caller: CredentialsProvider | None, target: StsTarget) -> None:
        self._caller = caller
        self._target = target

    @property
    def meta(self) -> Any:
        """The shared botocore client's ``meta`` (its retry configuration, endpoint)."""
        return shared_sts_client(self._target, signed=self._caller is not None).meta

    def _call(self, operation: str, kwargs: dict[str, Any]) -> Mapping[str, Any]:
        credentials = self._caller.retrieve() if self._caller is not None else None
        client = shared_sts_client(self._target, signed=credentials is not None)
        with signed_by(credentials):
            response: Mapping[str, Any] = getattr(client, operation)(**kwargs)
        return response

    def assume_role(self, **kwargs: Any) -> Mapping[str, Any]:
        """AssumeRole, signed by the caller."""
        return self._call("assume_role", kwargs)

    def assume_role_with_web_identity(self, **kwargs: Any) -> Mapping[str, Any]:
        """AssumeRoleWithWebIdentity (unsigned)."""
        return self._call("assume_role_with_web_identity", kwargs)

    def get_session_token(self, **kwargs: Any) -> Mapping[str, Any]:
        """GetSessionToken, signed by the caller (long-term keys)."""
        return self._call("get_session_token", kwargs)

    def assume_role_with_saml(self, **kwargs: Any) -> Mapping[str, Any]:
        """AssumeRoleWithSAML (unsigned: the assertion is the proof)."""
        return self._call("assume_role_with_saml", kwargs)

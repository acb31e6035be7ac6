"""The STS client a hop calls through: signed by the previous step's current credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from resolver.providers.sts.factory import StsTarget
from resolver.stscreds.credentials import CredentialsProvider

if TYPE_CHECKING:
    from resolver.providers.sts.lite import LiteStsClient


class CallerBoundStsClient:
    """An STS client (``resolver.stscreds``' client protocols) signed by a caller
    provider's current credentials.

    Every call goes through the process's one STS client for the target
    (``resolver.providers.sts.pool``), signed by exactly the credentials the caller gives
    at the moment of the call; ``caller=None`` makes unsigned calls (web identity, SAML).
    """

    def __init__(self, caller: CredentialsProvider | None, target: StsTarget) -> None:
        self._caller = caller
        self._target = target

    @property
    def meta(self) -> Any:
        """The shared client's ``meta`` (its endpoint, retry configuration)."""
        return self._client().meta

    def _client(self) -> LiteStsClient:
        """The process's client for the target; the STS client's modules (its HTTP
        transport...) load on the first call, so a chain that makes none never pays them."""
        from resolver.providers.sts.pool import shared_sts_client

        return shared_sts_client(self._target, signed=self._caller is not None)

    def _call(self, operation: str, kwargs: dict[str, Any]) -> Mapping[str, Any]:
        credentials = self._caller.retrieve() if self._caller is not None else None
        return self._client().call(operation, kwargs, credentials)

    def assume_role(self, **kwargs: Any) -> Mapping[str, Any]:
        """AssumeRole, signed by the caller."""
        return self._call("AssumeRole", kwargs)

    def assume_role_with_web_identity(self, **kwargs: Any) -> Mapping[str, Any]:
        """AssumeRoleWithWebIdentity (unsigned)."""
        return self._call("AssumeRoleWithWebIdentity", kwargs)

    def get_session_token(self, **kwargs: Any) -> Mapping[str, Any]:
        """GetSessionToken, signed by the caller (long-term keys)."""
        return self._call("GetSessionToken", kwargs)

    def assume_role_with_saml(self, **kwargs: Any) -> Mapping[str, Any]:
        """AssumeRoleWithSAML (unsigned: the assertion is the proof)."""
        return self._call("AssumeRoleWithSAML", kwargs)

"""``WebIdentityRoleProvider``: AssumeRoleWithWebIdentity with an OIDC token (EKS/IRSA, CI).

The token is read from its retriever on every attempt (token files rotate) and never
appears in a repr, log or error. The call is unsigned: the client needs no credentials.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from resolver.errors import ProviderError, StsError, remember
from resolver.stscreds.client import (
    StsClient,
    credentials_from_response,
    duration_seconds,
    generate_session_name,
    policy_descriptors,
    translating_errors,
)
from resolver.stscreds.credentials import Credentials

RETRYABLE_CODES = frozenset({"InvalidIdentityToken", "IDPCommunicationError"})
"""STS codes retried with a freshly read token (Go retries InvalidIdentityToken too)."""

_sleep = time.sleep  # replaced in tests


@runtime_checkable
class IdentityTokenRetriever(Protocol):
    """Anything that returns the current web identity token (a JWT)."""

    def get_identity_token(self) -> str: ...


class WebIdentityRoleProvider:
    """Assume ``role_arn`` with the token from ``token_retriever``.

    ``duration`` None lets STS choose (DurationSeconds is not sent). Without
    ``role_session_name`` each call uses a fresh generated name. InvalidIdentityToken and
    IDPCommunicationError are retried up to ``max_attempts`` calls in all, re-reading the
    token each time. ``label`` names the hop in errors (default: the role ARN).
    """

    name = "WebIdentityCredentials"

    def __init__(
        self,
        client: StsClient,
        role_arn: str,
        token_retriever: IdentityTokenRetriever,
        *,
        role_session_name: str | None = None,
        duration: timedelta | int | None = None,
        policy: str | None = None,
        policy_arns: Iterable[str] = (),
        label: str | None = None,
        max_attempts: int = 3,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.client = client
        self.role_arn = role_arn
        self.token_retriever = token_retriever
        self.role_session_name = role_session_name
        self.duration_seconds = duration_seconds(duration, None)
        self.policy = policy
        self.policy_arns = tuple(policy_arns)
        self.label = label
        self.max_attempts = max_attempts

    @property
    def hop(self) -> str:
        """How errors name this hop."""
        return self.label or self.role_arn

    def __repr__(self) -> str:
        return (
            f"WebIdentityRoleProvider(role_arn={self.role_arn!r}, "
            f"token_retriever={self.token_retriever!r}, label={self.label!r})"
        )

    def _request(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": self.role_session_name or generate_session_name(),
        }
        if self.duration_seconds is not None:
            params["DurationSeconds"] = self.duration_seconds
        if self.policy:
            params["Policy"] = self.policy
        if self.policy_arns:
            params["PolicyArns"] = policy_descriptors(self.policy_arns)
        return params

    def _token(self) -> str:
        try:
            token = self.token_retriever.get_identity_token()
            remember(token)
            return token
        except ProviderError as exc:
            if exc.hop is None:
                exc.hop = self.hop
            raise

    def retrieve(self) -> Credentials:
        """Call AssumeRoleWithWebIdentity with the current token."""
        params = self._request()
        for attempt in range(1, self.max_attempts + 1):
            try:
                with translating_errors(
                    "AssumeRoleWithWebIdentity", hop=self.hop, client=self.client
                ):
                    response = self.client.assume_role_with_web_identity(
                        WebIdentityToken=self._token(), **params
                    )
            except StsError as exc:
                if exc.code not in RETRYABLE_CODES or attempt == self.max_attempts:
                    raise
                _sleep(random.uniform(0, 0.2 * 2**attempt))
                continue
            return credentials_from_response(
                response, operation="AssumeRoleWithWebIdentity", source=self.name, hop=self.hop
            )
        raise AssertionError("unreachable")  # pragma: no cover

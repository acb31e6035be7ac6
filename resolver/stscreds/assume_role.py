"""``AssumeRoleProvider``: temporary credentials from STS AssumeRole (Go's ``stscreds``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from resolver.errors import TokenError
from resolver.stscreds.client import (
    AssumeRoleClient,
    credentials_from_response,
    duration_seconds,
    generate_session_name,
    translating_errors,
)
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.options import PolicyArns, Tags, policy_arn_list, string_list, tag_pairs
from resolver.stscreds.tokens import TokenProvider, get_token_code

DEFAULT_DURATION = timedelta(minutes=15)
"""Go's ``DefaultDuration``: refresh as often as STS allows."""

PROVIDER_NAME = "AssumeRoleProvider"
"""Go's ``ProviderName``: the ``source`` of the credentials this provider returns."""


class AssumeRoleProvider:
    """Assume ``role_arn`` with ``client`` (which holds the caller's credentials): Go's
    ``NewAssumeRoleProvider`` with its ``AssumeRoleOptions`` as keyword arguments.

    Only options that are set are sent. ``duration`` is a ``timedelta`` or int seconds
    (default ``DEFAULT_DURATION``). ``policy_arns`` takes ARN strings or boto3's
    ``[{"arn": ...}]``; ``tags`` a mapping, boto3's ``[{"Key": ..., "Value": ...}]`` or
    ``(key, value)`` pairs; a bare ``str`` where a sequence is expected is a ``TypeError``.
    Without ``role_session_name`` one is generated at construction
    (``rolechain-<unix ns>-<hex>``, see ``SESSION_NAME_PREFIX``; ``clock`` gives its time)
    and kept for every retrieve, as Go keeps its ``aws-go-sdk-<ns>``. With
    ``serial_number`` the ``token_provider`` is called on every retrieve and its code
    (checked to be 6 digits, a deliberate difference) is sent as TokenCode;
    ``serial_number`` without ``token_provider`` is a ``TokenError`` at construction, and
    ``token_provider`` without ``serial_number`` is ignored, as in Go.
    ``label`` names the hop in errors (default: the role ARN). Not caching: wrap it in
    ``CredentialsCache``. Safe to share between threads.
    """

    name = PROVIDER_NAME

    def __init__(
        self,
        client: AssumeRoleClient,
        role_arn: str,
        *,
        role_session_name: str | None = None,
        duration: timedelta | int | None = DEFAULT_DURATION,
        external_id: str | None = None,
        policy: str | None = None,
        policy_arns: PolicyArns = (),
        serial_number: str | None = None,
        token_provider: TokenProvider | None = None,
        source_identity: str | None = None,
        tags: Tags = (),
        transitive_tag_keys: Iterable[str] = (),
        label: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.role_arn = role_arn
        self.label = label
        self.role_session_name = role_session_name or generate_session_name(clock=clock)
        self.duration_seconds = duration_seconds(duration, DEFAULT_DURATION)
        self.external_id = external_id
        self.policy = policy
        self.policy_arns = policy_arn_list(policy_arns)
        self.serial_number = serial_number
        self.token_provider = token_provider
        self.source_identity = source_identity
        self.tags = tag_pairs(tags)
        self.transitive_tag_keys = string_list("transitive_tag_keys", transitive_tag_keys)
        if serial_number and token_provider is None:
            raise TokenError(
                f"role requires MFA device {serial_number} but no token_provider was given",
                hop=self.hop,
            )

    @property
    def hop(self) -> str:
        """How errors name this hop."""
        return self.label or self.role_arn

    def __repr__(self) -> str:
        return f"AssumeRoleProvider(role_arn={self.role_arn!r}, label={self.label!r})"

    def request(self) -> dict[str, Any]:
        """The AssumeRole parameters, without the MFA code (not yet asked for)."""
        params: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": self.role_session_name,
        }
        optional: dict[str, Any] = {
            "DurationSeconds": self.duration_seconds,
            "ExternalId": self.external_id,
            "Policy": self.policy,
            "PolicyArns": [{"arn": arn} for arn in self.policy_arns],
            "SourceIdentity": self.source_identity,
            "Tags": [{"Key": key, "Value": value} for key, value in self.tags],
            "TransitiveTagKeys": list(self.transitive_tag_keys),
            "SerialNumber": self.serial_number,
        }
        params.update((key, value) for key, value in optional.items() if value)
        return params

    def retrieve(self) -> Credentials:
        """Call AssumeRole (asking for an MFA code first when configured)."""
        params = self.request()
        if self.serial_number and self.token_provider is not None:
            params["TokenCode"] = get_token_code(self.token_provider, self.serial_number, self.hop)
        with translating_errors("AssumeRole", hop=self.hop, client=self.client):
            response = self.client.assume_role(**params)
        return credentials_from_response(
            response, operation="AssumeRole", source=self.name, hop=self.hop
        )

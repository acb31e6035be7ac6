"""``AssumeRoleProvider``: temporary credentials from STS AssumeRole (Go's ``stscreds``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, TypeAlias

from resolver.errors import TokenError
from resolver.stscreds.client import (
    StsClient,
    credentials_from_response,
    duration_seconds,
    generate_session_name,
    policy_descriptors,
    translating_errors,
)
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.tokens import TokenProvider, get_token_code

DEFAULT_DURATION = timedelta(minutes=15)
"""Go's ``DefaultDuration``: refresh as often as STS allows."""

Tags: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]


def _tag_pairs(tags: Tags) -> tuple[tuple[str, str], ...]:
    items = tags.items() if isinstance(tags, Mapping) else tags
    return tuple((str(key), str(value)) for key, value in items)


class AssumeRoleProvider:
    """Assume ``role_arn`` with ``client`` (which holds the caller's credentials).

    Options mirror Go's ``AssumeRoleOptions``; only options that are set are sent.
    Without ``role_session_name`` each call uses a fresh generated name. With
    ``serial_number`` the ``token_provider`` is called on every retrieve and its code
    (checked to be 6 digits) is sent as TokenCode; ``token_provider`` without a serial is
    ignored, as in Go. ``label`` names the hop in errors (default: the role ARN).
    Not caching: wrap in ``CredentialsCache``. Safe to share between threads.
    """

    name = "AssumeRoleProvider"

    def __init__(
        self,
        client: StsClient,
        role_arn: str,
        *,
        role_session_name: str | None = None,
        duration: timedelta | int | None = DEFAULT_DURATION,
        external_id: str | None = None,
        policy: str | None = None,
        policy_arns: Iterable[str] = (),
        serial_number: str | None = None,
        token_provider: TokenProvider | None = None,
        source_identity: str | None = None,
        tags: Tags = (),
        transitive_tag_keys: Iterable[str] = (),
        label: str | None = None,
    ) -> None:
        self.client = client
        self.role_arn = role_arn
        self.label = label
        self.role_session_name = role_session_name
        self.duration_seconds = duration_seconds(duration, DEFAULT_DURATION)
        self.external_id = external_id
        self.policy = policy
        self.policy_arns = tuple(policy_arns)
        self.serial_number = serial_number
        self.token_provider = token_provider
        self.source_identity = source_identity
        self.tags = _tag_pairs(tags)
        self.transitive_tag_keys = tuple(transitive_tag_keys)
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
            "RoleSessionName": self.role_session_name or generate_session_name(),
        }
        optional: dict[str, Any] = {
            "DurationSeconds": self.duration_seconds,
            "ExternalId": self.external_id,
            "Policy": self.policy,
            "PolicyArns": policy_descriptors(self.policy_arns),
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

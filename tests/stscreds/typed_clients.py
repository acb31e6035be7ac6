"""Checked by mypy --strict in test_client_typing.py: a boto3 client, a typed
mypy_boto3_sts client and plain stubs are all accepted where the providers take a client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
from mypy_boto3_sts import STSClient

from resolver.stscreds import (
    AssumeRoleClient,
    AssumeRoleProvider,
    AssumeRoleWithWebIdentityClient,
    CredentialsCache,
    GetSessionTokenClient,
    IdentityTokenFile,
    SessionTokenProvider,
    WebIdentityRoleProvider,
)


class Stub:
    def assume_role(self, **kwargs: Any) -> dict[str, Any]:
        return {}

    def assume_role_with_web_identity(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_session_token(self, **kwargs: Any) -> dict[str, object]:
        return {}


def typed(sts: STSClient) -> None:
    AssumeRoleProvider(sts, "arn", tags={"k": "v"}, policy_arns=[{"arn": "a"}])
    WebIdentityRoleProvider(sts, "arn", IdentityTokenFile("/t"), policy_arns=["a"])
    SessionTokenProvider(sts)
    clients: tuple[AssumeRoleClient, AssumeRoleWithWebIdentityClient, GetSessionTokenClient]
    clients = (sts, sts, sts)
    assert clients


def untyped() -> None:
    sts = boto3.client("sts")
    CredentialsCache(AssumeRoleProvider(sts, "arn", tags=[{"Key": "k", "Value": "v"}]))
    stub = Stub()
    AssumeRoleProvider(stub, "arn", tags=[("k", "v")], transitive_tag_keys=["k"])
    WebIdentityRoleProvider(stub, "arn", IdentityTokenFile("/t"))
    SessionTokenProvider(stub)


class WrongReturn:
    def assume_role(self, **kwargs: Any) -> str:
        return ""


def rejected() -> None:
    AssumeRoleProvider(WrongReturn(), "arn")  # error: the protocol requires a Mapping
    AssumeRoleProvider(object(), "arn")  # error: no assume_role

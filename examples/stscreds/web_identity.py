"""Assume a role with a web identity token read from a file (EKS IRSA, GitHub Actions
OIDC): the Go SDK's ``NewWebIdentityRoleProvider`` with ``IdentityTokenFile``.

    python examples/stscreds/web_identity.py ROLE_ARN TOKEN_FILE

The file is read again on every call to STS (the token rotates), and AssumeRoleWithWebIdentity
is not signed: this needs no AWS credentials. Without ``duration`` no DurationSeconds is
sent and STS picks the default, as in Go.
"""

from __future__ import annotations

import sys

import boto3

from resolver.stscreds import CredentialsCache, IdentityTokenFile, WebIdentityRoleProvider


def main(role_arn: str, token_file: str) -> None:
    provider = WebIdentityRoleProvider(
        boto3.client("sts"),
        role_arn,
        IdentityTokenFile(token_file),
        role_session_name="example-web-identity",
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    )
    credentials = CredentialsCache(provider).retrieve()
    print(f"assumed: {credentials.access_key_id} (from {credentials.source})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""Assume a role and cache its credentials: the Go SDK's first ``stscreds`` example,
with the options Go's ``AssumeRoleOptions`` adds.

    python examples/stscreds/assume_role.py ROLE_ARN

boto3 finds the caller's credentials and the STS endpoint as usual (the environment,
``~/.aws``; ``AWS_ENDPOINT_URL_STS`` points it at a local STS). Prints the access key id
of the assumed session before and after a forced refresh, never a secret.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import boto3

from resolver.stscreds import AssumeRoleProvider, CredentialsCache


def main(role_arn: str) -> None:
    provider = AssumeRoleProvider(
        boto3.client("sts"),
        role_arn,
        duration=timedelta(hours=1),
        external_id="example-external-id",
        source_identity="alice",
        tags={"team": "platform", "cost-center": "4242"},
        transitive_tag_keys=["team"],
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    )
    credentials = CredentialsCache(provider, expiry_window=timedelta(minutes=5))
    first = credentials.retrieve()
    print(f"assumed: {first.access_key_id} (account {first.account_id}, from {first.source})")
    credentials.invalidate()  # the next retrieve calls STS again, with the same session name
    print(f"refreshed: {credentials.retrieve().access_key_id}")


if __name__ == "__main__":
    main(sys.argv[1])

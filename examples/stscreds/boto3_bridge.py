"""Hand a provider to boto3: ``boto3_session`` returns a ``boto3.Session`` whose
credentials refresh through the cache (Go: ``cfg.Credentials = aws.NewCredentialsCache(p)``).

    python examples/stscreds/boto3_bridge.py ROLE_ARN

Makes three calls with the session's STS client; the role is assumed once, because
botocore's refresh windows are derived from the cache's ``expiry_window``.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import boto3

from resolver.stscreds import AssumeRoleProvider, CredentialsCache, boto3_session


def main(role_arn: str) -> None:
    provider = AssumeRoleProvider(boto3.client("sts"), role_arn, tags={"team": "platform"})
    credentials = CredentialsCache(provider, expiry_window=timedelta(minutes=5))
    session = boto3_session(credentials, region_name="us-east-1")
    sts = session.client("sts")
    for _ in range(3):
        print(f"caller: {sts.get_caller_identity()['Arn']}")
    print(f"assumed: {credentials.retrieve().access_key_id}")


if __name__ == "__main__":
    main(sys.argv[1])

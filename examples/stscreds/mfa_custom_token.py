"""Assume a role that requires MFA, with a token provider of your own: the Go SDK's
second ``stscreds`` example ("Assume Role with custom MFA Token provider").

    MFA_TOKEN_CODE=123456 python examples/stscreds/mfa_custom_token.py ROLE_ARN MFA_SERIAL

A token provider is any function that takes no argument and returns the 6-digit code;
it is called on every call to STS (each refresh), never cached. This one reads the code
from ``MFA_TOKEN_CODE``, as a CI job handed a code might; a real one could ask a
password manager or a YubiKey.
"""

from __future__ import annotations

import os
import sys

import boto3

from resolver.stscreds import AssumeRoleProvider, CredentialsCache

calls = 0


def token_from_environment() -> str:
    """The MFA code from ``MFA_TOKEN_CODE`` (checked to be 6 digits by the provider)."""
    global calls
    calls += 1
    return os.environ["MFA_TOKEN_CODE"]


def main(role_arn: str, serial_number: str) -> None:
    provider = AssumeRoleProvider(
        boto3.client("sts"),
        role_arn,
        serial_number=serial_number,
        token_provider=token_from_environment,
    )
    credentials = CredentialsCache(provider)
    print(f"assumed: {credentials.retrieve().access_key_id}")
    credentials.invalidate()
    print(f"refreshed: {credentials.retrieve().access_key_id}")
    print(f"token provider called {calls} times")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""Assume a role that requires MFA, asking for the code on stdin: the Go SDK's third
``stscreds`` example ("Assume Role with MFA Token Provider", ``StdinTokenProvider``).

    python examples/stscreds/mfa_stdin.py ROLE_ARN MFA_SERIAL

The prompt goes to stderr (stdout may carry credentials); the code is read from one
line of stdin and must be 6 digits.
"""

from __future__ import annotations

import sys

import boto3

from resolver.stscreds import AssumeRoleProvider, CredentialsCache, stdin_token_provider


def main(role_arn: str, serial_number: str) -> None:
    provider = AssumeRoleProvider(
        boto3.client("sts"),
        role_arn,
        serial_number=serial_number,
        token_provider=stdin_token_provider,
    )
    credentials = CredentialsCache(provider).retrieve()
    print(f"assumed: {credentials.access_key_id} until {credentials.expires:%H:%M:%S} UTC")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

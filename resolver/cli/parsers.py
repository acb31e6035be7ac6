"""argparse definitions of ``rolechain console`` and ``rolechain sso`` (kept out of
``main.py``, which only registers them)."""

from __future__ import annotations

import argparse
from typing import Any

CONSOLE_EPILOG = """\
The profile's chain is resolved, then the federation endpoint (getSigninToken) turns the
final credentials into a sign-in URL. Long-term IAM user keys first become a federated
user session (GetFederationToken, with the user's own permissions); an MFA session
(GetSessionToken) cannot sign in to the console: use a role.

The endpoint follows the partition of the final role (or of the region):
signin.aws.amazon.com, signin.amazonaws-us-gov.com, signin.amazonaws.cn.
ROLECHAIN_FEDERATION_ENDPOINT overrides it (https, or http on loopback).

A TOML profile may set console_browser = "firefox -P work --new-tab {url}": the URL
replaces {url} inside one argument, never through a shell.

The URL signs in whoever holds it for 15 minutes: it is printed only with --print.

examples:
  rolechain console prod-admin
  rolechain console prod-admin --service s3 --region eu-west-1
  rolechain console prod-admin --print | pbcopy
"""

SSO_LOGIN_EPILOG = """\
Runs IAM Identity Center's device authorization (sso-oidc RegisterClient,
StartDeviceAuthorization, then CreateToken at the pace the service asks for) and saves
the token to ~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL>.json
in botocore's format, so rolechain, boto3 and the AWS CLI share one login.

Parallel logins for the same session start one flow: the others wait for it (bounded
by ROLECHAIN_LOCK_TIMEOUT) and use its token. No token is ever printed.

examples:
  rolechain sso login dev-admin
  rolechain sso login --sso-session corp --no-browser
"""


def add_console_parser(commands: Any) -> None:
    """``rolechain console``."""
    from resolver.cli.cmd_console import duration_argument

    cmd = commands.add_parser(
        "console",
        help="open the AWS console signed in as a profile",
        description="Open the AWS Management Console signed in with a profile's credentials.",
        epilog=CONSOLE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("profile", nargs="?", help="profile (default: $AWS_PROFILE or default)")
    cmd.add_argument(
        "--print", action="store_true", help="print the sign-in URL instead of opening a browser"
    )
    page = cmd.add_mutually_exclusive_group()
    page.add_argument("--destination", metavar="URL", help="console page to open (https)")
    page.add_argument("--service", metavar="NAME", help="service console to open, e.g. s3")
    cmd.add_argument("--region", help="console region (default: AWS_REGION or the profile's)")
    cmd.add_argument(
        "--duration",
        type=duration_argument,
        metavar="DURATION",
        help="console session length, 15m to 12h (e.g. 4h); not for role-chained credentials",
    )


def add_sso_parser(commands: Any) -> None:
    """``rolechain sso login``."""
    cmd = commands.add_parser(
        "sso",
        help="IAM Identity Center: log in",
        description="IAM Identity Center (SSO) commands.",
    )
    actions = cmd.add_subparsers(
        dest="sso_command", metavar="ACTION", required=True, prog="rolechain sso"
    )
    login = actions.add_parser(
        "login",
        help="log in to an SSO session (device authorization)",
        description="Log in to IAM Identity Center and cache the token for every AWS tool.",
        epilog=SSO_LOGIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = login.add_mutually_exclusive_group()
    which.add_argument("profile", nargs="?", help="an SSO profile (default: $AWS_PROFILE)")
    which.add_argument("--sso-session", metavar="NAME", help="an sso-session section instead")
    login.add_argument(
        "--no-browser", action="store_true", help="print the verification URL, don't open it"
    )

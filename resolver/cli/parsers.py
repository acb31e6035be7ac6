"""argparse definitions of ``rolechain export``, ``console``, ``sso`` and ``keys`` (kept
out of ``main.py``, which only registers them)."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Mapping
from typing import Any

EXPORT_FORMAT_HELP = {
    "env": "export lines for sh, bash and zsh; unset what it does not set",
    "fish": "set -gx lines for fish; set -e what it does not set",
    "powershell": "$Env: lines for PowerShell; Remove-Item what it does not set",
    "cmd": 'set "NAME=value" lines for cmd.exe; clear what it does not set',
    "dotenv": "NAME=value lines (docker run --env-file); empty what it does not set",
    "json": "the environment variables as a JSON object",
    "credential-process": "the AWS credential_process JSON (Version 1)",
    "ini": "a [profile] section for a credentials file",
}
"""One line per ``--format`` (``resolver.cli.fastpath.EXPORT_FORMATS``), for ``--help``."""


def export_epilog(formats: tuple[str, ...]) -> str:
    """``export --help``'s text: every format of ``formats``, then examples."""
    width = max(map(len, formats))
    lines = [f"  {name:<{width}}  {EXPORT_FORMAT_HELP[name]}" for name in formats]
    return (
        "Resolves the profile's chain and prints its credentials. Formats:\n"
        + "\n".join(lines)
        + """

examples:
  eval "$(rolechain export prod-admin)"
  rolechain export prod-admin --format fish | source
  credential_process = /abs/path/rolechain export prod-admin --format credential-process
"""
    )


ACTION_HELP: Mapping[str, tuple[str, str]] = {
    "keys add": (
        "Store a profile's long-term keys in the OS keyring: typed at a prompt (the secret "
        "is not echoed), or read with --stdin as JSON.",
        "  rolechain keys add work\n  rolechain keys add ci --stdin < keys.json",
    ),
    "keys import": (
        "Copy a profile's keys from the shared credentials file into the OS keyring. With "
        "--remove-plaintext the keys are then deleted from the file (after a 0600 backup) and "
        "the profile gets credential_store = keyring.",
        "  rolechain keys import work --remove-plaintext",
    ),
    "keys list": (
        "List the profiles whose keys are in the OS keyring, with their access key ids "
        "(never a secret).",
        "  rolechain keys list",
    ),
    "keys remove": (
        "Delete a profile's keys from the OS keyring, after asking (--yes: without asking).",
        "  rolechain keys remove work\n  rolechain keys remove ci --yes",
    ),
    "keys rotate": (
        "Rotate the long-term keys at the base of a profile's chain: IAM CreateAccessKey, "
        "wait until the new key works, store it where the old one was (keyring or "
        "credentials file), then DeleteAccessKey of the old one.",
        "  rolechain keys rotate work",
    ),
    "cache list": (
        "List the cached sessions: profile, hop, caller, role and expiry (never a secret).",
        "  rolechain cache list",
    ),
    "cache clear": (
        "Remove every cached session, or those of one profile and the chains built on it.",
        "  rolechain cache clear\n  rolechain cache clear prod-admin",
    ),
}
"""Description and examples of each action of ``keys`` and ``cache`` (``describe_actions``)."""


def describe_actions(actions: Any, command: str) -> None:
    """Give each parser of ``actions`` without its own text the description and examples
    of ``ACTION_HELP``, formatted as written."""
    for name, parser in actions.choices.items():
        texts = ACTION_HELP.get(f"{command} {name}")
        if parser.description is None and texts is not None:
            description, examples = texts
            parser.description = textwrap.fill(description, 88)
            parser.epilog = f"example{'s' if chr(10) in examples else ''}:\n{examples}\n"
            parser.formatter_class = argparse.RawDescriptionHelpFormatter


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
  rolechain console prod-admin --mfa-token 123456
"""

SSO_EPILOG = """\
Run `rolechain sso ACTION --help` for an action's options.

examples:
  rolechain sso login dev-admin
  rolechain sso populate --sso-session corp
"""

SSO_POPULATE_EPILOG = """\
Lists the accounts and roles the sso-session's cached token can reach (the SSO portal's
ListAccounts and ListAccountRoles; AWS_ENDPOINT_URL_SSO redirects it) and writes a TOML
profile for each (sso_session, sso_account_id, sso_role_name) into the sso-session's
block of the TOML file rolechain reads. A later run rewrites only that block: profiles
of roles that are gone are removed, every other byte stays; the old file is backed up.
--name fields: {account_name} {account_id} {role_name} {sso_session}; a name that is a
profile you wrote is refused. Log in first with `rolechain sso login --sso-session NAME`.

examples:
  rolechain sso populate --sso-session corp --dry-run
  rolechain sso populate --sso-session corp --name 'corp.{account_name}.{role_name}'
  rolechain sso populate --sso-session corp --region eu-west-1
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


def add_export_parser(commands: Any) -> None:
    """``rolechain export``: its flags are ``resolver.cli.fastpath.EXPORT_FLAGS``, the
    table the warm path's parser is made from too."""
    from resolver.cli.fastpath import EXPORT_FLAGS, EXPORT_FORMATS, OVERRIDE_FLAGS
    from resolver.cli.overrides_args import add_flags, add_override_flags

    cmd = commands.add_parser(
        "export", help="print credentials for a profile", epilog=export_epilog(EXPORT_FORMATS)
    )
    cmd.add_argument("profile", nargs="?", help="profile (default: $AWS_PROFILE or default)")
    add_flags(cmd, (flag for flag in EXPORT_FLAGS if flag not in OVERRIDE_FLAGS))
    add_override_flags(cmd)


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
    cmd.add_argument("--mfa-token", metavar="CODE", help="MFA code, instead of a prompt")


def add_sso_parser(commands: Any) -> None:
    """``rolechain sso login`` and ``populate``."""
    cmd = commands.add_parser(
        "sso",
        help="IAM Identity Center: log in, or write profiles for every account and role",
        description="IAM Identity Center (SSO) commands: `login` starts a device "
        "authorization\nand caches the token where the AWS CLI and boto3 find it; `populate`"
        "\nwrites a profile for every account and role the token can reach.",
        epilog=SSO_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    add_sso_populate_parser(actions)


def add_sso_populate_parser(actions: Any) -> None:
    """``rolechain sso populate`` (its ``--name`` default is ``sso_profiles.DEFAULT_TEMPLATE``,
    applied by ``resolver.cli.sso_populate``: every command builds this parser)."""
    populate = actions.add_parser(
        "populate",
        help="write a TOML profile for every account and role of an SSO session",
        description="Write a profile for every account and role an SSO session can reach.",
        epilog=SSO_POPULATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    populate.add_argument(
        "--sso-session", metavar="NAME", required=True, help="the sso-session to list"
    )
    populate.add_argument(
        "--name",
        metavar="TEMPLATE",
        help="profile name template (default: {account_name}.{role_name})",
    )
    populate.add_argument("--region", help="region = REGION in every generated profile")
    populate.add_argument(
        "--file", metavar="PATH", help="the TOML file to write (default: the one rolechain reads)"
    )
    populate.add_argument(
        "--dry-run", action="store_true", help="print the change as a diff, write nothing"
    )


KEYS_EPILOG = """\
Keys live in the OS keyring (service rolechain, user = the profile name); a profile
uses them with `credential_store = keyring`. Nothing prints a secret.

examples:
  rolechain keys import work --remove-plaintext
  rolechain keys add ci --stdin < keys.json
  rolechain keys rotate work
"""


def add_keys_parser(commands: Any) -> None:
    """``rolechain keys add|import|list|remove|rotate``."""
    cmd = commands.add_parser(
        "keys",
        help="keep long-term keys in the OS keyring; rotate them",
        description="Long-term IAM user keys in the OS keyring.",
        epilog=KEYS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = cmd.add_subparsers(
        dest="keys_command", metavar="ACTION", required=True, prog="rolechain keys"
    )
    add = actions.add_parser("add", help="store a profile's keys (prompted, or --stdin JSON)")
    add.add_argument("profile", help="profile")
    add.add_argument(
        "--stdin", action="store_true", help='read {"AccessKeyId","SecretAccessKey"} JSON'
    )
    imp = actions.add_parser("import", help="move a profile's keys from ~/.aws/credentials")
    imp.add_argument("profile", help="profile")
    imp.add_argument(
        "--remove-plaintext",
        action="store_true",
        help="then delete them from the credentials file (after a 0600 backup)",
    )
    actions.add_parser("list", help="profiles with keys in the keyring (access key ids only)")
    remove = actions.add_parser("remove", help="delete a profile's keyring entry")
    remove.add_argument("profile", help="profile")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rotate = actions.add_parser(
        "rotate", help="create a new IAM access key, store it, delete the old one"
    )
    rotate.add_argument("profile", help="profile whose base keys to rotate")
    rotate.add_argument(
        "--yes", action="store_true", help="do not ask for confirmation (needed without a terminal)"
    )
    describe_actions(actions, "keys")

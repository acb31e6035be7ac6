"""``rolechain export``: credentials as shell lines, JSON, credential_process or INI."""

from __future__ import annotations

import argparse
import json
import os
import shlex
from datetime import datetime, timezone

from resolver.providers.credentials import Credentials


def rfc3339(moment: datetime) -> str:
    """``2026-11-29T16:00:00Z``: UTC, seconds, as the AWS tools write it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_variables(credentials: Credentials, region: str | None) -> dict[str, str]:
    """The environment variables that carry ``credentials`` (and the region, if known)."""
    variables = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
    }
    if credentials.session_token:
        variables["AWS_SESSION_TOKEN"] = credentials.session_token
    if credentials.expires:
        variables["AWS_CREDENTIAL_EXPIRATION"] = rfc3339(credentials.expires)
    if region:
        variables["AWS_REGION"] = variables["AWS_DEFAULT_REGION"] = region
    return variables


def render(credentials: Credentials, fmt: str, *, profile: str, region: str | None) -> str:
    """``credentials`` in one of the export formats."""
    if fmt == "credential-process":
        document: dict[str, object] = {
            "Version": 1,
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
        }
        if credentials.session_token:
            document["SessionToken"] = credentials.session_token
        if credentials.expires:
            document["Expiration"] = rfc3339(credentials.expires)
        if credentials.account_id:
            document["AccountId"] = credentials.account_id
        return json.dumps(document)
    variables = credential_variables(credentials, region)
    if fmt == "env":
        lines = [f"export {name}={shlex.quote(value)}" for name, value in variables.items()]
        if not credentials.session_token:
            lines.append("unset AWS_SESSION_TOKEN")
        return "\n".join(lines)
    if fmt == "json":
        return json.dumps(variables, indent=2)
    keys = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    lines = [f"[{profile}]"]
    lines += [f"{name.lower()} = {value}" for name, value in variables.items() if name in keys]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Resolve and print."""
    from resolver.api import resolve_chain

    chain, credentials = resolve_chain(args.profile, config=args.config)
    region = os.environ.get("AWS_REGION") or (chain.sts.region if chain else None)
    name = chain.profile if chain else (args.profile or "default")
    print(render(credentials, args.format, profile=name, region=region))
    return 0

"""``rolechain profiles``: each profile with its kind and file."""

from __future__ import annotations

import argparse
import json
from typing import Any

from resolver.config.loading import load_profiles
from resolver.config.secrets import redact
from resolver.config.sources.raw import RawSection
from resolver.context import Context
from resolver.errors import printable


def kind_of(section: RawSection) -> str:
    """A quick classification from the keys present (no validation)."""
    keys = section.values
    if "role_arn" in keys:
        return "web-identity" if "web_identity_token_file" in keys else "role"
    if "sso_session" in keys or "sso_start_url" in keys or "sso_account_id" in keys:
        return "sso"
    if "aws_access_key_id" in keys or "aws_secret_access_key" in keys:
        return "static"
    if "credential_store" in keys:
        return "keyring"
    if "login_session" in keys:
        return "login"
    if "credential_process" in keys:
        return "credential-process"
    return "none"


def redacted(section: RawSection) -> dict[str, Any]:
    """The section's raw properties with secret values replaced."""
    return {key: redact(key, raw.value) for key, raw in section.values.items()}


def run(args: argparse.Namespace, ctx: Context) -> int:
    """List profiles."""
    profiles = load_profiles(args.config, ctx.environ)
    sections = [profiles.raw(name) for name in profiles.names()]
    listed = [section for section in sections if section is not None]
    if args.json and args.raw:
        print(json.dumps({"profiles": {s.name: redacted(s) for s in listed}}, indent=2))
    elif args.json:
        rows = [
            {"name": s.name, "kind": kind_of(s), "file": s.location.file, "line": s.location.line}
            for s in listed
        ]
        print(json.dumps(rows, indent=2))
    else:
        names = [printable(s.name) for s in listed]  # no terminal escapes from a file
        width = max(map(len, names), default=0)
        for name, s in zip(names, listed, strict=True):
            print(f"{name:<{width}}  {kind_of(s):<18}  {printable(str(s.location))}")
    return 0

"""``rolechain profiles``: each profile with its kind and file."""

from __future__ import annotations

import argparse
import json
from typing import Any

from resolver.chain.kinds import profile_kind
from resolver.config.loading import load_profiles
from resolver.config.secrets import shown
from resolver.config.sources.raw import RawSection
from resolver.context import Context
from resolver.errors import printable


def kind_of(section: RawSection) -> str:
    """The profile's kind, in ``explain``'s vocabulary (``resolver.chain.kinds``)."""
    return profile_kind(section.plain())


def properties(section: RawSection) -> dict[str, Any]:
    """The section's merged properties as ``explain`` would show them: secrets redacted,
    helper commands (credential_process, mfa_process) by their program only."""
    return {key: shown(key, raw.value) for key, raw in section.values.items()}


def row(section: RawSection, raw: bool) -> dict[str, Any]:
    """One profile of ``--json``; ``raw`` adds its ``properties``."""
    out: dict[str, Any] = {
        "name": section.name,
        "kind": kind_of(section),
        "file": section.location.file,
        "line": section.location.line,
    }
    if raw:
        out["properties"] = properties(section)
    return out


def run(args: argparse.Namespace, ctx: Context) -> int:
    """List profiles."""
    profiles = load_profiles(args.config, ctx.environ)
    sections = [profiles.raw(name) for name in profiles.names()]
    listed = [section for section in sections if section is not None]
    if args.json:
        print(json.dumps([row(s, args.raw) for s in listed], indent=2))
    else:
        names = [printable(s.name) for s in listed]  # no terminal escapes from a file
        width = max(map(len, names), default=0)
        for name, s in zip(names, listed, strict=True):
            print(f"{name:<{width}}  {kind_of(s):<21}  {printable(str(s.location))}")
    return 0

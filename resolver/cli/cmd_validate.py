"""``rolechain validate``: every finding as ``file:line: profile X: message``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from resolver.chain.limits import check_chain
from resolver.chain.planner import build_chain
from resolver.config.findings import Finding, Location
from resolver.config.loading import load_profiles
from resolver.config.profiles import ProfileSet
from resolver.config.sources.files import check_ini
from resolver.errors import ResolverError, starts_with_key


def as_finding(error: ResolverError, profile: str | None = None) -> Finding:
    """A raised error as an error finding (keeps its file, line, profile and key)."""
    location = Location(error.file, error.line) if error.file else None
    message = error.message
    if error.key and not starts_with_key(message, error.key):
        message = f"{error.key}: {message}"
    return Finding("error", message, error.profile or profile, error.key, location)


def findings_for(profiles: ProfileSet, names: Iterable[str]) -> list[Finding]:
    """Warnings and errors for ``names``: their chains, limits and unknown INI keys."""
    found: list[Finding] = list(profiles.load_warnings)
    for name in names:
        found.extend(profiles.unknown_keys(name))
        try:
            found.extend(check_chain(build_chain(profiles, name)))
        except ResolverError as exc:
            found.append(as_finding(exc, name))
    return list(dict.fromkeys(found))  # a shared source profile reports once


def run(args: argparse.Namespace) -> int:
    """Check the named profiles (default: all) and exit 1 on any error."""
    found = check_ini()  # every malformed line of the shared files, not only the chain's
    checked = 0
    try:
        profiles = load_profiles(args.config)
    except ResolverError as exc:
        found.append(as_finding(exc))
    else:
        names = args.profiles or profiles.names()
        found.extend(findings_for(profiles, names))
        checked = len(names)
    found = list(dict.fromkeys(found))
    for finding in found:
        print(finding)
    errors = sum(1 for finding in found if finding.severity == "error")
    print(f"{checked} profile(s) checked: {errors} error(s)", file=sys.stderr)
    return 1 if errors else 0

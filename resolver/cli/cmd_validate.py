"""``rolechain validate``: every finding as ``file:line: profile X: message``, all of them
in one run (every file, every profile, every bad value), sorted by file and line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping

from resolver.chain.checks.ignored import ignored_keys
from resolver.chain.limits import check_chain
from resolver.chain.planner import build_chain
from resolver.chain.types import Chain
from resolver.cli.selfcalls import refuse_process_loop
from resolver.config.findings import Finding, finding_of, sorted_findings
from resolver.config.loading import load_profiles
from resolver.config.profiles import ProfileSet
from resolver.config.sources.files import check_ini, ini_paths
from resolver.context import Context
from resolver.errors import ConfigError, ResolverError


def findings_for(
    profiles: ProfileSet,
    names: Iterable[str],
    config: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Warnings and errors for ``names``: their values, chains, limits, unknown INI keys,
    keys the SDKs ignore, and credential_process loops through rolechain (``config`` and
    ``environ``: what ``profiles`` were loaded with)."""
    environ = {} if environ is None else environ
    found: list[Finding] = []
    for name in names:
        try:
            found.extend(profiles.unknown_keys(name))
            invalid = profiles.problems(name)
            if invalid:  # every bad value; the chain cannot be built from them
                found.extend(finding_of(error, name) for error in invalid)
                continue
            chain = build_chain(profiles, name)
            found.extend(check_chain(chain))
            found.extend(ignored_keys(profiles.get(name), chain))
            refuse_process_loop(chain, profiles, config, environ)
            found.extend(_roles_anywhere_files(chain, environ))
        except ResolverError as exc:
            found.append(finding_of(exc, name))
    found.extend(profiles.load_warnings)  # after the lazy parses above have added theirs
    return sorted_findings(found)  # a shared source profile reports once


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Check the named profiles (default: all) and exit 1 on any error."""
    found = check_ini(*ini_paths(ctx.environ))  # every malformed line, not only the chain's
    checked = 0
    problems: list[ConfigError] = []
    try:
        profiles = load_profiles(args.config, ctx.environ, problems)
    except ResolverError as exc:
        found.append(finding_of(exc))
    else:
        names = list(dict.fromkeys(args.profiles or profiles.names()))  # a duplicate once
        found.extend(findings_for(profiles, names, args.config, ctx.environ))
        checked = len(names)
    found.extend(finding_of(problem) for problem in problems)
    found = sorted_findings(found)
    for finding in found:
        print(finding)
    errors = sum(1 for finding in found if finding.severity == "error")
    warnings = len(found) - errors
    summary = f"{checked} profile(s) checked: {errors} error(s), {warnings} warning(s)"
    print(summary, file=sys.stderr)
    return 1 if errors else 0


def _roles_anywhere_files(chain: Chain, environ: Mapping[str, str]) -> list[Finding]:
    """A roles-anywhere base's certificate and key checked (``roles_anywhere_notes``)."""
    from resolver.chain.types import RolesAnywhereSource

    if not isinstance(chain.source, RolesAnywhereSource):
        return []
    from resolver.cli.roles_anywhere_notes import validate_findings

    return validate_findings(chain, Context.build(environ))

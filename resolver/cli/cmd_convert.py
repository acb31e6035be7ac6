"""``rolechain convert --to toml|ini [PROFILE|FILE ...]``: the equivalent file on stdout,
or with ``--write`` the profiles moved into the TOML file (``convert_write``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from resolver.cli.convert_write import check_names, sorted_files, split_operands
from resolver.config.convert import Converted, to_ini, to_toml
from resolver.config.findings import Finding
from resolver.config.profiles import ProfileSet
from resolver.context import Context
from resolver.errors import ConfigError


def load_files(files: list[str], environ: Mapping[str, str]) -> ProfileSet:
    """The profiles of exactly these files: ``*.toml`` is rolechain TOML, a file named
    ``credentials`` a shared credentials file, any other an AWS config file (``~`` in
    them: ``environ``'s home)."""
    from resolver.config.sources.files import read_text
    from resolver.config.sources.ini import FileKind, parse_ini, raw_config
    from resolver.config.sources.raw import RawConfig
    from resolver.config.sources.tomlfile import load_toml

    toml, credentials, config = sorted_files(files)
    warnings: list[Finding] = []
    kinds: list[tuple[FileKind, list[str]]] = [("config", config), ("credentials", credentials)]
    documents = [
        parse_ini(read_text(Path(name)) or "", path=name, kind=kind, warnings=warnings)
        for kind, chosen in kinds
        for name in chosen
    ]
    ini = raw_config(documents, warnings) if documents else RawConfig()
    return ProfileSet(ini, load_toml(toml[0], None, environ) if toml else RawConfig())


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Write the profiles in the other format on stdout (never to a file: redirect it);
    what was left out or dropped is listed on stderr. ``--write``: ``convert_write``."""
    files, names = split_operands(args.operands)
    if args.write:
        from resolver.cli.convert_write import write_toml

        if args.to != "toml":
            raise ConfigError("--write moves profiles into the TOML file: use --to toml")
        return write_toml(args, ctx, files, names)
    if files:
        profiles = load_files(files, ctx.environ)
    else:
        from resolver.config.loading import load_profiles

        profiles = load_profiles(args.config, ctx.environ)
    check_names(profiles, names, files)
    convert = to_toml if args.to == "toml" else to_ini
    result = convert(profiles, include_secrets=args.include_secrets, names=names or None)
    print(result.text, end="")
    report(result)
    return 0


def report(result: Converted) -> None:
    """What was left out or not converted, on stderr."""
    if result.left_out:
        print(
            f"rolechain: {len(result.left_out)} secret(s) left out (marked in the output; "
            f"--include-secrets keeps them): {', '.join(result.left_out)}",
            file=sys.stderr,
        )
    if result.native:
        print(
            "rolechain: aws_signing_helper credential_process written as the native "
            f"roles-anywhere base: {', '.join(result.native)}",
            file=sys.stderr,
        )
    if result.dropped:
        print(
            f"rolechain: warning: not converted (no equivalent): {', '.join(result.dropped)}",
            file=sys.stderr,
        )

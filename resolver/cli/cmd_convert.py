"""``rolechain convert --to toml|ini [FILE ...]``: the equivalent file on stdout."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from resolver.config.convert import to_ini, to_toml
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

    toml, credentials, config = _sorted_files(files)
    warnings: list[Finding] = []
    kinds: list[tuple[FileKind, list[str]]] = [("config", config), ("credentials", credentials)]
    documents = [
        parse_ini(read_text(Path(name)) or "", path=name, kind=kind, warnings=warnings)
        for kind, chosen in kinds
        for name in chosen
    ]
    ini = raw_config(documents, warnings) if documents else RawConfig()
    return ProfileSet(ini, load_toml(toml[0], None, environ) if toml else RawConfig())


def _sorted_files(files: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The TOML, credentials and config files named (at most one of each, all regular
    files); ConfigError otherwise."""
    toml = [f for f in files if Path(f).suffix == ".toml"]
    credentials = [f for f in files if f not in toml and Path(f).name == "credentials"]
    config = [f for f in files if f not in toml and f not in credentials]
    for kind, chosen in (("TOML", toml), ("credentials", credentials), ("config", config)):
        if len(chosen) > 1:
            raise ConfigError(f"convert reads at most one {kind} file; got {len(chosen)}")
    for name in files:
        if not Path(name).is_file():
            raise ConfigError("not a regular file", file=name)
    return toml, credentials, config


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Write the profiles in the other format on stdout (never to a file: redirect it);
    what was left out or dropped is listed on stderr."""
    if args.files:
        profiles = load_files(args.files, ctx.environ)
    else:
        from resolver.config.loading import load_profiles

        profiles = load_profiles(args.config, ctx.environ)
    convert = to_toml if args.to == "toml" else to_ini
    result = convert(profiles, include_secrets=args.include_secrets)
    print(result.text, end="")
    if result.left_out:
        print(
            f"rolechain: {len(result.left_out)} secret(s) left out (marked in the output; "
            f"--include-secrets keeps them): {', '.join(result.left_out)}",
            file=sys.stderr,
        )
    if result.dropped:
        print(
            f"rolechain: warning: not converted (no equivalent): {', '.join(result.dropped)}",
            file=sys.stderr,
        )
    return 0

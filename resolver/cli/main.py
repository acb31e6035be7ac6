"""The ``rolechain`` CLI: argparse only; each command's module loads on demand.

The console script enters at ``resolver.cli.entry.main``, which answers a warm ``export``
before argparse or anything else is imported, and hands everything else to ``main``.
"""

from __future__ import annotations

import os
import sys

from resolver.cache.answers import EXPORT_FORMATS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence


OVERRIDDEN: dict[str, str | None] = {}
"""Variables the CLI's own flags set, with their values before (None: unset); ``exec``
restores them for its child."""


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    import argparse

    from resolver.cli.overrides_args import add_override_flags

    parser = argparse.ArgumentParser(
        prog="rolechain", description="Resolve AWS credentials from declarative role chains."
    )
    parser.add_argument("--config", metavar="FILE", help="rolechain TOML file")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--no-cache", action="store_true", help="bypass the credentials cache")
    # An explicit prog spares argparse a HelpFormatter (and shutil) just to compute it.
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, prog="rolechain"
    )

    cmd = commands.add_parser("profiles", help="list profiles with their kind and file")
    cmd.add_argument("--json", action="store_true", help="print JSON")
    cmd.add_argument("--raw", action="store_true", help="with --json: merged raw properties")

    cmd = commands.add_parser("explain", help="print the chain a profile resolves through")
    cmd.add_argument("profile", nargs="?", help="profile (default: $AWS_PROFILE or default)")
    cmd.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_override_flags(cmd, mfa_token=False)

    cmd = commands.add_parser("validate", help="check profiles without calling AWS")
    cmd.add_argument("profiles", nargs="*", metavar="PROFILE", help="profiles (default: all)")

    cmd = commands.add_parser("convert", help="write the profiles in another format")
    cmd.add_argument("--to", choices=("toml", "ini"), required=True, help="output format")

    commands.add_parser("schema", help="print the JSON Schema of the TOML format")

    cmd = commands.add_parser("export", help="print credentials for a profile")
    cmd.add_argument("profile", nargs="?", help="profile (default: $AWS_PROFILE or default)")
    cmd.add_argument("--format", choices=EXPORT_FORMATS, default="env", help="output format")
    add_override_flags(cmd)

    cmd = commands.add_parser("exec", help="run a command with a profile's credentials")
    cmd.add_argument("profile", help="profile")
    add_override_flags(cmd)
    cmd.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="command")

    commands.add_parser("demo", help="resolve an example chain against a local STS")

    from resolver.cli.parsers import add_console_parser, add_sso_parser

    add_console_parser(commands)
    add_sso_parser(commands)

    cmd = commands.add_parser("completion", help="print a shell completion script")
    cmd.add_argument("shell", choices=("bash", "zsh", "fish"), help="shell")

    cmd = commands.add_parser("cache", help="inspect or clear the credentials cache")
    cache = cmd.add_subparsers(
        dest="cache_command", metavar="ACTION", required=True, prog="rolechain cache"
    )
    cache.add_parser("list", help="list cached sessions (no secrets)")
    clear = cache.add_parser("clear", help="remove cached sessions")
    clear.add_argument("profile", nargs="?", help="only this profile's entries")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    import importlib

    from resolver.errors import ChainError, ConfigError, ResolverError

    args = build_parser().parse_args(argv)
    if args.no_cache:  # read by resolver.cache.persistent.step_wrapper when a chain is built
        OVERRIDDEN.setdefault("ROLECHAIN_NO_CACHE", os.environ.get("ROLECHAIN_NO_CACHE"))
        os.environ["ROLECHAIN_NO_CACHE"] = "1"
    module = importlib.import_module(f"resolver.cli.cmd_{args.command}")
    try:
        status: int = module.run(args)
        return status
    except ResolverError as exc:
        if args.debug:
            raise
        print(f"rolechain: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, (ConfigError, ChainError)) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141

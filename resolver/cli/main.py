"""The ``rolechain`` CLI: argparse only; each command's module loads on demand.

The console script enters at ``resolver.cli.run``, which answers a warm ``export``
before argparse or anything else is imported, and hands everything else to ``main``.
A plain cold ``export`` is read with its flag table (``plain_export``), which gives
argparse's values without building (or importing) the parser.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace
    from typing import Any


ROOT_EPILOG = """\
`rolechain COMMAND --help` shows a command's options with an example. Without a
command, rolechain prints this list and exits 0.

examples:
  rolechain explain prod-admin
  eval "$(rolechain export prod-admin)"
"""

EPILOGS = {
    "profiles": """\
Lists every profile of ~/.aws/config, ~/.aws/credentials and the rolechain TOML file
with its kind and the file it comes from. The kinds are explain's: role (an AssumeRole
hop), or the base it stands for: static, keyring, sso, login, credential-process,
web-identity, environment, ec2-instance-metadata, ecs-container, default-chain (no
credentials of its own: the SDKs' default chain); invalid: a credential_source value no
SDK knows (validate says more). --json prints a list of
{"name", "kind", "file", "line"}; --raw adds "properties", each profile's merged
properties as explain shows them (secrets redacted, helper commands by program only).

example:
  rolechain profiles --json
""",
    "explain": """\
Prints the chain a profile resolves through: the base credentials, then each
AssumeRole hop with its options, then where STS calls go. Nothing is called.
--json prints {"profile", "source", "hops": [...], "sts": {"region", "endpoint_url",
...}}; helper commands (credential_process, mfa_process) show their program only.

example:
  rolechain explain prod-admin --json
""",
    "validate": """\
Checks profiles against the STS limits without calling AWS and reports every finding
as FILE:LINE: profile P: key: message. Exits 0 when clean, 1 on errors.

example:
  rolechain validate prod-admin staging
""",
    "convert": """\
Writes the profiles (PROFILE ..., default all) read from the given files (default: the
configured ones) in the other format on stdout. Keys rolechain does not own (output,
cli_pager, s3 = ...) pass through; secrets are left out (marked in a comment) unless
--include-secrets. An operand naming an existing file is a file, any other a profile.

--write (with --to toml) moves the profiles instead: into the TOML file rolechain reads
(or --output), never over a profile already there, then out of the AWS files (each
backed up first, rewritten atomically, every other byte kept). Long-term keys go to the
OS keyring (credential_store = "keyring"); a profile that cannot move stays, with the
reason and the next step.

examples:
  rolechain convert --to toml > ~/.config/rolechain/profiles.toml.new
  rolechain convert --to toml --write dev prod   # then: rolechain validate
  rolechain convert --to ini ~/.config/rolechain/profiles.toml
""",
    "schema": """\
Prints the JSON Schema of the rolechain TOML format (for editors and CI checks).

example:
  rolechain schema > rolechain.schema.json
""",
    "exec": """\
Resolves the profile (default: $AWS_PROFILE, else default) and runs CMD with its
credentials in the environment; AWS_PROFILE and stale credential variables are removed.
Exits with CMD's status (127: not found, 126: not executable).

With --server, CMD gets no keys but a local credential endpoint instead
(AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN), which its SDK
asks again before the credentials expire; it stops when CMD exits. --imds does the same
with a local EC2 instance metadata service (IMDSv2, AWS_EC2_METADATA_SERVICE_ENDPOINT),
for programs that know only that.

examples:
  rolechain exec prod-admin -- aws sts get-caller-identity
  AWS_PROFILE=prod-admin rolechain exec -- terraform plan
  rolechain exec --server prod-admin -- terraform apply
  rolechain exec --imds prod-admin -- java -jar tool.jar
""",
    "serve": """\
Serves each profile's credentials at http://HOST:PORT/profiles/NAME (the container
credentials protocol every AWS SDK and the AWS CLI speak) until Ctrl-C or SIGTERM, and
prints the two export lines per profile. --host takes loopback addresses only; the
token comes from --token-file (created 0600) or is generated and printed once.

With --imds it serves one profile as the EC2 instance metadata service (IMDSv2: a session
token from PUT /latest/api/token, then the role's credentials) at the printed
AWS_EC2_METADATA_SERVICE_ENDPOINT; --imds-v1 also answers requests without a token.

examples:
  rolechain serve prod-admin --port 9911 --token-file ~/.config/rolechain/server-token
  rolechain serve --imds prod-admin --port 9912
""",
    "setup": """\
Prints a [profile PROFILE-via-rolechain] section whose credential_process runs this
rolechain by its absolute path, so the AWS CLI and SDKs can use the chain. With --write
it is appended to the AWS config file (after a backup; an existing section is kept).

example:
  rolechain setup prod-admin --write && aws s3 ls --profile prod-admin-via-rolechain
""",
    "demo": """\
Resolves an example three-hop chain against a local STS (moto) and shows, for each hop,
what STS received: tags, transitive keys, source identity, external id, MFA serial and
the signing key id. Needs the `moto` extra; talks to 127.0.0.1 only.

example:
  rolechain demo
""",
    "completion": """\
Prints a completion script for the shell: subcommands, flags, export formats, profile
names (read from the configured files, cached until they change) and, after
`exec PROFILE --`, the shell's own command completion.

examples:
  eval "$(rolechain completion bash)"     # in ~/.bashrc
  eval "$(rolechain completion zsh)"      # in ~/.zshrc
  rolechain completion fish > ~/.config/fish/completions/rolechain.fish
""",
    "cache": """\
list shows each cached session (profile, hop, caller, role, expiry; never a secret);
clear removes all of them, or those of one profile and the chains built on it.

examples:
  rolechain cache list
  rolechain cache clear prod-admin
""",
}


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    import argparse

    from resolver import __version__
    from resolver.cli.fastpath import GLOBAL_FLAGS
    from resolver.cli.overrides_args import add_flags, add_override_flags

    parser = argparse.ArgumentParser(
        prog="rolechain",
        description="Resolve AWS credentials from declarative role chains.",
        epilog=ROOT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rolechain {__version__}")
    add_flags(parser, GLOBAL_FLAGS)  # the table the warm path reads them with too
    # An explicit prog spares argparse a HelpFormatter (and shutil) just to compute it.
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", prog="rolechain"
    )  # no COMMAND: the help, on stdout, and exit 0 (see ``_run``)

    class Commands:
        """``add_parser`` with each command's epilog, formatted as written."""

        def add_parser(self, name: str, **options: Any) -> argparse.ArgumentParser:
            options.setdefault("epilog", EPILOGS.get(name))
            help_text = options.get("help", "")
            options.setdefault("description", help_text[:1].upper() + help_text[1:] + ".")
            options.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
            return subparsers.add_parser(name, **options)

    commands = Commands()

    cmd = commands.add_parser("profiles", help="list profiles with their kind and file")
    cmd.add_argument("--json", action="store_true", help="print JSON")
    cmd.add_argument(
        "--raw", action="store_true", help="with --json: add each profile's properties"
    )

    cmd = commands.add_parser("explain", help="print the chain a profile resolves through")
    cmd.add_argument("profile", nargs="?", help="profile (default: $AWS_PROFILE or default)")
    cmd.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_override_flags(cmd, mfa_token=False)

    cmd = commands.add_parser("validate", help="check profiles without calling AWS")
    cmd.add_argument("profiles", nargs="*", metavar="PROFILE", help="profiles (default: all)")

    cmd = commands.add_parser("convert", help="write the profiles in another format")
    cmd.add_argument("--to", choices=("toml", "ini"), required=True, help="output format")
    cmd.add_argument(
        "operands",
        nargs="*",
        metavar="PROFILE|FILE",
        help="profiles to convert (default: all) and files to read (default: the configured)",
    )
    cmd.add_argument(
        "--include-secrets", action="store_true", help="copy secret keys too (left out by default)"
    )
    cmd.add_argument(
        "--write",
        action="store_true",
        help="move the profiles into the TOML file rolechain reads, out of the AWS files",
    )
    cmd.add_argument("--output", metavar="FILE", help="with --write: the TOML file to write")

    commands.add_parser("schema", help="print the JSON Schema of the TOML format")

    from resolver.cli.parsers import add_export_parser

    add_export_parser(commands)

    cmd = commands.add_parser("exec", help="run a command with a profile's credentials")
    add_override_flags(cmd)
    served = cmd.add_mutually_exclusive_group()
    served.add_argument(
        "--server", action="store_true", help="serve refreshing credentials to the command"
    )
    served.add_argument(
        "--imds", action="store_true", help="serve them as an EC2 instance metadata service"
    )
    cmd.add_argument(
        "--imds-v1", action="store_true", help="with --imds: answer requests without a token"
    )
    cmd.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        metavar="[PROFILE] -- CMD ...",
        help="profile (default: $AWS_PROFILE or default), then the command after --",
    )

    cmd = commands.add_parser("serve", help="serve refreshing credentials on loopback")
    cmd.add_argument("profiles", nargs="+", metavar="PROFILE", help="profiles to serve")
    cmd.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    cmd.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    cmd.add_argument("--token-file", metavar="FILE", help="token file (created 0600)")
    cmd.add_argument("--verbose", action="store_true", help="log each request to stderr")
    cmd.add_argument(
        "--imds", action="store_true", help="serve one profile as an EC2 metadata service"
    )
    cmd.add_argument(
        "--imds-v1", action="store_true", help="with --imds: answer requests without a token"
    )

    cmd = commands.add_parser(
        "setup", help="print (or --write) a config section that runs rolechain for a profile"
    )
    cmd.add_argument("profile", nargs="?", help="profile (default: $AWS_PROFILE or default)")
    cmd.add_argument(
        "--write", action="store_true", help="append it to the AWS config file (with a backup)"
    )

    commands.add_parser("demo", help="resolve an example chain against a local STS")

    from resolver.cli.parsers import add_console_parser, add_sso_parser

    add_console_parser(commands)
    add_sso_parser(commands)
    from resolver.cli.parsers import add_keys_parser

    add_keys_parser(commands)

    cmd = commands.add_parser("completion", help="print a shell completion script")
    cmd.add_argument("shell", choices=("bash", "zsh", "fish"), help="shell")

    cmd = commands.add_parser("cache", help="inspect or clear the credentials cache")
    cache = cmd.add_subparsers(
        dest="cache_command", metavar="ACTION", required=True, prog="rolechain cache"
    )
    cache.add_parser("list", help="list cached sessions (no secrets)")
    clear = cache.add_parser("clear", help="remove cached sessions")
    clear.add_argument("profile", nargs="?", help="only this profile's entries")
    from resolver.cli.parsers import describe_actions

    describe_actions(cache, "cache")
    return parser


def plain_export(argv: Sequence[str]) -> SimpleNamespace | None:
    """``build_parser``'s reading of ``argv`` when it is a plain ``export``, without building
    the parser: its flag table's (``fastpath.export_values``, the table argparse's parser is
    made from; tests/cli/test_fastpath.py proves the values equal). None for anything
    else (help, errors, other commands): argparse decides."""
    from types import SimpleNamespace

    from resolver.cli.fastpath import export_values

    values = export_values(argv, answerable=False)
    return None if values is None else SimpleNamespace(**values)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status.

    The cyclic garbage collector is paused while it runs (see ``resolver.cli.gcpause``):
    in this process only, never for library callers of ``resolve()``.
    """
    from resolver.cli.gcpause import paused_collector

    with paused_collector():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    import dataclasses
    import importlib

    from resolver.context import Context
    from resolver.errors import ChainError, ConfigError, ResolverError, scrub

    words = sys.argv[1:] if argv is None else argv
    args: argparse.Namespace | SimpleNamespace | None = plain_export(words)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:  # `rolechain` alone: what it can do, as git and kubectl show it
            parser.print_help()
            return 0
    ctx = Context.build()  # the one read of the process's surroundings; passed down
    if args.no_cache:
        ctx = dataclasses.replace(ctx, cache_enabled=False)
    module = importlib.import_module(f"resolver.cli.cmd_{args.command}")
    try:
        status: int = module.run(args, ctx)
        return status
    except ResolverError as exc:
        if args.debug:
            from resolver.cli.failure import show_traceback

            show_traceback(exc)
        from resolver.cli.failure import advice

        text = scrub(str(exc) + advice(exc, args.command), fields=False)
        print(f"rolechain: error: {text}", file=sys.stderr)
        return 2 if isinstance(exc, (ConfigError, ChainError)) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
    except Exception as exc:  # not ours: one line naming its class (resolver.cli.failure)
        from resolver.cli.failure import internal_error, output_error

        if output_error(exc):
            raise  # the entry reports a failed write to standard output
        return internal_error(exc, args.debug)

"""``rolechain exec PROFILE -- CMD``: run a command with a profile's credentials.

The child stays in our process group, so it keeps the terminal; signals sent to us are
passed on, except Ctrl-C, Ctrl-\\ and resizes while we are in the terminal's foreground:
the terminal has delivered those to the child already.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

from resolver.cli.cmd_export import credential_variables, effective_region
from resolver.cli.formats import MANAGED_VARIABLES
from resolver.context import Context
from resolver.errors import ResolverError, printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from resolver.chain.overrides import Overrides
    from resolver.server.imds_lifecycle import ImdsEndpoint
    from resolver.server.lifecycle import Endpoint
    from resolver.stscreds.tokens import TokenProvider

FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH")
# What a terminal sends to its whole foreground process group, child included: forwarding
# those too would deliver them twice (and terraform takes a second Ctrl-C as "abort now").
TERMINAL_SIGNALS = ("SIGINT", "SIGQUIT", "SIGWINCH")
# Variables that would make the child resolve something other than what we hand it, and
# every variable we may set: what we do not set (a token, an expiry) must not stay stale.
CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", *MANAGED_VARIABLES)


def child_environment(variables: dict[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` (our own, as the ``Context`` holds it: flags such as ``--no-cache`` change
    the context, never the environment) without profile selection, plus ``variables``."""
    environment = {k: v for k, v in environ.items() if k not in CLEARED}
    environment.update(variables)
    return environment


def in_terminal_foreground() -> bool:
    """True when our process group (the child's too) is the controlling terminal's
    foreground group, so that the terminal's own signals reach the child directly."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def forwarder(child: subprocess.Popen[bytes]) -> Callable[[int, object], None]:
    """A signal handler passing signals on to ``child``, except those the terminal has
    already delivered to it."""
    from_terminal = {getattr(signal, name, None) for name in TERMINAL_SIGNALS}

    def forward(number: int, _frame: object) -> None:
        if number in from_terminal and in_terminal_foreground():
            return
        child.send_signal(number)

    return forward


USAGE = "rolechain exec [PROFILE] -- CMD [ARGS...]"


class UsageError(ResolverError):
    """``exec`` was called without a command."""

    reason = "usage-error"


def split_words(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """(profile, command) from ``[PROFILE] [FLAGS] -- CMD ...`` or the older
    ``PROFILE CMD ...``; override flags written after the profile are parsed into ``args``.

    With ``--`` first, no profile is named: selection follows ``AWS_PROFILE`` as everywhere.
    """
    words = list(args.argv)
    if "--" not in words:
        return (words[0] if words else None), words[1:]
    at = words.index("--")
    before, command = words[:at], words[at + 1 :]
    if len(before) <= 1 and not (before and before[0].startswith("-")):
        return (before[0] if before else None), command
    from resolver.cli.overrides_args import add_override_flags

    leading = argparse.ArgumentParser(prog="rolechain exec", usage=USAGE, add_help=False)
    leading.add_argument("profile", nargs="?")
    add_override_flags(leading)
    parsed = leading.parse_args(before)
    for name, value in vars(parsed).items():
        if name != "profile" and value not in (None, []):
            earlier = getattr(args, name, None)
            setattr(args, name, earlier + value if isinstance(value, list) and earlier else value)
    return parsed.profile, command


def start(argv: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes] | int:
    """The started child, or the shell's status when it cannot start (127: not found,
    126: not executable), after a one-line message."""
    try:
        return subprocess.Popen(argv, env=environment)
    except FileNotFoundError:
        print(f"rolechain: error: command not found: {printable(argv[0])}", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"rolechain: error: permission denied: {printable(argv[0])}", file=sys.stderr)
        return 126
    except OSError as exc:
        print(
            f"rolechain: error: cannot run {printable(argv[0])}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 126


def served_environment(
    args: argparse.Namespace,
    profile: str | None,
    ctx: Context,
    overrides: Overrides,
    token_provider: TokenProvider | None,
) -> tuple[dict[str, str], Callable[[], None]]:
    """Start the server ``--server`` or ``--imds`` asks for: the child's environment (the
    server's variables, without what would shadow it) and the function that stops it."""
    from resolver import api
    from resolver.config.loading import selected_profile

    name = selected_profile(profile, ctx.environ)
    chain = api.plan(name, config=args.config, overrides=overrides, context=ctx)
    shadowing: Sequence[str]
    serving: AbstractContextManager[Endpoint | ImdsEndpoint]
    if getattr(args, "server", False):
        from resolver.server.lifecycle import SHADOWING, serve

        shadowing = SHADOWING
        serving = serve(
            name,
            config=args.config,
            prime=True,
            overrides=overrides,
            token_provider=token_provider,
            context=ctx,
        )
    else:
        from resolver.server.imds_lifecycle import IMDS_SHADOWING, serve_imds

        shadowing = IMDS_SHADOWING
        serving = serve_imds(
            name,
            config=args.config,
            v1=getattr(args, "imds_v1", False),
            overrides=overrides,
            token_provider=token_provider,
            context=ctx,
        )
    variables = serving.__enter__().environment()

    def stop() -> None:
        serving.__exit__(None, None, None)

    chain_region = chain.sts.region
    from resolver.server.lifecycle import without_shadowing

    region = effective_region(chain_region, ctx.environ)
    if region:
        variables["AWS_REGION"] = variables["AWS_DEFAULT_REGION"] = region
    return without_shadowing(child_environment(variables, ctx.environ), shadowing), stop


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Resolve, start the command, forward signals, return its exit status."""
    profile, argv = split_words(args)
    if not argv:
        raise UsageError(f"exec needs a command: {USAGE}")
    from resolver.cli.overrides_args import overrides_from_args, token_from_args

    overrides, token_provider = overrides_from_args(args, ctx.environ), token_from_args(args)
    stop_server = None
    if any(getattr(args, flag, False) for flag in ("server", "imds", "imds_v1")):
        environment, stop_server = served_environment(args, profile, ctx, overrides, token_provider)
    else:
        from resolver.api import resolution

        found = resolution(
            profile,
            config=args.config,
            token_provider=token_provider,
            overrides=overrides,
            context=ctx,
        )
        chain, credentials = found.chain, found.credentials
        region = effective_region(chain.sts.region if chain else None, ctx.environ)
        environment = child_environment(credential_variables(credentials, region), ctx.environ)
    child = start(argv, environment)
    if isinstance(child, int):
        if stop_server is not None:
            stop_server()
        return child
    previous = {}
    forward = forwarder(child)
    for name in FORWARDED_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, forward)
    try:
        status = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if stop_server is not None:
            stop_server()
    sys.stdout.flush()
    return 128 - status if status < 0 else status

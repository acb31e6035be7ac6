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
from collections.abc import Callable

from resolver.cli.cmd_export import credential_variables
from resolver.errors import ResolverError

FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH")
# What a terminal sends to its whole foreground process group, child included: forwarding
# those too would deliver them twice (and terraform takes a second Ctrl-C as "abort now").
TERMINAL_SIGNALS = ("SIGINT", "SIGQUIT", "SIGWINCH")
# Variables that would make the child resolve something other than what we hand it.
CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def child_environment(variables: dict[str, str]) -> dict[str, str]:
    """The current environment without profile selection or what our own flags set
    (``--no-cache``), plus ``variables``."""
    from resolver.cli.main import OVERRIDDEN

    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    for name, before in OVERRIDDEN.items():
        if before is None:
            environment.pop(name, None)
        else:
            environment[name] = before
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


def run(args: argparse.Namespace) -> int:
    """Resolve, start the command, forward signals, return its exit status."""
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise ResolverError("exec needs a command: rolechain exec PROFILE -- CMD [ARGS...]")
    from resolver.api import resolution
    from resolver.cli.overrides_args import overrides_from_args, token_from_args

    found = resolution(
        args.profile,
        config=args.config,
        token_provider=token_from_args(args),
        overrides=overrides_from_args(args),
    )
    chain, credentials = found.chain, found.credentials
    region = os.environ.get("AWS_REGION") or (chain.sts.region if chain else None)
    environment = child_environment(credential_variables(credentials, region))
    try:
        child = subprocess.Popen(argv, env=environment)
    except OSError as exc:
        raise ResolverError(f"cannot run {argv[0]!r}: {exc.strerror}") from None
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
    sys.stdout.flush()
    return 128 - status if status < 0 else status

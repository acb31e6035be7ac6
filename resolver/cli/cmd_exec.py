"""``rolechain exec PROFILE -- CMD``: run a command with a profile's credentials."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from resolver.cli.cmd_export import credential_variables
from resolver.errors import ResolverError

FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH")
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


def run(args: argparse.Namespace) -> int:
    """Resolve, start the command, forward signals, return its exit status."""
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise ResolverError("exec needs a command: rolechain exec PROFILE -- CMD [ARGS...]")
    from resolver.api import resolve_chain

    chain, credentials = resolve_chain(args.profile, config=args.config)
    region = os.environ.get("AWS_REGION") or (chain.sts.region if chain else None)
    environment = child_environment(credential_variables(credentials, region))
    try:
        child = subprocess.Popen(argv, env=environment)
    except OSError as exc:
        raise ResolverError(f"cannot run {argv[0]!r}: {exc.strerror}") from None
    previous = {}
    for name in FORWARDED_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, lambda sig, _frame: child.send_signal(sig))
    try:
        status = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    sys.stdout.flush()
    return 128 - status if status < 0 else status

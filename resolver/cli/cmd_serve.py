"""``rolechain serve PROFILE...``: a long-lived credential server on loopback.

Prints, per profile, the two lines a user pastes or ``eval``s; the token is printed
only when it was generated here (with ``--token-file`` it stays in the file, which the
SDKs read through ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``). With ``--imds`` it serves
one profile as the EC2 instance metadata service and prints its endpoint variable.
Stops on SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from resolver.context import Context
from resolver.errors import ResolverError


class ServeUsageError(ResolverError):
    """``serve``'s flags do not go together."""

    reason = "usage-error"


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs."""
    stop = threading.Event()
    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.signal(number, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Serve until interrupted."""
    if args.imds or args.imds_v1:
        return run_imds(args, ctx)
    from resolver.server.lifecycle import (
        TOKEN_FILE_VARIABLE,
        TOKEN_VARIABLE,
        URI_VARIABLE,
        serve,
        token_from_file,
    )

    token_file = Path(args.token_file).absolute() if args.token_file else None
    token = token_from_file(token_file) if token_file else None
    with (
        stop_on_signals() as stop,
        serve(
            *args.profiles,
            config=args.config,
            host=args.host,
            port=args.port,
            token=token,
            verbose=args.verbose,
            context=ctx,
        ) as endpoint,
    ):
        for profile, url in endpoint.urls.items():
            print(f"# {profile}")
            print(f"export {URI_VARIABLE}={shlex.quote(url)}")
            if token is None:
                print(f"export {TOKEN_VARIABLE}={shlex.quote(endpoint.token)}")
            else:
                print(f"export {TOKEN_FILE_VARIABLE}={shlex.quote(str(token_file))}")
        print("# serving; stop with Ctrl-C", flush=True)
        while not stop.wait(3600):
            pass
    return 0


def run_imds(args: argparse.Namespace, ctx: Context) -> int:
    """Serve one profile as an IMDSv2 endpoint until interrupted."""
    from resolver.server.imds_lifecycle import ENDPOINT_VARIABLE, serve_imds

    if len(args.profiles) != 1 or args.token_file:
        raise ServeUsageError("serve --imds takes one profile and no --token-file")
    with (
        stop_on_signals() as stop,
        serve_imds(
            args.profiles[0],
            config=args.config,
            host=args.host,
            port=args.port,
            v1=args.imds_v1,
            verbose=args.verbose,
            context=ctx,
        ) as endpoint,
    ):
        print(f"# {args.profiles[0]} (role {endpoint.instance.role})")
        print(f"export {ENDPOINT_VARIABLE}={shlex.quote(endpoint.url)}")
        print("# serving; stop with Ctrl-C", flush=True)
        while not stop.wait(3600):
            pass
    return 0

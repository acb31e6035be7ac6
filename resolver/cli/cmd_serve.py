"""``rolechain serve PROFILE...``: a long-lived credential server on loopback.

Prints, per profile, the two lines a user pastes or ``eval``s; the token is printed
only when it was generated here (with ``--token-file`` it stays in the file, which the
SDKs read through ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``). Stops on SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import threading
from pathlib import Path

from resolver.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Serve until interrupted."""
    from resolver.server.lifecycle import (
        TOKEN_FILE_VARIABLE,
        TOKEN_VARIABLE,
        URI_VARIABLE,
        serve,
        token_from_file,
    )

    token_file = Path(args.token_file).absolute() if args.token_file else None
    token = token_from_file(token_file) if token_file else None
    stop = threading.Event()
    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.signal(number, lambda *_: stop.set())
    try:
        with serve(
            *args.profiles,
            config=args.config,
            host=args.host,
            port=args.port,
            token=token,
            verbose=args.verbose,
            context=ctx,
        ) as endpoint:
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
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0

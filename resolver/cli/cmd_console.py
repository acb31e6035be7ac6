"""``rolechain console PROFILE``: open the AWS Management Console signed in as a profile.

The sign-in URL holds a bearer token valid for 15 minutes: it goes to stdout only with
``--print``; otherwise it is handed to the browser and never printed or logged.
"""

from __future__ import annotations

import argparse
import sys

from resolver.config.durations import parse_duration
from resolver.context import Context
from resolver.errors import ResolverError, printable


def duration_argument(text: str) -> int:
    """``--duration``: seconds or a duration such as ``1h``, ``90m``, ``1h30m``."""
    try:
        return parse_duration(text)
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Build the sign-in URL, then print it or open it."""
    from resolver.cli.overrides_args import token_from_args
    from resolver.console.browser import open_default, open_with_template
    from resolver.console.signin import console_signin

    if args.destination and args.service:
        raise ResolverError("give --destination or --service, not both")
    signin = console_signin(
        args.profile,
        config=args.config,
        region=args.region,
        service=args.service,
        destination=args.destination,
        duration=args.duration,
        token_provider=token_from_args(args),
        context=ctx,
    )
    if args.print:
        print(signin.url)
        return 0
    who = f"profile {signin.profile}" if signin.profile else "the environment's credentials"
    how = " (federated user from long-term keys)" if signin.federated else ""
    if signin.browser:
        open_with_template(signin.browser, signin.url)
    else:
        open_default(signin.url, ctx.environ)
    print(f"rolechain: opened the AWS console as {printable(who)}{how}", file=sys.stderr)
    return 0

"""``rolechain sso login [PROFILE | --sso-session NAME]``: start an IAM Identity Center login
(``rolechain sso populate``: ``cli/sso_populate.py``).

The verification URL and user code go to stderr, terminal-escaped (``printable``), and to
the browser unless ``--no-browser`` (https URLs only); the token goes only to the shared
SSO cache, never to the terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from resolver.context import Context
from resolver.errors import ChainError, ResolverError, printable
from resolver.providers.bases.sso_device import SsoLoginTarget, Verification

TYPE_CHECKING = False
if TYPE_CHECKING:
    from resolver.config.profiles import ProfileSet


def login_target(args: argparse.Namespace, environ: Mapping[str, str]) -> SsoLoginTarget:
    """What ``args`` names: an sso-session, or the SSO base of a profile's chain."""
    from resolver.chain.planner import plan_chain
    from resolver.chain.types import SsoSource
    from resolver.config.loading import load_profiles

    profiles = load_profiles(args.config, environ)
    if args.sso_session:
        return session_target(profiles, args.sso_session)
    name = args.profile or environ.get("AWS_PROFILE")
    if not name:
        raise ResolverError("name a profile or --sso-session NAME")
    chain = plan_chain(profiles, name)
    source = chain.source
    if not isinstance(source, SsoSource):
        raise ChainError(
            f"profile {name} does not use IAM Identity Center (its base is "
            f"{source.kind}); nothing to log in to"
        )
    return SsoLoginTarget(
        source.sso_start_url,
        source.sso_region,
        source.sso_session,
        source.sso_registration_scopes,
    )


def session_target(profiles: ProfileSet, name: str) -> SsoLoginTarget:
    """The sso-session ``name`` of ``profiles``; ChainError if it is missing or incomplete."""
    from resolver.config.profiles import suggest

    session = profiles.sso_session(name)
    if session is None:
        hint = suggest(name, profiles.sso_session_names())
        raise ChainError(f"sso-session {name!r} does not exist{hint}")
    if not session.sso_start_url or not session.sso_region:
        raise ChainError(f"sso-session {name} needs sso_start_url and sso_region")
    return SsoLoginTarget(
        session.sso_start_url,
        session.sso_region,
        name,
        tuple(session.sso_registration_scopes),
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Log in once (or use the login a parallel run just finished); or ``populate``."""
    from resolver.cache.sso_lock import login_once

    if args.sso_command == "populate":
        from resolver.cli.sso_populate import populate

        return populate(args, ctx, session_target)

    target = login_target(args, ctx.environ)

    start = printable(target.start_url)

    def show(verification: Verification) -> None:
        url, code = printable(verification.url), printable(verification.user_code)
        print(
            f"To log in to {start}, open {url}\nand check that it shows the code {code}.",
            file=sys.stderr,
            flush=True,
        )
        if args.no_browser:
            return
        if not opens_in_a_browser(verification.url):
            print("(not an https URL: not opened in a browser)", file=sys.stderr)
            return
        import webbrowser

        if not webbrowser.open(verification.url, new=2):
            print("(no browser could be started: open the URL yourself)", file=sys.stderr)

    def waiting() -> None:
        print(f"Waiting for another rolechain login to {start}...", file=sys.stderr)

    outcome = login_once(target, show, waiting=waiting, ctx=ctx)
    what = (
        "used the login another rolechain run just finished"
        if not outcome.started
        else ("logged in")
    )
    print(f"rolechain: {what}: token in {printable(outcome.path)}", file=sys.stderr)
    return 0


def opens_in_a_browser(url: str) -> bool:
    """True for what a browser may be handed from a server's answer: an https URL with a
    host, and nothing a shell or terminal treats specially (``endpoint_problem``)."""
    from urllib.parse import urlsplit

    from resolver.config.values import endpoint_problem

    return endpoint_problem(url) is None and urlsplit(url).scheme == "https"

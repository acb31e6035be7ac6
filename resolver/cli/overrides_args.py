"""The per-run override flags of ``export``, ``exec`` and ``explain``, and what they mean.

``overrides_from_args`` and ``token_from_args`` are what a command (or ``exec --server``)
calls to turn parsed flags into a ``resolver.chain.overrides.Overrides`` value and a
token provider for ``--mfa-token``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resolver.chain.overrides import Overrides
    from resolver.stscreds.tokens import TokenProvider


def add_override_flags(parser: argparse.ArgumentParser, *, mfa_token: bool = True) -> None:
    """Add ``--tag``, ``--transitive-tag``, ``--source-identity``, ``--duration``, ``--hop``
    (and ``--mfa-token``) to ``parser``."""
    group = parser.add_argument_group("per-run overrides (final hop, or --hop)")
    tags_help = "session tag (repeatable; or ROLECHAIN_SESSION_TAGS=k=v,k2=v)"
    group.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help=tags_help)
    group.add_argument(
        "--transitive-tag",
        action="append",
        default=[],
        metavar="KEY",
        help="make a session tag transitive (repeatable)",
    )
    group.add_argument(
        "--source-identity", metavar="ID", help="SourceIdentity (also ROLECHAIN_SOURCE_IDENTITY)"
    )
    group.add_argument("--duration", metavar="1h", help="session duration")
    group.add_argument("--hop", metavar="PROFILE", help="apply the overrides to this hop")
    if mfa_token:
        group.add_argument("--mfa-token", metavar="CODE", help="MFA code, instead of a prompt")


def overrides_from_args(args: argparse.Namespace, environ: Mapping[str, str]) -> Overrides:
    """The ``Overrides`` of a parsed command line (and the environment)."""
    from resolver.chain.overrides import parse_overrides

    return parse_overrides(
        getattr(args, "tag", None) or (),
        getattr(args, "transitive_tag", None) or (),
        getattr(args, "source_identity", None),
        getattr(args, "duration", None),
        getattr(args, "hop", None),
        environ=environ,
    )


def token_from_args(args: argparse.Namespace) -> TokenProvider | None:
    """A token provider returning ``--mfa-token``'s code once checked, or None."""
    code = getattr(args, "mfa_token", None)
    if code is None:
        return None
    from resolver.stscreds.tokens import validate_token_code

    checked = validate_token_code(code)
    return lambda: checked

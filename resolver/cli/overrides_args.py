"""The per-run override flags of ``export``, ``exec`` and ``explain``, and what they mean.

``overrides_from_args`` and ``token_from_args`` are what a command (or ``exec --server``)
calls to turn parsed flags into a ``resolver.chain.overrides.Overrides`` value and a
token provider for ``--mfa-token``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace
    from types import SimpleNamespace

    from resolver.chain.overrides import Overrides
    from resolver.cli.fastpath import Flag
    from resolver.stscreds.tokens import TokenProvider


def add_flags(parser: Any, flags: Iterable[Flag]) -> None:
    """Add ``flags`` (rows of ``resolver.cli.fastpath``'s tables) to an argparse parser or
    argument group."""
    for flag in flags:
        parser.add_argument(*flag.names, **flag.arguments())


def add_override_flags(parser: ArgumentParser, *, mfa_token: bool = True) -> None:
    """Add ``--tag``, ``--transitive-tag``, ``--source-identity``, ``--duration``, ``--hop``
    (and ``--mfa-token``) to ``parser``, from ``resolver.cli.fastpath.OVERRIDE_FLAGS``."""
    from resolver.cli.fastpath import OVERRIDE_FLAGS

    group = parser.add_argument_group("per-run overrides (final hop, or --hop)")
    add_flags(group, (f for f in OVERRIDE_FLAGS if mfa_token or f.dest != "mfa_token"))


def overrides_from_args(args: Namespace | SimpleNamespace, environ: Mapping[str, str]) -> Overrides:
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


def token_from_args(args: Namespace | SimpleNamespace) -> TokenProvider | None:
    """A token provider returning ``--mfa-token``'s code once checked, or None."""
    code = getattr(args, "mfa_token", None)
    if code is None:
        return None
    from resolver.stscreds.tokens import validate_token_code

    checked = validate_token_code(code)
    return lambda: checked

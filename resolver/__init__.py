"""rolechain: resolve AWS credentials from declarative role chains.

Importing this package is cheap: ``plan``, ``resolve`` and ``session`` import their heavy
dependencies (pydantic, boto3) only when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

    from resolver.chain import Chain
    from resolver.providers.credentials import Credentials
    from resolver.providers.tokens import TokenProvider

__version__ = "0.1.0"
__all__ = ["plan", "resolve", "session"]


def plan(profile: str | None = None, *, config: str | None = None) -> Chain:
    """The checked chain for ``profile`` (argument, else ``AWS_PROFILE``, else ``default``)."""
    from resolver.config import plan as _plan

    return _plan(profile, config=config)


def resolve(
    profile: str | None = None,
    *,
    config: str | None = None,
    token_provider: TokenProvider | None = None,
) -> Credentials:
    """Credentials for ``profile``, from the in-process cache when still fresh."""
    from resolver.api import resolve as _resolve

    return _resolve(profile, config=config, token_provider=token_provider)


def session(profile: str | None = None, **kwargs: Any) -> boto3.Session:
    """A boto3 Session for ``profile`` whose credentials refresh themselves."""
    from resolver.api import session as _session

    return _session(profile, **kwargs)

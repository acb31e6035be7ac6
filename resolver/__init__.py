"""rolechain: resolve AWS credentials from declarative role chains.

The public names are ``plan``, ``resolve``, ``session``, ``serve`` (a local credential
server, as a context manager) and the error classes
(``ResolverError`` and its subclasses); everything else may move between releases.
Importing this package is cheap: each public name is imported from ``resolver.api`` or
``resolver.errors`` on first use (PEP 562), and those import their heavy dependencies
(pydantic, boto3) only when called.
"""

TYPE_CHECKING = False  # importing typing would cost a warm ``export`` 10% (see resolver.cli)
if TYPE_CHECKING:
    from resolver.api import plan, resolve, session
    from resolver.errors import (
        CacheError,
        ChainError,
        ConfigError,
        LimitError,
        ProviderError,
        ResolverError,
        StsError,
        TokenError,
    )
    from resolver.server.lifecycle import serve

__version__ = "0.1.0"
__all__ = [
    "CacheError",
    "ChainError",
    "ConfigError",
    "LimitError",
    "ProviderError",
    "ResolverError",
    "StsError",
    "TokenError",
    "plan",
    "resolve",
    "serve",
    "session",
]
_HOMES = {name: "resolver.errors" if name[0].isupper() else "resolver.api" for name in __all__}
_HOMES["serve"] = "resolver.server.lifecycle"


def __getattr__(name: str) -> object:
    """A public name, imported on first use and then bound here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'resolver' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value
    return value

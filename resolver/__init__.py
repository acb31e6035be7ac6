"""rolechain: resolve AWS credentials from declarative role chains.

The public names (``from resolver import NAME``; ``help(resolver.NAME)`` for each):

- ``plan(profile)``: the checked ``Chain`` a profile resolves through; nothing is called.
- ``resolve(profile)``: the chain's final credentials (a ``Credentials`` value).
- ``session(profile)``: a boto3 ``Session`` whose credentials come from the chain and refresh.
- ``serve(profiles)``: a local credential server (container credentials protocol), as a
  context manager.
- ``ResolverError``: the base of every error, with its subclasses ``ConfigError``,
  ``ChainError``, ``LimitError``, ``ProviderError``, ``StsError``, ``TokenError`` and
  ``CacheError``.

Everything else may move between releases. Importing this package is cheap: each public
name is imported from ``resolver.api``, ``resolver.errors`` or ``resolver.server`` on first
use (PEP 562), and those import their heavy dependencies (pydantic, boto3) only when
called; ``dir(resolver)`` lists the names without importing them.
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


def __dir__() -> list[str]:
    """The public names and the module's own dunders (what ``help()`` and completion list)."""
    dunders = (name for name in globals() if name.startswith("__") and name.endswith("__"))
    return sorted({*__all__, *dunders})

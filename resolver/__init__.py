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

__version__: str  # read from the installed distribution's metadata on first use
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
    if name == "__version__":
        globals()[name] = version = _installed_version()
        return version
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
    return sorted({*__all__, *dunders, "__version__"})


def _installed_version() -> str:
    """The ``Version`` of the ``rolechain`` distribution's metadata: the
    ``rolechain-*.dist-info`` beside this package (a regular install), else the first on
    ``sys.path`` (an editable one), read directly: importing ``importlib.metadata`` would
    cost a warm ``export``, whose answers are keyed by this version, twice its time.
    Anything else (an egg-info, a zip) goes to ``importlib.metadata``; a tree never
    installed is ``0+unknown``."""
    import os
    import sys

    for entry in [os.path.dirname(os.path.dirname(__file__)), *sys.path]:
        try:
            names = [n for n in os.listdir(entry or ".") if n.startswith("rolechain-")]
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                return _metadata_version(os.path.join(entry or ".", name, "METADATA"))
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rolechain")
    except PackageNotFoundError:
        return "0+unknown"


def _metadata_version(path: str) -> str:
    """The ``Version:`` header of a core metadata file (it precedes the description)."""
    with open(path, encoding="utf-8") as metadata:
        for line in metadata:
            if line.startswith("Version:"):
                return line[len("Version:") :].strip()
            if not line.strip():
                break
    return "0+unknown"

"""rolechain: resolve AWS credentials from declarative role chains.

Importing this package is cheap: ``plan``, ``resolve`` and ``session`` are imported from
``resolver.config`` and ``resolver.api`` on first use (PEP 562), and those import their
heavy dependencies (pydantic, boto3) only when called.
"""

TYPE_CHECKING = False  # importing typing would cost a warm ``export`` 10% (resolver.answers)
if TYPE_CHECKING:
    from resolver.api import resolve, session
    from resolver.config import plan

__version__ = "0.1.0"
__all__ = ["plan", "resolve", "session"]
_HOMES = {"plan": "resolver.config", "resolve": "resolver.api", "session": "resolver.api"}


def __getattr__(name: str) -> object:
    """``plan``, ``resolve`` and ``session``, imported on first use and then bound here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'resolver' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value
    return value

"""One ``Context``: what a resolution reads from its surroundings, read once and passed down.

The environment, the working directory, the clock and the cache settings are taken from
the process (or from an ``environ`` a caller gives) when the ``Context`` is built, in
``resolver.api`` and in the CLI; no stage reads ``os.environ`` after that. ``--no-cache``
is ``dataclasses.replace(ctx, cache_enabled=False)``. Standard library only: the warm
``export`` path may build one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from resolver.environment import cache_directory as cache_directory
from resolver.environment import cache_disabled as cache_disabled
from resolver.environment import current_directory as current_directory
from resolver.environment import expand_home as expand_home
from resolver.environment import home_directory as home_directory

DEFAULT_LOCK_TIMEOUT = 120.0
STS_CONNECT_TIMEOUT = 5.0
STS_READ_TIMEOUT = 15.0
MAX_STS_TIMEOUT = 120.0


@dataclass(frozen=True)
class Context:
    """The environment, working directory, clock and cache settings of one resolution."""

    environ: Mapping[str, str] = field(repr=False)
    cwd: str
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    cache_dir: str = ""
    cache_enabled: bool = True
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT

    @classmethod
    def build(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        cwd: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Context:
        """The context of ``environ`` (default: a copy of the process environment)."""
        environ = dict(os.environ) if environ is None else environ
        return cls(
            environ=environ,
            cwd=current_directory() if cwd is None else cwd,
            clock=clock,
            cache_dir=cache_directory(environ),
            cache_enabled=not cache_disabled(environ),
            lock_timeout=lock_timeout(environ),
        )

    @cached_property
    def sts_timeouts(self) -> tuple[float, float]:
        """(connect, read) seconds for STS calls; ConfigError when a setting is invalid
        (raised when STS is first needed, so a bad value never stops ``validate``)."""
        return (
            timeout_setting("ROLECHAIN_STS_CONNECT_TIMEOUT", STS_CONNECT_TIMEOUT, self.environ),
            timeout_setting("ROLECHAIN_STS_READ_TIMEOUT", STS_READ_TIMEOUT, self.environ),
        )

    def home(self) -> str:
        """The home directory the environment names, else the password database's."""
        return home_directory(self.environ)

    def expand(self, path: str) -> str:
        """``path`` with a leading ``~`` taken from this context's home."""
        return expand_home(path, self.environ)


def process_reader(names: tuple[str, ...]) -> tuple[Callable[[object], object], tuple[object, ...]]:
    """A getter and keys such that ``tuple(map(getter, keys))`` is the process environment's
    current values of ``names`` (None: unset), as a cache key, not as text: read from
    ``os.environ``'s encoded store, since ``os.environ.get`` of an unset name costs
    microseconds (it raises and catches KeyError inside), a dozen of them a whole warm
    ``resolve()``. The store follows every change made through ``os.environ``. A pair, not
    a function, so that the hot path spends no call on it."""
    store = getattr(os.environ, "_data", None)
    if not isinstance(store, dict):  # pragma: no cover - not CPython's os.environ
        return os.environ.get, names  # type: ignore[return-value]
    return store.get, tuple(map(getattr(os.environ, "encodekey", str), names))


def library_setting(name: str) -> str:
    """``name`` in the process environment itself, for naming what a library read from
    there whatever a ``Context`` says (the ``keyring`` package's backend, chosen once per
    process by ``PYTHON_KEYRING_BACKEND``): never for a setting of rolechain's own."""
    return os.environ.get(name, "")


def lock_timeout(environ: Mapping[str, str]) -> float:
    """Seconds to wait for a lock: ``ROLECHAIN_LOCK_TIMEOUT`` if a valid number, else 120."""
    text = environ.get("ROLECHAIN_LOCK_TIMEOUT", "").strip()
    try:
        value = float(text) if text else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT
    return value if value >= 0 else DEFAULT_LOCK_TIMEOUT


def timeout_setting(name: str, default: float, environ: Mapping[str, str]) -> float:
    """Seconds from ``name`` (0 < value <= 120), else ``default``; ConfigError if invalid."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_STS_TIMEOUT:
        from resolver.errors import ConfigError

        message = f"{name} must be seconds between 0 and {MAX_STS_TIMEOUT:g}, got {text!r}"
        raise ConfigError(message, reason="invalid-sts-timeout")
    return value

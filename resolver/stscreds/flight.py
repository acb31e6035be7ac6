"""``Flight``: one call in progress, whose outcome every caller that waits for it shares.

The owner elects the leader under its own lock (``join``); the leader makes the call and
ends the flight once, with ``succeed`` or ``fail``; the others wait for ``done`` and read
``outcome()``: the leader's value, or its exception raised again in their thread. Used by
``CredentialsCache`` (one ``retrieve`` at a time) and the credentials server (one
background refresh per profile).
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar, cast

from resolver.errors import ProviderError

T = TypeVar("T")


class Flight(Generic[T]):
    """One call in progress and, once ``done`` is set, its outcome (a value or ``error``).

    ``what`` names the call in the error waiters get when the leader was interrupted by a
    ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``, ``SystemExit``),
    which is not raised again in other threads.
    """

    __slots__ = ("_value", "done", "error", "what")

    def __init__(self, what: str = "the call") -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.what = what
        self._value: T | None = None

    def succeed(self, value: T) -> None:
        """End the flight with ``value``."""
        self._value = value
        self.done.set()

    def fail(self, error: BaseException) -> None:
        """End the flight with ``error``."""
        self.error = error
        self.done.set()

    def outcome(self) -> T:
        """Wait for the end of the flight: its value, or its error raised here."""
        self.done.wait()
        if self.error is None:
            return cast(T, self._value)
        if isinstance(self.error, Exception):
            raise self.error
        raise ProviderError(f"{self.what} was interrupted in another thread")


def join(current: Flight[T] | None, what: str = "the call") -> tuple[Flight[T], bool]:
    """The flight under way (``current`` unless it is None or done), or a new one, and
    whether the caller leads it. Call it under the lock that guards ``current``."""
    if current is not None and not current.done.is_set():
        return current, False
    return Flight(what), True

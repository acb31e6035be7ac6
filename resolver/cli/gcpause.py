"""Garbage-collector tuning for the CLI process, never for library callers.

A command of the CLI lives for well under a second, imports pydantic and botocore, and
builds a few thousand objects that all stay alive until it exits. The collector finds
next to nothing to free in such a run, yet the heap those imports leave makes it run
full (generation 2) collections of 25-45 ms. So the CLI pauses it for the run and
restores the previous state afterwards (which matters when the CLI is called in process,
as the tests do). The console script (``resolver.cli``) turns it off for good
before it gets here: re-enabling it at the end would start a full collection of
everything the run allocated (about 25 ms) just before the process exits. Long-lived
children (``exec``'s command) are separate processes and are not affected.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collector() -> Iterator[None]:
    """Disable the cyclic collector inside the block; put its previous state back after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

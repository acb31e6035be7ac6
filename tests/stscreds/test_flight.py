"""Flight: N threads, one call; every thread gets the leader's result or its exception."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import cast

import pytest

from resolver.errors import ProviderError
from resolver.stscreds.flight import Flight, join

THREADS = 24


class Owner:
    """The pattern the cache and the server follow: elect under a lock, lead or wait.
    The leader holds its call until every thread has joined the flight."""

    def __init__(self, call: Callable[[], object]) -> None:
        self.call = call
        self.calls = 0
        self.joined = 0
        self.lock = threading.Condition()
        self.flight: Flight[object] | None = None

    def get(self) -> object:
        with self.lock:
            flight, leader = join(self.flight, "the test call")
            self.flight = flight
            self.joined += 1
            self.lock.notify_all()
            if leader:
                assert self.lock.wait_for(lambda: self.joined == THREADS, 30)
        if not leader:
            return flight.outcome()
        self.calls += 1
        try:
            value = self.call()
        except BaseException as exc:
            flight.fail(exc)
            raise
        flight.succeed(value)
        return value


def run(owner: Owner) -> tuple[list[object], list[BaseException]]:
    results: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(owner.get())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def test_n_threads_one_call_all_get_its_result() -> None:
    value = object()
    owner = Owner(lambda: value)
    results, errors = run(owner)
    assert errors == []
    assert owner.calls == 1
    assert len(results) == THREADS and all(result is value for result in results)


def test_n_threads_one_call_all_get_its_exception() -> None:
    error = ProviderError("denied")

    def call() -> object:
        raise error

    owner = Owner(call)
    results, errors = run(owner)
    assert results == []
    assert owner.calls == 1
    assert len(errors) == THREADS and all(raised is error for raised in errors)


def test_waiters_share_the_leaders_value_and_exception() -> None:
    for outcome in (object(), ValueError("boom")):
        flight: Flight[object] = Flight()
        got: list[object] = []

        def wait(target: Flight[object] = flight, into: list[object] = got) -> None:
            try:
                into.append(target.outcome())
            except ValueError as exc:
                into.append(exc)

        threads = [threading.Thread(target=wait) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        if isinstance(outcome, ValueError):
            flight.fail(outcome)
        else:
            flight.succeed(outcome)
        for thread in threads:
            thread.join(30)
        assert len(got) == THREADS and all(item is outcome for item in got)


def test_a_flight_is_joined_until_done_then_a_new_one_starts() -> None:
    first, leads = join(cast("Flight[int] | None", None))
    assert leads
    assert join(first) == (first, False)
    first.succeed(1)
    second, leads = join(first)
    assert leads and second is not first


def test_an_interrupted_leader_is_not_raised_again_in_waiters() -> None:
    flight: Flight[int] = Flight("credential refresh")
    flight.fail(KeyboardInterrupt())
    with pytest.raises(ProviderError, match=r"^credential refresh was interrupted in another"):
        flight.outcome()

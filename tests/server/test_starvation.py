"""Issue 19 item 7: clients without the token cannot starve the server of slots."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resolver.server import listener, protocol
from resolver.server.source import ProfileSource
from tests.server.support import FakeFetch, get, running

TOKEN = "t" * 43
PATH = "/profiles/prod"
ROOT = Path(__file__).resolve().parents[2]


def test_a_flood_without_the_token_does_not_starve_a_token_holder() -> None:
    """300 sockets that send one byte and reopen when closed, against the default 256 slots:
    every request of the token holder is served, p99 under 100 ms (the issue's bound)."""
    with running({PATH: ProfileSource("prod", FakeFetch())}, TOKEN) as server:
        port = server.server_address[1]
        assert get(port, PATH, TOKEN)[0] == 200  # warm: answers come from memory
        # A process of its own (not a thread here): the flood does not compete with the
        # server for this interpreter's lock, as a real attacker would not.
        command = [sys.executable, "-m", "tests.server.flood", str(port), "300", "60", str(10**7)]
        flood = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert flood.stdout is not None
        try:
            assert flood.stdout.readline().strip() == "ready"
            end = time.monotonic() + 10
            while len(server._connections) < server.max_connections // 2:  # it holds slots
                assert time.monotonic() < end
                time.sleep(0.01)
            took: list[float] = []
            for _ in range(200):
                start = time.perf_counter()
                status, _ = get(port, PATH, TOKEN)
                took.append(time.perf_counter() - start)
                assert status == 200
            assert flood.poll() is None  # still flooding when the last request was served
        finally:
            flood.terminate()
            flood.communicate(timeout=30)
    assert statistics.quantiles(took, n=100)[98] < 0.1


def test_the_oldest_client_without_a_head_is_evicted_for_a_new_one() -> None:
    """Full slots: a new client takes the slot of the oldest without a valid token, which
    gets 503 at once (before item 7 the new client got the 503)."""
    with running({PATH: ProfileSource("prod", FakeFetch())}, TOKEN, max_connections=4) as server:
        port = server.server_address[1]
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
        try:
            idle[0].send(b"G")
            time.sleep(0.1)  # the four hold every slot
            assert get(port, PATH, TOKEN)[0] == 200
            assert idle[0].recv(100).startswith(b"HTTP/1.1 503")
            for sock in idle[1:]:  # the others still hold their slots
                sock.settimeout(0.2)
                with pytest.raises(TimeoutError):
                    sock.recv(100)
        finally:
            for sock in idle:
                sock.close()


def test_clients_without_a_head_are_dropped_early_only_when_over_half_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(protocol, "READ_TIMEOUT", 60.0)
    monkeypatch.setattr(listener, "CROWDED_HEAD_SECONDS", 0.3)
    with running({PATH: ProfileSource("prod", FakeFetch())}, TOKEN, max_connections=8) as server:
        port = server.server_address[1]
        idle = [socket.create_connection(("127.0.0.1", port), timeout=1) for _ in range(4)]
        try:
            with pytest.raises(TimeoutError):  # half full: each keeps its READ_TIMEOUT
                idle[0].recv(100)
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=1))
            for sock in idle[:4]:  # over half full: the four older ones are dropped early
                sock.settimeout(10)
                assert sock.recv(100) in (b"", protocol.response(408, listener._LATE_BODY)[:100])
            with pytest.raises(TimeoutError):  # half full again: the newest keeps its slot
                idle[4].recv(100)
            assert get(port, PATH, TOKEN)[0] == 200
        finally:
            for sock in idle:
                sock.close()

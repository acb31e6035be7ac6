"""Helpers for the server tests: raw HTTP on a socket, and a fake credential fetch."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from resolver.server.container import ContainerRoutes
from resolver.server.listener import CredentialServer
from resolver.server.source import ProfileSource
from resolver.stscreds.credentials import Credentials


def raw(port: int, data: bytes, *, host: str = "127.0.0.1", shut: bool = False) -> bytes:
    """Send ``data``, optionally half-close, and read the whole response."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(data)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def get(port: int, path: str, token: str | None, method: str = "GET") -> tuple[int, Any]:
    """Status and JSON body of one request."""
    auth = f"Authorization: {token}\r\n" if token is not None else ""
    answer = raw(port, f"{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body) if body else None


class FakeFetch:
    """Returns numbered credentials expiring ``lifetime`` from now; counts its calls."""

    def __init__(self, lifetime: timedelta = timedelta(hours=1)) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.error: Exception | None = None
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self) -> Credentials:
        self.gate.wait(10)
        self.calls += 1
        if self.error is not None:
            raise self.error
        return Credentials(
            f"ASIAFAKE{self.calls:04d}", "secret", "token",
            expires=datetime.now(timezone.utc) + self.lifetime, account_id="123456789012",
        )  # fmt: skip


@contextmanager
def running(
    sources: dict[str, ProfileSource], token: str = "t" * 43, **kw: Any
) -> Iterator[CredentialServer]:
    server = CredentialServer(("127.0.0.1", 0), ContainerRoutes(sources, token), **kw)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

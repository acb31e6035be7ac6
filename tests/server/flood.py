"""A flood of clients without the token, for the server tests.

``python -m tests.server.flood PORT SOCKETS SECONDS MOST`` keeps ``SOCKETS`` connections
open, each having sent one byte, and reopens every one the server answers or closes; it
stops after ``SECONDS`` or ``MOST`` opens, whichever comes first. It prints ``ready`` once
``SOCKETS`` connections have been opened, and the number of opens when it stops.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import sys
import time


def flood(port: int, count: int, seconds: float, most: int) -> int:
    """Run the flood; the number of connections opened."""
    selector = selectors.DefaultSelector()
    opens = 0

    def open_one() -> None:
        nonlocal opens
        opens += 1
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            sock.send(b"G")
        except OSError:
            return
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)

    for _ in range(count):
        open_one()
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end and opens < most:
        for key, _ in selector.select(0.05):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            selector.unregister(sock)
            sock.close()
            open_one()
        for _ in range(count - len(selector.get_map())):  # those that failed to open
            open_one()
    for key in list(selector.get_map().values()):
        with contextlib.suppress(OSError):
            key.fileobj.close()  # type: ignore[union-attr]
    return opens


if __name__ == "__main__":
    port, count, seconds, most = sys.argv[1:5]
    print(flood(int(port), int(count), float(seconds), int(most)), flush=True)

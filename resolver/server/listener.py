"""``CredentialServer``: one selector loop serving every connection, bounded in number,
for either protocol: what a request gets is its ``Routes``' to say (the container
protocol's in ``container``, the instance metadata service's in ``imds``).

Warm answers are bytes in memory, so one thread answers them all without a thread per
connection (and the GIL hand-offs that costs); a request whose profile has nothing valid
to serve yet is handed to a thread of its own, so a refresh (or an MFA prompt) never
blocks other clients. Each client has ``READ_TIMEOUT`` seconds to send a head of at most
``MAX_HEAD`` bytes (``CROWDED_HEAD_SECONDS`` when over half the slots are taken).

Slots cannot be starved by clients without the token: a connection that has not yet
presented a valid token is *pending*; when the slots are full (or pending ones hold all but
``max_connections // 8``, the reserve), the oldest pending connection is answered 503 and
closed to make room. A new connection is refused only when every slot holds a client that
presented the token. Heads already received are read before new connections are
accepted, and at most ``ACCEPT_BATCH`` are accepted at a time, so a client that sent its
head is judged before newer ones can push it out.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import sys
import threading
import time
from typing import Protocol

from resolver.server import protocol
from resolver.server.protocol import BadRequest, Reply, Request, error_body, parse_head, response
from resolver.server.source import ProfileSource

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 256
ACCEPT_BATCH = 64
CROWDED_HEAD_SECONDS = 2.0
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 1.0
_BUSY_BODY = error_body("Busy", "too many connections")
_BUSY = response(503, _BUSY_BODY)
_LATE_BODY = error_body("Timeout", "request head not received in time")


class Routes(Protocol):
    """What a protocol serves: its sources, and each request's refusal or source."""

    sources: dict[str, ProfileSource]

    def check(self, request: Request) -> Reply | ProfileSource:
        """A reply to send at once, or the source to answer from (``ready``/``answer``)."""
        ...


class _Connection:
    __slots__ = ("buffer", "deadline", "drain", "out", "sock", "started", "what")

    def __init__(self, sock: socket.socket, now: float) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.started = now
        self.deadline = now + protocol.READ_TIMEOUT
        self.out = b""
        self.what = ("-", "-")
        self.drain = -1  # bytes still to discard after an error answer; -1: not draining


class CredentialServer:
    """Serves ``routes`` on ``address``."""

    write_timeout = 5.0

    def __init__(
        self,
        address: tuple[str, int],
        routes: Routes,
        *,
        family: socket.AddressFamily = socket.AF_INET,
        max_connections: int = MAX_CONNECTIONS,
        verbose: bool = False,
    ) -> None:
        self.routes = routes
        self.verbose = verbose
        self.max_connections = max_connections
        self._log_lock = threading.Lock()
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(address)
            self._listener.listen(max(128, 2 * max_connections))
        except OSError:
            self._listener.close()
            raise
        self._listener.setblocking(False)
        self.server_address = self._listener.getsockname()
        self._wake_r, self._wake_w = socket.socketpair()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._connections: dict[socket.socket, _Connection] = {}
        # Those without a valid token yet, oldest first (dicts keep insertion order).
        self._pending: dict[socket.socket, _Connection] = {}
        self._pending_limit = max(1, max_connections - max_connections // 8)
        self._handed_off = threading.BoundedSemaphore(max_connections)

    def __repr__(self) -> str:
        return f"CredentialServer({self.server_address!r}, {self.routes!r})"

    @property
    def sources(self) -> dict[str, ProfileSource]:
        """The routes' sources, by path."""
        return self.routes.sources

    def route(self, request: Request) -> Reply:
        """The reply to ``request`` (which may wait for a fetch)."""
        found = self.routes.check(request)
        if isinstance(found, ProfileSource):
            return Reply(*found.answer())
        return found

    def log(self, method: str, path: str, status: int, seconds: float) -> None:
        """One line per request with ``verbose``; otherwise server errors only."""
        if self.verbose or status >= 500:
            took = f"{seconds * 1000:.1f}ms"
            line = f"rolechain serve: {method[:16]} {path[:200]!r} {status} {took}"
            with self._log_lock:
                print(line, file=sys.stderr, flush=True)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Run the loop until ``shutdown()``."""
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ, "accept")
        selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                soonest = min((c.deadline for c in self._connections.values()), default=None)
                wait = (
                    poll_interval
                    if soonest is None
                    else max(0.0, min(poll_interval, soonest - now))
                )
                accept = False
                for key, events in selector.select(wait):
                    if key.data == "accept":
                        accept = True
                    elif key.data != "wake":
                        self._ready(selector, key.data, events)
                if accept:  # after the heads already here: they are judged first
                    self._accept(selector)
                self._expire(selector, time.monotonic())
        finally:
            for connection in list(self._connections.values()):
                self._close(selector, connection)
            selector.close()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` and wait for it."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._stopped.wait(10)

    def server_close(self) -> None:
        """Close the listening socket."""
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: try again later
                logger.error("rolechain serve: accept failed: %s", exc.strerror)
                return
            sock.setblocking(False)
            full = len(self._connections) >= self.max_connections
            if full or len(self._pending) >= self._pending_limit:
                if not self._pending:  # every slot holds a client with the token
                    _refuse(sock, _BUSY)
                    continue
                self._evict(selector)
            connection = _Connection(sock, time.monotonic())
            self._connections[sock] = connection
            self._pending[sock] = connection
            selector.register(sock, selectors.EVENT_READ, connection)

    def _evict(self, selector: selectors.BaseSelector) -> None:
        """Make room: the oldest connection without a valid token gets 503 and is closed."""
        oldest = next(iter(self._pending.values()))
        if not oldest.out and oldest.drain < 0:  # not answered yet
            with contextlib.suppress(OSError):
                oldest.sock.send(_BUSY)
        self._close(selector, oldest)

    def _ready(self, selector: selectors.BaseSelector, c: _Connection, events: int) -> None:
        if events & selectors.EVENT_WRITE:
            self._flush(selector, c)
            return
        try:
            chunk = c.sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(selector, c)
            return
        if c.drain >= 0:  # after an error answer: read what the client still sends
            c.drain -= len(chunk)
            if not chunk or c.drain < 0:
                self._close(selector, c)
            return
        c.buffer += chunk
        end = c.buffer.find(b"\r\n\r\n")
        if end < 0:
            end = c.buffer.find(b"\n\n")
        if end < 0 and len(c.buffer) <= protocol.MAX_HEAD and chunk:
            return
        try:
            if end < 0 or end > protocol.MAX_HEAD:
                raise BadRequest(400, "request head too large or incomplete")
            request = parse_head(bytes(c.buffer[:end]))
        except BadRequest as exc:
            c.drain = DRAIN_BYTES
            self._reply(selector, c, Reply(exc.status, error_body("BadRequest", str(exc))))
            return
        c.what = (request.method, request.path)
        found = self.routes.check(request)
        if isinstance(found, ProfileSource):
            del self._pending[c.sock]  # it has the token: no longer evictable
            body = found.ready()
            if body is None:
                self._hand_off(selector, c, found)
                return
            found = Reply(200, body)
        self._reply(selector, c, found)

    def _hand_off(
        self, selector: selectors.BaseSelector, c: _Connection, source: ProfileSource
    ) -> None:
        """Answer from ``source`` in a thread of its own (it must fetch first)."""
        if not self._handed_off.acquire(blocking=False):  # as many as connections, at most
            self._reply(selector, c, Reply(503, _BUSY_BODY))
            return
        selector.unregister(c.sock)
        del self._connections[c.sock]

        def answer() -> None:
            try:
                status, body = source.answer()
            finally:
                self._handed_off.release()
            try:
                c.sock.setblocking(True)
                c.sock.settimeout(self.write_timeout)
                c.sock.sendall(response(status, body))
            except OSError:
                pass
            finally:
                # Logged before the close that ends the client's read: a server stopped
                # right after a request has always written its line.
                self.log(*c.what, status, time.monotonic() - c.started)
                c.sock.close()

        threading.Thread(target=answer, name="rolechain-answer", daemon=True).start()

    def _reply(self, selector: selectors.BaseSelector, c: _Connection, reply: Reply) -> None:
        c.out = reply.encode()
        c.deadline = time.monotonic() + self.write_timeout
        self.log(*c.what, reply.status, time.monotonic() - c.started)
        self._flush(selector, c)

    def _flush(self, selector: selectors.BaseSelector, c: _Connection) -> None:
        try:
            sent = c.sock.send(c.out)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._close(selector, c)
            return
        c.out = c.out[sent:]
        if c.out:
            selector.modify(c.sock, selectors.EVENT_WRITE, c)
        elif c.drain >= 0:
            # Closing with unread input would reset the connection, and the client might
            # lose our answer: half-close, then discard its input for a moment.
            try:
                c.sock.shutdown(socket.SHUT_WR)
            except OSError:
                self._close(selector, c)
                return
            c.deadline = time.monotonic() + DRAIN_SECONDS
            selector.modify(c.sock, selectors.EVENT_READ, c)
        else:
            self._close(selector, c)

    def _drop_late(self, selector: selectors.BaseSelector, now: float) -> None:
        """Over half full: drop every client still without a head after
        ``CROWDED_HEAD_SECONDS``."""
        if len(self._connections) <= self.max_connections // 2:
            return
        late = now - CROWDED_HEAD_SECONDS
        for c in [c for c in self._pending.values() if c.started <= late]:
            if not c.out and c.drain < 0:
                with contextlib.suppress(OSError):
                    c.sock.send(response(408, _LATE_BODY))
                self._close(selector, c)

    def _expire(self, selector: selectors.BaseSelector, now: float) -> None:
        self._drop_late(selector, now)
        for c in [c for c in self._connections.values() if c.deadline <= now]:
            if c.out or c.drain >= 0:
                self._close(selector, c)
            else:
                c.drain = DRAIN_BYTES
                self._reply(selector, c, Reply(408, _LATE_BODY))

    def _close(self, selector: selectors.BaseSelector, c: _Connection) -> None:
        self._pending.pop(c.sock, None)
        if self._connections.pop(c.sock, None) is not None:
            selector.unregister(c.sock)
        c.sock.close()


def _refuse(sock: socket.socket, answer: bytes) -> None:
    """Send ``answer`` if the socket takes it at once, and close."""
    with contextlib.suppress(OSError):
        sock.send(answer)
    sock.close()

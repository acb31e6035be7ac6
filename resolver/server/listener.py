"""``CredentialServer``: one selector loop serving every connection, bounded in number.

Warm answers are bytes in memory, so one thread answers them all without a thread per
connection (and the GIL hand-offs that costs); a request whose profile has nothing valid
to serve yet is handed to a thread of its own, so a refresh (or an MFA prompt) never
blocks other clients. Each client has ``READ_TIMEOUT`` seconds to send a head of at most
``MAX_HEAD`` bytes; beyond ``max_connections`` open connections a new one gets 503 at
once. Tokens are compared in constant time.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import selectors
import socket
import sys
import threading
import time
from collections.abc import Mapping

from resolver.server import protocol
from resolver.server.protocol import BadRequest, error_body, parse_head, response
from resolver.server.source import ProfileSource

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 256
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 1.0
_BUSY_BODY = error_body("Busy", "too many connections")
_BUSY = response(503, _BUSY_BODY)


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
    """Serves ``sources`` (path -> ProfileSource) to clients presenting ``token``."""

    write_timeout = 5.0

    def __init__(
        self,
        address: tuple[str, int],
        sources: Mapping[str, ProfileSource],
        token: str,
        *,
        family: socket.AddressFamily = socket.AF_INET,
        max_connections: int = MAX_CONNECTIONS,
        verbose: bool = False,
    ) -> None:
        self.sources = dict(sources)
        self._token = token.encode()
        self.verbose = verbose
        self.max_connections = max_connections
        self._log_lock = threading.Lock()
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(address)
            self._listener.listen(128)
        except OSError:
            self._listener.close()
            raise
        self._listener.setblocking(False)
        self.server_address = self._listener.getsockname()
        self._wake_r, self._wake_w = socket.socketpair()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._connections: dict[socket.socket, _Connection] = {}
        self._handed_off = threading.BoundedSemaphore(max_connections)

    def __repr__(self) -> str:
        return f"CredentialServer({self.server_address!r}, paths={sorted(self.sources)!r})"

    def route(self, method: str, path: str, authorization: tuple[str, ...]) -> tuple[int, bytes]:
        """Status and body: 401 no token, 403 wrong token, 405 not GET, 404 unknown path;
        else the profile's answer (which may wait for a fetch)."""
        found = self.check(method, path, authorization)
        if isinstance(found, ProfileSource):
            return found.answer()
        return found

    def check(
        self, method: str, path: str, authorization: tuple[str, ...]
    ) -> tuple[int, bytes] | ProfileSource:
        """The refusal for a request, or the source to answer it from."""
        if not authorization:
            return 401, error_body("Unauthorized", "missing Authorization header")
        given = authorization[0].encode() if len(authorization) == 1 else b""
        if not hmac.compare_digest(given, self._token):
            return 403, error_body("Forbidden", "wrong authorization token")
        if method != "GET":
            return 405, error_body("MethodNotAllowed", "only GET is supported")
        source = self.sources.get(path)
        if source is None:
            return 404, error_body("NotFound", "no profile is served at this path")
        return source

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
                for key, events in selector.select(wait):
                    if key.data == "accept":
                        self._accept(selector)
                    elif key.data != "wake":
                        self._ready(selector, key.data, events)
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
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: try again later
                logger.error("rolechain serve: accept failed: %s", exc.strerror)
                return
            sock.setblocking(False)
            if len(self._connections) >= self.max_connections:
                with contextlib.suppress(OSError):
                    sock.send(_BUSY)
                sock.close()
                continue
            connection = _Connection(sock, time.monotonic())
            self._connections[sock] = connection
            selector.register(sock, selectors.EVENT_READ, connection)

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
            self._reply(selector, c, exc.status, error_body("BadRequest", str(exc)))
            return
        c.what = (request.method, request.path)
        found = self.check(request.method, request.path, request.authorization)
        if isinstance(found, ProfileSource):
            body = found.ready()
            if body is None:
                self._hand_off(selector, c, found)
                return
            found = (200, body)
        self._reply(selector, c, *found)

    def _hand_off(
        self, selector: selectors.BaseSelector, c: _Connection, source: ProfileSource
    ) -> None:
        """Answer from ``source`` in a thread of its own (it must fetch first)."""
        if not self._handed_off.acquire(blocking=False):  # as many as connections, at most
            self._reply(selector, c, 503, _BUSY_BODY)
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

    def _reply(
        self, selector: selectors.BaseSelector, c: _Connection, status: int, body: bytes
    ) -> None:
        c.out = response(status, body)
        c.deadline = time.monotonic() + self.write_timeout
        self.log(*c.what, status, time.monotonic() - c.started)
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

    def _expire(self, selector: selectors.BaseSelector, now: float) -> None:
        for c in [c for c in self._connections.values() if c.deadline <= now]:
            if c.out or c.drain >= 0:
                self._close(selector, c)
            else:
                c.drain = DRAIN_BYTES
                timeout = error_body("Timeout", "request head not received in time")
                self._reply(selector, c, 408, timeout)

    def _close(self, selector: selectors.BaseSelector, c: _Connection) -> None:
        if self._connections.pop(c.sock, None) is not None:
            selector.unregister(c.sock)
        c.sock.close()

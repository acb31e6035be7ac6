"""``CredentialServer``: a threaded TCP server with a bounded number of connections.

Each connection gets its own thread, at most ``max_connections`` at a time; one more is
answered 503 at once and closed, so a flood or a few slow clients never block the
accept loop or crash the server. Requests are authorized in constant time.
"""

from __future__ import annotations

import hmac
import logging
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from resolver.server.protocol import BadRequest, error_body, parse_head, read_head, response
from resolver.server.source import ProfileSource

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 64
_BUSY = response(503, error_body("Busy", "too many connections"))


class _Handler(socketserver.BaseRequestHandler):
    server: CredentialServer

    def handle(self) -> None:
        started = time.perf_counter()
        sock: socket.socket = self.request
        method = path = "-"
        try:
            request = parse_head(read_head(sock))
            method, path = request.method, request.path
            status, body = self.server.route(method, path, request.authorization)
        except BadRequest as exc:
            status, body = exc.status, error_body("BadRequest", str(exc))
        try:
            sock.settimeout(self.server.write_timeout)
            sock.sendall(response(status, body))
        except OSError:
            pass
        self.server.log(method, path, status, time.perf_counter() - started)


class CredentialServer(socketserver.ThreadingTCPServer):
    """Serves ``sources`` (path -> ProfileSource) to clients presenting ``token``."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128
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
        self.address_family = family
        self.sources = dict(sources)
        self._token = token.encode()
        self.verbose = verbose
        self._slots = threading.BoundedSemaphore(max_connections)
        self._log_lock = threading.Lock()
        super().__init__(address, _Handler)

    def __repr__(self) -> str:
        return f"CredentialServer({self.server_address!r}, paths={sorted(self.sources)!r})"

    def route(self, method: str, path: str, authorization: tuple[str, ...]) -> tuple[int, bytes]:
        """Status and body: 401 no token, 403 wrong token, 405 not GET, 404 unknown path."""
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
        return source.answer()

    def log(self, method: str, path: str, status: int, seconds: float) -> None:
        """One line per request with ``verbose``; otherwise server errors only."""
        if self.verbose or status >= 500:
            line = f"rolechain serve: {method[:16]} {path[:200]!r} {status} {seconds * 1000:.1f}ms"
            with self._log_lock:
                print(line, file=sys.stderr, flush=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(0.5)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        kind = sys.exc_info()[0]
        logger.error(
            "rolechain serve: error handling a request: %s", kind.__name__ if kind else "?"
        )

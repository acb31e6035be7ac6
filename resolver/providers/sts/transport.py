"""An HTTP/1.1 transport for STS calls made of the standard library only.

It behaves as botocore's ``URLLib3Session`` does for a query-protocol call whose body is
read by ``lite._bounded_body``: keep-alive connections per target (at most ``MAX_IDLE``
idle, a pooled one the peer closed is replaced), TCP_NODELAY, a connect timeout for the
TCP connect (and the CONNECT tunnel and TLS handshake), a read timeout for every read
after, the CA bundle botocore would use, an ``http://`` proxy (CONNECT tunnel for https
targets, absolute-URI requests for http ones, ``Proxy-Authorization`` from the proxy
URL's userinfo), and botocore's transport exceptions, built only when one is raised.
An answer is read up to ``MAX_ANSWER_BYTES`` in all (status, headers, framing, body) and
its body up to ``MAX_BODY`` + 1 bytes. (``http.client`` imports ``ssl`` itself.)
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from resolver.providers.sts.transport_errors import Failed, botocore_error
from resolver.providers.sts.transport_setup import (
    UnsupportedProxyError,
    fixed_proxy,
    masked,
    proxy_headers,
    tls_context,
)

__all__ = ["MAX_BODY", "HttpAnswer", "HttpTransport", "UnsupportedProxyError"]

MAX_BODY = 1024 * 1024
MAX_ANSWER_BYTES = 16 * MAX_BODY  # one answer: status line, headers, chunk framing, body
MAX_IDLE = 10  # botocore's max_pool_connections
DEFAULT_PORTS = {"http": 80, "https": 443}


class HttpAnswer:
    """One HTTP answer: status, reason, headers (lower-case names, a repeated name's
    values joined by ", ", as botocore's parser sees them) and the body."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(self, status: int, reason: str, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:  # the body holds credentials: never shown
        return f"HttpAnswer(status={self.status}, reason={self.reason!r}, {len(self.body)} bytes)"


class _Budget(io.RawIOBase):
    """A socket's reads, ``MAX_ANSWER_BYTES`` in all; ``holder`` (the socket's own file,
    which keeps the socket open while the answer is read) closes with it."""

    def __init__(self, sock: Any, holder: Any) -> None:
        self._sock, self._holder, self._left = sock, holder, MAX_ANSWER_BYTES

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            raise http.client.HTTPException(f"the answer is longer than {MAX_ANSWER_BYTES} bytes")
        view = memoryview(buffer)[: self._left]
        count = int(self._sock.recv_into(view))
        self._left -= count
        return count

    def close(self) -> None:
        self._holder.close()
        super().close()


class _Answer(http.client.HTTPResponse):
    """http.client's response, its reads bounded by ``_Budget``."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_Budget(sock, self.fp))


class _Route:
    """Where a target's connections go: the TCP address (the target or its proxy), the
    CONNECT tunnel's headers (None: no tunnel), TLS or not, the request target's form."""

    __slots__ = ("absolute", "address", "proxy_headers", "proxy_url", "tls", "tunnel")

    def __init__(self, scheme: str, host: str, port: int, proxy: str | None) -> None:
        self.tls = scheme == "https"
        self.address, self.proxy_url = (host, port), None
        self.proxy_headers: dict[str, str] = {}
        self.tunnel = self.absolute = False
        if proxy is not None:
            parts = urlsplit(proxy)
            self.address = (parts.hostname or "", parts.port or 80)
            self.proxy_url = masked(proxy)
            self.proxy_headers = proxy_headers(parts.username, parts.password)
            self.tunnel, self.absolute = self.tls, not self.tls


class _Connection(http.client.HTTPConnection):
    """One keep-alive connection to a target, opened by ``open``."""

    response_class = _Answer
    auto_open = 0  # a connection is opened by ``open`` only

    def open(self, route: _Route, transport: HttpTransport) -> None:
        """TCP to the target (or its proxy), the CONNECT tunnel, TLS; ``Failed`` naming
        the step that failed."""
        phase = "tcp"
        try:
            sock = socket.create_connection(route.address, transport.connect_timeout)
            self.sock = sock
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if route.tunnel:
                phase = "tunnel"
                _tunnel(sock, self.host, self.port, route.proxy_headers)
            if route.tls:
                phase = "ca"
                context = transport.context()
                phase = "tls"
                self.sock = context.wrap_socket(sock, server_hostname=self.host.rstrip("."))
            self.sock.settimeout(transport.read_timeout)
        except Failed:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise Failed(phase, exc) from None


class HttpTransport:
    """Keep-alive HTTP(S) connections for STS calls, thread-safe; see the module's text."""

    def __init__(
        self,
        *,
        verify: str | bool,
        proxies: Mapping[str, str],
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        self.verify = verify
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._proxies = {scheme: fixed_proxy(url) for scheme, url in proxies.items() if url}
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._context: Any = None

    def __repr__(self) -> str:
        return f"HttpTransport(verify={self.verify!r}, proxies={sorted(self._proxies)})"

    def send(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> HttpAnswer:
        """One request and its whole answer; botocore's transport exceptions (and
        ``ResponseParserError`` for a body over ``MAX_BODY`` bytes) as ``URLLib3Session``
        with ``lite._bounded_body`` raises them."""
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme not in DEFAULT_PORTS:
                raise ValueError(f"Not supported URL scheme {scheme}")
            key = (scheme, parts.hostname or "", parts.port or DEFAULT_PORTS[scheme])
            route = _Route(*key, self._proxies.get(scheme))
        except Exception as exc:  # a URL or proxy URL botocore could not use either
            raise botocore_error(Failed("url", exc), url, None) from None
        try:
            return self._exchange(key, route, method, url, headers, body)
        except Failed as failed:
            raise botocore_error(failed, url, route.proxy_url) from None

    def _exchange(
        self,
        key: tuple[str, str, int],
        route: _Route,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> HttpAnswer:
        connection = self._checkout(key)
        if connection is None:
            connection = _Connection(key[1], key[2])
            connection.default_port = DEFAULT_PORTS[key[0]]
            connection.open(route, self)
        target = url.partition("#")[0] if route.absolute else _path(url)
        sent = dict(headers, **route.proxy_headers) if route.absolute else dict(headers)
        response = _answer(connection, method, target, sent, body)
        try:
            data = _bounded_body(response)
        except Exception as exc:
            _discard(connection, response)
            raise Failed("body", exc) from None
        if len(data) > MAX_BODY:
            _discard(connection, response)
            from botocore.parsers import ResponseParserError

            raise ResponseParserError(f"the STS response is larger than {MAX_BODY} bytes")
        self._checkin(key, connection, response)
        return HttpAnswer(response.status, response.reason, _joined(_pairs(response)), data)

    def context(self) -> Any:
        """The TLS context of every https connection (made once): botocore's options,
        the CA bundle it would use, the host name checked."""
        with self._lock:
            if self._context is None:
                self._context = tls_context(self.verify)
            return self._context

    def _checkout(self, key: tuple[str, str, int]) -> _Connection | None:
        """An idle connection to ``key`` the peer has not closed (newest first), or None."""
        while True:
            with self._lock:
                pool = self._idle.get(key)
                connection = pool.pop() if pool else None
            if connection is None or not _dropped(connection.sock):
                return connection
            connection.close()

    def _checkin(self, key: tuple[str, str, int], connection: _Connection, response: Any) -> None:
        """Keep ``connection`` for the next call if its answer was read to the end and
        did not close it; at most ``MAX_IDLE`` per target."""
        if connection.sock is None or response.will_close or not response.isclosed():
            _discard(connection, response)
            return
        with self._lock:
            pool = self._idle.setdefault(key, [])
            if len(pool) < MAX_IDLE:
                pool.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close the idle connections (the transport stays usable)."""
        with self._lock:
            pools, self._idle = list(self._idle.values()), {}
        for pool in pools:
            for connection in pool:
                connection.close()


def _answer(
    connection: _Connection, method: str, target: str, headers: dict[str, str], body: bytes
) -> Any:
    """Send the request and read the answer's status and headers, as urllib3 does: a
    peer that closed or reset while the request was written may still have answered."""
    import errno

    try:
        connection.request(method, target, body=body, headers=headers)
    except OSError as exc:
        if not isinstance(exc, BrokenPipeError) and exc.errno not in (
            errno.EPROTOTYPE,
            errno.ECONNRESET,
        ):
            connection.close()
            raise Failed("send", exc) from None
    except Exception:  # an invalid method, target or header: its value is never shown
        connection.close()
        invalid = ValueError("the request could not be written (an invalid method, URL or header)")
        raise Failed("send", invalid) from None
    try:
        response = connection.getresponse()
    except Exception as exc:
        connection.close()
        raise Failed("answer", exc) from None
    problem = _length_problem(_pairs(response))
    if problem is not None:
        _discard(connection, response)
        raise Failed("headers", ValueError(problem)) from None
    return response


def _bounded_body(response: Any) -> bytes:
    """At most ``MAX_BODY`` + 1 bytes of the body."""
    chunks: list[bytes] = []
    left = MAX_BODY + 1
    while left > 0:
        data = response.read(left)
        if not data:
            break
        chunks.append(data)
        left -= len(data)
    return b"".join(chunks)


def _discard(connection: _Connection, response: Any) -> None:
    response.close()
    connection.close()


def _tunnel(sock: socket.socket, host: str, port: int, headers: Mapping[str, str]) -> None:
    """A CONNECT tunnel through the proxy ``sock`` is connected to, requested as
    http.client requests it, its answer's headers bounded as an answer's are."""
    sock.sendall(_connect_request(host, port, headers))
    response = _Answer(sock, method="CONNECT")
    try:
        response.begin()
        if response.status != 200:  # urllib3 closes the connection: its proxy failed
            reason = f"Tunnel connection failed: {response.status} {response.reason.strip()}"
            raise Failed("proxy", OSError(reason))
    finally:
        response.close()


class _Written(Exception):
    """Stops http.client's tunnel once it has written its CONNECT request."""


def _connect_request(host: str, port: int, headers: Mapping[str, str]) -> bytes:
    """The CONNECT request this Python's http.client writes for a tunnel to ``host:port``
    (urllib3 tunnels through it). Its HTTP version, its ``Host`` header and the form of
    an IPv6 address differ between CPython releases, so it is taken from http.client."""
    probe = http.client.HTTPConnection("proxy.invalid")
    probe.set_tunnel(host, port, dict(headers))
    written: list[bytes] = []

    def capture(data: bytes) -> None:
        written.append(data)
        raise _Written

    setattr(probe, "send", capture)  # noqa: B010 (an instance's method, replaced)
    try:
        getattr(probe, "_tunnel")()  # noqa: B009 (http.client's own request writer)
    except _Written:
        return written[0]
    raise RuntimeError("http.client wrote no CONNECT request")


def _pairs(response: Any) -> list[tuple[str, str]]:
    """The answer's headers as urllib3 takes them: obsolete line folding joined with a
    space."""
    pairs = response.msg.items()
    for index, (name, value) in enumerate(pairs):
        if "\r\n" in value:
            import re

            pairs[index] = (name, re.sub(r"(?:(?<![ \t])[ \t]+)?\r\n[ \t]+", " ", value))
    return list(pairs)


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Lower-case names, a repeated name's values joined by ", " (urllib3's headers as
    botocore's parser reads them)."""
    found: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        found[key] = f"{found[key]}, {value}" if key in found else value
    return found


def _length_problem(pairs: list[tuple[str, str]]) -> str | None:
    """urllib3's refusal of a Content-Length with differing values (unless chunked)."""
    encodings = ", ".join(value for name, value in pairs if name.lower() == "transfer-encoding")
    lengths = [value for name, value in pairs if name.lower() == "content-length"]
    if not lengths or "chunked" in (part.strip() for part in encodings.lower().split(",")):
        return None
    joined = ", ".join(lengths)
    try:
        values = {int(value) for value in joined.split(",")}
    except ValueError:
        return None
    if len(values) > 1:
        return f"Content-Length contained multiple unmatching values ({joined})"
    return None


def _dropped(sock: Any) -> bool:
    """True when an idle connection is closed or has unexpected data (urllib3's
    ``is_connection_dropped``)."""
    if sock is None:
        return True
    import select

    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

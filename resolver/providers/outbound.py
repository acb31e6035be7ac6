"""Every outbound HTTP call rolechain makes itself: one total deadline and a size bound.

A per-read socket timeout lets a server that drips a byte at a time hold a call for
ever; here every read (status line, headers, body) first checks one deadline for the
whole call and sets the socket's timeout to what is left of it. No redirect is followed
(the caller sees the 3xx status). ``proxy`` (an ``https`` proxy's URL, for ``https``
targets only) tunnels with CONNECT. botocore's own calls (SSO, SSO OIDC, sign-in) come
here too through ``send_botocore``, a ``before-send`` handler. Stdlib only.
"""

from __future__ import annotations

import http.client
import io
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

DEFAULT_MAX_BYTES = 1024 * 1024
BOTOCORE_CALL_SECONDS = 30.0  # the deadline of each HTTP call of botocore's SSO, sign-in


class TransportError(Exception):
    """The request got no (complete) HTTP response: refused, timed out, too large..."""

    def __init__(self, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


class _DeadlineReader(io.RawIOBase):
    """A socket's reads, each limited to what is left before ``deadline``. ``holder`` (the
    socket's own file, which keeps it open while the response is read) closes with it."""

    def __init__(self, sock: Any, deadline: float, holder: Any) -> None:
        self._sock = sock
        self._deadline = deadline
        self._holder = holder

    def close(self) -> None:
        self._holder.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the call's deadline passed")
        self._sock.settimeout(left)
        return int(self._sock.recv_into(buffer))


def _tls(ca_bundle: str | None) -> Any:
    """Verified TLS, with ``ca_bundle`` (the resolving environment's ``AWS_CA_BUNDLE``, as
    botocore) as the trust store when given."""
    import ssl

    return ssl.create_default_context(cafile=ca_bundle or None)


def _connection(
    url: str, deadline: float, proxy: str | None, ca_bundle: str | None
) -> http.client.HTTPConnection:
    parts = urlsplit(url)

    class Response(http.client.HTTPResponse):
        def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, self.fp))

    left = max(deadline - time.monotonic(), 0.001)
    host, port = parts.hostname or "", parts.port
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        if proxy:
            via = urlsplit(proxy)
            connection = http.client.HTTPSConnection(
                via.hostname or "", via.port, timeout=left, context=_tls(ca_bundle)
            )
            connection.set_tunnel(host, port)
        else:
            connection = http.client.HTTPSConnection(
                host, port, timeout=left, context=_tls(ca_bundle)
            )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=left)
    connection.response_class = Response
    return connection


def request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    *,
    seconds: float,
    body: bytes | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    proxy: str | None = None,
    ca_bundle: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """``(status, headers, body)`` within ``seconds`` in all, or TransportError (whose
    reason never quotes the URL: its query may hold a secret); https verified against
    ``ca_bundle`` when given, else the system's trust store."""
    deadline = time.monotonic() + seconds
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(url, deadline, proxy, ca_bundle)
    try:
        connection.request(method, target, body=body, headers=dict(headers))
        with connection.getresponse() as response:
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise TransportError(f"the answer is larger than {max_bytes} bytes")
            return response.status, dict(response.getheaders()), data
    except TimeoutError:
        raise TransportError(
            f"timed out: no complete answer within {seconds:g}s", timed_out=True
        ) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise TransportError(reason) from None
    finally:
        connection.close()


def environment_proxy(url: str, environ: Mapping[str, str]) -> str | None:
    """The proxy ``environ`` names for ``url`` (https targets only; ``NO_PROXY`` applied;
    a lower-case name wins over its upper-case one, as urllib's), else None."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return None
    found: dict[str, str] = {}
    for name, value in sorted(environ.items(), key=lambda item: item[0].islower()):
        if value and name.lower().endswith("_proxy"):
            found[name.lower()[: -len("_proxy")]] = value
    if bypassed(parts.hostname or "", found.get("no", "")):
        return None
    return found.get("https")


def bypassed(host: str, no_proxy: str) -> bool:
    """``NO_PROXY``'s rule: ``*``, the host itself, or a domain the host is in."""
    for entry in (part.strip().lstrip(".").lower() for part in no_proxy.split(",")):
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class _Raw:
    """What ``botocore.awsrequest.AWSResponse`` reads a body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> list[bytes]:
        return [self._data]


def bound_botocore_client(client: Any, environ: Mapping[str, str]) -> Any:
    """``client`` with every HTTP call sent through ``request`` (``botocore_sender``), its
    proxy and CA bundle those ``environ`` names."""
    client.meta.events.register_first("before-send", botocore_sender(environ))
    return client


def botocore_sender(environ: Mapping[str, str]) -> Any:
    """A ``before-send`` handler that sends botocore's request through ``request``: one
    deadline of ``BOTOCORE_CALL_SECONDS`` per HTTP call (botocore still retries); proxy
    and CA bundle from ``environ``."""
    ca_bundle = environ.get("AWS_CA_BUNDLE") or None

    def send(**kwargs: Any) -> Any:  # botocore passes the request as ``request=``
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders
        from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

        sent = kwargs["request"]
        body = sent.body.read() if hasattr(sent.body, "read") else sent.body
        body = body.encode() if isinstance(body, str) else body
        headers = {key: _text(value) for key, value in sent.headers.items()}
        try:
            status, answer_headers, data = request(
                sent.method,
                sent.url,
                headers,
                seconds=BOTOCORE_CALL_SECONDS,
                body=body or None,
                proxy=environment_proxy(sent.url, environ),
                ca_bundle=ca_bundle,
            )
        except TransportError as exc:
            url = urlsplit(sent.url)._replace(query="").geturl()
            if exc.timed_out:
                raise ReadTimeoutError(endpoint_url=url) from None
            raise EndpointConnectionError(endpoint_url=url, error=exc.reason) from None
        return AWSResponse(sent.url, status, HTTPHeaders.from_dict(answer_headers), _Raw(data))

    return send

"""botocore's ``URLLib3Session`` behind the stdlib transport's interface, for what that
transport does not speak: an ``https://`` proxy (TLS to the proxy, and TLS inside its
tunnel). It costs the import of botocore and urllib3, so only such a target pays it.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any, cast

from resolver.providers.sts.transport import MAX_BODY, HttpAnswer

SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # botocore's client default
MAX_POOL_CONNECTIONS = 10  # botocore's default


class BotocoreTransport:
    """``send``/``close`` as ``HttpTransport``'s, over botocore's ``URLLib3Session``."""

    def __init__(
        self,
        *,
        verify: str | bool,
        proxies: Mapping[str, str],
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        from botocore.httpsession import URLLib3Session

        self._session = URLLib3Session(
            verify=cast(Any, verify),  # a CA bundle path or True, as botocore's client passes
            proxies=dict(proxies),
            timeout=cast(Any, (connect_timeout, read_timeout)),
            max_pool_connections=MAX_POOL_CONNECTIONS,
            socket_options=cast(Any, list(SOCKET_OPTIONS)),
        )

    def __repr__(self) -> str:
        return "BotocoreTransport()"

    def send(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> HttpAnswer:
        """One request and its whole answer, with botocore's transport errors."""
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
        request.stream_output = True  # read here, bounded
        prepared = request.prepare()
        http = self._session.send(prepared)
        data = _bounded_body(http, url)
        from botocore.utils import lowercase_dict

        found: dict[str, str] = lowercase_dict(http.headers)
        return HttpAnswer(http.status_code, http.raw.reason, found, data)

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()


def _bounded_body(http: Any, url: str) -> bytes:
    """At most ``MAX_BODY`` bytes of ``http``'s body; read errors as ``URLLib3Session``
    raises them; a longer body is a ``ResponseParserError``."""
    from botocore import exceptions as errors
    from urllib3 import exceptions as raw

    try:
        data = bytes(http.raw.read(MAX_BODY + 1))
    except raw.SSLError as exc:
        raise errors.SSLError(endpoint_url=url, error=exc) from None
    except raw.ReadTimeoutError as exc:
        raise errors.ReadTimeoutError(endpoint_url=url, error=exc) from None
    except raw.ProtocolError as exc:
        raise errors.ConnectionClosedError(error=exc, endpoint_url=url) from None
    except Exception as exc:
        raise errors.HTTPClientError(error=exc) from None
    if len(data) > MAX_BODY:
        from botocore.parsers import ResponseParserError

        http.raw.close()  # the rest of the body is never read
        http.raw.release_conn()
        raise ResponseParserError(f"the STS response is larger than {MAX_BODY} bytes")
    http.raw.release_conn()
    return data

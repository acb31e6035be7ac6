"""The botocore exception ``URLLib3Session.send`` (with ``lite._bounded_body``) raises
for a failure of ``transport``, built only when one is raised."""

from __future__ import annotations

import http.client


class Failed(Exception):
    """A step of a call failed: ``phase`` (url, tcp, tunnel, proxy, ca, tls, send, answer,
    headers, body) and
    the standard library's ``error``, mapped to botocore's exception by ``botocore_error``."""

    def __init__(self, phase: str, error: Exception) -> None:
        super().__init__(phase)
        self.phase, self.error = phase, error


def botocore_error(failed: Failed, url: str, proxy_url: str | None) -> Exception:
    """The botocore exception ``URLLib3Session.send`` (or ``lite._bounded_body``) raises
    for the same failure at the same step."""
    from botocore import exceptions as errors

    phase, error = failed.phase, failed.error
    ssl_error = isinstance(error, _ssl_errors())
    if phase in ("tcp", "proxy"):
        if proxy_url is not None:
            return errors.ProxyConnectionError(proxy_url=proxy_url, error=error)
        if isinstance(error, TimeoutError):
            return errors.ConnectTimeoutError(endpoint_url=url, error=error)
        if isinstance(error, OSError):
            return errors.EndpointConnectionError(endpoint_url=url, error=error)
    elif phase == "ca" and isinstance(error, OSError):
        return errors.SSLError(endpoint_url=url, error=error)
    elif phase in ("tls", "tunnel", "answer", "body", "send"):
        if _read_timeout(phase, error, ssl_error):
            return errors.ReadTimeoutError(endpoint_url=url, error=error)
        if ssl_error:
            return errors.SSLError(endpoint_url=url, error=error)
        if isinstance(error, (OSError, http.client.HTTPException)):
            return errors.ConnectionClosedError(error=error, endpoint_url=url)
    return errors.HTTPClientError(error=error)


def _read_timeout(phase: str, error: BaseException, ssl_error: bool) -> bool:
    """urllib3's reading of a timeout: any socket timeout but one writing the request,
    an SSL error saying it timed out (reading the body) or would block (the answer)."""
    import errno

    if phase == "send":
        return False
    if isinstance(error, TimeoutError):
        return True
    if ssl_error and phase == "body":
        return "read operation timed out" in str(error)
    blocking = (errno.EAGAIN, errno.EWOULDBLOCK)
    return ssl_error and phase == "answer" and getattr(error, "errno", None) in blocking


def _ssl_errors() -> tuple[type[BaseException], ...]:
    import sys

    ssl = sys.modules.get("ssl")
    return (ssl.SSLError, ssl.CertificateError) if ssl is not None else ()

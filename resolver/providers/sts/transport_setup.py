"""What ``transport`` is configured from: an ``http://`` proxy (botocore's reading of its
URL, the masked URL of its errors, ``Proxy-Authorization`` from its userinfo) and the TLS
context (botocore's ``create_urllib3_context`` options, the CA bundle of its
``get_cert_path``). Standard library only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit


class UnsupportedProxyError(ValueError):
    """A proxy this transport does not speak (only ``http://`` proxies): the caller falls
    back to botocore's ``URLLib3Session``. The message never quotes the proxy URL."""


def fixed_proxy(url: str) -> str:
    """botocore's reading of a proxy URL without a scheme; an unsupported scheme raises."""
    if not url.startswith(("http:", "https:")):
        url = ("http:" if url.startswith("//") else "http://") + url
    if not url.startswith("http:"):
        raise UnsupportedProxyError("only http:// proxies are supported by the stdlib transport")
    return url


def masked(url: str) -> str:
    """The proxy URL with its user name and password as ``***`` (botocore's mask)."""
    netloc = urlsplit(url).netloc
    userinfo, at, place = netloc.rpartition("@")
    if not at:
        return url
    user, colon, password = userinfo.partition(":")
    masked = ("***" if user else "") + colon + ("***" if password else "")
    return url.replace(netloc, f"{masked}@{place}", 1)


def proxy_headers(username: str | None, password: str | None) -> dict[str, str]:
    """``Proxy-Authorization`` (basic) from the proxy URL's userinfo, as botocore's."""
    if not username or not password:
        return {}
    from base64 import b64encode

    pair = f"{unquote(username)}:{unquote(password)}".encode("ascii")
    return {"Proxy-Authorization": f"Basic {b64encode(pair).strip().decode()}"}


def tls_context(verify: str | bool) -> Any:
    """botocore's ``create_urllib3_context`` with the CA bundle of ``get_cert_path``;
    the host name checked by ``ssl`` itself."""
    import os
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3 | ssl.OP_NO_COMPRESSION
    context.options |= ssl.OP_NO_TICKET
    if getattr(context, "post_handshake_auth", None) is not None:
        context.post_handshake_auth = True
    context.set_alpn_protocols(["http/1.1"])
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    bundle = default_ca_bundle() if verify is True else os.path.expanduser(str(verify))
    context.load_verify_locations(cafile=bundle)
    return context


def default_ca_bundle() -> str:
    """The bundle botocore verifies with: certifi's ``cacert.pem`` when certifi is
    installed (found without importing it), else botocore's own."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("certifi")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if os.path.isfile(os.path.join(location, "cacert.pem")):
            return os.path.join(location, "cacert.pem")
    from resolver.providers.sts.data import botocore_data_dir

    data = botocore_data_dir()
    return str(data.parent / "cacert.pem") if data is not None else ""

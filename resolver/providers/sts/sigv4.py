"""AWS Signature Version 4 as botocore's ``SigV4Auth.add_auth`` signs a request, with the
standard library only.

``sigv4_headers`` gives the headers ``add_auth`` sets on an ``AWSRequest`` of the same
method, URL, headers and body at the same time: ``X-Amz-Date`` (``Date`` when the request
has one), ``X-Amz-Security-Token`` (with a token) and ``Authorization``. The canonical
request is botocore's: the headers it signs (all but its blacklist), lowercased names,
values with runs of whitespace collapsed, ``host`` from the URL (default port dropped),
the path with dot segments and empty segments removed and quoted, the query string as
the URL has it (pairs sorted), and the body's SHA-256 (or ``X-Amz-Content-SHA256`` when
the request carries it). ``signed_request_headers`` applies them as botocore does.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlparse, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP = "%Y%m%dT%H%M%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# botocore.auth.SIGNED_HEADERS_BLACKLIST: headers a proxy or HTTP client may change.
UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}
# urllib3's IPv6 address pattern, as botocore vendors it (``is_valid_ipv6_endpoint_url``).
_HEX = "[0-9A-Fa-f]{1,4}"
_LS32 = f"(?:{_HEX}:{_HEX}|(?:[0-9]{{1,3}}\\.){{3}}[0-9]{{1,3}})"
_IPV6 = "|".join(
    variation.format(h=_HEX, ls32=_LS32)
    for variation in (
        "(?:{h}:){{6}}{ls32}",
        "::(?:{h}:){{5}}{ls32}",
        "(?:{h})?::(?:{h}:){{4}}{ls32}",
        "(?:(?:{h}:)?{h})?::(?:{h}:){{3}}{ls32}",
        "(?:(?:{h}:){{0,2}}{h})?::(?:{h}:){{2}}{ls32}",
        "(?:(?:{h}:){{0,3}}{h})?::{h}:{ls32}",
        "(?:(?:{h}:){{0,4}}{h})?::{ls32}",
        "(?:(?:{h}:){{0,5}}{h})?::{h}",
        "(?:(?:{h}:){{0,6}}{h})?::",
    )
)
_UNRESERVED = r"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._!\-~"
_ZONE = f"(?:%25|%)(?:[{_UNRESERVED}]|%[a-fA-F0-9]{{2}})+"
IPV6_HOST = re.compile(f"^\\[(?:{_IPV6})(?:{_ZONE})?\\]$")

Header = tuple[str, str]


def sigv4_headers(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    token: str | None,
    region: str,
    service: str,
    now: datetime.datetime,
) -> dict[str, str]:
    """The headers botocore's ``SigV4Auth(credentials, service, region).add_auth`` sets on
    this request at ``now`` (naive: UTC), in the order it sets them."""
    stamp = _utc(now).strftime(TIMESTAMP)
    added = _date_header(headers, stamp)
    if token:
        added["X-Amz-Security-Token"] = token
    final = signed_request_headers(headers, added)
    signing = [(name.lower(), value) for name, value in final.items()]
    signing = [(name, value) for name, value in signing if name not in UNSIGNED_HEADERS]
    if not any(name.lower() == "host" for name, _ in signing):
        signing.append(("host", host_from_url(url)))
    names = set(name for name, _ in signing)
    signed = ";".join(sorted(name.lower().strip() for name in names))
    request = "\n".join(
        (
            method.upper(),
            canonical_path(url),
            canonical_query(url),
            canonical_headers(signing, names) + "\n",
            signed,
            _payload_hash(final, body),
        )
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
    to_sign = f"{ALGORITHM}\n{stamp}\n{scope}\n{digest}"
    key = _signing_key(secret_key, stamp[:8], region, service)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    added["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed}, "
        f"Signature={signature}"
    )
    return added


def signed_request_headers(headers: Mapping[str, str], added: Mapping[str, str]) -> dict[str, str]:
    """``headers`` after botocore's signer set ``added`` (from ``sigv4_headers``): each
    name replaces any of any case, and a ``Date`` replaces ``X-Amz-Date`` too."""
    dropped = {name.lower() for name in added} | {"authorization"}
    if "date" in dropped:
        dropped.add("x-amz-date")
    kept = {name: value for name, value in headers.items() if name.lower() not in dropped}
    return {**kept, **added}


def _utc(now: datetime.datetime) -> datetime.datetime:
    """``now`` as botocore's clock gives it: naive, in UTC."""
    if now.tzinfo is None:
        return now
    return now.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _date_header(headers: Mapping[str, str], stamp: str) -> dict[str, str]:
    """botocore's date header: a request's ``Date`` is rewritten from the signing time;
    else ``X-Amz-Date`` is set."""
    if not any(name.lower() == "date" for name in headers):
        return {"X-Amz-Date": stamp}
    import calendar
    from email.utils import formatdate

    moment = datetime.datetime.strptime(stamp, TIMESTAMP)
    return {"Date": formatdate(int(calendar.timegm(moment.timetuple())))}


def host_from_url(url: str) -> str:
    """botocore's ``host`` header for ``url``: lowercased, no user info, an IPv6 address
    in brackets, the port only when not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname
    if not {"\t", "\r", "\n"} & set(url) and IPV6_HOST.match(f"[{urlparse(url).hostname}]"):
        host = f"[{host}]"
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return str(host)


def canonical_path(url: str) -> str:
    """The URL's path without dot segments or empty segments, quoted (``/`` and ``~``
    kept): botocore's ``normalize_url_path`` then ``quote``."""
    path = urlsplit(url).path
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and segments else ""
    return quote(first + "/".join(segments) + last, safe="/~")


def canonical_query(url: str) -> str:
    """The URL's query pairs as they are written, sorted by name then value."""
    query = urlsplit(url).query
    if not query:
        return ""
    pairs = sorted((key, value) for key, _, value in (p.partition("=") for p in query.split("&")))
    return "&".join(f"{key}={value}" for key, value in pairs)


def canonical_headers(signing: Iterable[Header], names: set[str]) -> str:
    """``name:value`` lines, sorted; the values of a repeated name joined by commas, each
    with its whitespace collapsed."""
    listed = list(signing)
    lines = []
    for key in sorted(names):
        values = [value for name, value in listed if name.lower() == key.lower()]
        lines.append(f"{key}:{','.join(' '.join(value.split()) for value in values)}")
    return "\n".join(lines)


def _payload_hash(headers: Mapping[str, str], body: bytes) -> str:
    """The request's ``X-Amz-Content-SHA256`` when it has one, else the body's hash."""
    for name, value in headers.items():
        if name.lower() == "x-amz-content-sha256":
            return value
    return hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256


@functools.lru_cache(maxsize=16)
def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """The derived signing key (cached: one per secret, day, region and service)."""
    secret = f"AWS4{secret_key}".encode("utf-8", "replace")
    if secret.decode("utf-8") != f"AWS4{secret_key}":  # no exception holding the secret
        raise ValueError("the secret access key is not encodable as UTF-8")
    key = hmac.new(secret, date.encode("utf-8"), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key

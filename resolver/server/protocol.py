"""The HTTP side of the credential server: bounded request parsing and responses.

Only what the two protocols need: the method, the path and the few headers they read
(``KEPT_HEADERS``; the others are checked for form and dropped). The request line and
headers together are bounded (``MAX_HEAD``), the client has ``READ_TIMEOUT`` seconds to
send them (the listener enforces both), and every response closes the connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_HEAD = 8 * 1024
READ_TIMEOUT = 5.0
MAX_HEADERS = 64
KEPT_HEADERS = frozenset(
    {
        "authorization",
        "x-aws-ec2-metadata-token",
        "x-aws-ec2-metadata-token-ttl-seconds",
        "x-forwarded-for",
    }
)
JSON = "application/json"
TEXT = "text/plain"

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class BadRequest(Exception):
    """The client sent something that is not a small, well-formed HTTP/1.x request head."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Request:
    """A parsed request head: method, path (query dropped), and the ``KEPT_HEADERS`` as
    (lower-case name, value) pairs (repr hides them: they hold tokens)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        return f"Request({self.method!r}, {self.path!r})"

    def header(self, name: str) -> tuple[str, ...]:
        """Every value of the header ``name`` (lower case), in order."""
        return tuple(value for key, value in self.headers if key == name)

    @property
    def authorization(self) -> tuple[str, ...]:
        """The Authorization header's values."""
        return self.header("authorization")


@dataclass(frozen=True)
class Reply:
    """A response to send: status, body, content type and extra header lines."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self) -> bytes:
        """The complete HTTP response."""
        return response(self.status, self.body, self.content_type, self.headers)


def parse_head(head: bytes) -> Request:
    """The request in ``head``; ``BadRequest`` (400) for anything malformed."""
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        raise BadRequest(400, "request head is not ASCII") from None
    lines = text.replace("\r\n", "\n").split("\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha():
        raise BadRequest(400, "malformed request line")
    method, target, _version = parts
    if not target.startswith("/"):
        raise BadRequest(400, "malformed request target")
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest(400, "too many headers")
    kept: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest(400, "malformed header line")
        if name.lower() in KEPT_HEADERS:
            kept.append((name.lower(), value.strip()))
    return Request(method, target.split("?", 1)[0], tuple(kept))


def response(
    status: int,
    body: bytes,
    content_type: str = JSON,
    headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """A complete HTTP/1.1 response that closes the connection."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{extra}"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def error_body(code: str, message: str, **extra: str) -> bytes:
    """A JSON error document: ``{"code": ..., "message": ...}`` plus ``extra``."""
    return json.dumps({"code": code, "message": message, **extra}).encode()
